/*
 * cf.h - main.cf and master.cf, read as Postfix reads them
 *
 * WHAT     Loads a Postfix configuration directory: main.cf parameters on
 *          top of Postfix's built-in defaults (postconf -d of the emulated
 *          release), "-o name=value" overrides, and master.cf services with
 *          their own -o overrides. Expands $name, ${name}, $(name),
 *          ${name?value}, ${name:value}, ${name?{a}:{b}} and the relational
 *          forms ${{a} == {b} ? {x} : {y}} (==, !=, <, <=, >, >=, and the
 *          compatibility-level operators <level, <=level, >level, >=level,
 *          ==level, !=level) exactly as postconf -x does.
 * INPUTS   a directory holding main.cf and master.cf; either may be absent.
 * CONTRACT Every fallible function returns enum tlsp_status. A syntax error
 *          that makes Postfix stop is TLSP_CONFIG with Postfix's own text,
 *          file and line as a TLSP_SEV_FATAL message in diag (e.g.
 *          "missing '=' after attribute name: \"foo\""). Warnings Postfix
 *          would log (e.g. "logical line must not start with whitespace")
 *          go into diag as TLSP_SEV_WARNING; tlspolicy's remarks (e.g.
 *          "main.cf not found, using built-in defaults") as TLSP_SEV_NOTE.
 *          Nothing here prints or exits.
 *          Strings returned are borrowed from the struct tlsp_cf and stay
 *          valid until it is freed.
 * SEE ALSO postconf(5) "The general format of the main.cf file",
 *          master(5), postconf(1) -x, -o, -P.
 */
#ifndef TLSPOLICY_CF_H
#define TLSPOLICY_CF_H

#include <stdbool.h>
#include <stddef.h>

#include <tlspolicy/diag.h>
#include <tlspolicy/status.h>
#include <tlspolicy/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TLSP_CF_DEFAULT_DIR "/etc/postfix"

struct tlsp_cf;

/* Where a parameter value came from. */
enum tlsp_cf_source {
    TLSP_CF_SRC_UNDEFINED, /* not set and no built-in default: expands to "" */
    TLSP_CF_SRC_DEFAULT,   /* Postfix's built-in default */
    TLSP_CF_SRC_MAIN_CF,   /* main.cf */
    TLSP_CF_SRC_OVERRIDE,  /* tlsp_cf_override() (the CLI's -o) */
    TLSP_CF_SRC_MASTER_CF, /* a master.cf service's -o */
};

struct tlsp_cf_origin {
    enum tlsp_cf_source source;
    const char *file;    /* main.cf or master.cf path, else NULL */
    unsigned line;       /* first line of the logical line, else 0 */
    const char *service; /* master.cf service name, for TLSP_CF_SRC_MASTER_CF */
};

/* One master.cf service entry. */
struct tlsp_cf_service {
    const char *name;    /* service name, e.g. "smtp", "smtp-amavis", "127.0.0.1:10025" */
    const char *type;    /* "inet", "unix", "unix-dgram", "fifo", "pass" */
    const char *command; /* daemon command, e.g. "smtp", "lmtp", "smtpd", "pipe" */
    const char *file;    /* master.cf path */
    unsigned line;       /* line of the entry's first line */
    size_t n_overrides;
    const char *const *override_names;  /* parameter names of the -o options, in order */
    const char *const *override_values; /* their values, unexpanded */
    const unsigned *override_lines;     /* line of each -o option */
};

/*
 * tlsp_cf_load - read a configuration directory
 *
 * In:   dir      directory, or NULL for /etc/postfix.
 *       version  release whose built-in defaults apply; NULL for 3.7.11.
 * Out:  out      new configuration, free with tlsp_cf_free(); set on
 *                TLSP_OK only.
 *       diag     notes and Postfix's warnings; on failure, the reason.
 * Returns TLSP_OK; TLSP_CONFIG when main.cf or master.cf has an error that
 *       stops Postfix (fatal message in diag); TLSP_IO when a file exists
 *       but cannot be read; TLSP_LIMIT for files over 16 MiB; TLSP_NOMEM.
 *       A missing directory or main.cf is not an error: built-in defaults
 *       alone apply, with a note. A missing master.cf means Postfix's stock
 *       master.cf services (smtp, relay, lmtp, local, virtual, error,
 *       retry, discard), with a note.
 * Source: Postfix mail_conf_read(), readllines(), split_nameval();
 *       master(5).
 */
enum tlsp_status tlsp_cf_load(const char *dir, const struct tlsp_version *version,
                              struct tlsp_cf **out, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_cf_free - release; NULL is a no-op. Views must be freed first. */
void tlsp_cf_free(struct tlsp_cf *cf);

/*
 * tlsp_cf_override - apply "name=value" as if main.cf said so (postconf -o)
 *
 * Repeatable; the last one for a name wins. Must be called before any
 * tlsp_cf_get() or tlsp_cf_service_view() on cf.
 * Returns TLSP_OK; TLSP_INVAL when the text is not "name=value" (diag says
 *       why, with Postfix's split_nameval() wording); TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_override(struct tlsp_cf *cf, const char *assignment,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_service - the master.cf entry of a service name, or NULL
 *
 * type may be NULL to take the first entry of that name whose type is
 * "unix" (delivery transports), else the first of any type.
 */
const struct tlsp_cf_service *tlsp_cf_service(const struct tlsp_cf *cf, const char *name,
                                              const char *type);

/* tlsp_cf_n_services / tlsp_cf_service_at - iterate master.cf entries in file order. */
size_t tlsp_cf_n_services(const struct tlsp_cf *cf);
const struct tlsp_cf_service *tlsp_cf_service_at(const struct tlsp_cf *cf, size_t i);

/*
 * tlsp_cf_service_view - the parameters as a master.cf service sees them
 *
 * In:   cf       base configuration (main.cf + overrides); must outlive
 *                the view.
 *       service  a delivery service name (type "unix" preferred).
 * Out:  out      a configuration whose values are cf's with the service's
 *                -o options on top; free with tlsp_cf_free().
 * Returns TLSP_OK; TLSP_NOTFOUND when master.cf has no such service (diag
 *       says so); TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_service_view(struct tlsp_cf *cf, const char *service,
                                      struct tlsp_cf **out,
                                      struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_get - the expanded value of a parameter, as postconf -x shows it
 *
 * In:   name   parameter name.
 * Out:  value  borrowed, valid until cf is freed; "" for an unknown,
 *              undefined parameter.
 *       diag   Postfix's warnings from expansion (e.g. "truncated macro
 *              reference"), once per parameter.
 * Returns TLSP_OK; TLSP_CONFIG when expansion fails as Postfix's does
 *       ("unreasonable macro call nesting", then "macro processing error":
 *       a fatal message in diag); TLSP_NOMEM.
 * Values are not whitespace-normalised: continuation lines are joined as
 * Postfix joins them, and leading/trailing white space is trimmed.
 */
enum tlsp_status tlsp_cf_get(struct tlsp_cf *cf, const char *name, const char **value,
                             struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_raw - the unexpanded value (main.cf, override, service -o, or
 *       built-in default), or NULL when the parameter is undefined.
 */
const char *tlsp_cf_raw(const struct tlsp_cf *cf, const char *name);

/* tlsp_cf_origin - where the value of name comes from. */
void tlsp_cf_origin(const struct tlsp_cf *cf, const char *name, struct tlsp_cf_origin *o);

/*
 * tlsp_cf_get_bool - a yes/no parameter (case-insensitive)
 *
 * Returns TLSP_OK; TLSP_CONFIG for any other value, with Postfix's fatal
 *       text "bad boolean configuration: NAME = VALUE"; as tlsp_cf_get().
 */
enum tlsp_status tlsp_cf_get_bool(struct tlsp_cf *cf, const char *name, bool *value,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_get_int - a decimal integer parameter
 *
 * Returns TLSP_OK; TLSP_CONFIG with Postfix's fatal text
 *       "bad numerical configuration: NAME = VALUE" otherwise.
 */
enum tlsp_status tlsp_cf_get_int(struct tlsp_cf *cf, const char *name, long *value,
                                 struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_get_time - a time parameter ("300s", "5m", "1h", "2d", "1w"; a bare
 *       number takes def_unit, one of 's','m','h','d','w')
 *
 * Out:  seconds  the value in seconds.
 * Returns TLSP_OK; TLSP_CONFIG with Postfix's fatal text
 *       "invalid time value or unit: NAME = VALUE"-style wording as
 *       Postfix 3.7 writes it.
 */
enum tlsp_status tlsp_cf_get_time(struct tlsp_cf *cf, const char *name, char def_unit,
                                  long *seconds, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_expand - expand an arbitrary text with cf's parameters
 *
 * Out:  out  heap string, caller frees.
 * Returns as tlsp_cf_get().
 */
enum tlsp_status tlsp_cf_expand(struct tlsp_cf *cf, const char *text, char **out,
                                struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_cf_dir - the configuration directory in use ("/etc/postfix" by default). */
const char *tlsp_cf_dir(const struct tlsp_cf *cf);

/* tlsp_cf_main_cf_path - path of main.cf, or NULL when it does not exist. */
const char *tlsp_cf_main_cf_path(const struct tlsp_cf *cf);

/* tlsp_cf_master_cf_path - path of master.cf, or NULL when it does not exist. */
const char *tlsp_cf_master_cf_path(const struct tlsp_cf *cf);

/* tlsp_cf_version - the release whose defaults are in use. */
const struct tlsp_version *tlsp_cf_version(const struct tlsp_cf *cf);

/*
 * tlsp_cf_n_names / tlsp_cf_name_at - iterate every parameter name that has
 *       a built-in default or is set in main.cf or by an override, sorted.
 */
size_t tlsp_cf_n_names(const struct tlsp_cf *cf);
const char *tlsp_cf_name_at(const struct tlsp_cf *cf, size_t i);

/* tlsp_cf_has_default - whether Postfix has a built-in default for name. */
bool tlsp_cf_has_default(const struct tlsp_cf *cf, const char *name);

#ifdef __cplusplus
}
#endif

#endif
