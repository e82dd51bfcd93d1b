/* fptrs.c: functions reached only through pointers: a dispatch table in
 * initialised data, callbacks passed to qsort and to our own iterator,
 * function pointers stored in structs, and a pointer chosen at run time.
 * A disassembler that follows only direct calls misses every one of these. */
#include <stdlib.h>
#include "progs.h"

typedef int (*binop)(int, int);

static int op_add(int a, int b) { return a + b; }
static int op_sub(int a, int b) { return a - b; }
static int op_mul(int a, int b) { return a * b; }
static int op_min(int a, int b) { return a < b ? a : b; }
static int op_max(int a, int b) { return a > b ? a : b; }
static int op_avg(int a, int b) { return (a + b) / 2; }

static binop const optable[] = { op_add, op_sub, op_mul, op_min, op_max, op_avg };

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_int_desc(const void *a, const void *b) { return cmp_int(b, a); }

struct shape {
    const char *name;
    int (*area)(const struct shape *);
    int (*perimeter)(const struct shape *);
    int w, h;
};

static int rect_area(const struct shape *s) { return s->w * s->h; }
static int rect_perim(const struct shape *s) { return 2 * (s->w + s->h); }
static int tri_area(const struct shape *s) { return s->w * s->h / 2; }
static int tri_perim(const struct shape *s) { return s->w + s->h + (s->w > s->h ? s->w : s->h); }

static NOINLINE void for_each(int *v, int n, void (*fn)(int *, void *), void *ctx)
{
    for (int i = 0; i < n; i++)
        fn(&v[i], ctx);
}

static void add_to(int *x, void *ctx) { *(int *)ctx += *x; }
static void square(int *x, void *ctx) { (void)ctx; *x = *x * *x; }

int prog_fptrs(int n)
{
    int v[32], acc = 0;
    for (int i = 0; i < 32; i++)
        v[i] = (i * 7919 + n) % 101;
    qsort(v, 32, sizeof v[0], (n & 1) ? cmp_int : cmp_int_desc);
    for (int i = 0; i + 1 < 32; i++)
        acc = optable[(unsigned)(v[i] + i) % 6](acc, v[i + 1]);
    struct shape shapes[2] = {
        { "rect", rect_area, rect_perim, n + 2, 3 },
        { "tri", tri_area, tri_perim, 4, n + 1 },
    };
    for (int i = 0; i < 2; i++)
        acc += shapes[i].area(&shapes[i]) + shapes[i].perimeter(&shapes[i]);
    for_each(v, 32, (n & 2) ? square : add_to, &acc);
    for_each(v, 32, add_to, &acc);
    return acc;
}
