/* mkimage.c: builds synthetic Windows x64 memory images for the mem tests,
 * with an answer key (truth.json) written from what it placed.
 *
 * No real Windows kernel image can be shipped, so this tool lays out what
 * the analyzer must find: a low stub, kernel page tables (2 MiB and 1 GiB
 * pages, a PML4 self-reference), an ntoskrnl-like PE with an RSDS record
 * and a version resource, KUSER_SHARED_DATA, EPROCESS/ETHREAD/VAD/
 * SUBSECTION/CONTROL_AREA/FILE_OBJECT structures at the offsets of a real
 * build, and processes with real PE files mapped page by page. Pages are
 * put in every state the analyzer classifies: valid, prototype (in the PTE
 * and VAD-held), transition (data and page tables), pagefile (data and
 * page tables, with a matching pagefile.sys), demand-zero, unavailable.
 * The same physical memory is then wrapped in every container: raw, crash
 * dump (full and bitmap), LiME, ELF core, VMware vmem+vmss.
 *
 * Independence: offsets come from the ISF files (--isf DIR) or, when they
 * are absent, from offsets.h (facts checked against the ISFs by
 * --check-isf). Nothing here is shared with the analyzer's readers.
 *
 * usage: mkimage --build N --out DIR [--isf DIR] [--exe64 F] [--exe32 F]
 *                [--dll F]... [--corrupt proc-loop|proc-break|vad-loop|vad-huge|pt-everything] [--phys-mb N --bulk-mb M]
 *                [--raw-only] [--shift-eprocess N]
 *        mkimage --check-isf DIR */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/input.h"
#include "core/json.h"
#include "core/jsonp.h"
#include "offsets.h"

static uint64_t PHYS_SIZE = 24ull << 20;   /* --phys-mb grows the last RAM range */
#define PG 4096ull
static struct { uint64_t start, end; } ram[3] = {{0, 0xa0000}, {0x100000, 0xe00000}, {0x1000000, 0x1800000}};

static uint8_t *phys;
static uint64_t next_small = 0x400000, next_large = 0x1000000, pool_next = 0x100000, next_bulk = 0x1800000;
static const uint64_t pool_end = 0x400000;
static uint64_t POOLBASE;
static fx_offsets O;
static int build_is10;

static void die(const char *m) { fprintf(stderr, "mkimage: %s\n", m); exit(1); }

static uint64_t alloc_page(void)
{
    if (next_small + PG > 0xe00000) die("out of small pages");
    uint64_t p = next_small;
    next_small += PG;
    return p;
}
static uint64_t alloc_bulk(void)
{
    if (next_bulk + PG > PHYS_SIZE) die("out of bulk pages (raise --phys-mb)");
    uint64_t p = next_bulk;
    next_bulk += PG;
    return p;
}
static uint64_t alloc_large(void)
{
    if (next_large + 0x200000 > 0x1800000) die("out of large pages");
    uint64_t p = next_large;
    next_large += 0x200000;
    return p;
}
static void w64(uint64_t pa, uint64_t v) { memcpy(phys + pa, &v, 8); }
static void w32(uint64_t pa, uint32_t v) { memcpy(phys + pa, &v, 4); }
static void w16(uint64_t pa, uint16_t v) { memcpy(phys + pa, &v, 2); }
static uint64_t r64(uint64_t pa) { uint64_t v; memcpy(&v, phys + pa, 8); return v; }
static uint64_t kva(uint64_t pa) { return POOLBASE + pa; }
static uint64_t kpa(uint64_t va) { return va - POOLBASE; }

/* Pool allocation: POOL_HEADER (tag) then the object; returns body pa. */
static uint64_t pool_alloc(size_t size, const char *tag, size_t hdr)
{
    pool_next = (pool_next + 15) & ~15ull;
    uint64_t start = pool_next;
    uint64_t body = start + 0x10 + hdr;
    pool_next = (body + size + 15) & ~15ull;
    if (pool_next > pool_end) die("pool exhausted");
    if (tag) memcpy(phys + start + 4, tag, 4);
    w16(start + 2, (uint16_t)((pool_next - start) / 16));
    return body;
}

/* ---- page tables ----------------------------------------------------------------- */
static uint64_t table_for(uint64_t pml4, uint64_t va, int level, int user)
{
    uint64_t t = pml4;
    for (int l = 4; l > level; l--) {
        unsigned idx = (unsigned)((va >> (12 + 9 * (l - 1))) & 511);
        uint64_t e = r64(t + 8 * idx);
        if (!(e & 1)) {
            uint64_t n = alloc_page();
            e = n | 0x63 | (user ? 4 : 0);
            w64(t + 8 * idx, e);
        }
        t = e & 0x000ffffffffff000ull;
    }
    return t;
}
static void set_pte(uint64_t pml4, uint64_t va, uint64_t pte, int user) { w64(table_for(pml4, va, 1, user) + 8 * ((va >> 12) & 511), pte); }
static void map4k(uint64_t pml4, uint64_t va, uint64_t pa, int user) { set_pte(pml4, va, pa | 0x63 | (user ? 4 : 0), user); }
static void map2m(uint64_t pml4, uint64_t va, uint64_t pa, int user)
{
    w64(table_for(pml4, va, 2, user) + 8 * ((va >> 21) & 511), pa | 0xe3 | (user ? 4 : 0));
}
static void map1g(uint64_t pml4, uint64_t va, uint64_t pa) { w64(table_for(pml4, va, 3, 0) + 8 * ((va >> 30) & 511), pa | 0xe3); }

/* ---- ISF ---------------------------------------------------------------------------- */
static const kn_jval *isf_ut;
static int64_t isf_off(const char *t, const char *f)
{
    const kn_jval *v = kn_jget(kn_jget(kn_jget(isf_ut, t), "fields"), f);
    return v ? kn_jint(kn_jget(v, "offset"), -1) : -1;
}
static int isf_bit(const char *t, const char *f, int *len)
{
    const kn_jval *ty = kn_jget(kn_jget(kn_jget(kn_jget(isf_ut, t), "fields"), f), "type");
    if (!ty) return -1;
    if (len) *len = (int)kn_jint(kn_jget(ty, "bit_length"), 0);
    return (int)kn_jint(kn_jget(ty, "bit_position"), -1);
}

/* Reads the ISF for `build` from dir into o (keeps the table's file version
 * and build, which ISFs do not carry). Returns 0 when no ISF is found. */
static int load_isf(const char *dir, unsigned build, fx_offsets *o, kn_arena *a)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    char want[32], path[4096] = "";
    snprintf(want, sizeof want, "ntkrnlmp-%u-", build);
    struct dirent *de;
    while ((de = readdir(d)))
        if (strncmp(de->d_name, want, strlen(want)) == 0) snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    closedir(d);
    if (!path[0]) return 0;
    kn_map m;
    kn_err e;
    if (kn_map_open(&m, path, 1, 1u << 30, &e) != KN_OK) die("cannot read ISF");
    kn_jval *root;
    size_t eo;
    if (kn_jparse(a, (const char *)m.data, m.size, &root, &eo) != KN_OK) die("ISF is not JSON");
    kn_map_close(&m);
    isf_ut = kn_jget(root, "user_types");
    const kn_jval *pdb = kn_jpath(root, "metadata.windows.pdb");
    static char guid[64];
    snprintf(guid, sizeof guid, "%s", kn_jstr(kn_jget(pdb, "GUID"), ""));
    o->guid = guid;
    o->age = (unsigned)kn_jint(kn_jget(pdb, "age"), 0);
    o->ps_head_rva = (unsigned)kn_jint(kn_jget(kn_jpath(root, "symbols.PsActiveProcessHead"), "address"), 0);
#define E(f, n) (int)isf_off("_EPROCESS", n)
    o->ep_size = (int)kn_jint(kn_jget(kn_jget(isf_ut, "_EPROCESS"), "size"), 0);
    o->ep_pid = E(, "UniqueProcessId"); o->ep_links = E(, "ActiveProcessLinks"); o->ep_name = E(, "ImageFileName");
    o->ep_ppid = E(, "InheritedFromUniqueProcessId"); o->ep_create = E(, "CreateTime"); o->ep_exit = E(, "ExitTime");
    o->ep_peb = E(, "Peb"); o->ep_vadroot = E(, "VadRoot"); o->ep_section_base = E(, "SectionBaseAddress");
    o->ep_thread_head = E(, "ThreadListHead"); o->ep_active_threads = E(, "ActiveThreads");
    o->ep_wow64 = E(, "WoW64Process"); if (o->ep_wow64 < 0) o->ep_wow64 = E(, "Wow64Process");
    o->ep_object_table = E(, "ObjectTable");
#undef E
    o->kp_dtb = (int)isf_off("_KPROCESS", "DirectoryTableBase");
    o->eth_size = (int)kn_jint(kn_jget(kn_jget(isf_ut, "_ETHREAD"), "size"), 0);
    o->eth_tle = (int)isf_off("_ETHREAD", "ThreadListEntry");
    o->eth_cid = (int)isf_off("_ETHREAD", "Cid");
    o->kt_teb = (int)isf_off("_KTHREAD", "Teb");
    o->kt_trap = (int)isf_off("_KTHREAD", "TrapFrame");
    int is10 = isf_off("_MMVAD_SHORT", "StartingVpnHigh") >= 0;
    if (is10) {
        o->vad_left = (int)isf_off("_RTL_BALANCED_NODE", "Left");
        o->vad_right = (int)isf_off("_RTL_BALANCED_NODE", "Right");
        o->vad_parent = (int)isf_off("_RTL_BALANCED_NODE", "ParentValue");
    } else {
        o->vad_left = (int)isf_off("_MMVAD_SHORT", "LeftChild");
        o->vad_right = (int)isf_off("_MMVAD_SHORT", "RightChild");
        o->vad_parent = (int)isf_off("_MMVAD_SHORT", "u1");
    }
    o->vad_start = (int)isf_off("_MMVAD_SHORT", "StartingVpn");
    o->vad_end = (int)isf_off("_MMVAD_SHORT", "EndingVpn");
    o->vad_start_high = (int)isf_off("_MMVAD_SHORT", "StartingVpnHigh");
    o->vad_end_high = (int)isf_off("_MMVAD_SHORT", "EndingVpnHigh");
    o->vad_u = (int)isf_off("_MMVAD_SHORT", "u");
    o->vad_u1 = is10 ? (int)isf_off("_MMVAD_SHORT", "u1") : -1;
    o->vad_short_size = (int)kn_jint(kn_jget(kn_jget(isf_ut, "_MMVAD_SHORT"), "size"), 0);
    o->vad_size = (int)kn_jint(kn_jget(kn_jget(isf_ut, "_MMVAD"), "size"), 0);
    o->vad_subsection = (int)isf_off("_MMVAD", "Subsection");
    o->vad_first_proto = (int)isf_off("_MMVAD", "FirstPrototypePte");
    o->vf_type_bit = isf_bit("_MMVAD_FLAGS", "VadType", &o->vf_type_len);
    o->vf_prot_bit = isf_bit("_MMVAD_FLAGS", "Protection", &o->vf_prot_len);
    o->vf_private_bit = isf_bit("_MMVAD_FLAGS", "PrivateMemory", NULL);
    o->vf_commit_bit = isf_bit("_MMVAD_FLAGS", "MemCommit", NULL);
    o->vf1_commit_bit = isf_bit("_MMVAD_FLAGS1", "MemCommit", NULL);
    o->vadroot_is_table = !is10;
    o->avl_count_off = is10 ? -1 : (int)isf_off("_MM_AVL_TABLE", "NumberGenericTableElements");
    o->avl_count_bit = is10 ? -1 : isf_bit("_MM_AVL_TABLE", "NumberGenericTableElements", NULL);
    o->sub_ca = (int)isf_off("_SUBSECTION", "ControlArea");
    o->ca_file = (int)isf_off("_CONTROL_AREA", "FilePointer");
    o->fo_name = (int)isf_off("_FILE_OBJECT", "FileName");
    o->kuser_major = (int)isf_off("_KUSER_SHARED_DATA", "NtMajorVersion");
    o->kuser_minor = (int)isf_off("_KUSER_SHARED_DATA", "NtMinorVersion");
    o->kuser_build = (int)isf_off("_KUSER_SHARED_DATA", "NtBuildNumber");
    return 1;
}

static int check_isf(const char *dir)
{
    int bad = 0, checked = 0;
    for (int i = 0; i < 3; i++) {
        kn_arena a;
        kn_arena_init(&a, 1 << 20, 0);
        fx_offsets o = fx_table[i];
        if (!load_isf(dir, fx_table[i].build, &o, &a)) { fprintf(stderr, "no ISF for %u\n", fx_table[i].build); bad++; continue; }
        checked++;
        const fx_offsets *t = &fx_table[i];
        if (strcmp(o.guid, t->guid) || o.age != t->age) { fprintf(stderr, "%u: guid differs\n", t->build); bad++; }
        /* compare every int field after ps_head_rva */
        const int *x = &t->ep_size, *y = &o.ep_size;
        int n = (int)((const int *)(&t->kuser_build + 1) - x);
        for (int k = 0; k < n; k++)
            if (x[k] != y[k]) { fprintf(stderr, "%u: field #%d table %d (0x%x) vs ISF %d (0x%x)\n", t->build, k, x[k], x[k], y[k], y[k]); bad++; }
        if (o.ps_head_rva != t->ps_head_rva) { fprintf(stderr, "%u: PsActiveProcessHead differs\n", t->build); bad++; }
        kn_arena_free(&a);
    }
    printf("checked %d builds, %d differences\n", checked, bad);
    return bad ? 1 : 0;
}

/* ---- files -------------------------------------------------------------------------------- */
static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "mkimage: %s: cannot open\n", path); exit(1); }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    if (!b || fread(b, 1, (size_t)sz, f) != (size_t)sz) die("read failed");
    fclose(f);
    *n = (size_t)sz;
    return b;
}

static void put_file(const char *dir, const char *name, const void *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) die("write failed");
}

/* ---- process model ------------------------------------------------------------------------- */
typedef struct vad {
    uint64_t start, end;   /* [start, end) */
    unsigned type, prot, priv, commit;
    uint64_t first_proto;  /* VA */
    char file[128];
    uint64_t node;         /* pa */
} vad;

typedef struct module { uint64_t base, size; char path[128]; const char *src; } module;

typedef struct page_note { uint64_t va; const char *cls, *cls_pf; } page_note;
typedef struct thread { uint64_t tid, eth, teb, stack_base, stack_limit, rip, rsp; } thread;

typedef struct proc {
    uint64_t pid, ppid, eproc, pml4, peb, section_base, create;
    const char *name;
    int wow64, listed, threads;
    vad vads[32];
    int nvads;
    module mods[8];
    int nmods;
    page_note notes[64];
    int nnotes;
    thread th[8];
} proc;

static proc procs[8];
static int nprocs;
static uint8_t *pagefile;
static size_t pagefile_pages = 64;
static unsigned pf_next = 1;

static void note(proc *p, uint64_t va, const char *c, const char *cpf)
{
    if (p->nnotes < 64) p->notes[p->nnotes++] = (page_note){va, c, cpf};
}

static vad *add_vad(proc *p, uint64_t start, uint64_t end, unsigned type, unsigned prot, unsigned priv, unsigned commit)
{
    vad *v = &p->vads[p->nvads++];
    memset(v, 0, sizeof *v);
    v->start = start; v->end = end; v->type = type; v->prot = prot; v->priv = priv; v->commit = commit;
    return v;
}

static uint64_t utf16_pool(const char *s, uint16_t *len_out)
{
    size_t n = strlen(s);
    uint64_t pa = pool_alloc(2 * n + 2, "Strg", 0);
    for (size_t i = 0; i < n; i++) w16(pa + 2 * i, (uint8_t)s[i]);
    *len_out = (uint16_t)(2 * n);
    return pa;
}

/* Maps a PE file image at base (sections at their RVAs, as the loader does)
 * and records a VAD with a prototype PTE array. special: which page states
 * to exercise (bit 0: PTE prototype, 1: VAD prototype in transition,
 * 2: unavailable page, 3: proto-only resident page). Writes the expected
 * image bytes to out/mapped-PID-BASE.bin. */
static void map_pe(proc *p, const char *outdir, const char *file, uint64_t base, const char *winpath, unsigned special)
{
    size_t n;
    uint8_t *f = slurp(file, &n);
    if (n < 0x200 || f[0] != 'M' || f[1] != 'Z') die("not a PE file");
    uint32_t lf;
    memcpy(&lf, f + 0x3c, 4);
    uint16_t nsec, optsz, magic;
    memcpy(&nsec, f + lf + 6, 2);
    memcpy(&optsz, f + lf + 20, 2);
    memcpy(&magic, f + lf + 24, 2);
    uint32_t size_img, size_hdr;
    memcpy(&size_img, f + lf + 24 + 56, 4);
    memcpy(&size_hdr, f + lf + 24 + 60, 4);
    size_img = (size_img + 0xfff) & ~0xfffu;
    uint8_t *img = calloc(size_img, 1);
    memcpy(img, f, size_hdr < n ? size_hdr : n);
    for (unsigned i = 0; i < nsec; i++) {
        const uint8_t *s = f + lf + 24 + optsz + 40 * i;
        uint32_t vsize, rva, rsize, roff;
        memcpy(&vsize, s + 8, 4); memcpy(&rva, s + 12, 4); memcpy(&rsize, s + 16, 4); memcpy(&roff, s + 20, 4);
        uint32_t k = rsize < vsize || vsize == 0 ? rsize : vsize;
        if (rva >= size_img) continue;
        if (rva + k > size_img) k = size_img - rva;
        if (roff + (uint64_t)k > n) k = roff < n ? (uint32_t)(n - roff) : 0;
        memcpy(img + rva, f + roff, k);
    }
    uint64_t npages = size_img / PG;
    uint64_t proto = pool_alloc(npages * 8, "MmSt", 0);
    vad *v = add_vad(p, base, base + size_img, 2, 7, 0, 1);
    v->first_proto = kva(proto);
    snprintf(v->file, sizeof v->file, "%s", winpath);
    for (uint64_t i = 0; i < npages; i++) {
        uint64_t va = base + i * PG;
        int unavailable = (special & 4) && i == 3;
        if (unavailable) {
            /* subsection-style prototype: bytes only in the file on disk */
            w64(proto + 8 * i, (kva(proto) << 16) | 0x400);
            memset(img + i * PG, 0, PG);
            note(p, va, "paged_out", "paged_out");
            continue;
        }
        uint64_t pa = alloc_page();
        memcpy(phys + pa, img + i * PG, PG);
        w64(proto + 8 * i, pa | 0x21);
        if ((special & 1) && i == 1) {
            set_pte(p->pml4, va, ((kva(proto + 8 * i) & 0xffffffffffffull) << 16) | 0x400 | (7u << 5), 1);
            note(p, va, "resident", "resident");
        } else if ((special & 2) && i == 2) {
            set_pte(p->pml4, va, 0xffffffff00000000ull | 0x400 | (7u << 5), 1);
            w64(proto + 8 * i, pa | 0x800 | (7u << 5));   /* transition */
            note(p, va, "transition", "transition");
        } else if ((special & 8) && i == 4) {
            table_for(p->pml4, va, 1, 1);   /* PTE stays zero: the VAD's prototype is used */
            note(p, va, "resident", "resident");
        } else {
            set_pte(p->pml4, va, pa | 0x25, 1);
        }
    }
    module *m = &p->mods[p->nmods++];
    m->base = base;
    m->size = size_img;
    snprintf(m->path, sizeof m->path, "%s", winpath);
    m->src = file;
    char name[128];
    snprintf(name, sizeof name, "mapped-%llu-%llx.bin", (unsigned long long)p->pid, (unsigned long long)base);
    put_file(outdir, name, img, size_img);
    if (!p->section_base) p->section_base = base;
    free(img);
    free(f);
}

static void fill_pattern(uint64_t pa, uint64_t tag)
{
    for (uint64_t i = 0; i < PG; i += 8) w64(pa + i, tag ^ (i * 0x9e3779b97f4a7c15ull));
}

static uint64_t pf_alloc(uint64_t src_pa)
{
    unsigned idx = pf_next++;
    if (idx >= pagefile_pages) die("pagefile full");
    memcpy(pagefile + idx * PG, phys + src_pa, PG);
    return idx;
}

/* The private regions with every page state. */
static void private_regions(proc *p, uint64_t heap, int with_large)
{
    /* heap: 16 pages */
    vad *h = add_vad(p, heap, heap + 16 * PG, 0, 4, 1, 1);
    (void)h;
    for (int i = 0; i < 16; i++) {
        uint64_t va = heap + (uint64_t)i * PG;
        if (i == 0) continue;   /* page 0 holds the loader data, mapped by the caller */
        if (i < 8) { uint64_t pa = alloc_page(); fill_pattern(pa, va ^ p->pid); map4k(p->pml4, va, pa, 1); continue; }
        if (i == 8) {
            uint64_t pa = alloc_page(); fill_pattern(pa, va ^ p->pid);
            set_pte(p->pml4, va, pa | 0x800 | (4u << 5), 1);
            note(p, va, "transition", "transition");
        } else if (i == 9) {
            uint64_t tmp = alloc_page(); fill_pattern(tmp, va ^ p->pid);
            uint64_t idx = pf_alloc(tmp);
            memset(phys + tmp, 0, PG);   /* the frame was reused: only the pagefile has it */
            set_pte(p->pml4, va, (idx << 32) | (4u << 5), 1);
            note(p, va, "paged_out", "pagefile");
        } else if (i == 10) {
            set_pte(p->pml4, va, (5ull << 32) | (1u << 12) | (4u << 5), 1);   /* pagefile #1: not given */
            note(p, va, "paged_out", "paged_out");
        } else if (i == 11) {
            set_pte(p->pml4, va, 4u << 5, 1);
            note(p, va, "demand_zero", "demand_zero");
        } else {
            note(p, va, "demand_zero", "demand_zero");   /* zero PTE in a committed private VAD */
        }
    }
    /* a region whose page table is in transition */
    uint64_t t1 = heap + 0x200000;
    t1 &= ~0x1fffffull;
    t1 += 0x400000;
    add_vad(p, t1, t1 + 4 * PG, 0, 4, 1, 1);
    uint64_t pt = alloc_page();
    for (int i = 0; i < 4; i++) { uint64_t pa = alloc_page(); fill_pattern(pa, (t1 + i * PG) ^ p->pid); w64(pt + 8 * i, pa | 0x67); }
    w64(table_for(p->pml4, t1, 2, 1) + 8 * ((t1 >> 21) & 511), pt | 0x800 | (4u << 5));
    /* a region whose page table is in the pagefile */
    uint64_t t2 = t1 + 0x200000;
    add_vad(p, t2, t2 + 4 * PG, 0, 4, 1, 1);
    uint64_t pt2 = alloc_page();
    for (int i = 0; i < 4; i++) { uint64_t pa = alloc_page(); fill_pattern(pa, (t2 + i * PG) ^ p->pid); w64(pt2 + 8 * i, pa | 0x67); }
    uint64_t idx = pf_alloc(pt2);
    memset(phys + pt2, 0, PG);
    w64(table_for(p->pml4, t2, 2, 1) + 8 * ((t2 >> 21) & 511), (idx << 32) | (4u << 5));
    for (int i = 0; i < 4; i++) note(p, t2 + i * PG, "paged_out", "resident");
    /* reserved, never committed */
    add_vad(p, t2 + 0x200000, t2 + 0x200000 + 16 * PG, 0, 4, 1, 0);
    if (with_large) {
        uint64_t big = 0x20000000, pa = alloc_large();
        for (uint64_t o = 0; o < 0x200000; o += PG) fill_pattern(pa + o, (big + o) ^ p->pid);
        map2m(p->pml4, big, pa, 1);
        add_vad(p, big, big + 0x200000, 0, 4, 1, 1);
    }
}

/* ---- VAD tree ------------------------------------------------------------------------------ */
static int vad_cmp(const void *a, const void *b)
{
    const vad *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static uint64_t vad_node(vad *v)
{
    int is_long = !v->priv;
    uint64_t node = pool_alloc((size_t)(is_long ? O.vad_size : O.vad_short_size), is_long ? "Vad " : "VadS", 0);
    v->node = node;
    uint64_t sv = v->start >> 12, ev = (v->end >> 12) - 1;
    uint64_t pages = (v->end - v->start) / PG;
    if (O.vad_start_high < 0) {
        w64(node + O.vad_start, sv);
        w64(node + O.vad_end, ev);
        uint64_t fl = (v->priv && v->commit ? pages : 0) | ((uint64_t)v->type << O.vf_type_bit) |
                      ((uint64_t)v->commit << O.vf_commit_bit) | ((uint64_t)v->prot << O.vf_prot_bit) |
                      ((uint64_t)v->priv << O.vf_private_bit);
        w64(node + O.vad_u, fl);
    } else {
        w32(node + O.vad_start, (uint32_t)sv);
        w32(node + O.vad_end, (uint32_t)ev);
        phys[node + O.vad_start_high] = (uint8_t)(sv >> 32);
        phys[node + O.vad_end_high] = (uint8_t)(ev >> 32);
        uint32_t fl = (v->type << O.vf_type_bit) | (v->prot << O.vf_prot_bit) | (v->priv << O.vf_private_bit);
        w32(node + O.vad_u, fl);
        w32(node + O.vad_u1, (uint32_t)((v->commit ? 1u : 0u) << O.vf1_commit_bit) | (uint32_t)(v->priv && v->commit ? pages : 0));
    }
    if (is_long) {
        w64(node + O.vad_first_proto, v->first_proto);
        if (v->file[0]) {
            uint64_t sub = pool_alloc(0x38, "MmSb", 0), ca = pool_alloc(0x80, "MmCa", 0), fo = pool_alloc(0xd8, "File", 0x30);
            w64(sub + O.sub_ca, kva(ca));
            w64(ca + O.ca_file, kva(fo) | 5);   /* EX_FAST_REF with a reference count */
            uint16_t len;
            uint64_t s = utf16_pool(v->file, &len);
            w16(fo + O.fo_name, len);
            w16(fo + O.fo_name + 2, (uint16_t)(len + 2));
            w64(fo + O.fo_name + 8, kva(s));
            w64(node + O.vad_subsection, kva(sub));
        }
    }
    return node;
}

static uint64_t build_tree(vad *v, int lo, int hi, uint64_t parent_va)
{
    if (lo > hi) return 0;
    int mid = (lo + hi) / 2;
    uint64_t node = v[mid].node;
    w64(node + O.vad_parent, parent_va);
    uint64_t l = build_tree(v, lo, mid - 1, kva(node)), r = build_tree(v, mid + 1, hi, kva(node));
    w64(node + O.vad_left, l ? kva(l) : 0);
    w64(node + O.vad_right, r ? kva(r) : 0);
    return node;
}

static void write_vads(proc *p, int corrupt_loop, int huge_vad)
{
    qsort(p->vads, (size_t)p->nvads, sizeof p->vads[0], vad_cmp);
    for (int i = 0; i < p->nvads; i++) vad_node(&p->vads[i]);
    uint64_t vr = p->eproc + O.ep_vadroot;
    uint64_t parent = O.vadroot_is_table ? kva(vr) : 0;
    uint64_t root = build_tree(p->vads, 0, p->nvads - 1, parent);
    if (O.vadroot_is_table) {
        w64(vr + O.vad_right, kva(root));
        w64(vr + O.avl_count_off, (uint64_t)p->nvads << O.avl_count_bit);
    } else {
        w64(vr, kva(root));
    }
    if (huge_vad) {
        /* the heap VAD's end becomes near the top of user space */
        for (int i = 0; i < p->nvads; i++) {
            vad *v = &p->vads[i];
            if (!v->priv || v->end - v->start != 16 * PG || !v->commit) continue;
            if (O.vad_start_high < 0) w64(v->node + O.vad_end, 0x7fffffff0ull);
            else { w32(v->node + O.vad_end, 0xfffffff0u); phys[v->node + O.vad_end_high] = 7; }
            break;
        }
    }
    if (corrupt_loop) {
        /* the rightmost node's right child points back at the root */
        uint64_t n = root;
        while (r64(n + O.vad_right)) n = kpa(r64(n + O.vad_right));
        w64(n + O.vad_right, kva(root));
    }
}

/* ---- ntoskrnl -------------------------------------------------------------------------------- */
static uint64_t KBASE, ps_head_pa;

static void put_section(uint8_t *h, unsigned i, const char *name, uint32_t rva, uint32_t vsize, uint32_t ch)
{
    uint8_t *s = h + 0x208 + 40 * i;   /* e_lfanew 0x100 + 24 + SizeOfOptionalHeader 0xf0 */
    memcpy(s, name, strlen(name));
    memcpy(s + 8, &vsize, 4);
    memcpy(s + 12, &rva, 4);
    memcpy(s + 16, &vsize, 4);
    memcpy(s + 20, &rva, 4);
    memcpy(s + 36, &ch, 4);
}

static void build_kernel(uint64_t kpml4)
{
    uint32_t data_rva = O.ps_head_rva & ~0xfffu, rsrc_rva = data_rva + 0x2000, size = rsrc_rva + 0x1000;
    uint8_t hdr[PG];
    memset(hdr, 0, sizeof hdr);
    hdr[0] = 'M'; hdr[1] = 'Z';
    uint32_t lf = 0x100;
    memcpy(hdr + 0x3c, &lf, 4);
    memcpy(hdr + lf, "PE\0\0", 4);
    uint16_t mach = 0x8664, nsec = 4, optsz = 0xf0, chr = 0x22, magic = 0x20b;
    memcpy(hdr + lf + 4, &mach, 2);
    memcpy(hdr + lf + 6, &nsec, 2);
    uint32_t ts = 0x5d7a1b3c;
    memcpy(hdr + lf + 8, &ts, 4);
    memcpy(hdr + lf + 20, &optsz, 2);
    memcpy(hdr + lf + 22, &chr, 2);
    uint8_t *opt = hdr + lf + 24;
    memcpy(opt, &magic, 2);
    memcpy(opt + 24, &KBASE, 8);
    uint32_t salign = 0x1000, falign = 0x200, nrva = 16;
    memcpy(opt + 32, &salign, 4);
    memcpy(opt + 36, &falign, 4);
    uint16_t osmaj = (uint16_t)O.ver_major, osmin = (uint16_t)O.ver_minor;
    memcpy(opt + 40, &osmaj, 2);
    memcpy(opt + 42, &osmin, 2);
    memcpy(opt + 56, &size, 4);
    uint32_t hsz = 0x1000;
    memcpy(opt + 60, &hsz, 4);
    memcpy(opt + 108, &nrva, 4);
    uint32_t dbg_rva = 0x1000, dbg_size = 28;
    memcpy(opt + 112 + 6 * 8, &dbg_rva, 4);
    memcpy(opt + 112 + 6 * 8 + 4, &dbg_size, 4);
    memcpy(opt + 112 + 2 * 8, &rsrc_rva, 4);
    uint32_t rs = 0x1000;
    memcpy(opt + 112 + 2 * 8 + 4, &rs, 4);
    put_section(hdr, 0, ".text", 0x1000, 0x1000, 0x68000020);
    put_section(hdr, 1, "POOLCODE", 0x2000, 0x1000, 0x68000020);
    put_section(hdr, 2, ".data", data_rva, 0x2000, 0xc8000040);
    put_section(hdr, 3, ".rsrc", rsrc_rva, 0x1000, 0x42000040);
    uint8_t text[PG], pool[PG], rsrc[PG];
    memset(text, 0xcc, sizeof text);
    memset(pool, 0x90, sizeof pool);
    memset(rsrc, 0, sizeof rsrc);
    /* debug directory + RSDS */
    memset(text, 0, 0x100);
    uint32_t cvtype = 2, cvsize = 24 + 13, cvrva = 0x1040;
    memcpy(text + 12, &cvtype, 4);
    memcpy(text + 16, &cvsize, 4);
    memcpy(text + 20, &cvrva, 4);
    memcpy(text + 0x40, "RSDS", 4);
    for (int i = 0; i < 16; i++) {
        unsigned byte;
        sscanf(O.guid + 2 * i, "%2x", &byte);
        text[0x44 + i] = (uint8_t)byte;
    }
    /* the GUID string is Data1/2/3 in little-endian order: swap them back */
    uint8_t *g = text + 0x44, t;
    t = g[0]; g[0] = g[3]; g[3] = t; t = g[1]; g[1] = g[2]; g[2] = t;
    t = g[4]; g[4] = g[5]; g[5] = t; t = g[6]; g[6] = g[7]; g[7] = t;
    memcpy(text + 0x54, &O.age, 4);
    memcpy(text + 0x58, "ntkrnlmp.pdb", 13);
    /* VS_FIXEDFILEINFO */
    uint32_t sig = 0xfeef04bd, sv = 0x10000, ms = (O.ver_major << 16) | O.ver_minor, ls = (O.build << 16) | O.ver_qfe;
    memcpy(rsrc + 0x40, &sig, 4);
    memcpy(rsrc + 0x44, &sv, 4);
    memcpy(rsrc + 0x48, &ms, 4);
    memcpy(rsrc + 0x4c, &ls, 4);
    uint64_t hdr_pa, text_pa, pool_pa;
    if (build_is10) {
        uint64_t big = alloc_large();
        map2m(kpml4, KBASE, big, 0);
        hdr_pa = big; text_pa = big + 0x1000; pool_pa = big + 0x2000;
    } else {
        hdr_pa = alloc_page(); text_pa = alloc_page(); pool_pa = alloc_page();
        map4k(kpml4, KBASE, hdr_pa, 0);
        map4k(kpml4, KBASE + 0x1000, text_pa, 0);
        map4k(kpml4, KBASE + 0x2000, pool_pa, 0);
    }
    memcpy(phys + hdr_pa, hdr, PG);
    memcpy(phys + text_pa, text, PG);
    memcpy(phys + pool_pa, pool, PG);
    uint64_t d0 = alloc_page(), d1 = alloc_page(), rp = alloc_page();
    map4k(kpml4, KBASE + data_rva, d0, 0);
    map4k(kpml4, KBASE + data_rva + 0x1000, d1, 0);
    map4k(kpml4, KBASE + rsrc_rva, rp, 0);
    memcpy(phys + rp, rsrc, PG);
    /* decoys in .data: kernel pointers that are not the list head */
    w64(d0 + 0x10, KBASE + 0x1000);
    w64(d0 + 0x18, KBASE + data_rva + 0x10);
    ps_head_pa = d0 + (O.ps_head_rva & 0xfff);
}

/* ---- containers ------------------------------------------------------------------------------- */
static void write_raw(const char *dir) { put_file(dir, "image.raw", phys, PHYS_SIZE); }

static void crash_header(uint8_t *h, uint64_t kdtb, uint32_t type, uint64_t fsize)
{
    for (int i = 0; i < 0x2000; i += 4) memcpy(h + i, "PAGE", 4);
    memcpy(h + 4, "DU64", 4);
    uint32_t v = 15;
    memcpy(h + 8, &v, 4);
    v = O.build;
    memcpy(h + 12, &v, 4);
    memcpy(h + 0x10, &kdtb, 8);
    uint64_t x = POOLBASE + 0x4000000;
    memcpy(h + 0x18, &x, 8);
    x = KBASE + (O.ps_head_rva & ~0xfffu) + 0x100;
    memcpy(h + 0x20, &x, 8);
    x = KBASE + O.ps_head_rva;
    memcpy(h + 0x28, &x, 8);
    v = 0x8664; memcpy(h + 0x30, &v, 4);
    v = 2; memcpy(h + 0x34, &v, 4);
    v = 0xe2; memcpy(h + 0x38, &v, 4);
    x = KBASE + (O.ps_head_rva & ~0xfffu) + 0x800;
    memcpy(h + 0x80, &x, 8);
    uint32_t nruns = 3, pad = 0;
    uint64_t npages = 0;
    for (int i = 0; i < 3; i++) npages += (ram[i].end - ram[i].start) / PG;
    memcpy(h + 0x88, &nruns, 4);
    memcpy(h + 0x8c, &pad, 4);
    memcpy(h + 0x90, &npages, 8);
    for (int i = 0; i < 3; i++) {
        uint64_t b = ram[i].start / PG, c = (ram[i].end - ram[i].start) / PG;
        memcpy(h + 0x98 + 16 * i, &b, 8);
        memcpy(h + 0xa0 + 16 * i, &c, 8);
    }
    memcpy(h + 0xf98, &type, 4);
    memcpy(h + 0xfa0, &fsize, 8);
}

static void write_crash(const char *dir, uint64_t kdtb, uint64_t cur_dtb)
{
    uint64_t data = 0;
    for (int i = 0; i < 3; i++) data += ram[i].end - ram[i].start;
    uint64_t fsize = 0x2000 + data;
    uint8_t *f = calloc(fsize, 1);
    crash_header(f, cur_dtb, 1, fsize);   /* CR3 at the crash: a process's, as on real systems */
    uint64_t off = 0x2000;
    for (int i = 0; i < 3; i++) { memcpy(f + off, phys + ram[i].start, ram[i].end - ram[i].start); off += ram[i].end - ram[i].start; }
    put_file(dir, "image.crash.dmp", f, fsize);
    free(f);
    /* bitmap dump (type 5) */
    uint64_t bits = PHYS_SIZE / PG, bm_bytes = bits / 8;
    uint64_t first = (0x2038 + bm_bytes + PG - 1) & ~(PG - 1);
    fsize = first + data;
    f = calloc(fsize, 1);
    crash_header(f, kdtb, 5, fsize);
    memcpy(f + 0x2000, "SDMP", 4);
    memcpy(f + 0x2004, "DUMP", 4);
    uint64_t present = data / PG;
    memcpy(f + 0x2020, &first, 8);
    memcpy(f + 0x2028, &present, 8);
    memcpy(f + 0x2030, &bits, 8);
    off = first;
    for (int i = 0; i < 3; i++) {
        for (uint64_t pa = ram[i].start; pa < ram[i].end; pa += PG) {
            uint64_t pfn = pa / PG;
            f[0x2038 + pfn / 8] |= (uint8_t)(1u << (pfn & 7));
            memcpy(f + off, phys + pa, PG);
            off += PG;
        }
    }
    put_file(dir, "image.bitmap.dmp", f, fsize);
    free(f);
}

static void write_lime(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/image.lime", dir);
    FILE *fp = fopen(path, "wb");
    if (!fp) die("cannot write lime");
    for (int i = 0; i < 3; i++) {
        uint32_t magic = 0x4c694d45, ver = 1;
        uint64_t s = ram[i].start, e = ram[i].end - 1, res = 0;
        fwrite(&magic, 4, 1, fp); fwrite(&ver, 4, 1, fp); fwrite(&s, 8, 1, fp); fwrite(&e, 8, 1, fp); fwrite(&res, 8, 1, fp);
        fwrite(phys + ram[i].start, 1, ram[i].end - ram[i].start, fp);
    }
    if (fclose(fp) != 0) die("lime write failed");
}

static void write_elf(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/image.elf", dir);
    FILE *fp = fopen(path, "wb");
    if (!fp) die("cannot write elf");
    uint8_t eh[64];
    memset(eh, 0, sizeof eh);
    memcpy(eh, "\x7f" "ELF", 4);
    eh[4] = 2; eh[5] = 1; eh[6] = 1;
    uint16_t type = 4, mach = 62, ehsz = 64, phsz = 56, phnum = 4;
    uint32_t ver = 1;
    uint64_t phoff = 64;
    memcpy(eh + 16, &type, 2); memcpy(eh + 18, &mach, 2); memcpy(eh + 20, &ver, 4);
    memcpy(eh + 32, &phoff, 8); memcpy(eh + 52, &ehsz, 2); memcpy(eh + 54, &phsz, 2); memcpy(eh + 56, &phnum, 2);
    fwrite(eh, 1, 64, fp);
    uint64_t off = PG;
    uint8_t ph[56];
    memset(ph, 0, sizeof ph);
    uint32_t pt_note = 4;
    memcpy(ph, &pt_note, 4);
    uint64_t noff = 64 + 56 * 4;
    memcpy(ph + 8, &noff, 8);
    fwrite(ph, 1, 56, fp);
    for (int i = 0; i < 3; i++) {
        memset(ph, 0, sizeof ph);
        uint32_t pt = 1, flags = 7;
        uint64_t len = ram[i].end - ram[i].start, al = 1;
        memcpy(ph, &pt, 4); memcpy(ph + 4, &flags, 4); memcpy(ph + 8, &off, 8);
        memcpy(ph + 24, &ram[i].start, 8); memcpy(ph + 32, &len, 8); memcpy(ph + 40, &len, 8); memcpy(ph + 48, &al, 8);
        fwrite(ph, 1, 56, fp);
        off += len;
    }
    static uint8_t zero[PG];
    fwrite(zero, 1, PG - (64 + 56 * 4), fp);
    for (int i = 0; i < 3; i++) fwrite(phys + ram[i].start, 1, ram[i].end - ram[i].start, fp);
    if (fclose(fp) != 0) die("elf write failed");
}

static void tag4(FILE *fp, const char *name, int nidx, const uint32_t *idx, uint64_t val, int size)
{
    uint8_t flags = (uint8_t)((nidx << 6) | size), nl = (uint8_t)strlen(name);
    fwrite(&flags, 1, 1, fp);
    fwrite(&nl, 1, 1, fp);
    fwrite(name, 1, nl, fp);
    fwrite(idx, 4, (size_t)nidx, fp);
    fwrite(&val, (size_t)size, 1, fp);
}

static void write_vmware(const char *dir, uint64_t kdtb)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/image.vmem", dir);
    FILE *fp = fopen(path, "wb");
    if (!fp) die("cannot write vmem");
    for (int i = 0; i < 3; i++) fwrite(phys + ram[i].start, 1, ram[i].end - ram[i].start, fp);
    if (fclose(fp) != 0) die("vmem write failed");
    snprintf(path, sizeof path, "%s/image.vmss", dir);
    fp = fopen(path, "wb");
    uint32_t hdr[3] = {0xbed2bed2u, 0, 2};
    fwrite(hdr, 4, 3, fp);
    uint8_t grp[80];
    uint64_t cpu_off = 12 + 160, mem_off = cpu_off + 64;
    memset(grp, 0, 80); strcpy((char *)grp, "cpu"); memcpy(grp + 64, &cpu_off, 8); fwrite(grp, 1, 80, fp);
    memset(grp, 0, 80); strcpy((char *)grp, "memory"); memcpy(grp + 64, &mem_off, 8); fwrite(grp, 1, 80, fp);
    uint32_t idx[2] = {0, 3};
    tag4(fp, "CR", 2, idx, kdtb, 8);
    uint8_t end2[2] = {0, 0};
    fwrite(end2, 1, 2, fp);
    long pos = ftell(fp);
    static uint8_t zero[64];
    fwrite(zero, 1, (size_t)(mem_off - (uint64_t)pos), fp);
    tag4(fp, "regionsCount", 0, idx, 3, 4);
    uint64_t file_page = 0;
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t ix[1] = {i};
        tag4(fp, "regionPPN", 1, ix, ram[i].start / PG, 4);
        tag4(fp, "regionPageNum", 1, ix, file_page, 4);
        tag4(fp, "regionSize", 1, ix, (ram[i].end - ram[i].start) / PG, 4);
        file_page += (ram[i].end - ram[i].start) / PG;
    }
    fwrite(end2, 1, 2, fp);
    if (fclose(fp) != 0) die("vmss write failed");

    /* a snapshot that holds the memory itself (version 3: 64-bit sizes), in a
     * "Memory" tag whose data is padded to a page boundary */
    snprintf(path, sizeof path, "%s/image.vmsn", dir);
    fp = fopen(path, "wb");
    if (!fp) die("cannot write vmsn");
    uint32_t h3[3] = {0xbed3bed3u, 0, 2};
    fwrite(h3, 4, 3, fp);
    memset(grp, 0, 80); strcpy((char *)grp, "cpu"); memcpy(grp + 64, &cpu_off, 8); fwrite(grp, 1, 80, fp);
    memset(grp, 0, 80); strcpy((char *)grp, "memory"); memcpy(grp + 64, &mem_off, 8); fwrite(grp, 1, 80, fp);
    tag4(fp, "CR", 2, idx, kdtb, 8);
    fwrite(end2, 1, 2, fp);
    pos = ftell(fp);
    fwrite(zero, 1, (size_t)(mem_off - (uint64_t)pos), fp);
    tag4(fp, "regionsCount", 0, idx, 3, 4);
    file_page = 0;
    for (uint32_t i = 0; i < 3; i++) {
        uint32_t ix[1] = {i};
        tag4(fp, "regionPPN", 1, ix, ram[i].start / PG, 4);
        tag4(fp, "regionPageNum", 1, ix, file_page, 4);
        tag4(fp, "regionSize", 1, ix, (ram[i].end - ram[i].start) / PG, 4);
        file_page += (ram[i].end - ram[i].start) / PG;
    }
    uint8_t mflags = (2 << 6) | 0x3e, mnl = 6;
    uint32_t mix[2] = {0, 0};
    fwrite(&mflags, 1, 1, fp);
    fwrite(&mnl, 1, 1, fp);
    fwrite("Memory", 1, 6, fp);
    fwrite(mix, 4, 2, fp);
    uint64_t msize = file_page * PG;
    fwrite(&msize, 8, 1, fp);
    fwrite(&msize, 8, 1, fp);
    long here = ftell(fp) + 2;
    uint16_t padlen = (uint16_t)((PG - (uint64_t)here % PG) % PG);
    fwrite(&padlen, 2, 1, fp);
    for (uint16_t i = 0; i < padlen; i++) fputc(0, fp);
    for (int i = 0; i < 3; i++) fwrite(phys + ram[i].start, 1, ram[i].end - ram[i].start, fp);
    fwrite(end2, 1, 2, fp);
    if (fclose(fp) != 0) die("vmsn write failed");
}

/* ---- main ------------------------------------------------------------------------------------------ */
static uint64_t filetime(uint64_t unix_s) { return (unix_s + 11644473600ull) * 10000000ull; }

int main(int argc, char **argv)
{
    const char *out = NULL, *isf = NULL, *exe64 = NULL, *exe32 = NULL, *corrupt = "";
    const char *dlls[8];
    int ndll = 0;
    unsigned build = 19041;
    uint64_t bulk_mb = 0;
    int raw_only = 0, shift = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--check-isf") && v) return check_isf(v);
        if (!strcmp(a, "--raw-only")) { raw_only = 1; continue; }
        if (!v) die("option needs a value");
        if (!strcmp(a, "--build")) build = (unsigned)atoi(v);
        else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--isf")) isf = v;
        else if (!strcmp(a, "--exe64")) exe64 = v;
        else if (!strcmp(a, "--exe32")) exe32 = v;
        else if (!strcmp(a, "--dll") && ndll < 8) dlls[ndll++] = v;
        else if (!strcmp(a, "--corrupt")) corrupt = v;
        else if (!strcmp(a, "--shift-eprocess")) shift = (int)strtol(v, NULL, 0);
        else if (!strcmp(a, "--phys-mb")) PHYS_SIZE = (uint64_t)atoll(v) << 20;
        else if (!strcmp(a, "--bulk-mb")) bulk_mb = (uint64_t)atoll(v);
        else die("unknown option");
        i++;
    }
    if (!out || !exe64) die("usage: mkimage --build N --out DIR --exe64 FILE [--exe32 FILE] [--dll FILE]... [--isf DIR]");
    if (PHYS_SIZE < (24ull << 20) || PHYS_SIZE > (64ull << 30)) die("--phys-mb must be 24..65536");
    ram[2].end = PHYS_SIZE;
    const fx_offsets *base = NULL;
    for (int i = 0; i < 3; i++) if (fx_table[i].build == build) base = &fx_table[i];
    if (!base) die("build must be 7601, 14393 or 19041");
    O = *base;
    kn_arena arena;
    kn_arena_init(&arena, 1 << 20, 0);
    const char *offsets_from = "table";
    if (isf && load_isf(isf, build, &O, &arena)) offsets_from = "ISF";
    if (shift) {
        /* A build no table knows: every EPROCESS field after the process
         * links moves by `shift` bytes (as fields inserted by an update
         * would move them). The analyzer must still find them. */
        if (shift % 8 || shift < 0 || shift > 0x100) die("--shift-eprocess must be a multiple of 8 in 0..256");
        int *f[] = {&O.ep_name, &O.ep_ppid, &O.ep_peb, &O.ep_vadroot, &O.ep_section_base, &O.ep_thread_head,
                    &O.ep_active_threads, &O.ep_wow64, &O.ep_object_table, &O.ep_create, &O.ep_exit};
        for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) if (*f[i] > O.ep_links) *f[i] += shift;
        O.ep_size += shift;
        offsets_from = "shifted";
    }
    build_is10 = O.ver_major >= 10;
    POOLBASE = build_is10 ? 0xffffc00000000000ull : 0xfffffa8000000000ull;
    KBASE = build_is10 ? 0xfffff80234600000ull : 0xfffff80002a1f000ull;
    phys = calloc(PHYS_SIZE, 1);
    pagefile = calloc(pagefile_pages, PG);
    if (!phys || !pagefile) die("out of memory");
    memcpy(pagefile, "pagefile-header!", 16);

    uint64_t kpml4 = alloc_page();
    unsigned self = build_is10 ? 0x1a3 : 0x1ed;
    w64(kpml4 + 8 * self, kpml4 | 0x63);
    /* pool: 1 GiB page (Win10) or 2 MiB pages (Win7) over all of physical memory */
    if (build_is10) map1g(kpml4, POOLBASE, 0);
    else for (uint64_t pa = 0; pa < PHYS_SIZE; pa += 0x200000) map2m(kpml4, POOLBASE + pa, pa, 0);
    build_kernel(kpml4);
    /* KUSER_SHARED_DATA */
    uint64_t ku = alloc_page();
    map4k(kpml4, 0xfffff78000000000ull, ku, 0);
    w32(ku + O.kuser_major, O.ver_major);
    w32(ku + O.kuser_minor, O.ver_minor);
    if (O.kuser_build >= 0) w32(ku + O.kuser_build, 0xf0000000u | O.build);
    /* low stub */
    w64(0x1000, 0x00000001000600e9ull);
    w64(0x1000 + 0x70, KBASE + 0x1000);
    w64(0x1000 + 0xa0, kpml4);

    /* processes */
    struct { uint64_t pid, ppid; const char *name; int kind, threads, listed; } defs[] = {
        {4, 0, "System", 0, 3, 1},
        {352, 4, "smss.exe", 1, 2, 1},
        {452, 440, "csrss.exe", 1, 4, 1},
        {1880, 1840, "explorer.exe", 2, 5, 1},
        {2044, 1880, "hello32.exe", 3, 1, 1},
        {3000, 1880, "hidden.exe", 1, 1, 0},
    };
    uint64_t boot = 1682928000;   /* 2023-05-01T08:00:00Z */
    for (int i = 0; i < 6; i++) {
        if (defs[i].kind == 3 && !exe32) continue;
        proc *p = &procs[nprocs++];
        memset(p, 0, sizeof *p);
        p->pid = defs[i].pid;
        p->ppid = defs[i].ppid;
        p->name = defs[i].name;
        p->listed = defs[i].listed;
        p->threads = defs[i].threads;
        p->wow64 = defs[i].kind == 3;
        p->create = filetime(boot + (uint64_t)i * 7);
        p->eproc = pool_alloc((size_t)O.ep_size, "Proc", 0x50);
        w16(p->eproc - 0x30 + 0x18, 7);   /* OBJECT_HEADER.TypeIndex-ish */
        p->pml4 = defs[i].kind == 0 ? kpml4 : alloc_page();
        if (p->pml4 != kpml4) w64(p->pml4 + 8 * self, p->pml4 | 0x63);
    }
    for (int i = 0; i < nprocs; i++) {
        proc *p = &procs[i];
        uint64_t e = p->eproc;
        phys[e] = 3;
        w64(e + O.kp_dtb, p->pml4);
        w64(e + O.ep_pid, p->pid);
        w64(e + O.ep_ppid, p->ppid);
        memcpy(phys + e + O.ep_name, p->name, strlen(p->name) < 15 ? strlen(p->name) : 14);
        w64(e + O.ep_create, p->create);
        w64(e + O.ep_object_table, kva(pool_alloc(0x100, "ObtB", 0)));
        /* threads */
        uint64_t th = e + O.ep_thread_head, prev = th;
        for (int t = 0; t < p->threads; t++) {
            uint64_t et = pool_alloc((size_t)O.eth_size, "Thre", 0x50);
            phys[et] = 6;
            p->th[t].tid = p->pid + 4 + 4 * (uint64_t)t;
            p->th[t].eth = et;
            w64(et + O.eth_cid, p->pid);
            w64(et + O.eth_cid + 8, p->pid + 4 + 4 * (uint64_t)t);
            w64(et + O.eth_tle + 8, kva(prev));
            w64(prev, kva(et + O.eth_tle));
            prev = et + O.eth_tle;
        }
        w64(prev, kva(th));
        w64(th + 8, kva(prev));
        w32(e + O.ep_active_threads, (uint32_t)p->threads);
        if (p->pid == 4) continue;
        /* user space */
        int is_explorer = p->pid == 1880;
        uint64_t img_base = p->wow64 ? 0x400000 : 0x140000000ull;
        char winpath[128];
        snprintf(winpath, sizeof winpath, "\\Windows\\System32\\%s", p->name);
        map_pe(p, out, p->wow64 ? exe32 : exe64, img_base, winpath, is_explorer ? 15 : 3);
        for (int d = 0; d < ndll && !p->wow64; d++) {
            const char *bn = strrchr(dlls[d], '/');
            bn = bn ? bn + 1 : dlls[d];
            snprintf(winpath, sizeof winpath, "\\Windows\\System32\\%s", bn);
            map_pe(p, out, dlls[d], 0x7ffb10000000ull + (uint64_t)d * 0x1000000, winpath, 0);
        }
        uint64_t peb = p->wow64 ? 0x7efde000 : 0x7ff5ffde000ull - (p->pid << 12);
        uint64_t peb_pa = alloc_page();
        map4k(p->pml4, peb, peb_pa, 1);
        add_vad(p, peb, peb + PG, 0, 4, 1, 1);
        p->peb = peb;
        uint64_t heap = 0x10000000ull + (p->pid << 16);
        uint64_t heap_pa = alloc_page();
        map4k(p->pml4, heap, heap_pa, 1);
        w64(peb_pa + 0x10, img_base);
        w64(peb_pa + 0x18, heap);   /* Ldr */
        /* PEB_LDR_DATA at heap: InLoadOrderModuleList at +0x10; entries after */
        uint64_t head = heap + 0x10, prevl = head;
        uint64_t cur = heap + 0x100;
        for (int m = 0; m < p->nmods && !p->wow64; m++) {
            uint64_t ent = cur, ent_pa = heap_pa + (ent - heap);
            cur += 0x120;
            w64(ent_pa + 8, prevl);
            w64(heap_pa + (prevl - heap), ent);
            prevl = ent;
            w64(ent_pa + 0x30, p->mods[m].base);
            w32(ent_pa + 0x40, (uint32_t)p->mods[m].size);
            size_t ln = strlen(p->mods[m].path);
            uint64_t s = cur;
            cur += 2 * ln + 16;
            for (size_t c = 0; c < ln; c++) w16(heap_pa + (s - heap) + 2 * c, (uint8_t)p->mods[m].path[c]);
            w16(ent_pa + 0x48, (uint16_t)(2 * ln));
            w16(ent_pa + 0x4a, (uint16_t)(2 * ln + 2));
            w64(ent_pa + 0x50, s);
        }
        w64(heap_pa + (prevl - heap), head);
        w64(heap_pa + 0x18, prevl);
        private_regions(p, heap, is_explorer);
        if (is_explorer && bulk_mb) {
            /* a large private region of 4 KiB pages, for the procdump benchmark */
            uint64_t bulk = 0x40000000ull, pages = bulk_mb << 8;
            for (uint64_t i = 0; i < pages; i++) {
                uint64_t pa = alloc_bulk();
                w64(pa, bulk + i * PG);
                w64(pa + PG - 8, p->pid);
                map4k(p->pml4, bulk + i * PG, pa, 1);
            }
            add_vad(p, bulk, bulk + pages * PG, 0, 4, 1, 1);
        }
        w64(e + O.ep_peb, peb);
        w64(e + O.ep_section_base, img_base);
        /* TEBs (one VAD) and a 4-page stack per thread, with a trap frame
         * holding the user registers */
        uint64_t tebs = 0x7ff5f0000000ull - (p->pid << 16);
        add_vad(p, tebs, tebs + (uint64_t)p->threads * PG, 0, 4, 1, 1);
        for (int t = 0; t < p->threads; t++) {
            thread *th = &p->th[t];
            uint64_t stack = 0x2000000ull + (p->pid << 16) + (uint64_t)t * 0x8000;
            add_vad(p, stack, stack + 4 * PG, 0, 4, 1, 1);
            for (int k = 0; k < 4; k++) { uint64_t pa = alloc_page(); fill_pattern(pa, stack + k * PG); map4k(p->pml4, stack + k * PG, pa, 1); }
            uint64_t tp = alloc_page();
            th->teb = tebs + (uint64_t)t * PG;
            th->stack_base = stack + 4 * PG;
            th->stack_limit = stack;
            map4k(p->pml4, th->teb, tp, 1);
            w64(tp + 0x8, th->stack_base);
            w64(tp + 0x10, th->stack_limit);
            w64(tp + 0x30, th->teb);
            w64(tp + 0x60, peb);
            w64(tp + 0x48, p->pid);
            w64(tp + 0x50, th->tid);
            w64(th->eth + O.kt_teb, th->teb);
            uint64_t tf = pool_alloc(0x190, NULL, 0);
            th->rip = img_base + 0x1000 + 0x10 * (uint64_t)t;
            th->rsp = th->stack_base - 0x200 - 0x40 * (uint64_t)t;
            w64(tf + 0x168, th->rip);
            w64(tf + 0x180, th->rsp);
            w64(tf + 0x158, th->rsp + 0x80);   /* Rbp */
            w64(tf + 0x30, 0x1234 + (uint64_t)t); /* Rax */
            w16(tf + 0x170, 0x33);
            w32(tf + 0x178, 0x246);
            w16(tf + 0x188, 0x2b);
            w64(th->eth + O.kt_trap, kva(tf));
        }
        if (p->wow64) w64(e + O.ep_wow64, kva(pool_alloc(0x40, "Wow6", 0)));
        write_vads(p, !strcmp(corrupt, "vad-loop") && is_explorer, !strcmp(corrupt, "vad-huge") && is_explorer);
    }
    /* active process list */
    uint64_t head_va = KBASE + O.ps_head_rva, prev_va = head_va;
    uint64_t prev_pa = ps_head_pa;
    int last_listed = -1;
    for (int i = 0; i < nprocs; i++) {
        proc *p = &procs[i];
        uint64_t l = p->eproc + O.ep_links;
        if (!p->listed) { w64(l, kva(l)); w64(l + 8, kva(l)); continue; }
        w64(prev_pa, kva(l));
        w64(l + 8, prev_va);
        prev_pa = l;
        prev_va = kva(l);
        last_listed = i;
    }
    w64(prev_pa, head_va);
    w64(ps_head_pa + 8, prev_va);
    if (!strcmp(corrupt, "proc-loop") && last_listed > 1) w64(prev_pa, kva(procs[1].eproc + O.ep_links));   /* back to smss */
    if (!strcmp(corrupt, "proc-break") && nprocs > 3) w64(procs[2].eproc + O.ep_links, 0xdead0000beef0000ull);   /* csrss's Flink */
    if (!strcmp(corrupt, "pt-everything")) {
        /* explorer's user half: every entry at every level valid, one data
         * page behind all of them (128 TiB "resident"), plus a VAD over it */
        for (int i = 0; i < nprocs; i++) {
            if (procs[i].pid != 1880) continue;
            uint64_t pdpt = alloc_page(), pd = alloc_page(), pt = alloc_page(), data = alloc_page();
            fill_pattern(data, 0x5a5a);
            for (unsigned j = 0; j < 512; j++) { w64(pt + 8 * j, data | 0x67); w64(pd + 8 * j, pt | 0x67); w64(pdpt + 8 * j, pd | 0x67); }
            for (unsigned j = 0; j < 256; j++) w64(procs[i].pml4 + 8 * j, pdpt | 0x67);
            vad *v = &procs[i].vads[0];
            if (O.vad_start_high < 0) { w64(v->node + O.vad_start, 0x10); w64(v->node + O.vad_end, 0x7fffffff0ull); }
            else { w32(v->node + O.vad_start, 0x10); phys[v->node + O.vad_start_high] = 0; w32(v->node + O.vad_end, 0xfffffff0u); phys[v->node + O.vad_end_high] = 7; }
        }
    }
    /* kernel half into every process */
    for (int i = 0; i < nprocs; i++)
        if (procs[i].pml4 != kpml4)
            for (unsigned s = 256; s < 512; s++) if (s != self) w64(procs[i].pml4 + 8 * s, r64(kpml4 + 8 * s));

    write_raw(out);
    put_file(out, "pagefile.sys", pagefile, pagefile_pages * PG);
    if (!raw_only) {
        uint64_t cur = kpml4;
        for (int i = 0; i < nprocs; i++) if (procs[i].pid == 1880) cur = procs[i].pml4;
        write_crash(out, kpml4, cur);
        write_lime(out);
        write_elf(out);
        write_vmware(out, kpml4);
    }

    /* answer key */
    char path[4096];
    snprintf(path, sizeof path, "%s/truth.json", out);
    FILE *tf = fopen(path, "w");
    kn_json *j = kn_json_new(tf);
    kn_json_set_pretty(j, 1);
    kn_json_obj_begin(j);
    kn_json_kuint(j, "build", build);
    kn_json_kstr(j, "offsets_from", offsets_from);
    char gs[64];
    snprintf(gs, sizeof gs, "%s%X", O.guid, O.age);
    kn_json_kstr(j, "pdb_guid_age", gs);
    kn_json_khex(j, "dtb", kpml4);
    kn_json_khex(j, "kernel_base", KBASE);
    kn_json_khex(j, "ps_active_process_head", head_va);
    kn_json_key(j, "processes");
    kn_json_arr_begin(j);
    for (int i = 0; i < nprocs; i++) {
        proc *p = &procs[i];
        kn_json_obj_begin(j);
        kn_json_kuint(j, "pid", p->pid);
        kn_json_kuint(j, "ppid", p->ppid);
        kn_json_kstr(j, "name", p->name);
        kn_json_khex(j, "eprocess", kva(p->eproc));
        kn_json_khex(j, "eprocess_pa", p->eproc);
        kn_json_khex(j, "dtb", p->pml4);
        kn_json_kuint(j, "create_unix", (p->create / 10000000ull) - 11644473600ull);
        kn_json_kuint(j, "threads", (uint64_t)p->threads);
        kn_json_kbool(j, "wow64", p->wow64);
        kn_json_kbool(j, "listed", p->listed);
        if (p->peb) kn_json_khex(j, "peb", p->peb);
        kn_json_key(j, "vads");
        kn_json_arr_begin(j);
        for (int v = 0; v < p->nvads; v++) {
            vad *d = &p->vads[v];
            kn_json_obj_begin(j);
            kn_json_khex(j, "start", d->start);
            kn_json_khex(j, "end", d->end);
            kn_json_kuint(j, "protection_index", d->prot);
            kn_json_kuint(j, "type", d->type);
            kn_json_kbool(j, "private", (int)d->priv);
            kn_json_kbool(j, "commit", (int)d->commit);
            kn_json_kstr(j, "file", d->file[0] ? d->file : NULL);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "modules");
        kn_json_arr_begin(j);
        for (int m = 0; m < p->nmods; m++) {
            kn_json_obj_begin(j);
            kn_json_khex(j, "base", p->mods[m].base);
            kn_json_kuint(j, "size", p->mods[m].size);
            kn_json_kstr(j, "path", p->mods[m].path);
            kn_json_kstr(j, "source", p->mods[m].src);
            char nm[128];
            snprintf(nm, sizeof nm, "mapped-%llu-%llx.bin", (unsigned long long)p->pid, (unsigned long long)p->mods[m].base);
            kn_json_kstr(j, "expected_bytes", nm);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "thread_list");
        kn_json_arr_begin(j);
        for (int t = 0; t < p->threads && p->peb; t++) {
            kn_json_obj_begin(j);
            kn_json_kuint(j, "tid", p->th[t].tid);
            kn_json_khex(j, "teb", p->th[t].teb);
            kn_json_khex(j, "stack_base", p->th[t].stack_base);
            kn_json_khex(j, "stack_limit", p->th[t].stack_limit);
            kn_json_khex(j, "rip", p->th[t].rip);
            kn_json_khex(j, "rsp", p->th[t].rsp);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "pages");
        kn_json_arr_begin(j);
        for (int n = 0; n < p->nnotes; n++) {
            kn_json_obj_begin(j);
            kn_json_khex(j, "va", p->notes[n].va);
            kn_json_kstr(j, "class", p->notes[n].cls);
            kn_json_kstr(j, "class_with_pagefile", p->notes[n].cls_pf);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_obj_end(j);
    kn_json_end_record(j);
    kn_json_free(j);
    fclose(tf);
    kn_arena_free(&arena);
    free(phys);
    free(pagefile);
    return 0;
}
