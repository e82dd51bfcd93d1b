# llvm_insns.awk: instruction starts from `llvm-objdump -d --no-show-raw-insn`,
# one 0xADDR per line, as a second, independent decoder for the truth
# cross-check (truth_check.sh). llvm-objdump prints a lone prefix (lock,
# rep, ...) on its own line before the instruction it belongs to: the
# prefix's address is the start, the next line is not.
BEGIN { FS = "\t" }
/^ *[0-9a-f]+:/ {
  a = $1; sub(/^ */, "", a); sub(/:.*/, "", a); m = $2; gsub(/ /, "", m)
  rest = ""; for (i = 3; i <= NF; i++) rest = rest $i; gsub(/ /, "", rest)
  prefix = (rest == "") && (m ~ /^(lock|rep|repe|repne|repz|repnz|data16|data32|addr32|cs|ds|es|ss|fs|gs|notrack|bnd|xacquire|xrelease|rex.*)$/)
  if (!glued) print "0x" a
  glued = prefix
}
