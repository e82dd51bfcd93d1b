#!/usr/bin/env bash
# The four StopDDoS attack captures give their stated vector against their
# victim, one attack each (one start + one end alert); the non-attack
# captures (Emotet, scanner, exploit) give no DDoS alert at the same
# thresholds. Thresholds are chosen by flags, as a user would for a small
# capture. The expected vectors and victim come from the MANIFEST's
# descriptions of the captures (checked there with tshark).
. "$SRC/tests/lib/sh.sh"
need_shared
T="--ddos-pps 500 --ddos-mbps 20 --ddos-flows 500"
attack() {  # FILE VECTOR
  "$KENSA" soc analyze -q $T --alerts "$WORK/a.json" "$SHARED/soc/$1" >/dev/null 2>"$WORK/err"
  local rc=$?
  check "$1: exit 1 (findings), got $rc" [ "$rc" = 1 ]
  local starts ends
  starts=$(jq -s '[.[] | select(.rule.category=="ddos" and .event.action=="attack_start")] | length' "$WORK/a.json")
  ends=$(jq -s '[.[] | select(.rule.category=="ddos" and .event.action=="attack_end")] | length' "$WORK/a.json")
  check "$1: one attack_start (got $starts)" [ "$starts" = 1 ]
  check "$1: one attack_end (got $ends)" [ "$ends" = 1 ]
  local v d
  v=$(jq -r 'select(.event.action=="attack_end") | .ddos.vector' "$WORK/a.json")
  d=$(jq -r 'select(.event.action=="attack_end") | .destination.ip' "$WORK/a.json")
  check "$1: vector $v, wanted $2" [ "$v" = "$2" ]
  check "$1: victim $d" [ "$d" = 10.10.10.10 ]
  # required ECS-style fields present
  for k in '."@timestamp"' .event.kind .event.start .event.end .event.duration .rule.id .rule.name \
           .destination.ip .ddos.vector .ddos.peak_pps .ddos.peak_bps .ddos.packets .ddos.bytes .ddos.top_sources; do
    local val
    val=$(jq -r "select(.event.action==\"attack_end\") | $k | tostring" "$WORK/a.json")
    check "$1: field $k present" [ -n "$val" -a "$val" != null ]
  done
  check "$1: rule.category ddos" [ "$(jq -r 'select(.event.action=="attack_end") | .rule.category' "$WORK/a.json")" = ddos ]
}
attack pkt.TCP.synflood.spoofed.pcap syn_flood
attack amp.TCP.reflection.SYNACK.pcap synack_reflection
attack amp.UDP.snmp.src161.pcapng snmp_amplification
attack amp.UDP.isakmp.pcap ike_amplification
# SYN flood: all 37,841 packets belong to the attack, peak second 22,322 (tshark)
jq -e 'select(.event.action=="attack_end") | .ddos.packets == 37841' <("$KENSA" soc analyze -q $T "$SHARED/soc/pkt.TCP.synflood.spoofed.pcap" 2>/dev/null) >/dev/null
check "syn flood: ddos.packets = 37841" [ $? = 0 ]
jq -e 'select(.event.action=="attack_end") | .ddos.peak_pps == 22322' <("$KENSA" soc analyze -q $T "$SHARED/soc/pkt.TCP.synflood.spoofed.pcap" 2>/dev/null) >/dev/null
check "syn flood: ddos.peak_pps = 22322" [ $? = 0 ]
for f in "$SHARED"/soc/spiderlabs-*.pcap; do
  "$KENSA" soc analyze -q $T --alerts "$WORK/a.json" "$f" >/dev/null 2>&1
  n=$(jq -s '[.[] | select(.rule.category=="ddos")] | length' "$WORK/a.json")
  check "$(basename "$f"): no DDoS alert (got $n)" [ "$n" = 0 ]
done
# All four together: four attacks in the summary, on four days, each vector once
"$KENSA" soc analyze -q $T --alerts /dev/null --summary "$WORK/sum.json" "$SHARED"/soc/pkt.TCP.synflood.spoofed.pcap \
  "$SHARED"/soc/amp.* >/dev/null 2>&1
check "summary: 4 attacks" [ "$(jq .attacks "$WORK/sum.json")" = 4 ]
check "summary: 4 days" [ "$(jq '.per_day | length' "$WORK/sum.json")" = 4 ]
check "summary: largest by pps is the SYN flood" [ "$(jq -r .largest_by_pps.vector "$WORK/sum.json")" = syn_flood ]
check "summary: vector mix has 4 vectors" [ "$(jq '.vectors | length' "$WORK/sum.json")" = 4 ]
check "summary markdown written" grep -q '| syn_flood | 1 |' "$WORK/sum.md"
finish
