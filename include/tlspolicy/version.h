/*
 * version.h - which Postfix release tlspolicy emulates
 *
 * WHAT     Parses and compares Postfix release numbers and answers, for
 *          each version-dependent rule tlspolicy knows, whether it holds
 *          in the emulated release.
 * CONTRACT Releases 3.6.0 to 3.10.x are accepted; anything else is refused
 *          with a message. The default is 3.7.11 (Debian 12).
 *          Every rule, its range and its evidence are listed in
 *          docs/postfix-versions.md; nothing else in the library compares
 *          version numbers.
 * SEE ALSO docs/postfix-versions.md, Postfix HISTORY and RELEASE_NOTES.
 */
#ifndef TLSPOLICY_VERSION_H
#define TLSPOLICY_VERSION_H

#include <stdbool.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tlsp_version {
    unsigned major;
    unsigned minor;
    unsigned patch;
};

/* The release emulated unless asked otherwise: Debian 12's 3.7.11. */
extern const struct tlsp_version tlsp_version_default;

/* Version-dependent rules (docs/postfix-versions.md names each one). */
enum tlsp_vrule {
    /* A trusted chain whose names do not match is logged "Trusted"
     * (3.10.4 and later) rather than "Untrusted" (3.6.0 to 3.10.3), and the
     * name mismatch ranks below every other verification error. */
    TLSP_VR_TRUSTED_ON_NAME_MISMATCH,
    /* smtp_tls_dane_insecure_mx_policy defaults to plain "dane" instead of
     * depending on the global smtp_tls_security_level. */
    TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE,
    /* Policy table attribute "enable_rpk" (3.9 and later). */
    TLSP_VR_ATTR_ENABLE_RPK,
    /* Policy table attributes policy_type, policy_domain, mx_host_pattern,
     * policy_ttl, policy_string, policy_failure (3.10 and later). */
    TLSP_VR_ATTR_TLSRPT,
    /* "{ name = value }" quoting in policy table values (3.10 and later). */
    TLSP_VR_POLICY_QUOTING,
    /* Address lookups of MX hosts from an insecure MX RRset ask for DNSSEC
     * only when smtp_dns_support_level = dnssec. */
    TLSP_VR_INSECURE_MX_ADDR_DNSSEC_ONLY_WITH_DNSSEC_LEVEL,
    TLSP_VR_COUNT
};

/*
 * tlsp_version_parse - read "X.Y.Z" (or "X.Y", meaning X.Y.0)
 *
 * In:   text   the release as given by the user, e.g. "3.7.11".
 * Out:  v      filled on TLSP_OK only.
 *       diag   if not NULL, gets the reason on failure.
 * Returns TLSP_OK; TLSP_INVAL for text that is not a release number;
 *       TLSP_UNSUPPORTED for a release outside 3.6.0 to 3.10.x.
 */
enum tlsp_status tlsp_version_parse(const char *text, struct tlsp_version *v,
                                    struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_version_cmp - <0, 0 or >0 as a is older than, equal to, newer than b. */
int tlsp_version_cmp(const struct tlsp_version *a, const struct tlsp_version *b);

/* tlsp_version_has - whether rule r holds in release v. */
bool tlsp_version_has(const struct tlsp_version *v, enum tlsp_vrule r);

/*
 * tlsp_version_format - "3.7.11" into buf (at least 16 bytes); returns buf.
 */
char *tlsp_version_format(const struct tlsp_version *v, char *buf, unsigned long size);

#ifdef __cplusplus
}
#endif

#endif
