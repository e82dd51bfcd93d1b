/* flowexp_fuzz.h: the shared body of the flow-export fuzz targets
 * (fuzz_netflow, fuzz_ipfix, fuzz_sflow; they differ in their seeds). The
 * input is split into datagrams (2-byte big-endian length prefixes; a
 * missing or oversized length takes the rest), all decoded by one flowexp
 * decoder as from one exporter, so templates, held data and sampling state
 * carry from datagram to datagram as they do on a live socket. Flows feed
 * the DDoS analyzer. */
#ifndef KENSA_FUZZ_FLOWEXP_FUZZ_H
#define KENSA_FUZZ_FLOWEXP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "soc/flowexp.h"
#include "soc/soc.h"

static void feed(void *user, const soc_flow *f)
{
    soc_record rec;
    rec.kind = SOC_REC_FLOW;
    rec.ts = f->end;
    rec.u.flow = *f;
    soc_feed(user, &rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soc_options o;
    soc_options_defaults(&o);
    o.quiet = 1;
    o.analyzers = "ddos";
    o.ddos_pps = 2;
    o.quiet_seconds = 2;
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, NULL) == KN_OK) {
        struct soc_flowexp *fx = soc_ctx_flowexp(&ctx);
        kn_ip exporter;
        kn_ip_from_v4u32(&exporter, 0xc0000201);
        size_t pos = 0;
        int n = 0;
        while (fx && pos < size && n++ < 1000) {
            size_t len = size - pos;
            if (len >= 2) {
                size_t want = (size_t)data[pos] << 8 | data[pos + 1];
                pos += 2;
                len = size - pos;
                if (want < len) len = want;
            }
            (void)soc_flowexp_probe(data + pos, len);
            soc_flowexp_datagram(fx, &exporter, 1700000000LL * KN_NS_PER_SEC + n, data + pos, len, "fuzz", pos, feed, &ctx);
            pos += len;
        }
        soc_finish(&ctx);
    }
    soc_ctx_free(&ctx);
    return 0;
}

#endif
