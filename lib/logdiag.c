/*
 * logdiag.c - what a delivery attempt in the log means
 *
 * The attempt is classified from the delivery line's reason and the TLS
 * lines of the same process (spec 1.6, 1.7, 3.6, 4.2 - 4.6), in three
 * dialects: Postfix <= 3.5, 3.6 to 3.10.3 and 3.10.4 and later. Each
 * finding says whether the log (or, with -c, the configuration) shows it
 * or whether it is inferred. logfix.c then names the level, the required
 * names, the entry and the fixes; the sentences about them are written
 * here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tlspolicy/logdiag.h>

#include "logfix.h"
#include "hostname.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strvec.h"

#define PARAM_NAME_MAX 96
#define CAFILE_MAX_CERTS 4096                /* certificates read from a CAfile */
#define CAFILE_MAX_BYTES (64L * 1024 * 1024) /* larger CAfiles are not read */

static const char *const cause_names[TLSP_CAUSE_COUNT] = {
    [TLSP_CAUSE_NONE] = "none",
    [TLSP_CAUSE_NAME_MISMATCH] = "name-mismatch",
    [TLSP_CAUSE_CHAIN_TRUST_UNKNOWN] = "chain-trust-unknown",
    [TLSP_CAUSE_NOT_VERIFIED] = "not-verified",
    [TLSP_CAUSE_UNKNOWN_ISSUER] = "unknown-issuer",
    [TLSP_CAUSE_MISSING_INTERMEDIATE] = "missing-intermediate",
    [TLSP_CAUSE_SELF_SIGNED] = "self-signed",
    [TLSP_CAUSE_EXPIRED] = "expired",
    [TLSP_CAUSE_CHAIN_UNTRUSTED] = "chain-untrusted",
    [TLSP_CAUSE_NOTHING_TRUSTED] = "nothing-trusted",
    [TLSP_CAUSE_STARTTLS_NOT_OFFERED] = "starttls-not-offered",
    [TLSP_CAUSE_STARTTLS_REFUSED] = "starttls-refused",
    [TLSP_CAUSE_HANDSHAKE_PROTOCOL] = "handshake-protocol",
    [TLSP_CAUSE_HANDSHAKE] = "handshake",
    [TLSP_CAUSE_BAD_CIPHERS] = "bad-ciphers",
    [TLSP_CAUSE_BAD_PROTOCOLS] = "bad-protocols",
    [TLSP_CAUSE_ENGINE_UNAVAILABLE] = "engine-unavailable",
    [TLSP_CAUSE_POLICY_INVALID] = "policy-invalid",
    [TLSP_CAUSE_POLICY_LOOKUP] = "policy-lookup",
    [TLSP_CAUSE_POLICY_TABLE_MISSING] = "policy-table-missing",
    [TLSP_CAUSE_DANE_TLSA_LOOKUP] = "dane-tlsa-lookup",
    [TLSP_CAUSE_DANE_NO_TLSA] = "dane-no-tlsa",
    [TLSP_CAUSE_DANE_NON_DNSSEC] = "dane-non-dnssec",
    [TLSP_CAUSE_DANE_UNUSABLE] = "dane-unusable",
    [TLSP_CAUSE_DANE_MISMATCH] = "dane-mismatch",
    [TLSP_CAUSE_OTHER_TLS] = "other-tls",
};

const char *
tlsp_cause_name(enum tlsp_cause c)
{
    return (unsigned)c < TLSP_CAUSE_COUNT ? cause_names[c] : "unknown";
}

/* Where the certificate names came from. */
enum names_src {
    NAMES_NONE,
    NAMES_SANS,       /* subjectAltName lines (<= 3.5) */
    NAMES_COMMONNAME, /* the CommonName line (<= 3.5) */
    NAMES_SUBJECT_CN, /* subject_CN= */
    NAMES_DEPTH0,     /* CN of the depth=0 subject */
};

struct dctx {
    const struct tlsp_attempt *a;
    const struct tlsp_logdiag_ctx *ctx;
    struct tlsp_cf *cf;
    struct tlsp_cf *trust_cf; /* cf as the attempt's master.cf service sees it */
    struct tlsp_logdiag *d;
    struct tlsp_diag *diag;
    struct tlsp_strvec unknown;
    struct tlsp_strvec settle;
    size_t cap_findings;
    enum tlsp_status st; /* first allocation failure */

    const char *reason; /* the reason, "delivery temporarily suspended: " removed */
    bool suspended;
    const char *prefix; /* "smtp" or "lmtp" */
    enum names_src names_src;
    int depth_trust;                /* what the depth= lines show: 1, 0, -1 */
    int depth_top;                  /* greatest depth logged, -1 none */
    int depth_fail;                 /* depth of a verify=0 line at depth > 0, else -1 */
    bool name_error;                /* the verification error is a name mismatch */
    bool trust_by_word;             /* the chain is proven trusted by "Trusted" */
    bool issuer_is_root;            /* the untrusted issuer's CN says Root */
    bool dane_hint;                 /* the lines show DANE in use */
    char *mi_note;                  /* CAfile CA that makes the issuer an intermediate */
    struct tlsp_logfix_route route; /* -c: the recipient's routed next hop, if not logged */
    const char *nexthop;            /* route.nexthop, else the attempt's next hop */
};

/* ---- small helpers ---------------------------------------------------------- */

static void
nomem(struct dctx *c)
{
    if (c->st == TLSP_OK)
        c->st = TLSP_NOMEM;
}

/* add_finding - a finding proven by the log, by the configuration (config), or inferred. */
static void add_finding(struct dctx *c, bool proven, bool config, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
add_finding(struct dctx *c, bool proven, bool config, const char *fmt, va_list ap)
{
    struct tlsp_logdiag *d = c->d;
    char *s;

    s = tlsp_vaprintf(fmt, ap);
    if (s == NULL || c->st != TLSP_OK)
        goto fail;
    if (d->n_findings == c->cap_findings) {
        size_t cap = c->cap_findings ? 2 * c->cap_findings : 8;
        struct tlsp_finding *grown = realloc(d->findings, cap * sizeof(*grown));

        if (grown == NULL)
            goto fail;
        d->findings = grown;
        c->cap_findings = cap;
    }
    d->findings[d->n_findings].text = s;
    d->findings[d->n_findings].proven = proven || config;
    d->findings[d->n_findings].config = config;
    d->n_findings++;
    return;
fail:
    free(s);
    nomem(c);
}

/* finding - what the log proves (proven), or what is inferred from it. */
static void finding(struct dctx *c, bool proven, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
finding(struct dctx *c, bool proven, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_finding(c, proven, false, fmt, ap);
    va_end(ap);
}

/* finding_src - proven by the configuration when config, else as finding(). */
static void finding_src(struct dctx *c, bool proven, bool config, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
finding_src(struct dctx *c, bool proven, bool config, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_finding(c, proven, config, fmt, ap);
    va_end(ap);
}

static void unknown(struct dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
unknown(struct dctx *c, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    if (c->st != TLSP_OK)
        return;
    va_start(ap, fmt);
    st = tlsp_strvec_vpushf(&c->unknown, fmt, ap);
    va_end(ap);
    if (st != TLSP_OK)
        nomem(c);
}

static void settle(struct dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
settle(struct dctx *c, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (c->st != TLSP_OK)
        return;
    va_start(ap, fmt);
    s = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        nomem(c);
        return;
    }
    if (tlsp_strvec_find(&c->settle, s) >= 0) {
        free(s);
        return;
    }
    if (tlsp_strvec_push_owned(&c->settle, s) != TLSP_OK)
        nomem(c);
}

static void title(struct dctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
title(struct dctx *c, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        nomem(c);
        return;
    }
    free(c->d->title);
    c->d->title = s;
}

static const char *
nz(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

static bool
starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool
contains(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

/* The first warning of the attempt that contains needle, or NULL. */
static const char *
warning_with(const struct tlsp_attempt *a, const char *needle)
{
    size_t i;

    for (i = 0; i < a->n_warnings; i++)
        if (contains(a->warnings[i], needle))
            return a->warnings[i];
    return NULL;
}

/* The value of NAME= in a one-line DN ("/O=X/CN=Y"), the last one; heap or NULL. */
static char *
dn_field(const char *dn, const char *name)
{
    char key[16];
    const char *p, *last = NULL;

    if (dn == NULL)
        return NULL;
    snprintf(key, sizeof(key), "/%s=", name);
    for (p = strstr(dn, key); p; p = strstr(p + 1, key))
        last = p + strlen(key);
    if (last == NULL)
        return NULL;
    return tlsp_strndup(last, strcspn(last, "/"));
}

static void
settle_check(struct dctx *c)
{
    char *w;

    if (c->nexthop == NULL)
        return;
    if ((w = tlsp_shell_word(c->nexthop)) == NULL) {
        nomem(c);
        return;
    }
    settle(c, "tlspolicy check %s", w);
    free(w);
}

/* "postfix/smtp[123]" */
static char *
process_name(const struct tlsp_attempt *a)
{
    return tlsp_aprintf("%s[%ld]", nz(a->ident, "postfix/smtp"), a->pid);
}

/* The verification failure line as Postfix logged it. */
static char *
verify_line(const struct tlsp_attempt *a)
{
    return tlsp_aprintf("%s%scertificate verification failed for %s: %s", nz(a->verify_purpose, ""),
                        a->verify_purpose ? " " : "", nz(a->server, "the server"),
                        nz(a->verify_error, ""));
}

/* The delivery line's outcome as Postfix logged it. */
static char *
status_text(const struct tlsp_attempt *a)
{
    if (a->end == TLSP_END_NEXT)
        return tlsp_aprintf("%s: %s", nz(a->queue_id, "QUEUEID"), nz(a->reason, ""));
    return tlsp_aprintf("dsn=%s, status=%s (%s)", nz(a->dsn, "?"), nz(a->status, "?"),
                        nz(a->reason, ""));
}

static char *
join_names(char *const *names, size_t n, const char *sep)
{
    struct tlsp_buf b;
    enum tlsp_status st = TLSP_OK;
    size_t i;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    for (i = 0; i < n && st == TLSP_OK; i++)
        st = tlsp_buf_printf(&b, "%s%s", i ? sep : "", names[i]);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

/* "a, b or a name under .c" */
static char *
required_text(char *const *names, size_t n)
{
    struct tlsp_buf b;
    enum tlsp_status st = TLSP_OK;
    size_t i;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    for (i = 0; i < n && st == TLSP_OK; i++)
        st = tlsp_buf_printf(&b, "%s%s%s",
                             i == 0       ? ""
                             : i + 1 == n ? " or "
                                          : ", ",
                             names[i][0] == '.' ? "a name under " : "", names[i]);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

/* The value of PREFIX_suffix in the configuration ("" when unset). */
static const char *
pget(struct tlsp_cf *cf, const char *prefix, const char *suffix, char *name, size_t size)
{
    const char *v = "";
    struct tlsp_diag scratch;

    snprintf(name, size, "%s_%s", prefix, suffix);
    if (cf == NULL)
        return "";
    tlsp_diag_init(&scratch);
    if (tlsp_cf_get(cf, name, &v, &scratch) != TLSP_OK || v == NULL)
        v = "";
    tlsp_diag_fini(&scratch);
    return v;
}

/* ---- evidence --------------------------------------------------------------- */

/*
 * What the depth= lines show about the chain. OpenSSL first builds the
 * chain and checks the names (a failure there is logged with verify=0),
 * then walks the chain from the top down, logging each depth again. The
 * chain is proven trusted when, after the first verify=0 line, every line
 * has verify=1 and the walk reached depth 0 from a depth above 0; a
 * verify=0 line at a depth above 0 proves a chain error there.
 */
static void
analyse_depths(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    size_t i, first_fail = a->n_depths;
    bool top_after = false, later_fail = false;

    c->depth_trust = -1;
    c->depth_top = -1;
    c->depth_fail = -1;
    if (a->n_depths == 0)
        return;
    for (i = 0; i < a->n_depths; i++) {
        const struct tlsp_depth_line *l = &a->depths[i];

        if (l->depth > c->depth_top)
            c->depth_top = l->depth;
        if (l->verify == 0 && l->depth > 0 && c->depth_fail < 0)
            c->depth_fail = l->depth;
        if (l->verify == 0 && first_fail == a->n_depths)
            first_fail = i;
    }
    if (c->depth_fail > 0) {
        c->depth_trust = 0;
        return;
    }
    if (a->depths[a->n_depths - 1].depth != 0 || a->depths[a->n_depths - 1].verify != 1)
        return;
    if (first_fail == a->n_depths) {
        c->depth_trust = 1;
        return;
    }
    for (i = first_fail + 1; i < a->n_depths; i++) {
        if (a->depths[i].verify == 0)
            later_fail = true;
        if (a->depths[i].depth == c->depth_top && c->depth_top > 0)
            top_after = true;
    }
    if (!later_fail && top_after)
        c->depth_trust = 1;
}

/* The certificate names the log shows. */
static void
collect_names(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    struct tlsp_logdiag *d = c->d;
    struct tlsp_strvec v;
    char *cn = NULL;
    size_t i;

    tlsp_strvec_init(&v);
    if (a->n_sans > 0) {
        for (i = 0; i < a->n_sans && c->st == TLSP_OK; i++)
            if (tlsp_strvec_find(&v, a->sans[i]) < 0 && tlsp_strvec_push(&v, a->sans[i]) != TLSP_OK)
                nomem(c);
        c->names_src = NAMES_SANS;
        /* Postfix <= 3.5 stops listing at the first match unless certmatch is logged. */
        d->cert_names_complete = a->matched_san == NULL;
    } else if (a->subject_cn) {
        if (tlsp_strvec_push(&v, a->subject_cn) != TLSP_OK)
            nomem(c);
        c->names_src = NAMES_SUBJECT_CN;
    } else if (a->common_name) {
        if (tlsp_strvec_push(&v, a->common_name) != TLSP_OK)
            nomem(c);
        c->names_src = NAMES_COMMONNAME;
    } else {
        for (i = a->n_depths; i > 0; i--)
            if (a->depths[i - 1].depth == 0) {
                cn = dn_field(a->depths[i - 1].subject, "CN");
                break;
            }
        if (cn) {
            if (tlsp_strvec_push_owned(&v, cn) != TLSP_OK)
                nomem(c);
            c->names_src = NAMES_DEPTH0;
        }
    }
    if (c->st == TLSP_OK && v.n > 0 &&
        tlsp_strvec_release(&v, &d->cert_names, &d->n_cert_names) != TLSP_OK)
        nomem(c);
    tlsp_strvec_fini(&v);
}

static bool
dane_evidence(const struct tlsp_attempt *a)
{
    return a->matched_other || warning_with(a, "TLSA") || warning_with(a, "DANE") ||
           warning_with(a, "dane");
}

/* ---- the configuration ---------------------------------------------------------- */

static const char *
delivery_prefix(const struct tlsp_attempt *a, struct tlsp_cf *cf)
{
    const struct tlsp_cf_service *svc;

    if (cf && a->service && (svc = tlsp_cf_service(cf, a->service, NULL)) != NULL && svc->command &&
        strcmp(svc->command, "lmtp") == 0)
        return "lmtp";
    if (a->ident && tlsp_ends_with(a->ident, "/lmtp"))
        return "lmtp";
    return "smtp";
}

/* Whether the configuration trusts no CA at all; the sentence that says so. */
static char *
nothing_trusted(struct dctx *c)
{
    char n1[PARAM_NAME_MAX], n2[PARAM_NAME_MAX], n3[PARAM_NAME_MAX];
    const char *cafile = pget(c->trust_cf, c->prefix, "tls_CAfile", n1, sizeof(n1));
    const char *capath = pget(c->trust_cf, c->prefix, "tls_CApath", n2, sizeof(n2));
    const char *append = pget(c->trust_cf, "tls", "append_default_CA", n3, sizeof(n3));
    struct stat sb;

    if (*cafile || tlsp_strcaseeq(append, "yes"))
        return NULL;
    if (*capath == 0)
        return tlsp_aprintf("Neither %s nor %s is set: Postfix trusts no CA at all, not even "
                            "OpenSSL's default store, so no chain can be trusted.",
                            n1, n2);
    if (stat(capath, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return tlsp_aprintf("%s = %s is not a directory here and %s is not set: Postfix loads "
                            "a missing CApath without an error and then trusts no CA, so no "
                            "chain can be trusted.",
                            n2, capath, n1);
    return NULL;
}

static char *
x509_name_field(const X509_NAME *name, int nid)
{
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    unsigned char *utf8 = NULL;
    char *out;
    int n;

    if (i < 0)
        return NULL;
    n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i)));
    if (n < 0)
        return NULL;
    out = tlsp_strndup((const char *)utf8, (size_t)n);
    OPENSSL_free(utf8);
    return out;
}

/*
 * A CA of smtp_tls_CAfile of the issuer's organisation but with another
 * name: the issuer is then probably that CA's intermediate. Returns the
 * sentence saying so, or NULL.
 */
static char *
cafile_sibling(struct dctx *c, const char *issuer_dn)
{
    char n1[PARAM_NAME_MAX];
    const char *cafile = pget(c->trust_cf, c->prefix, "tls_CAfile", n1, sizeof(n1));
    char *org = dn_field(issuer_dn, "O"), *cn = dn_field(issuer_dn, "CN"), *out = NULL;
    struct stat sb;
    BIO *bio = NULL;
    X509 *x = NULL;
    int n;

    if (org == NULL || cn == NULL || *cafile == 0)
        goto done;
    if (stat(cafile, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > CAFILE_MAX_BYTES)
        goto done;
    if ((bio = BIO_new_file(cafile, "r")) == NULL)
        goto done;
    for (n = 0; n < CAFILE_MAX_CERTS && out == NULL; n++) {
        char *o2, *cn2;

        if ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL)
            break;
        o2 = x509_name_field(X509_get_subject_name(x), NID_organizationName);
        cn2 = x509_name_field(X509_get_subject_name(x), NID_commonName);
        if (o2 && cn2 && strcmp(o2, org) == 0 && strcmp(cn2, cn) != 0)
            out = tlsp_aprintf("%s (%s) holds the CA \"%s\" of the issuer's organisation "
                               "(O=%s), but not \"%s\" itself.",
                               n1, cafile, cn2, org, cn);
        free(o2);
        free(cn2);
        X509_free(x);
    }
    ERR_clear_error();
done:
    BIO_free(bio);
    free(org);
    free(cn);
    return out;
}

/* ---- classification ---------------------------------------------------------- */

/* The DN after "untrusted issuer" in the failure line ("" when there is none). */
static const char *
issuer_dn(const struct tlsp_attempt *a)
{
    const char *e = nz(a->verify_error, "");

    if (starts_with(e, "untrusted issuer"))
        e += strlen("untrusted issuer");
    return e + strspn(e, " ");
}

static bool
is_name_error(const char *e)
{
    return contains(e, "hostname mismatch") || contains(e, "IP address mismatch") ||
           contains(e, "num=62:") || contains(e, "num=64:");
}

static bool
is_cert_reason(const char *r)
{
    return starts_with(r, "Server certificate not verified") ||
           starts_with(r, "Server certificate not trusted");
}

static bool
name_cause(enum tlsp_cause cause)
{
    return cause == TLSP_CAUSE_NAME_MISMATCH || cause == TLSP_CAUSE_CHAIN_TRUST_UNKNOWN ||
           cause == TLSP_CAUSE_NOT_VERIFIED;
}

/* The cause from the verification failure line. */
static enum tlsp_cause
cause_of_verify_error(struct dctx *c)
{
    const char *e = c->a->verify_error;

    if (starts_with(e, "untrusted issuer"))
        return TLSP_CAUSE_UNKNOWN_ISSUER;
    if (contains(e, "self-signed certificate") || contains(e, "self signed certificate"))
        return TLSP_CAUSE_SELF_SIGNED;
    if (contains(e, "certificate has expired") || contains(e, "certificate not yet valid") ||
        contains(e, "certificate is not yet valid"))
        return TLSP_CAUSE_EXPIRED;
    if (contains(e, "num=65:") || contains(e, "no matching DANE TLSA records"))
        return TLSP_CAUSE_DANE_MISMATCH;
    if (contains(e, "not trusted by local or TLSA policy"))
        return c->dane_hint ? TLSP_CAUSE_DANE_MISMATCH : TLSP_CAUSE_CHAIN_UNTRUSTED;
    return TLSP_CAUSE_CHAIN_UNTRUSTED;
}

static enum tlsp_cause
classify_cert(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    struct tlsp_logdiag *d = c->d;
    bool not_trusted = starts_with(c->reason, "Server certificate not trusted");

    if (a->verify_error && is_name_error(a->verify_error)) {
        c->name_error = true;
        if (c->depth_trust == 1) {
            d->chain_trusted = 1;
            return TLSP_CAUSE_NAME_MISMATCH;
        }
        if (c->depth_trust == 0) {
            d->chain_trusted = 0;
            return TLSP_CAUSE_CHAIN_UNTRUSTED;
        }
        if (a->word == TLSP_WORD_TRUSTED) {
            c->trust_by_word = true;
            d->chain_trusted = 1;
            return TLSP_CAUSE_NAME_MISMATCH;
        }
        return TLSP_CAUSE_CHAIN_TRUST_UNKNOWN;
    }
    if (a->verify_error) {
        d->chain_trusted = 0;
        return cause_of_verify_error(c);
    }
    if (not_trusted) {
        d->chain_trusted = 0;
        return TLSP_CAUSE_CHAIN_UNTRUSTED;
    }
    /* "Server certificate not verified" without a failure line. */
    if (a->word == TLSP_WORD_TRUSTED) {
        /* <= 3.5 (or >= 3.10.4): a trusted chain whose names do not match. */
        c->trust_by_word = true;
        c->name_error = true;
        d->chain_trusted = 1;
        return TLSP_CAUSE_NAME_MISMATCH;
    }
    if (c->depth_trust == 0) {
        d->chain_trusted = 0;
        return TLSP_CAUSE_CHAIN_UNTRUSTED;
    }
    if (c->depth_trust == 1 && a->depths[0].depth == 0 && a->depths[0].verify == 0 &&
        c->depth_top > 0) {
        /* A failure at depth 0 before OpenSSL's walk down a trusted chain: the name check. */
        d->chain_trusted = 1;
        return TLSP_CAUSE_NAME_MISMATCH;
    }
    return TLSP_CAUSE_NOT_VERIFIED;
}

static enum tlsp_cause
classify_handshake(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;

    if (warning_with(a, "invalid cipher grade") || warning_with(a, "in cipher exclusion"))
        return TLSP_CAUSE_BAD_CIPHERS;
    if (warning_with(a, "Invalid TLS protocol list"))
        return TLSP_CAUSE_BAD_PROTOCOLS;
    if (warning_with(a, "alert protocol version") || warning_with(a, "unsupported protocol") ||
        warning_with(a, "no protocols available") || warning_with(a, "wrong version number") ||
        contains(a->handshake_error, "protocol version"))
        return TLSP_CAUSE_HANDSHAKE_PROTOCOL;
    return TLSP_CAUSE_HANDSHAKE;
}

static enum tlsp_cause
classify_config(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;

    if ((warning_with(a, "open database") && warning_with(a, "No such file")) ||
        warning_with(a, "is unavailable. open database"))
        return TLSP_CAUSE_POLICY_TABLE_MISSING;
    if (warning_with(a, "policy table lookup error") || warning_with(a, "lookup error for"))
        return TLSP_CAUSE_POLICY_LOOKUP;
    return TLSP_CAUSE_POLICY_INVALID;
}

static enum tlsp_cause
classify(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    const char *r = c->reason;

    if (a->end == TLSP_END_SENT && !c->suspended)
        return TLSP_CAUSE_NONE;
    if (r == NULL)
        return TLSP_CAUSE_NONE;
    if (is_cert_reason(r)) {
        if (warning_with(a, "all TLSA records unusable") && a->verify_error == NULL)
            return TLSP_CAUSE_DANE_UNUSABLE;
        return classify_cert(c);
    }
    if (starts_with(r, "TLS is required, but was not offered"))
        return TLSP_CAUSE_STARTTLS_NOT_OFFERED;
    if (starts_with(r, "TLS is required, but host") && contains(r, "refused to start TLS"))
        return TLSP_CAUSE_STARTTLS_REFUSED;
    if (starts_with(r, "Cannot start TLS"))
        return classify_handshake(c);
    if (starts_with(r, "TLS is required, but our TLS engine is unavailable"))
        return TLSP_CAUSE_ENGINE_UNAVAILABLE;
    if (starts_with(r, "client TLS configuration problem"))
        return classify_config(c);
    if (starts_with(r, "TLSA lookup error"))
        return TLSP_CAUSE_DANE_TLSA_LOOKUP;
    if (starts_with(r, "no TLSA records found"))
        return TLSP_CAUSE_DANE_NO_TLSA;
    if (starts_with(r, "non DNSSEC destination"))
        return TLSP_CAUSE_DANE_NON_DNSSEC;
    if (starts_with(r, "TLSA records unusable"))
        return TLSP_CAUSE_DANE_UNUSABLE;
    if (contains(r, "TLS") || contains(r, "certificate"))
        return TLSP_CAUSE_OTHER_TLS;
    return TLSP_CAUSE_NONE;
}

/* ---- findings per cause --------------------------------------------------------- */

static void
find_outcome(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *st = status_text(a), *proc = process_name(a);

    if (st == NULL || proc == NULL) {
        nomem(c);
        goto out;
    }
    if (c->suspended)
        finding(c, true,
                "Postfix did not connect for this message: the destination was suspended after "
                "an earlier failure (\"delivery temporarily suspended: %s\"); that failure's own "
                "lines explain it.",
                nz(c->reason, ""));
    if (a->end == TLSP_END_NEXT)
        finding(c, true,
                "This failure was not final: %s logged \"%s\" (no relay=, no status=) and went "
                "on to the next MX host, or retried the same server without TLS.",
                proc, st);
out:
    free(st);
    free(proc);
}

static void
find_names_seen(struct dctx *c)
{
    struct tlsp_logdiag *d = c->d;
    char *names = NULL;

    if (d->n_cert_names == 0) {
        if (name_cause(d->cause))
            unknown(c,
                    "The certificate's names: the log shows none (Postfix logs the subject "
                    "CN at %s_tls_loglevel 2, subjectAltNames only before 3.6).",
                    c->prefix);
        return;
    }
    if ((names = join_names(d->cert_names, d->n_cert_names, ", ")) == NULL) {
        nomem(c);
        return;
    }
    switch (c->names_src) {
    case NAMES_SANS:
        finding(c, true, "The certificate carries the DNS name%s %s (subjectAltName lines%s).",
                d->n_cert_names > 1 ? "s" : "", names,
                d->cert_names_complete ? ", a complete list" : "; the list stops at the match");
        break;
    case NAMES_COMMONNAME:
        finding(c, true, "The certificate's CommonName is %s (CommonName line).", names);
        break;
    case NAMES_SUBJECT_CN:
        finding(c, true, "The certificate's subject CN is %s (subject_CN= line).", names);
        break;
    case NAMES_DEPTH0:
        finding(c, true, "The certificate's subject CN is %s (depth=0 line).", names);
        break;
    case NAMES_NONE:
        break;
    }
    if (!d->cert_names_complete && name_cause(d->cause)) {
        char *w = c->nexthop ? tlsp_shell_word(c->nexthop) : NULL;

        if (c->nexthop && w == NULL) {
            nomem(c);
            goto out;
        }
        if (c->names_src == NAMES_COMMONNAME)
            unknown(c,
                    "Whether the certificate carries DNS subjectAltNames besides its CommonName: "
                    "they are not in the log; tlspolicy check %s or posttls-finger shows them.",
                    nz(w, "NEXTHOP"));
        else
            unknown(c,
                    "The certificate's subjectAltNames: Postfix 3.6 and later do not log them, "
                    "only the subject CN; tlspolicy check %s or posttls-finger shows them.",
                    nz(w, "NEXTHOP"));
        free(w);
        settle_check(c);
    }
out:
    free(names);
}

static void
find_chain_trusted(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;

    if (c->depth_trust == 1 && c->d->chain_trusted == 1 && a->depths[0].verify == 0)
        finding(c, true,
                "The server's certificate chain is trusted: every depth= line after the name "
                "check has verify=1 (depth 0 to %d).",
                c->depth_top);
    else if (c->depth_trust == 1 && c->d->chain_trusted == 1)
        finding(c, true,
                "The server's certificate chain is trusted: every depth= line has verify=1 "
                "(depth 0 to %d).",
                c->depth_top);
    else if (c->trust_by_word && a->dialect == TLSP_DIALECT_PRE36)
        finding(c, true,
                "The server's certificate chain is trusted: Postfix 3.5 and earlier logged "
                "\"Trusted TLS connection established to %s\", a word they give only to a "
                "trusted chain.",
                nz(a->server, "the server"));
    else if (c->trust_by_word)
        finding(c, true,
                "The server's certificate chain is trusted: Postfix logged \"Trusted TLS "
                "connection established to %s\", which Postfix 3.10.4 and later (and 3.5 and "
                "earlier) write for a trusted chain whose names do not match.",
                nz(a->server, "the server"));
}

static void
find_name_mismatch(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *line = NULL;

    if (a->verify_error) {
        if ((line = verify_line(a)) == NULL) {
            nomem(c);
            return;
        }
        finding(c, true,
                "The certificate does not carry a name Postfix required: Postfix logged "
                "\"%s\".",
                line);
    } else if (c->trust_by_word) {
        finding(c, true,
                "The certificate does not carry a name Postfix required: the chain was "
                "trusted, yet Postfix deferred with \"%s\", which then means that no certificate "
                "name matched.",
                nz(c->reason, "Server certificate not verified"));
    } else {
        finding(c, false,
                "No certificate name matched the names Postfix required: the depth= lines show "
                "a trusted chain and one failure at depth 0 before it, where OpenSSL checks the "
                "names; the verification failure line itself is not in the log.");
    }
    free(line);
    find_chain_trusted(c);
}

static void
find_trust_unknown(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *line = verify_line(a);

    if (line == NULL) {
        nomem(c);
        return;
    }
    finding(c, true,
            "The certificate does not carry a name Postfix required: Postfix logged \"%s\".", line);
    if (a->word == TLSP_WORD_UNTRUSTED)
        finding(c, true,
                "Postfix logged \"Untrusted TLS connection established to %s\": Postfix 3.6 to "
                "3.10.3 give that word to a name mismatch whether or not the chain is trusted.",
                nz(a->server, "the server"));
    unknown(c, "Whether the server's certificate chain is trusted: Postfix logs only the "
               "verification error nearest the server's certificate, so a name mismatch at depth 0 "
               "hides an untrusted issuer further up the chain, and no depth= lines were logged.");
    settle(c,
           "%s_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines that "
           "show the chain's trust",
           c->prefix);
    settle_check(c);
    free(line);
}

static void
find_not_verified(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *st = status_text(a), *proc = process_name(a);
    const char *host = a->mx_host, *nh = c->nexthop;

    if (st == NULL || proc == NULL) {
        nomem(c);
        goto out;
    }
    finding(c, true,
            "Postfix logged \"%s\": the server's certificate failed the check of a level that "
            "verifies it (verify, secure, fingerprint or a DANE level): either no certificate "
            "name matched, or the chain is not trusted.",
            st);
    if (a->word == TLSP_WORD_UNTRUSTED)
        finding(c, true,
                "Postfix logged \"Untrusted TLS connection established to %s\", which covers "
                "both.",
                nz(a->server, "the server"));
    if (a->resumed)
        finding(c, true,
                "The TLS session was resumed: Postfix logs no certificate detail for it; the "
                "first handshake's lines are earlier in the log.");
    if (host && nh && strcasecmp(host, nh) != 0 && !tlsp_ends_with(host, nh))
        finding(c, false,
                "Probable cause: no certificate name matches (the most common reason). The "
                "server %s is not named under %s, so its certificate probably names the "
                "provider's domain rather than %s.",
                host, nh, nh);
    else
        finding(c, false,
                "Probable cause: no certificate name matches the names required (the most "
                "common reason); an untrusted chain gives the same status line.");
    if (c->suspended) {
        unknown(c,
                "Which check failed, names or chain: the lines of the earlier deferral of "
                "%s, by the process that connected, tell.",
                nz(nh, "this destination"));
    } else {
        unknown(c,
                "Which check failed, names or chain: no verification failure line of %s is "
                "in the log. Postfix 3.6 and later log \"certificate verification failed "
                "for ...\" before the status line at any %s_tls_loglevel when the level "
                "checks the certificate, so those lines are in another part of the log, or "
                "the log is from Postfix 3.5 or earlier with %s_tls_loglevel 0.",
                proc, c->prefix, c->prefix);
        settle(c,
               "%s_tls_loglevel = 1 in main.cf (postfix reload) logs the summary line with "
               "its trust word; search the whole log for the lines of %s before the status "
               "line",
               c->prefix, proc);
    }
    unknown(c, "Whether the server's certificate chain is trusted.");
    settle(c,
           "%s_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= lines that "
           "show the chain's trust and the certificate's subject CN",
           c->prefix);
    settle_check(c);
out:
    free(st);
    free(proc);
}

static void
find_chain_error(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    struct tlsp_logdiag *d = c->d;
    char *line = a->verify_error ? verify_line(a) : NULL;
    char *issuer_cn = NULL;
    bool leaf_only = a->n_depths > 0 && c->depth_top == 0;

    if (a->verify_error && line == NULL) {
        nomem(c);
        return;
    }
    switch (d->cause) {
    case TLSP_CAUSE_UNKNOWN_ISSUER:
    case TLSP_CAUSE_MISSING_INTERMEDIATE: {
        const char *dn = issuer_dn(a);

        finding(c, true, "The chain does not lead to a trusted CA: Postfix logged \"%s\".", line);
        if (leaf_only)
            finding(c, true,
                    "The server sent only its own certificate: every depth= line is at depth 0.");
        else if (c->depth_top > 0)
            finding(c, true, "The depth= lines show a chain of depth 0 to %d.", c->depth_top);
        issuer_cn = dn_field(dn, "CN");
        if (c->mi_note)
            finding_src(c, true, true, "%s", c->mi_note);
        if (d->cause == TLSP_CAUSE_MISSING_INTERMEDIATE)
            finding(c, false,
                    "\"%s\" is probably an intermediate CA that the server should send with its "
                    "certificate (a missing intermediate, for the server's operator to fix)%s.",
                    nz(issuer_cn, dn),
                    c->mi_note  ? ""
                    : leaf_only ? ": its name does not say Root and the server sent only its "
                                  "own certificate"
                                : "");
        else if (c->issuer_is_root)
            finding(c, false,
                    "\"%s\" is probably a root CA that is not among the trusted CAs: its name "
                    "says Root.",
                    nz(issuer_cn, dn));
        else {
            finding(c, false,
                    "\"%s\" may be an intermediate CA the server did not send, or a root CA "
                    "that is not trusted here: its name does not say Root.",
                    nz(issuer_cn, dn));
            if (a->n_depths == 0) {
                unknown(c, "Whether the server sends its intermediate CA certificates.");
                settle(c,
                       "%s_tls_loglevel = 2 in main.cf (postfix reload) logs the depth= "
                       "lines that show which certificates the server sends",
                       c->prefix);
                settle_check(c);
            }
        }
        break;
    }
    case TLSP_CAUSE_SELF_SIGNED:
        finding(c, true,
                "The server's certificate is self-signed: Postfix logged \"%s\"; no trusted CA "
                "vouches for it.",
                line);
        break;
    case TLSP_CAUSE_EXPIRED:
        finding(c, true, "%s %s: Postfix logged \"%s\".",
                tlsp_strcaseeq(nz(a->verify_purpose, ""), "CA") ? "A CA certificate of the "
                                                                  "server's chain"
                                                                : "The server's certificate",
                contains(a->verify_error, "expired") ? "has expired" : "is not yet valid", line);
        break;
    case TLSP_CAUSE_DANE_MISMATCH:
        finding(c, true,
                "No TLSA record (or configured fingerprint) matches the server's certificate or "
                "chain: Postfix logged \"%s\".",
                line);
        break;
    default:
        if (line && c->name_error && c->depth_trust == 0) {
            finding(c, true,
                    "The certificate does not carry a name Postfix required: Postfix logged "
                    "\"%s\".",
                    line);
            finding(c, true,
                    "The chain is not trusted either: a depth= line shows verify=0 at depth %d "
                    "(Postfix logs only the error nearest the server's certificate).",
                    c->depth_fail);
        } else if (line) {
            finding(c, true,
                    "The server's certificate chain failed verification: Postfix "
                    "logged \"%s\".",
                    line);
        } else if (starts_with(c->reason, "Server certificate not trusted")) {
            finding(c, true,
                    "The server's certificate chain is not trusted: Postfix 3.5 and earlier "
                    "defer with \"Server certificate not trusted\" when the chain does not lead "
                    "to a trusted CA.");
        } else {
            finding(c, true,
                    "The server's certificate chain is not trusted: a depth= line shows "
                    "verify=0 at depth %d.",
                    c->depth_fail);
        }
        break;
    }
    if (d->cause != TLSP_CAUSE_EXPIRED && d->cause != TLSP_CAUSE_DANE_MISMATCH && !c->name_error &&
        a->verify_error)
        unknown(c, "Whether the certificate's names match: Postfix logs one verification "
                   "error per handshake, and this one came first.");
    free(line);
    free(issuer_cn);
}

static void
find_quote_warning(struct dctx *c, const char *w, bool prefix_warning)
{
    char *proc = process_name(c->a);

    if (proc == NULL) {
        nomem(c);
        return;
    }
    if (w)
        finding(c, true, "%s logged \"%s%s\".", proc, prefix_warning ? "warning: " : "", w);
    free(proc);
}

static void
find_starttls(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *st = status_text(a);

    if (st == NULL) {
        nomem(c);
        return;
    }
    if (c->d->cause == TLSP_CAUSE_STARTTLS_NOT_OFFERED) {
        bool lmtp = strcmp(c->prefix, "lmtp") == 0;

        finding(c, true,
                "The server %s did not offer STARTTLS in its %s reply, and the level "
                "requires TLS: Postfix logged \"%s\".",
                nz(a->mx_host, nz(a->server, "")), lmtp ? "LHLO" : "EHLO", st);
        finding(c, false,
                "The server does not support TLS, or something between (a firewall or proxy, "
                "%s) removed STARTTLS from the reply.",
                lmtp ? "lmtp_discard_lhlo_keywords" : "smtp_discard_ehlo_keywords");
    } else {
        const char *reply = strstr(nz(c->reason, ""), "refused to start TLS: ");

        reply = reply ? reply + strlen("refused to start TLS: ") : "";
        finding(c, true, "The server answered STARTTLS with \"%s\": Postfix logged \"%s\".", reply,
                st);
        if (reply[0] == '5')
            finding(c, true,
                    "A 5xx reply to STARTTLS bounces the message at once, even if other MX "
                    "hosts remain.");
        else if (reply[0] == '4')
            finding(c, true,
                    "A 4xx reply to STARTTLS is a soft failure: Postfix tries the next MX host, "
                    "else defers the message.");
    }
    free(st);
}

static void
find_handshake(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    struct tlsp_logdiag *d = c->d;
    char *st = status_text(a), *proc = process_name(a);
    const char *w;
    size_t i;

    if (st == NULL || proc == NULL) {
        nomem(c);
        goto out;
    }
    if (d->cause == TLSP_CAUSE_BAD_CIPHERS || d->cause == TLSP_CAUSE_BAD_PROTOCOLS)
        /* Spec 1.7: tls_client_start() checks the grade and the protocol
         * list when it sets up the session, after the server accepted
         * STARTTLS and before any TLS handshake message. */
        finding(c, true,
                "%s accepted STARTTLS, then Postfix could not set up the TLS session and sent "
                "no TLS handshake message: Postfix logged \"%s\".",
                nz(a->server, "The server"), st);
    else
        finding(c, true,
                "The TLS handshake with %s failed after the server accepted STARTTLS: "
                "Postfix logged \"%s\".",
                nz(a->server, "the server"), st);
    switch (d->cause) {
    case TLSP_CAUSE_BAD_CIPHERS:
        w = warning_with(a, "invalid cipher grade");
        if (w == NULL)
            w = warning_with(a, "in cipher exclusion");
        find_quote_warning(c, w, true);
        finding(c, true,
                "The client's own cipher settings are invalid (ciphers= or exclude= in the "
                "policy entry, or the %s_tls_*ciphers parameters): Postfix checks them when "
                "it sets up the TLS session, after STARTTLS, and gives up there.",
                c->prefix);
        break;
    case TLSP_CAUSE_BAD_PROTOCOLS:
        find_quote_warning(c, warning_with(a, "Invalid TLS protocol list"), true);
        finding(c, true,
                "The client's own protocol list is invalid (protocols= in the policy entry, or "
                "%s_tls_mandatory_protocols / %s_tls_protocols): Postfix checks it when it "
                "sets up the TLS session, after STARTTLS, and gives up there.",
                c->prefix, c->prefix);
        break;
    case TLSP_CAUSE_HANDSHAKE_PROTOCOL:
        w = warning_with(a, "alert protocol version");
        if (w == NULL)
            w = warning_with(a, "unsupported protocol");
        if (w == NULL)
            w = warning_with(a, "no protocols available");
        if (w == NULL)
            w = warning_with(a, "wrong version number");
        find_quote_warning(c, w, true);
        finding(c, true,
                "Client and server have no TLS protocol version in common: the TLS library "
                "reports a protocol version error.");
        finding(c, false,
                "The policy's protocols (protocols= or %s_tls_mandatory_protocols) exclude "
                "every version the server speaks, or the server is old.",
                c->prefix);
        break;
    default:
        if (a->handshake_error)
            finding(c, true, "%s logged \"SSL_connect error to %s: %s\".", proc,
                    nz(a->server, "the server"), a->handshake_error);
        for (i = 0; i < a->n_warnings; i++)
            if (starts_with(a->warnings[i], "TLS library problem")) {
                finding(c, true, "%s logged \"warning: %s\".", proc, a->warnings[i]);
                break;
            }
        if (warning_with(a, "alert number 40") || warning_with(a, "alert handshake failure"))
            finding(c, false,
                    "The server ended the handshake with a handshake_failure alert (40): "
                    "no cipher in common (e.g. a server offering only ciphers the policy "
                    "excludes), or the server refused the client.");
        else if (contains(a->handshake_error, "lost connection"))
            finding(c, false, "The server closed the connection during the handshake.");
        else if ((w = warning_with(a, "SNI")) != NULL || (w = warning_with(a, "trust anchor")) ||
                 (w = warning_with(a, "DANE")) || (w = warning_with(a, "fingerprint")))
            find_quote_warning(c, w, true);
        else if (a->handshake_error == NULL && a->n_warnings == 0)
            unknown(c, "Why the handshake failed: the log shows no TLS library line for it.");
        break;
    }
    if (a->end == TLSP_END_NEXT && c->d->level && c->d->level_proven &&
        strcmp(c->d->level, "may") == 0)
        finding_src(c, true, c->d->level_from_config,
                    "At level may, after this line Postfix retries the same server without TLS "
                    "when the message has waited minimal_backoff_time, else it tries the next MX "
                    "host (spec 1.7.1): a status=sent for this server that follows with no TLS "
                    "line of its own is a plaintext delivery.");
    else if (a->end == TLSP_END_NEXT && c->d->level && c->d->level_proven &&
             strcmp(c->d->level, "dane") != 0) /* dane may fall back to may */
        finding_src(c, true, c->d->level_from_config,
                    "At level %s Postfix never retries without TLS: after this line it tried the "
                    "next MX host or address.",
                    c->d->level);
    else if (a->end == TLSP_END_NEXT)
        finding(c, false,
                "At level may, after this line Postfix retries the same server without TLS "
                "once the message has waited minimal_backoff_time: a status=sent that follows "
                "is a plaintext delivery.");
out:
    free(st);
    free(proc);
}

static void
find_engine(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *st = status_text(a), *proc = process_name(a);
    const char *w;

    if (st == NULL || proc == NULL) {
        nomem(c);
        goto out;
    }
    finding(c, true,
            "Postfix could not start its TLS engine and the level requires TLS: "
            "Postfix logged \"%s\".",
            st);
    if (a->engine_error) {
        finding(c, true, "When it started, %s logged \"%s\".", proc, a->engine_error);
        if (contains(a->engine_error, "Certification Authority"))
            finding(c, false,
                    "The CA file or directory named there is missing, empty or not in PEM "
                    "form (a file of mode 000 still loads, as smtp(8) reads it as root).");
        else if (contains(a->engine_error, "Digest"))
            finding(c, true, "%s_tls_fingerprint_digest names a digest OpenSSL does not know.",
                    c->prefix);
    } else {
        unknown(c,
                "Why the engine failed: %s logged it once when it started, before the lines "
                "in the log (\"cannot load Certification Authority data ...\" or \"Digest "
                "algorithm ... not found\").",
                proc);
    }
    if ((w = warning_with(a, "TLS library problem")) != NULL)
        find_quote_warning(c, w, true);
out:
    free(st);
    free(proc);
}

static void
find_config(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *st = status_text(a);
    const char *w = NULL;
    size_t i;

    if (st == NULL) {
        nomem(c);
        return;
    }
    finding(c, true,
            "Postfix found the TLS policy for this destination unusable and made no "
            "connection: Postfix logged \"%s\".",
            st);
    switch (c->d->cause) {
    case TLSP_CAUSE_POLICY_TABLE_MISSING:
        w = warning_with(a, "open database");
        find_quote_warning(c, w, false);
        finding(c, false,
                "The indexed table was never built: run postmap on the table's source file "
                "(postmap hash:FILE makes FILE.db).");
        break;
    case TLSP_CAUSE_POLICY_LOOKUP:
        w = warning_with(a, "lookup error for");
        if (w == NULL)
            w = warning_with(a, "policy table lookup error");
        find_quote_warning(c, w, true);
        break;
    default:
        for (i = 0; i < a->n_warnings && w == NULL; i++)
            if (!starts_with(a->warnings[i], "TLS policy lookup for"))
                w = a->warnings[i];
        if (w) {
            find_quote_warning(c, w, true);
        } else {
            finding(c, false,
                    "The policy entry (or a DANE setting) is invalid: an invalid level or "
                    "attribute, a bad tafile=, or DANE without DNSSEC lookups.");
            unknown(c,
                    "Which setting is invalid: the warning Postfix logs before the status "
                    "line (\"warning: %s_tls_policy_maps, next-hop destination ...\") is "
                    "not in the log.",
                    c->prefix);
        }
        break;
    }
    free(st);
}

static void
find_dane(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    char *st = status_text(a);
    const char *w;
    const char *r = nz(c->reason, "");

    if (st == NULL) {
        nomem(c);
        return;
    }
    switch (c->d->cause) {
    case TLSP_CAUSE_DANE_TLSA_LOOKUP: {
        bool named = starts_with(r, "TLSA lookup error for ");
        const char *hp = named ? r + strlen("TLSA lookup error for ") : "";
        const char *colon = named ? strrchr(hp, ':') : NULL;

        finding(c, true,
                "Postfix could not look up the TLSA records and made no connection: Postfix "
                "logged \"%s\"; at dane and dane-only alike this defers.",
                st);
        if ((w = warning_with(a, "TLSA lookup problem")) != NULL ||
            (w = warning_with(a, "DNSSEC status lookup error")) != NULL)
            find_quote_warning(c, w, true);
        if (colon && colon > hp)
            settle(c, "dig +dnssec TLSA _%s._tcp.%.*s (ask the resolver Postfix uses)", colon + 1,
                   (int)(colon - hp), hp);
        break;
    }
    case TLSP_CAUSE_DANE_NO_TLSA:
        finding(c, true,
                "At level dane-only, the server has no usable DNSSEC-signed TLSA records: "
                "Postfix logged \"%s\" and made no connection.",
                st);
        break;
    case TLSP_CAUSE_DANE_NON_DNSSEC:
        finding(c, true,
                "At level dane-only, the MX records of %s are not DNSSEC-validated: Postfix "
                "logged \"%s\" and made no connection.",
                nz(c->nexthop, "the destination"), st);
        break;
    case TLSP_CAUSE_DANE_UNUSABLE:
        finding(c, true,
                "The TLSA records are unusable: none has usage 2 (DANE-TA) or 3 (DANE-EE) "
                "that Postfix can use; Postfix logged \"%s\".",
                st);
        if ((w = warning_with(a, "unsupported TLSA certificate usage")) != NULL ||
            (w = warning_with(a, "all TLSA records unusable")) != NULL ||
            (w = warning_with(a, "unusable TLSA")) != NULL)
            find_quote_warning(c, w, true);
        break;
    default:
        break;
    }
    free(st);
}

/* ---- policy-dependent findings (after tlsp_logfix_policy()) ------------------------- */

/* The match= value of the entry, or NULL; heap. */
static char *
entry_match(const char *entry)
{
    struct tlsp_strvec toks;
    char *m = NULL;
    size_t i;

    if (entry == NULL)
        return NULL;
    tlsp_strvec_init(&toks);
    if (tlsp_strvec_split_quoted(&toks, entry, TLSP_COMMA_SP) == TLSP_OK)
        for (i = 1; i < toks.n && m == NULL; i++)
            if (strncasecmp(toks.v[i], "match=", 6) == 0)
                m = tlsp_strdup(toks.v[i] + 6);
    tlsp_strvec_fini(&toks);
    return m;
}

/* The level written in the entry ("KEY LEVEL ..."), or NULL; heap. */
static char *
entry_level(const char *entry)
{
    struct tlsp_strvec toks;
    char *l = NULL;

    if (entry == NULL)
        return NULL;
    tlsp_strvec_init(&toks);
    if (tlsp_strvec_split_quoted(&toks, entry, TLSP_COMMA_SP) == TLSP_OK && toks.n > 1)
        l = tlsp_strdup(toks.v[1]);
    tlsp_strvec_fini(&toks);
    return l;
}

/*
 * level_explains - whether Postfix at this level can have logged the
 * attempt's reason (spec 1.5, 1.7): "Server certificate not verified"
 * (or <= 3.5's "not trusted") needs a level that checks the certificate,
 * "TLS is required, but ..." a level of encrypt or above.
 */
static bool
level_explains(const struct dctx *c, const char *level)
{
    const char *r = nz(c->reason, "");
    enum tlsp_level l = tlsp_level_lookup(level);

    if (strcmp(r, "Server certificate not verified") == 0 ||
        strcmp(r, "Server certificate not trusted") == 0)
        return l == TLSP_LEVEL_FINGERPRINT || l == TLSP_LEVEL_VERIFY || l == TLSP_LEVEL_SECURE ||
               l == TLSP_LEVEL_DANE || l == TLSP_LEVEL_DANE_ONLY;
    if (starts_with(r, "TLS is required, but "))
        return l != TLSP_LEVEL_NONE && l != TLSP_LEVEL_MAY;
    return true;
}

static void
find_policy(struct dctx *c)
{
    struct tlsp_logdiag *d = c->d;
    char *elevel = entry_level(d->entry), *match = NULL, *req = NULL;
    char name[PARAM_NAME_MAX];
    const char *mparam = NULL, *mdefault = NULL;

    if (c->route.finding)
        finding_src(c, true, true, "%s", c->route.finding);
    if (d->level && d->level_proven && d->entry) {
        char src[2200];

        if (d->entry_source)
            snprintf(src, sizeof(src), " (%s)", d->entry_source);
        else
            src[0] = 0;
        if (elevel && strcmp(elevel, d->level) == 0)
            finding_src(c, true, d->level_from_config,
                        "The policy table entry \"%s\"%s sets level %s.", d->entry, src, d->level);
        else
            finding_src(c, true, d->level_from_config,
                        "The policy table entry \"%s\"%s applies; the effective level is %s.",
                        d->entry, src, d->level);
    } else if (d->level && d->level_proven) {
        finding_src(c, true, d->level_from_config,
                    "No policy table entry applies to %s; the configuration sets level %s.",
                    nz(c->nexthop, "this destination"), d->level);
    }
    if (d->level && d->level_proven && d->level_from_config && !level_explains(c, d->level))
        finding_src(c, true, true,
                    "At level %s Postfix does not %s, so it cannot have logged \"%s\": the log "
                    "was written with another configuration, or the policy has changed since.",
                    d->level,
                    starts_with(nz(c->reason, ""), "TLS is required, but ")
                        ? "require TLS"
                        : "check the server's certificate",
                    nz(c->reason, ""));
    if (d->level && d->level_proven) {
        /* said above */
    } else if (d->level && name_cause(d->cause)) {
        finding(c, false,
                "The level is probably %s: Postfix defers with \"Server certificate not "
                "verified\" only at levels that check the certificate, and secure is the usual "
                "one in a policy table; verify logs the same lines.",
                d->level);
    } else if (d->level) {
        finding(c, false, "The level is probably %s.", d->level);
    }
    if (d->n_required == 0 || d->level == NULL || !name_cause(d->cause))
        goto out;
    if ((req = required_text(d->required, d->n_required)) == NULL) {
        nomem(c);
        goto out;
    }
    if (strcmp(d->level, "secure") == 0) {
        mdefault = "nexthop, dot-nexthop";
        snprintf(name, sizeof(name), "%s_tls_secure_cert_match", c->prefix);
    } else if (strcmp(d->level, "verify") == 0) {
        mdefault = "hostname";
        snprintf(name, sizeof(name), "%s_tls_verify_cert_match", c->prefix);
    } else {
        name[0] = 0;
    }
    if (d->required_proven) {
        match = entry_match(d->entry);
        if (match)
            finding_src(c, true, d->required_from_config,
                        "With match=%s in the policy table entry, Postfix required %s.", match,
                        req);
        else if (name[0] && c->cf) {
            mparam = pget(c->cf, c->prefix,
                          strcmp(d->level, "secure") == 0 ? "tls_secure_cert_match"
                                                          : "tls_verify_cert_match",
                          name, sizeof(name));
            finding_src(c, true, d->required_from_config, "With %s = %s, Postfix required %s.",
                        name, mparam, req);
        } else {
            finding_src(c, true, d->required_from_config, "Postfix required %s.", req);
        }
    } else if (name[0]) {
        finding(c, false, "With the default %s = %s, Postfix probably required %s.", name, mdefault,
                req);
    } else {
        finding(c, false, "Postfix probably required %s.", req);
    }
out:
    free(elevel);
    free(match);
    free(req);
}

/* ---- titles --------------------------------------------------------------------- */

static void
set_title(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    struct tlsp_logdiag *d = c->d;
    char lv[64], lvin[64], lvnv[64];
    const char *r = nz(c->reason, "");
    const char *w;

    /* A level the log (or -c) does not prove is not asserted: "probably". */
    if (d->level && d->level_proven) {
        snprintf(lv, sizeof(lv), " at level %s", d->level);
        snprintf(lvin, sizeof(lvin), " at level %s", d->level);
        snprintf(lvnv, sizeof(lvnv), " at level %s (", d->level);
    } else if (d->level) {
        snprintf(lv, sizeof(lv), " (level probably %s)", d->level);
        snprintf(lvin, sizeof(lvin), ", level probably %s", d->level);
        snprintf(lvnv, sizeof(lvnv), " (level probably %s; ", d->level);
    } else {
        lv[0] = lvin[0] = 0;
        snprintf(lvnv, sizeof(lvnv), " (");
    }
    switch (d->cause) {
    case TLSP_CAUSE_NONE:
        if (a->end == TLSP_END_SENT && a->word != TLSP_WORD_NONE)
            title(c, "delivered over TLS (%s)", tlsp_word_name(a->word));
        else if (a->end == TLSP_END_SENT)
            title(c, "delivered");
        else
            title(c, "no TLS problem (%s)", nz(c->reason, nz(a->status, "")));
        break;
    case TLSP_CAUSE_NAME_MISMATCH:
        title(c, "certificate name mismatch%s", lv);
        break;
    case TLSP_CAUSE_CHAIN_TRUST_UNKNOWN:
        title(c, "chain trust unknown (name mismatch%s)", lvin);
        break;
    case TLSP_CAUSE_NOT_VERIFIED:
        title(c, "certificate not verified%sprobable cause: certificate name mismatch)", lvnv);
        break;
    case TLSP_CAUSE_UNKNOWN_ISSUER:
        title(c, "untrusted chain: unknown issuer %s", issuer_dn(a));
        break;
    case TLSP_CAUSE_MISSING_INTERMEDIATE:
        title(c, "untrusted chain: probably a missing intermediate CA (issuer %s)", issuer_dn(a));
        break;
    case TLSP_CAUSE_SELF_SIGNED:
        title(c, "untrusted chain: self-signed certificate%s%s", d->n_cert_names ? " " : "",
              d->n_cert_names ? d->cert_names[0] : "");
        break;
    case TLSP_CAUSE_EXPIRED:
        title(c, "%s %s",
              tlsp_strcaseeq(nz(a->verify_purpose, ""), "CA") ? "CA certificate" : "certificate",
              contains(a->verify_error, "expired") ? "has expired" : "not yet valid");
        break;
    case TLSP_CAUSE_CHAIN_UNTRUSTED:
        if (c->name_error)
            title(c, "untrusted chain and certificate name mismatch%s", lv);
        else if (a->verify_error)
            title(c, "untrusted chain: %s", a->verify_error);
        else if (starts_with(r, "Server certificate not trusted"))
            title(c, "untrusted chain (Server certificate not trusted)");
        else
            title(c, "untrusted chain (verify=0 at depth %d)", c->depth_fail);
        break;
    case TLSP_CAUSE_NOTHING_TRUSTED:
        title(c, "nothing trusted: no %s_tls_CAfile or usable %s_tls_CApath", c->prefix, c->prefix);
        break;
    case TLSP_CAUSE_STARTTLS_NOT_OFFERED:
        title(c, "STARTTLS not offered (%s)",
              a->end == TLSP_END_NEXT ? "next MX tried" : nz(a->status, "deferred"));
        break;
    case TLSP_CAUSE_STARTTLS_REFUSED: {
        const char *reply = strstr(r, "refused to start TLS: ");

        reply = reply ? reply + strlen("refused to start TLS: ") : "";
        title(c, "STARTTLS refused (%.3s: %s)", reply,
              a->end == TLSP_END_NEXT ? "next MX tried" : nz(a->status, "deferred"));
        break;
    }
    case TLSP_CAUSE_HANDSHAKE_PROTOCOL:
        title(c, "TLS handshake failure: no common protocol version");
        break;
    case TLSP_CAUSE_HANDSHAKE:
        if (warning_with(a, "alert number 40") || warning_with(a, "alert handshake failure"))
            title(c, "TLS handshake failure: the server sent a handshake_failure alert");
        else if (contains(a->handshake_error, "lost connection"))
            title(c, "TLS handshake failure: connection lost");
        else
            title(c, "TLS handshake failure");
        break;
    case TLSP_CAUSE_BAD_CIPHERS:
        if ((w = warning_with(a, "invalid cipher grade")) != NULL)
            title(c, "TLS handshake failure: %s", strstr(w, "invalid cipher grade"));
        else
            title(c, "TLS handshake failure: invalid cipher exclusion");
        break;
    case TLSP_CAUSE_BAD_PROTOCOLS:
        title(c, "TLS handshake failure: invalid TLS protocol list");
        break;
    case TLSP_CAUSE_ENGINE_UNAVAILABLE:
        if (contains(a->engine_error, "Certification Authority"))
            title(c, "TLS engine unavailable: cannot load the CA file");
        else if (contains(a->engine_error, "Digest"))
            title(c, "TLS engine unavailable: unknown fingerprint digest");
        else
            title(c, "TLS engine unavailable");
        break;
    case TLSP_CAUSE_POLICY_INVALID:
        if ((w = warning_with(a, "invalid security level")) != NULL)
            title(c, "invalid policy: %s", strstr(w, "invalid security level"));
        else if ((w = warning_with(a, "invalid attribute name")) != NULL)
            title(c, "invalid policy: %s", strstr(w, "invalid attribute name"));
        else
            title(c, "invalid policy (client TLS configuration problem)");
        break;
    case TLSP_CAUSE_POLICY_LOOKUP:
        title(c, "policy table lookup error");
        break;
    case TLSP_CAUSE_POLICY_TABLE_MISSING:
        title(c, "policy table missing (postmap not run)");
        break;
    case TLSP_CAUSE_DANE_TLSA_LOOKUP:
        title(c, "DANE: %s", r);
        break;
    case TLSP_CAUSE_DANE_NO_TLSA:
        title(c, "DANE: no TLSA records found");
        break;
    case TLSP_CAUSE_DANE_NON_DNSSEC:
        title(c, "DANE: non DNSSEC destination");
        break;
    case TLSP_CAUSE_DANE_UNUSABLE:
        title(c, "DANE: TLSA records unusable");
        break;
    case TLSP_CAUSE_DANE_MISMATCH:
        title(c, "DANE: no TLSA record matches the certificate");
        break;
    case TLSP_CAUSE_OTHER_TLS:
    case TLSP_CAUSE_COUNT:
        title(c, "TLS problem: %s", r);
        break;
    }
}

/* ---- the entry point ---------------------------------------------------------- */

static void
find_cause(struct dctx *c)
{
    const struct tlsp_attempt *a = c->a;
    struct tlsp_logdiag *d = c->d;

    find_outcome(c);
    switch (d->cause) {
    case TLSP_CAUSE_NONE:
        if (a->end == TLSP_END_SENT && a->word == TLSP_WORD_VERIFIED)
            finding(c, true, "Postfix delivered the message over a Verified TLS connection%s%s.",
                    a->protocol ? " using " : "", nz(a->protocol, ""));
        else if (a->end == TLSP_END_SENT && a->word != TLSP_WORD_NONE)
            finding(c, true,
                    "Postfix delivered the message over TLS; the connection was logged as %s, "
                    "which the level accepts.",
                    tlsp_word_name(a->word));
        break;
    case TLSP_CAUSE_NAME_MISMATCH:
        find_name_mismatch(c);
        break;
    case TLSP_CAUSE_CHAIN_TRUST_UNKNOWN:
        find_trust_unknown(c);
        break;
    case TLSP_CAUSE_NOT_VERIFIED:
        find_not_verified(c);
        break;
    case TLSP_CAUSE_UNKNOWN_ISSUER:
    case TLSP_CAUSE_MISSING_INTERMEDIATE:
    case TLSP_CAUSE_SELF_SIGNED:
    case TLSP_CAUSE_EXPIRED:
    case TLSP_CAUSE_CHAIN_UNTRUSTED:
    case TLSP_CAUSE_DANE_MISMATCH:
        find_chain_error(c);
        break;
    case TLSP_CAUSE_NOTHING_TRUSTED:
        break; /* written where the configuration is read */
    case TLSP_CAUSE_STARTTLS_NOT_OFFERED:
    case TLSP_CAUSE_STARTTLS_REFUSED:
        find_starttls(c);
        break;
    case TLSP_CAUSE_HANDSHAKE_PROTOCOL:
    case TLSP_CAUSE_HANDSHAKE:
    case TLSP_CAUSE_BAD_CIPHERS:
    case TLSP_CAUSE_BAD_PROTOCOLS:
        find_handshake(c);
        break;
    case TLSP_CAUSE_ENGINE_UNAVAILABLE:
        find_engine(c);
        break;
    case TLSP_CAUSE_POLICY_INVALID:
    case TLSP_CAUSE_POLICY_LOOKUP:
    case TLSP_CAUSE_POLICY_TABLE_MISSING:
        find_config(c);
        break;
    case TLSP_CAUSE_DANE_TLSA_LOOKUP:
    case TLSP_CAUSE_DANE_NO_TLSA:
    case TLSP_CAUSE_DANE_NON_DNSSEC:
    case TLSP_CAUSE_DANE_UNUSABLE:
        find_dane(c);
        break;
    case TLSP_CAUSE_OTHER_TLS:
    case TLSP_CAUSE_COUNT: {
        char *st = status_text(a);

        if (st == NULL) {
            nomem(c);
            break;
        }
        finding(c, true,
                "Postfix logged \"%s\", a TLS-related reason tlspolicy does not "
                "classify further.",
                st);
        free(st);
        break;
    }
    }
}

/* The configuration's say on the chain: nothing trusted, or a missing intermediate.
 * *nothing: the sentence saying the configuration trusts no CA, or NULL. */
static void
apply_config(struct dctx *c, enum tlsp_cause *cause, char **nothing)
{
    const struct tlsp_attempt *a = c->a;
    const struct tlsp_cf_service *svc;
    struct tlsp_cf *view = NULL;
    struct tlsp_diag scratch;

    *nothing = NULL;
    if (c->cf == NULL)
        return;
    /* A master.cf service's -o settings may change the CA settings. */
    c->trust_cf = c->cf;
    tlsp_diag_init(&scratch);
    if (a->service && (svc = tlsp_cf_service(c->cf, a->service, NULL)) != NULL &&
        svc->n_overrides > 0 && tlsp_cf_service_view(c->cf, a->service, &view, &scratch) == TLSP_OK)
        c->trust_cf = view;
    tlsp_diag_fini(&scratch);
    switch (*cause) {
    case TLSP_CAUSE_UNKNOWN_ISSUER:
    case TLSP_CAUSE_MISSING_INTERMEDIATE:
    case TLSP_CAUSE_CHAIN_UNTRUSTED:
    case TLSP_CAUSE_CHAIN_TRUST_UNKNOWN:
    case TLSP_CAUSE_NOT_VERIFIED:
        if (c->dane_hint)
            break;
        /* The log decides the cause: only a chain it proves untrusted is then "nothing
         * trusted"; else the configuration's say becomes a finding of its own. */
        if ((*nothing = nothing_trusted(c)) != NULL && c->d->chain_trusted == 0)
            *cause = TLSP_CAUSE_NOTHING_TRUSTED;
        break;
    default:
        break;
    }
    if (*cause == TLSP_CAUSE_UNKNOWN_ISSUER) {
        c->mi_note = cafile_sibling(c, issuer_dn(a));
        if (c->mi_note)
            *cause = TLSP_CAUSE_MISSING_INTERMEDIATE;
    }
    c->trust_cf = NULL;
    tlsp_cf_free(view);
}

static void
find_nothing_trusted(struct dctx *c, const char *sentence)
{
    const struct tlsp_attempt *a = c->a;
    char *line = a->verify_error ? verify_line(a) : status_text(a);

    if (line == NULL) {
        nomem(c);
        return;
    }
    finding_src(c, true, true, "%s", sentence);
    finding(c, true, "Postfix logged \"%s\".", line);
    free(line);
}

/* pkix_level - the level (when the configuration proves it) checks the
 * chain against the trusted CAs: verify or secure. */
static bool
pkix_level(const struct tlsp_logdiag *d)
{
    return !d->level_proven || d->level == NULL || strcmp(d->level, "verify") == 0 ||
           strcmp(d->level, "secure") == 0;
}

/* find_nothing_trusted_too - the log leaves the chain's trust open (no
 * verification line, or a name error that hides a chain error), and the
 * configuration trusts no CA: a probable cause of its own, if the log was
 * written with this configuration. */
static void
find_nothing_trusted_too(struct dctx *c, const char *sentence)
{
    if (c->d->cause == TLSP_CAUSE_CHAIN_TRUST_UNKNOWN)
        finding_src(c, true, true,
                    "%s If the log was written with this configuration, the chain was not "
                    "trusted either (the name error Postfix logged hides that one): a probable "
                    "second cause.",
                    sentence);
    else
        finding_src(c, true, true,
                    "%s If the log was written with this configuration, that alone makes "
                    "Postfix defer with \"Server certificate not verified\": a probable cause, "
                    "besides the certificate's names.",
                    sentence);
}

static void
diag_copy(struct tlsp_diag *to, const struct tlsp_diag *from, struct dctx *c)
{
    size_t i;

    for (i = 0; i < from->n_msgs; i++)
        if (tlsp_diag_add(to, from->msgs[i].sev, from->msgs[i].file, from->msgs[i].line, "%s",
                          from->msgs[i].text) != TLSP_OK)
            nomem(c);
}

enum tlsp_status
tlsp_logdiag_run(const struct tlsp_attempt *a, const struct tlsp_logdiag_ctx *ctx,
                 struct tlsp_logdiag *out, struct tlsp_diag *diag)
{
    struct dctx c;
    struct tlsp_diag local;
    char *nothing = NULL;
    enum tlsp_cause cause;
    enum tlsp_status st;
    size_t i;

    if (out == NULL)
        return TLSP_INVAL;
    memset(out, 0, sizeof(*out));
    out->chain_trusted = -1;
    if (a == NULL || ctx == NULL)
        return TLSP_INVAL;
    memset(&c, 0, sizeof(c));
    c.a = a;
    c.ctx = ctx;
    c.cf = ctx->cf;
    c.d = out;
    c.diag = diag;
    tlsp_strvec_init(&c.unknown);
    tlsp_strvec_init(&c.settle);
    tlsp_diag_init(&local);

    c.reason = a->reason;
    if (starts_with(c.reason, "delivery temporarily suspended: ")) {
        c.suspended = true;
        c.reason += strlen("delivery temporarily suspended: ");
    }
    c.prefix = delivery_prefix(a, c.cf);
    c.nexthop = a->nexthop;
    c.dane_hint = dane_evidence(a);
    analyse_depths(&c);

    /* 1. Classification, from the log and (-c) the trust settings. */
    cause = classify(&c);
    if (cause == TLSP_CAUSE_UNKNOWN_ISSUER) {
        char *cn = dn_field(issuer_dn(a), "CN");

        c.issuer_is_root = cn && strcasestr(cn, "root") != NULL;
        if (cn && !c.issuer_is_root && a->n_depths > 0 && c.depth_top == 0)
            cause = TLSP_CAUSE_MISSING_INTERMEDIATE;
        free(cn);
    }
    apply_config(&c, &cause, &nothing);
    out->cause = cause;
    out->tls_failure = cause != TLSP_CAUSE_NONE;
    if (cause == TLSP_CAUSE_NONE && (a->word == TLSP_WORD_VERIFIED || a->word == TLSP_WORD_TRUSTED))
        out->chain_trusted = 1;
    else if (cause == TLSP_CAUSE_NONE && c.depth_trust >= 0)
        out->chain_trusted = c.depth_trust;
    if (ctx->cause_only)
        goto out;
    collect_names(&c);
    if (c.st != TLSP_OK)
        goto out;

    /* 2. The policy: level, required names, entry. */
    st = tlsp_logfix_policy(a, c.cf, out, &c.route, &local);
    if (c.route.nexthop)
        c.nexthop = c.route.nexthop;
    if (c.route.transport)
        c.prefix = c.route.lmtp ? "lmtp" : "smtp";
    diag_copy(diag, &local, &c);
    if (st == TLSP_NOMEM)
        nomem(&c);
    if (c.st != TLSP_OK)
        goto out;

    /* 3. Findings, including those that depend on the policy. */
    if (cause == TLSP_CAUSE_DANE_MISMATCH && out->level && out->level_proven &&
        strcmp(out->level, "fingerprint") == 0)
        out->cause = TLSP_CAUSE_CHAIN_UNTRUSTED;
    if (cause == TLSP_CAUSE_CHAIN_UNTRUSTED && out->level && out->level_proven &&
        starts_with(out->level, "dane") &&
        contains(a->verify_error, "not trusted by local or "
                                  "TLSA policy"))
        out->cause = TLSP_CAUSE_DANE_MISMATCH;
    if (out->cause == TLSP_CAUSE_NOTHING_TRUSTED) {
        find_nothing_trusted(&c, nothing);
    } else {
        find_cause(&c);
        if (nothing && !pkix_level(out)) {
            free(nothing); /* at fingerprint or a DANE level the CAs do not matter */
            nothing = NULL;
        }
        if (nothing)
            find_nothing_trusted_too(&c, nothing);
    }
    if (out->cause != TLSP_CAUSE_NONE)
        find_policy(&c);
    for (i = 0; c.cf && !out->level_proven && i < local.n_msgs; i++)
        if (local.msgs[i].sev >= TLSP_SEV_WARNING) {
            finding_src(&c, true, true, "The policy could not be read from the configuration: %s.",
                        local.msgs[i].text);
            break;
        }
    find_names_seen(&c);
    set_title(&c);
    out->lmtp = strcmp(c.prefix, "lmtp") == 0;
    if (c.st != TLSP_OK)
        goto out;

    /* 4. The fixes. */
    tlsp_diag_fini(&local);
    tlsp_diag_init(&local);
    st = tlsp_logfix_fixes(a, c.cf, nothing != NULL, &c.route, out, &local);
    diag_copy(diag, &local, &c);
    if (st == TLSP_NOMEM)
        nomem(&c);

out:
    if (c.st == TLSP_OK && c.unknown.n > 0 &&
        tlsp_strvec_release(&c.unknown, &out->unknown, &out->n_unknown) != TLSP_OK)
        c.st = TLSP_NOMEM;
    if (c.st == TLSP_OK && c.settle.n > 0 &&
        tlsp_strvec_release(&c.settle, &out->settle, &out->n_settle) != TLSP_OK)
        c.st = TLSP_NOMEM;
    if (c.st == TLSP_OK && out->title == NULL && !ctx->cause_only &&
        (out->title = tlsp_strdup("")) == NULL)
        c.st = TLSP_NOMEM;
    tlsp_strvec_fini(&c.unknown);
    tlsp_strvec_fini(&c.settle);
    tlsp_diag_fini(&local);
    free(nothing);
    free(c.mi_note);
    tlsp_logfix_route_fini(&c.route);
    return c.st;
}

void
tlsp_logdiag_fini(struct tlsp_logdiag *d)
{
    size_t i;

    if (d == NULL)
        return;
    free(d->title);
    for (i = 0; i < d->n_findings; i++)
        free(d->findings[i].text);
    free(d->findings);
    tlsp_strarr_free(d->unknown, d->n_unknown);
    tlsp_strarr_free(d->settle, d->n_settle);
    free(d->level);
    tlsp_strarr_free(d->required, d->n_required);
    tlsp_strarr_free(d->cert_names, d->n_cert_names);
    free(d->entry);
    free(d->entry_source);
    free(d->table_key);
    for (i = 0; i < d->n_fixes; i++) {
        free(d->fixes[i].line);
        free(d->fixes[i].what);
        free(d->fixes[i].tradeoff);
    }
    free(d->fixes);
    memset(d, 0, sizeof(*d));
    d->chain_trusted = -1;
}
