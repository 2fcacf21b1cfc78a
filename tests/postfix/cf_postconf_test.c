/*
 * cf_postconf_test.c - the cf module against the real postconf(1)
 *
 * For the founding case and configurations written here, every parameter
 * name the cf module knows must have the value "postconf -c DIR [-o ...]
 * -x NAME..." prints, and every master.cf service setting the value of
 * "postconf -c DIR -P -x". Broken files must give postconf's own fatal
 * and warning texts.
 *
 * Normalisation: postconf prints values with runs of " \t\r\n" replaced by
 * one space and no leading or trailing space (pcf_print_line()); both
 * sides are normalised that way before comparing.
 *
 * Names left out, each for a reason that cannot be helped:
 *   process_id       postconf's own process id, not ours.
 *   zz_tlsp_probe    an override this test adds to both sides so that
 *                    postconf prints main.cf names nothing refers to
 *                    (postconf hides "unused" parameters); postconf hides
 *                    the probe itself for the same reason.
 * Service settings left out of the -P comparison: read-only names
 * (postconf drops them, as the daemon does, so there is nothing to
 * compare).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cmocka.h>

#include <tlspolicy/cf.h>

#include "testutil.h"

#define POSTCONF "/usr/sbin/postconf"
#define N_ROWS(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_OVERRIDES 8

/* ---------------------------------------------------------------------- */
/* Test configurations                                                    */
/* ---------------------------------------------------------------------- */

struct config {
    const char *tag;
    const char *main_cf; /* NULL: the founding case directory */
    const char *master_cf;
    const char *overrides[MAX_OVERRIDES]; /* -o, NULL-terminated */
};

static const char continuations_main[] = "# leading comment\n"
                                         "smtp_tls_security_level = encrypt\n"
                                         "smtp_tls_policy_maps =\n"
                                         "    hash:/etc/postfix/tls_policy,\n"
                                         "  # a comment inside a logical line\n"
                                         "\n"
                                         "\ttexthash:/etc/postfix/tls_policy2\n"
                                         "smtp_tls_mandatory_protocols = !SSLv2,\n"
                                         " !SSLv3\n"
                                         "  , !TLSv1\n"
                                         "smtp_tls_exclude_ciphers = aNULL # not a comment\n"
                                         "relayhost = [mail.example.net]:587\n"
                                         "myhostname = mx.example.org\n"
                                         "smtp_tls_loglevel=1\n"
                                         "smtp_tls_note_starttls_offer   =   yes   \n"
                                         "alias_maps = hash:/etc/aliases = x\n"
                                         "smtp_tls_CAfile = /etc/ssl/certs/ca-certificates.crt\\\n"
                                         "#\n"
                                         "   continued\n"
                                         "smtp_tls_CApath = last";

static const char macros_main[] =
    "compatibility_level = 2\n"
    "myhostname = host.example.com\n"
    "mydomain = example.com\n"
    "user_a = alpha\n"
    "user_b = $user_a-beta\n"
    "user_empty =\n"
    "smtp_helo_name = ${myhostname}\n"
    "smtp_tls_servername = $(mydomain)\n"
    "smtpd_banner = $$ $myhostname $$$mail_name\n"
    "smtp_tls_policy_maps = ${user_a?{hash:/etc/$user_a}:{none}}\n"
    "smtp_tls_per_site = ${user_empty:{texthash:/etc/empty}}\n"
    "smtp_tls_CAfile = ${nonexistent?set}${nonexistent:unset}\n"
    "smtp_tls_CApath = ${user_b?/etc/$user_b}\n"
    "smtp_tls_fingerprint_cert_match = ${ user_a ? { spaced  text } : {x} }\n"
    "smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache\n"
    "smtp_tls_security_level = ${{$user_a} == {alpha} ? {verify} : {may}}\n"
    "smtp_tls_mandatory_ciphers = ${user_a?foo:{b}ar}\n"
    "smtp_sasl_password_maps = ${{${{a}=={a}}} == {true} ? {nested} : {no}}\n"
    "smtp_tls_dane_insecure_mx_policy = ${smtp_tls_security_level:dane}\n"
    "smtpd_reject_footer = raw $mail_name\n"
    "default_footer = $smtpd_reject_footer\n";

static const char relational_main[] =
    "r_eq = ${{a} == {a} ? {t} : {f}}\n"
    "r_ne = ${{a} != {b} ? {t} : {f}}\n"
    "r_lt_num = ${{9} < {10} ? {t} : {f}}\n"
    "r_lt_str = ${{a9} < {a10} ? {t} : {f}}\n"
    "r_le = ${{10} <= {10}}\n"
    "r_gt = ${{10} > {9}}\n"
    "r_ge = ${{b} >= {a}}\n"
    "r_big = ${{9223372036854775807} > {9223372036854775806}}\n"
    "r_lvl_lt = ${{3.6} <level {3.10} ? {t} : {f}}\n"
    "r_lvl_le = ${{3.6} <=level {3.6.0}}\n"
    "r_lvl_gt = ${{3.10} >level {3.9}}\n"
    "r_lvl_ge = ${{2} >=level {3}}\n"
    "r_lvl_eq = ${{3} ==level {3.0.0}}\n"
    "r_lvl_ne = ${{3.6.1} !=level {3.6}}\n"
    "r_lvl_space = ${{ +3} <level {4}}\n"
    "compatibility_level = 3.6\n"
    "smtp_tls_security_level = ${{$compatibility_level} >=level {3.6} ? {dane} : {may}}\n"
    "smtp_dns_support_level = ${{$smtp_tls_security_level} == {dane} ? {dnssec} : {}}\n"
    "smtp_tls_loglevel = ${{$r_le} == {true} ? {1} : {0}}\n";

static const char compat_main[] = "compatibility_level = 3.6\n"
                                  "inet_interfaces = 127.0.0.1\n"
                                  "smtp_tls_security_level = may\n";

static const char unknown_main[] = "unknown_param = something\n"
                                   "another_unknown = $unknown_param and more\n"
                                   "mydomain = first.example\n"
                                   "mydomain = second.example\n"
                                   "process_name = ignored\n"
                                   "config_directory = /tmp/elsewhere\n"
                                   "inet_interfaces = loopback-only\n"
                                   "inet_protocols = ipv4\n"
                                   "smtp_tls_security_level = $undefined_thing\n"
                                   "fallback_relay = [legacy.example]\n";

static const char overrides_main[] = "smtp_tls_security_level = may\n"
                                     "myhostname = mx.example.org\n"
                                     "x = main\n";

static const char master_main[] = "x = main\n"
                                  "y = $x\n"
                                  "myhostname = mx.example.org\n"
                                  "smtp_tls_security_level = may\n";

static const char master_master[] =
    "smtp      inet  n       -       y       -       -       smtpd\n"
    "smtp      unix  -       -       y       -       -       smtp\n"
    "relay     unix  -       -       y       -       -       smtp\n"
    "        -o syslog_name=postfix/$service_name\n"
    "        -o smtp_tls_security_level=encrypt\n"
    "tlsout    unix  -       -       n       -       -       smtp\n"
    "  -o { smtp_tls_policy_maps = hash:/etc/a , texthash:/etc/b }\n"
    "  -o smtp_tls_security_level=${x}-$y\n"
    "  -o x=svc\n"
    "  -o { z = $y }\n"
    "# comment between settings\n"
    "  -o smtp_helo_name=$myhostname\n"
    "lmtpout   unix  -       -       n       -       -       lmtp -o lmtp_tls_security_level=may\n"
    "submission inet n       -       y       -       -       smtpd\n"
    "  -o smtpd_tls_security_level=encrypt\n"
    "  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n"
    "mailman   unix  -       n       n       -       -       pipe\n"
    "  flags=FRX user=list argv=/usr/lib/mailman/bin/postfix-to-mailman.py ${nexthop} ${user}\n";

static const char plain_master[] = "smtp unix - - y - - smtp\nrelay unix - - y - - smtp\n";

static const struct config configs[] = {
    {"founding", NULL, NULL, {NULL}},
    {"founding-36", NULL, NULL, {"compatibility_level=3.6", NULL}},
    {"continuations", continuations_main, plain_master, {NULL}},
    {"macros", macros_main, plain_master, {NULL}},
    {"relational", relational_main, plain_master, {NULL}},
    {"compat-3.6", compat_main, plain_master, {NULL}},
    {"compat-2", compat_main, plain_master, {"compatibility_level=2", NULL}},
    {"compat-0", compat_main, plain_master, {"compatibility_level = 0", NULL}},
    {"unknown", unknown_main, plain_master, {NULL}},
    {"overrides",
     overrides_main,
     plain_master,
     {"smtp_tls_security_level=secure", "compatibility_level=3.6", "new_override=$myhostname $x",
      " x = over ride ", "mydomain=over.example", "myhostname=h.$mydomain", NULL}},
    {"master", master_main, master_master, {NULL}},
    {"master-o", master_main, master_master, {"x=cmdline", "smtp_tls_security_level=none", NULL}},
};

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */
/* ---------------------------------------------------------------------- */

/* norm - postconf's printing: blank runs become one space, ends trimmed */
static char *
norm(const char *s)
{
    char *out = malloc(strlen(s) + 1);
    char *o = out;
    const char *sep = " \t\r\n";

    if (out == NULL) {
        fail_msg("out of memory");
        return NULL;
    }
    for (;;) {
        size_t n;

        s += strspn(s, sep);
        if (*s == 0)
            break;
        n = strcspn(s, sep);
        if (o != out)
            *o++ = ' ';
        memcpy(o, s, n);
        o += n;
        s += n;
    }
    *o = 0;
    return out;
}

struct kv {
    char **names;
    char **values;
    size_t n;
};

/* parse_listing - "name = value" / "name =" lines of postconf */
static void
parse_listing(const char *out, struct kv *kv)
{
    const char *line = out;

    kv->names = NULL;
    kv->values = NULL;
    kv->n = 0;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *l = strndup(line, len);
        char *eq = strstr(l, " =");

        if (eq == NULL || (eq[2] != 0 && eq[2] != ' '))
            fail_msg("unexpected postconf line: %s", l);
        kv->names = realloc(kv->names, (kv->n + 1) * sizeof(char *));
        kv->values = realloc(kv->values, (kv->n + 1) * sizeof(char *));
        *eq = 0;
        kv->names[kv->n] = strdup(l);
        kv->values[kv->n] = strdup(eq[2] ? eq + 3 : "");
        kv->n++;
        free(l);
        line += len + (end != NULL);
    }
}

static const char *
kv_find(const struct kv *kv, const char *name)
{
    size_t i;

    for (i = 0; i < kv->n; i++)
        if (strcmp(kv->names[i], name) == 0)
            return kv->values[i];
    return NULL;
}

static void
kv_free(struct kv *kv)
{
    size_t i;

    for (i = 0; i < kv->n; i++) {
        free(kv->names[i]);
        free(kv->values[i]);
    }
    free(kv->names);
    free(kv->values);
}

struct argv {
    char **v;
    size_t n;
};

static void
arg(struct argv *a, const char *s)
{
    a->v = realloc(a->v, (a->n + 2) * sizeof(char *));
    a->v[a->n++] = strdup(s);
    a->v[a->n] = NULL;
}

static void
args_free(struct argv *a)
{
    size_t i;

    for (i = 0; i < a->n; i++)
        free(a->v[i]);
    free(a->v);
    a->v = NULL;
    a->n = 0;
}

/*
 * write_aged - write a file dated a minute ago: Postfix waits until a
 * table or main.cf it reads is older than about a second, which would make
 * every postconf run here slow.
 */
static void
write_aged(const char *dir, const char *name, const char *text)
{
    char *path = tu_write(dir, name, text);
    struct timeval tv[2];

    tv[0].tv_sec = tv[1].tv_sec = time(NULL) - 60;
    tv[0].tv_usec = tv[1].tv_usec = 0;
    if (utimes(path, tv) != 0)
        fail_msg("utimes %s", path);
    free(path);
}

/* config_dir - a directory holding the configuration (heap); *tmp if made */
static char *
config_dir(const struct config *c, int *tmp)
{
    char *dir;

    if (c->main_cf == NULL) {
        *tmp = 0;
        return tu_source_path("examples/founding-case");
    }
    *tmp = 1;
    dir = tu_mkdtemp("cfpc");
    write_aged(dir, "main.cf", c->main_cf);
    write_aged(dir, "master.cf", c->master_cf);
    return dir;
}

static void
dump_diag(const struct tlsp_diag *d)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++) {
        char *t = tlsp_diag_format(&d->msgs[i]);

        print_message("  diag: %s\n", t);
        free(t);
    }
}

/* load - our configuration with the config's overrides and the probe */
static struct tlsp_cf *
load(const char *dir, const struct config *c, const char *probe)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;
    size_t i;

    tlsp_diag_init(&d);
    if (tlsp_cf_load(dir, NULL, &cf, &d) != TLSP_OK) {
        dump_diag(&d);
        fail_msg("%s: load failed", c->tag);
    }
    for (i = 0; c->overrides[i]; i++)
        if (tlsp_cf_override(cf, c->overrides[i], &d) != TLSP_OK)
            fail_msg("%s: override %s", c->tag, c->overrides[i]);
    if (probe && tlsp_cf_override(cf, probe, &d) != TLSP_OK)
        fail_msg("%s: probe override", c->tag);
    tlsp_diag_fini(&d);
    return cf;
}

static void
postconf_base_args(struct argv *a, const char *dir, const struct config *c)
{
    size_t i;

    arg(a, POSTCONF);
    arg(a, "-c");
    arg(a, dir);
    for (i = 0; c->overrides[i]; i++) {
        arg(a, "-o");
        arg(a, c->overrides[i]);
    }
}

/* ---------------------------------------------------------------------- */
/* main.cf values                                                         */
/* ---------------------------------------------------------------------- */

static void
compare_config(const struct config *c)
{
    int tmp;
    char *dir = config_dir(c, &tmp);
    struct tlsp_cf *cf0, *cf;
    struct argv a = {NULL, 0};
    char *out = NULL, *err = NULL, *probe;
    size_t probe_len = 64, i, compared = 0;
    struct kv listed, all;
    int rc;

    /* The probe refers to every name we know that has no default, so that
     * postconf treats them as used and prints them. */
    cf0 = load(dir, c, NULL);
    for (i = 0; i < tlsp_cf_n_names(cf0); i++)
        probe_len += strlen(tlsp_cf_name_at(cf0, i)) + 2;
    probe = malloc(probe_len);
    if (probe == NULL) {
        fail_msg("out of memory");
        return;
    }
    {
        size_t len = (size_t)snprintf(probe, probe_len, "zz_tlsp_probe =");

        for (i = 0; i < tlsp_cf_n_names(cf0); i++) {
            if (tlsp_cf_has_default(cf0, tlsp_cf_name_at(cf0, i)))
                continue;
            len += (size_t)snprintf(probe + len, probe_len - len, " $%s", tlsp_cf_name_at(cf0, i));
        }
    }
    tlsp_cf_free(cf0);
    cf = load(dir, c, probe);

    /* 1. Every name we know, queried by name. */
    postconf_base_args(&a, dir, c);
    arg(&a, "-o");
    arg(&a, probe);
    arg(&a, "-x");
    for (i = 0; i < tlsp_cf_n_names(cf); i++)
        if (strcmp(tlsp_cf_name_at(cf, i), "zz_tlsp_probe") != 0)
            arg(&a, tlsp_cf_name_at(cf, i));
    rc = tu_run(a.v, &out, &err);
    if (rc != 0)
        fail_msg("%s: postconf exit %d: %s", c->tag, rc, err);
    if (strstr(err, "unknown parameter") != NULL)
        fail_msg("%s: postconf does not know a name we know: %s", c->tag, err);
    parse_listing(out, &listed);
    for (i = 0; i < tlsp_cf_n_names(cf); i++) {
        const char *name = tlsp_cf_name_at(cf, i);
        const char *want, *ours = NULL;
        struct tlsp_diag d;
        char *nw, *no;

        if (strcmp(name, "process_id") == 0 || strcmp(name, "zz_tlsp_probe") == 0)
            continue;
        if ((want = kv_find(&listed, name)) == NULL)
            fail_msg("%s: postconf printed nothing for %s", c->tag, name);
        tlsp_diag_init(&d);
        if (tlsp_cf_get(cf, name, &ours, &d) != TLSP_OK) {
            dump_diag(&d);
            fail_msg("%s: get %s failed", c->tag, name);
        }
        tlsp_diag_fini(&d);
        nw = norm(want);
        no = norm(ours);
        if (strcmp(nw, no) != 0)
            fail_msg("%s: %s: postconf \"%s\", tlspolicy \"%s\"", c->tag, name, nw, no);
        free(nw);
        free(no);
        compared++;
    }
    assert_true(compared > 800);
    kv_free(&listed);
    free(out);
    free(err);
    args_free(&a);

    /* 2. Every name postconf lists is one we know. */
    postconf_base_args(&a, dir, c);
    arg(&a, "-x");
    rc = tu_run(a.v, &out, &err);
    if (rc != 0)
        fail_msg("%s: postconf exit %d: %s", c->tag, rc, err);
    parse_listing(out, &all);
    for (i = 0; i < all.n; i++)
        if (tlsp_cf_raw(cf, all.names[i]) == NULL)
            fail_msg("%s: postconf lists %s, tlspolicy does not know it", c->tag, all.names[i]);
    kv_free(&all);
    free(out);
    free(err);
    args_free(&a);

    tlsp_cf_free(cf);
    free(probe);
    if (tmp)
        tu_rmtree(dir);
    free(dir);
}

static void
test_values(void **state)
{
    size_t i;

    (void)state;
    tu_require_program(POSTCONF, "postfix");
    for (i = 0; i < N_ROWS(configs); i++)
        compare_config(&configs[i]);
}

/* ---------------------------------------------------------------------- */
/* master.cf service settings (postconf -P -x)                            */
/* ---------------------------------------------------------------------- */

static void
compare_services(const struct config *c)
{
    int tmp;
    char *dir = config_dir(c, &tmp);
    struct tlsp_cf *cf = load(dir, c, NULL);
    struct argv a = {NULL, 0};
    char *out = NULL, *err = NULL;
    struct kv listed;
    size_t i, j, seen = 0;
    int rc;

    postconf_base_args(&a, dir, c);
    arg(&a, "-P");
    arg(&a, "-x");
    rc = tu_run(a.v, &out, &err);
    if (rc != 0)
        fail_msg("%s: postconf -P exit %d: %s", c->tag, rc, err);
    parse_listing(out, &listed);
    for (i = 0; i < tlsp_cf_n_services(cf); i++) {
        const struct tlsp_cf_service *s = tlsp_cf_service_at(cf, i);
        struct tlsp_cf *v = NULL;
        struct tlsp_diag d;

        if (s->n_overrides == 0)
            continue;
        if (tlsp_cf_service(cf, s->name, NULL) != s)
            fail_msg("%s: test configuration must name services uniquely (%s)", c->tag, s->name);
        tlsp_diag_init(&d);
        if (tlsp_cf_service_view(cf, s->name, &v, &d) != TLSP_OK) {
            dump_diag(&d);
            fail_msg("%s: view %s", c->tag, s->name);
        }
        for (j = 0; j < s->n_overrides; j++) {
            char key[512];
            const char *want, *ours = NULL;
            char *nw, *no;

            if (strcmp(s->override_names[j], "process_name") == 0 ||
                strcmp(s->override_names[j], "service_name") == 0 ||
                strcmp(s->override_names[j], "process_id") == 0)
                continue;
            snprintf(key, sizeof(key), "%s/%s/%s", s->name, s->type, s->override_names[j]);
            if ((want = kv_find(&listed, key)) == NULL)
                fail_msg("%s: postconf -P printed nothing for %s", c->tag, key);
            if (tlsp_cf_get(v, s->override_names[j], &ours, &d) != TLSP_OK) {
                dump_diag(&d);
                fail_msg("%s: get %s", c->tag, key);
            }
            nw = norm(want);
            no = norm(ours);
            if (strcmp(nw, no) != 0)
                fail_msg("%s: %s: postconf \"%s\", tlspolicy \"%s\"", c->tag, key, nw, no);
            free(nw);
            free(no);
            seen++;
        }
        tlsp_cf_free(v);
        tlsp_diag_fini(&d);
    }
    if (seen != listed.n)
        fail_msg("%s: postconf -P printed %zu settings, tlspolicy compared %zu", c->tag, listed.n,
                 seen);
    kv_free(&listed);
    free(out);
    free(err);
    args_free(&a);
    tlsp_cf_free(cf);
    if (tmp)
        tu_rmtree(dir);
    free(dir);
}

static void
test_services(void **state)
{
    size_t i;

    (void)state;
    tu_require_program(POSTCONF, "postfix");
    for (i = 0; i < N_ROWS(configs); i++)
        compare_services(&configs[i]);
}

/* ---------------------------------------------------------------------- */
/* Error texts                                                            */
/* ---------------------------------------------------------------------- */

/* postfix_line - how Postfix logs one of our main.cf messages */
static char *
postfix_line(const struct tlsp_msg *m)
{
    char *s;
    int n;

    if (m->file && m->line)
        n = asprintf(&s, "%s: %s, line %u: %s", tlsp_severity_name(m->sev), m->file, m->line,
                     m->text);
    else if (m->file)
        n = asprintf(&s, "%s: %s: %s", tlsp_severity_name(m->sev), m->file, m->text);
    else
        n = asprintf(&s, "%s: %s", tlsp_severity_name(m->sev), m->text);
    if (n < 0)
        fail_msg("out of memory");
    return s;
}

/*
 * stderr_lines - postconf's stderr, "postconf: " prefix removed, each
 * distinct line once in order of first appearance; postconf's own lint
 * ("unused parameter", "undefined parameter", "syntax error after '}'" in
 * its scan for parameter names) is dropped: no daemon logs it
 */
static char **
stderr_lines(const char *err, size_t *n)
{
    char **v = NULL;
    const char *line = err;
    const char *prefix = POSTCONF ": ";

    *n = 0;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *l = strndup(line, len);
        const char *t = strncmp(l, prefix, strlen(prefix)) == 0 ? l + strlen(prefix) : l;
        size_t i;
        int dup = 0;

        for (i = 0; i < *n; i++)
            dup |= strcmp(v[i], t) == 0;
        if (!dup && !strstr(t, "unused parameter:") && !strstr(t, "undefined parameter:") &&
            !strstr(t, "syntax error after '}'") && *t) {
            v = realloc(v, (*n + 1) * sizeof(char *));
            v[(*n)++] = strdup(t);
        }
        free(l);
        line += len + (end != NULL);
    }
    return v;
}

static void
free_lines(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
test_main_cf_errors(void **state)
{
    static const char *broken[] = {
        "foo\n",
        "\n\n  # c\nbar = 1\nfoo\n  more\n",
        "a = 1\nfoo\n\n# c\n more\n\nb = 2\n",
        "= x\n",
        "my domain = x\n",
        /* warnings only */
        "  = x\nmydomain = a\nmydomain = b\n",
        " 234567890123456789012345678901\nmydomain = a\nmydomain = a\n",
        "process_name = x\nconfig_directory = /elsewhere\n",
    };
    size_t i, j;

    (void)state;
    tu_require_program(POSTCONF, "postfix");
    for (i = 0; i < N_ROWS(broken); i++) {
        char *dir = tu_mkdtemp("cfpcerr");
        char *argv[] = {(char *)POSTCONF, (char *)"-c", dir, (char *)"-n", NULL};
        char *out = NULL, *err = NULL;
        struct tlsp_cf *cf = NULL;
        struct tlsp_diag d;
        char **lines;
        size_t n_lines;
        int rc;
        enum tlsp_status st;

        write_aged(dir, "main.cf", broken[i]);
        write_aged(dir, "master.cf", "");
        rc = tu_run(argv, &out, &err);
        lines = stderr_lines(err, &n_lines);
        tlsp_diag_init(&d);
        st = tlsp_cf_load(dir, NULL, &cf, &d);
        /* postconf stops exactly when we fail */
        if ((rc != 0) != (st != TLSP_OK))
            fail_msg("row %zu: postconf exit %d, tlspolicy %s", i, rc, cf ? "loaded" : "failed");
        /* every message we give is one postconf gave */
        for (j = 0; j < d.n_msgs; j++) {
            char *ours = postfix_line(&d.msgs[j]);
            size_t k;
            int found = 0;

            for (k = 0; k < n_lines; k++)
                found |= strcmp(lines[k], ours) == 0;
            if (!found)
                fail_msg("row %zu: postconf did not say \"%s\": %s", i, ours, err);
            free(ours);
        }
        /* and every fatal or syntax warning of postconf is ours (postconf
         * reads main.cf several times, so its "overriding earlier entry"
         * warnings also compare later lines with values of a previous read;
         * those are not Postfix's behaviour on one read and are left out) */
        for (j = 0; j < n_lines; j++) {
            size_t k;
            int found = 0;

            if (strstr(lines[j], "overriding earlier entry") != NULL)
                continue;
            for (k = 0; k < d.n_msgs; k++) {
                char *ours = postfix_line(&d.msgs[k]);

                found |= strcmp(lines[j], ours) == 0;
                free(ours);
            }
            if (!found)
                fail_msg("row %zu: tlspolicy did not say \"%s\"", i, lines[j]);
        }
        free_lines(lines, n_lines);
        tlsp_cf_free(cf);
        tlsp_diag_fini(&d);
        free(out);
        free(err);
        tu_rmtree(dir);
        free(dir);
    }
}

static void
test_expansion_errors(void **state)
{
    static const char *exprs[] = {
        "x$",
        "${foo",
        "$(a}",
        "${}",
        "${a)}",
        "${na me}",
        "${mail_name?{a}x}",
        "${mail_name?{a}:{b}x}",
        "${{a}==}",
        "${{a}=={b}x}",
        "${{a}==={a}}",
        "${{a}}",
        "${{3.6} <foo {4}}",
        "${{3.6} < level {4}}",
        "${{x} <level {3}}",
        "${{3.1024} <level {4}}",
        "${{99999999999999999999} == {1}}",
        "$a\na = $b $b\nb = $a",
        "$a1\na1 = $a2\na2 = $a1",
    };
    size_t i, j;

    (void)state;
    tu_require_program(POSTCONF, "postfix");
    for (i = 0; i < N_ROWS(exprs); i++) {
        char *dir = tu_mkdtemp("cfpcexp");
        char *argv[] = {(char *)POSTCONF,         (char *)"-c", dir, (char *)"-xh",
                        (char *)"content_filter", NULL};
        char *out = NULL, *err = NULL, *text;
        struct tlsp_cf *cf = NULL;
        struct tlsp_diag d;
        const char *v;
        char **lines, **ours = NULL;
        size_t n_lines, n_ours = 0;
        int rc;

        if (asprintf(&text, "content_filter = %s\n", exprs[i]) < 0)
            fail_msg("out of memory");
        write_aged(dir, "main.cf", text);
        write_aged(dir, "master.cf", "");
        rc = tu_run(argv, &out, &err);
        assert_int_not_equal(rc, 0);
        lines = stderr_lines(err, &n_lines);
        tlsp_diag_init(&d);
        assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &d), TLSP_OK);
        assert_int_equal(tlsp_cf_get(cf, "content_filter", &v, &d), TLSP_CONFIG);
        for (j = 0; j < d.n_msgs; j++) {
            char *l = postfix_line(&d.msgs[j]);
            size_t k;
            int dup = 0;

            for (k = 0; k < n_ours; k++)
                dup |= strcmp(ours[k], l) == 0;
            if (dup) {
                free(l);
                continue;
            }
            ours = realloc(ours, (n_ours + 1) * sizeof(char *));
            ours[n_ours++] = l;
        }
        if (n_ours != n_lines)
            fail_msg("expr %zu: %zu distinct messages, postconf %zu: %s", i, n_ours, n_lines, err);
        for (j = 0; j < n_ours; j++)
            if (strcmp(ours[j], lines[j]) != 0)
                fail_msg("expr %zu: message %zu: \"%s\", postconf \"%s\"", i, j, ours[j], lines[j]);
        free_lines(ours, n_ours);
        free_lines(lines, n_lines);
        tlsp_cf_free(cf);
        tlsp_diag_fini(&d);
        free(text);
        free(out);
        free(err);
        tu_rmtree(dir);
        free(dir);
    }
}

static void
test_override_errors(void **state)
{
    static const char *bad[] = {"foo", "=x", "", "my domain=x"};
    size_t i;

    (void)state;
    tu_require_program(POSTCONF, "postfix");
    for (i = 0; i < N_ROWS(bad); i++) {
        char *dir = tu_mkdtemp("cfpcovr");
        char *argv[] = {(char *)POSTCONF, (char *)"-c", dir, (char *)"-o",
                        (char *)bad[i],   (char *)"-n", NULL};
        char *out = NULL, *err = NULL, *ours;
        struct tlsp_cf *cf = NULL;
        struct tlsp_diag d;

        write_aged(dir, "main.cf", "");
        write_aged(dir, "master.cf", "");
        assert_int_not_equal(tu_run(argv, &out, &err), 0);
        tlsp_diag_init(&d);
        assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &d), TLSP_OK);
        assert_int_equal(tlsp_cf_override(cf, bad[i], &d), TLSP_INVAL);
        ours = postfix_line(&d.msgs[d.n_msgs - 1]);
        if (strstr(err, ours) == NULL)
            fail_msg("override \"%s\": \"%s\" not in postconf's \"%s\"", bad[i], ours, err);
        free(ours);
        tlsp_cf_free(cf);
        tlsp_diag_fini(&d);
        free(out);
        free(err);
        tu_rmtree(dir);
        free(dir);
    }
}

static void
test_master_cf_failures(void **state)
{
    /* postconf -M refuses these; so must we (master(8)'s own texts are in
     * tests/unit/cf_test.c: postconf words them differently) */
    static const char *broken[] = {
        "bar unxi - - - - - x\n",   "bar\n",
        "bar unix - - - - -\n",     "bar unix x - - - - c\n",
        "bar unix - - - x - c\n",   "bar unix - - - - x c\n",
        "bar unix - yes - - - c\n",
    };
    size_t i;

    (void)state;
    tu_require_program(POSTCONF, "postfix");
    for (i = 0; i < N_ROWS(broken); i++) {
        char *dir = tu_mkdtemp("cfpcmaster");
        char *argv[] = {(char *)POSTCONF, (char *)"-c", dir, (char *)"-M", NULL};
        char *out = NULL, *err = NULL;
        struct tlsp_cf *cf = NULL;
        struct tlsp_diag d;

        write_aged(dir, "main.cf", "");
        write_aged(dir, "master.cf", broken[i]);
        assert_int_not_equal(tu_run(argv, &out, &err), 0);
        tlsp_diag_init(&d);
        if (tlsp_cf_load(dir, NULL, &cf, &d) != TLSP_CONFIG)
            fail_msg("master.cf row %zu: postconf fails (%s), tlspolicy does not", i, err);
        assert_int_equal(d.msgs[d.n_msgs - 1].sev, TLSP_SEV_FATAL);
        tlsp_diag_fini(&d);
        free(out);
        free(err);
        tu_rmtree(dir);
        free(dir);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_main_cf_errors),  cmocka_unit_test(test_expansion_errors),
        cmocka_unit_test(test_override_errors), cmocka_unit_test(test_master_cf_failures),
        cmocka_unit_test(test_values),          cmocka_unit_test(test_services),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
