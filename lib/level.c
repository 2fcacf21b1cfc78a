/*
 * level.c - Postfix's TLS security levels and their predicates
 */
#include <stddef.h>

#include <tlspolicy/level.h>

#include "util/str.h"

static const struct {
    const char *name;
    enum tlsp_level level;
} table[] = {
    {"none", TLSP_LEVEL_NONE},       {"may", TLSP_LEVEL_MAY},
    {"encrypt", TLSP_LEVEL_ENCRYPT}, {"fingerprint", TLSP_LEVEL_FINGERPRINT},
    {"halfdane", TLSP_LEVEL_HALFDANE}, {"dane", TLSP_LEVEL_DANE},
    {"dane-only", TLSP_LEVEL_DANE_ONLY}, {"verify", TLSP_LEVEL_VERIFY},
    {"secure", TLSP_LEVEL_SECURE},
};

const char *
tlsp_level_name(enum tlsp_level level)
{
    size_t i;

    if (level == TLSP_LEVEL_INVALID)
        return "invalid";
    if (level == TLSP_LEVEL_NOTFOUND)
        return "not found";
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].level == level)
            return table[i].name;
    return "unknown";
}

enum tlsp_level
tlsp_level_lookup(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].level != TLSP_LEVEL_HALFDANE && tlsp_strcaseeq(name, table[i].name))
            return table[i].level;
    return TLSP_LEVEL_INVALID;
}

bool
tlsp_level_required(enum tlsp_level level)
{
    return level > TLSP_LEVEL_MAY;
}

bool
tlsp_level_must_match(enum tlsp_level level)
{
    return level > TLSP_LEVEL_ENCRYPT;
}

bool
tlsp_level_must_pkix(enum tlsp_level level)
{
    return level >= TLSP_LEVEL_VERIFY;
}

bool
tlsp_level_dane_based(enum tlsp_level level)
{
    return level >= TLSP_LEVEL_HALFDANE && level <= TLSP_LEVEL_DANE_ONLY;
}

bool
tlsp_level_never_secured(enum tlsp_level level)
{
    return level == TLSP_LEVEL_HALFDANE;
}
