/*
 * dns.c - the addresses Postfix's SMTP client tries for one next hop (dns.h)
 */
#include <tlspolicy/dns.h>

#include <stdlib.h>
#include <string.h>

enum tlsp_status
tlsp_dns_resolve(struct tlsp_cf *cf, const struct tlsp_policy *pol,
                 const struct tlsp_dns_opts *opts, struct tlsp_dns_result *res,
                 struct tlsp_diag *diag)
{
    if (res != NULL)
        memset(res, 0, sizeof(*res));
    if (cf == NULL || pol == NULL || res == NULL)
        return TLSP_INVAL;
    (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "DNS lookups are not implemented yet");
    return TLSP_UNSUPPORTED;
}

void
tlsp_dns_result_fini(struct tlsp_dns_result *res)
{
    if (res == NULL)
        return;
    for (size_t i = 0; i < res->n_addrs; i++) {
        free(res->addrs[i].host);
        free(res->addrs[i].addr);
    }
    free(res->addrs);
    free(res->dsn);
    free(res->reason);
    for (size_t i = 0; i < res->n_notes; i++)
        free(res->notes[i]);
    free(res->notes);
    memset(res, 0, sizeof(*res));
}

enum tlsp_status
tlsp_dns_parse_resolver(const char *text, struct sockaddr_storage *ss, socklen_t *len,
                        struct tlsp_diag *diag)
{
    (void)text;
    (void)ss;
    (void)len;
    (void)diag;
    return TLSP_UNSUPPORTED;
}

void
tlsp_dns_order_addrs(struct tlsp_dns_addr *addrs, size_t n, const struct tlsp_dns_order *ord)
{
    (void)addrs;
    (void)n;
    (void)ord;
}

enum tlsp_status
tlsp_dns_parse_host_lookup(const char *param, const char *value, unsigned *mask,
                           struct tlsp_diag *diag)
{
    (void)param;
    (void)value;
    (void)diag;
    if (mask != NULL)
        *mask = TLSP_DNS_LOOKUP_DNS;
    return TLSP_UNSUPPORTED;
}
