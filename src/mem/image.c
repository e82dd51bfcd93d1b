/* image.c: memory image containers, recognised by content, reduced to one
 * shape: a sorted table of physical runs pointing into the mapped file.
 * Every container (raw, crash dump full/bitmap, LiME, ELF core, VMware
 * vmem + vmss) only differs in how the table is built, so the translator and
 * everything above never know the format, and holes in the physical map are
 * handled in one place (a missing run). Lookups are a binary search with a
 * one-entry cache, which keeps page-at-a-time walks cheap.
 *
 * Hostile input: every header field is checked against the file size before
 * use, run counts are bounded by what the file can hold, and runs that
 * overlap or leave the file are cut with an error rather than trusted. */
#include "mem/mem.h"

#include <stdlib.h>
#include <string.h>

#define MAX_RUNS (1u << 24)

const char *mem_format_name(mem_format f)
{
    switch (f) {
    case MEM_FMT_RAW: return "raw";
    case MEM_FMT_CRASH_FULL: return "crashdump-full";
    case MEM_FMT_CRASH_BITMAP: return "crashdump-bitmap";
    case MEM_FMT_LIME: return "lime";
    case MEM_FMT_ELF: return "elf-core";
    case MEM_FMT_VMEM: return "vmware-vmem";
    case MEM_FMT_VMSN: return "vmware-vmsn";
    case MEM_FMT_MDMP: return "minidump";
    }
    return "?";
}

static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t rd64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static uint16_t rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static kn_status add_run(mem_image *img, size_t *cap, uint64_t pa, uint64_t len, uint64_t off, kn_err *e)
{
    if (len == 0) return KN_OK;
    if (off > img->size || len > img->size - off)
        return kn_err_set(e, KN_ERR_TRUNCATED, img->name, (int64_t)off,
                          "memory run at physical 0x%llx (%llu bytes) extends past the end of the file",
                          (unsigned long long)pa, (unsigned long long)len);
    /* x64 physical addresses have at most 52 bits; beyond is damage, and
     * refusing it keeps every pa + len below 2^52 (no wrap anywhere). */
    if (pa >= (1ull << 52) || len > (1ull << 52) - pa)
        return kn_err_set(e, KN_ERR_FORMAT, img->name, (int64_t)off, "physical range 0x%llx+0x%llx is beyond 52 bits",
                          (unsigned long long)pa, (unsigned long long)len);
    /* merge with the previous run when contiguous in both spaces */
    if (img->nruns) {
        mem_run *l = &img->runs[img->nruns - 1];
        if (l->pa + l->len == pa && l->off + l->len == off) { l->len += len; return KN_OK; }
    }
    if (img->nruns >= MAX_RUNS) return kn_err_set(e, KN_ERR_LIMIT, img->name, (int64_t)off, "more than %u memory runs", MAX_RUNS);
    if (img->nruns == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        mem_run *nr = realloc(img->runs, nc * sizeof *nr);
        if (!nr) return kn_err_set(e, KN_ERR_NOMEM, img->name, KN_NO_OFFSET, "out of memory");
        img->runs = nr;
        *cap = nc;
    }
    img->runs[img->nruns++] = (mem_run){pa, len, off};
    return KN_OK;
}

static int run_cmp(const void *a, const void *b)
{
    const mem_run *x = a, *y = b;
    return x->pa < y->pa ? -1 : x->pa > y->pa;
}

/* Sorts runs and rejects overlaps (an image that claims two contents for one
 * physical address cannot be read honestly). */
static kn_status finish_runs(mem_image *img, kn_err *e)
{
    if (img->nruns == 0) return kn_err_set(e, KN_ERR_FORMAT, img->name, KN_NO_OFFSET, "image holds no memory");
    qsort(img->runs, img->nruns, sizeof *img->runs, run_cmp);
    img->present = 0;
    for (size_t i = 0; i < img->nruns; i++) {
        if (i && img->runs[i - 1].pa + img->runs[i - 1].len > img->runs[i].pa)
            return kn_err_set(e, KN_ERR_FORMAT, img->name, (int64_t)img->runs[i].off,
                              "memory runs overlap at physical 0x%llx", (unsigned long long)img->runs[i].pa);
        img->present += img->runs[i].len;
    }
    img->phys_end = img->nruns ? img->runs[img->nruns - 1].pa + img->runs[img->nruns - 1].len : 0;
    if (img->nruns == 0) return kn_err_set(e, KN_ERR_FORMAT, img->name, KN_NO_OFFSET, "image holds no memory");
    return KN_OK;
}

/* ---- crash dumps (PAGEDU64) ------------------------------------------------- */
static kn_status open_crash(mem_image *img, kn_err *e)
{
    const uint8_t *d = img->data;
    size_t cap = 0;
    if (img->size < 0x2000) return kn_err_set(e, KN_ERR_TRUNCATED, img->name, 0, "crash dump header is cut short");
    if (rd32(d + 0x30) != 0x8664)
        return kn_err_set(e, KN_ERR_UNSUPPORTED, img->name, 0x30, "crash dump machine 0x%x is not x64", rd32(d + 0x30));
    img->hint_dtb = rd64(d + 0x10);
    img->hint_module_list = rd64(d + 0x20);
    img->hint_ps_head = rd64(d + 0x28);
    img->hint_kdbg = rd64(d + 0x80);
    img->crash_cpus = rd32(d + 0x34);
    img->crash_type = rd32(d + 0xf98);
    if (img->crash_type == 1) {
        img->fmt = MEM_FMT_CRASH_FULL;
        uint32_t nruns = rd32(d + 0x88);
        if (nruns == 0x45474150u) nruns = 0;   /* "PAGE": field unused */
        if ((uint64_t)nruns * 16 + 0x98 > 0x348)
            return kn_err_set(e, KN_ERR_FORMAT, img->name, 0x88, "crash dump claims %u memory runs (at most %u fit)", nruns, (0x348 - 0x98) / 16);
        uint64_t off = 0x2000;
        for (uint32_t i = 0; i < nruns; i++) {
            uint64_t base = rd64(d + 0x98 + 16 * i), count = rd64(d + 0xa0 + 16 * i);
            if (base > (1ull << 40) || count > (1ull << 40))
                return kn_err_set(e, KN_ERR_FORMAT, img->name, 0x98 + 16 * i, "absurd memory run (page 0x%llx, %llu pages)",
                                  (unsigned long long)base, (unsigned long long)count);
            uint64_t len = count * MEM_PAGE;
            if (off > img->size || len > img->size - off) {
                /* A truncated dump: keep what is there, say so. */
                uint64_t have = off < img->size ? (img->size - off) & ~(uint64_t)(MEM_PAGE - 1) : 0;
                kn_status st = add_run(img, &cap, base * MEM_PAGE, have, off, e);
                if (st) return st;
                kn_err_set(e, KN_ERR_TRUNCATED, img->name, (int64_t)img->size,
                           "crash dump is truncated: run %u wants %llu bytes from offset %llu", i,
                           (unsigned long long)len, (unsigned long long)off);
                if (img->nruns == 0) return KN_ERR_TRUNCATED;
                e->status = KN_OK;   /* usable: caller may print the note */
                break;
            }
            kn_status st = add_run(img, &cap, base * MEM_PAGE, len, off, e);
            if (st) return st;
            off += len;
        }
        return finish_runs(img, e);
    }
    if (img->crash_type == 5 || img->crash_type == 6 || (img->size >= 0x2008 && memcmp(d + 0x2004, "DUMP", 4) == 0)) {
        img->fmt = MEM_FMT_CRASH_BITMAP;
        if (img->size < 0x2038) return kn_err_set(e, KN_ERR_TRUNCATED, img->name, 0x2000, "bitmap header cut short");
        if (memcmp(d + 0x2000, "SDMP", 4) && memcmp(d + 0x2000, "FDMP", 4))
            return kn_err_set(e, KN_ERR_FORMAT, img->name, 0x2000, "bitmap dump lacks its SDMP/FDMP header");
        uint64_t first = rd64(d + 0x2020), bits = rd64(d + 0x2030);
        uint64_t bitmap_bytes = (bits + 7) / 8;
        if (bits > (1ull << 40) || bitmap_bytes > img->size - 0x2038)
            return kn_err_set(e, KN_ERR_TRUNCATED, img->name, 0x2030, "bitmap of %llu pages does not fit in the file",
                              (unsigned long long)bits);
        if (first > img->size) return kn_err_set(e, KN_ERR_FORMAT, img->name, 0x2020, "page data offset %llu beyond the file", (unsigned long long)first);
        const uint8_t *bm = d + 0x2038;
        uint64_t off = first;
        uint64_t run_start = 0, run_len = 0;
        for (uint64_t pfn = 0; pfn < bits; pfn++) {
            if (!(pfn & 63) && pfn + 64 <= bits && rd64(bm + pfn / 8) == 0 && run_len == 0) { pfn += 63; continue; }
            int set = (bm[pfn >> 3] >> (pfn & 7)) & 1;
            if (set) {
                if (run_len == 0) run_start = pfn;
                run_len++;
                continue;
            }
            if (run_len) {
                uint64_t len = run_len * MEM_PAGE;
                if (off + len > img->size) { len = (img->size - off) & ~(uint64_t)(MEM_PAGE - 1); kn_status st = add_run(img, &cap, run_start * MEM_PAGE, len, off, e); if (st) return st; off = img->size; run_len = 0; break; }
                kn_status st = add_run(img, &cap, run_start * MEM_PAGE, len, off, e);
                if (st) return st;
                off += len;
                run_len = 0;
            }
        }
        if (run_len) {
            uint64_t len = run_len * MEM_PAGE;
            if (off + len > img->size) len = off < img->size ? (img->size - off) & ~(uint64_t)(MEM_PAGE - 1) : 0;
            kn_status st = add_run(img, &cap, run_start * MEM_PAGE, len, off, e);
            if (st) return st;
        }
        return finish_runs(img, e);
    }
    return kn_err_set(e, KN_ERR_UNSUPPORTED, img->name, 0xf98, "crash dump type %u is not supported (1, 5, 6 are)", img->crash_type);
}

/* ---- LiME --------------------------------------------------------------------- */
static kn_status open_lime(mem_image *img, kn_err *e)
{
    size_t cap = 0;
    uint64_t off = 0;
    img->fmt = MEM_FMT_LIME;
    while (off + 32 <= img->size) {
        const uint8_t *h = img->data + off;
        if (rd32(h) != 0x4c694d45u) {
            if (img->nruns) break;  /* trailing bytes */
            return kn_err_set(e, KN_ERR_FORMAT, img->name, (int64_t)off, "LiME header magic missing");
        }
        uint64_t start = rd64(h + 8), end = rd64(h + 16);
        if (end < start || end - start >= (1ull << 48))
            return kn_err_set(e, KN_ERR_FORMAT, img->name, (int64_t)off, "LiME range 0x%llx-0x%llx is invalid",
                              (unsigned long long)start, (unsigned long long)end);
        uint64_t len = end - start + 1;
        kn_status st = add_run(img, &cap, start, len, off + 32, e);
        if (st) return st;
        off += 32 + len;
    }
    return finish_runs(img, e);
}

/* ---- ELF core -------------------------------------------------------------------- */
static kn_status open_elf(mem_image *img, kn_err *e)
{
    const uint8_t *d = img->data;
    size_t cap = 0;
    img->fmt = MEM_FMT_ELF;
    if (img->size < 64) return kn_err_set(e, KN_ERR_TRUNCATED, img->name, 0, "ELF header cut short");
    if (d[4] != 2 || d[5] != 1) return kn_err_set(e, KN_ERR_UNSUPPORTED, img->name, 4, "only 64-bit little-endian ELF cores are supported");
    if (rd16(d + 16) != 4) return kn_err_set(e, KN_ERR_UNSUPPORTED, img->name, 16, "ELF file is not a core (type %u)", rd16(d + 16));
    uint64_t phoff = rd64(d + 32);
    uint16_t phentsize = rd16(d + 54), phnum = rd16(d + 56);
    if (phentsize < 56 || phoff > img->size || (uint64_t)phnum * phentsize > img->size - phoff)
        return kn_err_set(e, KN_ERR_TRUNCATED, img->name, 32, "ELF program headers lie outside the file");
    int any_paddr = 0;
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
        if (rd32(ph) == 1 && rd64(ph + 24)) any_paddr = 1;
    }
    for (unsigned i = 0; i < phnum; i++) {
        const uint8_t *ph = d + phoff + (uint64_t)i * phentsize;
        if (rd32(ph) != 1) continue;   /* PT_LOAD */
        uint64_t off = rd64(ph + 8), vaddr = rd64(ph + 16), paddr = rd64(ph + 24), filesz = rd64(ph + 32);
        /* QEMU and VirtualBox put the guest-physical address in p_paddr. */
        kn_status st = add_run(img, &cap, any_paddr ? paddr : vaddr, filesz, off, e);
        if (st) return st;
    }
    return finish_runs(img, e);
}

/* ---- VMware vmss/vmsn: region map for a .vmem ---------------------------------- */
typedef struct vm_tag_val { int have; uint64_t v[64]; uint64_t have_mask; } vm_tag_val;

/* s/n: the vmss/vmsn. embedded: s is the image itself (a snapshot that
 * holds its memory in a "Memory" tag), so runs point into it. */
static kn_status open_vmss(mem_image *img, const uint8_t *s, size_t n, int embedded, kn_err *e)
{
    const char *sname = embedded ? img->name : img->side_map.path ? img->side_map.path : "vmss";
    uint64_t mem_off = 0, mem_size = 0;
    int have_mem = 0;
    if (n < 12) return kn_err_set(e, KN_ERR_TRUNCATED, sname, 0, "vmss header cut short");
    uint32_t magic = rd32(s), ngroups = rd32(s + 8);
    if (magic != 0xbed2bed0u && magic != 0xbad1bad1u && magic != 0xbed2bed2u && magic != 0xbed3bed3u)
        return kn_err_set(e, KN_ERR_FORMAT, sname, 0, "not a VMware vmss/vmsn file (magic 0x%08x)", magic);
    int version = (int)(magic & 0xf);
    if (ngroups > 4096 || 12 + (uint64_t)ngroups * 80 > n)
        return kn_err_set(e, KN_ERR_FORMAT, sname, 8, "vmss claims %u groups", ngroups);
    uint64_t count = 0;
    int have_count = 0;
    vm_tag_val ppn = {0}, pnum = {0}, psz = {0};
    for (uint32_t g = 0; g < ngroups; g++) {
        const uint8_t *gp = s + 12 + (size_t)g * 80;
        int is_mem = strncmp((const char *)gp, "memory", 64) == 0;
        int is_cpu = strncmp((const char *)gp, "cpu", 64) == 0;
        if (!is_mem && !is_cpu) continue;
        uint64_t off = rd64(gp + 64);
        for (unsigned guard = 0; guard < 100000 && off < n && n - off >= 2; guard++) {
            uint8_t flags = s[off], nlen = s[off + 1];
            if (flags == 0 || nlen == 0) break;
            uint64_t p = off + 2;
            if (p + nlen > n) break;
            const char *name = (const char *)s + p;
            p += nlen;
            unsigned nidx = (flags >> 6) & 3;
            uint32_t idx[3] = {0, 0, 0};
            if (p + 4ull * nidx > n) break;
            for (unsigned i = 0; i < nidx; i++) idx[i] = rd32(s + p + 4 * i);
            p += 4ull * nidx;
            uint64_t dsize = flags & 0x3f;
            int extended = (flags & 0x3e) == 0x3e;
            if (extended) {
                unsigned w = version == 0 ? 4 : 8;
                if (p + 2 * w + 2 > n) break;
                dsize = w == 4 ? rd32(s + p) : rd64(s + p);
                p += 2 * w;
                uint16_t pad = rd16(s + p);
                p += 2 + pad;
            }
            if (p > n || dsize > n - p) break;
            uint64_t val = 0;
            if (dsize == 4) val = rd32(s + p); else if (dsize == 8) val = rd64(s + p);
            if (is_mem) {
                if (nlen == 6 && memcmp(name, "Memory", 6) == 0 && extended && !have_mem) { mem_off = p; mem_size = dsize; have_mem = 1; }
                if (nlen == 12 && memcmp(name, "regionsCount", 12) == 0) { count = val; have_count = 1; }
                vm_tag_val *t = NULL;
                if (nlen == 9 && memcmp(name, "regionPPN", 9) == 0) t = &ppn;
                else if (nlen == 13 && memcmp(name, "regionPageNum", 13) == 0) t = &pnum;
                else if (nlen == 10 && memcmp(name, "regionSize", 10) == 0) t = &psz;
                if (t && nidx >= 1 && idx[0] < 64) { t->v[idx[0]] = val; t->have_mask |= 1ull << idx[0]; }
            } else if (is_cpu && nlen == 2 && memcmp(name, "CR", 2) == 0 && nidx >= 2 && idx[0] == 0 && idx[1] == 3) {
                img->hint_dtb = val & ~0xfffull;
            }
            off = p + dsize;
        }
    }
    size_t cap = 0;
    if (embedded && !have_mem)
        return kn_err_set(e, KN_ERR_FORMAT, sname, KN_NO_OFFSET,
                          "this VMware snapshot holds no memory: give the .vmem as IMAGE and this file with --vmss");
    uint64_t base = embedded ? mem_off : 0, limit = embedded ? mem_off + mem_size : img->size;
    if (!have_count || count == 0) return add_run(img, &cap, 0, limit - base, base, e);
    if (count > 64) return kn_err_set(e, KN_ERR_LIMIT, sname, KN_NO_OFFSET, "vmss lists %llu memory regions (at most 64 supported)", (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        uint64_t bit = 1ull << i;
        if (!(ppn.have_mask & bit) || !(pnum.have_mask & bit) || !(psz.have_mask & bit))
            return kn_err_set(e, KN_ERR_FORMAT, sname, KN_NO_OFFSET, "vmss memory region %llu is incomplete", (unsigned long long)i);
        if (pnum.v[i] > (1ull << 40) || psz.v[i] > (1ull << 40)) return kn_err_set(e, KN_ERR_FORMAT, sname, KN_NO_OFFSET, "vmss memory region %llu is absurd", (unsigned long long)i);
        uint64_t len = psz.v[i] * MEM_PAGE, off = base + pnum.v[i] * MEM_PAGE;
        if (off < limit && len > limit - off) len = (limit - off) & ~(uint64_t)(MEM_PAGE - 1);
        kn_status st = add_run(img, &cap, ppn.v[i] * MEM_PAGE, len, off, e);
        if (st) return st;
    }
    return KN_OK;
}

/* ---- entry ------------------------------------------------------------------------- */
static kn_status open_common(mem_image *img, const uint8_t *side, size_t side_size, kn_err *e)
{
    const uint8_t *d = img->data;
    size_t cap = 0;
    if (img->size >= 8 && memcmp(d, "PAGEDU64", 8) == 0) return open_crash(img, e);
    if (img->size >= 8 && memcmp(d, "PAGEDUMP", 8) == 0)
        return kn_err_set(e, KN_ERR_UNSUPPORTED, img->name, 0, "32-bit crash dumps (PAGEDUMP) are not supported");
    if (img->size >= 4 && memcmp(d, "MDMP", 4) == 0) {
        img->fmt = MEM_FMT_MDMP;
        return kn_err_set(e, KN_ERR_UNSUPPORTED, img->name, 0, "a user-mode minidump, not a physical memory image");
    }
    if (img->size >= 4 && rd32(d) == 0x4c694d45u) return open_lime(img, e);
    if (img->size >= 4 && memcmp(d, "\x7f" "ELF", 4) == 0) return open_elf(img, e);
    if (img->size == 0) return kn_err_set(e, KN_ERR_FORMAT, img->name, 0, "empty file");
    if (img->size >= 4 && !side &&
        (rd32(d) == 0xbed2bed0u || rd32(d) == 0xbad1bad1u || rd32(d) == 0xbed2bed2u || rd32(d) == 0xbed3bed3u)) {
        img->fmt = MEM_FMT_VMSN;
        kn_status st = open_vmss(img, d, img->size, 1, e);
        if (st) return st;
        return finish_runs(img, e);
    }
    if (side) {
        img->fmt = MEM_FMT_VMEM;
        kn_status st = open_vmss(img, side, side_size, 0, e);
        if (st) return st;
        return finish_runs(img, e);
    }
    img->fmt = MEM_FMT_RAW;
    kn_status st = add_run(img, &cap, 0, img->size, 0, e);
    if (st) return st;
    return finish_runs(img, e);
}

kn_status mem_image_open_mem(mem_image *img, const uint8_t *data, size_t size, const char *name,
                             const uint8_t *side, size_t side_size, kn_err *e)
{
    memset(img, 0, sizeof *img);
    img->data = data;
    img->size = size;
    img->name = name ? name : "image";
    kn_status st = open_common(img, side, side_size, e);
    if (st != KN_OK) { free(img->runs); img->runs = NULL; img->nruns = 0; }
    return st;
}

kn_status mem_image_open(mem_image *img, const char *path, const char *side, kn_err *e)
{
    kn_map m, sm;
    memset(&sm, 0, sizeof sm);
    kn_status st = kn_map_open(&m, path, 0, 0, e);
    if (st) return st;
    if (side) {
        st = kn_map_open(&sm, side, 0, 0, e);
        if (st) { kn_map_close(&m); return st; }
    }
    st = mem_image_open_mem(img, m.data, m.size, path, side ? sm.data : NULL, side ? sm.size : 0, e);
    img->map = m;
    img->side_map = sm;
    if (st != KN_OK) {
        mem_format f = img->fmt;
        kn_map_close(&img->map);
        if (side) kn_map_close(&img->side_map);
        memset(img, 0, sizeof *img);
        img->fmt = f;
    }
    return st;
}

kn_status mem_image_set_pagefile(mem_image *img, const char *path, kn_err *e)
{
    kn_status st = kn_map_open(&img->pf_map, path, 0, 0, e);
    if (st) return st;
    img->pagefile = img->pf_map.data;
    img->pagefile_size = img->pf_map.size;
    return KN_OK;
}

void mem_image_close(mem_image *img)
{
    free(img->runs);
    if (img->map.data || img->map.size) kn_map_close(&img->map);
    if (img->side_map.data || img->side_map.size) kn_map_close(&img->side_map);
    if (img->pf_map.data || img->pf_map.size) kn_map_close(&img->pf_map);
    memset(img, 0, sizeof *img);
}

static const mem_run *find_run(const mem_image *img, uint64_t pa)
{
    size_t lo = 0, hi = img->nruns;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const mem_run *r = &img->runs[mid];
        if (pa < r->pa) hi = mid;
        else if (pa - r->pa >= r->len) lo = mid + 1;
        else return r;
    }
    return NULL;
}

const uint8_t *mem_phys_page(const mem_image *img, uint64_t pa)
{
    pa &= ~(uint64_t)(MEM_PAGE - 1);
    const mem_run *r = find_run(img, pa);
    if (!r || r->len - (pa - r->pa) < MEM_PAGE) return NULL;
    return img->data + r->off + (pa - r->pa);
}

size_t mem_phys_read(const mem_image *img, uint64_t pa, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        const mem_run *r = find_run(img, pa + done);
        if (!r) break;
        uint64_t in = pa + done - r->pa, avail = r->len - in;
        size_t k = n - done < avail ? n - done : (size_t)avail;
        memcpy((uint8_t *)buf + done, img->data + r->off + in, k);
        done += k;
    }
    return done;
}
