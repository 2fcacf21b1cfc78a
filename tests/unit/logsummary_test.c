/*
 * logsummary_test.c - the per-next-hop summary of log attempts: counts,
 * order, first/last seen, sample choice, exact and estimated distinct
 * messages, the next-hop cap, deep copies
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/logsummary.h>

/* A hand-made attempt; strings point at the caller's buffers. */
static struct tlsp_attempt
mk_attempt(const char *nexthop, const char *mx_host, const char *queue_id, long long when,
           int loglevel_seen)
{
    struct tlsp_attempt a;

    memset(&a, 0, sizeof(a));
    a.file = (char *)"maillog";
    a.lineno = (unsigned long long)(when > 0 ? when : 1);
    a.first_when = when;
    a.when = when;
    a.ident = (char *)"postfix/smtp";
    a.pid = 4242;
    a.queue_id = (char *)queue_id;
    a.nexthop = (char *)nexthop;
    a.nexthop_proven = nexthop != NULL;
    a.mx_host = (char *)mx_host;
    a.server = (char *)mx_host;
    a.end = TLSP_END_DEFERRED;
    a.status = (char *)"deferred";
    a.dsn = (char *)"4.7.5";
    a.reason = (char *)"Server certificate not verified";
    a.loglevel_seen = loglevel_seen;
    a.word = TLSP_WORD_NONE;
    a.dialect = TLSP_DIALECT_UNKNOWN;
    return a;
}

static struct tlsp_logdiag
mk_diag(enum tlsp_cause cause, const char *title)
{
    struct tlsp_logdiag d;

    memset(&d, 0, sizeof(d));
    d.cause = cause;
    d.title = (char *)title;
    d.tls_failure = cause != TLSP_CAUSE_NONE;
    d.chain_trusted = -1;
    return d;
}

static struct tlsp_logsummary *
new_summary(size_t max_nexthops, size_t exact, bool keep)
{
    struct tlsp_logsummary_opts o;
    struct tlsp_logsummary *s = NULL;

    memset(&o, 0, sizeof(o));
    o.max_nexthops = max_nexthops;
    o.exact_limit = exact;
    o.keep_attempts = keep;
    assert_int_equal(tlsp_logsummary_new(&o, &s), TLSP_OK);
    assert_non_null(s);
    return s;
}

static void
add(struct tlsp_logsummary *s, const char *nexthop, const char *mx, const char *qid, long long when,
    int ll, enum tlsp_cause cause)
{
    struct tlsp_attempt a = mk_attempt(nexthop, mx, qid, when, ll);
    struct tlsp_logdiag d =
        mk_diag(cause, cause == TLSP_CAUSE_NONE ? "delivered" : "a TLS problem");

    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
}

static void
test_refuses(void **state)
{
    struct tlsp_logsummary_opts o;
    struct tlsp_logsummary *s = (struct tlsp_logsummary *)1;
    struct tlsp_attempt a = mk_attempt("example.com", NULL, "Q1", 10, 1);
    struct tlsp_logdiag d = mk_diag(TLSP_CAUSE_HANDSHAKE, "handshake");

    (void)state;
    memset(&o, 0, sizeof(o));
    o.exact_limit = 65537;
    assert_int_equal(tlsp_logsummary_new(&o, &s), TLSP_INVAL);
    assert_null(s);
    assert_int_equal(tlsp_logsummary_new(NULL, NULL), TLSP_INVAL);
    s = new_summary(0, 0, false);
    assert_int_equal(tlsp_logsummary_add(s, NULL, &d), TLSP_INVAL);
    assert_int_equal(tlsp_logsummary_add(s, &a, NULL), TLSP_INVAL);
    assert_int_equal(tlsp_logsummary_add(NULL, &a, &d), TLSP_INVAL);
    tlsp_logsummary_free(s);
    tlsp_logsummary_free(NULL);
}

static void
test_counts_and_order(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 0, false);
    struct tlsp_logsummary_nexthop *const *v;
    struct tlsp_logsummary_totals t;
    size_t n;

    (void)state;
    /* fastmail.fm: 3 messages (one tried twice), 4 attempts with a name
     * mismatch, plus 1 delivered. */
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "A1", 1000, 1,
        TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "A2", 1100, 1,
        TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "A1", 1200, 1,
        TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    add(s, "fastmail.fm", "in2-smtp.messagingengine.com", "A3", 900, 1,
        TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "A9", 1300, 1, TLSP_CAUSE_NONE);
    /* b.example: 1 message, 5 attempts, two causes. */
    add(s, "b.example", "mx.b.example", "B1", 500, 0, TLSP_CAUSE_STARTTLS_NOT_OFFERED);
    add(s, "b.example", "mx.b.example", "B1", 600, 0, TLSP_CAUSE_STARTTLS_NOT_OFFERED);
    add(s, "b.example", "mx.b.example", "B1", 700, 0, TLSP_CAUSE_STARTTLS_NOT_OFFERED);
    add(s, "b.example", "mx.b.example", "B1", 800, 0, TLSP_CAUSE_HANDSHAKE);
    add(s, "b.example", "mx.b.example", "B1", 850, 0, TLSP_CAUSE_HANDSHAKE);
    /* a.example: 1 message, 5 attempts: ties with b.example but sorts first by name. */
    add(s, "a.example", "mx.a.example", "C1", 400, 1, TLSP_CAUSE_SELF_SIGNED);
    add(s, "a.example", "mx.a.example", "C1", 401, 1, TLSP_CAUSE_SELF_SIGNED);
    add(s, "a.example", "mx.a.example", "C1", 402, 1, TLSP_CAUSE_SELF_SIGNED);
    add(s, "a.example", "mx.a.example", "C1", 403, 1, TLSP_CAUSE_SELF_SIGNED);
    add(s, "a.example", "mx.a.example", "C1", 404, 1, TLSP_CAUSE_SELF_SIGNED);
    /* clean.example: only delivered, many attempts: last of the kept ones. */
    add(s, "clean.example", "mx.clean.example", "D1", 50, 1, TLSP_CAUSE_NONE);
    add(s, "clean.example", "mx.clean.example", "D2", 60, 1, TLSP_CAUSE_NONE);
    add(s, "clean.example", "mx.clean.example", "D3", 70, 1, TLSP_CAUSE_NONE);
    add(s, "clean.example", "mx.clean.example", "D4", 80, 1, TLSP_CAUSE_NONE);
    add(s, "clean.example", "mx.clean.example", "D5", 90, 1, TLSP_CAUSE_NONE);
    add(s, "clean.example", "mx.clean.example", "D6", 95, 1, TLSP_CAUSE_NONE);
    /* No next hop: grouped under the relay host, then under "unknown". */
    add(s, NULL, "relay.example", "E1", 2000, 1, TLSP_CAUSE_HANDSHAKE);
    add(s, NULL, NULL, "F1", 3000, 0, TLSP_CAUSE_POLICY_INVALID);

    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 6);
    assert_string_equal(v[0]->name, "fastmail.fm");
    assert_int_equal(v[0]->key, TLSP_LOGSUMMARY_NEXTHOP);
    assert_true(v[0]->nexthop_proven);
    assert_int_equal(v[0]->messages, 3);
    assert_false(v[0]->messages_approximate);
    assert_int_equal(v[0]->attempts, 5);
    assert_int_equal(v[0]->attempts_ok, 1);
    assert_int_equal(v[0]->attempts_failed, 4);
    assert_int_equal(v[0]->first, 900);
    assert_int_equal(v[0]->last, 1300);
    assert_int_equal(v[0]->n_groups, 1);
    assert_int_equal(v[0]->groups[0].cause, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN);
    assert_int_equal(v[0]->groups[0].attempts, 4);
    assert_int_equal(v[0]->groups[0].messages, 3);
    assert_int_equal(v[0]->groups[0].first, 900);
    assert_int_equal(v[0]->groups[0].last, 1200);

    assert_string_equal(v[1]->name, "a.example");
    assert_int_equal(v[1]->messages, 1);
    assert_int_equal(v[1]->attempts_failed, 5);
    assert_string_equal(v[2]->name, "b.example");
    assert_int_equal(v[2]->n_groups, 2);
    /* Groups: same messages (1), more attempts first. */
    assert_int_equal(v[2]->groups[0].cause, TLSP_CAUSE_STARTTLS_NOT_OFFERED);
    assert_int_equal(v[2]->groups[0].attempts, 3);
    assert_int_equal(v[2]->groups[0].first, 500);
    assert_int_equal(v[2]->groups[0].last, 700);
    assert_int_equal(v[2]->groups[1].cause, TLSP_CAUSE_HANDSHAKE);
    assert_int_equal(v[2]->groups[1].attempts, 2);

    /* One message, one attempt each: relay before unknown. */
    assert_int_equal(v[3]->key, TLSP_LOGSUMMARY_RELAY);
    assert_string_equal(v[3]->name, "relay.example");
    assert_false(v[3]->nexthop_proven);
    assert_int_equal(v[4]->key, TLSP_LOGSUMMARY_UNKNOWN);
    assert_null(v[4]->name);
    assert_int_equal(v[4]->groups[0].cause, TLSP_CAUSE_POLICY_INVALID);

    assert_string_equal(v[5]->name, "clean.example");
    assert_int_equal(v[5]->messages, 0);
    assert_int_equal(v[5]->attempts, 6);
    assert_int_equal(v[5]->attempts_ok, 6);
    assert_int_equal(v[5]->n_groups, 0);
    assert_int_equal(v[5]->first, 50);
    assert_int_equal(v[5]->last, 95);

    tlsp_logsummary_totals(s, &t);
    assert_int_equal(t.attempts, 23);
    assert_int_equal(t.attempts_failed, 16);
    assert_int_equal(t.messages_failed, 7); /* A1 A2 A3 B1 C1 E1 F1 */
    tlsp_logsummary_free(s);
}

static void
test_sample_choice(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 0, true);
    struct tlsp_logsummary_nexthop *const *v;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_finding f[3];
    char *names[] = {(char *)"*.messagingengine.com"};
    char *sans[] = {(char *)"messagingengine.com", (char *)"*.messagingengine.com"};
    struct tlsp_depth_line depth = {0, 1, (char *)"CN = *.messagingengine.com"};
    char *rcpts[] = {(char *)"someone@fastmail.fm"};
    char *warn[] = {(char *)"TLS policy lookup for fastmail.fm/x: bad"};
    size_t n;

    (void)state;
    /* Loglevel 0 first, then a loglevel-2 attempt (kept), then a later
     * loglevel-1 one (less detail: not kept), then a later loglevel-2 one
     * (same detail: the first stays). */
    memset(f, 0, sizeof(f));
    f[0].text = (char *)"The log proves it.";
    f[0].proven = true;
    f[1].text = (char *)"Probably this.";
    f[1].proven = false;
    f[2].text = (char *)"The configuration proves it.";
    f[2].proven = true;
    f[2].config = true;
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "Q0", 100, 0, TLSP_CAUSE_NAME_MISMATCH);
    a = mk_attempt("fastmail.fm", "in3-smtp.messagingengine.com", "Q3", 250, 2);
    a.end = TLSP_END_BOUNCED;
    a.dsn = (char *)"5.7.1";
    d = mk_diag(TLSP_CAUSE_NAME_MISMATCH, "second loglevel-2");
    d.findings = f;
    d.n_findings = 1;
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "Q1", 300, 1, TLSP_CAUSE_NAME_MISMATCH);
    a = mk_attempt("fastmail.fm", "in2-smtp.messagingengine.com", "Q2", 280, 2);
    a.sans = sans;
    a.n_sans = 2;
    a.depths = &depth;
    a.n_depths = 1;
    a.subject_cn = (char *)"*.messagingengine.com";
    d = mk_diag(TLSP_CAUSE_NAME_MISMATCH, "first loglevel-2");
    d.findings = f;
    d.n_findings = 2;
    d.cert_names = names;
    d.n_cert_names = 1;
    d.chain_trusted = 1;
    d.level = (char *)"secure";
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);

    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 1);
    {
        const struct tlsp_logsummary_sample *sm = &v[0]->groups[0].sample;

        assert_string_equal(sm->diag.title, "second loglevel-2");
        assert_string_equal(sm->queue_id, "Q3");
        assert_string_equal(sm->mx_host, "in3-smtp.messagingengine.com");
        assert_string_equal(sm->dsn, "5.7.1");
        assert_int_equal(sm->end, TLSP_END_BOUNCED);
        assert_int_equal(sm->loglevel_seen, 2);
        assert_int_equal(sm->when, 250);
        assert_string_equal(sm->file, "maillog");
        assert_int_equal(sm->lineno, 250);
        assert_int_equal(sm->diag.n_findings, 1);
        assert_ptr_not_equal(sm->diag.findings, f);
        assert_non_null(sm->attempt);
        assert_string_equal(sm->attempt->queue_id, "Q3");
        assert_ptr_not_equal(sm->attempt->queue_id, a.queue_id);
    }
    assert_int_equal(v[0]->groups[0].attempts, 4);
    assert_int_equal(v[0]->groups[0].first, 100);
    assert_int_equal(v[0]->groups[0].last, 300);
    tlsp_logsummary_free(s);

    /* The first loglevel-2 sample, when nothing later matches it. */
    s = new_summary(0, 0, true);
    a = mk_attempt("fastmail.fm", "in2-smtp.messagingengine.com", "Q2", 200, 2);
    a.rcpts = rcpts;
    a.n_rcpts = 1;
    a.n_rcpts_total = 3;
    a.warnings = warn;
    a.n_warnings = 1;
    a.cache_key = (char *)"smtp&fastmail.fm&in2-smtp.messagingengine.com&1.2.3.4&&ABC";
    a.sans = sans;
    a.n_sans = 2;
    a.depths = &depth;
    a.n_depths = 1;
    a.subject_cn = (char *)"*.messagingengine.com";
    d = mk_diag(TLSP_CAUSE_NAME_MISMATCH, "first loglevel-2");
    d.findings = f;
    d.n_findings = 3;
    d.cert_names = names;
    d.n_cert_names = 1;
    d.chain_trusted = 1;
    d.level = (char *)"secure";
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    add(s, "fastmail.fm", "in1-smtp.messagingengine.com", "Q1", 300, 1, TLSP_CAUSE_NAME_MISMATCH);
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    {
        const struct tlsp_logsummary_sample *sm = &v[0]->groups[0].sample;

        assert_string_equal(sm->diag.title, "first loglevel-2");
        assert_int_equal(sm->diag.n_findings, 3);
        assert_string_equal(sm->diag.findings[0].text, "The log proves it.");
        assert_true(sm->diag.findings[0].proven);
        assert_false(sm->diag.findings[0].config);
        assert_false(sm->diag.findings[1].proven);
        assert_false(sm->diag.findings[1].config);
        assert_true(sm->diag.findings[2].proven);
        assert_true(sm->diag.findings[2].config);
        assert_int_equal(sm->diag.n_cert_names, 1);
        assert_string_equal(sm->diag.cert_names[0], "*.messagingengine.com");
        assert_int_equal(sm->diag.chain_trusted, 1);
        assert_string_equal(sm->diag.level, "secure");
        assert_int_equal(sm->attempt->n_sans, 2);
        assert_string_equal(sm->attempt->sans[1], "*.messagingengine.com");
        assert_int_equal(sm->attempt->n_depths, 1);
        assert_string_equal(sm->attempt->depths[0].subject, "CN = *.messagingengine.com");
        assert_int_equal(sm->attempt->depths[0].verify, 1);
        assert_string_equal(sm->attempt->subject_cn, "*.messagingengine.com");
        assert_int_equal(sm->attempt->n_rcpts, 1);
        assert_string_equal(sm->attempt->rcpts[0], "someone@fastmail.fm");
        assert_ptr_not_equal(sm->attempt->rcpts[0], rcpts[0]);
        assert_int_equal(sm->attempt->n_rcpts_total, 3);
        assert_int_equal(sm->attempt->n_warnings, 1);
        assert_string_equal(sm->attempt->warnings[0], warn[0]);
        assert_string_equal(sm->attempt->cache_key,
                            "smtp&fastmail.fm&in2-smtp.messagingengine.com&1.2.3.4&&ABC");
        assert_null(sm->attempt->relay);
    }
    tlsp_logsummary_free(s);
}

static void
test_exact_then_estimate(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 256, false);
    struct tlsp_logsummary_nexthop *const *v;
    struct tlsp_logsummary_totals t;
    char qid[32];
    size_t n, i;

    (void)state;
    /* 256 distinct ids, each twice: exact. */
    for (i = 0; i < 512; i++) {
        snprintf(qid, sizeof(qid), "4F%05zX", i % 256);
        add(s, "big.example", "mx.big.example", qid, (long long)i, 1, TLSP_CAUSE_HANDSHAKE);
    }
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(v[0]->messages, 256);
    assert_false(v[0]->messages_approximate);
    assert_int_equal(v[0]->groups[0].messages, 256);
    assert_false(v[0]->groups[0].messages_approximate);
    /* The 257th goes over to the estimate. */
    add(s, "big.example", "mx.big.example", "4FFFFFF", 600, 1, TLSP_CAUSE_HANDSHAKE);
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_true(v[0]->messages_approximate);
    if (v[0]->messages < 244 || v[0]->messages > 270)
        fail_msg("estimate %llu for 257 distinct ids", v[0]->messages);
    /* 100 000 distinct ids: within 5 %. */
    for (i = 0; i < 100000 - 257; i++) {
        snprintf(qid, sizeof(qid), "3Zq%07zu", i);
        add(s, "big.example", "mx.big.example", qid, 700 + (long long)i, 1, TLSP_CAUSE_HANDSHAKE);
    }
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_true(v[0]->messages_approximate);
    if (v[0]->messages < 95000 || v[0]->messages > 105000)
        fail_msg("estimate %llu for 100000 distinct ids", v[0]->messages);
    assert_int_equal(v[0]->attempts, 512 + 1 + 100000 - 257);
    assert_int_equal(v[0]->groups[0].messages, v[0]->messages);
    tlsp_logsummary_totals(s, &t);
    assert_true(t.messages_approximate);
    assert_int_equal(t.messages_failed, v[0]->messages);
    tlsp_logsummary_free(s);
}

static void
test_estimate_accuracy(void **state)
{
    static const size_t sizes[] = {300, 1000, 5000, 20000, 100000, 300000};
    size_t k, i;
    char qid[32];

    (void)state;
    for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        struct tlsp_logsummary *s = new_summary(0, 0, false);
        struct tlsp_logsummary_nexthop *const *v;
        size_t n;
        double err;

        for (i = 0; i < sizes[k]; i++) {
            snprintf(qid, sizeof(qid), "%zX%zu", i * 7919 + k, i);
            add(s, "x.example", NULL, qid, 1, 1, TLSP_CAUSE_EXPIRED);
        }
        assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
        err = ((double)v[0]->messages - (double)sizes[k]) / (double)sizes[k];
        if (err < -0.05 || err > 0.05)
            fail_msg("%zu ids: estimate %llu", sizes[k], v[0]->messages);
        assert_true(v[0]->messages_approximate);
        tlsp_logsummary_free(s);
    }
}

static void
test_nexthop_cap(void **state)
{
    struct tlsp_logsummary *s = new_summary(3, 0, false);
    struct tlsp_logsummary_nexthop *const *v;
    struct tlsp_logsummary_totals t;
    size_t n;

    (void)state;
    add(s, "a.example", NULL, "A", 1, 1, TLSP_CAUSE_HANDSHAKE);
    add(s, "b.example", NULL, "B", 2, 1, TLSP_CAUSE_HANDSHAKE);
    add(s, "c.example", NULL, "C", 3, 1, TLSP_CAUSE_NONE);
    /* Full: these go to the OTHER entry, even with more messages. */
    add(s, "d.example", NULL, "D1", 4, 1, TLSP_CAUSE_EXPIRED);
    add(s, "d.example", NULL, "D2", 5, 1, TLSP_CAUSE_EXPIRED);
    add(s, "e.example", NULL, "E1", 6, 1, TLSP_CAUSE_SELF_SIGNED);
    add(s, "f.example", NULL, "F1", 7, 1, TLSP_CAUSE_NONE);
    /* Kept ones are still found. */
    add(s, "a.example", NULL, "A2", 8, 1, TLSP_CAUSE_HANDSHAKE);

    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0]->name, "a.example");
    assert_int_equal(v[0]->messages, 2);
    assert_string_equal(v[1]->name, "b.example");
    assert_string_equal(v[2]->name, "c.example");
    assert_int_equal(v[3]->key, TLSP_LOGSUMMARY_OTHER);
    assert_null(v[3]->name);
    assert_int_equal(v[3]->nexthops, 4); /* d (twice: not remembered), e, f */
    assert_int_equal(v[3]->attempts, 4);
    assert_int_equal(v[3]->attempts_ok, 1);
    assert_int_equal(v[3]->messages, 3);
    assert_int_equal(v[3]->n_groups, 2);
    assert_int_equal(v[3]->groups[0].cause, TLSP_CAUSE_EXPIRED);
    assert_int_equal(v[3]->groups[0].messages, 2);
    assert_int_equal(v[3]->groups[1].cause, TLSP_CAUSE_SELF_SIGNED);
    assert_int_equal(v[3]->first, 4);
    assert_int_equal(v[3]->last, 7);
    tlsp_logsummary_totals(s, &t);
    assert_int_equal(t.nexthops, 7);
    assert_int_equal(t.nexthops_other, 4);
    assert_int_equal(t.nexthops_failed, 2);
    assert_int_equal(t.attempts, 8);
    assert_int_equal(t.attempts_failed, 6);
    assert_int_equal(t.messages_failed, 6);
    tlsp_logsummary_free(s);
}

static void
test_many_nexthops(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 0, false);
    struct tlsp_logsummary_nexthop *const *v;
    char name[64], qid[32];
    size_t n, i;

    (void)state;
    /* Enough next hops to grow the table several times; next hop i gets
     * i % 5 + 1 messages. */
    for (i = 0; i < 5000; i++) {
        size_t k;

        snprintf(name, sizeof(name), "d%zu.example", i);
        for (k = 0; k <= i % 5; k++) {
            snprintf(qid, sizeof(qid), "Q%zuK%zu", i, k);
            add(s, name, NULL, qid, (long long)i, 1, TLSP_CAUSE_DANE_NO_TLSA);
        }
    }
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 5000);
    for (i = 0; i < n; i++) {
        assert_int_equal(v[i]->messages, v[i]->attempts);
        if (i > 0)
            assert_true(v[i - 1]->messages >= v[i]->messages);
    }
    assert_int_equal(v[0]->messages, 5);
    assert_string_equal(v[0]->name, "d1004.example"); /* names sort as strings */
    assert_int_equal(v[n - 1]->messages, 1);
    tlsp_logsummary_free(s);
}

static void
test_missing_fields(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 0, false);
    struct tlsp_logsummary_nexthop *const *v;
    size_t n;

    (void)state;
    /* No queue id: an attempt, not a message. Unknown times: no first/last;
     * of two attempts of equal detail the first stays the sample. */
    add(s, "x.example", NULL, NULL, -1, 1, TLSP_CAUSE_STARTTLS_REFUSED);
    add(s, "x.example", NULL, "Q1", -1, 1, TLSP_CAUSE_STARTTLS_REFUSED);
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0]->attempts, 2);
    assert_int_equal(v[0]->messages, 1);
    assert_int_equal(v[0]->first, -1);
    assert_int_equal(v[0]->last, -1);
    assert_int_equal(v[0]->groups[0].first, -1);
    assert_null(v[0]->groups[0].sample.queue_id);
    assert_null(v[0]->groups[0].sample.attempt);
    assert_null(v[0]->groups[0].sample.server);
    /* A time known later widens first and last. */
    add(s, "x.example", NULL, "Q2", 77, 0, TLSP_CAUSE_STARTTLS_REFUSED);
    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(v[0]->first, 77);
    assert_int_equal(v[0]->last, 77);
    assert_null(v[0]->groups[0].sample.queue_id); /* less detail: kept */
    tlsp_logsummary_free(s);
}

/* Messages the queue manager deferred while the destination was suspended
 * join the group of the failure whose reason they repeat. */
static void
test_suspended(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 0, false);
    struct tlsp_logsummary_nexthop *const *v;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    size_t n;

    (void)state;
    a = mk_attempt("example.org", "mx.example.org", "B1", 100, 0);
    d = mk_diag(TLSP_CAUSE_UNKNOWN_ISSUER, "unknown issuer");
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    a = mk_attempt("example.org", NULL, "D1", 104, -1);
    a.relay = (char *)"none";
    a.reason = (char *)"delivery temporarily suspended: Server certificate not verified";
    d = mk_diag(TLSP_CAUSE_NOT_VERIFIED, "not verified");
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    a.queue_id = (char *)"E1";
    a.when = a.first_when = 105;
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    /* Another reason: a group of its own. */
    a.queue_id = (char *)"F1";
    a.reason = (char *)"delivery temporarily suspended: Cannot start TLS: handshake failure";
    d = mk_diag(TLSP_CAUSE_HANDSHAKE, "handshake");
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);

    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0]->n_groups, 2);
    assert_int_equal(v[0]->groups[0].cause, TLSP_CAUSE_UNKNOWN_ISSUER);
    assert_int_equal(v[0]->groups[0].messages, 3);
    assert_int_equal(v[0]->groups[0].attempts, 3);
    assert_int_equal(v[0]->groups[0].first, 100);
    assert_int_equal(v[0]->groups[0].last, 105);
    assert_string_equal(v[0]->groups[0].sample.queue_id, "B1");
    assert_int_equal(v[0]->groups[1].cause, TLSP_CAUSE_HANDSHAKE);
    assert_int_equal(v[0]->groups[1].messages, 1);
    assert_int_equal(v[0]->messages, 4);
    tlsp_logsummary_free(s);
}

/* Two different policy errors for one next hop are two groups; the same
 * error twice is one. */
static void
test_policy_details(void **state)
{
    struct tlsp_logsummary *s = new_summary(0, 0, false);
    struct tlsp_logsummary_nexthop *const *v;
    char *w_level[] = {(char *)"smtp_tls_policy_maps, next-hop destination \"good.test\": "
                               "invalid security level \"bogus\"",
                       (char *)"TLS policy lookup for good.test/mx.good.test: client TLS "
                               "configuration problem"};
    char *w_attr[] = {(char *)"smtp_tls_policy_maps, next-hop destination \"good.test\": "
                              "invalid attribute name: \"foo\""};
    char *w_grade[] = {(char *)"mx.good.test[127.0.1.1]:25: invalid cipher grade: \"bogus\""};
    struct tlsp_attempt a;
    struct tlsp_logdiag d = mk_diag(TLSP_CAUSE_POLICY_INVALID, "invalid policy");
    size_t n, i;
    bool level = false, attr = false;

    (void)state;
    a = mk_attempt("good.test", NULL, "L1", 10, 0);
    a.warnings = w_level;
    a.n_warnings = 2;
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    a.queue_id = (char *)"L2";
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    a = mk_attempt("good.test", NULL, "A1", 20, 0);
    a.warnings = w_attr;
    a.n_warnings = 1;
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);
    a = mk_attempt("good.test", "mx.good.test", "C1", 30, 0);
    a.warnings = w_grade;
    a.n_warnings = 1;
    d = mk_diag(TLSP_CAUSE_BAD_CIPHERS, "bad ciphers");
    assert_int_equal(tlsp_logsummary_add(s, &a, &d), TLSP_OK);

    assert_int_equal(tlsp_logsummary_sorted(s, &v, &n), TLSP_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0]->n_groups, 3);
    for (i = 0; i < v[0]->n_groups; i++) {
        const struct tlsp_logsummary_group *g = &v[0]->groups[i];

        assert_non_null(g->detail);
        if (strcmp(g->detail, "invalid security level \"bogus\"") == 0) {
            level = true;
            assert_int_equal(g->messages, 2);
        } else if (strcmp(g->detail, "invalid attribute name: \"foo\"") == 0) {
            attr = true;
            assert_int_equal(g->messages, 1);
        } else {
            assert_string_equal(g->detail, "invalid cipher grade: \"bogus\"");
            assert_int_equal(g->cause, TLSP_CAUSE_BAD_CIPHERS);
        }
    }
    assert_true(level);
    assert_true(attr);
    tlsp_logsummary_free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_refuses),
        cmocka_unit_test(test_counts_and_order),
        cmocka_unit_test(test_sample_choice),
        cmocka_unit_test(test_suspended),
        cmocka_unit_test(test_policy_details),
        cmocka_unit_test(test_exact_then_estimate),
        cmocka_unit_test(test_estimate_accuracy),
        cmocka_unit_test(test_nexthop_cap),
        cmocka_unit_test(test_many_nexthops),
        cmocka_unit_test(test_missing_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
