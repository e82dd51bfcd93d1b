/* Fuzz target: the core JSON parser and its lookups. */
#include <stdint.h>
#include <stddef.h>

#include "core/jsonp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kn_arena a;
    kn_arena_init(&a, 0, 64u << 20);
    kn_jval *v;
    size_t off;
    if (kn_jparse(&a, (const char *)data, size, &v, &off) == KN_OK) {
        kn_jstr(kn_jpath(v, "a.b"), NULL);
        kn_jint(kn_jget(v, "n"), 0);
        if (v->type == KN_JARR && v->len) kn_jnum(&v->u.items[0], 0);
    }
    kn_arena_free(&a);
    return 0;
}
