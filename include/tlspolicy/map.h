/*
 * map.h - Postfix lookup tables, read as Postfix reads them
 *
 * WHAT     Opens one "type:name" table and answers lookups exactly as
 *          Postfix's dict layer would: texthash:, inline:{...}, static:,
 *          hash: and btree: (the compiled .db, Berkeley DB 5.3), lmdb:
 *          (.lmdb), cdb: (.cdb, tinycdb), regexp: (POSIX regex), pcre:
 *          (PCRE2; both also in the inline "{ {rule}, ... }" form), fail:,
 *          and the proxy: prefix (the table behind it is read directly).
 *          Other types Postfix knows (socketmap:, mysql:, ldap:, ...) open
 *          as "not supported yet" tables whose every lookup fails with
 *          TLSP_UNSUPPORTED; unknown types as Postfix's surrogate
 *          ("unsupported dictionary type: X").
 * CONTRACT A table that cannot be opened does not make tlsp_map_open()
 *          fail: like Postfix's surrogate table it opens, records Postfix's
 *          warning ("TYPE:NAME is unavailable. REASON"), and every lookup
 *          then returns TLSP_RETRY with that reason. Callers decide whether
 *          a lookup error is fatal (policy tables: defer) or a warning.
 *          A compiled table older than its source, or whose entries differ
 *          from the source beside it, gets a warning or note in diag.
 *          Returned strings are borrowed from the map and valid until the
 *          next lookup on it or tlsp_map_free().
 *          Lookups answer at the level of Postfix's dict layer: a table
 *          may return an empty value (inline:{a=}, static:{}); Postfix's
 *          maps_find(), which serves every *_maps parameter, turns an
 *          empty result into a lookup error ("... returns an empty string
 *          result"), and callers emulating a *_maps parameter must too.
 *          Messages: TLSP_SEV_WARNING / _ERROR / _FATAL carry Postfix's own
 *          text (bytes Postfix would not log shown as '?'), with a leading
 *          "FILE, line N: " or "FILE: " moved into the file and line fields;
 *          TLSP_SEV_NOTE carries tlspolicy's remarks.
 *          Where tlspolicy cannot predict Postfix (a type it does not read,
 *          a file beyond its size limits) it says so with TLSP_UNSUPPORTED
 *          or TLSP_LIMIT instead of guessing.
 * SEE ALSO postmap(1), DATABASE_README, regexp_table(5), pcre_table(5),
 *          cdb_table(5), lmdb_table(5).
 */
#ifndef TLSPOLICY_MAP_H
#define TLSPOLICY_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tlsp_map;

/* Open flags, after Postfix's DICT_FLAG_* of the same meaning. */
#define TLSP_MAP_FOLD_FIX 0x1u /* fixed-key tables lower-case the query (DICT_FLAG_FOLD_FIX) */
/*
 * TLSP_MAP_UTF8 - DICT_FLAG_UTF8_REQUEST in a Postfix with smtputf8_enable
 * = yes (the default from compatibility_level 1 on; Debian's built-in
 * level is 0, so it is off unless main.cf raises the level or sets it).
 * Then, as Postfix's dict_utf8 layer does: a query that is not UTF-8 is
 * not found (with a warning), a non-UTF-8 result is a lookup error,
 * fixed-key tables fold case with Unicode rules (ICU) instead of ASCII
 * only, and texthash: skips lines that are not UTF-8.
 */
#define TLSP_MAP_UTF8 0x2u

/* Where a lookup result came from, for explanations. */
struct tlsp_map_hit {
    const char *key;  /* the key or pattern that matched, as written in the table */
    const char *file; /* the text file holding it (source file for compiled
                         tables, the table itself for texthash/regexp/pcre),
                         or NULL (inline:, static:, or no source file) */
    unsigned line;    /* line of the entry in file, or 0 when unknown */
};
/*
 * hit.key per type: texthash:, inline: the key as written; regexp:, pcre:
 * the pattern(s) with flags as written ("!/^a/i", "/a/!/b/"); compiled
 * tables the key as written in the source file when that file exists and
 * holds the same entry, else the key as stored; static: NULL.
 */

/*
 * tlsp_map_open - open one table
 *
 * In:   spec   "type:name", e.g. "hash:/etc/postfix/tls_policy",
 *              "texthash:tls_policy", "inline:{ a=b, {c = d e} }",
 *              "proxy:lmdb:/etc/postfix/x", "static:{value with spaces}",
 *              "regexp:/etc/postfix/re", "pcre:{ {/^a/ b}, {/c/ d} }".
 *              File names are used as given (relative ones from the
 *              working directory; diag notes that Postfix's smtp(8)
 *              resolves them from queue_directory). A spec without "type:"
 *              or with an empty type or name is refused (Postfix:
 *              "open dictionary: expecting \"type:name\" form instead of
 *              \"...\"", fatal).
 *       flags  TLSP_MAP_* bits. smtp(8) opens smtp_tls_policy_maps with
 *              TLSP_MAP_FOLD_FIX, plus TLSP_MAP_UTF8 when smtputf8_enable
 *              is on.
 * Out:  out    the table; free with tlsp_map_free(). Set whenever the
 *              return is TLSP_OK, even if the table is unavailable; NULL
 *              otherwise.
 *       diag   Postfix's warnings (unavailable table, stale table, bad
 *              lines of texthash/regexp/pcre tables with file and line),
 *              tlspolicy's notes (proxy: read directly, relative path,
 *              compiled table differs from its source, type not read yet).
 *              May be NULL.
 * Returns TLSP_OK; TLSP_INVAL for a spec without "type:" (diag says so)
 *       or a NULL argument; TLSP_LIMIT when a text file exceeds 64 MiB or a
 *       POSIX regexp repeats sub-expressions so often that compiling it
 *       could take very long (diag names file and line: tlspolicy will not
 *       guess what Postfix makes of it); TLSP_NOMEM.
 * Source: Postfix dict_open(), dict_surrogate(), dict_db.c, dict_lmdb.c,
 *       dict_cdb.c, dict_thash.c, dict_inline.c, dict_static.c,
 *       dict_regexp.c, dict_pcre.c, dict_stream.c, dict_utf8.c.
 */
enum tlsp_status tlsp_map_open(const char *spec, unsigned flags, struct tlsp_map **out,
                               struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_map_free - release the table and every string borrowed from it;
 * NULL is a no-op. */
void tlsp_map_free(struct tlsp_map *m);

/*
 * tlsp_map_lookup - look up one key
 *
 * In:   m      an open table; lookups change its state (see below).
 *       key    the query, a C string; fixed-key tables opened with
 *              TLSP_MAP_FOLD_FIX see it lower-cased, pattern tables
 *              (regexp, pcre) see it as given. An empty key is looked up
 *              like any other (Postfix's maps_find() never asks for one).
 * Out:  value  on TLSP_OK, the result (with $1... substituted for pattern
 *              tables; possibly ""); borrowed until the next lookup on m.
 *              NULL otherwise.
 *       hit    if not NULL, filled on TLSP_OK (all NULL/0 otherwise).
 *       diag   may be NULL; on TLSP_RETRY or TLSP_UNSUPPORTED the reason;
 *              warnings Postfix logs during the lookup (non-UTF-8 key,
 *              regexec errors).
 * Returns TLSP_OK (found), TLSP_NOTFOUND, TLSP_RETRY (the table is
 *       unavailable or the lookup failed: Postfix's DICT_ERR_RETRY or
 *       DICT_ERR_CONFIG; fail: tables always), TLSP_UNSUPPORTED (a type
 *       tlspolicy does not read yet: socketmap:, mysql:, ...), TLSP_LIMIT
 *       (a $number substitution result above 1 MiB, a key above 64 MiB),
 *       TLSP_INVAL (NULL argument), TLSP_NOMEM.
 *       Compiled tables keep Postfix's state between lookups: once a key
 *       was found with (or without) a trailing NUL, only that form is
 *       tried afterwards, as DICT_FLAG_TRY1NULL/TRY0NULL do.
 */
enum tlsp_status tlsp_map_lookup(struct tlsp_map *m, const char *key, const char **value,
                                 struct tlsp_map_hit *hit, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_map_spec - "type:name" as given to tlsp_map_open(); borrowed. */
const char *tlsp_map_spec(const struct tlsp_map *m);

/* tlsp_map_type - "hash", "texthash", ... (after any "proxy:" prefix);
 * borrowed. */
const char *tlsp_map_type(const struct tlsp_map *m);

/* tlsp_map_is_fixed - true for exact-key tables, false for regexp/pcre
 * (Postfix's DICT_FLAG_FIXED versus DICT_FLAG_PATTERN); false for an
 * unavailable table too, as Postfix's surrogate is a pattern table. */
bool tlsp_map_is_fixed(const struct tlsp_map *m);

/*
 * tlsp_map_is_available - false when every lookup fails: Postfix's
 * surrogate (the table could not be opened; reason "TYPE:NAME is
 * unavailable. REASON", or the fatal text when Postfix would exit, e.g.
 * "dict_cdbq_open: unable to init X.cdb: Protocol error"), a fail: table,
 * or a type tlspolicy does not read yet. reason, if not NULL, gets that
 * text (NULL when available); borrowed until tlsp_map_free().
 */
bool tlsp_map_is_available(const struct tlsp_map *m, const char **reason);

/* tlsp_map_type_supported - whether tlspolicy can read tables of this type
 * ("proxy" counts: it reads the table behind it). */
bool tlsp_map_type_supported(const char *type);

#ifdef __cplusplus
}
#endif

#endif
