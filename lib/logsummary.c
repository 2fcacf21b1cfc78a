/*
 * logsummary.c - delivery attempts from the log, summed up per next hop
 *
 * Next hops live in an open-addressing hash table keyed by (key kind,
 * name); each holds up to TLSP_CAUSE_COUNT groups in a small array.
 * Distinct queue ids are counted in a set of 64-bit hashes until the
 * counter's exact limit, then in a HyperLogLog of 2^10 one-byte registers
 * built from the same hashes.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/logsummary.h>

#include "util/str.h"

#define HLL_BITS 10
#define HLL_M (1u << HLL_BITS)
#define EXACT_MAX 65536

/* ---- hashing ---------------------------------------------------------------------- */

/* hash64 - FNV-1a over the bytes, then the splitmix64 finalizer so that
 * every bit of the result depends on every byte (HyperLogLog needs both the
 * low bits, for the register, and the high bits, for the run of zeros). */
static uint64_t
hash64(const char *s, size_t len, uint64_t seed)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 0x100000001b3ULL;
    }
    h += 0x9e3779b97f4a7c15ULL;
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

/* ---- distinct ids ------------------------------------------------------------------ */

struct tlsp_logsummary_ids {
    size_t limit;  /* exact up to this many */
    size_t n;      /* distinct hashes in set */
    size_t cap;    /* slots in set (power of two), 0 before the first */
    uint64_t *set; /* 0 = empty slot; NULL once in HyperLogLog mode */
    uint8_t *hll;  /* HLL_M registers, or NULL in exact mode */
};

static struct tlsp_logsummary_ids *
ids_new(size_t limit)
{
    struct tlsp_logsummary_ids *c = calloc(1, sizeof(*c));

    if (c)
        c->limit = limit;
    return c;
}

static void
ids_free(struct tlsp_logsummary_ids *c)
{
    if (c == NULL)
        return;
    free(c->set);
    free(c->hll);
    free(c);
}

static void
hll_add(uint8_t *reg, uint64_t h)
{
    size_t idx = (size_t)(h & (HLL_M - 1));
    uint64_t rest = h >> HLL_BITS;
    uint8_t rank = 1;

    /* rank: position of the first 1 bit in the remaining 54 bits, from 1. */
    while (rank <= 64 - HLL_BITS && (rest & 1) == 0) {
        rank++;
        rest >>= 1;
    }
    if (rank > reg[idx])
        reg[idx] = rank;
}

static double
hll_estimate(const uint8_t *reg)
{
    const double m = HLL_M;
    const double alpha = 0.7213 / (1.0 + 1.079 / m);
    double sum = 0, e;
    size_t i, zeros = 0;

    for (i = 0; i < HLL_M; i++) {
        sum += ldexp(1.0, -(int)reg[i]);
        if (reg[i] == 0)
            zeros++;
    }
    e = alpha * m * m / sum;
    if (e <= 2.5 * m && zeros > 0)
        e = m * log(m / (double)zeros); /* small range: linear counting */
    return e;
}

static void
set_insert(uint64_t *set, size_t cap, uint64_t h)
{
    size_t i = (size_t)(h & (cap - 1));

    while (set[i] != 0 && set[i] != h)
        i = (i + 1) & (cap - 1);
    set[i] = h;
}

static bool
set_contains(const uint64_t *set, size_t cap, uint64_t h)
{
    size_t i;

    if (cap == 0)
        return false;
    for (i = (size_t)(h & (cap - 1)); set[i] != 0; i = (i + 1) & (cap - 1))
        if (set[i] == h)
            return true;
    return false;
}

/* ids_add - count the id whose hash is h. */
static enum tlsp_status
ids_add(struct tlsp_logsummary_ids *c, uint64_t h)
{
    size_t i;

    if (h == 0)
        h = 1; /* 0 marks an empty slot */
    if (c->hll) {
        hll_add(c->hll, h);
        return TLSP_OK;
    }
    if (set_contains(c->set, c->cap, h))
        return TLSP_OK;
    if (c->n + 1 > c->limit) {
        /* Past the exact limit: go over to the estimate. */
        uint8_t *reg = calloc(HLL_M, 1);

        if (reg == NULL)
            return TLSP_NOMEM;
        for (i = 0; i < c->cap; i++)
            if (c->set[i])
                hll_add(reg, c->set[i]);
        hll_add(reg, h);
        free(c->set);
        c->set = NULL;
        c->cap = 0;
        c->hll = reg;
        return TLSP_OK;
    }
    if ((c->n + 1) * 2 > c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        uint64_t *nset = calloc(ncap, sizeof(*nset));

        if (nset == NULL)
            return TLSP_NOMEM;
        for (i = 0; i < c->cap; i++)
            if (c->set[i])
                set_insert(nset, ncap, c->set[i]);
        free(c->set);
        c->set = nset;
        c->cap = ncap;
    }
    set_insert(c->set, c->cap, h);
    c->n++;
    return TLSP_OK;
}

static unsigned long long
ids_count(const struct tlsp_logsummary_ids *c, bool *approximate)
{
    if (c == NULL) {
        *approximate = false;
        return 0;
    }
    *approximate = c->hll != NULL;
    if (c->hll)
        return (unsigned long long)llround(hll_estimate(c->hll));
    return c->n;
}

/* ---- the summary ------------------------------------------------------------------ */

struct tlsp_logsummary {
    struct tlsp_logsummary_opts opts;
    struct tlsp_logsummary_nexthop **slots; /* hash table, NULL = empty */
    size_t cap;                             /* power of two */
    struct tlsp_logsummary_nexthop **list;  /* kept next hops, in arrival order */
    size_t n_list, list_cap;
    struct tlsp_logsummary_nexthop *other; /* beyond max_nexthops, or NULL */
    struct tlsp_logsummary_ids *all_ids;   /* every queue id with a TLS problem */
    struct tlsp_logsummary_totals totals;
    struct tlsp_logsummary_nexthop **sorted;
};

static void
sample_fini(struct tlsp_logsummary_sample *s)
{
    free(s->block_);
    memset(s, 0, sizeof(*s));
}

static void
nexthop_free(struct tlsp_logsummary_nexthop *nh)
{
    size_t i;

    if (nh == NULL)
        return;
    for (i = 0; i < nh->n_groups; i++) {
        sample_fini(&nh->groups[i].sample);
        ids_free(nh->groups[i].ids_);
        free(nh->groups[i].detail);
    }
    free(nh->groups);
    ids_free(nh->ids_);
    free(nh->name);
    free(nh);
}

void
tlsp_logsummary_free(struct tlsp_logsummary *s)
{
    size_t i;

    if (s == NULL)
        return;
    for (i = 0; i < s->n_list; i++)
        nexthop_free(s->list[i]);
    nexthop_free(s->other);
    ids_free(s->all_ids);
    free(s->slots);
    free(s->list);
    free(s->sorted);
    free(s);
}

enum tlsp_status
tlsp_logsummary_new(const struct tlsp_logsummary_opts *opts, struct tlsp_logsummary **out)
{
    struct tlsp_logsummary *s;

    if (out == NULL)
        return TLSP_INVAL;
    *out = NULL;
    if (opts && opts->exact_limit > EXACT_MAX)
        return TLSP_INVAL;
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return TLSP_NOMEM;
    if (opts)
        s->opts = *opts;
    if (s->opts.max_nexthops == 0)
        s->opts.max_nexthops = TLSP_LOGSUMMARY_MAX_NEXTHOPS;
    if (s->opts.exact_limit == 0)
        s->opts.exact_limit = TLSP_LOGSUMMARY_EXACT;
    s->cap = 64;
    if ((s->slots = calloc(s->cap, sizeof(*s->slots))) == NULL ||
        (s->all_ids = ids_new(s->opts.exact_limit)) == NULL) {
        tlsp_logsummary_free(s);
        return TLSP_NOMEM;
    }
    *out = s;
    return TLSP_OK;
}

static uint64_t
key_hash(enum tlsp_logsummary_key key, const char *name)
{
    return hash64(name ? name : "", name ? strlen(name) : 0, (uint64_t)key * 0x51ed27ULL);
}

static bool
key_eq(const struct tlsp_logsummary_nexthop *nh, enum tlsp_logsummary_key key, const char *name)
{
    if (nh->key != key)
        return false;
    if (nh->name == NULL || name == NULL)
        return nh->name == name;
    return strcmp(nh->name, name) == 0;
}

static enum tlsp_status
grow_table(struct tlsp_logsummary *s)
{
    size_t ncap = s->cap * 2, i;
    struct tlsp_logsummary_nexthop **nslots = calloc(ncap, sizeof(*nslots));

    if (nslots == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < s->n_list; i++) {
        size_t j = (size_t)(key_hash(s->list[i]->key, s->list[i]->name) & (ncap - 1));

        while (nslots[j])
            j = (j + 1) & (ncap - 1);
        nslots[j] = s->list[i];
    }
    free(s->slots);
    s->slots = nslots;
    s->cap = ncap;
    return TLSP_OK;
}

static struct tlsp_logsummary_nexthop *
nexthop_new(struct tlsp_logsummary *s, enum tlsp_logsummary_key key, const char *name)
{
    struct tlsp_logsummary_nexthop *nh = calloc(1, sizeof(*nh));

    if (nh == NULL)
        return NULL;
    nh->key = key;
    nh->first = nh->last = -1;
    if ((name && (nh->name = tlsp_strdup(name)) == NULL) ||
        (nh->ids_ = ids_new(s->opts.exact_limit)) == NULL) {
        nexthop_free(nh);
        return NULL;
    }
    return nh;
}

/* find_nexthop - the entry for (key, name), made when new (or OTHER when full). */
static enum tlsp_status
find_nexthop(struct tlsp_logsummary *s, enum tlsp_logsummary_key key, const char *name,
             struct tlsp_logsummary_nexthop **out)
{
    uint64_t h = key_hash(key, name);
    size_t j = (size_t)(h & (s->cap - 1));
    struct tlsp_logsummary_nexthop *nh;

    while (s->slots[j]) {
        if (key_eq(s->slots[j], key, name)) {
            *out = s->slots[j];
            return TLSP_OK;
        }
        j = (j + 1) & (s->cap - 1);
    }
    s->totals.nexthops++;
    if (s->n_list >= s->opts.max_nexthops) {
        if (s->other == NULL && (s->other = nexthop_new(s, TLSP_LOGSUMMARY_OTHER, NULL)) == NULL) {
            s->totals.nexthops--;
            return TLSP_NOMEM;
        }
        s->other->nexthops++;
        s->totals.nexthops_other++;
        /* Not remembered: a later attempt to the same next hop is counted as
         * another next hop in totals.nexthops, which is then an upper bound. */
        *out = s->other;
        return TLSP_OK;
    }
    if ((nh = nexthop_new(s, key, name)) == NULL) {
        s->totals.nexthops--;
        return TLSP_NOMEM;
    }
    nh->nexthops = 1;
    if ((s->n_list + 1) * 2 > s->cap) {
        if (grow_table(s) != TLSP_OK) {
            nexthop_free(nh);
            s->totals.nexthops--;
            return TLSP_NOMEM;
        }
        j = (size_t)(h & (s->cap - 1));
        while (s->slots[j])
            j = (j + 1) & (s->cap - 1);
    }
    if (s->n_list == s->list_cap) {
        size_t ncap = s->list_cap ? s->list_cap * 2 : 16;
        struct tlsp_logsummary_nexthop **nl = realloc(s->list, ncap * sizeof(*nl));

        if (nl == NULL) {
            nexthop_free(nh);
            s->totals.nexthops--;
            return TLSP_NOMEM;
        }
        s->list = nl;
        s->list_cap = ncap;
    }
    s->list[s->n_list++] = nh;
    s->slots[j] = nh;
    *out = nh;
    return TLSP_OK;
}

static void
widen_times(long long *first, long long *last, const struct tlsp_attempt *a)
{
    long long f = a->first_when >= 0 ? a->first_when : a->when;
    long long l = a->when >= 0 ? a->when : a->first_when;

    if (f >= 0 && (*first < 0 || f < *first))
        *first = f;
    if (l >= 0 && (*last < 0 || l > *last))
        *last = l;
}

/* more_informative - whether a should replace the group's sample. */
static bool
more_informative(const struct tlsp_logsummary_group *g, const struct tlsp_attempt *a)
{
    const struct tlsp_logsummary_sample *cur = &g->sample;

    if (g->attempts == 0)
        return true;
    /* More detail wins; with the same detail the first one stays, so that a
     * busy group is not copied again at every attempt. */
    return a->loglevel_seen > cur->loglevel_seen;
}

/*
 * A sample is copied into one block: a first pass over the data measures
 * it (base NULL: nothing is written), a second one fills it. One malloc()
 * per sample matters: the sample of a busy group is replaced by each later
 * attempt with as much detail.
 */
struct arena {
    char *base; /* NULL while measuring */
    size_t used;
};

static void *
ar_alloc(struct arena *ar, size_t n, size_t align)
{
    size_t off = (ar->used + align - 1) & ~(align - 1);

    ar->used = off + n;
    return ar->base ? ar->base + off : NULL;
}

static char *
ar_str(struct arena *ar, const char *s)
{
    size_t n;
    char *p;

    if (s == NULL)
        return NULL;
    n = strlen(s) + 1;
    if ((p = ar_alloc(ar, n, 1)) != NULL)
        memcpy(p, s, n);
    return p;
}

/* ar_strv - a copy of n strings; *n_out is n, or 0 when v is NULL. */
static char **
ar_strv(struct arena *ar, char *const *v, size_t n, size_t *n_out)
{
    char **out;
    size_t i;

    *n_out = v ? n : 0;
    if (v == NULL || n == 0)
        return NULL;
    out = ar_alloc(ar, n * sizeof(*out), _Alignof(char *));
    for (i = 0; i < n; i++) {
        char *c = ar_str(ar, v[i]);

        if (out)
            out[i] = c;
    }
    return out;
}

static void
ar_diag(struct arena *ar, const struct tlsp_logdiag *src, struct tlsp_logdiag *dst)
{
    struct tlsp_finding *fv = NULL;
    struct tlsp_fix *xv = NULL;
    size_t i;

    *dst = *src;
    dst->title = ar_str(ar, src->title);
    dst->n_findings = src->findings ? src->n_findings : 0;
    if (dst->n_findings > 0)
        fv = ar_alloc(ar, dst->n_findings * sizeof(*fv), _Alignof(struct tlsp_finding));
    for (i = 0; i < dst->n_findings; i++) {
        char *t = ar_str(ar, src->findings[i].text);

        if (fv) {
            fv[i].text = t;
            fv[i].proven = src->findings[i].proven;
            fv[i].config = src->findings[i].config;
        }
    }
    dst->findings = fv;
    dst->unknown = ar_strv(ar, src->unknown, src->n_unknown, &dst->n_unknown);
    dst->settle = ar_strv(ar, src->settle, src->n_settle, &dst->n_settle);
    dst->level = ar_str(ar, src->level);
    dst->required = ar_strv(ar, src->required, src->n_required, &dst->n_required);
    dst->cert_names = ar_strv(ar, src->cert_names, src->n_cert_names, &dst->n_cert_names);
    dst->entry = ar_str(ar, src->entry);
    dst->entry_source = ar_str(ar, src->entry_source);
    dst->table_key = ar_str(ar, src->table_key);
    dst->n_fixes = src->fixes ? src->n_fixes : 0;
    if (dst->n_fixes > 0)
        xv = ar_alloc(ar, dst->n_fixes * sizeof(*xv), _Alignof(struct tlsp_fix));
    for (i = 0; i < dst->n_fixes; i++) {
        char *l = ar_str(ar, src->fixes[i].line);
        char *w = ar_str(ar, src->fixes[i].what);
        char *t = ar_str(ar, src->fixes[i].tradeoff);

        if (xv) {
            xv[i].line = l;
            xv[i].what = w;
            xv[i].tradeoff = t;
            xv[i].checked = src->fixes[i].checked;
        }
    }
    dst->fixes = xv;
}

static struct tlsp_attempt *
ar_attempt(struct arena *ar, const struct tlsp_attempt *a)
{
    struct tlsp_attempt *c = ar_alloc(ar, sizeof(*c), _Alignof(struct tlsp_attempt));
    struct tlsp_attempt t = *a;
    struct tlsp_depth_line *dv = NULL;
    size_t i;

    t.file = ar_str(ar, a->file);
    t.ident = ar_str(ar, a->ident);
    t.queue_id = ar_str(ar, a->queue_id);
    t.rcpts = ar_strv(ar, a->rcpts, a->n_rcpts, &t.n_rcpts);
    t.relay = ar_str(ar, a->relay);
    t.dsn = ar_str(ar, a->dsn);
    t.status = ar_str(ar, a->status);
    t.reason = ar_str(ar, a->reason);
    t.nexthop = ar_str(ar, a->nexthop);
    t.service = ar_str(ar, a->service);
    t.server = ar_str(ar, a->server);
    t.mx_host = ar_str(ar, a->mx_host);
    t.cache_key = ar_str(ar, a->cache_key);
    t.protocol = ar_str(ar, a->protocol);
    t.cipher = ar_str(ar, a->cipher);
    t.n_depths = a->depths ? a->n_depths : 0;
    if (t.n_depths > 0)
        dv = ar_alloc(ar, t.n_depths * sizeof(*dv), _Alignof(struct tlsp_depth_line));
    for (i = 0; i < t.n_depths; i++) {
        char *subj = ar_str(ar, a->depths[i].subject);

        if (dv) {
            dv[i] = a->depths[i];
            dv[i].subject = subj;
        }
    }
    t.depths = dv;
    t.verify_error = ar_str(ar, a->verify_error);
    t.verify_purpose = ar_str(ar, a->verify_purpose);
    t.sans = ar_strv(ar, a->sans, a->n_sans, &t.n_sans);
    t.matched_san = ar_str(ar, a->matched_san);
    t.common_name = ar_str(ar, a->common_name);
    t.subject_cn = ar_str(ar, a->subject_cn);
    t.issuer_cn = ar_str(ar, a->issuer_cn);
    t.cert_fpt = ar_str(ar, a->cert_fpt);
    t.pkey_fpt = ar_str(ar, a->pkey_fpt);
    t.matched_peername = ar_str(ar, a->matched_peername);
    t.handshake_error = ar_str(ar, a->handshake_error);
    t.warnings = ar_strv(ar, a->warnings, a->n_warnings, &t.n_warnings);
    t.engine_error = ar_str(ar, a->engine_error);
    if (c)
        *c = t;
    return c;
}

static void
ar_sample(struct arena *ar, const struct tlsp_attempt *a, const struct tlsp_logdiag *d,
          bool keep_attempt, struct tlsp_logsummary_sample *sm)
{
    sm->lineno = a->lineno;
    sm->when = a->when;
    sm->end = a->end;
    sm->loglevel_seen = a->loglevel_seen;
    sm->file = ar_str(ar, a->file);
    sm->queue_id = ar_str(ar, a->queue_id);
    sm->server = ar_str(ar, a->server);
    sm->mx_host = ar_str(ar, a->mx_host);
    sm->reason = ar_str(ar, a->reason);
    sm->dsn = ar_str(ar, a->dsn);
    ar_diag(ar, d, &sm->diag);
    sm->attempt = keep_attempt ? ar_attempt(ar, a) : NULL;
}

static enum tlsp_status
take_sample(struct tlsp_logsummary *s, struct tlsp_logsummary_group *g,
            const struct tlsp_attempt *a, const struct tlsp_logdiag *d)
{
    struct tlsp_logsummary_sample n;
    struct arena ar = {NULL, 0};

    memset(&n, 0, sizeof(n));
    ar_sample(&ar, a, d, s->opts.keep_attempts, &n);
    if ((ar.base = malloc(ar.used ? ar.used : 1)) == NULL)
        return TLSP_NOMEM;
    memset(&n, 0, sizeof(n));
    ar.used = 0;
    ar_sample(&ar, a, d, s->opts.keep_attempts, &n);
    n.block_ = ar.base;
    sample_fini(&g->sample);
    g->sample = n;
    return TLSP_OK;
}

/*
 * group_detail - for a policy or attribute error, the part of Postfix's
 * warning that tells one error from another of the same cause: after the
 * "smtp_tls_policy_maps, next-hop destination "DEST": " or "HOST[ADDR]:PORT: "
 * prefix (spec 1.7). NULL for other causes, or when no such warning is kept.
 */
static const char *
group_detail(enum tlsp_cause cause, const struct tlsp_attempt *a, size_t *len)
{
    size_t i;

    if (cause != TLSP_CAUSE_POLICY_INVALID && cause != TLSP_CAUSE_BAD_CIPHERS &&
        cause != TLSP_CAUSE_BAD_PROTOCOLS)
        return NULL;
    for (i = 0; i < a->n_warnings; i++) {
        const char *w = a->warnings[i], *p;

        if (w == NULL || strstr(w, "nvalid") == NULL || strncmp(w, "TLS policy lookup for ", 22) == 0)
            continue;
        p = strstr(w, "\": ");
        if (p && strstr(w, "_tls_policy_maps, next-hop destination \"") != NULL)
            p += 3;
        else if ((p = strstr(w, "]:")) != NULL && (p = strstr(p, ": ")) != NULL)
            p += 2;
        else
            p = w;
        *len = strlen(p);
        return p;
    }
    return NULL;
}

static enum tlsp_status
find_group(struct tlsp_logsummary *s, struct tlsp_logsummary_nexthop *nh, enum tlsp_cause cause,
           const struct tlsp_attempt *a, struct tlsp_logsummary_group **out)
{
    struct tlsp_logsummary_group *ng, *g;
    size_t i, dlen = 0;
    const char *detail = group_detail(cause, a, &dlen);

    for (i = 0; i < nh->n_groups; i++) {
        const char *gd = nh->groups[i].detail;

        if (nh->groups[i].cause == cause &&
            (detail == NULL ? gd == NULL : gd && strlen(gd) == dlen && memcmp(gd, detail, dlen) == 0)) {
            *out = &nh->groups[i];
            return TLSP_OK;
        }
    }
    ng = realloc(nh->groups, (nh->n_groups + 1) * sizeof(*ng));
    if (ng == NULL)
        return TLSP_NOMEM;
    nh->groups = ng;
    g = &ng[nh->n_groups];
    memset(g, 0, sizeof(*g));
    g->cause = cause;
    g->first = g->last = -1;
    g->sample.when = -1;
    if ((g->ids_ = ids_new(s->opts.exact_limit)) == NULL)
        return TLSP_NOMEM;
    if (detail && (g->detail = tlsp_strndup(detail, dlen)) == NULL) {
        ids_free(g->ids_);
        g->ids_ = NULL;
        return TLSP_NOMEM;
    }
    nh->n_groups++;
    *out = g;
    return TLSP_OK;
}

/*
 * suspended_group - for a message the queue manager deferred without trying
 * ("delivery temporarily suspended: REASON", logged by error(8) or retry
 * after a delivery failed and throttled the destination, spec 1.7), the
 * group of the failure that logged the same REASON, when there is one: its
 * cause is what the log proves, the suspension only repeats its reason.
 */
static struct tlsp_logsummary_group *
suspended_group(struct tlsp_logsummary_nexthop *nh, const struct tlsp_attempt *a)
{
    static const char prefix[] = "delivery temporarily suspended: ";
    const char *reason;
    size_t i;

    if (a->reason == NULL || strncmp(a->reason, prefix, sizeof(prefix) - 1) != 0)
        return NULL;
    reason = a->reason + sizeof(prefix) - 1;
    for (i = 0; i < nh->n_groups; i++) {
        const struct tlsp_logsummary_group *g = &nh->groups[i];

        if (g->sample.reason && strcmp(g->sample.reason, reason) == 0)
            return &nh->groups[i];
    }
    return NULL;
}

enum tlsp_status
tlsp_logsummary_add(struct tlsp_logsummary *s, const struct tlsp_attempt *a,
                    const struct tlsp_logdiag *d)
{
    struct tlsp_logsummary_nexthop *nh;
    struct tlsp_logsummary_group *g;
    enum tlsp_logsummary_key key;
    const char *name;
    enum tlsp_status st;
    uint64_t h = 0;

    if (s == NULL || a == NULL || d == NULL)
        return TLSP_INVAL;
    if (a->nexthop) {
        key = TLSP_LOGSUMMARY_NEXTHOP;
        name = a->nexthop;
    } else if (a->mx_host) {
        key = TLSP_LOGSUMMARY_RELAY;
        name = a->mx_host;
    } else {
        key = TLSP_LOGSUMMARY_UNKNOWN;
        name = NULL;
    }
    if ((st = find_nexthop(s, key, name, &nh)) != TLSP_OK)
        return st;
    s->totals.attempts++;
    nh->attempts++;
    if (a->nexthop && a->nexthop_proven)
        nh->nexthop_proven = true;
    if (a->nexthop && a->nexthop_routed)
        nh->nexthop_routed = true;
    widen_times(&nh->first, &nh->last, a);
    if (d->cause == TLSP_CAUSE_NONE) {
        nh->attempts_ok++;
        return TLSP_OK;
    }
    if (nh->attempts_failed == 0 && nh->key != TLSP_LOGSUMMARY_OTHER)
        s->totals.nexthops_failed++;
    nh->attempts_failed++;
    s->totals.attempts_failed++;
    if (a->queue_id)
        h = hash64(a->queue_id, strlen(a->queue_id), 0);
    if (a->queue_id &&
        ((st = ids_add(nh->ids_, h)) != TLSP_OK || (st = ids_add(s->all_ids, h)) != TLSP_OK))
        return st;
    if ((g = suspended_group(nh, a)) == NULL &&
        (st = find_group(s, nh, d->cause, a, &g)) != TLSP_OK)
        return st;
    if (a->queue_id && (st = ids_add(g->ids_, h)) != TLSP_OK)
        return st;
    widen_times(&g->first, &g->last, a);
    if (more_informative(g, a) && (st = take_sample(s, g, a, d)) != TLSP_OK)
        return st;
    g->attempts++;
    return TLSP_OK;
}

static int
key_rank(enum tlsp_logsummary_key k)
{
    return (int)k;
}

static int
cmp_nexthop(const void *pa, const void *pb)
{
    const struct tlsp_logsummary_nexthop *a = *(const struct tlsp_logsummary_nexthop *const *)pa;
    const struct tlsp_logsummary_nexthop *b = *(const struct tlsp_logsummary_nexthop *const *)pb;

    if ((a->key == TLSP_LOGSUMMARY_OTHER) != (b->key == TLSP_LOGSUMMARY_OTHER))
        return a->key == TLSP_LOGSUMMARY_OTHER ? 1 : -1;
    if (a->messages != b->messages)
        return a->messages > b->messages ? -1 : 1;
    if (a->attempts_failed != b->attempts_failed)
        return a->attempts_failed > b->attempts_failed ? -1 : 1;
    if (a->attempts != b->attempts)
        return a->attempts > b->attempts ? -1 : 1;
    if (a->key != b->key)
        return key_rank(a->key) - key_rank(b->key);
    if (a->name && b->name)
        return strcmp(a->name, b->name);
    return 0;
}

static int
cmp_group(const void *pa, const void *pb)
{
    const struct tlsp_logsummary_group *a = pa, *b = pb;

    if (a->messages != b->messages)
        return a->messages > b->messages ? -1 : 1;
    if (a->attempts != b->attempts)
        return a->attempts > b->attempts ? -1 : 1;
    return (int)a->cause - (int)b->cause;
}

static void
settle_counts(struct tlsp_logsummary_nexthop *nh)
{
    size_t i;

    /* An estimate never exceeds what was counted exactly: the attempts. */
    nh->messages = ids_count(nh->ids_, &nh->messages_approximate);
    if (nh->messages > nh->attempts_failed)
        nh->messages = nh->attempts_failed;
    for (i = 0; i < nh->n_groups; i++) {
        struct tlsp_logsummary_group *g = &nh->groups[i];

        g->messages = ids_count(g->ids_, &g->messages_approximate);
        if (g->messages > g->attempts)
            g->messages = g->attempts;
    }
    if (nh->n_groups > 1)
        qsort(nh->groups, nh->n_groups, sizeof(*nh->groups), cmp_group);
}

enum tlsp_status
tlsp_logsummary_sorted(struct tlsp_logsummary *s, struct tlsp_logsummary_nexthop *const **out,
                       size_t *n)
{
    struct tlsp_logsummary_nexthop **v;
    size_t i, count = s->n_list + (s->other ? 1 : 0);

    *out = NULL;
    *n = 0;
    v = realloc(s->sorted, (count ? count : 1) * sizeof(*v));
    if (v == NULL)
        return TLSP_NOMEM;
    s->sorted = v;
    for (i = 0; i < s->n_list; i++) {
        settle_counts(s->list[i]);
        v[i] = s->list[i];
    }
    if (s->other) {
        settle_counts(s->other);
        v[s->n_list] = s->other;
    }
    if (count > 1)
        qsort(v, count, sizeof(*v), cmp_nexthop);
    *out = v;
    *n = count;
    return TLSP_OK;
}

void
tlsp_logsummary_totals(const struct tlsp_logsummary *s, struct tlsp_logsummary_totals *t)
{
    *t = s->totals;
    t->messages_failed = ids_count(s->all_ids, &t->messages_approximate);
    if (t->messages_failed > t->attempts_failed)
        t->messages_failed = t->attempts_failed;
}
