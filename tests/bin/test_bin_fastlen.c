/* test_bin_fastlen.c: the hand-written fast decoder (src/bin/fastlen.c)
 * against Zydis, its oracle: on every byte offset of real compiled code (the
 * test's own executable, read as x86-64 and as i386) and of random bytes,
 * length, flow class and branch displacement must be identical whether the
 * fast path answers or Zydis does. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bin/an.h"
#include "test.h"

static uint8_t *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 20, len = 0, got;
    uint8_t *b = malloc(cap);
    while (b && (got = fread(b + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) { cap *= 2; uint8_t *nb = realloc(b, cap); if (!nb) { free(b); b = NULL; } else b = nb; }
    }
    fclose(f);
    *n = len;
    return b;
}

static void check_buffer(const uint8_t *p, size_t n, const char *what)
{
    for (int is64 = 0; is64 < 2; is64++) {
        uint64_t bad = 0;
        long answered = an_fast_selftest(p, n, is64, 0x400000, &bad);
        if (answered < 0) fprintf(stderr, "%s (%s): disagreement at offset %llu\n", what, is64 ? "x86-64" : "x86", (unsigned long long)bad);
        CHECK(answered >= 0);
        /* the fast path must actually be used on real code */
        if (answered >= 0) printf("%s (%s): fast path answered %ld of %zu offsets\n", what, is64 ? "x86-64" : "x86", answered, n);
    }
}

static void test_own_code(void)
{
    size_t n = 0;
    uint8_t *p = slurp("/proc/self/exe", &n);
    CHECK(p != NULL && n > 4096);
    if (!p) return;
    check_buffer(p, n, "own executable");
    uint64_t bad;
    CHECK(an_fast_selftest(p, n, 1, 0x400000, &bad) > (long)(n / 20));
    free(p);
}

static void test_random(void)
{
    size_t n = 1 << 20;
    uint8_t *p = malloc(n);
    uint64_t s = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; p[i] = (uint8_t)s; }
    check_buffer(p, n, "random bytes");
    /* short buffers: every truncation of a long instruction */
    for (size_t len = 1; len < 16; len++) check_buffer(p + 1000, len, "short");
    free(p);
}

TEST_MAIN(test_own_code, test_random)
