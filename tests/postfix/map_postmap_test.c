/*
 * map_postmap_test.c - lookup tables compared with the real postmap(1)
 *
 * The oracle is Postfix 3.7's own dict layer as "postmap -c DIR -q KEY
 * TYPE:NAME" runs it. Compiled tables are built by postmap itself. For
 * every key, our tlsp_map_lookup() must give the same answer: the same
 * value (exit status 0), not found (exit status 1), or a failure where
 * postmap stops with "fatal:", whose text must be the reason our
 * unavailable table reports. Every warning postmap prints must be in our
 * diag with the same text, and every warning we report must be one
 * postmap prints.
 *
 * postmap -q opens tables with DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX |
 * DICT_FLAG_UTF8_REQUEST | DICT_FLAG_DUP_WARN (-f drops FOLD_FIX). That is
 * smtp(8)'s way of opening smtp_tls_policy_maps (TLSP_MAP_FOLD_FIX, plus
 * TLSP_MAP_UTF8 when smtputf8_enable is on) except for two things, which
 * the tests below check separately: postmap stops (fatal) where a daemon
 * continues with a surrogate table, and postmap tolerates duplicate
 * texthash keys (DUP_WARN) where smtp(8) makes the table unavailable.
 *
 * Configuration: "postmap -c DIR" reads DIR/main.cf only. Debian's Postfix
 * loads lmdb, cdb and pcre as plug-ins listed in dynamicmaps.cf, which it
 * reads from $meta_directory (built-in default /etc/postfix), not from
 * DIR, and loads from $shlib_directory (/usr/lib/postfix). The main.cf
 * written here names both explicitly so that the dependency is visible;
 * without them postmap would still find them through the built-in
 * defaults. Two configurations are used: compatibility_level = 3.6
 * (smtputf8_enable = yes: UTF-8 checks and Unicode case folding) and an
 * empty main.cf (Debian's built-in compatibility_level 0: smtputf8_enable
 * = no, ASCII-only folding).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include <tlspolicy/map.h>

#include "testutil.h"

#define POSTMAP "/usr/sbin/postmap"
#define POSTCONF "/usr/sbin/postconf"

static char *tmp;     /* tables */
static char *cf_utf8; /* compatibility_level = 3.6 */
static char *cf_zero; /* empty main.cf: compatibility level 0 */

/* ---- running postmap ---------------------------------------------------- */

struct pm {
    int rc;
    char *out;
    char *err;
};

static void
pm_free(struct pm *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

static void
pm_query(const char *cf, bool nofold, const char *key, const char *spec, struct pm *r)
{
    char *argv[10];
    int i = 0;

    argv[i++] = POSTMAP;
    argv[i++] = "-c";
    argv[i++] = (char *)cf;
    if (nofold)
        argv[i++] = "-f";
    argv[i++] = "-q";
    argv[i++] = (char *)key;
    argv[i++] = (char *)spec;
    argv[i] = NULL;
    r->rc = tu_run(argv, &r->out, &r->err);
}

/* postmap [-f|-n] TYPE:FILE, which must succeed. */
static void
pm_build(const char *cf, const char *opt, const char *spec)
{
    char *argv[8];
    char *err = NULL;
    int i = 0, rc;

    argv[i++] = POSTMAP;
    argv[i++] = "-c";
    argv[i++] = (char *)cf;
    if (opt)
        argv[i++] = (char *)opt;
    argv[i++] = (char *)spec;
    argv[i] = NULL;
    rc = tu_run(argv, NULL, &err);
    if (rc != 0)
        fail_msg("postmap %s failed (%d): %s", spec, rc, err);
    free(err);
}

/* Next "postmap: KIND: TEXT" line of err after *pos; TEXT into buf. */
static bool
next_line(const char *err, size_t *pos, const char *kind, char *buf, size_t size)
{
    char prefix[64];
    size_t pl;

    snprintf(prefix, sizeof(prefix), "postmap: %s: ", kind);
    pl = strlen(prefix);
    while (err[*pos]) {
        const char *line = err + *pos;
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);

        *pos += len + (nl ? 1 : 0);
        if (len >= pl && strncmp(line, prefix, pl) == 0) {
            len -= pl;
            if (len >= size)
                len = size - 1;
            memcpy(buf, line + pl, len);
            buf[len] = 0;
            return true;
        }
    }
    return false;
}

/* ---- comparing texts ----------------------------------------------------- */

/* Whether message m says text, with its file/line fields put back in front. */
static bool
msg_says(const struct tlsp_msg *m, const char *text)
{
    char buf[8192];

    if (strcmp(m->text, text) == 0)
        return true;
    if (m->file && m->line) {
        snprintf(buf, sizeof(buf), "%s, line %u: %s", m->file, m->line, m->text);
        if (strcmp(buf, text) == 0)
            return true;
    }
    if (m->file) {
        snprintf(buf, sizeof(buf), "%s: %s", m->file, m->text);
        if (strcmp(buf, text) == 0)
            return true;
    }
    return false;
}

static bool
diag_says(const struct tlsp_diag *d, const char *text)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++)
        if (msg_says(&d->msgs[i], text))
            return true;
    return false;
}

/* postmap's own warnings about its output, not the table's */
static bool
postmap_only(const char *w)
{
    return strstr(w, "empty string result is not allowed") != NULL ||
           strstr(w, "should return NO RESULT in case of NOT FOUND") != NULL;
}

/* ---- the comparison -------------------------------------------------------- */

struct run {
    const char *cf;
    unsigned flags;
    bool nofold;
};

static const struct run runs_default[] = {
    {NULL, TLSP_MAP_FOLD_FIX | TLSP_MAP_UTF8, false}, /* cf_utf8 */
    {NULL, TLSP_MAP_UTF8, true},                      /* cf_utf8, postmap -f */
    {NULL, TLSP_MAP_FOLD_FIX, false},                 /* cf_zero */
};

/*
 * postmap sleeps one second before it exits on "fatal:", so tables that
 * fail to open are asked for one key only: their answer does not depend
 * on the key.
 */
static const char *const one_key[] = {"example.com", NULL};

static const char *
run_cf(size_t i)
{
    return i < 2 ? cf_utf8 : cf_zero;
}

/*
 * same_as_postmap - compare every key with postmap in the three
 * configurations of runs_default. postmap -q runs once per key, so the
 * table is opened afresh for every key too: compiled tables remember
 * whether keys carry a trailing NUL from one lookup to the next.
 */
static void
compare_runs(const char *spec, const char *const *keys, bool with_nofold)
{
    size_t r;

    for (r = 0; r < sizeof(runs_default) / sizeof(runs_default[0]); r++) {
        if (runs_default[r].nofold && !with_nofold)
            continue;
        const char *cf = run_cf(r);
        unsigned flags = runs_default[r].flags;
        const char *const *k;

        for (k = keys; *k; k++) {
            struct pm pm;
            struct tlsp_diag od, ld;
            struct tlsp_map *m = NULL;
            const char *value = NULL, *reason = NULL;
            enum tlsp_status st;
            char text[8192];
            size_t pos = 0, i;
            bool fatal;

            tlsp_diag_init(&od);
            tlsp_diag_init(&ld);
            assert_int_equal(tlsp_map_open(spec, flags, &m, &od), TLSP_OK);
            (void)tlsp_map_is_available(m, &reason);
            pm_query(cf, runs_default[r].nofold, *k, spec, &pm);
            st = tlsp_map_lookup(m, *k, &value, NULL, &ld);
            fatal = strstr(pm.err, "postmap: fatal: ") != NULL;
            if (pm.rc == 0) {
                tu_chomp(pm.out);
                if (st != TLSP_OK || strcmp(value, pm.out) != 0)
                    fail_msg("%s (run %zu) key \"%s\": postmap says \"%s\", we say %s \"%s\"", spec,
                             r, *k, pm.out, tlsp_status_name(st), value ? value : "");
            } else if (pm.rc == 1 && !fatal) {
                if (st != TLSP_NOTFOUND)
                    fail_msg("%s (run %zu) key \"%s\": postmap finds nothing, we say %s \"%s\"",
                             spec, r, *k, tlsp_status_name(st), value ? value : "");
            } else if (pm.rc == 1) {
                if (st != TLSP_RETRY)
                    fail_msg("%s (run %zu) key \"%s\": postmap fails (%s), we say %s", spec, r, *k,
                             pm.err, tlsp_status_name(st));
                pos = 0;
                while (next_line(pm.err, &pos, "fatal", text, sizeof(text))) {
                    size_t tl = strlen(text), rl;

                    if (strncmp(text, "table ", 6) == 0 && strstr(text, ": query error"))
                        continue; /* postmap's reaction to a lookup error */
                    if (diag_says(&ld, text))
                        continue; /* a read error at lookup time */
                    if (reason == NULL || (rl = strlen(reason)) < tl ||
                        strcmp(reason + rl - tl, text) != 0)
                        fail_msg("%s (run %zu): postmap: fatal: %s; our reason: %s", spec, r, text,
                                 reason ? reason : "(none)");
                }
            } else {
                fail_msg("%s: postmap exit status %d: %s", spec, pm.rc, pm.err);
            }
            /* every warning postmap prints is ours too */
            pos = 0;
            while (next_line(pm.err, &pos, "warning", text, sizeof(text))) {
                if (postmap_only(text))
                    continue;
                if (!diag_says(&od, text) && !diag_says(&ld, text))
                    fail_msg("%s (run %zu) key \"%s\": postmap warns \"%s\"; we do not", spec, r,
                             *k, text);
            }
            /* every Postfix text we report at open is one postmap printed */
            for (i = 0; i < od.n_msgs; i++) {
                const struct tlsp_msg *msg = &od.msgs[i];
                const char *un = strstr(msg->text, " is unavailable. ");
                bool seen = false;

                if (msg->sev == TLSP_SEV_NOTE)
                    continue;
                pos = 0;
                while (!seen && next_line(pm.err, &pos, "warning", text, sizeof(text)))
                    seen = msg_says(msg, text);
                pos = 0;
                while (!seen && next_line(pm.err, &pos, "fatal", text, sizeof(text)))
                    seen = msg_says(msg, text) || (un && strcmp(un + 17, text) == 0);
                if (!seen)
                    fail_msg("%s (run %zu) key \"%s\": we report \"%s\", postmap does not", spec, r,
                             *k, msg->text);
            }
            tlsp_map_free(m);
            tlsp_diag_fini(&od);
            tlsp_diag_fini(&ld);
            pm_free(&pm);
        }
    }
}

static void
same_as_postmap(const char *spec, const char *const *keys)
{
    compare_runs(spec, keys, true);
}

/* A table that does not open: its failure does not depend on folding. */
static void
fails_as_postmap(const char *spec)
{
    compare_runs(spec, one_key, false);
}

static char *
path(const char *name)
{
    char *p;

    if (asprintf(&p, "%s/%s", tmp, name) < 0)
        fail_msg("out of memory");
    return p;
}

static char *
spec_of(const char *type, const char *name)
{
    char *p;

    if (asprintf(&p, "%s:%s/%s", type, tmp, name) < 0)
        fail_msg("out of memory");
    return p;
}

static void
set_mtime(const char *file, time_t when)
{
    struct timeval tv[2];

    tv[0].tv_sec = tv[1].tv_sec = when;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    if (utimes(file, tv) != 0)
        fail_msg("utimes %s: %s", file, strerror(errno));
}

/* ---- fixtures --------------------------------------------------------------- */

/* postmap input format with its corner cases (lines numbered in comments) */
static const char policy_text[] = "# TLS policy\n"                           /* 1 */
                                  "example.com\tsecure match=.example.com\n" /* 2 */
                                  ".example.com    verify   \n"              /* 3 */
                                  "Mixed.Case.Example  encrypt\n"            /* 4 */
                                  "trailing.dot.example. may\n"              /* 5 */
                                  "[mx.example.net]:587 dane-only\n"         /* 6 */
                                  "cont.example secure\n"                    /* 7 */
                                  "  ciphers=high\n"                         /* 8 */
                                  "# a comment inside a logical line\n"      /* 9 */
                                  "\n"                                       /* 10 */
                                  "\tprotocols=>=TLSv1.2\n"                  /* 11 */
                                  "\"quoted key\" fingerprint\n"             /* 12 */
                                  "back\\ slash none\n"                      /* 13 */
                                  "novalue\n"                                /* 14 */
                                  "alias.example: may\n"                     /* 15 */
                                  "crlf.example encrypt\r\n"                 /* 16 */
                                  "\xc3\x84rger.example dane\n"              /* 17: Ärger */
                                  "unbalanced\"quote x\n"                    /* 18 */
                                  "latin\xe9.example not-utf8-key\n"         /* 19 */
                                  "last.example\tno-newline";                /* 20 */

static const char *const policy_keys[] = {
    "example.com",
    "EXAMPLE.COM",
    ".example.com",
    "sub.example.com",
    "mixed.case.example",
    "Mixed.Case.Example",
    "trailing.dot.example.",
    "trailing.dot.example",
    "[mx.example.net]:587",
    "[MX.example.net]:587",
    "mx.example.net",
    "cont.example",
    "\"quoted key\"",
    "quoted key",
    "back\\ slash",
    "novalue",
    "alias.example:",
    "crlf.example",
    "\xc3\xa4rger.example",
    "\xc3\x84RGER.EXAMPLE",
    "\xff\xfe.example",
    "unbalanced\"quote",
    "latin\xe9.example",
    "last.example",
    "",
    "nothing.example",
    NULL,
};

static const char regexp_text[] =
    "# regexp table\n"
    "/^(.*)\\.example\\.com$/\tsecure match=$1.example.com:${1}.mx.example.com\n"
    "/^[[]([^]]*)[]]:([0-9]+)$/\tencrypt $(1) port $2\n"
    "/^UPPER\\.example$/i\tcase-sensitive\n"
    "/^two(.)/!/^twoz/\tTWO $1\n"
    "!/^neg/!/xyz/\tdouble-negative\n"
    "/^empty(x)?$/\t[$1]\n"
    "/^multi$/\n"
    "\tcontinued value\n"
    "/^nothing-after$/\n"
    "if /^cond/\n"
    "/^conda$/\tin-if\n"
    "if !/x/\n"
    "/^condb$/\tin-nested-if\n"
    "endif\n"
    "endif\n"
    "/^cond/\tafter-endif\n"
    "IF /^open/\n"
    "/^open-a$/\tin-open-if\n"
    "/^bad0/\t$0\n"
    "/^badx/\t$x\n"
    "/^bad2(.)/\t$2\n"
    "/^badtrunc(.)/\t${1\n"
    "/^baddollar/\ta $ b\n"
    "/^badflag/q\tunknown-flag\n"
    "/^noclose\tx\n"
    "/^badre[/\tbad-re\n"
    "!/^negsub(.)/\t$1\n"
    "endif\n"
    "junk line\n"
    "/^dollar$/\ta$$b\n"
    "/a b/x\tbasic-re\n"
    "|^pipe(.)|\tpipe $1\n";

static const char *const regexp_keys[] = {
    "a.example.com",
    "A.B.Example.COM",
    "[mx.example.net]:25",
    "UPPER.example",
    "upper.example",
    "twoa",
    "twoz",
    "neg",
    "posxyz",
    "other",
    "empty",
    "emptyx",
    "multi",
    "nothing-after",
    "conda",
    "condb",
    "condc",
    "open-a",
    "open-b",
    "bad0",
    "badx",
    "bad2a",
    "badtrunca",
    "baddollar",
    "badflag",
    "negsubx",
    "dollar",
    "a b",
    "pipez",
    "\xff",
    NULL,
};

static const char pcre_text[] = "/^(.*)\\.example\\.com$/\tsecure match=$1.example.com\n"
                                "/^Case$/i\tcase-sensitive\n"
                                "/^a.b$/\tdotall-default\n"
                                "/^c.d$/s\tdot-no-newline\n"
                                "/^line$/m\tmultiline\n"
                                "/ x y z /x\textended\n"
                                "/yz/A\tanchored\n"
                                "/^end$/E\tdollar-endonly\n"
                                "/^(a+?)/U\tungreedy $1\n"
                                "/^obsolete/X\tobsolete-flag\n"
                                "/^(?<name>named)/\tnamed $1\n"
                                "/^(a)?(b)/\t<$1|$2>\n"
                                "/^badre(/\tbad\n"
                                "/^noclose\tx\n"
                                "/^badflag/q\tx\n"
                                "/^neg/!/x/\tpcre-has-no-second-pattern\n"
                                "/^(z+)+$/\tcatastrophic\n" /* exceeds the PCRE2 match limit */
                                "/^z/\tfallback\n"
                                "if /^c/\n"
                                "/^cx$/\tin-if\n"
                                "endif\n"
                                "endif\n";

static const char *const pcre_keys[] = {
    "a.example.com",
    "Case",
    "case",
    "a\nb",
    "c\nd",
    "cxd",
    "x\nline",
    "xyz",
    "yzx",
    "end",
    "end\n",
    "aaa",
    "obsolete",
    "named",
    "b",
    "ab",
    "badre",
    "neg",
    "cx",
    "cy",
    "zzz",
    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzy",
    NULL,
};

/* ---- setup ----------------------------------------------------------------- */

static void
require_map_types(void)
{
    char *argv[] = {POSTCONF, "-c", cf_utf8, "-m", NULL};
    char *out = NULL;
    static const struct {
        const char *type, *package;
    } need[] = {{"lmdb", "postfix-lmdb"}, {"cdb", "postfix-cdb"}, {"pcre", "postfix-pcre"},
                {"hash", "postfix"},      {"btree", "postfix"},   {"regexp", "postfix"}};
    size_t i;

    if (tu_run(argv, &out, NULL) != 0)
        fail_msg("postconf -m failed");
    for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
        const char *p = out;
        size_t n = strlen(need[i].type);
        bool found = false;

        while (!found && (p = strstr(p, need[i].type)) != NULL) {
            found = (p == out || p[-1] == '\n') && (p[n] == '\n' || p[n] == 0);
            p += n;
        }
        if (!found)
            fail_msg("postmap lacks the %s table type: install the Debian package %s", need[i].type,
                     need[i].package);
    }
    free(out);
}

static int
group_setup(void **state)
{
    char *f;

    (void)state;
    tu_require_program(POSTMAP, "postfix");
    tu_require_program(POSTCONF, "postfix");
    tmp = tu_mkdtemp("map-postmap");
    cf_utf8 = path("cf-utf8");
    cf_zero = path("cf-zero");
    if (mkdir(cf_utf8, 0755) != 0 || mkdir(cf_zero, 0755) != 0)
        fail_msg("mkdir: %s", strerror(errno));
    f = tu_write(cf_utf8, "main.cf",
                 "compatibility_level = 3.6\n"
                 "# dynamicmaps.cf (lmdb, cdb, pcre) is read from here, not from -c DIR\n"
                 "meta_directory = /etc/postfix\n"
                 "shlib_directory = /usr/lib/postfix\n");
    free(f);
    f = tu_write(cf_zero, "main.cf",
                 "meta_directory = /etc/postfix\nshlib_directory = /usr/lib/postfix\n");
    free(f);
    require_map_types();
    free(tu_write(tmp, "policy", policy_text));
    free(tu_write(tmp, "regexp", regexp_text));
    free(tu_write(tmp, "pcre", pcre_text));
    return 0;
}

static int
group_teardown(void **state)
{
    (void)state;
    tu_rmtree(tmp);
    free(tmp);
    free(cf_utf8);
    free(cf_zero);
    return 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_texthash(void **state)
{
    char *spec = spec_of("texthash", "policy");

    (void)state;
    same_as_postmap(spec, policy_keys);
    free(spec);
}

static void
test_texthash_missing(void **state)
{
    char *spec = spec_of("texthash", "no-such-file");

    (void)state;
    fails_as_postmap(spec);
    free(spec);
}

/*
 * Duplicate keys: postmap -q (DICT_FLAG_DUP_WARN) warns and keeps the first
 * entry; smtp(8) opens without a DUP flag, so dict_thash.c makes the whole
 * table a surrogate with the same text. We check the text and our
 * surrogate; keys folded to the same form are duplicates.
 */
static void
test_texthash_duplicates(void **state)
{
    char *file =
        tu_write(tmp, "dups", "Dup.Example first\nother.example x\n\ndup.EXAMPLE second\n");
    char *spec = spec_of("texthash", "dups");
    char *want;
    struct pm pm;
    struct tlsp_map *m;
    struct tlsp_diag d;
    const char *value, *reason;
    char text[4096];
    size_t pos = 0;

    (void)state;
    pm_query(cf_utf8, false, "dup.example", spec, &pm);
    assert_int_equal(pm.rc, 0);
    assert_string_equal(tu_chomp(pm.out), "first");
    assert_true(next_line(pm.err, &pos, "warning", text, sizeof(text)));
    if (asprintf(&want, "%s, line 4: duplicate entry: \"dup.EXAMPLE\"", file) < 0)
        fail_msg("out of memory");
    assert_string_equal(text, want);
    pm_free(&pm);

    tlsp_diag_init(&d);
    assert_int_equal(tlsp_map_open(spec, TLSP_MAP_FOLD_FIX | TLSP_MAP_UTF8, &m, &d), TLSP_OK);
    assert_false(tlsp_map_is_available(m, &reason));
    assert_non_null(strstr(reason, want));
    assert_non_null(strstr(reason, " is unavailable. "));
    assert_int_equal(tlsp_map_lookup(m, "other.example", &value, NULL, NULL), TLSP_RETRY);
    tlsp_map_free(m);
    tlsp_diag_fini(&d);

    /* without folding the two keys differ: postmap -f keeps both */
    pm_query(cf_utf8, true, "dup.EXAMPLE", spec, &pm);
    assert_int_equal(pm.rc, 0);
    assert_string_equal(tu_chomp(pm.out), "second");
    assert_null(strstr(pm.err, "duplicate"));
    pm_free(&pm);
    assert_int_equal(tlsp_map_open(spec, TLSP_MAP_UTF8, &m, NULL), TLSP_OK);
    assert_true(tlsp_map_is_available(m, NULL));
    assert_int_equal(tlsp_map_lookup(m, "dup.EXAMPLE", &value, NULL, NULL), TLSP_OK);
    assert_string_equal(value, "second");
    tlsp_map_free(m);
    free(want);
    free(spec);

    /* compiled from the same source, postmap keeps the first entry too */
    {
        static const char *const keys[] = {"dup.example", "DUP.EXAMPLE", "other.example", NULL};
        static const char *const types[] = {"hash", "lmdb", "cdb"};
        size_t i;

        for (i = 0; i < 3; i++) {
            spec = spec_of(types[i], "dups");
            pm_build(cf_utf8, NULL, spec);
            same_as_postmap(spec, keys);
            free(spec);
        }
    }
    free(file);
}

static void
test_inline_and_static(void **state)
{
    static const char *const keys[] = {"a", "A", "c", "C", "f.q", "e", "", "x", NULL};
    static const char *const good[] = {
        "inline:{ a=b, { c = d e }, F.Q=Up }",
        "inline:{a=1,a=2}",
        "inline:{=empty-key}",
        "inline:{a=}",
        "inline:{ {a=b c} , e = f }",
        "inline:{a={b c}}",
        "inline:{\xc3\xa4=umlaut}",
        "static:value",
        "static:{ value with spaces }",
        "static:{}",
        "static:x}",
        "static:{{a}}",
        NULL,
    };
    static const char *const bad[] = {
        "inline:{}",
        "inline:{ }",
        "inline:a=b",
        "inline:{a=b",
        "inline:{a=b}x",
        "inline:{a}",
        "inline:{a = b}",
        "inline:{a=b, { }}",
        "inline:{a=b, {c=d}x, e=f}",
        "inline:{ {a=b }",
        "inline:{\xff=bad}",
        "static:{ a }b",
        "static:{ a",
        NULL,
    };
    const char *const *s;

    (void)state;
    for (s = good; *s; s++)
        same_as_postmap(*s, keys);
    for (s = bad; *s; s++)
        fails_as_postmap(*s);
}

static void
compiled(const char *type, const char *opt, const char *cf)
{
    char *spec = spec_of(type, "policy");

    pm_build(cf, opt, spec);
    same_as_postmap(spec, policy_keys);
    free(spec);
}

static void
test_hash(void **state)
{
    (void)state;
    compiled("hash", NULL, cf_utf8);
    compiled("hash", "-f", cf_utf8); /* keys stored as written */
    compiled("hash", "-n", cf_utf8); /* keys without the trailing NUL */
    compiled("hash", NULL, cf_zero); /* built without UTF-8 checks */
}

static void
test_btree(void **state)
{
    (void)state;
    compiled("btree", NULL, cf_utf8);
    compiled("btree", "-f", cf_utf8);
}

static void
test_lmdb(void **state)
{
    (void)state;
    compiled("lmdb", NULL, cf_utf8);
    compiled("lmdb", "-N", cf_utf8);
    compiled("lmdb", "-f", cf_zero);
}

static void
test_cdb(void **state)
{
    (void)state;
    compiled("cdb", NULL, cf_utf8);
    compiled("cdb", "-N", cf_utf8); /* keys with the trailing NUL */
    compiled("cdb", "-f", cf_utf8);
}

static void
test_compiled_broken(void **state)
{
    const char *const *keys = one_key;
    static const char *const types[] = {"hash", "btree", "lmdb", "cdb"};
    char *spec, *f;
    size_t i;

    (void)state;
    /* missing compiled files */
    for (i = 0; i < 4; i++) {
        spec = spec_of(types[i], "missing");
        fails_as_postmap(spec);
        free(spec);
    }
    /* garbage in the compiled files */
    free(tu_write(tmp, "garbage", "example.com x\n"));
    free(tu_write(tmp, "garbage.db", "this is not a database\n"));
    free(tu_write(tmp, "garbage.lmdb", "this is not a database\n"));
    free(tu_write(tmp, "garbage.cdb", "this is not a database\n"));
    for (i = 0; i < 4; i++) {
        spec = spec_of(types[i], "garbage");
        fails_as_postmap(spec);
        free(spec);
    }
    /* empty compiled files */
    free(tu_write(tmp, "empty", "example.com x\n"));
    free(tu_write(tmp, "empty.db", ""));
    free(tu_write(tmp, "empty.lmdb", ""));
    free(tu_write(tmp, "empty.cdb", ""));
    for (i = 0; i < 4; i++) {
        spec = spec_of(types[i], "empty");
        fails_as_postmap(spec);
        free(spec);
    }
    /* a hash file opened as btree */
    free(tu_write(tmp, "kind", "example.com x\n"));
    spec = spec_of("hash", "kind");
    pm_build(cf_utf8, NULL, spec);
    free(spec);
    spec = spec_of("btree", "kind");
    fails_as_postmap(spec);
    free(spec);
    /* a non-UTF-8 value, built without UTF-8 checks, read with them */
    f = tu_write(tmp, "latin1", "example.com caf\xe9\n");
    free(f);
    for (i = 0; i < 4; i++) {
        spec = spec_of(types[i], "latin1"); /* btree rebuilds hash's latin1.db */
        pm_build(cf_zero, NULL, spec);
        same_as_postmap(spec, keys);
        free(spec);
    }
}

/* "database X is older than source file X": source changed > 100 s ago */
static void
test_compiled_stale(void **state)
{
    static const char *const keys[] = {"example.com", NULL};
    static const char *const types[] = {"hash", "lmdb", "cdb"};
    static const char *const suffix[] = {".db", ".lmdb", ".cdb"};
    time_t now = time(NULL);
    char *src = tu_write(tmp, "stale", "example.com secure\n");
    size_t i;

    (void)state;
    for (i = 0; i < 3; i++) {
        char *spec = spec_of(types[i], "stale");
        char *db = NULL, *want = NULL;
        struct tlsp_map *m;
        struct tlsp_diag d;

        pm_build(cf_utf8, NULL, spec);
        if (asprintf(&db, "%s%s", src, suffix[i]) < 0 ||
            asprintf(&want, "database %s is older than source file %s", db, src) < 0)
            fail_msg("out of memory");
        set_mtime(db, now - 3600);
        set_mtime(src, now - 600);
        same_as_postmap(spec, keys); /* postmap warns; so must we */
        tlsp_diag_init(&d);
        assert_int_equal(tlsp_map_open(spec, TLSP_MAP_FOLD_FIX, &m, &d), TLSP_OK);
        assert_true(diag_says(&d, want));
        tlsp_map_free(m);
        tlsp_diag_fini(&d);
        /* changed less than 100 s ago: no warning from either */
        set_mtime(src, now - 30);
        same_as_postmap(spec, keys);
        tlsp_diag_init(&d);
        assert_int_equal(tlsp_map_open(spec, TLSP_MAP_FOLD_FIX, &m, &d), TLSP_OK);
        assert_false(diag_says(&d, want));
        tlsp_map_free(m);
        tlsp_diag_fini(&d);
        free(db);
        free(want);
        free(spec);
    }
    free(src);
}

static void
test_regexp(void **state)
{
    static const char *const inline_keys[] = {"foo", "FOO", "bar", "x", NULL};
    static const char *const inline_specs[] = {
        "regexp:{ {/^foo$/ bar baz}, {/^b(a)r$/ got $1} }",
        "regexp:{}",
        "regexp:{{#comment# x}, {/x/ y}}",
        "regexp:{ {if /^f/}, {/o$/ in-if}, {endif} }",
        NULL,
    };
    static const char *const bad_specs[] = {
        "regexp:{/foo/ bar}",
        "regexp:{{/foo/ bar} x}",
        "regexp:{{/foo/ bar}}x",
        "pcre:{{/x/ y}",
        NULL,
    };
    char *spec = spec_of("regexp", "regexp");
    const char *const *s;

    (void)state;
    same_as_postmap(spec, regexp_keys);
    free(spec);
    spec = spec_of("regexp", "no-such-file");
    fails_as_postmap(spec);
    free(spec);
    for (s = inline_specs; *s; s++)
        same_as_postmap(*s, inline_keys);
    for (s = bad_specs; *s; s++)
        fails_as_postmap(*s);
}

static void
test_pcre(void **state)
{
    static const char *const inline_keys[] = {"foo", "FOO", "bar", "x", NULL};
    static const char *const inline_specs[] = {
        "pcre:{ {/^foo$/ bar baz}, {/^b(a)r$/ got $1} }",
        "pcre:{}",
        NULL,
    };
    char *spec = spec_of("pcre", "pcre");
    const char *const *s;

    (void)state;
    same_as_postmap(spec, pcre_keys);
    free(spec);
    spec = spec_of("pcre", "no-such-file");
    fails_as_postmap(spec);
    free(spec);
    for (s = inline_specs; *s; s++)
        same_as_postmap(*s, inline_keys);
}

/* proxy:TYPE:NAME is read as TYPE:NAME; postmap cannot reach proxymap here */
static void
test_proxy(void **state)
{
    static const char *const types[] = {"texthash", "hash", "lmdb", "cdb", "regexp"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        const char *const *keys = strcmp(types[i], "regexp") == 0 ? regexp_keys : policy_keys;
        const char *name = strcmp(types[i], "regexp") == 0 ? "regexp" : "policy";
        char *direct = spec_of(types[i], name);
        char *proxied;
        struct tlsp_map *m;
        const char *const *k;

        if (strcmp(types[i], "texthash") != 0 && strcmp(types[i], "regexp") != 0)
            pm_build(cf_utf8, NULL, direct);
        if (asprintf(&proxied, "proxy:%s", direct) < 0)
            fail_msg("out of memory");
        for (k = keys; *k; k++) {
            struct pm pm;
            const char *value;
            enum tlsp_status st;

            /* a fresh table per key, as postmap -q has */
            assert_int_equal(tlsp_map_open(proxied, TLSP_MAP_FOLD_FIX | TLSP_MAP_UTF8, &m, NULL),
                             TLSP_OK);
            assert_string_equal(tlsp_map_type(m), types[i]);
            assert_string_equal(tlsp_map_spec(m), proxied);
            pm_query(cf_utf8, false, *k, direct, &pm);
            st = tlsp_map_lookup(m, *k, &value, NULL, NULL);
            if (pm.rc == 0) {
                assert_int_equal(st, TLSP_OK);
                assert_string_equal(value, tu_chomp(pm.out));
            } else if (strstr(pm.err, "fatal:")) {
                assert_int_equal(st, TLSP_RETRY);
            } else {
                assert_int_equal(st, TLSP_NOTFOUND);
            }
            pm_free(&pm);
            tlsp_map_free(m);
        }
        free(proxied);
        free(direct);
    }
}

static void
test_other_types(void **state)
{
    (void)state;
    fails_as_postmap("bogus:whatever"); /* unsupported dictionary type: bogus */
    fails_as_postmap("fail:reason");    /* every lookup fails */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_texthash),
        cmocka_unit_test(test_texthash_missing),
        cmocka_unit_test(test_texthash_duplicates),
        cmocka_unit_test(test_inline_and_static),
        cmocka_unit_test(test_hash),
        cmocka_unit_test(test_btree),
        cmocka_unit_test(test_lmdb),
        cmocka_unit_test(test_cdb),
        cmocka_unit_test(test_compiled_broken),
        cmocka_unit_test(test_compiled_stale),
        cmocka_unit_test(test_regexp),
        cmocka_unit_test(test_pcre),
        cmocka_unit_test(test_proxy),
        cmocka_unit_test(test_other_types),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
