/*
 * tlslog.c - smtp_tls_loglevel read as Postfix reads it (tls_log_mask())
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "tlslog.h"
#include "util/str.h"
#include "util/strvec.h"

#define LOG_DEBUG_MASK \
    (TLSP_TLSLOG_SUMMARY | TLSP_TLSLOG_VERBOSE | TLSP_TLSLOG_CACHE | TLSP_TLSLOG_DEBUG)

static const struct {
    const char *name;
    unsigned mask;
} words[] = {
    {"0", 0},
    {"none", 0},
    {"1", TLSP_TLSLOG_SUMMARY},
    {"routine", TLSP_TLSLOG_SUMMARY},
    {"summary", TLSP_TLSLOG_SUMMARY},
    {"2", LOG_DEBUG_MASK},
    {"debug", LOG_DEBUG_MASK},
    {"3", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS},
    {"ssl-expert", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS},
    {"4", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"5", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"6", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"7", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"8", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"9", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"ssl-developer", LOG_DEBUG_MASK | TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
    {"untrusted", TLSP_TLSLOG_UNTRUSTED},
    {"peercert", TLSP_TLSLOG_PEERCERT},
    {"certmatch", TLSP_TLSLOG_CERTMATCH},
    {"verbose", TLSP_TLSLOG_VERBOSE},
    {"cache", TLSP_TLSLOG_CACHE},
    {"dane", TLSP_TLSLOG_DANE},
    {"ssl-debug", TLSP_TLSLOG_DEBUG},
    {"ssl-handshake-packet-dump", TLSP_TLSLOG_TLSPKTS},
    {"ssl-session-packet-dump", TLSP_TLSLOG_TLSPKTS | TLSP_TLSLOG_ALLPKTS},
};

unsigned
tlsp_tls_log_mask(const char *param, const char *value, char **warning)
{
    struct tlsp_strvec toks;
    unsigned mask = 0;
    size_t i, j;

    *warning = NULL;
    tlsp_strvec_init(&toks);
    if (tlsp_strvec_split(&toks, value, TLSP_COMMA_SP) != TLSP_OK) {
        tlsp_strvec_fini(&toks);
        return 0;
    }
    for (i = 0; i < toks.n; i++) {
        for (j = 0; j < sizeof(words) / sizeof(words[0]); j++)
            if (tlsp_strcaseeq(toks.v[i], words[j].name))
                break;
        if (j == sizeof(words) / sizeof(words[0])) {
            *warning = tlsp_aprintf("unknown %s value \"%s\" in \"%s\"", param, toks.v[i], value);
            mask = 0;
            break;
        }
        mask |= words[j].mask;
    }
    tlsp_strvec_fini(&toks);
    return mask;
}

bool
tlsp_tls_next_error(char *line, size_t size)
{
    const char *file, *data;
    int lineno, flags;
    unsigned long err;
    char buf[256];

    err = ERR_get_error_all(&file, &lineno, NULL, &data, &flags);
    if (err == 0)
        return false;
    ERR_error_string_n(err, buf, sizeof(buf));
    /* Postfix logs the data field only when there is one: "...:75:" */
    if ((flags & ERR_TXT_STRING) && data && *data)
        snprintf(line, size, "warning: TLS library problem: %s:%s:%d:%s:", buf, file ? file : "",
                 lineno, data);
    else
        snprintf(line, size, "warning: TLS library problem: %s:%s:%d:", buf, file ? file : "",
                 lineno);
    return true;
}
