/* score.c: the bin evaluation's scorer. Compares an analyzer's predictions
 * (function entries, instruction starts) for a stripped binary with the
 * ground truth truth.py extracted from the unstripped one, and prints
 * precision, recall and F1 as one tab-separated line; optionally appends the
 * worst misses, named from the truth, to a report for the engine's authors.
 *
 * Written in C rather than a script because the full matrix scores millions
 * of instruction addresses per run: sorted arrays and binary search keep a
 * binary's scoring to milliseconds. Plain libc only, so the scorer shares
 * no code with what it judges.
 *
 * usage: bin_eval_score --truth PREFIX [--funcs FILE] [--insns FILE]
 *                       [--label TEXT] [--misses FILE] [--top N] [--list FILE]
 * --list appends every function miss as "LABEL\tmissed|false\t0xADDR\tTEXT"
 * (TEXT: the truth name, or where a false entry lies) for roll-ups.
 * Truth files (from truth.py): PREFIX.funcs "0xADDR\tNAME",
 * PREFIX.funcs_ignore (same), PREFIX.regions "0xSTART\t0xEND\tKIND\tNAME"
 * (KIND F function extent, G padding, P linker stub, U unsymbolised code),
 * PREFIX.insns "0xADDR\tLEN\tFLAG\tTEXT" (FLAG p = padding-class).
 * Prediction files: each line is an NDJSON object with "address":"0x..." or
 * text starting with 0x (kensa's text listing); other lines are counted as
 * unparsed and reported on stderr.
 *
 * Scoring rules (docs/bin-eval.md): a predicted entry is a true positive
 * when it is a truth function, ignored at a .cold fragment or in a P/U
 * region, and otherwise a false positive (inside a function, in padding,
 * or outside the executable sections). A predicted instruction is scored
 * only inside F regions or outside all regions (then false); in G/P/U it
 * is ignored. Duplicate predictions count once.
 *
 * Output line: LABEL then, for functions and for instructions,
 * TP FP FN PRECISION RECALL F1, then the ignored-prediction counts;
 * "-" fields when that prediction file was not given. Exit 0, or 2 on
 * usage or I/O errors. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct { uint64_t addr; char *name; } named;
typedef struct { uint64_t start, end; char kind; char *name; } region;
typedef struct { uint64_t addr; char pad; char *text; } insn;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) { fprintf(stderr, "bin_eval_score: out of memory\n"); exit(2); }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

/* Splits a tab-separated line in place; returns the number of fields. */
static int split_tabs(char *line, char **f, int max)
{
    int n = 0;
    line[strcspn(line, "\r\n")] = 0;
    while (n < max) {
        f[n++] = line;
        char *t = strchr(line, '\t');
        if (!t) break;
        *t = 0;
        line = t + 1;
    }
    return n;
}

static FILE *open_or_die(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) { fprintf(stderr, "bin_eval_score: cannot open %s\n", path); exit(2); }
    return f;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}
static int cmp_named(const void *a, const void *b) { return cmp_u64(a, b); }
static int cmp_region(const void *a, const void *b) { return cmp_u64(a, b); }
static int cmp_insn(const void *a, const void *b) { return cmp_u64(a, b); }

static size_t read_named(const char *path, named **out)
{
    FILE *f = open_or_die(path);
    char *line = NULL, *fld[2];
    size_t cap = 0, n = 0, alloc = 0;
    named *v = NULL;
    while (getline(&line, &cap, f) > 0) {
        int nf = split_tabs(line, fld, 2);
        if (strncmp(fld[0], "0x", 2)) continue;
        if (n == alloc) v = xrealloc(v, (alloc = alloc * 2 + 64) * sizeof *v);
        v[n].addr = strtoull(fld[0], NULL, 16);
        v[n].name = xstrdup(nf > 1 ? fld[1] : "?");
        n++;
    }
    free(line);
    fclose(f);
    if (n) qsort(v, n, sizeof *v, cmp_named);
    *out = v;
    return n;
}

static size_t read_regions(const char *path, region **out)
{
    FILE *f = open_or_die(path);
    char *line = NULL, *fld[4];
    size_t cap = 0, n = 0, alloc = 0;
    region *v = NULL;
    while (getline(&line, &cap, f) > 0) {
        if (split_tabs(line, fld, 4) < 4) continue;
        if (n == alloc) v = xrealloc(v, (alloc = alloc * 2 + 64) * sizeof *v);
        v[n].start = strtoull(fld[0], NULL, 16);
        v[n].end = strtoull(fld[1], NULL, 16);
        v[n].kind = fld[2][0];
        v[n].name = xstrdup(fld[3]);
        n++;
    }
    free(line);
    fclose(f);
    if (n) qsort(v, n, sizeof *v, cmp_region);
    *out = v;
    return n;
}

static size_t read_insns(const char *path, insn **out)
{
    FILE *f = open_or_die(path);
    char *line = NULL, *fld[4];
    size_t cap = 0, n = 0, alloc = 0;
    insn *v = NULL;
    while (getline(&line, &cap, f) > 0) {
        if (split_tabs(line, fld, 4) < 4) continue;
        if (n == alloc) v = xrealloc(v, (alloc = alloc * 2 + 1024) * sizeof *v);
        v[n].addr = strtoull(fld[0], NULL, 16);
        v[n].pad = fld[2][0] == 'p';
        v[n].text = xstrdup(fld[3]);
        n++;
    }
    free(line);
    fclose(f);
    if (n) qsort(v, n, sizeof *v, cmp_insn);
    *out = v;
    return n;
}

/* Predicted addresses: "address":"0x..." in NDJSON, or a leading 0x token. */
static size_t read_predictions(const char *path, uint64_t **out)
{
    FILE *f = open_or_die(path);
    char *line = NULL;
    size_t cap = 0, n = 0, alloc = 0, unparsed = 0;
    uint64_t *v = NULL;
    while (getline(&line, &cap, f) > 0) {
        const char *p = strstr(line, "\"address\"");
        if (p) {
            p += 9;
            while (*p == ' ' || *p == ':' || *p == '"') p++;
        } else {
            p = line;
            while (*p == ' ' || *p == '\t') p++;
        }
        if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) {
            if (strspn(line, " \t\r\n") != strlen(line)) unparsed++;
            continue;
        }
        if (n == alloc) v = xrealloc(v, (alloc = alloc * 2 + 1024) * sizeof *v);
        v[n++] = strtoull(p, NULL, 16);
    }
    free(line);
    fclose(f);
    if (unparsed)
        fprintf(stderr, "bin_eval_score: %s: %zu lines without an address\n", path, unparsed);
    if (n) qsort(v, n, sizeof *v, cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || v[u - 1] != v[i]) v[u++] = v[i];
    *out = v;
    return u;
}

/* Index of the last element with addr <= a, or -1. Elements start with a
 * uint64_t address and are sorted by it. */
static long floor_index(const void *base, size_t n, size_t size, uint64_t a)
{
    long lo = 0, hi = (long)n - 1, best = -1;
    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        uint64_t m = *(const uint64_t *)((const char *)base + (size_t)mid * size);
        if (m <= a) { best = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return best;
}

static int contains(const void *base, size_t n, size_t size, uint64_t a)
{
    long i = floor_index(base, n, size, a);
    return i >= 0 && *(const uint64_t *)((const char *)base + (size_t)i * size) == a;
}

static struct {
    named *funcs, *ignore, *names;
    size_t nfuncs, nignore, nnames;
    region *regs;
    size_t nregs;
    insn *insns;
    size_t ninsns;
} T;

static const region *region_of(uint64_t a)
{
    long i = floor_index(T.regs, T.nregs, sizeof *T.regs, a);
    return i >= 0 && a < T.regs[i].end ? &T.regs[i] : NULL;
}

/* Human description of where an address lies, from the truth. */
static void describe(uint64_t a, char *buf, size_t n)
{
    const region *r = region_of(a);
    long i = floor_index(T.names, T.nnames, sizeof *T.names, a);
    const char *fn = i >= 0 ? T.names[i].name : "?";
    uint64_t off = i >= 0 ? a - T.names[i].addr : 0;
    if (!r)
        snprintf(buf, n, "outside executable code");
    else if (r->kind == 'F')
        snprintf(buf, n, "inside %s+0x%" PRIx64, fn, off);
    else if (r->kind == 'G')
        snprintf(buf, n, "padding after %s", fn);
    else if (r->kind == 'P')
        snprintf(buf, n, "linker stub (%s)", r->name);
    else
        snprintf(buf, n, "unsymbolised code after %s", fn);
}

typedef struct { long func; size_t count, pad; uint64_t first; } group;

static int cmp_group(const void *a, const void *b)
{
    const group *x = a, *y = b;
    return (x->count < y->count) - (x->count > y->count);
}

/* Groups sorted addresses by containing truth function; prints the top. */
static void report_groups(FILE *m, const char *title, const uint64_t *addrs, size_t n,
                          int with_truth_text, int top)
{
    fprintf(m, "%s: %zu\n", title, n);
    if (!n) return;
    group *g = xrealloc(NULL, n * sizeof *g);
    size_t ng = 0;
    for (size_t k = 0; k < n; k++) {
        long f = floor_index(T.names, T.nnames, sizeof *T.names, addrs[k]);
        const region *r = region_of(addrs[k]);
        if (!r) f = -2;
        if (!ng || g[ng - 1].func != f)
            g[ng++] = (group){f, 0, 0, addrs[k]};
        g[ng - 1].count++;
        if (with_truth_text) {
            long ii = floor_index(T.insns, T.ninsns, sizeof *T.insns, addrs[k]);
            if (ii >= 0 && T.insns[ii].pad) g[ng - 1].pad++;
        }
    }
    qsort(g, ng, sizeof *g, cmp_group);
    for (size_t k = 0; k < ng && (int)k < top; k++) {
        char where[512];
        describe(g[k].first, where, sizeof where);
        fprintf(m, "  %6zu", g[k].count);
        if (with_truth_text) fprintf(m, " (%zu padding)", g[k].pad);
        fprintf(m, "  first 0x%" PRIx64 " %s", g[k].first, where);
        if (with_truth_text) {
            long ii = floor_index(T.insns, T.ninsns, sizeof *T.insns, g[k].first);
            if (ii >= 0 && T.insns[ii].addr == g[k].first) fprintf(m, ": %s", T.insns[ii].text);
        }
        fputc('\n', m);
    }
    free(g);
}

static void print_prf(size_t tp, size_t fp, size_t fn)
{
    double p = tp + fp ? (double)tp / (double)(tp + fp) : 0.0;
    double r = tp + fn ? (double)tp / (double)(tp + fn) : 0.0;
    double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0.0;
    printf("\t%zu\t%zu\t%zu\t%.4f\t%.4f\t%.4f", tp, fp, fn, p, r, f1);
}

int main(int argc, char **argv)
{
    const char *truth = NULL, *pfuncs = NULL, *pinsns = NULL, *label = "-", *misses = NULL, *list = NULL;
    int top = 12;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) { fprintf(stderr, "bin_eval_score: %s needs a value\n", a); return 2; }
        if (!strcmp(a, "--truth")) truth = v;
        else if (!strcmp(a, "--funcs")) pfuncs = v;
        else if (!strcmp(a, "--insns")) pinsns = v;
        else if (!strcmp(a, "--label")) label = v;
        else if (!strcmp(a, "--misses")) misses = v;
        else if (!strcmp(a, "--top")) top = atoi(v);
        else if (!strcmp(a, "--list")) list = v;
        else { fprintf(stderr, "bin_eval_score: unknown option %s\n", a); return 2; }
        i++;
    }
    if (!truth) {
        fprintf(stderr, "usage: bin_eval_score --truth PREFIX [--funcs FILE] [--insns FILE] "
                        "[--label TEXT] [--misses FILE] [--top N] [--list FILE]\n");
        return 2;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s.funcs", truth);
    T.nfuncs = read_named(path, &T.funcs);
    snprintf(path, sizeof path, "%s.funcs_ignore", truth);
    T.nignore = read_named(path, &T.ignore);
    snprintf(path, sizeof path, "%s.regions", truth);
    T.nregs = read_regions(path, &T.regs);
    T.nnames = T.nfuncs + T.nignore;
    T.names = xrealloc(NULL, T.nnames * sizeof *T.names);
    if (T.nfuncs) memcpy(T.names, T.funcs, T.nfuncs * sizeof *T.names);
    if (T.nignore) memcpy(T.names + T.nfuncs, T.ignore, T.nignore * sizeof *T.names);
    if (T.nnames) qsort(T.names, T.nnames, sizeof *T.names, cmp_named);

    FILE *m = NULL, *l = NULL;
    if ((misses && !(m = fopen(misses, "a"))) || (list && !(l = fopen(list, "a")))) {
        fprintf(stderr, "bin_eval_score: cannot write %s\n", m ? list : misses);
        return 2;
    }
    if (m) fprintf(m, "== %s\n", label);
    printf("%s", label);

    size_t ign_f = 0, ign_i = 0;
    int have_f = 0, have_i = 0;
    if (pfuncs) {
        uint64_t *pred;
        size_t np = read_predictions(pfuncs, &pred), tp = 0;
        uint64_t *fp = xrealloc(NULL, np * sizeof *fp), *fn = xrealloc(NULL, (T.nfuncs + 1) * sizeof *fn);
        size_t nfp = 0, nfn = 0;
        for (size_t k = 0; k < np; k++) {
            if (contains(T.funcs, T.nfuncs, sizeof *T.funcs, pred[k])) { tp++; continue; }
            if (contains(T.ignore, T.nignore, sizeof *T.ignore, pred[k])) { ign_f++; continue; }
            const region *r = region_of(pred[k]);
            if (r && (r->kind == 'P' || r->kind == 'U')) { ign_f++; continue; }
            fp[nfp++] = pred[k];
        }
        for (size_t k = 0; k < T.nfuncs; k++)
            if (!contains(pred, np, sizeof *pred, T.funcs[k].addr)) fn[nfn++] = T.funcs[k].addr;
        print_prf(tp, nfp, nfn);
        have_f = 1;
        for (size_t k = 0; l && k < nfn; k++) {
            long i = floor_index(T.funcs, T.nfuncs, sizeof *T.funcs, fn[k]);
            fprintf(l, "%s\tmissed\t0x%" PRIx64 "\t%s\n", label, fn[k], T.funcs[i].name);
        }
        for (size_t k = 0; l && k < nfp; k++) {
            char where[512];
            describe(fp[k], where, sizeof where);
            fprintf(l, "%s\tfalse\t0x%" PRIx64 "\t%s\n", label, fp[k], where);
        }
        if (m) {
            fprintf(m, "missed functions: %zu\n", nfn);
            for (size_t k = 0; k < nfn && (int)k < top; k++) {
                long i = floor_index(T.funcs, T.nfuncs, sizeof *T.funcs, fn[k]);
                fprintf(m, "  0x%" PRIx64 " %s\n", fn[k], T.funcs[i].name);
            }
            fprintf(m, "false function entries: %zu\n", nfp);
            for (size_t k = 0; k < nfp && (int)k < top; k++) {
                char where[512];
                describe(fp[k], where, sizeof where);
                fprintf(m, "  0x%" PRIx64 " %s\n", fp[k], where);
            }
        }
        free(pred); free(fp); free(fn);
    } else {
        printf("\t-\t-\t-\t-\t-\t-");
    }
    if (pinsns) {
        T.ninsns = 0;
        snprintf(path, sizeof path, "%s.insns", truth);
        T.ninsns = read_insns(path, &T.insns);
        uint64_t *pred;
        size_t np = read_predictions(pinsns, &pred), tp = 0;
        uint64_t *fp = xrealloc(NULL, np * sizeof *fp), *fn = xrealloc(NULL, (T.ninsns + 1) * sizeof *fn);
        size_t nfp = 0, nfn = 0;
        for (size_t k = 0; k < np; k++) {
            const region *r = region_of(pred[k]);
            if (r && r->kind != 'F') { ign_i++; continue; }
            if (r && contains(T.insns, T.ninsns, sizeof *T.insns, pred[k])) { tp++; continue; }
            fp[nfp++] = pred[k];
        }
        for (size_t k = 0; k < T.ninsns; k++)
            if (!contains(pred, np, sizeof *pred, T.insns[k].addr)) fn[nfn++] = T.insns[k].addr;
        print_prf(tp, nfp, nfn);
        have_i = 1;
        if (m) {
            report_groups(m, "missed instructions, by function", fn, nfn, 1, top);
            report_groups(m, "false instruction starts, by place", fp, nfp, 0, top);
        }
        free(pred); free(fp); free(fn);
    } else {
        printf("\t-\t-\t-\t-\t-\t-");
    }
    if (have_f) printf("\t%zu", ign_f); else printf("\t-");
    if (have_i) printf("\t%zu", ign_i); else printf("\t-");
    printf("\n");
    if (m) fclose(m);
    if (l) fclose(l);
    return 0;
}
