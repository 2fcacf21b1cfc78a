/*
 * cf_host.c - host-dependent defaults and name checks
 *
 * The mynetworks rules (families, mask styles, order, duplicate removal,
 * texts of the fatal errors) were checked against postconf -x 3.7.11 with
 * the inet_protocols / mynetworks_style / inet_interfaces combinations in
 * tests/unit/cf_test.c and tests/postfix/cf_postconf_test.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cf_host.h"
#include "hostname.h"
#include "util/buf.h"
#include "util/str.h"

bool tlsp_cf_resolve_names = true;



static enum tlsp_status __attribute__((format(printf, 2, 3)))
set_fatal(char **fatal, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    *fatal = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    return *fatal ? TLSP_CONFIG : TLSP_NOMEM;
}

enum tlsp_status
tlsp_cf_gethostname(char **name, char **fatal)
{
    char buf[TLSP_HOSTNAME_MAX + 2];

    *name = NULL;
    *fatal = NULL;
    if (gethostname(buf, sizeof(buf) - 1) < 0)
        return set_fatal(fatal, "gethostname: %s", strerror(errno));
    buf[sizeof(buf) - 1] = 0;
    if (!tlsp_valid_hostname(buf))
        return set_fatal(fatal, "unable to use my own hostname");
    if ((*name = tlsp_strdup(buf)) == NULL)
        return TLSP_NOMEM;
    return TLSP_OK;
}

/* One address with its netmask, IPv4 or IPv6. */
struct addr {
    int family;
    unsigned char a[16];
    unsigned char m[16];
};

struct addrs {
    struct addr *v;
    size_t n, cap;
};

static enum tlsp_status
addrs_push(struct addrs *l, const struct addr *x)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        struct addr *v = realloc(l->v, cap * sizeof(*v));

        if (v == NULL)
            return TLSP_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *x;
    return TLSP_OK;
}

static size_t
addr_len(int family)
{
    return family == AF_INET ? 4 : 16;
}

static bool
addr_eq(const struct addr *x, const struct addr *y)
{
    return x->family == y->family && memcmp(x->a, y->a, addr_len(x->family)) == 0;
}

/* local_addrs - interface addresses, IPv4 pass first then IPv6 (inet_addr_local()) */
static enum tlsp_status
local_addrs(bool v4, bool v6, struct addrs *out)
{
    struct ifaddrs *ifap, *ifa;
    int pass;
    enum tlsp_status st = TLSP_OK;

    if (getifaddrs(&ifap) < 0)
        return TLSP_IO;
    for (pass = 0; pass < 2 && st == TLSP_OK; pass++) {
        int family = pass == 0 ? AF_INET : AF_INET6;

        if ((family == AF_INET && !v4) || (family == AF_INET6 && !v6))
            continue;
        for (ifa = ifap; ifa && st == TLSP_OK; ifa = ifa->ifa_next) {
            struct addr x;

            if (!(ifa->ifa_flags & IFF_UP) || ifa->ifa_addr == NULL ||
                ifa->ifa_addr->sa_family != family || ifa->ifa_netmask == NULL)
                continue;
            memset(&x, 0, sizeof(x));
            x.family = family;
            if (family == AF_INET) {
                const struct sockaddr_in *sa = (const void *)ifa->ifa_addr;
                const struct sockaddr_in *sm = (const void *)ifa->ifa_netmask;

                if (sa->sin_addr.s_addr == htonl(INADDR_ANY))
                    continue;
                memcpy(x.a, &sa->sin_addr, 4);
                memcpy(x.m, &sm->sin_addr, 4);
            } else {
                const struct sockaddr_in6 *sa = (const void *)ifa->ifa_addr;
                const struct sockaddr_in6 *sm = (const void *)ifa->ifa_netmask;

                if (IN6_IS_ADDR_UNSPECIFIED(&sa->sin6_addr))
                    continue;
                memcpy(x.a, &sa->sin6_addr, 16);
                memcpy(x.m, &sm->sin6_addr, 16);
            }
            st = addrs_push(out, &x);
        }
    }
    freeifaddrs(ifap);
    return st;
}

static bool
is_loopback(const struct addr *x)
{
    static const unsigned char v6lo[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

    if (x->family == AF_INET)
        return x->a[0] == 127;
    return memcmp(x->a, v6lo, 16) == 0;
}

static void
format_addr(const struct addr *x, char *buf, size_t size)
{
    if (inet_ntop(x->family, x->a, buf, (socklen_t)size) == NULL)
        snprintf(buf, size, "?");
}

/* resolve - inet_addr_host(): numeric or via getaddrinfo(), families filtered */
static enum tlsp_status
resolve(const char *token, bool v4, bool v6, struct addrs *out, char **fatal)
{
    char *host = tlsp_strdup(token);
    size_t n;
    struct addrinfo hints, *res = NULL, *ai;
    enum tlsp_status st = TLSP_OK;
    size_t before = out->n;

    if (host == NULL)
        return TLSP_NOMEM;
    n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        memmove(host, host + 1, n - 2);
        host[n - 2] = 0;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = v4 && v6 ? AF_UNSPEC : v4 ? AF_INET : AF_INET6;
    hints.ai_socktype = SOCK_STREAM;
    if (!tlsp_cf_resolve_names)
        hints.ai_flags = AI_NUMERICHOST;
    if (*host && getaddrinfo(host, NULL, &hints, &res) == 0) {
        for (ai = res; ai && st == TLSP_OK; ai = ai->ai_next) {
            struct addr x;

            memset(&x, 0, sizeof(x));
            if (ai->ai_family == AF_INET && v4) {
                x.family = AF_INET;
                memcpy(x.a, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr, 4);
            } else if (ai->ai_family == AF_INET6 && v6) {
                x.family = AF_INET6;
                memcpy(x.a, &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr,
                       16);
            } else {
                continue;
            }
            st = addrs_push(out, &x);
        }
        freeaddrinfo(res);
    }
    if (st == TLSP_OK && out->n == before)
        st = set_fatal(fatal, "config variable inet_interfaces: host not found: %s", token);
    free(host);
    return st;
}

static enum tlsp_status
split_tokens(const char *value, char ***toks, size_t *n)
{
    const char *s = value;
    char **v = NULL;
    size_t cnt = 0;

    for (;;) {
        size_t len;
        char **nv;

        s += strspn(s, ", \t\r\n");
        if (*s == 0)
            break;
        len = strcspn(s, ", \t\r\n");
        if ((nv = realloc(v, (cnt + 1) * sizeof(*v))) == NULL)
            goto nomem;
        v = nv;
        if ((v[cnt] = tlsp_strndup(s, len)) == NULL)
            goto nomem;
        cnt++;
        s += len;
    }
    *toks = v;
    *n = cnt;
    return TLSP_OK;
nomem:
    while (cnt > 0)
        free(v[--cnt]);
    free(v);
    return TLSP_NOMEM;
}

static void
free_tokens(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

#define STYLE_CLASS 1u
#define STYLE_SUBNET 2u
#define STYLE_HOST 4u

/* format_net - one "NET/BITS" pattern for address x with mask style */
static enum tlsp_status
format_net(const struct addr *x, unsigned style, struct tlsp_buf *b, char **fatal)
{
    char text[INET6_ADDRSTRLEN + 2];
    struct addr net = *x;
    unsigned bits;

    if (x->family == AF_INET) {
        uint32_t addr =
            (uint32_t)x->a[0] << 24 | (uint32_t)x->a[1] << 16 | (uint32_t)x->a[2] << 8 | x->a[3];
        uint32_t mask =
            (uint32_t)x->m[0] << 24 | (uint32_t)x->m[1] << 16 | (uint32_t)x->m[2] << 8 | x->m[3];
        uint32_t v;

        if (style == STYLE_CLASS) {
            if ((addr & 0x80000000u) == 0) {
                mask = 0xff000000u;
                bits = 8;
            } else if ((addr & 0xc0000000u) == 0x80000000u) {
                mask = 0xffff0000u;
                bits = 16;
            } else if ((addr & 0xe0000000u) == 0xc0000000u) {
                mask = 0xffffff00u;
                bits = 24;
            } else if ((addr & 0xf0000000u) == 0xe0000000u) {
                mask = 0xf0000000u;
                bits = 4;
            } else {
                format_addr(x, text, sizeof(text));
                return set_fatal(fatal, "mynetworks_core: unknown address class: %s", text);
            }
        } else if (style == STYLE_SUBNET) {
            for (v = mask, bits = 0; v != 0; v <<= 1)
                bits++;
        } else {
            mask = 0xffffffffu;
            bits = 32;
        }
        v = addr & mask;
        net.a[0] = (unsigned char)(v >> 24);
        net.a[1] = (unsigned char)(v >> 16);
        net.a[2] = (unsigned char)(v >> 8);
        net.a[3] = (unsigned char)v;
        format_addr(&net, text, sizeof(text));
        return tlsp_buf_printf(b, "%s/%u ", text, bits);
    }
    if (style == STYLE_HOST) {
        bits = 128;
    } else {
        size_t i;

        for (bits = 0, i = 0; i < 16; i++) {
            unsigned ch = x->m[i];

            if (ch == 0xff) {
                bits += 8;
                continue;
            }
            while (ch & 0xff) {
                bits++;
                ch <<= 1;
            }
            break;
        }
    }
    {
        size_t i;

        for (i = 0; i < 16; i++) {
            unsigned keep = bits >= 8 * (i + 1) ? 8 : bits > 8 * i ? bits - 8 * (unsigned)i : 0;

            net.a[i] = (unsigned char)(x->a[i] & (0xff00u >> keep));
        }
    }
    format_addr(&net, text, sizeof(text));
    return tlsp_buf_printf(b, "[%s]/%u ", text, bits);
}

enum tlsp_status
tlsp_cf_mynetworks(const char *protocols, const char *style_text, const char *interfaces,
                   char **out, char **fatal)
{
    char **toks = NULL;
    size_t n_toks = 0, i, j;
    bool v4 = false, v6 = false;
    unsigned style = 0;
    struct addrs local = {NULL, 0, 0}, mine = {NULL, 0, 0};
    struct tlsp_buf raw, res;
    enum tlsp_status st;

    *out = NULL;
    *fatal = NULL;
    tlsp_buf_init(&raw, TLSP_BUF_TEXT_LIMIT);
    tlsp_buf_init(&res, TLSP_BUF_TEXT_LIMIT);

    /* inet_protocols (inet_proto_init()). */
    if ((st = split_tokens(protocols, &toks, &n_toks)) != TLSP_OK)
        goto out;
    for (i = 0; i < n_toks; i++) {
        if (strcmp(toks[i], "all") == 0) {
            v4 = v6 = true;
        } else if (strcmp(toks[i], "ipv4") == 0) {
            v4 = true;
        } else if (strcmp(toks[i], "ipv6") == 0) {
            v6 = true;
        } else {
            st = set_fatal(fatal, "unknown inet_protocols value \"%s\" in \"%s\"", toks[i],
                           protocols);
            goto out;
        }
    }
    free_tokens(toks, n_toks);
    toks = NULL;
    n_toks = 0;
    if (!v4 && !v6) {
        st = (*out = tlsp_strdup("")) ? TLSP_OK : TLSP_NOMEM;
        goto out;
    }

    /* mynetworks_style (name_mask(), exactly one value). */
    if ((st = split_tokens(style_text, &toks, &n_toks)) != TLSP_OK)
        goto out;
    for (i = 0; i < n_toks; i++) {
        if (strcmp(toks[i], "class") == 0) {
            style |= STYLE_CLASS;
        } else if (strcmp(toks[i], "subnet") == 0) {
            style |= STYLE_SUBNET;
        } else if (strcmp(toks[i], "host") == 0) {
            style |= STYLE_HOST;
        } else {
            st = set_fatal(fatal, "unknown mynetworks mask style value \"%s\" in \"%s\"", toks[i],
                           style_text);
            goto out;
        }
    }
    free_tokens(toks, n_toks);
    toks = NULL;
    n_toks = 0;
    if (style != STYLE_CLASS && style != STYLE_SUBNET && style != STYLE_HOST) {
        st = set_fatal(fatal, "bad mynetworks_style value: %s; specify exactly one value",
                       style_text);
        goto out;
    }

    /* inet_interfaces (own_inet_addr_list()). */
    if ((st = local_addrs(v4, v6, &local)) != TLSP_OK)
        goto out;
    if (strcasecmp(interfaces, "all") == 0) {
        for (i = 0; i < local.n && st == TLSP_OK; i++)
            st = addrs_push(&mine, &local.v[i]);
    } else if (strcasecmp(interfaces, "loopback-only") == 0) {
        for (i = 0; i < local.n && st == TLSP_OK; i++)
            if (is_loopback(&local.v[i]))
                st = addrs_push(&mine, &local.v[i]);
    } else {
        struct addrs wanted = {NULL, 0, 0};

        if ((st = split_tokens(interfaces, &toks, &n_toks)) != TLSP_OK)
            goto out;
        for (i = 0; i < n_toks && st == TLSP_OK; i++)
            st = resolve(toks[i], v4, v6, &wanted, fatal);
        for (i = 0; i < wanted.n && st == TLSP_OK; i++) {
            bool dup = false, found = false;

            for (j = 0; j < mine.n; j++)
                dup = dup || addr_eq(&mine.v[j], &wanted.v[i]);
            if (dup)
                continue;
            for (j = 0; j < local.n && !found; j++) {
                if (addr_eq(&local.v[j], &wanted.v[i])) {
                    struct addr x = wanted.v[i];

                    memcpy(x.m, local.v[j].m, sizeof(x.m));
                    st = addrs_push(&mine, &x);
                    found = true;
                }
            }
            if (!found && st == TLSP_OK) {
                char text[INET6_ADDRSTRLEN];

                format_addr(&wanted.v[i], text, sizeof(text));
                st = set_fatal(fatal, "parameter inet_interfaces: no local interface found for %s",
                               text);
            }
        }
        free(wanted.v);
        if (st != TLSP_OK)
            goto out;
    }

    /* Patterns, then drop repeats keeping the first (mynetworks_core()). */
    for (i = 0; i < mine.n && st == TLSP_OK; i++)
        st = format_net(&mine.v[i], style, &raw, fatal);
    if (st != TLSP_OK)
        goto out;
    free_tokens(toks, n_toks);
    toks = NULL;
    n_toks = 0;
    if ((st = split_tokens(tlsp_buf_str(&raw), &toks, &n_toks)) != TLSP_OK)
        goto out;
    for (i = 0; i < n_toks && st == TLSP_OK; i++) {
        bool seen = false;

        for (j = 0; j < i && !seen; j++)
            seen = strcmp(toks[j], toks[i]) == 0;
        if (!seen)
            st = tlsp_buf_printf(&res, "%s ", toks[i]);
    }
    if (st == TLSP_OK && (*out = tlsp_buf_steal(&res)) == NULL)
        st = TLSP_NOMEM;
out:
    free_tokens(toks, n_toks);
    free(local.v);
    free(mine.v);
    tlsp_buf_fini(&raw);
    tlsp_buf_fini(&res);
    return st;
}
