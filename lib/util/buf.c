/*
 * buf.c - growable byte string with a hard size limit
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

void
tlsp_buf_init(struct tlsp_buf *b, size_t limit)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->limit = limit;
}

void
tlsp_buf_fini(struct tlsp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void
tlsp_buf_reset(struct tlsp_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = 0;
}

const char *
tlsp_buf_str(const struct tlsp_buf *b)
{
    return b->data ? b->data : "";
}

char *
tlsp_buf_steal(struct tlsp_buf *b)
{
    char *s = b->data;

    if (s == NULL)
        s = calloc(1, 1);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    return s;
}

static enum tlsp_status
reserve(struct tlsp_buf *b, size_t extra)
{
    size_t need;
    size_t cap;
    char *p;

    if (extra > b->limit || b->len > b->limit - extra)
        return TLSP_LIMIT;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return TLSP_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return TLSP_NOMEM;
    if (b->data == NULL)
        p[0] = 0;
    b->data = p;
    b->cap = cap;
    return TLSP_OK;
}

enum tlsp_status
tlsp_buf_append(struct tlsp_buf *b, const void *p, size_t n)
{
    enum tlsp_status st = reserve(b, n);

    if (st != TLSP_OK)
        return st;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return TLSP_OK;
}

enum tlsp_status
tlsp_buf_puts(struct tlsp_buf *b, const char *s)
{
    return tlsp_buf_append(b, s, strlen(s));
}

enum tlsp_status
tlsp_buf_putc(struct tlsp_buf *b, int c)
{
    char ch = (char)c;

    return tlsp_buf_append(b, &ch, 1);
}

enum tlsp_status
tlsp_buf_vprintf(struct tlsp_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;
    enum tlsp_status st;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0)
        return TLSP_INVAL;
    if ((st = reserve(b, (size_t)n)) != TLSP_OK)
        return st;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return TLSP_OK;
}

enum tlsp_status
tlsp_buf_printf(struct tlsp_buf *b, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return st;
}

void
tlsp_buf_truncate(struct tlsp_buf *b, size_t len)
{
    if (len < b->len) {
        b->len = len;
        b->data[len] = 0;
    }
}
