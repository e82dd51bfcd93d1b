#!/usr/bin/env bash
# `kensa soc listen` on loopback: NetFlow v9 and sFlow datagrams sent by the
# generator over UDP are decoded live and the attack in them is reported.
. "$SRC/tests/lib/sh.sh"
GEN="$BUILD/tests/soc_flows/gen_traffic"
P1=$((20000 + RANDOM % 20000)); P2=$((P1 + 1))
MIX=(--seed 11 --duration 12 --bg-pps 100 --attack syn:10.1.0.5:2:6:3000)
"$GEN" "${MIX[@]}" --export nf9 "$WORK/nf9.pcap" 2>"$WORK/g1"
"$GEN" "${MIX[@]}" --export sflow --sample 10 "$WORK/sf.pcap" 2>"$WORK/g2"
d1=$(sed -n 's/.* \([0-9]*\) datagrams.*/\1/p' "$WORK/g1"); r1=$(sed -n 's/.*datagrams, \([0-9]*\) flow records.*/\1/p' "$WORK/g1")
d2=$(sed -n 's/.* \([0-9]*\) datagrams.*/\1/p' "$WORK/g2")
"$KENSA" soc listen --netflow 127.0.0.1:$P1 --sflow 127.0.0.1:$P2 --count $((d1 + d2)) --duration 60 \
  --ddos-pps 1000 --quiet-time 2 --analyzers ddos --alerts "$WORK/a.json" --stats "$WORK/st.json" \
  --summary "$WORK/sum.json" >"$WORK/out" 2>"$WORK/err" &
pid=$!
# wait until both sockets are bound (a fixed sleep was flaky under load)
for _ in $(seq 100); do
  n=$(ss -Hlun 2>/dev/null | grep -cE "127\.0\.0\.1:($P1|$P2) ")
  [ "$n" -ge 2 ] && break
  sleep 0.1
done
"$GEN" "${MIX[@]}" --export nf9 --send 127.0.0.1:$P1 x 2>/dev/null
"$GEN" "${MIX[@]}" --export sflow --sample 10 --send 127.0.0.1:$P2 x 2>/dev/null
wait $pid
rc=$?
check "listen exits 1 (alerts raised), got $rc; $(head -c 300 "$WORK/err")" [ "$rc" = 1 ]
got9=$(jq .flow_exports.netflow_v9 "$WORK/st.json"); gotsf=$(jq .flow_exports.sflow "$WORK/st.json")
# loopback UDP may drop under load; the generator paces its sends, so
# require nearly all (>= 98%) and exact decoding of what arrived
check "NetFlow v9 datagrams received: $got9 of $d1" [ $((got9 * 100)) -ge $((d1 * 98)) ]
check "sFlow datagrams received: $gotsf of $d2" [ $((gotsf * 100)) -ge $((d2 * 98)) ]
check "no decode warnings" [ "$(jq .warnings "$WORK/st.json")" = 0 ]
check "syn flood on 10.1.0.5 reported live" \
  [ "$(jq -r 'select(.event.action=="attack_end") | "\(.destination.ip) \(.ddos.vector)"' "$WORK/a.json" | sort -u)" = "10.1.0.5 syn_flood" ]
check "summary written at exit" [ "$(jq .attacks "$WORK/sum.json")" -ge 1 ]
expect_rc 2 "listen needs a socket" "$KENSA" soc listen --duration 1
expect_rc 1 "bad bind address is an error" "$KENSA" soc listen --netflow 203.0.113.77:9 --duration 1
check "bind error message" contains "$WORK/err" "cannot bind"
finish
