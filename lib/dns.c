/*
 * dns.c - the addresses Postfix's SMTP client tries for one next hop (dns.h)
 *
 * The layout follows smtp(8): resolve() is smtp_connect_inet()'s choice
 * between an MX lookup and a host lookup, domain_addr() is
 * smtp_domain_addr(), host_addr() smtp_host_addr(), addr_one()
 * smtp_addr_one(); lookup_x()/lookup_v() are dns_lookup_x()/dns_lookup_rv()
 * and query() is dns_query(). The "why" state (DSN status + reason) behaves
 * as Postfix's DSN_BUF: a soft status once set keeps later host failures
 * soft, and every failed lookup rewrites the reason.
 *
 * Queries go through glibc's res_nsearch() on a private res_state, with the
 * resolver options Postfix sets (RES_DEFNAMES and RES_DNSRCH only when
 * smtp_dns_resolver_options asks for them; RES_USE_DNSSEC, RES_USE_EDNS0
 * and RES_TRUSTAD for dnssec). glibc's TCP fallback has no read timeout,
 * so RES_IGNTC is set and a truncated answer is asked again over TCP here,
 * with the same per-query timeout.
 */
#include <tlspolicy/dns.h>

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cf_host.h"
#include "hostname.h"
#include "idna.h"
#include "util/str.h"

#define ANSWER_MAX 65536  /* the DNS message maximum: every answer fits */
#define RR_LIST_LIMIT 100 /* records kept per list (Postfix 3.9's dns_rr_list_limit) */
#define NAME_MAX_LEN 1025 /* Postfix's DNS_NAME_LEN + 1 */
#define REASON_MAX 2048
#define CNAME_LIMIT 10 /* dns_lookup_x(): CNAME indirections followed */

/* Postfix's DNS_* status codes, in its precedence order (dns.h). */
enum pd {
    PD_RECURSE = -8,
    PD_NOTFOUND = -7,
    PD_NULLMX = -5,
    PD_FAIL = -4,
    PD_INVAL = -3,
    PD_RETRY = -2,
    PD_POLICY = -1,
    PD_OK = 0,
};

/* One resource record as Postfix's DNS_RR keeps it (the parts we use). */
struct rr {
    char *qname; /* the name asked */
    char *rname; /* the record's owner (CNAME target) */
    int type;    /* ns_t_a, ns_t_aaaa, ns_t_mx */
    unsigned pref;
    unsigned char addr[16];
    char *exchange; /* MX host */
    bool dnssec;
};

struct rrlist {
    struct rr *v;
    size_t n, cap;
    bool discarded;
};

/* DSN_BUF: status and reason. */
struct why {
    char status[8];
    char reason[REASON_MAX];
};

struct ctx {
    struct __res_state rs;
    bool rs_init;
    struct tlsp_cf *cf;
    struct tlsp_diag *diag;
    struct tlsp_dns_result *res;
    const char *prefix; /* "smtp" or "lmtp" */
    bool smtp_mode;
    unsigned lookup_mask;       /* TLSP_DNS_LOOKUP_* */
    unsigned long host_res_opt; /* smtp_dns_resolver_options */
    int support;                /* 0 disabled, 1 enabled, 2 dnssec */
    int atypes[3];              /* 0-terminated, Postfix's dns_atype_list */
    int families[3];            /* 0-terminated sa_family_list */
    enum tlsp_dns_family_pref prefer;
    bool randomize, balance, ign_mx_err, defer_mxaddr, cname_override;
    bool insecure_mx_dnssec; /* smtp_tls_dane_insecure_mx_policy is encrypt or dane */
    long mxaddr_limit;
    unsigned timeout_s;
    struct sockaddr_storage tcp_ns[MAXNS];
    socklen_t tcp_ns_len[MAXNS];
    int n_tcp_ns;
    bool sec_available, sec_probed;
    const char *dnssec_probe;
    uint64_t rng;
    bool seeded;      /* opts->seeded: reproducible order */
    bool loop_detect; /* smtp(8) to port 25: SMTP_MISC_FLAG_LOOP_DETECT */
    bool self_loaded;
    struct self_addr {
        int type; /* ns_t_a or ns_t_aaaa */
        unsigned char addr[16];
    } * self;
    size_t n_self;
    unsigned char *buf;
    enum tlsp_status err; /* our own failure (NOMEM, CONFIG), sticky */
};

/* --- small helpers -------------------------------------------------- */

static void
why_reset(struct why *w)
{
    w->status[0] = 0;
    w->reason[0] = 0;
}

static void
why_status(struct why *w, const char *dsn)
{
    snprintf(w->status, sizeof(w->status), "%s", dsn);
}

static void why_text(struct why *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
why_text(struct why *w, const char *fmt, ...)
{
    va_list ap;

    if (w == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(w->reason, sizeof(w->reason), fmt, ap);
    va_end(ap);
}

#define HAS_SOFT(w) ((w)->status[0] == '4')
#define HAS_HARD(w) ((w)->status[0] == '5')

static void add_note(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_note(struct ctx *c, const char *fmt, ...)
{
    va_list ap;
    char *s, **nv;

    va_start(ap, fmt);
    s = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    if (s == NULL) {
        c->err = TLSP_NOMEM;
        return;
    }
    nv = realloc(c->res->notes, (c->res->n_notes + 1) * sizeof(*nv));
    if (nv == NULL) {
        free(s);
        c->err = TLSP_NOMEM;
        return;
    }
    c->res->notes = nv;
    nv[c->res->n_notes++] = s;
}

static void
rr_fini(struct rr *r)
{
    free(r->qname);
    free(r->rname);
    free(r->exchange);
}

static void
rrlist_fini(struct rrlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        rr_fini(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* rrlist_push - append (taking ownership of r's strings); honours the list limit */
static bool
rrlist_push(struct ctx *c, struct rrlist *l, struct rr *r)
{
    if (l->n >= RR_LIST_LIMIT) {
        if (!l->discarded)
            add_note(c, "tlspolicy: more than %d records for %s: the rest are ignored",
                     RR_LIST_LIMIT, r->qname ? r->qname : "?");
        l->discarded = true;
        rr_fini(r);
        return true;
    }
    if (l->n == l->cap) {
        size_t ncap = l->cap ? 2 * l->cap : 8;
        struct rr *nv = realloc(l->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            rr_fini(r);
            c->err = TLSP_NOMEM;
            return false;
        }
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = *r;
    return true;
}

/* rrlist_move - append every record of src to dst; src ends empty */
static void
rrlist_move(struct ctx *c, struct rrlist *dst, struct rrlist *src)
{
    for (size_t i = 0; i < src->n; i++)
        if (!rrlist_push(c, dst, &src->v[i])) {
            for (size_t j = i + 1; j < src->n; j++)
                rr_fini(&src->v[j]);
            break;
        }
    if (src->discarded)
        dst->discarded = true;
    free(src->v);
    memset(src, 0, sizeof(*src));
}

static const char *
type_name(int type)
{
    switch (type) {
    case ns_t_a:
        return "A";
    case ns_t_aaaa:
        return "AAAA";
    case ns_t_mx:
        return "MX";
    case ns_t_cname:
        return "CNAME";
    case ns_t_ns:
        return "NS";
    case ns_t_soa:
        return "SOA";
    case ns_t_txt:
        return "TXT";
    case ns_t_ptr:
        return "PTR";
    default:
        return "unknown";
    }
}

static int
type_code(const char *name)
{
    static const struct {
        const char *name;
        int type;
    } tab[] = {{"a", ns_t_a},     {"aaaa", ns_t_aaaa}, {"mx", ns_t_mx},   {"ns", ns_t_ns},
               {"soa", ns_t_soa}, {"txt", ns_t_txt},   {"ptr", ns_t_ptr}, {"cname", ns_t_cname}};
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
        if (strcasecmp(name, tab[i].name) == 0)
            return tab[i].type;
    return 0;
}

/* Postfix dns_strerror() */
static const char *
h_errno_text(int h, char *tmp, size_t tmplen)
{
    switch (h) {
    case HOST_NOT_FOUND:
        return "Host not found";
    case TRY_AGAIN:
        return "Host not found, try again";
    case NO_RECOVERY:
        return "Non-recoverable error";
    case NO_DATA:
        return "Host found but no data record of requested type";
    default:
        snprintf(tmp, tmplen, "Unknown error %u", (unsigned)h);
        return tmp;
    }
}

/* Postfix valid_rr_name(): numeric names pass, else valid_hostname() with
 * a leading wildcard label allowed. */
static bool
valid_rr_name(const char *name)
{
    if (tlsp_valid_hostaddr(name))
        return true;
    if (name[0] == '*' && name[1] == '.')
        name += 2;
    return tlsp_valid_hostname(name);
}

/* --- random numbers: splitmix64, seeded or from the clock ------------ */

static uint64_t
rng_next(uint64_t *s)
{
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t
rng_seed(bool seeded, unsigned long seed)
{
    struct timespec ts;

    if (seeded)
        return (uint64_t)seed;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
}

/* --- the resolver ---------------------------------------------------- */

/* The name servers glibc would ask, for our own TCP retry. */
static void
collect_nameservers(struct ctx *c)
{
    c->n_tcp_ns = 0;
    for (int i = 0; i < c->rs.nscount && i < MAXNS; i++) {
        if (c->rs.nsaddr_list[i].sin_family == 0 && c->rs._u._ext.nsaddrs[i] != NULL) {
            memcpy(&c->tcp_ns[c->n_tcp_ns], c->rs._u._ext.nsaddrs[i], sizeof(struct sockaddr_in6));
            c->tcp_ns_len[c->n_tcp_ns++] = sizeof(struct sockaddr_in6);
        } else {
            memcpy(&c->tcp_ns[c->n_tcp_ns], &c->rs.nsaddr_list[i], sizeof(struct sockaddr_in));
            c->tcp_ns_len[c->n_tcp_ns++] = sizeof(struct sockaddr_in);
        }
    }
}

static enum tlsp_status
resolver_init(struct ctx *c, const struct tlsp_dns_opts *opts)
{
    memset(&c->rs, 0, sizeof(c->rs));
    if (res_ninit(&c->rs) != 0) {
        (void)tlsp_diag_add(c->diag, TLSP_SEV_ERROR, NULL, 0,
                            "cannot initialise the resolver (res_ninit failed)");
        res_nclose(&c->rs);
        return TLSP_IO;
    }
    c->rs_init = true;
    if (opts != NULL && opts->resolver != NULL) {
        struct sockaddr_storage ss;
        socklen_t len;
        enum tlsp_status st = tlsp_dns_parse_resolver(opts->resolver, &ss, &len, c->diag);
        if (st != TLSP_OK)
            return st;
        for (int i = 0; i < MAXNS; i++) {
            free(c->rs._u._ext.nsaddrs[i]);
            c->rs._u._ext.nsaddrs[i] = NULL;
        }
        memset(c->rs.nsaddr_list, 0, sizeof(c->rs.nsaddr_list));
        if (ss.ss_family == AF_INET) {
            memcpy(&c->rs.nsaddr_list[0], &ss, sizeof(struct sockaddr_in));
        } else {
            struct sockaddr_in6 *sa6 = malloc(sizeof(*sa6));
            if (sa6 == NULL)
                return TLSP_NOMEM;
            memcpy(sa6, &ss, sizeof(*sa6));
            c->rs._u._ext.nsaddrs[0] = sa6;
        }
        c->rs.nscount = 1;
    }
    if (opts != NULL && opts->timeout_s > 0) {
        c->timeout_s = opts->timeout_s;
        c->rs.retrans = (int)(opts->timeout_s > 300 ? 300 : opts->timeout_s);
        c->rs.retry = 1;
    } else {
        c->timeout_s = (unsigned)(c->rs.retrans > 0 ? c->rs.retrans : RES_TIMEOUT);
    }
    collect_nameservers(c);
    return TLSP_OK;
}

/* Bounded I/O on a connected TCP socket: whole buffer, or false. */
static bool
io_wait(int fd, short ev, const struct timespec *deadline)
{
    struct timespec now;
    long ms;
    struct pollfd p = {.fd = fd, .events = ev};

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long)(deadline->tv_sec - now.tv_sec) * 1000 + (deadline->tv_nsec - now.tv_nsec) / 1000000;
    if (ms <= 0)
        return false;
    for (;;) {
        int n = poll(&p, 1, (int)ms);
        if (n > 0)
            return true;
        if (n == 0 || errno != EINTR)
            return false;
    }
}

static bool
tcp_write_all(int fd, const unsigned char *p, size_t n, const struct timespec *dl)
{
    while (n > 0) {
        ssize_t w;
        if (!io_wait(fd, POLLOUT, dl))
            return false;
        w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

static bool
tcp_read_all(int fd, unsigned char *p, size_t n, const struct timespec *dl)
{
    while (n > 0) {
        ssize_t r;
        if (!io_wait(fd, POLLIN, dl))
            return false;
        r = recv(fd, p, n, 0);
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return false;
        }
        if (r == 0)
            return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

/*
 * tcp_query - ask the question of a truncated UDP answer again over TCP,
 *       each name server in turn, each within the per-query timeout.
 * Returns the answer length, or -1.
 */
static int
tcp_query(struct ctx *c, const char *qname, int type, unsigned long options)
{
    unsigned char q[NS_PACKETSZ + 64];
    int qlen =
        res_nmkquery(&c->rs, ns_o_query, qname, ns_c_in, type, NULL, 0, NULL, q, NS_PACKETSZ);
    HEADER *qh = (HEADER *)q;

    if (qlen < 0)
        return -1;
    qh->rd = (options & RES_RECURSE) ? 1 : 0;
    if (options & RES_TRUSTAD)
        qh->ad = 1;
    if (options & (RES_USE_EDNS0 | RES_USE_DNSSEC)) {
        /* OPT RR: root owner, type 41, UDP size, extended rcode/version 0, DO bit */
        unsigned char opt[11] = {0, 0, 41, 0x10, 0x00, 0, 0, 0, 0, 0, 0};
        if (options & RES_USE_DNSSEC)
            opt[7] = 0x80;
        memcpy(q + qlen, opt, sizeof(opt));
        qlen += (int)sizeof(opt);
        qh->arcount = htons(1);
    }
    for (int i = 0; i < c->n_tcp_ns; i++) {
        struct timespec dl;
        unsigned char lenbuf[2] = {(unsigned char)(qlen >> 8), (unsigned char)qlen};
        unsigned rlen;
        int fd = socket(c->tcp_ns[i].ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        if (fd < 0)
            continue;
        clock_gettime(CLOCK_MONOTONIC, &dl);
        dl.tv_sec += c->timeout_s;
        if (connect(fd, (struct sockaddr *)&c->tcp_ns[i], c->tcp_ns_len[i]) != 0 &&
            errno != EINPROGRESS) {
            close(fd);
            continue;
        }
        if (!io_wait(fd, POLLOUT, &dl)) {
            close(fd);
            continue;
        }
        {
            int soerr = 0;
            socklen_t sl = sizeof(soerr);
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
                close(fd);
                continue;
            }
        }
        if (!tcp_write_all(fd, lenbuf, 2, &dl) || !tcp_write_all(fd, q, (size_t)qlen, &dl) ||
            !tcp_read_all(fd, lenbuf, 2, &dl)) {
            close(fd);
            continue;
        }
        rlen = ((unsigned)lenbuf[0] << 8) | lenbuf[1];
        if (rlen < NS_HFIXEDSZ || !tcp_read_all(fd, c->buf, rlen, &dl) ||
            memcmp(c->buf, q, 2) != 0) {
            close(fd);
            continue;
        }
        close(fd);
        return (int)rlen;
    }
    return -1;
}

/* h_errno for an answer, as glibc's res_nquery() derives it */
static int
answer_h_errno(const unsigned char *buf)
{
    const HEADER *hp = (const HEADER *)buf;

    if (hp->rcode == ns_r_noerror && ntohs(hp->ancount) > 0)
        return 0;
    switch (hp->rcode) {
    case ns_r_nxdomain:
        return HOST_NOT_FOUND;
    case ns_r_noerror:
        return NO_DATA;
    case ns_r_servfail:
        return TRY_AGAIN;
    default:
        return NO_RECOVERY;
    }
}

/*
 * query - one question, as Postfix's dns_query(): set the options, ask
 *       with res_nsearch(), map h_errno to a status with Postfix's text.
 * Out:  *lenp  the answer length when PD_OK.
 */
static enum pd
query(struct ctx *c, const char *name, int type, unsigned long flags, int *lenp, bool *ad,
      struct why *why)
{
    const unsigned long user_flags = RES_DEBUG | RES_DNSRCH | RES_DEFNAMES | RES_USE_DNSSEC;
    const unsigned long xtra_flags = RES_USE_EDNS0 | RES_TRUSTAD;
    unsigned long saved = c->rs.options & (user_flags | xtra_flags | RES_IGNTC);
    HEADER *hp = (HEADER *)c->buf;
    int len, h;
    char tmp[32];

    if (flags & RES_USE_DNSSEC)
        flags |= xtra_flags;
    memset(c->buf, 0, NS_HFIXEDSZ);
    c->rs.options &= ~saved;
    c->rs.options |= flags | RES_IGNTC;
    c->rs.res_h_errno = 0;
    len = res_nsearch(&c->rs, name, ns_c_in, type, c->buf, ANSWER_MAX);
    h = c->rs.res_h_errno;
    if (len < 0 && h == 0)
        h = TRY_AGAIN;
    if (len > 0)
        h = 0;
    if (hp->tc && (len > 0 || h == NO_DATA || h == HOST_NOT_FOUND)) {
        /* Truncated: ask the same question over TCP, within the timeout. */
        char qname[NAME_MAX_LEN];
        int qlen = len > 0 ? len : ANSWER_MAX;
        if (ntohs(hp->qdcount) >= 1 &&
            dn_expand(c->buf, c->buf + qlen, c->buf + NS_HFIXEDSZ, qname, sizeof(qname)) >= 0) {
            len = tcp_query(c, qname, type, c->rs.options);
            if (len < 0)
                h = TRY_AGAIN;
            else if ((h = answer_h_errno(c->buf)) != 0)
                len = -1;
        } else {
            len = -1;
            h = TRY_AGAIN;
        }
    }
    c->rs.options &= ~(flags | RES_IGNTC);
    c->rs.options |= saved;
    *ad = hp->ad != 0;
    if (*ad)
        c->sec_available = true;
    if (h != 0) {
        why_text(why, "Host or domain name not found. Name service error for name=%s type=%s: %s",
                 name, type_name(type), h_errno_text(h, tmp, sizeof(tmp)));
        switch (h) {
        case NO_RECOVERY:
            return PD_FAIL;
        case HOST_NOT_FOUND:
        case NO_DATA:
            return PD_NOTFOUND;
        default:
            return PD_RETRY;
        }
    }
    *lenp = len > ANSWER_MAX ? ANSWER_MAX : len;
    return PD_OK;
}

/*
 * get_answer - the records of the requested type, or the CNAME to follow
 *       (Postfix dns_get_answer() over ns_initparse()/ns_parserr()).
 */
static enum pd
get_answer(struct ctx *c, const char *orig_name, int len, int type, bool ad, struct rrlist *out,
           char *cname, size_t cname_len, bool *maybe_secure)
{
    ns_msg msg;
    int found = 0, cname_found = 0;
    enum pd not_found = PD_NOTFOUND;

    if (ns_initparse(c->buf, len, &msg) != 0)
        return PD_RETRY;
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        ns_rr rr;
        char data[NAME_MAX_LEN];
        if (ns_parserr(&msg, ns_s_an, i, &rr) != 0)
            goto corrupt_retry;
        if (ns_rr_class(rr) != ns_c_in)
            goto corrupt_retry;
        /* a root query (the dnssec_probe "ns:.") may have the root as owner */
        if (!(strcmp(orig_name, ".") == 0 &&
              (ns_rr_name(rr)[0] == 0 || strcmp(ns_rr_name(rr), ".") == 0)) &&
            !valid_rr_name(ns_rr_name(rr))) {
            rrlist_fini(out);
            return PD_INVAL;
        }
        if ((int)ns_rr_type(rr) == type) {
            struct rr r = {0};
            const unsigned char *rd = ns_rr_rdata(rr);
            unsigned rdlen = ns_rr_rdlen(rr);
            if (type == ns_t_mx) {
                if (rdlen < 3 ||
                    dn_expand(ns_msg_base(msg), ns_msg_end(msg), rd + 2, data, sizeof(data)) < 0) {
                    if (not_found != PD_RETRY)
                        not_found = PD_RETRY;
                    continue;
                }
                if (data[0] == 0) {
                    rrlist_fini(out);
                    return PD_NULLMX;
                }
                if (!valid_rr_name(data)) {
                    if (not_found != PD_RETRY)
                        not_found = PD_INVAL;
                    continue;
                }
                r.pref = ns_get16(rd);
                r.exchange = tlsp_strdup(data);
            } else if (type == ns_t_a || type == ns_t_aaaa) {
                unsigned want = type == ns_t_a ? 4 : 16;
                if (rdlen != want) {
                    not_found = PD_RETRY;
                    continue;
                }
                memcpy(r.addr, rd, want);
            }
            r.type = type;
            r.qname = tlsp_strdup(orig_name);
            r.rname = tlsp_strdup(ns_rr_name(rr));
            r.dnssec = *maybe_secure ? ad : false;
            if (r.qname == NULL || r.rname == NULL || (type == ns_t_mx && r.exchange == NULL)) {
                rr_fini(&r);
                c->err = TLSP_NOMEM;
                return PD_RETRY;
            }
            if (!rrlist_push(c, out, &r))
                return PD_RETRY;
            found++;
        } else if (ns_rr_type(rr) == ns_t_cname) {
            cname_found++;
            if (dn_expand(ns_msg_base(msg), ns_msg_end(msg), ns_rr_rdata(rr), data, sizeof(data)) <
                0)
                goto corrupt_retry;
            if (!valid_rr_name(data)) {
                rrlist_fini(out);
                return PD_INVAL;
            }
            snprintf(cname, cname_len, "%s", data);
            if (!ad)
                *maybe_secure = false;
        }
    }
    if (found)
        return PD_OK;
    if (cname_found)
        return PD_RECURSE;
    return not_found;

corrupt_retry:
    rrlist_fini(out);
    return PD_RETRY;
}

static enum pd lookup_x(struct ctx *c, const char *name, int type, unsigned long flags,
                        struct rrlist *out, struct why *why);

/* Postfix dns_sec_probe(): once, when DNSSEC is wanted and no answer was validated */
static void
sec_probe(struct ctx *c, unsigned long flags)
{
    char spec[256], *qname;
    int qtype;
    struct rrlist l = {0};
    struct why w;
    enum pd st;

    c->sec_probed = true;
    if (c->dnssec_probe == NULL || *c->dnssec_probe == 0)
        return;
    snprintf(spec, sizeof(spec), "%s", c->dnssec_probe);
    if ((qname = strchr(spec, ':')) == NULL || qname[1] == 0 ||
        (*qname = 0, qtype = type_code(spec)) == 0) {
        (void)tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0,
                            "malformed dnssec_probe value: %s format is qtype:qname",
                            c->dnssec_probe);
        c->err = TLSP_CONFIG;
        return;
    }
    qname++;
    why_reset(&w);
    st = lookup_x(c, qname, qtype, flags, &l, &w);
    rrlist_fini(&l);
    if (!c->sec_available)
        add_note(c, "warning: DNSSEC validation may be unavailable");
    if (st == PD_RETRY || st == PD_FAIL)
        add_note(c, "warning: reason: dnssec_probe '%s' received no response: %s", c->dnssec_probe,
                 w.reason);
    else if (!c->sec_available)
        add_note(c,
                 "warning: reason: dnssec_probe '%s' received a response that is not "
                 "DNSSEC validated",
                 c->dnssec_probe);
}

/* Postfix dns_lookup_x(): follow CNAMEs up to 10 times */
static enum pd
lookup_x(struct ctx *c, const char *name, int type, unsigned long flags, struct rrlist *out,
         struct why *why)
{
    char cname[NAME_MAX_LEN];
    char cur[NAME_MAX_LEN];
    bool maybe_secure = true;

    if (tlsp_valid_hostaddr(name) || (strcmp(name, ".") != 0 && !valid_rr_name(name))) {
        why_text(why, "Name service error for %s: invalid host or domain name", name);
        return PD_NOTFOUND;
    }
    snprintf(cur, sizeof(cur), "%s", name);
    for (int count = 0; count < CNAME_LIMIT; count++) {
        int len = 0;
        bool ad = false;
        enum pd st = query(c, cur, type, flags, &len, &ad, why);
        if (st != PD_OK) {
            if ((flags & RES_USE_DNSSEC) && !c->sec_available && !c->sec_probed)
                sec_probe(c, flags);
            return st;
        }
        cname[0] = 0;
        st = get_answer(c, name, len, type, ad, out, cname, sizeof(cname), &maybe_secure);
        /* after parsing: the probe reuses the answer buffer, as in Postfix */
        if ((flags & RES_USE_DNSSEC) && !c->sec_available && !c->sec_probed)
            sec_probe(c, flags);
        switch (st) {
        default:
            why_text(why,
                     "Name service error for name=%s type=%s: "
                     "Malformed or unexpected name server reply",
                     cur, type_name(type));
            return st;
        case PD_NULLMX:
            why_text(why, "Domain %s does not accept mail (nullMX)", cur);
            return st;
        case PD_OK:
            return PD_OK;
        case PD_RECURSE:
            if (!maybe_secure)
                flags &= ~(unsigned long)RES_USE_DNSSEC;
            snprintf(cur, sizeof(cur), "%s", cname);
            break;
        }
    }
    why_text(why, "Name server loop for %s", cur);
    add_note(c, "warning: dns_lookup: Name server loop for %s", cur);
    return PD_NOTFOUND;
}

/* Postfix dns_lookup_rv(): each address type in turn; the best status wins */
static enum pd
lookup_v(struct ctx *c, const char *name, unsigned long flags, struct rrlist *out, struct why *why)
{
    enum pd status = PD_NOTFOUND;
    int hpref = INT_MIN;
    char hpref_text[REASON_MAX] = "";

    for (int i = 0; c->atypes[i] != 0; i++) {
        struct rrlist one = {0};
        status = lookup_x(c, name, c->atypes[i], flags, &one, why);
        rrlist_move(c, out, &one);
        if (c->atypes[i + 1] == 0)
            break;
        if ((int)status >= hpref) {
            hpref = status;
            if (status != PD_OK)
                snprintf(hpref_text, sizeof(hpref_text), "%s", why->reason);
        }
    }
    if ((int)status < hpref) {
        status = (enum pd)hpref;
        if (status != PD_OK)
            snprintf(why->reason, sizeof(why->reason), "%s", hpref_text);
    }
    return status;
}

/* name_mask() words, separated by comma and white space */
static char *
next_word(char **p)
{
    char *s = *p, *w;

    s += strspn(s, ", \t\r\n");
    if (*s == 0)
        return NULL;
    w = s;
    s += strcspn(s, ", \t\r\n");
    if (*s)
        *s++ = 0;
    *p = s;
    return w;
}

/* --- smtp_addr.c ----------------------------------------------------- */

static bool
family_enabled(const struct ctx *c, int family)
{
    for (int i = 0; c->families[i] != 0; i++)
        if (c->families[i] == family)
            return true;
    return false;
}

static bool
push_addr(struct ctx *c, struct rrlist *l, const char *host, const struct sockaddr *sa,
          unsigned pref)
{
    struct rr r = {0};

    r.type = sa->sa_family == AF_INET6 ? ns_t_aaaa : ns_t_a;
    if (sa->sa_family == AF_INET6)
        memcpy(r.addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
    else
        memcpy(r.addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
    r.pref = pref;
    r.qname = tlsp_strdup(host);
    r.rname = tlsp_strdup(host);
    if (r.qname == NULL || r.rname == NULL) {
        rr_fini(&r);
        c->err = TLSP_NOMEM;
        return false;
    }
    return rrlist_push(c, l, &r);
}

/* Postfix smtp_addr_one(): the addresses of one host name */
static void
addr_one(struct ctx *c, struct rrlist *list, const char *host, unsigned long res_opt, unsigned pref,
         struct why *why)
{
    struct addrinfo hints = {0}, *res0 = NULL;
    int aierr;

    /* A numerical name is an address. */
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res0) == 0) {
        if (family_enabled(c, res0->ai_family)) {
            (void)push_addr(c, list, host, res0->ai_addr, pref);
            freeaddrinfo(res0);
            return;
        }
        freeaddrinfo(res0);
        res0 = NULL;
    }

    if (c->lookup_mask & TLSP_DNS_LOOKUP_DNS) {
        struct rrlist found = {0};
        res_opt |= c->host_res_opt;
        switch (lookup_v(c, host, res_opt, &found, why)) {
        case PD_OK:
            for (size_t i = 0; i < found.n; i++)
                found.v[i].pref = pref;
            rrlist_move(c, list, &found);
            return;
        default:
            rrlist_fini(&found);
            why_status(why, "4.4.3");
            return;
        case PD_FAIL:
            rrlist_fini(&found);
            why_status(why, HAS_SOFT(why) ? "4.4.3" : "5.4.3");
            return;
        case PD_INVAL:
            rrlist_fini(&found);
            why_status(why, HAS_SOFT(why) ? "4.4.4" : "5.4.4");
            return;
        case PD_POLICY:
            rrlist_fini(&found);
            why_status(why, "4.7.0");
            return;
        case PD_NOTFOUND:
            rrlist_fini(&found);
            why_status(why, HAS_SOFT(why) ? "4.4.4" : "5.4.4");
            break; /* maybe the native name service knows it */
        }
    }

    if (c->lookup_mask & TLSP_DNS_LOOKUP_NATIVE) {
        /*
         * Postfix is built without _GNU_SOURCE, so EAI_NODATA is not one of
         * its "no such host" codes: "No address associated with hostname"
         * is 5.3.0 (observed, docs/postfix-dns.md).
         */
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = family_enabled(c, AF_INET6)
                              ? (family_enabled(c, AF_INET) ? AF_UNSPEC : AF_INET6)
                              : AF_INET;
        hints.ai_socktype = SOCK_STREAM;
        aierr = getaddrinfo(host, NULL, &hints, &res0);
        if (aierr != 0) {
            bool retry = aierr == EAI_AGAIN || aierr == EAI_MEMORY || aierr == EAI_SYSTEM;
            bool nohost = aierr == EAI_AGAIN || aierr == EAI_NONAME;
            why_status(why, (HAS_SOFT(why) || retry) ? (nohost ? "4.4.4" : "4.3.0")
                                                     : (nohost ? "5.4.4" : "5.3.0"));
            why_text(why, "unable to look up host %s: %s", host,
                     aierr == EAI_SYSTEM ? strerror(errno) : gai_strerror(aierr));
        } else {
            int found = 0;
            for (struct addrinfo *ai = res0; ai != NULL; ai = ai->ai_next) {
                if (!family_enabled(c, ai->ai_family)) {
                    add_note(c, "skipping address family %d for host %s", ai->ai_family, host);
                    continue;
                }
                found++;
                if (!push_addr(c, list, host, ai->ai_addr, pref))
                    break;
            }
            freeaddrinfo(res0);
            if (found == 0) {
                why_status(why, HAS_SOFT(why) ? "4.4.4" : "5.4.4");
                why_text(why, "%s: host not found", host);
            }
        }
    }
}

/* Postfix smtp_balance_inet_proto(): keep both families within the limit */
static void
balance_inet_proto(struct rrlist *l, long limit)
{
    long v4 = 0, v6 = 0, t4, t6;
    size_t j = 0;

    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].type == ns_t_a)
            v4++;
        else
            v6++;
    if (!(v4 > 0 && v6 > 0 && v4 + v6 > limit))
        return;
    if (v6 <= limit / 2) {
        t6 = v6;
        t4 = limit - t6;
    } else if (v4 <= limit / 2) {
        t4 = v4;
        t6 = limit - t4;
    } else {
        t4 = (limit + (l->v[0].type == ns_t_a)) / 2;
        t6 = limit - t4;
    }
    for (size_t i = 0; i < l->n; i++) {
        long *t = l->v[i].type == ns_t_a ? &t4 : &t6;
        if (*t > 0) {
            l->v[j++] = l->v[i];
            *t -= 1;
        } else {
            rr_fini(&l->v[i]);
        }
    }
    l->n = j;
}

/* shuffle, then stable sort (Postfix dns_rr_shuffle(), dns_rr_sort()) */
static int
cmp_pref(const struct rr *a, const struct rr *b, enum tlsp_dns_family_pref prefer)
{
    if (a->pref != b->pref)
        return a->pref < b->pref ? -1 : 1;
    if (prefer == TLSP_DNS_PREFER_ANY || a->type == b->type)
        return 0;
    if (prefer == TLSP_DNS_PREFER_IPV6)
        return a->type == ns_t_aaaa ? -1 : 1;
    return a->type == ns_t_aaaa ? 1 : -1;
}

/* a total order on records, so that a seeded shuffle does not depend on the
 * order the name server happened to send (unbound rotates RRsets) */
static int
cmp_canonical(const struct rr *a, const struct rr *b)
{
    int d;

    if (a->pref != b->pref)
        return a->pref < b->pref ? -1 : 1;
    if ((d = strcmp(a->qname, b->qname)) != 0)
        return d;
    if (a->type != b->type)
        return a->type == ns_t_a ? -1 : 1;
    return memcmp(a->addr, b->addr, sizeof(a->addr));
}

static void
order_rrs(struct ctx *c, struct rrlist *l, bool sort)
{
    if (c->randomize && c->seeded)
        for (size_t i = 1; i < l->n; i++) {
            struct rr t = l->v[i];
            size_t j = i;
            while (j > 0 && cmp_canonical(&l->v[j - 1], &t) > 0) {
                l->v[j] = l->v[j - 1];
                j--;
            }
            l->v[j] = t;
        }
    if (c->randomize)
        for (size_t i = 0; l->n > 1 && i < l->n - 1; i++) {
            size_t r = i + (size_t)(rng_next(&c->rng) % (l->n - i));
            struct rr t = l->v[i];
            l->v[i] = l->v[r];
            l->v[r] = t;
        }
    if (!sort)
        return;
    for (size_t i = 1; i < l->n; i++) { /* insertion sort: stable, lists are short */
        struct rr t = l->v[i];
        size_t j = i;
        while (j > 0 && cmp_pref(&l->v[j - 1], &t, c->prefer) > 0) {
            l->v[j] = l->v[j - 1];
            j--;
        }
        l->v[j] = t;
    }
}

static void
rr_sort_mx(struct rrlist *l)
{
    for (size_t i = 1; i < l->n; i++) {
        struct rr t = l->v[i];
        size_t j = i;
        while (j > 0 && l->v[j - 1].pref > t.pref) {
            l->v[j] = l->v[j - 1];
            j--;
        }
        l->v[j] = t;
    }
}

static const char *
ascii_name(struct ctx *c, const char *name, char **tofree)
{
    const char *err = NULL;

    *tofree = NULL;
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p >= 0x80) {
            if (tlsp_idna_to_ascii(name, tofree, &err) == TLSP_OK && *tofree != NULL)
                return *tofree;
            return name;
        }
    return name;
}

/* add one address to the list of this host's own addresses */
static void
self_push(struct ctx *c, int family, const void *addr)
{
    struct self_addr *nv = realloc(c->self, (c->n_self + 1) * sizeof(*nv));

    if (nv == NULL) {
        c->err = TLSP_NOMEM;
        return;
    }
    c->self = nv;
    memset(&nv[c->n_self], 0, sizeof(nv[0]));
    nv[c->n_self].type = family == AF_INET6 ? ns_t_aaaa : ns_t_a;
    memcpy(nv[c->n_self].addr, addr, family == AF_INET6 ? 16 : 4);
    c->n_self++;
}

/*
 * load_self - the addresses Postfix calls its own: inet_interfaces
 *       (own_inet_addr_list(): every interface address for "all", the
 *       loopback ones for "loopback-only", else the listed ones) and
 *       proxy_interfaces (proxy_inet_addr_list()).
 */
static void
load_self(struct ctx *c)
{
    const char *protocols, *interfaces, *proxy;
    char *nets = NULL, *fatal = NULL, *copy, *p, *w;
    enum tlsp_status st;

    c->self_loaded = true;
    if (tlsp_cf_get(c->cf, "inet_protocols", &protocols, c->diag) != TLSP_OK ||
        tlsp_cf_get(c->cf, "inet_interfaces", &interfaces, c->diag) != TLSP_OK ||
        tlsp_cf_get(c->cf, "proxy_interfaces", &proxy, c->diag) != TLSP_OK) {
        c->err = TLSP_CONFIG;
        return;
    }
    /* mynetworks_style = host lists exactly the own addresses, ADDR/32 and [ADDR]/128 */
    st = tlsp_cf_mynetworks(protocols, "host", interfaces, &nets, &fatal);
    if (st != TLSP_OK) {
        if (fatal != NULL)
            (void)tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0, "%s", fatal);
        free(fatal);
        free(nets);
        c->err = st;
        return;
    }
    p = nets;
    while ((w = next_word(&p)) != NULL) {
        unsigned char a[16];
        char *slash = strchr(w, '/');
        if (slash)
            *slash = 0;
        if (*w == '[') {
            w++;
            w[strcspn(w, "]")] = 0;
        }
        if (inet_pton(AF_INET, w, a) == 1)
            self_push(c, AF_INET, a);
        else if (inet_pton(AF_INET6, w, a) == 1)
            self_push(c, AF_INET6, a);
    }
    free(nets);
    if ((copy = tlsp_strdup(proxy)) == NULL) {
        c->err = TLSP_NOMEM;
        return;
    }
    p = copy;
    while ((w = next_word(&p)) != NULL) {
        struct addrinfo hints = {0}, *res0 = NULL;
        hints.ai_socktype = SOCK_STREAM;
        if (getaddrinfo(w, NULL, &hints, &res0) != 0) {
            add_note(c, "tlspolicy: proxy_interfaces: cannot look up %s", w);
            continue;
        }
        for (struct addrinfo *ai = res0; ai != NULL; ai = ai->ai_next) {
            if (!family_enabled(c, ai->ai_family))
                continue;
            if (ai->ai_family == AF_INET6)
                self_push(c, AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
            else
                self_push(c, AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr);
        }
        freeaddrinfo(res0);
    }
    free(copy);
}

/* Postfix smtp_find_self(): the first record that is one of our addresses */
static const struct rr *
find_self(struct ctx *c, const struct rrlist *l)
{
    if (!c->self_loaded)
        load_self(c);
    for (size_t i = 0; i < l->n; i++)
        for (size_t j = 0; j < c->n_self; j++)
            if (c->self[j].type == l->v[i].type &&
                memcmp(c->self[j].addr, l->v[i].addr, l->v[i].type == ns_t_a ? 4 : 16) == 0)
                return &l->v[i];
    return NULL;
}

static void
rrlist_truncate(struct rrlist *l, size_t n)
{
    for (size_t i = n; i < l->n; i++)
        rr_fini(&l->v[i]);
    if (n < l->n)
        l->n = n;
}

/* Postfix smtp_host_addr() */
static void
host_addr(struct ctx *c, struct rrlist *list, const char *host, struct why *why)
{
    unsigned long res_opt = c->support == 2 ? RES_USE_DNSSEC : 0;
    char *ahost_buf;
    const char *ahost = ascii_name(c, host, &ahost_buf);

    why_reset(why);
    addr_one(c, list, ahost, res_opt, 0, why);
    if (list->n > 0 && c->loop_detect && find_self(c, list) != NULL) {
        rrlist_truncate(list, 0);
        why_status(why, "5.4.6");
        why_text(why, "mail for %s loops back to myself", host);
        free(ahost_buf);
        return;
    }
    if (list->n > 1) {
        order_rrs(c, list, c->families[1] != 0);
        if (c->mxaddr_limit > 0 && c->balance)
            balance_inet_proto(list, c->mxaddr_limit);
    }
    free(ahost_buf);
}

/* Postfix smtp_domain_addr() */
static void
domain_addr(struct ctx *c, struct rrlist *list, const char *name, struct why *why)
{
    struct rrlist mx = {0};
    unsigned long r = c->support == 2 ? RES_USE_DNSSEC : 0;
    char *aname_buf;
    const char *aname = ascii_name(c, name, &aname_buf);

    why_reset(why);
    switch (lookup_x(c, aname, ns_t_mx, r, &mx, why)) {
    default:
        why_status(why, "4.4.3");
        if (c->ign_mx_err)
            host_addr(c, list, aname, why);
        break;
    case PD_INVAL:
        why_status(why, "5.4.4");
        if (c->ign_mx_err)
            host_addr(c, list, aname, why);
        break;
    case PD_NULLMX:
        why_status(why, "5.1.0");
        break;
    case PD_POLICY:
        why_status(why, "4.7.0");
        break;
    case PD_FAIL:
        why_status(why, "5.4.3");
        if (c->ign_mx_err)
            host_addr(c, list, aname, why);
        break;
    case PD_OK: {
        bool mx_secure = mx.n > 0;
        unsigned long host_opt = 0;
        c->res->mx_found = true;
        rr_sort_mx(&mx);
        for (size_t i = 0; i < mx.n; i++)
            mx_secure = mx_secure && mx.v[i].dnssec;
        c->res->mx_dnssec = mx_secure;
        /*
         * smtp_addr_list(): DNSSEC for the host lookups when the MX RRset
         * validated, or when smtp_tls_dane_insecure_mx_policy is above may.
         */
        if (mx_secure || c->insecure_mx_dnssec)
            host_opt = RES_USE_DNSSEC;
        for (size_t i = 0; i < mx.n && c->err == TLSP_OK; i++) {
            size_t before = list->n;
            addr_one(c, list, mx.v[i].exchange, host_opt, mx.v[i].pref, why);
            for (size_t k = before; k < list->n; k++) {
                free(list->v[k].exchange);
                list->v[k].exchange = NULL;
            }
        }
        if (list->n == 0) {
            if (c->defer_mxaddr && HAS_HARD(why))
                why->status[0] = '4';
            add_note(c, "warning: no MX host for %s has a valid address record", name);
            break;
        }
        /* Only MX hosts better than this host itself (smtp_truncate_self()). */
        if (c->loop_detect) {
            const struct rr *self = find_self(c, list);
            if (self != NULL) {
                unsigned best_pref = mx.v[0].pref, best_found = list->v[0].pref;
                unsigned self_pref = self->pref;
                size_t k = 0;
                while (k < list->n && list->v[k].pref != self_pref)
                    k++;
                rrlist_truncate(list, k);
                if (list->n == 0) {
                    if (best_pref != best_found) {
                        why_status(why, "4.4.4");
                        why_text(why, "unable to find primary relay for %s", name);
                    } else {
                        why_status(why, "5.4.6");
                        why_text(why, "mail for %s loops back to myself", name);
                    }
                    break;
                }
            }
        }
        if (list->n > 1) {
            order_rrs(c, list, true);
            if (c->mxaddr_limit > 0 && c->balance)
                balance_inet_proto(list, c->mxaddr_limit);
        }
        break;
    }
    case PD_NOTFOUND:
        host_addr(c, list, aname, why);
        break;
    }
    rrlist_fini(&mx);
    free(aname_buf);
}

/* --- configuration --------------------------------------------------- */

/* the service's parameter name: lmtp_X when it exists for lmtp(8), else smtp_X */
static void
param_name(const struct ctx *c, const char *suffix, char *name, size_t size)
{
    snprintf(name, size, "%s_%s", c->prefix, suffix);
    if (!c->smtp_mode && !tlsp_cf_has_default(c->cf, name))
        snprintf(name, size, "smtp_%s", suffix);
}

static enum tlsp_status
param(struct ctx *c, const char *suffix, const char **value)
{
    char name[128];

    param_name(c, suffix, name, sizeof(name));
    return tlsp_cf_get(c->cf, name, value, c->diag);
}

static enum tlsp_status
param_bool(struct ctx *c, const char *suffix, bool *value)
{
    char name[128];

    param_name(c, suffix, name, sizeof(name));
    return tlsp_cf_get_bool(c->cf, name, value, c->diag);
}

static enum tlsp_status
parse_inet_protocols(struct ctx *c, const char *value)
{
    char *copy = tlsp_strdup(value), *p = copy, *w;
    bool v4 = false, v6 = false;
    int n = 0;

    if (copy == NULL)
        return TLSP_NOMEM;
    while ((w = next_word(&p)) != NULL) {
        if (strcasecmp(w, "all") == 0)
            v4 = v6 = true;
        else if (strcasecmp(w, "ipv4") == 0)
            v4 = true;
        else if (strcasecmp(w, "ipv6") == 0)
            v6 = true;
        else {
            (void)tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0,
                                "unknown inet_protocols value \"%s\" in \"%s\"", w, value);
            free(copy);
            return TLSP_CONFIG;
        }
    }
    free(copy);
    if (v6 && v4) {
        /* inet_proto_init(): without kernel IPv6, "all" means IPv4 */
        int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0) {
            close(fd);
        } else if (errno == EAFNOSUPPORT || errno == EPROTONOSUPPORT) {
            add_note(c, "warning: inet_protocols: IPv6 support is disabled: %s", strerror(errno));
            add_note(c, "warning: inet_protocols: configuring for IPv4 support only");
            v6 = false;
        }
    }
    if (v4) {
        c->atypes[n] = ns_t_a;
        c->families[n++] = AF_INET;
    }
    if (v6) {
        c->atypes[n] = ns_t_aaaa;
        c->families[n++] = AF_INET6;
    }
    c->atypes[n] = 0;
    c->families[n] = 0;
    return TLSP_OK;
}

static enum tlsp_status
load_config(struct ctx *c)
{
    const char *v;
    enum tlsp_status st;
    bool disable_dns;
    long limit;
    char name[128];

    if ((st = tlsp_cf_get(c->cf, "inet_protocols", &v, c->diag)) != TLSP_OK ||
        (st = parse_inet_protocols(c, v)) != TLSP_OK)
        return st;
    if ((st = tlsp_cf_get_bool(c->cf, "disable_dns_lookups", &disable_dns, c->diag)) != TLSP_OK)
        return st;
    if ((st = param(c, "dns_support_level", &v)) != TLSP_OK)
        return st;
    if (*v == 0)
        c->support = disable_dns ? 0 : 1;
    else if (strcmp(v, "disabled") == 0)
        c->support = 0;
    else if (strcmp(v, "enabled") == 0)
        c->support = 1;
    else if (strcmp(v, "dnssec") == 0)
        c->support = 2;
    else {
        (void)tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0,
                            "invalid %s_dns_support_level: \"%s\"", c->prefix, v);
        return TLSP_CONFIG;
    }
    if (c->support == 0) {
        c->lookup_mask = TLSP_DNS_LOOKUP_NATIVE;
    } else {
        param_name(c, "host_lookup", name, sizeof(name));
        if ((st = param(c, "host_lookup", &v)) != TLSP_OK ||
            (st = tlsp_dns_parse_host_lookup(name, v, &c->lookup_mask, c->diag)) != TLSP_OK)
            return st;
    }
    if ((st = param(c, "dns_resolver_options", &v)) != TLSP_OK)
        return st;
    {
        char *copy = tlsp_strdup(v), *p = copy, *w;
        if (copy == NULL)
            return TLSP_NOMEM;
        while ((w = next_word(&p)) != NULL) {
            if (strcmp(w, "res_defnames") == 0)
                c->host_res_opt |= RES_DEFNAMES;
            else if (strcmp(w, "res_dnsrch") == 0)
                c->host_res_opt |= RES_DNSRCH;
            else {
                (void)tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0,
                                    "unknown %s_dns_resolver_options value \"%s\" in \"%s\"",
                                    c->prefix, w, v);
                free(copy);
                return TLSP_CONFIG;
            }
        }
        free(copy);
    }
    if ((st = param(c, "address_preference", &v)) != TLSP_OK)
        return st;
    if (strcasecmp(v, "any") == 0)
        c->prefer = TLSP_DNS_PREFER_ANY;
    else if (strcasecmp(v, "ipv4") == 0)
        c->prefer = TLSP_DNS_PREFER_IPV4;
    else if (strcasecmp(v, "ipv6") == 0)
        c->prefer = TLSP_DNS_PREFER_IPV6;
    else {
        (void)tlsp_diag_add(c->diag, TLSP_SEV_FATAL, NULL, 0, "bad %s_address_preference value: %s",
                            c->prefix, v);
        return TLSP_CONFIG;
    }
    if ((st = param_bool(c, "randomize_addresses", &c->randomize)) != TLSP_OK ||
        (st = param_bool(c, "balance_inet_protocols", &c->balance)) != TLSP_OK ||
        (st = param_bool(c, "defer_if_no_mx_address_found", &c->defer_mxaddr)) != TLSP_OK ||
        (st = param_bool(c, "cname_overrides_servername", &c->cname_override)) != TLSP_OK ||
        (st = tlsp_cf_get_bool(c->cf, "ignore_mx_lookup_error", &c->ign_mx_err, c->diag)) !=
            TLSP_OK)
        return st;
    param_name(c, "mx_address_limit", name, sizeof(name));
    if ((st = tlsp_cf_get_int(c->cf, name, &limit, c->diag)) != TLSP_OK)
        return st;
    c->mxaddr_limit = limit;
    if ((st = tlsp_cf_get(c->cf, "dnssec_probe", &c->dnssec_probe, c->diag)) != TLSP_OK)
        return st;
    if (c->smtp_mode) {
        if ((st = tlsp_cf_get(c->cf, "smtp_tls_dane_insecure_mx_policy", &v, c->diag)) != TLSP_OK)
            return st;
        c->insecure_mx_dnssec = strcmp(v, "encrypt") == 0 || strcmp(v, "dane") == 0;
    }
    if ((st = param(c, "dns_reply_filter", &v)) != TLSP_OK)
        return st;
    if (*v)
        add_note(c,
                 "tlspolicy: %s_dns_reply_filter is not applied: the addresses are as "
                 "DNS gave them",
                 c->prefix);
    return TLSP_OK;
}

/* --- public ---------------------------------------------------------- */

static enum tlsp_status
fill_result(struct ctx *c, struct rrlist *list, bool from_mx, const struct why *why)
{
    struct tlsp_dns_result *res = c->res;
    size_t n = list->n;

    if (c->mxaddr_limit > 0 && n > (size_t)c->mxaddr_limit)
        n = (size_t)c->mxaddr_limit; /* smtp_connect_inet() stops there */
    if (n > 0) {
        res->addrs = calloc(n, sizeof(*res->addrs));
        if (res->addrs == NULL)
            return TLSP_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        struct rr *r = &list->v[i];
        struct tlsp_dns_addr *a = &res->addrs[i];
        char text[INET6_ADDRSTRLEN];
        int fam = r->type == ns_t_aaaa ? AF_INET6 : AF_INET;

        inet_ntop(fam, r->addr, text, sizeof(text));
        a->host = tlsp_strdup(c->cname_override ? r->rname : r->qname);
        a->addr = tlsp_strdup(text);
        a->family = fam;
        a->pref = r->pref;
        a->from_mx = from_mx;
        a->dnssec = r->dnssec;
        res->n_addrs = i + 1;
        if (a->host == NULL || a->addr == NULL)
            return TLSP_NOMEM;
    }
    if (n == 0) {
        res->failed = true;
        if (why->status[0] == 0) {
            /* smtp_connect_inet(): no lookup said why */
            res->dsn = tlsp_strdup("4.3.0");
            res->reason = tlsp_strdup("server unavailable or unable to receive mail");
        } else {
            res->dsn = tlsp_strdup(why->status);
            res->reason = tlsp_strdup(why->reason);
        }
        if (res->dsn == NULL || res->reason == NULL)
            return TLSP_NOMEM;
        res->soft = res->dsn[0] == '4';
    }
    return TLSP_OK;
}

enum tlsp_status
tlsp_dns_resolve(struct tlsp_cf *cf, const struct tlsp_policy *pol,
                 const struct tlsp_dns_opts *opts, struct tlsp_dns_result *res,
                 struct tlsp_diag *diag)
{
    struct ctx *c = NULL;
    struct rrlist list = {0};
    struct why why;
    enum tlsp_status st;
    bool lookup_mx;
    const char *host;

    if (res != NULL)
        memset(res, 0, sizeof(*res));
    if (cf == NULL || pol == NULL || res == NULL || pol->nexthop == NULL || pol->dest == NULL) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "tlsp_dns_resolve: missing argument");
        return TLSP_INVAL;
    }
    if ((c = calloc(1, sizeof(*c))) == NULL || (c->buf = malloc(ANSWER_MAX)) == NULL) {
        free(c);
        return TLSP_NOMEM;
    }
    c->cf = cf;
    c->diag = diag;
    c->res = res;
    c->prefix = (pol->prefix != NULL && strcmp(pol->prefix, "lmtp") == 0) ? "lmtp" : "smtp";
    c->smtp_mode = strcmp(c->prefix, "smtp") == 0;
    c->loop_detect = c->smtp_mode && pol->port == 25;
    c->seeded = opts != NULL && opts->seeded;
    c->rng = rng_seed(c->seeded, opts != NULL ? opts->seed : 0);
    why_reset(&why);

    if ((st = load_config(c)) != TLSP_OK)
        goto out;
    if ((st = resolver_init(c, opts)) != TLSP_OK)
        goto out;

    host = pol->nexthop;
    if (c->families[0] == 0) {
        /* smtp_connect_inet() */
        why_status(&why, "4.4.4");
        why_text(&why, "all network protocols are disabled");
    } else {
        lookup_mx = c->smtp_mode && pol->mx_lookup && c->support != 0;
        if (lookup_mx)
            domain_addr(c, &list, host, &why);
        else
            host_addr(c, &list, host, &why);
        if (c->err != TLSP_OK) {
            st = c->err;
            goto out;
        }
        /*
         * smtp_connect_inet(): a hard failure of the relayhost is deferred
         * as a configuration problem.
         */
        if (list.n == 0 && HAS_HARD(&why) && c->smtp_mode) {
            const char *relayhost = NULL;
            if ((st = tlsp_cf_get(cf, "relayhost", &relayhost, diag)) != TLSP_OK)
                goto out;
            if (relayhost != NULL && *relayhost && strcmp(relayhost, pol->dest) == 0) {
                add_note(c, "warning: relayhost configuration problem");
                why_status(&why, "4.3.5");
            }
        }
    }
    st = fill_result(c, &list, res->mx_found, &why);
    if (st == TLSP_OK && c->err != TLSP_OK)
        st = c->err;

out:
    rrlist_fini(&list);
    free(c->self);
    if (c->rs_init)
        res_nclose(&c->rs);
    free(c->buf);
    free(c);
    return st;
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
    char addr[INET6_ADDRSTRLEN + 1];
    const char *at;
    unsigned long port = 53;
    size_t alen;

    if (text == NULL || ss == NULL || len == NULL) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "resolver: missing argument");
        return TLSP_INVAL;
    }
    memset(ss, 0, sizeof(*ss));
    at = strchr(text, '@');
    alen = at ? (size_t)(at - text) : strlen(text);
    if (alen == 0 || alen >= sizeof(addr)) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                            "resolver \"%s\": expected ADDR or ADDR@PORT with a numeric address",
                            text);
        return TLSP_INVAL;
    }
    memcpy(addr, text, alen);
    addr[alen] = 0;
    if (at != NULL) {
        const char *p = at + 1;
        port = 0;
        if (*p == 0) {
            (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "resolver \"%s\": empty port", text);
            return TLSP_INVAL;
        }
        for (; *p; p++) {
            if (*p < '0' || *p > '9' || port > 65535) {
                (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                                    "resolver \"%s\": bad port \"%s\" (expected 1-65535)", text,
                                    at + 1);
                return TLSP_INVAL;
            }
            port = port * 10 + (unsigned long)(*p - '0');
        }
        if (port == 0 || port > 65535) {
            (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                                "resolver \"%s\": bad port \"%s\" (expected 1-65535)", text,
                                at + 1);
            return TLSP_INVAL;
        }
    }
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *sa6 = (struct sockaddr_in6 *)ss;
        if (inet_pton(AF_INET6, addr, &sa6->sin6_addr) != 1)
            goto bad_addr;
        sa6->sin6_family = AF_INET6;
        sa6->sin6_port = htons((uint16_t)port);
        *len = sizeof(*sa6);
    } else {
        struct sockaddr_in *sa4 = (struct sockaddr_in *)ss;
        if (inet_pton(AF_INET, addr, &sa4->sin_addr) != 1)
            goto bad_addr;
        sa4->sin_family = AF_INET;
        sa4->sin_port = htons((uint16_t)port);
        *len = sizeof(*sa4);
    }
    return TLSP_OK;

bad_addr:
    (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                        "resolver \"%s\": \"%s\" is not a numeric IPv4 or IPv6 address", text,
                        addr);
    return TLSP_INVAL;
}

void
tlsp_dns_order_addrs(struct tlsp_dns_addr *addrs, size_t n, const struct tlsp_dns_order *ord)
{
    uint64_t rng;

    if (addrs == NULL || ord == NULL || n < 2)
        return;
    rng = rng_seed(ord->seeded, ord->seed);
    if (ord->randomize)
        for (size_t i = 0; i < n - 1; i++) {
            size_t r = i + (size_t)(rng_next(&rng) % (n - i));
            struct tlsp_dns_addr t = addrs[i];
            addrs[i] = addrs[r];
            addrs[r] = t;
        }
    for (size_t i = 1; i < n; i++) {
        struct tlsp_dns_addr t = addrs[i];
        size_t j = i;
        while (j > 0) {
            const struct tlsp_dns_addr *a = &addrs[j - 1];
            int cmp;
            if (a->pref != t.pref)
                cmp = a->pref < t.pref ? -1 : 1;
            else if (ord->prefer == TLSP_DNS_PREFER_ANY || a->family == t.family)
                cmp = 0;
            else if (ord->prefer == TLSP_DNS_PREFER_IPV6)
                cmp = a->family == AF_INET6 ? -1 : 1;
            else
                cmp = a->family == AF_INET6 ? 1 : -1;
            if (cmp <= 0)
                break;
            addrs[j] = addrs[j - 1];
            j--;
        }
        addrs[j] = t;
    }
}

enum tlsp_status
tlsp_dns_parse_host_lookup(const char *param_name, const char *value, unsigned *mask,
                           struct tlsp_diag *diag)
{
    char *copy, *p, *w;
    unsigned m = 0;

    if (param_name == NULL || value == NULL || mask == NULL)
        return TLSP_INVAL;
    if ((copy = tlsp_strdup(value)) == NULL)
        return TLSP_NOMEM;
    p = copy;
    while ((w = next_word(&p)) != NULL) {
        if (strcasecmp(w, "dns") == 0)
            m |= TLSP_DNS_LOOKUP_DNS;
        else if (strcasecmp(w, "native") == 0)
            m |= TLSP_DNS_LOOKUP_NATIVE;
        else {
            (void)tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0, "unknown %s value \"%s\" in \"%s\"",
                                param_name, w, value);
            free(copy);
            return TLSP_CONFIG;
        }
    }
    free(copy);
    if (m == 0) {
        (void)tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0,
                            "%s: no host lookup method (expected dns, native or both)", param_name);
        return TLSP_CONFIG;
    }
    *mask = m;
    return TLSP_OK;
}
