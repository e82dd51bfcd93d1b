/* Fuzz target: LiME range headers; body in mem_container_fuzz.h. */
#include "mem_container_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[] = "EMiL";  /* 0x4C694D45 little-endian */
    return fuzz_mem_container(magic, sizeof magic - 1, data, size);
}
