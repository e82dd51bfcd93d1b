/* logstr.c: what the soc log inputs share besides JSON scanning: soc_str
 * comparisons and searches, address parsing from log text, URL decoding,
 * the event initialiser and bad-line reporting (declared in logs.h). Kept
 * apart from jscan.c so the scanner and these per-field helpers can be
 * tuned independently. */
#include <stddef.h>
#include <stdlib.h>

#include "soc/logs.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

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

const char *soc_str_icontains_n(soc_str hay, const char *needle, size_t n)
{
    if (n == 0) return hay.p;
    if (hay.n < n) return NULL;
    unsigned char f0 = lower[(unsigned char)needle[0]];
    for (size_t i = 0; i + n <= hay.n; i++) {
        if (lower[(unsigned char)hay.p[i]] != f0) continue;
        size_t k = 1;
        while (k < n && lower[(unsigned char)hay.p[i + k]] == lower[(unsigned char)needle[k]]) k++;
        if (k == n) return hay.p + i;
    }
    return NULL;
}

int soc_str_ip(soc_str s, kn_ip *ip)
{
    if (s.n == 0 || s.n >= KN_IP_STRLEN) return -1;
    /* dotted quads are most addresses in logs: parse them here (inet_pton
     * through kn_ip_parse showed at 3% of EVE ingest), others in core. One
     * straight pass of at most three digits a part: the former per-byte
     * state machine was 14% of Zeek http.log instructions (callgrind).
     * Anything unusual (leading zeros, > 255, other bytes) goes to
     * kn_ip_parse, which decides as before. */
    if (s.n >= 7 && s.n <= 15) {
        /* copied into a zeroed buffer with slack so each part is read without
         * a bounds check per byte (the NUL stops every test); the checked
         * walk was 170 instructions an address (callgrind) */
        unsigned char b[20] = {0};
        memcpy(b, s.p, s.n);
        const unsigned char *p = b;
        uint32_t v = 0;
        int k = 0;
        for (; k < 4; k++) {
            unsigned d0 = (unsigned)p[0] - '0', d1 = (unsigned)p[1] - '0', part;
            if (d0 > 9) break;
            if (d1 > 9) {
                part = d0;
                p += 1;
            } else {
                unsigned d2 = (unsigned)p[2] - '0';
                if (d0 == 0) break;                     /* leading zero: kn_ip_parse decides */
                if (d2 > 9) {
                    part = d0 * 10 + d1;
                    p += 2;
                } else {
                    part = d0 * 100 + d1 * 10 + d2;
                    if (part > 255) break;
                    p += 3;
                }
            }
            v = v << 8 | part;
            if (k < 3) {
                if (*p != '.') break;
                p++;
            }
        }
        if (k == 4 && p == b + s.n) { kn_ip_from_v4u32(ip, v); return 0; }
    }
    /* Host names (HTTP Host, SNI) are asked about per event: text with a
     * byte inet_pton never accepts (anything but hex digits, '.', ':' and
     * kn_ip_parse's [ ] brackets) is no address, without the copy and the
     * two inet_pton calls (4% of http.log instructions, callgrind). */
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (!((c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') || c == '.' || c == ':' ||
              c == '[' || c == ']'))
            return -1;
    }
    return kn_ip_parse(ip, s.p, (long)s.n);
}

int soc_host_is_ip(soc_str host)
{
    if (host.n == 0) return 0;
    /* asked for every HTTP event's Host: names that cannot start an
     * address leave here */
    unsigned char c0 = (unsigned char)host.p[0];
    if (!((c0 >= '0' && c0 <= '9') || ((c0 | 0x20) >= 'a' && (c0 | 0x20) <= 'f') || c0 == ':' || c0 == '['))
        return 0;
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
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
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
    memset(ev, 0, offsetof(soc_event, smtp.attach));
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

int soc_is_internal(const soc_ctx *ctx, const kn_ip *ip)
{
    if (ip->family == 0) return 0;
    if (ctx->opt.home_net) {
        int64_t v;
        return kn_cidrset_lookup(ctx->opt.home_net, ip, &v, NULL);
    }
    return kn_ip_is_private(ip);
}

void soc_bad_line(soc_ctx *ctx, const char *file, uint64_t offset, uint64_t line, const char *what)
{
    kn_warn(&ctx->warn, file, (int64_t)offset, "line %llu: %s", (unsigned long long)line, what);
}
