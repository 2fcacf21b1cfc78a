/*
 * logscan_test.c - the log reader: line formats, years, gzip, file order,
 * limits, the program filter, and the recorded Postfix logs
 *
 * Times are checked against epoch seconds worked out apart from the code
 * (date -u -d 2026-12-06T02:07:24Z +%s).
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

#include <cmocka.h>
#include <zlib.h>

#include <tlspolicy/logscan.h>

#include "testutil.h"
#include "util/str.h"

/* ---- helpers ------------------------------------------------------------- */

struct rec {
    char *file;
    unsigned long long lineno;
    long long when;
    int off;
    bool has_zone;
    char *host, *ident, *program, *msg;
    size_t msg_len;
    long pid;
    bool truncated;
};

struct recs {
    struct rec *v;
    size_t n;
    struct tlsp_logscan_stats st;
    enum tlsp_status open_st, next_st;
    struct tlsp_diag diag;
};

static char *
dupn(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    assert_non_null(p);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

/* every line the reader returns, until the end or the first error */
static void
collect(const char *const *paths, size_t n, const struct tlsp_logscan_opts *opts, struct recs *out)
{
    struct tlsp_logscan *r = NULL;
    struct tlsp_logline l;
    size_t cap = 0;
    bool got;

    memset(out, 0, sizeof(*out));
    tlsp_diag_init(&out->diag);
    out->open_st = tlsp_logscan_open(paths, n, opts, &r, &out->diag);
    if (out->open_st != TLSP_OK) {
        assert_null(r);
        return;
    }
    while ((out->next_st = tlsp_logscan_next(r, &l, &got, &out->diag)) == TLSP_OK && got) {
        struct rec *x;

        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            out->v = realloc(out->v, cap * sizeof(*out->v));
            assert_non_null(out->v);
        }
        x = &out->v[out->n++];
        x->file = strdup(l.file);
        x->lineno = l.lineno;
        x->when = l.when;
        x->off = l.utc_offset_s;
        x->has_zone = l.has_zone;
        x->host = dupn(l.host, l.host_len);
        x->ident = dupn(l.ident, l.ident_len);
        x->program = dupn(l.program, l.program_len);
        x->msg = dupn(l.msg, l.msg_len);
        x->msg_len = l.msg_len;
        x->pid = l.pid;
        x->truncated = l.truncated;
        /* program is the last component of ident, in the same memory */
        assert_true(l.program >= l.ident && l.program + l.program_len == l.ident + l.ident_len);
    }
    tlsp_logscan_stats(r, &out->st);
    tlsp_logscan_free(r);
}

static void
recs_free(struct recs *rs)
{
    size_t i;

    for (i = 0; i < rs->n; i++) {
        free(rs->v[i].file);
        free(rs->v[i].host);
        free(rs->v[i].ident);
        free(rs->v[i].program);
        free(rs->v[i].msg);
    }
    free(rs->v);
    tlsp_diag_fini(&rs->diag);
}

static void
write_bytes(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

/* a gzip file of text, in n_members concatenated members */
static void
write_gzip(const char *path, const char *text, int n_members)
{
    size_t len = strlen(text), at = 0;
    int i;

    unlink(path);
    for (i = 0; i < n_members; i++) {
        size_t part = i == n_members - 1 ? len - at : len / (size_t)n_members;
        gzFile gz = gzopen(path, "ab");

        assert_non_null(gz);
        if (part)
            assert_int_equal(gzwrite(gz, text + at, (unsigned)part), (int)part);
        assert_int_equal(gzclose(gz), Z_OK);
        at += part;
    }
}

static void
set_mtime(const char *path, time_t t)
{
    struct utimbuf ub = {t, t};

    assert_int_equal(utime(path, &ub), 0);
}

/* "FILE, line N: error: ..." of the first message */
static char *
first_msg(const struct tlsp_diag *d)
{
    char *s;

    assert_true(d->n_msgs >= 1);
    s = tlsp_diag_format(&d->msgs[0]);
    assert_non_null(s);
    return s;
}

/* ---- one line ------------------------------------------------------------ */

static void
test_parse_refuses(void **state)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "Dec 06 02:07:24",
        "Dec 06 02:07:24 client",
        "Dec 06 02:07:24 client kernel: [12.3] no pid",
        "Dec 06 02:07:24 client postfix/smtp: no pid",
        "Dex 06 02:07:24 client postfix/smtp[1]: bad month",
        "Dec 32 02:07:24 client postfix/smtp[1]: bad day",
        "Dec 06 24:07:24 client postfix/smtp[1]: bad hour",
        "Dec 06 02:07:24 client postfix/smtp[]: empty pid",
        "Dec 06 02:07:24 client postfix/smtp[12a]: letters in pid",
        "Dec 06 02:07:24 client postfix/smtp[12345678901]: pid too long",
        "Dec 06 02:07:24 client postfix/smtp[12] no colon",
        "Dec 06 02:07:24 client [12]: no ident",
        "Dec 06 02:07:24 client postfix/[12]: empty program",
        "Dec 06 02:07:24 client postfix/smtp[12",
        "dec 06 02:07:24 client postfix/smtp[1]: lower-case month",
        "2026-13-06T02:07:24Z client postfix/smtp[1]: bad month",
        "2026-12-06 02:07:24 client postfix/smtp[1]: space for T",
        "2026-12-06T02:07:24+0 client postfix/smtp[1]: short zone",
        "2026-12-06T02:07:24+25:00 client postfix/smtp[1]: zone out of range",
        "2026-12-06T02:07:24. client postfix/smtp[1]: empty fraction",
        "2026-12-06T02:07:24Zclient postfix/smtp[1]: no space",
        "<22>1 2026-12-06T02:07:24Z client - 12 - - nil app-name",
        "<22>1 2026-12-06T02:07:24Z client postfix/smtp - - - nil procid",
        "<22>1 2026-12-06T02:07:24Z client postfix/smtp 12 - [a x=\"]\" msg",
        "<22>1 2026-12-06T02:07:24Z client postfix/smtp 12 - x msg",
        "<22>1 2026-12-06T02:07:24Z client postfix/smtp 12 -",
        "<22>1 2026-12-06T02:07:24Z client postfix/smtp 12 - -msg",
        "<192>1 2026-12-06T02:07:24Z client postfix/smtp 12 - - pri too large",
        "<>1 2026-12-06T02:07:24Z client postfix/smtp 12 - - empty pri",
        "<22 1 2026-12-06T02:07:24Z client postfix/smtp 12 - - unclosed pri",
        "\x01\x02\xff\xfe binary",
    };
    struct tlsp_logline l;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (tlsp_logscan_parse_line(bad[i], strlen(bad[i]), 2026, &l))
            fail_msg("accepted: %s", bad[i]);
    }
}

static void
test_parse_formats(void **state)
{
    static const struct {
        const char *line;
        int year;
        long long when;
        bool has_zone;
        int off;
        const char *host, *ident, *program;
        long pid;
        const char *msg;
    } rows[] = {
        /* maillog_file, zero-padded day (tests/fixtures/logs) */
        {"Dec 06 02:07:24 client postfix/smtp[1047]: initializing the client-side TLS engine", 2026,
         1796522844, false, 0, "client", "postfix/smtp", "smtp", 1047,
         "initializing the client-side TLS engine"},
        /* syslog, space-padded day, another syslog_name */
        {"Feb  5 21:57:22 mail postfix-out/smtp[25291]: D33A02504112: to=<a@b>", 2026, 1770328642,
         false, 0, "mail", "postfix-out/smtp", "smtp", 25291, "D33A02504112: to=<a@b>"},
        /* no year known: no time */
        {"Dec 06 02:07:24 client postfix/smtp[1047]: x", 0, -1, false, 0, "client", "postfix/smtp",
         "smtp", 1047, "x"},
        /* a name without "/" */
        {"Dec 06 02:07:24 client smtp[7]: x", 2026, 1796522844, false, 0, "client", "smtp", "smtp",
         7, "x"},
        /* CR LF line end, empty message */
        {"Dec 06 02:07:24 client postfix/smtp[7]:\r", 2026, 1796522844, false, 0, "client",
         "postfix/smtp", "smtp", 7, ""},
        /* rsyslog high precision */
        {"2026-12-06T02:07:24.123456+00:00 client postfix/smtp[1047]: hello", 0, 1796522844, true,
         0, "client", "postfix/smtp", "smtp", 1047, "hello"},
        /* journalctl -o short-iso */
        {"2026-12-06T02:07:24+0000 client postfix/smtp[1047]: hello", 0, 1796522844, true, 0,
         "client", "postfix/smtp", "smtp", 1047, "hello"},
        {"2026-12-06T02:07:24Z client postfix/lmtp[9]: z", 0, 1796522844, true, 0, "client",
         "postfix/lmtp", "lmtp", 9, "z"},
        /* zones east and west: converted to UTC */
        {"2026-12-06T02:07:24+01:00 client postfix/smtp[1]: east", 0, 1796519244, true, 3600,
         "client", "postfix/smtp", "smtp", 1, "east"},
        {"2026-12-06T02:07:24.5-0530 client postfix/smtp[1]: west", 0, 1796542644, true, -19800,
         "client", "postfix/smtp", "smtp", 1, "west"},
        /* no zone: as written */
        {"2026-12-06T02:07:24 client postfix/smtp[1]: local", 0, 1796522844, false, 0, "client",
         "postfix/smtp", "smtp", 1, "local"},
        /* RFC 5424 */
        {"<22>1 2026-02-25T21:57:22.1Z mail postfix/smtp 123 - - Trusted TLS connection", 0,
         1772056642, true, 0, "mail", "postfix/smtp", "smtp", 123, "Trusted TLS connection"},
        {"<22>1 2026-02-25T21:57:22+00:00 mail postfix/smtp 123 MSG1 "
         "[timeQuality tzKnown=\"1\" x=\"a\\\"]b\"][origin ip=\"192.0.2.1\"] after SD",
         0, 1772056642, true, 0, "mail", "postfix/smtp", "smtp", 123, "after SD"},
        {"<22>1 2026-02-25T21:57:22Z mail postfix/smtp 123 - - \xef\xbb\xbf"
         "BOM removed",
         0, 1772056642, true, 0, "mail", "postfix/smtp", "smtp", 123, "BOM removed"},
        {"<22>1 - - postfix/tlsproxy 5 - -", 0, -1, false, 0, "", "postfix/tlsproxy", "tlsproxy", 5,
         ""},
        /* RFC 3164 with its PRI */
        {"<22>Feb 25 21:57:22 mail postfix/smtp[123]: with pri", 2026, 1772056642, false, 0, "mail",
         "postfix/smtp", "smtp", 123, "with pri"},
        /* leap day */
        {"Feb 29 12:00:00 h postfix/smtp[1]: leap", 2024, 1709208000, false, 0, "h", "postfix/smtp",
         "smtp", 1, "leap"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct tlsp_logline l;
        const char *s = rows[i].line;

        memset(&l, 0xa5, sizeof(l));
        if (!tlsp_logscan_parse_line(s, strlen(s), rows[i].year, &l))
            fail_msg("refused: %s", s);
        assert_int_equal(l.when, rows[i].when);
        assert_int_equal(l.has_zone, rows[i].has_zone);
        assert_int_equal(l.utc_offset_s, rows[i].off);
        assert_int_equal(l.host_len, strlen(rows[i].host));
        assert_memory_equal(l.host, rows[i].host, l.host_len);
        assert_int_equal(l.ident_len, strlen(rows[i].ident));
        assert_memory_equal(l.ident, rows[i].ident, l.ident_len);
        assert_int_equal(l.program_len, strlen(rows[i].program));
        assert_memory_equal(l.program, rows[i].program, l.program_len);
        assert_int_equal(l.pid, rows[i].pid);
        assert_int_equal(l.msg_len, strlen(rows[i].msg));
        assert_memory_equal(l.msg, rows[i].msg, l.msg_len);
        assert_null(l.file);
        assert_int_equal(l.lineno, 0);
        assert_false(l.truncated);
    }
}

/* ---- years --------------------------------------------------------------- */

static void
test_year_rollover(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *path;
    struct tlsp_logscan_opts o = {0};
    struct recs rs;
    const char *paths[1];

    (void)state;
    path = tu_write(dir, "maillog",
                    "Dec 31 23:59:59 mail postfix/smtp[1]: last of the year\n"
                    "Jan  1 00:00:01 mail postfix/smtp[1]: first of the next\n"
                    "Dec 31 23:59:59 mail postfix/smtp[2]: late line of the year before\n"
                    "Jan  2 00:00:00 mail postfix/smtp[1]: still the next year\n");
    paths[0] = path;
    o.year = 2026;
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.open_st, TLSP_OK);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 4);
    assert_int_equal(rs.v[0].when, 1798761599);
    assert_int_equal(rs.v[1].when, 1798761601);
    assert_int_equal(rs.v[2].when, 1798761599);
    assert_int_equal(rs.v[3].when, 1798848000);
    assert_int_equal(rs.v[3].lineno, 4);
    recs_free(&rs);

    /* --year carries on from one file to the next */
    {
        char *jan = tu_write(dir, "maillog.jan", "Jan  2 00:00:00 mail postfix/smtp[3]: next\n");
        const char *two[2] = {jan, path};

        /* rotated files: modified after their last lines */
        set_mtime(path, 1799150400); /* 2027-01-05 */
        set_mtime(jan, 1799150400);
        collect(two, 2, &o, &rs);
        assert_int_equal(rs.n, 5);
        assert_string_equal(rs.v[0].file, path);
        assert_int_equal(rs.v[0].when, 1798761599);
        assert_string_equal(rs.v[4].file, jan);
        assert_int_equal(rs.v[4].when, 1798848000);
        recs_free(&rs);
        free(jan);
    }

    /* the next file, months later in the same year (no late line there) */
    {
        char *feb = tu_write(dir, "feb", "Feb 25 21:57:22 mail postfix/smtp[4]: feb\n");
        char *nov = tu_write(dir, "nov",
                             "Nov 29 12:38:09 mail postfix/smtp[5]: nov\n"
                             "Feb 25 21:57:22 mail postfix/smtp[5]: next year\n");
        const char *two[2] = {feb, nov};

        collect(two, 2, &o, &rs);
        assert_int_equal(rs.n, 3);
        assert_string_equal(rs.v[0].msg, "feb");
        assert_int_equal(rs.v[0].when, 1772056642); /* 2026-02-25T21:57:22Z */
        assert_string_equal(rs.v[1].msg, "nov");
        assert_int_equal(rs.v[1].when, 1795955889); /* 2026-11-29T12:38:09Z */
        assert_string_equal(rs.v[2].msg, "next year");
        assert_int_equal(rs.v[2].when, 1803592642); /* 2027-02-25T21:57:22Z */
        recs_free(&rs);
        free(feb);
        free(nov);
    }
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void
test_year_from_mtime(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *same, *before;
    const char *paths[1];
    struct recs rs;

    (void)state;
    /* modification time in the same year as the lines */
    same = tu_write(dir, "same",
                    "Nov 30 10:00:00 mail postfix/smtp[1]: a\n"
                    "Dec  1 10:00:00 mail postfix/smtp[1]: b\n");
    set_mtime(same, 1765800000); /* 2025-12-15 12:00 UTC */
    paths[0] = same;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.v[0].when, 1764496800);
    assert_int_equal(rs.v[1].when, 1764583200);
    recs_free(&rs);

    /* a first line of a later month than the modification time: the year before */
    before = tu_write(dir, "before",
                      "Dec 20 10:00:00 mail postfix/smtp[1]: a\n"
                      "Jan  2 10:00:00 mail postfix/smtp[1]: b\n");
    set_mtime(before, 1768046400); /* 2026-01-10 12:00 UTC */
    paths[0] = before;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.v[0].when, 1766224800);
    assert_int_equal(rs.v[1].when, 1767348000);
    recs_free(&rs);

    free(same);
    free(before);
    tu_rmtree(dir);
    free(dir);
}

/* the first line's year: the one that puts it no later than the reference
 * time plus one day */
static void
test_year_not_in_future(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *f;
    const char *paths[1];
    struct recs rs;
    int saved = dup(STDIN_FILENO), fd;
    time_t now, ahead;
    struct tm tm;
    char line[128];

    (void)state;
    /* modification time 2026-12-06 05:00 UTC, first line "Dec 31": 2025 */
    f = tu_write(dir, "dec31",
                 "Dec 31 23:59:59 mail postfix/smtp[1]: a\n"
                 "Jan  1 00:00:01 mail postfix/smtp[1]: b\n");
    set_mtime(f, 1796533200);
    paths[0] = f;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.n, 2);
    assert_int_equal(rs.v[0].when, 1767225599); /* 2025-12-31T23:59:59Z */
    assert_int_equal(rs.v[1].when, 1767225601); /* 2026-01-01T00:00:01Z */
    recs_free(&rs);
    free(f);

    /* within a day after the modification time: the same year */
    f = tu_write(dir, "tomorrow", "Dec  7 04:59:00 mail postfix/smtp[1]: a\n");
    set_mtime(f, 1796533200);
    paths[0] = f;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.v[0].when, 1796619540); /* 2026-12-07T04:59:00Z */
    recs_free(&rs);
    free(f);

    /* more than a day later in the same month: the year before */
    f = tu_write(dir, "later", "Dec  7 05:00:01 mail postfix/smtp[1]: a\n");
    set_mtime(f, 1796533200);
    paths[0] = f;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.n, 1);
    assert_int_equal(rs.v[0].when, 1765083601); /* 2025-12-07T05:00:01Z */
    recs_free(&rs);
    free(f);

    /* standard input: the current time; a line three days ahead of it is
     * of the year before that day's year */
    now = time(NULL);
    ahead = now + 3 * 86400;
    assert_non_null(localtime_r(&ahead, &tm));
    assert_true(strftime(line, sizeof(line), "%b %d %H:%M:%S mail postfix/smtp[1]: a\n", &tm) > 0);
    f = tu_write(dir, "stdin", line);
    fd = open(f, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    collect(NULL, 0, NULL, &rs);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_int_equal(rs.n, 1);
    tm.tm_year--;
    tm.tm_isdst = -1;
    assert_int_equal(rs.v[0].when, (long long)timegm(&tm));
    recs_free(&rs);
    free(f);

    tu_rmtree(dir);
    free(dir);
}

/* ---- files --------------------------------------------------------------- */

static void
test_file_order(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *a, *b, *c, *gz;
    const char *paths[3];
    struct recs rs;
    size_t i;

    (void)state;
    /* maillog (newest), maillog.1, maillog.2.gz (oldest, gzip in two members) */
    a = tu_write(dir, "maillog",
                 "Jan  3 10:00:00 mail postfix/smtp[3]: newest 1\n"
                 "Jan  3 10:00:01 mail postfix/qmgr[3]: not returned\n"
                 "Jan  3 10:00:02 mail postfix/smtp[3]: newest 2\n");
    b = tu_write(dir, "maillog.1",
                 "Dec 30 09:00:00 mail postfix/smtp[2]: middle 1\n"
                 "Dec 31 23:00:00 mail postfix/smtp[2]: middle 2\n");
    if (asprintf(&gz, "%s/maillog.2.gz", dir) < 0)
        fail();
    write_gzip(gz,
               "Dec 28 08:00:00 mail postfix/smtp[1]: oldest 1\n"
               "Dec 28 08:00:01 mail postfix/smtp[1]: oldest 2\n"
               "Dec 28 08:00:02 mail postfix/smtp[1]: oldest 3\n",
               2);
    c = gz;
    set_mtime(a, 1799150400); /* 2027-01-05 */
    set_mtime(b, 1799150400);
    set_mtime(c, 1799150400);
    paths[0] = a;
    paths[1] = b;
    paths[2] = c;
    collect(paths, 3, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_OK);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 7);
    assert_int_equal(rs.st.files, 3);
    assert_int_equal(rs.st.lines, 8);
    assert_int_equal(rs.st.returned, 7);
    assert_string_equal(rs.v[0].file, c);
    assert_string_equal(rs.v[0].msg, "oldest 1");
    assert_int_equal(rs.v[0].when, 1798444800);
    assert_string_equal(rs.v[2].msg, "oldest 3");
    assert_int_equal(rs.v[2].lineno, 3);
    assert_string_equal(rs.v[3].file, b);
    assert_int_equal(rs.v[3].when, 1798621200);
    assert_int_equal(rs.v[3].lineno, 1);
    assert_string_equal(rs.v[5].file, a);
    assert_int_equal(rs.v[5].when, 1798970400);
    assert_string_equal(rs.v[6].msg, "newest 2");
    assert_int_equal(rs.v[6].lineno, 3);
    for (i = 1; i < rs.n; i++)
        assert_true(rs.v[i].when >= rs.v[i - 1].when);
    recs_free(&rs);

    /* the first dated line may be of any program, with or without a pid */
    {
        char *x = tu_write(dir, "x",
                           "Dec 27 10:00:00 mail kernel: first\n"
                           "Dec 31 10:00:00 mail postfix/smtp[1]: x\n");
        char *y = tu_write(dir, "y", "Dec 29 10:00:00 mail postfix/smtp[1]: y\n");

        set_mtime(x, 1799150400);
        set_mtime(y, 1799150400);
        paths[0] = y;
        paths[1] = x;
        collect(paths, 2, NULL, &rs);
        assert_int_equal(rs.n, 2);
        assert_string_equal(rs.v[0].msg, "x");
        assert_string_equal(rs.v[1].msg, "y");
        recs_free(&rs);
        free(x);
        free(y);
    }

    /* ties keep the order given */
    paths[0] = b;
    paths[1] = b;
    collect(paths, 2, NULL, &rs);
    assert_int_equal(rs.n, 4);
    recs_free(&rs);

    free(a);
    free(b);
    free(c);
    tu_rmtree(dir);
    free(dir);
}

static void
test_formats_in_files(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *iso, *rfc, *crlf;
    const char *paths[3];
    struct recs rs;

    (void)state;
    iso = tu_write(dir, "iso.log",
                   "2026-12-06T02:07:24.123456+01:00 client postfix/smtp[10]: iso\n"
                   "2026-12-06T02:07:25+0000 client sshd[11]: other daemon\n");
    rfc = tu_write(dir, "rfc5424.log",
                   "<22>1 2026-12-06T02:07:24Z client postfix/smtp 12 - - rfc\n"
                   "<22>1 2026-12-06T02:07:25Z client postfix/smtpd 13 - - not returned\n");
    crlf = tu_write(dir, "crlf.log",
                    "Dec 06 02:07:26 client postfix/smtp[14]: crlf\r\n"
                    "Dec 06 02:07:27 client postfix/smtp[14]: no newline at the end");
    set_mtime(crlf, 1799150400); /* 2027-01-05: December is in 2026 */
    paths[0] = crlf;
    paths[1] = rfc;
    paths[2] = iso;
    collect(paths, 3, NULL, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 4);
    assert_string_equal(rs.v[0].msg, "iso");
    assert_int_equal(rs.v[0].when, 1796519244);
    assert_int_equal(rs.v[0].off, 3600);
    assert_true(rs.v[0].has_zone);
    assert_string_equal(rs.v[1].msg, "rfc");
    assert_int_equal(rs.v[1].when, 1796522844);
    assert_int_equal(rs.v[1].pid, 12);
    assert_string_equal(rs.v[2].msg, "crlf");
    assert_int_equal(rs.v[2].when, 1796522846);
    assert_false(rs.v[2].has_zone);
    assert_string_equal(rs.v[3].msg, "no newline at the end");
    assert_int_equal(rs.v[3].lineno, 2);
    assert_int_equal(rs.st.lines, 6);
    assert_int_equal(rs.st.unknown, 0);
    recs_free(&rs);
    free(iso);
    free(rfc);
    free(crlf);
    tu_rmtree(dir);
    free(dir);
}

static void
test_stdin(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *gz, *later;
    const char *paths[2];
    struct tlsp_logscan_opts o = {0};
    struct recs rs;
    int saved = dup(STDIN_FILENO), fd;

    (void)state;
    assert_true(saved >= 0);
    if (asprintf(&gz, "%s/stdin.gz", dir) < 0)
        fail();
    write_gzip(gz, "Dec 06 02:07:24 h postfix/smtp[1]: from stdin\n", 1);
    later = tu_write(dir, "later", "Dec 07 02:07:24 h postfix/smtp[2]: later\n");
    o.year = 2026;

    /* standard input alone (no file names), gzip data */
    fd = open(gz, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    collect(NULL, 0, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.v[0].file, "-");
    assert_string_equal(rs.v[0].msg, "from stdin");
    assert_int_equal(rs.v[0].when, 1796522844);
    recs_free(&rs);

    /* given after a later file: read first, from the bytes kept while ordering */
    fd = open(gz, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    paths[0] = later;
    paths[1] = "-";
    collect(paths, 2, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rs.v[0].file, "-");
    assert_string_equal(rs.v[0].msg, "from stdin");
    assert_string_equal(rs.v[1].file, later);
    recs_free(&rs);

    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    free(gz);
    free(later);
    tu_rmtree(dir);
    free(dir);
}

/* journalctl -o short-precise, and a byte-order mark opening a file */
static void
test_precise_and_bom(void **state)
{
    static const char bom_text[] = "\xef\xbb\xbf"
                                   "Dec 06 02:07:24.123456 mail postfix/smtp[12]: first\n"
                                   "Dec 06 02:07:25 mail postfix/smtp[12]: second\n";
    char *dir = tu_mkdtemp("logscan"), *bom, *later;
    const char *paths[2];
    struct tlsp_logscan_opts o = {0};
    struct tlsp_logline l;
    struct recs rs;
    static const char precise[] = "Dec 06 02:07:24.123456 host postfix/smtp[12]: msg";

    (void)state;
    assert_true(tlsp_logscan_parse_line(precise, strlen(precise), 2026, &l));
    assert_int_equal(l.when, 1796522844); /* the whole second */
    assert_int_equal(l.host_len, 4);
    assert_memory_equal(l.host, "host", 4);
    assert_int_equal(l.pid, 12);
    assert_int_equal(l.msg_len, 3);
    assert_memory_equal(l.msg, "msg", 3);
    assert_true(tlsp_logscan_parse_line("Dec 06 02:07:24.1 h smtp[1]: m", 30, 2026, &l));
    assert_int_equal(l.when, 1796522844);
    /* a dot without digits, a letter in the fraction, no space after it */
    assert_false(tlsp_logscan_parse_line("Dec 06 02:07:24. h smtp[1]: m", 29, 2026, &l));
    assert_false(tlsp_logscan_parse_line("Dec 06 02:07:24.1x h smtp[1]: m", 31, 2026, &l));
    assert_false(tlsp_logscan_parse_line("Dec 06 02:07:24.123", 19, 2026, &l));

    o.year = 2026;
    if (asprintf(&bom, "%s/bom.log", dir) < 0)
        fail();
    write_bytes(bom, bom_text, sizeof(bom_text) - 1);
    later = tu_write(dir, "later", "Dec 06 03:00:00 mail postfix/smtp[13]: later\n");
    paths[0] = later;
    paths[1] = bom;
    collect(paths, 2, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 3);
    assert_int_equal(rs.st.unknown, 0);
    assert_string_equal(rs.v[0].file, bom); /* ordered by its first line */
    assert_int_equal(rs.v[0].lineno, 1);
    assert_string_equal(rs.v[0].host, "mail");
    assert_string_equal(rs.v[0].msg, "first");
    assert_int_equal(rs.v[0].when, 1796522844);
    assert_string_equal(rs.v[1].msg, "second");
    assert_int_equal(rs.v[1].when, 1796522845);
    assert_string_equal(rs.v[2].msg, "later");
    recs_free(&rs);

    free(bom);
    free(later);
    tu_rmtree(dir);
    free(dir);
}

/* xz, bzip2, zstd and lz4 data: an error naming the file, the format and
 * the command that decompresses it, never garbage read as text */
static void
test_other_compression(void **state)
{
    static const struct {
        const char *name, *fmt, *cmd;
        unsigned char magic[8];
        size_t len;
    } cases[] = {
        {"m.xz", "xz", "xz -dc", {0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04}, 8},
        {"m.bz2", "bzip2", "bzip2 -dc", {'B', 'Z', 'h', '9', '1', 'A', 'Y', '&'}, 8},
        {"m.zst", "zstd", "zstd -dc", {0x28, 0xb5, 0x2f, 0xfd, 0x24, 0x10, 0x01, 0x00}, 8},
        {"m.lz4", "lz4", "lz4 -dc", {0x04, 0x22, 0x4d, 0x18, 0x64, 0x40, 0xa7, 0x00}, 8},
    };
    char *dir = tu_mkdtemp("logscan"), *path, *msg, *want, *plain;
    const char *paths[2];
    struct recs rs;
    size_t i;
    int saved = dup(STDIN_FILENO), fd;

    (void)state;
    plain = tu_write(dir, "plain", "Dec 06 02:07:24 mail postfix/smtp[1]: a\n");
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (asprintf(&path, "%s/%s", dir, cases[i].name) < 0 ||
            asprintf(&want,
                     "%s: %s-compressed: tlspolicy reads gzip only; use %s %s | "
                     "tlspolicy explain -",
                     path, cases[i].fmt, cases[i].cmd, path) < 0)
            fail();
        write_bytes(path, cases[i].magic, cases[i].len);
        /* alone: when reading starts */
        paths[0] = path;
        collect(paths, 1, NULL, &rs);
        assert_int_equal(rs.open_st, TLSP_OK);
        assert_int_equal(rs.next_st, TLSP_UNSUPPORTED);
        assert_int_equal(rs.n, 0);
        msg = first_msg(&rs.diag);
        assert_non_null(strstr(msg, want));
        free(msg);
        recs_free(&rs);
        /* with another file: when the files are ordered */
        paths[0] = plain;
        paths[1] = path;
        collect(paths, 2, NULL, &rs);
        assert_int_equal(rs.open_st, TLSP_UNSUPPORTED);
        msg = first_msg(&rs.diag);
        assert_non_null(strstr(msg, want));
        free(msg);
        recs_free(&rs);
        free(want);
        free(path);
    }

    /* standard input */
    if (asprintf(&path, "%s/m.xz", dir) < 0)
        fail();
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(dup2(fd, STDIN_FILENO), STDIN_FILENO);
    close(fd);
    collect(NULL, 0, NULL, &rs);
    assert_int_equal(dup2(saved, STDIN_FILENO), STDIN_FILENO);
    close(saved);
    assert_int_equal(rs.next_st, TLSP_UNSUPPORTED);
    msg = first_msg(&rs.diag);
    assert_non_null(
        strstr(msg, "standard input: xz-compressed: tlspolicy reads gzip only; decompress it "
                    "first with xz -dc"));
    free(msg);
    recs_free(&rs);
    free(path);

    /* "BZh0" and a text line starting "BZh1" are not bzip2 data */
    if (asprintf(&path, "%s/bzh0", dir) < 0)
        fail();
    write_bytes(path, "BZh0 not compressed\n", 20);
    paths[0] = path;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.st.lines, 1);
    assert_int_equal(rs.st.unknown, 1);
    recs_free(&rs);
    free(path);

    free(plain);
    tu_rmtree(dir);
    free(dir);
}

/* ---- limits and bad input ------------------------------------------------ */

static void
test_truncated_line(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *path;
    const char prefix[] = "Dec 06 02:07:24 client postfix/smtp[5]: ";
    struct tlsp_logscan_opts o = {0};
    const char *paths[1];
    struct recs rs;
    size_t i, len, at = 0;
    char *text;

    (void)state;
    /* a line, a 10000-byte line, a line */
    len = 10000 + 200;
    text = malloc(len);
    assert_non_null(text);
    at += (size_t)snprintf(text, len, "%sbefore\n%s", prefix, prefix);
    for (i = strlen(prefix); i < 10000; i++)
        text[at++] = (char)('a' + i % 26);
    text[at++] = '\n';
    at += (size_t)snprintf(text + at, len - at, "%safter\n", prefix);
    if (asprintf(&path, "%s/long.log", dir) < 0)
        fail();
    write_bytes(path, text, at);
    paths[0] = path;
    o.max_line = 256;
    o.year = 2026;
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 3);
    assert_false(rs.v[0].truncated);
    assert_true(rs.v[1].truncated);
    assert_int_equal(rs.v[1].msg_len, 256 - strlen(prefix));
    assert_memory_equal(rs.v[1].msg, text + strlen(prefix) * 2 + 7, rs.v[1].msg_len);
    assert_false(rs.v[2].truncated);
    assert_string_equal(rs.v[2].msg, "after");
    assert_int_equal(rs.v[2].lineno, 3);
    assert_int_equal(rs.st.truncated, 1);
    assert_int_equal(rs.st.lines, 3);
    recs_free(&rs);

    /* below the smallest max_line: refused */
    o.max_line = 100;
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.open_st, TLSP_INVAL);
    recs_free(&rs);
    free(text);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void
test_enormous_line(void **state)
{
    /* a line longer than the whole buffer, then one without a newline */
    char *dir = tu_mkdtemp("logscan"), *path;
    const char head[] = "Dec 06 02:07:24 client postfix/smtp[5]: ";
    const char tail[] = "Dec 06 02:07:25 client postfix/smtp[6]: after\n";
    size_t big = TLSP_LOGSCAN_BUF + (TLSP_LOGSCAN_BUF / 2), len = big + sizeof(tail) + 64;
    const char *paths[1];
    struct tlsp_logscan_opts o = {0};
    struct recs rs;
    char *text;

    (void)state;
    text = malloc(len);
    assert_non_null(text);
    memcpy(text, head, strlen(head));
    memset(text + strlen(head), 'x', big - strlen(head));
    text[big] = '\n';
    memcpy(text + big + 1, tail, strlen(tail));
    if (asprintf(&path, "%s/enormous.log", dir) < 0)
        fail();
    write_bytes(path, text, big + 1 + strlen(tail));
    paths[0] = path;
    o.year = 2026;
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 2);
    assert_true(rs.v[0].truncated);
    assert_int_equal(rs.v[0].msg_len, TLSP_LOGSCAN_MAX_LINE - strlen(head));
    assert_string_equal(rs.v[1].msg, "after");
    assert_int_equal(rs.v[1].lineno, 2);
    assert_int_equal(rs.st.bytes, big + 1 + strlen(tail));
    recs_free(&rs);

    /* the same line at the end of the file, without a newline */
    write_bytes(path, text, big);
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 1);
    assert_true(rs.v[0].truncated);
    assert_int_equal(rs.st.lines, 1);
    recs_free(&rs);
    free(text);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void
test_binary_garbage(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *path;
    const char good[] = "Dec 06 02:07:24 client postfix/smtp[5]: good\n";
    const char *paths[1];
    struct tlsp_logscan_opts o = {0};
    unsigned x = 12345;
    char text[20000];
    struct recs rs;
    size_t at = 0, i, k;

    (void)state;
    for (i = 0; i < 50; i++) {
        size_t n = 1 + i * 7;

        memcpy(text + at, good, strlen(good));
        at += strlen(good);
        /* a garbage line: bytes other than a newline, NULs included */
        for (k = 0; k < n; k++) {
            char c;

            x = x * 1103515245u + 12345u;
            c = (char)(x >> 16);
            if (c == '\n')
                c = 0;
            /* never the first byte of a known format */
            if (k == 0 && ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '<'))
                c = (char)0xff;
            text[at++] = c;
        }
        text[at++] = '\n';
    }
    /* almost-lines: a known shape that breaks off */
    at += (size_t)snprintf(text + at, sizeof(text) - at,
                           "Dec 06 02:07:24 client postfix/smtp[5\n"
                           "Dec 06 02:07:24 client postfix/smtp\n"
                           "<22>1 2026-12-06T02:07:24Z client postfix/smtp 1 - [x\n");
    if (asprintf(&path, "%s/garbage.log", dir) < 0)
        fail();
    write_bytes(path, text, at);
    paths[0] = path;
    o.year = 2026;
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 50);
    for (i = 0; i < rs.n; i++) {
        assert_string_equal(rs.v[i].msg, "good");
        assert_int_equal(rs.v[i].lineno, 2 * i + 1);
    }
    assert_int_equal(rs.st.lines, 103);
    assert_int_equal(rs.st.unknown, 53);
    recs_free(&rs);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static char *
gzip_bytes(const char *text, size_t *len)
{
    char *dir = tu_mkdtemp("logscan"), *path, *data;

    if (asprintf(&path, "%s/x.gz", dir) < 0)
        fail();
    write_gzip(path, text, 1);
    assert_int_equal(tlsp_read_file(path, 64 << 20, &data, len), TLSP_OK);
    free(path);
    tu_rmtree(dir);
    free(dir);
    return data;
}

static void
test_corrupt_gzip(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *path, *text, *gz, *msg;
    const char *paths[1];
    struct tlsp_logscan_opts o = {0};
    struct recs rs;
    size_t gz_len, i, at = 0;

    (void)state;
    text = malloc(2000 * 64);
    assert_non_null(text);
    for (i = 0; i < 2000; i++)
        at += (size_t)snprintf(text + at, 64, "Dec 06 02:07:24 client postfix/smtp[5]: %zu\n", i);
    gz = gzip_bytes(text, &gz_len);
    if (asprintf(&path, "%s/maillog.1.gz", dir) < 0)
        fail();
    paths[0] = path;
    o.year = 2026;

    /* the whole file reads */
    write_bytes(path, gz, gz_len);
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 2000);
    assert_int_equal(rs.st.bytes, at);
    recs_free(&rs);

    /* a wrong CRC: every line comes, then the error */
    gz[gz_len - 6] ^= 0x55;
    write_bytes(path, gz, gz_len);
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_IO);
    assert_int_equal(rs.n, 2000);
    msg = first_msg(&rs.diag);
    assert_non_null(strstr(msg, path));
    assert_non_null(strstr(msg, "line 2001"));
    assert_non_null(strstr(msg, "corrupt gzip data"));
    free(msg);
    recs_free(&rs);
    gz[gz_len - 6] ^= 0x55;

    /* cut in the middle: the lines before, then the error */
    write_bytes(path, gz, gz_len / 2);
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_IO);
    assert_true(rs.n < 2000);
    msg = first_msg(&rs.diag);
    assert_non_null(strstr(msg, path));
    assert_non_null(strstr(msg, "truncated gzip data"));
    free(msg);
    recs_free(&rs);

    /* damaged deflate data */
    for (i = 10; i < 60; i++)
        gz[i] = (char)0xff;
    write_bytes(path, gz, gz_len);
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_IO);
    assert_int_equal(rs.n, 0);
    msg = first_msg(&rs.diag);
    assert_non_null(strstr(msg, path));
    assert_non_null(strstr(msg, "line 1"));
    assert_non_null(strstr(msg, "corrupt gzip data"));
    free(msg);
    recs_free(&rs);

    /* trailing bytes that are not another member */
    free(gz);
    gz = gzip_bytes("Dec 06 02:07:24 client postfix/smtp[5]: one\n", &gz_len);
    memcpy(text, gz, gz_len);
    memcpy(text + gz_len, "junk", 4);
    write_bytes(path, text, gz_len + 4);
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.next_st, TLSP_IO);
    assert_int_equal(rs.n, 1);
    msg = first_msg(&rs.diag);
    assert_non_null(strstr(msg, "trailing bytes"));
    free(msg);
    recs_free(&rs);

    free(gz);
    free(text);
    free(path);
    tu_rmtree(dir);
    free(dir);
}

static void
test_open_errors(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *missing, *msg, *ok;
    static const char *many[TLSP_LOGSCAN_MAX_FILES + 1];
    const char *paths[2];
    struct recs rs;
    size_t i;

    (void)state;
    if (asprintf(&missing, "%s/no-such-log", dir) < 0)
        fail();
    paths[0] = missing;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_IO);
    msg = first_msg(&rs.diag);
    assert_non_null(strstr(msg, missing));
    assert_non_null(strstr(msg, "No such file"));
    free(msg);
    recs_free(&rs);

    paths[0] = dir;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_IO);
    msg = first_msg(&rs.diag);
    assert_non_null(strstr(msg, dir));
    assert_non_null(strstr(msg, "Is a directory"));
    free(msg);
    recs_free(&rs);

    ok = tu_write(dir, "ok", "");
    paths[0] = ok;
    paths[1] = missing;
    collect(paths, 2, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_IO);
    recs_free(&rs);

    paths[0] = "-";
    paths[1] = "-";
    collect(paths, 2, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_INVAL);
    recs_free(&rs);

    for (i = 0; i < TLSP_LOGSCAN_MAX_FILES + 1; i++)
        many[i] = ok;
    collect(many, TLSP_LOGSCAN_MAX_FILES + 1, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_LIMIT);
    recs_free(&rs);

    /* an empty file: no line, no error */
    paths[0] = ok;
    collect(paths, 1, NULL, &rs);
    assert_int_equal(rs.open_st, TLSP_OK);
    assert_int_equal(rs.next_st, TLSP_OK);
    assert_int_equal(rs.n, 0);
    assert_int_equal(rs.st.files, 1);
    recs_free(&rs);

    free(ok);
    free(missing);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the program filter -------------------------------------------------- */

static void
test_program_filter(void **state)
{
    static const char text[] = "Dec 06 02:07:24 h postfix/smtp[1]: a\n"
                               "Dec 06 02:07:24 h postfix-out/smtp[2]: b\n"
                               "Dec 06 02:07:24 h postfix/smtpd[3]: c\n"
                               "Dec 06 02:07:24 h postfix/lmtp[4]: d\n"
                               "Dec 06 02:07:24 h postfix/tlsproxy[5]: e\n"
                               "Dec 06 02:07:24 h postfix/error[6]: f\n"
                               "Dec 06 02:07:24 h postfix/retry[7]: g\n"
                               "Dec 06 02:07:24 h postfix/qmgr[8]: h\n"
                               "Dec 06 02:07:24 h relay-out[9]: i\n"
                               "Dec 06 02:07:24 h smtp[10]: j\n"
                               "Dec 06 02:07:24 h postfix/smtps[11]: k\n"
                               "Dec 06 02:07:24 h kernel: l\n"
                               "Dec 06 02:07:24 h smtp/postfix[12]: m\n";
    static const char *const extra[] = {"relay-out"};
    static const char *const only_smtpd[] = {"smtpd"};
    char *dir = tu_mkdtemp("logscan"), *path;
    struct tlsp_logscan_opts o = {0};
    const char *paths[1];
    struct recs rs;
    char got[32];
    size_t i;

    (void)state;
    path = tu_write(dir, "filter.log", text);
    paths[0] = path;
    o.year = 2026;

    collect(paths, 1, &o, &rs);
    for (i = 0; i < rs.n; i++)
        got[i] = rs.v[i].msg[0];
    got[rs.n] = 0;
    assert_string_equal(got, "abdefgj");
    assert_string_equal(rs.v[1].ident, "postfix-out/smtp");
    assert_string_equal(rs.v[1].program, "smtp");
    assert_int_equal(rs.v[1].pid, 2);
    assert_int_equal(rs.st.lines, 13);
    assert_int_equal(rs.st.unknown, 0);
    recs_free(&rs);

    o.idents = extra;
    o.n_idents = 1;
    collect(paths, 1, &o, &rs);
    for (i = 0; i < rs.n; i++)
        got[i] = rs.v[i].msg[0];
    got[rs.n] = 0;
    assert_string_equal(got, "abdefgij");
    assert_string_equal(rs.v[6].ident, "relay-out");
    assert_string_equal(rs.v[6].program, "relay-out");
    recs_free(&rs);

    o.programs = only_smtpd;
    o.n_programs = 1;
    o.idents = NULL;
    o.n_idents = 0;
    collect(paths, 1, &o, &rs);
    assert_int_equal(rs.n, 1);
    assert_string_equal(rs.v[0].msg, "c");
    recs_free(&rs);

    free(path);
    tu_rmtree(dir);
    free(dir);
}

/* ---- progress ------------------------------------------------------------ */

struct prog {
    unsigned calls;
    unsigned long long done, total;
};

static void
on_progress(void *arg, unsigned long long done, unsigned long long total)
{
    struct prog *p = arg;

    p->calls++;
    p->done = done;
    p->total = total;
}

static void
test_progress(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *a, *b;
    const char *paths[2];
    struct tlsp_logscan_opts o = {0};
    struct prog p = {0};
    struct recs rs;

    (void)state;
    a = tu_write(dir, "a", "Dec 06 02:07:24 h postfix/smtp[1]: a\n");
    b = tu_write(dir, "b", "Dec 07 02:07:24 h postfix/smtp[1]: b\n");
    paths[0] = b;
    paths[1] = a;
    o.progress = on_progress;
    o.progress_arg = &p;
    o.year = 2026;
    collect(paths, 2, &o, &rs);
    assert_int_equal(rs.n, 2);
    assert_string_equal(rs.v[0].msg, "a");
    assert_int_equal(p.calls, 1);
    assert_int_equal(p.done, 2 * 37);
    assert_int_equal(p.total, 2 * 37);
    recs_free(&rs);
    free(a);
    free(b);
    tu_rmtree(dir);
    free(dir);
}

/* ---- the recorded logs --------------------------------------------------- */

static size_t
count_newlines(const char *path)
{
    char *data;
    size_t len, i, n = 0;

    assert_int_equal(tlsp_read_file(path, 64 << 20, &data, &len), TLSP_OK);
    for (i = 0; i < len; i++)
        n += data[i] == '\n';
    free(data);
    return n;
}

static void
test_recorded_logs(void **state)
{
    char *pattern = tu_source_path("tests/fixtures/logs/*.log");
    char *founding = tu_source_path("examples/founding-case/*.log");
    /* the founding case's extended log has tlsmgr lines too */
    static const char *const with_tlsmgr[] = {"smtp", "tlsmgr"};
    struct tlsp_logscan_opts founding_opts = {0};
    glob_t g;
    size_t i, total = 0, n_files = 0;

    (void)state;
    assert_int_equal(glob(pattern, 0, NULL, &g), 0);
    assert_int_equal(glob(founding, GLOB_APPEND, NULL, &g), 0);
    assert_true(g.gl_pathc >= 40);
    for (i = 0; i < g.gl_pathc; i++) {
        const char *paths[1] = {g.gl_pathv[i]};
        size_t want = count_newlines(g.gl_pathv[i]), k;
        struct recs rs;

        bool example = strstr(g.gl_pathv[i], "/examples/") != NULL;

        founding_opts.programs = with_tlsmgr;
        founding_opts.n_programs = 2;
        collect(paths, 1, example ? &founding_opts : NULL, &rs);
        assert_int_equal(rs.open_st, TLSP_OK);
        assert_int_equal(rs.next_st, TLSP_OK);
        if (rs.n != want)
            fail_msg("%s: %zu lines returned of %zu", g.gl_pathv[i], rs.n, want);
        assert_int_equal(rs.st.lines, want);
        assert_int_equal(rs.st.unknown, 0);
        for (k = 0; k < rs.n; k++) {
            assert_int_equal(rs.v[k].lineno, k + 1);
            if (!example || strcmp(rs.v[k].ident, "postfix/tlsmgr") != 0)
                assert_string_equal(rs.v[k].ident, "postfix/smtp");
            assert_true(rs.v[k].pid > 0);
            assert_true(rs.v[k].when > 0);
            assert_true(k == 0 || rs.v[k].when >= rs.v[k - 1].when);
        }
        total += rs.n;
        n_files++;
        recs_free(&rs);
    }
    assert_true(total >= 348);
    globfree(&g);

    /* one line exactly */
    {
        char *p = tu_source_path("tests/fixtures/logs/name-mismatch-secure-ll1.log");
        const char *paths[1] = {p};
        struct tlsp_logscan_opts o = {0};
        struct recs rs;

        o.year = 2026;
        collect(paths, 1, &o, &rs);
        assert_int_equal(rs.n, 3);
        assert_string_equal(rs.v[0].host, "client");
        assert_string_equal(rs.v[0].program, "smtp");
        assert_int_equal(rs.v[0].pid, 954);
        assert_int_equal(rs.v[0].when, 1796522842); /* 2026-12-06T02:07:22 */
        assert_string_equal(rs.v[0].msg, "server certificate verification failed for "
                                         "mx.mismatch.test[127.0.1.2]:25: num=62:hostname "
                                         "mismatch");
        recs_free(&rs);
        free(p);
    }
    free(pattern);
    free(founding);
}

/* the same recorded log in the other formats gives the same lines */
static void
test_handmade_formats(void **state)
{
    static const char *const variants[] = {
        "tests/fixtures/logs/handmade/formats/name-mismatch-secure-ll2.rfc5424.log",
        "tests/fixtures/logs/handmade/formats/name-mismatch-secure-ll2.rsyslog-iso.log",
        "tests/fixtures/logs/handmade/formats/name-mismatch-secure-ll2.journal-short-iso.log",
        "tests/fixtures/logs/handmade/formats/name-mismatch-secure-ll2.log.gz",
    };
    char *orig_path = tu_source_path("tests/fixtures/logs/name-mismatch-secure-ll2.log");
    const char *paths[1] = {orig_path};
    struct tlsp_logscan_opts o = {0};
    struct recs orig;
    size_t i, k;

    (void)state;
    o.year = 2026;
    collect(paths, 1, &o, &orig);
    assert_int_equal(orig.next_st, TLSP_OK);
    assert_int_equal(orig.n, count_newlines(orig_path));
    for (i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        char *p = tu_source_path(variants[i]);
        struct recs rs;

        paths[0] = p;
        collect(paths, 1, &o, &rs);
        assert_int_equal(rs.next_st, TLSP_OK);
        if (rs.n != orig.n)
            fail_msg("%s: %zu lines, not %zu", variants[i], rs.n, orig.n);
        assert_int_equal(rs.st.unknown, 0);
        for (k = 0; k < rs.n; k++) {
            assert_int_equal(rs.v[k].when, orig.v[k].when);
            assert_string_equal(rs.v[k].host, orig.v[k].host);
            assert_string_equal(rs.v[k].ident, orig.v[k].ident);
            assert_int_equal(rs.v[k].pid, orig.v[k].pid);
            assert_int_equal(rs.v[k].msg_len, orig.v[k].msg_len);
            assert_string_equal(rs.v[k].msg, orig.v[k].msg);
            assert_int_equal(rs.v[k].lineno, k + 1);
        }
        /* the zone as the line gave it */
        assert_int_equal(rs.v[0].has_zone, i < 3);
        assert_int_equal(rs.v[0].off, i == 1 ? 3600 : 0);
        recs_free(&rs);
        free(p);
    }
    recs_free(&orig);
    free(orig_path);
}

/* ---- read-ahead ---------------------------------------------------------- */

/* Every line and every error, going on after errors, as one text. */
static char *
transcript(const char *const *paths, size_t n, const struct tlsp_logscan_opts *opts,
           struct tlsp_logscan_stats *stats)
{
    struct tlsp_logscan *r = NULL;
    struct tlsp_logline l;
    struct tlsp_diag d;
    char *out = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&out, &len);
    enum tlsp_status st;
    bool got;
    int errors = 0;

    assert_non_null(fp);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_logscan_open(paths, n, opts, &r, &d), TLSP_OK);
    for (;;) {
        st = tlsp_logscan_next(r, &l, &got, &d);
        if (st != TLSP_OK) {
            char *m = first_msg(&d);

            fprintf(fp, "error %d: %s\n", (int)st, m);
            free(m);
            tlsp_diag_fini(&d);
            tlsp_diag_init(&d);
            assert_true(++errors < 10);
            continue;
        }
        if (!got)
            break;
        fprintf(fp, "%s:%llu %lld %d %d %ld [%.*s] [%.*s] [%.*s] [%.*s] %d\n", l.file, l.lineno,
                l.when, l.utc_offset_s, (int)l.has_zone, l.pid, (int)l.host_len, l.host,
                (int)l.ident_len, l.ident, (int)l.program_len, l.program, (int)l.msg_len, l.msg,
                (int)l.truncated);
    }
    tlsp_logscan_stats(r, stats);
    tlsp_logscan_free(r);
    tlsp_diag_fini(&d);
    fclose(fp);
    return out;
}

static void
test_read_ahead(void **state)
{
    char *dir = tu_mkdtemp("logscan"), *big, *bad, *small, *text, *gz, *a, *b;
    const char *paths[3];
    struct tlsp_logscan_opts o = {0};
    struct tlsp_logscan_stats sa, sb;
    struct tlsp_logscan *r = NULL;
    struct tlsp_logline l;
    struct tlsp_diag d;
    size_t i, at = 0, gz_len;
    FILE *fp;
    bool got;

    (void)state;
    /* Several batches of returned lines (more than TLSP_LOGSCAN_AHEAD_BYTES),
     * other programs' lines, a line cut at max_line. */
    if (asprintf(&big, "%s/maillog.2", dir) < 0 || asprintf(&bad, "%s/maillog.1.gz", dir) < 0 ||
        asprintf(&small, "%s/maillog", dir) < 0)
        fail();
    fp = fopen(big, "w");
    assert_non_null(fp);
    for (i = 0; i < 120000; i++) {
        fprintf(fp,
                "Dec %2zu 02:%02zu:%02zu client postfix/smtp[%zu]: 4F%07zu: to=<u%zu@d%zu.example>, "
                "relay=mx.d%zu.example[192.0.2.1]:25, dsn=2.0.0, status=sent (250 ok)\n",
                1 + i / 40000, (i / 60) % 60, i % 60, 100 + i % 7, i, i, i % 500, i % 500);
        fprintf(fp, "Dec %2zu 02:%02zu:%02zu client postfix/smtpd[9]: connect from x[192.0.2.9]\n",
                1 + i / 40000, (i / 60) % 60, i % 60);
    }
    fprintf(fp, "Dec  4 03:00:00 client postfix/smtp[5]: ");
    for (i = 0; i < 2000; i++)
        fputs("long ", fp);
    fputs("\n", fp);
    assert_int_equal(fclose(fp), 0);
    /* A gzip file whose CRC is wrong: its lines, then an error, then the next file. */
    text = malloc(200 * 64);
    assert_non_null(text);
    for (i = 0; i < 200; i++)
        at += (size_t)snprintf(text + at, 64, "Dec 05 02:07:24 client postfix/smtp[5]: %zu\n", i);
    gz = gzip_bytes(text, &gz_len);
    gz[gz_len - 6] ^= 0x55;
    write_bytes(bad, gz, gz_len);
    write_bytes(small, "Dec 06 01:00:00 client postfix/lmtp[7]: last\n", 45);
    paths[0] = small;
    paths[1] = big;
    paths[2] = bad;
    o.year = 2026;
    o.max_line = 4096;

    a = transcript(paths, 3, &o, &sa);
    o.read_ahead = true;
    b = transcript(paths, 3, &o, &sb);
    assert_string_equal(a, b);
    assert_non_null(strstr(a, "corrupt gzip data"));
    assert_non_null(strstr(b, "/maillog:1 "));
    assert_int_equal(sa.lines, sb.lines);
    assert_int_equal(sa.returned, sb.returned);
    assert_int_equal(sa.returned, 120000 + 1 + 200 + 1);
    assert_int_equal(sa.bytes, sb.bytes);
    assert_int_equal(sa.truncated, 1);
    assert_int_equal(sb.truncated, 1);
    assert_int_equal(sa.files, sb.files);

    /* Freed after one line: the thread stops, nothing hangs or leaks. */
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_logscan_open(paths, 3, &o, &r, &d), TLSP_OK);
    assert_int_equal(tlsp_logscan_next(r, &l, &got, &d), TLSP_OK);
    assert_true(got);
    tlsp_logscan_free(r);
    tlsp_diag_fini(&d);

    free(a);
    free(b);
    free(gz);
    free(text);
    free(big);
    free(bad);
    free(small);
    tu_rmtree(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_refuses),   cmocka_unit_test(test_parse_formats),
        cmocka_unit_test(test_year_rollover),   cmocka_unit_test(test_year_from_mtime),
        cmocka_unit_test(test_file_order),      cmocka_unit_test(test_formats_in_files),
        cmocka_unit_test(test_truncated_line),  cmocka_unit_test(test_enormous_line),
        cmocka_unit_test(test_binary_garbage),  cmocka_unit_test(test_corrupt_gzip),
        cmocka_unit_test(test_open_errors),     cmocka_unit_test(test_program_filter),
        cmocka_unit_test(test_progress),        cmocka_unit_test(test_recorded_logs),
        cmocka_unit_test(test_stdin),           cmocka_unit_test(test_handmade_formats),
        cmocka_unit_test(test_read_ahead),      cmocka_unit_test(test_year_not_in_future),
        cmocka_unit_test(test_precise_and_bom), cmocka_unit_test(test_other_compression),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
