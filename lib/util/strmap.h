/*
 * strmap.h - hash table from C-string keys to caller-owned pointers
 *
 * WHAT     The in-memory index behind texthash:, inline: and the source
 *          comparison of compiled tables: exact (byte-wise) key match,
 *          insertion order does not matter.
 * CONTRACT Embedded: tlsp_strmap_init() before use, tlsp_strmap_fini()
 *          after. Keys are copied; values are the caller's (fini can free
 *          them with a callback). Knows nothing of mail.
 */
#ifndef TLSP_UTIL_STRMAP_H
#define TLSP_UTIL_STRMAP_H

#include <stddef.h>

#include <tlspolicy/status.h>

struct tlsp_strmap_slot {
    char *key; /* NULL: empty slot */
    void *val;
};

struct tlsp_strmap {
    struct tlsp_strmap_slot *slots;
    size_t cap; /* 0 or a power of two */
    size_t n;   /* keys stored */
};

void tlsp_strmap_init(struct tlsp_strmap *sm);

/* tlsp_strmap_fini - release keys; free_val(val) for each value if not NULL. */
void tlsp_strmap_fini(struct tlsp_strmap *sm, void (*free_val)(void *));

/* tlsp_strmap_get - the value stored under key, or NULL. */
void *tlsp_strmap_get(const struct tlsp_strmap *sm, const char *key);

/*
 * tlsp_strmap_put - store val under key, replacing any earlier value
 *
 * Out:  old  if not NULL, the value replaced (NULL if key was new).
 * Returns TLSP_OK or TLSP_NOMEM (the map is unchanged).
 */
enum tlsp_status tlsp_strmap_put(struct tlsp_strmap *sm, const char *key, void *val,
                                 void **old) TLSP_MUST_CHECK;

#endif
