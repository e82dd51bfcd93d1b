/* Fuzz target: the mmap pcap record walker (classic pcap in a plain file),
 * fed through a memfd so kn_map maps it as it maps real files. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "soc/soc.h"

extern const soc_input_ops soc_input_pcap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = memfd_create("fuzz_pcap", 0);
    if (fd < 0) return 0;
    if (size && write(fd, data, size) != (ssize_t)size) { close(fd); return 0; }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    soc_options o;
    soc_options_defaults(&o);
    o.quiet = 1;
    o.analyzers = "ddos";
    o.ddos_pps = 2;
    o.quiet_seconds = 2;
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, NULL) == KN_OK) {
        kn_reader *r;
        kn_err e;
        kn_err_clear(&e);
        if (kn_reader_open(&r, path, &e) == KN_OK) {
            soc_input *in;
            if (soc_input_pcap.open(&ctx, r, &in, &e) == KN_OK) {
                soc_record rec;
                int n = 0;
                while (n++ < 100000 && soc_input_pcap.next(in, &rec, &e) == 1) soc_feed(&ctx, &rec);
                soc_input_pcap.close(in);
            }
            kn_reader_close(r);
        }
        soc_finish(&ctx);
    }
    soc_ctx_free(&ctx);
    close(fd);
    return 0;
}
