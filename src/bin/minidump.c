/* minidump.c: a module inside a Windows minidump, rebuilt as a PE image in
 * memory layout. Only the three streams this needs are read (ModuleList,
 * MemoryList, Memory64List). It is deliberately small and separate from the
 * mem engine's reader: engines share only core, and bin needs just "bytes of
 * one module's address range". Pages the dump lacks read as zero. */
#include <ctype.h>
#include <stdlib.h>

#include "bin/loader.h"

#define MD_MAX_MODULE ((uint64_t)512 << 20)

static void utf16_name(const uint8_t *d, size_t n, uint32_t rva, char *out, size_t cap)
{
    uint32_t len = ld_u32(d, n, rva);
    size_t k = 0;
    for (uint32_t i = 0; i + 1 < len && k + 1 < cap; i += 2) {
        uint16_t ch = ld_u16(d, n, (uint64_t)rva + 4 + i);
        if (!ch) break;
        out[k++] = ch < 0x80 && ch >= 0x20 ? (char)ch : '?';
    }
    out[k] = 0;
}

static int contains_ci(const char *hay, const char *needle)
{
    size_t nl = strlen(needle);
    for (const char *h = hay; *h; h++) {
        size_t i = 0;
        while (i < nl && h[i] && tolower((unsigned char)h[i]) == tolower((unsigned char)needle[i])) i++;
        if (i == nl) return 1;
    }
    return nl == 0;
}

static void copy_range(uint8_t *img, uint64_t base, uint64_t size, uint64_t start, const uint8_t *src, uint64_t len)
{
    if (start + len < start) return;
    uint64_t lo = start > base ? start : base, hi = start + len < base + size ? start + len : base + size;
    if (lo >= hi) return;
    memcpy(img + (lo - base), src + (lo - start), hi - lo);
}

kn_status ld_minidump(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e)
{
    if (n < 32) return kn_err_set(e, KN_ERR_TRUNCATED, img->path, (int64_t)n, "minidump header truncated");
    uint32_t nstreams = ld_u32(d, n, 8), dir = ld_u32(d, n, 12);
    if (!ld_in(n, dir, (uint64_t)nstreams * 12))
        return kn_err_set(e, KN_ERR_TRUNCATED, img->path, dir, "stream directory runs past the end of the file");
    uint32_t mods = 0, modsz = 0, mem32 = 0, mem32sz = 0, mem64 = 0, mem64sz = 0;
    for (uint32_t i = 0; i < nstreams; i++) {
        uint32_t t = ld_u32(d, n, dir + i * 12ull), sz = ld_u32(d, n, dir + i * 12ull + 4), rva = ld_u32(d, n, dir + i * 12ull + 8);
        if (t == 4) { mods = rva; modsz = sz; }
        else if (t == 5) { mem32 = rva; mem32sz = sz; }
        else if (t == 9) { mem64 = rva; mem64sz = sz; }
    }
    if (!mods) return kn_err_set(e, KN_ERR_NOTFOUND, img->path, dir, "minidump has no module list");
    uint32_t nmod = ld_u32(d, n, mods);
    if (nmod > (modsz - 4) / 108 || !ld_in(n, mods, modsz)) nmod = modsz >= 4 && ld_in(n, mods, modsz) ? (modsz - 4) / 108 : 0;
    uint64_t base = 0, size = 0;
    char name[260] = "", pick[260] = "";
    for (uint32_t i = 0; i < nmod; i++) {
        uint64_t m = mods + 4ull + i * 108ull;
        utf16_name(d, n, ld_u32(d, n, m + 20), name, sizeof name);
        if (!o || !o->module || contains_ci(name, o->module)) {
            base = ld_u64(d, n, m);
            size = ld_u32(d, n, m + 8);
            snprintf(pick, sizeof pick, "%s", name);
            break;
        }
    }
    if (!pick[0] && !size)
        return kn_err_set(e, KN_ERR_NOTFOUND, img->path, mods, "no module matching '%s' (of %u modules)",
                          o && o->module ? o->module : "", nmod);
    if (size == 0 || size > MD_MAX_MODULE)
        return kn_err_set(e, KN_ERR_LIMIT, img->path, mods, "module %s has size %llu", pick, (unsigned long long)size);
    /* Allocate only up to the last byte the dump really holds: a hostile
     * SizeOfImage then costs nothing. */
    uint64_t top = 0;
    if (mem64 && mem64sz >= 16) {
        uint64_t cnt = ld_u64(d, n, mem64);
        if (cnt > (mem64sz - 16) / 16) cnt = (mem64sz - 16) / 16;
        for (uint64_t i = 0; i < cnt; i++) {
            uint64_t start = ld_u64(d, n, mem64 + 16 + i * 16), len = ld_u64(d, n, mem64 + 24 + i * 16);
            if (start < base + size && start + len > base && start + len > start) top = start + len - base > top ? start + len - base : top;
        }
    }
    if (mem32 && mem32sz >= 4) {
        uint64_t cnt = ld_u32(d, n, mem32);
        if (cnt > (mem32sz - 4) / 16) cnt = (mem32sz - 4) / 16;
        for (uint64_t i = 0; i < cnt; i++) {
            uint64_t start = ld_u64(d, n, mem32 + 4 + i * 16), len = ld_u32(d, n, mem32 + 12 + i * 16);
            if (start < base + size && start + len > base) top = start + len - base > top ? start + len - base : top;
        }
    }
    if (top < size) size = top;
    if (size == 0) return kn_err_set(e, KN_ERR_NOTFOUND, img->path, mods, "the dump holds no memory of module %s", pick);
    uint8_t *buf = calloc(1, size);
    if (!buf) return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    uint64_t covered = 0;
    ld_vec raw = {0};   /* captured ranges, for a module whose header is missing */
    if (mem64 && mem64sz >= 16) {
        uint64_t cnt = ld_u64(d, n, mem64), rva = ld_u64(d, n, mem64 + 8);
        if (cnt > (mem64sz - 16) / 16) cnt = (mem64sz - 16) / 16;
        for (uint64_t i = 0; i < cnt; i++) {
            uint64_t start = ld_u64(d, n, mem64 + 16 + i * 16), len = ld_u64(d, n, mem64 + 24 + i * 16);
            if (rva >= n) break;
            uint64_t have = n - rva < len ? n - rva : len;
            if (start < base + size && start + have > base) {
                copy_range(buf, base, size, start, d + rva, have);
                covered += have;
                uint64_t lo = start > base ? start : base, hi = start + have < base + size ? start + have : base + size;
                ld_add_section(img, &raw, "captured", lo, hi - lo, d + rva + (lo - start), hi - lo, rva + (lo - start), BIN_SEC_R | BIN_SEC_X);
            }
            rva += len;
        }
    }
    if (mem32 && mem32sz >= 4) {
        uint64_t cnt = ld_u32(d, n, mem32);
        if (cnt > (mem32sz - 4) / 16) cnt = (mem32sz - 4) / 16;
        for (uint64_t i = 0; i < cnt; i++) {
            uint64_t q = mem32 + 4 + i * 16;
            uint64_t start = ld_u64(d, n, q);
            uint32_t len = ld_u32(d, n, q + 8), rva = ld_u32(d, n, q + 12);
            if (rva >= n) continue;
            uint64_t have = n - rva < len ? n - rva : len;
            if (start < base + size && start + have > base) {
                copy_range(buf, base, size, start, d + rva, have);
                covered += have;
                uint64_t lo = start > base ? start : base, hi = start + have < base + size ? start + have : base + size;
                ld_add_section(img, &raw, "captured", lo, hi - lo, d + rva + (lo - start), hi - lo, rva + (lo - start), BIN_SEC_R | BIN_SEC_X);
            }
        }
    }
    if (!covered) {
        free(buf);
        free(raw.items);
        return kn_err_set(e, KN_ERR_NOTFOUND, img->path, mods, "the dump holds no memory of module %s", pick);
    }
    if (size < 2 || buf[0] != 'M' || buf[1] != 'Z') {
        /* No header: the captured pages are all there is. Analyse them as
         * code of the dump's processor architecture (SystemInfo stream). */
        free(buf);
        unsigned arch = 0xffff;
        for (uint32_t i = 0; i < nstreams; i++)
            if (ld_u32(d, n, dir + i * 12ull) == 7) arch = ld_u16(d, n, ld_u32(d, n, dir + i * 12ull + 8));
        img->arch = arch == 9 ? BIN_ARCH_X64 : BIN_ARCH_X86;
        img->format = BIN_FMT_MINIDUMP;
        img->base = base;
        kn_warn(&img->warn, img->path, mods, "module %s: its PE header is not in the dump; analysing the %zu captured ranges as code",
                pick, raw.n);
        char detail[400];
        snprintf(detail, sizeof detail, "module %s (captured pages only, no header)", pick);
        img->format_detail = kn_arena_strdup(&img->arena, detail);
        ld_vec syms = {0}, ptrs = {0};
        return ld_finish(img, &raw, &syms, &ptrs, e);
    }
    free(raw.items);
    img->owned = buf;
    bin_load_opts po = {0};
    po.pe_layout = 2;
    po.base = base;
    kn_status st = ld_pe(img, buf, size, &po, e);
    if (st) return st;
    img->format = BIN_FMT_MINIDUMP;
    char detail[400];
    snprintf(detail, sizeof detail, "%s module %s", img->format_detail, pick);
    img->format_detail = kn_arena_strdup(&img->arena, detail);
    return KN_OK;
}
