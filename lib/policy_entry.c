/*
 * policy_entry.c - one smtp_tls_policy_maps value, checked as Postfix does
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hostname.h"
#include "policy_entry.h"
#include "util/buf.h"
#include "util/str.h"

/* Postfix's CHARS_COMMA_SP: the separators between policy tokens. */
#define ENTRY_SEPARATORS ", \t\r\n"

void
tlsp_policy_entry_init(struct tlsp_policy_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->level = TLSP_LEVEL_NOTFOUND;
    e->connection_reuse = -1;
    tlsp_strvec_init(&e->match);
    tlsp_strvec_init(&e->tafiles);
    tlsp_strvec_init(&e->ignored);
    tlsp_strvec_init(&e->other);
}

void
tlsp_policy_entry_fini(struct tlsp_policy_entry *e)
{
    free(e->ciphers);
    free(e->protocols);
    free(e->exclude);
    free(e->servername);
    free(e->warning);
    tlsp_strvec_fini(&e->match);
    tlsp_strvec_fini(&e->tafiles);
    tlsp_strvec_fini(&e->ignored);
    tlsp_strvec_fini(&e->other);
    tlsp_policy_entry_init(e);
}

static enum tlsp_status
invalid(struct tlsp_policy_entry *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum tlsp_status
invalid(struct tlsp_policy_entry *e, const char *fmt, ...)
{
    va_list ap;

    free(e->warning);
    va_start(ap, fmt);
    e->warning = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    e->level = TLSP_LEVEL_INVALID;
    return e->warning ? TLSP_OK : TLSP_NOMEM;
}

/*
 * split_nameval - Postfix split_nameval(): "name = value" in place.
 * Returns NULL or the error text.
 */
static const char *
split_nameval(char *buf, char **name, char **value)
{
    char *np, *ep, *cp, *vp;
    size_t n;

    np = buf + strspn(buf, TLSP_WS);
    if (*np == 0 || *np == '=')
        return "missing attribute name";
    for (ep = np; *ep && !strchr(TLSP_WS, *ep) && *ep != '='; ep++)
        ;
    cp = ep + strspn(ep, TLSP_WS);
    if (*cp != '=')
        return "missing '=' after attribute name";
    *ep = 0;
    cp++;
    vp = cp + strspn(cp, TLSP_WS);
    n = strlen(vp);
    while (n > 0 && strchr(TLSP_WS, vp[n - 1]))
        vp[--n] = 0;
    *name = np;
    *value = vp;
    return NULL;
}

/*
 * unbrace - Postfix 3.10 "{ name = value }" token: strip the braces and
 * outer white space, fold inner white space runs to one space. In place.
 * Returns NULL or the error text.
 */
static const char *
unbrace(char *tok)
{
    size_t n = strlen(tok);
    char *src, *dst;
    int in_ws = 0;

    if (n < 2 || tok[n - 1] != '}')
        return "missing '}'";
    tok[n - 1] = 0;
    src = tok + 1;
    src += strspn(src, TLSP_WS);
    for (dst = tok; *src; src++) {
        if (strchr(TLSP_WS, *src)) {
            in_ws = 1;
            continue;
        }
        if (in_ws && dst != tok)
            *dst++ = ' ';
        in_ws = 0;
        *dst++ = *src;
    }
    *dst = 0;
    return NULL;
}

static bool
valid_tlsrpt_policy_type(const char *v)
{
    return strcmp(v, "sts") == 0 || strcmp(v, "tlsa") == 0 || strcmp(v, "no-policy-found") == 0;
}

static bool
valid_tlsrpt_policy_failure(const char *v)
{
    static const char *const ok[] = {
        "starttls-not-supported", "certificate-host-mismatch", "certificate-expired",
        "certificate-not-trusted", "validation-failure", "tlsa-invalid", "dnssec-invalid",
        "dane-required", "sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid",
    };
    size_t i;

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(v, ok[i]) == 0)
            return true;
    return false;
}

enum tlsp_status
tlsp_policy_entry_parse(const char *value, const struct tlsp_version *version,
                        struct tlsp_policy_entry *e)
{
    struct tlsp_strvec toks;
    enum tlsp_status st = TLSP_OK;
    bool quoting = tlsp_version_has(version, TLSP_VR_POLICY_QUOTING);
    bool rpk = tlsp_version_has(version, TLSP_VR_ATTR_ENABLE_RPK);
    bool tlsrpt = tlsp_version_has(version, TLSP_VR_ATTR_TLSRPT);
    bool ext_type = false, ext_other = false, ext_ttl = false, ext_domain = false,
         ext_failure = false;
    size_t i;

    tlsp_strvec_init(&toks);
    st = quoting ? tlsp_strvec_split_quoted(&toks, value, ENTRY_SEPARATORS)
                 : tlsp_strvec_split(&toks, value, ENTRY_SEPARATORS);
    if (st != TLSP_OK)
        goto out;
    if (toks.n == 0) {
        st = invalid(e, "invalid empty policy");
        goto out;
    }
    e->level = tlsp_level_lookup(toks.v[0]);
    if (e->level == TLSP_LEVEL_INVALID) {
        st = invalid(e, "invalid security level \"%s\"", toks.v[0]);
        goto out;
    }
    if (e->level < TLSP_LEVEL_MAY) {
        for (i = 1; i < toks.n; i++)
            if ((st = tlsp_strvec_push(&e->ignored, toks.v[i])) != TLSP_OK)
                goto out;
        goto out;
    }
    for (i = 1; i < toks.n; i++) {
        char *tok = toks.v[i];
        char *copy = NULL;
        char *name, *val;
        const char *err = NULL;

        if (quoting && tok[0] == '{') {
            if ((copy = tlsp_strdup(tok)) == NULL) {
                st = TLSP_NOMEM;
                goto out;
            }
            err = unbrace(copy);
        } else {
            copy = tlsp_strdup(tok);
            if (copy == NULL) {
                st = TLSP_NOMEM;
                goto out;
            }
        }
        if (err == NULL)
            err = split_nameval(copy, &name, &val);
        if (err) {
            st = invalid(e, "malformed attribute/value pair \"%s\": %s", tok, err);
            free(copy);
            goto out;
        }
        if (tlsp_strcaseeq(name, "ciphers")) {
            if (*val == 0)
                st = invalid(e, "attribute \"%s\" has empty value", name);
            else if (e->ciphers)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if ((e->ciphers = tlsp_strdup(val)) == NULL)
                st = TLSP_NOMEM;
        } else if (tlsp_strcaseeq(name, "protocols")) {
            if (e->protocols)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if ((e->protocols = tlsp_strdup(val)) == NULL)
                st = TLSP_NOMEM;
        } else if (tlsp_strcaseeq(name, "servername")) {
            if (e->servername)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if (!tlsp_valid_hostname(val))
                st = invalid(e, "\"%s=%s\" specifies an invalid hostname", name, val);
            else if ((e->servername = tlsp_strdup(val)) == NULL)
                st = TLSP_NOMEM;
        } else if (tlsp_strcaseeq(name, "match")) {
            if (*val == 0)
                st = invalid(e, "attribute \"%s\" has empty value", name);
            else if (e->level != TLSP_LEVEL_FINGERPRINT && e->level != TLSP_LEVEL_VERIFY &&
                     e->level != TLSP_LEVEL_SECURE)
                st = invalid(e, "attribute \"%s\" invalid at security level \"%s\"", name,
                             tlsp_level_name(e->level));
            else
                st = tlsp_strvec_split(&e->match, val,
                                       e->level == TLSP_LEVEL_FINGERPRINT ? "|" : ":");
        } else if (tlsp_strcaseeq(name, "exclude")) {
            if (e->exclude)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if ((e->exclude = tlsp_strdup(val)) == NULL)
                st = TLSP_NOMEM;
        } else if (tlsp_strcaseeq(name, "tafile")) {
            if (!tlsp_level_must_pkix(e->level))
                st = invalid(e, "attribute \"%s\" invalid at security level \"%s\"", name,
                             tlsp_level_name(e->level));
            else if (*val == 0)
                st = invalid(e, "attribute \"%s\" has empty value", name);
            else
                st = tlsp_strvec_push(&e->tafiles, val);
        } else if (tlsp_strcaseeq(name, "connection_reuse") ||
                   (rpk && tlsp_strcaseeq(name, "enable_rpk"))) {
            if (tlsp_strcaseeq(val, "yes")) {
                if (tlsp_strcaseeq(name, "connection_reuse"))
                    e->connection_reuse = 1;
            } else if (tlsp_strcaseeq(val, "no")) {
                if (tlsp_strcaseeq(name, "connection_reuse"))
                    e->connection_reuse = 0;
            } else {
                st = invalid(e, "attribute \"%s\" has bad value: \"%s\"", name, val);
            }
        } else if (tlsrpt && tlsp_strcaseeq(name, "policy_ttl")) {
            if (ext_ttl)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if (!tlsp_all_digits(val) || strlen(val) > 9)
                st = invalid(e, "attribute \"%s\" has a malformed value: \"%s\"", name, val);
            ext_ttl = ext_other = true;
        } else if (tlsrpt && tlsp_strcaseeq(name, "policy_type")) {
            if (ext_type)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if (!valid_tlsrpt_policy_type(val))
                st = invalid(e, "attribute \"%s\" has an unexpected value: \"%s\"", name, val);
            ext_type = true;
        } else if (tlsrpt && tlsp_strcaseeq(name, "policy_domain")) {
            if (ext_domain)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if (!tlsp_valid_hostname(val))
                st = invalid(e, "attribute \"%s\" has a malformed value: \"%s\"", name, val);
            ext_domain = ext_other = true;
        } else if (tlsrpt && (tlsp_strcaseeq(name, "policy_string") ||
                              tlsp_strcaseeq(name, "mx_host_pattern"))) {
            ext_other = true;
        } else if (tlsrpt && tlsp_strcaseeq(name, "policy_failure")) {
            if (ext_failure)
                st = invalid(e, "attribute \"%s\" is specified multiple times", name);
            else if (!valid_tlsrpt_policy_failure(val))
                st = invalid(e, "attribute \"%s\" has an unexpected value: \"%s\"", name, val);
            ext_failure = ext_other = true;
        } else {
            st = invalid(e, "invalid attribute name: \"%s\"", name);
        }
        if (st == TLSP_OK && e->level != TLSP_LEVEL_INVALID &&
            (tlsp_strcaseeq(name, "enable_rpk") || strncasecmp(name, "policy_", 7) == 0 ||
             tlsp_strcaseeq(name, "mx_host_pattern"))) {
            char *kv = tlsp_aprintf("%s=%s", name, val);

            st = tlsp_strvec_push_owned(&e->other, kv);
        }
        free(copy);
        if (st != TLSP_OK || e->level == TLSP_LEVEL_INVALID)
            goto out;
    }
    if (tlsrpt && !ext_type && ext_other)
        st = invalid(e, "built-in policy has unexpected attribute policy_ttl, policy_domain, "
                        "policy_string, mx_host_pattern or policy_failure");
out:
    tlsp_strvec_fini(&toks);
    return st;
}
