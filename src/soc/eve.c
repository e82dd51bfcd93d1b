/* eve.c: Suricata EVE JSON input, as NDJSON (production) or as one JSON
 * array (the published samples, often pretty-printed). Event types alert,
 * http, dns, tls, smtp, fileinfo and flow become soc_events; an alert's
 * http/tls/smtp/dns sub-objects fill the same event so detectors see the
 * request that fired it. A flow event yields one SOC_REC_CONN record: a
 * soc_flow (for the flow analyzers) and a SOC_EV_CONN event with
 * per-direction bytes.
 * Other event types (stats, anomaly, netflow...) are counted and skipped.
 *
 * Lines are scanned lazily with jscan (logs.h says why); when the input is
 * in memory (a mapped plain file) each object is parsed where it lies and
 * its line end checked after, with the line reader as fallback (eve_next).
 * The array form is read whole (bounded) and its items are scanned the
 * same way. */
#include <stdlib.h>

#include "soc/logs.h"


typedef struct eve_in {
    soc_ctx *ctx;
    kn_reader *r;
    const char *file;
    kn_buf scratch;
    int array;             /* JSON-array form */
    kn_buf whole;          /* array form: all of the input */
    jscan arr;
    const char *line_mark; /* array form: position up to which lines were counted */
    uint64_t lineno;
    uint64_t skipped_types;
} eve_in;

static int eve_probe(const uint8_t *h, size_t n)
{
    size_t i = 0;
    while (i < n && (h[i] == ' ' || h[i] == '\n' || h[i] == '\r' || h[i] == '\t')) i++;
    if (i >= n || (h[i] != '{' && h[i] != '[')) return 0;
    /* "event_type" within the first record is Suricata's signature key. */
    size_t lim = n < 8192 ? n : 8192;
    for (size_t k = i; k + 12 <= lim; k++)
        if (h[k] == '"' && memcmp(h + k, "\"event_type\"", 12) == 0) return 90;
    return 0;
}

static kn_status eve_open(soc_ctx *ctx, kn_reader *r, soc_input **out, kn_err *e)
{
    eve_in *in = calloc(1, sizeof *in);
    if (!in) return kn_err_set(e, KN_ERR_NOMEM, kn_reader_path(r), KN_NO_OFFSET, "out of memory");
    in->ctx = ctx;
    in->r = r;
    in->file = kn_reader_path(r);
    kn_reader_set_max_line(r, 16u << 20);
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

static void endpoint_ip(soc_str s, kn_ip *ip)
{
    if (soc_str_ip(s, ip) != 0) memset(ip, 0, sizeof *ip);
}

static uint8_t proto_num(soc_str s)
{
    /* Suricata writes the upper-case names: those exactly first (perf: the
     * case-insensitive calls were 1% of EVE ingest) */
    if (s.n == 3 && memcmp(s.p, "TCP", 3) == 0) return 6;
    if (s.n == 3 && memcmp(s.p, "UDP", 3) == 0) return 17;
    if (soc_str_ieq(s, "TCP")) return 6;
    if (soc_str_ieq(s, "UDP")) return 17;
    if (soc_str_ieq(s, "ICMP")) return 1;
    if (soc_str_ieq(s, "IPV6-ICMP") || soc_str_ieq(s, "ICMPv6")) return 58;
    if (soc_str_ieq(s, "SCTP")) return 132;
    int64_t v = soc_str_int(s);
    return v >= 0 && v < 256 ? (uint8_t)v : 0;
}

/* request_headers / response_headers: [{"name":..., "value":...}, ...] */
static void http_headers(const jtok *arr, soc_event *ev, kn_buf *sc, int request)
{
    jscan a;
    jtok item;
    if (arr->type != JT_ARR || jscan_array(&a, arr->s, arr->n) < 0) return;
    while (jscan_next_item(&a, &item) == 1) {
        if (item.type != JT_OBJ) continue;
        jscan o;
        jtok k, v;
        soc_str name = {0, 0}, value = {0, 0};
        if (jscan_object(&o, item.s, item.n) < 0) continue;
        while (jscan_next_fast(&o, &k, &v) == 1) {
            if (JKEY(&k, "name")) name = jtok_str(&v, sc);
            else if (JKEY(&k, "value")) value = jtok_str(&v, sc);
        }
        if (request && soc_str_ieq(name, "Authorization")) ev->http.authorization = value;
        else if (request && soc_str_ieq(name, "Content-Type")) ev->http.req_content_type = value;
        else if (request && soc_str_ieq(name, "Content-Length")) ev->http.req_body_len = soc_str_int(value);
        else if (request && soc_str_ieq(name, "Cookie") && !ev->http.cookie.n) ev->http.cookie = value;
        else if (!request && soc_str_ieq(name, "Content-Type") && !ev->http.resp_content_type.n) ev->http.resp_content_type = value;
    }
}

static const char *parse_http(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    /* Suricata's order first (jscan_expect says why), then any member */
    {
        jcur c = jcur_of(&o);   /* registers only (logs.h, jcur) */
        jtok hv;
        if (jcur_expect(&c, "hostname", &hv)) ev->http.host = jtok_str(&hv, sc);
        if (jcur_expect(&c, "url", &hv)) ev->http.uri = jtok_str(&hv, sc);
        if (jcur_expect(&c, "http_user_agent", &hv)) ev->http.user_agent = jtok_str(&hv, sc);
        if (jcur_expect(&c, "http_content_type", &hv)) ev->http.resp_content_type = jtok_str(&hv, sc);
        if (jcur_expect(&c, "http_method", &hv)) ev->http.method = jtok_str(&hv, sc);
        if (jcur_expect(&c, "protocol", &hv)) ev->http.version = jtok_str(&hv, sc);
        if (jcur_expect(&c, "status", &hv)) ev->http.status = (int)jtok_int(&hv, -1);
        if (jcur_expect(&c, "length", &hv)) ev->http.resp_body_len = jtok_int(&hv, -1);
        jcur_done(&c, &o);
    }
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "hostname")) ev->http.host = jtok_str(&v, sc);
        else if (JKEY(&k, "url")) ev->http.uri = jtok_str(&v, sc);
        else if (JKEY(&k, "http_user_agent")) ev->http.user_agent = jtok_str(&v, sc);
        else if (JKEY(&k, "http_method")) ev->http.method = jtok_str(&v, sc);
        else if (JKEY(&k, "http_content_type")) ev->http.resp_content_type = jtok_str(&v, sc);
        else if (JKEY(&k, "http_refer")) ev->http.referrer = jtok_str(&v, sc);
        else if (JKEY(&k, "protocol")) ev->http.version = jtok_str(&v, sc);
        else if (JKEY(&k, "status")) ev->http.status = (int)jtok_int(&v, -1);
        else if (JKEY(&k, "length")) ev->http.resp_body_len = jtok_int(&v, -1);
        else if (JKEY(&k, "http_request_body_printable")) ev->http.req_body = jtok_str(&v, sc);
        else if (JKEY(&k, "http_response_body_printable")) ev->http.resp_body = jtok_str(&v, sc);
        else if (JKEY(&k, "request_headers")) http_headers(&v, ev, sc, 1);
        else if (JKEY(&k, "response_headers")) http_headers(&v, ev, sc, 0);
        else if (JKEY(&k, "http_port")) { int64_t p = jtok_int(&v, 0); if (p > 0 && p < 65536 && !ev->dport) ev->dport = (uint16_t)p; }
    }
    return o.err ? NULL : o.p;
}

/* "answers" of a lazily scanned dns object: the first answer's rdata (the
 * full list is in "grouped" when enabled). The item is the one
 * jscan_next_item would return from the array jscan_next would skip. */
static void dns_answers(jscan *o, const jtok *v, soc_event *ev, kn_buf *sc)
{
    if (v->type != JT_ARR || !o->pending) return;   /* anything else: skipped by the next read */
    /* the array skipped here, as the next read would, noting where its
     * first item ends: that item is not walked twice */
    const char *first_end = NULL, *q = jscan_skip_nested_first(v->s, o->end, &first_end);
    jscan_resume(o, q);
    if (!q) return;
    jtok item;
    if (v->s[1] == '{' && first_end) {
        item.type = JT_OBJ;
        item.s = v->s + 1;
        item.n = (size_t)(first_end - item.s);
        item.esc = 0;
    } else {
        jscan a;
        if (jscan_array(&a, v->s, (size_t)(q - v->s)) < 0 || jscan_next_item(&a, &item) != 1 || item.type != JT_OBJ) return;
    }
    jscan ao;
    jtok ak, av;
    if (jscan_object(&ao, item.s, item.n) == 0) {
        {
            jcur c = jcur_of(&ao);   /* registers only (logs.h, jcur) */
            jtok hv;
            if (jcur_expect(&c, "rrname", &hv)) {}
            if (jcur_expect(&c, "rrtype", &hv)) {}
            if (jcur_expect(&c, "ttl", &hv)) {}
            if (jcur_expect(&c, "rdata", &hv)) ev->dns.answers = jtok_str(&hv, sc);
            jcur_done(&c, &ao);
        }
        while (jscan_next_fast(&ao, &ak, &av) == 1)
            if (JKEY(&ak, "rdata")) ev->dns.answers = jtok_str(&av, sc);
    }
}

/* dns: version 1 ({"type","rrname","rrtype","rcode","rdata"}) and version 2
 * ({"type","queries":[...],"answers":[...]} or "grouped"). */
static const char *parse_dns(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    o.lazy = 1;   /* for "answers" (dns_answers); other nested values are skipped by the next read */
    /* Suricata's order first (jscan_expect says why), then any member */
    {
        jcur c = jcur_of(&o);   /* registers only (logs.h, jcur) */
        jtok hv;
        if (jcur_expect(&c, "version", &hv)) {}
        if (jcur_expect(&c, "type", &hv)) { soc_str t = jtok_str(&hv, sc); ev->dns.is_response = soc_str_eq(t, "answer"); }
        if (jcur_expect(&c, "id", &hv)) {}
        if (jcur_expect(&c, "flags", &hv)) {}
        if (jcur_expect(&c, "qr", &hv)) {}
        if (jcur_expect(&c, "rd", &hv)) {}
        if (jcur_expect(&c, "ra", &hv)) {}
        if (jcur_expect(&c, "rrname", &hv) && !ev->dns.query.n) ev->dns.query = jtok_str(&hv, sc);
        if (jcur_expect(&c, "rrtype", &hv) && !ev->dns.qtype_name.n) ev->dns.qtype_name = jtok_str(&hv, sc);
        if (jcur_expect(&c, "rcode", &hv)) ev->dns.rcode_name = jtok_str(&hv, sc);
        jcur_done(&c, &o);
    }
    if (jscan_expect(&o, "answers", &v)) dns_answers(&o, &v, ev, sc);
    if (jscan_expect(&o, "grouped", &v) && o.pending) jscan_resume(&o, jscan_skip_nested(v.s, o.end));
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "type")) { soc_str t = jtok_str(&v, sc); ev->dns.is_response = soc_str_eq(t, "answer"); }
        else if (JKEY(&k, "rrname") && !ev->dns.query.n) ev->dns.query = jtok_str(&v, sc);
        else if (JKEY(&k, "rrtype") && !ev->dns.qtype_name.n) ev->dns.qtype_name = jtok_str(&v, sc);
        else if (JKEY(&k, "rcode")) ev->dns.rcode_name = jtok_str(&v, sc);
        else if (JKEY(&k, "rdata") && !ev->dns.answers.n) ev->dns.answers = jtok_str(&v, sc);
        else if (JKEY(&k, "queries") && v.type == JT_ARR) {
            jscan a;
            jtok item;
            if (jscan_array(&a, v.s, v.n) == 0 && jscan_next_item(&a, &item) == 1 && item.type == JT_OBJ)
                parse_dns(&item, ev, sc);
        } else if (JKEY(&k, "answers")) dns_answers(&o, &v, ev, sc);
    }
    return o.err ? NULL : o.p;
}

static inline void tls_ja3(const jtok *v, soc_event *ev, kn_buf *sc)
{
    jscan j;
    jtok jk, jv;
    if (v->type == JT_OBJ && jscan_object(&j, v->s, v->n) == 0) {
        if (jscan_expect(&j, "hash", &jv)) ev->tls.ja3 = jtok_str(&jv, sc);
        while (jscan_next_fast(&j, &jk, &jv) == 1)
            if (JKEY(&jk, "hash")) ev->tls.ja3 = jtok_str(&jv, sc);
    }
}

static const char *parse_tls(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    /* Suricata's order first (jscan_expect says why), then any member */
    {
        jcur c = jcur_of(&o);   /* registers only (logs.h, jcur) */
        jtok hv;
        if (jcur_expect(&c, "subject", &hv)) {}
        if (jcur_expect(&c, "issuerdn", &hv)) {}
        if (jcur_expect(&c, "serial", &hv)) {}
        if (jcur_expect(&c, "fingerprint", &hv)) {}
        if (jcur_expect(&c, "sni", &hv)) ev->tls.sni = jtok_str(&hv, sc);
        if (jcur_expect(&c, "version", &hv)) ev->tls.version = jtok_str(&hv, sc);
        if (jcur_expect(&c, "notbefore", &hv)) {}
        if (jcur_expect(&c, "notafter", &hv)) {}
        jcur_done(&c, &o);
        if (jscan_expect(&o, "ja3", &hv)) tls_ja3(&hv, ev, sc);
    }
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "sni")) ev->tls.sni = jtok_str(&v, sc);
        else if (JKEY(&k, "version")) ev->tls.version = jtok_str(&v, sc);
        else if (JKEY(&k, "ja3")) tls_ja3(&v, ev, sc);
    }
    return o.err ? NULL : o.p;
}

static const char *parse_smtp(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "helo")) ev->smtp.helo = jtok_str(&v, sc);
        else if (JKEY(&k, "mail_from")) ev->smtp.mail_from = jtok_str(&v, sc);
        else if (JKEY(&k, "rcpt_to")) ev->smtp.rcpt_to = jtok_join(&v, sc);
    }
    return o.err ? NULL : o.p;
}

static const char *parse_email(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "from")) ev->smtp.from = jtok_str(&v, sc);
        else if (JKEY(&k, "to")) ev->smtp.to = jtok_join(&v, sc);
        else if (JKEY(&k, "subject")) ev->smtp.subject = jtok_str(&v, sc);
        else if (JKEY(&k, "attachment") && v.type == JT_ARR) {
            jscan a;
            jtok item;
            if (jscan_array(&a, v.s, v.n) < 0) continue;
            while (jscan_next_item(&a, &item) == 1 && ev->smtp.n_attach < SOC_MAX_ATTACH) {
                if (item.type != JT_STR) continue;
                soc_attachment *at = soc_event_attach(ev);
                at->name = jtok_str(&item, sc);
                soc_attachment_classify(at, NULL, 0);
            }
        }
    }
    return o.err ? NULL : o.p;
}

static const char *parse_alert(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    /* Suricata's order first (jscan_expect says why), then any member */
    {
        jcur c = jcur_of(&o);   /* registers only (logs.h, jcur) */
        jtok hv;
        if (jcur_expect(&c, "action", &hv)) ev->alert.action = jtok_str(&hv, sc);
        if (jcur_expect(&c, "gid", &hv)) {}
        if (jcur_expect(&c, "signature_id", &hv)) ev->alert.signature_id = jtok_int(&hv, -1);
        if (jcur_expect(&c, "rev", &hv)) {}
        if (jcur_expect(&c, "signature", &hv)) ev->alert.signature = jtok_str(&hv, sc);
        if (jcur_expect(&c, "category", &hv)) ev->alert.category = jtok_str(&hv, sc);
        if (jcur_expect(&c, "severity", &hv)) ev->alert.severity = (int)jtok_int(&hv, 0);
        jcur_done(&c, &o);
    }
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "signature")) ev->alert.signature = jtok_str(&v, sc);
        else if (JKEY(&k, "category")) ev->alert.category = jtok_str(&v, sc);
        else if (JKEY(&k, "action")) ev->alert.action = jtok_str(&v, sc);
        else if (JKEY(&k, "signature_id")) ev->alert.signature_id = jtok_int(&v, -1);
        else if (JKEY(&k, "severity")) ev->alert.severity = (int)jtok_int(&v, 0);
    }
    return o.err ? NULL : o.p;
}

static const char *parse_fileinfo(const jtok *obj, soc_event *ev, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "filename")) ev->fileinfo.name = jtok_str(&v, sc);
        else if (JKEY(&k, "magic")) ev->fileinfo.magic = jtok_str(&v, sc);
        else if (JKEY(&k, "mimetype")) ev->fileinfo.mime_type = jtok_str(&v, sc);
        else if (JKEY(&k, "sha256")) ev->fileinfo.sha256 = jtok_str(&v, sc);
        else if (JKEY(&k, "size")) ev->fileinfo.size = jtok_int(&v, -1);
    }
    return o.err ? NULL : o.p;
}

/* flow start/end: *t keeps its value unless v is a valid time */
static inline void flow_time(const jtok *v, kn_time *t, kn_buf *sc)
{
    soc_str s = jtok_str(v, sc);
    kn_time ts;
    if (s.n && kn_time_parse(&ts, s.p, (long)s.n) == 0) *t = ts;
}

/* times: [0] start, [1] end (0 when absent) */
static const char *parse_flow(const jtok *obj, soc_event *ev, kn_time *times, kn_buf *sc)
{
    jscan o;
    jtok k, v;
    if (jscan_object(&o, obj->s, obj->n) < 0) return NULL;
    /* Suricata's order first (jscan_expect says why), then any member */
    {
        jcur c = jcur_of(&o);   /* registers only (logs.h, jcur) */
        jtok hv;
        if (jcur_expect(&c, "pkts_toserver", &hv)) ev->conn.orig_pkts = (uint64_t)jtok_int(&hv, 0);
        if (jcur_expect(&c, "pkts_toclient", &hv)) ev->conn.resp_pkts = (uint64_t)jtok_int(&hv, 0);
        if (jcur_expect(&c, "bytes_toserver", &hv)) ev->conn.orig_bytes = (uint64_t)jtok_int(&hv, 0);
        if (jcur_expect(&c, "bytes_toclient", &hv)) ev->conn.resp_bytes = (uint64_t)jtok_int(&hv, 0);
        if (jcur_expect(&c, "start", &hv)) flow_time(&hv, &times[0], sc);
        if (jcur_expect(&c, "end", &hv)) flow_time(&hv, &times[1], sc);
        if (jcur_expect(&c, "age", &hv)) {}
        if (jcur_expect(&c, "state", &hv)) ev->conn.state = jtok_str(&hv, sc);
        if (jcur_expect(&c, "reason", &hv)) {}
        if (jcur_expect(&c, "alerted", &hv)) {}
        jcur_done(&c, &o);
    }
    while (jscan_next_fast(&o, &k, &v) == 1) {
        if (JKEY(&k, "pkts_toserver")) ev->conn.orig_pkts = (uint64_t)jtok_int(&v, 0);
        else if (JKEY(&k, "pkts_toclient")) ev->conn.resp_pkts = (uint64_t)jtok_int(&v, 0);
        else if (JKEY(&k, "bytes_toserver")) ev->conn.orig_bytes = (uint64_t)jtok_int(&v, 0);
        else if (JKEY(&k, "bytes_toclient")) ev->conn.resp_bytes = (uint64_t)jtok_int(&v, 0);
        else if (JKEY(&k, "state")) ev->conn.state = jtok_str(&v, sc);
        else if (JKEY(&k, "start")) flow_time(&v, &times[0], sc);
        else if (JKEY(&k, "end")) flow_time(&v, &times[1], sc);
    }
    return o.err ? NULL : o.p;
}

#define EVE_SPEC_FAIL 2
#define EVE_SPEC_MAX ((size_t)64 << 10)

/* Parses one EVE object into rec. Returns 1 (record), 0 (a type we do not
 * read), -1 (malformed; *why set). With line_end != NULL the text is the
 * rest of the input, not one line: the object must end a line of its own
 * (newline, CRLF or end of input right after it, no newline inside), else
 * EVE_SPEC_FAIL before any side effect, and *line_end is set past the
 * line's newline. */
static int eve_parse(eve_in *in, const char *text, size_t n, uint64_t line, soc_record *rec, const char **why,
                     const char **line_end)
{
    kn_buf *sc = &in->scratch;
    kn_buf_reset(sc);
    kn_buf_reserve(sc, n + 64);
    soc_event *ev = &rec->u.ev;
    soc_event_init(ev, SOC_EV_ALERT, "eve", in->file, line);
    jscan o;
    jtok k, v;
    soc_str type = {0, 0}, ts = {0, 0}, src = {0, 0}, dst = {0, 0}, proto = {0, 0};
    unsigned newlines0 = jscan_newlines;
    if (jscan_object(&o, text, n) < 0) { *why = "not a JSON object"; return -1; }
    o.lazy = 1;
    kn_time fl_times[2] = {0, 0};   /* flow start, end (the flow record is filled only for flows) */
    int r;
    /* Suricata's order of the common members first (jscan_expect says
     * why; the scalar ones through a register cursor, logs.h jcur), then
     * any member, the event's own objects among them */
    jcur c = jcur_of(&o);
    jtok hv, obj;   /* obj: the value handed to a parser (its address is taken) */
    if (jcur_expect(&c, "timestamp", &hv)) ts = jtok_str(&hv, sc);
    if (jcur_expect(&c, "flow_id", &hv)) {}
    if (jcur_expect(&c, "in_iface", &hv)) {}
    if (jcur_expect(&c, "event_type", &hv)) type = jtok_str(&hv, sc);
    if (jcur_expect(&c, "src_ip", &hv)) src = jtok_str(&hv, sc);
    if (jcur_expect(&c, "src_port", &hv)) ev->sport = (uint16_t)jtok_int(&hv, 0);
    if (jcur_expect(&c, "dest_ip", &hv)) dst = jtok_str(&hv, sc);
    if (jcur_expect(&c, "dest_port", &hv)) ev->dport = (uint16_t)jtok_int(&hv, 0);
    if (jcur_expect(&c, "proto", &hv)) proto = jtok_str(&hv, sc);
    if (jcur_expect(&c, "pkt_src", &hv)) {}
    if (jcur_expect(&c, "app_proto", &hv)) {}
    if (jcur_expect(&c, "community_id", &hv)) {}
    if (jcur_expect(&c, "tx_id", &hv)) {}
    jcur_done(&c, &o);
    /* the event's own object, picked by its type (same actions as below);
     * true when it was there */
#define EXPECT_OBJ(name, parse) \
    (jscan_expect(&o, name, &hv) && hv.type == JT_OBJ ? (obj = hv, jscan_resume(&o, parse), 1) : 0)
    switch (type.n ? type.p[0] : 0) {
    case 'h':
        EXPECT_OBJ("http", parse_http(&obj, ev, sc));
        break;
    case 'd':
        EXPECT_OBJ("dns", parse_dns(&obj, ev, sc));
        break;
    case 't':
        EXPECT_OBJ("tls", parse_tls(&obj, ev, sc));
        break;
    case 'a':
        EXPECT_OBJ("alert", parse_alert(&obj, ev, sc));
        break;
    case 'f':
        if (EXPECT_OBJ("flow", parse_flow(&obj, ev, fl_times, sc))) {
            /* nobody reads "tcp": skipped as the general loop would */
            if (jscan_expect(&o, "tcp", &hv) && o.pending) jscan_resume(&o, jscan_skip_nested(hv.s, o.end));
        }
        break;
    default:
        break;
    }
#undef EXPECT_OBJ
    while ((r = jscan_next_fast(&o, &k, &v)) == 1) {
        if (k.n < 3) continue;
        switch (k.s[0]) {
        case 't':
            if (JKEY(&k, "timestamp")) ts = jtok_str(&v, sc);
            else if (JKEY(&k, "tls")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_tls(&v, ev, sc)); }
            break;
        case 'e':
            if (JKEY(&k, "event_type")) type = jtok_str(&v, sc);
            else if (JKEY(&k, "email")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_email(&v, ev, sc)); }
            break;
        case 's':
            if (JKEY(&k, "src_ip")) src = jtok_str(&v, sc);
            else if (JKEY(&k, "src_port")) ev->sport = (uint16_t)jtok_int(&v, 0);
            else if (JKEY(&k, "smtp")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_smtp(&v, ev, sc)); }
            break;
        case 'd':
            if (JKEY(&k, "dest_ip")) dst = jtok_str(&v, sc);
            else if (JKEY(&k, "dest_port")) ev->dport = (uint16_t)jtok_int(&v, 0);
            else if (JKEY(&k, "dns")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_dns(&v, ev, sc)); }
            break;
        case 'p':
            if (JKEY(&k, "proto")) proto = jtok_str(&v, sc);
            break;
        case 'h':
            if (JKEY(&k, "http")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_http(&v, ev, sc)); }
            else if (JKEY(&k, "http_request_body_printable")) ev->http.req_body = jtok_str(&v, sc);
            else if (JKEY(&k, "http_response_body_printable")) ev->http.resp_body = jtok_str(&v, sc);
            break;
        case 'a':
            if (JKEY(&k, "alert")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_alert(&v, ev, sc)); }
            break;
        case 'f':
            if (JKEY(&k, "fileinfo")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_fileinfo(&v, ev, sc)); }
            else if (JKEY(&k, "flow")) { if (v.type == JT_OBJ) jscan_resume(&o, parse_flow(&v, ev, fl_times, sc)); }
            break;
        default:
            break;
        }
    }
    if (line_end) {
        /* read in place: the object must be exactly one line (anything else
         * is read again by the line reader, which has the verdict) */
        const char *q = o.p, *end = text + n;
        if (r < 0) return EVE_SPEC_FAIL;
        if (q < end && *q == '\r' && q + 1 < end && q[1] == '\n') *line_end = q + 2;
        else if (q < end && *q == '\n') *line_end = q + 1;
        else if (q == end && n < EVE_SPEC_MAX) *line_end = q;
        else return EVE_SPEC_FAIL;
        /* the scanner counts the newlines it steps over (logs.h): only
         * when it saw one is the object searched for a line break */
        if (jscan_newlines != newlines0 && memchr(text, '\n', (size_t)(q - text))) return EVE_SPEC_FAIL;
    } else {
        if (r < 0) { *why = "malformed JSON"; return -1; }
        if (!jscan_at_end(&o)) { *why = "trailing characters after the JSON object"; return -1; }
    }
    if (!type.n) { *why = "no event_type"; return -1; }
    soc_event_kind kind;
    if (soc_str_eq(type, "alert")) kind = SOC_EV_ALERT;
    else if (soc_str_eq(type, "http")) kind = SOC_EV_HTTP;
    else if (soc_str_eq(type, "dns")) kind = SOC_EV_DNS;
    else if (soc_str_eq(type, "tls")) kind = SOC_EV_TLS;
    else if (soc_str_eq(type, "smtp")) kind = SOC_EV_SMTP;
    else if (soc_str_eq(type, "fileinfo")) kind = SOC_EV_FILE;
    else if (soc_str_eq(type, "flow")) kind = SOC_EV_CONN;
    else { in->skipped_types++; return 0; }
    ev->kind = kind;
    if (!ts.n || kn_time_parse(&ev->ts, ts.p, (long)ts.n) != 0) { *why = "missing or invalid timestamp"; return -1; }
    endpoint_ip(src, &ev->src);
    endpoint_ip(dst, &ev->dst);
    ev->proto = proto_num(proto);
    if (kind == SOC_EV_FILE && ev->sport && ev->dport && ev->sport < ev->dport) {
        /* Suricata writes a downloaded file's tuple in the direction the
         * file travelled (server first); event.h wants the client as src.
         * The lower port is taken as the server's. */
        kn_ip t = ev->src; ev->src = ev->dst; ev->dst = t;
        uint16_t p = ev->sport; ev->sport = ev->dport; ev->dport = p;
    }
    rec->ts = ev->ts;
    if (kind == SOC_EV_CONN) {
        soc_flow *fl = &rec->u.conn.flow;   /* after u.conn.ev: filling it leaves the event alone */
        memset(fl, 0, sizeof *fl);
        fl->start = fl_times[0] ? fl_times[0] : ev->ts;
        fl->end = fl_times[1];
        if (!fl->end || fl->end < fl->start) fl->end = fl->start;
        ev->conn.duration = ((double)fl->end - (double)fl->start) / 1e9;   /* no int64 overflow on hostile stamps */
        soc_flow_from_conn(fl, ev, in->file, line);
        rec->kind = SOC_REC_CONN;
        return 1;
    }
    rec->kind = SOC_REC_EVENT;
    return 1;
}

static int eve_next(soc_input *self, soc_record *rec, kn_err *e)
{
    eve_in *in = (eve_in *)self;
    for (;;) {
        const char *text, *why = NULL;
        size_t n;
        uint64_t line, off;
        if (in->array) {
            jtok item;
            int r = jscan_next_item(&in->arr, &item);
            if (r == 0) return 0;
            if (r < 0) {
                off = (uint64_t)(in->arr.err_at - in->whole.data);
                soc_bad_line(in->ctx, in->file, off, in->lineno, "malformed JSON array; rest of input skipped");
                return 0;
            }
            for (const char *q = in->line_mark; q < item.s; q++) in->lineno += *q == '\n';
            in->line_mark = item.s;
            text = item.s;
            n = item.n;
            line = in->lineno;
            off = (uint64_t)(item.s - in->whole.data);
            if (item.type != JT_OBJ) { soc_bad_line(in->ctx, in->file, off, line, "array item is not an object"); continue; }
        } else {
            int trunc;
            off = kn_reader_offset(in->r);
            /* Input in memory: the object is parsed where it lies and its
             * line end checked after, instead of a newline search over the
             * line first (a second pass over every byte; perf). */
            const char *rest;
            size_t rn;
            if (kn_reader_rest(in->r, &rest, &rn)) {
                if (rn == 0) return 0;
                if (rest[0] == '{') {
                    const char *le = NULL;
                    line = kn_reader_lineno(in->r) + 1;
                    int r = eve_parse(in, rest, rn < EVE_SPEC_MAX ? rn : EVE_SPEC_MAX, line, rec, &why, &le);
                    if (r != EVE_SPEC_FAIL) {
                        kn_reader_skip_lines(in->r, (size_t)(le - rest), 1);
                        if (r == 1) return 1;
                        if (r < 0) soc_bad_line(in->ctx, in->file, off, line, why);
                        continue;
                    }
                }
            }
            int r = kn_reader_line(in->r, &text, &n, &trunc, e);
            if (r <= 0) return r;
            line = kn_reader_lineno(in->r);
            if (trunc) { soc_bad_line(in->ctx, in->file, off, line, "line longer than 16 MiB skipped"); continue; }
            size_t i = 0;
            while (i < n && (text[i] == ' ' || text[i] == '\t')) i++;
            if (i == n) continue;
        }
        int r = eve_parse(in, text, n, line, rec, &why, NULL);
        if (r == 1) return 1;
        if (r < 0) soc_bad_line(in->ctx, in->file, off, line, why);
    }
}

static void eve_close(soc_input *self)
{
    eve_in *in = (eve_in *)self;
    kn_buf_free(&in->scratch);
    kn_buf_free(&in->whole);
    free(in);
}

const soc_input_ops soc_input_eve = {"eve", "logs", eve_probe, eve_open, eve_next, eve_close};
