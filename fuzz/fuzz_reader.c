/* Fuzz target: the streaming reader's decompression (gzip/xz sniffed from
 * content), peeking and line splitting on arbitrary bytes. */
#include <stdint.h>
#include <stddef.h>

#include "core/input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kn_reader *r;
    kn_err e;
    if (kn_reader_open_mem(&r, data, size, "fuzz", &e) != KN_OK) return 0;
    kn_reader_set_max_line(r, 4096);
    const uint8_t *p;
    size_t n;
    kn_reader_peek(r, 64, &p, &n, &e);
    const char *line;
    size_t len;
    int trunc;
    uint64_t lines = 0;
    while (kn_reader_line(r, &line, &len, &trunc, &e) == 1 && lines < 1000000) lines++;
    kn_reader_close(r);
    return 0;
}
