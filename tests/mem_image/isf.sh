#!/usr/bin/env bash
# --symbols with the real ISFs: images built from the ISF offsets are read
# with the matching ISF (offsets from it) and refused with a wrong one.
. "$SRC/tests/lib/sh.sh"
: "${MKIMAGE:?}"
need_shared
need_cmd python3
W=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
[ -f "$W/version.dll" ] || { echo "skipped: wine PE DLLs absent"; exit 77; }
ISF=$SHARED/mem/isf
for b in 7601 14393 19041; do
  D=$WORK/$b; mkdir -p "$D"
  expect_rc 0 "mkimage $b from the ISF" "$MKIMAGE" --build "$b" --out "$D" --isf "$ISF" --exe64 "$W/version.dll" --dll "$W/lz32.dll"
  check "$b: builder used the ISF" contains "$D/truth.json" '"offsets_from": "ISF"'
  sym=$(ls "$ISF"/ntkrnlmp-$b-*.json.xz)
  expect_rc 0 "$b: info --symbols" "$KENSA" mem info --json --symbols "$sym" "$D/image.raw"
  check "$b: offsets came from the ISF" contains "$WORK/out" '"source":"ISF"'
  check "$b: list head from the ISF symbol" contains "$WORK/out" '"ps_head_source":"ISF symbol"'
  expect_rc 0 "$b: pslist --symbols" "$KENSA" mem pslist --json --symbols "$sym" "$D/image.raw"
  python3 - "$D/truth.json" "$WORK/out" <<'PY' >"$WORK/py" 2>&1
import json, sys
t = json.load(open(sys.argv[1])); got = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
want = [(p["pid"], p["ppid"], p["name"], p["eprocess"], p["threads"]) for p in t["processes"] if p["listed"]]
have = [(g["pid"], g["ppid"], g["name"], g["eprocess"], g["threads"]) for g in got]
sys.exit(0 if want == have else print(want, have) or 1)
PY
  check "$b: pslist with symbols matches truth" test $? = 0
  expect_rc 0 "$b: vad --symbols" "$KENSA" mem vad --json --symbols "$sym" --pid 1880 "$D/image.raw"
  check "$b: vad with symbols names the DLL" contains "$WORK/out" 'lz32.dll'
  other=$(ls "$ISF"/*.json.xz | grep -v "ntkrnlmp-$b-" | head -1)
  expect_rc 1 "$b: a wrong ISF is refused" "$KENSA" mem pslist --symbols "$other" "$D/image.raw"
  check "$b: refusal names the GUIDs" contains "$WORK/err" "symbols are for PDB"
done
finish
