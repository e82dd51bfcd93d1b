#!/usr/bin/env bash
# load.sh: the loaders on real and damaged inputs. Oracles: readelf and
# mingw objdump for entry, sections and imports; a PE rebuilt in memory
# layout must give the same functions as the file it came from; damaged
# headers must give a clear error or a warning, never a crash.
. "$SRC/tests/lib/sh.sh"
need_cmd gcc
need_cmd python3
need_cmd readelf

cat >"$WORK/p.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
static int sq(int x) { return x * x; }
int pick(int k) { switch (k) { case 0: return 4; case 1: return 9; case 2: return sq(k); case 3: return 2; case 4: return 7; default: return -1; } }
int main(int argc, char **argv) { if (argc > 3) abort(); printf("%d\n", pick(argc) + sq(argc)); puts("done"); return 0; }
EOF
gcc -O2 -o "$WORK/p64" "$WORK/p.c" || { echo "gcc failed"; exit 1; }

# ---- ELF: entry and sections agree with readelf
expect_rc 0 "info on ELF" "$KENSA" bin info "$WORK/p64" --json
entry=$(readelf -h "$WORK/p64" | awk '/Entry point/ { print $4 }')
check "ELF entry matches readelf ($entry)" test "$(jq -r .entry "$WORK/out")" = "$entry"
want=$(readelf -SW "$WORK/p64" | awk '$0 ~ /^ *\[ *[0-9]+\]/ { sub(/^ *\[ *[0-9]+\] */, ""); if ($7 ~ /A/) print $1 }' | grep -v '^NULL' | sort)
got=$(jq -r '.sections[] | select(.size > 0) | .name' "$WORK/out" | sort)
check "ELF allocated sections match readelf" test "$want" = "$got"
check "ELF imports include puts" jq -e '[.imports[].name] | index("puts") != null' "$WORK/out" >/dev/null

# ---- ELF with thread-local data: .tbss takes no address space, so the
# sections linked at its addresses (.init_array, ...) are kept whole
cat >"$WORK/tls.c" <<'EOF'
#include <stdio.h>
__thread int tls_zero[24];
__thread int tls_init = 5;
static void __attribute__((constructor)) early(void) { tls_zero[1] = 1; }
int main(void) { printf("%d\n", tls_init + tls_zero[1]); return 0; }
EOF
gcc -O2 -o "$WORK/tls" "$WORK/tls.c" || { echo "gcc failed"; exit 1; }
if readelf -SW "$WORK/tls" | grep -q '\.tbss'; then
  expect_rc 0 "info on ELF with .tbss" "$KENSA" bin info "$WORK/tls" --json
  check "no section clipped by .tbss" test "$(grep -c overlaps "$WORK/err")" = 0
  want=$(readelf -SW "$WORK/tls" | awk '$0 ~ /^ *\[ *[0-9]+\]/ { sub(/^ *\[ *[0-9]+\] */, ""); if ($7 ~ /A/ && $1 != ".tbss") print $1, $3, $5 }' |
         while read -r nm ad sz; do printf '%s %d %d\n' "$nm" "0x$ad" "0x$sz"; done | sort)
  got=$(jq -r '.sections[] | select(.size > 0) | "\(.name) \(.address) \(.size)"' "$WORK/out" |
        while read -r nm ad sz; do printf '%s %d %d\n' "$nm" "$ad" "$sz"; done | sort)
  check "ELF with .tbss: sections, addresses and sizes match readelf" test "$want" = "$got"
fi

# ---- raw code: --arch auto guesses, --base moves every address
objcopy -O binary --only-section=.text "$WORK/p64" "$WORK/text64.bin"
expect_rc 0 "raw auto x86-64" "$KENSA" bin info "$WORK/text64.bin" --arch auto --json
check "auto arch says x86-64 for 64-bit code" test "$(jq -r .arch "$WORK/out")" = x86-64
if gcc -m32 -O2 -o "$WORK/p32" "$WORK/p.c" 2>/dev/null; then
  objcopy -O binary --only-section=.text "$WORK/p32" "$WORK/text32.bin"
  expect_rc 0 "raw auto x86" "$KENSA" bin info "$WORK/text32.bin" --arch auto --json
  check "auto arch says x86 for 32-bit code" test "$(jq -r .arch "$WORK/out")" = x86
fi
"$KENSA" bin funcs "$WORK/text64.bin" --arch x86-64 >"$WORK/f0" 2>/dev/null
"$KENSA" bin funcs "$WORK/text64.bin" --arch x86-64 --base 0x10000 >"$WORK/f1" 2>/dev/null
n0=$(wc -l <"$WORK/f0")
check "raw code has functions ($n0)" test "$n0" -gt 3
check "--base shifts every function by 0x10000" test "$(while read -r a s _; do printf '0x%x %s\n' $((a + 65536)) "$s"; done <"$WORK/f0")" = "$(awk '{ print $1, $2 }' "$WORK/f1")"

# ---- damaged inputs: clear errors, exit 1, no crash
: >"$WORK/empty"
expect_rc 1 "empty file" "$KENSA" bin info "$WORK/empty"
check "empty file: says why" contains "$WORK/err" "kensa: .*empty"
head -c 30 "$WORK/p64" >"$WORK/trunc"
expect_rc 1 "truncated ELF header" "$KENSA" bin funcs "$WORK/trunc"
check "truncated: offset and reason" contains "$WORK/err" "offset [0-9]*: .*truncated"
head -c 4096 /dev/urandom >"$WORK/rnd"
expect_rc 1 "random bytes without --arch" "$KENSA" bin funcs "$WORK/rnd"
expect_rc 0 "random bytes as raw code" "$KENSA" bin funcs "$WORK/rnd" --arch x86-64
# absurd section count and a section table pointing outside the file
python3 - "$WORK/p64" "$WORK/badsh" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<Q', d, 40, len(d) + 1000)   # e_shoff beyond the end
struct.pack_into('<H', d, 60, 0xffff)         # e_shnum absurd
open(sys.argv[2], 'wb').write(d)
EOF
expect_rc 0 "ELF with unusable section headers falls back to segments" "$KENSA" bin funcs "$WORK/badsh"
check "bad section headers: warned" contains "$WORK/err" "section header table is unusable"
check "bad section headers: functions still found" test "$(wc -l <"$WORK/out")" -gt 3
# program headers out of the file too: a clear error
python3 - "$WORK/badsh" "$WORK/badph" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
struct.pack_into('<Q', d, 32, len(d) + 5000)
open(sys.argv[2], 'wb').write(d)
EOF
expect_rc 1 "ELF with no usable headers" "$KENSA" bin funcs "$WORK/badph"
check "no usable headers: says which" contains "$WORK/err" "program header table is outside the file"

# ---- PE (mingw): imports agree with objdump -p; memory layout equals file layout
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  x86_64-w64-mingw32-gcc -O2 -o "$WORK/p.exe" "$WORK/p.c" || fail "mingw build"
  expect_rc 0 "info on PE" "$KENSA" bin info "$WORK/p.exe" --json
  check "PE is PE32+ x86-64" test "$(jq -r '.detail + " " + .arch' "$WORK/out")" = "PE32+ x86-64"
  want=$(x86_64-w64-mingw32-objdump -p "$WORK/p.exe" | awk '/DLL Name:/ { dll = 1 } /^\t[0-9a-f]+[ \t]+[0-9]+[ \t]+[A-Za-z_]/ && dll { print $NF }' | sort -u)
  got=$(jq -r '.imports[].name' "$WORK/out" | sort -u)
  check "PE imports match objdump -p" test "$want" = "$got"
  python3 - "$WORK/p.exe" "$WORK/p.mem" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', d, 0x3c)[0]
nsec, optsz = struct.unpack_from('<H', d, pe + 6)[0], struct.unpack_from('<H', d, pe + 20)[0]
opt = pe + 24
size_image, size_hdr = struct.unpack_from('<II', d, opt + 56)
img = bytearray(size_image)
img[:size_hdr] = d[:size_hdr]
for i in range(nsec):
    s = opt + optsz + 40 * i
    vsz, va, rsz, raw = struct.unpack_from('<IIII', d, s + 8)
    n = min(rsz, vsz) if vsz else rsz
    img[va:va + n] = d[raw:raw + n]
open(sys.argv[2], 'wb').write(img)
EOF
  "$KENSA" bin funcs "$WORK/p.exe" >"$WORK/ffile" 2>/dev/null
  "$KENSA" bin funcs "$WORK/p.mem" >"$WORK/fmem" 2>/dev/null
  "$KENSA" bin info "$WORK/p.mem" >"$WORK/imem" 2>/dev/null
  check "memory layout detected" contains "$WORK/imem" "memory layout"
  check "PE in memory layout: same functions as the file ($(wc -l <"$WORK/ffile"))" cmp -s "$WORK/ffile" "$WORK/fmem"
  # the same image as a module inside a minidump (ModuleList + Memory64List)
  python3 "$SRC/tests/bin/mkdump.py" "$WORK/p.mem" "$WORK/p.dmp" 'C:\app\p.exe'
  "$KENSA" bin funcs "$WORK/p.dmp" --module P.EXE >"$WORK/fdmp" 2>"$WORK/fdmperr"
  check "minidump module: same functions as the file ($(head -c 200 "$WORK/fdmperr"))" cmp -s "$WORK/ffile" "$WORK/fdmp"
  expect_rc 1 "minidump: unknown module" "$KENSA" bin funcs "$WORK/p.dmp" --module nosuch.dll
  check "unknown module: says so" contains "$WORK/err" "no module matching"
  # absurd section count
  python3 - "$WORK/p.exe" "$WORK/bad.exe" <<'EOF'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
pe = struct.unpack_from('<I', d, 0x3c)[0]
struct.pack_into('<H', d, pe + 6, 0xffff)
open(sys.argv[2], 'wb').write(d)
EOF
  expect_rc 0 "PE with 65535 sections" "$KENSA" bin funcs "$WORK/bad.exe"
  check "PE section count: warned" contains "$WORK/err" "sections"
  head -c 300 "$WORK/p.exe" >"$WORK/trunc.exe"
  expect_rc 1 "truncated PE" "$KENSA" bin funcs "$WORK/trunc.exe"
fi

# ---- minidump modules (third-party dumps)
if [ -d "${SHARED:-/nonexistent}/mem/minidumps" ]; then
  dmp=$SHARED/mem/minidumps/tiny-exe-fastfail.dmp
  if [ -f "$dmp" ]; then
    "$KENSA" bin info "$dmp" >"$WORK/md" 2>"$WORK/mderr"; rc=$?
    echo "minidump info: exit $rc: $(head -c 300 "$WORK/mderr")"
    check "minidump: loads or says why" test "$rc" = 0 -o -s "$WORK/mderr"
  fi
fi
finish
