/* honeypot.c: Elasticsearch honeypot events in elastichoney's JSON shape,
 * one object a line (or a JSON array of them):
 *
 *   {"@timestamp", "source": client IP, "method", "url": "host:port/path?q",
 *    "payload": request body, "headers": {"host","user_agent","content_type"},
 *    "honeypot": sensor IP (often redacted), "type": "attack"|"recon", ...}
 *
 * Each event is one SOC_EV_HTTP request. The server port comes from the
 * url's or Host header's authority, else 9200 (the port the honeypot
 * emulates). The url's authority part is split off into http.host. */
#include <stdlib.h>

#include "soc/logs.h"

typedef struct honey_in {
    soc_ctx *ctx;
    kn_reader *r;
    const char *file;
    kn_buf scratch;
    int array;
    kn_buf whole;
    jscan arr;
    const char *line_mark;
    uint64_t lineno;
} honey_in;

static int honey_probe(const uint8_t *h, size_t n)
{
    size_t lim = n < 8192 ? n : 8192, i = 0;
    while (i < lim && (h[i] == ' ' || h[i] == '\n' || h[i] == '\r' || h[i] == '\t' || h[i] == '[')) i++;
    if (i >= lim || h[i] != '{') return 0;
    int ts = 0, method = 0, url = 0, extra = 0;
    for (size_t k = i; k < lim; k++) {
        if (h[k] != '"') continue;
        if (k + 12 <= lim && memcmp(h + k, "\"@timestamp\"", 12) == 0) ts = 1;
        else if (k + 8 <= lim && memcmp(h + k, "\"method\"", 8) == 0) method = 1;
        else if (k + 5 <= lim && memcmp(h + k, "\"url\"", 5) == 0) url = 1;
        else if (k + 9 <= lim && (memcmp(h + k, "\"payload\"", 9) == 0 || memcmp(h + k, "\"headers\"", 9) == 0)) extra = 1;
    }
    return ts && method && url && extra ? 85 : 0;
}

static kn_status honey_open(soc_ctx *ctx, kn_reader *r, soc_input **out, kn_err *e)
{
    honey_in *in = calloc(1, sizeof *in);
    if (!in) return kn_err_set(e, KN_ERR_NOMEM, kn_reader_path(r), KN_NO_OFFSET, "out of memory");
    in->ctx = ctx;
    in->r = r;
    in->file = kn_reader_path(r);
    const uint8_t *h;
    size_t n;
    if (kn_reader_peek(r, 256, &h, &n, e) != KN_OK) { free(in); return e->status; }
    size_t i = 0;
    while (i < n && (h[i] == ' ' || h[i] == '\n' || h[i] == '\r' || h[i] == '\t')) i++;
    if (i < n && h[i] == '[') {
        in->array = 1;
        if (jscan_load_array(r, &in->whole, &in->arr, e) != KN_OK) { free(in); return e->status; }
        in->line_mark = in->whole.data;
        in->lineno = 1;
    }
    *out = (soc_input *)in;
    return KN_OK;
}

static uint16_t authority_port(soc_str a)
{
    const char *c = a.n ? memchr(a.p, ':', a.n) : NULL;
    if (!c) return 0;
    int64_t p = soc_str_int(soc_s(c + 1, a.n - (size_t)(c + 1 - a.p)));
    return p > 0 && p < 65536 ? (uint16_t)p : 0;
}

static int honey_parse(honey_in *in, const char *s, size_t n, uint64_t line, soc_event *ev, const char **why)
{
    kn_buf *sc = &in->scratch;
    kn_buf_reset(sc);
    kn_buf_reserve(sc, n + 64);
    soc_event_init(ev, SOC_EV_HTTP, "honeypot", in->file, line);
    ev->proto = 6;
    jscan o;
    jtok k, v;
    soc_str ts = {0, 0}, src = {0, 0}, url = {0, 0}, hostport = {0, 0}, sensor = {0, 0};
    if (jscan_object(&o, s, n) < 0) { *why = "not a JSON object"; return -1; }
    int r;
    while ((r = jscan_next_fast(&o, &k, &v)) == 1) {
        if (JKEY(&k, "@timestamp")) ts = jtok_str(&v, sc);
        else if (JKEY(&k, "source")) src = jtok_str(&v, sc);
        else if (JKEY(&k, "method")) ev->http.method = jtok_str(&v, sc);
        else if (JKEY(&k, "url")) url = jtok_str(&v, sc);
        else if (JKEY(&k, "payload")) ev->http.req_body = jtok_str(&v, sc);
        else if (JKEY(&k, "honeypot")) sensor = jtok_str(&v, sc);
        else if (JKEY(&k, "headers") && v.type == JT_OBJ) {
            jscan h;
            jtok hk, hv;
            if (jscan_object(&h, v.s, v.n) < 0) continue;
            while (jscan_next(&h, &hk, &hv) == 1) {
                if (JKEY(&hk, "host")) hostport = jtok_str(&hv, sc);
                else if (JKEY(&hk, "user_agent")) ev->http.user_agent = jtok_str(&hv, sc);
                else if (JKEY(&hk, "content_type")) ev->http.req_content_type = jtok_str(&hv, sc);
                else if (JKEY(&hk, "authorization")) ev->http.authorization = jtok_str(&hv, sc);
            }
        }
    }
    if (r < 0) { *why = "malformed JSON"; return -1; }
    if (!jscan_at_end(&o)) { *why = "trailing characters after the JSON object"; return -1; }
    if (!ts.n || kn_time_parse(&ev->ts, ts.p, (long)ts.n) != 0) { *why = "missing or invalid @timestamp"; return -1; }
    if (soc_str_ip(src, &ev->src) != 0) { *why = "missing or invalid source address"; return -1; }
    if (!url.n) { *why = "no url"; return -1; }
    if (soc_str_ip(sensor, &ev->dst) != 0) memset(&ev->dst, 0, sizeof ev->dst);
    /* url: "host:port/path?query" or "/path?query" */
    soc_str authority = {0, 0};
    if (url.p[0] != '/') {
        const char *slash = memchr(url.p, '/', url.n);
        size_t an = slash ? (size_t)(slash - url.p) : url.n;
        authority = soc_s(url.p, an);
        url = slash ? soc_s(slash, url.n - an) : soc_cs("/");
    }
    ev->http.uri = url;
    ev->http.host = hostport.n ? hostport : authority;
    ev->dport = authority_port(authority);
    if (!ev->dport) ev->dport = authority_port(hostport);
    if (!ev->dport) ev->dport = 9200;
    ev->http.req_body_len = (int64_t)ev->http.req_body.n;
    return 0;
}

static int honey_next(soc_input *self, soc_record *rec, kn_err *e)
{
    honey_in *in = (honey_in *)self;
    for (;;) {
        const char *s, *why = NULL;
        size_t n;
        uint64_t line, off;
        if (in->array) {
            jtok item;
            int r = jscan_next_item(&in->arr, &item);
            if (r == 0) return 0;
            if (r < 0) {
                soc_bad_line(in->ctx, in->file, (uint64_t)(in->arr.err_at - in->whole.data), in->lineno,
                             "malformed JSON array; rest of input skipped");
                return 0;
            }
            for (const char *q = in->line_mark; q < item.s; q++) in->lineno += *q == '\n';
            in->line_mark = item.s;
            s = item.s;
            n = item.n;
            line = in->lineno;
            off = (uint64_t)(item.s - in->whole.data);
        } else {
            int trunc;
            off = kn_reader_offset(in->r);
            int r = kn_reader_line(in->r, &s, &n, &trunc, e);
            if (r <= 0) return r;
            line = kn_reader_lineno(in->r);
            if (trunc) { soc_bad_line(in->ctx, in->file, off, line, "line longer than 16 MiB skipped"); continue; }
            if (n == 0) continue;
        }
        if (honey_parse(in, s, n, line, &rec->u.ev, &why) == 0) {
            rec->kind = SOC_REC_EVENT;
            rec->ts = rec->u.ev.ts;
            return 1;
        }
        soc_bad_line(in->ctx, in->file, off, line, why);
    }
}

static void honey_close(soc_input *self)
{
    honey_in *in = (honey_in *)self;
    kn_buf_free(&in->scratch);
    kn_buf_free(&in->whole);
    free(in);
}

const soc_input_ops soc_input_honeypot = {"honeypot", "logs", honey_probe, honey_open, honey_next, honey_close};
