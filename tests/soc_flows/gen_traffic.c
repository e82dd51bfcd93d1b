/* gen_traffic.c: synthetic traffic with known ground truth, for the soc
 * flow tests, the demo and the benchmarks.
 *
 * Writes a capture (pcap in either byte order, µs or ns, or pcapng; any of
 * the link types kensa decodes) holding background traffic plus attacks of
 * known vector, victim, start, duration and rate. With --export it writes
 * instead the flow export datagrams a router would send for that traffic
 * (NetFlow v5, NetFlow v9, IPFIX or sFlow v5, optionally sampled), wrapped
 * in UDP in a pcap, or sends them to a UDP socket (--send) for `kensa soc
 * listen` and nfcapd. --truth writes the attacks as NDJSON.
 *
 * Timing is exact: attack packets are evenly spaced at their rate from
 * their start, so the rate in every whole second is known. Everything is
 * deterministic for a given --seed. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- options ------------------------------------------------------------------- */

typedef struct attack {
    char vector[32];
    uint32_t victim;     /* host order */
    double start, dur, pps;
    uint32_t size;       /* IP bytes per packet */
    double next;
    uint64_t sent, ctr;
} attack;

#define MAX_ATTACKS 32

static struct {
    const char *out, *truth, *format, *link, *export_kind, *send;
    uint64_t seed;
    double duration, bg_pps, rnd_pps;
    int bg_hosts;
    uint64_t start;      /* epoch seconds */
    attack at[MAX_ATTACKS];
    int nat;
    uint32_t sample;     /* 1:N sampling for exports */
    int late_template;
    uint64_t max_packets;
    int corrupt;         /* write a cut final record */
} o;

static uint64_t rng_state;
static inline uint64_t rnd(void)
{
    uint64_t x = rng_state += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* ---- output -------------------------------------------------------------------- */

static FILE *out;
static char *obuf;
static size_t olen, ocap = 1 << 22;
static int swap, nanos, pcapng, linktype = 1;

static void flush_out(void)
{
    if (olen && fwrite(obuf, 1, olen, out) != olen) { perror("write"); exit(1); }
    olen = 0;
}
static void put(const void *p, size_t n)
{
    if (olen + n > ocap) flush_out();
    memcpy(obuf + olen, p, n);
    olen += n;
}
static uint32_t sw32(uint32_t v) { return swap ? __builtin_bswap32(v) : v; }
static uint16_t sw16(uint16_t v) { return swap ? __builtin_bswap16(v) : v; }
static void put32(uint32_t v) { v = sw32(v); put(&v, 4); }
static void put16(uint16_t v) { v = sw16(v); put(&v, 2); }

static void file_header(void)
{
    if (pcapng) {
        put32(0x0a0d0d0a); put32(28); put32(0x1a2b3c4d); put16(1); put16(0);
        uint64_t len = (uint64_t)-1; put(&len, 8); put32(28);
        /* IDB with if_tsresol = 9 (ns) */
        put32(1); put32(20 + 8 + 4); put16((uint16_t)linktype); put16(0); put32(262144);
        put16(9); put16(1); uint8_t r[4] = {9, 0, 0, 0}; put(r, 4);
        put16(0); put16(0);
        put32(20 + 8 + 4);
        return;
    }
    put32(nanos ? 0xa1b23c4d : 0xa1b2c3d4);
    put16(2); put16(4); put32(0); put32(0); put32(262144); put32((uint32_t)linktype);
}

static void write_record(uint64_t ts_ns, const uint8_t *frame, uint32_t caplen, uint32_t wirelen)
{
    if (pcapng) {
        uint32_t pad = (4 - caplen % 4) % 4, blen = 32 + caplen + pad;
        put32(6); put32(blen); put32(0); put32((uint32_t)(ts_ns >> 32)); put32((uint32_t)ts_ns);
        put32(caplen); put32(wirelen); put(frame, caplen);
        static const uint8_t z[4];
        put(z, pad); put32(blen);
        return;
    }
    put32((uint32_t)(ts_ns / 1000000000ull));
    put32((uint32_t)(nanos ? ts_ns % 1000000000ull : ts_ns % 1000000000ull / 1000));
    put32(caplen); put32(wirelen);
    put(frame, caplen);
}

/* ---- packets ------------------------------------------------------------------- */

static uint16_t csum(const uint8_t *p, int n)
{
    uint32_t s = 0;
    for (int i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static int link_header(uint8_t *f, uint16_t ethertype)
{
    static const uint8_t dmac[6] = {0x02, 0, 0, 0, 0, 1}, smac[6] = {0x02, 0, 0, 0, 0, 2};
    int n = 0;
    switch (linktype) {
    case 1:
        memcpy(f, dmac, 6); memcpy(f + 6, smac, 6); n = 12;
        if (o.link && strcmp(o.link, "qinq") == 0) { f[n] = 0x88; f[n + 1] = 0xa8; f[n + 2] = 0; f[n + 3] = 100; n += 4; }
        if (o.link && (strcmp(o.link, "vlan") == 0 || strcmp(o.link, "qinq") == 0)) {
            f[n] = 0x81; f[n + 1] = 0; f[n + 2] = 0; f[n + 3] = 42; n += 4;
        }
        f[n] = (uint8_t)(ethertype >> 8); f[n + 1] = (uint8_t)ethertype; n += 2;
        return n;
    case 113:   /* SLL */
        memset(f, 0, 16); f[1] = 0; f[3] = 1; f[5] = 6; memcpy(f + 6, smac, 6);
        f[14] = (uint8_t)(ethertype >> 8); f[15] = (uint8_t)ethertype;
        return 16;
    case 276:   /* SLL2 */
        memset(f, 0, 20); f[0] = (uint8_t)(ethertype >> 8); f[1] = (uint8_t)ethertype; f[7] = 2; f[9] = 1; f[11] = 6;
        memcpy(f + 12, smac, 6);
        return 20;
    default:    /* raw */
        return 0;
    }
}

/* Builds an IPv4 packet of ip_len bytes (at least the headers) into f after
 * the link header; returns the frame length. frag: 0 none, 2 later fragment. */
static uint32_t build(uint8_t *f, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport,
                      uint8_t flags, uint32_t ip_len, int frag, uint32_t *wire)
{
    int l = link_header(f, 0x0800);
    uint8_t *ip = f + l;
    uint32_t l4 = proto == 6 ? 20 : 8;
    if (ip_len < 20 + l4) ip_len = 20 + l4;
    memset(ip, 0, 20 + l4);
    ip[0] = 0x45; ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len;
    uint16_t id = (uint16_t)rnd(); ip[4] = (uint8_t)(id >> 8); ip[5] = (uint8_t)id;
    if (frag) { ip[6] = 0x00; ip[7] = 185; }   /* offset 1480 */
    ip[8] = 64; ip[9] = proto;
    uint32_t s = htonl(src), d = htonl(dst);
    memcpy(ip + 12, &s, 4); memcpy(ip + 16, &d, 4);
    uint16_t c = csum(ip, 20); ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
    uint8_t *t = ip + 20;
    if (!frag) {
        if (proto == 6) {
            t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport; t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
            uint32_t seq = (uint32_t)rnd(); memcpy(t + 4, &seq, 4);
            t[12] = 0x50; t[13] = flags; t[14] = 0xff; t[15] = 0xff;
        } else if (proto == 17) {
            t[0] = (uint8_t)(sport >> 8); t[1] = (uint8_t)sport; t[2] = (uint8_t)(dport >> 8); t[3] = (uint8_t)dport;
            uint16_t ul = (uint16_t)(ip_len - 20); t[4] = (uint8_t)(ul >> 8); t[5] = (uint8_t)ul;
        } else if (proto == 1) {
            t[0] = 8;
        }
    }
    /* capture at most 128 bytes of each packet: headers are what matter, and
     * snapped captures exercise wire vs captured lengths */
    uint32_t frame = (uint32_t)l + ip_len;
    if (linktype == 1 && frame < 60) frame = 60;
    *wire = frame;
    uint32_t cap = frame < 128 ? frame : 128;
    if ((uint32_t)l + 20 + l4 > cap) cap = (uint32_t)l + 20 + l4;
    memset(ip + 20 + l4, 0, cap - (uint32_t)l - 20 - l4);
    return cap;
}

/* ---- flow export ------------------------------------------------------------------ */

typedef struct fkey { uint32_t src, dst; uint16_t sport, dport; uint8_t proto, pad[3]; } fkey;
typedef struct fval { fkey k; uint64_t pkts, bytes; uint64_t first, last; uint8_t flags, used, pad[6]; } fval;
static fval *ftab;
static size_t fcap, fcount;
static int exp_kind;   /* 0 none, 5, 9, 10, 'S' */
static uint64_t cur_flush_sec;
static uint32_t exp_seq, pkt_counter;
static int sock_fd = -1;
static struct sockaddr_in send_to;
static uint64_t datagrams_sent, records_out;
static const uint32_t EXPORTER = 0xc0000201, COLLECTOR = 0xc00002fa;   /* 192.0.2.1 -> 192.0.2.250 */
static int template_sent;
static uint8_t held_dgram[1500];
static size_t held_len;
static uint64_t held_ts;

static void emit_datagram(uint64_t ts_ns, const uint8_t *d, size_t n)
{
    datagrams_sent++;
    if (sock_fd >= 0) {
        if (sendto(sock_fd, d, n, 0, (struct sockaddr *)&send_to, sizeof send_to) < 0) perror("sendto");
        if (datagrams_sent % 32 == 0) usleep(1000);  /* pace: receivers on loopback drop bursts */
        return;
    }
    uint8_t f[1600];
    int l = link_header(f, 0x0800);
    uint8_t *ip = f + l;
    uint32_t ip_len = 28 + (uint32_t)n;
    memset(ip, 0, 28);
    ip[0] = 0x45; ip[2] = (uint8_t)(ip_len >> 8); ip[3] = (uint8_t)ip_len; ip[8] = 64; ip[9] = 17;
    uint32_t s = htonl(EXPORTER), dd = htonl(COLLECTOR);
    memcpy(ip + 12, &s, 4); memcpy(ip + 16, &dd, 4);
    uint16_t c = csum(ip, 20); ip[10] = (uint8_t)(c >> 8); ip[11] = (uint8_t)c;
    uint16_t dport = exp_kind == 'S' ? 6343 : 2055;
    ip[20] = 0xc3; ip[21] = 0x50; ip[22] = (uint8_t)(dport >> 8); ip[23] = (uint8_t)dport;
    ip[24] = (uint8_t)((n + 8) >> 8); ip[25] = (uint8_t)(n + 8);
    memcpy(ip + 28, d, n);
    write_record(ts_ns, f, (uint32_t)l + ip_len, (uint32_t)l + ip_len);
}

static uint8_t *w16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; return p + 2; }
static uint8_t *w32(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; return p + 4; }
static uint8_t *w64(uint8_t *p, uint64_t v) { p = w32(p, (uint32_t)(v >> 32)); return w32(p, (uint32_t)v); }

/* v9/IPFIX data template: src dst sport dport proto flags tos in out pkts bytes first last */
static const uint16_t tmpl_f[][2] = {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 1}, {5, 1}, {10, 4}, {14, 4},
                                     {2, 8}, {1, 8}, {152, 8}, {153, 8}};
#define NTF (sizeof tmpl_f / sizeof tmpl_f[0])
#define REC_LEN (4 + 4 + 2 + 2 + 1 + 1 + 1 + 4 + 4 + 8 + 8 + 8 + 8)

static size_t header(uint8_t *d, uint64_t ts_ns, uint16_t count)
{
    uint8_t *p = d;
    uint32_t secs = (uint32_t)(ts_ns / 1000000000ull);
    exp_seq++;
    if (exp_kind == 9) {
        p = w16(p, 9); p = w16(p, count); p = w32(p, 100000); p = w32(p, secs); p = w32(p, exp_seq); p = w32(p, 7);
    } else {
        p = w16(p, 10); p = w16(p, 0); p = w32(p, secs); p = w32(p, exp_seq); p = w32(p, 7);
    }
    return (size_t)(p - d);
}

static void finish_len(uint8_t *d, size_t n)
{
    if (exp_kind == 10) { d[2] = (uint8_t)(n >> 8); d[3] = (uint8_t)n; }
}

static void send_templates(uint64_t ts_ns)
{
    uint8_t d[512], *p;
    size_t h = header(d, ts_ns, 2);
    p = d + h;
    /* data template 256 */
    uint8_t *set = p;
    p = w16(p, exp_kind == 9 ? 0 : 2); p += 2;
    p = w16(p, 256); p = w16(p, (uint16_t)NTF);
    for (size_t i = 0; i < NTF; i++) {
        uint16_t type = tmpl_f[i][0];
        if (exp_kind == 9 && type == 152) type = 22;   /* v9: FIRST/LAST_SWITCHED (ms uptime, 4 bytes) */
        if (exp_kind == 9 && type == 153) type = 21;
        p = w16(p, type);
        p = w16(p, (exp_kind == 9 && (type == 21 || type == 22)) ? 4 : tmpl_f[i][1]);
    }
    w16(set + 2, (uint16_t)(p - set));
    /* options template 257: sampling interval */
    set = p;
    if (exp_kind == 9) {
        p = w16(p, 1); p += 2; p = w16(p, 257); p = w16(p, 4); p = w16(p, 4);
        p = w16(p, 1); p = w16(p, 4);            /* scope: system */
        p = w16(p, 34); p = w16(p, 4);           /* SAMPLING_INTERVAL */
        p = w16(p, 0);                           /* pad to 4 */
    } else {
        p = w16(p, 3); p += 2; p = w16(p, 257); p = w16(p, 2); p = w16(p, 1);
        p = w16(p, 149); p = w16(p, 4);          /* scope: observationDomainId */
        p = w16(p, 34); p = w16(p, 4);           /* samplingInterval */
    }
    w16(set + 2, (uint16_t)(p - set));
    /* options data */
    set = p;
    p = w16(p, 257); p += 2; p = w32(p, 7); p = w32(p, o.sample);
    w16(set + 2, (uint16_t)(p - set));
    finish_len(d, (size_t)(p - d));
    emit_datagram(ts_ns, d, (size_t)(p - d));
    template_sent = 1;
}

static void flush_flows(uint64_t ts_ns)
{
    if (!fcount) return;
    if (exp_kind != 5 && (!template_sent || exp_seq % 64 == 0) && !o.late_template) send_templates(ts_ns);
    uint8_t d[1500];
    size_t n = 0;
    uint16_t cnt = 0;
    uint8_t *set = NULL;
    size_t maxrec = exp_kind == 5 ? 30 : (1400 - 20) / REC_LEN;
    uint32_t secs = (uint32_t)(ts_ns / 1000000000ull);
    for (size_t i = 0; i < fcap; i++) {
        fval *v = &ftab[i];
        if (!v->used) continue;
        if (cnt == 0) {
            if (exp_kind == 5) n = 24;
            else { n = header(d, ts_ns, 0); set = d + n; w16(set, 256); n += 4; }
        }
        uint8_t *p = d + n;
        uint64_t up_first = 100000 - (ts_ns - v->first) / 1000000, up_last = 100000 - (ts_ns - v->last) / 1000000;
        if (exp_kind == 5) {
            memset(p, 0, 48);
            w32(p, v->k.src); w32(p + 4, v->k.dst); w16(p + 12, 1); w16(p + 14, 2);
            w32(p + 16, (uint32_t)v->pkts); w32(p + 20, (uint32_t)v->bytes);
            w32(p + 24, (uint32_t)up_first); w32(p + 28, (uint32_t)up_last);
            w16(p + 32, v->k.sport); w16(p + 34, v->k.dport); p[37] = v->flags; p[38] = v->k.proto;
            p += 48;
        } else {
            p = w32(p, v->k.src); p = w32(p, v->k.dst); p = w16(p, v->k.sport); p = w16(p, v->k.dport);
            *p++ = v->k.proto; *p++ = v->flags; *p++ = 0; p = w32(p, 1); p = w32(p, 2);
            p = w64(p, v->pkts); p = w64(p, v->bytes);
            if (exp_kind == 9) { p = w32(p, (uint32_t)up_first); p = w32(p, (uint32_t)up_last); }
            else { p = w64(p, v->first / 1000000); p = w64(p, v->last / 1000000); }
        }
        n = (size_t)(p - d);
        cnt++;
        records_out++;
        v->used = 0;
        if (cnt == maxrec) goto send;
        continue;
    send:
        if (exp_kind == 5) {
            uint8_t *h = d;
            h = w16(h, 5); h = w16(h, cnt); h = w32(h, 100000); h = w32(h, secs); h = w32(h, 0); h = w32(h, exp_seq++);
            h[0] = 0; h[1] = 0; w16(h + 2, (uint16_t)(o.sample > 1 ? (0x4000 | (o.sample & 0x3fff)) : 0));
        } else {
            w16(set + 2, (uint16_t)(d + n - set));
            if (exp_kind == 9) w16(d + 2, cnt);
            finish_len(d, n);
        }
        if (o.late_template && !template_sent && !held_len) {
            /* hold the first data datagram and send it after the templates */
            memcpy(held_dgram, d, n); held_len = n; held_ts = ts_ns;
        } else {
            emit_datagram(ts_ns, d, n);
        }
        cnt = 0;
    }
    if (cnt) {
        if (exp_kind == 5) {
            uint8_t *h = d;
            h = w16(h, 5); h = w16(h, cnt); h = w32(h, 100000); h = w32(h, secs); h = w32(h, 0); h = w32(h, exp_seq++);
            h[0] = 0; h[1] = 0; w16(h + 2, (uint16_t)(o.sample > 1 ? (0x4000 | (o.sample & 0x3fff)) : 0));
        } else {
            w16(set + 2, (uint16_t)(d + n - set));
            if (exp_kind == 9) w16(d + 2, cnt);
            finish_len(d, n);
        }
        if (o.late_template && !template_sent && !held_len) { memcpy(held_dgram, d, n); held_len = n; held_ts = ts_ns; }
        else emit_datagram(ts_ns, d, n);
    }
    if (o.late_template && exp_kind != 5 && !template_sent && held_len) {
        emit_datagram(held_ts, held_dgram, held_len);   /* data first ... */
        send_templates(ts_ns);                            /* ... then its template */
    }
    fcount = 0;
}

static void flow_add(uint64_t ts, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport,
                     uint8_t flags, uint32_t ip_len)
{
    if (fcount * 2 >= fcap) {
        /* grow (rare: sized for the busiest second) */
        size_t nc = fcap ? fcap * 2 : 1 << 16;
        fval *nt = calloc(nc, sizeof *nt);
        if (!nt) { perror("calloc"); exit(1); }
        for (size_t i = 0; i < fcap; i++) {
            if (!ftab[i].used) continue;
            uint64_t h = ((uint64_t)ftab[i].k.src * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)ftab[i].k.dst << 17) ^
                         ((uint64_t)ftab[i].k.sport << 40) ^ ((uint64_t)ftab[i].k.dport << 3) ^ ftab[i].k.proto;
            h *= 0xff51afd7ed558ccdULL;
            size_t j = (h >> 20) & (nc - 1);
            while (nt[j].used) j = (j + 1) & (nc - 1);
            nt[j] = ftab[i];
        }
        free(ftab);
        ftab = nt;
        fcap = nc;
    }
    fkey k;
    memset(&k, 0, sizeof k);
    k.src = src; k.dst = dst; k.sport = sport; k.dport = dport; k.proto = proto;
    uint64_t h = ((uint64_t)src * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)dst << 17) ^ ((uint64_t)sport << 40) ^
                 ((uint64_t)dport << 3) ^ proto;
    h *= 0xff51afd7ed558ccdULL;
    size_t j = (h >> 20) & (fcap - 1);
    while (ftab[j].used && memcmp(&ftab[j].k, &k, sizeof k) != 0) j = (j + 1) & (fcap - 1);
    fval *v = &ftab[j];
    if (!v->used) { memset(v, 0, sizeof *v); v->k = k; v->used = 1; v->first = ts; fcount++; }
    v->pkts++;
    v->bytes += ip_len;
    v->last = ts;
    v->flags |= flags;
}

/* sFlow: batches of up to 8 flow samples with raw packet headers */
static uint8_t sf[1500];
static size_t sf_len;
static int sf_n;
static uint64_t sf_ts;

static void sflow_flush(void)
{
    if (!sf_n) return;
    w32(sf + 24, (uint32_t)sf_n);
    emit_datagram(sf_ts, sf, sf_len);
    sf_n = 0;
}

static void sflow_sample(uint64_t ts, const uint8_t *frame, uint32_t caplen, uint32_t wire)
{
    if (!sf_n) {
        uint8_t *p = sf;
        p = w32(p, 5); p = w32(p, 1); p = w32(p, EXPORTER); p = w32(p, 0); p = w32(p, ++exp_seq);
        p = w32(p, (uint32_t)(ts / 1000000)); p = w32(p, 0);
        sf_len = (size_t)(p - sf);
        sf_ts = ts;
    }
    uint32_t hl = caplen < 128 ? caplen : 128, hpad = (hl + 3) & ~3u;
    uint8_t *p = sf + sf_len;
    p = w32(p, 1); uint8_t *len = p; p += 4;
    p = w32(p, exp_seq); p = w32(p, 1); p = w32(p, o.sample); p = w32(p, pkt_counter); p = w32(p, 0);
    p = w32(p, 1); p = w32(p, 2); p = w32(p, 1);
    p = w32(p, 1); p = w32(p, 16 + hpad);
    p = w32(p, linktype == 1 ? 1 : 11); p = w32(p, wire); p = w32(p, 0); p = w32(p, hl);
    int l = (linktype == 1) ? 0 : 0;
    memcpy(p, frame + l, hl); memset(p + hl, 0, hpad - hl); p += hpad;
    w32(len, (uint32_t)(p - len - 4));
    sf_len = (size_t)(p - sf);
    if (++sf_n == 8 || sf_len > 1200) sflow_flush();
}

/* ---- traffic ---------------------------------------------------------------------- */

static uint16_t amp_port(const char *v)
{
    static const struct { const char *n; uint16_t p; } t[] = {
        {"dns", 53}, {"ntp", 123}, {"cldap", 389}, {"ssdp", 1900}, {"memcached", 11211}, {"chargen", 19},
        {"snmp", 161}, {"ike", 500}, {"wsd", 3702}, {"ard", 3283}, {"dvr", 37810}, {"ubiquiti", 10001},
        {"bacnet", 47808}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) if (strcmp(v, t[i].n) == 0) return t[i].p;
    return 0;
}

static uint64_t packets_out;
/* Sampling counts packets per stream (each attack, the background, the
 * random flood), like a router sampling each interface: one global counter
 * over interleaved, evenly spaced streams would alias badly. */
static uint64_t *stream_ctr, bg_ctr, rnd_ctr;

static void packet(uint64_t ts, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport, uint16_t dport,
                   uint8_t flags, uint32_t ip_len, int frag)
{
    packets_out++;
    if (exp_kind && exp_kind != 'S') {
        uint64_t sec = ts / 1000000000ull;
        if (sec != cur_flush_sec) { if (cur_flush_sec) flush_flows(sec * 1000000000ull); cur_flush_sec = sec; }
        ++pkt_counter;
        if (o.sample > 1 && (++*stream_ctr % o.sample) != 0) return;
        flow_add(ts, src, dst, proto, sport, dport, flags, ip_len);
        return;
    }
    uint8_t f[256];
    uint32_t wire;
    uint32_t cap = build(f, src, dst, proto, sport, dport, flags, ip_len, frag, &wire);
    if (exp_kind == 'S') {
        ++pkt_counter;
        if (o.sample > 1 && ++*stream_ctr % o.sample != 0) return;
        sflow_sample(ts, f, cap, wire);
        return;
    }
    write_record(ts, f, cap, wire);
}

static void attack_packet(attack *a, uint64_t ts)
{
    uint32_t src = (uint32_t)rnd() | 0x01000000u;
    if ((src >> 24) == 10 || (src >> 24) >= 224 || (src >> 24) == 127) src ^= 0x40000000u;
    uint16_t ap = amp_port(a->vector);
    uint32_t victim = a->victim;
    if (strcmp(a->vector, "carpet") == 0) victim = (a->victim & 0xffffff00u) | (uint32_t)(rnd() & 0xff);
    if (ap) packet(ts, src, victim, 17, ap == 500 && (a->sent & 1) ? 4500 : ap, (uint16_t)(1024 + rnd() % 60000), 0, a->size ? a->size : 468, 0);
    else if (!strcmp(a->vector, "syn")) packet(ts, src, victim, 6, (uint16_t)(1024 + rnd() % 60000), 80, 0x02, 40, 0);
    else if (!strcmp(a->vector, "ack")) packet(ts, src, victim, 6, (uint16_t)(1024 + rnd() % 60000), 443, 0x10, 40, 0);
    else if (!strcmp(a->vector, "rst")) packet(ts, src, victim, 6, (uint16_t)(1024 + rnd() % 60000), 443, 0x04, 40, 0);
    else if (!strcmp(a->vector, "synack")) packet(ts, src, victim, 6, rnd() & 1 ? 80 : 443, (uint16_t)(1024 + rnd() % 60000), 0x12, 44, 0);
    else if (!strcmp(a->vector, "icmp")) packet(ts, src, victim, 1, 0, 0, 0, a->size ? a->size : 84, 0);
    else if (!strcmp(a->vector, "frag")) packet(ts, src, victim, 17, 0, 0, 0, a->size ? a->size : 1500, 2);
    else /* udp, carpet */ packet(ts, src, victim, 17, (uint16_t)(1024 + rnd() % 60000), (uint16_t)(1 + rnd() % 65000), 0, a->size ? a->size : 512, 0);
    a->sent++;
}

static const char *vector_name(const char *v)
{
    static char b[48];
    if (amp_port(v)) { snprintf(b, sizeof b, "%s_amplification", v); return b; }
    if (!strcmp(v, "syn")) return "syn_flood";
    if (!strcmp(v, "ack")) return "ack_flood";
    if (!strcmp(v, "rst")) return "rst_flood";
    if (!strcmp(v, "synack")) return "synack_reflection";
    if (!strcmp(v, "icmp")) return "icmp_flood";
    if (!strcmp(v, "frag")) return "ip_fragment_flood";
    return "udp_flood";
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_traffic [options] OUT.pcap\n"
            "  --seed N --start EPOCH --duration S --bg-pps N --bg-hosts N --random-dst-pps N\n"
            "  --attack VECTOR:VICTIM:START:DUR:PPS[:IPBYTES]   (repeatable; VECTOR: syn ack rst synack udp\n"
            "          icmp frag carpet dns ntp cldap ssdp memcached chargen snmp ike wsd ard dvr ubiquiti bacnet)\n"
            "  --format pcap|pcap-ns|pcap-swapped|pcapng   --link ether|vlan|qinq|sll|sll2|raw\n"
            "  --export nf5|nf9|ipfix|sflow --sample N --late-template --send HOST:PORT\n"
            "  --max-packets N --truth FILE --corrupt\n");
    exit(2);
}

int main(int argc, char **argv)
{
    o.seed = 1; o.duration = 30; o.bg_pps = 200; o.bg_hosts = 50; o.start = 1700000000; o.sample = 1;
    o.format = "pcap";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
#define ARG() (i + 1 < argc ? argv[++i] : (usage(), ""))
        if (!strcmp(a, "--seed")) o.seed = strtoull(ARG(), 0, 0);
        else if (!strcmp(a, "--start")) o.start = strtoull(ARG(), 0, 0);
        else if (!strcmp(a, "--duration")) o.duration = atof(ARG());
        else if (!strcmp(a, "--bg-pps")) o.bg_pps = atof(ARG());
        else if (!strcmp(a, "--bg-hosts")) o.bg_hosts = atoi(ARG());
        else if (!strcmp(a, "--random-dst-pps")) o.rnd_pps = atof(ARG());
        else if (!strcmp(a, "--format")) o.format = ARG();
        else if (!strcmp(a, "--link")) o.link = ARG();
        else if (!strcmp(a, "--export")) o.export_kind = ARG();
        else if (!strcmp(a, "--sample")) o.sample = (uint32_t)atoi(ARG());
        else if (!strcmp(a, "--late-template")) o.late_template = 1;
        else if (!strcmp(a, "--send")) o.send = ARG();
        else if (!strcmp(a, "--truth")) o.truth = ARG();
        else if (!strcmp(a, "--max-packets")) o.max_packets = strtoull(ARG(), 0, 0);
        else if (!strcmp(a, "--corrupt")) o.corrupt = 1;
        else if (!strcmp(a, "--attack")) {
            if (o.nat == MAX_ATTACKS) usage();
            attack *t = &o.at[o.nat++];
            char ip[64];
            unsigned size = 0;
            if (sscanf(ARG(), "%31[^:]:%63[^:]:%lf:%lf:%lf:%u", t->vector, ip, &t->start, &t->dur, &t->pps, &size) < 5) usage();
            struct in_addr in;
            if (inet_pton(AF_INET, ip, &in) != 1) usage();
            t->victim = ntohl(in.s_addr);
            t->size = size;
            t->next = t->start;
        } else if (a[0] == '-' && a[1]) usage();
        else o.out = a;
    }
    if (!o.out) usage();
    rng_state = o.seed;
    swap = !strcmp(o.format, "pcap-swapped");
    nanos = !strcmp(o.format, "pcap-ns");
    pcapng = !strcmp(o.format, "pcapng");
    if (o.link) {
        if (!strcmp(o.link, "sll")) linktype = 113;
        else if (!strcmp(o.link, "sll2")) linktype = 276;
        else if (!strcmp(o.link, "raw")) linktype = 101;
    }
    if (o.export_kind) {
        if (!strcmp(o.export_kind, "nf5")) exp_kind = 5;
        else if (!strcmp(o.export_kind, "nf9")) exp_kind = 9;
        else if (!strcmp(o.export_kind, "ipfix")) exp_kind = 10;
        else if (!strcmp(o.export_kind, "sflow")) exp_kind = 'S';
        else usage();
    }
    if (o.sample < 1) o.sample = 1;
    obuf = malloc(ocap);
    if (o.send) {
        char host[64];
        int port;
        if (sscanf(o.send, "%63[^:]:%d", host, &port) != 2) usage();
        sock_fd = socket(AF_INET, SOCK_DGRAM, 0);
        memset(&send_to, 0, sizeof send_to);
        send_to.sin_family = AF_INET;
        send_to.sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, host, &send_to.sin_addr);
        out = NULL;
    } else {
        out = strcmp(o.out, "-") == 0 ? stdout : fopen(o.out, "wb");
        if (!out) { perror(o.out); return 1; }
        file_header();
    }
    /* streams: background, random-destination flood, attacks; merged by time */
    double bg_next = o.bg_pps > 0 ? 0 : 1e18, rnd_next = o.rnd_pps > 0 ? 0 : 1e18;
    uint64_t bg_n = 0, rnd_n = 0;
    uint64_t base = o.start * 1000000000ull;
    for (;;) {
        double t = bg_next;
        int which = -1;
        if (rnd_next < t) { t = rnd_next; which = -2; }
        for (int i = 0; i < o.nat; i++)
            if (o.at[i].next < o.at[i].start + o.at[i].dur && o.at[i].next < t) { t = o.at[i].next; which = i; }
        if (t >= o.duration) break;
        if (o.max_packets && packets_out >= o.max_packets) break;
        uint64_t ts = base + (uint64_t)(t * 1e9);
        if (which >= 0) {
            attack *a = &o.at[which];
            stream_ctr = &a->ctr;
            attack_packet(a, ts);
            a->next = a->start + (double)a->sent / a->pps;
        } else if (which == -2) {
            stream_ctr = &rnd_ctr;
            uint32_t dst = (uint32_t)rnd();
            packet(ts, 0xcb007100u | (uint32_t)(rnd() & 0xff), dst, 17, 40000, 53, 0, 60, 0);
            rnd_n++;
            rnd_next = (double)rnd_n / o.rnd_pps;
        } else {
            stream_ctr = &bg_ctr;
            /* background: clients outside talk to servers in 10.1.0.0/16 */
            uint32_t srv = 0x0a010000u | (uint32_t)(1 + rnd() % (uint64_t)o.bg_hosts);
            uint32_t cli = 0xc6336400u | (uint32_t)(rnd() & 0xff);   /* 198.51.100.x */
            uint64_t r = rnd();
            if (r % 4 == 0) packet(ts, cli, srv, 17, (uint16_t)(30000 + r % 1000), 53, 0, 70, 0);
            else if (r % 4 == 1) packet(ts, srv, cli, 6, 443, (uint16_t)(30000 + r % 1000), 0x18, 1400, 0);
            else packet(ts, cli, srv, 6, (uint16_t)(30000 + r % 1000), 443, 0x10, 52, 0);
            bg_n++;
            bg_next = (double)bg_n / o.bg_pps;
        }
    }
    if (exp_kind == 'S') sflow_flush();
    else if (exp_kind) flush_flows((o.start + (uint64_t)o.duration + 1) * 1000000000ull);
    if (out) {
        if (o.corrupt) {   /* a record header promising more bytes than follow */
            put32((uint32_t)(o.start + (uint64_t)o.duration)); put32(0); put32(200); put32(200);
            put("\x01\x02\x03", 3);
        }
        flush_out();
        if (out != stdout) fclose(out);
    }
    if (o.truth) {
        FILE *t = fopen(o.truth, "w");
        if (!t) { perror(o.truth); return 1; }
        for (int i = 0; i < o.nat; i++) {
            attack *a = &o.at[i];
            struct in_addr in = {htonl(a->victim)};
            char ip[32];
            inet_ntop(AF_INET, &in, ip, sizeof ip);
            fprintf(t, "{\"vector\":\"%s\",\"victim\":\"%s\",\"start\":%.3f,\"end\":%.3f,\"pps\":%.1f,\"packets\":%llu}\n",
                    vector_name(a->vector), ip, (double)o.start + a->start, (double)o.start + a->start + a->dur, a->pps,
                    (unsigned long long)a->sent);
        }
        fclose(t);
    }
    fprintf(stderr, "gen_traffic: %llu packets, %llu datagrams, %llu flow records\n", (unsigned long long)packets_out,
            (unsigned long long)datagrams_sent, (unsigned long long)records_out);
    return 0;
}
