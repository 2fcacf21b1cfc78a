/*
 * route.h - from a recipient or next hop to the delivery Postfix makes
 *
 * WHAT     Emulates trivial-rewrite(8)'s resolve step and the queue
 *          manager's content_filter and next-hop handling: which master.cf
 *          transport delivers a recipient, to which next hop (list), and
 *          why; whether Postfix delivers the domain itself; the content
 *          filter hop that comes first.
 * INPUTS   a configuration (cf.h); tables named by transport_maps,
 *          sender_dependent_relayhost_maps,
 *          sender_dependent_default_transport_maps, mydestination,
 *          relay_domains, virtual_alias_domains, virtual_mailbox_domains.
 * CONTRACT Every fallible function returns enum tlsp_status. Tables that
 *          bear on routing but not on TLS and cannot be read are warnings
 *          (diag) and count as empty, so a missing virtual_mailbox_domains
 *          file does not stop the answer; a transport_maps lookup error is
 *          reported as Postfix reports it (the mail would be deferred).
 *          The next hop keeps the case the resolver gave it: the queue
 *          manager folds only its queue names to lower case.
 *          Nothing here prints, exits or touches the network.
 * SEE ALSO trivial-rewrite(8), transport(5), postconf(5) relayhost,
 *          content_filter, default_transport, relay_transport.
 */
#ifndef TLSPOLICY_ROUTE_H
#define TLSPOLICY_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Address class, after trivial-rewrite's RESOLVE_CLASS_*. */
enum tlsp_addr_class {
    TLSP_CLASS_NONE,    /* explicit next hop given: no address routing */
    TLSP_CLASS_LOCAL,   /* mydestination, inet_interfaces, proxy_interfaces */
    TLSP_CLASS_ALIAS,   /* virtual_alias_domains */
    TLSP_CLASS_VIRTUAL, /* virtual_mailbox_domains */
    TLSP_CLASS_RELAY,   /* relay_domains */
    TLSP_CLASS_DEFAULT, /* everything else */
};

/* One delivery: a master.cf transport and its next-hop list. */
struct tlsp_hop {
    char *transport;      /* master.cf service name, e.g. "smtp" */
    char *command;        /* the service's daemon ("smtp", "lmtp", "local", "pipe", "error"
                             ...), or NULL when master.cf has no such service */
    char *nexthop;        /* the next hop as the delivery request carries it (case kept) */
    char **dests;         /* SMTP/LMTP: the next-hop list split on comma and white space,
                             then smtp_fallback_relay; NULL-terminated */
    size_t n_dests;
    size_t n_fallback;    /* how many trailing dests are fallback relays */
    char *transport_why;  /* where the transport came from, e.g. "default_transport" */
    char *nexthop_why;    /* where the next hop came from, e.g. "the recipient domain" */
    char *service_file;   /* master.cf of the service, or NULL */
    unsigned service_line;
};

struct tlsp_route {
    char *recipient;          /* recipient address after canonicalisation, or NULL */
    char *domain;             /* recipient domain, or NULL */
    enum tlsp_addr_class addr_class;
    char *class_why;          /* e.g. "fastmail.fm is not listed in mydestination, ..." */
    bool local;               /* Postfix delivers this domain itself */
    bool has_filter;          /* a content_filter hop comes first */
    struct tlsp_hop filter;   /* the content filter hop */
    char *filter_why;         /* where content_filter is set: "FILE, line N", "-o" */
    struct tlsp_hop hop;      /* the delivery evaluated (after any filter) */
    bool failed;              /* a routing table lookup failed: Postfix defers */
    char *failure;            /* Postfix's text for that failure */
};

struct tlsp_route_request {
    const char *destination; /* "user@example.com", "example.com", "[mx.example.com]:587",
                                "example.com:2525", "relay:[gw.example.net]" */
    const char *sender;      /* envelope sender for sender-dependent tables, or NULL */
    const char *transport;   /* force this master.cf transport (-T), or NULL */
};

/*
 * tlsp_route_resolve - route one destination
 *
 * In:   cf    configuration (main.cf + overrides); borrowed.
 *       req   what to route; strings are copied.
 * Out:  rt    filled on TLSP_OK (zeroed first); free with tlsp_route_fini()
 *             whatever the status.
 *       diag  warnings about unreadable routing tables, routing notes.
 * Returns TLSP_OK (rt->failed tells whether Postfix would defer);
 *       TLSP_INVAL for a destination that is not an address, a domain or a
 *       next hop (diag says why); TLSP_NOTFOUND when -T names no master.cf
 *       service; TLSP_CONFIG when the configuration stops Postfix;
 *       TLSP_NOMEM.
 * Source: Postfix trivial-rewrite/resolve.c resolve_addr(),
 *       trivial-rewrite/transport.c, qmgr/qmgr_message.c (content filter,
 *       queue names), smtp/smtp_connect.c (next-hop lists, fallback relays).
 */
enum tlsp_status tlsp_route_resolve(struct tlsp_cf *cf, const struct tlsp_route_request *req,
                                    struct tlsp_route *rt,
                                    struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_route_fini(struct tlsp_route *rt);

/* tlsp_addr_class_name - "local", "virtual alias", ..., "default". */
const char *tlsp_addr_class_name(enum tlsp_addr_class c);

#ifdef __cplusplus
}
#endif

#endif
