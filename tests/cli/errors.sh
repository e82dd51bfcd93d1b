#!/usr/bin/env bash
# Input errors are reported as "kensa: FILE: offset N: problem" (or
# "kensa: FILE: problem" when no offset applies) with exit 1.
. "$SRC/tests/lib/sh.sh"
expect_rc 1 "missing input file" "$KENSA" soc analyze "$WORK/does-not-exist.pcap"
check "names the file" grep -q "^kensa: $WORK/does-not-exist.pcap: cannot open: No such file" "$WORK/err"
printf 'this is not any known format\n' > "$WORK/junk.bin"
expect_rc 1 "unknown format" "$KENSA" soc analyze "$WORK/junk.bin"
check "names file and offset" grep -q "^kensa: $WORK/junk.bin: offset 0: not a recognised" "$WORK/err"
expect_rc 1 "a directory is not an input" "$KENSA" soc analyze "$WORK"
check "directory error" grep -q "is a directory" "$WORK/err"
finish
