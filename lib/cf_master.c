/*
 * cf_master.c - master.cf read as Postfix 3.7's master(8) reads it
 *
 * Fields and their checks, in master's order: service name; transport
 * type (inet service names go through host_port()); private, unprivileged,
 * chroot ("y"/"n"/"-"); wakeup time and process limit (a digit first,
 * C's int conversion not negative); command; then arguments, where a token starting
 * with "{" must be balanced and loses its braces and the blanks inside
 * them. Each fatal text below is master(8)'s, established by running the
 * real master on broken files (see tests/unit/cf_test.c), and Postfix
 * prints it as "fatal: PATH: line N: TEXT" with N the entry's first line.
 *
 * The daemon then reads its options as getopt("+cdDi:lm:n:o:s:St:uvVz"):
 * "-o name=value" goes through split_nameval(), with the braces master
 * left in place ("-o{a=b}" sets "{a" to "b}"). What stops the daemon (not
 * master), established with the real smtp(8) started by master: "invalid
 * \"-o TEXT\" option value: REASON", "invalid option: C" (unknown option,
 * or -o without a value), and for smtp/lmtp any argument after the
 * options: "unknown attribute name: ARG".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cf_host.h"
#include "cf_internal.h"
#include "hostname.h"
#include "util/buf.h"
#include "util/pftext.h"
#include "util/str.h"

/* Debian 12's master.cf entries of the delivery services tlspolicy cares about. */
const char tlsp_cf_stock_master[] =
    "smtp      unix  -       -       y       -       -       smtp\n"
    "relay     unix  -       -       y       -       -       smtp\n"
    "        -o syslog_name=postfix/$service_name\n"
    "error     unix  -       -       y       -       -       error\n"
    "retry     unix  -       -       y       -       -       error\n"
    "discard   unix  -       -       y       -       -       discard\n"
    "local     unix  -       n       n       -       -       local\n"
    "virtual   unix  -       n       n       -       -       virtual\n"
    "lmtp      unix  -       -       y       -       -       lmtp\n";

/* Parsing state of one entry. */
struct entry {
    struct tlsp_cf *cf;
    const char *path;
    struct tlsp_diag *diag;
    const struct tlsp_pf_lline *ll;
    char *work; /* C-string copy of the logical line, cut into tokens */
    char *bufp;
};

static void
service_fini(struct cf_service *s)
{
    size_t i;

    free(s->name);
    free(s->type);
    free(s->command);
    free(s->internal);
    for (i = 0; i < s->n_ov; i++) {
        free(s->ov_names[i]);
        free(s->ov_values[i]);
    }
    free(s->ov_names);
    free(s->ov_values);
    free(s->ov_lines);
    free(s->service_name);
    free(s->daemon_error);
    memset(s, 0, sizeof(*s));
}

void
tlsp_cf_services_free(struct cf_service *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        service_fini(&s[i]);
    free(s);
}

static enum tlsp_status __attribute__((format(printf, 2, 3)))
fatal(struct entry *e, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_diag_vadd(e->diag, TLSP_SEV_FATAL, e->path, e->ll->first_line, fmt, ap);
    va_end(ap);
    return st == TLSP_OK ? TLSP_CONFIG : TLSP_NOMEM;
}

/* get_str - get_str_ent(): next blank-separated field, "-" for def_val */
static enum tlsp_status
get_str(struct entry *e, const char *field, const char *def_val, const char **value)
{
    char *v = tlsp_pf_token(&e->bufp, TLSP_PF_BLANKS);

    if (v == NULL)
        return fatal(e, "missing \"%s\" field", field);
    if (strcmp(v, "-") == 0) {
        if (def_val == NULL)
            return fatal(e, "field \"%s\" has no default value", field);
        *value = def_val;
        return TLSP_OK;
    }
    *value = v;
    return TLSP_OK;
}

static enum tlsp_status
get_bool(struct entry *e, const char *field, const char *def_val, bool *value)
{
    const char *v = NULL;
    enum tlsp_status st;

    if ((st = get_str(e, field, def_val, &v)) != TLSP_OK)
        return st;
    if (strcmp(v, "y") == 0)
        *value = true;
    else if (strcmp(v, "n") == 0)
        *value = false;
    else
        return fatal(e, "field \"%s\": bad value: \"%s\"", field, v);
    return TLSP_OK;
}

/* get_int - get_int_ent(): a digit first, then the C int conversion not below 0 */
static enum tlsp_status
get_int(struct entry *e, const char *field, const char *def_val)
{
    const char *v = NULL;
    enum tlsp_status st;
    long l;
    uint32_t u;

    if ((st = get_str(e, field, def_val, &v)) != TLSP_OK)
        return st;
    if (!(*v >= '0' && *v <= '9'))
        return fatal(e, "field \"%s\": bad value: \"%s\"", field, v);
    /* Postfix converts with the C library's int conversion: strtol()
     * saturated, then cut to 32 bits. */
    l = strtol(v, NULL, 10);
    u = (uint32_t)(unsigned long)l;
    if (u > INT32_MAX)
        return fatal(e, "field \"%s\": bad value: \"%s\"", field, v);
    return TLSP_OK;
}

/*
 * host_port - Postfix host_port(buf, &host, "", &port, NULL) for inet
 * service names; returns NULL or the problem; host and port point into buf.
 */
static const char *
host_port(char *buf, char **host, char **port)
{
    static char empty[] = "";
    char *cp = buf;
    char *def_host = empty;

    *host = NULL;
    *port = NULL;
    if (*cp == '[') {
        bool ipv6 = false;

        ++cp;
        if (strncasecmp(cp, "IPv6:", 5) == 0) {
            ipv6 = true;
            cp += 5;
        }
        *host = cp;
        if ((cp = strchr(cp, ']')) == NULL)
            return "missing \"]\"";
        *cp++ = 0;
        if (*cp && *cp++ != ':')
            return "garbage after \"]\"";
        if (ipv6 && !tlsp_valid_ipv6(*host))
            return "malformed IPv6 address";
        *port = *cp ? cp : NULL;
    } else {
        if ((cp = strrchr(buf, ':')) != NULL) {
            *cp++ = 0;
            *host = *buf ? buf : def_host;
            *port = *cp ? cp : NULL;
        } else {
            *host = def_host;
            *port = *buf ? buf : NULL;
        }
    }
    if (*host == NULL)
        return "missing host information";
    if (*port == NULL)
        return "missing service information";
    if (*host != def_host && !tlsp_valid_hostname(*host) && !tlsp_valid_hostaddr(*host))
        return "valid hostname or network address required";
    if (**port >= '0' && **port <= '9' && (*port)[strspn(*port, "0123456789")] != 0)
        return "garbage after numerical service";
    return NULL;
}

static enum tlsp_status
push_setting(struct cf_service *s, const char *name, const char *value, unsigned line)
{
    char **nn, **nv;
    unsigned *nl;
    char *n2, *v2;

    if ((nn = realloc(s->ov_names, (s->n_ov + 1) * sizeof(*nn))) == NULL)
        return TLSP_NOMEM;
    s->ov_names = nn;
    if ((nv = realloc(s->ov_values, (s->n_ov + 1) * sizeof(*nv))) == NULL)
        return TLSP_NOMEM;
    s->ov_values = nv;
    if ((nl = realloc(s->ov_lines, (s->n_ov + 1) * sizeof(*nl))) == NULL)
        return TLSP_NOMEM;
    s->ov_lines = nl;
    n2 = tlsp_strdup(name);
    v2 = tlsp_strdup(value);
    if (n2 == NULL || v2 == NULL) {
        free(n2);
        free(v2);
        return TLSP_NOMEM;
    }
    s->ov_names[s->n_ov] = n2;
    s->ov_values[s->n_ov] = v2;
    s->ov_lines[s->n_ov] = line;
    s->n_ov++;
    return TLSP_OK;
}

static enum tlsp_status __attribute__((format(printf, 3, 4)))
daemon_error(struct cf_service *s, unsigned line, const char *fmt, ...)
{
    struct tlsp_buf b;
    va_list ap;
    enum tlsp_status st;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    va_start(ap, fmt);
    st = tlsp_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (st != TLSP_OK || (s->daemon_error = tlsp_buf_steal(&b)) == NULL) {
        tlsp_buf_fini(&b);
        return TLSP_NOMEM;
    }
    s->daemon_error_line = line;
    return TLSP_OK;
}

/*
 * daemon_options - the daemon's getopt() over the arguments after the
 *       command; smtp(8) and lmtp(8) also refuse any argument left over
 */
static enum tlsp_status
daemon_options(struct cf_service *s, char **args, const unsigned *lines, size_t n)
{
    size_t i = 0;
    enum tlsp_status st = TLSP_OK;

    while (i < n && st == TLSP_OK && s->daemon_error == NULL) {
        const char *a = args[i];
        size_t j;

        if (a[0] != '-' || a[1] == 0)
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        for (j = 1; a[j] && st == TLSP_OK; j++) {
            const char *optarg;
            unsigned line;
            int c = (unsigned char)a[j];

            if (c != ':' && strchr("cdDlSuvVz", c) != NULL)
                continue;
            if (c == ':' || strchr("imnost", c) == NULL)
                return daemon_error(s, lines[i], "invalid option: %c", c);
            if (a[j + 1]) {
                optarg = a + j + 1;
                line = lines[i];
            } else if (i + 1 < n) {
                optarg = args[++i];
                line = lines[i];
            } else {
                return daemon_error(s, lines[i], "invalid option: %c", c);
            }
            if (c == 'o') {
                char *copy = tlsp_strdup(optarg);
                char *oname, *oval;
                const char *err;

                if (copy == NULL)
                    return TLSP_NOMEM;
                if ((err = tlsp_pf_split_nameval(copy, &oname, &oval)) != NULL)
                    st = daemon_error(s, line, "invalid \"-o %s\" option value: %s", optarg, err);
                else
                    st = push_setting(s, oname, oval, line);
                free(copy);
            } else if (c == 'i') {
                st = push_setting(s, "max_idle", optarg, line);
            } else if (c == 'm') {
                st = push_setting(s, "max_use", optarg, line);
            } else if (c == 'n') {
                char *v = tlsp_strdup(optarg);

                if (v == NULL)
                    return TLSP_NOMEM;
                free(s->service_name);
                s->service_name = v;
            }
            break;
        }
        i++;
    }
    if (st == TLSP_OK && s->daemon_error == NULL && i < n &&
        (strcmp(s->command, "smtp") == 0 || strcmp(s->command, "lmtp") == 0))
        st = daemon_error(s, lines[i], "unknown attribute name: %s", args[i]);
    return st;
}

static enum tlsp_status
add_service(struct tlsp_cf *cf, struct cf_service *s)
{
    struct cf_service *v = realloc(cf->services, (cf->n_services + 1) * sizeof(*v));

    if (v == NULL)
        return TLSP_NOMEM;
    cf->services = v;
    s->pub.name = s->name;
    s->pub.type = s->type;
    s->pub.command = s->command;
    s->pub.n_overrides = s->n_ov;
    s->pub.override_names = (const char *const *)s->ov_names;
    s->pub.override_values = (const char *const *)s->ov_values;
    s->pub.override_lines = s->ov_lines;
    cf->services[cf->n_services++] = *s;
    memset(s, 0, sizeof(*s));
    return TLSP_OK;
}

static enum tlsp_status
parse_entry(struct entry *e)
{
    struct cf_service s;
    const char *name, *type = NULL, *command = NULL;
    bool private = false, flag = false;
    char **args = NULL;
    unsigned *lines = NULL;
    size_t n_args = 0, i;
    char *tok;
    enum tlsp_status st;
    struct tlsp_buf b;

    memset(&s, 0, sizeof(s));
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if ((name = tlsp_pf_token(&e->bufp, TLSP_PF_BLANKS)) == NULL) {
        st = TLSP_OK; /* a line with only bytes after a NUL: master reads on */
        goto out;
    }
    if ((st = get_str(e, "transport type", NULL, &type)) != TLSP_OK)
        goto out;
    if (strcmp(type, "inet") == 0) {
        char *copy = tlsp_strdup(name);
        char *host, *port;
        const char *err;

        if (copy == NULL) {
            st = TLSP_NOMEM;
            goto out;
        }
        if ((err = host_port(copy, &host, &port)) != NULL) {
            st = fatal(e, "%s in \"%s\"", err, name);
        } else if (*host) {
            st = tlsp_buf_printf(&b, "[%s]:%s", host, port);
        } else {
            st = tlsp_buf_puts(&b, port);
        }
        free(copy);
        if (st != TLSP_OK)
            goto out;
    } else if (strcmp(type, "unix") != 0 && strcmp(type, "unix-dgram") != 0 &&
               strcmp(type, "fifo") != 0 && strcmp(type, "pass") != 0) {
        st = fatal(e, "bad transport type: %s", type);
        goto out;
    }
    if ((st = get_bool(e, "private", "y", &private)) != TLSP_OK)
        goto out;
    if (strcmp(type, "inet") == 0) {
        if (private) {
            st = fatal(e, "inet service cannot be private");
            goto out;
        }
    } else if ((st = tlsp_buf_printf(&b, "%s/%s", private ? "private" : "public", name)) !=
               TLSP_OK) {
        goto out;
    }
    if ((st = get_bool(e, "unprivileged", "y", &flag)) != TLSP_OK ||
        (st = get_bool(e, "chroot", "y", &flag)) != TLSP_OK ||
        (st = get_int(e, "wakeup_time", "0")) != TLSP_OK ||
        (st = get_int(e, "max_proc", "100")) != TLSP_OK ||
        (st = get_str(e, "command", NULL, &command)) != TLSP_OK)
        goto out;

    while ((tok = tlsp_pf_token_quoted(&e->bufp, TLSP_PF_BLANKS)) != NULL) {
        unsigned line = tlsp_pf_lline_line_at(e->ll, (size_t)(tok - e->work));
        char **na;
        unsigned *nl;

        if (*tok == '{') {
            char *err = NULL;

            if ((st = tlsp_pf_extpar(&tok, &err)) != TLSP_OK)
                goto out;
            if (err != NULL) {
                st = fatal(e, "%s", err);
                free(err);
                goto out;
            }
        }
        if ((na = realloc(args, (n_args + 1) * sizeof(*na))) == NULL) {
            st = TLSP_NOMEM;
            goto out;
        }
        args = na;
        if ((nl = realloc(lines, (n_args + 1) * sizeof(*nl))) == NULL) {
            st = TLSP_NOMEM;
            goto out;
        }
        lines = nl;
        args[n_args] = tok;
        lines[n_args] = line;
        n_args++;
    }

    s.name = tlsp_strdup(name);
    s.type = tlsp_strdup(type);
    s.command = tlsp_strdup(command);
    s.internal = tlsp_strdup(tlsp_buf_str(&b));
    s.service_name = tlsp_strdup(name);
    if (!s.name || !s.type || !s.command || !s.internal || !s.service_name) {
        st = TLSP_NOMEM;
        goto out;
    }
    if ((st = daemon_options(&s, args, lines, n_args)) != TLSP_OK)
        goto out;

    /* master keeps the last of two entries with the same type and internal name */
    for (i = 0; i < e->cf->n_services; i++) {
        const struct cf_service *o = &e->cf->services[i];

        if (strcmp(o->type, s.type) == 0 && strcmp(o->internal, s.internal) == 0) {
            st = tlsp_diag_add(e->diag, TLSP_SEV_WARNING, NULL, 0,
                               "duplicate master.cf entry for service \"%s\" (%s) -- using the "
                               "last entry",
                               s.name, s.internal);
            if (st != TLSP_OK)
                goto out;
            break;
        }
    }
    s.pub.file = e->path;
    s.pub.line = e->ll->first_line;
    st = add_service(e->cf, &s);
out:
    free(args);
    free(lines);
    tlsp_buf_fini(&b);
    service_fini(&s);
    return st;
}

static enum tlsp_status
warn_ws(void *ctx, const char *text)
{
    struct entry *e = ctx;

    return tlsp_diag_add(e->diag, TLSP_SEV_WARNING, e->path, 0, "%s", text);
}

enum tlsp_status
tlsp_cf_parse_master(struct tlsp_cf *cf, const char *path, const char *data, size_t len,
                     struct tlsp_diag *diag)
{
    struct tlsp_pf_reader r;
    struct tlsp_pf_lline ll;
    struct entry e;
    enum tlsp_status st;
    bool got;

    tlsp_pf_reader_init(&r, data, len);
    tlsp_pf_lline_init(&ll, TLSP_CF_MAX_FILE);
    e.cf = cf;
    e.path = path;
    e.diag = diag;
    e.ll = &ll;
    e.work = NULL;
    for (;;) {
        if ((st = tlsp_pf_readllines(&r, &ll, warn_ws, &e, &got)) != TLSP_OK || !got)
            break;
        if ((e.work = tlsp_strdup(tlsp_buf_str(&ll.text))) == NULL) {
            st = TLSP_NOMEM;
            break;
        }
        e.bufp = e.work;
        st = parse_entry(&e);
        free(e.work);
        e.work = NULL;
        if (st != TLSP_OK)
            break;
    }
    tlsp_pf_lline_fini(&ll);
    return st;
}
