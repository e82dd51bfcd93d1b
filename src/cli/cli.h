/* cli.h: the command table and the one option parser every command uses.
 *
 * Shape (after git's git.c + builtin/): `kensa GROUP COMMAND [options] ARGS`.
 * Each engine's file (soc.c, mem.c, bin.c) exports one cli_group listing its
 * commands; kensa.c dispatches. A command's run() declares its options as a
 * cli_opt table and calls cli_parse, which also handles the options shared by
 * all commands (--json, --quiet, --help) and prints generated help. So help
 * text, docs/CLI.md and behaviour come from one table and cannot drift.
 *
 * Exit codes: 0 success; 1 findings or input errors (each command documents
 * which); 2 usage error. */
#ifndef KENSA_CLI_CLI_H
#define KENSA_CLI_CLI_H

#include <stdint.h>
#include <stdio.h>

enum { KN_EXIT_OK = 0, KN_EXIT_FINDINGS = 1, KN_EXIT_ERROR = 1, KN_EXIT_USAGE = 2 };

typedef enum cli_opt_kind {
    CLI_FLAG,    /* int *dest = 1 when present */
    CLI_STR,     /* const char **dest */
    CLI_INT,     /* int64_t *dest; accepts 0x hex and k/M/G suffixes */
    CLI_DOUBLE,  /* double *dest */
    CLI_LIST,    /* cli_list *dest; repeatable, values appended */
} cli_opt_kind;

typedef struct cli_list {
    const char **items;
    int n, cap;
} cli_list;

typedef struct cli_opt {
    const char *name;        /* long name without "--" */
    char short_name;         /* 0 for none */
    cli_opt_kind kind;
    void *dest;
    const char *metavar;     /* e.g. "FILE"; NULL for flags */
    const char *help;
} cli_opt;

typedef struct cli_command {
    const char *name;
    const char *summary;     /* one line, for lists */
    const char *usage;       /* "kensa mem info [OPTIONS] IMAGE" */
    const char *description; /* paragraphs for --help; may be NULL */
    int (*run)(int argc, char **argv);   /* argv[0] is the command name */
} cli_command;

typedef struct cli_group {
    const char *name;
    const char *summary;
    const cli_command *commands;  /* terminated by a zeroed entry */
} cli_group;

/* Options shared by every command, set by cli_parse. */
typedef struct cli_common {
    int json;
    int quiet;
} cli_common;
extern cli_common cli;

/* Parses argv for cmd. opts is terminated by a zeroed entry (may be NULL).
 * Positional arguments are collected into *pos / *npos (pointers into argv).
 * Returns -1 to continue, or an exit code the caller must return at once:
 * 0 after printing --help, 2 after a usage error (message on stderr). The
 * positional count must lie in [min_pos, max_pos] (max_pos -1 = unbounded). */
int cli_parse(const cli_command *cmd, const cli_opt *opts, int argc, char **argv,
              int min_pos, int max_pos, char ***pos, int *npos);
void cli_print_help(const cli_command *cmd, const cli_opt *opts, FILE *out);
/* Prints "kensa: <msg>" plus a pointer to --help, returns KN_EXIT_USAGE. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses integers like "42", "0x1000", "64k", "10M". Returns 0 or -1. */
int cli_parse_int(const char *s, int64_t *out);

/* The groups, defined in soc.c, mem.c, bin.c. */
extern const cli_group cli_group_soc;
extern const cli_group cli_group_mem;
extern const cli_group cli_group_bin;

#endif
