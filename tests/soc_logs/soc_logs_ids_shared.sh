#!/usr/bin/env bash
# Every Suricata sample alert is mapped: the per-signature counts add up to
# the number of alerts in the file (jq), each category is one of the five,
# and the scan/ddos counts equal a jq reading of the documented rules.
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd jq
S=$SHARED/soc
cd "$WORK"
for f in suricata-honeypot-2018-alerts.json suricata-wrccdc-2018-alerts.json; do
  "$KENSA" soc analyze --quiet "$S/$f" > a.ndjson
  total=$(jq length "$S/$f")
  check "$f: all $total mapped" [ "$(jq -s 'map(select(.rule.id=="kensa.ids.triage").ids.count)|add' a.ndjson)" = "$total" ]
  check "$f: categories valid" [ "$(jq -r 'select(.rule.id=="kensa.ids.triage").ids.category' a.ndjson | grep -cvE '^(ddos|elasticsearch|emotet|scan|other)$')" = 0 ]
  want_scan=$(jq '[.[]|.alert|select((.signature|test("emotet|heodo|geodo|feodo|elasticsearch|CVE-2015-1427|CVE-2014-3120|(^| )DOS |DDoS|flood|amplification|reflect";"i")|not) and (.category!="Attempted Denial of Service" and .category!="Denial of Service") and ((.signature|test("SCAN|sweep|Scan::";"i")) or .category=="Detection of a Network Scan"))]|length' "$S/$f")
  check "$f: scan count $want_scan" [ "$(jq -s 'map(select(.ids.category=="scan").ids.count)|add // 0' a.ndjson)" = "$want_scan" ]
  check "$f: one triage alert per signature" [ "$(jq -r 'select(.rule.id=="kensa.ids.triage").ids.signature_id' a.ndjson | sort -u | wc -l)" = "$(jq -r '.[].alert.signature_id' "$S/$f" | sort -u | wc -l)" ]
done
finish
