/* hash.c: a 64-bit byte hash (multiply-fold over 8-byte words) and the
 * open-addressing table described in hash.h. The hash is written here rather
 * than taken from a library because Debian ships no small, fast, stable
 * non-cryptographic hash as a -dev package, and the table needs only
 * well-mixed low bits. */
#include "core/hash.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint64_t kn_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        h = (h ^ kn_hash_u64(rd64(p))) * 0x9e3779b97f4a7c15ULL;
        p += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = 0;
        memcpy(&v, p, n);
        h = (h ^ kn_hash_u64(v ^ ((uint64_t)n << 56))) * 0x9e3779b97f4a7c15ULL;
    }
    return kn_hash_u64(h);
}

static size_t align8(size_t x) { return (x + 7) & ~(size_t)7; }

int kn_htab_init(kn_htab *t, size_t key_size, size_t val_size, size_t initial_cap)
{
    memset(t, 0, sizeof *t);
    t->key_size = key_size;
    t->val_size = val_size;
    t->key_off = 8;
    t->val_off = 8 + align8(key_size);
    t->slot_size = t->val_off + align8(val_size);
    size_t cap = 16;
    while (cap < initial_cap * 8 / 7 + 1) cap *= 2;
    t->slots = calloc(cap, t->slot_size);
    if (!t->slots) return -1;
    t->cap = cap;
    return 0;
}

void kn_htab_free(kn_htab *t)
{
    free(t->slots);
    t->slots = NULL;
    t->cap = t->count = 0;
}

void kn_htab_clear(kn_htab *t)
{
    memset(t->slots, 0, t->cap * t->slot_size);
    t->count = 0;
}

#define SLOT(t, i) ((t)->slots + (i) * (t)->slot_size)

static size_t find(const kn_htab *t, const void *key, int *found)
{
    size_t mask = t->cap - 1;
    size_t i = kn_hash_bytes(key, t->key_size, 0) & mask;
    for (;;) {
        unsigned char *s = SLOT(t, i);
        if (!s[0]) { *found = 0; return i; }
        if (memcmp(s + t->key_off, key, t->key_size) == 0) { *found = 1; return i; }
        i = (i + 1) & mask;
    }
}

void *kn_htab_get(const kn_htab *t, const void *key)
{
    int found;
    size_t i = find(t, key, &found);
    return found ? SLOT(t, i) + t->val_off : NULL;
}

static int grow(kn_htab *t)
{
    kn_htab n = *t;
    n.cap = t->cap * 2;
    n.slots = calloc(n.cap, n.slot_size);
    if (!n.slots) return -1;
    n.count = 0;
    for (size_t i = 0; i < t->cap; i++) {
        unsigned char *s = SLOT(t, i);
        if (!s[0]) continue;
        int found;
        size_t j = find(&n, s + t->key_off, &found);
        memcpy(SLOT(&n, j), s, t->slot_size);
        n.count++;
    }
    free(t->slots);
    *t = n;
    return 0;
}

void *kn_htab_put(kn_htab *t, const void *key, int *created)
{
    int found;
    size_t i = find(t, key, &found);
    if (created) *created = !found;
    if (found) return SLOT(t, i) + t->val_off;
    if (t->max_count && t->count >= t->max_count) return NULL;
    if ((t->count + 1) * 8 > t->cap * 7) {
        if (grow(t) != 0) return NULL;
        i = find(t, key, &found);
    }
    unsigned char *s = SLOT(t, i);
    memset(s, 0, t->slot_size);
    s[0] = 1;
    memcpy(s + t->key_off, key, t->key_size);
    t->count++;
    assert(t->count < t->cap);
    return s + t->val_off;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void del_slot(kn_htab *t, size_t i)
{
    size_t mask = t->cap - 1;
    size_t j = i;
    for (;;) {
        SLOT(t, i)[0] = 0;
        for (;;) {
            j = (j + 1) & mask;
            unsigned char *s = SLOT(t, j);
            if (!s[0]) { t->count--; return; }
            size_t home = kn_hash_bytes(s + t->key_off, t->key_size, 0) & mask;
            /* can s move to i? only if home is not cyclically in (i, j] */
            if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) break;
        }
        memcpy(SLOT(t, i), SLOT(t, j), t->slot_size);
        i = j;
    }
}

int kn_htab_del(kn_htab *t, const void *key)
{
    int found;
    size_t i = find(t, key, &found);
    if (!found) return 0;
    del_slot(t, i);
    return 1;
}

int kn_htab_next(const kn_htab *t, size_t *it, const void **key, void **val)
{
    while (*it < t->cap) {
        unsigned char *s = SLOT(t, *it);
        (*it)++;
        if (s[0]) {
            if (key) *key = s + t->key_off;
            if (val) *val = s + t->val_off;
            return 1;
        }
    }
    return 0;
}

void kn_htab_del_at(kn_htab *t, size_t *it)
{
    /* *it points one past the current entry. After the shift, an entry from
     * further on may have moved into the current slot: revisit it. An entry
     * that wraps from the table's start to its end may be visited twice, but
     * none is skipped; callers that count must tolerate that. */
    size_t cur = *it - 1;
    del_slot(t, cur);
    *it = cur;
}
