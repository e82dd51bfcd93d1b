/* mem_container_fuzz.h: the shared body of the per-container fuzz targets
 * (crash dump, LiME, ELF core). Each target supplies its format's magic so
 * the fuzzer's effort stays on one parser; the image is then read the way
 * every command reads it (runs, pages, a kernel search, the process list). */
#ifndef KENSA_FUZZ_MEM_CONTAINER_FUZZ_H
#define KENSA_FUZZ_MEM_CONTAINER_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mem/mem.h"

static int fuzz_mem_container(const char *magic, size_t m, const uint8_t *data, size_t size)
{
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

#endif
