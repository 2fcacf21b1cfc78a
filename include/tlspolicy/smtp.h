/*
 * smtp.h - one SMTP session as Postfix's smtp(8) runs it, up to STARTTLS
 *
 * WHAT     Connects to one server address, reads the greeting, says EHLO
 *          (HELO when EHLO is refused), sends STARTTLS when it is offered
 *          and wanted, runs the TLS handshake under the policy (or right
 *          after connect in wrapper mode), says EHLO again and QUIT. It
 *          never sends MAIL. The peer's chain is captured as sent, for
 *          tlsp_verify() to judge afterwards: the handshake itself does
 *          not verify (SSL_VERIFY_NONE).
 * CONTRACT Every network step has a deadline (smtp_connect_timeout,
 *          smtp_helo_timeout, smtp_starttls_timeout, or the request's
 *          timeout_s); every read is bounded: a reply line keeps at most
 *          TLSP_SMTP_LINE_MAX bytes (Postfix's line_length_limit; the
 *          rest of the line is read and dropped), a reply has at most
 *          TLSP_SMTP_REPLY_MAX_LINES lines and TLSP_SMTP_REPLY_MAX_BYTES
 *          bytes on the wire (docs/smtp-limits.md). Failures of the server
 *          are not errors of the call: they are the result's stage and
 *          error text, in Postfix's words where Postfix has them.
 *          Nothing prints or exits. SIGPIPE is blocked in the calling
 *          thread during the session and one it caused is taken back, so
 *          the caller need not ignore it. Thread-safe: no shared state.
 * SEE ALSO Postfix smtp/smtp_connect.c, smtp/smtp_proto.c (smtp_helo(),
 *          smtp_start_tls()), smtp/smtp_chat.c, tls/tls_client.c;
 *          postconf(5) smtp_connect_timeout, smtp_helo_timeout,
 *          smtp_starttls_timeout, smtp_helo_name, smtp_tls_wrappermode,
 *          line_length_limit; spec sections 1.7, 2.4, 4, 5.2.
 */
#ifndef TLSPOLICY_SMTP_H
#define TLSPOLICY_SMTP_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/chain.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_SMTP_LINE_MAX 2048                       /* bytes kept per reply line */
#define TLSP_SMTP_REPLY_MAX_LINES 1000                /* lines per reply */
#define TLSP_SMTP_REPLY_MAX_BYTES ((size_t)256 << 20) /* bytes per reply on the wire */
#define TLSP_SMTP_TRANSCRIPT_MAX 200                  /* transcript lines kept */

/*
 * Where the session stopped, and the error text (res->error) each stage
 * carries. HOST[ADDR] is req->host (the address when NULL) and req->addr.
 */
enum tlsp_smtp_stage {
    TLSP_SMTP_CONNECT,     /* connect failed or timed out: "connect to HOST[ADDR]:PORT:
                              Connection refused" / "...: Connection timed out"; wrapper
                              mode below encrypt: "server unavailable or unable to receive
                              mail" (no connection is made, as in Postfix) */
    TLSP_SMTP_GREETING,    /* "lost connection with HOST[ADDR] while receiving the initial
                              server greeting", "conversation with HOST[ADDR] timed out while
                              ...", "host HOST[ADDR] refused to talk to me: REPLY" (not 2xx),
                              or tlspolicy's reply limit ("reply from HOST[ADDR] has more than
                              1000 lines while ...") */
    TLSP_SMTP_EHLO,        /* the same texts "while performing the EHLO handshake" / "...
                              HELO handshake"; "host HOST[ADDR] refused to talk to me: REPLY"
                              for a 421 to EHLO or a refused HELO */
    TLSP_SMTP_NO_STARTTLS, /* STARTTLS not offered (try_tls): "TLS is required, but was not
                              offered by host HOST[ADDR]" (Postfix's text when TLS is
                              required; at "may" Postfix goes on in plaintext) */
    TLSP_SMTP_STARTTLS,    /* STARTTLS answered non-2xx: "TLS is required, but host HOST[ADDR]
                              refused to start TLS: REPLY" (reply_code has the code: 5xx
                              bounces in Postfix); or lost / timed out "while sending the
                              STARTTLS command" / "while receiving the STARTTLS response" */
    TLSP_SMTP_HANDSHAKE,   /* handshake failed: "SSL_connect error to HOST[ADDR]:PORT: -1"
                              (then log has "warning: TLS library problem: ..."), "...: lost
                              connection", "...: Connection timed out"; or could not start:
                              "HOST[ADDR]:PORT: invalid cipher grade: ...", "HOST[ADDR]:PORT:
                              Invalid TLS protocol list ...". Postfix's status reason is then
                              "Cannot start TLS: handshake failure" */
    TLSP_SMTP_TLS_DONE,    /* handshake done; protocol, cipher and chain captured. error is
                              NULL, or says how the dialogue after the handshake failed
                              ("lost connection with HOST[ADDR] while performing the EHLO
                              handshake"; in wrapper mode also the greeting's texts): Postfix
                              judges the certificate first, so callers verify the chain
                              before they look at error */
    TLSP_SMTP_PLAINTEXT,   /* try_tls false: EHLO done, QUIT sent, no TLS; error NULL */
};

struct tlsp_smtp_request {
    const struct tlsp_policy *pol; /* level, cipherlist, exclusions, protocols, servername;
                                      may be NULL when !try_tls and no wrapper mode */
    struct tlsp_cf *cf;            /* smtp_helo_name, smtp_connect_timeout, smtp_helo_timeout,
                                      smtp_starttls_timeout, smtp_quit_timeout,
                                      smtp_tls_wrappermode, tls_eecdh_auto_curves,
                                      tls_<grade>_cipherlist (for the error text of a bad grade) */
    const char *host;              /* MX host name (SNI "hostname", texts); NULL: the address */
    const char *addr;              /* numeric address to connect to (IPv4 or IPv6) */
    unsigned port;                 /* TCP port, 1..65535 */
    const char *ehlo;              /* overrides smtp_helo_name, or NULL */
    unsigned timeout_s;            /* overrides every per-step timeout when non-zero (seconds) */
    bool try_tls;                  /* false: no STARTTLS (level none, or plaintext retry) */
};

struct tlsp_smtp_result {
    enum tlsp_smtp_stage stage;
    char *greeting;          /* first banner line (at most TLSP_SMTP_LINE_MAX bytes,
                                non-printable bytes as '?'), or NULL */
    bool starttls_offered;   /* STARTTLS in the EHLO reply text Postfix keeps */
    bool wrapper;            /* the session used wrapper mode (TLS at connect) */
    int reply_code;          /* code of the last reply that decided the session (e.g. 454 to
                                STARTTLS, 250 to the EHLO after TLS; QUIT's is not kept);
                                0 if none */
    char *reply;             /* that reply's text as Postfix quotes it (lines joined with
                                spaces, at most about 2 * TLSP_SMTP_LINE_MAX), or NULL */
    char *error;             /* what went wrong, Postfix's words where it has them (see
                                enum tlsp_smtp_stage); NULL when nothing went wrong */
    char *protocol, *cipher; /* negotiated, e.g. "TLSv1.3", "TLS_AES_256_GCM_SHA384" */
    int cipher_bits, cipher_alg_bits;
    char *details;            /* what Postfix 3.7 appends to its TLS 1.3 summary line, e.g.
                                 "key-exchange X25519 server-signature RSA-PSS (2048 bits)
                                 server-digest SHA256"; NULL below TLS 1.3 (Postfix adds
                                 nothing there) */
    struct tlsp_chain *chain; /* the peer's chain as sent (leaf first), or NULL (anonymous) */
    char **transcript;        /* "> EHLO x", "< 250-..." lines, at most
                                 TLSP_SMTP_TRANSCRIPT_MAX */
    size_t n_transcript;
    char **log; /* lines Postfix would log for this session besides the
                   status line, in order: "SSL_connect error to ...",
                   "warning: TLS library problem: ...", "warning: HOST[ADDR]:PORT:
                   response longer than 2048: ..." */
    size_t n_log;
};

/*
 * tlsp_smtp_session - run one session against req->addr:req->port
 *
 * In:   req   what to do; every pointer is borrowed for the call only.
 *             req->pol must be a valid policy (not TLSP_LEVEL_INVALID)
 *             when req->try_tls or wrapper mode; its prefix "lmtp"
 *             selects lmtp(8)'s parameters and LHLO. req->cf supplies
 *             (expanded, as postconf -x shows them) smtp_helo_name,
 *             smtp_connect_timeout, smtp_helo_timeout,
 *             smtp_starttls_timeout, smtp_quit_timeout (seconds; a
 *             connect timeout of 0 is bounded at 127 s),
 *             smtp_tls_wrappermode, smtp_discard_ehlo_keywords,
 *             tls_eecdh_auto_curves (or their lmtp_ names).
 * Out:  res   zeroed first, then filled on every return; release with
 *             tlsp_smtp_result_fini() whatever the status. The server's
 *             failures (refused connection, timeouts, non-2xx replies,
 *             TLS alerts, limits exceeded) are reported in res->stage,
 *             res->error and res->log with TLSP_OK: they are Postfix's
 *             outcome, not an error of the call.
 *       diag  tlspolicy's notes (a chain longer than TLSP_CHAIN_MAX_CERTS
 *             cut, a discard table not consulted) and, on failure, why.
 * Returns TLSP_OK (res describes the session); TLSP_INVAL (no
 *       configuration, an address that is not numeric, port 0 or above
 *       65535, an EHLO name longer than 255 bytes or with CR/LF, no valid
 *       policy where TLS is wanted); TLSP_CONFIG (a timeout, boolean or
 *       helo parameter that does not parse; diag has Postfix's fatal
 *       text); TLSP_LIMIT (a parameter's expansion beyond cf's bounds);
 *       TLSP_IO (no TLS client context); TLSP_NOMEM.
 * Time: at most the sum of the step timeouts (connect, greeting + EHLO,
 *       STARTTLS, handshake, EHLO, QUIT), each a deadline for its step.
 * Source: Postfix smtp/smtp_connect.c smtp_connect_addr(),
 *       smtp/smtp_proto.c smtp_helo(), smtp_start_tls(),
 *       smtp/smtp_chat.c smtp_chat_resp(), smtp/smtp_trouble.c
 *       smtp_stream_except(), tls/tls_client.c tls_client_init(),
 *       tls_client_start(), tls/tls_misc.c tls_print_errors(),
 *       tls_get_signature_params(); docs/smtp-limits.md.
 */
enum tlsp_status tlsp_smtp_session(const struct tlsp_smtp_request *req,
                                   struct tlsp_smtp_result *res,
                                   struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_smtp_result_fini - release everything res owns; res is zeroed. */
void tlsp_smtp_result_fini(struct tlsp_smtp_result *res);

/* tlsp_smtp_stage_name - "connect", "greeting", "ehlo", "no-starttls",
 *       "starttls", "handshake", "tls-done", "plaintext"; static, never NULL. */
const char *tlsp_smtp_stage_name(enum tlsp_smtp_stage stage);

#ifdef __cplusplus
}
#endif

#endif
