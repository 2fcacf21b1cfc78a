/*
 * cli.h - what the tlspolicy subcommands share
 *
 * Options common to every subcommand, loading the configuration they
 * name, and printing the library's messages. The CLI uses the public API
 * only (include/tlspolicy).
 */
#ifndef TLSP_CLI_H
#define TLSP_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include <tlspolicy/cf.h>
#include <tlspolicy/diag.h>
#include <tlspolicy/explain.h>
#include <tlspolicy/policy.h>
#include <tlspolicy/route.h>
#include <tlspolicy/version.h>

/* Exit statuses, the same for every subcommand. */
#define EXIT_DELIVER 0 /* every TLS policy on the way is valid and usable */
#define EXIT_DEFER 1   /* Postfix would defer the mail: TLS policy or routing failure */
#define EXIT_USAGE 2   /* usage error, unreadable input, configuration that stops Postfix,
                          or input tlspolicy cannot predict */

struct cli_opts {
    const char *config_dir;     /* -c; NULL = /etc/postfix */
    const char **overrides;     /* -o name=value, in order */
    size_t n_overrides;
    const char *transport;      /* -T */
    const char *sender;         /* --sender */
    bool json;                  /* --json */
    struct tlsp_version version; /* --postfix-version */
};

extern const char *cli_progname;

/* getopt_long() values of the long options every subcommand takes;
 * subcommands number their own from CLI_OPT_OWN. */
enum { CLI_OPT_SENDER = 1000, CLI_OPT_JSON, CLI_OPT_VERSION, CLI_OPT_OWN = 1100 };

/*
 * cli_common_option - apply option c (with its argument) when it is one of
 *       -c, -o, -T, --sender, --json, --postfix-version
 *
 * Returns -1 when c is not one of them; 0 when applied; EXIT_USAGE after
 * printing what is wrong with the argument. o->overrides must have room
 * for every argument.
 */
int cli_common_option(const char *sub, int c, const char *arg, struct cli_opts *o,
                      struct tlsp_diag *diag);

/* cli_usage_error - print "tlspolicy SUB: TEXT" and a hint; returns EXIT_USAGE. */
int cli_usage_error(const char *sub, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * cli_load_cf - load the configuration directory and apply -o overrides.
 * Prints fatal problems to stderr and returns NULL; messages are left in diag.
 */
struct tlsp_cf *cli_load_cf(const struct cli_opts *o, struct tlsp_diag *diag);

/* cli_put_safe - text with control characters shown as '?'. */
void cli_put_safe(FILE *fp, const char *s);

/* cli_put_safe_n - the same for the n bytes at s. */
void cli_put_safe_n(FILE *fp, const char *s, size_t n);

/* cli_print_wrapped - text after first, wrapped at 100 columns, later lines
 * starting with indent; control characters shown as '?'. */
void cli_print_wrapped(FILE *fp, const char *first, const char *indent, const char *text);

/* cli_print_diag - every message of diag, one per line, on fp (with prefix). */
void cli_print_diag(FILE *fp, const struct tlsp_diag *diag, const char *indent);

/* cli_diag_json - messages as a JSON array (new reference). */
json_t *cli_diag_json(const struct tlsp_diag *diag);

/* cli_header - the lines every text output starts with. */
void cli_header(FILE *fp, const char *what, const struct cli_opts *o, struct tlsp_cf *cf);

/* cli_header_json - the same facts as a JSON object (new reference). */
json_t *cli_header_json(const char *command, const char *destination, const struct cli_opts *o,
                        struct tlsp_cf *cf);

/* cli_strings_json - an array of n strings as a JSON array (new reference). */
json_t *cli_strings_json(char *const *v, size_t n);

/* cli_str_json - a JSON string, or null when s is NULL (new reference). */
json_t *cli_str_json(const char *s);

/* cli_strategies_json / cli_fixes_json - an explanation's strategy table and
 * fixes as JSON arrays (new references), as docs/json.md describes them. */
json_t *cli_strategies_json(const struct tlsp_explanation *ex);
json_t *cli_fixes_json(const struct tlsp_explanation *ex);

/* cli_print_json - dump a document to stdout with a final newline; steals doc. */
void cli_print_json(json_t *doc);

/*
 * cli_print_fatal - report a problem that stops subcommand sub: the
 * library's messages (not notes) and context on stderr, or one JSON
 * document with "error" on stdout. Returns EXIT_USAGE.
 */
int cli_print_fatal(const char *sub, bool json, const char *destination, const struct cli_opts *o,
                    const struct tlsp_diag *diag, const char *context);

/* cli_stop_context - what a status that stops a command means, or NULL. */
const char *cli_stop_context(enum tlsp_status st);

/* Showing one policy (show_policy.c). */
void show_policy_text(FILE *fp, const struct tlsp_policy *pol, struct tlsp_cf *cf,
                      const char *indent);
json_t *show_policy_json(const struct tlsp_policy *pol, struct tlsp_cf *cf);

/* Subcommands: each gets argv after the subcommand name. */
int cmd_policy(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_explain(int argc, char **argv);

#endif
