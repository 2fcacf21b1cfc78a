/*
 * map.c - Postfix lookup tables: opening, the UTF-8 and case-folding layer,
 *         surrogate tables, and the messages every table family shares
 *
 * Postfix's dict_open3() picks a table type, the type's open function
 * builds the table or a surrogate (dict_surrogate.c), and dict_utf8.c
 * wraps lookups with UTF-8 checks and case folding when smtputf8_enable is
 * on. This file does the same steps; the families live in map_text.c,
 * map_db.c and map_regex.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/map.h>

#include "map_impl.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/utf8.h"

/* Families tlspolicy reads, with Postfix's DICT_FLAG_FIXED of each. */
static const struct {
    const char *type;
    enum tlsp_status (*open)(struct tlsp_map *m, struct tlsp_diag *diag);
    bool fixed;
} families[] = {
    {"texthash", tlsp_map_open_texthash, true}, {"inline", tlsp_map_open_inline, true},
    {"static", tlsp_map_open_static, true},     {"hash", tlsp_map_open_db, true},
    {"btree", tlsp_map_open_db, true},          {"lmdb", tlsp_map_open_lmdb, true},
    {"cdb", tlsp_map_open_cdb, true},           {"regexp", tlsp_map_open_regexp, false},
    {"pcre", tlsp_map_open_pcre, false},        {"fail", NULL, false},
};

/*
 * Types Postfix 3.7 on Debian knows (postconf -m, plus the ones its
 * postfix-ldap, -mysql, -pgsql and -sqlite packages add) that tlspolicy does
 * not read yet. Any other type is unknown to Postfix too.
 */
static const struct {
    const char *type;
    const char *package; /* Debian package that adds it, or NULL */
} not_yet[] = {
    {"cidr", NULL},
    {"environ", NULL},
    {"internal", NULL},
    {"memcache", NULL},
    {"nis", NULL},
    {"pipemap", NULL},
    {"randmap", NULL},
    {"socketmap", NULL},
    {"tcp", NULL},
    {"unionmap", NULL},
    {"unix", NULL},
    {"ldap", "postfix-ldap"},
    {"mysql", "postfix-mysql"},
    {"pgsql", "postfix-pgsql"},
    {"sqlite", "postfix-sqlite"},
};

#define N_ELEM(a) (sizeof(a) / sizeof((a)[0]))

static int
family_index(const char *type)
{
    size_t i;

    for (i = 0; i < N_ELEM(families); i++)
        if (strcmp(families[i].type, type) == 0)
            return (int)i;
    return -1;
}

void
tlsp_text_entry_free(void *p)
{
    struct tlsp_text_entry *e = p;

    if (e == NULL)
        return;
    free(e->raw_key);
    free(e->value);
    free(e);
}

/* Move a leading "FILE, line N: " or "FILE: " into the message fields. */
static const char *
strip_file_prefix(const char *text, const char *file, unsigned line)
{
    size_t fl;
    const char *p;
    char num[32];
    int n;

    if (file == NULL || strncmp(text, file, fl = strlen(file)) != 0)
        return text;
    p = text + fl;
    if (line > 0) {
        n = snprintf(num, sizeof(num), ", line %u: ", line);
        if (n > 0 && strncmp(p, num, (size_t)n) == 0)
            return p + n;
    }
    if (p[0] == ':' && p[1] == ' ')
        return p + 2;
    return text;
}

static enum tlsp_status vmsg(const struct tlsp_map *m, struct tlsp_diag *diag,
                             enum tlsp_severity sev, const char *file, unsigned line,
                             const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static enum tlsp_status
vmsg(const struct tlsp_map *m, struct tlsp_diag *diag, enum tlsp_severity sev, const char *file,
     unsigned line, const char *fmt, va_list ap)
{
    struct tlsp_buf raw, shown;
    enum tlsp_status st;

    if (diag == NULL)
        return TLSP_OK;
    tlsp_buf_init(&raw, TLSP_BUF_TEXT_LIMIT);
    tlsp_buf_init(&shown, TLSP_BUF_TEXT_LIMIT);
    st = tlsp_buf_vprintf(&raw, fmt, ap);
    if (st == TLSP_LIMIT) {
        /* a huge key or line: keep what fits, as a log line would be cut */
        st = TLSP_OK;
    }
    if (st == TLSP_OK)
        st = tlsp_printable_append(&shown, tlsp_buf_str(&raw),
                                   m != NULL && (m->flags & TLSP_MAP_UTF8) != 0);
    if (st == TLSP_LIMIT)
        st = TLSP_OK;
    if (st == TLSP_OK)
        st = tlsp_diag_add(diag, sev, file, line, "%s",
                           strip_file_prefix(tlsp_buf_str(&shown), file, line));
    tlsp_buf_fini(&raw);
    tlsp_buf_fini(&shown);
    return st == TLSP_OK ? TLSP_OK : TLSP_NOMEM;
}

enum tlsp_status
tlsp_map_msg(const struct tlsp_map *m, struct tlsp_diag *diag, enum tlsp_severity sev,
             const char *file, unsigned line, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = vmsg(m, diag, sev, file, line, fmt, ap);
    va_end(ap);
    return st;
}

/* Common part of the surrogate variants. */
static enum tlsp_status make_unavailable(struct tlsp_map *m, struct tlsp_diag *diag, bool fatal,
                                         const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static enum tlsp_status
make_unavailable(struct tlsp_map *m, struct tlsp_diag *diag, bool fatal, const char *fmt,
                 va_list ap)
{
    struct tlsp_buf why, full;
    enum tlsp_status st;

    tlsp_buf_init(&why, TLSP_BUF_TEXT_LIMIT);
    tlsp_buf_init(&full, TLSP_BUF_TEXT_LIMIT);
    st = tlsp_buf_vprintf(&why, fmt, ap);
    if (st == TLSP_OK && fatal)
        st = tlsp_buf_puts(&full, tlsp_buf_str(&why));
    else if (st == TLSP_OK)
        st = tlsp_buf_printf(&full, "%s:%s is unavailable. %s", m->type, m->name,
                             tlsp_buf_str(&why));
    if (st == TLSP_OK) {
        /* the text as Postfix logs it: bytes it would not show become '?' */
        tlsp_buf_reset(&why);
        st = tlsp_printable_append(&why, tlsp_buf_str(&full), (m->flags & TLSP_MAP_UTF8) != 0);
    }
    if (st == TLSP_OK) {
        free(m->reason);
        if ((m->reason = tlsp_buf_steal(&why)) == NULL)
            st = TLSP_NOMEM;
    }
    if (st == TLSP_OK) {
        /* the surrogate carries the name it was asked for ("X", not "X.db") */
        free(m->dict_name);
        if ((m->dict_name = tlsp_strdup(m->name)) == NULL)
            st = TLSP_NOMEM;
    }
    if (st == TLSP_OK) {
        m->available = false;
        m->fixed = false; /* dict_surrogate: DICT_FLAG_PATTERN */
        m->fail_status = TLSP_RETRY;
        m->fail_sev = fatal ? TLSP_SEV_FATAL : TLSP_SEV_WARNING;
        st = tlsp_map_msg(m, diag, m->fail_sev, NULL, 0, "%s", m->reason);
    }
    tlsp_buf_fini(&why);
    tlsp_buf_fini(&full);
    return st == TLSP_OK ? TLSP_OK : TLSP_NOMEM;
}

enum tlsp_status
tlsp_map_surrogate(struct tlsp_map *m, struct tlsp_diag *diag, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = make_unavailable(m, diag, false, fmt, ap);
    va_end(ap);
    return st;
}

enum tlsp_status
tlsp_map_fatal(struct tlsp_map *m, struct tlsp_diag *diag, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = make_unavailable(m, diag, true, fmt, ap);
    va_end(ap);
    return st;
}

enum tlsp_status
tlsp_map_read_text(const struct tlsp_map *m, const char *path, char **data, size_t *len,
                   struct tlsp_diag *diag)
{
    enum tlsp_status st = tlsp_read_file(path, TLSP_MAP_TEXT_LIMIT, data, len);

    if (st == TLSP_LIMIT &&
        tlsp_map_msg(m, diag, TLSP_SEV_ERROR, path, 0,
                     "%s: file is larger than tlspolicy's limit of %zu MiB for table text; "
                     "cannot predict what Postfix does with %s:%s",
                     path, TLSP_MAP_TEXT_LIMIT >> 20, m->type, m->name) != TLSP_OK)
        return TLSP_NOMEM;
    return st;
}

enum tlsp_status
tlsp_map_fold(const struct tlsp_map *m, const char *key, struct tlsp_buf *out)
{
    bool utf8 = (m->flags & TLSP_MAP_UTF8) != 0;

    if (m->flags & TLSP_MAP_FOLD_FIX)
        return tlsp_utf8_casefold(key, utf8, out);
    tlsp_buf_reset(out);
    if (utf8 && !tlsp_ascii_only(key) && !tlsp_utf8_valid(key, strlen(key)))
        return TLSP_INVAL;
    return tlsp_buf_puts(out, key);
}

/* A "type:name" spec is split as Postfix's dict_open()/dict_open3() do. */
static enum tlsp_status
split_spec(const char *spec, char **type, char **name, struct tlsp_diag *diag)
{
    const char *colon = strchr(spec, ':');

    *type = *name = NULL;
    if (colon == NULL) {
        if (tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0,
                          "open dictionary: expecting \"type:name\" form instead of \"%s\"",
                          spec) != TLSP_OK)
            return TLSP_NOMEM;
        return TLSP_INVAL;
    }
    if (colon == spec || colon[1] == 0) {
        if (tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0,
                          "open dictionary: expecting \"type:name\" form instead of \"%s\"",
                          spec) != TLSP_OK)
            return TLSP_NOMEM;
        return TLSP_INVAL;
    }
    *type = tlsp_strndup(spec, (size_t)(colon - spec));
    *name = tlsp_strdup(colon + 1);
    if (*type == NULL || *name == NULL) {
        free(*type);
        free(*name);
        *type = *name = NULL;
        return TLSP_NOMEM;
    }
    return TLSP_OK;
}

/* fail:NAME - every lookup fails (fail_table(5)); Postfix logs nothing itself. */
static enum tlsp_status
open_fail(struct tlsp_map *m, struct tlsp_diag *diag)
{
    struct tlsp_buf b;

    (void)diag;
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if (tlsp_buf_printf(&b, "fail:%s: every lookup of a fail: table fails (fail_table(5))",
                        m->name) != TLSP_OK) {
        tlsp_buf_fini(&b);
        return TLSP_NOMEM;
    }
    m->reason = tlsp_buf_steal(&b);
    if (m->reason == NULL)
        return TLSP_NOMEM;
    m->available = false;
    m->fail_status = TLSP_RETRY;
    m->fail_sev = TLSP_SEV_NOTE;
    return TLSP_OK;
}

static enum tlsp_status
open_not_yet(struct tlsp_map *m, const char *package, struct tlsp_diag *diag)
{
    struct tlsp_buf b;
    enum tlsp_status st;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    st = tlsp_buf_printf(&b,
                         "%s:%s: tlspolicy does not read %s: tables yet; lookups in it "
                         "cannot be predicted",
                         m->type, m->name, m->type);
    if (st == TLSP_OK && package)
        st = tlsp_buf_printf(&b, " (Postfix needs the Debian package %s for this type)", package);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return TLSP_NOMEM;
    }
    if ((m->reason = tlsp_buf_steal(&b)) == NULL)
        return TLSP_NOMEM;
    m->available = false;
    m->fail_status = TLSP_UNSUPPORTED;
    m->fail_sev = TLSP_SEV_ERROR;
    return tlsp_map_msg(m, diag, TLSP_SEV_NOTE, NULL, 0, "%s", m->reason);
}

/* Whether a file-based name is relative (Postfix daemons run in queue_directory). */
static enum tlsp_status
note_relative(const struct tlsp_map *m, struct tlsp_diag *diag)
{
    static const char *const file_types[] = {"texthash", "hash",   "btree", "lmdb",
                                             "cdb",      "regexp", "pcre"};
    size_t i;

    if (m->name[0] == '/' || m->name[0] == '{')
        return TLSP_OK;
    for (i = 0; i < N_ELEM(file_types); i++)
        if (strcmp(m->type, file_types[i]) == 0)
            return tlsp_map_msg(m, diag, TLSP_SEV_NOTE, NULL, 0,
                                "%s:%s: relative path: tlspolicy reads it from its working "
                                "directory; Postfix's smtp(8) resolves it from "
                                "queue_directory",
                                m->type, m->name);
    return TLSP_OK;
}

enum tlsp_status
tlsp_map_open(const char *spec, unsigned flags, struct tlsp_map **out, struct tlsp_diag *diag)
{
    struct tlsp_map *m = NULL;
    enum tlsp_status st;
    bool proxied = false;
    int fi;
    size_t i;

    if (out == NULL)
        return TLSP_INVAL;
    *out = NULL;
    if (spec == NULL)
        return TLSP_INVAL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return TLSP_NOMEM;
    m->flags = flags;
    m->available = true;
    m->utf8_layer = true;
    tlsp_buf_init(&m->key_buf, TLSP_MAP_LINE_LIMIT);
    tlsp_buf_init(&m->val_buf, TLSP_MAP_LINE_LIMIT);
    if ((m->spec = tlsp_strdup(spec)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if ((st = split_spec(spec, &m->type, &m->name, diag)) != TLSP_OK)
        goto out;
    /* proxy:TYPE:NAME - read TYPE:NAME directly (proxymap(8) would open it) */
    while (strcmp(m->type, "proxy") == 0) {
        char *inner = m->name;

        free(m->type);
        m->type = NULL;
        m->name = NULL;
        st = split_spec(inner, &m->type, &m->name, diag);
        free(inner);
        if (st != TLSP_OK)
            goto out;
        proxied = true;
    }
    if ((m->dict_name = tlsp_strdup(m->name)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if (proxied &&
        (st = tlsp_map_msg(m, diag, TLSP_SEV_NOTE, NULL, 0,
                           "%s: read directly as %s:%s; Postfix's smtp(8) asks proxymap(8), "
                           "which serves only tables listed in proxy_read_maps "
                           "(smtp_tls_policy_maps is, by default)",
                           spec, m->type, m->name)) != TLSP_OK)
        goto out;
    if ((st = note_relative(m, diag)) != TLSP_OK)
        goto out;
    if ((fi = family_index(m->type)) >= 0) {
        m->fixed = families[fi].fixed;
        st = families[fi].open ? families[fi].open(m, diag) : open_fail(m, diag);
        goto out;
    }
    for (i = 0; i < N_ELEM(not_yet); i++) {
        if (strcmp(not_yet[i].type, m->type) == 0) {
            st = open_not_yet(m, not_yet[i].package, diag);
            goto out;
        }
    }
    /* dict_open3() returns this surrogate before adding the UTF-8 layer */
    m->utf8_layer = false;
    st = tlsp_map_surrogate(m, diag, "unsupported dictionary type: %s", m->type);

out:
    if (st != TLSP_OK) {
        tlsp_map_free(m);
        return st;
    }
    *out = m;
    return TLSP_OK;
}

void
tlsp_map_free(struct tlsp_map *m)
{
    if (m == NULL)
        return;
    if (m->be && m->be->close)
        m->be->close(m);
    free(m->spec);
    free(m->type);
    free(m->name);
    free(m->dict_name);
    free(m->reason);
    tlsp_buf_fini(&m->key_buf);
    tlsp_buf_fini(&m->val_buf);
    free(m);
}

enum tlsp_status
tlsp_map_lookup(struct tlsp_map *m, const char *key, const char **value, struct tlsp_map_hit *hit,
                struct tlsp_diag *diag)
{
    enum tlsp_status st;
    bool utf8;

    if (value)
        *value = NULL;
    if (hit) {
        hit->key = NULL;
        hit->file = NULL;
        hit->line = 0;
    }
    if (m == NULL || key == NULL || value == NULL)
        return TLSP_INVAL;

    /*
     * dict_utf8_lookup(): with smtputf8_enable, a key that is not UTF-8 is
     * skipped with a warning (not found); fixed-key tables opened with
     * DICT_FLAG_FOLD_FIX get the key case-folded. Without UTF-8, the
     * table itself lower-cases ASCII letters. Surrogates have the UTF-8
     * layer too (except for unknown types), but as pattern tables they
     * are never folded.
     */
    utf8 = (m->flags & TLSP_MAP_UTF8) != 0;
    if (m->fixed && (m->flags & TLSP_MAP_FOLD_FIX))
        st = tlsp_utf8_casefold(key, utf8, &m->key_buf);
    else if (utf8 && m->utf8_layer && !tlsp_ascii_only(key) && !tlsp_utf8_valid(key, strlen(key)))
        st = TLSP_INVAL;
    else {
        tlsp_buf_reset(&m->key_buf);
        st = tlsp_buf_puts(&m->key_buf, key);
    }
    if (st == TLSP_INVAL) {
        if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, NULL, 0,
                         "%s:%s: non-UTF-8 key \"%s\": malformed UTF-8 or invalid codepoint",
                         m->type, m->dict_name, key) != TLSP_OK)
            return TLSP_NOMEM;
        return TLSP_NOTFOUND;
    }
    if (st != TLSP_OK)
        return st;
    if (!m->available) {
        if (tlsp_map_msg(m, diag, m->fail_sev, NULL, 0, "%s", m->reason) != TLSP_OK)
            return TLSP_NOMEM;
        return m->fail_status;
    }

    st = m->be->lookup(m, tlsp_buf_str(&m->key_buf), value, hit, diag);
    if (st == TLSP_OK && utf8 && !tlsp_ascii_only(*value) &&
        !tlsp_utf8_valid(*value, strlen(*value))) {
        /* dict_utf8_lookup(): DICT_ERR_CONFIG, a lookup error */
        if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, NULL, 0,
                         "%s:%s: key \"%s\": non-UTF-8 value \"%s\": malformed UTF-8 or "
                         "invalid codepoint",
                         m->type, m->dict_name, key, *value) != TLSP_OK)
            return TLSP_NOMEM;
        *value = NULL;
        if (hit) {
            hit->key = NULL;
            hit->file = NULL;
            hit->line = 0;
        }
        return TLSP_RETRY;
    }
    if (st != TLSP_OK) {
        *value = NULL;
        if (hit) {
            hit->key = NULL;
            hit->file = NULL;
            hit->line = 0;
        }
    }
    return st;
}

const char *
tlsp_map_spec(const struct tlsp_map *m)
{
    return m->spec;
}

const char *
tlsp_map_type(const struct tlsp_map *m)
{
    return m->type;
}

bool
tlsp_map_is_fixed(const struct tlsp_map *m)
{
    return m->fixed;
}

bool
tlsp_map_is_available(const struct tlsp_map *m, const char **reason)
{
    if (reason)
        *reason = m->available ? NULL : m->reason;
    return m->available;
}

bool
tlsp_map_type_supported(const char *type)
{
    return type != NULL && (family_index(type) >= 0 || strcmp(type, "proxy") == 0);
}
