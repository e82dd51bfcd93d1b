/* Fuzz target: Microsoft crash dump (PAGEDU64) headers, run tables and bitmaps, one container format at a
 * time so the fuzzer's effort stays on its parser. The input follows the
 * format's magic, which this target supplies; the image is then read the
 * way every command reads it (runs, pages, a kernel search). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[] = "PAGEDU64";
    size_t m = sizeof magic - 1;
    uint8_t *buf = malloc(size + m);
    if (!buf) return 0;
    memcpy(buf, magic, m);
    memcpy(buf + m, data, size);
    mem_image img;
    kn_err e;
    if (mem_image_open_mem(&img, buf, size + m, "fuzz", NULL, 0, &e) == KN_OK) {
        uint8_t page[64];
        for (size_t i = 0; i < img.nruns && i < 64; i++) {
            mem_phys_page(&img, img.runs[i].pa + img.runs[i].len - 1);
            mem_phys_read(&img, img.runs[i].pa, page, sizeof page);
        }
        mem_kernel k;
        if (mem_kernel_find(&k, &img, NULL, &e) == KN_OK) {
            mem_proclist pl;
            if (mem_pslist(&k, &pl, &e) == KN_OK) mem_proclist_free(&pl);
        }
        mem_image_close(&img);
    }
    free(buf);
    return 0;
}
