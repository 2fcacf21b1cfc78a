/*
 * dns_test.c - the parts of lib/dns.c that need no name server: the
 * --resolver ADDR[@PORT] syntax, smtp_host_lookup's words, and smtp(8)'s
 * address order (shuffle, then a stable sort by preference and family).
 * The lookups themselves are tested in the lab (tests/lab/dns/).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <tlspolicy/dns.h>

static void
test_parse_resolver_bad(void **state)
{
    static const char *const bad[] = {
        "",                /* empty */
        "@53",             /* no address */
        "127.0.0.1@",      /* empty port */
        "127.0.0.1@0",     /* port 0 */
        "127.0.0.1@65536", /* out of range */
        "127.0.0.1@99999999999999999999",
        "127.0.0.1@53x", /* trailing garbage */
        "127.0.0.1@-53",
        "127.0.0.1@ 53",
        "ns.example", /* a name: nothing to look it up with */
        "ns.example@53",
        "127.0.0.256",
        "127.0.0.1:53", /* the port separator is @ */
        "[::1]@53",     /* no brackets */
        "::1::2",
        "1.2.3.4@53@54",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        struct tlsp_diag diag;
        tlsp_diag_init(&diag);
        if (tlsp_dns_parse_resolver(bad[i], &ss, &len, &diag) != TLSP_INVAL)
            fail_msg("\"%s\" accepted", bad[i]);
        assert_int_equal(diag.n_msgs, 1);
        /* the message names the text */
        assert_non_null(strstr(diag.msgs[0].text, bad[i]));
        tlsp_diag_fini(&diag);
    }
    {
        struct sockaddr_storage ss;
        socklen_t len;
        assert_int_equal(tlsp_dns_parse_resolver(NULL, &ss, &len, NULL), TLSP_INVAL);
    }
}

static void
test_parse_resolver_good(void **state)
{
    static const struct {
        const char *text;
        int family;
        const char *addr;
        unsigned port;
    } rows[] = {
        {"127.0.0.77", AF_INET, "127.0.0.77", 53},
        {"127.0.0.77@53", AF_INET, "127.0.0.77", 53},
        {"127.0.0.1@5353", AF_INET, "127.0.0.1", 5353},
        {"192.0.2.1@1", AF_INET, "192.0.2.1", 1},
        {"10.0.0.1@65535", AF_INET, "10.0.0.1", 65535},
        {"::1", AF_INET6, "::1", 53},
        {"::1@5353", AF_INET6, "::1", 5353},
        {"2001:db8::53@853", AF_INET6, "2001:db8::53", 853},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct sockaddr_storage ss;
        socklen_t len = 0;
        char text[INET6_ADDRSTRLEN];
        assert_int_equal(tlsp_dns_parse_resolver(rows[i].text, &ss, &len, NULL), TLSP_OK);
        assert_int_equal(ss.ss_family, rows[i].family);
        if (rows[i].family == AF_INET) {
            const struct sockaddr_in *s4 = (const struct sockaddr_in *)&ss;
            assert_int_equal(len, sizeof(*s4));
            assert_int_equal(ntohs(s4->sin_port), rows[i].port);
            inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
        } else {
            const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&ss;
            assert_int_equal(len, sizeof(*s6));
            assert_int_equal(ntohs(s6->sin6_port), rows[i].port);
            inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
        }
        assert_string_equal(text, rows[i].addr);
    }
}

static void
test_parse_host_lookup(void **state)
{
    static const struct {
        const char *value;
        enum tlsp_status st;
        unsigned mask;
        const char *msg;
    } rows[] = {
        {"bogus", TLSP_CONFIG, 0, "unknown smtp_host_lookup value \"bogus\" in \"bogus\""},
        {"dns, nis", TLSP_CONFIG, 0, "unknown smtp_host_lookup value \"nis\" in \"dns, nis\""},
        {"", TLSP_CONFIG, 0, NULL},
        {" , ", TLSP_CONFIG, 0, NULL},
        {"dns", TLSP_OK, TLSP_DNS_LOOKUP_DNS, NULL},
        {"native", TLSP_OK, TLSP_DNS_LOOKUP_NATIVE, NULL},
        {"dns, native", TLSP_OK, TLSP_DNS_LOOKUP_DNS | TLSP_DNS_LOOKUP_NATIVE, NULL},
        {"Native DNS", TLSP_OK, TLSP_DNS_LOOKUP_DNS | TLSP_DNS_LOOKUP_NATIVE, NULL},
        {"native,native", TLSP_OK, TLSP_DNS_LOOKUP_NATIVE, NULL},
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        unsigned mask = 99;
        struct tlsp_diag diag;
        tlsp_diag_init(&diag);
        assert_int_equal(
            tlsp_dns_parse_host_lookup("smtp_host_lookup", rows[i].value, &mask, &diag),
            rows[i].st);
        if (rows[i].st == TLSP_OK) {
            assert_int_equal(mask, rows[i].mask);
            assert_int_equal(diag.n_msgs, 0);
        } else {
            assert_int_equal(mask, 99); /* untouched */
            assert_int_equal(diag.n_msgs, 1);
            assert_int_equal(diag.msgs[0].sev, TLSP_SEV_FATAL);
            if (rows[i].msg != NULL)
                assert_string_equal(diag.msgs[0].text, rows[i].msg);
        }
        tlsp_diag_fini(&diag);
    }
}

/* an address list: "name/pref/family" */
static void
make(struct tlsp_dns_addr *a, const char *host, unsigned pref, int family)
{
    memset(a, 0, sizeof(*a));
    a->host = (char *)host;
    a->addr = (char *)host;
    a->pref = pref;
    a->family = family;
}

static const char *
names(const struct tlsp_dns_addr *a, size_t n)
{
    static char buf[512];
    size_t off = 0;

    buf[0] = 0;
    for (size_t i = 0; i < n; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s", i ? " " : "", a[i].host);
    return buf;
}

static void
test_order_no_shuffle(void **state)
{
    struct tlsp_dns_addr a[6];
    struct tlsp_dns_order ord = {.prefer = TLSP_DNS_PREFER_ANY, .randomize = false};

    make(&a[0], "c20", 20, AF_INET);
    make(&a[1], "a10", 10, AF_INET6);
    make(&a[2], "b10", 10, AF_INET);
    make(&a[3], "d5", 5, AF_INET);
    make(&a[4], "e20", 20, AF_INET6);
    make(&a[5], "f10", 10, AF_INET6);
    /* stable: equal preferences keep their order */
    tlsp_dns_order_addrs(a, 6, &ord);
    assert_string_equal(names(a, 6), "d5 a10 b10 f10 c20 e20");
    ord.prefer = TLSP_DNS_PREFER_IPV4;
    tlsp_dns_order_addrs(a, 6, &ord);
    assert_string_equal(names(a, 6), "d5 b10 a10 f10 c20 e20");
    ord.prefer = TLSP_DNS_PREFER_IPV6;
    tlsp_dns_order_addrs(a, 6, &ord);
    assert_string_equal(names(a, 6), "d5 a10 f10 b10 e20 c20");
    /* nothing to do for 0 and 1 element, or NULL */
    tlsp_dns_order_addrs(a, 1, &ord);
    tlsp_dns_order_addrs(NULL, 3, &ord);
    tlsp_dns_order_addrs(a, 6, NULL);
    assert_string_equal(names(a, 6), "d5 a10 f10 b10 e20 c20");
}

static void
test_order_seeded_shuffle(void **state)
{
    struct tlsp_dns_order ord = {.prefer = TLSP_DNS_PREFER_ANY, .randomize = true, .seeded = true};
    int seen[3] = {0, 0, 0};

    for (unsigned long seed = 0; seed < 64; seed++) {
        struct tlsp_dns_addr a[5], b[5];
        ord.seed = seed;
        make(&a[0], "x10", 10, AF_INET);
        make(&a[1], "y10", 10, AF_INET);
        make(&a[2], "z10", 10, AF_INET);
        make(&a[3], "w20", 20, AF_INET);
        make(&a[4], "v5", 5, AF_INET);
        memcpy(b, a, sizeof(a));
        tlsp_dns_order_addrs(a, 5, &ord);
        tlsp_dns_order_addrs(b, 5, &ord);
        /* the same seed, the same order */
        assert_string_equal(names(a, 5), names(b, 5));
        /* preferences stay in order whatever the shuffle did */
        assert_string_equal(a[0].host, "v5");
        assert_string_equal(a[4].host, "w20");
        assert_int_equal(a[1].pref, 10);
        assert_int_equal(a[3].pref, 10);
        seen[a[1].host[0] - 'x']++;
    }
    /* every equal-preference host comes first for some seed */
    assert_true(seen[0] > 0 && seen[1] > 0 && seen[2] > 0);

    /* fixed seeds give fixed orders */
    {
        struct tlsp_dns_addr a[3];
        ord.seed = 1;
        make(&a[0], "x10", 10, AF_INET);
        make(&a[1], "y10", 10, AF_INET);
        make(&a[2], "z10", 10, AF_INET);
        tlsp_dns_order_addrs(a, 3, &ord);
        {
            char first[64];
            snprintf(first, sizeof(first), "%s", names(a, 3));
            make(&a[0], "x10", 10, AF_INET);
            make(&a[1], "y10", 10, AF_INET);
            make(&a[2], "z10", 10, AF_INET);
            tlsp_dns_order_addrs(a, 3, &ord);
            assert_string_equal(names(a, 3), first);
        }
    }
}

static void
test_result_fini(void **state)
{
    struct tlsp_dns_result r;

    tlsp_dns_result_fini(NULL);
    memset(&r, 0, sizeof(r));
    tlsp_dns_result_fini(&r);
    assert_null(r.addrs);
    assert_int_equal(r.n_addrs, 0);
}

static void
test_resolve_bad_arguments(void **state)
{
    struct tlsp_dns_result r;
    struct tlsp_policy pol;

    memset(&pol, 0, sizeof(pol));
    r.n_addrs = 7;
    assert_int_equal(tlsp_dns_resolve(NULL, &pol, NULL, &r, NULL), TLSP_INVAL);
    assert_int_equal(r.n_addrs, 0); /* zeroed on every return */
    tlsp_dns_result_fini(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_resolver_bad),    cmocka_unit_test(test_parse_resolver_good),
        cmocka_unit_test(test_parse_host_lookup),     cmocka_unit_test(test_order_no_shuffle),
        cmocka_unit_test(test_order_seeded_shuffle),  cmocka_unit_test(test_result_fini),
        cmocka_unit_test(test_resolve_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
