/* fastlen.c: length and flow class of the most common x86 instructions
 * without Zydis, for the traversal's first look at a byte offset.
 *
 * Why hand-written next to a decoder library: under callgrind, Zydis'
 * minimal-mode decode costs about 800 instructions per decoded instruction
 * in Debian's build and made up 46% of the whole analysis, which kept it
 * below the 20 MB/s target. This table covers the plain one-byte and a few
 * two-byte opcodes of compiled code (no legacy prefixes; at most one REX)
 * and answers in a few dozen instructions; everything else, and every
 * form it is not sure about, returns 0 and goes to Zydis. It must agree
 * with Zydis wherever it answers: tests/bin/test_bin_fastlen.c checks that
 * on every offset of real code and random bytes, in both modes. */
#include <string.h>

#include "bin/an.h"

/* Bytes of ModRM + SIB + displacement starting at p (32/64-bit
 * addressing), or 0 when n is too short. *rip set for [rip+disp32]. */
static unsigned modrm_len(const uint8_t *p, size_t n, int is64, int *rip, int32_t *disp, unsigned *sibbyte)
{
    if (n < 1) return 0;
    unsigned mod = p[0] >> 6, rm = p[0] & 7, len = 1;
    *rip = 0;
    *disp = 0;
    *sibbyte = 0x100;
    if (mod == 3) return 1;
    if (rm == 4) {
        if (n < 2) return 0;
        *sibbyte = p[1];
        len = 2;
        if (mod == 0 && (p[1] & 7) == 5) { if (n < len + 4) return 0; memcpy(disp, p + len, 4); return len + 4; }
    } else if (mod == 0 && rm == 5) {
        if (n < 5) return 0;
        memcpy(disp, p + 1, 4);
        *rip = is64;
        return 5;
    }
    if (mod == 1) { if (n < len + 1) return 0; *disp = (int8_t)p[len]; return len + 1; }
    if (mod == 2) { if (n < len + 4) return 0; memcpy(disp, p + len, 4); return len + 4; }
    return len;
}

unsigned an_fast_decode(const uint8_t *p, size_t n, int is64, an_fast *out)
{
    size_t i = 0;
    unsigned rex = 0;
    if (n == 0) return 0;
    if (is64 && (p[0] & 0xf0) == 0x40) { rex = p[0]; i = 1; if (n < 2) return 0; }
    unsigned op = p[i++];
    unsigned k = K_SEQ, imm = 0, has_modrm = 0, immsz = 0;
    int32_t rel = 0;
    int rip = 0;
    int32_t disp = 0;
    unsigned sib = 0x100, mlen = 0;
    const uint8_t *m = p + i;
    out->imm_abs = 0;
    out->imm_valid = 0;
    out->rip_target_disp = 0;
    out->rip = 0;
    (void)imm;
    switch (op) {
    case 0x00: case 0x01: case 0x02: case 0x03: case 0x08: case 0x09: case 0x0a: case 0x0b:
    case 0x10: case 0x11: case 0x12: case 0x13: case 0x18: case 0x19: case 0x1a: case 0x1b:
    case 0x20: case 0x21: case 0x22: case 0x23: case 0x28: case 0x29: case 0x2a: case 0x2b:
    case 0x30: case 0x31: case 0x32: case 0x33: case 0x38: case 0x39: case 0x3a: case 0x3b:
    case 0x84: case 0x85: case 0x88: case 0x89: case 0x8a: case 0x8b:
        has_modrm = 1;
        break;
    case 0x04: case 0x0c: case 0x14: case 0x1c: case 0x24: case 0x2c: case 0x34: case 0x3c: case 0xa8:
        immsz = 1;
        break;
    case 0x05: case 0x0d: case 0x15: case 0x1d: case 0x25: case 0x2d: case 0x35: case 0x3d: case 0xa9:
        immsz = 4;
        break;
    case 0x50: case 0x51: case 0x52: case 0x53: case 0x54: case 0x55: case 0x56: case 0x57:
    case 0x58: case 0x59: case 0x5a: case 0x5b: case 0x5c: case 0x5d: case 0x5e: case 0x5f:
    case 0x98: case 0x99: case 0xc9:
        break;
    case 0x68: immsz = 4; break;
    case 0x6a: immsz = 1; break;
    case 0x69: has_modrm = 1; immsz = 4; break;
    case 0x6b: has_modrm = 1; immsz = 1; break;
    case 0x70: case 0x71: case 0x72: case 0x73: case 0x74: case 0x75: case 0x76: case 0x77:
    case 0x78: case 0x79: case 0x7a: case 0x7b: case 0x7c: case 0x7d: case 0x7e: case 0x7f:
        if (n < i + 1) return 0;
        k = K_JCC; rel = (int8_t)p[i]; i += 1;
        goto done;
    case 0x80: case 0x83: has_modrm = 1; immsz = 1; break;
    case 0x81: has_modrm = 1; immsz = 4; break;
    case 0x8d:
        if (n < i + 1 || (p[i] >> 6) == 3) return 0;
        has_modrm = 1;
        break;
    case 0x90:
        if (rex & 1) return 0;   /* xchg r8, rax */
        k = K_PAD;
        break;
    case 0xb8: case 0xb9: case 0xba: case 0xbb: case 0xbc: case 0xbd: case 0xbe: case 0xbf:
        immsz = (rex & 8) ? 8 : 4;
        break;
    case 0xc1: has_modrm = 1; immsz = 1; break;
    case 0xd1: case 0xd3: has_modrm = 1; break;
    case 0xc3: k = K_RET; break;
    case 0xc6: if (n < i + 1 || ((p[i] >> 3) & 7) != 0) return 0; has_modrm = 1; immsz = 1; break;
    case 0xc7: if (n < i + 1 || ((p[i] >> 3) & 7) != 0) return 0; has_modrm = 1; immsz = 4; break;
    case 0xcc: k = K_STOP | K_PAD; break;
    case 0xe8: case 0xe9:
        if (n < i + 4) return 0;
        memcpy(&rel, p + i, 4); i += 4;
        k = op == 0xe8 ? K_CALL : K_JMP;
        goto done;
    case 0xeb:
        if (n < i + 1) return 0;
        rel = (int8_t)p[i]; i += 1; k = K_JMP;
        goto done;
    case 0xf6: case 0xf7: {
        if (n < i + 1) return 0;
        unsigned r = (p[i] >> 3) & 7;
        if (r == 1) return 0;
        has_modrm = 1;
        if (r == 0) immsz = op == 0xf6 ? 1 : 4;
        break;
    }
    case 0xff: {
        if (n < i + 1) return 0;
        unsigned r = (p[i] >> 3) & 7;
        if (r == 3 || r == 5 || r == 7) return 0;
        has_modrm = 1;
        if (r == 2) k = K_CALLI;
        else if (r == 4) k = K_JMPI;
        break;
    }
    case 0x0f: {
        if (n < i + 1) return 0;
        unsigned op2 = p[i++];
        m = p + i;
        if (op2 >= 0x80 && op2 <= 0x8f) {
            if (n < i + 4) return 0;
            memcpy(&rel, p + i, 4); i += 4; k = K_JCC;
            goto done;
        }
        if (op2 == 0xb6 || op2 == 0xb7 || op2 == 0xbe || op2 == 0xbf || op2 == 0xaf || (op2 >= 0x40 && op2 <= 0x4f)) { has_modrm = 1; break; }
        if (op2 == 0x1f) {
            if (n < i + 1 || ((p[i] >> 3) & 7) != 0) return 0;
            has_modrm = 1; k = K_PAD;
            break;
        }
        return 0;
    }
    default:
        return 0;
    }
    if (has_modrm) {
        mlen = modrm_len(m, n - (size_t)(m - p), is64, &rip, &disp, &sib);
        if (!mlen) return 0;
        i = (size_t)(m - p) + mlen;
    }
    if (immsz) {
        if (n < i + immsz) return 0;
        if (immsz >= 4) {
            uint64_t v = 0;
            if (immsz == 8) memcpy(&v, p + i, 8);
            else { int32_t w; memcpy(&w, p + i, 4); v = (uint64_t)(int64_t)w; if (!is64) v &= 0xffffffffu; }
            out->imm_abs = v;
            out->imm_valid = 1;
        }
        i += immsz;
    }
    if (i > 15) return 0;
    /* padding forms Zydis' path also recognises */
    if (op == 0x00 && has_modrm && m[0] == 0x00 && !rex) k = K_PAD;
    if (op == 0x8d && !is64 && disp == 0) {
        unsigned reg = (m[0] >> 3) & 7, rm = m[0] & 7;
        if (rm == reg || (rm == 4 && sib != 0x100 && (sib & 7) == reg && ((sib >> 3) & 7) == 4)) k = K_PAD;
    }
    if (op == 0x8d && rip) { out->rip = 1; out->rip_target_disp = disp; }
done:
    out->cls = (uint8_t)k;
    out->rel = rel;
    return (unsigned)i;
}
