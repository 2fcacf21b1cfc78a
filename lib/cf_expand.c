/*
 * cf_expand.c - $name expansion as Postfix 3.7's mac_expand()
 *
 * The order of checks, the warnings and their number follow Postfix's
 * mac_parse()/mac_expand() behaviour as observed with postconf -x 3.7.11
 * (tests/unit/cf_test.c and tests/postfix/cf_postconf_test.c hold the
 * cases). Postfix keeps parsing the rest of a value after a syntax error,
 * and a callback entered past the nesting limit warns again; both are
 * reproduced so that the warnings match.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_expand.h"
#include "util/pftext.h"
#include "util/str.h"

#define ST_ERROR 1 /* MAC_PARSE_ERROR */
#define ST_UNDEF 2 /* MAC_PARSE_UNDEF */

#define TYPE_LITERAL 1
#define TYPE_EXPR 2

/* One mac_expand() call. */
struct mc {
    struct tlsp_cf_exp_root *root;
    struct tlsp_buf *result;
    int status;
    int level;
};

static const char op_chars[] = "<>!=?+-*/~&|%";
static const char op_any[] = "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\"";

enum op { OP_NONE, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GE, OP_GT };

static int mac_parse(struct mc *mc, const char *value);

void
tlsp_cf_exp_root_init(struct tlsp_cf_exp_root *root, tlsp_cf_lookup_fn lookup, void *ctx,
                      struct tlsp_diag *diag)
{
    root->lookup = lookup;
    root->ctx = ctx;
    root->diag = diag;
    root->steps = 0;
    root->depth = 0;
    root->hard = TLSP_OK;
    root->fatal = NULL;
    root->toks = NULL;
    root->n_toks = 0;
}

void
tlsp_cf_exp_root_fini(struct tlsp_cf_exp_root *root)
{
    unsigned i;

    free(root->fatal);
    root->fatal = NULL;
    for (i = 0; i < root->n_toks; i++) {
        tlsp_buf_fini(root->toks[i]);
        free(root->toks[i]);
    }
    free(root->toks);
    root->toks = NULL;
    root->n_toks = 0;
}

/*
 * token_buf - the token buffer of parse depth (1-based), emptied; each
 *       buffer has its own allocation, so outer depths' pointers stay valid
 */
static struct tlsp_buf *
token_buf(struct tlsp_cf_exp_root *root, unsigned depth)
{
    struct tlsp_buf *b;

    if (depth > root->n_toks) {
        struct tlsp_buf **v = realloc(root->toks, depth * sizeof(*v));

        if (v == NULL)
            return NULL;
        root->toks = v;
        if ((b = malloc(sizeof(*b))) == NULL)
            return NULL;
        tlsp_buf_init(b, (size_t)-1 / 4);
        root->toks[root->n_toks++] = b;
    }
    b = root->toks[depth - 1];
    tlsp_buf_reset(b);
    if (tlsp_buf_append(b, "", 0) != TLSP_OK)
        return NULL;
    return b;
}

static void
set_hard(struct tlsp_cf_exp_root *root, enum tlsp_status st)
{
    if (root->hard == TLSP_OK)
        root->hard = st;
}

void
tlsp_cf_exp_set_fatal(struct tlsp_cf_exp_root *root, const char *fmt, ...)
{
    va_list ap;

    if (root->hard != TLSP_OK)
        return;
    free(root->fatal);
    va_start(ap, fmt);
    root->fatal = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    set_hard(root, root->fatal ? TLSP_CONFIG : TLSP_NOMEM);
}

static void __attribute__((format(printf, 2, 3)))
warn(struct tlsp_cf_exp_root *root, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_diag_vadd(root->diag, TLSP_SEV_WARNING, NULL, 0, fmt, ap);
    va_end(ap);
    if (st != TLSP_OK)
        set_hard(root, st);
}

/* parse_error - Postfix's mac_exp_parse_error(): warn, flag, return status */
static int __attribute__((format(printf, 2, 3))) parse_error(struct mc *mc, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_diag_vadd(mc->root->diag, TLSP_SEV_WARNING, NULL, 0, fmt, ap);
    va_end(ap);
    if (st != TLSP_OK)
        set_hard(mc->root, st);
    return mc->status |= ST_ERROR;
}

static void
append(struct mc *mc, const char *s)
{
    enum tlsp_status st = tlsp_buf_puts(mc->result, s);

    if (st != TLSP_OK)
        set_hard(mc->root, st);
}

/* find_left_curly - skip blanks to '{' and advance, or leave *cp alone */
static bool
find_left_curly(char **cp)
{
    size_t n = strspn(*cp, TLSP_PF_BLANKS);

    if ((*cp)[n] != '{')
        return false;
    *cp += n;
    return true;
}

/* extract_curly_payload - text inside balanced {}, blanks after it skipped */
static char *
extract_curly_payload(struct mc *mc, char **bp)
{
    char *cp;
    char *payload;
    int level;

    for (level = 1, cp = *bp, payload = ++cp;; cp++) {
        if (*cp == 0) {
            parse_error(mc, "unbalanced {} in attribute expression: \"%s\"", *bp);
            return NULL;
        } else if (*cp == '{') {
            level++;
        } else if (*cp == '}') {
            if (--level <= 0)
                break;
        }
    }
    *cp++ = 0;
    *bp = cp + strspn(cp, TLSP_PF_BLANKS);
    return payload;
}

long
tlsp_cf_compat_level(const char *text)
{
    const long max_major = LONG_MAX >> 20;
    const char *start = text;
    char *rest;
    long major, minor, patch, res;

    errno = 0;
    major = strtol(start, &rest, 10);
    if (!(start < rest && (*rest == 0 || *rest == '.') && errno != ERANGE && major >= 0 &&
          major <= max_major))
        return -1;
    res = major << 20;
    if (*rest == 0)
        return res;
    start = rest + 1;
    errno = 0;
    minor = strtol(start, &rest, 10);
    if (!(start < rest && (*rest == 0 || *rest == '.') && errno != ERANGE && minor >= 0 &&
          minor <= 1023))
        return -1;
    res |= minor << 10;
    if (*rest == 0)
        return res;
    start = rest + 1;
    errno = 0;
    patch = strtol(start, &rest, 10);
    if (!(start < rest && *rest == 0 && errno != ERANGE && patch >= 0 && patch <= 1023))
        return -1;
    return res | patch;
}

static int
compare_result(enum op op, long delta)
{
    switch (op) {
    case OP_EQ:
        return delta == 0;
    case OP_NE:
        return delta != 0;
    case OP_LT:
        return delta < 0;
    case OP_LE:
        return delta <= 0;
    case OP_GE:
        return delta >= 0;
    case OP_GT:
        return delta > 0;
    case OP_NONE:
        break;
    }
    return 0;
}

/* eval_plain - mac_exp_eval(): numeric when both all digits; -1 on fatal */
static int
eval_plain(struct mc *mc, const char *left, enum op op, const char *rite)
{
    long delta;

    if (tlsp_all_digits(left) && tlsp_all_digits(rite)) {
        long l, r;

        errno = 0;
        l = strtol(left, NULL, 10);
        if (errno == ERANGE) {
            tlsp_cf_exp_set_fatal(mc->root, "mac_exp_eval: bad conversion: %s", left);
            return -1;
        }
        errno = 0;
        r = strtol(rite, NULL, 10);
        if (errno == ERANGE) {
            tlsp_cf_exp_set_fatal(mc->root, "mac_exp_eval: bad conversion: %s", rite);
            return -1;
        }
        delta = l - r;
    } else {
        int c = strcmp(left, rite);

        delta = c < 0 ? -1 : c > 0;
    }
    return compare_result(op, delta);
}

/* eval_level - compat_relop_eval(): -1 (with a warning) when malformed */
static int
eval_level(struct mc *mc, const char *left, enum op op, const char *rite)
{
    long l, r;

    if ((l = tlsp_cf_compat_level(left)) < 0) {
        warn(mc->root, "malformed compatibility level syntax: \"%s\"", left);
        return -1;
    }
    if ((r = tlsp_cf_compat_level(rite)) < 0) {
        warn(mc->root, "malformed compatibility level syntax: \"%s\"", rite);
        return -1;
    }
    return compare_result(op, l - r);
}

static enum op
op_code(const char *s, size_t n)
{
    static const struct {
        const char *text;
        enum op op;
    } ops[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT},
               {"<=", OP_LE}, {">=", OP_GE}, {">", OP_GT}};
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
        if (strlen(ops[i].text) == n && memcmp(ops[i].text, s, n) == 0)
            return ops[i].op;
    return OP_NONE;
}

/* sub_expand - a nested mac_expand() call (fresh nesting level) */
static int
sub_expand(struct mc *parent, const char *pattern, struct tlsp_buf *out)
{
    struct mc mc;

    mc.root = parent->root;
    mc.result = out;
    mc.status = 0;
    mc.level = 0;
    return mac_parse(&mc, pattern);
}

/* parse_relational - "{a} OP {b}": 0 and *lookup set, or the status */
static int
parse_relational(struct mc *mc, const char **lookup, char **bp)
{
    char *cp = *bp;
    const char *left;
    const char *rite;
    char *op_pos;
    size_t op_len;
    enum op op;
    bool level_op = false;
    struct tlsp_buf lbuf, rbuf;
    int res = 0;

    if ((left = extract_curly_payload(mc, &cp)) == NULL)
        return mc->status;
    op_pos = cp;
    op_len = strspn(cp, op_chars);
    if ((op = op_code(cp, op_len)) == OP_NONE)
        return parse_error(mc, "%s expected at: \"...%s}>>>%.20s\"", op_any, left, cp);
    cp += op_len;
    if (tlsp_pf_isalnum((unsigned char)*cp)) {
        char *type_pos = cp;
        size_t type_len = 1;

        while (tlsp_pf_isalnum((unsigned char)cp[type_len]))
            type_len++;
        cp += type_len;
        if (type_len != 5 || memcmp(type_pos, "level", 5) != 0)
            return parse_error(mc, "bad operator suffix at: \"...%.*s>>>%.*s\"", (int)op_len,
                               op_pos, (int)type_len, type_pos);
        level_op = true;
    }
    if (!find_left_curly(&cp))
        return parse_error(mc, "\"{expression}\" expected at: \"...{%s} %.*s>>>%.20s\"", left,
                           (int)op_len, op_pos, cp);
    if ((rite = extract_curly_payload(mc, &cp)) == NULL)
        return mc->status;

    tlsp_buf_init(&lbuf, TLSP_CF_EXPAND_MAX_RESULT);
    tlsp_buf_init(&rbuf, TLSP_CF_EXPAND_MAX_RESULT);
    mc->status |= sub_expand(mc, left, &lbuf);
    if (mc->root->hard == TLSP_OK)
        mc->status |= sub_expand(mc, rite, &rbuf);
    if (mc->root->hard == TLSP_OK) {
        res = level_op ? eval_level(mc, tlsp_buf_str(&lbuf), op, tlsp_buf_str(&rbuf))
                       : eval_plain(mc, tlsp_buf_str(&lbuf), op, tlsp_buf_str(&rbuf));
        if (res < 0)
            mc->status |= ST_ERROR;
    }
    tlsp_buf_fini(&lbuf);
    tlsp_buf_fini(&rbuf);
    if (mc->root->hard != TLSP_OK)
        return mc->status |= ST_ERROR;
    if (mc->status & ST_ERROR)
        return mc->status;
    *lookup = res ? "true" : "";
    *bp = cp;
    return 0;
}

/* callback - mac_expand_callback(): one literal or one ${...} */
static int
callback(struct mc *mc, int type, char *buf)
{
    const char *lookup = NULL;
    char *cp;
    int ch;

    if (mc->root->hard != TLSP_OK)
        return mc->status |= ST_ERROR;
    if (++mc->root->steps > TLSP_CF_EXPAND_MAX_STEPS) {
        set_hard(mc->root, TLSP_LIMIT);
        return mc->status |= ST_ERROR;
    }
    if (mc->level++ > 100)
        parse_error(mc, "unreasonable macro call nesting: \"%s\"", buf);
    if (mc->status & ST_ERROR)
        return mc->status;

    if (type == TYPE_EXPR) {
        cp = buf;
        if (find_left_curly(&cp)) {
            if (parse_relational(mc, &lookup, &cp) != 0)
                return mc->status;
            if ((ch = (unsigned char)*cp) != 0) {
                if (ch != '?' && ch != ':')
                    return parse_error(mc, "\"?\" or \":\" expected at: \"...}>>>%.20s\"", cp);
                cp++;
            }
        } else {
            char *start;
            size_t n;
            enum tlsp_status st;

            start = (cp += strspn(cp, TLSP_PF_BLANKS));
            for (;; cp++) {
                n = strspn(cp, TLSP_PF_BLANKS);
                if ((ch = (unsigned char)cp[n]) == 0) {
                    *cp = 0;
                    break;
                }
                if (ch == '?' || ch == ':') {
                    *cp++ = 0;
                    cp += n;
                    break;
                }
                ch = (unsigned char)*cp;
                if (!tlsp_pf_isalnum(ch) && ch != '_')
                    return parse_error(mc, "attribute name syntax error at: \"...%.*s>>>%.20s\"",
                                       (int)(cp - buf), buf, cp);
            }
            if ((st = mc->root->lookup(mc->root->ctx, mc->root, start, &lookup)) != TLSP_OK) {
                set_hard(mc->root, st);
                return mc->status |= ST_ERROR;
            }
        }

        switch (ch) {
        case '?': {
            const char *res_iftrue;

            if (find_left_curly(&cp)) {
                if ((res_iftrue = extract_curly_payload(mc, &cp)) == NULL)
                    return mc->status;
            } else {
                res_iftrue = cp;
                cp = (char *)"";
            }
            if (lookup != NULL && *lookup != 0)
                mc->status |= mac_parse(mc, res_iftrue);
            if (*cp == 0)
                break;
            if (*cp != ':')
                return parse_error(mc, "\":\" expected at: \"...%s}>>>%.20s\"", res_iftrue, cp);
            cp += 1;
        }
            /* FALLTHROUGH */
        case ':': {
            const char *res_iffalse;

            if (find_left_curly(&cp)) {
                if ((res_iffalse = extract_curly_payload(mc, &cp)) == NULL)
                    return mc->status;
            } else {
                res_iffalse = cp;
                cp = (char *)"";
            }
            if (lookup == NULL || *lookup == 0)
                mc->status |= mac_parse(mc, res_iffalse);
            if (*cp != 0)
                return parse_error(mc, "unexpected input at: \"...%s}>>>%.20s\"", res_iffalse, cp);
            break;
        }
        default:
            if (lookup == NULL)
                mc->status |= ST_UNDEF;
            else if (*lookup != 0)
                mc->status |= mac_parse(mc, lookup);
            break;
        }
    } else {
        append(mc, buf);
    }
    mc->level--;
    if (mc->root->hard != TLSP_OK)
        mc->status |= ST_ERROR;
    return mc->status;
}

/* action - MAC_PARSE_ACTION: hand the token to the callback, then reset it */
static void
action(struct mc *mc, int *status, int type, struct tlsp_buf *tok)
{
    *status |= callback(mc, type, tok->data);
    tlsp_buf_reset(tok);
}

/* mac_parse - split value into literal text and ${...} references */
static int
mac_parse(struct mc *mc, const char *value)
{
    struct tlsp_cf_exp_root *root = mc->root;
    struct tlsp_buf *tok;
    const char *vp;
    int status = 0;

    if (root->hard != TLSP_OK)
        return ST_ERROR;
    if (++root->depth > TLSP_CF_EXPAND_MAX_DEPTH) {
        root->depth--;
        set_hard(root, TLSP_LIMIT);
        return ST_ERROR;
    }
    /* data is kept non-NULL so that callbacks always get a C string */
    if ((tok = token_buf(root, root->depth)) == NULL) {
        set_hard(root, TLSP_NOMEM);
        status = ST_ERROR;
        goto out;
    }
    for (vp = value; *vp && root->hard == TLSP_OK;) {
        if (*vp != '$') {
            size_t n = strcspn(vp, "$");

            if (tlsp_buf_append(tok, vp, n) != TLSP_OK)
                set_hard(root, TLSP_NOMEM);
            vp += n;
        } else if (vp[1] == '$') {
            if (tlsp_buf_putc(tok, '$') != TLSP_OK)
                set_hard(root, TLSP_NOMEM);
            vp += 2;
        } else {
            const char *ep;

            if (tok->len > 0)
                action(mc, &status, TYPE_LITERAL, tok);
            vp += 1;
            if (*vp == '{' || *vp == '(') {
                char open = *vp;
                char close = open == '{' ? '}' : ')';
                int level = 1;

                vp += 1;
                for (ep = vp; level > 0; ep++) {
                    if (*ep == 0) {
                        warn(root, "truncated macro reference: \"%s\"", value);
                        status |= ST_ERROR;
                        break;
                    }
                    if (*ep == open)
                        level++;
                    if (*ep == close)
                        level--;
                }
                if (status & ST_ERROR)
                    break;
                if (tlsp_buf_append(tok, vp, (size_t)(ep - vp) - 1) != TLSP_OK)
                    set_hard(root, TLSP_NOMEM);
                vp = ep;
            } else {
                for (ep = vp; *ep && (tlsp_pf_isalnum((unsigned char)*ep) || *ep == '_'); ep++)
                    continue;
                if (tlsp_buf_append(tok, vp, (size_t)(ep - vp)) != TLSP_OK)
                    set_hard(root, TLSP_NOMEM);
                vp = ep;
            }
            if (tok->len == 0) {
                status |= ST_ERROR;
                warn(root, "empty macro name: \"%s\"", value);
                break;
            }
            action(mc, &status, TYPE_EXPR, tok);
        }
    }
    if (tok->len > 0 && (status & ST_ERROR) == 0 && root->hard == TLSP_OK)
        action(mc, &status, TYPE_LITERAL, tok);

out:
    tlsp_buf_fini(tok);
    root->depth--;
    if (root->hard != TLSP_OK)
        status |= ST_ERROR;
    return status;
}

enum tlsp_status
tlsp_cf_mac_expand(struct tlsp_cf_exp_root *root, const char *pattern, struct tlsp_buf *out,
                   bool *parse_error_out)
{
    struct mc mc;
    int status;

    mc.root = root;
    mc.result = out;
    mc.status = 0;
    mc.level = 0;
    status = mac_parse(&mc, pattern);
    *parse_error_out = (status & ST_ERROR) != 0;
    return root->hard;
}
