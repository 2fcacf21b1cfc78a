/*
 * str.h - small string helpers shared by the library
 *
 * CONTRACT Functions that allocate return NULL on out of memory and never
 *          exit. ASCII only: Postfix folds case and trims white space with
 *          the C locale's rules, and so do these. Knows nothing of mail.
 */
#ifndef TLSP_UTIL_STR_H
#define TLSP_UTIL_STR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/status.h>

/* White space as Postfix's ISSPACE() sees it in configuration files. */
#define TLSP_WS " \t\r\n\v\f"
/* Postfix's CHARS_COMMA_SP list separators. */
#define TLSP_COMMA_SP ", \t\r\n"

char *tlsp_strdup(const char *s);
char *tlsp_strndup(const char *s, size_t n);

/* tlsp_lowercase - fold ASCII letters in place; returns s. */
char *tlsp_lowercase(char *s);

/* tlsp_strcaseeq - ASCII case-insensitive equality. */
bool tlsp_strcaseeq(const char *a, const char *b);

/* tlsp_trim - strip leading and trailing white space in place; returns the
 * first non-blank byte inside s. */
char *tlsp_trim(char *s);

/* tlsp_path_join - "dir/name" on the heap (no doubled slash). */
char *tlsp_path_join(const char *dir, const char *name);

/*
 * tlsp_read_file - whole file into a NUL-terminated heap string
 *
 * In:   path   file to read.
 *       limit  maximum size in bytes; larger files fail with TLSP_LIMIT.
 * Out:  data   heap string, caller frees; *len its length (may hold NULs).
 * Returns TLSP_OK, TLSP_IO (errno is set), TLSP_LIMIT or TLSP_NOMEM.
 */
enum tlsp_status tlsp_read_file(const char *path, size_t limit, char **data,
                                size_t *len) TLSP_MUST_CHECK;

/*
 * tlsp_aprintf / tlsp_vaprintf - printf into a new heap string (at most
 * TLSP_BUF_TEXT_LIMIT bytes); the caller frees it. NULL on out of memory
 * or when the text would exceed the limit.
 */
char *tlsp_aprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *tlsp_vaprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/*
 * tlsp_set_str - replace *dst (freed) with a heap copy of src, or NULL when
 * src is NULL. Returns TLSP_OK or TLSP_NOMEM (*dst is then NULL).
 */
enum tlsp_status tlsp_set_str(char **dst, const char *src) TLSP_MUST_CHECK;

/* tlsp_all_digits - s is non-empty and only ASCII digits (Postfix alldig()). */
bool tlsp_all_digits(const char *s);

/* tlsp_ends_with - whether s ends with suffix. */
bool tlsp_ends_with(const char *s, const char *suffix);

/* tlsp_dn_short_name - the CN of an OpenSSL one-line DN ("/O=X/CN=Y" gives
 * "Y"), else the whole DN; "(unknown)" for NULL. Heap; NULL when out of memory. */
char *tlsp_dn_short_name(const char *oneline);

/* tlsp_shell_word - s as one word for a shell command line shown to the
 * user: as it is when it holds only letters, digits and ".-_@:", else in
 * single quotes (as it is when it holds a quote). Heap; NULL when out of memory. */
char *tlsp_shell_word(const char *s);

#endif
