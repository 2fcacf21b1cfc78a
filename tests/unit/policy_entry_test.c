/*
 * policy_entry_test.c - smtp_tls_policy_maps values checked as Postfix does
 *
 * Every row is one entry value and the warning Postfix 3.7.11 logs for it
 * (after the "smtp_tls_policy_maps, next-hop destination "DEST": " prefix),
 * or NULL when Postfix accepts it. The texts were read off the real
 * smtp(8) of Debian's postfix 3.7.11 in a private instance; the spec
 * section each row follows is named in the row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/policy.h>

#include "policy_entry.h"

struct row {
    const char *spec;  /* spec section */
    const char *value; /* table value */
    const char *release;
    enum tlsp_level level;
    const char *warning;
};

static const struct row rows[] = {
    /* Negative cases first. */
    {"2.3", "", "3.7.11", TLSP_LEVEL_INVALID, "invalid empty policy"},
    {"2.3", " , ", "3.7.11", TLSP_LEVEL_INVALID, "invalid empty policy"},
    {"2.3", "bogus", "3.7.11", TLSP_LEVEL_INVALID, "invalid security level \"bogus\""},
    {"1.1", "halfdane", "3.7.11", TLSP_LEVEL_INVALID, "invalid security level \"halfdane\""},
    {"2.3", "secure ciphers", "3.7.11", TLSP_LEVEL_INVALID,
     "malformed attribute/value pair \"ciphers\": missing '=' after attribute name"},
    {"2.3", "secure =x", "3.7.11", TLSP_LEVEL_INVALID,
     "malformed attribute/value pair \"=x\": missing attribute name"},
    {"2.4", "may match=foo", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"match\" invalid at security level \"may\""},
    {"2.4", "encrypt match=foo", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"match\" invalid at security level \"encrypt\""},
    {"2.4", "dane match=x", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"match\" invalid at security level \"dane\""},
    {"2.4", "dane-only match=x", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"match\" invalid at security level \"dane-only\""},
    {"2.4", "verify match=", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"match\" has empty value"},
    {"2.4", "may match=", "3.7.11", TLSP_LEVEL_INVALID, "attribute \"match\" has empty value"},
    {"2.4", "secure ciphers=high ciphers=low", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"ciphers\" is specified multiple times"},
    {"2.4", "secure ciphers=", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"ciphers\" has empty value"},
    {"2.4", "secure foo=bar", "3.7.11", TLSP_LEVEL_INVALID, "invalid attribute name: \"foo\""},
    {"2.4", "secure servername=bad_name!", "3.7.11", TLSP_LEVEL_INVALID,
     "\"servername=bad_name!\" specifies an invalid hostname"},
    {"2.4", "secure servername=hostname servername=nexthop", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"servername\" is specified multiple times"},
    {"2.4", "secure connection_reuse=maybe", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"connection_reuse\" has bad value: \"maybe\""},
    {"2.4", "secure protocols=a protocols=b", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"protocols\" is specified multiple times"},
    {"2.4", "secure exclude=a exclude=b", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"exclude\" is specified multiple times"},
    {"2.4", "may tafile=/x", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"tafile\" invalid at security level \"may\""},
    {"2.4", "fingerprint tafile=/x", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"tafile\" invalid at security level \"fingerprint\""},
    {"2.4", "secure tafile=", "3.7.11", TLSP_LEVEL_INVALID,
     "attribute \"tafile\" has empty value"},
    {"2.4", "secure enable_rpk=yes", "3.7.11", TLSP_LEVEL_INVALID,
     "invalid attribute name: \"enable_rpk\""},
    {"2.4", "secure policy_type=sts", "3.7.11", TLSP_LEVEL_INVALID,
     "invalid attribute name: \"policy_type\""},
    {"2.3", "secure { servername = hostname }", "3.7.11", TLSP_LEVEL_INVALID,
     "malformed attribute/value pair \"{\": missing '=' after attribute name"},
    {"2.4", "secure enable_rpk=maybe", "3.9.0", TLSP_LEVEL_INVALID,
     "attribute \"enable_rpk\" has bad value: \"maybe\""},
    {"2.4", "secure policy_ttl=x policy_type=sts", "3.10.0", TLSP_LEVEL_INVALID,
     "attribute \"policy_ttl\" has a malformed value: \"x\""},
    {"2.4", "secure policy_domain=example.com", "3.10.0", TLSP_LEVEL_INVALID,
     "built-in policy has unexpected attribute policy_ttl, policy_domain, policy_string, "
     "mx_host_pattern or policy_failure"},
    /* Accepted entries. */
    {"2.3", "secure", "3.7.11", TLSP_LEVEL_SECURE, NULL},
    {"2.3", "VERIFY Match=a.test", "3.7.11", TLSP_LEVEL_VERIFY, NULL},
    {"2.3", "secure,ciphers=high", "3.7.11", TLSP_LEVEL_SECURE, NULL},
    {"2.3", "secure ciphers=high match=gslb.pphosted.com", "3.7.11", TLSP_LEVEL_SECURE, NULL},
    {"2.3", "secure match=.:a.test", "3.7.11", TLSP_LEVEL_SECURE, NULL},
    {"2.3", "secure protocols=>=TLSv1.2", "3.7.11", TLSP_LEVEL_SECURE, NULL},
    {"2.3", "none ciphers=high junk", "3.7.11", TLSP_LEVEL_NONE, NULL},
    {"2.4", "fingerprint match=AB:CD|EF", "3.7.11", TLSP_LEVEL_FINGERPRINT, NULL},
    {"2.4", "dane", "3.7.11", TLSP_LEVEL_DANE, NULL},
    {"2.4", "dane-only", "3.7.11", TLSP_LEVEL_DANE_ONLY, NULL},
    {"2.4", "encrypt connection_reuse=YES", "3.7.11", TLSP_LEVEL_ENCRYPT, NULL},
    {"2.4", "secure enable_rpk=yes", "3.9.0", TLSP_LEVEL_SECURE, NULL},
    {"2.4", "secure { servername = hostname }", "3.10.0", TLSP_LEVEL_SECURE, NULL},
    {"2.4", "secure policy_type=sts policy_domain=example.com policy_ttl=86400", "3.10.0",
     TLSP_LEVEL_SECURE, NULL},
};

static void
test_rows(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        const struct row *r = &rows[i];
        struct tlsp_version v;
        struct tlsp_policy_entry e;

        assert_int_equal(tlsp_version_parse(r->release, &v, NULL), TLSP_OK);
        tlsp_policy_entry_init(&e);
        assert_int_equal(tlsp_policy_entry_parse(r->value, &v, &e), TLSP_OK);
        if (e.level != r->level)
            fail_msg("spec %s, \"%s\" (%s): level %s, want %s", r->spec, r->value, r->release,
                     tlsp_level_name(e.level), tlsp_level_name(r->level));
        if (r->warning == NULL && e.warning != NULL)
            fail_msg("spec %s, \"%s\": unexpected warning \"%s\"", r->spec, r->value, e.warning);
        if (r->warning != NULL && (e.warning == NULL || strcmp(e.warning, r->warning) != 0))
            fail_msg("spec %s, \"%s\": warning \"%s\", want \"%s\"", r->spec, r->value,
                     e.warning ? e.warning : "(none)", r->warning);
        tlsp_policy_entry_fini(&e);
    }
}

/* spec 2.4: match= lists concatenate and split on ':' (verify/secure) or
 * '|' (fingerprint); attributes keep their values. */
static void
test_attributes(void **state)
{
    struct tlsp_policy_entry e;

    (void)state;
    tlsp_policy_entry_init(&e);
    assert_int_equal(tlsp_policy_entry_parse("secure ciphers=high match=a.test:.b.test "
                                             "MATCH=nexthop exclude=RC4:MD5 protocols=!SSLv3",
                                             &tlsp_version_default, &e),
                     TLSP_OK);
    assert_int_equal(e.level, TLSP_LEVEL_SECURE);
    assert_string_equal(e.ciphers, "high");
    assert_string_equal(e.exclude, "RC4:MD5");
    assert_string_equal(e.protocols, "!SSLv3");
    assert_int_equal(e.match.n, 3);
    assert_string_equal(e.match.v[0], "a.test");
    assert_string_equal(e.match.v[1], ".b.test");
    assert_string_equal(e.match.v[2], "nexthop");
    tlsp_policy_entry_fini(&e);

    tlsp_policy_entry_init(&e);
    assert_int_equal(tlsp_policy_entry_parse("fingerprint match=AA:BB|CC:DD match=EE",
                                             &tlsp_version_default, &e),
                     TLSP_OK);
    assert_int_equal(e.match.n, 3);
    assert_string_equal(e.match.v[1], "CC:DD");
    tlsp_policy_entry_fini(&e);

    /* spec 2.3: at "none" every further token is ignored with a warning */
    tlsp_policy_entry_init(&e);
    assert_int_equal(tlsp_policy_entry_parse("none ciphers=high junk", &tlsp_version_default, &e),
                     TLSP_OK);
    assert_int_equal(e.ignored.n, 2);
    assert_string_equal(e.ignored.v[0], "ciphers=high");
    assert_string_equal(e.ignored.v[1], "junk");
    tlsp_policy_entry_fini(&e);
}

/* The public wrapper returns the same verdict and text. */
static void
test_public_parse(void **state)
{
    enum tlsp_level level;
    char *warning = NULL;

    (void)state;
    assert_int_equal(tlsp_policy_parse_entry("secure foo=bar", "x.test", NULL, &level, &warning),
                     TLSP_OK);
    assert_int_equal(level, TLSP_LEVEL_INVALID);
    assert_string_equal(warning, "invalid attribute name: \"foo\"");
    free(warning);
    assert_int_equal(tlsp_policy_parse_entry("secure", "x.test", NULL, &level, &warning),
                     TLSP_OK);
    assert_int_equal(level, TLSP_LEVEL_SECURE);
    assert_null(warning);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows),
        cmocka_unit_test(test_attributes),
        cmocka_unit_test(test_public_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
