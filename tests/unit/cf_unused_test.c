/*
 * cf_unused_test.c - main.cf names Postfix never uses (postconf's "unused parameter")
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tlspolicy/cf.h>

#include "testutil.h"

static void
test_unused(void **state)
{
    char *dir = tu_mkdtemp("unused");
    struct tlsp_cf *cf = NULL;
    struct tlsp_diag d;
    size_t i, warned = 0;
    bool typo = false, helper = false, dollar = false, override = false;

    (void)state;
    free(tu_write(dir, "main.cf",
                  "compatibility_level = 3.6\n"
                  "smtp_tls_securty_level = encrypt\n"     /* typo: unused */
                  "my_relay = [relay.example.net]\n"       /* used below: not warned */
                  "relayhost = $my_relay\n"
                  "amavis_note = ${also_used?x}\n"        /* unused itself */
                  "also_used = y\n"                       /* referenced by ${also_used?} */
                  "smtp_tls_security_level = may\n"));
    free(tu_write(dir, "master.cf", "smtp unix - - n - - smtp\n"
                                    "filter unix - - n - - smtp\n"
                                    "  -o smtp_helo_name=$helo_from_master\n"));
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_load(dir, NULL, &cf, &d), TLSP_OK);
    assert_int_equal(tlsp_cf_override(cf, "smtp_tls_mandatory_protocol=>=TLSv1.2", &d), TLSP_OK);
    assert_int_equal(tlsp_cf_override(cf, "helo_from_master=out.example", &d), TLSP_OK);
    tlsp_diag_fini(&d);
    tlsp_diag_init(&d);
    assert_int_equal(tlsp_cf_unused(cf, &d), TLSP_OK);
    for (i = 0; i < d.n_msgs; i++) {
        const char *t = d.msgs[i].text;

        assert_int_equal(d.msgs[i].sev, TLSP_SEV_WARNING);
        warned++;
        if (strncmp(t, "unused parameter: smtp_tls_securty_level=encrypt", 48) == 0) {
            typo = true;
            assert_int_equal(d.msgs[i].line, 2);
            assert_non_null(d.msgs[i].file);
        }
        if (strncmp(t, "unused parameter: amavis_note=", 30) == 0)
            helper = true;
        if (strstr(t, "my_relay") || strstr(t, "also_used=") || strstr(t, "helo_from_master"))
            dollar = true;
        if (strncmp(t, "unused parameter: smtp_tls_mandatory_protocol=", 46) == 0) {
            override = true;
            assert_null(d.msgs[i].file);
        }
    }
    assert_true(typo);
    assert_true(helper);
    assert_true(override);
    assert_false(dollar);
    assert_int_equal(warned, 3);
    tlsp_diag_fini(&d);
    tlsp_cf_free(cf);
    tu_rmtree(dir);
    free(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
