/*
 * logscan.h - Postfix log lines, from any of the formats they are kept in
 *
 * WHAT     Reads mail logs line by line and splits each line of a Postfix
 *          delivery agent into time, host, syslog name, pid and message:
 *          traditional syslog ("Feb 25 21:57:22 host postfix/smtp[123]: ..."),
 *          the same with an RFC 3339 / ISO-8601 time (rsyslog's
 *          high-precision format, journalctl -o short-iso), RFC 5424
 *          ("<22>1 2026-02-25T21:57:22.1Z host postfix/smtp 123 - - ..."), and
 *          Postfix's own maillog_file ("Feb 25 21:57:22 host postfix/smtp[123]: ..."),
 *          and the traditional time with a fraction of a second (journalctl -o
 *          short-precise: "Feb 25 21:57:22.123456 host ...": when is the whole
 *          second). A UTF-8 byte-order mark opening a file is skipped.
 *          Files compressed with gzip (rotated logs) are read through zlib;
 *          xz, bzip2, zstd and lz4 data (known by their magic bytes) is an
 *          error naming the file, the format and the command to decompress it.
 *          Several files are read in time order (by the time of their first
 *          dated line within their first 64 KiB; files without one come
 *          last, ties in the order given), "-" is standard input.
 * YEAR     Traditional lines carry no year: it is taken from --year when
 *          given, else from the file's modification time: the first line
 *          gets the year that makes its date not later than the modification
 *          time plus one day (the modification time's year, or the year
 *          before: on Dec 6 a first line "Dec 31" is of last year, "Dec 7"
 *          of this year), and it
 *          advances when the month goes backwards (December to January:
 *          a month more than six months before the last one seen); a line
 *          of a month more than six months after the last one is a late
 *          line of the year before and changes nothing. --year is the year
 *          of the first line of the first file and carries on to the next
 *          files; without it each file's year comes from its own
 *          modification time. Standard input uses the current time instead
 *          of a modification time.
 * FILTER   Only lines of the programs asked for are returned; others are
 *          skipped after a few byte comparisons. A syslog name matches when
 *          its last "/"-separated component is one of the programs asked for
 *          (default "smtp", "lmtp", "tlsproxy", "error", "retry"), or when the
 *          whole name is one of the extra names asked for (e.g. the names
 *          master.cf gives with -o syslog_name=).
 * CONTRACT Streaming: memory is bounded by the buffer (TLSP_LOGSCAN_BUF
 *          bytes) whatever the input size; a line longer than max_line is
 *          cut there (the rest is skipped, the line is returned with
 *          truncated set). Lines that are not in a known format are skipped
 *          and counted, never an error. Unreadable files and corrupt gzip
 *          data are errors naming the file (and the line reached). Nothing
 *          prints.
 * SEE ALSO postconf(5) maillog_file, syslog_name; RFC 3164, RFC 5424,
 *          RFC 3339; journalctl(1) --output=short-iso.
 */
#ifndef TLSPOLICY_LOGSCAN_H
#define TLSPOLICY_LOGSCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_LOGSCAN_BUF ((size_t)4 << 20)     /* read buffer per file, bytes */
#define TLSP_LOGSCAN_MAX_LINE ((size_t)64 << 10) /* default longest line kept, bytes */
#define TLSP_LOGSCAN_MAX_FILES 4096

/* One log line of a program asked for. Every pointer is borrowed from the
 * reader and valid until the next tlsp_logscan_next() call; strings are not
 * NUL-terminated: use the lengths. */
struct tlsp_logline {
    const char *file;       /* the file's name as given ("-": standard input) */
    unsigned long long lineno; /* 1-based line number in that file */
    long long when;         /* seconds since 1970, the time as written (local time
                               when the line carries no zone; converted to UTC when
                               it does); -1 when unknown */
    int utc_offset_s;       /* the zone the line gave, seconds east of UTC */
    bool has_zone;          /* the line carried a zone (ISO or RFC 5424 formats) */
    const char *host;       /* host name field */
    size_t host_len;
    const char *ident;      /* syslog name with the program, e.g. "postfix-out/smtp" */
    size_t ident_len;
    const char *program;    /* the last component of ident, e.g. "smtp" */
    size_t program_len;
    long pid;               /* -1 when the line has none */
    const char *msg;        /* the message after "[pid]: " (or RFC 5424's header) */
    size_t msg_len;
    bool truncated;         /* the line was longer than max_line and cut */
};

struct tlsp_logscan_opts {
    int year;                   /* year of the first traditional line; 0: infer */
    size_t max_line;            /* 0: TLSP_LOGSCAN_MAX_LINE; at least 256 */
    const char *const *programs; /* program names (last ident component) to return;
                                   NULL: "smtp", "lmtp", "tlsproxy", "error", "retry" */
    size_t n_programs;
    const char *const *idents;  /* whole syslog names to return as well, or NULL */
    size_t n_idents;
    /* Progress: called about every 64 MiB read and once at the end, with the bytes
     * read so far (compressed bytes for gzip files) and the total size of the
     * regular files given (0 when unknown, e.g. standard input). May be NULL. */
    void (*progress)(void *arg, unsigned long long done, unsigned long long total);
    void *progress_arg;
    /* Read ahead: a second thread (pthreads) reads, decompresses and splits the
     * lines while the caller works on the previous ones, at most
     * TLSP_LOGSCAN_AHEAD_BYTES of returned lines ahead. Lines, errors, counters
     * and the end come out exactly as without it; the progress callback is then
     * called from that thread. Falls back to reading in the caller's thread when
     * the thread cannot be started. */
    bool read_ahead;
};

#define TLSP_LOGSCAN_AHEAD_BYTES ((size_t)4 << 20)

/* Counters, for the summary and the benchmark. */
struct tlsp_logscan_stats {
    unsigned long long bytes;     /* uncompressed bytes read */
    unsigned long long lines;     /* lines read */
    unsigned long long returned;  /* lines returned */
    unsigned long long unknown;   /* lines in no known format (skipped) */
    unsigned long long truncated; /* lines cut at max_line */
    unsigned files;
};

struct tlsp_logscan;

/*
 * tlsp_logscan_open - prepare to read files in time order
 *
 * In:   paths  n file names; "-" is standard input (at most once). Files
 *              starting with the gzip magic bytes are decompressed whatever
 *              their name. n = 0 means standard input.
 *       opts   may be NULL (defaults above); copied, the arrays are borrowed
 *              and must outlive the reader.
 * Out:  out    the reader on TLSP_OK; tlsp_logscan_free().
 *       diag   on failure, the file and why.
 * Returns TLSP_OK; TLSP_IO (a file cannot be opened or read, or is a
 *       directory); TLSP_UNSUPPORTED (with several files, one holds xz,
 *       bzip2, zstd or lz4 data: the message names the file, the format and
 *       "use xz -dc FILE | tlspolicy explain -"); TLSP_INVAL (bad options, "-" twice); TLSP_LIMIT (more
 *       than TLSP_LOGSCAN_MAX_FILES files); TLSP_NOMEM.
 * Source: the order of rotated files (maillog.2.gz, maillog.1, maillog) is
 *       decided by their first dated lines, not their names.
 */
enum tlsp_status tlsp_logscan_open(const char *const *paths, size_t n,
                                   const struct tlsp_logscan_opts *opts,
                                   struct tlsp_logscan **out,
                                   struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_logscan_next - the next line of a program asked for
 *
 * Out:  line   filled when *got is true (see struct tlsp_logline).
 *       got    false at the end of the last file.
 *       diag   on failure, the file, the line reached and why.
 * Returns TLSP_OK (also at the end); TLSP_IO (read error, corrupt or
 *       truncated gzip data: what was read before is still valid);
 *       TLSP_UNSUPPORTED (the file starting holds xz, bzip2, zstd or lz4
 *       data, as for tlsp_logscan_open());
 *       TLSP_NOMEM.
 */
enum tlsp_status tlsp_logscan_next(struct tlsp_logscan *r, struct tlsp_logline *line, bool *got,
                                   struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_logscan_stats - counters so far. */
void tlsp_logscan_stats(const struct tlsp_logscan *r, struct tlsp_logscan_stats *st);

/* tlsp_logscan_free - close every file; NULL is a no-op. */
void tlsp_logscan_free(struct tlsp_logscan *r);

/*
 * tlsp_logscan_parse_line - split one line (without its newline) as the
 *       reader does, without filtering by program
 *
 * In:   s, len   the line; year  the year to give a traditional time
 *                (0: leave when = -1 for such lines).
 * Out:  line     filled on true, pointing into s (file NULL, lineno 0).
 * Returns true when the line is in a known format and names a program
 *       with a pid (or an RFC 5424 PROCID).
 * For tests and fuzzing; the reader uses the same code.
 */
bool tlsp_logscan_parse_line(const char *s, size_t len, int year, struct tlsp_logline *line);

#ifdef __cplusplus
}
#endif

#endif
