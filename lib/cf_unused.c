/*
 * cf_unused.c - main.cf names Postfix never uses: postconf's "unused parameter"
 *
 * A name set in main.cf or with -o that is neither a Postfix parameter
 * (built-in, or per master.cf service) nor referenced as $name in any
 * value is ignored by Postfix; postconf warns about it. Usually a typo
 * ("smtp_tls_securty_level"), which silently keeps the default.
 */
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/cf.h>

#include "util/str.h"
#include "util/strvec.h"

static bool
name_char(int ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* refs - append every $name, ${name...}, $(name...) referenced in text */
static enum tlsp_status
refs(const char *text, struct tlsp_strvec *out)
{
    const char *p;
    enum tlsp_status st;

    for (p = text; (p = strchr(p, '$')) != NULL;) {
        const char *start;

        p++;
        if (*p == '$') {
            p++;
            continue;
        }
        if (*p == '{' || *p == '(')
            p++;
        for (start = p; name_char((unsigned char)*p); p++)
            ;
        if (p > start && (st = tlsp_strvec_pushn(out, start, (size_t)(p - start))) != TLSP_OK)
            return st;
    }
    return TLSP_OK;
}

enum tlsp_status
tlsp_cf_unused(struct tlsp_cf *cf, struct tlsp_diag *diag)
{
    struct tlsp_strvec used;
    enum tlsp_status st = TLSP_OK;
    size_t i, k;

    tlsp_strvec_init(&used);
    for (i = 0; i < tlsp_cf_n_names(cf) && st == TLSP_OK; i++) {
        const char *raw = tlsp_cf_raw(cf, tlsp_cf_name_at(cf, i));

        if (raw)
            st = refs(raw, &used);
    }
    for (i = 0; i < tlsp_cf_n_services(cf) && st == TLSP_OK; i++) {
        const struct tlsp_cf_service *s = tlsp_cf_service_at(cf, i);

        for (k = 0; k < s->n_overrides && st == TLSP_OK; k++)
            st = refs(s->override_values[k], &used);
    }
    for (i = 0; i < tlsp_cf_n_names(cf) && st == TLSP_OK; i++) {
        const char *name = tlsp_cf_name_at(cf, i);
        struct tlsp_cf_origin o;

        tlsp_cf_origin(cf, name, &o);
        if ((o.source != TLSP_CF_SRC_MAIN_CF && o.source != TLSP_CF_SRC_OVERRIDE) ||
            tlsp_cf_has_default(cf, name) || tlsp_strvec_find(&used, name) >= 0)
            continue;
        st = tlsp_diag_add(diag, TLSP_SEV_WARNING, o.source == TLSP_CF_SRC_MAIN_CF ? o.file : NULL,
                           o.line,
                           "unused parameter: %s=%s (Postfix ignores it; a misspelt parameter "
                           "name keeps its default)",
                           name, tlsp_cf_raw(cf, name) ? tlsp_cf_raw(cf, name) : "");
    }
    tlsp_strvec_fini(&used);
    return st;
}
