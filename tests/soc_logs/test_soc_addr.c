/* test_soc_addr: soc_str_ip's dotted-quad fast paths (the SSSE3 shuffle and
 * the scalar form) against core's kn_ip_parse (inet_pton), the oracle, and
 * the AVX-512 and AVX2 two-at-once forms of the Zeek row plan (soc/ipv4.h,
 * where the CPU has them) against both, on
 * every part from a list of edge values in every position, on random
 * addresses and on random corruptions of them. Each text sits at the very
 * end of its own allocation, so ASan flags any read past it (the fast
 * paths load 8 bytes at a time from inside the text). soc_host_is_ip is
 * checked against its definition written with kn_ip_parse alone, and
 * soc_str_icontains against a byte loop. */
#include "test.h"
#include "core/ip.h"
#include "soc/logs.h"

static uint64_t rs = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return rs;
}

static long checked, accepted, pairs, pairs2;

#if defined(__x86_64__) && defined(__GNUC__)
#include "soc/ipv4.h"
#define PAIR_FORM 1
/* soc_ipv4_parse2_avx512 on (a, b): each half accepts exactly what the
 * SSSE3 single form accepts, with the same address; on an accepted text
 * both must equal want (kn_ip_parse) */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2,bmi,bmi2,popcnt"))) static void pair_check(const char *a, size_t na,
                                                                                         const char *b, size_t nb,
                                                                                         const kn_ip *want_b,
                                                                                         int want_b_ok)
{
    uint64_t v;
    unsigned ok = soc_ipv4_parse2_avx512(a, na, b, nb, &v, 0);
    if (na <= 16 && nb <= 16) {   /* and with plain loads, from copies with 16 readable bytes */
        char ra[32] = {0}, rb[32] = {0};
        memcpy(ra, a, na);
        memcpy(rb, b, nb);
        memset(ra + na, '7', 16);   /* what follows a text must not matter */
        memset(rb + nb, '.', 16);
        uint64_t v2;
        unsigned ok2 = soc_ipv4_parse2_avx512(ra, na, rb, nb, &v2, 1);
        CHECK(ok2 == ok && (ok2 & 1 ? (uint32_t)v2 == (uint32_t)v : 1) && (ok2 & 2 ? v2 >> 32 == v >> 32 : 1));
    }
    const char *t[2] = {a, b};
    size_t n[2] = {na, nb};
    for (int i = 0; i < 2; i++) {
        uint32_t s4;
        int sok = n[i] >= 7 && n[i] <= 15 && soc_ipv4_parse_ssse3(t[i], n[i], &s4);
        kn_ip x, y;
        memset(&x, 0, sizeof x);
        memset(&y, 0, sizeof y);
        if (sok) soc_ip_store_v4(&y, s4);
        if ((ok >> i & 1) != (unsigned)sok) {
            fprintf(stderr, "pair form half %d differs from the SSSE3 form on \"%.*s\": %u vs %d\n", i, (int)n[i], t[i],
                    ok >> i & 1, sok);
            CHECK(0);
            continue;
        }
        if (!sok) continue;
        soc_ip_store_v4_bytes(&x, (uint32_t)(v >> (32 * i)));
        CHECK(memcmp(&x, &y, sizeof x) == 0);
        if (i == 1) CHECK(want_b_ok && memcmp(&x, want_b, sizeof x) == 0);
    }
    pairs++;
}
/* soc_ipv4_parse2_avx2 on (a, b), from copies followed by 16 bytes of
 * filler (the form reads 16 bytes from each text): as pair_check */
__attribute__((target("avx2,bmi,popcnt"))) static void pair_check_avx2(const char *a, size_t na, const char *b, size_t nb,
                                                                      const kn_ip *want_b, int want_b_ok)
{
    char ra[48], rb[48];
    if (na > 32 || nb > 32) return;
    memcpy(ra, a, na);
    memcpy(rb, b, nb);
    memset(ra + na, '1', 16);   /* what follows a text must not matter */
    memset(rb + nb, '.', 16);
    uint64_t v;
    unsigned ok = soc_ipv4_parse2_avx2(ra, na, rb, nb, &v);
    const char *t[2] = {a, b};
    size_t n[2] = {na, nb};
    for (int i = 0; i < 2; i++) {
        uint32_t s4;
        int sok = n[i] >= 7 && n[i] <= 15 && soc_ipv4_parse_ssse3(t[i], n[i], &s4);
        if ((ok >> i & 1) != (unsigned)sok) {
            fprintf(stderr, "AVX2 pair form half %d differs from the SSSE3 form on \"%.*s\": %u vs %d\n", i, (int)n[i],
                    t[i], ok >> i & 1, sok);
            CHECK(0);
            continue;
        }
        if (!sok) continue;
        kn_ip x, y;
        memset(&x, 0, sizeof x);
        memset(&y, 0, sizeof y);
        soc_ip_store_v4(&y, s4);
        soc_ip_store_v4_bytes(&x, (uint32_t)(v >> (32 * i)));
        CHECK(memcmp(&x, &y, sizeof x) == 0);
        if (i == 1) CHECK(want_b_ok && memcmp(&x, want_b, sizeof x) == 0);
    }
    pairs2++;
}
static int have_pair_form_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt");
}
static int have_pair_form(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi2") && __builtin_cpu_supports("bmi2") &&
           __builtin_cpu_supports("popcnt");
}
#endif

/* both forms against the oracle on text[0..n) */
static void one(const char *text, size_t n)
{
    char *own = malloc(n ? n : 1);
    memcpy(own, text, n);
    kn_ip want;
    memset(&want, 0, sizeof want);
    int want_ok = n > 0 && kn_ip_parse(&want, own, (long)n) == 0;
    for (int scalar = 0; scalar < 2; scalar++) {
        soc_ipv4_force_scalar(scalar);
        kn_ip got;
        memset(&got, 0, sizeof got);
        int ok = soc_str_ip(soc_s(own, n), &got) == 0;
        if (ok != want_ok || (ok && memcmp(&got, &want, sizeof got) != 0)) {
            fprintf(stderr, "%s form differs from kn_ip_parse on \"%.*s\": %d vs %d\n", scalar ? "scalar" : "ssse3",
                    (int)n, own, ok, want_ok);
            CHECK(0);
        } else {
            t_pass++;
        }
    }
    soc_ipv4_force_scalar(0);
#if defined(PAIR_FORM)
    /* paired with the text before it, both in allocations of their own
     * size (the masked loads must stay inside them) */
    static char prev[32];
    static size_t prevn;
    if (have_pair_form()) {
        char *pv = malloc(prevn ? prevn : 1);
        memcpy(pv, prev, prevn);
        pair_check(pv, prevn, own, n, &want, want_ok);
        free(pv);
    }
    if (have_pair_form_avx2()) pair_check_avx2(prev, prevn, own, n, &want, want_ok);
    if (n <= sizeof prev) { memcpy(prev, own, n); prevn = n; }
#endif
    checked++;
    accepted += want_ok;
    free(own);
}

static void edge_parts(void)
{
    static const char *parts[] = {"0", "1", "9", "10", "99", "100", "199", "249", "250", "255", "256",
                                  "299", "999", "00", "01", "010", "001", "1000", "", "1a", "-1", " 1"};
    size_t np = sizeof parts / sizeof parts[0];
    char b[64];
    for (size_t a = 0; a < np; a++)
        for (size_t c = 0; c < np; c++)
            for (int pos = 0; pos < 4; pos++)
                for (int other = 0; other < 3; other++) {
                    /* part a at pos, part c at (pos+1)%4, the rest a fixed value */
                    static const char *fill[] = {"7", "42", "203"};
                    const char *p[4] = {fill[other], fill[other], fill[other], fill[other]};
                    p[pos] = parts[a];
                    p[(pos + 1) % 4] = parts[c];
                    int n = snprintf(b, sizeof b, "%s.%s.%s.%s", p[0], p[1], p[2], p[3]);
                    one(b, (size_t)n);
                }
}

static void random_addresses(void)
{
    char b[64];
    for (int i = 0; i < 200000; i++) {
        int n = snprintf(b, sizeof b, "%u.%u.%u.%u", (unsigned)(rnd() % 256), (unsigned)(rnd() % 256),
                         (unsigned)(rnd() % 256), (unsigned)(rnd() % 256));
        one(b, (size_t)n);
        /* corrupt one byte, drop one, or add one */
        static const char pool[] = "0123456789..:aF \x80-";
        char c[64];
        memcpy(c, b, (size_t)n);
        size_t at = rnd() % (size_t)n;
        switch (rnd() % 3) {
        case 0: c[at] = pool[rnd() % (sizeof pool - 1)]; one(c, (size_t)n); break;
        case 1: memmove(c + at, c + at + 1, (size_t)n - at - 1); one(c, (size_t)n - 1); break;
        default: memmove(c + at + 1, c + at, (size_t)n - at); c[at] = pool[rnd() % (sizeof pool - 1)]; one(c, (size_t)n + 1); break;
        }
    }
}

static void lengths_and_others(void)
{
    /* every length 0..20 of digit/dot soup, and the non-v4 forms */
    char b[32];
    for (int i = 0; i < 100000; i++) {
        size_t n = rnd() % 21;
        for (size_t k = 0; k < n; k++) b[k] = "0123456789.."[rnd() % 12];
        one(b, n);
    }
    static const char *fixed[] = {"::1", "2001:db8::1", "::ffff:10.0.0.1", "1.2.3.4", "255.255.255.255",
                                  "0.0.0.0", "1.2.3", "1.2.3.4.5", "1..2.3", ".1.2.3", "1.2.3.", "a.b.c.d"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) one(fixed[i], strlen(fixed[i]));
    CHECK(accepted > 200000);   /* the random addresses were mostly valid */
    printf("%ld texts checked, %ld addresses, %ld pairs in the AVX-512 form, %ld in the AVX2 form\n", checked, accepted,
           pairs, pairs2);
}

/* soc_host_is_ip against its definition, written here with kn_ip_parse
 * only: an address, "[v6]" (optionally with ":port"), or "v4:port". */
static int host_is_ip_ref(const char *h, size_t n)
{
    kn_ip ip;
    if (n == 0) return 0;
    if (kn_ip_parse(&ip, h, (long)n) == 0) return 1;
    if (h[0] == '[') {
        const char *rb = memchr(h, ']', n);
        return rb && rb > h + 1 && kn_ip_parse(&ip, h + 1, (long)(rb - h - 1)) == 0;
    }
    const char *c = memchr(h, ':', n);
    if (c && !memchr(c + 1, ':', n - (size_t)(c - h) - 1)) return c > h && kn_ip_parse(&ip, h, (long)(c - h)) == 0;
    return 0;
}

static void host_is_ip_matches_definition(void)
{
    static const char *hosts[] = {"api.example.org", "cdn.example.net", "10.1.2.3", "10.1.2.3:8080", "[::1]",
                                  "[2001:db8::1]:443", "::1", "dead:beef::1", "beef", "cafe.example", "1.2.3.4.",
                                  "face", "a.b.c.d", "1.2.3.4:", "[::1", "12.0.0.1:80:81", "fe80::1", "add", "0"};
    char b[64];
    int n_hosts = (int)(sizeof hosts / sizeof hosts[0]);
    for (int i = 0; i < 100000; i++) {
        const char *h;
        size_t n;
        if (i < n_hosts) {
            h = hosts[i];
            n = strlen(h);
        } else {
            /* random text from the characters that matter */
            n = 1 + rnd() % 20;
            for (size_t k = 0; k < n; k++) b[k] = "0123456789abcdefxyz.:[]"[rnd() % 23];
            h = b;
        }
        char *own = malloc(n);
        memcpy(own, h, n);
        int got = soc_host_is_ip(soc_s(own, n)), want = host_is_ip_ref(own, n);
        if (got != want) fprintf(stderr, "soc_host_is_ip(\"%.*s\") = %d, definition says %d\n", (int)n, own, got, want);
        CHECK(got == want);
        free(own);
    }
}

/* soc_str_icontains (16 positions at a time where the text is long
 * enough) against the obvious byte loop, on random texts over a small
 * alphabet (so matches are frequent), with needles of 1 to 6 bytes taken
 * from the text or random, at every length around the 16- and 17-byte
 * block edges. */
static int lc(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }
static const char *icontains_ref(const char *h, size_t hn, const char *nd, size_t n)
{
    for (size_t i = 0; i + n <= hn; i++) {
        size_t k = 0;
        while (k < n && lc((unsigned char)h[i + k]) == lc((unsigned char)nd[k])) k++;
        if (k == n) return h + i;
    }
    return NULL;
}

static void icontains_matches_reference(void)
{
    static const char alpha[] = "aAbB_-@`[{0\x80\xc1";
    char nd[8];
    for (int it = 0; it < 300000; it++) {
        size_t hn = rnd() % 70;
        char *h = malloc(hn ? hn : 1);
        for (size_t k = 0; k < hn; k++) h[k] = alpha[rnd() % (sizeof alpha - 1)];
        size_t n = 1 + rnd() % 6;
        if (hn >= n && rnd() % 2) {
            size_t at = rnd() % (hn - n + 1);
            for (size_t k = 0; k < n; k++) nd[k] = (char)(rnd() % 2 ? lc((unsigned char)h[at + k]) : h[at + k]);
        } else {
            for (size_t k = 0; k < n; k++) nd[k] = alpha[rnd() % (sizeof alpha - 1)];
        }
        nd[n] = 0;
        const char *got = soc_str_icontains_n(soc_s(h, hn), nd, n), *want = icontains_ref(h, hn, nd, n);
        if (got != want) fprintf(stderr, "icontains differs: hay %zu bytes, needle %zu bytes: %td vs %td\n", hn, n,
                                 got ? got - h : -1, want ? want - h : -1);
        CHECK(got == want);
        free(h);
    }
}

TEST_MAIN(edge_parts, random_addresses, lengths_and_others, host_is_ip_matches_definition, icontains_matches_reference)
