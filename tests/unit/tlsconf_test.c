/*
 * tlsconf_test.c - cipher strings, protocol lists, fingerprints and
 * trust-anchor files as Postfix turns them into OpenSSL settings
 * (spec 5.2, 5.3, 5.4, 1.5)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "tlsconf.h"

static const char *high = "aNULL:-aNULL:HIGH:@STRENGTH";
static const char *medium = "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH";

static void
test_cipherlist(void **state)
{
    char *list = NULL, *problem = NULL;

    (void)state;
    /* negative first: unknown grade, unary exclusions (spec 1.7) */
    assert_int_equal(tlsp_tlsconf_cipherlist("bogus", NULL, "", &list, &problem), TLSP_INVAL);
    assert_string_equal(problem, "invalid cipher grade: \"bogus\"");
    free(problem);
    assert_int_equal(tlsp_tlsconf_cipherlist("high", high, "aNULL !foo", &list, &problem),
                     TLSP_INVAL);
    assert_string_equal(problem, "invalid unary '!+-@' in cipher exclusion: !foo");
    free(problem);
    assert_int_equal(tlsp_tlsconf_cipherlist("high", "NOSUCHCIPHER", "", &list, &problem),
                     TLSP_INVAL);
    assert_string_equal(problem, "error setting cipher grade: \"high\"");
    free(problem);
    /* spec 5.2 example at verify */
    assert_int_equal(tlsp_tlsconf_cipherlist("medium", medium, "aNULL", &list, &problem),
                     TLSP_OK);
    assert_string_equal(list, "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!aNULL");
    free(list);
    /* the seed case: secure ciphers=high with the mandatory exclusions */
    assert_int_equal(tlsp_tlsconf_cipherlist("HIGH", high,
                                             "MD5, DES, ADH, RC4, PSD, SRP, 3DES, eNULL aNULL",
                                             &list, &problem),
                     TLSP_OK);
    assert_string_equal(list, "aNULL:-aNULL:HIGH:@STRENGTH:!MD5:!DES:!ADH:!RC4:!PSD:!SRP:!3DES:"
                              "!eNULL:!aNULL");
    free(list);
    assert_string_equal(tlsp_tlsconf_grade_param("Medium"), "tls_medium_cipherlist");
    assert_null(tlsp_tlsconf_grade_param("strong"));
}

static void
test_protocols(void **state)
{
    static const char *const floor_note =
        " (OpenSSL 3 allows TLSv1 and TLSv1.1 only at security level 0; Postfix uses level 1 "
        "here)";
    static const struct {
        const char *list;
        bool seclevel1;
        enum tlsp_status st;
        const char *text;
        bool note;
    } rows[] = {
        {"bogus", false, TLSP_INVAL, NULL, false},
        {">=TLSv9", false, TLSP_INVAL, NULL, false},
        {"!", false, TLSP_INVAL, NULL, false},
        {"", false, TLSP_OK, "TLSv1 or later", false},
        {">=TLSv1", false, TLSP_OK, "TLSv1 or later", false},
        {"!SSLv2, !SSLv3", false, TLSP_OK, "TLSv1 or later", false},
        {">=TLSv1.2", false, TLSP_OK, "TLSv1.2 or later", false},
        {"TLSv1.2:TLSv1.3", false, TLSP_OK, "TLSv1.2 or later", false},
        {"tlsv1.2", false, TLSP_OK, "TLSv1.2 only", false},
        {"<=TLSv1.2", false, TLSP_OK, "TLSv1 to TLSv1.2", false},
        {"!TLSv1.2", false, TLSP_OK, "TLSv1.3 only", false},
        {">=0x0303", false, TLSP_OK, "TLSv1.2 or later", false},
        {"!TLSv1, !TLSv1.1, !TLSv1.2, !TLSv1.3", false, TLSP_OK,
         "no TLS version (every handshake fails)", false},
        /* spec 1.5: security level 1 at the levels that check certificates */
        {">=TLSv1", true, TLSP_OK, "TLSv1.2 or later", true},
        {"<=TLSv1.2", true, TLSP_OK, "TLSv1.2 only", true},
        {"TLSv1:TLSv1.1", true, TLSP_OK, "no TLS version (every handshake fails)", true},
        {">=TLSv1.2", true, TLSP_OK, "TLSv1.2 or later", false},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char *text = NULL, *problem = NULL;
        enum tlsp_status st =
            tlsp_tlsconf_protocols(rows[i].list, rows[i].seclevel1, &text, &problem);

        if (st != rows[i].st)
            fail_msg("\"%s\": status %d", rows[i].list, st);
        if (st == TLSP_INVAL) {
            char want[256];

            snprintf(want, sizeof(want), "Invalid TLS protocol list \"%s\": aborting TLS session",
                     rows[i].list);
            assert_string_equal(problem, want);
        } else {
            char want[512];

            snprintf(want, sizeof(want), "%s%s", rows[i].text, rows[i].note ? floor_note : "");
            if (strcmp(text, want) != 0)
                fail_msg("\"%s\": \"%s\", want \"%s\"", rows[i].list, text, want);
        }
        free(text);
        free(problem);
    }
}

static void
test_fingerprints(void **state)
{
    struct tlsp_strvec good, warn;
    char longv[300];

    (void)state;
    memset(longv, 'A', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = 0;
    tlsp_strvec_init(&good);
    tlsp_strvec_init(&warn);
    assert_int_equal(tlsp_tlsconf_fingerprints("zz|AB:CD|abcd|A:BC|", "|", &good, &warn),
                     TLSP_OK);
    assert_int_equal(good.n, 2);
    assert_string_equal(good.v[0], "AB:CD");
    assert_string_equal(good.v[1], "abcd");
    assert_int_equal(warn.n, 2);
    assert_string_equal(warn.v[0], "malformed fingerprint value: zz");
    assert_string_equal(warn.v[1], "malformed fingerprint value: A:BC");
    assert_int_equal(tlsp_tlsconf_fingerprints(longv, "|", &good, &warn), TLSP_OK);
    assert_int_equal(warn.n, 3);
    assert_non_null(strstr(warn.v[2], "..."));
    tlsp_strvec_fini(&good);
    tlsp_strvec_fini(&warn);
    assert_int_equal(tlsp_tlsconf_digest_len("sha256"), 32);
    assert_int_equal(tlsp_tlsconf_digest_len("md5"), 16);
    assert_int_equal(tlsp_tlsconf_digest_len("nosuch"), 0);
}

static void
test_tafile(void **state)
{
    char *dir = tu_mkdtemp("tafile");
    char *cmd_key, *cert, *empty, *junk, *warning = NULL;
    unsigned n = 0;
    char *argv[16];
    int rc;

    (void)state;
    tu_require_program("openssl", "openssl");
    cert = tu_write(dir, "ta.pem", "");
    cmd_key = tu_write(dir, "key.pem", "");
    argv[0] = "openssl";
    argv[1] = "req";
    argv[2] = "-x509";
    argv[3] = "-newkey";
    argv[4] = "rsa:2048";
    argv[5] = "-nodes";
    argv[6] = "-keyout";
    argv[7] = cmd_key;
    argv[8] = "-out";
    argv[9] = cert;
    argv[10] = "-subj";
    argv[11] = "/CN=Test Anchor";
    argv[12] = "-days";
    argv[13] = "30";
    argv[14] = NULL;
    rc = tu_run(argv, NULL, NULL);
    assert_int_equal(rc, 0);
    empty = tu_write(dir, "empty.pem", "no PEM here\n");
    junk = tu_write(dir, "junk.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");

    /* negative first (spec 1.5, 2.4) */
    assert_int_equal(tlsp_tlsconf_load_tafile("/nonexistent/ta.pem", &n, &warning), TLSP_INVAL);
    assert_string_equal(warning,
                        "error opening trust anchor file: /nonexistent/ta.pem: No such file or "
                        "directory");
    free(warning);
    assert_int_equal(tlsp_tlsconf_load_tafile(empty, &n, &warning), TLSP_INVAL);
    assert_null(warning);
    assert_int_equal(tlsp_tlsconf_load_tafile(junk, &n, &warning), TLSP_INVAL);
    assert_non_null(warning);
    assert_non_null(strstr(warning, "malformed trust-anchor certificate"));
    free(warning);
    assert_int_equal(tlsp_tlsconf_load_tafile(cert, &n, &warning), TLSP_OK);
    assert_int_equal(n, 1);
    assert_null(warning);
    tu_rmtree(dir);
    free(dir);
    free(cert);
    free(cmd_key);
    free(empty);
    free(junk);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cipherlist),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_fingerprints),
        cmocka_unit_test(test_tafile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
