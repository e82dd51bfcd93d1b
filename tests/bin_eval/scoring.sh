#!/usr/bin/env bash
# scoring.sh: the scorer on a hand-made truth and hand-made predictions
# whose counts were worked out by hand (docs/bin-eval.md, scoring rules):
# true and false positives, ignored regions (.cold, PLT, unsymbolised),
# padding, duplicates, text and NDJSON inputs, and the misses report.
. "$SRC/tests/lib/sh.sh"
SCORE=${BIN_EVAL_SCORE:?BIN_EVAL_SCORE must name the scorer}
t=$WORK/t
printf '0x1000\ta\n0x1010\tb\n0x1040\td\n0x1048\te\n' >"$t.funcs"
printf '0x1080\tc.cold\n' >"$t.funcs_ignore"
printf '%s\n' $'0x1000\t0x100c\tF\ta' $'0x100c\t0x1010\tG\t.text' $'0x1010\t0x1020\tF\tb' \
  $'0x1020\t0x1030\tP\t.plt' $'0x1030\t0x1040\tU\t.text' $'0x1040\t0x1050\tF\td' \
  $'0x1080\t0x1090\tF\tc.cold' >"$t.regions"
for a in 1000 1004 1008 1010 1011 1018p 1040 1044 1048 104c 1080 1084; do
  flag=-; case $a in *p) flag=p; a=${a%p} ;; esac
  printf '0x%s\t4\t%s\tinsn_%s\n' "$a" "$flag" "$a"
done >"$t.insns"
# Functions as kensa's text listing, with a duplicate and a stray line.
cat >"$WORK/funcs.txt" <<'X'
0x1000 12 a
0x1010 16 -
0x1010 16 -
0x1080 4 -
0x1024 4 -
0x1034 4 -
0x100c 4 -
0x1004 4 -
0x2000 4 -
some header line
X
: >"$WORK/insns.json"
for a in 1000 1004 1008 1002 100c 100e 1010 1011 1020 1030 1040 1044 1048 1080 1084 3000 1000; do
  printf '{"address":"0x%s","size":4,"mnemonic":"nop","text":"nop","function":null}\n' "$a" >>"$WORK/insns.json"
done
expect_rc 0 "scorer runs" "$SCORE" --truth "$t" --funcs "$WORK/funcs.txt" --insns "$WORK/insns.json" \
  --label "syn" --misses "$WORK/misses.txt"
# func: TP 2 FP 3 FN 2 P .4 R .5 F1 .4444; insn: TP 10 FP 2 FN 2; ignored 3 and 4.
want=$'syn\t2\t3\t2\t0.4000\t0.5000\t0.4444\t10\t2\t2\t0.8333\t0.8333\t0.8333\t3\t4'
check "score line: $(cat "$WORK/out")" [ "$(cat "$WORK/out")" = "$want" ]
check "stray line reported" contains "$WORK/err" "1 lines without an address"
check "missed d named" contains "$WORK/misses.txt" "0x1040 d"
check "missed e named" contains "$WORK/misses.txt" "0x1048 e"
check "false entry inside a" contains "$WORK/misses.txt" "0x1004 inside a+0x4"
check "false entry in padding" contains "$WORK/misses.txt" "0x100c padding after a"
check "false entry outside" contains "$WORK/misses.txt" "0x2000 outside executable code"
check "missed padding insn in b" contains "$WORK/misses.txt" "1 (1 padding)  first 0x1018 inside b+0x8: insn_1018"
check "false insn inside a" contains "$WORK/misses.txt" "first 0x1002 inside a+0x2"
# The full list of function misses, for roll-ups.
expect_rc 0 "list" "$SCORE" --truth "$t" --funcs "$WORK/funcs.txt" --label L --list "$WORK/list.tsv"
check "list: 2 missed" [ "$(grep -c $'^L\tmissed\t' "$WORK/list.tsv")" = 2 ]
check "list: 3 false" [ "$(grep -c $'^L\tfalse\t' "$WORK/list.tsv")" = 3 ]
check "list: names" contains "$WORK/list.tsv" $'L\tmissed\t0x1048\te'
# Functions only: instruction fields are "-".
expect_rc 0 "funcs only" "$SCORE" --truth "$t" --funcs "$WORK/funcs.txt" --label x
check "insn fields absent" [ "$(cut -f8,14,15 "$WORK/out")" = $'-\t3\t-' ]
# Perfect predictions score 1.
cut -f1 "$t.funcs" >"$WORK/pf"; cut -f1 "$t.insns" >"$WORK/pi"
expect_rc 0 "perfect" "$SCORE" --truth "$t" --funcs "$WORK/pf" --insns "$WORK/pi" --label p
check "perfect is 1" [ "$(cut -f5-7,11-13 "$WORK/out")" = $'1.0000\t1.0000\t1.0000\t1.0000\t1.0000\t1.0000' ]
# Empty predictions: recall 0, no division by zero.
: >"$WORK/empty"
expect_rc 0 "empty" "$SCORE" --truth "$t" --funcs "$WORK/empty" --insns "$WORK/empty" --label e
check "empty is 0" [ "$(cut -f2-7 "$WORK/out")" = $'0\t0\t4\t0.0000\t0.0000\t0.0000' ]
expect_rc 2 "missing truth is a usage error" "$SCORE" --truth "$WORK/nope" --funcs "$WORK/empty"
expect_rc 2 "no arguments" "$SCORE"
finish
