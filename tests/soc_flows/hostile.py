#!/usr/bin/env python3
"""Writes hostile flow-export captures for bad_input.sh.

usage: hostile.py KIND OUT.pcap
  templates   IPFIX datagrams defining 70,000 distinct templates (cache bound)
  held        IPFIX data sets for templates that never come, 20 MiB (held-data bound)
  broken      NetFlow v9 / IPFIX / sFlow datagrams with bad set lengths, zero-length
              fields, zero-length records, reserved ids, absurd counts, cut records
Each datagram is wrapped in Ethernet/IPv4/UDP from 192.0.2.1 to 192.0.2.250:2055."""
import struct
import sys


def udp_frame(payload):
    ip_len = 28 + len(payload)
    eth = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0, 64, 17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 250]))
    udp = struct.pack(">HHHH", 50000, 2055, 8 + len(payload), 0)
    return eth + ip + udp + payload


def write_pcap(path, payloads):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for i, p in enumerate(payloads):
            fr = udp_frame(p)
            f.write(struct.pack("<IIII", 1700000000 + i // 1000, (i % 1000) * 1000, len(fr), len(fr)))
            f.write(fr)


def ipfix(body, seq=1, domain=7):
    return struct.pack(">HHIII", 10, 16 + len(body), 1700000000, seq, domain) + body


def v9(body, count=1):
    return struct.pack(">HHIIII", 9, count, 1000, 1700000000, 1, 7) + body


def main():
    kind, out = sys.argv[1], sys.argv[2]
    dg = []
    if kind == "templates":
        tid = 256
        for d in range(1400):
            recs = b""
            for _ in range(50):
                recs += struct.pack(">HHHH", tid % 65536 if tid % 65536 >= 256 else 256, 1, 8, 4)
                tid += 1
            # spread over observation domains so ids do not repeat
            dg.append(ipfix(struct.pack(">HH", 2, 4 + len(recs)) + recs, d, d))
    elif kind == "held":
        body = struct.pack(">HH", 999, 4 + 1380) + b"\x01" * 1380
        for d in range(15000):
            dg.append(ipfix(body, d))
    elif kind == "broken":
        dg.append(v9(struct.pack(">HH", 0, 0)))                                  # set length 0
        dg.append(v9(struct.pack(">HH", 0, 400) + b"\x00" * 8))                  # set longer than datagram
        dg.append(v9(struct.pack(">HHHH", 0, 12, 300, 1) + struct.pack(">HH", 8, 0)))  # zero-length field only
        dg.append(v9(struct.pack(">HH", 300, 8) + b"\x01\x02\x03\x04", 65535))   # data for it, absurd count
        dg.append(v9(struct.pack(">HHHH", 0, 8, 5, 0)))                          # reserved template id 5
        dg.append(v9(struct.pack(">HHHH", 0, 8, 301, 60000)))                    # template claims 60000 fields
        dg.append(v9(struct.pack(">HHHHHH", 1, 12, 302, 3, 4, 0)))               # options: scope length not /4
        dg.append(ipfix(struct.pack(">HH", 7, 8) + b"\x00" * 4))                 # reserved set id 7
        # variable-length field whose 255-escape runs past the set
        t = struct.pack(">HH", 2, 4 + 4 + 4) + struct.pack(">HH", 400, 1) + struct.pack(">HH", 8, 65535)
        dg.append(ipfix(t))
        dg.append(ipfix(struct.pack(">HH", 400, 4 + 6) + b"\xff\xff\xff\x09\x09\x09"))
        # sFlow: 1,000 samples announced, one present, record longer than the sample
        sf = struct.pack(">IIIIIII", 5, 1, 0xC0000201, 0, 1, 1000, 1000)
        sf += struct.pack(">II", 1, 40) + struct.pack(">IIIIIIII", 1, 1, 100, 0, 0, 1, 2, 1) + struct.pack(">II", 1, 999)
        dg.append(sf)
        dg.append(struct.pack(">HHIIII", 5, 1, 0, 1700000000, 0, 0) + struct.pack(">HH", 0, 0) + b"\x00" * 48)  # v5 ok-ish
    else:
        sys.exit("unknown kind")
    write_pcap(out, dg)


main()
