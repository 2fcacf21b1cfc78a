/*
 * strvec.h - growable vector of owned C strings
 *
 * WHAT     A NULL-terminated array of heap strings (v[n] == NULL), as
 *          returned by every splitting function of the library.
 * CONTRACT Embedded: tlsp_strvec_init() before use, tlsp_strvec_fini()
 *          after. Knows nothing of mail.
 */
#ifndef TLSP_UTIL_STRVEC_H
#define TLSP_UTIL_STRVEC_H

#include <stdarg.h>
#include <stddef.h>

#include <tlspolicy/status.h>

struct tlsp_strvec {
    char **v; /* v[n] is NULL once anything was added */
    size_t n;
    size_t cap;
};

void tlsp_strvec_init(struct tlsp_strvec *sv);
void tlsp_strvec_fini(struct tlsp_strvec *sv);

/* tlsp_strvec_push - append a copy of s. */
enum tlsp_status tlsp_strvec_push(struct tlsp_strvec *sv, const char *s) TLSP_MUST_CHECK;

/* tlsp_strvec_pushn - append a copy of the n bytes at s. */
enum tlsp_status tlsp_strvec_pushn(struct tlsp_strvec *sv, const char *s, size_t n) TLSP_MUST_CHECK;

/* tlsp_strvec_push_owned - append s, taking ownership (freed on failure). */
enum tlsp_status tlsp_strvec_push_owned(struct tlsp_strvec *sv, char *s) TLSP_MUST_CHECK;

/*
 * tlsp_strvec_split - append the tokens of s separated by any of the bytes
 *       in delims; empty tokens are dropped (Postfix mystrtok() semantics).
 */
enum tlsp_status tlsp_strvec_split(struct tlsp_strvec *sv, const char *s,
                                   const char *delims) TLSP_MUST_CHECK;

/*
 * tlsp_strvec_split_quoted - as tlsp_strvec_split(), but a token that
 *       starts with '{' extends to its balancing '}' and may contain
 *       delimiters (Postfix 3.x mystrtokq() semantics). The braces stay
 *       in the token.
 */
enum tlsp_status tlsp_strvec_split_quoted(struct tlsp_strvec *sv, const char *s,
                                          const char *delims) TLSP_MUST_CHECK;

/*
 * tlsp_strvec_pushf / tlsp_strvec_vpushf - append a printf-formatted string
 * Returns TLSP_OK or TLSP_NOMEM.
 */
enum tlsp_status tlsp_strvec_pushf(struct tlsp_strvec *sv, const char *fmt, ...) TLSP_MUST_CHECK
    __attribute__((format(printf, 2, 3)));
enum tlsp_status tlsp_strvec_vpushf(struct tlsp_strvec *sv, const char *fmt,
                                    va_list ap) TLSP_MUST_CHECK
    __attribute__((format(printf, 2, 0)));

/* tlsp_strvec_find - index of the first element equal to s, or -1. */
long tlsp_strvec_find(const struct tlsp_strvec *sv, const char *s);

/*
 * tlsp_strvec_release - hand the strings over as a plain array
 *
 * Out:  arr, n  the NULL-terminated array (never NULL, even when empty) and
 *               its length; the caller owns it and frees it with
 *               tlsp_strarr_free(). sv is left empty.
 * Returns TLSP_OK or TLSP_NOMEM (sv then unchanged).
 */
enum tlsp_status tlsp_strvec_release(struct tlsp_strvec *sv, char ***arr,
                                     size_t *n) TLSP_MUST_CHECK;

/* tlsp_strarr_free - free n strings and the array; arr may be NULL. */
void tlsp_strarr_free(char **arr, size_t n);

#endif
