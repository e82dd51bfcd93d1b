/* minidump.c: Windows minidump reader and streaming writer (see minidump.h).
 *
 * Format facts: the SDK's minidumpapiset.h (structure layouts are packed
 * to 4 bytes; MINIDUMP_MODULE is 108 bytes, MINIDUMP_THREAD 48,
 * MINIDUMP_MEMORY_INFO 48). Hand-written because Debian has no C minidump
 * library (Breakpad's is C++ and not packaged as a library), and both
 * directions must stay bounded on hostile input and streaming on output. */
#include "core/minidump.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"

/* ---- little-endian helpers ---------------------------------------------- */
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }
static void wr64(uint8_t *p, uint64_t v) { for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i)); }

#define MAX_WARN_TEXT 16
#define MAX_STRING_BYTES (64u * 1024)   /* longest MINIDUMP_STRING we decode */
#define MAX_COMMENT_BYTES (1u << 20)

struct mdmp_file {
    const uint8_t *data;
    size_t size;
    char name[256];
    kn_arena arena;
    uint32_t version, timestamp;
    uint64_t flags;
    mdmp_stream *streams;
    size_t nstreams;
    mdmp_system_info sys;
    int has_sys;
    mdmp_module *mods;
    size_t nmods;
    mdmp_thread *threads;
    size_t nthreads;
    mdmp_range *ranges;
    uint64_t *max_end;   /* max_end[i] = max(range[0..i].va + size) */
    size_t nranges, cap_ranges;
    uint64_t memory_bytes;
    mdmp_meminfo *mi;
    size_t nmi;
    mdmp_exception exc;
    int has_exc;
    char *comment;
    uint32_t pid;
    uint64_t nwarn;
    char *warn_text[MAX_WARN_TEXT];
};

static void warnf(mdmp_file *f, uint64_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void warnf(mdmp_file *f, uint64_t off, const char *fmt, ...)
{
    if (f->nwarn < MAX_WARN_TEXT) {
        char msg[200];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        char line[240];
        snprintf(line, sizeof line, "offset %llu: %s", (unsigned long long)off, msg);
        f->warn_text[f->nwarn] = kn_arena_strdup(&f->arena, line);
    }
    f->nwarn++;
}

/* Bytes available in the file at [off, off+want), clipped; 0 if off is past the end. */
static uint64_t avail_at(const mdmp_file *f, uint64_t off, uint64_t want)
{
    if (off >= f->size) return 0;
    uint64_t left = f->size - off;
    return want < left ? want : left;
}

/* Appends the UTF-8 encoding of UTF-16LE text to b; unpaired surrogates
 * become U+FFFD so no input is silently dropped. */
static void utf16_to_utf8(kn_buf *b, const uint8_t *p, size_t nbytes)
{
    size_t n = nbytes / 2;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = rd16(p + 2 * i);
        if (c >= 0xd800 && c < 0xdc00 && i + 1 < n) {
            uint32_t d = rd16(p + 2 * (i + 1));
            if (d >= 0xdc00 && d < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
                i++;
            } else c = 0xfffd;
        } else if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
        char u[4];
        size_t k;
        if (c < 0x80) { u[0] = (char)c; k = 1; }
        else if (c < 0x800) { u[0] = (char)(0xc0 | c >> 6); u[1] = (char)(0x80 | (c & 0x3f)); k = 2; }
        else if (c < 0x10000) { u[0] = (char)(0xe0 | c >> 12); u[1] = (char)(0x80 | ((c >> 6) & 0x3f)); u[2] = (char)(0x80 | (c & 0x3f)); k = 3; }
        else { u[0] = (char)(0xf0 | c >> 18); u[1] = (char)(0x80 | ((c >> 12) & 0x3f)); u[2] = (char)(0x80 | ((c >> 6) & 0x3f)); u[3] = (char)(0x80 | (c & 0x3f)); k = 4; }
        kn_buf_append(b, u, k);
    }
}

/* Reads a MINIDUMP_STRING (u32 byte length, UTF-16LE) at rva as UTF-8.
 * Returns "" (and warns) when it lies outside the file. */
static const char *read_string(mdmp_file *f, uint64_t rva, const char *what)
{
    if (avail_at(f, rva, 4) < 4) {
        warnf(f, rva, "%s name string outside the file", what);
        return "";
    }
    uint32_t len = rd32(f->data + rva);
    uint64_t want = len > MAX_STRING_BYTES ? MAX_STRING_BYTES : len;
    uint64_t have = avail_at(f, rva + 4, want);
    if (have < len) warnf(f, rva, "%s name string cut short (%u bytes claimed, %llu decoded)", what, len, (unsigned long long)have);
    kn_buf b = KN_BUF_INIT;
    utf16_to_utf8(&b, f->data + rva + 4, (size_t)have);
    const char *s = kn_arena_strndup(&f->arena, b.data ? b.data : "", b.len);
    kn_buf_free(&b);
    return s ? s : "";
}

static int add_range(mdmp_file *f, uint64_t va, uint64_t size, uint64_t off, int m64)
{
    if (size == 0) return 0;
    if (va + size < va) size = UINT64_MAX - va;   /* wraps: clip at the top of the address space */
    if (f->nranges == f->cap_ranges) {
        size_t nc = f->cap_ranges ? f->cap_ranges * 2 : 64;
        mdmp_range *r = realloc(f->ranges, nc * sizeof *r);
        if (!r) return -1;
        f->ranges = r;
        f->cap_ranges = nc;
    }
    f->ranges[f->nranges++] = (mdmp_range){va, size, off, m64};
    f->memory_bytes += size;
    return 0;
}

/* Stream payload: data pointer and the stream size clipped to the file. */
static const uint8_t *stream_data(mdmp_file *f, const mdmp_stream *s, uint64_t *n)
{
    *n = avail_at(f, s->rva, s->size);
    if (*n < s->size)
        warnf(f, s->rva, "stream type %u claims %u bytes, file holds %llu", s->type, s->size, (unsigned long long)*n);
    return f->data + s->rva;
}

/* Clips a table's entry count to what its stream holds. */
static uint64_t clip_count(mdmp_file *f, const mdmp_stream *s, uint64_t count, uint64_t hdr, uint64_t esize, uint64_t n, const char *what)
{
    uint64_t fit = n >= hdr ? (n - hdr) / esize : 0;
    if (count > fit) {
        warnf(f, s->rva, "%s claims %llu entries, stream holds %llu", what, (unsigned long long)count, (unsigned long long)fit);
        count = fit;
    }
    return count;
}

static kn_status parse_modules(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 4) { warnf(f, s->rva, "module list too short"); return KN_OK; }
    uint64_t count = clip_count(f, s, rd32(p), 4, 108, n, "module list");
    f->mods = kn_arena_zalloc(&f->arena, (count ? count : 1) * sizeof *f->mods);
    if (!f->mods) return KN_ERR_NOMEM;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *m = p + 4 + i * 108;
        mdmp_module *mod = &f->mods[f->nmods++];
        mod->base = rd64(m);
        mod->size = rd32(m + 8);
        mod->checksum = rd32(m + 12);
        mod->timestamp = rd32(m + 16);
        mod->name = read_string(f, rd32(m + 20), "module");
    }
    return KN_OK;
}

static kn_status parse_threads(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 4) { warnf(f, s->rva, "thread list too short"); return KN_OK; }
    uint64_t count = clip_count(f, s, rd32(p), 4, 48, n, "thread list");
    f->threads = kn_arena_zalloc(&f->arena, (count ? count : 1) * sizeof *f->threads);
    if (!f->threads) return KN_ERR_NOMEM;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *t = p + 4 + i * 48;
        mdmp_thread *th = &f->threads[f->nthreads++];
        th->tid = rd32(t);
        th->suspend_count = rd32(t + 4);
        th->priority_class = rd32(t + 8);
        th->priority = rd32(t + 12);
        th->teb = rd64(t + 16);
        th->stack_start = rd64(t + 24);
        th->stack_size = rd32(t + 32);
        uint32_t ctx_size = rd32(t + 40), ctx_rva = rd32(t + 44);
        if (ctx_size && avail_at(f, ctx_rva, ctx_size) == ctx_size) {
            th->context = f->data + ctx_rva;
            th->context_size = ctx_size;
        } else if (ctx_size) {
            warnf(f, ctx_rva, "context of thread %u outside the file", th->tid);
        }
    }
    return KN_OK;
}

static kn_status parse_memory_list(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 4) { warnf(f, s->rva, "memory list too short"); return KN_OK; }
    uint64_t count = clip_count(f, s, rd32(p), 4, 16, n, "memory list");
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *d = p + 4 + i * 16;
        uint64_t va = rd64(d);
        uint32_t size = rd32(d + 8), rva = rd32(d + 12);
        uint64_t have = avail_at(f, rva, size);
        if (have < size) warnf(f, rva, "memory range 0x%llx: %u bytes claimed, file holds %llu", (unsigned long long)va, size, (unsigned long long)have);
        if (add_range(f, va, have, rva, 0) < 0) return KN_ERR_NOMEM;
    }
    return KN_OK;
}

static kn_status parse_memory64_list(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 16) { warnf(f, s->rva, "memory64 list too short"); return KN_OK; }
    uint64_t count = clip_count(f, s, rd64(p), 16, 16, n, "memory64 list");
    uint64_t off = rd64(p + 8);
    int cut = 0;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *d = p + 16 + i * 16;
        uint64_t va = rd64(d), size = rd64(d + 8);
        uint64_t have = avail_at(f, off, size);
        if (have < size && !cut) {
            warnf(f, off, "memory64 range 0x%llx and later: data beyond the end of the file (dump truncated)", (unsigned long long)va);
            cut = 1;
        }
        if (add_range(f, va, have, off, 1) < 0) return KN_ERR_NOMEM;
        if (off + size < off) break;
        off += size;
    }
    return KN_OK;
}

static kn_status parse_meminfo(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 16) { warnf(f, s->rva, "memory info list too short"); return KN_OK; }
    uint32_t hdr = rd32(p), esize = rd32(p + 4);
    if (hdr < 16 || esize < 48) { warnf(f, s->rva, "memory info list: header %u / entry %u bytes too small", hdr, esize); return KN_OK; }
    uint64_t count = clip_count(f, s, rd64(p + 8), hdr, esize, n, "memory info list");
    f->mi = kn_arena_zalloc(&f->arena, (count ? count : 1) * sizeof *f->mi);
    if (!f->mi) return KN_ERR_NOMEM;
    for (uint64_t i = 0; i < count; i++) {
        const uint8_t *m = p + hdr + i * esize;
        mdmp_meminfo *x = &f->mi[f->nmi++];
        x->base = rd64(m);
        x->alloc_base = rd64(m + 8);
        x->alloc_protect = rd32(m + 16);
        x->size = rd64(m + 24);
        x->state = rd32(m + 32);
        x->protect = rd32(m + 36);
        x->type = rd32(m + 40);
    }
    return KN_OK;
}

static void parse_sysinfo(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 32) { warnf(f, s->rva, "system info too short"); return; }
    mdmp_system_info *si = &f->sys;
    si->arch = rd16(p);
    si->level = rd16(p + 2);
    si->revision = rd16(p + 4);
    si->nprocs = p[6];
    si->product_type = p[7];
    si->major = rd32(p + 8);
    si->minor = rd32(p + 12);
    si->build = rd32(p + 16);
    si->platform = rd32(p + 20);
    uint32_t csd = rd32(p + 24);
    si->suite_mask = rd16(p + 28);
    if (csd) snprintf(si->csd_version, sizeof si->csd_version, "%s", read_string(f, csd, "service pack"));
    f->has_sys = 1;
}

static void parse_exception(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 8 + 32) { warnf(f, s->rva, "exception stream too short"); return; }
    mdmp_exception *x = &f->exc;
    x->tid = rd32(p);
    x->code = rd32(p + 8);
    x->flags = rd32(p + 12);
    x->record = rd64(p + 16);
    x->address = rd64(p + 24);
    x->nparams = rd32(p + 32);
    unsigned np = x->nparams > 15 ? 15 : x->nparams;
    for (unsigned i = 0; i < np && 40 + 8 * (uint64_t)(i + 1) <= n; i++) x->params[i] = rd64(p + 40 + 8 * i);
    f->has_exc = 1;
}

static void parse_comment(mdmp_file *f, const mdmp_stream *s, int wide)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    size_t have = f->comment ? strlen(f->comment) : 0;
    if (have >= MAX_COMMENT_BYTES) { warnf(f, s->rva, "comment text beyond %u bytes ignored", MAX_COMMENT_BYTES); return; }
    if (n > MAX_COMMENT_BYTES - have) n = MAX_COMMENT_BYTES - have;
    kn_buf b = KN_BUF_INIT;
    if (f->comment) { kn_buf_puts(&b, f->comment); kn_buf_putc(&b, '\n'); }
    if (wide) utf16_to_utf8(&b, p, (size_t)n);
    else kn_buf_append(&b, p, (size_t)n);
    while (b.len && b.data[b.len - 1] == 0) b.len--;   /* drop the terminator(s) */
    f->comment = kn_arena_strndup(&f->arena, b.data ? b.data : "", b.len);
    kn_buf_free(&b);
}

typedef struct tid_index { uint32_t tid; size_t k; } tid_index;
static int tid_cmp(const void *a, const void *b)
{
    uint32_t x = ((const tid_index *)a)->tid, y = ((const tid_index *)b)->tid;
    return x < y ? -1 : x > y;
}

static void parse_thread_names(mdmp_file *f, const mdmp_stream *s)
{
    uint64_t n;
    const uint8_t *p = stream_data(f, s, &n);
    if (n < 4) { warnf(f, s->rva, "thread names too short"); return; }
    uint64_t count = clip_count(f, s, rd32(p), 4, 12, n, "thread names");
    if (!f->nthreads) return;
    /* Threads sorted by tid (an index), so names attach in O(n log n). */
    tid_index *idx = malloc(f->nthreads * sizeof *idx);
    if (!idx) return;
    for (size_t k = 0; k < f->nthreads; k++) idx[k] = (tid_index){f->threads[k].tid, k};
    qsort(idx, f->nthreads, sizeof *idx, tid_cmp);
    for (uint64_t i = 0; i < count; i++) {
        uint32_t tid = rd32(p + 4 + i * 12);
        uint64_t rva = rd64(p + 8 + i * 12);
        size_t lo = 0, hi = f->nthreads;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (idx[mid].tid < tid) lo = mid + 1;
            else hi = mid;
        }
        if (lo < f->nthreads && idx[lo].tid == tid && !f->threads[idx[lo].k].name)
            f->threads[idx[lo].k].name = read_string(f, rva, "thread");
    }
    free(idx);
}

static int range_cmp(const void *a, const void *b)
{
    const mdmp_range *x = a, *y = b;
    if (x->va != y->va) return x->va < y->va ? -1 : 1;
    return x->from_memory64 - y->from_memory64;
}

kn_status mdmp_open(mdmp_file **out, const uint8_t *data, size_t size, const char *name, kn_err *e)
{
    *out = NULL;
    if (!name) name = "(minidump)";
    if (size < 32) return kn_err_set(e, KN_ERR_TRUNCATED, name, 0, "minidump header needs 32 bytes, file has %zu", size);
    if (rd32(data) != MDMP_SIGNATURE) return kn_err_set(e, KN_ERR_FORMAT, name, 0, "not a minidump (no MDMP signature)");
    if ((rd32(data + 4) & 0xffff) != MDMP_VERSION)
        return kn_err_set(e, KN_ERR_FORMAT, name, 4, "minidump version 0x%x is not 0xa793", rd32(data + 4) & 0xffff);
    mdmp_file *f = calloc(1, sizeof *f);
    if (!f) return kn_err_set(e, KN_ERR_NOMEM, name, KN_NO_OFFSET, "out of memory");
    f->data = data;
    f->size = size;
    snprintf(f->name, sizeof f->name, "%s", name);
    kn_arena_init(&f->arena, 0, 0);
    f->version = rd32(data + 4);
    uint32_t nstreams = rd32(data + 8), dir = rd32(data + 12);
    f->timestamp = rd32(data + 20);
    f->flags = rd64(data + 24);
    uint64_t fit = dir < size ? (size - dir) / 12 : 0;
    if (nstreams > fit) {
        if (fit == 0 && nstreams) {
            mdmp_close(f);
            return kn_err_set(e, KN_ERR_TRUNCATED, name, 12, "stream directory at %u lies outside the file", dir);
        }
        warnf(f, dir, "directory claims %u streams, file holds %llu", nstreams, (unsigned long long)fit);
        nstreams = (uint32_t)fit;
    }
    f->streams = kn_arena_zalloc(&f->arena, (nstreams ? nstreams : 1) * sizeof *f->streams);
    if (!f->streams) { mdmp_close(f); return kn_err_set(e, KN_ERR_NOMEM, name, KN_NO_OFFSET, "out of memory"); }
    f->nstreams = nstreams;
    for (uint32_t i = 0; i < nstreams; i++) {
        const uint8_t *d = data + dir + 12 * (uint64_t)i;
        f->streams[i] = (mdmp_stream){rd32(d), rd32(d + 4), rd32(d + 8)};
    }
    /* Thread names refer to threads: parse the thread list first. */
    /* Each list stream is parsed once: a directory repeating a stream would
     * otherwise multiply the work (hostile input stays linear). */
    int seen_threads = 0, seen_mods = 0, seen_mi = 0, seen_ml = 0, seen_m64 = 0, seen_names = 0;
    kn_status st = KN_OK;
    for (uint32_t pass = 0; pass < 2 && st == KN_OK; pass++) {
        for (uint32_t i = 0; i < nstreams && st == KN_OK; i++) {
            const mdmp_stream *s = &f->streams[i];
            int is_thread = s->type == MDMP_STREAM_THREAD_LIST;
            if ((pass == 0) != is_thread) continue;
            if (s->type != MDMP_STREAM_UNUSED && s->size && avail_at(f, s->rva, 1) == 0) {
                warnf(f, dir + 12 * (uint64_t)i, "stream type %u at %u lies outside the file", s->type, s->rva);
                continue;
            }
            switch (s->type) {
            case MDMP_STREAM_THREAD_LIST:
                if (seen_threads++) { warnf(f, s->rva, "second thread list ignored"); break; }
                st = parse_threads(f, s);
                break;
            case MDMP_STREAM_MODULE_LIST:
                if (seen_mods++) { warnf(f, s->rva, "second module list ignored"); break; }
                st = parse_modules(f, s);
                break;
            case MDMP_STREAM_MEMORY_LIST:
                if (seen_ml++) { warnf(f, s->rva, "second memory list ignored"); break; }
                st = parse_memory_list(f, s);
                break;
            case MDMP_STREAM_MEMORY64_LIST:
                if (seen_m64++) { warnf(f, s->rva, "second memory64 list ignored"); break; }
                st = parse_memory64_list(f, s);
                break;
            case MDMP_STREAM_MEMORY_INFO_LIST:
                if (seen_mi++) { warnf(f, s->rva, "second memory info list ignored"); break; }
                st = parse_meminfo(f, s);
                break;
            case MDMP_STREAM_SYSTEM_INFO:
                if (f->has_sys) { warnf(f, s->rva, "second system info ignored"); break; }
                parse_sysinfo(f, s);
                break;
            case MDMP_STREAM_EXCEPTION:
                if (!f->has_exc) parse_exception(f, s);
                break;
            case MDMP_STREAM_COMMENT_A: parse_comment(f, s, 0); break;
            case MDMP_STREAM_COMMENT_W: parse_comment(f, s, 1); break;
            case MDMP_STREAM_THREAD_NAMES:
                if (seen_names++) { warnf(f, s->rva, "second thread names stream ignored"); break; }
                parse_thread_names(f, s);
                break;
            case MDMP_STREAM_MISC_INFO: {
                uint64_t n;
                const uint8_t *p = stream_data(f, s, &n);
                if (n >= 12 && (rd32(p + 4) & 1)) f->pid = rd32(p + 8);   /* Flags1 & MINIDUMP_MISC1_PROCESS_ID */
                break;
            }
            default: break;
            }
        }
    }
    if (st != KN_OK) { mdmp_close(f); return kn_err_set(e, st, name, KN_NO_OFFSET, "out of memory"); }
    if (f->nranges) {
        qsort(f->ranges, f->nranges, sizeof *f->ranges, range_cmp);
        f->max_end = malloc(f->nranges * sizeof *f->max_end);
        if (!f->max_end) { mdmp_close(f); return kn_err_set(e, KN_ERR_NOMEM, name, KN_NO_OFFSET, "out of memory"); }
        uint64_t m = 0;
        for (size_t i = 0; i < f->nranges; i++) {
            uint64_t end = f->ranges[i].va + f->ranges[i].size;
            if (end > m) m = end;
            f->max_end[i] = m;
        }
    }
    *out = f;
    return KN_OK;
}

void mdmp_close(mdmp_file *f)
{
    if (!f) return;
    kn_arena_free(&f->arena);
    free(f->ranges);
    free(f->max_end);
    free(f);
}

uint64_t mdmp_warning_count(const mdmp_file *f) { return f->nwarn; }
const char *mdmp_warning_text(const mdmp_file *f, size_t i) { return i < f->nwarn && i < MAX_WARN_TEXT ? f->warn_text[i] : NULL; }
uint32_t mdmp_version(const mdmp_file *f) { return f->version; }
uint32_t mdmp_timestamp(const mdmp_file *f) { return f->timestamp; }
uint64_t mdmp_flags(const mdmp_file *f) { return f->flags; }
size_t mdmp_stream_count(const mdmp_file *f) { return f->nstreams; }
const mdmp_stream *mdmp_stream_at(const mdmp_file *f, size_t i) { return i < f->nstreams ? &f->streams[i] : NULL; }

const char *mdmp_stream_name(uint32_t type)
{
    static const char *const names[] = {
        "Unused", "Reserved0", "Reserved1", "ThreadList", "ModuleList", "MemoryList",
        "Exception", "SystemInfo", "ThreadExList", "Memory64List", "CommentA", "CommentW",
        "HandleData", "FunctionTable", "UnloadedModuleList", "MiscInfo", "MemoryInfoList",
        "ThreadInfoList", "HandleOperationList", "Token", "JavaScriptData", "SystemMemoryInfo",
        "ProcessVmCounters", "IptTrace", "ThreadNames",
    };
    if (type < sizeof names / sizeof names[0]) return names[type];
    switch (type) {
    case 0x47670001: return "BreakpadInfo";
    case 0x47670002: return "AssertionInfo";
    case 0x47670003: return "LinuxCpuInfo";
    case 0x47670004: return "LinuxProcStatus";
    case 0x47670005: return "LinuxLsbRelease";
    case 0x47670006: return "LinuxCmdLine";
    case 0x47670007: return "LinuxEnviron";
    case 0x47670008: return "LinuxAuxv";
    case 0x47670009: return "LinuxMaps";
    case 0x4767000a: return "LinuxDsoDebug";
    default: return NULL;
    }
}

const mdmp_system_info *mdmp_system(const mdmp_file *f) { return f->has_sys ? &f->sys : NULL; }
unsigned mdmp_pointer_size(const mdmp_file *f)
{
    if (f->has_sys && (f->sys.arch == MDMP_ARCH_X86 || f->sys.arch == MDMP_ARCH_ARM)) return 4;
    return 8;
}
size_t mdmp_module_count(const mdmp_file *f) { return f->nmods; }
const mdmp_module *mdmp_module_at(const mdmp_file *f, size_t i) { return i < f->nmods ? &f->mods[i] : NULL; }
const mdmp_module *mdmp_module_for(const mdmp_file *f, uint64_t va)
{
    for (size_t i = 0; i < f->nmods; i++)
        if (va >= f->mods[i].base && va - f->mods[i].base < f->mods[i].size) return &f->mods[i];
    return NULL;
}
size_t mdmp_thread_count(const mdmp_file *f) { return f->nthreads; }
const mdmp_thread *mdmp_thread_at(const mdmp_file *f, size_t i) { return i < f->nthreads ? &f->threads[i] : NULL; }
size_t mdmp_range_count(const mdmp_file *f) { return f->nranges; }
const mdmp_range *mdmp_range_at(const mdmp_file *f, size_t i) { return i < f->nranges ? &f->ranges[i] : NULL; }
uint64_t mdmp_memory_bytes(const mdmp_file *f) { return f->memory_bytes; }
size_t mdmp_meminfo_count(const mdmp_file *f) { return f->nmi; }
const mdmp_meminfo *mdmp_meminfo_at(const mdmp_file *f, size_t i) { return i < f->nmi ? &f->mi[i] : NULL; }
const mdmp_exception *mdmp_exception_info(const mdmp_file *f) { return f->has_exc ? &f->exc : NULL; }
const char *mdmp_comment(const mdmp_file *f) { return f->comment; }
uint32_t mdmp_process_id(const mdmp_file *f) { return f->pid; }

const uint8_t *mdmp_ptr(const mdmp_file *f, uint64_t va, size_t *avail)
{
    *avail = 0;
    if (!f->nranges) return NULL;
    /* Last range starting at or before va. */
    size_t lo = 0, hi = f->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->ranges[mid].va <= va) lo = mid + 1;
        else hi = mid;
    }
    /* Overlapping ranges (a stack in both lists) are rare; walk back while
     * an earlier range could still reach va. */
    for (size_t i = lo; i-- > 0 && f->max_end[i] > va;) {
        const mdmp_range *r = &f->ranges[i];
        if (va >= r->va && va - r->va < r->size) {
            uint64_t left = r->size - (va - r->va);
            *avail = left > SIZE_MAX ? SIZE_MAX : (size_t)left;
            return f->data + r->file_offset + (va - r->va);
        }
    }
    return NULL;
}

size_t mdmp_read(const mdmp_file *f, uint64_t va, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        size_t avail;
        const uint8_t *p = mdmp_ptr(f, va + done, &avail);
        if (!p) break;
        size_t k = avail < n - done ? avail : n - done;
        memcpy((uint8_t *)buf + done, p, k);
        done += k;
        if (va + done < va) break;   /* wrapped */
    }
    return done;
}

/* ---- writer --------------------------------------------------------------- */
#define DIR_SLOTS 12
#define HEADER_AND_DIR (32 + DIR_SLOTS * 12)
#define MAX_RVA 0xffffffffull

typedef struct w_mem { uint64_t va, size, off; } w_mem;
typedef struct w_module { uint64_t base; uint32_t size, ts, cs; char *name; } w_module;
typedef struct w_thread {
    uint32_t tid;
    uint64_t teb, stack_start;
    uint32_t stack_len;
    uint8_t *stack, *ctx;
    uint32_t ctx_len;
    uint64_t record_off;   /* where its MINIDUMP_THREAD was written */
} w_thread;

struct mdmp_writer {
    FILE *fp;
    char path[512];
    uint64_t off;              /* current end of file */
    kn_status err;
    char errmsg[256];
    mdmp_system_info si;
    int has_si;
    uint64_t flags;
    uint32_t timestamp;
    uint32_t pid;
    w_mem *mem;
    size_t nmem, cap_mem;
    uint64_t mem_base;         /* file offset of the first memory byte; 0 until known */
    w_module *mods;
    size_t nmods, cap_mods;
    w_thread *threads;
    size_t nthreads, cap_threads;
    uint8_t *mi;               /* packed MINIDUMP_MEMORY_INFO entries */
    size_t nmi, cap_mi;
    kn_buf comment;
    int meta_written;          /* the metadata block went out (first memory call) */
    mdmp_stream dir[DIR_SLOTS];
    size_t ndir;
    uint64_t m64_reserved_off; /* reserved Memory64List slot */
    size_t m64_reserved_n;
    size_t range_hint;
    /* planned (streamed) mode, see mdmp_writer_plan */
    int planned;
    uint64_t *plan_va, *plan_size;
    size_t nplan, plan_i;
    uint64_t plan_pos;         /* bytes done in range plan_i */
    uint64_t comment_cap, comment_rva;
    int mem_mode;              /* w_write appends to mbuf (metadata being laid out) */
    kn_buf mbuf;
};

static void w_fail(mdmp_writer *w, kn_status st, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void w_fail(mdmp_writer *w, kn_status st, const char *fmt, ...)
{
    if (w->err != KN_OK) return;
    w->err = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->errmsg, sizeof w->errmsg, fmt, ap);
    va_end(ap);
}

static void w_write(mdmp_writer *w, const void *p, size_t n)
{
    if (w->err != KN_OK || n == 0) return;
    if (w->mem_mode) {
        kn_buf_append(&w->mbuf, p, n);
        w->off += n;
        return;
    }
    if (fwrite(p, 1, n, w->fp) != n) {
        w_fail(w, errno == EACCES ? KN_ERR_PERM : KN_ERR_IO, "write failed at offset %llu: %s",
               (unsigned long long)w->off, strerror(errno));
        return;
    }
    w->off += n;
}

static void w_pwrite(mdmp_writer *w, uint64_t at, const void *p, size_t n)
{
    if (w->err != KN_OK) return;
    if (fseeko(w->fp, (off_t)at, SEEK_SET) != 0 || fwrite(p, 1, n, w->fp) != n || fseeko(w->fp, (off_t)w->off, SEEK_SET) != 0)
        w_fail(w, KN_ERR_IO, "write failed at offset %llu: %s", (unsigned long long)at, strerror(errno));
}

static void w_pad4(mdmp_writer *w)
{
    static const uint8_t z[4];
    if (w->off & 3) w_write(w, z, 4 - (w->off & 3));
}

static void *grow(void *p, size_t *cap, size_t n, size_t esize)
{
    if (n < *cap) return p;
    size_t nc = *cap ? *cap * 2 : 16;
    void *q = realloc(p, nc * esize);
    if (!q) return NULL;
    *cap = nc;
    return q;
}

kn_status mdmp_writer_open(mdmp_writer **out, const char *path, kn_err *e)
{
    *out = NULL;
    mdmp_writer *w = calloc(1, sizeof *w);
    if (!w) return kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory");
    snprintf(w->path, sizeof w->path, "%s", path);
    w->fp = fopen(path, "wb");
    if (!w->fp) {
        int err = errno;
        free(w);
        return kn_err_set(e, err == EACCES || err == EPERM ? KN_ERR_PERM : KN_ERR_IO, path, KN_NO_OFFSET,
                          "cannot create: %s", strerror(err));
    }
    setvbuf(w->fp, NULL, _IOFBF, 1 << 20);
    w->flags = 0x2 | 0x800;   /* MiniDumpWithFullMemory | MiniDumpWithFullMemoryInfo */
    uint8_t zero[HEADER_AND_DIR] = {0};
    w_write(w, zero, sizeof zero);   /* header and directory, filled at close */
    *out = w;
    if (w->err != KN_OK) {
        kn_status st = kn_err_set(e, w->err, path, KN_NO_OFFSET, "%s", w->errmsg);
        mdmp_writer_abort(w);
        *out = NULL;
        return st;
    }
    return KN_OK;
}

void mdmp_set_system_info(mdmp_writer *w, const mdmp_system_info *si)
{
    if (w->meta_written) { w_fail(w, KN_ERR_USAGE, "system info set after memory was added"); return; }
    w->si = *si;
    w->has_si = 1;
}
void mdmp_set_flags(mdmp_writer *w, uint64_t flags) { w->flags = flags; }
void mdmp_set_timestamp(mdmp_writer *w, uint32_t t) { w->timestamp = t; }
void mdmp_set_process_id(mdmp_writer *w, uint32_t pid) { w->pid = pid; }

void mdmp_add_module(mdmp_writer *w, uint64_t base, uint32_t size, const char *name, uint32_t ts, uint32_t cs)
{
    if (w->meta_written) { w_fail(w, KN_ERR_USAGE, "module added after memory was added"); return; }
    w_module *m = grow(w->mods, &w->cap_mods, w->nmods, sizeof *m);
    char *nm = strdup(name ? name : "");
    if (!m || !nm) { free(nm); if (m) w->mods = m; w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
    w->mods = m;
    w->mods[w->nmods++] = (w_module){base, size, ts, cs, nm};
}

void mdmp_add_thread(mdmp_writer *w, uint32_t tid, uint64_t teb, uint64_t stack_start,
                     const void *stack, uint32_t stack_len, const void *context, uint32_t context_len)
{
    if (w->meta_written) { w_fail(w, KN_ERR_USAGE, "thread added after memory was added"); return; }
    w_thread *t = grow(w->threads, &w->cap_threads, w->nthreads, sizeof *t);
    if (!t) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
    w->threads = t;
    w_thread th = {tid, teb, stack_start, stack_len, NULL, NULL, 0, 0};
    if (stack && stack_len) {
        th.stack = malloc(stack_len);
        if (!th.stack) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
        memcpy(th.stack, stack, stack_len);
    }
    if (context && context_len) {
        th.ctx = malloc(context_len);
        if (!th.ctx) { free(th.stack); w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
        memcpy(th.ctx, context, context_len);
        th.ctx_len = context_len;
    }
    w->threads[w->nthreads++] = th;
}

void mdmp_add_memory_info(mdmp_writer *w, uint64_t base, uint64_t alloc_base, uint32_t alloc_protect,
                          uint64_t size, uint32_t state, uint32_t protect, uint32_t type)
{
    if (w->meta_written) { w_fail(w, KN_ERR_USAGE, "memory info added after memory was added"); return; }
    uint8_t *p = grow(w->mi, &w->cap_mi, w->nmi, 48);
    if (!p) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
    w->mi = p;
    uint8_t *m = w->mi + 48 * w->nmi++;
    memset(m, 0, 48);
    wr64(m, base);
    wr64(m + 8, alloc_base);
    wr32(m + 16, alloc_protect);
    wr64(m + 24, size);
    wr32(m + 32, state);
    wr32(m + 36, protect);
    wr32(m + 40, type);
}

void mdmp_add_comment(mdmp_writer *w, const char *utf8)
{
    /* The comment is written at close (it may describe the dump's outcome),
     * so it may be added at any time. */
    if (w->comment.len) kn_buf_putc(&w->comment, '\n');
    kn_buf_puts(&w->comment, utf8);
}

void mdmp_writer_reserve_ranges(mdmp_writer *w, size_t n) { w->range_hint = n; }

static void dir_add(mdmp_writer *w, uint32_t type, uint64_t size, uint64_t rva)
{
    assert(w->ndir < DIR_SLOTS);
    if (rva > MAX_RVA) { w_fail(w, KN_ERR_LIMIT, "stream type %u would start beyond 4 GiB", type); return; }
    w->dir[w->ndir++] = (mdmp_stream){type, (uint32_t)size, (uint32_t)rva};
}

/* UTF-8 to UTF-16LE; invalid bytes map to U+FFFD. */
static void utf8_to_utf16(kn_buf *b, const char *s)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        uint32_t c = p[i], need = 0;
        if (c < 0x80) need = 0;
        else if ((c & 0xe0) == 0xc0) { c &= 0x1f; need = 1; }
        else if ((c & 0xf0) == 0xe0) { c &= 0x0f; need = 2; }
        else if ((c & 0xf8) == 0xf0) { c &= 0x07; need = 3; }
        else { c = 0xfffd; need = 0; }
        size_t j = i + 1;
        for (uint32_t k = 0; k < need; k++, j++) {
            if (j >= n || (p[j] & 0xc0) != 0x80) { c = 0xfffd; break; }
            c = c << 6 | (p[j] & 0x3f);
        }
        i = j;
        uint8_t u[4];
        if (c >= 0x10000 && c < 0x110000) {
            c -= 0x10000;
            wr16(u, (uint16_t)(0xd800 + (c >> 10)));
            wr16(u + 2, (uint16_t)(0xdc00 + (c & 0x3ff)));
            kn_buf_append(b, u, 4);
        } else {
            wr16(u, (uint16_t)(c > 0xffff ? 0xfffd : c));
            kn_buf_append(b, u, 2);
        }
    }
}

/* Writes a MINIDUMP_STRING; returns its RVA. */
static uint64_t w_string(mdmp_writer *w, const char *s)
{
    w_pad4(w);
    uint64_t rva = w->off;
    kn_buf b = KN_BUF_INIT;
    utf8_to_utf16(&b, s);
    uint8_t len[4];
    wr32(len, (uint32_t)b.len);
    w_write(w, len, 4);
    w_write(w, b.data, b.len);
    w_write(w, "\0\0", 2);
    kn_buf_free(&b);
    return rva;
}

static void write_sysinfo(mdmp_writer *w)
{
    if (!w->has_si) return;
    uint64_t csd = w_string(w, w->si.csd_version);
    w_pad4(w);
    uint8_t s[56] = {0};
    wr16(s, w->si.arch);
    wr16(s + 2, w->si.level);
    wr16(s + 4, w->si.revision);
    s[6] = w->si.nprocs;
    s[7] = w->si.product_type;
    wr32(s + 8, w->si.major);
    wr32(s + 12, w->si.minor);
    wr32(s + 16, w->si.build);
    wr32(s + 20, w->si.platform);
    wr32(s + 24, (uint32_t)csd);
    wr16(s + 28, w->si.suite_mask);
    dir_add(w, MDMP_STREAM_SYSTEM_INFO, sizeof s, w->off);
    w_write(w, s, sizeof s);
}

static void write_modules(mdmp_writer *w)
{
    uint64_t *name_rva = calloc(w->nmods ? w->nmods : 1, sizeof *name_rva);
    if (!name_rva) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
    for (size_t i = 0; i < w->nmods; i++) name_rva[i] = w_string(w, w->mods[i].name);
    w_pad4(w);
    uint64_t size = 4 + 108 * (uint64_t)w->nmods;
    dir_add(w, MDMP_STREAM_MODULE_LIST, size, w->off);
    uint8_t cnt[4];
    wr32(cnt, (uint32_t)w->nmods);
    w_write(w, cnt, 4);
    for (size_t i = 0; i < w->nmods; i++) {
        uint8_t m[108] = {0};
        wr64(m, w->mods[i].base);
        wr32(m + 8, w->mods[i].size);
        wr32(m + 12, w->mods[i].cs);
        wr32(m + 16, w->mods[i].ts);
        wr32(m + 20, (uint32_t)name_rva[i]);
        wr32(m + 24, 0xfeef04bd);   /* VS_FIXEDFILEINFO signature, rest unknown */
        w_write(w, m, sizeof m);
    }
    free(name_rva);
}

/* Contexts and explicit stacks first, then the thread records (whose stack
 * RVAs for stack == NULL are patched at close). */
static void write_threads(mdmp_writer *w)
{
    uint64_t *ctx_rva = calloc(w->nthreads ? w->nthreads * 2 : 1, sizeof *ctx_rva);
    if (!ctx_rva) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return; }
    for (size_t i = 0; i < w->nthreads; i++) {
        w_pad4(w);
        /* CONTEXT records are 16-byte aligned in Windows dumps. */
        static const uint8_t z[16];
        if (w->off & 15) w_write(w, z, 16 - (w->off & 15));
        ctx_rva[2 * i] = w->off;
        w_write(w, w->threads[i].ctx, w->threads[i].ctx_len);
        if (w->threads[i].stack) {
            w_pad4(w);
            ctx_rva[2 * i + 1] = w->off;
            w_write(w, w->threads[i].stack, w->threads[i].stack_len);
        }
    }
    w_pad4(w);
    uint64_t size = 4 + 48 * (uint64_t)w->nthreads;
    dir_add(w, MDMP_STREAM_THREAD_LIST, size, w->off);
    uint8_t cnt[4];
    wr32(cnt, (uint32_t)w->nthreads);
    w_write(w, cnt, 4);
    for (size_t i = 0; i < w->nthreads; i++) {
        w_thread *t = &w->threads[i];
        uint8_t r[48] = {0};
        wr32(r, t->tid);
        wr64(r + 16, t->teb);
        wr64(r + 24, t->stack_start);
        if (t->stack) {
            wr32(r + 32, t->stack_len);
            wr32(r + 36, ctx_rva[2 * i + 1] > MAX_RVA ? 0 : (uint32_t)ctx_rva[2 * i + 1]);
        }
        wr32(r + 40, t->ctx_len);
        wr32(r + 44, ctx_rva[2 * i] > MAX_RVA ? 0 : (uint32_t)ctx_rva[2 * i]);
        t->record_off = w->off;
        w_write(w, r, sizeof r);
    }
    /* Explicit stacks also go in a MemoryList so readers find them by address. */
    size_t nst = 0;
    for (size_t i = 0; i < w->nthreads; i++) nst += w->threads[i].stack != NULL;
    if (nst) {
        dir_add(w, MDMP_STREAM_MEMORY_LIST, 4 + 16 * (uint64_t)nst, w->off);
        wr32(cnt, (uint32_t)nst);
        w_write(w, cnt, 4);
        for (size_t i = 0; i < w->nthreads; i++) {
            if (!w->threads[i].stack) continue;
            uint8_t d[16];
            wr64(d, w->threads[i].stack_start);
            wr32(d + 8, w->threads[i].stack_len);
            wr32(d + 12, (uint32_t)ctx_rva[2 * i + 1]);
            w_write(w, d, sizeof d);
        }
    }
    free(ctx_rva);
}

static void write_meminfo(mdmp_writer *w)
{
    if (!w->nmi) return;
    w_pad4(w);
    uint8_t h[16];
    wr32(h, 16);
    wr32(h + 4, 48);
    wr64(h + 8, w->nmi);
    dir_add(w, MDMP_STREAM_MEMORY_INFO_LIST, 16 + 48 * (uint64_t)w->nmi, w->off);
    w_write(w, h, sizeof h);
    w_write(w, w->mi, 48 * w->nmi);
}

static void patch_thread_stacks(mdmp_writer *w);
static void build_header(const mdmp_writer *w, uint8_t h[HEADER_AND_DIR]);
static void write_meta_planned(mdmp_writer *w);

/* The metadata block goes ahead of the memory data so every RVA in it
 * stays below 4 GiB however large the memory is. */
static void write_meta(mdmp_writer *w)
{
    if (w->meta_written) return;
    w->meta_written = 1;
    if (w->planned) { write_meta_planned(w); return; }
    write_sysinfo(w);
    write_modules(w);
    write_threads(w);
    write_meminfo(w);
    if (w->pid) {
        w_pad4(w);
        uint8_t m[24] = {0};
        wr32(m, sizeof m);
        wr32(m + 4, 1);   /* MINIDUMP_MISC1_PROCESS_ID */
        wr32(m + 8, w->pid);
        dir_add(w, MDMP_STREAM_MISC_INFO, sizeof m, w->off);
        w_write(w, m, sizeof m);
    }
    w_pad4(w);
    if (w->range_hint) {
        static const uint8_t z[4096];
        w->m64_reserved_off = w->off;
        w->m64_reserved_n = w->range_hint;
        uint64_t left = 16 + 16 * (uint64_t)w->range_hint;
        while (left) {
            size_t k = left < sizeof z ? (size_t)left : sizeof z;
            w_write(w, z, k);
            left -= k;
        }
    }
    /* Page-align the data: cheap, and helps readers that mmap the file. */
    static const uint8_t z[4096];
    if (w->off & 4095) w_write(w, z, 4096 - (w->off & 4095));
    w->mem_base = w->off;
}

/* Planned mode: the whole layout is known before the first memory byte, so
 * the metadata is laid out in memory (mbuf), thread stacks are resolved
 * there, and header, directory and metadata go out first, in file order. */
static void write_meta_planned(mdmp_writer *w)
{
    w->mem_mode = 1;
    write_sysinfo(w);
    write_modules(w);
    write_threads(w);
    write_meminfo(w);
    if (w->pid) {
        w_pad4(w);
        uint8_t m[24] = {0};
        wr32(m, sizeof m);
        wr32(m + 4, 1);   /* MINIDUMP_MISC1_PROCESS_ID */
        wr32(m + 8, w->pid);
        dir_add(w, MDMP_STREAM_MISC_INFO, sizeof m, w->off);
        w_write(w, m, sizeof m);
    }
    w_pad4(w);
    uint64_t m64_off = w->off, m64_size = 16 + 16 * (uint64_t)w->nplan;
    uint64_t data_base = (m64_off + m64_size + 4095) & ~(uint64_t)4095;
    uint8_t d[16];
    wr64(d, w->nplan);
    wr64(d + 8, data_base);
    w_write(w, d, 16);
    uint64_t total = 0;
    free(w->mem);
    w->mem = calloc(w->nplan ? w->nplan : 1, sizeof *w->mem);
    w->nmem = w->cap_mem = 0;
    if (!w->mem) { w_fail(w, KN_ERR_NOMEM, "out of memory"); w->mem_mode = 0; return; }
    w->cap_mem = w->nplan;
    for (size_t i = 0; i < w->nplan; i++) {
        wr64(d, w->plan_va[i]);
        wr64(d + 8, w->plan_size[i]);
        w_write(w, d, 16);
        w->mem[w->nmem++] = (w_mem){w->plan_va[i], w->plan_size[i], data_base + total};
        total += w->plan_size[i];
    }
    dir_add(w, MDMP_STREAM_MEMORY64_LIST, m64_size, m64_off);
    static const uint8_t z[4096];
    if (w->off < data_base) w_write(w, z, (size_t)(data_base - w->off));
    w->mem_base = data_base;
    w->comment_rva = data_base + total;
    if (w->comment_cap && w->comment_rva <= MAX_RVA) dir_add(w, MDMP_STREAM_COMMENT_W, w->comment_cap, w->comment_rva);
    else w->comment_cap = 0;   /* not addressable beyond 4 GiB: no comment */
    patch_thread_stacks(w);
    w->mem_mode = 0;
    uint8_t h[HEADER_AND_DIR];
    build_header(w, h);
    if (w->err == KN_OK && fseeko(w->fp, 0, SEEK_SET) != 0) w_fail(w, KN_ERR_IO, "seek failed: %s", strerror(errno));
    uint64_t off = w->off;
    w->off = 0;
    w_write(w, h, sizeof h);
    w_write(w, w->mbuf.data, w->mbuf.len);
    if (w->err == KN_OK && w->off != off) w_fail(w, KN_ERR_IO, "metadata layout mismatch");
    kn_buf_free(&w->mbuf);
}

kn_status mdmp_writer_plan(mdmp_writer *w, const uint64_t *va, const uint64_t *size, size_t n, size_t comment_cap)
{
    if (w->meta_written || w->planned) { w_fail(w, KN_ERR_USAGE, "plan given after memory or twice"); return w->err; }
    w->plan_va = malloc((n ? n : 1) * sizeof *w->plan_va);
    w->plan_size = malloc((n ? n : 1) * sizeof *w->plan_size);
    if (!w->plan_va || !w->plan_size) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return w->err; }
    for (size_t i = 0; i < n; i++) {
        if (!size[i] || (i && va[i] < va[i - 1] + size[i - 1])) { w_fail(w, KN_ERR_USAGE, "plan ranges must be non-empty and ascending"); return w->err; }
        w->plan_va[i] = va[i];
        w->plan_size[i] = size[i];
    }
    w->nplan = n;
    w->planned = 1;
    w->comment_cap = comment_cap & ~(size_t)1;
    return KN_OK;
}

/* n zero bytes of memory data: a seek (hole) when the file allows it. */
static void w_zeros(mdmp_writer *w, uint64_t n)
{
    static const uint8_t z[4096];
    if (w->err != KN_OK) return;
    if (n >= sizeof z && fseeko(w->fp, (off_t)n, SEEK_CUR) == 0) { w->off += n; return; }
    while (n && w->err == KN_OK) {
        size_t k = n < sizeof z ? (size_t)n : sizeof z;
        w_write(w, z, k);
        n -= k;
    }
}

static kn_status planned_add(mdmp_writer *w, uint64_t va, const uint8_t *data, uint64_t n)
{
    while (n && w->err == KN_OK) {
        if (w->plan_i >= w->nplan || va != w->plan_va[w->plan_i] + w->plan_pos) {
            w_fail(w, KN_ERR_USAGE, "memory at 0x%llx does not follow the plan", (unsigned long long)va);
            break;
        }
        uint64_t left = w->plan_size[w->plan_i] - w->plan_pos, k = n < left ? n : left;
        if (data) { w_write(w, data, (size_t)k); data += k; }
        else w_zeros(w, k);
        w->plan_pos += k;
        va += k;
        n -= k;
        if (w->plan_pos == w->plan_size[w->plan_i]) { w->plan_i++; w->plan_pos = 0; }
    }
    return w->err;
}

kn_status mdmp_add_zeros(mdmp_writer *w, uint64_t va, uint64_t n)
{
    if (w->err != KN_OK) return w->err;
    if (!w->planned) { w_fail(w, KN_ERR_USAGE, "mdmp_add_zeros needs a plan"); return w->err; }
    write_meta(w);
    return planned_add(w, va, NULL, n);
}

kn_status mdmp_writer_flush(mdmp_writer *w, uint64_t *flushed)
{
    /* In planned mode the header at offset 0 is final only once the
     * metadata is out: lay it out first, so nothing flushed changes later. */
    if (w->planned) write_meta(w);
    if (w->err == KN_OK && fflush(w->fp) != 0) w_fail(w, KN_ERR_IO, "write failed: %s", strerror(errno));
    *flushed = w->off;
    return w->err;
}

kn_status mdmp_add_memory(mdmp_writer *w, uint64_t va, const void *data, size_t n)
{
    if (w->err != KN_OK) return w->err;
    if (n == 0) return KN_OK;
    write_meta(w);
    if (w->planned) return planned_add(w, va, data, n);
    if (w->nmem) {
        w_mem *last = &w->mem[w->nmem - 1];
        if (va < last->va + last->size) {
            w_fail(w, KN_ERR_USAGE, "memory at 0x%llx added out of order", (unsigned long long)va);
            return w->err;
        }
    }
    if (w->nmem && w->mem[w->nmem - 1].va + w->mem[w->nmem - 1].size == va) {
        w->mem[w->nmem - 1].size += n;
    } else {
        w_mem *m = grow(w->mem, &w->cap_mem, w->nmem, sizeof *m);
        if (!m) { w_fail(w, KN_ERR_NOMEM, "out of memory"); return w->err; }
        w->mem = m;
        w->mem[w->nmem++] = (w_mem){va, n, w->off};
    }
    w_write(w, data, n);
    return w->err;
}

uint64_t mdmp_writer_offset(const mdmp_writer *w) { return w->off; }

static void patch_thread_stacks(mdmp_writer *w)
{
    for (size_t i = 0; i < w->nthreads; i++) {
        w_thread *t = &w->threads[i];
        if (t->stack || !t->record_off) continue;
        /* Binary search the Memory64 range covering stack_start. */
        size_t lo = 0, hi = w->nmem;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (w->mem[mid].va <= t->stack_start) lo = mid + 1;
            else hi = mid;
        }
        if (lo == 0) continue;
        const w_mem *m = &w->mem[lo - 1];
        if (t->stack_start - m->va >= m->size) continue;
        uint64_t rva = m->off + (t->stack_start - m->va);
        uint64_t len = m->size - (t->stack_start - m->va);
        if (t->stack_len && len > t->stack_len) len = t->stack_len;
        if (rva > MAX_RVA || len > MAX_RVA) continue;   /* not expressible: readers use the Memory64List */
        uint8_t d[8];
        wr32(d, (uint32_t)len);
        wr32(d + 4, (uint32_t)rva);
        if (w->mem_mode) {   /* planned layout: the record is still in mbuf */
            uint64_t at = t->record_off + 32 - HEADER_AND_DIR;
            if (at + 8 <= w->mbuf.len) memcpy(w->mbuf.data + at, d, 8);
        } else {
            w_pwrite(w, t->record_off + 32, d, 8);
        }
    }
}

static void build_header(const mdmp_writer *w, uint8_t h[HEADER_AND_DIR])
{
    memset(h, 0, HEADER_AND_DIR);
    wr32(h, MDMP_SIGNATURE);
    wr32(h + 4, MDMP_VERSION);
    wr32(h + 8, (uint32_t)w->ndir);
    wr32(h + 12, 32);
    wr32(h + 20, w->timestamp);
    wr64(h + 24, w->flags);
    for (size_t i = 0; i < w->ndir; i++) {
        wr32(h + 32 + 12 * i, w->dir[i].type);
        wr32(h + 36 + 12 * i, w->dir[i].size);
        wr32(h + 40 + 12 * i, w->dir[i].rva);
    }
}

static void free_writer(mdmp_writer *w)
{
    for (size_t i = 0; i < w->nmods; i++) free(w->mods[i].name);
    for (size_t i = 0; i < w->nthreads; i++) { free(w->threads[i].stack); free(w->threads[i].ctx); }
    free(w->mods);
    free(w->threads);
    free(w->mem);
    free(w->mi);
    kn_buf_free(&w->comment);
    kn_buf_free(&w->mbuf);
    free(w->plan_va);
    free(w->plan_size);
    free(w);
}

static kn_status close_planned(mdmp_writer *w, kn_err *e)
{
    write_meta(w);
    /* Ranges the caller did not fill stay zeros, so the layout holds. */
    while (w->err == KN_OK && w->plan_i < w->nplan)
        planned_add(w, w->plan_va[w->plan_i] + w->plan_pos, NULL, w->plan_size[w->plan_i] - w->plan_pos);
    if (w->comment_cap) {
        /* The reserved stream: UTF-16 text, NUL, zeros up to its size. */
        kn_buf u = KN_BUF_INIT;
        utf8_to_utf16(&u, w->comment.data ? w->comment.data : "");
        size_t n = u.len + 2 <= w->comment_cap ? u.len : (size_t)w->comment_cap - 2;
        w_write(w, u.data, n);
        w_zeros(w, w->comment_cap - n);
        kn_buf_free(&u);
    }
    if (w->err == KN_OK && fflush(w->fp) != 0) w_fail(w, KN_ERR_IO, "write failed: %s", strerror(errno));
    struct stat st;
    if (w->err == KN_OK && fstat(fileno(w->fp), &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < w->off &&
        ftruncate(fileno(w->fp), (off_t)w->off) != 0)
        w_fail(w, KN_ERR_IO, "write failed: %s", strerror(errno));
    if (fclose(w->fp) != 0 && w->err == KN_OK) w_fail(w, KN_ERR_IO, "write failed: %s", strerror(errno));
    kn_status stt = w->err;
    if (stt != KN_OK) kn_err_set(e, stt, w->path, KN_NO_OFFSET, "%s", w->errmsg);
    free_writer(w);
    return stt;
}

kn_status mdmp_writer_close(mdmp_writer *w, kn_err *e)
{
    if (w->planned) return close_planned(w, e);
    write_meta(w);
    /* Memory64List descriptors: in the reserved slot when they fit,
     * otherwise at the end (addressable while the file is under 4 GiB). */
    uint64_t m64_size = 16 + 16 * (uint64_t)w->nmem;
    uint8_t *m64 = malloc((size_t)m64_size);
    if (!m64) w_fail(w, KN_ERR_NOMEM, "out of memory");
    else {
        wr64(m64, w->nmem);
        wr64(m64 + 8, w->mem_base);
        for (size_t i = 0; i < w->nmem; i++) {
            wr64(m64 + 16 + 16 * i, w->mem[i].va);
            wr64(m64 + 24 + 16 * i, w->mem[i].size);
        }
        if (w->nmem <= w->m64_reserved_n && w->m64_reserved_off) {
            dir_add(w, MDMP_STREAM_MEMORY64_LIST, m64_size, w->m64_reserved_off);
            w_pwrite(w, w->m64_reserved_off, m64, (size_t)m64_size);
        } else {
            w_pad4(w);
            dir_add(w, MDMP_STREAM_MEMORY64_LIST, m64_size, w->off);
            w_write(w, m64, (size_t)m64_size);
        }
        free(m64);
    }
    if (w->comment.len) {
        uint64_t rva = w_string(w, w->comment.data) + 4;   /* stream = the UTF-16 text with its NUL */
        uint64_t len = w->off - rva;
        dir_add(w, MDMP_STREAM_COMMENT_W, len, rva);
    }
    patch_thread_stacks(w);
    uint8_t h[HEADER_AND_DIR];
    build_header(w, h);
    w_pwrite(w, 0, h, sizeof h);
    if (w->err == KN_OK && fflush(w->fp) != 0)
        w_fail(w, KN_ERR_IO, "write failed: %s", strerror(errno));
    if (fclose(w->fp) != 0 && w->err == KN_OK)
        w_fail(w, KN_ERR_IO, "write failed: %s", strerror(errno));
    kn_status st = w->err;
    if (st != KN_OK) kn_err_set(e, st, w->path, KN_NO_OFFSET, "%s", w->errmsg);
    free_writer(w);
    return st;
}

void mdmp_writer_abort(mdmp_writer *w)
{
    if (!w) return;
    fclose(w->fp);
    free_writer(w);
}
