/* mem.c: the `kensa mem` commands. Each command parses its options with
 * cli_parse and calls into the mem engine (src/mem/); nothing here knows a
 * file format. Image commands share one opener (image + optional vmss,
 * pagefile and ISF) so every command accepts the same inputs. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/input.h"
#include "core/json.h"
#include "core/table.h"
#include "mem/mem.h"
#include "core/minidump.h"

static int cmd_info(int argc, char **argv);
static int cmd_pslist(int argc, char **argv);
static int cmd_psscan(int argc, char **argv);
static int cmd_vad(int argc, char **argv);
static int cmd_procdump(int argc, char **argv);
int cmd_mem_dump_live(int argc, char **argv);   /* mem_live.c */

#define IMAGE_INPUTS \
    "IMAGE is recognised by content: raw/dd, Windows crash dump (PAGEDU64: full,\n" \
    "bitmap), LiME, ELF core (QEMU, VirtualBox), VMware .vmem (give the .vmss or\n" \
    "snapshot .vmsn with --vmss to map memory above the PCI hole). No symbols are\n" \
    "needed: the kernel and the EPROCESS layout are found from structure.\n"

static const cli_command commands[] = {
    {"info", "describe a memory image or minidump: format, ranges, DTB, kernel, build",
     "kensa mem info [OPTIONS] IMAGE",
     IMAGE_INPUTS
     "On a Windows minidump (MDMP) it shows system info, modules, threads and\n"
     "memory ranges instead.\n\n"
     "exit status: 0 success, 1 the input could not be read, 2 usage.",
     cmd_info},
    {"pslist", "list processes from the kernel's active process list",
     "kensa mem pslist [OPTIONS] IMAGE",
     IMAGE_INPUTS
     "Columns: pid, ppid, name, create and exit time (UTC), DTB, EPROCESS address,\n"
     "thread count, WOW64. A list that ends early (smear) or loops is reported.\n\n"
     "exit status: 0 success, 1 the image could not be read or no process list, 2 usage.",
     cmd_pslist},
    {"psscan", "scan physical memory for EPROCESS structures, marking unlisted ones",
     "kensa mem psscan [OPTIONS] IMAGE",
     IMAGE_INPUTS
     "Finds process objects by their pool tag and structure, so exited and\n"
     "unlinked (hidden) processes show up; 'listed' says whether the active list\n"
     "has them. The EPROCESS column is a physical offset.\n\n"
     "exit status: 0 success, 1 the image could not be read, 2 usage.",
     cmd_psscan},
    {"vad", "list a process's memory regions (VADs): protection, type, mapped file",
     "kensa mem vad [OPTIONS] --pid N IMAGE",
     IMAGE_INPUTS "\nexit status: 0 success, 1 input error or no such pid, 2 usage.",
     cmd_vad},
    {"procdump", "dump one process as a Windows minidump with a per-page account",
     "kensa mem procdump [OPTIONS] --pid N -o FILE.dmp IMAGE",
     IMAGE_INPUTS
     "Writes a full-memory minidump (SystemInfo, ModuleList, Memory64List,\n"
     "MemoryInfoList) that WinDbg and lldb open. Every page of every VAD is\n"
     "classified (resident, transition, pagefile, paged_out, demand_zero,\n"
     "invalid); only pages whose bytes are known are stored. The account is\n"
     "printed, stored in FILE.dmp.json and in the dump's comment stream.\n"
     "--pe DIR also rebuilds the process image and its DLLs as PE files\n"
     "(sections realigned to their virtual addresses, ImageBase set).\n\n"
     "exit status: 0 dump written, 1 input or write error, 2 usage.",
     cmd_procdump},
    {"dump-live", "dump a live Linux process (ELF core or minidump) with a per-region account", "kensa mem dump-live [OPTIONS] --pid N -o FILE", NULL, cmd_mem_dump_live},
    {0},
};

const cli_group cli_group_mem = {"mem", "Windows memory forensics: images, processes, reliable process dumps", commands};

/* ---- shared opener ---------------------------------------------------------------- */
typedef struct img_opts {
    const char *vmss, *pagefile, *symbols;
} img_opts;

#define IMG_OPTS(io) \
    {"vmss", 0, CLI_STR, &(io).vmss, "FILE", "VMware .vmss/.vmsn that maps a .vmem's memory regions"}, \
    {"pagefile", 0, CLI_STR, &(io).pagefile, "FILE", "pagefile.sys to resolve paged-out pages from"}, \
    {"symbols", 0, CLI_STR, &(io).symbols, "FILE", "Volatility 3 ISF (.json/.json.xz), used when its PDB GUID matches"}

static int open_all(const char *path, const img_opts *io, mem_image *img, mem_kernel *k)
{
    kn_err e;
    kn_err_clear(&e);
    if (mem_image_open(img, path, io->vmss, &e) != KN_OK) {
        if (img->fmt == MEM_FMT_MDMP) kn_errorf(path, KN_NO_OFFSET, "a minidump has no kernel; use 'kensa mem info' on it");
        else kn_err_print(&e);
        return 0;
    }
    if (e.msg[0]) kn_err_print(&e);   /* a usable image with a note (truncation) */
    if (io->pagefile && mem_image_set_pagefile(img, io->pagefile, &e) != KN_OK) { kn_err_print(&e); mem_image_close(img); return 0; }
    kn_err_clear(&e);
    if (mem_kernel_find(k, img, io->symbols, &e) != KN_OK) { kn_err_print(&e); mem_image_close(img); return 0; }
    return 1;
}

/* ---- info ------------------------------------------------------------------------- */
static int info_mdmp(const char *path)
{
    kn_map m;
    kn_err e;
    if (kn_map_open(&m, path, 0, 0, &e) != KN_OK) { kn_err_print(&e); return KN_EXIT_ERROR; }
    mdmp_file *f;
    if (mdmp_open(&f, m.data, m.size, path, &e) != KN_OK) { kn_err_print(&e); kn_map_close(&m); return KN_EXIT_ERROR; }
    const mdmp_system_info *si = mdmp_system(f);
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        kn_json_obj_begin(j);
        kn_json_kstr(j, "format", "minidump");
        kn_json_kuint(j, "size", m.size);
        if (si) {
            kn_json_key(j, "system");
            kn_json_obj_begin(j);
            kn_json_kuint(j, "arch", si->arch);
            kn_json_kuint(j, "processors", si->nprocs);
            kn_json_kuint(j, "major", si->major);
            kn_json_kuint(j, "minor", si->minor);
            kn_json_kuint(j, "build", si->build);
            kn_json_kuint(j, "platform", si->platform);
            kn_json_kstr(j, "csd_version", si->csd_version);
            kn_json_obj_end(j);
        }
        kn_json_key(j, "modules");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < mdmp_module_count(f); i++) {
            const mdmp_module *md = mdmp_module_at(f, i);
            kn_json_obj_begin(j);
            kn_json_khex(j, "base", md->base);
            kn_json_kuint(j, "size", md->size);
            kn_json_kstr(j, "name", md->name);
            kn_json_khex(j, "timestamp", md->timestamp);
            kn_json_khex(j, "checksum", md->checksum);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "threads");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < mdmp_thread_count(f); i++) {
            const mdmp_thread *t = mdmp_thread_at(f, i);
            kn_json_obj_begin(j);
            kn_json_kuint(j, "tid", t->tid);
            kn_json_khex(j, "teb", t->teb);
            kn_json_khex(j, "stack_start", t->stack_start);
            kn_json_kuint(j, "stack_size", t->stack_size);
            kn_json_kuint(j, "context_size", t->context_size);
            if (t->name) kn_json_kstr(j, "name", t->name);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "memory");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < mdmp_range_count(f); i++) {
            const mdmp_range *r = mdmp_range_at(f, i);
            kn_json_obj_begin(j);
            kn_json_khex(j, "start", r->va);
            kn_json_kuint(j, "size", r->size);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        const mdmp_exception *ex = mdmp_exception_info(f);
        if (ex) {
            kn_json_key(j, "exception");
            kn_json_obj_begin(j);
            kn_json_kuint(j, "tid", ex->tid);
            kn_json_khex(j, "code", ex->code);
            kn_json_khex(j, "address", ex->address);
            kn_json_kuint(j, "flags", ex->flags);
            kn_json_obj_end(j);
        }
        const char *cm = mdmp_comment(f);
        if (cm) kn_json_kstr(j, "comment", cm);
        kn_json_kuint(j, "warnings", mdmp_warning_count(f));
        kn_json_obj_end(j);
        kn_json_end_record(j);
        kn_json_free(j);
    } else {
        printf("format        minidump (%zu streams)\n", mdmp_stream_count(f));
        if (si)
            printf("system        Windows %u.%u.%u, arch %u, %u processors%s%s\n", si->major, si->minor, si->build, si->arch,
                   si->nprocs, si->csd_version[0] ? ", " : "", si->csd_version);
        printf("memory        %zu ranges, %" PRIu64 " bytes\n", mdmp_range_count(f), mdmp_memory_bytes(f));
        const mdmp_exception *ex = mdmp_exception_info(f);
        if (ex) printf("exception     0x%08x at 0x%" PRIx64 " in thread %u\n", ex->code, ex->address, ex->tid);
        const char *cm = mdmp_comment(f);
        if (cm) printf("comment       %s\n", cm);
        printf("\nmodules (%zu):\n", mdmp_module_count(f));
        const char *mh[] = {"base", ">size", "timestamp", "name", NULL};
        kn_table *t = kn_table_new(mh);
        for (size_t i = 0; i < mdmp_module_count(f); i++) {
            const mdmp_module *md = mdmp_module_at(f, i);
            kn_table_cellf(t, "0x%016" PRIx64, md->base);
            kn_table_cellf(t, "0x%x", md->size);
            kn_table_cellf(t, "0x%08x", md->timestamp);
            kn_table_cell(t, md->name);
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
        printf("\nthreads (%zu):\n", mdmp_thread_count(f));
        const char *th[] = {">tid", "teb", "stack", ">stack size", "name", NULL};
        t = kn_table_new(th);
        for (size_t i = 0; i < mdmp_thread_count(f); i++) {
            const mdmp_thread *td = mdmp_thread_at(f, i);
            kn_table_cellf(t, "%u", td->tid);
            kn_table_cellf(t, "0x%" PRIx64, td->teb);
            kn_table_cellf(t, "0x%" PRIx64, td->stack_start);
            kn_table_cellf(t, "%" PRIu64, td->stack_size);
            kn_table_cell(t, td->name ? td->name : "");
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
        printf("\nmemory ranges (%zu):\n", mdmp_range_count(f));
        const char *rh[] = {"start", "end", ">size", NULL};
        t = kn_table_new(rh);
        for (size_t i = 0; i < mdmp_range_count(f); i++) {
            const mdmp_range *r = mdmp_range_at(f, i);
            kn_table_cellf(t, "0x%016" PRIx64, r->va);
            kn_table_cellf(t, "0x%016" PRIx64, r->va + r->size);
            kn_table_cellf(t, "%" PRIu64, r->size);
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
    }
    uint64_t nw = mdmp_warning_count(f);
    for (size_t i = 0; i < nw && i < 16; i++) kn_errorf(path, KN_NO_OFFSET, "%s", mdmp_warning_text(f, i));
    mdmp_close(f);
    kn_map_close(&m);
    return KN_EXIT_OK;
}

/* "+0x1a8", or "?" for an offset that was not found */
static const char *off_str(int32_t v, char *buf, size_t n)
{
    if (v < 0) snprintf(buf, n, "?");
    else snprintf(buf, n, "+0x%x", (unsigned)v);
    return buf;
}

static int cmd_info(int argc, char **argv)
{
    img_opts io = {0};
    const cli_opt opts[] = {IMG_OPTS(io), {0}};
    char **pos;
    int npos;
    int rc = cli_parse(&commands[0], opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    mem_image img;
    kn_err e;
    kn_err_clear(&e);
    if (mem_image_open(&img, pos[0], io.vmss, &e) != KN_OK) {
        if (img.fmt == MEM_FMT_MDMP) return info_mdmp(pos[0]);
        kn_err_print(&e);
        return KN_EXIT_ERROR;
    }
    if (e.msg[0]) kn_err_print(&e);
    if (io.pagefile && mem_image_set_pagefile(&img, io.pagefile, &e) != KN_OK) { kn_err_print(&e); mem_image_close(&img); return KN_EXIT_ERROR; }
    mem_kernel k;
    kn_err_clear(&e);
    kn_status st = mem_kernel_find(&k, &img, io.symbols, &e);
    if (st != KN_OK && e.status != KN_ERR_NOTFOUND) { kn_err_print(&e); mem_image_close(&img); return KN_EXIT_ERROR; }
    int have_k = st == KN_OK;
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        kn_json_obj_begin(j);
        kn_json_kstr(j, "format", mem_format_name(img.fmt));
        if (img.fmt == MEM_FMT_CRASH_FULL || img.fmt == MEM_FMT_CRASH_BITMAP) {
            kn_json_kuint(j, "crash_dump_type", img.crash_type);
            kn_json_kuint(j, "processors", img.crash_cpus);
        }
        kn_json_kuint(j, "file_size", img.size);
        kn_json_kuint(j, "physical_bytes", img.present);
        kn_json_khex(j, "physical_end", img.phys_end);
        kn_json_key(j, "ranges");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < img.nruns; i++) {
            kn_json_obj_begin(j);
            kn_json_khex(j, "start", img.runs[i].pa);
            kn_json_khex(j, "end", img.runs[i].pa + img.runs[i].len);
            kn_json_kuint(j, "file_offset", img.runs[i].off);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        if (have_k) {
            kn_json_khex(j, "dtb", k.kas.dtb);
            kn_json_kstr(j, "dtb_source", k.dtb_source);
            if (k.system_dtb) kn_json_khex(j, "system_dtb", k.system_dtb);
            if (k.base) kn_json_khex(j, "kernel_base", k.base); else kn_json_kstr(j, "kernel_base", NULL);
            kn_json_kuint(j, "kernel_size", k.image_size);
            if (k.have_pdb) { kn_json_kstr(j, "pdb", k.pdb_name); kn_json_kstr(j, "pdb_guid_age", k.guid_str); }
            kn_json_kuint(j, "major", k.major);
            kn_json_kuint(j, "minor", k.minor);
            kn_json_kuint(j, "build", k.build);
            if (k.ps_head) kn_json_khex(j, "ps_active_process_head", k.ps_head);
            if (k.head_source) kn_json_kstr(j, "ps_head_source", k.head_source);
            if (k.lay.links > 0) {
                kn_json_key(j, "eprocess");
                kn_json_obj_begin(j);
                kn_json_kstr(j, "source", k.lay.source);
                kn_json_kint(j, "UniqueProcessId", k.lay.pid);
                kn_json_kint(j, "ActiveProcessLinks", k.lay.links);
                kn_json_kint(j, "ImageFileName", k.lay.name);
                kn_json_kint(j, "InheritedFromUniqueProcessId", k.lay.ppid);
                kn_json_kint(j, "CreateTime", k.lay.create);
                kn_json_kint(j, "Peb", k.lay.peb);
                kn_json_kint(j, "SectionBaseAddress", k.lay.section_base);
                kn_json_kint(j, "VadRoot", k.lay.vadroot);
                kn_json_kint(j, "ThreadListHead", k.lay.thread_head);
                kn_json_kint(j, "ActiveThreads", k.lay.active_threads);
                kn_json_obj_end(j);
            }
            if (k.have_vad) kn_json_kstr(j, "vad_layout", k.vad.name);
            if (k.eth_cid >= 0) {
                kn_json_key(j, "threads");
                kn_json_obj_begin(j);
                kn_json_kstr(j, "source", k.thread_source);
                kn_json_kint(j, "ETHREAD.ThreadListEntry", k.eth_tle);
                kn_json_kint(j, "ETHREAD.Cid", k.eth_cid);
                kn_json_kint(j, "KTHREAD.Teb", k.kt_teb);
                kn_json_kint(j, "KTHREAD.TrapFrame", k.kt_trap);
                kn_json_obj_end(j);
            }
            if (k.symbols[0]) kn_json_kstr(j, "symbols", k.symbols);
        } else {
            kn_json_kstr(j, "kernel_error", e.msg);
        }
        kn_json_obj_end(j);
        kn_json_end_record(j);
        kn_json_free(j);
    } else {
        printf("format        %s", mem_format_name(img.fmt));
        if (img.fmt == MEM_FMT_CRASH_FULL || img.fmt == MEM_FMT_CRASH_BITMAP)
            printf(" (dump type %u, %u processors)", img.crash_type, img.crash_cpus);
        printf("\n");
        printf("file size     %" PRIu64 " bytes\n", img.size);
        printf("physical      %" PRIu64 " bytes in %zu ranges, highest address 0x%" PRIx64 "\n", img.present, img.nruns, img.phys_end);
        for (size_t i = 0; i < img.nruns && i < 32; i++)
            printf("  range       0x%012" PRIx64 "-0x%012" PRIx64 " at file offset 0x%" PRIx64 "\n", img.runs[i].pa,
                   img.runs[i].pa + img.runs[i].len, img.runs[i].off);
        if (img.nruns > 32) printf("  ...         %zu more ranges\n", img.nruns - 32);
        if (have_k) {
            printf("DTB           0x%" PRIx64 " (%s)\n", k.kas.dtb, k.dtb_source);
            if (k.system_dtb && k.system_dtb != k.kas.dtb) printf("System DTB    0x%" PRIx64 "\n", k.system_dtb);
            if (k.base) printf("kernel base   0x%" PRIx64 " (size 0x%x)\n", k.base, k.image_size);
            else printf("kernel base   not found\n");
            if (k.have_pdb) printf("PDB           %s %s\n", k.pdb_name, k.guid_str);
            if (k.major) printf("version       %u.%u build %u\n", k.major, k.minor, k.build);
            if (k.ps_head) printf("process list  0x%" PRIx64 " (%s)\n", k.ps_head, k.head_source);
            char o1[16], o2[16], o3[16], o4[16], o5[16], o6[16], o7[16];
            if (k.lay.links > 0)
                printf("EPROCESS      from %s: pid %s, links %s, name %s, ppid %s, create %s, peb %s, vadroot %s\n", k.lay.source,
                       off_str(k.lay.pid, o1, 16), off_str(k.lay.links, o2, 16), off_str(k.lay.name, o3, 16), off_str(k.lay.ppid, o4, 16),
                       off_str(k.lay.create, o5, 16), off_str(k.lay.peb, o6, 16), off_str(k.lay.vadroot, o7, 16));
            if (k.have_vad) printf("VAD layout    %s\n", k.vad.name);
            if (k.eth_cid >= 0)
                printf("threads       from %s: ETHREAD list %s, Cid %s, KTHREAD.Teb %s, TrapFrame %s\n", k.thread_source,
                       off_str(k.eth_tle, o1, 16), off_str(k.eth_cid, o2, 16), off_str(k.kt_teb, o3, 16), off_str(k.kt_trap, o4, 16));
            if (k.symbols[0]) printf("symbols       %s\n", k.symbols);
        } else {
            printf("kernel        not found: %s\n", e.msg);
        }
    }
    mem_image_close(&img);
    return KN_EXIT_OK;
}

/* ---- pslist / psscan ---------------------------------------------------------------- */
static void print_procs(const mem_proclist *l, int scan)
{
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        for (size_t i = 0; i < l->n; i++) {
            const mem_process *p = &l->v[i];
            char ct[48], et[48];
            mem_filetime_str(p->create, ct, sizeof ct);
            mem_filetime_str(p->exit, et, sizeof et);
            kn_json_obj_begin(j);
            kn_json_kuint(j, "pid", p->pid);
            kn_json_kuint(j, "ppid", p->ppid);
            kn_json_kstr(j, "name", p->name);
            kn_json_kstr(j, "create_time", p->create ? ct : NULL);
            kn_json_kstr(j, "exit_time", p->exit ? et : NULL);
            kn_json_khex(j, "dtb", p->dtb);
            if (scan) {
                kn_json_khex(j, "offset", p->eproc_pa);
                if (p->eproc) kn_json_khex(j, "eprocess", p->eproc); else kn_json_kstr(j, "eprocess", NULL);
            } else {
                kn_json_khex(j, "eprocess", p->eproc);
            }
            kn_json_kuint(j, "threads", p->threads);
            if (p->wow64 >= 0) kn_json_kbool(j, "wow64", p->wow64); else kn_json_kstr(j, "wow64", NULL);
            if (p->peb) kn_json_khex(j, "peb", p->peb);
            if (scan) kn_json_kbool(j, "listed", p->in_list);
            kn_json_obj_end(j);
            kn_json_end_record(j);
        }
        kn_json_free(j);
        return;
    }
    const char *h1[] = {">pid", ">ppid", "name", "create", "exit", "dtb", "eprocess", ">threads", "wow64", NULL};
    const char *h2[] = {">pid", ">ppid", "name", "create", "exit", "dtb", "offset(P)", ">threads", "wow64", "listed", NULL};
    kn_table *t = kn_table_new(scan ? h2 : h1);
    for (size_t i = 0; i < l->n; i++) {
        const mem_process *p = &l->v[i];
        char ct[48], et[48];
        mem_filetime_str(p->create, ct, sizeof ct);
        mem_filetime_str(p->exit, et, sizeof et);
        kn_table_cellf(t, "%" PRIu64, p->pid);
        kn_table_cellf(t, "%" PRIu64, p->ppid);
        kn_table_cell(t, p->name);
        kn_table_cell(t, ct);
        kn_table_cell(t, et);
        kn_table_cellf(t, "0x%" PRIx64, p->dtb);
        kn_table_cellf(t, "0x%" PRIx64, scan ? p->eproc_pa : p->eproc);
        kn_table_cellf(t, "%u", p->threads);
        kn_table_cell(t, p->wow64 < 0 ? "?" : p->wow64 ? "yes" : "no");
        if (scan) kn_table_cell(t, p->in_list ? "yes" : "NO");
    }
    kn_table_print(t, stdout);
    kn_table_free(t);
}

static int cmd_pslist(int argc, char **argv)
{
    img_opts io = {0};
    const cli_opt opts[] = {IMG_OPTS(io), {0}};
    char **pos;
    int npos;
    int rc = cli_parse(&commands[1], opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    mem_image img;
    mem_kernel k;
    if (!open_all(pos[0], &io, &img, &k)) return KN_EXIT_ERROR;
    mem_proclist l;
    kn_err e;
    if (mem_pslist(&k, &l, &e) != KN_OK) { kn_err_print(&e); mem_image_close(&img); return KN_EXIT_ERROR; }
    print_procs(&l, 0);
    if (l.cycle) kn_errorf(pos[0], KN_NO_OFFSET, "the process list loops; stopped after %zu processes", l.n);
    else if (l.truncated) kn_errorf(pos[0], KN_NO_OFFSET, "the process list ends early (smear or damage) after %zu processes", l.n);
    mem_proclist_free(&l);
    mem_image_close(&img);
    return KN_EXIT_OK;
}

static int cmd_psscan(int argc, char **argv)
{
    img_opts io = {0};
    const cli_opt opts[] = {IMG_OPTS(io), {0}};
    char **pos;
    int npos;
    int rc = cli_parse(&commands[2], opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    mem_image img;
    mem_kernel k;
    if (!open_all(pos[0], &io, &img, &k)) return KN_EXIT_ERROR;
    mem_proclist active, l;
    kn_err e;
    if (mem_pslist(&k, &active, &e) != KN_OK) memset(&active, 0, sizeof active);
    if (mem_psscan(&k, &active, &l, &e) != KN_OK) { kn_err_print(&e); mem_proclist_free(&active); mem_image_close(&img); return KN_EXIT_ERROR; }
    print_procs(&l, 1);
    mem_proclist_free(&l);
    mem_proclist_free(&active);
    mem_image_close(&img);
    return KN_EXIT_OK;
}

/* The active list first; then a physical scan, so unlinked (hidden) and
 * exited processes can be examined too. */
static int find_pid(const char *path, const mem_kernel *k, int64_t pid, mem_process *out)
{
    mem_proclist l, s;
    kn_err e;
    if (mem_pslist(k, &l, &e) != KN_OK) memset(&l, 0, sizeof l);
    int found = 0;
    for (size_t i = 0; i < l.n && !found; i++)
        if ((int64_t)l.v[i].pid == pid) { *out = l.v[i]; found = 1; }
    if (!found && mem_psscan(k, &l, &s, &e) == KN_OK) {
        for (size_t i = 0; i < s.n && !found; i++)
            if ((int64_t)s.v[i].pid == pid && s.v[i].eproc) { *out = s.v[i]; found = 1; }
        mem_proclist_free(&s);
        if (found && !cli.quiet)
            fprintf(stderr, "kensa: note: pid %" PRId64 " is not on the active process list; using the EPROCESS found by psscan at physical 0x%" PRIx64 "\n",
                    pid, out->eproc_pa);
    }
    mem_proclist_free(&l);
    if (!found) kn_errorf(path, KN_NO_OFFSET, "no process with pid %" PRId64 " on the process list or in a physical scan", pid);
    return found;
}

static int cmd_vad(int argc, char **argv)
{
    img_opts io = {0};
    int64_t pid = -1;
    const cli_opt opts[] = {IMG_OPTS(io), {"pid", 'p', CLI_INT, &pid, "N", "process id (required)"}, {0}};
    char **pos;
    int npos;
    int rc = cli_parse(&commands[3], opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    if (pid < 0) return cli_usage_error(&commands[3], "--pid is required");
    mem_image img;
    mem_kernel k;
    if (!open_all(pos[0], &io, &img, &k)) return KN_EXIT_ERROR;
    mem_process p;
    if (!find_pid(pos[0], &k, pid, &p)) { mem_image_close(&img); return KN_EXIT_ERROR; }
    mem_vadlist v;
    kn_err e;
    if (mem_vads(&k, &p, &v, &e) != KN_OK) { kn_err_print(&e); mem_image_close(&img); return KN_EXIT_ERROR; }
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        for (size_t i = 0; i < v.n; i++) {
            const mem_vad *d = &v.v[i];
            kn_json_obj_begin(j);
            kn_json_khex(j, "start", d->start);
            kn_json_khex(j, "end", d->end);
            kn_json_kstr(j, "protection", mem_protection_name(d->protection));
            kn_json_kuint(j, "protection_index", d->protection);
            kn_json_kstr(j, "type", mem_vad_type_name(d->type));
            kn_json_kbool(j, "private", d->private_mem);
            kn_json_kbool(j, "commit", d->commit);
            kn_json_khex(j, "node", d->node);
            kn_json_kstr(j, "file", d->file[0] ? d->file : NULL);
            kn_json_obj_end(j);
            kn_json_end_record(j);
        }
        kn_json_free(j);
    } else {
        const char *h[] = {"start", "end", "protection", "type", "private", "file", NULL};
        kn_table *t = kn_table_new(h);
        for (size_t i = 0; i < v.n; i++) {
            const mem_vad *d = &v.v[i];
            kn_table_cellf(t, "0x%012" PRIx64, d->start);
            kn_table_cellf(t, "0x%012" PRIx64, d->end);
            kn_table_cell(t, mem_protection_name(d->protection));
            kn_table_cell(t, mem_vad_type_name(d->type));
            kn_table_cell(t, d->private_mem ? "yes" : "no");
            kn_table_cell(t, d->file);
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
    }
    if (v.cycle) kn_errorf(pos[0], KN_NO_OFFSET, "the VAD tree of pid %" PRId64 " loops; the loop was cut", pid);
    if (v.truncated) kn_errorf(pos[0], KN_NO_OFFSET, "the VAD tree of pid %" PRId64 " is damaged or too deep; listing is partial", pid);
    mem_vadlist_free(&v);
    mem_image_close(&img);
    return KN_EXIT_OK;
}

static int cmd_procdump(int argc, char **argv)
{
    img_opts io = {0};
    int64_t pid = -1;
    mem_dump_options o = {0};
    const cli_opt opts[] = {
        IMG_OPTS(io),
        {"pid", 'p', CLI_INT, &pid, "N", "process id (required)"},
        {"output", 'o', CLI_STR, &o.out_path, "FILE.dmp", "minidump to write (required)"},
        {"pe", 0, CLI_STR, &o.pe_dir, "DIR", "also rebuild the image and DLLs as PE files in DIR"},
        {"sidecar", 0, CLI_STR, &o.sidecar, "FILE", "JSON account path (default FILE.dmp.json)"},
        {0}};
    char **pos;
    int npos;
    int rc = cli_parse(&commands[4], opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    if (pid < 0) return cli_usage_error(&commands[4], "--pid is required");
    if (!o.out_path) return cli_usage_error(&commands[4], "-o FILE.dmp is required");
    mem_image img;
    mem_kernel k;
    if (!open_all(pos[0], &io, &img, &k)) return KN_EXIT_ERROR;
    mem_process p;
    if (!find_pid(pos[0], &k, pid, &p)) { mem_image_close(&img); return KN_EXIT_ERROR; }
    mem_dump_stats st;
    kn_err e;
    kn_err_clear(&e);
    if (mem_procdump(&k, &p, &o, &st, &e) != KN_OK) { kn_err_print(&e); mem_image_close(&img); return KN_EXIT_ERROR; }
    uint64_t total = 0;
    for (int i = 0; i < MEM_PG_NCLASS; i++) total += st.pages[i];
    if (st.over_budget)
        kn_errorf(pos[0], KN_NO_OFFSET, "pid %" PRId64 "'s page tables name more pages than memory plus pagefile could hold; the dump stops there", pid);
    if (st.damaged_vads)
        kn_errorf(pos[0], KN_NO_OFFSET, "%" PRIu64 " VADs of pid %" PRId64 " are damaged (overlapping, or larger than memory plus pagefile could commit); "
                  "only pages their page tables name were taken from them", st.damaged_vads, pid);
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        kn_json_obj_begin(j);
        kn_json_kstr(j, "dump", o.out_path);
        kn_json_kuint(j, "pid", p.pid);
        kn_json_kstr(j, "name", p.name);
        kn_json_key(j, "pages");
        kn_json_obj_begin(j);
        for (int i = 0; i < MEM_PG_NCLASS; i++) kn_json_kuint(j, mem_page_class_name((mem_page_class)i), st.pages[i]);
        kn_json_kuint(j, "total", total);
        kn_json_kuint(j, "via_prototype", st.proto_pages);
        kn_json_obj_end(j);
        kn_json_kuint(j, "bytes_in_dump", st.bytes_written);
        kn_json_kuint(j, "modules", st.modules);
        kn_json_kuint(j, "threads", st.threads);
        kn_json_kuint(j, "regions", st.regions);
        kn_json_obj_end(j);
        kn_json_end_record(j);
        kn_json_free(j);
    } else if (!cli.quiet) {
        printf("dumped pid %" PRIu64 " (%s) to %s: %" PRIu64 " regions, %" PRIu64 " modules, %" PRIu64 " threads, %" PRIu64 " bytes\n",
               p.pid, p.name, o.out_path, st.regions, st.modules, st.threads, st.bytes_written);
        const char *h[] = {"page class", ">pages", ">percent", "in dump", NULL};
        kn_table *t = kn_table_new(h);
        for (int i = 0; i < MEM_PG_NCLASS; i++) {
            kn_table_cell(t, mem_page_class_name((mem_page_class)i));
            kn_table_cellf(t, "%" PRIu64, st.pages[i]);
            kn_table_cellf(t, "%.1f", total ? 100.0 * (double)st.pages[i] / (double)total : 0.0);
            kn_table_cell(t, (i == MEM_PG_PAGED_OUT || i == MEM_PG_INVALID) ? "no" : "yes");
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
        printf("(%" PRIu64 " pages resolved via prototype PTEs; account also in %s%s and the dump's comment stream)\n",
               st.proto_pages, o.sidecar ? o.sidecar : o.out_path, o.sidecar ? "" : ".json");
        if (o.pe_dir)
            printf("rebuilt %" PRIu64 " PE files in %s (%" PRIu64 " unreadable pages zero-filled, %" PRIu64 " modules failed)\n",
                   st.pe_files, o.pe_dir, st.pe_missing_pages, st.pe_failed);
    }
    mem_image_close(&img);
    return KN_EXIT_OK;
}
