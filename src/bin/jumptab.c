/* jumptab.c: indirect jumps resolved by backward slicing.
 *
 * From an indirect jump, the linear predecessors (instructions that fall
 * into each other, up to SLICE_MAX back) form a window that is evaluated
 * forward over a tiny value domain: unknown, constant, "load from table +
 * index * scale" and "constant + load". That covers absolute tables
 * (jmp [tab + i*8], mov r, [tab + i*4]; jmp r), gcc/clang relative tables
 * (lea b, [rip+tab]; movsxd r, [b + i*4]; add r, b; jmp r), MSVC image-base
 * tables (mov ecx, [base + i*4 + rva]; add rcx, base) and i386 PIC tables
 * relative to the GOT pointer (obtained from a get-PC thunk in the
 * function's first instructions). The table size comes from the bound check
 * (cmp i, N; ja default) in the window; without one the table is read until
 * a target fails validation. Every target must decode as an instruction in
 * an executable region, and tables stored inside code are marked as data. */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "bin/an.h"

#define SLICE_MAX 24
#define TABLE_MAX 4096

/* V_IDX: unknown index times scale (below bound when bound > 0);
 * V_STRIDE: c + index * scale, index below bound (computed jumps into
 * equally sized blocks, as hand-written string routines do). */
enum { V_UNK = 0, V_CONST, V_LOAD, V_SUM, V_IDX, V_STRIDE };

typedef struct val {
    int kind;
    uint64_t c;        /* V_CONST value; V_SUM addend */
    uint64_t tab;      /* V_LOAD/V_SUM: table address */
    uint8_t esz, sext, scale;
    uint16_t bound;    /* V_IDX/V_STRIDE: number of index values, 0 unknown */
} val;

typedef struct st {
    val r[16];
    uint64_t stk[4];
    int sp;
    int pic_reg;       /* register a get-PC thunk set, -1 none */
    int has_pic;
    uint64_t pic;      /* i386 PIC base (GOT) of the function: used for an
                          unknown base register, as gcc spills and reloads it */
} st;

static uint64_t mask(const an_ctx *x, uint64_t v) { return x->is64 ? v : (v & 0xffffffffu); }

/* Address expression of a memory operand: constant part plus at most one
 * unknown index term (an unknown register, or an index already scaled by
 * lea/shl) with its stride. Returns 1 when understood; *has_index says
 * whether there is an index term. */
static int mem_expr(an_ctx *x, const st *s, const ZydisDecodedOperand *op, uint64_t next, int *has_index, uint64_t *addr, uint8_t *scale)
{
    const ZydisDecodedOperandMem *m = &op->mem;
    uint64_t a = (uint64_t)m->disp.value;
    unsigned stride = 0;
    ZydisRegister regs[2] = {m->base, m->index};
    unsigned mul[2] = {1, m->scale ? m->scale : 1};
    int unk1 = 0;   /* an unscaled unknown register among the variable parts */
    for (int k = 0; k < 2; k++) {
        if (regs[k] == ZYDIS_REGISTER_NONE) continue;
        if (regs[k] == ZYDIS_REGISTER_RIP || regs[k] == ZYDIS_REGISTER_EIP) { a += next; continue; }
        int r = an_gpr(x, regs[k]);
        if (r < 0) return 0;
        const val *v = &s->r[r];
        if (v->kind == V_CONST) { a += v->c * mul[k]; continue; }
        if (v->kind == V_LOAD || v->kind == V_SUM) return 0;
        unsigned this_stride = v->kind == V_IDX ? v->scale * mul[k] : mul[k];
        int this_unk1 = v->kind == V_UNK && mul[k] == 1;
        if (stride) {
            /* two unknowns: one unscaled unknown is the spilled PIC base */
            if (!s->has_pic || m->disp.value == 0 || !(unk1 || this_unk1)) return 0;
            a += s->pic;
            if (this_unk1 && !unk1) continue;   /* this one is the base; keep the index */
            stride = this_stride;
            if (v->kind == V_IDX) a += v->c * mul[k];
            continue;
        }
        if (v->kind == V_IDX) a += v->c * mul[k];
        stride = this_stride;
        unk1 = this_unk1;
    }
    *has_index = stride != 0;
    *scale = (uint8_t)(stride ? (stride > 255 ? 255 : stride) : 1);
    *addr = mask(x, a);
    return 1;
}

static void kill_writes(an_ctx *x, st *s, const ZydisDecodedInstruction *ins, const ZydisDecodedOperand *ops)
{
    for (unsigned i = 0; i < ins->operand_count; i++) {
        if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER || !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) continue;
        int r = an_gpr(x, ops[i].reg.value);
        if (r >= 0) s->r[r].kind = V_UNK;
    }
}

static void eval(an_ctx *x, st *s, uint64_t g, uint64_t va, const ZydisDecodedInstruction *ins, const ZydisDecodedOperand *ops)
{
    uint64_t next = va + ins->length;
    const ZydisDecodedOperand *d = &ops[0], *src = &ops[1];
    int dr = ins->operand_count_visible >= 1 && d->type == ZYDIS_OPERAND_TYPE_REGISTER ? an_gpr(x, d->reg.value) : -1;
    switch (ins->mnemonic) {
    case ZYDIS_MNEMONIC_MOV: case ZYDIS_MNEMONIC_MOVSXD: case ZYDIS_MNEMONIC_MOVSX: case ZYDIS_MNEMONIC_MOVZX:
        if (dr < 0) break;
        if (src->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) { s->r[dr] = (val){V_CONST, mask(x, src->imm.value.u), 0, 0, 0, 0}; return; }
        if (src->type == ZYDIS_OPERAND_TYPE_REGISTER) {
            int sr = an_gpr(x, src->reg.value);
            if (sr >= 0 && src->size >= 32) {
                s->r[dr] = s->r[sr];
                if (ins->mnemonic == ZYDIS_MNEMONIC_MOVSXD && s->r[dr].kind == V_LOAD && s->r[dr].esz == 4) s->r[dr].sext = 1;
                return;
            }
            break;
        }
        if (src->type == ZYDIS_OPERAND_TYPE_MEMORY) {
            int hi = 0;
            uint64_t addr;
            uint8_t sc;
            int ok = mem_expr(x, s, src, next, &hi, &addr, &sc);
            if (ok && hi && (src->size == 32 || src->size == 64) && bin_section_at(x->img, addr)) {
                s->r[dr] = (val){V_LOAD, 0, addr, (uint8_t)(src->size / 8), ins->mnemonic == ZYDIS_MNEMONIC_MOVSXD, sc};
                return;
            }
        }
        break;
    case ZYDIS_MNEMONIC_LEA:
        if (dr < 0) break;
        {
            int hi = 0;
            uint64_t addr;
            uint8_t sc;
            if (mem_expr(x, s, src, next, &hi, &addr, &sc) == 1) {
                if (hi && sc == 1) break;   /* lea r, [x + c]: r is a new index (what the bound checks) */
                s->r[dr] = hi ? (val){V_IDX, addr, 0, 0, 0, sc} : (val){V_CONST, addr, 0, 0, 0, 0};
                return;
            }
        }
        break;
    case ZYDIS_MNEMONIC_ADD:
        if (dr < 0) break;
        {
            val b = {0};
            if (src->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) b = (val){V_CONST, src->imm.value.u, 0, 0, 0, 0};
            else if (src->type == ZYDIS_OPERAND_TYPE_REGISTER) { int sr = an_gpr(x, src->reg.value); if (sr >= 0) b = s->r[sr]; }
            else if (src->type == ZYDIS_OPERAND_TYPE_MEMORY && (src->size == 32 || src->size == 64)) {
                int hi = 0;
                uint64_t addr;
                uint8_t sc;
                if (mem_expr(x, s, src, next, &hi, &addr, &sc) == 1 && hi && bin_section_at(x->img, addr)) b = (val){V_LOAD, 0, addr, (uint8_t)(src->size / 8), 0, sc};
            }
            val *a = &s->r[dr];
            if (s->has_pic && a->kind == V_UNK && b.kind == V_LOAD) *a = (val){V_CONST, s->pic, 0, 0, 0, 0};
            if (s->has_pic && b.kind == V_UNK && a->kind == V_LOAD) b = (val){V_CONST, s->pic, 0, 0, 0, 0};
            if (a->kind == V_CONST && b.kind == V_CONST) { a->c = mask(x, a->c + b.c); return; }
            if (a->kind == V_LOAD && b.kind == V_CONST) { a->kind = V_SUM; a->c = b.c; return; }
            if (a->kind == V_CONST && b.kind == V_LOAD) { uint64_t c = a->c; *a = b; a->kind = V_SUM; a->c = c; return; }
            if (a->kind == V_SUM && b.kind == V_CONST) { a->c = mask(x, a->c + b.c); return; }
            if (a->kind == V_CONST && b.kind == V_IDX && b.bound) { uint64_t c = a->c; *a = b; a->kind = V_STRIDE; a->c = mask(x, c + b.c); return; }
            if (a->kind == V_IDX && a->bound && b.kind == V_CONST) { a->kind = V_STRIDE; a->c = mask(x, a->c + b.c); return; }
        }
        break;
    case ZYDIS_MNEMONIC_SHL:
        if (dr >= 0 && src->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && src->imm.value.u < 8) {
            val *v = &s->r[dr];
            unsigned sh = (unsigned)src->imm.value.u;
            if (v->kind == V_CONST) { v->c = mask(x, v->c << sh); return; }
            if (v->kind == V_UNK) { *v = (val){V_IDX, 0, 0, 0, 0, (uint8_t)(1u << sh)}; return; }
            if (v->kind == V_IDX && (v->scale << sh) < 256) { v->scale = (uint8_t)(v->scale << sh); v->c <<= sh; return; }
        }
        break;
    case ZYDIS_MNEMONIC_AND:   /* and r, 2^k - 1 bounds an index */
        if (dr >= 0 && src->type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            uint64_t m = src->imm.value.u;
            if (s->r[dr].kind == V_CONST) { s->r[dr].c &= m; return; }
            if (m && m < 256 && (m & (m + 1)) == 0) { s->r[dr] = (val){V_IDX, 0, 0, 0, 0, 1, (uint16_t)(m + 1)}; return; }
        }
        break;
    case ZYDIS_MNEMONIC_CDQE:
        if (s->r[0].kind == V_LOAD && s->r[0].esz == 4) { s->r[0].sext = 1; return; }
        s->r[0].kind = V_UNK;
        return;
    case ZYDIS_MNEMONIC_SUB:
        if (dr >= 0 && src->type == ZYDIS_OPERAND_TYPE_IMMEDIATE && s->r[dr].kind == V_CONST) { s->r[dr].c = mask(x, s->r[dr].c - src->imm.value.u); return; }
        break;
    case ZYDIS_MNEMONIC_CALL: {
        uint64_t t = an_target(x, g);
        if (t != UINT64_MAX && t == g + ins->length) { if (s->sp < 4) s->stk[s->sp++] = next; return; }
        /* get-PC thunk: mov reg, [esp]; ret */
        if (t != UINT64_MAX && an_decode(x, t)) {
            ZydisDecodedInstruction ti;
            ZydisDecodedOperand to[ZYDIS_MAX_OPERAND_COUNT];
            if (an_decode_full(x, t, &ti, to) == 0 && ti.mnemonic == ZYDIS_MNEMONIC_MOV && to[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
                to[1].type == ZYDIS_OPERAND_TYPE_MEMORY && an_gpr(x, to[1].mem.base) == 4 && to[1].mem.disp.value == 0 &&
                to[1].mem.index == ZYDIS_REGISTER_NONE && an_decode(x, t + ti.length) && (x->a->cls[t + ti.length] & K_MASK) == K_RET) {
                int r = an_gpr(x, to[0].reg.value);
                for (int i = 0; i < 16; i++) if (i != 3 && i != 5 && i != 6 && i != 7 && i != 4) s->r[i].kind = V_UNK;
                if (r >= 0) { s->r[r] = (val){V_CONST, next, 0, 0, 0, 0}; s->pic_reg = r; }
                return;
            }
        }
        for (int i = 0; i < 16; i++)   /* caller-saved (rsi/rdi too on x86-64) */
            if (i < 3 || (i >= 8 && i <= 11) || (x->is64 && (i == 6 || i == 7))) s->r[i].kind = V_UNK;
        return;
    }
    case ZYDIS_MNEMONIC_POP:
        if (dr >= 0 && s->sp > 0) { s->r[dr] = (val){V_CONST, s->stk[--s->sp], 0, 0, 0, 0}; return; }
        break;
    default:
        break;
    }
    kill_writes(x, s, ins, ops);
}

/* Reads entry i of a table. 0 when unmapped. */
static int read_entry(an_ctx *x, const val *v, uint64_t i, uint64_t *out)
{
    uint8_t b[8] = {0};
    uint64_t at = v->tab + i * v->scale;
    if (bin_read(x->img, at, b, v->esz) < v->esz) return 0;
    uint64_t e = 0;
    memcpy(&e, b, v->esz);
    if (v->esz == 4 && v->sext) e = (uint64_t)(int64_t)(int32_t)e;
    *out = mask(x, (v->kind == V_SUM ? v->c : 0) + e);
    return 1;
}

/* The start of the function holding g, as far as known during traversal:
 * the nearest function or call target, or code right after padding. */
static uint64_t func_start_guess(an_ctx *x, uint64_t g, uint64_t max)
{
    bin_analysis *a = x->a;
    for (uint64_t d = 0; d < max && d <= g; d++)
        if (a->flags[g - d] & (BIN_B_FUNC | BIN_B_CALLT)) return g - d;
    return UINT64_MAX;
}

/* Register set by a get-PC thunk (mov reg, [esp]; ret) at t, or -1. */
static int thunk_reg(an_ctx *x, uint64_t t)
{
    ZydisDecodedInstruction ti;
    ZydisDecodedOperand to[ZYDIS_MAX_OPERAND_COUNT];
    if (t == UINT64_MAX || !an_decode(x, t) || an_decode_full(x, t, &ti, to) != 0) return -1;
    if (ti.mnemonic != ZYDIS_MNEMONIC_MOV || to[0].type != ZYDIS_OPERAND_TYPE_REGISTER || to[1].type != ZYDIS_OPERAND_TYPE_MEMORY ||
        an_gpr(x, to[1].mem.base) != 4 || to[1].mem.disp.value != 0 || to[1].mem.index != ZYDIS_REGISTER_NONE) return -1;
    if (!an_decode(x, t + ti.length) || (x->a->cls[t + ti.length] & K_MASK) != K_RET) return -1;
    return an_gpr(x, to[0].reg.value);
}

/* i386 PIC base: from the nearest get-PC thunk call before g (address
 * order) and the add that follows it. */
static int find_pic(an_ctx *x, uint64_t g, uint64_t *pic)
{
    bin_analysis *a = x->a;
    for (uint64_t d = 0; d < 65536 && d <= g; d++) {
        uint64_t p = g - d;
        if (!(a->flags[p] & BIN_B_INSN) || (a->cls[p] & K_MASK) != K_CALL) continue;
        uint64_t t = an_target(x, p), q = p + a->len[p], v = bin_code_va(a, q);
        int r = thunk_reg(x, t);
        if (r < 0 && t == q && an_decode(x, q) && a->len[q] == 1 && an_region(x, q)) {   /* call $+5; pop r (clang) */
            const bin_region *rg = an_region(x, q);
            uint8_t op = rg->data[q - rg->index];
            if (op >= 0x58 && op <= 0x5f) { r = op - 0x58; q += 1; }
        }
        if (r < 0) continue;
        ZydisDecodedInstruction ins;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (an_region(x, q) && an_decode(x, q) && an_decode_full(x, q, &ins, ops) == 0 && ins.mnemonic == ZYDIS_MNEMONIC_ADD &&
            ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER && an_gpr(x, ops[0].reg.value) == r && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE)
            v += ops[1].imm.value.u;
        *pic = mask(x, v);
        return 1;
    }
    return 0;
}

/* Prologue state: constants set by the first straight-line instructions of
 * the function holding g (for the i386 PIC register). */
static void prologue_state(an_ctx *x, uint64_t g, st *s)
{
    bin_analysis *a = x->a;
    uint64_t e = func_start_guess(x, g, 65536);
    if (e == UINT64_MAX) return;
    uint64_t q = e;
    int pic_done = 0;
    for (int i = 0; i < 32 && q < g; i++) {
        unsigned l = an_decode(x, q);
        if (!l) break;
        unsigned k = a->cls[q] & K_MASK;
        ZydisDecodedInstruction ins;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (an_decode_full(x, q, &ins, ops) != 0) break;
        eval(x, s, q, bin_code_va(a, q), &ins, ops);
        if (s->pic_reg >= 0 && !pic_done) {   /* the thunk's register until it is reused */
            if (s->r[s->pic_reg].kind == V_CONST) { s->has_pic = 1; s->pic = s->r[s->pic_reg].c; }
            else pic_done = 1;
        }
        if (k != K_SEQ && k != K_CALL) break;
        q += l;
    }
    for (int i = 0; i < 16; i++)   /* keep only callee-saved constants */
        if (!(i == 3 || i == 5 || i == 6 || i == 7) || s->r[i].kind != V_CONST) s->r[i].kind = V_UNK;
    s->sp = 0;
}

/* Registers with exactly one definition in [e, g), a constant one (lea
 * r, [rip+x] or mov r, imm): the table base a compiler hoisted out of a loop. */
static void unique_defs(an_ctx *x, uint64_t e, uint64_t g, st *s)
{
    bin_analysis *a = x->a;
    uint8_t state[16] = {0};
    uint64_t value[16] = {0};
    unsigned seen = 0;
    for (uint64_t p = e; p < g && seen < 8192; p++) {
        if (!(a->flags[p] & BIN_B_INSN)) continue;
        seen++;
        ZydisDecodedInstruction ins;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (an_decode_full(x, p, &ins, ops) != 0) continue;
        if (ins.mnemonic == ZYDIS_MNEMONIC_POP) continue;   /* epilogues restore; the path returns */
        for (unsigned i = 0; i < ins.operand_count; i++) {
            if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER || !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) continue;
            int r = an_gpr(x, ops[i].reg.value);
            if (r < 0) continue;
            uint64_t v = 0;
            int cst = 0;
            if (i == 0 && ins.mnemonic == ZYDIS_MNEMONIC_LEA && (ops[1].mem.base == ZYDIS_REGISTER_RIP) && ops[1].mem.index == ZYDIS_REGISTER_NONE) {
                v = bin_code_va(a, p) + ins.length + (uint64_t)ops[1].mem.disp.value; cst = 1;
            } else if (i == 0 && ins.mnemonic == ZYDIS_MNEMONIC_MOV && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
                v = mask(x, ops[1].imm.value.u); cst = 1;
            }
            if (cst && state[r] == 0) { state[r] = 1; value[r] = v; }
            else if (!(cst && state[r] == 1 && value[r] == v)) state[r] = 2;
        }
    }
    for (int r = 0; r < 16; r++)
        if (state[r] == 1 && r != 4) s->r[r] = (val){V_CONST, value[r], 0, 0, 0, 0};
}

/* Constants from the nearest definition of each register before g in
 * address order (the loop preheader of a switch inside a loop). */
static void nearest_defs(an_ctx *x, uint64_t e, uint64_t g, st *s)
{
    bin_analysis *a = x->a;
    uint16_t decided = 1u << 4;
    unsigned seen = 0;
    for (uint64_t p = g; p > e && seen < 4096 && decided != 0xffff; ) {
        p--;
        if (!(a->flags[p] & BIN_B_INSN)) continue;
        seen++;
        ZydisDecodedInstruction ins;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (an_decode_full(x, p, &ins, ops) != 0) continue;
        if (ins.mnemonic == ZYDIS_MNEMONIC_POP) continue;
        for (unsigned i = 0; i < ins.operand_count; i++) {
            if (ops[i].type != ZYDIS_OPERAND_TYPE_REGISTER || !(ops[i].actions & ZYDIS_OPERAND_ACTION_MASK_WRITE)) continue;
            int r = an_gpr(x, ops[i].reg.value);
            if (r < 0 || (decided >> r & 1)) continue;
            decided |= (uint16_t)(1u << r);
            if (i == 0 && ins.mnemonic == ZYDIS_MNEMONIC_LEA && ops[1].mem.base == ZYDIS_REGISTER_RIP && ops[1].mem.index == ZYDIS_REGISTER_NONE)
                s->r[r] = (val){V_CONST, bin_code_va(a, p) + ins.length + (uint64_t)ops[1].mem.disp.value, 0, 0, 0, 0};
        }
    }
}

/* Evaluates the window (win[n-1] first, win[0] the jump) from state s. */
static void eval_window(an_ctx *x, const uint64_t *win, int n, st *s, val *target, uint64_t *bound, int *have_bound)
{
    bin_analysis *a = x->a;
    int64_t cmp_imm = -1;
    memset(target, 0, sizeof *target);
    *have_bound = 0;
    for (int i = n - 1; i >= 0; i--) {
        uint64_t q = win[i], va = bin_code_va(a, q);
        ZydisDecodedInstruction ins;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (an_decode_full(x, q, &ins, ops) != 0) return;
        if ((ins.mnemonic == ZYDIS_MNEMONIC_CMP || ins.mnemonic == ZYDIS_MNEMONIC_SUB) && ops[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
            cmp_imm = (int64_t)ops[1].imm.value.u;   /* sub sets the flags a bound check reads, too */
            if (ins.mnemonic == ZYDIS_MNEMONIC_CMP) continue;
        }
        if (cmp_imm >= 0 && i > 0) {
            if (ins.mnemonic == ZYDIS_MNEMONIC_JNBE || ins.mnemonic == ZYDIS_MNEMONIC_JBE) { *bound = (uint64_t)cmp_imm + 1; *have_bound = 1; cmp_imm = -1; continue; }
            if (ins.mnemonic == ZYDIS_MNEMONIC_JNB || ins.mnemonic == ZYDIS_MNEMONIC_JB) { *bound = (uint64_t)cmp_imm; *have_bound = 1; cmp_imm = -1; continue; }
        }
        if (i == 0) {
            if (ops[0].type == ZYDIS_OPERAND_TYPE_REGISTER) {
                int r = an_gpr(x, ops[0].reg.value);
                if (r >= 0) *target = s->r[r];
            } else if (ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY) {
                int hi = 0;
                uint64_t addr;
                uint8_t sc;
                int ok = mem_expr(x, s, &ops[0], va + ins.length, &hi, &addr, &sc);
                if (ok && hi) *target = (val){V_LOAD, 0, addr, (uint8_t)(x->is64 ? 8 : 4), 0, sc};
                else if (ok && !hi && an_fixed_pointer(x, addr)) {   /* jmp [const]: one pointer in read-only memory */
                    *target = (val){V_LOAD, 0, addr, (uint8_t)(x->is64 ? 8 : 4), 0, 1};
                    *bound = 1; *have_bound = 1;
                }
            }
            return;
        }
        eval(x, s, q, va, &ins, ops);
    }
}

static unsigned resolve(an_ctx *x, uint64_t g);

unsigned jt_resolve(an_ctx *x, uint64_t g)
{
    if (bit_get(x->hasjt, g)) {   /* resolved before (first pass): queue its targets again */
        jt_rec *jr = kn_htab_get(&x->jt, &g);
        if (!jr) return 0;
        for (uint32_t i = 0; i < jr->count; i++) { an_queue(x, x->jt_targets.v[jr->first + i]); bit_set(x->brt, x->jt_targets.v[jr->first + i]); }
        return jr->count;
    }
    if (bit_get(x->jtfail, g)) return 0;
    unsigned got = resolve(x, g);
    if (!got) bit_set(x->jtfail, g);
    return got;
}

static unsigned resolve(an_ctx *x, uint64_t g)
{
    bin_analysis *a = x->a;
    {   /* jmp [abs] / jmp [rip+x] (import stubs): one slot, nothing to slice */
        ZydisDecodedInstruction ins;
        ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
        if (an_decode_full(x, g, &ins, ops) != 0) return 0;
        if (ops[0].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[0].mem.index == ZYDIS_REGISTER_NONE &&
            (ops[0].mem.base == ZYDIS_REGISTER_NONE || ops[0].mem.base == ZYDIS_REGISTER_RIP)) {
            uint64_t slot = (uint64_t)ops[0].mem.disp.value + (ops[0].mem.base == ZYDIS_REGISTER_RIP ? bin_code_va(a, g) + ins.length : 0);
            slot = mask(x, slot);
            if (!an_fixed_pointer(x, slot)) return 0;
            uint64_t v = 0;
            if (bin_read(x->img, slot, &v, x->is64 ? 8 : 4) < (x->is64 ? 8u : 4u)) return 0;
            uint64_t t = bin_code_index(a, mask(x, v));
            if (t == UINT64_MAX || !an_decode(x, t)) return 0;
            int created;
            jt_rec *jr = kn_htab_put(&x->jt, &g, &created);
            if (!jr) return 0;
            bit_set(x->hasjt, g);
            jr->first = (uint32_t)x->jt_targets.n; jr->count = 1;
            u64_push(&x->jt_targets, t);
            an_queue(x, t);
            bit_set(x->brt, t);
            return 1;
        }
    }
    uint64_t win[SLICE_MAX + 1];
    int n = 0;
    win[n++] = g;
    for (uint64_t p = an_prev_insn(x, g); p != UINT64_MAX && n <= SLICE_MAX; p = an_prev_insn(x, p)) win[n++] = p;
    st s;
    memset(&s, 0, sizeof s);
    s.pic_reg = -1;
    if (!x->is64) {
        prologue_state(x, win[n - 1], &s);
        if (!s.has_pic) s.has_pic = find_pic(x, g, &s.pic);
    }
    int has_pic = s.has_pic;
    uint64_t pic = s.pic;
    uint64_t bound = 0;
    int have_bound = 0;
    val target;
    /* A short window first: the bound check and the table load are usually
     * within a few instructions, and each one costs a full decode. */
    st s0 = s;
    if (n > 10) {
        eval_window(x, win, 10, &s, &target, &bound, &have_bound);
        if (!((target.kind == V_LOAD || target.kind == V_SUM) && have_bound)) { s = s0; eval_window(x, win, n, &s, &target, &bound, &have_bound); }
    } else eval_window(x, win, n, &s, &target, &bound, &have_bound);
    if (target.kind != V_CONST && target.kind != V_LOAD && target.kind != V_SUM && target.kind != V_STRIDE) {
        /* a base register defined once, further up the function */
        uint64_t e = func_start_guess(x, win[n - 1], 1u << 20);
        if (e != UINT64_MAX) {
            memset(&s, 0, sizeof s);
            s.has_pic = has_pic; s.pic = pic; s.pic_reg = -1;
            unique_defs(x, e, win[n - 1], &s);
            eval_window(x, win, n, &s, &target, &bound, &have_bound);
            if (target.kind != V_CONST && target.kind != V_LOAD && target.kind != V_SUM && target.kind != V_STRIDE) {
                memset(&s, 0, sizeof s);
                s.has_pic = has_pic; s.pic = pic; s.pic_reg = -1;
                nearest_defs(x, e, win[n - 1], &s);
                eval_window(x, win, n, &s, &target, &bound, &have_bound);
            }
        }
    }
    if (target.kind == V_CONST) {   /* computed jump with a constant target */
        uint64_t t = bin_code_index(a, target.c);
        if (t == UINT64_MAX || !an_decode(x, t)) return 0;
        int created;
        jt_rec *jr = kn_htab_put(&x->jt, &g, &created);
        if (!jr) return 0;
        bit_set(x->hasjt, g);
        jr->first = (uint32_t)x->jt_targets.n; jr->count = 1;
        u64_push(&x->jt_targets, t);
        an_queue(x, t);
        bit_set(x->brt, t);
        return 1;
    }
    if (target.kind == V_STRIDE && target.bound && target.scale >= 8) {   /* base + i * stride, i < bound */
        size_t first = x->jt_targets.n;
        for (uint64_t i = 0; i < target.bound; i++) {
            uint64_t t = bin_code_index(a, mask(x, target.c + i * target.scale));
            if (t == UINT64_MAX || !an_decode(x, t) || ((a->flags[t] & BIN_B_SEEN) && !(a->flags[t] & BIN_B_INSN))) { x->jt_targets.n = first; return 0; }
            u64_push(&x->jt_targets, t);
        }
        int created;
        jt_rec *jr = kn_htab_put(&x->jt, &g, &created);
        if (!jr) { x->jt_targets.n = first; return 0; }
        bit_set(x->hasjt, g);
        jr->first = (uint32_t)first;
        jr->count = (uint32_t)(x->jt_targets.n - first);
        a->jump_tables++;
        a->jump_table_targets += jr->count;
        for (size_t i = first; i < x->jt_targets.n; i++) { an_queue(x, x->jt_targets.v[i]); bit_set(x->brt, x->jt_targets.v[i]); }
        return jr->count;
    }
    if (target.kind != V_LOAD && target.kind != V_SUM) return 0;
    if (target.esz != 4 && target.esz != 8) return 0;
    if (target.scale != target.esz && !(target.scale == 4 && target.esz == 4)) {
        if (target.scale != 1 && target.scale != 2 && target.scale != 4 && target.scale != 8) return 0;
    }
    uint64_t limit = have_bound ? bound : TABLE_MAX;
    if (limit > TABLE_MAX * 16) return 0;
    size_t first = x->jt_targets.n;
    uint64_t good = 0, bad = 0;
    for (uint64_t i = 0; i < limit; i++) {
        uint64_t tva;
        if (!read_entry(x, &target, i, &tva)) { bad++; if (!have_bound) break; continue; }
        uint64_t t = bin_code_index(a, tva);
        /* a table without a bound ends where entries stop being code, or
         * where the table runs into code already recovered */
        uint64_t slot = bin_code_index(a, target.tab + i * target.scale);
        if (!have_bound && i > 0 && slot != UINT64_MAX && (a->flags[slot] & BIN_B_INSN)) break;
        if (t == UINT64_MAX || !an_decode(x, t) || ((a->flags[t] & BIN_B_SEEN) && !(a->flags[t] & BIN_B_INSN))) {
            bad++;
            if (!have_bound) break;
            continue;
        }
        u64_push(&x->jt_targets, t);
        good++;
    }
    if (!good || bad * 2 > good + bad) { x->jt_targets.n = first; return 0; }
    int created;
    jt_rec *jr = kn_htab_put(&x->jt, &g, &created);
    if (!jr) { x->jt_targets.n = first; return 0; }
    bit_set(x->hasjt, g);
    jr->first = (uint32_t)first;
    jr->count = (uint32_t)(x->jt_targets.n - first);
    a->jump_tables++;
    a->jump_table_targets += jr->count;
    /* the table itself is data when it sits in code */
    uint64_t tbytes = (good + bad) * target.scale, t0 = bin_code_index(a, target.tab);
    if (t0 != UINT64_MAX) {
        const bin_region *tr = an_region(x, t0);
        if (tbytes > tr->index + tr->size - t0) tbytes = tr->index + tr->size - t0;
        for (uint64_t b = 0; b < tbytes; b++)
            if (!(a->flags[t0 + b] & BIN_B_SEEN)) a->flags[t0 + b] |= BIN_B_DATA;
        u64_push(&x->jt_data, t0);
        u64_push(&x->jt_data, tbytes);
    }
    for (size_t i = first; i < x->jt_targets.n; i++) { an_queue(x, x->jt_targets.v[i]); bit_set(x->brt, x->jt_targets.v[i]); }
    return jr->count;
}
