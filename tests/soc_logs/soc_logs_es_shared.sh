#!/usr/bin/env bash
# The elastichoney sample: every event is classified, and the counts per
# kind and the distinct sources equal what an independent python reading of
# the file gives (the classification rule of docs/soc-threats.md).
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd jq
need_cmd python3
F=$SHARED/soc/elastichoney-2015-03-16_04-24.ndjson.gz
cd "$WORK"
expect_rc 1 "honeypot analyze" "$KENSA" soc analyze --quiet "$F"
cp "$WORK/out" alerts.ndjson
got=$(jq -r 'select(.rule.category=="elasticsearch")|[.elasticsearch.kind,.elasticsearch.requests]|@tsv' alerts.ndjson |
      awk '{a[$1]+=$2} END{for(k in a) print k, a[k]}' | sort)
want=$(zcat "$F" | python3 -c '
import sys, json, urllib.parse, collections
c = collections.Counter()
for line in sys.stdin:
    e = json.loads(line)
    u = e["url"]
    if not u.startswith("/"):
        u = u[u.index("/"):] if "/" in u else "/"
    path, _, q = u.partition("?")
    m = e["method"].upper()
    t = (urllib.parse.unquote_plus(q) + " " + (e.get("payload") or "")).lower()
    if "script" in t: k = "rce"
    elif m == "DELETE": k = "destructive"
    elif any(x in path for x in ("/_search", "/_msearch", "/_count", "/_query")): k = "search"
    elif path == "/" or path.startswith("/_"): k = "probe"
    else: k = "other"
    c[k] += 1
for k in sorted(c): print(k, c[k])
')
check "counts per kind: got [$got] want [$want]" [ "$got" = "$want" ]
total=$(zcat "$F" | grep -c .)
check "every event classified" [ "$(echo "$got" | awk '{s+=$2} END{print s}')" = "$total" ]
check "distinct sources" [ "$(jq -r .source.ip alerts.ndjson | sort -u | wc -l)" = "$(zcat "$F" | jq -r .source | sort -u | wc -l)" ]
# commands are extracted: python finds exec("...") arguments in the decoded text
check "a known command extracted" grep -q '"commands":\[[^]]*"curl -o /tmp/xun32"' alerts.ndjson
check "groovy attempts marked CVE-2015-1427" grep -q '"lang":"groovy","cve":"CVE-2015-1427"' alerts.ndjson
check "mvel attempts marked CVE-2014-3120" grep -q '"lang":"mvel","cve":"CVE-2014-3120"' alerts.ndjson
finish
