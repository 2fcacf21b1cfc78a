/*
 * cmd_explain.c - tlspolicy explain: TLS deferrals and bounces in Postfix logs, why, and
 * what to change
 *
 * Pipeline: tlsp_logscan_next() -> tlsp_attempts_feed() -> for each attempt,
 * tlsp_logdiag_run() without the configuration (cheap) -> the per-next-hop
 * summary (logsummary.h). The configuration-dependent diagnosis (policy
 * entry, fixes checked against the configuration) is computed once per
 * summary group, on its sample attempt, when the summary is printed; in
 * --format=jsonl, once per (next hop, MX host, cause) through a small cache.
 *
 * Findings are marked by where they come from, as the diagnosis records it
 * (struct tlsp_finding's proven and config): "[log]" when the log proves
 * them, "[config]" when the configuration does, "[inferred]" when nothing
 * proves them; likewise the level, the required names and the chain's trust.
 */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tlspolicy/attempt.h>
#include <tlspolicy/logdiag.h>
#include <tlspolicy/logscan.h>
#include <tlspolicy/logsummary.h>

#include "cli.h"

#define SUB "explain"

#define MEMO_SLOTS 1024 /* jsonl with -c: configuration diagnoses remembered */

enum format { FMT_TEXT, FMT_JSON, FMT_JSONL };

enum { OPT_YEAR = CLI_OPT_OWN, OPT_FORMAT, OPT_NO_PROGRESS };

static const struct option long_opts[] = {
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"postfix-version", required_argument, NULL, CLI_OPT_VERSION},
    {"year", required_argument, NULL, OPT_YEAR},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: tlspolicy explain [-c DIR] [-o NAME=VALUE]... [--year YEAR]\n"
                "                         [--json | --format=text|json|jsonl] "
                "[--postfix-version X.Y.Z]\n"
                "                         [--no-progress] [FILE...|-]\n"
                "FILE: Postfix logs (syslog, RFC 5424, ISO times, journalctl -o short-iso,\n"
                "      maillog_file), gzip-compressed or not, read in time order; none or\n"
                "      \"-\": standard input\n"
                "YEAR: the year of the first line when the lines carry none (default: from\n"
                "      the file's modification time)\n");
}

#define ROUTE_SLOTS 4096 /* -c: recipients whose routed next hop is remembered */

/* One recipient's routed next hop (-c), direct-mapped by hash. */
struct routed {
    char *rcpt;    /* NULL: empty slot */
    char *nexthop; /* tlsp_logdiag_nexthop()'s answer, NULL: the log's stands */
};

/* One remembered configuration diagnosis (jsonl with -c). */
struct memo {
    char *key; /* "NEXTHOP\nMXHOST\nCAUSE", or NULL: empty slot */
    struct tlsp_logdiag diag;
};

struct run {
    struct cli_opts *o;
    enum format fmt;
    struct tlsp_cf *cf;
    struct tlsp_logdiag_ctx ctx_log;   /* without the configuration */
    struct tlsp_logdiag_ctx ctx_cf;    /* with it (cf NULL without -c) */
    struct tlsp_logdiag_ctx ctx_count; /* the cause only, for counting */
    struct tlsp_logsummary *sum;
    struct tlsp_diag *diag; /* configuration messages, for the notes */
    struct memo *memo;      /* MEMO_SLOTS, jsonl with -c */
    struct routed *routes;  /* ROUTE_SLOTS, with -c */
    enum tlsp_status st;    /* first failure inside the callback */
    bool progress_shown;
};

/* ---- small helpers -------------------------------------------------------------- */

/* when_text - the time as the log writes it, "YYYY-MM-DD HH:MM:SS" (sep ' ') or ISO
 * "YYYY-MM-DDTHH:MM:SS" (sep 'T'); "?" when unknown. */
static const char *
when_text(long long t, char sep, char *buf, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (t < 0 || gmtime_r(&tt, &tm) == NULL)
        snprintf(buf, len, "?");
    else
        snprintf(buf, len, "%04d-%02d-%02d%c%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, sep, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

static json_t *
when_json(long long t)
{
    char buf[64];

    if (t < 0)
        return json_null();
    return json_string(when_text(t, 'T', buf, sizeof(buf)));
}

static json_t *
trust_json(int chain_trusted)
{
    return chain_trusted < 0 ? json_null() : json_boolean(chain_trusted == 1);
}

static json_t *
fixes_json(const struct tlsp_logdiag *d)
{
    struct tlsp_explanation ex;

    memset(&ex, 0, sizeof(ex));
    ex.fixes = d->fixes;
    ex.n_fixes = d->n_fixes;
    return cli_fixes_json(&ex);
}

/* finding_source - "log", "config" or "inferred" for finding i of d. */
static const char *
finding_source(const struct tlsp_logdiag *d, size_t i)
{
    if (!d->findings[i].proven)
        return "inferred";
    return d->findings[i].config ? "config" : "log";
}

/* level_source / required_source - where d's security level or required
 * names come from: "inferred" when not proven, else "config" or "log". */
static const char *
level_source(const struct tlsp_logdiag *d)
{
    if (!d->level_proven)
        return "inferred";
    return d->level_from_config ? "config" : "log";
}

static const char *
required_source(const struct tlsp_logdiag *d)
{
    if (!d->required_proven)
        return "inferred";
    return d->required_from_config ? "config" : "log";
}

/* chain_source - where the chain's trust comes from; NULL when it is unknown. */
static const char *
chain_source(const struct tlsp_logdiag *d)
{
    if (d->chain_trusted < 0)
        return NULL;
    return d->chain_from_config ? "config" : "log";
}

static json_t *
findings_json(const struct tlsp_logdiag *d)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < d->n_findings; i++) {
        json_t *f = json_object();

        json_object_set_new(f, "text", cli_str_json(d->findings[i].text));
        json_object_set_new(f, "proven", json_boolean(d->findings[i].proven));
        json_object_set_new(f, "source", json_string(finding_source(d, i)));
        json_array_append_new(a, f);
    }
    return a;
}

/* diag_fields_json - the diagnosis's fields into obj (cause, title ... fixes). */
static void
diag_fields_json(json_t *obj, const struct tlsp_logdiag *d, const struct tlsp_logdiag *pol)
{
    const char *chain = chain_source(d);

    /* pol: where the policy fields come from (d itself, or a remembered
     * configuration diagnosis in jsonl). */
    json_object_set_new(obj, "cause", json_string(tlsp_cause_name(d->cause)));
    json_object_set_new(obj, "tls_failure", json_boolean(d->tls_failure));
    json_object_set_new(obj, "title", cli_str_json(d->title));
    json_object_set_new(obj, "findings", findings_json(d));
    json_object_set_new(obj, "unknown", cli_strings_json(d->unknown, d->n_unknown));
    json_object_set_new(obj, "settle", cli_strings_json(d->settle, d->n_settle));
    json_object_set_new(obj, "cert_names", cli_strings_json(d->cert_names, d->n_cert_names));
    json_object_set_new(obj, "cert_names_complete", json_boolean(d->cert_names_complete));
    json_object_set_new(obj, "chain_trusted", trust_json(d->chain_trusted));
    json_object_set_new(obj, "chain_source", chain ? json_string(chain) : json_null());
    json_object_set_new(obj, "level", cli_str_json(pol->level));
    json_object_set_new(obj, "level_source", json_string(level_source(pol)));
    json_object_set_new(obj, "required", cli_strings_json(pol->required, pol->n_required));
    json_object_set_new(obj, "required_source", json_string(required_source(pol)));
    json_object_set_new(obj, "entry", cli_str_json(pol->entry));
    json_object_set_new(obj, "entry_source", cli_str_json(pol->entry_source));
    json_object_set_new(obj, "table_key", cli_str_json(pol->table_key));
    json_object_set_new(obj, "new_entry", json_boolean(pol->new_entry));
    json_object_set_new(obj, "fixes", fixes_json(pol));
}

/* ---- progress ------------------------------------------------------------------- */

static void
progress(void *arg, unsigned long long done, unsigned long long total)
{
    struct run *r = arg;

    if (total > 0)
        fprintf(stderr, "\r\033[Ktlspolicy explain: %.1f MB read (%llu%%)", (double)done / 1e6,
                done >= total ? 100ULL : done * 100 / total);
    else
        fprintf(stderr, "\r\033[Ktlspolicy explain: %.1f MB read", (double)done / 1e6);
    fflush(stderr);
    r->progress_shown = true;
}

static void
progress_clear(struct run *r)
{
    if (r->progress_shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
        r->progress_shown = false;
    }
}

/* ---- jsonl: one object per attempt ------------------------------------------------ */

static uint64_t
memo_hash(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/*
 * memo_diag - the configuration diagnosis for a's (next hop, MX host,
 * cause), computed on first use. Returns NULL on failure (r->st set) or
 * when it cannot be computed; the result belongs to the cache.
 */
static const struct tlsp_logdiag *
memo_diag(struct run *r, const struct tlsp_attempt *a, enum tlsp_cause cause)
{
    char *key = NULL;
    struct memo *m;
    enum tlsp_status st;
    size_t len;

    len = strlen(a->nexthop ? a->nexthop : "") + strlen(a->mx_host ? a->mx_host : "") + 32;
    if ((key = malloc(len)) == NULL) {
        r->st = TLSP_NOMEM;
        return NULL;
    }
    snprintf(key, len, "%s\n%s\n%d", a->nexthop ? a->nexthop : "", a->mx_host ? a->mx_host : "",
             (int)cause);
    m = &r->memo[memo_hash(key) % MEMO_SLOTS];
    if (m->key && strcmp(m->key, key) == 0) {
        free(key);
        return &m->diag;
    }
    /* A miss: the slot's old entry (if any) goes. */
    if (m->key) {
        free(m->key);
        m->key = NULL;
        tlsp_logdiag_fini(&m->diag);
    }
    if ((st = tlsp_logdiag_run(a, &r->ctx_cf, &m->diag, r->diag)) != TLSP_OK) {
        tlsp_logdiag_fini(&m->diag);
        free(key);
        r->st = st;
        return NULL;
    }
    m->key = key;
    return &m->diag;
}

static void
print_attempt_jsonl(struct run *r, const struct tlsp_attempt *a, const struct tlsp_logdiag *d)
{
    json_t *obj = json_object();
    const struct tlsp_logdiag *pol = d;
    char *s;

    if (r->cf && d->cause != TLSP_CAUSE_NONE) {
        pol = memo_diag(r, a, d->cause);
        if (pol == NULL) {
            json_decref(obj);
            return;
        }
    }
    json_object_set_new(obj, "file", cli_str_json(a->file));
    json_object_set_new(obj, "line", json_integer((json_int_t)a->lineno));
    json_object_set_new(obj, "when", when_json(a->when));
    json_object_set_new(obj, "queue_id", cli_str_json(a->queue_id));
    json_object_set_new(obj, "recipients", cli_strings_json(a->rcpts, a->n_rcpts));
    json_object_set_new(obj, "recipients_total", json_integer((json_int_t)a->n_rcpts_total));
    json_object_set_new(obj, "relay", cli_str_json(a->relay));
    json_object_set_new(obj, "dsn", cli_str_json(a->dsn));
    json_object_set_new(obj, "status", cli_str_json(a->status));
    json_object_set_new(obj, "end", json_string(tlsp_attempt_end_name(a->end)));
    json_object_set_new(obj, "reason", cli_str_json(a->reason));
    json_object_set_new(obj, "nexthop", cli_str_json(a->nexthop));
    json_object_set_new(obj, "nexthop_proven", json_boolean(a->nexthop_proven));
    json_object_set_new(obj, "nexthop_routed", json_boolean(a->nexthop_routed));
    json_object_set_new(obj, "server", cli_str_json(a->server));
    json_object_set_new(obj, "mx_host", cli_str_json(a->mx_host));
    json_object_set_new(obj, "service", cli_str_json(a->service));
    json_object_set_new(obj, "word",
                        a->word == TLSP_WORD_NONE ? json_null()
                                                  : json_string(tlsp_word_name(a->word)));
    json_object_set_new(obj, "dialect", json_string(tlsp_dialect_name(a->dialect)));
    json_object_set_new(obj, "loglevel_seen", json_integer(a->loglevel_seen));
    /* The findings are the log's; with -c, the policy fields are the configuration's. */
    diag_fields_json(obj, d, pol);
    s = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        fflush(stdout); /* a reader of a pipe gets each attempt as it is known */
        free(s);
    }
    json_decref(obj);
}

/* ---- each attempt ------------------------------------------------------------------ */

/*
 * routed_nexthop - with -c, the next hop the configuration routes a's first
 * recipient to when the log does not prove a's (tlsp_logdiag_nexthop()),
 * remembered per recipient; NULL when the log's next hop stands. The
 * string belongs to the cache (valid until the next call).
 */
static const char *
routed_nexthop(struct run *r, const struct tlsp_attempt *a)
{
    struct routed *slot;
    char *nexthop = NULL;
    enum tlsp_status st;

    if (r->routes == NULL || a->nexthop_proven || a->n_rcpts == 0 || a->rcpts == NULL ||
        a->rcpts[0] == NULL)
        return NULL;
    slot = &r->routes[memo_hash(a->rcpts[0]) % ROUTE_SLOTS];
    if (slot->rcpt && strcmp(slot->rcpt, a->rcpts[0]) == 0)
        return slot->nexthop;
    if ((st = tlsp_logdiag_nexthop(a, r->cf, &nexthop)) != TLSP_OK) {
        r->st = st;
        return NULL;
    }
    free(slot->rcpt);
    free(slot->nexthop);
    slot->nexthop = nexthop;
    if ((slot->rcpt = strdup(a->rcpts[0])) == NULL) {
        free(slot->nexthop);
        slot->nexthop = NULL;
        r->st = TLSP_NOMEM;
        return NULL;
    }
    return slot->nexthop;
}

static void
on_attempt(void *arg, const struct tlsp_attempt *a0)
{
    struct run *r = arg;
    struct tlsp_logdiag d;
    struct tlsp_diag scratch;
    enum tlsp_status st;
    struct tlsp_attempt routed;
    const struct tlsp_attempt *a = a0;
    const char *nexthop;

    if (r->st != TLSP_OK)
        return;
    /* With -c, an attempt whose next hop the log does not prove is summed up
     * under the next hop the configuration routes it to (a relayhost ...). */
    if ((nexthop = routed_nexthop(r, a0)) != NULL) {
        routed = *a0;
        routed.nexthop = (char *)nexthop;
        routed.nexthop_routed = true;
        a = &routed;
    }
    if (r->st != TLSP_OK)
        return;
    tlsp_diag_init(&scratch);
    /* The summary counts causes; its samples are diagnosed in full when printed. */
    st = tlsp_logdiag_run(a, r->fmt == FMT_JSONL ? &r->ctx_log : &r->ctx_count, &d, &scratch);
    tlsp_diag_fini(&scratch);
    if (st != TLSP_OK) {
        tlsp_logdiag_fini(&d);
        r->st = st;
        return;
    }
    if ((st = tlsp_logsummary_add(r->sum, a, &d)) != TLSP_OK)
        r->st = st;
    else if (r->fmt == FMT_JSONL)
        print_attempt_jsonl(r, a, &d);
    tlsp_logdiag_fini(&d);
}

/* ---- the summary's groups ------------------------------------------------------------ */

/* One group ready to print. */
struct shown {
    const struct tlsp_logdiag *d; /* what is printed */
    struct tlsp_logdiag cfd;      /* storage for the configuration diagnosis */
    bool have_cfd;
};

/* group_diag - the diagnosis to print for a group: with the configuration,
 * the sample attempt diagnosed again; else the stored copy. */
static enum tlsp_status
group_diag(struct run *r, const struct tlsp_logsummary_group *g, struct shown *sh)
{
    enum tlsp_status st;

    memset(sh, 0, sizeof(*sh));
    sh->d = &g->sample.diag;
    if (g->sample.attempt == NULL)
        return TLSP_OK;
    st = tlsp_logdiag_run(g->sample.attempt, r->cf ? &r->ctx_cf : &r->ctx_log, &sh->cfd, r->diag);
    if (st != TLSP_OK) {
        tlsp_logdiag_fini(&sh->cfd);
        return st;
    }
    sh->have_cfd = true;
    sh->d = &sh->cfd;
    return TLSP_OK;
}

static void
shown_fini(struct shown *sh)
{
    if (sh->have_cfd)
        tlsp_logdiag_fini(&sh->cfd);
}

static const char *
nexthop_label(const struct tlsp_logsummary_nexthop *nh, char *buf, size_t len)
{
    switch (nh->key) {
    case TLSP_LOGSUMMARY_NEXTHOP:
        return nh->name;
    case TLSP_LOGSUMMARY_RELAY:
        snprintf(buf, len, "next hop not logged, server %s", nh->name);
        return buf;
    case TLSP_LOGSUMMARY_UNKNOWN:
        return "next hop and server not logged";
    case TLSP_LOGSUMMARY_OTHER:
        snprintf(buf, len, "%llu other next hops (beyond the first %d kept)", nh->nexthops,
                 TLSP_LOGSUMMARY_MAX_NEXTHOPS);
        return buf;
    }
    return "?";
}

static const char *
key_name(enum tlsp_logsummary_key k)
{
    switch (k) {
    case TLSP_LOGSUMMARY_NEXTHOP:
        return "nexthop";
    case TLSP_LOGSUMMARY_RELAY:
        return "relay";
    case TLSP_LOGSUMMARY_UNKNOWN:
        return "unknown";
    case TLSP_LOGSUMMARY_OTHER:
        return "other";
    }
    return "?";
}

static const char *
plural(unsigned long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* ---- text ------------------------------------------------------------------------ */

static void
print_names_text(FILE *fp, const char *label, char *const *v, size_t n)
{
    size_t i;

    fprintf(fp, "%s", label);
    for (i = 0; i < n; i++) {
        fputs(i ? ", " : "", fp);
        cli_put_safe(fp, v[i]);
    }
    if (n == 0)
        fputs("(none known)", fp);
}

static void
print_group_text(FILE *fp, struct run *r, const struct tlsp_logsummary_group *g,
                 const struct shown *sh)
{
    const struct tlsp_logdiag *d = sh->d;
    const struct tlsp_logsummary_sample *sm = &g->sample;
    char t1[64], t2[64];
    size_t i;
    bool have_cf = r->cf != NULL;

    fputs("\n  ", fp);
    cli_put_safe(fp, d->title ? d->title : tlsp_cause_name(d->cause));
    fprintf(fp, " (%s)\n", tlsp_cause_name(d->cause));
    fprintf(fp, "    %s%llu %s, %llu %s, %s .. %s\n", g->messages_approximate ? "about " : "",
            g->messages, plural(g->messages, "message", "messages"), g->attempts,
            plural(g->attempts, "attempt", "attempts"), when_text(g->first, ' ', t1, sizeof(t1)),
            when_text(g->last, ' ', t2, sizeof(t2)));
    {
        char sample[3 * TLSP_ATTEMPT_MAX_FIELD];
        size_t off = 0;

#define SAMPLE_ADD(...)                                                                            \
    do {                                                                                           \
        if (off < sizeof(sample))                                                                  \
            off += (size_t)snprintf(sample + off, sizeof(sample) - off, __VA_ARGS__);              \
    } while (0)
        SAMPLE_ADD("%s:%llu", sm->file ? sm->file : "?", sm->lineno);
        if (sm->queue_id)
            SAMPLE_ADD(", queue id %s", sm->queue_id);
        SAMPLE_ADD(", %s", tlsp_attempt_end_name(sm->end));
        if (sm->dsn)
            SAMPLE_ADD(" dsn=%s", sm->dsn);
        if (sm->reason)
            SAMPLE_ADD(" (%s)", sm->reason);
#undef SAMPLE_ADD
        cli_print_wrapped(fp, "    Sample: ", "      ", sample);
    }
    fputs("    Server: ", fp);
    cli_put_safe(fp, sm->server ? sm->server : "none reached");
    fputc('\n', fp);
    if (sm->loglevel_seen >= 0)
        fprintf(fp, "    Log detail: lines of %s_tls_loglevel %d\n", d->lmtp ? "lmtp" : "smtp",
                sm->loglevel_seen);
    else
        fprintf(fp, "    Log detail: no TLS line of this attempt in the log\n");

    if (d->n_findings > 0) {
        fprintf(fp, "    Findings\n");
        for (i = 0; i < d->n_findings; i++) {
            char lead[32];

            snprintf(lead, sizeof(lead), "      [%s] ", finding_source(d, i));
            cli_print_wrapped(fp, lead, "        ", d->findings[i].text ? d->findings[i].text : "");
        }
    }
    if (d->n_cert_names > 0 || d->chain_trusted >= 0) {
        print_names_text(fp, "    Certificate names in the log: ", d->cert_names, d->n_cert_names);
        fprintf(fp, "%s\n",
                d->n_cert_names == 0     ? ""
                : d->cert_names_complete ? " (every DNS subjectAltName)"
                                         : " (not the complete list)");
        if (d->chain_trusted < 0)
            fprintf(fp, "    Chain: trust unknown\n");
        else
            fprintf(fp, "    Chain: %s (proven by the %s)\n",
                    d->chain_trusted == 1 ? "trusted" : "not trusted",
                    d->chain_from_config ? "configuration" : "log");
    }
    if (d->level || d->n_required > 0) {
        fprintf(fp, "    Policy: level %s [%s]", d->level ? d->level : "unknown", level_source(d));
        if (d->n_required > 0) {
            print_names_text(fp, "; names required ", d->required, d->n_required);
            fprintf(fp, " [%s]", required_source(d));
        }
        fputc('\n', fp);
    }
    if (have_cf) {
        if (d->entry) {
            fputs("    Entry: ", fp);
            cli_put_safe(fp, d->entry);
            if (d->entry_source) {
                fputs(" (", fp);
                cli_put_safe(fp, d->entry_source);
                fputc(')', fp);
            }
            fputc('\n', fp);
        } else {
            fprintf(fp, "    Entry: no policy-table entry applies\n");
        }
    }
    if (d->n_unknown > 0) {
        fprintf(fp, "    Not known from the log\n");
        for (i = 0; i < d->n_unknown; i++)
            cli_print_wrapped(fp, "      - ", "        ", d->unknown[i]);
    }
    if (d->n_settle > 0) {
        fprintf(fp, "    To settle it\n");
        for (i = 0; i < d->n_settle; i++)
            cli_print_wrapped(fp, "      - ", "        ", d->settle[i]);
    }
    if (d->n_fixes > 0) {
        size_t num = 0;

        fprintf(fp, "    Fixes, strongest first%s\n",
                !have_cf ? (d->lmtp ? " (policy-table lines for lmtp_tls_policy_maps: they "
                                      "replace the entry of the same key, if there is one)"
                                    : " (policy-table lines for smtp_tls_policy_maps: they "
                                      "replace the entry of the same key, if there is one)")
                : d->new_entry ? (d->lmtp ? " (no policy entry applies: policy-table lines are new "
                                            "entries for lmtp_tls_policy_maps)"
                                          : " (no policy entry applies: policy-table lines are new "
                                            "entries for smtp_tls_policy_maps)")
                : d->entry     ? " (a policy-table line replaces the entry)"
                               : "");
        for (i = 0; i < d->n_fixes; i++) {
            const struct tlsp_fix *f = &d->fixes[i];
            char lead[32];

            if (f->line) {
                snprintf(lead, sizeof(lead), "      %zu. ", ++num);
                fputs(lead, fp);
                cli_put_safe(fp, f->line);
                fputc('\n', fp);
                cli_print_wrapped(fp, "         ", "         ", f->what ? f->what : "");
            } else {
                cli_print_wrapped(fp, "      -  ", "         ", f->what ? f->what : "");
            }
            if (f->tradeoff)
                cli_print_wrapped(fp, "         Trade-off: ", "         ", f->tradeoff);
            if (f->line && f->checked)
                /* What was tested depends on the fix (names against the logged
                 * names and a chain the log proves trusted, a pin against the
                 * logged fingerprint, a line Postfix parses): its text says. */
                fprintf(fp, "         Checked: tlspolicy tested this line against what the log "
                            "shows (see what it does above).\n");
        }
    }
}

static void
print_text(FILE *fp, struct run *r, const char *title, struct tlsp_logsummary_nexthop *const *v,
           size_t n, const struct tlsp_logscan_stats *ls, const struct tlsp_attempts_stats *as,
           const struct tlsp_logsummary_totals *t)
{
    unsigned long long clean = 0, clean_attempts = 0;
    char t1[64], t2[64], label[512];
    size_t i, k;

    cli_header(fp, title, r->o, r->cf);
    for (i = 0; i < n && r->st == TLSP_OK; i++) {
        const struct tlsp_logsummary_nexthop *nh = v[i];

        if (nh->attempts_failed == 0) {
            clean += nh->nexthops;
            clean_attempts += nh->attempts;
            continue;
        }
        fputc('\n', fp);
        cli_put_safe(fp, nexthop_label(nh, label, sizeof(label)));
        fprintf(fp, ": %s%llu %s, %llu %s (%llu with a TLS problem), %s .. %s\n",
                nh->messages_approximate ? "about " : "", nh->messages,
                plural(nh->messages, "message", "messages"), nh->attempts,
                plural(nh->attempts, "attempt", "attempts"), nh->attempts_failed,
                when_text(nh->first, ' ', t1, sizeof(t1)),
                when_text(nh->last, ' ', t2, sizeof(t2)));
        if (nh->key == TLSP_LOGSUMMARY_NEXTHOP && !nh->nexthop_proven && nh->nexthop_routed)
            fprintf(fp, "  (next hop where the configuration routes the recipients: the log "
                        "does not name it)\n");
        else if (nh->key == TLSP_LOGSUMMARY_NEXTHOP && !nh->nexthop_proven)
            fprintf(fp, "  (next hop taken from the recipient's domain: no session-cache key "
                        "names it)\n");
        for (k = 0; k < nh->n_groups; k++) {
            struct shown sh;
            enum tlsp_status st = group_diag(r, &nh->groups[k], &sh);

            if (st != TLSP_OK) {
                r->st = st;
                break;
            }
            print_group_text(fp, r, &nh->groups[k], &sh);
            shown_fini(&sh);
        }
    }
    if (clean > 0)
        fprintf(fp, "\n%llu %s without a TLS problem (%llu %s)\n", clean,
                plural(clean, "next hop", "next hops"), clean_attempts,
                plural(clean_attempts, "attempt", "attempts"));
    if (t->attempts == 0)
        fprintf(fp, "\nNo delivery attempt of smtp(8) or lmtp(8) in the input.\n");
    if (r->diag->n_msgs > 0) {
        fprintf(fp, "\nNotes and warnings\n");
        cli_print_diag(fp, r->diag, "  ");
    }
    fprintf(fp,
            "\nTotal: %llu %s read from %u %s, %llu delivery %s, %llu with a TLS problem "
            "(%s%llu %s, %llu %s)",
            ls->lines, plural(ls->lines, "line", "lines"), ls->files,
            plural(ls->files, "file", "files"), t->attempts,
            plural(t->attempts, "attempt", "attempts"), t->attempts_failed,
            t->messages_approximate ? "about " : "", t->messages_failed,
            plural(t->messages_failed, "message", "messages"), t->nexthops_failed,
            plural(t->nexthops_failed, "next hop", "next hops"));
    if (as->unfinished > 0)
        fprintf(fp, "; %llu TLS %s without a delivery line", as->unfinished,
                plural(as->unfinished, "session", "sessions"));
    if (t->attempts == 0 && ls->unknown > 0)
        fprintf(fp,
                "; %llu %s in no known log format %s skipped (traditional syslog, also as "
                "journalctl -o short-precise writes it, ISO times as rsyslog and journalctl -o "
                "short-iso write them, RFC 5424 and maillog_file are read, gzip-compressed or "
                "not)",
                ls->unknown, plural(ls->unknown, "line", "lines"),
                ls->unknown == 1 ? "was" : "were");
    if (t->attempts == 0 && ls->truncated > 0)
        fprintf(fp, "; %llu %s longer than %zu bytes %s cut there", ls->truncated,
                plural(ls->truncated, "line", "lines"), (size_t)TLSP_LOGSCAN_MAX_LINE,
                ls->truncated == 1 ? "was" : "were");
    fputc('\n', fp);
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *
sample_json(const struct tlsp_logsummary_sample *sm)
{
    json_t *o = json_object();

    json_object_set_new(o, "file", cli_str_json(sm->file));
    json_object_set_new(o, "line", json_integer((json_int_t)sm->lineno));
    json_object_set_new(o, "when", when_json(sm->when));
    json_object_set_new(o, "queue_id", cli_str_json(sm->queue_id));
    json_object_set_new(o, "server", cli_str_json(sm->server));
    json_object_set_new(o, "mx_host", cli_str_json(sm->mx_host));
    json_object_set_new(o, "end", json_string(tlsp_attempt_end_name(sm->end)));
    json_object_set_new(o, "dsn", cli_str_json(sm->dsn));
    json_object_set_new(o, "reason", cli_str_json(sm->reason));
    json_object_set_new(o, "loglevel_seen", json_integer(sm->loglevel_seen));
    return o;
}

static json_t *
nexthop_json(struct run *r, const struct tlsp_logsummary_nexthop *nh)
{
    json_t *o = json_object(), *causes = json_array();
    size_t k;

    json_object_set_new(o, "nexthop",
                        nh->key == TLSP_LOGSUMMARY_NEXTHOP ? json_string(nh->name) : json_null());
    json_object_set_new(o, "key", json_string(key_name(nh->key)));
    json_object_set_new(o, "server_host",
                        nh->key == TLSP_LOGSUMMARY_RELAY ? json_string(nh->name) : json_null());
    json_object_set_new(o, "nexthop_proven", json_boolean(nh->nexthop_proven));
    json_object_set_new(o, "nexthop_routed", json_boolean(nh->nexthop_routed));
    json_object_set_new(o, "next_hops", json_integer((json_int_t)nh->nexthops));
    json_object_set_new(o, "messages", json_integer((json_int_t)nh->messages));
    json_object_set_new(o, "messages_approximate", json_boolean(nh->messages_approximate));
    json_object_set_new(o, "attempts", json_integer((json_int_t)nh->attempts));
    json_object_set_new(o, "attempts_ok", json_integer((json_int_t)nh->attempts_ok));
    json_object_set_new(o, "attempts_failed", json_integer((json_int_t)nh->attempts_failed));
    json_object_set_new(o, "first", when_json(nh->first));
    json_object_set_new(o, "last", when_json(nh->last));
    for (k = 0; k < nh->n_groups && r->st == TLSP_OK; k++) {
        const struct tlsp_logsummary_group *g = &nh->groups[k];
        json_t *c = json_object();
        struct shown sh;
        enum tlsp_status st = group_diag(r, g, &sh);

        if (st != TLSP_OK) {
            r->st = st;
            json_decref(c);
            break;
        }
        json_object_set_new(c, "messages", json_integer((json_int_t)g->messages));
        json_object_set_new(c, "messages_approximate", json_boolean(g->messages_approximate));
        json_object_set_new(c, "attempts", json_integer((json_int_t)g->attempts));
        json_object_set_new(c, "first", when_json(g->first));
        json_object_set_new(c, "last", when_json(g->last));
        json_object_set_new(c, "sample", sample_json(&g->sample));
        diag_fields_json(c, sh.d, sh.d);
        json_array_append_new(causes, c);
        shown_fini(&sh);
    }
    json_object_set_new(o, "causes", causes);
    return o;
}

static void
print_json(struct run *r, char **files, size_t n_files, struct tlsp_logsummary_nexthop *const *v,
           size_t n, const struct tlsp_logscan_stats *ls, const struct tlsp_attempts_stats *as,
           const struct tlsp_logsummary_totals *t, int rc)
{
    json_t *doc = cli_header_json(SUB, "", r->o, r->cf);
    json_t *fa = json_array(), *stats = json_object(), *nhs = json_array();
    size_t i;

    for (i = 0; i < n_files; i++)
        json_array_append_new(fa, json_string(files[i]));
    if (n_files == 0)
        json_array_append_new(fa, json_string("-"));
    json_object_set_new(doc, "files", fa);
    json_object_set_new(stats, "files", json_integer(ls->files));
    json_object_set_new(stats, "bytes", json_integer((json_int_t)ls->bytes));
    json_object_set_new(stats, "lines", json_integer((json_int_t)ls->lines));
    json_object_set_new(stats, "lines_returned", json_integer((json_int_t)ls->returned));
    json_object_set_new(stats, "lines_unknown", json_integer((json_int_t)ls->unknown));
    json_object_set_new(stats, "lines_truncated", json_integer((json_int_t)ls->truncated));
    json_object_set_new(stats, "attempts", json_integer((json_int_t)t->attempts));
    json_object_set_new(stats, "attempts_failed", json_integer((json_int_t)t->attempts_failed));
    json_object_set_new(stats, "messages_failed", json_integer((json_int_t)t->messages_failed));
    json_object_set_new(stats, "messages_approximate", json_boolean(t->messages_approximate));
    json_object_set_new(stats, "nexthops", json_integer((json_int_t)t->nexthops));
    json_object_set_new(stats, "nexthops_failed", json_integer((json_int_t)t->nexthops_failed));
    json_object_set_new(stats, "nexthops_other", json_integer((json_int_t)t->nexthops_other));
    json_object_set_new(stats, "unfinished", json_integer((json_int_t)as->unfinished));
    json_object_set_new(stats, "processes_dropped", json_integer((json_int_t)as->dropped));
    json_object_set_new(doc, "stats", stats);
    for (i = 0; i < n && r->st == TLSP_OK; i++)
        json_array_append_new(nhs, nexthop_json(r, v[i]));
    json_object_set_new(doc, "nexthops", nhs);
    json_object_set_new(doc, "messages", cli_diag_json(r->diag));
    json_object_set_new(doc, "exit", json_integer(rc));
    if (r->st != TLSP_OK) {
        json_decref(doc);
        return;
    }
    cli_print_json(doc);
}

/* ---- master.cf names ---------------------------------------------------------------- */

/*
 * add_idents - the syslog names of master.cf's smtp(8) and lmtp(8)
 * services that set syslog_name ("-o syslog_name=postfix-out" logs as
 * "postfix-out/smtp"), with $service_name / ${service_name} replaced.
 * Names already matched by the program name are harmless duplicates.
 */
static enum tlsp_status
add_idents(struct tlsp_cf *cf, char ***out, size_t *n_out)
{
    size_t i, k, n = tlsp_cf_n_services(cf), count = 0;
    char **v = calloc(n + 1, sizeof(*v));

    *out = NULL;
    *n_out = 0;
    if (v == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < n; i++) {
        const struct tlsp_cf_service *svc = tlsp_cf_service_at(cf, i);
        const char *value = NULL;
        char buf[1024];
        size_t len = 0;
        const char *p;

        if (svc == NULL || svc->command == NULL ||
            (strcmp(svc->command, "smtp") != 0 && strcmp(svc->command, "lmtp") != 0))
            continue;
        for (k = 0; k < svc->n_overrides; k++)
            if (strcmp(svc->override_names[k], "syslog_name") == 0)
                value = svc->override_values[k];
        if (value == NULL || *value == 0)
            continue;
        for (p = value; *p && len + 1 < sizeof(buf);) {
            const char *name = NULL;
            size_t skip = 0;

            if (strncmp(p, "${service_name}", 15) == 0)
                skip = 15;
            else if (strncmp(p, "$service_name", 13) == 0)
                skip = 13;
            if (skip) {
                name = svc->name;
                if (len + strlen(name) + 1 >= sizeof(buf))
                    break;
                memcpy(buf + len, name, strlen(name));
                len += strlen(name);
                p += skip;
                continue;
            }
            buf[len++] = *p++;
        }
        buf[len] = 0;
        if (strchr(buf, '$'))
            continue; /* another parameter: not worth guessing */
        if (len + strlen(svc->command) + 2 > sizeof(buf))
            continue;
        snprintf(buf + len, sizeof(buf) - len, "/%s", svc->command);
        for (k = 0; k < count; k++)
            if (strcmp(v[k], buf) == 0)
                break;
        if (k < count)
            continue;
        if ((v[count] = strdup(buf)) == NULL) {
            for (k = 0; k < count; k++)
                free(v[k]);
            free(v);
            return TLSP_NOMEM;
        }
        count++;
    }
    *out = v;
    *n_out = count;
    return TLSP_OK;
}

/* ---- the command ------------------------------------------------------------------ */

int
cmd_explain(int argc, char **argv)
{
    struct cli_opts o;
    struct tlsp_diag diag;
    struct run r;
    struct tlsp_logscan_opts lo;
    struct tlsp_logscan *scan = NULL;
    struct tlsp_attempts *as = NULL;
    struct tlsp_logsummary_opts so;
    struct tlsp_logscan_stats ls;
    struct tlsp_attempts_stats ast;
    struct tlsp_logsummary_totals tot;
    struct tlsp_logsummary_nexthop *const *v = NULL;
    char **idents = NULL, **files;
    size_t n_idents = 0, n_files, nv = 0, i;
    const char **ovr;
    bool no_progress = false, fmt_given = false;
    char *title = NULL;
    int c, rc = EXIT_DELIVER, year = 0;
    enum tlsp_status st;

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    memset(&lo, 0, sizeof(lo));
    lo.read_ahead = true; /* the second core reads while this one diagnoses */
    memset(&ls, 0, sizeof(ls));
    memset(&ast, 0, sizeof(ast));
    o.version = tlsp_version_default;
    if ((ovr = calloc((size_t)argc + 1, sizeof(*ovr))) == NULL)
        return EXIT_USAGE;
    o.overrides = ovr;
    tlsp_diag_init(&diag);
    r.o = &o;
    r.diag = &diag;
    r.fmt = FMT_TEXT;
    argv[0] = (char *)"tlspolicy explain";
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:h", long_opts, NULL)) != -1) {
        int handled = cli_common_option(SUB, c, optarg, &o, &diag);

        if (handled > 0) {
            rc = handled;
            goto out;
        }
        if (handled == 0) {
            if (c == CLI_OPT_JSON) {
                if (fmt_given && r.fmt != FMT_JSON) {
                    rc = cli_usage_error(SUB, "--json and --format=%s contradict each other",
                                         r.fmt == FMT_TEXT ? "text" : "jsonl");
                    goto out;
                }
                r.fmt = FMT_JSON;
                fmt_given = true;
            }
            continue;
        }
        switch (c) {
        case OPT_YEAR: {
            char *end;
            long y = strtol(optarg, &end, 10);

            if (end == optarg || *end != 0 || y < 1970 || y > 9999) {
                rc = cli_usage_error(SUB, "--year wants a year from 1970 to 9999, not \"%s\"",
                                     optarg);
                goto out;
            }
            year = (int)y;
            break;
        }
        case OPT_FORMAT: {
            enum format f;

            if (strcmp(optarg, "text") == 0)
                f = FMT_TEXT;
            else if (strcmp(optarg, "json") == 0)
                f = FMT_JSON;
            else if (strcmp(optarg, "jsonl") == 0)
                f = FMT_JSONL;
            else {
                rc = cli_usage_error(SUB, "--format wants text, json or jsonl, not \"%s\"", optarg);
                goto out;
            }
            if (fmt_given && f != r.fmt) {
                rc = cli_usage_error(SUB, "--format and --json contradict each other, or "
                                          "--format is given twice");
                goto out;
            }
            r.fmt = f;
            fmt_given = true;
            break;
        }
        case OPT_NO_PROGRESS:
            no_progress = true;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    /* Errors as one JSON document only with --json; jsonl readers get them on stderr. */
    o.json = r.fmt == FMT_JSON;
    files = argv + optind;
    n_files = (size_t)(argc - optind);
    for (i = 0; i < n_files; i++) {
        if (files[i][0] == 0) {
            rc = cli_usage_error(SUB, "an empty FILE name");
            goto out;
        }
    }
    if (n_files == 0 && isatty(STDIN_FILENO)) {
        rc = cli_usage_error(SUB, "no log FILE given, and standard input is a terminal (give "
                                  "\"-\" to type or paste log lines)");
        goto out;
    }

    /* The configuration, when one is named (-c) or changed (-o). */
    if (o.config_dir || o.n_overrides > 0) {
        if ((r.cf = cli_load_cf(&o, &diag)) == NULL) {
            rc = cli_print_fatal(SUB, o.json, "", &o, &diag,
                                 tlsp_diag_worst(&diag) == TLSP_SEV_FATAL
                                     ? "Postfix stops with this configuration"
                                     : NULL);
            goto out;
        }
        if ((st = add_idents(r.cf, &idents, &n_idents)) != TLSP_OK) {
            rc = cli_print_fatal(SUB, o.json, "", &o, &diag, cli_stop_context(st));
            goto out;
        }
        if ((r.routes = calloc(ROUTE_SLOTS, sizeof(*r.routes))) == NULL) {
            rc = cli_print_fatal(SUB, o.json, "", &o, &diag, cli_stop_context(TLSP_NOMEM));
            goto out;
        }
        if (r.fmt == FMT_JSONL && (r.memo = calloc(MEMO_SLOTS, sizeof(*r.memo))) == NULL) {
            rc = cli_print_fatal(SUB, o.json, "", &o, &diag, cli_stop_context(TLSP_NOMEM));
            goto out;
        }
    }
    r.ctx_log.cf = NULL;
    r.ctx_log.version = o.version;
    r.ctx_cf.cf = r.cf;
    r.ctx_cf.version = o.version;
    r.ctx_count = r.ctx_log;
    r.ctx_count.cause_only = true;

    memset(&so, 0, sizeof(so));
    so.keep_attempts = true; /* the samples are diagnosed in full when printed */
    if ((st = tlsp_logsummary_new(&so, &r.sum)) != TLSP_OK ||
        (st = tlsp_attempts_new(on_attempt, &r, &as)) != TLSP_OK) {
        rc = cli_print_fatal(SUB, o.json, "", &o, &diag, cli_stop_context(st));
        goto out;
    }

    lo.year = year;
    lo.idents = (const char *const *)idents;
    lo.n_idents = n_idents;
    /* Not when JSON lines go to the same terminal as they are read. */
    if (!no_progress && isatty(STDERR_FILENO) && !(r.fmt == FMT_JSONL && isatty(STDOUT_FILENO))) {
        lo.progress = progress;
        lo.progress_arg = &r;
    }
    /* jsonl streams: a line per attempt as soon as it is complete, so no
     * reading ahead (which would hold lines back in the reader's buffer). */
    if (r.fmt == FMT_JSONL)
        lo.read_ahead = false;
    if ((st = tlsp_logscan_open((const char *const *)files, n_files, &lo, &scan, &diag)) !=
        TLSP_OK) {
        rc = cli_print_fatal(SUB, o.json, "", &o, &diag,
                             st == TLSP_IO || st == TLSP_UNSUPPORTED ? "the log cannot be read"
                                                                     : cli_stop_context(st));
        goto out;
    }
    for (;;) {
        struct tlsp_logline line;
        bool got = false;

        st = tlsp_logscan_next(scan, &line, &got, &diag);
        if (st != TLSP_OK || !got)
            break;
        if ((st = tlsp_attempts_feed(as, &line)) != TLSP_OK || (st = r.st) != TLSP_OK)
            break;
    }
    if (st == TLSP_OK && (st = tlsp_attempts_finish(as)) == TLSP_OK)
        st = r.st;
    progress_clear(&r);
    if (st != TLSP_OK) {
        rc = cli_print_fatal(SUB, o.json, "", &o, &diag,
                             st == TLSP_IO || st == TLSP_UNSUPPORTED
                                 ? "the log cannot be read to its end"
                                 : cli_stop_context(st));
        goto out;
    }

    tlsp_logscan_stats(scan, &ls);
    tlsp_attempts_stats(as, &ast);
    tlsp_logsummary_totals(r.sum, &tot);
    if ((st = tlsp_logsummary_sorted(r.sum, &v, &nv)) != TLSP_OK) {
        rc = cli_print_fatal(SUB, o.json, "", &o, &diag, cli_stop_context(st));
        goto out;
    }
    rc = tot.attempts_failed > 0 ? EXIT_DEFER : EXIT_DELIVER;

    if (r.fmt == FMT_JSON) {
        print_json(&r, files, n_files, v, nv, &ls, &ast, &tot, rc);
    } else if (r.fmt == FMT_TEXT) {
        size_t len = 64;

        for (i = 0; i < n_files; i++)
            len += strlen(files[i]) + 1;
        if ((title = malloc(len)) == NULL) {
            r.st = TLSP_NOMEM;
        } else {
            size_t off = (size_t)snprintf(title, len, "tlspolicy explain%s",
                                          n_files ? "" : " (standard input)");

            for (i = 0; i < n_files && off < len; i++)
                off += (size_t)snprintf(title + off, len - off, " %s", files[i]);
            print_text(stdout, &r, title, v, nv, &ls, &ast, &tot);
        }
    }
    if (r.fmt == FMT_JSONL && diag.n_msgs > 0)
        cli_print_diag(stderr, &diag, "tlspolicy explain: ");
    if (r.st != TLSP_OK) {
        fflush(stdout);
        rc = cli_print_fatal(SUB, o.json, "", &o, &diag, cli_stop_context(r.st));
    }
out:
    progress_clear(&r);
    tlsp_logscan_free(scan);
    tlsp_attempts_free(as);
    tlsp_logsummary_free(r.sum);
    if (r.routes) {
        for (i = 0; i < ROUTE_SLOTS; i++) {
            free(r.routes[i].rcpt);
            free(r.routes[i].nexthop);
        }
        free(r.routes);
    }
    if (r.memo) {
        for (i = 0; i < MEMO_SLOTS; i++) {
            if (r.memo[i].key) {
                free(r.memo[i].key);
                tlsp_logdiag_fini(&r.memo[i].diag);
            }
        }
        free(r.memo);
    }
    if (idents) {
        for (i = 0; i < n_idents; i++)
            free(idents[i]);
        free(idents);
    }
    free(title);
    tlsp_cf_free(r.cf);
    tlsp_diag_fini(&diag);
    free(ovr);
    return rc;
}
