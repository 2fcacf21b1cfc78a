/*
 * strmap.c - hash table from C-string keys to caller-owned pointers
 *
 * Open addressing with linear probing, FNV-1a hashing, load factor <= 1/2.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "str.h"
#include "strmap.h"

void
tlsp_strmap_init(struct tlsp_strmap *sm)
{
    sm->slots = NULL;
    sm->cap = 0;
    sm->n = 0;
}

void
tlsp_strmap_fini(struct tlsp_strmap *sm, void (*free_val)(void *))
{
    size_t i;

    for (i = 0; i < sm->cap; i++) {
        if (sm->slots[i].key == NULL)
            continue;
        free(sm->slots[i].key);
        if (free_val)
            free_val(sm->slots[i].val);
    }
    free(sm->slots);
    tlsp_strmap_init(sm);
}

static size_t
hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return (size_t)h;
}

static struct tlsp_strmap_slot *
find(const struct tlsp_strmap_slot *slots, size_t cap, const char *key)
{
    size_t i = hash(key) & (cap - 1);

    while (slots[i].key != NULL && strcmp(slots[i].key, key) != 0)
        i = (i + 1) & (cap - 1);
    return (struct tlsp_strmap_slot *)&slots[i];
}

void *
tlsp_strmap_get(const struct tlsp_strmap *sm, const char *key)
{
    const struct tlsp_strmap_slot *s;

    if (sm->cap == 0)
        return NULL;
    s = find(sm->slots, sm->cap, key);
    return s->key ? s->val : NULL;
}

static enum tlsp_status
grow(struct tlsp_strmap *sm)
{
    size_t cap = sm->cap ? sm->cap * 2 : 16;
    struct tlsp_strmap_slot *slots;
    size_t i;

    if (cap > SIZE_MAX / sizeof(*slots) || (slots = calloc(cap, sizeof(*slots))) == NULL)
        return TLSP_NOMEM;
    for (i = 0; i < sm->cap; i++)
        if (sm->slots[i].key)
            *find(slots, cap, sm->slots[i].key) = sm->slots[i];
    free(sm->slots);
    sm->slots = slots;
    sm->cap = cap;
    return TLSP_OK;
}

enum tlsp_status
tlsp_strmap_put(struct tlsp_strmap *sm, const char *key, void *val, void **old)
{
    struct tlsp_strmap_slot *s;
    enum tlsp_status st;

    if (old)
        *old = NULL;
    if ((sm->n + 1) * 2 > sm->cap && (st = grow(sm)) != TLSP_OK)
        return st;
    s = find(sm->slots, sm->cap, key);
    if (s->key) {
        if (old)
            *old = s->val;
        s->val = val;
        return TLSP_OK;
    }
    if ((s->key = tlsp_strdup(key)) == NULL)
        return TLSP_NOMEM;
    s->val = val;
    sm->n++;
    return TLSP_OK;
}
