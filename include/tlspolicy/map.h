/*
 * map.h - Postfix lookup tables, read as Postfix reads them
 *
 * WHAT     Opens one "type:name" table and answers lookups exactly as
 *          Postfix's dict layer would: texthash:, inline:{...}, static:,
 *          hash: and btree: (the compiled .db, Berkeley DB 5.3), lmdb:
 *          (.lmdb), cdb: (.cdb, tinycdb), regexp: (POSIX regex), pcre:
 *          (PCRE2), and the proxy: prefix (the table behind it is read
 *          directly). Other types (socketmap:, mysql:, ldap:, ...) open as
 *          "not supported yet" tables whose every lookup fails.
 * CONTRACT A table that cannot be opened does not make tlsp_map_open()
 *          fail: like Postfix's surrogate table it opens, records Postfix's
 *          warning ("TYPE:NAME is unavailable. REASON"), and every lookup
 *          then returns TLSP_RETRY with that reason. Callers decide whether
 *          a lookup error is fatal (policy tables: defer) or a warning.
 *          A compiled table older than its source, or whose entries differ
 *          from the source beside it, gets a warning or note in diag.
 *          Returned strings are borrowed from the map and valid until the
 *          next lookup on it or tlsp_map_free().
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

/* Where a lookup result came from, for explanations. */
struct tlsp_map_hit {
    const char *key;  /* the key or pattern that matched, as written in the table */
    const char *file; /* the text file holding it (source file for compiled
                         tables, the table itself for texthash/regexp/pcre),
                         or NULL (inline:, static:, or no source file) */
    unsigned line;    /* line of the entry in file, or 0 when unknown */
};

/*
 * tlsp_map_open - open one table
 *
 * In:   spec   "type:name", e.g. "hash:/etc/postfix/tls_policy",
 *              "texthash:tls_policy", "inline:{ a=b, {c = d e} }",
 *              "proxy:lmdb:/etc/postfix/x", "static:{value with spaces}".
 *              A name without a type is refused (Postfix: "need dictionary
 *              type:name").
 *       flags  TLSP_MAP_* bits.
 * Out:  out    the table; free with tlsp_map_free(). Set whenever the
 *              return is TLSP_OK, even if the table is unavailable.
 *       diag   Postfix's warnings (unavailable table, stale table, regexp
 *              syntax errors with file and line), tlspolicy's notes.
 * Returns TLSP_OK; TLSP_INVAL for a spec without "type:" (diag says so);
 *       TLSP_NOMEM.
 * Source: Postfix dict_open(), dict_surrogate(), dict_db.c, dict_lmdb.c,
 *       dict_cdb.c, dict_thash.c, dict_inline.c, dict_static.c,
 *       dict_regexp.c, dict_pcre.c.
 */
enum tlsp_status tlsp_map_open(const char *spec, unsigned flags, struct tlsp_map **out,
                               struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_map_free - release; NULL is a no-op. */
void tlsp_map_free(struct tlsp_map *m);

/*
 * tlsp_map_lookup - look up one key
 *
 * In:   key    the query; fixed-key tables opened with TLSP_MAP_FOLD_FIX
 *              see it lower-cased, pattern tables (regexp, pcre) see it as
 *              given.
 * Out:  value  on TLSP_OK, the result (with $1... substituted for pattern
 *              tables); borrowed.
 *       hit    if not NULL, filled on TLSP_OK.
 *       diag   on TLSP_RETRY, the reason.
 * Returns TLSP_OK (found), TLSP_NOTFOUND, TLSP_RETRY (the table is
 *       unavailable or the lookup failed: Postfix's DICT_ERR_RETRY),
 *       TLSP_NOMEM.
 */
enum tlsp_status tlsp_map_lookup(struct tlsp_map *m, const char *key, const char **value,
                                 struct tlsp_map_hit *hit, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_map_spec - "type:name" as given to tlsp_map_open(). */
const char *tlsp_map_spec(const struct tlsp_map *m);

/* tlsp_map_type - "hash", "texthash", ... (after any "proxy:" prefix). */
const char *tlsp_map_type(const struct tlsp_map *m);

/* tlsp_map_is_fixed - true for exact-key tables, false for regexp/pcre
 * (Postfix's DICT_FLAG_FIXED versus DICT_FLAG_PATTERN). */
bool tlsp_map_is_fixed(const struct tlsp_map *m);

/* tlsp_map_is_available - false when the table could not be opened (every
 * lookup fails); reason gets Postfix's text if not NULL. */
bool tlsp_map_is_available(const struct tlsp_map *m, const char **reason);

/* tlsp_map_type_supported - whether tlspolicy can read tables of this type. */
bool tlsp_map_type_supported(const char *type);

#ifdef __cplusplus
}
#endif

#endif
