/*
 * verify.h - the verdict Postfix's SMTP client reaches on a certificate chain
 *
 * WHAT     Runs OpenSSL's own chain verification the way smtp(8) sets it
 *          up after STARTTLS: CA file and directory (or trust-anchor files,
 *          or fingerprints as DANE-EE records), the reference names of the
 *          policy with X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, the depth
 *          limit, OpenSSL security level 1 at the levels that check
 *          certificates, Postfix's verify callback that records the error
 *          it will report. From that come the trust word, the lines
 *          Postfix logs at smtp_tls_loglevel, and the outcome: deliver, or
 *          defer with Postfix's DSN and reason.
 * INPUTS   a policy (policy.h) resolved with the server host name, the
 *          configuration the delivery service sees (cf.h), a chain
 *          (chain.h), the verification time.
 * CONTRACT Offline: no handshake happens, so the protocol, the cipher and
 *          the server address are unknown and shown as such, never
 *          invented. Every fallible function returns enum tlsp_status;
 *          Postfix's verdict (even "defer") is a result, not an error.
 *          Nothing prints or exits.
 * SEE ALSO spec 1.5, 3, 4; Postfix tls/tls_client.c, tls/tls_verify.c,
 *          tls/tls_dane.c; SSL_add1_host(3), SSL_dane_enable(3),
 *          X509_verify_cert(3).
 */
#ifndef TLSPOLICY_VERIFY_H
#define TLSPOLICY_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/chain.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The word of Postfix's "... TLS connection established" line. */
enum tlsp_word {
    TLSP_WORD_NONE,      /* no TLS (level none) */
    TLSP_WORD_ANONYMOUS, /* the server sent no certificate */
    TLSP_WORD_UNTRUSTED,
    TLSP_WORD_TRUSTED,
    TLSP_WORD_VERIFIED,
};

/* tlsp_word_name - "Anonymous", "Untrusted", "Trusted", "Verified", "none". */
const char *tlsp_word_name(enum tlsp_word w);

/* One verification error OpenSSL reported. */
struct tlsp_verr {
    int depth;     /* 0 = the leaf */
    int code;      /* X509_V_ERR_*; 0 when none */
    char *text;    /* X509_verify_cert_error_string() */
    char *subject; /* the certificate's subject, OpenSSL one-line form, or NULL */
    char *issuer;  /* its issuer, one-line form, or NULL */
};

struct tlsp_verify_request {
    struct tlsp_cf *cf;             /* parameters as the delivery service sees them */
    const struct tlsp_policy *pol;  /* resolved with host = the server host name */
    const struct tlsp_chain *chain; /* as the server sends it, leaf first */
    long long at;                   /* verification time, seconds since 1970 */
    const char *addr;               /* server address if known, else NULL */
    /* What a live handshake negotiated, for the summary line; NULL/0 offline
     * (the line then shows PROTOCOL, CIPHER and BITS). */
    const char *protocol;           /* SSL_get_version(), e.g. "TLSv1.3" */
    const char *cipher;             /* SSL_CIPHER_get_name() */
    int cipher_bits;                /* SSL_CIPHER_get_bits(): bits used */
    int cipher_alg_bits;            /* ... and the algorithm's bits */
    const char *sig_params;         /* the TLS 1.3 tail Postfix adds, e.g. "key-exchange
                                       X25519 server-signature RSA-PSS (2048 bits)
                                       server-digest SHA256", or NULL */
};

struct tlsp_verify_result {
    char *namaddr;              /* "HOST[ADDR]:PORT" as Postfix writes it; ADDR is
                                   the literal text "ADDR" when not known */
    bool engine_ok;             /* the TLS engine initialised (CA file readable ...) */
    char *engine_error;         /* else Postfix's text */
    enum tlsp_word word;
    bool deliver;               /* Postfix goes on to deliver over this connection */
    char *dsn;                  /* when not: e.g. "4.7.5" */
    char *reason;               /* e.g. "Server certificate not verified" */

    /* The verification itself. */
    bool names_checked;         /* reference names were given to OpenSSL */
    bool dane_used;             /* trust-anchor files or fingerprints (DANE records) */
    bool verified;              /* OpenSSL's verdict: X509_V_OK */
    struct tlsp_verr reported;  /* the error Postfix logs (code 0 when none) */
    struct tlsp_verr *errors;   /* every error reported, in OpenSSL's order */
    size_t n_errors;
    char *matched;              /* the certificate name that matched, or NULL */

    /* The chain without name checks: is it trusted at all? */
    bool chain_trusted;
    struct tlsp_verr *chain_errors;
    size_t n_chain_errors;

    /* The leaf, for explanations. */
    char **dns_names;           /* DNS subjectAltNames, as written */
    size_t n_dns_names;
    char **ip_names;            /* IP-address subjectAltNames, printable */
    size_t n_ip_names;
    size_t n_other_names;       /* other SAN types (e-mail, URI ...) */
    char *subject_cn;           /* subject CommonName, or NULL */
    char *issuer_cn;            /* Postfix's issuer_CN: CN, else O, else "" */
    char *cert_fpt;             /* smtp_tls_fingerprint_digest of the certificate, XX:XX */
    char *pkey_fpt;             /* ... of its SubjectPublicKeyInfo */
    char **subjects;            /* one-line subject of each chain certificate */
    size_t n_subjects;
    long long not_before;       /* leaf validity, seconds since 1970 */
    long long not_after;

    /* What Postfix logs at smtp_tls_loglevel, in order, without the
     * "postfix/smtp[PID]: " prefix. */
    char **log;
    size_t n_log;
    size_t n_log_engine;        /* how many of them smtp(8) logs once, when it starts and
                                   initialises its TLS engine (before any policy lookup) */
};

/*
 * tlsp_verify - judge a chain as smtp(8) would after STARTTLS
 *
 * In:   req   see struct tlsp_verify_request; borrowed.
 * Out:  res   filled on TLSP_OK (zeroed first); tlsp_verify_fini()
 *             whatever the status.
 *       diag  notes (a level that checks nothing, CA data that cannot be
 *             read).
 * Returns TLSP_OK; TLSP_INVAL when the policy is invalid (Postfix never
 *       connects: there is nothing to judge) or the request is incomplete;
 *       TLSP_NOMEM.
 * Source: spec 1.5 (what each level checks), 3 (name checks), 4.2 (the
 *       trust word), 4.3 (which error is logged), 4.4 (log lines).
 */
enum tlsp_status tlsp_verify(const struct tlsp_verify_request *req, struct tlsp_verify_result *res,
                             struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_verify_fini(struct tlsp_verify_result *res);

/*
 * tlsp_verify_engine - whether smtp(8)'s TLS engine starts (tls_client_init():
 *       the fingerprint digest, the CA file and directory), without a chain
 *
 * In:   cf, pol   as for tlsp_verify() (pol->prefix names the parameters).
 * Out:  res       zeroed, then engine_ok, engine_error and log (the lines
 *                 Postfix logs when it initialises the engine; n_log_engine
 *                 of them) are filled; tlsp_verify_fini() whatever the status.
 * Returns TLSP_OK, TLSP_INVAL, TLSP_NOMEM, or tlsp_cf_get()'s error.
 */
enum tlsp_status tlsp_verify_engine(struct tlsp_cf *cf, const struct tlsp_policy *pol,
                                    struct tlsp_verify_result *res,
                                    struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_verify_name - whether the leaf matches one reference name as OpenSSL
 *       checks it for Postfix (X509_check_host() with
 *       X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, or X509_check_ip_asc() for an
 *       IP address); a name starting with '.' matches names under it.
 * Out:  matched  if not NULL, the certificate name that matched (heap; caller
 *                frees), else untouched.
 * Returns true on a match. For explanations only: verdicts come from
 *       tlsp_verify().
 */
bool tlsp_verify_name(const struct tlsp_chain *chain, const char *name, char **matched);

/*
 * tlsp_time_text - a time as tlspolicy prints it: "YYYY-MM-DD HH:MM:SS UTC"
 *
 * In:   t     seconds since 1970.
 * Out:  buf   at least 32 bytes; "@T" when t cannot be shown as a date.
 * Returns buf.
 */
char *tlsp_time_text(long long t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
