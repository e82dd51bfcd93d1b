/* pcap_input.c: the packet capture input (pcap in both byte orders, with
 * microsecond or nanosecond stamps, and pcapng), read with libpcap's
 * offline reader.
 *
 * libpcap reads from a FILE*. Plain files are opened directly (stdio reads
 * large blocks); compressed files and stdin are decompressed by kn_reader
 * and handed to libpcap through fopencookie, since libpcap cannot read
 * gzip or xz itself.
 *
 * Fast path: classic pcap in a plain (uncompressed, seekable) file is read
 * by our own record walker over an mmap of the file instead of libpcap,
 * because libpcap measured as the bottleneck. On a 1.4 GB, 13.8 M packet
 * capture in page cache (2-core VM): read + decode with no analyzer took
 * 1.0-1.4 s of CPU with libpcap's pcap_next_ex over stdio (perf: half of it
 * in fread/memcpy and the kernel's copy into the stdio buffer) against
 * 0.5-0.7 s with the walker; with DDoS detection, bench/soc_packets.sh
 * measured 1.83 s (libpcap, 7.5 Mpps, as slow as tcpdump -w /dev/null)
 * against 1.11 s (walker, 12.4 Mpps). The bench reruns the comparison with
 * KENSA_PCAP_READER=libpcap. pcapng, compressed input and stdin keep
 * libpcap. The walker enforces libpcap's own record checks (captured length
 * within the 262144-byte maximum and within the file).
 *
 * UDP payloads that look like flow exports (NetFlow v5/v9, IPFIX, sFlow;
 * recognised by content, on any port) are decoded with the context's
 * flowexp decoder. The flows it carried are returned first, one per next()
 * call from a small queue, each stamped with its own end time (clamped
 * between the previous flow and the datagram, so DDoS windows see flows in
 * the second they ended); then the datagram's own packet (it is traffic
 * too), ordered at its last flow's stamp so that a burst of datagrams sent
 * at one instant does not move data time past the seconds they describe. */
#define _GNU_SOURCE
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "soc/decode.h"
#include "soc/flowexp.h"
#include "soc/soc.h"

struct soc_input {
    soc_ctx *ctx;
    kn_reader *r;
    FILE *fp;
    pcap_t *pc;
    int linktype;
    int is_ng;
    const char *file;
    uint64_t offset;          /* of the next record (classic pcap only) */
    uint64_t frames;
    soc_flow_vec q;           /* flows decoded from the last export datagram */
    size_t qpos;
    kn_time qts, last_ts;
    soc_pkt held_pkt;         /* the export datagram's own packet, returned after its flows */
    int have_held;
    /* mmap walker (classic pcap in a plain file) */
    kn_map map;
    int mapped, swapped, nanos;
    uint64_t pos, released;
    uint64_t prefetched;        /* map offset up to which lines were prefetched */
    uint64_t populated;         /* map offset up to which pages were populated */
    int warned_link;
};

static int pcap_probe(const uint8_t *h, size_t n)
{
    if (n < 4) return 0;
    uint32_t m = (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
    switch (m) {
    case 0xa1b2c3d4: case 0xd4c3b2a1:   /* microseconds, both byte orders */
    case 0xa1b23c4d: case 0x4d3cb2a1:   /* nanoseconds */
    case 0x0a0d0d0a:                    /* pcapng section header block */
        return 100;
    }
    return 0;
}

static ssize_t cookie_read(void *cookie, char *buf, size_t size)
{
    kn_reader *r = cookie;
    size_t got = 0;
    kn_err e;
    kn_err_clear(&e);
    if (kn_reader_read(r, buf, size, &got, &e) != KN_OK) {
        kn_err_print(&e);
        return -1;
    }
    return (ssize_t)got;
}

static inline uint32_t rd32(const uint8_t *p, int swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* Maps a classic pcap file. KN_OK, or an error in e (bad header), or
 * KN_ERR_UNSUPPORTED with e cleared to fall back to libpcap. */
static kn_status open_mapped(soc_input *in, const char *path, kn_err *e)
{
    kn_err le;
    kn_err_clear(&le);
    if (kn_map_open(&in->map, path, 0, 0, &le) != KN_OK) return KN_ERR_UNSUPPORTED;
    const uint8_t *d = in->map.data;
    if (in->map.size < 24) {
        kn_map_close(&in->map);
        return kn_err_set(e, KN_ERR_TRUNCATED, path, 0, "pcap file header cut short (%zu bytes)", in->map.size);
    }
    uint32_t magic;
    memcpy(&magic, d, 4);
    switch (magic) {
    case 0xa1b2c3d4: break;
    case 0xd4c3b2a1: in->swapped = 1; break;
    case 0xa1b23c4d: in->nanos = 1; break;
    case 0x4d3cb2a1: in->swapped = in->nanos = 1; break;
    default: kn_map_close(&in->map); return KN_ERR_UNSUPPORTED;
    }
    uint16_t major;
    memcpy(&major, d + 4, 2);
    if (in->swapped) major = __builtin_bswap16(major);
    if (major != 2) {
        kn_map_close(&in->map);
        return kn_err_set(e, KN_ERR_FORMAT, path, 4, "pcap version %u is not 2", major);
    }
    uint32_t lt = rd32(d + 20, in->swapped);
    in->linktype = (int)(lt & 0x03ffffff);   /* high bits: FCS length flags */
    if (in->linktype == 12 || in->linktype == 14) in->linktype = SOC_LINK_RAW;
    in->mapped = 1;
    in->pos = 24;
    madvise((void *)in->map.data, in->map.size, MADV_SEQUENTIAL);
    return KN_OK;
}

/* Next record from the map: 1 with h/data filled, 0 at the end (a cut or
 * corrupt record is warned about and ends the input, as with libpcap), -1
 * when the file shrank while mapped (the map reads zeros past its new end,
 * core/input.h: the caller reports it). */
#define PREFETCH_AHEAD 8192
#define POPULATE_WINDOW (8u << 20)
static int next_mapped(soc_input *in, struct pcap_pkthdr *h, const uint8_t **data)
{
    const uint8_t *d = in->map.data;
    uint64_t size = in->map.size;
    if (in->pos == size) return kn_map_truncated(&in->map, NULL) ? -1 : 0;   /* a cut in the last page faults not */
    if (size - in->pos < 16) {
        kn_warn(&in->ctx->warn, in->file, (int64_t)in->pos, "truncated dump file; record header cut short; rest of the capture skipped after %llu packets",
                (unsigned long long)in->frames);
        return 0;
    }
    const uint8_t *r = d + in->pos;
    uint32_t caplen = rd32(r + 8, in->swapped);
    /* A header read past a cut is zeros (the guard's zero pages, or the
     * rest of the page the file was cut in, which faults not): a record
     * with no lengths, which no capture writes, asks whether the file
     * shrank (the guard's flag, else fstat). Cheaper than a flag check a
     * record: caplen is in a register already. */
    if (__builtin_expect(caplen == 0, 0) && rd32(r + 12, 0) == 0 && kn_map_truncated(&in->map, NULL)) return -1;
    if (caplen > 262144) {
        kn_warn(&in->ctx->warn, in->file, (int64_t)in->pos,
                "invalid packet capture length %u, bigger than the maximum of 262144; rest of the capture skipped after %llu packets",
                caplen, (unsigned long long)in->frames);
        return 0;
    }
    if (size - in->pos - 16 < caplen) {
        kn_warn(&in->ctx->warn, in->file, (int64_t)in->pos,
                "truncated dump file; tried to read %u captured bytes, only got %llu; rest of the capture skipped after %llu packets",
                caplen, (unsigned long long)(size - in->pos - 16), (unsigned long long)in->frames);
        return 0;
    }
    h->ts.tv_sec = rd32(r, in->swapped);
    uint32_t frac = rd32(r + 4, in->swapped);
    h->ts.tv_usec = in->nanos ? frac : frac * 1000;
    h->caplen = caplen;
    h->len = rd32(r + 12, in->swapped);
    *data = r + 16;
    in->pos += 16 + (uint64_t)caplen;
#ifdef MADV_POPULATE_READ
    /* Map the next window's pages in one call instead of one fault per 64
     * KiB of the map (perf: page-fault handling was ~5% of `soc flows
     * --top`); kernels without it ignore the call. */
    if (in->pos >= in->populated && in->populated < size) {
        uint64_t from = in->populated & ~(uint64_t)4095, len = POPULATE_WINDOW;
        if (from + len > size) len = size - from;
        madvise((uint8_t *)d + from, len, MADV_POPULATE_READ);
        in->populated = from + len;
    }
#endif
    /* Keep the next few KiB on their way into the cache: the hardware
     * prefetcher stops at every 4 KiB page of the map, and the first read of
     * each export datagram's records was then a cache miss (perf: the top
     * line of decode_record in `soc flows --top`). */
    uint64_t want = in->pos + PREFETCH_AHEAD < size ? in->pos + PREFETCH_AHEAD : size;
    if (in->prefetched < in->pos) in->prefetched = in->pos & ~(uint64_t)63;
    for (; in->prefetched < want; in->prefetched += 64) __builtin_prefetch(d + in->prefetched);
    /* Release what was read, 64 MiB at a time: a capture larger than RAM is
     * then streamed instead of held in the process (and in its RSS). The
     * previous record's data is still in use by the caller, so the release
     * stays a record behind (aligned down to the page). */
    if (in->pos - in->released > (64u << 20) && !in->have_held) {
        uint64_t upto = (in->pos - 16 - caplen) & ~(uint64_t)4095;
        if (upto > in->released) {
            madvise((uint8_t *)d + in->released, upto - in->released, MADV_DONTNEED);
            in->released = upto;
        }
    }
    return 1;
}

static kn_status pcap_open_input(soc_ctx *ctx, kn_reader *r, soc_input **out, kn_err *e)
{
    const char *path = kn_reader_path(r);
    soc_input *in = calloc(1, sizeof *in);
    if (!in) return kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory");
    in->ctx = ctx;
    in->r = r;
    in->file = path;
    const uint8_t *head;
    size_t hn;
    if (kn_reader_peek(r, 4, &head, &hn, e) != KN_OK) { free(in); return e->status; }
    in->is_ng = hn >= 4 && head[0] == 0x0a && head[1] == 0x0d && head[2] == 0x0d && head[3] == 0x0a;
    const char *force = getenv("KENSA_PCAP_READER");
    if (!in->is_ng && kn_reader_compression(r) == KN_COMP_NONE && strcmp(path, "-") != 0 &&
        !(force && strcmp(force, "libpcap") == 0) && open_mapped(in, path, e) == KN_OK) {
        *out = in;
        return KN_OK;
    }
    if (e->status) { free(in); return e->status; }
    if (kn_reader_compression(r) == KN_COMP_NONE && strcmp(path, "-") != 0) in->fp = fopen(path, "rb");
    if (!in->fp) {
        cookie_io_functions_t io = {.read = cookie_read};
        in->fp = fopencookie(r, "r", io);
        if (!in->fp) { free(in); return kn_err_set(e, KN_ERR_NOMEM, path, KN_NO_OFFSET, "out of memory"); }
        setvbuf(in->fp, NULL, _IOFBF, 1 << 20);
    }
    /* one reader per FILE: skip stdio's per-call locking on the hot path */
    __fsetlocking(in->fp, FSETLOCKING_BYCALLER);
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = 0;
    in->pc = pcap_fopen_offline_with_tstamp_precision(in->fp, PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (!in->pc) {
        fclose(in->fp);
        free(in);
        return kn_err_set(e, KN_ERR_FORMAT, path, 0, "%s", errbuf[0] ? errbuf : "cannot read capture header");
    }
    in->linktype = pcap_datalink(in->pc);
    if (in->linktype == 12 || in->linktype == 14) in->linktype = SOC_LINK_RAW;
    in->offset = in->is_ng ? UINT64_MAX : 24;
    *out = in;
    return KN_OK;
}

static int pcap_next_record(soc_input *in, soc_record *rec, kn_err *e)
{
    if (in->qpos < in->q.n) {
        rec->kind = SOC_REC_FLOW;
        rec->u.flow = in->q.v[in->qpos++];
        /* Exporters stamp in whole milliseconds (v5/v9: uptime), so a flow
         * ending just before a second boundary can read X.000; a millisecond
         * earlier keeps it in the second it belongs to. */
        kn_time ts = rec->u.flow.end - 1000000;
        if (ts > in->qts) ts = in->qts;
        if (ts < in->last_ts) ts = in->last_ts;
        rec->ts = in->last_ts = ts;   /* the datagram packets do not raise this floor: several
                                        * datagrams sent together describe the same seconds */
        return 1;
    }
    in->q.n = in->qpos = 0;
    if (in->have_held) {
        in->have_held = 0;
        rec->kind = SOC_REC_PACKET;
        rec->ts = in->last_ts;   /* keeps data time with the flows; pkt.ts is the true stamp */
        rec->u.pkt = in->held_pkt;
        return 1;
    }
    struct pcap_pkthdr *h, mh;
    const u_char *data;
    if (in->mapped) {
        int got = next_mapped(in, &mh, &data);
        if (got < 0) {
            uint64_t at = 0;
            kn_map_truncated(&in->map, &at);
            kn_err_set(e, KN_ERR_IO, in->file, (int64_t)at,
                       "file shrank while being read (truncated by another process?); the rest was not read after %llu packets",
                       (unsigned long long)in->frames);
            return -1;
        }
        if (!got) return 0;
        h = &mh;
    } else {
    int rc = pcap_next_ex(in->pc, &h, &data);
    if (rc == PCAP_ERROR_BREAK) return 0;
    if (rc != 1) {
        /* A cut or corrupt record: libpcap cannot resynchronise, so the rest
         * of this input is skipped with a warning; what was read counts. */
        kn_warn(&in->ctx->warn, in->file, in->offset == UINT64_MAX ? KN_NO_OFFSET : (int64_t)in->offset,
                "%s; rest of the capture skipped after %llu packets", pcap_geterr(in->pc),
                (unsigned long long)in->frames);
        return 0;
    }
    }
    in->frames++;
    soc_pkt *p = &rec->u.pkt;
    kn_time ts = (kn_time)(uint32_t)h->ts.tv_sec * KN_NS_PER_SEC + h->ts.tv_usec;
    rec->kind = SOC_REC_PACKET;
    rec->ts = ts;
    p->ts = ts;
    p->wire_len = h->len;
    p->sample_rate = 1;
    p->file = in->file;
    p->offset = in->offset;
    if (in->offset != UINT64_MAX) in->offset += 16 + (uint64_t)h->caplen;
    soc_decode_result dr = soc_decode_frame(in->linktype, data, h->caplen, p);
    if (dr == SOC_DEC_IP) {
        if (p->proto == 17 && p->frag == 0 && p->payload_len >= 16 &&
            soc_flowexp_probe(p->payload, p->payload_len) != SOC_FX_NONE) {
            struct soc_flowexp *fx = soc_ctx_flowexp(in->ctx);
            if (fx) {
                in->qts = ts;
                soc_flowexp_datagram_into(fx, &p->src, ts, p->payload, p->payload_len, in->file, p->offset, &in->q);
                /* flows first, then this packet (also when it carried only
                 * templates: it is stamped with the flows' time either way) */
                in->held_pkt = *p;
                in->have_held = 1;
                if (!in->last_ts) in->last_ts = ts;
                return pcap_next_record(in, rec, e);
            }
        }
    } else if (dr == SOC_DEC_BAD) {
        kn_warn(&in->ctx->warn, in->file, p->offset == UINT64_MAX ? KN_NO_OFFSET : (int64_t)p->offset,
                "packet %llu: malformed IP header", (unsigned long long)in->frames);
    } else if (dr == SOC_DEC_LINK && !in->warned_link) {
        in->warned_link = 1;
        kn_warn(&in->ctx->warn, in->file, 0, "link type %d not decoded; packets counted only", in->linktype);
    }
    (void)e;
    return 1;
}

static void pcap_close_input(soc_input *in)
{
    if (!in) return;
    if (in->mapped) kn_map_close(&in->map);
    else pcap_close(in->pc);   /* closes fp */
    free(in->q.v);
    free(in);
}

const soc_input_ops soc_input_pcap = {
    .name = "pcap",
    .kind = "packets",
    .probe = pcap_probe,
    .open = pcap_open_input,
    .next = pcap_next_record,
    .close = pcap_close_input,
};
