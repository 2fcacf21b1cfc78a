/*
 * fuzz_mastercf.c - libFuzzer target: master.cf parsing and service views
 *
 * The input is a master.cf, loaded from memory with a small fixed main.cf.
 * Every entry is looked up, and for up to 6 entries a service view is
 * made and up to 6 of its parameter settings expanded (each expansion may
 * take up to the step bound). Host name resolution
 * is off, so that no -o inet_interfaces makes the mynetworks default query
 * the DNS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/cf.h>

#include "cf_host.h"
#include "cf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char main_cf[] = "inet_interfaces = 127.0.0.1\n"
                              "x = main\n"
                              "y = $x\n"
                              "myhostname = mx.example.org\n";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;
    size_t i, j;

    tlsp_cf_resolve_names = false;
    tlsp_diag_init(&d);
    if (tlsp_cf_load_mem("/fuzz", main_cf, sizeof(main_cf) - 1, (const char *)data, size, NULL, &cf,
                         &d) != TLSP_OK)
        goto out;
    for (i = 0; i < tlsp_cf_n_services(cf) && i < 6; i++) {
        const struct tlsp_cf_service *s = tlsp_cf_service_at(cf, i);
        struct tlsp_cf *v = NULL;

        if (tlsp_cf_service(cf, s->name, s->type) == NULL)
            abort();
        if (tlsp_cf_service_view(cf, s->name, &v, &d) != TLSP_OK)
            continue;
        for (j = 0; j < s->n_overrides && j < 6; j++) {
            const char *val;
            struct tlsp_cf_origin o;

            (void)!tlsp_cf_get(v, s->override_names[j], &val, &d);
            tlsp_cf_origin(v, s->override_names[j], &o);
        }
        {
            const char *val;

            (void)!tlsp_cf_get(v, "process_name", &val, &d);
        }
        tlsp_cf_free(v);
    }
out:
    tlsp_cf_free(cf);
    tlsp_diag_fini(&d);
    return 0;
}
