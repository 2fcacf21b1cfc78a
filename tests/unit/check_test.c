/*
 * check_test.c - the message's fate from the per-address outcomes (spec 1.7,
 * 1.7.1), without a network. Expected texts are those of the recorded Postfix
 * 3.7 logs (tests/fixtures/logs/, examples/founding-case) and the lab's
 * Postfix self-test.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/check.h>
#include <tlspolicy/policy.h>

#include "testutil.h"

#define NOT_VERIFIED "Server certificate not verified"
#define HANDSHAKE "Cannot start TLS: handshake failure"

static void
test_second_mx_delivers(void **state)
{
    /* first-mx-soft-failure-ll1.log */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "mx1.twomx.test[127.0.1.12]:25", "4.7.5", NOT_VERIFIED, false},
        {TLSP_OUTCOME_DELIVER, "mx2.twomx.test[127.0.1.13]:25", NULL, NULL, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 2, 2, NULL, NULL, "user@twomx.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DELIVERABLE);
    assert_int_equal(f.decided_by, 1);
    assert_string_equal(f.lines[0], "QUEUEID: Server certificate not verified");
    assert_null(f.lines[1]);
    assert_string_equal(f.relay, "mx2.twomx.test[127.0.1.13]:25");
    assert_string_equal(f.dsn, "2.0.0");
    assert_string_equal(f.status_line, "QUEUEID: to=<user@twomx.test>, "
                                       "relay=mx2.twomx.test[127.0.1.13]:25, dsn=2.0.0, "
                                       "status=sent (REPLY)");
    tlsp_fate_fini(&f);
}

static void
test_founding_both_mx_fail(void **state)
{
    /* The founding world: in1 then in2, both "not verified"; the deferral
     * names the last one. */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "in1-smtp.messagingengine.com[127.0.10.1]:25", "4.7.5", NOT_VERIFIED,
         false},
        {TLSP_OUTCOME_FAIL, "in2-smtp.messagingengine.com[127.0.10.2]:25", "4.7.5", NOT_VERIFIED,
         false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 2, 2, NULL, NULL, "someone@fastmail.fm", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DEFERRED);
    assert_int_equal(f.decided_by, 1);
    assert_string_equal(f.lines[0], "QUEUEID: Server certificate not verified");
    assert_null(f.lines[1]);
    assert_string_equal(f.status_line,
                        "QUEUEID: to=<someone@fastmail.fm>, "
                        "relay=in2-smtp.messagingengine.com[127.0.10.2]:25, dsn=4.7.5, "
                        "status=deferred (Server certificate not verified)");
    tlsp_fate_fini(&f);
}

static void
test_single_mx_deferred(void **state)
{
    /* name-mismatch-secure-ll1.log */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "mx.mismatch.test[127.0.1.2]:25", "4.7.5", NOT_VERIFIED, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 1, 1, NULL, NULL, "user@mismatch.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DEFERRED);
    assert_null(f.lines[0]);
    assert_string_equal(f.status_line, "QUEUEID: to=<user@mismatch.test>, "
                                       "relay=mx.mismatch.test[127.0.1.2]:25, dsn=4.7.5, "
                                       "status=deferred (Server certificate not verified)");
    tlsp_fate_fini(&f);
}

static void
test_hard_failure_bounces_at_once(void **state)
{
    /* starttls-554-ll1.log; a 5xx bounces even with another MX host left. */
    const char *reason = "TLS is required, but host mx.tls554.test[127.0.1.9] refused to start "
                         "TLS: 554 5.7.3 TLS not available";
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "mx.tls554.test[127.0.1.9]:25", "5.7.3", reason, false},
        {TLSP_OUTCOME_DELIVER, "mx2.tls554.test[127.0.1.99]:25", NULL, NULL, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 2, 2, NULL, NULL, "user@tls554.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_BOUNCED);
    assert_int_equal(f.decided_by, 0);
    assert_int_equal(f.n_used, 1);
    assert_null(f.lines[0]);
    assert_string_equal(f.status_line,
                        "QUEUEID: to=<user@tls554.test>, relay=mx.tls554.test[127.0.1.9]:25, "
                        "dsn=5.7.3, status=bounced (TLS is required, but host "
                        "mx.tls554.test[127.0.1.9] refused to start TLS: 554 5.7.3 TLS not "
                        "available)");
    tlsp_fate_fini(&f);
}

static void
test_soft_then_hard(void **state)
{
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "a[127.0.0.1]:25", "4.7.0", "TLS is required, but host a[127.0.0.1] "
                                                       "refused to start TLS: 454 4.7.0 busy",
         false},
        {TLSP_OUTCOME_FAIL, "b[127.0.0.2]:25", "5.7.3", "TLS is required, but host b[127.0.0.2] "
                                                       "refused to start TLS: 554 5.7.3 no",
         false},
        {TLSP_OUTCOME_DELIVER, "c[127.0.0.3]:25", NULL, NULL, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 3, 3, NULL, NULL, NULL, &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_BOUNCED);
    assert_int_equal(f.decided_by, 1);
    assert_string_equal(f.lines[0], "QUEUEID: TLS is required, but host a[127.0.0.1] refused to "
                                    "start TLS: 454 4.7.0 busy");
    assert_string_equal(f.status_line, "QUEUEID: to=<RCPT>, relay=b[127.0.0.2]:25, dsn=5.7.3, "
                                       "status=bounced (TLS is required, but host b[127.0.0.2] "
                                       "refused to start TLS: 554 5.7.3 no)");
    tlsp_fate_fini(&f);
}

static void
test_may_plaintext_retry(void **state)
{
    /* may-plaintext-fallback-ll1.log, the retry after minimal_backoff_time:
     * "QUEUEID: Cannot start TLS: handshake failure", then sent in plaintext
     * to the same address, although it is the only (final) server. */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "mx.alert.test[127.0.1.11]:25", "4.7.5", HANDSHAKE, true},
        {TLSP_OUTCOME_DELIVER, "mx.alert.test[127.0.1.11]:25", NULL, NULL, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 2, 1, NULL, NULL, "user@alert.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DELIVERABLE);
    assert_string_equal(f.lines[0], "QUEUEID: Cannot start TLS: handshake failure");
    assert_string_equal(f.relay, "mx.alert.test[127.0.1.11]:25");
    tlsp_fate_fini(&f);
}

static void
test_may_new_message_deferred(void **state)
{
    /* may-plaintext-fallback-ll1.log, the first attempt; handshake-alert-ll1.log */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_FAIL, "mx.alert.test[127.0.1.11]:25", "4.7.5", HANDSHAKE, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 1, 1, NULL, NULL, "user@alert.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DEFERRED);
    assert_string_equal(f.status_line, "QUEUEID: to=<user@alert.test>, "
                                       "relay=mx.alert.test[127.0.1.11]:25, dsn=4.7.5, "
                                       "status=deferred (Cannot start TLS: handshake failure)");
    tlsp_fate_fini(&f);
}

static void
test_connect_failures(void **state)
{
    /* tests/lab/selftest/postfix: "status=deferred (connect to
     * 127.0.0.1[127.0.0.1]:2525: Connection refused)"; each failure is logged
     * without a queue id and the status line has relay=none. */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_CONNECT, NULL, "4.4.1", "connect to 127.0.0.2[127.0.0.2]:2525: Connection "
                                              "refused",
         false},
        {TLSP_OUTCOME_CONNECT, NULL, "4.4.1", "connect to 127.0.0.1[127.0.0.1]:2525: Connection "
                                              "refused",
         false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 2, 2, NULL, NULL, "someone@example.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DEFERRED);
    assert_int_equal(f.decided_by, 2);
    assert_string_equal(f.lines[0], "connect to 127.0.0.2[127.0.0.2]:2525: Connection refused");
    assert_string_equal(f.lines[1], "connect to 127.0.0.1[127.0.0.1]:2525: Connection refused");
    assert_string_equal(f.status_line,
                        "QUEUEID: to=<someone@example.test>, relay=none, dsn=4.4.1, "
                        "status=deferred (connect to 127.0.0.1[127.0.0.1]:2525: Connection "
                        "refused)");
    tlsp_fate_fini(&f);
}

static void
test_invalid_policy_relay_none(void **state)
{
    /* invalid-attribute-ll1.log */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_SKIPPED, NULL, "4.7.5", "client TLS configuration problem", false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 1, 1, NULL, NULL, "user@good.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DEFERRED);
    assert_null(f.lines[0]);
    assert_string_equal(f.status_line, "QUEUEID: to=<user@good.test>, relay=none, dsn=4.7.5, "
                                       "status=deferred (client TLS configuration problem)");
    tlsp_fate_fini(&f);
}

static void
test_nothing_tried(void **state)
{
    /* Wrapper mode below encrypt (spec 1.5): the address is skipped without a
     * reason of its own, and smtp(8) makes one up. */
    const struct tlsp_outcome o[] = {
        {TLSP_OUTCOME_SKIPPED, NULL, NULL, NULL, false},
    };
    struct tlsp_fate f;

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 1, 1, NULL, NULL, NULL, &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_DEFERRED);
    assert_string_equal(f.status_line, "QUEUEID: to=<RCPT>, relay=none, dsn=4.3.0, status=deferred "
                                       "(server unavailable or unable to receive mail)");
    tlsp_fate_fini(&f);

    /* A DNS failure with a permanent DSN bounces (no address at all). */
    assert_int_equal(tlsp_check_fate(NULL, 0, 0, "5.1.0", "nope", "u@x.test", &f), TLSP_OK);
    assert_int_equal(f.status, TLSP_FATE_BOUNCED);
    assert_string_equal(f.status_line,
                        "QUEUEID: to=<u@x.test>, relay=none, dsn=5.1.0, status=bounced (nope)");
    tlsp_fate_fini(&f);
}

static void
test_bad_arguments(void **state)
{
    struct tlsp_fate f;
    const struct tlsp_outcome o[] = {{TLSP_OUTCOME_DELIVER, "a[1.2.3.4]:25", NULL, NULL, false}};

    (void)state;
    assert_int_equal(tlsp_check_fate(o, 1, 0, NULL, NULL, NULL, &f), TLSP_INVAL);
    tlsp_fate_fini(&f);
    assert_int_equal(tlsp_check_fate(NULL, 1, 1, NULL, NULL, NULL, &f), TLSP_INVAL);
    tlsp_fate_fini(&f);
    assert_int_equal(tlsp_check_fate(o, 1, 1, NULL, NULL, NULL, NULL), TLSP_INVAL);
}

static void
test_note_logged(void **state)
{
    (void)state;
    assert_true(tlsp_check_note_logged("warning: no MX host for x.test has a valid address record"));
    assert_false(tlsp_check_note_logged("tlspolicy: more than 100 records for x.test: the rest are "
                                        "ignored"));
    assert_false(tlsp_check_note_logged(NULL));
}

static void
test_reply_dsn(void **state)
{
    static const struct {
        int code;
        const char *text, *want;
    } rows[] = {
        {454, "454 4.7.0 TLS not available due to local problem", "4.7.0"},
        {554, "554 5.7.3 TLS not available", "5.7.3"},
        {554, "5.7.3 TLS not available", "5.7.3"},
        {421, "421 Service not available", "4.0.0"},
        {554, "554 4.7.0 class does not match", "5.0.0"},
        {454, "454 4.7. incomplete", "4.0.0"},
        {550, NULL, "5.0.0"},
    };
    char buf[16];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        assert_string_equal(tlsp_reply_dsn(rows[i].code, rows[i].text, buf, sizeof(buf)),
                            rows[i].want);
}

/* verify's summary line: placeholders offline, the handshake's values live
 * (the line of examples/founding-case/maillog-postfix37-lab.log, with the
 * lab chain of examples/founding-case/pki). */
static void
test_verify_summary_line(void **state)
{
    static const char *const overrides[] = {
        "smtp_tls_policy_maps=texthash:" TLSP_SOURCE_DIR "/examples/founding-case/tls_policy",
        "smtp_tls_CAfile=" TLSP_SOURCE_DIR "/examples/founding-case/pki/root.pem",
        "smtp_tls_CApath=",
        "smtp_tls_loglevel=1",
    };
    struct tlsp_cf *cf = NULL, *view = NULL;
    struct tlsp_policy pol;
    struct tlsp_policy_request preq;
    struct tlsp_chain *chain = NULL;
    struct tlsp_verify_request vreq;
    struct tlsp_verify_result v;
    struct tlsp_diag d;
    size_t i;
    const char *want_live = "Untrusted TLS connection established to "
                            "in1-smtp.messagingengine.com[127.0.0.2]:25: TLSv1.3 with cipher "
                            "TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
                            "server-signature RSA-PSS (2048 bits) server-digest SHA256";
    const char *want_offline = "Untrusted TLS connection established to "
                               "in1-smtp.messagingengine.com[ADDR]:25: PROTOCOL with cipher "
                               "CIPHER (BITS/BITS bits)";

    (void)state;
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(TLSP_SOURCE_DIR "/examples/founding-case", NULL, &cf, &d),
                     TLSP_OK);
    for (i = 0; i < sizeof(overrides) / sizeof(overrides[0]); i++)
        assert_int_equal(tlsp_cf_override(cf, overrides[i], &d), TLSP_OK);
    assert_int_equal(tlsp_cf_service_view(cf, "smtp", &view, &d), TLSP_OK);
    memset(&preq, 0, sizeof(preq));
    preq.dest = "fastmail.fm";
    preq.host = "in1-smtp.messagingengine.com";
    preq.service = "smtp";
    assert_int_equal(tlsp_policy_resolve(view, &preq, &pol, &d), TLSP_OK);
    assert_int_equal(tlsp_chain_load(TLSP_SOURCE_DIR "/examples/founding-case/pki/fastmail.chain.pem",
                                     &chain, &d),
                     TLSP_OK);
    memset(&vreq, 0, sizeof(vreq));
    vreq.cf = view;
    vreq.pol = &pol;
    vreq.chain = chain;
    vreq.at = 1795910400; /* 2026-11-29 */

    assert_int_equal(tlsp_verify(&vreq, &v, &d), TLSP_OK);
    assert_true(v.n_log >= 2);
    assert_string_equal(v.log[v.n_log - 1], want_offline);
    tlsp_verify_fini(&v);

    vreq.addr = "127.0.0.2";
    vreq.protocol = "TLSv1.3";
    vreq.cipher = "TLS_AES_256_GCM_SHA384";
    vreq.cipher_bits = 256;
    vreq.cipher_alg_bits = 256;
    vreq.sig_params = "key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest "
                      "SHA256";
    assert_int_equal(tlsp_verify(&vreq, &v, &d), TLSP_OK);
    assert_string_equal(v.log[v.n_log - 2], "server certificate verification failed for "
                                            "in1-smtp.messagingengine.com[127.0.0.2]:25: "
                                            "num=62:hostname mismatch");
    assert_string_equal(v.log[v.n_log - 1], want_live);
    assert_false(v.deliver);
    assert_string_equal(v.reason, "Server certificate not verified");
    tlsp_verify_fini(&v);

    /* TLS 1.2: nothing after the bits. */
    vreq.protocol = "TLSv1.2";
    vreq.cipher = "ECDHE-RSA-AES256-GCM-SHA384";
    vreq.sig_params = NULL;
    assert_int_equal(tlsp_verify(&vreq, &v, &d), TLSP_OK);
    assert_string_equal(v.log[v.n_log - 1], "Untrusted TLS connection established to "
                                            "in1-smtp.messagingengine.com[127.0.0.2]:25: TLSv1.2 "
                                            "with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 "
                                            "bits)");
    tlsp_verify_fini(&v);

    tlsp_chain_free(chain);
    tlsp_policy_fini(&pol);
    tlsp_cf_free(view);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_second_mx_delivers),
        cmocka_unit_test(test_founding_both_mx_fail),
        cmocka_unit_test(test_single_mx_deferred),
        cmocka_unit_test(test_hard_failure_bounces_at_once),
        cmocka_unit_test(test_soft_then_hard),
        cmocka_unit_test(test_may_plaintext_retry),
        cmocka_unit_test(test_may_new_message_deferred),
        cmocka_unit_test(test_connect_failures),
        cmocka_unit_test(test_invalid_policy_relay_none),
        cmocka_unit_test(test_nothing_tried),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_note_logged),
        cmocka_unit_test(test_reply_dsn),
        cmocka_unit_test(test_verify_summary_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
