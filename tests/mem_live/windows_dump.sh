#!/usr/bin/env bash
# kensa-dump.exe (x64) under wine on a target with known markers
# (target_win.exe): each method is forced in turn. Oracles: the target's own
# printed addresses, lldb and kensa's minidump reader on the dump,
# sha256sum for the sidecar. The x86 build is checked to be a PE32 program
# (running it needs wine32, see docs/mem-live.md).
. "$SRC/tests/lib/sh.sh"
. "$SRC/tests/mem_live/lldb_lib.sh"
need_cmd wine
need_cmd jq
EXE=$WINDUMP_DIR/kensa-dump-x64.exe
TGT=$WINDUMP_DIR/target_win-x64.exe
[ -f "$EXE" ] && [ -f "$TGT" ] || { echo "skipped: kensa-dump-x64.exe not built (no mingw-w64)"; exit 77; }
export WINEDEBUG=-all
# One prefix per build tree, kept between runs: creating it takes a while.
export WINEPREFIX=${KENSA_WINEPREFIX:-$BUILD/wineprefix}
jqe() { jq -e "$@" >/dev/null; }
TPID=
cleanup() { [ -n "$TPID" ] && kill -9 "$TPID" 2>/dev/null; wineserver -k 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
wineboot -i >/dev/null 2>&1   # create the prefix (first run) before starting anything
wine "$TGT" 'C:\kensa-mapfile.txt' >"$WORK/addrs" 2>"$WORK/target.err" &
TPID=$!
for _ in $(seq 600); do grep -q '^ready' "$WORK/addrs" && break; sleep 0.2; done
grep -q '^ready' "$WORK/addrs" || { echo "target did not start under wine: $(head -c 300 "$WORK/target.err")"; exit 1; }
# (Windows text-mode stdout ends lines with \r\n.)
eval "$(tr -d '\r' <"$WORK/addrs" | awk '$1 != "ready" && $1 != "pid" { printf "%s=0x%s\n", $1, $2 } $1 == "pid" { print "WPID=" $2 }')"
declare -A WANT=([heap]=KENSA-MARK-HEAP-5eed0001 [stack]=KENSA-MARK-STACK-5eed0002 [file]=KENSA-MARK-FILE-5eed0004
  [before_guard]=KENSA-MARK-BEFORE-GUARD-5eed0005 [after_guard]=KENSA-MARK-AFTER-GUARD-5eed0006
  [sparse_low]=KENSA-MARK-SPARSE-LOW-5eed0007 [sparse_high]=KENSA-MARK-SPARSE-HIGH-5eed0008)
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
h16() { printf '0x%x' $(($1)); }   # canonical lowercase hex, as the sidecar writes it

for m in own live; do
  out=$WORK/$m; mkdir -p "$out"
  expect_rc 0 "$m: kensa-dump.exe --method $m" wine "$EXE" --pid "$WPID" -o "Z:$out" --method $m
  D=$out/target_win-x64.exe-$WPID.dmp
  S=$D.json
  check "$m: dump written" test -s "$D"
  check "$m: sidecar method" test "$(jq -r .method "$S")" = "$m"
  check "$m: sidecar complete" jqe '.complete == true and .partial == false' "$S"
  check "$m: sha256 matches sha256sum" test "$(jq -r .sha256 "$S")" = "$(sha256sum "$D" | cut -d' ' -f1)"
  check "$m: tool version, timing, privilege recorded" jqe '.tool_version != null and .seconds >= 0 and (.se_debug_privilege | type) == "boolean"' "$S"
  for k in "${!WANT[@]}"; do
    a=${!k}; w=${WANT[$k]}
    check "$m: kensa reader finds the $k marker at $a" test "$("$MDMP_TOOL" read "$D" "$a" ${#w})" = "$(hex "$w")"
  done
  cmds=("image list" "register read rip rsp")
  for k in "${!WANT[@]}"; do cmds+=("memory read --force -c 16 ${!k}"); done
  lldb_run "$D" "$WORK/lldb-$m" "${cmds[@]}"
  for k in "${!WANT[@]}"; do
    check "$m: lldb finds the $k marker" test "$(lldb_bytes "$WORK/lldb-$m" $((${!k})))" = "$(hex "${WANT[$k]:0:16}")"
  done
  check "$m: lldb lists the target module" grep -qi 'target_win-x64.exe' "$WORK/lldb-$m"
  # The accounting lists the guard and no-access pages and the reservation.
  check "$m: guard page region in the accounting (PAGE_GUARD)" jqe --arg a "$(h16 $guard)" '[.regions[] | select(.start == $a and .protect == "0x104")] | length == 1' "$S"
  check "$m: no-access region in the accounting (PAGE_NOACCESS)" jqe --arg a "$(h16 $noaccess)" '[.regions[] | select(.start == $a and .protect == "0x1")] | length == 1' "$S"
  check "$m: the sparse reservation is skipped as reserved" jqe '.totals.skipped_bytes >= 250000000' "$S"
  # Every run the sidecar calls read is in the dump (first bytes of up to 40 runs).
  jq -r '.regions[].runs[] | select(.status == "read") | "\(.start) \(.size)"' "$S" | head -40 >"$WORK/runs"
  bad=0
  while read -r a sz; do n=$((sz < 16 ? sz : 16)); got=$("$MDMP_TOOL" read "$D" "$a" "$n"); [ ${#got} = $((2 * n)) ] || bad=$((bad + 1)); done <"$WORK/runs"
  check "$m: read runs are present in the dump" test "$bad" = 0 -a -s "$WORK/runs"
done
# Registers: the main thread sleeps in the same place for both dumps, so
# our writer's context must match the one wine's dbghelp recorded.
rip_own=$(awk '$1 == "rip" { print $3 }' "$WORK/lldb-own")
rip_live=$(awk '$1 == "rip" { print $3 }' "$WORK/lldb-live")
check "own: thread rip from our CONTEXT matches MiniDumpWriteDump's ($rip_live)" test -n "$rip_own" -a "$rip_own" = "$rip_live"
# Our writer never reads what it cannot: the no-access and guard pages are
# accounted, not dumped.
S=$WORK/own/target_win-x64.exe-$WPID.dmp.json
D=$WORK/own/target_win-x64.exe-$WPID.dmp
check "own: guard page is a guard run" jqe --arg a "$(h16 $guard)" '[.regions[].runs[] | select(.status == "guard" and .start == $a)] | length == 1' "$S"
check "own: no-access page is an unreadable run" jqe --arg a "$(h16 $noaccess)" '[.regions[].runs[] | select(.status == "unreadable" and .start == $a and .reason == "PAGE_NOACCESS")] | length == 1' "$S"
check "own: no-access marker not in the dump" test -z "$("$MDMP_TOOL" read "$D" "$noaccess" 16)"
check "own: guard page not in the dump" test -z "$("$MDMP_TOOL" read "$D" "$guard" 16)"
check "own: thread stack points at captured memory" test "$("$MDMP_TOOL" threads "$D" | awk '{print $4}' | head -1)" != 0x0

# pss: PssCaptureSnapshot is missing under wine: the failure is recorded
# and auto mode falls back to the next method.
mkdir -p "$WORK/pss" "$WORK/auto"
wine "$EXE" --pid "$WPID" -o "Z:$WORK/pss" --method pss >"$WORK/out" 2>"$WORK/err"; rc=$?
if [ $rc = 0 ]; then
  S=$WORK/pss/target_win-x64.exe-$WPID.dmp.json
  check "pss: sidecar method" test "$(jq -r .method "$S")" = pss
  check "pss: kensa reader finds the heap marker" test "$("$MDMP_TOOL" read "${S%.json}" "$heap" 24)" = "$(hex "${WANT[heap]}")"
else
  check "pss: unavailable is reported, exit 1" test $rc = 1
  check "pss: clear message" grep -q 'PssCaptureSnapshot' "$WORK/err"
  check "pss: sidecar records the failed method" jqe '.complete == false and .methods_tried[0].method == "pss" and .methods_tried[0].ok == false' "$WORK/pss/target_win-x64.exe-$WPID.dmp.json"
fi
expect_rc 0 "auto: falls back and writes a dump" wine "$EXE" --name target_win-x64 -o "Z:$WORK/auto"
S=$WORK/auto/target_win-x64.exe-$WPID.dmp.json
check "auto: pss tried first" jqe '.methods_tried[0].method == "pss"' "$S"
check "auto: a method succeeded and is recorded" jqe '.complete == true and (.method == "pss" or .method == "live" or .method == "own")' "$S"

# Mini dumps and --all: stacks only; everything else accounted as skipped.
mkdir -p "$WORK/all"
expect_rc 0 "--all --type mini --method own" wine "$EXE" --all --type mini --method own -o "Z:$WORK/all"
S=$WORK/all/target_win-x64.exe-$WPID.dmp.json
check "--all: the target was dumped" test -s "${S%.json}"
check "--all: several processes dumped, each with a sidecar" test "$(ls "$WORK"/all/*.dmp.json | wc -l)" -ge 3
check "mini: type recorded" jqe '.type == "mini" and .complete == true' "$S"
check "mini: the stack marker is in the dump" test "$("$MDMP_TOOL" read "${S%.json}" "$stack" 24)" = "$(hex "${WANT[stack]:0:24}")"
check "mini: the heap is accounted as skipped, not dumped" test -z "$("$MDMP_TOOL" read "${S%.json}" "$sparse_high" 16)"
check "mini: skipped runs say why" jqe '[.regions[].runs[] | select(.reason == "not part of a mini dump")] | length > 0' "$S"

expect_rc 1 "no such PID" wine "$EXE" --pid 999999 -o "Z:$WORK"
check "no such PID: clear message" contains "$WORK/err" "no process with PID 999999"
expect_rc 2 "usage error" wine "$EXE" --bogus
# The target exits mid-dump (test hook: terminated after 10 regions): the
# dump is closed as a valid minidump and marked partial.
mkdir -p "$WORK/exit"
KENSA_DUMP_TEST_KILL_AFTER=10 wine "$EXE" --pid "$WPID" -o "Z:$WORK/exit" --method own >"$WORK/out" 2>"$WORK/err"
check "exit mid-dump: exit status 1" test $? = 1
check "exit mid-dump: clear message" contains "$WORK/err" "exited during the dump; the dump is partial"
S=$WORK/exit/target_win-x64.exe-$WPID.dmp.json
check "exit mid-dump: sidecar partial, method own" jqe '.partial == true and .complete == false and .method == "own"' "$S"
check "exit mid-dump: unreached regions accounted" jqe '[.regions[].runs[] | select(.reason == "not read: the process exited")] | length > 0' "$S"
check "exit mid-dump: the partial dump still opens" sh -c "'$MDMP_TOOL' info '${S%.json}' | grep -q '^streams'"
kill -9 "$TPID" 2>/dev/null
TPID=

# x86: the 32-bit target dumped by the x86 build and, as a WOW64 target, by
# the x64 build. Running 32-bit programs needs wine32 (i386 multiarch,
# attempted by scripts/deps); without it this part is skipped visibly.
X86=$WINDUMP_DIR/kensa-dump-x86.exe
TGT86=$WINDUMP_DIR/target_win-x86.exe
if [ -f "$X86" ] && [ -f "$TGT86" ]; then
  check "x86 build is a PE32 (i386) program" sh -c "objdump -f '$X86' | grep -q 'pei-i386'"
  wine "$TGT86" 'C:\kensa-mapfile32.txt' >"$WORK/addrs32" 2>"$WORK/target32.err" &
  TPID=$!
  for _ in $(seq 150); do grep -q '^ready' "$WORK/addrs32" && break; kill -0 "$TPID" 2>/dev/null || break; sleep 0.2; done
  if ! grep -q '^ready' "$WORK/addrs32"; then
    echo "skipped part: 32-bit programs do not run under this wine (wine32 absent): $(head -c 200 "$WORK/target32.err")"
  else
    eval "$(tr -d '\r' <"$WORK/addrs32" | awk '$1 != "ready" && $1 != "pid" { printf "%s=0x%s\n", $1, $2 } $1 == "pid" { print "WPID=" $2 }')"
    # dbghelp (live) is the reference for the 32-bit thread state.
    mkdir -p "$WORK/x86-ref"
    expect_rc 0 "x86: kensa-dump-x86.exe --method live" wine "$X86" --pid "$WPID" -o "Z:$WORK/x86-ref" --method live
    lldb_run "$WORK/x86-ref/target_win-x86.exe-$WPID.dmp" "$WORK/lldb-x86-ref" "register read eip esp"
    eip_ref=$(awk '$1 == "eip" { print $3 }' "$WORK/lldb-x86-ref")
    for pair in "x86 $X86" "wow64 $EXE"; do
      set -- $pair; tag=$1 dumper=$2
      for m in own live; do
        out=$WORK/$tag-$m; mkdir -p "$out"
        expect_rc 0 "$tag: $m dump of the 32-bit target" wine "$dumper" --pid "$WPID" -o "Z:$out" --method $m
        D=$out/target_win-x86.exe-$WPID.dmp S=$D.json
        check "$tag $m: sidecar says wow64 and complete" jqe '.wow64 == true and .complete == true' "$S"
        check "$tag $m: sha256 matches sha256sum" test "$(jq -r .sha256 "$S")" = "$(sha256sum "$D" | cut -d' ' -f1)"
        for k in "${!WANT[@]}"; do
          a=${!k}; w=${WANT[$k]}
          check "$tag $m: kensa reader finds the $k marker at $a" test "$("$MDMP_TOOL" read "$D" "$a" ${#w})" = "$(hex "$w")"
        done
        # (register read last: lldb stops the batch at a failing command.)
        cmds=("image list")
        for k in "${!WANT[@]}"; do cmds+=("memory read --force -c 16 ${!k}"); done
        cmds+=("register read eip esp")
        lldb_run "$D" "$WORK/lldb-$tag-$m" "${cmds[@]}"
        # A 64-bit dbghelp writes WOW64 targets as x64 dumps; ours and the
        # 32-bit dbghelp write them as x86 dumps.
        [ "$tag/$m" = wow64/live ] ||
          check "$tag $m: lldb opens it as an i386 dump" grep -q '(i386) was loaded' "$WORK/lldb-$tag-$m"
        for k in "${!WANT[@]}"; do
          check "$tag $m: lldb finds the $k marker" test "$(lldb_bytes "$WORK/lldb-$tag-$m" $((${!k})))" = "$(hex "${WANT[$k]:0:16}")"
        done
        check "$tag $m: lldb lists the target module" grep -qi 'target_win-x86.exe' "$WORK/lldb-$tag-$m"
      done
      S=$WORK/$tag-own/target_win-x86.exe-$WPID.dmp.json
      check "$tag own: guard page is a guard run" jqe --arg a "$(h16 $guard)" '[.regions[].runs[] | select(.status == "guard" and .start == $a)] | length == 1' "$S"
      check "$tag own: no-access page is an unreadable run" jqe --arg a "$(h16 $noaccess)" '[.regions[].runs[] | select(.status == "unreadable" and .start == $a)] | length == 1' "$S"
      check "$tag own: x86 SystemInfo (ProcessorArchitecture 0)" sh -c "'$MDMP_TOOL' info '${S%.json}' | grep -q '^arch 0 '"
      check "$tag own: 32-bit thread context (716 bytes)" test "$("$MDMP_TOOL" threads "${S%.json}" | awk '{print $5}' | head -1)" = 716
      eip=$(awk '$1 == "eip" { print $3 }' "$WORK/lldb-$tag-own")
      check "$tag own: eip from our context matches dbghelp's ($eip_ref)" test -n "$eip" -a "$eip" = "$eip_ref"
    done
  fi
  kill -9 "$TPID" 2>/dev/null
  TPID=
fi
finish
