/* hash.h: hashing and an open-addressing hash table with fixed-size keys and
 * values stored inline.
 *
 * Why this shape: the hot users (per-destination DDoS counters, flow and
 * session tables, address maps in bin) key on small fixed structs (an IP, a
 * 5-tuple, an address) and want one cache line per probe, no per-entry
 * allocation, and deletion for eviction. Linear probing with backward-shift
 * deletion gives all three. Keys are compared with memcmp, so key structs
 * must be fully initialised (memset padding to zero).
 *
 * Invariants: count < cap; cap is a power of two; load stays <= 7/8 (the
 * table grows before exceeding it). Pointers returned by get/put are valid
 * until the next put or del. */
#ifndef KENSA_CORE_HASH_H
#define KENSA_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t kn_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t kn_hash_u64(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

typedef struct kn_htab {
    unsigned char *slots;  /* cap slots of [used byte][pad][key][value] */
    size_t cap, count;
    size_t key_size, val_size, slot_size, key_off, val_off;
    size_t max_count;      /* 0 = unlimited; put fails (NULL) beyond it */
} kn_htab;

/* Returns 0 on success, -1 on allocation failure. */
int kn_htab_init(kn_htab *t, size_t key_size, size_t val_size, size_t initial_cap);
void kn_htab_free(kn_htab *t);
void kn_htab_clear(kn_htab *t);
/* Value for key, or NULL. */
void *kn_htab_get(const kn_htab *t, const void *key);
/* Value for key, inserting a zeroed one if absent (*created set to 1).
 * NULL when memory or max_count runs out. */
void *kn_htab_put(kn_htab *t, const void *key, int *created);
/* Removes key; returns 1 if it was present. */
int kn_htab_del(kn_htab *t, const void *key);
/* Iteration: start with *it = 0; returns 0 when done. Do not put during
 * iteration; deleting the current entry is allowed only via
 * kn_htab_del_at (which keeps the iterator valid). */
int kn_htab_next(const kn_htab *t, size_t *it, const void **key, void **val);
void kn_htab_del_at(kn_htab *t, size_t *it);

#endif
