/*
 * chain.h - a server certificate chain as the server sends it
 *
 * WHAT     Reads PEM certificates, leaf first, from a file or memory: a
 *          plain PEM bundle, or the text "openssl s_client -showcerts"
 *          prints (anything between the PEM blocks is skipped).
 * CONTRACT At most TLSP_CHAIN_MAX_CERTS certificates and
 *          TLSP_CHAIN_MAX_BYTES of input; a block that is not a
 *          certificate, or a certificate that does not parse, is an error
 *          naming the file and the block's line. Nothing prints or exits.
 * SEE ALSO openssl-s_client(1) -showcerts; RFC 7468 (PEM).
 */
#ifndef TLSPOLICY_CHAIN_H
#define TLSPOLICY_CHAIN_H

#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_CHAIN_MAX_CERTS 32
#define TLSP_CHAIN_MAX_BYTES ((size_t)1 << 20)

struct tlsp_chain;

/*
 * tlsp_chain_parse - read certificates from memory
 *
 * In:   data, len  the text (need not be NUL-terminated).
 *       name       what to call the input in messages (a file name).
 * Out:  out        the chain on TLSP_OK; free with tlsp_chain_free().
 *       diag       on failure, why, with the line of the offending block.
 * Returns TLSP_OK; TLSP_INVAL (no certificate, a malformed or non-certificate
 *       PEM block); TLSP_LIMIT (too many certificates or bytes); TLSP_NOMEM.
 */
enum tlsp_status tlsp_chain_parse(const char *data, size_t len, const char *name,
                                  struct tlsp_chain **out,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_chain_load - tlsp_chain_parse() of a file; TLSP_IO when unreadable. */
enum tlsp_status tlsp_chain_load(const char *path, struct tlsp_chain **out,
                                 struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_chain_from_x509s - a chain from certificates in memory, leaf first
 *
 * In:   certs  n OpenSSL X509 * (given as void * so that this header needs
 *              no OpenSSL), e.g. from SSL_get_peer_cert_chain(); each is
 *              up-referenced, the caller keeps its own references.
 *       n      how many; 1 to TLSP_CHAIN_MAX_CERTS.
 * Out:  out    the chain on TLSP_OK; free with tlsp_chain_free().
 *       diag   on failure, why.
 * Returns TLSP_OK; TLSP_INVAL (n is 0 or an element is NULL); TLSP_LIMIT
 *       (more than TLSP_CHAIN_MAX_CERTS); TLSP_NOMEM.
 */
enum tlsp_status tlsp_chain_from_x509s(void *const *certs, size_t n, struct tlsp_chain **out,
                                       struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_chain_free(struct tlsp_chain *chain);

/* tlsp_chain_count - number of certificates. */
size_t tlsp_chain_count(const struct tlsp_chain *chain);

/*
 * tlsp_chain_x509 - certificate i (0 = the leaf) as an OpenSSL X509 *,
 *       borrowed; returned as void * so that this header needs no OpenSSL.
 */
void *tlsp_chain_x509(const struct tlsp_chain *chain, size_t i);

#ifdef __cplusplus
}
#endif

#endif
