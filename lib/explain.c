/*
 * explain.c - why Postfix reached a verdict on a chain, and what to change
 *
 * Reasons are built from the verification result; candidate fixes are
 * built from the certificate's names, the MX host name and the policy
 * entry, and each candidate policy is run through tlsp_verify() again:
 * only lines that make Postfix's verification succeed are offered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

#include <tlspolicy/explain.h>

#include "hostname.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/strvec.h"

#define PARAM_NAME_MAX 96

struct ectx {
    const struct tlsp_verify_request *req;
    const struct tlsp_verify_result *res;
    const struct tlsp_policy *pol;
    struct tlsp_explanation *ex;
    struct tlsp_diag *diag;
    struct tlsp_strvec why;
    struct tlsp_strvec attrs; /* the entry's attributes other than the level and match= */
    enum tlsp_status st;      /* first allocation failure */
};

/* ---- small helpers ---------------------------------------------------------- */

static void
why(struct ectx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
why(struct ectx *c, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    if (c->st == TLSP_OK)
        c->st = tlsp_strvec_push_owned(&c->why, s);
    else
        free(s);
}

static const char *
prefix(const struct ectx *c)
{
    return c->pol->prefix ? c->pol->prefix : "smtp";
}

static const char *
pget(struct ectx *c, const char *suffix, char *name, size_t size)
{
    const char *v = "";
    struct tlsp_diag scratch;

    snprintf(name, size, "%s_%s", prefix(c), suffix);
    tlsp_diag_init(&scratch);
    if (tlsp_cf_get(c->req->cf, name, &v, &scratch) != TLSP_OK)
        v = "";
    tlsp_diag_fini(&scratch);
    return v;
}

/* The validity bound of a certificate as text, "?" when unknown. */
static void
cert_time(X509 *x, bool not_after, char *buf, size_t size)
{
    struct tm tm;

    if (x && ASN1_TIME_to_tm(not_after ? X509_get0_notAfter(x) : X509_get0_notBefore(x), &tm))
        tlsp_time_text((long long)timegm(&tm), buf, size);
    else
        snprintf(buf, size, "?");
}

/* ---- the attributes an entry keeps -------------------------------------------- */

static enum tlsp_status
entry_attrs(struct ectx *c)
{
    struct tlsp_strvec toks;
    enum tlsp_status st;
    size_t i;

    if (c->pol->entry_value == NULL)
        return TLSP_OK;
    tlsp_strvec_init(&toks);
    if ((st = tlsp_strvec_split_quoted(&toks, c->pol->entry_value, TLSP_COMMA_SP)) == TLSP_OK)
        for (i = 1; i < toks.n && st == TLSP_OK; i++)
            if (strncasecmp(toks.v[i], "match=", 6) != 0)
                st = tlsp_strvec_push(&c->attrs, toks.v[i]);
    tlsp_strvec_fini(&toks);
    return st;
}

/* "KEY LEVEL attrs... [match=MATCH]"; tafile= is left out at fingerprint. */
static char *
policy_line(struct ectx *c, const char *level, const char *match)
{
    struct tlsp_buf b;
    enum tlsp_status st;
    size_t i;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    st = tlsp_buf_printf(&b, "%s %s", c->ex->table_key, level);
    for (i = 0; i < c->attrs.n && st == TLSP_OK; i++) {
        if (strcmp(level, "fingerprint") == 0 && strncasecmp(c->attrs.v[i], "tafile=", 7) == 0)
            continue;
        st = tlsp_buf_printf(&b, " %s", c->attrs.v[i]);
    }
    if (st == TLSP_OK && match)
        st = tlsp_buf_printf(&b, " match=%s", match);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

/* ---- re-verification of a candidate ------------------------------------------------ */

/* Whether Postfix verifies the chain with the policy changed to level and
 * the given reference names (or fingerprints at the fingerprint level). */
static bool
candidate_verifies(struct ectx *c, enum tlsp_level level, struct tlsp_refname *refs,
                   size_t n_refs, char **fingerprints, size_t n_fingerprints)
{
    struct tlsp_policy cand = *c->pol;
    struct tlsp_verify_request req = *c->req;
    struct tlsp_verify_result res;
    struct tlsp_diag scratch;
    enum tlsp_status st;
    bool ok;

    cand.level = level;
    cand.refs = refs;
    cand.n_refs = n_refs;
    cand.fingerprints = fingerprints;
    cand.n_fingerprints = n_fingerprints;
    cand.doomed = false;
    if (level == TLSP_LEVEL_FINGERPRINT)
        cand.tafile.value = NULL;
    req.pol = &cand;
    tlsp_diag_init(&scratch);
    st = tlsp_verify(&req, &res, &scratch);
    ok = st == TLSP_OK && res.word == TLSP_WORD_VERIFIED && res.deliver;
    if (st == TLSP_NOMEM && c->st == TLSP_OK)
        c->st = st;
    tlsp_verify_fini(&res);
    tlsp_diag_fini(&scratch);
    return ok;
}

static bool
name_verifies(struct ectx *c, enum tlsp_level level, const char *name, bool mx)
{
    struct tlsp_refname ref;

    memset(&ref, 0, sizeof(ref));
    ref.name = (char *)name;
    ref.element = (char *)(mx ? "hostname" : name);
    ref.suffix = name[0] == '.';
    ref.mx_dependent = mx;
    return candidate_verifies(c, level, &ref, 1, NULL, 0);
}

static void
add_fix(struct ectx *c, char *line, bool checked, const char *what, const char *tradeoff)
{
    struct tlsp_explanation *ex = c->ex;
    struct tlsp_fix *grown;
    size_t i;

    if (c->st != TLSP_OK)
        goto fail;
    for (i = 0; line && i < ex->n_fixes; i++)
        if (ex->fixes[i].line && strcmp(ex->fixes[i].line, line) == 0) {
            free(line);
            return;
        }
    if ((grown = realloc(ex->fixes, (ex->n_fixes + 1) * sizeof(*grown))) == NULL)
        goto fail;
    ex->fixes = grown;
    grown[ex->n_fixes].line = line;
    grown[ex->n_fixes].checked = checked;
    grown[ex->n_fixes].what = tlsp_strdup(what);
    grown[ex->n_fixes].tradeoff = tlsp_strdup(tradeoff);
    ex->n_fixes++;
    if (grown[ex->n_fixes - 1].what == NULL || grown[ex->n_fixes - 1].tradeoff == NULL)
        c->st = TLSP_NOMEM;
    return;
fail:
    free(line);
    c->st = TLSP_NOMEM;
}

/* add_fix_owned - as add_fix(), taking heap sentences (NULL: out of memory). */
static void
add_fix_owned(struct ectx *c, char *line, bool checked, char *what, char *tradeoff)
{
    if (what == NULL || tradeoff == NULL) {
        free(line);
        c->st = TLSP_NOMEM;
    } else {
        add_fix(c, line, checked, what, tradeoff);
    }
    free(what);
    free(tradeoff);
}

/* ---- reasons: the chain ---------------------------------------------------------- */

static const char *
trust_source(struct ectx *c, char *buf, size_t size)
{
    char n1[PARAM_NAME_MAX], n2[PARAM_NAME_MAX];
    const char *cafile = pget(c, "tls_CAfile", n1, sizeof(n1));
    const char *capath = pget(c, "tls_CApath", n2, sizeof(n2));

    if (*cafile && *capath)
        snprintf(buf, size, "%s = %s and %s = %s", n1, cafile, n2, capath);
    else if (*cafile)
        snprintf(buf, size, "%s = %s", n1, cafile);
    else if (*capath)
        snprintf(buf, size, "%s = %s", n2, capath);
    else
        *buf = 0;
    return buf;
}

static bool
chain_too_long(const struct tlsp_verify_result *res)
{
    size_t i;

    for (i = 0; i < res->n_chain_errors; i++)
        if (res->chain_errors[i].code == X509_V_ERR_CERT_CHAIN_TOO_LONG)
            return true;
    return false;
}

static X509 *
chain_cert(struct ectx *c, int depth)
{
    return depth >= 0 ? tlsp_chain_x509(c->req->chain, (size_t)depth) : NULL;
}

static void
explain_chain_error(struct ectx *c, const struct tlsp_verr *e, bool nothing_trusted)
{
    char *subj = tlsp_dn_short_name(e->subject), *iss = tlsp_dn_short_name(e->issuer);
    char when[64], at[64];
    size_t n_certs = tlsp_chain_count(c->req->chain);
    X509 *x = chain_cert(c, e->depth);

    tlsp_time_text(c->req->at, at, sizeof(at));
    if (subj == NULL || iss == NULL) {
        c->st = TLSP_NOMEM;
        goto out;
    }
    switch (e->code) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        /* With trust anchors, the missing issuer only restates "no anchor matched";
         * after a depth failure, the chain was cut short, not left incomplete. */
        if (nothing_trusted || c->res->dane_used || chain_too_long(c->res))
            break;
        if ((size_t)e->depth + 1 >= n_certs)
            why(c,
                "The chain stops at \"%s\", whose issuer \"%s\" (%s) the server did not send "
                "and which is not among the trusted CAs: if it is an intermediate CA, the "
                "server's chain is incomplete (a missing intermediate, for its operator to "
                "fix); if it is a root CA, it is not trusted here.",
                subj, iss, e->issuer ? e->issuer : "");
        else
            why(c, "\"%s\" is issued by \"%s\", which is neither sent by the server nor trusted.",
                subj, iss);
        break;
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        why(c,
            "The chain ends in the root CA \"%s\" (%s), sent by the server but not among the "
            "trusted CAs: an unknown root.",
            subj, e->subject ? e->subject : "");
        break;
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        why(c,
            "The certificate is self-signed (\"%s\" issued it to itself): no trusted CA vouches "
            "for it.",
            subj);
        break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        cert_time(x, true, when, sizeof(when));
        why(c, "%s \"%s\" expired on %s (checked at %s).",
            e->depth ? "The CA certificate" : "The certificate", subj, when, at);
        break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        cert_time(x, false, when, sizeof(when));
        why(c, "%s \"%s\" is not valid before %s (checked at %s).",
            e->depth ? "The CA certificate" : "The certificate", subj, when, at);
        break;
    case X509_V_ERR_INVALID_PURPOSE:
        if (e->depth == 0)
            why(c,
                "The certificate \"%s\" is not meant for TLS servers: its extended key usage "
                "lacks serverAuth.",
                subj);
        else
            why(c, "The CA certificate \"%s\" may not issue TLS server certificates (its "
                   "extended key usage).",
                subj);
        break;
    case X509_V_ERR_CERT_CHAIN_TOO_LONG: {
        char name[PARAM_NAME_MAX];
        const char *depth = pget(c, "tls_scert_verifydepth", name, sizeof(name));

        why(c,
            "The chain has more intermediate CAs than %s = %s allows (Postfix gives OpenSSL a "
            "verification depth of one more).",
            name, depth);
        break;
    }
    case X509_V_ERR_DANE_NO_MATCH:
        if (c->pol->level == TLSP_LEVEL_FINGERPRINT)
            why(c,
                "None of the configured fingerprints (%s digests) is the digest of the "
                "server's certificate or of its public key; only the leaf counts.",
                c->pol->fingerprint_digest ? c->pol->fingerprint_digest : "configured");
        else
            why(c, "No certificate in the chain is, or is issued by, a trust anchor of %s.",
                c->pol->tafile.value ? c->pol->tafile.value : "the trust-anchor files");
        break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        break; /* names are explained on their own */
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        break; /* follows from the missing issuer, explained above */
    default:
        why(c, "OpenSSL reports for \"%s\" (depth %d): %s.", subj, e->depth,
            e->text ? e->text : "?");
        break;
    }
out:
    free(subj);
    free(iss);
}

static void
explain_trust(struct ectx *c)
{
    const struct tlsp_verify_result *res = c->res;
    char src[2048];
    bool nothing_trusted = false;
    size_t i, k;

    if (c->pol->level == TLSP_LEVEL_FINGERPRINT) {
        if (!res->verified)
            for (i = 0; i < res->n_errors; i++)
                if (res->errors[i].code == X509_V_ERR_DANE_NO_MATCH) {
                    explain_chain_error(c, &res->errors[i], false);
                    break;
                }
        return;
    }
    if (res->dane_used) {
        why(c,
            "Trust comes from the trust-anchor file%s %s (%s): smtp_tls_CAfile and "
            "smtp_tls_CApath are not used for this destination.",
            strchr(c->pol->tafile.value, ' ') ? "s" : "", c->pol->tafile.value,
            c->pol->tafile.source == TLSP_ATTR_TABLE ? "tafile= in the entry"
                                                      : c->pol->tafile.param);
    } else if (*trust_source(c, src, sizeof(src)) == 0) {
        nothing_trusted = true;
        why(c,
            "Neither %s_tls_CAfile nor %s_tls_CApath is set: Postfix trusts no CA at all, not "
            "even OpenSSL's default store, so no chain can be trusted.",
            prefix(c), prefix(c));
    }
    if (res->chain_trusted) {
        char *issuer =
            res->n_subjects > 0 ? tlsp_dn_short_name(res->subjects[res->n_subjects - 1]) : NULL;

        if (res->dane_used)
            why(c, "The chain leads to one of those trust anchors.");
        else
            why(c, "The chain is trusted: it leads from the server's certificate to a CA in %s.",
                src);
        free(issuer);
        return;
    }
    for (i = 0; i < res->n_chain_errors; i++) {
        const struct tlsp_verr *e = &res->chain_errors[i];
        bool seen = false;

        for (k = 0; k < i; k++)
            if (res->chain_errors[k].code == e->code && res->chain_errors[k].depth == e->depth)
                seen = true;
        if (!seen)
            explain_chain_error(c, e, nothing_trusted);
    }
}

/* ---- reasons and strategies: names -------------------------------------------------- */

static char *
join_names(char **names, size_t n, const char *sep)
{
    struct tlsp_buf b;
    enum tlsp_status st = TLSP_OK;
    size_t i;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    for (i = 0; i < n && st == TLSP_OK; i++)
        st = tlsp_buf_printf(&b, "%s%s", i ? sep : "", names[i]);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

static void
add_strategy(struct ectx *c, const char *strategy, const char *name, bool required,
             const char *note)
{
    struct tlsp_explanation *ex = c->ex;
    struct tlsp_strategy *grown, *s;
    char *matched = NULL;
    size_t i;

    if (c->st != TLSP_OK || name == NULL)
        return;
    for (i = 0; i < ex->n_strategies; i++)
        if (strcasecmp(ex->strategies[i].name, name) == 0)
            return;
    if ((grown = realloc(ex->strategies, (ex->n_strategies + 1) * sizeof(*grown))) == NULL) {
        c->st = TLSP_NOMEM;
        return;
    }
    ex->strategies = grown;
    s = &grown[ex->n_strategies++];
    memset(s, 0, sizeof(*s));
    s->required = required;
    s->matches = tlsp_verify_name(c->req->chain, name, &matched);
    s->cert_name = matched;
    if ((s->strategy = tlsp_strdup(strategy)) == NULL || (s->name = tlsp_strdup(name)) == NULL ||
        (note && (s->note = tlsp_strdup(note)) == NULL))
        c->st = TLSP_NOMEM;
}

/* The nearest parent of host whose sub-domain form matches the leaf, else
 * the host's own parent; NULL when host has no usable parent. */
static char *
suffix_for_host(struct ectx *c, const char *host)
{
    const char *p, *first = tlsp_name_parent(host);
    char *s;

    for (p = first; p; p = tlsp_name_parent(p)) {
        if ((s = tlsp_aprintf(".%s", p)) == NULL)
            return NULL;
        if (tlsp_verify_name(c->req->chain, s, NULL))
            return s;
        free(s);
    }
    return first ? tlsp_aprintf(".%s", first) : NULL;
}

static void
explain_names(struct ectx *c)
{
    const struct tlsp_policy *pol = c->pol;
    const struct tlsp_verify_result *res = c->res;
    const char *host = pol->host;
    char *offered = NULL, *required = NULL, **req_names = NULL;
    size_t i, n_req = 0;
    char *suffix = NULL;

    /* What the certificate offers. */
    if (res->n_dns_names > 0) {
        offered = join_names(res->dns_names, res->n_dns_names, ", ");
        if (offered == NULL) {
            c->st = TLSP_NOMEM;
            return;
        }
        why(c, "The certificate offers the DNS name%s %s%s%s%s.", res->n_dns_names > 1 ? "s" : "",
            offered, res->subject_cn ? "; its subject CN " : "",
            res->subject_cn ? res->subject_cn : "",
            res->subject_cn ? " is ignored because it has DNS names" : "");
    } else if (res->subject_cn) {
        why(c,
            "The certificate has no DNS subjectAltName, so its subject CN %s is the name "
            "OpenSSL checks%s.",
            res->subject_cn,
            res->n_other_names ? " (its other subjectAltNames, such as e-mail addresses, do not "
                                 "count)"
                               : "");
    } else {
        why(c, "The certificate carries no DNS name and no subject CN: no host name can match.");
    }
    if (res->n_ip_names > 0) {
        char *ips = join_names(res->ip_names, res->n_ip_names, ", ");

        if (ips == NULL) {
            c->st = TLSP_NOMEM;
            goto out;
        }
        why(c, "It also carries the IP address%s %s.", res->n_ip_names > 1 ? "es" : "", ips);
        free(ips);
    }

    /* What the policy requires. */
    if ((req_names = calloc(pol->n_refs + 1, sizeof(*req_names))) == NULL) {
        c->st = TLSP_NOMEM;
        goto out;
    }
    for (i = 0; i < pol->n_refs; i++)
        if (!pol->refs[i].skipped && pol->refs[i].name)
            req_names[n_req++] = pol->refs[i].name;
    if ((required = join_names(req_names, n_req, ", ")) == NULL) {
        c->st = TLSP_NOMEM;
        goto out;
    }
    if (n_req > 0)
        why(c, "At %s the certificate must carry %s%s (from %s%s%s).",
            tlsp_level_name(pol->level), n_req > 1 ? "one of: " : "", required,
            pol->match.source == TLSP_ATTR_TABLE ? "match= in the policy entry" : pol->match.param,
            pol->match.source == TLSP_ATTR_TABLE ? "" : " = ",
            pol->match.source == TLSP_ATTR_TABLE ? "" : pol->match.value);
    for (i = 0; i < pol->n_refs; i++) {
        const struct tlsp_refname *r = &pol->refs[i];
        const char *note = NULL;

        if (r->skipped || r->name == NULL)
            continue;
        if (tlsp_strcaseeq(r->element, "nexthop"))
            note = "the next-hop domain itself";
        else if (tlsp_strcaseeq(r->element, "dot-nexthop"))
            note = "any name under the next-hop domain";
        else if (tlsp_strcaseeq(r->element, "hostname"))
            note = "the server host name, as the MX record or the next hop names it";
        add_strategy(c,
                     note                       ? r->element
                     : tlsp_strcaseeq(r->element, "hostname") ? "hostname"
                     : r->suffix                ? "suffix"
                     : r->ip                    ? "address"
                                                : "name",
                     r->name, true, note);
    }
    if (res->verified) {
        if (res->matched)
            why(c, "The certificate name %s satisfies that requirement.", res->matched);
        if (pol->match.source == TLSP_ATTR_TABLE && pol->level == TLSP_LEVEL_SECURE &&
            pol->nexthop && !tlsp_name_is_ip(pol->nexthop)) {
            char *dot = tlsp_aprintf(".%s", pol->nexthop);

            if (dot == NULL) {
                c->st = TLSP_NOMEM;
                goto out;
            }
            if (!tlsp_verify_name(c->req->chain, pol->nexthop, NULL) &&
                !tlsp_verify_name(c->req->chain, dot, NULL))
                why(c,
                    "It verifies only thanks to the entry's match=: the default names of "
                    "secure (nexthop, dot-nexthop: %s, %s) would not match.",
                    pol->nexthop, dot);
            free(dot);
        }
    } else if (n_req > 0 && res->names_checked) {
        bool any = false;

        for (i = 0; i < c->ex->n_strategies; i++)
            any |= c->ex->strategies[i].matches;
        if (!any)
            why(c, "No certificate name matches %s.", n_req > 1 ? "any of them" : "it");
    }

    /* The other strategies. */
    add_strategy(c, "nexthop", pol->nexthop, false, "the next-hop domain itself");
    if (pol->nexthop && !tlsp_name_is_ip(pol->nexthop)) {
        char *dot = tlsp_aprintf(".%s", pol->nexthop);

        if (dot == NULL) {
            c->st = TLSP_NOMEM;
            goto out;
        }
        add_strategy(c, "dot-nexthop", dot, false, "any name under the next-hop domain");
        free(dot);
    }
    if (host && pol->level != TLSP_LEVEL_VERIFY) {
        add_strategy(c, "hostname", host, false,
                     "the server host name: what verify checks by default; trusts the MX answer");
    }
    if (host && !tlsp_name_is_ip(host) && (suffix = suffix_for_host(c, host)) != NULL)
        add_strategy(c, "suffix", suffix, false, "any name under a parent domain of the server "
                                                 "host name, pinned in the entry");
    if (host && pol->mx_lookup && strcasecmp(host, pol->nexthop) != 0 &&
        pol->level == TLSP_LEVEL_SECURE) {
        char *m = NULL;

        if (tlsp_verify_name(c->req->chain, host, &m))
            why(c,
                "The MX host name %s matches the certificate name %s: at verify, which checks "
                "the MX host name by default, Postfix would accept this certificate.",
                host, m);
        else if (res->verified)
            why(c,
                "The MX host name %s matches no certificate name: at verify, which checks the "
                "MX host name by default, Postfix would defer.",
                host);
        else
            why(c, "The MX host name %s does not match any certificate name either.", host);
        free(m);
    }
out:
    free(suffix);
    free(offered);
    free(required);
    free(req_names);
}

/* ---- fixes ---------------------------------------------------------------------- */

static void
fixes_published(struct ectx *c)
{
    const struct tlsp_policy *pol = c->pol;
    char *what;

    if (!pol->mx_lookup || tlsp_name_is_ip(pol->nexthop))
        return;
    what = tlsp_aprintf("Use %s's own published policy, if it has one: DANE TLSA records signed "
                        "with DNSSEC (policy \"%s dane-only\") or an MTA-STS policy (RFC 8461), "
                        "whose mx patterns name the servers to expect and which the domain "
                        "keeps current.",
                        pol->nexthop, pol->nexthop);
    if (what == NULL) {
        c->st = TLSP_NOMEM;
        return;
    }
    add_fix(c, NULL, false, what,
            "Nothing to maintain by hand, but it exists only where the domain publishes it; "
            "tlspolicy does not look for it (it reads neither TLSA records nor MTA-STS "
            "policies).");
    free(what);
}

static void
fixes_names(struct ectx *c)
{
    const struct tlsp_policy *pol = c->pol;
    const struct tlsp_verify_result *res = c->res;
    const char *host = pol->host, *level = tlsp_level_name(pol->level);
    struct tlsp_strvec cands;
    char *m = NULL;
    size_t i;

    if (host == NULL || tlsp_name_is_ip(host))
        return;
    tlsp_strvec_init(&cands);
    if (tlsp_verify_name(c->req->chain, host, &m)) {
        /* The host name is the server's identity: pin the domain it is in. */
        const char *p = tlsp_name_is_wildcard(m) ? m + 2 : tlsp_name_parent(host);

        if (p && (c->st = tlsp_strvec_push_owned(&cands, tlsp_aprintf(".%s", p))) != TLSP_OK)
            goto out;
    } else {
        /* Certificate names the server's host name lies under, exactly. */
        char **names = res->n_dns_names ? res->dns_names : NULL;
        size_t n = res->n_dns_names;

        for (i = 0; i < n; i++)
            if (!tlsp_name_is_wildcard(names[i]) && tlsp_name_is_below(host, names[i]) &&
                (c->st = tlsp_strvec_push(&cands, names[i])) != TLSP_OK)
                goto out;
        if (n == 0 && res->subject_cn && !tlsp_name_is_wildcard(res->subject_cn) &&
            tlsp_name_is_below(host, res->subject_cn) &&
            (c->st = tlsp_strvec_push(&cands, res->subject_cn)) != TLSP_OK)
            goto out;
        {
            char *s = suffix_for_host(c, host);

            if (s && (c->st = tlsp_strvec_push_owned(&cands, s)) != TLSP_OK)
                goto out;
        }
    }
    for (i = 0; i < cands.n; i++) {
        const char *cand = cands.v[i];
        char *line;

        if (!name_verifies(c, pol->level, cand, false))
            continue;
        if ((line = policy_line(c, level, cand)) == NULL) {
            c->st = TLSP_NOMEM;
            goto out;
        }
        if (cand[0] == '.')
            add_fix_owned(c, line, true,
                          tlsp_aprintf("Accepts a certificate name under %s, whichever of its "
                                       "servers the MX records name.",
                                       cand + 1),
                          tlsp_aprintf("You pin the provider's domain %s by hand: if its servers "
                                       "move to other names, mail defers until you change the "
                                       "entry.",
                                       cand + 1));
        else
            add_fix_owned(c, line, true,
                          tlsp_aprintf("Accepts a certificate that carries exactly the name %s.",
                                       cand),
                          tlsp_aprintf("The narrowest pin, but mail defers once the provider's "
                                       "certificate stops carrying %s.",
                                       cand));
    }
    /* verify: the MX host name as DNS returns it. */
    if (pol->level == TLSP_LEVEL_SECURE && pol->mx_lookup &&
        name_verifies(c, TLSP_LEVEL_VERIFY, host, true)) {
        char *line = policy_line(c, "verify", NULL);

        if (line == NULL) {
            c->st = TLSP_NOMEM;
            goto out;
        }
        add_fix(c, line, true,
                "Checks the certificate against the MX host name that DNS returns (match "
                "strategy hostname).",
                "Trusts the MX answer: as strong as the DNS that serves it; whoever can forge "
                "the MX record (no DNSSEC) chooses the name.");
    }
out:
    free(m);
    tlsp_strvec_fini(&cands);
}

static void
fixes_trust(struct ectx *c)
{
    const struct tlsp_verify_result *res = c->res;
    char src[2048];
    size_t i;

    if (res->dane_used || res->chain_trusted)
        return;
    if (*trust_source(c, src, sizeof(src)) == 0) {
        char *line = tlsp_aprintf("%s_tls_CAfile = /etc/ssl/certs/ca-certificates.crt",
                                  prefix(c));

        if (line == NULL) {
            c->st = TLSP_NOMEM;
            return;
        }
        add_fix(c, line, false,
                "Trusts the public CAs of Debian's ca-certificates package (a main.cf setting).",
                "Every CA in the bundle can then vouch for any destination checked at verify or "
                "secure.");
        return;
    }
    for (i = 0; i < res->n_chain_errors; i++) {
        const struct tlsp_verr *e = &res->chain_errors[i];
        bool about_subject = e->code == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                             e->code == X509_V_ERR_CERT_HAS_EXPIRED ||
                             e->code == X509_V_ERR_CERT_NOT_YET_VALID;
        char *name = tlsp_dn_short_name(about_subject ? e->subject : e->issuer);

        if (name == NULL) {
            c->st = TLSP_NOMEM;
            return;
        }
        switch (e->code) {
        case X509_V_ERR_CERT_CHAIN_TOO_LONG:
            add_fix_owned(c, tlsp_aprintf("%s_tls_scert_verifydepth = 9", prefix(c)), false,
                          tlsp_strdup("Restores Postfix's default verification depth (a main.cf "
                                      "setting), which allows chains of up to ten intermediate "
                                      "CAs."),
                          tlsp_strdup("Longer chains cost a little more to verify; nothing is "
                                      "trusted that was not before."));
            break;
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
            if ((size_t)e->depth + 1 < tlsp_chain_count(c->req->chain) ||
                chain_too_long(res))
                break;
            add_fix_owned(c, NULL, false,
                          tlsp_aprintf("If \"%s\" is an intermediate CA, ask the server's "
                                       "operator to send it with the certificate; if it is a "
                                       "root CA you have reason to trust, add it to "
                                       "%s_tls_CAfile.",
                                       name, prefix(c)),
                          tlsp_aprintf("A root added to %s_tls_CAfile can vouch for every "
                                       "destination checked at verify or secure.",
                                       prefix(c)));
            break;
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
            add_fix_owned(c, NULL, false,
                          tlsp_aprintf("Add the root CA \"%s\" to %s_tls_CAfile, if you have "
                                       "reason to trust it.",
                                       name, prefix(c)),
                          tlsp_strdup("That CA can then vouch for every destination checked "
                                      "at verify or secure."));
            break;
        case X509_V_ERR_CERT_HAS_EXPIRED:
        case X509_V_ERR_CERT_NOT_YET_VALID:
            add_fix_owned(c, NULL, false,
                          tlsp_aprintf("The server's operator must replace the certificate "
                                       "\"%s\": no CA setting makes it valid now.",
                                       name),
                          tlsp_strdup("Nothing on your side; pinning the key (fingerprint) "
                                      "ignores validity dates."));
            break;
        default:
            break;
        }
        free(name);
    }
}

static void
fixes_pin(struct ectx *c)
{
    const struct tlsp_verify_result *res = c->res;
    char *fpt, *line;
    char name[PARAM_NAME_MAX];
    const char *digest = pget(c, "tls_fingerprint_digest", name, sizeof(name));

    if (res->pkey_fpt == NULL)
        return;
    if ((fpt = tlsp_strdup(res->pkey_fpt)) == NULL) {
        c->st = TLSP_NOMEM;
        return;
    }
    if (!candidate_verifies(c, TLSP_LEVEL_FINGERPRINT, NULL, 0, &fpt, 1)) {
        free(fpt);
        return;
    }
    line = policy_line(c, "fingerprint", fpt);
    free(fpt);
    if (line == NULL) {
        c->st = TLSP_NOMEM;
        return;
    }
    add_fix_owned(c, line, true,
                  tlsp_aprintf("Pins the server's public key (its %s digest), whatever CA "
                               "issued the certificate, its names or its dates.",
                               digest),
                  tlsp_aprintf("Mail defers as soon as the server changes its key; with several "
                               "MX hosts, list each key (separated by |).%s",
                               strcmp(digest, "md5") == 0
                                   ? " md5 is weak: set smtp_tls_fingerprint_digest = sha256 (or "
                                     "compatibility_level = 3.6) first."
                                   : ""));
}

/* ---- the entry point -------------------------------------------------------------- */

enum tlsp_status
tlsp_explain(const struct tlsp_verify_request *req, const struct tlsp_verify_result *res,
             struct tlsp_explanation *ex, struct tlsp_diag *diag)
{
    struct ectx c;
    const struct tlsp_policy *pol;
    size_t i;

    if (ex == NULL)
        return TLSP_INVAL;
    memset(ex, 0, sizeof(*ex));
    if (req == NULL || res == NULL || req->pol == NULL || req->chain == NULL)
        return TLSP_INVAL;
    pol = req->pol;
    memset(&c, 0, sizeof(c));
    c.req = req;
    c.res = res;
    c.pol = pol;
    c.ex = ex;
    c.diag = diag;
    tlsp_strvec_init(&c.why);
    tlsp_strvec_init(&c.attrs);

    ex->new_entry = pol->entry_key == NULL;
    if ((ex->table_key = tlsp_strdup(pol->entry_key ? pol->entry_key : pol->nexthop)) == NULL) {
        c.st = TLSP_NOMEM;
        goto out;
    }
    if ((c.st = entry_attrs(&c)) != TLSP_OK)
        goto out;

    if (pol->level == TLSP_LEVEL_NONE) {
        why(&c, "The security level is none: Postfix does not use TLS with this next hop, so "
                "the certificate is never seen.");
        goto out;
    }
    if (pol->doomed && pol->doomed_reason &&
        strcmp(pol->doomed_reason, res->reason ? res->reason : "") == 0 &&
        res->word == TLSP_WORD_NONE) {
        for (i = 0; i < pol->n_later; i++)
            why(&c, "%s", pol->later[i]);
        goto out;
    }
    if (!res->engine_ok) {
        why(&c,
            "Postfix cannot start its TLS engine: %s. At may it then sends mail without TLS; at "
            "%s and above it defers.",
            res->engine_error ? res->engine_error : "unknown reason",
            "encrypt");
        goto out;
    }
    if (pol->doomed)
        for (i = 0; i < pol->n_later; i++)
            why(&c, "%s%s", pol->later[i],
                pol->later[i][0] && pol->later[i][strlen(pol->later[i]) - 1] == '.' ? "" : ".");
    if (!tlsp_level_must_match(pol->level))
        why(&c,
            "At %s Postfix does not check the certificate: the chain only decides the word in "
            "the log (Trusted or Untrusted), and the mail is delivered either way.",
            tlsp_level_name(pol->level));
    explain_trust(&c);
    if (pol->level == TLSP_LEVEL_VERIFY || pol->level == TLSP_LEVEL_SECURE)
        explain_names(&c);
    if (pol->level == TLSP_LEVEL_FINGERPRINT) {
        char name[PARAM_NAME_MAX];
        const char *digest = pget(&c, "tls_fingerprint_digest", name, sizeof(name));

        why(&c, "At fingerprint only the server's own certificate counts: its %s digest is %s, "
                "that of its public key %s.",
            digest, res->cert_fpt ? res->cert_fpt : "?", res->pkey_fpt ? res->pkey_fpt : "?");
    }

    if (res->deliver || !tlsp_level_must_match(pol->level))
        goto out;
    fixes_published(&c);
    if (pol->level == TLSP_LEVEL_VERIFY || pol->level == TLSP_LEVEL_SECURE) {
        if (res->chain_trusted) {
            size_t before = ex->n_fixes;

            fixes_names(&c);
            if (ex->n_fixes == before && c.st == TLSP_OK) {
                why(&c, "No match list that stays within the destination's or its MX host's "
                        "names accepts this certificate: check that the MX records lead to the "
                        "right server; only pinning its key would accept it as it is.");
                fixes_pin(&c);
            }
        } else {
            fixes_trust(&c);
        }
    }
    if (!res->chain_trusted || pol->level == TLSP_LEVEL_FINGERPRINT)
        fixes_pin(&c);

out:
    if (c.st == TLSP_OK) {
        ex->why = c.why.v;
        ex->n_why = c.why.n;
        c.why.v = NULL;
        c.why.n = 0;
    }
    tlsp_strvec_fini(&c.why);
    tlsp_strvec_fini(&c.attrs);
    return c.st;
}

void
tlsp_explain_fini(struct tlsp_explanation *ex)
{
    size_t i;

    if (ex == NULL)
        return;
    for (i = 0; i < ex->n_why; i++)
        free(ex->why[i]);
    free(ex->why);
    for (i = 0; i < ex->n_strategies; i++) {
        free(ex->strategies[i].strategy);
        free(ex->strategies[i].name);
        free(ex->strategies[i].cert_name);
        free(ex->strategies[i].note);
    }
    free(ex->strategies);
    for (i = 0; i < ex->n_fixes; i++) {
        free(ex->fixes[i].line);
        free(ex->fixes[i].what);
        free(ex->fixes[i].tradeoff);
    }
    free(ex->fixes);
    free(ex->table_key);
    memset(ex, 0, sizeof(*ex));
}
