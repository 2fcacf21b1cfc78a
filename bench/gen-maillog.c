/*
 * gen-maillog.c - a large, realistic Postfix mail log for the benchmarks
 *
 * Usage: tlsp-gen-maillog [-s MEGABYTES] [-r SEED] [OUTPUT]   (default 1024, standard output)
 *
 * Writes traditional syslog lines ("Dec 25 00:00:01 mail postfix/smtpd[123]: ...")
 * of a busy mail server over about two weeks across a new year: mostly
 * lines that are not about outgoing TLS (smtpd connections, cleanup,
 * qmgr, local and virtual delivery, sshd, cron, the kernel, systemd,
 * dovecot), outgoing deliveries with "Verified", "Trusted" and "Anonymous"
 * TLS connections, and TLS failures of a few hundred of the 5000
 * destinations in all three dialects of Postfix: <= 3.5 (subjectAltName
 * and CommonName lines, "Trusted" then "Server certificate not verified"),
 * 3.6 - 3.10.3 ("num=62:hostname mismatch", "Untrusted"), >= 3.10.4
 * ("num=62", "Trusted"); untrusted issuers, self-signed first MX hosts with
 * a "QUEUEID: REASON" line before the next MX host, STARTTLS not offered
 * or refused, handshake failures. Up to 64 deliveries are under way at
 * once, so the lines of many smtp processes interleave. The same seed
 * gives the same file.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_DEST 5000
#define N_FAILING 400 /* destinations 0 .. N_FAILING-1 fail TLS, each its own way */
#define N_ACTIVE 64
#define MAX_STEPS 12
#define LINE_MAX_LEN 1024
#define OUT_BUF (1 << 20)

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static unsigned
below(unsigned n)
{
    return (unsigned)(rnd() % n);
}

/* ---- output -------------------------------------------------------------- */

static FILE *out;
static char obuf[OUT_BUF];
static size_t olen;
static unsigned long long written, target;
static long long now_t;                          /* the log's clock, seconds */
static unsigned long long per_line_us, clock_us; /* time step per line */
static char stamp[32];
static long long stamp_t = -1;

static void
flush_out(void)
{
    if (olen && fwrite(obuf, 1, olen, out) != olen) {
        perror("tlsp-gen-maillog: write");
        exit(1);
    }
    olen = 0;
}

/* one line: "STAMP mail IDENT: TEXT\n" (IDENT with its [pid] already) */
static void emit(const char *ident, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
emit(const char *ident, const char *fmt, ...)
{
    va_list ap;
    int n;

    clock_us += per_line_us / 2 + below((unsigned)per_line_us + 1);
    now_t += (long long)(clock_us / 1000000);
    clock_us %= 1000000;
    if (now_t != stamp_t) {
        time_t t = (time_t)now_t;
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(stamp, sizeof(stamp), "%b %e %H:%M:%S", &tm);
        stamp_t = now_t;
    }
    if (OUT_BUF - olen < LINE_MAX_LEN * 2)
        flush_out();
    n = snprintf(obuf + olen, LINE_MAX_LEN, "%s mail %s: ", stamp, ident);
    olen += (size_t)n;
    written += (unsigned long long)n;
    va_start(ap, fmt);
    n = vsnprintf(obuf + olen, LINE_MAX_LEN, fmt, ap);
    va_end(ap);
    if (n >= LINE_MAX_LEN)
        n = LINE_MAX_LEN - 1;
    olen += (size_t)n;
    obuf[olen++] = '\n';
    written += (unsigned long long)n + 1;
}

/* ---- the world ----------------------------------------------------------- */

static const char *const tlds[] = {"com", "net", "org", "de", "fr", "io", "co.uk", "nl"};
static const char *const words[] = {"acme",   "globex",    "initech", "umbrella",
                                    "hooli",  "vandelay",  "stark",   "wayne",
                                    "tyrell", "cyberdyne", "soylent", "wonka"};
static const char *const users[] = {"alice", "bob",  "carol", "dave",    "erin",  "frank", "grace",
                                    "heidi", "ivan", "judy",  "mallory", "oscar", "peggy", "trent"};
static const char *const ciphers[] = {
    "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
    "server-signature RSA-PSS (2048 bits) server-digest SHA256",
    "TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)",
    "TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 "
    "server-signature ECDSA (P-256) server-digest SHA256"};

static void
dest_name(unsigned d, char *buf, size_t len)
{
    snprintf(buf, len, "%s%u.%s", words[d % 12], d, tlds[(d / 12) % 8]);
}

static void
dest_ip(unsigned d, unsigned mx, char *buf, size_t len)
{
    snprintf(buf, len, "%u.%u.%u.%u", 20 + d % 200, (d / 200) % 250 + 1, mx * 16 + d % 13,
             1 + d % 250);
}

/* ---- processes ----------------------------------------------------------- */

struct proc {
    char ident[48];
    unsigned uses;
};

#define N_SMTP 48
#define N_SMTPD 16
static struct proc smtp_p[N_SMTP], smtpd_p[N_SMTPD], local_p[4], virtual_p[2], cleanup_p[4];
static unsigned next_pid = 1000;

static void
renew(struct proc *p, const char *name)
{
    next_pid = next_pid >= 4000000 ? 1000 : next_pid + 1 + below(7);
    snprintf(p->ident, sizeof(p->ident), "%s[%u]", name, next_pid);
    p->uses = 0;
}

static const char *
use(struct proc *pool, unsigned n, const char *name)
{
    struct proc *p = &pool[below(n)];

    if (p->ident[0] == 0 || ++p->uses > 100)
        renew(p, name);
    return p->ident;
}

/* ---- deliveries ---------------------------------------------------------- */

enum kind {
    K_INBOUND,
    K_LOCAL,
    K_VIRTUAL,
    K_SENT_TLS,
    K_SENT_PLAIN,
    K_DEFER_CONNECT,
    K_OTHER, /* a line of another daemon */
    K_TLS_FAIL,
};

enum fail {
    F_MISMATCH_35,   /* <= 3.5 */
    F_MISMATCH_36,   /* 3.6 - 3.10.3 */
    F_MISMATCH_3104, /* >= 3.10.4 */
    F_UNTRUSTED,
    F_NOT_OFFERED,
    F_HANDSHAKE,
    F_NEXT_MX, /* self-signed first MX, then the second */
    F_REFUSED,
    F_N
};

struct job {
    enum kind kind;
    enum fail fail;
    unsigned step;
    unsigned dest;
    char qid[16];
    char ident[48]; /* the process the job runs in */
};

static struct job active[N_ACTIVE];
static unsigned long long qcounter = 0x3A7251C00ULL;

static void
new_qid(char *buf)
{
    qcounter += 1 + below(97);
    snprintf(buf, 16, "%llX", qcounter & 0xFFFFFFFFFFFULL);
}

static void
new_job(struct job *j)
{
    unsigned w = below(100);

    memset(j, 0, sizeof(*j));
    new_qid(j->qid);
    j->dest = below(N_DEST);
    if (w < 26) {
        j->kind = K_INBOUND;
        snprintf(j->ident, sizeof(j->ident), "%s", use(smtpd_p, N_SMTPD, "postfix/smtpd"));
    } else if (w < 36) {
        j->kind = K_LOCAL;
        snprintf(j->ident, sizeof(j->ident), "%s", use(local_p, 4, "postfix/local"));
    } else if (w < 40) {
        j->kind = K_VIRTUAL;
        snprintf(j->ident, sizeof(j->ident), "%s", use(virtual_p, 2, "postfix/virtual"));
    } else if (w < 56) {
        j->kind = j->dest < N_FAILING ? K_TLS_FAIL : K_SENT_TLS;
        if (w < 44)
            j->kind = K_SENT_PLAIN;
        else if (w < 45)
            j->kind = K_DEFER_CONNECT;
        j->fail = (enum fail)(j->dest % F_N);
        snprintf(j->ident, sizeof(j->ident), "%s", use(smtp_p, N_SMTP, "postfix/smtp"));
    } else {
        j->kind = K_OTHER;
    }
}

static void
other_line(void)
{
    char ident[48];
    unsigned w = below(100);

    if (w < 30) {
        snprintf(ident, sizeof(ident), "sshd[%u]", 20000 + below(30000));
        switch (below(3)) {
        case 0:
            emit(ident,
                 "Accepted publickey for %s from 198.51.100.%u port %u ssh2: ED25519 "
                 "SHA256:3kqf0mKfJ0x9yTnUq2m8Wl0y5cYp1rZ7k3mB8f2QwXc",
                 users[below(14)], below(250), 40000 + below(20000));
            break;
        case 1:
            emit(ident, "Invalid user %s from 203.0.113.%u port %u", users[below(14)], below(250),
                 40000 + below(20000));
            break;
        default:
            emit(ident,
                 "Connection closed by authenticating user root 192.0.2.%u port %u "
                 "[preauth]",
                 below(250), 40000 + below(20000));
        }
    } else if (w < 45) {
        snprintf(ident, sizeof(ident), "CRON[%u]", 30000 + below(30000));
        emit(ident, "(root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)");
    } else if (w < 60) {
        emit("kernel",
             "[%u.%06u] [UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:"
             "08:00 SRC=203.0.113.%u DST=192.0.2.10 LEN=44 TOS=0x00 PREC=0x00 TTL=243 "
             "ID=54321 PROTO=TCP SPT=%u DPT=%u WINDOW=1024 RES=0x00 SYN URGP=0",
             below(9000000), below(1000000), below(250), 1024 + below(60000), below(10000));
    } else if (w < 72) {
        emit("systemd[1]", "Started session-%u.scope - Session %u of User %s.", below(90000),
             below(90000), users[below(14)]);
    } else if (w < 90) {
        emit("dovecot",
             "imap-login: Login: user=<%s@example.org>, method=PLAIN, "
             "rip=198.51.100.%u, lip=192.0.2.10, mpid=%u, TLS, session=<x%08X>",
             users[below(14)], below(250), 10000 + below(50000), (unsigned)rnd());
    } else if (w < 95) {
        snprintf(ident, sizeof(ident), "postfix/anvil[%u]", 900 + below(50));
        emit(ident, "statistics: max connection rate 3/60s for (smtp:198.51.100.%u) at %s",
             below(250), stamp);
    } else {
        snprintf(ident, sizeof(ident), "postfix/scache[%u]", 900 + below(50));
        emit(ident, "statistics: domain lookup hits=%u miss=%u success=%u%%", below(100),
             below(100), below(100));
    }
}

/* one line of a job; returns 0 when the job is done */
static int
step(struct job *j)
{
    char dest[64], ip[24], ip2[24], mx[80], mx2[80];
    const char *user = users[j->dest % 14];
    unsigned s = j->step++;

    dest_name(j->dest, dest, sizeof(dest));
    dest_ip(j->dest, 1, ip, sizeof(ip));
    dest_ip(j->dest, 2, ip2, sizeof(ip2));
    snprintf(mx, sizeof(mx), "mx1.%s", dest);
    snprintf(mx2, sizeof(mx2), "mx2.%s", dest);

    switch (j->kind) {
    case K_OTHER:
        other_line();
        return 0;
    case K_INBOUND:
        switch (s) {
        case 0:
            emit(j->ident, "connect from %s[%s]", mx, ip);
            return 1;
        case 1:
            emit(j->ident, "%s: client=%s[%s]", j->qid, mx, ip);
            return 1;
        case 2:
            emit(use(cleanup_p, 4, "postfix/cleanup"), "%s: message-id=<%llx.%u@%s>", j->qid,
                 (unsigned long long)rnd(), below(100000), dest);
            return 1;
        case 3:
            emit("postfix/qmgr[812]", "%s: from=<%s@%s>, size=%u, nrcpt=1 (queue active)", j->qid,
                 user, dest, 1000 + below(200000));
            return 1;
        default:
            emit(j->ident,
                 "disconnect from %s[%s] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 "
                 "quit=1 commands=7",
                 mx, ip);
            return 0;
        }
    case K_LOCAL:
    case K_VIRTUAL:
        if (s == 0) {
            if (j->kind == K_LOCAL)
                emit(j->ident,
                     "%s: to=<%s@mail.example.org>, relay=local, delay=0.%u, "
                     "delays=0.0%u/0/0/0.01, dsn=2.0.0, status=sent (delivered to "
                     "mailbox)",
                     j->qid, user, below(99), below(9));
            else
                emit(j->ident,
                     "%s: to=<%s@example.org>, relay=virtual, delay=0.%u, "
                     "delays=0.0%u/0/0/0.01, dsn=2.0.0, status=sent (delivered to "
                     "maildir)",
                     j->qid, user, below(99), below(9));
            return 1;
        }
        emit("postfix/qmgr[812]", "%s: removed", j->qid);
        return 0;
    case K_SENT_PLAIN:
        if (s == 0) {
            emit(j->ident,
                 "%s: to=<%s@%s>, relay=%s[%s]:25, delay=%u.%u, delays=0.01/0/0.%u/0.2, "
                 "dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as %llX)",
                 j->qid, user, dest, mx, ip, below(3), below(10), below(10),
                 (unsigned long long)(rnd() & 0xFFFFFFFFFFULL));
            return 1;
        }
        emit("postfix/qmgr[812]", "%s: removed", j->qid);
        return 0;
    case K_DEFER_CONNECT:
        if (s == 0) {
            emit(j->ident, "connect to %s[%s]:25: Connection timed out", mx, ip);
            return 1;
        }
        emit(j->ident,
             "%s: to=<%s@%s>, relay=none, delay=30, delays=0.01/0/30/0, dsn=4.4.1, "
             "status=deferred (connect to %s[%s]:25: Connection timed out)",
             j->qid, user, dest, mx, ip);
        return 0;
    case K_SENT_TLS:
        switch (s) {
        case 0: {
            static const char *const trust[] = {"Verified", "Trusted", "Anonymous", "Untrusted"};

            emit(j->ident, "%s TLS connection established to %s[%s]:25: %s", trust[j->dest % 4], mx,
                 ip, ciphers[j->dest % 3]);
            return 1;
        }
        case 1:
            emit(j->ident,
                 "%s: to=<%s@%s>, relay=%s[%s]:25, delay=%u.%u, "
                 "delays=0.02/0/0.%u/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
                 "queued as %llX)",
                 j->qid, user, dest, mx, ip, below(3), below(10), below(10),
                 (unsigned long long)(rnd() & 0xFFFFFFFFFFULL));
            return 1;
        default:
            emit("postfix/qmgr[812]", "%s: removed", j->qid);
            return 0;
        }
    case K_TLS_FAIL:
        break;
    }
    /* TLS failures */
    switch (j->fail) {
    case F_MISMATCH_35:
        switch (s) {
        case 0:
            emit(j->ident, "%s[%s]:25: subjectAltName: *.hosting%u.example", mx, ip, j->dest);
            return 1;
        case 1:
            emit(j->ident, "%s[%s]:25: subjectAltName: hosting%u.example", mx, ip, j->dest);
            return 1;
        case 2:
            emit(j->ident, "%s[%s]:25 CommonName *.hosting%u.example", mx, ip, j->dest);
            return 1;
        case 3:
            emit(j->ident, "Trusted TLS connection established to %s[%s]:25: %s", mx, ip,
                 ciphers[1]);
            return 1;
        default:
            break;
        }
        goto deferred_not_verified;
    case F_MISMATCH_36:
    case F_MISMATCH_3104:
        switch (s) {
        case 0:
            emit(j->ident,
                 "server certificate verification failed for %s[%s]:25: "
                 "num=62:hostname mismatch",
                 mx, ip);
            return 1;
        case 1:
            emit(j->ident, "%s TLS connection established to %s[%s]:25: %s",
                 j->fail == F_MISMATCH_36 ? "Untrusted" : "Trusted", mx, ip, ciphers[0]);
            return 1;
        default:
            break;
        }
        goto deferred_not_verified;
    case F_UNTRUSTED:
        switch (s) {
        case 0:
            emit(j->ident,
                 "certificate verification failed for %s[%s]:25: untrusted issuer "
                 "/O=%s/CN=%s Private CA %u",
                 mx, ip, words[j->dest % 12], words[j->dest % 12], j->dest % 7);
            return 1;
        case 1:
            emit(j->ident, "Untrusted TLS connection established to %s[%s]:25: %s", mx, ip,
                 ciphers[0]);
            return 1;
        default:
            break;
        }
        goto deferred_not_verified;
    case F_NOT_OFFERED:
        emit(j->ident,
             "%s: to=<%s@%s>, relay=%s[%s]:25, delay=0.3, delays=0.01/0/0.2/0, "
             "dsn=4.7.4, status=deferred (TLS is required, but was not offered by host "
             "%s[%s])",
             j->qid, user, dest, mx, ip, mx, ip);
        return 0;
    case F_REFUSED:
        emit(j->ident,
             "%s: to=<%s@%s>, relay=%s[%s]:25, delay=0.3, delays=0.01/0/0.2/0, "
             "dsn=5.7.1, status=bounced (TLS is required, but host %s[%s] refused to "
             "start TLS: 554 5.7.1 STARTTLS not available to you)",
             j->qid, user, dest, mx, ip, mx, ip);
        return 0;
    case F_HANDSHAKE:
        switch (s) {
        case 0:
            emit(j->ident, "SSL_connect error to %s[%s]:25: -1", mx, ip);
            return 1;
        case 1:
            emit(j->ident, "warning: TLS library problem: error:0A000410:SSL routines::sslv3 "
                           "alert handshake failure:../ssl/record/rec_layer_s3.c:1601:SSL alert "
                           "number 40:");
            return 1;
        default:
            emit(j->ident,
                 "%s: to=<%s@%s>, relay=%s[%s]:25, delay=0.2, delays=0.01/0/0.1/0, "
                 "dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)",
                 j->qid, user, dest, mx, ip);
            return 0;
        }
    case F_NEXT_MX:
        switch (s) {
        case 0:
            emit(j->ident,
                 "certificate verification failed for %s[%s]:25: self-signed "
                 "certificate",
                 mx, ip);
            return 1;
        case 1:
            emit(j->ident, "Untrusted TLS connection established to %s[%s]:25: %s", mx, ip,
                 ciphers[0]);
            return 1;
        case 2:
            emit(j->ident, "%s: Server certificate not verified", j->qid);
            return 1;
        case 3:
            emit(j->ident, "Verified TLS connection established to %s[%s]:25: %s", mx2, ip2,
                 ciphers[0]);
            return 1;
        default:
            emit(j->ident,
                 "%s: to=<%s@%s>, relay=%s[%s]:25, delay=1.2, "
                 "delays=0.01/0.01/0.8/0.4, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
                 "queued as %llX)",
                 j->qid, user, dest, mx2, ip2, (unsigned long long)(rnd() & 0xFFFFFFFFFFULL));
            return 0;
        }
    case F_N:
        return 0;
    }
deferred_not_verified:
    emit(j->ident,
         "%s: to=<%s@%s>, relay=%s[%s]:25, delay=0.4, delays=0.02/0/0.3/0, dsn=4.7.5, "
         "status=deferred (Server certificate not verified)",
         j->qid, user, dest, mx, ip);
    return 0;
}

int
main(int argc, char **argv)
{
    unsigned long long mb = 1024;
    const char *path = NULL;
    int i;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-s") == 0 && i + 1 < argc)
            mb = strtoull(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            rng = strtoull(argv[++i], NULL, 10) * 0x9e3779b97f4a7c15ULL + 1;
        else if (argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "usage: tlsp-gen-maillog [-s MEGABYTES] [-r SEED] [OUTPUT]\n");
            return 2;
        } else
            path = argv[i];
    }
    if (mb == 0) {
        fprintf(stderr, "tlsp-gen-maillog: size must be at least 1 MB\n");
        return 2;
    }
    out = path ? fopen(path, "w") : stdout;
    if (out == NULL) {
        perror(path);
        return 1;
    }
    target = mb << 20;
    /* about two weeks from December 25, 00:00 UTC (no year in the lines), at
     * about 130 bytes a line */
    now_t = 1798156800LL; /* 2026-12-25T00:00:00Z */
    per_line_us = (unsigned long long)(14ULL * 86400 * 1000000 / (target / 130 + 1));
    if (per_line_us < 1)
        per_line_us = 1;
    for (i = 0; i < N_ACTIVE; i++)
        new_job(&active[i]);
    while (written < target) {
        struct job *j = &active[below(N_ACTIVE)];

        if (!step(j))
            new_job(j);
    }
    flush_out();
    if (fclose(out) != 0) {
        perror("tlsp-gen-maillog: close");
        return 1;
    }
    return 0;
}
