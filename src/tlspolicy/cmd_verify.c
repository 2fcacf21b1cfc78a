/*
 * cmd_verify.c - tlspolicy verify: Postfix's verdict on a certificate chain, and why
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tlspolicy/chain.h>
#include <tlspolicy/explain.h>
#include <tlspolicy/verify.h>

#include "cli.h"

#define SUB "verify"

static bool json_mode;
static const char *json_destination = "";

enum { OPT_CHAIN = CLI_OPT_OWN, OPT_MX_HOST, OPT_AT };

static const struct option long_opts[] = {
    {"sender", required_argument, NULL, CLI_OPT_SENDER},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"postfix-version", required_argument, NULL, CLI_OPT_VERSION},
    {"chain", required_argument, NULL, OPT_CHAIN},
    {"mx-host", required_argument, NULL, OPT_MX_HOST},
    {"at", required_argument, NULL, OPT_AT},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: tlspolicy verify [-c DIR] [-o NAME=VALUE]... [-T TRANSPORT] "
                "[--sender ADDR]\n"
                "                        --chain FILE [--mx-host HOST] [--at TIME]\n"
                "                        [--postfix-version X.Y.Z] [--json] DESTINATION\n"
                "FILE: the server's certificates in PEM, leaf first (also as printed by\n"
                "      openssl s_client -showcerts)\n"
                "HOST: the MX host name the server was reached through (default: the next-hop "
                "domain)\n"
                "TIME: YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or @SECONDS (default: now)\n");
}

/* parse_time - the --at forms; false when text is none of them. */
static bool
parse_time(const char *text, long long *out)
{
    static const char *const formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
                                          "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"};
    struct tm tm;
    size_t i;

    if (text[0] == '@') {
        char *end;
        long long v = strtoll(text + 1, &end, 10);

        if (end == text + 1 || *end != 0 || v < 0)
            return false;
        *out = v;
        return true;
    }
    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        const char *end;

        memset(&tm, 0, sizeof(tm));
        end = strptime(text, formats[i], &tm);
        if (end && *end == 0) {
            *out = (long long)timegm(&tm);
            return true;
        }
    }
    return false;
}

/* iso_time - RFC 3339 UTC, as JSON carries times. */
static json_t *
iso_time(long long t)
{
    char buf[64];
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static bool
is_smtp_command(const char *cmd)
{
    return cmd && (strcmp(cmd, "smtp") == 0 || strcmp(cmd, "lmtp") == 0);
}

struct run {
    const char *destination;
    const char *chain_file;
    const char *mx_host;
    bool at_given;
    long long at;
    struct tlsp_route rt;
    struct tlsp_cf *view;
    struct tlsp_policy pol;
    bool have_pol;
    const char *host_from; /* where the server host name came from */
    struct tlsp_chain *chain;
    struct tlsp_verify_request vreq;
    struct tlsp_verify_result vres;
    bool have_vres;
    struct tlsp_explanation ex;
    const char *no_tls; /* why no certificate is checked, or NULL */
};

/* ---- text ------------------------------------------------------------------------ */

static void
print_route_text(FILE *fp, const struct run *r)
{
    const struct tlsp_route *rt = &r->rt;

    fprintf(fp, "\nConnection\n");
    if (rt->has_filter)
        fprintf(fp, "  %-15s content filter %s:%s first (content_filter); the delivery after "
                    "it is checked\n",
                "route", rt->filter.transport, rt->filter.nexthop);
    fprintf(fp, "  %-15s transport %s (%s), next hop %s (%s)\n", rt->has_filter ? "" : "route",
            rt->hop.transport, rt->hop.transport_why ? rt->hop.transport_why : "",
            rt->hop.nexthop, rt->hop.nexthop_why ? rt->hop.nexthop_why : "");
    if (!r->have_pol)
        return;
    fprintf(fp, "  %-15s %s (%s), port %u, address not known offline\n", "server",
            r->pol.host ? r->pol.host : r->pol.nexthop, r->host_from, r->pol.port);
    fprintf(fp, "  %-15s %s", "security level", tlsp_level_name(r->pol.level));
    if (r->pol.entry_key)
        fprintf(fp, " (policy entry \"%s %s\"", r->pol.entry_key,
                r->pol.entry_value ? r->pol.entry_value : "");
    else
        fprintf(fp, " (%s", r->pol.global_param ? r->pol.global_param : "global level");
    if (r->pol.entry_file)
        fprintf(fp, ", %s line %u", r->pol.entry_file, r->pol.entry_line);
    fprintf(fp, ")\n");
}

static void
print_chain_text(FILE *fp, const struct run *r)
{
    const struct tlsp_verify_result *v = &r->vres;
    char nb[64], na[64];
    size_t i;

    fprintf(fp, "\nCertificate chain (%s)\n", r->chain_file);
    for (i = 0; i < v->n_subjects; i++)
        fprintf(fp, "  %-15s %zu %s\n", i == 0 ? "as sent" : "", i, v->subjects[i]);
    tlsp_time_text(v->not_before, nb, sizeof(nb));
    tlsp_time_text(v->not_after, na, sizeof(na));
    fprintf(fp, "  %-15s %s to %s\n", "leaf valid", nb, na);
    fprintf(fp, "  %-15s ", "leaf names");
    if (v->n_dns_names == 0 && v->n_ip_names == 0)
        fprintf(fp, "no DNS or IP subjectAltName; subject CN %s", v->subject_cn ? v->subject_cn
                                                                              : "(none)");
    for (i = 0; i < v->n_dns_names; i++)
        fprintf(fp, "%s%s", i == 0 ? "DNS " : i % 4 == 0 ? ",\n                      " : ", ",
                v->dns_names[i]);
    for (i = 0; i < v->n_ip_names; i++)
        fprintf(fp, "%s%s", i || v->n_dns_names ? ", IP " : "IP ", v->ip_names[i]);
    fputc('\n', fp);
    if (v->n_dns_names > 0 && v->subject_cn)
        fprintf(fp, "  %-15s subject CN %s (not used: DNS names take precedence)\n", "",
                v->subject_cn);
    if (v->cert_fpt)
        fprintf(fp, "  %-15s certificate %s\n  %-15s public key  %s\n", "fingerprints",
                v->cert_fpt, "", v->pkey_fpt ? v->pkey_fpt : "?");
}

static void
print_text(FILE *fp, const struct cli_opts *o, struct tlsp_cf *cf, const struct run *r,
           const struct tlsp_diag *diag, int rc)
{
    char title[1024], at[64];
    const struct tlsp_verify_result *v = &r->vres;
    const char *loglevel = "";
    size_t i;

    snprintf(title, sizeof(title), "tlspolicy verify %s", r->destination);
    cli_header(fp, title, o, cf);
    tlsp_time_text(r->at, at, sizeof(at));
    fprintf(fp, "Checked at: %s%s\n", at, r->at_given ? " (--at)" : " (now)");
    print_route_text(fp, r);
    if (r->no_tls) {
        fprintf(fp, "\n%s\n\nVerdict: Postfix delivers without checking a certificate (exit "
                    "0)\n",
                r->no_tls);
        return;
    }
    if (r->have_pol && r->pol.level == TLSP_LEVEL_INVALID) {
        fprintf(fp, "\nWhat Postfix logs\n");
        for (i = 0; i < r->pol.n_log; i++) {
            fputs("  postfix/smtp[PID]: ", fp);
            cli_put_safe(fp, r->pol.log[i]);
            fputc('\n', fp);
        }
        /* smtp_connect_inet(): once per server address tried */
        fprintf(fp, "  postfix/smtp[PID]: warning: TLS policy lookup for %s/%s: %s\n", r->pol.dest,
                r->pol.host ? r->pol.host : r->pol.nexthop,
                r->pol.reason ? r->pol.reason : "client TLS configuration problem");
        fprintf(fp,
                "  postfix/smtp[PID]: QUEUEID: to=<%s>, relay=none, dsn=%s, status=deferred (%s)\n",
                r->rt.recipient ? r->rt.recipient : "RCPT", r->pol.dsn ? r->pol.dsn : "4.7.5",
                r->pol.reason ? r->pol.reason : "");
        fprintf(fp, "\nVerdict: the TLS policy is invalid; Postfix defers the mail without "
                    "connecting: dsn=%s (%s) (exit %d)\n",
                r->pol.dsn ? r->pol.dsn : "4.7.5", r->pol.reason ? r->pol.reason : "", rc);
        fprintf(fp, "  tlspolicy policy %s shows the policy in full.\n", r->destination);
        if (diag->n_msgs > 0) {
            fprintf(fp, "\nNotes and warnings\n");
            cli_print_diag(fp, diag, "  ");
        }
        return;
    }
    if (!r->have_vres)
        return;
    print_chain_text(fp, r);

    {
        struct tlsp_diag scratch;
        char name[64];

        snprintf(name, sizeof(name), "%s_tls_loglevel", r->pol.prefix ? r->pol.prefix : "smtp");
        tlsp_diag_init(&scratch);
        if (tlsp_cf_get(r->view, name, &loglevel, &scratch) != TLSP_OK)
            loglevel = "?";
        tlsp_diag_fini(&scratch);
        fprintf(fp, "\nWhat Postfix logs (%s = %s; ADDR, PROTOCOL, CIPHER and BITS are known "
                    "only from a live connection)\n",
                name, loglevel);
    }
    /* Start-up lines, then the policy lookup's, then the connection's. */
    for (i = 0; i < v->n_log_engine && i < v->n_log; i++) {
        fputs("  postfix/smtp[PID]: ", fp);
        cli_put_safe(fp, v->log[i]);
        fputc('\n', fp);
    }
    for (i = 0; i < r->pol.n_log; i++) {
        fputs("  postfix/smtp[PID]: ", fp);
        cli_put_safe(fp, r->pol.log[i]);
        fputc('\n', fp);
    }
    for (i = v->n_log_engine; i < v->n_log; i++) {
        fputs("  postfix/smtp[PID]: ", fp);
        cli_put_safe(fp, v->log[i]);
        fputc('\n', fp);
    }
    if (!v->deliver) {
        fprintf(fp,
                "  postfix/smtp[PID]: QUEUEID: to=<%s>, relay=%s, dsn=%s, status=deferred (%s)\n",
                r->rt.recipient ? r->rt.recipient : "RCPT",
                v->engine_ok || v->word != TLSP_WORD_NONE || v->engine_error ? v->namaddr : "none",
                v->dsn ? v->dsn : "?", v->reason ? v->reason : "");
    }
    if (v->n_log == 0 && r->pol.n_log == 0 && v->deliver)
        fprintf(fp, "  (nothing at this log level)\n");

    fprintf(fp, "\nVerdict: ");
    if (v->word != TLSP_WORD_NONE)
        fprintf(fp, "%s TLS connection; ", tlsp_word_name(v->word));
    if (v->deliver)
        fprintf(fp, "Postfix delivers the mail%s (exit 0)\n",
                v->word == TLSP_WORD_NONE ? " without TLS" : "");
    else
        fprintf(fp, "Postfix defers the mail: dsn=%s (%s) (exit %d)\n", v->dsn ? v->dsn : "?",
                v->reason ? v->reason : "", rc);

    if (r->ex.n_why > 0) {
        fprintf(fp, "\nWhy\n");
        for (i = 0; i < r->ex.n_why; i++)
            cli_print_wrapped(fp, "  - ", "    ", r->ex.why[i]);
    }
    if (r->ex.n_strategies > 0) {
        fprintf(fp, "\nName checks, strategy by strategy\n");
        for (i = 0; i < r->ex.n_strategies; i++) {
            const struct tlsp_strategy *s = &r->ex.strategies[i];

            fprintf(fp, "  %-12s %-32s %s%s%s%s\n", s->strategy, s->name,
                    s->matches ? "matches " : "no match",
                    s->matches && s->cert_name ? s->cert_name : "",
                    s->required ? "  (required now)" : "", "");
        }
    }
    if (r->ex.n_fixes > 0) {
        fprintf(fp, "\nFixes, strongest first%s\n",
                r->ex.new_entry ? " (no policy entry applies now: policy-table lines are new "
                                  "entries for smtp_tls_policy_maps)"
                                : " (a policy-table line replaces the entry)");
        size_t num = 0;

        for (i = 0; i < r->ex.n_fixes; i++) {
            const struct tlsp_fix *f = &r->ex.fixes[i];
            char lead[32];

            if (f->line) {
                snprintf(lead, sizeof(lead), "  %zu. ", ++num);
                fputs(lead, fp);
                cli_put_safe(fp, f->line);
                fputc('\n', fp);
                cli_print_wrapped(fp, "     ", "     ", f->what);
            } else {
                cli_print_wrapped(fp, "  -  ", "     ", f->what);
            }
            cli_print_wrapped(fp, "     Trade-off: ", "     ", f->tradeoff);
            if (f->line && f->checked)
                fprintf(fp, "     Checked: with this line Postfix verifies this chain.\n");
        }
    }
    if (diag->n_msgs > 0) {
        fprintf(fp, "\nNotes and warnings\n");
        cli_print_diag(fp, diag, "  ");
    }
}

/* ---- JSON ------------------------------------------------------------------------ */

static json_t *
verr_json(const struct tlsp_verr *e)
{
    json_t *o;

    if (e->code == 0)
        return json_null();
    o = json_object();
    json_object_set_new(o, "depth", json_integer(e->depth));
    json_object_set_new(o, "code", json_integer(e->code));
    json_object_set_new(o, "text", e->text ? json_string(e->text) : json_null());
    json_object_set_new(o, "subject", e->subject ? json_string(e->subject) : json_null());
    json_object_set_new(o, "issuer", e->issuer ? json_string(e->issuer) : json_null());
    return o;
}

static json_t *
verrs_json(const struct tlsp_verr *v, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < n; i++)
        json_array_append_new(a, verr_json(&v[i]));
    return a;
}

static void
print_json(const struct cli_opts *o, struct tlsp_cf *cf, const struct run *r,
           const struct tlsp_diag *diag, int rc)
{
    json_t *doc = cli_header_json("verify", r->destination, o, cf);
    const struct tlsp_verify_result *v = &r->vres;
    size_t i;

    json_object_set_new(doc, "checked_at", iso_time(r->at));
    json_object_set_new(doc, "chain_file", json_string(r->chain_file));
    json_object_set_new(doc, "recipient", r->rt.recipient ? json_string(r->rt.recipient)
                                                          : json_null());
    json_object_set_new(doc, "transport", json_string(r->rt.hop.transport));
    json_object_set_new(doc, "nexthop", json_string(r->rt.hop.nexthop));
    json_object_set_new(doc, "content_filter",
                        r->rt.has_filter ? json_string(r->rt.filter.nexthop) : json_null());
    json_object_set_new(doc, "no_tls", r->no_tls ? json_string(r->no_tls) : json_null());
    if (r->have_pol) {
        json_t *server = json_object();

        json_object_set_new(server, "host", json_string(r->pol.host ? r->pol.host
                                                                    : r->pol.nexthop));
        json_object_set_new(server, "host_from", json_string(r->host_from));
        json_object_set_new(server, "address", json_null());
        json_object_set_new(server, "port", json_integer(r->pol.port));
        json_object_set_new(doc, "server", server);
        json_object_set_new(doc, "policy", show_policy_json(&r->pol, r->view));
    } else {
        json_object_set_new(doc, "server", json_null());
        json_object_set_new(doc, "policy", json_null());
    }
    if (r->have_vres) {
        json_t *chain = json_object(), *ver = json_object(), *ex = json_object();

        json_object_set_new(chain, "subjects", cli_strings_json(v->subjects, v->n_subjects));
        json_object_set_new(chain, "dns_names", cli_strings_json(v->dns_names, v->n_dns_names));
        json_object_set_new(chain, "ip_names", cli_strings_json(v->ip_names, v->n_ip_names));
        json_object_set_new(chain, "other_names", json_integer((json_int_t)v->n_other_names));
        json_object_set_new(chain, "subject_cn", v->subject_cn ? json_string(v->subject_cn)
                                                               : json_null());
        json_object_set_new(chain, "issuer_cn", v->issuer_cn ? json_string(v->issuer_cn)
                                                             : json_null());
        json_object_set_new(chain, "not_before", iso_time(v->not_before));
        json_object_set_new(chain, "not_after", iso_time(v->not_after));
        json_object_set_new(chain, "cert_fingerprint", v->cert_fpt ? json_string(v->cert_fpt)
                                                                   : json_null());
        json_object_set_new(chain, "pkey_fingerprint", v->pkey_fpt ? json_string(v->pkey_fpt)
                                                                   : json_null());
        json_object_set_new(doc, "chain", chain);

        json_object_set_new(ver, "namaddr", json_string(v->namaddr));
        json_object_set_new(ver, "engine_ok", json_boolean(v->engine_ok));
        json_object_set_new(ver, "engine_error", v->engine_error ? json_string(v->engine_error)
                                                                 : json_null());
        json_object_set_new(ver, "word", json_string(tlsp_word_name(v->word)));
        json_object_set_new(ver, "deliver", json_boolean(v->deliver));
        json_object_set_new(ver, "dsn", v->dsn ? json_string(v->dsn) : json_null());
        json_object_set_new(ver, "reason", v->reason ? json_string(v->reason) : json_null());
        json_object_set_new(ver, "names_checked", json_boolean(v->names_checked));
        json_object_set_new(ver, "dane_used", json_boolean(v->dane_used));
        json_object_set_new(ver, "verified", json_boolean(v->verified));
        json_object_set_new(ver, "reported_error", verr_json(&v->reported));
        json_object_set_new(ver, "errors", verrs_json(v->errors, v->n_errors));
        json_object_set_new(ver, "matched", v->matched ? json_string(v->matched) : json_null());
        json_object_set_new(ver, "chain_trusted", json_boolean(v->chain_trusted));
        json_object_set_new(ver, "chain_errors", verrs_json(v->chain_errors, v->n_chain_errors));
        {
            json_t *log = json_array();

            for (i = 0; i < v->n_log_engine && i < v->n_log; i++)
                json_array_append_new(log, json_string(v->log[i]));
            for (i = 0; i < r->pol.n_log; i++)
                json_array_append_new(log, json_string(r->pol.log[i]));
            for (i = v->n_log_engine; i < v->n_log; i++)
                json_array_append_new(log, json_string(v->log[i]));
            json_object_set_new(ver, "log", log);
        }
        json_object_set_new(doc, "verification", ver);

        json_object_set_new(ex, "why", cli_strings_json(r->ex.why, r->ex.n_why));
        json_object_set_new(ex, "strategies", cli_strategies_json(&r->ex));
        json_object_set_new(ex, "fixes", cli_fixes_json(&r->ex));
        json_object_set_new(ex, "table_key", r->ex.table_key ? json_string(r->ex.table_key)
                                                             : json_null());
        json_object_set_new(ex, "new_entry", json_boolean(r->ex.new_entry));
        json_object_set_new(doc, "explanation", ex);
    } else {
        json_object_set_new(doc, "chain", json_null());
        json_object_set_new(doc, "verification", json_null());
        json_object_set_new(doc, "explanation", json_null());
    }
    json_object_set_new(doc, "messages", cli_diag_json(diag));
    json_object_set_new(doc, "exit", json_integer(rc));
    cli_print_json(doc);
}

/* ---- the command ------------------------------------------------------------------ */

static int
fatal(const struct cli_opts *o, const struct tlsp_diag *diag, const char *context)
{
    return cli_print_fatal(SUB, json_mode, json_destination, o, diag, context);
}

/* resolve_policy - the policy of the first next hop, with the server host name. */
static enum tlsp_status
resolve_policy(struct run *r, struct tlsp_diag *diag)
{
    struct tlsp_policy_request req;
    const struct tlsp_hop *h = &r->rt.hop;
    enum tlsp_status st;

    memset(&req, 0, sizeof(req));
    req.dest = h->dests[0];
    req.service = h->transport;
    req.lmtp = strcmp(h->command, "lmtp") == 0;
    req.host = r->mx_host;
    st = tlsp_policy_resolve(r->view, &req, &r->pol, diag);
    r->have_pol = true;
    if (st != TLSP_OK)
        return st;
    if (!r->pol.mx_lookup) {
        r->host_from = req.lmtp ? "LMTP server" : "the next hop names it";
        if (r->mx_host &&
            tlsp_diag_add(diag, TLSP_SEV_NOTE, NULL, 0,
                          "--mx-host %s is not used: the next hop %s is not looked up in MX "
                          "records",
                          r->mx_host, req.dest) != TLSP_OK)
            return TLSP_NOMEM;
        if (r->mx_host) {
            /* Resolve again without the host the next hop does not use. */
            tlsp_policy_fini(&r->pol);
            req.host = NULL;
            r->have_pol = false;
            st = tlsp_policy_resolve(r->view, &req, &r->pol, NULL);
            r->have_pol = true;
        }
        return st;
    }
    if (r->mx_host) {
        r->host_from = "MX host, --mx-host";
        return TLSP_OK;
    }
    /* No MX host given: the next-hop domain itself (its A record). */
    r->host_from = "the next-hop domain; give --mx-host for the MX host name";
    req.host = r->pol.nexthop;
    {
        char *nexthop = strdup(r->pol.nexthop);

        if (nexthop == NULL)
            return TLSP_NOMEM;
        req.host = nexthop;
        tlsp_policy_fini(&r->pol);
        r->have_pol = false;
        st = tlsp_policy_resolve(r->view, &req, &r->pol, NULL);
        r->have_pol = true;
        free(nexthop);
    }
    return st;
}

int
cmd_verify(int argc, char **argv)
{
    struct cli_opts o;
    struct tlsp_diag diag;
    struct tlsp_cf *cf = NULL;
    struct tlsp_route_request rreq;
    struct run r;
    const char **ovr;
    int c, rc = EXIT_DELIVER;
    enum tlsp_status st;

    memset(&o, 0, sizeof(o));
    memset(&r, 0, sizeof(r));
    o.version = tlsp_version_default;
    r.at = (long long)time(NULL);
    if ((ovr = calloc((size_t)argc + 1, sizeof(*ovr))) == NULL)
        return EXIT_USAGE;
    o.overrides = ovr;
    tlsp_diag_init(&diag);
    argv[0] = (char *)"tlspolicy verify";
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:o:T:h", long_opts, NULL)) != -1) {
        int handled = cli_common_option(SUB, c, optarg, &o, &diag);

        if (handled > 0) {
            rc = handled;
            goto out;
        }
        json_mode = o.json;
        if (handled == 0)
            continue;
        switch (c) {
        case OPT_CHAIN:
            r.chain_file = optarg;
            break;
        case OPT_MX_HOST:
            r.mx_host = optarg;
            break;
        case OPT_AT:
            if (!parse_time(optarg, &r.at)) {
                rc = cli_usage_error(SUB,
                                     "--at wants YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS, "
                                     "not \"%s\"",
                                     optarg);
                goto out;
            }
            r.at_given = true;
            break;
        case 'h':
            usage(stdout);
            rc = 0;
            goto out;
        default:
            usage(stderr);
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (argc - optind != 1) {
        rc = cli_usage_error(SUB, argc - optind == 0 ? "a DESTINATION is required"
                                                     : "exactly one DESTINATION, please");
        goto out;
    }
    if (r.chain_file == NULL) {
        rc = cli_usage_error(SUB, "--chain FILE is required (the server's certificates, PEM, "
                                  "leaf first)");
        goto out;
    }
    r.destination = json_destination = argv[optind];
    if (r.mx_host && (*r.mx_host == 0 || strchr(r.mx_host, '[') || strchr(r.mx_host, ' '))) {
        rc = cli_usage_error(SUB, "--mx-host wants a host name, not \"%s\"", r.mx_host);
        goto out;
    }
    if ((st = tlsp_chain_load(r.chain_file, &r.chain, &diag)) != TLSP_OK) {
        rc = fatal(&o, &diag, "the chain cannot be read");
        goto out;
    }
    if ((cf = cli_load_cf(&o, &diag)) == NULL) {
        rc = fatal(&o, &diag,
                   tlsp_diag_worst(&diag) == TLSP_SEV_FATAL
                       ? "Postfix stops with this configuration; nothing is delivered"
                       : NULL);
        goto out;
    }
    memset(&rreq, 0, sizeof(rreq));
    rreq.destination = r.destination;
    rreq.sender = o.sender;
    rreq.transport = o.transport;
    if ((st = tlsp_route_resolve(cf, &rreq, &r.rt, &diag)) != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    if (r.rt.failed) {
        rc = fatal(&o, &diag, r.rt.failure);
        rc = EXIT_DEFER;
        goto out;
    }
    if (r.rt.hop.command == NULL) {
        rc = fatal(&o, &diag, "master.cf has no such delivery service: the queue manager defers "
                              "the mail (mail transport unavailable)");
        rc = EXIT_DEFER;
        goto out;
    }
    if (r.rt.local || !is_smtp_command(r.rt.hop.command) || r.rt.hop.n_dests == 0) {
        r.no_tls = "The mail is not delivered over SMTP or LMTP: no server certificate is "
                   "checked.";
        goto print;
    }
    if ((st = tlsp_cf_service_view(cf, r.rt.hop.transport, &r.view, &diag)) != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    if ((st = resolve_policy(&r, &diag)) != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    if (r.pol.level == TLSP_LEVEL_INVALID) {
        rc = EXIT_DEFER;
        goto print;
    }
    r.vreq.cf = r.view;
    r.vreq.pol = &r.pol;
    r.vreq.chain = r.chain;
    r.vreq.at = r.at;
    st = tlsp_verify(&r.vreq, &r.vres, &diag);
    if (st != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    r.have_vres = true;
    if ((st = tlsp_explain(&r.vreq, &r.vres, &r.ex, &diag)) != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    rc = r.vres.deliver ? EXIT_DELIVER : EXIT_DEFER;
print:
    if (o.json)
        print_json(&o, cf, &r, &diag, rc);
    else
        print_text(stdout, &o, cf, &r, &diag, rc);
out:
    tlsp_explain_fini(&r.ex);
    if (r.have_vres)
        tlsp_verify_fini(&r.vres);
    if (r.have_pol)
        tlsp_policy_fini(&r.pol);
    tlsp_chain_free(r.chain);
    tlsp_cf_free(r.view);
    tlsp_route_fini(&r.rt);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
    free(ovr);
    return rc;
}
