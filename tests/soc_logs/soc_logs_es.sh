#!/usr/bin/env bash
# Elasticsearch detections on fixtures written here; expectations by hand.
. "$SRC/tests/lib/sh.sh"
need_cmd jq
cd "$WORK"
# access log in front of an ES: probes, a search, a wipe and a ransom note,
# from 203.0.113.9 (external); a logged-in user from 198.51.100.1
cat > access.log <<'J'
203.0.113.9 - - [13/Jun/2019:12:14:00 +0000] "GET /_cat/indices?v HTTP/1.1" 200 512 "-" "curl/7.58.0"
203.0.113.9 - - [13/Jun/2019:12:14:01 +0000] "GET /_nodes HTTP/1.1" 200 512 "-" "curl/7.58.0"
203.0.113.9 - - [13/Jun/2019:12:14:02 +0000] "GET /customers/_search?size=1000 HTTP/1.1" 200 99999 "-" "curl/7.58.0"
203.0.113.9 - - [13/Jun/2019:12:14:03 +0000] "DELETE /customers HTTP/1.1" 200 21 "-" "curl/7.58.0"
203.0.113.9 - - [13/Jun/2019:12:14:04 +0000] "DELETE /orders HTTP/1.1" 200 21 "-" "curl/7.58.0"
203.0.113.9 - - [13/Jun/2019:12:14:05 +0000] "PUT /read_me HTTP/1.1" 201 21 "-" "curl/7.58.0"
203.0.113.9 - - [13/Jun/2019:12:14:06 +0000] "GET /index.html HTTP/1.1" 200 21 "-" "curl/7.58.0"
J
expect_rc 1 "access log alerts" "$KENSA" soc analyze access.log
check "probe: 2 requests" [ "$(jq -r 'select(.rule.id=="kensa.es.probe")|.elasticsearch.requests' "$WORK/out")" = 2 ]
check "search: 1" [ "$(jq -r 'select(.rule.id=="kensa.es.search")|.elasticsearch.requests' "$WORK/out")" = 1 ]
check "destructive: 2, paths listed" [ "$(jq -r 'select(.rule.id=="kensa.es.destructive")|[.elasticsearch.requests, (.elasticsearch.paths|map(.path)|join(","))]|@tsv' "$WORK/out")" = "2	/customers,/orders" ]
check "ransom index" [ "$(jq -r 'select(.rule.id=="kensa.es.ransom")|.url.path' "$WORK/out")" = /read_me ]
check "other page on the same ES front is 'other'" [ "$(jq -r 'select(.rule.id=="kensa.es.other")|.url.path' "$WORK/out")" = /index.html ]
check "category" [ "$(jq -r .rule.category "$WORK/out" | sort -u)" = elasticsearch ]
check "source ip" [ "$(jq -r .source.ip "$WORK/out" | sort -u)" = 203.0.113.9 ]
printf '203.0.113.9 - - [13/Jun/2019:12:14:06 +0000] "DELETE /index.html HTTP/1.1" 200 21\n' > web.log
expect_rc 0 "a plain web server's log gives nothing" "$KENSA" soc analyze web.log

# EVE: exposure (internal 10.1.1.5:9200 answers an outsider 200 without
# Authorization), a leak (conn bytes), and a scan of 12 hosts on 9200
{
for i in 1 2 3; do
  echo '{"timestamp":"2020-05-01T10:00:0'$i'Z","event_type":"http","src_ip":"198.51.100.50","src_port":4000'$i',"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","http":{"hostname":"10.1.1.5","url":"/_cat/indices","http_method":"GET","status":200,"length":300}}'
done
echo '{"timestamp":"2020-05-01T10:00:05Z","event_type":"http","src_ip":"198.51.100.51","src_port":40009,"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","http":{"hostname":"10.1.1.5","url":"/_cat/indices","http_method":"GET","status":200,"request_headers":[{"name":"Authorization","value":"Basic eDp5"}]}}'
echo '{"timestamp":"2020-05-01T10:01:00Z","event_type":"flow","src_ip":"198.51.100.50","src_port":40100,"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","flow":{"pkts_toserver":100,"pkts_toclient":9000,"bytes_toserver":5000,"bytes_toclient":8000000,"start":"2020-05-01T10:01:00Z","end":"2020-05-01T10:02:00Z"}}'
echo '{"timestamp":"2020-05-01T10:03:00Z","event_type":"flow","src_ip":"198.51.100.50","src_port":40101,"dest_ip":"10.1.1.5","dest_port":9200,"proto":"TCP","flow":{"pkts_toserver":100,"pkts_toclient":9000,"bytes_toserver":5000,"bytes_toclient":4000000,"start":"2020-05-01T10:03:00Z","end":"2020-05-01T10:04:00Z"}}'
for i in $(seq 1 12); do
  echo '{"timestamp":"2020-05-01T10:05:'$((10+i))'Z","event_type":"flow","src_ip":"192.0.2.66","src_port":5'$i',"dest_ip":"10.2.0.'$i'","dest_port":9200,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":60,"bytes_toclient":0,"start":"2020-05-01T10:05:'$((10+i))'Z"}}'
done
} > eve.json
expect_rc 1 "eve alerts" "$KENSA" soc analyze eve.json
check "exposure: 3 unauthenticated requests from 1 client" [ "$(jq -r 'select(.rule.id=="kensa.es.exposure")|[.destination.ip,.elasticsearch.requests,.elasticsearch.clients]|@tsv' "$WORK/out")" = "10.1.1.5	3	1" ]
check "leak: 12 MB from 10.1.1.5 to 198.51.100.50" [ "$(jq -r 'select(.rule.id=="kensa.es.leak")|[.destination.ip,.source.ip,.elasticsearch.bytes]|@tsv' "$WORK/out")" = "10.1.1.5	198.51.100.50	12000000" ]
check "scan: 12 hosts" [ "$(jq -r 'select(.rule.id=="kensa.es.scan")|[.source.ip,.elasticsearch.hosts]|@tsv' "$WORK/out")" = "192.0.2.66	12" ]
# below the thresholds nothing fires: 9 hosts, 8 MB
{ head -5 eve.json; tail -9 eve.json; } > small.json
expect_rc 1 "small eve" "$KENSA" soc analyze small.json
check "no leak below 10 MiB" [ "$(grep -c kensa.es.leak "$WORK/out")" = 0 ]
check "no scan below 10 hosts" [ "$(grep -c kensa.es.scan "$WORK/out")" = 0 ]
# the same 12 hosts reached twice, a minute apart: still 12 hosts and 12
# requests, and the span ends at the first reach of the 12th (repeats,
# of the first hosts and of later ones, count nothing)
for pass in 0 1; do for i in $(seq 1 12); do
  echo '{"timestamp":"2020-05-01T10:0'$((5+pass))':'$((10+i))'Z","event_type":"flow","src_ip":"192.0.2.66","src_port":5'$i',"dest_ip":"10.2.0.'$i'","dest_port":9200,"proto":"TCP","flow":{"pkts_toserver":1,"pkts_toclient":0,"bytes_toserver":60,"bytes_toclient":0,"start":"2020-05-01T10:0'$((5+pass))':'$((10+i))'Z"}}'
done; done > twice.json
expect_rc 1 "scan reached twice" "$KENSA" soc analyze twice.json
check "scan reached twice: 12 hosts, 12 requests, 10:05:11-10:05:22" [ "$(jq -r 'select(.rule.id=="kensa.es.scan")|[.elasticsearch.hosts,.elasticsearch.requests,.event.start,.event.end]|@tsv' "$WORK/out")" = "12	12	2020-05-01T10:05:11.000000Z	2020-05-01T10:05:22.000000Z" ]
finish
