/* Fuzz target: ELF core program headers (QEMU, VirtualBox); body in mem_container_fuzz.h. */
#include "mem_container_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char magic[] = "\x7f" "ELF";
    return fuzz_mem_container(magic, sizeof magic - 1, data, size);
}
