/*
 * level.h - Postfix's TLS security levels and their predicates
 *
 * WHAT     The level ladder of Postfix's tls/tls.h, in Postfix's numeric
 *          order: every "at least" test is a comparison on these values.
 * CONTRACT Pure functions; names are Postfix's spelling.
 * SEE ALSO postconf(5) smtp_tls_security_level; spec 1.1.
 */
#ifndef TLSPOLICY_LEVEL_H
#define TLSPOLICY_LEVEL_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tlsp_level {
    TLSP_LEVEL_INVALID = -2,  /* "defer, configuration problem" */
    TLSP_LEVEL_NOTFOUND = -1, /* no table entry */
    TLSP_LEVEL_NONE = 0,
    TLSP_LEVEL_MAY,
    TLSP_LEVEL_ENCRYPT,
    TLSP_LEVEL_FINGERPRINT,
    TLSP_LEVEL_HALFDANE, /* output only: dane with an insecure MX RRset */
    TLSP_LEVEL_DANE,
    TLSP_LEVEL_DANE_ONLY,
    TLSP_LEVEL_VERIFY,
    TLSP_LEVEL_SECURE,
};

/* tlsp_level_name - "none", "may", ..., "secure"; "invalid" and
 * "not found" for the sentinels. Static string, never NULL. */
const char *tlsp_level_name(enum tlsp_level level);

/*
 * tlsp_level_lookup - a level name as Postfix accepts it in main.cf and
 *       policy tables: case-insensitive; "halfdane" is not accepted.
 * Returns the level, or TLSP_LEVEL_INVALID.
 * Source: Postfix tls/tls_level.c tls_level_lookup().
 */
enum tlsp_level tlsp_level_lookup(const char *name);

/* Postfix's TLS_REQUIRED(), TLS_MUST_MATCH(), TLS_MUST_PKIX(),
 * TLS_DANE_BASED() and TLS_NEVER_SECURED(). */
bool tlsp_level_required(enum tlsp_level level);
bool tlsp_level_must_match(enum tlsp_level level);
bool tlsp_level_must_pkix(enum tlsp_level level);
bool tlsp_level_dane_based(enum tlsp_level level);
bool tlsp_level_never_secured(enum tlsp_level level);

#ifdef __cplusplus
}
#endif

#endif
