#!/usr/bin/env python3
"""mkdump.py IMAGE OUT NAME: writes a minimal Windows minidump holding one
module (ModuleList), its bytes (Memory64List) and an AMD64 SystemInfo, from
a PE image already in memory layout. Built from the minidump format's
public structure layout (MINIDUMP_HEADER, _DIRECTORY, _MODULE,
_MEMORY64_LIST), for the bin loader tests."""
import struct
import sys

img = open(sys.argv[1], 'rb').read()
pe = struct.unpack_from('<I', img, 0x3c)[0]
base = struct.unpack_from('<Q', img, pe + 24 + 24)[0]
name = sys.argv[3].encode('utf-16-le')
hdr, dirsz = 32, 3 * 12
sysinfo = struct.pack('<H', 9) + bytes(54)
namerec = struct.pack('<I', len(name)) + name + b'\0\0'
off_sys = hdr + dirsz
off_mods = off_sys + len(sysinfo)
off_name = off_mods + 4 + 108
off_mem = off_name + len(namerec)
off_data = off_mem + 16 + 16
mod = struct.pack('<QIIII', base, len(img), 0, 0, off_name) + bytes(108 - 24)
mods = struct.pack('<I', 1) + mod
mem = struct.pack('<QQ', 1, off_data) + struct.pack('<QQ', base, len(img))
out = b'MDMP' + struct.pack('<IIIIQ', 0xa793, 3, hdr, 0, 0)
out = out.ljust(hdr, b'\0')
out += struct.pack('<III', 7, len(sysinfo), off_sys)
out += struct.pack('<III', 4, len(mods), off_mods)
out += struct.pack('<III', 9, len(mem), off_mem)
out += sysinfo + mods + namerec + mem + img
open(sys.argv[2], 'wb').write(out)
