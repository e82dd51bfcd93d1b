/* dns.c: one DNS message (RFC 1035) into a soc_event: the first question,
 * the rcode, and A/AAAA/CNAME answers. Name decompression follows at most
 * 32 pointers and only backwards, so hostile loops end. */
#include <stdio.h>

#include "soc/logs.h"
#include "soc/proto.h"

static int read_name(const uint8_t *p, size_t n, size_t *off, char *out, size_t cap, size_t *outn)
{
    size_t o = *off, w = 0;
    int jumps = 0, jumped = 0;
    for (;;) {
        if (o >= n) return -1;
        uint8_t l = p[o];
        if (l == 0) { o++; break; }
        if ((l & 0xc0) == 0xc0) {
            if (o + 1 >= n || ++jumps > 32) return -1;
            size_t target = (size_t)((l & 0x3f) << 8 | p[o + 1]);
            if (target >= o) return -1;     /* only backwards: no loops */
            if (!jumped) *off = o + 2;
            jumped = 1;
            o = target;
            continue;
        }
        if (l & 0xc0) return -1;
        if (o + 1 + l > n) return -1;
        if (w && w < cap) out[w++] = '.';
        for (size_t i = 0; i < l && w < cap; i++) out[w++] = (char)p[o + 1 + i];
        o += 1 + l;
    }
    if (!jumped) *off = o;
    *outn = w;
    return 0;
}

static const char *qtype_name(int t)
{
    switch (t) {
    case 1: return "A"; case 2: return "NS"; case 5: return "CNAME"; case 6: return "SOA"; case 12: return "PTR";
    case 15: return "MX"; case 16: return "TXT"; case 28: return "AAAA"; case 33: return "SRV"; case 255: return "ANY";
    default: return NULL;
    }
}

int soc_dns_parse(const uint8_t *p, size_t n, soc_event *ev, kn_buf *sc)
{
    if (n < 12) return -1;
    unsigned flags = (unsigned)(p[2] << 8 | p[3]);
    unsigned qd = (unsigned)(p[4] << 8 | p[5]), an = (unsigned)(p[6] << 8 | p[7]);
    if (qd == 0 || qd > 16) return -1;
    kn_buf_reserve(sc, 1024 + n);
    size_t off = 12, nn;
    char *name = sc->data + sc->len;
    if (read_name(p, n, &off, name, 255, &nn) < 0 || off + 4 > n) return -1;
    ev->dns.query = soc_s(name, nn);
    sc->len += nn;
    ev->dns.qtype = p[off] << 8 | p[off + 1];
    const char *tn = qtype_name(ev->dns.qtype);
    if (tn) ev->dns.qtype_name = soc_cs(tn);
    off += 4;
    ev->dns.is_response = (flags & 0x8000) != 0;
    if (!ev->dns.is_response) return 0;
    ev->dns.rcode = (int)(flags & 0xf);
    static const char *const rc[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};
    if (ev->dns.rcode < 6) ev->dns.rcode_name = soc_cs(rc[ev->dns.rcode]);
    for (unsigned q = 1; q < qd; q++) {
        char tmp[256];
        if (read_name(p, n, &off, tmp, sizeof tmp, &nn) < 0 || off + 4 > n) return -1;
        off += 4;
    }
    char *ans = sc->data + sc->len;
    size_t w = 0;
    for (unsigned a = 0; a < an && a < 64; a++) {
        char tmp[256];
        if (read_name(p, n, &off, tmp, sizeof tmp, &nn) < 0 || off + 10 > n) break;
        int type = p[off] << 8 | p[off + 1];
        size_t rdlen = (size_t)(p[off + 8] << 8 | p[off + 9]);
        off += 10;
        if (off + rdlen > n) break;
        char txt[256];
        size_t tl = 0;
        if (type == 1 && rdlen == 4) {
            tl = (size_t)snprintf(txt, sizeof txt, "%u.%u.%u.%u", p[off], p[off + 1], p[off + 2], p[off + 3]);
        } else if (type == 28 && rdlen == 16) {
            kn_ip ip;
            kn_ip_from_v6(&ip, p + off);
            kn_ip_format(&ip, txt);
            tl = strlen(txt);
        } else if (type == 5) {
            size_t o2 = off;
            if (read_name(p, n, &o2, txt, sizeof txt - 1, &tl) < 0) tl = 0;
        }
        off += rdlen;
        if (!tl || w + tl + 1 > 512) continue;
        if (w) ans[w++] = ',';
        memcpy(ans + w, txt, tl);
        w += tl;
    }
    ev->dns.answers = soc_s(ans, w);
    sc->len += w;
    sc->data[sc->len] = 0;
    return 0;
}
