#!/usr/bin/env bash
# An input cut short by another process while `kensa soc analyze` reads it
# (logrotate's copytruncate on a live log; a capture tool rewriting its
# file). kensa maps plain files, so without its SIGBUS guard (core/
# mapguard.h) it would die; it must instead end that input where the file's
# data ended, say "FILE: offset N: file shrank while being read" with N the
# file's new size, count the input as failed (exit 1) and return no record
# from past the cut.
#
# No hook in the product: gdb stops kensa at a fixed point of its reading
# (the Nth time a parser tells the reader how far it got, or the Nth packet
# decoded), truncates the file there and lets kensa go on, so the cut lands
# at the same place on every run. Expected counts come from the file's own
# bytes: the records wholly before the cut.
. "$SRC/tests/lib/sh.sh"
need_cmd gdb
need_cmd python3
cd "$WORK"

# run_cut FILE CUT FUNCTION SKIP ARGS...: runs kensa ARGS under gdb and
# truncates FILE to CUT bytes when FUNCTION is called the SKIP+1th time;
# gdb's and kensa's output in $WORK/run.out
run_cut() {
  local file=$1 cut=$2 fn=$3 skip=$4; shift 4
  # LeakSanitizer cannot run under ptrace: in the sanitizer build (make
  # check sets detect_leaks=1 and abort_on_error=1) it would abort kensa at
  # exit and hide the exit status checked here; the later option wins
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
  gdb -batch -nx -q \
    -ex 'set pagination off' -ex 'set confirm off' \
    -ex 'handle SIGBUS nostop noprint pass' \
    -ex "break $fn" -ex "ignore 1 $skip" -ex run \
    -ex "shell truncate -s $cut $file" \
    -ex 'delete' -ex 'continue' \
    -ex 'printf "EXIT=%d\n", $_exitcode' \
    --args "$KENSA" "$@" >"$WORK/run.out" 2>&1
}

# the common checks: the stop happened, no SIGBUS, the error, exit 1
expect_cut() {
  local what=$1 file=$2 cut=$3
  check "$what: gdb stopped kensa mid-read" contains "$WORK/run.out" "^Breakpoint 1, "
  check "$what: no death by SIGBUS" eval '! grep -q "terminated with signal" "$WORK/run.out"'
  check "$what: the cut is reported with file and offset" \
    contains "$WORK/run.out" "^kensa: $file: offset $cut: file shrank while being read (truncated by another process?); the rest was not read"
  check "$what: exit 1 (an input could not be read)" contains "$WORK/run.out" "^EXIT=1$"
}

# ---- Zeek conn.log (rows read in place; the reader is told every 64 KiB)
python3 - <<'P'
hdr = "\n".join([
    "#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-", "#path\tconn",
    "#open\t2023-11-14-22-13-20",
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents",
    "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]"]) + "\n"
rows = []
for i in range(30000):
    rows.append("1700000000.%06d\tC%016x\t10.%d.%d.%d\t%d\t198.51.%d.%d\t443\ttcp\tssl\t%d.%06d\t%d\t%d\tSF\tT\tF\t0\tShADadFf\t%d\t%d\t%d\t%d\t-\n"
                % (i * 50, i * 7919, i % 200, i * 7 % 256, i * 13 % 256, 1024 + i % 60000, i % 256, i * 3 % 256,
                   i % 100, i * 37 % 1000000, 100 + i % 5000, 2000 + i % 70000, 3 + i % 40, 300 + i % 9000, 2 + i % 50, 2200 + i % 80000))
open("conn.log", "w").write(hdr + "".join(rows))
P
cp conn.log conn.orig
# a cut in the middle of a page and of a row, 2 MiB in (gdb stops kensa at about 700 KiB)
cut=$(python3 -c '
d = open("conn.orig", "rb").read()
c = 2 * 1024 * 1024 + 1000
while c % 4096 == 0 or d[c - 1] == 10 or d[c] == 10: c += 1
print(c)')
rows=$(( $(head -c "$cut" conn.orig | tr -cd '\n' | wc -c) - 8 ))
run_cut conn.log "$cut" kn_reader_skip_lines 10 soc analyze -a /dev/null conn.log
expect_cut zeek conn.log "$cut"
check "zeek: the $rows rows before the cut, none after" contains "$WORK/run.out" "^kensa: 0 packets, $rows flows, $rows events"
# (the row the file was cut in, run into zeros, is a counted bad line)

# ---- cut inside the last page: no SIGBUS at all there (the page the file
# was cut in stays mapped, zeros past the cut); the reader asks the size at
# the end
cp conn.orig conn.log
cut=$(python3 -c '
d = open("conn.orig", "rb").read()
c = len(d) - 1000
while c % 4096 == 0 or d[c - 1] == 10 or d[c] == 10: c += 1
assert c // 4096 == (len(d) - 1) // 4096
print(c)')
rows=$(( $(head -c "$cut" conn.orig | tr -cd '\n' | wc -c) - 8 ))
run_cut conn.log "$cut" kn_reader_skip_lines 10 soc analyze -a /dev/null conn.log
expect_cut "zeek, cut in the last page" conn.log "$cut"
check "zeek, cut in the last page: the $rows rows before the cut" contains "$WORK/run.out" "^kensa: 0 packets, $rows flows, $rows events"

# ---- the same log cut to nothing before kensa reads a byte of it (after
# open: the first peek sees it)
cp conn.orig conn.log
run_cut conn.log 0 kn_reader_peek 0 soc analyze -a /dev/null conn.log
expect_cut "zeek, cut before the first read" conn.log 0

# ---- Suricata EVE (objects parsed in place, the reader told every line)
python3 - <<'P'
import json
out = []
for i in range(20000):
    out.append(json.dumps({"timestamp": "2023-11-14T22:%02d:%02d.%06d+0000" % (i // 3600 % 60, i // 60 % 60, i % 1000000),
                           "flow_id": 1000 + i, "event_type": "flow", "src_ip": "10.0.%d.%d" % (i // 250 % 250, i % 250 + 1),
                           "src_port": 1024 + i % 5000, "dest_ip": "198.51.100.7", "dest_port": 443, "proto": "TCP",
                           "flow": {"pkts_toserver": 3, "pkts_toclient": 2, "bytes_toserver": 300 + i % 1000, "bytes_toclient": 200,
                                    "start": "2023-11-14T22:00:00.000000+0000", "end": "2023-11-14T22:00:01.000000+0000"}}, separators=(",", ":")))
open("eve.json", "w").write("\n".join(out) + "\n")
P
cp eve.json eve.orig
cut=$(python3 -c '
d = open("eve.orig", "rb").read()
c = 3 * 1024 * 1024 + 2000
while c % 4096 == 0 or d[c - 1] == 10 or d[c] == 10: c += 1
print(c)')
events=$(head -c "$cut" eve.orig | tr -cd '\n' | wc -c)
run_cut eve.json "$cut" kn_reader_skip_lines 3000 soc analyze -a /dev/null eve.json
expect_cut eve eve.json "$cut"
check "eve: the $events events before the cut, none after" contains "$WORK/run.out" "^kensa: 0 packets, $events flows, $events events"

# ---- classic pcap (walked over a kn_map): the cut lands in a packet's payload
python3 - <<'P'
import struct
out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1)]
for i in range(40000):
    payload = bytes((i + k) & 0xff for k in range(60 + i % 200))
    udp = struct.pack(">HHHH", 1024 + i % 60000, 53, 8 + len(payload), 0) + payload
    ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i & 0xffff, 0, 64, 17, 0,
                     bytes([10, 0, i // 256 % 256, i % 256]), bytes([192, 0, 2, 1])) + udp
    frame = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip
    out.append(struct.pack("<IIII", 1700000000 + i // 1000, i % 1000 * 1000, len(frame), len(frame)) + frame)
open("cap.pcap", "wb").write(b"".join(out))
# the cut: in the payload of the first record whose data passes 4 MiB + 1500, mid page
d = b"".join(out)
pos, n = 24, 0
while True:
    caplen = struct.unpack_from("<I", d, pos + 8)[0]
    end = pos + 16 + caplen
    if end > 4 * 1024 * 1024 + 1500 and (pos + 16 + caplen // 2) % 4096:
        open("cap.cut", "w").write("%d %d\n" % (pos + 16 + caplen // 2, n + 1))
        break
    pos, n = end, n + 1
P
read -r cut pkts < cap.cut
run_cut cap.pcap "$cut" soc_decode_frame 2000 soc analyze -a /dev/null cap.pcap
expect_cut pcap cap.pcap "$cut"
check "pcap: the $pkts packets that began before the cut, none after" contains "$WORK/run.out" "^kensa: $pkts packets, "
check "pcap: the error says how many packets were read" contains "$WORK/run.out" "the rest was not read after $pkts packets"

# ---- a whole-file map (kn_map) whose owner never asks: `kensa bin funcs` on
# raw code cut to half after it was mapped. The bytes past the cut read as
# zeros (no crash); kn_map_close says so, and the command's success
# becomes exit 1, as its result came partly from zeros (cli/kensa.c)
python3 - <<'P'
# x86-64: 2048 copies of "push rbp; mov rbp,rsp; xor eax,eax; pop rbp; ret" padded to 16 bytes
f = bytes([0x55, 0x48, 0x89, 0xe5, 0x31, 0xc0, 0x5d, 0xc3]) + bytes([0xcc] * 8)
open("code.bin", "wb").write(f * 2048)
P
run_cut code.bin 10000 bin_load_mem 0 bin funcs --raw --arch x86-64 code.bin
check "bin: gdb stopped kensa after the map" contains "$WORK/run.out" "^Breakpoint 1, "
check "bin: no death by SIGBUS" eval '! grep -q "terminated with signal" "$WORK/run.out"'
check "bin: the cut is reported with file and offset" \
  contains "$WORK/run.out" "^kensa: code.bin: offset 10000: file shrank while mapped (truncated by another process?)"
check "bin: exit 1 (the result came partly from zeros)" contains "$WORK/run.out" "^EXIT=1$"

finish
