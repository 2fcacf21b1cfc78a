/*
 * attempt_test.c - delivery attempts assembled from Postfix log lines
 * (include/tlspolicy/attempt.h): the real Postfix 3.7 recordings of
 * tests/fixtures/logs/, the founding case's logs, the hand-made fixtures of
 * tests/fixtures/logs/handmade/ and the bounds.
 *
 * The lines are split by a small splitter of the traditional format below,
 * kept here on purpose: the real reader is lib/logscan.c (logscan.h), and
 * this test must not depend on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <tlspolicy/attempt.h>

#include "testutil.h"

/* ------------------------------------------------------------------ */
/* Test-local splitter: "Mmm dd hh:mm:ss host ident[pid]: msg" only.    */
/* (The real reader, with every format, is lib/logscan.c.)              */

static bool
split_line(const char *s, struct tlsp_logline *l)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    const char *p, *m, *host, *ident, *lb;
    struct tm tm;
    int mon, day, hh, mm, ss;

    memset(l, 0, sizeof(*l));
    if (strlen(s) < 16 || (m = strstr(months, (char[4]){s[0], s[1], s[2], 0})) == NULL ||
        (m - months) % 3 != 0)
        return false;
    mon = (int)((m - months) / 3);
    if (sscanf(s + 4, "%d %d:%d:%d", &day, &hh, &mm, &ss) != 4)
        return false;
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = 2026 - 1900;
    tm.tm_mon = mon;
    tm.tm_mday = day;
    tm.tm_hour = hh;
    tm.tm_min = mm;
    tm.tm_sec = ss;
    l->when = (long long)timegm(&tm);
    host = s + 16;
    if ((p = strchr(host, ' ')) == NULL)
        return false;
    l->host = host;
    l->host_len = (size_t)(p - host);
    ident = p + 1;
    if ((lb = strchr(ident, '[')) == NULL || (p = strstr(lb, "]: ")) == NULL)
        return false;
    l->ident = ident;
    l->ident_len = (size_t)(lb - ident);
    l->program = ident;
    for (m = ident; m < lb; m++)
        if (*m == '/')
            l->program = m + 1;
    l->program_len = (size_t)(lb - l->program);
    l->pid = strtol(lb + 1, NULL, 10);
    l->msg = p + 3;
    l->msg_len = strlen(p + 3);
    l->utc_offset_s = 0;
    return true;
}

/* ------------------------------------------------------------------ */
/* Copies of emitted attempts                                          */

#define MAX_RECS 16

struct rec {
    char *file, *ident, *queue_id, *relay, *dsn, *status, *reason, *nexthop, *service, *server,
        *mx_host, *cache_key, *protocol, *cipher, *verify_error, *verify_purpose, *matched_san,
        *common_name, *subject_cn, *issuer_cn, *cert_fpt, *pkey_fpt, *matched_peername,
        *handshake_error, *engine_error;
    unsigned long long lineno;
    long long first_when, when;
    long pid;
    size_t n_rcpts;
    unsigned long n_rcpts_total;
    char *rcpts[4];
    enum tlsp_attempt_end end;
    bool nexthop_proven, tls_setup, via_tlsproxy, reused, resumed, matched_other, note;
    int loglevel;
    enum tlsp_dialect dialect;
    enum tlsp_word word;
    size_t n_depths;
    int depth[16], verify[16];
    char *depth_subject[16];
    size_t n_sans;
    char *sans[8];
    size_t n_warnings;
    char *warnings[8];
};

struct capture {
    struct rec r[MAX_RECS];
    size_t n;
    unsigned long long total;
};

static char *
dupn(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void
capture_fn(void *arg, const struct tlsp_attempt *a)
{
    struct capture *c = arg;
    struct rec *r;
    size_t i;

    c->total++;
    if (c->n >= MAX_RECS)
        return;
    r = &c->r[c->n++];
    memset(r, 0, sizeof(*r));
#define C(f) r->f = dupn(a->f)
    C(file);
    C(ident);
    C(queue_id);
    C(relay);
    C(dsn);
    C(status);
    C(reason);
    C(nexthop);
    C(service);
    C(server);
    C(mx_host);
    C(cache_key);
    C(protocol);
    C(cipher);
    C(verify_error);
    C(verify_purpose);
    C(matched_san);
    C(common_name);
    C(subject_cn);
    C(issuer_cn);
    C(cert_fpt);
    C(pkey_fpt);
    C(matched_peername);
    C(handshake_error);
    C(engine_error);
#undef C
    r->lineno = a->lineno;
    r->first_when = a->first_when;
    r->when = a->when;
    r->pid = a->pid;
    r->n_rcpts = a->n_rcpts;
    r->n_rcpts_total = a->n_rcpts_total;
    for (i = 0; i < a->n_rcpts && i < 4; i++)
        r->rcpts[i] = dupn(a->rcpts[i]);
    r->end = a->end;
    r->nexthop_proven = a->nexthop_proven;
    r->tls_setup = a->tls_setup;
    r->via_tlsproxy = a->via_tlsproxy;
    r->reused = a->reused;
    r->resumed = a->resumed;
    r->matched_other = a->matched_other;
    r->note = a->starttls_offered_note;
    r->loglevel = a->loglevel_seen;
    r->dialect = a->dialect;
    r->word = a->word;
    r->n_depths = a->n_depths;
    for (i = 0; i < a->n_depths && i < 16; i++) {
        r->depth[i] = a->depths[i].depth;
        r->verify[i] = a->depths[i].verify;
        r->depth_subject[i] = dupn(a->depths[i].subject);
    }
    r->n_sans = a->n_sans;
    for (i = 0; i < a->n_sans && i < 8; i++)
        r->sans[i] = dupn(a->sans[i]);
    r->n_warnings = a->n_warnings;
    for (i = 0; i < a->n_warnings && i < 8; i++)
        r->warnings[i] = dupn(a->warnings[i]);
}

static void
capture_free(struct capture *c)
{
    size_t i, j;

    for (i = 0; i < c->n; i++) {
        struct rec *r = &c->r[i];
        char **strs[] = {
            &r->file,        &r->ident,       &r->queue_id,         &r->relay,
            &r->dsn,         &r->status,      &r->reason,           &r->nexthop,
            &r->service,     &r->server,      &r->mx_host,          &r->cache_key,
            &r->protocol,    &r->cipher,      &r->verify_error,     &r->verify_purpose,
            &r->matched_san, &r->common_name, &r->subject_cn,       &r->issuer_cn,
            &r->cert_fpt,    &r->pkey_fpt,    &r->matched_peername, &r->handshake_error,
            &r->engine_error};

        for (j = 0; j < sizeof(strs) / sizeof(strs[0]); j++)
            free(*strs[j]);
        for (j = 0; j < 4; j++)
            free(r->rcpts[j]);
        for (j = 0; j < 16; j++)
            free(r->depth_subject[j]);
        for (j = 0; j < 8; j++) {
            free(r->sans[j]);
            free(r->warnings[j]);
        }
    }
    memset(c, 0, sizeof(*c));
}

/* assert_string_equal that accepts NULL on either side. */
#define assert_str(got, want)                                                                      \
    do {                                                                                           \
        const char *g_ = (got), *w_ = (want);                                                      \
        if (w_ == NULL)                                                                            \
            assert_null(g_);                                                                       \
        else {                                                                                     \
            assert_non_null(g_);                                                                   \
            assert_string_equal(g_, w_);                                                           \
        }                                                                                          \
    } while (0)

static void
feed_one(struct tlsp_attempts *as, const char *file, unsigned long long lineno, const char *text)
{
    struct tlsp_logline l;

    if (!split_line(text, &l))
        return;
    l.file = file;
    l.lineno = lineno;
    assert_int_equal(tlsp_attempts_feed(as, &l), TLSP_OK);
}

/* Feed a whole file (relative to the source tree) and finish. */
static void
run_file(const char *rel, struct capture *c, struct tlsp_attempts_stats *st)
{
    char *path = tu_source_path(rel);
    FILE *fp = fopen(path, "r");
    struct tlsp_attempts *as = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long long lineno = 0;

    if (fp == NULL)
        fail_msg("cannot open %s", path);
    memset(c, 0, sizeof(*c));
    assert_int_equal(tlsp_attempts_new(capture_fn, c, &as), TLSP_OK);
    while ((n = getline(&line, &cap, fp)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[n - 1] = 0;
        feed_one(as, rel, ++lineno, line);
    }
    assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
    if (st)
        tlsp_attempts_stats(as, st);
    tlsp_attempts_free(as);
    free(line);
    fclose(fp);
    free(path);
}

/* Feed lines given as one text, "\n"-separated. */
static void
run_text(const char *text, struct capture *c, struct tlsp_attempts_stats *st)
{
    struct tlsp_attempts *as = NULL;
    const char *p = text;
    unsigned long long lineno = 0;

    memset(c, 0, sizeof(*c));
    assert_int_equal(tlsp_attempts_new(capture_fn, c, &as), TLSP_OK);
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *one = strndup(p, n);

        feed_one(as, "text", ++lineno, one);
        free(one);
        p += n + (e ? 1 : 0);
    }
    assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
    if (st)
        tlsp_attempts_stats(as, st);
    tlsp_attempts_free(as);
}

/* ------------------------------------------------------------------ */
/* The real recordings (tests/fixtures/logs/README.md)                 */

struct want {
    const char *file;
    const char *qid;
    const char *relay; /* also the server, unless "none" */
    const char *dsn;
    enum tlsp_attempt_end end;
    const char *reason;
    enum tlsp_word word;
    const char *verify_error;
    const char *purpose;
    const char *nexthop;
    int loglevel;
    enum tlsp_dialect dialect;
    size_t n_depths;
    const char *subject_cn;
    const char *issuer_cn;
    const char *handshake_error;
    size_t n_warnings;
    const char *warning0;
};

#define NV "Server certificate not verified"
#define HS "Cannot start TLS: handshake failure"
#define CTP "client TLS configuration problem"
#define LAB "Lab Catalogue Issuing CA"
#define TLP40                                                                                      \
    "TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake "                     \
    "failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:"
#define TLP70                                                                                      \
    "TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol "                      \
    "version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:"
#define DIR "tests/fixtures/logs/"

static const struct want recorded[] = {
    {DIR "verified-secure-ll1.log", "855A8A7220F", "mx.good.test[127.0.1.1]:25", "2.0.0",
     TLSP_END_SENT, "250 2.0.0 Ok: queued as 1796522838.620327.187.1.eml", TLSP_WORD_VERIFIED, NULL,
     NULL, "good.test", 1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "verified-secure-ll2.log", "594EFA7250E", "mx.good.test[127.0.1.1]:25", "2.0.0",
     TLSP_END_SENT, "250 2.0.0 Ok: queued as 1796522840.436271.187.2.eml", TLSP_WORD_VERIFIED, NULL,
     NULL, "good.test", 2, TLSP_DIALECT_UNKNOWN, 3, "mx.good.test", LAB, NULL, 0, NULL},
    {DIR "name-mismatch-secure-ll1.log", "764D2A7251C", "mx.mismatch.test[127.0.1.2]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "num=62:hostname mismatch", "server",
     "mismatch.test", 1, TLSP_DIALECT_36, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "name-mismatch-secure-ll2.log", "985D8A72032", "mx.mismatch.test[127.0.1.2]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "num=62:hostname mismatch", "server",
     "mismatch.test", 2, TLSP_DIALECT_36, 4, "smtp.provider.test", LAB, NULL, 0, NULL},
    {DIR "name-mismatch-verify-ll1.log", "7268AA721BB", "mx.mismatch.test[127.0.1.2]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "num=62:hostname mismatch", "server",
     "mismatch.test", 1, TLSP_DIALECT_36, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "name-mismatch-verify-ll2.log", "96351A72084", "mx.mismatch.test[127.0.1.2]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "num=62:hostname mismatch", "server",
     "mismatch.test", 2, TLSP_DIALECT_36, 4, "smtp.provider.test", LAB, NULL, 0, NULL},
    {DIR "untrusted-issuer-ll1.log", "6EA15A721C3", "mx.untrusted.test[127.0.1.3]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED,
     "untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA", NULL, "untrusted.test", 1,
     TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "untrusted-issuer-ll2.log", "8C6D1A72004", "mx.untrusted.test[127.0.1.3]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED,
     "untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA", NULL, "untrusted.test", 2,
     TLSP_DIALECT_UNKNOWN, 3, "mx.untrusted.test", "Elsewhere Root CA", NULL, 0, NULL},
    {DIR "missing-intermediate-ll1.log", "64997A72035", "mx.nointer.test[127.0.1.4]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED,
     "untrusted issuer /O=Lab Catalogue/CN=Lab Catalogue Issuing CA", NULL, "nointer.test", 1,
     TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "missing-intermediate-ll2.log", "87C05A72022", "mx.nointer.test[127.0.1.4]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED,
     "untrusted issuer /O=Lab Catalogue/CN=Lab Catalogue Issuing CA", NULL, "nointer.test", 2,
     TLSP_DIALECT_UNKNOWN, 3, "mx.nointer.test", LAB, NULL, 0, NULL},
    {DIR "self-signed-ll1.log", "7855FA72036", "mx.selfsigned.test[127.0.1.5]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "self-signed certificate", NULL, "selfsigned.test",
     1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "self-signed-ll2.log", "B4EAAA72023", "mx.selfsigned.test[127.0.1.5]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "self-signed certificate", NULL, "selfsigned.test",
     2, TLSP_DIALECT_UNKNOWN, 2, "mx.selfsigned.test", "mx.selfsigned.test", NULL, 0, NULL},
    {DIR "expired-ll1.log", "7373FA72037", "mx.expired.test[127.0.1.6]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "certificate has expired", "server",
     "expired.test", 1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "expired-ll2.log", "94009A72038", "mx.expired.test[127.0.1.6]:25", "4.7.5",
     TLSP_END_DEFERRED, NV, TLSP_WORD_UNTRUSTED, "certificate has expired", "server",
     "expired.test", 2, TLSP_DIALECT_UNKNOWN, 4, "mx.expired.test", LAB, NULL, 0, NULL},
    {DIR "starttls-not-offered-ll1.log", "689D0A72039", "mx.nostarttls.test[127.0.1.7]:25", "4.7.4",
     TLSP_END_DEFERRED,
     "TLS is required, but was not offered by host mx.nostarttls.test[127.0.1.7]", TLSP_WORD_NONE,
     NULL, NULL, "nostarttls.test", -1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "starttls-not-offered-ll2.log", "8A3BBA7203B", "mx.nostarttls.test[127.0.1.7]:25", "4.7.4",
     TLSP_END_DEFERRED,
     "TLS is required, but was not offered by host mx.nostarttls.test[127.0.1.7]", TLSP_WORD_NONE,
     NULL, NULL, "nostarttls.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "starttls-454-ll1.log", "5F0C7A7203C", "mx.tls454.test[127.0.1.8]:25", "4.7.0",
     TLSP_END_DEFERRED,
     "TLS is required, but host mx.tls454.test[127.0.1.8] refused to start TLS: 454 4.7.0 TLS "
     "not available due to local problem",
     TLSP_WORD_NONE, NULL, NULL, "tls454.test", -1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0,
     NULL},
    {DIR "starttls-454-ll2.log", "7C655A7203D", "mx.tls454.test[127.0.1.8]:25", "4.7.0",
     TLSP_END_DEFERRED,
     "TLS is required, but host mx.tls454.test[127.0.1.8] refused to start TLS: 454 4.7.0 TLS "
     "not available due to local problem",
     TLSP_WORD_NONE, NULL, NULL, "tls454.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0,
     NULL},
    {DIR "starttls-554-ll1.log", "9BAFCA7203E", "mx.tls554.test[127.0.1.9]:25", "5.7.3",
     TLSP_END_BOUNCED,
     "TLS is required, but host mx.tls554.test[127.0.1.9] refused to start TLS: 554 5.7.3 TLS "
     "not available",
     TLSP_WORD_NONE, NULL, NULL, "tls554.test", -1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0,
     NULL},
    {DIR "starttls-554-ll2.log", "6DD63A7203F", "mx.tls554.test[127.0.1.9]:25", "5.7.3",
     TLSP_END_BOUNCED,
     "TLS is required, but host mx.tls554.test[127.0.1.9] refused to start TLS: 554 5.7.3 TLS "
     "not available",
     TLSP_WORD_NONE, NULL, NULL, "tls554.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0,
     NULL},
    {DIR "handshake-protocol-mismatch-ll1.log", "A2923A72096", "mx.anon.test[127.0.1.10]:25",
     "4.7.5", TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "anon.test", 0,
     TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, "-1", 1, TLP70},
    {DIR "handshake-protocol-mismatch-ll2.log", "76F86A72040", "mx.anon.test[127.0.1.10]:25",
     "4.7.5", TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "anon.test", 2,
     TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, "-1", 1, TLP70},
    {DIR "handshake-cipher-mismatch-ll1.log", "B1A00A72097", "mx.anon.test[127.0.1.10]:25", "4.7.5",
     TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "anon.test", 0, TLSP_DIALECT_UNKNOWN, 0,
     NULL, NULL, "-1", 1, TLP40},
    {DIR "handshake-cipher-mismatch-ll2.log", "87156A720C2", "mx.anon.test[127.0.1.10]:25", "4.7.5",
     TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "anon.test", 2, TLSP_DIALECT_UNKNOWN, 0,
     NULL, NULL, "-1", 1, TLP40},
    {DIR "handshake-alert-ll1.log", "78000A72098", "mx.alert.test[127.0.1.11]:25", "4.7.5",
     TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "alert.test", 0, TLSP_DIALECT_UNKNOWN, 0,
     NULL, NULL, "-1", 1, TLP40},
    {DIR "handshake-alert-ll2.log", "B0780A72056", "mx.alert.test[127.0.1.11]:25", "4.7.5",
     TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "alert.test", 2, TLSP_DIALECT_UNKNOWN, 0,
     NULL, NULL, "-1", 1, TLP40},
    {DIR "invalid-ciphers-ll1.log", "A0277A7204E", "mx.good.test[127.0.1.1]:25", "4.7.5",
     TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "good.test", 0, TLSP_DIALECT_UNKNOWN, 0,
     NULL, NULL, NULL, 1, "mx.good.test[127.0.1.1]:25: invalid cipher grade: \"bogus\""},
    {DIR "invalid-ciphers-ll2.log", "8ECC9A7204F", "mx.good.test[127.0.1.1]:25", "4.7.5",
     TLSP_END_DEFERRED, HS, TLSP_WORD_NONE, NULL, NULL, "good.test", 2, TLSP_DIALECT_UNKNOWN, 0,
     NULL, NULL, NULL, 1, "mx.good.test[127.0.1.1]:25: invalid cipher grade: \"bogus\""},
    {DIR "invalid-attribute-ll1.log", "7E25BA72050", "none", "4.7.5", TLSP_END_DEFERRED, CTP,
     TLSP_WORD_NONE, NULL, NULL, "good.test", 0, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 2,
     "smtp_tls_policy_maps, next-hop destination \"good.test\": invalid attribute name: \"foo\""},
    {DIR "invalid-attribute-ll2.log", "58369A72064", "none", "4.7.5", TLSP_END_DEFERRED, CTP,
     TLSP_WORD_NONE, NULL, NULL, "good.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 2,
     "smtp_tls_policy_maps, next-hop destination \"good.test\": invalid attribute name: \"foo\""},
    {DIR "invalid-level-ll1.log", "92260A72086", "none", "4.7.5", TLSP_END_DEFERRED, CTP,
     TLSP_WORD_NONE, NULL, NULL, "good.test", 0, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 2,
     "smtp_tls_policy_maps, next-hop destination \"good.test\": invalid security level \"bogus\""},
    {DIR "invalid-level-ll2.log", "691E5A72065", "none", "4.7.5", TLSP_END_DEFERRED, CTP,
     TLSP_WORD_NONE, NULL, NULL, "good.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 2,
     "smtp_tls_policy_maps, next-hop destination \"good.test\": invalid security level \"bogus\""},
    {DIR "missing-table-ll1.log", "A2516A720A2", "none", "4.7.5", TLSP_END_DEFERRED, CTP,
     TLSP_WORD_NONE, NULL, NULL, "good.test", 0, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 5,
     "open database /tmp/tlsp-lab.ZWy6xk/record-logs/tls_policy.db: No such file or directory"},
    {DIR "missing-table-ll2.log", "7EE2DA72013", "none", "4.7.5", TLSP_END_DEFERRED, CTP,
     TLSP_WORD_NONE, NULL, NULL, "good.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 5,
     "open database /tmp/tlsp-lab.ZWy6xk/record-logs/tls_policy.db: No such file or directory"},
    {DIR "unreadable-cafile-ll1.log", "77129A720D2", "mx.good.test[127.0.1.1]:25", "4.7.5",
     TLSP_END_DEFERRED, "TLS is required, but our TLS engine is unavailable", TLSP_WORD_NONE, NULL,
     NULL, "good.test", 0, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 3,
     "TLS library problem: error:80000002:system library::No such file or "
     "directory:../crypto/bio/bss_file.c:67:calling "
     "fopen(/tmp/tlsp-lab.ZWy6xk/record-logs/no-such-cafile.pem, r):"},
    {DIR "unreadable-cafile-ll2.log", "9DD0BA720D3", "mx.good.test[127.0.1.1]:25", "4.7.5",
     TLSP_END_DEFERRED, "TLS is required, but our TLS engine is unavailable", TLSP_WORD_NONE, NULL,
     NULL, "good.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 3,
     "TLS library problem: error:80000002:system library::No such file or "
     "directory:../crypto/bio/bss_file.c:67:calling "
     "fopen(/tmp/tlsp-lab.ZWy6xk/record-logs/no-such-cafile.pem, r):"},
    /* the last attempt of the two-attempt logs; the others are checked below */
    {DIR "first-mx-soft-failure-ll1.log", "723F7A720F1", "mx2.twomx.test[127.0.1.13]:25", "2.0.0",
     TLSP_END_SENT, "250 2.0.0 Ok: queued as 1796522911.536318.187.3.eml", TLSP_WORD_VERIFIED, NULL,
     NULL, "twomx.test", 1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "first-mx-soft-failure-ll2.log", "A6745A720D7", "mx2.twomx.test[127.0.1.13]:25", "2.0.0",
     TLSP_END_SENT, "250 2.0.0 Ok: queued as 1796522913.752310.187.4.eml", TLSP_WORD_VERIFIED, NULL,
     NULL, "twomx.test", 2, TLSP_DIALECT_UNKNOWN, 3, "mx2.twomx.test", LAB, NULL, 0, NULL},
    {DIR "may-plaintext-fallback-ll1.log", "76EA1A720F3", "mx.alert.test[127.0.1.11]:25", "2.0.0",
     TLSP_END_SENT, "250 2.0.0 Ok: queued as 1796522917.524988.187.5.eml", TLSP_WORD_NONE, NULL,
     NULL, "alert.test", -1, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
    {DIR "may-plaintext-fallback-ll2.log", "7113BA72014", "mx.alert.test[127.0.1.11]:25", "2.0.0",
     TLSP_END_SENT, "250 2.0.0 Ok: queued as 1796522921.504036.187.6.eml", TLSP_WORD_NONE, NULL,
     NULL, "alert.test", 2, TLSP_DIALECT_UNKNOWN, 0, NULL, NULL, NULL, 0, NULL},
};

static void
check_want(const struct rec *r, const struct want *w)
{
    bool none = strcmp(w->relay, "none") == 0;

    assert_str(r->queue_id, w->qid);
    assert_str(r->relay, w->relay);
    assert_str(r->server, none ? NULL : w->relay);
    assert_str(r->dsn, w->dsn);
    assert_int_equal(r->end, w->end);
    assert_str(r->reason, w->reason);
    assert_int_equal(r->word, w->word);
    assert_str(r->verify_error, w->verify_error);
    assert_str(r->verify_purpose, w->purpose);
    assert_str(r->nexthop, w->nexthop);
    /* Only "TLS policy lookup for DEST/HOST" (relay=none) names the next hop. */
    assert_int_equal(r->nexthop_proven, none);
    assert_int_equal(r->loglevel, w->loglevel);
    assert_int_equal(r->dialect, w->dialect);
    assert_int_equal(r->n_depths, w->n_depths);
    assert_str(r->subject_cn, w->subject_cn);
    assert_str(r->issuer_cn, w->issuer_cn);
    assert_str(r->handshake_error, w->handshake_error);
    assert_int_equal(r->n_warnings, w->n_warnings);
    if (w->warning0)
        assert_str(r->warnings[0], w->warning0);
    assert_int_equal(r->n_rcpts, 1);
    assert_int_equal(r->n_rcpts_total, 1);
    assert_false(r->via_tlsproxy);
    assert_false(r->resumed);
    assert_null(r->cache_key);
    assert_int_equal(r->n_sans, 0);
    assert_null(r->common_name);
    assert_str(r->ident, "postfix/smtp");
}

static void
test_recorded_logs(void **state)
{
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(recorded) / sizeof(recorded[0]); i++) {
        const struct want *w = &recorded[i];
        struct capture c;
        struct tlsp_attempts_stats st;
        size_t want_n = strstr(w->file, "first-mx") ? 2 : strstr(w->file, "may-plain") ? 4 : 1;

        print_message("%s\n", w->file);
        run_file(w->file, &c, &st);
        assert_int_equal(c.n, want_n);
        assert_int_equal(st.attempts, want_n);
        assert_int_equal(st.unfinished, 0);
        assert_int_equal(st.dropped, 0);
        check_want(&c.r[c.n - 1], w);
        assert_str(c.r[c.n - 1].file, w->file);
        capture_free(&c);
    }
}

/* Details the table does not hold. */
static void
test_recorded_details(void **state)
{
    struct capture c;

    (void)state;
    /* verified-secure ll2: depth lines in order, peername, fingerprints, setup */
    run_file(DIR "verified-secure-ll2.log", &c, NULL);
    assert_int_equal(c.r[0].depth[0], 2);
    assert_int_equal(c.r[0].depth[2], 0);
    assert_int_equal(c.r[0].verify[0] + c.r[0].verify[1] + c.r[0].verify[2], 3);
    assert_str(c.r[0].depth_subject[2], "/O=Good Mail/CN=mx.good.test");
    assert_str(c.r[0].matched_peername, "good.test");
    assert_true(c.r[0].tls_setup);
    assert_str(c.r[0].protocol, "TLSv1.3");
    assert_str(c.r[0].cipher, "TLS_AES_256_GCM_SHA384");
    assert_str(c.r[0].cert_fpt, "0E:CE:67:BA:B0:CC:EC:A1:FC:21:86:B0:75:5E:D1:CF:58:3D:45:D1:6F:"
                                "8C:69:04:F3:EE:BB:AB:B6:5A:5B:AC");
    assert_str(c.r[0].pkey_fpt, "E6:FD:76:DC:BD:A9:1A:C0:4E:EB:93:77:72:18:50:62:24:05:59:A8:1E:"
                                "1F:44:15:68:FD:89:09:3D:D9:5E:1A");
    assert_str(c.r[0].mx_host, "mx.good.test");
    assert_int_equal(c.r[0].pid, 865);
    assert_int_equal(c.r[0].lineno, 26);
    assert_true(c.r[0].first_when < c.r[0].when || c.r[0].first_when == c.r[0].when);
    capture_free(&c);

    /* name-mismatch ll2: the first depth-0 line fails, the last succeeds */
    run_file(DIR "name-mismatch-secure-ll2.log", &c, NULL);
    assert_int_equal(c.r[0].depth[0], 0);
    assert_int_equal(c.r[0].verify[0], 0);
    assert_int_equal(c.r[0].depth[3], 0);
    assert_int_equal(c.r[0].verify[3], 1);
    assert_null(c.r[0].matched_peername);
    capture_free(&c);

    /* unreadable CAfile: the engine error names the file */
    run_file(DIR "unreadable-cafile-ll1.log", &c, NULL);
    assert_str(c.r[0].engine_error, "cannot load Certification Authority data, "
                                    "CAfile=\"/tmp/tlsp-lab.ZWy6xk/record-logs/"
                                    "no-such-cafile.pem\": disabling TLS support");
    capture_free(&c);

    /* missing table: every warning, in order */
    run_file(DIR "missing-table-ll2.log", &c, NULL);
    assert_str(c.r[0].warnings[1],
               "hash:/tmp/tlsp-lab.ZWy6xk/record-logs/tls_policy is unavailable. open database "
               "/tmp/tlsp-lab.ZWy6xk/record-logs/tls_policy.db: No such file or directory");
    assert_str(c.r[0].warnings[2],
               "hash:/tmp/tlsp-lab.ZWy6xk/record-logs/tls_policy lookup error for \"good.test\"");
    assert_str(c.r[0].warnings[3], "smtp_tls_policy_maps, next-hop destination \"good.test\": "
                                   "policy table lookup error");
    assert_str(c.r[0].warnings[4],
               "TLS policy lookup for good.test/mx.good.test: client TLS configuration problem");
    /* No connection, but the warning names the next hop and the MX host. */
    assert_str(c.r[0].mx_host, "mx.good.test");
    assert_null(c.r[0].server);
    assert_str(c.r[0].nexthop, "good.test");
    assert_true(c.r[0].nexthop_proven);
    capture_free(&c);
}

static void
test_first_mx_soft_failure(void **state)
{
    const char *files[] = {DIR "first-mx-soft-failure-ll1.log",
                           DIR "first-mx-soft-failure-ll2.log"};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct capture c;
        const struct rec *r;

        run_file(files[i], &c, NULL);
        assert_int_equal(c.n, 2);
        r = &c.r[0];
        assert_int_equal(r->end, TLSP_END_NEXT);
        assert_str(r->queue_id, c.r[1].queue_id);
        assert_str(r->reason, NV);
        assert_null(r->relay);
        assert_null(r->dsn);
        assert_null(r->status);
        assert_int_equal(r->n_rcpts, 0);
        assert_str(r->verify_error, "self-signed certificate");
        assert_null(r->verify_purpose);
        assert_int_equal(r->word, TLSP_WORD_UNTRUSTED);
        assert_str(r->server, "mx1.twomx.test[127.0.1.12]:25");
        assert_str(r->mx_host, "mx1.twomx.test");
        assert_str(r->nexthop, "twomx.test"); /* from the final line of the same message */
        assert_int_equal(r->loglevel, i == 0 ? 1 : 2);
        assert_int_equal(r->n_depths, i == 0 ? 0 : 2);
        /* the second MX's attempt has only its own evidence */
        assert_null(c.r[1].verify_error);
        assert_str(c.r[1].server, "mx2.twomx.test[127.0.1.13]:25");
        if (i == 1) {
            assert_str(r->subject_cn, "mx1.twomx.test");
            assert_str(c.r[1].matched_peername, "twomx.test");
            assert_int_equal(c.r[1].depth[0], 2);
        }
        capture_free(&c);
    }
}

static void
test_may_plaintext_fallback(void **state)
{
    const char *files[] = {DIR "may-plaintext-fallback-ll1.log",
                           DIR "may-plaintext-fallback-ll2.log"};
    size_t i, j;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct capture c;
        static const enum tlsp_attempt_end ends[] = {TLSP_END_DEFERRED, TLSP_END_DEFERRED,
                                                     TLSP_END_NEXT, TLSP_END_SENT};

        run_file(files[i], &c, NULL);
        assert_int_equal(c.n, 4);
        for (j = 0; j < 4; j++) {
            assert_int_equal(c.r[j].end, ends[j]);
            assert_str(c.r[j].queue_id, i == 0 ? "76EA1A720F3" : "7113BA72014");
            assert_str(c.r[j].nexthop, "alert.test");
            assert_str(c.r[j].server, "mx.alert.test[127.0.1.11]:25");
            if (j < 3) {
                assert_str(c.r[j].handshake_error, "-1");
                assert_int_equal(c.r[j].n_warnings, 1);
                assert_str(c.r[j].warnings[0], TLP40);
                assert_str(c.r[j].reason, HS);
                assert_int_equal(c.r[j].tls_setup, i == 1);
            } else {
                assert_null(c.r[j].handshake_error);
                assert_int_equal(c.r[j].n_warnings, 0);
                assert_false(c.r[j].tls_setup);
            }
        }
        assert_str(c.r[0].dsn, "4.7.5");
        assert_null(c.r[2].dsn);
        assert_null(c.r[2].relay);
        capture_free(&c);
    }
}

/* ------------------------------------------------------------------ */
/* The founding case                                                   */

static void
test_founding_short(void **state)
{
    struct capture c;
    const struct rec *r;

    (void)state;
    run_file("examples/founding-case/maillog-short.log", &c, NULL);
    assert_int_equal(c.n, 1);
    r = &c.r[0];
    assert_str(r->queue_id, "D33A02504112");
    assert_str(r->relay, "in1-smtp.messagingengine.com[66.111.4.74]:25");
    assert_str(r->server, "in1-smtp.messagingengine.com[66.111.4.74]:25");
    assert_str(r->mx_host, "in1-smtp.messagingengine.com");
    assert_str(r->dsn, "4.7.5");
    assert_int_equal(r->end, TLSP_END_DEFERRED);
    assert_str(r->reason, NV);
    assert_int_equal(r->word, TLSP_WORD_NONE);
    assert_int_equal(r->loglevel, -1);
    assert_int_equal(r->dialect, TLSP_DIALECT_UNKNOWN);
    assert_str(r->nexthop, "fastmail.fm");
    assert_false(r->nexthop_proven);
    assert_str(r->rcpts[0], "someone@fastmail.fm");
    assert_int_equal(r->first_when, r->when);
    capture_free(&c);
}

static void
test_founding_extended(void **state)
{
    static const char *const sans[] = {
        "*.messagingengine.com",   "messagingengine.com",        "mail.messagingengine.com",
        "dav.messagingengine.com", "caldav.messagingengine.com", "carddav.messagingengine.com",
    };
    struct capture c;
    struct tlsp_attempts_stats st;
    const struct rec *r;
    size_t i;

    (void)state;
    run_file("examples/founding-case/maillog-extended.log", &c, &st);
    assert_int_equal(c.n, 1);
    assert_int_equal(st.unfinished, 0);
    r = &c.r[0];
    assert_str(r->queue_id, "D33A02504112");
    assert_str(r->relay, "in1-smtp.messagingengine.com[66.111.4.74]:25");
    assert_str(r->dsn, "4.7.5");
    assert_int_equal(r->end, TLSP_END_DEFERRED);
    assert_str(r->reason, NV);
    assert_int_equal(r->word, TLSP_WORD_TRUSTED);
    assert_null(r->verify_error);
    assert_int_equal(r->dialect, TLSP_DIALECT_PRE36);
    assert_int_equal(r->loglevel, 2);
    assert_str(r->nexthop, "fastmail.fm");
    assert_true(r->nexthop_proven);
    assert_str(r->service, "smtp");
    assert_str(r->cache_key, "smtp&fastmail.fm&in1-smtp.messagingengine.com&66.111.4.74&&"
                             "FC83E1ADCEDFC581CE5F87CAF6E49FEFFF83CD0F9EBC0B57C4A19ED3DC3416EC");
    assert_int_equal(r->n_sans, 6);
    for (i = 0; i < 6; i++)
        assert_str(r->sans[i], sans[i]);
    assert_null(r->matched_san);
    assert_str(r->common_name, "*.messagingengine.com");
    assert_str(r->subject_cn, "*.messagingengine.com");
    assert_str(r->issuer_cn, "DigiCert SHA2 High Assurance Server CA");
    assert_str(r->cert_fpt, "D8:F5:7E:43:A8:DA:29:22:6B:7E:90:A6:31:86:C8:CD");
    assert_str(r->pkey_fpt, "49:07:46:E5:F1:35:C2:96:75:09:67:BE:D9:FE:DB:46");
    assert_int_equal(r->n_depths, 3);
    for (i = 0; i < 3; i++) {
        assert_int_equal(r->depth[i], 2 - (int)i);
        assert_int_equal(r->verify[i], 1);
    }
    assert_str(r->depth_subject[0],
               "/C=US/O=DigiCert Inc/OU=www.digicert.com/CN=DigiCert High Assurance EV Root CA");
    assert_str(r->protocol, "TLSv1.2");
    assert_str(r->cipher, "ECDHE-RSA-AES256-GCM-SHA384");
    assert_true(r->tls_setup);
    assert_str(r->server, "in1-smtp.messagingengine.com[66.111.4.74]:25");
    assert_int_equal(r->pid, 25291);
    capture_free(&c);
}

static void
test_founding_lab37(void **state)
{
    struct capture c;
    const struct rec *r;

    (void)state;
    run_file("examples/founding-case/maillog-postfix37-lab.log", &c, NULL);
    assert_int_equal(c.n, 1);
    r = &c.r[0];
    assert_str(r->queue_id, "60B90104173");
    assert_str(r->relay, "in1-smtp.messagingengine.com[127.0.0.2]:25");
    assert_str(r->dsn, "4.7.5");
    assert_str(r->reason, NV);
    assert_int_equal(r->word, TLSP_WORD_UNTRUSTED);
    assert_str(r->verify_error, "num=62:hostname mismatch");
    assert_str(r->verify_purpose, "server");
    assert_int_equal(r->dialect, TLSP_DIALECT_36);
    assert_int_equal(r->loglevel, 2);
    assert_str(r->nexthop, "fastmail.fm");
    assert_false(r->nexthop_proven);
    assert_int_equal(r->n_sans, 0);
    assert_null(r->common_name);
    assert_str(r->subject_cn, "*.messagingengine.com");
    assert_str(r->issuer_cn, "Lab High Assurance EV Root CA");
    assert_int_equal(r->n_depths, 3);
    assert_int_equal(r->depth[0], 0);
    assert_int_equal(r->verify[0], 0);
    assert_int_equal(r->depth[1], 1);
    assert_int_equal(r->verify[1], 1);
    assert_int_equal(r->depth[2], 0);
    assert_int_equal(r->verify[2], 1);
    capture_free(&c);
}

/* ------------------------------------------------------------------ */
/* Hand-made fixtures (tests/fixtures/logs/handmade/README.md)         */

#define HM "tests/fixtures/logs/handmade/"

static void
test_interleaved(void **state)
{
    struct capture c;
    struct tlsp_attempts_stats st;

    (void)state;
    run_file(HM "interleaved.log", &c, &st);
    assert_int_equal(c.n, 2);
    assert_int_equal(st.unfinished, 0);
    /* 5102's ends first */
    assert_str(c.r[0].queue_id, "4Z3k9X1rGzz9sXh");
    assert_int_equal(c.r[0].pid, 5102);
    assert_str(c.r[0].verify_error, "num=62:hostname mismatch");
    assert_int_equal(c.r[0].n_depths, 4);
    assert_str(c.r[0].depth_subject[0], "/O=Provider/CN=smtp.provider.test");
    assert_str(c.r[0].subject_cn, "smtp.provider.test");
    assert_null(c.r[0].matched_peername);
    assert_int_equal(c.r[0].dialect, TLSP_DIALECT_36);
    assert_str(c.r[0].server, "mx.mismatch.test[127.0.1.2]:25");
    assert_str(c.r[1].queue_id, "60B90104173");
    assert_int_equal(c.r[1].pid, 5101);
    assert_null(c.r[1].verify_error);
    assert_int_equal(c.r[1].n_depths, 3);
    assert_str(c.r[1].matched_peername, "good.test");
    assert_str(c.r[1].subject_cn, "mx.good.test");
    assert_int_equal(c.r[1].word, TLSP_WORD_VERIFIED);
    assert_int_equal(c.r[1].end, TLSP_END_SENT);
    assert_str(c.r[1].server, "mx.good.test[127.0.1.1]:25");
    capture_free(&c);
}

static void
test_three_messages(void **state)
{
    struct capture c;

    (void)state;
    run_file(HM "three-messages.log", &c, NULL);
    assert_int_equal(c.n, 3);
    assert_str(c.r[0].queue_id, "1A2B3C4D5E");
    assert_int_equal(c.r[0].word, TLSP_WORD_VERIFIED);
    assert_int_equal(c.r[0].n_depths, 1);
    assert_str(c.r[0].matched_peername, "good.test");
    assert_str(c.r[1].queue_id, "2B3C4D5E6F");
    assert_int_equal(c.r[1].word, TLSP_WORD_UNTRUSTED);
    assert_int_equal(c.r[1].n_depths, 2);
    assert_null(c.r[1].matched_peername); /* reset after the first message */
    assert_str(c.r[1].verify_error, "num=62:hostname mismatch");
    assert_str(c.r[1].nexthop, "mismatch.test"); /* lower case */
    assert_str(c.r[1].rcpts[0], "b@Mismatch.Test");
    assert_int_equal(c.r[1].first_when + 1, c.r[1].when);
    assert_str(c.r[2].queue_id, "3C4D5E6F70");
    assert_int_equal(c.r[2].word, TLSP_WORD_NONE);
    assert_null(c.r[2].verify_error);
    assert_int_equal(c.r[2].n_depths, 0);
    assert_false(c.r[2].tls_setup);
    assert_str(c.r[2].server, "mx.plain.test[127.0.1.20]:25");
    /* the engine line, once per process, says loglevel 2 for all three */
    assert_int_equal(c.r[0].loglevel, 2);
    assert_int_equal(c.r[1].loglevel, 2);
    assert_int_equal(c.r[2].loglevel, 2);
    capture_free(&c);
}

static void
test_two_recipients(void **state)
{
    struct capture c;

    (void)state;
    run_file(HM "two-recipients.log", &c, NULL);
    assert_int_equal(c.n, 3);
    assert_str(c.r[0].queue_id, "5D6E7F8091");
    assert_int_equal(c.r[0].n_rcpts, 2);
    assert_int_equal(c.r[0].n_rcpts_total, 2);
    assert_str(c.r[0].rcpts[0], "one@mismatch.test");
    assert_str(c.r[0].rcpts[1], "two@mismatch.test");
    assert_int_equal(c.r[0].lineno, 4); /* the last recipient's line ends it */
    assert_str(c.r[0].verify_error, "num=62:hostname mismatch");
    assert_str(c.r[1].queue_id, "6E7F8091A2");
    assert_int_equal(c.r[1].n_rcpts, 1);
    assert_null(c.r[1].verify_error); /* evidence went to the first message */
    /* retry(8): a delivery line with no TLS evidence, two recipients */
    assert_str(c.r[2].queue_id, "7F8091A2B3");
    assert_str(c.r[2].ident, "postfix/retry");
    assert_int_equal(c.r[2].n_rcpts, 2);
    assert_str(c.r[2].relay, "none");
    assert_null(c.r[2].server);
    assert_str(c.r[2].reason, "delivery temporarily suspended: Server certificate not verified");
    assert_int_equal(c.r[2].loglevel, -1);
    assert_str(c.r[2].nexthop, "mismatch.test");
    capture_free(&c);
}

/* A pid reused long after TLS lines that no delivery line followed: the old
 * lines are dropped (unfinished), not attached to the new delivery. */
static void
test_stale_evidence(void **state)
{
    struct capture c;
    struct tlsp_attempts_stats st;

    (void)state;
    run_file(HM "stale.log", &c, &st);
    assert_int_equal(c.n, 1);
    assert_str(c.r[0].queue_id, "CCCC12345");
    assert_null(c.r[0].verify_error);
    assert_null(c.r[0].subject_cn);
    assert_null(c.r[0].cert_fpt);
    assert_int_equal(c.r[0].when, 1772445601); /* 2026-03-02T10:00:01Z */
    assert_int_equal(c.r[0].first_when, c.r[0].when);
    assert_int_equal(c.r[0].lineno, 3);
    assert_int_equal(st.unfinished, 1);
    assert_int_equal(st.attempts, 1);
    capture_free(&c);

    /* exactly an hour after the evidence's last line: still its attempt */
    run_text("Mar 02 09:00:00 mail postfix/smtp[7]: server certificate verification failed for "
             "mx.example.org[192.0.2.5]:25: num=62:hostname mismatch\n"
             "Mar 02 10:00:00 mail postfix/smtp[7]: A1: to=<u@example.org>, "
             "relay=mx.example.org[192.0.2.5]:25, delay=3600, delays=0/0/3600/0, dsn=4.7.5, "
             "status=deferred (Server certificate not verified)\n",
             &c, &st);
    assert_int_equal(c.n, 1);
    assert_str(c.r[0].verify_error, "num=62:hostname mismatch");
    assert_int_equal(c.r[0].when - c.r[0].first_when, 3600);
    assert_int_equal(st.unfinished, 0);
    capture_free(&c);

    /* a second more, and the time counts from the evidence's last line */
    run_text("Mar 02 08:00:00 mail postfix/smtp[7]: server certificate verification failed for "
             "mx.example.org[192.0.2.5]:25: num=62:hostname mismatch\n"
             "Mar 02 09:00:00 mail postfix/smtp[7]: mx.example.org[192.0.2.5]:25: "
             "subject_CN=mail.provider.net, issuer_CN=Some CA, fingerprint=AA, "
             "pkey_fingerprint=BB\n"
             "Mar 02 10:00:01 mail postfix/smtp[7]: A1: to=<u@example.org>, "
             "relay=mx.example.org[192.0.2.5]:25, delay=3600, delays=0/0/3600/0, dsn=4.7.5, "
             "status=deferred (Server certificate not verified)\n",
             &c, &st);
    assert_int_equal(c.n, 1);
    assert_null(c.r[0].verify_error);
    assert_null(c.r[0].subject_cn);
    assert_int_equal(st.unfinished, 1);
    capture_free(&c);
}

/* Recipient lines of one pid and queue id are one attempt only within one
 * file: the same file given twice gives each attempt twice. */
static void
test_same_file_twice(void **state)
{
    static const char *const lines[] = {
        "Dec 06 03:20:05 client postfix/retry[6301]: 7F8091A2B3: to=<four@mismatch.test>, "
        "relay=none, delay=300, delays=300/0/0/0, dsn=4.7.5, status=deferred (delivery "
        "temporarily suspended: Server certificate not verified)",
        "Dec 06 03:20:05 client postfix/retry[6301]: 7F8091A2B3: to=<five@mismatch.test>, "
        "relay=none, delay=300, delays=300/0/0/0, dsn=4.7.5, status=deferred (delivery "
        "temporarily suspended: Server certificate not verified)",
    };
    static const struct {
        const char *file1, *file2;
        size_t n;
    } cases[] = {{"maillog", "maillog", 2}, {"maillog", "maillog.1", 2}};
    struct tlsp_attempts *as = NULL;
    struct capture c;
    struct tlsp_attempts_stats st;
    size_t k;

    (void)state;
    for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        memset(&c, 0, sizeof(c));
        assert_int_equal(tlsp_attempts_new(capture_fn, &c, &as), TLSP_OK);
        feed_one(as, cases[k].file1, 1, lines[0]);
        feed_one(as, cases[k].file1, 2, lines[1]);
        feed_one(as, cases[k].file2, 1, lines[0]);
        feed_one(as, cases[k].file2, 2, lines[1]);
        assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
        tlsp_attempts_stats(as, &st);
        tlsp_attempts_free(as);
        assert_int_equal(c.n, cases[k].n);
        assert_int_equal(st.attempts, 2);
        assert_str(c.r[0].file, cases[k].file1);
        assert_int_equal(c.r[0].n_rcpts_total, 2);
        assert_str(c.r[0].rcpts[0], "four@mismatch.test");
        assert_str(c.r[0].rcpts[1], "five@mismatch.test");
        assert_int_equal(c.r[0].lineno, 2);
        assert_str(c.r[1].file, cases[k].file2);
        assert_int_equal(c.r[1].n_rcpts_total, 2);
        assert_int_equal(c.r[1].lineno, 2);
        capture_free(&c);
    }

    /* the real fixture twice under one name: six attempts, none merged */
    memset(&c, 0, sizeof(c));
    {
        char *path = tu_source_path(HM "two-recipients.log");
        FILE *fp;
        char *line = NULL;
        size_t cap = 0, i;
        ssize_t n;
        int pass;

        assert_int_equal(tlsp_attempts_new(capture_fn, &c, &as), TLSP_OK);
        for (pass = 0; pass < 2; pass++) {
            unsigned long long lineno = 0;

            assert_non_null(fp = fopen(path, "r"));
            while ((n = getline(&line, &cap, fp)) >= 0) {
                if (n > 0 && line[n - 1] == '\n')
                    line[n - 1] = 0;
                feed_one(as, "two-recipients.log", ++lineno, line);
            }
            fclose(fp);
        }
        assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
        tlsp_attempts_free(as);
        free(line);
        free(path);
        assert_int_equal(c.n, 6);
        for (i = 0; i < c.n; i++) {
            if (strcmp(c.r[i].queue_id, "7F8091A2B3") == 0 ||
                strcmp(c.r[i].queue_id, "5D6E7F8091") == 0)
                assert_int_equal(c.r[i].n_rcpts_total, 2);
            else
                assert_int_equal(c.r[i].n_rcpts_total, 1);
        }
        capture_free(&c);
    }
}

static void
test_tlsproxy(void **state)
{
    struct capture c;
    size_t i;

    (void)state;
    run_file(HM "tlsproxy.log", &c, NULL);
    assert_int_equal(c.n, 2);
    for (i = 0; i < 2; i++) {
        const struct rec *r = &c.r[i];

        assert_true(r->via_tlsproxy);
        assert_int_equal(r->reused, i == 1);
        assert_int_equal(r->word, TLSP_WORD_UNTRUSTED);
        assert_str(r->verify_error, "num=62:hostname mismatch");
        assert_str(r->verify_purpose, "server");
        assert_int_equal(r->n_depths, 3);
        assert_int_equal(r->verify[0], 0);
        assert_int_equal(r->depth[1], 1);
        assert_str(r->subject_cn, "smtp.provider.test");
        assert_str(r->issuer_cn, "Lab Catalogue Issuing CA");
        assert_str(r->server, "mx.mismatch.test[127.0.1.2]:25");
        assert_int_equal(r->dialect, TLSP_DIALECT_36);
        assert_int_equal(r->loglevel, 2);
        assert_str(r->ident, "postfix/smtp");
    }
    assert_int_equal(c.r[0].pid, 7001);
    assert_int_equal(c.r[1].pid, 7002);
    capture_free(&c);
}

static void
test_resumed(void **state)
{
    struct capture c;

    (void)state;
    run_file(HM "resumed.log", &c, NULL);
    assert_int_equal(c.n, 2);
    assert_true(c.r[0].resumed);
    assert_int_equal(c.r[0].n_depths, 0);
    assert_null(c.r[0].subject_cn);
    assert_int_equal(c.r[0].word, TLSP_WORD_VERIFIED);
    assert_str(c.r[0].nexthop, "mx1.dane.test"); /* [Mx1.Dane.Test]:30100 */
    assert_true(c.r[0].nexthop_proven);
    assert_str(c.r[0].service, "relay");
    assert_str(c.r[0].cache_key,
               "relay&[Mx1.Dane.Test]:30100&mx1.dane.test&127.0.0.1&&"
               "54D440295AC9B5BD6A78F304A40BDD663A05DF43C4B481E153668CEC990513E3");
    assert_str(c.r[0].server, "mx1.dane.test[127.0.0.1]:30100");
    assert_int_equal(c.r[0].loglevel, 2);
    /* re-using an untrusted session: no verification line of its own */
    assert_true(c.r[1].resumed);
    assert_null(c.r[1].verify_error);
    assert_null(c.r[1].cache_key);
    assert_false(c.r[1].nexthop_proven);
    assert_str(c.r[1].nexthop, "mismatch.test");
    assert_int_equal(c.r[1].loglevel, 1);
    assert_int_equal(c.r[1].dialect, TLSP_DIALECT_UNKNOWN);
    capture_free(&c);
}

static void
test_dialect_3104(void **state)
{
    struct capture c;

    (void)state;
    run_file(HM "pf3104-trusted-mismatch.log", &c, NULL);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].word, TLSP_WORD_TRUSTED);
    assert_str(c.r[0].verify_error, "num=62:hostname mismatch");
    assert_int_equal(c.r[0].dialect, TLSP_DIALECT_3104);
    assert_string_equal(tlsp_dialect_name(c.r[0].dialect), ">=3.10.4");
    capture_free(&c);
}

static void
test_dialect_pre36_not_trusted(void **state)
{
    struct capture c;

    (void)state;
    run_file(HM "pre35-not-trusted.log", &c, NULL);
    assert_int_equal(c.n, 1);
    assert_int_equal(c.r[0].word, TLSP_WORD_UNTRUSTED);
    assert_str(c.r[0].reason, "Server certificate not trusted");
    assert_str(c.r[0].verify_error, "untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA");
    assert_int_equal(c.r[0].dialect, TLSP_DIALECT_PRE36);
    assert_string_equal(tlsp_dialect_name(c.r[0].dialect), "<=3.5");
    capture_free(&c);
}

/* ------------------------------------------------------------------ */
/* Lines, fields and bounds                                            */

static void
test_line_forms(void **state)
{
    struct capture c;
    struct tlsp_attempts_stats st;

    (void)state;
    /* 3.5 Matched subjectAltName / Matched CommonName; "CA" purpose; DANE match;
     * engine error of an unknown digest; STARTTLS note; lines of other programs */
    run_text(
        "Jan 02 10:00:00 h postfix/smtp[1]: Digest algorithm \"bogus\" not found\n"
        "Jan 02 10:00:00 h postfix/smtp[1]: warning: Digest algorithm \"bogus\" not found\n"
        "Jan 02 10:00:00 h postfix/smtp[1]: warning: disabling TLS support\n"
        "Jan 02 10:00:01 h postfix/qmgr[9]: 1234ABCDEF: from=<a@b>, size=1, nrcpt=1 (queue "
        "active)\n"
        "Jan 02 10:00:01 h postfix/smtp[1]: 1234ABCDEF: to=<x@y.test>, "
        "relay=mx.y.test[192.0.2.1]:25, "
        "conn_use=2, delay=1, delays=1/0/0/0, dsn=4.7.5, status=deferred (TLS is required, "
        "but our TLS engine is unavailable)\n"
        "Jan 02 10:00:02 h postfix/smtp[2]: mx.z.test[192.0.2.2]:25: Matched subjectAltName: "
        "z.test\n"
        "Jan 02 10:00:02 h postfix/smtp[2]: mx.z.test[192.0.2.2]:25 Matched CommonName "
        "mx.z.test\n"
        "Jan 02 10:00:02 h postfix/smtp[2]: CA certificate verification failed for "
        "mx.z.test[192.0.2.2]:25: certificate has expired\n"
        "Jan 02 10:00:02 h postfix/smtp[2]: mx.z.test[192.0.2.2]:25: Matched DANE TA "
        "certificate at depth 1: 2 0 1 ABCD\n"
        "Jan 02 10:00:02 h postfix/smtp[2]: warning: mx.z.test[192.0.2.2]:25: Invalid TLS "
        "protocol list \"bogus\": aborting TLS session\n"
        "Jan 02 10:00:02 h postfix/smtp[2]: warning: connect to transport private/x: "
        "Connection refused\n"
        "Jan 02 10:00:03 h postfix/smtp[2]: 4Z3k9X1rGzz9sXh: host mx.z.test[192.0.2.2] said: "
        "450 4.7.1 try later (in reply to RCPT TO command)\n"
        "Jan 02 10:00:04 h postfix/smtp[3]: Host offered STARTTLS: [mx.w.test]\n"
        "Jan 02 10:00:04 h postfix/smtp[3]: 00AA11BB22: to=<q@w.test>, "
        "relay=mx.w.test[192.0.2.3]:25, "
        "delay=1, delays=1/0/0/0, dsn=2.0.0, status=sent (250 ok)\n"
        "Jan 02 10:00:05 h postfix/smtp[4]: warning: hello: not a queue id\n"
        "Jan 02 10:00:05 h postfix/smtp[4]: enabling PIX workarounds\n"
        "Jan 02 10:00:05 h postfix/local[8]: 99AA11BB22: to=<r@h>, relay=local, delay=0, "
        "delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)\n"
        "Jan 02 10:00:05 h postfix/cleanup[8]: 99AA11BB22: message-id=<1@h>\n"
        "Jan 02 10:00:06 h postfix/smtp[5]: setting up TLS connection to mx.v.test[192.0.2.5]:25\n",
        &c, &st);
    assert_int_equal(c.n, 3);
    assert_int_equal(st.unfinished, 1); /* pid 5 */
    assert_str(c.r[0].engine_error, "Digest algorithm \"bogus\" not found");
    assert_int_equal(c.r[0].loglevel, 0);
    assert_int_equal(c.r[0].n_warnings, 0);
    assert_str(c.r[0].nexthop, "y.test");
    assert_int_equal(c.r[1].end, TLSP_END_NEXT);
    assert_str(c.r[1].queue_id, "4Z3k9X1rGzz9sXh");
    assert_str(c.r[1].reason,
               "host mx.z.test[192.0.2.2] said: 450 4.7.1 try later (in reply to RCPT TO command)");
    assert_null(c.r[1].nexthop);
    assert_int_equal(c.r[1].n_sans, 1);
    assert_str(c.r[1].sans[0], "z.test");
    assert_str(c.r[1].matched_san, "z.test");
    assert_str(c.r[1].common_name, "mx.z.test");
    assert_str(c.r[1].verify_purpose, "CA");
    assert_str(c.r[1].verify_error, "certificate has expired");
    assert_true(c.r[1].matched_other);
    assert_int_equal(c.r[1].n_warnings, 1);
    assert_str(
        c.r[1].warnings[0],
        "mx.z.test[192.0.2.2]:25: Invalid TLS protocol list \"bogus\": aborting TLS session");
    assert_int_equal(c.r[1].dialect, TLSP_DIALECT_PRE36);
    assert_str(c.r[1].server, "mx.z.test[192.0.2.2]:25");
    assert_true(c.r[2].note);
    assert_int_equal(c.r[2].loglevel, 0);
    assert_int_equal(c.r[2].end, TLSP_END_SENT);
    capture_free(&c);

    /* a status word other than sent/deferred/bounced; a field longer than the bound */
    {
        size_t n = 5000, i;
        char *text = malloc(n + 300), *p;

        p = text;
        p += snprintf(p, 300,
                      "Jan 02 10:00:00 h postfix/smtp[1]: ABCDEF0123: to=<x@y.test>, "
                      "relay=none, delay=1, delays=1/0/0/0, dsn=5.0.0, status=expired (");
        for (i = 0; i < n; i++)
            *p++ = 'r';
        memcpy(p, ")", 2);
        run_text(text, &c, NULL);
        free(text);
        assert_int_equal(c.n, 1);
        assert_int_equal(c.r[0].end, TLSP_END_OTHER);
        assert_str(c.r[0].status, "expired");
        assert_int_equal(strlen(c.r[0].reason), TLSP_ATTEMPT_MAX_FIELD);
        capture_free(&c);
    }
}

static void
test_names_and_args(void **state)
{
    struct tlsp_attempts *as = NULL;
    struct tlsp_attempts_stats st;

    (void)state;
    assert_int_equal(tlsp_attempts_new(NULL, NULL, &as), TLSP_INVAL);
    assert_null(as);
    tlsp_attempts_free(NULL);
    assert_string_equal(tlsp_attempt_end_name(TLSP_END_SENT), "sent");
    assert_string_equal(tlsp_attempt_end_name(TLSP_END_DEFERRED), "deferred");
    assert_string_equal(tlsp_attempt_end_name(TLSP_END_BOUNCED), "bounced");
    assert_string_equal(tlsp_attempt_end_name(TLSP_END_NEXT), "next");
    assert_string_equal(tlsp_attempt_end_name(TLSP_END_OTHER), "other");
    assert_string_equal(tlsp_dialect_name(TLSP_DIALECT_UNKNOWN), "unknown");
    assert_string_equal(tlsp_dialect_name(TLSP_DIALECT_36), "3.6-3.10.3");
    tlsp_attempts_stats(NULL, &st);
    assert_int_equal(st.attempts, 0);
}

/* 100000 processes, one TLS line each: memory stays bounded, the
 * silent-longest are dropped and counted, and assembly goes on. */
static void
test_bounded_processes(void **state)
{
    struct capture c;
    struct tlsp_attempts *as = NULL;
    struct tlsp_attempts_stats st;
    struct tlsp_logline l;
    static const char setup[] = "setting up TLS connection to mx.good.test[127.0.1.1]:25";
    long pid;

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(tlsp_attempts_new(capture_fn, &c, &as), TLSP_OK);
    memset(&l, 0, sizeof(l));
    l.file = "gen";
    l.ident = "postfix/smtp";
    l.ident_len = 12;
    l.program = "smtp";
    l.program_len = 4;
    l.when = 1796522839; /* Dec 06 02:07:19 2026, a second before the lines below */
    l.msg = setup;
    l.msg_len = sizeof(setup) - 1;
    for (pid = 1; pid <= 100000; pid++) {
        l.pid = pid;
        l.lineno = (unsigned long long)pid;
        assert_int_equal(tlsp_attempts_feed(as, &l), TLSP_OK);
    }
    tlsp_attempts_stats(as, &st);
    assert_int_equal(st.dropped, 100000 - TLSP_ATTEMPT_MAX_PROCS);
    assert_int_equal(st.unfinished, 100000 - TLSP_ATTEMPT_MAX_PROCS);
    assert_int_equal(st.attempts, 0);

    /* the most recent process still holds its evidence */
    feed_one(
        as, "gen", 100001,
        "Dec 06 02:07:20 client postfix/smtp[100000]: Verified TLS connection established to "
        "mx.good.test[127.0.1.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
    feed_one(as, "gen", 100002,
             "Dec 06 02:07:20 client postfix/smtp[100000]: 594EFA7250E: to=<user@good.test>, "
             "relay=mx.good.test[127.0.1.1]:25, delay=0.12, delays=0.01/0.01/0.05/0.04, "
             "dsn=2.0.0, status=sent (250 2.0.0 Ok)");
    /* a dropped one starts afresh */
    feed_one(as, "gen", 100003,
             "Dec 06 02:07:21 client postfix/smtp[1]: 694EFA7250E: to=<user@good.test>, "
             "relay=mx.good.test[127.0.1.1]:25, delay=0.12, delays=0.01/0.01/0.05/0.04, "
             "dsn=4.7.4, status=deferred (TLS is required, but was not offered by host "
             "mx.good.test[127.0.1.1])");
    assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
    tlsp_attempts_stats(as, &st);
    assert_int_equal(c.n, 2);
    assert_int_equal(st.attempts, 2);
    assert_true(c.r[0].tls_setup);
    assert_int_equal(c.r[0].word, TLSP_WORD_VERIFIED);
    assert_int_equal(c.r[0].pid, 100000);
    assert_false(c.r[1].tls_setup);
    assert_int_equal(c.r[1].loglevel, -1);
    /* every other process's evidence was never followed by a delivery line */
    assert_int_equal(st.unfinished, 100000 - 1);
    assert_int_equal(st.dropped, 100000 - TLSP_ATTEMPT_MAX_PROCS + 1);
    tlsp_attempts_free(as);
    capture_free(&c);
}

/* Per-attempt bounds: recipients, depth lines; the tlsproxy(8) table. */
static void
test_bounded_items(void **state)
{
    struct capture c;
    struct tlsp_attempts *as = NULL;
    struct tlsp_attempts_stats st;
    char text[512];
    int i;

    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(tlsp_attempts_new(capture_fn, &c, &as), TLSP_OK);
    for (i = 0; i < 70; i++) {
        snprintf(text, sizeof(text),
                 "Dec 06 02:07:20 client postfix/smtp[9]: mx.good.test[127.0.1.1]:25: depth=%d "
                 "verify=1 subject=/CN=ca%d",
                 i, i);
        feed_one(as, "gen", (unsigned long long)i + 1, text);
    }
    for (i = 0; i < 70; i++) {
        snprintf(text, sizeof(text),
                 "Dec 06 02:07:21 client postfix/smtp[9]: ABCDEF0123: to=<u%d@good.test>, "
                 "relay=mx.good.test[127.0.1.1]:25, delay=1, delays=1/0/0/0, dsn=2.0.0, "
                 "status=sent (250 ok)",
                 i);
        feed_one(as, "gen", (unsigned long long)i + 100, text);
    }
    /* 1100 tlsproxy handshakes: the oldest ones are forgotten */
    for (i = 0; i < 1100; i++) {
        snprintf(text, sizeof(text),
                 "Dec 06 02:08:00 client postfix/tlsproxy[77]: certificate verification failed "
                 "for mx%d.test[127.0.2.1]:25: self-signed certificate",
                 i);
        feed_one(as, "gen", (unsigned long long)i + 200, text);
    }
    feed_one(as, "gen", 2000,
             "Dec 06 02:08:01 client postfix/smtp[10]: Untrusted TLS connection established to "
             "mx0.test[127.0.2.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
    feed_one(as, "gen", 2001,
             "Dec 06 02:08:01 client postfix/smtp[10]: BCDEF01234: to=<u@mx0.test>, "
             "relay=mx0.test[127.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=4.7.5, "
             "status=deferred (Server certificate not verified)");
    feed_one(
        as, "gen", 2002,
        "Dec 06 02:08:01 client postfix/smtp[11]: Untrusted TLS connection established to "
        "mx1099.test[127.0.2.1]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)");
    feed_one(as, "gen", 2003,
             "Dec 06 02:08:01 client postfix/smtp[11]: CDEF012345: to=<u@mx1099.test>, "
             "relay=mx1099.test[127.0.2.1]:25, delay=1, delays=1/0/0/0, dsn=4.7.5, "
             "status=deferred (Server certificate not verified)");
    assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
    tlsp_attempts_stats(as, &st);
    tlsp_attempts_free(as);
    assert_int_equal(st.attempts, 3);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.r[0].n_depths, TLSP_ATTEMPT_MAX_DEPTHS);
    assert_int_equal(c.r[0].n_rcpts, TLSP_ATTEMPT_MAX_RCPTS);
    assert_int_equal(c.r[0].n_rcpts_total, 70);
    assert_str(c.r[0].rcpts[0], "u0@good.test");
    assert_false(c.r[1].via_tlsproxy);
    assert_null(c.r[1].verify_error);
    assert_int_equal(c.r[1].loglevel, 1);
    assert_true(c.r[2].via_tlsproxy);
    assert_str(c.r[2].verify_error, "self-signed certificate");
    assert_int_equal(c.r[2].loglevel, 0);
    capture_free(&c);
}

/* Every real line cut at every length (msg_len, not NUL-terminated):
 * no crash, and what comes out is well formed and bounded. */
static void
test_truncated_lines(void **state)
{
    static const char *const files[] = {
        DIR "name-mismatch-secure-ll2.log",
        DIR "first-mx-soft-failure-ll2.log",
        DIR "missing-table-ll2.log",
        DIR "may-plaintext-fallback-ll1.log",
        "examples/founding-case/maillog-extended.log",
        HM "tlsproxy.log",
        HM "resumed.log",
    };
    size_t f;

    (void)state;
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        char *path = tu_source_path(files[f]);
        FILE *fp = fopen(path, "r");
        struct capture c;
        struct tlsp_attempts *as = NULL;
        char *line = NULL;
        size_t cap = 0, i, cut;
        ssize_t n;

        assert_non_null(fp);
        memset(&c, 0, sizeof(c));
        assert_int_equal(tlsp_attempts_new(capture_fn, &c, &as), TLSP_OK);
        while ((n = getline(&line, &cap, fp)) >= 0) {
            struct tlsp_logline l;

            if (n > 0 && line[n - 1] == '\n')
                line[n - 1] = 0;
            if (!split_line(line, &l))
                continue;
            for (cut = 0; cut <= l.msg_len; cut++) {
                struct tlsp_logline t = l;

                t.msg_len = cut;
                assert_int_equal(tlsp_attempts_feed(as, &t), TLSP_OK);
            }
        }
        assert_int_equal(tlsp_attempts_finish(as), TLSP_OK);
        tlsp_attempts_free(as);
        assert_true(c.total > 0);
        for (i = 0; i < c.n; i++) {
            assert_non_null(c.r[i].queue_id);
            assert_non_null(c.r[i].reason);
            assert_true(c.r[i].end == TLSP_END_NEXT || c.r[i].relay != NULL);
        }
        capture_free(&c);
        free(line);
        fclose(fp);
        free(path);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_args),
        cmocka_unit_test(test_recorded_logs),
        cmocka_unit_test(test_recorded_details),
        cmocka_unit_test(test_first_mx_soft_failure),
        cmocka_unit_test(test_may_plaintext_fallback),
        cmocka_unit_test(test_founding_short),
        cmocka_unit_test(test_founding_extended),
        cmocka_unit_test(test_founding_lab37),
        cmocka_unit_test(test_interleaved),
        cmocka_unit_test(test_three_messages),
        cmocka_unit_test(test_two_recipients),
        cmocka_unit_test(test_tlsproxy),
        cmocka_unit_test(test_resumed),
        cmocka_unit_test(test_dialect_3104),
        cmocka_unit_test(test_dialect_pre36_not_trusted),
        cmocka_unit_test(test_line_forms),
        cmocka_unit_test(test_bounded_processes),
        cmocka_unit_test(test_bounded_items),
        cmocka_unit_test(test_truncated_lines),
        cmocka_unit_test(test_stale_evidence),
        cmocka_unit_test(test_same_file_twice),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
