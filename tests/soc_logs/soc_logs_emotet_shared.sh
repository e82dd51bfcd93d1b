#!/usr/bin/env bash
# Emotet captures: C2 found with no intel on the endpoints the capture
# descriptions (MANIFEST.md, from the SpiderLabs write-ups) name; tshark
# confirms the requests; intel alerts when a list names the endpoint.
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd jq
S=$SHARED/soc
cd "$WORK"
c2() { jq -r 'select(.rule.id=="kensa.emotet.c2")|"\(.destination.ip):\(.destination.port)"' "$1" | sort -u; }
"$KENSA" soc analyze --quiet "$S/spiderlabs-Emotet_from_JS_Loader_09May2019.pcap" > js.ndjson
check "JS loader: C2 206.212.248.178:8080" [ "$(c2 js.ndjson)" = "206.212.248.178:8080" ]
check "JS loader: victim 192.168.12.104" [ "$(jq -r 'select(.rule.id=="kensa.emotet.c2")|.source.ip' js.ndjson | sort -u)" = 192.168.12.104 ]
"$KENSA" soc analyze --quiet "$S/spiderlabs-Emotet_Banker_DownloadfromDoc.pcap" > doc.ndjson
check "DownloadfromDoc: C2 24.217.117.217:80" [ "$(c2 doc.ndjson)" = "24.217.117.217:80" ]
"$KENSA" soc analyze --quiet "$S/spiderlabs-2019-03-15-1st-run-Emotet-infection-traffic-no-follow-up-malware.pcap" > run.ndjson
check "2019-03-15: 185.94.252.3:443 (cleartext HTTP on 443) among C2" grep -qx "185.94.252.3:443" <(c2 run.ndjson)
for p in 990 995 7080 80; do
  check "2019-03-15: a C2 on port $p" grep -q ":$p\$" <(c2 run.ndjson)
done
check "2019-03-15: delivery from tom11.com doc then executable" \
  [ "$(jq -r 'select(.rule.id=="kensa.emotet.delivery")|.emotet.document_url' run.ndjson)" = "tom11.com/images/djqj-l6h6k-bjej/" ]
if command -v tshark >/dev/null; then
  # every C2 endpoint kensa reports received an HTTP request from the victim per tshark
  # (port 443 is not dissected as HTTP by tshark: check its payload starts with POST)
  want=$(tshark -r "$S/spiderlabs-2019-03-15-1st-run-Emotet-infection-traffic-no-follow-up-malware.pcap" \
         -Y 'tcp.payload and ip.src==10.3.15.101' -T fields -e ip.dst -e tcp.dstport -e tcp.payload 2>/dev/null |
         awk '$3 ~ /^(504f5354|474554)/ {print $1":"$2}' | sort -u)
  for e in $(c2 run.ndjson); do check "tshark sees HTTP to $e" grep -qx "$e" <<<"$want"; done
fi
printf '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2019-05-01 00:00:00","206.212.248.178","8080","offline","2019-05-10","Emotet"\n' > feodo.csv
"$KENSA" soc analyze --quiet --intel feodo.csv "$S/spiderlabs-Emotet_from_JS_Loader_09May2019.pcap" > js2.ndjson
check "intel hit on 206.212.248.178:8080" [ "$(jq -r 'select(.rule.id=="kensa.emotet.intel")|"\(.destination.ip):\(.destination.port)"' js2.ndjson | sort -u)" = "206.212.248.178:8080" ]
# the 2022 TAU list loads cleanly (134 defanged endpoints) and matches none of the 2019 captures
"$KENSA" soc analyze --intel "$S/emotet-c2-tau-2022.csv" "$S/spiderlabs-Emotet_from_JS_Loader_09May2019.pcap" > js3.ndjson 2> err
check "TAU list: no warnings" [ "$(grep -c warning err)" = 0 ]
check "TAU list: no hits on 2019 traffic" [ "$(grep -c kensa.emotet.intel js3.ndjson)" = 0 ]
finish
