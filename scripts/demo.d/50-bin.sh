#!/usr/bin/env bash
# bin demo: builds a small program at demo time, strips it, and lets kensa
# recover its functions, a switch's jump table and non-returning calls from
# the bytes alone (no symbols, no unwind tables, no entry point). The
# unstripped copy is the answer key for the closing count.
set -u
: "${KENSA:?}" "${DEMO:?}"
command -v gcc >/dev/null || { echo "bin demo: gcc missing, skipped"; exit 0; }
d=$DEMO/bin
mkdir -p "$d"
cat >"$d/demo.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
__attribute__((noreturn, noinline)) static void fail(const char *why) { fprintf(stderr, "%s\n", why); exit(2); }
static long acc;
__attribute__((noinline)) static void opcode(int c)
{
    switch (c) {
    case 'a': acc += 10; break;
    case 'b': acc *= 7; break;
    case 'c': acc ^= 0x55; break;
    case 'd': acc -= 2; break;
    case 'e': acc = acc << 3 | 1; break;
    case 'f': acc /= 5; break;
    case 'g': puts("g"); break;
    default: fail("bad opcode");
    }
}
__attribute__((noinline)) static long run(const char *p) { while (*p) opcode(*p++); return acc; }
int main(int argc, char **argv) { printf("%ld\n", run(argc > 1 ? argv[1] : "abcdefg")); return 0; }
C
gcc -O2 -o "$d/demo" "$d/demo.c" && strip -o "$d/demo.stripped" "$d/demo" || { echo "bin demo: build failed"; exit 1; }

echo "--- kensa bin info (stripped ELF)"
"$KENSA" bin info "$d/demo.stripped" | head -6
echo
echo "--- kensa bin funcs: functions from the bytes alone"
"$KENSA" bin funcs "$d/demo.stripped" 2>&1
op=$(nm "$d/demo" | awk '$3 == "opcode" { print "0x" $1 }' | sed 's/0x0*/0x/')
echo
echo "--- kensa bin cfg --func $op: the switch, its jump table resolved by slicing"
"$KENSA" bin cfg "$d/demo.stripped" --func "$op" --json | jq -c '{address, blocks: (.blocks | length), table_edges: ([.edges[] | select(.kind == "table")] | length)}' 2>/dev/null ||
  "$KENSA" bin cfg "$d/demo.stripped" --func "$op" --json
echo
echo "--- kensa bin disasm --func $op (head)"
"$KENSA" bin disasm "$d/demo.stripped" --func "$op" | head -14
echo
truth=$(nm "$d/demo" | awk '$2 ~ /^[tT]$/' | wc -l)
found=$(nm "$d/demo" | awk '$2 ~ /^[tT]$/ { print "0x" $1 }' | sed 's/0x0*/0x/' | sort >"$d/truth"; "$KENSA" bin funcs "$d/demo.stripped" -q | awk '{ print $1 }' | sort | comm -12 - "$d/truth" | wc -l)
echo "answer key (unstripped symbols): $found of $truth code symbols found as functions without hints"
