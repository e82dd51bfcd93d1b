#!/usr/bin/env bash
# bin_speed.sh: speed and memory of kensa's whole binary analysis against
# objdump -d on the same binary in the same run (issue 7, Performance):
#   - throughput in MB/s of executable code (target >= 20 MB/s per core);
#   - wall time of `kensa bin funcs` (the whole analysis) and of `kensa bin
#     disasm` (analysis plus a full listing) vs `objdump -d` printing its
#     linear listing (target: kensa faster, ratio objdump/kensa > 1);
#   - kensa's peak RSS vs code size (target <= 20x).
# Inputs: a large generated program (tests/bin_eval/programs/gen_large.py,
# BENCH_SCALE x 12000 functions, gcc -O1, stripped) and a stripped copy of
# the kensa binary itself. 5 runs each (BENCH_RUNS), medians printed.
# Environment: KENSA, SRC, BENCH_DIR (set by bench/run), BENCH_SCALE.
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-5}
command -v objdump >/dev/null || { echo "bin_speed: objdump missing, skipped"; exit 0; }
if ! "$KENSA" bin funcs --help >/dev/null 2>&1; then
  echo "bin_speed: kensa has no 'bin funcs' yet, skipped"; exit 0
fi
dir=$BENCH_DIR/bin-speed
mkdir -p "$dir"

# The generated program, compiled in parallel parts (cached by size).
n=$((12000 * SCALE))
big=$dir/gen$n
if [ ! -f "$big.stripped" ]; then
  src=$dir/gen$n.src
  rm -rf "$src"; mkdir -p "$src"
  python3 "$SRC/tests/bin_eval/programs/gen_large.py" "$n" 7 8 "$src" || exit 1
  echo "bin_speed: compiling a $n-function program (once; cached in $dir)" >&2
  ls "$src"/*.c | xargs -P 2 -I{} gcc -O1 -w -c {} -o {}.o || exit 1
  gcc -o "$big" "$src"/*.o || exit 1
  strip -o "$big.stripped" "$big" || exit 1
  rm -rf "$src"
fi
own=$dir/kensa.stripped
strip -o "$own" "$KENSA" || exit 1

code_bytes() {  # sum of the executable sections' sizes
  local sz total=0
  for sz in $(readelf -SW "$1" | awk '/\[ *[0-9]+\]/ { sub(/^.*\] */, ""); if ($7 ~ /X/) print $5 }'); do
    total=$((total + 16#$sz))
  done
  echo "$total"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# timed CMD...: RUNS runs; prints "median_wall_s median_maxrss_kb
# median_cpu_s". Wall time from bash's microsecond clock; peak RSS and CPU
# time (user + sys, the per-core measure on a shared machine; 10 ms steps)
# from /usr/bin/time, which reports the analysed command alone. (A python
# wrapper was tried: its forked child adds its own CPU and pre-exec RSS.)
timed() {
  local i s e k u y t=() m=() c=()
  for ((i = 0; i < RUNS; i++)); do
    s=$EPOCHREALTIME
    /usr/bin/time -f '%M %U %S' -o "$dir/time.out" "$@" >/dev/null 2>"$dir/err.out" || {
      echo "bin_speed: failed: $* ($(head -c 300 "$dir/err.out"))" >&2; echo "nan nan nan"; return 1; }
    e=$EPOCHREALTIME
    read -r k u y <"$dir/time.out"
    t+=("$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.6f", e - s }')"); m+=("$k")
    c+=("$(awk -v u="$u" -v y="$y" 'BEGIN { printf "%.2f", u + y }')")
  done
  echo "$(printf '%s\n' "${t[@]}" | median) $(printf '%s\n' "${m[@]}" | median) $(printf '%s\n' "${c[@]}" | median)"
}

rc=0
# Resident memory of a kensa that analyses nothing: the fixed cost (libc,
# Zydis tables) that a ratio to a small binary's code would be dominated by.
read -r _ base _ < <(RUNS=1 timed "$KENSA" --help)
printf '%-12s %8s %9s %9s %9s %9s %9s %9s %10s %10s %7s %8s %9s\n' input code_MB \
  funcs_s disasm_s objdump_s obj/funcs obj/disasm funcs_cpu MB/s_core objdump_MB/s rss_MB rss/code "(-base)"
for bin in "$big.stripped" "$own"; do
  cb=$(code_bytes "$bin")
  read -r tf rf cf < <(timed "$KENSA" bin funcs "$bin" --json)
  read -r td rd _ < <(timed "$KENSA" bin disasm "$bin" --json)
  read -r to _ _ < <(timed objdump -d "$bin")
  # Targets are judged on the large generated binary; kensa's own binary
  # is a real-world second row.
  judge=0; [ "$bin" = "$big.stripped" ] && judge=1
  awk -v name="$(basename "$bin" .stripped)" -v cb="$cb" -v tf="$tf" -v td="$td" -v to="$to" -v cf="$cf" \
      -v rf="$rf" -v rd="$rd" -v base="$base" -v judge="$judge" 'BEGIN {
    mb = cb / 1e6; rss = (rf > rd ? rf : rd) * 1024
    z = 1e-6; tfz = tf > z ? tf : z; tdz = td > z ? td : z; toz = to > z ? to : z; cfz = cf > 0.01 ? cf : 0.01
    printf "%-12s %8.2f %9.3f %9.3f %9.3f %9.2f %9.2f %9.2f %10.1f %10.1f %7.1f %8.1f %9.1f\n", name, mb, tf, td, to,
      to / tfz, to / tdz, cf, mb / cfz, mb / toz, rss / 1e6, rss / cb, (rss - base * 1024) / cb
    bad = 0
    if (judge && mb / cfz < 20) { printf "TARGET MISSED: %s: %.1f MB/s per core < 20\n", name, mb / cfz; bad = 1 }
    if (judge && to / tfz <= 1) { printf "TARGET MISSED: %s: analysis not faster than objdump -d (ratio %.2f)\n", name, to / tfz; bad = 1 }
    if (judge && rss / cb > 20) { printf "TARGET MISSED: %s: peak RSS %.1fx code size > 20x\n", name, rss / cb; bad = 1 }
    exit bad }' || rc=1
done
echo "(medians of $RUNS runs; funcs = whole analysis, disasm = analysis + listing, both --json to"
echo " /dev/null; obj/X = objdump wall time / kensa wall time; MB/s_core = code / kensa CPU time;"
echo " base = RSS of 'kensa --help', $((base / 1024)) MB)"
exit $rc
