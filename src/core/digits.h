/* digits.h: eight ASCII digits at a time (SWAR over a 64-bit word loaded
 * little-endian, first text byte in the low byte). Timestamps, counts and
 * ports in logs are runs of digits; a loop was about 10 instructions a
 * digit (callgrind), a word a handful for eight. Used by core/time.c, the
 * Zeek row plan and the JSON scanner's number scan.
 *
 * Invariant: the functions read only the word they are given; callers
 * load it from inside their text. */
#ifndef KENSA_CORE_DIGITS_H
#define KENSA_CORE_DIGITS_H

#include <stdint.h>
#include <string.h>

/* p[0..8) as a word, first byte lowest */
static inline uint64_t kn_load8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return w;
}

/* 0 when all eight bytes of w are '0'..'9'; else non-zero, and the lowest
 * byte flagged is exactly the first non-digit: high nibble 3 and (byte + 6)
 * high nibble 3 <=> 0x30..0x39, and the +6 carries only move upwards, past
 * the first non-digit */
static inline uint64_t kn_nondigits8(uint64_t w)
{
    return ((w & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
           (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull);
}

/* value of eight digit bytes (low nibbles), the first (lowest) byte most
 * significant: three multiply-and-shift steps pair up 1, 2, then 4 digits */
static inline uint32_t kn_value8(uint64_t w)
{
    w = (w & 0x0F0F0F0F0F0F0F0Full) * 2561 >> 8;
    w = (w & 0x00FF00FF00FF00FFull) * 6553601 >> 16;
    return (uint32_t)((w & 0x0000FFFF0000FFFFull) * 42949672960001ull >> 32);
}

#endif
