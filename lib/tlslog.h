/*
 * tlslog.h - smtp_tls_loglevel read as Postfix reads it
 *
 * WHAT     Postfix's tls_log_mask(): numbers and keywords, comma or space
 *          separated, case-insensitive, OR-ed into a mask that decides
 *          which TLS lines smtp(8) logs.
 * CONTRACT Pure function of its input; nothing prints or exits.
 * SEE ALSO spec 4.1; Postfix tls/tls_misc.c tls_log_mask().
 */
#ifndef TLSP_TLSLOG_H
#define TLSP_TLSLOG_H

#include <stdbool.h>
#include <stddef.h>

enum {
    TLSP_TLSLOG_SUMMARY = 1u << 0,   /* the "... TLS connection established" line */
    TLSP_TLSLOG_UNTRUSTED = 1u << 1, /* verification failure lines */
    TLSP_TLSLOG_PEERCERT = 1u << 2,  /* subject_CN= ... line */
    TLSP_TLSLOG_CERTMATCH = 1u << 3, /* matched peername, Matched ... lines */
    TLSP_TLSLOG_VERBOSE = 1u << 4,   /* depth= lines, progress */
    TLSP_TLSLOG_CACHE = 1u << 5,
    TLSP_TLSLOG_DANE = 1u << 6,
    TLSP_TLSLOG_DEBUG = 1u << 7,     /* OpenSSL state callback (ssl-debug) */
    TLSP_TLSLOG_TLSPKTS = 1u << 8,
    TLSP_TLSLOG_ALLPKTS = 1u << 9,
};

/*
 * tlsp_tls_log_mask - the mask for one value of *_tls_loglevel
 *
 * In:   param    the parameter name, for the warning text.
 *       value    its expanded value, e.g. "1", "2", "routine, certmatch".
 * Out:  warning  on an unknown word, heap text of Postfix's warning
 *                without "warning: " ("unknown smtp_tls_loglevel value
 *                \"X\" in \"V\""); NULL otherwise. The mask is then 0, as
 *                in Postfix. Caller frees.
 * Returns the mask.
 */
unsigned tlsp_tls_log_mask(const char *param, const char *value, char **warning);

/*
 * tlsp_tls_next_error - Postfix's tls_print_errors() for one error: takes
 *       the oldest error off OpenSSL's thread-local queue and writes the
 *       line Postfix logs for it, "warning: TLS library problem:
 *       ERROR:FILE:LINE:DATA:", the DATA field only when OpenSSL has text.
 *
 * Out:  line  NUL-terminated, truncated to size.
 * Returns false when the queue is empty (line untouched).
 * Source: Postfix tls/tls_misc.c tls_print_errors(); ERR_get_error_all(3).
 */
bool tlsp_tls_next_error(char *line, size_t size);

#endif
