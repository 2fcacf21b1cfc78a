/*
 * cf.c - main.cf and master.cf, read as Postfix reads them
 *
 * Layers of a parameter value, lowest first: built-in default (generated
 * table, host-dependent values computed on first use), main.cf, the
 * caller's -o overrides, and in a service view the master.cf service's -o
 * settings. Lookups during expansion follow postconf -x: the highest
 * layer that has the name, else the default; read-only parameters
 * (process_id, process_name, service_name) ignore assignments.
 *
 * Where postconf and a running daemon differ, a service view follows the
 * daemon (which applies its -o settings before computing myhostname,
 * mydomain and mynetworks); the base configuration follows postconf.
 *
 * A view holds entries only for the names it sets or uses; each refers to
 * the base entry below it ("under"), so that making a view costs little
 * and its caches stay its own.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tlspolicy/cf.h>

#include "cf_expand.h"
#include "cf_host.h"
#include "cf_internal.h"
#include "util/buf.h"
#include "util/pftext.h"
#include "util/str.h"

static const char macro_error[] = "macro processing error";
static const char dict_macro_error[] = "dictionary mail_dict: macro processing error";

/* ---------------------------------------------------------------------- */
/* Parameter table                                                        */
/* ---------------------------------------------------------------------- */

static int
find_index(const struct tlsp_cf *cf, const char *name, size_t *pos)
{
    size_t lo = 0, hi = cf->n_params;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(name, cf->params[mid]->name);

        if (c == 0) {
            *pos = mid;
            return 1;
        }
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    *pos = lo;
    return 0;
}

/* own_find - an entry of cf's own table, or NULL */
static struct cf_param *
own_find(const struct tlsp_cf *cf, const char *name)
{
    size_t pos;

    return find_index(cf, name, &pos) ? cf->params[pos] : NULL;
}

/* peek - the entry that answers for name (a view's own, else the base's), read-only use */
static const struct cf_param *
peek(const struct tlsp_cf *cf, const char *name)
{
    const struct cf_param *p = own_find(cf, name);

    if (p == NULL && cf->base)
        p = own_find(cf->base, name);
    return p;
}

static void
cache_clear(struct cf_param *p)
{
    p->cached = false;
    free(p->cache_val);
    free(p->cache_msg);
    p->cache_val = NULL;
    p->cache_msg = NULL;
}

static void
host_clear(struct cf_param *p)
{
    p->host_done = false;
    free(p->host_val);
    free(p->host_fatal);
    p->host_val = NULL;
    p->host_fatal = NULL;
}

static void
param_free(struct cf_param *p)
{
    if (p == NULL)
        return;
    /* Most built-in entries own nothing: skip the free(NULL) calls. */
    if (p->in_block && !p->name_owned && !p->svc_default && !p->host_val && !p->host_fatal &&
        !p->main_val && !p->ovr_val && !p->svc_val && !p->cache_val && !p->cache_msg)
        return;
    free(p->name_owned);
    free(p->svc_default);
    host_clear(p);
    free(p->main_val);
    free(p->ovr_val);
    free(p->svc_val);
    cache_clear(p);
    if (!p->in_block)
        free(p);
}

static enum tlsp_status
table_insert(struct tlsp_cf *cf, size_t pos, struct cf_param *p)
{
    if (cf->n_params == cf->cap_params) {
        size_t cap = cf->cap_params ? cf->cap_params * 2 : 1024;
        struct cf_param **v = realloc(cf->params, cap * sizeof(struct cf_param *));

        if (v == NULL)
            return TLSP_NOMEM;
        cf->params = v;
        cf->cap_params = cap;
    }
    memmove(cf->params + pos + 1, cf->params + pos,
            (cf->n_params - pos) * sizeof(struct cf_param *));
    cf->params[pos] = p;
    cf->n_params++;
    return TLSP_OK;
}

/*
 * entry - cf's own entry for name, to change or cache in; in a view, made
 *       on first use above the base's entry. *out is NULL when name is
 *       unknown and create is false.
 */
static enum tlsp_status
entry(struct tlsp_cf *cf, const char *name, bool create, struct cf_param **out)
{
    size_t pos;
    struct cf_param *p;
    const struct cf_param *under = NULL;
    enum tlsp_status st;

    *out = NULL;
    if (find_index(cf, name, &pos)) {
        *out = cf->params[pos];
        return TLSP_OK;
    }
    if (cf->base)
        under = own_find(cf->base, name);
    if (under == NULL && !create)
        return TLSP_OK;
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return TLSP_NOMEM;
    if (under) {
        p->name = under->name; /* the base outlives its views */
        p->builtin = under->builtin;
        p->under = under;
    } else {
        if ((p->name_owned = tlsp_strdup(name)) == NULL) {
            free(p);
            return TLSP_NOMEM;
        }
        p->name = p->name_owned;
    }
    if ((st = table_insert(cf, pos, p)) != TLSP_OK) {
        param_free(p);
        return st;
    }
    free(cf->view_names);
    cf->view_names = NULL;
    *out = p;
    return TLSP_OK;
}

/* Layers read through a view entry's base entry. */
static const char *
p_main(const struct cf_param *p)
{
    return p->under ? p->under->main_val : p->main_val;
}

static unsigned
p_main_line(const struct cf_param *p)
{
    return p->under ? p->under->main_line : p->main_line;
}

static const char *
p_ovr(const struct cf_param *p)
{
    if (p->ovr_val)
        return p->ovr_val;
    return p->under ? p->under->ovr_val : NULL;
}

static const char *
p_svc_default(const struct cf_param *p)
{
    return p->under ? p->under->svc_default : p->svc_default;
}

static unsigned
param_flags(const struct cf_param *p)
{
    return p->builtin ? p->builtin->flags : 0;
}

static bool
is_name(const struct cf_param *p, const char *name)
{
    return strcmp(p->name, name) == 0;
}

/* The service a view shows, or NULL. */
static const struct cf_service *
view_service(const struct tlsp_cf *cf)
{
    return cf->view_svc;
}

/* The configuration that owns the services and file names. */
static const struct tlsp_cf *
root_cf(const struct tlsp_cf *cf)
{
    return cf->base ? cf->base : cf;
}

/* ---------------------------------------------------------------------- */
/* Messages                                                               */
/* ---------------------------------------------------------------------- */

static enum tlsp_severity
severity_of(enum tlsp_status st)
{
    return st == TLSP_CONFIG ? TLSP_SEV_FATAL : TLSP_SEV_ERROR;
}

/* ---------------------------------------------------------------------- */
/* Values                                                                 */
/* ---------------------------------------------------------------------- */

static enum tlsp_status host_default(struct tlsp_cf *cf, struct cf_param *p,
                                     struct tlsp_diag *diag);

/* set_value - the value of the highest layer that has one, or NULL */
static const char *
set_value(const struct cf_param *p)
{
    if (param_flags(p) & TLSP_CF_DEF_READONLY)
        return NULL;
    if (p->svc_val)
        return p->svc_val;
    if (p_ovr(p))
        return p_ovr(p);
    return p_main(p);
}

/*
 * default_value - the unexpanded default, or NULL when there is none
 *
 * On failure *msg is the reason (heap).
 */
static enum tlsp_status
default_value(struct tlsp_cf *cf, struct cf_param *p, struct tlsp_diag *diag, const char **val,
              char **msg)
{
    const struct cf_service *svc = view_service(cf);
    enum tlsp_status st;

    *val = NULL;
    *msg = NULL;
    if (p->builtin) {
        if (p->builtin->flags & TLSP_CF_DEF_HOST) {
            if ((st = host_default(cf, p, diag)) != TLSP_OK) {
                if (p->host_fatal && (*msg = tlsp_strdup(p->host_fatal)) == NULL)
                    return TLSP_NOMEM;
                return st;
            }
            *val = p->host_val;
        } else if (svc && is_name(p, "service_name")) {
            *val = svc->service_name;
        } else if (is_name(p, "smtp_tls_dane_insecure_mx_policy") &&
                   tlsp_version_has(&cf->version, TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE)) {
            *val = "dane";
        } else {
            *val = p->builtin->value;
        }
    } else if (p_svc_default(p)) {
        *val = p_svc_default(p);
    }
    return TLSP_OK;
}

/* effective_value - what postconf's lookup returns for p (unexpanded) */
static enum tlsp_status
effective_value(struct tlsp_cf *cf, struct cf_param *p, struct tlsp_diag *diag, const char **val,
                char **msg)
{
    const char *v = set_value(p);

    *msg = NULL;
    if (v) {
        *val = v;
        return TLSP_OK;
    }
    return default_value(cf, p, diag, val, msg);
}

/* Lookup for postconf -x expansion: layers, then defaults. */
static enum tlsp_status
lookup_full(void *ctx, struct tlsp_cf_exp_root *root, const char *name, const char **value)
{
    struct tlsp_cf *cf = ctx;
    struct cf_param *p;
    char *msg = NULL;
    enum tlsp_status st;

    *value = NULL;
    if ((st = entry(cf, name, false, &p)) != TLSP_OK || p == NULL)
        return st;
    if ((st = effective_value(cf, p, root->diag, value, &msg)) != TLSP_OK) {
        free(root->fatal);
        root->fatal = msg;
    }
    return st;
}

/* Lookup for mail_conf_lookup_eval(): the configuration dictionary only. */
static enum tlsp_status
lookup_dict(void *ctx, struct tlsp_cf_exp_root *root, const char *name, const char **value)
{
    struct tlsp_cf *cf = ctx;
    const struct cf_param *p = peek(cf, name);

    (void)root;
    *value = NULL;
    if (p == NULL)
        return TLSP_OK;
    *value = set_value(p);
    if (*value == NULL && is_name(p, "config_directory"))
        *value = cf->dir;
    return TLSP_OK;
}

/*
 * expand_with - one top-level mac_expand() and what Postfix makes of it
 *
 * Out:  out   heap result on TLSP_OK.
 *       msg   heap reason otherwise (NULL on TLSP_NOMEM); TLSP_CONFIG is a
 *             Postfix fatal error, TLSP_LIMIT/TLSP_IO tlspolicy's.
 */
static enum tlsp_status
expand_with(struct tlsp_cf *cf, const char *text, tlsp_cf_lookup_fn lookup, const char *error_text,
            struct tlsp_diag *diag, char **out, char **msg)
{
    struct tlsp_cf_exp_root root;
    struct tlsp_buf b;
    bool parse_error = false;
    enum tlsp_status st;

    *out = NULL;
    *msg = NULL;
    tlsp_cf_exp_root_init(&root, lookup, cf, diag);
    tlsp_buf_init(&b, TLSP_CF_EXPAND_MAX_RESULT);
    st = tlsp_cf_mac_expand(&root, text, &b, &parse_error);
    if (st == TLSP_OK && parse_error) {
        st = TLSP_CONFIG;
        *msg = tlsp_strdup(error_text);
    } else if (st == TLSP_OK) {
        if ((*out = tlsp_buf_steal(&b)) == NULL)
            st = TLSP_NOMEM;
    } else if (root.fatal) {
        *msg = root.fatal;
        root.fatal = NULL;
    } else if (st == TLSP_LIMIT) {
        *msg = tlsp_aprintf("expansion exceeds tlspolicy's limits (%zu bytes of result, %lu "
                           "macro steps, nesting depth %u)",
                           TLSP_CF_EXPAND_MAX_RESULT, TLSP_CF_EXPAND_MAX_STEPS,
                           TLSP_CF_EXPAND_MAX_DEPTH);
    } else if (st == TLSP_IO) {
        *msg = tlsp_aprintf("cannot list the network interfaces: %s", strerror(errno));
    }
    if (st != TLSP_OK && st != TLSP_NOMEM && *msg == NULL)
        st = TLSP_NOMEM;
    tlsp_buf_fini(&b);
    tlsp_cf_exp_root_fini(&root);
    return st;
}

/*
 * dict_eval - mail_conf_lookup_eval(): the set value of name, expanded
 *       with dictionary lookups only; *out NULL when not set
 */
static enum tlsp_status
dict_eval(struct tlsp_cf *cf, const char *name, struct tlsp_diag *diag, char **out, char **msg)
{
    const char *raw = NULL;

    *out = NULL;
    *msg = NULL;
    (void)lookup_dict(cf, NULL, name, &raw);
    if (raw == NULL)
        return TLSP_OK;
    return expand_with(cf, raw, lookup_dict, dict_macro_error, diag, out, msg);
}

/* conf_eval - dict_eval(), else the built-in default expanded as postconf -x */
static enum tlsp_status
conf_eval(struct tlsp_cf *cf, const char *name, struct tlsp_diag *diag, char **out, char **msg)
{
    const struct cf_param *p;
    enum tlsp_status st;

    if ((st = dict_eval(cf, name, diag, out, msg)) != TLSP_OK || *out != NULL)
        return st;
    p = peek(cf, name);
    return expand_with(cf, p && p->builtin && p->builtin->value ? p->builtin->value : "",
                       lookup_full, macro_error, diag, out, msg);
}

static enum tlsp_status
get_hostname(struct tlsp_cf *cf, char **msg)
{
    enum tlsp_status st;

    if (cf->hostname)
        return TLSP_OK;
    st = tlsp_cf_gethostname(&cf->hostname, msg);
    return st;
}

/* compute_myhostname - check_myhostname(): host name, .mydomain when bare */
static enum tlsp_status
compute_myhostname(struct tlsp_cf *cf, struct tlsp_diag *diag, char **val, char **msg)
{
    char *domain = NULL;
    enum tlsp_status st;

    if ((st = get_hostname(cf, msg)) != TLSP_OK)
        return st;
    if (strchr(cf->hostname, '.') != NULL) {
        *val = tlsp_strdup(cf->hostname);
        return *val ? TLSP_OK : TLSP_NOMEM;
    }
    if ((st = dict_eval(cf, "mydomain", diag, &domain, msg)) != TLSP_OK)
        return st;
    *val = tlsp_aprintf("%s.%s", cf->hostname, domain ? domain : "localdomain");
    free(domain);
    return *val ? TLSP_OK : TLSP_NOMEM;
}

/* compute_mydomain - check_mydomainname(): myhostname after its first dot */
static enum tlsp_status
compute_mydomain(struct tlsp_cf *cf, struct tlsp_diag *diag, char **val, char **msg)
{
    char *host = NULL;
    const char *name, *dot;
    enum tlsp_status st;

    if ((st = dict_eval(cf, "myhostname", diag, &host, msg)) != TLSP_OK)
        return st;
    if (host) {
        name = host;
    } else {
        struct cf_param *p;

        if ((st = entry(cf, "myhostname", false, &p)) != TLSP_OK)
            return st;
        if (p == NULL) {
            *val = tlsp_strdup("localdomain");
            return *val ? TLSP_OK : TLSP_NOMEM;
        }
        if ((st = host_default(cf, p, diag)) != TLSP_OK) {
            if (p->host_fatal && (*msg = tlsp_strdup(p->host_fatal)) == NULL)
                return TLSP_NOMEM;
            return st;
        }
        name = p->host_val;
    }
    dot = strchr(name, '.');
    *val = tlsp_strdup(dot ? dot + 1 : "localdomain");
    free(host);
    return *val ? TLSP_OK : TLSP_NOMEM;
}

/* compute_mynetworks - pcf_mynetworks(): interfaces, style, protocols, then mynetworks() */
static enum tlsp_status
compute_mynetworks(struct tlsp_cf *cf, struct tlsp_diag *diag, char **val, char **msg)
{
    char *interfaces = NULL, *style = NULL, *protocols = NULL;
    enum tlsp_status st;

    if ((st = conf_eval(cf, "inet_interfaces", diag, &interfaces, msg)) != TLSP_OK ||
        (st = conf_eval(cf, "mynetworks_style", diag, &style, msg)) != TLSP_OK ||
        (st = conf_eval(cf, "inet_protocols", diag, &protocols, msg)) != TLSP_OK)
        goto out;
    st = tlsp_cf_mynetworks(protocols, style, interfaces, val, msg);
    if (st == TLSP_IO)
        *msg = tlsp_aprintf("getifaddrs: %s", strerror(errno));
out:
    free(interfaces);
    free(style);
    free(protocols);
    return st;
}

static const char *
base_name(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}

/* host_default - compute a TLSP_CF_DEF_HOST default once per configuration */
static enum tlsp_status
host_default(struct tlsp_cf *cf, struct cf_param *p, struct tlsp_diag *diag)
{
    char *val = NULL, *msg = NULL;
    enum tlsp_status st = TLSP_OK;
    const struct cf_service *svc = view_service(cf);

    if (p->host_done)
        return p->host_st;
    if (p->computing) {
        /* Postfix would recurse until it crashes. */
        free(p->host_fatal);
        p->host_fatal = tlsp_aprintf("the default of %s depends on itself", p->name);
        return p->host_fatal ? TLSP_LIMIT : TLSP_NOMEM;
    }
    p->computing = true;
    if (is_name(p, "config_directory")) {
        val = tlsp_strdup(cf->dir);
    } else if (is_name(p, "process_id")) {
        val = tlsp_aprintf("%ld", (long)getpid());
    } else if (is_name(p, "process_name")) {
        val = tlsp_strdup(svc ? base_name(svc->command) : "postconf");
    } else if (is_name(p, "myhostname")) {
        st = compute_myhostname(cf, diag, &val, &msg);
    } else if (is_name(p, "mydomain")) {
        st = compute_mydomain(cf, diag, &val, &msg);
    } else if (is_name(p, "mynetworks")) {
        st = compute_mynetworks(cf, diag, &val, &msg);
    } else {
        val = tlsp_strdup("");
    }
    p->computing = false;
    if (st == TLSP_OK && val == NULL)
        st = TLSP_NOMEM;
    if (st == TLSP_NOMEM) {
        free(val);
        free(msg);
        return st;
    }
    free(p->host_val);
    free(p->host_fatal);
    p->host_val = st == TLSP_OK ? val : NULL;
    p->host_fatal = msg;
    if (st != TLSP_OK)
        free(val);
    p->host_st = st;
    p->host_done = true;
    return st;
}

/* ---------------------------------------------------------------------- */
/* main.cf                                                                */
/* ---------------------------------------------------------------------- */

struct main_ctx {
    const char *path;
    struct tlsp_diag *diag;
};

static enum tlsp_status
main_warn(void *ctx, const char *text)
{
    struct main_ctx *m = ctx;

    return tlsp_diag_add(m->diag, TLSP_SEV_WARNING, m->path, 0, "%s", text);
}

static enum tlsp_status
parse_main(struct tlsp_cf *cf, const char *path, const char *data, size_t len,
           struct tlsp_diag *diag)
{
    struct tlsp_pf_reader r;
    struct tlsp_pf_lline ll;
    struct main_ctx m = {path, diag};
    enum tlsp_status st;
    size_t i;
    bool got;

    tlsp_pf_reader_init(&r, data, len);
    tlsp_pf_lline_init(&ll, TLSP_CF_MAX_FILE);
    for (;;) {
        char *copy, *name, *value;
        const char *err;
        const char *old;
        struct cf_param *p;

        if ((st = tlsp_pf_readllines(&r, &ll, main_warn, &m, &got)) != TLSP_OK || !got)
            break;
        if ((copy = tlsp_strdup(tlsp_buf_str(&ll.text))) == NULL) {
            st = TLSP_NOMEM;
            break;
        }
        if ((err = tlsp_pf_split_nameval(copy, &name, &value)) != NULL) {
            st = tlsp_diag_add(diag, TLSP_SEV_FATAL, path, ll.first_line, "%s: \"%s\"", err,
                               tlsp_buf_str(&ll.text));
            free(copy);
            if (st == TLSP_OK)
                st = TLSP_CONFIG;
            break;
        }
        if ((st = entry(cf, name, true, &p)) != TLSP_OK) {
            free(copy);
            break;
        }
        old = p->main_val;
        if (old == NULL && is_name(p, "config_directory"))
            old = cf->dir;
        if (old != NULL && strcmp(old, value) != 0 &&
            (st = tlsp_diag_add(diag, TLSP_SEV_WARNING, path, ll.first_line,
                                "overriding earlier entry: %s=%s", name, old)) != TLSP_OK) {
            free(copy);
            break;
        }
        free(p->main_val);
        p->main_val = tlsp_strdup(value);
        p->main_line = ll.first_line;
        free(copy);
        if (p->main_val == NULL) {
            st = TLSP_NOMEM;
            break;
        }
    }
    tlsp_pf_lline_fini(&ll);
    for (i = 0; i < cf->n_params && st == TLSP_OK; i++) {
        const struct cf_param *p = cf->params[i];

        if ((param_flags(p) & TLSP_CF_DEF_READONLY) && p->main_val)
            st = tlsp_diag_add(diag, TLSP_SEV_WARNING, path, 0,
                               "read-only parameter assignment: %s=%s", p->name, p->main_val);
    }
    return st;
}

/* ---------------------------------------------------------------------- */
/* Loading                                                                */
/* ---------------------------------------------------------------------- */

static enum tlsp_status
cf_new(const char *dir, const struct tlsp_version *version, struct tlsp_cf **out)
{
    struct tlsp_cf *cf;
    size_t i;

    *out = NULL;
    if ((cf = calloc(1, sizeof(*cf))) == NULL)
        return TLSP_NOMEM;
    cf->version = version ? *version : tlsp_version_default;
    if ((cf->dir = tlsp_strdup(dir)) == NULL)
        goto nomem;
    if ((cf->params = calloc(tlsp_cf_n_defaults + 64, sizeof(struct cf_param *))) == NULL)
        goto nomem;
    cf->cap_params = tlsp_cf_n_defaults + 64;
    if ((cf->block = calloc(tlsp_cf_n_defaults, sizeof(*cf->block))) == NULL)
        goto nomem;
    for (i = 0; i < tlsp_cf_n_defaults; i++) {
        struct cf_param *p = &cf->block[i];

        p->in_block = true;
        p->name = tlsp_cf_defaults[i].name;
        p->builtin = &tlsp_cf_defaults[i];
        cf->params[cf->n_params++] = p;
    }
    *out = cf;
    return TLSP_OK;
nomem:
    tlsp_cf_free(cf);
    return TLSP_NOMEM;
}

static int
param_cmp(const void *a, const void *b)
{
    const struct cf_param *const *x = a;
    const struct cf_param *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

/*
 * register_service_params - NAME_suffix = $param for delivery services
 *
 * New names are collected, sorted and merged into the table in one pass:
 * a master.cf with many services adds thousands of names.
 */
static enum tlsp_status
register_service_params(struct tlsp_cf *cf)
{
    struct cf_param **add = NULL, **merged = NULL;
    size_t n_add = 0, cap_add = 0, i, j, k, n;
    enum tlsp_status st = TLSP_OK;

    for (i = 0; i < cf->n_services && st == TLSP_OK; i++) {
        const struct cf_service *s = &cf->services[i];

        for (j = 0; j < tlsp_cf_n_service_params && st == TLSP_OK; j++) {
            const struct tlsp_cf_service_param *sp = &tlsp_cf_service_params[j];
            struct cf_param *p;
            char *name;

            if (strcmp(sp->program, s->command) != 0)
                continue;
            if ((name = tlsp_aprintf("%s%s", s->name, sp->suffix)) == NULL) {
                st = TLSP_NOMEM;
                break;
            }
            if ((p = own_find(cf, name)) != NULL) {
                /* built in (e.g. local_destination_concurrency_limit) or set in main.cf */
                if (p->builtin == NULL && p->svc_default == NULL &&
                    (p->svc_default = tlsp_aprintf("$%s", sp->param)) == NULL)
                    st = TLSP_NOMEM;
                free(name);
                continue;
            }
            if (n_add == cap_add) {
                size_t cap = cap_add ? cap_add * 2 : 64;
                struct cf_param **v = realloc(add, cap * sizeof(struct cf_param *));

                if (v == NULL) {
                    free(name);
                    st = TLSP_NOMEM;
                    break;
                }
                add = v;
                cap_add = cap;
            }
            if ((p = calloc(1, sizeof(*p))) == NULL) {
                free(name);
                st = TLSP_NOMEM;
                break;
            }
            p->name = p->name_owned = name;
            add[n_add++] = p;
            if ((p->svc_default = tlsp_aprintf("$%s", sp->param)) == NULL)
                st = TLSP_NOMEM;
        }
    }
    if (st != TLSP_OK || n_add == 0)
        goto out;
    qsort(add, n_add, sizeof(struct cf_param *), param_cmp);
    /* drop repeats (two entries for one service name) */
    for (i = 1, k = 1; i < n_add; i++) {
        if (strcmp(add[i]->name, add[k - 1]->name) == 0)
            param_free(add[i]);
        else
            add[k++] = add[i];
    }
    n_add = k;
    n = cf->n_params + n_add;
    if ((merged = malloc((n + 64) * sizeof(struct cf_param *))) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    for (i = j = k = 0; k < n; k++) {
        if (j >= n_add || (i < cf->n_params && strcmp(cf->params[i]->name, add[j]->name) < 0))
            merged[k] = cf->params[i++];
        else
            merged[k] = add[j++];
    }
    free(cf->params);
    cf->params = merged;
    cf->n_params = n;
    cf->cap_params = n + 64;
    n_add = 0;
out:
    for (i = 0; i < n_add; i++)
        param_free(add[i]);
    free(add);
    return st;
}

static char *
join_path(const char *dir, const char *file)
{
    return tlsp_aprintf("%s/%s", dir, file);
}

/*
 * load_common - build a configuration from file contents already read
 *
 * main_cf / master_cf NULL means the file does not exist.
 */
static enum tlsp_status
load_common(const char *dir, const char *main_cf, size_t main_len, const char *master_cf,
            size_t master_len, const struct tlsp_version *version, struct tlsp_cf **out,
            struct tlsp_diag *diag)
{
    struct tlsp_cf *cf = NULL;
    char *main_path = NULL, *master_path = NULL;
    enum tlsp_status st;
    size_t i;

    *out = NULL;
    if ((st = cf_new(dir, version, &cf)) != TLSP_OK)
        return st;
    if ((main_path = join_path(cf->dir, "main.cf")) == NULL ||
        (master_path = join_path(cf->dir, "master.cf")) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if (main_cf) {
        cf->main_path = main_path;
        main_path = NULL;
        if ((st = parse_main(cf, cf->main_path, main_cf, main_len, diag)) != TLSP_OK)
            goto out;
    } else if ((st = tlsp_diag_add(diag, TLSP_SEV_NOTE, main_path, 0,
                                   "not found; Postfix's built-in defaults apply")) != TLSP_OK) {
        goto out;
    }
    if (master_cf) {
        cf->master_path = master_path;
        master_path = NULL;
        st = tlsp_cf_parse_master(cf, cf->master_path, master_cf, master_len, diag);
    } else if ((st = tlsp_diag_add(diag, TLSP_SEV_NOTE, master_path, 0,
                                   "not found; using the stock master.cf services smtp, relay, "
                                   "error, retry, discard, local, virtual and lmtp")) == TLSP_OK) {
        st = tlsp_cf_parse_master(cf, NULL, tlsp_cf_stock_master, strlen(tlsp_cf_stock_master),
                                  diag);
    }
    if (st != TLSP_OK)
        goto out;
    for (i = 0; i < cf->n_services; i++)
        cf->services[i].pub.file = cf->master_path;
    if ((st = register_service_params(cf)) != TLSP_OK)
        goto out;
    *out = cf;
    cf = NULL;
out:
    free(main_path);
    free(master_path);
    tlsp_cf_free(cf);
    return st;
}

enum tlsp_status
tlsp_cf_load_mem(const char *dir, const char *main_cf, size_t main_len, const char *master_cf,
                 size_t master_len, const struct tlsp_version *version, struct tlsp_cf **out,
                 struct tlsp_diag *diag)
{
    if (out == NULL)
        return TLSP_INVAL;
    *out = NULL;
    if (dir == NULL)
        dir = TLSP_CF_DEFAULT_DIR;
    return load_common(dir, main_cf, main_len, master_cf, master_len, version, out, diag);
}

/* read_conf - one file; *data NULL when it does not exist */
static enum tlsp_status
read_conf(const char *dir, const char *file, char **data, size_t *len, struct tlsp_diag *diag)
{
    char *path = join_path(dir, file);
    enum tlsp_status st;

    *data = NULL;
    *len = 0;
    if (path == NULL)
        return TLSP_NOMEM;
    st = tlsp_read_file(path, TLSP_CF_MAX_FILE, data, len);
    if (st == TLSP_IO && (errno == ENOENT || errno == ENOTDIR)) {
        st = TLSP_OK;
    } else if (st == TLSP_IO) {
        if (tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0, "open %s: %s", path, strerror(errno)) !=
            TLSP_OK)
            st = TLSP_NOMEM;
    } else if (st == TLSP_LIMIT) {
        if (tlsp_diag_add(diag, TLSP_SEV_ERROR, path, 0,
                          "file larger than tlspolicy's limit of %zu bytes",
                          TLSP_CF_MAX_FILE) != TLSP_OK)
            st = TLSP_NOMEM;
    }
    free(path);
    return st;
}

enum tlsp_status
tlsp_cf_load(const char *dir, const struct tlsp_version *version, struct tlsp_cf **out,
             struct tlsp_diag *diag)
{
    char *main_cf = NULL, *master_cf = NULL;
    size_t main_len = 0, master_len = 0;
    struct stat sb;
    enum tlsp_status st;

    if (out == NULL)
        return TLSP_INVAL;
    *out = NULL;
    if (dir == NULL)
        dir = TLSP_CF_DEFAULT_DIR;
    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        if ((st = tlsp_diag_add(diag, TLSP_SEV_NOTE, dir, 0,
                                "no such directory; Postfix's built-in defaults apply")) != TLSP_OK)
            return st;
    }
    if ((st = read_conf(dir, "main.cf", &main_cf, &main_len, diag)) != TLSP_OK ||
        (st = read_conf(dir, "master.cf", &master_cf, &master_len, diag)) != TLSP_OK)
        goto out;
    st = load_common(dir, main_cf, main_len, master_cf, master_len, version, out, diag);
out:
    free(main_cf);
    free(master_cf);
    return st;
}

void
tlsp_cf_free(struct tlsp_cf *cf)
{
    size_t i;

    if (cf == NULL)
        return;
    for (i = 0; i < cf->n_params; i++)
        param_free(cf->params[i]);
    free(cf->params);
    free(cf->block);
    free(cf->view_names);
    if (cf->base == NULL)
        tlsp_cf_services_free(cf->services, cf->n_services);
    free(cf->dir);
    free(cf->main_path);
    free(cf->master_path);
    free(cf->hostname);
    free(cf);
}

/* ---------------------------------------------------------------------- */
/* Overrides                                                              */
/* ---------------------------------------------------------------------- */

enum tlsp_status
tlsp_cf_override(struct tlsp_cf *cf, const char *assignment, struct tlsp_diag *diag)
{
    char *copy, *name, *value;
    const char *err;
    struct cf_param *p;
    enum tlsp_status st;
    size_t i;

    if (cf == NULL || assignment == NULL)
        return TLSP_INVAL;
    if (cf->frozen) {
        st = tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                           "override \"%s\" comes after the configuration was used", assignment);
        return st == TLSP_OK ? TLSP_INVAL : st;
    }
    if ((copy = tlsp_strdup(assignment)) == NULL)
        return TLSP_NOMEM;
    if ((err = tlsp_pf_split_nameval(copy, &name, &value)) != NULL) {
        st = tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0, "invalid parameter override: %s: %s",
                           assignment, err);
        free(copy);
        return st == TLSP_OK ? TLSP_INVAL : st;
    }
    if ((st = entry(cf, name, true, &p)) == TLSP_OK) {
        free(p->ovr_val);
        if ((p->ovr_val = tlsp_strdup(value)) == NULL)
            st = TLSP_NOMEM;
    }
    if (st == TLSP_OK && (param_flags(p) & TLSP_CF_DEF_READONLY))
        st = tlsp_diag_add(diag, TLSP_SEV_WARNING, NULL, 0, "read-only parameter assignment: %s=%s",
                           name, value);
    free(copy);
    /* Host-dependent defaults may depend on what was just set. */
    for (i = 0; i < cf->n_params; i++)
        if (cf->params[i]->host_done)
            host_clear(cf->params[i]);
    return st;
}

/* ---------------------------------------------------------------------- */
/* Services and views                                                     */
/* ---------------------------------------------------------------------- */

size_t
tlsp_cf_n_services(const struct tlsp_cf *cf)
{
    return root_cf(cf)->n_services;
}

const struct tlsp_cf_service *
tlsp_cf_service_at(const struct tlsp_cf *cf, size_t i)
{
    const struct tlsp_cf *r = root_cf(cf);

    return i < r->n_services ? &r->services[i].pub : NULL;
}

static const struct cf_service *
find_service(const struct tlsp_cf *cf, const char *name, const char *type)
{
    const struct tlsp_cf *r = root_cf(cf);
    const struct cf_service *any = NULL, *unix_one = NULL;
    size_t i;

    for (i = 0; i < r->n_services; i++) {
        const struct cf_service *s = &r->services[i];

        if (strcmp(s->name, name) != 0)
            continue;
        if (type && strcmp(s->type, type) != 0)
            continue;
        any = s;
        if (strcmp(s->type, "unix") == 0)
            unix_one = s;
    }
    return unix_one ? unix_one : any;
}

const struct tlsp_cf_service *
tlsp_cf_service(const struct tlsp_cf *cf, const char *name, const char *type)
{
    const struct cf_service *s;

    if (cf == NULL || name == NULL)
        return NULL;
    s = find_service(cf, name, type);
    return s ? &s->pub : NULL;
}

static enum tlsp_status
copy_str(char **dst, const char *src)
{
    *dst = NULL;
    if (src == NULL)
        return TLSP_OK;
    return (*dst = tlsp_strdup(src)) ? TLSP_OK : TLSP_NOMEM;
}

enum tlsp_status
tlsp_cf_service_view(struct tlsp_cf *cf, const char *service, struct tlsp_cf **out,
                     struct tlsp_diag *diag)
{
    const struct cf_service *s;
    struct tlsp_cf *v = NULL;
    enum tlsp_status st;
    size_t i;

    if (out == NULL)
        return TLSP_INVAL;
    *out = NULL;
    if (cf == NULL || service == NULL)
        return TLSP_INVAL;
    if (cf->base != NULL) {
        st = tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                           "a service view cannot be made from another service view");
        return st == TLSP_OK ? TLSP_INVAL : st;
    }
    if ((s = find_service(cf, service, NULL)) == NULL) {
        st = tlsp_diag_add(diag, TLSP_SEV_ERROR, cf->master_path, 0,
                           "no service \"%s\" in master.cf", service);
        return st == TLSP_OK ? TLSP_NOTFOUND : st;
    }
    if (s->daemon_error) {
        st = tlsp_diag_add(diag, TLSP_SEV_FATAL, cf->master_path, s->daemon_error_line, "%s",
                           s->daemon_error);
        return st == TLSP_OK ? TLSP_CONFIG : st;
    }
    cf->frozen = true;
    if ((v = calloc(1, sizeof(*v))) == NULL)
        return TLSP_NOMEM;
    v->base = cf;
    v->view_svc = s;
    v->version = cf->version;
    if (copy_str(&v->dir, cf->dir) != TLSP_OK ||
        copy_str(&v->main_path, cf->main_path) != TLSP_OK ||
        copy_str(&v->master_path, cf->master_path) != TLSP_OK ||
        copy_str(&v->hostname, cf->hostname) != TLSP_OK)
        goto nomem;
    for (i = 0; i < s->n_ov; i++) {
        struct cf_param *p;

        if ((st = entry(v, s->ov_names[i], true, &p)) != TLSP_OK) {
            tlsp_cf_free(v);
            return st;
        }
        if (param_flags(p) & TLSP_CF_DEF_READONLY)
            continue;
        free(p->svc_val);
        if ((p->svc_val = tlsp_strdup(s->ov_values[i])) == NULL)
            goto nomem;
        p->svc_line = s->ov_lines[i];
    }
    *out = v;
    return TLSP_OK;
nomem:
    tlsp_cf_free(v);
    return TLSP_NOMEM;
}

/* ---------------------------------------------------------------------- */
/* Values for callers                                                     */
/* ---------------------------------------------------------------------- */

static void
freeze(struct tlsp_cf *cf)
{
    cf->frozen = true;
    if (cf->base)
        cf->base->frozen = true;
}

enum tlsp_status
tlsp_cf_get(struct tlsp_cf *cf, const char *name, const char **value, struct tlsp_diag *diag)
{
    struct cf_param *p;
    const char *raw;
    char *val = NULL, *msg = NULL;
    enum tlsp_status st;

    if (value == NULL)
        return TLSP_INVAL;
    *value = "";
    if (cf == NULL || name == NULL)
        return TLSP_INVAL;
    freeze(cf);
    if ((st = entry(cf, name, false, &p)) != TLSP_OK)
        return st;
    if (p == NULL)
        return TLSP_OK;
    if (!p->cached) {
        st = effective_value(cf, p, diag, &raw, &msg);
        if (st == TLSP_OK) {
            if (raw == NULL)
                raw = "";
            if (param_flags(p) & TLSP_CF_DEF_RAW) {
                if ((val = tlsp_strdup(raw)) == NULL)
                    st = TLSP_NOMEM;
            } else {
                st = expand_with(cf, raw, lookup_full, macro_error, diag, &val, &msg);
            }
        }
        if (st == TLSP_NOMEM) {
            free(val);
            free(msg);
            return st;
        }
        p->cached = true;
        p->cache_st = st;
        p->cache_val = val;
        p->cache_msg = msg;
        p->cache_sev = severity_of(st);
        if (st != TLSP_OK)
            return tlsp_diag_add(diag, p->cache_sev, NULL, 0, "%s", msg) == TLSP_OK ? st
                                                                                    : TLSP_NOMEM;
        *value = p->cache_val;
        return TLSP_OK;
    }
    if (p->cache_st != TLSP_OK)
        return tlsp_diag_add(diag, p->cache_sev, NULL, 0, "%s", p->cache_msg) == TLSP_OK
                   ? p->cache_st
                   : TLSP_NOMEM;
    *value = p->cache_val;
    return TLSP_OK;
}

enum tlsp_status
tlsp_cf_expand(struct tlsp_cf *cf, const char *text, char **out, struct tlsp_diag *diag)
{
    char *msg = NULL;
    enum tlsp_status st;

    if (out == NULL)
        return TLSP_INVAL;
    *out = NULL;
    if (cf == NULL || text == NULL)
        return TLSP_INVAL;
    freeze(cf);
    st = expand_with(cf, text, lookup_full, macro_error, diag, out, &msg);
    if (st != TLSP_OK && msg != NULL &&
        tlsp_diag_add(diag, severity_of(st), NULL, 0, "%s", msg) != TLSP_OK)
        st = TLSP_NOMEM;
    free(msg);
    return st;
}

const char *
tlsp_cf_raw(const struct tlsp_cf *ccf, const char *name)
{
    /* Host-dependent defaults are computed on first use, even here. */
    struct tlsp_cf *cf = (struct tlsp_cf *)ccf;
    struct cf_param *p;
    const char *val = NULL;
    char *msg = NULL;

    if (cf == NULL || name == NULL || entry(cf, name, false, &p) != TLSP_OK || p == NULL)
        return NULL;
    if (effective_value(cf, p, NULL, &val, &msg) != TLSP_OK)
        val = NULL;
    free(msg);
    return val;
}

void
tlsp_cf_origin(const struct tlsp_cf *cf, const char *name, struct tlsp_cf_origin *o)
{
    const struct cf_param *p;
    const struct cf_service *svc;

    o->source = TLSP_CF_SRC_UNDEFINED;
    o->file = NULL;
    o->line = 0;
    o->service = NULL;
    if (cf == NULL || name == NULL || (p = peek(cf, name)) == NULL)
        return;
    svc = view_service(cf);
    if (param_flags(p) & TLSP_CF_DEF_READONLY) {
        o->source = TLSP_CF_SRC_DEFAULT;
        if (svc && (is_name(p, "process_name") || is_name(p, "service_name"))) {
            o->source = TLSP_CF_SRC_MASTER_CF;
            o->file = root_cf(cf)->master_path;
            o->line = svc->pub.line;
            o->service = svc->name;
        }
    } else if (p->svc_val) {
        o->source = TLSP_CF_SRC_MASTER_CF;
        o->file = root_cf(cf)->master_path;
        o->line = p->svc_line;
        o->service = svc ? svc->name : NULL;
    } else if (p_ovr(p)) {
        o->source = TLSP_CF_SRC_OVERRIDE;
    } else if (p_main(p)) {
        o->source = TLSP_CF_SRC_MAIN_CF;
        o->file = cf->main_path;
        o->line = p_main_line(p);
    } else if (p->builtin || p_svc_default(p)) {
        o->source = TLSP_CF_SRC_DEFAULT;
    }
}

/* ---------------------------------------------------------------------- */
/* Typed getters                                                          */
/* ---------------------------------------------------------------------- */

static enum tlsp_status __attribute__((format(printf, 2, 3)))
fatal(struct tlsp_diag *diag, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_diag_vadd(diag, TLSP_SEV_FATAL, NULL, 0, fmt, ap);
    va_end(ap);
    return st == TLSP_OK ? TLSP_CONFIG : st;
}

enum tlsp_status
tlsp_cf_get_bool(struct tlsp_cf *cf, const char *name, bool *value, struct tlsp_diag *diag)
{
    const char *v;
    enum tlsp_status st;

    if (value == NULL)
        return TLSP_INVAL;
    if ((st = tlsp_cf_get(cf, name, &v, diag)) != TLSP_OK)
        return st;
    if (strcasecmp(v, "yes") == 0)
        *value = true;
    else if (strcasecmp(v, "no") == 0)
        *value = false;
    else
        return fatal(diag, "bad boolean configuration: %s = %s", name, v);
    return TLSP_OK;
}

enum tlsp_status
tlsp_cf_get_int(struct tlsp_cf *cf, const char *name, long *value, struct tlsp_diag *diag)
{
    const char *v;
    char *end;
    long l;
    enum tlsp_status st;

    if (value == NULL)
        return TLSP_INVAL;
    if ((st = tlsp_cf_get(cf, name, &v, diag)) != TLSP_OK)
        return st;
    errno = 0;
    l = strtol(v, &end, 10);
    if (*v == 0 || *end != 0 || errno == ERANGE || l < INT_MIN || l > INT_MAX)
        return fatal(diag, "bad numerical configuration: %s = %s", name, v);
    *value = l;
    return TLSP_OK;
}

enum tlsp_status
tlsp_cf_get_time(struct tlsp_cf *cf, const char *name, char def_unit, long *seconds,
                 struct tlsp_diag *diag)
{
    const char *v;
    char *end;
    long l, unit;
    enum tlsp_status st;

    if (seconds == NULL || def_unit == 0 || strchr("smhdw", def_unit) == NULL)
        return TLSP_INVAL;
    if ((st = tlsp_cf_get(cf, name, &v, diag)) != TLSP_OK)
        return st;
    errno = 0;
    l = strtol(v, &end, 10);
    if (*v == 0 || errno == ERANGE || l < 0 || l > INT_MAX)
        goto bad;
    switch (*end ? *end : def_unit) {
    case 'w':
        unit = 7L * 24 * 3600;
        break;
    case 'd':
        unit = 24L * 3600;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'm':
        unit = 60;
        break;
    case 's':
        unit = 1;
        break;
    default:
        goto bad;
    }
    if (unit > 1 && l >= INT_MAX / unit)
        goto bad;
    *seconds = l * unit;
    return TLSP_OK;
bad:
    return fatal(diag, "parameter %s: bad time value or unit: %s", name, v);
}

/* ---------------------------------------------------------------------- */
/* Small accessors                                                        */
/* ---------------------------------------------------------------------- */

const char *
tlsp_cf_dir(const struct tlsp_cf *cf)
{
    return cf ? cf->dir : NULL;
}

const char *
tlsp_cf_main_cf_path(const struct tlsp_cf *cf)
{
    return cf ? cf->main_path : NULL;
}

const char *
tlsp_cf_master_cf_path(const struct tlsp_cf *cf)
{
    return cf ? cf->master_path : NULL;
}

const struct tlsp_version *
tlsp_cf_version(const struct tlsp_cf *cf)
{
    return cf ? &cf->version : NULL;
}

/* view_names - a view's names: the base's merged with its own, sorted */
static enum tlsp_status
view_names(struct tlsp_cf *cf)
{
    const struct tlsp_cf *b = cf->base;
    size_t i = 0, j = 0, n = 0;
    const char **v;

    if (cf->view_names)
        return TLSP_OK;
    if ((v = calloc(b->n_params + cf->n_params + 1, sizeof(*v))) == NULL)
        return TLSP_NOMEM;
    while (i < b->n_params || j < cf->n_params) {
        int c = i >= b->n_params    ? 1
                : j >= cf->n_params ? -1
                                    : strcmp(b->params[i]->name, cf->params[j]->name);

        if (c <= 0) {
            v[n++] = b->params[i++]->name;
            if (c == 0)
                j++;
        } else {
            v[n++] = cf->params[j++]->name;
        }
    }
    cf->view_names = v;
    cf->n_view_names = n;
    return TLSP_OK;
}

size_t
tlsp_cf_n_names(const struct tlsp_cf *ccf)
{
    struct tlsp_cf *cf = (struct tlsp_cf *)ccf;

    if (cf == NULL)
        return 0;
    if (cf->base == NULL)
        return cf->n_params;
    return view_names(cf) == TLSP_OK ? cf->n_view_names : 0;
}

const char *
tlsp_cf_name_at(const struct tlsp_cf *ccf, size_t i)
{
    struct tlsp_cf *cf = (struct tlsp_cf *)ccf;

    if (cf == NULL)
        return NULL;
    if (cf->base == NULL)
        return i < cf->n_params ? cf->params[i]->name : NULL;
    if (view_names(cf) != TLSP_OK)
        return NULL;
    return i < cf->n_view_names ? cf->view_names[i] : NULL;
}

bool
tlsp_cf_has_default(const struct tlsp_cf *cf, const char *name)
{
    const struct cf_param *p;

    if (cf == NULL || name == NULL || (p = peek(cf, name)) == NULL)
        return false;
    return p->builtin != NULL || p_svc_default(p) != NULL;
}
