/*
 * maps.h - a list of lookup tables, searched as Postfix's maps_find() does
 *
 * WHAT     The layer every "*_maps" parameter goes through: the value split
 *          on comma and white space ({} kept together), each "type:name"
 *          opened with the caller's flags; a search tries each table in
 *          order, skips pattern tables for partial keys, stops at the first
 *          hit or at the first lookup error, and treats an empty result as
 *          a lookup error.
 * CONTRACT Postfix's log lines ("warning: ...", "error: ...") go into the
 *          caller's log vector, in the order Postfix writes them; tlspolicy's
 *          notes about the tables go into diag. Nothing prints or exits.
 * SEE ALSO Postfix global/maps.c maps_create(), maps_find(); util/dict_open.c.
 */
#ifndef TLSP_MAPS_H
#define TLSP_MAPS_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/map.h>
#include <tlspolicy/status.h>

#include "util/strvec.h"

struct tlsp_maps {
    char *title;           /* the parameter name, e.g. "smtp_tls_policy_maps" */
    struct tlsp_map **v;   /* the tables, in order */
    size_t n;
};

/* Called for every table asked, with what it answered. */
typedef enum tlsp_status (*tlsp_maps_step_fn)(void *ctx, const char *key, const char *table,
                                              enum tlsp_status result);

/*
 * tlsp_maps_open - maps_create(): open every table of a parameter value
 *
 * In:   title  the parameter name, used in Postfix's messages.
 *       value  the expanded parameter value.
 *       flags  TLSP_MAP_* for every table.
 * Out:  maps   filled on TLSP_OK; tlsp_maps_fini() whatever the status.
 *       log    if not NULL, the lines Postfix logs when it opens the tables
 *              ("error: open database X.db: No such file or directory").
 *       diag   tlspolicy's notes; on TLSP_CONFIG the fatal text.
 * Returns TLSP_OK; TLSP_CONFIG when an element is not "type:name" (Postfix
 *       stops: "open dictionary: expecting \"type:name\" form instead of
 *       \"X\""); TLSP_LIMIT (a table too large to predict); TLSP_NOMEM.
 */
enum tlsp_status tlsp_maps_open(struct tlsp_maps *maps, const char *title, const char *value,
                                unsigned flags, struct tlsp_strvec *log,
                                struct tlsp_diag *diag) TLSP_MUST_CHECK;

void tlsp_maps_fini(struct tlsp_maps *maps);

/*
 * tlsp_maps_find - maps_find(): search the tables for one key
 *
 * In:   key      the query; an empty key is never looked up (not found).
 *       partial  true for partial keys (domain parts of an address): pattern
 *                tables are skipped, as with Postfix's DICT_FLAG_FIXED.
 *       step     if not NULL, called once per table asked.
 * Out:  value    on TLSP_OK, borrowed from the table until its next lookup.
 *       hit      if not NULL, where the result came from.
 *       which    if not NULL, the index of the table that answered.
 *       log      Postfix's lines for this search ("warning: X lookup error
 *                for \"KEY\"", the empty-result warnings, ...).
 *       diag     tlspolicy's notes (a table type it does not read).
 * Returns TLSP_OK (found), TLSP_NOTFOUND, TLSP_RETRY (a lookup error, or an
 *       empty result: Postfix's maps->error), TLSP_UNSUPPORTED (a table type
 *       tlspolicy does not read: diag says which), TLSP_LIMIT, TLSP_NOMEM.
 */
enum tlsp_status tlsp_maps_find(struct tlsp_maps *maps, const char *key, bool partial,
                                const char **value, struct tlsp_map_hit *hit, size_t *which,
                                tlsp_maps_step_fn step, void *step_ctx, struct tlsp_strvec *log,
                                struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_maps_log_line - one map message as the line Postfix logs:
 *       "warning: FILE, line N: TEXT" (the file only when the text does not
 *       already name it). Heap string, caller frees; NULL on no memory.
 */
char *tlsp_maps_log_line(const struct tlsp_msg *m);

#endif
