#!/usr/bin/env bash
# soc flows: flow decode + per-destination aggregation (top 10 destinations
# by bytes) against nfdump. The generator writes NetFlow v9 export
# datagrams to a pcap (read by kensa) and sends the same datagrams over
# loopback UDP to nfcapd; nfdump then computes the same top-N from the
# file nfcapd collected (`nfdump -r FILE -s dstip/bytes -n 10`). Both top-10
# lists are compared. Also: the DDoS detector's CPU per flow record on the
# same exports, and peak RSS under a random-destination flood of >= 10 M
# distinct addresses (bounded state with idle-host eviction).
#   BENCH_SCALE=N multiplies the flow count (default 1: ~4 M flow records).
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
RUNS=${RUNS:-5}
SCALE=${BENCH_SCALE:-1}
GEN="$BENCH_DIR/gen_traffic"
cc -O2 -o "$GEN" "$SRC/tests/soc_flows/gen_traffic.c" || exit 1
MIX=(--seed 2 --duration $((8 * SCALE)) --bg-pps 500000 --bg-hosts 20000 --attack udp:10.1.0.7:1:5:100000 --export nf9)
EXP="$BENCH_DIR/soc_flows_$SCALE.pcap"
[ -s "$EXP" ] || "$GEN" "${MIX[@]}" "$EXP" 2>"$BENCH_DIR/gen.log" || exit 1
cat "$EXP" >/dev/null
measure() {
  local cpu=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S" -o "$BENCH_DIR/t" "$@" >"$BENCH_DIR/out" 2>/dev/null
    read -r u s < <(tail -1 "$BENCH_DIR/t")
    cpu+=("$(echo "$u + $s" | bc)")
  done
  printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
# nfcapd collects the same datagrams from loopback
NFDIR="$BENCH_DIR/nfcapd"; rm -rf "$NFDIR"; mkdir -p "$NFDIR"
PORT=$((30000 + RANDOM % 20000))
nfcapd -w "$NFDIR" -p $PORT -b 127.0.0.1 -t 3600 -B 33554432 >"$BENCH_DIR/nfcapd.log" 2>&1 &
NFPID=$!
sleep 1
"$GEN" "${MIX[@]}" --send 127.0.0.1:$PORT x 2>"$BENCH_DIR/send.log"
sleep 2
kill -TERM $NFPID; wait $NFPID 2>/dev/null
NFFILE=$(ls "$NFDIR"/nfcapd.* 2>/dev/null | grep -v current | head -1)
[ -n "$NFFILE" ] || { echo "nfcapd wrote no file"; cat "$BENCH_DIR/nfcapd.log"; exit 1; }
records=$(sed -n 's/.*datagrams, \([0-9]*\) flow records.*/\1/p' "$BENCH_DIR/gen.log")
nf_flows=$(nfdump -r "$NFFILE" -q -o 'fmt:%fl' 2>/dev/null | awk '{s+=$1} END {print s+0}')
echo "flow records: $records generated; nfcapd collected $nf_flows (loopback UDP may drop)"
k_cpu=$(measure "$KENSA" soc flows -q --top 10 --json "$EXP")
cp "$BENCH_DIR/out" "$BENCH_DIR/kensa_top.json"
n_cpu=$(measure nfdump -r "$NFFILE" -s dstip/bytes -n 10 -q)
cp "$BENCH_DIR/out" "$BENCH_DIR/nfdump_top.txt"
printf '%-40s %8s %14s\n' "" "cpu s" "M records/s"
printf '%-40s %8s %14s\n' "kensa soc flows --top 10 (pcap)" "$k_cpu" "$(echo "scale=2; $records / $k_cpu / 1000000" | bc)"
printf '%-40s %8s %14s\n' "nfdump -r -s dstip/bytes -n 10" "$n_cpu" "$(echo "scale=2; $nf_flows / $n_cpu / 1000000" | bc)"
echo "ratio nfdump/kensa (cpu): $(echo "scale=2; $n_cpu / $k_cpu" | bc)x"
# same top-10 destinations? (nfdump prints addresses in its table)
kd=$(jq -r .dst "$BENCH_DIR/kensa_top.json" | sort | tr '\n' ' ')
nd=$(grep -oE '([0-9]{1,3}\.){3}[0-9]{1,3}' "$BENCH_DIR/nfdump_top.txt" | sort | tr '\n' ' ')
[ "$kd" = "$nd" ] && echo "top-10 destinations identical" || echo "top-10 differ: kensa [$kd] nfdump [$nd]"
# the DDoS detector's share per flow record: `soc analyze` with only the
# ddos analyzer minus the same with only ids-triage (which ignores flows)
d_cpu=$(measure "$KENSA" soc analyze -q --analyzers ddos --alerts /dev/null "$EXP")
i_cpu=$(measure "$KENSA" soc analyze -q --analyzers ids-triage --alerts /dev/null "$EXP")
echo "soc analyze on the exports: ddos $d_cpu s, ids-triage only $i_cpu s: DDoS part $(echo "scale=1; ($d_cpu - $i_cpu) * 1000000000 / $records" | bc) ns/record"
# memory under a random-destination flood (>= 10 M distinct destinations)
FLOOD="$BENCH_DIR/soc_flood_$SCALE.pcap"
[ -s "$FLOOD" ] || "$GEN" --seed 3 --duration $((12 * SCALE)) --bg-pps 0 --random-dst-pps 1000000 "$FLOOD" 2>/dev/null
/usr/bin/time -v "$KENSA" soc analyze -q --analyzers ddos --stats "$BENCH_DIR/flood.json" --alerts /dev/null "$FLOOD" 2>"$BENCH_DIR/time.log" >/dev/null
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$BENCH_DIR/time.log")
n=$(jq .packets "$BENCH_DIR/flood.json")
# uniform random 32-bit destinations: n draws give n - n^2/2^33 distinct ones
echo "random-destination flood: $n packets to ~$(echo "($n - $n * $n / 8589934592) / 1000" | bc) thousand distinct addresses: peak RSS $((rss / 1024)) MB (idle hosts swept out as the table doubles; --max-hosts bounds the rest)"
