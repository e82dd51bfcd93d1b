/* Fuzz target: VMware vmss/vmsn region maps (groups and tags) that map a
 * .vmem. The input is the vmss; the vmem is a fixed 64 KiB of memory so
 * every region the fuzzer invents is checked against a real file size. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mem/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t vmem[64 * 1024];
    mem_image img;
    kn_err e;
    if (mem_image_open_mem(&img, vmem, sizeof vmem, "fuzz.vmem", data, size, &e) == KN_OK) {
        uint8_t page[64];
        for (size_t i = 0; i < img.nruns; i++) mem_phys_read(&img, img.runs[i].pa, page, sizeof page);
        mem_image_close(&img);
    }
    return 0;
}
