/* Fuzz target: the eve log input (probe, open, every record through every
 * analyzer, close), then the in-place parse against the line reader on
 * the same bytes. Plain input in memory is parsed where it lies, each
 * object's line end checked after (trusting jscan_newlines to have seen
 * any line break inside it); the same bytes gzip-compressed go through
 * kn_reader_line instead. Both must yield the same records (a digest of
 * every field the detectors read) and the same number of warnings, else
 * the target aborts. */
#include <stdlib.h>
#include <zlib.h>

#include "log_input_fuzz.h"

extern const soc_input_ops soc_input_eve;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static uint64_t mix_str(uint64_t h, soc_str s)
{
    h = mix(h, &s.n, sizeof s.n);
    return s.n ? mix(h, s.p, s.n) : h;
}

static uint64_t mix_ip(uint64_t h, const kn_ip *ip)
{
    h = mix(h, ip->b, sizeof ip->b);
    return mix(h, &ip->family, 1);
}

static uint64_t record_digest(uint64_t h, const soc_record *rec)
{
    const soc_event *ev = soc_record_event(rec);
    h = mix(h, &rec->kind, sizeof rec->kind);
    h = mix(h, &rec->ts, sizeof rec->ts);
    if (!ev) return h;
    int64_t nums[] = {ev->kind, (int64_t)ev->line, ev->ts, ev->sport, ev->dport, ev->proto, ev->http.status,
                      ev->http.req_body_len, ev->http.resp_body_len, ev->dns.is_response, ev->alert.signature_id,
                      ev->alert.severity, ev->fileinfo.size, (int64_t)ev->conn.orig_bytes, (int64_t)ev->conn.resp_bytes,
                      (int64_t)ev->conn.orig_pkts, (int64_t)ev->conn.resp_pkts, ev->smtp.n_attach};
    h = mix(h, nums, sizeof nums);
    h = mix(h, &ev->conn.duration, sizeof ev->conn.duration);
    h = mix_ip(h, &ev->src);
    h = mix_ip(h, &ev->dst);
    const soc_str strs[] = {ev->http.method, ev->http.host, ev->http.uri, ev->http.user_agent, ev->http.referrer,
                            ev->http.version, ev->http.req_content_type, ev->http.resp_content_type, ev->http.req_body,
                            ev->http.resp_body, ev->http.authorization, ev->http.cookie, ev->dns.query,
                            ev->dns.qtype_name, ev->dns.rcode_name, ev->dns.answers, ev->tls.sni, ev->tls.version,
                            ev->tls.ja3, ev->alert.signature, ev->alert.category, ev->alert.action,
                            ev->fileinfo.name, ev->fileinfo.mime_type, ev->fileinfo.magic, ev->fileinfo.sha256,
                            ev->conn.state, ev->smtp.helo, ev->smtp.mail_from, ev->smtp.rcpt_to, ev->smtp.subject,
                            ev->smtp.from, ev->smtp.to};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++) h = mix_str(h, strs[i]);
    for (int i = 0; i < ev->smtp.n_attach && i < SOC_MAX_ATTACH; i++) h = mix_str(h, ev->smtp.attach[i].name);
    const soc_flow *fl = soc_record_flow(rec);
    if (fl) {
        int64_t f[] = {fl->start, fl->end, fl->sport, fl->dport, fl->proto, (int64_t)fl->packets, (int64_t)fl->bytes,
                       (int64_t)fl->offset};
        h = mix(h, f, sizeof f);
        h = mix_ip(h, &fl->src);
        h = mix_ip(h, &fl->dst);
    }
    return h;
}

/* every record of the eve input over data[0..n): digest, count, warnings */
static void read_all(soc_ctx *ctx, const void *data, size_t n, uint64_t *digest, uint64_t *records, uint64_t *warnings)
{
    uint64_t w0 = ctx->warn.count;
    *digest = 0xcbf29ce484222325ull;
    *records = 0;
    kn_reader *r;
    kn_err e;
    kn_err_clear(&e);
    if (kn_reader_open_mem(&r, data, n, "fuzz", &e) == KN_OK) {
        soc_input *in;
        if (soc_input_eve.open(ctx, r, &in, &e) == KN_OK) {
            soc_record rec;
            while (*records < 100000 && soc_input_eve.next(in, &rec, &e) == 1) {
                *digest = record_digest(*digest, &rec);
                ++*records;
            }
            soc_input_eve.close(in);
        }
        kn_reader_close(r);
    }
    *warnings = ctx->warn.count - w0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_log_input(&soc_input_eve, data, size);

    /* the differential needs plain text (compressed input has no in-place
     * path to compare) and room for the gzip copy */
    if (size == 0 || size > (1u << 20) || kn_detect_compression(data, size) != KN_COMP_NONE) return 0;
    static soc_ctx ctx;
    static int ready;
    if (!fuzz_ctx_once(&ctx, &ready)) return 0;
    size_t cap = size + size / 100 + 64;
    unsigned char *gz = malloc(cap);
    if (!gz) return 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) { free(gz); return 0; }
    zs.next_in = (unsigned char *)(uintptr_t)data;
    zs.avail_in = (uInt)size;
    zs.next_out = gz;
    zs.avail_out = (uInt)cap;
    int zr = deflate(&zs, Z_FINISH);
    size_t gz_n = cap - zs.avail_out;
    deflateEnd(&zs);
    if (zr != Z_STREAM_END) { free(gz); return 0; }

    uint64_t d1, n1, w1, d2, n2, w2;
    read_all(&ctx, data, size, &d1, &n1, &w1);
    read_all(&ctx, gz, gz_n, &d2, &n2, &w2);
    free(gz);
    if (d1 != d2 || n1 != n2 || w1 != w2) abort();
    return 0;
}
