#!/usr/bin/env bash
# The flows kensa decodes from pmacct's test captures equal pmacct's own
# expected nfacctd output (output-flow-00.json), compared on the primitives
# of each test's aggregate line that kensa decodes (see pmacct_compare.py).
. "$SRC/tests/lib/sh.sh"
need_shared
need_cmd python3
D="$SHARED/soc"
for t in 100 101 104 110 111; do
  conf=$(ls "$D"/pmacct-$t-*-nfacctd-00.conf) || { fail "pmacct $t: conf missing"; continue; }
  want=$(ls "$D"/pmacct-$t-*-output-flow-00.json)
  expect_rc 0 "pmacct $t: kensa soc flows" "$KENSA" soc flows --json "$D"/pmacct-$t-*-traffic-0*.pcap
  cp "$WORK/out" "$WORK/flows.json"
  if python3 "$SRC/tests/soc_flows/pmacct_compare.py" "$conf" "$want" "$WORK/flows.json" >"$WORK/cmp" 2>&1; then pass
  else fail "pmacct $t differs: $(cat "$WORK/cmp")"; fi
done
finish
