#!/usr/bin/env bash
# soc log inputs on the real samples in ../shared/data/soc. Row counts are
# counted here from the files themselves (grep/awk/jq), not taken from kensa.
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd jq
D=${SOC_DUMP:?}
S=$SHARED/soc
cd "$WORK"
for f in zeek-tsv-conn.log zeek-tsv-dns.log.gz zeek-tsv-notice.log.gz zeek-tsv-smtp.log.gz; do
  want=$(zcat -f "$S/$f" | grep -vc '^#')
  path=$(zcat -f "$S/$f" | awk -F'\t' '$1=="#path"{print $2; exit}')
  kind=$path; [ "$path" = notice ] && kind=alert
  "$D" "$S/$f" > out 2> err
  got=$(grep -c "\"kind\":\"$kind\"" out)
  check "$f: $got rows, file has $want data lines" [ "$got" = "$want" ]
  check "$f: no warnings" contains err "warnings: 0"
done
want=$(zcat "$S/zeek-json-dns.json.gz" | grep -c .)
"$D" "$S/zeek-json-dns.json.gz" > out 2> err
check "zeek json dns rows" [ "$(grep -c '"kind":"dns"' out)" = "$want" ]
# answers arrays are joined: compare one line's answers with jq's join
a=$(zcat "$S/zeek-json-dns.json.gz" | head -1 | jq -r '.answers|join(",")')
check "zeek json answers joined" [ "$(head -1 out | jq -r .answers)" = "$a" ]
for f in suricata-honeypot-2018-alerts.json suricata-wrccdc-2018-alerts.json; do
  want=$(jq 'length' "$S/$f")
  "$D" "$S/$f" > out 2> err
  check "$f: all $want alerts read" [ "$(grep -c '"kind":"alert"' out)" = "$want" ]
  check "$f: signature ids match" [ "$(jq -r '.[].alert.signature_id' "$S/$f" | sort | md5sum)" = "$(jq -r .signature_id out | sort | md5sum)" ]
done
want=$(zcat "$S/elastichoney-2015-03-16_04-24.ndjson.gz" | grep -c .)
"$D" "$S/elastichoney-2015-03-16_04-24.ndjson.gz" > out 2> err
check "elastichoney: all $want events" [ "$(grep -c '"kind":"http"' out)" = "$want" ]
check "elastichoney: sources" [ "$(zcat "$S/elastichoney-2015-03-16_04-24.ndjson.gz" | jq -r .source | sort -u | wc -l)" = "$(jq -r .src out | sort -u | wc -l)" ]
finish
