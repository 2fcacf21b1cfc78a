/*
 * smtp.c - one SMTP session up to STARTTLS and the TLS handshake
 *
 * The socket is non-blocking; every wait is a poll() bounded by the
 * deadline of the current step (connect, greeting, EHLO, STARTTLS,
 * handshake, EHLO after TLS, QUIT). Input goes through one fixed buffer;
 * a reply line keeps TLSP_SMTP_LINE_MAX bytes and the rest of the line is
 * read and dropped, the stored reply text stops growing as Postfix's does
 * (smtp_chat_resp()), and a reply ends the session when it passes
 * TLSP_SMTP_REPLY_MAX_LINES lines or TLSP_SMTP_REPLY_MAX_BYTES bytes. So
 * memory stays bounded whatever the server sends (docs/smtp-limits.md).
 *
 * Error texts are Postfix's: smtp_connect.c smtp_connect_addr() ("connect
 * to HOST[ADDR]:PORT: ERRNO"), smtp_stream.c/smtp_trouble.c
 * smtp_stream_except() ("lost connection with HOST[ADDR] while WHERE",
 * "conversation with HOST[ADDR] timed out while WHERE"), smtp_proto.c
 * smtp_helo() ("host HOST[ADDR] refused to talk to me: REPLY", "TLS is
 * required, but ..."), tls_client.c tls_client_start() ("SSL_connect error
 * to HOST[ADDR]:PORT: ...") and tls_misc.c tls_print_errors() ("TLS
 * library problem: ...").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <tlspolicy/level.h>
#include <tlspolicy/smtp.h>

#include "tlsconf.h"
#include "util/str.h"

#define IOBUF_SIZE 16384
#define REPLY_KEEP (2 * TLSP_SMTP_LINE_MAX + 2) /* Postfix keeps < limit + one line */
#define SNI_MAX 255                             /* TLSEXT_MAXLEN_host_name */

/* How an I/O step ended. */
enum io {
    IO_OK,
    IO_EOF,     /* the peer closed, or the connection broke */
    IO_TIMEOUT, /* the step's deadline passed */
    IO_LIMIT,   /* a reply passed tlspolicy's size limits */
    IO_TLS,     /* a TLS error after the handshake */
    IO_NOMEM,
};

struct sess {
    const struct tlsp_smtp_request *req;
    struct tlsp_smtp_result *res;
    struct tlsp_diag *diag;
    char *namaddr;                              /* HOST[ADDR] */
    char *namaddrport;                          /* HOST[ADDR]:PORT */
    long t_connect, t_helo, t_starttls, t_quit; /* seconds */
    const char *helo_name;
    bool wrapper;
    bool lmtp;             /* the policy is lmtp(8)'s: lmtp_* parameters, LHLO */
    bool discard_starttls; /* smtp_discard_ehlo_keywords names STARTTLS */
    int fd;
    SSL_CTX *ctx;
    SSL *ssl;
    struct timespec deadline;
    int io_errno; /* errno of the last failed socket call */
    unsigned char buf[IOBUF_SIZE];
    size_t off, len;
    /* The reply being read. */
    char line[TLSP_SMTP_LINE_MAX + 1];
    char text[REPLY_KEEP + 1]; /* lines joined by "\n", as smtp_chat_resp() keeps them */
    size_t text_len;
    size_t reply_lines, reply_bytes;
    bool limit_lines; /* which limit was hit */
    bool nomem;
};

const char *
tlsp_smtp_stage_name(enum tlsp_smtp_stage stage)
{
    switch (stage) {
    case TLSP_SMTP_CONNECT:
        return "connect";
    case TLSP_SMTP_GREETING:
        return "greeting";
    case TLSP_SMTP_EHLO:
        return "ehlo";
    case TLSP_SMTP_NO_STARTTLS:
        return "no-starttls";
    case TLSP_SMTP_STARTTLS:
        return "starttls";
    case TLSP_SMTP_HANDSHAKE:
        return "handshake";
    case TLSP_SMTP_TLS_DONE:
        return "tls-done";
    case TLSP_SMTP_PLAINTEXT:
        return "plaintext";
    }
    return "unknown";
}

static void
free_vec(char **v, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void
tlsp_smtp_result_fini(struct tlsp_smtp_result *res)
{
    if (res == NULL)
        return;
    free(res->greeting);
    free(res->reply);
    free(res->error);
    free(res->protocol);
    free(res->cipher);
    free(res->details);
    tlsp_chain_free(res->chain);
    free_vec(res->transcript, res->n_transcript);
    free_vec(res->log, res->n_log);
    memset(res, 0, sizeof(*res));
}

/* ---- results ---- */

/* push - append a heap string to a vector; frees s when it cannot. */
static bool
push(char ***v, size_t *n, char *s)
{
    char **nv;

    if (s == NULL)
        return false;
    if ((nv = realloc(*v, (*n + 1) * sizeof(**v))) == NULL) {
        free(s);
        return false;
    }
    nv[(*n)++] = s;
    *v = nv;
    return true;
}

static void note_transcript(struct sess *s, char dir, const char *text) __attribute__((nonnull));

static void
note_transcript(struct sess *s, char dir, const char *text)
{
    struct tlsp_smtp_result *res = s->res;

    if (res->n_transcript >= TLSP_SMTP_TRANSCRIPT_MAX)
        return;
    if (res->n_transcript == TLSP_SMTP_TRANSCRIPT_MAX - 1) {
        if (!push(&res->transcript, &res->n_transcript,
                  tlsp_aprintf("... (transcript cut at %d lines)", TLSP_SMTP_TRANSCRIPT_MAX)))
            s->nomem = true;
        return;
    }
    if (!push(&res->transcript, &res->n_transcript, tlsp_aprintf("%c %s", dir, text)))
        s->nomem = true;
}

/* add_log - one line Postfix would log (e.g. "warning: TLS library problem: ..."). */
static void add_log(struct sess *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_log(struct sess *s, const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    if (!push(&s->res->log, &s->res->n_log, text))
        s->nomem = true;
}

/* fail - the session stops at stage with Postfix's text. */
static void fail(struct sess *s, enum tlsp_smtp_stage stage, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
fail(struct sess *s, enum tlsp_smtp_stage stage, const char *fmt, ...)
{
    va_list ap;

    s->res->stage = stage;
    free(s->res->error);
    va_start(ap, fmt);
    s->res->error = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    if (s->res->error == NULL)
        s->nomem = true;
}

/* ---- time ---- */

static void
set_deadline(struct sess *s, long seconds)
{
    clock_gettime(CLOCK_MONOTONIC, &s->deadline);
    s->deadline.tv_sec += seconds;
}

/* ms_left - milliseconds to the deadline, 0 when it has passed. */
static int
ms_left(const struct sess *s)
{
    struct timespec now;
    long long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long long)(s->deadline.tv_sec - now.tv_sec) * 1000 +
         (s->deadline.tv_nsec - now.tv_nsec) / 1000000;
    if (ms <= 0)
        return 0;
    return ms > 0x7fffffff ? 0x7fffffff : (int)ms;
}

/* wait_fd - poll for events until the deadline: IO_OK, IO_TIMEOUT or IO_EOF. */
static enum io
wait_fd(struct sess *s, short events)
{
    struct pollfd p = {.fd = s->fd, .events = events};

    for (;;) {
        int left = ms_left(s), r;

        if (left == 0)
            return IO_TIMEOUT;
        r = poll(&p, 1, left);
        if (r > 0)
            return IO_OK; /* errors and hang-ups show at the next read or write */
        if (r == 0)
            return IO_TIMEOUT;
        if (errno != EINTR) {
            s->io_errno = errno;
            return IO_EOF;
        }
    }
}

/* ---- raw I/O, plain or TLS ---- */

/* tls_wait - after an SSL call returned r: wait as OpenSSL asks, or say why not. */
static enum io
tls_wait(struct sess *s, int r)
{
    int err = SSL_get_error(s->ssl, r);

    switch (err) {
    case SSL_ERROR_WANT_READ:
        return wait_fd(s, POLLIN);
    case SSL_ERROR_WANT_WRITE:
        return wait_fd(s, POLLOUT);
    case SSL_ERROR_ZERO_RETURN:
        return IO_EOF;
    case SSL_ERROR_SYSCALL:
        s->io_errno = errno;
        return ERR_peek_error() ? IO_TLS : IO_EOF;
    default:
        return IO_TLS;
    }
}

/* fill - read more input into s->buf (which must be empty). */
static enum io
fill(struct sess *s)
{
    s->off = s->len = 0;
    for (;;) {
        enum io w;

        if (s->ssl) {
            size_t got = 0;
            int r;

            ERR_clear_error();
            r = SSL_read_ex(s->ssl, s->buf, sizeof(s->buf), &got);
            if (r == 1) {
                s->len = got;
                return IO_OK;
            }
            w = tls_wait(s, r);
        } else {
            ssize_t got = recv(s->fd, s->buf, sizeof(s->buf), 0);

            if (got > 0) {
                s->len = (size_t)got;
                return IO_OK;
            }
            if (got == 0)
                return IO_EOF;
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                s->io_errno = errno;
                return IO_EOF;
            }
            w = wait_fd(s, POLLIN);
        }
        if (w != IO_OK)
            return w;
    }
}

static enum io
send_all(struct sess *s, const char *data, size_t n)
{
    while (n > 0) {
        enum io w;

        if (s->ssl) {
            size_t put = 0;
            int r;

            ERR_clear_error();
            r = SSL_write_ex(s->ssl, data, n, &put);
            if (r == 1) {
                data += put;
                n -= put;
                continue;
            }
            w = tls_wait(s, r);
        } else {
            ssize_t put = send(s->fd, data, n, MSG_NOSIGNAL);

            if (put > 0) {
                data += put;
                n -= (size_t)put;
                continue;
            }
            if (put < 0 && errno == EINTR)
                continue;
            if (put < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                s->io_errno = errno;
                return IO_EOF;
            }
            w = wait_fd(s, POLLOUT);
        }
        if (w != IO_OK)
            return w;
    }
    return IO_OK;
}

/* ---- SMTP replies ---- */

/*
 * read_line - one line into s->line (CRLF or LF removed, non-printable
 *       bytes as '?', at most TLSP_SMTP_LINE_MAX bytes kept).
 */
static enum io
read_line(struct sess *s, bool *truncated)
{
    size_t n = 0;

    *truncated = false;
    for (;;) {
        unsigned char *start, *nl;
        size_t avail, take, keep;
        enum io r;

        if (s->off == s->len && (r = fill(s)) != IO_OK)
            return r;
        start = s->buf + s->off;
        avail = s->len - s->off;
        nl = memchr(start, '\n', avail);
        take = nl ? (size_t)(nl - start) + 1 : avail;
        if (s->reply_bytes + take > TLSP_SMTP_REPLY_MAX_BYTES) {
            s->limit_lines = false;
            return IO_LIMIT;
        }
        s->reply_bytes += take;
        keep = nl ? take - 1 : take;
        if (keep > TLSP_SMTP_LINE_MAX - n) {
            keep = TLSP_SMTP_LINE_MAX - n;
            *truncated = true;
        }
        memcpy(s->line + n, start, keep);
        n += keep;
        s->off += take;
        if (nl)
            break;
    }
    if (n > 0 && s->line[n - 1] == '\r' && !*truncated)
        n--;
    s->line[n] = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s->line[i];

        if (c < 0x20 || c >= 0x7f)
            s->line[i] = '?';
    }
    return IO_OK;
}

/*
 * read_reply - one SMTP reply, as smtp_chat_resp() reads it: lines until
 *       one starts with exactly three digits and then a space or nothing;
 *       anything else that is not "DDD-" is skipped as garbage. The text
 *       kept stops growing once it reaches TLSP_SMTP_LINE_MAX bytes.
 * Out:  code  the reply code, 0 when the last line had no three digits.
 */
static enum io
read_reply(struct sess *s, int *code, bool is_greeting)
{
    bool warned = false;

    *code = 0;
    s->text_len = 0;
    s->text[0] = 0;
    s->reply_lines = 0;
    s->reply_bytes = 0;
    for (;;) {
        bool truncated;
        enum io r = read_line(s, &truncated);
        size_t digits, len;

        if (r != IO_OK)
            return r;
        if (++s->reply_lines > TLSP_SMTP_REPLY_MAX_LINES) {
            s->limit_lines = true;
            return IO_LIMIT;
        }
        len = strlen(s->line);
        if (truncated)
            add_log(s, "warning: %s: response longer than %d: %.30s...", s->namaddrport,
                    TLSP_SMTP_LINE_MAX, s->line);
        note_transcript(s, '<', s->line);
        if (is_greeting && s->reply_lines == 1 && s->res->greeting == NULL &&
            (s->res->greeting = tlsp_strdup(s->line)) == NULL)
            s->nomem = true;
        if (s->text_len < TLSP_SMTP_LINE_MAX) {
            if (s->text_len)
                s->text[s->text_len++] = '\n';
            memcpy(s->text + s->text_len, s->line, len + 1);
            s->text_len += len;
        } else if (!warned) {
            /* smtp_chat_resp() stops storing and warns once. */
            add_log(s, "warning: %s: multi-line response longer than %d %.30s...", s->namaddrport,
                    TLSP_SMTP_LINE_MAX, s->line);
            warned = true;
        }
        for (digits = 0; digits < len && s->line[digits] >= '0' && s->line[digits] <= '9'; digits++)
            ;
        if (digits == 3) {
            if (s->line[3] == '-')
                continue;
            if (s->line[3] == ' ' || s->line[3] == 0) {
                *code = (int)strtol(s->line, NULL, 10);
                break;
            }
        }
    }
    s->res->reply_code = *code;
    free(s->res->reply);
    /* Postfix quotes a reply with its line breaks turned into spaces. */
    if ((s->res->reply = tlsp_strdup(s->text)) == NULL) {
        s->nomem = true;
    } else {
        char *p;

        for (p = s->res->reply; (p = strchr(p, '\n')) != NULL; p++)
            *p = ' ';
    }
    return IO_OK;
}

static enum io
send_cmd(struct sess *s, const char *cmd)
{
    char buf[1024];
    int n = snprintf(buf, sizeof(buf), "%s\r\n", cmd);

    if (n < 0 || (size_t)n >= sizeof(buf))
        return IO_LIMIT;
    note_transcript(s, '>', cmd);
    return send_all(s, buf, (size_t)n);
}

static void tls_errors(struct sess *s);

/* stream_fail - smtp_stream_except(): the session broke while doing where. */
static void
stream_fail(struct sess *s, enum tlsp_smtp_stage stage, enum io r, const char *where)
{
    switch (r) {
    case IO_TIMEOUT:
        fail(s, stage, "conversation with %s timed out while %s", s->namaddr, where);
        break;
    case IO_LIMIT:
        if (s->limit_lines)
            fail(s, stage,
                 "reply from %s has more than %d lines while %s (tlspolicy's limit; "
                 "Postfix has none)",
                 s->namaddr, TLSP_SMTP_REPLY_MAX_LINES, where);
        else
            fail(s, stage,
                 "reply from %s is longer than %zu bytes while %s (tlspolicy's limit; "
                 "Postfix has none)",
                 s->namaddr, TLSP_SMTP_REPLY_MAX_BYTES, where);
        break;
    case IO_NOMEM:
        s->nomem = true;
        break;
    case IO_TLS:
        tls_errors(s);
        /* Postfix sees a broken stream. */
        /* fall through */
    case IO_OK:
    case IO_EOF:
        fail(s, stage, "lost connection with %s while %s", s->namaddr, where);
        break;
    }
}

/* tls_errors - tls_print_errors(): OpenSSL's error queue as Postfix logs it. */
static void
tls_errors(struct sess *s)
{
    unsigned long e;
    const char *file, *data;
    int line, flags;
    char buf[256];

    while ((e = ERR_get_error_all(&file, &line, NULL, &data, &flags)) != 0) {
        ERR_error_string_n(e, buf, sizeof(buf));
        add_log(s, "warning: TLS library problem: %s:%s:%d:%s:", buf, file ? file : "", line,
                (flags & ERR_TXT_STRING) && data ? data : "");
    }
}

/* ---- connect ---- */

static bool
do_connect(struct sess *s)
{
    const struct tlsp_smtp_request *req = s->req;
    struct sockaddr_storage ss;
    socklen_t slen;
    int family, err = 0;
    socklen_t elen = sizeof(err);

    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, req->addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

        family = sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)req->port);
        slen = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

        if (inet_pton(AF_INET6, req->addr, &sin6->sin6_addr) != 1)
            return false; /* checked by the caller */
        family = sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)req->port);
        slen = sizeof(*sin6);
    }
    s->fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0) {
        fail(s, TLSP_SMTP_CONNECT, "socket: %s", strerror(errno));
        return false;
    }
    set_deadline(s, s->t_connect);
    if (connect(s->fd, (struct sockaddr *)&ss, slen) == 0)
        return true;
    if (errno != EINPROGRESS) {
        err = errno;
    } else {
        enum io w = wait_fd(s, POLLOUT);

        if (w == IO_TIMEOUT)
            err = ETIMEDOUT;
        else if (w != IO_OK)
            err = s->io_errno;
        else if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
            err = errno;
    }
    if (err == 0)
        return true;
    fail(s, TLSP_SMTP_CONNECT, "connect to %s: %s", s->namaddrport, strerror(err));
    return false;
}

/* ---- TLS ---- */

/* sni_name - the SNI to send, per servername (spec 2.4), or NULL. */
static const char *
sni_name(const struct sess *s)
{
    const struct tlsp_policy *pol = s->req->pol;
    const char *sn = pol->servername.value;

    if (sn == NULL || *sn == 0) {
        /* With DANE, tls_client_start() sends the TLSA base domain. */
        return tlsp_level_dane_based(pol->level) ? s->req->host : NULL;
    }
    if (tlsp_strcaseeq(sn, "hostname"))
        return s->req->host;
    if (tlsp_strcaseeq(sn, "nexthop"))
        return pol->nexthop;
    return sn;
}

/*
 * tls_setup - the SSL object as tls_client_start() prepares it; false with
 *       the stage failed when Postfix would not start the handshake.
 */
static bool
tls_setup(struct sess *s)
{
    const struct tlsp_policy *pol = s->req->pol;
    unsigned long no_opts = 0;
    int min = 0, max = 0;
    char *problem = NULL;
    const char *sni;
    enum tlsp_status st;

    if (pol->cipherlist == NULL) {
        const char *grade = pol->ciphers.value ? pol->ciphers.value : "";
        const char *param = tlsp_tlsconf_grade_param(grade);
        const char *list = NULL;
        char *dummy = NULL;

        if (param && tlsp_cf_get(s->req->cf, param, &list, NULL) != TLSP_OK)
            list = NULL;
        st = tlsp_tlsconf_cipherlist(grade, param ? list : NULL,
                                     pol->exclusions ? pol->exclusions : "", &dummy, &problem);
        free(dummy);
        if (st == TLSP_NOMEM) {
            s->nomem = true;
            return false;
        }
        add_log(s, "warning: %s: %s", s->namaddrport,
                problem ? problem : "invalid cipher settings");
        fail(s, TLSP_SMTP_HANDSHAKE, "%s: %s", s->namaddrport,
             problem ? problem : "invalid cipher settings");
        free(problem);
        return false;
    }
    st = tlsp_tlsconf_protocol_limits(pol->protocols.value ? pol->protocols.value : "", &no_opts,
                                      &min, &max, &problem);
    if (st == TLSP_NOMEM) {
        s->nomem = true;
        return false;
    }
    if (st != TLSP_OK) {
        add_log(s, "warning: %s: %s", s->namaddrport, problem);
        fail(s, TLSP_SMTP_HANDSHAKE, "%s: %s", s->namaddrport, problem);
        free(problem);
        return false;
    }
    if ((s->ssl = SSL_new(s->ctx)) == NULL) {
        s->nomem = true;
        return false;
    }
    ERR_clear_error();
    if (!SSL_set_cipher_list(s->ssl, pol->cipherlist)) {
        tls_errors(s);
        add_log(s, "warning: %s: error setting cipher grade: \"%s\"", s->namaddrport,
                pol->ciphers.value ? pol->ciphers.value : "");
        fail(s, TLSP_SMTP_HANDSHAKE, "%s: error setting cipher grade: \"%s\"", s->namaddrport,
             pol->ciphers.value ? pol->ciphers.value : "");
        return false;
    }
    SSL_set_options(s->ssl, no_opts);
    if ((min && !SSL_set_min_proto_version(s->ssl, min)) ||
        (max && !SSL_set_max_proto_version(s->ssl, max))) {
        tls_errors(s);
        fail(s, TLSP_SMTP_HANDSHAKE, "%s: cannot set the TLS protocol range", s->namaddrport);
        return false;
    }
    /* The context runs at security level 0; levels that check the
     * certificate raise the session to 1 (tls_client_start()). */
    if (tlsp_level_must_match(pol->level))
        SSL_set_security_level(s->ssl, 1);
    if ((sni = sni_name(s)) != NULL && *sni) {
        if (strlen(sni) > SNI_MAX) {
            add_log(s, "warning: %s: ignoring too long SNI hostname: %.100s", s->namaddrport, sni);
        } else if (!SSL_set_tlsext_host_name(s->ssl, sni)) {
            tls_errors(s);
            add_log(s, "warning: %s: error setting SNI hostname to: %s", s->namaddrport, sni);
            fail(s, TLSP_SMTP_HANDSHAKE, "%s: error setting SNI hostname to: %s", s->namaddrport,
                 sni);
            return false;
        }
    }
    if (!SSL_set_fd(s->ssl, s->fd)) {
        s->nomem = true;
        return false;
    }
    SSL_set_connect_state(s->ssl);
    return true;
}

/*
 * curve_name - an EC key's curve as Postfix 3.7 on OpenSSL 3 logs it: the
 *       group name OpenSSL gives ("prime256v1"; seen in the lab), into buf.
 */
static const char *
curve_name(EVP_PKEY *pkey, char *buf, size_t size)
{
    size_t len = 0;

    if (!EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, buf, size, &len) ||
        len == 0)
        return NULL;
    return buf;
}

/*
 * details - what Postfix adds to its TLS 1.3 summary line
 *       (tls_get_signature_params(), tls_log_summary()): "key-exchange
 *       X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256".
 *       Nothing below TLS 1.3.
 */
static char *
details(SSL *ssl, bool *nomem)
{
    char kex[128] = "", sig[160] = "";
    EVP_PKEY *tmp = NULL;
    X509 *peer;
    char *out;
    int nid;

    if (SSL_version(ssl) < TLS1_3_VERSION)
        return NULL;
    if (SSL_get_peer_tmp_key(ssl, &tmp) && tmp) {
        int id = EVP_PKEY_get_id(tmp);

        if (id == EVP_PKEY_DH) {
            snprintf(kex, sizeof(kex), "key-exchange DHE (%d bits)", EVP_PKEY_get_bits(tmp));
        } else if (id == EVP_PKEY_EC) {
            char cbuf[80];
            const char *curve = curve_name(tmp, cbuf, sizeof(cbuf));

            snprintf(kex, sizeof(kex), curve ? "key-exchange ECDHE (%s)" : "key-exchange ECDHE",
                     curve ? curve : "");
        } else {
            const char *name = OBJ_nid2sn(EVP_PKEY_type(id));

            if (name)
                snprintf(kex, sizeof(kex), "key-exchange %s", name);
        }
        EVP_PKEY_free(tmp);
    }
    if ((peer = SSL_get0_peer_certificate(ssl)) != NULL) {
        EVP_PKEY *pk = X509_get0_pubkey(peer);
        int type = pk ? EVP_PKEY_type(EVP_PKEY_get_id(pk)) : NID_undef;
        const char *dgst = NULL;
        size_t n = 0;

        if (SSL_get_peer_signature_nid(ssl, &nid) && nid != NID_undef)
            dgst = OBJ_nid2sn(nid);
        if (type == EVP_PKEY_RSA) {
            n = (size_t)snprintf(sig, sizeof(sig), "server-signature RSA-PSS (%d bits)",
                                 EVP_PKEY_get_bits(pk));
        } else if (type == EVP_PKEY_EC) {
            char cbuf[80];
            const char *curve = curve_name(pk, cbuf, sizeof(cbuf));

            n = (size_t)snprintf(sig, sizeof(sig),
                                 curve ? "server-signature ECDSA (%s)" : "server-signature ECDSA",
                                 curve ? curve : "");
        } else if (type != NID_undef && OBJ_nid2sn(type)) {
            n = (size_t)snprintf(sig, sizeof(sig), "server-signature %s", OBJ_nid2sn(type));
        }
        if (n > 0 && n < sizeof(sig) && dgst)
            snprintf(sig + n, sizeof(sig) - n, " server-digest %s", dgst);
    }
    if (!*kex && !*sig)
        return NULL;
    out = tlsp_aprintf("%s%s%s", kex, *kex && *sig ? " " : "", sig);
    if (out == NULL)
        *nomem = true;
    return out;
}

/* capture - protocol, cipher and the peer's chain as sent. */
static void
capture(struct sess *s)
{
    const SSL_CIPHER *c = SSL_get_current_cipher(s->ssl);
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(s->ssl);
    struct tlsp_smtp_result *res = s->res;

    if ((res->protocol = tlsp_strdup(SSL_get_version(s->ssl))) == NULL)
        s->nomem = true;
    if (c) {
        if ((res->cipher = tlsp_strdup(SSL_CIPHER_get_name(c))) == NULL)
            s->nomem = true;
        res->cipher_bits = SSL_CIPHER_get_bits(c, &res->cipher_alg_bits);
    }
    res->details = details(s->ssl, &s->nomem);
    if (sk && sk_X509_num(sk) > 0) {
        size_t n = (size_t)sk_X509_num(sk), i;
        void *certs[TLSP_CHAIN_MAX_CERTS];
        enum tlsp_status st;

        if (n > TLSP_CHAIN_MAX_CERTS) {
            tlsp_diag_add(s->diag, TLSP_SEV_NOTE, NULL, 0,
                          "%s sent %zu certificates; the first %d are kept", s->namaddrport, n,
                          TLSP_CHAIN_MAX_CERTS);
            n = TLSP_CHAIN_MAX_CERTS;
        }
        for (i = 0; i < n; i++)
            certs[i] = sk_X509_value(sk, (int)i);
        st = tlsp_chain_from_x509s(certs, n, &res->chain, s->diag);
        if (st == TLSP_NOMEM)
            s->nomem = true;
    }
}

/* handshake - tls_client_start(): false with the stage failed. */
static bool
handshake(struct sess *s)
{
    int r;

    if (!tls_setup(s))
        return false;
    set_deadline(s, s->t_starttls);
    s->io_errno = 0;
    for (;;) {
        enum io w;
        int err;

        ERR_clear_error();
        errno = 0;
        r = SSL_connect(s->ssl);
        if (r == 1)
            break;
        err = SSL_get_error(s->ssl, r);
        if (err == SSL_ERROR_WANT_READ)
            w = wait_fd(s, POLLIN);
        else if (err == SSL_ERROR_WANT_WRITE)
            w = wait_fd(s, POLLOUT);
        else {
            if (err == SSL_ERROR_SYSCALL)
                s->io_errno = errno;
            w = IO_TLS;
        }
        if (w == IO_OK)
            continue;
        /* Postfix: the OpenSSL error queue if any, else errno, else EOF. */
        if (w == IO_TIMEOUT) {
            fail(s, TLSP_SMTP_HANDSHAKE, "SSL_connect error to %s: %s", s->namaddrport,
                 strerror(ETIMEDOUT));
        } else if (ERR_peek_error() != 0) {
            fail(s, TLSP_SMTP_HANDSHAKE, "SSL_connect error to %s: %d", s->namaddrport, r);
            add_log(s, "%s", s->res->error ? s->res->error : "");
            tls_errors(s);
            return false;
        } else if (s->io_errno != 0) {
            fail(s, TLSP_SMTP_HANDSHAKE, "SSL_connect error to %s: %s", s->namaddrport,
                 strerror(s->io_errno));
        } else {
            fail(s, TLSP_SMTP_HANDSHAKE, "SSL_connect error to %s: lost connection",
                 s->namaddrport);
        }
        add_log(s, "%s", s->res->error ? s->res->error : "");
        return false;
    }
    capture(s);
    s->res->stage = TLSP_SMTP_TLS_DONE;
    return true;
}

/* ---- the dialogue ---- */

/* ehlo_has - whether the kept EHLO reply text names keyword (not on line 1). */
static bool
ehlo_has(const struct sess *s, const char *keyword)
{
    const char *p = strchr(s->text, '\n');
    size_t klen = strlen(keyword);

    while (p) {
        const char *word = p + 1 + 4; /* after "250-" / "250 " */
        const char *end = strchr(p + 1, '\n');
        size_t llen = end ? (size_t)(end - (p + 1)) : strlen(p + 1);

        if (llen >= 4 + klen && strncasecmp(word, keyword, klen) == 0 &&
            (llen == 4 + klen || word[klen] == ' '))
            return true;
        p = end;
    }
    return false;
}

/*
 * helo - smtp_helo(): greeting (unless after STARTTLS), EHLO, HELO when EHLO
 *       is refused; false with the stage failed.
 */
static bool
helo(struct sess *s, bool after_tls)
{
    /* After the handshake (STARTTLS, or wrapper mode, where the greeting
     * comes over TLS) the stage stays TLS_DONE: the chain is there to be
     * judged first, as smtp_start_tls() does before it goes on. */
    enum tlsp_smtp_stage greet_stage = after_tls ? TLSP_SMTP_TLS_DONE : TLSP_SMTP_GREETING;
    enum tlsp_smtp_stage ehlo_stage = after_tls ? TLSP_SMTP_TLS_DONE : TLSP_SMTP_EHLO;
    char cmd[600];
    enum io r;
    int code;

    set_deadline(s, s->t_helo);
    if (!after_tls || s->wrapper) {
        if ((r = read_reply(s, &code, true)) != IO_OK) {
            stream_fail(s, greet_stage, r, "receiving the initial server greeting");
            return false;
        }
        if (code / 100 != 2) {
            fail(s, greet_stage, "host %s refused to talk to me: %s", s->namaddr,
                 s->res->reply ? s->res->reply : "");
            return false;
        }
    }
    snprintf(cmd, sizeof(cmd), "%s %s", s->lmtp ? "LHLO" : "EHLO", s->helo_name);
    if ((r = send_cmd(s, cmd)) != IO_OK || (r = read_reply(s, &code, false)) != IO_OK) {
        stream_fail(s, ehlo_stage, r,
                    s->lmtp ? "performing the LHLO handshake" : "performing the EHLO handshake");
        return false;
    }
    if (code / 100 == 2) {
        if (!after_tls || s->wrapper)
            s->res->starttls_offered = ehlo_has(s, "STARTTLS") && !s->discard_starttls;
        return true;
    }
    if (code == 421 || s->lmtp) { /* LMTP has no HELO to fall back to */
        fail(s, ehlo_stage, "host %s refused to talk to me: %s", s->namaddr,
             s->res->reply ? s->res->reply : "");
        return false;
    }
    snprintf(cmd, sizeof(cmd), "HELO %s", s->helo_name);
    if ((r = send_cmd(s, cmd)) != IO_OK || (r = read_reply(s, &code, false)) != IO_OK) {
        stream_fail(s, ehlo_stage, r, "performing the HELO handshake");
        return false;
    }
    if (code / 100 != 2) {
        fail(s, ehlo_stage, "host %s refused to talk to me: %s", s->namaddr,
             s->res->reply ? s->res->reply : "");
        return false;
    }
    if (!after_tls || s->wrapper)
        s->res->starttls_offered = false;
    return true;
}

/* quit - QUIT and its reply, politely; failures do not change the result. */
static void
quit(struct sess *s)
{
    int code, last_code = s->res->reply_code;
    char *last = s->res->reply;

    /* The result keeps the reply that decided the session, not QUIT's. */
    s->res->reply = NULL;
    set_deadline(s, s->t_quit);
    if (send_cmd(s, "QUIT") == IO_OK)
        (void)read_reply(s, &code, false);
    free(s->res->reply);
    s->res->reply = last;
    s->res->reply_code = last_code;
}

/* ---- set-up ---- */

/*
 * A connect timeout of 0 means a blocking connect in Postfix: the kernel
 * gives up after its SYN retries (about 127 s with Linux's default
 * tcp_syn_retries = 6). tlspolicy bounds it there.
 */
#define BLOCKING_CONNECT_S 127

/* param - the parameter name for this service: "smtp_X" or "lmtp_X" (LHLO for HELO). */
static const char *
param(const struct sess *s, const char *smtp_name, const char *lmtp_name)
{
    return s->lmtp ? lmtp_name : smtp_name;
}

static enum tlsp_status
get_timeout(struct sess *s, const char *name, long *out)
{
    enum tlsp_status st;

    if (s->req->timeout_s) {
        *out = (long)s->req->timeout_s;
        return TLSP_OK;
    }
    st = tlsp_cf_get_time(s->req->cf, name, 's', out, s->diag);
    if (st == TLSP_OK && *out <= 0)
        *out = strstr(name, "connect_timeout") ? BLOCKING_CONNECT_S : 1;
    return st;
}

/* list_has - whether a ", \t"-separated list names word (case-insensitive). */
static bool
list_has(const char *list, const char *word)
{
    size_t wlen = strlen(word);
    const char *p = list;

    while (p && *p) {
        size_t n;

        p += strspn(p, ", \t\r\n");
        n = strcspn(p, ", \t\r\n");
        if (n == wlen && strncasecmp(p, word, n) == 0)
            return true;
        p += n;
    }
    return false;
}

static enum tlsp_status
configure(struct sess *s)
{
    const struct tlsp_smtp_request *req = s->req;
    const char *discard = NULL;
    enum tlsp_status st;

    s->lmtp = req->pol && req->pol->prefix && strcmp(req->pol->prefix, "lmtp") == 0;
    if ((st = get_timeout(s, param(s, "smtp_connect_timeout", "lmtp_connect_timeout"),
                          &s->t_connect)) != TLSP_OK ||
        (st = get_timeout(s, param(s, "smtp_helo_timeout", "lmtp_lhlo_timeout"), &s->t_helo)) !=
            TLSP_OK ||
        (st = get_timeout(s, param(s, "smtp_starttls_timeout", "lmtp_starttls_timeout"),
                          &s->t_starttls)) != TLSP_OK ||
        (st = get_timeout(s, param(s, "smtp_quit_timeout", "lmtp_quit_timeout"), &s->t_quit)) !=
            TLSP_OK)
        return st;
    if (req->ehlo && *req->ehlo) {
        s->helo_name = req->ehlo;
    } else if ((st = tlsp_cf_get(req->cf, param(s, "smtp_helo_name", "lmtp_lhlo_name"),
                                 &s->helo_name, s->diag)) != TLSP_OK) {
        return st;
    }
    if (strlen(s->helo_name) > 255 || strpbrk(s->helo_name, "\r\n") != NULL) {
        tlsp_diag_add(s->diag, TLSP_SEV_ERROR, NULL, 0, "unusable EHLO name \"%.64s\"",
                      s->helo_name);
        return TLSP_INVAL;
    }
    if ((st = tlsp_cf_get_bool(req->cf, param(s, "smtp_tls_wrappermode", "lmtp_tls_wrappermode"),
                               &s->wrapper, s->diag)) != TLSP_OK)
        return st;
    /* A STARTTLS the server offers but smtp_discard_ehlo_keywords removes
     * counts as not offered (smtp_proto.c smtp_helo()). */
    if ((st = tlsp_cf_get(req->cf,
                          param(s, "smtp_discard_ehlo_keywords", "lmtp_discard_lhlo_keywords"),
                          &discard, s->diag)) != TLSP_OK)
        return st;
    s->discard_starttls = list_has(discard, "starttls");
    if (tlsp_cf_get(req->cf,
                    param(s, "smtp_discard_ehlo_keyword_address_maps",
                          "lmtp_discard_lhlo_keyword_address_maps"),
                    &discard, NULL) == TLSP_OK &&
        discard && *discard)
        tlsp_diag_add(s->diag, TLSP_SEV_NOTE, NULL, 0,
                      "%s is not consulted: a STARTTLS it would discard for %s counts as offered",
                      param(s, "smtp_discard_ehlo_keyword_address_maps",
                            "lmtp_discard_lhlo_keyword_address_maps"),
                      s->namaddr);
    return TLSP_OK;
}

/* make_ctx - tls_client_init(): the client context (security level 0). */
static enum tlsp_status
make_ctx(struct sess *s)
{
    const char *curves = NULL;

    ERR_clear_error();
    if ((s->ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
        tlsp_diag_add(s->diag, TLSP_SEV_ERROR, NULL, 0, "cannot create a TLS client context");
        return TLSP_IO;
    }
    SSL_CTX_set_security_level(s->ctx, 0);
    SSL_CTX_set_verify(s->ctx, SSL_VERIFY_NONE, NULL);
    /* Postfix ends a session without close_notify as a lost connection,
     * not as an OpenSSL error ("SSL_connect error to ...: lost connection"). */
    SSL_CTX_set_options(s->ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    /* tls_auto_eecdh_curves(): the groups Postfix offers. */
    if (tlsp_cf_get(s->req->cf, "tls_eecdh_auto_curves", &curves, NULL) == TLSP_OK && curves &&
        *curves) {
        char *list = tlsp_strdup(curves), *p;

        if (list == NULL)
            return TLSP_NOMEM;
        for (p = list; *p; p++)
            if (*p == ' ' || *p == ',' || *p == '\t')
                *p = ':';
        /* Unknown groups make OpenSSL refuse the whole list: keep its default then. */
        if (!SSL_CTX_set1_groups_list(s->ctx, list))
            ERR_clear_error();
        free(list);
    }
    return TLSP_OK;
}

static bool
numeric_addr(const char *a)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return a && (inet_pton(AF_INET, a, buf) == 1 || inet_pton(AF_INET6, a, buf) == 1);
}

static enum tlsp_status session(const struct tlsp_smtp_request *req, struct tlsp_smtp_result *res,
                                struct tlsp_diag *diag);

/*
 * OpenSSL writes to the socket with write(2), which raises SIGPIPE when the
 * server has gone: block it in this thread for the session and take back a
 * SIGPIPE the session caused, so the caller's disposition never sees it.
 */
enum tlsp_status
tlsp_smtp_session(const struct tlsp_smtp_request *req, struct tlsp_smtp_result *res,
                  struct tlsp_diag *diag)
{
    sigset_t pipe_set, old, pending;
    bool was_pending;
    enum tlsp_status st;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    sigemptyset(&pending);
    was_pending = sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    st = session(req, res, diag);
    if (!was_pending) {
        const struct timespec zero = {0, 0};

        while (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1 &&
               sigtimedwait(&pipe_set, NULL, &zero) == SIGPIPE)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return st;
}

static enum tlsp_status
session(const struct tlsp_smtp_request *req, struct tlsp_smtp_result *res, struct tlsp_diag *diag)
{
    struct sess *s;
    enum tlsp_status st = TLSP_OK;
    const char *host;
    bool want_tls;

    memset(res, 0, sizeof(*res));
    res->stage = TLSP_SMTP_CONNECT;
    if (req == NULL || req->cf == NULL || !numeric_addr(req->addr) || req->port == 0 ||
        req->port > 65535) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                      "SMTP session: need a configuration, a numeric address and a port "
                      "1-65535");
        return TLSP_INVAL;
    }
    if ((s = calloc(1, sizeof(*s))) == NULL)
        return TLSP_NOMEM;
    s->req = req;
    s->res = res;
    s->diag = diag;
    s->fd = -1;
    host = req->host && *req->host ? req->host : req->addr;
    s->namaddr = tlsp_aprintf("%s[%s]", host, req->addr);
    s->namaddrport = tlsp_aprintf("%s[%s]:%u", host, req->addr, req->port);
    if (s->namaddr == NULL || s->namaddrport == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if ((st = configure(s)) != TLSP_OK)
        goto out;
    want_tls = req->try_tls || s->wrapper;
    if (want_tls && (req->pol == NULL || req->pol->level == TLSP_LEVEL_INVALID)) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                      "SMTP session: TLS wanted without a valid policy");
        st = TLSP_INVAL;
        goto out;
    }
    if (s->wrapper && (!req->try_tls || req->pol->level < TLSP_LEVEL_ENCRYPT)) {
        /* smtp_connect.c: wrapper mode below encrypt is never tried. */
        fail(s, TLSP_SMTP_CONNECT, "server unavailable or unable to receive mail");
        goto out;
    }
    if (want_tls && (st = make_ctx(s)) != TLSP_OK)
        goto out;
    res->wrapper = s->wrapper;

    if (!do_connect(s))
        goto out;
    if (s->wrapper) {
        if (!handshake(s) || !helo(s, true))
            goto out_quit_maybe;
        res->stage = TLSP_SMTP_TLS_DONE;
        quit(s);
        goto out;
    }
    if (!helo(s, false))
        goto out_quit_maybe;
    if (!req->try_tls) {
        res->stage = TLSP_SMTP_PLAINTEXT;
        quit(s);
        goto out;
    }
    if (!res->starttls_offered) {
        fail(s, TLSP_SMTP_NO_STARTTLS, "TLS is required, but was not offered by host %s",
             s->namaddr);
        quit(s);
        goto out;
    }
    {
        enum io r;
        int code;

        set_deadline(s, s->t_starttls);
        if ((r = send_cmd(s, "STARTTLS")) != IO_OK) {
            stream_fail(s, TLSP_SMTP_STARTTLS, r, "sending the STARTTLS command");
            goto out;
        }
        if ((r = read_reply(s, &code, false)) != IO_OK) {
            stream_fail(s, TLSP_SMTP_STARTTLS, r, "receiving the STARTTLS response");
            goto out;
        }
        if (code / 100 != 2) {
            fail(s, TLSP_SMTP_STARTTLS, "TLS is required, but host %s refused to start TLS: %s",
                 s->namaddr, res->reply ? res->reply : "");
            quit(s);
            goto out;
        }
        /* Bytes the server sent after its 220 would be plaintext injected
         * into the TLS session (CVE-2011-0411): drop them, as the TLS layer
         * starts on a fresh buffer. */
        s->off = s->len = 0;
    }
    if (!handshake(s))
        goto out;
    if (!helo(s, true))
        goto out;
    quit(s);
    goto out;

out_quit_maybe:
    /* After a refusal (not a broken stream) Postfix still says QUIT. */
    if (res->error && strstr(res->error, "refused to talk to me") != NULL)
        quit(s);
out:
    if (s->nomem)
        st = TLSP_NOMEM;
    if (s->ssl) {
        SSL_set_quiet_shutdown(s->ssl, 1);
        SSL_free(s->ssl);
    }
    SSL_CTX_free(s->ctx);
    if (s->fd >= 0)
        close(s->fd);
    free(s->namaddr);
    free(s->namaddrport);
    free(s);
    ERR_clear_error();
    return st;
}
