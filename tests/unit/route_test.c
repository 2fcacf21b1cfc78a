/*
 * route_test.c - from a recipient or next hop to the delivery Postfix makes
 *
 * trivial-rewrite's resolve_addr(), transport(5) lookups, content_filter,
 * relayhost, sender_dependent_relayhost_maps, next-hop lists and fallback
 * relays. Facts from trivial-rewrite/resolve.c, transport.c and
 * qmgr_message.c of Postfix 3.7; the founding case is a row.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/route.h>

#include "testutil.h"

static const char *master_cf = "smtp unix - - - - - smtp\n"
                               "relay unix - - - - - smtp\n"
                               "lmtp unix - - - - - lmtp\n"
                               "local unix - n n - - local\n"
                               "virtual unix - n n - - virtual\n"
                               "error unix - - - - - error\n"
                               "slow unix - - - - 1 smtp\n"
                               "uucp unix - n n - - pipe\n"
                               "  flags=Fqhu user=uucp argv=uux -r -n -z -a$sender - $nexthop!rmail\n"
                               "filter unix - - n - 2 smtp\n"
                               "127.0.0.1:10025 inet n - n - - smtpd\n"
                               "  -o content_filter=\n";

struct rw {
    char *dir;
    struct tlsp_cf *cf;
    struct tlsp_diag diag;
    struct tlsp_route rt;
};

/* route_in - main.cf text with @DIR@ replaced, extra files, then route. */
static enum tlsp_status
route_in(struct rw *w, const char *main_tmpl, const char *const *files, const char *dest,
         const char *sender, const char *transport)
{
    char *main_cf, *o;
    const char *p;
    struct tlsp_route_request req;

    memset(w, 0, sizeof(*w));
    w->dir = tu_mkdtemp("route");
    main_cf = malloc(strlen(main_tmpl) * 2 + strlen(w->dir) * 8 + 1);
    assert_non_null(main_cf);
    for (o = main_cf, p = main_tmpl; *p;) {
        if (strncmp(p, "@DIR@", 5) == 0) {
            memcpy(o, w->dir, strlen(w->dir));
            o += strlen(w->dir);
            p += 5;
        } else {
            *o++ = *p++;
        }
    }
    *o = 0;
    free(tu_write(w->dir, "main.cf", main_cf));
    free(main_cf);
    free(tu_write(w->dir, "master.cf", master_cf));
    for (; files && files[0]; files += 2)
        free(tu_write(w->dir, files[0], files[1]));
    tlsp_diag_init(&w->diag);
    assert_int_equal(tlsp_cf_load(w->dir, NULL, &w->cf, &w->diag), TLSP_OK);
    memset(&req, 0, sizeof(req));
    req.destination = dest;
    req.sender = sender;
    req.transport = transport;
    return tlsp_route_resolve(w->cf, &req, &w->rt, &w->diag);
}

static void
rw_free(struct rw *w)
{
    tlsp_route_fini(&w->rt);
    tlsp_cf_free(w->cf);
    tlsp_diag_fini(&w->diag);
    tu_rmtree(w->dir);
    free(w->dir);
}

static const char *base = "myhostname = mail.example.net\n"
                          "mydomain = example.net\n"
                          "mydestination = $myhostname, localhost\n"
                          "compatibility_level = 3.6\n";

/* The founding case: content filter first, then smtp to the recipient domain;
 * a missing virtual_mailbox_domains file is a warning, not a stop. */
static void
test_founding_case(void **state)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag diag;
    struct tlsp_route rt;
    struct tlsp_route_request req;
    char *dir = tu_source_path("examples/founding-case");

    (void)state;
    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &diag), TLSP_OK);
    memset(&req, 0, sizeof(req));
    req.destination = "someone@fastmail.fm";
    assert_int_equal(tlsp_route_resolve(cf, &req, &rt, &diag), TLSP_OK);
    assert_string_equal(rt.recipient, "someone@fastmail.fm");
    assert_int_equal(rt.addr_class, TLSP_CLASS_DEFAULT);
    assert_false(rt.local);
    assert_true(rt.has_filter);
    assert_string_equal(rt.filter.transport, "smtp-amavis");
    assert_string_equal(rt.filter.nexthop, "[127.0.0.1]:10024");
    assert_string_equal(rt.filter.command, "smtp");
    assert_int_equal(rt.filter.n_dests, 1);
    assert_string_equal(rt.hop.transport, "smtp");
    assert_string_equal(rt.hop.transport_why, "default_transport");
    assert_string_equal(rt.hop.nexthop, "fastmail.fm");
    assert_string_equal(rt.hop.nexthop_why, "the recipient domain");
    assert_int_equal(rt.hop.n_dests, 1);
    assert_string_equal(rt.hop.dests[0], "fastmail.fm");
    {
        size_t i;
        bool warned = false;

        for (i = 0; i < diag.n_msgs; i++)
            if (strstr(diag.msgs[i].text, "/etc/postfix/virtual_mailbox_domains"))
                warned = true;
        assert_true(warned);
    }
    tlsp_route_fini(&rt);
    /* mail for the machine itself stays local */
    req.destination = "root@mail.EXAMPLE.com";
    assert_int_equal(tlsp_route_resolve(cf, &req, &rt, &diag), TLSP_OK);
    assert_int_equal(rt.addr_class, TLSP_CLASS_LOCAL);
    assert_true(rt.local);
    assert_string_equal(rt.hop.transport, "local");
    tlsp_route_fini(&rt);
    tlsp_cf_free(cf);
    tlsp_diag_fini(&diag);
    free(dir);
}

static void
test_classes(void **state)
{
    static const char *const files[] = {
        "vmd", "vhosted.example\n",
        NULL,
    };
    char main_cf[1024];
    struct rw w;

    (void)state;
    snprintf(main_cf, sizeof(main_cf),
             "%svirtual_alias_domains = alias.example\n"
             "virtual_mailbox_domains = /nonexistent/list @DIR@/vmd\n"
             "relay_domains = .relayed.example\n"
             "relay_transport = relay\n"
             "relayhost = [Smart.Example.NET]:587\n",
             base);
    /* negative: malformed destinations */
    assert_int_equal(route_in(&w, main_cf, files, "user@", NULL, NULL), TLSP_INVAL);
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, files, "not a domain", NULL, NULL), TLSP_INVAL);
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, files, "user@example.com", NULL, "nosuch"),
                     TLSP_NOTFOUND);
    rw_free(&w);
    /* local: mydestination with $myhostname, case-insensitive, trailing dot */
    assert_int_equal(route_in(&w, main_cf, files, "u@MAIL.example.net.", NULL, NULL), TLSP_OK);
    assert_int_equal(w.rt.addr_class, TLSP_CLASS_LOCAL);
    rw_free(&w);
    /* virtual alias: error transport, never transport_maps */
    assert_int_equal(route_in(&w, main_cf, files, "u@alias.example", NULL, NULL), TLSP_OK);
    assert_int_equal(w.rt.addr_class, TLSP_CLASS_ALIAS);
    assert_string_equal(w.rt.hop.transport, "error");
    rw_free(&w);
    /* virtual mailbox from a /file/name pattern; the missing file is a warning */
    assert_int_equal(route_in(&w, main_cf, files, "u@vhosted.example", NULL, NULL), TLSP_OK);
    assert_int_equal(w.rt.addr_class, TLSP_CLASS_VIRTUAL);
    assert_string_equal(w.rt.hop.transport, "virtual");
    assert_true(tlsp_diag_worst(&w.diag) >= TLSP_SEV_WARNING);
    rw_free(&w);
    /* relay class: relay_transport; relayhost overrides the domain, case kept (the
     * queue manager folds only queue names) */
    assert_int_equal(route_in(&w, main_cf, files, "u@a.relayed.example", NULL, NULL), TLSP_OK);
    assert_int_equal(w.rt.addr_class, TLSP_CLASS_RELAY);
    assert_string_equal(w.rt.hop.transport, "relay");
    assert_string_equal(w.rt.hop.nexthop, "[Smart.Example.NET]:587");
    assert_string_equal(w.rt.hop.nexthop_why, "relayhost");
    rw_free(&w);
    /* a ".domain" pattern does not match the domain itself */
    assert_int_equal(route_in(&w, main_cf, files, "u@relayed.example", NULL, NULL), TLSP_OK);
    assert_int_equal(w.rt.addr_class, TLSP_CLASS_DEFAULT);
    assert_string_equal(w.rt.hop.transport, "smtp");
    rw_free(&w);
}

static void
test_transport_maps(void **state)
{
    static const char *const files[] = {
        "transport",
        "special@example.com  slow:[special.example.net]\n"
        "example.com          smtp:[mx.example.com]:2525\n"
        ".example.com         :[gw.example.com]\n"
        "reset.example        slow:\n"
        "bounce.example       error:\n"
        "*                    smtp:[fallback-gw.example.net]\n",
        NULL,
    };
    char main_cf[1024];
    struct rw w;

    (void)state;
    snprintf(main_cf, sizeof(main_cf),
             "%stransport_maps = texthash:@DIR@/transport\nrecipient_delimiter = +\n"
             "relayhost = [relay.example.net]\n",
             base);
    /* user@domain, also with an address extension */
    assert_int_equal(route_in(&w, main_cf, files, "special+tag@example.com", NULL, NULL),
                     TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "slow");
    assert_string_equal(w.rt.hop.nexthop, "[special.example.net]");
    rw_free(&w);
    /* the domain */
    assert_int_equal(route_in(&w, main_cf, files, "other@example.com", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "smtp");
    assert_string_equal(w.rt.hop.nexthop, "[mx.example.com]:2525");
    rw_free(&w);
    /* ".parent" with an empty transport: keep smtp, change the next hop */
    assert_int_equal(route_in(&w, main_cf, files, "u@deep.sub.example.com", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "smtp");
    assert_string_equal(w.rt.hop.transport_why, "default_transport");
    assert_string_equal(w.rt.hop.nexthop, "[gw.example.com]");
    rw_free(&w);
    /* "transport:" resets the next hop to the recipient domain, not relayhost */
    assert_int_equal(route_in(&w, main_cf, files, "u@reset.example", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "slow");
    assert_string_equal(w.rt.hop.nexthop, "reset.example");
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, files, "u@bounce.example", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "error");
    assert_string_equal(w.rt.hop.nexthop, "Address is undeliverable");
    rw_free(&w);
    /* the "*" wildcard last */
    assert_int_equal(route_in(&w, main_cf, files, "u@elsewhere.example", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.nexthop, "[fallback-gw.example.net]");
    rw_free(&w);
}

static void
test_sender_dependent(void **state)
{
    static const char *const files[] = {
        "sdrh", "@partner.example [partner-relay.example.net]:587\n<> [bounces.example.net]\n",
        NULL,
    };
    char main_cf[1024];
    struct rw w;

    (void)state;
    snprintf(main_cf, sizeof(main_cf),
             "%ssender_dependent_relayhost_maps = texthash:@DIR@/sdrh\n"
             "relayhost = [relay.example.net]\n",
             base);
    assert_int_equal(route_in(&w, main_cf, files, "u@example.org", "alice@partner.example", NULL),
                     TLSP_OK);
    assert_string_equal(w.rt.hop.nexthop, "[partner-relay.example.net]:587");
    assert_non_null(strstr(w.rt.hop.nexthop_why, "sender_dependent_relayhost_maps"));
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, files, "u@example.org", "", NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.nexthop, "[bounces.example.net]");
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, files, "u@example.org", "bob@other.example", NULL),
                     TLSP_OK);
    assert_string_equal(w.rt.hop.nexthop, "[relay.example.net]");
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, files, "u@example.org", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.nexthop, "[relay.example.net]");
    rw_free(&w);
}

static void
test_explicit_nexthops(void **state)
{
    char main_cf[1024];
    struct rw w;

    (void)state;
    snprintf(main_cf, sizeof(main_cf), "%ssmtp_fallback_relay = [backup.example.net]\n", base);
    assert_int_equal(route_in(&w, main_cf, NULL, "[MX.Example.com]:587", NULL, NULL), TLSP_OK);
    assert_int_equal(w.rt.addr_class, TLSP_CLASS_NONE);
    assert_false(w.rt.has_filter);
    assert_string_equal(w.rt.hop.transport, "smtp");
    assert_string_equal(w.rt.hop.nexthop, "[MX.Example.com]:587");
    assert_int_equal(w.rt.hop.n_dests, 2);
    assert_int_equal(w.rt.hop.n_fallback, 1);
    assert_string_equal(w.rt.hop.dests[1], "[backup.example.net]");
    rw_free(&w);
    /* transport:nexthop only when the left side is a master.cf service */
    assert_int_equal(route_in(&w, main_cf, NULL, "relay:[gw.example.net], [gw2.example.net]",
                              NULL, NULL),
                     TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "relay");
    assert_int_equal(w.rt.hop.n_dests, 3);
    assert_string_equal(w.rt.hop.dests[0], "[gw.example.net]");
    assert_string_equal(w.rt.hop.dests[1], "[gw2.example.net]");
    rw_free(&w);
    assert_int_equal(route_in(&w, main_cf, NULL, "example.com:2525", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "smtp");
    assert_string_equal(w.rt.hop.nexthop, "example.com:2525");
    rw_free(&w);
    /* -T picks the transport; LMTP gets no fallback relays */
    assert_int_equal(route_in(&w, main_cf, NULL, "inet:lmtp.example.net:24", NULL, "lmtp"),
                     TLSP_OK);
    assert_string_equal(w.rt.hop.transport, "lmtp");
    assert_int_equal(w.rt.hop.n_fallback, 0);
    rw_free(&w);
    /* a pipe transport is not SMTP */
    assert_int_equal(route_in(&w, main_cf, NULL, "uucp:gateway", NULL, NULL), TLSP_OK);
    assert_string_equal(w.rt.hop.command, "pipe");
    rw_free(&w);
}

static void
test_content_filter(void **state)
{
    char main_cf[1024];
    struct rw w;

    (void)state;
    snprintf(main_cf, sizeof(main_cf), "%scontent_filter = filter:\n", base);
    /* an empty filter next hop means the recipient domain (Postfix 2.7 and later) */
    assert_int_equal(route_in(&w, main_cf, NULL, "u@Example.ORG", NULL, NULL), TLSP_OK);
    assert_true(w.rt.has_filter);
    assert_string_equal(w.rt.filter.transport, "filter");
    assert_string_equal(w.rt.filter.nexthop, "Example.ORG");
    assert_string_equal(w.rt.hop.nexthop, "Example.ORG");
    rw_free(&w);
    /* append_dot_mydomain (compatibility level < 1 default yes) */
    assert_int_equal(route_in(&w, "mydomain = example.net\ncompatibility_level = 0\n", NULL,
                              "u@intranet", NULL, NULL),
                     TLSP_OK);
    assert_string_equal(w.rt.domain, "intranet.example.net");
    rw_free(&w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_founding_case),   cmocka_unit_test(test_classes),
        cmocka_unit_test(test_transport_maps),  cmocka_unit_test(test_sender_dependent),
        cmocka_unit_test(test_explicit_nexthops), cmocka_unit_test(test_content_filter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
