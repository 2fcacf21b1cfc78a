/*
 * logscan.c - Postfix log lines, from any of the formats they are kept in
 *
 * One buffer of TLSP_LOGSCAN_BUF bytes (less for a small file) holds the
 * data of the file being read; lines are found with memchr() and split in
 * place. A line is first classified by its time stamp and its syslog name
 * only (a few byte comparisons); the rest of it (pid, message, the time in
 * seconds) is worked out only for the lines of the programs asked for.
 * Several files are put in time order by the first dated line of their
 * first LS_PEEK bytes (of any program, with or without a pid), then opened
 * one at a time (standard input and other files that cannot be opened twice
 * stay open with the bytes already read).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include <tlspolicy/logscan.h>

#include "util/str.h"

#define LS_PEEK ((size_t)64 << 10)   /* bytes looked at to order files */
#define LS_GZ_IN ((size_t)256 << 10) /* compressed input buffer */
#define LS_PROGRESS_STEP ((unsigned long long)64 << 20)
#define LS_MAX_PID_DIGITS 10

static const char *const default_programs[] = {"smtp", "lmtp", "tlsproxy", "error", "retry"};

enum ls_fmt { FMT_TRAD, FMT_ISO, FMT_5424 };

/* A time stamp as written. */
struct stamp {
    bool dated; /* a time stamp was read (the rest of the line may be bad) */
    enum ls_fmt fmt;
    bool nil;      /* RFC 5424 "-": no time */
    bool has_zone; /* ISO and RFC 5424 with Z or an offset */
    int year;      /* 0 for traditional lines */
    int mon, day, hh, mi, ss;
    int off_s;
};

enum split_res { SPLIT_OK, SPLIT_UNWANTED, SPLIT_UNKNOWN };

struct name {
    const char *s;
    size_t len;
};

struct filter {
    struct name *programs;
    size_t n_programs;
    struct name *idents;
    size_t n_idents;
};

struct lsfile {
    char *name;          /* as given */
    size_t given;        /* position in the caller's list */
    int fd;              /* -1 when closed */
    bool is_stdin;       /* "-" */
    bool regular;        /* can be opened again */
    unsigned char *head; /* raw bytes read before the data proper */
    size_t head_len, head_off;
    bool head_owned;         /* head is this file's own copy (kept-open files) */
    unsigned long long size; /* regular files; else 0 */
    time_t mtime;            /* modification time, or the time of opening */
    long long first_when;    /* first dated line (sort key); LLONG_MAX unknown */
};

struct tlsp_logscan {
    struct tlsp_logscan_opts opts;
    struct filter filter;
    struct lsfile *files;
    size_t n_files;
    size_t next_file;   /* index of the next file to open */
    struct lsfile *cur; /* the file being read, or NULL */

    char *buf; /* data [start, end) */
    size_t cap, start, end;
    bool eof;      /* the current file gives no more data */
    bool skipping; /* discarding the rest of a line cut at max_line */
    unsigned long long lineno;
    unsigned char *headbuf; /* LS_PEEK bytes: heads of regular files */

    bool gz; /* the current file is gzip data */
    z_stream zs;
    bool zinit;
    unsigned char *zin;          /* LS_GZ_IN compressed bytes */
    bool raw_eof;                /* no more compressed bytes */
    bool member_end;             /* inflate() finished a gzip member */
    enum tlsp_status pending_st; /* error found after data still to return */
    char *pending_msg;

    /* year of traditional lines */
    bool y_set;
    bool y_next_file; /* --year: the first line of a file after the first */
    int y_year, y_mon;
    int base_year;       /* from the modification time */
    long long base_when; /* the modification time as local time, seconds */

    /* days since 1970 of the first of a month, the last one asked for */
    int c_year, c_mon;
    long long c_days;

    struct tlsp_logscan_stats st;
    unsigned long long raw_done, total, next_progress;
    bool finished;

    struct ahead *ahead;     /* read-ahead thread, or NULL */
    atomic_bool stop_ahead; /* tlsp_logscan_free() wants the thread to stop */
};

/* ---- time ---------------------------------------------------------------- */

/* days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar */
static long long
days_from_civil(long long y, int m, int d)
{
    long long era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static long long
month_days(struct tlsp_logscan *r, int year, int mon)
{
    if (r == NULL)
        return days_from_civil(year, mon, 1);
    if (year != r->c_year || mon != r->c_mon) {
        r->c_year = year;
        r->c_mon = mon;
        r->c_days = days_from_civil(year, mon, 1);
    }
    return r->c_days;
}

static long long
stamp_seconds(struct tlsp_logscan *r, const struct stamp *t, int year)
{
    long long days = month_days(r, year, t->mon) + t->day - 1;

    return days * 86400 + t->hh * 3600 + t->mi * 60 + t->ss - t->off_s;
}

/*
 * The year of a traditional first line t given the reference time ref
 * (local time as seconds since 1970, in ref_year): the year that makes the
 * line's date not later than ref plus one day (a day of slack for clocks
 * and zones), i.e. ref_year or the year before.
 */
static int
first_year(const struct stamp *t, int ref_year, long long ref)
{
    return stamp_seconds(NULL, t, ref_year) > ref + 86400 ? ref_year - 1 : ref_year;
}

/*
 * The year of a traditional line t. The first line takes the given year,
 * or first_year() of the modification time. The year
 * advances when the month goes back across the new year (from a month more
 * than six months later, e.g. December to January); a line of a month more
 * than six months later than the last one is a late line of the year before
 * and changes nothing. With --year, the year carries on to the next file,
 * whose first line comes after the last one of the file before: an earlier
 * month there means the next year, a later one the same year.
 */
static int
year_of(struct tlsp_logscan *r, const struct stamp *t)
{
    int mon = t->mon;

    if (!r->y_set) {
        if (r->opts.year)
            r->y_year = r->opts.year;
        else
            r->y_year = first_year(t, r->base_year, r->base_when);
        r->y_mon = mon;
        r->y_set = true;
        return r->y_year;
    }
    if (r->y_next_file) {
        r->y_next_file = false;
        if (mon < r->y_mon)
            r->y_year++;
        r->y_mon = mon;
        return r->y_year;
    }
    if (mon == r->y_mon)
        return r->y_year;
    if (mon < r->y_mon - 6) {
        r->y_year++;
        r->y_mon = mon;
        return r->y_year;
    }
    if (mon > r->y_mon + 6)
        return r->y_year - 1;
    r->y_mon = mon;
    return r->y_year;
}

/* ---- splitting a line ---------------------------------------------------- */

static inline bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* two digits, or -1 */
static inline int
d2(const char *p)
{
    if (!is_digit(p[0]) || !is_digit(p[1]))
        return -1;
    return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "Jan" .. "Dec" as 1 .. 12, or 0 */
static int
month_of(const char *p)
{
    switch (((unsigned)(unsigned char)p[0] << 16) | ((unsigned)(unsigned char)p[1] << 8) |
            (unsigned char)p[2]) {
    case 'J' << 16 | 'a' << 8 | 'n':
        return 1;
    case 'F' << 16 | 'e' << 8 | 'b':
        return 2;
    case 'M' << 16 | 'a' << 8 | 'r':
        return 3;
    case 'A' << 16 | 'p' << 8 | 'r':
        return 4;
    case 'M' << 16 | 'a' << 8 | 'y':
        return 5;
    case 'J' << 16 | 'u' << 8 | 'n':
        return 6;
    case 'J' << 16 | 'u' << 8 | 'l':
        return 7;
    case 'A' << 16 | 'u' << 8 | 'g':
        return 8;
    case 'S' << 16 | 'e' << 8 | 'p':
        return 9;
    case 'O' << 16 | 'c' << 8 | 't':
        return 10;
    case 'N' << 16 | 'o' << 8 | 'v':
        return 11;
    case 'D' << 16 | 'e' << 8 | 'c':
        return 12;
    }
    return 0;
}

static bool
clock_ok(const struct stamp *t)
{
    return t->mon >= 1 && t->mon <= 12 && t->day >= 1 && t->day <= 31 && t->hh >= 0 &&
           t->hh <= 23 && t->mi >= 0 && t->mi <= 59 && t->ss >= 0 && t->ss <= 60;
}

/*
 * "Mmm dd hh:mm:ss " (day zero- or space-padded), or with a fraction of a
 * second as journalctl -o short-precise writes it ("Mmm dd hh:mm:ss.ffffff ",
 * the fraction dropped); returns where the host starts, 0 when it is not one
 */
static size_t
trad_stamp(const char *p, size_t n, struct stamp *t)
{
    size_t i = 15;

    if (n < 17 || p[3] != ' ' || p[6] != ' ' || p[9] != ':' || p[12] != ':')
        return 0;
    if (p[i] == '.') {
        size_t j = ++i;

        while (i < n && is_digit(p[i]))
            i++;
        if (i == j || i - j > 9)
            return 0;
    }
    if (i + 1 >= n || p[i] != ' ')
        return 0;
    t->fmt = FMT_TRAD;
    t->nil = false;
    t->has_zone = false;
    t->year = 0;
    t->off_s = 0;
    t->mon = month_of(p);
    t->day = p[4] == ' ' ? (is_digit(p[5]) ? p[5] - '0' : -1) : d2(p + 4);
    t->hh = d2(p + 7);
    t->mi = d2(p + 10);
    t->ss = d2(p + 13);
    return clock_ok(t) ? i + 1 : 0;
}

/*
 * RFC 3339 "YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|+hhmm]" (no zone accepted too);
 * returns its length, 0 when it is not one
 */
static size_t
iso_stamp(const char *p, size_t n, struct stamp *t)
{
    size_t i = 19;
    int y1, y2;

    if (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') || p[13] != ':' ||
        p[16] != ':')
        return 0;
    if ((y1 = d2(p)) < 0 || (y2 = d2(p + 2)) < 0)
        return 0;
    t->nil = false;
    t->year = y1 * 100 + y2;
    t->mon = d2(p + 5);
    t->day = d2(p + 8);
    t->hh = d2(p + 11);
    t->mi = d2(p + 14);
    t->ss = d2(p + 17);
    t->off_s = 0;
    t->has_zone = false;
    if (!clock_ok(t))
        return 0;
    if (i < n && p[i] == '.') {
        size_t j = ++i;

        while (i < n && is_digit(p[i]))
            i++;
        if (i == j)
            return 0;
    }
    if (i < n && (p[i] == 'Z' || p[i] == 'z')) {
        t->has_zone = true;
        i++;
    } else if (i < n && (p[i] == '+' || p[i] == '-')) {
        int sign = p[i] == '-' ? -1 : 1, oh, om;

        if (n - i >= 6 && p[i + 3] == ':') {
            oh = d2(p + i + 1);
            om = d2(p + i + 4);
            i += 6;
        } else if (n - i >= 5) {
            oh = d2(p + i + 1);
            om = d2(p + i + 3);
            i += 5;
        } else {
            return 0;
        }
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return 0;
        t->has_zone = true;
        t->off_s = sign * (oh * 3600 + om * 60);
    }
    return i;
}

static bool
wanted(const struct filter *f, const char *ident, size_t ident_len, const char *prog,
       size_t prog_len)
{
    size_t i;

    for (i = 0; i < f->n_programs; i++)
        if (f->programs[i].len == prog_len && memcmp(f->programs[i].s, prog, prog_len) == 0)
            return true;
    for (i = 0; i < f->n_idents; i++)
        if (f->idents[i].len == ident_len && memcmp(f->idents[i].s, ident, ident_len) == 0)
            return true;
    return false;
}

/* the end of a space-terminated token starting at p (before end), or NULL */
static inline const char *
token_end(const char *p, const char *end)
{
    return p < end ? memchr(p, ' ', (size_t)(end - p)) : NULL;
}

static bool
parse_pid(const char *p, size_t n, long *pid)
{
    long v = 0;
    size_t i;

    if (n == 0 || n > LS_MAX_PID_DIGITS)
        return false;
    for (i = 0; i < n; i++) {
        if (!is_digit(p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *pid = v;
    return true;
}

/* "<PRI>1 TIMESTAMP HOST APP-NAME PROCID MSGID SD [MSG]" after "<PRI>1 " */
static enum split_res
split_5424(const char *p, const char *end, const struct filter *f, struct tlsp_logline *l,
           struct stamp *t)
{
    const char *e, *slash, *q;
    size_t k;

    t->fmt = FMT_5424;
    if (end - p >= 2 && p[0] == '-' && p[1] == ' ') {
        t->nil = true;
        t->has_zone = false;
        t->year = 0;
        t->off_s = 0;
        k = 1;
    } else if ((k = iso_stamp(p, (size_t)(end - p), t)) == 0) {
        return SPLIT_UNKNOWN;
    }
    if (end - p <= (ptrdiff_t)k || p[k] != ' ')
        return SPLIT_UNKNOWN;
    t->dated = !t->nil;
    p += k + 1;
    /* HOSTNAME */
    if ((e = token_end(p, end)) == NULL || e == p)
        return SPLIT_UNKNOWN;
    l->host = p;
    l->host_len = (e - p == 1 && *p == '-') ? 0 : (size_t)(e - p);
    p = e + 1;
    /* APP-NAME */
    if ((e = token_end(p, end)) == NULL || e == p || (e - p == 1 && *p == '-'))
        return SPLIT_UNKNOWN;
    slash = NULL;
    for (q = p; q < e; q++)
        if (*q == '/')
            slash = q;
    l->ident = p;
    l->ident_len = (size_t)(e - p);
    l->program = slash ? slash + 1 : p;
    l->program_len = (size_t)(e - l->program);
    if (l->program_len == 0)
        return SPLIT_UNKNOWN;
    if (f && !wanted(f, l->ident, l->ident_len, l->program, l->program_len))
        return SPLIT_UNWANTED;
    p = e + 1;
    /* PROCID */
    if ((e = token_end(p, end)) == NULL || !parse_pid(p, (size_t)(e - p), &l->pid))
        return SPLIT_UNKNOWN;
    p = e + 1;
    /* MSGID */
    if ((e = token_end(p, end)) == NULL || e == p)
        return SPLIT_UNKNOWN;
    p = e + 1;
    /* STRUCTURED-DATA: "-" or [ID PARAM="VALUE" ...]... */
    if (p < end && *p == '-') {
        p++;
    } else if (p < end && *p == '[') {
        while (p < end && *p == '[') {
            bool quoted = false;

            for (p++; p < end; p++) {
                if (quoted && *p == '\\') {
                    if (++p == end)
                        return SPLIT_UNKNOWN;
                } else if (*p == '"') {
                    quoted = !quoted;
                } else if (!quoted && *p == ']') {
                    break;
                }
            }
            if (p == end)
                return SPLIT_UNKNOWN;
            p++;
        }
    } else {
        return SPLIT_UNKNOWN;
    }
    if (p == end) {
        l->msg = p;
        l->msg_len = 0;
    } else if (*p == ' ') {
        p++;
        if (end - p >= 3 && (unsigned char)p[0] == 0xef && (unsigned char)p[1] == 0xbb &&
            (unsigned char)p[2] == 0xbf)
            p += 3;
        l->msg = p;
        l->msg_len = (size_t)(end - p);
    } else {
        return SPLIT_UNKNOWN;
    }
    return SPLIT_OK;
}

/*
 * Split one line (no newline). With a filter, a line of a program not asked
 * for is SPLIT_UNWANTED as soon as its syslog name is known. t is filled
 * whenever the result is not SPLIT_UNKNOWN.
 */
static enum split_res
split(const char *s, size_t len, const struct filter *f, struct tlsp_logline *l, struct stamp *t)
{
    const char *p = s, *end, *h, *e, *q, *slash;
    size_t hoff, k;

    t->dated = false;
    if (len && s[len - 1] == '\r')
        len--;
    end = s + len;
    if (len && *p == '<') {
        /* <PRI>: RFC 5424 when "1 " follows, else an RFC 3164 line */
        int pri = 0;

        for (q = p + 1; q < end && q - p <= 3 && is_digit(*q); q++)
            pri = pri * 10 + (*q - '0');
        if (q == p + 1 || q >= end || *q != '>' || pri > 191)
            return SPLIT_UNKNOWN;
        p = q + 1;
        if (end - p >= 2 && p[0] == '1' && p[1] == ' ')
            return split_5424(p + 2, end, f, l, t);
    }
    if (p == end)
        return SPLIT_UNKNOWN;
    if (*p >= 'A' && *p <= 'Z') {
        if ((hoff = trad_stamp(p, (size_t)(end - p), t)) == 0)
            return SPLIT_UNKNOWN;
        t->dated = true;
    } else if (is_digit(*p)) {
        if ((k = iso_stamp(p, (size_t)(end - p), t)) == 0 || end - p <= (ptrdiff_t)k + 1 ||
            p[k] != ' ')
            return SPLIT_UNKNOWN;
        t->fmt = FMT_ISO;
        hoff = k + 1;
        t->dated = true;
    } else {
        return SPLIT_UNKNOWN;
    }
    /* HOST */
    h = p + hoff;
    if ((e = token_end(h, end)) == NULL || e == h)
        return SPLIT_UNKNOWN;
    l->host = h;
    l->host_len = (size_t)(e - h);
    /* ident up to "[" (or ":" when there is no pid) */
    slash = NULL;
    for (q = e + 1; q < end; q++) {
        char c = *q;

        if (c == '[' || c == ':' || c == ' ')
            break;
        if (c == '/')
            slash = q;
    }
    if (q == end || q == e + 1)
        return SPLIT_UNKNOWN;
    l->ident = e + 1;
    l->ident_len = (size_t)(q - l->ident);
    l->program = slash ? slash + 1 : l->ident;
    l->program_len = (size_t)(q - l->program);
    if (l->program_len == 0)
        return SPLIT_UNKNOWN;
    if (f && !wanted(f, l->ident, l->ident_len, l->program, l->program_len))
        return SPLIT_UNWANTED;
    if (*q != '[')
        return SPLIT_UNKNOWN;
    /* "[pid]:" and one space */
    p = q + 1;
    if ((q = memchr(p, ']', (size_t)(end - p))) == NULL || !parse_pid(p, (size_t)(q - p), &l->pid))
        return SPLIT_UNKNOWN;
    if (++q == end || *q != ':')
        return SPLIT_UNKNOWN;
    if (++q < end && *q == ' ')
        q++;
    l->msg = q;
    l->msg_len = (size_t)(end - q);
    return SPLIT_OK;
}

static void
fill_time(struct tlsp_logline *l, long long when, const struct stamp *t)
{
    l->when = when;
    l->has_zone = t->has_zone;
    l->utc_offset_s = t->off_s;
}

bool
tlsp_logscan_parse_line(const char *s, size_t len, int year, struct tlsp_logline *line)
{
    struct tlsp_logline l;
    struct stamp t;

    memset(&l, 0, sizeof(l));
    if (s == NULL || line == NULL || split(s, len, NULL, &l, &t) != SPLIT_OK)
        return false;
    if (t.nil)
        fill_time(&l, -1, &t);
    else if (t.fmt == FMT_TRAD)
        fill_time(&l, year > 0 ? stamp_seconds(NULL, &t, year) : -1, &t);
    else
        fill_time(&l, stamp_seconds(NULL, &t, t.year), &t);
    l.file = NULL;
    l.lineno = 0;
    l.truncated = false;
    *line = l;
    return true;
}

/* ---- raw input ----------------------------------------------------------- */

static bool
is_gzip(const unsigned char *p, size_t n)
{
    return n >= 2 && p[0] == 0x1f && p[1] == 0x8b;
}

/*
 * Compressed formats the reader does not decompress, by their magic bytes:
 * the format's name and the command that decompresses it, or NULL
 */
static const char *
other_compression(const unsigned char *p, size_t n, const char **cmd)
{
    static const unsigned char xz[] = {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00};
    static const unsigned char zstd[] = {0x28, 0xb5, 0x2f, 0xfd};
    static const unsigned char lz4[] = {0x04, 0x22, 0x4d, 0x18};

    if (n >= sizeof(xz) && memcmp(p, xz, sizeof(xz)) == 0) {
        *cmd = "xz -dc";
        return "xz";
    }
    if (n >= 4 && p[0] == 'B' && p[1] == 'Z' && p[2] == 'h' && p[3] >= '1' && p[3] <= '9') {
        *cmd = "bzip2 -dc";
        return "bzip2";
    }
    if (n >= sizeof(zstd) && memcmp(p, zstd, sizeof(zstd)) == 0) {
        *cmd = "zstd -dc";
        return "zstd";
    }
    if (n >= sizeof(lz4) && memcmp(p, lz4, sizeof(lz4)) == 0) {
        *cmd = "lz4 -dc";
        return "lz4";
    }
    return NULL;
}

/* TLSP_UNSUPPORTED naming the file, its format and the way out when its
 * head is in a compressed format other than gzip; else TLSP_OK */
static enum tlsp_status
check_compression(const struct lsfile *f, struct tlsp_diag *diag)
{
    const char *cmd = NULL, *fmt = other_compression(f->head, f->head_len, &cmd);

    if (fmt == NULL)
        return TLSP_OK;
    if (f->is_stdin)
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                            "standard input: %s-compressed: tlspolicy reads gzip only; "
                            "decompress it first with %s",
                            fmt, cmd);
    else
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, f->name, 0,
                            "%s: %s-compressed: tlspolicy reads gzip only; "
                            "use %s %s | tlspolicy explain -",
                            f->name, fmt, cmd, f->name);
    return TLSP_UNSUPPORTED;
}

static void
progress(struct tlsp_logscan *r)
{
    if (r->opts.progress)
        r->opts.progress(r->opts.progress_arg, r->raw_done, r->total);
}

static ssize_t
read_fd(int fd, void *dst, size_t n)
{
    ssize_t got;

    do
        got = read(fd, dst, n);
    while (got < 0 && errno == EINTR);
    return got;
}

/* up to n bytes of the current file: its head first, then read(2) */
static ssize_t
raw_read(struct tlsp_logscan *r, void *dst, size_t n)
{
    struct lsfile *f = r->cur;
    ssize_t got;

    if (f->head_off < f->head_len) {
        size_t k = f->head_len - f->head_off;

        if (k > n)
            k = n;
        memcpy(dst, f->head + f->head_off, k);
        f->head_off += k;
        return (ssize_t)k;
    }
    if ((got = read_fd(f->fd, dst, n)) > 0) {
        r->raw_done += (unsigned long long)got;
        if (r->raw_done >= r->next_progress) {
            r->next_progress = r->raw_done + LS_PROGRESS_STEP;
            progress(r);
        }
    }
    return got;
}

/* an error about the current file at the line being read: "WHAT[: DETAIL]" */
static enum tlsp_status
io_error(struct tlsp_logscan *r, struct tlsp_diag *diag, const char *what, const char *detail)
{
    unsigned long long line = r->lineno + 1;

    (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, r->cur->name,
                        line > UINT_MAX ? UINT_MAX : (unsigned)line, "%s%s%s", what,
                        detail ? ": " : "", detail ? detail : "");
    return TLSP_IO;
}

/* keep an error for the next fill(), after the data already decompressed */
static void
set_pending(struct tlsp_logscan *r, enum tlsp_status st, char *msg)
{
    r->pending_st = st;
    free(r->pending_msg);
    r->pending_msg = msg;
}

/*
 * more decompressed bytes at buf + end; sets eof at the end of the data.
 * An error is kept in pending_st, so that the lines before it come first.
 */
static void
fill_gz(struct tlsp_logscan *r)
{
    static const char truncated[] = "truncated gzip data: the file ends inside a compressed member";
    int ret;

    while (r->end < r->cap) {
        if (r->zs.avail_in < 2 && !r->raw_eof) {
            ssize_t got;

            if (r->zs.avail_in == 1)
                r->zin[0] = *r->zs.next_in;
            got = raw_read(r, r->zin + r->zs.avail_in, LS_GZ_IN - r->zs.avail_in);
            if (got < 0) {
                set_pending(r, TLSP_IO, tlsp_aprintf("read error: %s", strerror(errno)));
                return;
            }
            if (got == 0)
                r->raw_eof = true;
            r->zs.next_in = r->zin;
            r->zs.avail_in += (uInt)got;
            if (got > 0 && r->zs.avail_in < 2)
                continue;
        }
        if (r->member_end) {
            /* end of the file, or another member (gzip files may be concatenated) */
            if (r->zs.avail_in == 0 && r->raw_eof) {
                r->eof = true;
                return;
            }
            if (!is_gzip(r->zs.next_in, r->zs.avail_in)) {
                set_pending(r, TLSP_IO,
                            tlsp_strdup("corrupt gzip data: trailing bytes after "
                                        "the last compressed member"));
                return;
            }
            if (inflateReset(&r->zs) != Z_OK) {
                set_pending(r, TLSP_NOMEM, NULL);
                return;
            }
            r->member_end = false;
        }
        if (r->zs.avail_in == 0 && r->raw_eof) {
            set_pending(r, TLSP_IO, tlsp_strdup(truncated));
            return;
        }
        r->zs.next_out = (unsigned char *)r->buf + r->end;
        r->zs.avail_out = (uInt)(r->cap - r->end);
        ret = inflate(&r->zs, Z_NO_FLUSH);
        r->end = r->cap - r->zs.avail_out;
        if (ret == Z_STREAM_END) {
            r->member_end = true;
        } else if (ret == Z_MEM_ERROR) {
            set_pending(r, TLSP_NOMEM, NULL);
            return;
        } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
            set_pending(
                r, TLSP_IO,
                tlsp_aprintf("corrupt gzip data: %s", r->zs.msg ? r->zs.msg : "inflate failed"));
            return;
        }
    }
}

/* more bytes at buf + end, compacting first; sets eof at the end of the file */
static enum tlsp_status
fill(struct tlsp_logscan *r, struct tlsp_diag *diag)
{
    size_t before;

    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    before = r->end;
    if (r->pending_st == TLSP_OK) {
        if (r->gz) {
            fill_gz(r);
        } else {
            ssize_t got = raw_read(r, r->buf + r->end, r->cap - r->end);

            if (got < 0)
                return io_error(r, diag, "read error", strerror(errno));
            if (got == 0)
                r->eof = true;
            r->end += (size_t)got;
        }
    }
    r->st.bytes += r->end - before;
    if (r->pending_st != TLSP_OK && r->end == before) {
        enum tlsp_status st = r->pending_st;

        if (st == TLSP_IO)
            (void)io_error(r, diag, r->pending_msg ? r->pending_msg : "corrupt gzip data", NULL);
        set_pending(r, TLSP_OK, NULL);
        return st;
    }
    return TLSP_OK;
}

/*
 * the next line of the current file: *got false at its end; a line longer
 * than max_line comes cut to max_line, and the rest of it is skipped
 */
static enum tlsp_status
next_raw_line(struct tlsp_logscan *r, const char **line, size_t *len, bool *truncated, bool *got,
              struct tlsp_diag *diag)
{
    size_t max_line = r->opts.max_line;
    enum tlsp_status st;

    for (;;) {
        size_t avail = r->end - r->start;
        char *p = r->buf + r->start, *nl;

        if (r->skipping) {
            if ((nl = memchr(p, '\n', avail)) != NULL) {
                r->start += (size_t)(nl - p) + 1;
                r->skipping = false;
                continue;
            }
            r->start = r->end;
        } else if ((nl = memchr(p, '\n', avail)) != NULL) {
            size_t l = (size_t)(nl - p);

            r->start += l + 1;
            *truncated = l > max_line;
            *line = p;
            *len = *truncated ? max_line : l;
            *got = true;
            r->lineno++;
            return TLSP_OK;
        } else if (avail >= max_line) {
            *truncated = true;
            *line = p;
            *len = max_line;
            *got = true;
            r->start = r->end;
            r->skipping = true;
            r->lineno++;
            return TLSP_OK;
        } else if (r->eof) {
            r->start = r->end;
            if (avail == 0) {
                *got = false;
                return TLSP_OK;
            }
            *truncated = false;
            *line = p;
            *len = avail;
            *got = true;
            r->lineno++;
            return TLSP_OK;
        }
        if (r->eof) {
            *got = false;
            return TLSP_OK;
        }
        if ((st = fill(r, diag)) != TLSP_OK)
            return st;
    }
}

/* ---- files --------------------------------------------------------------- */

/* read up to want bytes (at least min unless the file ends) into dst */
static ssize_t
read_head(int fd, unsigned char *dst, size_t want, size_t min)
{
    size_t have = 0;

    while (have < want && have < min) {
        ssize_t got = read_fd(fd, dst + have, want - have);

        if (got < 0)
            return -1;
        if (got == 0)
            break;
        have += (size_t)got;
    }
    return (ssize_t)have;
}

/* the reference time as local time (its year, and seconds since 1970 as
 * traditional lines are read) */
static void
local_ref(time_t ref, int *year, long long *when)
{
    struct tm tm;

    if (localtime_r(&ref, &tm) == NULL) {
        *year = 1970;
        *when = 0;
        return;
    }
    *year = tm.tm_year + 1900;
    *when = (days_from_civil(*year, tm.tm_mon + 1, tm.tm_mday)) * 86400 + tm.tm_hour * 3600 +
            tm.tm_min * 60 + tm.tm_sec;
}

static void
base_from_mtime(struct tlsp_logscan *r, time_t mtime)
{
    local_ref(mtime, &r->base_year, &r->base_when);
}

/* the length of a UTF-8 byte-order mark at the start of s */
static size_t
bom_len(const char *s, size_t len)
{
    return len >= 3 && (unsigned char)s[0] == 0xef && (unsigned char)s[1] == 0xbb &&
                   (unsigned char)s[2] == 0xbf
               ? 3
               : 0;
}

/* the time of the first dated line in data (len bytes), or LLONG_MAX */
static long long
first_dated(const char *data, size_t len, time_t mtime)
{
    int base_year;
    long long base_when;
    size_t pos = bom_len(data, len);

    local_ref(mtime, &base_year, &base_when);
    while (pos < len) {
        const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
        size_t l = nl ? (size_t)(nl - s) : len - pos;
        struct tlsp_logline ll;
        struct stamp t;

        if (!nl)
            break; /* a line cut by the end of the peek */
        pos += l + 1;
        (void)split(s, l, NULL, &ll, &t);
        if (!t.dated)
            continue;
        if (t.fmt == FMT_TRAD)
            return stamp_seconds(NULL, &t, first_year(&t, base_year, base_when));
        return stamp_seconds(NULL, &t, t.year);
    }
    return LLONG_MAX;
}

/* the first dated line of a file's head, decompressed when it is gzip data */
static long long
peek_key(struct tlsp_logscan *r, const struct lsfile *f, char *out)
{
    z_stream z;
    size_t have = 0;

    if (!is_gzip(f->head, f->head_len))
        return first_dated((const char *)f->head, f->head_len, f->mtime);
    memset(&z, 0, sizeof(z));
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
        return LLONG_MAX;
    z.next_in = f->head;
    z.avail_in = (uInt)f->head_len;
    while (have < LS_PEEK) {
        int ret;

        z.next_out = (unsigned char *)out + have;
        z.avail_out = (uInt)(LS_PEEK - have);
        ret = inflate(&z, Z_NO_FLUSH);
        have = LS_PEEK - z.avail_out;
        if (ret == Z_STREAM_END && is_gzip(z.next_in, z.avail_in) && inflateReset(&z) == Z_OK)
            continue;
        if (ret != Z_OK)
            break;
        if (z.avail_in == 0)
            break;
    }
    inflateEnd(&z);
    (void)r;
    return first_dated(out, have, f->mtime);
}

static int
cmp_files(const void *a, const void *b)
{
    const struct lsfile *x = a, *y = b;

    if (x->first_when != y->first_when)
        return x->first_when < y->first_when ? -1 : 1;
    return x->given < y->given ? -1 : x->given > y->given;
}

/* open (or find open) one file for the peek or the reading */
static enum tlsp_status
open_file(struct lsfile *f, struct tlsp_diag *diag)
{
    struct stat sb;

    if (f->is_stdin) {
        f->fd = STDIN_FILENO;
    } else if ((f->fd = open(f->name, O_RDONLY | O_CLOEXEC)) < 0) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, f->name, 0, "cannot open %s: %s", f->name,
                            strerror(errno));
        return TLSP_IO;
    }
    if (fstat(f->fd, &sb) != 0) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, f->name, 0, "cannot stat %s: %s", f->name,
                            strerror(errno));
        return TLSP_IO;
    }
    if (S_ISDIR(sb.st_mode)) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, f->name, 0, "cannot read %s: %s", f->name,
                            strerror(EISDIR));
        return TLSP_IO;
    }
    f->regular = S_ISREG(sb.st_mode) && !f->is_stdin;
    f->size = S_ISREG(sb.st_mode) ? (unsigned long long)sb.st_size : 0;
    f->mtime = S_ISREG(sb.st_mode) && !f->is_stdin ? sb.st_mtime : time(NULL);
    return TLSP_OK;
}

static void
close_file(struct lsfile *f)
{
    if (f->fd >= 0 && !f->is_stdin)
        close(f->fd);
    f->fd = -1;
}

/* start reading the next file in order; *none when there is none left */
static enum tlsp_status
start_next(struct tlsp_logscan *r, bool *none, struct tlsp_diag *diag)
{
    struct lsfile *f;

    if (r->next_file >= r->n_files) {
        *none = true;
        return TLSP_OK;
    }
    *none = false;
    f = r->cur = &r->files[r->next_file++];
    r->start = r->end = 0;
    r->eof = r->skipping = false;
    r->lineno = 0;
    r->raw_eof = r->member_end = false;
    r->pending_st = TLSP_OK;
    if (f->fd < 0) {
        if ((f->fd = open(f->name, O_RDONLY | O_CLOEXEC)) < 0) {
            (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, f->name, 0, "cannot open %s: %s", f->name,
                                strerror(errno));
            return TLSP_IO;
        }
    }
    if (f->head == NULL) {
        ssize_t got = read_head(f->fd, r->headbuf, LS_PEEK, 6);

        if (got < 0)
            return io_error(r, diag, "read error", strerror(errno));
        r->raw_done += (unsigned long long)got;
        f->head = r->headbuf;
        f->head_len = (size_t)got;
        f->head_off = 0;
        f->head_owned = false;
    }
    {
        enum tlsp_status st = check_compression(f, diag);

        if (st != TLSP_OK)
            return st;
    }
    r->gz = is_gzip(f->head, f->head_len);
    /* the buffer: TLSP_LOGSCAN_BUF, or less for a small uncompressed file
     * (still twice max_line, so that it may grow while it is read) */
    {
        size_t want = TLSP_LOGSCAN_BUF;

        if (f->regular && !r->gz && f->size < want / 2) {
            want = (size_t)f->size + 1;
            if (want < 2 * r->opts.max_line)
                want = 2 * r->opts.max_line;
        }
        if (want > r->cap) {
            free(r->buf);
            r->cap = 0;
            if ((r->buf = malloc(want)) == NULL)
                return TLSP_NOMEM;
            r->cap = want;
        }
    }
    if (r->gz) {
        if (r->zin == NULL && (r->zin = malloc(LS_GZ_IN)) == NULL)
            return TLSP_NOMEM;
        if (r->zinit) {
            if (inflateReset(&r->zs) != Z_OK)
                return TLSP_NOMEM;
        } else {
            memset(&r->zs, 0, sizeof(r->zs));
            if (inflateInit2(&r->zs, 16 + MAX_WBITS) != Z_OK)
                return TLSP_NOMEM;
            r->zinit = true;
        }
        r->zs.next_in = r->zin;
        r->zs.avail_in = 0;
    }
    if (r->opts.year == 0) {
        r->y_set = false;
        base_from_mtime(r, f->mtime);
    } else {
        r->y_next_file = r->y_set;
    }
    r->st.files++;
    return TLSP_OK;
}

static void
finish_file(struct tlsp_logscan *r)
{
    struct lsfile *f = r->cur;

    close_file(f);
    if (f->head_owned)
        free(f->head);
    f->head = NULL;
    f->head_len = f->head_off = 0;
    f->head_owned = false;
    r->cur = NULL;
}

/* ---- the reader ---------------------------------------------------------- */

static enum tlsp_status
make_names(struct name **out, const char *const *v, size_t n)
{
    size_t i;

    *out = NULL;
    if (n == 0)
        return TLSP_OK;
    if ((*out = calloc(n, sizeof(**out))) == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < n; i++) {
        if (v[i] == NULL)
            return TLSP_INVAL;
        (*out)[i].s = v[i];
        (*out)[i].len = strlen(v[i]);
    }
    return TLSP_OK;
}

static bool ahead_start(struct tlsp_logscan *r);

enum tlsp_status
tlsp_logscan_open(const char *const *paths, size_t n, const struct tlsp_logscan_opts *opts,
                  struct tlsp_logscan **out, struct tlsp_diag *diag)
{
    static const char *const stdin_only[] = {"-"};
    struct tlsp_logscan *r = NULL;
    enum tlsp_status st = TLSP_NOMEM;
    char *peek_out = NULL;
    bool seen_stdin = false;
    size_t i;

    *out = NULL;
    if (n == 0) {
        paths = stdin_only;
        n = 1;
    }
    if (paths == NULL) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "no file names given");
        return TLSP_INVAL;
    }
    if (n > TLSP_LOGSCAN_MAX_FILES) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "too many log files: %zu (at most %d)",
                            n, TLSP_LOGSCAN_MAX_FILES);
        return TLSP_LIMIT;
    }
    if ((r = calloc(1, sizeof(*r))) == NULL)
        return TLSP_NOMEM;
    if (opts)
        r->opts = *opts;
    if (r->opts.max_line == 0)
        r->opts.max_line = TLSP_LOGSCAN_MAX_LINE;
    if (r->opts.max_line < 256 || r->opts.max_line > TLSP_LOGSCAN_BUF / 4) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                            "longest log line %zu out of range (256 to %zu bytes)",
                            r->opts.max_line, TLSP_LOGSCAN_BUF / 4);
        st = TLSP_INVAL;
        goto out;
    }
    if (r->opts.year < 0 || r->opts.year > 9999 || (r->opts.year > 0 && r->opts.year < 1970)) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "year %d out of range (1970 to 9999)",
                            r->opts.year);
        st = TLSP_INVAL;
        goto out;
    }
    if ((r->opts.programs == NULL && r->opts.n_programs > 0) ||
        (r->opts.idents == NULL && r->opts.n_idents > 0)) {
        (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "program or name list missing");
        st = TLSP_INVAL;
        goto out;
    }
    if (r->opts.programs == NULL) {
        r->opts.programs = default_programs;
        r->opts.n_programs = sizeof(default_programs) / sizeof(default_programs[0]);
    }
    if ((st = make_names(&r->filter.programs, r->opts.programs, r->opts.n_programs)) != TLSP_OK ||
        (st = make_names(&r->filter.idents, r->opts.idents, r->opts.n_idents)) != TLSP_OK) {
        if (st == TLSP_INVAL)
            (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "program or name list holds NULL");
        goto out;
    }
    r->filter.n_programs = r->opts.n_programs;
    r->filter.n_idents = r->opts.n_idents;
    st = TLSP_NOMEM;
    if ((r->files = calloc(n, sizeof(*r->files))) == NULL || (r->headbuf = malloc(LS_PEEK)) == NULL)
        goto out;
    for (i = 0; i < n; i++)
        r->files[i].fd = -1;
    r->n_files = n;
    r->c_mon = 0;
    r->next_progress = LS_PROGRESS_STEP;
    if (n > 1 && (peek_out = malloc(LS_PEEK)) == NULL)
        goto out;
    for (i = 0; i < n; i++) {
        struct lsfile *f = &r->files[i];

        if (paths[i] == NULL) {
            (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0, "file name missing");
            st = TLSP_INVAL;
            goto out;
        }
        f->given = i;
        f->first_when = LLONG_MAX;
        f->is_stdin = strcmp(paths[i], "-") == 0;
        if (f->is_stdin) {
            if (seen_stdin) {
                (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                                    "standard input (\"-\") given twice");
                st = TLSP_INVAL;
                goto out;
            }
            seen_stdin = true;
        }
        if ((f->name = tlsp_strdup(paths[i])) == NULL)
            goto out;
        if ((st = open_file(f, diag)) != TLSP_OK)
            goto out;
        r->total += f->size;
        if (n == 1)
            break;
        /* peek: the first dated line decides the order */
        {
            ssize_t got = read_head(f->fd, r->headbuf, LS_PEEK, LS_PEEK);

            if (got < 0) {
                (void)tlsp_diag_add(diag, TLSP_SEV_ERROR, f->name, 0, "cannot read %s: %s", f->name,
                                    strerror(errno));
                st = TLSP_IO;
                goto out;
            }
            r->raw_done += (unsigned long long)got;
            f->head = r->headbuf;
            f->head_len = (size_t)got;
            if ((st = check_compression(f, diag)) != TLSP_OK)
                goto out;
            f->first_when = peek_key(r, f, peek_out);
            if (f->regular) {
                /* read again from the start when its turn comes */
                close_file(f);
                r->raw_done -= (unsigned long long)got;
                f->head = NULL;
                f->head_len = 0;
            } else {
                st = TLSP_NOMEM;
                if ((f->head = malloc(got > 0 ? (size_t)got : 1)) == NULL)
                    goto out;
                memcpy(f->head, r->headbuf, (size_t)got);
                f->head_owned = true;
            }
        }
    }
    if (n > 1)
        qsort(r->files, n, sizeof(*r->files), cmp_files);
    if (r->opts.year) {
        r->y_set = false;
        r->base_year = r->opts.year;
    }
    if (r->opts.read_ahead)
        (void)ahead_start(r);
    st = TLSP_OK;
    *out = r;
    r = NULL;
out:
    free(peek_out);
    tlsp_logscan_free(r);
    return st;
}

static enum tlsp_status
scan_next(struct tlsp_logscan *r, struct tlsp_logline *line, bool *got, struct tlsp_diag *diag)
{
    enum tlsp_status st;

    *got = false;
    for (;;) {
        const char *s;
        size_t len;
        bool truncated, have;
        struct stamp t;
        enum split_res res;

        if (atomic_load_explicit(&r->stop_ahead, memory_order_relaxed))
            return TLSP_OK;

        if (r->cur == NULL) {
            bool none;

            if ((st = start_next(r, &none, diag)) != TLSP_OK) {
                if (r->cur)
                    finish_file(r);
                return st;
            }
            if (none) {
                if (!r->finished) {
                    r->finished = true;
                    progress(r);
                }
                return TLSP_OK;
            }
        }
        if ((st = next_raw_line(r, &s, &len, &truncated, &have, diag)) != TLSP_OK) {
            /* the next call goes on with the next file */
            finish_file(r);
            return st;
        }
        if (!have) {
            finish_file(r);
            continue;
        }
        r->st.lines++;
        if (truncated)
            r->st.truncated++;
        if (r->lineno == 1) {
            size_t b = bom_len(s, len);

            s += b;
            len -= b;
        }
        res = split(s, len, &r->filter, line, &t);
        if (res == SPLIT_UNKNOWN) {
            r->st.unknown++;
            continue;
        }
        if (t.fmt == FMT_TRAD) {
            int year = year_of(r, &t);

            if (res != SPLIT_OK)
                continue;
            fill_time(line, stamp_seconds(r, &t, year), &t);
        } else {
            if (res != SPLIT_OK)
                continue;
            fill_time(line, t.nil ? -1 : stamp_seconds(r, &t, t.year), &t);
        }
        line->file = r->cur->name;
        line->lineno = r->lineno;
        line->truncated = truncated;
        r->st.returned++;
        *got = true;
        return TLSP_OK;
    }
}

/* ---- read-ahead ------------------------------------------------------------
 *
 * The thread runs scan_next() and copies each returned line into a batch;
 * the caller takes full batches in order. A batch ends after about
 * AHEAD_BATCH bytes, at an error (delivered after the batch's lines, as
 * scan_next() would) or at the end. AHEAD_N batches bound what is read ahead.
 */

#define AHEAD_N 4
#define AHEAD_BATCH (TLSP_LOGSCAN_AHEAD_BYTES / AHEAD_N)

struct ahead_rec {
    const char *file;
    unsigned long long lineno;
    long long when;
    int utc_offset_s;
    bool has_zone, truncated;
    long pid;
    size_t host, host_len, ident, ident_len, program, program_len, msg, msg_len; /* offsets */
};

struct ahead_batch {
    char *data;
    size_t used, cap;
    struct ahead_rec *recs;
    size_t n, cap_recs, pos;
    enum tlsp_status st;  /* after the lines: TLSP_OK or the error */
    struct tlsp_diag diag; /* the error's messages */
    bool end;             /* no line after this batch */
    struct tlsp_logscan_stats stats; /* counters when the batch was closed */
    bool full;
};

struct ahead {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop;
    struct ahead_batch b[AHEAD_N];
    size_t fill_i, take_i; /* the batch the thread fills, the one the caller reads */
    bool done;             /* the caller has seen the end */
    struct tlsp_logscan_stats stats; /* of the last batch taken */
};

static bool
batch_put(struct ahead_batch *b, const struct tlsp_logline *l)
{
    size_t need = l->host_len + l->ident_len + l->msg_len;
    struct ahead_rec *rec;

    if (b->used + need > b->cap) {
        size_t cap = b->cap ? b->cap : AHEAD_BATCH;
        char *grown;

        while (cap < b->used + need)
            cap *= 2;
        if ((grown = realloc(b->data, cap)) == NULL)
            return false;
        b->data = grown;
        b->cap = cap;
    }
    if (b->n == b->cap_recs) {
        size_t cap = b->cap_recs ? 2 * b->cap_recs : 4096;
        struct ahead_rec *grown = realloc(b->recs, cap * sizeof(*grown));

        if (grown == NULL)
            return false;
        b->recs = grown;
        b->cap_recs = cap;
    }
    rec = &b->recs[b->n++];
    rec->file = l->file;
    rec->lineno = l->lineno;
    rec->when = l->when;
    rec->utc_offset_s = l->utc_offset_s;
    rec->has_zone = l->has_zone;
    rec->truncated = l->truncated;
    rec->pid = l->pid;
    rec->host = b->used;
    rec->host_len = l->host_len;
    memcpy(b->data + b->used, l->host, l->host_len);
    b->used += l->host_len;
    rec->ident = b->used;
    rec->ident_len = l->ident_len;
    memcpy(b->data + b->used, l->ident, l->ident_len);
    b->used += l->ident_len;
    /* the program is the end of the ident */
    rec->program_len = l->program_len <= l->ident_len ? l->program_len : l->ident_len;
    rec->program = rec->ident + (l->ident_len - rec->program_len);
    rec->msg = b->used;
    rec->msg_len = l->msg_len;
    memcpy(b->data + b->used, l->msg, l->msg_len);
    b->used += l->msg_len;
    return true;
}

static void *
ahead_main(void *arg)
{
    struct tlsp_logscan *r = arg;
    struct ahead *ah = r->ahead;

    for (;;) {
        struct ahead_batch *b = &ah->b[ah->fill_i];
        struct tlsp_logline line;
        bool got;

        bool stop;

        pthread_mutex_lock(&ah->mu);
        while (b->full && !ah->stop)
            pthread_cond_wait(&ah->cv, &ah->mu);
        stop = ah->stop;
        pthread_mutex_unlock(&ah->mu);
        if (stop)
            return NULL;
        b->used = b->n = b->pos = 0;
        b->st = TLSP_OK;
        b->end = false;
        for (;;) {
            enum tlsp_status st = scan_next(r, &line, &got, &b->diag);

            if (st != TLSP_OK) {
                b->st = st;
                break;
            }
            if (!got) {
                b->end = true;
                break;
            }
            if (!batch_put(b, &line)) {
                b->st = TLSP_NOMEM;
                b->end = true; /* nothing sensible follows */
                break;
            }
            if (b->used >= AHEAD_BATCH)
                break;
        }
        b->stats = r->st;
        pthread_mutex_lock(&ah->mu);
        b->full = true;
        pthread_cond_broadcast(&ah->cv);
        pthread_mutex_unlock(&ah->mu);
        if (b->end)
            return NULL;
        ah->fill_i = (ah->fill_i + 1) % AHEAD_N;
    }
}

static void
ahead_free(struct tlsp_logscan *r)
{
    struct ahead *ah = r->ahead;
    size_t i;

    if (ah == NULL)
        return;
    atomic_store(&r->stop_ahead, true);
    pthread_mutex_lock(&ah->mu);
    ah->stop = true;
    pthread_cond_broadcast(&ah->cv);
    pthread_mutex_unlock(&ah->mu);
    pthread_join(ah->thread, NULL);
    pthread_mutex_destroy(&ah->mu);
    pthread_cond_destroy(&ah->cv);
    for (i = 0; i < AHEAD_N; i++) {
        free(ah->b[i].data);
        free(ah->b[i].recs);
        tlsp_diag_fini(&ah->b[i].diag);
    }
    free(ah);
    r->ahead = NULL;
}

/* ahead_start - start the thread; false (and reading in the caller's thread)
 * when it cannot be. */
static bool
ahead_start(struct tlsp_logscan *r)
{
    struct ahead *ah = calloc(1, sizeof(*ah));
    size_t i;

    if (ah == NULL)
        return false;
    for (i = 0; i < AHEAD_N; i++)
        tlsp_diag_init(&ah->b[i].diag);
    if (pthread_mutex_init(&ah->mu, NULL) != 0) {
        free(ah);
        return false;
    }
    if (pthread_cond_init(&ah->cv, NULL) != 0) {
        pthread_mutex_destroy(&ah->mu);
        free(ah);
        return false;
    }
    r->ahead = ah;
    if (pthread_create(&ah->thread, NULL, ahead_main, r) != 0) {
        pthread_mutex_destroy(&ah->mu);
        pthread_cond_destroy(&ah->cv);
        free(ah);
        r->ahead = NULL;
        return false;
    }
    return true;
}

static enum tlsp_status
ahead_next(struct tlsp_logscan *r, struct tlsp_logline *line, bool *got, struct tlsp_diag *diag)
{
    struct ahead *ah = r->ahead;

    *got = false;
    for (;;) {
        struct ahead_batch *b = &ah->b[ah->take_i];
        enum tlsp_status st;
        size_t i;

        if (ah->done)
            return TLSP_OK;
        pthread_mutex_lock(&ah->mu);
        while (!b->full)
            pthread_cond_wait(&ah->cv, &ah->mu);
        pthread_mutex_unlock(&ah->mu);
        if (b->pos < b->n) {
            const struct ahead_rec *rec = &b->recs[b->pos++];

            memset(line, 0, sizeof(*line));
            line->file = rec->file;
            line->lineno = rec->lineno;
            line->when = rec->when;
            line->utc_offset_s = rec->utc_offset_s;
            line->has_zone = rec->has_zone;
            line->truncated = rec->truncated;
            line->pid = rec->pid;
            line->host = b->data + rec->host;
            line->host_len = rec->host_len;
            line->ident = b->data + rec->ident;
            line->ident_len = rec->ident_len;
            line->program = b->data + rec->program;
            line->program_len = rec->program_len;
            line->msg = b->data + rec->msg;
            line->msg_len = rec->msg_len;
            *got = true;
            return TLSP_OK;
        }
        /* The batch is read: its error, then the next batch. */
        st = b->st;
        for (i = 0; i < b->diag.n_msgs; i++)
            (void)tlsp_diag_add(diag, b->diag.msgs[i].sev, b->diag.msgs[i].file,
                                b->diag.msgs[i].line, "%s", b->diag.msgs[i].text);
        tlsp_diag_fini(&b->diag);
        tlsp_diag_init(&b->diag);
        ah->stats = b->stats;
        if (b->end)
            ah->done = true;
        pthread_mutex_lock(&ah->mu);
        b->full = false;
        pthread_cond_broadcast(&ah->cv);
        pthread_mutex_unlock(&ah->mu);
        ah->take_i = (ah->take_i + 1) % AHEAD_N;
        if (st != TLSP_OK)
            return st;
    }
}

enum tlsp_status
tlsp_logscan_next(struct tlsp_logscan *r, struct tlsp_logline *line, bool *got,
                  struct tlsp_diag *diag)
{
    if (r->ahead)
        return ahead_next(r, line, got, diag);
    return scan_next(r, line, got, diag);
}

void
tlsp_logscan_stats(const struct tlsp_logscan *r, struct tlsp_logscan_stats *st)
{
    *st = r->ahead ? r->ahead->stats : r->st;
}

void
tlsp_logscan_free(struct tlsp_logscan *r)
{
    size_t i;

    if (r == NULL)
        return;
    ahead_free(r);
    for (i = 0; i < r->n_files; i++) {
        struct lsfile *f = &r->files[i];

        close_file(f);
        if (f->head_owned)
            free(f->head);
        free(f->name);
    }
    if (r->zinit)
        inflateEnd(&r->zs);
    free(r->files);
    free(r->filter.programs);
    free(r->filter.idents);
    free(r->buf);
    free(r->headbuf);
    free(r->zin);
    free(r->pending_msg);
    free(r);
}
