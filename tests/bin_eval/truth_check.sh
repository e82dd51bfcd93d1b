#!/usr/bin/env bash
# truth_check.sh: builds the make-check subset of the corpus and checks the
# ground truth against independent views of the same binaries:
#  - readelf / objdump -t function symbols agree with nm (truth.py counts);
#  - every function start is an instruction start in objdump's listing;
#  - a second decoder, llvm-objdump, finds the same instruction starts inside
#    the function extents (P and R >= 0.9999);
#  - the regions partition the executable bytes exactly;
#  - functions the test programs define (noinline) are in the truth;
#  - the stripped copies have no symbols left but the same code addresses:
#    objdump's linear sweep of the STRIPPED copy, scored by the scorer, must
#    reproduce the instruction truth (P and R >= 0.999), and its direct
#    call targets must be truth functions (P >= 0.95).
. "$SRC/tests/lib/sh.sh"
need_cmd objdump; need_cmd readelf; need_cmd python3
need_cmd clang; need_cmd x86_64-w64-mingw32-gcc
if ! echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$WORK/m32" 2>/dev/null; then
  echo "skipped: gcc -m32 cannot link (gcc-multilib missing; run scripts/deps)"; exit 77
fi
here=$SRC/tests/bin_eval
corpus=${BIN_EVAL_CORPUS:-$BUILD/bin-eval-corpus}
expect_rc 0 "corpus builds" bash "$here/corpus.sh" "$corpus" ci
check "18 binaries" [ "$(wc -l <"$WORK/out")" = 18 ]
while read -r cfg prog dir; do
  c=$dir/$prog.truth.check
  v() { sed -n "s/^$1=//p" "$c"; }
  check "$cfg $prog: FUNC symbols all known to nm" [ "$(v func_not_in_nm)" = 0 ]
  check "$cfg $prog: nm text symbols all explained" [ "$(v nm_unexplained)" = 0 ]
  check "$cfg $prog: function starts are instruction starts" [ "$(v func_start_not_insn)" = 0 ]
  sum=$(( $(v region_bytes_F) + $(v region_bytes_G) + $(v region_bytes_P) + $(v region_bytes_U) ))
  check "$cfg $prog: regions partition the code ($sum vs $(v code_bytes))" [ "$sum" = "$(v code_bytes)" ]
  check "$cfg $prog: at least 60 functions" [ "$(v funcs)" -ge 60 ]
  check "$cfg $prog: sorted, non-overlapping regions" python3 -c '
import sys
prev = 0
for line in open(sys.argv[1]):
    a, b = (int(x, 16) for x in line.split("\t")[:2])
    assert prev <= a < b, line
    prev = b' "$dir/$prog.truth.regions"
  check "$cfg $prog: stripped copy has no symbols" bash -c "! nm '$dir/$prog.stripped' 2>/dev/null | grep -q ."
  if [ "$prog" = progs ]; then
    for n in run_vm unused_function sha256_block step_a step_c parse_expr fatal quit_now is_even is_odd \
             main die check_failed op_add cmp_int dense8 format; do
      check "$cfg: function $n in truth" grep -qE $'\t(.*=)?_?'"$n"'(\.[a-z]+\.[0-9]+)*(=|$)' "$dir/$prog.truth.funcs"
    done
  fi
done <"$WORK/out"
llvm=$(command -v llvm-objdump-14 || command -v llvm-objdump || true)
if [ -n "$llvm" ]; then
  SCORE=${BIN_EVAL_SCORE:?BIN_EVAL_SCORE must name the scorer}
  while read -r cfg prog dir; do
    "$llvm" -d --no-show-raw-insn "$dir/$prog" 2>/dev/null | awk -f "$here/llvm_insns.awk" >"$WORK/llvm.insns"
    "$SCORE" --truth "$dir/$prog.truth" --insns "$WORK/llvm.insns" --label x >"$WORK/llvm.score"
    check "$cfg $prog: llvm-objdump agrees with the instruction truth ($(cut -f11,12 "$WORK/llvm.score" | tr '\t' ' '))" \
      awk -F'\t' '{ exit !($11 >= 0.9999 && $12 >= 0.9999) }' "$WORK/llvm.score"
  done <"$WORK/out"
else
  echo "note: llvm-objdump absent, second-decoder cross-check not run"
fi

BIN_EVAL_CORPUS=$corpus BIN_EVAL_REPORT=$WORK/report.txt expect_rc 0 "objdump baseline runs" \
  bash "$here/run.sh" --analyzer objdump ci
tbl=$corpus/run-objdump/table.tsv
check "baseline table has 12 rows" [ "$(tail -n +2 "$tbl" | wc -l)" = 12 ]
check "linear sweep of stripped copies reproduces the instruction truth" \
  awk -F'\t' 'NR > 1 && ($6 < 0.999 || $7 < 0.999) { print; bad = 1 } END { exit bad }' "$tbl"
check "direct call targets are truth functions" \
  awk -F'\t' 'NR > 1 && $3 < 0.95 { print; bad = 1 } END { exit bad }' "$tbl"
check "report written" contains "$WORK/report.txt" "worst misses per binary"
finish
