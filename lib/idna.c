/*
 * idna.c - internationalised domain names, converted as Debian's Postfix does
 */
#include <stdlib.h>
#include <string.h>

#include <unicode/uidna.h>
#include <unicode/utypes.h>

#include "hostname.h"
#include "idna.h"
#include "util/str.h"

enum tlsp_status
tlsp_idna_to_ascii(const char *name, char **out, const char **err)
{
    char buf[1024];
    UErrorCode error = U_ZERO_ERROR;
    UIDNAInfo info = UIDNA_INFO_INITIALIZER;
    UIDNA *idna;
    int32_t n;

    *out = NULL;
    idna = uidna_openUTS46(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_NONTRANSITIONAL_TO_UNICODE,
                           &error);
    if (U_FAILURE(error) || idna == NULL) {
        if (err)
            *err = "the ICU UTS-46 converter is unavailable";
        return TLSP_INVAL;
    }
    n = uidna_nameToASCII_UTF8(idna, name, (int32_t)strlen(name), buf, (int32_t)sizeof(buf) - 1,
                               &info, &error);
    uidna_close(idna);
    if (U_FAILURE(error) || info.errors != 0 || n <= 0) {
        if (err)
            *err = U_FAILURE(error) ? u_errorName(error) : "invalid internationalised name";
        return TLSP_INVAL;
    }
    buf[n] = 0;
    if (!tlsp_valid_hostname(buf)) {
        if (err)
            *err = "malformed ASCII label(s)";
        return TLSP_INVAL;
    }
    if ((*out = tlsp_strdup(buf)) == NULL)
        return TLSP_NOMEM;
    return TLSP_OK;
}
