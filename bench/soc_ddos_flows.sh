#!/usr/bin/env bash
# soc DDoS on log flow records: the DDoS analyzer's CPU per flow record
# coming from logs (Zeek conn.log rows, Suricata EVE "flow" events), the
# part of `kensa soc analyze` that the DDoS detector adds to log ingest.
# DDoS cost = CPU of `--analyzers ddos` minus CPU of `--analyzers
# ids-triage` on the same file (ids-triage ignores flow records, so that
# run is parse + driver); both run RUNS times, interleaved, and medians of
# user+sys are compared. The peer here is the parse itself: the ratio
# printed is the DDoS part against the parse + driver part. Inputs come
# from bench/gen_soc_logs.c (2000 conn rows per second of data time,
# destinations over a /16), generated once under $BENCH_DIR.
# Target: <= 50 ns per conn.log row.
#   BENCH_SCALE=N  multiplies the 256 MiB default size
#   RUNS=N         repetitions (default 5)
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
RUNS=${RUNS:-5}
SCALE=${BENCH_SCALE:-1}
MB=$(awk -v s="$SCALE" 'BEGIN{printf "%d", 256*s}')
CC=${CC:-cc}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "soc_ddos_flows: GNU time (/usr/bin/time) needed"; exit 1; }
mkdir -p "$BENCH_DIR"
gen=$BENCH_DIR/gen_soc_logs
"$CC" -O2 -o "$gen" "$SRC/bench/gen_soc_logs.c" || exit 1
for kind in zeek-conn eve; do
  f=$BENCH_DIR/soc-$kind-$MB.log
  [ -s "$f" ] || "$gen" "$kind" "$MB" > "$f"
  cat "$f" > /dev/null
done
median() { sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"; }
# cpu seconds (user+sys) of one run: perf's task-clock where it runs (GNU
# time counts in 10 ms steps, a sixth of the DDoS part at the default size)
if perf stat -x, -e task-clock -o /dev/null true >/dev/null 2>&1; then
  cpu() {
    perf stat -x, -e task-clock -o "$BENCH_DIR/ddos_flows.t" "$KENSA" soc analyze --quiet --alerts /dev/null "$@" >/dev/null 2>&1
    awk -F, '/task-clock/ {printf "%.3f\n", $1 / 1000}' "$BENCH_DIR/ddos_flows.t"
  }
else
  cpu() {
    "$TIME" -f '%U %S' -o "$BENCH_DIR/ddos_flows.t" "$KENSA" soc analyze --quiet --alerts /dev/null "$@" >/dev/null 2>&1
    tail -1 "$BENCH_DIR/ddos_flows.t" | awk '{print $1 + $2}'   # (GNU time notes a nonzero exit first)
  }
fi
printf '%-16s %10s %12s %12s %10s %10s\n' input "flow recs" "ddos cpu s" "ids cpu s" "DDoS s" "ns/record"
for kind in zeek-conn eve; do
  f=$BENCH_DIR/soc-$kind-$MB.log
  if [ "$kind" = zeek-conn ]; then recs=$(grep -vc '^#' "$f"); else recs=$(grep -c '"event_type":"flow"' "$f"); fi
  d=() i=()
  for _ in $(seq "$RUNS"); do
    d+=("$(cpu --analyzers ddos "$f")")
    i+=("$(cpu --analyzers ids-triage "$f")")
  done
  dm=$(printf '%s\n' "${d[@]}" | median)
  im=$(printf '%s\n' "${i[@]}" | median)
  part=$(echo "$dm - $im" | bc)
  ns=$(echo "scale=1; $part * 1000000000 / $recs" | bc)
  printf '%-16s %10s %12s %12s %10s %10s\n' "$kind" "$recs" "$dm" "$im" "$part" "$ns"
  if [ "$kind" = zeek-conn ]; then
    echo "DDoS part against parse + driver (zeek-conn): $(echo "scale=2; $part / $im" | bc)x"
    [ "$(echo "$ns <= 50" | bc)" = 1 ] && echo "target met: <= 50 ns per conn.log row" || echo "TARGET MISSED: > 50 ns per conn.log row"
  fi
done
