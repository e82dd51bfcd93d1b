/* Fuzz target: the zeek log input (probe, open, every record, close). */
#include "log_input_fuzz.h"

extern const soc_input_ops soc_input_zeek;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_log_input(&soc_input_zeek, data, size);
}
