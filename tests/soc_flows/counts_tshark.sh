#!/usr/bin/env bash
# Packet and byte counts per capture equal tshark's (the oracle): every
# pcap/pcapng in ../shared/data/soc, read plain and gzip-compressed.
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd tshark
n=0
for f in "$SHARED"/soc/*.pcap "$SHARED"/soc/*.pcapng; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  b=$(basename "$f")
  want=$(tshark -r "$f" -T fields -e frame.len 2>/dev/null | awk '{p++; s+=$1} END {printf "%d %d", p, s}')
  "$KENSA" soc analyze -q --stats "$WORK/st.json" --alerts /dev/null "$f" >/dev/null 2>"$WORK/err"
  got=$(jq -r '.inputs[0] | "\(.packets) \(.bytes)"' "$WORK/st.json")
  check "$b: kensa '$got' vs tshark '$want'" [ "$got" = "$want" ]
  gzip -c "$f" >"$WORK/c.gz"
  "$KENSA" soc analyze -q --stats "$WORK/st.json" --alerts /dev/null "$WORK/c.gz" >/dev/null 2>&1
  got=$(jq -r '.inputs[0] | "\(.packets) \(.bytes)"' "$WORK/st.json")
  check "$b (gzip): kensa '$got' vs tshark '$want'" [ "$got" = "$want" ]
done
check "found captures" [ "$n" -gt 40 ]
finish
