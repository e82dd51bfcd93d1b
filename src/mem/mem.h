/* mem.h: the mem engine's public interface (Windows x64 memory forensics).
 *
 * Layers, each usable on its own (the fuzzers drive them separately):
 *
 *  1. mem_image (image.c): a memory image opened by content (raw, crash
 *     dump, LiME, ELF core, VMware vmem/vmss) as a sorted table of
 *     physical runs into the mapped file. Holes are simply absent runs, so
 *     every consumer sees "no such page" the same way in every format.
 *  2. mem_as (vtop.c): x64 4-level translation over an image, with 1 GiB
 *     and 2 MiB pages, transition, prototype, pagefile and demand-zero PTEs.
 *     Every page lookup returns a class (mem_page_class) so callers can
 *     say, for every byte, whether it is real.
 *  3. mem_kernel (kernel.c): the DTB, ntoskrnl, its PDB identity and the
 *     EPROCESS layout found from structure (no symbols needed); with an
 *     optional Volatility 3 ISF (isf.c) matched by PDB GUID.
 *  4. processes (process.c), VADs (vad.c) and process dumps (procdump.c).
 *
 * Invariants: image runs are sorted by physical address, page aligned
 * (except a raw image's tail) and non-overlapping; all reads are bounded by
 * the mapping; list walks are bounded (MEM_MAX_*) and detect cycles. */
#ifndef KENSA_MEM_MEM_H
#define KENSA_MEM_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/input.h"

#define MEM_PAGE 4096u
#define MEM_MAX_PROCESSES 65536u  /* list walk bound */
#define MEM_MAX_VADS 1000000u     /* per process */
#define MEM_MAX_MODULES 4096u
#define MEM_MAX_THREADS 65536u

/* ---- images --------------------------------------------------------------- */
typedef enum mem_format {
    MEM_FMT_RAW = 0,
    MEM_FMT_CRASH_FULL,    /* PAGEDU64 type 1, run-based */
    MEM_FMT_CRASH_BITMAP,  /* PAGEDU64 types 5, 6 */
    MEM_FMT_LIME,
    MEM_FMT_ELF,           /* QEMU dump-guest-memory, VirtualBox dumpvmcore */
    MEM_FMT_VMEM,          /* VMware .vmem (+ .vmss/.vmsn region map) */
    MEM_FMT_VMSN,          /* VMware snapshot holding its memory ("Memory" tag) */
    MEM_FMT_MDMP,          /* user-mode minidump: not a physical image */
} mem_format;

const char *mem_format_name(mem_format f);

typedef struct mem_run {
    uint64_t pa, len;      /* physical range */
    uint64_t off;          /* file offset of pa */
} mem_run;

typedef struct mem_image {
    kn_map map, side_map, pf_map;
    const uint8_t *data;   /* whole file */
    uint64_t size;
    const char *name;
    mem_format fmt;
    mem_run *runs;
    size_t nruns;
    uint64_t phys_end;     /* highest mapped pa + 1 */
    uint64_t present;      /* bytes of physical memory in the image */
    /* Hints a container carries (0 when absent). */
    uint64_t hint_dtb, hint_ps_head, hint_module_list, hint_kdbg;
    uint32_t crash_type, crash_cpus;
    /* Optional pagefile.sys (index 0). */
    const uint8_t *pagefile;
    uint64_t pagefile_size;
} mem_image;

/* Opens path by content. side (may be NULL) is a .vmss/.vmsn that maps a
 * .vmem. Returns KN_ERR_UNSUPPORTED with fmt == MEM_FMT_MDMP set when the
 * file is a minidump (callers use the minidump reader instead). */
kn_status mem_image_open(mem_image *img, const char *path, const char *side, kn_err *e);
/* Same over bytes in memory (not copied), for fuzzing and tests. */
kn_status mem_image_open_mem(mem_image *img, const uint8_t *data, size_t size, const char *name,
                             const uint8_t *side, size_t side_size, kn_err *e);
kn_status mem_image_set_pagefile(mem_image *img, const char *path, kn_err *e);
void mem_image_close(mem_image *img);
/* Pointer to the 4 KiB page holding pa, or NULL when the image lacks it. */
const uint8_t *mem_phys_page(const mem_image *img, uint64_t pa);
/* Copies up to n bytes at pa; returns bytes copied before the first hole. */
size_t mem_phys_read(const mem_image *img, uint64_t pa, void *buf, size_t n);

/* ---- translation ----------------------------------------------------------- */
typedef enum mem_page_class {
    MEM_PG_RESIDENT = 0,   /* valid PTE: bytes in the image */
    MEM_PG_TRANSITION,     /* transition PTE: PFN still holds the bytes */
    MEM_PG_PAGEFILE,       /* bytes read from --pagefile */
    MEM_PG_PAGED_OUT,      /* in pagefile or mapped file, bytes unavailable */
    MEM_PG_DEMAND_ZERO,    /* committed, never touched: zeros by definition */
    MEM_PG_INVALID,        /* not mapped (or the image lacks the frame) */
    MEM_PG_NCLASS
} mem_page_class;

const char *mem_page_class_name(mem_page_class c);

#define MEM_PGF_PROTO 1u      /* resolved through a prototype PTE */
#define MEM_PGF_LARGE 2u      /* 2 MiB or 1 GiB page */
#define MEM_PGF_VADPROTO 4u   /* prototype held in the VAD (needs VAD to resolve) */
#define MEM_PGF_NOFRAME 8u    /* PTE names a frame the image lacks */

typedef struct mem_page {
    mem_page_class cls;
    unsigned flags;
    const uint8_t *data;   /* 4 KiB of page bytes when readable, else NULL */
    uint64_t pa;           /* physical page address (resident/transition) */
    uint64_t pte;          /* the final PTE looked at */
    uint64_t span;         /* MEM_PG_INVALID from an empty upper-level entry:
                              the bytes that entry covers (else 4096) */
} mem_page;

typedef struct mem_as {
    const mem_image *img;
    uint64_t dtb;          /* this address space's PML4 physical address */
    uint64_t kdtb;         /* kernel DTB, for prototype PTEs (0 = dtb) */
    unsigned depth;        /* prototype nesting (bounded; 0 for callers) */
} mem_as;

/* Classifies the page holding va and points at its bytes when readable. */
mem_page_class mem_translate(const mem_as *as, uint64_t va, mem_page *out);
/* Resolves a prototype PTE value (as found in a segment) into out. */
mem_page_class mem_resolve_proto(const mem_as *as, uint64_t proto_pte, mem_page *out);
/* Reads n bytes at va; returns the number of leading bytes readable. */
size_t mem_vread(const mem_as *as, uint64_t va, void *buf, size_t n);
int mem_vread_u64(const mem_as *as, uint64_t va, uint64_t *v);
int mem_vread_u32(const mem_as *as, uint64_t va, uint32_t *v);
/* Reads a UNICODE_STRING at va as UTF-8 into out (n bytes, NUL ended). */
int mem_read_ustr(const mem_as *as, uint64_t va, char *out, size_t n);

static inline int mem_is_kernel_va(uint64_t v) { return v >= 0xffff800000000000ull; }
static inline int mem_is_user_va(uint64_t v) { return v > 0 && v < 0x800000000000ull; }

/* ---- kernel ------------------------------------------------------------------ */
typedef struct mem_eproc_layout {
    int32_t pid, links, name, ppid, create, exit, peb, vadroot, section_base,
        thread_head, active_threads, wow64, object_table;
    int32_t size_hint;
    const char *source;    /* "structure", "ISF", ... */
} mem_eproc_layout;

/* VAD layout families (Windows 7 AVL nodes; Windows 10 balanced nodes). */
typedef struct mem_vad_layout {
    int family;            /* 7 = _MMADDRESS_NODE, 10 = _RTL_BALANCED_NODE */
    int root_is_table;     /* VadRoot embeds _MM_AVL_TABLE (root at +0x10) */
    int32_t left, right, start, end, start_high, end_high, flags, flags1;
    int flags_64;          /* VadFlags is 64-bit (Win7) */
    int type_bit, type_len, prot_bit, prot_len, private_bit, commit_bit; /* commit_bit in flags (-1: flags1 bit 31) */
    int32_t subsection, first_proto;
    int32_t ca_file, fo_name;  /* CONTROL_AREA.FilePointer, FILE_OBJECT.FileName */
    const char *name;
} mem_vad_layout;

typedef struct mem_kernel {
    const mem_image *img;
    mem_as kas;
    const char *dtb_source;
    uint64_t base;            /* ntoskrnl base VA, 0 if not found */
    uint32_t image_size;
    int have_pdb;
    uint8_t guid[16];
    uint32_t age;
    char pdb_name[64];
    char guid_str[40];        /* GUID+age as symbol servers write it */
    uint32_t major, minor, build;
    uint64_t ps_head;         /* PsActiveProcessHead VA */
    const char *head_source;
    uint64_t system_eproc;
    uint64_t system_dtb;      /* System's DirectoryTableBase (the kernel's own) */
    mem_eproc_layout lay;
    mem_vad_layout vad;
    int have_vad;
    char symbols[512];        /* ISF used, "" if none */
    /* ISF symbol RVAs (0 = unknown) */
    uint64_t isf_ps_head_rva;
    /* thread layout (-1 = unknown): ETHREAD.ThreadListEntry, ETHREAD.Cid,
     * KTHREAD.Teb, KTHREAD.TrapFrame */
    int32_t eth_tle, eth_cid, kt_teb, kt_trap;
    const char *thread_source;
} mem_kernel;

/* Finds DTB, kernel, layout. isf_path may be NULL. Fills as much as it can;
 * returns an error only when no DTB could be found. */
kn_status mem_kernel_find(mem_kernel *k, const mem_image *img, const char *isf_path, kn_err *e);

/* Loads a Volatility 3 ISF (.json or .json.xz) and applies its offsets to k
 * when its PDB GUID matches (or force is set). */
kn_status mem_isf_apply(mem_kernel *k, const char *path, int force, kn_err *e);

/* ---- processes --------------------------------------------------------------- */
typedef struct mem_process {
    uint64_t eproc;           /* EPROCESS virtual address (0: unknown, psscan) */
    uint64_t eproc_pa;        /* physical address (psscan), 0 from pslist */
    uint64_t pid, ppid, dtb, peb, vadroot, section_base;
    uint64_t create, exit;    /* FILETIME */
    uint32_t threads;
    int wow64;                /* -1 unknown */
    int in_list;              /* found on the active process list */
    char name[16];
} mem_process;

typedef struct mem_proclist {
    mem_process *v;
    size_t n, cap;
    int truncated;            /* list ended early (smear) or hit a limit */
    int cycle;                /* a loop was detected and cut */
} mem_proclist;

kn_status mem_pslist(const mem_kernel *k, mem_proclist *out, kn_err *e);
/* Physical scan for EPROCESS candidates; marks in_list against `active`. */
kn_status mem_psscan(const mem_kernel *k, const mem_proclist *active, mem_proclist *out, kn_err *e);
void mem_proclist_free(mem_proclist *l);
/* FILETIME to RFC 3339 ("" for 0). */
void mem_filetime_str(uint64_t ft, char *buf, size_t n);

/* ---- threads ------------------------------------------------------------------ */
typedef struct mem_thread {
    uint64_t ethread, tid, teb;
    uint64_t stack_base, stack_limit;   /* from the TEB (user stack), 0 if unreadable */
    int have_context;                   /* user registers from the trap frame */
    uint64_t rip, rsp, rbp, rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, eflags;
    uint16_t cs, ss;
} mem_thread;
typedef struct mem_threadlist { mem_thread *v; size_t n, cap; int cycle, truncated; } mem_threadlist;

/* Finds the thread layout from structure (called by mem_kernel_find). */
void mem_thread_find_layout(mem_kernel *k);
kn_status mem_threads(const mem_kernel *k, const mem_process *p, mem_threadlist *out, kn_err *e);
void mem_threadlist_free(mem_threadlist *l);
/* Fills a Windows AMD64 CONTEXT (MDMP_CONTEXT_AMD64_SIZE bytes) from t. */
void mem_thread_context(const mem_thread *t, uint8_t *ctx, size_t n);

/* ---- VADs -------------------------------------------------------------------- */
typedef struct mem_vad {
    uint64_t start, end;      /* VA range, end inclusive of last byte + 1 (exclusive) */
    uint64_t node;            /* VAD node VA */
    uint32_t type, protection;/* VadType, MM protection index (0..31) */
    int private_mem, commit;
    uint64_t first_proto;     /* FirstPrototypePte (0 if none) */
    char file[260];           /* mapped file, "" if none */
} mem_vad;

typedef struct mem_vadlist {
    mem_vad *v;
    size_t n, cap;
    int cycle, truncated;
} mem_vadlist;

kn_status mem_vads(const mem_kernel *k, const mem_process *p, mem_vadlist *out, kn_err *e);
void mem_vadlist_free(mem_vadlist *l);
const char *mem_vad_type_name(uint32_t t);
const char *mem_protection_name(uint32_t p);   /* "PAGE_EXECUTE_READ" ... */
uint32_t mem_protection_win32(uint32_t p);     /* MM index -> PAGE_* constant */

/* ---- process dumps ----------------------------------------------------------- */
typedef struct mem_dump_stats {
    uint64_t pages[MEM_PG_NCLASS];
    uint64_t proto_pages, bytes_written, regions, modules, threads;
    uint64_t damaged_vads;    /* VADs larger than the commit limit allows */
    uint64_t pe_files, pe_failed, pe_missing_pages;   /* --pe results */
    int over_budget;          /* stopped: more pages than memory + pagefile could hold */
} mem_dump_stats;

typedef struct mem_dump_options {
    const char *out_path;     /* FILE.dmp */
    const char *pe_dir;       /* --pe DIR or NULL */
    const char *sidecar;      /* JSON sidecar path (default OUT.json) */
} mem_dump_options;

kn_status mem_procdump(const mem_kernel *k, const mem_process *p, const mem_dump_options *o,
                       mem_dump_stats *st, kn_err *e);

/* Module list from the PEB loader data (falls back to image VADs). */
typedef struct mem_module {
    uint64_t base;
    uint32_t size, timestamp, checksum;
    char name[260];           /* full path as recorded, UTF-8 */
} mem_module;
typedef struct mem_modlist { mem_module *v; size_t n, cap; } mem_modlist;
kn_status mem_modules(const mem_kernel *k, const mem_process *p, const mem_vadlist *vads,
                      mem_modlist *out, kn_err *e);
void mem_modlist_free(mem_modlist *l);

/* Rebuilds the PE at base (read through as) into a file: section headers
 * realigned so raw offsets equal virtual addresses, ImageBase set to base.
 * Unreadable pages are zero-filled and counted in *missing_pages. */
kn_status mem_pe_rebuild(const mem_as *as, uint64_t base, const char *path, uint64_t *missing_pages,
                         kn_err *e);

#endif
