/* livedump.h: dumping a live Linux process (`kensa mem dump-live`).
 *
 * Why this shape: a responder needs a dump that always gets written and
 * says exactly what it holds. The dumper freezes the target (ptrace every
 * thread, or SIGSTOP with no_ptrace), reads /proc/PID/maps, then streams
 * /proc/PID/mem region by region through one fixed-size buffer into an ELF
 * core (gdb opens it: NT_PRSTATUS + NT_PRFPREG per thread, NT_PRPSINFO,
 * NT_AUXV, NT_FILE) or a minidump (lldb opens it; Breakpad's Linux
 * conventions). A read failure never aborts: the failing chunk is retried
 * page by page and every page ends up in exactly one accounting run:
 *
 *   read        bytes are in the dump
 *   unreadable  the kernel refused the read (e.g. [vvar], I/O mappings)
 *   guard       PROT_NONE mappings (guard pages, reserved address space):
 *               listed with their size, contents not dumped
 *   skipped     deliberately not read: [vsyscall], device mappings
 *               (/dev/...) where reading can have side effects, and
 *               stretches of >= 1 MiB of anonymous memory never touched
 *               (pagemap: not present, not swapped; they read as zeros)
 *
 * Runs planned as unreadable, guard or skipped get no PT_LOAD in the core
 * (and are in the minidump's memory-info list), so readers report them
 * inaccessible rather than showing invented zeros. The core is written in
 * file order, header first (the runs are planned from the maps, pagemap and
 * a probe per mapping before reading), so its SHA-256 is computed on a
 * second thread as the file grows; a page failing inside a planned run
 * stays zeros in the core and is listed in the KENSA note and the sidecar.
 *
 * A JSON sidecar (default OUT.json) records SHA-256 of the dump, tool
 * version, timing, method, threads and every run. When the target exits
 * mid-dump, or the output cannot be written (disk full), the dump written
 * so far is closed, marked "partial": true in the sidecar (and in the
 * minidump's comment), and ld_dump returns an error saying what happened.
 *
 * Memory: one buffer of `chunk` bytes plus O(regions + threads + runs). */
#ifndef KENSA_MEM_LIVEDUMP_H
#define KENSA_MEM_LIVEDUMP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

typedef enum ld_format { LD_FORMAT_ELF = 0, LD_FORMAT_MINIDUMP = 1 } ld_format;

typedef enum ld_run_kind { LD_RUN_READ = 0, LD_RUN_UNREADABLE, LD_RUN_GUARD, LD_RUN_SKIPPED } ld_run_kind;

typedef struct ld_options {
    int pid;
    const char *out_path;       /* required */
    const char *sidecar_path;   /* NULL = out_path + ".json" */
    ld_format format;
    int no_ptrace;              /* SIGSTOP/SIGCONT instead of ptrace */
    size_t chunk;               /* read buffer, default 1 MiB */
} ld_options;

typedef struct ld_run {
    uint64_t start, size;
    ld_run_kind kind;
    uint32_t region;            /* index into the maps regions */
    const char *reason;         /* static text, or NULL */
} ld_run;

typedef struct ld_totals {
    uint64_t regions, threads, threads_with_registers;
    uint64_t bytes[4];          /* per ld_run_kind */
    uint64_t runs[4];
} ld_totals;

typedef struct ld_result {
    ld_totals totals;
    int partial;                /* dump written but incomplete */
    int complete;               /* every readable byte is in the dump and it was closed cleanly */
    const char *method;         /* "ptrace" or "sigstop" */
    double seconds;             /* freeze to thaw */
    double hash_seconds;        /* SHA-256 of the finished file */
    uint64_t dump_size;
    char sha256[65];            /* "" when the dump could not be hashed */
    char error[512];            /* "" when none */
    char sidecar[4096];         /* path written */
} ld_result;

const char *ld_run_kind_name(ld_run_kind k);

/* Dumps o->pid. Returns KN_OK when the dump is complete; otherwise the
 * error (KN_ERR_NOTFOUND no such process, KN_ERR_PERM no permission,
 * KN_ERR_IO write failure, KN_ERR_RANGE target exited mid-dump, ...) with
 * e filled. In every case where a dump file was started, the sidecar is
 * written and r says whether the dump is partial. */
kn_status ld_dump(const ld_options *o, ld_result *r, kn_err *e);

#endif
