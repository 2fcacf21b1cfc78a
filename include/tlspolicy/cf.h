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
 *          Host-dependent defaults are computed as Postfix computes them
 *          at run time: myhostname (gethostname(), ".localdomain" or
 *          ".$mydomain" appended to a bare name), mydomain (myhostname
 *          after its first dot), mynetworks (network interfaces per
 *          inet_interfaces, inet_protocols and mynetworks_style),
 *          config_directory (the directory loaded), process_id and
 *          process_name. The defaults are Postfix 3.7.11's, except where
 *          a rule of version.h changes them for the release emulated
 *          (smtp_tls_dane_insecure_mx_policy).
 * INPUTS   a directory holding main.cf and master.cf; either may be absent.
 * CONTRACT Every fallible function returns enum tlsp_status. A syntax error
 *          that makes Postfix stop is TLSP_CONFIG with Postfix's own text,
 *          file and line as a TLSP_SEV_FATAL message in diag (e.g.
 *          "missing '=' after attribute name: \"foo\""). Warnings Postfix
 *          would log (e.g. "logical line must not start with whitespace")
 *          go into diag as TLSP_SEV_WARNING; tlspolicy's remarks (e.g.
 *          "main.cf not found, using built-in defaults") as TLSP_SEV_NOTE.
 *          Nothing here prints or exits.
 *          A message's text is Postfix's text after the location; Postfix
 *          logs main.cf problems as "PATH, line N: TEXT", master.cf
 *          problems as "PATH: line N: TEXT", and problems it locates in no
 *          line (file set, line 0) as "PATH: TEXT". Line numbers are those
 *          of the first line of a logical line, as Postfix reports them.
 *          Strings returned are borrowed from the struct tlsp_cf and stay
 *          valid until it is freed.
 *          Where postconf(1) and a running daemon differ, a service view
 *          follows the daemon (see tlsp_cf_service_view()).
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

/*
 * One master.cf service entry.
 *
 * The overrides are the parameter settings the daemon applies at start-up,
 * in order: each "-o name=value" (split as the daemon splits it, so
 * "-o { name = value }" gives name and value, while "-o{a=b}" sets "{a"
 * to "b}"), and "-i N" / "-m N" as max_idle / max_use. A read-only
 * parameter (process_id, process_name, service_name) may be listed here;
 * the daemon, like a service view, ignores it.
 */
struct tlsp_cf_service {
    const char *name;    /* service name, e.g. "smtp", "smtp-amavis", "127.0.0.1:10025" */
    const char *type;    /* "inet", "unix", "unix-dgram", "fifo", "pass" */
    const char *command; /* daemon command, e.g. "smtp", "lmtp", "smtpd", "pipe" */
    const char *file;    /* master.cf path; NULL for the stock services */
    unsigned line;       /* line of the entry's first line */
    size_t n_overrides;
    const char *const *override_names;  /* parameter names, in order */
    const char *const *override_values; /* their values, unexpanded */
    const unsigned *override_lines;     /* line of each value */
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
 *       but cannot be read ("open PATH: REASON"); TLSP_LIMIT for files
 *       over 16 MiB; TLSP_INVAL when out is NULL; TLSP_NOMEM.
 *       A missing directory or main.cf is not an error: built-in defaults
 *       alone apply, with a note. A missing master.cf means Postfix's stock
 *       master.cf services (smtp, relay, error, retry, discard, local,
 *       virtual, lmtp, as Debian's master.cf writes them), with a note.
 *       main.cf: the last definition of a name wins, with Postfix's
 *       warning "overriding earlier entry: NAME=OLD" when the value
 *       differs (config_directory starts out as dir, as in Postfix);
 *       assignments to read-only parameters are ignored with postconf's
 *       warning "read-only parameter assignment: NAME=VALUE".
 *       master.cf: checked field by field as master(8) does, with its
 *       fatal texts (e.g. "bad transport type: unxi", "field
 *       \"private\": bad value: \"x\"", "missing '}' in \"{a\""); an inet
 *       service name's host is checked for syntax but not resolved. Each
 *       master.cf service of smtp, lmtp, local, virtual, error, pipe or
 *       spawn defines the service parameters postconf derives from it
 *       (e.g. NAME_destination_concurrency_limit).
 * Source: Postfix mail_conf_read(), readllines(), split_nameval();
 *       master(8) get_master_ent(); postconf(1) service parameters.
 */
enum tlsp_status tlsp_cf_load(const char *dir, const struct tlsp_version *version,
                              struct tlsp_cf **out, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/* tlsp_cf_free - release; NULL is a no-op. Views must be freed first. */
void tlsp_cf_free(struct tlsp_cf *cf);

/*
 * tlsp_cf_override - apply "name=value" as if main.cf said so (postconf -o)
 *
 * Repeatable; the last one for a name wins. Must be called before any
 * tlsp_cf_get(), tlsp_cf_expand() or tlsp_cf_service_view() on cf (and on
 * a view, before its first use: it then lies under the service's -o).
 * A read-only parameter is ignored with postconf's warning.
 * Returns TLSP_OK; TLSP_INVAL when the text is not "name=value" (diag has
 *       postconf's fatal text "invalid parameter override: TEXT: REASON",
 *       REASON in split_nameval()'s words) or when cf was already used;
 *       TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_override(struct tlsp_cf *cf, const char *assignment,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_service - the master.cf entry of a service name, or NULL
 *
 * type may be NULL to take the entry of that name whose type is "unix"
 * (delivery transports), else one of any type. When several entries
 * match, the last one is taken: master(8) uses the last of duplicate
 * entries ("duplicate master.cf entry ... -- using the last entry").
 * On a view, the base configuration's entries.
 */
const struct tlsp_cf_service *tlsp_cf_service(const struct tlsp_cf *cf, const char *name,
                                              const char *type);

/* tlsp_cf_n_services / tlsp_cf_service_at - iterate master.cf entries in file order
 * (duplicates included); tlsp_cf_service_at() returns NULL past the end. */
size_t tlsp_cf_n_services(const struct tlsp_cf *cf);
const struct tlsp_cf_service *tlsp_cf_service_at(const struct tlsp_cf *cf, size_t i);

/*
 * tlsp_cf_service_view - the parameters as a master.cf service sees them
 *
 * In:   cf       base configuration (main.cf + overrides), not a view;
 *                must outlive the view. No tlsp_cf_override() on cf after
 *                this call.
 *       service  a service name, chosen as tlsp_cf_service(cf, service,
 *                NULL) chooses.
 * Out:  out      a configuration whose values are cf's with the service's
 *                settings on top; free with tlsp_cf_free(). It has its own
 *                expansion cache. As in the daemon, and unlike postconf
 *                -P, the host-dependent defaults (myhostname, mydomain,
 *                mynetworks) are computed with the service's settings,
 *                process_name is the command's base name and service_name
 *                the service name (or the -n option's value).
 * Returns TLSP_OK; TLSP_NOTFOUND when master.cf has no such service (diag
 *       says so); TLSP_CONFIG when the daemon would not start because of
 *       its options (diag has its fatal text, e.g. "invalid \"-o x\"
 *       option value: missing '=' after attribute name", "invalid option:
 *       x", "unknown attribute name: foo"); TLSP_INVAL when cf is a view;
 *       TLSP_NOMEM.
 */
enum tlsp_status tlsp_cf_service_view(struct tlsp_cf *cf, const char *service, struct tlsp_cf **out,
                                      struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_get - the expanded value of a parameter, as postconf -x shows it
 *
 * In:   name   parameter name.
 * Out:  value  borrowed, valid until cf is freed; "" for an unknown,
 *              undefined parameter.
 *       diag   Postfix's warnings from expansion (e.g. "truncated macro
 *              reference: \"${foo\""), in Postfix's order and number, once
 *              per parameter (the result is cached); on failure the reason
 *              again at every call.
 * Returns TLSP_OK; TLSP_CONFIG when expansion fails as Postfix's does:
 *       the warnings, then the fatal message "macro processing error"
 *       (postconf -x's text), or a fatal text of its own ("mac_exp_eval:
 *       bad conversion: N", "dictionary mail_dict: macro processing error"
 *       from a host-dependent default, "parameter inet_interfaces: no local
 *       interface found for A", ...); TLSP_LIMIT when the result would
 *       exceed 1 MiB, or the expansion 20000 macro steps or a nesting
 *       depth of 1000 (tlspolicy's bounds; an error message says so);
 *       TLSP_IO when the network interfaces cannot be listed (mynetworks);
 *       TLSP_INVAL for NULL arguments; TLSP_NOMEM.
 * Values are not whitespace-normalised: continuation lines are joined as
 * Postfix joins them, and leading/trailing white space is trimmed. The
 * parameters Postfix reads unexpanded (default_rbl_reply, forward_path,
 * mailbox_command, smtpd_reject_footer, ...) are returned as they are,
 * as postconf -x shows them; referenced from another value, they are
 * expanded there.
 */
enum tlsp_status tlsp_cf_get(struct tlsp_cf *cf, const char *name, const char **value,
                             struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_raw - the unexpanded value (service -o, override, main.cf, or
 *       built-in default), or NULL when the parameter is undefined
 *
 * A host-dependent default (myhostname, mydomain, mynetworks) is computed
 * on first use; NULL when that fails (tlsp_cf_get() says why).
 */
const char *tlsp_cf_raw(const struct tlsp_cf *cf, const char *name);

/*
 * tlsp_cf_origin - where the value of name comes from
 *
 * Out:  o  always filled. MAIN_CF: file and line of the definition that
 *          wins. OVERRIDE: no file. MASTER_CF: master.cf path (NULL for the
 *          stock services), line of the setting, service name; in a view,
 *          process_name and service_name come from the entry itself.
 *          DEFAULT: built-in, computed or service-defined default, and
 *          read-only parameters. UNDEFINED: unknown name.
 */
void tlsp_cf_origin(const struct tlsp_cf *cf, const char *name, struct tlsp_cf_origin *o);

/*
 * tlsp_cf_get_bool - a yes/no parameter (case-insensitive)
 *
 * Returns TLSP_OK; TLSP_CONFIG for any other value, with Postfix's fatal
 *       text "bad boolean configuration: NAME = VALUE"; as tlsp_cf_get().
 * Source: Postfix get_mail_conf_bool().
 */
enum tlsp_status tlsp_cf_get_bool(struct tlsp_cf *cf, const char *name, bool *value,
                                  struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_get_int - a decimal integer parameter, in the range of a C int
 *
 * strtol() syntax (leading blanks and a sign accepted), nothing after the
 * digits; Postfix keeps the value in an int, so values outside INT_MIN ..
 * INT_MAX are refused like garbage.
 * Returns TLSP_OK; TLSP_CONFIG with Postfix's fatal text
 *       "bad numerical configuration: NAME = VALUE" otherwise; as
 *       tlsp_cf_get().
 * Source: Postfix get_mail_conf_int().
 */
enum tlsp_status tlsp_cf_get_int(struct tlsp_cf *cf, const char *name, long *value,
                                 struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_get_time - a time parameter ("300s", "5m", "1h", "2d", "1w"; a bare
 *       number takes def_unit, one of 's','m','h','d','w')
 *
 * Out:  seconds  the value in seconds.
 * As Postfix's conv_time(): a decimal number (strtol() syntax, not
 * negative, within an int) then one unit letter; only the first letter
 * after the number counts ("5ss" is 5 seconds); the result must fit an
 * int.
 * Returns TLSP_OK; TLSP_CONFIG with Postfix 3.7's fatal text "parameter
 *       NAME: bad time value or unit: VALUE"; TLSP_INVAL for a def_unit
 *       other than s, m, h, d, w; as tlsp_cf_get().
 * Source: Postfix get_mail_conf_time(), conv_time().
 */
enum tlsp_status tlsp_cf_get_time(struct tlsp_cf *cf, const char *name, char def_unit,
                                  long *seconds, struct tlsp_diag *diag) TLSP_MUST_CHECK;

/*
 * tlsp_cf_expand - expand an arbitrary text with cf's parameters
 *
 * Out:  out  heap string, caller frees; NULL on failure.
 * Returns as tlsp_cf_get() (nothing is cached; warnings every call).
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
 *       a built-in default (including the legacy names postconf knows but
 *       does not list, and the master.cf service parameters) or is set in
 *       main.cf, by an override or, in a view, by the service; sorted in
 *       strcmp() order. tlsp_cf_name_at() returns NULL past the end.
 */
size_t tlsp_cf_n_names(const struct tlsp_cf *cf);
const char *tlsp_cf_name_at(const struct tlsp_cf *cf, size_t i);

/* tlsp_cf_has_default - whether Postfix has a built-in (or master.cf
 * service-defined) default for name. */
bool tlsp_cf_has_default(const struct tlsp_cf *cf, const char *name);

/*
 * tlsp_cf_unused - warn about main.cf and -o names Postfix never uses
 *
 * A name that is not a Postfix parameter (built-in or per master.cf
 * service) and is not referenced as $name in any value gets postconf's
 * warning "unused parameter: NAME=VALUE", with file and line.
 * Returns TLSP_OK or TLSP_NOMEM.
 * Source: postconf(1), which warns the same way.
 */
enum tlsp_status tlsp_cf_unused(struct tlsp_cf *cf, struct tlsp_diag *diag) TLSP_MUST_CHECK;

#ifdef __cplusplus
}
#endif

#endif
