/*
 * policy_test.c - the effective TLS policy of a next hop (spec 1, 2, 3.2, 5)
 *
 * Each case writes a private configuration directory (main.cf, master.cf,
 * text tables) and asks tlsp_policy_resolve() for one next hop. Rows name
 * the spec section they check; warning texts are Postfix 3.7.11's own, as
 * read off its smtp(8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/policy.h>

#include "testutil.h"

struct world {
    char *dir;
    struct tlsp_cf *cf;
    struct tlsp_diag diag;
};

/* world_new - a config dir holding main.cf = main plus files name=text. */
static struct world *
world_new(const char *main_cf, const char *const *files)
{
    struct world *w = calloc(1, sizeof(*w));
    char *p;

    assert_non_null(w);
    w->dir = tu_mkdtemp("policy");
    p = tu_write(w->dir, "main.cf", main_cf);
    free(p);
    p = tu_write(w->dir, "master.cf",
                 "smtp unix - - - - - smtp\n"
                 "relay unix - - - - - smtp\n"
                 "lmtp unix - - - - - lmtp\n"
                 "secure-out unix - - - - - smtp\n"
                 "  -o smtp_tls_security_level=secure\n");
    free(p);
    for (; files && files[0]; files += 2) {
        p = tu_write(w->dir, files[0], files[1]);
        free(p);
    }
    tlsp_diag_init(&w->diag);
    return w;
}

static void
world_free(struct world *w)
{
    tlsp_cf_free(w->cf);
    tlsp_diag_fini(&w->diag);
    tu_rmtree(w->dir);
    free(w->dir);
    free(w);
}

/* expand "@DIR@" in a main.cf template to the world's directory */
static char *
with_dir(const char *tmpl, const char *dir)
{
    size_t n = strlen(tmpl) + 1;
    const char *p;
    char *out, *o;

    for (p = tmpl; (p = strstr(p, "@DIR@")) != NULL; p += 5)
        n += strlen(dir);
    out = malloc(n);
    assert_non_null(out);
    for (o = out, p = tmpl; *p;) {
        if (strncmp(p, "@DIR@", 5) == 0) {
            memcpy(o, dir, strlen(dir));
            o += strlen(dir);
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    return out;
}

static enum tlsp_status
resolve_in(const char *main_tmpl, const char *const *files, const char *dest, const char *host,
           bool lmtp, struct tlsp_policy *pol, struct world **wp)
{
    struct world *w;
    char *main_cf;
    struct tlsp_policy_request req;

    /* the directory name is known only after mkdtemp: write main.cf twice */
    w = world_new("", files);
    main_cf = with_dir(main_tmpl, w->dir);
    free(tu_write(w->dir, "main.cf", main_cf));
    free(main_cf);
    assert_int_equal(tlsp_cf_load(w->dir, NULL, &w->cf, &w->diag), TLSP_OK);
    memset(&req, 0, sizeof(req));
    req.dest = dest;
    req.host = host;
    req.lmtp = lmtp;
    *wp = w;
    return tlsp_policy_resolve(w->cf, &req, pol, &w->diag);
}

static bool
log_has(const struct tlsp_policy *pol, const char *line)
{
    size_t i;

    for (i = 0; i < pol->n_log; i++)
        if (strcmp(pol->log[i], line) == 0)
            return true;
    return false;
}

static void
dump_log(const struct tlsp_policy *pol)
{
    size_t i;

    for (i = 0; i < pol->n_log; i++)
        print_message("  log: %s\n", pol->log[i]);
}

#define ASSERT_LOG(pol, line)                                                                  \
    do {                                                                                       \
        if (!log_has(pol, line)) {                                                             \
            dump_log(pol);                                                                     \
            fail_msg("missing log line: %s", line);                                            \
        }                                                                                      \
    } while (0)

/* ---- spec 1.2: the global level ------------------------------------------------- */

static void
test_global_level(void **state)
{
    static const struct {
        const char *main_cf;
        enum tlsp_status st;
        enum tlsp_level level;
        const char *fatal;
    } rows[] = {
        /* negative first */
        {"smtp_tls_security_level = bogus\n", TLSP_CONFIG, TLSP_LEVEL_INVALID,
         "Invalid TLS level \"bogus\""},
        {"smtp_tls_security_level = halfdane\n", TLSP_CONFIG, TLSP_LEVEL_INVALID,
         "Invalid TLS level \"halfdane\""},
        {"smtp_use_tls = maybe\n", TLSP_CONFIG, TLSP_LEVEL_INVALID,
         "bad boolean configuration: smtp_use_tls = maybe"},
        {"smtp_tls_security_level = may\nsmtp_tls_wrappermode = perhaps\n", TLSP_CONFIG,
         TLSP_LEVEL_INVALID, "bad boolean configuration: smtp_tls_wrappermode = perhaps"},
        {"smtp_tls_dane_insecure_mx_policy = verify\n", TLSP_CONFIG, TLSP_LEVEL_INVALID,
         "invalid smtp_tls_dane_insecure_mx_policy: \"verify\""},
        /* spec 1.2 row 2: the obsolete booleans */
        {"", TLSP_OK, TLSP_LEVEL_NONE, NULL},
        {"smtp_use_tls = yes\n", TLSP_OK, TLSP_LEVEL_MAY, NULL},
        {"smtp_enforce_tls = yes\n", TLSP_OK, TLSP_LEVEL_VERIFY, NULL},
        {"smtp_enforce_tls = yes\nsmtp_tls_enforce_peername = no\n", TLSP_OK,
         TLSP_LEVEL_ENCRYPT, NULL},
        /* spec 1.2 row 3: the level wins over the booleans; names are case-insensitive */
        {"smtp_enforce_tls = yes\nsmtp_tls_security_level = may\n", TLSP_OK, TLSP_LEVEL_MAY, NULL},
        {"smtp_tls_security_level = VERIFY\n", TLSP_OK, TLSP_LEVEL_VERIFY, NULL},
        {"smtp_tls_security_level = Encrypt\n", TLSP_OK, TLSP_LEVEL_ENCRYPT, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_policy pol;
        struct world *w;
        enum tlsp_status st = resolve_in(rows[i].main_cf, NULL, "example.com", NULL, false,
                                         &pol, &w);

        if (st != rows[i].st)
            fail_msg("row %zu: status %s, want %s", i, tlsp_status_name(st),
                     tlsp_status_name(rows[i].st));
        if (st == TLSP_OK) {
            assert_int_equal(pol.level, rows[i].level);
        } else {
            int worst = tlsp_diag_worst(&w->diag);
            size_t k;
            bool found = false;

            assert_int_equal(worst, TLSP_SEV_FATAL);
            for (k = 0; k < w->diag.n_msgs; k++)
                if (strcmp(w->diag.msgs[k].text, rows[i].fatal) == 0)
                    found = true;
            if (!found)
                fail_msg("row %zu: no fatal \"%s\"", i, rows[i].fatal);
        }
        tlsp_policy_fini(&pol);
        world_free(w);
    }
}

/* ---- spec 2.1, 2.2: lookup keys and their order ----------------------------------- */

static const char *const two_tables[] = {
    "a_policy", "example.com encrypt\n.example.com may\n",
    "b_policy", "sub.example.com secure\n[mx.example.com]:587 verify\nexample.com:25 fingerprint "
                "match=AB:CD\n",
    NULL,
};

static const char *two_maps = "smtp_tls_security_level = none\n"
                              "smtp_tls_policy_maps = texthash:@DIR@/a_policy, "
                              "texthash:@DIR@/b_policy\n";

static void
test_key_order(void **state)
{
    static const struct {
        const char *dest;
        enum tlsp_level level;
        const char *keys; /* every lookup, "key@table" space-separated */
        const char *entry_key;
    } rows[] = {
        /* spec 2.1: for each key every map in order; a later map's exact key beats an
         * earlier map's parent key */
        {"sub.example.com", TLSP_LEVEL_SECURE, "sub.example.com@a sub.example.com@b",
         "sub.example.com"},
        /* spec 2.2: parent walk keeps the dot: a.b.example.com, .b.example.com, .example.com */
        {"a.b.example.com", TLSP_LEVEL_MAY,
         "a.b.example.com@a a.b.example.com@b .b.example.com@a .b.example.com@b .example.com@a",
         ".example.com"},
        /* spec 2.2: a plain entry does not cover itself as a parent */
        {"example.com", TLSP_LEVEL_ENCRYPT, "example.com@a", "example.com"},
        /* spec 2.1: bracketed and port keys get exactly one lookup, verbatim */
        {"[mx.example.com]:587", TLSP_LEVEL_VERIFY, "[mx.example.com]:587@a [mx.example.com]:587@b",
         "[mx.example.com]:587"},
        {"[mx.example.com]", TLSP_LEVEL_NONE, "[mx.example.com]@a [mx.example.com]@b", NULL},
        {"example.com:25", TLSP_LEVEL_FINGERPRINT, "example.com:25@a example.com:25@b",
         "example.com:25"},
        {"[example.com]:smtp", TLSP_LEVEL_NONE, "[example.com]:smtp@a [example.com]:smtp@b",
         NULL},
        /* spec 2.2: a trailing dot is not a valid host name: one lookup */
        {"other.example.com.", TLSP_LEVEL_NONE, "other.example.com.@a other.example.com.@b",
         NULL},
        /* spec 2.2: no entry "." is consulted; the walk stops at ".net" */
        {"host.example.net", TLSP_LEVEL_NONE,
         "host.example.net@a host.example.net@b .example.net@a .example.net@b .net@a .net@b",
         NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_policy pol;
        struct world *w;
        char got[1024] = "";
        size_t k;

        assert_int_equal(resolve_in(two_maps, two_tables, rows[i].dest, NULL, false, &pol, &w),
                         TLSP_OK);
        for (k = 0; k < pol.n_steps; k++) {
            const char *t = strstr(pol.steps[k].table, "a_policy") ? "a" : "b";

            snprintf(got + strlen(got), sizeof(got) - strlen(got), "%s%s@%s", k ? " " : "",
                     pol.steps[k].key, t);
        }
        if (strcmp(got, rows[i].keys) != 0)
            fail_msg("%s: lookups \"%s\", want \"%s\"", rows[i].dest, got, rows[i].keys);
        if (pol.level != rows[i].level)
            fail_msg("%s: level %s", rows[i].dest, tlsp_level_name(pol.level));
        if (rows[i].entry_key)
            assert_string_equal(pol.entry_key, rows[i].entry_key);
        else
            assert_null(pol.entry_table);
        tlsp_policy_fini(&pol);
        world_free(w);
    }
}

/* spec 2.1: fixed-key tables see the query folded to lower case */
static void
test_case_folding(void **state)
{
    static const char *const files[] = {"p", "A.B.EXAMPLE.TEST secure\n", NULL};
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n", files,
                                "a.b.example.test", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_SECURE);
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* spec 2.2: the walk stops at the first key that exists, even an invalid entry */
static void
test_invalid_stops_walk(void **state)
{
    static const char *const files[] = {"p", "sub.example.com secure bogus=1\n.example.com may\n",
                                        NULL};
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n", files,
                                "sub.example.com", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    assert_string_equal(pol.dsn, "4.7.5");
    assert_string_equal(pol.reason, "client TLS configuration problem");
    ASSERT_LOG(&pol, "warning: smtp_tls_policy_maps, next-hop destination \"sub.example.com\": "
                     "invalid attribute name: \"bogus\"");
    assert_int_equal(pol.n_steps, 1);
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* spec 1.3: a table entry replaces the global level, also downwards */
static void
test_entry_lowers(void **state)
{
    static const char *const files[] = {"p", "example.com none ciphers=high junk\n", NULL};
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_security_level = secure\n"
                                "smtp_tls_policy_maps = texthash:@DIR@/p\n",
                                files, "example.com", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.global_level, TLSP_LEVEL_SECURE);
    assert_int_equal(pol.level, TLSP_LEVEL_NONE);
    ASSERT_LOG(&pol, "warning: smtp_tls_policy_maps, next-hop destination \"example.com\": "
                     "ignoring attribute \"ciphers=high\" with TLS disabled");
    ASSERT_LOG(&pol, "warning: smtp_tls_policy_maps, next-hop destination \"example.com\": "
                     "ignoring attribute \"junk\" with TLS disabled");
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* spec 1.7: a failing table defers with "client TLS configuration problem" */
static void
test_lookup_error(void **state)
{
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_policy_maps = hash:@DIR@/missing\n", NULL,
                                "fastmail.fm", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    assert_string_equal(pol.dsn, "4.7.5");
    assert_string_equal(pol.reason, "client TLS configuration problem");
    ASSERT_LOG(&pol, "warning: smtp_tls_policy_maps, next-hop destination \"fastmail.fm\": "
                     "policy table lookup error");
    assert_int_equal(pol.n_steps, 1);
    assert_int_equal(pol.steps[0].result, TLSP_RETRY);
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* spec 2.4: tafile= is loaded at lookup time */
static void
test_tafile_missing(void **state)
{
    static const char *const files[] = {"p", "example.com secure tafile=/nonexistent/ta.pem\n",
                                        NULL};
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n", files,
                                "example.com", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    ASSERT_LOG(&pol, "warning: error opening trust anchor file: /nonexistent/ta.pem: No such "
                     "file or directory");
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* ---- spec 5.2: ciphers and exclusions ------------------------------------------- */

static void
test_ciphers(void **state)
{
    static const char *const files[] = {
        "p",
        "fastmail.fm secure ciphers=high\n"
        "enc.example encrypt\n"
        "may.example may exclude=RC4\n"
        "bad.example secure ciphers=strong\n"
        "ex.example verify exclude=!foo\n",
        NULL,
    };
    static const char *main_cf =
        "smtp_tls_policy_maps = texthash:@DIR@/p\n"
        "smtp_tls_security_level = may\n"
        "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n"
        "smtp_tls_exclude_ciphers = aNULL\n"
        "smtp_tls_mandatory_exclude_ciphers = MD5, DES, ADH, RC4, PSD, SRP, 3DES, eNULL\n";
    static const struct {
        const char *dest;
        const char *grade;
        const char *exclusions;
        const char *cipherlist; /* NULL: invalid, a handshake-time problem */
        const char *problem;
    } rows[] = {
        {"bad.example", "strong", "aNULL MD5, DES, ADH, RC4, PSD, SRP, 3DES, eNULL aNULL", NULL,
         "invalid cipher grade: \"strong\""},
        {"ex.example", "medium", "!foo aNULL", NULL,
         "invalid unary '!+-@' in cipher exclusion: !foo"},
        {"fastmail.fm", "high", "aNULL MD5, DES, ADH, RC4, PSD, SRP, 3DES, eNULL aNULL",
         "aNULL:-aNULL:HIGH:@STRENGTH:!aNULL:!MD5:!DES:!ADH:!RC4:!PSD:!SRP:!3DES:!eNULL:!aNULL",
         NULL},
        {"enc.example", "medium", "aNULL MD5, DES, ADH, RC4, PSD, SRP, 3DES, eNULL eNULL",
         "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!aNULL:!MD5:!DES:!ADH:!RC4:!PSD:!SRP:!3DES:"
         "!eNULL:!eNULL",
         NULL},
        {"may.example", "medium", "RC4", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!RC4", NULL},
        {"other.example", "medium", "aNULL", "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!aNULL",
         NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_policy pol;
        struct world *w;

        assert_int_equal(resolve_in(main_cf, files, rows[i].dest, NULL, false, &pol, &w),
                         TLSP_OK);
        assert_string_equal(pol.ciphers.value, rows[i].grade);
        assert_string_equal(pol.exclusions, rows[i].exclusions);
        if (rows[i].cipherlist) {
            assert_non_null(pol.cipherlist);
            assert_string_equal(pol.cipherlist, rows[i].cipherlist);
            assert_int_equal(pol.n_later, 0);
            assert_false(pol.doomed);
        } else {
            assert_null(pol.cipherlist);
            assert_int_equal(pol.n_later, 1);
            assert_non_null(strstr(pol.later[0], rows[i].problem));
            /* spec 1.7: not detected at lookup: the policy itself stays valid, but every
             * handshake fails */
            assert_true(pol.level > TLSP_LEVEL_NONE);
            assert_true(pol.doomed);
            assert_string_equal(pol.doomed_dsn, "4.7.5");
            assert_string_equal(pol.doomed_reason, "Cannot start TLS: handshake failure");
        }
        tlsp_policy_fini(&pol);
        world_free(w);
    }
}

/* spec 5.3: protocols at may versus above */
static void
test_protocols(void **state)
{
    static const char *const files[] = {"p", "sec.example secure protocols=bogus\n", NULL};
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "smtp_tls_security_level = may\n"
                                "smtp_tls_protocols = !SSLv2, !SSLv3\n"
                                "smtp_tls_mandatory_protocols = >=TLSv1.2\n",
                                files, "x.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_string_equal(pol.protocols.value, "!SSLv2, !SSLv3");
    assert_string_equal(pol.protocols.param, "smtp_tls_protocols");
    assert_string_equal(pol.protocols_text, "TLSv1 or later");
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "smtp_tls_security_level = encrypt\n"
                                "smtp_tls_mandatory_protocols = >=TLSv1.2\n",
                                files, "x.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_string_equal(pol.protocols.param, "smtp_tls_mandatory_protocols");
    assert_string_equal(pol.protocols_text, "TLSv1.2 or later");
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\n",
                                files, "sec.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_SECURE);
    assert_true(pol.doomed);
    assert_int_equal(pol.n_later, 1);
    assert_non_null(strstr(pol.later[0],
                           "Invalid TLS protocol list \"bogus\": aborting TLS session"));
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* ---- spec 3.2, 3.4: match lists and reference names ------------------------------- */

struct want_ref {
    const char *name; /* NULL: MX-dependent, host unknown */
    bool suffix, mx, ip, skipped;
};

static void
check_refs(const struct tlsp_policy *pol, const struct want_ref *want, size_t n)
{
    size_t i;

    if (pol->n_refs != n)
        fail_msg("%s: %zu reference names, want %zu", pol->dest, pol->n_refs, n);
    for (i = 0; i < n; i++) {
        const struct tlsp_refname *r = &pol->refs[i];

        if (want[i].name)
            assert_string_equal(r->name, want[i].name);
        else
            assert_null(r->name);
        assert_int_equal(r->suffix, want[i].suffix);
        assert_int_equal(r->mx_dependent, want[i].mx);
        assert_int_equal(r->ip, want[i].ip);
        assert_int_equal(r->skipped, want[i].skipped);
    }
}

static void
test_match_names(void **state)
{
    static const char *const files[] = {
        "p",
        "fastmail.fm secure ciphers=high\n"
        "hearst.com secure match=gslb.pphosted.com ciphers=high\n"
        "dots.example secure match=.:a.test:\xe3\x80\x82" "b.test\n"
        "idn.example secure match=b\xc3\xbc" "cher.example\n"
        "[127.0.0.1]:30100 secure\n"
        "[127.0.0.2] verify\n"
        "mx.example verify\n"
        "both.example secure match=hostname:nexthop match=.extra.test\n",
        NULL,
    };
    static const char *main_cf = "smtp_tls_policy_maps = texthash:@DIR@/p\n";
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    /* spec 3.4 + the founding case: secure, default nexthop, dot-nexthop */
    assert_int_equal(resolve_in(main_cf, files, "fastmail.fm", NULL, false, &pol, &w), TLSP_OK);
    {
        const struct want_ref want[] = {{"fastmail.fm", false, false, false, false},
                                        {".fastmail.fm", true, false, false, false}};

        check_refs(&pol, want, 2);
        assert_string_equal(pol.match.param, "smtp_tls_secure_cert_match");
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* match= replaces the default; an exact name */
    assert_int_equal(resolve_in(main_cf, files, "hearst.com", NULL, false, &pol, &w), TLSP_OK);
    {
        const struct want_ref want[] = {{"gslb.pphosted.com", false, false, false, false}};

        check_refs(&pol, want, 1);
        assert_int_equal(pol.match.source, TLSP_ATTR_TABLE);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 3.2: "." alone is skipped; U+3002 counts as a leading dot */
    assert_int_equal(resolve_in(main_cf, files, "dots.example", NULL, false, &pol, &w), TLSP_OK);
    {
        const struct want_ref want[] = {{".", true, false, false, true},
                                        {"a.test", false, false, false, false},
                                        {".b.test", true, false, false, false}};

        check_refs(&pol, want, 3);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 3.2: U-labels become A-labels */
    assert_int_equal(resolve_in(main_cf, files, "idn.example", NULL, false, &pol, &w), TLSP_OK);
    {
        const struct want_ref want[] = {{"xn--bcher-kva.example", false, false, false, false}};

        check_refs(&pol, want, 1);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 3.3: [IP] at secure: an IP reference plus ".127.0.0.1", never satisfiable */
    assert_int_equal(resolve_in(main_cf, files, "[127.0.0.1]:30100", NULL, false, &pol, &w),
                     TLSP_OK);
    {
        const struct want_ref want[] = {{"127.0.0.1", false, false, true, false},
                                        {".127.0.0.1", true, false, false, false}};

        check_refs(&pol, want, 2);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 3.2: hostname of a bracketed IP destination is the literal */
    assert_int_equal(resolve_in(main_cf, files, "[127.0.0.2]", NULL, false, &pol, &w), TLSP_OK);
    {
        const struct want_ref want[] = {{"127.0.0.2", false, true, true, false}};

        check_refs(&pol, want, 1);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 3.4: verify uses the MX host name, unknown offline */
    assert_int_equal(resolve_in(main_cf, files, "mx.example", NULL, false, &pol, &w), TLSP_OK);
    {
        const struct want_ref want[] = {{NULL, false, true, false, false}};

        check_refs(&pol, want, 1);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in(main_cf, files, "mx.example", "mail.provider.test", false, &pol,
                                &w),
                     TLSP_OK);
    {
        const struct want_ref want[] = {{"mail.provider.test", false, true, false, false}};

        check_refs(&pol, want, 1);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 2.4: match= repeats concatenate */
    assert_int_equal(resolve_in(main_cf, files, "both.example", "mx.both.example", false, &pol,
                                &w),
                     TLSP_OK);
    {
        const struct want_ref want[] = {{"mx.both.example", false, true, false, false},
                                        {"both.example", false, false, false, false},
                                        {".extra.test", true, false, false, false}};

        check_refs(&pol, want, 3);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* spec 3.2: main.cf match lists split on comma, white space and colon; LMTP's
 * secure default is "nexthop" alone */
static void
test_match_param_split(void **state)
{
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_security_level = secure\n"
                                "smtp_tls_secure_cert_match = nexthop:.provider.test, "
                                "hostname\n",
                                NULL, "example.org", "mx1.provider.test", false, &pol, &w),
                     TLSP_OK);
    {
        const struct want_ref want[] = {{"example.org", false, false, false, false},
                                        {".provider.test", true, false, false, false},
                                        {"mx1.provider.test", false, true, false, false}};

        check_refs(&pol, want, 3);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in("lmtp_tls_security_level = secure\n", NULL,
                                "inet:lmtp.example:24", NULL, true, &pol, &w),
                     TLSP_OK);
    assert_string_equal(pol.dest, "lmtp.example:24");
    assert_string_equal(pol.match.param, "lmtp_tls_secure_cert_match");
    {
        const struct want_ref want[] = {{"lmtp.example", false, false, false, false}};

        check_refs(&pol, want, 1);
    }
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* ---- spec 1.5, 5.4: fingerprints --------------------------------------------------- */

static void
test_fingerprint(void **state)
{
    static const char *const files[] = {
        "p",
        "none.example fingerprint\n"
        "bad.example fingerprint match=zz\n"
        "ok.example fingerprint match=96:7F:AB:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
        "00:11:22:33:44:55:66:77:88:99:AA:BB:CC|zz\n",
        NULL,
    };
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "compatibility_level = 3.6\n",
                                files, "none.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    ASSERT_LOG(&pol, "warning: nexthop domain none.example: configured at fingerprint security "
                     "level, but with no fingerprints to match.");
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "compatibility_level = 3.6\n",
                                files, "bad.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    ASSERT_LOG(&pol, "warning: malformed fingerprint value: zz");
    ASSERT_LOG(&pol, "warning: nexthop domain bad.example: configured at fingerprint security "
                     "level, but with no fingerprints to match.");
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "compatibility_level = 3.6\n",
                                files, "ok.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_FINGERPRINT);
    assert_string_equal(pol.fingerprint_digest, "sha256");
    assert_int_equal(pol.n_fingerprints, 1);
    assert_int_equal(pol.n_later, 0);
    ASSERT_LOG(&pol, "warning: malformed fingerprint value: zz");
    tlsp_policy_fini(&pol);
    world_free(w);
    /* spec 4.6: compatibility level 0 means md5; a sha256 digest is unusable */
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n", files,
                                "ok.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_string_equal(pol.fingerprint_digest, "md5");
    ASSERT_LOG(&pol, "using backwards-compatible default setting smtp_tls_fingerprint_digest=md5 "
                     "to compute certificate fingerprints");
    assert_int_equal(pol.n_notes, 1);
    assert_non_null(strstr(pol.notes[0], "unusable TLSA RR"));
    /* the only digest is unusable: every verification fails */
    assert_true(pol.doomed);
    assert_string_equal(pol.doomed_reason, "Server certificate not verified");
    assert_non_null(strstr(pol.later[0], "all fingerprints unusable"));
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* ---- spec 1.6: DANE configuration rows ---------------------------------------------- */

static void
test_dane_config(void **state)
{
    static const char *const files[] = {"p", "d.example dane\no.example dane-only\n", NULL};
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    /* row 3: DNSSEC lookups disabled (built-in smtp_dns_support_level) */
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n", files, "d.example",
                                NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_MAY);
    assert_int_equal(pol.table_level, TLSP_LEVEL_DANE);
    ASSERT_LOG(&pol, "warning: d.example: dane configured with dnssec lookups disabled");
    tlsp_policy_fini(&pol);
    world_free(w);
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n", files, "o.example",
                                NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    ASSERT_LOG(&pol, "warning: o.example: dane-only configured with dnssec lookups disabled");
    tlsp_policy_fini(&pol);
    world_free(w);
    /* row 4: MX lookup errors ignored */
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "smtp_dns_support_level = dnssec\nignore_mx_lookup_error = yes\n",
                                files, "d.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_MAY);
    ASSERT_LOG(&pol, "warning: d.example: dane configured with MX lookup errors ignored");
    tlsp_policy_fini(&pol);
    world_free(w);
    /* row 5: resolver options */
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "smtp_dns_support_level = dnssec\n"
                                "smtp_dns_resolver_options = res_dnsrch\n",
                                files, "d.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_MAY);
    ASSERT_LOG(&pol, "warning: d.example: dns resolver options incompatible with dane TLS");
    tlsp_policy_fini(&pol);
    world_free(w);
    /* with DNSSEC configured the outcome depends on DNS */
    assert_int_equal(resolve_in("smtp_tls_policy_maps = texthash:@DIR@/p\n"
                                "smtp_dns_support_level = dnssec\n",
                                files, "d.example", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_DANE);
    assert_true(pol.dane_needs_dns);
    assert_int_equal(pol.n_log, 0);
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* ---- spec 1.4: the obsolete smtp_tls_per_site --------------------------------------- */

static void
test_per_site(void **state)
{
    static const char *const files[] = {
        "site",
        "must.example MUST\nnopeer.example must_nopeermatch\nnone.example NONE\n"
        "may.example MAY\nodd.example FOO\nmx.provider.test MUST\n",
        "p", "x.example encrypt\n",
        NULL,
    };
    static const struct {
        const char *global;
        const char *dest;
        const char *host;
        enum tlsp_level level;
    } rows[] = {
        {"may", "odd.example", NULL, TLSP_LEVEL_INVALID},
        {"may", "must.example", NULL, TLSP_LEVEL_VERIFY},
        {"may", "nopeer.example", NULL, TLSP_LEVEL_ENCRYPT},
        {"verify", "none.example", NULL, TLSP_LEVEL_NONE},
        {"verify", "may.example", NULL, TLSP_LEVEL_VERIFY}, /* global beats a per-site MAY */
        {"may", "other.example", "mx.provider.test", TLSP_LEVEL_VERIFY}, /* host name lookup */
        {"encrypt", "other.example", NULL, TLSP_LEVEL_ENCRYPT},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char main_cf[256];
        struct tlsp_policy pol;
        struct world *w;

        snprintf(main_cf, sizeof(main_cf),
                 "smtp_tls_security_level = %s\nsmtp_tls_per_site = texthash:@DIR@/site\n",
                 rows[i].global);
        assert_int_equal(resolve_in(main_cf, files, rows[i].dest, rows[i].host, false, &pol, &w),
                         TLSP_OK);
        if (pol.level != rows[i].level)
            fail_msg("%s: %s, want %s", rows[i].dest, tlsp_level_name(pol.level),
                     tlsp_level_name(rows[i].level));
        if (rows[i].level == TLSP_LEVEL_INVALID) {
            ASSERT_LOG(&pol, "warning: smtp_tls_per_site: unknown TLS policy 'FOO' for next-hop "
                             "destination odd.example");
            assert_string_equal(pol.reason, "client TLS configuration problem");
        }
        tlsp_policy_fini(&pol);
        world_free(w);
    }
    /* both set: per-site ignored, with Postfix's warning */
    {
        struct tlsp_policy pol;
        struct world *w;

        assert_int_equal(resolve_in("smtp_tls_per_site = texthash:@DIR@/site\n"
                                    "smtp_tls_policy_maps = texthash:@DIR@/p\n",
                                    files, "must.example", NULL, false, &pol, &w),
                         TLSP_OK);
        assert_int_equal(pol.level, TLSP_LEVEL_NONE);
        ASSERT_LOG(&pol, "warning: smtp_tls_per_site ignored when smtp_tls_policy_maps is not "
                         "empty.");
        tlsp_policy_fini(&pol);
        world_free(w);
    }
}

/* spec 1.3: an invalid smtp_tls_servername invalidates every policy above none */
static void
test_servername(void **state)
{
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_security_level = may\nsmtp_tls_servername = a b\n",
                                NULL, "example.com", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_INVALID);
    ASSERT_LOG(&pol, "warning: \"smtp_tls_servername = a b\" specifies an invalid hostname");
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* Valid policies with which every delivery still fails (spec 1.5, 1.7, 3.2) */
static void
test_doomed(void **state)
{
    static const char *const files[] = {
        "p",
        "notrust.example secure\n"
        "dot.example secure match=.\n"
        "old.example secure protocols=TLSv1:TLSv1.1\n"
        "plain.example may\n"
        "smtps.example encrypt\n",
        NULL,
    };
    static const struct {
        const char *extra;
        const char *dest;
        bool doomed;
        const char *dsn;
        const char *reason;
        const char *text;
    } rows[] = {
        /* spec 1.5: no CAfile and no CApath means no CA at all */
        {"", "notrust.example", true, "4.7.5", "Server certificate not verified",
         "neither smtp_tls_CAfile nor smtp_tls_CApath is set"},
        {"smtp_tls_CApath = /etc/ssl/certs\n", "notrust.example", false, NULL, NULL, NULL},
        /* spec 3.2: "." alone is skipped; nothing left to match */
        {"smtp_tls_CAfile = /x\n", "dot.example", true, "4.7.5",
         "Server certificate not verified", "could not configure peer name checks"},
        /* spec 1.5, 5.3: TLSv1/TLSv1.1 need OpenSSL security level 0 */
        {"smtp_tls_CAfile = /x\n", "old.example", true, "4.7.5",
         "Cannot start TLS: handshake failure", "no TLS version"},
        /* spec 1.5: wrapper mode below encrypt */
        {"smtp_tls_wrappermode = yes\n", "plain.example", true, "4.3.0",
         "server unavailable or unable to receive mail", "smtp_tls_wrappermode requires"},
        {"smtp_tls_wrappermode = yes\n", "smtps.example", false, NULL, NULL, NULL},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        char main_cf[512];
        struct tlsp_policy pol;
        struct world *w;

        snprintf(main_cf, sizeof(main_cf), "smtp_tls_policy_maps = texthash:@DIR@/p\n%s",
                 rows[i].extra);
        assert_int_equal(resolve_in(main_cf, files, rows[i].dest, NULL, false, &pol, &w),
                         TLSP_OK);
        if (pol.doomed != rows[i].doomed)
            fail_msg("%s: doomed %d", rows[i].dest, pol.doomed);
        if (rows[i].doomed) {
            assert_string_equal(pol.doomed_dsn, rows[i].dsn);
            assert_string_equal(pol.doomed_reason, rows[i].reason);
            assert_true(pol.n_later >= 1);
            if (strstr(pol.later[0], rows[i].text) == NULL)
                fail_msg("%s: \"%s\" lacks \"%s\"", rows[i].dest, pol.later[0], rows[i].text);
        } else {
            assert_int_equal(pol.n_later, 0);
        }
        tlsp_policy_fini(&pol);
        world_free(w);
    }
}

/* A port-465 next hop without wrapper mode gets Postfix's hint */
static void
test_port_465(void **state)
{
    struct tlsp_policy pol;
    struct world *w;

    (void)state;
    assert_int_equal(resolve_in("smtp_tls_security_level = encrypt\n", NULL,
                                "[smtps.example]:465", NULL, false, &pol, &w),
                     TLSP_OK);
    assert_false(pol.doomed);
    assert_int_equal(pol.n_notes, 1);
    assert_non_null(strstr(pol.notes[0], "SMTPS wrappermode (TCP port 465) requires setting"));
    assert_false(pol.mx_lookup);
    tlsp_policy_fini(&pol);
    world_free(w);
}

/* master.cf -o overrides apply through a service view */
static void
test_service_view(void **state)
{
    struct world *w = world_new("smtp_tls_security_level = may\n", NULL);
    struct tlsp_cf *view = NULL;
    struct tlsp_policy pol;
    struct tlsp_policy_request req;

    (void)state;
    assert_int_equal(tlsp_cf_load(w->dir, NULL, &w->cf, &w->diag), TLSP_OK);
    assert_int_equal(tlsp_cf_service_view(w->cf, "secure-out", &view, &w->diag), TLSP_OK);
    memset(&req, 0, sizeof(req));
    req.dest = "example.com";
    req.service = "secure-out";
    assert_int_equal(tlsp_policy_resolve(view, &req, &pol, &w->diag), TLSP_OK);
    assert_int_equal(pol.level, TLSP_LEVEL_SECURE);
    assert_string_equal(pol.service, "secure-out");
    tlsp_policy_fini(&pol);
    tlsp_cf_free(view);
    world_free(w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_global_level),
        cmocka_unit_test(test_key_order),
        cmocka_unit_test(test_case_folding),
        cmocka_unit_test(test_invalid_stops_walk),
        cmocka_unit_test(test_entry_lowers),
        cmocka_unit_test(test_lookup_error),
        cmocka_unit_test(test_tafile_missing),
        cmocka_unit_test(test_ciphers),
        cmocka_unit_test(test_protocols),
        cmocka_unit_test(test_match_names),
        cmocka_unit_test(test_match_param_split),
        cmocka_unit_test(test_fingerprint),
        cmocka_unit_test(test_dane_config),
        cmocka_unit_test(test_per_site),
        cmocka_unit_test(test_servername),
        cmocka_unit_test(test_doomed),
        cmocka_unit_test(test_port_465),
        cmocka_unit_test(test_service_view),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
