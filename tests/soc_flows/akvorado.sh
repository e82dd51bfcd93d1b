#!/usr/bin/env bash
# Every akvorado decoder fixture decodes without a warning (templates and
# data given together, in any order: data that comes first is held), and
# the values akvorado's own decoder tests assert (root_test.go, checked by
# hand) come out the same.
. "$SRC/tests/lib/sh.sh"
need_shared
D="$SHARED/soc"
expect_rc 0 "all akvorado fixtures decode with no warning" "$KENSA" soc flows --json "$D"/akvorado-*.pcap
cp "$WORK/out" "$WORK/all.json"
check "no warning printed" [ ! -s "$WORK/err" ]
has() {  # DESCRIPTION JQ-FILTER (true for some flow)
  if jq -e -s "any(.[]; $2)" "$WORK/all.json" >/dev/null; then pass; else fail "$1"; fi
}
# NetFlow v9 with options-template sampling (akvorado TestDecode): 1500 bytes at 1:30000
has "v9 options sampling 30000" '.src=="198.38.121.178" and .dst=="91.170.143.87" and .sport==443 and .dport==19624 and .sampling==30000 and .bytes==1500*30000 and .in_if==335 and .out_if==450 and .src_mask==24 and .dst_mask==14'
# sampling rate in the data template (TestDecodeSamplingRate)
has "v9 sampling 2048" '.src=="232.131.215.65" and .dst=="142.183.180.65" and .sampling==2048 and .bytes==160*2048 and .in_if==13'
# several samplers (TestDecodeMultipleSamplingRates): first flow at 4000
has "v9 sampler ids, rate 4000" '.src=="ffff::68" and .sampling==4000'
# RFC 5103 biflow reverse direction (TestDecodeRFC5103)
has "IPFIX biflow reverse" '.src=="74.53.140.153" and .dst=="10.10.1.4" and .sport==25 and .dport==1470 and .packets==25 and .bytes==1546 and .out_if==10'
# dataLinkFrameSection (TestDecodeDataLink): one packet of 96 IP bytes
has "IPFIX data link section" '.src=="51.51.51.51" and .dst=="52.52.52.52" and .sport==55501 and .dport==11777 and .packets==1 and .bytes==96 and .in_if==582'
# NetFlow v5 (TestDecodeNFv5)
has "NetFlow v5 record" '.src=="161.202.212.212" and .dst=="202.152.70.24" and .sport==30104 and .dport==11963 and .bytes==133 and .packets==1 and .tcp_flags==24 and .in_if==117 and .out_if==86 and .src_mask==19 and .dst_mask==24'
check "29 NetFlow v5 records" [ "$(jq -s '[.[] | select(.file|test("nfv5"))] | length' "$WORK/all.json")" = 29 ]
# sFlow: every fixture yields at least one flow
for f in "$D"/akvorado-sflow-*.pcap; do
  n=$(jq -s --arg f "$f" '[.[] | select(.file==$f)] | length' "$WORK/all.json")
  check "$(basename "$f"): $n sFlow samples decoded" [ "$n" -ge 1 ]
done
# data without its template: held, then reported as never decoded
expect_rc 1 "data without template warns" "$KENSA" soc flows --json "$D"/akvorado-netflow-datalink-data.pcap
check "held-data warning" contains "$WORK/err" "never decoded"
# the decoder's straight-line template plans give what its general field
# loop gives, on every real fixture (akvorado's and pmacct's)
for f in "$D"/akvorado-*.pcap "$D"/pmacct-*.pcap*; do
  [ -f "$f" ] || continue
  a=$("$KENSA" soc flows -q --json "$f" 2>&1 | md5sum)
  b=$(KENSA_FLOWEXP=generic "$KENSA" soc flows -q --json "$f" 2>&1 | md5sum)
  check "$(basename "$f"): plan and general loop agree" [ "$a" = "$b" ]
done
finish
