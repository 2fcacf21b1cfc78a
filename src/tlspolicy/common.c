/*
 * common.c - configuration loading and message printing for every command
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

struct tlsp_cf *
cli_load_cf(const struct cli_opts *o, struct tlsp_diag *diag)
{
    struct tlsp_cf *cf = NULL;
    enum tlsp_status st;
    size_t i;

    struct stat sb;

    if (o->config_dir && stat(o->config_dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        tlsp_diag_add(diag, TLSP_SEV_ERROR, NULL, 0,
                      "-c %s: not a directory (give the directory that holds main.cf)",
                      o->config_dir);
        return NULL;
    }
    st = tlsp_cf_load(o->config_dir, &o->version, &cf, diag);
    if (st != TLSP_OK)
        return NULL;
    for (i = 0; i < o->n_overrides; i++) {
        if (tlsp_cf_override(cf, o->overrides[i], diag) != TLSP_OK) {
            tlsp_cf_free(cf);
            return NULL;
        }
    }
    if (tlsp_cf_unused(cf, diag) != TLSP_OK) {
        tlsp_cf_free(cf);
        return NULL;
    }
    return cf;
}

/* Messages repeat when a table is opened for several next hops: show each once. */
static bool
seen_before(const struct tlsp_diag *diag, size_t i)
{
    size_t k;
    const struct tlsp_msg *m = &diag->msgs[i];

    for (k = 0; k < i; k++) {
        const struct tlsp_msg *o = &diag->msgs[k];

        if (o->sev == m->sev && o->line == m->line && strcmp(o->text, m->text) == 0 &&
            ((o->file == NULL && m->file == NULL) ||
             (o->file && m->file && strcmp(o->file, m->file) == 0)))
            return true;
    }
    return false;
}

void
cli_put_safe(FILE *fp, const char *s)
{
    cli_put_safe_n(fp, s, strlen(s));
}

void
cli_put_safe_n(FILE *fp, const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, fp);
    }
}

void
cli_print_diag(FILE *fp, const struct tlsp_diag *diag, const char *indent)
{
    size_t i;

    for (i = 0; i < diag->n_msgs; i++) {
        char *line;

        if (seen_before(diag, i))
            continue;
        line = tlsp_diag_format(&diag->msgs[i]);
        if (line) {
            fputs(indent, fp);
            cli_put_safe(fp, line);
            fputc('\n', fp);
            free(line);
        }
    }
}

json_t *
cli_diag_json(const struct tlsp_diag *diag)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; i < diag->n_msgs; i++) {
        const struct tlsp_msg *m = &diag->msgs[i];
        json_t *o;

        if (seen_before(diag, i))
            continue;
        o = json_object();

        json_object_set_new(o, "severity", json_string(tlsp_severity_name(m->sev)));
        json_object_set_new(o, "file", m->file ? json_string(m->file) : json_null());
        json_object_set_new(o, "line", m->line ? json_integer(m->line) : json_null());
        json_object_set_new(o, "text", json_string(m->text));
        json_array_append_new(a, o);
    }
    return a;
}

void
cli_header(FILE *fp, const char *what, const struct cli_opts *o, struct tlsp_cf *cf)
{
    char buf[32];
    size_t i;
    const char *main_cf = cf ? tlsp_cf_main_cf_path(cf) : NULL;
    const char *master_cf = cf ? tlsp_cf_master_cf_path(cf) : NULL;

    fprintf(fp, "%s\n", what);
    fprintf(fp, "Emulating Postfix %s%s with OpenSSL 3\n",
            tlsp_version_format(&o->version, buf, sizeof(buf)),
            tlsp_version_cmp(&o->version, &tlsp_version_default) == 0 ? " (as in Debian 12)" : "");
    if (cf) {
        fprintf(fp, "Configuration: %s", tlsp_cf_dir(cf));
        if (main_cf && master_cf)
            fprintf(fp, " (main.cf, master.cf)\n");
        else if (main_cf)
            fprintf(fp, " (main.cf; no master.cf: stock services)\n");
        else
            fprintf(fp, " (no main.cf: Postfix's built-in defaults)\n");
    }
    for (i = 0; i < o->n_overrides; i++)
        fprintf(fp, "  -o %s\n", o->overrides[i]);
}

json_t *
cli_header_json(const char *command, const char *destination, const struct cli_opts *o,
                struct tlsp_cf *cf)
{
    json_t *doc = json_object();
    json_t *conf = json_object();
    json_t *ovr = json_array();
    char buf[32];
    size_t i;

    json_object_set_new(doc, "tlspolicy", json_string(TLSP_VERSION_STRING));
    json_object_set_new(doc, "command", json_string(command));
    json_object_set_new(doc, "postfix_version",
                        json_string(tlsp_version_format(&o->version, buf, sizeof(buf))));
    json_object_set_new(doc, "destination", json_string(destination));
    if (cf) {
        const char *m = tlsp_cf_main_cf_path(cf), *ms = tlsp_cf_master_cf_path(cf);

        json_object_set_new(conf, "directory", json_string(tlsp_cf_dir(cf)));
        json_object_set_new(conf, "main_cf", m ? json_string(m) : json_null());
        json_object_set_new(conf, "master_cf", ms ? json_string(ms) : json_null());
    }
    for (i = 0; i < o->n_overrides; i++)
        json_array_append_new(ovr, json_string(o->overrides[i]));
    json_object_set_new(conf, "overrides", ovr);
    json_object_set_new(doc, "config", conf);
    return doc;
}

void
cli_print_json(json_t *doc)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);

    if (s) {
        fputs(s, stdout);
        fputc('\n', stdout);
        free(s);
    }
    json_decref(doc);
}

int
cli_print_fatal(const char *sub, bool json, const char *destination, const struct cli_opts *o,
                const struct tlsp_diag *diag, const char *context)
{
    size_t i;

    if (json) {
        json_t *doc = cli_header_json(sub, destination ? destination : "", o, NULL);

        json_object_set_new(doc, "error", context ? json_string(context) : json_null());
        json_object_set_new(doc, "messages", cli_diag_json(diag));
        json_object_set_new(doc, "exit", json_integer(EXIT_USAGE));
        cli_print_json(doc);
        return EXIT_USAGE;
    }
    for (i = 0; i < diag->n_msgs; i++) {
        char *line;

        if (diag->msgs[i].sev == TLSP_SEV_NOTE)
            continue;
        line = tlsp_diag_format(&diag->msgs[i]);
        if (line) {
            fprintf(stderr, "tlspolicy %s: ", sub);
            cli_put_safe(stderr, line);
            fputc('\n', stderr);
            free(line);
        }
    }
    if (context)
        fprintf(stderr, "tlspolicy %s: %s\n", sub, context);
    return EXIT_USAGE;
}

const char *
cli_stop_context(enum tlsp_status st)
{
    switch (st) {
    case TLSP_CONFIG:
        return "the delivery agent stops at start-up with this configuration: the mail stays in "
               "the queue";
    case TLSP_UNSUPPORTED:
        return "tlspolicy cannot predict what Postfix does here";
    case TLSP_LIMIT:
        return "an input is beyond tlspolicy's size limits; it does not guess";
    case TLSP_NOMEM:
        return "out of memory";
    default:
        return NULL;
    }
}

int
cli_common_option(const char *sub, int c, const char *arg, struct cli_opts *o,
                  struct tlsp_diag *diag)
{
    switch (c) {
    case 'c':
        o->config_dir = arg;
        return 0;
    case 'o':
        if (strchr(arg, '=') == NULL)
            return cli_usage_error(sub, "-o needs NAME=VALUE, not \"%s\"", arg);
        o->overrides[o->n_overrides++] = arg;
        return 0;
    case 'T':
        o->transport = arg;
        return 0;
    case CLI_OPT_SENDER:
        o->sender = arg;
        return 0;
    case CLI_OPT_JSON:
        o->json = true;
        return 0;
    case CLI_OPT_VERSION:
        if (tlsp_version_parse(arg, &o->version, diag) != TLSP_OK)
            return cli_print_fatal(sub, o->json, "", o, diag, NULL);
        return 0;
    default:
        return -1;
    }
}

void
cli_print_wrapped(FILE *fp, const char *first, const char *indent, const char *text)
{
    const size_t width = 100, ind = strlen(indent);
    size_t col = strlen(first), n;
    bool line_start = true;
    const char *p = text;

    fputs(first, fp);
    while (*p) {
        while (*p == ' ')
            p++;
        if (*p == 0)
            break;
        n = strcspn(p, " ");
        if (!line_start && col + 1 + n > width) {
            fprintf(fp, "\n%s", indent);
            col = ind;
            line_start = true;
        }
        if (!line_start) {
            fputc(' ', fp);
            col++;
        }
        cli_put_safe_n(fp, p, n);
        col += n;
        p += n;
        line_start = false;
    }
    fputc('\n', fp);
}

json_t *
cli_str_json(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *
cli_strategies_json(const struct tlsp_explanation *ex)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < ex->n_strategies; i++) {
        const struct tlsp_strategy *s = &ex->strategies[i];
        json_t *j = json_object();

        json_object_set_new(j, "strategy", json_string(s->strategy));
        json_object_set_new(j, "name", json_string(s->name));
        json_object_set_new(j, "required", json_boolean(s->required));
        json_object_set_new(j, "matches", json_boolean(s->matches));
        json_object_set_new(j, "certificate_name", cli_str_json(s->cert_name));
        json_array_append_new(arr, j);
    }
    return arr;
}

json_t *
cli_fixes_json(const struct tlsp_explanation *ex)
{
    json_t *arr = json_array();
    size_t i;

    for (i = 0; i < ex->n_fixes; i++) {
        const struct tlsp_fix *f = &ex->fixes[i];
        json_t *j = json_object();

        json_object_set_new(j, "line", cli_str_json(f->line));
        json_object_set_new(j, "what", json_string(f->what));
        json_object_set_new(j, "tradeoff", json_string(f->tradeoff));
        json_object_set_new(j, "checked", json_boolean(f->checked));
        json_array_append_new(arr, j);
    }
    return arr;
}
