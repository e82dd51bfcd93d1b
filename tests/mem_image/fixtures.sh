#!/usr/bin/env bash
# The mem engine against synthetic Windows images of builds 7601, 14393 and
# 19041 (tests/mem_image/mkimage.c), in every container format. The answer
# key is the builder's truth.json (what it placed, from the offsets table,
# not from kensa); process dumps are read back with lldb (an independent
# minidump reader) and compared with the bytes the builder mapped; rebuilt
# PE files are checked with objdump.
. "$SRC/tests/lib/sh.sh"
: "${MKIMAGE:?MKIMAGE must name the fixture builder}"
need_cmd python3

# Test programs: built here with mingw when present, else wine's PE DLLs.
WINE_DLLS=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
cat >"$WORK/hello.c" <<'EOF'
#include <stdio.h>
static const char banner[] = "kensa fixture program: the bytes of this image must survive procdump";
int main(void) { puts(banner); return 0; }
EOF
EXE64= EXE32=
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  x86_64-w64-mingw32-gcc -O1 -o "$WORK/hello64.exe" "$WORK/hello.c" && EXE64=$WORK/hello64.exe
fi
if command -v i686-w64-mingw32-gcc >/dev/null 2>&1; then
  i686-w64-mingw32-gcc -O1 -o "$WORK/hello32.exe" "$WORK/hello.c" && EXE32=$WORK/hello32.exe
fi
[ -z "$EXE64" ] && [ -f "$WINE_DLLS/version.dll" ] && EXE64=$WINE_DLLS/version.dll
[ -z "$EXE64" ] && { echo "skipped: neither mingw-w64 nor wine's PE DLLs are installed"; exit 77; }
DLLS=()
for d in lz32.dll version.dll; do [ -f "$WINE_DLLS/$d" ] && DLLS+=(--dll "$WINE_DLLS/$d"); done
[ -n "$EXE32" ] && EXE32_ARG=(--exe32 "$EXE32") || EXE32_ARG=()

# compare.py KIND TRUTH OUTPUT...: exits non-zero with a message on mismatch
cat >"$WORK/compare.py" <<'EOF'
import json, sys, datetime
kind, truth = sys.argv[1], json.load(open(sys.argv[2]))
def ndjson(p): return [json.loads(l) for l in open(p) if l.strip()]
def fail(msg): print(msg); sys.exit(1)
procs = {p["pid"]: p for p in truth["processes"]}
if kind == "pslist":
    got = ndjson(sys.argv[3])
    want = [p for p in truth["processes"] if p["listed"]]
    if [g["pid"] for g in got] != [w["pid"] for w in want]: fail("pids %s != %s" % ([g["pid"] for g in got], [w["pid"] for w in want]))
    for g in got:
        w = procs[g["pid"]]
        ct = datetime.datetime.fromtimestamp(w["create_unix"], datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for k, a, b in (("ppid", g["ppid"], w["ppid"]), ("name", g["name"], w["name"]), ("eprocess", g["eprocess"], w["eprocess"]),
                        ("dtb", g["dtb"], w["dtb"]), ("threads", g["threads"], w["threads"]), ("create", g["create_time"], ct)):
            if a != b: fail("pid %d %s: %r != %r" % (g["pid"], k, a, b))
        if w["pid"] != 4 and g["wow64"] != w["wow64"]: fail("pid %d wow64 %r" % (g["pid"], g["wow64"]))
elif kind == "psscan":
    got = {g["pid"]: g for g in ndjson(sys.argv[3])}
    for p in truth["processes"]:
        g = got.get(p["pid"])
        if not g: fail("psscan missed pid %d" % p["pid"])
        if g["offset"] != p["eprocess_pa"] or g["listed"] != p["listed"] or g["name"] != p["name"] or g["eprocess"] != p["eprocess"]: fail("psscan pid %d: %r" % (p["pid"], g))
    if len(got) != len(truth["processes"]): fail("psscan found %d, want %d" % (len(got), len(truth["processes"])))
elif kind == "info":
    g = json.load(open(sys.argv[3]))
    for k in ("kernel_base", "pdb_guid_age", "build"):
        if g.get(k) != truth[k]: fail("info %s: %r != %r" % (k, g.get(k), truth[k]))
    if g.get("system_dtb") != truth["dtb"]: fail("info system_dtb %r != %r" % (g.get("system_dtb"), truth["dtb"]))
    if "threads" not in g: fail("info: no thread layout")
elif kind == "vad":
    pid = int(sys.argv[4]); got = ndjson(sys.argv[3])
    want = sorted(procs[pid]["vads"], key=lambda v: int(v["start"], 16))
    if len(got) != len(want): fail("vad count %d != %d" % (len(got), len(want)))
    for g, w in zip(got, want):
        for k in ("start", "end", "protection_index", "private", "commit", "file"):
            if g[k] != w[k]: fail("vad %s %s: %r != %r" % (w["start"], k, g[k], w[k]))
        if g["type"] != ["VadNone", "x", "VadImageMap"][w["type"]]: fail("vad %s type %s" % (w["start"], g["type"]))
elif kind == "pages":
    pid, with_pf = int(sys.argv[4]), sys.argv[5] == "1"
    side = json.load(open(sys.argv[3]))
    holes = [(int(h["start"], 16), int(h["end"], 16), h["class"]) for h in side["missing"]]
    for n in procs[pid]["pages"]:
        va, want = int(n["va"], 16), n["class_with_pagefile" if with_pf else "class"]
        got = next((c for s, e, c in holes if s <= va < e), None)
        if want in ("paged_out", "invalid"):
            if got != want: fail("page %#x: %r, want %s" % (va, got, want))
        elif got is not None: fail("page %#x missing (%s), want %s" % (va, got, want))
    for m in procs[pid]["modules"]:
        got_m = [x for x in side["module_pages"] if x["base"] == m["base"]]
        want_missing = sum(1 for n in procs[pid]["pages"] if int(m["base"], 16) <= int(n["va"], 16) < int(m["base"], 16) + m["size"]
                           and n["class_with_pagefile" if with_pf else "class"] in ("paged_out", "invalid"))
        if not got_m or got_m[0]["missing"] != want_missing: fail("module %s missing pages %r, want %d" % (m["base"], got_m, want_missing))
    pages = side["pages"]
    if sum(pages[c] for c in ("resident", "transition", "pagefile", "paged_out", "demand_zero", "invalid")) != pages["total"]: fail("account does not add up")
elif kind == "threads":
    pid, info = int(sys.argv[4]), json.load(open(sys.argv[3]))
    want = procs[pid]["thread_list"]
    got = info["threads"]
    if len(got) != len(want): fail("threads: %d != %d" % (len(got), len(want)))
    for g, w in zip(got, want):
        if g["tid"] != w["tid"] or g["teb"] != w["teb"] or g["stack_start"] != w["stack_limit"] or \
           g["stack_size"] != int(w["stack_base"], 16) - int(w["stack_limit"], 16) or g["context_size"] != 1232:
            fail("thread %r != %r" % (g, w))
elif kind == "lldb-regs":
    import re
    pid, text = int(sys.argv[4]), open(sys.argv[3]).read()
    rips = re.findall(r"rip = (0x[0-9a-f]+)", text); rsps = re.findall(r"rsp = (0x[0-9a-f]+)", text)
    want = procs[pid]["thread_list"]
    if [int(r, 16) for r in rips] != [int(w["rip"], 16) for w in want]: fail("lldb rip %r" % rips)
    if [int(r, 16) for r in rsps] != [int(w["rsp"], 16) for w in want]: fail("lldb rsp %r" % rsps)
elif kind == "heap":
    # private pages: resident (1-7), transition (8), from the pagefile (9),
    # demand-zero (11-15) must hold the bytes the builder wrote
    import struct
    pid, data = int(sys.argv[4]), open(sys.argv[3], "rb").read()
    heap = 0x10000000 + (pid << 16)
    M = (1 << 64) - 1
    for i in list(range(1, 10)) + list(range(11, 16)):
        page = data[i * 4096:(i + 1) * 4096]
        if i >= 11: want = bytes(4096)
        else:
            tag = (heap + i * 4096) ^ pid
            want = b"".join(struct.pack("<Q", tag ^ ((o * 0x9e3779b97f4a7c15) & M)) for o in range(0, 4096, 8))
        if page != want: fail("heap page %d differs" % i)
elif kind == "lldb-cmds":
    # lldb commands reading every readable run of every module of pid
    pid, side = int(sys.argv[4]), json.load(open(sys.argv[3]))
    holes = [(int(h["start"], 16), int(h["end"], 16)) for h in side["missing"]]
    for m in procs[pid]["modules"]:
        b, size = int(m["base"], 16), m["size"]
        va = b
        while va < b + size:
            if any(s <= va < e for s, e in holes): va += 4096; continue
            end = va
            while end < b + size and not any(s <= end < e for s, e in holes): end += 4096
            print("memory read --force --binary --outfile %s/lldb-%x.bin --count %d %#x" % (sys.argv[5], va, end - va, va))
            va = end
elif kind == "lldb-check":
    import os, re
    pid, outdir, text = int(sys.argv[4]), sys.argv[5], open(sys.argv[3]).read()
    mods = re.findall(r"^\[\s*\d+\]\s+\S*\s*(0x[0-9a-f]+) (\S+)", text, re.M)
    want = [(m["base"], m["path"]) for m in procs[pid]["modules"]]
    got = [("0x%x" % int(b, 16), p) for b, p in mods]
    if sorted(got) != sorted(want): fail("lldb modules %r != %r" % (got, want))
    checked = 0
    for m in procs[pid]["modules"]:
        exp = open(os.path.join(sys.argv[6], m["expected_bytes"]), "rb").read()
        b = int(m["base"], 16)
        for f in os.listdir(outdir):
            va = int(f[5:-4], 16)
            if not (b <= va < b + m["size"]): continue
            data = open(os.path.join(outdir, f), "rb").read()
            if data != exp[va - b: va - b + len(data)]: fail("bytes differ at %#x" % va)
            checked += len(data)
    if checked < 4096: fail("lldb read only %d bytes" % checked)
    print("lldb bytes checked: %d" % checked)
EOF
cmp_py() { python3 "$WORK/compare.py" "$@" >"$WORK/cmp.out" 2>&1; local rc=$?; [ $rc = 0 ] || cat "$WORK/cmp.out" >&2; return $rc; }

for b in 7601 14393 19041 19041+0x28; do
  D=$WORK/$b; mkdir -p "$D"
  case $b in
    *+*) expect_rc 0 "mkimage $b (EPROCESS fields moved: a build in no table)" "$MKIMAGE" --build "${b%+*}" --shift-eprocess $((${b#*+})) \
           --out "$D" --exe64 "$EXE64" "${EXE32_ARG[@]}" "${DLLS[@]}" ;;
    *) expect_rc 0 "mkimage $b" "$MKIMAGE" --build "$b" --out "$D" --exe64 "$EXE64" "${EXE32_ARG[@]}" "${DLLS[@]}" ;;
  esac
  T=$D/truth.json
  for img in image.raw image.crash.dmp image.bitmap.dmp image.lime image.elf "image.vmem --vmss $D/image.vmss" image.vmsn; do
    set -- $img; f=$1; shift
    expect_rc 0 "$b $f: info" "$KENSA" mem info --json "$D/$f" "$@"
    cp "$WORK/out" "$WORK/info.json"
    check "$b $f: info matches truth" cmp_py info "$T" "$WORK/info.json"
    expect_rc 0 "$b $f: pslist" "$KENSA" mem pslist --json "$D/$f" "$@"
    cp "$WORK/out" "$WORK/ps.json"
    check "$b $f: pslist matches truth" cmp_py pslist "$T" "$WORK/ps.json"
  done
  expect_rc 0 "$b: pslist table" "$KENSA" mem pslist "$D/image.raw"
  check "$b: table names explorer" contains "$WORK/out" "explorer.exe"
  expect_rc 0 "$b: psscan" "$KENSA" mem psscan --json "$D/image.raw"
  cp "$WORK/out" "$WORK/scan.json"
  check "$b: psscan finds every EPROCESS, hidden one unlisted" cmp_py psscan "$T" "$WORK/scan.json"
  expect_rc 0 "$b: vad of the unlinked process" "$KENSA" mem vad --json --pid 3000 "$D/image.raw"
  cp "$WORK/out" "$WORK/vad.json"
  check "$b: hidden process: vad matches truth" cmp_py vad "$T" "$WORK/vad.json" 3000
  check "$b: hidden process: the note says so" contains "$WORK/err" "not on the active process list"
  expect_rc 0 "$b: procdump of the unlinked process" "$KENSA" mem procdump --pid 3000 -o "$D/h.dmp" "$D/image.raw"
  check "$b: hidden process: page classes" cmp_py pages "$T" "$D/h.dmp.json" 3000 0
  expect_rc 0 "$b: vad" "$KENSA" mem vad --json --pid 1880 "$D/image.lime"
  cp "$WORK/out" "$WORK/vad.json"
  check "$b: vad matches truth" cmp_py vad "$T" "$WORK/vad.json" 1880
  expect_rc 0 "$b: procdump" "$KENSA" mem procdump --pid 1880 -o "$D/e.dmp" "$D/image.crash.dmp"
  check "$b: procdump prints the account" contains "$WORK/out" "paged_out"
  check "$b: page classes without pagefile" cmp_py pages "$T" "$D/e.dmp.json" 1880 0
  expect_rc 0 "$b: procdump --pagefile --pe" "$KENSA" mem procdump --pid 1880 -o "$D/p.dmp" --pagefile "$D/pagefile.sys" --pe "$D/pe" "$D/image.elf"
  check "$b: page classes with pagefile" cmp_py pages "$T" "$D/p.dmp.json" 1880 1
  expect_rc 0 "$b: info on the dump" "$KENSA" mem info "$D/p.dmp"
  check "$b: comment stream holds the account" contains "$WORK/out" "kensa procdump: pid 1880"
  expect_rc 0 "$b: info --json on the dump" "$KENSA" mem info --json "$D/p.dmp"
  cp "$WORK/out" "$WORK/dinfo.json"
  check "$b: dump threads (tid, TEB, stack) match truth" cmp_py threads "$T" "$WORK/dinfo.json" 1880
  if command -v lldb >/dev/null 2>&1; then
    mkdir -p "$D/lldb"
    python3 "$WORK/compare.py" lldb-cmds "$T" "$D/p.dmp.json" 1880 "$D/lldb" >"$D/cmds"
    args=(); while read -r l; do args+=(-o "$l"); done <"$D/cmds"
    timeout 120 lldb -b -c "$D/p.dmp" -o "image list" "${args[@]}" >"$D/lldb.txt" 2>&1
    check "$b: lldb sees the modules and the mapped bytes" cmp_py lldb-check "$T" "$D/lldb.txt" 1880 "$D/lldb" "$D"
    n=$(python3 -c 'import json,sys; print(len([p for p in json.load(open(sys.argv[1]))["processes"] if p["pid"] == 1880][0]["thread_list"]))' "$T")
    targs=(); for i in $(seq 1 "$n"); do targs+=(-o "thread select $i" -o "register read rip rsp"); done
    timeout 120 lldb -b -c "$D/p.dmp" "${targs[@]}" >"$D/regs.txt" 2>&1
    check "$b: lldb reads each thread's rip/rsp from the trap frame" cmp_py lldb-regs "$T" "$D/regs.txt" 1880
    heap=$(printf '0x%x' $((0x10000000 + (1880 << 16))))
    timeout 120 lldb -b -c "$D/p.dmp" -o "memory read --force --binary --outfile $D/heap.bin --count 40960 $heap" >/dev/null 2>&1
    timeout 120 lldb -b -c "$D/p.dmp" -o "memory read --force --binary --outfile $D/heap2.bin --count 20480 $(printf '0x%x' $((heap + 11 * 4096)))" >/dev/null 2>&1
    cat "$D/heap.bin" >"$D/heapall.bin" 2>/dev/null; head -c 4096 /dev/zero >>"$D/heapall.bin"; cat "$D/heap2.bin" >>"$D/heapall.bin" 2>/dev/null
    check "$b: lldb reads private pages (resident, transition, pagefile, demand-zero) as written" cmp_py heap "$T" "$D/heapall.bin" 1880
  fi
  if command -v objdump >/dev/null 2>&1; then
    pe=$(ls "$D"/pe/*explorer.exe 2>/dev/null | head -1)
    check "$b: --pe wrote the image" test -n "$pe"
    if [ -n "$pe" ]; then
      objdump -p "$pe" >"$WORK/objp" 2>&1
      check "$b: rebuilt PE has ImageBase set" grep -q "^ImageBase[[:space:]]*0*140000000" "$WORK/objp"
      objdump -h "$pe" >"$WORK/objh" 2>&1
      check "$b: sections realigned (file offset = RVA)" python3 -c '
import re, sys
rows = re.findall(r"^\s*\d+\s+\S+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", open(sys.argv[1]).read(), re.M)
sys.exit(0 if rows and all(int(f, 16) == int(v, 16) - 0x140000000 for s, v, f in rows) else 1)' "$WORK/objh"
      check "$b: rebuilt PE holds the mapped bytes (after the patched header page)" python3 -c '
import sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
sys.exit(0 if len(a) == len(b) and a[4096:] == b[4096:] else 1)' "$pe" "$D/mapped-1880-140000000.bin"
    fi
  fi
done
finish
