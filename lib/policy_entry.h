/*
 * policy_entry.h - one smtp_tls_policy_maps value, checked as Postfix does
 *
 * WHAT     Splits a policy-table value into the level and its attributes
 *          and applies every lookup-time rule of Postfix's
 *          tls_policy_lookup_one(): the level name, name=value syntax, the
 *          attributes the emulated release accepts, the levels each
 *          attribute is valid at, "specified multiple times", empty values,
 *          servername syntax, connection_reuse values.
 * CONTRACT The result owns its strings. On an invalid entry, level is
 *          TLSP_LEVEL_INVALID and warning holds Postfix's text after the
 *          "TITLE, next-hop destination "DEST": " prefix. Trust-anchor
 *          files (tafile=) are only collected here; loading them is the
 *          caller's job because it touches the file system.
 * SEE ALSO spec 2.3, 2.4; Postfix smtp/smtp_tls_policy.c tls_policy_lookup_one().
 */
#ifndef TLSP_POLICY_ENTRY_H
#define TLSP_POLICY_ENTRY_H

#include <stdbool.h>

#include <tlspolicy/level.h>
#include <tlspolicy/status.h>
#include <tlspolicy/version.h>

#include "util/strvec.h"

struct tlsp_policy_entry {
    enum tlsp_level level;
    char *ciphers;          /* NULL when absent */
    char *protocols;
    char *exclude;
    char *servername;
    int connection_reuse;   /* -1 absent, 0 no, 1 yes */
    struct tlsp_strvec match;   /* split elements, in order */
    struct tlsp_strvec tafiles;
    struct tlsp_strvec ignored; /* tokens ignored at level none (each warned) */
    struct tlsp_strvec other;   /* accepted "name=value" attributes not modelled
                                   (enable_rpk, policy_* of 3.10) */
    char *warning;          /* why the entry is invalid, or NULL */
};

void tlsp_policy_entry_init(struct tlsp_policy_entry *e);
void tlsp_policy_entry_fini(struct tlsp_policy_entry *e);

/*
 * tlsp_policy_entry_parse - parse and check one value
 *
 * In:   value    the table value.
 *       version  release whose attribute set and syntax apply.
 * Out:  e        filled (init first). level INVALID with warning set when
 *                Postfix rejects the entry.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_policy_entry_parse(const char *value, const struct tlsp_version *version,
                                         struct tlsp_policy_entry *e) TLSP_MUST_CHECK;

#endif
