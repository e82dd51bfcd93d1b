#!/usr/bin/env bash
# mem-live demo: starts a child process with known markers (the mem_live
# test target, or a small C program compiled here), dumps it live with
# `kensa mem dump-live` as an ELF core and as a minidump, shows the
# per-region accounting from the sidecar, and reads a marker back with gdb.
set -u
: "${KENSA:?}" "${DEMO:?}"
d=$DEMO/mem-live
mkdir -p "$d"
T=$(dirname "$KENSA")/tests/mem_live/target_linux
if [ ! -x "$T" ]; then
  command -v gcc >/dev/null || { echo "mem-live demo: no target and no gcc, skipped"; exit 0; }
  printf '#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\nint main(void){char *h=malloc(64);strcpy(h,"KENSA-MARK-HEAP-demo");printf("heap %%p\\nready\\n",(void*)h);fflush(stdout);for(;;)pause();}\n' >"$d/t.c"
  gcc -O1 -o "$d/target" "$d/t.c" || exit 1
  T=$d/target
fi
"$T" "$d/mapfile" >"$d/addrs" &
pid=$!
trap 'kill -9 $pid 2>/dev/null' EXIT
for _ in $(seq 100); do grep -q ready "$d/addrs" && break; sleep 0.05; done
heap=$(awk '$1 == "heap" { print $2 }' "$d/addrs")
echo "--- target pid $pid, heap marker at $heap"
echo "--- kensa mem dump-live --pid $pid -o target.core"
"$KENSA" mem dump-live --pid "$pid" -o "$d/target.core"
echo "--- accounting (sidecar target.core.json): runs that are not plain reads"
jq -r '.regions[] as $r | $r.runs[] | select(.status != "read") | "\(.status)\t\(.start)\t\(.size)\t\($r.perms) \($r.path)\t\(.reason // "")"' "$d/target.core.json" >"$d/notread.txt"
if command -v column >/dev/null; then column -t -s $'\t' "$d/notread.txt"; else cat "$d/notread.txt"; fi
echo "--- gdb reads the heap marker back from the core"
if command -v gdb >/dev/null; then
  gdb -batch -nx "$T" "$d/target.core" -ex "x/s $heap" 2>/dev/null | tail -1
fi
echo "--- kensa mem dump-live --format minidump (for lldb / WinDbg-style tools)"
"$KENSA" mem dump-live --pid "$pid" -o "$d/target.dmp" --format minidump --quiet && ls -l "$d/target.dmp" "$d/target.dmp.json" | awk '{ print $5, $9 }'
