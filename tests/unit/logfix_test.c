/*
 * logfix_test.c - the policy and the fixes of a log diagnosis (lib/logfix.h)
 *
 * Attempts and diagnoses are built by hand as the log reader, the attempt
 * assembler and the classifier would fill them for the founding case
 * (examples/founding-case) and for the lab's recorded Postfix 3.7 logs
 * (tests/fixtures/logs/README.md gives each situation's policy line, which
 * the configured cases write to a texthash table of their own). Each case
 * asserts the level, the reference names, the entry and every fix line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/logdiag.h>

#include "logfix.h"
#include "testutil.h"

#define FOUNDING_FPT                                                                               \
    "9A:58:4F:10:0B:13:49:9C:CE:86:87:27:B3:F6:9E:71:5C:CF:78:38:CA:31:26:14:AC:B2:5A:19:9F:F7:"   \
    "C6:31"
#define MISMATCH_FPT                                                                               \
    "5D:D9:23:14:08:13:84:51:CD:F6:E9:86:21:04:C4:C4:84:21:1B:FA:CE:C6:45:09:4B:C2:91:33:A5:9C:"   \
    "A2:91"
#define UNTRUSTED_FPT                                                                              \
    "EF:3D:A4:5F:C5:77:42:F9:1B:C1:59:5C:0D:D3:1B:0B:58:F1:B7:23:20:E3:38:5C:2C:9F:04:05:82:01:"   \
    "B5:15"
#define NOINTER_FPT                                                                                \
    "B8:BA:BB:94:87:60:1F:9C:3D:1E:AB:47:01:01:1E:84:BB:2B:F6:72:5D:79:CF:6E:21:A8:C4:47:BC:AE:"   \
    "65:EF"
#define SELFSIGNED_FPT                                                                             \
    "81:7C:84:DD:E7:61:7D:74:E9:80:76:D7:90:98:F8:DC:9F:7C:A5:3F:52:94:02:66:43:14:C5:55:44:82:"   \
    "FB:CB"
#define EXPIRED_FPT                                                                                \
    "B5:F2:91:FC:0C:42:F5:84:C4:55:8D:8D:87:F7:FE:6B:DE:F0:A3:03:B2:26:7F:65:57:C9:BB:A5:DF:37:"   \
    "59:4A"
#define EXTENDED_FPT "D8:F5:7E:43:A8:DA:29:22:6B:7E:90:A6:31:86:C8:CD"

/* ---- building attempts and diagnoses --------------------------------------------------- */

/* The attempt only borrows its strings: literals will do. */
static void
attempt_init(struct tlsp_attempt *a, const char *nexthop, const char *mx_host)
{
    memset(a, 0, sizeof(*a));
    a->ident = (char *)"postfix/smtp";
    a->pid = 1;
    a->queue_id = (char *)"ABC123";
    a->end = TLSP_END_DEFERRED;
    a->nexthop = (char *)nexthop;
    a->mx_host = (char *)mx_host;
    a->loglevel_seen = -1;
}

static void
set_warnings(struct tlsp_attempt *a, char **w, size_t n)
{
    a->warnings = w;
    a->n_warnings = n;
}

/* diag_init - a diagnosis as the classifier leaves it: cause, names, trust. */
static void
diag_init(struct tlsp_logdiag *d, enum tlsp_cause cause, int chain_trusted, bool complete,
          const char *const *names)
{
    size_t n = 0;

    memset(d, 0, sizeof(*d));
    d->cause = cause;
    d->chain_trusted = chain_trusted;
    d->cert_names_complete = complete;
    while (names && names[n])
        n++;
    if (n) {
        d->cert_names = calloc(n, sizeof(*d->cert_names));
        assert_non_null(d->cert_names);
        for (d->n_cert_names = 0; d->n_cert_names < n; d->n_cert_names++)
            assert_non_null(d->cert_names[d->n_cert_names] = strdup(names[d->n_cert_names]));
    }
}

static void
strarr_free(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* diag_free - every field freed with free(), as tlsp_logdiag_fini() does. */
static void
diag_free(struct tlsp_logdiag *d)
{
    size_t i;

    free(d->title);
    for (i = 0; i < d->n_findings; i++)
        free(d->findings[i].text);
    free(d->findings);
    strarr_free(d->unknown, d->n_unknown);
    strarr_free(d->settle, d->n_settle);
    free(d->level);
    strarr_free(d->required, d->n_required);
    strarr_free(d->cert_names, d->n_cert_names);
    free(d->entry);
    free(d->entry_source);
    free(d->table_key);
    for (i = 0; i < d->n_fixes; i++) {
        free(d->fixes[i].line);
        free(d->fixes[i].what);
        free(d->fixes[i].tradeoff);
    }
    free(d->fixes);
    memset(d, 0, sizeof(*d));
}

/* run_trust - policy and fixes; trusts_nothing as logdiag.c finds it in the configuration. */
static void
run_trust(const struct tlsp_attempt *a, struct tlsp_cf *cf, bool trusts_nothing,
          struct tlsp_logdiag *d, struct tlsp_diag *diag)
{
    struct tlsp_logfix_route route;

    assert_int_equal(tlsp_logfix_policy(a, cf, d, &route, diag), TLSP_OK);
    assert_int_equal(tlsp_logfix_fixes(a, cf, trusts_nothing, &route, d, diag), TLSP_OK);
    tlsp_logfix_route_fini(&route);
}

static void
run(const struct tlsp_attempt *a, struct tlsp_cf *cf, struct tlsp_logdiag *d,
    struct tlsp_diag *diag)
{
    run_trust(a, cf, false, d, diag);
}

/* ---- assertions -------------------------------------------------------------------------- */

static void
expect_policy(const struct tlsp_logdiag *d, const char *level, bool level_proven,
              const char *const *required, bool required_proven)
{
    size_t n = 0;

    if (level) {
        assert_non_null(d->level);
        assert_string_equal(d->level, level);
    } else {
        assert_null(d->level);
    }
    assert_int_equal(d->level_proven, level_proven);
    /* Only the configuration proves the policy. */
    assert_int_equal(d->level_from_config, level_proven);
    while (required && required[n])
        n++;
    assert_int_equal(d->n_required, n);
    for (n = 0; n < d->n_required; n++)
        assert_string_equal(d->required[n], required[n]);
    if (n) {
        assert_int_equal(d->required_proven, required_proven);
        assert_int_equal(d->required_from_config, required_proven);
    }
}

static void
expect_entry(const struct tlsp_logdiag *d, const char *entry, const char *source,
             const char *table_key, bool new_entry)
{
    if (entry) {
        assert_non_null(d->entry);
        assert_string_equal(d->entry, entry);
        assert_non_null(d->entry_source);
        assert_string_equal(d->entry_source, source);
    } else {
        assert_null(d->entry);
        assert_null(d->entry_source);
    }
    assert_non_null(d->table_key);
    assert_string_equal(d->table_key, table_key);
    assert_int_equal(d->new_entry, new_entry);
}

/* One expected fix: its line (NULL for advice), whether it is checked, and
 * a few words its sentence must hold. */
struct want {
    const char *line;
    bool checked;
    const char *what_has;
};

static void
expect_fixes(const struct tlsp_logdiag *d, const struct want *w, size_t n)
{
    size_t i;

    for (i = 0; i < d->n_fixes && i < n; i++) {
        const struct tlsp_fix *f = &d->fixes[i];

        if (w[i].line == NULL) {
            if (f->line)
                fail_msg("fix %zu: line \"%s\", expected advice", i, f->line);
        } else {
            if (f->line == NULL)
                fail_msg("fix %zu: advice \"%s\", expected line \"%s\"", i, f->what, w[i].line);
            assert_string_equal(f->line, w[i].line);
        }
        if (f->checked != w[i].checked)
            fail_msg("fix %zu (%s): checked %d, expected %d", i, f->line ? f->line : f->what,
                     f->checked, w[i].checked);
        assert_non_null(f->what);
        assert_non_null(f->tradeoff);
        assert_true(strlen(f->tradeoff) > 0);
        if (w[i].what_has && strstr(f->what, w[i].what_has) == NULL)
            fail_msg("fix %zu: \"%s\" lacks \"%s\"", i, f->what, w[i].what_has);
    }
    if (d->n_fixes != n) {
        for (i = 0; i < d->n_fixes; i++)
            print_message("  fix %zu: %s | %s\n", i,
                          d->fixes[i].line ? d->fixes[i].line : "(advice)", d->fixes[i].what);
        fail_msg("%zu fixes, expected %zu", d->n_fixes, n);
    }
}

/* ---- configurations ----------------------------------------------------------------------- */

/* The founding case's configuration, read from the source directory with
 * the override the issue gives (relative paths, as the CLI would see them). */
static struct tlsp_cf *
founding_cf(struct tlsp_diag *diag)
{
    struct tlsp_cf *cf = NULL;

    assert_int_equal(chdir(TLSP_SOURCE_DIR), 0);
    assert_int_equal(tlsp_cf_load("examples/founding-case", NULL, &cf, diag), TLSP_OK);
    assert_int_equal(
        tlsp_cf_override(cf, "smtp_tls_policy_maps=texthash:examples/founding-case/tls_policy",
                         diag),
        TLSP_OK);
    return cf;
}

/* A lab-like configuration (tests/fixtures/logs/README.md): compatibility
 * level 3.6, the given policy line in a texthash table (or maps given). */
struct world {
    char *dir;
    char *table;
    struct tlsp_cf *cf;
    struct tlsp_diag diag;
};

static void
world_open(struct world *w, const char *policy_line, const char *maps)
{
    char *p, *main_cf;

    memset(w, 0, sizeof(*w));
    tlsp_diag_init(&w->diag);
    w->dir = tu_mkdtemp("logfix");
    p = tu_write(w->dir, "master.cf", "smtp unix - - - - - smtp\n");
    free(p);
    w->table = tu_write(w->dir, "tls_policy", policy_line ? policy_line : "");
    assert_true(asprintf(&main_cf,
                         "compatibility_level = 3.6\n"
                         "smtp_tls_loglevel = 1\n"
                         "smtp_tls_policy_maps = %s:%s\n",
                         maps ? maps : "texthash", w->table) > 0);
    p = tu_write(w->dir, "main.cf", main_cf);
    free(p);
    free(main_cf);
    assert_int_equal(tlsp_cf_load(w->dir, NULL, &w->cf, &w->diag), TLSP_OK);
}

static char *
world_source(const struct world *w, unsigned line)
{
    char *s;

    assert_true(asprintf(&s, "texthash:%s line %u", w->table, line) > 0);
    return s;
}

static void
world_close(struct world *w)
{
    tlsp_cf_free(w->cf);
    tlsp_diag_fini(&w->diag);
    tu_rmtree(w->dir);
    free(w->dir);
    free(w->table);
}

/* ---- the founding case ------------------------------------------------------------------- */

static const char *const founding_required[] = {"fastmail.fm", ".fastmail.fm", NULL};
static const char *const founding_names[] = {"*.messagingengine.com", NULL};

/* maillog-postfix37-lab.log: 3.7, loglevel 2, depth=0 verify=1 after the
 * failure proves the chain trusted; only the subject CN is known. */
static void
founding_attempt(struct tlsp_attempt *a)
{
    attempt_init(a, "fastmail.fm", "in1-smtp.messagingengine.com");
    a->loglevel_seen = 2;
    a->dialect = TLSP_DIALECT_36;
    a->word = TLSP_WORD_UNTRUSTED;
    a->verify_error = (char *)"num=62:hostname mismatch";
    a->subject_cn = (char *)"*.messagingengine.com";
    a->issuer_cn = (char *)"Lab High Assurance EV Root CA";
    a->cert_fpt = (char *)FOUNDING_FPT;
    a->reason = (char *)"Server certificate not verified";
}

static void
test_founding_with_cf(void **state)
{
    struct tlsp_diag diag;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_cf *cf;
    static const struct want w[] = {
        {"fastmail.fm secure ciphers=high match=.messagingengine.com", true,
         "under messagingengine.com"},
        {"fastmail.fm verify ciphers=high", true, "MX host name"},
        {NULL, false, "fastmail.fm dane-only"},
        {"fastmail.fm encrypt ciphers=high", false, "without checking"},
    };

    (void)state;
    tlsp_diag_init(&diag);
    cf = founding_cf(&diag);
    founding_attempt(&a);
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, false, founding_names);
    run(&a, cf, &d, &diag);
    expect_policy(&d, "secure", true, founding_required, true);
    expect_entry(&d, "fastmail.fm secure ciphers=high",
                 "texthash:examples/founding-case/tls_policy line 4", "fastmail.fm", false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    assert_string_equal(d.fixes[0].what, "Accepts a certificate name under messagingengine.com, "
                                         "whichever of its servers the MX records name.");
    diag_free(&d);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
}

/* The same at loglevel 1 (no depth= lines): the chain's trust is unknown,
 * so the name fixes are not checked and say what they depend on. */
static void
test_founding_chain_unknown(void **state)
{
    struct tlsp_diag diag;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_cf *cf;
    size_t i;
    static const struct want w[] = {
        {"fastmail.fm secure ciphers=high match=.messagingengine.com", false, "only if"},
        {"fastmail.fm verify ciphers=high", false, "only if"},
        {NULL, false, "dane-only"},
        {"fastmail.fm encrypt ciphers=high", false, NULL},
    };

    (void)state;
    tlsp_diag_init(&diag);
    cf = founding_cf(&diag);
    founding_attempt(&a);
    a.loglevel_seen = 1;
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, founding_names);
    run(&a, cf, &d, &diag);
    expect_policy(&d, "secure", true, founding_required, true);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    for (i = 0; i < 2; i++)
        assert_non_null(strstr(d.fixes[i].what, "chain is trusted, which the log does not show"));
    diag_free(&d);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
}

static void
test_founding_without_cf(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    static const struct want w[] = {
        {"fastmail.fm secure match=.messagingengine.com", true, NULL},
        {"fastmail.fm verify", true, NULL},
        {NULL, false, "fastmail.fm dane-only"},
        {"fastmail.fm encrypt", false, NULL},
    };

    (void)state;
    founding_attempt(&a);
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, false, founding_names);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "secure", false, founding_required, false);
    expect_entry(&d, NULL, NULL, "fastmail.fm", true);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
}

/* maillog-extended.log: Postfix 2.x, every subjectAltName, "Trusted", an
 * md5 fingerprint; the session-cache key names the next hop. */
static void
test_founding_extended(void **state)
{
    static const char *const sans[] = {"*.messagingengine.com",
                                       "messagingengine.com",
                                       "mail.messagingengine.com",
                                       "dav.messagingengine.com",
                                       "caldav.messagingengine.com",
                                       "carddav.messagingengine.com",
                                       NULL};
    struct tlsp_diag diag;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_cf *cf;
    static const struct want w[] = {
        {"fastmail.fm secure ciphers=high match=.messagingengine.com", true, NULL},
        {"fastmail.fm verify ciphers=high", true, NULL},
        {NULL, false, "dane-only"},
        {"fastmail.fm encrypt ciphers=high", false, NULL},
    };

    (void)state;
    attempt_init(&a, "fastmail.fm", "in1-smtp.messagingengine.com");
    a.cache_key = (char *)"smtp&fastmail.fm&in1-smtp.messagingengine.com&66.111.4.74&&FC83E1AD";
    a.dialect = TLSP_DIALECT_PRE36;
    a.word = TLSP_WORD_TRUSTED;
    a.common_name = (char *)"*.messagingengine.com";
    a.subject_cn = (char *)"*.messagingengine.com";
    a.cert_fpt = (char *)EXTENDED_FPT;
    tlsp_diag_init(&diag);
    cf = founding_cf(&diag);
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, true, sans);
    run(&a, cf, &d, &diag);
    expect_policy(&d, "secure", true, founding_required, true);
    expect_entry(&d, "fastmail.fm secure ciphers=high",
                 "texthash:examples/founding-case/tls_policy line 4", "fastmail.fm", false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
}

/* maillog-short.log: one status line, no certificate detail. Nothing is
 * checked; the likely line, match= the MX host's domain, comes first, as a
 * guess, before the weaker encrypt. */
static void
test_founding_short(void **state)
{
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    static const struct want w[] = {
        {"fastmail.fm secure match=.messagingengine.com", false,
         "Accepts a certificate name under messagingengine.com, the domain of the MX host "
         "in1-smtp.messagingengine.com, if the certificate carries one (not known from the log: "
         "tlspolicy check fastmail.fm shows it)."},
        {NULL, false, "dane-only"},
        {"fastmail.fm encrypt", false, NULL},
    };

    (void)state;
    attempt_init(&a, "fastmail.fm", "in1-smtp.messagingengine.com");
    a.reason = (char *)"Server certificate not verified";
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "secure", false, founding_required, false);
    expect_entry(&d, NULL, NULL, "fastmail.fm", true);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    assert_non_null(strstr(d.fixes[0].tradeoff, "A guess"));
    diag_free(&d);
}

/* The same with the founding configuration, which trusts no CA here (its
 * smtp_tls_CApath does not exist): the guess keeps the entry's attributes,
 * and the CAfile line is needed too. */
static void
test_founding_short_with_cf(void **state)
{
    struct tlsp_diag diag;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_cf *cf;
    static const struct want w[] = {
        {"fastmail.fm secure ciphers=high match=.messagingengine.com", false,
         "the domain of the MX host in1-smtp.messagingengine.com"},
        {"smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt", false,
         "a name fix alone does not help"},
        {NULL, false, "dane-only"},
        {"fastmail.fm encrypt ciphers=high", false, NULL},
    };
    static const struct want w_trusted[] = {
        {"fastmail.fm secure ciphers=high match=.messagingengine.com", false, NULL},
        {NULL, false, "dane-only"},
        {"fastmail.fm encrypt ciphers=high", false, NULL},
    };

    (void)state;
    tlsp_diag_init(&diag);
    cf = founding_cf(&diag);
    attempt_init(&a, "fastmail.fm", "in1-smtp.messagingengine.com");
    a.reason = (char *)"Server certificate not verified";
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run_trust(&a, cf, true, &d, &diag);
    expect_policy(&d, "secure", true, founding_required, true);
    expect_entry(&d, "fastmail.fm secure ciphers=high",
                 "texthash:examples/founding-case/tls_policy line 4", "fastmail.fm", false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);

    /* A configuration that trusts CAs: no CAfile line. */
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run_trust(&a, cf, false, &d, &diag);
    expect_fixes(&d, w_trusted, sizeof(w_trusted) / sizeof(w_trusted[0]));
    diag_free(&d);

    /* A name error without the subject CN (3.6 - 3.10.3 at loglevel 1): the same guess. */
    a.verify_error = (char *)"num=62:hostname mismatch";
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, NULL);
    run_trust(&a, cf, false, &d, &diag);
    expect_fixes(&d, w_trusted, sizeof(w_trusted) / sizeof(w_trusted[0]));
    diag_free(&d);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
}

/* No guess where the MX host's name says nothing about the certificate's. */
static void
test_no_guess(void **state)
{
    static const struct want under[] = {
        {NULL, false, "example.org dane-only"},
        {"example.org encrypt", false, NULL},
    };
    static const struct want literal[] = {
        {"[mx.provider.test] encrypt", false, NULL},
    };
    static const struct want ip[] = {
        {NULL, false, "example.org dane-only"},
        {"example.org encrypt", false, NULL},
    };
    static const struct want same[] = {
        {NULL, false, "fastmail.fm dane-only"},
        {"fastmail.fm encrypt", false, NULL},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct world wo;

    (void)state;
    /* The MX host is under the next hop: dot-nexthop already accepts its names. */
    attempt_init(&a, "example.org", "mx1.example.org");
    a.reason = (char *)"Server certificate not verified";
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_fixes(&d, under, sizeof(under) / sizeof(under[0]));
    diag_free(&d);

    /* A next hop in brackets: no MX lookup, the host is the next hop. */
    attempt_init(&a, "[mx.provider.test]", "mx.provider.test");
    a.reason = (char *)"Server certificate not verified";
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_fixes(&d, literal, sizeof(literal) / sizeof(literal[0]));
    diag_free(&d);

    /* An MX host known only by its address. */
    attempt_init(&a, "example.org", "192.0.2.25");
    a.reason = (char *)"Server certificate not verified";
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_fixes(&d, ip, sizeof(ip) / sizeof(ip[0]));
    diag_free(&d);

    /* The entry says match=.messagingengine.com already: the names are something else. */
    world_open(&wo, "fastmail.fm secure match=.messagingengine.com\n", NULL);
    attempt_init(&a, "fastmail.fm", "in1-smtp.messagingengine.com");
    a.reason = (char *)"Server certificate not verified";
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_entry(&d, "fastmail.fm secure match=.messagingengine.com", d.entry_source, "fastmail.fm",
                 false);
    expect_fixes(&d, same, sizeof(same) / sizeof(same[0]));
    diag_free(&d);
    world_close(&wo);

    /* At fingerprint the certificate's digest failed, not its names. */
    world_open(&wo, "fastmail.fm fingerprint match=" FOUNDING_FPT "\n", NULL);
    diag_init(&d, TLSP_CAUSE_NOT_VERIFIED, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    assert_string_equal(d.level, "fingerprint");
    for (size_t i = 0; i < d.n_fixes; i++)
        assert_true(d.fixes[i].line == NULL || strstr(d.fixes[i].line, "match=.") == NULL);
    diag_free(&d);
    world_close(&wo);
}

/* ---- the lab's catalogue: certificate names and chains ------------------------------------- */

static void
test_name_mismatch_secure(void **state)
{
    static const char *const names[] = {"smtp.provider.test", NULL};
    static const char *const required[] = {"mismatch.test", ".mismatch.test", NULL};
    /* The certificate's own name, pinned exactly (checked: the log proves the
     * chain trusted). */
    static const struct want w[] = {
        {"mismatch.test secure match=smtp.provider.test", true, "exactly the name"},
        {NULL, false, "mismatch.test dane-only"},
        {"mismatch.test encrypt", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *source;

    (void)state;
    world_open(&wo, "mismatch.test secure\n", NULL);
    attempt_init(&a, "mismatch.test", "mx.mismatch.test");
    a.loglevel_seen = 2;
    a.subject_cn = (char *)"smtp.provider.test";
    a.cert_fpt = (char *)MISMATCH_FPT;
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, false, names);
    run(&a, wo.cf, &d, &wo.diag);
    source = world_source(&wo, 1);
    expect_policy(&d, "secure", true, required, true);
    expect_entry(&d, "mismatch.test secure", source, "mismatch.test", false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    free(source);
    diag_free(&d);
    world_close(&wo);
}

/* The same log without -c: the level and names are inferred. */
static void
test_name_mismatch_secure_without_cf(void **state)
{
    static const char *const names[] = {"smtp.provider.test", NULL};
    static const char *const required[] = {"mismatch.test", ".mismatch.test", NULL};
    static const struct want w[] = {
        {"mismatch.test secure match=smtp.provider.test", true, "exactly the name"},
        {NULL, false, NULL},
        {"mismatch.test encrypt", false, NULL},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    attempt_init(&a, "mismatch.test", "mx.mismatch.test");
    a.cert_fpt = (char *)MISMATCH_FPT;
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, false, names);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "secure", false, required, false);
    expect_entry(&d, NULL, NULL, "mismatch.test", true);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
}

/* name-mismatch-verify-ll1.log: verify checks the MX host name; loglevel 1
 * shows neither names nor a fingerprint. */
static void
test_name_mismatch_verify(void **state)
{
    static const char *const required[] = {"mx.mismatch.test", NULL};
    static const struct want w[] = {
        {NULL, false, "mismatch.test dane-only"},
        {"mismatch.test encrypt", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *source;

    (void)state;
    world_open(&wo, "mismatch.test verify\n", NULL);
    attempt_init(&a, "mismatch.test", "mx.mismatch.test");
    a.loglevel_seen = 1;
    a.verify_error = (char *)"num=62:hostname mismatch";
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    source = world_source(&wo, 1);
    expect_policy(&d, "verify", true, required, true);
    expect_entry(&d, "mismatch.test verify", source, "mismatch.test", false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    free(source);
    diag_free(&d);
    world_close(&wo);
}

/* A provider's certificate whose name covers the MX host exactly, under a
 * domain that is not the next hop's: match=.parent, then verify. */
static void
test_name_exact_host(void **state)
{
    static const char *const names[] = {"mx1.provider.test", NULL};
    static const struct want w[] = {
        {"client.test secure ciphers=high match=.provider.test", true, NULL},
        {"client.test verify ciphers=high", true, NULL},
        {NULL, false, NULL},
        {"client.test encrypt ciphers=high", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "client.test secure match=client.test ciphers=high\n", NULL);
    attempt_init(&a, "client.test", "mx1.provider.test");
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, true, names);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
    world_close(&wo);
}

/* A certificate for the provider's parent name: the host lies under it,
 * so the exact name, then the nearest suffix that matches, are candidates
 * (explain.c's order; no verify line: the host name itself does not match). */
static void
test_name_under_cert_name(void **state)
{
    static const char *const names[] = {"provider.test", "*.mail.provider.test", NULL};
    static const struct want w[] = {
        {"client.test secure match=provider.test", true, "exactly the name provider.test"},
        {"client.test secure match=.mail.provider.test", true, "under mail.provider.test"},
        {NULL, false, NULL},
        {"client.test encrypt", false, NULL},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    attempt_init(&a, "client.test", "a.b.mail.provider.test");
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, true, names);
    run(&a, NULL, &d, NULL);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
}

static void
test_untrusted_issuer(void **state)
{
    static const char *const names[] = {"mx.untrusted.test", NULL};
    static const struct want w[] = {
        {NULL, false, "\"Elsewhere Root CA\""},
        {"untrusted.test fingerprint match=" UNTRUSTED_FPT, true, "certificate"},
        {NULL, false, "untrusted.test dane-only"},
        {"untrusted.test encrypt", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "untrusted.test secure\n", NULL);
    attempt_init(&a, "untrusted.test", "mx.untrusted.test");
    a.verify_error = (char *)"untrusted issuer /O=Elsewhere/CN=Elsewhere Root CA";
    a.subject_cn = (char *)"mx.untrusted.test";
    a.issuer_cn = (char *)"Elsewhere Root CA";
    a.cert_fpt = (char *)UNTRUSTED_FPT;
    diag_init(&d, TLSP_CAUSE_UNKNOWN_ISSUER, 0, false, names);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    assert_non_null(strstr(d.fixes[1].tradeoff, "Breaks at every certificate renewal"));
    diag_free(&d);
    world_close(&wo);
}

static void
test_missing_intermediate(void **state)
{
    static const char *const names[] = {"mx.nointer.test", NULL};
    static const struct want w[] = {
        {NULL, false, "intermediate CA \"Lab Catalogue Issuing CA\""},
        {"nointer.test fingerprint match=" NOINTER_FPT, true, NULL},
        {NULL, false, NULL},
        {"nointer.test encrypt", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "nointer.test secure\n", NULL);
    attempt_init(&a, "nointer.test", "mx.nointer.test");
    a.verify_error = (char *)"untrusted issuer /O=Lab Catalogue/CN=Lab Catalogue Issuing CA";
    a.cert_fpt = (char *)NOINTER_FPT;
    diag_init(&d, TLSP_CAUSE_MISSING_INTERMEDIATE, 0, false, names);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
    world_close(&wo);
}

/* self-signed, expired: the fingerprint pin keeps the entry's attributes
 * but not its match=. */
static void
test_self_signed_and_expired(void **state)
{
    static const struct want ws[] = {
        {NULL, false, "\"mx.selfsigned.test\" is self-signed"},
        {"selfsigned.test fingerprint ciphers=high match=" SELFSIGNED_FPT, true, NULL},
        {NULL, false, NULL},
        {"selfsigned.test encrypt ciphers=high", false, NULL},
    };
    static const struct want we[] = {
        {NULL, false, "replace the certificate \"mx.expired.test\""},
        {"expired.test fingerprint match=" EXPIRED_FPT, true, NULL},
        {NULL, false, NULL},
        {"expired.test encrypt", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo,
               "selfsigned.test secure match=.selfsigned.test ciphers=high\n"
               "expired.test secure\n",
               NULL);
    attempt_init(&a, "selfsigned.test", "mx.selfsigned.test");
    a.verify_error = (char *)"self-signed certificate";
    a.subject_cn = (char *)"mx.selfsigned.test";
    a.cert_fpt = (char *)SELFSIGNED_FPT;
    diag_init(&d, TLSP_CAUSE_SELF_SIGNED, 0, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_entry(&d, "selfsigned.test secure match=.selfsigned.test ciphers=high", d.entry_source,
                 "selfsigned.test", false);
    expect_fixes(&d, ws, sizeof(ws) / sizeof(ws[0]));
    diag_free(&d);

    attempt_init(&a, "expired.test", "mx.expired.test");
    a.verify_error = (char *)"certificate has expired";
    a.subject_cn = (char *)"mx.expired.test";
    a.cert_fpt = (char *)EXPIRED_FPT;
    diag_init(&d, TLSP_CAUSE_EXPIRED, 0, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    assert_non_null(strstr(d.entry_source, "line 2"));
    expect_fixes(&d, we, sizeof(we) / sizeof(we[0]));
    diag_free(&d);
    world_close(&wo);
}

/* A configured digest that does not fit the logged fingerprint (md5 by
 * compatibility_level 0 against a sha256 fingerprint): no pin offered. */
static void
test_pin_digest_mismatch(void **state)
{
    static const char *const required[] = {"selfsigned.test", ".selfsigned.test", NULL};
    static const struct want w[] = {
        {NULL, false, "self-signed"},
        {NULL, false, NULL},
        {"selfsigned.test encrypt", false, NULL},
    };
    struct tlsp_diag diag;
    struct tlsp_cf *cf = NULL;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *dir = tu_mkdtemp("logfix"), *p;

    (void)state;
    tlsp_diag_init(&diag);
    p = tu_write(dir, "main.cf", "smtp_tls_security_level = secure\n");
    free(p);
    assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &diag), TLSP_OK);
    attempt_init(&a, "selfsigned.test", "mx.selfsigned.test");
    a.subject_cn = (char *)"mx.selfsigned.test";
    a.cert_fpt = (char *)SELFSIGNED_FPT;
    diag_init(&d, TLSP_CAUSE_SELF_SIGNED, 0, false, NULL);
    run(&a, cf, &d, &diag);
    expect_policy(&d, "secure", true, required, true);
    expect_entry(&d, NULL, NULL, "selfsigned.test", true);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the lab's catalogue: the connection ------------------------------------------------- */

static void
test_starttls(void **state)
{
    static const struct want wn[] = {
        {NULL, false, "mx.nostarttls.test to offer STARTTLS"},
        {"nostarttls.test may", false, "plaintext"},
    };
    static const struct want wr[] = {
        {NULL, false, "\"454 4.7.0 TLS not available due to local problem\""},
        {"tls454.test may", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *source;

    (void)state;
    world_open(&wo, "nostarttls.test encrypt\ntls454.test encrypt\n", NULL);
    attempt_init(&a, "nostarttls.test", "mx.nostarttls.test");
    a.reason = (char *)"TLS is required, but was not offered by host mx.nostarttls.test[127.0.1.7]";
    diag_init(&d, TLSP_CAUSE_STARTTLS_NOT_OFFERED, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    source = world_source(&wo, 1);
    expect_policy(&d, "encrypt", true, NULL, false);
    expect_entry(&d, "nostarttls.test encrypt", source, "nostarttls.test", false);
    expect_fixes(&d, wn, sizeof(wn) / sizeof(wn[0]));
    free(source);
    diag_free(&d);

    attempt_init(&a, "tls454.test", "mx.tls454.test");
    a.reason = (char *)"TLS is required, but host mx.tls454.test[127.0.1.8] refused to start TLS: "
                       "454 4.7.0 TLS not available due to local problem";
    diag_init(&d, TLSP_CAUSE_STARTTLS_REFUSED, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, "encrypt", true, NULL, false);
    expect_fixes(&d, wr, sizeof(wr) / sizeof(wr[0]));
    diag_free(&d);
    world_close(&wo);

    /* Without -c: "TLS is required" means encrypt at least. */
    attempt_init(&a, "nostarttls.test", "mx.nostarttls.test");
    diag_init(&d, TLSP_CAUSE_STARTTLS_NOT_OFFERED, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "encrypt", false, NULL, false);
    expect_entry(&d, NULL, NULL, "nostarttls.test", true);
    expect_fixes(&d, wn, sizeof(wn) / sizeof(wn[0]));
    diag_free(&d);
}

/* A discarded STARTTLS keyword in main.cf is undone first. */
static void
test_starttls_discarded(void **state)
{
    static const struct want w[] = {
        {"smtp_discard_ehlo_keywords = pipelining", false, "STARTTLS keyword"},
        {NULL, false, NULL},
        {"nostarttls.test may", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "nostarttls.test encrypt\n", NULL);
    assert_int_equal(
        tlsp_cf_override(wo.cf, "smtp_discard_ehlo_keywords=starttls, pipelining", &wo.diag),
        TLSP_OK);
    attempt_init(&a, "nostarttls.test", "mx.nostarttls.test");
    diag_init(&d, TLSP_CAUSE_STARTTLS_NOT_OFFERED, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
    world_close(&wo);
}

static char w_protocol[] = "TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol "
                           "version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:";
static char w_alert[] = "TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake "
                        "failure:../ssl/record/rec_layer_s3.c:1601:SSL alert number 40:";

static void
test_handshake(void **state)
{
    static const struct want wp[] = {
        {NULL, false, "(tlsv1 alert protocol version)"},
        {"anon.test encrypt protocols=>=TLSv1.2", false, "instead of protocols=TLSv1.3"},
        {"anon.test may protocols=TLSv1.3", false, NULL},
    };
    static const struct want wc[] = {
        {NULL, false, "(sslv3 alert handshake failure)"},
        {"anon.test encrypt", false, "exclude=aNULL"},
        {"anon.test may exclude=aNULL", false, NULL},
    };
    static const struct want wa[] = {
        {NULL, false, "mx.alert.test ended the TLS handshake"},
        {"alert.test may", false, NULL},
    };
    char *wpv[] = {w_protocol}, *wav[] = {w_alert};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "anon.test encrypt protocols=TLSv1.3\n", NULL);
    attempt_init(&a, "anon.test", "mx.anon.test");
    set_warnings(&a, wpv, 1);
    diag_init(&d, TLSP_CAUSE_HANDSHAKE_PROTOCOL, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, "encrypt", true, NULL, false);
    expect_fixes(&d, wp, sizeof(wp) / sizeof(wp[0]));
    diag_free(&d);
    world_close(&wo);

    world_open(&wo, "anon.test encrypt exclude=aNULL\n", NULL);
    attempt_init(&a, "anon.test", "mx.anon.test");
    set_warnings(&a, wav, 1);
    diag_init(&d, TLSP_CAUSE_HANDSHAKE, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, wc, sizeof(wc) / sizeof(wc[0]));
    diag_free(&d);
    world_close(&wo);

    world_open(&wo, "alert.test encrypt\n", NULL);
    attempt_init(&a, "alert.test", "mx.alert.test");
    set_warnings(&a, wav, 1);
    diag_init(&d, TLSP_CAUSE_HANDSHAKE, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, wa, sizeof(wa) / sizeof(wa[0]));
    diag_free(&d);
    world_close(&wo);
}

/* may-plaintext-fallback: the handshake failed, the mail went out anyway. */
static void
test_may_fallback(void **state)
{
    static const struct want wc[] = {{NULL, false, "ended the TLS handshake"}};
    static const struct want wn[] = {{NULL, false, "ended the TLS handshake"},
                                     {"alert.test may", false, NULL}};
    char *wav[] = {w_alert};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    attempt_init(&a, "alert.test", "mx.alert.test");
    set_warnings(&a, wav, 1);
    a.end = TLSP_END_SENT;
    diag_init(&d, TLSP_CAUSE_HANDSHAKE, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "may", false, NULL, false);
    expect_fixes(&d, wc, 1);
    diag_free(&d);

    /* Deferred: may and encrypt both defer a new message: the level is not known. */
    a.end = TLSP_END_DEFERRED;
    diag_init(&d, TLSP_CAUSE_HANDSHAKE, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, NULL, false, NULL, false);
    expect_fixes(&d, wn, 2);
    diag_free(&d);

    world_open(&wo, "alert.test may\n", NULL);
    a.end = TLSP_END_NEXT;
    diag_init(&d, TLSP_CAUSE_HANDSHAKE, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, "may", true, NULL, false);
    expect_fixes(&d, wc, 1);
    diag_free(&d);
    world_close(&wo);
}

/* ---- routing with -c when the log does not name the next hop --------------------------- */

static struct tlsp_cf *
relay_cf(char **dir, const char *main_cf)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag diag;
    char *p;

    tlsp_diag_init(&diag);
    *dir = tu_mkdtemp("logfix-route");
    p = tu_write(*dir, "master.cf",
                 "smtp unix - - - - - smtp\nrelay unix - - - - - smtp\n"
                 "lmtp unix - - - - - lmtp\n");
    free(p);
    p = tu_write(*dir, "main.cf", main_cf);
    free(p);
    assert_int_equal(tlsp_cf_load(*dir, NULL, &cf, &diag), TLSP_OK);
    tlsp_diag_fini(&diag);
    return cf;
}

/* The user's case: relayhost = [smtp.isp.net]:587 at secure; the log names
 * the relay but not the next hop: the policy is the relayhost's. */
static void
test_route_relayhost(void **state)
{
    static const char *const required[] = {"smtp.isp.net", ".smtp.isp.net", NULL};
    static const char *const names[] = {"mail.hoster.example", NULL};
    char *rcpts[] = {(char *)"friend@gmail.com"};
    struct tlsp_logfix_route route;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_diag diag;
    struct tlsp_cf *cf;
    char *dir;

    (void)state;
    cf = relay_cf(&dir, "relayhost = [smtp.isp.net]:587\nsmtp_tls_security_level = secure\n"
                        "smtp_tls_CAfile = /nonexistent/ca.pem\n");
    tlsp_diag_init(&diag);
    attempt_init(&a, "gmail.com", "smtp.isp.net");
    a.server = (char *)"smtp.isp.net[198.51.100.7]:587";
    a.rcpts = rcpts;
    a.n_rcpts = 1;
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    assert_int_equal(tlsp_logfix_policy(&a, cf, &d, &route, &diag), TLSP_OK);
    assert_string_equal(route.nexthop, "[smtp.isp.net]:587");
    assert_string_equal(route.transport, "smtp");
    assert_false(route.lmtp);
    assert_string_equal(route.why, "relayhost");
    assert_false(route.other_config);
    assert_string_equal(route.finding,
                        "The log does not name the next hop; the configuration routes "
                        "friend@gmail.com to next hop [smtp.isp.net]:587 (relayhost), transport "
                        "smtp.");
    expect_policy(&d, "secure", true, required, true);
    assert_string_equal(d.table_key, "[smtp.isp.net]:587");
    assert_true(d.new_entry);
    assert_int_equal(tlsp_logfix_fixes(&a, cf, false, &route, &d, &diag), TLSP_OK);
    assert_true(d.n_fixes > 0);
    assert_string_equal(d.fixes[0].line, "[smtp.isp.net]:587 secure match=mail.hoster.example");
    tlsp_logfix_route_fini(&route);
    diag_free(&d);

    /* The log shows another relay (port 25 of another host): said so; the
     * policy stays the configuration's. */
    a.mx_host = (char *)"mx.other.example";
    a.server = (char *)"mx.other.example[192.0.2.9]:25";
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    assert_int_equal(tlsp_logfix_policy(&a, cf, &d, &route, &diag), TLSP_OK);
    assert_string_equal(route.nexthop, "[smtp.isp.net]:587");
    assert_true(route.other_config);
    assert_non_null(strstr(route.finding, "but the log shows a delivery to "
                                          "mx.other.example[192.0.2.9]:25: the log was probably "
                                          "written with another configuration"));
    expect_policy(&d, "secure", true, required, true);
    /* The logged names belong to another server: advice only, no line. */
    assert_int_equal(tlsp_logfix_fixes(&a, cf, false, &route, &d, &diag), TLSP_OK);
    assert_int_equal(d.n_fixes, 1);
    assert_null(d.fixes[0].line);
    assert_non_null(strstr(d.fixes[0].what, "tlspolicy check '[smtp.isp.net]:587'"));
    tlsp_logfix_route_fini(&route);
    diag_free(&d);

    /* Same host, another port: also another configuration. */
    a.mx_host = (char *)"smtp.isp.net";
    a.server = (char *)"smtp.isp.net[198.51.100.7]:25";
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    assert_int_equal(tlsp_logfix_policy(&a, cf, &d, &route, &diag), TLSP_OK);
    assert_true(route.other_config);
    tlsp_logfix_route_fini(&route);
    diag_free(&d);

    /* A proven next hop (session-cache key) is not routed. */
    a.nexthop_proven = true;
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    assert_int_equal(tlsp_logfix_policy(&a, cf, &d, &route, &diag), TLSP_OK);
    assert_null(route.nexthop);
    assert_null(route.finding);
    assert_string_equal(d.table_key, "gmail.com");
    tlsp_logfix_route_fini(&route);
    diag_free(&d);

    /* Without a configuration nothing is routed. */
    a.nexthop_proven = false;
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    assert_int_equal(tlsp_logfix_policy(&a, NULL, &d, &route, &diag), TLSP_OK);
    assert_null(route.nexthop);
    assert_string_equal(d.table_key, "gmail.com");
    tlsp_logfix_route_fini(&route);
    diag_free(&d);

    tlsp_cf_free(cf);
    tu_rmtree(dir);
    free(dir);

    /* A service name as the port is not compared with the logged port. */
    cf = relay_cf(&dir, "relayhost = [smtp.isp.net]:submission\n");
    a.server = (char *)"smtp.isp.net[198.51.100.7]:587";
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    assert_int_equal(tlsp_logfix_policy(&a, cf, &d, &route, &diag), TLSP_OK);
    assert_string_equal(route.nexthop, "[smtp.isp.net]:submission");
    assert_false(route.other_config);
    assert_string_equal(d.table_key, "[smtp.isp.net]:submission");
    tlsp_logfix_route_fini(&route);
    diag_free(&d);
    tlsp_cf_free(cf);
    tu_rmtree(dir);
    free(dir);
    tlsp_diag_fini(&diag);
}

/* transport_maps sends the domain to lmtp: the routed service names the
 * lmtp_ parameters and the fixes' table. */
static void
test_route_transport_lmtp(void **state)
{
    char *rcpts[] = {(char *)"user@lab.example"};
    struct tlsp_logfix_route route;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    struct tlsp_diag diag;
    struct tlsp_cf *cf;
    char *dir, *tdir, *tp, *mcf;

    (void)state;
    tlsp_diag_init(&diag);
    tdir = tu_mkdtemp("logfix-transport");
    tp = tu_write(tdir, "transport", "lab.example lmtp:[store.lab.example]:24\n");
    assert_true(asprintf(&mcf,
                         "transport_maps = texthash:%s\nlmtp_tls_security_level = encrypt\n"
                         "lmtp_discard_lhlo_keywords = starttls, pipelining\n",
                         tp) > 0);
    cf = relay_cf(&dir, mcf);
    attempt_init(&a, "lab.example", "store.lab.example");
    a.ident = (char *)"postfix/lmtp";
    a.server = (char *)"store.lab.example[192.0.2.4]:24";
    a.rcpts = rcpts;
    a.n_rcpts = 1;
    a.reason = (char *)"TLS is required, but was not offered by host store.lab.example[192.0.2.4]";
    diag_init(&d, TLSP_CAUSE_STARTTLS_NOT_OFFERED, -1, false, NULL);
    assert_int_equal(tlsp_logfix_policy(&a, cf, &d, &route, &diag), TLSP_OK);
    assert_string_equal(route.nexthop, "[store.lab.example]:24");
    assert_string_equal(route.transport, "lmtp");
    assert_true(route.lmtp);
    assert_false(route.other_config);
    assert_string_equal(d.level, "encrypt");
    assert_true(d.level_proven);
    assert_string_equal(d.table_key, "[store.lab.example]:24");
    assert_int_equal(tlsp_logfix_fixes(&a, cf, false, &route, &d, &diag), TLSP_OK);
    assert_true(d.n_fixes > 0);
    assert_string_equal(d.fixes[0].line, "lmtp_discard_lhlo_keywords = pipelining");
    assert_non_null(strstr(d.fixes[0].what, "server's LHLO reply"));
    tlsp_logfix_route_fini(&route);
    diag_free(&d);
    tlsp_cf_free(cf);
    tu_rmtree(tdir);
    free(tdir);
    free(tp);
    free(mcf);
    tu_rmtree(dir);
    free(dir);
    tlsp_diag_fini(&diag);
}

/* ---- the lab's catalogue: configuration problems ------------------------------------------ */

static void
test_invalid_ciphers(void **state)
{
    static char w_bogus[] = "mx.good.test[127.0.1.1]:25: invalid cipher grade: \"bogus\"";
    static char w_typo[] = "mx.good.test[127.0.1.1]:25: invalid cipher grade: \"hihg\"";
    static const struct want wb[] = {{"good.test encrypt", true, "Drops ciphers=bogus"}};
    static const struct want wt[] = {
        {"good.test encrypt ciphers=high", true, "ciphers=hihg to ciphers=high"},
        {"good.test encrypt", true, NULL},
    };
    static const struct want wp[] = {{"smtp_tls_mandatory_ciphers = high", true, NULL}};
    static const struct want wx[] = {{NULL, false, "\"bogus\""}};
    char *wbv[] = {w_bogus}, *wtv[] = {w_typo};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *source;

    (void)state;
    world_open(&wo, "good.test encrypt ciphers=bogus\n", NULL);
    attempt_init(&a, "good.test", "mx.good.test");
    a.reason = (char *)"Cannot start TLS: handshake failure";
    set_warnings(&a, wbv, 1);
    diag_init(&d, TLSP_CAUSE_BAD_CIPHERS, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    source = world_source(&wo, 1);
    expect_policy(&d, "encrypt", true, NULL, false);
    expect_entry(&d, "good.test encrypt ciphers=bogus", source, "good.test", false);
    expect_fixes(&d, wb, 1);
    free(source);
    diag_free(&d);
    world_close(&wo);

    world_open(&wo, "good.test encrypt ciphers=hihg\n", NULL);
    set_warnings(&a, wtv, 1);
    diag_init(&d, TLSP_CAUSE_BAD_CIPHERS, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, wt, 2);
    diag_free(&d);
    world_close(&wo);

    /* The grade is in main.cf, the entry only names the level. */
    world_open(&wo, "good.test encrypt\n", NULL);
    assert_int_equal(tlsp_cf_override(wo.cf, "smtp_tls_mandatory_ciphers=hihg", &wo.diag), TLSP_OK);
    diag_init(&d, TLSP_CAUSE_BAD_CIPHERS, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, wp, 1);
    diag_free(&d);
    world_close(&wo);

    /* Without -c: where the grade is written is not known. */
    set_warnings(&a, wbv, 1);
    diag_init(&d, TLSP_CAUSE_BAD_CIPHERS, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, NULL, false, NULL, false);
    expect_fixes(&d, wx, 1);
    diag_free(&d);
}

static void
test_bad_exclusion_and_protocols(void **state)
{
    static char w_excl[] = "mx.good.test[127.0.1.1]:25: invalid unary '!+-@' in cipher exclusion: "
                           "!foo";
    static char w_proto[] = "mx.good.test[127.0.1.1]:25: Invalid TLS protocol list \"bogus\": "
                            "aborting TLS session";
    static const struct want we[] = {{"good.test encrypt exclude=aNULL:MD5", true, "\"!foo\""}};
    static const struct want wp[] = {{"good.test encrypt ciphers=high", true, "protocols=bogus"}};
    char *wev[] = {w_excl}, *wpv[] = {w_proto};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "good.test encrypt exclude=aNULL:!foo:MD5\n", NULL);
    attempt_init(&a, "good.test", "mx.good.test");
    set_warnings(&a, wev, 1);
    diag_init(&d, TLSP_CAUSE_BAD_CIPHERS, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, we, 1);
    diag_free(&d);
    world_close(&wo);

    world_open(&wo, "good.test encrypt protocols=bogus ciphers=high\n", NULL);
    set_warnings(&a, wpv, 1);
    diag_init(&d, TLSP_CAUSE_BAD_PROTOCOLS, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, wp, 1);
    diag_free(&d);
    world_close(&wo);
}

static void
test_invalid_entry(void **state)
{
    static char w_attr[] =
        "smtp_tls_policy_maps, next-hop destination \"good.test\": invalid attribute name: \"foo\"";
    static char w_level[] =
        "smtp_tls_policy_maps, next-hop destination \"good.test\": invalid security level "
        "\"bogus\"";
    static const struct want wa[] = {{"good.test secure", true, "drops foo=bar"}};
    static const struct want wl[] = {{NULL, false, "\"bogus\""}};
    static const struct want wt[] = {
        {"good.test secure ciphers=high match=.good.test", true,
         "the level \"secuer\" becomes secure; cipher= becomes ciphers="}};
    static const struct want wn[] = {{NULL, false, "Remove the attribute foo="}};
    char *wav[] = {w_attr}, *wlv[] = {w_level};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *source;

    (void)state;
    world_open(&wo, "good.test secure foo=bar\n", NULL);
    attempt_init(&a, "good.test", NULL);
    a.relay = (char *)"none";
    a.reason = (char *)"client TLS configuration problem";
    set_warnings(&a, wav, 1);
    diag_init(&d, TLSP_CAUSE_POLICY_INVALID, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    source = world_source(&wo, 1);
    expect_policy(&d, NULL, false, NULL, false);
    expect_entry(&d, "good.test secure foo=bar", source, "good.test", false);
    expect_fixes(&d, wa, 1);
    free(source);
    diag_free(&d);
    world_close(&wo);

    world_open(&wo, "good.test bogus\n", NULL);
    set_warnings(&a, wlv, 1);
    diag_init(&d, TLSP_CAUSE_POLICY_INVALID, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_entry(&d, "good.test bogus", d.entry_source, "good.test", false);
    expect_fixes(&d, wl, 1);
    diag_free(&d);
    world_close(&wo);

    /* Misspellings within two edits are corrected, match= kept. */
    world_open(&wo, "good.test secuer cipher=high match=.good.test\n", NULL);
    diag_init(&d, TLSP_CAUSE_POLICY_INVALID, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_fixes(&d, wt, 1);
    diag_free(&d);
    world_close(&wo);

    /* Without -c: advice from Postfix's warning. */
    set_warnings(&a, wav, 1);
    diag_init(&d, TLSP_CAUSE_POLICY_INVALID, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_entry(&d, NULL, NULL, "good.test", true);
    expect_fixes(&d, wn, 1);
    diag_free(&d);
}

static void
test_missing_table(void **state)
{
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    char *w1, *w2, *want;
    char *wv[2];
    size_t i;
    bool noted = false;

    (void)state;
    world_open(&wo, "good.test secure\n", "hash");
    assert_true(asprintf(&w1,
                         "hash:%s is unavailable. open database %s.db: No such file or "
                         "directory",
                         wo.table, wo.table) > 0);
    assert_true(asprintf(&w2, "smtp_tls_policy_maps, next-hop destination \"good.test\": policy "
                              "table lookup error") > 0);
    wv[0] = w1;
    wv[1] = w2;
    attempt_init(&a, "good.test", NULL);
    set_warnings(&a, wv, 2);
    diag_init(&d, TLSP_CAUSE_POLICY_TABLE_MISSING, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    /* The table cannot be read: nothing about the policy is known. */
    expect_policy(&d, NULL, false, NULL, false);
    expect_entry(&d, NULL, NULL, "good.test", false);
    for (i = 0; i < wo.diag.n_msgs; i++)
        noted |= strstr(wo.diag.msgs[i].text, "the TLS policy of good.test is not known") != NULL;
    assert_true(noted);
    assert_int_equal(d.n_fixes, 1);
    assert_null(d.fixes[0].line);
    assert_true(asprintf(&want,
                         "Run \"postmap hash:%s\" to build the table Postfix reads, and "
                         "again after every change to its source file.",
                         wo.table) > 0);
    assert_string_equal(d.fixes[0].what, want);
    free(want);
    diag_free(&d);

    /* A second attempt adds no second note. */
    i = wo.diag.n_msgs;
    diag_init(&d, TLSP_CAUSE_POLICY_TABLE_MISSING, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    assert_int_equal(wo.diag.n_msgs, i);
    diag_free(&d);
    free(w1);
    free(w2);
    world_close(&wo);
}

static void
test_unreadable_cafile(void **state)
{
    static const struct want w[] = {{"smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt", false,
                                     "instead of /tmp/lab/no-such-cafile.pem"}};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "good.test secure\n", NULL);
    attempt_init(&a, "good.test", "mx.good.test");
    a.engine_error = (char *)"cannot load Certification Authority data, "
                             "CAfile=\"/tmp/lab/no-such-cafile.pem\": disabling TLS support";
    diag_init(&d, TLSP_CAUSE_ENGINE_UNAVAILABLE, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, "secure", true, (const char *const[]){"good.test", ".good.test", NULL}, true);
    expect_fixes(&d, w, 1);
    diag_free(&d);
    world_close(&wo);
}

/* ---- other shapes --------------------------------------------------------------------------- */

/* A bracketed next hop from the session-cache key: the key is DEST verbatim,
 * no MX lookup (no verify line, no published policy). */
static void
test_bracketed_nexthop(void **state)
{
    static const char *const names[] = {"*.example.net", NULL};
    static const char *const required[] = {"mx.example.com", ".mx.example.com", NULL};
    static const struct want w[] = {
        {"[mx.example.com]:587 secure match=.example.net", false, "only if"},
        {"[mx.example.com]:587 encrypt", false, NULL},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    attempt_init(&a, "example.com", "relay.example.net");
    a.cache_key = (char *)"submission&[mx.example.com]:587&relay.example.net&192.0.2.1&&AB";
    diag_init(&d, TLSP_CAUSE_CHAIN_TRUST_UNKNOWN, -1, false, names);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "secure", false, required, false);
    expect_entry(&d, NULL, NULL, "[mx.example.com]:587", true);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
}

static void
test_dane_without_cf(void **state)
{
    static const struct want w[] = {
        {NULL, false, "publishes no TLSA records"},
        {"dane.test dane", false, "DANE"},
    };
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    attempt_init(&a, "dane.test", NULL);
    diag_init(&d, TLSP_CAUSE_DANE_NO_TLSA, -1, false, NULL);
    run(&a, NULL, &d, NULL);
    expect_policy(&d, "dane-only", false, NULL, false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
}

/* Nothing to fix for a delivered attempt; the policy is still given. */
static void
test_none(void **state)
{
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "good.test secure\n", NULL);
    attempt_init(&a, "good.test", "mx.good.test");
    a.end = TLSP_END_SENT;
    diag_init(&d, TLSP_CAUSE_NONE, 1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, "secure", true, (const char *const[]){"good.test", ".good.test", NULL}, true);
    assert_int_equal(d.n_fixes, 0);
    diag_free(&d);
    world_close(&wo);
}

/* At fingerprint a changed certificate needs a new pin, not a CA. */
static void
test_fingerprint_level(void **state)
{
    static const struct want w[] = {
        {NULL, false, "none of the fingerprints configured for pinned.test"},
        {"pinned.test fingerprint match=" SELFSIGNED_FPT, true, "sha256"},
        {"pinned.test encrypt", false, NULL},
    };
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo,
               "pinned.test fingerprint "
               "match=00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:"
               "99:AA:BB:CC:DD:EE:FF\n",
               NULL);
    attempt_init(&a, "pinned.test", "mx.pinned.test");
    a.verify_error = (char *)"num=65:no matching DANE TLSA records";
    a.cert_fpt = (char *)SELFSIGNED_FPT;
    diag_init(&d, TLSP_CAUSE_DANE_MISMATCH, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, "fingerprint", true, NULL, false);
    expect_fixes(&d, w, sizeof(w) / sizeof(w[0]));
    diag_free(&d);
    world_close(&wo);
}

/* A table tlspolicy cannot read: the policy is unknown, said once in diag. */
static void
test_unsupported_table(void **state)
{
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;
    size_t i;
    bool noted = false;

    (void)state;
    world_open(&wo, "good.test secure\n", "ldap");
    attempt_init(&a, "good.test", "mx.good.test");
    diag_init(&d, TLSP_CAUSE_NAME_MISMATCH, 1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, NULL, false, NULL, false);
    expect_entry(&d, NULL, NULL, "good.test", false);
    for (i = 0; i < wo.diag.n_msgs; i++)
        noted |= strstr(wo.diag.msgs[i].text, "the TLS policy of good.test is not known") != NULL;
    assert_true(noted);
    diag_free(&d);
    world_close(&wo);
}

/* A valid dane-only entry with DNSSEC lookups off (spec 1.6 row 3). */
static void
test_dane_only_without_dnssec(void **state)
{
    static char w_dane[] = "dane.test: dane-only configured with dnssec lookups disabled";
    static const struct want w[] = {{"smtp_dns_support_level = dnssec", false, "DNSSEC"}};
    char *wv[] = {w_dane};
    struct world wo;
    struct tlsp_attempt a;
    struct tlsp_logdiag d;

    (void)state;
    world_open(&wo, "dane.test dane-only\n", NULL);
    attempt_init(&a, "dane.test", NULL);
    set_warnings(&a, wv, 1);
    diag_init(&d, TLSP_CAUSE_POLICY_INVALID, -1, false, NULL);
    run(&a, wo.cf, &d, &wo.diag);
    expect_policy(&d, NULL, false, NULL, false);
    expect_entry(&d, "dane.test dane-only", d.entry_source, "dane.test", false);
    expect_fixes(&d, w, 1);
    diag_free(&d);
    world_close(&wo);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_founding_with_cf),
        cmocka_unit_test(test_founding_chain_unknown),
        cmocka_unit_test(test_founding_without_cf),
        cmocka_unit_test(test_founding_extended),
        cmocka_unit_test(test_founding_short),
        cmocka_unit_test(test_founding_short_with_cf),
        cmocka_unit_test(test_no_guess),
        cmocka_unit_test(test_name_mismatch_secure),
        cmocka_unit_test(test_name_mismatch_secure_without_cf),
        cmocka_unit_test(test_name_mismatch_verify),
        cmocka_unit_test(test_name_exact_host),
        cmocka_unit_test(test_name_under_cert_name),
        cmocka_unit_test(test_untrusted_issuer),
        cmocka_unit_test(test_missing_intermediate),
        cmocka_unit_test(test_self_signed_and_expired),
        cmocka_unit_test(test_pin_digest_mismatch),
        cmocka_unit_test(test_starttls),
        cmocka_unit_test(test_starttls_discarded),
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_may_fallback),
        cmocka_unit_test(test_route_relayhost),
        cmocka_unit_test(test_route_transport_lmtp),
        cmocka_unit_test(test_invalid_ciphers),
        cmocka_unit_test(test_bad_exclusion_and_protocols),
        cmocka_unit_test(test_invalid_entry),
        cmocka_unit_test(test_missing_table),
        cmocka_unit_test(test_unreadable_cafile),
        cmocka_unit_test(test_bracketed_nexthop),
        cmocka_unit_test(test_dane_without_cf),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_fingerprint_level),
        cmocka_unit_test(test_unsupported_table),
        cmocka_unit_test(test_dane_only_without_dnssec),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
