#!/usr/bin/env bash
# mem image benchmark. Peer: `cat IMAGE > /dev/null` on the same file in the
# same run (the cost of merely reading the image from page cache).
#  - pslist on a 4 GiB raw image (a 1 GiB fixture from mkimage, extended
#    sparsely to 4 GiB), in page cache: target under 0.2 s.
#  - procdump of a process with a 768 MiB private region: target >= 1 GB/s
#    of dumped memory. The dump goes to /dev/shm when it has room, so the
#    figure is kensa's, not the disk's.
#  - peak RSS (ru_maxrss, which counts the touched pages of the mmapped
#    image) and peak anonymous RSS (sampled RssAnon: kensa's own memory).
# BENCH_SCALE multiplies the fixture size (default 1: 1 GiB, 768 MiB dumped).
set -u
: "${KENSA:?}" "${SRC:?}" "${BENCH_DIR:?}"
SCALE=${BENCH_SCALE:-1}
MK=$(dirname "$KENSA")/tests/mem_image/mem_mkimage
[ -x "$MK" ] || { echo "mem_image: $MK not built; skipped"; exit 0; }
D=$BENCH_DIR/mem_image; mkdir -p "$D"
WINE=/usr/lib/x86_64-linux-gnu/wine/x86_64-windows
EXE=$WINE/version.dll
[ -f "$EXE" ] || { echo "mem_image: wine PE DLLs absent; skipped"; exit 0; }
PHYS=$((1024 * SCALE)); BULK=$((768 * SCALE))
if [ ! -f "$D/image.raw" ] || [ "$(stat -c %s "$D/image.raw")" != $((PHYS << 20)) ]; then
  "$MK" --build 19041 --out "$D" --exe64 "$EXE" --dll "$WINE/lz32.dll" --phys-mb "$PHYS" --bulk-mb "$BULK" --raw-only || exit 1
fi
BIG=$D/big4g.raw
if [ ! -f "$BIG" ]; then
  cp --sparse=always "$D/image.raw" "$BIG" && truncate -s $(( (4096 > PHYS ? 4096 : PHYS) << 20 )) "$BIG"
fi
OUT=/dev/shm/kensa-bench-$$.dmp
avail=$(df --output=avail -k /dev/shm 2>/dev/null | tail -1)
[ "${avail:-0}" -gt $(( (BULK + 256) * 1024 )) ] || OUT=$D/dump.dmp
python3 - "$KENSA" "$BIG" "$D/image.raw" "$OUT" <<'PY'
import os, resource, statistics, subprocess, sys, time, json
kensa, big, img, out = sys.argv[1:5]
def run(cmd, stdout=subprocess.DEVNULL):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.DEVNULL)
    anon = 0
    while p.poll() is None:
        try:
            for l in open("/proc/%d/status" % p.pid):
                if l.startswith("RssAnon:"): anon = max(anon, int(l.split()[1]))
        except OSError: pass
        time.sleep(0.002)
    dt = time.perf_counter() - t
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return dt, p.returncode, anon
def median(cmd, n=5):
    ts, anons = [], []
    for _ in range(n):
        dt, rc, anon = run(cmd)
        if rc != 0: print("FAILED:", " ".join(cmd)); sys.exit(1)
        ts.append(dt); anons.append(anon)
    return statistics.median(ts), max(anons)
def cat(path):
    return median(["sh", "-c", "cat '%s' > /dev/null" % path])[0]
size_big = os.path.getsize(big)
cat(big)  # warm the page cache
t_cat, _ = median(["sh", "-c", "cat '%s' > /dev/null" % big])
t_ps, anon_ps = median([kensa, "mem", "pslist", big])
print("pslist   image %.1f GiB: kensa %.3f s (median of 5), cat %.3f s, ratio kensa/cat %.3f, target < 0.2 s: %s; peak anon RSS %d KiB"
      % (size_big / 2**30, t_ps, t_cat, t_ps / t_cat, "met" if t_ps < 0.2 else "NOT met", anon_ps))
t_scan, anon_scan = median([kensa, "mem", "psscan", big], 3)
print("psscan   image %.1f GiB: kensa %.3f s (median of 3), cat %.3f s, ratio kensa/cat %.2f (no target; a full physical scan)"
      % (size_big / 2**30, t_scan, t_cat, t_scan / t_cat))
cat(img)
t_cat2 = cat(img)
ts, cpus, anons, maxrss = [], [], [], 0
dumped = 0
for _ in range(5):
    if os.path.exists(out): os.unlink(out)
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    dt, rc, anon = run([kensa, "mem", "procdump", "--json", "--pid", "1880", "-o", out, img])
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    if rc != 0: print("procdump FAILED"); sys.exit(1)
    ts.append(dt); anons.append(anon)
    cpus.append(r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime)
    dumped = json.load(open(out + ".json"))["bytes_in_dump"]
if os.path.exists(out): os.unlink(out)
# the write ceiling of the output directory: cp of the image there
t_cp = median(["sh", "-c", "cp '%s' '%s.cp' && rm -f '%s.cp'" % (img, out, out)], 3)[0]
maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
t_pd, c_pd = statistics.median(ts), statistics.median(cpus)
rate, cat_rate = dumped / t_pd / 1e9, os.path.getsize(img) / t_cat2 / 1e9
cp_rate = os.path.getsize(img) / t_cp / 1e9
print("procdump %.0f MB dumped: kensa %.3f s wall (median of 5) = %.2f GB/s, %.3f s CPU = %.2f GB/s per CPU-second; "
      "cat of the %.0f MB image %.2f GB/s (ratio %.2f); cp of the image to the dump's directory %.2f GB/s (ratio %.2f); target >= 1 GB/s: %s"
      % (dumped / 1e6, t_pd, rate, c_pd, dumped / c_pd / 1e9, os.path.getsize(img) / 1e6, cat_rate, rate / cat_rate, cp_rate, rate / cp_rate,
         "met" if rate >= 1 else "NOT met (wall)"))
print("memory   peak anon RSS: pslist %d KiB, procdump %d KiB; peak RSS incl. touched image pages (all children) %d KiB"
      % (anon_ps, max(anons), maxrss))
for p in (out, out + ".json"):
    if os.path.exists(p): os.unlink(p)
PY
