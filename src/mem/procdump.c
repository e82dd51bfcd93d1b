/* procdump.c: one process out of a memory image as a Windows minidump,
 * with an account of every page.
 *
 * The dump is a full-memory minidump (Memory64List + MemoryInfoList +
 * ModuleList + SystemInfo) written through the minidump writer, so WinDbg,
 * lldb and friends open it. Only pages whose bytes are known go into the
 * Memory64List: resident, transition, pagefile (with --pagefile) and
 * demand-zero (zeros by definition). Pages whose bytes are not in the image
 * are left out, so a debugger reports them unreadable instead of showing
 * invented zeros, and each is counted by class in the account that is
 * printed, written to a JSON sidecar and stored in the dump's comment
 * stream. The walk is per VAD, page by page, so it is bounded by the
 * process's committed address space and streams: memory use does not grow
 * with the dump. Contiguous readable pages are batched (1 MiB) before they
 * reach the writer. */
#include "mem/mem.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/minidump.h"

#define STAGE (1u << 20)

typedef int (*page_reader)(void *ctx, uint64_t va, uint8_t *page);   /* 1: page copied */
static kn_status pe_rebuild_with(page_reader rd, void *ctx, uint64_t base, const char *path, uint64_t *missing_pages, kn_err *e);

typedef struct range { uint64_t start, end; int cls; } range;

typedef struct dump_ctx {
    const mem_kernel *k;
    mem_as as;
    mdmp_writer *w;
    uint8_t *stage;
    uint64_t stage_va;
    size_t stage_len;
    uint64_t direct_va;
    const uint8_t *direct_ptr;
    size_t direct_len;
    mem_dump_stats *st;
    range *holes;
    size_t nholes, cap_holes;
    kn_status err;
    kn_err *e;
    uint64_t page_budget;   /* pages a pass may still visit (bounds hostile tables) */
    uint64_t write_cap;     /* bytes the dump may hold */
    int over_budget;
} dump_ctx;

static void add_memory(dump_ctx *c, uint64_t va, const uint8_t *p, size_t n)
{
    if (c->err) return;
    kn_status s = mdmp_add_memory(c->w, va, p, n);
    c->st->bytes_written += n;
    if (s) { c->err = s; kn_err_set(c->e, s, NULL, KN_NO_OFFSET, "writing the dump's memory failed"); }
}

static void flush_stage(dump_ctx *c)
{
    if (c->stage_len) add_memory(c, c->stage_va, c->stage, c->stage_len);
    c->stage_len = 0;
}

static void stage_page(dump_ctx *c, uint64_t va, const uint8_t *data)
{
    if (c->stage_len && (c->stage_va + c->stage_len != va || c->stage_len == STAGE)) flush_stage(c);
    if (!c->stage_len) c->stage_va = va;
    memcpy(c->stage + c->stage_len, data, MEM_PAGE);
    c->stage_len += MEM_PAGE;
}

/* Pages that are contiguous in the image as well as in the process are
 * written straight from the mapping (no copy); scattered ones are gathered
 * in the stage buffer so the writer sees few, large calls. Writes happen in
 * address order: the stage always holds addresses below the pending run. */
static void retire_direct(dump_ctx *c)
{
    if (!c->direct_len) return;
    if (c->direct_len >= 16 * MEM_PAGE) {
        if (c->stage_len && c->stage_va + c->stage_len == c->direct_va && c->stage_len + c->direct_len <= STAGE) {
            memcpy(c->stage + c->stage_len, c->direct_ptr, c->direct_len);
            c->stage_len += c->direct_len;
        } else {
            flush_stage(c);
            add_memory(c, c->direct_va, c->direct_ptr, c->direct_len);
        }
    } else {
        for (size_t o = 0; o < c->direct_len; o += MEM_PAGE) stage_page(c, c->direct_va + o, c->direct_ptr + o);
    }
    c->direct_len = 0;
}

static void emit_page(dump_ctx *c, uint64_t va, const uint8_t *data)
{
    if (c->st->bytes_written + c->stage_len + c->direct_len + MEM_PAGE > c->write_cap) {
        c->over_budget = 1;
        c->page_budget = 0;
        return;
    }
    if (c->direct_len && va == c->direct_va + c->direct_len && data == c->direct_ptr + c->direct_len &&
        c->direct_len < (256u << 20)) {
        c->direct_len += MEM_PAGE;
        return;
    }
    retire_direct(c);
    c->direct_va = va;
    c->direct_ptr = data;
    c->direct_len = MEM_PAGE;
}

static void note_hole(dump_ctx *c, uint64_t va, int cls)
{
    if (c->nholes && c->holes[c->nholes - 1].end == va && c->holes[c->nholes - 1].cls == cls) {
        c->holes[c->nholes - 1].end += MEM_PAGE;
        return;
    }
    if (c->nholes == c->cap_holes) {
        size_t nc = c->cap_holes ? c->cap_holes * 2 : 64;
        range *nr = realloc(c->holes, nc * sizeof *nr);
        if (!nr) return;
        c->holes = nr;
        c->cap_holes = nc;
    }
    c->holes[c->nholes++] = (range){va, va + MEM_PAGE, cls};
}

/* Classifies one page of a VAD, resolving what only the VAD knows: the
 * prototype PTE of section views and demand-zero for committed private
 * memory whose page tables were never built. */
static mem_page_class page_in_vad(dump_ctx *c, const mem_vad *v, uint64_t va, mem_page *pg)
{
    mem_page_class cls = mem_translate(&c->as, va, pg);
    int need_proto = (pg->flags & MEM_PGF_VADPROTO) || (cls == MEM_PG_INVALID && !v->private_mem && v->first_proto);
    if (need_proto && v->first_proto) {
        uint64_t ppte;
        mem_as kas = c->k->kas;
        if (mem_vread_u64(&kas, v->first_proto + ((va - v->start) >> 12) * 8, &ppte)) {
            memset(pg, 0, sizeof *pg);
            return mem_resolve_proto(&c->as, ppte, pg);
        }
        pg->flags |= MEM_PGF_PROTO;
        pg->cls = MEM_PG_PAGED_OUT;
        pg->data = NULL;
        return MEM_PG_PAGED_OUT;
    }
    if (cls == MEM_PG_INVALID && v->private_mem && v->commit && !(pg->flags & MEM_PGF_NOFRAME)) {
        static const uint8_t zero[MEM_PAGE];
        pg->cls = MEM_PG_DEMAND_ZERO;
        pg->data = zero;
        return MEM_PG_DEMAND_ZERO;
    }
    return cls;
}

/* One VAD, page by page: counts readable runs (write == 0) or classifies,
 * counts and writes (write == 1). Both passes run this same walk so they
 * cannot disagree. In a damaged VAD, ranges with no page table are skipped
 * whole and counted invalid. */
static void scan_vad(dump_ctx *c, const mem_vad *v, uint64_t from, int damaged, int write, size_t *runs)
{
    int prev_readable = 0;
    for (uint64_t va = from; va < v->end && !c->err;) {
        mem_page pg;
        mem_page_class cls;
        if (c->page_budget == 0) { c->over_budget = 1; return; }
        c->page_budget--;
        if (damaged) {
            cls = mem_translate(&c->as, va, &pg);
            if (cls == MEM_PG_INVALID && pg.span > MEM_PAGE) {
                uint64_t next = (va | (pg.span - 1)) + 1;
                if (next > v->end || next < va) next = v->end;
                if (write) c->st->pages[MEM_PG_INVALID] += (next - va) / MEM_PAGE;
                prev_readable = 0;
                va = next;
                continue;
            }
        } else {
            cls = page_in_vad(c, v, va, &pg);
        }
        if (!write) {
            int readable = pg.data != NULL;
            if (readable && !prev_readable) (*runs)++;
            prev_readable = readable;
        } else if (!(cls == MEM_PG_INVALID && v->private_mem && !v->commit)) {   /* reserved only: not counted */
            c->st->pages[cls]++;
            if (pg.flags & MEM_PGF_PROTO) c->st->proto_pages++;
            if (pg.data) emit_page(c, va, pg.data);
            else note_hole(c, va, cls);
        }
        va += MEM_PAGE;
    }
}

/* Page reader for --pe that resolves what only the VAD knows (VAD-held
 * prototypes), so rebuilt files get the same bytes as the dump. */
typedef struct vad_reader { dump_ctx *c; const mem_vadlist *vads; } vad_reader;

static int vad_page_reader(void *ctx, uint64_t va, uint8_t *page)
{
    vad_reader *r = ctx;
    const mem_vad *v = NULL;
    size_t lo = 0, hi = r->vads->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (va < r->vads->v[mid].start) hi = mid;
        else if (va >= r->vads->v[mid].end) lo = mid + 1;
        else { v = &r->vads->v[mid]; break; }
    }
    mem_page pg;
    if (v) page_in_vad(r->c, v, va, &pg);
    else mem_translate(&r->c->as, va, &pg);
    if (!pg.data) return 0;
    memcpy(page, pg.data, MEM_PAGE);
    return 1;
}

static uint32_t vad_state_type(const mem_vad *v, uint32_t *type)
{
    *type = v->type == 2 ? MDMP_MEM_IMAGE : v->private_mem ? MDMP_MEM_PRIVATE : MDMP_MEM_MAPPED;
    return (v->commit || !v->private_mem) ? MDMP_MEM_COMMIT : MDMP_MEM_RESERVE;
}

static void account_text(const mem_process *p, const mem_dump_stats *st, kn_buf *b)
{
    uint64_t total = 0;
    for (int i = 0; i < MEM_PG_NCLASS; i++) total += st->pages[i];
    kn_buf_printf(b, "kensa procdump: pid %llu (%s): %llu pages in %llu regions; ", (unsigned long long)p->pid, p->name,
                  (unsigned long long)total, (unsigned long long)st->regions);
    for (int i = 0; i < MEM_PG_NCLASS; i++)
        kn_buf_printf(b, "%s %llu%s", mem_page_class_name((mem_page_class)i), (unsigned long long)st->pages[i],
                      i + 1 < MEM_PG_NCLASS ? ", " : "");
    kn_buf_printf(b, " (via prototype PTEs: %llu). Pages classed paged_out or invalid are NOT in the dump; "
                     "resident, transition, pagefile and demand_zero pages are.",
                  (unsigned long long)st->proto_pages);
}

static uint64_t missing_in(const range *holes, size_t nholes, uint64_t start, uint64_t end)
{
    uint64_t n = 0;
    for (size_t i = 0; i < nholes; i++) {
        uint64_t a = holes[i].start > start ? holes[i].start : start, b = holes[i].end < end ? holes[i].end : end;
        if (a < b) n += (b - a) / MEM_PAGE;
    }
    return n;
}

static kn_status write_sidecar(const char *path, const mem_kernel *k, const mem_process *p, const mem_dump_stats *st,
                               const range *holes, size_t nholes, const mem_modlist *mods, const char *dump_path, kn_err *e)
{
    FILE *f = fopen(path, "w");
    if (!f) return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "cannot create sidecar: %s", strerror(errno));
    kn_json *j = kn_json_new(f);
    kn_json_set_pretty(j, 2);
    kn_json_obj_begin(j);
    kn_json_kstr(j, "dump", dump_path);
    kn_json_kstr(j, "image", k->img->name);
    kn_json_kuint(j, "pid", p->pid);
    kn_json_kstr(j, "name", p->name);
    kn_json_khex(j, "eprocess", p->eproc);
    kn_json_khex(j, "dtb", p->dtb);
    kn_json_key(j, "pages");
    kn_json_obj_begin(j);
    uint64_t total = 0;
    for (int i = 0; i < MEM_PG_NCLASS; i++) {
        kn_json_kuint(j, mem_page_class_name((mem_page_class)i), st->pages[i]);
        total += st->pages[i];
    }
    kn_json_kuint(j, "total", total);
    kn_json_kuint(j, "via_prototype", st->proto_pages);
    kn_json_obj_end(j);
    kn_json_kuint(j, "bytes_in_dump", st->bytes_written);
    kn_json_kuint(j, "regions", st->regions);
    kn_json_kuint(j, "modules", st->modules);
    kn_json_kuint(j, "threads", st->threads);
    kn_json_kuint(j, "damaged_vads", st->damaged_vads);
    kn_json_kbool(j, "stopped_at_page_limit", st->over_budget);
    if (st->pe_files || st->pe_failed) {
        kn_json_kuint(j, "pe_files", st->pe_files);
        kn_json_kuint(j, "pe_failed", st->pe_failed);
        kn_json_kuint(j, "pe_zero_filled_pages", st->pe_missing_pages);
    }
    kn_json_key(j, "module_pages");
    kn_json_arr_begin(j);
    for (size_t i = 0; i < mods->n; i++) {
        const mem_module *m = &mods->v[i];
        uint64_t pages = ((uint64_t)m->size + MEM_PAGE - 1) / MEM_PAGE;
        kn_json_obj_begin(j);
        kn_json_khex(j, "base", m->base);
        kn_json_kstr(j, "name", m->name);
        kn_json_kuint(j, "pages", pages);
        kn_json_kuint(j, "missing", missing_in(holes, nholes, m->base, m->base + pages * MEM_PAGE));
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_key(j, "missing");
    kn_json_arr_begin(j);
    for (size_t i = 0; i < nholes; i++) {
        kn_json_obj_begin(j);
        kn_json_khex(j, "start", holes[i].start);
        kn_json_khex(j, "end", holes[i].end);
        kn_json_kuint(j, "pages", (holes[i].end - holes[i].start) / MEM_PAGE);
        kn_json_kstr(j, "class", mem_page_class_name((mem_page_class)holes[i].cls));
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_obj_end(j);
    kn_json_end_record(j);
    kn_json_free(j);
    if (fclose(f) != 0) return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "writing the sidecar failed");
    return KN_OK;
}

static const char *base_name(const char *path)
{
    const char *s = path;
    for (const char *q = path; *q; q++)
        if (*q == '\\' || *q == '/') s = q + 1;
    return s;
}

kn_status mem_procdump(const mem_kernel *k, const mem_process *p, const mem_dump_options *o, mem_dump_stats *st,
                       kn_err *e)
{
    memset(st, 0, sizeof *st);
    mem_vadlist vads;
    kn_status s = mem_vads(k, p, &vads, e);
    if (s) return s;
    mem_modlist mods;
    mem_modules(k, p, &vads, &mods, e);
    dump_ctx c;
    memset(&c, 0, sizeof c);
    c.k = k;
    c.as = (mem_as){k->img, p->dtb, k->kas.dtb, 0};
    c.st = st;
    c.e = e;
    c.stage = malloc(STAGE);
    if (!c.stage) { mem_vadlist_free(&vads); mem_modlist_free(&mods); return kn_err_set(e, KN_ERR_NOMEM, NULL, KN_NO_OFFSET, "out of memory"); }
    s = mdmp_writer_open(&c.w, o->out_path, e);
    if (s) { free(c.stage); mem_vadlist_free(&vads); mem_modlist_free(&mods); return s; }
    mdmp_system_info si;
    memset(&si, 0, sizeof si);
    si.arch = MDMP_ARCH_AMD64;
    si.nprocs = (uint8_t)(k->img->crash_cpus ? k->img->crash_cpus : 1);
    si.product_type = 1;
    si.major = k->major;
    si.minor = k->minor;
    si.build = k->build;
    si.platform = MDMP_PLATFORM_WIN32_NT;
    mdmp_set_system_info(c.w, &si);
    mdmp_set_process_id(c.w, (uint32_t)p->pid);   /* MiscInfo: debuggers show the PID */
    for (size_t i = 0; i < mods.n; i++)
        mdmp_add_module(c.w, mods.v[i].base, mods.v[i].size, mods.v[i].name, mods.v[i].timestamp, mods.v[i].checksum);
    st->modules = mods.n;
    mem_threadlist tl;
    kn_err te;
    if (mem_threads(k, p, &tl, &te) == KN_OK) {
        uint8_t ctx[MDMP_CONTEXT_AMD64_SIZE];
        for (size_t i = 0; i < tl.n; i++) {
            const mem_thread *t = &tl.v[i];
            if (t->have_context) mem_thread_context(t, ctx, sizeof ctx);
            uint64_t len = t->stack_base > t->stack_limit ? t->stack_base - t->stack_limit : 0;
            mdmp_add_thread(c.w, (uint32_t)t->tid, t->teb, t->stack_limit, NULL, (uint32_t)len,
                            t->have_context ? ctx : NULL, t->have_context ? (uint32_t)sizeof ctx : 0);
        }
        st->threads = tl.n;
        mem_threadlist_free(&tl);
    }
    /* A VAD whose committed size exceeds what the machine could commit
     * (physical memory plus pagefile, with a wide margin) is damage, not
     * memory: only pages its page tables name are taken from it, so a
     * garbage EndingVpn cannot turn into terabytes of invented zeros. */
    uint64_t commit_limit = 4 * (k->img->present + k->img->pagefile_size) + (1ull << 30);
    /* Metadata goes ahead of the memory data (the writer's rule), so the
     * memory-info list is written first and a counting pass sizes the
     * Memory64 descriptor list. */
    /* Overlapping VADs (damage) are clipped so memory stays in address
     * order, as the minidump format requires. */
    size_t runs = 0;
    uint64_t done_to = 0;
    /* No process holds more distinct pages than memory plus pagefile could;
     * page tables that map everything (damage, or hostile) stop here. */
    c.page_budget = 2 * (commit_limit / MEM_PAGE);
    for (size_t i = 0; i < vads.n; i++) {
        const mem_vad *v = &vads.v[i];
        if (v->end <= v->start || v->end > 0x800000000000ull || v->end <= done_to) continue;
        uint32_t type, state = vad_state_type(v, &type);
        uint32_t prot = mem_protection_win32(v->protection);
        mdmp_add_memory_info(c.w, v->start, v->start, prot, v->end - v->start, state, state == MDMP_MEM_COMMIT ? prot : 0, type);
        scan_vad(&c, v, v->start > done_to ? v->start : done_to, v->end - v->start > commit_limit, 0, &runs);
        done_to = v->end;
    }
    mdmp_writer_reserve_ranges(c.w, runs + 16);
    c.page_budget = 2 * (commit_limit / MEM_PAGE);
    /* pages may be shared between mappings, but not beyond reason */
    c.write_cap = 2 * (k->img->present + k->img->pagefile_size) + (64ull << 20);
    done_to = 0;
    for (size_t i = 0; i < vads.n && !c.err; i++) {
        const mem_vad *v = &vads.v[i];
        if (v->end <= v->start || v->end > 0x800000000000ull || v->end <= done_to) continue;
        st->regions++;
        int damaged = v->end - v->start > commit_limit || v->start < done_to;
        if (damaged) st->damaged_vads++;
        scan_vad(&c, v, v->start > done_to ? v->start : done_to, v->end - v->start > commit_limit, 1, NULL);
        done_to = v->end;
    }
    retire_direct(&c);
    flush_stage(&c);
    st->over_budget = c.over_budget;
    kn_buf acct = KN_BUF_INIT;
    account_text(p, st, &acct);
    mdmp_add_comment(c.w, acct.data);
    kn_status ws = mdmp_writer_close(c.w, c.err ? NULL : e);
    if (!c.err && ws) c.err = ws;
    if (!c.err && o->pe_dir) {
        mkdir(o->pe_dir, 0777);
        for (size_t i = 0; i < mods.n; i++) {
            char path[4096];
            char nm[260];
            snprintf(nm, sizeof nm, "%s", base_name(mods.v[i].name));
            for (char *q = nm; *q; q++) if (*q == '/' || *q == ':') *q = '_';
            snprintf(path, sizeof path, "%s/%016llx-%s", o->pe_dir, (unsigned long long)mods.v[i].base, nm[0] ? nm : "module");
            uint64_t missing = 0;
            kn_err pe_e;
            vad_reader vr = {&c, &vads};
            if (pe_rebuild_with(vad_page_reader, &vr, mods.v[i].base, path, &missing, &pe_e) != KN_OK) { kn_err_print(&pe_e); st->pe_failed++; continue; }
            st->pe_files++;
            st->pe_missing_pages += missing;
        }
    }
    if (!c.err) {
        char side[4096];
        if (o->sidecar) snprintf(side, sizeof side, "%s", o->sidecar);
        else snprintf(side, sizeof side, "%s.json", o->out_path);
        c.err = write_sidecar(side, k, p, st, c.holes, c.nholes, &mods, o->out_path, e);
    }
    kn_buf_free(&acct);
    free(c.holes);
    free(c.stage);
    mem_vadlist_free(&vads);
    mem_modlist_free(&mods);
    return c.err;
}

/* ---- PE rebuild ------------------------------------------------------------------- */
static uint32_t r32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t r16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static int as_reader(void *ctx, uint64_t va, uint8_t *page) { return mem_vread(ctx, va, page, MEM_PAGE) == MEM_PAGE; }

kn_status mem_pe_rebuild(const mem_as *as, uint64_t base, const char *path, uint64_t *missing_pages, kn_err *e)
{
    return pe_rebuild_with(as_reader, (void *)as, base, path, missing_pages, e);
}

static kn_status pe_rebuild_with(page_reader rd, void *ctx, uint64_t base, const char *path, uint64_t *missing_pages, kn_err *e)
{
    uint8_t hdr[MEM_PAGE];
    *missing_pages = 0;
    if (!rd(ctx, base, hdr) || hdr[0] != 'M' || hdr[1] != 'Z')
        return kn_err_set(e, KN_ERR_NOTFOUND, path, KN_NO_OFFSET, "no readable PE header at 0x%llx", (unsigned long long)base);
    uint32_t lf = r32(hdr + 0x3c);
    if (lf > MEM_PAGE - 0x108 || memcmp(hdr + lf, "PE\0\0", 4))
        return kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "bad PE header at 0x%llx", (unsigned long long)base);
    uint16_t nsec = r16(hdr + lf + 6), optsz = r16(hdr + lf + 20);
    uint32_t opt = lf + 24, secs = opt + optsz;
    uint16_t magic = r16(hdr + opt);
    uint32_t size = r32(hdr + opt + 56);
    if (size == 0 || size > (1u << 30) || (secs + 40ull * nsec) > MEM_PAGE)
        return kn_err_set(e, KN_ERR_FORMAT, path, KN_NO_OFFSET, "implausible PE at 0x%llx (SizeOfImage %u, %u sections)",
                          (unsigned long long)base, size, nsec);
    FILE *f = fopen(path, "wb");
    if (!f) return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "cannot create: %s", strerror(errno));
    uint32_t salign = r32(hdr + opt + 32);
    /* headers: image base, file alignment = section alignment, raw = virtual */
    if (magic == 0x20b) memcpy(hdr + opt + 24, &base, 8);
    else if (magic == 0x10b) { uint32_t b32 = (uint32_t)base; memcpy(hdr + opt + 28, &b32, 4); }
    memcpy(hdr + opt + 36, &salign, 4);
    /* the COFF symbol table is not mapped, so it is not in the rebuilt file */
    memset(hdr + lf + 12, 0, 8);
    for (uint16_t i = 0; i < nsec; i++) {
        uint8_t *s = hdr + secs + 40u * i;
        uint32_t vsize = r32(s + 8), rva = r32(s + 12);
        uint32_t rsize = vsize;
        if (salign && rsize % salign) rsize += salign - rsize % salign;
        if ((uint64_t)rva + rsize > size) rsize = rva < size ? size - rva : 0;
        memcpy(s + 16, &rsize, 4);
        memcpy(s + 20, &rva, 4);
        if (s[0] == '/') {
            /* "/N" names index the COFF string table, which is never
             * mapped: give the section a name that stands on its own. */
            char nm[16];
            snprintf(nm, sizeof nm, ".sec%u", (unsigned)(i % 1000));
            memset(s, 0, 8);
            memcpy(s, nm, strlen(nm));
        }
    }
    fwrite(hdr, 1, MEM_PAGE, f);
    uint8_t page[MEM_PAGE];
    for (uint64_t off = MEM_PAGE; off < size; off += MEM_PAGE) {
        size_t n = size - off < MEM_PAGE ? (size_t)(size - off) : MEM_PAGE;
        if (!rd(ctx, base + off, page)) { memset(page, 0, n); (*missing_pages)++; }
        fwrite(page, 1, n, f);
    }
    if (fclose(f) != 0) return kn_err_set(e, KN_ERR_IO, path, KN_NO_OFFSET, "write failed");
    return KN_OK;
}
