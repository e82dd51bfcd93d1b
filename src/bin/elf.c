/* elf.c: ELF32/ELF64 little-endian loader for i386 and x86-64 (executables,
 * shared objects, and relocatable objects laid out one section after the
 * other as objdump shows them). Sections come from the section headers when
 * they are usable and from PT_LOAD segments otherwise (stripped or
 * header-mangled files). Symbols (.symtab, .dynsym), PLT/GOT import slots,
 * RELATIVE relocations (pointers the loader writes) and .eh_frame_hdr
 * function starts are collected for naming and for --hints; the analysis
 * decides what to trust. Every offset and count is checked against the file. */
#include <stdlib.h>

#include "bin/loader.h"

enum { SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_RELA = 4, SHT_NOBITS = 8, SHT_REL = 9, SHT_DYNSYM = 11 };
enum { SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXEC = 4, SHF_TLS = 0x400 };
enum { PT_LOAD = 1, PT_GNU_EH_FRAME = 0x6474e550 };

typedef struct elf_ctx {
    bin_image *img;
    const uint8_t *d;
    size_t n;
    int is64;
    uint64_t shoff, phoff;
    unsigned shnum, phnum, shentsize, phentsize, shstrndx;
    ld_vec secs, syms, ptrs;
    uint64_t *sec_va;        /* per section header: address used (ET_REL layout) */
} elf_ctx;

typedef struct elf_shdr {
    uint32_t name, type;
    uint64_t flags, addr, offset, size;
    uint32_t link, info;
    uint64_t align, entsize;
} elf_shdr;

static int get_shdr(const elf_ctx *c, unsigned i, elf_shdr *s)
{
    uint64_t o = c->shoff + (uint64_t)i * c->shentsize;
    if (i >= c->shnum || !ld_in(c->n, o, c->is64 ? 64 : 40)) return 0;
    const uint8_t *d = c->d;
    size_t n = c->n;
    s->name = ld_u32(d, n, o);
    s->type = ld_u32(d, n, o + 4);
    if (c->is64) {
        s->flags = ld_u64(d, n, o + 8); s->addr = ld_u64(d, n, o + 16);
        s->offset = ld_u64(d, n, o + 24); s->size = ld_u64(d, n, o + 32);
        s->link = ld_u32(d, n, o + 40); s->info = ld_u32(d, n, o + 44);
        s->align = ld_u64(d, n, o + 48); s->entsize = ld_u64(d, n, o + 56);
    } else {
        s->flags = ld_u32(d, n, o + 8); s->addr = ld_u32(d, n, o + 12);
        s->offset = ld_u32(d, n, o + 16); s->size = ld_u32(d, n, o + 20);
        s->link = ld_u32(d, n, o + 24); s->info = ld_u32(d, n, o + 28);
        s->align = ld_u32(d, n, o + 32); s->entsize = ld_u32(d, n, o + 36);
    }
    return 1;
}

static const char *sec_name(const elf_ctx *c, const elf_shdr *s)
{
    elf_shdr strs;
    if (!get_shdr(c, c->shstrndx, &strs) || strs.type == SHT_NOBITS) return "";
    if (s->name >= strs.size || !ld_in(c->n, strs.offset, strs.size)) return "";
    const char *r = ld_str(c->d, (size_t)(strs.offset + strs.size), strs.offset + s->name, 256);
    return r ? r : "";
}

/* Bytes of section s within the file (NULL when outside). */
static const uint8_t *sec_bytes(const elf_ctx *c, const elf_shdr *s, uint64_t *len)
{
    if (s->type == SHT_NOBITS || !ld_in(c->n, s->offset, s->size)) { *len = 0; return NULL; }
    *len = s->size;
    return c->d + s->offset;
}

static void add_symbols(elf_ctx *c, unsigned symsec, int dynamic)
{
    elf_shdr s, strs;
    if (!get_shdr(c, symsec, &s) || !get_shdr(c, s.link, &strs)) return;
    uint64_t len, slen;
    const uint8_t *p = sec_bytes(c, &s, &len), *str = sec_bytes(c, &strs, &slen);
    if (!p || !str) {
        kn_warn(&c->img->warn, c->img->path, (int64_t)s.offset, "symbol table outside the file; ignored");
        return;
    }
    unsigned esz = c->is64 ? 24 : 16;
    uint64_t count = len / esz;
    for (uint64_t i = 1; i < count && c->syms.n < BIN_MAX_SYMBOLS; i++) {
        const uint8_t *q = p + i * esz;
        uint32_t name;
        uint64_t value, size;
        uint8_t info;
        uint16_t shndx;
        if (c->is64) {
            name = ld_u32(q, 24, 0); info = q[4]; shndx = ld_u16(q, 24, 6);
            value = ld_u64(q, 24, 8); size = ld_u64(q, 24, 16);
        } else {
            name = ld_u32(q, 16, 0); value = ld_u32(q, 16, 4); size = ld_u32(q, 16, 8);
            info = q[12]; shndx = ld_u16(q, 16, 14);
        }
        unsigned type = info & 15, bind = info >> 4;
        if (type != 2 || shndx == 0 || shndx >= 0xff00) continue;   /* defined functions only */
        const char *nm = name < slen ? ld_str(str, (size_t)slen, name, 1024) : NULL;
        if (c->sec_va && shndx < c->shnum) value += c->sec_va[shndx];
        ld_add_symbol(c->img, &c->syms, value, size, nm, NULL, BIN_SYM_FUNC);
        if (dynamic && (bind == 1 || bind == 2))
            ld_add_symbol(c->img, &c->syms, value, size, nm, NULL, BIN_SYM_EXPORT);
    }
}

/* Name of dynamic symbol idx of the table in section symsec, or NULL. */
static const char *dynsym_name(const elf_ctx *c, unsigned symsec, uint64_t idx)
{
    elf_shdr s, strs;
    if (!get_shdr(c, symsec, &s) || !get_shdr(c, s.link, &strs)) return NULL;
    uint64_t len, slen;
    const uint8_t *p = sec_bytes(c, &s, &len), *str = sec_bytes(c, &strs, &slen);
    unsigned esz = c->is64 ? 24 : 16;
    if (!p || !str || idx >= len / esz) return NULL;
    uint32_t name = ld_u32(p, (size_t)len, idx * esz);
    return name < slen ? ld_str(str, (size_t)slen, name, 1024) : NULL;
}

static void add_relocs(elf_ctx *c, const elf_shdr *s)
{
    uint64_t len;
    const uint8_t *p = sec_bytes(c, s, &len);
    if (!p) return;
    int rela = s->type == SHT_RELA;
    unsigned esz = c->is64 ? 24 : (rela ? 12 : 8);
    uint64_t count = len / esz;
    if (count > BIN_MAX_SYMBOLS) count = BIN_MAX_SYMBOLS;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *q = p + i * esz;
        uint64_t off, sym, type;
        int64_t addend = 0;
        if (c->is64) {
            off = ld_u64(q, esz, 0);
            uint64_t info = ld_u64(q, esz, 8);
            sym = info >> 32; type = info & 0xffffffffu;
            addend = (int64_t)ld_u64(q, esz, 16);
        } else {
            off = ld_u32(q, esz, 0);
            uint32_t info = ld_u32(q, esz, 4);
            sym = info >> 8; type = info & 0xff;
            if (rela) addend = (int32_t)ld_u32(q, esz, 8);
        }
        /* RELATIVE (8) and IRELATIVE (37 on x86-64, 42 on i386): a pointer
         * the loader stores; without an addend the value sits in the slot. */
        if (type == 8 || type == (c->is64 ? 37u : 42u)) {
            uint64_t v = (uint64_t)addend;
            if (!rela) v = UINT64_MAX;   /* read from the slot once sections exist */
            bin_ptr *bp = ld_vec_push(&c->ptrs, sizeof *bp);
            if (bp) { bp->slot = off; bp->value = v; }
        } else if (type == 7 || type == 6) {   /* JUMP_SLOT / GLOB_DAT: import slots */
            const char *nm = dynsym_name(c, s->link, sym);
            if (nm && *nm) ld_add_symbol(c->img, &c->syms, off, 0, nm, NULL, BIN_SYM_IMPORT);
        }
    }
}

static void add_eh_frame_hdr(elf_ctx *c, uint64_t va, const uint8_t *p, uint64_t len)
{
    /* version 1, eh_frame_ptr pcrel|sdata4, count udata4, table datarel|sdata4:
     * the encoding every GNU toolchain emits. Others are skipped (a hint). */
    if (len < 12 || p[0] != 1 || p[2] != 0x03 || p[3] != 0x3b) return;
    unsigned skip = (p[1] & 0x0f) == 0x0b || (p[1] & 0x0f) == 0x03 ? 4 : (p[1] & 0x0f) == 0x04 || (p[1] & 0x0f) == 0x0c ? 8 : 0;
    if (!skip) return;
    uint64_t cnt = ld_u32(p, (size_t)len, 4 + skip);
    uint64_t tab = 8 + skip;
    if (cnt > (len - tab) / 8) cnt = (len - tab) / 8;
    for (uint64_t i = 0; i < cnt; i++) {
        int32_t loc = (int32_t)ld_u32(p, (size_t)len, tab + i * 8);
        ld_add_symbol(c->img, &c->syms, va + (uint64_t)(int64_t)loc, 0, NULL, NULL, BIN_SYM_UNWIND);
    }
}

kn_status ld_elf(bin_image *img, const uint8_t *d, size_t n, const bin_load_opts *o, kn_err *e)
{
    elf_ctx c = {0};
    c.img = img; c.d = d; c.n = n;
    img->format = BIN_FMT_ELF;
    if (n < 52) return kn_err_set(e, KN_ERR_TRUNCATED, img->path, (int64_t)n, "ELF header truncated");
    if (d[4] != 1 && d[4] != 2) return kn_err_set(e, KN_ERR_FORMAT, img->path, 4, "bad ELF class %u", d[4]);
    if (d[5] != 1) return kn_err_set(e, KN_ERR_UNSUPPORTED, img->path, 5, "big-endian ELF is not supported");
    c.is64 = d[4] == 2;
    if (c.is64 && n < 64) return kn_err_set(e, KN_ERR_TRUNCATED, img->path, (int64_t)n, "ELF64 header truncated");
    unsigned type = ld_u16(d, n, 16), machine = ld_u16(d, n, 18);
    if (machine == 62) img->arch = BIN_ARCH_X64;
    else if (machine == 3) img->arch = BIN_ARCH_X86;
    else return kn_err_set(e, KN_ERR_UNSUPPORTED, img->path, 18, "ELF machine %u is not x86 or x86-64", machine);
    if (c.is64) {
        img->entry = ld_u64(d, n, 24); c.phoff = ld_u64(d, n, 32); c.shoff = ld_u64(d, n, 40);
        c.phentsize = ld_u16(d, n, 54); c.phnum = ld_u16(d, n, 56);
        c.shentsize = ld_u16(d, n, 58); c.shnum = ld_u16(d, n, 60); c.shstrndx = ld_u16(d, n, 62);
    } else {
        img->entry = ld_u32(d, n, 24); c.phoff = ld_u32(d, n, 28); c.shoff = ld_u32(d, n, 32);
        c.phentsize = ld_u16(d, n, 42); c.phnum = ld_u16(d, n, 44);
        c.shentsize = ld_u16(d, n, 46); c.shnum = ld_u16(d, n, 48); c.shstrndx = ld_u16(d, n, 50);
    }
    img->has_entry = type != 1 && img->entry != 0;
    img->pie = type == 3;
    static const char *kinds[] = {"none", "relocatable", "executable", "shared object/PIE", "core"};
    char detail[64];
    snprintf(detail, sizeof detail, "ELF%d %s", c.is64 ? 64 : 32, type < 5 ? kinds[type] : "unknown type");
    img->format_detail = kn_arena_strdup(&img->arena, detail);
    if (type == 4) return kn_err_set(e, KN_ERR_UNSUPPORTED, img->path, 16, "ELF core files are not supported");

    /* Section headers are usable when they lie in the file with the right entry size. */
    int use_sh = c.shnum && c.shentsize == (c.is64 ? 64u : 40u) && ld_in(n, c.shoff, (uint64_t)c.shnum * c.shentsize);
    if (c.shnum && !use_sh)
        kn_warn(&img->warn, img->path, (int64_t)c.shoff, "section header table is unusable; using program headers");
    int exec_secs = 0;
    if (use_sh) {
        if (type == 1) {   /* relocatable: lay sections out one after the other */
            c.sec_va = calloc(c.shnum, sizeof *c.sec_va);
            if (!c.sec_va) return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
        }
        uint64_t next = 0;
        for (unsigned i = 1; i < c.shnum; i++) {
            elf_shdr s;
            if (!get_shdr(&c, i, &s) || !(s.flags & SHF_ALLOC) || s.size == 0) continue;
            /* .tbss is the zero part of the thread-local template: it takes no
             * address space of its own (linkers put .init_array and the data
             * after it at the same addresses), so it must not clip them. */
            if (s.type == SHT_NOBITS && (s.flags & SHF_TLS)) continue;
            if (c.sec_va) {
                uint64_t al = s.align && s.align <= 4096 && !(s.align & (s.align - 1)) ? s.align : 1;
                next = (next + al - 1) & ~(al - 1);
                c.sec_va[i] = next;
                s.addr = next;
                next += s.size;
            }
            unsigned fl = BIN_SEC_R | (s.flags & SHF_WRITE ? BIN_SEC_W : 0) | (s.flags & SHF_EXEC ? BIN_SEC_X : 0);
            const uint8_t *p = NULL;
            uint64_t avail = 0;
            if (s.type != SHT_NOBITS) {
                if (s.offset < n) { p = d + s.offset; avail = n - s.offset < s.size ? n - s.offset : s.size; }
                if (avail < s.size)
                    kn_warn(&img->warn, img->path, (int64_t)s.offset, "section %s runs past the end of the file; truncated", sec_name(&c, &s));
            }
            if (fl & BIN_SEC_X) exec_secs++;
            if (ld_add_section(img, &c.secs, sec_name(&c, &s), s.addr, s.size, p, avail, s.offset, fl) != KN_OK) goto nomem;
        }
    }
    if (!exec_secs) {   /* no usable sections: take the loadable segments */
        free(c.secs.items);
        c.secs.items = NULL; c.secs.n = c.secs.cap = 0;
        unsigned pesz = c.is64 ? 56 : 32;
        if (c.phnum && (c.phentsize != pesz || !ld_in(n, c.phoff, (uint64_t)c.phnum * pesz)))
            return kn_err_set(e, KN_ERR_FORMAT, img->path, (int64_t)c.phoff, "program header table is outside the file");
        for (unsigned i = 0; i < c.phnum; i++) {
            uint64_t q = c.phoff + (uint64_t)i * pesz, off, va, fsz, msz;
            uint32_t ptype = ld_u32(d, n, q), pfl;
            if (c.is64) { pfl = ld_u32(d, n, q + 4); off = ld_u64(d, n, q + 8); va = ld_u64(d, n, q + 16); fsz = ld_u64(d, n, q + 32); msz = ld_u64(d, n, q + 40); }
            else { off = ld_u32(d, n, q + 4); va = ld_u32(d, n, q + 8); fsz = ld_u32(d, n, q + 16); msz = ld_u32(d, n, q + 20); pfl = ld_u32(d, n, q + 24); }
            if (ptype != PT_LOAD) continue;
            unsigned fl = (pfl & 4 ? BIN_SEC_R : 0) | (pfl & 2 ? BIN_SEC_W : 0) | (pfl & 1 ? BIN_SEC_X : 0);
            uint64_t avail = off < n ? (n - off < fsz ? n - off : fsz) : 0;
            char nm[24];
            snprintf(nm, sizeof nm, "LOAD%u", i);
            if (ld_add_section(img, &c.secs, nm, va, msz > fsz ? msz : fsz, avail ? d + off : NULL, avail, off, fl) != KN_OK) goto nomem;
        }
    }
    if (use_sh) {
        for (unsigned i = 1; i < c.shnum; i++) {
            elf_shdr s;
            if (!get_shdr(&c, i, &s)) continue;
            if (s.type == SHT_SYMTAB) add_symbols(&c, i, 0);
            else if (s.type == SHT_DYNSYM) add_symbols(&c, i, 1);
            else if (s.type == SHT_RELA || s.type == SHT_REL) { if (type != 1) add_relocs(&c, &s); }
            else if (strcmp(sec_name(&c, &s), ".eh_frame_hdr") == 0) {
                uint64_t len;
                const uint8_t *p = sec_bytes(&c, &s, &len);
                if (p) add_eh_frame_hdr(&c, c.sec_va ? c.sec_va[i] : s.addr, p, len);
            }
        }
    }
    free(c.sec_va);
    kn_status st = ld_finish(img, &c.secs, &c.syms, &c.ptrs, e);
    if (st) return st;
    /* REL (i386) RELATIVE relocations keep their addend in the slot. */
    for (size_t i = 0; i < img->nptrs; i++)
        if (img->ptrs[i].value == UINT64_MAX) {
            uint32_t w = 0;
            bin_read(img, img->ptrs[i].slot, &w, 4);
            img->ptrs[i].value = w;
        }
    return KN_OK;
nomem:
    free(c.sec_va);
    free(c.secs.items); free(c.syms.items); free(c.ptrs.items);
    return kn_err_set(e, KN_ERR_NOMEM, img->path, KN_NO_OFFSET, "out of memory");
}
