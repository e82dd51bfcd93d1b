/* kensa.c: the `kensa` entry point. It only dispatches: GROUP then COMMAND,
 * looked up in the groups the engines' command files export, plus `help`
 * and `--version`. Unknown names exit 2 with the closest known name. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/input.h"

static const cli_group *const groups[] = {&cli_group_soc, &cli_group_mem, &cli_group_bin, NULL};

static void print_main_help(FILE *out)
{
    fputs("usage: kensa [--version] [--help] GROUP COMMAND [OPTIONS] [ARGS]\n\n"
          "kensa follows one incident from first signal to understanding.\n\n"
          "groups:\n", out);
    for (int i = 0; groups[i]; i++) fprintf(out, "  %-6s %s\n", groups[i]->name, groups[i]->summary);
    fputs("\n'kensa help GROUP' lists a group's commands; 'kensa help GROUP COMMAND'\n"
          "or 'kensa GROUP COMMAND --help' shows one command's options.\n"
          "Every command takes --json (machine-readable output), --quiet and --help.\n"
          "Exit codes: 0 success, 1 findings or input errors, 2 usage error.\n", out);
}

static void print_group_help(const cli_group *g, FILE *out)
{
    fprintf(out, "usage: kensa %s COMMAND [OPTIONS] [ARGS]\n\n%s\n\ncommands:\n", g->name, g->summary);
    for (const cli_command *c = g->commands; c->name; c++) fprintf(out, "  %-10s %s\n", c->name, c->summary);
}

/* Levenshtein distance, for "did you mean". */
static int distance(const char *a, const char *b)
{
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 30 || lb > 30) return 99;
    int d[32][32];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

static const cli_group *find_group(const char *name)
{
    for (int i = 0; groups[i]; i++)
        if (strcmp(groups[i]->name, name) == 0) return groups[i];
    return NULL;
}

static const cli_command *find_command(const cli_group *g, const char *name)
{
    for (const cli_command *c = g->commands; c->name; c++)
        if (strcmp(c->name, name) == 0) return c;
    return NULL;
}

static int unknown(const char *what, const char *name, const cli_group *g)
{
    const char *best = NULL;
    int bd = 3;
    if (g) {
        for (const cli_command *c = g->commands; c->name; c++) {
            int d = distance(name, c->name);
            if (d < bd) { bd = d; best = c->name; }
        }
    } else {
        for (int i = 0; groups[i]; i++) {
            int d = distance(name, groups[i]->name);
            if (d < bd) { bd = d; best = groups[i]->name; }
        }
    }
    fprintf(stderr, "kensa: '%s' is not a kensa %s.", name, what);
    if (best) fprintf(stderr, " Did you mean '%s'?", best);
    fprintf(stderr, " See 'kensa %s%s--help'.\n", g ? g->name : "", g ? " " : "");
    return KN_EXIT_USAGE;
}

static int run_help(int argc, char **argv)
{
    if (argc < 2) { print_main_help(stdout); return KN_EXIT_OK; }
    const cli_group *g = find_group(argv[1]);
    if (!g) return unknown("group", argv[1], NULL);
    if (argc < 3) { print_group_help(g, stdout); return KN_EXIT_OK; }
    const cli_command *c = find_command(g, argv[2]);
    if (!c) return unknown("command", argv[2], g);
    char *hargv[] = {(char *)c->name, "--help", NULL};
    return c->run(2, hargv);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        print_main_help(stderr);
        return KN_EXIT_USAGE;
    }
    const char *a = argv[1];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) { print_main_help(stdout); return KN_EXIT_OK; }
    if (strcmp(a, "--version") == 0 || strcmp(a, "version") == 0) { printf("kensa %s\n", KENSA_VERSION); return KN_EXIT_OK; }
    if (strcmp(a, "help") == 0) return run_help(argc - 1, argv + 1);
    if (a[0] == '-') {
        fprintf(stderr, "kensa: unknown option '%s'. See 'kensa --help'.\n", a);
        return KN_EXIT_USAGE;
    }
    const cli_group *g = find_group(a);
    if (!g) return unknown("group", a, NULL);
    if (argc < 3) { print_group_help(g, stderr); return KN_EXIT_USAGE; }
    if (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0) { print_group_help(g, stdout); return KN_EXIT_OK; }
    const cli_command *c = find_command(g, argv[2]);
    if (!c) return unknown("command", argv[2], g);
    int rc = c->run(argc - 2, argv + 2);
    /* an input cut while it was read was reported where it was found; the
     * command may not have counted it as failed (a mem or bin image read
     * as zeros past the cut) */
    if (rc == KN_EXIT_OK && kn_input_cuts()) rc = KN_EXIT_ERROR;
    fflush(stdout);
    if (ferror(stdout)) {
        fputs("kensa: error writing standard output\n", stderr);
        return KN_EXIT_ERROR;
    }
    return rc;
}
