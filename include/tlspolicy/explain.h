/*
 * explain.h - why Postfix reached a verdict on a chain, and what to change
 *
 * WHAT     From a verification (verify.h) and its inputs: the reasons, in
 *          plain sentences (trust, names, fingerprints, configuration);
 *          each name-matching strategy tried against the certificate; and
 *          the fixes, strongest first, each an exact policy-table line
 *          that keeps the entry's other attributes, with what it trades
 *          away. Every suggested line is re-verified against the same
 *          chain with tlsp_verify() before it is offered.
 * CONTRACT Computed from the inputs only; nothing is worded for a
 *          particular destination. Nothing prints, exits or touches the
 *          network.
 * SEE ALSO verify.h; spec 1.5, 3.2 - 3.4; RFC 7672 (DANE for SMTP),
 *          RFC 8461 (MTA-STS).
 */
#ifndef TLSPOLICY_EXPLAIN_H
#define TLSPOLICY_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>
#include <tlspolicy/verify.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One way of choosing the reference name, tried against the leaf. */
struct tlsp_strategy {
    char *strategy;  /* "nexthop", "dot-nexthop", "hostname", "suffix", "required" */
    char *name;      /* the reference name, e.g. ".messagingengine.com" */
    bool required;   /* the policy requires it now */
    bool matches;    /* OpenSSL's name check accepts the leaf for it */
    char *cert_name; /* the certificate name that matched, or NULL */
    char *note;      /* one sentence about the strategy, or NULL */
};

/* One change that makes Postfix deliver (or, without line, advice). */
struct tlsp_fix {
    char *line;     /* exact policy-table line, or NULL for advice */
    char *what;     /* what the change does, one sentence */
    char *tradeoff; /* what it trades away, one sentence */
    bool checked;   /* tlsp_verify() with this line gives Verified for the chain */
};

struct tlsp_explanation {
    char **why;     /* reasons, complete sentences, most important first */
    size_t n_why;
    struct tlsp_strategy *strategies;
    size_t n_strategies;
    struct tlsp_fix *fixes; /* strongest first; empty when Postfix delivers */
    size_t n_fixes;
    char *table_key;        /* key the lines use (the entry's key, or the next hop) */
    bool new_entry;         /* no table entry applied: the lines are new entries */
};

/*
 * tlsp_explain - reasons, strategies and fixes for one verification
 *
 * In:   req   the request given to tlsp_verify(); borrowed.
 *       res   its result (TLSP_OK); borrowed.
 * Out:  ex    filled on TLSP_OK (zeroed first); tlsp_explain_fini()
 *             whatever the status.
 *       diag  problems met while re-verifying candidate lines (none
 *             expected).
 * Returns TLSP_OK, TLSP_INVAL for missing arguments, TLSP_NOMEM.
 * Source: spec 3.4 (which names each level uses; verify trusts the MX
 *       answer), 1.5 (fingerprints, trust anchors), 4.3 (errors).
 */
enum tlsp_status tlsp_explain(const struct tlsp_verify_request *req,
                              const struct tlsp_verify_result *res, struct tlsp_explanation *ex,
                              struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_explain_fini(struct tlsp_explanation *ex);

#ifdef __cplusplus
}
#endif

#endif
