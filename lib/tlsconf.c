/*
 * tlsconf.c - Postfix's TLS settings turned into what OpenSSL is given
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tlsconf.h"
#include "util/buf.h"
#include "util/str.h"

const char *
tlsp_tlsconf_grade_param(const char *grade)
{
    static const char *const grades[][2] = {
        {"export", "tls_export_cipherlist"}, {"low", "tls_low_cipherlist"},
        {"medium", "tls_medium_cipherlist"}, {"high", "tls_high_cipherlist"},
        {"null", "tls_null_cipherlist"},
    };
    size_t i;

    for (i = 0; i < sizeof(grades) / sizeof(grades[0]); i++)
        if (tlsp_strcaseeq(grade, grades[i][0]))
            return grades[i][1];
    return NULL;
}

/* Whether OpenSSL accepts the cipher string (it must select at least one
 * cipher), as SSL_CTX_set_cipher_list() decides for Postfix. */
static bool
openssl_accepts(const char *list)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    bool ok;

    if (ctx == NULL)
        return true; /* cannot tell; do not invent a failure */
    SSL_CTX_set_security_level(ctx, 0);
    ok = SSL_CTX_set_cipher_list(ctx, list) == 1;
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

enum tlsp_status
tlsp_tlsconf_cipherlist(const char *grade, const char *grade_list, const char *exclusions,
                        char **list, char **problem)
{
    struct tlsp_buf b;
    struct tlsp_strvec toks;
    enum tlsp_status st;
    size_t i;

    *list = NULL;
    *problem = NULL;
    if (grade_list == NULL) {
        *problem = tlsp_aprintf("invalid cipher grade: \"%s\"", grade);
        return *problem ? TLSP_INVAL : TLSP_NOMEM;
    }
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    tlsp_strvec_init(&toks);
    if ((st = tlsp_buf_puts(&b, grade_list)) != TLSP_OK ||
        (st = tlsp_strvec_split(&toks, exclusions ? exclusions : "", ", \t\r\n:")) != TLSP_OK)
        goto out;
    for (i = 0; i < toks.n; i++) {
        if (strchr("!+-@", toks.v[i][0])) {
            *problem = tlsp_aprintf("invalid unary '!+-@' in cipher exclusion: %s", toks.v[i]);
            st = *problem ? TLSP_INVAL : TLSP_NOMEM;
            goto out;
        }
        if ((st = tlsp_buf_printf(&b, ":!%s", toks.v[i])) != TLSP_OK)
            goto out;
    }
    if (!openssl_accepts(tlsp_buf_str(&b))) {
        *problem = tlsp_aprintf("error setting cipher grade: \"%s\"", grade);
        st = *problem ? TLSP_INVAL : TLSP_NOMEM;
        goto out;
    }
    if ((*list = tlsp_buf_steal(&b)) == NULL)
        st = TLSP_NOMEM;
out:
    tlsp_buf_fini(&b);
    tlsp_strvec_fini(&toks);
    return st;
}

/* Protocols in Postfix's order; version numbers as on the wire. */
static const struct {
    const char *name;
    int version;
} protos[] = {
    {"SSLv2", 0x0200}, {"SSLv3", SSL3_VERSION},     {"TLSv1", TLS1_VERSION},
    {"TLSv1.1", TLS1_1_VERSION}, {"TLSv1.2", TLS1_2_VERSION}, {"TLSv1.3", TLS1_3_VERSION},
};
#define N_PROTOS (sizeof(protos) / sizeof(protos[0]))

static int
proto_index(const char *name)
{
    size_t i;

    for (i = 0; i < N_PROTOS; i++)
        if (tlsp_strcaseeq(name, protos[i].name))
            return (int)i;
    return -1;
}

/* Postfix parse_tls_version(): a name (not SSLv2), "None" or hex. */
static int
parse_bound(const char *tok, int *version)
{
    int i;
    char *end;
    unsigned long v;

    if (tlsp_strcaseeq(tok, "None") || *tok == 0) {
        *version = 0;
        return *tok ? 0 : -1;
    }
    if ((i = proto_index(tok)) > 0) {
        *version = protos[i].version;
        return 0;
    }
    errno = 0;
    v = strtoul(tok, &end, 16);
    if (errno || *end || end == tok || v > 0xffff)
        return -1;
    *version = (int)v;
    return 0;
}

enum tlsp_status
tlsp_tlsconf_protocols(const char *protocols, bool seclevel1, char **text, char **problem)
{
    struct tlsp_strvec toks;
    enum tlsp_status st;
    bool include[N_PROTOS] = {false}, exclude[N_PROTOS] = {false}, any_include = false;
    int floor = 0, ceiling = 0;
    int lo = -1, hi = -1;
    size_t i;
    bool below_floor = false;
    const char *why_floor = "";

    *text = NULL;
    *problem = NULL;
    tlsp_strvec_init(&toks);
    if ((st = tlsp_strvec_split(&toks, protocols, ", \t\r\n:")) != TLSP_OK)
        goto out;
    for (i = 0; i < toks.n; i++) {
        const char *tok = toks.v[i];
        int idx, rc = 0;

        if (strncmp(tok, ">=", 2) == 0) {
            rc = parse_bound(tok + 2, &floor);
        } else if (strncmp(tok, "<=", 2) == 0) {
            rc = parse_bound(tok + 2, &ceiling);
        } else if (*tok == '!') {
            if ((idx = proto_index(tok + 1)) < 0)
                rc = -1;
            else
                exclude[idx] = true;
        } else {
            if ((idx = proto_index(tok)) < 0)
                rc = -1;
            else
                include[idx] = any_include = true;
        }
        if (rc < 0) {
            *problem = tlsp_aprintf("Invalid TLS protocol list \"%s\": aborting TLS session",
                                   protocols);
            st = *problem ? TLSP_INVAL : TLSP_NOMEM;
            goto out;
        }
    }
    /* OpenSSL 3 offers TLSv1 to TLSv1.3 (no SSLv2; Debian builds without
     * SSLv3). The client uses the highest enabled version and the versions
     * below it down to the first disabled one. */
    for (i = N_PROTOS; i-- > 2;) {
        bool on = !exclude[i] && (!any_include || include[i]);

        if (floor && protos[i].version < floor)
            on = false;
        if (ceiling && protos[i].version > ceiling)
            on = false;
        if (on && seclevel1 && protos[i].version < TLS1_2_VERSION) {
            below_floor = true;
            on = false;
        }
        if (on && hi < 0)
            hi = lo = (int)i;
        else if (on && lo == (int)i + 1)
            lo = (int)i;
        else if (hi >= 0 && !on)
            break;
    }
    if (below_floor && (hi < 0 || lo == 4))
        why_floor = " (OpenSSL 3 allows TLSv1 and TLSv1.1 only at security level 0; Postfix uses "
                    "level 1 here)";
    if (hi < 0)
        *text = tlsp_aprintf("no TLS version (every handshake fails)%s", why_floor);
    else if (hi == lo)
        *text = tlsp_aprintf("%s only%s", protos[hi].name, why_floor);
    else if (hi == (int)N_PROTOS - 1)
        *text = tlsp_aprintf("%s or later%s", protos[lo].name, why_floor);
    else
        *text = tlsp_aprintf("%s to %s%s", protos[lo].name, protos[hi].name, why_floor);
    if (*text == NULL)
        st = TLSP_NOMEM;
out:
    tlsp_strvec_fini(&toks);
    return st;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Postfix hex_decode_opt(HEX_DECODE_FLAG_ALLOW_COLON): hex pairs, each
 * optionally followed by one colon. Decodes into out (when not NULL) at
 * most max bytes; returns the number of pairs, or 0 when malformed. */
static size_t
hex_digest_decode(const char *cp, unsigned char *out, size_t max)
{
    size_t n = 0;

    while (*cp) {
        int hi = hexval((unsigned char)cp[0]), lo = hi < 0 ? -1 : hexval((unsigned char)cp[1]);

        if (hi < 0 || lo < 0)
            return 0;
        if (out && n < max)
            out[n] = (unsigned char)(hi << 4 | lo);
        cp += 2;
        n++;
        if (*cp == ':')
            cp++;
    }
    return n;
}

static bool
valid_hex_digest(const char *cp)
{
    return hex_digest_decode(cp, NULL, 0) > 0;
}

size_t
tlsp_tlsconf_fpt_decode(const char *text, unsigned char *out, size_t max)
{
    size_t n = hex_digest_decode(text, out, max);

    return n <= max ? n : 0;
}

enum tlsp_status
tlsp_tlsconf_fingerprints(const char *values, const char *delims, struct tlsp_strvec *good,
                          struct tlsp_strvec *warnings)
{
    struct tlsp_strvec toks;
    enum tlsp_status st;
    size_t i;

    tlsp_strvec_init(&toks);
    if ((st = tlsp_strvec_split(&toks, values, delims)) != TLSP_OK)
        goto out;
    for (i = 0; i < toks.n; i++) {
        const char *v = toks.v[i];

        if (strlen(v) > 3 * EVP_MAX_MD_SIZE)
            st = tlsp_strvec_push_owned(warnings,
                                        tlsp_aprintf("malformed fingerprint value: %.100s...", v));
        else if (!valid_hex_digest(v))
            st = tlsp_strvec_push_owned(warnings,
                                        tlsp_aprintf("malformed fingerprint value: %.384s", v));
        else
            st = tlsp_strvec_push(good, v);
        if (st != TLSP_OK)
            goto out;
    }
out:
    tlsp_strvec_fini(&toks);
    return st;
}

unsigned
tlsp_tlsconf_digest_len(const char *name)
{
    const EVP_MD *md = EVP_get_digestbyname(name);

    return md ? (unsigned)EVP_MD_get_size(md) : 0;
}

enum tlsp_status
tlsp_tlsconf_load_tafile(const char *path, unsigned *n_anchors, char **warning)
{
    return tlsp_tlsconf_read_tafile(path, NULL, NULL, n_anchors, warning);
}

enum tlsp_status
tlsp_tlsconf_read_tafile(const char *path, tlsp_tafile_cb *cb, void *arg, unsigned *n_anchors,
                         char **warning)
{
    BIO *bp;
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len;
    unsigned count = 0;
    const char *errtype = NULL;
    unsigned long last;

    *n_anchors = 0;
    *warning = NULL;
    ERR_clear_error();
    if ((bp = BIO_new_file(path, "r")) == NULL) {
        *warning = tlsp_aprintf("error opening trust anchor file: %s: %s", path, strerror(errno));
        ERR_clear_error();
        return *warning ? TLSP_INVAL : TLSP_NOMEM;
    }
    while (errtype == NULL && PEM_read_bio(bp, &name, &header, &data, &len)) {
        const unsigned char *p = data;

        if (strcmp(name, PEM_STRING_X509) == 0 || strcmp(name, PEM_STRING_X509_OLD) == 0) {
            X509 *cert = d2i_X509(NULL, &p, len);

            if (cert && p - data == len) {
                count++;
                if (cb && !cb(arg, 0, data, len))
                    errtype = "";
            } else
                errtype = "certificate";
            X509_free(cert);
        } else if (strcmp(name, PEM_STRING_PUBLIC) == 0) {
            EVP_PKEY *pkey = d2i_PUBKEY(NULL, &p, len);

            if (pkey && p - data == len) {
                count++;
                if (cb && !cb(arg, 1, data, len))
                    errtype = "";
            } else
                errtype = "public key";
            EVP_PKEY_free(pkey);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    BIO_free(bp);
    last = ERR_peek_last_error();
    ERR_clear_error();
    *n_anchors = count;
    if (errtype && *errtype == 0)
        return TLSP_NOMEM;
    if (errtype) {
        *warning = tlsp_aprintf("error reading: %s: malformed trust-anchor %s", path, errtype);
        return *warning ? TLSP_INVAL : TLSP_NOMEM;
    }
    if (ERR_GET_REASON(last) == PEM_R_NO_START_LINE && count > 0)
        return TLSP_OK;
    return TLSP_INVAL;
}

enum tlsp_status
tlsp_tlsconf_protocol_limits(const char *protocols, unsigned long *no_opts, int *min, int *max,
                             char **problem)
{
    static const unsigned long opts[N_PROTOS] = {
        0, SSL_OP_NO_SSLv3, SSL_OP_NO_TLSv1, SSL_OP_NO_TLSv1_1, SSL_OP_NO_TLSv1_2,
        SSL_OP_NO_TLSv1_3,
    };
    struct tlsp_strvec toks;
    enum tlsp_status st;
    bool include[N_PROTOS] = {false}, exclude[N_PROTOS] = {false}, any_include = false;
    size_t i;

    *no_opts = 0;
    *min = *max = 0;
    *problem = NULL;
    tlsp_strvec_init(&toks);
    if ((st = tlsp_strvec_split(&toks, protocols, ", \t\r\n:")) != TLSP_OK)
        goto out;
    for (i = 0; i < toks.n; i++) {
        const char *tok = toks.v[i];
        int idx, rc = 0;

        if (strncmp(tok, ">=", 2) == 0) {
            rc = parse_bound(tok + 2, min);
        } else if (strncmp(tok, "<=", 2) == 0) {
            rc = parse_bound(tok + 2, max);
        } else if (*tok == '!') {
            if ((idx = proto_index(tok + 1)) < 0)
                rc = -1;
            else
                exclude[idx] = true;
        } else {
            if ((idx = proto_index(tok)) < 0)
                rc = -1;
            else
                include[idx] = any_include = true;
        }
        if (rc < 0) {
            *problem = tlsp_aprintf("Invalid TLS protocol list \"%s\": aborting TLS session",
                                   protocols);
            st = *problem ? TLSP_INVAL : TLSP_NOMEM;
            goto out;
        }
    }
    for (i = 0; i < N_PROTOS; i++)
        if (exclude[i] || (any_include && !include[i]))
            *no_opts |= opts[i];
out:
    tlsp_strvec_fini(&toks);
    return st;
}
