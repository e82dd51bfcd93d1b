/* loader.h: private helpers shared by the container parsers (elf.c, pe.c,
 * minidump.c) and image.c. Parsers collect sections, symbols and pointers
 * into growable vectors and hand them to ld_finish, which enforces the
 * bin_image invariants (sorted, non-overlapping, bounded) in one place.
 * Little-endian readers return 0 past the end so a truncated structure can
 * never read outside the input; callers check sizes before trusting values. */
#ifndef KENSA_BIN_LOADER_H
#define KENSA_BIN_LOADER_H

#include <stdio.h>
#include <string.h>

#include "bin/bin.h"

typedef struct ld_vec {
    void *items;
    size_t n, cap;
} ld_vec;

void *ld_vec_push(ld_vec *v, size_t elem);   /* NULL on no memory */
kn_status ld_add_section(bin_image *img, ld_vec *v, const char *name, uint64_t va, uint64_t size,
                         const uint8_t *data, uint64_t data_size, uint64_t file_offset, unsigned flags);
kn_status ld_finish(bin_image *img, ld_vec *secs, ld_vec *syms, ld_vec *ptrs, kn_err *e);

kn_status ld_elf(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e);
kn_status ld_pe(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e);
kn_status ld_minidump(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e);

static inline uint16_t ld_u16(const uint8_t *d, size_t n, uint64_t off)
{
    if (off > n || n - off < 2) return 0;
    return (uint16_t)(d[off] | d[off + 1] << 8);
}
static inline uint32_t ld_u32(const uint8_t *d, size_t n, uint64_t off)
{
    if (off > n || n - off < 4) return 0;
    return (uint32_t)d[off] | (uint32_t)d[off + 1] << 8 | (uint32_t)d[off + 2] << 16 | (uint32_t)d[off + 3] << 24;
}
static inline uint64_t ld_u64(const uint8_t *d, size_t n, uint64_t off)
{
    if (off > n || n - off < 8) return 0;
    return (uint64_t)ld_u32(d, n, off) | (uint64_t)ld_u32(d, n, off + 4) << 32;
}
/* Does [off, off+len) lie inside n bytes? */
static inline int ld_in(size_t n, uint64_t off, uint64_t len)
{
    return off <= n && len <= n - off;
}
/* NUL-terminated string at off within n bytes, at most max chars; NULL when
 * it runs off the end. */
static inline const char *ld_str(const uint8_t *d, size_t n, uint64_t off, size_t max)
{
    if (off >= n) return NULL;
    size_t lim = n - off < max ? (size_t)(n - off) : max;
    const void *z = memchr(d + off, 0, lim);
    return z ? (const char *)d + off : NULL;
}

/* Adds a symbol (name copied into the image arena). */
kn_status ld_add_symbol(bin_image *img, ld_vec *v, uint64_t va, uint64_t size, const char *name,
                        const char *lib, bin_sym_kind kind);

#endif
