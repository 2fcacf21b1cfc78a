/*
 * hostname_test.c - host name, address and next-hop syntax as Postfix checks it
 * (Postfix valid_hostname(), valid_hostaddr(), host_port(); spec 2.2, 3.2)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hostname.h"
#include "idna.h"

static void
test_valid_hostname(void **state)
{
    static const struct {
        const char *name;
        bool ok;
    } rows[] = {
        /* negative first; spec 2.2: anything with [ ] : is not a host name */
        {"", false},
        {"example.com.", false},         /* trailing dot: misplaced delimiter */
        {".example.com", false},
        {"a..b", false},
        {"-a.example", false},
        {"a-.example", false},
        {"[example.com]", false},
        {"example.com:25", false},
        {"127.0.0.1", false},            /* all numeric */
        {"a b.example", false},
        {"b\xc3\xbc" "cher.example", false}, /* non-ASCII */
        {"0123456789012345678901234567890123456789012345678901234567890123.example", false},
        /* positive */
        {"example.com", true},
        {"fastmail.fm", true},
        {"in1-smtp.messagingengine.com", true},
        {"under_score.example", true},
        {"x", true},
        {"1a.example", true},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (tlsp_valid_hostname(rows[i].name) != rows[i].ok)
            fail_msg("valid_hostname(\"%s\") should be %d", rows[i].name, rows[i].ok);
}

static void
test_valid_hostaddr(void **state)
{
    static const struct {
        const char *addr;
        bool ok;
    } rows[] = {
        {"256.0.0.1", false}, {"1.2.3", false},     {"1.2.3.4.", false}, {"0.1.2.3", false},
        {"::1::", false},     {"1:2:3:4:5:6:7:8:9", false}, {"g::1", false},
        {"127.0.0.1", true},  {"0.0.0.0", true},    {"01.2.3.4", true},    {"::1", true},       {"2001:db8::1", true},
        {"::ffff:127.0.0.1", true},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        if (tlsp_valid_hostaddr(rows[i].addr) != rows[i].ok)
            fail_msg("valid_hostaddr(\"%s\") should be %d", rows[i].addr, rows[i].ok);
}

static void
test_nexthop_split(void **state)
{
    static const struct {
        const char *dest;
        enum tlsp_status st;
        const char *host;
        const char *port;
        bool bracket, literal, ipv6;
    } rows[] = {
        {"[unterminated", TLSP_INVAL, NULL, NULL, false, false, false},
        {"[]", TLSP_INVAL, NULL, NULL, false, false, false},
        {"[host]x", TLSP_INVAL, NULL, NULL, false, false, false},
        {"example.com", TLSP_OK, "example.com", NULL, false, false, false},
        {"example.com:2525", TLSP_OK, "example.com", "2525", false, false, false},
        {"[mx.example.com]", TLSP_OK, "mx.example.com", NULL, true, false, false},
        {"[mx.example.com]:587", TLSP_OK, "mx.example.com", "587", true, false, false},
        {"[127.0.0.1]:10024", TLSP_OK, "127.0.0.1", "10024", true, true, false},
        {"[ipv6:2001:db8::1]:25", TLSP_OK, "2001:db8::1", "25", true, true, true},
        {"[example.com]:smtp", TLSP_OK, "example.com", "smtp", true, false, false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_nexthop nh;
        enum tlsp_status st = tlsp_nexthop_split(rows[i].dest, &nh);

        if (st != rows[i].st)
            fail_msg("%s: status %d", rows[i].dest, st);
        if (st != TLSP_OK)
            continue;
        assert_string_equal(nh.host, rows[i].host);
        if (rows[i].port)
            assert_string_equal(nh.port, rows[i].port);
        else
            assert_null(nh.port);
        assert_int_equal(nh.bracket, rows[i].bracket);
        assert_int_equal(nh.literal, rows[i].literal);
        assert_int_equal(nh.ipv6, rows[i].ipv6);
        tlsp_nexthop_fini(&nh);
    }
}

/* Postfix find_inet_port(): numbers, known_tcp_ports, then the services database */
static void
test_service_port(void **state)
{
    static const char *known = "lmtp=24, smtp=25, smtps=submissions=465, submission=587";

    (void)state;
    assert_int_equal(tlsp_service_port("0", known), -1);
    assert_int_equal(tlsp_service_port("65536", known), -1);
    assert_int_equal(tlsp_service_port("123456", known), -1);
    assert_int_equal(tlsp_service_port("no-such-service-name", known), -1);
    assert_int_equal(tlsp_service_port("2525", known), 2525);
    assert_int_equal(tlsp_service_port("submissions", known), 465);
    assert_int_equal(tlsp_service_port("smtps", known), 465);
    assert_int_equal(tlsp_service_port("submission", known), 587);
    assert_int_equal(tlsp_service_port("lmtp", "lmtp=2424"), 2424);
}

/* spec 3.2: U-labels become A-labels with UTS-46 */
static void
test_idna(void **state)
{
    char *out = NULL;

    (void)state;
    assert_int_equal(tlsp_idna_to_ascii("b\xc3\xbc" "cher.example", &out, NULL), TLSP_OK);
    assert_string_equal(out, "xn--bcher-kva.example");
    free(out);
    assert_int_equal(tlsp_idna_to_ascii("B\xc3\x9c" "CHER.example", &out, NULL), TLSP_OK);
    assert_string_equal(out, "xn--bcher-kva.example");
    free(out);
    /* non-transitional: sharp s is kept, not mapped to "ss" */
    assert_int_equal(tlsp_idna_to_ascii("stra\xc3\x9f" "e.example", &out, NULL), TLSP_OK);
    assert_string_equal(out, "xn--strae-oqa.example");
    free(out);
    out = NULL;
    assert_int_equal(tlsp_idna_to_ascii("-bad-.example", &out, NULL), TLSP_INVAL);
    assert_null(out);
    assert_true(tlsp_valid_utf8_hostname(true, "b\xc3\xbc" "cher.example"));
    assert_false(tlsp_valid_utf8_hostname(false, "b\xc3\xbc" "cher.example"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_hostname),
        cmocka_unit_test(test_valid_hostaddr),
        cmocka_unit_test(test_nexthop_split),
        cmocka_unit_test(test_idna),
        cmocka_unit_test(test_service_port),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
