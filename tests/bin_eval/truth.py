#!/usr/bin/env python3
"""truth.py: ground truth for the bin evaluation, from an UNSTRIPPED binary.

Independent oracles only: the symbol table (readelf for ELF, objdump -t for
PE/COFF) gives function starts and extents, objdump -d gives instruction
starts. nm is read as a second opinion and the two are cross-checked. The
rules (what counts as a function, which bytes are scored) are written in
docs/bin-eval.md; in short:

  * a function is a FUNC/IFUNC symbol (ELF) or a symbol of COFF type 0x20
    (PE) in an executable section; aliases at one address count once;
    compiler-split fragments (NAME.cold, NAME.cold.N) are not entries
    (neither truth nor a false positive) but their bytes are scored;
  * a function's extent is [start, start+size) when the symbol has a size,
    otherwise up to the next symbol in the section, minus trailing padding;
  * instruction starts are objdump's inside function extents (an FWAIT
    that objdump glues to the next x87 instruction counts as its own);
  * executable bytes outside every extent are regions: G padding (only
    nop/int3/zero fill; instructions there are not scored, a function entry
    there is wrong), P linker stubs (PLT, PE import thunks; not scored), U
    other unsymbolised bytes (not scored, reported).

usage: truth.py BINARY PREFIX
writes PREFIX.funcs (addr name), PREFIX.funcs_ignore (addr name),
PREFIX.regions (start end kind name), PREFIX.insns (addr len flag text;
flag p = padding-class instruction) and PREFIX.check (key=value facts from
the cross-checks). Addresses are virtual addresses, hex with 0x.
"""
import bisect
import os
import re
import subprocess
import sys


def run(*cmd):
    return subprocess.run(cmd, check=True, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True,
                          errors="replace").stdout


PAD_RE = re.compile(
    r"^(?:(?:data16|cs|ds|es|ss|rex\.?\w*)\s+)*(?:nop[wlq]?(?:\s.*)?|xchg\s+%ax,%ax|int3|"
    r"lea\s+(?:0x0)?\((%[er][sd]i)(?:,%[er]iz,1)?\),\1|mov\s+(%[er][sd]i),\2|fnop)$")


def is_padding(text, raw):
    if raw and all(b == "00" for b in raw.split()):
        return True
    return bool(PAD_RE.match(re.sub(r"\s+", " ", text.strip())))


COLD_RE = re.compile(r"\.cold(\.\d+)?$")


def base_name(name):
    return name.split("@", 1)[0]


class Sym:
    __slots__ = ("addr", "size", "name", "kind")

    def __init__(self, addr, size, name, kind):
        self.addr, self.size, self.name, self.kind = addr, size, name, kind


def elf_sections(path):
    secs = []
    for line in run("readelf", "-SW", path).splitlines():
        m = re.match(r"\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+(\S*)", line)
        if m and "X" in m.group(4) and "A" in m.group(4):
            start, size = int(m.group(2), 16), int(m.group(3), 16)
            if size:
                secs.append((start, start + size, m.group(1)))
    return sorted(secs)


def elf_symbols(path):
    """(all symbols of .symtab in executable sections, check facts)."""
    out = run("readelf", "-sW", path)
    syms, in_symtab = [], False
    for line in out.splitlines():
        if line.startswith("Symbol table"):
            in_symtab = "'.symtab'" in line
            continue
        if not in_symtab:
            continue
        f = line.split()
        if len(f) < 8 or not f[0][:-1].isdigit() or f[6] == "UND" or f[6] == "ABS":
            continue
        size = int(f[2], 16) if f[2].startswith("0x") else int(f[2])
        kind = {"FUNC": "F", "IFUNC": "F", "SECTION": "S", "FILE": None}.get(f[3], "O")
        if kind is None:
            continue
        syms.append(Sym(int(f[1], 16), size, f[7], kind))
    return syms


def nm_text_symbols(nm, path):
    res = set()
    for line in run(nm, "--defined-only", path).splitlines():
        f = line.split()
        if len(f) >= 3 and f[1] in "TtWwIi":
            res.add((int(f[0], 16), base_name(f[2])))
    return res


def pe_sections(path):
    secs = []
    lines = run("objdump", "-h", path).splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"\s*(\d+)\s+(\S+)\s+([0-9a-f]+)\s+([0-9a-f]+)\s", line)
        if m and i + 1 < len(lines):
            size, vma = int(m.group(3), 16), int(m.group(4), 16)
            secs.append((int(m.group(1)), m.group(2), vma, size, "CODE" in lines[i + 1]))
    return secs


def pe_symbols(path, secs):
    """COFF symbols from objdump -t; values are section-relative."""
    by_idx = {s[0] + 1: s for s in secs}  # objdump -t numbers sections from 1
    syms, names = [], set()
    rx = re.compile(r"\[\s*\d+\]\(sec\s+(-?\d+)\)\(fl 0x[0-9a-f]+\)\(ty\s+([0-9a-f]+)\)"
                    r"\(scl\s+(\d+)\) \(nx \d+\) 0x([0-9a-f]+) (.*)$")
    for line in run("objdump", "-t", path).splitlines():
        m = rx.match(line)
        if not m:
            continue
        names.add(m.group(5))
        sec = by_idx.get(int(m.group(1)))
        if not sec or not sec[4]:
            continue
        ty, scl, name = int(m.group(2), 16), int(m.group(3)), m.group(5)
        addr = sec[2] + int(m.group(4), 16)
        if scl == 6:
            kind = "L"        # label inside a function: not a boundary
        elif (ty & 0x30) == 0x20:
            kind = "F"
        elif name.startswith("."):
            kind = "S"        # section symbol: start of one object's contribution
        else:
            kind = "O"
        syms.append(Sym(addr, 0, name, kind))
    for s in syms:            # import thunks: jmp *__imp_NAME
        if s.kind == "O" and ("__imp_" + s.name) in names:
            s.kind = "P"
    return syms


def objdump_insns(path):
    insns = []
    rx = re.compile(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$")
    for line in run("objdump", "-d", "-w", path).splitlines():
        m = rx.match(line)
        if m:
            addr, raw, text = int(m.group(1), 16), m.group(2), m.group(3).split("#")[0].strip()
            b = raw.split()
            # objdump prints FWAIT (9b) and the x87 instruction after it as one
            # (fstsw, fstcw, finit, ...); the CPU, Intel's decoder tables,
            # Zydis and llvm-objdump see two instructions. Count both starts.
            if len(b) > 1 and b[0] == "9b" and not text.startswith("fwait"):
                insns.append((addr, 1, "fwait", "9b"))
                addr, b, raw = addr + 1, b[1:], " ".join(b[1:])
            insns.append((addr, len(b), text, raw))
    insns.sort()
    return insns


def main():
    binary, prefix = sys.argv[1], sys.argv[2]
    with open(binary, "rb") as f:
        magic = f.read(4)
    check = {}
    if magic == b"\x7fELF":
        check["format"] = "elf"
        secs = elf_sections(binary)
        syms = [s for s in elf_symbols(binary)
                if any(a <= s.addr < b for a, b, _ in secs)]
        plt = [(a, b) for a, b, n in secs if n.startswith(".plt") or n == ".iplt"]
        # nm cross-check: every FUNC symbol is a text symbol for nm too, and
        # nm's extra text symbols are exactly readelf's non-FUNC ones.
        nm_set = {(a, n) for a, n in nm_text_symbols("nm", binary)
                  if any(x <= a < y for x, y, _ in secs)}
        func_set = {(s.addr, base_name(s.name)) for s in syms if s.kind == "F"}
        other_set = {(s.addr, base_name(s.name)) for s in syms if s.kind != "F"}
        check["func_symbols"] = len(func_set)
        check["func_not_in_nm"] = len(func_set - nm_set)
        check["nm_unexplained"] = len(nm_set - func_set - other_set)
    elif magic[:2] == b"MZ":
        check["format"] = "pe"
        psecs = pe_sections(binary)
        secs = sorted((vma, vma + size, name) for _, name, vma, size, code in psecs if code and size)
        syms = pe_symbols(binary, psecs)
        plt = []
        tool = "x86_64-w64-mingw32-nm"
        nm_set = {(a, n) for a, n in nm_text_symbols(tool, binary)}
        # nm drops the @N of stdcall names; compare base names.
        func_set = {(s.addr, base_name(s.name)) for s in syms if s.kind == "F"}
        check["func_symbols"] = len(func_set)
        check["func_not_in_nm"] = len(func_set - nm_set)
        check["nm_unexplained"] = len({x for x in nm_set if any(a <= x[0] < b for a, b, _ in secs)}
                                      - {(s.addr, base_name(s.name)) for s in syms})
    else:
        sys.exit("truth.py: %s: not ELF or PE" % binary)

    insns = objdump_insns(binary)
    iaddr = [i[0] for i in insns]

    def insns_in(a, b):
        return insns[bisect.bisect_left(iaddr, a):bisect.bisect_left(iaddr, b)]

    # Boundaries for size-less symbols: every symbol start, every section end.
    bounds = sorted({s.addr for s in syms if s.kind != "L"} | {b for _, b, _ in secs})

    def next_bound(addr, sec_end):
        i = bisect.bisect_right(bounds, addr)
        return min(bounds[i] if i < len(bounds) else sec_end, sec_end)

    def sec_of(addr):
        for a, b, n in secs:
            if a <= addr < b:
                return a, b
        return None

    funcs, ignore, extents, stubs = {}, {}, [], []
    for s in syms:
        if s.kind not in ("F", "P"):
            continue
        sa, sb = sec_of(s.addr)
        if s.size:
            end = min(s.addr + s.size, sb)
        else:
            end = next_bound(s.addr, sb)
            body = insns_in(s.addr, end)
            while body and is_padding(body[-1][2], body[-1][3]):
                end = body[-1][0]
                body.pop()
        if s.kind == "P":
            stubs.append((s.addr, next_bound(s.addr, sb), s.name))
            continue
        table = ignore if COLD_RE.search(s.name) else funcs
        names = table.setdefault(s.addr, [])
        if base_name(s.name) not in names:
            names.append(base_name(s.name))
        if end > s.addr:
            extents.append((s.addr, end, s.name))

    # A .cold fragment at an address that is also a real entry is an entry.
    for a in list(ignore):
        if a in funcs:
            del ignore[a]

    # Merge extents (nested or overlapping symbols) into F regions.
    extents.sort()
    fregs = []
    for a, b, n in extents:
        if fregs and a < fregs[-1][1]:
            if b > fregs[-1][1]:
                fregs[-1][1] = b
        else:
            fregs.append([a, b, n])

    # Partition every executable section into F, P, G and U regions.
    regions = [(a, b, "F", n) for a, b, n in fregs]
    stub_regs = [(a, b) for a, b in plt] + [(a, b) for a, b, _ in stubs]
    for sa, sb, sname in secs:
        cuts = sorted([(a, b) for a, b, _ in fregs if a < sb and b > sa])
        pos = sa
        gaps = []
        for a, b in cuts + [(sb, sb)]:
            if a > pos:
                gaps.append((pos, a))
            pos = max(pos, b)
        for ga, gb in gaps:
            # PLT sections and PE import thunks are P wherever they fall.
            pieces, p = [], ga
            for xa, xb in sorted(stub_regs):
                xa, xb = max(xa, ga), min(xb, gb)
                if xa >= xb or xb <= p:
                    continue
                if xa > p:
                    pieces.append((p, xa, None))
                pieces.append((max(xa, p), xb, "P"))
                p = xb
            if p < gb:
                pieces.append((p, gb, None))
            for a, b, kind in pieces:
                if kind is None:
                    body = insns_in(a, b)
                    kind = "G" if all(is_padding(t, r) for _, _, t, r in body) else "U"
                regions.append((a, b, kind, sname))
    regions.sort()

    fset = sorted(funcs)
    in_f = []
    fstarts = [r[0] for r in fregs]
    for ins in insns:
        i = bisect.bisect_right(fstarts, ins[0]) - 1
        if i >= 0 and ins[0] < fregs[i][1]:
            in_f.append(ins)
    ins_set = {i[0] for i in in_f}
    check["funcs"] = len(fset)
    check["funcs_ignored"] = len(ignore)
    check["insns"] = len(in_f)
    check["insns_padding"] = sum(1 for i in in_f if is_padding(i[2], i[3]))
    check["func_start_not_insn"] = sum(1 for a in fset if a not in ins_set and
                                       any(x <= a < y for x, y, _ in fregs))
    check["code_bytes"] = sum(b - a for a, b, _ in secs)
    for k in "FGPU":
        check["region_bytes_" + k] = sum(b - a for a, b, kk, _ in regions if kk == k)

    with open(prefix + ".funcs", "w") as f:
        for a in fset:
            f.write("0x%x\t%s\n" % (a, "=".join(funcs[a])))
    with open(prefix + ".funcs_ignore", "w") as f:
        for a in sorted(ignore):
            f.write("0x%x\t%s\n" % (a, "=".join(ignore[a])))
    with open(prefix + ".regions", "w") as f:
        for a, b, k, n in regions:
            f.write("0x%x\t0x%x\t%s\t%s\n" % (a, b, k, n))
    with open(prefix + ".insns", "w") as f:
        for a, n, t, r in in_f:
            f.write("0x%x\t%d\t%s\t%s\n" % (a, n, "p" if is_padding(t, r) else "-", t))
    with open(prefix + ".check", "w") as f:
        for k, v in check.items():
            f.write("%s=%s\n" % (k, v))


if __name__ == "__main__":
    main()
