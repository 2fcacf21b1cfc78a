/*
 * match.h - match lists turned into the reference names OpenSSL is given
 *
 * WHAT     Postfix's add_namechecks(): each element of a match list
 *          (nexthop, dot-nexthop, hostname, ".domain", "name") becomes a
 *          reference name; "." alone is skipped; a leading U+3002, U+FF0E or
 *          U+FF61 counts as a dot; U-labels become A-labels (UTS-46).
 * CONTRACT Builds struct tlsp_refname arrays (policy.h) the caller frees
 *          with tlsp_match_free_refs(). Nothing prints or exits.
 * SEE ALSO spec 3.2; Postfix tls/tls_client.c add_namechecks().
 */
#ifndef TLSP_MATCH_H
#define TLSP_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/policy.h>
#include <tlspolicy/status.h>

#include "util/strvec.h"

/*
 * tlsp_match_split - split a match list as Postfix does
 *
 * In:   list         the text.
 *       table_value  true for a policy-table match= value (split on ':'
 *                    only), false for smtp_tls_*_cert_match (comma, white
 *                    space and ':').
 * Out:  elems        the elements, appended.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_match_split(const char *list, bool table_value,
                                  struct tlsp_strvec *elems) TLSP_MUST_CHECK;

/*
 * tlsp_match_refs - reference names for a match list
 *
 * In:   elems, n   the elements.
 *       nexthop    the TLS nexthop (for nexthop, dot-nexthop).
 *       host       the server host name, or NULL when not known (then
 *                  "hostname" yields an entry with name NULL).
 * Out:  refs, n_refs  appended to (may start NULL/0).
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_match_refs(char *const *elems, size_t n, const char *nexthop,
                                 const char *host, struct tlsp_refname **refs,
                                 size_t *n_refs) TLSP_MUST_CHECK;

void tlsp_match_free_refs(struct tlsp_refname *refs, size_t n_refs);

#endif
