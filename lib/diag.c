/*
 * diag.c - ordered list of messages for people
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/diag.h>

#include "util/buf.h"
#include "util/str.h"

void
tlsp_diag_init(struct tlsp_diag *d)
{
    d->msgs = NULL;
    d->n_msgs = 0;
    d->cap = 0;
}

void
tlsp_diag_fini(struct tlsp_diag *d)
{
    size_t i;

    for (i = 0; i < d->n_msgs; i++) {
        free(d->msgs[i].file);
        free(d->msgs[i].text);
    }
    free(d->msgs);
    tlsp_diag_init(d);
}

enum tlsp_status
tlsp_diag_vadd(struct tlsp_diag *d, enum tlsp_severity sev, const char *file, unsigned line,
               const char *fmt, va_list ap)
{
    struct tlsp_buf b;
    struct tlsp_msg m;

    if (d == NULL)
        return TLSP_OK;
    if (d->n_msgs == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct tlsp_msg *v = realloc(d->msgs, cap * sizeof(*v));

        if (v == NULL)
            return TLSP_NOMEM;
        d->msgs = v;
        d->cap = cap;
    }
    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    if (tlsp_buf_vprintf(&b, fmt, ap) != TLSP_OK) {
        tlsp_buf_fini(&b);
        return TLSP_NOMEM;
    }
    m.sev = sev;
    m.line = line;
    m.text = tlsp_buf_steal(&b);
    m.file = file ? tlsp_strdup(file) : NULL;
    if (m.text == NULL || (file && m.file == NULL)) {
        free(m.text);
        free(m.file);
        return TLSP_NOMEM;
    }
    d->msgs[d->n_msgs++] = m;
    return TLSP_OK;
}

enum tlsp_status
tlsp_diag_add(struct tlsp_diag *d, enum tlsp_severity sev, const char *file, unsigned line,
              const char *fmt, ...)
{
    va_list ap;
    enum tlsp_status st;

    va_start(ap, fmt);
    st = tlsp_diag_vadd(d, sev, file, line, fmt, ap);
    va_end(ap);
    return st;
}

int
tlsp_diag_worst(const struct tlsp_diag *d)
{
    int worst = -1;
    size_t i;

    for (i = 0; i < d->n_msgs; i++)
        if ((int)d->msgs[i].sev > worst)
            worst = (int)d->msgs[i].sev;
    return worst;
}

const char *
tlsp_severity_name(enum tlsp_severity sev)
{
    switch (sev) {
    case TLSP_SEV_NOTE:
        return "note";
    case TLSP_SEV_WARNING:
        return "warning";
    case TLSP_SEV_ERROR:
        return "error";
    case TLSP_SEV_FATAL:
        return "fatal";
    }
    return "unknown";
}

char *
tlsp_diag_format(const struct tlsp_msg *m)
{
    struct tlsp_buf b;
    enum tlsp_status st = TLSP_OK;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    /* Some of Postfix's texts name the file themselves ("regexp map FILE,
     * line N: ..."): do not say it twice. */
    if (m->file && strstr(m->text, m->file) == NULL) {
        if (m->line)
            st = tlsp_buf_printf(&b, "%s, line %u: ", m->file, m->line);
        else
            st = tlsp_buf_printf(&b, "%s: ", m->file);
    }
    if (st == TLSP_OK)
        st = tlsp_buf_printf(&b, "%s: %s", tlsp_severity_name(m->sev), m->text);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}
