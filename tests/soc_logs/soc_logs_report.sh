#!/usr/bin/env bash
# The observation report from fixture alerts (the Emotet/ES fixtures of the
# other tests, generated here): Markdown/JSON numbers equal jq sums over the
# alerts; `soc report` rebuilds the same report from stored alerts; the HTML
# opens in headless Chromium without console errors, has no script, and a
# screenshot is taken.
. "$SRC/tests/lib/sh.sh"
need_cmd jq
cd "$WORK"
{
  for i in 1 2 3; do
    echo '{"timestamp":"2020-05-0'$i'T10:00:00Z","event_type":"http","src_ip":"198.51.100.5'$i'","src_port":4000,"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","http":{"hostname":"10.1.1.5","url":"/_search?source={\"script_fields\":{\"a\":{\"script\":\"Runtime.getRuntime().exec(\\\"id\\\")\"}}}","http_method":"GET","status":200}}'
    echo '{"timestamp":"2020-05-0'$i'T11:00:00Z","event_type":"http","src_ip":"198.51.100.5'$i'","src_port":4001,"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","http":{"hostname":"10.1.1.5","url":"/_cat/indices","http_method":"GET","status":200}}'
  done
  echo '{"timestamp":"2020-05-02T12:00:00Z","event_type":"flow","src_ip":"198.51.100.60","src_port":40100,"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","flow":{"pkts_toserver":100,"pkts_toclient":9000,"bytes_toserver":5000,"bytes_toclient":20000000,"start":"2020-05-02T12:00:00Z"}}'
  echo '{"timestamp":"2020-05-03T13:50:00Z","event_type":"alert","src_ip":"192.168.12.104","src_port":49200,"dest_ip":"206.212.248.178","dest_port":8080,"proto":"TCP","alert":{"signature":"ET MALWARE W32/Emotet CnC Beacon 3","category":"A Network Trojan was detected","signature_id":2027359,"severity":1}}'
  echo '{"timestamp":"2020-05-03T13:51:00Z","event_type":"alert","src_ip":"192.0.2.1","src_port":49200,"dest_ip":"10.0.0.1","dest_port":22,"proto":"TCP","alert":{"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","signature_id":2001219,"severity":2}}'
  echo '{"timestamp":"2020-05-03T13:52:00Z","event_type":"alert","src_ip":"192.0.2.1","src_port":49201,"dest_ip":"10.0.0.1","dest_port":22,"proto":"TCP","alert":{"signature":"ET SCAN Potential SSH Scan","category":"Attempted Information Leak","signature_id":2001219,"severity":2}}'
} > eve.json
expect_rc 1 "analyze with --report md" "$KENSA" soc analyze eve.json --report r.md --alerts alerts.ndjson
expect_rc 1 "analyze with --report json" "$KENSA" soc analyze eve.json --report r.json --alerts /dev/null
expect_rc 0 "soc report rebuilds json" "$KENSA" soc report alerts.ndjson --report again.json
check "same JSON from stored alerts" cmp -s <(jq 'del(.period_start,.period_end)' r.json) <(jq 'del(.period_start,.period_end)' again.json)
check "ES requests = jq sum over request kinds" [ "$(jq .elasticsearch.requests r.json)" = "$(jq -s 'map(select(.rule.category=="elasticsearch" and (.elasticsearch.kind|test("^(leak|exposure|scan)$")|not)).elasticsearch.requests)|add' alerts.ndjson)" ]
check "exposure listed" [ "$(jq -r '.elasticsearch.exposed[0]|[.key,.requests]|@tsv' r.json)" = "10.1.1.5:9200	6" ]
check "ES rce kind = 3" [ "$(jq -r '.elasticsearch.kinds[]|select(.key=="rce").requests' r.json)" = 3 ]
check "ES 3 distinct sources (the leak client is not an attacker)" [ "$(jq .elasticsearch.distinct_sources r.json)" = 3 ]
check "ES per day" [ "$(jq -c .elasticsearch.per_day r.json)" = '{"2020-05-01":2,"2020-05-02":2,"2020-05-03":2}' ]
check "leak listed with bytes" [ "$(jq -r '.elasticsearch.leaks[0]|[.key,.bytes]|@tsv' r.json)" = "10.1.1.5 -> 198.51.100.60	20000000" ]
check "commands" [ "$(jq -r '.elasticsearch.commands[0].key' r.json)" = id ]
check "emotet detections per day" [ "$(jq -c .emotet.per_day r.json)" = '{"2020-05-03":1}' ]
check "emotet affected host" [ "$(jq -r '.emotet.affected_hosts[0].key' r.json)" = 192.168.12.104 ]
check "emotet C2 endpoint" [ "$(jq -r '.emotet.c2_endpoints[0].key' r.json)" = 206.212.248.178:8080 ]
check "IDS categories" [ "$(jq -c '[.ids.categories[]|[.key,.alerts]]' r.json)" = '[["scan",2],["emotet",1]]' ]
check "markdown has the sections" [ "$(grep -c -E '^## (DDoS attacks|Elasticsearch|Emotet|IDS alerts by category)' r.md)" = 4 ]
check "markdown sources table" grep -q '^| 198.51.100.51 | 2 | 2 |' r.md
# bad alert lines: counted, reported with line, report still written
{ head -2 alerts.ndjson; echo 'not json'; tail -n +3 alerts.ndjson; } > mixed.ndjson
expect_rc 1 "bad line in stored alerts" "$KENSA" soc report mixed.ndjson --report m.json
check "bad line reported" contains "$WORK/err" "mixed.ndjson: offset [0-9]*: line 3: not a JSON alert"
check "report still written" [ "$(jq .bad_lines m.json)" = 1 ]
expect_rc 2 "bad report extension" "$KENSA" soc report alerts.ndjson --report r.txt
expect_rc 0 "--json prints the JSON report" "$KENSA" soc report alerts.ndjson --json
check "--json: every alert counted" [ "$(jq .alerts "$WORK/out")" = "$(grep -c . alerts.ndjson)" ]
expect_rc 2 "report needs --report or --json" "$KENSA" soc report alerts.ndjson
# HTML in headless Chromium
expect_rc 0 "soc report html" "$KENSA" soc report alerts.ndjson --report r.html
check "html has no script" [ "$(grep -ci '<script' r.html)" = 0 ]
check "html has inline svg charts" [ "$(grep -o '<svg' r.html | wc -l)" -ge 3 ]
check "html self-contained (no external refs)" [ "$(grep -cE '(src|href)="(https?:)?//' r.html)" = 0 ]
if [ -x /usr/bin/chromium ]; then
  prof=$(mktemp -d)
  timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$prof" --screenshot="$WORK/shot.png" --window-size=1000,1400 --enable-logging=stderr --v=0 \
    "file://$WORK/r.html" > chrome.log 2>&1
  check "chromium took a screenshot" [ -s shot.png ]
  check "png signature" [ "$(head -c 8 shot.png | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
  check "no console errors" [ "$(grep -ciE 'uncaught|CONSOLE\(|console error' chrome.log)" = 0 ]
  timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-background-networking --no-first-run \
    --user-data-dir="$prof" --dump-dom "file://$WORK/r.html" > dom.html 2> /dev/null
  check "DOM has the four sections" [ "$(grep -oE 'id="(ddos|es|emotet|ids)"' dom.html | sort -u | wc -l)" = 4 ]
  rm -rf "$prof"
else
  echo "note: chromium absent, browser checks skipped"
fi
finish
