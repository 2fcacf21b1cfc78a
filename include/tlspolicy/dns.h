/*
 * dns.h - the addresses Postfix's SMTP client tries for one next hop
 *
 * WHAT     Resolves a next hop as smtp(8) of Postfix 3.7 does before it
 *          connects: "[host]" and "[host]:port" to the host's addresses
 *          only; a domain to its MX hosts in preference order (equal
 *          preferences shuffled per smtp_randomize_addresses), each MX host
 *          to its addresses, or - without MX records - to the domain's own
 *          A/AAAA records; null MX (RFC 7505) and DNS failures to Postfix's
 *          DSN and reason text. Honours smtp_host_lookup (dns, native, or
 *          both), inet_protocols, smtp_address_preference,
 *          smtp_mx_address_limit, smtp_dns_support_level (dnssec: the AD
 *          bit) and smtp_dns_resolver_options.
 * INPUTS   a configuration as the delivery service sees it (cf.h), the
 *          policy of the next hop (policy.h: dest, nexthop, port), the
 *          system resolver (/etc/resolv.conf) or an override name server.
 * CONTRACT Every fallible function returns enum tlsp_status. A DNS failure
 *          is not an error of ours: it is Postfix's answer, reported in the
 *          result (failed, soft, dsn, reason) with TLSP_OK. Only our own
 *          problems (bad arguments, configuration Postfix would not accept,
 *          out of memory) are other statuses, with the reason in diag.
 *          Every query is bounded in time (res_state retrans/retry) and
 *          every answer in size (64 KiB, the DNS message maximum).
 *          Uses glibc's resolver (res_ninit, res_nquery/res_nsearch,
 *          ns_initparse/ns_parserr) on a private res_state, so calls from
 *          different threads are independent; native lookups use
 *          getaddrinfo(). Nothing here prints or exits. Threads: calls
 *          with different struct tlsp_cf may run at once; one tlsp_cf must
 *          not be shared between concurrent calls (tlsp_cf_get() caches).
 * SEE ALSO postconf(5) smtp_host_lookup, smtp_randomize_addresses,
 *          smtp_address_preference, inet_protocols, smtp_mx_address_limit,
 *          smtp_dns_support_level, smtp_dns_resolver_options;
 *          RFC 5321 5.1, RFC 7505; docs/postfix-dns.md (Postfix's texts).
 */
#ifndef TLSPOLICY_DNS_H
#define TLSPOLICY_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How to ask. */
struct tlsp_dns_opts {
    const char *resolver; /* "ADDR" or "ADDR@PORT" (IPv4 or IPv6 address, port 1-65535,
                             default 53); NULL: the name servers of /etc/resolv.conf */
    unsigned timeout_s;   /* per query, in seconds; 0: the resolver's default
                             (resolv.conf "options timeout:N attempts:N") */
    unsigned long seed;   /* shuffle seed for equal preferences */
    bool seeded;          /* false: random, as Postfix */
};

/* One address to try, in Postfix's order. */
struct tlsp_dns_addr {
    char *host;    /* MX host name (or the next-hop host) as Postfix logs it */
    char *addr;    /* printable address, e.g. "127.0.1.1", "2001:db8::1" */
    int family;    /* AF_INET / AF_INET6 */
    unsigned pref; /* MX preference; 0 when no MX */
    bool from_mx;  /* the host came from an MX record */
    bool dnssec;   /* answers were DNSSEC-validated (AD bit) */
};

struct tlsp_dns_result {
    struct tlsp_dns_addr *addrs; /* in the order smtp(8) tries them */
    size_t n_addrs;
    bool mx_found;  /* MX records existed (false: fell back to A/AAAA, or [host]) */
    bool mx_dnssec; /* the MX RRset was validated */
    bool failed;    /* no address: Postfix defers or bounces */
    bool soft;      /* failure is temporary (defer) */
    char *dsn;      /* Postfix's DSN for the failure, e.g. "5.4.4", "5.1.10"; NULL if ok */
    char *reason;   /* Postfix's exact text; NULL if ok */
    char **notes;   /* per-host problems Postfix logs while going on, e.g.
                       "warning: no MX host for D has a valid address record" */
    size_t n_notes;
};

/*
 * tlsp_dns_resolve - the addresses smtp(8) would try for pol->dest
 *
 * In:   cf    configuration as the delivery service sees it; borrowed.
 *             Reads inet_protocols, inet_interfaces, proxy_interfaces,
 *             relayhost, disable_dns_lookups, ignore_mx_lookup_error,
 *             dnssec_probe, smtp_tls_dane_insecure_mx_policy and the
 *             smtp_ (lmtp_ when pol->prefix is "lmtp") host_lookup,
 *             dns_support_level, dns_resolver_options, address_preference,
 *             randomize_addresses, balance_inet_protocols,
 *             mx_address_limit, defer_if_no_mx_address_found,
 *             cname_overrides_servername.
 *       pol   the next hop's policy; borrowed. Uses dest (compared with
 *             relayhost), nexthop (the name to look up: dest without [],
 *             :port), mx_lookup (false for [host]), port (25 turns on
 *             Postfix's loop check) and prefix.
 *       opts  may be NULL (system resolver, its timeouts, random order).
 *             timeout_s: seconds per try, one try per name server (glibc's
 *             retrans/retry); the TCP retry of a truncated answer has the
 *             same bound. With seeded, equal preferences are shuffled
 *             reproducibly: the list is put in a canonical order (preference,
 *             host, family, address) before the seeded shuffle, so the name
 *             server's record order does not matter.
 * Out:  res   zeroed first. On TLSP_OK either addrs (at most
 *             smtp_mx_address_limit of them, in the order smtp(8) tries them;
 *             host is the MX or next-hop name as Postfix logs it, i.e. the
 *             name before any CNAME unless smtp_cname_overrides_servername)
 *             or failed with dsn/reason exactly as Postfix writes them
 *             (docs/postfix-dns.md), e.g. "5.4.4" "Host or domain name not
 *             found. Name service error for name=D type=AAAA: Host not
 *             found", "5.1.0" "Domain D does not accept mail (nullMX)",
 *             "4.4.3" "... type=MX: Host not found, try again", "5.4.6"
 *             "mail for D loops back to myself", "4.4.4" "unable to find
 *             primary relay for D", "4.3.5" for a hard failure of the
 *             relayhost. notes: the warnings Postfix logs on the way, with
 *             their "warning: " prefix ("warning: no MX host for D has a
 *             valid address record", "warning: relayhost configuration
 *             problem", the dnssec_probe warnings), and tlspolicy's own
 *             remarks prefixed "tlspolicy: ". Call tlsp_dns_result_fini()
 *             whatever the status.
 *       diag  our problems (bad resolver text, unusable configuration).
 * Returns TLSP_OK; TLSP_INVAL for NULL arguments or a malformed
 *       opts->resolver (diag names the text); TLSP_CONFIG for a
 *       configuration smtp(8) would refuse, with Postfix's fatal text in
 *       diag (an unknown inet_protocols, smtp_host_lookup or
 *       smtp_dns_resolver_options word, a bad smtp_dns_support_level,
 *       smtp_address_preference, boolean or number, a malformed
 *       dnssec_probe), or an empty smtp_host_lookup (tlspolicy's refusal:
 *       Postfix would look nothing up); TLSP_IO when res_ninit() fails or
 *       the interfaces cannot be listed; TLSP_NOMEM.
 * Source: Postfix smtp/smtp_connect.c smtp_connect_inet();
 *       smtp/smtp_addr.c smtp_domain_addr(), smtp_host_addr(),
 *       smtp_addr_one(), smtp_addr_list(), smtp_find_self(),
 *       smtp_truncate_self(), smtp_balance_inet_proto(); dns/dns_lookup.c
 *       dns_lookup_x(), dns_lookup_rv(), dns_query(), dns_get_answer();
 *       dns/dns_rr.c dns_rr_shuffle(), dns_rr_sort(); dns/dns_sec.c;
 *       RFC 7505 (null MX), RFC 5321 5.1.
 */
enum tlsp_status tlsp_dns_resolve(struct tlsp_cf *cf, const struct tlsp_policy *pol,
                                  const struct tlsp_dns_opts *opts, struct tlsp_dns_result *res,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_dns_result_fini - release everything res owns; res is zeroed. NULL is a no-op. */
void tlsp_dns_result_fini(struct tlsp_dns_result *res);

/*
 * tlsp_dns_parse_resolver - "ADDR" or "ADDR@PORT" to a socket address
 *
 * In:   text  e.g. "127.0.0.77", "127.0.0.77@5353", "::1@53"; ADDR is a
 *             numeric IPv4 or IPv6 address (no names: there is no resolver
 *             to look them up with), PORT a decimal 1-65535.
 * Out:  ss, len  the address with the port in network order (53 when none).
 *       diag  on failure, why, naming the text.
 * Returns TLSP_OK; TLSP_INVAL for anything else (empty, bad address, bad
 *       or out-of-range port, trailing garbage).
 * Source: tlspolicy's own option (--resolver); Postfix has none.
 */
enum tlsp_status tlsp_dns_parse_resolver(const char *text, struct sockaddr_storage *ss,
                                         socklen_t *len, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* smtp_address_preference */
enum tlsp_dns_family_pref {
    TLSP_DNS_PREFER_ANY,
    TLSP_DNS_PREFER_IPV4,
    TLSP_DNS_PREFER_IPV6,
};

/* How smtp(8) orders the list it collected. */
struct tlsp_dns_order {
    enum tlsp_dns_family_pref prefer; /* smtp_address_preference */
    bool randomize;                   /* smtp_randomize_addresses */
    unsigned long seed;               /* shuffle seed when seeded */
    bool seeded;                      /* false: seed from the clock and pid */
};

/*
 * tlsp_dns_order_addrs - put addresses into smtp(8)'s order
 *
 * In/out: addrs, n  the addresses as collected (MX hosts in record order,
 *             each host's addresses in answer order); reordered in place.
 * In:   ord   as above.
 * Shuffles the whole list when ord->randomize, then sorts it stably by
 * preference, within a preference by address family per ord->prefer
 * (ANY keeps the shuffled order). The same seed always gives the same order.
 * Source: Postfix smtp/smtp_addr.c smtp_domain_addr() (dns_rr_shuffle,
 *       dns_rr_sort with dns_rr_compare_pref_ipv4/_ipv6/_any).
 */
void tlsp_dns_order_addrs(struct tlsp_dns_addr *addrs, size_t n, const struct tlsp_dns_order *ord);

/* smtp_host_lookup bits */
#define TLSP_DNS_LOOKUP_DNS 1u
#define TLSP_DNS_LOOKUP_NATIVE 2u

/*
 * tlsp_dns_parse_host_lookup - smtp_host_lookup's value to TLSP_DNS_LOOKUP_* bits
 *
 * In:   param  parameter name for the message ("smtp_host_lookup").
 *       value  e.g. "dns", "native", "dns, native" (comma/space separated,
 *              case-insensitive).
 * Out:  mask   the bits; diag: Postfix's fatal text on failure.
 * Returns TLSP_OK; TLSP_CONFIG for an unknown word, with Postfix's fatal
 *       text "unknown smtp_host_lookup value \"WORD\" in \"VALUE\"", or for an
 *       empty list (tlspolicy's own refusal: Postfix would look nothing up);
 *       TLSP_INVAL for NULL arguments; TLSP_NOMEM. mask is set on TLSP_OK only.
 * Source: Postfix smtp/smtp.c (name_mask over smtp_host_lookup).
 */
enum tlsp_status tlsp_dns_parse_host_lookup(const char *param, const char *value, unsigned *mask,
                                            struct tlsp_diag *diag) TLSP_MUST_CHECK;

#ifdef __cplusplus
}
#endif

#endif
