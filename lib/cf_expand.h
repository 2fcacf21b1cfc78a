/*
 * cf_expand.h - $name expansion as Postfix 3.7's mac_expand() (private to cf)
 *
 * WHAT     Expands $name, ${name}, $(name), $$, ${name?text},
 *          ${name:text}, ${name?{a}:{b}}, and relational expressions
 *          ${{a} OP {b} ? {x} : {y}} with ==, !=, <, <=, >, >= (numeric
 *          when both sides are all digits) and the compatibility-level
 *          forms ==level ... >=level. Values found through the lookup
 *          function are expanded again (MAC_EXP_FLAG_RECURSE).
 * CONTRACT Postfix's syntax warnings go to the root's diag, in Postfix's
 *          order and number, with Postfix's text. A syntax error is not a
 *          failure here: the result says so (parse_error), and the caller
 *          decides what Postfix would do (postconf stops with "macro
 *          processing error"). Failures that stop expansion at once set
 *          root->hard: TLSP_CONFIG with root->fatal (Postfix's fatal text,
 *          e.g. "mac_exp_eval: bad conversion: 99999999999999999999"),
 *          TLSP_LIMIT (result, work or depth over tlspolicy's bounds) or
 *          TLSP_NOMEM.
 * SEE ALSO postconf(5) "parameter expansion"; Postfix util/mac_expand.c,
 *          util/mac_parse.c, global/compat_level.c.
 */
#ifndef TLSP_CF_EXPAND_H
#define TLSP_CF_EXPAND_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>

#include "util/buf.h"

/* Bounds of one top-level expansion (tlspolicy's, not Postfix's). */
#define TLSP_CF_EXPAND_MAX_RESULT ((size_t)1 << 20) /* bytes in any result */
#define TLSP_CF_EXPAND_MAX_STEPS 20000ul /* macro callbacks (Debian's main.cf: 200 at most) */
#define TLSP_CF_EXPAND_MAX_DEPTH 1000u   /* C-level nesting */

/*
 * Lookup of one parameter name: *value is the unexpanded value, or NULL
 * when undefined. Anything but TLSP_OK stops the expansion; the function
 * may set root->fatal first.
 */
struct tlsp_cf_exp_root;
typedef enum tlsp_status (*tlsp_cf_lookup_fn)(void *ctx, struct tlsp_cf_exp_root *root,
                                              const char *name, const char **value);

struct tlsp_cf_exp_root {
    tlsp_cf_lookup_fn lookup;
    void *ctx;
    struct tlsp_diag *diag; /* warnings; may be NULL */
    unsigned long steps;
    unsigned depth;
    enum tlsp_status hard;  /* TLSP_OK until expansion must stop */
    char *fatal;            /* heap; Postfix's fatal text when hard is TLSP_CONFIG */
    struct tlsp_buf **toks; /* one token buffer per parse depth, reused */
    unsigned n_toks;
};

/* tlsp_cf_exp_root_init - ready for expansions with lookup(ctx, ...). */
void tlsp_cf_exp_root_init(struct tlsp_cf_exp_root *root, tlsp_cf_lookup_fn lookup, void *ctx,
                           struct tlsp_diag *diag);

/* tlsp_cf_exp_root_fini - free root->fatal and the token buffers. */
void tlsp_cf_exp_root_fini(struct tlsp_cf_exp_root *root);

/* tlsp_cf_exp_set_fatal - stop with TLSP_CONFIG and this fatal text. */
void tlsp_cf_exp_set_fatal(struct tlsp_cf_exp_root *root, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * tlsp_cf_mac_expand - expand pattern (mac_expand() with RECURSE)
 *
 * Out:  out          result appended (limit TLSP_CF_EXPAND_MAX_RESULT).
 *       parse_error  true when Postfix's result would carry
 *                    MAC_PARSE_ERROR (a warning was given).
 * Returns TLSP_OK, or root->hard (see above).
 */
enum tlsp_status tlsp_cf_mac_expand(struct tlsp_cf_exp_root *root, const char *pattern,
                                    struct tlsp_buf *out, bool *parse_error) TLSP_MUST_CHECK;

/*
 * tlsp_cf_compat_level - parse a compatibility level ("3.6", "2", "3.6.1")
 *       as Postfix's compat_level_from_string(); -1 when malformed.
 */
long tlsp_cf_compat_level(const char *text);

#endif
