/*
 * hostname.h - host name and next-hop syntax, as Postfix checks it
 *
 * WHAT     valid_hostname()/valid_hostaddr() equivalents and the splitting
 *          of a next-hop destination into host and port.
 * CONTRACT Pure functions on C strings; nothing allocates except
 *          tlsp_nexthop_split(), whose result the caller frees.
 * SEE ALSO Postfix util/valid_hostname.c, util/host_port.c.
 */
#ifndef TLSP_HOSTNAME_H
#define TLSP_HOSTNAME_H

#include <stdbool.h>

#include <tlspolicy/status.h>

/* Postfix's VALID_HOSTNAME_LEN and VALID_LABEL_LEN. */
#define TLSP_HOSTNAME_MAX 255
#define TLSP_LABEL_MAX 63

/* tlsp_valid_hostname - letters, digits, '_' and inner '-' in labels of at
 * most 63 bytes, no empty label, no trailing dot, not all-numeric, at most
 * 255 bytes (Postfix valid_hostname()). */
bool tlsp_valid_hostname(const char *name);

/* tlsp_valid_ipv4 / tlsp_valid_ipv6 / tlsp_valid_hostaddr - Postfix's
 * valid_ipv4_hostaddr(), valid_ipv6_hostaddr(), valid_hostaddr(). */
bool tlsp_valid_ipv4(const char *addr);
bool tlsp_valid_ipv6(const char *addr);
bool tlsp_valid_hostaddr(const char *addr);

/* tlsp_valid_utf8_hostname - Postfix valid_utf8_hostname(): with
 * smtputf8 enabled a non-ASCII name is checked after conversion to
 * A-labels (UTS-46); otherwise only ASCII names can be valid. */
bool tlsp_valid_utf8_hostname(bool smtputf8, const char *name);

/* Certificate and reference names, for explanations and suggested lines
 * (never for verdicts, which OpenSSL's name checks decide). */

/* tlsp_name_is_wildcard - name starts with "*.". */
bool tlsp_name_is_wildcard(const char *name);

/* tlsp_name_parent - name without its first label (a pointer into name), or
 * NULL when that leaves a single label: a top-level domain is never suggested. */
const char *tlsp_name_parent(const char *name);

/* tlsp_name_is_below - name lies strictly below domain (ASCII case folded). */
bool tlsp_name_is_below(const char *name, const char *domain);

/* tlsp_name_is_ip - the text looks like an IP address (it has a ':' or only
 * digits and dots); NULL is not. */
bool tlsp_name_is_ip(const char *s);

/*
 * struct tlsp_nexthop - one next-hop destination taken apart
 *
 * "example.com"           host "example.com", no port, mx true
 * "[mx.example.com]:587"  host "mx.example.com", port "587", mx false
 * "[ipv6:2001:db8::1]"    host "2001:db8::1", ipv6 true, mx false
 * "example.com:2525"      host "example.com", port "2525", mx true
 */
struct tlsp_nexthop {
    char *host;    /* the TLS nexthop: no brackets, no port, no "ipv6:" */
    char *port;    /* port or service text as written, or NULL */
    bool bracket;  /* written as [host]: no MX lookup */
    bool literal;  /* host is an IP address */
    bool ipv6;     /* host is an IPv6 address */
};

/*
 * tlsp_nexthop_split - take a next-hop destination apart
 *
 * In:   dest  one destination as the delivery request carries it; an
 *             "inet:" prefix (LMTP) must already be removed.
 * Out:  nh    filled on TLSP_OK; free with tlsp_nexthop_fini().
 * Returns TLSP_OK; TLSP_INVAL for an unbalanced bracket or an empty host;
 *       TLSP_NOMEM.
 * Source: Postfix host_port(), smtp_connect_inet().
 */
/*
 * tlsp_service_port - a TCP port number from a port or service text, as
 *       Postfix's find_inet_port() resolves it: a number, a name in
 *       known_tcp_ports ("lmtp=24, smtp=25, smtps=submissions=465, ..."),
 *       then getservbyname(). Returns 1..65535, or -1 when unknown.
 */
int tlsp_service_port(const char *service, const char *known_tcp_ports);

enum tlsp_status tlsp_nexthop_split(const char *dest, struct tlsp_nexthop *nh) TLSP_MUST_CHECK;
void tlsp_nexthop_fini(struct tlsp_nexthop *nh);

#endif
