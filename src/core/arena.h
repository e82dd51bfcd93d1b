/* arena.h: region allocator. Parsers allocate many small, same-lifetime
 * objects (JSON nodes, session records, decoded instructions); an arena makes
 * that one pointer bump each and frees them all at once. Memory is never
 * returned piecemeal. kn_arena_alloc returns NULL only when malloc fails or
 * the arena's optional byte limit is reached, so callers can bound memory on
 * hostile input. */
#ifndef KENSA_CORE_ARENA_H
#define KENSA_CORE_ARENA_H

#include <stddef.h>

typedef struct kn_arena_block kn_arena_block;

typedef struct kn_arena {
    kn_arena_block *head;
    size_t block_size;  /* default block size (64 KiB when 0) */
    size_t used;        /* bytes handed out, for accounting */
    size_t reserved;    /* bytes obtained from malloc */
    size_t limit;       /* 0 = no limit; otherwise cap on reserved */
} kn_arena;

void kn_arena_init(kn_arena *a, size_t block_size, size_t limit);
void *kn_arena_alloc(kn_arena *a, size_t n);      /* 16-byte aligned, uninitialised */
void *kn_arena_zalloc(kn_arena *a, size_t n);     /* zeroed */
char *kn_arena_strndup(kn_arena *a, const char *s, size_t n);
char *kn_arena_strdup(kn_arena *a, const char *s);
void kn_arena_reset(kn_arena *a);                 /* free all but keep the struct usable */
void kn_arena_free(kn_arena *a);

#endif
