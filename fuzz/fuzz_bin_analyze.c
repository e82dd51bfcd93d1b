/* Fuzz target: the whole analysis on arbitrary bytes. The first byte picks
 * the architecture and whether hints are used; the rest is raw code, or a
 * container when it starts with a known magic. Output queries run over every
 * recovered instruction so formatting is covered too. */
#include <stddef.h>
#include <stdint.h>

#include "bin/bin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    bin_image img;
    kn_err e;
    bin_load_opts o = {0};
    o.quiet = 1;
    o.arch = data[0] & 1 ? BIN_ARCH_X64 : BIN_ARCH_X86;
    o.base = 0x1000;
    o.force_raw = (data[0] & 4) == 0;
    if (bin_load_mem(&img, data + 1, size - 1, "fuzz", &o, &e) != KN_OK) return 0;
    img.warn.quiet = 1;
    bin_analyze_opts ao = {(data[0] & 2) != 0};
    bin_analysis *a;
    if (bin_analyze(&img, &ao, &a, &e) == KN_OK) {
        for (size_t r = 0; r < a->nregions; r++)
            for (uint64_t g = 0; g < a->regions[r].size; g++) {
                if (!(a->flags[a->regions[r].index + g] & BIN_B_INSN)) continue;
                bin_insn_text t;
                uint64_t va = a->regions[r].va + g;
                bin_format_insn(a, va, &t);
                bin_func_at(a, va);
            }
        bin_analysis_free(a);
    }
    bin_close(&img);
    return 0;
}
