#!/usr/bin/env bash
# Bad input: cut and corrupt captures and hostile flow exports give counted
# warnings (or a clear error naming file and offset) and processing goes
# on; memory stays within the documented bounds. Packet counts of damaged
# captures are checked against tcpdump, which reads up to the same point.
. "$SRC/tests/lib/sh.sh"
GEN="$BUILD/tests/soc_flows/gen_traffic"
need_cmd python3
stats() { jq -r ".inputs[0].$1" "$WORK/st.json"; }
"$GEN" --seed 3 --duration 5 --bg-pps 400 "$WORK/ok.pcap" 2>/dev/null
size=$(stat -c %s "$WORK/ok.pcap")

# cut in the middle of a record: both readers (mmap walker; libpcap via gzip)
head -c $((size - 37)) "$WORK/ok.pcap" >"$WORK/cut.pcap"
expect_rc 0 "cut pcap: no alerts, exit 0" "$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/cut.pcap"
check "cut pcap: warning names the file and offset" contains "$WORK/err" "cut.pcap: offset [0-9]*: truncated dump file"
if command -v tcpdump >/dev/null; then
  want=$(tcpdump -r "$WORK/cut.pcap" -nn 2>/dev/null | wc -l)
  check "cut pcap: $(stats packets) packets, tcpdump $want" [ "$(stats packets)" = "$want" ]
fi
n_mmap=$(stats packets)
gzip -c "$WORK/cut.pcap" >"$WORK/cut.pcap.gz"
"$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/cut.pcap.gz" >/dev/null 2>"$WORK/err"
check "cut pcap.gz (libpcap): same count $(stats packets) = $n_mmap" [ "$(stats packets)" = "$n_mmap" ]
check "cut pcap.gz: warning" contains "$WORK/err" "truncated"

# an absurd captured length in record 100: reading stops there, with a warning
python3 - "$WORK/ok.pcap" "$WORK/bad.pcap" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read()); pos = 24
for i in range(100):
    pos += 16 + struct.unpack_from('<I', d, pos + 8)[0]
struct.pack_into('<I', d, pos + 8, 0x7fffffff)
open(sys.argv[2], 'wb').write(d)
PY
expect_rc 0 "huge caplen: exit 0" "$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/bad.pcap"
check "huge caplen: 100 packets before it" [ "$(stats packets)" = 100 ]
check "huge caplen: warning" contains "$WORK/err" "invalid packet capture length"

# pcapng with a corrupted block length
"$GEN" --seed 3 --duration 2 --bg-pps 200 --format pcapng "$WORK/ok.pcapng" 2>/dev/null
python3 - "$WORK/ok.pcapng" "$WORK/bad.pcapng" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read()); pos = 0
for i in range(52):   # SHB, IDB, then 50 packets
    pos += struct.unpack_from('<I', d, pos + 4)[0]
struct.pack_into('<I', d, pos + 4, 0x00fffff0)
open(sys.argv[2], 'wb').write(d)
PY
expect_rc 0 "bad pcapng block: exit 0" "$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/bad.pcapng"
check "bad pcapng block: 50 packets before it" [ "$(stats packets)" = 50 ]
check "bad pcapng block: warning" grep -q "rest of the capture skipped" "$WORK/err"

# not a capture at all, empty, header only, wrong version
head -c 3000 /dev/urandom | tr '\0-\377' 'a-za-za-za-za-za-za-za-za-za-za-z' >"$WORK/junk.bin"
expect_rc 1 "junk: exit 1" "$KENSA" soc analyze "$WORK/junk.bin"
check "junk: clear error" contains "$WORK/err" "junk.bin: offset 0: not a recognised"
: >"$WORK/empty.pcap"
expect_rc 1 "empty file: exit 1" "$KENSA" soc analyze "$WORK/empty.pcap"
head -c 24 "$WORK/ok.pcap" >"$WORK/hdr.pcap"
expect_rc 0 "header only: exit 0" "$KENSA" soc analyze --stats "$WORK/st.json" "$WORK/hdr.pcap"
check "header only: 0 packets" [ "$(stats packets)" = 0 ]
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[4]=9; open(sys.argv[2],'wb').write(d)" "$WORK/ok.pcap" "$WORK/ver.pcap"
expect_rc 1 "bad version: exit 1" "$KENSA" soc analyze "$WORK/ver.pcap"
check "bad version: error with offset" contains "$WORK/err" "ver.pcap: offset 4: pcap version"

# hostile flow exports: every problem warned and counted, valid parts still decoded
python3 "$SRC/tests/soc_flows/hostile.py" broken "$WORK/broken.pcap"
expect_rc 1 "broken exports: warnings make soc flows exit 1" "$KENSA" soc flows --json "$WORK/broken.pcap"
"$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/broken.pcap" >/dev/null 2>"$WORK/err"
# (a datagram whose first set has length 0 fails the content probe: it is
# plain UDP, not an export, so it gives no warning)
check "broken exports: $(jq .warnings "$WORK/st.json") warnings counted (>= 6)" [ "$(jq .warnings "$WORK/st.json")" -ge 6 ]
check "broken exports: $(jq .flow_exports.bad "$WORK/st.json") bad sets counted (>= 6)" [ "$(jq .flow_exports.bad "$WORK/st.json")" -ge 6 ]
check "broken exports: all 12 datagrams read as packets" [ "$(stats packets)" = 12 ]
for w in "zero-length records" "60000 fields" "options template 302: bad lengths" "record cut short" "sFlow flow sample"; do
  check "broken exports: warning '$w'" contains "$WORK/err" "$w"
done
"$KENSA" soc analyze -q --stats "$WORK/st.json" --alerts /dev/null "$WORK/broken.pcap" >/dev/null 2>"$WORK/err"
check "--quiet: warnings counted, not printed" [ "$(jq .warnings "$WORK/st.json")" -ge 6 -a ! -s "$WORK/err" ]

# bounds: 70,000 templates (cache holds 65,536), 20 MiB of orphan data (16 MiB held)
python3 "$SRC/tests/soc_flows/hostile.py" templates "$WORK/tmpl.pcap"
/usr/bin/time -f "%M" -o "$WORK/rss" "$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/tmpl.pcap" >/dev/null 2>"$WORK/err"
check "templates: cache bound warned" contains "$WORK/err" "template cache full"
check "templates: 65536 cached" [ "$(jq .flow_exports.templates_cached "$WORK/st.json")" = 65536 ]
check "templates: peak RSS $(cat "$WORK/rss") kB < 200 MB" [ "$(cat "$WORK/rss")" -lt 200000 ]
python3 "$SRC/tests/soc_flows/hostile.py" held "$WORK/held.pcap"
/usr/bin/time -f "%M" -o "$WORK/rss" "$KENSA" soc analyze --stats "$WORK/st.json" --alerts /dev/null "$WORK/held.pcap" >/dev/null 2>"$WORK/err"
check "held data: drop warned" contains "$WORK/err" "already wait for templates"
check "held data: some dropped" [ "$(jq .flow_exports.held_dropped "$WORK/st.json")" -gt 0 ]
# beyond the dropped sets, one more warning at the end: what was held and never decoded
check "held data: end-of-input warning counted" [ "$(jq .warnings "$WORK/st.json")" = "$(( $(jq .flow_exports.held_dropped "$WORK/st.json") + 1 ))" ]
check "held data: peak RSS $(cat "$WORK/rss") kB < 200 MB" [ "$(cat "$WORK/rss")" -lt 200000 ]
finish
