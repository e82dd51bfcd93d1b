/* tailcalls.c: calls in tail position (compiled to jmp at -O2), a state
 * machine whose states hand over by tail call, and a tail call through a
 * function pointer. A jmp to another function's entry is where a
 * disassembler must decide "tail call" versus "branch inside this function". */
#include "progs.h"

static NOINLINE int finish(int acc, int n) { return acc * 31 + n; }
static NOINLINE int step_c(int acc, int n);
static NOINLINE int step_a(int acc, int n)
{
    if (n <= 0) return finish(acc, n);
    return step_c(acc + 1, n - 1);
}
static NOINLINE int step_b(int acc, int n)
{
    if (n <= 0) return finish(acc, -n);
    return step_a(acc ^ n, n - 1);
}
static NOINLINE int step_c(int acc, int n)
{
    if (n & 1) return step_b(acc * 3, n - 1);
    return step_a(acc + 7, n - 1);
}

static NOINLINE int scale(int v) { return v * 10; }
static NOINLINE int wrap_scale(int v) { return scale(v + 1); }
static NOINLINE int wrap_wrap(int v) { return wrap_scale(v - 2); }

typedef int (*handler)(int);
static int h_inc(int v) { return v + 1; }
static int h_dec(int v) { return v - 1; }
static NOINLINE int dispatch(handler h, int v) { return h(v); }

int prog_tailcalls(int n)
{
    return step_a(0, 20 + (n & 7)) + wrap_wrap(n) + dispatch((n & 1) ? h_inc : h_dec, n);
}
