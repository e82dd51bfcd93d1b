/* arena.c: bump allocator over a list of malloc'd blocks; see arena.h. */
#include "core/arena.h"

#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct kn_arena_block {
    kn_arena_block *next;
    size_t size, off;
    _Alignas(16) unsigned char mem[];
};

void kn_arena_init(kn_arena *a, size_t block_size, size_t limit)
{
    memset(a, 0, sizeof *a);
    a->block_size = block_size ? block_size : 65536;
    a->limit = limit;
}

void *kn_arena_alloc(kn_arena *a, size_t n)
{
    if (n > SIZE_MAX - 32) return NULL;
    n = (n + 15) & ~(size_t)15;
    kn_arena_block *b = a->head;
    if (!b || b->size - b->off < n) {
        size_t bs = a->block_size ? a->block_size : 65536;
        if (n > bs / 4) bs = n;  /* big requests get their own block */
        if (a->limit && a->reserved + bs > a->limit) return NULL;
        kn_arena_block *nb = malloc(sizeof *nb + bs);
        if (!nb) return NULL;
        nb->size = bs;
        nb->off = 0;
        a->reserved += bs;
        if (b && n == bs && b->size - b->off > 256) {
            /* keep filling the current block: insert the big one behind it */
            nb->next = b->next;
            b->next = nb;
            nb->off = n;
            a->used += n;
            return nb->mem;
        }
        nb->next = b;
        a->head = b = nb;
    }
    void *p = b->mem + b->off;
    b->off += n;
    a->used += n;
    assert(b->off <= b->size);
    return p;
}

void *kn_arena_zalloc(kn_arena *a, size_t n)
{
    void *p = kn_arena_alloc(a, n);
    if (p) memset(p, 0, n);
    return p;
}

char *kn_arena_strndup(kn_arena *a, const char *s, size_t n)
{
    char *p = kn_arena_alloc(a, n + 1);
    if (!p) return NULL;
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

char *kn_arena_strdup(kn_arena *a, const char *s) { return kn_arena_strndup(a, s, strlen(s)); }

void kn_arena_reset(kn_arena *a)
{
    kn_arena_block *b = a->head;
    while (b) {
        kn_arena_block *n = b->next;
        free(b);
        b = n;
    }
    a->head = NULL;
    a->used = a->reserved = 0;
}

void kn_arena_free(kn_arena *a) { kn_arena_reset(a); }
