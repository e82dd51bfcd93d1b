#!/usr/bin/env bash
# Generated mixes (gen_traffic: background traffic plus attacks of known
# vector, start, end and rate) through every packet format and link type
# and every flow export: each attack is reported once, with the right
# vector, start and end within one 1-second window and peak rate within 5%.
# Packet and byte counts of the generated captures are checked against
# Wireshark's capinfos (tshark is the oracle on the real captures; capinfos
# reads the same way and starts in a fraction of the time).
. "$SRC/tests/lib/sh.sh"
GEN="$BUILD/tests/soc_flows/gen_traffic"
CHECK="python3 $SRC/tests/soc_flows/check_attacks.py"
need_cmd python3
MIX=(--seed 7 --duration 50 --bg-pps 300
     --attack syn:10.1.0.5:5:15:5000 --attack dns:10.1.0.9:12.5:10:3000
     --attack udp:10.1.0.7:30:8:2500 --attack icmp:10.1.0.11:34:6:4000
     --attack ntp:10.1.0.12:2:5:1500 --attack synack:10.1.0.13:20:6:2000
     --attack frag:10.1.0.14:40:5:1800 --attack memcached:10.1.0.15:26:4:2500)
T="--ddos-pps 1000 --quiet-time 10 --analyzers ddos"

"$GEN" "${MIX[@]}" --truth "$WORK/truth.json" "$WORK/mix.pcap" 2>/dev/null
expect_rc 1 "mix: alerts found" "$KENSA" soc analyze -q $T --alerts "$WORK/a.json" --stats "$WORK/st.json" "$WORK/mix.pcap"
if $CHECK "$WORK/truth.json" "$WORK/a.json" >"$WORK/c" 2>&1; then pass; else fail "pcap mix: $(cat "$WORK/c")"; fi

counts() { jq -r '.inputs[0] | "\(.packets) \(.bytes)"' "$WORK/st.json"; }
for combo in pcap-ns/ether pcap-ns/vlan pcap-ns/qinq pcap-swapped/sll pcap-swapped/sll2 pcap-swapped/raw \
             pcapng/ether pcapng/qinq; do
  fmt=${combo%/*} link=${combo#*/}
  {
    "$GEN" "${MIX[@]}" --format $fmt --link $link "$WORK/m.cap" 2>/dev/null
    "$KENSA" soc analyze -q $T --alerts "$WORK/b.json" --stats "$WORK/st.json" "$WORK/m.cap" >/dev/null 2>"$WORK/err"
    if $CHECK "$WORK/truth.json" "$WORK/b.json" >"$WORK/c" 2>&1; then pass; else fail "$fmt/$link: $(grep -v '^ok' "$WORK/c")"; fi
    check "$fmt/$link: no warnings" [ ! -s "$WORK/err" ]
    if command -v capinfos >/dev/null; then
      want=$(capinfos -T -r -c -d -M "$WORK/m.cap" 2>/dev/null | awk -F'\t' '{printf "%d %d", $2, $3}')
      check "$fmt/$link: counts $(counts) = capinfos $want" [ "$(counts)" = "$want" ]
    fi
  }
done
# compressed input
gzip -c "$WORK/mix.pcap" >"$WORK/mix.pcap.gz"
"$KENSA" soc analyze -q $T --alerts "$WORK/b.json" "$WORK/mix.pcap.gz" >/dev/null 2>&1
if $CHECK "$WORK/truth.json" "$WORK/b.json" >"$WORK/c" 2>&1; then pass; else fail "gzip: $(cat "$WORK/c")"; fi
xz -c "$WORK/mix.pcap" >"$WORK/mix.xz"
"$KENSA" soc analyze -q $T --alerts "$WORK/b.json" - <"$WORK/mix.xz" >/dev/null 2>&1
if $CHECK "$WORK/truth.json" "$WORK/b.json" >"$WORK/c" 2>&1; then pass; else fail "xz on stdin: $(cat "$WORK/c")"; fi

# flow exports of the same traffic, unsampled and sampled, templates late
for exp in nf5 nf9 ipfix sflow; do
  for s in 1 10; do
    "$GEN" "${MIX[@]}" --export $exp --sample $s --late-template "$WORK/e.pcap" 2>/dev/null
    "$KENSA" soc analyze -q $T --alerts "$WORK/b.json" --stats "$WORK/st.json" "$WORK/e.pcap" >/dev/null 2>"$WORK/err"
    # the generator samples each stream systematically (every 10th packet),
    # so scaled-up counts stay within 5% as unsampled ones do
    if $CHECK "$WORK/truth.json" "$WORK/b.json" --peak-tol 0.05 >"$WORK/c" 2>&1; then pass; else fail "$exp 1:$s: $(grep -v '^ok' "$WORK/c")"; fi
    check "$exp 1:$s: no warnings ($(head -c 300 "$WORK/err"))" [ ! -s "$WORK/err" ]
  done
done
check "late templates: data held then decoded" [ "$(jq .flow_exports.held_decoded "$WORK/st.json")" = 0 ] # sflow last: none
"$GEN" "${MIX[@]}" --export ipfix --late-template "$WORK/e.pcap" 2>/dev/null
"$KENSA" soc analyze -q $T --alerts /dev/null --stats "$WORK/st.json" "$WORK/e.pcap" >/dev/null 2>&1
check "IPFIX: data before template held and decoded" [ "$(jq .flow_exports.held_decoded "$WORK/st.json")" -ge 1 ]

# --sampling overrides the exporter's own rate: 1:10 traffic read as 1:1
# is 10x too small, so no attack reaches the threshold
"$GEN" "${MIX[@]}" --export nf9 --sample 10 "$WORK/e.pcap" 2>/dev/null
"$KENSA" soc analyze -q $T --sampling 192.0.2.1=1 --alerts "$WORK/b.json" "$WORK/e.pcap" >/dev/null 2>&1
check "--sampling 1 suppresses the scaled attacks" [ "$(jq -s '[.[] | select(.rule.category=="ddos")] | length' "$WORK/b.json")" = 0 ]
"$KENSA" soc analyze -q $T --sampling 192.0.2.1=10 --alerts "$WORK/b.json" "$WORK/e.pcap" >/dev/null 2>&1
if $CHECK "$WORK/truth.json" "$WORK/b.json" --peak-tol 0.05 >"$WORK/c" 2>&1; then pass; else fail "--sampling 10: $(cat "$WORK/c")"; fi

# multi-vector: SYN and UDP floods on one victim at once
"$GEN" --seed 3 --duration 20 --bg-pps 100 --attack syn:10.1.0.5:5:10:3000 --attack udp:10.1.0.5:5:10:3000 "$WORK/mv.pcap" 2>/dev/null
"$KENSA" soc analyze -q $T --alerts "$WORK/b.json" "$WORK/mv.pcap" >/dev/null 2>&1
check "multi_vector" [ "$(jq -r 'select(.event.action=="attack_end") | .ddos.vector' "$WORK/b.json")" = multi_vector ]
check "multi_vector lists syn_flood and udp_flood" \
  [ "$(jq -r 'select(.event.action=="attack_end") | [.ddos.vectors[].vector] | sort | join(",")' "$WORK/b.json")" = syn_flood,udp_flood ]

# carpet bombing: 8000 pps spread over a /24, ~31 pps per host
"$GEN" --seed 4 --duration 20 --bg-pps 100 --attack carpet:10.2.3.0:5:10:8000 "$WORK/cb.pcap" 2>/dev/null
"$KENSA" soc analyze -q $T --alerts "$WORK/b.json" "$WORK/cb.pcap" >/dev/null 2>&1
check "carpet bombing: one prefix attack" [ "$(jq -r 'select(.event.action=="attack_end") | "\(.ddos.scope) \(.ddos.prefix)"' "$WORK/b.json")" = "prefix 10.2.3.0/24" ]
check "carpet bombing: no host attack" [ "$(jq -s '[.[] | select(.ddos.scope=="host")] | length' "$WORK/b.json")" = 0 ]

# home net: an attack between two foreign networks is transit, not ours
"$GEN" --seed 5 --duration 20 --bg-pps 100 --attack syn:203.0.113.5:5:10:3000 --attack syn:10.1.0.5:5:10:3000 "$WORK/hn.pcap" 2>/dev/null
"$KENSA" soc analyze -q $T --home-net 10.1.0.0/16 --alerts "$WORK/b.json" "$WORK/hn.pcap" >/dev/null 2>&1
check "home net: only the home victim" [ "$(jq -r 'select(.event.action=="attack_end") | .destination.ip' "$WORK/b.json")" = 10.1.0.5 ]

# host groups in a config file: a bigger threshold for one customer
cat >"$WORK/ddos.conf" <<CONF
# test config
pps = 1000
quiet = 10
[group big-customer]
prefixes = 10.1.0.5/32
pps = 100000
mbps = 100000
CONF
"$KENSA" soc analyze -q --analyzers ddos --ddos-config "$WORK/ddos.conf" --alerts "$WORK/b.json" "$WORK/hn.pcap" >/dev/null 2>&1
check "config: group threshold spares 10.1.0.5, 203.0.113.5 still alerts" \
  [ "$(jq -r 'select(.event.action=="attack_end") | .destination.ip' "$WORK/b.json")" = 203.0.113.5 ]
printf 'pps = lots\n' >"$WORK/bad.conf"
expect_rc 2 "bad config is a usage error" "$KENSA" soc analyze -q --ddos-config "$WORK/bad.conf" "$WORK/hn.pcap"
check "bad config names file and line" contains "$WORK/err" "bad.conf.*line 1"

# defaults (20000 pps, 1000 Mbit/s, 3500 flows/s): background alone is quiet,
# a 40 kpps flood is caught
"$GEN" --seed 8 --duration 20 --bg-pps 3000 "$WORK/bg.pcap" 2>/dev/null
"$KENSA" soc analyze -q --analyzers ddos --alerts "$WORK/b.json" "$WORK/bg.pcap" >/dev/null 2>&1
check "default thresholds: background only, no alert" [ ! -s "$WORK/b.json" ]
"$GEN" --seed 6 --duration 12 --bg-pps 10 --attack syn:10.1.0.5:2:6:40000 --truth "$WORK/t2.json" "$WORK/big.pcap" 2>/dev/null
"$KENSA" soc analyze -q --analyzers ddos --quiet-time 5 --alerts "$WORK/b.json" "$WORK/big.pcap" >/dev/null 2>&1
if $CHECK "$WORK/t2.json" "$WORK/b.json" >"$WORK/c" 2>&1; then pass; else fail "defaults, 40 kpps: $(cat "$WORK/c")"; fi

# summary from the mix: 8 attacks, vectors counted
"$KENSA" soc analyze -q $T --alerts /dev/null --summary "$WORK/sum.json" "$WORK/mix.pcap" >/dev/null 2>&1
check "summary: 8 attacks" [ "$(jq .attacks "$WORK/sum.json")" = 8 ]
check "summary: largest by pps is the syn flood" [ "$(jq -r .largest_by_pps.vector "$WORK/sum.json")" = syn_flood ]
check "summary: longest is the syn flood (15 s)" [ "$(jq -r .longest.vector "$WORK/sum.json")" = syn_flood ]
check "summary markdown" contains "$WORK/sum.md" "## DDoS attacks"
finish
