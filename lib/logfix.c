/*
 * placeholder: replaced by the real logfix.c
 *
 * Minimal stand-in for logfix.h so that logdiag.c links and its tests run:
 * no configuration is read. For a name problem (name-mismatch,
 * chain-trust-unknown, not-verified) the level is inferred as "secure" and
 * the required names as the next hop and ".nexthop" (the default
 * smtp_tls_secure_cert_match = nexthop, dot-nexthop); the table key is the
 * next hop, no entry applies, and there are no fixes.
 */
#include <stdlib.h>
#include <string.h>

#include "logfix.h"
#include "util/str.h"

static bool
name_problem(enum tlsp_cause c)
{
    return c == TLSP_CAUSE_NAME_MISMATCH || c == TLSP_CAUSE_CHAIN_TRUST_UNKNOWN ||
           c == TLSP_CAUSE_NOT_VERIFIED;
}

enum tlsp_status
tlsp_logfix_policy(const struct tlsp_attempt *a, struct tlsp_cf *cf, struct tlsp_logdiag *d,
                   struct tlsp_diag *diag)
{
    (void)cf;
    (void)diag;
    if (a == NULL || d == NULL)
        return TLSP_INVAL;
    d->new_entry = true;
    if (a->nexthop && (d->table_key = tlsp_strdup(a->nexthop)) == NULL)
        return TLSP_NOMEM;
    if (!name_problem(d->cause))
        return TLSP_OK;
    if ((d->level = tlsp_strdup("secure")) == NULL)
        return TLSP_NOMEM;
    d->level_proven = false;
    d->required_proven = false;
    if (a->nexthop == NULL)
        return TLSP_OK;
    if ((d->required = calloc(3, sizeof(*d->required))) == NULL)
        return TLSP_NOMEM;
    if ((d->required[0] = tlsp_strdup(a->nexthop)) == NULL)
        return TLSP_NOMEM;
    d->n_required = 1;
    if ((d->required[1] = tlsp_aprintf(".%s", a->nexthop)) == NULL)
        return TLSP_NOMEM;
    d->n_required = 2;
    return TLSP_OK;
}

enum tlsp_status
tlsp_logfix_fixes(const struct tlsp_attempt *a, struct tlsp_cf *cf, struct tlsp_logdiag *d,
                  struct tlsp_diag *diag)
{
    (void)a;
    (void)cf;
    (void)diag;
    return d == NULL ? TLSP_INVAL : TLSP_OK;
}
