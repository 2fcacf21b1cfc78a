/*
 * idna.h - internationalised domain names, converted as Debian's Postfix does
 *
 * WHAT     UTF-8 domain name to A-labels with ICU's UTS-46 processing,
 *          non-transitional (Postfix midna_domain_to_ascii()).
 * CONTRACT The result is a heap string the caller frees.
 */
#ifndef TLSP_IDNA_H
#define TLSP_IDNA_H

#include <tlspolicy/status.h>

/*
 * tlsp_idna_to_ascii - "bücher.example" -> "xn--bcher-kva.example"
 *
 * In:   name   UTF-8 domain name (ASCII names are lower-cased as UTS-46 maps them).
 * Out:  out    heap string on TLSP_OK.
 *       err    if not NULL, a static text naming the problem on failure.
 * Returns TLSP_OK; TLSP_INVAL when UTS-46 reports an error for the name;
 *       TLSP_NOMEM.
 * Source: Postfix util/midna_domain.c (uidna_openUTS46 with
 *       UIDNA_NONTRANSITIONAL_TO_ASCII).
 */
enum tlsp_status tlsp_idna_to_ascii(const char *name, char **out, const char **err) TLSP_MUST_CHECK;

#endif
