#include "test.h"
#include "core/arena.h"

#include <stdint.h>

static void alignment_and_limit(void)
{
    kn_arena a;
    kn_arena_init(&a, 1024, 8192);
    int misaligned = 0;
    for (int i = 1; i < 100; i++) {
        void *p = kn_arena_alloc(&a, (size_t)i % 37 + 1);
        if (!p) break;
        misaligned += ((uintptr_t)p & 15) != 0;
    }
    CHECK_EQ_INT(misaligned, 0);
    /* a request beyond the limit fails cleanly */
    CHECK(kn_arena_alloc(&a, 100000) == NULL);
    char *s = kn_arena_strndup(&a, "hello world", 5);
    CHECK_EQ_STR(s, "hello");
    unsigned char *z = kn_arena_zalloc(&a, 64);
    int nonzero = 0;
    for (int i = 0; i < 64; i++) nonzero += z[i] != 0;
    CHECK_EQ_INT(nonzero, 0);
    CHECK(a.reserved <= 8192);
    kn_arena_free(&a);
    CHECK_EQ_INT(a.reserved, 0);
}

static void big_blocks_keep_small_ones_usable(void)
{
    kn_arena a;
    kn_arena_init(&a, 4096, 0);
    char *x = kn_arena_alloc(&a, 16);
    char *big = kn_arena_alloc(&a, 100000);
    char *y = kn_arena_alloc(&a, 16);
    CHECK(x && big && y);
    memset(big, 1, 100000);
    /* y comes from the first block, right after x */
    CHECK(y == x + 16);
    kn_arena_free(&a);
}

TEST_MAIN(alignment_and_limit, big_blocks_keep_small_ones_usable)
