/*
 * cmd_policy.c - tlspolicy policy: the TLS policy Postfix applies to a destination
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define SUB "policy"

/* For cli_print_fatal() in --json mode. */
static bool json_mode;
static const char *json_destination = "";


static const struct option long_opts[] = {
    {"sender", required_argument, NULL, CLI_OPT_SENDER},
    {"json", no_argument, NULL, CLI_OPT_JSON},
    {"postfix-version", required_argument, NULL, CLI_OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void
usage(FILE *fp)
{
    fprintf(fp, "usage: tlspolicy policy [-c DIR] [-o NAME=VALUE]... [-T TRANSPORT] "
                "[--sender ADDR]\n"
                "                        [--postfix-version X.Y.Z] [--json] DESTINATION\n"
                "DESTINATION: user@domain, domain, [host], [host]:port, domain:port or "
                "transport:nexthop\n");
}

/* One evaluated next hop. */
struct eval {
    struct tlsp_policy pol;
    bool have_pol;
};

struct hop_result {
    const struct tlsp_hop *hop;
    struct tlsp_cf *view; /* the parameters as the transport sees them */
    const char *role; /* "content filter" or "delivery" */
    struct eval *evals;
    size_t n_evals;
    const char *problem; /* static text when no policy applies, else NULL */
    bool smtp;
    bool defer;
    enum tlsp_status status; /* why the evaluation stopped, when it did */
};

static bool
is_smtp_command(const char *cmd)
{
    return cmd && (strcmp(cmd, "smtp") == 0 || strcmp(cmd, "lmtp") == 0);
}

/*
 * evaluate_hop - the policy of every next hop of a delivery. Returns
 * EXIT_DELIVER, EXIT_DEFER, or EXIT_USAGE when the service would not start.
 */
static int
evaluate_hop(struct tlsp_cf *cf, const struct tlsp_hop *hop, struct hop_result *r,
             struct tlsp_diag *diag)
{
    struct tlsp_cf *view = NULL;
    enum tlsp_status st;
    size_t i;
    int rc = EXIT_DELIVER;

    r->hop = hop;
    r->smtp = is_smtp_command(hop->command);
    if (hop->command == NULL) {
        r->problem = "master.cf has no such delivery service: the queue manager defers the mail "
                     "(mail transport unavailable)";
        r->defer = true;
        return EXIT_DEFER;
    }
    if (!r->smtp)
        return EXIT_DELIVER;
    st = tlsp_cf_service_view(cf, hop->transport, &view, diag);
    if (st != TLSP_OK) {
        r->status = st;
        return EXIT_USAGE;
    }
    r->view = view;
    if ((r->evals = calloc(hop->n_dests ? hop->n_dests : 1, sizeof(*r->evals))) == NULL)
        return EXIT_USAGE;
    for (i = 0; i < hop->n_dests; i++) {
        struct tlsp_policy_request req;

        memset(&req, 0, sizeof(req));
        req.dest = hop->dests[i];
        req.service = hop->transport;
        req.lmtp = strcmp(hop->command, "lmtp") == 0;
        st = tlsp_policy_resolve(view, &req, &r->evals[i].pol, diag);
        r->evals[i].have_pol = true;
        r->n_evals++;
        if (st != TLSP_OK) {
            r->status = st;
            rc = EXIT_USAGE;
            break;
        }
        if ((r->evals[i].pol.level == TLSP_LEVEL_INVALID || r->evals[i].pol.doomed) &&
            i < hop->n_dests - hop->n_fallback) {
            r->defer = true;
            rc = EXIT_DEFER;
        }
    }
    return rc;
}

static void
hop_result_fini(struct hop_result *r)
{
    size_t i;

    for (i = 0; i < r->n_evals; i++)
        if (r->evals[i].have_pol)
            tlsp_policy_fini(&r->evals[i].pol);
    free(r->evals);
    tlsp_cf_free(r->view);
}

/* Services in master.cf that clear content_filter for mail they receive. */
static size_t
print_filter_clearers(FILE *fp, struct tlsp_cf *cf)
{
    size_t i, k, n = 0;

    for (i = 0; i < tlsp_cf_n_services(cf); i++) {
        const struct tlsp_cf_service *s = tlsp_cf_service_at(cf, i);

        for (k = 0; k < s->n_overrides; k++)
            if (strcmp(s->override_names[k], "content_filter") == 0 &&
                s->override_values[k][0] == 0)
                fprintf(fp, "%s%s %s (master.cf line %u)", n++ ? ", " : "", s->name, s->type,
                        s->line);
    }
    if (n == 0)
        fprintf(fp, "none in master.cf");
    return n;
}

static const char *
hop_text_problem(const struct hop_result *r)
{
    if (r->problem)
        return r->problem;
    if (!r->smtp)
        return "not delivered over SMTP or LMTP: no outbound TLS policy applies";
    return NULL;
}

static void
print_hop_text(FILE *fp, struct tlsp_cf *cf, const struct hop_result *r)
{
    size_t i;

    for (i = 0; i < r->n_evals; i++) {
        fputc('\n', fp);
        if (i >= r->hop->n_dests - r->hop->n_fallback)
            fprintf(fp, "  (fallback relay, smtp_fallback_relay: used only when the next hop is "
                        "not found or unreachable)\n");
        show_policy_text(fp, &r->evals[i].pol, r->view ? r->view : cf, "  ");
    }
}

static void
print_text(FILE *fp, struct tlsp_cf *cf, const struct cli_opts *o, const char *destination,
           const struct tlsp_route *rt, const struct hop_result *filter,
           const struct hop_result *delivery, const struct tlsp_diag *diag, int rc)
{
    char title[1024];
    const struct tlsp_hop *h = &rt->hop;

    snprintf(title, sizeof(title), "tlspolicy policy %s", destination);
    cli_header(fp, title, o, cf);
    fprintf(fp, "\nRoute\n");
    if (rt->recipient)
        fprintf(fp, "  %-15s %s\n", "recipient", rt->recipient);
    else if (rt->domain)
        fprintf(fp, "  %-15s mail for %s\n", "destination", rt->domain);
    if (rt->addr_class != TLSP_CLASS_NONE)
        fprintf(fp, "  %-15s %s: %s\n", "address class", tlsp_addr_class_name(rt->addr_class),
                rt->class_why ? rt->class_why : "");
    if (rt->has_filter) {
        fprintf(fp, "  %-15s content filter %s:%s (content_filter, %s)\n", "first hop",
                rt->filter.transport, rt->filter.nexthop, rt->filter_why);
        fprintf(fp, "  %-15s mail received by a service without its own content_filter "
                    "setting goes to the filter first;\n"
                    "  %-15s services that clear it: ",
                "", "");
        if (print_filter_clearers(fp, cf) > 0)
            fprintf(fp, ".\n  %-15s tlspolicy assumes the filtered copy comes back through such "
                        "a listener\n  %-15s and evaluates the delivery that follows.\n",
                    "", "");
        else
            fprintf(fp, ".\n  %-15s so filtered mail that comes back is filtered again (a mail "
                        "loop) unless the\n  %-15s filter re-injects it in a way that skips "
                        "content_filter; tlspolicy evaluates\n  %-15s the delivery that would "
                        "follow such a return.\n",
                    "", "", "");
    }
    fprintf(fp, "  %-15s transport %s (%s)\n", "delivery", h->transport,
            h->transport_why ? h->transport_why : "");
    if (h->nexthop_why && h->transport_why && strcmp(h->nexthop_why, h->transport_why) == 0)
        fprintf(fp, "  %-15s next hop %s (the same entry)\n", "", h->nexthop);
    else
        fprintf(fp, "  %-15s next hop %s (%s)\n", "", h->nexthop,
                h->nexthop_why ? h->nexthop_why : "");
    if (rt->local)
        fprintf(fp, "  %-15s Postfix delivers this domain itself (%s class), not over an "
                    "outbound SMTP connection\n",
                "", tlsp_addr_class_name(rt->addr_class));
    if (rt->failed)
        fprintf(fp, "  %-15s %s\n", "failure", rt->failure);

    if (rt->has_filter) {
        fprintf(fp, "\nContent filter hop (transport %s)\n", rt->filter.transport);
        if (hop_text_problem(filter))
            fprintf(fp, "  %s\n", hop_text_problem(filter));
        print_hop_text(fp, cf, filter);
    }
    fprintf(fp, "\nDelivery%s (transport %s", rt->has_filter ? " after the filter" : "",
            h->transport);
    if (h->command)
        fprintf(fp, ", %s(8)", h->command);
    fprintf(fp, ")\n");
    if (hop_text_problem(delivery))
        fprintf(fp, "  %s\n", hop_text_problem(delivery));
    print_hop_text(fp, cf, delivery);

    if (diag->n_msgs > 0) {
        fprintf(fp, "\nNotes and warnings\n");
        cli_print_diag(fp, diag, "  ");
    }
    fprintf(fp, "\nVerdict: ");
    if (rc == EXIT_DELIVER && delivery->n_evals == 0 && filter->n_evals == 0) {
        fprintf(fp, "no delivery over SMTP or LMTP, so no TLS policy applies (exit 0)\n");
        return;
    }
    if (rc == EXIT_DELIVER) {
        fprintf(fp, "every TLS policy on the way is valid (exit 0)\n");
        return;
    }
    fprintf(fp, "Postfix defers the mail (exit 1)\n");
    if (rt->failed)
        fprintf(fp, "  routing: %s\n", rt->failure);
    {
        const struct hop_result *hops[2] = {filter, delivery};
        size_t i, k;

        for (k = 0; k < 2; k++) {
            const struct hop_result *r = hops[k];

            if (!r->defer)
                continue;
            if (r->problem)
                fprintf(fp, "  %s: %s\n", r->role, r->problem);
            for (i = 0; i < r->n_evals; i++) {
                const struct tlsp_policy *p = &r->evals[i].pol;

                if (p->level == TLSP_LEVEL_INVALID)
                    fprintf(fp, "  %s to %s: dsn=%s, relay=none, status=deferred (%s)\n",
                            r->role, p->dest, p->dsn ? p->dsn : "4.7.5",
                            p->reason ? p->reason : "");
                else if (p->doomed)
                    fprintf(fp, "  %s to %s: every attempt: dsn=%s, status=deferred (%s)\n",
                            r->role, p->dest, p->doomed_dsn, p->doomed_reason);
            }
        }
    }
}

static json_t *
hop_json(const struct tlsp_hop *h, const struct hop_result *r, struct tlsp_cf *cf)
{
    json_t *o = json_object();
    json_t *pols = json_array();
    json_t *dests = json_array();
    size_t i;

    json_object_set_new(o, "transport", json_string(h->transport));
    json_object_set_new(o, "command", h->command ? json_string(h->command) : json_null());
    json_object_set_new(o, "transport_from", h->transport_why ? json_string(h->transport_why)
                                                              : json_null());
    json_object_set_new(o, "nexthop", json_string(h->nexthop));
    json_object_set_new(o, "nexthop_from", h->nexthop_why ? json_string(h->nexthop_why)
                                                          : json_null());
    for (i = 0; i < h->n_dests; i++)
        json_array_append_new(dests, json_string(h->dests[i]));
    json_object_set_new(o, "next_hops", dests);
    json_object_set_new(o, "fallback_relays", json_integer((json_int_t)h->n_fallback));
    json_object_set_new(o, "smtp", json_boolean(r->smtp));
    json_object_set_new(o, "problem", hop_text_problem(r) ? json_string(hop_text_problem(r))
                                                          : json_null());
    for (i = 0; i < r->n_evals; i++)
        json_array_append_new(pols, show_policy_json(&r->evals[i].pol, r->view ? r->view : cf));
    json_object_set_new(o, "policies", pols);
    json_object_set_new(o, "defer", json_boolean(r->defer));
    return o;
}

static void
print_json(struct tlsp_cf *cf, const struct cli_opts *o, const char *destination,
           const struct tlsp_route *rt, const struct hop_result *filter,
           const struct hop_result *delivery, const struct tlsp_diag *diag, int rc)
{
    json_t *doc = cli_header_json("policy", destination, o, cf);
    json_t *route = json_object();

    json_object_set_new(route, "recipient", rt->recipient ? json_string(rt->recipient)
                                                          : json_null());
    json_object_set_new(route, "domain", rt->domain ? json_string(rt->domain) : json_null());
    json_object_set_new(route, "address_class",
                        json_string(tlsp_addr_class_name(rt->addr_class)));
    json_object_set_new(route, "class_reason", rt->class_why ? json_string(rt->class_why)
                                                             : json_null());
    json_object_set_new(route, "delivered_locally", json_boolean(rt->local));
    json_object_set_new(route, "failure", rt->failed ? json_string(rt->failure) : json_null());
    json_object_set_new(route, "content_filter",
                        rt->has_filter ? hop_json(&rt->filter, filter, cf) : json_null());
    json_object_set_new(route, "delivery", hop_json(&rt->hop, delivery, cf));
    json_object_set_new(doc, "route", route);
    json_object_set_new(doc, "messages", cli_diag_json(diag));
    json_object_set_new(doc, "exit", json_integer(rc));
    cli_print_json(doc);
}

static int
fatal(const struct cli_opts *o, const struct tlsp_diag *diag, const char *context)
{
    return cli_print_fatal(SUB, json_mode, json_destination, o, diag, context);
}

int
cmd_policy(int argc, char **argv)
{
    struct cli_opts o;
    struct tlsp_diag diag;
    struct tlsp_cf *cf = NULL;
    struct tlsp_route rt;
    struct tlsp_route_request req;
    struct hop_result filter, delivery;
    const char **ovr;
    int c, rc = EXIT_DELIVER, rc2;
    enum tlsp_status st;

    memset(&o, 0, sizeof(o));
    memset(&rt, 0, sizeof(rt));
    memset(&filter, 0, sizeof(filter));
    memset(&delivery, 0, sizeof(delivery));
    o.version = tlsp_version_default;
    if ((ovr = calloc((size_t)argc + 1, sizeof(*ovr))) == NULL)
        return EXIT_USAGE;
    o.overrides = ovr;
    tlsp_diag_init(&diag);
    argv[0] = (char *)"tlspolicy policy"; /* for getopt's messages */
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
    json_destination = argv[optind];
    if ((cf = cli_load_cf(&o, &diag)) == NULL) {
        rc = fatal(&o, &diag,
                   tlsp_diag_worst(&diag) == TLSP_SEV_FATAL
                       ? "Postfix stops with this configuration; nothing is "
                         "delivered"
                       : NULL);
        goto out;
    }
    memset(&req, 0, sizeof(req));
    req.destination = argv[optind];
    req.sender = o.sender;
    req.transport = o.transport;
    st = tlsp_route_resolve(cf, &req, &rt, &diag);
    if (st != TLSP_OK) {
        rc = fatal(&o, &diag, cli_stop_context(st));
        goto out;
    }
    if (rt.failed)
        rc = EXIT_DEFER;
    if (rt.has_filter) {
        rc2 = evaluate_hop(cf, &rt.filter, &filter, &diag);
        filter.role = "content filter";
        if (rc2 == EXIT_USAGE) {
            rc = fatal(&o, &diag, cli_stop_context(filter.status));
            goto out;
        }
        if (rc2 > rc)
            rc = rc2;
    }
    rc2 = evaluate_hop(cf, &rt.hop, &delivery, &diag);
    delivery.role = "delivery";
    if (rc2 == EXIT_USAGE) {
        rc = fatal(&o, &diag, cli_stop_context(delivery.status));
        goto out;
    }
    if (rc2 > rc)
        rc = rc2;
    if (o.json)
        print_json(cf, &o, argv[optind], &rt, &filter, &delivery, &diag, rc);
    else
        print_text(stdout, cf, &o, argv[optind], &rt, &filter, &delivery, &diag, rc);
out:
    hop_result_fini(&filter);
    hop_result_fini(&delivery);
    tlsp_route_fini(&rt);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
    free(ovr);
    return rc;
}
