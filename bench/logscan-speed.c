/*
 * logscan-speed.c - how fast the log reader goes through files (not a test)
 *
 * Usage: tlsp-logscan-speed [-p PROGRAM]... [-i IDENT]... FILE...|-
 *
 * Reads the files through tlsp_logscan with the default programs (or the
 * ones given), touches every returned line, and prints the lines read and
 * returned, the bytes, the seconds and MB/s (10^6 bytes per second of
 * uncompressed data) on standard output.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <tlspolicy/logscan.h>

#define MAX_NAMES 64

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
print_diag(const struct tlsp_diag *d)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++) {
        char *s = tlsp_diag_format(&d->msgs[i]);

        fprintf(stderr, "tlsp-logscan-speed: %s\n", s ? s : "out of memory");
        free(s);
    }
}

int
main(int argc, char **argv)
{
    const char *programs[MAX_NAMES], *idents[MAX_NAMES];
    struct tlsp_logscan_opts opts;
    struct tlsp_logscan_stats st;
    struct tlsp_logscan *r;
    struct tlsp_logline line;
    struct tlsp_diag d;
    unsigned long long sum = 0;
    size_t n_programs = 0, n_idents = 0;
    enum tlsp_status rc;
    double t0, secs;
    bool got;
    int i = 1;

    memset(&opts, 0, sizeof(opts));
    for (; i < argc; i++) {
        if (strcmp(argv[i], "-p") == 0 && i + 1 < argc && n_programs < MAX_NAMES)
            programs[n_programs++] = argv[++i];
        else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc && n_idents < MAX_NAMES)
            idents[n_idents++] = argv[++i];
        else if (strcmp(argv[i], "--") == 0 && ++i)
            break;
        else if (argv[i][0] == '-' && argv[i][1] != 0) {
            fprintf(stderr, "usage: tlsp-logscan-speed [-p PROGRAM]... [-i IDENT]... FILE...|-\n");
            return 2;
        } else
            break;
    }
    if (n_programs) {
        opts.programs = programs;
        opts.n_programs = n_programs;
    }
    if (n_idents) {
        opts.idents = idents;
        opts.n_idents = n_idents;
    }
    tlsp_diag_init(&d);
    t0 = now_s();
    if (tlsp_logscan_open((const char *const *)argv + i, (size_t)(argc - i), &opts, &r, &d) !=
        TLSP_OK) {
        print_diag(&d);
        tlsp_diag_fini(&d);
        return 2;
    }
    while ((rc = tlsp_logscan_next(r, &line, &got, &d)) == TLSP_OK && got)
        sum += line.msg_len + (unsigned long long)line.pid + (unsigned long long)line.when;
    secs = now_s() - t0;
    tlsp_logscan_stats(r, &st);
    tlsp_logscan_free(r);
    if (rc != TLSP_OK) {
        print_diag(&d);
        tlsp_diag_fini(&d);
        return 2;
    }
    tlsp_diag_fini(&d);
    printf("files %u\nbytes %llu\nlines %llu\nreturned %llu\nunknown %llu\ntruncated %llu\n"
           "seconds %.3f\nMB/s %.0f\nchecksum %llu\n",
           st.files, st.bytes, st.lines, st.returned, st.unknown, st.truncated, secs,
           secs > 0 ? (double)st.bytes / 1e6 / secs : 0.0, sum);
    return 0;
}
