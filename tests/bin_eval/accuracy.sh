#!/usr/bin/env bash
# accuracy.sh: issue 7's accuracy targets on the make-check subset, without
# hints: function-entry F1 >= 0.98, instruction recall >= 0.999 and
# precision >= 0.995 in every configuration (run.sh --check).
. "$SRC/tests/lib/sh.sh"
need_cmd objdump; need_cmd readelf; need_cmd python3; need_cmd clang; need_cmd x86_64-w64-mingw32-gcc
if ! echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$WORK/m32" 2>/dev/null; then
  echo "skipped: gcc -m32 cannot link (gcc-multilib missing; run scripts/deps)"; exit 77
fi
expect_rc 0 "accuracy targets met on the ci subset" \
  env BIN_EVAL_CORPUS="${BIN_EVAL_CORPUS:-$BUILD/bin-eval-corpus}" BIN_EVAL_REPORT="$WORK/report.txt" \
  bash "$SRC/tests/bin_eval/run.sh" --check ci
cat "$WORK/out"
finish
