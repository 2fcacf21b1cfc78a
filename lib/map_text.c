/*
 * map_text.c - tables read from text: texthash:, inline:{...}, static:
 *
 * Postfix sources the behaviour comes from: util/readlline.c (logical
 * lines), util/dict_thash.c and postmap/postmap.c (the "key whitespace
 * value" format with quoted keys), util/dict_inline.c,
 * util/dict_static.c, util/split_nameval.c, util/extpar.c, util/balpar.c,
 * util/mystrtok.c. Facts and texts were checked against the installed
 * Postfix 3.7.11 (tests/postfix/map_postmap_test.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map_impl.h"
#include "util/str.h"
#include "util/utf8.h"

bool
tlsp_isspace(int c)
{
    /* Postfix's ISSPACE(): ASCII white space only */
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* ---- stringops after Postfix ---------------------------------------- */

size_t
tlsp_balpar(const char *s, const char *parens)
{
    const char *cp;
    int level = 1;

    if (*s != parens[0])
        return 0;
    for (cp = s + 1; *cp; cp++) {
        if (*cp == parens[1]) {
            if (--level == 0)
                return (size_t)(cp - s + 1);
        } else if (*cp == parens[0]) {
            level++;
        }
    }
    return 0;
}

char *
tlsp_mystrtokq(char **src, const char *sep, const char *parens)
{
    char *start = *src;
    char *cp;
    int level = 0;

    start += strspn(start, sep);
    if (*start == 0) {
        *src = start;
        return NULL;
    }
    for (cp = start; *cp; cp++) {
        if (*cp == parens[0]) {
            level++;
        } else if (level > 0 && *cp == parens[1]) {
            level--;
        } else if (level == 0 && strchr(sep, *cp) != NULL) {
            *cp++ = 0;
            break;
        }
    }
    *src = cp;
    return start;
}

/* Heap copy of "a" "b" "c"... concatenated; NULL on out of memory. */
static char *
concat(const char *a, const char *b, const char *c, const char *d, const char *e)
{
    struct tlsp_buf b2;

    tlsp_buf_init(&b2, TLSP_MAP_LINE_LIMIT);
    if (tlsp_buf_printf(&b2, "%s%s%s%s%s", a, b, c, d, e) != TLSP_OK) {
        tlsp_buf_fini(&b2);
        return NULL;
    }
    return tlsp_buf_steal(&b2);
}

static void
trim_end(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && tlsp_isspace((unsigned char)s[n - 1]))
        s[--n] = 0;
}

/* Returned by tlsp_extpar() when the error text itself cannot be built. */
static char oom_text[] = "out of memory";

char *
tlsp_extpar(char **bp, const char *parens, bool strip)
{
    char *cp = *bp;
    char *err = NULL;
    size_t len;
    char close[2] = {parens[1], 0};
    char open[2] = {parens[0], 0};

    if (cp[0] != parens[0]) {
        if ((err = concat("no '", open, "' at start of text in \"", cp, "\"")) == NULL)
            err = oom_text;
        len = strlen(cp);
    } else if ((len = tlsp_balpar(cp, parens)) == 0) {
        if ((err = concat("missing '", close, "' in \"", cp, "\"")) == NULL)
            err = oom_text;
        cp += 1;
        len = strlen(cp);
    } else {
        if (cp[len] != 0 &&
            (err = concat("syntax error after '", close, "' in \"", cp, "\"")) == NULL)
            err = oom_text;
        cp += 1;
        cp[len -= 2] = 0;
    }
    if (strip) {
        trim_end(cp);
        while (tlsp_isspace((unsigned char)*cp))
            cp++;
    }
    *bp = cp;
    return err;
}

static void
extpar_free(char *err)
{
    if (err != oom_text)
        free(err);
}

/* Postfix 3.7 split_nameval(): "name = value"; error text or NULL. */
static const char *
split_nameval(char *buf, char **name, char **value)
{
    char *np, *ep, *cp, *vp;

    for (np = buf; *np && tlsp_isspace((unsigned char)*np); np++)
        ;
    if (*np == 0)
        return "no key found; expected format: key = value";
    for (ep = np; *ep && !tlsp_isspace((unsigned char)*ep) && *ep != '='; ep++)
        ;
    for (cp = ep; *cp && tlsp_isspace((unsigned char)*cp); cp++)
        ;
    if (*cp != '=')
        return "missing '=' after attribute name";
    *ep = 0;
    cp++;
    for (vp = cp; *vp && tlsp_isspace((unsigned char)*vp); vp++)
        ;
    trim_end(vp);
    *name = np;
    *value = vp;
    return NULL;
}

/* ---- logical lines (readllines) ------------------------------------- */

void
tlsp_lline_init(struct tlsp_lline *r, const char *data, size_t len, const char *path, bool warn)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->lineno = 0;
    r->path = path;
    r->warn = warn;
}

enum tlsp_status
tlsp_lline_next(const struct tlsp_map *m, struct tlsp_lline *r, struct tlsp_buf *buf,
                unsigned *first_line, bool *found, struct tlsp_diag *diag)
{
    enum tlsp_status st;

    for (;;) {
        unsigned first = 0;

        tlsp_buf_reset(buf);
        for (;;) {
            size_t start = buf->len;
            const char *p = r->data + r->pos;
            const char *nl = memchr(p, '\n', r->len - r->pos);
            size_t n = nl ? (size_t)(nl - p) : r->len - r->pos;
            size_t i;

            if ((st = tlsp_buf_append(buf, p, n)) != TLSP_OK)
                return st;
            r->pos += n + (nl ? 1 : 0);
            if (nl || buf->len > start)
                r->lineno++;
            /* drop a comment line, an all-white-space line, an empty line */
            for (i = start; i < buf->len && tlsp_isspace((unsigned char)buf->data[i]); i++)
                ;
            if (i == buf->len || buf->data[i] == '#')
                tlsp_buf_truncate(buf, start);
            else if (start == 0)
                first = r->lineno;
            if (nl == NULL)
                break; /* end of input */
            if (buf->len > 0) {
                int next = r->pos < r->len ? (unsigned char)r->data[r->pos] : -1;

                if (next != '#' && !tlsp_isspace(next))
                    break;
            }
        }
        if (buf->len > 0 && tlsp_isspace((unsigned char)buf->data[0])) {
            /* continuation text without a preceding line: warn and skip */
            if (r->warn &&
                tlsp_map_msg(m, diag, TLSP_SEV_WARNING, r->path, first,
                             "%s: logical line must not start with whitespace: \"%.30s%s\"",
                             r->path, buf->data, strlen(buf->data) > 30 ? "..." : "") != TLSP_OK)
                return TLSP_NOMEM;
            continue;
        }
        *found = buf->len > 0;
        *first_line = first;
        return TLSP_OK;
    }
}

/* ---- postmap input format ------------------------------------------- */

enum tlsp_status
tlsp_map_text_parse(const struct tlsp_map *m, const char *path, const char *data, size_t len,
                    unsigned mode, struct tlsp_strmap *out, char **dup, struct tlsp_diag *diag)
{
    struct tlsp_lline rd;
    struct tlsp_buf line, folded;
    enum tlsp_status st = TLSP_OK;
    bool warn = (mode & TLSP_TEXT_WARN) != 0;
    bool utf8 = (mode & TLSP_TEXT_UTF8) != 0;
    const char *ign = " -- ignoring this line";

    if (dup)
        *dup = NULL;
    tlsp_lline_init(&rd, data, len, path, warn);
    tlsp_buf_init(&line, TLSP_MAP_LINE_LIMIT);
    tlsp_buf_init(&folded, TLSP_MAP_LINE_LIMIT);
    for (;;) {
        unsigned lineno;
        bool found, in_quotes = false;
        char *key, *value;
        struct tlsp_text_entry *e;

        if ((st = tlsp_lline_next(m, &rd, &line, &lineno, &found, diag)) != TLSP_OK || !found)
            break;
        key = line.data;
        if (utf8 && !tlsp_ascii_only(key) && !tlsp_utf8_valid(line.data, line.len)) {
            if (warn && (st = tlsp_map_msg(m, diag, TLSP_SEV_WARNING, path, lineno,
                                           "%s, line %u: non-UTF-8 input \"%s\"%s", path, lineno,
                                           key, ign)) != TLSP_OK)
                break;
            continue;
        }

        /* the key ends at the first white space outside "..."; \ escapes */
        for (value = key; *value; value++) {
            if (*value == '\\') {
                if (*++value == 0)
                    break;
            } else if (tlsp_isspace((unsigned char)*value)) {
                if (!in_quotes)
                    break;
            } else if (*value == '"') {
                in_quotes = !in_quotes;
            }
        }
        if (in_quotes) {
            if (warn && (st = tlsp_map_msg(m, diag, TLSP_SEV_WARNING, path, lineno,
                                           "%s, line %u: unbalanced '\"' in '%s'%s", path, lineno,
                                           key, ign)) != TLSP_OK)
                break;
            continue;
        }
        if (*value)
            *value++ = 0;
        while (tlsp_isspace((unsigned char)*value))
            value++;
        trim_end(value);
        if (*key == 0 || *value == 0) {
            if (warn && (st = tlsp_map_msg(m, diag, TLSP_SEV_WARNING, path, lineno,
                                           "%s, line %u: expected format: key whitespace "
                                           "value%s",
                                           path, lineno, ign)) != TLSP_OK)
                break;
            continue;
        }
        if (warn && key[strlen(key) - 1] == ':' &&
            (st = tlsp_map_msg(m, diag, TLSP_SEV_WARNING, path, lineno,
                               "%s, line %u: record is in \"key: value\" format; is this an "
                               "alias file?",
                               path, lineno)) != TLSP_OK)
            break;

        if (mode & TLSP_TEXT_FOLD) {
            st = tlsp_utf8_casefold(key, utf8, &folded);
        } else {
            tlsp_buf_reset(&folded);
            st = tlsp_buf_puts(&folded, key);
        }
        if (st == TLSP_INVAL) { /* cannot happen: the line was checked */
            st = TLSP_OK;
            continue;
        }
        if (st != TLSP_OK)
            break;
        if (tlsp_strmap_get(out, tlsp_buf_str(&folded)) != NULL) {
            struct tlsp_buf why;

            if (mode & TLSP_TEXT_DUP_FIRST)
                continue;
            /* dict_thash without DICT_FLAG_DUP_*: the whole table is unusable */
            tlsp_buf_init(&why, TLSP_BUF_TEXT_LIMIT);
            st = tlsp_buf_printf(&why, "%s, line %u: duplicate entry: \"%s\"", path, lineno, key);
            if (st == TLSP_LIMIT) {
                tlsp_buf_reset(&why);
                st = tlsp_buf_printf(&why, "%s, line %u: duplicate entry", path, lineno);
            }
            if (st == TLSP_OK && dup && (*dup = tlsp_buf_steal(&why)) == NULL)
                st = TLSP_NOMEM;
            tlsp_buf_fini(&why);
            break;
        }
        if ((e = calloc(1, sizeof(*e))) == NULL) {
            st = TLSP_NOMEM;
            break;
        }
        e->raw_key = tlsp_strdup(key);
        e->value = tlsp_strdup(value);
        e->line = lineno;
        if (e->raw_key == NULL || e->value == NULL ||
            (st = tlsp_strmap_put(out, tlsp_buf_str(&folded), e, NULL)) != TLSP_OK) {
            tlsp_text_entry_free(e);
            st = TLSP_NOMEM;
            break;
        }
    }
    tlsp_buf_fini(&line);
    tlsp_buf_fini(&folded);
    return st;
}

/* ---- texthash: and inline: share an in-memory table ------------------ */

struct hashed {
    struct tlsp_strmap entries; /* folded key -> struct tlsp_text_entry */
    char *file;                 /* texthash: the file; inline: NULL */
};

static enum tlsp_status
hashed_lookup(struct tlsp_map *m, const char *key, const char **value, struct tlsp_map_hit *hit,
              struct tlsp_diag *diag)
{
    struct hashed *h = m->impl;
    const struct tlsp_text_entry *e = tlsp_strmap_get(&h->entries, key);

    (void)diag;
    if (e == NULL)
        return TLSP_NOTFOUND;
    *value = e->value;
    if (hit) {
        hit->key = e->raw_key;
        hit->file = h->file;
        hit->line = e->line;
    }
    return TLSP_OK;
}

static void
hashed_close(struct tlsp_map *m)
{
    struct hashed *h = m->impl;

    if (h == NULL)
        return;
    tlsp_strmap_fini(&h->entries, tlsp_text_entry_free);
    free(h->file);
    free(h);
    m->impl = NULL;
}

static const struct tlsp_map_backend hashed_backend = {hashed_lookup, hashed_close};

static unsigned
text_mode(const struct tlsp_map *m)
{
    return ((m->flags & TLSP_MAP_FOLD_FIX) ? TLSP_TEXT_FOLD : 0) |
           ((m->flags & TLSP_MAP_UTF8) ? TLSP_TEXT_UTF8 : 0);
}

enum tlsp_status
tlsp_map_open_texthash(struct tlsp_map *m, struct tlsp_diag *diag)
{
    struct hashed *h = NULL;
    char *data = NULL;
    size_t len;
    char *dup = NULL;
    enum tlsp_status st;

    st = tlsp_map_read_text(m, m->name, &data, &len, diag);
    if (st == TLSP_IO) {
        /* dict_thash: open failure is a surrogate; a read error is fatal */
        if (errno == EISDIR)
            return tlsp_map_fatal(m, diag, "read %s: %s", m->name, strerror(errno));
        return tlsp_map_surrogate(m, diag, "open database %s: %s", m->name, strerror(errno));
    }
    if (st != TLSP_OK)
        return st;
    if ((h = calloc(1, sizeof(*h))) == NULL || (h->file = tlsp_strdup(m->name)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    tlsp_strmap_init(&h->entries);
    m->impl = h;
    m->be = &hashed_backend;
    h = NULL;
    st = tlsp_map_text_parse(m, m->name, data, len, text_mode(m) | TLSP_TEXT_WARN,
                             &((struct hashed *)m->impl)->entries, &dup, diag);
    if (st == TLSP_OK && dup) {
        hashed_close(m);
        m->be = NULL;
        st = tlsp_map_surrogate(m, diag, "%s", dup);
    }
out:
    if (h) {
        free(h->file);
        free(h);
    }
    free(dup);
    free(data);
    return st;
}

enum tlsp_status
tlsp_map_open_inline(struct tlsp_map *m, struct tlsp_diag *diag)
{
    const char *name = m->name;
    const char *need = "need \"inline:{name=value...}\"";
    char *saved = NULL, *cp, *nameval;
    const char *err = NULL;
    char *xperr = NULL;
    struct hashed *h;
    struct tlsp_buf folded;
    size_t len;
    unsigned count = 0;
    enum tlsp_status st = TLSP_OK;

    if ((m->flags & TLSP_MAP_UTF8) && !tlsp_ascii_only(name) &&
        !tlsp_utf8_valid(name, strlen(name)))
        return tlsp_map_surrogate(m, diag, "bad UTF-8 syntax: \"inline:%s\"; %s", name, need);
    if ((len = tlsp_balpar(name, "{}")) == 0 || name[len] != 0 || len < 3)
        return tlsp_map_surrogate(m, diag, "bad syntax: \"inline:%s\"; %s", name, need);
    if ((saved = tlsp_strndup(name + 1, len - 2)) == NULL)
        return TLSP_NOMEM;
    if ((h = calloc(1, sizeof(*h))) == NULL) {
        free(saved);
        return TLSP_NOMEM;
    }
    tlsp_strmap_init(&h->entries);
    tlsp_buf_init(&folded, TLSP_MAP_LINE_LIMIT);
    cp = saved;
    while ((nameval = tlsp_mystrtokq(&cp, TLSP_COMMA_SP, "{}")) != NULL) {
        char *vname, *value;
        struct tlsp_text_entry *e, *old;

        if (nameval[0] == '{' && (err = xperr = tlsp_extpar(&nameval, "{}", true)) != NULL)
            break;
        if ((err = split_nameval(nameval, &vname, &value)) != NULL)
            break;
        /* dict_ht update: no duplicate check, the last value wins */
        if ((st = tlsp_map_fold(m, vname, &folded)) != TLSP_OK) {
            if (st == TLSP_INVAL) { /* cannot happen: the name was checked */
                st = TLSP_OK;
                continue;
            }
            break;
        }
        if ((e = calloc(1, sizeof(*e))) == NULL) {
            st = TLSP_NOMEM;
            break;
        }
        e->raw_key = tlsp_strdup(vname);
        e->value = tlsp_strdup(value);
        if (e->raw_key == NULL || e->value == NULL ||
            tlsp_strmap_put(&h->entries, tlsp_buf_str(&folded), e, (void **)&old) != TLSP_OK) {
            tlsp_text_entry_free(e);
            st = TLSP_NOMEM;
            break;
        }
        tlsp_text_entry_free(old);
        count++;
    }
    tlsp_buf_fini(&folded);
    if (st == TLSP_OK && (err != NULL || count == 0)) {
        tlsp_strmap_fini(&h->entries, tlsp_text_entry_free);
        free(h);
        h = NULL;
        st = tlsp_map_surrogate(m, diag, "%s: \"inline:%s\"; %s", err ? err : "empty table", name,
                                need);
    } else if (st != TLSP_OK) {
        tlsp_strmap_fini(&h->entries, tlsp_text_entry_free);
        free(h);
        h = NULL;
    } else {
        m->impl = h;
        m->be = &hashed_backend;
    }
    if (xperr)
        extpar_free(xperr);
    free(saved);
    return st;
}

/* ---- static: ---------------------------------------------------------- */

struct static_table {
    char *value;
};

static enum tlsp_status
static_lookup(struct tlsp_map *m, const char *key, const char **value, struct tlsp_map_hit *hit,
              struct tlsp_diag *diag)
{
    const struct static_table *s = m->impl;

    (void)key;
    (void)diag;
    *value = s->value;
    if (hit) {
        hit->key = NULL;
        hit->file = NULL;
        hit->line = 0;
    }
    return TLSP_OK;
}

static void
static_close(struct tlsp_map *m)
{
    struct static_table *s = m->impl;

    if (s) {
        free(s->value);
        free(s);
    }
    m->impl = NULL;
}

static const struct tlsp_map_backend static_backend = {static_lookup, static_close};

enum tlsp_status
tlsp_map_open_static(struct tlsp_map *m, struct tlsp_diag *diag)
{
    struct static_table *s;
    char *saved = NULL, *cp;
    const char *value = m->name;
    enum tlsp_status st = TLSP_OK;

    if (m->name[0] == '{') {
        char *err;

        if ((saved = cp = tlsp_strdup(m->name)) == NULL)
            return TLSP_NOMEM;
        if ((err = tlsp_extpar(&cp, "{}", true)) != NULL) {
            st = tlsp_map_surrogate(m, diag, "bad static:name syntax: %s", err);
            extpar_free(err);
            free(saved);
            return st;
        }
        value = cp;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL || (s->value = tlsp_strdup(value)) == NULL) {
        free(s);
        free(saved);
        return TLSP_NOMEM;
    }
    free(saved);
    m->impl = s;
    m->be = &static_backend;
    return TLSP_OK;
}
