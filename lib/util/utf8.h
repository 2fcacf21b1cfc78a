/*
 * utf8.h - UTF-8 validation, case folding and printable text
 *
 * WHAT     The three UTF-8 operations Postfix's utility library applies to
 *          table keys, values and log messages: valid_utf8_string()
 *          (RFC 3629), casefold() (ICU full case folding, "en_US" case map,
 *          U_FOLD_CASE_DEFAULT; plain ASCII lower-casing for ASCII input)
 *          and printable() (bytes that cannot be shown become '?').
 * CONTRACT Knows nothing of mail or tables. Never exits; output goes into
 *          a bounded struct tlsp_buf supplied by the caller.
 * SEE ALSO Postfix util/valid_utf8_string.c, util/casefold.c,
 *          util/printable.c.
 */
#ifndef TLSP_UTIL_UTF8_H
#define TLSP_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/status.h>

#include "buf.h"

/* tlsp_ascii_only - whether every byte of the C string s is below 0x80. */
bool tlsp_ascii_only(const char *s);

/*
 * tlsp_utf8_valid - whether len bytes at s are well-formed UTF-8
 *
 * RFC 3629: no over-long forms, no surrogates (U+D800..U+DFFF), nothing
 * above U+10FFFF. A NUL byte is valid (it is ASCII).
 */
bool tlsp_utf8_valid(const char *s, size_t len);

/*
 * tlsp_utf8_casefold - fold a key as Postfix's casefold() does
 *
 * In:   src   C string.
 *       utf8  true: Postfix with smtputf8_enable = yes (Unicode folding
 *             of valid UTF-8; invalid UTF-8 is refused); false: ASCII
 *             letters only, other bytes unchanged.
 * Out:  out   reset, then the folded text (NUL-terminated).
 * Returns TLSP_OK; TLSP_INVAL when utf8 is true and src is not valid
 *       UTF-8 (Postfix: "malformed UTF-8 or invalid codepoint");
 *       TLSP_LIMIT (out's limit) or TLSP_NOMEM.
 */
enum tlsp_status tlsp_utf8_casefold(const char *src, bool utf8,
                                    struct tlsp_buf *out) TLSP_MUST_CHECK;

/*
 * tlsp_printable_append - append s to out the way Postfix logs it
 *
 * Printable ASCII is kept; with utf8, well-formed multi-byte UTF-8 is
 * kept too; every other byte becomes '?'.
 * Returns TLSP_OK, TLSP_LIMIT or TLSP_NOMEM.
 */
enum tlsp_status tlsp_printable_append(struct tlsp_buf *out, const char *s,
                                       bool utf8) TLSP_MUST_CHECK;

#endif
