/* ipv4.h: the dotted-quad parser of soc_str_ip (logstr.c), as inline code
 * for callers that parse addresses in their own SIMD loops (the Zeek row
 * plan): inlined there, two addresses of a row are parsed side by side
 * without a call, an indirect jump and a prologue each, or in one
 * register (the AVX2 and AVX-512 pair forms).
 *
 * soc_ipv4_parse_ssse3 needs SSSE3: call it only from code built for it
 * (a function with target("ssse3") or wider, reached after a run-time
 * check), and soc_str_ip otherwise; soc_str_ip gives the same answers
 * (test_soc_addr checks both against inet_pton). */
#ifndef KENSA_SOC_IPV4_H
#define KENSA_SOC_IPV4_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/ip.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static inline uint64_t soc_ld64u(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t soc_ld32u(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* The address in kn_ip_from_v4's layout (::ffff:a.b.c.d, family 4),
 * stored as whole words: the address is copied into a flow record right
 * after, and loads of a word stored in pieces stall on store forwarding.
 * The 16 address bytes go in one store where SSE2 has one: GCC copies the
 * address with a 16-byte load, which two 8-byte stores could not forward
 * (6% of a conn row's time in the row plan; perf). */
static inline __attribute__((always_inline)) void soc_ip_store_v4(kn_ip *ip, uint32_t v4)
{
    uint8_t hi[8] = {0, 0, 0xff, 0xff, (uint8_t)(v4 >> 24), (uint8_t)(v4 >> 16), (uint8_t)(v4 >> 8), (uint8_t)v4};
    uint8_t fam[4] = {4, 0, 0, 0};
    uint64_t lo = 0, hw;
    uint32_t fw;
    memcpy(&hw, hi, 8);
    memcpy(&fw, fam, 4);
#if defined(__SSE2__)
    _mm_storeu_si128((__m128i *)(void *)ip->b, _mm_set_epi64x((long long)hw, (long long)lo));
#else
    memcpy(ip->b, &lo, 8);
    memcpy(ip->b + 8, &hw, 8);
#endif
    memcpy(&ip->family, &fw, 4);
}

/* p[0..n), 7 <= n <= 15, as 16 little-endian bytes zero-padded after n,
 * by overlapping loads that stay inside the text */
static inline __attribute__((always_inline)) void soc_ipv4_load16(const char *p, size_t n, uint64_t *w0, uint64_t *w1)
{
    if (n >= 8) {
        *w0 = soc_ld64u(p);
        *w1 = n > 8 ? soc_ld64u(p + n - 8) >> (8 * (16 - n)) : 0;
    } else {   /* n == 7 */
        *w0 = (uint64_t)soc_ld32u(p) | (uint64_t)(soc_ld32u(p + 3) >> 8) << 32;
        *w1 = 0;
    }
}

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* Shuffles by part-length layout, filled at start by logstr.c. */
extern unsigned char soc_ipv4_shuf[81][16];

/* A plain dotted quad of 7..15 bytes at p (read only inside p[0..n)): 1
 * and *out in host order, or 0 when the text is anything else (leading
 * zeros, parts over 255, other bytes: soc_str_ip's general path decides
 * those). */
static inline __attribute__((target("ssse3"), always_inline)) int soc_ipv4_parse_ssse3(const char *p, size_t n, uint32_t *out)
{
    uint64_t w0, w1;
    soc_ipv4_load16(p, n, &w0, &w1);
    __m128i x = _mm_set_epi64x((long long)w1, (long long)w0);
    unsigned dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
    unsigned digits = (unsigned)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1))));
    /* exactly three dots, the rest digits, no empty part (dot first, last
     * or twice in a row), no part of four digits or more */
    unsigned m1 = dots & (dots - 1), m2 = m1 & (m1 - 1);
    unsigned bad = (unsigned)(m2 == 0) | (m2 & (m2 - 1)) | ((dots | digits) ^ ((1u << n) - 1)) | (dots & (dots >> 1)) | (dots & 1) |
                   (dots >> (n - 1)) | (digits & (digits >> 1) & (digits >> 2) & (digits >> 3));
    if (bad) return 0;
    unsigned e0 = (unsigned)__builtin_ctz(dots), e1 = (unsigned)__builtin_ctz(m1), e2 = (unsigned)__builtin_ctz(m2);
    /* part lengths e0, e1-e0-1, e2-e1-1, n-e2-1, each 1..3 */
    unsigned id = (e0 - 1) * 27 + (e1 - e0 - 2) * 9 + (e2 - e1 - 2) * 3 + ((unsigned)n - e2 - 2);
    __m128i sh = _mm_shuffle_epi8(x, _mm_loadu_si128((const __m128i *)(const void *)soc_ipv4_shuf[id]));
    /* a leading zero ("01", "001") is left to kn_ip_parse: a part's first
     * lane is '0' with a digit after it, or empty with '0' then a digit */
    unsigned c0 = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(sh, _mm_set1_epi8('0')));
    unsigned z = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(sh, _mm_setzero_si128()));
    if (((c0 >> 1) | ((z >> 1) & (c0 >> 2))) & 0x1111) return 0;
    __m128i d = _mm_subs_epu8(sh, _mm_set1_epi8('0'));   /* empty lanes stay 0 */
    __m128i v16 = _mm_maddubs_epi16(d, _mm_set1_epi32(0x010a6400));   /* per lane: 0,100 | 10,1 */
    __m128i v32 = _mm_madd_epi16(v16, _mm_set1_epi16(1));
    if (_mm_movemask_epi8(_mm_cmpgt_epi32(v32, _mm_set1_epi32(255)))) return 0;
    __m128i b8 = _mm_packus_epi16(_mm_packs_epi32(v32, v32), _mm_setzero_si128());
    *out = __builtin_bswap32((uint32_t)_mm_cvtsi128_si32(b8));
    return 1;
}

/* Two addresses at once, for the AVX-512 Zeek row plan (call only from
 * code built for AVX512F, BW, VL and VBMI2 and BMI2, after a run-time
 * check), accepting exactly what soc_ipv4_parse_ssse3 accepts. The two
 * texts, each loaded by a masked load of its own bytes, are the halves of
 * one register of 32 16-bit lanes; each lane adds 10x the digit before
 * it and 100x the one before that when they are digits too, so a part's
 * value ends up at its last digit, and one vpcompressw of the lanes
 * before each dot and at each end gathers the eight values. All checks
 * are on mask registers: no part-layout table or shuffle (the SSSE3 form
 * twice was ~190 instructions of a conn row, callgrind). Bit 0 of the
 * result: p0[0..n0) is a plain dotted quad and out's low four bytes its
 * parts in text order; bit 1 the same for p1 and the high four. room: 16
 * bytes from p0 and from p1 may be read (else only the texts are). */
static inline __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2,bmi,bmi2,popcnt"), always_inline)) unsigned
soc_ipv4_parse2_avx512(const char *p0, size_t n0, const char *p1, size_t n1, uint64_t *out, int room)
{
    static const uint16_t back1[32] = {0,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                       0,  16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
    unsigned ok = (unsigned)(n0 - 7 <= 8) | (unsigned)(n1 - 7 <= 8) << 1;
    unsigned l0 = ok & 1 ? (unsigned)n0 : 7, l1 = ok & 2 ? (unsigned)n1 : 7;   /* shifts below stay defined */
    uint32_t all = _bzhi_u32(~0u, l0) | _bzhi_u32(~0u, l1) << 16;
    __m256i x;
    if (room) {   /* 16 bytes readable from each: plain loads, the bytes past each text zeroed after */
        x = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)p0)),
                                    _mm_loadu_si128((const __m128i *)(const void *)p1), 1);
        x = _mm256_maskz_mov_epi8(all, x);
    } else {
        __m128i x0 = _mm_maskz_loadu_epi8((__mmask16)(ok & 1 ? all : 0), (const void *)p0);
        __m128i x1 = _mm_maskz_loadu_epi8((__mmask16)(ok & 2 ? all >> 16 : 0), (const void *)p1);
        x = _mm256_inserti128_si256(_mm256_castsi128_si256(x0), x1, 1);
    }
    uint32_t dots = _mm256_cmpeq_epi8_mask(x, _mm256_set1_epi8('.'));
    uint32_t digits = _mm256_cmple_epu8_mask(_mm256_sub_epi8(x, _mm256_set1_epi8('0')), _mm256_set1_epi8(9));
    uint32_t zeros = _mm256_cmpeq_epi8_mask(x, _mm256_set1_epi8('0'));
    /* a half's bit 15 is padding, so no test reaches across: only dots
     * and digits, no part of four digits, no part of two or more that
     * starts with '0'; and three dots and four runs of digits, which with
     * only dots and digits leaves no dot first, last or twice in a row */
    uint32_t bad = ((dots | digits) ^ all) | (digits & (digits >> 1) & (digits >> 2) & (digits >> 3)) |
                   (zeros & ~(digits << 1) & (digits >> 1));
    uint32_t ends = digits & ~(digits >> 1);   /* each part's last digit */
    ok &= (unsigned)(!(bad & 0xFFFF) && _mm_popcnt_u32(dots & 0xFFFF) == 3 && _mm_popcnt_u32(ends & 0xFFFF) == 4) |
          (unsigned)(!(bad >> 16) && _mm_popcnt_u32(dots >> 16) == 3 && _mm_popcnt_u32(ends >> 16) == 4) << 1;
    /* digit values in 16-bit lanes, 0 where no digit */
    __m512i d = _mm512_maskz_sub_epi16(digits, _mm512_cvtepu8_epi16(x), _mm512_set1_epi16('0'));
    __m512i idx = _mm512_loadu_si512((const void *)back1);
    __m512i b1 = _mm512_maskz_permutexvar_epi16(0xFFFEFFFEu, idx, d);                  /* the digit before */
    __m512i b2 = _mm512_maskz_permutexvar_epi16((digits << 1) & (digits << 2) & 0xFFFCFFFCu, idx, b1);   /* two before, same part */
    __m512i v = _mm512_add_epi16(_mm512_add_epi16(d, _mm512_mullo_epi16(b1, _mm512_set1_epi16(10))),
                                 _mm512_mullo_epi16(b2, _mm512_set1_epi16(100)));
    /* both halves' four values, when each has its three dots */
    __m128i vals = _mm512_castsi512_si128(_mm512_maskz_compress_epi16(ok == 3 ? ends : ok == 1 ? ends & 0xFFFF : ends >> 16 << 16, v));
    unsigned big = _mm_cmpgt_epu16_mask(vals, _mm_set1_epi16(255));
    uint64_t b = (uint64_t)_mm_cvtsi128_si64(_mm_cvtepi16_epi8(vals));
    if (ok == 2) b <<= 32;   /* only the second: its values came first */
    if (ok == 3) ok &= (unsigned)!(big & 0xF) | (unsigned)!(big & 0xF0) << 1;
    else ok &= !(big & 0xF) ? 3u : 0u;
    *out = b;
    return ok;
}

/* Two addresses at once for the AVX2 Zeek row plan (call only from code
 * built for AVX2, BMI and POPCNT, after a run-time check), accepting
 * exactly what soc_ipv4_parse_ssse3 accepts; the result as
 * soc_ipv4_parse2_avx512's. 16 bytes from p0 and from p1 must be readable
 * (the row plan checks once a row; other callers use the SSSE3 form).
 * One text a 128-bit lane: pshufb works within lanes, so the SSSE3
 * form's part-layout shuffle and multiply-adds run for both in one
 * register. The checks are those of the AVX-512 form on the two lanes'
 * byte masks (bytes past each text zeroed, so a half's bit 15 is padding
 * and no shift carries a test across), and the layout's index comes from
 * the three dots' positions: (e0-1)*27 + (e1-e0-2)*9 + (e2-e1-2)*3 +
 * (n-e2-2) = 18 e0 + 6 e1 + 2 e2 + n - 53. (Two SSSE3 parses were ~194
 * instructions of a conn row, callgrind.) */
static inline __attribute__((target("avx2,bmi,popcnt"), always_inline)) unsigned
soc_ipv4_parse2_avx2(const char *p0, size_t n0, const char *p1, size_t n1, uint64_t *out)
{
    static const signed char keep[32] = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                                         0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0};
    unsigned ok = (unsigned)(n0 - 7 <= 8) | (unsigned)(n1 - 7 <= 8) << 1;
    unsigned l0 = ok & 1 ? (unsigned)n0 : 7, l1 = ok & 2 ? (unsigned)n1 : 7;
    __m256i m = _mm256_loadu2_m128i((const __m128i *)(const void *)(keep + 16 - l1),
                                    (const __m128i *)(const void *)(keep + 16 - l0));
    __m256i x = _mm256_and_si256(_mm256_loadu2_m128i((const __m128i *)(const void *)p1, (const __m128i *)(const void *)p0), m);
    uint32_t all = (uint32_t)_mm256_movemask_epi8(m);
    __m256i t = _mm256_sub_epi8(x, _mm256_set1_epi8('0'));
    uint32_t dots = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('.')));
    uint32_t digits = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_min_epu8(t, _mm256_set1_epi8(9)), t));
    uint32_t zeros = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(t, _mm256_setzero_si256()));
    uint32_t bad = ((dots | digits) ^ all) | (digits & (digits >> 1) & (digits >> 2) & (digits >> 3)) |
                   (zeros & ~(digits << 1) & (digits >> 1));
    uint32_t ends = digits & ~(digits >> 1);
    ok &= (unsigned)(!(bad & 0xFFFF) && _mm_popcnt_u32(dots & 0xFFFF) == 3 && _mm_popcnt_u32(ends & 0xFFFF) == 4) |
          (unsigned)(!(bad >> 16) && _mm_popcnt_u32(dots >> 16) == 3 && _mm_popcnt_u32(ends >> 16) == 4) << 1;
    uint32_t d0 = dots & 0xFFFF, d1 = dots >> 16;
    uint32_t id0 = 18 * _tzcnt_u32(d0) + 6 * _tzcnt_u32(_blsr_u32(d0)) + 2 * _tzcnt_u32(_blsr_u32(_blsr_u32(d0))) + l0 - 53;
    uint32_t id1 = 18 * _tzcnt_u32(d1) + 6 * _tzcnt_u32(_blsr_u32(d1)) + 2 * _tzcnt_u32(_blsr_u32(_blsr_u32(d1))) + l1 - 53;
    id0 = ok & 1 ? id0 : 0;   /* a layout only for an address: the rest index nothing */
    id1 = ok & 2 ? id1 : 0;
    __m256i shuf = _mm256_loadu2_m128i((const __m128i *)(const void *)soc_ipv4_shuf[id1],
                                       (const __m128i *)(const void *)soc_ipv4_shuf[id0]);
    __m256i sh = _mm256_shuffle_epi8(x, shuf);
    __m256i d = _mm256_subs_epu8(sh, _mm256_set1_epi8('0'));   /* empty lanes stay 0 */
    __m256i v16 = _mm256_maddubs_epi16(d, _mm256_set1_epi32(0x010a6400));
    __m256i v32 = _mm256_madd_epi16(v16, _mm256_set1_epi16(1));
    uint32_t big = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi32(v32, _mm256_set1_epi32(255)));
    ok &= (unsigned)!(big & 0xFFFF) | (unsigned)!(big >> 16) << 1;
    __m256i b8 = _mm256_packus_epi16(_mm256_packs_epi32(v32, v32), v32);   /* each lane's dword 0: its four parts */
    *out = (uint64_t)(uint32_t)_mm256_extract_epi32(b8, 0) | (uint64_t)(uint32_t)_mm256_extract_epi32(b8, 4) << 32;
    return ok;
}

/* The address of four bytes in text order (the first lowest, as from
 * soc_ipv4_parse2_avx512) in kn_ip_from_v4's layout, the 16 address bytes
 * in one store as soc_ip_store_v4 */
static inline __attribute__((always_inline)) void soc_ip_store_v4_bytes(kn_ip *ip, uint32_t b)
{
    uint8_t fam[4] = {4, 0, 0, 0};
    uint32_t fw;
    memcpy(&fw, fam, 4);
    _mm_storeu_si128((__m128i *)(void *)ip->b, _mm_set_epi64x((long long)(0xFFFF0000ull | (uint64_t)b << 32), 0));
    memcpy(&ip->family, &fw, 4);
}
#endif

#endif
