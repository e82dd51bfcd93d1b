#!/usr/bin/env python3
"""Checks kensa's DDoS alerts against the generator's ground truth.

usage: check_attacks.py TRUTH.ndjson ALERTS.ndjson [--peak-tol 0.05] [--window 1]

For every true attack there must be exactly one attack_end alert on its
victim (or on its /24 for carpet bombing) with the right vector, event.start
and event.end within one window of the truth, and peak_pps within the
tolerance of the true rate. No other DDoS attack may be reported. Prints
one line per attack; exit 1 on any mismatch."""
import datetime
import ipaddress
import json
import sys


def ts(s):
    return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    truth = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
    alerts = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
    tol = float(sys.argv[sys.argv.index("--peak-tol") + 1]) if "--peak-tol" in sys.argv else 0.05
    win = float(sys.argv[sys.argv.index("--window") + 1]) if "--window" in sys.argv else 1.0
    ends = [a for a in alerts if a.get("rule", {}).get("category") == "ddos" and a["event"]["action"] == "attack_end"]
    starts = [a for a in alerts if a.get("rule", {}).get("category") == "ddos" and a["event"]["action"] == "attack_start"]
    bad = 0
    used = set()
    for t in truth:
        carpet = t["vector"] == "udp_flood" and t.get("carpet")
        match = None
        for i, a in enumerate(ends):
            d = a.get("ddos", {})
            target = d.get("prefix") or a.get("destination", {}).get("ip")
            if d.get("scope") == "prefix":
                ok = ipaddress.ip_address(t["victim"]) in ipaddress.ip_network(target, strict=False)
            else:
                ok = target == t["victim"]
            if ok and i not in used:
                match = i
                break
        if match is None:
            print("MISSING %s on %s" % (t["vector"], t["victim"]))
            bad += 1
            continue
        used.add(match)
        a = ends[match]
        d = a["ddos"]
        s, e = ts(a["event"]["start"]), ts(a["event"]["end"])
        problems = []
        if d["vector"] != t["vector"]:
            problems.append("vector %s != %s" % (d["vector"], t["vector"]))
        if abs(s - t["start"]) > win:
            problems.append("start off by %.3f s" % (s - t["start"]))
        if abs(e - t["end"]) > win:
            problems.append("end off by %.3f s" % (e - t["end"]))
        if t.get("pps") and abs(d["peak_pps"] - t["pps"]) > tol * t["pps"]:
            problems.append("peak %.0f pps vs %.0f" % (d["peak_pps"], t["pps"]))
        print("%s %s on %s: start %+.3f end %+.3f peak %.0f/%.0f%s" % (
            "BAD" if problems else "ok", d["vector"], t["victim"], s - t["start"], e - t["end"], d["peak_pps"],
            t["pps"], " (" + "; ".join(problems) + ")" if problems else ""))
        bad += bool(problems)
    extra = [a for i, a in enumerate(ends) if i not in used]
    for a in extra:
        print("EXTRA %s on %s" % (a["ddos"]["vector"], a.get("destination", {}).get("ip")))
    if len(starts) != len(ends):
        print("starts %d != ends %d" % (len(starts), len(ends)))
        bad += 1
    return 1 if bad or extra else 0


sys.exit(main())
