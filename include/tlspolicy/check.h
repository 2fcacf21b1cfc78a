/*
 * check.h - the live verdict: what Postfix's SMTP client does for a destination
 *
 * WHAT     Routes a destination (route.h), resolves the TLS policy of each
 *          next hop (policy.h), looks the next hop up in DNS as smtp(8)
 *          does (dns.h), opens an SMTP session to each address in Postfix's
 *          order up to the end of STARTTLS (smtp.h), judges the chain the
 *          server sent with tlsp_verify() (verify.h), and decides the
 *          message's fate with Postfix's rules for moving on to the next
 *          address (spec 1.7, 1.7.1): which failures log "QUEUEID: REASON"
 *          and try the next address, which bounce at once, and the final
 *          status line with relay=, dsn=, status= and the reason.
 * CONTRACT Postfix's verdicts (deferred, bounced) are results, not errors.
 *          Nothing here prints or exits. The fate rules are a pure function
 *          (tlsp_check_fate()) of the per-address outcomes, so that they can
 *          be tested without a network. Where Postfix logs a queue id,
 *          "QUEUEID" stands in; delay= and delays= are left out; "REPLY"
 *          stands for the server's answer to the message, which tlspolicy
 *          never sends.
 * SEE ALSO Postfix smtp/smtp_connect.c smtp_connect_inet(), smtp/smtp_trouble.c,
 *          smtp/smtp_proto.c smtp_helo(), smtp_start_tls(); spec 1.5, 1.7, 4.
 */
#ifndef TLSPOLICY_CHECK_H
#define TLSPOLICY_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/dns.h>
#include <tlspolicy/explain.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/route.h>
#include <tlspolicy/smtp.h>
#include <tlspolicy/status.h>
#include <tlspolicy/verify.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the fate rules, without a network ------------------------------------------ */

/* How one address attempt ended, as the fate rules see it. */
enum tlsp_outcome_kind {
    TLSP_OUTCOME_DELIVER, /* the session reached the point where mail is sent */
    TLSP_OUTCOME_FAIL,    /* a session failed after connecting (dsn 4.x.x or 5.x.x) */
    TLSP_OUTCOME_CONNECT, /* no session: connect failed (Postfix logs the reason, no queue id) */
    TLSP_OUTCOME_SKIPPED, /* not connected at all: TLS policy invalid, wrapper mode below
                             encrypt (Postfix has logged its warning) */
};

struct tlsp_outcome {
    enum tlsp_outcome_kind kind;
    const char *relay;  /* "HOST[ADDR]:PORT" for DELIVER and FAIL */
    const char *dsn;    /* FAIL, CONNECT, SKIPPED: e.g. "4.7.5" */
    const char *reason; /* ... and Postfix's text */
    bool retry_plain;   /* FAIL at "may": the same address is tried again without TLS
                           (spec 1.7.1); the next outcome is that retry */
};

enum tlsp_fate_status {
    TLSP_FATE_DELIVERABLE,
    TLSP_FATE_DEFERRED,
    TLSP_FATE_BOUNCED,
};

struct tlsp_fate {
    enum tlsp_fate_status status;
    char *dsn;          /* "2.0.0" when deliverable */
    char *reason;       /* the reason in the status line; NULL when deliverable */
    char *relay;        /* "HOST[ADDR]:PORT" or "none" */
    size_t decided_by;  /* index of the outcome that decided, or n when none did */
    size_t n_used;      /* outcomes Postfix reaches (the rest are never tried) */
    char **lines;       /* per outcome (n entries): the line Postfix logs after it
                           ("QUEUEID: REASON", or a connect failure's reason), or NULL */
    size_t n_lines;
    char *status_line;  /* "QUEUEID: to=<RCPT>, relay=..., dsn=..., status=... (...)" */
};

/*
 * tlsp_check_fate - the message's fate from the attempts, in Postfix's order
 *
 * In:   o, n       the outcomes of the addresses tried, in order; n may be 0.
 *       total      how many addresses Postfix had to try (>= n): the attempt at
 *                  index total - 1 is the final server, where a soft failure
 *                  defers instead of moving on. A retry_plain outcome and its
 *                  retry count as one address.
 *       dsn, reason the failure when nothing was tried (a DNS failure), or NULL:
 *                  Postfix then says "4.3.0 server unavailable or unable to
 *                  receive mail".
 *       rcpt       recipient for "to=<...>", or NULL: then "to=<RCPT>" (a domain
 *                  destination names no recipient; Postfix always logs one).
 * Out:  fate       filled on TLSP_OK (zeroed first); tlsp_fate_fini().
 * Returns TLSP_OK, TLSP_INVAL, TLSP_NOMEM.
 * Rules: DELIVER ends the list; FAIL with retry_plain logs "QUEUEID: REASON"
 *       and goes on to the retry; a soft FAIL before the final server logs
 *       "QUEUEID: REASON" and goes on; a soft FAIL at the final server defers
 *       with relay=HOST[ADDR]:PORT; a hard FAIL bounces at once, wherever it
 *       is; CONNECT logs its reason and goes on; SKIPPED goes on; when the
 *       list ends undecided, the last reason defers (4.x) or bounces (5.x)
 *       with relay=none.
 */
enum tlsp_status tlsp_check_fate(const struct tlsp_outcome *o, size_t n, size_t total,
                                 const char *dsn, const char *reason, const char *rcpt,
                                 struct tlsp_fate *fate) TLSP_MUST_CHECK;

void tlsp_fate_fini(struct tlsp_fate *fate);

/* tlsp_fate_status_name - "deliverable", "deferred", "bounced". */
const char *tlsp_fate_status_name(enum tlsp_fate_status s);

/*
 * tlsp_reply_dsn - the DSN Postfix takes from an SMTP reply: the enhanced
 *       status code at the start of the text when its class matches the
 *       reply code, else "C.0.0" from the reply code's first digit.
 * Out:  buf  at least 16 bytes.
 * Returns buf.
 */
char *tlsp_reply_dsn(int code, const char *text, char *buf, size_t size);

/* ---- the live check ---------------------------------------------------------------- */

struct tlsp_check_request {
    struct tlsp_cf *cf;            /* main.cf + overrides; borrowed */
    const char *destination;       /* as tlsp_route_resolve() takes it */
    const char *sender;            /* or NULL */
    const char *transport;         /* -T, or NULL */
    struct tlsp_dns_opts dns;      /* resolver, seed */
    const char *ehlo;              /* overrides smtp_helo_name, or NULL */
    unsigned timeout_s;            /* overrides every per-step timeout when non-zero */
    long long queued_for;          /* seconds the message has waited (spec 1.7.1) */
    long long at;                  /* verification time, seconds since 1970 */
    /* Called before each network step (may be NULL): what is about to happen. */
    void (*progress)(void *arg, const char *what);
    void *progress_arg;
};

/* One address tried (a plaintext retry is a separate entry). */
struct tlsp_check_server {
    char *dest;                 /* the next hop it belongs to */
    char *host, *addr;
    unsigned port, pref;
    bool from_mx;
    bool plaintext_retry;       /* the retry without TLS after a "may" handshake failure */
    bool skipped;               /* no connection: policy invalid or wrapper mode */
    struct tlsp_policy pol;     /* resolved with host = this server */
    bool have_pol;
    struct tlsp_smtp_result smtp;
    bool have_smtp;
    struct tlsp_verify_request vreq;
    struct tlsp_verify_result ver;
    bool have_ver;
    enum tlsp_word word;        /* TLSP_WORD_NONE without TLS */
    bool deliver;
    char *dsn, *reason;         /* when not */
    char *relay;                /* "HOST[ADDR]:PORT" */
    char **log;                 /* what Postfix logs for this attempt, in order, without
                                   "postfix/smtp[PID]: "; the fate's line is not included */
    size_t n_log;
};

struct tlsp_check_result {
    struct tlsp_route rt;
    struct tlsp_cf *view;       /* the delivery service's view of cf */
    bool no_smtp;               /* the mail does not leave over SMTP/LMTP */
    struct tlsp_policy pol;     /* the first next hop's policy, without a host */
    bool have_pol;
    struct tlsp_dns_result *dns; /* one per next hop resolved */
    char **dns_dests;
    size_t n_dns;
    struct tlsp_check_server *servers;
    size_t n_servers;
    size_t n_total;             /* addresses Postfix would have tried in all */
    struct tlsp_fate fate;
    bool have_fate;
    size_t explained;           /* index of the server explained, or n_servers */
    struct tlsp_explanation ex;
    char **mx_hosts;            /* distinct MX host names, in order */
    size_t n_mx_hosts;
    char *mx_suffix_note;       /* a sentence about the MX names and the suggested match,
                                   or NULL */
    char *config_warning;       /* a line Postfix logs before the final status line
                                   ("warning: smtp_fallback_relay configuration problem"),
                                   or NULL */
    char **session_why;         /* why sessions failed before any certificate was judged
                                   (no STARTTLS, refused, handshake, engine, connection,
                                   invalid policy), one sentence per distinct reason */
    size_t n_session_why;
};

/*
 * tlsp_check - run the whole check
 *
 * Returns TLSP_OK (the result holds Postfix's verdict, whatever it is);
 *       TLSP_CONFIG (Postfix stops with this configuration), TLSP_INVAL,
 *       TLSP_NOTFOUND (-T names no service), TLSP_UNSUPPORTED (a table type
 *       tlspolicy does not read), TLSP_NOMEM, TLSP_IO: diag says why.
 */
enum tlsp_status tlsp_check(const struct tlsp_check_request *req, struct tlsp_check_result *res,
                            struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_check_fini(struct tlsp_check_result *res);

/* tlsp_check_note_logged - whether a DNS note (tlsp_dns_result.notes) is a line
 *       Postfix logs (a "warning: ..." or info line) rather than tlspolicy's own
 *       remark ("tlspolicy: ..."). */
bool tlsp_check_note_logged(const char *note);

#ifdef __cplusplus
}
#endif

#endif
