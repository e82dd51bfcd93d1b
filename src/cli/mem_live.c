/* mem_live.c: `kensa mem dump-live`, the Linux live-process dumper's
 * command. Kept apart from mem.c (image commands) because it acts on the
 * running system rather than on a file. mem.c's table holds a one-line
 * entry pointing at cmd_mem_dump_live; the full help lives here. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/json.h"
#include "core/table.h"
#include "mem/livedump.h"

int cmd_mem_dump_live(int argc, char **argv);

static const cli_command self = {
    "dump-live", "dump a live Linux process (ELF core or minidump) with a per-region account",
    "kensa mem dump-live [OPTIONS] --pid N -o FILE",
    "Freezes process N (ptrace on every thread, or SIGSTOP with --no-ptrace),\n"
    "reads /proc/N/maps and /proc/N/mem region by region and writes an ELF core\n"
    "(gdb opens it with the program: gdb PROGRAM FILE) or a Windows-style\n"
    "minidump (lldb -c FILE). Reads never abort on a bad page: every page is\n"
    "accounted as read, unreadable, guard (PROT_NONE) or skipped ([vsyscall],\n"
    "device mappings). A JSON sidecar (FILE.json, or --sidecar) records SHA-256,\n"
    "tool version, timing, method, threads and every region's runs. If the\n"
    "process exits mid-dump or the disk fills, the dump is closed and marked\n"
    "partial. Needs ptrace rights over the target (same user, or root).\n\n"
    "exit status: 0 complete dump, 1 error or partial dump, 2 usage.",
    cmd_mem_dump_live,
};

int cmd_mem_dump_live(int argc, char **argv)
{
    int64_t pid = 0, chunk = 0;
    const char *out = NULL, *format = "elf", *sidecar = NULL;
    int no_ptrace = 0;
    const cli_opt opts[] = {
        {"pid", 'p', CLI_INT, &pid, "N", "process to dump (required)"},
        {"output", 'o', CLI_STR, &out, "FILE", "dump file to write (required)"},
        {"format", 'f', CLI_STR, &format, "elf|minidump", "ELF core (default) or Windows minidump"},
        {"no-ptrace", 0, CLI_FLAG, &no_ptrace, NULL, "freeze with SIGSTOP instead of ptrace (registers: sp and pc only)"},
        {"sidecar", 0, CLI_STR, &sidecar, "FILE", "where to write the JSON sidecar (default FILE.json)"},
        {"chunk", 0, CLI_INT, &chunk, "BYTES", "read buffer size (default 1M)"},
        {0},
    };
    char **pos;
    int npos;
    int rc = cli_parse(&self, opts, argc, argv, 0, 0, &pos, &npos);
    if (rc >= 0) return rc;
    if (pid <= 0 || pid > 0x7fffffff) return cli_usage_error(&self, "--pid N is required (a positive process id)");
    if (!out) return cli_usage_error(&self, "-o FILE is required");
    if (chunk < 0 || chunk > (1LL << 30)) return cli_usage_error(&self, "--chunk must be between 4k and 1G");
    ld_options o;
    memset(&o, 0, sizeof o);
    o.pid = (int)pid;
    o.out_path = out;
    o.sidecar_path = sidecar;
    o.no_ptrace = no_ptrace;
    o.chunk = (size_t)chunk;
    if (!strcmp(format, "elf") || !strcmp(format, "core")) o.format = LD_FORMAT_ELF;
    else if (!strcmp(format, "minidump") || !strcmp(format, "mdmp")) o.format = LD_FORMAT_MINIDUMP;
    else return cli_usage_error(&self, "--format must be elf or minidump, not '%s'", format);

    ld_result r;
    kn_err e;
    kn_err_clear(&e);
    kn_status st = ld_dump(&o, &r, &e);
    if (st != KN_OK) kn_err_print(&e);
    if (st != KN_OK && !r.sidecar[0]) return KN_EXIT_ERROR;   /* nothing was written */
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        kn_json_obj_begin(j);
        kn_json_kint(j, "pid", o.pid);
        kn_json_kstr(j, "dump", out);
        kn_json_kstr(j, "sidecar", r.sidecar);
        kn_json_kstr(j, "method", r.method);
        kn_json_kbool(j, "complete", r.complete);
        kn_json_kbool(j, "partial", r.partial);
        kn_json_kdouble(j, "seconds", r.seconds);
        kn_json_kuint(j, "dump_size", r.dump_size);
        kn_json_kstr(j, "sha256", r.sha256);
        kn_json_kuint(j, "threads", r.totals.threads);
        for (int k = 0; k < 4; k++) {
            char key[40];
            snprintf(key, sizeof key, "%s_bytes", ld_run_kind_name((ld_run_kind)k));
            kn_json_kuint(j, key, r.totals.bytes[k]);
        }
        if (r.error[0]) kn_json_kstr(j, "error", r.error);
        kn_json_obj_end(j);
        kn_json_end_record(j);
        kn_json_free(j);
    } else if (!cli.quiet) {
        printf("%s dump of pid %d: %s (%" PRIu64 " bytes, %.2f s, method %s)\n",
               r.partial ? "PARTIAL" : "complete", o.pid, out, r.dump_size, r.seconds, r.method);
        printf("sha256 %s\nsidecar %s\nthreads %" PRIu64 " (%" PRIu64 " with registers), regions %" PRIu64 "\n",
               r.sha256[0] ? r.sha256 : "-", r.sidecar, r.totals.threads, r.totals.threads_with_registers, r.totals.regions);
        static const char *const hdr[] = {"status", ">bytes", ">runs", NULL};
        kn_table *t = kn_table_new(hdr);
        for (int k = 0; k < 4; k++) {
            kn_table_cell(t, ld_run_kind_name((ld_run_kind)k));
            kn_table_cellf(t, "%" PRIu64, r.totals.bytes[k]);
            kn_table_cellf(t, "%" PRIu64, r.totals.runs[k]);
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
    }
    return st == KN_OK ? KN_EXIT_OK : KN_EXIT_ERROR;
}
