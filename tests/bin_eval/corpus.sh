#!/usr/bin/env bash
# corpus.sh: builds the bin evaluation corpus: the test programs under
# programs/ compiled for each configuration, a stripped copy of each, and
# the ground truth (truth.py) from the unstripped one. Builds are cached: a
# binary is rebuilt only when its key (compiler version, flags, sources)
# changes and its truth re-extracted when truth.py changes, so repeated runs
# cost nothing.
#
# usage: corpus.sh OUTDIR SET|CONFIG...
#   SET is "ci" (the make-check subset) or "full" (the whole matrix).
#   CONFIG is TOOLCHAIN-ARCH-OPT[-VARIANT]:
#     TOOLCHAIN gcc | clang | mingw;  ARCH x64 | x86;  OPT O0 O1 O2 O3 Os;
#     VARIANT (gcc, clang) pie | nopie | cf (PIE plus -fcf-protection=full)
#     | static (-static: all of libc's code linked in, most of it reached
#     only through pointers or not at all; the full set has it at O2, Os).
# Prints one line per binary: CONFIG PROG DIR. Environment: SRC (source tree,
# default: two levels up), JOBS (parallel compiles, default 2),
# BIN_EVAL_PROGS (programs to build, default "progs core large").
set -u
here=$(cd "$(dirname "$0")" && pwd)
SRC=${SRC:-$(cd "$here/../.." && pwd)}
JOBS=${JOBS:-2}
PROGS=${BIN_EVAL_PROGS:-progs core large}

configs_for() {
  case "$1" in
    ci) echo "gcc-x64-O0-pie gcc-x64-O2-pie clang-x64-O0-pie clang-x64-O2-pie gcc-x86-O2-pie mingw-x64-O2" ;;
    full)
      local cc arch opt v
      for cc in gcc clang; do for arch in x64 x86; do for opt in O0 O1 O2 O3 Os; do
        for v in pie nopie cf; do echo "$cc-$arch-$opt-$v"; done
      done; echo "$cc-$arch-O2-static $cc-$arch-Os-static"; done; done
      for arch in x64 x86; do for opt in O0 O1 O2 O3 Os; do echo "mingw-$arch-$opt"; done; done ;;
    *) echo "$1" ;;
  esac
}

# build_one OUT CONFIG PROG: compile, strip, extract truth (if the key changed).
build_one() {
  local out=$1 cfg=$2 prog=$3
  local tc arch opt variant
  IFS=- read -r tc arch opt variant <<<"$cfg"
  local cc flags=(-std=gnu11 -w "-$opt") libs=(-lm) strip=strip
  case "$tc" in
    gcc|clang)
      cc=$tc
      [ "$arch" = x86 ] && flags+=(-m32)
      case "$variant" in
        pie) flags+=(-fPIE -pie -fcf-protection=none) ;;
        nopie) flags+=(-fno-PIE -no-pie -fcf-protection=none) ;;
        cf) flags+=(-fPIE -pie -fcf-protection=full) ;;
        static) flags+=(-fno-PIE -no-pie -static -fcf-protection=none) ;;
        *) echo "corpus.sh: bad variant in $cfg" >&2; return 2 ;;
      esac ;;
    mingw)
      local triple=x86_64-w64-mingw32
      [ "$arch" = x86 ] && triple=i686-w64-mingw32
      cc=$triple-gcc; strip=$triple-strip
      # core's time.c needs clock_gettime, which mingw has in winpthreads.
      libs=(-static -lpthread) ;;
    *) echo "corpus.sh: bad toolchain in $cfg" >&2; return 2 ;;
  esac
  local srcs=()
  case "$prog" in
    progs) srcs=("$here"/programs/{switches,fptrs,recursion,noreturn,tailcalls,varargs,longfn,leaves,main}.c) ;;
    core) srcs=("$here/programs/core_driver.c" "$SRC"/src/core/{arena,buf,err,hash,json,jsonp,table,time}.c) ;;
    large) srcs=("$out/src/large.c") ;;
    *) echo "corpus.sh: unknown program $prog" >&2; return 2 ;;
  esac
  local dir=$out/$cfg
  mkdir -p "$dir"
  # Two keys: the build's (compiler, flags, sources) and the truth's
  # (truth.py), so a change to the truth rules re-extracts without recompiling.
  local key tkey
  key=$( { "$cc" --version | head -1; echo "${flags[*]} ${libs[*]}"; cat "${srcs[@]}" "$here/programs/progs.h"; } | sha256sum | cut -c1-16)
  tkey=$(sha256sum <"$here/truth.py" | cut -c1-16)
  if [ -f "$dir/$prog.key" ] && [ "$(cat "$dir/$prog.key")" = "$key" ]; then
    if [ ! -f "$dir/$prog.tkey" ] || [ "$(cat "$dir/$prog.tkey")" != "$tkey" ]; then
      python3 "$here/truth.py" "$dir/$prog" "$dir/$prog.truth" || { echo "corpus.sh: truth failed for $dir/$prog" >&2; return 1; }
      echo "$tkey" >"$dir/$prog.tkey"
    fi
    echo "$cfg $prog $dir"; return 0
  fi
  rm -f "$dir/$prog.key" "$dir/$prog.tkey"
  local tmp=$dir/$prog.tmp
  if ! "$cc" "${flags[@]}" -I"$SRC/src" -I"$here/programs" "${srcs[@]}" -o "$tmp" "${libs[@]}" 2>"$dir/$prog.log"; then
    echo "corpus.sh: $cfg $prog: compile failed, see $dir/$prog.log" >&2; return 1
  fi
  [ -f "$tmp.exe" ] && mv "$tmp.exe" "$tmp"
  mv "$tmp" "$dir/$prog"
  "$strip" -o "$dir/$prog.stripped" "$dir/$prog" || return 1
  python3 "$here/truth.py" "$dir/$prog" "$dir/$prog.truth" || { echo "corpus.sh: truth failed for $dir/$prog" >&2; return 1; }
  echo "$cc ${flags[*]} ${libs[*]}" >"$dir/$prog.cmd"
  echo "$key" >"$dir/$prog.key"
  echo "$tkey" >"$dir/$prog.tkey"
  echo "$cfg $prog $dir"
}

if [ "${1:-}" = --one ]; then
  build_one "$2" "$3" "$4"; exit $?
fi
[ $# -ge 2 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
out=$1; shift
mkdir -p "$out/src"
# One builder at a time per corpus directory (ctest may start two tests).
exec 9>"$out/.lock"
flock 9
python3 "$here/programs/gen_large.py" 400 >"$out/src/large.c.new"
if cmp -s "$out/src/large.c.new" "$out/src/large.c"; then rm -f "$out/src/large.c.new"
else mv "$out/src/large.c.new" "$out/src/large.c"; fi
for set in "$@"; do
  for cfg in $(configs_for "$set"); do
    for prog in $PROGS; do echo "$cfg $prog"; done
  done
done | xargs -P "$JOBS" -L 1 bash "$0" --one "$out"
