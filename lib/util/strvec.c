/*
 * strvec.c - growable vector of owned C strings
 */
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "strvec.h"

void
tlsp_strvec_init(struct tlsp_strvec *sv)
{
    sv->v = NULL;
    sv->n = 0;
    sv->cap = 0;
}

void
tlsp_strvec_fini(struct tlsp_strvec *sv)
{
    size_t i;

    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    tlsp_strvec_init(sv);
}

enum tlsp_status
tlsp_strvec_push_owned(struct tlsp_strvec *sv, char *s)
{
    if (s == NULL)
        return TLSP_NOMEM;
    if (sv->n + 1 >= sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 8;
        char **v = realloc(sv->v, cap * sizeof(*v));

        if (v == NULL) {
            free(s);
            return TLSP_NOMEM;
        }
        sv->v = v;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
    return TLSP_OK;
}

enum tlsp_status
tlsp_strvec_pushn(struct tlsp_strvec *sv, const char *s, size_t n)
{
    char *copy = malloc(n + 1);

    if (copy == NULL)
        return TLSP_NOMEM;
    memcpy(copy, s, n);
    copy[n] = 0;
    return tlsp_strvec_push_owned(sv, copy);
}

enum tlsp_status
tlsp_strvec_push(struct tlsp_strvec *sv, const char *s)
{
    return tlsp_strvec_pushn(sv, s, strlen(s));
}

enum tlsp_status
tlsp_strvec_split(struct tlsp_strvec *sv, const char *s, const char *delims)
{
    enum tlsp_status st;

    for (;;) {
        size_t n;

        s += strspn(s, delims);
        if (*s == 0)
            return TLSP_OK;
        n = strcspn(s, delims);
        if ((st = tlsp_strvec_pushn(sv, s, n)) != TLSP_OK)
            return st;
        s += n;
    }
}

enum tlsp_status
tlsp_strvec_split_quoted(struct tlsp_strvec *sv, const char *s, const char *delims)
{
    enum tlsp_status st;

    for (;;) {
        const char *start;
        int level = 0;

        s += strspn(s, delims);
        if (*s == 0)
            return TLSP_OK;
        start = s;
        for (; *s; s++) {
            if (*s == '{')
                level++;
            else if (*s == '}' && level > 0)
                level--;
            else if (level == 0 && strchr(delims, *s))
                break;
        }
        if ((st = tlsp_strvec_pushn(sv, start, (size_t)(s - start))) != TLSP_OK)
            return st;
    }
}

long
tlsp_strvec_find(const struct tlsp_strvec *sv, const char *s)
{
    size_t i;

    for (i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return (long)i;
    return -1;
}

enum tlsp_status
tlsp_strvec_release(struct tlsp_strvec *sv, char ***arr, size_t *n)
{
    if (sv->v == NULL && (sv->v = calloc(1, sizeof(char *))) == NULL)
        return TLSP_NOMEM;
    *arr = sv->v;
    *n = sv->n;
    tlsp_strvec_init(sv);
    return TLSP_OK;
}

void
tlsp_strarr_free(char **arr, size_t n)
{
    size_t i;

    for (i = 0; arr && i < n; i++)
        free(arr[i]);
    free(arr);
}

enum tlsp_status
tlsp_strvec_vpushf(struct tlsp_strvec *sv, const char *fmt, va_list ap)
{
    return tlsp_strvec_push_owned(sv, tlsp_vaprintf(fmt, ap));
}

enum tlsp_status
tlsp_strvec_pushf(struct tlsp_strvec *sv, const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_strvec_vpushf(sv, fmt, ap);
    va_end(ap);
    return st;
}
