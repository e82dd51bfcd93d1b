#!/usr/bin/env bash
# Demo part: DDoS detection on generated data. Builds the traffic generator,
# writes a capture with background traffic and four attacks of known
# vector, start and rate, the NetFlow v9 export of the same traffic, and
# lets kensa find them in both; then prints the DDoS summary.
set -u
: "${KENSA:?}" "${SRC:?}" "${DEMO:?}"
GEN="$DEMO/gen_traffic"
cc -O2 -o "$GEN" "$SRC/tests/soc_flows/gen_traffic.c" || exit 1
MIX=(--seed 7 --duration 40 --bg-pps 2000 --attack syn:10.1.0.5:5:12:10000 --attack dns:10.1.0.9:12:10:8000
     --attack ntp:10.1.0.12:25:8:6000 --attack carpet:10.2.3.0:20:10:30000)
# thresholds for a small network: 5000 pps per host, 20000 pps per /24
T=(--ddos-pps 5000 --prefix-pps 20000 --quiet-time 10 --analyzers ddos)
"$GEN" "${MIX[@]}" --truth "$DEMO/ddos-truth.json" "$DEMO/ddos.pcap" 2>/dev/null
"$GEN" "${MIX[@]}" --export nf9 --sample 100 "$DEMO/ddos-netflow.pcap" 2>/dev/null
echo "generated: $DEMO/ddos.pcap ($(stat -c %s "$DEMO/ddos.pcap") bytes) and its NetFlow v9 export (1:100 sampled)"
echo "ground truth:"
jq -r '"  \(.vector) on \(.victim): \(.pps) pps for \(.end - .start) s"' "$DEMO/ddos-truth.json"
echo
echo "kensa soc analyze ${T[*]} ddos.pcap:"
"$KENSA" soc analyze -q "${T[@]}" --alerts "$DEMO/ddos-alerts.json" \
  --summary "$DEMO/ddos-summary.json" "$DEMO/ddos.pcap"
jq -r 'select(.event.action=="attack_end") | "  \(.event.start[11:19])-\(.event.end[11:19]) \(.ddos.prefix // .destination.ip) \(.ddos.vector) peak \(.ddos.peak_pps) pps, \(.ddos.packets) packets, top source port \(.ddos.top_source_ports[0].port // "-")"' "$DEMO/ddos-alerts.json"
echo
echo "kensa soc analyze ddos-netflow.pcap (the same traffic as sampled NetFlow v9):"
"$KENSA" soc analyze -q "${T[@]}" --alerts "$DEMO/ddos-nf-alerts.json" "$DEMO/ddos-netflow.pcap"
jq -r 'select(.event.action=="attack_end") | "  \(.event.start[11:19])-\(.event.end[11:19]) \(.ddos.prefix // .destination.ip) \(.ddos.vector) peak \(.ddos.peak_pps) pps (sampled: \(.ddos.sampled))"' "$DEMO/ddos-nf-alerts.json"
echo
echo "summary ($DEMO/ddos-summary.md):"
sed 's/^/  /' "$DEMO/ddos-summary.md"
n=$(jq -s '[.[] | select(.event.action=="attack_end")] | length' "$DEMO/ddos-alerts.json")
[ "$n" = 4 ] || { echo "expected 4 attacks, found $n"; exit 1; }
