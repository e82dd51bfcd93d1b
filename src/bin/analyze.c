/* analyze.c: instructions, blocks, functions and calls from the bytes.
 *
 * The method (docs/bin.md has the long version):
 *  1. Decode lazily with memoisation: any byte offset is decoded at most
 *     once (Zydis minimal mode), whichever path asks for it, and the flow
 *     class of the instruction is kept per byte.
 *  2. Recursive traversal from evidence: the explorer follows jumps, both
 *     arms of conditionals, call targets and return sites, resolves indirect
 *     jumps (jumptab.c) and tracks a few constants along each linear run so
 *     push addr; ret, call $+5; pop reg, calls that return elsewhere and
 *     computed jumps with constant targets become real edges.
 *  3. A sweep over the executable bytes in address order: what traversal has
 *     not explained is padding (nop forms, int3, zero pairs), plausible code
 *     (then explored as a function candidate) or data (a byte at a time, so
 *     code after data is found again).
 *  4. Function entries: call targets, first code after padding, jump targets
 *     outside the jumping function, and code pointers (data, relocations,
 *     immediates) not already inside a function. Bodies are floods over
 *     intra-procedural edges bounded by the next entry.
 *  5. Non-returning functions: a least fixpoint over "a ret is reachable",
 *     plus call-site evidence for imports (a call followed by padding or by
 *     another function cannot return). Then the whole traversal runs again
 *     with that knowledge, so bytes after non-returning calls are judged by
 *     the sweep instead of being taken as code.
 * No symbol, unwind table, export or entry point is used unless hints is
 * set. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bin/an.h"

#define AN_MAX_CODE ((uint64_t)1 << 31)
_Static_assert(BIN_FSRC_HINT < (1u << AN_NSRC), "source bitmaps cover every BIN_FSRC_* bit");

static inline uint64_t ld_u64_raw(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t ld_u32_raw(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

int u64_grow(u64vec *v)
{
    size_t cap = v->cap ? v->cap * 2 : 256;
    uint64_t *p = realloc(v->v, cap * sizeof *p);
    if (!p) return -1;
    v->v = p;
    v->cap = cap;
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void u64_sort_unique(u64vec *v)
{
    if (!v->n) return;
    qsort(v->v, v->n, sizeof *v->v, u64_cmp);
    size_t o = 1;
    for (size_t i = 1; i < v->n; i++)
        if (v->v[i] != v->v[o - 1]) v->v[o++] = v->v[i];
    v->n = o;
}

const bin_region *an_region(const an_ctx *x, uint64_t g)
{
    const bin_analysis *a = x->a;
    const bin_region *c = x->last_region;   /* most lookups hit the region of the previous one */
    if (c && g - c->index < c->size && g >= c->index) return c;
    size_t lo = 0, hi = a->nregions;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const bin_region *r = &a->regions[mid];
        if (g < r->index) hi = mid;
        else if (g - r->index >= r->size) lo = mid + 1;
        else { ((an_ctx *)x)->last_region = r; return r; }
    }
    return NULL;
}

uint64_t bin_code_index(const bin_analysis *a, uint64_t va)
{
    size_t lo = 0, hi = a->nregions;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const bin_region *r = &a->regions[mid];
        if (va < r->va) hi = mid;
        else if (va - r->va >= r->size) lo = mid + 1;
        else return r->index + (va - r->va);
    }
    return UINT64_MAX;
}

uint64_t bin_code_va(const bin_analysis *a, uint64_t g)
{
    an_ctx *x = a->priv;
    const bin_region *r = an_region(x, g);
    return r ? r->va + (g - r->index) : 0;
}

int an_gpr(const an_ctx *x, ZydisRegister r)
{
    if (r == ZYDIS_REGISTER_NONE) return -1;
    ZydisRegister big = ZydisRegisterGetLargestEnclosing(x->mode, r);
    if (x->is64 ? (big < ZYDIS_REGISTER_RAX || big > ZYDIS_REGISTER_R15) : (big < ZYDIS_REGISTER_EAX || big > ZYDIS_REGISTER_EDI))
        return -1;
    return ZydisRegisterGetId(big);
}

/* Privileged, obsolete or I/O instructions: compiled user code has none
 * (sahf, pushf, std and friends are not here: x87 compares, CPU feature
 * probes and backward copies use them). */
static int is_rare(ZydisMnemonic m)
{
    switch (m) {
    case ZYDIS_MNEMONIC_IN: case ZYDIS_MNEMONIC_INSB: case ZYDIS_MNEMONIC_INSW: case ZYDIS_MNEMONIC_INSD:
    case ZYDIS_MNEMONIC_OUT: case ZYDIS_MNEMONIC_OUTSB: case ZYDIS_MNEMONIC_OUTSW: case ZYDIS_MNEMONIC_OUTSD:
    case ZYDIS_MNEMONIC_CLI: case ZYDIS_MNEMONIC_STI: case ZYDIS_MNEMONIC_LGDT:
    case ZYDIS_MNEMONIC_LIDT: case ZYDIS_MNEMONIC_LLDT: case ZYDIS_MNEMONIC_LTR: case ZYDIS_MNEMONIC_INVD:
    case ZYDIS_MNEMONIC_WBINVD: case ZYDIS_MNEMONIC_INVLPG: case ZYDIS_MNEMONIC_RDMSR: case ZYDIS_MNEMONIC_WRMSR:
    case ZYDIS_MNEMONIC_CLTS: case ZYDIS_MNEMONIC_LMSW: case ZYDIS_MNEMONIC_ARPL: case ZYDIS_MNEMONIC_BOUND:
    case ZYDIS_MNEMONIC_INTO: case ZYDIS_MNEMONIC_AAA: case ZYDIS_MNEMONIC_AAS: case ZYDIS_MNEMONIC_AAD:
    case ZYDIS_MNEMONIC_AAM: case ZYDIS_MNEMONIC_DAA: case ZYDIS_MNEMONIC_DAS: case ZYDIS_MNEMONIC_LES:
    case ZYDIS_MNEMONIC_LDS: case ZYDIS_MNEMONIC_LSS: case ZYDIS_MNEMONIC_LFS: case ZYDIS_MNEMONIC_LGS:
    case ZYDIS_MNEMONIC_SALC: case ZYDIS_MNEMONIC_XLAT: case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD:
    case ZYDIS_MNEMONIC_IRETQ: case ZYDIS_MNEMONIC_SYSEXIT: case ZYDIS_MNEMONIC_SYSRET: case ZYDIS_MNEMONIC_LAR:
    case ZYDIS_MNEMONIC_LSL: case ZYDIS_MNEMONIC_VERR: case ZYDIS_MNEMONIC_VERW: case ZYDIS_MNEMONIC_SLDT:
    case ZYDIS_MNEMONIC_STR: case ZYDIS_MNEMONIC_SGDT: case ZYDIS_MNEMONIC_SIDT: case ZYDIS_MNEMONIC_RSM:
    case ZYDIS_MNEMONIC_INT1: case ZYDIS_MNEMONIC_ENTER:
    case ZYDIS_MNEMONIC_PUSHA: case ZYDIS_MNEMONIC_PUSHAD: case ZYDIS_MNEMONIC_POPA:
    case ZYDIS_MNEMONIC_POPAD: case ZYDIS_MNEMONIC_LOOPE: case ZYDIS_MNEMONIC_LOOPNE: case ZYDIS_MNEMONIC_JCXZ:
        return 1;
    default:
        return 0;
    }
}

/* Is va inside an executable region? */
static int in_code(const an_ctx *x, uint64_t va)
{
    return bin_code_index(x->a, va) != UINT64_MAX;
}

/* Code index of a direct branch's target (UINT32_MAX when it is not a
 * direct branch or leaves the code), computed once at decode time: the
 * traversal, the floods and the results ask for it many times per branch. */
static uint32_t branch_target(an_ctx *x, const bin_region *r, uint64_t g, unsigned len, unsigned cls, int32_t rel)
{
    unsigned k = cls & K_MASK;
    if (k != K_JMP && k != K_JCC && k != K_CALL) return UINT32_MAX;
    int64_t ti = (int64_t)g + len + rel;   /* same region: no address arithmetic */
    if (ti >= (int64_t)r->index && (uint64_t)ti - r->index < r->size && (x->is64 || r->va + r->size <= 0x100000000ull))
        return (uint32_t)ti;
    uint64_t va = r->va + (g - r->index) + len + (uint64_t)(int64_t)rel;
    if (!x->is64) va &= 0xffffffffu;
    uint64_t t = (va >= r->va && va - r->va < r->size) ? r->index + (va - r->va) : bin_code_index(x->a, va);
    return t == UINT64_MAX ? UINT32_MAX : (uint32_t)t;
}

unsigned an_decode(an_ctx *x, uint64_t g)
{
    bin_analysis *a = x->a;
    uint8_t l = a->len[g];
    if (l) return l == 0xff ? 0 : l;
    const bin_region *r = an_region(x, g);
    ZydisDecodedInstruction ins;
    uint64_t off = g - r->index;
    an_fast fd;
    unsigned fl = x->no_fast ? 0 : an_fast_decode(r->data + off, r->size - off, x->is64, &fd);
    if (fl) {
        uint8_t k = fd.cls;
        uint64_t va = r->va + off;
        if (fd.rip) { if (in_code(x, va + fl + (uint64_t)(int64_t)fd.rip_target_disp)) k |= K_IMM | K_RIPLEA; }
        else if (fd.imm_valid && ((k & K_MASK) == K_SEQ || (k & K_MASK) == K_CALLI || (k & K_MASK) == K_JMPI) && in_code(x, fd.imm_abs)) k |= K_IMM;
        a->len[g] = (uint8_t)fl;
        a->cls[g] = k;
        a->tgt[g] = branch_target(x, r, g, fl, k, fd.rel);
        return fl;
    }
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&x->dmin, NULL, r->data + off, r->size - off, &ins))) {
        a->len[g] = 0xff;
        a->cls[g] = K_INVALID;
        a->tgt[g] = UINT32_MAX;
        return 0;
    }
    unsigned k = K_SEQ;
    int32_t rel = 0;
    switch (ins.mnemonic) {
    case ZYDIS_MNEMONIC_JMP:
        if (ins.raw.imm[0].is_relative) { k = K_JMP; rel = (int32_t)ins.raw.imm[0].value.s; }
        else if (ins.opcode == 0xea || (ins.opcode == 0xff && ins.raw.modrm.reg == 5)) k = K_STOP | K_RARE;
        else k = K_JMPI;
        break;
    case ZYDIS_MNEMONIC_JB: case ZYDIS_MNEMONIC_JBE: case ZYDIS_MNEMONIC_JCXZ: case ZYDIS_MNEMONIC_JECXZ:
    case ZYDIS_MNEMONIC_JL: case ZYDIS_MNEMONIC_JLE: case ZYDIS_MNEMONIC_JNB: case ZYDIS_MNEMONIC_JNBE:
    case ZYDIS_MNEMONIC_JNL: case ZYDIS_MNEMONIC_JNLE: case ZYDIS_MNEMONIC_JNO: case ZYDIS_MNEMONIC_JNP:
    case ZYDIS_MNEMONIC_JNS: case ZYDIS_MNEMONIC_JNZ: case ZYDIS_MNEMONIC_JO: case ZYDIS_MNEMONIC_JP:
    case ZYDIS_MNEMONIC_JRCXZ: case ZYDIS_MNEMONIC_JS: case ZYDIS_MNEMONIC_JZ: case ZYDIS_MNEMONIC_LOOP:
    case ZYDIS_MNEMONIC_LOOPE: case ZYDIS_MNEMONIC_LOOPNE:
        if (ins.raw.imm[0].is_relative) { k = K_JCC; rel = (int32_t)ins.raw.imm[0].value.s; }
        else k = K_INVALID;
        break;
    case ZYDIS_MNEMONIC_CALL:
        if (ins.raw.imm[0].is_relative) { k = K_CALL; rel = (int32_t)ins.raw.imm[0].value.s; }
        else if (ins.opcode == 0x9a || (ins.opcode == 0xff && ins.raw.modrm.reg == 3)) k = K_CALLI | K_RARE;
        else k = K_CALLI;
        break;
    case ZYDIS_MNEMONIC_RET: k = (ins.opcode == 0xca || ins.opcode == 0xcb) ? (K_STOP | K_RARE) : K_RET; break;
    case ZYDIS_MNEMONIC_HLT: case ZYDIS_MNEMONIC_UD0: case ZYDIS_MNEMONIC_UD1: case ZYDIS_MNEMONIC_UD2:
    case ZYDIS_MNEMONIC_IRET: case ZYDIS_MNEMONIC_IRETD: case ZYDIS_MNEMONIC_IRETQ:
    case ZYDIS_MNEMONIC_SYSEXIT: case ZYDIS_MNEMONIC_SYSRET:
        k = K_STOP;
        break;
    case ZYDIS_MNEMONIC_INT3: k = K_STOP | K_PAD; break;
    case ZYDIS_MNEMONIC_INT:
        /* int 0x29 is __fastfail; 0x80 and 0x2e are system calls */
        if (ins.raw.imm[0].value.u == 0x29) k = K_STOP;
        else if (ins.raw.imm[0].value.u != 0x80 && ins.raw.imm[0].value.u != 0x2e) k = K_RARE;
        break;
    case ZYDIS_MNEMONIC_NOP: k = K_PAD; break;
    case ZYDIS_MNEMONIC_ADD:   /* 00 00: zero fill */
        if (ins.length == 2 && r->data[off] == 0 && r->data[off + 1] == 0) k = K_PAD;
        break;
    case ZYDIS_MNEMONIC_LEA:   /* lea esi, [esi+0]: old gas padding */
        if (!x->is64 && ins.raw.modrm.mod != 3 && ins.raw.disp.value == 0 &&
            (ins.raw.modrm.rm == ins.raw.modrm.reg || (ins.raw.modrm.rm == 4 && ins.raw.sib.base == ins.raw.modrm.reg && ins.raw.sib.index == 4)))
            k = K_PAD;
        break;
    case ZYDIS_MNEMONIC_MOV:   /* mov esi, esi / mov edi, edi as padding (32-bit only) */
        break;
    default:
        break;
    }
    if (is_rare(ins.mnemonic)) k |= K_RARE;
    if (ins.mnemonic == ZYDIS_MNEMONIC_FWAIT && off + 1 < r->size) {
        /* wait + fnstsw/fnstcw/fnclex/fninit/fnsave/fnstenv is one
         * instruction (fstsw, ...) to assemblers and objdump */
        ZydisDecodedInstruction nx;
        if (ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&x->dmin, NULL, r->data + off + 1, r->size - off - 1, &nx)) &&
            (nx.mnemonic == ZYDIS_MNEMONIC_FNSTSW || nx.mnemonic == ZYDIS_MNEMONIC_FNSTCW || nx.mnemonic == ZYDIS_MNEMONIC_FNCLEX ||
             nx.mnemonic == ZYDIS_MNEMONIC_FNINIT || nx.mnemonic == ZYDIS_MNEMONIC_FNSAVE || nx.mnemonic == ZYDIS_MNEMONIC_FNSTENV))
            ins.length = (ZyanU8)(1 + nx.length);
    }
    /* Operands that may be code pointers: rip-relative addresses and
     * absolute immediates or displacements that land in code. */
    if ((k & K_MASK) == K_SEQ || (k & K_MASK) == K_CALLI || (k & K_MASK) == K_JMPI) {
        uint64_t va = r->va + off, v = 0;
        int cand = 0;
        if (x->is64 && ins.raw.modrm.offset && ins.raw.modrm.mod == 0 && ins.raw.modrm.rm == 5 && ins.mnemonic == ZYDIS_MNEMONIC_LEA) {
            v = va + ins.length + (uint64_t)ins.raw.disp.value;
            cand = 2;
        } else if (ins.raw.imm[0].size >= 32 && !ins.raw.imm[0].is_relative) {
            v = ins.raw.imm[0].value.u;
            if (!x->is64) v &= 0xffffffffu;
            cand = 1;
        }
        if (cand && in_code(x, v)) k |= K_IMM | (cand == 2 ? K_RIPLEA : 0);
    }
    a->len[g] = ins.length;
    a->cls[g] = (uint8_t)k;
    a->tgt[g] = branch_target(x, r, g, ins.length, k, rel);
    return ins.length;
}

int an_decode_full(an_ctx *x, uint64_t g, ZydisDecodedInstruction *ins, ZydisDecodedOperand *ops)
{
    const bin_region *r = an_region(x, g);
    if (!r) return -1;
    uint64_t off = g - r->index;
    return ZYAN_SUCCESS(ZydisDecoderDecodeFull(&x->dfull, r->data + off, r->size - off, ins, ops)) ? 0 : -1;
}

void an_queue(an_ctx *x, uint64_t g)
{
    if (g >= x->n) return;
    x->a->flags[g] |= BIN_B_BLOCK;
    if (!(x->a->flags[g] & BIN_B_INSN)) u64_push(&x->work, g);
}

uint64_t an_prev_insn(an_ctx *x, uint64_t g)
{
    const bin_analysis *a = x->a;
    for (unsigned d = 1; d <= 15 && d <= g; d++) {
        uint64_t p = g - d;
        if ((a->flags[p] & BIN_B_INSN) && a->len[p] == d) {
            unsigned k = a->cls[p] & K_MASK;
            if (k == K_JMP || k == K_RET || k == K_JMPI || k == K_STOP || k == K_INVALID) return UINT64_MAX;
            if (a->cls[p] & K_PAD) return UINT64_MAX;   /* padding separates functions */
            return p;
        }
    }
    return UINT64_MAX;
}

/* ---- constant tracking along one linear run -------------------------------- */

typedef struct trk {
    uint64_t reg[16];
    uint16_t known;
    uint64_t stk[8];
    uint8_t sk[8];
    int sp;          /* tracked stack slots; below them the stack is unknown */
    int age;         /* instructions since the last constant was made */
} trk;

static void trk_push(trk *t, int known, uint64_t v)
{
    if (t->sp == 8) { memmove(t->stk, t->stk + 1, 7 * sizeof *t->stk); memmove(t->sk, t->sk + 1, 7); t->sp = 7; }
    t->stk[t->sp] = v;
    t->sk[t->sp] = (uint8_t)known;
    t->sp++;
    if (known) t->age = 0;
}

static void trk_set(trk *t, int r, uint64_t v, int is64)
{
    if (r < 0) return;
    t->reg[r] = is64 ? v : (v & 0xffffffffu);
    t->known |= (uint16_t)(1u << r);
    t->age = 0;
}

/* Records a computed target for site g (push/ret, jmp reg, call reg). */
static void add_computed(an_ctx *x, uint64_t g, uint64_t tg)
{
    int created;
    jt_rec *jr = kn_htab_put(&x->jt, &g, &created);
    if (!jr || !created) return;
    bit_set(x->hasjt, g);
    jr->first = (uint32_t)x->jt_targets.n;
    jr->count = 1;
    u64_push(&x->jt_targets, tg);
}

/* Effect of the instruction at g on the tracked constants. Returns a
 * computed target index for ret / jmp reg / call reg, else UINT64_MAX. */
static uint64_t trk_step(an_ctx *x, trk *t, uint64_t g, uint64_t va, unsigned len)
{
    const bin_region *r = an_region(x, g);
    const uint8_t *p = r->data + (g - r->index), *end = p + len;
    unsigned rex = 0;
    while (p < end && (*p == 0x66 || *p == 0x67 || *p == 0xf2 || *p == 0xf3 || *p == 0x2e || *p == 0x36 || *p == 0x3e || *p == 0x26 || *p == 0x64 || *p == 0x65 || *p == 0xf0)) p++;
    if (x->is64 && p < end && (*p & 0xf0) == 0x40) rex = *p++;
    if (p >= end) return UINT64_MAX;
    uint8_t op = *p;
    int rb = rex & 1 ? 8 : 0, rr = rex & 4 ? 8 : 0;
    uint64_t next = va + len;
    int modrm = p + 1 < end ? p[1] : -1;
    int mod = modrm >= 0 ? modrm >> 6 : -1, mreg = modrm >= 0 ? ((modrm >> 3) & 7) : 0, mrm = modrm >= 0 ? (modrm & 7) : 0;
    t->age++;
    if (op == 0x68 && end - p >= 5) { int32_t v; memcpy(&v, p + 1, 4); trk_push(t, 1, (uint64_t)(int64_t)v & (x->is64 ? ~0ull : 0xffffffffull)); return UINT64_MAX; }
    if (op == 0x6a && end - p >= 2) { trk_push(t, 1, (uint64_t)(int64_t)(int8_t)p[1] & (x->is64 ? ~0ull : 0xffffffffull)); return UINT64_MAX; }
    if (op >= 0x50 && op <= 0x57) { int rn = (op & 7) + rb; trk_push(t, t->known >> rn & 1, t->reg[rn]); return UINT64_MAX; }
    if (op >= 0x58 && op <= 0x5f) {
        int rn = (op & 7) + rb;
        if (t->sp > 0 && t->sk[t->sp - 1]) trk_set(t, rn, t->stk[t->sp - 1], x->is64);
        else t->known &= (uint16_t)~(1u << rn);
        if (t->sp > 0) t->sp--;
        return UINT64_MAX;
    }
    if (op >= 0xb8 && op <= 0xbf) {
        int rn = (op & 7) + rb;
        uint64_t v = 0;
        if ((rex & 8) && end - p >= 9) memcpy(&v, p + 1, 8);
        else if (end - p >= 5) { uint32_t w; memcpy(&w, p + 1, 4); v = w; }
        trk_set(t, rn, v, x->is64);
        return UINT64_MAX;
    }
    if (op == 0x8d && mod == 0 && mrm == 5 && end - p >= 6) {
        int32_t d; memcpy(&d, p + 2, 4);
        trk_set(t, mreg + rr, x->is64 ? next + (uint64_t)(int64_t)d : (uint32_t)d, x->is64);
        return UINT64_MAX;
    }
    if (op == 0x8d && (mod == 1 || mod == 2) && mrm != 4) {   /* lea r, [base + disp] */
        int64_t d = 0;
        if (mod == 1 && end - p >= 3) d = (int8_t)p[2];
        else if (mod == 2 && end - p >= 6) { int32_t w; memcpy(&w, p + 2, 4); d = w; }
        int base = mrm + rb;
        if (t->known >> base & 1) trk_set(t, mreg + rr, t->reg[base] + (uint64_t)d, x->is64);
        else t->known &= (uint16_t)~(1u << (mreg + rr));
        return UINT64_MAX;
    }
    if ((op == 0x83 || op == 0x81) && mod == 3 && (mreg == 0 || mreg == 5)) {
        int rn = mrm + rb;
        int64_t imm = 0;
        if (op == 0x83 && end - p >= 3) imm = (int8_t)p[2];
        else if (op == 0x81 && end - p >= 6) { int32_t w; memcpy(&w, p + 2, 4); imm = w; }
        if (rn == 4) { t->sp = 0; return UINT64_MAX; }   /* stack pointer adjusted: forget the stack */
        if (t->known >> rn & 1) trk_set(t, rn, mreg == 0 ? t->reg[rn] + (uint64_t)imm : t->reg[rn] - (uint64_t)imm, x->is64);
        return UINT64_MAX;
    }
    if ((op == 0x89 || op == 0x8b) && mod == 3) {
        int dst = op == 0x89 ? mrm + rb : mreg + rr, src = op == 0x89 ? mreg + rr : mrm + rb;
        if (t->known >> src & 1) trk_set(t, dst, t->reg[src], x->is64);
        else t->known &= (uint16_t)~(1u << dst);
        if (dst == 4) t->sp = 0;
        return UINT64_MAX;
    }
    if ((op == 0x31 || op == 0x33) && mod == 3 && mreg + rr == mrm + rb) { trk_set(t, mrm + rb, 0, x->is64); return UINT64_MAX; }
    if (op == 0xc3 || op == 0xc2) {
        uint64_t tg = UINT64_MAX;
        if (t->sp > 0 && t->sk[t->sp - 1]) tg = bin_code_index(x->a, t->stk[t->sp - 1]);
        return tg;
    }
    if (op == 0xff && mod == 3 && (mreg == 4 || mreg == 2)) {
        int rn = mrm + rb;
        if (t->known >> rn & 1) return bin_code_index(x->a, t->reg[rn]);
        return UINT64_MAX;
    }
    if (op == 0xe8) { trk_push(t, 1, next); return UINT64_MAX; }   /* the callee may pop it */
    if (!t->known && !t->sp) return UINT64_MAX;
    if (t->age > 8) { t->known = 0; t->sp = 0; return UINT64_MAX; }   /* constants are used close by */
    /* Anything else forgets everything, unless it cannot write a general
     * register or the stack pointer: compares, tests, stores, nops and
     * branches. Cheaper than decoding operands, and the idioms tracked here
     * use their constants within a few instructions. */
    unsigned k = x->a->cls[g] & K_MASK;
    if (k == K_JCC || k == K_JMP) return UINT64_MAX;
    int keep = (op >= 0x38 && op <= 0x3d) || op == 0x84 || op == 0x85 || op == 0xa8 || op == 0xa9 || op == 0x90 ||
               ((op == 0x80 || op == 0x81 || op == 0x83) && mreg == 7) || ((op == 0xf6 || op == 0xf7) && mreg == 0) ||
               ((op == 0x88 || op == 0x89 || op == 0xc6 || op == 0xc7) && mod != 3 && mod >= 0) ||
               (op == 0x0f && p + 1 < end && p[1] == 0x1f);
    if (!keep) { t->known = 0; t->sp = 0; }
    return UINT64_MAX;
}

/* What a call to t does, judged from the callee's first instructions. */
enum { CALLEE_NORMAL, CALLEE_POPS, CALLEE_THUNK, CALLEE_RETURNS_ELSEWHERE };

static int peek_callee(an_ctx *x, uint64_t t, int *reg, int64_t *adj)
{
    unsigned l = an_decode(x, t);
    if (!l) return CALLEE_NORMAL;
    const bin_region *r = an_region(x, t);
    const uint8_t *p = r->data + (t - r->index);
    uint64_t left = r->size - (t - r->index);
    unsigned rex = 0, i = 0;
    if (x->is64 && (p[0] & 0xf0) == 0x40 && l > 1) { rex = p[0]; i = 1; }
    if (p[i] >= 0x58 && p[i] <= 0x5f && l == i + 1) { *reg = (p[i] & 7) + (rex & 1 ? 8 : 0); return CALLEE_POPS; }
    /* mov reg, [esp]; ret */
    if (p[i] == 0x8b && l == i + 3 && (p[i + 1] & 0xc7) == 0x04 && p[i + 2] == 0x24 && left > l && (p[l] == 0xc3)) {
        *reg = ((p[i + 1] >> 3) & 7) + (rex & 4 ? 8 : 0);
        return CALLEE_THUNK;
    }
    /* add [esp], imm; ret */
    if ((p[i] == 0x83 || p[i] == 0x81) && p[i + 1] == 0x04 && p[i + 2] == 0x24 && left > l && p[l] == 0xc3) {
        if (p[i] == 0x83) *adj = (int8_t)p[i + 3];
        else { int32_t w; memcpy(&w, p + i + 3, 4); *adj = w; }
        return CALLEE_RETURNS_ELSEWHERE;
    }
    return CALLEE_NORMAL;
}

/* Complementary conditional pair: jcc X; jncc X is an unconditional jump. */
static int jcc_cond(an_ctx *x, uint64_t g)
{
    const bin_region *r = an_region(x, g);
    const uint8_t *p = r->data + (g - r->index);
    unsigned l = x->a->len[g], i = 0;
    while (i < l && (p[i] == 0x2e || p[i] == 0x3e || p[i] == 0x66)) i++;
    if (i < l && p[i] >= 0x70 && p[i] <= 0x7f) return p[i] & 15;
    if (i + 1 < l && p[i] == 0x0f && p[i + 1] >= 0x80 && p[i + 1] <= 0x8f) return p[i + 1] & 15;
    return -1;
}

static void mark_insn(an_ctx *x, uint64_t g, unsigned l)
{
    uint8_t *f = x->a->flags;
    f[g] |= BIN_B_INSN;
    for (unsigned i = 0; i < l && g + i < x->n; i++) f[g + i] |= BIN_B_SEEN;
    if (x->a->cls[g] & K_PAD) f[g] |= BIN_B_PAD;
}
static void note_pointer(an_ctx *x, uint64_t g)
{
    if (x->reloc_complete && !(x->a->cls[g] & K_RIPLEA)) return;   /* absolute ones come from relocations */
    const bin_region *r = an_region(x, g);
    ZydisDecodedInstruction ins;
    uint64_t off = g - r->index;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&x->dmin, NULL, r->data + off, r->size - off, &ins))) return;
    uint64_t va = r->va + off, v;
    if (x->is64 && ins.raw.modrm.mod == 0 && ins.raw.modrm.rm == 5 && ins.mnemonic == ZYDIS_MNEMONIC_LEA)
        v = va + ins.length + (uint64_t)ins.raw.disp.value;
    else if (x->reloc_complete)
        return;   /* absolute addresses in such code carry relocations, read from there */
    else {
        v = ins.raw.imm[0].value.u;
        if (!x->is64) v &= 0xffffffffu;
    }
    uint64_t t = bin_code_index(x->a, v);
    if (t != UINT64_MAX) u64_push(&x->ptrs, t);
}

/* Follows one linear run from g. */
static void run(an_ctx *x, uint64_t g)
{
    bin_analysis *a = x->a;
    const bin_region *r = an_region(x, g);
    if (!r) return;
    trk t;
    memset(&t, 0, sizeof t);
    uint64_t prev = UINT64_MAX;
    for (;;) {
        if (a->flags[g] & BIN_B_INSN) { a->flags[g] |= BIN_B_BLOCK; return; }
        unsigned l = an_decode(x, g);
        if (!l) return;
        mark_insn(x, g, l);
        a->ninsn++;
        uint8_t c = a->cls[g];
        unsigned k = c & K_MASK;
        uint64_t va = r->va + (g - r->index), next = g + l;
        int next_ok = next - r->index < r->size;
        if (c & K_IMM) note_pointer(x, g);
        uint64_t comp = trk_step(x, &t, g, va, l);
        switch (k) {
        case K_JMP: {
            uint64_t tg = an_target(x, g);
            if (tg != UINT64_MAX) { an_queue(x, tg); bit_set(x->brt, tg); }
            u64_push(&x->jmps, g);
            return;
        }
        case K_JCC: {
            uint64_t tg = an_target(x, g);
            if (tg != UINT64_MAX) { an_queue(x, tg); bit_set(x->jcct, tg); bit_set(x->brt, tg); }
            /* jcc X; jncc X: the pair always jumps; what follows is not reached */
            if (prev != UINT64_MAX && (a->cls[prev] & K_MASK) == K_JCC && an_target(x, prev) == tg) {
                int c1 = jcc_cond(x, prev), c2 = jcc_cond(x, g);
                if (c1 >= 0 && c2 >= 0 && (c1 ^ c2) == 1) return;
            }
            if (!next_ok) return;
            a->flags[next] |= BIN_B_BLOCK;
            break;
        }
        case K_CALL: {
            uint64_t tg = an_target(x, g);
            if (tg == next) break;                    /* call $+5: pushes the address, flows on */
            if (tg == UINT64_MAX) { u64_push(&x->calls, g); break; }
            int reg = -1;
            int64_t adj = 0;
            int kind = peek_callee(x, tg, &reg, &adj);
            if (kind == CALLEE_POPS) {                /* call used as push + jump */
                add_computed(x, g, tg);
                if (a->flags[tg] & BIN_B_INSN) { a->flags[tg] |= BIN_B_BLOCK; return; }
                a->flags[tg] |= BIN_B_BLOCK;
                prev = g;
                g = tg;
                r = an_region(x, g);
                continue;                             /* keep tracking: pop reg takes the pushed address */
            }
            a->flags[tg] |= BIN_B_CALLT;
            an_queue(x, tg);
            u64_push(&x->calls, g);
            if (kind == CALLEE_THUNK) { t.sp = t.sp ? t.sp - 1 : 0; trk_set(&t, reg, r->va + (next - r->index), x->is64); }
            if (kind == CALLEE_RETURNS_ELSEWHERE) {
                uint64_t ra = bin_code_index(a, r->va + (next - r->index) + (uint64_t)adj);
                if (ra != UINT64_MAX) { add_computed(x, g, ra); an_queue(x, ra); }
                return;
            }
            if (x->noret_any && bit_get(x->noret, tg)) return;
            if (x->nofall && bit_get(x->nofall, g)) return;
            if (t.sp) t.sp--;                         /* the callee returns: its return address is popped */
            if (!next_ok) return;
            a->flags[next] |= BIN_B_BLOCK;
            break;
        }
        case K_CALLI:
            u64_push(&x->calls, g);
            if (comp != UINT64_MAX) { add_computed(x, g, comp); a->flags[comp] |= BIN_B_CALLT; an_queue(x, comp); }
            if (x->nofall && bit_get(x->nofall, g)) return;
            if (!next_ok) return;
            a->flags[next] |= BIN_B_BLOCK;
            break;
        case K_RET:
            if (comp != UINT64_MAX) { add_computed(x, g, comp); an_queue(x, comp); bit_set(x->brt, comp); }
            return;
        case K_JMPI:
            if (comp != UINT64_MAX) { add_computed(x, g, comp); an_queue(x, comp); bit_set(x->brt, comp); }
            else u64_push(&x->ijmps, g);
            return;
        case K_STOP:
        case K_INVALID:
            return;
        default:
            break;
        }
        if (!next_ok) return;
        prev = g;
        g = next;
    }
}

static void drain(an_ctx *x)
{
    for (;;) {
        while (x->work.n) run(x, x->work.v[--x->work.n]);
        if (!x->ijmps.n) return;
        /* Resolve indirect jumps once the code before them is known. */
        u64vec todo = x->ijmps;
        memset(&x->ijmps, 0, sizeof x->ijmps);
        for (size_t i = 0; i < todo.n; i++) jt_resolve(x, todo.v[i]);
        free(todo.v);
        if (!x->work.n) return;
    }
}

/* Linear plausibility check of a candidate start: every instruction valid,
 * nothing privileged, branch targets decodable code, no landing inside an
 * instruction already recovered. */
static int plausible(an_ctx *x, uint64_t g)
{
    const bin_analysis *a = x->a;
    const bin_region *r = an_region(x, g);
    if (!r) return 0;
    /* A chain that fails fails for every start whose decoding joins it (the
     * reasons only get stronger as more code is recovered): remembered in
     * x->bad, so data areas are not rescanned 64 instructions per byte. */
    uint64_t path[64];
    unsigned np = 0;
    for (unsigned i = 0; i < 64; i++) {
        if (a->flags[g] & BIN_B_INSN) return i > 0;
        if (bit_get(x->bad, g)) goto fail;
        path[np++] = g;
        if (a->flags[g] & (BIN_B_SEEN | BIN_B_DATA)) goto fail;
        unsigned l = an_decode(x, g);
        if (!l) goto fail;
        uint8_t c = a->cls[g];
        if (c & K_RARE) goto fail;
        unsigned k = c & K_MASK;
        if (k == K_STOP && i == 0) return 0;   /* ud2, hlt: not how code starts */
        for (unsigned b = 1; b < l; b++)        /* conflicts with recovered code */
            if (g + b >= x->n || (a->flags[g + b] & (BIN_B_SEEN | BIN_B_DATA))) goto fail;
        if (k == K_JMP || k == K_JCC || k == K_CALL) {
            uint64_t tg = an_target(x, g);
            if (tg == UINT64_MAX || !an_decode(x, tg)) goto fail;
            if ((a->flags[tg] & BIN_B_SEEN) && !(a->flags[tg] & BIN_B_INSN)) goto fail;
        }
        if (k == K_JMP || k == K_RET || k == K_JMPI || k == K_STOP) return !(c & K_PAD) || i > 0;
        g += l;
        if (g - r->index >= r->size) goto fail;
    }
    return 1;
fail:
    for (unsigned j = 0; j < np; j++) bit_set(x->bad, path[j]);
    return 0;
}

/* Why a function start was accepted: one bitmap per BIN_FSRC_* bit (a
 * hash table keyed by start cost 3.5% of the analysis in lookups). */
static void add_source(an_ctx *x, uint64_t g, unsigned src)
{
    for (unsigned b = 0; b < AN_NSRC; b++)
        if (src >> b & 1) bit_set(x->srcmap + b * x->bmsz, g);
}

static unsigned get_source(const an_ctx *x, uint64_t g)
{
    unsigned s = 0;
    for (unsigned b = 0; b < AN_NSRC; b++) s |= (unsigned)bit_get(x->srcmap + b * x->bmsz, g) << b;
    return s;
}

/* Sweep: explains every byte not yet recovered as padding, code or data. */
static void sweep(an_ctx *x)
{
    bin_analysis *a = x->a;
    for (size_t ri = 0; ri < a->nregions; ri++) {
        const bin_region *r = &a->regions[ri];
        uint64_t g = r->index, end = r->index + r->size;
        int after_pad = 1;   /* region start counts as a boundary */
        while (g < end) {
            uint8_t f = a->flags[g];
            if (f & (BIN_B_SEEN | BIN_B_DATA)) {
                if ((f & BIN_B_INSN) && a->len[g] != 0xff && a->len[g]) {
                    after_pad = (f & BIN_B_PAD) != 0;
                    g += a->len[g];
                } else { g++; after_pad = 0; }
                continue;
            }
            unsigned l = an_decode(x, g);
            if (l && (a->cls[g] & K_PAD) && g + l <= end) {
                /* padding: kept as instructions, owned by no function */
                int clash = 0;
                for (unsigned i = 1; i < l; i++) clash |= a->flags[g + i] & (BIN_B_SEEN | BIN_B_DATA);
                if (!clash) { mark_insn(x, g, l); a->ninsn++; g += l; after_pad = 1; continue; }
            }
            if (plausible(x, g)) {
                /* After padding or at a section start this is a function;
                 * right after other code or data it may be an unreached
                 * part of the function before (decided in compute_functions). */
                if (after_pad) {
                    a->flags[g] |= BIN_B_FUNC;
                    add_source(x, g, BIN_FSRC_GAP);
                } else {
                    u64_push(&x->weak, g);
                }
                an_queue(x, g);
                drain(x);
                continue;
            }
            a->flags[g] |= BIN_B_DATA;
            g++;
            after_pad = 0;
        }
    }
}

/* Code pointers stored in data: relocated slots and aligned words. */
static void scan_data_pointers(an_ctx *x)
{
    const bin_image *img = x->img;
    unsigned w = x->is64 ? 8 : 4;
    for (size_t i = 0; i < img->nptrs; i++) {
        uint64_t t = bin_code_index(x->a, img->ptrs[i].value);
        if (t != UINT64_MAX) u64_push(&x->ptrs, t);
    }
    /* Position-independent images list every stored pointer in their
     * relocations; other aligned words there are numbers, not addresses. */
    if (x->reloc_complete) return;
    for (size_t s = 0; s < img->nsecs; s++) {
        const bin_section *sec = &img->secs[s];
        if (sec->flags & BIN_SEC_X) continue;
        uint64_t start = (w - (sec->va & (w - 1))) & (w - 1);
        for (uint64_t o = start; o + w <= sec->data_size; o += w) {
            uint64_t v = w == 8 ? ld_u64_raw(sec->data + o) : ld_u32_raw(sec->data + o);
            if (v < x->a->regions[0].va) continue;
            uint64_t t = bin_code_index(x->a, v);
            if (t != UINT64_MAX) u64_push(&x->ptrs, t);
        }
    }
}

/* ---- functions --------------------------------------------------------- */

/* Absolute address of a memory operand [rip+d] or [d] (import slots), or 0. */
static uint64_t mem_slot(an_ctx *x, uint64_t g)
{
    const bin_region *r = an_region(x, g);
    ZydisDecodedInstruction ins;
    uint64_t off = g - r->index;
    if (!ZYAN_SUCCESS(ZydisDecoderDecodeInstruction(&x->dmin, NULL, r->data + off, r->size - off, &ins))) return 0;
    if (ins.raw.modrm.mod != 0 || ins.raw.modrm.rm != 5) return 0;
    if (x->is64) return r->va + off + ins.length + (uint64_t)ins.raw.disp.value;
    return (uint64_t)ins.raw.disp.value & 0xffffffffu;
}

static int slot_noret(an_ctx *x, uint64_t g)
{
    if (!x->noret_slot.count) return 0;
    uint64_t s = mem_slot(x, g);
    return s && kn_htab_get(&x->noret_slot, &s) != NULL;
}

static jt_rec *jt_get(an_ctx *x, uint64_t g)
{
    return bit_get(x->hasjt, g) ? kn_htab_get(&x->jt, &g) : NULL;
}

/* Index of the entry at or before g in the sorted entries, or -1. */
static int64_t entry_index(const an_ctx *x, uint64_t g)
{
    size_t lo = 0, hi = x->entries.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (x->entries.v[mid] <= g) lo = mid + 1; else hi = mid;
    }
    return (int64_t)lo - 1;
}

static int64_t entry_exact(const an_ctx *x, uint64_t g)
{
    int64_t i = entry_index(x, g);
    return i >= 0 && x->entries.v[i] == g ? i : -1;
}

/* Upper bound of the function starting at entries[i]: the next entry or the
 * end of its region. */
static uint64_t entry_limit(const an_ctx *x, size_t i)
{
    uint64_t e = x->entries.v[i];
    const bin_region *r = an_region(x, e);
    uint64_t lim = r->index + r->size;
    if (i + 1 < x->entries.n && x->entries.v[i + 1] < lim) lim = x->entries.v[i + 1];
    return lim;
}

typedef struct flood_out {
    int has_ret;        /* reaches a ret (or something that may return) */
    uint64_t end;       /* end of the furthest instruction */
} flood_out;

/* Does a call at g (class k) fall through? returns: per-entry "returns" or NULL (optimistic). */
static int call_falls(an_ctx *x, uint64_t g, unsigned k, const uint8_t *returns)
{
    if (x->nofall && bit_get(x->nofall, g)) return 0;
    if (k == K_CALLI) return !slot_noret(x, g);
    uint64_t tg = an_target(x, g);
    if (tg == UINT64_MAX) return 1;
    if (x->noret_any && bit_get(x->noret, tg)) return 0;
    if (returns && !bit_get(returns, tg) && (x->a->flags[tg] & BIN_B_FUNC)) return 0;
    return 1;
}

/* Flood from entry i over intra-procedural edges inside [e, lim). Jump
 * targets outside go to tails (when non-NULL). */
static void flood(an_ctx *x, size_t i, u64vec *stack, u64vec *tails, const uint8_t *returns, flood_out *fo)
{
    bin_analysis *a = x->a;
    uint64_t e = x->entries.v[i], lim = entry_limit(x, i);
    fo->has_ret = 0;
    fo->end = e;
    stack->n = 0;
    u64_push(stack, e);
    while (stack->n) {
        uint64_t g = stack->v[--stack->n];
        for (;;) {
            if (g < e || g >= lim) { if (tails) u64_push(tails, g); break; }
            if (bit_get(x->visit, g)) break;
            if (!(a->flags[g] & BIN_B_INSN)) break;
            unsigned l = a->len[g];
            if (!l || l == 0xff) break;
            bit_set(x->visit, g);
            /* Branch targets are 4 bytes per code byte, read only at
             * branches: without this streaming hint the loads of tgt
             * missed the cache and took a third of the flood's time. */
            __builtin_prefetch(&a->tgt[g + AN_TGT_SLACK]);
            if (g + l > fo->end) fo->end = g + l;
            unsigned k = a->cls[g] & K_MASK;
            jt_rec *jr = NULL;
            if (k == K_JMPI || k == K_RET || k == K_CALL || k == K_CALLI) jr = jt_get(x, g);
            if (k == K_JMP) { uint64_t t = an_target(x, g); if (t != UINT64_MAX) u64_push(stack, t); break; }
            if (k == K_JCC) { uint64_t t = an_target(x, g); if (t != UINT64_MAX) u64_push(stack, t); g += l; continue; }
            if (k == K_RET) {
                if (jr) { u64_push(stack, x->jt_targets.v[jr->first]); break; }
                fo->has_ret = 1;
                break;
            }
            if (k == K_JMPI) {
                if (jr) { for (uint32_t j = 0; j < jr->count; j++) u64_push(stack, x->jt_targets.v[jr->first + j]); }
                else fo->has_ret = 1;   /* unknown target: may be a tail call that returns */
                break;
            }
            if (k == K_CALL) {
                uint64_t t = an_target(x, g);
                if (t == g + l) { g += l; continue; }
                if (jr && !(a->flags[t] & BIN_B_CALLT)) { u64_push(stack, x->jt_targets.v[jr->first]); break; }
                if (jr) { u64_push(stack, x->jt_targets.v[jr->first]); break; }   /* returns elsewhere */
                if (!call_falls(x, g, k, returns)) break;
                g += l;
                continue;
            }
            if (k == K_CALLI) {
                if (!call_falls(x, g, k, returns)) break;
                g += l;
                continue;
            }
            if (k == K_STOP || k == K_INVALID) break;
            g += l;
        }
    }
}

static void entries_from_flags(an_ctx *x)
{
    bin_analysis *a = x->a;
    x->entries.n = 0;
    for (uint64_t g = 0; g < x->n; g++) {
        if ((g & 7) == 0 && g + 8 <= x->n) {   /* skip 8 bytes at a time when none is an entry */
            uint64_t w;
            memcpy(&w, a->flags + g, 8);
            if (!(w & (0x0101010101010101ull * (BIN_B_FUNC | BIN_B_CALLT)))) { g += 7; continue; }
        }
        uint8_t f = a->flags[g];
        if (!(f & (BIN_B_FUNC | BIN_B_CALLT))) continue;
        if (!(f & BIN_B_INSN) || (f & BIN_B_PAD)) { a->flags[g] &= (uint8_t)~BIN_B_FUNC; continue; }
        a->flags[g] |= BIN_B_FUNC;
        if (f & BIN_B_CALLT) add_source(x, g, BIN_FSRC_CALL);
        u64_push(&x->entries, g);
    }
}

/* Is g preceded by padding that follows an instruction with no successor?
 * Then nothing falls into g. */
static int after_padding(an_ctx *x, uint64_t g)
{
    bin_analysis *a = x->a;
    int pads = 0;
    for (unsigned steps = 0; steps < 32; steps++) {
        uint64_t p = UINT64_MAX;
        for (unsigned d = 1; d <= 15 && d <= g; d++)
            if ((a->flags[g - d] & BIN_B_INSN) && a->len[g - d] == d) { p = g - d; break; }
        if (p == UINT64_MAX) return 0;
        if (a->flags[p] & BIN_B_PAD) { pads++; g = p; continue; }
        unsigned k = a->cls[p] & K_MASK;
        /* a call before padding is one that does not return */
        return pads && (k == K_JMP || k == K_RET || k == K_JMPI || k == K_STOP || k == K_CALL || k == K_CALLI);
    }
    return 0;
}

/* For jmp g -> t == next instruction: does no code between the last
 * function start before g and g branch to t or beyond, and does no code
 * from t on (up to 4 KiB) branch back before t? */
static int next_door_tail(an_ctx *x, uint64_t g, uint64_t t)
{
    const bin_analysis *a = x->a;
    uint64_t e = UINT64_MAX;
    for (uint64_t d = 1; d < (1u << 16) && d <= g; d++)
        if (a->flags[g - d] & BIN_B_FUNC) { e = g - d; break; }
    if (e == UINT64_MAX) return 0;
    for (uint64_t p = e; p < g; p++) {
        if (!(a->flags[p] & BIN_B_INSN)) continue;
        unsigned k = a->cls[p] & K_MASK;
        if (k == K_JMPI && bit_get(x->hasjt, p)) return 0;
        if (k != K_JMP && k != K_JCC) continue;
        uint64_t q = an_target(x, p);
        if (q != UINT64_MAX && q >= t) return 0;
    }
    const bin_region *r = an_region(x, t);
    uint64_t lim = r->index + r->size;
    for (uint64_t p = t; p < lim && p < t + 4096; p++) {
        if (!(a->flags[p] & BIN_B_INSN)) continue;
        if (p > t && (a->flags[p] & BIN_B_FUNC)) break;
        unsigned k = a->cls[p] & K_MASK;
        if (k != K_JMP && k != K_JCC) continue;
        uint64_t q = an_target(x, p);
        if (q != UINT64_MAX && q < t && q >= e) return 0;
    }
    return 1;
}

/* Is the instruction ending at g padding? */
static int pad_before(an_ctx *x, uint64_t g)
{
    const bin_analysis *a = x->a;
    for (unsigned d = 1; d <= 15 && d <= g; d++)
        if ((a->flags[g - d] & BIN_B_INSN) && a->len[g - d] == d) return (a->flags[g - d] & BIN_B_PAD) != 0;
    return 0;
}

/* The floods of one round of function discovery. A flood marks visits
 * only inside its own function's range [entry, next entry) and depends on
 * nothing else that changes between rounds, so after the first round only
 * the functions whose range a new entry split, and the new entries, are
 * flooded again (the real world has rounds that add a handful of entries
 * to 100 000: libLLVM had 36 full rounds). Tails are kept with the entry
 * whose flood found them. */
typedef struct flood_state {
    u64vec stack;
    u64vec tails, owner;     /* jump targets outside the function; owner = its entry */
    u64vec ends;             /* parallel to the sorted entries: end of the furthest instruction */
    size_t nprev;            /* entries[0 .. nprev) were flooded (sorted); later ones were added since */
    u64vec dirty, merged, mends, mt, mo;
} flood_state;

static void flood_owned(an_ctx *x, size_t i, flood_state *fs, uint64_t *end)
{
    flood_out fo;
    size_t t0 = fs->tails.n;
    flood(x, i, &fs->stack, &fs->tails, NULL, &fo);
    for (size_t t = t0; t < fs->tails.n; t++) u64_push(&fs->owner, x->entries.v[i]);
    *end = fo.end;
}

static void flood_all(an_ctx *x, flood_state *fs)
{
    u64_sort_unique(&x->entries);
    memset(x->visit, 0, (x->n + 7) / 8);
    fs->tails.n = fs->owner.n = fs->ends.n = 0;
    for (size_t i = 0; i < x->entries.n; i++) {
        uint64_t end;
        flood_owned(x, i, fs, &end);
        u64_push(&fs->ends, end);
    }
}

/* Clears bits [from, to) of bitmap b. */
static void bits_clear(uint8_t *b, uint64_t from, uint64_t to)
{
    while (from < to && (from & 7)) { b[from >> 3] &= (uint8_t)~(1u << (from & 7)); from++; }
    if (from < to) {
        uint64_t nbytes = (to - from) >> 3;
        memset(b + (from >> 3), 0, nbytes);
        from += nbytes << 3;
        while (from < to) { b[from >> 3] &= (uint8_t)~(1u << (from & 7)); from++; }
    }
}

/* The same result as flood_all after entries[nprev ..] were added to the
 * entries flooded last round. */
static void flood_changed(an_ctx *x, flood_state *fs)
{
    uint64_t *old = x->entries.v;
    size_t no = fs->nprev, na = x->entries.n - no;
    if (!na) return;
    qsort(old + no, na, sizeof *old, u64_cmp);
    /* Old functions a new entry splits: the last old entry before it. */
    fs->dirty.n = 0;
    for (size_t k = 0; k < na; k++) {
        uint64_t add = old[no + k];
        size_t lo = 0, hi = no;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (old[mid] <= add) lo = mid + 1; else hi = mid;
        }
        if (lo > 0) u64_push(&fs->dirty, lo - 1);   /* index into old */
    }
    u64_sort_unique(&fs->dirty);
    for (size_t d = 0; d < fs->dirty.n; d++) {   /* their visits go; they are flooded again */
        size_t j = fs->dirty.v[d];
        const bin_region *r = an_region(x, old[j]);
        uint64_t lim = r->index + r->size;
        if (j + 1 < no && old[j + 1] < lim) lim = old[j + 1];
        bits_clear(x->visit, old[j], lim);
        fs->dirty.v[d] = old[j];                 /* now the entry itself */
    }
    /* Merge old and new entries; ends of untouched functions are kept.
     * (dirty, old entries, new entries and the tails' owners are all
     * sorted: every test below walks them in step.) */
    fs->merged.n = fs->mends.n = 0;
    size_t i = 0, k = no, d = 0;
    while (i < no || k < no + na) {
        int take_old = k >= no + na || (i < no && old[i] <= old[k]);
        uint64_t e = take_old ? old[i] : old[k];
        if (fs->merged.n && fs->merged.v[fs->merged.n - 1] == e) { if (take_old) i++; else k++; continue; }
        while (d < fs->dirty.n && fs->dirty.v[d] < e) d++;
        int redo = !take_old || (d < fs->dirty.n && fs->dirty.v[d] == e);
        u64_push(&fs->merged, e);
        u64_push(&fs->mends, redo ? UINT64_MAX : fs->ends.v[i]);
        if (take_old) i++; else k++;
    }
    /* Tails found by the floods that are redone go. */
    size_t o = 0;
    d = 0;
    for (size_t t = 0; t < fs->tails.n; t++) {
        while (d < fs->dirty.n && fs->dirty.v[d] < fs->owner.v[t]) d++;
        if (d < fs->dirty.n && fs->dirty.v[d] == fs->owner.v[t]) continue;
        fs->tails.v[o] = fs->tails.v[t];
        fs->owner.v[o] = fs->owner.v[t];
        o++;
    }
    fs->tails.n = fs->owner.n = o;
    u64vec tmp = x->entries; x->entries = fs->merged; fs->merged = tmp;
    tmp = fs->ends; fs->ends = fs->mends; fs->mends = tmp;
    for (size_t j = 0; j < x->entries.n; j++)
        if (fs->ends.v[j] == UINT64_MAX) flood_owned(x, j, fs, &fs->ends.v[j]);
    /* The tails in the order a full round finds them (by entry, then in
     * flood order): the round's tests look entries up while adding new
     * ones, so the order can matter. Kept and new tails are each in entry
     * order; one merge restores it. */
    size_t kept = o, n = fs->tails.n, a = 0, b = kept;
    fs->mt.n = fs->mo.n = 0;
    while (a < kept || b < n) {
        int from_kept = b >= n || (a < kept && fs->owner.v[a] < fs->owner.v[b]);
        size_t t = from_kept ? a++ : b++;
        u64_push(&fs->mt, fs->tails.v[t]);
        u64_push(&fs->mo, fs->owner.v[t]);
    }
    tmp = fs->tails; fs->tails = fs->mt; fs->mt = tmp;
    tmp = fs->owner; fs->owner = fs->mo; fs->mo = tmp;
}

static void compute_functions(an_ctx *x)
{
    bin_analysis *a = x->a;
    /* A jump over padding to code nothing else branches to conditionally: a
     * tail call to the function laid out next. */
    for (size_t j = 0; j < x->jmps.n; j++) {
        uint64_t g = x->jmps.v[j];
        uint64_t t = an_target(x, g);
        if (t == UINT64_MAX || t <= g || (a->flags[t] & (BIN_B_FUNC | BIN_B_PAD)) || !(a->flags[t] & BIN_B_INSN) || bit_get(x->jcct, t)) continue;
        if (t == g + a->len[g]) {
            /* jmp to the next instruction: a tail call to the function the
             * linker placed next, when nothing before the jump branches past
             * it (otherwise both sides are one function, as unoptimised code
             * has such jumps inside functions). */
            if (!next_door_tail(x, g, t)) continue;
        } else if ((bin_code_va(a, t) & 15) || !after_padding(x, t)) continue;   /* functions after padding are aligned */
        a->flags[t] |= BIN_B_FUNC;
        add_source(x, t, BIN_FSRC_TAIL);
    }
    entries_from_flags(x);
    for (size_t i = 0; i < x->ptrs.n; i++) {
        uint64_t p = x->ptrs.v[i];
        if ((a->flags[p] & BIN_B_INSN) && !(a->flags[p] & BIN_B_PAD)) a->flags[p] |= BIN_B_PTR;
    }
    flood_state fs = {0};
    for (int iter = 0; iter < 24; iter++) {
        if (iter == 0) flood_all(x, &fs);
        else flood_changed(x, &fs);
        u64vec ends = fs.ends;
        size_t added = 0;
        size_t nent = x->entries.n;
        fs.nprev = nent;
        /* Inside the extent of a function (between its entry and the end of
         * its last recovered instruction) is no function start, even where
         * its flood did not reach (unresolved computed jumps). */
#define INSIDE_OTHER(t) ({ int64_t ei_ = entry_index(x, (t)); ei_ >= 0 && (size_t)ei_ < nent && ends.n == nent && (t) < ends.v[ei_] && x->entries.v[ei_] != (t); })
        /* Tails that cannot become entries in any later round (not code,
         * padding, or an entry already) leave the list as they are met:
         * every round would read their flags again (a cache miss each). */
        size_t keep = 0;
        for (size_t i = 0; i < fs.tails.n; i++) {
            uint64_t t = fs.tails.v[i];
            if (t >= x->n || !(a->flags[t] & BIN_B_INSN) || (a->flags[t] & (BIN_B_FUNC | BIN_B_PAD))) continue;
            fs.tails.v[keep] = t;
            fs.owner.v[keep] = fs.owner.v[i];
            keep++;
            if (bit_get(x->visit, t)) continue;
            if (INSIDE_OTHER(t)) continue;
            a->flags[t] |= BIN_B_FUNC;
            add_source(x, t, BIN_FSRC_TAIL);
            u64_push(&x->entries, t);
            added++;
        }
        fs.tails.n = fs.owner.n = keep;
        /* One kind of evidence per round, strongest first, so each kind is
         * judged against bodies that include the stronger ones. */
        size_t before_weak = added;
        for (size_t i = 0; !before_weak && i < x->weak.n; i++) {
            uint64_t w = x->weak.v[i];
            if ((a->flags[w] & BIN_B_FUNC) || !(a->flags[w] & BIN_B_INSN) || bit_get(x->visit, w) || INSIDE_OTHER(w)) continue;
            if ((a->cls[w] & K_MASK) == K_JMP) {   /* dead jump back into the code before (after hlt, say) */
                uint64_t t = an_target(x, w);
                int64_t ei = entry_index(x, w);
                if (t < w && ei >= 0 && t >= x->entries.v[ei]) continue;
            }
            a->flags[w] |= BIN_B_FUNC;
            add_source(x, w, BIN_FSRC_GAP);
            u64_push(&x->entries, w);
            added++;
        }
        size_t before_ptrs = added;
        for (size_t i = 0; !before_ptrs && i < x->ptrs.n; i++) {
            uint64_t p = x->ptrs.v[i];
            if (!(a->flags[p] & BIN_B_PTR) || (a->flags[p] & BIN_B_FUNC)) continue;
            /* reached by another function's flood: still a start when it sits
             * aligned right after padding (code falling into the next function) */
            if (bit_get(x->visit, p) && ((bin_code_va(a, p) & 15) || !pad_before(x, p) || bit_get(x->brt, p))) continue;
            if (!bit_get(x->visit, p) && INSIDE_OTHER(p)) continue;
            a->flags[p] |= BIN_B_FUNC;
            add_source(x, p, BIN_FSRC_PTR);
            u64_push(&x->entries, p);
            added++;
        }
#undef INSIDE_OTHER
        if (!added) break;
        if (iter == 23) u64_sort_unique(&x->entries);   /* the round limit: later stages want them sorted */
    }
    free(fs.stack.v); free(fs.tails.v); free(fs.owner.v); free(fs.ends.v);
    free(fs.dirty.v); free(fs.merged.v); free(fs.mends.v); free(fs.mt.v); free(fs.mo.v);
}

/* Least fixpoint of "can return": a bitmap by code index, set at the
 * entries of functions that can return. */
static uint8_t *returning(an_ctx *x)
{
    size_t ne = x->entries.n;
    uint8_t *ret = calloc((x->n + 7) / 8 + 1, 1);
    if (!ret) return NULL;
    u64vec stack = {0}, tails = {0};
    for (int iter = 0; iter < 64; iter++) {
        int changed = 0;
        memset(x->visit, 0, (x->n + 7) / 8);
        for (size_t i = 0; i < ne; i++) {
            uint64_t e = x->entries.v[i];
            if (bit_get(ret, e)) continue;
            flood_out fo;
            tails.n = 0;
            flood(x, i, &stack, &tails, ret, &fo);
            int r = fo.has_ret;
            for (size_t j = 0; !r && j < tails.n; j++) {   /* tail call to a returning function */
                uint64_t t = tails.v[j];
                if (t >= x->n || !(x->a->flags[t] & BIN_B_FUNC) || bit_get(ret, t)) r = 1;
            }
            if (r) { bit_set(ret, e); changed = 1; }
        }
        if (!changed) break;
    }
    free(stack.v);
    free(tails.v);
    /* what call-site evidence proved non-returning stays so */
    for (size_t i = 0; i < ne; i++)
        if (bit_get(x->noret, x->entries.v[i])) ret[x->entries.v[i] >> 3] &= (uint8_t)~(1u << (x->entries.v[i] & 7));
    return ret;
}

/* Does the byte run from g consist of padding up to a function entry, data,
 * or the end of the region (2), or up to an aligned address no branch
 * targets (1)? Then a call returning to g cannot return. */
static int padding_then_boundary(an_ctx *x, uint64_t g)
{
    bin_analysis *a = x->a;
    const bin_region *r = an_region(x, g);
    if (!r) return 1;
    uint64_t end = r->index + r->size;
    if (g >= end) return 1;
    if (a->flags[g] & BIN_B_FUNC) return 1;
    unsigned steps = 0, bytes = 0;
    while (g < end && steps++ < 64) {
        unsigned l = an_decode(x, g);
        if (!l) return 2;
        if (!(a->cls[g] & K_PAD)) return 0;
        g += l;
        bytes += l;
        if (g >= end || (a->flags[g] & BIN_B_FUNC)) return 2;
        /* padding (more than a lone nop) up to an aligned address nothing
         * branches to: a loop head would be a branch target, so this is
         * probably the next function (weaker evidence: 1) */
        if (bytes >= 2 && !(bin_code_va(a, g) & 15) && !bit_get(x->brt, g) && !(a->cls[g] & K_PAD)) return 1;
    }
    return 0;
}

/* After pass 1: which functions and call sites never return. */
static uint8_t *find_noreturn(an_ctx *x)
{
    bin_analysis *a = x->a;
    uint8_t *ret = returning(x);
    if (!ret) return NULL;
    /* Functions whose only exits are unknown (import stubs): call-site evidence. */
    memset(x->visit, 0, (x->n + 7) / 8);
    u64vec stack = {0};
    uint8_t *proven = calloc(x->entries.n ? x->entries.n : 1, 1);   /* has a real ret */
    for (size_t i = 0; proven && i < x->entries.n; i++) {
        uint64_t e = x->entries.v[i], lim = entry_limit(x, i);
        for (uint64_t g = e; g < lim; g++)
            if ((a->flags[g] & BIN_B_INSN) && (a->cls[g] & K_MASK) == K_RET && !jt_get(x, g)) { proven[i] = 1; break; }
    }
    for (size_t c = 0; c < x->calls.n; c++) {
        uint64_t s = x->calls.v[c];
        unsigned k = a->cls[s] & K_MASK;
        uint64_t ra = s + a->len[s];
        int ev = padding_then_boundary(x, ra);
        if (!ev) continue;
        if (ev == 1 && k == K_CALL) {   /* weak evidence does not overrule a callee that returns */
            uint64_t t = an_target(x, s);
            int64_t ei = t == UINT64_MAX ? -1 : entry_exact(x, t);
            if (ei >= 0 && proven && proven[ei]) continue;
        }
        bit_set(x->nofall, s);
        if (k == K_CALLI) {
            uint64_t slot = mem_slot(x, s);
            int created;
            if (slot) kn_htab_put(&x->noret_slot, &slot, &created);
        } else {
            uint64_t t = an_target(x, s);
            int64_t ei = t == UINT64_MAX ? -1 : entry_exact(x, t);
            if (ei >= 0 && proven && !proven[ei]) { ret[t >> 3] &= (uint8_t)~(1u << (t & 7)); bit_set(x->noret, t); x->noret_any = 1; }
        }
    }
    for (size_t i = 0; i < x->entries.n; i++)
        if (!bit_get(ret, x->entries.v[i])) { bit_set(x->noret, x->entries.v[i]); x->noret_any = 1; }
    free(proven);
    free(stack.v);
    return ret;
}

/* The second pass changes something only if a call found not to return
 * was followed into code that nothing else reaches (not padding, not a
 * function entry, not a branch target). Compiled code rarely has any: the
 * pass is skipped then. */
static int second_pass_needed(an_ctx *x)
{
    bin_analysis *a = x->a;
    for (size_t i = 0; i < x->calls.n; i++) {
        uint64_t s = x->calls.v[i];
        unsigned k = a->cls[s] & K_MASK;
        if (call_falls(x, s, k, NULL)) continue;
        uint64_t f = s + a->len[s];
        const bin_region *r = an_region(x, s);
        unsigned steps = 0;
        while (f < r->index + r->size && (a->flags[f] & BIN_B_PAD) && a->len[f] && a->len[f] != 0xff && steps++ < 64)
            f += a->len[f];   /* padding leads on to what follows it */
        if (f >= r->index + r->size || !(a->flags[f] & BIN_B_INSN) || (a->flags[f] & BIN_B_FUNC) || bit_get(x->brt, f)) continue;
        return 1;
    }
    return 0;
}

static void reset_pass(an_ctx *x)
{
    bin_analysis *a = x->a;
    memset(a->flags, 0, x->n);
    memset(x->jcct, 0, (x->n + 7) / 8);
    memset(x->brt, 0, (x->n + 7) / 8);
    a->ninsn = 0;
    /* Indirect-jump results depend only on the code before the jump, which
     * the second pass recovers again: they are kept (with the data marks of
     * tables inside code), not recomputed. */
    x->work.n = x->ptrs.n = x->ijmps.n = x->calls.n = x->entries.n = x->jmps.n = x->weak.n = 0;
    memset(x->srcmap, 0, AN_NSRC * x->bmsz);
    for (size_t i = 0; i + 1 < x->jt_data.n; i += 2)
        for (uint64_t b = 0; b < x->jt_data.v[i + 1]; b++) a->flags[x->jt_data.v[i] + b] |= BIN_B_DATA;
}

static void seed_hints(an_ctx *x)
{
    const bin_image *img = x->img;
    bin_analysis *a = x->a;
    for (size_t i = 0; i < img->nsyms + 1; i++) {
        uint64_t va;
        if (i == img->nsyms) { if (!img->has_entry) break; va = img->entry; }
        else if (img->syms[i].kind == BIN_SYM_IMPORT) continue;
        else va = img->syms[i].va;
        uint64_t g = bin_code_index(a, va);
        if (g == UINT64_MAX || !an_decode(x, g)) continue;
        a->flags[g] |= BIN_B_FUNC;
        add_source(x, g, BIN_FSRC_HINT);
        an_queue(x, g);
    }
    drain(x);
}

static void do_pass(an_ctx *x)
{
    reset_pass(x);
    if (x->hints) seed_hints(x);
    sweep(x);
    scan_data_pointers(x);
    compute_functions(x);
}

/* ---- results ------------------------------------------------------------ */

typedef struct vec { void *p; size_t n, cap; } vec;

static void *vec_push(vec *v, size_t elem)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 256;
        void *p = realloc(v->p, cap * elem);
        if (!p) return NULL;
        v->p = p;
        v->cap = cap;
    }
    return (char *)v->p + elem * v->n++;
}

/* Advises transparent huge pages for the 2 MiB-aligned interior of
 * [p, p + n) (see perbyte_alloc). */
static void advise_huge(void *p, size_t n)
{
#ifdef MADV_HUGEPAGE
    const uintptr_t huge = (uintptr_t)2 << 20;
    uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + n) & ~(huge - 1);
    if (p && hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
#else
    (void)p; (void)n;
#endif
}

/* Room for about as many elements as compiled code has per instruction
 * (blocks 0.22-0.26, edges 0.28-0.34, calls 0.04-0.10 on gcc/clang/mingw
 * programs and libLLVM), so the arrays are not copied while they grow:
 * growing by doubling cost about 30% of the analysis' page faults.
 * Untouched capacity costs no memory. 0, or -1 on no memory. */
static int vec_reserve(vec *v, size_t elem, size_t cap)
{
    v->p = malloc(cap * elem);
    if (!v->p) v->p = malloc((cap = 256) * elem);   /* no room to reserve: grow as needed */
    if (!v->p) return -1;
    v->cap = cap;
    advise_huge(v->p, cap * elem);
    return 0;
}

static const char *name_for(const bin_image *img, uint64_t va)
{
    size_t lo = 0, hi = img->nsyms;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (img->syms[mid].va < va) lo = mid + 1; else hi = mid;
    }
    for (size_t i = lo; i < img->nsyms && img->syms[i].va == va; i++)
        if (img->syms[i].name && img->syms[i].kind != BIN_SYM_IMPORT) return img->syms[i].name;
    return NULL;
}

static const char *import_for(const bin_image *img, uint64_t slot)
{
    size_t lo = 0, hi = img->nsyms;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (img->syms[mid].va < slot) lo = mid + 1; else hi = mid;
    }
    for (size_t i = lo; i < img->nsyms && img->syms[i].va == slot; i++)
        if (img->syms[i].kind == BIN_SYM_IMPORT) return img->syms[i].name;
    return NULL;
}

int an_fixed_pointer(const an_ctx *x, uint64_t va)
{
    const bin_section *s = bin_section_at(x->img, va);
    if (!s || (s->flags & BIN_SEC_W)) return 0;
    return import_for(x->img, va) == NULL;
}

/* First set bit of bitmap b in [g, lim), or lim. Reads 8 bytes at a time
 * (bitmaps carry 8 bytes of slack; x86 is little-endian, so bit i of the
 * word is bit i of the bitmap from its first byte). */
static inline uint64_t next_set(const uint8_t *b, uint64_t g, uint64_t lim)
{
    while (g < lim) {
        uint64_t w;
        memcpy(&w, b + (g >> 3), 8);
        w >>= g & 7;
        if (w) { g += (uint64_t)__builtin_ctzll(w); return g < lim ? g : lim; }
        g = (g & ~(uint64_t)7) + 64;
    }
    return lim;
}

/* Replaces each call's callee (a code index, or -1) by the index of the
 * function starting there, or -1: a bitmap of entries plus the number of
 * entries before each 64-bit word, so each lookup is O(1) (a binary search
 * over the functions per call was 3.5% of the analysis). 0, or -1 on no
 * memory. */
static int callee_by_rank(an_ctx *x)
{
    bin_analysis *a = x->a;
    uint64_t nw = (x->n + 63) / 64;
    uint32_t *rank = malloc((nw ? nw : 1) * sizeof *rank);
    if (!rank) return -1;
    uint8_t *bm = x->visit;   /* free again: the floods are done */
    memset(bm, 0, x->bmsz);
    for (size_t i = 0; i < x->entries.n; i++) bit_set(bm, x->entries.v[i]);
    uint32_t c = 0;
    for (uint64_t w = 0; w < nw; w++) {
        uint64_t word;
        rank[w] = c;
        memcpy(&word, bm + w * 8, 8);
        c += (uint32_t)__builtin_popcountll(word);
    }
    for (size_t i = 0; i < a->ncalls; i++) {
        int32_t t = a->calls[i].callee;
        if (t < 0 || (uint64_t)t >= x->n || !bit_get(bm, (uint64_t)t)) { a->calls[i].callee = -1; continue; }
        uint64_t word;
        memcpy(&word, bm + ((uint64_t)t >> 6) * 8, 8);
        uint64_t below = word & ((1ull << (t & 63)) - 1);
        a->calls[i].callee = (int32_t)(rank[t >> 6] + (uint32_t)__builtin_popcountll(below));
    }
    free(rank);
    return 0;
}

static kn_status build_results(an_ctx *x, const uint8_t *ret)
{
    bin_analysis *a = x->a;
    vec funcs = {0}, blocks = {0}, edges = {0}, calls = {0};
    uint64_t ni = a->ninsn;
    if (vec_reserve(&funcs, sizeof(bin_func), x->entries.n + 1) || vec_reserve(&blocks, sizeof(bin_block), ni * 3 / 10 + 256) ||
        vec_reserve(&edges, sizeof(bin_edge), ni * 4 / 10 + 256) || vec_reserve(&calls, sizeof(bin_call), ni / 8 + 256)) {
        free(funcs.p); free(blocks.p); free(edges.p);
        return KN_ERR_NOMEM;
    }
    memset(x->visit, 0, (x->n + 7) / 8);
    u64vec stack = {0};
    for (size_t i = 0; i < x->entries.n; i++) {
        flood_out fo;
        flood(x, i, &stack, NULL, NULL, &fo);
        uint64_t e = x->entries.v[i], lim = entry_limit(x, i);
        bin_func *f = vec_push(&funcs, sizeof *f);
        if (!f) goto nomem;
        memset(f, 0, sizeof *f);
        uint64_t eva = bin_code_va(a, e);
        f->va = eva;
        f->size = fo.end - e;
        f->sources = get_source(x, e);
        f->noreturn = ret ? !bit_get(ret, e) : 0;
        f->first_block = (uint32_t)blocks.n;
        f->name = name_for(x->img, eva);
        if (!f->name) {   /* an import stub: jmp [slot] */
            if ((a->cls[e] & K_MASK) == K_JMPI) {
                uint64_t s = mem_slot(x, e);
                const char *imp = s ? import_for(x->img, s) : NULL;
                if (imp) {
                    char buf[300];
                    snprintf(buf, sizeof buf, "%s@plt", imp);
                    f->name = kn_arena_strdup(&((bin_image *)x->img)->arena, buf);
                }
            }
        }
        int32_t fidx = (int32_t)(funcs.n - 1);
        bin_block *cur = NULL;
        uint64_t cur_end = 0;
        for (uint64_t g = next_set(x->visit, e, lim); g < lim; g = next_set(x->visit, g + 1, lim)) {
            unsigned l = a->len[g];
            if (!cur || cur_end != g || (a->flags[g] & BIN_B_BLOCK) || g == e) {
                cur = vec_push(&blocks, sizeof *cur);
                if (!cur) goto nomem;
                cur->va = bin_code_va(a, g);
                cur->size = 0;
                cur->ninsn = 0;
                cur->func = fidx;
                f->nblocks++;
            }
            cur->size += l;
            cur->ninsn++;
            cur_end = g + l;
            unsigned k = a->cls[g] & K_MASK;
            jt_rec *jr = (k == K_JMPI || k == K_RET || k == K_CALL || k == K_CALLI) ? jt_get(x, g) : NULL;
            uint64_t succ[2] = {UINT64_MAX, UINT64_MAX};
            bin_edge_kind sk[2] = {BIN_EDGE_FALL, BIN_EDGE_FALL};
            int ends = 1;
            switch (k) {
            case K_JMP: succ[0] = an_target(x, g); sk[0] = BIN_EDGE_JUMP; break;
            case K_JCC: succ[0] = an_target(x, g); sk[0] = BIN_EDGE_COND_TAKEN; succ[1] = g + l; sk[1] = BIN_EDGE_COND_FALL; break;
            case K_CALL: {
                uint64_t t = an_target(x, g);
                if (t == g + l) { ends = 0; break; }
                if (jr && !(a->flags[t] & BIN_B_CALLT)) { succ[0] = t; sk[0] = BIN_EDGE_JUMP; break; }
                bin_call *c = vec_push(&calls, sizeof *c);
                if (!c) goto nomem;
                c->site = bin_code_va(a, g);
                c->target = t == UINT64_MAX ? 0 : bin_code_va(a, t);
                c->caller = fidx; c->callee = t == UINT64_MAX ? -1 : (int32_t)t; c->tail = 0;
                if (jr) { succ[0] = x->jt_targets.v[jr->first]; sk[0] = BIN_EDGE_CALL_FALL; break; }
                if (call_falls(x, g, k, NULL)) { succ[0] = g + l; sk[0] = BIN_EDGE_CALL_FALL; ends = g + l >= x->n || (a->flags[g + l] & BIN_B_BLOCK) != 0; }
                break;
            }
            case K_CALLI: {
                bin_call *c = vec_push(&calls, sizeof *c);
                if (!c) goto nomem;
                c->site = bin_code_va(a, g);
                c->target = jr ? bin_code_va(a, x->jt_targets.v[jr->first]) : 0;
                c->caller = fidx; c->callee = jr ? (int32_t)x->jt_targets.v[jr->first] : -1; c->tail = 0;
                if (call_falls(x, g, k, NULL)) { succ[0] = g + l; sk[0] = BIN_EDGE_CALL_FALL; ends = g + l >= x->n || (a->flags[g + l] & BIN_B_BLOCK) != 0; }
                break;
            }
            case K_RET: case K_JMPI:
                if (jr) {
                    for (uint32_t j = 0; j < jr->count; j++) {
                        uint64_t t = x->jt_targets.v[jr->first + j];
                        if (t >= e && t < lim) {
                            bin_edge *ed = vec_push(&edges, sizeof *ed);
                            if (!ed) goto nomem;
                            ed->from = cur->va; ed->to = bin_code_va(a, t); ed->kind = BIN_EDGE_TABLE;
                            f->nedges++;
                        } else {
                            bin_call *c = vec_push(&calls, sizeof *c);
                            if (!c) goto nomem;
                            c->site = bin_code_va(a, g); c->target = bin_code_va(a, t);
                            c->caller = fidx; c->callee = (int32_t)t; c->tail = 1;
                        }
                    }
                }
                break;
            case K_STOP: case K_INVALID: break;
            default:
                ends = 0;
                break;
            }
            if (!ends) {   /* a block also ends where the next one starts */
                uint64_t n2 = g + l;
                if (n2 < lim && bit_get(x->visit, n2) && (a->flags[n2] & BIN_B_BLOCK)) {
                    bin_edge *ed = vec_push(&edges, sizeof *ed);
                    if (!ed) goto nomem;
                    ed->from = cur->va; ed->to = bin_code_va(a, n2);
                    ed->kind = (k == K_CALL || k == K_CALLI) ? BIN_EDGE_CALL_FALL : BIN_EDGE_FALL;
                    f->nedges++;
                    cur = NULL;
                }
                continue;
            }
            for (int s = 0; s < 2; s++) {
                if (succ[s] == UINT64_MAX) continue;
                if (succ[s] >= e && succ[s] < lim) {
                    if (!bit_get(x->visit, succ[s])) continue;   /* not code (opaque predicate arm) */
                    bin_edge *ed = vec_push(&edges, sizeof *ed);
                    if (!ed) goto nomem;
                    ed->from = cur->va; ed->to = bin_code_va(a, succ[s]); ed->kind = sk[s];
                    f->nedges++;
                } else if (k == K_JMP || (k == K_JCC && s == 0)) {
                    bin_call *c = vec_push(&calls, sizeof *c);
                    if (!c) goto nomem;
                    c->site = bin_code_va(a, g); c->target = bin_code_va(a, succ[s]);
                    c->caller = fidx; c->callee = (int32_t)succ[s]; c->tail = 1;
                }
            }
            cur = NULL;
        }
    }
    free(stack.v);
    a->funcs = funcs.p; a->nfuncs = funcs.n;
    a->blocks = blocks.p; a->nblocks = blocks.n;
    a->edges = edges.p; a->nedges = edges.n;
    a->calls = calls.p; a->ncalls = calls.n;
    /* callee holds the target's code index until here (indexes are below
     * AN_MAX_CODE = 2^31): functions are numbered like the entries, so the
     * callee is the target's rank among the entries when it is one. */
    if (callee_by_rank(x) != 0) goto nomem_results;
    for (size_t i = 0; i < a->nfuncs; i++) a->noreturn_funcs += a->funcs[i].noreturn != 0;
    return KN_OK;
nomem:
    free(stack.v);
    free(funcs.p); free(blocks.p); free(edges.p); free(calls.p);
    return KN_ERR_NOMEM;
nomem_results:
    free(a->funcs); free(a->blocks); free(a->edges); free(a->calls);
    a->funcs = NULL; a->blocks = NULL; a->edges = NULL; a->calls = NULL;
    a->nfuncs = a->nblocks = a->nedges = a->ncalls = 0;
    return KN_ERR_NOMEM;
}

int32_t bin_func_by_va(const bin_analysis *a, uint64_t va)
{
    size_t lo = 0, hi = a->nfuncs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->funcs[mid].va < va) lo = mid + 1; else hi = mid;
    }
    return lo < a->nfuncs && a->funcs[lo].va == va ? (int32_t)lo : -1;
}

int32_t bin_block_at(const bin_analysis *a, uint64_t va)
{
    size_t lo = 0, hi = a->nblocks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (a->blocks[mid].va <= va) lo = mid + 1; else hi = mid;
    }
    if (lo == 0) return -1;
    const bin_block *b = &a->blocks[lo - 1];
    return va - b->va < b->size ? (int32_t)(lo - 1) : -1;
}

int32_t bin_func_at(const bin_analysis *a, uint64_t va)
{
    int32_t b = bin_block_at(a, va);
    return b < 0 ? -1 : a->blocks[b].func;
}

const char *bin_name_at(const bin_analysis *a, uint64_t va)
{
    int32_t f = bin_func_by_va(a, va);
    if (f >= 0 && a->funcs[f].name) return a->funcs[f].name;
    return name_for(a->img, va);
}

int bin_format_insn(const bin_analysis *a, uint64_t va, bin_insn_text *out)
{
    an_ctx *x = a->priv;
    uint64_t g = bin_code_index(a, va);
    memset(out, 0, sizeof *out);
    if (g == UINT64_MAX) return -1;
    ZydisDecodedInstruction ins;
    ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
    if (an_decode_full(x, g, &ins, ops) != 0) return -1;
    static ZydisFormatter fmt;
    static int fmt_ready;
    if (!fmt_ready) {
        ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL);
        ZydisFormatterSetProperty(&fmt, ZYDIS_FORMATTER_PROP_FORCE_SIZE, ZYAN_TRUE);
        fmt_ready = 1;
    }
    out->va = va;
    out->size = ins.length;
    if (ins.mnemonic == ZYDIS_MNEMONIC_FWAIT && a->len[g] > 1 && a->len[g] != 0xff &&
        an_decode_full(x, g + 1, &ins, ops) == 0) {   /* wait + fnstsw = fstsw (see an_decode) */
        const char *m = ZydisMnemonicGetString(ins.mnemonic);
        char body[160];
        ZydisFormatterFormatInstruction(&fmt, &ins, ops, ins.operand_count_visible, body, sizeof body, va + 1, NULL);
        snprintf(out->mnemonic, sizeof out->mnemonic, "f%s", m + 2);
        snprintf(out->text, sizeof out->text, "f%s", body + 2);
        out->size = a->len[g];
        return 0;
    }
    snprintf(out->mnemonic, sizeof out->mnemonic, "%s", ZydisMnemonicGetString(ins.mnemonic));
    ZydisFormatterFormatInstruction(&fmt, &ins, ops, ins.operand_count_visible, out->text, sizeof out->text, va, NULL);
    unsigned k = a->cls[g] & K_MASK;
    if ((k == K_JMP || k == K_JCC || k == K_CALL) && ins.raw.imm[0].is_relative) {
        uint64_t t = va + ins.length + (uint64_t)ins.raw.imm[0].value.s;
        out->target = x->is64 ? t : (t & 0xffffffffu);
    }
    return 0;
}

/* ---- self-test of the fast decoder -------------------------------------------- */

long an_fast_selftest(const uint8_t *p, size_t n, int is64, uint64_t base, uint64_t *bad_offset)
{
    /* Decodes every offset of p twice, through the fast table and through
     * Zydis, in a one-region context, and compares length, class and
     * branch target. Returns the number of offsets the fast path answered,
     * or -1 at the first disagreement (*bad_offset). */
    bin_analysis a;
    an_ctx x;
    bin_region r;
    memset(&a, 0, sizeof a);
    memset(&x, 0, sizeof x);
    r.va = base; r.size = n; r.index = 0; r.data = p;
    a.regions = &r; a.nregions = 1; a.code_size = n;
    x.a = &a; x.n = n; x.is64 = is64;
    x.mode = is64 ? ZYDIS_MACHINE_MODE_LONG_64 : ZYDIS_MACHINE_MODE_LEGACY_32;
    ZydisDecoderInit(&x.dmin, x.mode, is64 ? ZYDIS_STACK_WIDTH_64 : ZYDIS_STACK_WIDTH_32);
    ZydisDecoderEnableMode(&x.dmin, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE);
    uint8_t *len = calloc(n ? n : 1, 2), *cls = calloc(n ? n : 1, 2);
    uint32_t *tgt = calloc(n ? n : 1, 2 * sizeof *tgt);
    if (!len || !cls || !tgt) { free(len); free(cls); free(tgt); return -1; }
    long answered = 0;
    for (int pass = 0; pass < 2; pass++) {
        x.no_fast = pass;
        a.len = len + pass * n; a.cls = cls + pass * n; a.tgt = tgt + pass * n;
        for (uint64_t g = 0; g < n; g++) an_decode(&x, g);
    }
    for (uint64_t g = 0; g < n; g++) {
        an_fast fd;
        if (an_fast_decode(p + g, n - g, is64, &fd)) answered++;
        if (len[g] != len[n + g] || cls[g] != cls[n + g] || tgt[g] != tgt[n + g]) {
            *bad_offset = g;
            answered = -1;
            break;
        }
    }
    free(len); free(cls); free(tgt);
    return answered;
}

/* ---- entry points ---------------------------------------------------------- */

static kn_status build_regions(an_ctx *x, kn_err *e)
{
    bin_analysis *a = x->a;
    const bin_image *img = x->img;
    size_t n = 0;
    for (size_t i = 0; i < img->nsecs; i++) n += (img->secs[i].flags & BIN_SEC_X) && img->secs[i].data_size;
    a->regions = calloc(n ? n : 1, sizeof *a->regions);
    if (!a->regions) return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    uint64_t idx = 0;
    for (size_t i = 0; i < img->nsecs; i++) {
        const bin_section *s = &img->secs[i];
        if (!(s->flags & BIN_SEC_X) || !s->data_size) continue;
        if (idx + s->data_size > AN_MAX_CODE)
            return kn_err_set(e, KN_ERR_LIMIT, img->path, (int64_t)s->file_offset, "more than %llu bytes of code", (unsigned long long)AN_MAX_CODE);
        bin_region *r = &a->regions[a->nregions++];
        r->va = s->va;
        r->size = s->data_size;
        r->index = idx;
        r->data = s->data;
        idx += s->data_size;
    }
    a->code_size = idx;
    x->n = idx;
    return KN_OK;
}

/* All per-byte state (len, cls, flags, tgt and the bitmaps) in one zeroed
 * block laid out from a 2 MiB boundary and marked for transparent huge
 * pages: the arrays are touched nearly everywhere, and with 4 KiB pages
 * the kernel's page faults took about 15% of the analysis (24 000 faults
 * for 5.6 MB of code; 8% less CPU with the advice). Where THP is off the
 * advice is ignored. The slack before the boundary is never touched. */
static int perbyte_alloc(an_ctx *x, uint64_t n)
{
    bin_analysis *a = x->a;
    const uintptr_t huge = (uintptr_t)2 << 20;
    size_t bm = x->bmsz, total = 7 * n + 4 * AN_TGT_SLACK + (AN_NBITMAPS + AN_NSRC) * bm;
    uint8_t *p = calloc(total + huge, 1);
    if (!p) return -1;
    x->perbyte = p;
    uint8_t *b = (uint8_t *)(((uintptr_t)p + huge - 1) & ~(huge - 1));
#ifdef MADV_HUGEPAGE
    if (total >= huge) madvise(b, total & ~(size_t)4095, MADV_HUGEPAGE);
#endif
    a->tgt = (uint32_t *)b; b += 4 * (n + AN_TGT_SLACK);
    a->len = b; b += n;
    a->cls = b; b += n;
    a->flags = b; b += n;
    uint8_t **maps[AN_NBITMAPS] = {&x->noret, &x->nofall, &x->visit, &x->jcct, &x->hasjt, &x->jtfail, &x->brt, &x->bad};
    for (int i = 0; i < AN_NBITMAPS; i++) { *maps[i] = b; b += bm; }
    x->srcmap = b;
    return 0;
}

kn_status bin_analyze(const bin_image *img, const bin_analyze_opts *o, bin_analysis **out, kn_err *e)
{
    *out = NULL;
    bin_analysis *a = calloc(1, sizeof *a);
    an_ctx *x = calloc(1, sizeof *x);
    if (!a || !x) { free(a); free(x); return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory"); }
    a->priv = x;
    a->img = img;
    a->arch = img->arch;
    x->a = a;
    x->img = img;
    x->hints = o && o->hints;
    x->is64 = img->arch == BIN_ARCH_X64;
    x->reloc_complete = img->pie && img->nptrs > 0;
    x->mode = x->is64 ? ZYDIS_MACHINE_MODE_LONG_64 : ZYDIS_MACHINE_MODE_LEGACY_32;
    ZydisStackWidth sw = x->is64 ? ZYDIS_STACK_WIDTH_64 : ZYDIS_STACK_WIDTH_32;
    ZydisDecoderInit(&x->dmin, x->mode, sw);
    ZydisDecoderEnableMode(&x->dmin, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE);
    ZydisDecoderInit(&x->dfull, x->mode, sw);
    kn_status st = build_regions(x, e);
    if (st) { bin_analysis_free(a); return st; }
    uint64_t n = x->n ? x->n : 1;
    x->bmsz = (n + 7) / 8 + 8;
    if (perbyte_alloc(x, n) != 0 ||
        kn_htab_init(&x->jt, 8, sizeof(jt_rec), 64) ||
        kn_htab_init(&x->noret_slot, 8, 1, 16)) {
        bin_analysis_free(a);
        return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    }
    uint8_t *ret = NULL;
    if (x->n) {
        x->pass = 1;
        do_pass(x);
        ret = find_noreturn(x);
        if (second_pass_needed(x)) {
            x->pass = 2;
            do_pass(x);
            free(ret);
            ret = returning(x);
        }
    }
    st = build_results(x, ret);
    free(ret);
    if (st) { bin_analysis_free(a); return kn_err_set(e, st, img->path, KN_NO_OFFSET, "out of memory"); }
    *out = a;
    return KN_OK;
}

void bin_analysis_free(bin_analysis *a)
{
    if (!a) return;
    an_ctx *x = a->priv;
    if (x) {
        free(x->perbyte);
        free(x->work.v); free(x->ptrs.v); free(x->jmps.v); free(x->weak.v); free(x->ijmps.v); free(x->calls.v);
        free(x->entries.v); free(x->jt_targets.v); free(x->jt_data.v);
        kn_htab_free(&x->jt); kn_htab_free(&x->noret_slot);
        free(x);
    }
    free(a->regions);
    free(a->funcs); free(a->blocks); free(a->edges); free(a->calls);
    free(a);
}
