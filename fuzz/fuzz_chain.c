/*
 * fuzz_chain.c - libFuzzer target for the certificate-chain reader
 *
 * Feeds arbitrary bytes to tlsp_chain_parse() as the contents of a --chain
 * file and checks its contract: on success between 1 and
 * TLSP_CHAIN_MAX_CERTS certificates, each one there; on failure no chain
 * and, unless memory ran out, a message saying why. Everything is freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <tlspolicy/chain.h>
#include <tlspolicy/diag.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsp_chain *chain = (struct tlsp_chain *)1;
    struct tlsp_diag diag;
    enum tlsp_status st;
    size_t i, n;

    tlsp_diag_init(&diag);
    st = tlsp_chain_parse((const char *)data, size, "fuzz.pem", &chain, &diag);
    if (st == TLSP_OK) {
        n = tlsp_chain_count(chain);
        if (chain == NULL || n == 0 || n > TLSP_CHAIN_MAX_CERTS)
            abort();
        for (i = 0; i < n; i++)
            if (tlsp_chain_x509(chain, i) == NULL)
                abort();
        if (tlsp_chain_x509(chain, n) != NULL)
            abort();
    } else {
        if (chain != NULL)
            abort();
        if (st != TLSP_NOMEM && diag.n_msgs == 0)
            abort();
    }
    tlsp_chain_free(chain);
    tlsp_diag_fini(&diag);
    return 0;
}
