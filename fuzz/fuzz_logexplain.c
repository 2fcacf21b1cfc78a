/*
 * fuzz_logexplain.c - the delivery-attempt assembler and the log diagnosis
 *
 * Input: log lines, any bytes. Each line that tlsp_logscan_parse_line()
 * accepts goes to tlsp_attempts_feed(); every attempt that comes out is
 * diagnosed twice (cause only, then in full, without a configuration) and
 * counted in a per-next-hop summary. The two diagnoses must agree on the
 * cause, and every attempt must respect the limits attempt.h promises.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <tlspolicy/attempt.h>
#include <tlspolicy/logdiag.h>
#include <tlspolicy/logscan.h>
#include <tlspolicy/logsummary.h>

struct state {
    struct tlsp_logsummary *sum;
};

static void
check_attempt(const struct tlsp_attempt *a)
{
    if (a->n_rcpts > TLSP_ATTEMPT_MAX_RCPTS || a->n_depths > TLSP_ATTEMPT_MAX_DEPTHS ||
        a->n_sans > TLSP_ATTEMPT_MAX_SANS || a->n_warnings > TLSP_ATTEMPT_MAX_LINES ||
        a->n_rcpts > a->n_rcpts_total || a->loglevel_seen < -1 || a->loglevel_seen > 2 ||
        (a->end != TLSP_END_NEXT && a->status == NULL) ||
        (a->reason && strlen(a->reason) > TLSP_ATTEMPT_MAX_FIELD))
        __builtin_trap();
}

static void
on_attempt(void *arg, const struct tlsp_attempt *a)
{
    struct state *s = arg;
    struct tlsp_logdiag_ctx ctx;
    struct tlsp_logdiag quick, full;
    struct tlsp_diag d;

    check_attempt(a);
    memset(&ctx, 0, sizeof(ctx));
    ctx.version = tlsp_version_default;
    tlsp_diag_init(&d);
    ctx.cause_only = true;
    if (tlsp_logdiag_run(a, &ctx, &quick, &d) != TLSP_OK)
        __builtin_trap();
    ctx.cause_only = false;
    if (tlsp_logdiag_run(a, &ctx, &full, &d) != TLSP_OK)
        __builtin_trap();
    if (quick.cause != full.cause || full.title == NULL ||
        (full.cause != TLSP_CAUSE_NONE && full.n_findings == 0))
        __builtin_trap();
    for (size_t i = 0; i < full.n_fixes; i++)
        if (full.fixes[i].what == NULL || full.fixes[i].tradeoff == NULL)
            __builtin_trap();
    (void)tlsp_logsummary_add(s->sum, a, &full);
    tlsp_logdiag_fini(&quick);
    tlsp_logdiag_fini(&full);
    tlsp_diag_fini(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsp_logsummary_opts so;
    struct state s;
    struct tlsp_attempts *as = NULL;
    struct tlsp_logsummary_nexthop *const *v;
    size_t pos = 0, n;

    memset(&so, 0, sizeof(so));
    so.keep_attempts = true;
    so.exact_limit = 4;
    so.max_nexthops = 8;
    if (tlsp_logsummary_new(&so, &s.sum) != TLSP_OK)
        return 0;
    if (tlsp_attempts_new(on_attempt, &s, &as) != TLSP_OK) {
        tlsp_logsummary_free(s.sum);
        return 0;
    }
    while (pos < size) {
        const char *line = (const char *)data + pos;
        const char *nl = memchr(line, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - line) : size - pos;
        struct tlsp_logline l;

        if (tlsp_logscan_parse_line(line, len, 2026, &l)) {
            l.file = "fuzz";
            l.lineno = pos + 1;
            if (tlsp_attempts_feed(as, &l) != TLSP_OK)
                break;
        }
        pos += len + 1;
    }
    (void)tlsp_attempts_finish(as);
    (void)tlsp_logsummary_sorted(s.sum, &v, &n);
    tlsp_attempts_free(as);
    tlsp_logsummary_free(s.sum);
    return 0;
}
