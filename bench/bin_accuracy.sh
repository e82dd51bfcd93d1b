#!/usr/bin/env bash
# bin_accuracy.sh: the bin evaluation on the whole corpus matrix (gcc and
# clang x64/x86 at -O0..-Os, PIE, no PIE, -fcf-protection and static; mingw-w64
# PE x64/x86): precision, recall and F1 of function entries and instruction
# starts per configuration, without and with --hints, against the symbol
# table and objdump of the unstripped binaries (docs/bin-eval.md). The
# peer here is the ground truth itself; tests/bin_eval/run.sh --analyzer
# objdump scores objdump's own recovery for comparison. Exits 1 and prints
# "TARGET MISSED" lines unless, without hints, every configuration has
# function F1 >= 0.98, instruction recall >= 0.999 and precision >= 0.995.
# The corpus (234 binaries, a few minutes to build the first time) is
# cached in $BENCH_DIR/bin-eval-corpus. BIN_EVAL_SET picks another set.
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
if ! "$KENSA" bin funcs --help >/dev/null 2>&1; then
  echo "bin_accuracy: kensa has no 'bin funcs' yet, skipped"; exit 0
fi
export BIN_EVAL_CORPUS=${BIN_EVAL_CORPUS:-$BENCH_DIR/bin-eval-corpus}
exec bash "$SRC/tests/bin_eval/run.sh" --check --set "${BIN_EVAL_SET:-full}"
