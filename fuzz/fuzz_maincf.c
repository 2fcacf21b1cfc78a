/*
 * fuzz_maincf.c - libFuzzer target: main.cf parsing and $name expansion
 *
 * The input is a main.cf. It is loaded from memory as tlsp_cf_load()
 * would load it, then the parameters it sets (up to 16) are expanded and
 * read with the typed getters, a few host-dependent defaults are expanded, and the
 * input itself is expanded as a text.
 * inet_interfaces is pinned to 127.0.0.1 and host name resolution is off,
 * so that no input makes the mynetworks default query the DNS.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <tlspolicy/cf.h>

#include "cf_host.h"
#include "cf_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;
    size_t i, n_done;
    static const char *names[] = {"myhostname",
                                  "mydomain",
                                  "mynetworks",
                                  "smtp_tls_fingerprint_digest",
                                  "smtp_tls_dane_insecure_mx_policy",
                                  "config_directory"};

    tlsp_cf_resolve_names = false;
    tlsp_diag_init(&d);
    if (tlsp_cf_load_mem("/fuzz", (const char *)data, size, "", 0, NULL, &cf, &d) != TLSP_OK)
        goto out;
    if (tlsp_cf_override(cf, "inet_interfaces = 127.0.0.1", &d) != TLSP_OK)
        goto out;
    /* At most 16 names: each expansion may take up to the step bound. */
    for (i = 0, n_done = 0; i < cf->n_params && n_done < 16; i++) {
        const char *name = cf->params[i]->name;
        struct tlsp_cf_origin o;
        const char *v;
        bool b;
        long n;

        if (cf->params[i]->main_val == NULL)
            continue;
        n_done++;
        tlsp_cf_origin(cf, name, &o);
        if (o.source != TLSP_CF_SRC_MAIN_CF && o.source != TLSP_CF_SRC_OVERRIDE &&
            o.source != TLSP_CF_SRC_DEFAULT)
            abort();
        (void)tlsp_cf_raw(cf, name);
        if (tlsp_cf_get(cf, name, &v, &d) == TLSP_OK && strlen(v) > (size_t)1 << 20)
            abort();
        (void)!tlsp_cf_get_bool(cf, name, &b, &d);
        (void)!tlsp_cf_get_int(cf, name, &n, &d);
        (void)!tlsp_cf_get_time(cf, name, 's', &n, &d);
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v;

        (void)!tlsp_cf_get(cf, names[i], &v, &d);
    }
    if (size < 4096 && memchr(data, 0, size) == NULL) {
        char *text = malloc(size + 1), *out = NULL;

        if (text) {
            memcpy(text, data, size);
            text[size] = 0;
            if (tlsp_cf_expand(cf, text, &out, &d) == TLSP_OK)
                free(out);
            free(text);
        }
    }
out:
    tlsp_cf_free(cf);
    tlsp_diag_fini(&d);
    return 0;
}
