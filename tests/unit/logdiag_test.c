/*
 * logdiag_test.c - the diagnosis of one delivery attempt
 *
 * Each attempt is built by hand as the assembler (attempt.h) would build
 * it from a real recorded log: tests/fixtures/logs/NAME-llN.log (Postfix
 * 3.7.11, loglevels 1 and 2) and examples/founding-case/maillog-*.log; the
 * <= 3.5, >= 3.10.4 and DANE attempts follow the spec's texts
 * (docs/postfix-tls-policy.md 1.6, 1.7, 3.6, 4.2, 4.3). Only what
 * logdiag.c decides is asserted: not the level, the entry or the fixes,
 * which come from logfix.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/logdiag.h>

#include "testutil.h"

#define S(x) ((char *)(x))

/* ---- building attempts ------------------------------------------------------- */

/* A deferral by postfix/smtp of user@DOMAIN at SERVER (NULL: relay=none). */
static void
base(struct tlsp_attempt *a, const char *domain, const char *host, const char *server,
     const char *dsn, const char *status, const char *reason)
{
    static char relay[256];

    memset(a, 0, sizeof(*a));
    a->file = S("maillog");
    a->lineno = 3;
    a->first_when = -1;
    a->when = -1;
    a->ident = S("postfix/smtp");
    a->pid = 954;
    a->queue_id = S("764D2A7251C");
    a->n_rcpts_total = 1;
    snprintf(relay, sizeof(relay), "%s", server ? server : "none");
    a->relay = relay;
    a->dsn = S(dsn);
    a->status = S(status);
    a->end = strcmp(status, "sent") == 0      ? TLSP_END_SENT
             : strcmp(status, "bounced") == 0 ? TLSP_END_BOUNCED
                                              : TLSP_END_DEFERRED;
    a->reason = S(reason);
    a->nexthop = S(domain);
    a->server = S(server);
    a->mx_host = S(host);
    a->loglevel_seen = -1;
}

/* The attempt as "QUEUEID: REASON" (soft failure, next MX or plaintext retry). */
static void
as_next(struct tlsp_attempt *a)
{
    a->end = TLSP_END_NEXT;
    a->relay = NULL;
    a->dsn = NULL;
    a->status = NULL;
}

static void
deferred_not_verified(struct tlsp_attempt *a, const char *domain, const char *host,
                      const char *server)
{
    base(a, domain, host, server, "4.7.5", "deferred", "Server certificate not verified");
}

/* ---- running and checking ------------------------------------------------------ */

static struct tlsp_logdiag_ctx plain_ctx;

static void dump(const struct tlsp_logdiag *d);

static void
run_cf(const struct tlsp_attempt *a, struct tlsp_cf *cf, struct tlsp_logdiag *d)
{
    struct tlsp_logdiag_ctx ctx;
    struct tlsp_diag diag;

    memset(&ctx, 0, sizeof(ctx));
    ctx.cf = cf;
    ctx.version = tlsp_version_default;
    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_logdiag_run(a, &ctx, d, &diag), TLSP_OK);
    tlsp_diag_fini(&diag);
    assert_non_null(d->title);
    if (getenv("LOGDIAG_TEST_DUMP"))
        dump(d); /* to read every diagnosis: LOGDIAG_TEST_DUMP=1 logdiag_test */
}

static void
run(const struct tlsp_attempt *a, struct tlsp_logdiag *d)
{
    run_cf(a, NULL, d);
}

static void
dump(const struct tlsp_logdiag *d)
{
    size_t i;

    fprintf(stderr, "cause %s title \"%s\"\n", tlsp_cause_name(d->cause), d->title);
    for (i = 0; i < d->n_findings; i++)
        fprintf(stderr, "  [%s] %s\n",
                d->findings[i].config   ? "config"
                : d->findings[i].proven ? "proven"
                                        : "inferred",
                d->findings[i].text);
    for (i = 0; i < d->n_unknown; i++)
        fprintf(stderr, "  unknown: %s\n", d->unknown[i]);
    for (i = 0; i < d->n_settle; i++)
        fprintf(stderr, "  settle: %s\n", d->settle[i]);
}

static void
want_cause(const struct tlsp_logdiag *d, enum tlsp_cause cause)
{
    if (d->cause != cause)
        dump(d);
    assert_string_equal(tlsp_cause_name(d->cause), tlsp_cause_name(cause));
}

static void
want_title(const struct tlsp_logdiag *d, const char *sub)
{
    if (strstr(d->title, sub) == NULL) {
        dump(d);
        fail_msg("title \"%s\" lacks \"%s\"", d->title, sub);
    }
}

/* A finding containing sub, proven by the configuration (config), else by
 * the log (proven) or inferred. */
static void
want_finding_src(const struct tlsp_logdiag *d, const char *sub, bool proven, bool config)
{
    size_t i;

    for (i = 0; i < d->n_findings; i++)
        if (strstr(d->findings[i].text, sub)) {
            if (d->findings[i].proven != proven || d->findings[i].config != config) {
                dump(d);
                fail_msg("finding \"%s\" should be %s", d->findings[i].text,
                         config   ? "proven by the configuration"
                         : proven ? "proven by the log"
                                  : "inferred");
            }
            return;
        }
    dump(d);
    fail_msg("no finding with \"%s\"", sub);
}

/* A finding containing sub that the log proves (proven) or that is inferred. */
static void
want_finding(const struct tlsp_logdiag *d, const char *sub, bool proven)
{
    want_finding_src(d, sub, proven, false);
}

/* A finding containing sub that the configuration proves. */
static void
want_finding_cf(const struct tlsp_logdiag *d, const char *sub)
{
    want_finding_src(d, sub, true, true);
}

/* A fix whose line is exactly line. */
static void
want_fix_line(const struct tlsp_logdiag *d, const char *line)
{
    size_t i;

    for (i = 0; i < d->n_fixes; i++)
        if (d->fixes[i].line && strcmp(d->fixes[i].line, line) == 0)
            return;
    for (i = 0; i < d->n_fixes; i++)
        fprintf(stderr, "  fix: %s\n", d->fixes[i].line ? d->fixes[i].line : "(advice)");
    fail_msg("no fix \"%s\"", line);
}

static void
want_no_finding(const struct tlsp_logdiag *d, const char *sub)
{
    size_t i;

    for (i = 0; i < d->n_findings; i++)
        if (strstr(d->findings[i].text, sub)) {
            dump(d);
            fail_msg("unexpected finding \"%s\"", d->findings[i].text);
        }
}

static void
want_unknown(const struct tlsp_logdiag *d, const char *sub)
{
    size_t i;

    for (i = 0; i < d->n_unknown; i++)
        if (strstr(d->unknown[i], sub))
            return;
    dump(d);
    fail_msg("no unknown with \"%s\"", sub);
}

static void
want_settle(const struct tlsp_logdiag *d, const char *exact)
{
    size_t i;

    for (i = 0; i < d->n_settle; i++)
        if (strcmp(d->settle[i], exact) == 0)
            return;
    dump(d);
    fail_msg("no settle entry \"%s\"", exact);
}

static void
want_names(const struct tlsp_logdiag *d, bool complete, size_t n, ...)
{
    va_list ap;
    size_t i;

    assert_int_equal(d->n_cert_names, n);
    assert_int_equal(d->cert_names_complete, complete);
    va_start(ap, n);
    for (i = 0; i < n; i++)
        assert_string_equal(d->cert_names[i], va_arg(ap, const char *));
    va_end(ap);
}

/* ---- arguments and names ----------------------------------------------------------- */

static void
test_refuses_missing_arguments(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    base(&a, "good.test", "mx.good.test", "mx.good.test[127.0.1.1]:25", "2.0.0", "sent", "250 Ok");
    assert_int_equal(tlsp_logdiag_run(NULL, &plain_ctx, &d, NULL), TLSP_INVAL);
    tlsp_logdiag_fini(&d);
    assert_int_equal(tlsp_logdiag_run(&a, NULL, &d, NULL), TLSP_INVAL);
    tlsp_logdiag_fini(&d);
    assert_int_equal(tlsp_logdiag_run(&a, &plain_ctx, NULL, NULL), TLSP_INVAL);
    tlsp_logdiag_fini(NULL);
}

static void
test_cause_names(void **state)
{
    static const char *const want[TLSP_CAUSE_COUNT] = {
        "none",
        "name-mismatch",
        "chain-trust-unknown",
        "not-verified",
        "unknown-issuer",
        "missing-intermediate",
        "self-signed",
        "expired",
        "chain-untrusted",
        "nothing-trusted",
        "starttls-not-offered",
        "starttls-refused",
        "handshake-protocol",
        "handshake",
        "bad-ciphers",
        "bad-protocols",
        "engine-unavailable",
        "policy-invalid",
        "policy-lookup",
        "policy-table-missing",
        "dane-tlsa-lookup",
        "dane-no-tlsa",
        "dane-non-dnssec",
        "dane-unusable",
        "dane-mismatch",
        "other-tls",
    };
    int i;

    (void)state;
    for (i = 0; i < TLSP_CAUSE_COUNT; i++)
        assert_string_equal(tlsp_cause_name((enum tlsp_cause)i), want[i]);
    assert_string_equal(tlsp_cause_name(TLSP_CAUSE_COUNT), "unknown");
}

/* ---- verified-secure, first-mx-soft-failure's second MX --------------------------------- */

static void
test_verified_secure(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {2, 1, S("/O=Lab Catalogue/CN=Lab Catalogue Root CA")},
        {1, 1, S("/O=Lab Catalogue/CN=Lab Catalogue Issuing CA")},
        {0, 1, S("/O=Good Mail/CN=mx.good.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* verified-secure-ll1.log */
    base(&a, "good.test", "mx.good.test", "mx.good.test[127.0.1.1]:25", "2.0.0", "sent",
         "250 2.0.0 Ok: queued as 1796522838.620327.187.1.eml");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_VERIFIED;
    a.protocol = S("TLSv1.3");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NONE);
    assert_false(d.tls_failure);
    assert_int_equal(d.chain_trusted, 1);
    want_title(&d, "delivered over TLS (Verified)");
    want_finding(&d, "Verified TLS connection using TLSv1.3", true);
    tlsp_logdiag_fini(&d);

    /* verified-secure-ll2.log */
    a.loglevel_seen = 2;
    a.depths = depths;
    a.n_depths = 3;
    a.subject_cn = S("mx.good.test");
    a.matched_peername = S("good.test");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NONE);
    assert_int_equal(d.chain_trusted, 1);
    assert_int_equal(d.n_unknown, 0);
    tlsp_logdiag_fini(&d);
}

/* ---- name mismatch, 3.7 (name-mismatch-secure, name-mismatch-verify) --------------------- */

static void
name_mismatch_ll1(struct tlsp_attempt *a)
{
    deferred_not_verified(a, "mismatch.test", "mx.mismatch.test", "mx.mismatch.test[127.0.1.2]:25");
    a->loglevel_seen = 1;
    a->dialect = TLSP_DIALECT_36;
    a->word = TLSP_WORD_UNTRUSTED;
    a->verify_purpose = S("server");
    a->verify_error = S("num=62:hostname mismatch");
}

static void
test_name_mismatch_ll1_chain_trust_unknown(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    name_mismatch_ll1(&a);
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    assert_true(d.tls_failure);
    assert_int_equal(d.chain_trusted, -1);
    want_title(&d, "chain trust unknown (name mismatch, level probably secure)");
    want_finding(&d,
                 "The certificate does not carry a name Postfix required: Postfix logged "
                 "\"server certificate verification failed for mx.mismatch.test[127.0.1.2]:25: "
                 "num=62:hostname mismatch\".",
                 true);
    want_finding(&d, "\"Untrusted TLS connection established to mx.mismatch.test[127.0.1.2]:25\"",
                 true);
    want_no_finding(&d, "The server's certificate chain is trusted");
    want_unknown(&d, "Whether the server's certificate chain is trusted");
    want_unknown(&d, "The certificate's names");
    want_settle(&d, "smtp_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines "
                    "that show the chain's trust");
    want_settle(&d, "tlspolicy check mismatch.test");
    assert_int_equal(d.n_cert_names, 0);
    /* The policy's sentences (placeholder or real logfix: level inferred without -c). */
    want_finding(&d, "The level is probably secure", false);
    tlsp_logdiag_fini(&d);

    /* A next hop in brackets with a port is quoted for the shell. */
    a.nexthop = S("[mx.mismatch.test]:587");
    a.nexthop_proven = true;
    run(&a, &d);
    want_settle(&d, "tlspolicy check '[mx.mismatch.test]:587'");
    tlsp_logdiag_fini(&d);
}

static void
test_name_mismatch_ll2_chain_proven(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {0, 0, S("/O=Provider/CN=smtp.provider.test")},
        {2, 1, S("/O=Lab Catalogue/CN=Lab Catalogue Root CA")},
        {1, 1, S("/O=Lab Catalogue/CN=Lab Catalogue Issuing CA")},
        {0, 1, S("/O=Provider/CN=smtp.provider.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* name-mismatch-secure-ll2.log and name-mismatch-verify-ll2.log */
    name_mismatch_ll1(&a);
    a.loglevel_seen = 2;
    a.tls_setup = true;
    a.depths = depths;
    a.n_depths = 4;
    a.subject_cn = S("smtp.provider.test");
    a.issuer_cn = S("Lab Catalogue Issuing CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(d.chain_trusted, 1);
    want_title(&d, "certificate name mismatch (level probably secure)");
    want_finding(&d,
                 "The server's certificate chain is trusted: every depth= line after the name "
                 "check has verify=1 (depth 0 to 2).",
                 true);
    want_finding(&d, "num=62:hostname mismatch", true);
    want_finding(&d, "The certificate's subject CN is smtp.provider.test (subject_CN= line).",
                 true);
    want_names(&d, false, 1, "smtp.provider.test");
    want_unknown(&d, "The certificate's subjectAltNames: Postfix 3.6 and later do not log them");
    want_settle(&d, "tlspolicy check mismatch.test");
    tlsp_logdiag_fini(&d);

    /* Without the subject_CN line the CN of the depth=0 subject is the name seen. */
    a.subject_cn = NULL;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    want_names(&d, false, 1, "smtp.provider.test");
    want_finding(&d, "(depth=0 line)", true);
    tlsp_logdiag_fini(&d);

    /* The failure line lost: the failure before OpenSSL's walk is the name check (inferred). */
    a.verify_error = NULL;
    a.verify_purpose = NULL;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(d.chain_trusted, 1);
    want_finding(&d, "No certificate name matched", false);
    tlsp_logdiag_fini(&d);
}

static void
test_name_mismatch_hides_untrusted_chain(void **state)
{
    /* Spec 4.3: leaf and intermediate sent, root unknown, wrong name: num=62 is logged; the
     * depth=1 verify=0 line shows the chain error it hides. */
    static struct tlsp_depth_line depths[] = {
        {1, 0, S("/O=Elsewhere/CN=Elsewhere Issuing CA")},
        {0, 0, S("/O=Provider/CN=smtp.provider.test")},
        {1, 1, S("/O=Elsewhere/CN=Elsewhere Issuing CA")},
        {0, 1, S("/O=Provider/CN=smtp.provider.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    name_mismatch_ll1(&a);
    a.loglevel_seen = 2;
    a.depths = depths;
    a.n_depths = 4;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_CHAIN_UNTRUSTED);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "untrusted chain and certificate name mismatch");
    want_finding(&d, "verify=0 at depth 1", true);
    want_finding(&d, "num=62:hostname mismatch", true);
    tlsp_logdiag_fini(&d);
}

/* ---- the founding case ------------------------------------------------------------- */

static void
test_founding_short_not_verified(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* maillog-short.log: the status line alone. */
    deferred_not_verified(&a, "fastmail.fm", "in1-smtp.messagingengine.com",
                          "in1-smtp.messagingengine.com[66.111.4.74]:25");
    a.pid = 25291;
    a.queue_id = S("D33A02504112");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    assert_true(d.tls_failure);
    assert_int_equal(d.chain_trusted, -1);
    want_title(&d, "certificate not verified (level probably secure; probable cause: "
                   "certificate name mismatch)");
    want_title(&d, "probable cause: certificate name mismatch");
    want_finding(&d,
                 "Postfix logged \"dsn=4.7.5, status=deferred (Server certificate not "
                 "verified)\"",
                 true);
    want_finding(&d, "The server in1-smtp.messagingengine.com is not named under fastmail.fm",
                 false);
    want_finding(&d, "The level is probably secure", false);
    want_finding(&d,
                 "With the default smtp_tls_secure_cert_match = nexthop, dot-nexthop, Postfix "
                 "probably required fastmail.fm or a name under .fastmail.fm.",
                 false);
    want_unknown(&d, "no verification failure line of postfix/smtp[25291] is in the log");
    want_unknown(&d, "Whether the server's certificate chain is trusted.");
    want_unknown(&d, "The certificate's names: the log shows none");
    want_settle(&d, "smtp_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines "
                    "that show the chain's trust and the certificate's subject CN");
    want_settle(&d, "tlspolicy check fastmail.fm");
    assert_int_equal(d.n_cert_names, 0);
    tlsp_logdiag_fini(&d);
}

static void
test_founding_extended_pre36(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {2, 1, S("/C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert High Assurance EV Root CA")},
        {1, 1,
         S("/C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert SHA2 High Assurance Server CA")},
        {0, 1, S("/C=AU/ST=Victoria/L=Melbourne/O=FastMail Pty Ltd/CN=*.messagingengine.com")},
    };
    static char *sans[] = {
        S("*.messagingengine.com"),      S("messagingengine.com"),
        S("mail.messagingengine.com"),   S("dav.messagingengine.com"),
        S("caldav.messagingengine.com"), S("carddav.messagingengine.com"),
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* maillog-extended.log: Postfix 2.x, loglevel 2, Trusted + not verified. */
    deferred_not_verified(&a, "fastmail.fm", "in1-smtp.messagingengine.com",
                          "in1-smtp.messagingengine.com[66.111.4.74]:25");
    a.nexthop_proven = true;
    a.service = S("smtp");
    a.cache_key = S("smtp&fastmail.fm&in1-smtp.messagingengine.com&66.111.4.74&&FC83E1ADCEDFC581C"
                    "E5F87CAF6E49FEFFF83CD0F9EBC0B57C4A19ED3DC3416EC");
    a.loglevel_seen = 2;
    a.dialect = TLSP_DIALECT_PRE36;
    a.tls_setup = true;
    a.word = TLSP_WORD_TRUSTED;
    a.protocol = S("TLSv1.2");
    a.depths = depths;
    a.n_depths = 3;
    a.sans = sans;
    a.n_sans = 6;
    a.common_name = S("*.messagingengine.com");
    a.subject_cn = S("*.messagingengine.com");
    a.issuer_cn = S("DigiCert SHA2 High Assurance Server CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(d.chain_trusted, 1);
    want_title(&d, "certificate name mismatch (level probably secure)");
    want_names(&d, true, 6, "*.messagingengine.com", "messagingengine.com",
               "mail.messagingengine.com", "dav.messagingengine.com", "caldav.messagingengine.com",
               "carddav.messagingengine.com");
    want_finding(&d,
                 "The server's certificate chain is trusted: every depth= line has verify=1 "
                 "(depth 0 to 2).",
                 true);
    want_finding(&d, "The certificate does not carry a name Postfix required", true);
    want_finding(&d, "subjectAltName lines, a complete list", true);
    want_finding(&d, "Postfix probably required fastmail.fm or a name under .fastmail.fm.", false);
    assert_int_equal(d.n_unknown, 0);
    tlsp_logdiag_fini(&d);

    /* The same at loglevel 1: the word alone proves the chain (<= 3.5). */
    a.loglevel_seen = 1;
    a.n_depths = 0;
    a.n_sans = 0;
    a.common_name = NULL;
    a.subject_cn = NULL;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(d.chain_trusted, 1);
    want_finding(&d,
                 "Postfix 3.5 and earlier logged \"Trusted TLS connection established to "
                 "in1-smtp.messagingengine.com[66.111.4.74]:25\"",
                 true);
    want_unknown(&d, "The certificate's names: the log shows none");
    tlsp_logdiag_fini(&d);

    /* Spec 3.6: "HOST[ADDR]:PORT CommonName NAME" without subjectAltName lines. */
    a.common_name = S("mail.example.org");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    want_names(&d, false, 1, "mail.example.org");
    want_finding(&d, "The certificate's CommonName is mail.example.org (CommonName line).", true);
    want_unknown(&d, "Whether the certificate carries DNS subjectAltNames besides its CommonName");
    want_settle(&d, "tlspolicy check fastmail.fm");
    tlsp_logdiag_fini(&d);
}

static void
test_founding_postfix37_lab(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {0, 0, S("/C=AU/ST=Victoria/L=Melbourne/O=Example Mail Pty Ltd/CN=*.messagingengine.com")},
        {1, 1, S("/C=US/O=Lab CA/CN=Lab High Assurance EV Root CA")},
        {0, 1, S("/C=AU/ST=Victoria/L=Melbourne/O=Example Mail Pty Ltd/CN=*.messagingengine.com")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* maillog-postfix37-lab.log */
    deferred_not_verified(&a, "fastmail.fm", "in1-smtp.messagingengine.com",
                          "in1-smtp.messagingengine.com[127.0.0.2]:25");
    a.loglevel_seen = 2;
    a.dialect = TLSP_DIALECT_36;
    a.tls_setup = true;
    a.word = TLSP_WORD_UNTRUSTED;
    a.depths = depths;
    a.n_depths = 3;
    a.verify_purpose = S("server");
    a.verify_error = S("num=62:hostname mismatch");
    a.subject_cn = S("*.messagingengine.com");
    a.issuer_cn = S("Lab High Assurance EV Root CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(d.chain_trusted, 1);
    want_names(&d, false, 1, "*.messagingengine.com");
    assert_string_equal(d.findings[0].text,
                        "The certificate does not carry a name Postfix required: Postfix logged "
                        "\"server certificate verification failed for "
                        "in1-smtp.messagingengine.com[127.0.0.2]:25: num=62:hostname mismatch\".");
    assert_true(d.findings[0].proven);
    want_finding(&d, "every depth= line after the name check has verify=1 (depth 0 to 1)", true);
    want_unknown(&d, "tlspolicy check fastmail.fm or posttls-finger shows them");
    want_settle(&d, "tlspolicy check fastmail.fm");
    tlsp_logdiag_fini(&d);
}

/* ---- >= 3.10.4 ------------------------------------------------------------------ */

static void
test_trusted_name_mismatch_3104(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* Spec 4.2: 3.10.4 logs num=62 with "Trusted" for a trusted chain. */
    name_mismatch_ll1(&a);
    a.dialect = TLSP_DIALECT_3104;
    a.word = TLSP_WORD_TRUSTED;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(d.chain_trusted, 1);
    want_title(&d, "certificate name mismatch (level probably secure)");
    want_finding(&d, "Postfix 3.10.4 and later", true);
    want_finding(&d, "num=62:hostname mismatch", true);
    want_no_finding(&d, "depth=");
    tlsp_logdiag_fini(&d);
}

/* ---- chain errors ------------------------------------------------------------------ */

static void
test_untrusted_issuer(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {0, 0, S("/O=Untrusted/CN=mx.untrusted.test")},
        {0, 0, S("/O=Untrusted/CN=mx.untrusted.test")},
        {0, 1, S("/O=Untrusted/CN=mx.untrusted.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* untrusted-issuer-ll1.log */
    deferred_not_verified(&a, "untrusted.test", "mx.untrusted.test",
                          "mx.untrusted.test[127.0.1.3]:25");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_error = S("untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_UNKNOWN_ISSUER);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "untrusted chain: unknown issuer /O=Elsewhere/CN=Elsewhere Root CA");
    want_finding(&d,
                 "The chain does not lead to a trusted CA: Postfix logged \"certificate "
                 "verification failed for mx.untrusted.test[127.0.1.3]:25: untrusted issuer "
                 "/O=Elsewhere/CN=Elsewhere Root CA\".",
                 true);
    want_finding(&d, "\"Elsewhere Root CA\" is probably a root CA", false);
    want_unknown(&d, "Whether the certificate's names match");
    tlsp_logdiag_fini(&d);

    /* untrusted-issuer-ll2.log: the leaf alone, issuer says Root: still unknown issuer. */
    a.loglevel_seen = 2;
    a.depths = depths;
    a.n_depths = 3;
    a.subject_cn = S("mx.untrusted.test");
    a.issuer_cn = S("Elsewhere Root CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_UNKNOWN_ISSUER);
    assert_int_equal(d.chain_trusted, 0);
    want_finding(&d, "The server sent only its own certificate", true);
    want_names(&d, false, 1, "mx.untrusted.test");
    tlsp_logdiag_fini(&d);
}

static void
test_missing_intermediate(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {0, 0, S("/O=No Intermediate/CN=mx.nointer.test")},
        {0, 0, S("/O=No Intermediate/CN=mx.nointer.test")},
        {0, 1, S("/O=No Intermediate/CN=mx.nointer.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* missing-intermediate-ll1.log: without depth= lines it stays an unknown issuer. */
    deferred_not_verified(&a, "nointer.test", "mx.nointer.test", "mx.nointer.test[127.0.1.4]:25");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_error = S("untrusted issuer /O=Lab Catalogue/CN=Lab Catalogue Issuing CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_UNKNOWN_ISSUER);
    want_finding(&d, "\"Lab Catalogue Issuing CA\" may be an intermediate CA", false);
    want_unknown(&d, "Whether the server sends its intermediate CA certificates.");
    want_settle(&d, "smtp_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines that "
                    "show which certificates the server sends");
    want_settle(&d, "tlspolicy check nointer.test");
    tlsp_logdiag_fini(&d);

    /* missing-intermediate-ll2.log: leaf only, issuer not a Root. */
    a.loglevel_seen = 2;
    a.depths = depths;
    a.n_depths = 3;
    a.subject_cn = S("mx.nointer.test");
    a.issuer_cn = S("Lab Catalogue Issuing CA");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_MISSING_INTERMEDIATE);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "untrusted chain: probably a missing intermediate CA (issuer /O=Lab "
                   "Catalogue/CN=Lab Catalogue Issuing CA)");
    want_finding(&d, "The server sent only its own certificate: every depth= line is at depth 0.",
                 true);
    want_finding(&d, "\"Lab Catalogue Issuing CA\" is probably an intermediate CA", false);
    tlsp_logdiag_fini(&d);
}

static void
test_self_signed(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {0, 0, S("/O=Self/CN=mx.selfsigned.test")},
        {0, 1, S("/O=Self/CN=mx.selfsigned.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* self-signed-ll1.log */
    deferred_not_verified(&a, "selfsigned.test", "mx.selfsigned.test",
                          "mx.selfsigned.test[127.0.1.5]:25");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_error = S("self-signed certificate");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_SELF_SIGNED);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "untrusted chain: self-signed certificate");
    want_finding(&d,
                 "The server's certificate is self-signed: Postfix logged \"certificate "
                 "verification failed for mx.selfsigned.test[127.0.1.5]:25: self-signed "
                 "certificate\"",
                 true);
    tlsp_logdiag_fini(&d);

    /* self-signed-ll2.log */
    a.loglevel_seen = 2;
    a.depths = depths;
    a.n_depths = 2;
    a.subject_cn = S("mx.selfsigned.test");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_SELF_SIGNED);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "untrusted chain: self-signed certificate mx.selfsigned.test");
    tlsp_logdiag_fini(&d);
}

static void
test_expired(void **state)
{
    static struct tlsp_depth_line depths[] = {
        {2, 1, S("/O=Lab Catalogue/CN=Lab Catalogue Root CA")},
        {1, 1, S("/O=Lab Catalogue/CN=Lab Catalogue Issuing CA")},
        {0, 0, S("/O=Expired/CN=mx.expired.test")},
        {0, 1, S("/O=Expired/CN=mx.expired.test")},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* expired-ll1.log */
    deferred_not_verified(&a, "expired.test", "mx.expired.test", "mx.expired.test[127.0.1.6]:25");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_purpose = S("server");
    a.verify_error = S("certificate has expired");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_EXPIRED);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "certificate has expired");
    want_finding(&d,
                 "The server's certificate has expired: Postfix logged \"server certificate "
                 "verification failed for mx.expired.test[127.0.1.6]:25: certificate has "
                 "expired\".",
                 true);
    tlsp_logdiag_fini(&d);

    /* expired-ll2.log */
    a.loglevel_seen = 2;
    a.depths = depths;
    a.n_depths = 4;
    a.subject_cn = S("mx.expired.test");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_EXPIRED);
    assert_int_equal(d.chain_trusted, 0);
    tlsp_logdiag_fini(&d);

    /* An intermediate not yet valid (spec 4.3: PURPOSE "CA"). */
    a.verify_purpose = S("CA");
    a.verify_error = S("certificate not yet valid");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_EXPIRED);
    want_title(&d, "CA certificate not yet valid");
    want_finding(&d, "A CA certificate of the server's chain is not yet valid", true);
    tlsp_logdiag_fini(&d);
}

static void
test_pre36_not_trusted(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* Spec 3.6: <= 3.5 defers an untrusted chain with "Server certificate not trusted". */
    base(&a, "example.net", "mx.example.net", "mx.example.net[192.0.2.1]:25", "4.7.5", "deferred",
         "Server certificate not trusted");
    a.dialect = TLSP_DIALECT_PRE36;
    a.word = TLSP_WORD_UNTRUSTED;
    a.loglevel_seen = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_CHAIN_UNTRUSTED);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "untrusted chain (Server certificate not trusted)");
    want_finding(&d, "Postfix 3.5 and earlier defer with \"Server certificate not trusted\"", true);
    tlsp_logdiag_fini(&d);

    /* Another chain error line. */
    deferred_not_verified(&a, "example.net", "mx.example.net", "mx.example.net[192.0.2.1]:25");
    a.verify_error = S("certificate chain longer than limit(1)");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_CHAIN_UNTRUSTED);
    want_title(&d, "untrusted chain: certificate chain longer than limit(1)");
    tlsp_logdiag_fini(&d);
}

/* ---- the configuration: nothing trusted, missing intermediate ----------------------------- */

struct cfdir {
    char *dir;
    struct tlsp_cf *cf;
};

static void
cf_open2(struct cfdir *w, const char *main_cf, const char *master_cf)
{
    struct tlsp_diag diag;

    w->dir = tu_mkdtemp("logdiag");
    free(tu_write(w->dir, "main.cf", main_cf));
    if (master_cf)
        free(tu_write(w->dir, "master.cf", master_cf));
    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_cf_load(w->dir, NULL, &w->cf, &diag), TLSP_OK);
    tlsp_diag_fini(&diag);
}

static void
cf_open(struct cfdir *w, const char *main_cf)
{
    cf_open2(w, main_cf, NULL);
}

static void
cf_close(struct cfdir *w)
{
    tlsp_cf_free(w->cf);
    tu_rmtree(w->dir);
    free(w->dir);
}

/* A self-signed CA certificate "/O=org/CN=cn" written as PEM to path. */
static void
write_ca(const char *path, const char *org, const char *cn)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name;
    FILE *fp;

    assert_non_null(key);
    assert_non_null(x);
    assert_true(X509_set_version(x, 2));
    assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
    assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
    assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
    name = X509_get_subject_name(x);
    assert_true(
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)org, -1, -1, 0));
    assert_true(
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0));
    assert_true(X509_set_issuer_name(x, name));
    assert_true(X509_set_pubkey(x, key));
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    assert_non_null(fp = fopen(path, "a"));
    assert_true(PEM_write_X509(fp, x));
    fclose(fp);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void
untrusted_issuer_ll1(struct tlsp_attempt *a)
{
    deferred_not_verified(a, "untrusted.test", "mx.untrusted.test",
                          "mx.untrusted.test[127.0.1.3]:25");
    a->word = TLSP_WORD_UNTRUSTED;
    a->verify_error = S("untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA");
}

/* The log proves an untrusted chain and the configuration trusts no CA: nothing trusted. */
static void
test_nothing_trusted(void **state)
{
    struct cfdir w;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    untrusted_issuer_ll1(&a);

    /* Neither CAfile nor CApath. */
    cf_open(&w, "compatibility_level = 3.6\n");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOTHING_TRUSTED);
    assert_int_equal(d.chain_trusted, 0);
    assert_false(d.chain_from_config); /* the untrusted issuer line proves it */
    want_title(&d, "nothing trusted: no smtp_tls_CAfile or usable smtp_tls_CApath");
    want_finding_cf(&d, "Neither smtp_tls_CAfile nor smtp_tls_CApath is set: Postfix trusts no CA "
                        "at all, not even OpenSSL's default store, so no chain can be trusted.");
    want_finding(&d, "untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA", true);
    want_fix_line(&d, "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt");
    tlsp_logdiag_fini(&d);
    cf_close(&w);

    /* A CApath that is not a directory. */
    cf_open(&w, "smtp_tls_CApath = /nonexistent/tlspolicy-test/certs\n");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOTHING_TRUSTED);
    want_finding_cf(&d, "smtp_tls_CApath = /nonexistent/tlspolicy-test/certs is not a directory");
    tlsp_logdiag_fini(&d);
    cf_close(&w);

    /* With a CAfile: the cause stays what the log says, except for a master.cf service
     * whose -o empties it. */
    cf_open2(&w, "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n",
             "smtp      unix  -       -       y       -       -       smtp\n"
             "nocas     unix  -       -       y       -       -       smtp\n"
             "  -o smtp_tls_CAfile=\n");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_UNKNOWN_ISSUER);
    tlsp_logdiag_fini(&d);
    a.service = S("smtp");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_UNKNOWN_ISSUER);
    tlsp_logdiag_fini(&d);
    a.service = S("nocas");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOTHING_TRUSTED);
    tlsp_logdiag_fini(&d);

    /* lmtp(8) reads lmtp_tls_CAfile, which main.cf leaves empty here. */
    a.service = NULL;
    a.ident = S("postfix/lmtp");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOTHING_TRUSTED);
    want_title(&d, "nothing trusted: no lmtp_tls_CAfile or usable lmtp_tls_CApath");
    want_finding_cf(&d, "Neither lmtp_tls_CAfile nor lmtp_tls_CApath is set");
    tlsp_logdiag_fini(&d);
    cf_close(&w);
}

/* The log leaves the chain's trust open and the configuration trusts no CA:
 * the log's cause stays, the configuration adds a finding and the CAfile fix. */
static void
test_nothing_trusted_refines(void **state)
{
    struct cfdir w;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    cf_open(&w, "smtp_tls_security_level = secure\n"
                "smtp_tls_CApath = /nonexistent/tlspolicy-test/rootcas/\n");

    /* A name error at loglevel 1: it may hide an untrusted chain, and here it would. */
    name_mismatch_ll1(&a);
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    assert_int_equal(d.chain_trusted, -1);
    assert_false(d.chain_from_config);
    want_finding(&d, "num=62:hostname mismatch", true);
    want_finding_cf(&d, "smtp_tls_CApath = /nonexistent/tlspolicy-test/rootcas/ is not a "
                        "directory here and smtp_tls_CAfile is not set");
    want_finding_cf(&d, "the chain was not trusted either");
    want_unknown(&d, "Whether the server's certificate chain is trusted");
    want_settle(&d, "tlspolicy check mismatch.test");
    want_fix_line(&d, "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt");
    tlsp_logdiag_fini(&d);

    /* maillog-short.log: the status line alone stays "not verified", its probable cause
     * the names; the configuration's missing CApath is a probable cause of its own. */
    deferred_not_verified(&a, "fastmail.fm", "in1-smtp.messagingengine.com",
                          "in1-smtp.messagingengine.com[66.111.4.74]:25");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    assert_int_equal(d.chain_trusted, -1);
    assert_false(d.chain_from_config);
    want_title(&d, "certificate not verified at level secure (probable cause: certificate name "
                   "mismatch)");
    want_finding(&d,
                 "Postfix logged \"dsn=4.7.5, status=deferred (Server certificate not "
                 "verified)\"",
                 true);
    want_finding(&d, "Probable cause: no certificate name matches", false);
    want_finding_cf(&d, "is not a directory here and smtp_tls_CAfile is not set");
    want_finding_cf(&d, "a probable cause, besides the certificate's names");
    want_finding_cf(&d, "the configuration sets level secure");
    assert_string_equal(d.level, "secure");
    assert_true(d.level_from_config);
    assert_true(d.required_from_config);
    want_unknown(&d, "Whether the server's certificate chain is trusted.");
    want_unknown(&d, "The certificate's names: the log shows none");
    want_settle(&d, "tlspolicy check fastmail.fm");
    assert_true(d.n_fixes >= 2);
    assert_non_null(d.fixes[0].line);
    assert_string_equal(d.fixes[0].line, "fastmail.fm secure match=.messagingengine.com");
    assert_false(d.fixes[0].checked);
    want_fix_line(&d, "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt");
    tlsp_logdiag_fini(&d);

    /* Without the configuration: no finding of it, no CAfile line. */
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    want_no_finding(&d, "is not a directory here");
    assert_false(d.level_from_config);
    assert_false(d.required_from_config);
    for (size_t i = 0; i < d.n_findings; i++)
        assert_false(d.findings[i].config);
    for (size_t i = 0; i < d.n_fixes; i++)
        assert_true(d.fixes[i].line == NULL || strstr(d.fixes[i].line, "CAfile") == NULL);
    tlsp_logdiag_fini(&d);
    cf_close(&w);

    /* At level fingerprint the trusted CAs do not matter: no finding, no CAfile line. */
    cf_open(&w, "smtp_tls_security_level = fingerprint\n"
                "smtp_tls_fingerprint_cert_match = AA:BB\n"
                "smtp_tls_CApath = /nonexistent/tlspolicy-test/rootcas/\n");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    assert_string_equal(d.level, "fingerprint");
    want_no_finding(&d, "is not a directory here");
    for (size_t i = 0; i < d.n_fixes; i++)
        assert_true(d.fixes[i].line == NULL || strstr(d.fixes[i].line, "CAfile") == NULL);
    tlsp_logdiag_fini(&d);
    cf_close(&w);
}

static void
test_missing_intermediate_by_cafile(void **state)
{
    struct cfdir w;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *dir = tu_mkdtemp("logdiag-ca"), *cafile, *main_cf;

    (void)state;
    cafile = tu_write(dir, "catroot.pem", "");
    write_ca(cafile, "Other", "Other Root CA");
    write_ca(cafile, "Lab Catalogue", "Lab Catalogue Root CA");
    main_cf = malloc(strlen(cafile) + 64);
    assert_non_null(main_cf);
    snprintf(main_cf, strlen(cafile) + 64, "smtp_tls_CAfile = %s\n", cafile);
    cf_open(&w, main_cf);

    /* missing-intermediate-ll1.log with -c: the CAfile holds the organisation's root. */
    deferred_not_verified(&a, "nointer.test", "mx.nointer.test", "mx.nointer.test[127.0.1.4]:25");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_error = S("untrusted issuer /O=Lab Catalogue/CN=Lab Catalogue Issuing CA");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_MISSING_INTERMEDIATE);
    assert_int_equal(d.chain_trusted, 0);
    want_finding_cf(&d, "holds the CA \"Lab Catalogue Root CA\" of the issuer's organisation "
                        "(O=Lab Catalogue), but not \"Lab Catalogue Issuing CA\" itself.");
    want_finding(&d, "untrusted issuer /O=Lab Catalogue/CN=Lab Catalogue Issuing CA", true);
    want_finding(&d, "is probably an intermediate CA", false);
    tlsp_logdiag_fini(&d);

    /* untrusted-issuer-ll1.log with the same CAfile: no CA of O=Elsewhere. */
    deferred_not_verified(&a, "untrusted.test", "mx.untrusted.test",
                          "mx.untrusted.test[127.0.1.3]:25");
    a.verify_error = S("untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_UNKNOWN_ISSUER);
    tlsp_logdiag_fini(&d);

    cf_close(&w);
    free(main_cf);
    free(cafile);
    tu_rmtree(dir);
    free(dir);
}

/* ---- STARTTLS ------------------------------------------------------------------- */

static void
test_starttls(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* starttls-not-offered-ll1.log and -ll2.log (no TLS line at either level) */
    base(&a, "nostarttls.test", "mx.nostarttls.test", "mx.nostarttls.test[127.0.1.7]:25", "4.7.4",
         "deferred", "TLS is required, but was not offered by host mx.nostarttls.test[127.0.1.7]");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_STARTTLS_NOT_OFFERED);
    assert_true(d.tls_failure);
    want_title(&d, "STARTTLS not offered (deferred)");
    want_finding(&d, "The server mx.nostarttls.test did not offer STARTTLS", true);
    want_finding(&d, "smtp_discard_ehlo_keywords", false);
    tlsp_logdiag_fini(&d);

    /* starttls-454-ll1.log */
    base(&a, "tls454.test", "mx.tls454.test", "mx.tls454.test[127.0.1.8]:25", "4.7.0", "deferred",
         "TLS is required, but host mx.tls454.test[127.0.1.8] refused to start TLS: 454 4.7.0 "
         "TLS not available due to local problem");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_STARTTLS_REFUSED);
    want_title(&d, "STARTTLS refused (454: deferred)");
    want_finding(&d,
                 "The server answered STARTTLS with \"454 4.7.0 TLS not available due to "
                 "local problem\"",
                 true);
    want_finding(&d, "A 4xx reply to STARTTLS is a soft failure", true);
    tlsp_logdiag_fini(&d);

    /* starttls-554-ll1.log */
    base(&a, "tls554.test", "mx.tls554.test", "mx.tls554.test[127.0.1.9]:25", "5.7.3", "bounced",
         "TLS is required, but host mx.tls554.test[127.0.1.9] refused to start TLS: 554 5.7.3 "
         "TLS not available");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_STARTTLS_REFUSED);
    want_title(&d, "STARTTLS refused (554: bounced)");
    want_finding(&d, "A 5xx reply to STARTTLS bounces the message at once", true);
    want_finding(&d, "dsn=5.7.3, status=bounced", true);
    tlsp_logdiag_fini(&d);
}

/* ---- handshake failures ----------------------------------------------------------- */

static void
test_handshake(void **state)
{
    static char *proto[] = {
        S("TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:"
          "../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:"),
    };
    static char *alert[] = {
        S("TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:"
          "../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:"),
    };
    static char *grade[] = {S("mx.good.test[127.0.1.1]:25: invalid cipher grade: \"bogus\"")};
    static char *unary[] = {
        S("mx.good.test[127.0.1.1]:25: invalid unary '!+-@' in cipher exclusion: !foo")};
    static char *protolist[] = {
        S("mx.good.test[127.0.1.1]:25: Invalid TLS protocol list \"bogus\": aborting TLS session")};
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* handshake-protocol-mismatch-ll1.log (ll2 adds only setting-up and SSL3 alert lines) */
    base(&a, "anon.test", "mx.anon.test", "mx.anon.test[127.0.1.10]:25", "4.7.5", "deferred",
         "Cannot start TLS: handshake failure");
    a.loglevel_seen = 0;
    a.handshake_error = S("-1");
    a.warnings = proto;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_HANDSHAKE_PROTOCOL);
    want_title(&d, "TLS handshake failure: no common protocol version");
    want_finding(&d, "alert protocol version", true);
    want_finding(&d, "exclude every version the server speaks", false);
    tlsp_logdiag_fini(&d);

    /* handshake-cipher-mismatch-ll1.log, handshake-alert-ll1.log */
    a.warnings = alert;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_HANDSHAKE);
    want_title(&d, "TLS handshake failure: the server sent a handshake_failure alert");
    want_finding(&d, "logged \"SSL_connect error to mx.anon.test[127.0.1.10]:25: -1\"", true);
    want_finding(&d, "SSL alert number 40", true);
    want_finding(&d, "handshake_failure alert (40): no cipher in common", false);
    tlsp_logdiag_fini(&d);

    /* A lost connection, no library line. */
    a.warnings = NULL;
    a.n_warnings = 0;
    a.handshake_error = S("lost connection");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_HANDSHAKE);
    want_title(&d, "TLS handshake failure: connection lost");
    tlsp_logdiag_fini(&d);

    /* invalid-ciphers-ll1.log */
    base(&a, "good.test", "mx.good.test", "mx.good.test[127.0.1.1]:25", "4.7.5", "deferred",
         "Cannot start TLS: handshake failure");
    a.warnings = grade;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_BAD_CIPHERS);
    want_title(&d, "TLS handshake failure: invalid cipher grade: \"bogus\"");
    want_finding(&d,
                 "postfix/smtp[954] logged \"warning: mx.good.test[127.0.1.1]:25: invalid "
                 "cipher grade: \"bogus\"\"",
                 true);
    /* Spec 1.7: the grade is checked when the session is set up, after STARTTLS. */
    want_finding(&d,
                 "mx.good.test[127.0.1.1]:25 accepted STARTTLS, then Postfix could not set up "
                 "the TLS session and sent no TLS handshake message",
                 true);
    want_finding(&d, "Postfix checks them when it sets up the TLS session, after STARTTLS", true);
    want_no_finding(&d, "before talking TLS");
    want_no_finding(&d, "The TLS handshake with");
    tlsp_logdiag_fini(&d);

    /* Spec 1.7: an exclusion starting with !+-@. */
    a.warnings = unary;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_BAD_CIPHERS);
    want_title(&d, "invalid cipher exclusion");
    tlsp_logdiag_fini(&d);

    /* Spec 1.7: an invalid protocol list. */
    a.warnings = protolist;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_BAD_PROTOCOLS);
    want_title(&d, "invalid TLS protocol list");
    want_finding(&d, "Invalid TLS protocol list", true);
    tlsp_logdiag_fini(&d);
}

/* ---- soft failures: first MX, plaintext fallback -------------------------------------------- */

static void
test_first_mx_soft_failure(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* first-mx-soft-failure-ll1.log: "723F7A720F1: Server certificate not verified" */
    deferred_not_verified(&a, "twomx.test", "mx1.twomx.test", "mx1.twomx.test[127.0.1.12]:25");
    as_next(&a);
    a.pid = 4221;
    a.queue_id = S("723F7A720F1");
    a.loglevel_seen = 1;
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_error = S("self-signed certificate");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_SELF_SIGNED);
    assert_true(d.tls_failure);
    want_finding(&d,
                 "This failure was not final: postfix/smtp[4221] logged \"723F7A720F1: "
                 "Server certificate not verified\"",
                 true);
    tlsp_logdiag_fini(&d);

    /* Its final line: sent through mx2, Verified. */
    base(&a, "twomx.test", "mx2.twomx.test", "mx2.twomx.test[127.0.1.13]:25", "2.0.0", "sent",
         "250 2.0.0 Ok: queued as 1796522911.536318.187.3.eml");
    a.word = TLSP_WORD_VERIFIED;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NONE);
    assert_false(d.tls_failure);
    tlsp_logdiag_fini(&d);
}

static void
test_may_plaintext_fallback(void **state)
{
    static char *alert[] = {
        S("TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:"
          "../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:"),
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* may-plaintext-fallback-ll1.log: "76EA1A720F3: Cannot start TLS: handshake failure" */
    base(&a, "alert.test", "mx.alert.test", "mx.alert.test[127.0.1.11]:25", "4.7.5", "deferred",
         "Cannot start TLS: handshake failure");
    as_next(&a);
    a.queue_id = S("76EA1A720F3");
    a.handshake_error = S("-1");
    a.warnings = alert;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_HANDSHAKE);
    assert_true(d.tls_failure);
    want_finding(&d, "This failure was not final", true);
    want_finding(&d, "a status=sent that follows is a plaintext delivery", false);
    tlsp_logdiag_fini(&d);

    /* The plaintext delivery that follows: no TLS line. */
    base(&a, "alert.test", "mx.alert.test", "mx.alert.test[127.0.1.11]:25", "2.0.0", "sent",
         "250 2.0.0 Ok: queued as 1796522917.524988.187.5.eml");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NONE);
    assert_false(d.tls_failure);
    assert_int_equal(d.chain_trusted, -1);
    want_title(&d, "delivered");
    tlsp_logdiag_fini(&d);
}

/* ---- engine and policy ---------------------------------------------------------------- */

static void
test_engine_unavailable(void **state)
{
    static char *lib[] = {
        S("TLS library problem: error:80000002:system library::No such file or directory:"
          "../crypto/bio/bss_file.c:67:calling fopen(/tmp/lab/no-such-cafile.pem, r):"),
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* unreadable-cafile-ll1.log */
    base(&a, "good.test", "mx.good.test", "mx.good.test[127.0.1.1]:25", "4.7.5", "deferred",
         "TLS is required, but our TLS engine is unavailable");
    a.pid = 4034;
    a.engine_error = S("cannot load Certification Authority data, "
                       "CAfile=\"/tmp/lab/no-such-cafile.pem\": disabling TLS support");
    a.warnings = lib;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_ENGINE_UNAVAILABLE);
    want_title(&d, "TLS engine unavailable: cannot load the CA file");
    want_finding(&d,
                 "When it started, postfix/smtp[4034] logged \"cannot load Certification "
                 "Authority data, CAfile=\"/tmp/lab/no-such-cafile.pem\": disabling TLS "
                 "support\".",
                 true);
    want_finding(&d, "missing, empty or not in PEM form", false);
    tlsp_logdiag_fini(&d);

    /* The process's start-up lines are not in the log. */
    a.engine_error = NULL;
    a.n_warnings = 0;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_ENGINE_UNAVAILABLE);
    want_unknown(&d, "Why the engine failed");
    tlsp_logdiag_fini(&d);

    /* Spec 4.6: an unknown fingerprint digest. */
    a.engine_error = S("Digest algorithm \"bogus\" not found");
    run(&a, &d);
    want_title(&d, "unknown fingerprint digest");
    tlsp_logdiag_fini(&d);
}

static void
test_policy_errors(void **state)
{
    static char *attr[] = {
        S("smtp_tls_policy_maps, next-hop destination \"good.test\": invalid attribute name: "
          "\"foo\""),
        S("TLS policy lookup for good.test/mx.good.test: client TLS configuration problem"),
    };
    static char *level[] = {
        S("smtp_tls_policy_maps, next-hop destination \"good.test\": invalid security level "
          "\"bogus\""),
        S("TLS policy lookup for good.test/mx.good.test: client TLS configuration problem"),
    };
    static char *table[] = {
        S("open database /tmp/lab/record-logs/tls_policy.db: No such file or directory"),
        S("hash:/tmp/lab/record-logs/tls_policy is unavailable. open database "
          "/tmp/lab/record-logs/tls_policy.db: No such file or directory"),
        S("hash:/tmp/lab/record-logs/tls_policy lookup error for \"good.test\""),
        S("smtp_tls_policy_maps, next-hop destination \"good.test\": policy table lookup error"),
        S("TLS policy lookup for good.test/mx.good.test: client TLS configuration problem"),
    };
    static char *lookup[] = {
        S("smtp_tls_policy_maps, next-hop destination \"good.test\": policy table lookup error"),
    };
    static char *dane[] = {
        S("good.test: dane-only configured with dnssec lookups disabled"),
        S("TLS policy lookup for good.test/mx.good.test: client TLS configuration problem"),
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    /* invalid-attribute-ll1.log */
    base(&a, "good.test", NULL, NULL, "4.7.5", "deferred", "client TLS configuration problem");
    a.warnings = attr;
    a.n_warnings = 2;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_POLICY_INVALID);
    want_title(&d, "invalid policy: invalid attribute name: \"foo\"");
    want_finding(&d,
                 "made no connection: Postfix logged \"dsn=4.7.5, status=deferred (client "
                 "TLS configuration problem)\"",
                 true);
    want_finding(&d, "invalid attribute name: \"foo\"", true);
    tlsp_logdiag_fini(&d);

    /* invalid-level-ll1.log */
    a.warnings = level;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_POLICY_INVALID);
    want_title(&d, "invalid policy: invalid security level \"bogus\"");
    tlsp_logdiag_fini(&d);

    /* Spec 1.6 row 3: dane-only without DNSSEC lookups. */
    a.warnings = dane;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_POLICY_INVALID);
    want_finding(&d, "dane-only configured with dnssec lookups disabled", true);
    tlsp_logdiag_fini(&d);

    /* No warning in the log. */
    a.warnings = NULL;
    a.n_warnings = 0;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_POLICY_INVALID);
    want_unknown(&d, "Which setting is invalid");
    tlsp_logdiag_fini(&d);

    /* missing-table-ll1.log */
    a.warnings = table;
    a.n_warnings = 5;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_POLICY_TABLE_MISSING);
    want_title(&d, "policy table missing");
    want_finding(&d,
                 "logged \"open database /tmp/lab/record-logs/tls_policy.db: No such file or "
                 "directory\"",
                 true);
    want_finding(&d, "run postmap", false);
    tlsp_logdiag_fini(&d);

    /* A lookup error of another kind (e.g. a proxy or LDAP table). */
    a.warnings = lookup;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_POLICY_LOOKUP);
    want_title(&d, "policy table lookup error");
    tlsp_logdiag_fini(&d);
}

/* ---- DANE (spec 1.6, 1.7, 4.3) ------------------------------------------------------- */

static void
test_dane(void **state)
{
    static char *usage[] = {S("_25._tcp.mx.dane.test unsupported TLSA certificate usage: 0 0 1 "
                              "72B4")};
    static char *tlsa[] = {S("mx.dane.test[192.0.2.7]:25: Matched DANE TA certificate at depth "
                             "1: 2 0 1 AB")};
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    base(&a, "dane.test", NULL, NULL, "4.7.5", "deferred", "TLSA lookup error for mx.dane.test:25");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_DANE_TLSA_LOOKUP);
    want_title(&d, "DANE: TLSA lookup error for mx.dane.test:25");
    want_settle(&d, "dig +dnssec TLSA _25._tcp.mx.dane.test (ask the resolver Postfix uses)");
    tlsp_logdiag_fini(&d);

    base(&a, "dane.test", NULL, NULL, "4.7.5", "deferred", "no TLSA records found");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_DANE_NO_TLSA);
    want_finding(&d, "At level dane-only, the server has no usable DNSSEC-signed TLSA records",
                 true);
    tlsp_logdiag_fini(&d);

    base(&a, "dane.test", NULL, NULL, "4.7.5", "deferred", "non DNSSEC destination");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_DANE_NON_DNSSEC);
    want_finding(&d, "the MX records of dane.test are not DNSSEC-validated", true);
    tlsp_logdiag_fini(&d);

    base(&a, "dane.test", NULL, NULL, "4.7.5", "deferred", "TLSA records unusable");
    a.warnings = usage;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_DANE_UNUSABLE);
    want_title(&d, "DANE: TLSA records unusable");
    want_finding(&d, "unsupported TLSA certificate usage: 0 0 1 72B4", true);
    tlsp_logdiag_fini(&d);

    /* Spec 4.3: num=65 at the handshake. */
    deferred_not_verified(&a, "dane.test", "mx.dane.test", "mx.dane.test[192.0.2.7]:25");
    a.word = TLSP_WORD_UNTRUSTED;
    a.verify_purpose = S("server");
    a.verify_error = S("num=65:no matching DANE TLSA records");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_DANE_MISMATCH);
    assert_int_equal(d.chain_trusted, 0);
    want_title(&d, "DANE: no TLSA record matches the certificate");
    want_finding(&d, "num=65:no matching DANE TLSA records", true);
    tlsp_logdiag_fini(&d);

    /* "not trusted by local or TLSA policy": DANE only when the lines show it. */
    a.verify_purpose = NULL;
    a.verify_error = S("not trusted by local or TLSA policy");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_CHAIN_UNTRUSTED);
    tlsp_logdiag_fini(&d);
    a.warnings = tlsa;
    a.n_warnings = 1;
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_DANE_MISMATCH);
    tlsp_logdiag_fini(&d);
}

/* ---- other reasons ---------------------------------------------------------------- */

static void
test_other_reasons(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    base(&a, "good.test", "mx.good.test", "mx.good.test[127.0.1.1]:25", "4.7.0", "deferred",
         "TLS is required, but unavailable");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_OTHER_TLS);
    assert_true(d.tls_failure);
    want_title(&d, "TLS problem: TLS is required, but unavailable");
    tlsp_logdiag_fini(&d);

    /* Not TLS-related. */
    base(&a, "good.test", NULL, NULL, "4.4.1", "deferred",
         "connect to mx.good.test[127.0.1.1]:25: Connection refused");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NONE);
    assert_false(d.tls_failure);
    assert_int_equal(d.n_findings, 0);
    tlsp_logdiag_fini(&d);

    /* Spec 1.7: a suspended destination repeats the earlier reason. */
    base(&a, "mismatch.test", NULL, NULL, "4.7.5", "deferred",
         "delivery temporarily suspended: Server certificate not verified");
    a.ident = S("postfix/retry");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    want_finding(&d, "the destination was suspended after an earlier failure", true);
    want_unknown(&d, "the lines of the earlier deferral of mismatch.test");
    tlsp_logdiag_fini(&d);
}

static void
test_sparse_attempts(void **state)
{
    /* Attempts with almost every field missing: each reason still gets its cause. */
    static const struct {
        const char *reason;
        const char *verify_error;
        enum tlsp_cause want;
    } rows[] = {
        {NULL, NULL, TLSP_CAUSE_NONE},
        {"", NULL, TLSP_CAUSE_NONE},
        {"Server certificate not verified", NULL, TLSP_CAUSE_NOT_VERIFIED},
        {"Server certificate not verified", "untrusted issuer", TLSP_CAUSE_UNKNOWN_ISSUER},
        {"Server certificate not verified", "num=62:hostname mismatch",
         TLSP_CAUSE_CHAIN_TRUST_UNKNOWN},
        {"Server certificate not verified", "num=99:something new", TLSP_CAUSE_CHAIN_UNTRUSTED},
        {"Server certificate not trusted", NULL, TLSP_CAUSE_CHAIN_UNTRUSTED},
        {"Cannot start TLS: handshake failure", NULL, TLSP_CAUSE_HANDSHAKE},
        {"TLS is required, but host refused to start TLS: ", NULL, TLSP_CAUSE_STARTTLS_REFUSED},
        {"TLS is required, but was not offered by host x", NULL, TLSP_CAUSE_STARTTLS_NOT_OFFERED},
        {"TLS is required, but our TLS engine is unavailable", NULL, TLSP_CAUSE_ENGINE_UNAVAILABLE},
        {"client TLS configuration problem", NULL, TLSP_CAUSE_POLICY_INVALID},
        {"TLSA lookup error for ", NULL, TLSP_CAUSE_DANE_TLSA_LOOKUP},
        {"delivery temporarily suspended: ", NULL, TLSP_CAUSE_NONE},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        memset(&a, 0, sizeof(a));
        a.end = TLSP_END_DEFERRED;
        a.reason = S(rows[i].reason);
        a.verify_error = S(rows[i].verify_error);
        run(&a, &d);
        want_cause(&d, rows[i].want);
        assert_int_equal(d.tls_failure, rows[i].want != TLSP_CAUSE_NONE);
        tlsp_logdiag_fini(&d);
    }
}

/* An lmtp(8) attempt names the lmtp_ parameters and LHLO, and d->lmtp says
 * the fix lines are for lmtp_tls_policy_maps. */
static void
test_lmtp_names(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    base(&a, "lmtp.test", "lmtp.test", "lmtp.test[192.0.2.9]:24", "4.7.4", "deferred",
         "TLS is required, but was not offered by host lmtp.test[192.0.2.9]");
    a.ident = S("postfix/lmtp");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_STARTTLS_NOT_OFFERED);
    assert_true(d.lmtp);
    want_finding(&d, "did not offer STARTTLS in its LHLO reply", true);
    want_finding(&d, "lmtp_discard_lhlo_keywords) removed STARTTLS", false);
    want_no_finding(&d, "smtp_discard_ehlo_keywords");
    tlsp_logdiag_fini(&d);

    deferred_not_verified(&a, "lmtp.test", "lmtp.test", "lmtp.test[192.0.2.9]:24");
    a.ident = S("postfix/lmtp");
    run(&a, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    assert_true(d.lmtp);
    want_settle(&d, "lmtp_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines "
                    "that show the chain's trust and the certificate's subject CN");
    tlsp_logdiag_fini(&d);

    a.ident = S("postfix/smtp");
    run(&a, &d);
    assert_false(d.lmtp);
    want_settle(&d, "smtp_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines "
                    "that show the chain's trust and the certificate's subject CN");
    tlsp_logdiag_fini(&d);
}

/* "QUEUEID: Cannot start TLS: handshake failure" (spec 1.7.1): with -c at may,
 * a plaintext retry may follow (and no "may" line is offered: it is in force);
 * at encrypt Postfix never retries without TLS. */
static void
test_handshake_next_level(void **state)
{
    struct cfdir w;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    size_t i;

    (void)state;
    base(&a, "alert.test", "mx.alert.test", "mx.alert.test[127.0.1.11]:25", "4.7.5", "deferred",
         "Cannot start TLS: handshake failure");
    as_next(&a);
    cf_open(&w, "smtp_tls_security_level = may\n");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_HANDSHAKE);
    assert_string_equal(d.level, "may");
    want_finding_src(&d,
                     "At level may, after this line Postfix retries the same server without TLS "
                     "when the message has waited minimal_backoff_time",
                     true, true);
    for (i = 0; i < d.n_fixes; i++)
        if (d.fixes[i].line && strstr(d.fixes[i].line, " may"))
            fail_msg("fix \"%s\" offers the level in force", d.fixes[i].line);
    tlsp_logdiag_fini(&d);
    cf_close(&w);

    cf_open(&w, "smtp_tls_security_level = encrypt\n");
    run_cf(&a, w.cf, &d);
    assert_string_equal(d.level, "encrypt");
    want_finding_src(&d,
                     "At level encrypt Postfix never retries without TLS: after this line it "
                     "tried the next MX host or address.",
                     true, true);
    want_no_finding(&d, "At level may");
    tlsp_logdiag_fini(&d);
    cf_close(&w);

    run(&a, &d);
    want_finding(&d, "At level may, after this line Postfix retries the same server", false);
    tlsp_logdiag_fini(&d);
}

/* -c with relayhost: the log names no next hop, so the recipient is routed;
 * the findings, the settle command and the fixes use [smtp.isp.net]:587. */
static void
test_routed_nexthop(void **state)
{
    static char *rcpts[] = {S("friend@gmail.com")};
    struct cfdir w;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    deferred_not_verified(&a, "gmail.com", "smtp.isp.net", "smtp.isp.net[198.51.100.7]:587");
    a.rcpts = rcpts;
    a.n_rcpts = 1;
    cf_open(&w, "relayhost = [smtp.isp.net]:587\nsmtp_tls_security_level = secure\n"
                "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n");
    run_cf(&a, w.cf, &d);
    want_cause(&d, TLSP_CAUSE_NOT_VERIFIED);
    want_title(&d, "certificate not verified at level secure");
    want_finding_src(&d,
                     "The log does not name the next hop; the configuration routes "
                     "friend@gmail.com to next hop [smtp.isp.net]:587 (relayhost), transport smtp.",
                     true, true);
    want_finding_cf(&d, "No policy table entry applies to [smtp.isp.net]:587");
    want_settle(&d, "tlspolicy check '[smtp.isp.net]:587'");
    assert_string_equal(d.table_key, "[smtp.isp.net]:587");
    assert_string_equal(d.required[0], "smtp.isp.net");
    tlsp_logdiag_fini(&d);

    /* The log's server is another host: the log came from another configuration. */
    a.mx_host = S("gmail-smtp-in.l.google.com");
    a.server = S("gmail-smtp-in.l.google.com[192.0.2.26]:25");
    run_cf(&a, w.cf, &d);
    want_finding_src(&d, "the log was probably written with another configuration", true, true);
    assert_string_equal(d.table_key, "[smtp.isp.net]:587");
    tlsp_logdiag_fini(&d);
    cf_close(&w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses_missing_arguments),
        cmocka_unit_test(test_cause_names),
        cmocka_unit_test(test_verified_secure),
        cmocka_unit_test(test_name_mismatch_ll1_chain_trust_unknown),
        cmocka_unit_test(test_name_mismatch_ll2_chain_proven),
        cmocka_unit_test(test_name_mismatch_hides_untrusted_chain),
        cmocka_unit_test(test_founding_short_not_verified),
        cmocka_unit_test(test_founding_extended_pre36),
        cmocka_unit_test(test_founding_postfix37_lab),
        cmocka_unit_test(test_trusted_name_mismatch_3104),
        cmocka_unit_test(test_untrusted_issuer),
        cmocka_unit_test(test_missing_intermediate),
        cmocka_unit_test(test_self_signed),
        cmocka_unit_test(test_expired),
        cmocka_unit_test(test_pre36_not_trusted),
        cmocka_unit_test(test_nothing_trusted),
        cmocka_unit_test(test_nothing_trusted_refines),
        cmocka_unit_test(test_missing_intermediate_by_cafile),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_first_mx_soft_failure),
        cmocka_unit_test(test_may_plaintext_fallback),
        cmocka_unit_test(test_engine_unavailable),
        cmocka_unit_test(test_policy_errors),
        cmocka_unit_test(test_dane),
        cmocka_unit_test(test_other_reasons),
        cmocka_unit_test(test_sparse_attempts),
        cmocka_unit_test(test_lmtp_names),
        cmocka_unit_test(test_handshake_next_level),
        cmocka_unit_test(test_routed_nexthop),
    };

    plain_ctx.version = tlsp_version_default;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
