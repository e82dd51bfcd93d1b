/* minidump.c: a module inside a Windows minidump, rebuilt as a PE image in
 * memory layout. The dump itself is parsed by core's reader (shared with
 * the mem engine, which also writes minidumps); this file only picks the
 * module and lays its captured pages out. Pages the dump lacks read as
 * zero. */
#include <ctype.h>
#include <stdlib.h>

#include "bin/loader.h"
#include "core/minidump.h"

#define MD_MAX_MODULE ((uint64_t)512 << 20)

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

kn_status ld_minidump(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e)
{
    mdmp_file *f = NULL;
    kn_status st = mdmp_open(&f, d, n, img->path, e);
    if (st) return st;
    for (uint64_t i = 0; i < mdmp_warning_count(f) && i < 16; i++)
        kn_warn(&img->warn, img->path, KN_NO_OFFSET, "%s", mdmp_warning_text(f, i));
    size_t nmod = mdmp_module_count(f);
    const mdmp_module *pick = NULL;
    for (size_t i = 0; i < nmod && !pick; i++) {
        const mdmp_module *m = mdmp_module_at(f, i);
        if (!o || !o->module || contains_ci(m->name, o->module)) pick = m;
    }
    if (!pick) {
        st = nmod ? kn_err_set(e, KN_ERR_NOTFOUND, img->path, KN_NO_OFFSET, "no module matching '%s' (of %zu modules)",
                               o && o->module ? o->module : "", nmod)
                  : kn_err_set(e, KN_ERR_NOTFOUND, img->path, KN_NO_OFFSET, "minidump has no module list");
        mdmp_close(f);
        return st;
    }
    uint64_t base = pick->base, size = pick->size;
    char name[260];
    snprintf(name, sizeof name, "%s", pick->name);
    if (size == 0 || size > MD_MAX_MODULE) {
        mdmp_close(f);
        return kn_err_set(e, KN_ERR_LIMIT, img->path, KN_NO_OFFSET, "module %s has size %llu", name, (unsigned long long)size);
    }
    /* Allocate only up to the last byte the dump really holds: a hostile
     * SizeOfImage then costs nothing. Ranges are sorted by address. */
    uint64_t top = 0;
    size_t nr = mdmp_range_count(f);
    for (size_t i = 0; i < nr; i++) {
        const mdmp_range *r = mdmp_range_at(f, i);
        if (r->va < base + size && r->va + r->size > base) {
            uint64_t hi = r->va + r->size - base;
            if (hi > top) top = hi;
        }
    }
    if (top < size) size = top;
    if (size == 0) {
        mdmp_close(f);
        return kn_err_set(e, KN_ERR_NOTFOUND, img->path, KN_NO_OFFSET, "the dump holds no memory of module %s", name);
    }
    uint8_t *buf = calloc(1, size);
    if (!buf) {
        mdmp_close(f);
        return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    }
    ld_vec raw = {0};   /* captured ranges, for a module whose header is missing */
    for (size_t i = 0; i < nr; i++) {
        const mdmp_range *r = mdmp_range_at(f, i);
        uint64_t lo = r->va > base ? r->va : base, hi = r->va + r->size < base + size ? r->va + r->size : base + size;
        if (lo >= hi) continue;
        size_t avail = 0;
        const uint8_t *src = mdmp_ptr(f, lo, &avail);
        if (!src) continue;
        if (avail < hi - lo) hi = lo + avail;
        memcpy(buf + (lo - base), src, hi - lo);
        ld_add_section(img, &raw, "captured", lo, hi - lo, src, hi - lo, (uint64_t)(src - d), BIN_SEC_R | BIN_SEC_X);
    }
    unsigned arch = mdmp_system(f) ? mdmp_system(f)->arch : 0xffff;
    mdmp_close(f);
    if (!raw.n) {
        free(buf);
        free(raw.items);
        return kn_err_set(e, KN_ERR_NOTFOUND, img->path, KN_NO_OFFSET, "the dump holds no memory of module %s", name);
    }
    if (size < 2 || buf[0] != 'M' || buf[1] != 'Z') {
        /* No header: the captured pages are all there is. Analyse them as
         * code of the dump's processor architecture (SystemInfo stream). */
        free(buf);
        img->arch = arch == MDMP_ARCH_AMD64 ? BIN_ARCH_X64 : BIN_ARCH_X86;
        img->format = BIN_FMT_MINIDUMP;
        img->base = base;
        kn_warn(&img->warn, img->path, KN_NO_OFFSET, "module %s: its PE header is not in the dump; analysing the %zu captured ranges as code",
                name, raw.n);
        char detail[400];
        snprintf(detail, sizeof detail, "module %s (captured pages only, no header)", name);
        img->format_detail = kn_arena_strdup(&img->arena, detail);
        ld_vec syms = {0}, ptrs = {0};
        return ld_finish(img, &raw, &syms, &ptrs, e);
    }
    free(raw.items);
    img->owned = buf;
    bin_load_opts po = {0};
    po.pe_layout = 2;
    po.base = base;
    st = ld_pe(img, buf, size, &po, e);
    if (st) return st;
    img->format = BIN_FMT_MINIDUMP;
    char detail[400];
    snprintf(detail, sizeof detail, "%s module %s", img->format_detail, name);
    img->format_detail = kn_arena_strdup(&img->arena, detail);
    return KN_OK;
}
