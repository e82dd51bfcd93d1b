/* bin.c: the `kensa bin` commands. Each command parses its options with
 * cli_parse and calls into the bin engine (src/bin/); nothing here knows a
 * file format. Output shapes are a contract with the evaluation scripts
 * (tests/bin_eval/): funcs prints "0x<addr> <size> <name|->" per line,
 * disasm --json one object per instruction. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bin/bin.h"
#include "cli/cli.h"
#include "core/json.h"
#include "core/table.h"

static int cmd_info(int argc, char **argv);
static int cmd_funcs(int argc, char **argv);
static int cmd_disasm(int argc, char **argv);
static int cmd_cfg(int argc, char **argv);
static int cmd_callgraph(int argc, char **argv);

#define LOAD_HELP \
    "Inputs: ELF (i386, x86-64), PE/PE32+ (file or memory layout), a module in a\n" \
    "minidump (--module NAME), or raw code (--arch x86|x86-64|auto, --base ADDR).\n"

static const cli_command commands[] = {
    {"info", "format, architecture, sections, entry, imports and exports",
     "kensa bin info [OPTIONS] FILE",
     LOAD_HELP "\nexit status: 0 loaded, 1 the input could not be read, 2 usage.", cmd_info},
    {"funcs", "functions recovered from the bytes: address, size, name",
     "kensa bin funcs [OPTIONS] FILE",
     "One function per line, sorted by address: '0x<address> <size> <name or ->'.\n"
     "Discovery uses no symbols, unwind tables, exports or entry point unless\n"
     "--hints is given; names are shown whenever the file has them.\n"
     "--json gives NDJSON {address, size, name, blocks, edges}.\n\n" LOAD_HELP
     "\nexit status: 0 analysed, 1 the input could not be read, 2 usage.", cmd_funcs},
    {"disasm", "listing of the recovered instructions with labels and cross-references",
     "kensa bin disasm [OPTIONS] FILE",
     "Every instruction the analysis recovered, in address order (padding included;\n"
     "bytes judged data are skipped). --func ADDR limits it to one function.\n"
     "--json gives NDJSON {address, size, mnemonic, text, function}.\n\n" LOAD_HELP
     "\nexit status: 0 analysed, 1 the input could not be read or ADDR is no function, 2 usage.", cmd_disasm},
    {"cfg", "control-flow graph (basic blocks and edges) as DOT or JSON",
     "kensa bin cfg [OPTIONS] FILE --dot|--json",
     "Blocks and edges of every function (or of --func ADDR). --json gives NDJSON, one\n"
     "object per function: {address, name, blocks:[{address,size,instructions}],\n"
     "edges:[{from,to,kind}]}.\n\n" LOAD_HELP
     "\nexit status: 0 analysed, 1 the input could not be read or ADDR is no function, 2 usage.", cmd_cfg},
    {"callgraph", "call graph of the recovered functions as DOT or JSON",
     "kensa bin callgraph [OPTIONS] FILE --dot|--json",
     "--json gives one object {functions:[{address,name}], calls:[{from,to,site,tail}]};\n"
     "indirect calls with unknown targets are left out.\n\n" LOAD_HELP
     "\nexit status: 0 analysed, 1 the input could not be read, 2 usage.", cmd_callgraph},
    {0},
};

const cli_group cli_group_bin = {"bin", "static binary analysis: instructions, control flow, functions, call graph", commands};

/* Options every bin command shares. */
typedef struct load_args {
    const char *arch, *module, *layout;
    int64_t base;
    int raw, hints;
} load_args;

#define LOAD_OPTS(la) \
    {"arch", 0, CLI_STR, &(la).arch, "ARCH", "raw code: x86, x86-64 or auto (guess from the bytes)"}, \
    {"base", 0, CLI_INT, &(la).base, "ADDR", "raw code: load address (default 0); PE: rebase"}, \
    {"raw", 0, CLI_FLAG, &(la).raw, NULL, "treat the file as raw code even if it looks like ELF/PE"}, \
    {"module", 0, CLI_STR, &(la).module, "NAME", "minidumps: the module to analyse (default: the first)"}, \
    {"layout", 0, CLI_STR, &(la).layout, "L", "PE layout: auto, file or memory (dumped image)"}

static int open_image(const cli_command *self, const load_args *la, const char *path, bin_image *img)
{
    bin_load_opts o = {0};
    if (la->arch) {
        if (strcmp(la->arch, "x86") == 0 || strcmp(la->arch, "i386") == 0) o.arch = BIN_ARCH_X86;
        else if (strcmp(la->arch, "x86-64") == 0 || strcmp(la->arch, "x64") == 0 || strcmp(la->arch, "amd64") == 0) o.arch = BIN_ARCH_X64;
        else if (strcmp(la->arch, "auto") == 0) o.auto_arch = 1;
        else return cli_usage_error(self, "--arch: '%s' is not x86, x86-64 or auto", la->arch);
    }
    if (la->layout) {
        if (strcmp(la->layout, "file") == 0) o.pe_layout = 1;
        else if (strcmp(la->layout, "memory") == 0) o.pe_layout = 2;
        else if (strcmp(la->layout, "auto") != 0) return cli_usage_error(self, "--layout: '%s' is not auto, file or memory", la->layout);
    }
    if (la->base < 0) return cli_usage_error(self, "--base: must not be negative");
    o.base = (uint64_t)la->base;
    o.force_raw = la->raw;
    if (la->raw && !la->arch) o.auto_arch = 1;
    o.module = la->module;
    o.quiet = cli.quiet;
    kn_err e;
    kn_err_clear(&e);
    if (bin_open(img, path, &o, &e) != KN_OK) { kn_err_print(&e); return KN_EXIT_ERROR; }
    return -1;
}

static int analyse(const bin_image *img, int hints, bin_analysis **out)
{
    bin_analyze_opts ao = {hints};
    kn_err e;
    kn_err_clear(&e);
    if (bin_analyze(img, &ao, out, &e) != KN_OK) { kn_err_print(&e); return KN_EXIT_ERROR; }
    return -1;
}

static void finish(bin_image *img, bin_analysis *a)
{
    kn_warnings_summary(&img->warn, "input");
    bin_analysis_free(a);
    bin_close(img);
}

/* ---- info ------------------------------------------------------------------ */

static void flags_text(unsigned f, char *buf)
{
    buf[0] = f & BIN_SEC_R ? 'r' : '-';
    buf[1] = f & BIN_SEC_W ? 'w' : '-';
    buf[2] = f & BIN_SEC_X ? 'x' : '-';
    buf[3] = 0;
}

static int cmd_info(int argc, char **argv)
{
    load_args la = {0};
    const cli_opt opts[] = { LOAD_OPTS(la), {0} };
    const cli_command *self = &commands[0];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    bin_image img;
    if ((rc = open_image(self, &la, pos[0], &img)) >= 0) return rc;
    size_t nimp = 0, nexp = 0, nfun = 0, nunw = 0;
    for (size_t i = 0; i < img.nsyms; i++) {
        switch (img.syms[i].kind) {
        case BIN_SYM_IMPORT: nimp++; break;
        case BIN_SYM_EXPORT: nexp++; break;
        case BIN_SYM_FUNC: nfun++; break;
        case BIN_SYM_UNWIND: nunw++; break;
        }
    }
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        kn_json_obj_begin(j);
        kn_json_kstr(j, "file", pos[0]);
        kn_json_kstr(j, "format", bin_format_name(img.format));
        kn_json_kstr(j, "detail", img.format_detail);
        kn_json_kstr(j, "arch", bin_arch_name(img.arch));
        kn_json_khex(j, "base", img.base);
        kn_json_key(j, "entry");
        if (img.has_entry) kn_json_hex(j, img.entry); else kn_json_null(j);
        kn_json_kbool(j, "pie", img.pie);
        kn_json_key(j, "sections");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < img.nsecs; i++) {
            char fl[4];
            flags_text(img.secs[i].flags, fl);
            kn_json_obj_begin(j);
            kn_json_kstr(j, "name", img.secs[i].name);
            kn_json_khex(j, "address", img.secs[i].va);
            kn_json_kuint(j, "size", img.secs[i].size);
            kn_json_kuint(j, "file_size", img.secs[i].data_size);
            kn_json_kstr(j, "flags", fl);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "imports");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < img.nsyms; i++) {
            if (img.syms[i].kind != BIN_SYM_IMPORT) continue;
            kn_json_obj_begin(j);
            kn_json_kstr(j, "name", img.syms[i].name);
            if (img.syms[i].lib) kn_json_kstr(j, "library", img.syms[i].lib);
            kn_json_khex(j, "slot", img.syms[i].va);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "exports");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < img.nsyms; i++) {
            if (img.syms[i].kind != BIN_SYM_EXPORT) continue;
            kn_json_obj_begin(j);
            kn_json_kstr(j, "name", img.syms[i].name);
            kn_json_khex(j, "address", img.syms[i].va);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_kuint(j, "function_symbols", nfun);
        kn_json_kuint(j, "unwind_entries", nunw);
        kn_json_kuint(j, "relocated_pointers", img.nptrs);
        kn_json_obj_end(j);
        kn_json_end_record(j);
        kn_json_free(j);
    } else {
        printf("file      %s\nformat    %s (%s)\narch      %s\nbase      0x%" PRIx64 "\n", pos[0],
               bin_format_name(img.format), img.format_detail ? img.format_detail : "", bin_arch_name(img.arch), img.base);
        if (img.has_entry) printf("entry     0x%" PRIx64 "\n", img.entry);
        else printf("entry     -\n");
        printf("symbols   %zu functions, %zu imports, %zu exports, %zu unwind entries, %zu relocated pointers\n\n",
               nfun, nimp, nexp, nunw, img.nptrs);
        const char *hdr[] = {"section", ">address", ">size", ">file size", "flags", NULL};
        kn_table *t = kn_table_new(hdr);
        for (size_t i = 0; i < img.nsecs; i++) {
            char fl[4];
            flags_text(img.secs[i].flags, fl);
            kn_table_cell(t, img.secs[i].name[0] ? img.secs[i].name : "-");
            kn_table_cellf(t, "0x%" PRIx64, img.secs[i].va);
            kn_table_cellf(t, "%" PRIu64, img.secs[i].size);
            kn_table_cellf(t, "%" PRIu64, img.secs[i].data_size);
            kn_table_cell(t, fl);
        }
        kn_table_print(t, stdout);
        kn_table_free(t);
        if (nimp) {
            printf("\nimports:\n");
            for (size_t i = 0; i < img.nsyms; i++)
                if (img.syms[i].kind == BIN_SYM_IMPORT)
                    printf("  0x%" PRIx64 "  %s%s%s\n", img.syms[i].va, img.syms[i].lib ? img.syms[i].lib : "", img.syms[i].lib ? "!" : "", img.syms[i].name);
        }
        if (nexp) {
            printf("\nexports:\n");
            for (size_t i = 0; i < img.nsyms; i++)
                if (img.syms[i].kind == BIN_SYM_EXPORT)
                    printf("  0x%" PRIx64 "  %s\n", img.syms[i].va, img.syms[i].name ? img.syms[i].name : "-");
        }
    }
    finish(&img, NULL);
    return KN_EXIT_OK;
}

/* ---- funcs ------------------------------------------------------------------ */

/* funcs --json writes its flat records itself: through kn_json_kuint /
 * kn_json_khex (vsnprintf, about 1000 executed instructions a number, and
 * every constant key escaped again) the records of a 48 000-function
 * program cost 16% of the whole `bin funcs --json` under callgrind. The
 * bytes are the ones kn_json writes; the name still goes through
 * kn_json_escape. */
static char *put_dec(char *o, uint64_t v)
{
    char t[20];
    int n = 0;
    do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *o++ = t[--n];
    return o;
}

static char *put_hex(char *o, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    int n = 1;
    while (n < 16 && v >> (4 * n)) n++;
    *o++ = '"'; *o++ = '0'; *o++ = 'x';
    for (int i = n - 1; i >= 0; i--) *o++ = digits[(v >> (4 * i)) & 15];
    *o++ = '"';
    return o;
}

static char *put_lit(char *o, const char *s)
{
    size_t n = strlen(s);
    memcpy(o, s, n);
    return o + n;
}

static void funcs_json(const bin_analysis *a)
{
    int sources = getenv("KENSA_BIN_SOURCES") != NULL;
    kn_buf b = {0};
    for (size_t i = 0; i < a->nfuncs; i++) {
        const bin_func *f = &a->funcs[i];
        char num[160], *o = num;
        o = put_lit(o, "{\"address\":");
        o = put_hex(o, f->va);
        o = put_lit(o, ",\"size\":");
        o = put_dec(o, f->size);
        o = put_lit(o, ",\"name\":");
        kn_buf_append(&b, num, (size_t)(o - num));
        if (f->name) kn_json_escape(&b, f->name, strlen(f->name));
        else kn_buf_append(&b, "null", 4);
        o = num;
        o = put_lit(o, ",\"blocks\":");
        o = put_dec(o, f->nblocks);
        o = put_lit(o, ",\"edges\":");
        o = put_dec(o, f->nedges);
        o = put_lit(o, f->noreturn ? ",\"noreturn\":true" : ",\"noreturn\":false");
        if (sources) { o = put_lit(o, ",\"sources\":"); o = put_dec(o, f->sources); }
        *o++ = '}';
        *o++ = '\n';
        kn_buf_append(&b, num, (size_t)(o - num));
        if (b.len >= (1u << 16) || i + 1 == a->nfuncs) {
            fwrite(b.data, 1, b.len, stdout);
            kn_buf_reset(&b);
        }
    }
    kn_buf_free(&b);
}

static int cmd_funcs(int argc, char **argv)
{
    load_args la = {0};
    const cli_opt opts[] = {
        LOAD_OPTS(la),
        {"hints", 0, CLI_FLAG, &la.hints, NULL, "also use symbols, unwind tables, exports and the entry point"},
        {0},
    };
    const cli_command *self = &commands[1];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    bin_image img;
    bin_analysis *a;
    if ((rc = open_image(self, &la, pos[0], &img)) >= 0) return rc;
    if ((rc = analyse(&img, la.hints, &a)) >= 0) { bin_close(&img); return rc; }
    if (cli.json) funcs_json(a);
    else
        for (size_t i = 0; i < a->nfuncs; i++) {
            const bin_func *f = &a->funcs[i];
            printf("0x%" PRIx64 " %" PRIu64 " %s\n", f->va, f->size, f->name ? f->name : "-");
        }
    if (!cli.quiet && !cli.json)
        fprintf(stderr, "kensa: %zu functions, %" PRIu64 " instructions, %" PRIu64 " jump tables, %" PRIu64 " non-returning\n",
                a->nfuncs, a->ninsn, a->jump_tables, a->noreturn_funcs);
    finish(&img, a);
    return KN_EXIT_OK;
}

/* ---- disasm ------------------------------------------------------------------ */

typedef struct xref { uint64_t to, from; } xref;

static int xref_cmp(const void *a, const void *b)
{
    const xref *x = a, *y = b;
    if (x->to != y->to) return x->to < y->to ? -1 : 1;
    return x->from < y->from ? -1 : x->from > y->from;
}

static void print_label(const bin_analysis *a, uint64_t va, char *buf, size_t n)
{
    const char *nm = bin_name_at(a, va);
    if (nm) snprintf(buf, n, "%s", nm);
    else if (bin_func_by_va(a, va) >= 0) snprintf(buf, n, "sub_%" PRIx64, va);
    else snprintf(buf, n, "loc_%" PRIx64, va);
}

static int cmd_disasm(int argc, char **argv)
{
    load_args la = {0};
    int64_t func = -1;
    const cli_opt opts[] = {
        LOAD_OPTS(la),
        {"hints", 0, CLI_FLAG, &la.hints, NULL, "also use symbols, unwind tables, exports and the entry point"},
        {"func", 0, CLI_INT, &func, "ADDR", "only the function starting at ADDR"},
        {0},
    };
    const cli_command *self = &commands[2];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    bin_image img;
    bin_analysis *a;
    if ((rc = open_image(self, &la, pos[0], &img)) >= 0) return rc;
    if ((rc = analyse(&img, la.hints, &a)) >= 0) { bin_close(&img); return rc; }
    int32_t only = -1;
    if (func >= 0) {
        only = bin_func_by_va(a, (uint64_t)func);
        if (only < 0) {
            kn_errorf(pos[0], KN_NO_OFFSET, "no function starts at 0x%" PRIx64, (uint64_t)func);
            finish(&img, a);
            return KN_EXIT_ERROR;
        }
    }
    /* cross-references: calls and edges, sorted by target */
    xref *xr = NULL;
    size_t nx = 0;
    if (!cli.json) {
        xr = malloc((a->ncalls + a->nedges + 1) * sizeof *xr);
        if (!xr) { kn_errorf(NULL, KN_NO_OFFSET, "out of memory"); finish(&img, a); return KN_EXIT_ERROR; }
        for (size_t i = 0; i < a->ncalls; i++) if (a->calls[i].target) xr[nx++] = (xref){a->calls[i].target, a->calls[i].site};
        for (size_t i = 0; i < a->nedges; i++)
            if (a->edges[i].kind != BIN_EDGE_FALL && a->edges[i].kind != BIN_EDGE_COND_FALL && a->edges[i].kind != BIN_EDGE_CALL_FALL)
                xr[nx++] = (xref){a->edges[i].to, a->edges[i].from};
        qsort(xr, nx, sizeof *xr, xref_cmp);
    }
    kn_json *j = cli.json ? kn_json_new(stdout) : NULL;
    for (size_t ri = 0; ri < a->nregions; ri++) {
        const bin_region *r = &a->regions[ri];
        uint64_t lo = r->index, hi = r->index + r->size;
        if (only >= 0) {
            uint64_t fva = a->funcs[only].va;
            if (fva < r->va || fva - r->va >= r->size) continue;
            lo = r->index + (fva - r->va);
        }
        for (uint64_t g = lo; g < hi; g++) {
            if (!(a->flags[g] & BIN_B_INSN)) continue;
            uint64_t va = r->va + (g - r->index);
            int32_t fi = bin_func_at(a, va);
            if (only >= 0 && fi != only) {
                if (va >= a->funcs[only].va + a->funcs[only].size) break;
                continue;
            }
            bin_insn_text it;
            if (bin_format_insn(a, va, &it) != 0) continue;
            if (j) {
                kn_json_obj_begin(j);
                kn_json_khex(j, "address", va);
                kn_json_kuint(j, "size", it.size);
                kn_json_kstr(j, "mnemonic", it.mnemonic);
                kn_json_kstr(j, "text", it.text);
                kn_json_key(j, "function");
                if (fi >= 0) kn_json_hex(j, a->funcs[fi].va); else kn_json_null(j);
                kn_json_obj_end(j);
                kn_json_end_record(j);
                continue;
            }
            char lab[300];
            if (a->flags[g] & (BIN_B_FUNC | BIN_B_BLOCK)) {
                int isf = (a->flags[g] & BIN_B_FUNC) != 0;
                print_label(a, va, lab, sizeof lab);
                printf(isf ? "\n%s:" : "%s:", lab);
                /* xrefs */
                size_t lo2 = 0, hi2 = nx;
                while (lo2 < hi2) { size_t m = (lo2 + hi2) / 2; if (xr[m].to < va) lo2 = m + 1; else hi2 = m; }
                unsigned shown = 0;
                for (size_t k = lo2; k < nx && xr[k].to == va; k++) {
                    if (shown == 8) { printf(" ..."); break; }
                    printf(shown ? ", 0x%" PRIx64 : "    ; xref 0x%" PRIx64, xr[k].from);
                    shown++;
                }
                if (isf && fi >= 0 && a->funcs[fi].noreturn) printf("    ; does not return");
                printf("\n");
            }
            char bytes[40] = "";
            uint8_t raw[16];
            bin_read(&img, va, raw, it.size);
            for (unsigned b = 0, o = 0; b < it.size && o + 3 < sizeof bytes; b++) o += (unsigned)snprintf(bytes + o, sizeof bytes - o, "%02x", raw[b]);
            printf("  %08" PRIx64 "  %-22s %s", va, bytes, it.text);
            if (it.target) {
                print_label(a, it.target, lab, sizeof lab);
                printf("    ; %s", lab);
            }
            printf("\n");
        }
    }
    kn_json_free(j);
    free(xr);
    finish(&img, a);
    return KN_EXIT_OK;
}

/* ---- cfg ------------------------------------------------------------------------ */

static const char *edge_kind_name(bin_edge_kind k)
{
    switch (k) {
    case BIN_EDGE_FALL: return "fall";
    case BIN_EDGE_JUMP: return "jump";
    case BIN_EDGE_COND_TAKEN: return "taken";
    case BIN_EDGE_COND_FALL: return "not_taken";
    case BIN_EDGE_TABLE: return "table";
    case BIN_EDGE_CALL_FALL: return "return";
    }
    return "?";
}

/* Edges of function f: a contiguous run of a->edges, found by the from address. */
static void func_edges(const bin_analysis *a, const bin_func *f, size_t *first, size_t *count)
{
    *first = 0; *count = 0;
    if (!f->nblocks) return;
    uint64_t lo = a->blocks[f->first_block].va;
    size_t l = 0, h = a->nedges;
    while (l < h) { size_t m = (l + h) / 2; if (a->edges[m].from < lo) l = m + 1; else h = m; }
    size_t k = l;
    while (k < a->nedges && a->blocks[bin_block_at(a, a->edges[k].from)].func == (int32_t)(f - a->funcs)) k++;
    *first = l;
    *count = k - l;
}

static int cmd_cfg(int argc, char **argv)
{
    load_args la = {0};
    int64_t func = -1;
    int dot = 0;
    const cli_opt opts[] = {
        LOAD_OPTS(la),
        {"hints", 0, CLI_FLAG, &la.hints, NULL, "also use symbols, unwind tables, exports and the entry point"},
        {"func", 0, CLI_INT, &func, "ADDR", "only the function starting at ADDR"},
        {"dot", 0, CLI_FLAG, &dot, NULL, "Graphviz DOT output"},
        {0},
    };
    const cli_command *self = &commands[3];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    if (!dot && !cli.json) return cli_usage_error(self, "give --dot or --json");
    bin_image img;
    bin_analysis *a;
    if ((rc = open_image(self, &la, pos[0], &img)) >= 0) return rc;
    if ((rc = analyse(&img, la.hints, &a)) >= 0) { bin_close(&img); return rc; }
    int32_t only = -1;
    if (func >= 0 && (only = bin_func_by_va(a, (uint64_t)func)) < 0) {
        kn_errorf(pos[0], KN_NO_OFFSET, "no function starts at 0x%" PRIx64, (uint64_t)func);
        finish(&img, a);
        return KN_EXIT_ERROR;
    }
    kn_json *j = !dot ? kn_json_new(stdout) : NULL;
    if (dot) printf("digraph cfg {\n  node [shape=box fontname=monospace];\n");
    for (size_t i = 0; i < a->nfuncs; i++) {
        if (only >= 0 && (int32_t)i != only) continue;
        const bin_func *f = &a->funcs[i];
        size_t e0, ne;
        func_edges(a, f, &e0, &ne);
        char lab[300];
        print_label(a, f->va, lab, sizeof lab);
        if (dot) {
            printf("  subgraph \"cluster_%" PRIx64 "\" {\n    label=\"%s\";\n", f->va, lab);
            for (uint32_t b = 0; b < f->nblocks; b++) {
                const bin_block *bl = &a->blocks[f->first_block + b];
                printf("    \"0x%" PRIx64 "\" [label=\"0x%" PRIx64 "\\n%u insns\"];\n", bl->va, bl->va, bl->ninsn);
            }
            for (size_t k = e0; k < e0 + ne; k++)
                printf("    \"0x%" PRIx64 "\" -> \"0x%" PRIx64 "\" [label=\"%s\"];\n", a->edges[k].from, a->edges[k].to, edge_kind_name(a->edges[k].kind));
            printf("  }\n");
            continue;
        }
        kn_json_obj_begin(j);
        kn_json_khex(j, "address", f->va);
        kn_json_kstr(j, "name", f->name);
        kn_json_key(j, "blocks");
        kn_json_arr_begin(j);
        for (uint32_t b = 0; b < f->nblocks; b++) {
            const bin_block *bl = &a->blocks[f->first_block + b];
            kn_json_obj_begin(j);
            kn_json_khex(j, "address", bl->va);
            kn_json_kuint(j, "size", bl->size);
            kn_json_kuint(j, "instructions", bl->ninsn);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "edges");
        kn_json_arr_begin(j);
        for (size_t k = e0; k < e0 + ne; k++) {
            kn_json_obj_begin(j);
            kn_json_khex(j, "from", a->edges[k].from);
            kn_json_khex(j, "to", a->edges[k].to);
            kn_json_kstr(j, "kind", edge_kind_name(a->edges[k].kind));
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_obj_end(j);
        kn_json_end_record(j);
    }
    if (dot) printf("}\n");
    kn_json_free(j);
    finish(&img, a);
    return KN_EXIT_OK;
}

/* ---- callgraph ---------------------------------------------------------------------- */

static int cmd_callgraph(int argc, char **argv)
{
    load_args la = {0};
    int dot = 0;
    const cli_opt opts[] = {
        LOAD_OPTS(la),
        {"hints", 0, CLI_FLAG, &la.hints, NULL, "also use symbols, unwind tables, exports and the entry point"},
        {"dot", 0, CLI_FLAG, &dot, NULL, "Graphviz DOT output"},
        {0},
    };
    const cli_command *self = &commands[4];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, 1, &pos, &npos);
    if (rc >= 0) return rc;
    if (!dot && !cli.json) return cli_usage_error(self, "give --dot or --json");
    bin_image img;
    bin_analysis *a;
    if ((rc = open_image(self, &la, pos[0], &img)) >= 0) return rc;
    if ((rc = analyse(&img, la.hints, &a)) >= 0) { bin_close(&img); return rc; }
    char lab[300];
    if (dot) {
        printf("digraph callgraph {\n  node [shape=box fontname=monospace];\n");
        for (size_t i = 0; i < a->nfuncs; i++) {
            print_label(a, a->funcs[i].va, lab, sizeof lab);
            printf("  \"0x%" PRIx64 "\" [label=\"%s\"];\n", a->funcs[i].va, lab);
        }
        for (size_t i = 0; i < a->ncalls; i++) {
            const bin_call *c = &a->calls[i];
            if (c->caller < 0 || c->callee < 0) continue;
            printf("  \"0x%" PRIx64 "\" -> \"0x%" PRIx64 "\"%s;\n", a->funcs[c->caller].va, c->target, c->tail ? " [style=dashed]" : "");
        }
        printf("}\n");
    } else {
        kn_json *j = kn_json_new(stdout);
        kn_json_obj_begin(j);
        kn_json_key(j, "functions");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < a->nfuncs; i++) {
            kn_json_obj_begin(j);
            kn_json_khex(j, "address", a->funcs[i].va);
            kn_json_kstr(j, "name", a->funcs[i].name);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_key(j, "calls");
        kn_json_arr_begin(j);
        for (size_t i = 0; i < a->ncalls; i++) {
            const bin_call *c = &a->calls[i];
            if (c->caller < 0 || !c->target) continue;
            kn_json_obj_begin(j);
            kn_json_khex(j, "from", a->funcs[c->caller].va);
            kn_json_khex(j, "to", c->target);
            kn_json_khex(j, "site", c->site);
            kn_json_kbool(j, "tail", c->tail);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        kn_json_obj_end(j);
        kn_json_end_record(j);
        kn_json_free(j);
    }
    finish(&img, a);
    return KN_EXIT_OK;
}
