/* mdmp_tool.c: a test driver for the minidump reader and writer, so script
 * tests can compare kensa's view of a dump with lldb's (the oracle).
 *
 *   mdmp_tool modules FILE          base size name, one per line
 *   mdmp_tool threads FILE          tid teb stack_start stack_size context_size
 *   mdmp_tool ranges FILE           va size, one per line
 *   mdmp_tool read FILE VA N        N bytes at VA as hex ("" when not captured)
 *   mdmp_tool find FILE HEX         addresses where the byte string occurs
 *   mdmp_tool info FILE             arch/build/counts/comment/warnings
 *   mdmp_tool write OUT             a synthetic dump with known content (see below) */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/input.h"
#include "core/minidump.h"

static int open_dump(const char *path, kn_map *m, mdmp_file **f)
{
    kn_err e;
    kn_err_clear(&e);
    if (kn_map_open(m, path, 0, 0, &e) != KN_OK) { kn_err_print(&e); return -1; }
    if (mdmp_open(f, m->data, m->size, path, &e) != KN_OK) { kn_err_print(&e); kn_map_close(m); return -1; }
    return 0;
}

static int hexval(int c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; }

/* The synthetic dump: x64 Windows 10 system info, two modules, two threads
 * (one with explicit stack, one pointing into memory), three memory ranges
 * (two contiguous chunks of one region plus a separate one), memory info and
 * a comment. Content bytes are a function of the address so tests can
 * recompute them: byte at va = (va * 7 + (va >> 8)) & 0xff. */
static uint8_t pattern(uint64_t va) { return (uint8_t)((va * 7 + (va >> 8)) & 0xff); }

static int write_synthetic(const char *out)
{
    kn_err e;
    kn_err_clear(&e);
    mdmp_writer *w;
    if (mdmp_writer_open(&w, out, &e) != KN_OK) { kn_err_print(&e); return 1; }
    mdmp_system_info si = {0};
    si.arch = MDMP_ARCH_AMD64;
    si.nprocs = 2;
    si.product_type = 1;
    si.major = 10;
    si.build = 19041;
    si.platform = MDMP_PLATFORM_WIN32_NT;
    mdmp_set_system_info(w, &si);
    mdmp_set_timestamp(w, 1700000000);
    mdmp_set_process_id(w, 4242);
    mdmp_add_module(w, 0x140000000ull, 0x5000, "C:\\kensa\\synthetic.exe", 0x5f000000, 0x1234);
    mdmp_add_module(w, 0x7ffe10000000ull, 0x20000, "C:\\Windows\\System32\\ntdll.dll", 0x6a000000, 0x5678);
    uint8_t ctx[MDMP_CONTEXT_AMD64_SIZE] = {0};
    ctx[0x30] = 0x0b; ctx[0x32] = 0x10;   /* ContextFlags = CONTEXT_AMD64 | CONTROL | INTEGER */
    uint64_t rip = 0x140001000ull, rsp = 0x7ff0100ff00ull;
    memcpy(ctx + 0xf8, &rip, 8);
    memcpy(ctx + 0x98, &rsp, 8);
    uint8_t stack[256];
    for (int i = 0; i < 256; i++) stack[i] = pattern(0x7ff00200000ull + i);
    mdmp_add_thread(w, 0x100, 0x7ff00300000ull, 0x7ff0100ff00ull, NULL, 0x100, ctx, sizeof ctx);
    mdmp_add_thread(w, 0x104, 0x7ff00302000ull, 0x7ff00200000ull, stack, sizeof stack, ctx, sizeof ctx);
    mdmp_add_memory_info(w, 0x140000000ull, 0x140000000ull, MDMP_PAGE_EXECUTE_WRITECOPY, 0x5000, MDMP_MEM_COMMIT, MDMP_PAGE_EXECUTE_READ, MDMP_MEM_IMAGE);
    mdmp_add_memory_info(w, 0x7ff01000000ull, 0x7ff01000000ull, MDMP_PAGE_READWRITE, 0x110000, MDMP_MEM_COMMIT, MDMP_PAGE_READWRITE, MDMP_MEM_PRIVATE);
    mdmp_writer_reserve_ranges(w, 8);
    static uint8_t buf[0x10000];
    for (uint64_t va = 0x140000000ull; va < 0x140005000ull; va += 0x1000) {
        for (int i = 0; i < 0x1000; i++) buf[i] = pattern(va + i);
        if (mdmp_add_memory(w, va, buf, 0x1000) != KN_OK) break;
    }
    for (uint64_t va = 0x7ff01000000ull; va < 0x7ff01110000ull; va += sizeof buf) {
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = pattern(va + i);
        if (mdmp_add_memory(w, va, buf, sizeof buf) != KN_OK) break;
    }
    mdmp_add_comment(w, "kensa synthetic dump \xc3\xa9");
    if (mdmp_writer_close(w, &e) != KN_OK) { kn_err_print(&e); return 1; }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) { fprintf(stderr, "usage: mdmp_tool CMD FILE ...\n"); return 2; }
    const char *cmd = argv[1], *path = argv[2];
    if (!strcmp(cmd, "write")) return write_synthetic(path);
    kn_map m;
    mdmp_file *f;
    if (open_dump(path, &m, &f) < 0) return 1;
    if (!strcmp(cmd, "modules")) {
        for (size_t i = 0; i < mdmp_module_count(f); i++) {
            const mdmp_module *x = mdmp_module_at(f, i);
            printf("0x%016" PRIx64 " 0x%x %s\n", x->base, x->size, x->name);
        }
    } else if (!strcmp(cmd, "threads")) {
        for (size_t i = 0; i < mdmp_thread_count(f); i++) {
            const mdmp_thread *t = mdmp_thread_at(f, i);
            printf("%u 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " %u %s\n", t->tid, t->teb, t->stack_start, t->stack_size,
                   t->context_size, t->name ? t->name : "-");
        }
    } else if (!strcmp(cmd, "ranges")) {
        for (size_t i = 0; i < mdmp_range_count(f); i++) {
            const mdmp_range *r = mdmp_range_at(f, i);
            printf("0x%" PRIx64 " 0x%" PRIx64 "\n", r->va, r->size);
        }
    } else if (!strcmp(cmd, "read") && argc >= 5) {
        uint64_t va = strtoull(argv[3], NULL, 0);
        size_t n = strtoull(argv[4], NULL, 0);
        uint8_t *b = malloc(n ? n : 1);
        size_t got = mdmp_read(f, va, b, n);
        for (size_t i = 0; i < got; i++) printf("%02x", b[i]);
        printf("\n");
        free(b);
    } else if (!strcmp(cmd, "find") && argc >= 4) {
        const char *h = argv[3];
        size_t n = strlen(h) / 2;
        uint8_t *pat = malloc(n ? n : 1);
        for (size_t i = 0; i < n; i++) pat[i] = (uint8_t)(hexval(h[2 * i]) << 4 | hexval(h[2 * i + 1]));
        for (size_t i = 0; i < mdmp_range_count(f) && n; i++) {
            const mdmp_range *r = mdmp_range_at(f, i);
            size_t avail;
            const uint8_t *p = mdmp_ptr(f, r->va, &avail);
            if (!p) continue;
            for (size_t k = 0; k + n <= avail && k + n <= r->size; k++)
                if (p[k] == pat[0] && !memcmp(p + k, pat, n)) printf("0x%" PRIx64 "\n", r->va + k);
        }
        free(pat);
    } else if (!strcmp(cmd, "info")) {
        const mdmp_system_info *si = mdmp_system(f);
        if (si) printf("arch %u platform 0x%x version %u.%u.%u cpus %u csd \"%s\"\n", si->arch, si->platform, si->major, si->minor, si->build, si->nprocs, si->csd_version);
        printf("streams %zu modules %zu threads %zu ranges %zu bytes %" PRIu64 " meminfo %zu\n", mdmp_stream_count(f), mdmp_module_count(f),
               mdmp_thread_count(f), mdmp_range_count(f), mdmp_memory_bytes(f), mdmp_meminfo_count(f));
        const mdmp_exception *x = mdmp_exception_info(f);
        if (x) printf("exception 0x%x at 0x%" PRIx64 " thread %u\n", x->code, x->address, x->tid);
        for (size_t i = 0; i < mdmp_meminfo_count(f); i++) {
            const mdmp_meminfo *mi = mdmp_meminfo_at(f, i);
            printf("meminfo 0x%" PRIx64 " 0x%" PRIx64 " state 0x%x protect 0x%x type 0x%x\n", mi->base, mi->size, mi->state, mi->protect, mi->type);
        }
        if (mdmp_process_id(f)) printf("pid %u\n", mdmp_process_id(f));
        if (mdmp_comment(f)) printf("comment %s\n", mdmp_comment(f));
        printf("warnings %" PRIu64 "\n", mdmp_warning_count(f));
        for (size_t i = 0; mdmp_warning_text(f, i); i++) printf("warning %s\n", mdmp_warning_text(f, i));
    } else {
        fprintf(stderr, "mdmp_tool: unknown command %s\n", cmd);
        mdmp_close(f);
        kn_map_close(&m);
        return 2;
    }
    mdmp_close(f);
    kn_map_close(&m);
    return 0;
}
