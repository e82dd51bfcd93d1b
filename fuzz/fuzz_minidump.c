/* Fuzz target: the minidump reader (header, directory, every stream parser)
 * and address lookups over what it found. */
#include <stddef.h>
#include <stdint.h>

#include "core/minidump.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mdmp_file *f;
    if (mdmp_open(&f, data, size, "fuzz", NULL) != KN_OK) return 0;
    uint8_t buf[64];
    volatile size_t sink = 0;
    for (size_t i = 0; i < mdmp_range_count(f) && i < 64; i++) {
        const mdmp_range *r = mdmp_range_at(f, i);
        sink += mdmp_read(f, r->va, buf, sizeof buf);
        sink += mdmp_read(f, r->va + r->size - 1, buf, sizeof buf);
    }
    for (size_t i = 0; i < mdmp_module_count(f); i++) sink += mdmp_module_for(f, mdmp_module_at(f, i)->base) != NULL;
    for (size_t i = 0; i < mdmp_thread_count(f); i++) {
        const mdmp_thread *t = mdmp_thread_at(f, i);
        if (t->context && t->context_size) sink += t->context[t->context_size - 1];
        sink += mdmp_read(f, t->stack_start, buf, sizeof buf);
    }
    const char *c = mdmp_comment(f);
    if (c) while (*c) sink += (unsigned char)*c++;
    (void)sink;
    mdmp_close(f);
    return 0;
}
