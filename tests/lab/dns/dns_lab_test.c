/*
 * dns_lab_test.c - lib/dns.c against the provider world's DNS (run by tests/lab/lab)
 *
 * Every expected failure text and DSN below is what Postfix 3.7.11's smtp(8)
 * wrote in the same world with the same parameters (docs/postfix-dns.md).
 *
 *   tests/lab/lab -w provider -- build/tests/lab/dns_lab_test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/dns.h>
#include <tlspolicy/policy.h>

static char cfdir[] = "/tmp/tlsp-dns-lab-XXXXXX";

/* One resolution of dest with main.cf defaults plus the "name=value" overrides. */
static void
resolve(const char *dest, const char *nexthop, bool mx, const char *const *overrides,
        const struct tlsp_dns_opts *opts, struct tlsp_dns_result *res)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag diag;
    struct tlsp_policy pol;
    enum tlsp_status st;

    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_cf_load(cfdir, NULL, &cf, &diag), TLSP_OK);
    for (size_t i = 0; overrides != NULL && overrides[i] != NULL; i++)
        assert_int_equal(tlsp_cf_override(cf, overrides[i], &diag), TLSP_OK);
    memset(&pol, 0, sizeof(pol));
    pol.dest = (char *)dest;
    pol.nexthop = (char *)nexthop;
    pol.prefix = "smtp";
    pol.mx_lookup = mx;
    {
        /* the port of "[host]:port", else 25 */
        const char *pc = strstr(dest, "]:");
        pol.port = pc != NULL ? (unsigned)strtoul(pc + 2, NULL, 10) : 25;
    }
    st = tlsp_dns_resolve(cf, &pol, opts, res, &diag);
    for (size_t i = 0; i < diag.n_msgs; i++)
        if (diag.msgs[i].sev != TLSP_SEV_NOTE) /* not "master.cf not found" */
            print_message("diag: %s\n", diag.msgs[i].text);
    assert_int_equal(st, TLSP_OK);
    tlsp_diag_fini(&diag);
    tlsp_cf_free(cf);
}

/* "host[addr]/pref" for each address, joined by spaces */
static char *
addr_list(const struct tlsp_dns_result *res)
{
    static char buf[4096];
    size_t off = 0;

    buf[0] = 0;
    for (size_t i = 0; i < res->n_addrs; i++)
        off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%s[%s]/%u", i ? " " : "",
                                res->addrs[i].host, res->addrs[i].addr, res->addrs[i].pref);
    return buf;
}

static bool
has_note(const struct tlsp_dns_result *res, const char *text)
{
    for (size_t i = 0; i < res->n_notes; i++)
        if (strcmp(res->notes[i], text) == 0)
            return true;
    return false;
}

static void
expect_failure(const struct tlsp_dns_result *res, const char *dsn, const char *reason)
{
    assert_true(res->failed);
    assert_int_equal(res->n_addrs, 0);
    assert_non_null(res->dsn);
    assert_string_equal(res->dsn, dsn);
    assert_string_equal(res->reason, reason);
    assert_int_equal(res->soft, dsn[0] == '4');
}

static struct tlsp_dns_opts
seeded(unsigned long seed)
{
    struct tlsp_dns_opts o = {.resolver = NULL, .timeout_s = 5, .seed = seed, .seeded = true};
    return o;
}

/* --- MX order --- */

static void
test_equal_preference_both_orders(void **state)
{
    int first_mx1 = 0, first_mx2 = 0;

    for (unsigned long seed = 0; seed < 16; seed++) {
        struct tlsp_dns_opts o = seeded(seed);
        struct tlsp_dns_result a, b;
        resolve("example.net", "example.net", true, NULL, &o, &a);
        resolve("example.net", "example.net", true, NULL, &o, &b);
        assert_false(a.failed);
        assert_true(a.mx_found);
        assert_int_equal(a.n_addrs, 2);
        /* the same seed, the same order */
        assert_string_equal(addr_list(&a), addr_list(&b));
        {
            const char *l = addr_list(&a);
            if (strcmp(l, "mx1.mx.example.net[127.0.1.1]/10 mx2.mx.example.net[127.0.1.2]/10") == 0)
                first_mx1++;
            else if (strcmp(l,
                            "mx2.mx.example.net[127.0.1.2]/10 mx1.mx.example.net[127.0.1.1]/10") ==
                     0)
                first_mx2++;
            else
                fail_msg("unexpected list for seed %lu: %s", seed, l);
        }
        assert_true(a.addrs[0].from_mx);
        assert_int_equal(a.addrs[0].family, AF_INET);
        tlsp_dns_result_fini(&a);
        tlsp_dns_result_fini(&b);
    }
    assert_true(first_mx1 > 0);
    assert_true(first_mx2 > 0);
}

static void
test_fixed_seed_order(void **state)
{
    struct tlsp_dns_opts o1 = seeded(1), o2 = seeded(2);
    struct tlsp_dns_result r;

    resolve("example.org", "example.org", true, NULL, &o1, &r);
    assert_string_equal(addr_list(&r),
                        "mx2.mx.example.net[127.0.1.2]/10 mx1.mx.example.net[127.0.1.1]/10");
    tlsp_dns_result_fini(&r);
    resolve("example.org", "example.org", true, NULL, &o2, &r);
    assert_string_equal(addr_list(&r),
                        "mx1.mx.example.net[127.0.1.1]/10 mx2.mx.example.net[127.0.1.2]/10");
    tlsp_dns_result_fini(&r);
    /* smtp_randomize_addresses = no: the name server's order (unbound rotates it) */
    {
        static const char *const norand[] = {"smtp_randomize_addresses=no", NULL};
        resolve("example.org", "example.org", true, norand, &o1, &r);
        assert_int_equal(r.n_addrs, 2);
        assert_string_not_equal(r.addrs[0].addr, r.addrs[1].addr);
        tlsp_dns_result_fini(&r);
    }
}

static void
test_preference_order(void **state)
{
    for (unsigned long seed = 0; seed < 4; seed++) {
        struct tlsp_dns_opts o = seeded(seed);
        struct tlsp_dns_result r;
        resolve("mixed.example", "mixed.example", true, NULL, &o, &r);
        assert_string_equal(addr_list(&r),
                            "mx1.mixed.example[127.0.3.1]/10 mx2.mixed.example[127.0.3.2]/20");
        tlsp_dns_result_fini(&r);
    }
}

static void
test_mx_address_limit(void **state)
{
    static const char *const one[] = {"smtp_mx_address_limit=1", NULL};
    struct tlsp_dns_opts o = seeded(3);
    struct tlsp_dns_result r;

    resolve("mixed.example", "mixed.example", true, one, &o, &r);
    assert_string_equal(addr_list(&r), "mx1.mixed.example[127.0.3.1]/10");
    tlsp_dns_result_fini(&r);
}

static void
test_address_preference(void **state)
{
    /* loopback-only: the lab puts 2001:db8:7::1 on lo, which would be "myself" */
    static const char *const v6[] = {"smtp_address_preference=ipv6",
                                     "inet_interfaces=loopback-only", NULL};
    static const char *const v4[] = {"smtp_address_preference=ipv4",
                                     "inet_interfaces=loopback-only", NULL};
    static const char *const only4[] = {"inet_protocols=ipv4", "inet_interfaces=loopback-only",
                                        NULL};
    static const char *const only6[] = {"inet_protocols=ipv6", "inet_interfaces=loopback-only",
                                        NULL};
    static const char *const any[] = {NULL};

    for (unsigned long seed = 0; seed < 4; seed++) {
        struct tlsp_dns_opts o = seeded(seed);
        struct tlsp_dns_result r;
        resolve("dual.example", "dual.example", true, v6, &o, &r);
        assert_string_equal(addr_list(&r),
                            "mx.dual.example[2001:db8:7::1]/10 mx.dual.example[127.0.7.1]/10");
        assert_int_equal(r.addrs[0].family, AF_INET6);
        tlsp_dns_result_fini(&r);
        resolve("dual.example", "dual.example", true, v4, &o, &r);
        assert_string_equal(addr_list(&r),
                            "mx.dual.example[127.0.7.1]/10 mx.dual.example[2001:db8:7::1]/10");
        tlsp_dns_result_fini(&r);
        resolve("dual.example", "dual.example", true, only4, &o, &r);
        assert_string_equal(addr_list(&r), "mx.dual.example[127.0.7.1]/10");
        tlsp_dns_result_fini(&r);
        resolve("dual.example", "dual.example", true, only6, &o, &r);
        assert_string_equal(addr_list(&r), "mx.dual.example[2001:db8:7::1]/10");
        tlsp_dns_result_fini(&r);
        /* inet_interfaces = all: the IPv6 address is ours, the host is "myself" */
        resolve("dual.example", "dual.example", true, any, &o, &r);
        expect_failure(&r, "5.4.6", "mail for dual.example loops back to myself");
        tlsp_dns_result_fini(&r);
    }
}

/* --- shapes --- */

static void
test_a_fallback(void **state)
{
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;
    int first2 = 0, first3 = 0;

    resolve("nomx.example", "nomx.example", true, NULL, &o, &r);
    assert_false(r.failed);
    assert_false(r.mx_found);
    assert_string_equal(addr_list(&r), "nomx.example[127.0.2.1]/0");
    assert_false(r.addrs[0].from_mx);
    tlsp_dns_result_fini(&r);

    /* two A records of the domain: shuffled too */
    for (unsigned long seed = 0; seed < 16; seed++) {
        o = seeded(seed);
        resolve("twoaddr.example", "twoaddr.example", true, NULL, &o, &r);
        assert_int_equal(r.n_addrs, 2);
        if (strcmp(r.addrs[0].addr, "127.0.7.2") == 0)
            first2++;
        else if (strcmp(r.addrs[0].addr, "127.0.7.3") == 0)
            first3++;
        tlsp_dns_result_fini(&r);
    }
    assert_true(first2 > 0 && first3 > 0 && first2 + first3 == 16);
}

static void
test_null_mx(void **state)
{
    static const char *const ign[] = {"ignore_mx_lookup_error=yes", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("nomail.example", "nomail.example", true, NULL, &o, &r);
    expect_failure(&r, "5.1.0", "Domain nomail.example does not accept mail (nullMX)");
    tlsp_dns_result_fini(&r);
    resolve("nomail.example", "nomail.example", true, ign, &o, &r);
    expect_failure(&r, "5.1.0", "Domain nomail.example does not accept mail (nullMX)");
    tlsp_dns_result_fini(&r);
}

static void
test_cname(void **state)
{
    static const char *const over[] = {"smtp_cname_overrides_servername=yes", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("cname.example", "cname.example", true, NULL, &o, &r);
    assert_string_equal(addr_list(&r), "mail.cname.example[127.0.1.1]/10");
    tlsp_dns_result_fini(&r);
    resolve("cname.example", "cname.example", true, over, &o, &r);
    assert_string_equal(addr_list(&r), "mx1.mx.example.net[127.0.1.1]/10");
    tlsp_dns_result_fini(&r);
}

static void
test_nonexistent(void **state)
{
    static const char *const v4[] = {"inet_protocols=ipv4", NULL};
    static const char *const native[] = {"smtp_host_lookup=native", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("nosuch.example", "nosuch.example", true, NULL, &o, &r);
    expect_failure(&r, "5.4.4",
                   "Host or domain name not found. Name service error for name=nosuch.example "
                   "type=AAAA: Host not found");
    tlsp_dns_result_fini(&r);
    resolve("noaddr.example", "noaddr.example", true, NULL, &o, &r);
    expect_failure(&r, "5.4.4",
                   "Host or domain name not found. Name service error for name=noaddr.example "
                   "type=AAAA: Host found but no data record of requested type");
    tlsp_dns_result_fini(&r);
    resolve("noaddr.example", "noaddr.example", true, v4, &o, &r);
    expect_failure(&r, "5.4.4",
                   "Host or domain name not found. Name service error for name=noaddr.example "
                   "type=A: Host found but no data record of requested type");
    tlsp_dns_result_fini(&r);
    resolve("nosuch.example", "nosuch.example", true, native, &o, &r);
    expect_failure(&r, "5.4.4", "unable to look up host nosuch.example: Name or service not known");
    tlsp_dns_result_fini(&r);
    resolve("noaddr.example", "noaddr.example", true, native, &o, &r);
    expect_failure(&r, "5.3.0",
                   "unable to look up host noaddr.example: No address associated with hostname");
    tlsp_dns_result_fini(&r);
}

static void
test_dns_disabled(void **state)
{
    static const char *const off[] = {"smtp_dns_support_level=disabled", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("example.org", "example.org", true, off, &o, &r);
    expect_failure(&r, "5.3.0",
                   "unable to look up host example.org: No address associated with hostname");
    tlsp_dns_result_fini(&r);
    resolve("nomx.example", "nomx.example", true, off, &o, &r);
    assert_string_equal(addr_list(&r), "nomx.example[127.0.2.1]/0");
    tlsp_dns_result_fini(&r);
    /* MX in DNS, the hosts through getaddrinfo(): the same list as with DNS */
    {
        static const char *const native[] = {"smtp_host_lookup=native", NULL};
        struct tlsp_dns_opts o2 = seeded(2);
        resolve("example.org", "example.org", true, native, &o2, &r);
        assert_string_equal(addr_list(&r),
                            "mx1.mx.example.net[127.0.1.1]/10 mx2.mx.example.net[127.0.1.2]/10");
        assert_true(r.mx_found);
        tlsp_dns_result_fini(&r);
        resolve("cname.example", "cname.example", true, native, &o2, &r);
        assert_string_equal(addr_list(&r), "mail.cname.example[127.0.1.1]/10");
        tlsp_dns_result_fini(&r);
    }
}

static void
test_mx_host_without_address(void **state)
{
    static const char *const defer[] = {"smtp_defer_if_no_mx_address_found=yes", NULL};
    static const char *const v4[] = {"inet_protocols=ipv4", NULL};
    static const char *const native[] = {"smtp_host_lookup=native", NULL};
    static const char *const both[] = {"smtp_host_lookup=dns, native", NULL};
    static const char *const loopback[] = {"inet_interfaces=loopback-only", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("badmx.example", "badmx.example", true, NULL, &o, &r);
    expect_failure(&r, "5.4.4",
                   "Host or domain name not found. Name service error for "
                   "name=nosuch.badmx.example type=AAAA: Host not found");
    assert_true(r.mx_found);
    assert_true(has_note(&r, "warning: no MX host for badmx.example has a valid address record"));
    tlsp_dns_result_fini(&r);
    resolve("badmx.example", "badmx.example", true, defer, &o, &r);
    expect_failure(&r, "4.4.4",
                   "Host or domain name not found. Name service error for "
                   "name=nosuch.badmx.example type=AAAA: Host not found");
    tlsp_dns_result_fini(&r);
    resolve("badmx.example", "badmx.example", true, native, &o, &r);
    expect_failure(&r, "5.4.4",
                   "unable to look up host nosuch.badmx.example: Name or service not known");
    tlsp_dns_result_fini(&r);
    resolve("badmx.example", "badmx.example", true, both, &o, &r);
    expect_failure(&r, "5.4.4",
                   "unable to look up host nosuch.badmx.example: Name or service not known");
    tlsp_dns_result_fini(&r);
    /* the better MX host does not resolve: Postfix goes on silently */
    resolve("halfbad.example", "halfbad.example", true, NULL, &o, &r);
    assert_string_equal(addr_list(&r), "mx1.mx.example.net[127.0.1.1]/20");
    assert_int_equal(r.n_notes, 0);
    tlsp_dns_result_fini(&r);
    /* IPv6-only MX host with inet_protocols = ipv4 */
    resolve("v6.example", "v6.example", true, v4, &o, &r);
    expect_failure(&r, "5.4.4",
                   "Host or domain name not found. Name service error for name=mx.v6.example "
                   "type=A: Host found but no data record of requested type");
    assert_true(has_note(&r, "warning: no MX host for v6.example has a valid address record"));
    tlsp_dns_result_fini(&r);
    resolve("v6.example", "v6.example", true, loopback, &o, &r);
    assert_string_equal(addr_list(&r), "mx.v6.example[2001:db8:25::1]/10");
    assert_int_equal(r.addrs[0].family, AF_INET6);
    tlsp_dns_result_fini(&r);
}

/* smtp_find_self(): the lab puts the world's IPv6 addresses on lo */
static void
test_loops_back(void **state)
{
    static const char *const relay[] = {"relayhost=[127.0.0.1]", NULL};
    static const char *const proxy11[] = {"inet_interfaces=loopback-only",
                                          "proxy_interfaces=127.0.1.1", NULL};
    static const char *const proxy32[] = {"inet_interfaces=loopback-only",
                                          "proxy_interfaces=127.0.3.2", NULL};
    static const char *const proxy31[] = {"inet_interfaces=loopback-only",
                                          "proxy_interfaces=127.0.3.1", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    /* inet_interfaces = all (the default): 2001:db8:25::1 is on lo */
    resolve("v6.example", "v6.example", true, NULL, &o, &r);
    expect_failure(&r, "5.4.6", "mail for v6.example loops back to myself");
    tlsp_dns_result_fini(&r);
    resolve("[127.0.0.1]", "127.0.0.1", false, relay, &o, &r);
    expect_failure(&r, "4.3.5", "mail for 127.0.0.1 loops back to myself");
    assert_true(has_note(&r, "warning: relayhost configuration problem"));
    tlsp_dns_result_fini(&r);
    /* not port 25: no loop detection */
    resolve("[127.0.0.1]:2525", "127.0.0.1", false, NULL, &o, &r);
    assert_string_equal(addr_list(&r), "127.0.0.1[127.0.0.1]/0");
    tlsp_dns_result_fini(&r);
    /* proxy_interfaces: one of two equal MX hosts is us */
    resolve("example.org", "example.org", true, proxy11, &o, &r);
    expect_failure(&r, "5.4.6", "mail for example.org loops back to myself");
    tlsp_dns_result_fini(&r);
    /* we are the backup MX and the primary does not resolve */
    resolve("halfbad.example", "halfbad.example", true, proxy11, &o, &r);
    expect_failure(&r, "4.4.4", "unable to find primary relay for halfbad.example");
    tlsp_dns_result_fini(&r);
    /* we are the backup MX: only the better host remains */
    resolve("mixed.example", "mixed.example", true, proxy32, &o, &r);
    assert_string_equal(addr_list(&r), "mx1.mixed.example[127.0.3.1]/10");
    tlsp_dns_result_fini(&r);
    resolve("mixed.example", "mixed.example", true, proxy31, &o, &r);
    expect_failure(&r, "5.4.6", "mail for mixed.example loops back to myself");
    tlsp_dns_result_fini(&r);
}

static void
test_bracketed(void **state)
{
    static const char *const relay[] = {"relayhost=[nosuch.example]", NULL};
    static const char *const relay2[] = {"relayhost=[noaddr.example]", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("[smtp.example.net]:587", "smtp.example.net", false, NULL, &o, &r);
    assert_string_equal(addr_list(&r), "smtp.example.net[127.0.1.3]/0");
    assert_false(r.mx_found);
    assert_false(r.addrs[0].from_mx);
    tlsp_dns_result_fini(&r);
    resolve("[127.0.0.1]:2525", "127.0.0.1", false, NULL, &o, &r);
    assert_string_equal(addr_list(&r), "127.0.0.1[127.0.0.1]/0");
    tlsp_dns_result_fini(&r);
    /* a relayhost that does not resolve: deferred as a configuration problem */
    resolve("[nosuch.example]", "nosuch.example", false, relay, &o, &r);
    expect_failure(&r, "4.3.5",
                   "Host or domain name not found. Name service error for name=nosuch.example "
                   "type=AAAA: Host not found");
    assert_true(has_note(&r, "warning: relayhost configuration problem"));
    tlsp_dns_result_fini(&r);
    resolve("[noaddr.example]", "noaddr.example", false, relay2, &o, &r);
    expect_failure(&r, "4.3.5",
                   "Host or domain name not found. Name service error for name=noaddr.example "
                   "type=AAAA: Host found but no data record of requested type");
    tlsp_dns_result_fini(&r);
    /* the same bracketed host, not the relayhost: bounced */
    resolve("[nosuch.example]", "nosuch.example", false, NULL, &o, &r);
    expect_failure(&r, "5.4.4",
                   "Host or domain name not found. Name service error for name=nosuch.example "
                   "type=AAAA: Host not found");
    tlsp_dns_result_fini(&r);
}

/* smtp_dns_support_level = dnssec against a resolver that does not validate */
static void
test_dnssec_unavailable(void **state)
{
    static const char *const sec[] = {"smtp_dns_support_level=dnssec", NULL};
    static const char *const noprobe[] = {"smtp_dns_support_level=dnssec", "dnssec_probe=", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    resolve("nomx.example", "nomx.example", true, sec, &o, &r);
    assert_string_equal(addr_list(&r), "nomx.example[127.0.2.1]/0");
    assert_false(r.addrs[0].dnssec);
    assert_false(r.mx_dnssec);
    assert_true(has_note(&r, "warning: DNSSEC validation may be unavailable"));
    assert_true(has_note(&r, "warning: reason: dnssec_probe 'ns:.' received a response that is "
                             "not DNSSEC validated"));
    tlsp_dns_result_fini(&r);
    resolve("example.org", "example.org", true, noprobe, &o, &r);
    assert_int_equal(r.n_addrs, 2);
    assert_false(r.mx_dnssec);
    assert_int_equal(r.n_notes, 0);
    tlsp_dns_result_fini(&r);
}

/* 40 A records: truncated over UDP (no EDNS), asked again over TCP */
static void
test_truncated_answer(void **state)
{
    static const char *const nolimit[] = {"smtp_mx_address_limit=0", NULL};
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;
    bool seen[41] = {false};

    resolve("bigaddr.example", "bigaddr.example", true, nolimit, &o, &r);
    assert_false(r.failed);
    assert_int_equal(r.n_addrs, 40);
    for (size_t i = 0; i < r.n_addrs; i++) {
        unsigned last = 0;
        assert_int_equal(sscanf(r.addrs[i].addr, "127.0.9.%u", &last), 1);
        assert_true(last >= 1 && last <= 40);
        assert_false(seen[last]);
        seen[last] = true;
        assert_string_equal(r.addrs[i].host, "bigaddr.example");
    }
    tlsp_dns_result_fini(&r);
    /* smtp_mx_address_limit = 5 (the default): the first five only */
    resolve("bigaddr.example", "bigaddr.example", true, NULL, &o, &r);
    assert_int_equal(r.n_addrs, 5);
    tlsp_dns_result_fini(&r);
}

/* --- resolvers --- */

struct relay {
    int listen_fd;
    int stop_fd[2];
    pthread_t thread;
};

/* A UDP relay 127.0.0.1:PORT -> 127.0.0.77:53: a name server on another port. */
static void *
relay_main(void *arg)
{
    struct relay *rl = arg;
    struct sockaddr_in up = {.sin_family = AF_INET, .sin_port = htons(53)};
    int upfd = socket(AF_INET, SOCK_DGRAM, 0);

    inet_pton(AF_INET, "127.0.0.77", &up.sin_addr);
    for (;;) {
        struct pollfd p[2] = {{.fd = rl->listen_fd, .events = POLLIN},
                              {.fd = rl->stop_fd[0], .events = POLLIN}};
        unsigned char buf[65536];
        struct sockaddr_storage from;
        socklen_t fl = sizeof(from);
        ssize_t n;
        if (poll(p, 2, 10000) <= 0 || (p[1].revents & POLLIN))
            break;
        n = recvfrom(rl->listen_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
        if (n <= 0)
            continue;
        sendto(upfd, buf, (size_t)n, 0, (struct sockaddr *)&up, sizeof(up));
        {
            struct pollfd q = {.fd = upfd, .events = POLLIN};
            if (poll(&q, 1, 5000) <= 0)
                continue;
        }
        n = recv(upfd, buf, sizeof(buf), 0);
        if (n > 0)
            sendto(rl->listen_fd, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
    }
    close(upfd);
    return NULL;
}

static int
udp_socket(int family, const char *addr, unsigned port)
{
    struct sockaddr_storage ss = {0};
    socklen_t len;
    int fd = socket(family, SOCK_DGRAM, 0);

    assert_true(fd >= 0);
    if (family == AF_INET) {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, addr, &s4->sin_addr);
        len = sizeof(*s4);
    } else {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, addr, &s6->sin6_addr);
        len = sizeof(*s6);
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    return fd;
}

static void
test_resolver_override(void **state)
{
    struct relay rl;
    struct tlsp_dns_opts o = seeded(2);
    struct tlsp_dns_result r;

    rl.listen_fd = udp_socket(AF_INET, "127.0.0.1", 5353);
    assert_int_equal(pipe(rl.stop_fd), 0);
    assert_int_equal(pthread_create(&rl.thread, NULL, relay_main, &rl), 0);

    o.resolver = "127.0.0.1@5353";
    resolve("example.org", "example.org", true, NULL, &o, &r);
    assert_string_equal(addr_list(&r),
                        "mx1.mx.example.net[127.0.1.1]/10 mx2.mx.example.net[127.0.1.2]/10");
    tlsp_dns_result_fini(&r);
    /* the same relay on IPv6 */
    {
        struct relay rl6;
        rl6.listen_fd = udp_socket(AF_INET6, "::1", 5356);
        assert_int_equal(pipe(rl6.stop_fd), 0);
        assert_int_equal(pthread_create(&rl6.thread, NULL, relay_main, &rl6), 0);
        o.resolver = "::1@5356";
        resolve("mixed.example", "mixed.example", true, NULL, &o, &r);
        assert_string_equal(addr_list(&r),
                            "mx1.mixed.example[127.0.3.1]/10 mx2.mixed.example[127.0.3.2]/20");
        tlsp_dns_result_fini(&r);
        assert_int_equal(write(rl6.stop_fd[1], "x", 1), 1);
        pthread_join(rl6.thread, NULL);
        close(rl6.listen_fd);
        close(rl6.stop_fd[0]);
        close(rl6.stop_fd[1]);
    }
    o.resolver = "127.0.0.77"; /* the lab's resolver, port 53 */
    resolve("cname.example", "cname.example", true, NULL, &o, &r);
    assert_string_equal(addr_list(&r), "mail.cname.example[127.0.1.1]/10");
    tlsp_dns_result_fini(&r);

    assert_int_equal(write(rl.stop_fd[1], "x", 1), 1);
    pthread_join(rl.thread, NULL);
    close(rl.listen_fd);
    close(rl.stop_fd[0]);
    close(rl.stop_fd[1]);

    /* the relay is gone: nothing listens on that port any more */
    o.resolver = "127.0.0.1@5353";
    resolve("example.org", "example.org", true, NULL, &o, &r);
    expect_failure(&r, "4.4.3",
                   "Host or domain name not found. Name service error for name=example.org "
                   "type=MX: Host not found, try again");
    tlsp_dns_result_fini(&r);
}

static void
test_refused_resolver(void **state)
{
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    o.resolver = "127.0.0.99"; /* nothing listens there */
    resolve("example.org", "example.org", true, NULL, &o, &r);
    expect_failure(&r, "4.4.3",
                   "Host or domain name not found. Name service error for name=example.org "
                   "type=MX: Host not found, try again");
    tlsp_dns_result_fini(&r);
    /* a bracketed relay: the address lookup fails softly, no relayhost warning */
    resolve("[smtp.example.net]", "smtp.example.net", false, NULL, &o, &r);
    expect_failure(&r, "4.4.3",
                   "Host or domain name not found. Name service error for "
                   "name=smtp.example.net type=AAAA: Host not found, try again");
    tlsp_dns_result_fini(&r);
}

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_silent_resolver(void **state)
{
    /* Sockets that receive the queries and never answer. */
    int fd4 = udp_socket(AF_INET, "127.0.0.1", 5354);
    int fd6 = udp_socket(AF_INET6, "::1", 5354);
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;
    double t0;

    o.timeout_s = 1;
    o.resolver = "127.0.0.1@5354";
    t0 = now_s();
    resolve("example.org", "example.org", true, NULL, &o, &r);
    expect_failure(&r, "4.4.3",
                   "Host or domain name not found. Name service error for name=example.org "
                   "type=MX: Host not found, try again");
    tlsp_dns_result_fini(&r);
    /* a generous bound that only proves it does not hang */
    assert_true(now_s() - t0 < 30.0);

    o.resolver = "::1@5354";
    t0 = now_s();
    resolve("example.org", "example.org", true, NULL, &o, &r);
    expect_failure(&r, "4.4.3",
                   "Host or domain name not found. Name service error for name=example.org "
                   "type=MX: Host not found, try again");
    tlsp_dns_result_fini(&r);
    assert_true(now_s() - t0 < 30.0);
    /* the questions did reach the silent servers */
    {
        struct pollfd p[2] = {{.fd = fd4, .events = POLLIN}, {.fd = fd6, .events = POLLIN}};
        assert_int_equal(poll(p, 2, 0), 2);
    }
    close(fd4);
    close(fd6);
}

static void
test_bad_resolver_text(void **state)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag diag;
    struct tlsp_policy pol;
    struct tlsp_dns_opts o = seeded(0);
    struct tlsp_dns_result r;

    tlsp_diag_init(&diag);
    assert_int_equal(tlsp_cf_load(cfdir, NULL, &cf, &diag), TLSP_OK);
    memset(&pol, 0, sizeof(pol));
    pol.dest = pol.nexthop = "example.org";
    pol.prefix = "smtp";
    pol.mx_lookup = true;
    pol.port = 25;
    o.resolver = "ns.example@53";
    assert_int_equal(tlsp_dns_resolve(cf, &pol, &o, &r, &diag), TLSP_INVAL);
    assert_true(diag.n_msgs > 0);
    assert_non_null(strstr(diag.msgs[diag.n_msgs - 1].text, "ns.example@53"));
    tlsp_dns_result_fini(&r);
    tlsp_diag_fini(&diag);
    tlsp_cf_free(cf);
}

static int
setup(void **state)
{
    char path[256];
    FILE *f;

    if (mkdtemp(cfdir) == NULL)
        return -1;
    snprintf(path, sizeof(path), "%s/main.cf", cfdir);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    fputs("compatibility_level = 3.6\nmyhostname = client.lab.test\n", f);
    fclose(f);
    return 0;
}

static int
teardown(void **state)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/main.cf", cfdir);
    unlink(path);
    rmdir(cfdir);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equal_preference_both_orders),
        cmocka_unit_test(test_fixed_seed_order),
        cmocka_unit_test(test_preference_order),
        cmocka_unit_test(test_mx_address_limit),
        cmocka_unit_test(test_address_preference),
        cmocka_unit_test(test_a_fallback),
        cmocka_unit_test(test_null_mx),
        cmocka_unit_test(test_cname),
        cmocka_unit_test(test_nonexistent),
        cmocka_unit_test(test_dns_disabled),
        cmocka_unit_test(test_mx_host_without_address),
        cmocka_unit_test(test_bracketed),
        cmocka_unit_test(test_loops_back),
        cmocka_unit_test(test_dnssec_unavailable),
        cmocka_unit_test(test_truncated_answer),
        cmocka_unit_test(test_resolver_override),
        cmocka_unit_test(test_refused_resolver),
        cmocka_unit_test(test_silent_resolver),
        cmocka_unit_test(test_bad_resolver_text),
    };

    if (getenv("TLSP_LAB") == NULL) {
        fprintf(stderr, "dns_lab_test: run me through tests/lab/lab -w provider\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
