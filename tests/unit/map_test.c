/*
 * map_test.c - lookup tables (map.h), table-driven, refusals first
 *
 * Every expected text and value below was established against Postfix
 * 3.7.11 (postmap -q, or its dict layer opened with smtp(8)'s flags); the
 * postmap comparison itself lives in tests/postfix/map_postmap_test.c.
 * Compiled tables here are written with the database libraries directly,
 * so that odd layouts (keys with and without trailing NUL in one file)
 * can be tested.
 */
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cdb.h>
#include <cmocka.h>

#include <tlspolicy/map.h>

#include "testutil.h"

#define FOLD TLSP_MAP_FOLD_FIX
#define UTF8 TLSP_MAP_UTF8

static char *tmp;

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
    va_list ap;
    char *s;

    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        fail_msg("out of memory");
    va_end(ap);
    return s;
}

/* Write text to tmp/name and return "type:tmp/name". */
static char *
table(const char *type, const char *name, const char *text)
{
    if (text)
        free(tu_write(tmp, name, text));
    return fmt("%s:%s/%s", type, tmp, name);
}

/* Whether diag has a message of severity sev whose text contains needle. */
static bool
has_msg(const struct tlsp_diag *d, int sev, const char *needle)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++)
        if ((sev < 0 || (int)d->msgs[i].sev == sev) && strstr(d->msgs[i].text, needle))
            return true;
    return false;
}

static const struct tlsp_msg *
find_msg(const struct tlsp_diag *d, const char *needle)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++)
        if (strstr(d->msgs[i].text, needle))
            return &d->msgs[i];
    return NULL;
}

/* One lookup expectation. */
struct want {
    const char *key;
    enum tlsp_status st;
    const char *value; /* on TLSP_OK */
    unsigned line;     /* hit line on TLSP_OK, 0 = unknown */
};

static void
expect_all(struct tlsp_map *m, const struct want *w, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        const char *value = NULL;
        struct tlsp_map_hit hit;
        enum tlsp_status st = tlsp_map_lookup(m, w[i].key, &value, &hit, NULL);

        if (st != w[i].st)
            fail_msg("%s key \"%s\": status %s, want %s", tlsp_map_spec(m), w[i].key,
                     tlsp_status_name(st), tlsp_status_name(w[i].st));
        if (st != TLSP_OK) {
            assert_null(value);
            continue;
        }
        if (strcmp(value, w[i].value) != 0)
            fail_msg("%s key \"%s\": value \"%s\", want \"%s\"", tlsp_map_spec(m), w[i].key, value,
                     w[i].value);
        if (hit.line != w[i].line)
            fail_msg("%s key \"%s\": hit line %u, want %u", tlsp_map_spec(m), w[i].key, hit.line,
                     w[i].line);
    }
}

static struct tlsp_map *
must_open(const char *spec, unsigned flags, struct tlsp_diag *d)
{
    struct tlsp_map *m = NULL;

    if (tlsp_map_open(spec, flags, &m, d) != TLSP_OK)
        fail_msg("open %s failed", spec);
    return m;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- refusals ---------------------------------------------------------- */

static void
test_open_refuses(void **state)
{
    static const struct {
        const char *spec;
        const char *text;
    } rows[] = {
        {"tls_policy", "open dictionary: expecting \"type:name\" form instead of \"tls_policy\""},
        {"hash:", "open dictionary: expecting \"type:name\" form instead of \"hash:\""},
        {":name", "open dictionary: expecting \"type:name\" form instead of \":name\""},
        {"proxy:nocolon", "open dictionary: expecting \"type:name\" form instead of \"nocolon\""},
        {"proxy:hash:", "open dictionary: expecting \"type:name\" form instead of \"hash:\""},
        {"", "open dictionary: expecting \"type:name\" form instead of \"\""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < N(rows); i++) {
        struct tlsp_map *m = (struct tlsp_map *)&m;
        struct tlsp_diag d;

        tlsp_diag_init(&d);
        assert_int_equal(tlsp_map_open(rows[i].spec, FOLD, &m, &d), TLSP_INVAL);
        assert_null(m);
        assert_int_equal(d.n_msgs, 1);
        assert_int_equal(d.msgs[0].sev, TLSP_SEV_FATAL);
        assert_string_equal(d.msgs[0].text, rows[i].text);
        tlsp_diag_fini(&d);
    }
    assert_int_equal(tlsp_map_open(NULL, 0, NULL, NULL), TLSP_INVAL);
    {
        struct tlsp_map *m;

        assert_int_equal(tlsp_map_open(NULL, 0, &m, NULL), TLSP_INVAL);
        assert_null(m);
    }
    tlsp_map_free(NULL);
}

/* Tables that open as Postfix's surrogate: every lookup fails with the reason. */
static void
test_unavailable(void **state)
{
    char *missing_hash = fmt("hash:%s/tls_policy", tmp);
    char *missing_hash_reason =
        fmt("hash:%s/tls_policy is unavailable. open database %s/tls_policy.db: No such file or "
            "directory",
            tmp, tmp);
    char *missing_text = fmt("texthash:%s/none", tmp);
    char *missing_text_reason =
        fmt("texthash:%s/none is unavailable. open database %s/none: No such file or directory",
            tmp, tmp);
    char *missing_re = fmt("regexp:%s/none", tmp);
    char *missing_re_reason =
        fmt("regexp:%s/none is unavailable. open %s/none: No such file or directory", tmp, tmp);
    char *missing_lmdb = fmt("lmdb:%s/none", tmp);
    char *missing_lmdb_reason = fmt("lmdb:%s/none is unavailable. open database %s/none.lmdb: No "
                                    "such file or directory",
                                    tmp, tmp);
    char *missing_cdb = fmt("proxy:cdb:%s/none", tmp);
    char *missing_cdb_reason =
        fmt("cdb:%s/none is unavailable. open database %s/none.cdb: No such file or directory", tmp,
            tmp);
    char *dups = table("texthash", "dups", "a.example x\nA.Example y\n");
    char *dups_reason = fmt("%s/dups, line 2: duplicate entry: \"A.Example\"", tmp);
    char *garbage_cdb = table("cdb", "garbage", NULL);
    char *garbage_cdb_reason =
        fmt("dict_cdbq_open: unable to init %s/garbage.cdb: Protocol error", tmp);
    char *garbage_lmdb = table("lmdb", "garbage", NULL);
    char *garbage_lmdb_reason = fmt("open database %s/garbage.lmdb: MDB_INVALID: File is not an "
                                    "LMDB file",
                                    tmp);
    const struct {
        const char *spec;
        unsigned flags;
        enum tlsp_status lookup;
        int sev; /* severity of the lookup's message */
        const char *reason;
    } rows[] = {
        {missing_hash, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, missing_hash_reason},
        {missing_text, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, missing_text_reason},
        {missing_re, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, missing_re_reason},
        {missing_lmdb, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, missing_lmdb_reason},
        {missing_cdb, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, missing_cdb_reason},
        {dups, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, dups_reason},
        {garbage_cdb, FOLD, TLSP_RETRY, TLSP_SEV_FATAL, garbage_cdb_reason},
        {garbage_lmdb, FOLD, TLSP_RETRY, TLSP_SEV_WARNING, garbage_lmdb_reason},
        {"bogus:x", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "bogus:x is unavailable. unsupported dictionary type: bogus"},
        {"inline:{}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "inline:{} is unavailable. bad syntax: \"inline:{}\"; need \"inline:{name=value...}\""},
        {"inline:{ }", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "empty table: \"inline:{ }\"; need \"inline:{name=value...}\""},
        {"inline:a=b", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "bad syntax: \"inline:a=b\"; need \"inline:{name=value...}\""},
        {"inline:{a=b}x", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "bad syntax: \"inline:{a=b}x\"; need \"inline:{name=value...}\""},
        {"inline:{a}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "missing '=' after attribute name: \"inline:{a}\"; need \"inline:{name=value...}\""},
        {"inline:{a = b}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "missing '=' after attribute name: \"inline:{a = b}\""},
        {"inline:{a=b, { }}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "no key found; expected format: key = value: \"inline:{a=b, { }}\""},
        {"inline:{a=b, {c=d}x, e=f}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "syntax error after '}' in \"{c=d}x\": \"inline:{a=b, {c=d}x, e=f}\"; need "
         "\"inline:{name=value...}\""},
        {"inline:{\xff=x}", FOLD | UTF8, TLSP_RETRY, TLSP_SEV_WARNING,
         "bad UTF-8 syntax: \"inline:{?=x}\"; need \"inline:{name=value...}\""},
        {"static:{ a }b", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "static:{ a }b is unavailable. bad static:name syntax: syntax error after '}' in "
         "\"{ a }b\""},
        {"static:{ a", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "bad static:name syntax: missing '}' in \"{ a\""},
        {"regexp:{/x/ y}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "regexp:{/x/ y} is unavailable. regexp map: no '{' at start of text in \"/x/\""},
        {"pcre:{{/x/ y}", FOLD, TLSP_RETRY, TLSP_SEV_WARNING,
         "pcre map: missing '}' in \"{{/x/ y}\""},
        {"fail:why", FOLD, TLSP_RETRY, TLSP_SEV_NOTE, "fail:why"},
        {"socketmap:inet:127.0.0.1:9999:policy", FOLD, TLSP_UNSUPPORTED, TLSP_SEV_ERROR,
         "tlspolicy does not read socketmap: tables yet"},
        {"mysql:/etc/postfix/mysql-policy.cf", FOLD, TLSP_UNSUPPORTED, TLSP_SEV_ERROR,
         "Debian package postfix-mysql"},
        {"ldap:/etc/postfix/ldap.cf", FOLD, TLSP_UNSUPPORTED, TLSP_SEV_ERROR, "ldap: tables yet"},
        {"tcp:localhost:9", FOLD, TLSP_UNSUPPORTED, TLSP_SEV_ERROR, "tcp:localhost:9"},
    };
    size_t i;

    (void)state;
    free(tu_write(tmp, "garbage.cdb", "not a cdb\n"));
    free(tu_write(tmp, "garbage.lmdb", "not an lmdb\n"));
    for (i = 0; i < N(rows); i++) {
        struct tlsp_map *m;
        struct tlsp_diag d, ld;
        const char *reason = NULL, *value = "set";
        struct tlsp_map_hit hit = {"x", "y", 7};

        tlsp_diag_init(&d);
        tlsp_diag_init(&ld);
        m = must_open(rows[i].spec, rows[i].flags, &d);
        if (tlsp_map_is_available(m, &reason))
            fail_msg("row %zu: %s is available", i, rows[i].spec);
        if (reason == NULL || strstr(reason, rows[i].reason) == NULL)
            fail_msg("row %zu: reason \"%s\", want \"%s\"", i, reason ? reason : "(null)",
                     rows[i].reason);
        assert_false(tlsp_map_is_fixed(m));
        assert_int_equal(tlsp_map_lookup(m, "a.example", &value, &hit, &ld), rows[i].lookup);
        assert_null(value);
        assert_null(hit.key);
        assert_null(hit.file);
        assert_int_equal(hit.line, 0);
        if (!has_msg(&ld, rows[i].sev, rows[i].reason))
            fail_msg("row %zu: lookup diag lacks \"%s\"", i, rows[i].reason);
        tlsp_map_free(m);
        tlsp_diag_fini(&d);
        tlsp_diag_fini(&ld);
    }
    free(missing_hash);
    free(missing_hash_reason);
    free(missing_text);
    free(missing_text_reason);
    free(missing_re);
    free(missing_re_reason);
    free(missing_lmdb);
    free(missing_lmdb_reason);
    free(missing_cdb);
    free(missing_cdb_reason);
    free(dups);
    free(dups_reason);
    free(garbage_cdb);
    free(garbage_cdb_reason);
    free(garbage_lmdb);
    free(garbage_lmdb_reason);
}

/* ---- texthash -------------------------------------------------------------- */

static const char policy[] = "# comment\n"                             /* 1 */
                             "example.com secure match=.example.com\n" /* 2 */
                             ".example.com verify\n"                   /* 3 */
                             "Mixed.Example encrypt\n"                 /* 4 */
                             "cont.example secure\n"                   /* 5 */
                             "  ciphers=high\n"                        /* 6 */
                             "# comment inside\n"                      /* 7 */
                             "\n"                                      /* 8 */
                             "\tprotocols=TLSv1.2\n"                   /* 9 */
                             "\"a b\" quoted\n"                        /* 10 */
                             "bare\n"                                  /* 11 */
                             "alias: may\n"                            /* 12 */
                             "bad\"quote x\n"                          /* 13 */
                             "crlf.example dane\r\n"                   /* 14 */
                             "\xc3\x84.example umlaut\n"               /* 15: Ä.example */
                             "latin\xe9.example latin1\n";             /* 16 */

static void
test_texthash(void **state)
{
    char *spec = table("texthash", "policy", policy);
    char *file = fmt("%s/policy", tmp);
    const struct want fold_utf8[] = {
        {"nothing.example", TLSP_NOTFOUND, NULL, 0},
        {"sub.example.com", TLSP_NOTFOUND, NULL, 0},
        {"bare", TLSP_NOTFOUND, NULL, 0},
        {"bad\"quote", TLSP_NOTFOUND, NULL, 0},
        {"latin\xe9.example", TLSP_NOTFOUND, NULL, 0}, /* line skipped, key not UTF-8 */
        {"example.com", TLSP_OK, "secure match=.example.com", 2},
        {"EXAMPLE.Com", TLSP_OK, "secure match=.example.com", 2},
        {".example.com", TLSP_OK, "verify", 3},
        {"mixed.example", TLSP_OK, "encrypt", 4},
        {"cont.example", TLSP_OK, "secure  ciphers=high\tprotocols=TLSv1.2", 5},
        {"\"a b\"", TLSP_OK, "quoted", 10},
        {"alias:", TLSP_OK, "may", 12},
        {"crlf.example", TLSP_OK, "dane", 14},
        {"\xc3\xa4.example", TLSP_OK, "umlaut", 15}, /* Unicode folding */
        {"\xc3\x84.EXAMPLE", TLSP_OK, "umlaut", 15},
    };
    const struct want fold_ascii[] = {
        {"\xc3\xa4.example", TLSP_NOTFOUND, NULL, 0}, /* ASCII-only folding */
        {"\xc3\x84.EXAMPLE", TLSP_OK, "umlaut", 15},
        {"latin\xe9.example", TLSP_OK, "latin1", 16},
        {"Mixed.Example", TLSP_OK, "encrypt", 4},
    };
    const struct want no_fold[] = {
        {"mixed.example", TLSP_NOTFOUND, NULL, 0},
        {"EXAMPLE.COM", TLSP_NOTFOUND, NULL, 0},
        {"Mixed.Example", TLSP_OK, "encrypt", 4},
        {"\xc3\x84.example", TLSP_OK, "umlaut", 15},
    };
    struct tlsp_diag d;
    struct tlsp_map *m;
    const struct tlsp_msg *msg;
    struct tlsp_map_hit hit;
    const char *value;

    (void)state;
    tlsp_diag_init(&d);
    m = must_open(spec, FOLD | UTF8, &d);
    assert_true(tlsp_map_is_available(m, NULL));
    assert_true(tlsp_map_is_fixed(m));
    assert_string_equal(tlsp_map_type(m), "texthash");
    expect_all(m, fold_utf8, N(fold_utf8));
    /* hits name the file and the key as written */
    assert_int_equal(tlsp_map_lookup(m, "MIXED.example", &value, &hit, NULL), TLSP_OK);
    assert_string_equal(hit.key, "Mixed.Example");
    assert_string_equal(hit.file, file);
    /* Postfix's warnings, with file and line in the fields */
    msg = find_msg(&d, "expected format: key whitespace value -- ignoring this line");
    assert_non_null(msg);
    assert_string_equal(msg->file, file);
    assert_int_equal(msg->line, 11);
    assert_int_equal(msg->sev, TLSP_SEV_WARNING);
    msg = find_msg(&d, "record is in \"key: value\" format; is this an alias file?");
    assert_non_null(msg);
    assert_int_equal(msg->line, 12);
    msg = find_msg(&d, "unbalanced '\"' in 'bad\"quote x' -- ignoring this line");
    assert_non_null(msg);
    assert_int_equal(msg->line, 13);
    msg = find_msg(&d, "non-UTF-8 input \"latin?.example latin1\" -- ignoring this line");
    assert_non_null(msg);
    assert_int_equal(msg->line, 16);
    tlsp_map_free(m);
    tlsp_diag_fini(&d);

    tlsp_diag_init(&d);
    m = must_open(spec, FOLD, &d);
    expect_all(m, fold_ascii, N(fold_ascii));
    assert_false(has_msg(&d, -1, "non-UTF-8"));
    tlsp_map_free(m);
    tlsp_diag_fini(&d);

    m = must_open(spec, UTF8, NULL);
    expect_all(m, no_fold, N(no_fold));
    tlsp_map_free(m);
    free(spec);
    free(file);
}

/* readllines(): text before any logical line, and a file without newline */
static void
test_texthash_lines(void **state)
{
    char *spec = table("texthash", "lines", "  leading whitespace\n# c\nfirst one\nlast two");
    const struct want w[] = {
        {"leading", TLSP_NOTFOUND, NULL, 0},
        {"first", TLSP_OK, "one", 3},
        {"last", TLSP_OK, "two", 4},
    };
    struct tlsp_diag d;
    struct tlsp_map *m;
    const struct tlsp_msg *msg;

    (void)state;
    tlsp_diag_init(&d);
    m = must_open(spec, FOLD, &d);
    expect_all(m, w, N(w));
    msg = find_msg(&d, "logical line must not start with whitespace: \"  leading whitespace\"");
    assert_non_null(msg);
    assert_int_equal(msg->line, 1);
    tlsp_map_free(m);
    tlsp_diag_fini(&d);
    free(spec);
}

/* ---- UTF-8 layer -------------------------------------------------------------- */

static void
test_utf8_keys_and_values(void **state)
{
    char *spec = table("texthash", "utf8", "ok.example v\n");
    struct tlsp_diag d;
    struct tlsp_map *m;
    const char *value;

    (void)state;
    m = must_open(spec, FOLD | UTF8, NULL);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_map_lookup(m, "bad\xff", &value, NULL, &d), TLSP_NOTFOUND);
    assert_true(has_msg(&d, TLSP_SEV_WARNING,
                        ": non-UTF-8 key \"bad?\": malformed UTF-8 or invalid codepoint"));
    tlsp_diag_fini(&d);
    tlsp_map_free(m);
    /* a non-UTF-8 value is a lookup error (dict_utf8: DICT_ERR_CONFIG) */
    m = must_open("static:caf\xe9", FOLD | UTF8, NULL);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_map_lookup(m, "k", &value, NULL, &d), TLSP_RETRY);
    assert_null(value);
    assert_true(has_msg(&d, TLSP_SEV_WARNING,
                        "static:caf?: key \"k\": non-UTF-8 value \"caf?\": malformed UTF-8"));
    tlsp_diag_fini(&d);
    tlsp_map_free(m);
    /* dict_open3() puts the UTF-8 layer in front of surrogates too, except
     * for an unknown type, which it refuses before that */
    {
        static const struct {
            const char *spec;
            enum tlsp_status st;
            const char *text;
        } rows[] = {
            {"hash:/nonexistent/x", TLSP_NOTFOUND, "hash:/nonexistent/x: non-UTF-8 key \"k?\""},
            {"inline:{a}", TLSP_NOTFOUND, "inline:{a}: non-UTF-8 key \"k?\""},
            {"fail:x", TLSP_NOTFOUND, "fail:x: non-UTF-8 key \"k?\""},
            {"bogus:x", TLSP_RETRY, "bogus:x is unavailable. unsupported dictionary type"},
        };
        size_t i;

        for (i = 0; i < N(rows); i++) {
            m = must_open(rows[i].spec, FOLD | UTF8, NULL);
            tlsp_diag_init(&d);
            assert_int_equal(tlsp_map_lookup(m, "k\xff", &value, NULL, &d), rows[i].st);
            if (!has_msg(&d, TLSP_SEV_WARNING, rows[i].text))
                fail_msg("%s: no warning \"%s\"", rows[i].spec, rows[i].text);
            tlsp_diag_fini(&d);
            tlsp_map_free(m);
        }
    }
    /* without smtputf8_enable the bytes pass */
    m = must_open("static:caf\xe9", FOLD, NULL);
    assert_int_equal(tlsp_map_lookup(m, "k\xff", &value, NULL, NULL), TLSP_OK);
    assert_string_equal(value, "caf\xe9");
    tlsp_map_free(m);
    free(spec);
}

/* ---- inline and static ------------------------------------------------------ */

static void
test_inline_static(void **state)
{
    const struct {
        const char *spec;
        unsigned flags;
        struct want w[4];
    } rows[] = {
        {"inline:{ a=b, { c = d e }, F.Q=Up }",
         FOLD,
         {{"A", TLSP_OK, "b", 0},
          {"c", TLSP_OK, "d e", 0},
          {"f.q", TLSP_OK, "Up", 0},
          {"x", TLSP_NOTFOUND, NULL, 0}}},
        {"inline:{ F.Q=Up }", 0, {{"f.q", TLSP_NOTFOUND, NULL, 0}, {"F.Q", TLSP_OK, "Up", 0}}},
        {"inline:{a=1,a=2}", FOLD, {{"a", TLSP_OK, "2", 0}}}, /* last wins */
        {"inline:{=v}", FOLD, {{"", TLSP_OK, "v", 0}}},       /* empty name is fine */
        {"inline:{a=}", FOLD, {{"a", TLSP_OK, "", 0}}},       /* empty value */
        {"inline:{a={b c}}", FOLD, {{"a", TLSP_OK, "{b c}", 0}}},
        {"inline:{{ a = b c }}", FOLD, {{"a", TLSP_OK, "b c", 0}}},
        {"static:value", FOLD, {{"anything", TLSP_OK, "value", 0}}},
        {"static:{ two words }", FOLD, {{"x", TLSP_OK, "two words", 0}}},
        {"static:{}", FOLD, {{"x", TLSP_OK, "", 0}}},
        {"static:{{a}}", FOLD, {{"x", TLSP_OK, "{a}", 0}}},
        {"static:x}", FOLD, {{"x", TLSP_OK, "x}", 0}}},
    };
    size_t i, j;

    (void)state;
    for (i = 0; i < N(rows); i++) {
        struct tlsp_map *m = must_open(rows[i].spec, rows[i].flags, NULL);

        for (j = 0; j < 4 && rows[i].w[j].key; j++)
            expect_all(m, &rows[i].w[j], 1);
        tlsp_map_free(m);
    }
    {
        struct tlsp_map *m = must_open("inline:{ Key.Example=v }", FOLD, NULL);
        struct tlsp_map_hit hit;
        const char *value;

        assert_int_equal(tlsp_map_lookup(m, "key.example", &value, &hit, NULL), TLSP_OK);
        assert_string_equal(hit.key, "Key.Example");
        assert_null(hit.file);
        tlsp_map_free(m);
        m = must_open("static:v", FOLD, NULL);
        assert_int_equal(tlsp_map_lookup(m, "key.example", &value, &hit, NULL), TLSP_OK);
        assert_null(hit.key);
        tlsp_map_free(m);
    }
}

/* ---- regexp and pcre --------------------------------------------------------- */

static const char regexp_text[] = "/^(.*)\\.example\\.com$/\tsecure match=$1:${1}.mx:$(1)\n" /* 1 */
                                  "/^UPPER$/i\tcase-sensitive\n"                             /* 2 */
                                  "/^two(.)/!/^twoz/\tTWO $1\n"                              /* 3 */
                                  "/^opt(x)?$/\t[$1]\n"                                      /* 4 */
                                  "/^multi$/\n"                                              /* 5 */
                                  "\tcontinued\n"                                            /* 6 */
                                  "if /^c/\n"                                                /* 7 */
                                  "/^ca$/\tin-if\n"                                          /* 8 */
                                  "if !/b/\n"                                                /* 9 */
                                  "/^cc$/\tin-nested\n"    /* 10 */
                                  "endif\n"                /* 11 */
                                  "endif\n"                /* 12 */
                                  "/^c/\tafter-endif\n"    /* 13 */
                                  "/^bad0/\t$0\n"          /* 14 */
                                  "/^badx/\t$1x\n"         /* 15 */
                                  "/^bad2(.)/\t$2\n"       /* 16 */
                                  "/^badt(.)/\t${1\n"      /* 17 */
                                  "/^bade/\ta $ b\n"       /* 18 */
                                  "/^badf/q\tx\n"          /* 19 */
                                  "/^nocl\tx\n"            /* 20 */
                                  "!/^negs(.)/\t$1\n"      /* 21 */
                                  "endif\n"                /* 22 */
                                  "garbage\n"              /* 23 */
                                  "/^dollar$/\ta$$b\n"     /* 24 */
                                  "/^empty$/\n"            /* 25 */
                                  "/a b/x\tbasic\n"        /* 26 */
                                  "if /^open/\n"           /* 27 */
                                  "/^open-a$/\tin-open\n"; /* 28 */

static void
test_regexp(void **state)
{
    char *spec = table("regexp", "re", regexp_text);
    const struct want w[] = {
        {"other", TLSP_NOTFOUND, NULL, 0},
        {"upper", TLSP_NOTFOUND, NULL, 0},
        {"twoz", TLSP_NOTFOUND, NULL, 0},
        {"cb", TLSP_OK, "after-endif", 13},
        {"bad0", TLSP_NOTFOUND, NULL, 0},
        {"badxy", TLSP_NOTFOUND, NULL, 0},
        {"bad2y", TLSP_NOTFOUND, NULL, 0},
        {"badty", TLSP_NOTFOUND, NULL, 0},
        {"bade", TLSP_NOTFOUND, NULL, 0},
        {"badf", TLSP_NOTFOUND, NULL, 0},
        {"negsx", TLSP_NOTFOUND, NULL, 0},
        {"open-b", TLSP_NOTFOUND, NULL, 0}, /* IF without ENDIF ends the table */
        {"zzz", TLSP_NOTFOUND, NULL, 0},
        {"a.example.com", TLSP_OK, "secure match=a:a.mx:a", 1},
        {"A.B.EXAMPLE.com", TLSP_OK, "secure match=A.B:A.B.mx:A.B", 1},
        {"UPPER", TLSP_OK, "case-sensitive", 2},
        {"twoa", TLSP_OK, "TWO a", 3},
        {"opt", TLSP_OK, "[]", 4},
        {"optx", TLSP_OK, "[x]", 4},
        {"multi", TLSP_OK, "continued", 5},
        {"ca", TLSP_OK, "in-if", 8},
        {"cc", TLSP_OK, "in-nested", 10},
        {"dollar", TLSP_OK, "a$b", 24},
        {"empty", TLSP_OK, "", 25},
        {"a b", TLSP_OK, "basic", 26},
        {"open-a", TLSP_OK, "in-open", 28},
    };
    static const struct {
        unsigned line;
        const char *text;
    } warnings[] = {
        {14, "out-of-range replacement index \"0\""},
        {14, "line 14: bad replacement syntax: skipping this rule"},
        {15, "non-numeric replacement index \"1x\""},
        {16, "out of range replacement index \"2\": skipping this rule"},
        {0, "truncated macro reference: \"${1\""},
        {0, "empty macro name: \"a $ b\""},
        {19, "unknown regexp option \"q\": skipping this rule"},
        {20, "no closing regexp delimiter \"/\": skipping this rule"},
        {21, "$number found in negative match replacement text: skipping this rule"},
        {22, "ignoring ENDIF without matching IF"},
        {23, "ignoring unrecognized request"},
        {25, "no replacement text: using empty string"},
        {27, "IF has no matching ENDIF"},
    };
    struct tlsp_diag d;
    struct tlsp_map *m;
    struct tlsp_map_hit hit;
    const char *value;
    size_t i;

    (void)state;
    tlsp_diag_init(&d);
    m = must_open(spec, FOLD | UTF8, &d);
    assert_false(tlsp_map_is_fixed(m));
    expect_all(m, w, N(w));
    for (i = 0; i < N(warnings); i++) {
        const struct tlsp_msg *msg = find_msg(&d, warnings[i].text);

        if (msg == NULL)
            fail_msg("no warning \"%s\"", warnings[i].text);
        assert_int_equal(msg->sev, TLSP_SEV_WARNING);
        assert_int_equal(msg->line, warnings[i].line);
        if (warnings[i].line)
            assert_non_null(strstr(msg->text, "regexp map "));
    }
    assert_int_equal(tlsp_map_lookup(m, "twoa", &value, &hit, NULL), TLSP_OK);
    assert_string_equal(hit.key, "/^two(.)/!/^twoz/");
    assert_int_equal(hit.line, 3);
    assert_int_equal(tlsp_map_lookup(m, "UPPER", &value, &hit, NULL), TLSP_OK);
    assert_string_equal(hit.key, "/^UPPER$/i");
    /* the query is never folded for pattern tables */
    tlsp_map_free(m);
    tlsp_diag_fini(&d);
    free(spec);

    /* the inline form: one rule per {}; hits have no file */
    m = must_open("regexp:{ {/^f(o+)$/ got $1}, {#comment# x}, {if /^b/}, {/r$/ bar}, {endif} }",
                  FOLD, NULL);
    assert_int_equal(tlsp_map_lookup(m, "foo", &value, &hit, NULL), TLSP_OK);
    assert_string_equal(value, "got oo");
    assert_null(hit.file);
    assert_int_equal(hit.line, 1);
    assert_int_equal(tlsp_map_lookup(m, "bar", &value, &hit, NULL), TLSP_OK);
    assert_string_equal(value, "bar");
    assert_int_equal(hit.line, 4);
    assert_int_equal(tlsp_map_lookup(m, "#comment#", &value, &hit, NULL), TLSP_NOTFOUND);
    tlsp_map_free(m);
}

static void
test_regexp_locale(void **state)
{
    /* Postfix runs regcomp() in the C locale: "." is one byte, even when
     * the calling program has chosen a UTF-8 locale */
    struct tlsp_map *m;
    const char *value;

    (void)state;
    assert_non_null(setlocale(LC_CTYPE, "C.UTF-8"));
    m = must_open("regexp:{{/^.$/ one}, {/^..$/ two}}", FOLD, NULL);
    assert_int_equal(tlsp_map_lookup(m, "\xc3\xa9", &value, NULL, NULL), TLSP_OK);
    assert_string_equal(value, "two");
    tlsp_map_free(m);
    assert_non_null(setlocale(LC_CTYPE, "C"));
}

static void
test_pcre(void **state)
{
    static const char text[] = "/^(.*)\\.example$/\tsub $1\n"     /* 1 */
                               "/^Case$/i\tcase-sensitive\n"      /* 2 */
                               "/^a.b$/\tdotall-by-default\n"     /* 3 */
                               "/^c.d$/s\tdot-stops-at-newline\n" /* 4 */
                               "/^line$/m\tmultiline\n"           /* 5 */
                               "/ x y z /x\textended\n"           /* 6 */
                               "/yz/A\tanchored\n"                /* 7 */
                               "/^end$/E\tdollar-endonly\n"       /* 8 */
                               "/^(a+)/U\tungreedy $1\n"          /* 9 */
                               "/^obs/X\tobsolete-flag\n"         /* 10 */
                               "/^x(a)?(b)$/\t<$1|$2>\n"          /* 11 */
                               "/^bad(/\tx\n"                     /* 12 */
                               "/^neg/!/x/\tx\n"                  /* 13 */
                               "/^nocl\tx\n";                     /* 14 */
    char *spec = table("pcre", "pcre", text);
    const struct want w[] = {
        {"case", TLSP_NOTFOUND, NULL, 0},
        {"c\nd", TLSP_NOTFOUND, NULL, 0},
        {"byz", TLSP_NOTFOUND, NULL, 0}, /* /yz/A is anchored */
        {"end\n", TLSP_NOTFOUND, NULL, 0},
        {"neg", TLSP_NOTFOUND, NULL, 0},
        {"sub.example", TLSP_OK, "sub sub", 1},
        {"Case", TLSP_OK, "case-sensitive", 2},
        {"a\nb", TLSP_OK, "dotall-by-default", 3},
        {"x\nline", TLSP_OK, "multiline", 5},
        {"xyz", TLSP_OK, "extended", 6},
        {"yzx", TLSP_OK, "anchored", 7},
        {"end", TLSP_OK, "dollar-endonly", 8},
        {"aaa", TLSP_OK, "ungreedy a", 9},
        {"obs", TLSP_OK, "obsolete-flag", 10},
        {"xb", TLSP_OK, "<|b>", 11},
        {"xab", TLSP_OK, "<a|b>", 11},
    };
    struct tlsp_diag d;
    struct tlsp_map *m;

    (void)state;
    tlsp_diag_init(&d);
    m = must_open(spec, FOLD | UTF8, &d);
    expect_all(m, w, N(w));
    assert_true(has_msg(&d, TLSP_SEV_WARNING, "line 10: ignoring obsolete regexp option \"X\""));
    assert_true(has_msg(&d, TLSP_SEV_WARNING,
                        "line 12: error in regex at offset 5: missing closing parenthesis"));
    assert_true(has_msg(&d, TLSP_SEV_WARNING, "line 13: unknown regexp option \"!\""));
    assert_true(has_msg(&d, TLSP_SEV_WARNING,
                        "line 14: no closing regexp delimiter \"/\": ignoring this rule"));
    tlsp_map_free(m);
    tlsp_diag_fini(&d);
    free(spec);
}

/* ---- compiled tables ------------------------------------------------------------ */

struct kv {
    const char *k;
    size_t klen; /* bytes, including any NUL */
    const char *v;
    size_t vlen;
};

static void
write_bdb(const char *file, DBTYPE type, const struct kv *e, size_t n)
{
    DB *db;
    size_t i;

    unlink(file);
    assert_int_equal(db_create(&db, NULL, 0), 0);
    assert_int_equal(db->open(db, NULL, file, NULL, type, DB_CREATE, 0644), 0);
    for (i = 0; i < n; i++) {
        DBT k, v;

        memset(&k, 0, sizeof(k));
        memset(&v, 0, sizeof(v));
        k.data = (void *)e[i].k;
        k.size = (u_int32_t)e[i].klen;
        v.data = (void *)e[i].v;
        v.size = (u_int32_t)e[i].vlen;
        assert_int_equal(db->put(db, NULL, &k, &v, 0), 0);
    }
    assert_int_equal(db->close(db, 0), 0);
}

static void
write_lmdb(const char *file, const struct kv *e, size_t n)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    size_t i;

    unlink(file);
    assert_int_equal(mdb_env_create(&env), 0);
    assert_int_equal(mdb_env_open(env, file, MDB_NOSUBDIR | MDB_NOLOCK, 0644), 0);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
    for (i = 0; i < n; i++) {
        MDB_val k = {e[i].klen, (void *)e[i].k}, v = {e[i].vlen, (void *)e[i].v};

        assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), 0);
    }
    assert_int_equal(mdb_txn_commit(txn), 0);
    mdb_env_close(env);
}

static void
write_cdb(const char *file, const struct kv *e, size_t n)
{
    struct cdb_make cm;
    int fd;
    size_t i;

    fd = open(file, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(cdb_make_start(&cm, fd), 0);
    for (i = 0; i < n; i++)
        assert_int_equal(
            cdb_make_add(&cm, e[i].k, (unsigned)e[i].klen, e[i].v, (unsigned)e[i].vlen), 0);
    assert_int_equal(cdb_make_finish(&cm), 0);
    close(fd);
}

/* Keys as postmap writes them (with NUL) next to one written without. */
static const struct kv mixed[] = {
    {"with.example", 13, "one", 4},
    {"without.example", 15, "two", 3},
    {"cut.example", 12, "before\0after", 13},
};

static void
write_all(const char *base, const struct kv *e, size_t n)
{
    char *f;

    f = fmt("%s.db", base);
    write_bdb(f, DB_HASH, e, n);
    free(f);
    f = fmt("%s.lmdb", base);
    write_lmdb(f, e, n);
    free(f);
    f = fmt("%s.cdb", base);
    write_cdb(f, e, n);
    free(f);
}

/* DICT_FLAG_TRY1NULL / TRY0NULL: the first form found is the only one tried after */
static void
test_compiled_nul_probing(void **state)
{
    static const char *const types[] = {"hash", "lmdb", "cdb"};
    char *base = fmt("%s/mixed", tmp);
    size_t i;

    (void)state;
    write_all(base, mixed, N(mixed));
    for (i = 0; i < N(types); i++) {
        char *spec = fmt("%s:%s", types[i], base);
        const struct want with_first[] = {
            {"with.example", TLSP_OK, "one", 0},
            {"without.example", TLSP_NOTFOUND, NULL, 0},
            {"cut.example", TLSP_OK, "before", 0}, /* a value ends at its first NUL */
        };
        const struct want without_first[] = {
            {"without.example", TLSP_OK, "two", 0},
            {"with.example", TLSP_NOTFOUND, NULL, 0},
        };
        struct tlsp_map *m = must_open(spec, FOLD, NULL);

        expect_all(m, with_first, N(with_first));
        tlsp_map_free(m);
        m = must_open(spec, FOLD, NULL);
        expect_all(m, without_first, N(without_first));
        tlsp_map_free(m);
        free(spec);
    }
    free(base);
}

static void
set_mtime(const char *file, time_t when)
{
    struct timeval tv[2] = {{when, 0}, {when, 0}};

    assert_int_equal(utimes(file, tv), 0);
}

/* Staleness: Postfix's timestamp warning, and tlspolicy's content check. */
static void
test_compiled_stale(void **state)
{
    static const struct kv built[] = {
        {"a.example", 10, "secure", 7},
        {"b.example", 10, "old-value", 10},
        {"gone.example", 13, "x", 2},
    };
    static const char source[] = "# policy\n"
                                 "A.Example secure\n"
                                 "b.example new-value\n"
                                 "c.example encrypt\n";
    static const char *const types[] = {"hash", "btree", "lmdb", "cdb"};
    char *base = fmt("%s/stale", tmp);
    time_t now = time(NULL);
    size_t i;

    (void)state;
    free(tu_write(tmp, "stale", source));
    for (i = 0; i < N(types); i++) {
        const char *suffix = i == 2 ? ".lmdb" : i == 3 ? ".cdb" : ".db";
        char *spec = fmt("%s:%s", types[i], base);
        char *db = fmt("%s%s", base, suffix);
        char *older = fmt("database %s is older than source file %s", db, base);
        struct tlsp_diag d;
        struct tlsp_map *m;
        struct tlsp_map_hit hit;
        const char *value;
        const struct tlsp_msg *msg;

        if (i == 1)
            write_bdb(db, DB_BTREE, built, N(built));
        else if (i == 0)
            write_bdb(db, DB_HASH, built, N(built));
        else if (i == 2)
            write_lmdb(db, built, N(built));
        else
            write_cdb(db, built, N(built));
        set_mtime(db, now - 3600);
        set_mtime(base, now - 600);
        tlsp_diag_init(&d);
        m = must_open(spec, FOLD, &d);
        assert_true(has_msg(&d, TLSP_SEV_WARNING, older));
        msg = find_msg(&d, "does not match its source file");
        assert_non_null(msg);
        assert_int_equal(msg->sev, TLSP_SEV_NOTE);
        assert_non_null(strstr(msg->text, "3 differences"));
        assert_non_null(strstr(msg->text, "\"b.example\" (different value)"));
        assert_non_null(strstr(msg->text, "\"c.example\" (not in the compiled file)"));
        assert_non_null(strstr(msg->text, "\"gone.example\" (only in the compiled file)"));
        assert_non_null(strstr(msg->text, "run \"postmap "));
        /* the compiled file answers; the source gives file and line when it agrees */
        assert_int_equal(tlsp_map_lookup(m, "a.example", &value, &hit, NULL), TLSP_OK);
        assert_string_equal(value, "secure");
        assert_string_equal(hit.key, "A.Example");
        assert_string_equal(hit.file, base);
        assert_int_equal(hit.line, 2);
        assert_int_equal(tlsp_map_lookup(m, "b.example", &value, &hit, NULL), TLSP_OK);
        assert_string_equal(value, "old-value");
        assert_string_equal(hit.key, "b.example");
        assert_null(hit.file);
        assert_int_equal(hit.line, 0);
        assert_int_equal(tlsp_map_lookup(m, "c.example", &value, &hit, NULL), TLSP_NOTFOUND);
        tlsp_map_free(m);
        tlsp_diag_fini(&d);
        /* a source changed in the last 100 s: no Postfix warning, still our note */
        set_mtime(base, now - 10);
        tlsp_diag_init(&d);
        m = must_open(spec, FOLD, &d);
        assert_false(has_msg(&d, -1, "is older than source file"));
        assert_true(has_msg(&d, TLSP_SEV_NOTE, "does not match its source file"));
        tlsp_map_free(m);
        tlsp_diag_fini(&d);
        free(spec);
        free(db);
        free(older);
    }
    free(base);
}

static void
test_compiled_agrees(void **state)
{
    static const struct kv built[] = {
        {"a.example", 10, "secure", 7},
        {"[mx.example]:25", 16, "encrypt", 8},
    };
    static const char source[] = "A.example secure\n[MX.example]:25 encrypt\n";
    char *base = fmt("%s/agrees", tmp);
    char *spec = fmt("hash:%s", base);
    char *db = fmt("%s.db", base);
    struct tlsp_diag d;
    struct tlsp_map *m;

    (void)state;
    free(tu_write(tmp, "agrees", source));
    write_bdb(db, DB_HASH, built, N(built));
    tlsp_diag_init(&d);
    m = must_open(spec, FOLD, &d);
    assert_int_equal(d.n_msgs, 0);
    tlsp_map_free(m);
    tlsp_diag_fini(&d);
    /* upper-case keys in a compiled file can never match a folded query */
    {
        static const struct kv upper[] = {{"Upper.Example", 14, "v", 2}};

        free(tu_write(tmp, "agrees", "Upper.Example v\n"));
        write_bdb(db, DB_HASH, upper, N(upper));
        tlsp_diag_init(&d);
        m = must_open(spec, FOLD, &d);
        assert_true(has_msg(&d, TLSP_SEV_NOTE, "1 key with upper-case letters"));
        assert_false(has_msg(&d, -1, "does not match its source file"));
        tlsp_map_free(m);
        tlsp_diag_fini(&d);
    }
    free(base);
    free(spec);
    free(db);
}

/* ---- limits ------------------------------------------------------------------- */

static void
test_limits(void **state)
{
    char *big = fmt("%s/big", tmp);
    char *spec;
    struct tlsp_diag d;
    struct tlsp_map *m = (struct tlsp_map *)&m;
    int fd;
    const char *value;

    (void)state;
    /* a text table above 64 MiB */
    fd = open(big, O_RDWR | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, ((off_t)64 << 20) + 1), 0);
    close(fd);
    spec = fmt("texthash:%s", big);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_map_open(spec, FOLD, &m, &d), TLSP_LIMIT);
    assert_null(m);
    assert_true(has_msg(&d, TLSP_SEV_ERROR, "larger than tlspolicy's limit of 64 MiB"));
    assert_string_equal(d.msgs[d.n_msgs - 1].file, big);
    tlsp_diag_fini(&d);
    free(spec);
    unlink(big);

    /* nested bounded repetitions glibc would expand a million times */
    spec = table("regexp", "costly", "# c\n/((a{100}){100}){100}/ x\n");
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_map_open(spec, FOLD, &m, &d), TLSP_LIMIT);
    assert_true(has_msg(&d, TLSP_SEV_ERROR, "line 2: pattern repeats sub-expressions"));
    tlsp_diag_fini(&d);
    free(spec);

    /* nested empty alternatives: glibc's closure time grows with the square of
     * the depth; 256 deep is accepted, 257 refused */
    for (int depth = 256; depth <= 257; depth++) {
        char *pat = malloc((size_t)depth * 3 + 2), *p = pat, *text;
        int i;

        for (i = 0; i < depth; i++) {
            *p++ = '(';
            *p++ = '|';
        }
        *p++ = 'a';
        for (i = 0; i < depth; i++)
            *p++ = ')';
        *p = 0;
        text = fmt("/%s/ x\n", pat);
        spec = table("regexp", "deep", text);
        tlsp_diag_init(&d);
        if (depth == 256) {
            assert_int_equal(tlsp_map_open(spec, FOLD, &m, &d), TLSP_OK);
            tlsp_map_free(m);
        } else {
            assert_int_equal(tlsp_map_open(spec, FOLD, &m, &d), TLSP_LIMIT);
            assert_true(has_msg(&d, TLSP_SEV_ERROR, "line 1: pattern nests groups 257 deep"));
        }
        tlsp_diag_fini(&d);
        free(spec);
        free(text);
        free(pat);
    }

    /* a $number result above 1 MiB */
    {
        size_t n = 300 * 1024;
        char *key = malloc(n + 1);

        memset(key, 'k', n);
        key[n] = 0;
        m = must_open("regexp:{{/^(.*)$/ $1$1$1$1}, {/^(k)/ short $1}}", FOLD, NULL);
        tlsp_diag_init(&d);
        assert_int_equal(tlsp_map_lookup(m, key, &value, NULL, &d), TLSP_LIMIT);
        assert_null(value);
        assert_true(has_msg(&d, TLSP_SEV_ERROR, "exceeds tlspolicy's limit of 1048576 bytes"));
        tlsp_diag_fini(&d);
        key[200 * 1024] = 0; /* 800 KiB fits */
        assert_int_equal(tlsp_map_lookup(m, key, &value, NULL, NULL), TLSP_OK);
        assert_int_equal(strlen(value), 800 * 1024);
        tlsp_map_free(m);
        free(key);
    }
    free(big);
}

/* ---- notes and accessors -------------------------------------------------------- */

static void
test_notes_and_accessors(void **state)
{
    struct tlsp_diag d;
    struct tlsp_map *m;
    char *spec = table("texthash", "plain", "k v\n");
    char *proxied = fmt("proxy:%s", spec);

    (void)state;
    tlsp_diag_init(&d);
    m = must_open(proxied, FOLD, &d);
    assert_string_equal(tlsp_map_spec(m), proxied);
    assert_string_equal(tlsp_map_type(m), "texthash");
    assert_true(has_msg(&d, TLSP_SEV_NOTE, "proxy_read_maps"));
    tlsp_map_free(m);
    tlsp_diag_fini(&d);

    tlsp_diag_init(&d);
    m = must_open("texthash:relative/no-such", FOLD, &d);
    assert_true(has_msg(&d, TLSP_SEV_NOTE, "relative path"));
    assert_true(has_msg(&d, TLSP_SEV_WARNING, "is unavailable"));
    tlsp_map_free(m);
    tlsp_diag_fini(&d);

    assert_true(tlsp_map_type_supported("hash"));
    assert_true(tlsp_map_type_supported("pcre"));
    assert_true(tlsp_map_type_supported("proxy"));
    assert_false(tlsp_map_type_supported("socketmap"));
    assert_false(tlsp_map_type_supported("bogus"));
    assert_false(tlsp_map_type_supported(NULL));
    free(spec);
    free(proxied);
}

static int
setup(void **state)
{
    (void)state;
    tmp = tu_mkdtemp("map");
    return 0;
}

static int
teardown(void **state)
{
    (void)state;
    tu_rmtree(tmp);
    free(tmp);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_open_refuses),
        cmocka_unit_test(test_unavailable),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_texthash),
        cmocka_unit_test(test_texthash_lines),
        cmocka_unit_test(test_utf8_keys_and_values),
        cmocka_unit_test(test_inline_static),
        cmocka_unit_test(test_regexp),
        cmocka_unit_test(test_regexp_locale),
        cmocka_unit_test(test_pcre),
        cmocka_unit_test(test_compiled_nul_probing),
        cmocka_unit_test(test_compiled_stale),
        cmocka_unit_test(test_compiled_agrees),
        cmocka_unit_test(test_notes_and_accessors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
