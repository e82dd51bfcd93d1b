/* vtop.c: x64 4-level address translation with Windows' software PTE
 * states, classifying every page (see mem_page_class).
 *
 * Why classification and not just "present or not": a process dump is only
 * trustworthy when each page says where its bytes came from. The walk
 * therefore keeps the reason it stopped: a transition PTE (the frame still
 * holds the data), a prototype PTE (shared section memory, resolved through
 * the kernel's prototype PTE array), a pagefile PTE (served from
 * --pagefile when given), demand-zero (committed but never touched), or
 * nothing at all. Page tables that are themselves in transition or in the
 * pagefile are followed the same way, so a trimmed page table does not hide
 * the pages below it.
 *
 * Software PTE bits follow the ISFs of builds 7601/14393/19041 (all the
 * same here): Prototype bit 10, Transition bit 11, PageFileLow bits 12-15,
 * Protection bits 5-9, PageFileHigh bits 32-63, ProtoAddress bits 16-63.
 * Swizzled (L1TF-inverted) pagefile PTEs are not undone: they need the
 * kernel's MiInvalidPteMask, which only symbols give. */
#include "mem/mem.h"

#include <string.h>

#define PFN_MASK 0x000ffffffffff000ull
#define PTE_VALID 1ull
#define PTE_PS 0x80ull
#define PTE_PROTO (1ull << 10)
#define PTE_TRANS (1ull << 11)

static const uint8_t zero_page[MEM_PAGE];

const char *mem_page_class_name(mem_page_class c)
{
    switch (c) {
    case MEM_PG_RESIDENT: return "resident";
    case MEM_PG_TRANSITION: return "transition";
    case MEM_PG_PAGEFILE: return "pagefile";
    case MEM_PG_PAGED_OUT: return "paged_out";
    case MEM_PG_DEMAND_ZERO: return "demand_zero";
    case MEM_PG_INVALID: return "invalid";
    default: return "?";
    }
}

static uint64_t sext48(uint64_t v) { return (v & (1ull << 47)) ? v | 0xffff000000000000ull : v; }

static mem_page_class set(mem_page *o, mem_page_class c, const uint8_t *data, uint64_t pa)
{
    o->cls = c;
    o->data = data;
    o->pa = pa;
    return c;
}

static const uint8_t *pagefile_page(const mem_image *img, uint64_t pte)
{
    uint64_t low = (pte >> 12) & 0xf, high = pte >> 32;
    if (!img->pagefile || low != 0) return NULL;
    if (high > (img->pagefile_size / MEM_PAGE) - 0 || high * MEM_PAGE + MEM_PAGE > img->pagefile_size) return NULL;
    return img->pagefile + high * MEM_PAGE;
}

/* Classifies a non-valid software PTE that is not a prototype. */
static mem_page_class software(const mem_as *as, uint64_t pte, mem_page *o)
{
    const mem_image *img = as->img;
    if (pte & PTE_TRANS) {
        uint64_t pa = pte & PFN_MASK;
        const uint8_t *p = mem_phys_page(img, pa);
        if (!p) { o->flags |= MEM_PGF_NOFRAME; return set(o, MEM_PG_PAGED_OUT, NULL, pa); }
        return set(o, MEM_PG_TRANSITION, p, pa);
    }
    if (pte >> 32) {
        const uint8_t *p = pagefile_page(img, pte);
        return p ? set(o, MEM_PG_PAGEFILE, p, 0) : set(o, MEM_PG_PAGED_OUT, NULL, 0);
    }
    if ((pte >> 5) & 0x1f) return set(o, MEM_PG_DEMAND_ZERO, zero_page, 0);
    return set(o, MEM_PG_INVALID, NULL, 0);
}

mem_page_class mem_resolve_proto(const mem_as *as, uint64_t ppte, mem_page *o)
{
    o->flags |= MEM_PGF_PROTO;
    o->pte = ppte;
    if (ppte & PTE_VALID) {
        uint64_t pa = ppte & PFN_MASK;
        const uint8_t *p = mem_phys_page(as->img, pa);
        if (!p) { o->flags |= MEM_PGF_NOFRAME; return set(o, MEM_PG_PAGED_OUT, NULL, pa); }
        return set(o, MEM_PG_RESIDENT, p, pa);
    }
    /* A prototype PTE with the prototype bit set points at a subsection:
     * the bytes live in the mapped file, not in memory. */
    if (ppte & PTE_PROTO) return set(o, MEM_PG_PAGED_OUT, NULL, 0);
    if (ppte == 0) return set(o, MEM_PG_PAGED_OUT, NULL, 0);
    return software(as, ppte, o);
}

mem_page_class mem_translate(const mem_as *as, uint64_t va, mem_page *o)
{
    memset(o, 0, sizeof *o);
    o->span = MEM_PAGE;
    if (sext48(va & 0xffffffffffffull) != va) return set(o, MEM_PG_INVALID, NULL, 0);
    const uint8_t *table = mem_phys_page(as->img, as->dtb);
    if (!table) { o->flags |= MEM_PGF_NOFRAME; return set(o, MEM_PG_INVALID, NULL, 0); }
    for (int level = 4; level >= 1; level--) {
        unsigned shift = 12 + 9 * (unsigned)(level - 1);
        unsigned idx = (unsigned)((va >> shift) & 0x1ff);
        uint64_t e;
        memcpy(&e, table + 8 * idx, 8);
        o->pte = e;
        if (e & PTE_VALID) {
            if ((level == 3 || level == 2) && (e & PTE_PS)) {
                uint64_t size = 1ull << shift;
                uint64_t pa = (e & PFN_MASK & ~(size - 1)) + (va & (size - 1) & ~(uint64_t)(MEM_PAGE - 1));
                o->flags |= MEM_PGF_LARGE;
                const uint8_t *p = mem_phys_page(as->img, pa);
                if (!p) { o->flags |= MEM_PGF_NOFRAME; return set(o, MEM_PG_PAGED_OUT, NULL, pa); }
                return set(o, MEM_PG_RESIDENT, p, pa);
            }
            uint64_t pa = e & PFN_MASK;
            const uint8_t *p = mem_phys_page(as->img, pa);
            if (level == 1) {
                if (!p) { o->flags |= MEM_PGF_NOFRAME; return set(o, MEM_PG_PAGED_OUT, NULL, pa); }
                return set(o, MEM_PG_RESIDENT, p, pa);
            }
            if (!p) { o->flags |= MEM_PGF_NOFRAME; return set(o, MEM_PG_INVALID, NULL, pa); }
            table = p;
            continue;
        }
        if (e == 0) {
            o->span = 1ull << shift;
            return set(o, MEM_PG_INVALID, NULL, 0);
        }
        if (level == 1) {
            if (e & PTE_PROTO) {
                uint64_t addr = e >> 16;
                if ((e >> 32) == 0xffffffffull) {
                    /* "ProtoAddress = 0xFFFFFFFF0000": the VAD holds the prototype. */
                    o->flags |= MEM_PGF_VADPROTO | MEM_PGF_PROTO;
                    return set(o, MEM_PG_PAGED_OUT, NULL, 0);
                }
                uint64_t pva = sext48(addr);
                uint64_t ppte;
                mem_as k = *as;
                if (as->kdtb) k.dtb = as->kdtb;
                k.depth = as->depth + 1;
                if (k.depth > 2 || !mem_is_kernel_va(pva) || !mem_vread_u64(&k, pva, &ppte)) {
                    o->flags |= MEM_PGF_PROTO;
                    return set(o, MEM_PG_PAGED_OUT, NULL, 0);
                }
                return mem_resolve_proto(as, ppte, o);
            }
            return software(as, e, o);
        }
        /* A non-valid upper-level entry: the table below may still be
         * readable (transition) or in the pagefile. */
        if (e & PTE_PROTO) return set(o, MEM_PG_INVALID, NULL, 0);
        mem_page tmp;
        memset(&tmp, 0, sizeof tmp);
        mem_page_class c = software(as, e, &tmp);
        if (c == MEM_PG_TRANSITION || c == MEM_PG_PAGEFILE) { table = tmp.data; continue; }
        o->flags |= tmp.flags;
        return set(o, c == MEM_PG_DEMAND_ZERO ? MEM_PG_DEMAND_ZERO : c, c == MEM_PG_DEMAND_ZERO ? zero_page : NULL, 0);
    }
    return set(o, MEM_PG_INVALID, NULL, 0);
}

size_t mem_vread(const mem_as *as, uint64_t va, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        mem_page pg;
        uint64_t cur = va + done;
        if (cur < va) break;
        mem_translate(as, cur & ~(uint64_t)(MEM_PAGE - 1), &pg);
        if (!pg.data) break;
        size_t in = (size_t)(cur & (MEM_PAGE - 1));
        size_t k = MEM_PAGE - in;
        if (k > n - done) k = n - done;
        memcpy((uint8_t *)buf + done, pg.data + in, k);
        done += k;
    }
    return done;
}

int mem_vread_u64(const mem_as *as, uint64_t va, uint64_t *v)
{
    return mem_vread(as, va, v, 8) == 8;
}

int mem_vread_u32(const mem_as *as, uint64_t va, uint32_t *v)
{
    return mem_vread(as, va, v, 4) == 4;
}

int mem_read_ustr(const mem_as *as, uint64_t va, char *out, size_t n)
{
    uint8_t us[16];
    out[0] = 0;
    if (n == 0 || mem_vread(as, va, us, 16) != 16) return 0;
    uint16_t len;
    uint64_t buf;
    memcpy(&len, us, 2);
    memcpy(&buf, us + 8, 8);
    if (len == 0 || len > 2048 || !buf) return 0;
    uint16_t w[1024];
    size_t got = mem_vread(as, buf, w, len & ~1u) / 2;
    size_t o = 0;
    for (size_t i = 0; i < got; i++) {
        uint32_t c = w[i];
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < got && w[i + 1] >= 0xdc00 && w[i + 1] < 0xe000) {
            c = 0x10000 + ((c - 0xd800) << 10) + (w[i + 1] - 0xdc00);
            i++;
        } else if (c >= 0xd800 && c < 0xe000) {
            c = 0xfffd;
        }
        uint8_t tmp[4];
        size_t k;
        if (c < 0x80) { tmp[0] = (uint8_t)c; k = 1; }
        else if (c < 0x800) { tmp[0] = (uint8_t)(0xc0 | (c >> 6)); tmp[1] = (uint8_t)(0x80 | (c & 0x3f)); k = 2; }
        else if (c < 0x10000) { tmp[0] = (uint8_t)(0xe0 | (c >> 12)); tmp[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); tmp[2] = (uint8_t)(0x80 | (c & 0x3f)); k = 3; }
        else { tmp[0] = (uint8_t)(0xf0 | (c >> 18)); tmp[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f)); tmp[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f)); tmp[3] = (uint8_t)(0x80 | (c & 0x3f)); k = 4; }
        if (o + k + 1 > n) break;
        memcpy(out + o, tmp, k);
        o += k;
    }
    out[o] = 0;
    return got > 0;
}
