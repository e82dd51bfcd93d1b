/* table.c: collects cells, then prints with per-column widths. */
#include "core/table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct kn_table {
    int ncols;
    char **cells;     /* row-major, headers first */
    size_t n, cap;
    int *right;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) { fputs("kensa: out of memory\n", stderr); abort(); }
    return q;
}

static void push(kn_table *t, const char *s)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->cells = xrealloc(t->cells, t->cap * sizeof *t->cells);
    }
    t->cells[t->n++] = strdup(s ? s : "");
}

kn_table *kn_table_new(const char *const *headers)
{
    kn_table *t = calloc(1, sizeof *t);
    if (!t) abort();
    while (headers[t->ncols]) t->ncols++;
    t->right = calloc((size_t)t->ncols, sizeof(int));
    for (int i = 0; i < t->ncols; i++) {
        const char *h = headers[i];
        if (h[0] == '>') { t->right[i] = 1; h++; }
        push(t, h);
    }
    return t;
}

void kn_table_cell(kn_table *t, const char *text) { push(t, text); }

void kn_table_cellf(kn_table *t, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    push(t, buf);
}

static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80) w++;
    return w;
}

void kn_table_print(kn_table *t, FILE *out)
{
    size_t *w = calloc((size_t)t->ncols, sizeof *w);
    for (size_t i = 0; i < t->n; i++) {
        size_t k = width(t->cells[i]);
        if (k > w[i % (size_t)t->ncols]) w[i % (size_t)t->ncols] = k;
    }
    for (size_t i = 0; i < t->n; i++) {
        int c = (int)(i % (size_t)t->ncols);
        int last = c == t->ncols - 1 || i == t->n - 1;
        size_t pad = w[c] - width(t->cells[i]);
        if (t->right[c]) for (size_t k = 0; k < pad; k++) fputc(' ', out);
        fputs(t->cells[i], out);
        if (!last) {
            if (!t->right[c]) for (size_t k = 0; k < pad; k++) fputc(' ', out);
            fputs("  ", out);
        } else {
            fputc('\n', out);
        }
    }
    free(w);
}

size_t kn_table_rows(const kn_table *t) { return t->n / (size_t)t->ncols - 1; }

void kn_table_free(kn_table *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) free(t->cells[i]);
    free(t->cells);
    free(t->right);
    free(t);
}
