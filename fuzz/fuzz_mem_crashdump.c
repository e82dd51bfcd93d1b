/* Fuzz target: Microsoft crash dump (PAGEDU64) headers, run tables and bitmaps; body in mem_container_fuzz.h. */
#include "mem_container_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[] = "PAGEDU64";
    return fuzz_mem_container(magic, sizeof magic - 1, data, size);
}
