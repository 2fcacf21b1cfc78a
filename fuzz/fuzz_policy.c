/*
 * fuzz_policy.c - libFuzzer target for the policy-table value parser
 *
 * Feeds arbitrary bytes, as one smtp_tls_policy_maps value, to the real
 * parser for each emulated attribute set (3.7, 3.9, 3.10), and checks the
 * invariants: an invalid entry always carries Postfix's warning, a valid
 * one never does.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/policy.h>

#include "policy_entry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct tlsp_version versions[] = {{3, 7, 11}, {3, 9, 0}, {3, 10, 4}};
    char *value;
    size_t i;

    if (size > 4096)
        return 0;
    value = malloc(size + 1);
    if (value == NULL)
        return 0;
    memcpy(value, data, size);
    value[size] = 0;
    for (i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        struct tlsp_policy_entry e;

        tlsp_policy_entry_init(&e);
        if (tlsp_policy_entry_parse(value, &versions[i], &e) == TLSP_OK) {
            if ((e.level == TLSP_LEVEL_INVALID) != (e.warning != NULL))
                abort();
            if (e.level == TLSP_LEVEL_NOTFOUND)
                abort();
        }
        tlsp_policy_entry_fini(&e);
    }
    free(value);
    return 0;
}
