#!/usr/bin/env bash
# The conventions every command shares: help, version, usage errors (exit 2),
# unknown names with suggestions, and --help on every command of every group.
. "$SRC/tests/lib/sh.sh"

expect_rc 0 "kensa --help" "$KENSA" --help
for g in soc mem bin; do check "--help lists $g" contains "$WORK/out" "^  $g "; done
expect_rc 0 "kensa --version" "$KENSA" --version
check "version line" grep -qE '^kensa [0-9]+\.[0-9]+\.[0-9]+$' "$WORK/out"
expect_rc 2 "no arguments is a usage error" "$KENSA"
expect_rc 2 "unknown group" "$KENSA" nonsense
check "unknown group names itself" contains "$WORK/err" "'nonsense' is not a kensa group"
expect_rc 2 "typo gets a suggestion" "$KENSA" mme
check "suggestion" contains "$WORK/err" "Did you mean 'mem'"
expect_rc 2 "unknown top option" "$KENSA" --bogus
expect_rc 0 "kensa help" "$KENSA" help
expect_rc 2 "help for unknown group" "$KENSA" help nonsense

for g in soc mem bin; do
  expect_rc 0 "kensa help $g" "$KENSA" help "$g"
  expect_rc 0 "kensa $g --help" "$KENSA" "$g" --help
  expect_rc 2 "kensa $g alone" "$KENSA" "$g"
  expect_rc 2 "kensa $g nonsense" "$KENSA" "$g" nonsense
  cmds=$("$KENSA" help "$g" | awk '/^commands:/{f=1;next} f&&NF{print $1}')
  for c in $cmds; do
    expect_rc 0 "kensa $g $c --help" "$KENSA" "$g" "$c" --help
    check "$g $c help has usage" contains "$WORK/out" "^usage: kensa $g $c"
    check "$g $c help lists --json" contains "$WORK/out" "--json"
    expect_rc 2 "kensa $g $c --no-such-option" "$KENSA" "$g" "$c" --no-such-option
    check "$g $c usage error names the option" contains "$WORK/err" "unknown option '--no-such-option'"
    expect_rc 0 "kensa help $g $c" "$KENSA" help "$g" "$c"
  done
done
finish
