/*
 * cf_internal.h - the data of a struct tlsp_cf, shared by lib/cf*.c
 *
 * WHAT     Parameter table (layers of values per name, expansion cache),
 *          master.cf services, and the private entry points the fuzzers
 *          use to parse main.cf and master.cf text from memory.
 * CONTRACT Private to the cf module and its tests/fuzzers; the public
 *          contract is include/tlspolicy/cf.h.
 */
#ifndef TLSP_CF_INTERNAL_H
#define TLSP_CF_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/cf.h>

#include "cf_defaults.h"

/* Largest main.cf or master.cf read (TLSP_LIMIT beyond). */
#define TLSP_CF_MAX_FILE ((size_t)16 << 20)

/* One parameter name and the values it has in each layer. */
struct cf_param {
    const char *name; /* builtin->name or name_owned */
    char *name_owned;
    bool in_block;                         /* part of tlsp_cf.block, not freed alone */
    const struct cf_param *under;          /* view: the base entry below this one */
    const struct tlsp_cf_default *builtin; /* NULL when not built in */
    char *svc_default;                     /* "$param" of a service-defined parameter */
    /* Host-dependent default, computed on first use. */
    bool host_done;
    enum tlsp_status host_st;
    char *host_val;
    char *host_fatal;
    bool computing;
    /* Layers, lowest first; NULL when not set there. A view's entry has
     * only its own svc_val (and ovr_val); main.cf and the caller's
     * overrides are read through "under". */
    char *main_val;
    unsigned main_line;
    char *ovr_val;
    char *svc_val;
    unsigned svc_line;
    /* Expansion cache (tlsp_cf_get()). */
    bool cached;
    enum tlsp_status cache_st;
    char *cache_val;
    enum tlsp_severity cache_sev;
    char *cache_msg;
};

/* One master.cf entry with what master(8) and the daemon make of it. */
struct cf_service {
    struct tlsp_cf_service pub;
    char *name;
    char *type;
    char *command;
    char *internal;  /* master's internal name: "private/NAME", "[host]:port", ... */
    char **ov_names; /* parameter settings the daemon applies (-o, -i, -m) */
    char **ov_values;
    unsigned *ov_lines;
    size_t n_ov;
    char *service_name; /* the daemon's service_name (-n or the entry name) */
    char *daemon_error; /* the daemon's fatal text for its options, or NULL */
    unsigned daemon_error_line;
};

struct tlsp_cf {
    char *dir;
    char *main_path;   /* NULL when main.cf does not exist */
    char *master_path; /* NULL when master.cf does not exist */
    struct tlsp_version version;
    struct cf_param **params; /* sorted by name */
    size_t n_params;
    size_t cap_params;
    struct cf_param *block;      /* one allocation for the initial parameters */
    struct cf_service *services; /* owned by a base configuration */
    size_t n_services;
    struct tlsp_cf *base;    /* view: the configuration it shows */
    const char **view_names; /* view: merged names, built on demand */
    size_t n_view_names;
    const struct cf_service *view_svc; /* view: its service */
    bool frozen;                       /* tlsp_cf_get() or a view happened */
    char *hostname;                    /* get_hostname() cache */
};

/* cf_master.c */

/*
 * tlsp_cf_parse_master - read master.cf text as master(8) does
 *
 * In:   path   file name for messages, or NULL for the built-in stock text.
 *       data   file contents (len bytes, may hold NULs).
 * Out:  services appended to cf->services.
 * Returns TLSP_OK; TLSP_CONFIG with master's fatal text in diag; TLSP_LIMIT;
 *       TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_parse_master(struct tlsp_cf *cf, const char *path, const char *data,
                                      size_t len, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_cf_stock_master - the stock services used when master.cf is absent. */
extern const char tlsp_cf_stock_master[];

void tlsp_cf_services_free(struct cf_service *s, size_t n);

/*
 * tlsp_cf_load_mem - tlsp_cf_load() from memory (for the fuzzers)
 *
 * main_cf / master_cf may be NULL (file absent). dir is used as
 * config_directory and to name the files in messages.
 */
enum tlsp_status tlsp_cf_load_mem(const char *dir, const char *main_cf, size_t main_len,
                                  const char *master_cf, size_t master_len,
                                  const struct tlsp_version *version, struct tlsp_cf **out,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

#endif
