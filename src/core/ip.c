/* ip.c: address parsing and formatting (via libc's inet_pton/inet_ntop),
 * masks, and the prefix trie behind kn_cidrset. */
#include "core/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v4mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};

void kn_ip_from_v4(kn_ip *ip, const uint8_t be[4])
{
    memset(ip, 0, sizeof *ip);
    memcpy(ip->b, v4mapped, 12);
    memcpy(ip->b + 12, be, 4);
    ip->family = 4;
}

void kn_ip_from_v4u32(kn_ip *ip, uint32_t v)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    kn_ip_from_v4(ip, be);
}

void kn_ip_from_v6(kn_ip *ip, const uint8_t be[16])
{
    memset(ip, 0, sizeof *ip);
    memcpy(ip->b, be, 16);
    ip->family = 6;
}

int kn_ip_parse(kn_ip *ip, const char *s, long len)
{
    char tmp[64];
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    if (n == 0 || n >= sizeof tmp) return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    /* tolerate [v6] brackets as in URLs and Zeek/EVE fields */
    char *p = tmp;
    if (p[0] == '[' && p[n - 1] == ']') { p[n - 1] = 0; p++; }
    uint8_t b[16];
    if (inet_pton(AF_INET, p, b) == 1) { kn_ip_from_v4(ip, b); return 0; }
    if (inet_pton(AF_INET6, p, b) == 1) { kn_ip_from_v6(ip, b); return 0; }
    return -1;
}

char *kn_ip_format(const kn_ip *ip, char *buf)
{
    if (ip->family == 4) {
        snprintf(buf, KN_IP_STRLEN, "%u.%u.%u.%u", ip->b[12], ip->b[13], ip->b[14], ip->b[15]);
    } else if (ip->family == 6) {
        if (!inet_ntop(AF_INET6, ip->b, buf, KN_IP_STRLEN)) strcpy(buf, "?");
    } else {
        strcpy(buf, "-");
    }
    return buf;
}

int kn_ip_cmp(const kn_ip *a, const kn_ip *b)
{
    int c = memcmp(a->b, b->b, 16);
    if (c) return c;
    return (int)a->family - (int)b->family;
}

static unsigned abs_bits(const kn_ip *ip, unsigned bits)
{
    unsigned width = ip->family == 4 ? 32 : 128;
    if (bits > width) bits = width;
    return ip->family == 4 ? bits + 96 : bits;
}

void kn_ip_mask(kn_ip *ip, unsigned bits)
{
    unsigned a = abs_bits(ip, bits);
    for (unsigned i = 0; i < 16; i++) {
        unsigned lo = i * 8;
        if (a >= lo + 8) continue;
        if (a <= lo) ip->b[i] = 0;
        else ip->b[i] &= (uint8_t)(0xff << (8 - (a - lo)));
    }
}

int kn_cidr_parse(kn_cidr *c, const char *s, long len)
{
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    while (n && (*s == ' ' || *s == '\t')) { s++; n--; }
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
    const char *slash = memchr(s, '/', n);
    size_t iplen = slash ? (size_t)(slash - s) : n;
    memset(c, 0, sizeof *c);
    if (kn_ip_parse(&c->ip, s, (long)iplen) != 0) return -1;
    unsigned width = c->ip.family == 4 ? 32 : 128;
    unsigned bits = width;
    if (slash) {
        const char *p = slash + 1, *end = s + n;
        if (p == end || end - p > 3) return -1;
        bits = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9') return -1;
            bits = bits * 10 + (unsigned)(*p - '0');
        }
        if (bits > width) return -1;
    }
    c->bits = (uint8_t)bits;
    kn_ip_mask(&c->ip, bits);
    return 0;
}

char *kn_cidr_format(const kn_cidr *c, char *buf)
{
    char ipb[KN_IP_STRLEN];
    snprintf(buf, KN_IP_STRLEN + 4, "%s/%u", kn_ip_format(&c->ip, ipb), c->bits);
    return buf;
}

int kn_cidr_contains(const kn_cidr *c, const kn_ip *ip)
{
    if (c->ip.family != ip->family) return 0;
    kn_ip m = *ip;
    kn_ip_mask(&m, c->bits);
    return memcmp(m.b, c->ip.b, 16) == 0;
}

/* ---- prefix trie ---------------------------------------------------------- */

typedef struct node {
    int32_t child[2];   /* index into nodes, 0 = none (node 0 is the root) */
    int64_t value;
    uint8_t has_value;
    uint8_t family;
    uint8_t bits;       /* family-relative length, for kn_cidr match output */
} node;

struct kn_cidrset {
    node *nodes;
    size_t n, cap, count;
};

kn_cidrset *kn_cidrset_new(void)
{
    kn_cidrset *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->cap = 64;
    s->nodes = calloc(s->cap, sizeof(node));
    if (!s->nodes) { free(s); return NULL; }
    s->n = 1;
    return s;
}

void kn_cidrset_free(kn_cidrset *s)
{
    if (!s) return;
    free(s->nodes);
    free(s);
}

static inline int bit_at(const uint8_t *b, unsigned i) { return (b[i >> 3] >> (7 - (i & 7))) & 1; }

int kn_cidrset_add(kn_cidrset *s, const kn_cidr *c, int64_t value)
{
    unsigned a = abs_bits(&c->ip, c->bits);
    size_t cur = 0;
    for (unsigned i = 0; i < a; i++) {
        int bit = bit_at(c->ip.b, i);
        if (!s->nodes[cur].child[bit]) {
            if (s->n == s->cap) {
                node *nn = realloc(s->nodes, s->cap * 2 * sizeof(node));
                if (!nn) return -1;
                memset(nn + s->cap, 0, s->cap * sizeof(node));
                s->nodes = nn;
                s->cap *= 2;
            }
            s->nodes[cur].child[bit] = (int32_t)s->n++;
        }
        cur = (size_t)s->nodes[cur].child[bit];
    }
    if (!s->nodes[cur].has_value) s->count++;
    s->nodes[cur].has_value = 1;
    s->nodes[cur].value = value;
    s->nodes[cur].family = c->ip.family;
    s->nodes[cur].bits = c->bits;
    return 0;
}

int kn_cidrset_add_list(kn_cidrset *s, const char *list, int64_t value, const char **bad)
{
    int added = 0;
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n) {
            kn_cidr c;
            if (kn_cidr_parse(&c, p, (long)n) != 0) { if (bad) *bad = p; return -1; }
            if (kn_cidrset_add(s, &c, value) != 0) { if (bad) *bad = p; return -1; }
            added++;
        }
        p += n;
        if (*p == ',') p++;
    }
    return added;
}

int kn_cidrset_lookup(const kn_cidrset *s, const kn_ip *ip, int64_t *value, kn_cidr *match)
{
    if (!s || !ip->family) return 0;
    const unsigned width = 128;
    size_t cur = 0, best = 0;
    int found = 0;
    /* v4 prefixes live under the ::ffff: path (96 bits deep); a v6 lookup
     * may not match a v4-only node and vice versa, hence the family check */
    for (unsigned i = 0;; i++) {
        const node *nd = &s->nodes[cur];
        if (nd->has_value && (nd->family == ip->family)) { best = cur; found = 1; }
        if (i == width) break;
        int32_t ch = nd->child[bit_at(ip->b, i)];
        if (!ch) break;
        cur = (size_t)ch;
    }
    if (!found) return 0;
    if (value) *value = s->nodes[best].value;
    if (match) {
        memset(match, 0, sizeof *match);
        match->ip = *ip;
        match->bits = s->nodes[best].bits;
        kn_ip_mask(&match->ip, match->bits);
    }
    return 1;
}

size_t kn_cidrset_count(const kn_cidrset *s) { return s->count; }
