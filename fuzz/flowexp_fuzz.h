/* flowexp_fuzz.h: the shared body of the flow-export fuzz targets
 * (fuzz_netflow, fuzz_ipfix, fuzz_sflow; they differ in their seeds). The
 * input is split into datagrams (2-byte big-endian length prefixes; a
 * missing or oversized length takes the rest), all decoded by one flowexp
 * decoder as from one exporter, so templates, held data and sampling state
 * carry from datagram to datagram as they do on a live socket. Flows feed
 * the DDoS analyzer. A second decoder without straight-line template plans
 * (KENSA_FLOWEXP=generic) decodes the same datagrams through the callback
 * interface; any difference between the two is a crash. */
#ifndef KENSA_FUZZ_FLOWEXP_FUZZ_H
#define KENSA_FUZZ_FLOWEXP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
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

static void collect(void *user, const soc_flow *f)
{
    soc_flow_vec *v = user;
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        soc_flow *nv = realloc(v->v, cap * sizeof *nv);
        if (!nv) abort();
        v->v = nv;
        v->cap = cap;
    }
    v->v[v->n++] = *f;
}

static int same_flow(const soc_flow *a, const soc_flow *b)
{
    return a->start == b->start && a->end == b->end && kn_ip_cmp(&a->src, &b->src) == 0 &&
           kn_ip_cmp(&a->dst, &b->dst) == 0 && kn_ip_cmp(&a->exporter, &b->exporter) == 0 &&
           a->observation_domain == b->observation_domain && a->sport == b->sport && a->dport == b->dport &&
           a->proto == b->proto && a->tcp_flags == b->tcp_flags && a->frag == b->frag &&
           a->ip_version == b->ip_version && a->packets == b->packets && a->bytes == b->bytes &&
           a->sampling == b->sampling && a->input_if == b->input_if && a->output_if == b->output_if &&
           a->tos == b->tos && a->src_mask == b->src_mask && a->dst_mask == b->dst_mask;
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
        setenv("KENSA_FLOWEXP", "generic", 1);
        struct soc_flowexp *gx = soc_flowexp_new(&ctx.warn, &ctx.opt);
        unsetenv("KENSA_FLOWEXP");
        soc_flow_vec a = {0}, b = {0};
        kn_ip exporter;
        kn_ip_from_v4u32(&exporter, 0xc0000201);
        size_t pos = 0;
        int n = 0;
        while (fx && gx && pos < size && n++ < 1000) {
            size_t len = size - pos;
            if (len >= 2) {
                size_t want = (size_t)data[pos] << 8 | data[pos + 1];
                pos += 2;
                len = size - pos;
                if (want < len) len = want;
            }
            (void)soc_flowexp_probe(data + pos, len);
            kn_time ts = 1700000000LL * KN_NS_PER_SEC + n;
            a.n = b.n = 0;
            size_t na = soc_flowexp_datagram_into(fx, &exporter, ts, data + pos, len, "fuzz", pos, &a);
            size_t nb = soc_flowexp_datagram(gx, &exporter, ts, data + pos, len, "fuzz", pos, collect, &b);
            if (na != nb || a.n != b.n || na != a.n) __builtin_trap();
            for (size_t i = 0; i < a.n; i++) {
                if (!same_flow(&a.v[i], &b.v[i])) __builtin_trap();
                feed(&ctx, &a.v[i]);
            }
            pos += len;
        }
        free(a.v);
        free(b.v);
        soc_flowexp_free(gx);
        soc_finish(&ctx);
    }
    soc_ctx_free(&ctx);
    return 0;
}

#endif
