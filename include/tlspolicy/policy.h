/*
 * policy.h - the TLS policy Postfix's SMTP client applies to one next hop
 *
 * WHAT     Works out, as smtp(8)/lmtp(8) of the emulated release would, the
 *          security level, the policy-table entry that applied, every
 *          attribute with where it came from, the final cipher and
 *          protocol settings, the match list and the reference names a
 *          certificate must carry, and - when the policy is invalid - the
 *          DSN, the reason and the warnings Postfix logs.
 * INPUTS   a configuration as the delivery service sees it (cf.h, usually
 *          tlsp_cf_service_view()), the next-hop destination, and the
 *          server host name when known.
 * CONTRACT Every fallible function returns enum tlsp_status. An invalid
 *          entry or a failed table lookup never yields a weaker policy:
 *          the level becomes TLSP_LEVEL_INVALID with Postfix's DSN and
 *          reason, which callers treat as "defer", as Postfix does.
 *          A configuration that makes smtp(8) stop at start-up (invalid
 *          smtp_tls_security_level, bad boolean) is TLSP_CONFIG with
 *          Postfix's fatal text in diag: the mail stays queued.
 *          Nothing here prints, exits or touches the network.
 * SEE ALSO postconf(5) smtp_tls_policy_maps, smtp_tls_security_level,
 *          smtp_tls_secure_cert_match, smtp_tls_verify_cert_match;
 *          spec sections 1 and 2.
 */
#ifndef TLSPOLICY_POLICY_H
#define TLSPOLICY_POLICY_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/level.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* What is asked: one element of a delivery request's next-hop list. */
struct tlsp_policy_request {
    const char *dest;    /* next hop verbatim, e.g. "example.com", "[mx.example.com]:587",
                            "inet:host:24" or "unix:/path" for LMTP */
    const char *host;    /* server host name (MX exchange as written in the MX record,
                            or the bracketed host), or NULL when not known offline */
    const char *service; /* master.cf service name, e.g. "smtp"; NULL means "smtp" */
    bool lmtp;           /* the service runs lmtp(8): lmtp_* parameters apply */
};

/* Where the level came from. */
enum tlsp_level_source {
    TLSP_LEVSRC_GLOBAL,   /* smtp_tls_security_level (or the obsolete booleans) */
    TLSP_LEVSRC_TABLE,    /* an smtp_tls_policy_maps entry */
    TLSP_LEVSRC_PER_SITE, /* the obsolete smtp_tls_per_site table */
};

/* Where an attribute value came from. */
enum tlsp_attr_source {
    TLSP_ATTR_UNUSED, /* does not apply at this level */
    TLSP_ATTR_TABLE,  /* the policy-table entry */
    TLSP_ATTR_PARAM,  /* a main.cf (or master.cf -o) parameter, named in param */
    TLSP_ATTR_IMPLIED /* implied by the level (e.g. the aNULL exclusion) */
};

struct tlsp_attr {
    char *value;                  /* NULL when unused */
    enum tlsp_attr_source source;
    char *param;                  /* parameter name for TLSP_ATTR_PARAM, else NULL */
};

/* One lookup made in a policy table, in Postfix's order. */
struct tlsp_lookup_step {
    char *key;               /* e.g. "fastmail.fm", ".example.com" */
    char *table;             /* "type:name" */
    enum tlsp_status result; /* TLSP_OK (found), TLSP_NOTFOUND or TLSP_RETRY */
};

/* A reference name given to OpenSSL, or a match element that needs the
 * server host name and could not be resolved offline. */
struct tlsp_refname {
    char *name;         /* e.g. "fastmail.fm", ".fastmail.fm", "127.0.0.1"; NULL when
                           mx_dependent and the host is unknown */
    char *element;      /* the match-list element it came from, as written */
    bool suffix;        /* ".domain": matches names under domain only */
    bool mx_dependent;  /* comes from the MX answer ("hostname") */
    bool ip;            /* an IP address: OpenSSL checks iPAddress SANs */
    bool skipped;       /* "." alone: Postfix skips it with a warning */
};

struct tlsp_policy {
    char *dest;               /* next hop as asked */
    char *nexthop;            /* TLS nexthop: dest without [], :port, inet: */
    char *host;               /* server host name if known */
    char *service;            /* master.cf service */
    const char *prefix;       /* "smtp" or "lmtp": the parameter prefix */
    unsigned port;            /* 0 for a unix-domain socket */

    enum tlsp_level global_level;
    char *global_param;       /* parameter that decided the global level: smtp_tls_security_level,
                                 or smtp_enforce_tls / smtp_use_tls when it is empty */
    enum tlsp_level table_level; /* level written in the entry (NOTFOUND if none) */
    enum tlsp_level level;    /* effective level; INVALID means Postfix defers */
    enum tlsp_level_source level_source;

    /* The policy table and the entry that applied. */
    char *maps_param;         /* "smtp_tls_policy_maps" or "smtp_tls_per_site", or NULL */
    char *maps_value;         /* its expanded value */
    struct tlsp_lookup_step *steps;
    size_t n_steps;
    char *entry_table;        /* "type:name" that answered, or NULL */
    char *entry_key;          /* key that matched */
    char *entry_value;        /* the entry's value as stored */
    char *entry_file;         /* text file of the entry, or NULL */
    unsigned entry_line;      /* its line, or 0 */

    /* Attributes, after defaults are filled in (policy_create()). */
    struct tlsp_attr ciphers;    /* cipher grade */
    struct tlsp_attr protocols;
    struct tlsp_attr exclude;    /* exclusion list as configured */
    struct tlsp_attr servername; /* SNI */
    struct tlsp_attr connection_reuse;
    char *exclusions;            /* final exclusion list, space-separated */
    char *cipherlist;            /* final OpenSSL cipher string; NULL if the grade is invalid */
    char *protocols_text;        /* the protocol range in words, e.g. "TLSv1 or later" */

    /* Match list (verify, secure, fingerprint) and reference names. */
    struct tlsp_attr match;      /* the list as configured, ":"-joined for table values */
    char **match_elems;          /* split elements, NULL-terminated */
    size_t n_match_elems;
    struct tlsp_refname *refs;
    size_t n_refs;
    char **fingerprints;         /* usable digests at fingerprint level */
    size_t n_fingerprints;
    char *fingerprint_digest;    /* smtp_tls_fingerprint_digest, expanded */
    struct tlsp_attr tafile;     /* trust-anchor files (verify, secure) */

    bool dane_needs_dns;         /* dane/dane-only: the final level depends on DNS */
    char *downgrade;             /* why a configured dane/dane-only level changed, e.g.
                                    "dane configured with dnssec lookups disabled", or NULL */
    bool per_site_host_pending;  /* smtp_tls_per_site also looks up the host name */
    bool mx_lookup;              /* the next hop is looked up in DNS as a domain (MX) */
    char **other_attrs;          /* "name=value" attributes the release accepts that tlspolicy
                                    does not model (enable_rpk, the TLSRPT policy_* set) */
    size_t n_other_attrs;

    /* Outcome when invalid. */
    char *dsn;                   /* e.g. "4.7.5" */
    char *reason;                /* e.g. "client TLS configuration problem" */

    /* A valid policy with which every delivery attempt still fails, for a
     * reason that needs no server to know: an invalid cipher grade or
     * protocol list, nothing trusted at verify/secure, no usable
     * fingerprint, wrapper mode below encrypt, reference names nothing can
     * match. doomed_dsn/doomed_reason are what Postfix writes for the first
     * of them; later[] describes each, a complete sentence. */
    bool doomed;
    char *doomed_dsn;
    char *doomed_reason;
    char **later;
    size_t n_later;

    /* What Postfix logs for this policy, in order, with their prefix
     * ("warning: ..."); and remarks that may matter at the handshake but
     * need not make it fail. */
    char **log;
    size_t n_log;
    char **notes;
    size_t n_notes;
};

/*
 * tlsp_policy_check_startup - the checks smtp(8)/lmtp(8) make at start-up
 *
 * In:   cf    configuration as the delivery service sees it.
 *       lmtp  check the lmtp_* parameters.
 * Out:  diag  on failure, Postfix's fatal text (TLSP_SEV_FATAL).
 * Returns TLSP_OK; TLSP_CONFIG when the service would stop at start-up
 *       (e.g. fatal: Invalid TLS level "bogus"; bad boolean configuration);
 *       TLSP_NOMEM.
 * Source: Postfix smtp/smtp.c pre_init(), post_init(); spec 1.2.
 */
enum tlsp_status tlsp_policy_check_startup(struct tlsp_cf *cf, bool lmtp,
                                           struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_policy_resolve - decide the TLS policy for one next hop
 *
 * In:   cf    parsed configuration as the delivery service sees it;
 *             borrowed, must outlive pol.
 *       req   what is asked; strings are copied.
 * Out:  pol   filled on every return (zeroed first); call
 *             tlsp_policy_fini() whatever the status.
 *       diag  notes about the tables opened (stale compiled tables,
 *             unavailable tables) and configuration warnings.
 * Returns TLSP_OK (the policy may still be INVALID or doomed: that is
 *       Postfix's answer, not an error of ours); TLSP_CONFIG when the
 *       service would not start (see tlsp_policy_check_startup());
 *       TLSP_UNSUPPORTED when a policy table has a type tlspolicy does not
 *       read (diag names it: the answer cannot be predicted); TLSP_LIMIT
 *       when a table is beyond tlspolicy's size limits; TLSP_INVAL for a
 *       malformed request; TLSP_NOMEM.
 * Source: Postfix smtp/smtp_tls_policy.c policy_create(),
 *       tls_policy_lookup(), tls_policy_lookup_one(), tls_site_lookup(),
 *       set_cipher_grade(), dane_init() (configuration rows only);
 *       spec sections 1.2 to 1.6, 2, 3.2, 5.2 to 5.4.
 */
enum tlsp_status tlsp_policy_resolve(struct tlsp_cf *cf, const struct tlsp_policy_request *req,
                                     struct tlsp_policy *pol,
                                     struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_policy_fini - release everything pol owns; pol is zeroed. */
void tlsp_policy_fini(struct tlsp_policy *pol);

/*
 * tlsp_policy_parse_entry - check one policy-table value as Postfix does
 *       at lookup time, without a configuration (used by lint and fuzzing)
 *
 * In:   value    the table value, e.g. "secure ciphers=high match=.example.com".
 *       dest     next hop named in the warning texts.
 *       version  release whose attribute set applies; NULL for 3.7.11.
 * Out:  level    the entry's level, TLSP_LEVEL_INVALID when Postfix rejects it.
 *       warning  if not NULL, a heap copy of Postfix's warning text for an
 *                invalid entry (without the "warning: " prefix), else NULL.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_policy_parse_entry(const char *value, const char *dest,
                                         const struct tlsp_version *version,
                                         enum tlsp_level *level,
                                         char **warning) TLSP_MUST_CHECK;

#ifdef __cplusplus
}
#endif

#endif
