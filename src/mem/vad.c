/* vad.c: a process's VAD tree (its address-space regions) and its module
 * list.
 *
 * Node layouts come in families that have been stable across many builds:
 * Windows 7's _MMADDRESS_NODE AVL tree (64-bit VPNs, root in an embedded
 * _MM_AVL_TABLE at BalancedRoot.RightChild) and Windows 8.1+'s
 * _RTL_BALANCED_NODE tree (32-bit VPNs plus high bytes). The flag bit
 * positions moved once more within Windows 10. The tables below are facts
 * read from the ISFs of builds 7601, 14393 and 19041. Which family applies,
 * and where VadRoot sits in EPROCESS, is decided from structure: the
 * family and offset under which every process's tree contains its own
 * image base win. So builds between the tabled ones work when they share a
 * family. Walks are iterative, bounded by MEM_MAX_VADS and detect cycles. */
#include "mem/mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hash.h"

static const mem_vad_layout fam7 = {
    7, 1, 0x08, 0x10, 0x18, 0x20, -1, -1, 0x28, -1, 1, 52, 3, 56, 5, 63, 55, 0x48, 0x50, 0x40, 0x58, "win7 (_MMADDRESS_NODE)"};
static const mem_vad_layout fam10a = {
    10, 0, 0x00, 0x08, 0x18, 0x1c, 0x20, 0x21, 0x30, 0x34, 0, 0, 3, 3, 5, 15, -1, 0x48, 0x50, 0x40, 0x58, "win10 early (_RTL_BALANCED_NODE)"};
static const mem_vad_layout fam10b = {
    10, 0, 0x00, 0x08, 0x18, 0x1c, 0x20, 0x21, 0x30, 0x34, 0, 4, 3, 7, 5, 20, -1, 0x48, 0x50, 0x40, 0x58, "win10 (_RTL_BALANCED_NODE, VadFlags with lock bits)"};

static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

typedef struct vnode {
    uint64_t left, right, svpn, evpn, flags, flags1;
} vnode;

static int read_node(const mem_kernel *k, const mem_vad_layout *L, uint64_t va, vnode *n)
{
    uint8_t b[0x40];
    if (!mem_is_kernel_va(va) || mem_vread(&k->kas, va, b, sizeof b) != sizeof b) return 0;
    n->left = rd64(b + L->left);
    n->right = rd64(b + L->right);
    if (L->family == 7) {
        n->svpn = rd64(b + L->start);
        n->evpn = rd64(b + L->end);
        n->flags = rd64(b + L->flags);
        n->flags1 = 0;
    } else {
        n->svpn = rd32(b + L->start) | ((uint64_t)b[L->start_high] << 32);
        n->evpn = rd32(b + L->end) | ((uint64_t)b[L->end_high] << 32);
        n->flags = rd32(b + L->flags);
        n->flags1 = rd32(b + L->flags1);
    }
    return n->svpn <= n->evpn && n->evpn < (1ull << 36);
}

static uint64_t vad_root(const mem_kernel *k, const mem_vad_layout *L, uint64_t vadroot_va)
{
    uint64_t r = 0;
    mem_vread_u64(&k->kas, vadroot_va + (L->root_is_table ? 0x10 : 0), &r);
    return r;
}

/* Descends the tree for vpn; returns the node VA or 0. */
static uint64_t lookup(const mem_kernel *k, const mem_vad_layout *L, uint64_t root, uint64_t vpn, vnode *out)
{
    uint64_t cur = root;
    for (int depth = 0; depth < 64 && cur; depth++) {
        vnode n;
        if (!read_node(k, L, cur, &n)) return 0;
        if (vpn < n.svpn) cur = n.left;
        else if (vpn > n.evpn) cur = n.right;
        else { if (out) *out = n; return cur; }
    }
    return 0;
}

static uint32_t bits(uint64_t v, int pos, int len) { return pos < 0 ? 0 : (uint32_t)((v >> pos) & ((1ull << len) - 1)); }

int mem_vad_find_layout(mem_kernel *k);
int mem_vad_find_layout(mem_kernel *k)
{
    mem_proclist pl;
    kn_err e;
    if (mem_pslist(k, &pl, &e) != KN_OK) return 0;
    if (pl.n > 64) pl.n = 64;   /* enough to decide; bounds the work on hostile lists */
    const mem_vad_layout *fams[2] = {&fam7, &fam10b};
    int best_off = -1, best_score = 0;
    const mem_vad_layout *best_fam = NULL;
    for (int o = k->lay.name + 16; o + 0x18 <= k->lay.size_hint; o += 8) {
        for (int f = 0; f < 2; f++) {
            int score = 0, bad = 0;
            for (size_t i = 0; i < pl.n && !bad; i++) {
                mem_process *p = &pl.v[i];
                if (!p->section_base) continue;
                uint64_t root = vad_root(k, fams[f], p->eproc + (uint64_t)o);
                if (!mem_is_kernel_va(root)) { bad = 1; break; }
                if (lookup(k, fams[f], root, p->section_base >> 12, NULL)) score++;
            }
            if (!bad && score > best_score) { best_score = score; best_off = o; best_fam = fams[f]; }
        }
    }
    if (best_fam && best_fam->family == 10) {
        /* Pick the flag layout under which image mappings read as VadImageMap (2). */
        const mem_vad_layout *pref = (k->build && k->build < 17134) ? &fam10a : &fam10b;
        const mem_vad_layout *other = pref == &fam10a ? &fam10b : &fam10a;
        int ok_pref = 0, ok_other = 0, seen = 0;
        for (size_t i = 0; i < pl.n; i++) {
            mem_process *p = &pl.v[i];
            if (!p->section_base) continue;
            vnode n;
            if (!lookup(k, pref, vad_root(k, pref, p->eproc + (uint64_t)best_off), p->section_base >> 12, &n)) continue;
            seen++;
            ok_pref += bits(n.flags, pref->type_bit, pref->type_len) == 2;
            ok_other += bits(n.flags, other->type_bit, other->type_len) == 2;
        }
        best_fam = (seen && ok_other > ok_pref) ? other : pref;
    }
    if (best_fam) {
        k->vad = *best_fam;
        k->have_vad = 1;
        k->lay.vadroot = best_off;
    }
    mem_proclist_free(&pl);
    return k->have_vad;
}

/* ---- names ------------------------------------------------------------------------- */
static const char *const prot_names[8] = {
    "PAGE_NOACCESS", "PAGE_READONLY", "PAGE_EXECUTE", "PAGE_EXECUTE_READ",
    "PAGE_READWRITE", "PAGE_WRITECOPY", "PAGE_EXECUTE_READWRITE", "PAGE_EXECUTE_WRITECOPY"};
static const uint32_t prot_win32[8] = {0x01, 0x02, 0x10, 0x20, 0x04, 0x08, 0x40, 0x80};

const char *mem_protection_name(uint32_t p) { return prot_names[p & 7]; }
uint32_t mem_protection_win32(uint32_t p)
{
    uint32_t v = prot_win32[p & 7];
    if ((p & 0x18) == 0x8) v |= 0x200;   /* MM_NOCACHE */
    if ((p & 0x18) == 0x10) v |= 0x100;  /* MM_GUARD_PAGE */
    if ((p & 0x18) == 0x18) v |= 0x400;  /* MM_WRITECOMBINE */
    return v;
}

const char *mem_vad_type_name(uint32_t t)
{
    static const char *const n[8] = {"VadNone", "VadDevicePhysicalMemory", "VadImageMap", "VadAwe",
                                     "VadWriteWatch", "VadLargePages", "VadRotatePhysical", "VadLargePageSection"};
    return n[t & 7];
}

/* ---- walk ---------------------------------------------------------------------------- */
void mem_vadlist_free(mem_vadlist *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static void file_name(const mem_kernel *k, uint64_t subsection, char *out, size_t n)
{
    out[0] = 0;
    uint64_t ca, fo;
    if (!mem_is_kernel_va(subsection) || !mem_vread_u64(&k->kas, subsection, &ca) || !mem_is_kernel_va(ca)) return;
    if (!mem_vread_u64(&k->kas, ca + (uint64_t)k->vad.ca_file, &fo)) return;
    fo &= ~0xfull;   /* EX_FAST_REF reference bits */
    if (!mem_is_kernel_va(fo)) return;
    mem_read_ustr(&k->kas, fo + (uint64_t)k->vad.fo_name, out, n);
}

kn_status mem_vads(const mem_kernel *k, const mem_process *p, mem_vadlist *out, kn_err *e)
{
    memset(out, 0, sizeof *out);
    if (!k->have_vad || !p->vadroot)
        return kn_err_set(e, KN_ERR_NOTFOUND, k->img->name, KN_NO_OFFSET, "VAD layout not found for this image");
    const mem_vad_layout *L = &k->vad;
    uint64_t root = vad_root(k, L, p->vadroot);
    if (!root) return KN_OK;
    kn_htab seen;
    if (kn_htab_init(&seen, 8, 1, 256) != 0) return kn_err_set(e, KN_ERR_NOMEM, NULL, KN_NO_OFFSET, "out of memory");
    /* in-order traversal with an explicit stack; depth bounded */
    uint64_t stack[128];
    int sp = 0;
    uint64_t cur = root;
    while ((cur || sp) && out->n < MEM_MAX_VADS) {
        while (cur) {
            int created;
            if (!kn_htab_put(&seen, &cur, &created) || !created) { out->cycle = 1; cur = 0; break; }
            if (sp == 128) { out->truncated = 1; cur = 0; break; }
            stack[sp++] = cur;
            vnode n;
            if (!read_node(k, L, cur, &n)) { out->truncated = 1; sp--; cur = 0; break; }
            cur = mem_is_kernel_va(n.left) ? n.left : 0;
        }
        if (!sp) break;
        uint64_t va = stack[--sp];
        vnode n;
        if (!read_node(k, L, va, &n)) { out->truncated = 1; cur = 0; continue; }
        if (out->n == out->cap) {
            size_t nc = out->cap ? out->cap * 2 : 64;
            mem_vad *nv = realloc(out->v, nc * sizeof *nv);
            if (!nv) { out->truncated = 1; break; }
            out->v = nv;
            out->cap = nc;
        }
        mem_vad *v = &out->v[out->n++];
        memset(v, 0, sizeof *v);
        v->node = va;
        v->start = n.svpn << 12;
        v->end = (n.evpn + 1) << 12;
        v->type = bits(n.flags, L->type_bit, L->type_len);
        v->protection = bits(n.flags, L->prot_bit, L->prot_len);
        v->private_mem = (int)bits(n.flags, L->private_bit, 1);
        v->commit = L->commit_bit >= 0 ? (int)bits(n.flags, L->commit_bit, 1) : (int)bits(n.flags1, 31, 1);
        if (!v->private_mem) {
            uint8_t b[0x58];
            if (mem_vread(&k->kas, va, b, sizeof b) == sizeof b) {
                uint64_t sub = rd64(b + L->subsection);
                v->first_proto = rd64(b + L->first_proto);
                file_name(k, sub, v->file, sizeof v->file);
            }
        }
        cur = mem_is_kernel_va(n.right) ? n.right : 0;
    }
    if (out->n >= MEM_MAX_VADS) out->truncated = 1;
    kn_htab_free(&seen);
    return KN_OK;
}

/* ---- modules ---------------------------------------------------------------------------- */
void mem_modlist_free(mem_modlist *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

static mem_module *push_mod(mem_modlist *l)
{
    if (l->n >= MEM_MAX_MODULES) return NULL;
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 32;
        mem_module *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv) return NULL;
        l->v = nv;
        l->cap = nc;
    }
    mem_module *m = &l->v[l->n++];
    memset(m, 0, sizeof *m);
    return m;
}

static void pe_stamp(const mem_as *as, mem_module *m)
{
    uint8_t h[0x200];
    if (mem_vread(as, m->base, h, sizeof h) != sizeof h || h[0] != 'M' || h[1] != 'Z') return;
    uint32_t lf = rd32(h + 0x3c);
    if (lf > sizeof h - 0x60 || memcmp(h + lf, "PE\0\0", 4)) return;
    m->timestamp = rd32(h + lf + 8);
    m->checksum = rd32(h + lf + 24 + 64);
    if (!m->size) m->size = rd32(h + lf + 24 + 56);
}

static int mod_cmp(const void *a, const void *b)
{
    const mem_module *x = a, *y = b;
    return x->base < y->base ? -1 : x->base > y->base;
}

kn_status mem_modules(const mem_kernel *k, const mem_process *p, const mem_vadlist *vads, mem_modlist *out, kn_err *e)
{
    memset(out, 0, sizeof *out);
    mem_as as = {k->img, p->dtb, k->kas.dtb, 0};
    uint64_t ldr;
    if (p->peb && mem_vread_u64(&as, p->peb + 0x18, &ldr) && mem_is_user_va(ldr)) {
        uint64_t head = ldr + 0x10, cur;
        kn_htab seen;
        if (kn_htab_init(&seen, 8, 1, 64) == 0) {
            if (!mem_vread_u64(&as, head, &cur)) cur = head;
            while (cur != head && mem_is_user_va(cur)) {
                int created;
                if (!kn_htab_put(&seen, &cur, &created) || !created) break;
                uint8_t b[0x90];
                if (mem_vread(&as, cur, b, sizeof b) != sizeof b) break;
                mem_module *m = push_mod(out);
                if (!m) break;
                m->base = rd64(b + 0x30);
                m->size = rd32(b + 0x40);
                mem_read_ustr(&as, cur + 0x48, m->name, sizeof m->name);
                pe_stamp(&as, m);
                if (!m->base) out->n--;
                cur = rd64(b);
            }
            kn_htab_free(&seen);
        }
    }
    /* Image mappings the loader list lacks (WOW64 modules, unlinked DLLs). */
    for (size_t i = 0; vads && i < vads->n; i++) {
        const mem_vad *v = &vads->v[i];
        if (v->type != 2) continue;
        int have = 0;
        for (size_t j = 0; j < out->n && !have; j++) have = out->v[j].base == v->start;
        if (have) continue;
        mem_module *m = push_mod(out);
        if (!m) break;
        m->base = v->start;
        m->size = (uint32_t)(v->end - v->start);
        snprintf(m->name, sizeof m->name, "%s", v->file[0] ? v->file : "(unnamed image)");
        pe_stamp(&as, m);
    }
    qsort(out->v, out->n, sizeof *out->v, mod_cmp);
    (void)e;
    return KN_OK;
}
