/* Fuzz target: the bin loaders (ELF, PE, minidump module, raw) and the
 * queries on a loaded image. Inputs are whole files; the format is chosen
 * by magic bytes as on the command line. */
#include <stddef.h>
#include <stdint.h>

#include "bin/bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bin_image img;
    kn_err e;
    bin_load_opts o = {0};
    o.quiet = 1;
    o.module = "a";
    if (bin_load_mem(&img, data, size, "fuzz", &o, &e) == KN_OK) {
        img.warn.quiet = 1;
        uint8_t buf[16];
        for (size_t i = 0; i < img.nsecs; i++) {
            bin_read(&img, img.secs[i].va, buf, sizeof buf);
            bin_read(&img, img.secs[i].va + img.secs[i].size - 1, buf, sizeof buf);
        }
        if (img.has_entry) bin_section_at(&img, img.entry);
        bin_close(&img);
    }
    return 0;
}
