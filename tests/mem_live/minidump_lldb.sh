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
# Counts and exception codes from ../shared/data/MANIFEST.md (parsed there
# independently of kensa): modules threads exception-code exception-address.
declare -A FACTS=(
  [ascii_read_av.dmp]="26 2 0xc0000005 0xd6a6cd"
  [invalid-parameter.dmp]="31 6 0xc000000d 0x0"
  [stack_exhaustion.dmp]="26 2 0xc00000fd 0xdea637"
  [test.dmp]="13 2 0xc0000005 0x40429e"
  [thread_name_list.dmp]="17 6 0xc0000005 0x4015fd"
  [tiny-exe-fastfail.dmp]="21 4 0xc0000409 0x7ff75355af42"
  [write_av_non_canonical.dmp]="15 2 0xc0000005 0x7ff738721331")
for dmp in "$D"/*.dmp; do
  name=$(basename "$dmp")
  "$MDMP_TOOL" modules "$dmp" >"$WORK/mods" || { fail "$name: reader failed"; continue; }
  "$MDMP_TOOL" ranges "$dmp" >"$WORK/ranges"
  check "$name: has modules" test -s "$WORK/mods"
  if [ -n "${FACTS[$name]:-}" ]; then
    read -r fm ft fc fa <<<"${FACTS[$name]}"
    "$MDMP_TOOL" info "$dmp" >"$WORK/info"
    check "$name: $fm modules, $ft threads (manifest)" grep -q "modules $fm threads $ft " "$WORK/info"
    check "$name: exception $fc at $fa (manifest)" grep -q "^exception $fc at $fa " "$WORK/info"
    check "$name: no reader warnings" grep -q '^warnings 0' "$WORK/info"
  fi
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
# thread_name_list.dmp: 3 of its 6 threads are named (manifest).
if [ -f "$D/thread_name_list.dmp" ]; then
  check "thread_name_list.dmp: 3 named threads" test "$("$MDMP_TOOL" threads "$D/thread_name_list.dmp" | awk '$NF != "-"' | wc -l)" = 3
fi
finish
