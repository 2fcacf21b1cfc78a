/*
 * logdiag.h - what a delivery attempt in the log means, and what to change
 *
 * WHAT     From one attempt (attempt.h): the cause of a TLS deferral or
 *          bounce, in plain sentences that say which facts the log proves,
 *          which the configuration proves and which are inferred (the log
 *          decides the cause; the configuration refines it); what the log
 *          does not tell and the smtp_tls_loglevel or "tlspolicy check"
 *          command that would settle it; the security level and the names
 *          the certificate had to carry; and, with a configuration (-c,
 *          -o), the policy-table entry that applied and the fixes as exact
 *          table lines (explain.h's struct tlsp_fix), strongest first.
 * RULES    Spec 1.7 (which reason and DSN each failure gives), 4.2 (the
 *          trust word per level and dialect), 4.3 (which verification error
 *          is logged: a name error hides a chain error at a greater depth,
 *          so "hostname mismatch" without depth= lines leaves the chain's
 *          trust unknown), 4.4 (what each smtp_tls_loglevel logs), 3.6
 *          (Postfix <= 3.5).
 * CONTRACT Offline: no DNS, no connection. Computed from the attempt and
 *          the configuration only. Nothing prints or exits. Without a
 *          configuration, tlsp_logdiag_run() costs a few microseconds; with
 *          one it resolves the policy (policy.h) and checks each suggested
 *          line's names with OpenSSL (X509_check_host() on a certificate
 *          carrying the names the log shows).
 * SEE ALSO attempt.h, explain.h, policy.h; docs/postfix-tls-policy.md.
 */
#ifndef TLSPOLICY_LOGDIAG_H
#define TLSPOLICY_LOGDIAG_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/attempt.h>
#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/explain.h>
#include <tlspolicy/status.h>
#include <tlspolicy/version.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The diagnosis, most specific first. Stable names: tlsp_cause_name(). */
enum tlsp_cause {
    TLSP_CAUSE_NONE,                 /* "none": delivered, or not TLS-related */
    TLSP_CAUSE_NAME_MISMATCH,        /* "name-mismatch": chain trusted (proven), no
                                        certificate name matched the required names */
    TLSP_CAUSE_CHAIN_TRUST_UNKNOWN,  /* "chain-trust-unknown": name error logged, no depth=
                                        lines: an untrusted chain may hide behind it */
    TLSP_CAUSE_NOT_VERIFIED,         /* "not-verified": "Server certificate not verified"
                                        with no TLS line at all (loglevel 0, or lines lost) */
    TLSP_CAUSE_UNKNOWN_ISSUER,       /* "unknown-issuer": "untrusted issuer DN" */
    TLSP_CAUSE_MISSING_INTERMEDIATE, /* "missing-intermediate": untrusted issuer that looks
                                        like an intermediate CA of a trusted root (inferred) */
    TLSP_CAUSE_SELF_SIGNED,          /* "self-signed" */
    TLSP_CAUSE_EXPIRED,              /* "expired": "certificate has expired" or
                                        "certificate not yet valid" */
    TLSP_CAUSE_CHAIN_UNTRUSTED,      /* "chain-untrusted": another chain error, or <= 3.5's
                                        "Server certificate not trusted" */
    TLSP_CAUSE_NOTHING_TRUSTED,      /* "nothing-trusted": the log shows an untrusted
                                        chain and the configuration (-c) trusts no CA:
                                        no CAfile/CApath, or a CApath that does not exist */
    TLSP_CAUSE_STARTTLS_NOT_OFFERED, /* "starttls-not-offered" */
    TLSP_CAUSE_STARTTLS_REFUSED,     /* "starttls-refused": 4xx defers, 5xx bounces */
    TLSP_CAUSE_HANDSHAKE_PROTOCOL,   /* "handshake-protocol": no common protocol version */
    TLSP_CAUSE_HANDSHAKE,            /* "handshake": handshake failure (no common cipher,
                                        server alert, lost connection) */
    TLSP_CAUSE_BAD_CIPHERS,          /* "bad-ciphers": invalid cipher grade or exclusion */
    TLSP_CAUSE_BAD_PROTOCOLS,        /* "bad-protocols": invalid protocol list */
    TLSP_CAUSE_ENGINE_UNAVAILABLE,   /* "engine-unavailable": CAfile/CApath unreadable,
                                        bad fingerprint digest */
    TLSP_CAUSE_POLICY_INVALID,       /* "policy-invalid": invalid level or attribute */
    TLSP_CAUSE_POLICY_LOOKUP,        /* "policy-lookup": policy table lookup error */
    TLSP_CAUSE_POLICY_TABLE_MISSING, /* "policy-table-missing": compiled table not built */
    TLSP_CAUSE_DANE_TLSA_LOOKUP,     /* "dane-tlsa-lookup": "TLSA lookup error for H:P" */
    TLSP_CAUSE_DANE_NO_TLSA,         /* "dane-no-tlsa": "no TLSA records found" */
    TLSP_CAUSE_DANE_NON_DNSSEC,      /* "dane-non-dnssec": "non DNSSEC destination" */
    TLSP_CAUSE_DANE_UNUSABLE,        /* "dane-unusable": "TLSA records unusable" */
    TLSP_CAUSE_DANE_MISMATCH,        /* "dane-mismatch": num=65 no matching DANE TLSA
                                        records, or "not trusted by local or TLSA policy" */
    TLSP_CAUSE_OTHER_TLS,            /* "other-tls": a TLS reason not recognised */
    TLSP_CAUSE_COUNT
};

/* One statement about the attempt. */
struct tlsp_finding {
    char *text;  /* a complete sentence */
    bool proven; /* the log (or, with -c, the configuration) shows it; else inferred */
    bool config; /* proven by the configuration (-c, -o), not by the log */
};

struct tlsp_logdiag {
    enum tlsp_cause cause;
    char *title;              /* one line, e.g. "certificate name mismatch at level secure" */
    bool tls_failure;         /* TLS made this attempt fail, or fall back to plaintext */
    struct tlsp_finding *findings; /* what happened and why, most important first */
    size_t n_findings;
    char **unknown;           /* what the log does not tell, sentences */
    size_t n_unknown;
    char **settle;            /* what would settle it: main.cf settings, commands */
    size_t n_settle;

    /* The policy: from the configuration with -c (proven), else inferred from
     * the log (e.g. "Server certificate not verified" needs a level that checks
     * names). */
    char *level;              /* security level as Postfix spells it, or NULL unknown */
    bool level_proven;
    char **required;          /* names the certificate had to carry (reference names) */
    size_t n_required;
    bool required_proven;
    char **cert_names;        /* names the certificate offers, as far as the log shows:
                                 all DNS subjectAltNames (<= 3.5 verbose), else the
                                 subject CN (subject_CN= or the depth=0 subject) */
    size_t n_cert_names;
    bool cert_names_complete; /* the log lists every DNS subjectAltName */
    int chain_trusted;        /* 1 proven trusted, 0 proven untrusted, -1 unknown */

    /* With a configuration. */
    char *entry;              /* the policy-table entry that applied, "KEY VALUE", or NULL */
    char *entry_source;       /* where: "texthash:/etc/postfix/tls_policy line 3", or NULL */
    char *table_key;          /* key the fix lines use (the entry's, else the next hop) */
    bool new_entry;           /* no entry applied: the lines are new entries */
    struct tlsp_fix *fixes;   /* strongest first; empty when nothing is to change */
    size_t n_fixes;

    /* Where the proven facts above come from, when not from the log. */
    bool chain_from_config;    /* chain_trusted comes from the configuration */
    bool level_from_config;    /* level comes from the configuration (level_proven) */
    bool required_from_config; /* required comes from the configuration (required_proven) */

    /* The delivery service. */
    bool lmtp;                 /* lmtp(8) delivered (its name, or -c's master.cf or routing):
                                  the parameters and tables are the lmtp_ ones */
};

/* What the diagnosis may use besides the attempt. */
struct tlsp_logdiag_ctx {
    struct tlsp_cf *cf;           /* configuration (-c, -o), or NULL: infer from the log */
    struct tlsp_version version;  /* release whose texts the advice uses (--postfix-version) */
    bool cause_only;              /* fill cause, tls_failure and chain_trusted only: no
                                     sentences, no policy, no fixes, cf unused (for counting
                                     every attempt of a large log; a fraction of a microsecond) */
};

/*
 * tlsp_logdiag_run - diagnose one attempt
 *
 * In:   a    the attempt; borrowed.
 *       ctx  see struct tlsp_logdiag_ctx; borrowed (ctx->cf is used for
 *            lookups: not shared between threads).
 * Out:  out  filled on TLSP_OK (zeroed first); tlsp_logdiag_fini() whatever
 *            the status. cause is TLSP_CAUSE_NONE for an attempt without a
 *            TLS problem.
 *       diag problems with the configuration (a table that cannot be read:
 *            the entry is then unknown and a finding says so).
 * Returns TLSP_OK; TLSP_INVAL for missing arguments; TLSP_NOMEM.
 */
enum tlsp_status tlsp_logdiag_run(const struct tlsp_attempt *a, const struct tlsp_logdiag_ctx *ctx,
                                  struct tlsp_logdiag *out, struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_logdiag_fini(struct tlsp_logdiag *d);

/*
 * tlsp_logdiag_nexthop - the next hop tlsp_logdiag_run() looks the policy up
 *       for, when a configuration decides it: the log does not prove the
 *       attempt's next hop (no session-cache key, no "TLS policy lookup for
 *       DEST/HOST" warning) and cf routes its first recipient over SMTP or
 *       LMTP (relayhost, transport_maps ...: route.h, sender unknown).
 *
 * In:   a   the attempt; cf  the configuration (NULL: *out stays NULL).
 * Out:  out the routed next hop as the delivery request carries it (e.g.
 *           "[smtp.isp.net]:587"), heap, caller frees; NULL when the log's
 *           next hop stands (also when the route gives the same one).
 * Returns TLSP_OK or TLSP_NOMEM (routing problems leave *out NULL).
 */
enum tlsp_status tlsp_logdiag_nexthop(const struct tlsp_attempt *a, struct tlsp_cf *cf,
                                      char **out) TLSP_MUST_CHECK;

/* tlsp_cause_name - the stable name given above each value, e.g. "name-mismatch". */
const char *tlsp_cause_name(enum tlsp_cause c);

#ifdef __cplusplus
}
#endif

#endif
