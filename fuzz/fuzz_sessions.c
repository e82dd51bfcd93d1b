/* Fuzz target: the sessions analyzer (TCP reassembly, out-of-order
 * segments, application detection, HTTP/TLS/SMTP/DNS on top) fed with
 * packets described by the input: each packet is a 6-byte header
 * [conn&dir, flags, seq offset (2), time step, payload length] then the
 * payload. Sequence numbers may jump, overlap and wrap. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "soc/soc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static soc_ctx ctx;
    static int ready;
    if (!ready) {
        soc_options o;
        memset(&o, 0, sizeof o);
        o.quiet = 1;
        o.max_sessions = 64;
        o.max_reassembly = 64 * 1024;
        if (soc_ctx_init(&ctx, &o, NULL) != KN_OK) return 0;
        ready = 1;
    }
    static kn_time t = 1600000000LL * KN_NS_PER_SEC;
    uint32_t seq[8][2] = {{0}};
    size_t off = 0;
    while (off + 6 <= size) {
        const uint8_t *h = data + off;
        size_t n = h[5];
        off += 6;
        if (n > size - off) n = size - off;
        int conn = h[0] & 7, dir = (h[0] >> 3) & 1, udp = (h[0] & 0x40) != 0;
        soc_record r;
        memset(&r, 0, sizeof r);
        r.kind = SOC_REC_PACKET;
        t += (kn_time)h[4] * 50 * 1000 * 1000;
        r.ts = t;
        soc_pkt *p = &r.u.pkt;
        p->ts = t;
        uint8_t a[4] = {10, 0, 0, (uint8_t)(1 + conn)}, b[4] = {203, 0, 113, 7};
        kn_ip_from_v4(dir ? &p->src : &p->dst, b);
        kn_ip_from_v4(dir ? &p->dst : &p->src, a);
        uint16_t cport = (uint16_t)(40000 + conn), sport = (h[0] & 0x80) ? 25 : (h[0] & 0x20) ? 9200 : 80;
        if (udp) sport = 53;
        p->sport = dir ? sport : cport;
        p->dport = dir ? cport : sport;
        p->proto = udp ? 17 : 6;
        p->tcp_flags = h[1];
        seq[conn][dir] += (uint32_t)(h[2] << 8 | h[3]) - 0x100;
        p->tcp_seq = seq[conn][dir];
        p->payload = data + off;
        p->payload_len = p->payload_wire = (uint32_t)n;
        p->wire_len = (uint32_t)n + 54;
        p->ip_version = 4;
        p->sample_rate = 1;
        p->file = "fuzz";
        soc_feed(&ctx, &r);
        seq[conn][dir] += (uint32_t)n;
        off += n;
    }
    soc_finish(&ctx);
    kn_buf_reset(&ctx.alert_log);
    return 0;
}
