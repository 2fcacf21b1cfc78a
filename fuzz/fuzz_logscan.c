/*
 * fuzz_logscan.c - the log reader
 *
 * Input: a log file, any bytes (gzip data when it starts with 1f 8b). Each
 * line goes through tlsp_logscan_parse_line() with and without a year; then
 * the whole input, written to a memfd, is read through the reader with the
 * shortest max_line (256), the default programs and one extra name, and,
 * when the first byte is odd, given twice so that the files are put in order
 * by their first dated line. Every line returned must lie within the limits
 * the header promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <tlspolicy/logscan.h>

#define MAX_LINE 256

static void
check_line(const struct tlsp_logline *l, size_t max_len)
{
    /* everything points into the line, program is the end of ident */
    if (l->host_len > max_len || l->ident_len == 0 || l->ident_len > max_len ||
        l->program_len == 0 || l->program_len > l->ident_len ||
        l->program + l->program_len != l->ident + l->ident_len || l->msg_len > max_len ||
        l->pid < 0)
        __builtin_trap();
}

static void
lines(const uint8_t *data, size_t size)
{
    size_t pos = 0;

    while (pos < size) {
        const char *s = (const char *)data + pos;
        const char *nl = memchr(s, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - s) : size - pos;
        struct tlsp_logline l;

        if (tlsp_logscan_parse_line(s, len, 2026, &l)) {
            check_line(&l, len);
            if (l.msg < s || l.msg + l.msg_len > s + len)
                __builtin_trap();
        }
        if (tlsp_logscan_parse_line(s, len, 0, &l)) {
            check_line(&l, len);
            if (!l.has_zone && l.when != -1 && (unsigned char)s[0] >= 'A' &&
                (unsigned char)s[0] <= 'Z')
                __builtin_trap(); /* a traditional line without a year has no time */
        }
        pos += len + 1;
    }
}

static void
reader(const uint8_t *data, size_t size, bool twice)
{
    static const char *const extra[] = {"relay-out"};
    struct tlsp_logscan_opts o;
    struct tlsp_logscan *r = NULL;
    struct tlsp_logscan_stats st;
    struct tlsp_logline l;
    struct tlsp_diag d;
    const char *paths[2];
    char path[64];
    bool got;
    int fd;

    if ((fd = memfd_create("fuzz_logscan", MFD_CLOEXEC)) < 0)
        return;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    paths[0] = paths[1] = path;
    memset(&o, 0, sizeof(o));
    o.max_line = MAX_LINE;
    o.idents = extra;
    o.n_idents = 1;
    tlsp_diag_init(&d);
    if (tlsp_logscan_open(paths, twice ? 2 : 1, &o, &r, &d) == TLSP_OK) {
        while (tlsp_logscan_next(r, &l, &got, &d) == TLSP_OK && got) {
            check_line(&l, MAX_LINE);
            if (l.lineno == 0 || l.file == NULL)
                __builtin_trap();
        }
        tlsp_logscan_stats(r, &st);
        if (st.returned + st.unknown > st.lines || st.truncated > st.lines)
            __builtin_trap();
        tlsp_logscan_free(r);
    }
    tlsp_diag_fini(&d);
    close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lines(data, size);
    reader(data, size, size > 0 && (data[0] & 1));
    return 0;
}
