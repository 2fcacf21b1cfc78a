/*
 * hostname.c - host name and next-hop syntax, as Postfix checks it
 */
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "idna.h"
#include "util/str.h"
#include "util/strvec.h"

static bool
is_alnum(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

bool
tlsp_valid_hostname(const char *name)
{
    const char *cp;
    int label_len = 0;
    bool non_numeric = false;

    if (*name == 0)
        return false;
    for (cp = name; *cp; cp++) {
        int ch = (unsigned char)*cp;

        if (is_alnum(ch) || ch == '_') {
            label_len++;
            if (label_len > TLSP_LABEL_MAX)
                return false;
            if (!(ch >= '0' && ch <= '9'))
                non_numeric = true;
        } else if (ch == '.') {
            if (label_len == 0 || cp[1] == 0)
                return false;
            label_len = 0;
        } else if (ch == '-') {
            label_len++;
            if (label_len == 1 || cp[1] == 0 || cp[1] == '.')
                return false;
        } else {
            return false;
        }
    }
    if (!non_numeric)
        return false;
    return cp - name <= TLSP_HOSTNAME_MAX;
}

bool
tlsp_valid_ipv4(const char *addr)
{
    const char *cp;
    bool in_byte = false;
    int bytes = 0;
    int val = 0;

    for (cp = addr; *cp; cp++) {
        int ch = (unsigned char)*cp;

        if (ch >= '0' && ch <= '9') {
            if (!in_byte) {
                in_byte = true;
                val = 0;
                bytes++;
            }
            val = val * 10 + (ch - '0');
            if (val > 255)
                return false;
        } else if (ch == '.') {
            if (!in_byte || cp[1] == 0)
                return false;
            if (bytes == 1 && val == 0 && addr[strspn(addr, "0.")])
                return false;
            in_byte = false;
        } else {
            return false;
        }
    }
    return bytes == 4;
}

bool
tlsp_valid_ipv6(const char *addr)
{
    int null_field = 0;
    int field = 0;
    const char *cp = addr;
    size_t len = 0;

    for (;;) {
        switch (*cp) {
        case 0:
            if (field < 2)
                return false;
            if (len == 0 && null_field != field - 1)
                return false;
            return true;
        case '.':
            if (field < 2 || field > 6)
                return false;
            return tlsp_valid_ipv4(cp - len);
        case ':':
            if (field == 0 && len == 0 && is_alnum((unsigned char)cp[1]))
                return false;
            field++;
            if (field > 7)
                return false;
            cp++;
            len = 0;
            if (*cp == ':') {
                if (null_field > 0)
                    return false;
                null_field = field;
            }
            break;
        default:
            len = strspn(cp, "0123456789abcdefABCDEF");
            if (len > 4 || len == 0)
                return false;
            cp += len;
            break;
        }
    }
}

bool
tlsp_valid_hostaddr(const char *addr)
{
    if (*addr == 0)
        return false;
    return strchr(addr, ':') ? tlsp_valid_ipv6(addr) : tlsp_valid_ipv4(addr);
}

bool
tlsp_valid_utf8_hostname(bool smtputf8, const char *name)
{
    const char *cp;
    char *ascii = NULL;
    bool ok;

    for (cp = name; *cp; cp++)
        if ((unsigned char)*cp >= 0x80)
            break;
    if (*cp == 0)
        return tlsp_valid_hostname(name);
    if (!smtputf8)
        return false;
    if (tlsp_idna_to_ascii(name, &ascii, NULL) != TLSP_OK)
        return false;
    ok = tlsp_valid_hostname(ascii);
    free(ascii);
    return ok;
}

void
tlsp_nexthop_fini(struct tlsp_nexthop *nh)
{
    free(nh->host);
    free(nh->port);
    memset(nh, 0, sizeof(*nh));
}

enum tlsp_status
tlsp_nexthop_split(const char *dest, struct tlsp_nexthop *nh)
{
    const char *host;
    size_t host_len;
    const char *port = NULL;

    memset(nh, 0, sizeof(*nh));
    if (*dest == '[') {
        const char *end = strchr(dest, ']');

        if (end == NULL)
            return TLSP_INVAL;
        host = dest + 1;
        host_len = (size_t)(end - host);
        nh->bracket = true;
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != 0)
            return TLSP_INVAL;
    } else {
        const char *colon = strrchr(dest, ':');

        host = dest;
        host_len = colon ? (size_t)(colon - dest) : strlen(dest);
        if (colon)
            port = colon + 1;
    }
    if (host_len >= 5 && strncasecmp(host, "ipv6:", 5) == 0) {
        host += 5;
        host_len -= 5;
        nh->ipv6 = true;
    }
    if (host_len == 0)
        return TLSP_INVAL;
    nh->host = tlsp_strndup(host, host_len);
    nh->port = port ? tlsp_strdup(port) : NULL;
    if (nh->host == NULL || (port && nh->port == NULL)) {
        tlsp_nexthop_fini(nh);
        return TLSP_NOMEM;
    }
    nh->literal = tlsp_valid_hostaddr(nh->host);
    if (nh->literal && strchr(nh->host, ':'))
        nh->ipv6 = true;
    return TLSP_OK;
}

int
tlsp_service_port(const char *service, const char *known_tcp_ports)
{
    struct tlsp_strvec entries;
    struct servent *se;
    int port = -1;
    size_t i;

    if (tlsp_all_digits(service)) {
        long p = strlen(service) <= 5 ? strtol(service, NULL, 10) : 0;

        return p > 0 && p < 65536 ? (int)p : -1;
    }
    tlsp_strvec_init(&entries);
    if (known_tcp_ports && tlsp_strvec_split(&entries, known_tcp_ports, TLSP_COMMA_SP) == TLSP_OK) {
        for (i = 0; i < entries.n && port < 0; i++) {
            struct tlsp_strvec names;
            size_t k;

            tlsp_strvec_init(&names);
            if (tlsp_strvec_split(&names, entries.v[i], "=") == TLSP_OK && names.n >= 2 &&
                tlsp_all_digits(names.v[names.n - 1]))
                for (k = 0; k + 1 < names.n; k++)
                    if (strcmp(names.v[k], service) == 0)
                        port = (int)strtol(names.v[names.n - 1], NULL, 10);
            tlsp_strvec_fini(&names);
        }
    }
    tlsp_strvec_fini(&entries);
    if (port < 0 && (se = getservbyname(service, "tcp")) != NULL)
        port = ntohs((uint16_t)se->s_port);
    return port > 0 && port < 65536 ? port : -1;
}

bool
tlsp_name_is_wildcard(const char *name)
{
    return strncmp(name, "*.", 2) == 0;
}

const char *
tlsp_name_parent(const char *name)
{
    const char *dot = strchr(name, '.');

    if (dot == NULL || dot[1] == 0 || strchr(dot + 1, '.') == NULL)
        return NULL;
    return dot + 1;
}

bool
tlsp_name_is_below(const char *name, const char *domain)
{
    size_t n = strlen(name), d = strlen(domain);

    return n > d + 1 && name[n - d - 1] == '.' && strcasecmp(name + n - d, domain) == 0;
}

bool
tlsp_name_is_ip(const char *s)
{
    return s && (strchr(s, ':') || strspn(s, "0123456789.") == strlen(s));
}
