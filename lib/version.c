/*
 * version.c - which Postfix release tlspolicy emulates
 *
 * Every version-dependent rule is one row of the table below; the ranges
 * and their evidence are in docs/postfix-versions.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/version.h>

const struct tlsp_version tlsp_version_default = {3, 7, 11};

static const struct tlsp_version oldest = {3, 6, 0};
static const struct tlsp_version newest_branch = {3, 10, 0};

int
tlsp_version_cmp(const struct tlsp_version *a, const struct tlsp_version *b)
{
    if (a->major != b->major)
        return a->major < b->major ? -1 : 1;
    if (a->minor != b->minor)
        return a->minor < b->minor ? -1 : 1;
    if (a->patch != b->patch)
        return a->patch < b->patch ? -1 : 1;
    return 0;
}

static int
parse_number(const char **p, unsigned *out)
{
    unsigned long v = 0;
    const char *s = *p;

    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned long)(*s - '0');
        if (v > 100000)
            return -1;
        s++;
    }
    *out = (unsigned)v;
    *p = s;
    return 0;
}

enum tlsp_status
tlsp_version_parse(const char *text, struct tlsp_version *v, struct tlsp_diag *diag)
{
    struct tlsp_version r = {0, 0, 0};
    const char *p = text;

    if (parse_number(&p, &r.major) < 0 || *p++ != '.' || parse_number(&p, &r.minor) < 0)
        goto bad;
    if (*p == '.') {
        p++;
        if (parse_number(&p, &r.patch) < 0)
            goto bad;
    }
    if (*p != 0)
        goto bad;
    if (tlsp_version_cmp(&r, &oldest) < 0 || r.major != newest_branch.major ||
        r.minor > newest_branch.minor) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                      "Postfix %u.%u.%u is not emulated: tlspolicy knows the releases 3.6.0 to "
                      "3.10.x (see docs/postfix-versions.md)",
                      r.major, r.minor, r.patch);
        return TLSP_UNSUPPORTED;
    }
    *v = r;
    return TLSP_OK;
bad:
    tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                  "\"%s\" is not a Postfix release number (expected X.Y.Z or X.Y, e.g. 3.7.11)", text);
    return TLSP_INVAL;
}

/* The first release of each stable branch that has the rule; {0,0,0}
 * means the branch never got it. Branches 3.6 to 3.10, in that order. */
struct vrule_row {
    enum tlsp_vrule rule;
    struct tlsp_version since[5];
};

static const struct vrule_row rules[] = {
    {TLSP_VR_TRUSTED_ON_NAME_MISMATCH, {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {3, 10, 4}}},
    {TLSP_VR_DANE_INSECURE_MX_DEFAULT_DANE,
     {{3, 6, 17}, {3, 7, 13}, {3, 8, 8}, {3, 9, 2}, {3, 10, 0}}},
    {TLSP_VR_ATTR_ENABLE_RPK, {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {3, 9, 0}, {3, 10, 0}}},
    {TLSP_VR_ATTR_TLSRPT, {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {3, 10, 0}}},
    {TLSP_VR_POLICY_QUOTING, {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {0, 0, 0}, {3, 10, 0}}},
    {TLSP_VR_INSECURE_MX_ADDR_DNSSEC_ONLY_WITH_DNSSEC_LEVEL,
     {{3, 6, 17}, {3, 7, 13}, {3, 8, 8}, {3, 9, 2}, {3, 10, 0}}},
};

bool
tlsp_version_has(const struct tlsp_version *v, enum tlsp_vrule r)
{
    size_t i;

    if (v->major != 3 || v->minor < 6 || v->minor > 10)
        return false;
    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        const struct tlsp_version *since;

        if (rules[i].rule != r)
            continue;
        since = &rules[i].since[v->minor - 6];
        if (since->major == 0)
            return false;
        return tlsp_version_cmp(v, since) >= 0;
    }
    return false;
}

char *
tlsp_version_format(const struct tlsp_version *v, char *buf, unsigned long size)
{
    snprintf(buf, size, "%u.%u.%u", v->major, v->minor, v->patch);
    return buf;
}
