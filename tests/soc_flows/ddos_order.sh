#!/usr/bin/env bash
# Alerts that fall in the same second come out in address order, with
# attack ids in that order, whatever the order of the DDoS tables' slots:
# six victims attacked at once (packets and NetFlow v9), each reported
# once, and the same alerts whether flows are counted through the prefetch
# ring or one by one (a packet between flows empties the ring: the merged
# packet+flow input must give the union of both inputs' alerts). Also an
# attack inside a random-destination flood (eviction moves entries), and
# exact flows/s counts for a few flows.
. "$SRC/tests/lib/sh.sh"
GEN="$BUILD/tests/soc_flows/gen_traffic"
VICTIMS=(10.1.0.200 10.1.0.9 10.1.0.44 10.1.0.3 10.1.0.120 10.1.0.17)
MIX=(--seed 5 --duration 24 --bg-pps 200)
for v in "${VICTIMS[@]}"; do MIX+=(--attack "udp:$v:5:6:3000"); done
T="--ddos-pps 1000 --quiet-time 5 --analyzers ddos"
sorted=$(printf '%s\n' "${VICTIMS[@]}" | sort -t. -k1,1n -k2,2n -k3,3n -k4,4n | tr '\n' ' ')
for kind in pcap nf9; do
  if [ "$kind" = pcap ]; then "$GEN" "${MIX[@]}" "$WORK/$kind.pcap" 2>/dev/null
  else "$GEN" "${MIX[@]}" --export nf9 "$WORK/$kind.pcap" 2>/dev/null; fi
  expect_rc 1 "$kind: alerts" "$KENSA" soc analyze -q $T --alerts "$WORK/$kind.json" "$WORK/$kind.pcap"
  for act in attack_start attack_end; do
    jq -r --arg a "$act" 'select(.event.action == $a) | [."@timestamp", .destination.ip, .ddos.attack_id] | @tsv' \
      "$WORK/$kind.json" >"$WORK/rows"
    check "$kind: six ${act}s" [ "$(wc -l <"$WORK/rows")" = 6 ]
    check "$kind: ${act}s in one second" [ "$(cut -f1 "$WORK/rows" | sort -u | wc -l)" = 1 ]
    got=$(cut -f2 "$WORK/rows" | tr '\n' ' ')
    check "$kind: $act in address order ($got)" [ "$got" = "$sorted" ]
    if [ "$act" = attack_start ]; then
      check "$kind: ids follow that order" [ "$(cut -f3 "$WORK/rows" | tr '\n' ' ')" = "1 2 3 4 5 6 " ]
    fi
  done
done
# both inputs merged by time: packets interleave with flows
expect_rc 1 "merged: alerts" "$KENSA" soc analyze -q $T --alerts "$WORK/both.json" "$WORK/pcap.pcap" "$WORK/nf9.pcap"
n=$(jq -r 'select(.event.action == "attack_start") | .destination.ip' "$WORK/both.json" | sort -u | wc -l)
check "merged: the six victims reported" [ "$n" = 6 ]
# An attack inside a random-destination flood: idle destinations are swept
# and erased around it (entries move), the attack is still reported once,
# with its packets; with a small --max-hosts the overflow is counted in
# the prefixes and said so.
"$GEN" --seed 9 --duration 6 --bg-pps 0 --random-dst-pps 60000 --attack udp:10.1.0.7:1:3:3000 "$WORK/flood.pcap" 2>/dev/null
expect_rc 1 "flood: alerts" "$KENSA" soc analyze -q $T --alerts "$WORK/fl.json" "$WORK/flood.pcap"
check "flood: the attack reported once" \
  [ "$(jq -r 'select(.event.action == "attack_start") | .destination.ip' "$WORK/fl.json" | tr '\n' ' ')" = "10.1.0.7 " ]
pk=$(jq -r 'select(.event.action == "attack_end") | .ddos.packets' "$WORK/fl.json")
check "flood: attack packets about 3 s x 3000 ($pk)" [ "${pk:-0}" -ge 8000 -a "${pk:-0}" -le 9100 ]
expect_rc 1 "flood, --max-hosts 5000: alerts" "$KENSA" soc analyze $T --max-hosts 5000 --alerts "$WORK/fm.json" "$WORK/flood.pcap"
check "flood, --max-hosts 5000: table-full warning" contains "$WORK/err" "DDoS host table full"
lost=$(sed -n 's/.*: \([0-9]*\) packets were not counted per host.*/\1/p' "$WORK/err")
total=$(sed -n 's/^kensa: \([0-9]*\) packets,.*/\1/p' "$WORK/err")
check "flood, --max-hosts 5000: uncounted ($lost) fewer than all packets ($total)" [ "${lost:-0}" -gt 0 -a "${lost:-0}" -lt "${total:-0}" ]
check "flood, --max-hosts 5000: the attack reported" \
  [ "$(jq -r 'select(.event.action == "attack_start") | .destination.ip' "$WORK/fm.json" | sort -u | tr '\n' ' ')" = "10.1.0.7 " ]
# Flows per second from packets: up to 8 distinct flows are counted exactly
# (the sketch was ~25% off at small counts). 3000 packets/s to one host,
# from N (source, source port) pairs in turn.
for nf in 1 5 8; do
  python3 - "$nf" "$WORK/few.pcap" <<'PY'
import struct, sys
nf, path = int(sys.argv[1]), sys.argv[2]
out = bytearray(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
for i in range(6 * 3000):
    t, k = i * 1000000 // 3000, i % nf
    ip = bytearray(28)
    ip[0], ip[3], ip[8], ip[9] = 0x45, 28, 64, 17
    ip[12:16], ip[16:20] = bytes([198, 51, 100, 10 + k]), bytes([10, 0, 0, 1])
    ip[20:22], ip[22:24], ip[24:26] = (40000 + k).to_bytes(2, 'big'), (80).to_bytes(2, 'big'), (8).to_bytes(2, 'big')
    d = b'\0' * 12 + b'\x08\x00' + bytes(ip)
    out += struct.pack('<IIII', 1700000000 + t // 1000000, t % 1000000, len(d), len(d)) + d
open(path, 'wb').write(out)
PY
  "$KENSA" soc analyze -q $T --alerts "$WORK/few.json" "$WORK/few.pcap" >/dev/null 2>&1
  got=$(jq -r 'select(.event.action == "attack_end") | .ddos.peak_flows' "$WORK/few.json")
  check "$nf flows a second: peak_flows $got" [ "$got" = "$nf" ]
done
finish
