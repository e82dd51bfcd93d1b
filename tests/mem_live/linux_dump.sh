#!/usr/bin/env bash
# kensa mem dump-live on a live child with known markers (target_linux).
# Oracles: gdb on the ELF core (with the executable), readelf for the notes,
# sha256sum for the sidecar's hash, lldb and kensa's reader for the
# minidump form; the target's own printed addresses for where markers are.
. "$SRC/tests/lib/sh.sh"
. "$SRC/tests/mem_live/lldb_lib.sh"
need_cmd gdb
need_cmd jq
[ -r /proc/self/maps ] || { echo "skipped: no /proc"; exit 77; }
T=$TARGET_LINUX
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$WORK"; }
trap cleanup EXIT
jqe() { jq -e "$@" >/dev/null; }

# start_target NAME: runs the target, waits for "ready", sets PID and the
# marker addresses as variables NAME_heap etc. (plain: heap, stack, ...).
start_target() {
  "$T" "$WORK/$1.mapfile" >"$WORK/$1.addrs" 2>&1 &
  PID=$!; PIDS+=("$PID")
  for _ in $(seq 100); do grep -q '^ready' "$WORK/$1.addrs" && break; sleep 0.05; done
  grep -q '^ready' "$WORK/$1.addrs" || { fail "target did not start"; finish; exit 1; }
  eval "$(awk '$1 != "ready" { print $1 "=" $2 }' "$WORK/$1.addrs")"
}
declare -A WANT=([heap]=KENSA-MARK-HEAP-5eed0001 [stack]=KENSA-MARK-STACK-5eed0002 [thread]=KENSA-MARK-THREAD-5eed0003
  [file]=KENSA-MARK-FILE-5eed0004 [before_guard]=KENSA-MARK-BEFORE-GUARD-5eed0005 [after_guard]=KENSA-MARK-AFTER-GUARD-5eed0006
  [sparse_low]=KENSA-MARK-SPARSE-LOW-5eed0007 [sparse_high]=KENSA-MARK-SPARSE-HIGH-5eed0008)

# ---- ELF core with ptrace ---------------------------------------------------
start_target a
expect_rc 0 "dump-live (elf, ptrace) succeeds" "$KENSA" mem dump-live --pid "$PID" -o "$WORK/a.core"
check "text output says complete" contains "$WORK/out" "complete dump of pid $PID"
gargs=()
for m in "${!WANT[@]}"; do gargs+=(-ex "x/s ${!m}"); done
gargs+=(-ex "x/s $guard" -ex "info threads" -ex "bt" -ex "thread 2" -ex "bt")
gdb -batch -nx "$T" "$WORK/a.core" "${gargs[@]}" >"$WORK/gdb" 2>&1
for m in "${!WANT[@]}"; do
  a=${!m}
  check "gdb reads the $m marker at $a" grep -q "^$a:[[:space:]]*\"${WANT[$m]}" "$WORK/gdb"
done
check "gdb cannot read the guard page" grep -q "Cannot access memory at address $guard" "$WORK/gdb"
check "gdb sees 2 threads" test "$(grep -c 'Thread 0x' "$WORK/gdb")" -ge 2
check "gdb backtrace reaches main from the registers" grep -q ' in main ' "$WORK/gdb"
check "gdb backtrace of the second thread reaches its function" grep -q ' in thread_main ' "$WORK/gdb"
readelf -n "$WORK/a.core" >"$WORK/notes" 2>&1
check "two NT_PRSTATUS notes" test "$(grep -c NT_PRSTATUS "$WORK/notes")" = 2
gdb -batch -nx "$T" "$WORK/a.core" -ex "info proc mappings" >"$WORK/gdbmaps" 2>&1
check "NT_FILE: gdb maps the file at its address" grep -q "$file .*0x1000 *0x0 $WORK/a.mapfile" "$WORK/gdbmaps"
check "NT_AUXV present" grep -q NT_AUXV "$WORK/notes"
S=$WORK/a.core.json
check "sidecar: complete, not partial" test "$(jq -r '[.complete, .partial] | @tsv' "$S")" = "$(printf 'true\tfalse')"
check "sidecar: sha256 matches sha256sum" test "$(jq -r .sha256 "$S")" = "$(sha256sum "$WORK/a.core" | cut -d' ' -f1)"
check "sidecar: method ptrace" test "$(jq -r .method "$S")" = ptrace
check "sidecar: tool version and timing" jqe '.tool_version != null and .seconds >= 0 and .pid == '"$PID" "$S"
check "sidecar: the guard page is a guard run at its address" \
  jqe --arg g "$guard" '[.regions[].runs[] | select(.status == "guard" and .start == $g and .size == 4096)] | length == 1' "$S"
check "sidecar: sparse region fully accounted (read + skipped = 256 MiB)" \
  jqe --arg b "$sparse_base" '[.regions[] | select(.start == $b) | .runs[] | .size] | add == 268435456' "$S"
check "sidecar: its untouched stretches are skipped as never touched" \
  jqe --arg b "$sparse_base" '[.regions[] | select(.start == $b) | .runs[] | select(.status == "skipped" and (.reason | test("never touched"))) | .size] | add > 200000000' "$S"
check "sidecar: totals add up to the mapped size" \
  jqe '([.regions[].size] | add) == (.totals.read_bytes + .totals.unreadable_bytes + .totals.guard_bytes + .totals.skipped_bytes)' "$S"
check "sidecar: both threads with full registers" jqe '[.threads[] | select(.registers == "full")] | length == 2' "$S"
check "target still runs after the dump (ptrace detached)" test "$(awk '{print $3}' /proc/$PID/stat)" = S
check "sparse region costs no disk (holes)" test "$(du -k "$WORK/a.core" | cut -f1)" -lt 100000

# ---- minidump ---------------------------------------------------------------
expect_rc 0 "dump-live (minidump) succeeds" "$KENSA" mem dump-live --pid "$PID" -o "$WORK/a.dmp" --format minidump
for m in "${!WANT[@]}"; do
  a=${!m}
  hex=$(printf '%s' "${WANT[$m]}" | od -An -tx1 | tr -d ' \n')
  check "kensa's reader finds the $m marker" test "$("$MDMP_TOOL" read "$WORK/a.dmp" "$a" ${#WANT[$m]})" = "$hex"
done
check "minidump: guard page not captured" test -z "$("$MDMP_TOOL" read "$WORK/a.dmp" "$guard" 16)"
"$MDMP_TOOL" info "$WORK/a.dmp" >"$WORK/mi"
check "minidump: comment says complete" grep -q 'complete dump' "$WORK/mi"
check "minidump: Linux platform" grep -q 'platform 0x8201' "$WORK/mi"
check "minidump: sidecar sha256 matches sha256sum" test "$(jq -r .sha256 "$WORK/a.dmp.json")" = "$(sha256sum "$WORK/a.dmp" | cut -d' ' -f1)"
check "minidump: no reader warnings" grep -q '^warnings 0' "$WORK/mi"
check "minidump: thread stacks resolved into the memory data" test "$("$MDMP_TOOL" threads "$WORK/a.dmp" | awk '$4 == "0x0"' | wc -l)" = 0
check "minidump: process id" grep -q "^pid $PID\$" "$WORK/mi"
check "minidump: the guard page is in the memory info as reserved/noaccess" grep -q "meminfo $guard 0x1000 state 0x2000 protect 0x1" "$WORK/mi"
if command -v lldb >/dev/null; then
  cmds=("thread list")
  for m in "${!WANT[@]}"; do cmds+=("memory read --force -c 16 ${!m}"); done
  lldb_run "$WORK/a.dmp" "$WORK/lldb" "${cmds[@]}"
  for m in "${!WANT[@]}"; do
    check "lldb reads the $m marker" test "$(lldb_bytes "$WORK/lldb" $((${!m})))" = "$(printf '%s' "${WANT[$m]:0:16}" | od -An -tx1 | tr -d ' \n')"
  done
  check "lldb sees 2 threads" test "$(grep -c 'tid = ' "$WORK/lldb")" = 2
fi

# ---- SIGSTOP method -----------------------------------------------------------
expect_rc 0 "dump-live --no-ptrace succeeds" "$KENSA" mem dump-live --pid "$PID" -o "$WORK/b.core" --no-ptrace
check "sidecar: method sigstop" test "$(jq -r .method "$WORK/b.core.json")" = sigstop
gdb -batch -nx "$T" "$WORK/b.core" -ex "x/s $heap" >"$WORK/gdb2" 2>&1
check "gdb reads the heap marker (sigstop core)" grep -q "\"${WANT[heap]}\"" "$WORK/gdb2"
check "target resumed after SIGSTOP dump" test "$(awk '{print $3}' /proc/$PID/stat)" = S

# ---- errors -------------------------------------------------------------------
expect_rc 1 "no such PID" "$KENSA" mem dump-live --pid 2147483646 -o "$WORK/none.core"
check "no such PID: clear message" contains "$WORK/err" "no process with PID 2147483646"
check "no such PID: no file left" test ! -e "$WORK/none.core"
expect_rc 2 "missing -o is a usage error" "$KENSA" mem dump-live --pid "$PID"
expect_rc 1 "full disk (/dev/full)" "$KENSA" mem dump-live --pid "$PID" -o /dev/full --sidecar "$WORK/full.json"
check "full disk: clear message" contains "$WORK/err" "No space left on device"
check "full disk: sidecar says partial" jqe '.partial == true and .complete == false and (.error | test("No space"))' "$WORK/full.json"
expect_rc 1 "full disk (minidump)" "$KENSA" mem dump-live --pid "$PID" -o /dev/full --format minidump --sidecar "$WORK/full2.json"
check "full disk minidump: clear message" contains "$WORK/err" "No space left on device"
# A real small filesystem filling up (1 MiB tmpfs in a private mount
# namespace), when this machine allows it.
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then
  mkdir -p "$WORK/small"
  unshare -m sh -c "mount -t tmpfs -o size=1m tmpfs '$WORK/small' && '$KENSA' mem dump-live --pid $PID -o '$WORK/small/x.core' --sidecar '$WORK/small.json'; echo \$? >'$WORK/small.rc'" >"$WORK/out" 2>"$WORK/err"
  check "small tmpfs full: exit 1" test "$(cat "$WORK/small.rc")" = 1
  check "small tmpfs full: clear message" contains "$WORK/err" "No space left on device; the dump is partial"
  check "small tmpfs full: sidecar partial, with the unwritten rest accounted" \
    jqe '.partial == true and ([.regions[].runs[] | select(.reason == "not read: writing the dump failed")] | length > 0)' "$WORK/small.json"
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && chmod 755 "$WORK" &&
   setpriv --reuid=65534 --regid=65534 --clear-groups "$KENSA" --version >/dev/null 2>&1; then
  expect_rc 1 "no permission (unprivileged user on a root process)" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$KENSA" mem dump-live --pid "$PID" -o "$WORK/perm.core"
  check "no permission: clear message" grep -q -i "permission denied" "$WORK/err"
  check "no permission: no file left" test ! -e "$WORK/perm.core"
fi
start_target c
KENSA_LIVEDUMP_TEST_KILL_AFTER=3 "$KENSA" mem dump-live --pid "$PID" -o "$WORK/c.core" >"$WORK/out" 2>"$WORK/err"
check "exit mid-dump: exit status 1" test $? = 1
check "exit mid-dump: clear message" contains "$WORK/err" "exited during the dump; the dump is partial"
check "exit mid-dump: sidecar partial" jqe '.partial == true and .complete == false' "$WORK/c.core.json"
check "exit mid-dump: unread regions accounted" jqe '[.regions[].runs[] | select(.reason == "not read: the process exited")] | length > 0' "$WORK/c.core.json"
check "exit mid-dump: the core is still a valid ELF core" sh -c "readelf -h '$WORK/c.core' | grep -q 'CORE (Core file)'"
start_target d
KENSA_LIVEDUMP_TEST_KILL_AFTER=3 "$KENSA" mem dump-live --pid "$PID" -o "$WORK/d.dmp" --format minidump >"$WORK/out" 2>"$WORK/err"
check "exit mid-dump (minidump): exit status 1" test $? = 1
check "exit mid-dump (minidump): sidecar partial" jqe '.partial == true and .complete == false' "$WORK/d.dmp.json"
"$MDMP_TOOL" info "$WORK/d.dmp" >"$WORK/dinfo" 2>&1
check "exit mid-dump (minidump): the dump opens and its comment says PARTIAL" grep -q 'comment .*PARTIAL dump' "$WORK/dinfo"
finish
