/*
 * fuzz_matchlist.c - libFuzzer target for match lists
 *
 * Splits arbitrary bytes as a policy-table match= value (':' only) and as
 * an smtp_tls_*_cert_match value (comma, white space, ':'), turns the
 * elements into reference names for a fixed next hop and server host, and
 * checks the invariants: no empty element and none holding a separator;
 * one reference per element, each with its element; suffix names start
 * with '.', IP references are never suffixes. Everything is freed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "match.h"
#include "util/strvec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const char *list, bool table_value)
{
    const char *seps = table_value ? ":" : ", \t\r\n:";
    struct tlsp_strvec elems;
    struct tlsp_refname *refs = NULL;
    size_t n_refs = 0, i;

    tlsp_strvec_init(&elems);
    if (tlsp_match_split(list, table_value, &elems) != TLSP_OK)
        goto out;
    for (i = 0; i < elems.n; i++)
        if (elems.v[i][0] == 0 || strpbrk(elems.v[i], seps) != NULL)
            abort();
    if (tlsp_match_refs(elems.v, elems.n, "example.test", "mail.example.test", &refs, &n_refs) !=
        TLSP_OK)
        goto out;
    if (n_refs != elems.n)
        abort();
    for (i = 0; i < n_refs; i++) {
        const struct tlsp_refname *r = &refs[i];

        if (r->element == NULL || strcmp(r->element, elems.v[i]) != 0 || r->name == NULL)
            abort();
        if (r->suffix && r->name[0] != '.')
            abort();
        if (r->ip && r->suffix)
            abort();
        if (r->skipped && strcmp(r->name, ".") != 0)
            abort();
    }
out:
    tlsp_match_free_refs(refs, n_refs);
    tlsp_strvec_fini(&elems);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *list;

    if (size > 4096)
        return 0;
    if ((list = malloc(size + 1)) == NULL)
        return 0;
    memcpy(list, data, size);
    list[size] = 0;
    check(list, true);
    check(list, false);
    free(list);
    return 0;
}
