/* pe.c: PE32 / PE32+ loader for x86 and x64, in file layout (as on disk) or
 * virtual-address layout (as dumped from memory, where each section sits at
 * its RVA). The layout is chosen by ld_pe_layout from the bytes when not
 * forced. Imports (IAT slots and names), exports, base relocations (every
 * absolute pointer the image holds, so code pointers in data are known
 * exactly) and .pdata function starts are collected. Counts and RVAs come
 * from the file and are bounded before use. */
#include <stdlib.h>

#include "bin/loader.h"

typedef struct pe_ctx {
    bin_image *img;
    const uint8_t *d;
    size_t n;
    int memory_layout;
    uint64_t base;
    ld_vec secs, syms, ptrs;
} pe_ctx;

/* Reads n bytes at rva through the sections gathered so far. */
static size_t rva_read(const pe_ctx *c, uint64_t rva, void *out, size_t n)
{
    const bin_section *s = c->secs.items;
    uint64_t va = c->base + rva;
    for (size_t i = 0; i < c->secs.n; i++) {
        if (va < s[i].va || va - s[i].va >= s[i].size) continue;
        uint64_t off = va - s[i].va;
        size_t have = off < s[i].data_size ? (size_t)(s[i].data_size - off < n ? s[i].data_size - off : n) : 0;
        if (have) memcpy(out, s[i].data + off, have);
        memset((uint8_t *)out + have, 0, n - have);
        return have;
    }
    /* headers are not a section but hold nothing we read by RVA except in
     * memory layout, where rva is also a file offset */
    if (c->memory_layout && rva < c->n) {
        size_t have = c->n - rva < n ? (size_t)(c->n - rva) : n;
        memcpy(out, c->d + rva, have);
        memset((uint8_t *)out + have, 0, n - have);
        return have;
    }
    memset(out, 0, n);
    return 0;
}

static uint32_t rva_u32(const pe_ctx *c, uint64_t rva) { uint8_t b[4]; rva_read(c, rva, b, 4); return ld_u32(b, 4, 0); }
static uint64_t rva_u64(const pe_ctx *c, uint64_t rva) { uint8_t b[8]; rva_read(c, rva, b, 8); return ld_u64(b, 8, 0); }
static uint16_t rva_u16(const pe_ctx *c, uint64_t rva) { uint8_t b[2]; rva_read(c, rva, b, 2); return ld_u16(b, 2, 0); }
static void rva_str(const pe_ctx *c, uint64_t rva, char *out, size_t n)
{
    size_t got = rva_read(c, rva, out, n - 1);
    out[got < n - 1 ? got : n - 1] = 0;
    out[n - 1] = 0;
    for (char *p = out; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e) { *p = 0; break; }
}

static void parse_imports(pe_ctx *c, uint32_t rva, uint32_t size, int is64)
{
    if (!rva) return;
    unsigned psz = is64 ? 8 : 4;
    uint64_t total = 0;   /* thunks read over all descriptors: bounds hostile tables */
    for (unsigned i = 0; i < 4096 && total < (1u << 20); i++) {
        uint64_t de = (uint64_t)rva + i * 20u;
        uint8_t probe[20];
        if (rva_read(c, de, probe, sizeof probe) < sizeof probe) break;   /* runs out of the image */
        uint32_t oft = rva_u32(c, de), name = rva_u32(c, de + 12), ft = rva_u32(c, de + 16);
        if (!oft && !name && !ft) break;
        char lib[128];
        rva_str(c, name, lib, sizeof lib);
        uint32_t look = oft ? oft : ft;
        for (unsigned k = 0; k < 65536 && total < (1u << 20); k++, total++) {
            uint64_t t = is64 ? rva_u64(c, (uint64_t)look + k * psz) : rva_u32(c, (uint64_t)look + k * psz);
            if (!t) break;
            char fn[160];
            uint64_t ordbit = is64 ? (1ull << 63) : (1ull << 31);
            if (t & ordbit) snprintf(fn, sizeof fn, "%s#%u", lib, (unsigned)(t & 0xffff));
            else rva_str(c, (t & 0x7fffffff) + 2, fn, sizeof fn);
            if (!fn[0]) snprintf(fn, sizeof fn, "%s#?", lib);
            uint64_t slot = c->base + ft + (uint64_t)k * psz;
            if (ld_add_symbol(c->img, &c->syms, slot, 0, fn, lib, BIN_SYM_IMPORT) != KN_OK) return;
        }
    }
    (void)size;
}

static void parse_exports(pe_ctx *c, uint32_t rva, uint32_t size)
{
    if (!rva) return;
    uint32_t nfun = rva_u32(c, rva + 20), nnames = rva_u32(c, rva + 24);
    uint32_t afun = rva_u32(c, rva + 28), anames = rva_u32(c, rva + 32), aords = rva_u32(c, rva + 36);
    uint32_t base = rva_u32(c, rva + 16);
    if (nfun > 65536) nfun = 65536;
    if (nnames > nfun) nnames = nfun;
    uint8_t *named = calloc(nfun ? nfun : 1, 1);
    if (!named) return;
    for (uint32_t i = 0; i < nnames; i++) {
        uint16_t ord = rva_u16(c, (uint64_t)aords + i * 2u);
        if (ord >= nfun) continue;
        uint32_t f = rva_u32(c, (uint64_t)afun + ord * 4u);
        if (!f || (f >= rva && f - rva < size)) continue;   /* forwarder string */
        char nm[160];
        rva_str(c, rva_u32(c, (uint64_t)anames + i * 4u), nm, sizeof nm);
        named[ord] = 1;
        ld_add_symbol(c->img, &c->syms, c->base + f, 0, nm[0] ? nm : NULL, NULL, BIN_SYM_EXPORT);
    }
    for (uint32_t ord = 0; ord < nfun; ord++) {
        uint32_t f = rva_u32(c, (uint64_t)afun + ord * 4u);
        if (named[ord] || !f || (f >= rva && f - rva < size)) continue;
        char nm[32];
        snprintf(nm, sizeof nm, "ordinal_%u", base + ord);
        ld_add_symbol(c->img, &c->syms, c->base + f, 0, nm, NULL, BIN_SYM_EXPORT);
    }
    free(named);
}

static void parse_relocs(pe_ctx *c, uint32_t rva, uint32_t size, int is64)
{
    uint64_t pos = rva, end = (uint64_t)rva + size;
    while (rva && pos + 8 <= end && c->ptrs.n < BIN_MAX_SYMBOLS) {
        uint32_t page = rva_u32(c, pos), bsz = rva_u32(c, pos + 4);
        if (bsz < 8 || pos + bsz > end) break;
        for (uint64_t k = 8; k + 2 <= bsz; k += 2) {
            uint16_t ent = rva_u16(c, pos + k);
            unsigned type = ent >> 12;
            uint64_t slot = (uint64_t)page + (ent & 0xfff);
            if (type != 3 && type != 10) continue;
            uint64_t v = type == 10 ? rva_u64(c, slot) : rva_u32(c, slot);
            bin_ptr *p = ld_vec_push(&c->ptrs, sizeof *p);
            if (!p) return;
            p->slot = c->base + slot;
            p->value = v;
        }
        pos += bsz;
    }
    (void)is64;
}

static void parse_pdata(pe_ctx *c, uint32_t rva, uint32_t size)
{
    if (!rva) return;
    uint32_t cnt = size / 12;
    if (cnt > (1u << 22)) cnt = 1u << 22;
    for (uint32_t i = 0; i < cnt; i++) {
        uint32_t b = rva_u32(c, (uint64_t)rva + i * 12u), en = rva_u32(c, (uint64_t)rva + i * 12u + 4);
        if (!b) continue;
        if (ld_add_symbol(c->img, &c->syms, c->base + b, en > b ? en - b : 0, NULL, NULL, BIN_SYM_UNWIND) != KN_OK) return;
    }
}

/* Fraction (per 256) of zero bytes in n bytes. */
static unsigned zero_rate(const uint8_t *p, size_t n)
{
    if (!n) return 256;
    size_t z = 0;
    for (size_t i = 0; i < n; i++) z += p[i] == 0;
    return (unsigned)(z * 256 / n);
}

kn_status ld_pe(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e)
{
    pe_ctx c = {0};
    c.img = img; c.d = d; c.n = n;
    img->format = BIN_FMT_PE;
    if (n < 0x40) return kn_err_set(e, KN_ERR_TRUNCATED, img->path, (int64_t)n, "DOS header truncated");
    uint32_t pe = ld_u32(d, n, 0x3c);
    if (!ld_in(n, pe, 24) || memcmp(d + pe, "PE\0\0", 4) != 0)
        return kn_err_set(e, KN_ERR_FORMAT, img->path, 0x3c, "no PE signature at offset %u", pe);
    unsigned machine = ld_u16(d, n, pe + 4), nsec = ld_u16(d, n, pe + 6), optsz = ld_u16(d, n, pe + 20);
    if (machine == 0x8664) img->arch = BIN_ARCH_X64;
    else if (machine == 0x14c) img->arch = BIN_ARCH_X86;
    else return kn_err_set(e, KN_ERR_UNSUPPORTED, img->path, pe + 4, "PE machine 0x%x is not x86 or x64", machine);
    uint64_t opt = (uint64_t)pe + 24;
    if (!ld_in(n, opt, 2)) return kn_err_set(e, KN_ERR_TRUNCATED, img->path, (int64_t)opt, "optional header truncated");
    unsigned magic = ld_u16(d, n, opt);
    int is64 = magic == 0x20b;
    if (magic != 0x10b && magic != 0x20b) return kn_err_set(e, KN_ERR_FORMAT, img->path, (int64_t)opt, "bad optional header magic 0x%x", magic);
    unsigned need = is64 ? 112 : 96;
    if (optsz < need || !ld_in(n, opt, need))
        return kn_err_set(e, KN_ERR_TRUNCATED, img->path, (int64_t)opt, "optional header truncated (%u bytes)", optsz);
    uint32_t entry = ld_u32(d, n, opt + 16), size_image = ld_u32(d, n, opt + 56);
    c.base = is64 ? ld_u64(d, n, opt + 24) : ld_u32(d, n, opt + 28);
    if (o && o->base) c.base = o->base;
    uint32_t ndirs = ld_u32(d, n, opt + (is64 ? 108 : 92));
    uint64_t dirs = opt + (is64 ? 112 : 96);
    if (ndirs > 16) ndirs = 16;
    if ((uint64_t)need + ndirs * 8u > optsz) ndirs = (optsz - need) / 8;
    uint32_t dir_rva[16] = {0}, dir_size[16] = {0};
    for (unsigned i = 0; i < ndirs; i++) { dir_rva[i] = ld_u32(d, n, dirs + i * 8); dir_size[i] = ld_u32(d, n, dirs + i * 8 + 4); }
    uint64_t sec_tab = opt + optsz;
    if (nsec > 96) kn_warn(&img->warn, img->path, pe + 6, "%u sections (Windows loads at most 96)", nsec);
    if (!ld_in(n, sec_tab, (uint64_t)nsec * 40)) {
        kn_warn(&img->warn, img->path, (int64_t)sec_tab, "section table runs past the end of the file; truncated");
        nsec = sec_tab < n ? (unsigned)((n - sec_tab) / 40) : 0;
    }

    /* Layout: forced, or the one whose executable bytes look less like the
     * zero fill a memory dump has at file offsets (or a file has beyond its
     * end at RVAs). */
    int mem = o && o->pe_layout == 2;
    if (!o || o->pe_layout == 0) {
        unsigned zf = 256, zm = 256;
        for (unsigned i = 0; i < nsec; i++) {
            uint64_t s = sec_tab + i * 40ull;
            uint32_t vsz = ld_u32(d, n, s + 8), va = ld_u32(d, n, s + 12), rsz = ld_u32(d, n, s + 16), raw = ld_u32(d, n, s + 20);
            uint32_t ch = ld_u32(d, n, s + 36);
            if (!(ch & 0x20000020) || raw == va) continue;
            uint32_t take = vsz && vsz < rsz ? vsz : rsz;
            if (take > 65536) take = 65536;
            zf = raw < n ? zero_rate(d + raw, n - raw < take ? n - raw : take) : 256;
            zm = va < n ? zero_rate(d + va, n - va < take ? n - va : take) : 256;
            break;
        }
        mem = zm + 16 < zf;
    }
    c.memory_layout = mem;
    img->base = c.base;
    img->entry = c.base + entry;
    img->has_entry = entry != 0;
    img->pie = dir_size[5] != 0;
    char detail[64];
    snprintf(detail, sizeof detail, "%s%s", is64 ? "PE32+" : "PE32", mem ? " (memory layout)" : "");
    img->format_detail = kn_arena_strdup(&img->arena, detail);

    for (unsigned i = 0; i < nsec; i++) {
        uint64_t s = sec_tab + i * 40ull;
        char name[9];
        memcpy(name, d + s, 8);
        name[8] = 0;
        for (char *c = name; *c; c++)
            if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
        uint32_t vsz = ld_u32(d, n, s + 8), va = ld_u32(d, n, s + 12), rsz = ld_u32(d, n, s + 16), raw = ld_u32(d, n, s + 20);
        uint32_t ch = ld_u32(d, n, s + 36);
        uint64_t size = vsz ? vsz : rsz;
        unsigned fl = (ch & 0x40000000 ? BIN_SEC_R : 0) | (ch & 0x80000000 ? BIN_SEC_W : 0) | (ch & 0x20000020 ? BIN_SEC_X : 0);
        uint64_t src = mem ? va : raw, have = mem ? size : (rsz < size ? rsz : size);
        if (!mem && raw == 0) have = 0;   /* uninitialised data */
        if (src >= n) { if (have) kn_warn(&img->warn, img->path, (int64_t)s, "section %s data lies outside the file", name); have = 0; }
        else if (have > n - src) { kn_warn(&img->warn, img->path, (int64_t)s, "section %s data truncated by the end of the file", name); have = n - src; }
        if (size > BIN_MAX_IMAGE) {
            kn_warn(&img->warn, img->path, (int64_t)s, "section %s claims %llu bytes; clipped", name, (unsigned long long)size);
            size = have;
        }
        if (ld_add_section(img, &c.secs, name, c.base + va, size, have ? d + src : NULL, have, src, fl) != KN_OK) goto nomem;
    }
    if (size_image && c.secs.n == 0) kn_warn(&img->warn, img->path, (int64_t)sec_tab, "no sections");
    parse_imports(&c, dir_rva[1], dir_size[1], is64);
    parse_exports(&c, dir_rva[0], dir_size[0]);
    parse_relocs(&c, dir_rva[5], dir_size[5], is64);
    if (is64) parse_pdata(&c, dir_rva[3], dir_size[3]);
    return ld_finish(img, &c.secs, &c.syms, &c.ptrs, e);
nomem:
    free(c.secs.items); free(c.syms.items); free(c.ptrs.items);
    return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
}
