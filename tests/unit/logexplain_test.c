/*
 * logexplain_test.c - the whole log pipeline (logscan, attempt, logdiag) on
 * real Postfix logs: the recorded catalogue of Postfix 3.7.11 at
 * smtp_tls_loglevel 1 and 2 (tests/fixtures/logs/README.md gives each
 * situation) and the founding case's three logs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <tlspolicy/attempt.h>
#include <tlspolicy/cf.h>
#include <tlspolicy/logdiag.h>
#include <tlspolicy/logscan.h>

#define LOGS TLSP_SOURCE_DIR "/tests/fixtures/logs/"
#define FOUNDING TLSP_SOURCE_DIR "/examples/founding-case/"
#define MAX_SEEN 16

/* What one file gave: per attempt, its end, cause and (first) diagnosis. */
struct seen {
    size_t n;
    enum tlsp_attempt_end end[MAX_SEEN];
    enum tlsp_cause cause[MAX_SEEN];
    struct tlsp_logdiag first_problem; /* the first attempt with a TLS failure */
    bool have_problem;
    struct tlsp_logdiag_ctx ctx;
    enum tlsp_status st;
};

static void
on_attempt(void *arg, const struct tlsp_attempt *a)
{
    struct seen *s = arg;
    struct tlsp_logdiag d;
    struct tlsp_diag diag;

    tlsp_diag_init(&diag);
    s->st = tlsp_logdiag_run(a, &s->ctx, &d, &diag);
    if (s->st == TLSP_OK && s->n < MAX_SEEN) {
        s->end[s->n] = a->end;
        s->cause[s->n] = d.cause;
        s->n++;
    }
    if (s->st == TLSP_OK && d.cause != TLSP_CAUSE_NONE && !s->have_problem) {
        s->first_problem = d; /* kept: freed by the test */
        s->have_problem = true;
    } else {
        tlsp_logdiag_fini(&d);
    }
    tlsp_diag_fini(&diag);
}

static void
run_file(const char *path, struct tlsp_cf *cf, struct seen *s)
{
    struct tlsp_logscan *r = NULL;
    struct tlsp_attempts *as = NULL;
    struct tlsp_logline line;
    struct tlsp_diag diag;
    bool got = true;
    const char *paths[] = { path };

    memset(s, 0, sizeof(*s));
    s->ctx.cf = cf;
    s->ctx.version = tlsp_version_default;
    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_logscan_open(paths, 1, NULL, &r, &diag), TLSP_OK);
    assert_int_equal(tlsp_attempts_new(on_attempt, s, &as), TLSP_OK);
    for (;;) {
        assert_int_equal(tlsp_logscan_next(r, &line, &got, &diag), TLSP_OK);
        if (!got)
            break;
        assert_int_equal(tlsp_attempts_feed(as, &line), TLSP_OK);
    }
    assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
    assert_int_equal(s->st, TLSP_OK);
    tlsp_attempts_free(as);
    tlsp_logscan_free(r);
    tlsp_diag_fini(&diag);
}

static void
release(struct seen *s)
{
    if (s->have_problem)
        tlsp_logdiag_fini(&s->first_problem);
}

/* One recorded situation: the attempts it gives at both loglevels. */
struct situation {
    const char *name;
    size_t n;
    enum tlsp_attempt_end end[4];
    enum tlsp_cause cause_ll1[4];
    enum tlsp_cause cause_ll2[4];
};

static const struct situation catalogue[] = {
    { "verified-secure", 1, { TLSP_END_SENT }, { TLSP_CAUSE_NONE }, { TLSP_CAUSE_NONE } },
    /* Loglevel 1 logs the name error but no depth= line: the chain's trust is unknown. */
    { "name-mismatch-secure", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_CHAIN_TRUST_UNKNOWN },
      { TLSP_CAUSE_NAME_MISMATCH } },
    { "name-mismatch-verify", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_CHAIN_TRUST_UNKNOWN },
      { TLSP_CAUSE_NAME_MISMATCH } },
    { "untrusted-issuer", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_UNKNOWN_ISSUER },
      { TLSP_CAUSE_UNKNOWN_ISSUER } },
    /* Without depth= lines (loglevel 1) the issuer's name alone does not tell a missing
     * intermediate from an unknown root: the reader is told so, the cause stays general. */
    { "missing-intermediate", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_UNKNOWN_ISSUER },
      { TLSP_CAUSE_MISSING_INTERMEDIATE } },
    { "self-signed", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_SELF_SIGNED },
      { TLSP_CAUSE_SELF_SIGNED } },
    { "expired", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_EXPIRED }, { TLSP_CAUSE_EXPIRED } },
    { "starttls-not-offered", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_STARTTLS_NOT_OFFERED },
      { TLSP_CAUSE_STARTTLS_NOT_OFFERED } },
    { "starttls-454", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_STARTTLS_REFUSED },
      { TLSP_CAUSE_STARTTLS_REFUSED } },
    { "starttls-554", 1, { TLSP_END_BOUNCED }, { TLSP_CAUSE_STARTTLS_REFUSED },
      { TLSP_CAUSE_STARTTLS_REFUSED } },
    { "handshake-protocol-mismatch", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_HANDSHAKE_PROTOCOL },
      { TLSP_CAUSE_HANDSHAKE_PROTOCOL } },
    { "handshake-cipher-mismatch", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_HANDSHAKE },
      { TLSP_CAUSE_HANDSHAKE } },
    { "handshake-alert", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_HANDSHAKE },
      { TLSP_CAUSE_HANDSHAKE } },
    { "invalid-ciphers", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_BAD_CIPHERS },
      { TLSP_CAUSE_BAD_CIPHERS } },
    { "invalid-attribute", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_POLICY_INVALID },
      { TLSP_CAUSE_POLICY_INVALID } },
    { "invalid-level", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_POLICY_INVALID },
      { TLSP_CAUSE_POLICY_INVALID } },
    { "missing-table", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_POLICY_TABLE_MISSING },
      { TLSP_CAUSE_POLICY_TABLE_MISSING } },
    { "unreadable-cafile", 1, { TLSP_END_DEFERRED }, { TLSP_CAUSE_ENGINE_UNAVAILABLE },
      { TLSP_CAUSE_ENGINE_UNAVAILABLE } },
    /* The first MX is self-signed: "QUEUEID: Server certificate not verified", then the
     * second MX verifies and takes the message. */
    { "first-mx-soft-failure", 2, { TLSP_END_NEXT, TLSP_END_SENT },
      { TLSP_CAUSE_SELF_SIGNED, TLSP_CAUSE_NONE }, { TLSP_CAUSE_SELF_SIGNED, TLSP_CAUSE_NONE } },
    /* At may, a new message defers twice, then the retry falls back to plaintext. */
    { "may-plaintext-fallback", 4,
      { TLSP_END_DEFERRED, TLSP_END_DEFERRED, TLSP_END_NEXT, TLSP_END_SENT },
      { TLSP_CAUSE_HANDSHAKE, TLSP_CAUSE_HANDSHAKE, TLSP_CAUSE_HANDSHAKE, TLSP_CAUSE_NONE },
      { TLSP_CAUSE_HANDSHAKE, TLSP_CAUSE_HANDSHAKE, TLSP_CAUSE_HANDSHAKE, TLSP_CAUSE_NONE } },
};

/* Hand-made fixtures (tests/fixtures/logs/handmade/): the dialects no recording
 * covers, and DANE until the lab has a DNSSEC world. */
static const struct {
    const char *file;
    enum tlsp_attempt_end end;
    enum tlsp_cause cause;
    int chain_trusted;
} handmade[] = {
    /* >= 3.10.4: num=62 with "Trusted": the word proves the chain trusted. */
    { "pf3104-trusted-mismatch.log", TLSP_END_DEFERRED, TLSP_CAUSE_NAME_MISMATCH, 1 },
    /* <= 3.5: "Server certificate not trusted". */
    { "pre35-not-trusted.log", TLSP_END_DEFERRED, TLSP_CAUSE_UNKNOWN_ISSUER, 0 },
    { "dane/dane-tlsa-lookup-error.log", TLSP_END_DEFERRED, TLSP_CAUSE_DANE_TLSA_LOOKUP, -1 },
    { "dane/dane-only-no-tlsa.log", TLSP_END_DEFERRED, TLSP_CAUSE_DANE_NO_TLSA, -1 },
    { "dane/dane-only-non-dnssec.log", TLSP_END_DEFERRED, TLSP_CAUSE_DANE_NON_DNSSEC, -1 },
    { "dane/dane-only-unusable.log", TLSP_END_DEFERRED, TLSP_CAUSE_DANE_UNUSABLE, -1 },
    { "dane/dane-mismatch.log", TLSP_END_DEFERRED, TLSP_CAUSE_DANE_MISMATCH, 0 },
};

static void
test_handmade(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(handmade) / sizeof(handmade[0]); i++) {
        char path[512];
        struct seen s;

        snprintf(path, sizeof(path), LOGS "handmade/%s", handmade[i].file);
        run_file(path, NULL, &s);
        if (s.n < 1 || s.end[0] != handmade[i].end || s.cause[0] != handmade[i].cause)
            fail_msg("%s: %zu attempts, first %s/%s, expected %s/%s", path, s.n,
                     s.n ? tlsp_attempt_end_name(s.end[0]) : "-",
                     s.n ? tlsp_cause_name(s.cause[0]) : "-",
                     tlsp_attempt_end_name(handmade[i].end), tlsp_cause_name(handmade[i].cause));
        assert_true(s.have_problem);
        if (s.first_problem.chain_trusted != handmade[i].chain_trusted)
            fail_msg("%s: chain_trusted %d, expected %d", path, s.first_problem.chain_trusted,
                     handmade[i].chain_trusted);
        assert_true(s.first_problem.n_findings >= 1);
        assert_non_null(s.first_problem.title);
        release(&s);
    }
}

static void
test_catalogue(void **state)
{
    size_t i, j;
    int ll;

    (void)state;
    for (i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
        const struct situation *c = &catalogue[i];

        for (ll = 1; ll <= 2; ll++) {
            char path[512];
            struct seen s;

            snprintf(path, sizeof(path), LOGS "%s-ll%d.log", c->name, ll);
            run_file(path, NULL, &s);
            if (s.n != c->n)
                fail_msg("%s: %zu attempts, expected %zu", path, s.n, c->n);
            for (j = 0; j < c->n; j++) {
                enum tlsp_cause want = ll == 1 ? c->cause_ll1[j] : c->cause_ll2[j];

                if (s.end[j] != c->end[j] || s.cause[j] != want)
                    fail_msg("%s attempt %zu: %s/%s, expected %s/%s", path, j + 1,
                             tlsp_attempt_end_name(s.end[j]), tlsp_cause_name(s.cause[j]),
                             tlsp_attempt_end_name(c->end[j]), tlsp_cause_name(want));
            }
            release(&s);
        }
    }
}

static bool
has_name(char *const *v, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(v[i], name) == 0)
            return true;
    return false;
}

static struct tlsp_cf *
founding_cf(void)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;

    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(FOUNDING, NULL, &cf, &d), TLSP_OK);
    assert_int_equal(tlsp_cf_override(cf,
                                      "smtp_tls_policy_maps=texthash:" FOUNDING "tls_policy",
                                      &d),
                     TLSP_OK);
    tlsp_diag_fini(&d);
    return cf;
}

/* The founding case, with its configuration: entry, required names, names
 * the certificate offers as each log shows them, and the first fix. */
static void
check_founding(const char *log, struct tlsp_cf *cf, size_t n_names, bool complete,
               int chain_trusted)
{
    struct seen s;
    const struct tlsp_logdiag *d;

    run_file(log, cf, &s);
    assert_int_equal(s.n, 1);
    assert_true(s.have_problem);
    d = &s.first_problem;
    assert_non_null(d->level);
    assert_string_equal(d->level, "secure");
    assert_int_equal(d->level_proven, cf != NULL);
    assert_int_equal(d->level_from_config, cf != NULL);
    assert_int_equal(d->n_required, 2);
    assert_true(has_name(d->required, d->n_required, "fastmail.fm"));
    assert_true(has_name(d->required, d->n_required, ".fastmail.fm"));
    assert_int_equal(d->required_proven, cf != NULL);
    assert_int_equal(d->required_from_config, cf != NULL);
    assert_int_equal(d->n_cert_names, n_names);
    assert_int_equal(d->cert_names_complete, complete);
    if (n_names)
        assert_true(has_name(d->cert_names, d->n_cert_names, "*.messagingengine.com"));
    assert_int_equal(d->chain_trusted, chain_trusted);
    assert_false(d->chain_from_config); /* the log, not the configuration, tells the chain */
    if (cf) {
        assert_non_null(d->entry);
        assert_string_equal(d->entry, "fastmail.fm secure ciphers=high");
    } else {
        assert_null(d->entry);
    }
    assert_non_null(d->table_key);
    assert_string_equal(d->table_key, "fastmail.fm");
    /* With names the line is checked against them; without, it is the likely guess. */
    assert_true(d->n_fixes >= 1);
    assert_non_null(d->fixes[0].line);
    assert_string_equal(d->fixes[0].line,
                        cf ? "fastmail.fm secure ciphers=high match=.messagingengine.com"
                           : "fastmail.fm secure match=.messagingengine.com");
    assert_int_equal(d->fixes[0].checked, n_names > 0);
    release(&s);
}

/* Index of the finding containing sub, or fails. */
static size_t
finding_with(const struct tlsp_logdiag *d, const char *sub)
{
    size_t i;

    for (i = 0; i < d->n_findings; i++)
        if (strstr(d->findings[i].text, sub))
            return i;
    fail_msg("no finding with \"%s\"", sub);
    return 0;
}

/* maillog-short.log: the status line is the log's; with the founding
 * configuration, whose smtp_tls_CApath /etc/postfix/rootcas/ does not
 * exist on a test machine, the configuration adds that no chain can be
 * trusted, and the CAfile line. */
static void
check_short_sources(const struct tlsp_logdiag *d, bool with_cf)
{
    size_t i, k;
    bool cafile = false, nothing = with_cf;
    struct stat sb;

    if (stat("/etc/postfix/rootcas/", &sb) == 0 && S_ISDIR(sb.st_mode))
        nothing = false; /* this machine has the founding case's CApath */
    k = finding_with(d, "Postfix logged \"dsn=4.7.5, status=deferred (Server certificate not "
                        "verified)\"");
    assert_true(d->findings[k].proven);
    assert_false(d->findings[k].config);
    k = finding_with(d, "Probable cause: no certificate name matches");
    assert_false(d->findings[k].proven);
    for (i = 0; i < d->n_fixes; i++)
        if (d->fixes[i].line &&
            strcmp(d->fixes[i].line, "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt") == 0)
            cafile = true;
    assert_int_equal(cafile, nothing);
    if (!with_cf) {
        for (i = 0; i < d->n_findings; i++)
            assert_false(d->findings[i].config);
        return;
    }
    k = finding_with(d, "The policy table entry \"fastmail.fm secure ciphers=high\"");
    assert_true(d->findings[k].config);
    assert_non_null(strstr(d->title, "probable cause: certificate name mismatch"));
    if (nothing) {
        k = finding_with(d, "smtp_tls_CApath = /etc/postfix/rootcas/ is not a directory here");
        assert_true(d->findings[k].proven);
        assert_true(d->findings[k].config);
    }
}

static void
test_founding(void **state)
{
    struct tlsp_cf *cf = founding_cf();
    int pass;

    (void)state;
    for (pass = 0; pass < 2; pass++) {
        struct tlsp_cf *c = pass == 0 ? cf : NULL;
        struct seen s;

        /* Postfix 2.x, verbose: every subjectAltName, Trusted chain (depth= verify=1). */
        check_founding(FOUNDING "maillog-extended.log", c, 6, true, 1);
        /* Postfix 3.7 lab: only the subject CN; depth= lines prove the chain trusted. */
        check_founding(FOUNDING "maillog-postfix37-lab.log", c, 1, false, 1);
        /* One status line: the probable cause, names unknown. */
        check_founding(FOUNDING "maillog-short.log", c, 0, false, -1);
        run_file(FOUNDING "maillog-short.log", c, &s);
        assert_int_equal(s.cause[0], TLSP_CAUSE_NOT_VERIFIED);
        assert_int_equal(s.first_problem.chain_trusted, -1);
        assert_true(s.first_problem.n_settle >= 1);
        assert_true(s.first_problem.n_unknown >= 1);
        check_short_sources(&s.first_problem, c != NULL);
        release(&s);
        run_file(FOUNDING "maillog-extended.log", c, &s);
        assert_int_equal(s.cause[0], TLSP_CAUSE_NAME_MISMATCH);
        release(&s);
        run_file(FOUNDING "maillog-postfix37-lab.log", c, &s);
        assert_int_equal(s.cause[0], TLSP_CAUSE_NAME_MISMATCH);
        release(&s);
    }
    tlsp_cf_free(cf);
}

/* A configuration whose level cannot have produced the logged deferral is
 * said to be another than the log's (here: level may for mismatch.test). */
static void
test_config_contradicts_log(void **state)
{
    struct tlsp_cf *cf = founding_cf();
    struct seen s;
    size_t i;
    bool said = false;

    (void)state;
    run_file(LOGS "name-mismatch-secure-ll1.log", cf, &s);
    assert_true(s.have_problem);
    assert_string_equal(s.first_problem.level, "may");
    assert_true(s.first_problem.level_from_config);
    for (i = 0; i < s.first_problem.n_findings; i++)
        if (strstr(s.first_problem.findings[i].text, "cannot have logged") &&
            s.first_problem.findings[i].proven && s.first_problem.findings[i].config)
            said = true;
    assert_true(said);
    release(&s);
    /* The founding log and its own configuration agree: nothing of the kind. */
    run_file(FOUNDING "maillog-postfix37-lab.log", cf, &s);
    for (i = 0; i < s.first_problem.n_findings; i++)
        assert_null(strstr(s.first_problem.findings[i].text, "cannot have logged"));
    release(&s);
    tlsp_cf_free(cf);
}

/* tlsp_logdiag_nexthop: with a relayhost, the next hop the configuration
 * routes the recipient to, when the log does not prove one. */
struct routed_seen {
    struct tlsp_cf *cf;
    char *with_cf, *without_cf;
    size_t n;
};

static void
on_attempt_routed(void *arg, const struct tlsp_attempt *a)
{
    struct routed_seen *rs = arg;

    rs->n++;
    assert_false(a->nexthop_routed);
    assert_int_equal(tlsp_logdiag_nexthop(a, rs->cf, &rs->with_cf), TLSP_OK);
    assert_int_equal(tlsp_logdiag_nexthop(a, NULL, &rs->without_cf), TLSP_OK);
}

static void
test_routed_nexthop(void **state)
{
    const char *paths[] = { TLSP_SOURCE_DIR "/tests/fixtures/explain-relayhost/relay.log" };
    struct routed_seen rs;
    struct tlsp_logscan *r = NULL;
    struct tlsp_attempts *as = NULL;
    struct tlsp_logscan_opts o;
    struct tlsp_logline line;
    struct tlsp_diag d;
    bool got;

    (void)state;
    memset(&rs, 0, sizeof(rs));
    memset(&o, 0, sizeof(o));
    o.year = 2026;
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(TLSP_SOURCE_DIR "/tests/fixtures/explain-relayhost", NULL, &rs.cf,
                                  &d),
                     TLSP_OK);
    assert_int_equal(tlsp_logscan_open(paths, 1, &o, &r, &d), TLSP_OK);
    assert_int_equal(tlsp_attempts_new(on_attempt_routed, &rs, &as), TLSP_OK);
    while (tlsp_logscan_next(r, &line, &got, &d) == TLSP_OK && got)
        assert_int_equal(tlsp_attempts_feed(as, &line), TLSP_OK);
    assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
    assert_int_equal(rs.n, 1);
    assert_non_null(rs.with_cf);
    assert_string_equal(rs.with_cf, "[smtp.isp.net]:587");
    assert_null(rs.without_cf);
    free(rs.with_cf);
    tlsp_attempts_free(as);
    tlsp_logscan_free(r);
    tlsp_cf_free(rs.cf);
    tlsp_diag_fini(&d);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_catalogue),
        cmocka_unit_test(test_handmade),
        cmocka_unit_test(test_config_contradicts_log),
        cmocka_unit_test(test_routed_nexthop),
        cmocka_unit_test(test_founding),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
