/*
 * buf.h - growable byte string with a hard size limit
 *
 * WHAT     The one string builder of the library. Always NUL-terminated,
 *          so data can be used as a C string when it holds no NUL byte.
 * CONTRACT Appends fail with TLSP_LIMIT instead of growing past the limit
 *          given at init, and with TLSP_NOMEM when memory runs out; the
 *          contents are unchanged after a failed append.
 *          Knows nothing of mail.
 */
#ifndef TLSP_UTIL_BUF_H
#define TLSP_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>

#include <tlspolicy/status.h>

struct tlsp_buf {
    char *data;   /* NUL-terminated; NULL until the first append */
    size_t len;   /* bytes used, without the NUL */
    size_t cap;   /* bytes allocated */
    size_t limit; /* maximum len */
};

/* Limit used by callers that build short texts (names, messages). */
#define TLSP_BUF_TEXT_LIMIT ((size_t)1 << 20)

void tlsp_buf_init(struct tlsp_buf *b, size_t limit);
void tlsp_buf_fini(struct tlsp_buf *b);
void tlsp_buf_reset(struct tlsp_buf *b);

/* tlsp_buf_str - the contents as a C string ("" when empty); borrowed. */
const char *tlsp_buf_str(const struct tlsp_buf *b);

/* tlsp_buf_steal - hand the heap string to the caller (never NULL unless
 * out of memory) and leave the buffer empty. */
char *tlsp_buf_steal(struct tlsp_buf *b);

enum tlsp_status tlsp_buf_append(struct tlsp_buf *b, const void *p, size_t n) TLSP_MUST_CHECK;
enum tlsp_status tlsp_buf_puts(struct tlsp_buf *b, const char *s) TLSP_MUST_CHECK;
enum tlsp_status tlsp_buf_putc(struct tlsp_buf *b, int c) TLSP_MUST_CHECK;
enum tlsp_status tlsp_buf_printf(struct tlsp_buf *b, const char *fmt, ...) TLSP_MUST_CHECK
    __attribute__((format(printf, 2, 3)));
enum tlsp_status tlsp_buf_vprintf(struct tlsp_buf *b, const char *fmt, va_list ap) TLSP_MUST_CHECK
    __attribute__((format(printf, 2, 0)));

/* tlsp_buf_truncate - shorten to len bytes (no-op if already shorter). */
void tlsp_buf_truncate(struct tlsp_buf *b, size_t len);

#endif
