/* opt.c: the shared option parser and help printer (see cli.h). Long options
 * take "--name VALUE" or "--name=VALUE"; short ones "-x VALUE"; "--" ends
 * options. Options may come before or after positional arguments. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/progress.h"

cli_common cli;

static const cli_opt common_opts[] = {
    {"json", 0, CLI_FLAG, &cli.json, NULL, "machine-readable output: JSON or NDJSON on stdout"},
    {"quiet", 'q', CLI_FLAG, &cli.quiet, NULL, "no progress indicator or notes on stderr"},
    {"help", 'h', CLI_FLAG, NULL, NULL, "show this help and exit"},
    {0},
};

int cli_parse_int(const char *s, int64_t *out)
{
    if (!s || !*s) return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (end == s) return -1;
    long long mul = 1;
    if (*end == 'k' || *end == 'K') { mul = 1000; end++; }
    else if (*end == 'M') { mul = 1000000; end++; }
    else if (*end == 'G') { mul = 1000000000; end++; }
    if (*end) return -1;
    *out = v * mul;
    return 0;
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kensa: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    if (cmd) fprintf(stderr, "usage: %s\n(--help shows all options)\n", cmd->usage);
    return KN_EXIT_USAGE;
}

static void print_opts(const cli_opt *opts, FILE *out)
{
    for (const cli_opt *o = opts; o && o->name; o++) {
        char left[96];
        int n = 0;
        if (o->short_name) n = snprintf(left, sizeof left, "  -%c, --%s", o->short_name, o->name);
        else n = snprintf(left, sizeof left, "      --%s", o->name);
        if (o->metavar && n > 0 && (size_t)n < sizeof left) snprintf(left + n, sizeof left - (size_t)n, " %s", o->metavar);
        const char *rep = o->kind == CLI_LIST ? " (repeatable)" : "";
        if (strlen(left) < 30) fprintf(out, "%-30s %s%s\n", left, o->help, rep);
        else fprintf(out, "%s\n%-30s %s%s\n", left, "", o->help, rep);
    }
}

void cli_print_help(const cli_command *cmd, const cli_opt *opts, FILE *out)
{
    fprintf(out, "usage: %s\n\n%s\n", cmd->usage, cmd->summary);
    if (cmd->description) fprintf(out, "\n%s\n", cmd->description);
    if (opts && opts->name) {
        fputs("\noptions:\n", out);
        print_opts(opts, out);
    }
    fputs("\ncommon options:\n", out);
    print_opts(common_opts, out);
}

static const cli_opt *find_long(const cli_opt *opts, const char *name, size_t n)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) return o;
    for (const cli_opt *o = common_opts; o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, name, n) == 0) return o;
    return NULL;
}

static const cli_opt *find_short(const cli_opt *opts, char c)
{
    for (const cli_opt *o = opts; o && o->name; o++)
        if (o->short_name == c) return o;
    for (const cli_opt *o = common_opts; o->name; o++)
        if (o->short_name == c) return o;
    return NULL;
}

static int store(const cli_command *cmd, const cli_opt *o, const char *val)
{
    switch (o->kind) {
    case CLI_FLAG:
        if (o->dest) *(int *)o->dest = 1;
        return 0;
    case CLI_STR:
        *(const char **)o->dest = val;
        return 0;
    case CLI_INT: {
        int64_t v;
        if (cli_parse_int(val, &v) != 0) return cli_usage_error(cmd, "--%s: '%s' is not a number", o->name, val);
        *(int64_t *)o->dest = v;
        return 0;
    }
    case CLI_DOUBLE: {
        char *end;
        double v = strtod(val, &end);
        if (end == val || *end) return cli_usage_error(cmd, "--%s: '%s' is not a number", o->name, val);
        *(double *)o->dest = v;
        return 0;
    }
    case CLI_LIST: {
        cli_list *l = o->dest;
        if (l->n == l->cap) {
            l->cap = l->cap ? l->cap * 2 : 8;
            l->items = realloc(l->items, (size_t)l->cap * sizeof *l->items);
            if (!l->items) abort();
        }
        l->items[l->n++] = val;
        return 0;
    }
    }
    return 0;
}

int cli_parse(const cli_command *cmd, const cli_opt *opts, int argc, char **argv,
              int min_pos, int max_pos, char ***pos, int *npos)
{
    static char *empty[1];
    char **p = malloc(sizeof(char *) * (size_t)(argc + 1));
    if (!p) abort();
    int np = 0, help = 0, only_pos = 0;
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (only_pos || a[0] != '-' || a[1] == 0) { p[np++] = a; continue; }
        if (strcmp(a, "--") == 0) { only_pos = 1; continue; }
        const cli_opt *o;
        const char *val = NULL;
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(opts, name, n);
            if (!o) { free(p); return cli_usage_error(cmd, "unknown option '--%.*s'", (int)n, name); }
            if (eq) {
                if (o->kind == CLI_FLAG) { free(p); return cli_usage_error(cmd, "--%s takes no value", o->name); }
                val = eq + 1;
            }
        } else {
            if (a[2] != 0) {
                o = find_short(opts, a[1]);
                if (o && o->kind != CLI_FLAG) val = a + 2;   /* -oFILE */
                else if (o) {
                    /* bundled flags: -qh */
                    for (const char *c = a + 1; *c; c++) {
                        const cli_opt *f = find_short(opts, *c);
                        if (!f || f->kind != CLI_FLAG) { free(p); return cli_usage_error(cmd, "unknown option '-%c'", *c); }
                        if (strcmp(f->name, "help") == 0) help = 1;
                        else store(cmd, f, NULL);
                    }
                    continue;
                }
            } else {
                o = find_short(opts, a[1]);
            }
            if (!o) { free(p); return cli_usage_error(cmd, "unknown option '%s'", a); }
        }
        if (strcmp(o->name, "help") == 0) { help = 1; continue; }
        if (o->kind != CLI_FLAG && !val) {
            if (i + 1 >= argc) { free(p); return cli_usage_error(cmd, "option --%s needs a value (%s)", o->name, o->metavar ? o->metavar : "VALUE"); }
            val = argv[++i];
        }
        int rc = store(cmd, o, val);
        if (rc) { free(p); return rc; }
    }
    if (help) {
        cli_print_help(cmd, opts, stdout);
        free(p);
        return KN_EXIT_OK;
    }
    kn_progress_enable(!cli.quiet && !cli.json && isatty(2));
    if (np < min_pos) { free(p); return cli_usage_error(cmd, "missing argument"); }
    if (max_pos >= 0 && np > max_pos) { int k = np; free(p); return cli_usage_error(cmd, "too many arguments (%d)", k); }
    p[np] = NULL;
    /* The positional array lives as long as argv does; keeping it reachable
     * from here (one command runs per process) is not a leak. */
    static char **kept;
    free(kept);
    kept = p;
    *pos = np ? p : empty;
    *npos = np;
    return -1;
}
