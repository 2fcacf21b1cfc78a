/*
 * str.c - small string helpers shared by the library
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "str.h"

char *
tlsp_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    if (p) {
        memcpy(p, s, n);
        p[n] = 0;
    }
    return p;
}

char *
tlsp_strdup(const char *s)
{
    return tlsp_strndup(s, strlen(s));
}

char *
tlsp_lowercase(char *s)
{
    char *p;

    for (p = s; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s;
}

static int
fold(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool
tlsp_strcaseeq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (fold((unsigned char)*a) != fold((unsigned char)*b))
            return false;
    return *a == *b;
}

char *
tlsp_trim(char *s)
{
    size_t n;

    s += strspn(s, TLSP_WS);
    n = strlen(s);
    while (n > 0 && strchr(TLSP_WS, s[n - 1]))
        s[--n] = 0;
    return s;
}

char *
tlsp_path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    size_t nl = strlen(name);
    char *p;
    int slash = dl > 0 && dir[dl - 1] == '/';

    p = malloc(dl + nl + 2);
    if (p == NULL)
        return NULL;
    memcpy(p, dir, dl);
    if (!slash)
        p[dl++] = '/';
    memcpy(p + dl, name, nl + 1);
    return p;
}

enum tlsp_status
tlsp_read_file(const char *path, size_t limit, char **data, size_t *len)
{
    FILE *fp;
    struct stat st;
    char *buf = NULL;
    size_t cap = 0, n = 0;
    enum tlsp_status status = TLSP_OK;
    int saved;

    *data = NULL;
    *len = 0;
    if ((fp = fopen(path, "rb")) == NULL)
        return TLSP_IO;
    if (fstat(fileno(fp), &st) == 0 && S_ISDIR(st.st_mode)) {
        fclose(fp);
        errno = EISDIR;
        return TLSP_IO;
    }
    for (;;) {
        size_t got;

        if (n + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *nbuf;

            if (ncap > limit + 4096 + 1)
                ncap = limit + 4096 + 1;
            if (ncap <= cap) {
                status = TLSP_LIMIT;
                break;
            }
            if ((nbuf = realloc(buf, ncap)) == NULL) {
                status = TLSP_NOMEM;
                break;
            }
            buf = nbuf;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (n > limit) {
            status = TLSP_LIMIT;
            break;
        }
        if (got == 0) {
            if (ferror(fp))
                status = TLSP_IO;
            break;
        }
    }
    saved = errno;
    fclose(fp);
    if (status != TLSP_OK) {
        free(buf);
        errno = saved;
        return status;
    }
    if (buf == NULL && (buf = malloc(1)) == NULL)
        return TLSP_NOMEM;
    buf[n] = 0;
    *data = buf;
    *len = n;
    return TLSP_OK;
}

bool
tlsp_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

char *
tlsp_vaprintf(const char *fmt, va_list ap)
{
    struct tlsp_buf b;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if (tlsp_buf_vprintf(&b, fmt, ap) != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

char *
tlsp_aprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    s = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    return s;
}

enum tlsp_status
tlsp_set_str(char **dst, const char *src)
{
    free(*dst);
    *dst = NULL;
    if (src == NULL)
        return TLSP_OK;
    *dst = tlsp_strdup(src);
    return *dst ? TLSP_OK : TLSP_NOMEM;
}

bool
tlsp_all_digits(const char *s)
{
    if (*s == 0)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

char *
tlsp_dn_short_name(const char *oneline)
{
    const char *cn;

    if (oneline == NULL)
        return tlsp_strdup("(unknown)");
    if ((cn = strstr(oneline, "/CN=")) == NULL)
        return tlsp_strdup(oneline);
    cn += 4;
    return tlsp_strndup(cn, strcspn(cn, "/"));
}

char *
tlsp_shell_word(const char *s)
{
    if (s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_@:")] == 0 ||
        strchr(s, '\''))
        return tlsp_strdup(s);
    return tlsp_aprintf("'%s'", s);
}
