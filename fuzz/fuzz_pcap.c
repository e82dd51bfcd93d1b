/* Fuzz target: the capture input through libpcap (pcap and pcapng from
 * memory, as compressed files and stdin are read), the L2-L4 decoder, flow
 * exports found inside, and the DDoS analyzer with thresholds low enough
 * that every packet takes the attack-tracking and alert paths. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "soc/soc.h"

extern const soc_input_ops soc_input_pcap;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soc_options o;
    soc_options_defaults(&o);
    o.quiet = 1;
    o.analyzers = "ddos";
    o.ddos_pps = 2;
    o.ddos_mbps = 0.001;
    o.ddos_flows = 2;
    o.quiet_seconds = 2;
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, NULL) != KN_OK) { soc_ctx_free(&ctx); return 0; }
    (void)soc_input_pcap.probe(data, size);
    kn_reader *r;
    kn_err e;
    kn_err_clear(&e);
    if (kn_reader_open_mem(&r, data, size, "-", &e) == KN_OK) {
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
    soc_ctx_free(&ctx);
    return 0;
}
