#!/usr/bin/env bash
# Emotet detections and the intel loaders on fixtures written here.
# Internal = RFC 1918 (no --home-net). Expected values by hand.
. "$SRC/tests/lib/sh.sh"
need_cmd jq
cd "$WORK"
http() {  # ts src sport dst dport host url method ua ctype clen status resp_ctype
  printf '{"timestamp":"%s","event_type":"http","src_ip":"%s","src_port":%s,"dest_ip":"%s","dest_port":%s,"proto":"TCP","http":{"hostname":"%s","url":"%s","http_method":"%s","http_user_agent":"%s","status":%s,"http_content_type":"%s","request_headers":[{"name":"Content-Type","value":"%s"},{"name":"Content-Length","value":"%s"}]}}\n' \
    "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" "$9" "${12}" "${13}" "${10}" "${11}"
}
UA='Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Trident/4.0)'
{
  # C2: 5 POSTs to a bare IP on 8080, every 60 s (+-1 s): beacon
  for i in 0 1 2 3 4; do
    s=$((i * 60 + (i % 2))); printf -v t '2019-05-09T13:%02d:%02dZ' $((s / 60)) $((s % 60))
    http "$t" 192.168.12.104 4916$i 206.212.248.178 8080 206.212.248.178:8080 /site/tlb/results/ POST "$UA" \
         application/x-www-form-urlencoded 801 200 text/html
  done
  # not C2: a normal browser GET to a named host
  http 2019-05-09T13:10:00Z 192.168.12.104 50000 93.184.216.34 80 www.example.com /index.html GET \
       'Mozilla/5.0 (X11; Linux x86_64) Firefox/115.0' "" 0 200 text/html
  # not C2: a Chrome-on-Windows-7 form POST to a bare-IP intranet-style server outside
  http 2019-05-09T13:11:00Z 192.168.12.110 50003 198.51.100.80 80 198.51.100.80 /api/v1/ POST \
       'Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/74.0 Safari/537.36' \
       application/x-www-form-urlencoded 800 200 text/html
  # delivery: a Word document, then an executable, same client
  http 2019-05-09T13:20:00Z 192.168.12.105 50001 69.160.38.3 80 tom11.com /images/djqj-l6h6k-bjej/ GET \
       'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko' "" 0 200 application/msword
  http 2019-05-09T13:21:00Z 192.168.12.105 50002 192.115.76.18 80 lesserassociates.com /wp-content/E8h/ GET \
       'Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko' "" 0 200 application/x-msdownload
  # malspam
  echo '{"timestamp":"2019-05-09T13:30:00Z","event_type":"smtp","src_ip":"203.0.113.5","src_port":1025,"dest_ip":"192.168.12.25","dest_port":25,"proto":"TCP","smtp":{"helo":"x","mail_from":"<a@x.example>","rcpt_to":["<b@corp.example>"]},"email":{"subject":"Invoice","attachment":["Invoice_42.doc"]}}'
  # spam bot: 192.168.12.77 opens SMTP to 12 outside servers
  for i in $(seq 1 12); do
    printf '{"timestamp":"2019-05-09T13:40:%02dZ","event_type":"flow","src_ip":"192.168.12.77","src_port":%d,"dest_ip":"198.51.100.%d","dest_port":25,"proto":"TCP","flow":{"pkts_toserver":9,"pkts_toclient":8,"bytes_toserver":2000,"bytes_toclient":900,"start":"2019-05-09T13:40:%02dZ"}}\n' $i $((40000 + i)) $i $i
  done
  # IDS alert naming Emotet
  echo '{"timestamp":"2019-05-09T13:50:00Z","event_type":"alert","src_ip":"192.168.12.104","src_port":49200,"dest_ip":"206.212.248.178","dest_port":8080,"proto":"TCP","alert":{"signature":"ET MALWARE W32/Emotet CnC Beacon 3","category":"A Network Trojan was detected","signature_id":2027359,"severity":1}}'
} > eve.json
expect_rc 1 "analyze emotet fixture" "$KENSA" soc analyze eve.json
cp "$WORK/out" a.ndjson
check "c2 on 206.212.248.178:8080 from 192.168.12.104" \
  [ "$(jq -r 'select(.rule.id=="kensa.emotet.c2")|[.source.ip,.destination.ip,.destination.port,.emotet.count]|@tsv' a.ndjson)" = "192.168.12.104	206.212.248.178	8080	5" ]
check "c2 beacon measured: 4 intervals of 60 s" [ "$(jq -r 'select(.rule.id=="kensa.emotet.c2")|[.emotet.beacon.intervals, (.emotet.beacon.interval_s|floor)]|@tsv' a.ndjson)" = "4	60" ]
check "c2 reasons include beacon" grep -q '"reasons":\[[^]]*"beacon"' a.ndjson
check "normal browsing is not C2" [ "$(jq -r 'select(.destination.ip=="93.184.216.34")' a.ndjson | wc -c)" = 0 ]
check "a browser's form POST to a bare IP is not C2" [ "$(jq -r 'select(.destination.ip=="198.51.100.80")' a.ndjson | wc -c)" = 0 ]
check "delivery doc then exe" [ "$(jq -r 'select(.rule.id=="kensa.emotet.delivery")|[.source.ip,.emotet.document_url,.emotet.executable_url]|@tsv' a.ndjson)" = "192.168.12.105	tom11.com/images/djqj-l6h6k-bjej/	lesserassociates.com/wp-content/E8h/" ]
check "malspam with macro doc" [ "$(jq -r 'select(.rule.id=="kensa.emotet.malspam")|.emotet.attachments[0]' a.ndjson)" = "Invoice_42.doc (macro document)" ]
check "malspam names the receiving server" [ "$(jq -r 'select(.rule.id=="kensa.emotet.malspam")|"\(.source.ip) \(.destination.ip):\(.destination.port)"' a.ndjson)" = "203.0.113.5 192.168.12.25:25" ]
"$KENSA" soc report a.ndjson --json > rep.json
check "report: malspam victim is the receiver" [ "$(jq -r '.emotet.affected_hosts|map(.key)|sort|join(",")' rep.json)" = "192.168.12.104,192.168.12.105,192.168.12.25,192.168.12.77" ]
check "spam bot with 12 servers" [ "$(jq -r 'select(.rule.id=="kensa.emotet.spambot")|[.source.ip,.emotet.smtp_servers]|@tsv' a.ndjson)" = "192.168.12.77	12" ]
check "IDS Emotet alert" [ "$(jq -r 'select(.rule.id=="kensa.emotet.ids")|.emotet.signature_id' a.ndjson)" = 2027359 ]
check "IDS triage maps it to emotet" [ "$(jq -r 'select(.rule.id=="kensa.ids.triage")|.ids.category' a.ndjson)" = emotet ]
check "no intel alerts without --intel" [ "$(grep -c kensa.emotet.intel a.ndjson)" = 0 ]
# spam bot exemption: the same host also receives SMTP, so it is a mail server
{ cat eve.json; echo '{"timestamp":"2019-05-09T13:39:00Z","event_type":"flow","src_ip":"203.0.113.9","src_port":1234,"dest_ip":"192.168.12.77","dest_port":25,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":1,"bytes_toserver":60,"bytes_toclient":60,"start":"2019-05-09T13:39:00Z"}}'; } > eve2.json
expect_rc 1 "mail server variant" "$KENSA" soc analyze eve2.json
check "a mail server is not a spam bot" [ "$(grep -c kensa.emotet.spambot "$WORK/out")" = 0 ]

# ---- intel lists in every supported shape; each lists one indicator the fixture hits
cat > feodo.csv <<'J'
################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
################################################################
"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2019-05-01 10:00:00","206.212.248.178","8080","online","2019-05-09","Emotet"
"2019-05-01 10:00:00","198.51.100.99","443","online","2019-05-09","Dridex"
J
cat > feodo.json <<'J'
[{"ip_address":"192.115.76.18","port":80,"status":"online","hostname":null,"malware":"Emotet"}]
J
printf '# plain\n69.160.38.3\n' > plain.txt
printf 'create c2 hash:net family inet\nadd c2 198.51.100.0/28\n' > ipset.save
cat > urlhaus.csv <<'J'
################################################################
# abuse.ch URLhaus Database Dump (CSV)                         #
# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter
################################################################
"1","2019-05-09 13:00:00","http://tom11.com/images/djqj-l6h6k-bjej/","offline","2019-05-10","malware_download","doc,emotet,heodo","https://urlhaus.abuse.ch/url/1/","x"
J
cat > urlhaus8.csv <<'J'
# id,dateadded,url,url_status,threat,tags,urlhaus_link,reporter
"2","2019-05-09 13:00:00","http://www.example.com/index.html","offline","malware_download","exe","https://urlhaus.abuse.ch/url/2/","x"
J
cat > tau.csv <<'J'
IP address,Port,Epoch,JARM fingerprint,AS number,First seen
198.51.100[.]12,25,4,,12824,2022-02-23 07:56:28 UTC
J
expect_rc 1 "analyze with 7 intel lists" "$KENSA" soc analyze eve.json --intel feodo.csv --intel feodo.json \
  --intel plain.txt --intel ipset.save --intel urlhaus.csv --intel urlhaus8.csv --intel tau.csv
cp "$WORK/out" b.ndjson
check "no intel loader warnings" [ "$(grep -c 'warning' "$WORK/err")" = 0 ]
ind() { jq -r "select(.rule.id==\"kensa.emotet.intel\" and .threat.indicator.name==\"$1\")|[.rule.category,.threat.indicator.type,(.threat.software.name // \"\")]|@tsv" b.ndjson | sort -u; }
check "feodo csv ip:port" [ "$(ind 206.212.248.178:8080)" = "emotet	ip:port	Emotet" ]
check "feodo json" [ "$(ind 192.115.76.18:80)" = "emotet	ip:port	Emotet" ]
check "plain ip list (family unknown)" [ "$(ind 69.160.38.3 | cut -f1,2)" = "emotet	ip" ]
check "urlhaus 9-column url, family from tags" [ "$(ind tom11.com/images/djqj-l6h6k-bjej/)" = "emotet	url	Emotet" ]
check "urlhaus 8-column url" [ "$(ind www.example.com/index.html | cut -f2)" = "url" ]
check "ipset cidr" [ "$(ind 198.51.100.0/28 | cut -f2)" = "cidr" ]
check "defanged csv ip:port" [ "$(ind 198.51.100.12:25 | cut -f2)" = "ip:port" ]
# a Word document known only by its upper-case name (served as text/plain), then an executable
{
  http 2019-05-09T14:00:00Z 192.168.12.120 50010 69.160.38.9 80 files.example /docs/INVOICE.DOC GET "$UA" "" 0 200 text/plain
  http 2019-05-09T14:01:00Z 192.168.12.120 50011 192.115.76.19 80 cdn.example /x/ GET "$UA" "" 0 200 application/x-msdownload
} > eve3.json
expect_rc 1 "upper-case document name" "$KENSA" soc analyze eve3.json
check "delivery: .DOC matches in any case" [ "$(jq -r 'select(.rule.id=="kensa.emotet.delivery")|.emotet.document_url' "$WORK/out")" = "files.example/docs/INVOICE.DOC" ]
# broken list lines are counted and reported with file and line
printf '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"x","not-an-ip","y","z","w","v"\n' > bad.csv
expect_rc 1 "bad intel lines" "$KENSA" soc analyze eve.json --intel bad.csv
check "bad intel line reported" contains "$WORK/err" "bad.csv: offset [0-9]*: line 2: no indicator recognised"
finish
