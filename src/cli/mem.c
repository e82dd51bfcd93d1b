/* mem.c: the `kensa mem` commands. Each command parses its options with
 * cli_parse and calls into the mem engine (src/mem/); nothing here knows a
 * file format. */
#include "cli/cli.h"

static const cli_command commands[] = {
    {0},
};

const cli_group cli_group_mem = {"mem", "Windows memory forensics: images, processes, reliable process dumps", commands};
