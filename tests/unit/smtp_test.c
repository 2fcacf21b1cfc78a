/*
 * smtp_test.c - the parts of the SMTP session that need no server: the
 * chain constructor, the protocol limits given to OpenSSL, stage names and
 * request checks. The sessions themselves are tested against the fixture
 * server in tests/lab/fixture/smtp_client_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <tlspolicy/chain.h>
#include <tlspolicy/smtp.h>

#include "testutil.h"
#include "tlsconf.h"

static void
test_chain_from_x509s(void **state)
{
    char *path = tu_source_path("tests/golden/worlds/provider/pki/mx.chain.pem");
    struct tlsp_chain *pem = NULL, *copy = NULL;
    struct tlsp_diag diag;
    void *certs[TLSP_CHAIN_MAX_CERTS + 1];
    size_t i, n;

    (void)state;
    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_chain_load(path, &pem, &diag), TLSP_OK);
    n = tlsp_chain_count(pem);
    assert_true(n >= 2);
    for (i = 0; i < n; i++)
        certs[i] = tlsp_chain_x509(pem, i);
    assert_int_equal(tlsp_chain_from_x509s(certs, n, &copy, &diag), TLSP_OK);
    assert_int_equal(tlsp_chain_count(copy), n);
    for (i = 0; i < n; i++)
        assert_int_equal(X509_cmp(tlsp_chain_x509(copy, i), tlsp_chain_x509(pem, i)), 0);
    /* the copy holds its own references */
    tlsp_chain_free(pem);
    assert_non_null(X509_get_subject_name(tlsp_chain_x509(copy, 0)));

    /* errors */
    assert_int_equal(tlsp_chain_from_x509s(certs, 0, &pem, &diag), TLSP_INVAL);
    assert_null(pem);
    certs[0] = tlsp_chain_x509(copy, 0);
    certs[1] = NULL;
    assert_int_equal(tlsp_chain_from_x509s(certs, 2, &pem, &diag), TLSP_INVAL);
    for (i = 0; i <= TLSP_CHAIN_MAX_CERTS; i++)
        certs[i] = tlsp_chain_x509(copy, 0);
    assert_int_equal(tlsp_chain_from_x509s(certs, TLSP_CHAIN_MAX_CERTS + 1, &pem, &diag),
                     TLSP_LIMIT);
    assert_int_equal(tlsp_chain_from_x509s(certs, TLSP_CHAIN_MAX_CERTS, &pem, &diag), TLSP_OK);
    assert_int_equal(tlsp_chain_count(pem), TLSP_CHAIN_MAX_CERTS);
    tlsp_chain_free(pem);
    assert_int_equal(diag.n_msgs, 3);
    tlsp_chain_free(copy);
    tlsp_diag_fini(&diag);
    free(path);
}

static void
test_protocol_limits(void **state)
{
    static const struct {
        const char *list;
        unsigned long no_opts;
        int min, max;
    } rows[] = {
        {"", 0, 0, 0},
        {">=TLSv1", 0, TLS1_VERSION, 0},
        {">=TLSv1.2", 0, TLS1_2_VERSION, 0},
        {"<=TLSv1.2", 0, 0, TLS1_2_VERSION},
        {">=0x0303", 0, TLS1_2_VERSION, 0},
        {"!SSLv2, !SSLv3", SSL_OP_NO_SSLv3, 0, 0},
        {"!TLSv1.3", SSL_OP_NO_TLSv1_3, 0, 0},
        {"TLSv1.2", SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_3, 0,
         0},
        {"TLSv1.2:TLSv1.3", SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1, 0, 0},
        {"tlsv1.3 >=None",
         SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2, 0, 0},
    };
    size_t i;
    unsigned long no_opts;
    int min, max;
    char *problem;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(tlsp_tlsconf_protocol_limits(rows[i].list, &no_opts, &min, &max, &problem),
                         TLSP_OK);
        if (no_opts != rows[i].no_opts || min != rows[i].min || max != rows[i].max)
            fail_msg("\"%s\": options %#lx min %#x max %#x, want %#lx %#x %#x", rows[i].list,
                     no_opts, min, max, rows[i].no_opts, rows[i].min, rows[i].max);
        assert_null(problem);
    }
    assert_int_equal(tlsp_tlsconf_protocol_limits("TLSv1.2, bogus", &no_opts, &min, &max, &problem),
                     TLSP_INVAL);
    assert_string_equal(problem,
                        "Invalid TLS protocol list \"TLSv1.2, bogus\": aborting TLS session");
    free(problem);
    assert_int_equal(tlsp_tlsconf_protocol_limits(">=TLSv9", &no_opts, &min, &max, &problem),
                     TLSP_INVAL);
    free(problem);
}

static void
test_stage_names(void **state)
{
    static const char *const names[] = {"connect",  "greeting",  "ehlo",     "no-starttls",
                                        "starttls", "handshake", "tls-done", "plaintext"};
    int i;

    (void)state;
    for (i = TLSP_SMTP_CONNECT; i <= TLSP_SMTP_PLAINTEXT; i++)
        assert_string_equal(tlsp_smtp_stage_name((enum tlsp_smtp_stage)i), names[i]);
    assert_string_equal(tlsp_smtp_stage_name((enum tlsp_smtp_stage)99), "unknown");
}

static void
test_bad_requests(void **state)
{
    struct tlsp_smtp_request req;
    struct tlsp_smtp_result res;
    struct tlsp_diag diag;

    (void)state;
    tlsp_diag_init(&diag);
    memset(&req, 0, sizeof(req));
    req.addr = "127.0.0.1";
    req.port = 25;
    /* no configuration */
    assert_int_equal(tlsp_smtp_session(&req, &res, &diag), TLSP_INVAL);
    assert_int_equal(res.stage, TLSP_SMTP_CONNECT);
    assert_null(res.error);
    tlsp_smtp_result_fini(&res);
    assert_int_equal(diag.n_msgs, 1);
    assert_non_null(strstr(diag.msgs[0].text, "numeric address"));
    tlsp_diag_fini(&diag);
    /* fini of a zeroed result, twice */
    memset(&res, 0, sizeof(res));
    tlsp_smtp_result_fini(&res);
    tlsp_smtp_result_fini(&res);
    tlsp_smtp_result_fini(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_from_x509s),
        cmocka_unit_test(test_protocol_limits),
        cmocka_unit_test(test_stage_names),
        cmocka_unit_test(test_bad_requests),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
