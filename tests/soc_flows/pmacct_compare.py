#!/usr/bin/env python3
"""Compares kensa's decoded flows with pmacct's expected nfacctd output.

usage: pmacct_compare.py NFACCTD_CONF EXPECTED_JSON KENSA_FLOWS_NDJSON

pmacct aggregates flows on the primitives of its `aggregate[...]` line, so
both sides are aggregated on the primitives kensa also decodes (addresses,
ports, protocol, TCP flags, ToS, interfaces, masks) and packets and bytes
are summed (TCP flags ORed) per key. Counters are compared renormalised or raw, as the
conf's nfacctd_renormalize says. peer_ip_src differs by design (pmacct saw
the replay address) and is not compared. Prints differences; exit 1 on any.
"""
import json
import re
import sys
from collections import defaultdict

PROTO = {"icmp": 1, "igmp": 2, "tcp": 6, "udp": 17, "gre": 47, "esp": 50, "ipv6-icmp": 58,
         "ospf": 89, "pim": 103, "vrrp": 112, "sctp": 132}
FLAG = {"FIN": 1, "SYN": 2, "RST": 4, "PSH": 8, "PUSH": 8, "ACK": 16, "URG": 32, "ECE": 64, "CWR": 128}
# pmacct primitive (aggregate line) -> (pmacct JSON key, kensa JSON key)
PRIM = {"src_host": ("ip_src", "src"), "dst_host": ("ip_dst", "dst"), "src_port": ("port_src", "sport"),
        "dst_port": ("port_dst", "dport"), "proto": ("ip_proto", "proto"), "tcpflags": ("tcp_flags", "tcp_flags"),
        "tos": ("tos", "tos"), "in_iface": ("iface_in", "in_if"), "out_iface": ("iface_out", "out_if"),
        "src_mask": ("mask_src", "src_mask"), "dst_mask": ("mask_dst", "dst_mask")}


def conf(path):
    text = open(path).read()
    m = re.search(r"^aggregate\[[^\]]*\]:\s*(.*)$", text, re.M)
    prims = [p.strip() for p in m.group(1).split(",")] if m else []
    renorm = re.search(r"^nfacctd_renormalize:\s*true", text, re.M | re.I) is not None
    # pmacct ORs TCP flags over the flows it aggregates: a value, not a key
    return [p for p in prims if p in PRIM and p != "tcpflags"], renorm


def pm_value(key, v):
    if key == "ip_proto":
        return PROTO.get(v, v) if isinstance(v, str) else v
    if key == "tcp_flags":
        return sum(FLAG[f] for f in v) if isinstance(v, list) else v
    return v


def main():
    prims, renorm = conf(sys.argv[1])
    want = defaultdict(lambda: [0, 0, 0])
    for line in open(sys.argv[2]):
        if not line.strip():
            continue
        r = json.loads(line)
        key = tuple(pm_value(PRIM[p][0], r.get(PRIM[p][0])) for p in prims)
        want[key][0] += r["packets"]
        want[key][1] += r["bytes"]
        want[key][2] |= pm_value("tcp_flags", r.get("tcp_flags", []))
    got = defaultdict(lambda: [0, 0, 0])
    for line in open(sys.argv[3]):
        if not line.strip():
            continue
        f = json.loads(line)
        key = tuple(f[PRIM[p][1]] for p in prims)
        div = 1 if renorm else max(1, f["sampling"])
        got[key][0] += f["packets"] // div
        got[key][1] += f["bytes"] // div
        got[key][2] |= f["tcp_flags"]
    bad = 0
    for k in sorted(set(want) | set(got), key=str):
        if want.get(k) != got.get(k):
            bad += 1
            if bad <= 10:
                print("key %s: pmacct %s, kensa %s" % (dict(zip(prims, k)), want.get(k), got.get(k)))
    print("%d keys (%s), %d differ; renormalise=%s" % (len(want), ",".join(prims), bad, renorm))
    return 1 if bad or not want else 0


sys.exit(main())
