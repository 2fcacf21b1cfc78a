/*
 * attempt.h - delivery attempts, assembled from Postfix log lines
 *
 * WHAT     Postfix's TLS lines carry no queue id. They are attached, by
 *          process (syslog name + pid) and order, to the delivery line the
 *          same process writes next: the final
 *          "QUEUEID: to=<RCPT>, relay=..., dsn=..., status=... (REASON)" line,
 *          or "QUEUEID: REASON" (no relay=), which smtp(8) writes when it
 *          gives up on one MX host after a soft failure and tries the next
 *          one, or retries the same host in plaintext (spec 1.7, 1.7.1).
 *          Consecutive delivery lines of one process for the same queue id,
 *          relay and status (one per recipient) in the same file make one
 *          attempt (the same file given twice gives two attempts).
 *          Evidence goes stale: when a line of a process comes more than
 *          TLSP_ATTEMPT_STALE_S seconds (both times known) after the last
 *          line of its evidence still waiting for a delivery line, that
 *          evidence is dropped (counted as unfinished) before the line is
 *          read: the pid was reused. Postfix's own timeouts end an attempt
 *          long before an hour (smtp_connect_timeout, smtp_helo_timeout,
 *          smtp_starttls_timeout, smtp_data_done_timeout, ...).
 *          Processes serve many requests: the evidence is reset after each
 *          attempt, except what the process logs once (TLS engine
 *          initialisation and its failure). Handshakes done by tlsproxy(8)
 *          (smtp_tls_connection_reuse) are attached by server (HOST[ADDR]:PORT)
 *          to the smtp(8) attempt that logs the summary line for it.
 *          Three dialects are told apart: Postfix <= 3.5 (subjectAltName: and
 *          CommonName lines, "Trusted" with a name mismatch, "Server
 *          certificate not trusted"), 3.6 to 3.10.3 ("num=62:hostname
 *          mismatch" with "Untrusted"), 3.10.4 and later ("num=62" with
 *          "Trusted").
 * CONTRACT Streaming: at most TLSP_ATTEMPT_MAX_PROCS processes are followed
 *          at once (the one silent longest is dropped and counted), and each
 *          attempt keeps at most the TLSP_ATTEMPT_MAX_* items of each kind
 *          below; memory does not grow with the input. Lines that are not
 *          understood are ignored, never an error. Nothing prints.
 * SEE ALSO logscan.h (the lines), logdiag.h (what an attempt means);
 *          spec 1.7 (delivery lines), 4.2 - 4.6 (TLS lines).
 */
#ifndef TLSPOLICY_ATTEMPT_H
#define TLSPOLICY_ATTEMPT_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/logscan.h>
#include <tlspolicy/status.h>
#include <tlspolicy/verify.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_ATTEMPT_MAX_PROCS 4096  /* processes followed at once */
#define TLSP_ATTEMPT_MAX_RCPTS 64    /* recipients kept per attempt (counted beyond) */
#define TLSP_ATTEMPT_MAX_DEPTHS 64   /* depth= lines kept */
#define TLSP_ATTEMPT_MAX_SANS 128    /* subjectAltName lines kept */
#define TLSP_ATTEMPT_MAX_LINES 64    /* warnings and TLS library lines kept */
#define TLSP_ATTEMPT_MAX_FIELD 2048  /* longest field kept, bytes (longer ones are cut) */
#define TLSP_ATTEMPT_STALE_S 3600    /* evidence older than this (seconds) is dropped */

/* How the attempt ended. */
enum tlsp_attempt_end {
    TLSP_END_SENT,     /* status=sent */
    TLSP_END_DEFERRED, /* status=deferred */
    TLSP_END_BOUNCED,  /* status=bounced */
    TLSP_END_NEXT,     /* "QUEUEID: REASON": soft failure, Postfix goes on to the
                          next MX host or retries in plaintext */
    TLSP_END_OTHER,    /* another status= word (expired, undeliverable ...) */
};

/* Which Postfix releases wrote the lines, as far as they tell. */
enum tlsp_dialect {
    TLSP_DIALECT_UNKNOWN,
    TLSP_DIALECT_PRE36,  /* Postfix 2.x to 3.5 */
    TLSP_DIALECT_36,     /* 3.6 to 3.10.3 */
    TLSP_DIALECT_3104,   /* 3.10.4 and later */
};

/* One "HOST[ADDR]:PORT: depth=N verify=V subject=DN" line. */
struct tlsp_depth_line {
    int depth;
    int verify;     /* 0 or 1 */
    char *subject;  /* OpenSSL one-line DN as logged */
};

struct tlsp_attempt {
    /* Where and when. */
    char *file;                /* file of the delivery line that ended the attempt */
    unsigned long long lineno; /* its line number */
    long long first_when;      /* time of the first line attached (-1 unknown) */
    long long when;            /* time of the delivery line (-1 unknown) */
    char *ident;               /* syslog name, e.g. "postfix/smtp" */
    long pid;

    /* The delivery line(s). */
    char *queue_id;
    char **rcpts;              /* to= addresses without <>, at most TLSP_ATTEMPT_MAX_RCPTS */
    size_t n_rcpts;
    unsigned long n_rcpts_total; /* recipients counted, including those not kept */
    char *relay;               /* relay= verbatim ("none", "HOST[ADDR]:PORT"); NULL at END_NEXT */
    char *dsn;                 /* "4.7.5"; NULL at END_NEXT */
    enum tlsp_attempt_end end;
    char *status;              /* the status= word; NULL at END_NEXT */
    char *reason;              /* text in the parentheses, or the REASON of END_NEXT */

    /* The destination. */
    char *nexthop;             /* from the session-cache key (nexthop_proven), else the
                                  domain of the first recipient; NULL if neither */
    bool nexthop_proven;
    char *service;             /* master.cf service from the session-cache key, or NULL */
    char *server;              /* "HOST[ADDR]:PORT" the TLS lines name, else from relay=;
                                  NULL when no server was reached (relay=none) */
    char *mx_host;             /* HOST of server; NULL with it */
    char *cache_key;           /* the session-cache key SERVICE&DEST&HOST&ADDR&&DIGEST, or NULL */

    /* TLS evidence; all NULL/0/false when the attempt logged none. */
    int loglevel_seen;         /* the smtp_tls_loglevel the lines need at least: -1 no TLS
                                  line at all, 0 only lines logged at any level (warnings,
                                  verification failures at MUST_MATCH levels), 1 the summary
                                  line, 2 verbose lines (setting up, depth=, subject_CN=) */
    enum tlsp_dialect dialect;
    bool tls_setup;            /* "setting up TLS connection to ..." */
    bool via_tlsproxy;         /* the handshake lines came from tlsproxy(8) */
    enum tlsp_word word;       /* word of the summary line; TLSP_WORD_NONE when not logged */
    bool reused;               /* "... TLS connection reused to ..." */
    bool resumed;              /* "Reusing old session", "re-using session with untrusted
                                  certificate ...": no certificate detail is logged */
    char *protocol;            /* from the summary line, e.g. "TLSv1.3" */
    char *cipher;
    struct tlsp_depth_line *depths; /* in order, at most TLSP_ATTEMPT_MAX_DEPTHS */
    size_t n_depths;
    char *verify_error;        /* after "certificate verification failed for NAMADDR: " */
    char *verify_purpose;      /* "server", "CA" (the word before "certificate verification
                                  failed"), or NULL when the line had none */
    char **sans;               /* "subjectAltName:" names (<= 3.5), "Matched " removed */
    size_t n_sans;
    char *matched_san;         /* the one logged as "Matched subjectAltName", or NULL */
    char *common_name;         /* "CommonName" line (<= 3.5), or NULL */
    char *subject_cn;          /* from "subject_CN=..., issuer_CN=..., fingerprint=..." */
    char *issuer_cn;
    char *cert_fpt;
    char *pkey_fpt;
    char *matched_peername;    /* "matched peername: NAME", or NULL */
    bool matched_other;        /* "Matched trust anchor/DANE .../fingerprint" line seen */
    char *handshake_error;     /* "SSL_connect error to NAMADDR: TEXT" TEXT, or NULL */
    char **warnings;           /* TLS-related "warning:"/"error:" messages of this process,
                                  without the "warning: " / "error: " prefix, in order:
                                  TLS policy lookup, policy table, cipher grade, protocol
                                  list, TLS library problem, SNI, DANE, TLSA ... */
    size_t n_warnings;
    char *engine_error;        /* "cannot load Certification Authority data ..." or
                                  "Digest algorithm ... not found" / "disabling TLS support",
                                  as logged by this process when it started */
    bool starttls_offered_note; /* "Host offered STARTTLS: [HOST]" */
    bool nexthop_routed;       /* nexthop is where a configuration routes the first recipient
                                  (tlsp_logdiag_nexthop()); never set by the assembler */
};

struct tlsp_attempts;

/* Called for each attempt, in the order they end (after the last recipient
 * line); a is borrowed for the call only. */
typedef void (*tlsp_attempt_fn)(void *arg, const struct tlsp_attempt *a);

/*
 * tlsp_attempts_new - an empty assembler
 *
 * In:   emit, arg  the callback for finished attempts.
 * Out:  out        on TLSP_OK; tlsp_attempts_free().
 * Returns TLSP_OK; TLSP_INVAL without emit; TLSP_NOMEM.
 */
enum tlsp_status tlsp_attempts_new(tlsp_attempt_fn emit, void *arg,
                                   struct tlsp_attempts **out) TLSP_MUST_CHECK;

/*
 * tlsp_attempts_feed - take one line (from tlsp_logscan_next(); lines of
 *       any program may be given, those not understood are ignored)
 *
 * May call emit for attempts this line ends or follows.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_attempts_feed(struct tlsp_attempts *as,
                                    const struct tlsp_logline *line) TLSP_MUST_CHECK;

/*
 * tlsp_attempts_finish - emit the attempts still held (last recipients);
 *       TLS lines with no delivery line after them are counted in
 *       unfinished, not emitted.
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_attempts_finish(struct tlsp_attempts *as) TLSP_MUST_CHECK;

struct tlsp_attempts_stats {
    unsigned long long attempts;   /* emitted */
    unsigned long long unfinished; /* TLS evidence never followed by a delivery line */
    unsigned long long dropped;    /* processes dropped at TLSP_ATTEMPT_MAX_PROCS */
};

void tlsp_attempts_stats(const struct tlsp_attempts *as, struct tlsp_attempts_stats *st);

/* tlsp_attempts_free - NULL is a no-op; held attempts are not emitted. */
void tlsp_attempts_free(struct tlsp_attempts *as);

/* tlsp_attempt_end_name - "sent", "deferred", "bounced", "next", "other". */
const char *tlsp_attempt_end_name(enum tlsp_attempt_end e);

/* tlsp_dialect_name - "unknown", "<=3.5", "3.6-3.10.3", ">=3.10.4". */
const char *tlsp_dialect_name(enum tlsp_dialect d);

#ifdef __cplusplus
}
#endif

#endif
