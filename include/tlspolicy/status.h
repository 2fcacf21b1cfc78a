/*
 * status.h - the one status code every fallible tlspolicy function returns
 *
 * WHAT     enum tlsp_status and its printable name.
 * CONTRACT TLSP_OK is 0, so "if (st != TLSP_OK)" and "if (st)" both work.
 *          A status says what kind of failure happened; the human reason
 *          goes into a struct tlsp_diag (diag.h) supplied by the caller.
 */
#ifndef TLSPOLICY_STATUS_H
#define TLSPOLICY_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_MUST_CHECK __attribute__((warn_unused_result))

enum tlsp_status {
    TLSP_OK = 0,      /* success */
    TLSP_NOTFOUND,    /* a lookup found no entry (not an error) */
    TLSP_RETRY,       /* a table lookup failed: Postfix would defer and retry later */
    TLSP_CONFIG,      /* a configuration error: Postfix would stop or refuse */
    TLSP_INVAL,       /* bad argument or malformed input */
    TLSP_NOMEM,       /* out of memory */
    TLSP_IO,          /* a file could not be read */
    TLSP_UNSUPPORTED, /* a feature tlspolicy does not implement (yet) */
    TLSP_LIMIT,       /* input exceeded a size or depth limit */
};

/*
 * tlsp_status_name - short lower-case name of a status ("ok", "retry", ...)
 *
 * Returns a static string; never NULL ("unknown" for values out of range).
 */
const char *tlsp_status_name(enum tlsp_status st);

#ifdef __cplusplus
}
#endif

#endif
