/*
 * smtp.c - one SMTP session up to STARTTLS and the TLS handshake
 */
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/smtp.h>

const char *
tlsp_smtp_stage_name(enum tlsp_smtp_stage stage)
{
    switch (stage) {
    case TLSP_SMTP_CONNECT: return "connect";
    case TLSP_SMTP_GREETING: return "greeting";
    case TLSP_SMTP_EHLO: return "ehlo";
    case TLSP_SMTP_NO_STARTTLS: return "no-starttls";
    case TLSP_SMTP_STARTTLS: return "starttls";
    case TLSP_SMTP_HANDSHAKE: return "handshake";
    case TLSP_SMTP_TLS_DONE: return "tls-done";
    case TLSP_SMTP_PLAINTEXT: return "plaintext";
    }
    return "unknown";
}

void
tlsp_smtp_result_fini(struct tlsp_smtp_result *res)
{
    size_t i;

    if (res == NULL)
        return;
    free(res->greeting);
    free(res->reply);
    free(res->error);
    free(res->protocol);
    free(res->cipher);
    tlsp_chain_free(res->chain);
    for (i = 0; i < res->n_transcript; i++)
        free(res->transcript[i]);
    free(res->transcript);
    memset(res, 0, sizeof(*res));
}

enum tlsp_status
tlsp_smtp_session(const struct tlsp_smtp_request *req, struct tlsp_smtp_result *res,
                  struct tlsp_diag *diag)
{
    memset(res, 0, sizeof(*res));
    (void)req;
    tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "SMTP sessions are not implemented yet");
    return TLSP_UNSUPPORTED;
}
