#!/usr/bin/env bash
# run.sh: the bin evaluation, runnable by hand. Builds (or reuses) the
# corpus, runs an analyzer on every STRIPPED binary, scores it against the
# truth from the unstripped one and prints precision / recall / F1 per
# configuration, for function entries and instruction starts, without and
# with --hints. The table and the worst misses (named from the unstripped
# binary) also go to $BIN_EVAL_REPORT (default /tmp/bin-eval-latest.txt).
#
#   bash tests/bin_eval/run.sh                  # ci subset, build/kensa
#   bash tests/bin_eval/run.sh --set full       # the whole matrix
#   bash tests/bin_eval/run.sh gcc-x86-O3-cf mingw-x86-Os   # chosen configs
#   bash tests/bin_eval/run.sh --analyzer objdump   # reference baseline
#   bash tests/bin_eval/run.sh --check          # exit 1 unless the targets hold
#   bash tests/bin_eval/run.sh --no-unwind      # plain mode on copies without
#                                  .eh_frame/.eh_frame_hdr (ELF), .pdata/.xdata (PE)
#
# Analyzers: "kensa" runs `kensa bin funcs FILE --json [--hints]` and
# `kensa bin disasm FILE --json [--hints]`; "objdump" is a reference
# baseline (linear sweep for instructions, direct call targets for
# functions), used by the harness's own tests.
# Environment: KENSA (default build/kensa), BIN_EVAL_SCORE (the scorer;
# compiled into the corpus directory when absent), BIN_EVAL_CORPUS (default
# build/bin-eval-corpus), JOBS (default 2), BIN_EVAL_PROGS.
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
KENSA=${KENSA:-$SRC/build/kensa}
CORPUS=${BIN_EVAL_CORPUS:-${BUILD:-$SRC/build}/bin-eval-corpus}
REPORT=${BIN_EVAL_REPORT:-/tmp/bin-eval-latest.txt}
JOBS=${JOBS:-2}
analyzer=kensa check=0 nounwind=0 sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --set) sets+=("$2"); shift ;;
    --analyzer) analyzer=$2; shift ;;
    --check) check=1 ;;
    --no-unwind) nounwind=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) sets+=("$1") ;;
  esac
  shift
done
[ ${#sets[@]} -gt 0 ] || sets=(ci)
case "$analyzer" in kensa|objdump) ;; *) echo "run.sh: analyzer is kensa or objdump" >&2; exit 2 ;; esac
if [ "$analyzer" = kensa ] && [ ! -x "$KENSA" ]; then
  echo "run.sh: $KENSA not built (set KENSA)" >&2; exit 2
fi
mkdir -p "$CORPUS"
SCORE=${BIN_EVAL_SCORE:-}
if [ -z "$SCORE" ] || [ ! -x "$SCORE" ]; then
  SCORE=$CORPUS/bin_eval_score
  if [ ! -x "$SCORE" ] || [ "$here/score.c" -nt "$SCORE" ]; then
    cc -std=gnu11 -O2 -Wall -Wextra -o "$SCORE" "$here/score.c" || exit 2
  fi
fi

list=$(bash "$here/corpus.sh" "$CORPUS" "${sets[@]}") || { echo "run.sh: corpus build failed" >&2; exit 2; }
work=$CORPUS/run-$analyzer
rm -rf "$work"; mkdir -p "$work"

# predict CONFIG PROG DIR: writes the analyzer's predictions for both modes.
predict() {
  local cfg=$1 prog=$2 dir=$3 o=$work/$1.$2
  local bin=$dir/$prog.stripped
  if [ "$analyzer" = objdump ]; then
    objdump -d -w "$bin" >"$o.objdump" 2>/dev/null
    awk -F'\t' '/^ *[0-9a-f]+:\t/ && NF >= 3 { sub(/^ */, "", $1); sub(/:$/, "", $1); print "0x" $1 }' \
      "$o.objdump" >"$o.insns"
    grep -oE $'\tcall[ ]+(0x)?[0-9a-f]+' "$o.objdump" | awk '{ a = $2; sub(/^0x/, "", a); print "0x" a }' \
      | sort -u >"$o.funcs"
    cp "$o.insns" "$o.hints.insns"; cp "$o.funcs" "$o.hints.funcs"
    rm -f "$o.objdump"
    return 0
  fi
  local mode flag
  for mode in plain hints; do
    flag=; [ $mode = hints ] && flag=--hints
    local pf=$o.funcs pi=$o.insns
    [ $mode = hints ] && pf=$o.hints.funcs pi=$o.hints.insns
    # --no-unwind: the plain run gets a copy without unwind tables, proving
    # that its numbers owe nothing to them (the tables are hints).
    if [ $mode = plain ] && [ "$nounwind" = 1 ]; then
      if head -c 4 "$dir/$prog.stripped" | grep -q ELF; then
        objcopy --remove-section .eh_frame --remove-section .eh_frame_hdr "$dir/$prog.stripped" "$o.nounwind"
      else
        objcopy --remove-section .pdata --remove-section .xdata "$dir/$prog.stripped" "$o.nounwind"
      fi || { echo "run.sh: objcopy failed on $bin" >&2; return 1; }
      bin=$o.nounwind
    else
      bin=$dir/$prog.stripped
    fi
    timeout 300 "$KENSA" bin funcs "$bin" --json $flag >"$pf" 2>"$pf.err"
    echo $? >"$pf.rc"
    timeout 300 "$KENSA" bin disasm "$bin" --json $flag >"$pi" 2>"$pi.err"
    echo $? >"$pi.rc"
  done
}
export -f predict
export work analyzer KENSA nounwind
echo "$list" | xargs -P "$JOBS" -L 1 bash -c 'predict "$@"' _

: >"$work/scores.tsv"
: >"$work/misses.txt"
: >"$work/funclist.tsv"
while read -r cfg prog dir; do
  for mode in plain hints; do
    o=$work/$cfg.$prog; [ $mode = hints ] && o=$work/$cfg.$prog.hints
    fa=(--funcs "$o.funcs"); ia=(--insns "$o.insns")
    # A failed or refused run scores as empty output (everything missed);
    # its exit code and stderr are kept beside it and noted in the report.
    for x in funcs insns; do
      rc=$(cat "$o.$x.rc" 2>/dev/null || echo 0)
      if [ "$rc" != 0 ]; then
        echo "note: $cfg $prog $mode: kensa bin $x exit $rc: $(head -c 200 "$o.$x.err")" >>"$work/notes.txt"
      fi
    done
    "$SCORE" --truth "$dir/$prog.truth" "${fa[@]}" "${ia[@]}" --label "$cfg $prog $mode" \
      --misses "$work/misses.txt" --list "$work/funclist.tsv" >>"$work/scores.tsv" || exit 2
  done
done <<<"$list"

# Per configuration (programs summed) and mode: the table people read.
table=$(awk -F'\t' '
  { split($1, lab, " "); key = lab[1] "\t" lab[3]
    if (!(key in seen)) { seen[key] = 1; order[n++] = key }
    ftp[key] += $2; ffp[key] += $3; ffn[key] += $4
    itp[key] += $8; ifp[key] += $9; ifn[key] += $10 }
  function prf(tp, fp, fn,   p, r, f) {
    p = tp + fp ? tp / (tp + fp) : 0; r = tp + fn ? tp / (tp + fn) : 0
    f = p + r ? 2 * p * r / (p + r) : 0
    return sprintf("%.4f\t%.4f\t%.4f", p, r, f) }
  END {
    print "config\tmode\tfunc_P\tfunc_R\tfunc_F1\tinsn_P\tinsn_R\tinsn_F1\tfunc_FN\tfunc_FP\tinsn_FN\tinsn_FP"
    for (i = 0; i < n; i++) { c = order[i]
      print c "\t" prf(ftp[c], ffp[c], ffn[c]) "\t" prf(itp[c], ifp[c], ifn[c]) "\t" ffn[c] "\t" ffp[c] "\t" ifn[c] "\t" ifp[c] }
  }' "$work/scores.tsv")
echo "$table" >"$work/table.tsv"
{
  echo "bin evaluation, analyzer $analyzer, $(date -u +%FT%TZ)$([ $nounwind = 1 ] && echo ", plain mode without unwind tables")"
  [ "$analyzer" = kensa ] && echo "kensa: $KENSA ($(cd "$SRC" && git log -1 --format=%h 2>/dev/null))"
  echo "targets without hints: func F1 >= 0.98, insn recall >= 0.999, insn precision >= 0.995"
  echo
  echo "$table" | column -t -s $'\t'
  echo
  [ -f "$work/notes.txt" ] && cat "$work/notes.txt" && echo
  echo "per binary (label, func TP FP FN P R F1, insn TP FP FN P R F1, ignored func, ignored insn):"
  column -t -s $'\t' "$work/scores.tsv"
  echo
  echo "function misses without hints, all binaries: most often missed names (.constprop/.isra/.part"
  echo "suffixes folded) and where false entries lie:"
  awk -F'\t' '$1 ~ / plain$/ && $2 == "missed" { n = $4; gsub(/\.(constprop|isra|part|lto_priv)\.[0-9]+/, "", n); c[n]++ }
    END { for (k in c) printf "%6d  missed  %s\n", c[k], k }' "$work/funclist.tsv" | sort -rn | head -25
  awk -F'\t' '$1 ~ / plain$/ && $2 == "false" { w = $4; sub(/[ +].*/, "", w); c[w]++ }
    END { for (k in c) printf "%6d  false entries %s\n", c[k], k }' "$work/funclist.tsv" | sort -rn
  echo
  echo "worst misses per binary (names and places from the unstripped binary):"
  cat "$work/misses.txt"
} >"$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT"
echo "$table" | column -t -s $'\t'
[ -f "$work/notes.txt" ] && head -5 "$work/notes.txt"
echo "report: $REPORT"

if [ $check = 1 ]; then
  # The static-glibc configurations are extras beyond the issue's matrix
  # (gcc/clang x PIE/no-PIE/CET x O-levels, mingw): their misses are shown
  # but do not fail the check (docs/bin.md, known limits).
  awk -F'\t' 'NR > 1 && $2 == "plain" && $1 ~ /-static/ {
      if ($5 < 0.98 || $7 < 0.999 || $6 < 0.995)
        printf "below target (extra static configuration): %s function F1 %.4f, insn P %.4f R %.4f\n", $1, $5, $6, $7
      next }
    NR > 1 && $2 == "plain" {
      if ($5 < 0.98) { printf "TARGET MISSED: %s function F1 %.4f < 0.98\n", $1, $5; bad = 1 }
      if ($7 < 0.999) { printf "TARGET MISSED: %s instruction recall %.4f < 0.999\n", $1, $7; bad = 1 }
      if ($6 < 0.995) { printf "TARGET MISSED: %s instruction precision %.4f < 0.995\n", $1, $6; bad = 1 }
    } END { exit bad }' "$work/table.tsv" || exit 1
  echo "all targets met (every configuration of the target matrix)"
fi
exit 0
