/*
 * check.c - the live verdict: route, policy, DNS, SMTP, verification, fate
 *
 * The order of events follows Postfix 3.7's smtp(8): smtp_connect_inet()
 * walks the next-hop list and each next hop's addresses; for each address
 * the TLS policy is looked up with the server host name (an invalid policy
 * is logged and the address skipped, as is an address below encrypt in
 * wrapper mode); a connection failure is logged without a queue id; a
 * session's failure goes through smtp_misc_fail(): a soft failure before
 * the final server logs "QUEUEID: REASON" and keeps the recipient for the
 * next address, anything else defers or bounces; at "may" a handshake
 * failure is retried on the same address without TLS once the message has
 * waited minimal_backoff_time (spec 1.7.1).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <tlspolicy/check.h>

#include "tlslog.h"
#include "util/str.h"
#include "util/strvec.h"

#define NOT_VERIFIED "Server certificate not verified"
#define ENGINE_UNAVAILABLE "TLS is required, but our TLS engine is unavailable"
#define HANDSHAKE_FAILURE "Cannot start TLS: handshake failure"
#define NO_SERVER "server unavailable or unable to receive mail"
#define PARAM_NAME_MAX 96

/* ---- the fate rules ------------------------------------------------------------ */

const char *
tlsp_fate_status_name(enum tlsp_fate_status s)
{
    switch (s) {
    case TLSP_FATE_DELIVERABLE:
        return "deliverable";
    case TLSP_FATE_DEFERRED:
        return "deferred";
    case TLSP_FATE_BOUNCED:
        return "bounced";
    }
    return "?";
}

char *
tlsp_reply_dsn(int code, const char *text, char *buf, size_t size)
{
    int cls = code / 100;
    const char *p = text;

    if (p) {
        /* skip the reply code itself when the text carries it */
        if (strlen(p) >= 4 && p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9' &&
            p[2] >= '0' && p[2] <= '9' && (p[3] == ' ' || p[3] == '-'))
            p += 4;
        if (p[0] - '0' == cls && p[1] == '.') {
            size_t n = 2, dots = 1;

            while (p[n] && ((p[n] >= '0' && p[n] <= '9') || p[n] == '.')) {
                if (p[n] == '.')
                    dots++;
                n++;
            }
            if (dots == 2 && p[n - 1] != '.' && (p[n] == 0 || p[n] == ' ') && n < size) {
                memcpy(buf, p, n);
                buf[n] = 0;
                return buf;
            }
        }
    }
    snprintf(buf, size, "%d.0.0", cls >= 2 && cls <= 5 ? cls : 4);
    return buf;
}

static bool
soft_dsn(const char *dsn)
{
    return dsn == NULL || dsn[0] != '5';
}

enum tlsp_status
tlsp_check_fate(const struct tlsp_outcome *o, size_t n, size_t total, const char *dsn,
                const char *reason, const char *rcpt, struct tlsp_fate *fate)
{
    const char *why_dsn = dsn, *why_reason = reason;
    size_t i, addr_index = 0;
    char *to;

    if (fate == NULL)
        return TLSP_INVAL;
    memset(fate, 0, sizeof(*fate));
    if (n > 0 && o == NULL)
        return TLSP_INVAL;
    for (i = 0; i < n; i++)
        if (!o[i].retry_plain)
            addr_index++;
    if (addr_index > total)
        return TLSP_INVAL;
    addr_index = 0;
    if (n > 0 && (fate->lines = calloc(n, sizeof(*fate->lines))) == NULL)
        return TLSP_NOMEM;
    fate->n_lines = n;
    fate->decided_by = n;
    for (i = 0; i < n; i++) {
        const struct tlsp_outcome *x = &o[i];
        bool final = addr_index + 1 >= total;

        fate->n_used = i + 1;
        if (!x->retry_plain)
            addr_index++;
        switch (x->kind) {
        case TLSP_OUTCOME_DELIVER:
            fate->status = TLSP_FATE_DELIVERABLE;
            fate->decided_by = i;
            if (tlsp_set_str(&fate->dsn, "2.0.0") != TLSP_OK ||
                tlsp_set_str(&fate->relay, x->relay ? x->relay : "none") != TLSP_OK)
                return TLSP_NOMEM;
            goto status_line;
        case TLSP_OUTCOME_SKIPPED:
            if (x->dsn) {
                why_dsn = x->dsn;
                why_reason = x->reason;
            }
            continue;
        case TLSP_OUTCOME_CONNECT:
            why_dsn = x->dsn;
            why_reason = x->reason;
            /* "The reason already includes the IP address and TCP port." */
            if ((fate->lines[i] = tlsp_strdup(x->reason ? x->reason : "")) == NULL)
                return TLSP_NOMEM;
            continue;
        case TLSP_OUTCOME_FAIL:
            why_dsn = x->dsn;
            why_reason = x->reason;
            if (x->retry_plain || (soft_dsn(x->dsn) && !final)) {
                if ((fate->lines[i] = tlsp_aprintf("QUEUEID: %s", x->reason ? x->reason : "")) ==
                    NULL)
                    return TLSP_NOMEM;
                continue;
            }
            fate->status = soft_dsn(x->dsn) ? TLSP_FATE_DEFERRED : TLSP_FATE_BOUNCED;
            fate->decided_by = i;
            if (tlsp_set_str(&fate->dsn, x->dsn ? x->dsn : "4.0.0") != TLSP_OK ||
                tlsp_set_str(&fate->reason, x->reason ? x->reason : "") != TLSP_OK ||
                tlsp_set_str(&fate->relay, x->relay ? x->relay : "none") != TLSP_OK)
                return TLSP_NOMEM;
            goto status_line;
        }
    }
    /* Nothing decided: the last reason, with relay=none (smtp_sess_fail()). */
    if (why_dsn == NULL) {
        why_dsn = "4.3.0";
        why_reason = NO_SERVER;
    }
    fate->status = soft_dsn(why_dsn) ? TLSP_FATE_DEFERRED : TLSP_FATE_BOUNCED;
    if (tlsp_set_str(&fate->dsn, why_dsn) != TLSP_OK ||
        tlsp_set_str(&fate->reason, why_reason ? why_reason : "") != TLSP_OK ||
        tlsp_set_str(&fate->relay, "none") != TLSP_OK)
        return TLSP_NOMEM;
status_line:
    to = tlsp_aprintf("to=<%s>, ", rcpt ? rcpt : "RCPT"); /* Postfix always logs to= */
    if (to == NULL)
        return TLSP_NOMEM;
    if (fate->status == TLSP_FATE_DELIVERABLE)
        fate->status_line = tlsp_aprintf("QUEUEID: %srelay=%s, dsn=2.0.0, status=sent (REPLY)", to,
                                         fate->relay);
    else
        fate->status_line =
            tlsp_aprintf("QUEUEID: %srelay=%s, dsn=%s, status=%s (%s)", to, fate->relay, fate->dsn,
                         tlsp_fate_status_name(fate->status), fate->reason);
    free(to);
    return fate->status_line ? TLSP_OK : TLSP_NOMEM;
}

void
tlsp_fate_fini(struct tlsp_fate *fate)
{
    size_t i;

    if (fate == NULL)
        return;
    free(fate->dsn);
    free(fate->reason);
    free(fate->relay);
    for (i = 0; i < fate->n_lines; i++)
        free(fate->lines[i]);
    free(fate->lines);
    free(fate->status_line);
    memset(fate, 0, sizeof(*fate));
}

/* ---- one attempt ------------------------------------------------------------------ */

struct ctx {
    const struct tlsp_check_request *req;
    struct tlsp_check_result *res;
    struct tlsp_diag *diag;
    bool lmtp;
    const char *service;
    bool engine_logged;
    bool engine_pending;        /* the engine's lines are still to be logged */
    bool engine_ok;
    struct tlsp_verify_result eng; /* tls_client_init() */
    long long min_backoff_s;
};

static unsigned
log_mask(struct tlsp_cf *cf, const struct tlsp_policy *pol)
{
    const char *v = "0";
    char name[PARAM_NAME_MAX], *warning = NULL;
    unsigned mask;

    snprintf(name, sizeof(name), "%s_tls_loglevel", pol->prefix ? pol->prefix : "smtp");
    if (tlsp_cf_get(cf, name, &v, NULL) != TLSP_OK)
        return 0;
    mask = tlsp_tls_log_mask(name, v, &warning);
    free(warning);
    return mask;
}

static enum tlsp_status
set_fail(struct tlsp_check_server *s, const char *dsn, const char *reason)
{
    s->deliver = false;
    if (tlsp_set_str(&s->dsn, dsn) != TLSP_OK || tlsp_set_str(&s->reason, reason) != TLSP_OK)
        return TLSP_NOMEM;
    return TLSP_OK;
}

/* "HOST[ADDR]" and "HOST[ADDR]:PORT" as Postfix writes them. */
static char *
namaddr(const struct tlsp_check_server *s)
{
    return tlsp_aprintf("%s[%s]", s->host, s->addr);
}

/* add_verify_log - the verification's lines, the engine's only once. */
static enum tlsp_status
add_verify_log(struct ctx *c, struct tlsp_strvec *log, const struct tlsp_verify_result *v)
{
    size_t i;
    enum tlsp_status st = TLSP_OK;

    for (i = 0; i < v->n_log && st == TLSP_OK; i++) {
        if (i < v->n_log_engine && c->engine_logged)
            continue;
        st = tlsp_strvec_push(log, v->log[i]);
    }
    if (v->n_log_engine > 0)
        c->engine_logged = true;
    return st;
}

bool
tlsp_check_note_logged(const char *note)
{
    return note && strncmp(note, "tlspolicy:", 10) != 0;
}

/* first_of_dest - no earlier attempt belongs to the same next hop. */
static bool
first_of_dest(const struct ctx *c, const struct tlsp_check_server *s)
{
    const struct tlsp_check_server *p;

    for (p = c->res->servers; p < s; p++)
        if (strcmp(p->dest, s->dest) == 0)
            return false;
    return true;
}

/* policy_seen - an earlier attempt looked up the same next hop, host and port. */
static bool
policy_seen(const struct ctx *c, const struct tlsp_check_server *s)
{
    const struct tlsp_check_server *p;

    for (p = c->res->servers; p < s; p++)
        if (p->have_pol && p->port == s->port && strcmp(p->dest, s->dest) == 0 &&
            strcasecmp(p->host, s->host) == 0)
            return true;
    return false;
}

/*
 * attempt - one session to one address, judged; fills s (log, deliver, dsn,
 * reason, word). retry_plain_out: the failure qualifies for the plaintext
 * retry on the same address.
 */
static enum tlsp_status
attempt(struct ctx *c, struct tlsp_check_server *s, bool plaintext, bool *retry_plain_out)
{
    const struct tlsp_check_request *req = c->req;
    struct tlsp_cf *view = c->res->view;
    struct tlsp_policy_request preq;
    struct tlsp_smtp_request sreq;
    struct tlsp_strvec log;
    bool wrapper = false, try_tls, engine_ok;
    enum tlsp_status st;
    unsigned mask;
    char *na = NULL, what[512];
    size_t i;

    *retry_plain_out = false;
    tlsp_strvec_init(&log);
    if ((s->relay = tlsp_aprintf("%s[%s]:%u", s->host, s->addr, s->port)) == NULL ||
        (na = namaddr(s)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }

    /* The policy, looked up with the server host name. */
    memset(&preq, 0, sizeof(preq));
    preq.dest = s->dest;
    preq.host = s->host;
    preq.service = c->service;
    preq.lmtp = c->lmtp;
    st = tlsp_policy_resolve(view, &preq, &s->pol, c->diag);
    s->have_pol = true;
    if (st != TLSP_OK)
        goto out;
    if (s->pol.dane_needs_dns || tlsp_level_dane_based(s->pol.level)) {
        st = tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0,
                           "the level for %s is %s: tlspolicy check does not look up TLSA "
                           "records yet, so it cannot predict this verdict",
                           s->dest, tlsp_level_name(s->pol.level)) == TLSP_OK
                 ? TLSP_UNSUPPORTED
                 : TLSP_NOMEM;
        goto out;
    }
    mask = log_mask(view, &s->pol);

    /* smtp(8) starts its TLS engine once, at start-up, before any policy lookup. */
    if (c->engine_pending) {
        for (i = 0; i < c->eng.n_log; i++)
            if ((st = tlsp_strvec_push(&log, c->eng.log[i])) != TLSP_OK)
                goto out;
        c->engine_pending = false;
        c->engine_logged = true;
    }
    engine_ok = c->engine_ok;
    /* What the address lookup of this next hop logged, before its first attempt. */
    if (!plaintext && first_of_dest(c, s)) {
        size_t k;

        for (k = 0; k < c->res->n_dns; k++) {
            const struct tlsp_dns_result *d = &c->res->dns[k];

            if (strcmp(c->res->dns_dests[k], s->dest) != 0)
                continue;
            for (i = 0; i < d->n_notes; i++)
                if (tlsp_check_note_logged(d->notes[i]) &&
                    (st = tlsp_strvec_push(&log, d->notes[i])) != TLSP_OK)
                    goto out;
            break;
        }
    }
    /* smtp(8) caches each policy by next hop, host and port: the lookup's
     * warnings appear for the first address of a host only. */
    if (!plaintext && !policy_seen(c, s))
        for (i = 0; i < s->pol.n_log; i++)
            if ((st = tlsp_strvec_push(&log, s->pol.log[i])) != TLSP_OK)
                goto out;
    if (s->pol.level == TLSP_LEVEL_INVALID) {
        s->skipped = true;
        if ((st = tlsp_strvec_pushf(
                 &log, "warning: TLS policy lookup for %s/%s: %s", s->dest, s->host,
                 s->pol.reason ? s->pol.reason : "client TLS configuration problem")) != TLSP_OK ||
            (st = set_fail(s, s->pol.dsn ? s->pol.dsn : "4.7.5",
                           s->pol.reason ? s->pol.reason : "client TLS configuration problem")) !=
                TLSP_OK)
            goto out;
        goto done;
    }
    {
        char name[PARAM_NAME_MAX];

        snprintf(name, sizeof(name), "%s_tls_wrappermode", s->pol.prefix ? s->pol.prefix : "smtp");
        if ((st = tlsp_cf_get_bool(view, name, &wrapper, c->diag)) != TLSP_OK)
            goto out;
        if (wrapper && s->pol.level < TLSP_LEVEL_ENCRYPT) {
            char lev[PARAM_NAME_MAX];

            snprintf(lev, sizeof(lev), "%s_tls_security_level",
                     s->pol.prefix ? s->pol.prefix : "smtp");
            s->skipped = true;
            if ((st = tlsp_strvec_pushf(&log, "warning: %s requires \"%s = encrypt\" (or stronger)",
                                        name, lev)) != TLSP_OK)
                goto out;
            goto done;
        }
    }

    /* The session. */
    try_tls = !plaintext && s->pol.level > TLSP_LEVEL_NONE && engine_ok;
    memset(&sreq, 0, sizeof(sreq));
    sreq.pol = &s->pol;
    sreq.cf = view;
    sreq.host = s->host;
    sreq.addr = s->addr;
    sreq.port = s->port;
    sreq.ehlo = req->ehlo;
    sreq.timeout_s = req->timeout_s;
    sreq.try_tls = try_tls;
    if (req->progress) {
        snprintf(what, sizeof(what), "%s %s%s", plaintext ? "retrying without TLS" : "connecting to",
                 s->relay, try_tls ? " (STARTTLS)" : "");
        req->progress(req->progress_arg, what);
    }
    st = tlsp_smtp_session(&sreq, &s->smtp, c->diag);
    s->have_smtp = true;
    if (st != TLSP_OK)
        goto out;

    /* A handshake that fails is set up and logged as one that succeeds, up to
     * the failure (tls_client_start()); verify logs these lines otherwise. */
    if (s->smtp.stage == TLSP_SMTP_HANDSHAKE && (mask & TLSP_TLSLOG_VERBOSE)) {
        if ((st = tlsp_strvec_pushf(&log, "setting up TLS connection to %s", s->relay)) != TLSP_OK)
            goto out;
        if (s->pol.cipherlist && (st = tlsp_strvec_pushf(&log, "%s: TLS cipher list \"%s\"",
                                                         s->relay, s->pol.cipherlist)) != TLSP_OK)
            goto out;
        if (s->pol.cipherlist && s->pol.servername.value && *s->pol.servername.value &&
            (st = tlsp_strvec_pushf(&log, "%s: SNI hostname: %s", s->relay,
                                    strcasecmp(s->pol.servername.value, "hostname") == 0
                                        ? s->host
                                        : s->pol.servername.value)) != TLSP_OK)
            goto out;
    }
    for (i = 0; i < s->smtp.n_log; i++)
        if ((st = tlsp_strvec_push(&log, s->smtp.log[i])) != TLSP_OK)
            goto out;
    switch (s->smtp.stage) {
    case TLSP_SMTP_CONNECT:
        st = set_fail(s, "4.4.1", s->smtp.error ? s->smtp.error : "connect failed");
        break;
    case TLSP_SMTP_GREETING:
    case TLSP_SMTP_EHLO:
        if (s->smtp.reply_code >= 400) {
            char dsn[16];
            bool skip5 = true;

            tlsp_reply_dsn(s->smtp.reply_code, s->smtp.reply, dsn, sizeof(dsn));
            /* smtp_skip_5xx_greeting: a 5xx greeting is a soft error */
            if (s->smtp.stage == TLSP_SMTP_GREETING && dsn[0] == '5' &&
                tlsp_cf_get_bool(view, "smtp_skip_5xx_greeting", &skip5, NULL) == TLSP_OK &&
                skip5)
                dsn[0] = '4';
            st = set_fail(s, dsn, s->smtp.error ? s->smtp.error : "");
        } else {
            st = set_fail(s, "4.4.2", s->smtp.error ? s->smtp.error : "lost connection");
        }
        break;
    case TLSP_SMTP_NO_STARTTLS:
        if (s->pol.level >= TLSP_LEVEL_ENCRYPT) {
            char *r = s->smtp.error
                          ? tlsp_strdup(s->smtp.error)
                          : tlsp_aprintf("TLS is required, but was not offered by host %s", na);

            st = r ? set_fail(s, "4.7.4", r) : TLSP_NOMEM;
            free(r);
        } else {
            s->deliver = true; /* may: plaintext on the same connection */
        }
        break;
    case TLSP_SMTP_STARTTLS:
        if (s->smtp.reply_code >= 400 && s->pol.level >= TLSP_LEVEL_ENCRYPT) {
            char dsn[16], *r, *reply;
            const char *t = s->smtp.reply ? s->smtp.reply : "";

            tlsp_reply_dsn(s->smtp.reply_code, t, dsn, sizeof(dsn));
            if (t[0] >= '0' && t[0] <= '9' && t[1] >= '0' && t[1] <= '9' && t[2] >= '0' &&
                t[2] <= '9')
                reply = tlsp_strdup(t);
            else
                reply = tlsp_aprintf("%d %s", s->smtp.reply_code, t);
            if (s->smtp.error && strstr(s->smtp.error, "refused to start TLS"))
                r = tlsp_strdup(s->smtp.error);
            else
                r = reply ? tlsp_aprintf("TLS is required, but host %s refused to start TLS: %s",
                                         na, reply)
                          : NULL;
            st = r ? set_fail(s, dsn, r) : TLSP_NOMEM;
            free(reply);
            free(r);
        } else if (s->smtp.reply_code >= 400) {
            s->deliver = true; /* may: plaintext on the same connection */
        } else {
            st = set_fail(s, "4.4.2", s->smtp.error ? s->smtp.error : "lost connection");
        }
        break;
    case TLSP_SMTP_HANDSHAKE:
        st = set_fail(s, "4.7.5", HANDSHAKE_FAILURE);
        /* spec 1.7.1: a plaintext retry on the same address at "may" only, once
         * the message has waited minimal_backoff_time */
        if (st == TLSP_OK && s->pol.level == TLSP_LEVEL_MAY && req->queued_for >= c->min_backoff_s)
            *retry_plain_out = true;
        break;
    case TLSP_SMTP_TLS_DONE:
        if (s->smtp.chain == NULL) {
            s->word = TLSP_WORD_ANONYMOUS;
            if ((mask & TLSP_TLSLOG_SUMMARY) &&
                (st = tlsp_strvec_pushf(
                     &log,
                     "Anonymous TLS connection established to %s: %s with cipher %s "
                     "(%d/%d bits)%s%s",
                     s->relay, s->smtp.protocol ? s->smtp.protocol : "?",
                     s->smtp.cipher ? s->smtp.cipher : "?", s->smtp.cipher_bits,
                     s->smtp.cipher_alg_bits, s->smtp.details && *s->smtp.details ? " " : "",
                     s->smtp.details ? s->smtp.details : "")) != TLSP_OK)
                break;
            if (tlsp_level_must_match(s->pol.level))
                st = set_fail(s, "4.7.5", NOT_VERIFIED);
            else
                s->deliver = true;
            break;
        }
        s->vreq.cf = view;
        s->vreq.pol = &s->pol;
        s->vreq.chain = s->smtp.chain;
        s->vreq.at = req->at;
        s->vreq.addr = s->addr;
        s->vreq.protocol = s->smtp.protocol;
        s->vreq.cipher = s->smtp.cipher;
        s->vreq.cipher_bits = s->smtp.cipher_bits;
        s->vreq.cipher_alg_bits = s->smtp.cipher_alg_bits;
        s->vreq.sig_params = s->smtp.details;
        st = tlsp_verify(&s->vreq, &s->ver, c->diag);
        s->have_ver = true;
        if (st != TLSP_OK)
            break;
        if ((st = add_verify_log(c, &log, &s->ver)) != TLSP_OK)
            break;
        s->word = s->ver.word;
        if (s->ver.deliver)
            s->deliver = true;
        else
            st = set_fail(s, s->ver.dsn ? s->ver.dsn : "4.7.5",
                          s->ver.reason ? s->ver.reason : NOT_VERIFIED);
        break;
    case TLSP_SMTP_PLAINTEXT:
        if (!plaintext && s->pol.level >= TLSP_LEVEL_ENCRYPT && !engine_ok)
            st = set_fail(s, "4.7.5", ENGINE_UNAVAILABLE);
        else
            s->deliver = true;
        break;
    }
    if (st != TLSP_OK)
        goto out;
done:
    st = TLSP_OK;
    s->log = log.v;
    s->n_log = log.n;
    log.v = NULL;
    log.n = log.cap = 0;
out:
    tlsp_strvec_fini(&log);
    free(na);
    return st;
}

/* ---- the whole check ------------------------------------------------------------- */

static enum tlsp_status
grow_servers(struct tlsp_check_result *res)
{
    struct tlsp_check_server *grown =
        realloc(res->servers, (res->n_servers + 1) * sizeof(*grown));

    if (grown == NULL)
        return TLSP_NOMEM;
    res->servers = grown;
    memset(&grown[res->n_servers], 0, sizeof(grown[0]));
    res->n_servers++;
    return TLSP_OK;
}

static enum tlsp_status
server_init(struct tlsp_check_server *s, const char *dest, const struct tlsp_dns_addr *a,
            unsigned port)
{
    s->port = port;
    s->pref = a->pref;
    s->from_mx = a->from_mx;
    if ((s->dest = tlsp_strdup(dest)) == NULL || (s->host = tlsp_strdup(a->host)) == NULL ||
        (s->addr = tlsp_strdup(a->addr)) == NULL)
        return TLSP_NOMEM;
    return TLSP_OK;
}

/*
 * outcomes_of - the fate's input: one outcome per attempt, then one for each
 * next hop after the last one with addresses whose lookup failed (Postfix
 * takes its reason and no earlier server is the final one). *n_pseudo counts
 * those.
 */
static enum tlsp_status
outcomes_of(const struct tlsp_check_result *res, struct tlsp_outcome **out, size_t *n_pseudo)
{
    struct tlsp_outcome *o;
    size_t i, k, last = 0, n = res->n_servers;
    bool any = false;

    *out = NULL;
    *n_pseudo = 0;
    for (k = 0; k < res->n_dns; k++)
        if (res->dns[k].n_addrs > 0) {
            last = k;
            any = true;
        }
    if (any)
        for (k = last + 1; k < res->n_dns; k++)
            if (res->dns[k].failed)
                (*n_pseudo)++;
    if (n + *n_pseudo == 0)
        return TLSP_OK;
    if ((o = calloc(n + *n_pseudo, sizeof(*o))) == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < n; i++) {
        const struct tlsp_check_server *s = &res->servers[i];

        o[i].relay = s->relay;
        o[i].dsn = s->dsn;
        o[i].reason = s->reason;
        o[i].retry_plain = i + 1 < n && res->servers[i + 1].plaintext_retry;
        if (s->deliver)
            o[i].kind = TLSP_OUTCOME_DELIVER;
        else if (s->skipped)
            o[i].kind = TLSP_OUTCOME_SKIPPED;
        else if (s->have_smtp && s->smtp.stage == TLSP_SMTP_CONNECT)
            o[i].kind = TLSP_OUTCOME_CONNECT;
        else
            o[i].kind = TLSP_OUTCOME_FAIL;
    }
    if (any)
        for (k = last + 1; k < res->n_dns; k++)
            if (res->dns[k].failed) {
                o[i].kind = TLSP_OUTCOME_SKIPPED;
                o[i].dsn = res->dns[k].dsn;
                o[i].reason = res->dns[k].reason;
                i++;
            }
    *out = o;
    return TLSP_OK;
}

/* The last DNS failure, for the fate when nothing was tried. */
static void
dns_why(const struct tlsp_check_result *res, const char **dsn, const char **reason)
{
    size_t i;

    *dsn = *reason = NULL;
    for (i = 0; i < res->n_dns; i++)
        if (res->dns[i].failed) {
            *dsn = res->dns[i].dsn;
            *reason = res->dns[i].reason;
        }
}

static enum tlsp_status
compute_fate(struct tlsp_check_result *res, const char *rcpt)
{
    struct tlsp_outcome *o;
    const char *dsn, *reason;
    enum tlsp_status st;
    size_t n_pseudo;

    tlsp_fate_fini(&res->fate);
    res->have_fate = false;
    if ((st = outcomes_of(res, &o, &n_pseudo)) != TLSP_OK)
        return st;
    dns_why(res, &dsn, &reason);
    st = tlsp_check_fate(o, res->n_servers + n_pseudo, res->n_total + n_pseudo, dsn, reason, rcpt,
                         &res->fate);
    free(o);
    res->have_fate = st == TLSP_OK;
    return st;
}

/*
 * fallback_problem - smtp_connect_inet()'s last rule: when nothing decided and
 * the last reason is permanent while the last next hop tried is a fallback
 * relay, Postfix warns of a configuration problem and defers with 4.3.5.
 */
static enum tlsp_status
fallback_problem(struct tlsp_check_result *res)
{
    struct tlsp_fate *f = &res->fate;
    const char *prefix = res->have_pol && res->pol.prefix ? res->pol.prefix : "smtp";
    char *line, *to;

    if (!res->have_fate || f->decided_by < f->n_lines || f->status != TLSP_FATE_BOUNCED ||
        res->rt.hop.n_fallback == 0 || res->n_dns != res->rt.hop.n_dests)
        return TLSP_OK;
    f->status = TLSP_FATE_DEFERRED;
    if (tlsp_set_str(&f->dsn, "4.3.5") != TLSP_OK)
        return TLSP_NOMEM;
    to = tlsp_aprintf("to=<%s>, ", res->rt.recipient ? res->rt.recipient : "RCPT");
    line = to ? tlsp_aprintf("QUEUEID: %srelay=%s, dsn=%s, status=deferred (%s)", to, f->relay,
                             f->dsn, f->reason ? f->reason : "")
              : NULL;
    free(to);
    if (line == NULL)
        return TLSP_NOMEM;
    free(f->status_line);
    f->status_line = line;
    res->config_warning = tlsp_aprintf("warning: %s_fallback_relay configuration problem", prefix);
    return res->config_warning ? TLSP_OK : TLSP_NOMEM;
}

static bool
is_below(const char *host, const char *suffix)
{
    size_t hl = strlen(host), sl = strlen(suffix);

    return sl > 0 && suffix[0] == '.' && hl > sl && strcasecmp(host + hl - sl, suffix) == 0;
}

/* mx_note - how the suggested match suffix covers the MX hosts. */
static enum tlsp_status
mx_note(struct tlsp_check_result *res)
{
    const char *line = NULL, *p;
    char suffix[256], *missing = NULL, *list = NULL;
    size_t i, n;
    enum tlsp_status st = TLSP_OK;

    for (i = 0; i < res->n_servers; i++) {
        const struct tlsp_check_server *s = &res->servers[i];
        size_t k;
        bool seen = false;

        if (!s->from_mx)
            continue;
        for (k = 0; k < res->n_mx_hosts; k++)
            if (strcasecmp(res->mx_hosts[k], s->host) == 0)
                seen = true;
        if (!seen) {
            char **grown = realloc(res->mx_hosts, (res->n_mx_hosts + 2) * sizeof(*grown));

            if (grown == NULL)
                return TLSP_NOMEM;
            res->mx_hosts = grown;
            if ((grown[res->n_mx_hosts] = tlsp_strdup(s->host)) == NULL)
                return TLSP_NOMEM;
            grown[++res->n_mx_hosts] = NULL;
        }
    }
    for (i = 0; i < res->ex.n_fixes && line == NULL; i++)
        if (res->ex.fixes[i].line && strstr(res->ex.fixes[i].line, " match=."))
            line = res->ex.fixes[i].line;
    if (line == NULL || res->n_mx_hosts == 0 || !res->have_pol)
        return TLSP_OK;
    p = strstr(line, " match=.") + 7;
    n = strcspn(p, " :");
    if (n == 0 || n >= sizeof(suffix))
        return TLSP_OK;
    memcpy(suffix, p, n);
    suffix[n] = 0;
    for (i = 0; i < res->n_mx_hosts && st == TLSP_OK; i++) {
        char **acc = is_below(res->mx_hosts[i], suffix) ? &list : &missing;
        char *next = *acc ? tlsp_aprintf("%s, %s", *acc, res->mx_hosts[i])
                          : tlsp_strdup(res->mx_hosts[i]);

        if (next == NULL)
            st = TLSP_NOMEM;
        free(*acc);
        *acc = next;
    }
    if (st == TLSP_OK) {
        if (missing == NULL)
            res->mx_suffix_note =
                tlsp_aprintf("Every MX host of %s lies under %s (%s): match=%s accepts each of "
                             "them, not only the one checked.",
                             res->pol.nexthop, suffix, list ? list : "", suffix);
        else
            res->mx_suffix_note =
                tlsp_aprintf("Not every MX host of %s lies under %s: %s %s not, so match=%s "
                             "alone does not cover %s.",
                             res->pol.nexthop, suffix, missing,
                             strchr(missing, ',') ? "do" : "does", suffix,
                             strchr(missing, ',') ? "them" : "it");
        if (res->mx_suffix_note == NULL)
            st = TLSP_NOMEM;
    }
    free(list);
    free(missing);
    return st;
}

static enum tlsp_status attempts(struct ctx *c);
static enum tlsp_status session_why(struct tlsp_check_result *res);
static enum tlsp_status fallback_problem(struct tlsp_check_result *res);

enum tlsp_status
tlsp_check(const struct tlsp_check_request *req, struct tlsp_check_result *res,
           struct tlsp_diag *diag)
{
    struct tlsp_route_request rreq;
    struct ctx c;
    enum tlsp_status st;
    const struct tlsp_hop *h;
    size_t k, i;

    if (res == NULL)
        return TLSP_INVAL;
    memset(res, 0, sizeof(*res));
    res->explained = 0;
    if (req == NULL || req->cf == NULL || req->destination == NULL)
        return TLSP_INVAL;
    memset(&c, 0, sizeof(c));
    c.req = req;
    c.res = res;
    c.diag = diag;

    memset(&rreq, 0, sizeof(rreq));
    rreq.destination = req->destination;
    rreq.sender = req->sender;
    rreq.transport = req->transport;
    if ((st = tlsp_route_resolve(req->cf, &rreq, &res->rt, diag)) != TLSP_OK)
        return st;
    h = &res->rt.hop;
    if (res->rt.failed || h->command == NULL)
        return TLSP_OK;
    if (res->rt.local || h->n_dests == 0 ||
        (strcmp(h->command, "smtp") != 0 && strcmp(h->command, "lmtp") != 0)) {
        res->no_smtp = true;
        return TLSP_OK;
    }
    if ((st = tlsp_cf_service_view(req->cf, h->transport, &res->view, diag)) != TLSP_OK)
        return st;
    c.lmtp = strcmp(h->command, "lmtp") == 0;
    c.service = h->transport;
    if ((st = tlsp_policy_check_startup(res->view, c.lmtp, diag)) != TLSP_OK)
        return st;
    {
        long v = 300;

        if (tlsp_cf_get_time(res->view, "minimal_backoff_time", 's', &v, diag) == TLSP_OK)
            c.min_backoff_s = v;
        else
            c.min_backoff_s = 300;
    }

    /* Every next hop's addresses, in order (smtp_connect_inet()). */
    if ((res->dns = calloc(h->n_dests, sizeof(*res->dns))) == NULL ||
        (res->dns_dests = calloc(h->n_dests + 1, sizeof(*res->dns_dests))) == NULL)
        return TLSP_NOMEM;
    for (k = 0; k < h->n_dests; k++) {
        struct tlsp_policy_request preq;
        struct tlsp_policy pol0, *pol = k == 0 ? &res->pol : &pol0;

        memset(&preq, 0, sizeof(preq));
        preq.dest = h->dests[k];
        preq.service = h->transport;
        preq.lmtp = c.lmtp;
        memset(&pol0, 0, sizeof(pol0));
        st = tlsp_policy_resolve(res->view, &preq, pol, diag);
        if (k == 0)
            res->have_pol = true;
        if (st == TLSP_OK && pol->port == 0) {
            st = tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                               "%s is a unix-domain LMTP destination: tlspolicy check connects "
                               "over TCP only",
                               h->dests[k]) == TLSP_OK
                     ? TLSP_UNSUPPORTED
                     : TLSP_NOMEM;
        }
        if (st == TLSP_OK) {
            if (req->progress) {
                char what[512];

                snprintf(what, sizeof(what), "looking up %s in DNS", h->dests[k]);
                req->progress(req->progress_arg, what);
            }
            st = tlsp_dns_resolve(res->view, pol, &req->dns, &res->dns[k], diag);
            res->n_dns = k + 1;
            if ((res->dns_dests[k] = tlsp_strdup(h->dests[k])) == NULL)
                st = TLSP_NOMEM;
        }
        if (st == TLSP_OK)
            for (i = 0; i < res->dns[k].n_addrs && st == TLSP_OK; i++) {
                if ((st = grow_servers(res)) == TLSP_OK)
                    st = server_init(&res->servers[res->n_servers - 1], h->dests[k],
                                     &res->dns[k].addrs[i], pol->port);
            }
        if (k != 0)
            tlsp_policy_fini(&pol0);
        if (st != TLSP_OK)
            return st;
    }
    res->n_total = res->n_servers;

    /* pre_init(): the TLS engine starts when TLS is configured at all. */
    if (res->have_pol &&
        (res->pol.global_level > TLSP_LEVEL_NONE || res->pol.maps_param != NULL)) {
        st = tlsp_verify_engine(res->view, &res->pol, &c.eng, diag);
        if (st == TLSP_OK) {
            c.engine_ok = c.eng.engine_ok;
            c.engine_pending = true;
            st = attempts(&c);
        }
        tlsp_verify_fini(&c.eng);
        return st;
    }
    return attempts(&c);
}

/* attempts - one attempt per address until the fate is decided; the explanation. */
static enum tlsp_status
attempts(struct ctx *c)
{
    struct tlsp_check_result *res = c->res;
    struct tlsp_diag *diag = c->diag;
    enum tlsp_status st;
    size_t i;

    /* One attempt per address until the fate is decided. */
    for (i = 0; i < res->n_servers; i++) {
        bool retry = false;

        if ((st = attempt(c, &res->servers[i], res->servers[i].plaintext_retry, &retry)) !=
            TLSP_OK)
            return st;
        if (retry) {
            struct tlsp_check_server *s, *copy;

            /* The retry without TLS goes right after this attempt. */
            if ((st = grow_servers(res)) != TLSP_OK)
                return st;
            memmove(&res->servers[i + 2], &res->servers[i + 1],
                    (res->n_servers - i - 2) * sizeof(res->servers[0]));
            memset(&res->servers[i + 1], 0, sizeof(res->servers[0]));
            s = &res->servers[i];
            copy = &res->servers[i + 1];
            copy->port = s->port;
            copy->pref = s->pref;
            copy->from_mx = s->from_mx;
            copy->plaintext_retry = true;
            if ((copy->dest = tlsp_strdup(s->dest)) == NULL ||
                (copy->host = tlsp_strdup(s->host)) == NULL ||
                (copy->addr = tlsp_strdup(s->addr)) == NULL)
                return TLSP_NOMEM;
        }
        /* Stop once Postfix would have: the rest is never tried. */
        {
            size_t keep = res->n_servers;

            res->n_servers = i + 1;
            st = compute_fate(res, res->rt.recipient);
            res->n_servers = keep;
            if (st != TLSP_OK)
                return st;
            if (res->fate.decided_by < i + 1 && !retry) {
                size_t j;

                for (j = i + 1; j < res->n_servers; j++) {
                    struct tlsp_check_server *u = &res->servers[j];

                    free(u->dest);
                    free(u->host);
                    free(u->addr);
                }
                res->n_servers = i + 1;
                break;
            }
        }
    }
    if ((st = compute_fate(res, res->rt.recipient)) != TLSP_OK ||
        (st = fallback_problem(res)) != TLSP_OK || (st = session_why(res)) != TLSP_OK)
        return st;

    /* Explain the first server whose certificate did not verify. */
    res->explained = res->n_servers;
    for (i = 0; i < res->n_servers; i++)
        if (res->servers[i].have_ver && !res->servers[i].ver.deliver) {
            res->explained = i;
            break;
        }
    if (res->explained == res->n_servers)
        for (i = 0; i < res->n_servers; i++)
            if (res->servers[i].have_ver) {
                res->explained = i;
                break;
            }
    if (res->explained < res->n_servers) {
        struct tlsp_check_server *s = &res->servers[res->explained];

        if ((st = tlsp_explain(&s->vreq, &s->ver, &res->ex, diag)) != TLSP_OK)
            return st;
        if ((st = mx_note(res)) != TLSP_OK)
            return st;
    }
    return TLSP_OK;
}

static enum tlsp_status
add_why(struct tlsp_check_result *res, char *text)
{
    char **grown;
    size_t i;

    if (text == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < res->n_session_why; i++)
        if (strcmp(res->session_why[i], text) == 0) {
            free(text);
            return TLSP_OK;
        }
    if ((grown = realloc(res->session_why, (res->n_session_why + 2) * sizeof(*grown))) == NULL) {
        free(text);
        return TLSP_NOMEM;
    }
    res->session_why = grown;
    grown[res->n_session_why++] = text;
    grown[res->n_session_why] = NULL;
    return TLSP_OK;
}

/* session_why - a sentence for each failure that is not about a certificate. */
static enum tlsp_status
session_why(struct tlsp_check_result *res)
{
    enum tlsp_status st = TLSP_OK;
    size_t i;

    for (i = 0; i < res->n_servers && st == TLSP_OK; i++) {
        const struct tlsp_check_server *s = &res->servers[i];
        const char *lev = s->have_pol ? tlsp_level_name(s->pol.level) : "?";

        if (s->deliver || s->have_ver)
            continue;
        if (s->skipped && s->dsn) {
            st = add_why(res, tlsp_aprintf("The TLS policy for %s with server %s is invalid (%s): "
                                           "Postfix does not connect; \"tlspolicy policy %s\" "
                                           "shows why.",
                                           s->dest, s->host, s->reason ? s->reason : "", s->dest));
            continue;
        }
        if (s->skipped) {
            st = add_why(res, tlsp_aprintf("smtp_tls_wrappermode is set and the level for %s is "
                                           "%s, below encrypt: Postfix skips the server.",
                                           s->host, lev));
            continue;
        }
        if (!s->have_smtp || s->reason == NULL)
            continue;
        switch (s->smtp.stage) {
        case TLSP_SMTP_CONNECT:
        case TLSP_SMTP_GREETING:
        case TLSP_SMTP_EHLO:
            st = add_why(res, tlsp_aprintf("%s: %s. This is not about TLS: Postfix cannot talk to "
                                           "the server at all.",
                                           s->relay, s->reason));
            break;
        case TLSP_SMTP_NO_STARTTLS:
            st = add_why(res, tlsp_aprintf("%s does not offer STARTTLS, and at %s Postfix "
                                           "requires TLS. Only \"may\" (or \"none\") would "
                                           "deliver, in plaintext.",
                                           s->relay, lev));
            break;
        case TLSP_SMTP_STARTTLS:
            st = add_why(res, tlsp_aprintf("%s offers STARTTLS but refused it (%s): at %s Postfix "
                                           "%s; at \"may\" it would go on in plaintext.",
                                           s->relay, s->smtp.reply ? s->smtp.reply : s->reason,
                                           lev,
                                           s->dsn && s->dsn[0] == '5' ? "bounces the mail"
                                                                       : "defers"));
            break;
        case TLSP_SMTP_HANDSHAKE:
            st = add_why(res, tlsp_aprintf("The TLS handshake with %s failed (see the SSL_connect "
                                           "line): the protocols (%s) or ciphers (%s grade) this "
                                           "level allows and the server's do not meet, or the "
                                           "server broke off.",
                                           s->relay,
                                           s->pol.protocols_text ? s->pol.protocols_text : "?",
                                           s->pol.ciphers.value ? s->pol.ciphers.value : "?"));
            break;
        case TLSP_SMTP_PLAINTEXT:
        case TLSP_SMTP_TLS_DONE:
            if (s->reason && strcmp(s->reason, ENGINE_UNAVAILABLE) == 0)
                st = add_why(res, tlsp_aprintf("Postfix's TLS engine did not start (see the "
                                               "\"cannot load\" or \"disabling TLS\" lines): "
                                               "at %s every server is deferred after EHLO.",
                                               lev));
            break;
        }
    }
    return st;
}

void
tlsp_check_fini(struct tlsp_check_result *res)
{
    size_t i;

    if (res == NULL)
        return;
    for (i = 0; i < res->n_servers; i++) {
        struct tlsp_check_server *s = &res->servers[i];

        free(s->dest);
        free(s->host);
        free(s->addr);
        if (s->have_pol)
            tlsp_policy_fini(&s->pol);
        if (s->have_smtp)
            tlsp_smtp_result_fini(&s->smtp);
        if (s->have_ver)
            tlsp_verify_fini(&s->ver);
        free(s->dsn);
        free(s->reason);
        free(s->relay);
        tlsp_strarr_free(s->log, s->n_log);
    }
    free(res->servers);
    for (i = 0; i < res->n_dns; i++)
        tlsp_dns_result_fini(&res->dns[i]);
    free(res->dns);
    tlsp_strarr_free(res->dns_dests, res->n_dns);
    tlsp_fate_fini(&res->fate);
    tlsp_explain_fini(&res->ex);
    tlsp_strarr_free(res->mx_hosts, res->n_mx_hosts);
    free(res->mx_suffix_note);
    free(res->config_warning);
    tlsp_strarr_free(res->session_why, res->n_session_why);
    if (res->have_pol)
        tlsp_policy_fini(&res->pol);
    tlsp_cf_free(res->view);
    tlsp_route_fini(&res->rt);
    memset(res, 0, sizeof(*res));
}
