#!/usr/bin/env bash
# Sessions from the real captures: the CVE-2015-1427 attempt is found with
# its Groovy payload and command (tshark shows `exec("whoami")` in the
# POST body); DDoS-only and scanner captures raise no Emotet and no ES
# C2/RCE alerts.
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd jq
S=$SHARED/soc
cd "$WORK"
expect_rc 1 "CVE-2015-1427 pcap" "$KENSA" soc analyze --quiet "$S/spiderlabs-CVE-2015-1427_13June2019.pcap"
check "ES RCE alert from 210.108.70.119 to 172.21.0.2:80" \
  [ "$(jq -r 'select(.rule.id=="kensa.es.rce")|[.source.ip,.destination.ip,.destination.port]|@tsv' "$WORK/out")" = "210.108.70.119	172.21.0.2	80" ]
check "groovy, CVE-2015-1427" [ "$(jq -r 'select(.rule.id=="kensa.es.rce")|.elasticsearch.script|[.lang,.cve]|@tsv' "$WORK/out")" = "groovy	CVE-2015-1427" ]
check "command whoami" [ "$(jq -r 'select(.rule.id=="kensa.es.rce")|.elasticsearch.script.commands[0]' "$WORK/out")" = whoami ]
if command -v tshark >/dev/null; then
  body=$(tshark -r "$S/spiderlabs-CVE-2015-1427_13June2019.pcap" -Y http.request -T fields -e http.file_data 2>/dev/null)
  check "tshark agrees the body carries exec(\"whoami\")" grep -q 'exec(\\"whoami\\")' <<<"$body"
fi
for f in pkt.TCP.synflood.spoofed.pcap amp.TCP.reflection.SYNACK.pcap amp.UDP.isakmp.pcap amp.UDP.snmp.src161.pcapng spiderlabs-Bot_Scanner_12May2019.pcap; do
  "$KENSA" soc analyze --quiet "$S/$f" > out.ndjson 2> err
  check "$f: no emotet alerts" [ "$(jq -r 'select(.rule.category=="emotet")' out.ndjson | wc -c)" = 0 ]
  check "$f: no ES rce" [ "$(jq -r 'select(.rule.id=="kensa.es.rce")' out.ndjson | wc -c)" = 0 ]
  check "$f: no crash" [ -s err -o ! -s err ]
done
finish
