/*
 * map_regex.c - pattern tables: regexp: (POSIX regcomp) and pcre: (PCRE2)
 *
 * Postfix sources the behaviour comes from: util/dict_regexp.c,
 * util/dict_pcre.c (3.7: PCRE2), util/dict_stream.c (the inline
 * "{ {rule}, {rule} }" form), util/mac_parse.c ($number parsing),
 * util/readlline.c. Both families share one rule list: match rules, IF and
 * ENDIF. Postfix runs in the C locale, so regcomp()/regexec() run under a
 * private C locale here, whatever the calling program set.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <stdio.h>
#include <locale.h>
#include <pcre2.h>
#include <regex.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "map_impl.h"
#include "util/str.h"

#define OP_MATCH 1
#define OP_IF 2
#define OP_ENDIF 3
#define NO_ENDIF SIZE_MAX

/* Largest estimated POSIX regex size after glibc expands bounded repeats. */
#define RX_COST_LIMIT ((size_t)10000)
/* Deepest group nesting accepted: glibc computes epsilon closures recursively,
 * in time quadratic in the depth of nested alternatives ("(|(|(|...").
 * Real patterns nest a few groups deep. */
#define RX_DEPTH_LIMIT ((size_t)256)

/* One piece of replacement text: literal text, or $index. */
struct rx_seg {
    char *lit; /* NULL for $index */
    size_t index;
};

struct rx_rule {
    int op;
    unsigned line;
    char *pattern; /* the pattern(s) as written, for tlsp_map_hit */
    bool match1;   /* positive (true) or negated first pattern */
    bool match2;
    regex_t *re1, *re2;
    pcre2_code *pc;
    pcre2_match_data *md;
    char *literal; /* result when max_sub == 0 ($$ already made $) */
    struct rx_seg *segs;
    size_t n_segs;
    size_t max_sub;
    size_t endif; /* OP_IF: index of the matching OP_ENDIF, or NO_ENDIF */
};

struct rx_table {
    bool pcre;
    const char *kind; /* "regexp" or "pcre" */
    struct rx_rule *rules;
    size_t n, cap;
    char *file; /* NULL for the inline {...} form */
    regmatch_t *pmatch;
    size_t max_sub;
    locale_t cloc;
    struct tlsp_buf result;
};

/* ---- mac_parse() ------------------------------------------------------ */

#define MAC_LITERAL 1
#define MAC_VARNAME 2
#define MAC_ERROR 1     /* status bit: syntax error */
#define MAC_NOMEM 0x100 /* status bit: out of memory (tlspolicy only) */

typedef int (*mac_action)(int type, const char *text, void *ctx);

/*
 * Split value into literal text and $name, ${name}, $(name) references as
 * Postfix's mac_parse() does, with its two warnings for broken
 * references ("truncated macro reference", "empty macro name").
 */
static int
mac_parse(const struct tlsp_map *m, const char *value, mac_action action, void *ctx,
          struct tlsp_diag *diag)
{
    struct tlsp_buf buf;
    const char *vp = value;
    int status = 0;

#define FLUSH(type)                                                                                \
    do {                                                                                           \
        status |= action((type), tlsp_buf_str(&buf), ctx);                                         \
        tlsp_buf_reset(&buf);                                                                      \
    } while (0)

    tlsp_buf_init(&buf, TLSP_MAP_LINE_LIMIT);
    while (*vp && !(status & MAC_NOMEM)) {
        if (*vp != '$') {
            if (tlsp_buf_putc(&buf, *vp) != TLSP_OK)
                status |= MAC_NOMEM;
            vp += 1;
        } else if (vp[1] == '$') {
            if (tlsp_buf_putc(&buf, '$') != TLSP_OK)
                status |= MAC_NOMEM;
            vp += 2;
        } else {
            const char *ep;

            if (buf.len > 0)
                FLUSH(MAC_LITERAL);
            vp += 1;
            if (*vp == '(' || *vp == '{') {
                char open = *vp, close = *vp == '(' ? ')' : '}';
                int level = 1;

                vp += 1;
                for (ep = vp; level > 0; ep++) {
                    if (*ep == 0) {
                        if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, NULL, 0,
                                         "truncated macro reference: \"%s\"", value) != TLSP_OK)
                            status |= MAC_NOMEM;
                        status |= MAC_ERROR;
                        break;
                    }
                    if (*ep == open)
                        level++;
                    if (*ep == close)
                        level--;
                }
                if (status & MAC_ERROR)
                    break;
                if (tlsp_buf_append(&buf, vp, (size_t)(ep - vp - 1)) != TLSP_OK)
                    status |= MAC_NOMEM;
                vp = ep;
            } else {
                for (ep = vp; (*ep >= 'a' && *ep <= 'z') || (*ep >= 'A' && *ep <= 'Z') ||
                              (*ep >= '0' && *ep <= '9') || *ep == '_';
                     ep++)
                    ;
                if (tlsp_buf_append(&buf, vp, (size_t)(ep - vp)) != TLSP_OK)
                    status |= MAC_NOMEM;
                vp = ep;
            }
            if (buf.len == 0) {
                status |= MAC_ERROR;
                if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, NULL, 0, "empty macro name: \"%s\"",
                                 value) != TLSP_OK)
                    status |= MAC_NOMEM;
                break;
            }
            FLUSH(MAC_VARNAME);
        }
    }
    if (buf.len > 0 && (status & (MAC_ERROR | MAC_NOMEM)) == 0)
        FLUSH(MAC_LITERAL);
    tlsp_buf_fini(&buf);
    return status;
#undef FLUSH
}

/* ---- the $number pre-scan of both families ----------------------------- */

struct prescan {
    const struct tlsp_map *m;
    struct rx_table *t;
    unsigned line;
    struct tlsp_diag *diag;
    size_t max_sub;
    struct rx_seg *segs;
    size_t n_segs;
};

/* atoi() as glibc computes it (strtol, then narrowed to int). */
static int
c_atoi(const char *s)
{
    long v = strtol(s, NULL, 10);

    return (int)(unsigned long)v;
}

static int
prescan_action(int type, const char *text, void *ctx)
{
    struct prescan *ps = ctx;
    struct rx_seg *segs;
    size_t n = 0;

    if (type == MAC_VARNAME) {
        if (!tlsp_all_digits(text)) {
            if (tlsp_map_msg(ps->m, ps->diag, TLSP_SEV_WARNING, ps->t->file, ps->line,
                             "%s map %s, line %u: non-numeric replacement index \"%s\"",
                             ps->t->kind, ps->m->name, ps->line, text) != TLSP_OK)
                return MAC_ERROR | MAC_NOMEM;
            return MAC_ERROR;
        }
        n = (size_t)c_atoi(text);
        if (n < 1) {
            /* regexp says "out-of-range", pcre "out of range" */
            if (tlsp_map_msg(ps->m, ps->diag, TLSP_SEV_WARNING, ps->t->file, ps->line,
                             "%s map %s, line %u: %s replacement index \"%s\"", ps->t->kind,
                             ps->m->name, ps->line, ps->t->pcre ? "out of range" : "out-of-range",
                             text) != TLSP_OK)
                return MAC_ERROR | MAC_NOMEM;
            return MAC_ERROR;
        }
        if (n > ps->max_sub)
            ps->max_sub = n;
    }
    segs = realloc(ps->segs, (ps->n_segs + 1) * sizeof(*segs));
    if (segs == NULL)
        return MAC_NOMEM;
    ps->segs = segs;
    segs[ps->n_segs].index = n;
    segs[ps->n_segs].lit = NULL;
    if (type == MAC_LITERAL && (segs[ps->n_segs].lit = tlsp_strdup(text)) == NULL)
        return MAC_NOMEM;
    ps->n_segs++;
    return 0;
}

static void
free_segs(struct rx_seg *segs, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(segs[i].lit);
    free(segs);
}

/* ---- rules ------------------------------------------------------------ */

static void
rule_fini(struct rx_rule *r)
{
    if (r->re1) {
        regfree(r->re1);
        free(r->re1);
    }
    if (r->re2) {
        regfree(r->re2);
        free(r->re2);
    }
    if (r->md)
        pcre2_match_data_free(r->md);
    if (r->pc)
        pcre2_code_free(r->pc);
    free(r->pattern);
    free(r->literal);
    free_segs(r->segs, r->n_segs);
    memset(r, 0, sizeof(*r));
}

struct pattern {
    char *regexp;
    int options;
    bool match;
};

/*
 * get_pat - one "!/regexp/flags" (dict_regexp_get_pat, dict_pcre_get_pattern)
 * Returns 1 (parsed), 0 (warned, skip the rule), -1 (out of memory).
 */
static int
get_pat(const struct tlsp_map *m, struct rx_table *t, unsigned line, char **bufp,
        struct pattern *pat, struct tlsp_diag *diag)
{
    char *p = *bufp;
    char delim;

#define WARN_RET(...)                                                                              \
    return tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, line, __VA_ARGS__) == TLSP_OK ? 0 : -1

    pat->match = true;
    for (;; p++) {
        if (*p == '!')
            pat->match = !pat->match;
        else if (!tlsp_isspace((unsigned char)*p))
            break;
    }
    if (*p == 0)
        WARN_RET("%s map %s, line %u: no regexp: skipping this rule", t->kind, m->name, line);
    delim = *p++;
    pat->regexp = p;
    while (*p) {
        if (*p == '\\') {
            if (p[1] == 0)
                break;
            p++;
        } else if (*p == delim) {
            break;
        }
        ++p;
    }
    if (*p == 0)
        WARN_RET("%s map %s, line %u: no closing regexp delimiter \"%c\": %s this rule", t->kind,
                 m->name, line, delim, t->pcre ? "ignoring" : "skipping");
    *p++ = 0;
    if (!t->pcre) {
        pat->options = REG_EXTENDED | REG_ICASE;
        for (; *p && !tlsp_isspace((unsigned char)*p) && *p != '!'; p++) {
            switch (*p) {
            case 'i':
                pat->options ^= REG_ICASE;
                break;
            case 'm':
                pat->options ^= REG_NEWLINE;
                break;
            case 'x':
                pat->options ^= REG_EXTENDED;
                break;
            default:
                WARN_RET("regexp map %s, line %u: unknown regexp option \"%c\": skipping this "
                         "rule",
                         m->name, line, *p);
            }
        }
    } else {
        pat->options = (int)(PCRE2_CASELESS | PCRE2_DOTALL);
        for (; *p && !tlsp_isspace((unsigned char)*p); p++) {
            switch (*p) {
            case 'i':
                pat->options ^= (int)PCRE2_CASELESS;
                break;
            case 'm':
                pat->options ^= (int)PCRE2_MULTILINE;
                break;
            case 's':
                pat->options ^= (int)PCRE2_DOTALL;
                break;
            case 'x':
                pat->options ^= (int)PCRE2_EXTENDED;
                break;
            case 'A':
                pat->options ^= (int)PCRE2_ANCHORED;
                break;
            case 'E':
                pat->options ^= (int)PCRE2_DOLLAR_ENDONLY;
                break;
            case 'U':
                pat->options ^= (int)PCRE2_UNGREEDY;
                break;
            case 'X':
                /* PCRE2 has no PCRE_EXTRA */
                if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, line,
                                 "pcre map %s, line %u: ignoring obsolete regexp option \"%c\"",
                                 m->name, line, *p) != TLSP_OK)
                    return -1;
                break;
            default:
                WARN_RET("pcre map %s, line %u: unknown regexp option \"%c\": skipping this rule",
                         m->name, line, *p);
            }
        }
    }
    *bufp = p;
    return 1;
#undef WARN_RET
}

/*
 * rx_cost - rough size of the automaton glibc builds for a POSIX regex
 *
 * glibc copies a sub-expression once per bounded repetition, so nested
 * "{m,n}" multiply. Used only to refuse patterns that would make
 * regcomp() run for minutes; ordinary patterns stay far below the limit.
 */
static size_t
sat_mul(size_t a, size_t b)
{
    return (b != 0 && a > RX_COST_LIMIT * 4 / b) ? RX_COST_LIMIT * 4 : a * b;
}

static size_t
rx_cost(const char *re, bool extended, size_t *max_depth)
{
    size_t stack[64]; /* cost of the open groups */
    size_t depth = 0;
    size_t sum = 0;  /* cost of the current group so far */
    size_t last = 0; /* cost of the last atom */
    const char *p = re;

    while (*p) {
        size_t atom = 1;
        bool open = false, close = false, quant = false;
        unsigned long lo = 0, hi = 0;

        if (*p == '[') {
            p++;
            if (*p == '^')
                p++;
            if (*p == ']')
                p++;
            while (*p && *p != ']') {
                if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
                    char kind = p[1];

                    p += 2;
                    while (*p && !(*p == kind && p[1] == ']'))
                        p++;
                    if (*p)
                        p += 2;
                    continue;
                }
                p++;
            }
            if (*p)
                p++;
        } else if (*p == '\\' && p[1]) {
            if (!extended && p[1] == '(')
                open = true;
            else if (!extended && p[1] == ')')
                close = true;
            else if (!extended && p[1] == '{')
                quant = true;
            p += 2;
        } else if (extended && *p == '(') {
            open = true;
            p++;
        } else if (extended && *p == ')') {
            close = true;
            p++;
        } else if (extended && *p == '{') {
            quant = true;
            p++;
        } else if (*p == '*' || (extended && (*p == '+' || *p == '?'))) {
            last = sat_mul(last, 2);
            sum = sat_mul(sum, 1) + last;
            p++;
            continue;
        } else {
            p++;
        }
        if (open) {
            if (depth < sizeof(stack) / sizeof(stack[0]))
                stack[depth] = sum;
            depth++;
            if (depth > *max_depth)
                *max_depth = depth;
            sum = 0;
            last = 0;
            continue;
        }
        if (close) {
            atom = sum ? sum : 1;
            sum = depth > 0 && depth <= sizeof(stack) / sizeof(stack[0]) ? stack[depth - 1] : 0;
            if (depth > 0)
                depth--;
        }
        if (quant) {
            char *end;

            lo = strtoul(p, &end, 10);
            hi = lo;
            if (*end == ',') {
                hi = strtoul(end + 1, &end, 10);
                if (hi < lo)
                    hi = lo;
            }
            p = end;
            while (*p && *p != '}')
                p++;
            if (*p)
                p++;
            if (hi > 0x7fff)
                hi = 0x7fff;
            /* the last atom is copied max(lo, hi) times */
            sum -= last < sum ? last : sum;
            last = sat_mul(last ? last : 1, (size_t)hi + 1);
            sum += last;
            if (sum > RX_COST_LIMIT * 4)
                sum = RX_COST_LIMIT * 4;
            continue;
        }
        last = atom;
        sum += atom;
        if (sum > RX_COST_LIMIT * 4)
            sum = RX_COST_LIMIT * 4;
    }
    while (depth > 0) {
        size_t outer = depth <= sizeof(stack) / sizeof(stack[0]) ? stack[depth - 1] : 0;

        sum += outer;
        depth--;
    }
    return sum;
}

/* Compile one pattern. Returns 1 (compiled), 0 (warned, skip), -1 (nomem), -2 (limit). */
static int
compile_posix(const struct tlsp_map *m, struct rx_table *t, unsigned line, struct pattern *pat,
              regex_t **out, struct tlsp_diag *diag)
{
    regex_t *re;
    locale_t old;
    size_t depth = 0;
    int err;

    *out = NULL;
    if (rx_cost(pat->regexp, (pat->options & REG_EXTENDED) != 0, &depth) > RX_COST_LIMIT) {
        if (tlsp_map_msg(m, diag, TLSP_SEV_ERROR, t->file, line,
                         "regexp map %s, line %u: pattern repeats sub-expressions so often that "
                         "compiling it could take very long; tlspolicy refuses to predict it",
                         m->name, line) != TLSP_OK)
            return -1;
        return -2;
    }
    if (depth > RX_DEPTH_LIMIT) {
        if (tlsp_map_msg(m, diag, TLSP_SEV_ERROR, t->file, line,
                         "regexp map %s, line %u: pattern nests groups %zu deep (over %zu), so "
                         "compiling it could take very long; tlspolicy refuses to predict it",
                         m->name, line, depth, RX_DEPTH_LIMIT) != TLSP_OK)
            return -1;
        return -2;
    }
    if ((re = calloc(1, sizeof(*re))) == NULL)
        return -1;
    old = uselocale(t->cloc);
    err = regcomp(re, pat->regexp, pat->options);
    if (err != 0) {
        char errbuf[256];

        (void)regerror(err, re, errbuf, sizeof(errbuf));
        uselocale(old);
        free(re);
        if (err == REG_ESPACE)
            return -1;
        return tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, line, "regexp map %s, line %u: %s",
                            m->name, line, errbuf) == TLSP_OK
                   ? 0
                   : -1;
    }
    uselocale(old);
    *out = re;
    return 1;
}

static int
compile_pcre(const struct tlsp_map *m, struct rx_table *t, unsigned line, struct pattern *pat,
             struct rx_rule *r, struct tlsp_diag *diag)
{
    int err;
    PCRE2_SIZE off;

    r->pc = pcre2_compile((PCRE2_SPTR)pat->regexp, PCRE2_ZERO_TERMINATED, (uint32_t)pat->options,
                          &err, &off, NULL);
    if (r->pc == NULL) {
        PCRE2_UCHAR msg[256];

        if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "unexpected pcre2 error code %d", err);
        return tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, line,
                            "pcre map %s, line %u: error in regex at offset %lu: %s", m->name, line,
                            (unsigned long)off, (const char *)msg) == TLSP_OK
                   ? 0
                   : -1;
    }
    if ((r->md = pcre2_match_data_create_from_pattern(r->pc, NULL)) == NULL)
        return -1;
    return 1;
}

/* Append a rule; returns a pointer into t->rules or NULL on out of memory. */
static struct rx_rule *
add_rule(struct rx_table *t)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 16;
        struct rx_rule *v = realloc(t->rules, cap * sizeof(*v));

        if (v == NULL)
            return NULL;
        t->rules = v;
        t->cap = cap;
    }
    memset(&t->rules[t->n], 0, sizeof(t->rules[t->n]));
    return &t->rules[t->n++];
}

/*
 * parse_rule - one logical line (dict_regexp_parseline, dict_pcre_parse_rule)
 *
 * Out:  *added  OP_MATCH/OP_IF/OP_ENDIF when a rule was appended, else 0.
 * Returns TLSP_OK (rule added or skipped with a warning), TLSP_NOMEM,
 *       TLSP_LIMIT (pattern too costly to predict).
 */
static enum tlsp_status
parse_rule(const struct tlsp_map *m, struct rx_table *t, unsigned line, char *p, size_t nesting,
           int *added, struct tlsp_diag *diag)
{
    const char *kind = t->kind;
    struct rx_rule r;
    char *start = p;
    int rc;

    *added = 0;
    memset(&r, 0, sizeof(r));
    r.line = line;
    r.endif = NO_ENDIF;

#define WARN(...)                                                                                  \
    do {                                                                                           \
        if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, line, __VA_ARGS__) != TLSP_OK)        \
            goto nomem;                                                                            \
    } while (0)
#define CHECK_RC(rc)                                                                               \
    do {                                                                                           \
        if ((rc) == -1)                                                                            \
            goto nomem;                                                                            \
        if ((rc) == -2)                                                                            \
            goto limit;                                                                            \
        if ((rc) == 0)                                                                             \
            goto skip;                                                                             \
    } while (0)

    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9'))) {
        struct pattern pat1, pat2;
        struct prescan ps;
        char *orig = tlsp_strdup(p);
        int status;

        if (orig == NULL)
            goto nomem;
        pat2.regexp = NULL;
        rc = get_pat(m, t, line, &p, &pat1, diag);
        if (rc == 1 && !t->pcre && *p == '!')
            rc = get_pat(m, t, line, &p, &pat2, diag);
        if (rc != 1) {
            free(orig);
            CHECK_RC(rc);
        }
        r.pattern = tlsp_strndup(orig, (size_t)(p - start));
        free(orig);
        if (r.pattern == NULL)
            goto nomem;
        r.op = OP_MATCH;
        r.match1 = pat1.match;
        r.match2 = pat2.regexp ? pat2.match : true;
        while (*p && tlsp_isspace((unsigned char)*p))
            ++p;
        if (!*p)
            WARN("%s map %s, line %u: no replacement text: using empty string", kind, m->name,
                 line);
        memset(&ps, 0, sizeof(ps));
        ps.m = m;
        ps.t = t;
        ps.line = line;
        ps.diag = diag;
        status = mac_parse(m, p, prescan_action, &ps, diag);
        r.segs = ps.segs;
        r.n_segs = ps.n_segs;
        r.max_sub = ps.max_sub;
        if (status & MAC_NOMEM)
            goto nomem;
        if (status & MAC_ERROR) {
            WARN("%s map %s, line %u: bad replacement syntax: skipping this rule", kind, m->name,
                 line);
            goto skip;
        }
        if (r.max_sub > 0 && !r.match1) {
            WARN("%s map %s, line %u: $number found in negative match replacement text: "
                 "skipping this rule",
                 kind, m->name, line);
            goto skip;
        }
        if (r.max_sub == 0) {
            /* the literal result, $$ already replaced by $ */
            r.literal = tlsp_strdup(r.n_segs ? r.segs[0].lit : "");
            if (r.literal == NULL)
                goto nomem;
        }
        if (!t->pcre) {
            if (r.max_sub == 0)
                pat1.options |= REG_NOSUB;
            rc = compile_posix(m, t, line, &pat1, &r.re1, diag);
            CHECK_RC(rc);
            if (r.max_sub > r.re1->re_nsub) {
                WARN("regexp map %s, line %u: out of range replacement index \"%d\": skipping "
                     "this rule",
                     m->name, line, (int)r.max_sub);
                goto skip;
            }
            if (pat2.regexp) {
                pat2.options |= REG_NOSUB;
                rc = compile_posix(m, t, line, &pat2, &r.re2, diag);
                CHECK_RC(rc);
            }
        } else {
            uint32_t n_sub = 0;

            rc = compile_pcre(m, t, line, &pat1, &r, diag);
            CHECK_RC(rc);
            (void)pcre2_pattern_info(r.pc, PCRE2_INFO_CAPTURECOUNT, &n_sub);
            if (r.max_sub > n_sub) {
                WARN("pcre map %s, line %u: out of range replacement index \"%d\": skipping "
                     "this rule",
                     m->name, line, (int)r.max_sub);
                goto skip;
            }
        }
    } else if (strncasecmp(p, "IF", 2) == 0 &&
               !((p[2] >= 'a' && p[2] <= 'z') || (p[2] >= 'A' && p[2] <= 'Z') ||
                 (p[2] >= '0' && p[2] <= '9'))) {
        struct pattern pat;
        char *orig;

        p += 2;
        while (*p && tlsp_isspace((unsigned char)*p))
            p++;
        start = p;
        if ((orig = tlsp_strdup(p)) == NULL)
            goto nomem;
        rc = get_pat(m, t, line, &p, &pat, diag);
        if (rc == 1 && (r.pattern = tlsp_strndup(orig, (size_t)(p - start))) == NULL)
            rc = -1;
        free(orig);
        CHECK_RC(rc);
        while (*p && tlsp_isspace((unsigned char)*p))
            ++p;
        if (*p) {
            WARN("%s map %s, line %u: ignoring extra text after IF statement: \"%s\"", kind,
                 m->name, line, p);
            WARN("%s map %s, line %u: do not prepend whitespace to statements between IF and "
                 "ENDIF",
                 kind, m->name, line);
        }
        r.op = OP_IF;
        r.match1 = pat.match;
        rc = t->pcre ? compile_pcre(m, t, line, &pat, &r, diag)
                     : compile_posix(m, t, line, &pat, &r.re1, diag);
        CHECK_RC(rc);
    } else if (strncasecmp(p, "ENDIF", 5) == 0 &&
               !((p[5] >= 'a' && p[5] <= 'z') || (p[5] >= 'A' && p[5] <= 'Z') ||
                 (p[5] >= '0' && p[5] <= '9'))) {
        p += 5;
        if (nesting == 0) {
            WARN("%s map %s, line %u: ignoring ENDIF without matching IF", kind, m->name, line);
            goto skip;
        }
        while (*p && tlsp_isspace((unsigned char)*p))
            ++p;
        if (*p)
            WARN("%s map %s, line %u: ignoring extra text after ENDIF", kind, m->name, line);
        r.op = OP_ENDIF;
    } else {
        WARN("%s map %s, line %u: ignoring unrecognized request", kind, m->name, line);
        goto skip;
    }
    {
        struct rx_rule *slot = add_rule(t);

        if (slot == NULL)
            goto nomem;
        *slot = r;
        *added = r.op;
        if (r.max_sub > t->max_sub)
            t->max_sub = r.max_sub;
    }
    return TLSP_OK;
skip:
    rule_fini(&r);
    return TLSP_OK;
limit:
    rule_fini(&r);
    return TLSP_LIMIT;
nomem:
    rule_fini(&r);
    return TLSP_NOMEM;
#undef WARN
#undef CHECK_RC
}

/* ---- the table --------------------------------------------------------- */

static void
rx_close(struct tlsp_map *m)
{
    struct rx_table *t = m->impl;
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->n; i++)
        rule_fini(&t->rules[i]);
    free(t->rules);
    free(t->file);
    free(t->pmatch);
    if (t->cloc != (locale_t)0)
        freelocale(t->cloc);
    tlsp_buf_fini(&t->result);
    free(t);
    m->impl = NULL;
}

/* Evaluate one pattern: true when the rule's condition holds. */
static enum tlsp_status
eval_posix(const struct tlsp_map *m, struct rx_table *t, const struct rx_rule *r, const regex_t *re,
           bool match, const char *key, size_t nmatch, bool *holds, struct tlsp_diag *diag)
{
    locale_t old = uselocale(t->cloc);
    int err = regexec(re, key, nmatch, nmatch ? t->pmatch : NULL, 0);

    uselocale(old);
    if (err == REG_NOMATCH) {
        *holds = !match;
    } else if (err == 0) {
        *holds = match;
    } else {
        char errbuf[256];

        (void)regerror(err, re, errbuf, sizeof(errbuf));
        *holds = false;
        if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, r->line, "regexp map %s, line %u: %s",
                         m->name, r->line, errbuf) != TLSP_OK)
            return TLSP_NOMEM;
    }
    return TLSP_OK;
}

static enum tlsp_status
eval_pcre(const struct tlsp_map *m, struct rx_table *t, const struct rx_rule *r, const char *key,
          int *rc, bool *holds, struct tlsp_diag *diag)
{
    *rc = pcre2_match(r->pc, (PCRE2_SPTR)key, strlen(key), 0, 0, r->md, NULL);
    if (*rc > 0) {
        *holds = r->match1;
    } else if (*rc == PCRE2_ERROR_NOMATCH) {
        *holds = !r->match1;
    } else {
        PCRE2_UCHAR msg[256];

        *holds = false;
        if (pcre2_get_error_message(*rc, msg, sizeof(msg)) < 0)
            snprintf((char *)msg, sizeof(msg), "unexpected pcre2 error code %d", *rc);
        if (tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, r->line, "pcre map %s, line %u: %s",
                         m->name, r->line, (const char *)msg) != TLSP_OK)
            return TLSP_NOMEM;
    }
    return TLSP_OK;
}

static enum tlsp_status
expand(const struct tlsp_map *m, struct rx_table *t, const struct rx_rule *r, const char *key,
       int rc, struct tlsp_diag *diag)
{
    enum tlsp_status st = TLSP_OK;
    size_t i;

    tlsp_buf_reset(&t->result);
    for (i = 0; i < r->n_segs && st == TLSP_OK; i++) {
        const struct rx_seg *s = &r->segs[i];

        if (s->lit) {
            st = tlsp_buf_puts(&t->result, s->lit);
        } else if (!t->pcre) {
            const regmatch_t *pm = &t->pmatch[s->index];

            if (pm->rm_so < 0 || pm->rm_so >= pm->rm_eo)
                continue; /* not matched or empty */
            st = tlsp_buf_append(&t->result, key + pm->rm_so, (size_t)(pm->rm_eo - pm->rm_so));
        } else {
            PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);

            if (rc <= 0 || s->index >= (size_t)rc)
                continue; /* not matched */
            if (ov[2 * s->index] == PCRE2_UNSET || ov[2 * s->index] >= ov[2 * s->index + 1])
                continue; /* empty */
            st = tlsp_buf_append(&t->result, key + ov[2 * s->index],
                                 ov[2 * s->index + 1] - ov[2 * s->index]);
        }
    }
    if (st == TLSP_LIMIT &&
        tlsp_map_msg(m, diag, TLSP_SEV_ERROR, t->file, r->line,
                     "%s map %s, line %u: result of $number substitution exceeds tlspolicy's "
                     "limit of %zu bytes",
                     t->kind, m->name, r->line, (size_t)TLSP_MAP_RESULT_LIMIT) != TLSP_OK)
        return TLSP_NOMEM;
    return st;
}

static enum tlsp_status
rx_lookup(struct tlsp_map *m, const char *key, const char **value, struct tlsp_map_hit *hit,
          struct tlsp_diag *diag)
{
    struct rx_table *t = m->impl;
    enum tlsp_status st;
    size_t i;

    for (i = 0; i < t->n; i++) {
        const struct rx_rule *r = &t->rules[i];
        bool holds;
        int rc = 0;

        switch (r->op) {
        case OP_MATCH:
            if (!t->pcre) {
                st = eval_posix(m, t, r, r->re1, r->match1, key, r->max_sub ? r->max_sub + 1 : 0,
                                &holds, diag);
                if (st == TLSP_OK && holds && r->re2)
                    st = eval_posix(m, t, r, r->re2, r->match2, key, 0, &holds, diag);
            } else {
                st = eval_pcre(m, t, r, key, &rc, &holds, diag);
            }
            if (st != TLSP_OK)
                return st;
            if (!holds)
                continue;
            if (r->max_sub == 0) {
                *value = r->literal;
            } else {
                if ((st = expand(m, t, r, key, rc, diag)) != TLSP_OK)
                    return st;
                *value = tlsp_buf_str(&t->result);
            }
            if (hit) {
                hit->key = r->pattern;
                hit->file = t->file;
                hit->line = r->line;
            }
            return TLSP_OK;
        case OP_IF:
            st = t->pcre ? eval_pcre(m, t, r, key, &rc, &holds, diag)
                         : eval_posix(m, t, r, r->re1, r->match1, key, 0, &holds, diag);
            if (st != TLSP_OK)
                return st;
            if (holds)
                continue;
            if (r->endif == NO_ENDIF)
                return TLSP_NOTFOUND; /* an IF without ENDIF ends the table */
            i = r->endif;
            continue;
        default:
            continue;
        }
    }
    return TLSP_NOTFOUND;
}

static const struct tlsp_map_backend rx_backend = {rx_lookup, rx_close};

/* dict_stream_open(): "{ {rule}, {rule} }" becomes one rule per line. */
static char *
inline_to_lines(const char *spec, struct tlsp_buf *out)
{
    char *saved = tlsp_strdup(spec);
    char *bp = saved, *cp;
    char *err;

    if (saved == NULL)
        return NULL;
    err = tlsp_extpar(&bp, "{}", false);
    while (err == NULL && (cp = tlsp_mystrtokq(&bp, TLSP_COMMA_SP, "{}")) != NULL) {
        if ((err = tlsp_extpar(&cp, "{}", true)) == NULL &&
            tlsp_buf_printf(out, "%s\n", cp) != TLSP_OK)
            break;
    }
    free(saved);
    return err;
}

static enum tlsp_status
open_rx(struct tlsp_map *m, bool pcre, struct tlsp_diag *diag)
{
    struct rx_table *t;
    struct tlsp_buf text, line;
    struct tlsp_lline rd;
    char *data = NULL;
    size_t len = 0, nesting = 0, stack_cap = 0;
    size_t *stack = NULL;
    enum tlsp_status st = TLSP_OK;
    const char *kind = pcre ? "pcre" : "regexp";

    tlsp_buf_init(&text, TLSP_MAP_TEXT_LIMIT);
    tlsp_buf_init(&line, TLSP_MAP_LINE_LIMIT);
    if (m->name[0] == '{') {
        char *err = inline_to_lines(m->name, &text);

        if (err != NULL) {
            st = tlsp_map_surrogate(m, diag, "%s map: %s", kind, err);
            free(err);
            goto out;
        }
    } else {
        st = tlsp_map_read_text(m, m->name, &data, &len, diag);
        if (st == TLSP_IO && errno == EISDIR) {
            /* Postfix reads nothing from a directory: an empty table */
            st = TLSP_OK;
            len = 0;
        } else if (st == TLSP_IO) {
            st = tlsp_map_surrogate(m, diag, "open %s: %s", m->name, strerror(errno));
            goto out;
        } else if (st != TLSP_OK) {
            goto out;
        }
    }
    if ((t = calloc(1, sizeof(*t))) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    t->pcre = pcre;
    t->kind = kind;
    tlsp_buf_init(&t->result, TLSP_MAP_RESULT_LIMIT);
    m->impl = t;
    m->be = &rx_backend;
    if (m->name[0] != '{' && (t->file = tlsp_strdup(m->name)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if (!pcre && (t->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0)) == (locale_t)0) {
        st = TLSP_NOMEM;
        goto out;
    }
    if (m->name[0] == '{')
        tlsp_lline_init(&rd, tlsp_buf_str(&text), text.len, m->name, true);
    else
        tlsp_lline_init(&rd, data ? data : "", len, m->name, true);
    for (;;) {
        unsigned lineno;
        bool found;
        int added;

        if ((st = tlsp_lline_next(m, &rd, &line, &lineno, &found, diag)) != TLSP_OK || !found)
            break;
        while (line.len > 0 && tlsp_isspace((unsigned char)line.data[line.len - 1]))
            tlsp_buf_truncate(&line, line.len - 1);
        if (line.data[0] == 0)
            continue;
        if ((st = parse_rule(m, t, lineno, line.data, nesting, &added, diag)) != TLSP_OK)
            break;
        if (added == OP_IF) {
            if (nesting == stack_cap) {
                size_t cap = stack_cap ? stack_cap * 2 : 8;
                size_t *v = realloc(stack, cap * sizeof(*v));

                if (v == NULL) {
                    st = TLSP_NOMEM;
                    break;
                }
                stack = v;
                stack_cap = cap;
            }
            stack[nesting++] = t->n - 1;
        } else if (added == OP_ENDIF) {
            t->rules[stack[--nesting]].endif = t->n - 1;
        }
    }
    while (st == TLSP_OK && nesting-- > 0) {
        const struct rx_rule *r = &t->rules[stack[nesting]];

        st = tlsp_map_msg(m, diag, TLSP_SEV_WARNING, t->file, r->line,
                          "%s map %s, line %u: IF has no matching ENDIF", kind, m->name, r->line);
    }
    if (st == TLSP_OK && t->max_sub > 0 &&
        (t->pmatch = calloc(t->max_sub + 1, sizeof(*t->pmatch))) == NULL)
        st = TLSP_NOMEM;
out:
    if (st != TLSP_OK) {
        rx_close(m);
        m->be = NULL;
    }
    free(stack);
    free(data);
    tlsp_buf_fini(&text);
    tlsp_buf_fini(&line);
    return st;
}

enum tlsp_status
tlsp_map_open_regexp(struct tlsp_map *m, struct tlsp_diag *diag)
{
    return open_rx(m, false, diag);
}

enum tlsp_status
tlsp_map_open_pcre(struct tlsp_map *m, struct tlsp_diag *diag)
{
    return open_rx(m, true, diag);
}
