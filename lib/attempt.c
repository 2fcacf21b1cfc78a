/*
 * attempt.c - delivery attempts, assembled from Postfix log lines
 *
 * Each line is first classified (struct pline: which TLS or delivery line
 * it is, with pointers to its fields in a NUL-terminated scratch copy of
 * the message), then applied to the state of its process (ident + pid):
 * TLS lines go into the evidence being gathered ("cur"), a delivery line
 * turns that evidence into an attempt. Processes live in a chained hash
 * table with an LRU list (the silent-longest is dropped at
 * TLSP_ATTEMPT_MAX_PROCS); tlsproxy(8) handshakes live in a second,
 * smaller table keyed by HOST[ADDR]:PORT. strmap.h has no removal, which
 * the bounds need, hence the small intrusive table here.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/attempt.h>

#include "util/str.h"

#define MAX_MSG ((size_t)64 << 10) /* longest message looked at (cut beyond) */
#define MAX_IDENT 256              /* longest syslog name kept as a key */
#define MAX_PENDING 16             /* "QUEUEID: REASON" attempts held per process */
#define PROC_BUCKETS 8192
#define TPX_MAX 1024 /* tlsproxy(8) handshakes kept */
#define TPX_BUCKETS 2048

/* ------------------------------------------------------------------ */
/* Classified lines                                                    */

enum lkind {
    LK_NONE,
    LK_DELIVERY,      /* QUEUEID: to=<...>, ... status=... */
    LK_NEXT,          /* QUEUEID: REASON */
    LK_ENGINE_INIT,   /* initializing the client-side TLS engine */
    LK_ENGINE_ERROR,  /* cannot load CA data / Digest algorithm / disabling TLS */
    LK_SETUP,         /* setting up TLS connection to NAMADDR */
    LK_CACHE,         /* looking for / save / reloaded / remove session KEY */
    LK_DEPTH,         /* NAMADDR: depth=N verify=V subject=DN */
    LK_VERIFY_FAIL,   /* [PURPOSE ]certificate verification failed for NAMADDR: TEXT */
    LK_SAN,           /* NAMADDR: [Matched ]subjectAltName: NAME */
    LK_CN,            /* NAMADDR [Matched ]CommonName NAME */
    LK_PEERCERT,      /* NAMADDR: subject_CN=..., issuer_CN=..., ... */
    LK_PEERNAME,      /* NAMADDR: matched peername: NAME */
    LK_MATCHED_OTHER, /* NAMADDR: Matched trust anchor / DANE / fingerprint */
    LK_SUMMARY,       /* WORD TLS connection established|reused to NAMADDR: ... */
    LK_RESUMED,       /* Reusing old session / re-using session with untrusted ... */
    LK_SSL_ERROR,     /* SSL_connect error to NAMADDR: TEXT */
    LK_WARNING,       /* TLS-related warning: / error: */
    LK_STARTTLS_NOTE, /* Host offered STARTTLS: [HOST] */
    LK_VERBOSE,       /* other loglevel-2 lines (cipher list, SNI, SSL_connect:) */
};

struct field {
    const char *p; /* NULL: absent */
    size_t len;
};

struct pline {
    enum lkind kind;
    int level;            /* loglevel the line needs */
    struct field namaddr; /* HOST[ADDR]:PORT the line names */
    struct field a, b, c, d;
    int n1, n2;
    bool flag;
    enum tlsp_word word;
    /* delivery lines */
    struct field qid, rcpt, relay, dsn, status, reason;
};

/* ------------------------------------------------------------------ */
/* Processes and tlsproxy handshakes                                   */

struct proc {
    struct proc *hnext;         /* bucket chain */
    struct proc *older, *newer; /* LRU list */
    uint64_t hash;
    char *ident;
    size_t ident_len;
    long pid;
    struct tlsp_attempt cur; /* evidence of the attempt in progress */
    bool has_ev;
    long long ev_last;         /* time of the evidence's last line (-1 unknown) */
    bool engine_init;          /* process-wide: loglevel >= 2 */
    char *engine_error;        /* process-wide */
    struct tlsp_attempt *held; /* last delivery line(s), more recipients may follow */
    struct tlsp_attempt *pending[MAX_PENDING]; /* END_NEXT attempts awaiting their final line */
    size_t n_pending;
};

struct tpx {
    struct tpx *hnext;
    struct tpx *older, *newer;
    uint64_t hash;
    char *namaddr;
    struct tlsp_attempt ev;
    bool complete; /* its summary line was seen: the next line starts a new handshake */
};

struct tlsp_attempts {
    tlsp_attempt_fn emit;
    void *arg;
    struct proc *pbucket[PROC_BUCKETS];
    struct proc *oldest, *newest;
    size_t n_procs;
    struct tpx *tbucket[TPX_BUCKETS];
    struct tpx *t_oldest, *t_newest;
    size_t n_tpx;
    char *scratch;
    size_t scratch_cap;
    struct tlsp_attempts_stats st;
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static uint64_t
hash_bytes(uint64_t h, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static char *
fdup(const char *s, size_t n)
{
    if (n > TLSP_ATTEMPT_MAX_FIELD)
        n = TLSP_ATTEMPT_MAX_FIELD;
    return tlsp_strndup(s, n);
}

static enum tlsp_status
fset(char **dst, struct field f)
{
    char *s = fdup(f.p, f.len);

    if (s == NULL)
        return TLSP_NOMEM;
    free(*dst);
    *dst = s;
    return TLSP_OK;
}

static enum tlsp_status
sset(char **dst, const char *s)
{
    struct field f = {s, strlen(s)};

    return fset(dst, f);
}

static inline bool
starts(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++)
            return false;
    return true;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Length of "HOST[ADDR]:PORT" at the start of s, 0 when s does not start
 * with one. */
static size_t
namaddr_len(const char *s)
{
    const char *p = s;

    while (*p && *p != '[' && *p != ' ' && *p != ']' && *p != ':')
        p++;
    if (*p != '[' || p == s)
        return 0;
    p++;
    while (*p && *p != ']' && *p != ' ' && *p != '[')
        p++;
    if (*p != ']' || p[1] != ':' || !is_digit(p[2]))
        return 0;
    p += 2;
    while (is_digit(*p))
        p++;
    return (size_t)(p - s);
}

/* A queue id in "QUEUEID: REASON": short ids are upper-case hex, long ids
 * use an alphabet without vowels ("warning", "error" never qualify). */
static size_t
queue_id_len(const char *s)
{
    const char *p = s;
    bool hex = true, novowel = true;

    for (; (*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'); p++) {
        if (!is_digit(*p) && !(*p >= 'A' && *p <= 'F'))
            hex = false;
        if (strchr("aeiouAEIOU", *p))
            novowel = false;
    }
    if (p - s < 5 || p - s > 40 || (!hex && !novowel))
        return 0;
    return (size_t)(p - s);
}

static struct field
fld(const char *p, size_t len)
{
    struct field f = {p, len};

    return f;
}

static struct field
fld_to_end(const char *p)
{
    return fld(p, strlen(p));
}

/* ------------------------------------------------------------------ */
/* Classification                                                      */

/* Messages of "QUEUEID: ..." form that are not soft failures. */
static const char *const not_next[] = {
    "from=",
    "to=",
    "orig_to=",
    "client=",
    "message-id=",
    "uid=",
    "removed",
    "enabling PIX workarounds",
    "breaking line",
    "sender non-delivery notification",
    "sender delivery status notification",
    "sender delay notification",
    "warning:",
    "error:",
};

/* Programs whose lines never hold a delivery attempt of interest. */
#define PROG(s)                                                                                    \
    {                                                                                              \
        s, sizeof(s) - 1                                                                           \
    }
static const struct {
    const char *name;
    size_t len;
} ignored_programs[] = {
    PROG("qmgr"),           PROG("oqmgr"),           PROG("cleanup"),   PROG("pickup"),
    PROG("smtpd"),          PROG("postscreen"),      PROG("tlsmgr"),    PROG("master"),
    PROG("anvil"),          PROG("scache"),          PROG("bounce"),    PROG("defer"),
    PROG("trace"),          PROG("postqueue"),       PROG("postsuper"), PROG("postdrop"),
    PROG("sendmail"),       PROG("trivial-rewrite"), PROG("proxymap"),  PROG("proxywrite"),
    PROG("showq"),          PROG("dnsblog"),         PROG("verify"),    PROG("flush"),
    PROG("postfix-script"), PROG("postmap"),         PROG("postlog"),   PROG("postalias"),
    PROG("postcat"),        PROG("postconf"),        PROG("qmqpd"),     PROG("spawn"),
    PROG("local"),          PROG("virtual"),         PROG("pipe"),      PROG("discard"),
};
#undef PROG

static bool
tls_related_warning(const char *m)
{
    static const char *const words[] = {
        "TLS",           "tls_",           "SSL",          "DANE",
        "dane",          "TLSA",           "DNSSEC",       "SNI",
        "cipher",        "protocol list",  "policy",       "certificate",
        "Certification", "fingerprint",    "trust anchor", "Digest",
        "open database", "is unavailable", "lookup error",
    };
    size_t i;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strstr(m, words[i]))
            return true;
    return false;
}

static enum tlsp_word
word_of(const char *s, size_t n)
{
    static const struct {
        const char *w;
        enum tlsp_word word;
    } words[] = {
        {"Anonymous", TLSP_WORD_ANONYMOUS},
        {"Untrusted", TLSP_WORD_UNTRUSTED},
        {"Trusted", TLSP_WORD_TRUSTED},
        {"Verified", TLSP_WORD_VERIFIED},
    };
    size_t i;

    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strlen(words[i].w) == n && memcmp(words[i].w, s, n) == 0)
            return words[i].word;
    return TLSP_WORD_NONE;
}

/* "QUEUEID: to=<RCPT>, [orig_to=<...>, ]relay=R, ..., dsn=X, status=WORD (REASON)" */
static bool
parse_delivery(const char *s, struct pline *pl)
{
    const char *p, *q, *e;

    p = strchr(s, ':');
    if (p == NULL || p == s || p[1] != ' ' || !starts(p + 2, "to=<") ||
        memchr(s, ' ', (size_t)(p - s)))
        return false;
    pl->qid = fld(s, (size_t)(p - s));
    p += 6;
    q = strstr(p, ">, ");
    if (q == NULL)
        return false;
    pl->rcpt = fld(p, (size_t)(q - p));
    p = q + 3;
    if (starts(p, "orig_to=<")) {
        q = strstr(p, ">, ");
        if (q == NULL)
            return false;
        p = q + 3;
    }
    if (!starts(p, "relay="))
        return false;
    p += 6;
    q = strstr(p, ", ");
    if (q == NULL)
        return false;
    pl->relay = fld(p, (size_t)(q - p));
    p = q + 2;
    q = strstr(p, "dsn=");
    if (q == NULL)
        return false;
    p = q + 4;
    q = strstr(p, ", status=");
    if (q == NULL)
        return false;
    pl->dsn = fld(p, (size_t)(q - p));
    p = q + 9;
    q = p;
    while (*q && *q != ' ')
        q++;
    pl->status = fld(p, (size_t)(q - p));
    if (*q == ' ' && q[1] == '(') {
        q += 2;
        e = q + strlen(q);
        if (e > q && e[-1] == ')')
            e--;
        pl->reason = fld(q, (size_t)(e - q));
    } else {
        pl->reason = fld(q, 0);
    }
    pl->kind = LK_DELIVERY;
    return true;
}

static bool
parse_next(const char *s, struct pline *pl)
{
    size_t n = queue_id_len(s), i;
    const char *r;

    if (n == 0 || s[n] != ':' || s[n + 1] != ' ')
        return false;
    r = s + n + 2;
    if (*r == 0)
        return false;
    for (i = 0; i < sizeof(not_next) / sizeof(not_next[0]); i++)
        if (starts(r, not_next[i]))
            return false;
    pl->qid = fld(s, n);
    pl->reason = fld_to_end(r);
    pl->kind = LK_NEXT;
    return true;
}

/* Lines that start with HOST[ADDR]:PORT. */
static void
parse_namaddr_line(const char *s, size_t n, struct pline *pl)
{
    const char *r = s + n, *p, *q;

    pl->namaddr = fld(s, n);
    if (starts(r, " CommonName ") || starts(r, " Matched CommonName ")) {
        pl->flag = starts(r, " Matched ");
        pl->a = fld_to_end(r + (pl->flag ? 20 : 12));
        pl->kind = LK_CN;
        pl->level = 2;
        return;
    }
    if (r[0] != ':' || r[1] != ' ')
        return;
    r += 2;
    if (starts(r, "depth=")) {
        p = r + 6;
        if (!is_digit(*p))
            return;
        pl->n1 = 0;
        while (is_digit(*p) && pl->n1 < 100000)
            pl->n1 = pl->n1 * 10 + (*p++ - '0');
        if (!starts(p, " verify=") || !is_digit(p[8]))
            return;
        pl->n2 = p[8] - '0';
        p += 9;
        pl->a = starts(p, " subject=") ? fld_to_end(p + 9) : fld(p, 0);
        pl->kind = LK_DEPTH;
        pl->level = 2;
    } else if (starts(r, "subjectAltName: ") || starts(r, "Matched subjectAltName: ")) {
        pl->flag = starts(r, "Matched ");
        pl->a = fld_to_end(r + (pl->flag ? 24 : 16));
        pl->kind = LK_SAN;
        pl->level = 2;
    } else if (starts(r, "subject_CN=")) {
        p = r + 11;
        q = strstr(p, ", issuer_CN=");
        pl->kind = LK_PEERCERT;
        pl->level = 2;
        if (q == NULL) {
            pl->a = fld_to_end(p);
            return;
        }
        pl->a = fld(p, (size_t)(q - p));
        p = q + 12;
        q = strstr(p, ", fingerprint=");
        if (q == NULL) {
            pl->b = fld_to_end(p);
            return;
        }
        pl->b = fld(p, (size_t)(q - p));
        p = q + 14;
        q = strstr(p, ", pkey_fingerprint=");
        if (q == NULL) {
            pl->c = fld_to_end(p);
            return;
        }
        pl->c = fld(p, (size_t)(q - p));
        pl->d = fld_to_end(q + 19);
    } else if (starts(r, "matched peername: ")) {
        pl->a = fld_to_end(r + 18);
        pl->kind = LK_PEERNAME;
        pl->level = 2;
    } else if (starts(r, "Matched ")) {
        pl->kind = LK_MATCHED_OTHER;
        pl->level = 2;
    } else if (starts(r, "Reusing old session")) {
        pl->kind = LK_RESUMED;
        pl->level = 2;
    } else if (starts(r, "re-using session with untrusted certificate")) {
        pl->kind = LK_RESUMED;
        pl->level = 0;
    } else if (starts(r, "TLS cipher list ") || starts(r, "SNI hostname: ")) {
        pl->kind = LK_VERBOSE;
        pl->level = 2;
    } else if (strstr(r, "TLSA")) {
        /* "unusable TLSA RR: ...", "all TLSA records unusable" */
        pl->a = fld_to_end(s);
        pl->kind = LK_WARNING;
        pl->level = 0;
    }
}

/* "WORD TLS connection established|reused to NAMADDR: PROTO with cipher CIPHER ..."
 * (word ends at sp) */
static void
parse_summary(const char *s, const char *sp, struct pline *pl)
{
    enum tlsp_word w = word_of(s, (size_t)(sp - s));
    const char *p = sp + 16, *q;
    size_t n;

    if (w == TLSP_WORD_NONE)
        return;
    if (starts(p, "established to "))
        p += 15;
    else if (starts(p, "reused to "))
        pl->flag = true, p += 10;
    else
        return;
    if ((n = namaddr_len(p)) == 0)
        return;
    pl->word = w;
    pl->namaddr = fld(p, n);
    p += n;
    if (starts(p, ": ")) {
        p += 2;
        q = strstr(p, " with cipher ");
        if (q) {
            pl->a = fld(p, (size_t)(q - p));
            p = q + 13;
            pl->b = fld(p, strcspn(p, " "));
        }
    }
    pl->kind = LK_SUMMARY;
    pl->level = 1;
}

/* "[PURPOSE ]certificate verification failed for NAMADDR: TEXT"; p is just
 * after "for ", purpose ends at sp (NULL: none). */
static void
parse_verify_fail(const char *s, const char *sp, const char *p, struct pline *pl)
{
    size_t n = namaddr_len(p);

    if (n == 0 || p[n] != ':' || p[n + 1] != ' ')
        return;
    if (sp)
        pl->b = fld(s, (size_t)(sp - s));
    pl->namaddr = fld(p, n);
    pl->a = fld_to_end(p + n + 2);
    pl->kind = LK_VERIFY_FAIL;
    pl->level = 0;
}

static void
parse_warning(const char *m, struct pline *pl)
{
    size_t n;

    if (starts(m, "Digest algorithm ") || strcmp(m, "disabling TLS support") == 0) {
        pl->a = fld_to_end(m);
        pl->kind = LK_ENGINE_ERROR;
        pl->level = 0;
        return;
    }
    if (!tls_related_warning(m))
        return;
    pl->a = fld_to_end(m);
    n = namaddr_len(m);
    if (n && m[n] == ':')
        pl->namaddr = fld(m, n);
    pl->kind = LK_WARNING;
    pl->level = 0;
}

/* "looking for session KEY in smtp cache", "save session KEY to ...",
 * "reloaded session KEY from ...", "remove session KEY from ..."; p is at KEY. */
static void
parse_cache(const char *p, struct pline *pl)
{
    size_t n = strcspn(p, " ");

    if (n == 0 || p[n] != ' ')
        return;
    pl->a = fld(p, n);
    pl->kind = LK_CACHE;
    pl->level = 2;
}

static void
classify(const char *s, struct pline *pl)
{
    static const char vfail[] = "certificate verification failed for ";
    const char *p, *sp;
    size_t n;

    memset(pl, 0, sizeof(*pl));
    pl->kind = LK_NONE;
    pl->level = -1;

    /* Fixed prefixes, by first byte. */
    switch (s[0]) {
    case 'w':
        if (starts(s, "warning: ")) {
            parse_warning(s + 9, pl);
            return;
        }
        break;
    case 'e':
        if (starts(s, "error: ")) {
            parse_warning(s + 7, pl);
            return;
        }
        break;
    case 'i':
        if (starts(s, "initializing the client-side TLS engine")) {
            pl->kind = LK_ENGINE_INIT;
            pl->level = 2;
            return;
        }
        break;
    case 'c':
        if (starts(s, "cannot load Certification Authority data")) {
            pl->a = fld_to_end(s);
            pl->kind = LK_ENGINE_ERROR;
            pl->level = 0;
            return;
        }
        if (starts(s, vfail)) {
            parse_verify_fail(s, NULL, s + sizeof(vfail) - 1, pl);
            return;
        }
        break;
    case 's':
        if (starts(s, "setting up TLS connection to ")) {
            p = s + 29;
            if ((n = namaddr_len(p)) != 0)
                pl->namaddr = fld(p, n);
            pl->kind = LK_SETUP;
            pl->level = 2;
            return;
        }
        if (starts(s, "save session ")) {
            parse_cache(s + 13, pl);
            return;
        }
        break;
    case 'l':
        if (starts(s, "looking for session ")) {
            parse_cache(s + 20, pl);
            return;
        }
        break;
    case 'r':
        if (starts(s, "reloaded session ")) {
            parse_cache(s + 17, pl);
            return;
        }
        if (starts(s, "remove session ")) {
            parse_cache(s + 15, pl);
            return;
        }
        break;
    case 'S':
        if (starts(s, "SSL_connect error to ")) {
            p = s + 21;
            if ((n = namaddr_len(p)) == 0)
                return;
            pl->namaddr = fld(p, n);
            p += n;
            pl->a = starts(p, ": ") ? fld_to_end(p + 2) : fld_to_end(p);
            pl->kind = LK_SSL_ERROR;
            pl->level = 0;
            return;
        }
        if (starts(s, "SSL_connect:") || starts(s, "SSL3 alert ")) {
            pl->kind = LK_VERBOSE;
            pl->level = 2;
            return;
        }
        break;
    case 'f':
        if (starts(s, "fingerprint: digest as private-use TLSA record")) {
            pl->kind = LK_VERBOSE;
            pl->level = 2;
            return;
        }
        break;
    case 'H':
        if (starts(s, "Host offered STARTTLS: ")) {
            pl->kind = LK_STARTTLS_NOTE;
            pl->level = 0;
            return;
        }
        break;
    default:
        break;
    }

    /* "WORD TLS connection ...", "PURPOSE certificate verification failed ..." */
    if ((sp = strchr(s, ' ')) != NULL) {
        if (starts(sp + 1, "TLS connection ")) {
            parse_summary(s, sp, pl);
            return;
        }
        if (starts(sp + 1, vfail)) {
            parse_verify_fail(s, sp, sp + sizeof(vfail), pl);
            return;
        }
    }
    if ((n = namaddr_len(s)) != 0) {
        parse_namaddr_line(s, n, pl);
        return;
    }
    if (parse_delivery(s, pl))
        return;
    parse_next(s, pl);
}

/* ------------------------------------------------------------------ */
/* Attempts                                                            */

static void
attempt_init(struct tlsp_attempt *a)
{
    memset(a, 0, sizeof(*a));
    a->first_when = -1;
    a->when = -1;
    a->pid = -1;
    a->loglevel_seen = -1;
    a->end = TLSP_END_OTHER;
    a->word = TLSP_WORD_NONE;
    a->dialect = TLSP_DIALECT_UNKNOWN;
}

static void
strarr_free(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void
attempt_fini(struct tlsp_attempt *a)
{
    size_t i;

    free(a->file);
    free(a->ident);
    free(a->queue_id);
    strarr_free(a->rcpts, a->n_rcpts);
    free(a->relay);
    free(a->dsn);
    free(a->status);
    free(a->reason);
    free(a->nexthop);
    free(a->service);
    free(a->server);
    free(a->mx_host);
    free(a->cache_key);
    free(a->protocol);
    free(a->cipher);
    for (i = 0; i < a->n_depths; i++)
        free(a->depths[i].subject);
    free(a->depths);
    free(a->verify_error);
    free(a->verify_purpose);
    strarr_free(a->sans, a->n_sans);
    free(a->matched_san);
    free(a->common_name);
    free(a->subject_cn);
    free(a->issuer_cn);
    free(a->cert_fpt);
    free(a->pkey_fpt);
    free(a->matched_peername);
    free(a->handshake_error);
    strarr_free(a->warnings, a->n_warnings);
    free(a->engine_error);
    attempt_init(a);
}

static void
attempt_free(struct tlsp_attempt *a)
{
    if (a) {
        attempt_fini(a);
        free(a);
    }
}

/* Append a copy of f to the array v (n items), kept at most max. */
static enum tlsp_status
arr_push(char ***v, size_t *n, size_t max, struct field f)
{
    char **nv;
    char *s;

    if (*n >= max)
        return TLSP_OK;
    if ((s = fdup(f.p, f.len)) == NULL)
        return TLSP_NOMEM;
    if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4 ...: grow to the next power of two */
        nv = realloc(*v, (*n ? *n * 2 : 2) * sizeof(*nv));
        if (nv == NULL) {
            free(s);
            return TLSP_NOMEM;
        }
        *v = nv;
    }
    (*v)[(*n)++] = s;
    return TLSP_OK;
}

static enum tlsp_status
depth_push(struct tlsp_attempt *a, int depth, int verify, struct field subj)
{
    struct tlsp_depth_line *nv;
    char *s;

    if (a->n_depths >= TLSP_ATTEMPT_MAX_DEPTHS)
        return TLSP_OK;
    if ((s = fdup(subj.p, subj.len)) == NULL)
        return TLSP_NOMEM;
    if ((a->n_depths & (a->n_depths - 1)) == 0) {
        nv = realloc(a->depths, (a->n_depths ? a->n_depths * 2 : 2) * sizeof(*nv));
        if (nv == NULL) {
            free(s);
            return TLSP_NOMEM;
        }
        a->depths = nv;
    }
    a->depths[a->n_depths].depth = depth;
    a->depths[a->n_depths].verify = verify ? 1 : 0;
    a->depths[a->n_depths].subject = s;
    a->n_depths++;
    return TLSP_OK;
}

/* The next hop a session-cache key names: its DEST field without [] and
 * :port, lower case. */
static enum tlsp_status
key_fields(struct tlsp_attempt *a, const char *key)
{
    const char *amp1 = strchr(key, '&'), *amp2, *d, *e;
    struct field svc, dest;
    enum tlsp_status st;

    if (amp1 == NULL || (amp2 = strchr(amp1 + 1, '&')) == NULL || strstr(amp2, "&&") == NULL)
        return TLSP_OK;
    svc = fld(key, (size_t)(amp1 - key));
    d = amp1 + 1;
    e = amp2;
    if (*d == '[') {
        const char *rb = memchr(d, ']', (size_t)(e - d));

        d++;
        if (rb)
            e = rb;
    } else {
        const char *colon = memchr(d, ':', (size_t)(e - d));

        if (colon)
            e = colon;
    }
    dest = fld(d, (size_t)(e - d));
    if (dest.len == 0)
        return TLSP_OK;
    if ((st = fset(&a->service, svc)) != TLSP_OK || (st = fset(&a->nexthop, dest)) != TLSP_OK)
        return st;
    tlsp_lowercase(a->nexthop);
    a->nexthop_proven = true;
    return TLSP_OK;
}

/* Apply one TLS line to the evidence ev. */
static enum tlsp_status
ev_apply(struct tlsp_attempt *ev, const struct pline *pl)
{
    enum tlsp_status st = TLSP_OK;

    if (pl->level > ev->loglevel_seen)
        ev->loglevel_seen = pl->level;
    if (pl->namaddr.p && (st = fset(&ev->server, pl->namaddr)) != TLSP_OK)
        return st;
    switch (pl->kind) {
    case LK_SETUP:
        ev->tls_setup = true;
        break;
    case LK_CACHE:
        if ((st = fset(&ev->cache_key, pl->a)) == TLSP_OK)
            st = key_fields(ev, ev->cache_key);
        break;
    case LK_DEPTH:
        st = depth_push(ev, pl->n1, pl->n2, pl->a);
        break;
    case LK_VERIFY_FAIL:
        if ((st = fset(&ev->verify_error, pl->a)) != TLSP_OK)
            break;
        free(ev->verify_purpose);
        ev->verify_purpose = NULL;
        if (pl->b.p)
            st = fset(&ev->verify_purpose, pl->b);
        break;
    case LK_SAN:
        st = arr_push(&ev->sans, &ev->n_sans, TLSP_ATTEMPT_MAX_SANS, pl->a);
        if (st == TLSP_OK && pl->flag && ev->matched_san == NULL)
            st = fset(&ev->matched_san, pl->a);
        break;
    case LK_CN:
        st = fset(&ev->common_name, pl->a);
        break;
    case LK_PEERCERT:
        if ((st = fset(&ev->subject_cn, pl->a)) != TLSP_OK)
            break;
        if (pl->b.p && (st = fset(&ev->issuer_cn, pl->b)) != TLSP_OK)
            break;
        if (pl->c.p && (st = fset(&ev->cert_fpt, pl->c)) != TLSP_OK)
            break;
        if (pl->d.p)
            st = fset(&ev->pkey_fpt, pl->d);
        break;
    case LK_PEERNAME:
        st = fset(&ev->matched_peername, pl->a);
        break;
    case LK_MATCHED_OTHER:
        ev->matched_other = true;
        break;
    case LK_SUMMARY:
        ev->word = pl->word;
        ev->reused = pl->flag;
        if (pl->a.p && (st = fset(&ev->protocol, pl->a)) != TLSP_OK)
            break;
        if (pl->b.p)
            st = fset(&ev->cipher, pl->b);
        break;
    case LK_RESUMED:
        ev->resumed = true;
        break;
    case LK_SSL_ERROR:
        st = fset(&ev->handshake_error, pl->a);
        break;
    case LK_WARNING:
        st = arr_push(&ev->warnings, &ev->n_warnings, TLSP_ATTEMPT_MAX_LINES, pl->a);
        break;
    case LK_STARTTLS_NOTE:
        ev->starttls_offered_note = true;
        break;
    default:
        break;
    }
    return st;
}

/* Copy what a tlsproxy(8) handshake logged into ev, where ev has nothing. */
static enum tlsp_status
ev_merge_tpx(struct tlsp_attempt *ev, const struct tlsp_attempt *t)
{
    enum tlsp_status st = TLSP_OK;
    size_t i;

#define COPY_STR(f)                                                                                \
    do {                                                                                           \
        if (ev->f == NULL && t->f && (st = sset(&ev->f, t->f)) != TLSP_OK)                         \
            return st;                                                                             \
    } while (0)

    if (ev->n_depths == 0)
        for (i = 0; i < t->n_depths; i++)
            if ((st = depth_push(ev, t->depths[i].depth, t->depths[i].verify,
                                 fld_to_end(t->depths[i].subject))) != TLSP_OK)
                return st;
    if (ev->n_sans == 0)
        for (i = 0; i < t->n_sans; i++)
            if ((st = arr_push(&ev->sans, &ev->n_sans, TLSP_ATTEMPT_MAX_SANS,
                               fld_to_end(t->sans[i]))) != TLSP_OK)
                return st;
    if (ev->verify_error == NULL) {
        COPY_STR(verify_error);
        COPY_STR(verify_purpose);
    }
    COPY_STR(matched_san);
    COPY_STR(common_name);
    COPY_STR(subject_cn);
    COPY_STR(issuer_cn);
    COPY_STR(cert_fpt);
    COPY_STR(pkey_fpt);
    COPY_STR(matched_peername);
    COPY_STR(handshake_error);
    COPY_STR(cache_key);
    COPY_STR(service);
    if (ev->nexthop == NULL && t->nexthop) {
        COPY_STR(nexthop);
        ev->nexthop_proven = t->nexthop_proven;
    }
#undef COPY_STR
    for (i = 0; i < t->n_warnings; i++)
        if ((st = arr_push(&ev->warnings, &ev->n_warnings, TLSP_ATTEMPT_MAX_LINES,
                           fld_to_end(t->warnings[i]))) != TLSP_OK)
            return st;
    ev->matched_other = ev->matched_other || t->matched_other;
    ev->resumed = ev->resumed || t->resumed;
    ev->tls_setup = ev->tls_setup || t->tls_setup;
    ev->via_tlsproxy = true;
    if (t->loglevel_seen > ev->loglevel_seen)
        ev->loglevel_seen = t->loglevel_seen;
    return TLSP_OK;
}

/* Derived fields, once the attempt is complete. */
static enum tlsp_status
attempt_finalize(struct tlsp_attempt *a)
{
    bool num62 = a->verify_error && starts(a->verify_error, "num=62:");
    const char *reason = a->reason ? a->reason : "";

    if (a->server == NULL && a->relay && strcmp(a->relay, "none") != 0 &&
        namaddr_len(a->relay) == strlen(a->relay) && sset(&a->server, a->relay) != TLSP_OK)
        return TLSP_NOMEM;
    /* "TLS policy lookup for DEST/HOST: REASON" names the next hop and the
     * MX host even when no connection was made (relay=none). */
    for (size_t i = 0; i < a->n_warnings && (a->mx_host == NULL || !a->nexthop_proven); i++) {
        const char *w = a->warnings[i], *slash, *colon, *d, *e;

        if (!starts(w, "TLS policy lookup for "))
            continue;
        d = w + strlen("TLS policy lookup for ");
        if ((colon = strstr(d, ": ")) == NULL ||
            (slash = memchr(d, '/', (size_t)(colon - d))) == NULL || slash == d ||
            slash + 1 == colon)
            continue;
        if (a->mx_host == NULL &&
            (a->mx_host = tlsp_strndup(slash + 1, (size_t)(colon - slash - 1))) == NULL)
            return TLSP_NOMEM;
        if (!a->nexthop_proven) {
            e = slash;
            if (*d == '[') {
                const char *rb = memchr(d, ']', (size_t)(slash - d));

                d++;
                if (rb)
                    e = rb;
            } else {
                const char *c = memchr(d, ':', (size_t)(slash - d));

                if (c)
                    e = c;
            }
            if (e > d) {
                free(a->nexthop);
                if ((a->nexthop = tlsp_strndup(d, (size_t)(e - d))) == NULL)
                    return TLSP_NOMEM;
                tlsp_lowercase(a->nexthop);
                a->nexthop_proven = true;
            }
        }
    }
    if (a->server && a->mx_host == NULL) {
        const char *lb = strchr(a->server, '[');

        if (lb && (a->mx_host = tlsp_strndup(a->server, (size_t)(lb - a->server))) == NULL)
            return TLSP_NOMEM;
    }
    if (a->nexthop == NULL && a->n_rcpts > 0) {
        const char *at = strrchr(a->rcpts[0], '@');

        if (at && at[1]) {
            if (sset(&a->nexthop, at + 1) != TLSP_OK)
                return TLSP_NOMEM;
            tlsp_lowercase(a->nexthop);
        }
    }
    if (a->n_sans > 0 || a->common_name || strcmp(reason, "Server certificate not trusted") == 0 ||
        (a->word == TLSP_WORD_TRUSTED && !num62 &&
         strcmp(reason, "Server certificate not verified") == 0))
        a->dialect = TLSP_DIALECT_PRE36;
    else if (num62 && a->word == TLSP_WORD_UNTRUSTED)
        a->dialect = TLSP_DIALECT_36;
    else if (num62 && a->word == TLSP_WORD_TRUSTED)
        a->dialect = TLSP_DIALECT_3104;
    else
        a->dialect = TLSP_DIALECT_UNKNOWN;
    return TLSP_OK;
}

static enum tlsp_status
emit(struct tlsp_attempts *as, struct tlsp_attempt *a)
{
    enum tlsp_status st = attempt_finalize(a);

    if (st == TLSP_OK) {
        as->emit(as->arg, a);
        as->st.attempts++;
    }
    attempt_free(a);
    return st;
}

/* ------------------------------------------------------------------ */
/* Process table                                                       */

static uint64_t
proc_hash(const char *ident, size_t len, long pid)
{
    uint64_t h = 14695981039346656037ULL;

    h = hash_bytes(h, ident, len);
    return hash_bytes(h, (const char *)&pid, sizeof(pid));
}

static void
lru_unlink(struct tlsp_attempts *as, struct proc *p)
{
    if (p->older)
        p->older->newer = p->newer;
    else
        as->oldest = p->newer;
    if (p->newer)
        p->newer->older = p->older;
    else
        as->newest = p->older;
    p->older = p->newer = NULL;
}

static void
lru_append(struct tlsp_attempts *as, struct proc *p)
{
    p->older = as->newest;
    p->newer = NULL;
    if (as->newest)
        as->newest->newer = p;
    else
        as->oldest = p;
    as->newest = p;
}

static enum tlsp_status
flush_held(struct tlsp_attempts *as, struct proc *p)
{
    struct tlsp_attempt *a = p->held;

    p->held = NULL;
    return a ? emit(as, a) : TLSP_OK;
}

static enum tlsp_status
flush_pending(struct tlsp_attempts *as, struct proc *p)
{
    enum tlsp_status st = TLSP_OK, st2;
    size_t i;

    for (i = 0; i < p->n_pending; i++)
        if ((st2 = emit(as, p->pending[i])) != TLSP_OK)
            st = st2;
    p->n_pending = 0;
    return st;
}

/* Emit what the process holds; count evidence never followed by a delivery line. */
static enum tlsp_status
proc_flush_all(struct tlsp_attempts *as, struct proc *p)
{
    enum tlsp_status st = flush_pending(as, p), st2 = flush_held(as, p);

    if (p->has_ev) {
        as->st.unfinished++;
        attempt_fini(&p->cur);
        p->has_ev = false;
    }
    return st != TLSP_OK ? st : st2;
}

static void
proc_free(struct proc *p)
{
    size_t i;

    attempt_fini(&p->cur);
    attempt_free(p->held);
    for (i = 0; i < p->n_pending; i++)
        attempt_free(p->pending[i]);
    free(p->engine_error);
    free(p->ident);
    free(p);
}

static void
proc_unhash(struct tlsp_attempts *as, struct proc *p)
{
    struct proc **pp = &as->pbucket[p->hash % PROC_BUCKETS];

    while (*pp && *pp != p)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = p->hnext;
}

static struct proc *
proc_find(struct tlsp_attempts *as, const struct tlsp_logline *line, uint64_t h, size_t ilen)
{
    struct proc *p;

    for (p = as->pbucket[h % PROC_BUCKETS]; p; p = p->hnext)
        if (p->hash == h && p->pid == line->pid && p->ident_len == ilen &&
            memcmp(p->ident, line->ident, ilen) == 0)
            return p;
    return NULL;
}

static enum tlsp_status
proc_get(struct tlsp_attempts *as, const struct tlsp_logline *line, bool create, struct proc **out)
{
    size_t ilen = line->ident ? line->ident_len : 0;
    const char *ident = line->ident ? line->ident : "";
    uint64_t h;
    struct proc *p;
    enum tlsp_status st = TLSP_OK;

    if (ilen > MAX_IDENT)
        ilen = MAX_IDENT;
    h = proc_hash(ident, ilen, line->pid);
    *out = NULL;
    if ((p = proc_find(as, line, h, ilen)) != NULL) {
        lru_unlink(as, p);
        lru_append(as, p);
        *out = p;
        return TLSP_OK;
    }
    if (!create)
        return TLSP_OK;
    if (as->n_procs >= TLSP_ATTEMPT_MAX_PROCS && as->oldest) {
        struct proc *old = as->oldest;

        st = proc_flush_all(as, old);
        lru_unlink(as, old);
        proc_unhash(as, old);
        proc_free(old);
        as->n_procs--;
        as->st.dropped++;
        if (st != TLSP_OK)
            return st;
    }
    if ((p = calloc(1, sizeof(*p))) == NULL)
        return TLSP_NOMEM;
    if ((p->ident = tlsp_strndup(ident, ilen)) == NULL) {
        free(p);
        return TLSP_NOMEM;
    }
    p->ident_len = ilen;
    p->pid = line->pid;
    p->hash = h;
    attempt_init(&p->cur);
    p->hnext = as->pbucket[h % PROC_BUCKETS];
    as->pbucket[h % PROC_BUCKETS] = p;
    lru_append(as, p);
    as->n_procs++;
    *out = p;
    return TLSP_OK;
}

/* ------------------------------------------------------------------ */
/* tlsproxy(8) handshakes                                              */

static struct tpx *
tpx_find(struct tlsp_attempts *as, struct field na, uint64_t h)
{
    struct tpx *t;

    for (t = as->tbucket[h % TPX_BUCKETS]; t; t = t->hnext)
        if (t->hash == h && strlen(t->namaddr) == na.len && memcmp(t->namaddr, na.p, na.len) == 0)
            return t;
    return NULL;
}

static void
tpx_unlink(struct tlsp_attempts *as, struct tpx *t)
{
    struct tpx **pp = &as->tbucket[t->hash % TPX_BUCKETS];

    while (*pp && *pp != t)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = t->hnext;
    if (t->older)
        t->older->newer = t->newer;
    else
        as->t_oldest = t->newer;
    if (t->newer)
        t->newer->older = t->older;
    else
        as->t_newest = t->older;
    t->older = t->newer = NULL;
}

static void
tpx_link(struct tlsp_attempts *as, struct tpx *t)
{
    t->hnext = as->tbucket[t->hash % TPX_BUCKETS];
    as->tbucket[t->hash % TPX_BUCKETS] = t;
    t->older = as->t_newest;
    t->newer = NULL;
    if (as->t_newest)
        as->t_newest->newer = t;
    else
        as->t_oldest = t;
    as->t_newest = t;
}

static void
tpx_free(struct tpx *t)
{
    attempt_fini(&t->ev);
    free(t->namaddr);
    free(t);
}

static enum tlsp_status
tpx_line(struct tlsp_attempts *as, const struct pline *pl)
{
    uint64_t h;
    struct tpx *t;

    switch (pl->kind) {
    case LK_SETUP:
    case LK_DEPTH:
    case LK_VERIFY_FAIL:
    case LK_SAN:
    case LK_CN:
    case LK_PEERCERT:
    case LK_PEERNAME:
    case LK_MATCHED_OTHER:
    case LK_SUMMARY:
    case LK_RESUMED:
    case LK_SSL_ERROR:
    case LK_WARNING:
    case LK_VERBOSE:
        break;
    default:
        return TLSP_OK;
    }
    if (pl->namaddr.p == NULL)
        return TLSP_OK;
    h = hash_bytes(14695981039346656037ULL, pl->namaddr.p, pl->namaddr.len);
    t = tpx_find(as, pl->namaddr, h);
    if (t) {
        tpx_unlink(as, t);
        if (t->complete || pl->kind == LK_SETUP) {
            attempt_fini(&t->ev);
            t->complete = false;
        }
    } else {
        if (as->n_tpx >= TPX_MAX && as->t_oldest) {
            struct tpx *old = as->t_oldest;

            tpx_unlink(as, old);
            tpx_free(old);
            as->n_tpx--;
        }
        if ((t = calloc(1, sizeof(*t))) == NULL)
            return TLSP_NOMEM;
        if ((t->namaddr = fdup(pl->namaddr.p, pl->namaddr.len)) == NULL) {
            free(t);
            return TLSP_NOMEM;
        }
        t->hash = h;
        attempt_init(&t->ev);
        as->n_tpx++;
    }
    tpx_link(as, t);
    if (pl->kind == LK_SUMMARY)
        t->complete = true;
    return ev_apply(&t->ev, pl);
}

/* The smtp(8) summary line names NAMADDR: attach tlsproxy's handshake, if any. */
static enum tlsp_status
tpx_attach(struct tlsp_attempts *as, struct tlsp_attempt *ev, struct field na)
{
    uint64_t h = hash_bytes(14695981039346656037ULL, na.p, na.len);
    struct tpx *t = tpx_find(as, na, h);

    return t ? ev_merge_tpx(ev, &t->ev) : TLSP_OK;
}

/* ------------------------------------------------------------------ */
/* Delivery lines                                                      */

static enum tlsp_attempt_end
end_of(struct field status)
{
    if (status.len == 4 && memcmp(status.p, "sent", 4) == 0)
        return TLSP_END_SENT;
    if (status.len == 8 && memcmp(status.p, "deferred", 8) == 0)
        return TLSP_END_DEFERRED;
    if (status.len == 7 && memcmp(status.p, "bounced", 7) == 0)
        return TLSP_END_BOUNCED;
    return TLSP_END_OTHER;
}

static bool
feq(const char *s, struct field f)
{
    size_t n = f.len > TLSP_ATTEMPT_MAX_FIELD ? TLSP_ATTEMPT_MAX_FIELD : f.len;

    return s && strlen(s) == n && memcmp(s, f.p, n) == 0;
}

/* A new attempt from the process's evidence and the delivery line. */
static enum tlsp_status
attempt_from(struct proc *p, const struct tlsp_logline *line, const struct pline *pl,
             struct tlsp_attempt **out)
{
    struct tlsp_attempt *a = malloc(sizeof(*a));
    enum tlsp_status st = TLSP_NOMEM;

    *out = NULL;
    if (a == NULL)
        return TLSP_NOMEM;
    *a = p->cur; /* takes the evidence over */
    attempt_init(&p->cur);
    if (!p->has_ev)
        a->first_when = line->when;
    p->has_ev = false;
    a->when = line->when;
    a->lineno = line->lineno;
    a->pid = line->pid;
    if (p->engine_init && a->loglevel_seen < 2)
        a->loglevel_seen = 2;
    if (p->engine_error) {
        if (a->loglevel_seen < 0)
            a->loglevel_seen = 0;
        if (sset(&a->engine_error, p->engine_error) != TLSP_OK)
            goto out;
    }
    if ((line->file && sset(&a->file, line->file) != TLSP_OK) ||
        (a->ident = tlsp_strndup(p->ident, p->ident_len)) == NULL ||
        fset(&a->queue_id, pl->qid) != TLSP_OK)
        goto out;
    if (pl->kind == LK_DELIVERY) {
        a->end = end_of(pl->status);
        if (arr_push(&a->rcpts, &a->n_rcpts, TLSP_ATTEMPT_MAX_RCPTS, pl->rcpt) != TLSP_OK ||
            fset(&a->relay, pl->relay) != TLSP_OK || fset(&a->dsn, pl->dsn) != TLSP_OK ||
            fset(&a->status, pl->status) != TLSP_OK)
            goto out;
        a->n_rcpts_total = 1;
    } else {
        a->end = TLSP_END_NEXT;
    }
    if (fset(&a->reason, pl->reason) != TLSP_OK)
        goto out;
    *out = a;
    st = TLSP_OK;
out:
    if (st != TLSP_OK)
        attempt_free(a);
    return st;
}

/*
 * The line comes after the held attempt's last line in the same file: the
 * same name and a later line number (the same file given twice starts again
 * at line 1, another file has another name).
 */
static bool
same_file_after(const struct tlsp_attempt *h, const struct tlsp_logline *line)
{
    if ((h->file == NULL) != (line->file == NULL))
        return false;
    if (h->file && strcmp(h->file, line->file) != 0)
        return false;
    return h->lineno == 0 || line->lineno == 0 || line->lineno > h->lineno;
}

static enum tlsp_status
on_delivery(struct tlsp_attempts *as, struct proc *p, const struct tlsp_logline *line,
            const struct pline *pl)
{
    struct tlsp_attempt *a, *h = p->held;
    enum tlsp_status st;
    size_t i;

    if (h && !p->has_ev && feq(h->queue_id, pl->qid) && feq(h->relay, pl->relay) &&
        feq(h->status, pl->status) && same_file_after(h, line)) {
        h->n_rcpts_total++;
        h->when = line->when;
        h->lineno = line->lineno;
        if (line->file && (h->file == NULL || strcmp(h->file, line->file) != 0) &&
            sset(&h->file, line->file) != TLSP_OK)
            return TLSP_NOMEM;
        return arr_push(&h->rcpts, &h->n_rcpts, TLSP_ATTEMPT_MAX_RCPTS, pl->rcpt);
    }
    if ((st = flush_held(as, p)) != TLSP_OK)
        return st;
    if ((st = attempt_from(p, line, pl, &a)) != TLSP_OK)
        return st;
    /* "QUEUEID: REASON" attempts of this message: the next hop is the
     * recipient's domain, as for this line. */
    for (i = 0; i < p->n_pending; i++) {
        struct tlsp_attempt *n = p->pending[i];
        const char *at = strrchr(a->rcpts[0], '@');

        if (n->nexthop == NULL && at && at[1] && strcmp(n->queue_id, a->queue_id) == 0) {
            if (sset(&n->nexthop, at + 1) != TLSP_OK) {
                attempt_free(a);
                return TLSP_NOMEM;
            }
            tlsp_lowercase(n->nexthop);
        }
    }
    if ((st = flush_pending(as, p)) != TLSP_OK) {
        attempt_free(a);
        return st;
    }
    p->held = a;
    return TLSP_OK;
}

static enum tlsp_status
on_next(struct tlsp_attempts *as, struct proc *p, const struct tlsp_logline *line,
        const struct pline *pl)
{
    struct tlsp_attempt *a;
    enum tlsp_status st;

    if ((st = flush_held(as, p)) != TLSP_OK)
        return st;
    if (p->n_pending > 0 && !feq(p->pending[0]->queue_id, pl->qid) &&
        (st = flush_pending(as, p)) != TLSP_OK)
        return st;
    if (p->n_pending == MAX_PENDING) {
        st = emit(as, p->pending[0]);
        memmove(p->pending, p->pending + 1, (MAX_PENDING - 1) * sizeof(p->pending[0]));
        p->n_pending--;
        if (st != TLSP_OK)
            return st;
    }
    if ((st = attempt_from(p, line, pl, &a)) != TLSP_OK)
        return st;
    p->pending[p->n_pending++] = a;
    return TLSP_OK;
}

/* ------------------------------------------------------------------ */
/* Public interface                                                    */

enum tlsp_status
tlsp_attempts_new(tlsp_attempt_fn emit_fn, void *arg, struct tlsp_attempts **out)
{
    struct tlsp_attempts *as;

    if (out)
        *out = NULL;
    if (emit_fn == NULL || out == NULL)
        return TLSP_INVAL;
    if ((as = calloc(1, sizeof(*as))) == NULL)
        return TLSP_NOMEM;
    as->emit = emit_fn;
    as->arg = arg;
    *out = as;
    return TLSP_OK;
}

static bool
program_ignored(const struct tlsp_logline *line)
{
    size_t i;

    if (line->program == NULL)
        return false;
    for (i = 0; i < sizeof(ignored_programs) / sizeof(ignored_programs[0]); i++)
        if (ignored_programs[i].len == line->program_len &&
            memcmp(ignored_programs[i].name, line->program, line->program_len) == 0)
            return true;
    return false;
}

enum tlsp_status
tlsp_attempts_feed(struct tlsp_attempts *as, const struct tlsp_logline *line)
{
    struct pline pl;
    struct proc *p;
    size_t n;
    enum tlsp_status st;
    bool tlsproxy;

    if (as == NULL || line == NULL || line->msg == NULL || program_ignored(line))
        return TLSP_OK;
    n = line->msg_len > MAX_MSG ? MAX_MSG : line->msg_len;
    if (as->scratch_cap < n + 1) {
        size_t cap = as->scratch_cap ? as->scratch_cap : 512;
        char *s;

        while (cap < n + 1)
            cap *= 2;
        if ((s = realloc(as->scratch, cap)) == NULL)
            return TLSP_NOMEM;
        as->scratch = s;
        as->scratch_cap = cap;
    }
    memcpy(as->scratch, line->msg, n);
    as->scratch[n] = 0;
    classify(as->scratch, &pl);

    tlsproxy = line->program && line->program_len == 8 && memcmp(line->program, "tlsproxy", 8) == 0;
    if (tlsproxy)
        return tpx_line(as, &pl);

    if ((st = proc_get(as, line, pl.kind != LK_NONE, &p)) != TLSP_OK || p == NULL)
        return st;
    if (p->has_ev && p->ev_last >= 0 && line->when >= 0 &&
        line->when - p->ev_last > TLSP_ATTEMPT_STALE_S) {
        /* stale: the pid was reused long after an attempt that never ended */
        as->st.unfinished++;
        attempt_fini(&p->cur);
        p->has_ev = false;
    }
    switch (pl.kind) {
    case LK_DELIVERY:
        return on_delivery(as, p, line, &pl);
    case LK_NEXT:
        return on_next(as, p, line, &pl);
    default:
        break;
    }
    if ((st = flush_held(as, p)) != TLSP_OK)
        return st;
    switch (pl.kind) {
    case LK_NONE:
        return TLSP_OK;
    case LK_ENGINE_INIT:
        p->engine_init = true;
        return TLSP_OK;
    case LK_ENGINE_ERROR:
        return p->engine_error ? TLSP_OK : fset(&p->engine_error, pl.a);
    default:
        break;
    }
    if (!p->has_ev) {
        p->has_ev = true;
        p->cur.first_when = line->when;
    }
    p->ev_last = line->when;
    if (pl.kind == LK_SUMMARY) {
        /* With tlsproxy(8), smtp(8) logs the summary line at any loglevel;
         * the handshake lines are tlsproxy's. */
        if ((st = tpx_attach(as, &p->cur, pl.namaddr)) != TLSP_OK)
            return st;
        if (p->cur.via_tlsproxy)
            pl.level = 0;
    }
    return ev_apply(&p->cur, &pl);
}

enum tlsp_status
tlsp_attempts_finish(struct tlsp_attempts *as)
{
    enum tlsp_status st = TLSP_OK, st2;
    struct proc *p;

    if (as == NULL)
        return TLSP_OK;
    for (p = as->oldest; p; p = p->newer)
        if ((st2 = proc_flush_all(as, p)) != TLSP_OK)
            st = st2;
    return st;
}

void
tlsp_attempts_stats(const struct tlsp_attempts *as, struct tlsp_attempts_stats *st)
{
    if (st == NULL)
        return;
    if (as == NULL) {
        memset(st, 0, sizeof(*st));
        return;
    }
    *st = as->st;
}

void
tlsp_attempts_free(struct tlsp_attempts *as)
{
    struct proc *p, *pn;
    struct tpx *t, *tn;

    if (as == NULL)
        return;
    for (p = as->oldest; p; p = pn) {
        pn = p->newer;
        proc_free(p);
    }
    for (t = as->t_oldest; t; t = tn) {
        tn = t->newer;
        tpx_free(t);
    }
    free(as->scratch);
    free(as);
}

const char *
tlsp_attempt_end_name(enum tlsp_attempt_end e)
{
    switch (e) {
    case TLSP_END_SENT:
        return "sent";
    case TLSP_END_DEFERRED:
        return "deferred";
    case TLSP_END_BOUNCED:
        return "bounced";
    case TLSP_END_NEXT:
        return "next";
    case TLSP_END_OTHER:
        return "other";
    }
    return "other";
}

const char *
tlsp_dialect_name(enum tlsp_dialect d)
{
    switch (d) {
    case TLSP_DIALECT_UNKNOWN:
        return "unknown";
    case TLSP_DIALECT_PRE36:
        return "<=3.5";
    case TLSP_DIALECT_36:
        return "3.6-3.10.3";
    case TLSP_DIALECT_3104:
        return ">=3.10.4";
    }
    return "unknown";
}
