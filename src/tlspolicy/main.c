/*
 * main.c - tlspolicy command-line entry point and shared helpers
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char *cli_progname = "tlspolicy";

static void
usage(FILE *fp)
{
    fprintf(fp,
            "usage: tlspolicy COMMAND [OPTIONS] ...\n"
            "\n"
            "Commands:\n"
            "  policy DESTINATION   the TLS policy Postfix applies to a destination: route,\n"
            "                       policy-table entry, security level, attributes and the\n"
            "                       certificate names required\n"
            "  verify DESTINATION   Postfix's verdict on a server's certificate chain, offline\n"
            "  check DESTINATION    the live verdict: DNS, SMTP and STARTTLS to each server as\n"
            "                       Postfix's SMTP client would, and the message's fate\n"
            "  explain [FILE...]    TLS deferrals and bounces in Postfix logs: per next hop,\n"
            "                       what happened, why, and the policy-table lines that fix\n"
            "                       it (offline; --year, --format=text|json|jsonl,\n"
            "                       --no-progress)\n"
            "\n"
            "Options common to every command:\n"
            "  -c DIR                   Postfix configuration directory (default /etc/postfix)\n"
            "  -o NAME=VALUE            override a main.cf parameter (repeatable)\n"
            "  -T TRANSPORT             evaluate this master.cf transport with its -o options\n"
            "  --sender ADDR            envelope sender, for sender-dependent tables\n"
            "  --postfix-version X.Y.Z  emulate another Postfix release (3.6.0 to 3.10.x;\n"
            "                           default 3.7.11)\n"
            "  --json                   one JSON document instead of text\n"
            "\n"
            "Exit status: 0 every TLS policy on the way is valid and usable; 1 Postfix\n"
            "would defer the mail because of its TLS policy or a failed routing lookup;\n"
            "2 usage error, unreadable input, a configuration that stops Postfix, or input\n"
            "tlspolicy cannot predict (a table type it does not read). explain: 0 no TLS\n"
            "problem in the log, 1 at least one, 2 usage error or unreadable log.\n"
            "See tlspolicy(1).\n");
}

int
cli_usage_error(const char *sub, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s%s%s: ", cli_progname, sub ? " " : "", sub ? sub : "");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nRun \"tlspolicy --help\" for usage.\n");
    return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
    const char *cmd;

    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        char buf[32];

        printf("tlspolicy %s (emulates Postfix %s by default)\n", TLSP_VERSION_STRING,
               tlsp_version_format(&tlsp_version_default, buf, sizeof(buf)));
        return 0;
    }
    if (strcmp(cmd, "policy") == 0)
        return cmd_policy(argc - 1, argv + 1);
    if (strcmp(cmd, "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "explain") == 0)
        return cmd_explain(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command \"%s\"", cmd);
}
