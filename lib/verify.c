/*
 * verify.c - the verdict Postfix's SMTP client reaches on a certificate chain
 *
 * The set-up follows Postfix 3.7: tls_client_init() (digest check, CA file
 * and directory, OpenSSL security level 0, DANE enabled on the context with
 * the fingerprint digest as private matching type 255), tls_client_start()
 * and tls_auth_enable() (security level 1 at the levels that check
 * certificates, synthetic TLSA records for fingerprints and trust-anchor
 * files, add_namechecks()), then OpenSSL's own chain verification called
 * the way ssl_verify_cert_chain() calls it, with a callback that behaves
 * like tls_verify_certificate_callback(), and finally what
 * tls_client_post_connect() and verify_extract_name() log.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <tlspolicy/verify.h>
#include <tlspolicy/version.h>

#include "tlsconf.h"
#include "tlslog.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strvec.h"

#define NOT_VERIFIED "Server certificate not verified"
#define ENGINE_UNAVAILABLE "TLS is required, but our TLS engine is unavailable"
#define HANDSHAKE_FAILURE "Cannot start TLS: handshake failure"
#define PARAM_NAME_MAX 96
#define CCERT_BUFSIZ 256 /* Postfix's buffer for one-line names */
#define TLSA_DUMP_MAX 64 /* longer TLSA data is logged as head...tail */
#define TLSA_DUMP_PART 32
#define TLSA_PRIVATE_MTYPE 255

/* Verification state shared with the callback. */
struct vctx {
    const char *namaddr;
    bool log_depth;      /* verbose: one depth= line per callback */
    bool must_fail;      /* forced failure (no names, no usable fingerprint) */
    bool rank_names_low; /* 3.10.4+: name mismatch ranks below other errors */
    struct tlsp_strvec *log;
    /* update_error_state() */
    int err_depth;
    int err_code;
    X509 *err_cert;
    /* every error, for explanations */
    struct tlsp_verr *errs;
    size_t n_errs;
    enum tlsp_status st; /* first allocation failure inside the callback */
};

static int vctx_index = -1;
static CRYPTO_ONCE vctx_once = CRYPTO_ONCE_STATIC_INIT;

static void
vctx_index_init(void)
{
    vctx_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL);
}

/* ---- small helpers -------------------------------------------------------- */

char *
tlsp_time_text(long long t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, size, "@%lld", t);
    return buf;
}

const char *
tlsp_word_name(enum tlsp_word w)
{
    switch (w) {
    case TLSP_WORD_ANONYMOUS:
        return "Anonymous";
    case TLSP_WORD_UNTRUSTED:
        return "Untrusted";
    case TLSP_WORD_TRUSTED:
        return "Trusted";
    case TLSP_WORD_VERIFIED:
        return "Verified";
    case TLSP_WORD_NONE:
        break;
    }
    return "none";
}

/* Postfix printable(s, '?'): ASCII control and 8-bit bytes become '?'. */
static void
make_printable(char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            *s = '?';
}

/* X509_NAME_oneline() into Postfix's 256-byte buffer, printable. */
static char *
oneline(const X509_NAME *name)
{
    char buf[CCERT_BUFSIZ];

    if (name == NULL || X509_NAME_oneline(name, buf, sizeof(buf)) == NULL)
        snprintf(buf, sizeof(buf), "<unknown>");
    make_printable(buf);
    return tlsp_strdup(buf);
}

static char *
hex_upper(const unsigned char *p, size_t n, bool colons)
{
    static const char digits[] = "0123456789ABCDEF";
    char *s = malloc(n * 3 + 1), *o = s;
    size_t i;

    if (s == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        if (colons && i)
            *o++ = ':';
        *o++ = digits[p[i] >> 4];
        *o++ = digits[p[i] & 15];
    }
    *o = 0;
    return s;
}

/* TLSA data as Postfix logs it: at most 64 bytes in full, else head...tail. */
static char *
tlsa_hex(const unsigned char *p, size_t n)
{
    char *head, *tail, *s;

    if (n <= TLSA_DUMP_MAX)
        return hex_upper(p, n, false);
    head = hex_upper(p, TLSA_DUMP_PART, false);
    tail = hex_upper(p + n - TLSA_DUMP_PART, TLSA_DUMP_PART, false);
    s = head && tail ? tlsp_aprintf("%s...%s", head, tail) : NULL;
    free(head);
    free(tail);
    return s;
}

static long long
asn1_time_secs(const ASN1_TIME *t)
{
    struct tm tm;

    if (t == NULL || !ASN1_TIME_to_tm(t, &tm))
        return 0;
    return (long long)timegm(&tm);
}

static bool
is_name_mismatch(int code)
{
    return code == X509_V_ERR_HOSTNAME_MISMATCH || code == X509_V_ERR_IP_ADDRESS_MISMATCH ||
           code == X509_V_ERR_EMAIL_MISMATCH;
}

static void
verr_fini(struct tlsp_verr *e)
{
    free(e->text);
    free(e->subject);
    free(e->issuer);
    memset(e, 0, sizeof(*e));
}

static enum tlsp_status
verr_fill(struct tlsp_verr *e, int depth, int code, X509 *cert)
{
    memset(e, 0, sizeof(*e));
    e->depth = depth;
    e->code = code;
    if ((e->text = tlsp_strdup(X509_verify_cert_error_string(code))) == NULL)
        return TLSP_NOMEM;
    if (cert && ((e->subject = oneline(X509_get_subject_name(cert))) == NULL ||
                 (e->issuer = oneline(X509_get_issuer_name(cert))) == NULL))
        return TLSP_NOMEM;
    return TLSP_OK;
}

/* ---- the verify callback (tls_verify_certificate_callback()) -------------- */

/* update_error_state(): the error at the smallest depth wins; the first one
 * at a given depth stays. From 3.10.4 a name mismatch ranks below any other
 * error whatever its depth. */
static void
update_error_state(struct vctx *v, int depth, X509 *cert, int code)
{
    if (v->err_code != X509_V_OK) {
        bool old_name = is_name_mismatch(v->err_code), new_name = is_name_mismatch(code);

        if (v->rank_names_low && old_name != new_name) {
            if (new_name)
                return;
        } else if (v->err_depth <= depth) {
            return;
        }
    }
    X509_free(v->err_cert);
    v->err_cert = cert;
    if (cert)
        X509_up_ref(cert);
    v->err_code = code;
    v->err_depth = depth;
}

static int
verify_cb(int ok, X509_STORE_CTX *xs)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx());
    struct vctx *v = ssl ? SSL_get_ex_data(ssl, vctx_index) : NULL;
    X509 *cert = X509_STORE_CTX_get_current_cert(xs);
    int err = X509_STORE_CTX_get_error(xs);
    int depth = X509_STORE_CTX_get_error_depth(xs);

    if (v == NULL)
        return 1;
    if (v->must_fail) {
        /* Trust could not be set up: fail at the leaf, log nothing here. */
        if (depth == 0) {
            X509_STORE_CTX_set_error(xs, X509_V_ERR_UNSPECIFIED);
            update_error_state(v, depth, cert, X509_V_ERR_UNSPECIFIED);
        }
        return 1;
    }
    if (!ok) {
        struct tlsp_verr *grown = realloc(v->errs, (v->n_errs + 1) * sizeof(*grown));

        update_error_state(v, depth, cert, err);
        if (grown == NULL) {
            v->st = TLSP_NOMEM;
        } else {
            v->errs = grown;
            if (verr_fill(&v->errs[v->n_errs++], depth, err, cert) != TLSP_OK)
                v->st = TLSP_NOMEM;
        }
    }
    if (v->log_depth && v->log) {
        char *subj = cert ? oneline(X509_get_subject_name(cert)) : tlsp_strdup("<unknown>");

        if (subj == NULL || tlsp_strvec_pushf(v->log, "%s: depth=%d verify=%d subject=%s",
                                              v->namaddr, depth, ok, subj) != TLSP_OK)
            v->st = TLSP_NOMEM;
        free(subj);
    }
    return 1;
}

/* ---- leaf facts ------------------------------------------------------------ */

/*
 * text_name - Postfix tls_text_name(): the first NID entry of name as UTF-8,
 * refused (NULL, with Postfix's warning in log) when it holds a NUL, ASCII
 * control characters, or more than 255 bytes.
 */
static enum tlsp_status
text_name(const X509_NAME *name, int nid, const char *label, const char *namaddr,
          struct tlsp_strvec *log, char **out)
{
    int pos, len;
    unsigned char *utf8 = NULL;
    const unsigned char *cp;
    ASN1_STRING *data;

    *out = NULL;
    if (name == NULL || (pos = X509_NAME_get_index_by_NID(name, nid, -1)) < 0)
        return TLSP_OK;
    data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, pos));
    if ((len = ASN1_STRING_to_UTF8(&utf8, data)) < 0) {
        ERR_clear_error();
        return log ? tlsp_strvec_pushf(
                         log, "warning: tls_text_name: %s: error decoding peer %s of ASN.1 type=%d",
                         namaddr, label, ASN1_STRING_type(data))
                   : TLSP_OK;
    }
    if (len >= CCERT_BUFSIZ) {
        OPENSSL_free(utf8);
        return log ? tlsp_strvec_pushf(log, "warning: tls_text_name: %s: peer %s too long: %d",
                                       namaddr, label, len)
                   : TLSP_OK;
    }
    if ((size_t)len != strlen((char *)utf8)) {
        OPENSSL_free(utf8);
        return log ? tlsp_strvec_pushf(log, "warning: tls_text_name: %s: NULL character in peer %s",
                                       namaddr, label)
                   : TLSP_OK;
    }
    for (cp = utf8; *cp; cp++)
        if (*cp < 0x80 && (*cp < 0x20 || *cp == 0x7f)) {
            OPENSSL_free(utf8);
            return log ? tlsp_strvec_pushf(
                             log, "warning: tls_text_name: %s: non-printable content in peer %s",
                             namaddr, label)
                       : TLSP_OK;
        }
    *out = tlsp_strdup((char *)utf8);
    OPENSSL_free(utf8);
    return *out ? TLSP_OK : TLSP_NOMEM;
}

/* tls_issuer_CN(): issuer CN, else issuer O, else "". */
static enum tlsp_status
issuer_cn(X509 *cert, const char *namaddr, struct tlsp_strvec *log, char **out)
{
    enum tlsp_status st;

    st = text_name(X509_get_issuer_name(cert), NID_commonName, "issuer CN", namaddr, log, out);
    if (st == TLSP_OK && *out == NULL)
        st = text_name(X509_get_issuer_name(cert), NID_organizationName, "issuer Organization",
                       namaddr, log, out);
    if (st == TLSP_OK && *out == NULL && (*out = tlsp_strdup("")) == NULL)
        st = TLSP_NOMEM;
    return st;
}

static enum tlsp_status
push_array(char ***arr, size_t *n, char *s)
{
    char **grown;

    if (s == NULL)
        return TLSP_NOMEM;
    if ((grown = realloc(*arr, (*n + 2) * sizeof(*grown))) == NULL) {
        free(s);
        return TLSP_NOMEM;
    }
    *arr = grown;
    grown[(*n)++] = s;
    grown[*n] = NULL;
    return TLSP_OK;
}

static enum tlsp_status
digest_hex(const EVP_MD *md, const unsigned char *der, int len, char **out)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    *out = NULL;
    if (md == NULL || len <= 0)
        return TLSP_OK;
    if (!EVP_Digest(der, (size_t)len, buf, &n, md, NULL)) {
        ERR_clear_error();
        return TLSP_OK;
    }
    return (*out = hex_upper(buf, n, true)) ? TLSP_OK : TLSP_NOMEM;
}

static enum tlsp_status
leaf_facts(const struct tlsp_chain *chain, const EVP_MD *md, struct tlsp_verify_result *res)
{
    X509 *leaf = tlsp_chain_x509(chain, 0);
    GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
    enum tlsp_status st = TLSP_OK;
    unsigned char *der = NULL;
    int i, len;
    size_t k;

    for (i = 0; gens && i < sk_GENERAL_NAME_num(gens) && st == TLSP_OK; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);

        if (g->type == GEN_DNS) {
            const ASN1_STRING *s = g->d.dNSName;
            char *name = tlsp_strndup((const char *)ASN1_STRING_get0_data(s),
                                      (size_t)ASN1_STRING_length(s));

            if (name)
                make_printable(name);
            st = push_array(&res->dns_names, &res->n_dns_names, name);
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            char text[INET6_ADDRSTRLEN] = "?";
            int n = ASN1_STRING_length(s);

            if (n == 4)
                inet_ntop(AF_INET, ASN1_STRING_get0_data(s), text, sizeof(text));
            else if (n == 16)
                inet_ntop(AF_INET6, ASN1_STRING_get0_data(s), text, sizeof(text));
            st = push_array(&res->ip_names, &res->n_ip_names, tlsp_strdup(text));
        } else {
            res->n_other_names++;
        }
    }
    GENERAL_NAMES_free(gens);
    if (st != TLSP_OK)
        return st;
    if ((st = text_name(X509_get_subject_name(leaf), NID_commonName, "subject CN", "", NULL,
                        &res->subject_cn)) != TLSP_OK ||
        (st = issuer_cn(leaf, "", NULL, &res->issuer_cn)) != TLSP_OK)
        return st;
    for (k = 0; k < tlsp_chain_count(chain) && st == TLSP_OK; k++)
        st = push_array(&res->subjects, &res->n_subjects,
                        oneline(X509_get_subject_name(tlsp_chain_x509(chain, k))));
    if (st != TLSP_OK)
        return st;
    res->not_before = asn1_time_secs(X509_get0_notBefore(leaf));
    res->not_after = asn1_time_secs(X509_get0_notAfter(leaf));
    if ((len = i2d_X509(leaf, &der)) > 0)
        st = digest_hex(md, der, len, &res->cert_fpt);
    OPENSSL_free(der);
    der = NULL;
    if (st == TLSP_OK && (len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &der)) > 0)
        st = digest_hex(md, der, len, &res->pkey_fpt);
    OPENSSL_free(der);
    return st;
}

/* ---- configuration ----------------------------------------------------------- */

struct setup {
    struct tlsp_cf *cf;
    const struct tlsp_policy *pol;
    struct tlsp_diag *diag;
    char name[PARAM_NAME_MAX];
};

static enum tlsp_status
param(struct setup *s, const char *suffix, const char **value)
{
    snprintf(s->name, sizeof(s->name), "%s_%s", s->pol->prefix ? s->pol->prefix : "smtp", suffix);
    return tlsp_cf_get(s->cf, s->name, value, s->diag);
}

/* tls_print_errors(): one "TLS library problem" warning per queued error. */
static enum tlsp_status
log_openssl_errors(struct tlsp_strvec *log)
{
    char line[1024];
    enum tlsp_status st = TLSP_OK;

    while (tlsp_tls_next_error(line, sizeof(line)))
        if (st == TLSP_OK)
            st = tlsp_strvec_pushf(log, "%s", line);
    return st;
}

/*
 * engine_init - tls_client_init(): the fingerprint digest, the CA data.
 * Returns TLSP_OK with *ctx set, or with *ctx NULL and the reason in
 * res->engine_error and log when Postfix disables TLS.
 */
static enum tlsp_status
engine_init(struct setup *s, const EVP_MD *md, const char *digest, unsigned mask,
            struct tlsp_strvec *log, struct tlsp_verify_result *res, SSL_CTX **ctx)
{
    const char *cafile, *capath;
    bool append_default = false;
    enum tlsp_status st;
    long depth = 9;
    char *what;

    *ctx = NULL;
    if ((mask & TLSP_TLSLOG_VERBOSE) &&
        (st = tlsp_strvec_pushf(log, "initializing the client-side TLS engine")) != TLSP_OK)
        return st;
    if (md == NULL) {
        if ((st = tlsp_strvec_pushf(log, "warning: Digest algorithm \"%s\" not found", digest)) !=
                TLSP_OK ||
            (st = tlsp_strvec_pushf(log, "warning: disabling TLS support")) != TLSP_OK)
            return st;
        res->engine_error = tlsp_aprintf("%s_tls_fingerprint_digest = %s is not a digest OpenSSL "
                                         "knows",
                                         s->pol->prefix ? s->pol->prefix : "smtp", digest);
        return res->engine_error ? TLSP_OK : TLSP_NOMEM;
    }
    if ((st = param(s, "tls_scert_verifydepth", &cafile)) != TLSP_OK ||
        (st = tlsp_cf_get_int(s->cf, s->name, &depth, s->diag)) != TLSP_OK ||
        (st = tlsp_cf_get_bool(s->cf, "tls_append_default_CA", &append_default, s->diag)) !=
            TLSP_OK ||
        (st = param(s, "tls_CApath", &capath)) != TLSP_OK ||
        (st = param(s, "tls_CAfile", &cafile)) != TLSP_OK)
        return st;
    ERR_clear_error();
    if ((*ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
        ERR_clear_error();
        return TLSP_NOMEM;
    }
    SSL_CTX_set_security_level(*ctx, 0);
    if (*cafile || *capath) {
        bool ok = (*cafile == 0 || SSL_CTX_load_verify_file(*ctx, cafile)) &&
                  (*capath == 0 || SSL_CTX_load_verify_dir(*ctx, capath));

        if (!ok) {
            what = tlsp_aprintf("%s%s%s%s%s%s", *cafile ? "CAfile=\"" : "", cafile,
                                *cafile ? "\"" : "",
                                *capath ? (*cafile ? ", CApath=\"" : "CApath=\"") : "", capath,
                                *capath ? "\"" : "");
            if (what == NULL)
                return TLSP_NOMEM;
            st = tlsp_strvec_pushf(
                log, "cannot load Certification Authority data, %s: disabling TLS support", what);
            free(what);
            if (st == TLSP_OK)
                st = log_openssl_errors(log);
            SSL_CTX_free(*ctx);
            *ctx = NULL;
            if (st != TLSP_OK)
                return st;
            res->engine_error = tlsp_aprintf("the CA data cannot be loaded (%s%s%s%s%s)",
                                             *cafile ? "CAfile " : "", cafile,
                                             *cafile && *capath ? ", " : "",
                                             *capath ? "CApath " : "", capath);
            return res->engine_error ? TLSP_OK : TLSP_NOMEM;
        }
        if (append_default && !SSL_CTX_set_default_verify_paths(*ctx)) {
            st =
                tlsp_strvec_pushf(log, "cannot set default OpenSSL certificate verification paths: "
                                       "disabling TLS support");
            if (st == TLSP_OK)
                st = log_openssl_errors(log);
            SSL_CTX_free(*ctx);
            *ctx = NULL;
            if (st != TLSP_OK)
                return st;
            res->engine_error = tlsp_strdup("OpenSSL's default CA locations cannot be loaded");
            return res->engine_error ? TLSP_OK : TLSP_NOMEM;
        }
    }
    SSL_CTX_set_verify_depth(*ctx, (int)(depth + 1));
    if (SSL_CTX_dane_enable(*ctx) <= 0 ||
        SSL_CTX_dane_mtype_set(*ctx, md, TLSA_PRIVATE_MTYPE, 1) <= 0) {
        ERR_clear_error();
        SSL_CTX_free(*ctx);
        *ctx = NULL;
        return TLSP_NOMEM;
    }
    ERR_clear_error();
    res->engine_ok = true;
    return TLSP_OK;
}

/* ---- trust set-up (tls_auth_enable()) ------------------------------------------ */

struct tarec {
    uint8_t usage, selector, mtype;
    unsigned char *data;
    size_t len;
};

struct tarecs {
    struct tarec *v;
    size_t n;
};

static bool
tarecs_add(struct tarecs *r, uint8_t u, uint8_t s, uint8_t m, const unsigned char *data,
           size_t len)
{
    struct tarec *grown = realloc(r->v, (r->n + 1) * sizeof(*grown));

    if (grown == NULL)
        return false;
    r->v = grown;
    if ((grown[r->n].data = malloc(len ? len : 1)) == NULL)
        return false;
    memcpy(grown[r->n].data, data, len);
    grown[r->n].len = len;
    grown[r->n].usage = u;
    grown[r->n].selector = s;
    grown[r->n].mtype = m;
    r->n++;
    return true;
}

static void
tarecs_free(struct tarecs *r)
{
    size_t i;

    for (i = 0; i < r->n; i++)
        free(r->v[i].data);
    free(r->v);
    r->v = NULL;
    r->n = 0;
}

/* A trust-anchor certificate becomes 2 0 0 and 3 0 0; a public key 2 1 0 and 3 1 0. */
static bool
tafile_cb(void *arg, int selector, const unsigned char *der, long len)
{
    struct tarecs *r = arg;

    return tarecs_add(r, 2, (uint8_t)selector, 0, der, (size_t)len) &&
           tarecs_add(r, 3, (uint8_t)selector, 0, der, (size_t)len);
}

/*
 * dane_records - the synthetic TLSA records of a fingerprint or trust-anchor
 * policy, in the order Postfix hands them to OpenSSL (its list is built by
 * prepending: last configured first, the public-key record before the
 * certificate record).
 */
static enum tlsp_status
dane_records(struct setup *s, struct tarecs *out)
{
    const struct tlsp_policy *pol = s->pol;
    struct tarecs fwd = {0};
    enum tlsp_status st = TLSP_OK;
    size_t i;

    if (pol->level == TLSP_LEVEL_FINGERPRINT) {
        for (i = 0; i < pol->n_fingerprints; i++) {
            unsigned char buf[EVP_MAX_MD_SIZE * 2];
            size_t n = tlsp_tlsconf_fpt_decode(pol->fingerprints[i], buf, sizeof(buf));

            if (!tarecs_add(&fwd, 3, 0, TLSA_PRIVATE_MTYPE, buf, n) ||
                !tarecs_add(&fwd, 3, 1, TLSA_PRIVATE_MTYPE, buf, n)) {
                st = TLSP_NOMEM;
                goto out;
            }
        }
    } else if (pol->tafile.value && *pol->tafile.value) {
        struct tlsp_strvec files;

        tlsp_strvec_init(&files);
        if ((st = tlsp_strvec_split(&files, pol->tafile.value, TLSP_COMMA_SP)) != TLSP_OK) {
            tlsp_strvec_fini(&files);
            goto out;
        }
        for (i = 0; i < files.n && st == TLSP_OK; i++) {
            unsigned n = 0;
            char *warning = NULL;

            st = tlsp_tlsconf_read_tafile(files.v[i], tafile_cb, &fwd, &n, &warning);
            if (st == TLSP_INVAL)
                st = tlsp_diag_add(s->diag, TLSP_SEV_ERROR, files.v[i], 0,
                                   "%s: the trust-anchor file cannot be read now",
                                   warning ? warning : files.v[i]);
            free(warning);
        }
        tlsp_strvec_fini(&files);
        if (st != TLSP_OK)
            goto out;
    }
    for (i = fwd.n; i-- > 0;)
        if (!tarecs_add(out, fwd.v[i].usage, fwd.v[i].selector, fwd.v[i].mtype, fwd.v[i].data,
                        fwd.v[i].len)) {
            st = TLSP_NOMEM;
            break;
        }
out:
    tarecs_free(&fwd);
    return st;
}

/*
 * auth_enable - DANE records and reference names on ssl, with Postfix's
 * warnings. Sets v->must_fail when nothing usable could be configured.
 */
static enum tlsp_status
auth_enable(struct setup *s, SSL *ssl, struct vctx *v, struct tlsp_strvec *log,
            struct tlsp_verify_result *res)
{
    const struct tlsp_policy *pol = s->pol;
    struct tarecs recs = {0};
    enum tlsp_status st;
    size_t i, usable = 0, names = 0;

    if ((st = dane_records(s, &recs)) != TLSP_OK)
        goto out;
    if (recs.n > 0 || pol->level == TLSP_LEVEL_FINGERPRINT) {
        if (SSL_dane_enable(ssl, NULL) <= 0) {
            ERR_clear_error();
            st = TLSP_NOMEM;
            goto out;
        }
        if (pol->level == TLSP_LEVEL_FINGERPRINT)
            SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
        for (i = 0; i < recs.n; i++) {
            const struct tarec *r = &recs.v[i];
            int ret = SSL_dane_tlsa_add(ssl, r->usage, r->selector, r->mtype, r->data, r->len);

            ERR_clear_error();
            if (ret > 0) {
                usable++;
                continue;
            }
            {
                char *hex = tlsa_hex(r->data, r->len);

                st = hex ? tlsp_strvec_pushf(log, "warning: %s: unusable TLSA RR: %u %u %u %s",
                                             v->namaddr, r->usage, r->selector, r->mtype, hex)
                         : TLSP_NOMEM;
                free(hex);
                if (st != TLSP_OK)
                    goto out;
            }
        }
        res->dane_used = usable > 0;
        if (usable == 0) {
            if ((st = tlsp_strvec_pushf(log, "warning: %s: all %s unusable", v->namaddr,
                                        pol->level == TLSP_LEVEL_FINGERPRINT ? "fingerprints"
                                                                             : "trust anchors")) !=
                TLSP_OK)
                goto out;
            v->must_fail = true;
        }
    }
    if (pol->level == TLSP_LEVEL_VERIFY || pol->level == TLSP_LEVEL_SECURE) {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        for (i = 0; i < pol->n_refs; i++) {
            const struct tlsp_refname *r = &pol->refs[i];
            char *name;

            if (r->skipped) {
                if ((st = tlsp_strvec_pushf(log, "warning: %s: ignoring invalid match name: \".\"",
                                            v->namaddr)) != TLSP_OK)
                    goto out;
                continue;
            }
            if (r->name == NULL)
                continue;
            name = tlsp_strdup(r->name);
            if (name == NULL) {
                st = TLSP_NOMEM;
                goto out;
            }
            if (SSL_add1_host(ssl, name)) {
                names++;
            } else {
                ERR_clear_error();
                st = tlsp_strvec_pushf(log, "warning: %s: error loading match name: \"%s\"",
                                       v->namaddr, r->suffix ? r->name + 1 : r->name);
            }
            free(name);
            if (st != TLSP_OK)
                goto out;
        }
        res->names_checked = names > 0;
        if (names == 0) {
            if ((st = tlsp_strvec_pushf(log, "warning: %s: could not configure peer name checks",
                                        v->namaddr)) != TLSP_OK)
                goto out;
            v->must_fail = true;
        }
    }
out:
    tarecs_free(&recs);
    return st;
}

/* ---- the verification itself (ssl_verify_cert_chain()) -------------------------- */

static enum tlsp_status
run_verify(SSL *ssl, const struct tlsp_chain *chain, long long at, bool with_names,
           bool dane, struct vctx *v, int *result, char **peername)
{
    X509_STORE_CTX *xs = X509_STORE_CTX_new();
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509_VERIFY_PARAM *param;
    enum tlsp_status st = TLSP_NOMEM;
    size_t i;

    *result = X509_V_ERR_UNSPECIFIED;
    if (xs == NULL || sk == NULL)
        goto out;
    for (i = 0; i < tlsp_chain_count(chain); i++)
        if (!sk_X509_push(sk, tlsp_chain_x509(chain, i)))
            goto out;
    if (!X509_STORE_CTX_init(xs, SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)),
                             tlsp_chain_x509(chain, 0), sk))
        goto out;
    param = X509_STORE_CTX_get0_param(xs);
    X509_VERIFY_PARAM_set_auth_level(param, SSL_get_security_level(ssl));
    if (!X509_STORE_CTX_set_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx(), ssl) ||
        !SSL_set_ex_data(ssl, vctx_index, v))
        goto out;
    if (dane)
        X509_STORE_CTX_set0_dane(xs, SSL_get0_dane(ssl));
    X509_STORE_CTX_set_default(xs, "ssl_server");
    X509_VERIFY_PARAM_set1(param, SSL_get0_param(ssl));
    if (!with_names) {
        X509_VERIFY_PARAM_set1_host(param, NULL, 0);
        X509_VERIFY_PARAM_set1_ip(param, NULL, 0);
    }
    X509_VERIFY_PARAM_set_time(param, (time_t)at);
    X509_STORE_CTX_set_verify_cb(xs, verify_cb);
    (void)X509_verify_cert(xs);
    *result = X509_STORE_CTX_get_error(xs);
    SSL_set_verify_result(ssl, *result);
    st = TLSP_OK;
    if (peername && X509_VERIFY_PARAM_get0_peername(param) &&
        (*peername = tlsp_strdup(X509_VERIFY_PARAM_get0_peername(param))) == NULL)
        st = TLSP_NOMEM;
out:
    ERR_clear_error();
    X509_STORE_CTX_free(xs);
    sk_X509_free(sk);
    if (st == TLSP_OK && v->st != TLSP_OK)
        st = v->st;
    return st;
}

/* tls_log_verify_error(): the line for the error Postfix kept. */
static enum tlsp_status
log_verify_error(struct tlsp_strvec *log, const char *namaddr, int depth, int err, X509 *cert)
{
    const char *purpose = depth > 0 ? "CA" : "server";
    enum tlsp_status st;
    char *issuer;

    switch (err) {
    case X509_V_OK:
        return TLSP_OK;
    case X509_V_ERR_CERT_UNTRUSTED:
        return tlsp_strvec_pushf(
            log,
            "certificate verification failed for %s: not trusted by local or TLSA "
            "policy",
            namaddr);
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        return tlsp_strvec_pushf(
            log, "certificate verification failed for %s: self-signed certificate", namaddr);
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        issuer = cert ? oneline(X509_get_issuer_name(cert)) : tlsp_strdup("<unknown>");
        if (issuer == NULL)
            return TLSP_NOMEM;
        st = tlsp_strvec_pushf(log, "certificate verification failed for %s: untrusted issuer %s",
                               namaddr, issuer);
        free(issuer);
        return st;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
        return tlsp_strvec_pushf(
            log, "%s certificate verification failed for %s: certificate not yet valid", purpose,
            namaddr);
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
        return tlsp_strvec_pushf(
            log, "%s certificate verification failed for %s: certificate has expired", purpose,
            namaddr);
    case X509_V_ERR_INVALID_PURPOSE:
        return tlsp_strvec_pushf(
            log,
            "certificate verification failed for %s: not designated for use as a "
            "%s certificate",
            namaddr, purpose);
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
        return tlsp_strvec_pushf(log,
                                 "certificate verification failed for %s: certificate chain longer "
                                 "than limit(%d)",
                                 namaddr, depth - 1);
    default:
        return tlsp_strvec_pushf(log, "%s certificate verification failed for %s: num=%d:%s",
                                 purpose, namaddr, err, X509_verify_cert_error_string(err));
    }
}

/* tls_dane_log(): which TLSA record or trust anchor matched. */
static enum tlsp_status
log_dane_match(SSL *ssl, const struct tlsp_policy *pol, const char *namaddr,
               struct tlsp_strvec *log)
{
    EVP_PKEY *mspki = NULL;
    int depth = SSL_get0_dane_authority(ssl, NULL, &mspki);
    uint8_t u, s, m;
    const unsigned char *data;
    size_t dlen;
    char *hex;
    enum tlsp_status st;

    if (depth < 0)
        return TLSP_OK;
    if (pol->level == TLSP_LEVEL_VERIFY || pol->level == TLSP_LEVEL_SECURE)
        return tlsp_strvec_pushf(log, "%s: Matched trust anchor at depth %d", namaddr, depth);
    if (SSL_get0_dane_tlsa(ssl, &u, &s, &m, &data, &dlen) < 0)
        return TLSP_OK;
    if ((hex = tlsa_hex(data, dlen)) == NULL)
        return TLSP_NOMEM;
    if (pol->level == TLSP_LEVEL_FINGERPRINT)
        st = tlsp_strvec_pushf(log, "%s: Matched fingerprint: %s", namaddr, hex);
    else
        st = tlsp_strvec_pushf(log, "%s: Matched DANE %s at depth %d: %u %u %u %s", namaddr,
                               mspki   ? "TA public key verified certificate"
                               : depth ? "TA certificate"
                                       : "EE certificate",
                               depth, u, s, m, hex);
    free(hex);
    return st;
}

static enum tlsp_status
set_outcome(struct tlsp_verify_result *res, bool deliver, const char *dsn, const char *reason)
{
    enum tlsp_status st;

    res->deliver = deliver;
    if ((st = tlsp_set_str(&res->dsn, dsn)) != TLSP_OK)
        return st;
    return tlsp_set_str(&res->reason, reason);
}

static bool
is_ip_literal(const char *s)
{
    unsigned char buf[16];

    return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

/* ---- the public entry points ------------------------------------------------------ */

/*
 * log_and_digest - *_tls_loglevel as a mask (Postfix's warning for an unknown
 *       word goes to log) and *_tls_fingerprint_digest with its OpenSSL digest
 *       (NULL when OpenSSL has none; engine_init() reports that).
 */
static enum tlsp_status
log_and_digest(struct setup *s, struct tlsp_strvec *log, unsigned *mask, const char **digest,
               const EVP_MD **md)
{
    const char *loglevel = "0";
    char *warning = NULL;
    enum tlsp_status st;

    if ((st = param(s, "tls_loglevel", &loglevel)) != TLSP_OK)
        return st;
    *mask = tlsp_tls_log_mask(s->name, loglevel, &warning);
    if (warning) {
        st = tlsp_strvec_pushf(log, "warning: %s", warning);
        free(warning);
        if (st != TLSP_OK)
            return st;
    }
    if ((st = param(s, "tls_fingerprint_digest", digest)) != TLSP_OK)
        return st;
    *md = EVP_get_digestbyname(*digest);
    return TLSP_OK;
}

enum tlsp_status
tlsp_verify(const struct tlsp_verify_request *req, struct tlsp_verify_result *res,
            struct tlsp_diag *diag)
{
    struct setup s;
    const struct tlsp_policy *pol;
    struct tlsp_strvec log;
    struct vctx v, cv;
    enum tlsp_status st;
    const char *digest = "", *host, *addr;
    const EVP_MD *md = NULL;
    unsigned mask = 0;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    bool must_match;
    int result = X509_V_OK, cresult = X509_V_OK;
    size_t i;

    if (res == NULL)
        return TLSP_INVAL;
    memset(res, 0, sizeof(*res));
    if (req == NULL || req->cf == NULL || req->pol == NULL || req->chain == NULL ||
        tlsp_chain_count(req->chain) == 0)
        return TLSP_INVAL;
    pol = req->pol;
    if (pol->level < TLSP_LEVEL_NONE)
        return TLSP_INVAL;
    if (tlsp_level_dane_based(pol->level))
        return tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                             "the level is %s: its verdict depends on the destination's TLSA "
                             "records in DNS, which an offline check does not have",
                             tlsp_level_name(pol->level)) == TLSP_OK
                   ? TLSP_UNSUPPORTED
                   : TLSP_NOMEM;
    if (CRYPTO_THREAD_run_once(&vctx_once, vctx_index_init) == 0 || vctx_index < 0)
        return TLSP_NOMEM;

    memset(&s, 0, sizeof(s));
    s.cf = req->cf;
    s.pol = pol;
    s.diag = diag;
    tlsp_strvec_init(&log);
    memset(&v, 0, sizeof(v));
    memset(&cv, 0, sizeof(cv));

    host = pol->host ? pol->host : pol->nexthop;
    addr = req->addr ? req->addr : is_ip_literal(host) ? host : "ADDR";
    if ((res->namaddr = tlsp_aprintf("%s[%s]:%u", host, addr, pol->port)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if ((st = log_and_digest(&s, &log, &mask, &digest, &md)) != TLSP_OK)
        goto out;
    if ((st = leaf_facts(req->chain, md, res)) != TLSP_OK)
        goto out;

    if (pol->level == TLSP_LEVEL_NONE) {
        res->word = TLSP_WORD_NONE;
        res->deliver = true;
        goto done;
    }
    /* Failures that stop the handshake before any certificate is seen. */
    if (pol->doomed && pol->doomed_reason && strcmp(pol->doomed_reason, NOT_VERIFIED) != 0) {
        res->word = TLSP_WORD_NONE;
        st = set_outcome(res, false, pol->doomed_dsn, pol->doomed_reason);
        goto done_st;
    }
    if ((st = engine_init(&s, md, digest, mask, &log, res, &ctx)) != TLSP_OK)
        goto out;
    res->n_log_engine = log.n;
    if (ctx == NULL) {
        res->word = TLSP_WORD_NONE;
        if (pol->level == TLSP_LEVEL_MAY)
            res->deliver = true; /* no STARTTLS: plaintext */
        else
            st = set_outcome(res, false, "4.7.5", ENGINE_UNAVAILABLE);
        goto done_st;
    }
    if ((ssl = SSL_new(ctx)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    must_match = tlsp_level_must_match(pol->level);
    if (must_match) {
        SSL_set_security_level(ssl, 1);
        mask |= TLSP_TLSLOG_UNTRUSTED;
    }
    v.namaddr = res->namaddr;
    v.log = &log;
    v.log_depth = (mask & TLSP_TLSLOG_VERBOSE) != 0;
    v.rank_names_low =
        tlsp_version_has(tlsp_cf_version(req->cf), TLSP_VR_TRUSTED_ON_NAME_MISMATCH);
    v.err_code = X509_V_OK;

    /* The policy lookup turns each fingerprint into a private-use TLSA record. */
    if (pol->level == TLSP_LEVEL_FINGERPRINT && (mask & (TLSP_TLSLOG_VERBOSE | TLSP_TLSLOG_DANE)))
        for (i = 0; i < pol->n_fingerprints; i++) {
            unsigned char buf[EVP_MAX_MD_SIZE * 2];
            size_t n = tlsp_tlsconf_fpt_decode(pol->fingerprints[i], buf, sizeof(buf));
            char *hex = tlsa_hex(buf, n);

            st = hex ? tlsp_strvec_pushf(
                           &log, "fingerprint: digest as private-use TLSA record: 3 0 255 %s", hex)
                     : TLSP_NOMEM;
            free(hex);
            if (st != TLSP_OK)
                goto out;
        }
    if ((mask & TLSP_TLSLOG_VERBOSE) &&
        ((st = tlsp_strvec_pushf(&log, "setting up TLS connection to %s", res->namaddr)) !=
             TLSP_OK ||
         (st = tlsp_strvec_pushf(&log, "%s: TLS cipher list \"%s\"", res->namaddr,
                                 pol->cipherlist ? pol->cipherlist : "")) != TLSP_OK))
        goto out;
    if ((mask & TLSP_TLSLOG_VERBOSE) && pol->servername.value && *pol->servername.value) {
        const char *sni = tlsp_strcaseeq(pol->servername.value, "hostname") ? host
                                                                            : pol->servername.value;

        if ((st = tlsp_strvec_pushf(&log, "%s: SNI hostname: %s", res->namaddr, sni)) != TLSP_OK)
            goto out;
    }
    if ((st = auth_enable(&s, ssl, &v, &log, res)) != TLSP_OK)
        goto out;

    /* The handshake's verification, as Postfix logs it. */
    if ((st = run_verify(ssl, req->chain, req->at, true, res->dane_used, &v, &result,
                         &res->matched)) != TLSP_OK)
        goto out;
    res->verified = result == X509_V_OK && !v.must_fail;
    res->n_errors = v.n_errs;
    res->errors = v.errs;
    v.errs = NULL;
    v.n_errs = 0;
    if (v.err_code != X509_V_OK &&
        (st = verr_fill(&res->reported, v.err_depth, v.err_code, v.err_cert)) != TLSP_OK)
        goto out;

    /* verify_extract_name() */
    {
        char *icn = NULL, *pcn = NULL;
        bool matched = false;

        st = issuer_cn(tlsp_chain_x509(req->chain, 0), res->namaddr, &log, &icn);
        if (st == TLSP_OK)
            st = text_name(X509_get_subject_name(tlsp_chain_x509(req->chain, 0)), NID_commonName,
                           "subject CN", res->namaddr, &log, &pcn);
        if (st == TLSP_OK && pcn == NULL)
            pcn = tlsp_strdup(res->matched ? res->matched : "");
        if (st == TLSP_OK && pcn == NULL)
            st = TLSP_NOMEM;
        if (st == TLSP_OK) {
            if (res->verified && must_match) {
                matched = true;
                res->word = TLSP_WORD_VERIFIED;
                if (mask & (TLSP_TLSLOG_CERTMATCH | TLSP_TLSLOG_VERBOSE | TLSP_TLSLOG_PEERCERT)) {
                    if (res->matched)
                        st = tlsp_strvec_pushf(&log, "%s: matched peername: %s", res->namaddr,
                                               res->matched);
                    if (st == TLSP_OK)
                        st = log_dane_match(ssl, pol, res->namaddr, &log);
                }
            } else if (res->verified) {
                res->word = TLSP_WORD_TRUSTED;
            } else if (must_match && v.rank_names_low && is_name_mismatch(v.err_code)) {
                res->word = TLSP_WORD_TRUSTED;
            } else {
                res->word = TLSP_WORD_UNTRUSTED;
            }
        }
        if (st == TLSP_OK && !matched && (mask & TLSP_TLSLOG_UNTRUSTED))
            st = log_verify_error(&log, res->namaddr, v.err_depth, v.err_code, v.err_cert);
        if (st == TLSP_OK &&
            (mask & (TLSP_TLSLOG_CERTMATCH | TLSP_TLSLOG_VERBOSE | TLSP_TLSLOG_PEERCERT)))
            st = tlsp_strvec_pushf(
                &log, "%s: subject_CN=%s, issuer_CN=%s, fingerprint=%s, pkey_fingerprint=%s",
                res->namaddr, pcn, icn, res->cert_fpt ? res->cert_fpt : "",
                res->pkey_fpt ? res->pkey_fpt : "");
        free(icn);
        free(pcn);
        if (st != TLSP_OK)
            goto out;
    }
    if ((mask & TLSP_TLSLOG_SUMMARY) && req->protocol && req->cipher) {
        st = tlsp_strvec_pushf(
            &log, "%s TLS connection established to %s: %s with cipher %s (%d/%d bits)%s%s",
            tlsp_word_name(res->word), res->namaddr, req->protocol, req->cipher, req->cipher_bits,
            req->cipher_alg_bits, req->sig_params && *req->sig_params ? " " : "",
            req->sig_params ? req->sig_params : "");
        if (st != TLSP_OK)
            goto out;
    } else if ((mask & TLSP_TLSLOG_SUMMARY) &&
               (st = tlsp_strvec_pushf(
                    &log,
                    "%s TLS connection established to %s: PROTOCOL with cipher CIPHER "
                    "(BITS/BITS bits)",
                    tlsp_word_name(res->word), res->namaddr)) != TLSP_OK)
        goto out;
    if (must_match && !res->verified)
        st = set_outcome(res, false, "4.7.5", NOT_VERIFIED);
    else
        res->deliver = true;
    if (st != TLSP_OK)
        goto out;

    /* The same chain without name checks: is the trust part sound? */
    cv.namaddr = res->namaddr;
    cv.err_code = X509_V_OK;
    if ((st = run_verify(ssl, req->chain, req->at, false, res->dane_used, &cv, &cresult, NULL)) !=
        TLSP_OK)
        goto out;
    res->chain_trusted = cresult == X509_V_OK;
    res->chain_errors = cv.errs;
    res->n_chain_errors = cv.n_errs;
    cv.errs = NULL;
    cv.n_errs = 0;
    goto done;

done_st:
    if (st != TLSP_OK)
        goto out;
done:
    st = tlsp_strvec_release(&log, &res->log, &res->n_log);
out:
    for (i = 0; i < v.n_errs; i++)
        verr_fini(&v.errs[i]);
    free(v.errs);
    X509_free(v.err_cert);
    for (i = 0; i < cv.n_errs; i++)
        verr_fini(&cv.errs[i]);
    free(cv.errs);
    X509_free(cv.err_cert);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    tlsp_strvec_fini(&log);
    ERR_clear_error();
    return st;
}

enum tlsp_status
tlsp_verify_engine(struct tlsp_cf *cf, const struct tlsp_policy *pol,
                   struct tlsp_verify_result *res, struct tlsp_diag *diag)
{
    struct setup s;
    struct tlsp_strvec log;
    const char *digest = "";
    const EVP_MD *md = NULL;
    unsigned mask = 0;
    SSL_CTX *ctx = NULL;
    enum tlsp_status st;

    if (res == NULL)
        return TLSP_INVAL;
    memset(res, 0, sizeof(*res));
    if (cf == NULL || pol == NULL)
        return TLSP_INVAL;
    memset(&s, 0, sizeof(s));
    s.cf = cf;
    s.pol = pol;
    s.diag = diag;
    tlsp_strvec_init(&log);
    if ((st = log_and_digest(&s, &log, &mask, &digest, &md)) != TLSP_OK)
        goto out;
    if ((st = engine_init(&s, md, digest, mask, &log, res, &ctx)) != TLSP_OK)
        goto out;
    res->n_log_engine = log.n;
    st = tlsp_strvec_release(&log, &res->log, &res->n_log);
out:
    SSL_CTX_free(ctx);
    tlsp_strvec_fini(&log);
    ERR_clear_error();
    return st;
}

void
tlsp_verify_fini(struct tlsp_verify_result *res)
{
    size_t i;

    if (res == NULL)
        return;
    free(res->namaddr);
    free(res->engine_error);
    free(res->dsn);
    free(res->reason);
    verr_fini(&res->reported);
    for (i = 0; i < res->n_errors; i++)
        verr_fini(&res->errors[i]);
    free(res->errors);
    free(res->matched);
    for (i = 0; i < res->n_chain_errors; i++)
        verr_fini(&res->chain_errors[i]);
    free(res->chain_errors);
    tlsp_strarr_free(res->dns_names, res->n_dns_names);
    tlsp_strarr_free(res->ip_names, res->n_ip_names);
    free(res->subject_cn);
    free(res->issuer_cn);
    free(res->cert_fpt);
    free(res->pkey_fpt);
    tlsp_strarr_free(res->subjects, res->n_subjects);
    tlsp_strarr_free(res->log, res->n_log);
    memset(res, 0, sizeof(*res));
}

bool
tlsp_verify_name(const struct tlsp_chain *chain, const char *name, char **matched)
{
    X509 *leaf = tlsp_chain_x509(chain, 0);
    char *peer = NULL;
    int rc;

    if (leaf == NULL || name == NULL || *name == 0)
        return false;
    if (is_ip_literal(name)) {
        rc = X509_check_ip_asc(leaf, name, 0);
    } else {
        rc = X509_check_host(leaf, name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, &peer);
    }
    ERR_clear_error();
    if (rc == 1 && matched && peer) {
        *matched = peer;
        peer = NULL;
    } else if (rc == 1 && matched && is_ip_literal(name)) {
        *matched = tlsp_strdup(name);
    }
    OPENSSL_free(peer);
    return rc == 1;
}
