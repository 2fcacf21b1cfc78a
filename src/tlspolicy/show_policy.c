/*
 * show_policy.c - one next hop's TLS policy, as text and as JSON
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cli.h"

#define LABEL "%s  %-15s "

/* A parameter value on one line: white space runs (continuation lines)
 * shown as one space, as postconf prints values. */
static void
print_normalized(FILE *fp, const char *v)
{
    bool space = false, started = false;

    for (; *v; v++) {
        if (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r') {
            space = started;
            continue;
        }
        if (space)
            fputc(' ', fp);
        space = false;
        started = true;
        fputc(*v, fp);
    }
}

static const char *
source_text(const struct tlsp_attr *a)
{
    switch (a->source) {
    case TLSP_ATTR_TABLE:
        return "policy table";
    case TLSP_ATTR_PARAM:
        return a->param ? a->param : "main.cf";
    case TLSP_ATTR_IMPLIED:
        return "implied by the level";
    case TLSP_ATTR_UNUSED:
        break;
    }
    return "unused";
}

/* "(param, built-in default)" or "(param)" or "(param = ... in main.cf line N)" */
static void
print_param_origin(FILE *fp, struct tlsp_cf *cf, const char *param)
{
    struct tlsp_cf_origin o;

    tlsp_cf_origin(cf, param, &o);
    switch (o.source) {
    case TLSP_CF_SRC_DEFAULT:
    case TLSP_CF_SRC_UNDEFINED:
        fprintf(fp, "%s, built-in default", param);
        break;
    case TLSP_CF_SRC_MAIN_CF:
        fprintf(fp, "%s, main.cf line %u", param, o.line);
        break;
    case TLSP_CF_SRC_OVERRIDE:
        fprintf(fp, "%s, -o", param);
        break;
    case TLSP_CF_SRC_MASTER_CF:
        fprintf(fp, "%s, master.cf service %s line %u", param, o.service ? o.service : "?",
                o.line);
        break;
    }
}

/* "built-in default", "main.cf line N", ... for a parameter. */
static void
print_origin_only(FILE *fp, struct tlsp_cf *cf, const char *param)
{
    struct tlsp_cf_origin o;

    tlsp_cf_origin(cf, param, &o);
    switch (o.source) {
    case TLSP_CF_SRC_DEFAULT:
    case TLSP_CF_SRC_UNDEFINED:
        fputs("built-in default", fp);
        break;
    case TLSP_CF_SRC_MAIN_CF:
        fprintf(fp, "main.cf line %u", o.line);
        break;
    case TLSP_CF_SRC_OVERRIDE:
        fputs("-o", fp);
        break;
    case TLSP_CF_SRC_MASTER_CF:
        fprintf(fp, "master.cf service %s line %u", o.service ? o.service : "?", o.line);
        break;
    }
}

static void
print_attr(FILE *fp, const char *indent, const char *label, const struct tlsp_attr *a,
           struct tlsp_cf *cf)
{
    if (a->value == NULL)
        return;
    fprintf(fp, LABEL "%s (", indent, label, *a->value ? a->value : "(empty)");
    if (a->source == TLSP_ATTR_PARAM && a->param && !strchr(a->param, ' '))
        print_param_origin(fp, cf, a->param);
    else
        fputs(source_text(a), fp);
    fputs(")\n", fp);
}

static void
print_trust(FILE *fp, const char *indent, const struct tlsp_policy *pol, struct tlsp_cf *cf)
{
    char cafile[64], capath[64];
    const char *f = "", *p = "";

    if (pol->tafile.value && *pol->tafile.value) {
        fprintf(fp, LABEL "trust-anchor file %s (%s); smtp_tls_CAfile and smtp_tls_CApath are "
                      "not used for this destination\n",
                indent, "trust", pol->tafile.value, source_text(&pol->tafile));
        return;
    }
    snprintf(cafile, sizeof(cafile), "%s_tls_CAfile", pol->prefix);
    snprintf(capath, sizeof(capath), "%s_tls_CApath", pol->prefix);
    if (tlsp_cf_get(cf, cafile, &f, NULL) != TLSP_OK)
        f = "";
    if (tlsp_cf_get(cf, capath, &p, NULL) != TLSP_OK)
        p = "";
    if (*f == 0 && *p == 0) {
        fprintf(fp, LABEL "nothing: neither %s nor %s is set, so no CA is trusted and no "
                      "certificate can verify\n",
                indent, "trust", cafile, capath);
        return;
    }
    fprintf(fp, LABEL, indent, "trust");
    if (*f)
        fprintf(fp, "%s = %s", cafile, f);
    if (*f && *p)
        fputs("; ", fp);
    if (*p)
        fprintf(fp, "%s = %s", capath, p);
    fputc('\n', fp);
}

static void
print_match(FILE *fp, const char *indent, const struct tlsp_policy *pol, struct tlsp_cf *cf)
{
    size_t i;
    bool any_mx = false, any_hostname = false;

    fprintf(fp, LABEL, indent, "match");
    for (i = 0; i < pol->n_match_elems; i++)
        fprintf(fp, "%s%s", i ? ", " : "", pol->match_elems[i]);
    fputs(" (", fp);
    if (pol->match.source == TLSP_ATTR_PARAM && pol->match.param)
        print_param_origin(fp, cf, pol->match.param);
    else
        fputs("policy table match=", fp);
    fputs(")\n", fp);
    fprintf(fp, LABEL "%s\n", indent, "required names",
            pol->n_refs > 1 ? "the certificate must carry one of:" : "the certificate must carry:");
    for (i = 0; i < pol->n_refs; i++) {
        const struct tlsp_refname *r = &pol->refs[i];
        char what[512];

        if (r->skipped)
            snprintf(what, sizeof(what), "skipped: Postfix warns \"ignoring invalid match name\"");
        else if (r->mx_dependent && r->name == NULL)
            snprintf(what, sizeof(what), "the MX host name (known only after the MX lookup)");
        else if (r->ip)
            snprintf(what, sizeof(what), "%s: an IP address, checked against iPAddress names",
                     r->element);
        else if (r->suffix && strcmp(r->element, r->name) == 0)
            snprintf(what, sizeof(what), "any name under %s", r->name + 1);
        else if (r->suffix)
            snprintf(what, sizeof(what), "%s: any name under %s", r->element, r->name + 1);
        else if (strcmp(r->element, r->name) == 0)
            snprintf(what, sizeof(what), "exactly this name");
        else
            snprintf(what, sizeof(what), "%s: exactly this name", r->element);
        fprintf(fp, "%s  %-15s   %-24s %s\n", indent, "",
                r->name ? r->name : (r->skipped ? "." : "(MX host)"), what);
        if (r->mx_dependent)
            any_mx = true;
        if (strcasecmp(r->element, "hostname") == 0)
            any_hostname = true;
    }
    if (pol->level == TLSP_LEVEL_SECURE && !any_hostname && pol->mx_lookup)
        fprintf(fp, "%s  %-15s MX host names are not used at secure (match=hostname would trust "
                    "the MX answer)\n",
                indent, "");
    if (any_mx && pol->host == NULL)
        fprintf(fp, "%s  %-15s (the MX host name is known only after the MX lookup in DNS)\n",
                indent, "");
}

/* The exclusions: the configured list and what the level adds (spec 5.2). */
static void
print_exclusions(FILE *fp, const char *indent, const struct tlsp_policy *pol, struct tlsp_cf *cf)
{
    const char *also = pol->level == TLSP_LEVEL_ENCRYPT ? "eNULL"
                       : pol->level > TLSP_LEVEL_ENCRYPT ? "aNULL"
                                                          : NULL;
    const char *conf = pol->exclude.value ? pol->exclude.value : "";

    if (pol->exclusions == NULL || *pol->exclusions == 0)
        return;
    fprintf(fp, LABEL "%s (", indent, "exclusions", pol->exclusions);
    if (*conf) {
        if (pol->exclude.source == TLSP_ATTR_PARAM && pol->exclude.param &&
            !strchr(pol->exclude.param, ' '))
            print_param_origin(fp, cf, pol->exclude.param);
        else
            fputs(pol->exclude.source == TLSP_ATTR_TABLE ? "policy table exclude="
                                                         : pol->exclude.param,
                  fp);
        if (also)
            fputs("; ", fp);
    }
    if (also)
        fprintf(fp, "%s added at %s", also, tlsp_level_name(pol->level));
    fputs(")\n", fp);
}

void
show_policy_text(FILE *fp, const struct tlsp_policy *pol, struct tlsp_cf *cf, const char *indent)
{
    size_t i;
    const char *level = tlsp_level_name(pol->level);

    fprintf(fp, "%sNext hop %s (transport %s, %s(8))\n", indent, pol->dest, pol->service,
            pol->prefix);
    if (pol->maps_param) {
        fprintf(fp, LABEL "%s = ", indent, "policy table", pol->maps_param);
        print_normalized(fp, pol->maps_value);
        fputc('\n', fp);
        for (i = 0; i < pol->n_steps; i++) {
            const struct tlsp_lookup_step *s = &pol->steps[i];

            fprintf(fp, "%s  %-15s   %s in %s: %s\n", indent, "", s->key, s->table,
                    s->result == TLSP_OK         ? "found"
                    : s->result == TLSP_NOTFOUND ? "not found"
                                                 : "lookup error");
        }
    } else {
        fprintf(fp, LABEL "none (%s_tls_policy_maps is empty)\n", indent, "policy table",
                pol->prefix);
    }
    if (pol->entry_table) {
        fprintf(fp, LABEL "%s %s", indent, "entry", pol->entry_key, pol->entry_value);
        if (pol->entry_file && pol->entry_line)
            fprintf(fp, "  (%s, line %u)", pol->entry_file, pol->entry_line);
        else
            fprintf(fp, "  (%s)", pol->entry_table);
        fputc('\n', fp);
    } else if (pol->maps_param && pol->level != TLSP_LEVEL_INVALID) {
        fprintf(fp, LABEL "none: the global level applies\n", indent, "entry");
    }

    if (pol->level == TLSP_LEVEL_INVALID) {
        fprintf(fp, LABEL "invalid: Postfix defers the mail without connecting\n", indent,
                "security level");
        fprintf(fp, LABEL "dsn=%s, relay=none, status=deferred (%s)\n", indent, "result",
                pol->dsn ? pol->dsn : "4.7.5",
                pol->reason ? pol->reason : "client TLS configuration problem");
    } else {
        fprintf(fp, LABEL "%s (", indent, "security level", level);
        if (pol->level_source == TLSP_LEVSRC_TABLE)
            fprintf(fp, "policy table entry");
        else if (pol->level_source == TLSP_LEVSRC_PER_SITE)
            fprintf(fp, "%s", pol->maps_param);
        else if (pol->global_param && strstr(pol->global_param, "_tls_security_level") == NULL) {
            const char *v = "";

            if (tlsp_cf_get(cf, pol->global_param, &v, NULL) != TLSP_OK)
                v = "";
            fprintf(fp, "%s_tls_security_level is empty; the obsolete %s = %s, ", pol->prefix,
                    pol->global_param, v);
            print_origin_only(fp, cf, pol->global_param);
        } else if (pol->global_param) {
            print_param_origin(fp, cf, pol->global_param);
        }
        fputs(")\n", fp);
        if (pol->downgrade)
            fprintf(fp, LABEL "downgraded from %s: %s\n", indent, "",
                    tlsp_level_name(pol->level_source == TLSP_LEVSRC_GLOBAL ? pol->global_level
                                                                           : pol->table_level),
                    pol->downgrade);
    }

    if (pol->level > TLSP_LEVEL_NONE) {
        print_attr(fp, indent, "ciphers", &pol->ciphers, cf);
        print_exclusions(fp, indent, pol, cf);
        if (pol->cipherlist)
            fprintf(fp, LABEL "%s\n", indent, "cipher list", pol->cipherlist);
        print_attr(fp, indent, "protocols", &pol->protocols, cf);
        if (pol->protocols_text)
            fprintf(fp, LABEL "%s\n", indent, "", pol->protocols_text);
        if (pol->servername.value && *pol->servername.value)
            print_attr(fp, indent, "SNI", &pol->servername, cf);
        else if (!tlsp_level_dane_based(pol->level))
            fprintf(fp, LABEL "none sent (%s_tls_servername is empty)\n", indent, "SNI",
                    pol->prefix);
        if (pol->connection_reuse.value)
            print_attr(fp, indent, "connection_reuse", &pol->connection_reuse, cf);
        for (i = 0; i < pol->n_other_attrs; i++)
            fprintf(fp, LABEL "%s (policy table; accepted, not modelled by tlspolicy)\n", indent,
                    i ? "" : "other", pol->other_attrs[i]);
    }
    switch (pol->level) {
    case TLSP_LEVEL_VERIFY:
    case TLSP_LEVEL_SECURE:
        print_trust(fp, indent, pol, cf);
        print_match(fp, indent, pol, cf);
        fprintf(fp, LABEL "TLS is required; the chain must verify and a required name must "
                      "match, else \"4.7.5 Server certificate not verified\"\n",
                indent, "result");
        break;
    case TLSP_LEVEL_FINGERPRINT:
        fprintf(fp, LABEL "%s\n", indent, "digest",
                pol->fingerprint_digest ? pol->fingerprint_digest : "");
        for (i = 0; i < pol->n_fingerprints; i++)
            fprintf(fp, LABEL "%s\n", indent, i ? "" : "fingerprints", pol->fingerprints[i]);
        fprintf(fp, LABEL "TLS is required; the server certificate or public key must match a "
                      "fingerprint (CAs, names and expiry are ignored)\n",
                indent, "result");
        break;
    case TLSP_LEVEL_DANE:
    case TLSP_LEVEL_DANE_ONLY: {
        const char *mxp = "";

        if (tlsp_cf_get(cf, "smtp_tls_dane_insecure_mx_policy", &mxp, NULL) != TLSP_OK)
            mxp = "";
        fprintf(fp, LABEL "%s (smtp_tls_dane_insecure_mx_policy, ", indent, "insecure MX", mxp);
        print_origin_only(fp, cf, "smtp_tls_dane_insecure_mx_policy");
        fputs("): what dane does with MX hosts from an MX RRset that is not DNSSEC-signed\n", fp);
        fprintf(fp, LABEL "%s\n", indent, "result",
                pol->level == TLSP_LEVEL_DANE
                    ? "DANE: authenticated by TLSA records when the MX host has DNSSEC-signed "
                      "ones, else opportunistic TLS (may); decided per MX host in DNS"
                    : "DANE only: DNSSEC-signed TLSA records are required, else Postfix defers; "
                      "decided per MX host in DNS");
        break;
    }
    case TLSP_LEVEL_ENCRYPT:
        fprintf(fp, LABEL "TLS is required; the certificate is not checked\n", indent, "result");
        break;
    case TLSP_LEVEL_MAY:
        fprintf(fp, LABEL "opportunistic: TLS when the server offers STARTTLS, else plaintext; "
                      "the certificate is not checked\n",
                indent, "result");
        break;
    case TLSP_LEVEL_NONE:
        fprintf(fp, LABEL "no TLS: STARTTLS is never sent\n", indent, "result");
        break;
    default:
        break;
    }
    if (pol->per_site_host_pending)
        fprintf(fp, "%s  %-15s %s is also looked up with the MX host name, known only after "
                    "DNS\n",
                indent, "", pol->maps_param);
    if (pol->doomed) {
        fprintf(fp, LABEL "but every delivery attempt fails: dsn=%s, status=deferred (%s)\n",
                indent, "", pol->doomed_dsn, pol->doomed_reason);
        for (i = 0; i < pol->n_later; i++)
            fprintf(fp, LABEL "%s\n", indent, i ? "" : "because", pol->later[i]);
    }
    for (i = 0; i < pol->n_notes; i++)
        fprintf(fp, LABEL "%s\n", indent, i ? "" : "note", pol->notes[i]);
    if (pol->n_log > 0) {
        fprintf(fp, "%s  Postfix logs:\n", indent);
        for (i = 0; i < pol->n_log; i++) {
            fprintf(fp, "%s    ", indent);
            cli_put_safe(fp, pol->log[i]);
            fputc('\n', fp);
        }
        /* smtp_connect_inet(): once per server address tried */
        if (pol->level == TLSP_LEVEL_INVALID && pol->host)
            fprintf(fp, "%s    warning: TLS policy lookup for %s/%s: %s\n", indent, pol->dest,
                    pol->host, pol->reason ? pol->reason : "client TLS configuration problem");
        else if (pol->level == TLSP_LEVEL_INVALID)
            fprintf(fp, "%s    warning: TLS policy lookup for %s/HOST: %s   (once per MX host "
                        "HOST)\n",
                    indent, pol->dest,
                    pol->reason ? pol->reason : "client TLS configuration problem");
    }
}

static json_t *
attr_json(const struct tlsp_attr *a)
{
    json_t *o;

    if (a->value == NULL)
        return json_null();
    o = json_object();
    json_object_set_new(o, "value", json_string(a->value));
    json_object_set_new(o, "source", json_string(a->source == TLSP_ATTR_TABLE     ? "table"
                                                 : a->source == TLSP_ATTR_PARAM   ? "parameter"
                                                 : a->source == TLSP_ATTR_IMPLIED ? "implied"
                                                                                  : "unused"));
    json_object_set_new(o, "parameter", a->param ? json_string(a->param) : json_null());
    return o;
}

json_t *
cli_strings_json(char *const *v, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

json_t *
show_policy_json(const struct tlsp_policy *pol, struct tlsp_cf *cf)
{
    json_t *o = json_object();
    json_t *table = json_object();
    json_t *steps = json_array();
    json_t *refs = json_array();
    json_t *attrs = json_object();
    size_t i;

    (void)cf;
    json_object_set_new(o, "dest", json_string(pol->dest));
    json_object_set_new(o, "nexthop", cli_str_json(pol->nexthop));
    json_object_set_new(o, "host", cli_str_json(pol->host));
    json_object_set_new(o, "service", cli_str_json(pol->service));
    json_object_set_new(o, "client", json_string(pol->prefix));
    json_object_set_new(o, "port", json_integer(pol->port));
    json_object_set_new(o, "level", json_string(tlsp_level_name(pol->level)));
    json_object_set_new(o, "valid", json_boolean(pol->level != TLSP_LEVEL_INVALID));
    json_object_set_new(o, "global_level", json_string(tlsp_level_name(pol->global_level)));
    json_object_set_new(o, "level_source",
                        json_string(pol->level_source == TLSP_LEVSRC_TABLE      ? "table"
                                    : pol->level_source == TLSP_LEVSRC_PER_SITE ? "per-site"
                                                                                : "global"));
    json_object_set_new(table, "parameter", cli_str_json(pol->maps_param));
    json_object_set_new(table, "value", cli_str_json(pol->maps_value));
    for (i = 0; i < pol->n_steps; i++) {
        json_t *s = json_object();

        json_object_set_new(s, "key", json_string(pol->steps[i].key));
        json_object_set_new(s, "table", json_string(pol->steps[i].table));
        json_object_set_new(s, "result",
                            json_string(pol->steps[i].result == TLSP_OK         ? "found"
                                        : pol->steps[i].result == TLSP_NOTFOUND ? "not found"
                                                                                : "error"));
        json_array_append_new(steps, s);
    }
    json_object_set_new(table, "lookups", steps);
    if (pol->entry_table) {
        json_t *e = json_object();

        json_object_set_new(e, "table", json_string(pol->entry_table));
        json_object_set_new(e, "key", cli_str_json(pol->entry_key));
        json_object_set_new(e, "value", cli_str_json(pol->entry_value));
        json_object_set_new(e, "file", cli_str_json(pol->entry_file));
        json_object_set_new(e, "line", pol->entry_line ? json_integer(pol->entry_line)
                                                       : json_null());
        json_object_set_new(table, "entry", e);
    } else {
        json_object_set_new(table, "entry", json_null());
    }
    json_object_set_new(o, "policy_table", table);
    json_object_set_new(attrs, "ciphers", attr_json(&pol->ciphers));
    json_object_set_new(attrs, "protocols", attr_json(&pol->protocols));
    json_object_set_new(attrs, "exclude", attr_json(&pol->exclude));
    json_object_set_new(attrs, "servername", attr_json(&pol->servername));
    json_object_set_new(attrs, "connection_reuse", attr_json(&pol->connection_reuse));
    json_object_set_new(attrs, "match", attr_json(&pol->match));
    json_object_set_new(attrs, "tafile", attr_json(&pol->tafile));
    json_object_set_new(o, "attributes", attrs);
    json_object_set_new(o, "exclusions", cli_str_json(pol->exclusions));
    json_object_set_new(o, "cipherlist", cli_str_json(pol->cipherlist));
    json_object_set_new(o, "protocol_range", cli_str_json(pol->protocols_text));
    json_object_set_new(o, "match_list", cli_strings_json(pol->match_elems, pol->n_match_elems));
    for (i = 0; i < pol->n_refs; i++) {
        const struct tlsp_refname *r = &pol->refs[i];
        json_t *j = json_object();

        json_object_set_new(j, "name", cli_str_json(r->name));
        json_object_set_new(j, "element", json_string(r->element));
        json_object_set_new(j, "subdomains_only", json_boolean(r->suffix));
        json_object_set_new(j, "from_mx", json_boolean(r->mx_dependent));
        json_object_set_new(j, "ip_address", json_boolean(r->ip));
        json_object_set_new(j, "skipped", json_boolean(r->skipped));
        json_array_append_new(refs, j);
    }
    json_object_set_new(o, "required_names", refs);
    json_object_set_new(o, "fingerprint_digest", cli_str_json(pol->fingerprint_digest));
    json_object_set_new(o, "fingerprints",
                        cli_strings_json(pol->fingerprints, pol->n_fingerprints));
    json_object_set_new(o, "dane_depends_on_dns", json_boolean(pol->dane_needs_dns));
    json_object_set_new(o, "downgrade", cli_str_json(pol->downgrade));
    json_object_set_new(o, "mx_lookup", json_boolean(pol->mx_lookup));
    json_object_set_new(o, "other_attributes",
                        cli_strings_json(pol->other_attrs, pol->n_other_attrs));
    json_object_set_new(o, "dsn", cli_str_json(pol->dsn));
    json_object_set_new(o, "reason", cli_str_json(pol->reason));
    json_object_set_new(o, "postfix_log", cli_strings_json(pol->log, pol->n_log));
    json_object_set_new(o, "doomed", json_boolean(pol->doomed));
    json_object_set_new(o, "doomed_dsn", cli_str_json(pol->doomed_dsn));
    json_object_set_new(o, "doomed_reason", cli_str_json(pol->doomed_reason));
    json_object_set_new(o, "doomed_because", cli_strings_json(pol->later, pol->n_later));
    json_object_set_new(o, "notes", cli_strings_json(pol->notes, pol->n_notes));
    return o;
}
