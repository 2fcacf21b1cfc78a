/*
 * maps.c - a list of lookup tables, searched as Postfix's maps_find() does
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "maps.h"
#include "util/buf.h"
#include "util/str.h"

char *
tlsp_maps_log_line(const struct tlsp_msg *m)
{
    struct tlsp_buf b;
    enum tlsp_status st;

    tlsp_buf_init(&b, TLSP_BUF_TEXT_LIMIT);
    st = tlsp_buf_printf(&b, "%s: ", tlsp_severity_name(m->sev));
    if (st == TLSP_OK && m->file && strstr(m->text, m->file) == NULL) {
        if (m->line)
            st = tlsp_buf_printf(&b, "%s, line %u: ", m->file, m->line);
        else
            st = tlsp_buf_printf(&b, "%s: ", m->file);
    }
    if (st == TLSP_OK)
        st = tlsp_buf_puts(&b, m->text);
    if (st != TLSP_OK) {
        tlsp_buf_fini(&b);
        return NULL;
    }
    return tlsp_buf_steal(&b);
}

static enum tlsp_status
push_line(struct tlsp_strvec *log, const struct tlsp_msg *m)
{
    if (log == NULL)
        return TLSP_OK;
    return tlsp_strvec_push_owned(log, tlsp_maps_log_line(m));
}

static enum tlsp_status
push_printf(struct tlsp_strvec *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static enum tlsp_status
push_printf(struct tlsp_strvec *log, const char *fmt, ...)
{
    va_list ap;
    char *line;

    if (log == NULL)
        return TLSP_OK;
    va_start(ap, fmt);
    line = tlsp_vaprintf(fmt, ap);
    va_end(ap);
    return tlsp_strvec_push_owned(log, line);
}

void
tlsp_maps_fini(struct tlsp_maps *maps)
{
    size_t i;

    for (i = 0; i < maps->n; i++)
        tlsp_map_free(maps->v[i]);
    free(maps->v);
    free(maps->title);
    memset(maps, 0, sizeof(*maps));
}

enum tlsp_status
tlsp_maps_open(struct tlsp_maps *maps, const char *title, const char *value, unsigned flags,
               struct tlsp_strvec *log, struct tlsp_diag *diag)
{
    struct tlsp_strvec specs;
    enum tlsp_status st;
    size_t i;

    memset(maps, 0, sizeof(*maps));
    tlsp_strvec_init(&specs);
    if ((maps->title = tlsp_strdup(title)) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    if ((st = tlsp_strvec_split_quoted(&specs, value, TLSP_COMMA_SP)) != TLSP_OK)
        goto out;
    if ((maps->v = calloc(specs.n + 1, sizeof(*maps->v))) == NULL) {
        st = TLSP_NOMEM;
        goto out;
    }
    for (i = 0; i < specs.n; i++) {
        struct tlsp_diag d;
        const char *reason = NULL;
        size_t k;

        tlsp_diag_init(&d);
        st = tlsp_map_open(specs.v[i], flags, &maps->v[maps->n], &d);
        if (st == TLSP_INVAL) {
            tlsp_diag_fini(&d);
            tlsp_diag_add(diag, TLSP_SEV_FATAL, NULL, 0,
                          "open dictionary: expecting \"type:name\" form instead of \"%s\"",
                          specs.v[i]);
            st = TLSP_CONFIG;
            goto out;
        }
        if (st != TLSP_OK) {
            for (k = 0; k < d.n_msgs; k++)
                tlsp_diag_add(diag, d.msgs[k].sev, d.msgs[k].file, d.msgs[k].line, "%s",
                              d.msgs[k].text);
            tlsp_diag_fini(&d);
            goto out;
        }
        if (!tlsp_map_is_available(maps->v[maps->n], &reason))
            reason = reason ? strstr(reason, " is unavailable. ") : NULL;
        else
            reason = NULL;
        for (k = 0; k < d.n_msgs && st == TLSP_OK; k++) {
            const struct tlsp_msg *m = &d.msgs[k];

            /* Our notes go to diag. Postfix's surrogate logs its reason as
             * an error when the table is opened, and the "is unavailable"
             * warning at each lookup. */
            if (m->sev == TLSP_SEV_NOTE) {
                st = tlsp_diag_add(diag, m->sev, m->file, m->line, "%s", m->text);
            } else if (reason && strstr(m->text, " is unavailable. ")) {
                struct tlsp_msg e = *m;

                e.sev = TLSP_SEV_ERROR;
                e.text = (char *)reason + strlen(" is unavailable. ");
                e.file = NULL;
                st = push_line(log, &e);
            } else {
                st = push_line(log, m);
            }
        }
        tlsp_diag_fini(&d);
        maps->n++;
        if (st != TLSP_OK)
            goto out;
    }
out:
    tlsp_strvec_fini(&specs);
    return st;
}

enum tlsp_status
tlsp_maps_find(struct tlsp_maps *maps, const char *key, bool partial, const char **value,
               struct tlsp_map_hit *hit, size_t *which, tlsp_maps_step_fn step, void *step_ctx,
               struct tlsp_strvec *log, struct tlsp_diag *diag)
{
    size_t i;

    *value = NULL;
    if (*key == 0)
        return TLSP_NOTFOUND;
    for (i = 0; i < maps->n; i++) {
        struct tlsp_map *m = maps->v[i];
        struct tlsp_diag d;
        enum tlsp_status st, st2 = TLSP_OK;
        size_t k;

        if (partial && !tlsp_map_is_fixed(m))
            continue;
        tlsp_diag_init(&d);
        st = tlsp_map_lookup(m, key, value, hit, &d);
        if (st == TLSP_UNSUPPORTED) {
            /* Postfix would ask a server (socketmap, SQL, LDAP ...) whose
             * answer tlspolicy cannot know: say so, do not guess. */
            st2 = tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                                "%s: %s: tlspolicy does not read %s: tables yet, so it cannot "
                                "predict this lookup",
                                maps->title, tlsp_map_spec(m), tlsp_map_type(m));
            tlsp_diag_fini(&d);
            return st2 == TLSP_OK ? TLSP_UNSUPPORTED : st2;
        }
        for (k = 0; k < d.n_msgs && st2 == TLSP_OK; k++) {
            if (d.msgs[k].sev == TLSP_SEV_NOTE)
                st2 = tlsp_diag_add(diag, TLSP_SEV_NOTE, d.msgs[k].file, d.msgs[k].line, "%s",
                                    d.msgs[k].text);
            else
                st2 = push_line(log, &d.msgs[k]);
        }
        tlsp_diag_fini(&d);
        if (st2 != TLSP_OK)
            return st2;
        if (st == TLSP_OK && **value == 0) {
            *value = NULL;
            if (step && (st2 = step(step_ctx, key, tlsp_map_spec(m), TLSP_RETRY)) != TLSP_OK)
                return st2;
            if ((st2 = push_printf(log, "warning: %s lookup of %s returns an empty string result",
                                   maps->title, key)) != TLSP_OK ||
                (st2 = push_printf(log, "warning: %s should return NO RESULT in case of NOT FOUND",
                                   maps->title)) != TLSP_OK)
                return st2;
            return TLSP_RETRY;
        }
        if (step && (st == TLSP_OK || st == TLSP_NOTFOUND || st == TLSP_RETRY) &&
            (st2 = step(step_ctx, key, tlsp_map_spec(m), st)) != TLSP_OK)
            return st2;
        if (st == TLSP_OK) {
            if (which)
                *which = i;
            return TLSP_OK;
        }
        if (st == TLSP_RETRY) {
            *value = NULL;
            if ((st2 = push_printf(log, "warning: %s lookup error for \"%.100s\"",
                                   tlsp_map_spec(m), key)) != TLSP_OK)
                return st2;
            return TLSP_RETRY;
        }
        if (st != TLSP_NOTFOUND)
            return st;
    }
    *value = NULL;
    return TLSP_NOTFOUND;
}
