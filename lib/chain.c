/*
 * chain.c - a server certificate chain as the server sends it
 *
 * PEM blocks are found by their BEGIN/END lines; text around them (the
 * output of "openssl s_client -showcerts") is skipped. Each block is
 * decoded with OpenSSL's PEM reader, so base64 and DER errors are
 * OpenSSL's to find.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <tlspolicy/chain.h>

#include "util/str.h"

struct tlsp_chain {
    X509 *certs[TLSP_CHAIN_MAX_CERTS];
    size_t n;
};

static const char begin_prefix[] = "-----BEGIN ";
static const char end_prefix[] = "-----END ";

void
tlsp_chain_free(struct tlsp_chain *chain)
{
    size_t i;

    if (chain == NULL)
        return;
    for (i = 0; i < chain->n; i++)
        X509_free(chain->certs[i]);
    free(chain);
}

size_t
tlsp_chain_count(const struct tlsp_chain *chain)
{
    return chain ? chain->n : 0;
}

void *
tlsp_chain_x509(const struct tlsp_chain *chain, size_t i)
{
    return chain && i < chain->n ? chain->certs[i] : NULL;
}

/* line_at - 1-based line number of offset off in data */
static unsigned
line_at(const char *data, size_t off)
{
    unsigned line = 1;
    size_t i;

    for (i = 0; i < off; i++)
        if (data[i] == '\n')
            line++;
    return line;
}

/* find - the first occurrence of needle in the len bytes at hay */
static const char *
find(const char *hay, size_t len, const char *needle)
{
    return memmem(hay, len, needle, strlen(needle));
}

enum tlsp_status
tlsp_chain_parse(const char *data, size_t len, const char *name, struct tlsp_chain **out,
                 struct tlsp_diag *diag)
{
    struct tlsp_chain *c;
    size_t off = 0;
    enum tlsp_status st = TLSP_OK;

    *out = NULL;
    if (len > TLSP_CHAIN_MAX_BYTES) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, name, 0,
                      "larger than %zu bytes: not a certificate chain", TLSP_CHAIN_MAX_BYTES);
        return TLSP_LIMIT;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL)
        return TLSP_NOMEM;
    for (;;) {
        const char *b = find(data + off, len - off, begin_prefix);
        const char *label, *label_end, *e, *e_end;
        size_t boff;
        char *block = NULL;
        BIO *bio;
        X509 *x;

        if (b == NULL)
            break;
        boff = (size_t)(b - data);
        /* only a BEGIN at the start of a line counts */
        if (boff > 0 && data[boff - 1] != '\n' && data[boff - 1] != '\r') {
            off = boff + 1;
            continue;
        }
        label = b + strlen(begin_prefix);
        label_end = find(label, len - (size_t)(label - data), "-----");
        if (label_end == NULL || memchr(label, '\n', (size_t)(label_end - label))) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, name, line_at(data, boff),
                          "malformed PEM BEGIN line");
            st = TLSP_INVAL;
            goto out;
        }
        if ((size_t)(label_end - label) != strlen("CERTIFICATE") ||
            memcmp(label, "CERTIFICATE", strlen("CERTIFICATE")) != 0) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, name, line_at(data, boff),
                          "PEM block \"%.*s\" is not a certificate (the chain holds only "
                          "CERTIFICATE blocks, leaf first)",
                          (int)(label_end - label > 40 ? 40 : label_end - label), label);
            st = TLSP_INVAL;
            goto out;
        }
        e = find(label_end, len - (size_t)(label_end - data), end_prefix);
        if (e == NULL) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, name, line_at(data, boff),
                          "certificate block without its END line");
            st = TLSP_INVAL;
            goto out;
        }
        e_end = find(e + strlen(end_prefix), len - (size_t)(e + strlen(end_prefix) - data),
                     "-----");
        if (e_end == NULL) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, name, line_at(data, boff),
                          "malformed PEM END line");
            st = TLSP_INVAL;
            goto out;
        }
        e_end += 5;
        if (c->n == TLSP_CHAIN_MAX_CERTS) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, name, line_at(data, boff),
                          "more than %d certificates: not a server chain", TLSP_CHAIN_MAX_CERTS);
            st = TLSP_LIMIT;
            goto out;
        }
        if ((block = tlsp_strndup(b, (size_t)(e_end - b))) == NULL) {
            st = TLSP_NOMEM;
            goto out;
        }
        ERR_clear_error();
        bio = BIO_new_mem_buf(block, (int)strlen(block));
        x = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
        free(block);
        ERR_clear_error();
        if (x == NULL) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, name, line_at(data, boff),
                          "certificate %zu does not decode (bad base64 or DER)", c->n + 1);
            st = TLSP_INVAL;
            goto out;
        }
        c->certs[c->n++] = x;
        off = (size_t)(e_end - data);
    }
    if (c->n == 0) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, name, 0,
                      "no PEM certificate found (expected \"-----BEGIN CERTIFICATE-----\" "
                      "blocks, leaf first)");
        st = TLSP_INVAL;
    }
out:
    if (st != TLSP_OK) {
        tlsp_chain_free(c);
        return st;
    }
    *out = c;
    return TLSP_OK;
}

enum tlsp_status
tlsp_chain_load(const char *path, struct tlsp_chain **out, struct tlsp_diag *diag)
{
    char *data = NULL;
    size_t len = 0;
    enum tlsp_status st;

    *out = NULL;
    st = tlsp_read_file(path, TLSP_CHAIN_MAX_BYTES, &data, &len);
    if (st == TLSP_IO) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, path, 0, "cannot read: %s", strerror(errno));
        return st;
    }
    if (st == TLSP_LIMIT) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, path, 0,
                      "larger than %zu bytes: not a certificate chain", TLSP_CHAIN_MAX_BYTES);
        return st;
    }
    if (st != TLSP_OK)
        return st;
    st = tlsp_chain_parse(data, len, path, out, diag);
    free(data);
    return st;
}

enum tlsp_status
tlsp_chain_from_x509s(void *const *certs, size_t n, struct tlsp_chain **out,
                      struct tlsp_diag *diag)
{
    struct tlsp_chain *c;
    size_t i;

    *out = NULL;
    if (n == 0) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "empty certificate chain");
        return TLSP_INVAL;
    }
    if (n > TLSP_CHAIN_MAX_CERTS) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                      "certificate chain of %zu certificates: more than %d", n,
                      TLSP_CHAIN_MAX_CERTS);
        return TLSP_LIMIT;
    }
    for (i = 0; i < n; i++) {
        if (certs[i] == NULL) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                          "certificate chain: certificate %zu is missing", i);
            return TLSP_INVAL;
        }
    }
    c = calloc(1, sizeof(*c));
    if (c == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < n; i++) {
        X509 *x = certs[i];

        if (X509_up_ref(x) != 1) {
            tlsp_chain_free(c);
            return TLSP_NOMEM;
        }
        c->certs[c->n++] = x;
    }
    *out = c;
    return TLSP_OK;
}
