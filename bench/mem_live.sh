#!/usr/bin/env bash
# mem_live.sh: live-dump speed against each platform's own writer, on the
# same process in the same run (issue 6, Performance: within 1.5x).
#   Linux:   kensa mem dump-live (ELF core; the minidump form for
#            information) vs gdb's gcore.
#   Windows: kensa-dump.exe --method own vs --method live (MiniDumpWriteDump,
#            wine's dbghelp), both under wine on the same target.
# Targets hold BENCH_SCALE x 256 MiB (Linux) and BENCH_SCALE x 64 MiB (wine,
# whose dbghelp writes at ~4 MB/s) of non-zero data. 5 runs (BENCH_RUNS);
# medians printed; ratio = kensa / peer (<= 1.5 meets the target). kensa's
# figure is the whole command (freeze, dump, SHA-256, sidecar); the dump
# alone is also shown. Peak RSS of kensa is measured with /usr/bin/time.
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
SCALE=${BENCH_SCALE:-1}
RUNS=${BENCH_RUNS:-5}
MB=$((256 * SCALE))
WMB=$((64 * SCALE))
dir=$BENCH_DIR/mem-live
mkdir -p "$dir"
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.9f\n\", $1 }"; }
# Peak RSS needs GNU time (Debian package "time"); without it, RSS shows 0.
if [ -x /usr/bin/time ]; then rss_run() { /usr/bin/time -f %M -o "$dir/rss" "$@"; }
else rss_run() { echo 0 >"$dir/rss"; "$@"; }; fi
rc=0

# ---- Linux -------------------------------------------------------------------
if command -v gcore >/dev/null && command -v gcc >/dev/null; then
  cat >"$dir/fill.c" <<'C'
#include <stdlib.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
    size_t mb = (size_t)atol(argv[1]);
    for (size_t i = 0; i < mb; i++) {
        unsigned char *b = malloc(1 << 20);
        for (size_t k = 0; k < (1 << 20); k++) b[k] = (unsigned char)(k * 131 + i * 7 + 1);
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) pause();
}
C
  gcc -O2 -o "$dir/fill" "$dir/fill.c" || exit 1
  "$dir/fill" "$MB" >"$dir/fill.out" &
  pid=$!
  for _ in $(seq 600); do grep -q ready "$dir/fill.out" && break; sleep 0.1; done
  : >"$dir/k.times"; : >"$dir/kd.times"; : >"$dir/g.times"; : >"$dir/k.rss"; : >"$dir/m.times"
  for i in $(seq "$RUNS"); do
    t0=$(now)
    rss_run "$KENSA" mem dump-live --pid "$pid" -o "$dir/k.core" --quiet || rc=1
    t1=$(now)
    calc "$t1 - $t0" >>"$dir/k.times"
    jq -r .seconds "$dir/k.core.json" >>"$dir/kd.times"
    cat "$dir/rss" >>"$dir/k.rss"
    t0=$(now)
    "$KENSA" mem dump-live --pid "$pid" -o "$dir/k.dmp" --format minidump --quiet || rc=1
    t1=$(now)
    calc "$t1 - $t0" >>"$dir/m.times"
    rm -f "$dir/k.dmp"
    t0=$(now)
    gcore -o "$dir/g.core" "$pid" >/dev/null 2>&1 || rc=1
    t1=$(now)
    calc "$t1 - $t0" >>"$dir/g.times"
    rm -f "$dir/k.core" "$dir/g.core.$pid"
  done
  kill "$pid" 2>/dev/null
  k=$(median <"$dir/k.times"); kd=$(median <"$dir/kd.times"); g=$(median <"$dir/g.times"); r=$(median <"$dir/k.rss")
  ratio=$(calc "$k / $g")
  printf 'linux %d MiB: kensa dump-live %.3f s (dump alone %.3f s, peak RSS %d KiB), gcore %.3f s, ratio kensa/gcore %.2f (%.0f MB/s vs %.0f MB/s)\n' \
    "$MB" "$k" "$kd" "$r" "$g" "$ratio" "$(calc "$MB / $k")" "$(calc "$MB / $g")"
  m=$(median <"$dir/m.times")
  printf 'linux %d MiB: kensa dump-live --format minidump %.3f s, ratio minidump/gcore %.2f\n' "$MB" "$m" "$(calc "$m / $g")"
  awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }' || { echo "linux: TARGET MISSED (ratio > 1.5)"; rc=1; }
else
  echo "linux: gcore or gcc missing, skipped"
fi

# ---- Windows under wine -----------------------------------------------------------
W=$(dirname "$KENSA")/acquire
if command -v wine >/dev/null && [ -f "$W/kensa-dump-x64.exe" ] && [ -f "$W/target_win-x64.exe" ]; then
  export WINEDEBUG=-all WINEPREFIX=${KENSA_WINEPREFIX:-$BENCH_DIR/wineprefix}
  wineboot -i >/dev/null 2>&1   # create or update the prefix before timing anything
  wine "$W/target_win-x64.exe" 'C:\kensa-bench-map.txt' "$WMB" >"$dir/tw.out" 2>/dev/null &
  tpid=$!
  for _ in $(seq 1200); do grep -q ready "$dir/tw.out" && break; sleep 0.2; done
  wpid=$(tr -d '\r' <"$dir/tw.out" | awk '$1 == "pid" { print $2 }')
  if [ -n "$wpid" ]; then
    for m in own live; do : >"$dir/w-$m.times"; : >"$dir/w-$m.dump"; done
    for i in $(seq "$RUNS"); do
      for m in own live; do
        rm -rf "$dir/w-$m"; mkdir -p "$dir/w-$m"
        t0=$(now)
        wine "$W/kensa-dump-x64.exe" --pid "$wpid" -o "Z:$dir/w-$m" --method "$m" >/dev/null 2>&1 || rc=1
        t1=$(now)
        calc "$t1 - $t0" >>"$dir/w-$m.times"
        jq -r .seconds "$dir/w-$m"/*.json >>"$dir/w-$m.dump"
      done
    done
    o=$(median <"$dir/w-own.times"); l=$(median <"$dir/w-live.times")
    od=$(median <"$dir/w-own.dump"); ld=$(median <"$dir/w-live.dump")
    ratio=$(calc "$o / $l")
    printf 'wine %d MiB: kensa own writer %.3f s (dump alone %.3f s), MiniDumpWriteDump %.3f s (dump alone %.3f s), ratio own/MiniDumpWriteDump %.2f\n' \
      "$WMB" "$o" "$od" "$l" "$ld" "$ratio"
    awk -v r="$ratio" 'BEGIN { exit !(r <= 1.5) }' || { echo "wine: TARGET MISSED (ratio > 1.5)"; rc=1; }
  else
    echo "wine: target did not start, skipped"
  fi
  kill -9 "$tpid" 2>/dev/null
  wineserver -k 2>/dev/null
  rm -rf "$dir"/w-own "$dir"/w-live
else
  echo "wine: wine or kensa-dump-x64.exe missing, skipped"
fi
exit $rc
