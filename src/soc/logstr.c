/* logstr.c: what the soc log inputs share besides JSON scanning: soc_str
 * comparisons and searches, address parsing from log text, URL decoding,
 * the event initialiser and bad-line reporting (declared in logs.h). Kept
 * apart from jscan.c so the scanner and these per-field helpers can be
 * tuned independently. */
#include <stddef.h>
#include <stdlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "soc/logs.h"
#include "soc/ipv4.h"

/* ASCII lower case by table: tolower() is a locale lookup call per byte */
static const unsigned char lower[256] = {
#define L4(c) L1(c), L1(c + 1), L1(c + 2), L1(c + 3)
#define L1(c) (unsigned char)((c) >= 'A' && (c) <= 'Z' ? (c) + 32 : (c))
#define L16(c) L4(c), L4(c + 4), L4(c + 8), L4(c + 12)
    L16(0), L16(16), L16(32), L16(48), L16(64), L16(80), L16(96), L16(112),
    L16(128), L16(144), L16(160), L16(176), L16(192), L16(208), L16(224), L16(240)
#undef L16
#undef L4
#undef L1
};

int soc_str_ieq_n(soc_str a, const char *lit, size_t n)
{
    if (a.n != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower[(unsigned char)a.p[i]] != lower[(unsigned char)lit[i]]) return 0;
    return 1;
}

int soc_str_istarts(soc_str a, const char *lit)
{
    size_t n = strlen(lit);
    if (a.n < n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower[(unsigned char)a.p[i]] != lower[(unsigned char)lit[i]]) return 0;
    return 1;
}

/* rest of a candidate: needle[2..n) at h + 2 */
static inline int imatch_from2(const char *h, const char *needle, size_t n)
{
    size_t k = 2;
    while (k < n && lower[(unsigned char)h[k]] == lower[(unsigned char)needle[k]]) k++;
    return k == n;
}

const char *soc_str_icontains_n(soc_str hay, const char *needle, size_t n)
{
    if (n == 0) return hay.p;
    if (hay.n < n) return NULL;
    size_t i = 0;
#if defined(__SSE2__)
    /* Two needle bytes tested at 16 positions at once: detectors search
     * URIs, types and bodies for literals on every event, and the byte
     * loop over the first letter was 3.5% of Zeek http.log (perf). A
     * letter matches either case through OR 0x20 (exact for letters);
     * other bytes compare as they are. Loads stay inside hay: the block at
     * i and the one at i + 1 need i + 17 <= hay.n; the rest goes below. */
    if (n >= 2 && hay.n >= 17) {
        unsigned char c0 = lower[(unsigned char)needle[0]], c1 = lower[(unsigned char)needle[1]];
        int l0 = c0 >= 'a' && c0 <= 'z', l1 = c1 >= 'a' && c1 <= 'z';
        const __m128i or0 = _mm_set1_epi8(l0 ? 0x20 : 0), or1 = _mm_set1_epi8(l1 ? 0x20 : 0);
        const __m128i v0 = _mm_set1_epi8((char)c0), v1 = _mm_set1_epi8((char)c1);
        for (; i + 17 <= hay.n; i += 16) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay.p + i));
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(hay.p + i + 1));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(_mm_or_si128(a, or0), v0),
                                                                   _mm_cmpeq_epi8(_mm_or_si128(b, or1), v1)));
            while (m) {
                size_t at = i + (size_t)__builtin_ctz(m);
                if (at + n <= hay.n && imatch_from2(hay.p + at, needle, n)) return hay.p + at;
                m &= m - 1;
            }
        }
    }
#endif
    unsigned char f0 = lower[(unsigned char)needle[0]];
    for (; i + n <= hay.n; i++) {
        if (lower[(unsigned char)hay.p[i]] != f0) continue;
        size_t k = 1;
        while (k < n && lower[(unsigned char)hay.p[i + k]] == lower[(unsigned char)needle[k]]) k++;
        if (k == n) return hay.p + i;
    }
    return NULL;
}

/* A dotted quad of 7..15 bytes at p: 1 and *out (host order), or 0 when
 * it is not the plain form (leading zeros, > 255, other bytes: kn_ip_parse
 * decides those). The form for CPUs without SSSE3 (soc/ipv4.h has the
 * usual one): the text in 16 zero-padded bytes, dots and digits found for
 * all bytes at once (SSE2 masks), then the four parts' values. About as
 * fast as the byte walk it replaced (23 vs 24 ns an address, measured on
 * 2 M Zeek addresses); test_soc_addr holds it to inet_pton. */
static inline int ipv4_plain(const char *p, size_t n, uint32_t *out)
{
    uint64_t w0, w1;
    soc_ipv4_load16(p, n, &w0, &w1);
    /* b[-4..-1] and b[n..15] are zero: a part's value reads the three bytes
     * before its end whatever its length */
    unsigned char buf[20];
    memset(buf, 0, 4);
    const unsigned char *b = buf + 4;
    unsigned dots, digits;
#if defined(__SSE2__)
    /* one 16-byte store: the byte loads below forward from it (pieces
     * stored separately and read back whole stall on store forwarding) */
    __m128i x = _mm_set_epi64x((long long)w1, (long long)w0);
    _mm_storeu_si128((__m128i *)(void *)(buf + 4), x);
    dots = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')));
    digits = (unsigned)_mm_movemask_epi8(
        _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)), _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1))));
#else
    memcpy(buf + 4, &w0, 8);
    memcpy(buf + 12, &w1, 8);
    dots = digits = 0;
    for (int i = 0; i < 16; i++) {
        dots |= (unsigned)(b[i] == '.') << i;
        digits |= (unsigned)(b[i] >= '0' && b[i] <= '9') << i;
    }
#endif
    unsigned all = (1u << n) - 1;
    /* exactly three dots (no popcount: baseline x86-64 has no instruction
     * for it and the libgcc call showed in the profile) */
    unsigned m1 = dots & (dots - 1), m2 = m1 & (m1 - 1);
    if (!m2 || (m2 & (m2 - 1)) || (dots | digits) != all) return 0;
    unsigned e0 = (unsigned)__builtin_ctz(dots), e1 = (unsigned)__builtin_ctz(m1), e2 = (unsigned)__builtin_ctz(m2);
    unsigned ends[4] = {e0, e1, e2, (unsigned)n}, starts[4] = {0, e0 + 1, e1 + 1, e2 + 1};
    uint32_t v = 0;
    unsigned bad = 0;
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        unsigned len = ends[k] - starts[k], e = ends[k];
        unsigned d0 = (unsigned)b[(int)e - 1] - '0', d1 = (unsigned)b[(int)e - 2] - '0', d2 = (unsigned)b[(int)e - 3] - '0';
        unsigned part = d0 + (len >= 2 ? d1 * 10 : 0) + (len >= 3 ? d2 * 100 : 0);
        bad |= (len - 1 > 2) | (len >= 2 && b[starts[k]] == '0') | (part > 255);
        v = v << 8 | (part & 255);
    }
    *out = v;
    return !bad;
}

#if defined(__x86_64__) || defined(__i386__)
/* The SSSE3 form (soc/ipv4.h) (pshufb, pmaddubsw: every x86-64 CPU since 2006, checked
 * at run time): the four parts' lengths name one of 81 layouts, whose
 * shuffle puts each part's digits right-aligned in a 4-byte lane; two
 * multiply-adds give the four values at once (the scalar form above is
 * about 60 cycles an address, a dependent chain of byte loads and
 * selects; this one about a third of that, measured on 2 M Zeek
 * addresses). */
unsigned char soc_ipv4_shuf[81][16];

__attribute__((constructor)) static void soc_ipv4_shuf_init(void)
{
    for (int id = 0; id < 81; id++) {
        int len[4] = {id / 27 % 3 + 1, id / 9 % 3 + 1, id / 3 % 3 + 1, id % 3 + 1}, start = 0;
        for (int k = 0; k < 4; k++) {
            /* lane 4k: 0; lanes 4k+1..4k+3: hundreds, tens, ones (0x80: zero) */
            soc_ipv4_shuf[id][4 * k] = 0x80;
            for (int j = 0; j < 3; j++) {
                int from = start + len[k] - 3 + j;
                soc_ipv4_shuf[id][4 * k + 1 + j] = (unsigned char)(from >= start ? from : 0x80);
            }
            start += len[k] + 1;
        }
    }
}

#endif

/* Everything but a plain dotted quad. Host names (HTTP Host, SNI) are
 * asked about per event: text with a byte inet_pton never accepts
 * (anything but hex digits, '.', ':' and kn_ip_parse's [ ] brackets) is no
 * address, without the copy and the two inet_pton calls (4% of http.log
 * instructions, callgrind). */
static int str_ip_general(soc_str s, kn_ip *ip)
{
    if (s.n == 0 || s.n >= KN_IP_STRLEN) return -1;
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') || c == '.' || c == ':' ||
              c == '[' || c == ']'))
            return -1;
    }
    return kn_ip_parse(ip, s.p, (long)s.n);
}

/* Dotted quads are most addresses in logs: parsed here (inet_pton through
 * kn_ip_parse showed at 3% of EVE ingest), the rest in core. */
static int str_ip_scalar(soc_str s, kn_ip *ip)
{
    uint32_t v4;
    if (s.n >= 7 && s.n <= 15 && ipv4_plain(s.p, s.n, &v4)) { soc_ip_store_v4(ip, v4); return 0; }
    return str_ip_general(s, ip);
}

#if defined(__x86_64__) || defined(__i386__)
/* The whole fast path in one SSSE3 function, reached by one indirect jump:
 * a wrapper choosing the form and calling a separate SSSE3 function (it
 * cannot be inlined into code built for baseline x86-64) cost 2-3 ns an
 * address (measured on 2 M Zeek addresses) */
__attribute__((target("ssse3"))) static int str_ip_ssse3(soc_str s, kn_ip *ip)
{
    uint32_t v4;
    if (s.n >= 7 && s.n <= 15 && soc_ipv4_parse_ssse3(s.p, s.n, &v4)) { soc_ip_store_v4(ip, v4); return 0; }
    return str_ip_general(s, ip);
}
#endif

static int (*str_ip_impl)(soc_str, kn_ip *) = str_ip_scalar;

__attribute__((constructor)) static void str_ip_choose(void)
{
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("ssse3")) str_ip_impl = str_ip_ssse3;
#endif
}

/* For tests: force the scalar form (1) or let the CPU choose (0). */
void soc_ipv4_force_scalar(int on)
{
    str_ip_impl = str_ip_scalar;
#if defined(__x86_64__) || defined(__i386__)
    if (!on && __builtin_cpu_supports("ssse3")) str_ip_impl = str_ip_ssse3;
#endif
}

int soc_str_ip(soc_str s, kn_ip *ip) { return str_ip_impl(s, ip); }

/* the rest of soc_host_is_ip (logs.h), for text that starts and ends as
 * an address could */
int soc_host_is_ip_rest(soc_str host)
{
    kn_ip ip;
    if (host.p[0] == '[') {
        const char *rb = memchr(host.p, ']', host.n);
        return rb && soc_str_ip(soc_s(host.p + 1, (size_t)(rb - host.p - 1)), &ip) == 0;
    }
    if (soc_str_ip(host, &ip) == 0) return 1;
    const char *colon = memchr(host.p, ':', host.n);
    if (colon && !memchr(colon + 1, ':', host.n - (size_t)(colon - host.p) - 1))
        return soc_str_ip(soc_s(host.p, (size_t)(colon - host.p)), &ip) == 0;
    return 0;
}

void soc_url_decode(kn_buf *out, const char *s, size_t n, int plus_space)
{
    kn_buf_reserve(out, n + 1);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < n) {
            int h = soc_hexval(s[i + 1]), l = soc_hexval(s[i + 2]);
            if (h >= 0 && l >= 0) { kn_buf_putc(out, (char)(h << 4 | l)); i += 2; continue; }
        }
        kn_buf_putc(out, plus_space && c == '+' ? ' ' : c);
    }
}

void soc_event_init(soc_event *ev, soc_event_kind kind, const char *source, const char *file, uint64_t line)
{
    /* everything but the attachment slots, the struct's tail (half of it;
     * event.h: slots past n_attach are undefined): zeroing all 1.5 KB per
     * event was 3-4% of log ingest (perf) */
    size_t n = offsetof(soc_event, smtp.attach);
    /* A constant size makes the compiler inline `rep stosq`, which has a
     * long start-up; through an opaque size the call goes to libc's memset,
     * whose vector stores zero the 760 bytes in half the time (8.5 vs
     * 18.5 ns, measured on this struct) */
    __asm__("" : "+r"(n));
    memset(ev, 0, n);
    ev->kind = kind;
    ev->source = source;
    ev->file = file;
    ev->line = line;
    ev->http.status = -1;
    ev->http.req_body_len = ev->http.resp_body_len = -1;
    ev->dns.qtype = ev->dns.rcode = -1;
    ev->alert.signature_id = -1;
    ev->fileinfo.size = -1;
}

void soc_bad_line(soc_ctx *ctx, const char *file, uint64_t offset, uint64_t line, const char *what)
{
    kn_warn(&ctx->warn, file, (int64_t)offset, "line %llu: %s", (unsigned long long)line, what);
}
