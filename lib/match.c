/*
 * match.c - match lists turned into the reference names OpenSSL is given
 */
#include <stdlib.h>
#include <string.h>

#include "hostname.h"
#include "idna.h"
#include "match.h"
#include "util/str.h"


static bool
is_ip_literal(const char *name)
{
    return tlsp_valid_ipv4(name) || tlsp_valid_ipv6(name);
}

/* A leading U+3002, U+FF0E or U+FF61 counts as a leading dot. */
static const char *
skip_dot_like(const char *s, bool *dot)
{
    static const char *const dots[] = {"\xe3\x80\x82", "\xef\xbc\x8e", "\xef\xbd\xa1"};
    size_t i;

    *dot = false;
    if (*s == '.') {
        *dot = true;
        return s + 1;
    }
    for (i = 0; i < 3; i++)
        if (strncmp(s, dots[i], 3) == 0) {
            *dot = true;
            return s + 3;
        }
    return s;
}

static enum tlsp_status
add_ref(struct tlsp_refname **refs, size_t *n_refs, const char *name, const char *element,
        bool suffix, bool mx_dependent, bool skipped)
{
    struct tlsp_refname *v, *r;

    v = realloc(*refs, (*n_refs + 1) * sizeof(*v));
    if (v == NULL)
        return TLSP_NOMEM;
    *refs = v;
    r = &v[*n_refs];
    memset(r, 0, sizeof(*r));
    r->element = tlsp_strdup(element);
    if (name) {
        const char *base = suffix ? name + 1 : name;
        char *ascii = NULL;
        bool non_ascii = false;
        const char *p;

        for (p = base; *p; p++)
            if ((unsigned char)*p >= 0x80)
                non_ascii = true;
        if (non_ascii && tlsp_idna_to_ascii(base, &ascii, NULL) == TLSP_OK) {
            r->name = suffix ? tlsp_aprintf(".%s", ascii) : tlsp_strdup(ascii);
            free(ascii);
        } else {
            r->name = tlsp_strdup(name);
        }
        if (r->name == NULL) {
            free(r->element);
            return TLSP_NOMEM;
        }
        r->ip = !suffix && is_ip_literal(r->name);
    }
    r->suffix = suffix;
    r->mx_dependent = mx_dependent;
    r->skipped = skipped;
    if (r->element == NULL) {
        free(r->name);
        return TLSP_NOMEM;
    }
    (*n_refs)++;
    return TLSP_OK;
}

enum tlsp_status
tlsp_match_refs(char *const *elems, size_t n, const char *nexthop, const char *host,
                struct tlsp_refname **refs, size_t *n_refs)
{
    enum tlsp_status st = TLSP_OK;
    size_t i;

    for (i = 0; i < n && st == TLSP_OK; i++) {
        const char *el = elems[i];
        bool dot;
        const char *rest;

        if (tlsp_strcaseeq(el, "nexthop")) {
            st = add_ref(refs, n_refs, nexthop, el, false, false, false);
        } else if (tlsp_strcaseeq(el, "dot-nexthop")) {
            char *d = tlsp_aprintf(".%s", nexthop);

            st = d ? add_ref(refs, n_refs, d, el, true, false, false) : TLSP_NOMEM;
            free(d);
        } else if (tlsp_strcaseeq(el, "hostname")) {
            st = add_ref(refs, n_refs, host, el, false, true, false);
        } else {
            rest = skip_dot_like(el, &dot);
            if (dot && *rest == 0) {
                st = add_ref(refs, n_refs, ".", el, true, false, true);
            } else if (dot) {
                char *d = tlsp_aprintf(".%s", rest);

                st = d ? add_ref(refs, n_refs, d, el, true, false, false) : TLSP_NOMEM;
                free(d);
            } else {
                st = add_ref(refs, n_refs, el, el, false, false, false);
            }
        }
    }
    return st;
}

enum tlsp_status
tlsp_match_split(const char *list, bool table_value, struct tlsp_strvec *elems)
{
    return tlsp_strvec_split(elems, list, table_value ? ":" : TLSP_COMMA_SP ":");
}

void
tlsp_match_free_refs(struct tlsp_refname *refs, size_t n_refs)
{
    size_t i;

    for (i = 0; i < n_refs; i++) {
        free(refs[i].name);
        free(refs[i].element);
    }
    free(refs);
}
