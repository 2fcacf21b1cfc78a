/*
 * cf_host.h - host-dependent defaults and name checks (private to cf)
 *
 * WHAT     What Postfix computes from the running host: the host name
 *          (get_hostname()), the mynetworks default from the network
 *          interfaces (mynetworks()), and the syntax checks of host names
 *          and addresses that master(8) applies to inet service names
 *          (valid_hostname(), valid_hostaddr()).
 * CONTRACT Functions that can fail return enum tlsp_status; TLSP_CONFIG
 *          comes with Postfix's fatal text in *fatal (heap, caller frees).
 *          The mynetworks computation reads the interfaces with
 *          getifaddrs() and resolves inet_interfaces host names with
 *          getaddrinfo(), as Postfix does; nothing else touches the
 *          system.
 * SEE ALSO postconf(5) myhostname, mynetworks, mynetworks_style,
 *          inet_interfaces, inet_protocols.
 */
#ifndef TLSP_CF_HOST_H
#define TLSP_CF_HOST_H

#include <stdbool.h>

#include <tlspolicy/status.h>

/*
 * tlsp_cf_resolve_names - whether inet_interfaces host names are resolved
 * (true, as Postfix does); the fuzzers turn it off so that no input makes
 * them query the DNS: a name is then "host not found".
 */
extern bool tlsp_cf_resolve_names;


/*
 * tlsp_cf_gethostname - the machine's name as Postfix's get_hostname()
 *
 * Out:  name   heap string.
 *       fatal  on TLSP_CONFIG: "gethostname: ..." or "unable to use my
 *              own hostname".
 * Returns TLSP_OK, TLSP_CONFIG, TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_gethostname(char **name, char **fatal) TLSP_MUST_CHECK;

/*
 * tlsp_cf_mynetworks - the mynetworks default (Postfix mynetworks())
 *
 * In:   protocols   value of inet_protocols ("all", "ipv4, ipv6", ...).
 *       style       value of mynetworks_style ("class", "subnet", "host").
 *       interfaces  value of inet_interfaces ("all", "loopback-only",
 *                   addresses or host names).
 * Out:  out         heap string as Postfix builds it: "NET/BITS " per
 *                   network, IPv6 in brackets, each followed by one space.
 *       fatal       on TLSP_CONFIG, Postfix's text, e.g. "unknown
 *                   inet_protocols value \"x\" in \"x\"", "bad
 *                   mynetworks_style value: ...; specify exactly one
 *                   value", "parameter inet_interfaces: no local interface
 *                   found for 10.1.1.1".
 * Returns TLSP_OK, TLSP_CONFIG, TLSP_IO (getifaddrs() failed), TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_mynetworks(const char *protocols, const char *style,
                                    const char *interfaces, char **out,
                                    char **fatal) TLSP_MUST_CHECK;

#endif
