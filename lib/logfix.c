/*
 * logfix.c - the policy side of a log diagnosis: level, names, entry, fixes
 *
 * With a configuration the policy comes from tlsp_policy_resolve() for the
 * attempt's next hop, MX host and service; without one it is inferred from
 * the cause. Fixes follow lib/explain.c's order and wording: name fixes are
 * checked with OpenSSL's name check (tlsp_verify_name()) against a leaf
 * built in memory from the names the log shows; policy-table lines are
 * checked with tlsp_policy_parse_entry(), and a line Postfix would reject
 * is never offered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <tlspolicy/chain.h>
#include <tlspolicy/level.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/route.h>
#include <tlspolicy/verify.h>

#include "logfix.h"
#include "hostname.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strvec.h"

#define PARAM_NAME_MAX 96
#define EDIT_MAX 2 /* farthest a misspelling is corrected */

/* ---- small helpers ---------------------------------------------------------- */

/* program - the syslog name's last component, e.g. "smtp" of "postfix-out/smtp". */
static const char *
program(const char *ident)
{
    const char *slash;

    if (ident == NULL)
        return NULL;
    slash = strrchr(ident, '/');
    return slash ? slash + 1 : ident;
}

static bool
attempt_lmtp(const struct tlsp_attempt *a)
{
    const char *p = program(a->ident);

    return p && strcmp(p, "lmtp") == 0;
}

/* cache_field - field i of the session-cache key SERVICE&DEST&HOST&ADDR&&DIGEST. */
static enum tlsp_status
cache_field(const char *key, int i, char **out)
{
    const char *p = key, *end;

    *out = NULL;
    for (; i > 0 && p; i--)
        if ((p = strchr(p, '&')) != NULL)
            p++;
    if (p == NULL)
        return TLSP_OK;
    end = strchr(p, '&');
    if (end == NULL || end == p)
        return TLSP_OK; /* not a complete key, or an empty field */
    return (*out = tlsp_strndup(p, (size_t)(end - p))) ? TLSP_OK : TLSP_NOMEM;
}

/* attempt_dest - the next hop as Postfix looks it up: the cache key's DEST
 * verbatim, else the attempt's next hop; *out NULL when neither is known. */
static enum tlsp_status
attempt_dest(const struct tlsp_attempt *a, char **out)
{
    enum tlsp_status st;

    *out = NULL;
    if (a->cache_key && (st = cache_field(a->cache_key, 1, out)) != TLSP_OK)
        return st;
    if (*out == NULL && a->nexthop && (*out = tlsp_strdup(a->nexthop)) == NULL)
        return TLSP_NOMEM;
    return TLSP_OK;
}

/* tls_nexthop - the TLS nexthop of a destination: without inet:, [], :port. */
static char *
tls_nexthop(const char *dest)
{
    const char *end;

    if (strncmp(dest, "inet:", 5) == 0)
        dest += 5;
    if (dest[0] == '[' && (end = strchr(dest, ']')) != NULL)
        return tlsp_strndup(dest + 1, (size_t)(end - dest - 1));
    return tlsp_strndup(dest, strcspn(dest, ":"));
}

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* edit_distance - Levenshtein distance, ASCII case folded; short words only. */
static size_t
edit_distance(const char *a, const char *b)
{
    size_t row[64], la = strlen(a), lb = strlen(b), i, j;

    if (la >= 63 || lb >= 63)
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        size_t diag = row[0];

        row[0] = i;
        for (j = 1; j <= lb; j++) {
            size_t up = row[j], best;
            int ca = (unsigned char)a[i - 1], cb = (unsigned char)b[j - 1];

            best = diag + (lower(ca) != lower(cb));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb];
}

/* nearest - the word of list[] nearest to word within EDIT_MAX, or NULL. */
static const char *
nearest(const char *word, const char *const *list)
{
    const char *best = NULL;
    size_t best_d = EDIT_MAX + 1, d;

    for (; *list; list++)
        if ((d = edit_distance(word, *list)) < best_d) {
            best_d = d;
            best = *list;
        }
    return best;
}

static const char *const grades[] = {"high", "medium", "low", "export", "null", NULL};
static const char *const table_levels[] = {"none",      "may",    "encrypt", "fingerprint", "dane",
                                           "dane-only", "verify", "secure",  NULL};
static const char *const attr_names[] = {"ciphers", "protocols",  "exclude",          "match",
                                         "tafile",  "servername", "connection_reuse", NULL};

/* warning_after - the text after marker in the first warning that has it. */
static const char *
warning_after(const struct tlsp_attempt *a, const char *marker)
{
    const char *p;
    size_t i;

    for (i = 0; i < a->n_warnings; i++)
        if (a->warnings[i] && (p = strstr(a->warnings[i], marker)) != NULL)
            return p + strlen(marker);
    return NULL;
}

/* quoted - the text up to the closing '"' (or to the end) of a warning. */
static char *
quoted(const char *p)
{
    return p ? tlsp_strndup(p, strcspn(p, "\"")) : NULL;
}

/* merge_diag - append from's messages that to does not hold yet (one
 * message per table problem, however many attempts meet it). */
static enum tlsp_status
merge_diag(struct tlsp_diag *to, const struct tlsp_diag *from)
{
    size_t i, k;

    if (to == NULL)
        return TLSP_OK;
    for (i = 0; i < from->n_msgs; i++) {
        const struct tlsp_msg *m = &from->msgs[i];
        bool seen = false;

        for (k = 0; k < to->n_msgs && !seen; k++)
            seen = to->msgs[k].sev == m->sev && to->msgs[k].line == m->line &&
                   strcmp(to->msgs[k].text, m->text) == 0 &&
                   (to->msgs[k].file == NULL) == (m->file == NULL) &&
                   (m->file == NULL || strcmp(to->msgs[k].file, m->file) == 0);
        if (!seen && tlsp_diag_add(to, m->sev, m->file, m->line, "%s", m->text) != TLSP_OK)
            return TLSP_NOMEM;
    }
    return TLSP_OK;
}

/* ---- the configuration as the attempt's service sees it ------------------------ */

struct svc {
    char *service;        /* master.cf service name */
    bool lmtp;            /* lmtp(8) */
    struct tlsp_cf *view; /* the service's view, or NULL: use cf itself */
};

/* svc_open - the service of the attempt and, with cf, its view of the
 * parameters (its master.cf -o settings). cf may already be a view: it is
 * then used as it is. */
static enum tlsp_status
svc_open(const struct tlsp_attempt *a, struct tlsp_cf *cf, const struct tlsp_logfix_route *route,
         struct svc *s)
{
    const struct tlsp_cf_service *entry;
    struct tlsp_diag scratch;
    enum tlsp_status st = TLSP_OK;

    memset(s, 0, sizeof(*s));
    s->lmtp = attempt_lmtp(a);
    if (route && route->transport) {
        s->service = tlsp_strdup(route->transport);
        s->lmtp = route->lmtp;
    } else if (a->service)
        s->service = tlsp_strdup(a->service);
    else if (a->cache_key && (st = cache_field(a->cache_key, 0, &s->service)) != TLSP_OK)
        return st;
    if (s->service == NULL)
        s->service = tlsp_strdup(s->lmtp ? "lmtp" : "smtp");
    if (s->service == NULL)
        return TLSP_NOMEM;
    if (cf == NULL || (entry = tlsp_cf_service(cf, s->service, NULL)) == NULL)
        return TLSP_OK;
    if (entry->command && strcmp(entry->command, "lmtp") == 0)
        s->lmtp = true;
    tlsp_diag_init(&scratch);
    st = tlsp_cf_service_view(cf, s->service, &s->view, &scratch);
    tlsp_diag_fini(&scratch);
    return st == TLSP_NOMEM ? st : TLSP_OK;
}

static void
svc_close(struct svc *s)
{
    tlsp_cf_free(s->view);
    free(s->service);
    memset(s, 0, sizeof(*s));
}

/* ---- the policy ---------------------------------------------------------------- */

/* policy_from_cf - level, names and entry as tlsp_policy_resolve() finds them. */
static enum tlsp_status
policy_from_cf(const struct tlsp_attempt *a, struct tlsp_cf *cf, const char *dest,
               const struct tlsp_logfix_route *route, struct tlsp_logdiag *d,
               struct tlsp_diag *diag)
{
    struct tlsp_policy pol;
    struct tlsp_policy_request req;
    struct tlsp_diag scratch;
    struct tlsp_strvec names;
    struct svc s;
    enum tlsp_status st, rst;
    const char *unreadable = NULL;
    bool from_table;
    size_t i;

    memset(&pol, 0, sizeof(pol));
    tlsp_diag_init(&scratch);
    tlsp_strvec_init(&names);
    if ((st = svc_open(a, cf, route, &s)) != TLSP_OK)
        goto out;
    memset(&req, 0, sizeof(req));
    req.dest = dest;
    req.host = a->mx_host;
    req.service = s.service;
    req.lmtp = s.lmtp;
    rst = tlsp_policy_resolve(s.view ? s.view : cf, &req, &pol, &scratch);
    if (rst == TLSP_NOMEM) {
        st = rst;
        goto out;
    }
    for (i = 0; i < pol.n_steps && unreadable == NULL; i++)
        if (pol.steps[i].result == TLSP_RETRY)
            unreadable = pol.steps[i].table ? pol.steps[i].table : "the policy table";
    if ((st = merge_diag(diag, &scratch)) != TLSP_OK)
        goto out;
    /* An entry of smtp_tls_per_site is not one of smtp_tls_policy_maps: lines are new. */
    from_table = pol.entry_key && pol.maps_param && strstr(pol.maps_param, "_policy_maps");
    if ((d->table_key = tlsp_strdup(from_table && unreadable == NULL ? pol.entry_key : dest)) ==
        NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if (unreadable || rst != TLSP_OK) {
        /* The answer Postfix would get is not known: leave the fields unknown
         * (tlsp_policy_resolve() said why in diag). */
        struct tlsp_diag one;

        tlsp_diag_init(&one);
        if (unreadable)
            st = tlsp_diag_add(&one, TLSP_SEV_NOTE, NULL, 0,
                               "%s cannot be read: the TLS policy of %s is not known", unreadable,
                               dest);
        else
            st = tlsp_diag_add(&one, TLSP_SEV_NOTE, NULL, 0,
                               "the TLS policy of %s is not known (%s)", dest,
                               tlsp_status_name(rst));
        if (st == TLSP_OK)
            st = merge_diag(diag, &one);
        tlsp_diag_fini(&one);
        goto out;
    }
    d->new_entry = !from_table;
    if (pol.level >= TLSP_LEVEL_NONE) {
        d->level = tlsp_strdup(tlsp_level_name(pol.level));
        d->level_proven = true;
        d->level_from_config = true;
        if (d->level == NULL) {
            st = TLSP_NOMEM;
            goto out;
        }
    }
    for (i = 0; i < pol.n_refs; i++)
        if (!pol.refs[i].skipped && pol.refs[i].name &&
            (st = tlsp_strvec_push(&names, pol.refs[i].name)) != TLSP_OK)
            goto out;
    if ((st = tlsp_strvec_release(&names, &d->required, &d->n_required)) != TLSP_OK)
        goto out;
    d->required_proven = true;
    d->required_from_config = true;
    if (pol.entry_key) {
        d->entry = tlsp_aprintf("%s %s", pol.entry_key, pol.entry_value ? pol.entry_value : "");
        if (pol.entry_line > 0)
            d->entry_source = tlsp_aprintf(
                "%s line %u", pol.entry_table ? pol.entry_table : pol.maps_value, pol.entry_line);
        else
            d->entry_source = tlsp_strdup(pol.entry_table ? pol.entry_table : pol.maps_value);
        if (d->entry == NULL || d->entry_source == NULL)
            st = TLSP_NOMEM;
    }
out:
    tlsp_strvec_fini(&names);
    tlsp_policy_fini(&pol);
    tlsp_diag_fini(&scratch);
    svc_close(&s);
    return st;
}

static bool
cause_names_or_chain(enum tlsp_cause c)
{
    switch (c) {
    case TLSP_CAUSE_NAME_MISMATCH:
    case TLSP_CAUSE_CHAIN_TRUST_UNKNOWN:
    case TLSP_CAUSE_NOT_VERIFIED:
    case TLSP_CAUSE_UNKNOWN_ISSUER:
    case TLSP_CAUSE_MISSING_INTERMEDIATE:
    case TLSP_CAUSE_SELF_SIGNED:
    case TLSP_CAUSE_EXPIRED:
    case TLSP_CAUSE_CHAIN_UNTRUSTED:
    case TLSP_CAUSE_NOTHING_TRUSTED:
        return true;
    default:
        return false;
    }
}

static bool
cause_handshake(enum tlsp_cause c)
{
    return c == TLSP_CAUSE_HANDSHAKE || c == TLSP_CAUSE_HANDSHAKE_PROTOCOL ||
           c == TLSP_CAUSE_BAD_CIPHERS || c == TLSP_CAUSE_BAD_PROTOCOLS;
}

/* policy_from_log - what the log implies about the level (spec 1.5, 1.7). */
static enum tlsp_status
policy_from_log(const struct tlsp_attempt *a, const char *dest, struct tlsp_logdiag *d)
{
    const char *level = NULL;

    switch (d->cause) {
    case TLSP_CAUSE_STARTTLS_NOT_OFFERED:
    case TLSP_CAUSE_STARTTLS_REFUSED:
    case TLSP_CAUSE_ENGINE_UNAVAILABLE:
        level = "encrypt"; /* "TLS is required": encrypt at least */
        break;
    case TLSP_CAUSE_DANE_TLSA_LOOKUP:
    case TLSP_CAUSE_DANE_MISMATCH:
        level = "dane"; /* dane or dane-only */
        break;
    case TLSP_CAUSE_DANE_NO_TLSA:
    case TLSP_CAUSE_DANE_NON_DNSSEC:
    case TLSP_CAUSE_DANE_UNUSABLE:
        level = "dane-only"; /* dane would fall back instead of deferring */
        break;
    default:
        if (cause_names_or_chain(d->cause))
            level = "secure"; /* "Server certificate not verified": verify or secure */
        else if (cause_handshake(d->cause) && a->end == TLSP_END_SENT)
            level = "may"; /* delivered after a failed handshake: plaintext fallback */
        break;
    }
    if (level && (d->level = tlsp_strdup(level)) == NULL)
        return TLSP_NOMEM;
    d->level_proven = false;
    d->level_from_config = false;
    if (dest && (d->table_key = tlsp_strdup(dest)) == NULL)
        return TLSP_NOMEM;
    d->new_entry = true;
    if (level && strcmp(level, "secure") == 0 && dest) {
        /* smtp_tls_secure_cert_match's default: nexthop, dot-nexthop */
        struct tlsp_strvec names;
        char *nh = tls_nexthop(dest);
        enum tlsp_status st;

        if (nh == NULL)
            return TLSP_NOMEM;
        tlsp_strvec_init(&names);
        st = tlsp_strvec_push(&names, nh);
        if (st == TLSP_OK && !tlsp_name_is_ip(nh))
            st = tlsp_strvec_pushf(&names, ".%s", nh);
        if (st == TLSP_OK)
            st = tlsp_strvec_release(&names, &d->required, &d->n_required);
        tlsp_strvec_fini(&names);
        free(nh);
        d->required_proven = false;
        d->required_from_config = false;
        return st;
    }
    return TLSP_OK;
}

/* ---- routing the recipient (-c, next hop not in the log) ------------------------------ */

void
tlsp_logfix_route_fini(struct tlsp_logfix_route *r)
{
    if (r == NULL)
        return;
    free(r->nexthop);
    free(r->transport);
    free(r->why);
    free(r->finding);
    memset(r, 0, sizeof(*r));
}

/* dest_port - the port of a next hop ("[h]:587", "h:2525"), dflt without
 * one, -1 for a service name. */
static long
dest_port(const char *dest, long dflt)
{
    const char *p = dest;

    if (strncmp(p, "inet:", 5) == 0)
        p += 5;
    if (p[0] == '[' && (p = strchr(p, ']')) == NULL)
        return dflt;
    if ((p = strrchr(p, ':')) == NULL)
        return dflt;
    if (p[1] == 0 || strspn(p + 1, "0123456789") != strlen(p + 1))
        return -1; /* a service name ("submission"): not compared */
    return strtol(p + 1, NULL, 10);
}

/* server_port - the port of "HOST[ADDR]:PORT", or -1; server_addr - ADDR. */
static long
server_port(const char *server)
{
    const char *p = server ? strrchr(server, ']') : NULL;

    if (p == NULL || p[1] != ':' || p[2] == 0 || strspn(p + 2, "0123456789") != strlen(p + 2))
        return -1;
    return strtol(p + 2, NULL, 10);
}

static bool
server_addr_is(const char *server, const char *addr)
{
    const char *open = server ? strchr(server, '[') : NULL;
    size_t n = strlen(addr);

    return open && strncasecmp(open + 1, addr, n) == 0 && open[1 + n] == ']';
}

/* route_pick - the next hop of the list the log's server belongs to, else the first. */
static const char *
route_pick(const struct tlsp_attempt *a, const struct tlsp_hop *h)
{
    size_t i;

    for (i = 0; a->mx_host && i < h->n_dests; i++) {
        char *host = tls_nexthop(h->dests[i]);
        bool same = host && (tlsp_strcaseeq(host, a->mx_host) || server_addr_is(a->server, host));

        free(host);
        if (same)
            return h->dests[i];
    }
    return h->dests[0];
}

/* nz_program - the delivery agent's name of the attempt, "smtp" by default. */
static const char *
nz_program(const struct tlsp_attempt *a)
{
    const char *p = program(a->ident);

    return p ? p : "smtp";
}

/* route_compare - the sentence about the route; other_config when the log's
 * server cannot be the one the configuration sends the recipient to: a
 * next hop in [] (no MX lookup) names another host, or the port differs. */
static enum tlsp_status
route_compare(const struct tlsp_attempt *a, const char *rcpt, struct tlsp_logfix_route *r)
{
    char *host;
    long want, got;
    bool other = false, plain, unix_socket = strncmp(r->nexthop, "unix:", 5) == 0;

    if ((host = tls_nexthop(r->nexthop)) == NULL)
        return TLSP_NOMEM;
    want = dest_port(r->nexthop, r->lmtp ? 24 : 25);
    got = server_port(a->server);
    if (a->server && !unix_socket) {
        if (strchr(r->nexthop, '[') && a->mx_host && !tlsp_strcaseeq(host, a->mx_host) &&
            !server_addr_is(a->server, host))
            other = true;
        if (got >= 0 && want >= 0 && got != want)
            other = true;
    }
    r->other_config = other;
    /* The recipient's domain through the transport the log names: nothing new to say. */
    plain = !other && !a->nexthop_routed && a->nexthop && strcmp(r->nexthop, a->nexthop) == 0 &&
            strcmp(r->transport, a->service ? a->service : nz_program(a)) == 0;
    if (plain)
        r->finding = NULL; /* the recipient's domain, as the log's next hop says */
    else if (other)
        r->finding = tlsp_aprintf(
            "The configuration routes %s to next hop %s (%s), but the log shows a delivery to %s: "
            "the log was probably written with another configuration; the policy below is the "
            "one this configuration gives for %s.",
            rcpt, r->nexthop, r->why ? r->why : "routing", a->server, r->nexthop);
    else
        r->finding = tlsp_aprintf("The log does not name the next hop; the configuration routes %s "
                                  "to next hop %s (%s), transport %s.",
                                  rcpt, r->nexthop, r->why ? r->why : "routing", r->transport);
    free(host);
    return r->finding || plain ? TLSP_OK : TLSP_NOMEM;
}

/* route_recipient - route a->rcpts[0] as "tlspolicy policy -c DIR RCPT" does.
 * A recipient the configuration does not deliver over SMTP or LMTP (local,
 * a routing failure) leaves the route empty: the log's next hop is used. */
static enum tlsp_status
route_recipient(const struct tlsp_attempt *a, struct tlsp_cf *cf, struct tlsp_logfix_route *r,
                struct tlsp_diag *diag)
{
    struct tlsp_route rt;
    struct tlsp_route_request req;
    struct tlsp_diag scratch;
    enum tlsp_status st;
    const struct tlsp_hop *h = NULL;

    memset(&req, 0, sizeof(req));
    req.destination = a->rcpts[0];
    tlsp_diag_init(&scratch);
    st = tlsp_route_resolve(cf, &req, &rt, &scratch);
    if (st == TLSP_OK && !rt.failed && !rt.local && rt.hop.command && rt.hop.n_dests > 0 &&
        (strcmp(rt.hop.command, "smtp") == 0 || strcmp(rt.hop.command, "lmtp") == 0))
        h = &rt.hop;
    if (h) {
        r->nexthop = tlsp_strdup(route_pick(a, h));
        r->transport = tlsp_strdup(h->transport);
        r->lmtp = strcmp(h->command, "lmtp") == 0;
        r->why = h->nexthop_why ? tlsp_strdup(h->nexthop_why) : NULL;
        if (r->nexthop == NULL || r->transport == NULL || (h->nexthop_why && r->why == NULL))
            st = TLSP_NOMEM;
        else
            st = route_compare(a, a->rcpts[0], r);
    } else if (st != TLSP_NOMEM) {
        st = TLSP_OK; /* not routable here: the log's next hop stays */
    }
    /* Routing tables that cannot be read count as empty (route.h); their
     * warnings belong to "tlspolicy policy", not to every attempt here. */
    (void)diag;
    tlsp_route_fini(&rt);
    tlsp_diag_fini(&scratch);
    if (st != TLSP_OK || h == NULL)
        tlsp_logfix_route_fini(r);
    return st == TLSP_NOMEM ? st : TLSP_OK;
}

enum tlsp_status
tlsp_logdiag_nexthop(const struct tlsp_attempt *a, struct tlsp_cf *cf, char **out)
{
    struct tlsp_logfix_route r;
    enum tlsp_status st = TLSP_OK;

    *out = NULL;
    if (a == NULL || cf == NULL || a->nexthop_proven || a->n_rcpts == 0 || a->rcpts == NULL ||
        a->rcpts[0] == NULL || a->rcpts[0][0] == 0)
        return TLSP_OK;
    memset(&r, 0, sizeof(r));
    st = route_recipient(a, cf, &r, NULL);
    if (st == TLSP_OK && r.nexthop && !(a->nexthop && tlsp_strcaseeq(r.nexthop, a->nexthop))) {
        *out = r.nexthop;
        r.nexthop = NULL;
    }
    tlsp_logfix_route_fini(&r);
    return st;
}

enum tlsp_status
tlsp_logfix_policy(const struct tlsp_attempt *a, struct tlsp_cf *cf, struct tlsp_logdiag *d,
                   struct tlsp_logfix_route *route, struct tlsp_diag *diag)
{
    struct tlsp_logfix_route own;
    char *dest = NULL;
    enum tlsp_status st;

    if (route == NULL)
        route = &own;
    memset(route, 0, sizeof(*route));
    if (a == NULL || d == NULL)
        return TLSP_INVAL;
    if (cf && !a->nexthop_proven && a->n_rcpts > 0 && a->rcpts && a->rcpts[0] && a->rcpts[0][0] &&
        (st = route_recipient(a, cf, route, diag)) != TLSP_OK)
        goto out;
    if (route->nexthop)
        st = (dest = tlsp_strdup(route->nexthop)) ? TLSP_OK : TLSP_NOMEM;
    else
        st = attempt_dest(a, &dest);
    if (st != TLSP_OK)
        goto out;
    if (cf && dest)
        st = policy_from_cf(a, cf, dest, route, d, diag);
    else
        st = policy_from_log(a, dest, d);
out:
    free(dest);
    if (route == &own)
        tlsp_logfix_route_fini(&own);
    return st;
}

/* ---- fixes: lines ------------------------------------------------------------------ */

struct fctx {
    const struct tlsp_attempt *a;
    struct tlsp_cf *cf; /* the service's view of the configuration, or NULL */
    struct tlsp_logdiag *d;
    const char *prefix;       /* "smtp" or "lmtp" */
    const char *key;          /* d->table_key */
    char *nexthop;            /* TLS nexthop of the key, or NULL */
    bool mx_lookup;           /* the next hop is a domain looked up in MX records */
    enum tlsp_level level;    /* d->level, or TLSP_LEVEL_NOTFOUND when unknown */
    char *entry_value;        /* the entry's value (d->entry without the key), or NULL */
    char *entry_level;        /* its first word, or NULL */
    struct tlsp_strvec all;   /* its attributes, in order */
    struct tlsp_strvec attrs; /* the same without match= (explain.c's entry_attrs()) */
    const struct tlsp_version *version;
    enum tlsp_status st; /* first allocation failure */
};

static const char *
pget(struct fctx *c, const char *suffix, char *name, size_t size)
{
    const char *v = "";
    struct tlsp_diag scratch;

    snprintf(name, size, "%s_%s", c->prefix, suffix);
    if (c->cf == NULL)
        return "";
    tlsp_diag_init(&scratch);
    if (tlsp_cf_get(c->cf, name, &v, &scratch) != TLSP_OK)
        v = "";
    tlsp_diag_fini(&scratch);
    return v;
}

static bool
attr_is(const char *attr, const char *name)
{
    size_t n = strlen(name);

    return strncasecmp(attr, name, n) == 0 && attr[n] == '=';
}

/* attr_value - the value of attribute name in v, or NULL. */
static const char *
attr_value(const struct tlsp_strvec *v, const char *name)
{
    size_t i;

    for (i = 0; i < v->n; i++)
        if (attr_is(v->v[i], name))
            return v->v[i] + strlen(name) + 1;
    return NULL;
}

/* table_line - "KEY LEVEL attrs... [match=MATCH]", keeping the attributes
 * of attrs that the level accepts (match= only when given, tafile= only at
 * verify and secure); NULL when out of memory. */
static char *
table_line(struct fctx *c, const char *level, const struct tlsp_strvec *attrs, const char *match)
{
    struct tlsp_buf b;
    enum tlsp_status st;
    bool pkix = strcmp(level, "verify") == 0 || strcmp(level, "secure") == 0;
    size_t i;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    st = tlsp_buf_printf(&b, "%s %s", c->key, level);
    for (i = 0; attrs && i < attrs->n && st == TLSP_OK; i++) {
        if (!pkix && attr_is(attrs->v[i], "tafile"))
            continue;
        if (match && attr_is(attrs->v[i], "match"))
            continue;
        st = tlsp_buf_printf(&b, " %s", attrs->v[i]);
    }
    if (st == TLSP_OK && match)
        st = tlsp_buf_printf(&b, " match=%s", match);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        c->st = TLSP_NOMEM;
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

/* line_valid - Postfix accepts the table line's value (spec 2.3, 2.4). */
static bool
line_valid(struct fctx *c, const char *line)
{
    const char *value = line + strlen(c->key) + 1;
    enum tlsp_level level = TLSP_LEVEL_INVALID;

    if (tlsp_policy_parse_entry(value, c->key, c->version, &level, NULL) != TLSP_OK) {
        c->st = TLSP_NOMEM;
        return false;
    }
    return level != TLSP_LEVEL_INVALID;
}

/* add_fix - append a fix; table lines Postfix would reject are dropped, and
 * a line already offered is not repeated. Takes line, what and tradeoff
 * (heap, any NULL after an allocation failure). main.cf lines (with " = ")
 * are not table lines. */
static void
add_fix(struct fctx *c, char *line, bool checked, char *what, char *tradeoff)
{
    struct tlsp_logdiag *d = c->d;
    struct tlsp_fix *grown;
    size_t i;

    if (c->st != TLSP_OK || what == NULL || tradeoff == NULL) {
        c->st = TLSP_NOMEM;
        goto drop;
    }
    if (line && strstr(line, " = ") == NULL && !line_valid(c, line))
        goto drop;
    for (i = 0; line && i < d->n_fixes; i++)
        if (d->fixes[i].line && strcmp(d->fixes[i].line, line) == 0)
            goto drop;
    if ((grown = realloc(d->fixes, (d->n_fixes + 1) * sizeof(*grown))) == NULL) {
        c->st = TLSP_NOMEM;
        goto drop;
    }
    d->fixes = grown;
    grown[d->n_fixes].line = line;
    grown[d->n_fixes].what = what;
    grown[d->n_fixes].tradeoff = tradeoff;
    grown[d->n_fixes].checked = checked;
    d->n_fixes++;
    return;
drop:
    free(line);
    free(what);
    free(tradeoff);
}

/* advice - a fix without a line. */
static void
advice(struct fctx *c, char *what, char *tradeoff)
{
    add_fix(c, NULL, false, what, tradeoff);
}

static bool
weaker_than_now(struct fctx *c, enum tlsp_level level)
{
    return c->level == TLSP_LEVEL_NOTFOUND || level < c->level;
}

/* fix_weaker - "KEY LEVEL" with the entry's other attributes, last. */
static void
fix_weaker(struct fctx *c, enum tlsp_level level)
{
    const char *name = tlsp_level_name(level);

    if (!weaker_than_now(c, level))
        return;
    switch (level) {
    case TLSP_LEVEL_ENCRYPT:
        add_fix(c, table_line(c, name, &c->attrs, NULL), false,
                tlsp_strdup("Encrypts without checking the certificate (level encrypt): Postfix "
                            "delivers to whichever server completes the TLS handshake."),
                tlsp_strdup("No authentication: whoever can divert the connection (a forged MX "
                            "record, a machine on the path) receives the mail; a stopgap, not a "
                            "policy."));
        break;
    case TLSP_LEVEL_MAY:
        add_fix(c, table_line(c, name, &c->attrs, NULL), false,
                tlsp_strdup("Uses TLS when the server offers it and works, and sends in plaintext "
                            "otherwise (level may)."),
                tlsp_strdup("The mail to this destination may travel unencrypted, and an attacker "
                            "who strips STARTTLS goes unnoticed."));
        break;
    case TLSP_LEVEL_DANE:
        add_fix(c, table_line(c, name, &c->attrs, NULL), false,
                tlsp_strdup("Uses DANE where the destination publishes usable DNSSEC-signed TLSA "
                            "records, and opportunistic TLS (as may) where it does not (level "
                            "dane)."),
                tlsp_strdup("Without usable TLSA records nothing is authenticated, and without "
                            "DNSSEC Postfix does not even insist on TLS."));
        break;
    default:
        break;
    }
}

/* fix_published - explain.c's fixes_published(), worded the same. */
static void
fix_published(struct fctx *c)
{
    if (!c->mx_lookup || c->nexthop == NULL || tlsp_name_is_ip(c->nexthop))
        return;
    advice(c,
           tlsp_aprintf("Use %s's own published policy, if it has one: DANE TLSA records signed "
                        "with DNSSEC (policy \"%s dane-only\") or an MTA-STS policy (RFC 8461), "
                        "whose mx patterns name the servers to expect and which the domain "
                        "keeps current.",
                        c->nexthop, c->nexthop),
           tlsp_strdup("Nothing to maintain by hand, but it exists only where the domain "
                       "publishes it; tlspolicy does not look for it (it reads neither TLSA "
                       "records nor MTA-STS policies)."));
}

/* ---- fixes: certificate names ---------------------------------------------------------- */

/* leaf_chain - a certificate carrying the names the log shows: each as a
 * DNS subjectAltName (the subject CN too), so that OpenSSL's name check
 * sees what it would see in the server's certificate. NULL without names. */
static struct tlsp_chain *
leaf_chain(struct fctx *c)
{
    const struct tlsp_logdiag *d = c->d;
    const char *cn;
    struct tlsp_chain *chain = NULL;
    GENERAL_NAMES *gens = NULL;
    X509 *x = NULL;
    size_t i;
    bool ok = false;

    if (d->n_cert_names == 0)
        return NULL;
    cn = c->a->subject_cn    ? c->a->subject_cn
         : c->a->common_name ? c->a->common_name
                             : d->cert_names[0];
    if ((x = X509_new()) == NULL || !X509_set_version(x, 2) ||
        (gens = sk_GENERAL_NAME_new_null()) == NULL)
        goto out;
    /* Names from a log may be anything: one OpenSSL refuses (not UTF-8, a CN
     * over 64 bytes) is left out; it could not be in a real certificate. */
    if (!X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
                                    (const unsigned char *)cn, -1, -1, 0))
        ERR_clear_error();
    for (i = 0; i < d->n_cert_names; i++) {
        GENERAL_NAME *g = GENERAL_NAME_new();
        ASN1_IA5STRING *s = ASN1_IA5STRING_new();

        if (g == NULL || s == NULL) {
            GENERAL_NAME_free(g);
            ASN1_IA5STRING_free(s);
            goto out;
        }
        if (!ASN1_STRING_set(s, d->cert_names[i], -1)) {
            GENERAL_NAME_free(g);
            ASN1_IA5STRING_free(s);
            ERR_clear_error();
            continue;
        }
        GENERAL_NAME_set0_value(g, GEN_DNS, s);
        if (!sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            goto out;
        }
    }
    if (sk_GENERAL_NAME_num(gens) > 0 &&
        !X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT))
        goto out;
    ok = tlsp_chain_from_x509s((void *const *)&x, 1, &chain, NULL) == TLSP_OK;
out:
    GENERAL_NAMES_free(gens);
    X509_free(x);
    if (!ok) {
        c->st = TLSP_NOMEM;
        return NULL;
    }
    return chain;
}

/* trust_note - what a name fix needs besides the name: a trusted chain. */
static const char *
trust_note(const struct fctx *c)
{
    if (c->d->chain_trusted == 1)
        return "";
    if (c->d->chain_trusted == 0)
        return " The chain is not trusted either: this line alone does not make Postfix "
               "deliver.";
    return " This holds only if the server's chain is trusted, which the log does not show.";
}

/* suffix_for_host - explain.c's: the nearest parent of host whose sub-domain
 * form matches the leaf, else the host's own parent; NULL without one. */
static char *
suffix_for_host(struct fctx *c, const struct tlsp_chain *chain, const char *host)
{
    const char *p, *first = tlsp_name_parent(host);
    char *s;

    for (p = first; p; p = tlsp_name_parent(p)) {
        if ((s = tlsp_aprintf(".%s", p)) == NULL) {
            c->st = TLSP_NOMEM;
            return NULL;
        }
        if (tlsp_verify_name(chain, s, NULL))
            return s;
        free(s);
    }
    if (first && (s = tlsp_aprintf(".%s", first)) == NULL)
        c->st = TLSP_NOMEM;
    return first ? s : NULL;
}

/* fixes_names - explain.c's fixes_names() with the names the log shows:
 * match=.PARENT, exact names, then verify (hostname). Returns how many
 * lines were added. */
static size_t
fixes_names(struct fctx *c, const struct tlsp_chain *chain, const char *level)
{
    const struct tlsp_logdiag *d = c->d;
    const char *host = c->a->mx_host;
    bool trusted = d->chain_trusted == 1;
    struct tlsp_strvec cands;
    size_t i, before = d->n_fixes;
    char *m = NULL;

    if (host == NULL || tlsp_name_is_ip(host) || chain == NULL)
        return 0;
    tlsp_strvec_init(&cands);
    if (tlsp_verify_name(chain, host, &m)) {
        /* The host name is the server's identity: pin the domain it is in. */
        const char *p = tlsp_name_is_wildcard(m) ? m + 2 : tlsp_name_parent(host);

        if (p && tlsp_strvec_pushf(&cands, ".%s", p) != TLSP_OK)
            goto nomem;
    } else {
        char *s;

        /* Certificate names the server's host name lies under, exactly. */
        for (i = 0; i < d->n_cert_names; i++)
            if (!tlsp_name_is_wildcard(d->cert_names[i]) &&
                tlsp_name_is_below(host, d->cert_names[i]) &&
                tlsp_strvec_push(&cands, d->cert_names[i]) != TLSP_OK)
                goto nomem;
        s = suffix_for_host(c, chain, host);
        if (s && tlsp_strvec_push_owned(&cands, s) != TLSP_OK)
            goto nomem;
    }
    for (i = 0; i < cands.n && c->st == TLSP_OK; i++) {
        const char *cand = cands.v[i];

        if (!tlsp_verify_name(chain, cand, NULL))
            continue;
        if (cand[0] == '.')
            add_fix(c, table_line(c, level, &c->attrs, cand), trusted,
                    tlsp_aprintf("Accepts a certificate name under %s, whichever of its servers "
                                 "the MX records name.%s",
                                 cand + 1, trust_note(c)),
                    tlsp_aprintf("You pin the provider's domain %s by hand: if its servers move "
                                 "to other names, mail defers until you change the entry.",
                                 cand + 1));
        else
            add_fix(c, table_line(c, level, &c->attrs, cand), trusted,
                    tlsp_aprintf("Accepts a certificate that carries exactly the name %s.%s", cand,
                                 trust_note(c)),
                    tlsp_aprintf("The narrowest pin, but mail defers once the provider's "
                                 "certificate stops carrying %s.",
                                 cand));
    }
    /* No name related to the MX host: the certificate's own names, as
     * the founding case's hearst.com entry pins gslb.pphosted.com. */
    for (i = 0; d->n_fixes == before && i < d->n_cert_names && c->st == TLSP_OK; i++) {
        const char *n = d->cert_names[i];
        char *cand = tlsp_name_is_wildcard(n) ? tlsp_aprintf(".%s", n + 2) : tlsp_strdup(n);

        if (cand == NULL)
            goto nomem;
        if (!tlsp_name_is_ip(cand) && tlsp_verify_name(chain, cand, NULL)) {
            if (cand[0] == '.')
                add_fix(c, table_line(c, level, &c->attrs, cand), trusted,
                        tlsp_aprintf("Accepts a certificate name under %s, the domain the "
                                     "certificate names (not the MX host's).%s",
                                     cand + 1, trust_note(c)),
                        tlsp_aprintf("You pin %s by hand, a domain unrelated to the MX host "
                                     "name %s: make sure it is the provider's; mail defers "
                                     "once the certificate stops carrying a name under it.",
                                     cand + 1, host));
            else
                add_fix(c, table_line(c, level, &c->attrs, cand), trusted,
                        tlsp_aprintf("Accepts a certificate that carries exactly the name %s, "
                                     "the name the certificate shows.%s",
                                     cand, trust_note(c)),
                        tlsp_aprintf("You pin %s by hand, a name unrelated to the MX host name "
                                     "%s: make sure it is the provider's; mail defers once the "
                                     "certificate stops carrying it.",
                                     cand, host));
        }
        free(cand);
    }
    /* verify: the MX host name as DNS returns it. */
    if (strcmp(level, "secure") == 0 && c->mx_lookup && tlsp_verify_name(chain, host, NULL))
        add_fix(c, table_line(c, "verify", &c->attrs, NULL), trusted,
                tlsp_aprintf("Checks the certificate against the MX host name that DNS returns "
                             "(match strategy hostname).%s",
                             trust_note(c)),
                tlsp_strdup("Trusts the MX answer: as strong as the DNS that serves it; whoever "
                            "can forge the MX record (no DNSSEC) chooses the name."));
    goto out;
nomem:
    c->st = TLSP_NOMEM;
out:
    free(m);
    tlsp_strvec_fini(&cands);
    return d->n_fixes - before;
}

/* fix_guess - the log shows no certificate name (a status line alone, or a
 * name error without the subject CN) and the MX host is not under the next
 * hop, at verify or secure (or a level not known): the line an administrator
 * most likely needs, match= the MX host's domain (its parent, as
 * suffix_for_host() falls back to). A guess from the host's name, never
 * checked. */
static void
fix_guess(struct fctx *c, const char *level)
{
    const char *host = c->a->mx_host, *dom;
    char *match = NULL, *line = NULL, *word = NULL;

    /* At fingerprint or a DANE level the names are not what failed. */
    if (c->level != TLSP_LEVEL_NOTFOUND && c->level != TLSP_LEVEL_VERIFY &&
        c->level != TLSP_LEVEL_SECURE)
        return;
    if (c->d->n_cert_names > 0 || !c->mx_lookup || c->nexthop == NULL || host == NULL ||
        tlsp_name_is_ip(host) || tlsp_name_is_ip(c->nexthop) || strcasecmp(host, c->nexthop) == 0 ||
        tlsp_name_is_below(host, c->nexthop) || (dom = tlsp_name_parent(host)) == NULL)
        return;
    if ((match = tlsp_aprintf(".%s", dom)) == NULL || (word = tlsp_shell_word(c->key)) == NULL) {
        c->st = TLSP_NOMEM;
        goto out;
    }
    if ((line = table_line(c, level, &c->attrs, match)) == NULL)
        goto out;
    if (c->entry_value && strcmp(line + strlen(c->key) + 1, c->entry_value) == 0)
        goto out; /* the entry says so already: the names are something else */
    add_fix(c, line, false,
            tlsp_aprintf("Accepts a certificate name under %s, the domain of the MX host %s, if "
                         "the certificate carries one (not known from the log: tlspolicy check "
                         "%s shows it).",
                         dom, host, word),
            tlsp_aprintf("A guess from the MX host's name, not checked against the certificate; "
                         "and you pin the provider's domain %s by hand: if its servers move to "
                         "other names, mail defers until you change the entry.",
                         dom));
    line = NULL;
out:
    free(line);
    free(match);
    free(word);
}

/* ---- fixes: the chain ---------------------------------------------------------------- */

/* fpt_bytes - how many bytes a logged fingerprint XX:XX:... has; 0 if it is not one. */
static size_t
fpt_bytes(const char *fpt)
{
    size_t n = strlen(fpt), i;

    if (n < 2 || (n + 1) % 3 != 0)
        return 0;
    for (i = 0; i < n; i++)
        if (i % 3 == 2 ? fpt[i] != ':' : strchr("0123456789ABCDEFabcdef", fpt[i]) == NULL)
            return 0;
    return (n + 1) / 3;
}

/* fix_pin - "KEY fingerprint match=FPT" from the logged fingerprint. With a
 * configuration the digest is smtp_tls_fingerprint_digest (its
 * compatibility_level default included), and the pin is offered only when
 * the logged fingerprint has that digest's size; without one the size tells
 * the digest Postfix used when it wrote the log. */
static void
fix_pin(struct fctx *c)
{
    const struct tlsp_attempt *a = c->a;
    const char *fpt = a->cert_fpt ? a->cert_fpt : a->pkey_fpt, *digest = NULL;
    bool pkey = a->cert_fpt == NULL;
    char name[PARAM_NAME_MAX];
    size_t n;

    if (fpt == NULL || (n = fpt_bytes(fpt)) == 0)
        return;
    if (c->cf) {
        const EVP_MD *md;

        digest = pget(c, "tls_fingerprint_digest", name, sizeof(name));
        if ((md = EVP_get_digestbyname(digest)) == NULL || (size_t)EVP_MD_get_size(md) != n)
            return; /* logged with another digest than the one configured now */
    } else {
        digest = n == 16   ? "md5"
                 : n == 20 ? "sha1"
                 : n == 32 ? "sha256"
                 : n == 64 ? "sha512"
                           : NULL;
        if (digest == NULL)
            return;
    }
    add_fix(c, table_line(c, "fingerprint", &c->attrs, fpt), true,
            pkey ? tlsp_aprintf("Pins the server's public key (its %s digest, as Postfix "
                                "logged it), whatever CA issued the certificate, its names or "
                                "its dates.",
                                digest)
                 : tlsp_aprintf("Pins the server's certificate (its %s digest, as Postfix "
                                "logged it), whatever CA issued it, its names or its dates.",
                                digest),
            tlsp_aprintf("%s; with several MX hosts, list each one's (separated by |).%s",
                         pkey ? "Mail defers as soon as the server changes its key"
                              : "Breaks at every certificate renewal: mail defers as soon as "
                                "the server presents another certificate",
                         strcmp(digest, "md5") == 0
                             ? (strcmp(c->prefix, "lmtp") == 0
                                    ? " md5 is weak: set lmtp_tls_fingerprint_digest = sha256 (or "
                                      "compatibility_level = 3.6) first, and pin the sha256 digest."
                                    : " md5 is weak: set smtp_tls_fingerprint_digest = sha256 (or "
                                      "compatibility_level = 3.6) first, and pin the sha256 "
                                      "digest.")
                             : ""));
}

/* issuer_name - the untrusted issuer's CN, from the verification failure line. */
static char *
issuer_name(const struct tlsp_attempt *a)
{
    const char *p;

    if (a->verify_error && (p = strstr(a->verify_error, "untrusted issuer ")) != NULL)
        return tlsp_dn_short_name(p + strlen("untrusted issuer "));
    return tlsp_strdup(a->issuer_cn ? a->issuer_cn : "(unknown)");
}

static const char *server_name(const struct fctx *c);

/* subject_name - the server certificate's CN as the log shows it. */
static char *
subject_name(const struct fctx *c)
{
    const struct tlsp_attempt *a = c->a;
    size_t i;

    if (a->subject_cn)
        return tlsp_aprintf("\"%s\"", a->subject_cn);
    if (a->common_name)
        return tlsp_aprintf("\"%s\"", a->common_name);
    for (i = 0; i < a->n_depths; i++)
        if (a->depths[i].depth == 0) {
            char *n = tlsp_dn_short_name(a->depths[i].subject), *q;

            if (n == NULL)
                return NULL;
            q = tlsp_aprintf("\"%s\"", n);
            free(n);
            return q;
        }
    if (c->d->n_cert_names)
        return tlsp_aprintf("\"%s\"", c->d->cert_names[0]);
    /* The log names no subject (loglevel 1): the server it came from. */
    return tlsp_aprintf("of %s", server_name(c));
}

/* fix_cafile - trust Debian's CA bundle: the configuration trusts no CA.
 * besides_names: the log's cause is about the names, and the line is needed
 * as well as a name fix. */
static void
fix_cafile(struct fctx *c, bool besides_names)
{
    add_fix(c, tlsp_aprintf("%s_tls_CAfile = /etc/ssl/certs/ca-certificates.crt", c->prefix), false,
            besides_names
                ? tlsp_strdup("Trusts the public CAs of Debian's ca-certificates package (a "
                              "main.cf setting): this configuration trusts no CA, so at verify or "
                              "secure no certificate passes whatever its names, and a name fix "
                              "alone does not help.")
                : tlsp_strdup("Trusts the public CAs of Debian's ca-certificates package (a "
                              "main.cf setting)."),
            tlsp_strdup("Every CA in the bundle can then vouch for any destination checked "
                        "at verify or secure."));
}

/* fixes_trust - explain.c's fixes_trust() for the chain error the log names. */
static void
fixes_trust(struct fctx *c)
{
    char *name;

    switch (c->d->cause) {
    case TLSP_CAUSE_NOTHING_TRUSTED:
        fix_cafile(c, false);
        return;
    case TLSP_CAUSE_UNKNOWN_ISSUER:
        if ((name = issuer_name(c->a)) == NULL)
            break;
        advice(c,
               tlsp_aprintf("If \"%s\" is an intermediate CA, ask the server's operator to send "
                            "it with the certificate; if it is a root CA you have reason to "
                            "trust, add it to %s_tls_CAfile.",
                            name, c->prefix),
               tlsp_aprintf("A root added to %s_tls_CAfile can vouch for every destination "
                            "checked at verify or secure.",
                            c->prefix));
        free(name);
        return;
    case TLSP_CAUSE_MISSING_INTERMEDIATE:
        if ((name = issuer_name(c->a)) == NULL)
            break;
        advice(c,
               tlsp_aprintf("Ask the server's operator to send the intermediate CA \"%s\" with "
                            "the certificate: the server's chain is incomplete, for its operator "
                            "to fix.",
                            name),
               tlsp_aprintf("Nothing on your side; adding an intermediate CA to %s_tls_CAfile "
                            "would trust it as an anchor.",
                            c->prefix));
        free(name);
        return;
    case TLSP_CAUSE_SELF_SIGNED:
        if ((name = subject_name(c)) == NULL)
            break;
        advice(c,
               tlsp_aprintf("The certificate %s is self-signed: ask the server's operator "
                            "for one issued by a CA you trust, or pin it.",
                            name),
               tlsp_strdup("Nothing on your side; no CA vouches for a self-signed certificate."));
        free(name);
        return;
    case TLSP_CAUSE_EXPIRED:
        if ((name = subject_name(c)) == NULL)
            break;
        advice(c,
               tlsp_aprintf("The server's operator must replace the certificate %s: no CA "
                            "setting makes it valid now.",
                            name),
               tlsp_strdup("Nothing on your side; pinning the key (fingerprint) ignores "
                           "validity dates."));
        free(name);
        return;
    case TLSP_CAUSE_CHAIN_UNTRUSTED:
        if ((name = issuer_name(c->a)) == NULL)
            break;
        advice(c,
               tlsp_aprintf("Add the CA that issued the server's certificate (\"%s\") to "
                            "%s_tls_CAfile if you have reason to trust it, or ask the server's "
                            "operator to send its full chain.",
                            name, c->prefix),
               tlsp_aprintf("A CA added to %s_tls_CAfile can vouch for every destination "
                            "checked at verify or secure.",
                            c->prefix));
        free(name);
        return;
    default:
        return;
    }
    c->st = TLSP_NOMEM;
}

/* ---- fixes: the entry's own attributes ---------------------------------------------- */

/* with_attr - v with attribute name set to value (NULL: removed). */
static void
with_attr(struct fctx *c, const struct tlsp_strvec *v, const char *name, const char *value,
          struct tlsp_strvec *out)
{
    size_t i;

    tlsp_strvec_init(out);
    for (i = 0; i < v->n && c->st == TLSP_OK; i++) {
        if (!attr_is(v->v[i], name))
            c->st = tlsp_strvec_push(out, v->v[i]);
        else if (value)
            c->st = tlsp_strvec_pushf(out, "%s=%s", name, value);
    }
}

/* entry_known - the entry that applied is a policy-table entry we can rewrite. */
static bool
entry_known(const struct fctx *c)
{
    return c->entry_level != NULL && !c->d->new_entry;
}

/* fix_attr - an attribute whose value Postfix rejects at the handshake
 * (spec 2.4: ciphers=, protocols=, exclude=), or the main.cf parameter
 * that holds it: corrected to good (when there is a near one), else
 * dropped or set to Postfix's default. */
static void
fix_attr(struct fctx *c, const char *attr, const char *bad, const char *good, const char *mandatory,
         const char *opportunistic, const char *param_default, const char *what_bad)
{
    const char *v = entry_known(c) ? attr_value(&c->all, attr) : NULL;
    char name[PARAM_NAME_MAX];
    struct tlsp_strvec changed;

    if (v && strcasecmp(v, bad) == 0) {
        if (good) {
            with_attr(c, &c->all, attr, good, &changed);
            add_fix(c, table_line(c, c->entry_level, &changed, NULL), true,
                    tlsp_aprintf("Corrects %s=%s to %s=%s, the nearest valid %s.", attr, bad, attr,
                                 good, what_bad),
                    tlsp_strdup("None: the entry then says what it meant to say."));
            tlsp_strvec_fini(&changed);
        }
        with_attr(c, &c->all, attr, NULL, &changed);
        add_fix(c, table_line(c, c->entry_level, &changed, NULL), true,
                tlsp_aprintf("Drops %s=%s: Postfix then uses %s_%s (at encrypt and above) or "
                             "%s_%s (at may).",
                             attr, bad, c->prefix, mandatory, c->prefix, opportunistic),
                tlsp_strdup("This destination gets the main.cf setting instead of one of its "
                            "own."));
        tlsp_strvec_fini(&changed);
        return;
    }
    if (c->cf) {
        const char *params[] = {mandatory, opportunistic};
        size_t i;

        for (i = 0; i < 2; i++) {
            const char *pv = pget(c, params[i], name, sizeof(name));

            if (strcasecmp(pv, bad) != 0)
                continue;
            add_fix(c, tlsp_aprintf("%s = %s", name, good ? good : param_default), true,
                    tlsp_aprintf("Corrects %s, which is not a valid %s (a main.cf setting).", name,
                                 what_bad),
                    tlsp_strdup("None: Postfix then uses the setting as meant."));
            return;
        }
    }
    advice(c,
           tlsp_aprintf("Replace \"%s\"%s%s%s: it is not a valid %s. It is in the policy entry "
                        "for %s (%s=) or in %s_%s / %s_%s, wherever it is written.",
                        bad, good ? " by \"" : "", good ? good : "", good ? "\"" : "", what_bad,
                        c->key, attr, c->prefix, mandatory, c->prefix, opportunistic),
           tlsp_strdup("None: Postfix then uses the setting as meant."));
}

/* fix_exclusion - drop the element Postfix rejects from exclude= (or the
 * parameter), keeping the others. */
static void
fix_exclusion(struct fctx *c, const char *bad)
{
    const char *v = entry_known(c) ? attr_value(&c->all, "exclude") : NULL;
    struct tlsp_strvec elems, changed;
    struct tlsp_buf b;
    bool found = false;
    size_t i;

    tlsp_strvec_init(&elems);
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if (v && (c->st = tlsp_strvec_split(&elems, v, ":")) == TLSP_OK)
        for (i = 0; i < elems.n && c->st == TLSP_OK; i++) {
            if (strcmp(elems.v[i], bad) == 0)
                found = true;
            else
                c->st = tlsp_buf_printf(&b, "%s%s", tlsp_buf_str(&b)[0] ? ":" : "", elems.v[i]);
        }
    if (c->st == TLSP_OK && found) {
        with_attr(c, &c->all, "exclude", tlsp_buf_str(&b)[0] ? tlsp_buf_str(&b) : NULL, &changed);
        add_fix(c, table_line(c, c->entry_level, &changed, NULL), true,
                tlsp_aprintf("Drops \"%s\" from exclude=, which Postfix rejects at the "
                             "handshake (an exclusion has no '!', '+', '-' or '@').",
                             bad),
                tlsp_strdup("None: the other exclusions stay."));
        tlsp_strvec_fini(&changed);
    } else if (c->st == TLSP_OK) {
        advice(c,
               tlsp_aprintf("Remove \"%s\" from the cipher exclusions (the policy entry's "
                            "exclude= for %s, or %s_tls_mandatory_exclude_ciphers / "
                            "%s_tls_exclude_ciphers): an exclusion names ciphers or their "
                            "properties without '!', '+', '-' or '@'.",
                            bad, c->key, c->prefix, c->prefix),
               tlsp_strdup("None: the other exclusions stay."));
    }
    tlsp_buf_fini(&b);
    tlsp_strvec_fini(&elems);
}

static void
fixes_ciphers(struct fctx *c)
{
    char *grade = quoted(warning_after(c->a, "invalid cipher grade: \""));
    const char *excl = warning_after(c->a, "in cipher exclusion: ");

    if (grade)
        fix_attr(c, "ciphers", grade, nearest(grade, grades), "tls_mandatory_ciphers",
                 "tls_ciphers", "medium", "cipher grade (high, medium, low, export, null)");
    if (excl)
        fix_exclusion(c, excl);
    if (grade == NULL && excl == NULL)
        advice(c,
               tlsp_aprintf("Correct the cipher settings for %s: the policy entry's ciphers= "
                            "and exclude=, or %s_tls_mandatory_ciphers and "
                            "%s_tls_mandatory_exclude_ciphers.",
                            c->key, c->prefix, c->prefix),
               tlsp_strdup("None: Postfix then uses the setting as meant."));
    free(grade);
}

static void
fixes_protocols(struct fctx *c)
{
    char *list = quoted(warning_after(c->a, "Invalid TLS protocol list \""));

    if (list)
        fix_attr(c, "protocols", list, NULL, "tls_mandatory_protocols", "tls_protocols",
                 ">=TLSv1.2", "protocol list (e.g. >=TLSv1.2)");
    else
        advice(c,
               tlsp_aprintf("Correct the protocol list for %s: the policy entry's protocols= or "
                            "%s_tls_mandatory_protocols (e.g. >=TLSv1.2).",
                            c->key, c->prefix),
               tlsp_strdup("None: Postfix then uses the setting as meant."));
    free(list);
}

/* ---- fixes: the policy entry itself ---------------------------------------------------- */

static bool
level_word_valid(const char *word)
{
    enum tlsp_level l = tlsp_level_lookup(word);

    return l != TLSP_LEVEL_INVALID && l != TLSP_LEVEL_HALFDANE;
}

/* fixes_entry_warning - advice from Postfix's warning when the entry is not known. */
static void
fixes_entry_warning(struct fctx *c)
{
    const char *w = warning_after(c->a, ", next-hop destination \"");
    char *bad;

    if (w && (w = strstr(w, "\": ")) != NULL)
        w += 3;
    if (w && strncmp(w, "invalid security level \"", 24) == 0 && (bad = quoted(w + 24))) {
        const char *near = nearest(bad, table_levels);

        advice(c,
               tlsp_aprintf("Replace the level \"%s\" in the policy entry for %s by %s%s%s "
                            "(none, may, encrypt, fingerprint, dane, dane-only, verify or "
                            "secure).",
                            bad, c->key, near ? "\"" : "a valid level", near ? near : "",
                            near ? "\", the nearest valid level" : ""),
               tlsp_strdup("None: Postfix then applies the entry."));
        free(bad);
        return;
    }
    if (w && strncmp(w, "invalid attribute name: \"", 25) == 0 && (bad = quoted(w + 25))) {
        const char *near = nearest(bad, attr_names);

        advice(c,
               tlsp_aprintf("Remove the attribute %s= from the policy entry for %s%s%s%s.", bad,
                            c->key, near ? " (or correct its name to " : "", near ? near : "",
                            near ? "=)" : ""),
               tlsp_strdup("None: Postfix then applies the entry."));
        free(bad);
        return;
    }
    advice(
        c,
        w ? tlsp_aprintf("Correct the policy entry for %s, which Postfix rejects: %s.", c->key, w)
          : tlsp_aprintf("Correct the policy entry for %s, which Postfix rejects (its warning "
                         "names the problem).",
                         c->key),
        tlsp_strdup("None: Postfix then applies the entry."));
}

/* fixes_policy_warning - a valid entry that Postfix still cannot apply:
 * the DANE settings (spec 1.6), a trust-anchor file; advice from the warning. */
static void
fixes_policy_warning(struct fctx *c)
{
    const char *w = c->a->n_warnings ? c->a->warnings[0] : NULL;
    size_t i;

    for (i = 0; i < c->a->n_warnings; i++)
        if (strstr(c->a->warnings[i], "configured with dnssec lookups disabled")) {
            add_fix(c, tlsp_aprintf("%s_dns_support_level = dnssec", c->prefix), false,
                    tlsp_strdup("Turns on the DNSSEC lookups DANE needs (a main.cf setting); "
                                "the resolver in /etc/resolv.conf must validate DNSSEC."),
                    tlsp_strdup("None for unsigned domains; lookups then ask for DNSSEC "
                                "status."));
            return;
        }
    advice(c,
           w ? tlsp_aprintf("The entry for %s is valid, but Postfix cannot apply it: \"%s\".",
                            c->key, w)
             : tlsp_aprintf("The entry for %s is valid, but Postfix cannot apply it (its "
                            "warnings before the deferral name the problem).",
                            c->key),
           tlsp_strdup("None: Postfix then applies the entry."));
}

/* fixes_entry - the entry rewritten so that Postfix accepts it: a misspelt
 * level or attribute name corrected (within EDIT_MAX), every attribute
 * Postfix still rejects dropped; each step checked with
 * tlsp_policy_parse_entry(). */
static void
fixes_entry(struct fctx *c)
{
    const char *level;
    struct tlsp_strvec kept, changes;
    struct tlsp_buf what;
    bool dropped = false;
    size_t i;
    char *line;

    if (!entry_known(c)) {
        fixes_entry_warning(c);
        return;
    }
    if ((line = table_line(c, c->entry_level, &c->all, NULL)) == NULL)
        return;
    if (line_valid(c, line)) {
        /* The entry is fine: the problem is elsewhere (DANE settings, tafile=). */
        free(line);
        fixes_policy_warning(c);
        return;
    }
    free(line);
    tlsp_strvec_init(&kept);
    tlsp_strvec_init(&changes);
    tlsp_buf_init(&what, TLSP_BUF_TEXT_LIMIT);
    level = c->entry_level;
    if (!level_word_valid(level)) {
        if ((level = nearest(level, table_levels)) == NULL) {
            fixes_entry_warning(c);
            goto out;
        }
        c->st = tlsp_strvec_pushf(&changes, "the level \"%s\" becomes %s", c->entry_level, level);
    }
    for (i = 0; i < c->all.n && c->st == TLSP_OK; i++) {
        const char *attr = c->all.v[i], *eq = strchr(attr, '=');
        bool ok = false;

        if ((c->st = tlsp_strvec_push(&kept, attr)) != TLSP_OK)
            break;
        if ((line = table_line(c, level, &kept, NULL)) == NULL)
            break;
        ok = line_valid(c, line);
        free(line);
        if (ok)
            continue;
        free(kept.v[--kept.n]);
        kept.v[kept.n] = NULL;
        if (eq && eq > attr) {
            char *name = tlsp_strndup(attr, (size_t)(eq - attr));
            const char *near = name ? nearest(name, attr_names) : NULL;

            if (name == NULL) {
                c->st = TLSP_NOMEM;
                break;
            }
            if (near && strcasecmp(near, name) != 0 &&
                (c->st = tlsp_strvec_pushf(&kept, "%s%s", near, eq)) == TLSP_OK &&
                (line = table_line(c, level, &kept, NULL)) != NULL) {
                ok = line_valid(c, line);
                free(line);
                if (ok)
                    c->st = tlsp_strvec_pushf(&changes, "%s= becomes %s=", name, near);
                else {
                    free(kept.v[--kept.n]);
                    kept.v[kept.n] = NULL;
                }
            }
            free(name);
        }
        if (!ok && c->st == TLSP_OK) {
            dropped = true;
            c->st = tlsp_strvec_pushf(&changes, "drops %s", attr);
        }
    }
    for (i = 0; i < changes.n && c->st == TLSP_OK; i++)
        c->st = tlsp_buf_printf(&what, "%s%s", i ? "; " : "", changes.v[i]);
    if (c->st == TLSP_OK)
        add_fix(c, table_line(c, level, &kept, NULL), true,
                tlsp_aprintf("Corrects the entry Postfix rejects: %s.", tlsp_buf_str(&what)),
                tlsp_strdup(dropped ? "What the dropped attributes meant to set no longer "
                                      "applies: check that the entry still says what you meant."
                                    : "None: the entry then says what it meant to say."));
out:
    tlsp_buf_fini(&what);
    tlsp_strvec_fini(&changes);
    tlsp_strvec_fini(&kept);
}

/* policy_table - the table Postfix could not read, as its warnings name it. */
static char *
policy_table(struct fctx *c)
{
    static const char *const markers[] = {" is unavailable", " lookup error for "};
    char name[PARAM_NAME_MAX];
    const char *p, *maps;
    size_t i, k;

    for (k = 0; k < 2; k++)
        for (i = 0; i < c->a->n_warnings; i++)
            if ((p = strstr(c->a->warnings[i], markers[k])) != NULL &&
                strchr(c->a->warnings[i], ':') < p)
                return tlsp_strndup(c->a->warnings[i], (size_t)(p - c->a->warnings[i]));
    maps = pget(c, "tls_policy_maps", name, sizeof(name));
    return *maps ? tlsp_strndup(maps, strcspn(maps, TLSP_COMMA_SP)) : NULL;
}

static void
fixes_table(struct fctx *c)
{
    char *table = policy_table(c);

    if (c->d->cause == TLSP_CAUSE_POLICY_TABLE_MISSING)
        advice(c,
               table ? tlsp_aprintf("Run \"postmap %s\" to build the table Postfix reads, and "
                                    "again after every change to its source file.",
                                    table)
                     : tlsp_aprintf("Run \"postmap TYPE:FILE\" for the table %s_tls_policy_maps "
                                    "names, and again after every change to its source file.",
                                    c->prefix),
               tlsp_aprintf("None: %s(8) reads only the compiled table, never the text file.",
                            c->prefix));
    else
        advice(c,
               tlsp_aprintf("Make %s readable for Postfix: %s(8) could not look %s up in it, "
                            "and defers rather than guess a policy.",
                            table ? table : "the policy table", c->prefix, c->key),
               tlsp_strdup("None: Postfix then finds the entry again."));
    free(table);
}

/* ---- fixes: the connection ------------------------------------------------------------- */

static const char *
server_name(const struct fctx *c)
{
    return c->a->mx_host ? c->a->mx_host : c->nexthop ? c->nexthop : c->key;
}

/* word_in - word is one of the elements of list (comma, space separated);
 * the other elements go to others. */
static bool
word_in(struct fctx *c, const char *list, const char *word, struct tlsp_strvec *others)
{
    struct tlsp_strvec v;
    bool found = false;
    size_t i;

    tlsp_strvec_init(&v);
    if ((c->st = tlsp_strvec_split(&v, list, TLSP_COMMA_SP)) == TLSP_OK)
        for (i = 0; i < v.n && c->st == TLSP_OK; i++) {
            if (strcasecmp(v.v[i], word) == 0)
                found = true;
            else
                c->st = tlsp_strvec_push(others, v.v[i]);
        }
    tlsp_strvec_fini(&v);
    return found && c->st == TLSP_OK;
}

static void
fixes_starttls(struct fctx *c)
{
    if (c->d->cause == TLSP_CAUSE_STARTTLS_NOT_OFFERED) {
        char name[PARAM_NAME_MAX];
        const char *v = pget(
            c, strcmp(c->prefix, "lmtp") == 0 ? "discard_lhlo_keywords" : "discard_ehlo_keywords",
            name, sizeof(name));
        struct tlsp_strvec others;

        tlsp_strvec_init(&others);
        if (word_in(c, v, "starttls", &others)) {
            struct tlsp_buf b;
            size_t i;

            tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
            c->st = tlsp_buf_printf(&b, "%s =", name);
            for (i = 0; i < others.n && c->st == TLSP_OK; i++)
                c->st = tlsp_buf_printf(&b, "%s%s", i ? ", " : " ", others.v[i]);
            if (c->st == TLSP_OK)
                add_fix(c, tlsp_buf_steal(&b), false,
                        tlsp_aprintf("Stops discarding the STARTTLS keyword of the server's %s "
                                     "reply (a main.cf setting; %s lists it).",
                                     strcmp(c->prefix, "lmtp") == 0 ? "LHLO" : "EHLO", name),
                        tlsp_strdup("None for TLS; the other keywords stay discarded."));
            tlsp_buf_fini(&b);
        }
        tlsp_strvec_fini(&others);
        advice(c,
               tlsp_aprintf("Ask the operator of %s to offer STARTTLS; if it offers it to other "
                            "clients, something on the path (a firewall or proxy that inspects "
                            "SMTP) removes it.",
                            server_name(c)),
               tlsp_strdup("Nothing to change on your side."));
    } else {
        const char *reply = c->a->reason ? strstr(c->a->reason, "refused to start TLS: ") : NULL;

        advice(c,
               reply ? tlsp_aprintf("%s answered STARTTLS with \"%s\": its TLS is broken or "
                                    "switched off, for its operator to fix.",
                                    server_name(c), reply + strlen("refused to start TLS: "))
                     : tlsp_aprintf("%s refused to start TLS: its TLS is broken or switched "
                                    "off, for its operator to fix.",
                                    server_name(c)),
               tlsp_strdup("Nothing to change on your side."));
    }
    fix_weaker(c, TLSP_LEVEL_MAY);
}

/* library_reason - "sslv3 alert handshake failure" from a TLS library warning. */
static char *
library_reason(const struct tlsp_attempt *a)
{
    const char *p = warning_after(a, "routines::");

    return p ? tlsp_strndup(p, strcspn(p, ":")) : NULL;
}

static void
fixes_handshake(struct fctx *c)
{
    char *why = library_reason(c->a);
    static const char *const restricting[] = {"exclude", "ciphers"};
    struct tlsp_strvec changed;
    const char *v;
    size_t i;

    if (c->d->cause == TLSP_CAUSE_HANDSHAKE_PROTOCOL) {
        advice(c,
               tlsp_aprintf("%s accepts none of the TLS protocol versions Postfix offered%s%s%s: "
                            "compare %s_tls_mandatory_protocols (or the entry's protocols=) with "
                            "what it supports.",
                            server_name(c), why ? " (" : "", why ? why : "", why ? ")" : "",
                            c->prefix),
               tlsp_strdup("Nothing to change until you know which versions it speaks."));
        if (entry_known(c) && (v = attr_value(&c->all, "protocols")) != NULL &&
            strcmp(v, ">=TLSv1.2") != 0) {
            with_attr(c, &c->all, "protocols", ">=TLSv1.2", &changed);
            add_fix(c, table_line(c, c->entry_level, &changed, NULL), false,
                    tlsp_aprintf("Offers TLS 1.2 and later instead of protocols=%s, which the "
                                 "server refused.",
                                 v),
                    tlsp_strdup("A server that speaks only TLS 1.0 or 1.1 still fails; nothing "
                                "older is offered."));
            tlsp_strvec_fini(&changed);
        }
    } else {
        advice(c,
               tlsp_aprintf("%s ended the TLS handshake%s%s%s: it shares no cipher or protocol "
                            "with what Postfix offered, or refuses this client; compare "
                            "%s_tls_mandatory_ciphers, %s_tls_mandatory_exclude_ciphers and the "
                            "entry's ciphers= and exclude= with what it supports, or ask its "
                            "operator.",
                            server_name(c), why ? " (" : "", why ? why : "", why ? ")" : "",
                            c->prefix, c->prefix),
               tlsp_strdup("Nothing to change until you know which side is wrong."));
        for (i = 0; i < 2 && entry_known(c); i++) {
            if ((v = attr_value(&c->all, restricting[i])) == NULL)
                continue;
            with_attr(c, &c->all, restricting[i], NULL, &changed);
            add_fix(c, table_line(c, c->entry_level, &changed, NULL), false,
                    tlsp_aprintf("Drops the entry's %s=%s, which may leave no cipher the server "
                                 "accepts.",
                                 restricting[i], v),
                    tlsp_aprintf("The main.cf %s setting then applies to this destination too.",
                                 i == 0 ? "cipher exclusion" : "cipher grade"));
            tlsp_strvec_fini(&changed);
        }
    }
    free(why);
    fix_weaker(c, TLSP_LEVEL_MAY);
}

static void
fixes_engine(struct fctx *c)
{
    const char *e = c->a->engine_error, *p;
    char *path = NULL;

    if (e && (p = strstr(e, "CAfile=\"")) != NULL && (path = quoted(p + 8)) != NULL) {
        add_fix(c, tlsp_aprintf("%s_tls_CAfile = /etc/ssl/certs/ca-certificates.crt", c->prefix),
                false,
                tlsp_aprintf("Points %s_tls_CAfile at Debian's CA bundle instead of %s, which "
                             "Postfix cannot load (a main.cf setting); or put a readable PEM "
                             "file at %s.",
                             c->prefix, path, path),
                tlsp_strdup("Every CA in the bundle can then vouch for any destination checked "
                            "at verify or secure."));
    } else if (e && (p = strstr(e, "CApath=\"")) != NULL && (path = quoted(p + 8)) != NULL) {
        add_fix(c, tlsp_aprintf("%s_tls_CApath = /etc/ssl/certs", c->prefix), false,
                tlsp_aprintf("Points %s_tls_CApath at Debian's hashed CA directory instead of "
                             "%s, which Postfix cannot load (a main.cf setting).",
                             c->prefix, path),
                tlsp_strdup("Every CA in the directory can then vouch for any destination "
                            "checked at verify or secure."));
    } else if (e && strstr(e, "Digest algorithm") != NULL) {
        add_fix(c, tlsp_aprintf("%s_tls_fingerprint_digest = sha256", c->prefix), false,
                tlsp_strdup("Names a digest OpenSSL has (a main.cf setting)."),
                tlsp_strdup("Fingerprints in the policy table must then be sha256 digests."));
    } else {
        advice(c,
               tlsp_aprintf("Correct what keeps Postfix's TLS engine from starting%s%s (the "
                            "process logs it when it starts): %s_tls_CAfile, %s_tls_CApath, "
                            "%s_tls_fingerprint_digest.",
                            e ? ": " : "", e ? e : "", c->prefix, c->prefix, c->prefix),
               tlsp_strdup("None: Postfix then uses TLS again."));
    }
    if (path == NULL && e && (strstr(e, "CAfile=\"") || strstr(e, "CApath=\"")))
        c->st = TLSP_NOMEM;
    free(path);
}

/* fixes_fingerprint - at fingerprint only the leaf's digest counts (spec
 * 1.5): the certificate changed, or the configured digests are of another
 * algorithm; pin what the log shows. */
static void
fixes_fingerprint(struct fctx *c)
{
    advice(c,
           tlsp_aprintf("The server's certificate matches none of the fingerprints configured "
                        "for %s: it changed (a renewal or a new key), or the fingerprints are "
                        "not %s_tls_fingerprint_digest digests.",
                        c->key, c->prefix),
           tlsp_strdup("Nothing to trade: the pin below replaces the old one."));
    fix_pin(c);
    fix_weaker(c, TLSP_LEVEL_ENCRYPT);
}

static void
fixes_dane(struct fctx *c)
{
    const char *host = server_name(c), *dom = c->nexthop ? c->nexthop : c->key;

    switch (c->d->cause) {
    case TLSP_CAUSE_DANE_TLSA_LOOKUP:
        advice(c,
               tlsp_aprintf("Postfix could not look up the TLSA records of %s (a DNS failure, "
                            "not a missing record): check that the resolver Postfix uses "
                            "validates DNSSEC and answers TLSA queries.",
                            host),
               tlsp_strdup("Nothing weaker is needed when the resolver is the problem."));
        fix_weaker(c, TLSP_LEVEL_ENCRYPT);
        break;
    case TLSP_CAUSE_DANE_NO_TLSA:
        advice(c,
               tlsp_aprintf("%s publishes no TLSA records for %s, so dane-only cannot be met "
                            "until its operator publishes them.",
                            dom, host),
               tlsp_strdup("Nothing to change on your side if they are coming."));
        fix_weaker(c, TLSP_LEVEL_DANE);
        break;
    case TLSP_CAUSE_DANE_NON_DNSSEC:
        advice(c,
               tlsp_aprintf("The DNS records of %s are not signed with DNSSEC (or the resolver "
                            "does not validate them), so DANE cannot apply: check "
                            "%s_dns_support_level = dnssec and a validating resolver.",
                            dom, c->prefix),
               tlsp_strdup("Nothing to change on your side if the domain is not signed."));
        fix_weaker(c, TLSP_LEVEL_DANE);
        break;
    case TLSP_CAUSE_DANE_UNUSABLE:
        advice(c,
               tlsp_aprintf("None of the TLSA records of %s is usable: its operator must "
                            "publish records with supported parameters.",
                            host),
               tlsp_strdup("Nothing to change on your side."));
        fix_weaker(c, TLSP_LEVEL_DANE);
        break;
    case TLSP_CAUSE_DANE_MISMATCH:
        if (c->level == TLSP_LEVEL_FINGERPRINT) {
            fixes_fingerprint(c);
            break;
        }
        advice(c,
               tlsp_aprintf("The server's certificate matches none of the TLSA records of %s: "
                            "its operator must publish records for the certificate in use (a "
                            "key rollover gone wrong).",
                            host),
               tlsp_strdup("Nothing to change on your side."));
        fix_weaker(c, TLSP_LEVEL_ENCRYPT);
        break;
    default:
        break;
    }
}

/* ---- the entry point ----------------------------------------------------------------- */

/* entry_split - the entry's level and attributes (explain.c's entry_attrs()). */
static enum tlsp_status
entry_split(struct fctx *c)
{
    const char *value;
    struct tlsp_strvec toks;
    enum tlsp_status st;
    size_t i;

    if (c->d->entry == NULL || c->d->new_entry || (value = strchr(c->d->entry, ' ')) == NULL)
        return TLSP_OK;
    if ((c->entry_value = tlsp_strdup(value + 1)) == NULL)
        return TLSP_NOMEM;
    tlsp_strvec_init(&toks);
    if ((st = tlsp_strvec_split_quoted(&toks, c->entry_value, TLSP_COMMA_SP)) == TLSP_OK &&
        toks.n > 0) {
        if ((c->entry_level = tlsp_strdup(toks.v[0])) == NULL)
            st = TLSP_NOMEM;
        for (i = 1; i < toks.n && st == TLSP_OK; i++) {
            st = tlsp_strvec_push(&c->all, toks.v[i]);
            if (st == TLSP_OK && !attr_is(toks.v[i], "match"))
                st = tlsp_strvec_push(&c->attrs, toks.v[i]);
        }
    }
    tlsp_strvec_fini(&toks);
    return st;
}

enum tlsp_status
tlsp_logfix_fixes(const struct tlsp_attempt *a, struct tlsp_cf *cf, bool trusts_nothing,
                  const struct tlsp_logfix_route *route, struct tlsp_logdiag *d,
                  struct tlsp_diag *diag)
{
    struct fctx c;
    struct svc s;
    struct tlsp_chain *chain = NULL;
    const char *pkix;
    (void)diag;
    if (a == NULL || d == NULL)
        return TLSP_INVAL;
    if (d->table_key == NULL || d->cause == TLSP_CAUSE_NONE)
        return TLSP_OK; /* no next hop to write a line for, or nothing to fix */
    memset(&c, 0, sizeof(c));
    tlsp_strvec_init(&c.all);
    tlsp_strvec_init(&c.attrs);
    if ((c.st = svc_open(a, cf, route, &s)) != TLSP_OK)
        goto out;
    c.a = a;
    c.d = d;
    c.cf = s.view ? s.view : cf;
    c.prefix = s.lmtp ? "lmtp" : "smtp";
    c.key = d->table_key;
    c.version = cf ? tlsp_cf_version(cf) : NULL;
    c.mx_lookup = !s.lmtp && c.key[0] != '[';
    if ((c.nexthop = tls_nexthop(c.key)) == NULL) {
        c.st = TLSP_NOMEM;
        goto out;
    }
    c.level = d->level ? tlsp_level_lookup(d->level) : TLSP_LEVEL_NOTFOUND;
    if (c.level == TLSP_LEVEL_INVALID)
        c.level = TLSP_LEVEL_NOTFOUND;
    if ((c.st = entry_split(&c)) != TLSP_OK)
        goto out;
    if (route && route->other_config) {
        /* The log shows another server than this configuration sends to:
         * its certificate names and fingerprints say nothing about the
         * routed next hop, so no line is built from them. */
        advice(&c,
               tlsp_aprintf("The log comes from another route than this configuration's (see "
                            "above): see what %s presents with \"tlspolicy check %s%s%s\" "
                            "before changing its policy.",
                            c.key, strchr(c.key, '[') ? "'" : "", c.key,
                            strchr(c.key, '[') ? "'" : ""),
               tlsp_strdup("Nothing changed until you know what that server presents."));
        goto out;
    }
    /* Name fixes keep the level when it checks names, else secure (spec 3.4). */
    pkix = c.level == TLSP_LEVEL_VERIFY ? "verify" : "secure";

    switch (d->cause) {
    case TLSP_CAUSE_NAME_MISMATCH:
    case TLSP_CAUSE_CHAIN_TRUST_UNKNOWN:
    case TLSP_CAUSE_NOT_VERIFIED:
        chain = leaf_chain(&c);
        if (c.st == TLSP_OK && fixes_names(&c, chain, pkix) == 0) {
            /* Nothing checked: the likely line, then a pin of what the log shows. */
            fix_guess(&c, pkix);
            fix_pin(&c);
        }
        if (trusts_nothing)
            fix_cafile(&c, true);
        fix_published(&c);
        fix_weaker(&c, TLSP_LEVEL_ENCRYPT);
        break;
    case TLSP_CAUSE_UNKNOWN_ISSUER:
    case TLSP_CAUSE_MISSING_INTERMEDIATE:
    case TLSP_CAUSE_SELF_SIGNED:
    case TLSP_CAUSE_EXPIRED:
    case TLSP_CAUSE_CHAIN_UNTRUSTED:
    case TLSP_CAUSE_NOTHING_TRUSTED:
        if (c.level == TLSP_LEVEL_FINGERPRINT) {
            fixes_fingerprint(&c);
            break;
        }
        fixes_trust(&c);
        fix_pin(&c);
        fix_published(&c);
        fix_weaker(&c, TLSP_LEVEL_ENCRYPT);
        break;
    case TLSP_CAUSE_BAD_CIPHERS:
        fixes_ciphers(&c);
        break;
    case TLSP_CAUSE_BAD_PROTOCOLS:
        fixes_protocols(&c);
        break;
    case TLSP_CAUSE_POLICY_INVALID:
        fixes_entry(&c);
        break;
    case TLSP_CAUSE_POLICY_TABLE_MISSING:
    case TLSP_CAUSE_POLICY_LOOKUP:
        fixes_table(&c);
        break;
    case TLSP_CAUSE_STARTTLS_NOT_OFFERED:
    case TLSP_CAUSE_STARTTLS_REFUSED:
        fixes_starttls(&c);
        break;
    case TLSP_CAUSE_HANDSHAKE:
    case TLSP_CAUSE_HANDSHAKE_PROTOCOL:
        fixes_handshake(&c);
        break;
    case TLSP_CAUSE_ENGINE_UNAVAILABLE:
        fixes_engine(&c);
        break;
    case TLSP_CAUSE_DANE_TLSA_LOOKUP:
    case TLSP_CAUSE_DANE_NO_TLSA:
    case TLSP_CAUSE_DANE_NON_DNSSEC:
    case TLSP_CAUSE_DANE_UNUSABLE:
    case TLSP_CAUSE_DANE_MISMATCH:
        fixes_dane(&c);
        break;
    default:
        break;
    }
out:
    tlsp_chain_free(chain);
    tlsp_strvec_fini(&c.all);
    tlsp_strvec_fini(&c.attrs);
    free(c.nexthop);
    free(c.entry_value);
    free(c.entry_level);
    svc_close(&s);
    return c.st;
}
