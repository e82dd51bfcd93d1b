#!/usr/bin/env bash
# Bad input: truncated and garbage images, absurd header fields, loops in
# the process list and in a VAD tree. kensa must answer with a clear error
# or a reported partial result, in bounded time, and never crash (an exit
# status above 2 would be a signal or an abort).
. "$SRC/tests/lib/sh.sh"
: "${MKIMAGE:?}"
need_cmd python3
W=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
[ -f "$W/version.dll" ] || { echo "skipped: wine PE DLLs absent"; exit 77; }
D=$WORK/img; mkdir -p "$D"
expect_rc 0 "mkimage" "$MKIMAGE" --build 19041 --out "$D" --exe64 "$W/version.dll"
sane() { local rc; timeout 60 "$KENSA" "$@" >"$WORK/out" 2>"$WORK/err"; rc=$?; [ $rc -le 2 ]; }
errmsg() { grep -q "^kensa: " "$WORK/err"; }

# truncations of every container
for f in image.crash.dmp image.bitmap.dmp image.lime image.elf image.raw; do
  for n in 0 100 4096 8200 70000 3000000; do
    head -c $n "$D/$f" >"$WORK/t"
    check "$f cut at $n: pslist ends cleanly" sane mem pslist "$WORK/t"
    check "$f cut at $n: info ends cleanly" sane mem info "$WORK/t"
  done
done
head -c 8192 "$D/image.crash.dmp" >"$WORK/t"
expect_rc 1 "crash dump header only" "$KENSA" mem info "$WORK/t"
check "says so with file and offset" grep -q "^kensa: .*offset" "$WORK/err"

# absurd fields
python3 - "$D/image.crash.dmp" "$WORK/runs.dmp" "$WORK/bits.dmp" "$WORK/lime" "$D/image.lime" "$WORK/elf" "$D/image.elf" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], "rb").read(0x4000))
a = bytearray(d); struct.pack_into("<I", a, 0x88, 0x7fffffff); open(sys.argv[2], "wb").write(a)
b = bytearray(d); struct.pack_into("<I", b, 0xf98, 5); b[0x2000:0x2008] = b"SDMPDUMP"; struct.pack_into("<QQQ", b, 0x2020, 0x3000, 1 << 50, 1 << 62); open(sys.argv[3], "wb").write(b)
l = bytearray(open(sys.argv[5], "rb").read(0x10000)); struct.pack_into("<QQ", l, 8, 0x1000, 0xffffffffffff0000); open(sys.argv[4], "wb").write(l)
e = bytearray(open(sys.argv[7], "rb").read(0x10000)); struct.pack_into("<HH", e, 54, 56, 0xffff); open(sys.argv[6], "wb").write(e)
PY
for f in runs.dmp bits.dmp lime elf; do
  expect_rc 1 "absurd $f is refused" "$KENSA" mem info "$WORK/$f"
  check "absurd $f: error names the file" errmsg
done

# garbage: random bytes (raw image with no kernel), and random page tables
head -c 3000000 /dev/urandom >"$WORK/rand"
check "random bytes: pslist ends cleanly" sane mem pslist "$WORK/rand"
check "random bytes: psscan ends cleanly" sane mem psscan "$WORK/rand"
cp "$D/image.raw" "$WORK/garbage.raw"
python3 - "$WORK/garbage.raw" <<'PY'
import os, sys
f = open(sys.argv[1], "r+b")
for pa in range(0x404000, 0x420000, 0x1000):   # the first page tables after the kernel PML4
    f.seek(pa); f.write(os.urandom(4096))
PY
for c in pslist psscan info; do check "garbage page tables: $c ends cleanly" sane mem $c "$WORK/garbage.raw"; done
check "garbage page tables: procdump ends cleanly" sane mem procdump --pid 1880 -o "$WORK/g.dmp" "$WORK/garbage.raw"

# random corruption of the kernel pool (EPROCESS, ETHREAD, VAD, file objects,
# prototype PTEs): 12 seeds, every command must end cleanly
for seed in $(seq 1 12); do
  cp "$D/image.raw" "$WORK/c.raw"
  python3 - "$WORK/c.raw" "$seed" <<'PY'
import random, sys
r = random.Random(int(sys.argv[2]))
f = open(sys.argv[1], "r+b")
for _ in range(400):
    f.seek(r.randrange(0x100000, 0x104000 if r.random() < 0.5 else 0x400000)); f.write(bytes([r.randrange(256)]) * r.choice((1, 1, 8)))
PY
  for c in "pslist" "psscan" "vad --pid 1880" "procdump --pid 1880 -o $WORK/c.dmp"; do
    check "corruption $seed: $c ends cleanly" sane mem $c "$WORK/c.raw"
  done
done

# page tables whose every entry points back into the image: the kernel
# search must stay within its budget
python3 - "$WORK/hostile.raw" <<'PY'
import struct, sys
img = bytearray(64 * 4096)
struct.pack_into('<Q', img, 0x1000, 0x00000001000600e9); struct.pack_into('<Q', img, 0x10a0, 0x2000); struct.pack_into('<Q', img, 0x1070, 0xfffff80000000000)
for i in range(512): struct.pack_into('<Q', img, 0x2000 + 8 * i, 0x3003 if i != 0x1ed else 0x2003)
for t in (0x3000, 0x4000, 0x5000):
    for i in range(512): struct.pack_into('<Q', img, t + 8 * i, t + 0x1003)
open(sys.argv[1], "wb").write(img)
PY
start=$(date +%s)
check "self-similar page tables: info ends cleanly" sane mem info "$WORK/hostile.raw"
check "self-similar page tables: psscan ends cleanly" sane mem psscan "$WORK/hostile.raw"
check "self-similar page tables: bounded time" test $(( $(date +%s) - start )) -lt 20

# loops
L=$WORK/loop; mkdir -p "$L"
expect_rc 0 "mkimage proc-loop" "$MKIMAGE" --build 19041 --out "$L" --exe64 "$W/version.dll" --corrupt proc-loop
expect_rc 0 "looping process list still lists" "$KENSA" mem pslist "$L/image.raw"
check "loop reported (a Flink whose target's Blink disagrees)" grep -qE "loops|ends early" "$WORK/err"
check "every process listed once" test "$(grep -c explorer.exe "$WORK/out")" = 1
B=$WORK/break; mkdir -p "$B"
expect_rc 0 "mkimage proc-break" "$MKIMAGE" --build 19041 --out "$B" --exe64 "$W/version.dll" --corrupt proc-break
expect_rc 0 "a broken Flink: pslist still lists" "$KENSA" mem pslist "$B/image.raw"
check "broken list reported" grep -q "ends early" "$WORK/err"
for n in System smss.exe csrss.exe explorer.exe; do check "broken list: $n recovered by walking Blinks" grep -q " $n " "$WORK/out"; done
check "broken list: order kept" python3 -c 'import sys; t=open(sys.argv[1]).read(); sys.exit(0 if t.index("csrss.exe") < t.index("explorer.exe") else 1)' "$WORK/out"
V=$WORK/vloop; mkdir -p "$V"
expect_rc 0 "mkimage vad-loop" "$MKIMAGE" --build 7601 --out "$V" --exe64 "$W/version.dll" --corrupt vad-loop
expect_rc 0 "looping VAD tree still lists" "$KENSA" mem vad --pid 1880 "$V/image.raw"
check "VAD loop reported" grep -q "loops" "$WORK/err"
check "VAD loop: procdump ends cleanly" sane mem procdump --pid 1880 -o "$WORK/v.dmp" "$V/image.raw"

H=$WORK/huge; mkdir -p "$H"
expect_rc 0 "mkimage vad-huge" "$MKIMAGE" --build 19041 --out "$H" --exe64 "$W/version.dll" --corrupt vad-huge
start=$(date +%s)
expect_rc 0 "a VAD claiming 128 TiB: procdump still dumps" timeout 60 "$KENSA" mem procdump --pid 1880 -o "$WORK/h.dmp" "$H/image.raw"
check "damaged VAD reported" grep -q "damaged" "$WORK/err"
check "bounded time (under 30 s)" test $(( $(date +%s) - start )) -lt 30
check "bounded size (under 64 MiB)" test "$(stat -c %s "$WORK/h.dmp")" -lt 67108864

E=$WORK/every; mkdir -p "$E"
expect_rc 0 "mkimage pt-everything" "$MKIMAGE" --build 7601 --out "$E" --exe64 "$W/version.dll" --corrupt pt-everything
start=$(date +%s)
expect_rc 0 "page tables mapping all 128 TiB: procdump stops at its limit" timeout 120 "$KENSA" mem procdump --pid 1880 -o "$WORK/e.dmp" "$E/image.raw"
check "limit reported" grep -q "more pages than memory plus pagefile" "$WORK/err"
check "limit: bounded time (under 60 s)" test $(( $(date +%s) - start )) -lt 60
check "limit: bounded size (under 2x the image + 64 MiB + metadata)" test "$(stat -c %s "$WORK/e.dmp")" -lt $(( 2 * 25165824 + 67108864 + 1048576 ))
rm -f "$WORK/e.dmp"

# a minidump is not a physical image; a missing file is an error
expect_rc 1 "pslist on a minidump" "$KENSA" mem pslist "$D/../nonexistent"
finish
