/*
 * tlsconf.h - Postfix's TLS settings turned into what OpenSSL is given
 *
 * WHAT     Cipher grade + exclusions -> the OpenSSL cipher string
 *          (tls_set_ciphers()), protocol lists checked and described
 *          (tls_proto_mask_lims()), fingerprint lists parsed
 *          (tls_dane_add_fpt_digests()), trust-anchor files read
 *          (tls_dane_load_trustfile()).
 * CONTRACT Each function reports Postfix's own warning text through an
 *          out-parameter and returns a status; nothing logs or exits.
 *          OpenSSL is used to decide whether a cipher string selects any
 *          cipher and to parse PEM, as Postfix does.
 * SEE ALSO spec 5.2, 5.3, 5.4, 1.5 (trust-anchor files).
 */
#ifndef TLSP_TLSCONF_H
#define TLSP_TLSCONF_H

#include <stdbool.h>

#include <tlspolicy/status.h>

#include "util/strvec.h"

/*
 * tlsp_tlsconf_cipherlist - the cipher string Postfix hands to OpenSSL
 *
 * In:   grade       "high", "medium", ... (case-insensitive).
 *       grade_list  the expanded tls_<grade>_cipherlist value, or NULL when
 *                   grade is not a known grade.
 *       exclusions  space/comma/colon separated exclusions.
 * Out:  list        heap string on TLSP_OK.
 *       problem     on TLSP_INVAL, heap text of Postfix's handshake-time
 *                   warning without the "HOST[ADDR]:PORT: " prefix, e.g.
 *                   "invalid cipher grade: \"bogus\"" or "error setting cipher grade:
 *                   \"medium\"" (OpenSSL selects no cipher; Postfix names the grade).
 * Returns TLSP_OK; TLSP_INVAL (Postfix fails the handshake); TLSP_NOMEM.
 */
enum tlsp_status tlsp_tlsconf_cipherlist(const char *grade, const char *grade_list,
                                         const char *exclusions, char **list,
                                         char **problem) TLSP_MUST_CHECK;

/* tlsp_tlsconf_grade_param - "tls_high_cipherlist" for "HIGH", or NULL. */
const char *tlsp_tlsconf_grade_param(const char *grade);

/*
 * tlsp_tlsconf_protocols - check a protocol list and describe what it allows
 *
 * In:   protocols  e.g. ">=TLSv1", "!SSLv2, !SSLv3", "TLSv1.2:TLSv1.3".
 *       seclevel1  the session runs at OpenSSL security level 1 (Postfix's
 *                  levels that check certificates): OpenSSL 3 then refuses
 *                  TLSv1 and TLSv1.1, and the text says so.
 * Out:  text       heap description: "TLSv1 to TLSv1.3", "TLSv1.3 only",
 *                  "no TLS version" (OpenSSL's contiguous range).
 *       problem    on TLSP_INVAL, heap text of Postfix's warning, e.g.
 *                  "Invalid TLS protocol list \"bogus\": aborting TLS session".
 * Returns TLSP_OK, TLSP_INVAL, TLSP_NOMEM.
 */
enum tlsp_status tlsp_tlsconf_protocols(const char *protocols, bool seclevel1, char **text,
                                        char **problem) TLSP_MUST_CHECK;

/*
 * tlsp_tlsconf_protocol_limits - a protocol list as tls_client_start()
 *       applies it to a session
 *
 * In:   protocols  as for tlsp_tlsconf_protocols().
 * Out:  no_opts    SSL_OP_NO_* bits of the excluded protocols (for
 *                  SSL_set_options()).
 *       min, max   the floor and ceiling as wire versions, 0 for none (for
 *                  SSL_set_min/max_proto_version()).
 *       problem    on TLSP_INVAL, heap text of Postfix's warning, as
 *                  tlsp_tlsconf_protocols().
 * Returns TLSP_OK, TLSP_INVAL, TLSP_NOMEM.
 * Source: Postfix tls/tls_misc.c tls_proto_mask_lims(), tls_protocol_mask().
 */
enum tlsp_status tlsp_tlsconf_protocol_limits(const char *protocols, unsigned long *no_opts,
                                              int *min, int *max,
                                              char **problem) TLSP_MUST_CHECK;

/*
 * tlsp_tlsconf_fingerprints - parse digests as tls_dane_add_fpt_digests()
 *
 * In:   values  the list text; delims: "|" for a policy match=, ", \t\r\n"
 *               for smtp_tls_fingerprint_cert_match.
 * Out:  good    the well-formed digests, as written, appended.
 *       warnings  Postfix's "malformed fingerprint value: X" texts, appended.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_tlsconf_fingerprints(const char *values, const char *delims,
                                           struct tlsp_strvec *good,
                                           struct tlsp_strvec *warnings) TLSP_MUST_CHECK;

/*
 * tlsp_tlsconf_fpt_decode - a well-formed fingerprint ("AB:CD:..." or
 *       "ABCD...") as bytes
 *
 * Out:  out  at most max bytes.
 * Returns the number of bytes, or 0 when text is malformed or longer than max.
 */
size_t tlsp_tlsconf_fpt_decode(const char *text, unsigned char *out, size_t max);

/*
 * tlsp_tlsconf_digest_len - output size in bytes of a digest name known to
 *       OpenSSL ("md5" 16, "sha256" 32 ...), or 0 when OpenSSL knows none.
 */
unsigned tlsp_tlsconf_digest_len(const char *name);

/*
 * tlsp_tlsconf_load_tafile - read a trust-anchor file as Postfix does
 *
 * Out:  n_anchors  certificates and public keys found.
 *       warning    on TLSP_INVAL, heap text of Postfix's warning, or NULL
 *                  when Postfix fails without one (no PEM object).
 * Returns TLSP_OK; TLSP_INVAL (Postfix marks the policy invalid); TLSP_NOMEM.
 */
enum tlsp_status tlsp_tlsconf_load_tafile(const char *path, unsigned *n_anchors,
                                          char **warning) TLSP_MUST_CHECK;

/*
 * tlsp_tlsconf_read_tafile - as tlsp_tlsconf_load_tafile(), handing each
 *       anchor to cb as it is read
 *
 * In:   cb   called with selector 0 and the DER certificate, or selector 1
 *            and the DER SubjectPublicKeyInfo; returns false on out of
 *            memory (the read then stops with TLSP_NOMEM). May be NULL.
 */
typedef bool tlsp_tafile_cb(void *arg, int selector, const unsigned char *der, long len);
enum tlsp_status tlsp_tlsconf_read_tafile(const char *path, tlsp_tafile_cb *cb, void *arg,
                                          unsigned *n_anchors, char **warning) TLSP_MUST_CHECK;

#endif
