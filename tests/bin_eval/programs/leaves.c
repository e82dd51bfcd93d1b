/* leaves.c: small leaf functions (a few instructions, no frame), static
 * helpers, getters and setters, functions whose address is taken only to
 * be stored, and a function never called at all (dead, but still a
 * function in the symbol table, so it counts). */
#include <stdint.h>
#include "progs.h"

struct counter { int value, limit; };

NOINLINE int counter_get(const struct counter *c) { return c->value; }
NOINLINE void counter_set(struct counter *c, int v) { c->value = v < c->limit ? v : c->limit; }
NOINLINE int is_power_of_two(uint32_t v) { return v && !(v & (v - 1)); }
NOINLINE uint32_t rotl32(uint32_t v, int s) { return (v << (s & 31)) | (v >> ((32 - s) & 31)); }
NOINLINE int clamp(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }
NOINLINE int sign(int v) { return (v > 0) - (v < 0); }
NOINLINE int popcount_loop(uint32_t v) { int c = 0; while (v) { v &= v - 1; c++; } return c; }
static NOINLINE int twice(int v) { return v + v; }
static NOINLINE int zero(void) { return 0; }
NOINLINE void nothing(void) { }

/* Never called: still a function. */
NOINLINE int unused_function(int v) { return v * 1234567 + 89; }

int (*const exported_hooks[])(int) = { twice, sign };

int prog_leaves(int n)
{
    struct counter c = { 0, 100 };
    counter_set(&c, n * 3);
    nothing();
    return counter_get(&c) + is_power_of_two((uint32_t)n) + (int)rotl32((uint32_t)n, 5)
           + clamp(n, -5, 5) + exported_hooks[n & 1](n) + popcount_loop((uint32_t)n) + zero();
}
