/*
 * route.c - from a recipient or next hop to the delivery Postfix makes
 *
 * resolve_addr() of trivial-rewrite decides the address class and the
 * default transport and next hop; transport_maps may override both; the
 * queue manager puts a content filter first. Domain lists follow Postfix's match_list rules: "!"
 * negation, "/file/name" patterns, "type:table" lookups, ".domain"
 * sub-domain patterns, and parent_domain_matches_subdomains.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/map.h>
#include <tlspolicy/route.h>

#include "hostname.h"
#include "maps.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strvec.h"

#define PATTERN_FILE_LIMIT ((size_t)16 << 20)

struct rctx {
    struct tlsp_cf *cf;
    struct tlsp_diag *diag;
    struct tlsp_route *rt;
};

static enum tlsp_status
set_owned(char **dst, char *src)
{
    free(*dst);
    *dst = src;
    return src ? TLSP_OK : TLSP_NOMEM;
}

const char *
tlsp_addr_class_name(enum tlsp_addr_class c)
{
    switch (c) {
    case TLSP_CLASS_NONE:
        return "explicit next hop";
    case TLSP_CLASS_LOCAL:
        return "local";
    case TLSP_CLASS_ALIAS:
        return "virtual alias";
    case TLSP_CLASS_VIRTUAL:
        return "virtual mailbox";
    case TLSP_CLASS_RELAY:
        return "relay";
    case TLSP_CLASS_DEFAULT:
        return "default";
    }
    return "unknown";
}

/* ---- parent_domain_matches_subdomains ------------------------------------ */

static enum tlsp_status
parent_style(struct rctx *c, const char *param, bool *parent)
{
    const char *v;
    struct tlsp_strvec sv;
    enum tlsp_status st;

    *parent = false;
    if ((st = tlsp_cf_get(c->cf, "parent_domain_matches_subdomains", &v, c->diag)) != TLSP_OK)
        return st;
    tlsp_strvec_init(&sv);
    if ((st = tlsp_strvec_split(&sv, v, TLSP_COMMA_SP)) == TLSP_OK)
        *parent = tlsp_strvec_find(&sv, param) >= 0;
    tlsp_strvec_fini(&sv);
    return st;
}

/* ---- domain and string lists (match_list) -------------------------------- */

enum list_style {
    LIST_HOSTNAME, /* domain_list: match_hostname() */
    LIST_STRING,   /* string_list: match_string() */
};

/*
 * table_match - a "type:name" pattern: the name itself, then (domain lists)
 * its parent domains, ".parent" unless parent style.
 * Returns TLSP_OK (matched set), TLSP_RETRY (lookup error, warned).
 */
static enum tlsp_status
table_match(struct rctx *c, const char *param, const char *spec, enum list_style style,
            bool parent, const char *name, bool *matched, char **why)
{
    struct tlsp_map *m = NULL;
    struct tlsp_diag d;
    enum tlsp_status st;
    const char *key = name;

    *matched = false;
    tlsp_diag_init(&d);
    st = tlsp_map_open(spec, TLSP_MAP_FOLD_FIX, &m, &d);
    if (st == TLSP_INVAL) {
        tlsp_diag_fini(&d);
        return tlsp_diag_add(c->diag, TLSP_SEV_WARNING, NULL, 0,
                             "%s: ignoring pattern \"%s\": not type:name", param, spec);
    }
    if (st != TLSP_OK)
        goto out;
    if (!tlsp_map_is_available(m, NULL)) {
        size_t i;

        for (i = 0; i < d.n_msgs; i++)
            tlsp_diag_add(c->diag, TLSP_SEV_WARNING, d.msgs[i].file, d.msgs[i].line, "%s",
                          d.msgs[i].text);
        st = tlsp_diag_add(c->diag, TLSP_SEV_NOTE, NULL, 0,
                           "%s: %s cannot be read; tlspolicy counts it as empty, but Postfix's "
                           "trivial-rewrite fails the lookup (\"%s lookup failure\") and defers "
                           "the mail with dsn=4.3.0 (address resolver failure)",
                           param, spec, param);
        goto out;
    }
    for (;;) {
        const char *value;
        struct tlsp_diag ld;

        tlsp_diag_init(&ld);
        st = tlsp_map_lookup(m, key, &value, NULL, &ld);
        tlsp_diag_fini(&ld);
        if (st == TLSP_OK) {
            *matched = true;
            st = set_owned(why, tlsp_aprintf("%s lists %s (as \"%s\" in %s)", param, name, key,
                                            spec));
            goto out;
        }
        if (st == TLSP_RETRY) {
            st = tlsp_diag_add(c->diag, TLSP_SEV_WARNING, NULL, 0, "%s lookup failure", param);
            if (st == TLSP_OK)
                st = TLSP_RETRY;
            goto out;
        }
        if (st != TLSP_NOTFOUND || style == LIST_STRING)
            break;
        if ((key = strchr(key + 1, '.')) == NULL)
            break;
        if (parent)
            key++;
    }
    st = TLSP_OK;
out:
    tlsp_diag_fini(&d);
    tlsp_map_free(m);
    return st;
}

static bool
hostname_match(const char *pattern, const char *name, bool parent)
{
    size_t pl = strlen(pattern), nl = strlen(name);

    if (tlsp_strcaseeq(pattern, name))
        return true;
    if (*pattern == '.' && nl > pl && tlsp_strcaseeq(name + nl - pl, pattern))
        return true;
    if (parent && *pattern != '.' && nl > pl + 1 && name[nl - pl - 1] == '.' &&
        tlsp_strcaseeq(name + nl - pl, pattern))
        return true;
    return false;
}

static enum tlsp_status list_match_patterns(struct rctx *c, const char *param,
                                            struct tlsp_strvec *pats, enum list_style style,
                                            bool parent, const char *name, int depth,
                                            int *verdict, char **why);

/* file_patterns - a "/file/name" pattern: its words are patterns. */
static enum tlsp_status
file_patterns(struct rctx *c, const char *param, const char *path, enum list_style style,
              bool parent, const char *name, int depth, int *verdict, char **why)
{
    char *data = NULL;
    size_t len = 0;
    enum tlsp_status st;
    struct tlsp_strvec pats;
    char *line, *save = NULL;

    st = tlsp_read_file(path, PATTERN_FILE_LIMIT, &data, &len);
    if (st == TLSP_IO || st == TLSP_LIMIT) {
        const char *err = st == TLSP_LIMIT ? "file too large" : strerror(errno);

        st = tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0, "open file %s: %s", path, err);
        if (st == TLSP_OK)
            st = tlsp_diag_add(c->diag, TLSP_SEV_NOTE, NULL, 0,
                               "%s: tlspolicy counts %s as empty, but Postfix's trivial-rewrite "
                               "fails the lookup (\"%s lookup failure\") and defers the mail "
                               "with dsn=4.3.0 (address resolver failure)",
                               param, path, param);
        return st;
    }
    if (st != TLSP_OK)
        return st;
    tlsp_strvec_init(&pats);
    for (line = strtok_r(data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *hash = strchr(line, '#');

        if (hash)
            *hash = 0;
        if ((st = tlsp_strvec_split(&pats, line, TLSP_COMMA_SP)) != TLSP_OK)
            break;
    }
    free(data);
    if (st == TLSP_OK)
        st = list_match_patterns(c, param, &pats, style, parent, name, depth + 1, verdict, why);
    tlsp_strvec_fini(&pats);
    return st;
}

/*
 * list_match_patterns - first matching pattern decides: verdict 1 match,
 * 0 negated match, -1 no pattern matched.
 */
static enum tlsp_status
list_match_patterns(struct rctx *c, const char *param, struct tlsp_strvec *pats,
                    enum list_style style, bool parent, const char *name, int depth,
                    int *verdict, char **why)
{
    size_t i;
    enum tlsp_status st;

    if (depth > 10)
        return tlsp_diag_add(c->diag, TLSP_SEV_WARNING, NULL, 0,
                             "%s: pattern files nested too deeply", param);
    for (i = 0; i < pats->n; i++) {
        const char *p = pats->v[i];
        bool negate = false;
        bool matched = false;

        while (*p == '!') {
            negate = !negate;
            p++;
        }
        if (*p == 0)
            continue;
        if (*p == '/') {
            int sub = -1;

            if ((st = file_patterns(c, param, p, style, parent, name, depth, &sub, why)) !=
                TLSP_OK)
                return st;
            if (sub < 0)
                continue;
            *verdict = negate ? !sub : sub;
            return TLSP_OK;
        }
        if (strchr(p, ':') && p[0] != '[') {
            if ((st = table_match(c, param, p, style, parent, name, &matched, why)) != TLSP_OK)
                return st;
        } else if (style == LIST_HOSTNAME) {
            matched = hostname_match(p, name, parent);
            if (matched && (st = set_owned(why, tlsp_aprintf("%s lists %s (as \"%s\")", param,
                                                            name, p))) != TLSP_OK)
                return st;
        } else {
            matched = tlsp_strcaseeq(p, name);
            if (matched && (st = set_owned(why, tlsp_aprintf("%s lists %s", param, name))) !=
                               TLSP_OK)
                return st;
        }
        if (matched) {
            *verdict = negate ? 0 : 1;
            return TLSP_OK;
        }
    }
    *verdict = -1;
    return TLSP_OK;
}

static enum tlsp_status
list_match(struct rctx *c, const char *param, enum list_style style, const char *name,
           bool *matched, char **why)
{
    const char *v;
    struct tlsp_strvec pats;
    enum tlsp_status st;
    bool parent;
    int verdict = -1;

    *matched = false;
    if ((st = tlsp_cf_get(c->cf, param, &v, c->diag)) != TLSP_OK ||
        (st = parent_style(c, param, &parent)) != TLSP_OK)
        return st;
    tlsp_strvec_init(&pats);
    if ((st = tlsp_strvec_split_quoted(&pats, v, TLSP_COMMA_SP)) == TLSP_OK)
        st = list_match_patterns(c, param, &pats, style, parent, name, 0, &verdict, why);
    tlsp_strvec_fini(&pats);
    *matched = verdict == 1;
    return st;
}

/* ---- tables with Postfix's address lookup order ---------------------------- */

struct tables {
    struct tlsp_maps maps;
    bool error;
};

static void
tables_free(struct tables *t)
{
    tlsp_maps_fini(&t->maps);
    t->error = false;
}

/* Postfix's log lines for a routing table become warnings for the user. */
static enum tlsp_status
log_to_diag(struct rctx *c, struct tlsp_strvec *log)
{
    enum tlsp_status st = TLSP_OK;
    size_t i;

    for (i = 0; i < log->n && st == TLSP_OK; i++) {
        const char *line = log->v[i];

        if (strncmp(line, "error: ", 7) == 0)
            st = tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0, "%s", line + 7);
        else if (strncmp(line, "warning: ", 9) == 0)
            st = tlsp_diag_add(c->diag, TLSP_SEV_WARNING, NULL, 0, "%s", line + 9);
        else
            st = tlsp_diag_add(c->diag, TLSP_SEV_NOTE, NULL, 0, "%s", line);
    }
    tlsp_strvec_fini(log);
    return st;
}

static enum tlsp_status
tables_open(struct rctx *c, const char *param, struct tables *t)
{
    const char *v;
    struct tlsp_strvec log;
    enum tlsp_status st;
    bool utf8 = false;

    memset(t, 0, sizeof(*t));
    if ((st = tlsp_cf_get(c->cf, param, &v, c->diag)) != TLSP_OK)
        return st;
    if (tlsp_cf_get_bool(c->cf, "smtputf8_enable", &utf8, NULL) != TLSP_OK)
        utf8 = false;
    tlsp_strvec_init(&log);
    st = tlsp_maps_open(&t->maps, param, v, TLSP_MAP_FOLD_FIX | (utf8 ? TLSP_MAP_UTF8 : 0), &log,
                        c->diag);
    if (st == TLSP_OK)
        st = log_to_diag(c, &log);
    tlsp_strvec_fini(&log);
    if (st != TLSP_OK)
        tables_free(t);
    return st;
}

/*
 * tables_find - maps_find(): partial keys skip pattern tables. Returns
 * TLSP_OK (value, spec of the table), TLSP_NOTFOUND, TLSP_RETRY.
 */
static enum tlsp_status
tables_find(struct rctx *c, const char *param, struct tables *t, const char *key, bool partial,
            const char **value, const char **spec)
{
    struct tlsp_strvec log;
    size_t which = 0;
    enum tlsp_status st, st2;

    tlsp_strvec_init(&log);
    st = tlsp_maps_find(&t->maps, key, partial, value, NULL, &which, NULL, NULL, &log, c->diag);
    if ((st2 = log_to_diag(c, &log)) != TLSP_OK)
        return st2;
    if (st == TLSP_OK)
        *spec = tlsp_map_spec(t->maps.v[which]);
    if (st == TLSP_RETRY) {
        t->error = true;
        if ((st2 = tlsp_diag_add(c->diag, TLSP_SEV_WARNING, NULL, 0, "%s lookup failure",
                                 param)) != TLSP_OK)
            return st2;
    }
    return st;
}

/* strip_extension - "user+ext@domain" -> "user@domain", or NULL. */
static char *
strip_extension(const char *addr, const char *delims)
{
    const char *at = strrchr(addr, '@');
    size_t i;

    if (at == NULL || *delims == 0)
        return NULL;
    for (i = 0; addr + i < at; i++)
        if (strchr(delims, addr[i]) && i > 0)
            return tlsp_aprintf("%.*s%s", (int)i, addr, at);
    return NULL;
}

/*
 * addr_find - mail_addr_find() for sender-dependent tables: the address,
 * the address without extension, then "@domain".
 */
static enum tlsp_status
addr_find(struct rctx *c, const char *param, const char *addr, const char **value,
          const char **spec, char **matched_key)
{
    struct tables t;
    enum tlsp_status st;
    const char *delim;
    char *stripped = NULL, *atdom = NULL;
    const char *at;
    const char *keys[3];
    bool partial[3] = {false, true, true};
    size_t i;

    if ((st = tables_open(c, param, &t)) != TLSP_OK)
        return st;
    if (t.maps.n == 0) {
        tables_free(&t);
        return TLSP_NOTFOUND;
    }
    if ((st = tlsp_cf_get(c->cf, "recipient_delimiter", &delim, c->diag)) != TLSP_OK)
        goto out;
    stripped = strip_extension(addr, delim);
    at = strrchr(addr, '@');
    atdom = at ? tlsp_strdup(at) : NULL;
    keys[0] = addr;
    keys[1] = stripped;
    keys[2] = atdom;
    st = TLSP_NOTFOUND;
    for (i = 0; i < 3; i++) {
        if (keys[i] == NULL)
            continue;
        st = tables_find(c, param, &t, keys[i], partial[i], value, spec);
        if (st == TLSP_OK) {
            /* the value is borrowed from the table: copy before freeing it */
            char *copy = tlsp_strdup(*value);

            *matched_key = tlsp_strdup(keys[i]);
            if (copy == NULL || *matched_key == NULL) {
                free(copy);
                st = TLSP_NOMEM;
                goto out;
            }
            *value = copy;
            *spec = NULL;
            goto out;
        }
        if (st != TLSP_NOTFOUND)
            goto out;
    }
out:
    free(stripped);
    free(atdom);
    tables_free(&t);
    return st;
}

/* ---- hops ------------------------------------------------------------------- */

static void
hop_fini(struct tlsp_hop *h)
{
    size_t i;

    free(h->transport);
    free(h->command);
    free(h->nexthop);
    for (i = 0; i < h->n_dests; i++)
        free(h->dests[i]);
    free(h->dests);
    free(h->transport_why);
    free(h->nexthop_why);
    free(h->service_file);
    memset(h, 0, sizeof(*h));
}

void
tlsp_route_fini(struct tlsp_route *rt)
{
    free(rt->recipient);
    free(rt->domain);
    free(rt->class_why);
    hop_fini(&rt->filter);
    free(rt->filter_why);
    hop_fini(&rt->hop);
    free(rt->failure);
    memset(rt, 0, sizeof(*rt));
}

/* hop_finish - look up the service, split the next-hop list and add
 * fallback relays (smtp_connect_inet()). The queue manager folds only its
 * queue name to lower case; the delivery agent gets the next hop as the
 * resolver wrote it. */
static enum tlsp_status
hop_finish(struct rctx *c, struct tlsp_hop *h)
{
    const struct tlsp_cf_service *svc = tlsp_cf_service(c->cf, h->transport, "unix");
    struct tlsp_strvec dests;
    enum tlsp_status st = TLSP_OK;
    const char *fallback;

    if (svc) {
        if ((st = tlsp_set_str(&h->command, svc->command)) != TLSP_OK ||
            (st = tlsp_set_str(&h->service_file, svc->file)) != TLSP_OK)
            return st;
        h->service_line = svc->line;
    }
    tlsp_strvec_init(&dests);
    if (h->command && (strcmp(h->command, "smtp") == 0 || strcmp(h->command, "lmtp") == 0)) {
        bool lmtp = strcmp(h->command, "lmtp") == 0;

        if ((st = tlsp_strvec_split(&dests, h->nexthop, TLSP_COMMA_SP)) != TLSP_OK)
            goto out;
        if (!lmtp) {
            struct tlsp_cf *view = NULL;
            size_t before = dests.n;

            if ((st = tlsp_cf_service_view(c->cf, h->transport, &view, c->diag)) != TLSP_OK)
                goto out;
            st = tlsp_cf_get(view, "smtp_fallback_relay", &fallback, c->diag);
            if (st == TLSP_OK)
                st = tlsp_strvec_split(&dests, fallback, TLSP_COMMA_SP);
            tlsp_cf_free(view);
            if (st != TLSP_OK)
                goto out;
            h->n_fallback = dests.n - before;
        }
    } else if ((st = tlsp_strvec_push(&dests, h->nexthop)) != TLSP_OK) {
        goto out;
    }
    h->dests = dests.v;
    h->n_dests = dests.n;
    if (h->dests == NULL && (h->dests = calloc(1, sizeof(char *))) == NULL)
        st = TLSP_NOMEM;
    tlsp_strvec_init(&dests);
out:
    tlsp_strvec_fini(&dests);
    return st;
}

/* split "transport:nexthop" as Postfix's split_at(). */
static void
split_transport(const char *value, char **transport, char **nexthop)
{
    const char *colon = strchr(value, ':');

    if (colon) {
        *transport = tlsp_strndup(value, (size_t)(colon - value));
        *nexthop = tlsp_strdup(colon + 1);
    } else {
        *transport = tlsp_strdup(value);
        *nexthop = tlsp_strdup("");
    }
}

/*
 * transport_lookup - transport(5): the full address, the address without
 * extension, the domain and its ".parent" domains, then "*".
 */
static enum tlsp_status
transport_lookup(struct rctx *c, const char *addr, const char *domain, struct tlsp_hop *h)
{
    struct tables t;
    enum tlsp_status st;
    const char *value = NULL, *spec = NULL, *delim;
    char *stripped = NULL;
    const char *name, *next;
    bool parent;
    char *key_used = NULL;

    if ((st = tables_open(c, "transport_maps", &t)) != TLSP_OK)
        return st;
    if (t.maps.n == 0)
        goto out;
    if ((st = parent_style(c, "transport_maps", &parent)) != TLSP_OK ||
        (st = tlsp_cf_get(c->cf, "recipient_delimiter", &delim, c->diag)) != TLSP_OK)
        goto out;
    st = TLSP_NOTFOUND;
    if (addr) {
        st = tables_find(c, "transport_maps", &t, addr, false, &value, &spec);
        if (st == TLSP_NOTFOUND && !t.error && (stripped = strip_extension(addr, delim))) {
            st = tables_find(c, "transport_maps", &t, stripped, true, &value, &spec);
            if (st == TLSP_OK)
                key_used = stripped;
        } else if (st == TLSP_OK) {
            key_used = (char *)addr;
        }
    }
    for (name = domain; st == TLSP_NOTFOUND && !t.error && *name; name = next) {
        st = tables_find(c, "transport_maps", &t, name, true, &value, &spec);
        if (st == TLSP_OK) {
            key_used = (char *)name;
            break;
        }
        if ((next = strchr(name + 1, '.')) == NULL)
            break;
        if (parent)
            next++;
    }
    if (st == TLSP_NOTFOUND && !t.error) {
        st = tables_find(c, "transport_maps", &t, "*", false, &value, &spec);
        if (st == TLSP_OK)
            key_used = "*";
    }
    if (t.error) {
        c->rt->failed = true;
        st = set_owned(&c->rt->failure,
                       tlsp_strdup("transport_maps lookup failure: dsn=4.3.0, status=deferred "
                                   "(address resolver failure)"));
        goto out;
    }
    if (st == TLSP_OK) {
        char *new_transport = NULL, *new_nexthop = NULL;

        split_transport(value, &new_transport, &new_nexthop);
        if (new_transport == NULL || new_nexthop == NULL) {
            free(new_transport);
            free(new_nexthop);
            st = TLSP_NOMEM;
            goto out;
        }
        if (*new_transport == 0) {
            if (*new_nexthop)
                st = tlsp_set_str(&h->nexthop, new_nexthop);
            if (st == TLSP_OK && *new_nexthop)
                st = set_owned(&h->nexthop_why,
                               tlsp_aprintf("transport_maps entry \"%s %s\" in %s", key_used,
                                           value, spec));
        } else {
            st = tlsp_set_str(&h->transport, new_transport);
            if (st == TLSP_OK)
                st = set_owned(&h->transport_why,
                               tlsp_aprintf("transport_maps entry \"%s %s\" in %s", key_used,
                                           value, spec));
            if (st == TLSP_OK && *new_nexthop) {
                st = tlsp_set_str(&h->nexthop, new_nexthop);
                if (st == TLSP_OK)
                    st = set_owned(&h->nexthop_why,
                                   tlsp_aprintf("transport_maps entry \"%s %s\" in %s", key_used,
                                               value, spec));
            } else if (st == TLSP_OK) {
                st = tlsp_set_str(&h->nexthop, strcmp(new_transport, "error") == 0
                                              ? "Address is undeliverable"
                                              : domain);
                if (st == TLSP_OK)
                    st = set_owned(&h->nexthop_why,
                                   tlsp_aprintf("the recipient domain (transport_maps entry "
                                               "\"%s %s\" names no next hop)",
                                               key_used, value));
            }
        }
        free(new_transport);
        free(new_nexthop);
        goto out;
    }
    if (st == TLSP_NOTFOUND)
        st = TLSP_OK;
out:
    free(stripped);
    tables_free(&t);
    return st;
}

/* ---- resolve_addr() ---------------------------------------------------------- */

static enum tlsp_status
resolve_local(struct rctx *c, const char *domain, bool *local, char **why)
{
    enum tlsp_status st;
    char *d = tlsp_strdup(domain);
    size_t n;

    if (d == NULL)
        return TLSP_NOMEM;
    tlsp_lowercase(d);
    n = strlen(d);
    if (n > 0 && d[n - 1] == '.')
        d[--n] = 0;
    st = list_match(c, "mydestination", LIST_HOSTNAME, d, local, why);
    if (st == TLSP_OK && !*local && d[0] == '[' && n > 2 && d[n - 1] == ']') {
        const char *ifaces;

        /* [address] of this machine: inet_interfaces / proxy_interfaces */
        d[n - 1] = 0;
        st = tlsp_cf_get(c->cf, "inet_interfaces", &ifaces, c->diag);
        if (st == TLSP_OK) {
            struct tlsp_strvec sv;

            tlsp_strvec_init(&sv);
            st = tlsp_strvec_split(&sv, ifaces, TLSP_COMMA_SP);
            if (st == TLSP_OK && (tlsp_strvec_find(&sv, d + 1) >= 0 ||
                                  strcmp(d + 1, "127.0.0.1") == 0)) {
                *local = true;
                st = set_owned(why, tlsp_aprintf("[%s] is an address of this machine", d + 1));
            }
            tlsp_strvec_fini(&sv);
        }
    }
    free(d);
    return st;
}

static enum tlsp_status
resolve_addr(struct rctx *c, const char *sender)
{
    struct tlsp_route *rt = c->rt;
    struct tlsp_hop *h = &rt->hop;
    const char *domain = rt->domain;
    bool matched = false;
    char *why = NULL;
    enum tlsp_status st;
    const char *v;

    if ((st = resolve_local(c, domain, &matched, &why)) != TLSP_OK)
        goto out;
    if (matched) {
        rt->addr_class = TLSP_CLASS_LOCAL;
        rt->local = true;
        if ((st = tlsp_cf_get(c->cf, "local_transport", &v, c->diag)) != TLSP_OK)
            goto out;
        split_transport(v, &h->transport, &h->nexthop);
        if (h->nexthop && *h->nexthop == 0)
            st = tlsp_set_str(&h->nexthop, domain);
        else
            st = tlsp_set_str(&h->nexthop_why, "the next hop in local_transport");
        if (st == TLSP_OK)
            st = tlsp_set_str(&h->transport_why, "local_transport");
        if (st == TLSP_OK)
            st = set_owned(&rt->class_why, why);
        why = NULL;
        goto transport_maps;
    }
    if ((st = list_match(c, "virtual_alias_domains", LIST_STRING, domain, &matched, &why)) !=
        TLSP_OK)
        goto out;
    if (matched) {
        rt->addr_class = TLSP_CLASS_ALIAS;
        rt->local = true;
        if ((st = tlsp_set_str(&h->transport, "error")) != TLSP_OK ||
            (st = tlsp_set_str(&h->nexthop, "User unknown in virtual alias table")) != TLSP_OK ||
            (st = tlsp_set_str(&h->transport_why, "virtual_alias_domains (addresses are rewritten "
                                             "by virtual_alias_maps; the rest bounce)")) !=
                TLSP_OK)
            goto out;
        st = set_owned(&rt->class_why, why);
        why = NULL;
        goto out; /* transport_maps never override the alias class */
    }
    if ((st = list_match(c, "virtual_mailbox_domains", LIST_STRING, domain, &matched, &why)) !=
        TLSP_OK)
        goto out;
    if (matched) {
        rt->addr_class = TLSP_CLASS_VIRTUAL;
        rt->local = true;
        if ((st = tlsp_cf_get(c->cf, "virtual_transport", &v, c->diag)) != TLSP_OK)
            goto out;
        split_transport(v, &h->transport, &h->nexthop);
        if (h->nexthop && *h->nexthop == 0)
            st = tlsp_set_str(&h->nexthop, domain);
        else
            st = tlsp_set_str(&h->nexthop_why, "the next hop in virtual_transport");
        if (st == TLSP_OK)
            st = tlsp_set_str(&h->transport_why, "virtual_transport");
        if (st == TLSP_OK)
            st = set_owned(&rt->class_why, why);
        why = NULL;
        goto transport_maps;
    }
    if ((st = list_match(c, "relay_domains", LIST_HOSTNAME, domain, &matched, &why)) != TLSP_OK)
        goto out;
    {
        const char *relayhost, *xport;
        const char *sdd = NULL, *sdd_spec = NULL;
        char *sdd_key = NULL;
        const char *relay = NULL, *relay_spec = NULL;
        char *relay_key = NULL;
        const char *lookup_sender = sender;
        char *null_key = NULL;

        if (matched) {
            rt->addr_class = TLSP_CLASS_RELAY;
            if ((st = tlsp_cf_get(c->cf, "relay_transport", &xport, c->diag)) != TLSP_OK ||
                (st = tlsp_set_str(&h->transport_why, "relay_transport")) != TLSP_OK)
                goto out;
            if ((st = set_owned(&rt->class_why, why)) != TLSP_OK)
                goto out;
            why = NULL;
        } else {
            rt->addr_class = TLSP_CLASS_DEFAULT;
            if ((st = tlsp_cf_get(c->cf, "default_transport", &xport, c->diag)) != TLSP_OK ||
                (st = tlsp_set_str(&h->transport_why, "default_transport")) != TLSP_OK)
                goto out;
            if ((st = set_owned(&rt->class_why,
                                tlsp_aprintf("%s is not listed in mydestination, "
                                            "virtual_alias_domains, virtual_mailbox_domains or "
                                            "relay_domains",
                                            domain))) != TLSP_OK)
                goto out;
        }
        if (sender) {
            if (*sender == 0) {
                const char *k;

                if ((st = tlsp_cf_get(c->cf, "empty_address_relayhost_maps_lookup_key", &k,
                                      c->diag)) != TLSP_OK)
                    goto out;
                null_key = tlsp_strdup(k);
                if (null_key == NULL) {
                    st = TLSP_NOMEM;
                    goto out;
                }
                lookup_sender = null_key;
            }
            if (!matched) {
                st = addr_find(c, "sender_dependent_default_transport_maps", lookup_sender, &sdd,
                               &sdd_spec, &sdd_key);
                if (st == TLSP_OK) {
                    xport = sdd;
                    st = set_owned(&h->transport_why,
                                   tlsp_aprintf("sender_dependent_default_transport_maps entry "
                                               "for %s",
                                               sdd_key));
                } else if (st == TLSP_NOTFOUND) {
                    st = TLSP_OK;
                }
                if (st != TLSP_OK)
                    goto sender_out;
            }
            st = addr_find(c, "sender_dependent_relayhost_maps", lookup_sender, &relay,
                           &relay_spec, &relay_key);
            if (st == TLSP_NOTFOUND)
                st = TLSP_OK;
            if (st != TLSP_OK)
                goto sender_out;
        }
        split_transport(xport, &h->transport, &h->nexthop);
        if (h->transport == NULL || h->nexthop == NULL) {
            st = TLSP_NOMEM;
            goto sender_out;
        }
        if (*h->nexthop == 0) {
            if (relay) {
                st = tlsp_set_str(&h->nexthop, relay);
                if (st == TLSP_OK)
                    st = set_owned(&h->nexthop_why,
                                   tlsp_aprintf("sender_dependent_relayhost_maps entry for %s",
                                               relay_key));
            } else {
                if ((st = tlsp_cf_get(c->cf, "relayhost", &relayhost, c->diag)) != TLSP_OK)
                    goto sender_out;
                if (*relayhost) {
                    st = tlsp_set_str(&h->nexthop, relayhost);
                    if (st == TLSP_OK)
                        st = tlsp_set_str(&h->nexthop_why, "relayhost");
                } else {
                    st = tlsp_set_str(&h->nexthop, domain);
                    if (st == TLSP_OK)
                        st = tlsp_set_str(&h->nexthop_why, "the recipient domain");
                }
            }
        } else {
            st = set_owned(&h->nexthop_why,
                           tlsp_aprintf("the next hop in %s", h->transport_why));
        }
    sender_out:
        free(null_key);
        free(sdd_key);
        free(relay_key);
        if (sdd)
            free((char *)sdd);
        if (relay)
            free((char *)relay);
        if (st != TLSP_OK)
            goto out;
    }
transport_maps:
    if (h->transport == NULL || h->nexthop == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if (*h->transport == 0) {
        c->rt->failed = true;
        st = set_owned(&c->rt->failure,
                       tlsp_aprintf("file %s/main.cf: parameter %s: null transport is not "
                                   "allowed",
                                   tlsp_cf_dir(c->cf), h->transport_why));
        goto out;
    }
    if (h->nexthop_why == NULL &&
        (st = tlsp_set_str(&h->nexthop_why, "the recipient domain")) != TLSP_OK)
        goto out;
    st = transport_lookup(c, rt->recipient, domain, h);
out:
    free(why);
    return st;
}

/* ---- destination parsing ------------------------------------------------------ */

static enum tlsp_status
canonical_domain(struct rctx *c, const char *domain, char **out)
{
    const char *append, *mydomain;
    enum tlsp_status st;
    size_t n = strlen(domain);

    while (n > 0 && domain[n - 1] == '.')
        n--;
    if (memchr(domain, '.', n) == NULL && domain[0] != '[') {
        bool yes;

        if ((st = tlsp_cf_get(c->cf, "append_dot_mydomain", &append, c->diag)) != TLSP_OK)
            return st;
        yes = tlsp_strcaseeq(append, "yes");
        if (yes) {
            if ((st = tlsp_cf_get(c->cf, "mydomain", &mydomain, c->diag)) != TLSP_OK)
                return st;
            *out = tlsp_aprintf("%.*s.%s", (int)n, domain, mydomain);
            return *out ? TLSP_OK : TLSP_NOMEM;
        }
    }
    *out = tlsp_strndup(domain, n);
    return *out ? TLSP_OK : TLSP_NOMEM;
}

static enum tlsp_status
content_filter(struct rctx *c)
{
    struct tlsp_route *rt = c->rt;
    const char *v, *def_nexthop;
    enum tlsp_status st;
    struct tlsp_cf_origin o;

    if ((st = tlsp_cf_get(c->cf, "content_filter", &v, c->diag)) != TLSP_OK)
        return st;
    if (*v == 0)
        return TLSP_OK;
    rt->has_filter = true;
    split_transport(v, &rt->filter.transport, &rt->filter.nexthop);
    if (rt->filter.transport == NULL || rt->filter.nexthop == NULL)
        return TLSP_NOMEM;
    if ((st = tlsp_set_str(&rt->filter.transport_why, "content_filter")) != TLSP_OK)
        return st;
    if (*rt->filter.nexthop == 0) {
        if ((st = tlsp_cf_get(c->cf, "default_filter_nexthop", &def_nexthop, c->diag)) !=
            TLSP_OK)
            return st;
        if (*def_nexthop) {
            st = tlsp_set_str(&rt->filter.nexthop, def_nexthop);
            if (st == TLSP_OK)
                st = tlsp_set_str(&rt->filter.nexthop_why, "default_filter_nexthop");
        } else {
            st = tlsp_set_str(&rt->filter.nexthop, rt->domain ? rt->domain : "");
            if (st == TLSP_OK)
                st = tlsp_set_str(&rt->filter.nexthop_why,
                             "the recipient domain (content_filter names no next hop)");
        }
    } else {
        st = tlsp_set_str(&rt->filter.nexthop_why, "content_filter");
    }
    if (st != TLSP_OK)
        return st;
    tlsp_cf_origin(c->cf, "content_filter", &o);
    if (o.source == TLSP_CF_SRC_MAIN_CF)
        st = set_owned(&rt->filter_why, tlsp_aprintf("%s, line %u", o.file, o.line));
    else if (o.source == TLSP_CF_SRC_OVERRIDE)
        st = tlsp_set_str(&rt->filter_why, "-o");
    else
        st = tlsp_set_str(&rt->filter_why, "built-in default");
    if (st != TLSP_OK)
        return st;
    return hop_finish(c, &rt->filter);
}

/*
 * check_port - an explicit next hop's port must be a number or a TCP
 * service name, else Postfix cannot connect; a "name:rest" that names no
 * master.cf service is read as host:port, which is often a typo.
 */
static enum tlsp_status
check_port(struct rctx *c, const char *dest, const struct tlsp_hop *h)
{
    struct tlsp_nexthop nh;
    enum tlsp_status st;
    const char *nexthop = h->nexthop;
    const char *known;

    if (strncmp(nexthop, "inet:", 5) == 0)
        nexthop += 5;
    else if (strncmp(nexthop, "unix:", 5) == 0)
        return TLSP_OK;
    if (strpbrk(nexthop, ", \t") != NULL)
        return TLSP_OK; /* a list: each element is checked when it is used */
    if ((st = tlsp_nexthop_split(nexthop, &nh)) != TLSP_OK) {
        if (st == TLSP_INVAL)
            tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0,
                          "\"%s\" is not a next hop ([host], [host]:port, domain, domain:port)",
                          dest);
        return st;
    }
    if (tlsp_cf_get(c->cf, "known_tcp_ports", &known, NULL) != TLSP_OK)
        known = "";
    if (nh.port && tlsp_service_port(nh.port, known) < 0) {
        tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0,
                      "\"%s\": \"%s\" is neither a port number nor a TCP service name%s", dest,
                      nh.port,
                      nh.bracket ? ""
                                 : " (and the part before ':' names no master.cf service, so "
                                   "this is not transport:nexthop either)");
        st = TLSP_INVAL;
    }
    tlsp_nexthop_fini(&nh);
    return st;
}

enum tlsp_status
tlsp_route_resolve(struct tlsp_cf *cf, const struct tlsp_route_request *req,
                   struct tlsp_route *rt, struct tlsp_diag *diag)
{
    struct rctx c;
    const char *dest = req->destination;
    const char *at;
    enum tlsp_status st = TLSP_OK;

    memset(rt, 0, sizeof(*rt));
    c.cf = cf;
    c.diag = diag;
    c.rt = rt;
    if (dest == NULL || *dest == 0) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "empty destination");
        return TLSP_INVAL;
    }
    if (req->transport && tlsp_cf_service(cf, req->transport, "unix") == NULL) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                      "-T %s: master.cf has no delivery service of that name", req->transport);
        return TLSP_NOTFOUND;
    }

    if ((at = strrchr(dest, '@')) != NULL) {
        /* A recipient address. */
        if (at[1] == 0 || at == dest) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                          "\"%s\" is not a recipient address (user@domain)", dest);
            return TLSP_INVAL;
        }
        if ((st = canonical_domain(&c, at + 1, &rt->domain)) != TLSP_OK)
            goto out;
        if ((st = set_owned(&rt->recipient,
                            tlsp_aprintf("%.*s@%s", (int)(at - dest), dest, rt->domain))) !=
            TLSP_OK)
            goto out;
    } else if (dest[0] != '[' && strchr(dest, ':') == NULL) {
        /* A domain: routed as mail for that domain. */
        if (!tlsp_valid_hostname(dest) && !tlsp_valid_utf8_hostname(true, dest)) {
            tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                          "\"%s\" is not a valid domain name, recipient address or next hop",
                          dest);
            return TLSP_INVAL;
        }
        if ((st = canonical_domain(&c, dest, &rt->domain)) != TLSP_OK)
            goto out;
    } else {
        /* An explicit next hop: [host], [host]:port, domain:port, transport:nexthop. */
        const char *colon = strchr(dest, ':');
        struct tlsp_hop *h = &rt->hop;

        rt->addr_class = TLSP_CLASS_NONE;
        if (dest[0] != '[' && colon) {
            char *left = tlsp_strndup(dest, (size_t)(colon - dest));

            if (left == NULL)
                return TLSP_NOMEM;
            if (tlsp_cf_service(cf, left, "unix") != NULL) {
                if (req->transport && strcmp(req->transport, left) != 0)
                    tlsp_diag_add(diag, TLSP_SEV_WARNING, NULL, 0,
                                  "-T %s ignored: the destination names the transport %s",
                                  req->transport, left);
                st = tlsp_set_str(&h->transport, left);
                if (st == TLSP_OK)
                    st = tlsp_set_str(&h->nexthop, colon + 1);
                if (st == TLSP_OK)
                    st = tlsp_set_str(&h->transport_why, "named in the destination");
                free(left);
                if (st != TLSP_OK)
                    goto out;
                if (*h->nexthop == 0) {
                    tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                                  "\"%s\": no next hop after the transport name", dest);
                    st = TLSP_INVAL;
                    goto out;
                }
            } else {
                free(left);
            }
        }
        if (h->transport == NULL) {
            if ((st = tlsp_set_str(&h->transport, req->transport ? req->transport : "smtp")) !=
                    TLSP_OK ||
                (st = tlsp_set_str(&h->nexthop, dest)) != TLSP_OK ||
                (st = tlsp_set_str(&h->transport_why, req->transport ? "-T" : "the default for an explicit next hop")) !=
                    TLSP_OK)
                goto out;
        }
        if ((st = tlsp_set_str(&h->nexthop_why, "the destination given")) != TLSP_OK)
            goto out;
        if ((st = check_port(&c, dest, h)) != TLSP_OK)
            goto out;
        st = hop_finish(&c, h);
        goto out;
    }

    if ((st = content_filter(&c)) != TLSP_OK)
        goto out;
    if ((st = resolve_addr(&c, req->sender)) != TLSP_OK)
        goto out;
    if (req->transport) {
        if ((st = tlsp_set_str(&rt->hop.transport, req->transport)) != TLSP_OK ||
            (st = tlsp_set_str(&rt->hop.transport_why, "-T")) != TLSP_OK)
            goto out;
    }
    st = hop_finish(&c, &rt->hop);
out:
    return st;
}
