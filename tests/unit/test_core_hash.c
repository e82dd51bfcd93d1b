#include "test.h"
#include "core/hash.h"

#include <stdint.h>

/* Compares the table against a plain array model under random operations. */
static void matches_model_under_random_ops(void)
{
    kn_htab t;
    CHECK(kn_htab_init(&t, sizeof(uint32_t), sizeof(uint64_t), 4) == 0);
    enum { N = 5000 };
    static uint64_t model[N];
    static int present[N];
    uint64_t x = 12345;
    int mismatches = 0;
    for (int step = 0; step < 200000; step++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint32_t k = (uint32_t)((x >> 33) % N);
        int op = (int)((x >> 20) % 3);
        if (op < 2) {
            int created;
            uint64_t *v = kn_htab_put(&t, &k, &created);
            if (created != !present[k]) mismatches++;
            *v += k + 1;
            model[k] += k + 1;
            present[k] = 1;
        } else {
            int had = kn_htab_del(&t, &k);
            if (had != present[k]) mismatches++;
            present[k] = 0;
            model[k] = 0;
        }
    }
    size_t count = 0;
    for (uint32_t k = 0; k < N; k++) {
        uint64_t *v = kn_htab_get(&t, &k);
        if (present[k]) { count++; if (!v || *v != model[k]) mismatches++; }
        else if (v) mismatches++;
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK_EQ_INT(t.count, count);
    size_t it = 0, seen = 0;
    const void *key;
    void *val;
    while (kn_htab_next(&t, &it, &key, &val)) seen++;
    CHECK_EQ_INT(seen, count);
    kn_htab_free(&t);
}

static void delete_while_iterating(void)
{
    kn_htab t;
    kn_htab_init(&t, 8, 8, 0);
    for (uint64_t k = 0; k < 1000; k++) *(uint64_t *)kn_htab_put(&t, &k, NULL) = k;
    size_t it = 0;
    const void *key;
    void *val;
    while (kn_htab_next(&t, &it, &key, &val))
        if (*(uint64_t *)val % 2 == 0) kn_htab_del_at(&t, &it);
    CHECK_EQ_INT(t.count, 500);
    int bad = 0;
    for (uint64_t k = 0; k < 1000; k++) bad += (kn_htab_get(&t, &k) != NULL) != (k % 2 == 1);
    CHECK_EQ_INT(bad, 0);
    kn_htab_free(&t);
}

static void max_count_bounds_memory(void)
{
    kn_htab t;
    kn_htab_init(&t, 8, 8, 0);
    t.max_count = 100;
    int failed = 0;
    for (uint64_t k = 0; k < 200; k++) failed += kn_htab_put(&t, &k, NULL) == NULL;
    CHECK_EQ_INT(failed, 100);
    CHECK_EQ_INT(t.count, 100);
    kn_htab_free(&t);
    CHECK(kn_hash_bytes("abc", 3, 0) != kn_hash_bytes("abd", 3, 0));
    CHECK(kn_hash_bytes("abc", 3, 0) == kn_hash_bytes("abc", 3, 0));
}

TEST_MAIN(matches_model_under_random_ops, delete_while_iterating, max_count_bounds_memory)
