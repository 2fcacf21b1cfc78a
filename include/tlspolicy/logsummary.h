/*
 * logsummary.h - delivery attempts from the log, summed up per next hop
 *
 * WHAT     Takes each attempt (attempt.h) with its diagnosis (logdiag.h)
 *          and keeps, per next hop: the attempts, those without a TLS
 *          problem, the distinct messages (queue ids) a TLS problem hit, the
 *          first and last time seen; inside a next hop, one group per cause
 *          with the same counters and one sample attempt - the most
 *          informative one (the highest smtp_tls_loglevel its lines need,
 *          then the first) - with a deep copy of its diagnosis and, when
 *          asked, of the attempt itself (to diagnose it again with a
 *          configuration when the summary is printed). Attempts whose cause
 *          is TLSP_CAUSE_NONE are only counted (attempts_ok). A message the
 *          queue manager deferred while the destination was suspended
 *          ("delivery temporarily suspended: REASON", spec 1.7) joins the
 *          group whose sample failed with the same REASON, when there is one.
 *          An attempt without a next hop is summed up under its server's
 *          host name (relay=), else under "unknown".
 * COUNTING Distinct queue ids are counted exactly (a set of 64-bit hashes)
 *          up to exact_limit per counter, then estimated with a HyperLogLog
 *          of 2^10 registers (standard error about 3.3%), and flagged
 *          approximate.
 * CONTRACT Memory is bounded: at most max_next_hops next hops are kept;
 *          attempts to further next hops are summed up in one "other next
 *          hops" entry. Per next hop: at most TLSP_CAUSE_COUNT groups, one
 *          sample each, counters of at most 16 * exact_limit bytes or 1 KiB.
 *          Nothing prints; no network.
 * SEE ALSO attempt.h, logdiag.h; Flajolet et al., "HyperLogLog" (2007),
 *          with the small-range correction (linear counting).
 */
#ifndef TLSPOLICY_LOGSUMMARY_H
#define TLSPOLICY_LOGSUMMARY_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/attempt.h>
#include <tlspolicy/logdiag.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_LOGSUMMARY_MAX_NEXTHOPS 100000 /* next hops kept by default */
#define TLSP_LOGSUMMARY_EXACT 256           /* distinct ids counted exactly by default */

struct tlsp_logsummary_opts {
    size_t max_nexthops; /* 0: TLSP_LOGSUMMARY_MAX_NEXTHOPS */
    size_t exact_limit;  /* 0: TLSP_LOGSUMMARY_EXACT; at most 65536 */
    bool keep_attempts;  /* keep a deep copy of each group's sample attempt */
};

/* What a summary entry is keyed by. */
enum tlsp_logsummary_key {
    TLSP_LOGSUMMARY_NEXTHOP, /* name is the next hop */
    TLSP_LOGSUMMARY_RELAY,   /* no next hop known: name is the server's host name */
    TLSP_LOGSUMMARY_UNKNOWN, /* neither next hop nor server: name is NULL */
    TLSP_LOGSUMMARY_OTHER,   /* next hops beyond max_nexthops: name is NULL */
};

/* The sample attempt of a group: what the output shows of it. Every pointer
 * points into one block the summary owns (do not free them, and do not pass
 * diag to tlsp_logdiag_fini()). */
struct tlsp_logsummary_sample {
    struct tlsp_logdiag diag;     /* copy of the attempt's diagnosis */
    struct tlsp_attempt *attempt; /* copy of the attempt, with keep_attempts; else NULL */
    char *file;                   /* where its delivery line is */
    unsigned long long lineno;
    long long when; /* -1 unknown */
    char *queue_id; /* each string NULL when the attempt had none */
    char *server;
    char *mx_host;
    char *reason;
    char *dsn;
    enum tlsp_attempt_end end;
    int loglevel_seen;
    void *block_; /* private: the block */
};

struct tlsp_logsummary_ids; /* distinct-id counter (private) */

/* One cause inside a next hop. */
struct tlsp_logsummary_group {
    enum tlsp_cause cause;
    unsigned long long attempts;
    unsigned long long messages; /* distinct queue ids; set by tlsp_logsummary_sorted() */
    bool messages_approximate;   /* messages is a HyperLogLog estimate */
    long long first, last;       /* first and last time seen, -1 unknown */
    struct tlsp_logsummary_sample sample;
    struct tlsp_logsummary_ids *ids_; /* private */
    char *detail; /* what sets the group apart from others of its cause: for a policy or
                     attribute error, Postfix's warning (e.g. "invalid security level
                     \"bogus\""); NULL for other causes */
};

struct tlsp_logsummary_nexthop {
    enum tlsp_logsummary_key key;
    char *name;                         /* see enum tlsp_logsummary_key */
    bool nexthop_proven;                /* some attempt's session-cache key named it */
    bool nexthop_routed;                /* some attempt's next hop came from the
                                           configuration's routing (a->nexthop_routed) */
    unsigned long long attempts;        /* every attempt */
    unsigned long long attempts_ok;     /* attempts of cause TLSP_CAUSE_NONE */
    unsigned long long attempts_failed; /* the others */
    unsigned long long messages;        /* distinct queue ids with a TLS problem; set by
                                           tlsp_logsummary_sorted() */
    bool messages_approximate;
    unsigned long long nexthops;          /* next hops summed up here: 1, or more for OTHER */
    long long first, last;                /* over every attempt, -1 unknown */
    struct tlsp_logsummary_group *groups; /* sorted by tlsp_logsummary_sorted(): most
                                             messages, then attempts, then cause */
    size_t n_groups;
    struct tlsp_logsummary_ids *ids_; /* private */
};

struct tlsp_logsummary_totals {
    unsigned long long attempts;
    unsigned long long attempts_failed; /* cause other than TLSP_CAUSE_NONE */
    unsigned long long messages_failed; /* distinct queue ids with a TLS problem */
    bool messages_approximate;
    unsigned long long nexthops;        /* distinct keys seen, OTHER's included */
    unsigned long long nexthops_failed; /* of them (kept ones only), with a TLS problem */
    unsigned long long nexthops_other;  /* summed up in the OTHER entry */
};

struct tlsp_logsummary;

/*
 * tlsp_logsummary_new - an empty summary
 *
 * In:   opts  may be NULL (defaults); copied.
 * Out:  out   on TLSP_OK; tlsp_logsummary_free().
 * Returns TLSP_OK; TLSP_INVAL (exact_limit over 65536); TLSP_NOMEM.
 */
enum tlsp_status tlsp_logsummary_new(const struct tlsp_logsummary_opts *opts,
                                     struct tlsp_logsummary **out) TLSP_MUST_CHECK;

/*
 * tlsp_logsummary_add - count one attempt
 *
 * In:   a  the attempt; borrowed (copied when it becomes a sample).
 *       d  its diagnosis (tlsp_logdiag_run()); borrowed, copied likewise.
 * Returns TLSP_OK; TLSP_INVAL for NULL arguments; TLSP_NOMEM (the
 *       summary stays usable; the attempt may be partly counted).
 */
enum tlsp_status tlsp_logsummary_add(struct tlsp_logsummary *s, const struct tlsp_attempt *a,
                                     const struct tlsp_logdiag *d) TLSP_MUST_CHECK;

/*
 * tlsp_logsummary_sorted - the next hops, most affected first
 *
 * Order: distinct messages with a TLS problem, then attempts with one, then
 * every attempt (descending), then key (NEXTHOP, RELAY, UNKNOWN) and name;
 * the OTHER entry last. Sets messages / messages_approximate and sorts each
 * next hop's groups.
 * Out:  out  an array of n pointers owned by s, valid until the next call
 *            to tlsp_logsummary_add(), tlsp_logsummary_sorted() or _free().
 * Returns TLSP_OK; TLSP_NOMEM.
 */
enum tlsp_status tlsp_logsummary_sorted(struct tlsp_logsummary *s,
                                        struct tlsp_logsummary_nexthop *const **out,
                                        size_t *n) TLSP_MUST_CHECK;

/* tlsp_logsummary_totals - the counters over every next hop. */
void tlsp_logsummary_totals(const struct tlsp_logsummary *s, struct tlsp_logsummary_totals *t);

/* tlsp_logsummary_free - NULL is a no-op. */
void tlsp_logsummary_free(struct tlsp_logsummary *s);

#ifdef __cplusplus
}
#endif

#endif
