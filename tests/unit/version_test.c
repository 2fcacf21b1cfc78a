/*
 * version_test.c - release parsing and version-dependent rules
 * (docs/postfix-versions.md)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/version.h>

static void
test_parse_refuses(void **state)
{
    static const struct {
        const char *text;
        enum tlsp_status want;
    } rows[] = {
        {"", TLSP_INVAL},        {"3", TLSP_INVAL},           {"3.7.", TLSP_INVAL},
        {"3.7.x", TLSP_INVAL},   {"v3.7.11", TLSP_INVAL},     {"3.7.11 ", TLSP_INVAL},
        {"3.5.9", TLSP_UNSUPPORTED}, {"2.11.0", TLSP_UNSUPPORTED}, {"3.11.0", TLSP_UNSUPPORTED},
        {"4.0.0", TLSP_UNSUPPORTED},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_version v = {9, 9, 9};
        struct tlsp_diag d;

        tlsp_diag_init(&d);
        assert_int_equal(tlsp_version_parse(rows[i].text, &v, &d), rows[i].want);
        assert_int_equal(d.n_msgs, 1);
        assert_int_equal(v.major, 9);
        tlsp_diag_fini(&d);
    }
}

static void
test_parse_accepts(void **state)
{
    struct tlsp_version v;
    char buf[32];

    (void)state;
    assert_int_equal(tlsp_version_parse("3.7.11", &v, NULL), TLSP_OK);
    assert_string_equal(tlsp_version_format(&v, buf, sizeof(buf)), "3.7.11");
    assert_int_equal(tlsp_version_cmp(&v, &tlsp_version_default), 0);
    assert_int_equal(tlsp_version_parse("3.10", &v, NULL), TLSP_OK);
    assert_string_equal(tlsp_version_format(&v, buf, sizeof(buf)), "3.10.0");
    assert_int_equal(tlsp_version_parse("3.6.0", &v, NULL), TLSP_OK);
    assert_int_equal(tlsp_version_parse("3.10.99", &v, NULL), TLSP_OK);
}

static void
test_rules(void **state)
{
    static const struct {
        const char *release;
        enum tlsp_vrule rule;
        bool want;
    } rows[] = {
        /* spec 4.2: Trusted on name mismatch from 3.10.4 only */
        {"3.7.11", TLSP_VR_TRUSTED_ON_NAME_MISMATCH, false},
        {"3.9.14", TLSP_VR_TRUSTED_ON_NAME_MISMATCH, false},
        {"3.10.3", TLSP_VR_TRUSTED_ON_NAME_MISMATCH, false},
        {"3.10.4", TLSP_VR_TRUSTED_ON_NAME_MISMATCH, true},
        /* spec 1.6: insecure-MX default fixed in 3.6.17, 3.7.13, 3.8.8, 3.9.2, 3.10.0 */
        {"3.7.11", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, false},
        {"3.7.12", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, false},
        {"3.7.13", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, true},
        {"3.6.16", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, false},
        {"3.6.17", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, true},
        {"3.8.7", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, false},
        {"3.8.8", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, true},
        {"3.9.1", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, false},
        {"3.10.0", TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE, true},
        /* spec 2.4: attributes not recognised by 3.7 */
        {"3.8.5", TLSP_VR_ATTR_ENABLE_RPK, false},
        {"3.9.0", TLSP_VR_ATTR_ENABLE_RPK, true},
        {"3.9.9", TLSP_VR_ATTR_TLSRPT, false},
        {"3.10.0", TLSP_VR_ATTR_TLSRPT, true},
        {"3.9.9", TLSP_VR_POLICY_QUOTING, false},
        {"3.10.1", TLSP_VR_POLICY_QUOTING, true},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_version v;

        assert_int_equal(tlsp_version_parse(rows[i].release, &v, NULL), TLSP_OK);
        if (tlsp_version_has(&v, rows[i].rule) != rows[i].want)
            fail_msg("row %zu: %s rule %d: want %d", i, rows[i].release, rows[i].rule,
                     rows[i].want);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_refuses),
        cmocka_unit_test(test_parse_accepts),
        cmocka_unit_test(test_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
