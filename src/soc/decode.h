/* decode.h: link, network and transport header decoding into soc_pkt.
 *
 * One decoder serves pcap/pcapng frames, sFlow raw packet headers and IPFIX
 * dataLinkFrameSection fields, so every path sees the same L2/L3/L4 rules.
 * It never reads beyond caplen and never allocates; soc_pkt.payload points
 * into the caller's buffer.
 *
 * Covered: Ethernet (802.1Q / QinQ / 0x9100 tags, MPLS label stacks,
 * PPPoE session), Linux SLL and SLL2, BSD null/loop, raw IPv4/IPv6; IPv4
 * options, IPv6 extension headers, fragments (IPv4 and IPv6); TCP, UDP,
 * ICMP, ICMPv6 (type<<8|code in sport). */
#ifndef KENSA_SOC_DECODE_H
#define KENSA_SOC_DECODE_H

#include <stdint.h>

#include "soc/soc.h"

/* Link types (LINKTYPE_ values as in pcap files; DLT aliases that libpcap
 * returns on Linux are accepted too). */
enum {
    SOC_LINK_NULL = 0, SOC_LINK_ETHERNET = 1, SOC_LINK_RAW_DLT = 12, SOC_LINK_RAW_DLT_BSD = 14,
    SOC_LINK_RAW = 101, SOC_LINK_LOOP = 108, SOC_LINK_SLL = 113, SOC_LINK_IPV4 = 228,
    SOC_LINK_IPV6 = 229, SOC_LINK_SLL2 = 276,
};

typedef enum soc_decode_result {
    SOC_DEC_IP = 1,        /* IPv4/IPv6 decoded (L4 as far as captured) */
    SOC_DEC_NOT_IP = 0,    /* valid frame, not IP (ARP, LLDP, ...) */
    SOC_DEC_BAD = -1,      /* malformed IP header */
    SOC_DEC_LINK = -2,     /* link type not supported */
} soc_decode_result;

/* Fills the header fields of p (src, dst, ports, proto, flags, frag,
 * ip_version, ip_len, tcp_seq/ack, payload*) from a frame of caplen bytes.
 * Leaves ts, wire_len, sample_rate, file and offset to the caller. */
soc_decode_result soc_decode_frame(int linktype, const uint8_t *d, uint32_t caplen, soc_pkt *p);
/* The same from an IP header (version from its first nibble). */
soc_decode_result soc_decode_ip(const uint8_t *d, uint32_t caplen, soc_pkt *p);
/* 1 if the link type is one soc_decode_frame knows. */
int soc_link_supported(int linktype);

#endif
