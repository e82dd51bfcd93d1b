/* an.h: private state of one analysis, shared by analyze.c (decoding,
 * traversal, functions) and jumptab.c (indirect jumps by backward slicing).
 *
 * Shape: everything per byte is a flat array indexed by code index (see
 * bin.h); lists that grow during traversal are plain vectors of uint64; the
 * only hash tables are keyed by the rare things (jump-table sites, import
 * slots). Decoding is memoised in len/cls/tgt, so a byte offset is decoded
 * at most once whichever path reaches it: that is the superset of decodings
 * of every offset the analysis looks at, computed lazily. */
#ifndef KENSA_BIN_AN_H
#define KENSA_BIN_AN_H

#include <Zydis/Zydis.h>

#include "bin/bin.h"
#include "core/hash.h"

/* Flow classes (low 4 bits of cls). */
enum {
    K_SEQ = 0,     /* falls through */
    K_JMP,         /* direct unconditional jump */
    K_JCC,         /* direct conditional jump (also loop/jcxz) */
    K_CALL,        /* direct call */
    K_RET,
    K_JMPI,        /* indirect jump */
    K_CALLI,       /* indirect call */
    K_STOP,        /* hlt, ud2, int3, far jumps: no successor */
    K_INVALID = 15,
};
#define K_MASK 15
#define K_RARE 16  /* privileged or obsolete: rare in compiled code */
#define K_PAD 32   /* padding (nop forms, int3, zero pairs) */
#define K_IMM 64   /* an immediate or rip-relative operand points into code */
#define K_RIPLEA 128  /* ... and it is a rip-relative lea (not an absolute immediate) */

typedef struct u64vec {
    uint64_t *v;
    size_t n, cap;
} u64vec;

int u64_grow(u64vec *v);               /* doubles the capacity: 0, or -1 on no memory */
static inline int u64_push(u64vec *v, uint64_t x)   /* 0, or -1 on no memory */
{
    if (v->n == v->cap && u64_grow(v) != 0) return -1;
    v->v[v->n++] = x;
    return 0;
}

#define AN_NSRC 5       /* BIN_FSRC_* bits */
#define AN_NBITMAPS 8   /* noret .. bad in an_ctx */
#define AN_TGT_SLACK 64 /* tgt entries past the code: prefetches run this far ahead */

typedef struct jt_rec { uint32_t first, count; } jt_rec;

typedef struct an_ctx {
    bin_analysis *a;
    const bin_image *img;
    ZydisDecoder dmin, dfull;
    ZydisMachineMode mode;
    int is64;
    uint64_t n;                /* code size */
    uint8_t *noret;            /* bitmap by code index: function does not return */
    int noret_any;             /* some noret bit is set (until then the lookups are skipped) */
    uint8_t *nofall;           /* bitmap by code index of call sites that never fall through */
    uint8_t *visit;            /* bitmap: flooded into some function */
    uint8_t *jcct;             /* bitmap: target of a conditional branch */
    uint8_t *brt;              /* bitmap: target of any branch (direct, table, computed) */
    uint8_t *bad;              /* bitmap: linear decoding from here is not plausible code */
    uint8_t *hasjt;            /* bitmap: site has an entry in jt */
    uint8_t *jtfail;           /* bitmap: indirect jump that did not resolve */
    u64vec jt_data;            /* (code index, length) pairs: tables inside code */
    const bin_region *last_region;   /* an_region's cache */
    u64vec work;               /* code indexes to explore */
    u64vec ptrs;               /* code-pointer targets (indexes) */
    u64vec ijmps;              /* indirect jumps to resolve */
    u64vec calls;              /* direct call sites (indexes) */
    u64vec jmps;               /* direct unconditional jumps (indexes) */
    u64vec weak;               /* code found by the sweep right after other code or data */
    u64vec entries;            /* function entries (indexes) */
    u64vec jt_targets;         /* targets of all resolved indirect jumps */
    kn_htab jt;                /* site index -> jt_rec */
    uint8_t *srcmap;           /* AN_NSRC bitmaps of bmsz bytes: BIN_FSRC_* bit b of an entry */
    void *perbyte;             /* the one block holding the per-byte arrays and bitmaps */
    size_t bmsz;               /* bytes of one bitmap ((n + 7) / 8 + 8: word reads may pass the end) */
    kn_htab noret_slot;        /* import slot va -> 1: calls through it never return */
    int hints;
    int reloc_complete;        /* every stored absolute pointer has a relocation */
    int no_fast;               /* decode everything with Zydis (tests) */
    int pass;                  /* 1 = optimistic, 2 = with non-returning calls known */
} an_ctx;

static inline int bit_get(const uint8_t *b, uint64_t i) { return b[i >> 3] >> (i & 7) & 1; }
static inline void bit_set(uint8_t *b, uint64_t i) { b[i >> 3] |= (uint8_t)(1u << (i & 7)); }

/* Region holding code index g (NULL when out of range). */
const bin_region *an_region(const an_ctx *x, uint64_t g);
/* Decodes at g (memoised). Returns the length, or 0 when invalid. */
unsigned an_decode(an_ctx *x, uint64_t g);
/* Code index of the direct branch target of the (decoded) instruction at g,
 * or UINT64_MAX: none (not a direct branch) or outside the code. */
static inline uint64_t an_target(const an_ctx *x, uint64_t g)
{
    uint32_t t = x->a->tgt[g];
    return t == UINT32_MAX ? UINT64_MAX : t;
}
/* Full decode (operands) at code index g. 0 on success. */
int an_decode_full(an_ctx *x, uint64_t g, ZydisDecodedInstruction *ins, ZydisDecodedOperand *ops);
/* Marks g as a block start and queues it for exploration. */
void an_queue(an_ctx *x, uint64_t g);
/* Instruction that ends exactly at g and falls into it, or UINT64_MAX. */
uint64_t an_prev_insn(an_ctx *x, uint64_t g);
/* Resolves the indirect jump at g (jump table or constant target); queues and
 * records targets. Returns the number of targets. */
unsigned jt_resolve(an_ctx *x, uint64_t g);
/* Is the pointer-sized slot at va fixed at load time: in a read-only
 * section and not an import slot? */
int an_fixed_pointer(const an_ctx *x, uint64_t va);
/* Fast decode of common instructions (fastlen.c): length, or 0 when the
 * bytes need Zydis. Fills class bits (K_*, without K_IMM), the branch
 * displacement, an absolute immediate of 32 or 64 bits and, for lea
 * [rip+disp], the displacement. Agrees with an_decode where it answers. */
typedef struct an_fast {
    uint8_t cls;
    int32_t rel;
    uint64_t imm_abs;
    int imm_valid;
    int rip;
    int32_t rip_target_disp;
} an_fast;
unsigned an_fast_decode(const uint8_t *p, size_t n, int is64, an_fast *out);
/* Test hook: decodes every offset of p with and without the fast path and
 * compares; returns how many offsets the fast path answered, or -1 with
 * *bad_offset at the first disagreement. */
long an_fast_selftest(const uint8_t *p, size_t n, int is64, uint64_t base, uint64_t *bad_offset);
/* Register number 0..15 of a general-purpose register, or -1. */
int an_gpr(const an_ctx *x, ZydisRegister r);

#endif
