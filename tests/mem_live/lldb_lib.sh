# lldb_lib.sh: helpers to ask lldb (the oracle) about a minidump. Sourced by
# the mem_live script tests after tests/lib/sh.sh.
# lldb_run CORE OUT CMD...: runs lldb once with every CMD, output in OUT
# (lldb-14 prints harmless Python errors on Debian; they are filtered).
lldb_run() {
  local core=$1 out=$2; shift 2
  local args=() c
  for c in "$@"; do args+=(-o "$c"); done
  timeout 120 lldb -b -c "$core" "${args[@]}" 2>&1 |
    grep -v -E '^Traceback|^  File "<string>"|^NameError|^ModuleNotFoundError' >"$out"
}
# lldb_bytes OUT ADDR: the hex bytes lldb printed for "memory read" at ADDR
# (lowercase, no spaces; empty when lldb could not read it).
lldb_bytes() {
  awk -v a="$2" "$LLDB_AWK_HEX"'
    $1 ~ /^0x[0-9a-f]+:$/ && hex(substr($1, 1, length($1) - 1)) == a + 0 {
      for (i = 2; i <= NF && $i ~ /^[0-9a-f][0-9a-f]$/; i++) printf "%s", $i; exit }' "$1"
}
# An awk function hex("0x1f") -> 31 (mawk has no strtonum). Exact for
# addresses below 2^53, which covers user-mode address spaces.
LLDB_AWK_HEX='function hex(s,  i, v, c) { s = tolower(s); sub(/^0x/, "", s); v = 0
  for (i = 1; i <= length(s); i++) { c = index("0123456789abcdef", substr(s, i, 1)) - 1; v = v * 16 + c }
  return v }'
# lldb_modules OUT: "BASE PATH" (decimal base) for each line of "image list".
lldb_modules() {
  awk "$LLDB_AWK_HEX"'
    /^\[ *[0-9]+\]/ { for (i = 2; i <= NF; i++) if ($i ~ /^0x/) { path = $(i + 1)
        for (k = i + 2; k <= NF; k++) path = path " " $k
        printf "%.0f %s\n", hex($i), path; break } }' "$1"
}
