#!/usr/bin/env bash
# The minidump writer, checked by lldb: a synthetic dump (mdmp_tool write)
# must open in lldb with its two modules, thread registers, and memory whose
# bytes follow the known pattern byte(va) = (7*va + (va >> 8)) & 0xff,
# computed here independently of the writer. kensa's reader must agree.
. "$SRC/tests/lib/sh.sh"
. "$SRC/tests/mem_live/lldb_lib.sh"
need_cmd lldb
D=$WORK/syn.dmp
expect_rc 0 "writer produces a dump" "$MDMP_TOOL" write "$D"
pattern() { # ADDR N -> hex
  local a=$1 n=$2 i out=""
  for ((i = 0; i < n; i++)); do out+=$(printf '%02x' $(( ((a + i) * 7 + ((a + i) >> 8)) & 0xff ))); done
  echo "$out"
}
addrs="0x140000000 0x140004ff0 0x140002ffc 0x7ff01000000 0x7ff0100fff8 0x7ff0110fff0 0x7ff00200000 0x7ff002000f0"
cmds=("image list" "register read rip rsp" "thread list" "memory region 0x7ff01000000")
for a in $addrs; do cmds+=("memory read --force -c 16 $a"); done
lldb_run "$D" "$WORK/lldb" "${cmds[@]}"
lldb_modules "$WORK/lldb" >"$WORK/mods"
printf '%s\n' "5368709120 C:\\kensa\\synthetic.exe" "140729166856192 C:\\Windows\\System32\\ntdll.dll" >"$WORK/want_mods"
check "lldb lists the two modules at their bases" diff -u "$WORK/want_mods" "$WORK/mods"
check "lldb reads rip from the thread context" grep -q 'rip = 0x0000000140001000' "$WORK/lldb"
check "lldb reads rsp from the thread context" grep -q 'rsp = 0x000007ff0100ff00' "$WORK/lldb"
check "lldb sees both threads" grep -q 'tid = 0x0104' "$WORK/lldb"
check "lldb sees the region" grep -q '0x000007ff01000000-0x000007ff01110000' "$WORK/lldb"
for a in $addrs; do
  want=$(pattern $((a)) 16)
  # the range [0x140000000,+0x5000) ends at 0x140005000: the read at 0x140004ff0 is exact
  got=$(lldb_bytes "$WORK/lldb" $((a)))
  check "lldb reads the pattern at $a" test "$got" = "$want"
  ours=$("$MDMP_TOOL" read "$D" "$a" 16)
  check "kensa reads the pattern at $a" test "$ours" = "$want"
done
# Reads across the end of a range stop there.
check "kensa read stops at a range end" test "$("$MDMP_TOOL" read "$D" 0x140004ff8 16)" = "$(pattern $((0x140004ff8)) 8)"
"$MDMP_TOOL" info "$D" >"$WORK/info"
check "comment round-trips (UTF-16)" grep -q 'comment kensa synthetic dump é' "$WORK/info"
check "memory info round-trips" grep -q 'meminfo 0x7ff01000000 0x110000 state 0x1000 protect 0x4 type 0x20000' "$WORK/info"
check "no reader warnings" grep -q '^warnings 0' "$WORK/info"
check "process id round-trips (MiscInfo)" grep -q '^pid 4242' "$WORK/info"
check "lldb reads the process id" grep -q 'Process 4242 stopped' "$WORK/lldb"
# Thread 0x100's stack was given as NULL: it must point into the Memory64 data.
check "stack of thread 256 resolved into memory" grep -q '^256 0x7ff00300000 0x7ff0100ff00 0x100 1232' <("$MDMP_TOOL" threads "$D")
# Truncated copies never crash the reader and report the cut.
head -c 600000 "$D" >"$WORK/cut.dmp"
"$MDMP_TOOL" info "$WORK/cut.dmp" >"$WORK/cutinfo" 2>&1
check "truncated dump opens with a warning" grep -q 'data beyond the end of the file' "$WORK/cutinfo"
head -c 20 "$D" >"$WORK/tiny.dmp"
expect_rc 1 "20-byte file is an error" "$MDMP_TOOL" info "$WORK/tiny.dmp"
check "error names file and offset" grep -q 'tiny.dmp: offset 0: minidump header needs 32 bytes' "$WORK/err"
finish
