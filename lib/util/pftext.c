/*
 * pftext.c - the text conventions of Postfix's configuration files
 *
 * Behaviour established against Postfix 3.7.11 (postconf, master); see
 * tests/unit/cf_test.c for the cases.
 */
#include <stdlib.h>
#include <string.h>

#include "pftext.h"

bool
tlsp_pf_isspace(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool
tlsp_pf_isalnum(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

void
tlsp_pf_reader_init(struct tlsp_pf_reader *r, const char *data, size_t len)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->lineno = 0;
}

void
tlsp_pf_lline_init(struct tlsp_pf_lline *ll, size_t limit)
{
    tlsp_buf_init(&ll->text, limit);
    ll->first_line = 0;
    ll->segs = NULL;
    ll->n_segs = 0;
    ll->cap_segs = 0;
}

void
tlsp_pf_lline_fini(struct tlsp_pf_lline *ll)
{
    tlsp_buf_fini(&ll->text);
    free(ll->segs);
    ll->segs = NULL;
    ll->n_segs = 0;
    ll->cap_segs = 0;
}

unsigned
tlsp_pf_lline_line_at(const struct tlsp_pf_lline *ll, size_t off)
{
    size_t i;
    unsigned line = ll->first_line;

    for (i = 0; i < ll->n_segs && ll->segs[i].off <= off; i++)
        line = ll->segs[i].line;
    return line;
}

static enum tlsp_status
add_segment(struct tlsp_pf_lline *ll, size_t off, unsigned line)
{
    if (ll->n_segs == ll->cap_segs) {
        size_t cap = ll->cap_segs ? ll->cap_segs * 2 : 8;
        struct tlsp_pf_segment *v = realloc(ll->segs, cap * sizeof(*v));

        if (v == NULL)
            return TLSP_NOMEM;
        ll->segs = v;
        ll->cap_segs = cap;
    }
    ll->segs[ll->n_segs].off = off;
    ll->segs[ll->n_segs].line = line;
    ll->n_segs++;
    return TLSP_OK;
}

/* read_physical - append one physical line (without newline); *eof at end */
static enum tlsp_status
read_physical(struct tlsp_pf_reader *r, struct tlsp_pf_lline *ll, bool *eof)
{
    size_t start = r->pos;
    size_t end;
    const char *nl;
    enum tlsp_status st;

    nl = memchr(r->data + start, '\n', r->len - start);
    end = nl ? (size_t)(nl - r->data) : r->len;
    if ((st = tlsp_buf_append(&ll->text, r->data + start, end - start)) != TLSP_OK)
        return st;
    /* A line counts when it ends in a newline or holds text (Postfix). */
    if (nl || end > start)
        r->lineno++;
    r->pos = nl ? end + 1 : end;
    *eof = nl == NULL;
    return TLSP_OK;
}

enum tlsp_status
tlsp_pf_readllines(struct tlsp_pf_reader *r, struct tlsp_pf_lline *ll,
                   enum tlsp_status (*warn)(void *ctx, const char *text), void *ctx, bool *got)
{
    enum tlsp_status st;

    *got = false;
    for (;;) {
        tlsp_buf_reset(&ll->text);
        ll->n_segs = 0;
        ll->first_line = 0;
        for (;;) {
            size_t start = ll->text.len;
            size_t i;
            bool eof;
            int next;

            if (r->pos >= r->len)
                break;
            if ((st = read_physical(r, ll, &eof)) != TLSP_OK)
                return st;
            for (i = start; i < ll->text.len && tlsp_pf_isspace((unsigned char)ll->text.data[i]);
                 i++)
                continue;
            if (i == ll->text.len || ll->text.data[i] == '#') {
                tlsp_buf_truncate(&ll->text, start);
            } else {
                if (start == 0)
                    ll->first_line = r->lineno;
                if ((st = add_segment(ll, start, r->lineno)) != TLSP_OK)
                    return st;
            }
            if (eof)
                break;
            if (ll->text.len > 0) {
                next = r->pos < r->len ? (unsigned char)r->data[r->pos] : -1;
                if (next != '#' && !tlsp_pf_isspace(next))
                    break;
            }
        }
        if (ll->text.len == 0)
            return TLSP_OK;
        if (!tlsp_pf_isspace((unsigned char)ll->text.data[0])) {
            *got = true;
            return TLSP_OK;
        }
        /* Continuing text without preceding text: Postfix warns and skips it. */
        if (warn) {
            struct tlsp_buf msg;

            tlsp_buf_init(&msg, TLSP_BUF_TEXT_LIMIT);
            st = tlsp_buf_printf(&msg, "logical line must not start with whitespace: \"%.30s%s\"",
                                 ll->text.data, ll->text.len > 30 ? "..." : "");
            if (st == TLSP_OK)
                st = warn(ctx, tlsp_buf_str(&msg));
            tlsp_buf_fini(&msg);
            if (st != TLSP_OK)
                return st;
        }
    }
}

const char *
tlsp_pf_split_nameval(char *buf, char **name, char **value)
{
    char *np, *ep, *cp, *vp, *end;

    for (np = buf; *np && tlsp_pf_isspace((unsigned char)*np); np++)
        continue;
    if (*np == 0 || *np == '=')
        return "missing attribute name";
    for (ep = np; *ep && !tlsp_pf_isspace((unsigned char)*ep) && *ep != '='; ep++)
        continue;
    for (cp = ep; *cp && tlsp_pf_isspace((unsigned char)*cp); cp++)
        continue;
    if (*cp != '=')
        return "missing '=' after attribute name";
    *ep = 0;
    cp++;
    for (vp = cp; *vp && tlsp_pf_isspace((unsigned char)*vp); vp++)
        continue;
    for (end = vp + strlen(vp); end > vp && tlsp_pf_isspace((unsigned char)end[-1]); end--)
        continue;
    *end = 0;
    *name = np;
    *value = vp;
    return NULL;
}

char *
tlsp_pf_token(char **src, const char *sep)
{
    char *start = *src + strspn(*src, sep);
    char *end;

    if (*start == 0)
        return NULL;
    end = start + strcspn(start, sep);
    if (*end)
        *end++ = 0;
    *src = end;
    return start;
}

char *
tlsp_pf_token_quoted(char **src, const char *sep)
{
    char *cp = *src + strspn(*src, sep);
    char *start;
    int level = 0;

    if (*cp == 0)
        return NULL;
    for (start = cp; *cp; cp++) {
        if (*cp == '{') {
            level++;
        } else if (level > 0 && *cp == '}') {
            level--;
        } else if (level == 0 && strchr(sep, *cp) != NULL) {
            *cp++ = 0;
            break;
        }
    }
    *src = cp;
    return start;
}

/* balpar - length of "{...}" with its balancing "}", or 0 when unbalanced */
static size_t
balpar(const char *s)
{
    const char *cp;
    int level = 1;

    for (cp = s + 1; *cp; cp++) {
        if (*cp == '}') {
            if (--level == 0)
                return (size_t)(cp - s) + 1;
        } else if (*cp == '{') {
            level++;
        }
    }
    return 0;
}

static char *
error_text(const char *what, const char *text)
{
    struct tlsp_buf b;

    tlsp_buf_init(&b, (size_t)-1 / 2);
    if (tlsp_buf_printf(&b, "%s '}' in \"%s\"", what, text) != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

enum tlsp_status
tlsp_pf_extpar(char **bp, char **err)
{
    char *cp = *bp;
    size_t len;

    *err = NULL;
    if ((len = balpar(cp)) == 0) {
        if ((*err = error_text("missing", cp)) == NULL)
            return TLSP_NOMEM;
        *bp = cp + 1;
        return TLSP_OK;
    }
    if (cp[len] != 0 && (*err = error_text("syntax error after", cp)) == NULL)
        return TLSP_NOMEM;
    cp += 1;
    len -= 2;
    cp[len] = 0;
    while (len > 0 && tlsp_pf_isspace((unsigned char)cp[len - 1]))
        cp[--len] = 0;
    while (tlsp_pf_isspace((unsigned char)*cp))
        cp++;
    *bp = cp;
    return TLSP_OK;
}
