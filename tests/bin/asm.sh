#!/usr/bin/env bash
# asm.sh: the hand-written assembly test set (x64.s, x86.s). Each file is
# assembled and linked at test time, then stripped, so the analysis sees no
# symbol. Addresses of labels come from the unstripped link (nm: the
# assembler's own answer); the expected instructions, blocks, edges and
# functions below are written by hand from the source.
. "$SRC/tests/lib/sh.sh"
need_cmd as
need_cmd ld
need_cmd jq

d=$SRC/tests/bin
as --64 -o "$WORK/x64.o" "$d/x64.s" && ld -Ttext=0x401000 -e 0x401000 -o "$WORK/x64.elf" "$WORK/x64.o" &&
  strip -o "$WORK/x64.stripped" "$WORK/x64.elf" || { echo "cannot assemble x64.s"; exit 1; }
as --32 -o "$WORK/x86.o" "$d/x86.s" && ld -m elf_i386 -Ttext=0x8049000 -e 0x8049000 -o "$WORK/x86.elf" "$WORK/x86.o" &&
  strip -o "$WORK/x86.stripped" "$WORK/x86.elf" || { echo "cannot assemble x86.s"; exit 1; }

# label FILE NAME [+OFF]: address of a label, as 0x... (lowercase, no padding)
label() { local a; a=$(nm "$WORK/$1.elf" | awk -v n="$2" '$3 == n { print $1 }'); printf '0x%x' $((0x$a + ${3:-0})); }

for f in x64 x86; do
  "$KENSA" bin cfg "$WORK/$f.stripped" --json >"$WORK/$f.cfg" 2>"$WORK/$f.cfg.err" || fail "$f: cfg failed: $(cat "$WORK/$f.cfg.err")"
  "$KENSA" bin funcs "$WORK/$f.stripped" --json >"$WORK/$f.funcs" 2>/dev/null || fail "$f: funcs failed"
  "$KENSA" bin disasm "$WORK/$f.stripped" --json >"$WORK/$f.insns" 2>/dev/null || fail "$f: disasm failed"
done

# (jq -n '[inputs | ...] | length > 0': jq 1.6's -e looks only at the last record)
# insn F LABEL [OFF]: an instruction starts there. noinsn: none starts there.
insn() { local a; a=$(label "$1" "$2" "${3:-0}"); check "$1: instruction at $2+${3:-0} ($a)" jq -n -e --arg a "$a" '[inputs | select(.address == $a)] | length > 0' "$WORK/$1.insns" >/dev/null; }
noinsn() { local a; a=$(label "$1" "$2" "${3:-0}"); if jq -n -e --arg a "$a" '[inputs | select(.address == $a)] | length > 0' "$WORK/$1.insns" >/dev/null; then fail "$1: junk at $2+${3:-0} ($a) taken as an instruction"; else pass; fi; }
# func F LABEL: a function starts there; nofunc: none does
func() { local a; a=$(label "$1" "$2"); check "$1: function at $2 ($a)" jq -n -e --arg a "$a" '[inputs | select(.address == $a)] | length > 0' "$WORK/$1.funcs" >/dev/null; }
nofunc() { local a; a=$(label "$1" "$2" "${3:-0}"); if jq -n -e --arg a "$a" '[inputs | select(.address == $a)] | length > 0' "$WORK/$1.funcs" >/dev/null; then fail "$1: false function at $2 ($a)"; else pass; fi; }
noreturn() { local a; a=$(label "$1" "$2"); check "$1: $2 does not return" jq -n -e --arg a "$a" '[inputs | select(.address == $a and .noreturn == true)] | length > 0' "$WORK/$1.funcs" >/dev/null; }
returns() { local a; a=$(label "$1" "$2"); check "$1: $2 returns" jq -n -e --arg a "$a" '[inputs | select(.address == $a and .noreturn == false)] | length > 0' "$WORK/$1.funcs" >/dev/null; }
# blocks F FUNC LABEL...: the function's blocks start exactly at these labels
blocks() {
  local f=$1 fn=$2; shift 2
  local want got a
  want=$(for l in "$@"; do label "$f" "${l%%+*}" "$( [ "$l" != "${l#*+}" ] && echo "${l#*+}" || echo 0)"; echo; done | sort | tr '\n' ' ')
  a=$(label "$f" "$fn")
  got=$(jq -r --arg a "$a" 'select(.address == $a) | .blocks[].address' "$WORK/$f.cfg" | sort | tr '\n' ' ')
  if [ "$want" = "$got" ]; then pass; else fail "$f: blocks of $fn: want [$want] got [$got]"; fi
}
# edge F FUNC FROM TO KIND: an edge between blocks of FUNC
edge() {
  local f=$1 a from to
  a=$(label "$f" "$2"); from=$(label "$f" "${3%%+*}" "$( [ "$3" != "${3#*+}" ] && echo "${3#*+}" || echo 0)")
  to=$(label "$f" "${4%%+*}" "$( [ "$4" != "${4#*+}" ] && echo "${4#*+}" || echo 0)")
  check "$f: edge $3 -> $4 ($5) in $2" jq -n -e --arg a "$a" --arg f "$from" --arg t "$to" --arg k "$5" \
    '[inputs | select(.address == $a) | .edges[] | select(.from == $f and .to == $t and .kind == $k)] | length > 0' "$WORK/$f.cfg" >/dev/null
}
nedges() {
  local a n; a=$(label "$1" "$2")
  n=$(jq -r --arg a "$a" 'select(.address == $a) | .edges | length' "$WORK/$1.cfg")
  if [ "$n" = "$3" ]; then pass; else fail "$1: $2 has $n edges, want $3"; fi
}

# ---- x64 ----------------------------------------------------------------------
for fn in pushret overlap junk opaque table fatal dies wrapper elsewhere computed tailer callee skip2; do func x64 $fn; done
# push/ret: one edge to the pushed address, junk after ret skipped
blocks x64 pushret pushret pushret_target
edge x64 pushret pushret pushret_target table
noinsn x64 pushret 6; noinsn x64 pushret 7; noinsn x64 pushret 8
nofunc x64 pushret_target
# overlapping: jmp at +0 into its own second byte: inc eax at +1
insn x64 overlap 0; insn x64 overlap 1; insn x64 overlap 3; insn x64 overlap 5
blocks x64 overlap overlap overlap+1
edge x64 overlap overlap overlap+1 jump
nedges x64 overlap 1
# junk after an unconditional jump
noinsn x64 junk 2; noinsn x64 junk 3; insn x64 junk_go
blocks x64 junk junk junk_go
edge x64 junk junk junk_go jump
# opaque pair
noinsn x64 opaque 4; noinsn x64 opaque 5
blocks x64 opaque opaque opaque+2 opaque_go
edge x64 opaque opaque opaque_go taken
edge x64 opaque opaque opaque+2 not_taken
edge x64 opaque opaque+2 opaque_go taken
nedges x64 opaque 3
# jump table in .text: 4 table edges, the table is data
blocks x64 table table table+5 table_c0 table_c1 table_c2 table_c3 table_default
for c in table_c0 table_c1 table_c2 table_c3; do edge x64 table table+5 $c table; nofunc x64 $c; done
edge x64 table table table_default taken
edge x64 table table table+5 not_taken
nedges x64 table 6
for o in 0 8 16 24; do noinsn x64 table_tab $o; done
# non-returning calls, found by analysis and propagated
noreturn x64 fatal
noreturn x64 wrapper
returns x64 dies
returns x64 pushret
noinsn x64 dies 9; noinsn x64 dies 10
blocks x64 dies dies dies+4 dies_ok
edge x64 dies dies dies_ok taken
edge x64 dies dies dies+4 not_taken
nedges x64 dies 2
# returns elsewhere: the call continues 2 bytes after its return address
blocks x64 elsewhere elsewhere elsewhere+7
edge x64 elsewhere elsewhere elsewhere+7 return
noinsn x64 elsewhere 5
# computed jump with a constant target
blocks x64 computed computed computed_target
edge x64 computed computed computed_target table
noinsn x64 computed 7
nofunc x64 computed_target
# tail call: the jump is a call to a function that is also called
"$KENSA" bin callgraph "$WORK/x64.stripped" --json >"$WORK/x64.cg" 2>/dev/null
check "x64: tail call tailer -> callee" jq -n -e --arg f "$(label x64 tailer)" --arg t "$(label x64 callee)" \
  '[inputs | .calls[] | select(.from == $f and .to == $t and .tail == true)] | length > 0' "$WORK/x64.cg"

# ---- x86 ----------------------------------------------------------------------
for fn in getpc thunk thunk_user pictable; do func x86 $fn; done
# get-PC: call $+5 is no call; pop gives the base; the jump is computed
nofunc x86 getpc 5
blocks x86 getpc getpc getpc_target
edge x86 getpc getpc getpc_target table
noinsn x86 getpc_target -1
returns x86 thunk
blocks x86 thunk_user thunk_user thunk_user+5 thunk_target
edge x86 thunk_user thunk_user+5 thunk_target table
noinsn x86 thunk_target -1; noinsn x86 thunk_target -2
# jump table relative to a get-PC base, in .text
blocks x86 pictable pictable pictable+11 pictable_c0 pictable_c1 pictable_c2 pictable_default
for c in pictable_c0 pictable_c1 pictable_c2; do edge x86 pictable pictable+11 $c table; done
for o in 0 4 8; do noinsn x86 pictable_tab $o; done

# ---- every instruction objdump finds in the linked code, outside the junk, is recovered
for f in x64 x86; do
  objdump -d "$WORK/$f.elf" | awk -F'\t' '/^ *[0-9a-f]+:\t/ { sub(/^ */, "", $1); sub(/:$/, "", $1); print "0x" $1 }' | sort -u >"$WORK/$f.objdump"
  jq -r .address "$WORK/$f.insns" | sort -u >"$WORK/$f.ours"
  # objdump also decodes the junk and the tables; those must be absent, all else present
  missing=$(comm -23 "$WORK/$f.objdump" "$WORK/$f.ours" | wc -l)
  extra=$(comm -13 "$WORK/$f.objdump" "$WORK/$f.ours" | wc -l)
  echo "$f: $missing objdump instruction starts not recovered (junk, tables), $extra recovered that objdump's linear sweep does not list (overlap, resynchronised code)"
  comm -13 "$WORK/$f.objdump" "$WORK/$f.ours" >"$WORK/$f.extra"
done
# the only starts a linear sweep cannot see are the overlapped ones
want_extra=$(printf '%s\n' "$(label x64 overlap 1)" "$(label x64 overlap 3)" | sort)
check "x64: extra starts are exactly the overlapped ones" test "$(cat "$WORK/x64.extra")" = "$want_extra"
check "x86: no extra starts" test ! -s "$WORK/x86.extra"
finish
