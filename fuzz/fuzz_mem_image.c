/* Fuzz target: memory image containers (raw, crash dump full/bitmap, LiME,
 * ELF core, vmem+vmss) and everything that reads through them: kernel and
 * EPROCESS finding, the process list, the physical process scan, VADs and
 * module lists. The first byte picks the shape: 'V' splits the rest into a
 * vmss (length in the next two bytes) and a vmem; anything else is one
 * image file. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mem/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *side = NULL;
    size_t side_size = 0;
    if (size >= 3 && data[0] == 'V') {
        side_size = (size_t)data[1] | (size_t)data[2] << 8;
        if (side_size > size - 3) side_size = size - 3;
        side = data + 3;
        data += 3 + side_size;
        size -= 3 + side_size;
    }
    mem_image img;
    kn_err e;
    if (mem_image_open_mem(&img, data, size, "fuzz", side, side_size, &e) != KN_OK) return 0;
    uint8_t buf[64];
    for (size_t i = 0; i < img.nruns && i < 64; i++) {
        mem_phys_page(&img, img.runs[i].pa);
        mem_phys_read(&img, img.runs[i].pa + img.runs[i].len - 8, buf, sizeof buf);
    }
    mem_kernel k;
    if (mem_kernel_find(&k, &img, NULL, &e) == KN_OK) {
        mem_proclist pl, ps;
        if (mem_pslist(&k, &pl, &e) == KN_OK) {
            for (size_t i = 0; i < pl.n && i < 8; i++) {
                mem_vadlist v;
                if (mem_vads(&k, &pl.v[i], &v, &e) == KN_OK) {
                    mem_modlist m;
                    mem_modules(&k, &pl.v[i], &v, &m, &e);
                    mem_modlist_free(&m);
                    mem_vadlist_free(&v);
                }
            }
            if (mem_psscan(&k, &pl, &ps, &e) == KN_OK) mem_proclist_free(&ps);
            mem_proclist_free(&pl);
        }
    }
    mem_image_close(&img);
    return 0;
}
