#!/usr/bin/env bash
# The minidump reader against lldb on real third-party dumps (shared data):
# module bases and names, and memory bytes at the start, middle and end of
# captured ranges, must match what lldb reads from the same file.
. "$SRC/tests/lib/sh.sh"
. "$SRC/tests/mem_live/lldb_lib.sh"
need_shared
need_cmd lldb
D=$SHARED/mem/minidumps
[ -d "$D" ] || { echo "skipped: $D absent"; exit 77; }
for dmp in "$D"/*.dmp; do
  name=$(basename "$dmp")
  "$MDMP_TOOL" modules "$dmp" >"$WORK/mods" || { fail "$name: reader failed"; continue; }
  "$MDMP_TOOL" ranges "$dmp" >"$WORK/ranges"
  check "$name: has modules" test -s "$WORK/mods"
  check "$name: has memory ranges" test -s "$WORK/ranges"
  # Sample up to 12 ranges spread over the list; read 16 bytes at start,
  # middle and (end - 16) of each.
  nr=$(wc -l <"$WORK/ranges")
  step=$(( nr / 12 + 1 ))
  cmds=("image list")
  : >"$WORK/addrs"
  i=0
  while read -r va size; do
    i=$((i + 1)); [ $(( (i - 1) % step )) = 0 ] || continue
    for a in $((va)) $((va + size / 2)) $((va + size - 16)); do
      [ $((size)) -ge 16 ] || continue
      printf '%d\n' "$a" >>"$WORK/addrs"
      cmds+=("memory read --force -c 16 $(printf '0x%x' "$a")")
    done
  done <"$WORK/ranges"
  lldb_run "$dmp" "$WORK/lldb" "${cmds[@]}"
  # image list lines: [  N] UUID 0xBASE PATH   (UUID may be absent)
  lldb_modules "$WORK/lldb" | sort >"$WORK/lldb_mods"
  awk "$LLDB_AWK_HEX"'{ printf "%.0f %s", hex($1), $3; for (k = 4; k <= NF; k++) printf " %s", $k; printf "\n" }' "$WORK/mods" | sort >"$WORK/our_mods"
  check "$name: $(wc -l <"$WORK/our_mods") modules match lldb's image list" diff -u "$WORK/lldb_mods" "$WORK/our_mods"
  nb=0; bad=0
  while read -r a; do
    want=$(lldb_bytes "$WORK/lldb" "$a")
    got=$("$MDMP_TOOL" read "$dmp" "$a" 16)
    nb=$((nb + 1))
    if [ -z "$want" ] || [ "$want" != "$got" ]; then bad=$((bad + 1)); echo "$name: 0x$(printf %x "$a"): lldb '$want' kensa '$got'" >&2; fi
  done <"$WORK/addrs"
  check "$name: $nb memory reads agree with lldb" test "$bad" = 0 -a "$nb" -gt 0
done
finish
