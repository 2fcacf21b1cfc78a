/*
 * logfix.h - the policy side of a log diagnosis (internal to the library)
 *
 * WHAT     For an attempt already classified by logdiag.c (cause,
 *          certificate names, chain trust filled in): the security level and
 *          reference names that applied - from the configuration when one is
 *          given (the entry of smtp_tls_policy_maps that answered, as
 *          tlsp_policy_resolve() finds it for the attempt's next hop, MX
 *          host and service), else inferred from the log - and the fixes,
 *          strongest first, as exact policy-table lines that keep the
 *          entry's other attributes. Name fixes are checked with OpenSSL's
 *          X509_check_host() against a certificate built in memory that
 *          carries the names the log shows; a name fix is "checked" only
 *          when those names are the complete list or the check needs only
 *          the name the log shows, and the chain is proven trusted. A
 *          fingerprint pin is "checked" as carrying the fingerprint Postfix
 *          logged (whatever the chain's trust); a corrected entry or setting
 *          as one Postfix accepts.
 * CONTRACT Called by tlsp_logdiag_run() in this order: classification,
 *          tlsp_logfix_policy(), the policy-dependent findings,
 *          tlsp_logfix_fixes(). Neither adds findings: they fill the
 *          structured fields named below and leave the sentences to
 *          logdiag.c. Nothing prints; no network.
 */
#ifndef TLSP_LOGFIX_H
#define TLSP_LOGFIX_H

#include <tlspolicy/attempt.h>
#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/logdiag.h>
#include <tlspolicy/status.h>

/*
 * struct tlsp_logfix_route - where the configuration sends the attempt's
 * first recipient, when the log does not prove the next hop (no
 * session-cache key, no "TLS policy lookup for DEST/HOST" warning) and a
 * configuration is given: route.h's answer, as "tlspolicy policy -c DIR
 * RCPT" finds it (sender unknown). Every field NULL when not routed.
 */
struct tlsp_logfix_route {
    char *nexthop;     /* the routed next hop the policy is looked up for */
    char *transport;   /* its master.cf transport */
    bool lmtp;         /* the transport runs lmtp(8) */
    char *why;         /* where the next hop came from, e.g. "relayhost" */
    char *finding;     /* a sentence about the route: how the log's server compares */
    bool other_config; /* the log's server is not the one this configuration routes to */
};

void tlsp_logfix_route_fini(struct tlsp_logfix_route *r);

/*
 * tlsp_logfix_policy - level, reference names and table entry
 *
 * In:   a    the attempt (nexthop, mx_host, service, cache_key, word ...).
 *       cf   the configuration, or NULL.
 *       d    cause, cert_names, cert_names_complete and chain_trusted set.
 * Out:  route  (may be NULL) the routed next hop, see above; its fields are
 *            used instead of the log's next hop and service; free with
 *            tlsp_logfix_route_fini() whatever the status.
 *       d    level, level_proven, level_from_config, required, n_required,
 *            required_proven, required_from_config, entry, entry_source,
 *            table_key, new_entry.
 *       diag a table that cannot be read (the entry is then left NULL).
 * Returns TLSP_OK or TLSP_NOMEM (a configuration problem is not an error:
 *       it leaves the fields unknown, with the reason in diag).
 */
enum tlsp_status tlsp_logfix_policy(const struct tlsp_attempt *a, struct tlsp_cf *cf,
                                    struct tlsp_logdiag *d, struct tlsp_logfix_route *route,
                                    struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_logfix_fixes - the fixes for d->cause, strongest first
 *
 * In:   trusts_nothing  the configuration trusts no CA (logdiag.c's check of
 *            smtp_tls_CAfile and smtp_tls_CApath): a CAfile line is offered
 *            with the name fixes too.
 *       route  tlsp_logfix_policy()'s route, or NULL.
 * Out:  d->fixes, d->n_fixes (lines use d->table_key; advice has line NULL).
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_logfix_fixes(const struct tlsp_attempt *a, struct tlsp_cf *cf,
                                   bool trusts_nothing, const struct tlsp_logfix_route *route,
                                   struct tlsp_logdiag *d, struct tlsp_diag *diag) TLSP_MUST_CHECK;

#endif
