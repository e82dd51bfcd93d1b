/* threads.c: a process's threads (ETHREAD list) with TEB, user stack range
 * and the user registers saved in the kernel trap frame, for the minidump's
 * thread list.
 *
 * Offsets are found from structure when no ISF gives them, with checks that
 * only real threads pass: the ETHREAD starts with dispatcher type 6 at
 * (list entry - ThreadListEntry) for every thread; Cid.UniqueProcess equals
 * the owning PID; the TEB pointer names a user page whose NT_TIB.Self
 * (+0x30) points at itself and whose ProcessEnvironmentBlock (+0x60) is the
 * process's PEB; the trap frame pointer names a _KTRAP_FRAME whose saved
 * Rsp lies in the thread's user stack. The _KTRAP_FRAME register offsets
 * are the same in the ISFs of builds 7601, 14393 and 19041 (facts below). */
#include "mem/mem.h"

#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

#define TF_RAX 0x30
#define TF_RCX 0x38
#define TF_RDX 0x40
#define TF_R8 0x48
#define TF_R9 0x50
#define TF_R10 0x58
#define TF_R11 0x60
#define TF_RBX 0x140
#define TF_RDI 0x148
#define TF_RSI 0x150
#define TF_RBP 0x158
#define TF_RIP 0x168
#define TF_CS 0x170
#define TF_EFLAGS 0x178
#define TF_RSP 0x180
#define TF_SS 0x188
#define TF_SIZE 0x190
#define ETH_READ 0x900

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

void mem_threadlist_free(mem_threadlist *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* List entry addresses of a process's thread list (bounded, cycle-checked). */
static size_t thread_entries(const mem_kernel *k, uint64_t eproc, uint64_t *out, size_t max, int *cycle)
{
    uint64_t head = eproc + (uint64_t)k->lay.thread_head, cur;
    size_t n = 0;
    *cycle = 0;
    if (!mem_vread_u64(&k->kas, head, &cur)) return 0;
    while (cur != head && n < max) {
        if (!mem_is_kernel_va(cur)) break;
        for (size_t i = 0; i < n; i++) if (out[i] == cur) { *cycle = 1; return n; }
        out[n++] = cur;
        if (!mem_vread_u64(&k->kas, cur, &cur)) break;
    }
    return n;
}

static int teb_ok(const mem_as *as, uint64_t teb, uint64_t peb)
{
    uint64_t self, pp;
    if (!mem_is_user_va(teb) || (teb & 0xfff)) return 0;
    return mem_vread_u64(as, teb + 0x30, &self) && self == teb && mem_vread_u64(as, teb + 0x60, &pp) && pp == peb;
}

void mem_thread_find_layout(mem_kernel *k)
{
    if (k->thread_source) return;   /* from the ISF */
    k->eth_tle = k->eth_cid = k->kt_teb = k->kt_trap = -1;
    if (k->lay.thread_head < 0) return;
    mem_proclist pl;
    kn_err e;
    if (mem_pslist(k, &pl, &e) != KN_OK) return;
    if (pl.n > 64) pl.n = 64;   /* enough to decide; bounds the work on hostile lists */
    enum { MAXT = 64 };
    uint64_t ents[MAXT];
    /* ThreadListEntry + Cid together */
    for (int tle = 0x200; tle <= 0x800 && k->eth_cid < 0; tle += 8) {
        int ok = 1, seen = 0;
        for (size_t i = 0; i < pl.n && ok; i++) {
            int cyc;
            size_t n = thread_entries(k, pl.v[i].eproc, ents, MAXT, &cyc);
            for (size_t j = 0; j < n && ok; j++) {
                uint8_t t;
                if (mem_vread(&k->kas, ents[j] - (uint64_t)tle, &t, 1) != 1 || t != 6) ok = 0;
                seen++;
            }
        }
        if (!ok || !seen) continue;
        /* Cid: real lists can hold a thread or two mid-teardown, so a
         * clear majority decides rather than unanimity. */
        for (int cid = 0x200; cid + 16 <= ETH_READ && k->eth_cid < 0; cid += 8) {
            int good = 0, bad = 0;
            for (size_t i = 0; i < pl.n; i++) {
                int cyc;
                size_t n = thread_entries(k, pl.v[i].eproc, ents, MAXT, &cyc);
                for (size_t j = 0; j < n; j++) {
                    uint64_t v[2];
                    if (mem_vread(&k->kas, ents[j] - (uint64_t)tle + (uint64_t)cid, v, 16) == 16 && v[0] == pl.v[i].pid &&
                        v[1] && !(v[1] & 3) && v[1] <= 0xffffff)
                        good++;
                    else
                        bad++;
                }
            }
            if (good && bad * 8 <= good) { k->eth_tle = tle; k->eth_cid = cid; }
        }
    }
    if (k->eth_cid < 0) { mem_proclist_free(&pl); return; }
    /* Teb and TrapFrame, checked on user processes */
    for (int t = 0x40; t <= 0x400 && k->kt_teb < 0; t += 8) {
        int good = 0, bad = 0;
        for (size_t i = 0; i < pl.n; i++) {
            if (!pl.v[i].peb) continue;
            mem_as as = {k->img, pl.v[i].dtb, k->kas.dtb, 0};
            int cyc;
            size_t n = thread_entries(k, pl.v[i].eproc, ents, MAXT, &cyc);
            for (size_t j = 0; j < n; j++) {
                uint64_t teb;
                if (!mem_vread_u64(&k->kas, ents[j] - (uint64_t)k->eth_tle + (uint64_t)t, &teb)) { bad++; continue; }
                if (teb_ok(&as, teb, pl.v[i].peb)) good++; else bad++;
            }
        }
        if (good && good > bad) k->kt_teb = t;   /* a majority: some TEBs may be paged out or damaged */
    }
    for (int t = 0x40; t <= 0x400 && k->kt_teb >= 0 && k->kt_trap < 0; t += 8) {
        int good = 0, bad = 0;
        for (size_t i = 0; i < pl.n; i++) {
            if (!pl.v[i].peb) continue;
            mem_as as = {k->img, pl.v[i].dtb, k->kas.dtb, 0};
            int cyc;
            size_t n = thread_entries(k, pl.v[i].eproc, ents, MAXT, &cyc);
            for (size_t j = 0; j < n; j++) {
                uint64_t eth = ents[j] - (uint64_t)k->eth_tle, teb, tf, base, limit, rsp;
                if (!mem_vread_u64(&k->kas, eth + (uint64_t)k->kt_teb, &teb) || !mem_vread_u64(&as, teb + 8, &base) ||
                    !mem_vread_u64(&as, teb + 16, &limit)) continue;
                if (!mem_vread_u64(&k->kas, eth + (uint64_t)t, &tf) || !mem_is_kernel_va(tf) ||
                    !mem_vread_u64(&k->kas, tf + TF_RSP, &rsp)) { bad++; continue; }
                if (rsp >= limit && rsp < base) good++; else bad++;
            }
        }
        if (good && good > bad) k->kt_trap = t;
    }
    k->thread_source = "structure";
    mem_proclist_free(&pl);
}

kn_status mem_threads(const mem_kernel *k, const mem_process *p, mem_threadlist *out, kn_err *e)
{
    memset(out, 0, sizeof *out);
    if (k->eth_tle < 0 || k->eth_cid < 0 || k->lay.thread_head < 0 || !p->eproc)
        return kn_err_set(e, KN_ERR_NOTFOUND, k->img->name, KN_NO_OFFSET, "thread layout not found");
    mem_as as = {k->img, p->dtb, k->kas.dtb, 0};
    uint64_t head = p->eproc + (uint64_t)k->lay.thread_head, cur;
    kn_htab seen;
    if (kn_htab_init(&seen, 8, 1, 64) != 0) return kn_err_set(e, KN_ERR_NOMEM, NULL, KN_NO_OFFSET, "out of memory");
    if (!mem_vread_u64(&k->kas, head, &cur)) cur = head;
    while (cur != head) {
        if (!mem_is_kernel_va(cur)) { out->truncated = 1; break; }
        int created;
        if (!kn_htab_put(&seen, &cur, &created)) { out->truncated = 1; break; }
        if (!created) { out->cycle = 1; break; }
        if (out->n >= MEM_MAX_THREADS) { out->truncated = 1; break; }
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 16;
            mem_thread *nv = realloc(out->v, nc * sizeof *nv);
            if (!nv) { out->truncated = 1; break; }
            out->v = nv;
            out->cap = nc;
        }
        mem_thread *t = &out->v[out->n];
        memset(t, 0, sizeof *t);
        t->ethread = cur - (uint64_t)k->eth_tle;
        uint64_t cid[2];
        if (mem_vread(&k->kas, t->ethread + (uint64_t)k->eth_cid, cid, 16) == 16) {
            t->tid = cid[1];
            out->n++;
            if (k->kt_teb >= 0 && mem_vread_u64(&k->kas, t->ethread + (uint64_t)k->kt_teb, &t->teb) && mem_is_user_va(t->teb)) {
                mem_vread_u64(&as, t->teb + 8, &t->stack_base);
                mem_vread_u64(&as, t->teb + 16, &t->stack_limit);
                if (t->stack_limit >= t->stack_base || t->stack_base - t->stack_limit > (256u << 20)) t->stack_base = t->stack_limit = 0;
            } else {
                t->teb = 0;
            }
            uint64_t tf;
            uint8_t f[TF_SIZE];
            if (k->kt_trap >= 0 && mem_vread_u64(&k->kas, t->ethread + (uint64_t)k->kt_trap, &tf) && mem_is_kernel_va(tf) &&
                mem_vread(&k->kas, tf, f, sizeof f) == sizeof f) {
                t->have_context = 1;
                t->rax = rd64(f + TF_RAX); t->rcx = rd64(f + TF_RCX); t->rdx = rd64(f + TF_RDX);
                t->r8 = rd64(f + TF_R8); t->r9 = rd64(f + TF_R9); t->r10 = rd64(f + TF_R10); t->r11 = rd64(f + TF_R11);
                t->rbx = rd64(f + TF_RBX); t->rdi = rd64(f + TF_RDI); t->rsi = rd64(f + TF_RSI); t->rbp = rd64(f + TF_RBP);
                t->rip = rd64(f + TF_RIP); t->rsp = rd64(f + TF_RSP); t->eflags = rd64(f + TF_EFLAGS) & 0xffffffff;
                memcpy(&t->cs, f + TF_CS, 2);
                memcpy(&t->ss, f + TF_SS, 2);
            }
        }
        if (!mem_vread_u64(&k->kas, cur, &cur)) { out->truncated = 1; break; }
    }
    kn_htab_free(&seen);
    return KN_OK;
}

static void put64(uint8_t *c, size_t off, uint64_t v) { memcpy(c + off, &v, 8); }

void mem_thread_context(const mem_thread *t, uint8_t *c, size_t n)
{
    memset(c, 0, n);
    if (n < 0x100) return;
    uint32_t flags = 0x100003;   /* CONTEXT_AMD64 | CONTROL | INTEGER */
    memcpy(c + 0x30, &flags, 4);
    memcpy(c + 0x38, &t->cs, 2);
    memcpy(c + 0x42, &t->ss, 2);
    uint32_t ef = (uint32_t)t->eflags;
    memcpy(c + 0x44, &ef, 4);
    put64(c, 0x78, t->rax); put64(c, 0x80, t->rcx); put64(c, 0x88, t->rdx); put64(c, 0x90, t->rbx);
    put64(c, 0x98, t->rsp); put64(c, 0xa0, t->rbp); put64(c, 0xa8, t->rsi); put64(c, 0xb0, t->rdi);
    put64(c, 0xb8, t->r8); put64(c, 0xc0, t->r9); put64(c, 0xc8, t->r10); put64(c, 0xd0, t->r11);
    put64(c, 0xf8, t->rip);
}
