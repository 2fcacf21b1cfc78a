/*
 * pftext.h - the text conventions of Postfix's configuration files
 *
 * WHAT     Logical lines as Postfix's readllines() joins them, "name =
 *          value" as split_nameval() splits it, "{ text }" as extpar()
 *          extracts it, and tokens as mystrtok()/mystrtokq() cut them.
 *          Behaviour, not code, follows Postfix 3.7's util library.
 * CONTRACT Works on caller-owned memory; nothing here allocates except the
 *          logical-line buffer, which has the limit given at init. White
 *          space is the C locale's isspace() set unless a function says
 *          otherwise. Knows nothing of mail.
 * SEE ALSO postconf(5) "The general format of the main.cf file", master(5).
 */
#ifndef TLSP_UTIL_PFTEXT_H
#define TLSP_UTIL_PFTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/status.h>

#include "buf.h"

/* Postfix's CHARS_SPACE: token separators in master.cf and expansions. */
#define TLSP_PF_BLANKS " \t\r\n"

/* tlsp_pf_isspace - Postfix's ISSPACE(): C-locale isspace() on ASCII. */
bool tlsp_pf_isspace(int c);

/* tlsp_pf_isalnum - Postfix's ISALNUM(): ASCII letters and digits. */
bool tlsp_pf_isalnum(int c);

/* A position in a file given as bytes in memory. */
struct tlsp_pf_reader {
    const char *data; /* file contents; may hold NUL bytes */
    size_t len;       /* bytes in data */
    size_t pos;       /* next byte to read */
    unsigned lineno;  /* physical lines consumed so far */
};

/* Where each physical line starts inside a logical line. */
struct tlsp_pf_segment {
    size_t off;    /* byte offset in the logical line */
    unsigned line; /* 1-based physical line number */
};

/* One logical line: the physical lines joined without their newlines. */
struct tlsp_pf_lline {
    struct tlsp_buf text;         /* joined bytes, NUL-terminated; may hold NULs */
    unsigned first_line;          /* line of the first non-comment line */
    struct tlsp_pf_segment *segs; /* one per joined physical line */
    size_t n_segs;
    size_t cap_segs;
};

void tlsp_pf_reader_init(struct tlsp_pf_reader *r, const char *data, size_t len);

/* tlsp_pf_lline_init - empty logical line whose text may grow to limit bytes. */
void tlsp_pf_lline_init(struct tlsp_pf_lline *ll, size_t limit);
void tlsp_pf_lline_fini(struct tlsp_pf_lline *ll);

/* tlsp_pf_lline_line_at - physical line of the byte at offset off. */
unsigned tlsp_pf_lline_line_at(const struct tlsp_pf_lline *ll, size_t off);

/*
 * tlsp_pf_readllines - read the next logical line (Postfix readllines())
 *
 * Skips comment lines (first non-blank byte '#') and blank lines, even
 * between the lines of one logical line; a line that starts with white
 * space continues the previous one and is appended as it is, without the
 * newline. A logical line that itself starts with white space is dropped
 * with Postfix's warning, which is passed to warn() as the text after
 * "PATH: ": "logical line must not start with whitespace: \"...\"" (the
 * first 30 bytes, then "..." when longer).
 * In:   r      reader.
 *       warn   called for each dropped line; may be NULL. Its status, if
 *              not TLSP_OK, is returned.
 *       ctx    passed to warn.
 * Out:  ll     the logical line (reset first).
 *       got    true when a logical line was read, false at end of input.
 * Returns TLSP_OK, TLSP_LIMIT (logical line longer than the limit) or
 *       TLSP_NOMEM.
 */
enum tlsp_status tlsp_pf_readllines(struct tlsp_pf_reader *r, struct tlsp_pf_lline *ll,
                                    enum tlsp_status (*warn)(void *ctx, const char *text),
                                    void *ctx, bool *got) TLSP_MUST_CHECK;

/*
 * tlsp_pf_split_nameval - split "name = value" in place (split_nameval())
 *
 * White space around '=' and at both ends is dropped; the value may be
 * empty and may contain '='.
 * Returns NULL and sets *name, *value (pointers into buf); or Postfix's
 *       error text: "missing attribute name", "missing '=' after
 *       attribute name" (buf is then unchanged).
 */
const char *tlsp_pf_split_nameval(char *buf, char **name, char **value);

/*
 * tlsp_pf_token - next token separated by any byte of sep (mystrtok())
 *
 * Returns the token (NUL-terminated in place) and advances *src, or NULL
 * when only separators remain.
 */
char *tlsp_pf_token(char **src, const char *sep);

/*
 * tlsp_pf_token_quoted - as tlsp_pf_token(), but separators inside balanced
 *       "{...}" do not split (mystrtokq() with "{}").
 */
char *tlsp_pf_token_quoted(char **src, const char *sep);

/*
 * tlsp_pf_extpar - strip the "{" and its balancing "}" (extpar() with
 *       EXTPAR_FLAG_STRIP), and white space just inside them
 *
 * In:   *bp    text starting with '{'; modified in place.
 * Out:  *bp    the text inside, set as Postfix sets it even on error.
 *       err    NULL, or Postfix's error text on the heap (caller frees):
 *              "missing '}' in \"TEXT\"" or "syntax error after '}' in
 *              \"TEXT\"".
 * Returns TLSP_OK (whether or not *err was set) or TLSP_NOMEM.
 */
enum tlsp_status tlsp_pf_extpar(char **bp, char **err) TLSP_MUST_CHECK;

#endif
