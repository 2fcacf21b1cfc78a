/*
 * status.c - printable names of enum tlsp_status
 */
#include <tlspolicy/status.h>

const char *
tlsp_status_name(enum tlsp_status st)
{
    switch (st) {
    case TLSP_OK:
        return "ok";
    case TLSP_NOTFOUND:
        return "not found";
    case TLSP_RETRY:
        return "retry";
    case TLSP_CONFIG:
        return "configuration error";
    case TLSP_INVAL:
        return "invalid input";
    case TLSP_NOMEM:
        return "out of memory";
    case TLSP_IO:
        return "I/O error";
    case TLSP_UNSUPPORTED:
        return "not supported";
    case TLSP_LIMIT:
        return "limit exceeded";
    }
    return "unknown";
}
