#!/usr/bin/env bash
# `kensa mem info` on the real minidumps in ../shared/data/mem/minidumps:
# modules, threads and memory ranges must match what lldb reads from the
# same files (image list, thread list, memory region).
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd lldb
need_cmd python3
# exception code and address per file, from shared/data/MANIFEST.md
declare -A EXC=([ascii_read_av.dmp]="0xc0000005 0xd6a6cd" [invalid-parameter.dmp]="0xc000000d 0x0"
  [stack_exhaustion.dmp]="0xc00000fd 0xdea637" [test.dmp]="0xc0000005 0x40429e" [thread_name_list.dmp]="0xc0000005 0x4015fd"
  [tiny-exe-fastfail.dmp]="0xc0000409 0x7ff75355af42" [write_av_non_canonical.dmp]="0xc0000005 0x7ff738721331")
for f in "$SHARED"/mem/minidumps/*.dmp; do
  n=$(basename "$f")
  expect_rc 0 "$n: info" "$KENSA" mem info --json "$f"
  cp "$WORK/out" "$WORK/k.json"
  if [ -n "${EXC[$n]:-}" ]; then
    got=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1])).get("exception",{}); print(e.get("code"), e.get("address"))' "$WORK/k.json")
    check "$n: exception $got is the MANIFEST's ${EXC[$n]}" test "$got" = "${EXC[$n]}"
  fi
  expect_rc 0 "$n: info table" "$KENSA" mem info "$f"
  args=()
  for a in $(python3 -c 'import json,sys; [print(r["start"]) for r in json.load(open(sys.argv[1]))["memory"]]' "$WORK/k.json"); do
    args+=(-o "memory region $a")
  done
  timeout 120 lldb -b -c "$f" -o "image list" -o "thread list" "${args[@]}" >"$WORK/l.txt" 2>&1
  python3 - "$WORK/k.json" "$WORK/l.txt" <<'PY' >"$WORK/py" 2>&1
import json, re, sys
k = json.load(open(sys.argv[1])); text = open(sys.argv[2]).read()
lmods = re.findall(r"^\[\s*\d+\]\s+(?:[0-9A-F-]+\s+)?(0x[0-9a-f]+)\s+(.+?)\s*$", text, re.M)
kmods = [(int(m["base"], 16), m["name"]) for m in k["modules"]]
lm = [(int(b, 16), n) for b, n in lmods]
if sorted(b for b, _ in lm) != sorted(b for b, _ in kmods): print("module bases differ", lm, kmods); sys.exit(1)
for b, n in kmods:
    ln = dict(lm)[b]
    if ln.replace("\\", "/").split("/")[-1].lower() != n.replace("\\", "/").split("/")[-1].lower(): print("name", b, n, ln); sys.exit(1)
tids = sorted(int(t, 16) if t.startswith("0x") else int(t) for t in re.findall(r"thread #\d+: tid = (0x[0-9a-f]+|\d+)", text))
ktids = set(t["tid"] for t in k["threads"])
if not tids or not set(tids) <= ktids: print("threads", tids, sorted(ktids)); sys.exit(1)   # lldb lists the threads it can show
regions = re.findall(r"^\[(0x[0-9a-f]+)-(0x[0-9a-f]+)\)", text, re.M)
for r in k["memory"]:
    s = int(r["start"], 16)
    if not any(int(a, 16) <= s < int(b, 16) for a, b in regions): print("range", hex(s), "not in lldb regions"); sys.exit(1)
print("ok", len(kmods), "modules", len(k["threads"]), "threads", len(k["memory"]), "ranges")
PY
  rc=$?
  [ $rc = 0 ] || cat "$WORK/py" >&2
  check "$n: modules, threads and ranges match lldb" test $rc = 0
done
finish
