/* bin.c: the `kensa bin` commands. Each command parses its options with
 * cli_parse and calls into the bin engine (src/bin/); nothing here knows a
 * file format. */
#include "cli/cli.h"

static const cli_command commands[] = {
    {0},
};

const cli_group cli_group_bin = {"bin", "static binary analysis: instructions, control flow, functions, call graph", commands};
