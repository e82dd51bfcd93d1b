#!/usr/bin/env bash
# soc packets: pcap -> DDoS detection throughput against tcpdump reading the
# same file (`tcpdump -r FILE -w /dev/null`), on a generated capture of at
# least 1 GB in page cache (background traffic + a SYN flood + DNS
# amplification). Also runs kensa with libpcap as its reader
# (KENSA_PCAP_READER=libpcap) to show why the mmap walker is the default.
# Only the DDoS analyzer runs (--analyzers ddos): the sessions analyzer
# (TCP reassembly, another area) is a separate cost. Medians of RUNS runs, CPU time
# (user+sys) and wall time; the target is >= 10 Mpps per core.
#   BENCH_SCALE=N multiplies the capture size (default 1: ~1.4 GB).
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
RUNS=${RUNS:-5}
SCALE=${BENCH_SCALE:-1}
GEN="$BENCH_DIR/gen_traffic"
cc -O2 -o "$GEN" "$SRC/tests/soc_flows/gen_traffic.c" || exit 1
CAP="$BENCH_DIR/soc_packets_$SCALE.pcap"
if [ ! -s "$CAP" ]; then
  "$GEN" --seed 1 --duration $((11 * SCALE)) --bg-pps 1000000 --bg-hosts 5000 \
    --attack syn:10.1.0.5:2:6:300000 --attack dns:10.1.0.9:4:5:200000 "$CAP" 2>/dev/null || exit 1
fi
cat "$CAP" >/dev/null   # page cache
bytes=$(stat -c %s "$CAP")
pkts=$("$KENSA" soc analyze -q --analyzers ddos --stats - --alerts /dev/null "$CAP" 2>/dev/null | jq .packets)
echo "capture: $CAP, $((bytes / 1000000)) MB, $pkts packets"
# median CPU and wall seconds of RUNS runs of a command
measure() {
  local cpu=() wall=()
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%U %S %e" -o "$BENCH_DIR/t" "$@" >/dev/null 2>&1
    read -r u s e < <(tail -1 "$BENCH_DIR/t")
    cpu+=("$(echo "$u + $s" | bc)") wall+=("$e")
  done
  local mc mw
  mc=$(printf '%s\n' "${cpu[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  mw=$(printf '%s\n' "${wall[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
  echo "$mc $mw"
}
T="--ddos-pps 100000 --ddos-flows 0"
read -r k_cpu k_wall < <(measure "$KENSA" soc analyze -q --analyzers ddos $T --alerts /dev/null "$CAP")
read -r l_cpu l_wall < <(KENSA_PCAP_READER=libpcap measure "$KENSA" soc analyze -q --analyzers ddos $T --alerts /dev/null "$CAP")
read -r t_cpu t_wall < <(measure tcpdump -r "$CAP" -w /dev/null)
rate() { echo "scale=2; $pkts / $1 / 1000000" | bc; }
printf '%-44s %8s %8s %10s\n' "" "cpu s" "wall s" "Mpps/cpu"
printf '%-44s %8s %8s %10s\n' "kensa soc analyze --analyzers ddos (mmap)" "$k_cpu" "$k_wall" "$(rate "$k_cpu")"
printf '%-44s %8s %8s %10s\n' "kensa, KENSA_PCAP_READER=libpcap" "$l_cpu" "$l_wall" "$(rate "$l_cpu")"
printf '%-44s %8s %8s %10s\n' "tcpdump -r FILE -w /dev/null" "$t_cpu" "$t_wall" "$(rate "$t_cpu")"
echo "ratio tcpdump/kensa (cpu): $(echo "scale=2; $t_cpu / $k_cpu" | bc)x   libpcap reader/mmap walker: $(echo "scale=2; $l_cpu / $k_cpu" | bc)x"
ok=$(echo "$(rate "$k_cpu") >= 10 && $k_cpu <= $t_cpu" | bc)
[ "$ok" = 1 ] && echo "target met: >= 10 Mpps per core and not slower than tcpdump" || echo "TARGET MISSED"
