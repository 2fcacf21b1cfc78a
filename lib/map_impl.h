/*
 * map_impl.h - what the table families of the map module share (private)
 *
 * WHAT     The struct tlsp_map behind the public handle, the backend
 *          interface each table family implements (map_text.c: texthash,
 *          inline, static; map_db.c: hash, btree, lmdb, cdb; map_regex.c:
 *          regexp, pcre), and the helpers they use: Postfix-style messages,
 *          surrogate (unavailable) tables, bounded file reading and the
 *          logical-line reader of Postfix's readllines().
 * CONTRACT Backends see a key already validated and folded the way
 *          Postfix's dict_utf8 layer and DICT_FLAG_FOLD_FIX would (map.c
 *          does it); they store results in m->val_buf or their own memory
 *          and return TLSP_OK, TLSP_NOTFOUND, TLSP_RETRY, TLSP_LIMIT or
 *          TLSP_NOMEM. An open function returns TLSP_OK both for a usable
 *          table and for a surrogate (tlsp_map_surrogate(), ...), and
 *          TLSP_LIMIT / TLSP_NOMEM when no table can be built at all.
 *          Not part of the public API.
 */
#ifndef TLSP_MAP_IMPL_H
#define TLSP_MAP_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/map.h>
#include <tlspolicy/status.h>

#include "util/buf.h"
#include "util/strmap.h"

/* Largest text file (texthash, regexp, pcre, source of a compiled table). */
#define TLSP_MAP_TEXT_LIMIT ((size_t)64 << 20)
/* Largest regexp/pcre result after $number substitution. */
#define TLSP_MAP_RESULT_LIMIT ((size_t)1 << 20)
/* Largest logical line, key or value handled (bounded by the file limit). */
#define TLSP_MAP_LINE_LIMIT TLSP_MAP_TEXT_LIMIT

struct tlsp_map;

struct tlsp_map_backend {
    /* Look up a key (already folded/validated); see CONTRACT above. */
    enum tlsp_status (*lookup)(struct tlsp_map *m, const char *key, const char **value,
                               struct tlsp_map_hit *hit, struct tlsp_diag *diag);
    /* Release m->impl. */
    void (*close)(struct tlsp_map *m);
};

struct tlsp_map {
    char *spec;                   /* as given to tlsp_map_open() */
    char *type;                   /* "hash", ... after any "proxy:" */
    char *name;                   /* what follows "type:" */
    char *dict_name;              /* the name Postfix's per-table messages use ("X.db" for hash) */
    unsigned flags;               /* TLSP_MAP_* */
    bool fixed;                   /* DICT_FLAG_FIXED (false for patterns and surrogates) */
    bool available;               /* false: surrogate or unsupported; lookups fail */
    bool utf8_layer;              /* dict_open3() adds dict_utf8 in front (not for unknown types) */
    enum tlsp_status fail_status; /* TLSP_RETRY or TLSP_UNSUPPORTED when !available */
    enum tlsp_severity fail_sev;  /* severity of reason at lookup */
    char *reason;                 /* Postfix's per-lookup text when !available */
    const struct tlsp_map_backend *be;
    void *impl;
    struct tlsp_buf key_buf; /* folded query */
    struct tlsp_buf val_buf; /* value storage for backends */
};

/* Bits for tlsp_map_text_parse(). */
#define TLSP_TEXT_FOLD 0x1u      /* lower-case keys (DICT_FLAG_FOLD_FIX) */
#define TLSP_TEXT_UTF8 0x2u      /* smtputf8_enable = yes: UTF-8 checks, Unicode folding */
#define TLSP_TEXT_WARN 0x4u      /* record Postfix's texthash warnings in diag */
#define TLSP_TEXT_DUP_FIRST 0x8u /* postmap's DICT_FLAG_DUP_WARN: keep the first entry */

/* One entry of a text table (texthash, inline, or a compiled table's source). */
struct tlsp_text_entry {
    char *raw_key; /* as written */
    char *value;
    unsigned line; /* first line of the logical line, 0 for inline: */
};

/* tlsp_text_entry_free - free an entry (strmap callback). */
void tlsp_text_entry_free(void *e);

/*
 * tlsp_map_msg - add a message, made printable as Postfix logs it
 *
 * The text is formatted, bytes Postfix would not log become '?', and a
 * leading "FILE, line N: " or "FILE: " naming file is moved into the
 * message's file and line fields.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_map_msg(const struct tlsp_map *m, struct tlsp_diag *diag,
                              enum tlsp_severity sev, const char *file, unsigned line,
                              const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/*
 * tlsp_map_surrogate - make m an unavailable table, as dict_surrogate()
 *
 * reason (printf format) is Postfix's open-failure text; lookups then
 * fail with "TYPE:NAME is unavailable. REASON", which is also recorded in
 * diag now as a warning.
 */
enum tlsp_status tlsp_map_surrogate(struct tlsp_map *m, struct tlsp_diag *diag, const char *fmt,
                                    ...) __attribute__((format(printf, 3, 4)));

/* tlsp_map_fatal - as tlsp_map_surrogate() for an open error that makes
 * Postfix exit (msg_fatal): the text is recorded as TLSP_SEV_FATAL. */
enum tlsp_status tlsp_map_fatal(struct tlsp_map *m, struct tlsp_diag *diag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * tlsp_map_read_text - read a table's text file
 *
 * Returns TLSP_OK; TLSP_IO with errno set (the caller words Postfix's
 * message); TLSP_LIMIT (diag names the file and the limit); TLSP_NOMEM.
 */
enum tlsp_status tlsp_map_read_text(const struct tlsp_map *m, const char *path, char **data,
                                    size_t *len, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* Postfix's readllines() over a buffer in memory. */
struct tlsp_lline {
    const char *data;
    size_t len;
    size_t pos;
    unsigned lineno;  /* physical lines read so far */
    const char *path; /* for the leading-whitespace warning */
    bool warn;        /* record that warning in diag */
};

void tlsp_lline_init(struct tlsp_lline *r, const char *data, size_t len, const char *path,
                     bool warn);

/*
 * tlsp_lline_next - the next logical line
 *
 * Out:  buf         reset, then the logical line (physical lines joined as
 *                   they are, comment and blank lines dropped); may hold
 *                   NUL bytes: callers use it as a C string, as Postfix does.
 *       first_line  line number of its first physical line.
 *       found       false at end of input.
 * Returns TLSP_OK, TLSP_LIMIT or TLSP_NOMEM.
 */
enum tlsp_status tlsp_lline_next(const struct tlsp_map *m, struct tlsp_lline *r,
                                 struct tlsp_buf *buf, unsigned *first_line, bool *found,
                                 struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_map_text_parse - parse postmap(1) input format into entries
 *
 * In:   path   file name for messages; data/len its contents.
 *       mode   TLSP_TEXT_* bits.
 * Out:  out    folded key -> struct tlsp_text_entry (owned by out).
 *       dup    without TLSP_TEXT_DUP_FIRST, set to a heap string with
 *              Postfix's duplicate-entry reason at the first duplicate key
 *              (parsing stops there); NULL otherwise.
 * Returns TLSP_OK, TLSP_LIMIT or TLSP_NOMEM.
 */
enum tlsp_status tlsp_map_text_parse(const struct tlsp_map *m, const char *path, const char *data,
                                     size_t len, unsigned mode, struct tlsp_strmap *out, char **dup,
                                     struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_map_fold - fold a key for storage or lookup as m's flags say;
 * TLSP_INVAL for invalid UTF-8 in UTF-8 mode. */
enum tlsp_status tlsp_map_fold(const struct tlsp_map *m, const char *key,
                               struct tlsp_buf *out) TLSP_MUST_CHECK;

/* Text helpers shaped after Postfix's stringops. */
size_t tlsp_balpar(const char *s, const char *parens);
char *tlsp_mystrtokq(char **src, const char *sep, const char *parens);
char *tlsp_extpar(char **bp, const char *parens, bool strip); /* heap error text or NULL */
bool tlsp_isspace(int c);

/* Backend open functions. */
enum tlsp_status tlsp_map_open_texthash(struct tlsp_map *m, struct tlsp_diag *diag);
enum tlsp_status tlsp_map_open_inline(struct tlsp_map *m, struct tlsp_diag *diag);
enum tlsp_status tlsp_map_open_static(struct tlsp_map *m, struct tlsp_diag *diag);
enum tlsp_status tlsp_map_open_db(struct tlsp_map *m, struct tlsp_diag *diag); /* hash, btree */
enum tlsp_status tlsp_map_open_lmdb(struct tlsp_map *m, struct tlsp_diag *diag);
enum tlsp_status tlsp_map_open_cdb(struct tlsp_map *m, struct tlsp_diag *diag);
enum tlsp_status tlsp_map_open_regexp(struct tlsp_map *m, struct tlsp_diag *diag);
enum tlsp_status tlsp_map_open_pcre(struct tlsp_map *m, struct tlsp_diag *diag);

#endif
