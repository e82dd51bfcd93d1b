/* decode.c: header decoding for soc_pkt (see decode.h). Written by hand
 * rather than with a dissector library: it runs once per packet on the
 * 10 Mpps path, needs only addresses, ports and flags, and must be bounded
 * by caplen on hostile input. Every read is checked against the end. */
#include "soc/decode.h"

#include <string.h>

static inline uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int soc_link_supported(int lt)
{
    switch (lt) {
    case SOC_LINK_NULL: case SOC_LINK_ETHERNET: case SOC_LINK_RAW_DLT: case SOC_LINK_RAW_DLT_BSD:
    case SOC_LINK_RAW: case SOC_LINK_LOOP: case SOC_LINK_SLL: case SOC_LINK_IPV4: case SOC_LINK_IPV6:
    case SOC_LINK_SLL2:
        return 1;
    }
    return 0;
}

static void reset_l3(soc_pkt *p)
{
    p->src.family = p->dst.family = 0;
    p->proto = 0;
    p->tcp_flags = 0;
    p->frag = 0;
    p->ip_version = 0;
    p->sport = p->dport = 0;
    p->ip_len = 0;
    p->tcp_seq = p->tcp_ack = 0;
    p->payload = NULL;
    p->payload_len = p->payload_wire = 0;
}

/* Transport header at d[0..cap), wire_len bytes of L4 on the wire. */
static void decode_l4(const uint8_t *d, uint32_t cap, uint32_t wire, soc_pkt *p)
{
    uint32_t hl = 0;
    switch (p->proto) {
    case 6:
        if (cap < 20) return;
        p->sport = be16(d);
        p->dport = be16(d + 2);
        p->tcp_seq = be32(d + 4);
        p->tcp_ack = be32(d + 8);
        p->tcp_flags = d[13] & 0x3f;
        hl = (uint32_t)(d[12] >> 4) * 4;
        if (hl < 20) hl = 20;
        break;
    case 17:
    case 136:   /* UDP-Lite has the same port layout */
        if (cap < 8) return;
        p->sport = be16(d);
        p->dport = be16(d + 2);
        hl = 8;
        break;
    case 1:
    case 58:
        if (cap < 2) return;
        p->sport = (uint16_t)(d[0] << 8 | d[1]);
        hl = cap < 8 ? cap : 8;
        break;
    default:
        hl = 0;
        break;
    }
    if (hl > cap) hl = cap;
    p->payload = d + hl;
    p->payload_len = cap - hl;
    p->payload_wire = wire > hl ? wire - hl : 0;
}

static soc_decode_result decode_v4(const uint8_t *d, uint32_t cap, soc_pkt *p)
{
    if (cap < 20) return SOC_DEC_BAD;
    uint32_t ihl = (uint32_t)(d[0] & 0x0f) * 4;
    if (ihl < 20 || ihl > cap) return SOC_DEC_BAD;
    uint32_t tot = be16(d + 2);
    p->ip_version = 4;
    p->ip_len = tot;
    p->proto = d[9];
    kn_ip_from_v4(&p->src, d + 12);
    kn_ip_from_v4(&p->dst, d + 16);
    uint16_t fo = be16(d + 6);
    uint16_t off = fo & 0x1fff;
    if ((fo & 0x2000) || off) p->frag = off ? 2 : 1;
    if (tot < ihl) tot = ihl;            /* TSO captures carry 0: trust caplen */
    uint32_t l4cap = cap - ihl;
    uint32_t l4wire = tot - ihl;
    if (be16(d + 2) == 0) l4wire = l4cap;
    if (l4cap > l4wire) l4cap = l4wire;  /* Ethernet padding is not payload */
    if (off) {                            /* later fragment: no L4 header */
        p->payload = d + ihl;
        p->payload_len = l4cap;
        p->payload_wire = l4wire;
        return SOC_DEC_IP;
    }
    decode_l4(d + ihl, l4cap, l4wire, p);
    return SOC_DEC_IP;
}

static soc_decode_result decode_v6(const uint8_t *d, uint32_t cap, soc_pkt *p)
{
    if (cap < 40) return SOC_DEC_BAD;
    p->ip_version = 6;
    uint32_t plen = be16(d + 4);
    p->ip_len = plen + 40;
    kn_ip_from_v6(&p->src, d + 8);
    kn_ip_from_v6(&p->dst, d + 24);
    uint8_t nh = d[6];
    uint32_t pos = 40;
    uint32_t end = cap;
    if (plen && plen + 40 < end) end = plen + 40;  /* drop link padding */
    uint32_t wire_end = plen ? plen + 40 : cap;
    int later_frag = 0;
    for (int hops = 0; hops < 8; hops++) {
        if (nh == 0 || nh == 43 || nh == 60) {
            if (pos + 8 > end) { p->proto = nh; return SOC_DEC_IP; }
            uint8_t next = d[pos];
            pos += ((uint32_t)d[pos + 1] + 1) * 8;
            nh = next;
        } else if (nh == 51) {        /* AH: length in 4-byte units minus 2 */
            if (pos + 8 > end) { p->proto = nh; return SOC_DEC_IP; }
            uint8_t next = d[pos];
            pos += ((uint32_t)d[pos + 1] + 2) * 4;
            nh = next;
        } else if (nh == 44) {
            if (pos + 8 > end) { p->proto = nh; return SOC_DEC_IP; }
            uint8_t next = d[pos];
            uint16_t fo = be16(d + pos + 2);
            uint16_t off = fo >> 3;
            p->frag = off ? 2 : 1;
            later_frag = off != 0;
            pos += 8;
            nh = next;
        } else {
            break;
        }
    }
    p->proto = nh;
    if (pos > end) pos = end;
    uint32_t wire = wire_end > pos ? wire_end - pos : 0;
    if (later_frag) {
        p->payload = d + pos;
        p->payload_len = end - pos;
        p->payload_wire = wire;
        return SOC_DEC_IP;
    }
    decode_l4(d + pos, end - pos, wire, p);
    return SOC_DEC_IP;
}

soc_decode_result soc_decode_ip(const uint8_t *d, uint32_t cap, soc_pkt *p)
{
    reset_l3(p);
    if (cap < 1) return SOC_DEC_BAD;
    switch (d[0] >> 4) {
    case 4: return decode_v4(d, cap, p);
    case 6: return decode_v6(d, cap, p);
    }
    return SOC_DEC_BAD;
}

/* After the Ethernet addresses: tags, MPLS and PPPoE, then IP. */
static soc_decode_result decode_ethertype(uint16_t et, const uint8_t *d, uint32_t pos, uint32_t cap, soc_pkt *p)
{
    for (int tags = 0; tags < 8; tags++) {
        switch (et) {
        case 0x0800:
        case 0x86dd:
            return soc_decode_ip(d + pos, cap - pos, p);
        case 0x8100: case 0x88a8: case 0x9100: case 0x9200:
            if (pos + 4 > cap) return SOC_DEC_NOT_IP;
            et = be16(d + pos + 2);
            pos += 4;
            break;
        case 0x8847: case 0x8848: {   /* MPLS: pop to bottom of stack */
            int bos = 0;
            for (int n = 0; n < 16 && !bos; n++) {
                if (pos + 4 > cap) return SOC_DEC_NOT_IP;
                bos = d[pos + 2] & 1;
                pos += 4;
            }
            if (!bos || pos >= cap) return SOC_DEC_NOT_IP;
            uint8_t v = d[pos] >> 4;
            if (v == 4 || v == 6) return soc_decode_ip(d + pos, cap - pos, p);
            if (v == 0 && pos + 4 + 14 <= cap) {   /* pseudowire control word + Ethernet */
                pos += 4;
                et = be16(d + pos + 12);
                pos += 14;
                break;
            }
            return SOC_DEC_NOT_IP;
        }
        case 0x8864:    /* PPPoE session: 6-byte header + 2-byte PPP protocol */
            if (pos + 8 > cap) return SOC_DEC_NOT_IP;
            {
                uint16_t ppp = be16(d + pos + 6);
                pos += 8;
                if (ppp == 0x0021) et = 0x0800;
                else if (ppp == 0x0057) et = 0x86dd;
                else return SOC_DEC_NOT_IP;
            }
            break;
        default:
            return SOC_DEC_NOT_IP;
        }
    }
    return SOC_DEC_NOT_IP;
}

soc_decode_result soc_decode_frame(int lt, const uint8_t *d, uint32_t cap, soc_pkt *p)
{
    reset_l3(p);
    switch (lt) {
    case SOC_LINK_ETHERNET:
        if (cap < 14) return SOC_DEC_NOT_IP;
        return decode_ethertype(be16(d + 12), d, 14, cap, p);
    case SOC_LINK_RAW: case SOC_LINK_RAW_DLT: case SOC_LINK_RAW_DLT_BSD:
    case SOC_LINK_IPV4: case SOC_LINK_IPV6:
        return soc_decode_ip(d, cap, p);
    case SOC_LINK_SLL:
        if (cap < 16) return SOC_DEC_NOT_IP;
        return decode_ethertype(be16(d + 14), d, 16, cap, p);
    case SOC_LINK_SLL2:
        if (cap < 20) return SOC_DEC_NOT_IP;
        return decode_ethertype(be16(d), d, 20, cap, p);
    case SOC_LINK_NULL:
    case SOC_LINK_LOOP: {
        if (cap < 4) return SOC_DEC_NOT_IP;
        /* AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 */
        if (cap > 4 && (d[4] >> 4 == 4 || d[4] >> 4 == 6)) return soc_decode_ip(d + 4, cap - 4, p);
        return SOC_DEC_NOT_IP;
    }
    }
    return SOC_DEC_LINK;
}
