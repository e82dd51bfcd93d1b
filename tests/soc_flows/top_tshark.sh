#!/usr/bin/env bash
# `soc flows --top N` (per-destination flows, packets and bytes, the N
# destinations with most bytes) equals the same aggregation done with awk
# over tshark's decode of the export datagrams (the oracle), for NetFlow
# v5, v9 and IPFIX, unsampled and sampled (tshark prints raw counters, so
# the oracle multiplies by the generator's rate). Also: the decoder's
# straight-line template plans give the same flows as its general field
# loop (KENSA_FLOWEXP=generic) on every export kind.
. "$SRC/tests/lib/sh.sh"
need_cmd tshark
GEN="$BUILD/tests/soc_flows/gen_traffic"
MIX=(--seed 11 --duration 6 --bg-pps 3000 --bg-hosts 400 --attack udp:10.1.0.7:1:3:4000 --attack syn:10.1.0.9:2:2:2500)
for combo in nf5/1 nf9/1 ipfix/1 nf9/16 ipfix/4 nf5/8; do
  kind=${combo%/*} rate=${combo#*/}
  "$GEN" "${MIX[@]}" --export "$kind" --sample "$rate" "$WORK/e.pcap" 2>/dev/null
  tshark -r "$WORK/e.pcap" -d udp.port==2055,cflow -T fields -E occurrence=a -E aggregator=' ' \
    -e cflow.dstaddr -e cflow.packets -e cflow.octets 2>/dev/null |
    awk -v r="$rate" 'NF { n = split($0, c, "\t"); nd = split(c[1], d, " "); split(c[2], p, " "); split(c[3], o, " ");
                           for (i = 1; i <= nd; i++) { fl[d[i]]++; pk[d[i]] += p[i] * r; by[d[i]] += o[i] * r } }
                       END { for (a in fl) printf "%s %d %d %d\n", a, fl[a], pk[a], by[a] }' |
    sort >"$WORK/want"
  check "$combo: oracle has destinations" [ "$(wc -l <"$WORK/want")" -ge 100 ]
  # every destination (--top larger than their number), compared as sets:
  # the order among equal byte counts is kensa's (by address) alone
  expect_rc 0 "$combo: --top runs" "$KENSA" soc flows -q --top 1000000 --json "$WORK/e.pcap"
  jq -r '"\(.dst) \(.flows) \(.packets) \(.bytes)"' "$WORK/out" >"$WORK/all"
  sort "$WORK/all" >"$WORK/got"
  if cmp -s "$WORK/got" "$WORK/want"; then pass; else fail "$combo: --top differs from tshark: $(diff "$WORK/got" "$WORK/want" | head -6)"; fi
  check "$combo: by bytes, most first" sort -c -s -k4,4nr "$WORK/all"
  # --top 10 is the head of that list; the table has the same rows
  "$KENSA" soc flows -q --top 10 --json "$WORK/e.pcap" | jq -r '"\(.dst) \(.flows) \(.packets) \(.bytes)"' >"$WORK/t10"
  check "$combo: --top 10 is the head" cmp -s "$WORK/t10" <(head -10 "$WORK/all")
  "$KENSA" soc flows -q --top 10 "$WORK/e.pcap" | awk 'NR > 1 {print $1, $2, $3, $4}' >"$WORK/tab"
  check "$combo: table has the same rows" cmp -s "$WORK/tab" "$WORK/t10"
done
# fast template plans versus the general loop, every export kind
for kind in nf5 nf9 ipfix sflow; do
  "$GEN" "${MIX[@]}" --export "$kind" --sample 3 "$WORK/e.pcap" 2>/dev/null
  "$KENSA" soc flows -q --json "$WORK/e.pcap" >"$WORK/fast.json"
  KENSA_FLOWEXP=generic "$KENSA" soc flows -q --json "$WORK/e.pcap" >"$WORK/gen.json"
  check "$kind: flows decoded" [ "$(wc -l <"$WORK/fast.json")" -gt 1000 ]
  check "$kind: plan and general loop agree" cmp -s "$WORK/fast.json" "$WORK/gen.json"
done
"$GEN" "${MIX[@]}" --export nf9 --late-template "$WORK/e.pcap" 2>/dev/null
"$KENSA" soc flows -q --json "$WORK/e.pcap" >"$WORK/fast.json"
KENSA_FLOWEXP=generic "$KENSA" soc flows -q --json "$WORK/e.pcap" >"$WORK/gen.json"
check "late template: plan and general loop agree" cmp -s "$WORK/fast.json" "$WORK/gen.json"
finish
