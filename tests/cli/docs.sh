#!/usr/bin/env bash
# docs/CLI.md is generated from --help (scripts/gen-cli-doc); this test fails
# when a command's help changed and the document was not regenerated.
. "$SRC/tests/lib/sh.sh"
bash "$SRC/scripts/gen-cli-doc" "$KENSA" > "$WORK/CLI.md"
if diff -u "$SRC/docs/CLI.md" "$WORK/CLI.md" > "$WORK/diff"; then pass; else
  fail "docs/CLI.md is stale; run: scripts/gen-cli-doc build/kensa > docs/CLI.md"; head -40 "$WORK/diff" >&2; fi
finish
