/*
 * policy.c - the TLS policy Postfix's SMTP client applies to one next hop
 *
 * The flow follows Postfix's policy_create(): global level, then the
 * policy table (or the obsolete per-site table), then the DANE
 * configuration checks, then defaults for protocols, SNI, ciphers, match
 * lists, fingerprints and trust anchors. Every Postfix warning is kept,
 * with its prefix, in pol->log in the order Postfix writes it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/map.h>
#include <tlspolicy/policy.h>

#include "hostname.h"
#include "idna.h"
#include "maps.h"
#include "match.h"
#include "policy_entry.h"
#include "tlsconf.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strvec.h"

#define PARAM_NAME_MAX 96

struct pctx {
    struct tlsp_cf *cf;
    struct tlsp_policy *pol;
    struct tlsp_diag *diag;
    const struct tlsp_version *ver;
    bool lmtp;
    struct tlsp_strvec log;
    struct tlsp_strvec later;
    struct tlsp_strvec notes;
};

/* ---- small helpers ---------------------------------------------------- */

/* plog - one line Postfix logs, e.g. "warning: ..." */
static enum tlsp_status
plog(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum tlsp_status
plog(struct pctx *c, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_strvec_vpushf(&c->log, fmt, ap);
    va_end(ap);
    return st;
}

/*
 * doom - a valid policy with which every delivery attempt still fails:
 * record what Postfix writes for the first such problem, and the sentence.
 */
static enum tlsp_status
doom(struct pctx *c, const char *dsn, const char *reason, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum tlsp_status
doom(struct pctx *c, const char *dsn, const char *reason, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    if (!c->pol->doomed) {
        c->pol->doomed = true;
        if ((st = tlsp_set_str(&c->pol->doomed_dsn, dsn)) != TLSP_OK ||
            (st = tlsp_set_str(&c->pol->doomed_reason, reason)) != TLSP_OK)
            return st;
    }
    va_start(ap, fmt);
    st = tlsp_strvec_vpushf(&c->later, fmt, ap);
    va_end(ap);
    return st;
}

/* pnote - a remark that may matter at the handshake but need not fail it */
static enum tlsp_status
pnote(struct pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum tlsp_status
pnote(struct pctx *c, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_strvec_vpushf(&c->notes, fmt, ap);
    va_end(ap);
    return st;
}

#define HANDSHAKE_FAILURE "Cannot start TLS: handshake failure"
#define NOT_VERIFIED "Server certificate not verified"

static enum tlsp_status
set_attr(struct tlsp_attr *a, const char *value, enum tlsp_attr_source src, const char *param)
{
    enum tlsp_status st;

    a->source = src;
    if ((st = tlsp_set_str(&a->value, value)) != TLSP_OK)
        return st;
    return tlsp_set_str(&a->param, param);
}

/* MARK_INVALID: Postfix's "4.7.5 client TLS configuration problem". */
static enum tlsp_status
mark_invalid(struct pctx *c, const char *dsn, const char *reason)
{
    enum tlsp_status st;

    c->pol->level = TLSP_LEVEL_INVALID;
    if ((st = tlsp_set_str(&c->pol->dsn, dsn)) != TLSP_OK)
        return st;
    return tlsp_set_str(&c->pol->reason, reason);
}

/*
 * param_name - the smtp_ or lmtp_ name of a parameter. LMTP uses its own
 * twin where Postfix has one (VAR_LMTP_SMTP()), else the smtp_ name.
 */
static const char *
param_name(struct pctx *c, const char *suffix, char *buf, size_t size)
{
    snprintf(buf, size, "%s_%s", c->lmtp ? "lmtp" : "smtp", suffix);
    if (c->lmtp && !tlsp_cf_has_default(c->cf, buf))
        snprintf(buf, size, "smtp_%s", suffix);
    return buf;
}

static enum tlsp_status
getp(struct pctx *c, const char *suffix, const char **value, char *name, size_t size)
{
    return tlsp_cf_get(c->cf, param_name(c, suffix, name, size), value, c->diag);
}

/* ---- start-up checks (smtp.c pre_init()/post_init()) --------------------- */

static const char *const startup_bools[] = {
    "use_tls", "enforce_tls", "tls_enforce_peername", "tls_wrappermode",
    "tls_note_starttls_offer", "tls_force_insecure_host_tlsa_lookup", "tls_connection_reuse",
    "tls_block_early_mail_reply", "cname_overrides_servername", "randomize_addresses",
};

static enum tlsp_status
global_level(struct pctx *c, enum tlsp_level *level, char *param, size_t size)
{
    const char *v;
    enum tlsp_status st;
    bool enforce, peername, use;
    char name[PARAM_NAME_MAX];

    if ((st = getp(c, "tls_security_level", &v, param, size)) != TLSP_OK)
        return st;
    if (*v) {
        if ((*level = tlsp_level_lookup(v)) == TLSP_LEVEL_INVALID) {
            tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0, "Invalid TLS level \"%s\"", v);
            return TLSP_CONFIG;
        }
        return TLSP_OK;
    }
    if ((st = tlsp_cf_get_bool(c->cf, param_name(c, "enforce_tls", name, sizeof(name)),
                               &enforce, c->diag)) != TLSP_OK)
        return st;
    if (enforce) {
        if ((st = tlsp_cf_get_bool(c->cf,
                                   param_name(c, "tls_enforce_peername", name, sizeof(name)),
                                   &peername, c->diag)) != TLSP_OK)
            return st;
        *level = peername ? TLSP_LEVEL_VERIFY : TLSP_LEVEL_ENCRYPT;
        snprintf(param, size, "%s", param_name(c, "enforce_tls", name, sizeof(name)));
        return TLSP_OK;
    }
    if ((st = tlsp_cf_get_bool(c->cf, param_name(c, "use_tls", name, sizeof(name)), &use,
                               c->diag)) != TLSP_OK)
        return st;
    *level = use ? TLSP_LEVEL_MAY : TLSP_LEVEL_NONE;
    snprintf(param, size, "%s", name);
    return TLSP_OK;
}

enum tlsp_status
tlsp_policy_check_startup(struct tlsp_cf *cf, bool lmtp, struct tlsp_diag *diag)
{
    struct pctx c;
    struct tlsp_policy dummy;
    char name[PARAM_NAME_MAX];
    enum tlsp_level level;
    enum tlsp_status st;
    const char *v;
    bool b;
    size_t i;

    memset(&c, 0, sizeof(c));
    memset(&dummy, 0, sizeof(dummy));
    c.cf = cf;
    c.diag = diag;
    c.lmtp = lmtp;
    c.pol = &dummy;
    if ((st = global_level(&c, &level, name, sizeof(name))) != TLSP_OK)
        return st;
    for (i = 0; i < sizeof(startup_bools) / sizeof(startup_bools[0]); i++)
        if ((st = tlsp_cf_get_bool(cf, param_name(&c, startup_bools[i], name, sizeof(name)), &b,
                                   diag)) != TLSP_OK)
            return st;
    if ((st = tlsp_cf_get_bool(cf, "disable_dns_lookups", &b, diag)) != TLSP_OK ||
        (st = tlsp_cf_get_bool(cf, "ignore_mx_lookup_error", &b, diag)) != TLSP_OK)
        return st;
    if ((st = tlsp_cf_get(cf, "smtp_tls_dane_insecure_mx_policy", &v, diag)) != TLSP_OK)
        return st;
    if (!tlsp_strcaseeq(v, "may") && !tlsp_strcaseeq(v, "encrypt") && !tlsp_strcaseeq(v, "dane")) {
        tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0,
                      "invalid smtp_tls_dane_insecure_mx_policy: \"%s\"", v);
        return TLSP_CONFIG;
    }
    return TLSP_OK;
}

/* ---- table lookups ------------------------------------------------------ */

static enum tlsp_status
add_step(struct tlsp_policy *pol, const char *key, const char *table, enum tlsp_status result)
{
    struct tlsp_lookup_step *v;

    v = realloc(pol->steps, (pol->n_steps + 1) * sizeof(*v));
    if (v == NULL)
        return TLSP_NOMEM;
    pol->steps = v;
    v[pol->n_steps].key = tlsp_strdup(key);
    v[pol->n_steps].table = tlsp_strdup(table);
    v[pol->n_steps].result = result;
    if (v[pol->n_steps].key == NULL || v[pol->n_steps].table == NULL) {
        free(v[pol->n_steps].key);
        free(v[pol->n_steps].table);
        return TLSP_NOMEM;
    }
    pol->n_steps++;
    return TLSP_OK;
}

static enum tlsp_status
step_cb(void *ctx, const char *key, const char *table, enum tlsp_status result)
{
    return add_step((struct tlsp_policy *)ctx, key, table, result);
}

/* The flags smtp(8) opens its TLS tables with (smtp_tls_list_init()). */
static unsigned
table_flags(struct pctx *c)
{
    bool utf8 = false;

    if (tlsp_cf_get_bool(c->cf, "smtputf8_enable", &utf8, NULL) != TLSP_OK)
        utf8 = false;
    return TLSP_MAP_FOLD_FIX | (utf8 ? TLSP_MAP_UTF8 : 0);
}

static enum tlsp_status
maps_open(struct pctx *c, const char *title, const char *value, struct tlsp_maps *m)
{
    return tlsp_maps_open(m, title, value, table_flags(c), &c->log, c->diag);
}

static enum tlsp_status
maps_find(struct pctx *c, struct tlsp_maps *m, const char *key, const char **value,
          struct tlsp_map_hit *hit, size_t *which)
{
    return tlsp_maps_find(m, key, false, value, hit, which, step_cb, c->pol, &c->log, c->diag);
}

/* ---- smtp_tls_policy_maps ------------------------------------------------ */

static enum tlsp_status
record_entry(struct pctx *c, struct tlsp_maps *m, size_t which, const char *key, const char *value,
             const struct tlsp_map_hit *hit)
{
    struct tlsp_policy *pol = c->pol;
    enum tlsp_status st;

    if ((st = tlsp_set_str(&pol->entry_table, tlsp_map_spec(m->v[which]))) != TLSP_OK ||
        (st = tlsp_set_str(&pol->entry_key, hit->key ? hit->key : key)) != TLSP_OK ||
        (st = tlsp_set_str(&pol->entry_value, value)) != TLSP_OK ||
        (st = tlsp_set_str(&pol->entry_file, hit->file)) != TLSP_OK)
        return st;
    pol->entry_line = hit->line;
    return TLSP_OK;
}

/*
 * apply_entry - tls_policy_lookup_one() once the table answered.
 */
static enum tlsp_status
apply_entry(struct pctx *c, const char *title, const char *site_class, const char *site_name,
            const char *value, struct tlsp_policy_entry *e, enum tlsp_level *site_level)
{
    enum tlsp_status st;
    size_t i;

    if ((st = tlsp_policy_entry_parse(value, c->ver, e)) != TLSP_OK)
        return st;
    if (e->level == TLSP_LEVEL_INVALID) {
        *site_level = TLSP_LEVEL_INVALID;
        if ((st = plog(c, "warning: %s, %s \"%s\": %s", title, site_class, site_name,
                       e->warning)) != TLSP_OK)
            return st;
        return mark_invalid(c, "4.7.5", "client TLS configuration problem");
    }
    for (i = 0; i < e->ignored.n; i++)
        if ((st = plog(c, "warning: %s, %s \"%s\": ignoring attribute \"%s\" with TLS disabled",
                       title, site_class, site_name, e->ignored.v[i])) != TLSP_OK)
            return st;
    /* tafile= is loaded at lookup time: a bad file invalidates the entry. */
    for (i = 0; i < e->tafiles.n; i++) {
        unsigned n = 0;
        char *warning = NULL;

        st = tlsp_tlsconf_load_tafile(e->tafiles.v[i], &n, &warning);
        if (st == TLSP_INVAL) {
            if (warning)
                st = plog(c, "warning: %s", warning);
            else
                st = TLSP_OK;
            free(warning);
            *site_level = TLSP_LEVEL_INVALID;
            if (st != TLSP_OK)
                return st;
            if ((st = tlsp_diag_add(c->diag, TLSP_SEV_NOTE, e->tafiles.v[i], 0,
                                    "no usable trust anchor in tafile=%s",
                                    e->tafiles.v[i])) != TLSP_OK)
                return st;
            return mark_invalid(c, "4.7.5", "client TLS configuration problem");
        }
        free(warning);
        if (st != TLSP_OK)
            return st;
    }
    *site_level = e->level;
    return TLSP_OK;
}

static enum tlsp_status
policy_table_lookup(struct pctx *c, const char *title, const char *maps_value,
                    struct tlsp_policy_entry *e, enum tlsp_level *site_level)
{
    struct tlsp_policy *pol = c->pol;
    struct tlsp_maps m;
    enum tlsp_status st;
    const char *key = pol->dest;
    bool walk;

    if ((st = maps_open(c, title, maps_value, &m)) != TLSP_OK) {
        tlsp_maps_fini(&m);
        return st;
    }
    /* tls_policy_lookup(): parent keys only for a valid host name */
    walk = tlsp_valid_utf8_hostname((table_flags(c) & TLSP_MAP_UTF8) != 0, pol->dest);
    for (;;) {
        const char *value = NULL;
        struct tlsp_map_hit hit = {NULL, NULL, 0};
        size_t which = 0;

        st = maps_find(c, &m, key, &value, &hit, &which);
        if (st == TLSP_OK) {
            if ((st = record_entry(c, &m, which, key, value, &hit)) != TLSP_OK)
                break;
            st = apply_entry(c, title, "next-hop destination", key, value, e, site_level);
            break;
        }
        if (st == TLSP_RETRY) {
            *site_level = TLSP_LEVEL_INVALID;
            if ((st = plog(c, "warning: %s, next-hop destination \"%s\": policy table lookup error",
                           title, key)) != TLSP_OK)
                break;
            st = mark_invalid(c, "4.7.5", "client TLS configuration problem");
            break;
        }
        if (st != TLSP_NOTFOUND)
            break;
        st = TLSP_OK;
        if (!walk || (key = strchr(key + 1, '.')) == NULL)
            break;
    }
    tlsp_maps_fini(&m);
    return st;
}

/* ---- smtp_tls_per_site (obsolete) ----------------------------------------- */

static enum tlsp_status
site_lookup(struct pctx *c, struct tlsp_maps *m, const char *title, const char *site_name,
            const char *site_class, enum tlsp_level *site_level)
{
    const char *value = NULL;
    struct tlsp_map_hit hit = {NULL, NULL, 0};
    size_t which = 0;
    enum tlsp_status st;

    st = maps_find(c, m, site_name, &value, &hit, &which);
    if (st == TLSP_OK) {
        if (c->pol->entry_table == NULL &&
            (st = record_entry(c, m, which, site_name, value, &hit)) != TLSP_OK)
            return st;
        if (tlsp_strcaseeq(value, "NONE")) {
            if (*site_level <= TLSP_LEVEL_MAY)
                *site_level = TLSP_LEVEL_NONE;
        } else if (tlsp_strcaseeq(value, "MAY")) {
            if (*site_level < TLSP_LEVEL_NONE)
                *site_level = TLSP_LEVEL_MAY;
        } else if (tlsp_strcaseeq(value, "MUST_NOPEERMATCH")) {
            if (*site_level < TLSP_LEVEL_ENCRYPT)
                *site_level = TLSP_LEVEL_ENCRYPT;
        } else if (tlsp_strcaseeq(value, "MUST")) {
            if (*site_level < TLSP_LEVEL_VERIFY)
                *site_level = TLSP_LEVEL_VERIFY;
        } else {
            *site_level = TLSP_LEVEL_INVALID;
            if ((st = plog(c, "warning: %s: unknown TLS policy '%s' for %s %s", title, value,
                           site_class, site_name)) != TLSP_OK)
                return st;
            return mark_invalid(c, "4.7.5", "client TLS configuration problem");
        }
        return TLSP_OK;
    }
    if (st == TLSP_RETRY) {
        *site_level = TLSP_LEVEL_INVALID;
        if ((st = plog(c, "warning: %s: %s \"%s\": per-site table lookup error", title,
                       site_class, site_name)) != TLSP_OK)
            return st;
        return mark_invalid(c, "4.3.0", "Temporary lookup error");
    }
    return st == TLSP_NOTFOUND ? TLSP_OK : st;
}

static enum tlsp_status
per_site_lookup(struct pctx *c, const char *title, const char *value, enum tlsp_level global,
                enum tlsp_level *site_level)
{
    struct tlsp_policy *pol = c->pol;
    struct tlsp_maps m;
    enum tlsp_status st;

    if ((st = maps_open(c, title, value, &m)) != TLSP_OK) {
        tlsp_maps_fini(&m);
        return st;
    }
    st = site_lookup(c, &m, title, pol->dest, "next-hop destination", site_level);
    if (st == TLSP_OK && *site_level != TLSP_LEVEL_INVALID) {
        if (pol->host == NULL)
            pol->per_site_host_pending = true;
        else if (!tlsp_strcaseeq(pol->dest, pol->host))
            st = site_lookup(c, &m, title, pol->host, "server hostname", site_level);
    }
    if (st == TLSP_OK && *site_level == TLSP_LEVEL_MAY && global > TLSP_LEVEL_MAY)
        *site_level = global;
    tlsp_maps_fini(&m);
    return st;
}

/* ---- DANE configuration checks (dane_init() rows that need no DNS) -------- */

static enum tlsp_status
dane_config(struct pctx *c)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX];
    const char *lookup, *support, *resopts;
    bool ign_mx = false, disable_dns = false;
    const char *why = NULL;
    enum tlsp_status st;
    struct tlsp_strvec toks;
    size_t i;
    bool has_dns = false;

    if (pol->port == 0) {
        if ((st = plog(c,
                       "warning: %s: the \"dane\" security level is invalid for delivery via "
                       "unix-domain sockets",
                       pol->dest)) != TLSP_OK)
            return st;
        return mark_invalid(c, "4.7.5", "client TLS configuration problem");
    }
    if ((st = getp(c, "host_lookup", &lookup, name, sizeof(name))) != TLSP_OK ||
        (st = getp(c, "dns_support_level", &support, name, sizeof(name))) != TLSP_OK ||
        (st = getp(c, "dns_resolver_options", &resopts, name, sizeof(name))) != TLSP_OK ||
        (st = tlsp_cf_get_bool(c->cf, "disable_dns_lookups", &disable_dns, c->diag)) !=
            TLSP_OK ||
        (st = tlsp_cf_get_bool(c->cf, "ignore_mx_lookup_error", &ign_mx, c->diag)) != TLSP_OK)
        return st;
    tlsp_strvec_init(&toks);
    if ((st = tlsp_strvec_split(&toks, lookup, ", \t\r\n")) != TLSP_OK) {
        tlsp_strvec_fini(&toks);
        return st;
    }
    for (i = 0; i < toks.n; i++)
        if (tlsp_strcaseeq(toks.v[i], "dns"))
            has_dns = true;
    tlsp_strvec_fini(&toks);
    /* An empty smtp_dns_support_level means "enabled", or "disabled" with
     * disable_dns_lookups = yes: either way not "dnssec". */
    if (!has_dns || !tlsp_strcaseeq(support, "dnssec"))
        why = "configured with dnssec lookups disabled";
    else if (!c->lmtp && ign_mx)
        why = "configured with MX lookup errors ignored";
    if (why == NULL) {
        tlsp_strvec_init(&toks);
        if ((st = tlsp_strvec_split(&toks, resopts, ", \t\r\n")) != TLSP_OK) {
            tlsp_strvec_fini(&toks);
            return st;
        }
        for (i = 0; i < toks.n; i++)
            if (tlsp_strcaseeq(toks.v[i], "res_defnames") || tlsp_strcaseeq(toks.v[i], "res_dnsrch"))
                break;
        if (i < toks.n) {
            tlsp_strvec_fini(&toks);
            if ((st = plog(c, "warning: %s: dns resolver options incompatible with %s TLS",
                           pol->dest, tlsp_level_name(pol->level))) != TLSP_OK)
                return st;
            pol->downgrade = tlsp_aprintf("dns resolver options incompatible with %s TLS",
                                          tlsp_level_name(pol->level));
            if (pol->downgrade == NULL)
                return TLSP_NOMEM;
            goto incompatible;
        }
        tlsp_strvec_fini(&toks);
        pol->dane_needs_dns = true;
        return TLSP_OK;
    }
    if ((st = plog(c, "warning: %s: %s %s", pol->dest, tlsp_level_name(pol->level), why)) !=
        TLSP_OK)
        return st;
    if ((pol->downgrade = tlsp_aprintf("%s %s", tlsp_level_name(pol->level), why)) == NULL)
        return TLSP_NOMEM;
incompatible:
    if (pol->level == TLSP_LEVEL_DANE) {
        pol->level = TLSP_LEVEL_MAY;
        return TLSP_OK;
    }
    return mark_invalid(c, "4.7.5", "client TLS configuration problem");
}

/* ---- reference names (add_namechecks()) ----------------------------------- */

static enum tlsp_status
build_refnames(struct pctx *c)
{
    struct tlsp_policy *pol = c->pol;

    return tlsp_match_refs(pol->match_elems, pol->n_match_elems, pol->nexthop, pol->host,
                           &pol->refs, &pol->n_refs);
}

/* ---- defaults (policy_create() after the lookup) -------------------------- */

static enum tlsp_status
fill_ciphers(struct pctx *c)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX], name2[PARAM_NAME_MAX];
    const char *v, *mand_excl = "", *also = "";
    enum tlsp_status st;
    struct tlsp_buf b;
    const char *grade_param;
    const char *grade_list = NULL;
    char *problem = NULL;

    if (pol->ciphers.value == NULL) {
        const char *suffix = pol->level == TLSP_LEVEL_MAY ? "tls_ciphers" : "tls_mandatory_ciphers";

        if ((st = getp(c, suffix, &v, name, sizeof(name))) != TLSP_OK ||
            (st = set_attr(&pol->ciphers, v, TLSP_ATTR_PARAM, name)) != TLSP_OK)
            return st;
    }
    if (pol->level == TLSP_LEVEL_ENCRYPT) {
        also = "eNULL";
    } else if (pol->level > TLSP_LEVEL_ENCRYPT) {
        also = "aNULL";
    }
    if (pol->level >= TLSP_LEVEL_ENCRYPT &&
        (st = getp(c, "tls_mandatory_exclude_ciphers", &mand_excl, name2, sizeof(name2))) !=
            TLSP_OK)
        return st;
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if (pol->exclude.value == NULL) {
        if ((st = getp(c, "tls_exclude_ciphers", &v, name, sizeof(name))) != TLSP_OK)
            goto out;
        if (*v && (st = tlsp_buf_puts(&b, v)) != TLSP_OK)
            goto out;
        if (*mand_excl &&
            (st = tlsp_buf_printf(&b, "%s%s", b.len ? " " : "", mand_excl)) != TLSP_OK)
            goto out;
        if (pol->level >= TLSP_LEVEL_ENCRYPT && *mand_excl && *v) {
            char both[2 * PARAM_NAME_MAX + 8];

            snprintf(both, sizeof(both), "%s + %s", name, name2);
            st = set_attr(&pol->exclude, tlsp_buf_str(&b), TLSP_ATTR_PARAM, both);
        } else {
            st = set_attr(&pol->exclude, tlsp_buf_str(&b), TLSP_ATTR_PARAM,
                          (pol->level >= TLSP_LEVEL_ENCRYPT && *mand_excl) ? name2 : name);
        }
        if (st != TLSP_OK)
            goto out;
    } else if ((st = tlsp_buf_puts(&b, pol->exclude.value)) != TLSP_OK) {
        goto out;
    }
    if (*also && (st = tlsp_buf_printf(&b, "%s%s", b.len ? " " : "", also)) != TLSP_OK)
        goto out;
    if ((st = tlsp_set_str(&pol->exclusions, tlsp_buf_str(&b))) != TLSP_OK)
        goto out;
    if ((grade_param = tlsp_tlsconf_grade_param(pol->ciphers.value)) != NULL &&
        (st = tlsp_cf_get(c->cf, grade_param, &grade_list, c->diag)) != TLSP_OK)
        goto out;
    st = tlsp_tlsconf_cipherlist(pol->ciphers.value, grade_list, pol->exclusions,
                                 &pol->cipherlist, &problem);
    if (st == TLSP_INVAL) {
        st = doom(c, "4.7.5", HANDSHAKE_FAILURE,
                  "after STARTTLS Postfix logs \"warning: HOST[ADDR]:PORT: %s\" and gives up: "
                  "dsn=4.7.5 (" HANDSHAKE_FAILURE ")",
                  problem);
        free(problem);
    }
out:
    tlsp_buf_fini(&b);
    return st;
}

static enum tlsp_status
fill_protocols(struct pctx *c)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX];
    const char *v;
    enum tlsp_status st;
    char *problem = NULL;

    if (pol->protocols.value == NULL) {
        const char *suffix =
            pol->level == TLSP_LEVEL_MAY ? "tls_protocols" : "tls_mandatory_protocols";

        if ((st = getp(c, suffix, &v, name, sizeof(name))) != TLSP_OK ||
            (st = set_attr(&pol->protocols, v, TLSP_ATTR_PARAM, name)) != TLSP_OK)
            return st;
    }
    /* Postfix raises the OpenSSL security level to 1 at the levels that
     * check certificates; OpenSSL 3 allows TLS 1.0 and 1.1 at level 0 only. */
    st = tlsp_tlsconf_protocols(pol->protocols.value, tlsp_level_must_match(pol->level),
                                &pol->protocols_text, &problem);
    if (st == TLSP_INVAL) {
        st = doom(c, "4.7.5", HANDSHAKE_FAILURE,
                  "after STARTTLS Postfix logs \"warning: HOST[ADDR]:PORT: %s\": dsn=4.7.5 "
                  "(" HANDSHAKE_FAILURE ")",
                  problem);
        free(problem);
    } else if (st == TLSP_OK && strncmp(pol->protocols_text, "no TLS version", 14) == 0) {
        st = doom(c, "4.7.5", HANDSHAKE_FAILURE,
                  "the protocol list leaves no TLS version OpenSSL can use: every handshake "
                  "fails, dsn=4.7.5 (" HANDSHAKE_FAILURE ")");
    }
    return st;
}

static enum tlsp_status
fill_sni(struct pctx *c)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX];
    const char *v;
    enum tlsp_status st;

    if (pol->servername.value != NULL)
        return TLSP_OK;
    if ((st = getp(c, "tls_servername", &v, name, sizeof(name))) != TLSP_OK)
        return st;
    if (*v && !tlsp_valid_hostname(v)) {
        if ((st = plog(c, "warning: \"%s = %s\" specifies an invalid hostname", name, v)) !=
            TLSP_OK)
            return st;
        return mark_invalid(c, "4.7.5", "client TLS configuration problem");
    }
    return set_attr(&pol->servername, v, TLSP_ATTR_PARAM, name);
}

static enum tlsp_status
fill_fingerprints(struct pctx *c, struct tlsp_policy_entry *e)
{
    struct tlsp_policy *pol = c->pol;
    struct tlsp_strvec good, warnings;
    char name[PARAM_NAME_MAX];
    const char *v, *digest;
    enum tlsp_status st;
    struct tlsp_cf_origin o;
    const char *compat;
    size_t i;

    tlsp_strvec_init(&good);
    tlsp_strvec_init(&warnings);
    if ((st = getp(c, "tls_fingerprint_digest", &digest, name, sizeof(name))) != TLSP_OK ||
        (st = tlsp_set_str(&pol->fingerprint_digest, digest)) != TLSP_OK)
        goto out;
    /* Postfix notes the compatibility default when it parses fingerprints. */
    tlsp_cf_origin(c->cf, name, &o);
    if (o.source == TLSP_CF_SRC_DEFAULT &&
        tlsp_cf_get(c->cf, "compatibility_level", &compat, c->diag) == TLSP_OK &&
        strcmp(digest, "md5") == 0 &&
        (st = plog(c,
                   "using backwards-compatible default setting %s=md5 to compute certificate "
                   "fingerprints",
                   name)) != TLSP_OK)
        goto out;
    if (e->match.n > 0) {
        for (i = 0; i < e->match.n && st == TLSP_OK; i++)
            st = tlsp_tlsconf_fingerprints(e->match.v[i], "", &good, &warnings);
    } else {
        if ((st = getp(c, "tls_fingerprint_cert_match", &v, name, sizeof(name))) != TLSP_OK)
            goto out;
        st = tlsp_tlsconf_fingerprints(v, TLSP_COMMA_SP, &good, &warnings);
    }
    if (st != TLSP_OK)
        goto out;
    for (i = 0; i < warnings.n; i++)
        if ((st = plog(c, "warning: %s", warnings.v[i])) != TLSP_OK)
            goto out;
    if (good.n == 0) {
        if ((st = plog(c,
                       "warning: nexthop domain %s: configured at fingerprint security level, "
                       "but with no fingerprints to match.",
                       pol->dest)) != TLSP_OK)
            goto out;
        st = mark_invalid(c, "4.7.5", "client TLS configuration problem");
        goto out;
    }
    {
        unsigned want = tlsp_tlsconf_digest_len(digest);
        size_t unusable = 0;

        for (i = 0; i < good.n; i++) {
            const char *p;
            unsigned hex = 0;

            for (p = good.v[i]; *p; p++)
                if (*p != ':')
                    hex++;
            if (want != 0 && hex / 2 == want)
                continue;
            unusable++;
            if ((st = pnote(c,
                            "fingerprint %s is not a %s digest (%u bytes): at the handshake "
                            "Postfix drops it as \"unusable TLSA RR: 3 1 255 ...\"",
                            good.v[i], digest, want)) != TLSP_OK)
                goto out;
        }
        if (unusable == good.n &&
            (st = doom(c, "4.7.5", NOT_VERIFIED,
                       "no fingerprint is a %s digest: Postfix logs \"all fingerprints "
                       "unusable\", verification fails, dsn=4.7.5 (" NOT_VERIFIED ")",
                       digest)) != TLSP_OK)
            goto out;
    }
    st = tlsp_strvec_release(&good, &pol->fingerprints, &pol->n_fingerprints);
out:
    tlsp_strvec_fini(&good);
    tlsp_strvec_fini(&warnings);
    return st;
}

static enum tlsp_status
fill_match(struct pctx *c, struct tlsp_policy_entry *e)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX];
    const char *v;
    struct tlsp_strvec elems;
    enum tlsp_status st;
    size_t i;

    tlsp_strvec_init(&elems);
    if (e->match.n > 0) {
        struct tlsp_buf b;

        tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
        for (i = 0; i < e->match.n; i++)
            if ((st = tlsp_strvec_push(&elems, e->match.v[i])) != TLSP_OK ||
                (st = tlsp_buf_printf(&b, "%s%s", i ? ":" : "", e->match.v[i])) != TLSP_OK) {
                tlsp_buf_fini(&b);
                goto out;
            }
        st = set_attr(&pol->match, tlsp_buf_str(&b), TLSP_ATTR_TABLE, NULL);
        tlsp_buf_fini(&b);
    } else {
        const char *suffix = pol->level == TLSP_LEVEL_VERIFY ? "tls_verify_cert_match"
                                                             : "tls_secure_cert_match";

        if ((st = getp(c, suffix, &v, name, sizeof(name))) != TLSP_OK ||
            (st = tlsp_match_split(v, false, &elems)) != TLSP_OK)
            goto out;
        st = set_attr(&pol->match, v, TLSP_ATTR_PARAM, name);
    }
    if (st != TLSP_OK ||
        (st = tlsp_strvec_release(&elems, &pol->match_elems, &pol->n_match_elems)) != TLSP_OK)
        goto out;
    st = build_refnames(c);
out:
    tlsp_strvec_fini(&elems);
    return st;
}

static enum tlsp_status
fill_tafiles(struct pctx *c, struct tlsp_policy_entry *e)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX];
    const char *v;
    enum tlsp_status st;
    struct tlsp_strvec files;
    size_t i;

    if (e->tafiles.n > 0) {
        struct tlsp_buf b;

        tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
        for (i = 0; i < e->tafiles.n; i++)
            if ((st = tlsp_buf_printf(&b, "%s%s", i ? " " : "", e->tafiles.v[i])) != TLSP_OK) {
                tlsp_buf_fini(&b);
                return st;
            }
        st = set_attr(&pol->tafile, tlsp_buf_str(&b), TLSP_ATTR_TABLE, NULL);
        tlsp_buf_fini(&b);
        return st;
    }
    if ((st = getp(c, "tls_trust_anchor_file", &v, name, sizeof(name))) != TLSP_OK)
        return st;
    if (*v == 0)
        return TLSP_OK;
    if ((st = set_attr(&pol->tafile, v, TLSP_ATTR_PARAM, name)) != TLSP_OK)
        return st;
    /* load_tas(): each file in turn, stopping at the first failure. */
    tlsp_strvec_init(&files);
    if ((st = tlsp_strvec_split(&files, v, TLSP_COMMA_SP)) != TLSP_OK)
        goto out;
    for (i = 0; i < files.n; i++) {
        unsigned n = 0;
        char *warning = NULL;

        st = tlsp_tlsconf_load_tafile(files.v[i], &n, &warning);
        if (st == TLSP_INVAL) {
            st = warning ? plog(c, "warning: %s", warning) : TLSP_OK;
            free(warning);
            if (st == TLSP_OK)
                st = mark_invalid(c, "4.7.5", "client TLS configuration problem");
            goto out;
        }
        free(warning);
        if (st != TLSP_OK)
            goto out;
    }
out:
    tlsp_strvec_fini(&files);
    return st;
}

/*
 * check_verifiable - verify/secure: whether anything can be trusted and any
 * reference name can match, before any server is asked.
 */
static enum tlsp_status
check_verifiable(struct pctx *c)
{
    struct tlsp_policy *pol = c->pol;
    char name[PARAM_NAME_MAX], name2[PARAM_NAME_MAX];
    const char *cafile = "", *capath = "";
    enum tlsp_status st;
    size_t i, usable = 0, ips = 0, hosts = 0;

    if (pol->tafile.value == NULL || *pol->tafile.value == 0) {
        if ((st = getp(c, "tls_CAfile", &cafile, name, sizeof(name))) != TLSP_OK ||
            (st = getp(c, "tls_CApath", &capath, name2, sizeof(name2))) != TLSP_OK)
            return st;
        if (*cafile == 0 && *capath == 0 &&
            (st = doom(c, "4.7.5", NOT_VERIFIED,
                       "neither %s nor %s is set: Postfix then trusts no CA at all (not even "
                       "OpenSSL's default store), no chain verifies, dsn=4.7.5 (" NOT_VERIFIED
                       ")",
                       name, name2)) != TLSP_OK)
            return st;
    }
    for (i = 0; i < pol->n_refs; i++) {
        const struct tlsp_refname *r = &pol->refs[i];

        if (r->skipped)
            continue;
        usable++;
        if (r->ip)
            ips++;
        else if (r->name)
            hosts++;
    }
    if (usable == 0)
        return doom(c, "4.7.5", NOT_VERIFIED,
                    "no usable match name: Postfix logs \"warning: HOST[ADDR]:PORT: could not "
                    "configure peer name checks\" and verification fails, dsn=4.7.5 ("
                    NOT_VERIFIED ")");
    if (ips > 0 && hosts > 0)
        return pnote(c, "the match list mixes an IP address with host names: OpenSSL then "
                        "requires the certificate to match both (an iPAddress name and a DNS "
                        "name), which certificates practically never do");
    return TLSP_OK;
}

/* ---- request parsing -------------------------------------------------------- */

static enum tlsp_status
parse_request(struct pctx *c, const struct tlsp_policy_request *req)
{
    struct tlsp_policy *pol = c->pol;
    const char *dest = req->dest;
    struct tlsp_nexthop nh;
    enum tlsp_status st;
    const char *myhostname;

    if (dest == NULL || *dest == 0) {
        tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0, "empty next-hop destination");
        return TLSP_INVAL;
    }
    if ((st = tlsp_set_str(&pol->service, req->service ? req->service : (req->lmtp ? "lmtp" : "smtp"))) !=
            TLSP_OK ||
        (st = tlsp_set_str(&pol->host, req->host)) != TLSP_OK)
        return st;
    pol->prefix = req->lmtp ? "lmtp" : "smtp";
    if (req->lmtp && strncmp(dest, "unix:", 5) == 0) {
        /* smtp_connect_local(): the socket path is the destination. */
        if ((st = tlsp_cf_get(c->cf, "myhostname", &myhostname, c->diag)) != TLSP_OK ||
            (st = tlsp_set_str(&pol->dest, dest + 5)) != TLSP_OK ||
            (st = tlsp_set_str(&pol->nexthop, myhostname)) != TLSP_OK)
            return st;
        pol->port = 0;
        if (pol->host == NULL)
            return tlsp_set_str(&pol->host, myhostname);
        return TLSP_OK;
    }
    if (req->lmtp && strncmp(dest, "inet:", 5) == 0)
        dest += 5;
    if ((st = tlsp_set_str(&pol->dest, dest)) != TLSP_OK)
        return st;
    if ((st = tlsp_nexthop_split(dest, &nh)) != TLSP_OK) {
        if (st == TLSP_INVAL)
            tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0,
                          "malformed next-hop destination \"%s\"", dest);
        return st;
    }
    st = tlsp_set_str(&pol->nexthop, nh.host);
    pol->port = req->lmtp ? 24 : 25;
    if (nh.port) {
        const char *known;
        int p;

        if (tlsp_cf_get(c->cf, "known_tcp_ports", &known, NULL) != TLSP_OK)
            known = "";
        if ((p = tlsp_service_port(nh.port, known)) > 0)
            pol->port = (unsigned)p;
    }
    if (st == TLSP_OK && pol->host == NULL && nh.bracket)
        st = tlsp_set_str(&pol->host, nh.host);
    /* LMTP and bracketed next hops use address records only. */
    pol->mx_lookup = !nh.bracket && !req->lmtp;
    tlsp_nexthop_fini(&nh);
    return st;
}

/* ---- the whole thing -------------------------------------------------------- */

static void
attr_fini(struct tlsp_attr *a)
{
    free(a->value);
    free(a->param);
}

void
tlsp_policy_fini(struct tlsp_policy *pol)
{
    size_t i;

    free(pol->dest);
    free(pol->nexthop);
    free(pol->host);
    free(pol->service);
    free(pol->global_param);
    free(pol->maps_param);
    free(pol->maps_value);
    for (i = 0; i < pol->n_steps; i++) {
        free(pol->steps[i].key);
        free(pol->steps[i].table);
    }
    free(pol->steps);
    free(pol->entry_table);
    free(pol->entry_key);
    free(pol->entry_value);
    free(pol->entry_file);
    attr_fini(&pol->ciphers);
    attr_fini(&pol->protocols);
    attr_fini(&pol->exclude);
    attr_fini(&pol->servername);
    attr_fini(&pol->connection_reuse);
    attr_fini(&pol->match);
    attr_fini(&pol->tafile);
    free(pol->exclusions);
    free(pol->cipherlist);
    free(pol->protocols_text);
    tlsp_strarr_free(pol->match_elems, pol->n_match_elems);
    tlsp_match_free_refs(pol->refs, pol->n_refs);
    tlsp_strarr_free(pol->fingerprints, pol->n_fingerprints);
    free(pol->fingerprint_digest);
    free(pol->dsn);
    free(pol->reason);
    tlsp_strarr_free(pol->log, pol->n_log);
    tlsp_strarr_free(pol->later, pol->n_later);
    tlsp_strarr_free(pol->notes, pol->n_notes);
    tlsp_strarr_free(pol->other_attrs, pol->n_other_attrs);
    free(pol->downgrade);
    free(pol->doomed_dsn);
    free(pol->doomed_reason);
    memset(pol, 0, sizeof(*pol));
}

static enum tlsp_status
apply_attributes(struct pctx *c, struct tlsp_policy_entry *e)
{
    struct tlsp_policy *pol = c->pol;
    enum tlsp_status st = TLSP_OK;

    if (e->ciphers)
        st = set_attr(&pol->ciphers, e->ciphers, TLSP_ATTR_TABLE, NULL);
    if (st == TLSP_OK && e->protocols)
        st = set_attr(&pol->protocols, e->protocols, TLSP_ATTR_TABLE, NULL);
    if (st == TLSP_OK && e->exclude)
        st = set_attr(&pol->exclude, e->exclude, TLSP_ATTR_TABLE, NULL);
    if (st == TLSP_OK && e->servername)
        st = set_attr(&pol->servername, e->servername, TLSP_ATTR_TABLE, NULL);
    if (st == TLSP_OK && e->connection_reuse >= 0)
        st = set_attr(&pol->connection_reuse, e->connection_reuse ? "yes" : "no",
                      TLSP_ATTR_TABLE, NULL);
    return st;
}

enum tlsp_status
tlsp_policy_resolve(struct tlsp_cf *cf, const struct tlsp_policy_request *req,
                    struct tlsp_policy *pol, struct tlsp_diag *diag)
{
    struct pctx c;
    struct tlsp_policy_entry e;
    enum tlsp_status st;
    enum tlsp_level site_level = TLSP_LEVEL_NOTFOUND;
    char name[PARAM_NAME_MAX], param[PARAM_NAME_MAX];
    const char *maps_value, *per_site;

    memset(pol, 0, sizeof(*pol));
    memset(&c, 0, sizeof(c));
    c.cf = cf;
    c.pol = pol;
    c.diag = diag;
    c.ver = tlsp_cf_version(cf);
    c.lmtp = req->lmtp;
    tlsp_strvec_init(&c.log);
    tlsp_strvec_init(&c.later);
    tlsp_strvec_init(&c.notes);
    tlsp_policy_entry_init(&e);
    pol->table_level = TLSP_LEVEL_NOTFOUND;

    if ((st = parse_request(&c, req)) != TLSP_OK)
        goto out;
    if ((st = tlsp_policy_check_startup(cf, req->lmtp, diag)) != TLSP_OK)
        goto out;
    param[0] = 0;
    if ((st = global_level(&c, &pol->global_level, param, sizeof(param))) != TLSP_OK)
        goto out;
    if ((st = tlsp_set_str(&pol->global_param, param[0] ? param : NULL)) != TLSP_OK)
        goto out;
    pol->level = pol->global_level;
    pol->level_source = TLSP_LEVSRC_GLOBAL;

    if ((st = getp(&c, "tls_policy_maps", &maps_value, name, sizeof(name))) != TLSP_OK)
        goto out;
    if ((st = getp(&c, "tls_per_site", &per_site, param, sizeof(param))) != TLSP_OK)
        goto out;
    if (*maps_value && *per_site &&
        (st = plog(&c, "warning: %s ignored when %s is not empty.", param, name)) != TLSP_OK)
        goto out;
    if (*maps_value) {
        if ((st = tlsp_set_str(&pol->maps_param, name)) != TLSP_OK ||
            (st = tlsp_set_str(&pol->maps_value, maps_value)) != TLSP_OK ||
            (st = policy_table_lookup(&c, name, maps_value, &e, &site_level)) != TLSP_OK)
            goto out;
    } else if (*per_site) {
        if ((st = tlsp_set_str(&pol->maps_param, param)) != TLSP_OK ||
            (st = tlsp_set_str(&pol->maps_value, per_site)) != TLSP_OK ||
            (st = per_site_lookup(&c, param, per_site, pol->global_level, &site_level)) !=
                TLSP_OK)
            goto out;
    }
    if (site_level == TLSP_LEVEL_INVALID)
        goto out;
    if (site_level != TLSP_LEVEL_NOTFOUND) {
        pol->level = site_level;
        pol->table_level = site_level;
        pol->level_source = *maps_value ? TLSP_LEVSRC_TABLE : TLSP_LEVSRC_PER_SITE;
    }
    if (*maps_value && (st = apply_attributes(&c, &e)) != TLSP_OK)
        goto out;

    /* smtp_connect_local(): "may" is downgraded over a unix-domain socket. */
    if (pol->port == 0 && pol->level == TLSP_LEVEL_MAY) {
        if ((st = plog(&c, "warning: smtp_connect_local: opportunistic TLS encryption is not "
                           "appropriate for unix-domain destinations.")) != TLSP_OK)
            goto out;
        pol->level = TLSP_LEVEL_NONE;
    }
    if (tlsp_level_dane_based(pol->level)) {
        if ((st = dane_config(&c)) != TLSP_OK || pol->level == TLSP_LEVEL_INVALID)
            goto out;
    }
    if (pol->level > TLSP_LEVEL_NONE) {
        if ((st = fill_protocols(&c)) != TLSP_OK || (st = fill_sni(&c)) != TLSP_OK)
            goto out;
        if (pol->level == TLSP_LEVEL_INVALID)
            goto out;
        if ((st = fill_ciphers(&c)) != TLSP_OK)
            goto out;
    }
    if (pol->level < TLSP_LEVEL_ENCRYPT && pol->level >= TLSP_LEVEL_NONE) {
        bool wrapper = false;

        if ((st = tlsp_cf_get_bool(cf, param_name(&c, "tls_wrappermode", name, sizeof(name)),
                                   &wrapper, diag)) != TLSP_OK)
            goto out;
        if (wrapper &&
            (st = doom(&c, "4.3.0", "server unavailable or unable to receive mail",
                       "%s = yes needs level encrypt or stronger: Postfix skips every server "
                       "(\"warning: smtp_tls_wrappermode requires \"smtp_tls_security_level = "
                       "encrypt\" (or stronger)\") and defers the mail: dsn=4.3.0, relay=none "
                       "(server unavailable or unable to receive mail)",
                       name)) != TLSP_OK)
            goto out;
    }
    if (pol->port == 465 && pol->level > TLSP_LEVEL_NONE) {
        bool wrapper = false;

        if ((st = tlsp_cf_get_bool(cf, param_name(&c, "tls_wrappermode", name, sizeof(name)),
                                   &wrapper, diag)) != TLSP_OK)
            goto out;
        if (!wrapper &&
            (st = pnote(&c, "port 465 is SMTPS: Postfix logs \"SMTPS wrappermode (TCP port 465) "
                            "requires setting \"smtp_tls_wrappermode = yes\", and "
                            "\"smtp_tls_security_level = encrypt\" (or stronger)\" and waits for "
                            "a greeting the server does not send")) != TLSP_OK)
            goto out;
    }
    switch (pol->level) {
    case TLSP_LEVEL_FINGERPRINT:
        st = fill_fingerprints(&c, &e);
        break;
    case TLSP_LEVEL_VERIFY:
    case TLSP_LEVEL_SECURE:
        if ((st = fill_match(&c, &e)) == TLSP_OK)
            st = fill_tafiles(&c, &e);
        if (st == TLSP_OK && pol->level != TLSP_LEVEL_INVALID)
            st = check_verifiable(&c);
        break;
    default:
        break;
    }
out:
    if (st == TLSP_OK || st == TLSP_CONFIG) {
        enum tlsp_status st2 = tlsp_strvec_release(&c.log, &pol->log, &pol->n_log);

        if (st2 == TLSP_OK)
            st2 = tlsp_strvec_release(&c.later, &pol->later, &pol->n_later);
        if (st2 == TLSP_OK)
            st2 = tlsp_strvec_release(&c.notes, &pol->notes, &pol->n_notes);
        if (st2 == TLSP_OK)
            st2 = tlsp_strvec_release(&e.other, &pol->other_attrs, &pol->n_other_attrs);
        if (st2 != TLSP_OK)
            st = st2;
    }
    tlsp_strvec_fini(&c.log);
    tlsp_strvec_fini(&c.later);
    tlsp_strvec_fini(&c.notes);
    tlsp_policy_entry_fini(&e);
    return st;
}

enum tlsp_status
tlsp_policy_parse_entry(const char *value, const char *dest, const struct tlsp_version *version,
                        enum tlsp_level *level, char **warning)
{
    struct tlsp_policy_entry e;
    enum tlsp_status st;

    (void)dest;
    if (warning)
        *warning = NULL;
    tlsp_policy_entry_init(&e);
    st = tlsp_policy_entry_parse(value, version ? version : &tlsp_version_default, &e);
    if (st == TLSP_OK) {
        *level = e.level;
        if (warning && e.warning) {
            *warning = e.warning;
            e.warning = NULL;
        }
    }
    tlsp_policy_entry_fini(&e);
    return st;
}
