/*
 * cmd_check.c - tlspolicy check: what Postfix's SMTP client does for a destination, live
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tlspolicy/check.h>

#include "cli.h"

#define SUB "check"
#define TIMEOUT_MAX_S 3600
#define QUEUED_FOR_MAX_S (10LL * 365 * 86400)

static bool json_mode;
static const char *json_destination = "";

enum {
    OPT_RESOLVER = CLI_OPT_OWN,
    OPT_SEED,
    OPT_EHLO,
    OPT_TIMEOUT,
    OPT_QUEUED_FOR,
};

static const struct option long_opts[] = {
    {"sender", required_argument, NULL, CLI_OPT_SENDER},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"postfix-version", required_argument, NULL, CLI_OPT_VERSION},
    {"resolver", required_argument, NULL, OPT_RESOLVER},
    {"seed", required_argument, NULL, OPT_SEED},
    {"ehlo", required_argument, NULL, OPT_EHLO},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"queued-for", required_argument, NULL, OPT_QUEUED_FOR},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: tlspolicy check [-c DIR] [-o NAME=VALUE]... [-T TRANSPORT] "
                "[--sender ADDR]\n"
                "                       [--resolver ADDR[@PORT]] [--seed N] [--ehlo NAME] "
                "[--timeout SECONDS]\n"
                "                       [--queued-for SECONDS] [--postfix-version X.Y.Z] "
                "[--json] DESTINATION\n"
                "Connects to the destination's servers as Postfix's SMTP client would, up to "
                "the end of\n"
                "STARTTLS (no mail is sent), and reports Postfix's verdict per server and the "
                "message's fate.\n"
                "ADDR[@PORT]: the name server to ask instead of /etc/resolv.conf's\n"
                "N: seed for the order of MX hosts of equal preference (default: random, as "
                "Postfix)\n"
                "SECONDS: --timeout replaces every per-step timeout; --queued-for is how long "
                "the message\n"
                "         has waited in the queue (default 0: a new message)\n");
}

static bool
parse_num(const char *text, long long max, long long *out)
{
    char *end;
    long long v;

    if (text[0] < '0' || text[0] > '9')
        return false;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno || *end != 0 || v < 0 || v > max)
        return false;
    *out = v;
    return true;
}

/* ---- progress ----------------------------------------------------------------------- */

static bool progress_shown;

static void
progress(void *arg, const char *what)
{
    (void)arg;
    fprintf(stderr, "\r\033[K%s ...", what);
    fflush(stderr);
    progress_shown = true;
}

static void
progress_clear(void)
{
    if (progress_shown) {
        fprintf(stderr, "\r\033[K");
        fflush(stderr);
        progress_shown = false;
    }
}

/* ---- text ------------------------------------------------------------------------- */

static const char *
dsn_word(const char *dsn)
{
    return dsn && dsn[0] == '5' ? "bounce" : "defer";
}

static const char *log_daemon = "smtp"; /* "lmtp" for LMTP deliveries */

static void
print_log_line(FILE *fp, const char *indent, const char *line)
{
    fprintf(fp, "%spostfix/%s[PID]: ", indent, log_daemon);
    cli_put_safe(fp, line);
    fputc('\n', fp);
}

static void
print_connection(FILE *fp, const struct tlsp_check_result *r)
{
    const struct tlsp_route *rt = &r->rt;
    size_t k, i;

    fprintf(fp, "\nConnection\n");
    if (rt->has_filter)
        fprintf(fp, "  %-15s content filter %s:%s first (content_filter); the delivery after "
                    "it is checked\n",
                "route", rt->filter.transport, rt->filter.nexthop);
    fprintf(fp, "  %-15s transport %s (%s), next hop %s (%s)\n", rt->has_filter ? "" : "route",
            rt->hop.transport, rt->hop.transport_why ? rt->hop.transport_why : "",
            rt->hop.nexthop, rt->hop.nexthop_why ? rt->hop.nexthop_why : "");
    if (r->have_pol) {
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
    for (k = 0; k < r->n_dns; k++) {
        const struct tlsp_dns_result *d = &r->dns[k];

        fprintf(fp, "  %-15s %s: ", k == 0 ? "DNS" : "", r->dns_dests[k]);
        if (d->failed) {
            fprintf(fp, "no address: %s (%s)\n", d->dsn ? d->dsn : "?", d->reason ? d->reason : "");
        } else {
            fprintf(fp, "%s", d->mx_found ? "MX" : "no MX, address records");
            for (i = 0; i < d->n_addrs; i++) {
                fprintf(fp, "%s", i == 0 ? " " : ", ");
                if (d->mx_found)
                    fprintf(fp, "%u ", d->addrs[i].pref);
                fprintf(fp, "%s[%s]", d->addrs[i].host, d->addrs[i].addr);
            }
            fprintf(fp, "%s\n", d->mx_found && d->mx_dnssec ? " (DNSSEC-validated)" : "");
        }
        for (i = 0; i < d->n_notes; i++) {
            if (tlsp_check_note_logged(d->notes[i]) && d->n_addrs > 0)
                continue; /* logged with the first attempt */
            fprintf(fp, "  %-15s ", "");
            cli_put_safe(fp, d->notes[i]);
            fputc('\n', fp);
        }
    }
}

static void
print_names(FILE *fp, const struct tlsp_verify_result *v)
{
    size_t i;

    fprintf(fp, "  %-15s ", "names");
    if (v->n_dns_names == 0 && v->n_ip_names == 0)
        fprintf(fp, "no DNS or IP subjectAltName; subject CN %s", v->subject_cn ? v->subject_cn
                                                                              : "(none)");
    for (i = 0; i < v->n_dns_names; i++)
        fprintf(fp, "%s%s", i == 0 ? "DNS " : i % 4 == 0 ? ",\n                      " : ", ",
                v->dns_names[i]);
    for (i = 0; i < v->n_ip_names; i++)
        fprintf(fp, "%s%s", i || v->n_dns_names ? ", IP " : "IP ", v->ip_names[i]);
    fputc('\n', fp);
    for (i = 0; i < v->n_subjects; i++)
        fprintf(fp, "  %-15s %zu %s\n", i == 0 ? "chain as sent" : "", i, v->subjects[i]);
}

static void
print_server(FILE *fp, const struct tlsp_check_result *r, size_t i)
{
    const struct tlsp_check_server *s = &r->servers[i];
    const struct tlsp_fate *f = &r->fate;
    size_t k;

    fprintf(fp, "\nServer %zu: %s[%s]:%u", i + 1, s->host, s->addr, s->port);
    if (s->from_mx)
        fprintf(fp, " (MX preference %u)", s->pref);
    if (s->plaintext_retry)
        fprintf(fp, " (again, without TLS)");
    fputc('\n', fp);
    if (s->have_pol)
        fprintf(fp, "  %-15s %s%s\n", "security level", tlsp_level_name(s->pol.level),
                s->plaintext_retry ? " (TLS disabled for the retry)" : "");
    if (s->have_smtp) {
        fprintf(fp, "  %-15s %s", "stage", tlsp_smtp_stage_name(s->smtp.stage));
        if (s->smtp.stage == TLSP_SMTP_TLS_DONE)
            fprintf(fp, ": %s with cipher %s (%d/%d bits)", s->smtp.protocol ? s->smtp.protocol : "?",
                    s->smtp.cipher ? s->smtp.cipher : "?", s->smtp.cipher_bits,
                    s->smtp.cipher_alg_bits);
        fputc('\n', fp);
        if (s->smtp.greeting) {
            fprintf(fp, "  %-15s ", "greeting");
            cli_put_safe(fp, s->smtp.greeting);
            fputc('\n', fp);
        }
        fprintf(fp, "  %-15s %s\n", "STARTTLS",
                s->smtp.wrapper             ? "wrapper mode (TLS at connect)"
                : s->smtp.starttls_offered ? "offered"
                : s->smtp.stage <= TLSP_SMTP_EHLO ? "(not reached)"
                                                  : "not offered");
    }
    if (s->have_ver)
        print_names(fp, &s->ver);
    fprintf(fp, "  What Postfix logs\n");
    for (k = 0; k < s->n_log; k++)
        print_log_line(fp, "    ", s->log[k]);
    if (i < f->n_lines && f->lines[i])
        print_log_line(fp, "    ", f->lines[i]);
    if (f->decided_by == i)
        print_log_line(fp, "    ", f->status_line);
    if (s->n_log == 0 && !(i < f->n_lines && f->lines[i]) && f->decided_by != i)
        fprintf(fp, "    (nothing at this log level)\n");
    fprintf(fp, "  %-15s ", "verdict");
    if (s->word != TLSP_WORD_NONE)
        fprintf(fp, "%s TLS connection; ", tlsp_word_name(s->word));
    else if (s->deliver)
        fprintf(fp, "no TLS; ");
    if (s->deliver)
        fprintf(fp, "Postfix sends the mail over this connection\n");
    else if (s->skipped && s->dsn)
        fprintf(fp, "not connected: %s (%s)\n", s->dsn, s->reason ? s->reason : "");
    else if (s->skipped)
        fprintf(fp, "not connected\n");
    else if (f->decided_by == i)
        fprintf(fp, "%s (%s): Postfix %ss the mail\n", s->dsn ? s->dsn : "?",
                s->reason ? s->reason : "", dsn_word(s->dsn));
    else if (i + 1 < r->n_servers && r->servers[i + 1].plaintext_retry)
        fprintf(fp, "%s (%s): Postfix tries this address again without TLS\n",
                s->dsn ? s->dsn : "?", s->reason ? s->reason : "");
    else
        fprintf(fp, "%s (%s): Postfix tries the next address\n", s->dsn ? s->dsn : "?",
                s->reason ? s->reason : "");
}

static void
print_explanation(FILE *fp, const struct tlsp_check_result *r)
{
    const struct tlsp_explanation *ex = &r->ex;
    size_t i, num = 0;

    if (r->n_session_why > 0) {
        fprintf(fp, "\nWhy the sessions failed\n");
        for (i = 0; i < r->n_session_why; i++)
            cli_print_wrapped(fp, "  - ", "    ", r->session_why[i]);
    }
    if (r->explained >= r->n_servers)
        return;
    if (ex->n_why > 0 || r->mx_suffix_note) {
        const struct tlsp_check_server *s = &r->servers[r->explained];

        fprintf(fp, "\nWhy (%s)\n", s->relay);
        for (i = 0; i < ex->n_why; i++)
            cli_print_wrapped(fp, "  - ", "    ", ex->why[i]);
        if (r->mx_suffix_note)
            cli_print_wrapped(fp, "  - ", "    ", r->mx_suffix_note);
    }
    if (ex->n_strategies > 0) {
        fprintf(fp, "\nName checks, strategy by strategy\n");
        for (i = 0; i < ex->n_strategies; i++) {
            const struct tlsp_strategy *st = &ex->strategies[i];

            fprintf(fp, "  %-12s %-32s %s%s%s\n", st->strategy, st->name,
                    st->matches ? "matches " : "no match",
                    st->matches && st->cert_name ? st->cert_name : "",
                    st->required ? "  (required now)" : "");
        }
    }
    if (ex->n_fixes > 0 && r->fate.status != TLSP_FATE_DELIVERABLE) {
        fprintf(fp, "\nFixes, strongest first%s\n",
                ex->new_entry ? " (no policy entry applies now: policy-table lines are new "
                                "entries for smtp_tls_policy_maps)"
                              : " (a policy-table line replaces the entry)");
        for (i = 0; i < ex->n_fixes; i++) {
            const struct tlsp_fix *f = &ex->fixes[i];
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
                fprintf(fp, "     Checked: with this line Postfix verifies this server's "
                            "chain.\n");
        }
    }
}

static void
print_text(FILE *fp, const struct cli_opts *o, struct tlsp_cf *cf, const char *destination,
           long long at, const struct tlsp_check_result *r, const struct tlsp_diag *diag, int rc)
{
    char title[1024], when[64];
    const struct tlsp_fate *f = &r->fate;
    size_t i;

    if (r->rt.hop.command && strcmp(r->rt.hop.command, "lmtp") == 0)
        log_daemon = "lmtp";
    snprintf(title, sizeof(title), "tlspolicy check %s", destination);
    cli_header(fp, title, o, cf);
    if (r->no_smtp) {
        print_connection(fp, r);
        fprintf(fp, "\nThe mail is not delivered over SMTP or LMTP: no server is contacted.\n"
                    "\nFate: Postfix delivers the mail with transport %s, without a TLS policy "
                    "(exit %d)\n",
                r->rt.hop.transport ? r->rt.hop.transport : "?", rc);
        if (diag->n_msgs > 0) {
            fprintf(fp, "\nNotes and warnings\n");
            cli_print_diag(fp, diag, "  ");
        }
        return;
    }
    tlsp_time_text(at, when, sizeof(when));
    fprintf(fp, "Checked at: %s\n", when);
    print_connection(fp, r);
    for (i = 0; i < r->n_servers; i++)
        print_server(fp, r, i);
    if (r->have_fate) {
        if (f->decided_by >= r->n_servers) {
            fprintf(fp, "\nNo server took the message\n");
            for (i = 0; i < r->n_dns; i++)
                if (r->dns[i].failed)
                    fprintf(fp, "  DNS: %s\n", r->dns[i].reason ? r->dns[i].reason : "");
            if (r->config_warning)
                print_log_line(fp, "  ", r->config_warning);
            print_log_line(fp, "  ", f->status_line);
        }
        fprintf(fp, "\nFate: ");
        if (f->status == TLSP_FATE_DELIVERABLE)
            fprintf(fp, "Postfix sends the mail to %s (exit %d)\n", f->relay, rc);
        else
            fprintf(fp, "Postfix %s the mail: dsn=%s (%s), relay=%s (exit %d)\n",
                    f->status == TLSP_FATE_BOUNCED ? "bounces" : "defers", f->dsn, f->reason,
                    f->relay, rc);
        fprintf(fp, "  ");
        cli_put_safe(fp, f->status_line);
        fputc('\n', fp);
    }
    print_explanation(fp, r);
    if (diag->n_msgs > 0) {
        fprintf(fp, "\nNotes and warnings\n");
        cli_print_diag(fp, diag, "  ");
    }
}

/* ---- JSON --------------------------------------------------------------------------- */

static json_t *
server_json(const struct tlsp_check_result *r, size_t i)
{
    const struct tlsp_check_server *s = &r->servers[i];
    json_t *j = json_object(), *log = json_array();
    size_t k;

    json_object_set_new(j, "host", json_string(s->host));
    json_object_set_new(j, "addr", json_string(s->addr));
    json_object_set_new(j, "port", json_integer(s->port));
    json_object_set_new(j, "preference", s->from_mx ? json_integer(s->pref) : json_null());
    json_object_set_new(j, "dest", json_string(s->dest));
    json_object_set_new(j, "plaintext_retry", json_boolean(s->plaintext_retry));
    json_object_set_new(j, "level", s->have_pol ? json_string(tlsp_level_name(s->pol.level))
                                                : json_null());
    json_object_set_new(j, "stage", s->have_smtp ? json_string(tlsp_smtp_stage_name(s->smtp.stage))
                                                 : json_string("not-connected"));
    json_object_set_new(j, "greeting", s->have_smtp ? cli_str_json(s->smtp.greeting) : json_null());
    json_object_set_new(j, "starttls_offered",
                        json_boolean(s->have_smtp && s->smtp.starttls_offered));
    json_object_set_new(j, "word", s->word != TLSP_WORD_NONE ? json_string(tlsp_word_name(s->word))
                                                             : json_null());
    json_object_set_new(j, "protocol", s->have_smtp ? cli_str_json(s->smtp.protocol) : json_null());
    json_object_set_new(j, "cipher", s->have_smtp ? cli_str_json(s->smtp.cipher) : json_null());
    json_object_set_new(j, "cipher_bits", s->have_smtp && s->smtp.cipher
                                              ? json_integer(s->smtp.cipher_bits)
                                              : json_null());
    json_object_set_new(j, "deliver", json_boolean(s->deliver));
    json_object_set_new(j, "dsn", cli_str_json(s->dsn));
    json_object_set_new(j, "reason", cli_str_json(s->reason));
    json_object_set_new(j, "relay", cli_str_json(s->relay));
    if (s->have_ver) {
        json_object_set_new(j, "dns_names", cli_strings_json(s->ver.dns_names, s->ver.n_dns_names));
        json_object_set_new(j, "ip_names", cli_strings_json(s->ver.ip_names, s->ver.n_ip_names));
        json_object_set_new(j, "subject_cn", cli_str_json(s->ver.subject_cn));
        json_object_set_new(j, "subjects", cli_strings_json(s->ver.subjects, s->ver.n_subjects));
        json_object_set_new(j, "verified", json_boolean(s->ver.verified));
        json_object_set_new(j, "chain_trusted", json_boolean(s->ver.chain_trusted));
        json_object_set_new(j, "matched", cli_str_json(s->ver.matched));
    }
    for (k = 0; k < s->n_log; k++)
        json_array_append_new(log, json_string(s->log[k]));
    if (i < r->fate.n_lines && r->fate.lines[i])
        json_array_append_new(log, json_string(r->fate.lines[i]));
    if (r->fate.decided_by == i)
        json_array_append_new(log, json_string(r->fate.status_line));
    json_object_set_new(j, "log", log);
    return j;
}

static void
print_json(const struct cli_opts *o, struct tlsp_cf *cf, const char *destination,
           const struct tlsp_check_result *r, const struct tlsp_diag *diag, int rc)
{
    json_t *doc = cli_header_json("check", destination, o, cf);
    json_t *servers = json_array(), *dns = json_array();
    size_t i, k;

    json_object_set_new(doc, "destination", json_string(destination));
    json_object_set_new(doc, "recipient", cli_str_json(r->rt.recipient));
    json_object_set_new(doc, "transport", cli_str_json(r->rt.hop.transport));
    json_object_set_new(doc, "nexthop", cli_str_json(r->rt.hop.nexthop));
    json_object_set_new(doc, "no_smtp", json_boolean(r->no_smtp));
    json_object_set_new(doc, "policy", r->have_pol ? show_policy_json(&r->pol, r->view)
                                                   : json_null());
    for (k = 0; k < r->n_dns; k++) {
        const struct tlsp_dns_result *d = &r->dns[k];
        json_t *j = json_object(), *addrs = json_array();

        json_object_set_new(j, "dest", json_string(r->dns_dests[k]));
        json_object_set_new(j, "mx_found", json_boolean(d->mx_found));
        json_object_set_new(j, "mx_dnssec", json_boolean(d->mx_dnssec));
        json_object_set_new(j, "failed", json_boolean(d->failed));
        json_object_set_new(j, "dsn", cli_str_json(d->dsn));
        json_object_set_new(j, "reason", cli_str_json(d->reason));
        for (i = 0; i < d->n_addrs; i++) {
            json_t *a = json_object();

            json_object_set_new(a, "host", json_string(d->addrs[i].host));
            json_object_set_new(a, "addr", json_string(d->addrs[i].addr));
            json_object_set_new(a, "preference", d->addrs[i].from_mx
                                                     ? json_integer(d->addrs[i].pref)
                                                     : json_null());
            json_array_append_new(addrs, a);
        }
        json_object_set_new(j, "addrs", addrs);
        json_object_set_new(j, "notes", cli_strings_json(d->notes, d->n_notes));
        json_array_append_new(dns, j);
    }
    json_object_set_new(doc, "dns", dns);
    for (i = 0; i < r->n_servers; i++)
        json_array_append_new(servers, server_json(r, i));
    json_object_set_new(doc, "servers", servers);
    if (r->have_fate) {
        json_t *f = json_object(), *log = json_array();

        json_object_set_new(f, "status", json_string(tlsp_fate_status_name(r->fate.status)));
        json_object_set_new(f, "dsn", json_string(r->fate.dsn));
        json_object_set_new(f, "reason", cli_str_json(r->fate.reason));
        json_object_set_new(f, "relay", json_string(r->fate.relay));
        for (i = 0; i < r->fate.n_lines; i++)
            if (r->fate.lines[i])
                json_array_append_new(log, json_string(r->fate.lines[i]));
        if (r->config_warning)
            json_array_append_new(log, json_string(r->config_warning));
        json_array_append_new(log, json_string(r->fate.status_line));
        json_object_set_new(f, "log", log);
        json_object_set_new(doc, "fate", f);
    } else {
        json_object_set_new(doc, "fate", json_null());
    }
    json_object_set_new(doc, "session_why", cli_strings_json(r->session_why, r->n_session_why));
    if (r->explained < r->n_servers) {
        json_t *ex = json_object(), *why;

        json_object_set_new(ex, "server", json_string(r->servers[r->explained].relay));
        why = cli_strings_json(r->ex.why, r->ex.n_why);
        if (r->mx_suffix_note)
            json_array_append_new(why, json_string(r->mx_suffix_note));
        json_object_set_new(ex, "why", why);
        json_object_set_new(ex, "mx_hosts", cli_strings_json(r->mx_hosts, r->n_mx_hosts));
        json_object_set_new(ex, "strategies", cli_strategies_json(&r->ex));
        json_object_set_new(doc, "explanation", ex);
    } else {
        json_object_set_new(doc, "explanation", json_null());
    }
    if (r->explained < r->n_servers && r->fate.status != TLSP_FATE_DELIVERABLE)
        json_object_set_new(doc, "fixes", cli_fixes_json(&r->ex));
    else
        json_object_set_new(doc, "fixes", json_array());
    json_object_set_new(doc, "messages", cli_diag_json(diag));
    json_object_set_new(doc, "exit", json_integer(rc));
    cli_print_json(doc);
}

/* ---- the command ---------------------------------------------------------------------- */

static int
fatal(const struct cli_opts *o, const struct tlsp_diag *diag, const char *context)
{
    progress_clear();
    return cli_print_fatal(SUB, json_mode, json_destination, o, diag, context);
}

int
cmd_check(int argc, char **argv)
{
    struct cli_opts o;
    struct tlsp_diag diag;
    struct tlsp_cf *cf = NULL;
    struct tlsp_check_request req;
    struct tlsp_check_result res;
    const char **ovr;
    const char *destination;
    long long v;
    int c, rc = EXIT_DELIVER;
    enum tlsp_status st;

    memset(&o, 0, sizeof(o));
    memset(&req, 0, sizeof(req));
    memset(&res, 0, sizeof(res));
    o.version = tlsp_version_default;
    req.at = (long long)time(NULL);
    if ((ovr = calloc((size_t)argc + 1, sizeof(*ovr))) == NULL)
        return EXIT_USAGE;
    o.overrides = ovr;
    tlsp_diag_init(&diag);
    argv[0] = (char *)"tlspolicy check";
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
        case OPT_RESOLVER: {
            struct sockaddr_storage ss;
            socklen_t len;

            if (tlsp_dns_parse_resolver(optarg, &ss, &len, &diag) != TLSP_OK) {
                rc = cli_usage_error(SUB, "--resolver wants ADDR or ADDR@PORT (a numeric IPv4 "
                                          "or IPv6 address), not \"%s\"",
                                     optarg);
                goto out;
            }
            req.dns.resolver = optarg;
            break;
        }
        case OPT_SEED:
            if (!parse_num(optarg, 4294967295LL, &v)) {
                rc = cli_usage_error(SUB, "--seed wants a number from 0 to 4294967295, not \"%s\"",
                                     optarg);
                goto out;
            }
            req.dns.seed = (unsigned long)v;
            req.dns.seeded = true;
            break;
        case OPT_EHLO:
            if (*optarg == 0 || strpbrk(optarg, " \t\r\n") != NULL) {
                rc = cli_usage_error(SUB, "--ehlo wants a host name, not \"%s\"", optarg);
                goto out;
            }
            req.ehlo = optarg;
            break;
        case OPT_TIMEOUT:
            if (!parse_num(optarg, TIMEOUT_MAX_S, &v) || v == 0) {
                rc = cli_usage_error(SUB, "--timeout wants seconds from 1 to %d, not \"%s\"",
                                     TIMEOUT_MAX_S, optarg);
                goto out;
            }
            req.timeout_s = (unsigned)v;
            req.dns.timeout_s = (unsigned)v;
            break;
        case OPT_QUEUED_FOR:
            if (!parse_num(optarg, QUEUED_FOR_MAX_S, &v)) {
                rc = cli_usage_error(SUB, "--queued-for wants seconds (0 or more), not \"%s\"",
                                     optarg);
                goto out;
            }
            req.queued_for = v;
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
    destination = json_destination = argv[optind];
    if ((cf = cli_load_cf(&o, &diag)) == NULL) {
        rc = fatal(&o, &diag,
                   tlsp_diag_worst(&diag) == TLSP_SEV_FATAL
                       ? "Postfix stops with this configuration; nothing is delivered"
                       : NULL);
        goto out;
    }
    req.cf = cf;
    req.destination = destination;
    req.sender = o.sender;
    req.transport = o.transport;
    if (isatty(STDERR_FILENO)) {
        req.progress = progress;
        req.progress_arg = NULL;
    }
    st = tlsp_check(&req, &res, &diag);
    progress_clear();
    if (st != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    if (res.rt.failed) {
        rc = fatal(&o, &diag, res.rt.failure);
        rc = EXIT_DEFER;
        goto out;
    }
    if (res.rt.hop.command == NULL) {
        rc = fatal(&o, &diag, "master.cf has no such delivery service: the queue manager defers "
                              "the mail (mail transport unavailable)");
        rc = EXIT_DEFER;
        goto out;
    }
    rc = res.no_smtp || (res.have_fate && res.fate.status == TLSP_FATE_DELIVERABLE) ? EXIT_DELIVER
                                                                                   : EXIT_DEFER;
    if (o.json)
        print_json(&o, cf, destination, &res, &diag, rc);
    else
        print_text(stdout, &o, cf, destination, req.at, &res, &diag, rc);
out:
    tlsp_check_fini(&res);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
    free(ovr);
    return rc;
}
