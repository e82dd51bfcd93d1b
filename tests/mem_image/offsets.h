/* offsets.h: the fixture builder's fallback table of Windows x64 structure
 * offsets for builds 7601, 14393 and 19041, used when ../shared/data's ISF
 * files are absent so the core suite still builds its images.
 *
 * These are facts read from the Volatility 3 ISFs listed in
 * shared/data/MANIFEST.md (JPCERTCC/Windows-Symbol-Tables, ntkrnlmp.pdb
 * GUIDs below), cross-checked by the integration test mem_image_offsets
 * (mkimage --check-isf), which fails if any value here differs from the
 * ISF. The analyzer never includes this file: it must find these offsets
 * itself. -1 means "the build has no such field". */
#ifndef KENSA_TEST_MEM_OFFSETS_H
#define KENSA_TEST_MEM_OFFSETS_H

typedef struct fx_offsets {
    unsigned build;
    const char *guid;
    unsigned age;
    unsigned ver_major, ver_minor, ver_qfe;   /* ntoskrnl file version (repo README) */
    unsigned ps_head_rva;                     /* symbols.PsActiveProcessHead */
    int ep_size, ep_pid, ep_links, ep_name, ep_ppid, ep_create, ep_exit, ep_peb, ep_vadroot, ep_section_base,
        ep_thread_head, ep_active_threads, ep_wow64, ep_object_table;
    int kp_dtb;
    int eth_size, eth_tle, eth_cid, kt_teb, kt_trap;
    /* VAD nodes (_MMVAD_SHORT / _MMVAD; children from _MMADDRESS_NODE or _RTL_BALANCED_NODE) */
    int vad_left, vad_right, vad_parent, vad_start, vad_end, vad_start_high, vad_end_high, vad_u, vad_u1;
    int vad_short_size, vad_size, vad_subsection, vad_first_proto;
    int vf_type_bit, vf_type_len, vf_prot_bit, vf_prot_len, vf_private_bit, vf_commit_bit, vf1_commit_bit;
    int vadroot_is_table, avl_count_off, avl_count_bit;
    int sub_ca, ca_file, fo_name;
    int kuser_major, kuser_minor, kuser_build;
} fx_offsets;

static const fx_offsets fx_table[3] = {
    {7601, "339E74133576439CBCDF7E0229DA3773", 1, 6, 1, 24540, 0x21b940,
     0x4f8, 0x180, 0x188, 0x2e0, 0x290, 0x168, 0x170, 0x338, 0x448, 0x270, 0x308, 0x328, 0x320, 0x200,
     0x28,
     0x4a8, 0x428, 0x3b8, 0xb8, 0x1d8,
     0x08, 0x10, 0x00, 0x18, 0x20, -1, -1, 0x28, -1,
     0x40, 0x78, 0x48, 0x50,
     52, 3, 56, 5, 63, 55, -1,
     1, 0x28, 8,
     0x00, 0x40, 0x58,
     0x26c, 0x270, -1},
    {14393, "DBBC830E3E9A48FDA25A2144C146930E", 1, 10, 0, 6343, 0x300430,
     0x7d0, 0x2e8, 0x2f0, 0x450, 0x3e0, 0x308, 0x690, 0x3f8, 0x620, 0x3c0, 0x488, 0x498, 0x428, 0x418,
     0x28,
     0x7e0, 0x698, 0x630, 0xf0, 0x90,
     0x00, 0x08, 0x10, 0x18, 0x1c, 0x20, 0x21, 0x30, 0x34,
     0x40, 0x88, 0x48, 0x50,
     0, 3, 3, 5, 15, -1, 31,
     0, -1, -1,
     0x00, 0x40, 0x58,
     0x26c, 0x270, 0x260},
    {19041, "606FF669409B00F7FC8C61A9C1670129", 1, 10, 0, 3570, 0xc1e090,
     0xa40, 0x440, 0x448, 0x5a8, 0x540, 0x468, 0x840, 0x550, 0x7d8, 0x520, 0x5e0, 0x5f0, 0x580, 0x570,
     0x28,
     0x898, 0x4e8, 0x478, 0xf0, 0x90,
     0x00, 0x08, 0x10, 0x18, 0x1c, 0x20, 0x21, 0x30, 0x34,
     0x40, 0x88, 0x48, 0x50,
     4, 3, 7, 5, 20, -1, 31,
     0, -1, -1,
     0x00, 0x40, 0x58,
     0x26c, 0x270, 0x260},
};

#endif
