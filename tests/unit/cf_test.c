/*
 * cf_test.c - main.cf and master.cf read as Postfix 3.7.11 reads them
 *
 * Every expected text and value below was established with the real
 * Postfix 3.7.11 of Debian 12: postconf -x / -n / -P for main.cf and
 * expansion, and the real master(8) (run in a private instance) for
 * master.cf fatal errors; tests/postfix/cf_postconf_test.c compares with
 * postconf live. Each row names the rule it checks: "spec" is
 * /work/shared/spec/postfix-tls-policy.md, "main.cf(5)" postconf(5)'s
 * "general format" section, "mac_expand" Postfix's $name expansion.
 * Negative cases come first in every group.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tlspolicy/cf.h>

#include "cf_internal.h"
#include "testutil.h"

#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))

static const char op_any[] = "\"==\" or \"!=\"\" or \"<\"\" or \"<=\"\" or \">=\"\" or \">\"";

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

struct loaded {
    char *dir;
    struct tlsp_cf *cf;
    struct tlsp_diag d;
    enum tlsp_status st;
};

/* load_text - write main.cf / master.cf (NULL: absent) and load them */
static void
load_text(struct loaded *l, const char *main_cf, const char *master_cf)
{
    l->dir = tu_mkdtemp("cf");
    if (main_cf)
        free(tu_write(l->dir, "main.cf", main_cf));
    if (master_cf)
        free(tu_write(l->dir, "master.cf", master_cf));
    tlsp_diag_init(&l->d);
    l->cf = NULL;
    l->st = tlsp_cf_load(l->dir, NULL, &l->cf, &l->d);
}

/* load_ok - as load_text() with an empty master.cf, asserting success */
static void
load_ok(struct loaded *l, const char *main_cf)
{
    load_text(l, main_cf, "");
    if (l->st != TLSP_OK)
        fail_msg("load of %s: %s", main_cf, tlsp_status_name(l->st));
}

static void
unload(struct loaded *l)
{
    tlsp_cf_free(l->cf);
    tlsp_diag_fini(&l->d);
    tu_rmtree(l->dir);
    free(l->dir);
}

static char *
path_in(const char *dir, const char *file)
{
    char *p;

    if (asprintf(&p, "%s/%s", dir, file) < 0)
        fail_msg("out of memory");
    return p;
}

/* count - messages of a severity */
static size_t
count(const struct tlsp_diag *d, enum tlsp_severity sev)
{
    size_t i, n = 0;

    for (i = 0; i < d->n_msgs; i++)
        n += d->msgs[i].sev == sev;
    return n;
}

static void
dump(const struct tlsp_diag *d)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++) {
        char *t = tlsp_diag_format(&d->msgs[i]);

        print_message("  diag: %s\n", t);
        free(t);
    }
}

/*
 * expect_msg - message i has this severity, file (NULL: none; else the
 * path must equal), line and text
 */
static void
expect_msg(const struct tlsp_diag *d, size_t i, enum tlsp_severity sev, const char *file,
           unsigned line, const char *text)
{
    const struct tlsp_msg *m;

    if (i >= d->n_msgs) {
        dump(d);
        fail_msg("no message %zu (want \"%s\")", i, text);
    }
    m = &d->msgs[i];
    if (m->sev != sev || m->line != line || strcmp(m->text, text) != 0 ||
        (file == NULL) != (m->file == NULL) || (file && strcmp(file, m->file) != 0)) {
        dump(d);
        fail_msg("message %zu: want %s %s:%u \"%s\"", i, tlsp_severity_name(sev), file ? file : "-",
                 line, text);
    }
}

static const char *
get(struct tlsp_cf *cf, const char *name)
{
    const char *v = NULL;
    struct tlsp_diag d;
    enum tlsp_status st;

    tlsp_diag_init(&d);
    st = tlsp_cf_get(cf, name, &v, &d);
    if (st != TLSP_OK) {
        dump(&d);
        fail_msg("get %s: %s", name, tlsp_status_name(st));
    }
    tlsp_diag_fini(&d);
    return v;
}

static void
check_value(struct tlsp_cf *cf, const char *name, const char *want)
{
    const char *v = get(cf, name);

    if (strcmp(v, want) != 0)
        fail_msg("%s = \"%s\", want \"%s\"", name, v, want);
}

/* ---------------------------------------------------------------------- */
/* main.cf syntax                                                         */
/* ---------------------------------------------------------------------- */

static void
test_main_cf_fatal(void **state)
{
    /* main.cf(5): "name = value" lines; Postfix stops with split_nameval()'s
     * reason, the whole logical line, and its first line number. */
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
    } rows[] = {
        {"foo\n", 1, "missing '=' after attribute name: \"foo\""},
        /* continuation joined without the newline; reported at its first line */
        {"\n\n  # c\nbar = 1\nfoo\n  more\n", 5, "missing '=' after attribute name: \"foo  more\""},
        /* blank and comment lines inside a logical line are skipped */
        {"a = 1\nfoo\n\n# c\n more\n\nb = 2\n", 2,
         "missing '=' after attribute name: \"foo more\""},
        {"= x\n", 1, "missing attribute name: \"= x\""},
        {"my domain = x\n", 1, "missing '=' after attribute name: \"my domain = x\""},
        {"ok = 1\n\n# x\nbad value here\n", 4,
         "missing '=' after attribute name: \"bad value here\""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(rows); i++) {
        struct loaded l;
        char *path;

        load_text(&l, rows[i].text, "");
        path = path_in(l.dir, "main.cf");
        if (l.st != TLSP_CONFIG || l.cf != NULL)
            fail_msg("row %zu: status %s", i, tlsp_status_name(l.st));
        assert_int_equal(count(&l.d, TLSP_SEV_FATAL), 1);
        expect_msg(&l.d, l.d.n_msgs - 1, TLSP_SEV_FATAL, path, rows[i].line, rows[i].msg);
        free(path);
        unload(&l);
    }
}

static void
test_main_cf_nul(void **state)
{
    /* readllines() keeps NUL bytes, split_nameval() sees a C string */
    static const char bad[] = "\0foo = 1\n";
    static const char cut[] = "mydomain = a\0b\nmyorigin = x\n";
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;

    (void)state;
    tlsp_diag_init(&d);
    assert_int_equal(
        tlsp_cf_load_mem("/nonexistent-dir", bad, sizeof(bad) - 1, "", 0, NULL, &cf, &d),
        TLSP_CONFIG);
    expect_msg(&d, d.n_msgs - 1, TLSP_SEV_FATAL, "/nonexistent-dir/main.cf", 1,
               "missing attribute name: \"\"");
    tlsp_diag_fini(&d);

    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load_mem("/x", cut, sizeof(cut) - 1, "", 0, NULL, &cf, &d), TLSP_OK);
    check_value(cf, "mydomain", "a");
    check_value(cf, "myorigin", "x");
    tlsp_cf_free(cf);
    tlsp_diag_fini(&d);
}

static void
test_main_cf_warnings(void **state)
{
    struct loaded l;
    char *path, *want;

    (void)state;
    /* readllines(): continuing text without preceding text is dropped */
    load_ok(&l, "  = x\nmydomain = d\n");
    path = path_in(l.dir, "main.cf");
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 0,
               "logical line must not start with whitespace: \"  = x\"");
    check_value(l.cf, "mydomain", "d");
    free(path);
    unload(&l);

    /* the first 30 bytes, then "..." */
    load_ok(&l, " 234567890123456789012345678901\n");
    path = path_in(l.dir, "main.cf");
    expect_msg(
        &l.d, 0, TLSP_SEV_WARNING, path, 0,
        "logical line must not start with whitespace: \" 23456789012345678901234567890...\"");
    free(path);
    unload(&l);

    load_ok(&l, " 23456789012345678901234567890\n");
    path = path_in(l.dir, "main.cf");
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 0,
               "logical line must not start with whitespace: \" 23456789012345678901234567890\"");
    free(path);
    unload(&l);

    /* the dropped logical line takes its continuation lines with it */
    load_ok(&l, " a = 1\n  b\nc = d\n");
    path = path_in(l.dir, "main.cf");
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 0,
               "logical line must not start with whitespace: \" a = 1  b\"");
    check_value(l.cf, "c", "d");
    assert_null(tlsp_cf_raw(l.cf, "a"));
    free(path);
    unload(&l);

    /* dict_load_fp(): last definition wins, warning when the value differs */
    load_ok(&l, "mydomain = a\nmydomain = b\n");
    path = path_in(l.dir, "main.cf");
    assert_int_equal(l.d.n_msgs, 1);
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 2, "overriding earlier entry: mydomain=a");
    check_value(l.cf, "mydomain", "b");
    free(path);
    unload(&l);

    load_ok(&l, "mydomain = a\nmydomain = a\n");
    assert_int_equal(l.d.n_msgs, 0);
    unload(&l);

    /* config_directory is in Postfix's dictionary before main.cf is read */
    load_ok(&l, "config_directory = /elsewhere\n");
    path = path_in(l.dir, "main.cf");
    if (asprintf(&want, "overriding earlier entry: config_directory=%s", l.dir) < 0)
        fail_msg("out of memory");
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 1, want);
    check_value(l.cf, "config_directory", "/elsewhere");
    free(want);
    free(path);
    unload(&l);

    /* postconf: read-only parameters ignore main.cf */
    load_ok(&l, "process_name = x\nservice_name = y\n");
    path = path_in(l.dir, "main.cf");
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 0,
               "read-only parameter assignment: process_name=x");
    expect_msg(&l.d, 1, TLSP_SEV_WARNING, path, 0,
               "read-only parameter assignment: service_name=y");
    check_value(l.cf, "process_name", "postconf");
    check_value(l.cf, "service_name", "");
    free(path);
    unload(&l);
}

static void
test_main_cf_values(void **state)
{
    /* main.cf(5): joined without newlines, blanks around '=' and at the end
     * dropped, '#' only starts a comment at the start of a line */
    static const struct {
        const char *text;
        const char *want;
    } rows[] = {
        {"a = x\n  y\n#c\n\n\tz\n", "x  y\tz"},
        {"a = v \t \n", "v"},
        {"a = b # not comment\n", "b # not comment"},
        {"a = x\\\n y\n", "x\\ y"},
        {"a = k=v\n", "k=v"},
        {"a=\n", ""},
        {"a\t=\t x  y \t\n", "x  y"},
        {"a = 1\na = 2\n", "2"},
        {"a = x\r\n", "x"},
        {"a = 1\n\r b\n\fc\n", "1\r b\fc"},
        {"a = b\n# c\n  d", "b  d"},
        {"a = = x\n", "= x"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(rows); i++) {
        struct loaded l;
        const char *v;

        load_ok(&l, rows[i].text);
        v = get(l.cf, "a");
        if (strcmp(v, rows[i].want) != 0)
            fail_msg("row %zu: a = \"%s\", want \"%s\"", i, v, rows[i].want);
        unload(&l);
    }
}

/* ---------------------------------------------------------------------- */
/* Expansion                                                              */
/* ---------------------------------------------------------------------- */

static void
test_expand_errors(void **state)
{
    /* mac_expand/mac_parse: each syntax error warns, postconf -x then stops
     * with "macro processing error"; some errors are fatal at once */
    static const struct {
        const char *expr;
        const char *warning; /* NULL: none */
        const char *fatal;
    } rows[] = {
        {"x$", "empty macro name: \"x$\"", "macro processing error"},
        {"$", "empty macro name: \"$\"", "macro processing error"},
        {"${}", "empty macro name: \"${}\"", "macro processing error"},
        {"$ x", "empty macro name: \"$ x\"", "macro processing error"},
        {"${foo", "truncated macro reference: \"${foo\"", "macro processing error"},
        {"$(foo", "truncated macro reference: \"$(foo\"", "macro processing error"},
        {"$(a}", "truncated macro reference: \"$(a}\"", "macro processing error"},
        {"${{a} == {b}", "truncated macro reference: \"${{a} == {b}\"", "macro processing error"},
        {"${a)}", "attribute name syntax error at: \"...a>>>)\"", "macro processing error"},
        {"${na me}", "attribute name syntax error at: \"...na>>> me\"", "macro processing error"},
        {"${a$b}", "attribute name syntax error at: \"...a>>>$b\"", "macro processing error"},
        {"${mail_name?{a}x}", "\":\" expected at: \"...a}>>>x\"", "macro processing error"},
        {"${mail_name?{a}:{b}x}", "unexpected input at: \"...b}>>>x\"", "macro processing error"},
        {"${mail_name:{a}x}", "unexpected input at: \"...a}>>>x\"", "macro processing error"},
        {"${mail_name?{x}:{y}:{z}}", "unexpected input at: \"...y}>>>:{z}\"",
         "macro processing error"},
        {"${mail_name:{x}?{y}}", "unexpected input at: \"...x}>>>?{y}\"", "macro processing error"},
        {"${{a}==}", "\"{expression}\" expected at: \"...{a} ==>>>\"", "macro processing error"},
        {"${{a}=={b}x}", "\"?\" or \":\" expected at: \"...}>>>x\"", "macro processing error"},
        {"${{3.6} < level {4}}", "\"{expression}\" expected at: \"...{3.6} <>>> level {4}\"",
         "macro processing error"},
        {"${{3.6} <foo {4}}", "bad operator suffix at: \"...<>>>foo\"", "macro processing error"},
        {"${{3.6} <levelx {4}}", "bad operator suffix at: \"...<>>>levelx\"",
         "macro processing error"},
        /* compatibility levels: major[.minor[.patch]], minor/patch <= 1023 */
        {"${{x} <level {3}}", "malformed compatibility level syntax: \"x\"",
         "macro processing error"},
        {"${{} <level {3}}", "malformed compatibility level syntax: \"\"",
         "macro processing error"},
        {"${{3.} <level {4}}", "malformed compatibility level syntax: \"3.\"",
         "macro processing error"},
        {"${{3.1.2.3} <level {4}}", "malformed compatibility level syntax: \"3.1.2.3\"",
         "macro processing error"},
        {"${{3.1024} <level {4}}", "malformed compatibility level syntax: \"3.1024\"",
         "macro processing error"},
        {"${{8796093022208} >level {1}}", "malformed compatibility level syntax: \"8796093022208\"",
         "macro processing error"},
        {"${{3.6} ==level {x}}", "malformed compatibility level syntax: \"x\"",
         "macro processing error"},
        {"${{a}==level{a}}", "malformed compatibility level syntax: \"a\"",
         "macro processing error"},
        /* numbers too large for a long: fatal at once, no warning */
        {"${{99999999999999999999} == {1}}", NULL,
         "mac_exp_eval: bad conversion: 99999999999999999999"},
        {"${{99999999999999999999} == {88888888888888888888}}", NULL,
         "mac_exp_eval: bad conversion: 99999999999999999999"},
    };
    struct loaded l;
    size_t i;

    (void)state;
    load_ok(&l, "");
    for (i = 0; i < N_ROWS(rows); i++) {
        struct tlsp_diag d;
        char *out = (char *)"unset";
        enum tlsp_status st;

        tlsp_diag_init(&d);
        st = tlsp_cf_expand(l.cf, rows[i].expr, &out, &d);
        if (st != TLSP_CONFIG || out != NULL) {
            dump(&d);
            fail_msg("row %zu (%s): status %s", i, rows[i].expr, tlsp_status_name(st));
        }
        if (rows[i].warning) {
            assert_int_equal(d.n_msgs, 2);
            expect_msg(&d, 0, TLSP_SEV_WARNING, NULL, 0, rows[i].warning);
        } else {
            assert_int_equal(d.n_msgs, 1);
        }
        expect_msg(&d, d.n_msgs - 1, TLSP_SEV_FATAL, NULL, 0, rows[i].fatal);
        tlsp_diag_fini(&d);
    }
    /* the operator list exactly as Postfix prints it (with its stray quotes) */
    {
        static const char *exprs[] = {"${{a}==={a}}", "${{a}}", "${{a}{b}}"};
        static const char *rest[] = {"==={a}", "", "{b}"};

        for (i = 0; i < N_ROWS(exprs); i++) {
            struct tlsp_diag d;
            char *out = NULL, *want;

            tlsp_diag_init(&d);
            assert_int_equal(tlsp_cf_expand(l.cf, exprs[i], &out, &d), TLSP_CONFIG);
            if (asprintf(&want, "%s expected at: \"...a}>>>%s\"", op_any, rest[i]) < 0)
                fail_msg("out of memory");
            expect_msg(&d, 0, TLSP_SEV_WARNING, NULL, 0, want);
            free(want);
            tlsp_diag_fini(&d);
        }
    }
    unload(&l);
}

static void
test_expand_values(void **state)
{
    /* mac_expand: every form; undefined names expand to nothing; values of
     * referenced parameters are expanded again */
    static const struct {
        const char *expr;
        const char *want;
    } rows[] = {
        {"$$", "$"},
        {"a$$b", "a$b"},
        {"$mail_name$$$mail_version", "Postfix$3.7.11"},
        {"${undefined_name}}", "}"},
        {"$a{b}", "{b}"},
        {"$mail_name-b", "Postfix-b"},
        {"${ mail_name }", "Postfix"},
        {"$(mail_name)", "Postfix"},
        {"${mail_name}x${mail_version}", "Postfixx3.7.11"},
        {"$ref", "via Postfix"},
        {"$set_empty", ""},
        /* ${name?text} and ${name:text}, plain text keeps ? : { } */
        {"${mail_name ? yes}", " yes"},
        {"$(mail_name?x)", "x"},
        {"${mail_name?a:b}", "a:b"},
        {"${mail_name:a?b}", ""},
        {"${mail_name??foo:{b}ar}", "?foo:{b}ar"},
        {"${mail_name:?foo:{b}ar}", ""},
        {"${mail_name?$mail_version}", "3.7.11"},
        {"${mail_name?}", ""},
        {"${nonexist:}", ""},
        {"${set_empty:empty}", "empty"},
        {"${set_empty?set}", ""},
        /* {text} operands: blanks around them dropped, inside kept */
        {"${ mail_name : {no}}", ""},
        {"${mail_name?{yes}:{no}}", "yes"},
        {"${nonexist?{yes}:{no}}", "no"},
        {"${mail_name?{ a  b }}", " a  b "},
        {"${mail_name?  {a}  :  {b}  }", "a"},
        {"${mail_name?{{x}}}", "{x}"},
        {"$(mail_name?{x}:{y})", "x"},
        /* relational: numeric when both sides are all digits */
        {"${{a}=={a}}", "true"},
        {"${{a}!={a}}", ""},
        {"${{10} < {9}}", ""},
        {"${{10} > {9}}", "true"},
        {"${{a10} < {a9}}", "true"},
        {"${{2}>{10}}", ""},
        {"${{ 2}>{10}}", ""},
        {"${{01} == {1}}", "true"},
        {"${{ 1} == {1}}", ""},
        {"${{} == {}}", "true"},
        {"${{b}<={a}}", ""},
        {"${{a}>={a}}", "true"},
        {"${{4294967296} > {1}}", "true"},
        {"${{9223372036854775807} > {9223372036854775806}}", "true"},
        {"${{1}<{2}?{y}:{n}}", "y"},
        {"${{1}>{2}?{y}:{n}}", "n"},
        {"${{1}<={1}:{n}}", ""},
        {"${{x}=={x}?yes}", "yes"},
        {"${{x}=={x}:yes}", ""},
        {"${{a}=={a} ? {x} : {y} }", "x"},
        {"${{a}== {b} ?{x}:{y}}", "y"},
        {"${{$mail_name}=={Postfix}?{$mail_version}:{no}}", "3.7.11"},
        {"${{${{a}=={a}}} == {true} ? {nested} : {no}}", "nested"},
        {"${{a}=={a}?{${{b}=={c}?{x}:{y}}}:{z}}", "y"},
        /* compatibility-level operators: all six exist in 3.7 */
        {"${{3.6} <level {3.10}}", "true"},
        {"${{3.6} <level {2}}", ""},
        {"${{3.6} ==level {3.6.0}}", "true"},
        {"${{3.6} !=level {3.6.0}}", ""},
        {"${{3.6} >=level {3.6}}", "true"},
        {"${{3.6} <=level {3.6}}", "true"},
        {"${{3.6} >level {3}}", "true"},
        {"${{ 3} <level {4}}", "true"},
        {"${{+3} <level {4}}", "true"},
        {"${{-0} ==level {0}}", "true"},
        {"${{1.0.1} >level {1}}", "true"},
        {"${{8796093022207} >level {1}}", "true"},
        {"${{$compatibility_level} <level {3.6} ? {md5} : {sha256}}", "md5"},
    };
    struct loaded l;
    size_t i;

    (void)state;
    load_ok(&l, "ref = via $mail_name\nset_empty =\n");
    for (i = 0; i < N_ROWS(rows); i++) {
        struct tlsp_diag d;
        char *out = NULL;
        enum tlsp_status st;

        tlsp_diag_init(&d);
        st = tlsp_cf_expand(l.cf, rows[i].expr, &out, &d);
        if (st != TLSP_OK || d.n_msgs != 0) {
            dump(&d);
            fail_msg("row %zu (%s): status %s", i, rows[i].expr, tlsp_status_name(st));
        }
        if (strcmp(out, rows[i].want) != 0)
            fail_msg("row %zu: %s -> \"%s\", want \"%s\"", i, rows[i].expr, out, rows[i].want);
        free(out);
        tlsp_diag_fini(&d);
    }
    unload(&l);
}

/* chain_main_cf - content_filter = $a1, a1 = $a2, ..., aN = end */
static char *
chain_main_cf(unsigned n)
{
    size_t cap = 64 + (size_t)n * 32;
    char *s = malloc(cap);
    size_t len;
    unsigned i;

    if (s == NULL) {
        fail_msg("out of memory");
        return NULL;
    }
    len = (size_t)snprintf(s, cap, "content_filter = $a1\n");
    for (i = 1; i < n; i++)
        len += (size_t)snprintf(s + len, cap - len, "a%u = $a%u\n", i, i + 1);
    snprintf(s + len, cap - len, "a%u = end\n", n);
    return s;
}

static void
test_expand_nesting(void **state)
{
    struct loaded l;
    struct tlsp_diag d;
    const char *v = NULL;
    char *text;
    size_t i;

    (void)state;
    /* mac_expand: more than 100 nested calls fail; postconf -x 3.7.11
     * accepts a chain of 100 and refuses 101 at the literal "end" */
    text = chain_main_cf(101);
    load_ok(&l, text);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "content_filter", &v, &d), TLSP_CONFIG);
    assert_int_equal(d.n_msgs, 2);
    expect_msg(&d, 0, TLSP_SEV_WARNING, NULL, 0, "unreasonable macro call nesting: \"end\"");
    expect_msg(&d, 1, TLSP_SEV_FATAL, NULL, 0, "macro processing error");
    tlsp_diag_fini(&d);
    /* the failure is cached: the reason again, not the warnings */
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "content_filter", &v, &d), TLSP_CONFIG);
    assert_int_equal(d.n_msgs, 1);
    expect_msg(&d, 0, TLSP_SEV_FATAL, NULL, 0, "macro processing error");
    tlsp_diag_fini(&d);
    /* a shorter chain from the middle is fine */
    check_value(l.cf, "a50", "end");
    unload(&l);
    free(text);

    text = chain_main_cf(100);
    load_ok(&l, text);
    check_value(l.cf, "content_filter", "end");
    unload(&l);
    free(text);

    text = chain_main_cf(102);
    load_ok(&l, text);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "content_filter", &v, &d), TLSP_CONFIG);
    expect_msg(&d, 0, TLSP_SEV_WARNING, NULL, 0, "unreasonable macro call nesting: \"a102\"");
    tlsp_diag_fini(&d);
    unload(&l);
    free(text);

    /* self reference */
    load_ok(&l, "content_filter = $a\na = $a\n");
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "content_filter", &v, &d), TLSP_CONFIG);
    expect_msg(&d, 0, TLSP_SEV_WARNING, NULL, 0, "unreasonable macro call nesting: \"a\"");
    expect_msg(&d, 1, TLSP_SEV_FATAL, NULL, 0, "macro processing error");
    tlsp_diag_fini(&d);
    unload(&l);

    /* Postfix keeps parsing after the error and warns once per call past the
     * limit: postconf -x printed exactly these 103 warnings */
    load_ok(&l, "content_filter = $a x\na = $b $b\nb = $a\n");
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "content_filter", &v, &d), TLSP_CONFIG);
    assert_int_equal(d.n_msgs, 104);
    for (i = 0; i < 103; i++)
        expect_msg(&d, i, TLSP_SEV_WARNING, NULL, 0,
                   i % 2 ? "unreasonable macro call nesting: \" \""
                         : "unreasonable macro call nesting: \"b\"");
    expect_msg(&d, 103, TLSP_SEV_FATAL, NULL, 0, "macro processing error");
    tlsp_diag_fini(&d);
    unload(&l);
}

static void
test_expand_limits(void **state)
{
    struct loaded l;
    struct tlsp_diag d;
    const char *v;
    char *text, *p;
    size_t i;

    (void)state;
    /* tlspolicy's bound: an expansion result over 1 MiB */
    text = malloc(4200000);
    if (text == NULL) {
        fail_msg("out of memory");
        return;
    }
    p = text;
    memcpy(p, "a = ", 4);
    p += 4;
    memset(p, 'x', 1000);
    p += 1000;
    memcpy(p, "\nb = ", 5);
    p += 5;
    for (i = 0; i < 1100; i++) {
        memcpy(p, "$a", 2);
        p += 2;
    }
    memcpy(p, "\n", 2);
    load_ok(&l, text);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "b", &v, &d), TLSP_LIMIT);
    assert_int_equal(count(&d, TLSP_SEV_ERROR), 1);
    assert_non_null(strstr(d.msgs[d.n_msgs - 1].text, "limits"));
    tlsp_diag_fini(&d);
    assert_int_equal(strlen(get(l.cf, "a")), 1000);
    unload(&l);
    free(text);

    /* work grows as 2^31 with no output: stopped by the step bound */
    text = malloc(4096);
    if (text == NULL) {
        fail_msg("out of memory");
        return;
    }
    p = text;
    for (i = 0; i < 31; i++)
        p += snprintf(p, 64, "e%zu = $e%zu$e%zu\n", i, i + 1, i + 1);
    snprintf(p, 64, "e31 =\n");
    load_ok(&l, text);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_get(l.cf, "e0", &v, &d), TLSP_LIMIT);
    tlsp_diag_fini(&d);
    check_value(l.cf, "e25", "");
    unload(&l);
    free(text);
}

/* ---------------------------------------------------------------------- */
/* Defaults                                                               */
/* ---------------------------------------------------------------------- */

static void
test_defaults_table(void **state)
{
    size_t i;
    struct loaded l;

    (void)state;
    /* generated from postconf -d 3.7.11: sorted, complete, flags */
    assert_string_equal(tlsp_cf_defaults_release, "3.7.11");
    /* 831 names of postconf -d, and 4 legacy ones */
    assert_int_equal(tlsp_cf_n_defaults, 835);
    for (i = 1; i < tlsp_cf_n_defaults; i++)
        if (strcmp(tlsp_cf_defaults[i - 1].name, tlsp_cf_defaults[i].name) >= 0)
            fail_msg("defaults not sorted at %s", tlsp_cf_defaults[i].name);
    load_ok(&l, "");
    for (i = 1; i < tlsp_cf_n_names(l.cf); i++)
        assert_true(strcmp(tlsp_cf_name_at(l.cf, i - 1), tlsp_cf_name_at(l.cf, i)) < 0);
    assert_null(tlsp_cf_name_at(l.cf, tlsp_cf_n_names(l.cf)));
    /* spec 5.1 */
    check_value(l.cf, "smtp_tls_security_level", "");
    check_value(l.cf, "smtp_tls_protocols", ">=TLSv1");
    check_value(l.cf, "smtp_tls_secure_cert_match", "nexthop, dot-nexthop");
    check_value(l.cf, "lmtp_tls_secure_cert_match", "nexthop");
    check_value(l.cf, "smtp_tls_fingerprint_digest", "md5");
    check_value(l.cf, "compatibility_level", "0");
    check_value(l.cf, "tls_high_cipherlist", "aNULL:-aNULL:HIGH:@STRENGTH");
    check_value(l.cf, "smtp_tls_scert_verifydepth", "9");
    check_value(l.cf, "smtp_tls_session_cache_timeout", "3600s");
    check_value(l.cf, "dnssec_probe", "ns:.");
    check_value(l.cf, "tls_dane_digests", "sha512 sha256");
    assert_string_equal(tlsp_cf_raw(l.cf, "smtp_sasl_tls_security_options"),
                        "$smtp_sasl_security_options");
    check_value(l.cf, "smtp_sasl_tls_security_options", "noplaintext, noanonymous");
    /* the raw parameters: postconf -x shows them unexpanded */
    check_value(l.cf, "default_rbl_reply",
                "$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using "
                "$rbl_domain${rbl_reason?; $rbl_reason}");
    check_value(l.cf, "postscreen_reject_footer", "$smtpd_reject_footer");
    /* legacy names: known, empty, not listed by postconf -d */
    assert_true(tlsp_cf_has_default(l.cf, "virtual_maps"));
    check_value(l.cf, "fallback_relay", "");
    /* unknown names */
    assert_false(tlsp_cf_has_default(l.cf, "no_such_parameter"));
    assert_null(tlsp_cf_raw(l.cf, "no_such_parameter"));
    check_value(l.cf, "no_such_parameter", "");
    assert_false(tlsp_cf_has_default(l.cf, "smtp_tls_cipherlist"));
    unload(&l);

    /* raw at top level, expanded when referenced */
    load_ok(&l, "x = $smtpd_reject_footer\nsmtpd_reject_footer = $mail_name\n");
    check_value(l.cf, "x", "Postfix");
    check_value(l.cf, "smtpd_reject_footer", "$mail_name");
    unload(&l);
}

static void
test_defaults_version(void **state)
{
    /* spec 1.6: the insecure-MX default depends on the global level up to
     * 3.7.12 and is plain "dane" from 3.7.13 */
    static const struct {
        const char *release;
        const char *level;
        const char *want;
    } rows[] = {
        {"3.7.11", "may", "may"},  {"3.7.11", "dane", "dane"}, {"3.7.12", "encrypt", "may"},
        {"3.7.13", "may", "dane"}, {"3.6.17", "none", "dane"}, {"3.10.0", "may", "dane"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(rows); i++) {
        struct tlsp_version v;
        struct tlsp_cf *cf = NULL;
        struct tlsp_diag d;
        char main_cf[128];

        assert_int_equal(tlsp_version_parse(rows[i].release, &v, NULL), TLSP_OK);
        snprintf(main_cf, sizeof(main_cf), "smtp_tls_security_level = %s\n", rows[i].level);
        tlsp_diag_init(&d);
        assert_int_equal(tlsp_cf_load_mem("/x", main_cf, strlen(main_cf), "", 0, &v, &cf, &d),
                         TLSP_OK);
        check_value(cf, "smtp_tls_dane_insecure_mx_policy", rows[i].want);
        assert_int_equal(tlsp_version_cmp(tlsp_cf_version(cf), &v), 0);
        tlsp_cf_free(cf);
        tlsp_diag_fini(&d);
    }
}

static void
test_defaults_host(void **state)
{
    char host[300];
    char *want_host, *want_domain;
    const char *dot;
    struct loaded l;
    char *want;

    (void)state;
    /* check_myhostname(): gethostname(), ".localdomain" when bare */
    assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
    host[sizeof(host) - 1] = 0;
    dot = strchr(host, '.');
    if (asprintf(&want_host, "%s%s", host, dot ? "" : ".localdomain") < 0)
        fail_msg("out of memory");
    dot = strchr(want_host, '.');
    want_domain = strdup(dot + 1);
    load_ok(&l, "");
    check_value(l.cf, "myhostname", want_host);
    check_value(l.cf, "mydomain", want_domain);
    check_value(l.cf, "myorigin", want_host);
    check_value(l.cf, "config_directory", l.dir);
    check_value(l.cf, "process_name", "postconf");
    if (asprintf(&want, "%ld", (long)getpid()) < 0)
        fail_msg("out of memory");
    check_value(l.cf, "process_id", want);
    free(want);
    unload(&l);

    /* a bare host name takes main.cf's mydomain, evaluated with main.cf only */
    if (strchr(host, '.') == NULL) {
        load_ok(&l, "mydomain = x$myhostname\n");
        if (asprintf(&want, "%s.x", host) < 0)
            fail_msg("out of memory");
        check_value(l.cf, "myhostname", want);
        free(want);
        if (asprintf(&want, "x%s.x", host) < 0)
            fail_msg("out of memory");
        check_value(l.cf, "mydomain", want);
        free(want);
        unload(&l);
    }
    /* check_mydomainname(): after the first dot, else localdomain */
    load_ok(&l, "myhostname = a.b.c\n");
    check_value(l.cf, "mydomain", "b.c");
    unload(&l);
    load_ok(&l, "myhostname = foo\n");
    check_value(l.cf, "mydomain", "localdomain");
    unload(&l);
    load_ok(&l, "myhostname = $mydomain\n");
    check_value(l.cf, "myhostname", "localdomain");
    check_value(l.cf, "mydomain", "localdomain");
    unload(&l);
    free(want_host);
    free(want_domain);
}

static void
test_defaults_mynetworks(void **state)
{
    /* mynetworks(): inet_interfaces x inet_protocols x mynetworks_style;
     * errors as postconf 3.7.11 prints them */
    static const struct {
        const char *main_cf;
        const char *want;  /* NULL: failure */
        const char *fatal; /* with failure */
    } rows[] = {
        {"mynetworks_style = bogus\n", NULL,
         "unknown mynetworks mask style value \"bogus\" in \"bogus\""},
        {"mynetworks_style = host,subnet\n", NULL,
         "bad mynetworks_style value: host,subnet; specify exactly one value"},
        {"mynetworks_style = HOST\n", NULL,
         "unknown mynetworks mask style value \"HOST\" in \"HOST\""},
        /* set values are evaluated with main.cf only: $mail_name is empty */
        {"mynetworks_style = $mail_name\n", NULL,
         "bad mynetworks_style value: ; specify exactly one value"},
        {"mynetworks_style = ${mail_name\n", NULL, "dictionary mail_dict: macro processing error"},
        {"inet_protocols = bogus\n", NULL, "unknown inet_protocols value \"bogus\" in \"bogus\""},
        {"inet_interfaces = 198.51.100.77\n", NULL,
         "parameter inet_interfaces: no local interface found for 198.51.100.77"},
        {"inet_interfaces = all, 127.0.0.1\n", NULL,
         "config variable inet_interfaces: host not found: all"},
        {"compatibility_level = ${mail_version:2}\n", NULL, "macro processing error"},
        /* values */
        {"inet_interfaces = 127.0.0.1\n", "127.0.0.0/8 ", NULL},
        {"inet_interfaces = 127.0.0.1\nmynetworks_style = host\n", "127.0.0.1/32 ", NULL},
        {"inet_interfaces = 127.0.0.1\nmynetworks_style = class\n", "127.0.0.0/8 ", NULL},
        {"inet_interfaces = [127.0.0.1], 127.0.0.1\n", "127.0.0.0/8 ", NULL},
        {"inet_interfaces = 127.0.0.1\ncompatibility_level = 3.6\n", "127.0.0.1/32 ", NULL},
        {"inet_interfaces = 127.0.0.1\ncompatibility_level = ${mail_version?3.6}\n",
         "127.0.0.1/32 ", NULL},
        {"inet_interfaces = loopback-only\ninet_protocols = ipv4\n", "127.0.0.0/8 ", NULL},
        {"inet_interfaces = loopback-only\ninet_protocols = ipv4\nmynetworks_style = host\n",
         "127.0.0.1/32 ", NULL},
        {"inet_protocols =\n", "", NULL},
        {"inet_interfaces = $mail_name\n", "", NULL},
        {"mynetworks = 10.0.0.0/8\ninet_protocols = bogus\n", "10.0.0.0/8", NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(rows); i++) {
        struct loaded l;
        struct tlsp_diag d;
        const char *v = NULL;
        enum tlsp_status st;

        load_ok(&l, rows[i].main_cf);
        tlsp_diag_init(&d);
        st = tlsp_cf_get(l.cf, "mynetworks", &v, &d);
        if (rows[i].want) {
            if (st != TLSP_OK) {
                dump(&d);
                fail_msg("row %zu: %s", i, tlsp_status_name(st));
            }
            if (strcmp(v, rows[i].want) != 0)
                fail_msg("row %zu: mynetworks = \"%s\", want \"%s\"", i, v, rows[i].want);
        } else {
            if (st != TLSP_CONFIG) {
                dump(&d);
                fail_msg("row %zu: %s", i, tlsp_status_name(st));
            }
            expect_msg(&d, d.n_msgs - 1, TLSP_SEV_FATAL, NULL, 0, rows[i].fatal);
            assert_null(tlsp_cf_raw(l.cf, "mynetworks"));
        }
        tlsp_diag_fini(&d);
        unload(&l);
    }
}

static void
test_defaults_missing_files(void **state)
{
    struct loaded l;
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;
    char *missing, *path;
    const struct tlsp_cf_service *s;

    (void)state;
    /* a missing directory: notes, built-in defaults, stock services */
    missing = tu_mkdtemp("cfmissing");
    tu_rmtree(missing);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(missing, NULL, &cf, &d), TLSP_OK);
    assert_int_equal(count(&d, TLSP_SEV_NOTE), 3);
    assert_int_equal(d.n_msgs, 3);
    assert_null(tlsp_cf_main_cf_path(cf));
    assert_null(tlsp_cf_master_cf_path(cf));
    assert_string_equal(tlsp_cf_dir(cf), missing);
    check_value(cf, "config_directory", missing);
    check_value(cf, "smtp_tls_security_level", "");
    assert_int_equal(tlsp_cf_n_services(cf), 8);
    s = tlsp_cf_service(cf, "relay", NULL);
    assert_non_null(s);
    assert_null(s->file);
    assert_string_equal(s->command, "smtp");
    assert_int_equal(s->n_overrides, 1);
    assert_string_equal(s->override_names[0], "syslog_name");
    assert_string_equal(s->override_values[0], "postfix/$service_name");
    assert_non_null(tlsp_cf_service(cf, "lmtp", "unix"));
    assert_non_null(tlsp_cf_service(cf, "discard", NULL));
    assert_null(tlsp_cf_service(cf, "pickup", NULL));
    check_value(cf, "relay_destination_concurrency_limit", "20");
    tlsp_cf_free(cf);
    tlsp_diag_fini(&d);
    free(missing);

    /* main.cf alone missing */
    load_text(&l, NULL, "smtp unix - - n - - smtp\n");
    assert_int_equal(l.st, TLSP_OK);
    path = path_in(l.dir, "main.cf");
    assert_int_equal(l.d.n_msgs, 1);
    expect_msg(&l.d, 0, TLSP_SEV_NOTE, path, 0, "not found; Postfix's built-in defaults apply");
    assert_int_equal(tlsp_cf_n_services(l.cf), 1);
    free(path);
    unload(&l);

    /* master.cf alone missing */
    load_text(&l, "a = 1\n", NULL);
    assert_int_equal(l.st, TLSP_OK);
    path = path_in(l.dir, "master.cf");
    assert_int_equal(l.d.n_msgs, 1);
    assert_int_equal(l.d.msgs[0].sev, TLSP_SEV_NOTE);
    assert_string_equal(l.d.msgs[0].file, path);
    assert_int_equal(tlsp_cf_n_services(l.cf), 8);
    free(path);
    path = path_in(l.dir, "main.cf");
    assert_string_equal(tlsp_cf_main_cf_path(l.cf), path);
    assert_null(tlsp_cf_master_cf_path(l.cf));
    free(path);
    unload(&l);
}

/* ---------------------------------------------------------------------- */
/* Overrides                                                              */
/* ---------------------------------------------------------------------- */

static void
test_override(void **state)
{
    /* postconf -o: split_nameval(), "invalid parameter override" when not */
    static const struct {
        const char *text;
        const char *fatal;
    } bad[] = {
        {"foo", "invalid parameter override: foo: missing '=' after attribute name"},
        {"=x", "invalid parameter override: =x: missing attribute name"},
        {"", "invalid parameter override: : missing attribute name"},
        {"my domain=x",
         "invalid parameter override: my domain=x: missing '=' after attribute name"},
    };
    struct loaded l;
    struct tlsp_cf_origin o;
    size_t i;

    (void)state;
    load_ok(&l, "mydomain = a\n");
    for (i = 0; i < N_ROWS(bad); i++) {
        struct tlsp_diag d;

        tlsp_diag_init(&d);
        assert_int_equal(tlsp_cf_override(l.cf, bad[i].text, &d), TLSP_INVAL);
        expect_msg(&d, 0, TLSP_SEV_FATAL, NULL, 0, bad[i].fatal);
        tlsp_diag_fini(&d);
    }
    assert_int_equal(tlsp_cf_override(l.cf, " mydomain = c d ", NULL), TLSP_OK);
    assert_int_equal(tlsp_cf_override(l.cf, "myhostname=h.$mydomain", NULL), TLSP_OK);
    assert_int_equal(tlsp_cf_override(l.cf, "new_name = x", NULL), TLSP_OK);
    assert_int_equal(tlsp_cf_override(l.cf, "new_name = y", NULL), TLSP_OK);
    /* read-only parameters ignore -o too */
    {
        struct tlsp_diag d;

        tlsp_diag_init(&d);
        assert_int_equal(tlsp_cf_override(l.cf, "process_name=z", &d), TLSP_OK);
        expect_msg(&d, 0, TLSP_SEV_WARNING, NULL, 0,
                   "read-only parameter assignment: process_name=z");
        tlsp_diag_fini(&d);
    }
    check_value(l.cf, "mydomain", "c d");
    check_value(l.cf, "myhostname", "h.c d");
    check_value(l.cf, "new_name", "y");
    check_value(l.cf, "process_name", "postconf");
    tlsp_cf_origin(l.cf, "mydomain", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_OVERRIDE);
    assert_null(o.file);
    /* too late once used */
    assert_int_equal(tlsp_cf_override(l.cf, "mydomain = e", NULL), TLSP_INVAL);
    unload(&l);

    /* an override recomputes host-dependent defaults seen through tlsp_cf_raw() */
    load_ok(&l, "myhostname = a.b.c\n");
    assert_string_equal(tlsp_cf_raw(l.cf, "mydomain"), "b.c");
    assert_int_equal(tlsp_cf_override(l.cf, "myhostname = x.y.z", NULL), TLSP_OK);
    check_value(l.cf, "mydomain", "y.z");
    unload(&l);
}

/* ---------------------------------------------------------------------- */
/* master.cf                                                              */
/* ---------------------------------------------------------------------- */

static void
test_master_fatal(void **state)
{
    /* master(8) get_master_ent(): texts from the real master 3.7.11, printed
     * as "fatal: PATH: line N: TEXT" with the entry's first line */
    static const struct {
        const char *text;
        unsigned line;
        const char *msg;
    } rows[] = {
        {"bar\n", 1, "missing \"transport type\" field"},
        {"bar unxi - - - - - x\n", 1, "bad transport type: unxi"},
        {"bar {unix} - - n - - c\n", 1, "bad transport type: {unix}"},
        {"{bar x} unix - - n - - c\n", 1, "bad transport type: x}"},
        {"bar - n - n - - c\n", 1, "field \"transport type\" has no default value"},
        {"bar unix\n", 1, "missing \"private\" field"},
        {"bar unix n\n", 1, "missing \"unprivileged\" field"},
        {"bar unix n -\n", 1, "missing \"chroot\" field"},
        {"bar unix n - n\n", 1, "missing \"wakeup_time\" field"},
        {"bar unix n - n -\n", 1, "missing \"max_proc\" field"},
        {"bar unix n - n - -\n", 1, "missing \"command\" field"},
        {"bar unix n - n - - -\n", 1, "field \"command\" has no default value"},
        {"bar unix x - - - - c\n", 1, "field \"private\": bad value: \"x\""},
        {"bar unix {-} - n - - c\n", 1, "field \"private\": bad value: \"{-}\""},
        {"bar unix - yes - - - c\n", 1, "field \"unprivileged\": bad value: \"yes\""},
        {"bar unix - - x - - c\n", 1, "field \"chroot\": bad value: \"x\""},
        {"bar unix - - - x - c\n", 1, "field \"wakeup_time\": bad value: \"x\""},
        {"bar unix - - - -1 - c\n", 1, "field \"wakeup_time\": bad value: \"-1\""},
        {"bar unix - - n ? - c\n", 1, "field \"wakeup_time\": bad value: \"?\""},
        {"bar unix - - n 4294967295 - c\n", 1, "field \"wakeup_time\": bad value: \"4294967295\""},
        {"bar unix - - - - -1 c\n", 1, "field \"max_proc\": bad value: \"-1\""},
        {"bar unix - - - - x c\n", 1, "field \"max_proc\": bad value: \"x\""},
        {"bar unix - - n - 2147483648 c\n", 1, "field \"max_proc\": bad value: \"2147483648\""},
        {"bar unix - - n - 99999999999999999999 c\n", 1,
         "field \"max_proc\": bad value: \"99999999999999999999\""},
        {"bar inet y - - - - c\n", 1, "inet service cannot be private"},
        {"bar inet - - - - - c\n", 1, "inet service cannot be private"},
        /* inet names: host_port() before the private field */
        {"[x inet y\n", 1, "missing \"]\" in \"[x\""},
        {"[1.2.3:bar inet n - - - - c\n", 1, "missing \"]\" in \"[1.2.3:bar\""},
        {"[1.2.3.4]x inet n - n - - c\n", 1, "garbage after \"]\" in \"[1.2.3.4]x\""},
        {"[1.2.3.4] inet n - n - - c\n", 1, "missing service information in \"[1.2.3.4]\""},
        {"host.example: inet n - n - - c\n", 1, "missing service information in \"host.example:\""},
        {"1.2.3.4:25x inet n - n - - c\n", 1, "garbage after numerical service in \"1.2.3.4:25x\""},
        {"[ipv6:1.2]:99 inet n - n - - c\n", 1, "malformed IPv6 address in \"[ipv6:1.2]:99\""},
        {"bad..host:25 inet n - - - - c\n", 1,
         "valid hostname or network address required in \"bad..host:25\""},
        {"-bad-:25 inet n - n - - c\n", 1,
         "valid hostname or network address required in \"-bad-:25\""},
        /* arguments: a token starting with "{" must be balanced */
        {"bar unix - - n - - c {a b\n", 1, "missing '}' in \"{a b\""},
        {"bar unix - - n - - c -o {a\n", 1, "missing '}' in \"{a\""},
        {"bar unix - - n - - c -o {a=b}x\n", 1, "syntax error after '}' in \"{a=b}x\""},
        {"bar unix - - n - - c {a}{b}\n", 1, "syntax error after '}' in \"{a}{b}\""},
        {"bar unix - - n - - c\n\n#x\n  -o x=y {unbal\n", 1, "missing '}' in \"{unbal\""},
        {"# c\n\nbar unix - - n - - c\n# mid\n\n  -o x=y\nbad\n", 7,
         "missing \"transport type\" field"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(rows); i++) {
        struct loaded l;
        char *path;

        load_text(&l, "", rows[i].text);
        path = path_in(l.dir, "master.cf");
        if (l.st != TLSP_CONFIG || l.cf != NULL) {
            dump(&l.d);
            fail_msg("row %zu: status %s", i, tlsp_status_name(l.st));
        }
        expect_msg(&l.d, l.d.n_msgs - 1, TLSP_SEV_FATAL, path, rows[i].line, rows[i].msg);
        free(path);
        unload(&l);
    }
}

static void
test_master_warnings(void **state)
{
    struct loaded l;
    char *path;

    (void)state;
    /* readllines() as for main.cf */
    load_text(&l, "", "  bar unix n - - - - c\nok unix - - n - - c\n");
    assert_int_equal(l.st, TLSP_OK);
    path = path_in(l.dir, "master.cf");
    expect_msg(&l.d, 0, TLSP_SEV_WARNING, path, 0,
               "logical line must not start with whitespace: \"  bar unix n - - - - c\"");
    assert_int_equal(tlsp_cf_n_services(l.cf), 1);
    free(path);
    unload(&l);

    /* master_config(): same type and internal name, the last entry is used */
    load_text(&l, "",
              "bar unix - - n - - c\nbar unix - - n - - d\n"
              "127.0.0.1:12399 inet n - n - - c\n127.0.0.1:12399 inet n - n - - d\n"
              "12398 inet n - n - - c\n12398 inet n - n - - d\n"
              "zz fifo n - n - - c\nzz fifo n - n - - c\n"
              "other unix - - n - - c\nother unix n - n - - d\nother fifo - - n - - e\n");
    assert_int_equal(l.st, TLSP_OK);
    assert_int_equal(l.d.n_msgs, 4);
    expect_msg(
        &l.d, 0, TLSP_SEV_WARNING, NULL, 0,
        "duplicate master.cf entry for service \"bar\" (private/bar) -- using the last entry");
    expect_msg(&l.d, 1, TLSP_SEV_WARNING, NULL, 0,
               "duplicate master.cf entry for service \"127.0.0.1:12399\" ([127.0.0.1]:12399) -- "
               "using the last entry");
    expect_msg(&l.d, 2, TLSP_SEV_WARNING, NULL, 0,
               "duplicate master.cf entry for service \"12398\" (12398) -- using the last entry");
    expect_msg(&l.d, 3, TLSP_SEV_WARNING, NULL, 0,
               "duplicate master.cf entry for service \"zz\" (public/zz) -- using the last entry");
    assert_string_equal(tlsp_cf_service(l.cf, "bar", NULL)->command, "d");
    assert_int_equal(tlsp_cf_n_services(l.cf), 11);
    unload(&l);
}

static void
test_master_entries(void **state)
{
    struct loaded l;
    const struct tlsp_cf_service *s;
    char *founding;

    (void)state;
    /* the founding case's master.cf */
    founding = tu_source_path("examples/founding-case");
    {
        struct tlsp_cf *cf = NULL;
        struct tlsp_diag d;

        tlsp_diag_init(&d);
        assert_int_equal(tlsp_cf_load(founding, NULL, &cf, &d), TLSP_OK);
        assert_int_equal(d.n_msgs, 0);
        assert_int_equal(tlsp_cf_n_services(cf), 33);
        s = tlsp_cf_service(cf, "smtp", NULL);
        assert_string_equal(s->type, "unix");
        assert_string_equal(s->command, "smtp");
        assert_int_equal(s->line, 19);
        s = tlsp_cf_service(cf, "smtp", "inet");
        assert_string_equal(s->command, "smtpd");
        assert_int_equal(s->line, 1);
        assert_ptr_equal(tlsp_cf_service_at(cf, 0), s);
        s = tlsp_cf_service(cf, "smtp-amavis", NULL);
        assert_int_equal(s->line, 43);
        assert_int_equal(s->n_overrides, 4);
        assert_string_equal(s->override_names[2], "disable_dns_lookups");
        assert_string_equal(s->override_values[2], "yes");
        assert_int_equal(s->override_lines[2], 46);
        assert_string_equal(s->file, tlsp_cf_master_cf_path(cf));
        s = tlsp_cf_service(cf, "127.0.0.1:10025", NULL);
        assert_string_equal(s->type, "inet");
        assert_int_equal(s->n_overrides, 4);
        assert_string_equal(s->override_names[0], "content_filter");
        assert_string_equal(s->override_values[0], "");
        assert_null(tlsp_cf_service(cf, "smtp", "pass"));
        assert_null(tlsp_cf_service_at(cf, 33));
        /* service-defined parameters (postconf): NAME_suffix = $default */
        assert_string_equal(tlsp_cf_raw(cf, "smtp-amavis_destination_concurrency_limit"),
                            "$default_destination_concurrency_limit");
        check_value(cf, "smtp-amavis_destination_concurrency_limit", "20");
        check_value(cf, "local_destination_concurrency_limit", "2");
        check_value(cf, "bsmtp_time_limit", "1000s");
        assert_true(tlsp_cf_has_default(cf, "lmtp_destination_recipient_limit"));
        assert_false(tlsp_cf_has_default(cf, "discard_destination_concurrency_limit"));
        assert_false(tlsp_cf_has_default(cf, "smtp-amavis_time_limit"));
        tlsp_cf_free(cf);
        tlsp_diag_fini(&d);
    }
    free(founding);

    /* -o forms as the daemon reads them; lines of each setting */
    load_text(&l, "",
              "svc unix - - n - - smtp\n"
              "  -o x=svc -o z=$y\n"
              " -o { q = a  b } -o{r=1} -vo w=$x\n"
              "  -i 7 -m 9 -n other -o last=1 nonopt -o after=1\n");
    assert_int_equal(l.st, TLSP_OK);
    s = tlsp_cf_service(l.cf, "svc", NULL);
    /* options end at the first non-option, as the daemon's getopt() */
    assert_int_equal(s->n_overrides, 8);
    assert_string_equal(s->override_names[7], "last");
    assert_string_equal(s->override_names[0], "x");
    assert_int_equal(s->override_lines[0], 2);
    assert_string_equal(s->override_names[2], "q");
    assert_string_equal(s->override_values[2], "a  b");
    assert_int_equal(s->override_lines[2], 3);
    assert_string_equal(s->override_names[3], "{r");
    assert_string_equal(s->override_values[3], "1}");
    assert_string_equal(s->override_names[4], "w");
    assert_string_equal(s->override_names[5], "max_idle");
    assert_string_equal(s->override_values[5], "7");
    assert_int_equal(s->override_lines[5], 4);
    assert_string_equal(s->override_names[6], "max_use");
    unload(&l);
}

static void
test_master_daemon_errors(void **state)
{
    /* smtp(8) started by the real master 3.7.11 stopped with these */
    static const struct {
        const char *text;
        const char *fatal;
    } rows[] = {
        {"bar unix - - n 1 1 smtp -o x\n",
         "invalid \"-o x\" option value: missing '=' after attribute name"},
        {"bar unix - - n 1 1 smtp -o =v\n",
         "invalid \"-o =v\" option value: missing attribute name"},
        {"bar unix - - n 1 1 smtp -o\n", "invalid option: o"},
        {"bar unix - - n 1 1 smtp -x\n", "invalid option: x"},
        {"bar unix - - n 1 1 smtp -:\n", "invalid option: :"},
        {"bar unix - - n 1 1 smtp foo=bar\n", "unknown attribute name: foo=bar"},
        {"bar unix - - n 1 1 lmtp foo\n", "unknown attribute name: foo"},
        {"bar unix - - n 1 1 smtp -o a=b -- -o x\n", "unknown attribute name: -o"},
        {"bar unix - - n 1 1 smtp -o a=b -\n", "unknown attribute name: -"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(rows); i++) {
        struct loaded l;
        struct tlsp_cf *v = NULL;
        char *path;

        load_text(&l, "", rows[i].text);
        assert_int_equal(l.st, TLSP_OK);
        path = path_in(l.dir, "master.cf");
        if (tlsp_cf_service_view(l.cf, "bar", &v, &l.d) != TLSP_CONFIG || v != NULL) {
            dump(&l.d);
            fail_msg("row %zu: view did not fail", i);
        }
        expect_msg(&l.d, l.d.n_msgs - 1, TLSP_SEV_FATAL, path, 1, rows[i].fatal);
        free(path);
        unload(&l);
    }
    /* pipe(8) takes its own arguments */
    {
        struct loaded l;
        struct tlsp_cf *v = NULL;

        load_text(&l, "", "p unix - n n - - pipe -o a=b flags=F argv=/bin/x -o c=d\n");
        assert_int_equal(tlsp_cf_service_view(l.cf, "p", &v, &l.d), TLSP_OK);
        assert_int_equal(tlsp_cf_service(l.cf, "p", NULL)->n_overrides, 1);
        check_value(v, "a", "b");
        tlsp_cf_free(v);
        unload(&l);
    }
}

/* ---------------------------------------------------------------------- */
/* Service views                                                          */
/* ---------------------------------------------------------------------- */

static void
test_service_view(void **state)
{
    struct loaded l;
    struct tlsp_cf *v = NULL, *v2 = NULL;
    struct tlsp_diag d;
    struct tlsp_cf_origin o;
    char *path;

    (void)state;
    load_text(&l, "x = main\ny = $x\nz = $y\nmyhostname = a.b.c\n",
              "svc unix - - n - - smtp\n"
              "  -o x=svc -o z=$y -o w=$x -o myhostname=h.example\n"
              "  -o process_name=qq -o service_name=zz\n"
              "relay unix - - y - - smtp\n"
              "  -o syslog_name=postfix/$service_name\n");
    assert_int_equal(l.st, TLSP_OK);
    tlsp_diag_init(&d);
    /* negative first */
    assert_int_equal(tlsp_cf_service_view(l.cf, "nosuch", &v, &d), TLSP_NOTFOUND);
    assert_null(v);
    assert_int_equal(count(&d, TLSP_SEV_ERROR), 1);
    assert_int_equal(tlsp_cf_service_view(l.cf, "svc", &v, &d), TLSP_OK);
    assert_int_equal(tlsp_cf_service_view(v, "svc", &v2, &d), TLSP_INVAL);
    /* -o values expanded in the view's context (postconf -P -x) */
    check_value(v, "x", "svc");
    check_value(v, "z", "svc");
    check_value(v, "w", "svc");
    check_value(v, "y", "svc");
    /* the daemon's own read-only values */
    check_value(v, "process_name", "smtp");
    check_value(v, "service_name", "svc");
    /* host-dependent defaults see the service's myhostname (as the daemon) */
    check_value(v, "mydomain", "example");
    /* the base is untouched */
    check_value(l.cf, "x", "main");
    check_value(l.cf, "z", "main");
    check_value(l.cf, "mydomain", "b.c");
    check_value(l.cf, "service_name", "");
    /* origins */
    path = path_in(l.dir, "master.cf");
    tlsp_cf_origin(v, "z", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_MASTER_CF);
    assert_string_equal(o.file, path);
    assert_int_equal(o.line, 2);
    assert_string_equal(o.service, "svc");
    tlsp_cf_origin(v, "service_name", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_MASTER_CF);
    assert_int_equal(o.line, 1);
    tlsp_cf_origin(v, "y", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_MAIN_CF);
    assert_int_equal(o.line, 2);
    tlsp_cf_free(v);
    v = NULL;

    assert_int_equal(tlsp_cf_service_view(l.cf, "relay", &v, &d), TLSP_OK);
    check_value(v, "syslog_name", "postfix/relay");
    tlsp_cf_free(v);
    free(path);
    tlsp_diag_fini(&d);
    unload(&l);
}

static void
test_founding_case(void **state)
{
    char *dir = tu_source_path("examples/founding-case");
    struct tlsp_cf *cf = NULL, *cf36 = NULL, *v = NULL;
    struct tlsp_diag d;
    struct tlsp_cf_origin o;
    char *main_path;
    long n;

    (void)state;
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &d), TLSP_OK);
    assert_int_equal(d.n_msgs, 0);
    main_path = path_in(dir, "main.cf");
    /* the founding case (examples/founding-case/README.md) */
    check_value(cf, "smtp_tls_security_level", "may");
    check_value(cf, "smtp_tls_CApath", "/etc/postfix/rootcas/");
    check_value(cf, "smtp_tls_policy_maps", "hash:/etc/postfix/tls_policy");
    check_value(cf, "smtp_tls_loglevel", "2");
    check_value(cf, "smtp_tls_session_cache_database", "btree:/var/lib/postfix/smtp_scache");
    check_value(cf, "smtpd_banner", "mail.EXAMPLE.com ESMTP Postfix (nou)");
    check_value(cf, "content_filter", "smtp-amavis:[127.0.0.1]:10024");
    check_value(cf, "mydomain", "EXAMPLE.com");
    /* spec 5.1: compatibility_level 0 -> md5 fingerprints */
    check_value(cf, "smtp_tls_fingerprint_digest", "md5");
    check_value(cf, "smtp_tls_dane_insecure_mx_policy", "may");
    check_value(cf, "smtp_tls_secure_cert_match", "nexthop, dot-nexthop");
    tlsp_cf_origin(cf, "smtp_tls_security_level", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_MAIN_CF);
    assert_string_equal(o.file, main_path);
    assert_int_equal(o.line, 55);
    tlsp_cf_origin(cf, "smtp_tls_protocols", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_MAIN_CF);
    tlsp_cf_origin(cf, "tls_high_cipherlist", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_DEFAULT);
    tlsp_cf_origin(cf, "no_such_parameter", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_UNDEFINED);
    assert_int_equal(tlsp_cf_get_time(cf, "smtpd_starttls_timeout", 's', &n, &d), TLSP_OK);
    assert_int_equal(n, 300);

    /* the filter transport and the re-injection listener */
    assert_int_equal(tlsp_cf_service_view(cf, "smtp-amavis", &v, &d), TLSP_OK);
    check_value(v, "disable_dns_lookups", "yes");
    check_value(v, "max_use", "20");
    check_value(v, "smtp_tls_security_level", "may");
    tlsp_cf_origin(v, "disable_dns_lookups", &o);
    assert_int_equal(o.source, TLSP_CF_SRC_MASTER_CF);
    assert_int_equal(o.line, 46);
    assert_string_equal(o.service, "smtp-amavis");
    tlsp_cf_free(v);
    assert_int_equal(tlsp_cf_service_view(cf, "127.0.0.1:10025", &v, &d), TLSP_OK);
    assert_string_equal(tlsp_cf_service(cf, "127.0.0.1:10025", NULL)->type, "inet");
    check_value(v, "content_filter", "");
    tlsp_cf_free(v);
    assert_int_equal(tlsp_cf_service_view(cf, "smtp", &v, &d), TLSP_OK);
    check_value(v, "content_filter", "smtp-amavis:[127.0.0.1]:10024");
    check_value(v, "disable_dns_lookups", "no");
    tlsp_cf_free(v);
    tlsp_cf_free(cf);

    /* -o compatibility_level=3.6 -> sha256 */
    assert_int_equal(tlsp_cf_load(dir, NULL, &cf36, &d), TLSP_OK);
    assert_int_equal(tlsp_cf_override(cf36, "compatibility_level=3.6", &d), TLSP_OK);
    check_value(cf36, "smtp_tls_fingerprint_digest", "sha256");
    check_value(cf36, "lmtp_tls_fingerprint_digest", "sha256");
    tlsp_cf_free(cf36);
    assert_int_equal(d.n_msgs, 0);
    tlsp_diag_fini(&d);
    free(main_path);
    free(dir);
}

/* ---------------------------------------------------------------------- */
/* Typed getters                                                          */
/* ---------------------------------------------------------------------- */

static void
test_typed_getters(void **state)
{
    /* get_mail_conf_bool/int/time: fatal texts of 3.7.11 (libpostfix-global,
     * and master(8) for int and time) */
    static const struct {
        const char *value;
        int ok;
        bool want;
    } bools[] = {
        {"1", 0, false},  {"true", 0, false}, {"", 0, false},   {"yess", 0, false},
        {"yes", 1, true}, {"YES", 1, true},   {"No", 1, false}, {"no", 1, false},
    };
    static const struct {
        const char *value;
        int ok;
        long want;
    } ints[] = {
        {"5x", 0, 0},         {"", 0, 0},
        {"1.5", 0, 0},        {"99999999999", 0, 0},
        {"2147483648", 0, 0}, {"x", 0, 0},
        {"10", 1, 10},        {"+5", 1, 5},
        {"-3", 1, -3},        {"2147483647", 1, 2147483647L},
        {"0", 1, 0},
    };
    static const struct {
        const char *value;
        char unit;
        int ok;
        long want;
    } times[] = {
        {"5x", 's', 0, 0},    {"-5", 's', 0, 0},          {"", 's', 0, 0},
        {"5 s", 's', 0, 0},   {"99999999999", 's', 0, 0}, {"4000w", 's', 0, 0},
        {"5S", 's', 0, 0},    {"300s", 's', 1, 300},      {"5m", 's', 1, 300},
        {"1h", 's', 1, 3600}, {"2d", 's', 1, 172800},     {"1w", 's', 1, 604800},
        {"10", 's', 1, 10},   {"10", 'm', 1, 600},        {"10", 'h', 1, 36000},
        {"5ss", 's', 1, 5},   {"+5", 's', 1, 5},          {"0", 'w', 1, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N_ROWS(bools); i++) {
        struct loaded l;
        struct tlsp_diag d;
        char text[64], want[128];
        bool b = !bools[i].want;

        snprintf(text, sizeof(text), "b = %s\n", bools[i].value);
        load_ok(&l, text);
        tlsp_diag_init(&d);
        if (bools[i].ok) {
            assert_int_equal(tlsp_cf_get_bool(l.cf, "b", &b, &d), TLSP_OK);
            assert_int_equal(b, bools[i].want);
        } else {
            assert_int_equal(tlsp_cf_get_bool(l.cf, "b", &b, &d), TLSP_CONFIG);
            snprintf(want, sizeof(want), "bad boolean configuration: b = %s", bools[i].value);
            expect_msg(&d, 0, TLSP_SEV_FATAL, NULL, 0, want);
        }
        tlsp_diag_fini(&d);
        unload(&l);
    }
    for (i = 0; i < N_ROWS(ints); i++) {
        struct loaded l;
        struct tlsp_diag d;
        char text[64], want[128];
        long n = -999;

        snprintf(text, sizeof(text), "n = %s\n", ints[i].value);
        load_ok(&l, text);
        tlsp_diag_init(&d);
        if (ints[i].ok) {
            assert_int_equal(tlsp_cf_get_int(l.cf, "n", &n, &d), TLSP_OK);
            assert_int_equal(n, ints[i].want);
        } else {
            assert_int_equal(tlsp_cf_get_int(l.cf, "n", &n, &d), TLSP_CONFIG);
            snprintf(want, sizeof(want), "bad numerical configuration: n = %s", ints[i].value);
            expect_msg(&d, 0, TLSP_SEV_FATAL, NULL, 0, want);
        }
        tlsp_diag_fini(&d);
        unload(&l);
    }
    for (i = 0; i < N_ROWS(times); i++) {
        struct loaded l;
        struct tlsp_diag d;
        char text[64], want[128];
        long n = -999;

        snprintf(text, sizeof(text), "t = %s\n", times[i].value);
        load_ok(&l, text);
        tlsp_diag_init(&d);
        if (times[i].ok) {
            if (tlsp_cf_get_time(l.cf, "t", times[i].unit, &n, &d) != TLSP_OK || n != times[i].want)
                fail_msg("time row %zu: %s -> %ld", i, times[i].value, n);
        } else {
            assert_int_equal(tlsp_cf_get_time(l.cf, "t", times[i].unit, &n, &d), TLSP_CONFIG);
            snprintf(want, sizeof(want), "parameter t: bad time value or unit: %s", times[i].value);
            expect_msg(&d, 0, TLSP_SEV_FATAL, NULL, 0, want);
        }
        tlsp_diag_fini(&d);
        unload(&l);
    }
    {
        struct loaded l;
        long n;

        load_ok(&l, "t = 5\n");
        assert_int_equal(tlsp_cf_get_time(l.cf, "t", 'x', &n, NULL), TLSP_INVAL);
        /* the expansion error comes first */
        unload(&l);
        load_ok(&l, "t = ${x\n");
        assert_int_equal(tlsp_cf_get_time(l.cf, "t", 's', &n, NULL), TLSP_CONFIG);
        unload(&l);
    }
}

static void
test_file_limit(void **state)
{
    char *dir = tu_mkdtemp("cfbig");
    char *path = path_in(dir, "main.cf");
    FILE *fp = fopen(path, "w");
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;
    size_t i;

    (void)state;
    assert_non_null(fp);
    /* 16 MiB + 1 byte */
    {
        static char chunk[1 << 16];

        memset(chunk, '#', sizeof(chunk));
        for (i = 0; i < 256; i++)
            assert_int_equal(fwrite(chunk, 1, sizeof(chunk), fp), sizeof(chunk));
        fputc('#', fp);
    }
    fclose(fp);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &d), TLSP_LIMIT);
    assert_null(cf);
    assert_int_equal(count(&d, TLSP_SEV_ERROR), 1);
    tlsp_diag_fini(&d);
    tu_rmtree(dir);
    free(path);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_cf_fatal),          cmocka_unit_test(test_main_cf_nul),
        cmocka_unit_test(test_main_cf_warnings),       cmocka_unit_test(test_main_cf_values),
        cmocka_unit_test(test_expand_errors),          cmocka_unit_test(test_expand_values),
        cmocka_unit_test(test_expand_nesting),         cmocka_unit_test(test_expand_limits),
        cmocka_unit_test(test_defaults_table),         cmocka_unit_test(test_defaults_version),
        cmocka_unit_test(test_defaults_host),          cmocka_unit_test(test_defaults_mynetworks),
        cmocka_unit_test(test_defaults_missing_files), cmocka_unit_test(test_override),
        cmocka_unit_test(test_master_fatal),           cmocka_unit_test(test_master_warnings),
        cmocka_unit_test(test_master_entries),         cmocka_unit_test(test_master_daemon_errors),
        cmocka_unit_test(test_service_view),           cmocka_unit_test(test_founding_case),
        cmocka_unit_test(test_typed_getters),          cmocka_unit_test(test_file_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
