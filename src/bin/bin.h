/* bin.h: the bin engine's public interface (static binary analysis).
 *
 * Two stages, two objects:
 *
 *  - bin_image (image.c, elf.c, pe.c, minidump.c): a loaded program image.
 *    Whatever the container (ELF, PE/PE32+ in file or memory layout, a raw
 *    blob, a module inside a minidump), it becomes a list of sections with
 *    virtual addresses and the bytes the file really holds for them, plus
 *    the metadata the container offers (entry, symbols, imports, exports,
 *    unwind-table function starts, relocated pointer slots). Headers are
 *    untrusted: every count and offset is bounds-checked, sections that
 *    overlap or point outside the file are clipped (with a counted warning),
 *    and absurd sizes stop with KN_ERR_LIMIT.
 *
 *  - bin_analysis (analyze.c, jumptab.c, funcs.c): instructions, basic
 *    blocks, edges, functions and calls recovered from the bytes alone.
 *    Symbols, unwind tables, exports and the entry point are used only when
 *    bin_analyze_opts.hints is set. Per-byte state lives in flat arrays
 *    indexed by the byte's offset in the concatenated executable regions
 *    ("code index"), so the analysis does no per-instruction allocation and
 *    its memory is a fixed multiple of the code size (see docs/bin.md).
 *
 * Invariants: sections are sorted by va and do not overlap; data_size <=
 * size; every analysis array is indexed by code index in [0, code_size). */
#ifndef KENSA_BIN_BIN_H
#define KENSA_BIN_BIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/input.h"

typedef enum bin_arch { BIN_ARCH_UNKNOWN = 0, BIN_ARCH_X86, BIN_ARCH_X64 } bin_arch;
typedef enum bin_format { BIN_FMT_RAW = 0, BIN_FMT_ELF, BIN_FMT_PE, BIN_FMT_MINIDUMP } bin_format;

enum { BIN_SEC_R = 1, BIN_SEC_W = 2, BIN_SEC_X = 4 };

typedef struct bin_section {
    char name[24];
    uint64_t va, size;        /* virtual range */
    const uint8_t *data;      /* bytes backing [va, va + data_size) */
    uint64_t data_size;       /* <= size; the rest reads as zero */
    uint64_t file_offset;     /* where data came from (for error messages) */
    unsigned flags;           /* BIN_SEC_* */
} bin_section;

typedef enum bin_sym_kind { BIN_SYM_FUNC = 1, BIN_SYM_IMPORT, BIN_SYM_EXPORT, BIN_SYM_UNWIND } bin_sym_kind;

typedef struct bin_symbol {
    uint64_t va;              /* function start; for imports, the import slot (GOT/IAT) */
    uint64_t size;            /* 0 when unknown */
    const char *name;         /* arena string; NULL for unwind starts */
    const char *lib;          /* imports: DLL name when known */
    bin_sym_kind kind;
} bin_symbol;

typedef struct bin_ptr {      /* a pointer the loader is known to store */
    uint64_t slot, value;
} bin_ptr;

typedef struct bin_load_opts {
    bin_arch arch;            /* raw blobs: required unless auto_arch */
    int auto_arch;            /* raw blobs: guess x86 / x86-64 from bytes */
    uint64_t base;            /* raw blobs: load address */
    int force_raw;            /* treat the file as a raw blob */
    const char *module;       /* minidumps: module name (substring, case-insensitive) */
    int pe_layout;            /* 0 auto, 1 file layout, 2 memory (virtual) layout */
    int quiet;                /* count warnings without printing them */
} bin_load_opts;

typedef struct bin_image {
    const char *path;
    bin_format format;
    bin_arch arch;
    const char *format_detail;  /* "ELF64 executable", "PE32+ (memory layout)", ... */
    uint64_t base;
    uint64_t entry;
    int has_entry;
    int pie;                    /* position independent (ELF ET_DYN / PE with relocs) */
    bin_section *secs;
    size_t nsecs;
    bin_symbol *syms;           /* functions, imports, exports, unwind starts */
    size_t nsyms;
    bin_ptr *ptrs;              /* relocated pointer slots */
    size_t nptrs;
    kn_warnings warn;
    kn_arena arena;             /* everything above lives here */
    kn_map map;
    uint8_t *owned;             /* buffer built by the loader (minidump modules) */
} bin_image;

/* Limits that bound work on hostile headers. */
#define BIN_MAX_SECTIONS 4096
#define BIN_MAX_SYMBOLS (8u << 20)
#define BIN_MAX_IMAGE ((uint64_t)2 << 30)   /* total bytes of sections kept */

/* Opens path (mmapped) and loads it. On failure e says why; img is then
 * closed already. */
kn_status bin_open(bin_image *img, const char *path, const bin_load_opts *o, kn_err *e);
/* Loads from memory (not copied; must outlive img). name is for messages. */
kn_status bin_load_mem(bin_image *img, const uint8_t *data, size_t size, const char *name,
                       const bin_load_opts *o, kn_err *e);
void bin_close(bin_image *img);

const char *bin_arch_name(bin_arch a);
const char *bin_format_name(bin_format f);
/* Section holding va, or NULL. */
const bin_section *bin_section_at(const bin_image *img, uint64_t va);
/* Copies up to n bytes at va (zero beyond data_size); returns bytes available
 * in the section from va (0 when unmapped). */
size_t bin_read(const bin_image *img, uint64_t va, void *out, size_t n);
/* Guesses x86 vs x86-64 from byte statistics (REX.W pairs vs 32-bit idioms). */
bin_arch bin_guess_arch(const uint8_t *p, size_t n);

/* ---- analysis ---------------------------------------------------------- */

typedef struct bin_analyze_opts {
    int hints;                /* use symbols, unwind tables, exports, entry */
} bin_analyze_opts;

typedef enum bin_edge_kind {
    BIN_EDGE_FALL = 0,        /* fall-through to the next block */
    BIN_EDGE_JUMP,            /* unconditional direct jump */
    BIN_EDGE_COND_TAKEN,      /* conditional branch taken */
    BIN_EDGE_COND_FALL,       /* conditional branch not taken */
    BIN_EDGE_TABLE,           /* jump-table or computed-jump target */
    BIN_EDGE_CALL_FALL,       /* return site after a call that returns */
} bin_edge_kind;

typedef struct bin_block {
    uint64_t va;
    uint32_t size;            /* bytes */
    uint32_t ninsn;
    int32_t func;             /* index into funcs, -1 when none */
} bin_block;

typedef struct bin_edge {
    uint64_t from, to;        /* block addresses (from = block holding the branch) */
    bin_edge_kind kind;
} bin_edge;

typedef struct bin_call {
    uint64_t site;            /* address of the call (or tail jump) instruction */
    uint64_t target;          /* callee address; 0 for unresolved indirect */
    int32_t caller, callee;   /* function indexes, -1 when none */
    int tail;                 /* a tail call (jump to another function) */
} bin_call;

enum {                        /* why a function start was accepted */
    BIN_FSRC_CALL = 1,        /* target of a direct call */
    BIN_FSRC_PTR = 2,         /* code pointer in data, relocations or immediates */
    BIN_FSRC_TAIL = 4,        /* target of a jump from another function */
    BIN_FSRC_GAP = 8,         /* first code after padding in unexplained bytes */
    BIN_FSRC_HINT = 16,       /* symbol, unwind table, export or entry (--hints) */
};

typedef struct bin_func {
    uint64_t va;
    uint64_t size;            /* from va to the end of its last contiguous block */
    const char *name;         /* from symbols/imports when known, else NULL */
    uint32_t nblocks, nedges;
    uint32_t first_block;     /* its blocks are blocks[first_block .. first_block + nblocks) */
    unsigned sources;         /* BIN_FSRC_* */
    int noreturn;
} bin_func;

typedef struct bin_region {   /* one executable range in code-index space */
    uint64_t va;
    uint64_t size;
    uint64_t index;           /* code index of va */
    const uint8_t *data;      /* size bytes (zero-filled tail copied when needed) */
} bin_region;

/* Per-byte flags (bin_analysis.flags). */
enum {
    BIN_B_INSN = 1,           /* a recovered instruction starts here */
    BIN_B_BLOCK = 2,          /* a basic block starts here */
    BIN_B_FUNC = 4,           /* a function starts here */
    BIN_B_PAD = 8,            /* instruction is alignment padding */
    BIN_B_DATA = 16,          /* byte judged data (tables, junk) */
    BIN_B_CALLT = 32,         /* target of a direct call */
    BIN_B_PTR = 64,           /* target of a code pointer */
    BIN_B_SEEN = 128,         /* covered by some recovered instruction */
};

typedef struct bin_analysis {
    const bin_image *img;
    bin_arch arch;
    bin_region *regions;
    size_t nregions;
    uint64_t code_size;       /* bytes in all regions */
    uint8_t *len;             /* per byte: decoded length, 0 = not decoded, 0xff = invalid */
    uint8_t *cls;             /* per byte: flow class of the instruction there (private) */
    uint8_t *flags;           /* per byte: BIN_B_* */
    uint32_t *tgt;            /* per byte: code index of a direct branch's target, UINT32_MAX none */
    bin_func *funcs;  size_t nfuncs;    /* sorted by va */
    bin_block *blocks; size_t nblocks;  /* sorted by va */
    bin_edge *edges;  size_t nedges;    /* sorted by from */
    bin_call *calls;  size_t ncalls;    /* sorted by site */
    uint64_t ninsn;
    uint64_t jump_tables, jump_table_targets, noreturn_funcs;
    void *priv;
} bin_analysis;

kn_status bin_analyze(const bin_image *img, const bin_analyze_opts *o, bin_analysis **out, kn_err *e);
void bin_analysis_free(bin_analysis *a);

/* Code index of va, or UINT64_MAX when va is not in an executable region. */
uint64_t bin_code_index(const bin_analysis *a, uint64_t va);
uint64_t bin_code_va(const bin_analysis *a, uint64_t index);
/* Function containing va (by blocks), or -1. Function whose start is va, or -1. */
int32_t bin_func_at(const bin_analysis *a, uint64_t va);
int32_t bin_func_by_va(const bin_analysis *a, uint64_t va);
/* Block starting at or containing va, or -1. */
int32_t bin_block_at(const bin_analysis *a, uint64_t va);
/* Name for an address (symbol or import) when the image has one, else NULL. */
const char *bin_name_at(const bin_analysis *a, uint64_t va);

/* One decoded instruction for printing. */
typedef struct bin_insn_text {
    uint64_t va;
    unsigned size;
    char mnemonic[24];
    char text[160];
    uint64_t target;          /* direct branch/call target, 0 if none */
} bin_insn_text;

/* Decodes and formats the instruction at va (Intel syntax). 0 on success. */
int bin_format_insn(const bin_analysis *a, uint64_t va, bin_insn_text *out);

#endif
