#!/usr/bin/env bash
# mem demo: builds a synthetic Windows 10 (19041) memory image with the test
# fixture builder (a real PE program compiled here with mingw, or wine's PE
# DLLs), wraps it as a crash dump, and lets kensa find the kernel and the
# processes with no symbols, then dump one process with a per-page account.
set -u
: "${KENSA:?}" "${DEMO:?}"
MK=$(dirname "$KENSA")/tests/mem_image/mem_mkimage
[ -x "$MK" ] || { echo "mem demo: $MK not built, skipped"; exit 0; }
W=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
d=$DEMO/mem
mkdir -p "$d"
EXE=$W/version.dll
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
  printf '#include <stdio.h>\nint main(void) { puts("hello from the demo"); return 0; }\n' >"$d/hello.c"
  x86_64-w64-mingw32-gcc -O1 -o "$d/hello.exe" "$d/hello.c" && EXE=$d/hello.exe
fi
[ -f "$EXE" ] || { echo "mem demo: no PE file to map (mingw-w64 or wine needed), skipped"; exit 0; }
DLLS=(); for x in lz32.dll version.dll; do [ -f "$W/$x" ] && DLLS+=(--dll "$W/$x"); done
"$MK" --build 19041 --out "$d" --exe64 "$EXE" "${DLLS[@]}" || exit 1
echo "--- kensa mem info (crash dump; no symbols given)"
"$KENSA" mem info "$d/image.crash.dmp" | grep -v '^  range'
echo "--- kensa mem pslist"
"$KENSA" mem pslist "$d/image.crash.dmp"
echo "--- kensa mem psscan (finds the unlinked process)"
"$KENSA" mem psscan "$d/image.raw"
echo "--- kensa mem procdump --pid 1880 --pagefile pagefile.sys"
"$KENSA" mem procdump --pid 1880 -o "$d/explorer.dmp" --pagefile "$d/pagefile.sys" --pe "$d/pe" "$d/image.crash.dmp"
echo "--- kensa mem info explorer.dmp (the dump, read back)"
"$KENSA" mem info "$d/explorer.dmp" | sed -n '1,12p'
