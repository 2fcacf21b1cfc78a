/*
 * utf8.c - UTF-8 validation, case folding and printable text
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/ucasemap.h>
#include <unicode/utypes.h>

#include "utf8.h"

bool
tlsp_ascii_only(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80)
            return false;
    return true;
}

/* Length of the well-formed UTF-8 sequence at p (at most end - p bytes),
 * or 0 when the bytes there are not one. */
static size_t
seq_len(const unsigned char *p, const unsigned char *end)
{
    unsigned c0 = p[0];
    size_t n, i;
    unsigned lo = 0x80, hi = 0xbf;

    if (c0 < 0x80)
        return 1;
    if (c0 < 0xc2)
        return 0;
    if (c0 < 0xe0) {
        n = 2;
    } else if (c0 < 0xf0) {
        n = 3;
        if (c0 == 0xe0)
            lo = 0xa0; /* over-long */
        else if (c0 == 0xed)
            hi = 0x9f; /* surrogates */
    } else if (c0 <= 0xf4) {
        n = 4;
        if (c0 == 0xf0)
            lo = 0x90; /* over-long */
        else if (c0 == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
    } else {
        return 0;
    }
    if ((size_t)(end - p) < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (i = 2; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

bool
tlsp_utf8_valid(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + len;

    while (p < end) {
        size_t n = seq_len(p, end);

        if (n == 0)
            return false;
        p += n;
    }
    return true;
}

enum tlsp_status
tlsp_utf8_casefold(const char *src, bool utf8, struct tlsp_buf *out)
{
    enum tlsp_status st;
    UErrorCode err = U_ZERO_ERROR;
    UCaseMap *csm;
    int32_t need;
    size_t len = strlen(src);

    tlsp_buf_reset(out);
    if (!utf8 || tlsp_ascii_only(src)) {
        size_t i;

        if ((st = tlsp_buf_append(out, src, len)) != TLSP_OK)
            return st;
        for (i = 0; i < out->len; i++)
            if (out->data[i] >= 'A' && out->data[i] <= 'Z')
                out->data[i] = (char)(out->data[i] - 'A' + 'a');
        return TLSP_OK;
    }
    if (!tlsp_utf8_valid(src, len))
        return TLSP_INVAL;
    if (len > (size_t)INT32_MAX / 4)
        return TLSP_LIMIT;
    csm = ucasemap_open("en_US", U_FOLD_CASE_DEFAULT, &err);
    if (U_FAILURE(err))
        return TLSP_NOMEM;
    need = ucasemap_utf8FoldCase(csm, NULL, 0, src, (int32_t)len, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR || U_SUCCESS(err)) {
        char *tmp = malloc((size_t)need + 1);

        err = U_ZERO_ERROR;
        if (tmp == NULL) {
            ucasemap_close(csm);
            return TLSP_NOMEM;
        }
        need = ucasemap_utf8FoldCase(csm, tmp, need + 1, src, (int32_t)len, &err);
        st = U_FAILURE(err) ? TLSP_INVAL : tlsp_buf_append(out, tmp, (size_t)need);
        free(tmp);
    } else {
        st = TLSP_INVAL;
    }
    ucasemap_close(csm);
    return st;
}

enum tlsp_status
tlsp_printable_append(struct tlsp_buf *out, const char *s, bool utf8)
{
    const unsigned char *p = (const unsigned char *)s;
    const unsigned char *end = p + strlen(s);
    enum tlsp_status st;

    while (p < end) {
        size_t n = 1;

        if (*p >= 0x20 && *p < 0x7f) {
            st = tlsp_buf_putc(out, *p);
        } else if (utf8 && *p >= 0x80 && (n = seq_len(p, end)) > 1) {
            st = tlsp_buf_append(out, p, n);
        } else {
            n = 1;
            st = tlsp_buf_putc(out, '?');
        }
        if (st != TLSP_OK)
            return st;
        p += n;
    }
    return TLSP_OK;
}
