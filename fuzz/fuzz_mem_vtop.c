/* Fuzz target: the x64 translator on arbitrary page tables. The input is
 * physical memory (its first page is the PML4); its last 16 KiB double as
 * a pagefile. Virtual addresses to look up come from the input's first
 * qwords, so the fuzzer steers walks into large pages, transition and
 * prototype PTEs, and tables that point back at themselves. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mem/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4096) return 0;
    mem_image img;
    kn_err e;
    if (mem_image_open_mem(&img, data, size, "fuzz", NULL, 0, &e) != KN_OK) return 0;
    if (size >= 4 * 4096) {
        img.pagefile = data + size - 4 * 4096;
        img.pagefile_size = 4 * 4096;
    }
    mem_as as = {&img, 0, 0, 0};
    uint8_t buf[3 * 4096];
    for (size_t i = 0; i + 8 <= 256 && i + 8 <= size; i += 8) {
        uint64_t va;
        memcpy(&va, data + i, 8);
        mem_page pg;
        mem_translate(&as, va, &pg);
        if (pg.data) (void)pg.data[4095];
        mem_vread(&as, va - 100, buf, sizeof buf);
        mem_resolve_proto(&as, va, &pg);
        char s[64];
        mem_read_ustr(&as, va, s, sizeof s);
    }
    mem_image_close(&img);
    return 0;
}
