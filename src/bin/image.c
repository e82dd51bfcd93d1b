/* image.c: the format-independent half of loading: dispatch by magic bytes,
 * raw blobs, the section table invariants (sorted, non-overlapping, bounded)
 * and reads by virtual address. The container parsers (elf.c, pe.c,
 * minidump.c) only append sections and symbols through loader.h; this file
 * then normalises what they produced, so hostile headers cannot break the
 * analysis' assumptions. */
#include <stdlib.h>
#include <string.h>

#include "bin/loader.h"

const char *bin_arch_name(bin_arch a)
{
    switch (a) {
    case BIN_ARCH_X86: return "x86";
    case BIN_ARCH_X64: return "x86-64";
    default: return "unknown";
    }
}

const char *bin_format_name(bin_format f)
{
    switch (f) {
    case BIN_FMT_ELF: return "ELF";
    case BIN_FMT_PE: return "PE";
    case BIN_FMT_MINIDUMP: return "minidump module";
    default: return "raw";
    }
}

kn_status ld_add_section(bin_image *img, ld_vec *v, const char *name, uint64_t va, uint64_t size,
                         const uint8_t *data, uint64_t data_size, uint64_t file_offset, unsigned flags)
{
    if (size == 0) return KN_OK;
    if (v->n >= BIN_MAX_SECTIONS) {
        kn_warn(&img->warn, img->path, KN_NO_OFFSET, "more than %d sections; the rest ignored", BIN_MAX_SECTIONS);
        return KN_OK;
    }
    if (va + size < va) size = UINT64_MAX - va;   /* wraps: clip at the top */
    if (data_size > size) data_size = size;
    if (!data) data_size = 0;
    bin_section *s = ld_vec_push(v, sizeof *s);
    if (!s) return KN_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name ? name : "");
    for (char *c = s->name; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) *c = '?';
    s->va = va;
    s->size = size;
    s->data = data;
    s->data_size = data_size;
    s->file_offset = file_offset;
    s->flags = flags;
    return KN_OK;
}

void *ld_vec_push(ld_vec *v, size_t elem)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        void *p = realloc(v->items, cap * elem);
        if (!p) return NULL;
        v->items = p;
        v->cap = cap;
    }
    return (char *)v->items + elem * v->n++;
}

static int sec_cmp(const void *a, const void *b)
{
    const bin_section *x = a, *y = b;
    if (x->va != y->va) return x->va < y->va ? -1 : 1;
    /* equal starts: executable first, then larger first, so the code wins */
    if ((x->flags & BIN_SEC_X) != (y->flags & BIN_SEC_X)) return (x->flags & BIN_SEC_X) ? -1 : 1;
    return x->size > y->size ? -1 : x->size < y->size;
}

static int sym_cmp(const void *a, const void *b)
{
    const bin_symbol *x = a, *y = b;
    if (x->va != y->va) return x->va < y->va ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

/* Sorts sections, clips overlaps (the earlier-starting section keeps the
 * shared bytes) and enforces the total size limit. */
kn_status ld_finish(bin_image *img, ld_vec *secs, ld_vec *syms, ld_vec *ptrs, kn_err *e)
{
    bin_section *s = secs->items;
    if (secs->n) qsort(s, secs->n, sizeof *s, sec_cmp);
    size_t out = 0;
    uint64_t total = 0, end = 0;
    for (size_t i = 0; i < secs->n; i++) {
        bin_section c = s[i];
        if (out && c.va < end) {
            uint64_t cut = end - c.va;
            kn_warn(&img->warn, img->path, (int64_t)c.file_offset,
                    "section %s at 0x%llx overlaps the previous one; clipped", c.name, (unsigned long long)c.va);
            if (cut >= c.size) continue;
            c.va += cut;
            c.size -= cut;
            if (c.data_size > cut) { c.data += cut; c.data_size -= cut; }
            else { c.data_size = 0; }
        }
        if (total + c.size > BIN_MAX_IMAGE || total + c.size < total) {
            kn_warn(&img->warn, img->path, (int64_t)c.file_offset,
                    "sections add up to more than %llu bytes; section %s and the rest ignored",
                    (unsigned long long)BIN_MAX_IMAGE, c.name);
            break;
        }
        total += c.size;
        s[out++] = c;
        end = c.va + c.size;
    }
    if (!out) {
        free(secs->items); free(syms->items); free(ptrs->items);
        secs->items = syms->items = ptrs->items = NULL;
        return kn_err_set(e, KN_ERR_FORMAT, img->path, KN_NO_OFFSET, "no section or segment holds any bytes");
    }
    img->secs = kn_arena_alloc(&img->arena, out * sizeof *s);
    if (!img->secs) return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    memcpy(img->secs, s, out * sizeof *s);
    img->nsecs = out;
    free(secs->items);
    secs->items = NULL;

    if (syms->n) qsort(syms->items, syms->n, sizeof(bin_symbol), sym_cmp);
    img->syms = kn_arena_alloc(&img->arena, (syms->n ? syms->n : 1) * sizeof(bin_symbol));
    if (!img->syms) return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    if (syms->n) memcpy(img->syms, syms->items, syms->n * sizeof(bin_symbol));
    img->nsyms = syms->n;
    free(syms->items);
    syms->items = NULL;

    img->ptrs = kn_arena_alloc(&img->arena, (ptrs->n ? ptrs->n : 1) * sizeof(bin_ptr));
    if (!img->ptrs) return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
    if (ptrs->n) memcpy(img->ptrs, ptrs->items, ptrs->n * sizeof(bin_ptr));
    img->nptrs = ptrs->n;
    free(ptrs->items);
    ptrs->items = NULL;
    return KN_OK;
}

const bin_section *bin_section_at(const bin_image *img, uint64_t va)
{
    size_t lo = 0, hi = img->nsecs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const bin_section *s = &img->secs[mid];
        if (va < s->va) hi = mid;
        else if (va - s->va >= s->size) lo = mid + 1;
        else return s;
    }
    return NULL;
}

size_t bin_read(const bin_image *img, uint64_t va, void *out, size_t n)
{
    const bin_section *s = bin_section_at(img, va);
    if (!s) { memset(out, 0, n); return 0; }
    uint64_t off = va - s->va, avail = s->size - off;
    size_t take = n < avail ? n : (size_t)avail;
    size_t have = off < s->data_size ? (size_t)((s->data_size - off) < take ? s->data_size - off : take) : 0;
    if (have) memcpy(out, s->data + off, have);
    memset((uint8_t *)out + have, 0, n - have);
    return take;
}

bin_arch bin_guess_arch(const uint8_t *p, size_t n)
{
    /* REX.W (0x48/0x49/0x4c/0x4d) directly before a common ModRM opcode is a
     * pair 32-bit code almost never produces (it would be inc/dec followed by
     * mov/lea/add), while 32-bit code is rich in push ebp; mov ebp, esp and
     * ModRM forms addressing [ebp-x]. Count both and compare the rates. */
    uint64_t rexw = 0, ia32 = 0;
    for (size_t i = 0; i + 2 < n; i++) {
        uint8_t b = p[i], c = p[i + 1];
        if ((b == 0x48 || b == 0x49 || b == 0x4c || b == 0x4d) &&
            (c == 0x89 || c == 0x8b || c == 0x8d || c == 0x83 || c == 0x85 || c == 0x63 || c == 0xc7 || c == 0x39 || c == 0x01 || c == 0x29 || c == 0x31))
            rexw++;
        else if (b == 0x55 && c == 0x89 && p[i + 2] == 0xe5) ia32 += 4;
        else if ((b == 0x8b || b == 0x89) && (c & 0xc7) == 0x45) ia32++;
        else if (b == 0xff && (c == 0x75 || c == 0x35)) ia32++;   /* push [ebp+x] / push [abs] */
    }
    return rexw > ia32 ? BIN_ARCH_X64 : BIN_ARCH_X86;
}

static kn_status load_raw(bin_image *img, const uint8_t *data, size_t size, const bin_load_opts *o, kn_err *e)
{
    ld_vec secs = {0}, syms = {0}, ptrs = {0};
    img->format = BIN_FMT_RAW;
    img->base = o ? o->base : 0;
    if (o && o->arch) img->arch = o->arch;
    else img->arch = bin_guess_arch(data, size);
    img->format_detail = (o && o->arch) ? "raw bytes" : "raw bytes (architecture guessed)";
    if (size == 0) return kn_err_set(e, KN_ERR_FORMAT, img->path, 0, "empty input");
    if (img->base + size < img->base) return kn_err_set(e, KN_ERR_RANGE, img->path, 0, "base + size wraps around");
    kn_status st = ld_add_section(img, &secs, "raw", img->base, size, data, size, 0, BIN_SEC_R | BIN_SEC_X);
    if (st) return kn_err_set(e, st, img->path, KN_NO_OFFSET, "out of memory");
    return ld_finish(img, &secs, &syms, &ptrs, e);
}

kn_status bin_load_mem(bin_image *img, const uint8_t *data, size_t size, const char *name,
                       const bin_load_opts *o, kn_err *e)
{
    static const bin_load_opts none;
    if (!o) o = &none;
    memset(img, 0, sizeof *img);
    img->path = name ? name : "";
    kn_arena_init(&img->arena, 0, 0);
    kn_warnings_init(&img->warn, 5, o->quiet);
    kn_status st;
    if (o->force_raw) st = load_raw(img, data, size, o, e);
    else if (size >= 4 && memcmp(data, "\x7f" "ELF", 4) == 0) st = ld_elf(img, data, size, o, e);
    else if (size >= 2 && data[0] == 'M' && data[1] == 'Z') st = ld_pe(img, data, size, o, e);
    else if (size >= 4 && memcmp(data, "MDMP", 4) == 0) st = ld_minidump(img, data, size, o, e);
    else if (o->arch || o->auto_arch) st = load_raw(img, data, size, o, e);
    else st = kn_err_set(e, KN_ERR_FORMAT, img->path, 0,
                         "not ELF, PE or a minidump; for raw code give --arch x86|x86-64|auto");
    if (st != KN_OK) {
        if (e && e->status == KN_OK) kn_err_set(e, st, img->path, KN_NO_OFFSET, "%s", kn_status_name(st));
        kn_arena_free(&img->arena);
        free(img->owned);
        img->owned = NULL;
    }
    return st;
}

kn_status bin_open(bin_image *img, const char *path, const bin_load_opts *o, kn_err *e)
{
    kn_map m;
    kn_status st = kn_map_open(&m, path, 0, 0, e);   /* bytes as they are: a blob may start like gzip */
    if (st != KN_OK) { memset(img, 0, sizeof *img); return st; }
    st = bin_load_mem(img, m.data, m.size, path, o, e);
    if (st != KN_OK) { kn_map_close(&m); return st; }
    img->map = m;
    return KN_OK;
}

void bin_close(bin_image *img)
{
    if (!img) return;
    kn_arena_free(&img->arena);
    if (img->map.data) kn_map_close(&img->map);
    free(img->owned);
    memset(img, 0, sizeof *img);
}

kn_status ld_add_symbol(bin_image *img, ld_vec *v, uint64_t va, uint64_t size, const char *name,
                        const char *lib, bin_sym_kind kind)
{
    if (v->n >= BIN_MAX_SYMBOLS) return KN_OK;
    bin_symbol *s = ld_vec_push(v, sizeof *s);
    if (!s) return KN_ERR_NOMEM;
    s->va = va;
    s->size = size;
    s->name = name ? kn_arena_strdup(&img->arena, name) : NULL;
    s->lib = lib ? kn_arena_strdup(&img->arena, lib) : NULL;
    s->kind = kind;
    return KN_OK;
}
