/*
 * diag.h - ordered list of messages for people: notes, warnings, errors
 *
 * WHAT     Collects what the library found while reading configuration and
 *          tables, in the order found: Postfix's own warning texts where
 *          Postfix would log one, and tlspolicy's notes.
 * CONTRACT The library never prints; it appends here and the caller decides
 *          how to show it. Every message may name the file and line it is
 *          about (file NULL and line 0 when it is about no file).
 *          A struct tlsp_diag is embedded: tlsp_diag_init() before use,
 *          tlsp_diag_fini() after.
 */
#ifndef TLSPOLICY_DIAG_H
#define TLSPOLICY_DIAG_H

#include <stddef.h>
#include <stdarg.h>

#include <tlspolicy/status.h>

#ifdef __cplusplus
extern "C" {
#endif

enum tlsp_severity {
    TLSP_SEV_NOTE,    /* tlspolicy's own remark, not a Postfix message */
    TLSP_SEV_WARNING, /* Postfix would log "warning: TEXT" and go on */
    TLSP_SEV_ERROR,   /* Postfix would refuse this input (defer, lookup error) */
    TLSP_SEV_FATAL,   /* Postfix would log "fatal: TEXT" and stop */
};

struct tlsp_msg {
    enum tlsp_severity sev;
    char *file;    /* file the message is about, or NULL; owned */
    unsigned line; /* 1-based line in file, or 0 */
    char *text;    /* the message without "warning: " prefix; owned */
};

struct tlsp_diag {
    struct tlsp_msg *msgs;
    size_t n_msgs;
    size_t cap;
};

/* tlsp_diag_init - empty list. */
void tlsp_diag_init(struct tlsp_diag *d);

/* tlsp_diag_fini - release every message; the list is empty afterwards. */
void tlsp_diag_fini(struct tlsp_diag *d);

/*
 * tlsp_diag_add - append one message
 *
 * In:   d     list; may be NULL, then the call does nothing and returns TLSP_OK.
 *       sev   severity.
 *       file  file the message is about, or NULL; copied.
 *       line  1-based line, or 0.
 *       fmt   printf format of the text; the result is copied.
 * Returns TLSP_OK or TLSP_NOMEM (the message is then lost, the list intact).
 */
enum tlsp_status tlsp_diag_add(struct tlsp_diag *d, enum tlsp_severity sev, const char *file,
                               unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* tlsp_diag_vadd - as tlsp_diag_add() with a va_list. */
enum tlsp_status tlsp_diag_vadd(struct tlsp_diag *d, enum tlsp_severity sev, const char *file,
                                unsigned line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/*
 * tlsp_diag_worst - the highest severity present, or -1 when the list is empty.
 */
int tlsp_diag_worst(const struct tlsp_diag *d);

/*
 * tlsp_diag_format - one message as a line of text
 *
 * "FILE, line N: warning: TEXT", "warning: TEXT", "note: TEXT" and so on;
 * the file is left out when TEXT already names it.
 * Returns a heap string the caller frees, or NULL on out of memory.
 */
char *tlsp_diag_format(const struct tlsp_msg *m);

/* tlsp_severity_name - "note", "warning", "error" or "fatal". */
const char *tlsp_severity_name(enum tlsp_severity sev);

#ifdef __cplusplus
}
#endif

#endif
