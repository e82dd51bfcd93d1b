# Shared helpers for script tests. Source it; then use check/expect_* and
# end with `finish`, which prints "N passed, M failed" and sets the exit code.
set -u
: "${KENSA:?KENSA must name the built binary}"
: "${SRC:?SRC must name the source tree}"
T_PASS=0; T_FAIL=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/kensa-test.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

pass() { T_PASS=$((T_PASS + 1)); }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $*" >&2; }
# check DESCRIPTION CONDITION-COMMAND...
check() { local d=$1; shift; if "$@"; then pass; else fail "$d"; fi; }
# expect_rc RC DESCRIPTION COMMAND...: runs COMMAND, output in $WORK/out, $WORK/err
expect_rc() {
  local want=$1 d=$2; shift 2
  "$@" >"$WORK/out" 2>"$WORK/err"; local rc=$?
  if [ "$rc" = "$want" ]; then pass; else fail "$d: exit $rc, wanted $want; stderr: $(head -c 400 "$WORK/err")"; fi
}
contains() { grep -q -- "$2" "$1"; }
need_shared() {
  if [ ! -d "${SHARED:-/nonexistent}" ]; then echo "skipped: ../shared/data absent"; exit 77; fi
}
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || { echo "skipped: $1 not installed"; exit 77; }
}
finish() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" = 0 ]; }
