/* zeek.c: Zeek logs, TSV (ASCII writer: #separator/#fields/#types headers,
 * '-' unset, '(empty)' empty) and JSON (one object a line, optionally with
 * the JSON Streaming Logs "_path"). conn, http, dns, smtp, files, ssl and
 * notice rows become soc_events; a conn row yields one SOC_REC_CONN record
 * (a soc_flow and a SOC_EV_CONN event). Other paths (weird, x509, ...) are counted and skipped.
 *
 * Both forms map column or key names to one table of field ids, so a field
 * is read the same way from either; the path (from #path, _path or, when
 * absent, the fields present) picks the event kind. TSV rows are split by
 * 64-byte SSE2 masks of the separator (and, when the input is in memory,
 * of the newline in the same pass: zeek_tsv_fused): no copy, columns keep
 * their text as written and '-'/'(empty)' are decided only for fields
 * read; unescaping where \x escapes appear is left to the reader of the
 * value (Zeek escapes only separators and non-printables, which no
 * detector matches on).
 *
 * conn and http rows, most of Zeek's volume, go through a row plan made
 * from each #fields header (zeek_plan): a row's separators are collected
 * with 64-byte masks (AVX-512 when the CPU has BW, VL and VBMI2, then
 * AVX2, SSE2 otherwise) and only the columns read are converted, straight
 * into the event and flow (zeek_plan_row_t). The general path
 * (kn_reader_line, zeek_tsv_row, zeek_build) stays the reference: every
 * row out of the plain case goes there, and fuzz_zeek_fast checks that
 * all give the same records and warnings on any bytes. */
#include <assert.h>
#include <stddef.h>
#include <stdlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "soc/logs.h"
#include "soc/ipv4.h"
#include "core/digits.h"

enum zf {
    Z_NONE = 0, Z_TS, Z_ORIG_H, Z_ORIG_P, Z_RESP_H, Z_RESP_P, Z_PROTO, Z_SERVICE, Z_DURATION,
    Z_ORIG_BYTES, Z_RESP_BYTES, Z_CONN_STATE, Z_ORIG_PKTS, Z_RESP_PKTS,
    Z_METHOD, Z_HOST, Z_URI, Z_REFERRER, Z_VERSION, Z_UA, Z_REQ_LEN, Z_RESP_LEN, Z_STATUS,
    Z_ORIG_MIME, Z_RESP_MIME, Z_USERNAME,
    Z_QUERY, Z_QTYPE, Z_QTYPE_NAME, Z_RCODE, Z_RCODE_NAME, Z_ANSWERS,
    Z_HELO, Z_MAILFROM, Z_RCPTTO, Z_FROM, Z_TO, Z_SUBJECT,
    Z_TX_HOSTS, Z_RX_HOSTS, Z_MIME_TYPE, Z_FILENAME, Z_TOTAL_BYTES, Z_SEEN_BYTES, Z_SHA256,
    Z_SERVER_NAME, Z_JA3,
    Z_NOTE, Z_MSG, Z_SUB, Z_SRC, Z_DST, Z_P,
    Z_PATH, Z_COUNT
};

static const struct { const char *name; enum zf id; } zfields[] = {
    {"ts", Z_TS}, {"id.orig_h", Z_ORIG_H}, {"id.orig_p", Z_ORIG_P}, {"id.resp_h", Z_RESP_H},
    {"id.resp_p", Z_RESP_P}, {"proto", Z_PROTO}, {"service", Z_SERVICE}, {"duration", Z_DURATION},
    {"orig_bytes", Z_ORIG_BYTES}, {"resp_bytes", Z_RESP_BYTES}, {"conn_state", Z_CONN_STATE},
    {"orig_pkts", Z_ORIG_PKTS}, {"resp_pkts", Z_RESP_PKTS},
    {"method", Z_METHOD}, {"host", Z_HOST}, {"uri", Z_URI}, {"referrer", Z_REFERRER},
    {"version", Z_VERSION}, {"user_agent", Z_UA}, {"request_body_len", Z_REQ_LEN},
    {"response_body_len", Z_RESP_LEN}, {"status_code", Z_STATUS}, {"orig_mime_types", Z_ORIG_MIME},
    {"resp_mime_types", Z_RESP_MIME}, {"username", Z_USERNAME},
    {"query", Z_QUERY}, {"qtype", Z_QTYPE}, {"qtype_name", Z_QTYPE_NAME}, {"rcode", Z_RCODE},
    {"rcode_name", Z_RCODE_NAME}, {"answers", Z_ANSWERS},
    {"helo", Z_HELO}, {"mailfrom", Z_MAILFROM}, {"rcptto", Z_RCPTTO}, {"from", Z_FROM}, {"to", Z_TO},
    {"subject", Z_SUBJECT},
    {"tx_hosts", Z_TX_HOSTS}, {"rx_hosts", Z_RX_HOSTS}, {"mime_type", Z_MIME_TYPE},
    {"filename", Z_FILENAME}, {"total_bytes", Z_TOTAL_BYTES}, {"seen_bytes", Z_SEEN_BYTES},
    {"sha256", Z_SHA256},
    {"server_name", Z_SERVER_NAME}, {"ja3", Z_JA3},
    {"note", Z_NOTE}, {"msg", Z_MSG}, {"sub", Z_SUB}, {"src", Z_SRC}, {"dst", Z_DST}, {"p", Z_P},
    {"_path", Z_PATH},
};

static enum zf field_id(const char *p, size_t n)
{
    for (size_t i = 0; i < sizeof zfields / sizeof zfields[0]; i++)
        if (strlen(zfields[i].name) == n && memcmp(zfields[i].name, p, n) == 0) return zfields[i].id;
    return Z_NONE;
}

/* the events' source, one pointer (plan_rec_intact compares it) */
static const char zeek_source[] = "zeek";

#define ZEEK_MAX_FIELDS 256

typedef struct zeek_in {
    soc_ctx *ctx;
    kn_reader *r;
    const char *file;
    int json;
    char sep;
    char path[32];
    int path_kind;                  /* soc_event_kind of #path, 0 = infer per row, -1 = skip */
    int nfields;
    uint8_t col[ZEEK_MAX_FIELDS];   /* field id of each TSV column */
    kn_buf scratch;
    soc_str val[Z_COUNT];           /* values of the current row; n=0 unset */
    uint8_t set[Z_COUNT];           /* JSON rows; TSV rows are raw (see V, S) */
    int raw;                        /* val[] holds TSV column text as written */
    uint64_t skipped_paths;
    /* Row plan of a conn or http #fields header (zeek_plan): the column
     * each field is read from. */
    int plan_dirty;                 /* a header changed since the plan was made */
    int plan_ok;                    /* zc[] is usable for this header */
    /* The record the row plan filled last, nothing else written into it
     * since: a plan row writes the same fields every time (absent columns
     * never, the rest always), so the next row into the same record skips
     * zeroing the event (760 bytes: 4% of http.log; perf). NULL after any
     * other path wrote a record or the plan changed. */
    const soc_record *plan_rec;
    int16_t zc[Z_COUNT];            /* column of each field, -1 none */
    /* conn headers with all six counts and ports and the duration: their
     * columns in z_conn_nums_avx512's lane order (the duration, read
     * apart, in the last two) */
    int zv_ok;
    int32_t zv_col[8];
    int32_t pos[ZEEK_MAX_FIELDS + 80];   /* a planned row's field ends (zeek_plan_row_t) */
    /* separator and newline masks of the bytes after the last planned row
     * (c_at .. c_at + c_len), which that row's last block already covered */
    const char *c_at, *c_end;
    uint64_t c_sm, c_nm;
    size_t c_len;
    int paths;                      /* test hook (fuzz_zeek_fast): ZEEK_PATHS_* */
    /* After a row read in place: where the next row starts (the reader's
     * position), its line number and the end of the input, so the next
     * call needs no kn_reader_rest/_lineno/_offset (NULL: ask the reader) */
    const char *fw_s, *fw_end, *fw_rest_at;
    uint64_t fw_line;
    /* Rows read in place that the reader has not been told of yet
     * (zeek_sync tells it, before anything asks the reader): one call
     * every ZEEK_REST_EVERY bytes instead of one a row (perf: the call was
     * 4% of a conn.log's time). */
    size_t skip_bytes;
    uint64_t skip_lines;
} zeek_in;

/* Brings the reader up to the rows read in place (skip_bytes). */
static inline void zeek_sync(zeek_in *in)
{
    if (in->skip_lines) {
        kn_reader_skip_lines(in->r, in->skip_bytes, in->skip_lines);
        in->skip_bytes = 0;
        in->skip_lines = 0;
    }
}

/* kn_reader_rest (which also prefaults ahead and gives back pages behind,
 * in 1-2 MiB steps) is asked at least every this many bytes */
#define ZEEK_REST_EVERY ((size_t)64 << 10)

/* Which row readers zeek_next may use (fuzz_zeek_fast compares them on the
 * same bytes): all, all but the row plan, or only kn_reader_line and
 * zeek_tsv_row (the general path, the oracle). */
enum { ZEEK_PATHS_ALL = 0, ZEEK_PATHS_NO_PLAN, ZEEK_PATHS_GENERAL };
/* Separator masks of the row plan: 3 = AVX-512 (BW, VL and VBMI2), 2 =
 * AVX2 (with BMI1 and POPCNT), 1 = SSE2 (or bytes without SSE2), 0 = not
 * decided yet (zeek_open asks the CPU; KENSA_SIMD may cap it).
 * fuzz_zeek_fast sets it to run each on every input. */
static int zeek_simd;

static int zeek_avx512_usable(void);
static int zeek_avx2_usable(void);

static int zeek_probe(const uint8_t *h, size_t n)
{
    if (n >= 10 && memcmp(h, "#separator", 10) == 0) return 95;
    size_t i = 0;
    while (i < n && (h[i] == ' ' || h[i] == '\n' || h[i] == '\r' || h[i] == '\t')) i++;
    if (i >= n || h[i] != '{') return 0;
    size_t lim = n < 4096 ? n : 4096;
    for (size_t k = i; k + 11 <= lim; k++) {
        if (h[k] == '\n') break;
        if (h[k] == '"' && (memcmp(h + k, "\"id.orig_h\"", 11) == 0 || memcmp(h + k, "\"_path\"", 7) == 0 ||
                            memcmp(h + k, "\"fuid\"", 6) == 0))
            return 92;
    }
    return 0;
}

static kn_status zeek_open(soc_ctx *ctx, kn_reader *r, soc_input **out, kn_err *e)
{
    zeek_in *in = calloc(1, sizeof *in);
    if (!in) return kn_err_set(e, KN_ERR_NOMEM, kn_reader_path(r), KN_NO_OFFSET, "out of memory");
    in->ctx = ctx;
    in->r = r;
    in->file = kn_reader_path(r);
    in->sep = '\t';
    const uint8_t *h;
    size_t n;
    if (kn_reader_peek(r, 16, &h, &n, e) != KN_OK) { free(in); return e->status; }
    in->json = !(n >= 1 && h[0] == '#');
    in->raw = !in->json;
    if (!zeek_simd) {
        zeek_simd = zeek_avx2_usable() ? 2 : 1;
        if (zeek_avx512_usable()) zeek_simd = 3;
        /* KENSA_SIMD=sse2|avx2 caps the form (to compare them on one
         * machine); never an uplift, other values are ignored */
        const char *cap = getenv("KENSA_SIMD");
        if (cap && !strcmp(cap, "sse2")) zeek_simd = 1;
        else if (cap && !strcmp(cap, "avx2") && zeek_simd > 2) zeek_simd = 2;
    }
    *out = (soc_input *)in;
    return KN_OK;
}

static int path_kind(const char *path)
{
    if (!path || !*path) return 0;
    if (!strcmp(path, "conn")) return SOC_EV_CONN;
    if (!strcmp(path, "http")) return SOC_EV_HTTP;
    if (!strcmp(path, "dns")) return SOC_EV_DNS;
    if (!strcmp(path, "smtp")) return SOC_EV_SMTP;
    if (!strcmp(path, "files")) return SOC_EV_FILE;
    if (!strcmp(path, "ssl")) return SOC_EV_TLS;
    if (!strcmp(path, "notice")) return SOC_EV_ALERT;
    return -1;
}

/* TSV header line (starts with '#'). */
static void zeek_header(zeek_in *in, const char *s, size_t n, uint64_t off, uint64_t line)
{
    in->plan_dirty = 1;
    in->c_at = NULL;
    if (n >= 11 && memcmp(s, "#separator ", 11) == 0) {
        const char *v = s + 11;
        size_t vn = n - 11;
        if (vn == 4 && v[0] == '\\' && v[1] == 'x') {
            char hx[3] = {v[2], v[3], 0};
            in->sep = (char)strtol(hx, NULL, 16);
        } else if (vn == 1) {
            in->sep = v[0];
        }
        return;
    }
    const char *tab = memchr(s, in->sep, n);
    if (!tab) return;
    size_t kn = (size_t)(tab - s);
    const char *v = tab + 1;
    size_t vn = n - kn - 1;
    if (kn == 5 && memcmp(s, "#path", 5) == 0) {
        size_t c = vn < sizeof in->path - 1 ? vn : sizeof in->path - 1;
        memcpy(in->path, v, c);
        in->path[c] = 0;
        in->path_kind = path_kind(in->path);
    } else if (kn == 7 && memcmp(s, "#fields", 7) == 0) {
        in->nfields = 0;
        /* Fields no column maps to stay unset for every row of this
         * header (rows write only their columns' fields; see zeek_tsv_row). */
        memset(in->set, 0, sizeof in->set);
        for (int f = 0; f < Z_COUNT; f++) in->val[f] = soc_s(NULL, 0);
        const char *p = v, *end = v + vn;
        while (p <= end) {
            const char *q = memchr(p, in->sep, (size_t)(end - p));
            if (!q) q = end;
            if (in->nfields == ZEEK_MAX_FIELDS) {
                soc_bad_line(in->ctx, in->file, off, line, "more than 256 #fields; extra columns ignored");
                break;
            }
            in->col[in->nfields++] = (uint8_t)field_id(p, (size_t)(q - p));
            p = q + 1;
        }
    }
}

/* A TSV column's text as a field: '-' is unset, '(empty)' an empty value */
static inline soc_str z_str(const char *p, size_t n)
{
    if (n == 1 && p[0] == '-') return soc_s(NULL, 0);
    if (n == 7 && memcmp(p, "(empty)", 7) == 0) return soc_s(p, 0);
    return soc_s(p, n);
}

/* A field of the current row. TSV rows (raw) keep each column's text as
 * written: '-' is unset, '(empty)' an empty value; JSON rows fill val[]
 * and set[] already decided. Fields no column maps to have p == NULL. */
static inline soc_str V(const zeek_in *in, enum zf f)
{
    soc_str v = in->val[f];
    return in->raw ? z_str(v.p, v.n) : v;
}
/* is the field set (present and not '-')? */
static inline int S(const zeek_in *in, enum zf f)
{
    if (!in->raw) return in->set[f];
    soc_str v = in->val[f];
    return v.p != NULL && !(v.n == 1 && v.p[0] == '-');
}
/* integer field: '-', '(empty)' and absent all fail soc_str_int (-1) as
 * they are, so the raw text needs no check first */
static inline int64_t VI(const zeek_in *in, enum zf f) { return soc_str_int(in->val[f]); }

static void set_ip(const zeek_in *in, enum zf f, kn_ip *ip)
{
    /* raw is fine: '-', '(empty)' and absent fail soc_str_ip as they are */
    soc_str s = in->val[f];
    /* tx_hosts/rx_hosts are sets: take the first member */
    if (f == Z_TX_HOSTS || f == Z_RX_HOSTS) {
        const char *c = s.n ? memchr(s.p, ',', s.n) : NULL;
        if (c) s.n = (size_t)(c - s.p);
    }
    if (!s.n || soc_str_ip(s, ip) != 0) memset(ip, 0, sizeof *ip);
}

static uint8_t proto_num(soc_str s)
{
    if (soc_str_eq(s, "tcp")) return 6;
    if (soc_str_eq(s, "udp")) return 17;
    if (soc_str_eq(s, "icmp")) return 1;
    return 0;
}

/* Zeek durations are plain decimals ("96.944000"). With at most 15
 * significant digits and 22 fraction digits, digits / 10^k is one correctly
 * rounded IEEE division of two exact doubles, the same value strtod gives
 * (Clinger's fast path); anything else goes to strtod. The copy and strtod
 * per conn row were 3.3% of conn.log time (perf). */
static double parse_duration(soc_str d)
{
    static const double pow10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    uint64_t m = 0;
    int ndig = 0, frac = -1;
    size_t i = 0;
    for (; i < d.n; i++) {
        char c = d.p[i];
        if (c >= '0' && c <= '9') {
            if (m || c != '0') ndig++;
            m = m * 10 + (uint64_t)(c - '0');
            if (frac >= 0) frac++;
            if (ndig > 15) break;
        } else if (c == '.' && frac < 0) {
            frac = 0;
        } else {
            break;
        }
    }
    if (i == d.n && d.n && d.p[0] >= '0' && d.p[0] <= '9' && frac <= 22)
        return frac > 0 ? (double)m / pow10[frac] : (double)m;
    char b[32];
    memcpy(b, d.p, d.n);
    b[d.n] = 0;
    return strtod(b, NULL);
}

/* The row's values are in in->val; builds the record. 1 ok, 0 skipped
 * path, -1 bad (why set). */
static int zeek_build(zeek_in *in, int pk, const char *path, uint64_t line, soc_record *rec, const char **why)
{
    in->plan_rec = NULL;   /* this path writes other fields */
    soc_event *ev = &rec->u.ev;
    soc_event_kind kind;
    if (pk > 0) { kind = (soc_event_kind)pk; goto known; }
    if (pk < 0) { in->skipped_paths++; return 0; }
    if (!path || !*path) {
        /* no #path / _path: infer from the fields present */
        if (S(in, Z_CONN_STATE)) path = "conn";
        else if (S(in, Z_METHOD) || S(in, Z_STATUS)) path = "http";
        else if (S(in, Z_QUERY) || S(in, Z_QTYPE)) path = "dns";
        else if (S(in, Z_MAILFROM) || S(in, Z_HELO)) path = "smtp";
        else if (S(in, Z_SERVER_NAME)) path = "ssl";
        else if (S(in, Z_NOTE)) path = "notice";
        else if (S(in, Z_MIME_TYPE) || S(in, Z_TX_HOSTS)) path = "files";
        else path = "";
    }
    if (!strcmp(path, "conn")) kind = SOC_EV_CONN;
    else if (!strcmp(path, "http")) kind = SOC_EV_HTTP;
    else if (!strcmp(path, "dns")) kind = SOC_EV_DNS;
    else if (!strcmp(path, "smtp")) kind = SOC_EV_SMTP;
    else if (!strcmp(path, "files")) kind = SOC_EV_FILE;
    else if (!strcmp(path, "ssl")) kind = SOC_EV_TLS;
    else if (!strcmp(path, "notice")) kind = SOC_EV_ALERT;
    else { in->skipped_paths++; return 0; }
known:
    soc_event_init(ev, kind, zeek_source, in->file, line);
    soc_str ts = V(in, Z_TS);
    if (!ts.n || kn_time_parse(&ev->ts, ts.p, (long)ts.n) != 0) { *why = "missing or invalid ts"; return -1; }
    set_ip(in, Z_ORIG_H, &ev->src);
    set_ip(in, Z_RESP_H, &ev->dst);
    int64_t sp = VI(in, Z_ORIG_P), dp = VI(in, Z_RESP_P);
    ev->sport = sp > 0 && sp < 65536 ? (uint16_t)sp : 0;
    ev->dport = dp > 0 && dp < 65536 ? (uint16_t)dp : 0;
    ev->proto = proto_num(V(in, Z_PROTO));
    switch (kind) {
    case SOC_EV_HTTP:
        ev->proto = 6;
        ev->http.method = V(in, Z_METHOD);
        ev->http.host = V(in, Z_HOST);
        ev->http.uri = V(in, Z_URI);
        ev->http.referrer = V(in, Z_REFERRER);
        ev->http.version = V(in, Z_VERSION);
        ev->http.user_agent = V(in, Z_UA);
        ev->http.req_body_len = VI(in, Z_REQ_LEN);
        ev->http.resp_body_len = VI(in, Z_RESP_LEN);
        ev->http.status = (int)VI(in, Z_STATUS);
        ev->http.req_content_type = V(in, Z_ORIG_MIME);
        ev->http.resp_content_type = V(in, Z_RESP_MIME);
        ev->http.authorization = V(in, Z_USERNAME);   /* set only when credentials were sent */
        break;
    case SOC_EV_DNS:
        ev->dns.query = V(in, Z_QUERY);
        ev->dns.qtype = (int)VI(in, Z_QTYPE);
        ev->dns.qtype_name = V(in, Z_QTYPE_NAME);
        ev->dns.rcode = (int)VI(in, Z_RCODE);
        ev->dns.rcode_name = V(in, Z_RCODE_NAME);
        ev->dns.answers = V(in, Z_ANSWERS);
        ev->dns.is_response = S(in, Z_RCODE) || S(in, Z_ANSWERS);
        break;
    case SOC_EV_SMTP:
        ev->smtp.helo = V(in, Z_HELO);
        ev->smtp.mail_from = V(in, Z_MAILFROM);
        ev->smtp.rcpt_to = V(in, Z_RCPTTO);
        ev->smtp.from = V(in, Z_FROM);
        ev->smtp.to = V(in, Z_TO);
        ev->smtp.subject = V(in, Z_SUBJECT);
        break;
    case SOC_EV_FILE:
        if (!ev->src.family) { set_ip(in, Z_RX_HOSTS, &ev->src); set_ip(in, Z_TX_HOSTS, &ev->dst); }
        ev->fileinfo.name = V(in, Z_FILENAME);
        ev->fileinfo.mime_type = V(in, Z_MIME_TYPE);
        ev->fileinfo.sha256 = V(in, Z_SHA256);
        ev->fileinfo.size = S(in, Z_TOTAL_BYTES) ? VI(in, Z_TOTAL_BYTES) : VI(in, Z_SEEN_BYTES);
        break;
    case SOC_EV_TLS:
        ev->tls.sni = V(in, Z_SERVER_NAME);
        ev->tls.version = V(in, Z_VERSION);
        ev->tls.ja3 = V(in, Z_JA3);
        break;
    case SOC_EV_ALERT:
        ev->alert.signature = V(in, Z_NOTE);
        ev->alert.category = soc_cs("Zeek notice");
        ev->alert.message = V(in, Z_MSG);
        if (!ev->src.family) set_ip(in, Z_SRC, &ev->src);
        if (!ev->dst.family) set_ip(in, Z_DST, &ev->dst);
        if (!ev->dport) { int64_t p = VI(in, Z_P); ev->dport = p > 0 && p < 65536 ? (uint16_t)p : 0; }
        break;
    case SOC_EV_CONN: {
        ev->conn.service = V(in, Z_SERVICE);
        ev->conn.state = V(in, Z_CONN_STATE);
        int64_t v;
        ev->conn.orig_bytes = (v = VI(in, Z_ORIG_BYTES)) > 0 ? (uint64_t)v : 0;
        ev->conn.resp_bytes = (v = VI(in, Z_RESP_BYTES)) > 0 ? (uint64_t)v : 0;
        ev->conn.orig_pkts = (v = VI(in, Z_ORIG_PKTS)) > 0 ? (uint64_t)v : 0;
        ev->conn.resp_pkts = (v = VI(in, Z_RESP_PKTS)) > 0 ? (uint64_t)v : 0;
        soc_str d = V(in, Z_DURATION);
        if (d.n && d.n < 32) ev->conn.duration = parse_duration(d);
        soc_flow *fl = &rec->u.conn.flow;
        memset(fl, 0, sizeof *fl);
        fl->start = ev->ts;
        /* hostile durations (1e300, nan, negative) must not overflow the
         * conversion (found by fuzz_zeek): beyond 31 years is no connection */
        double dsec = ev->conn.duration;
        kn_time dur = dsec > 0 && dsec < 1e9 ? (kn_time)(dsec * 1e9) : 0;
        fl->end = fl->start > INT64_MAX - dur ? INT64_MAX : fl->start + dur;
        soc_flow_from_conn(fl, ev, in->file, line);
        rec->kind = SOC_REC_CONN;
        rec->ts = fl->start;
        return 1;
    }
    default:
        break;
    }
    rec->kind = SOC_REC_EVENT;
    rec->ts = ev->ts;
    return 1;
}

static int zeek_tsv_row(zeek_in *in, const char *s, size_t n, uint64_t line, soc_record *rec, const char **why)
{
    if (in->nfields == 0) { *why = "data row before any #fields header"; return -1; }
    /* No per-row reset of set[]/val[]: every column below writes its field
     * (unset '-' included) and fields without a column were cleared when the
     * #fields header was read. Resetting all Z_COUNT fields per row was 8%
     * of http.log instructions (callgrind). A field mapped by two columns
     * takes the last one, as before. */
    /* Field boundaries: every separator in the row, found as a 64-bit mask
     * of separator positions per 64-byte block (four SSE2 compares) and
     * walked bit by bit: memchr per field cost a quarter of Zeek ingest and
     * a 16-byte SSE2 search restarted per field still 23% of http.log
     * (rows have 20-30 short fields; perf). */
    const char *end = s + n, *fs = s, *blk = s;
    int col = 0;
    uint64_t mask = 0;
    size_t blen = 0;                  /* bytes covered by mask from blk */
    const char sep = in->sep;
    for (;;) {
        const char *q;
        while (!mask) {
            blk += blen;
            if (blk >= end) { q = end; goto field; }
            size_t left = (size_t)(end - blk);
#if defined(__SSE2__)
            if (left >= 64) {
                const __m128i sepv = _mm_set1_epi8(sep);
                const __m128i *b = (const __m128i *)(const void *)blk;
                uint64_t m0 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(b), sepv));
                uint64_t m1 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(b + 1), sepv));
                uint64_t m2 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(b + 2), sepv));
                uint64_t m3 = (uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128(b + 3), sepv));
                mask = m0 | m1 << 16 | m2 << 32 | m3 << 48;
                blen = 64;
                continue;
            }
#endif
            blen = left < 64 ? left : 64;
            size_t i = 0;
#if defined(__SSE2__)
            /* the row's last < 64 bytes: whole 16-byte chunks, then bytes */
            for (; i + 16 <= blen; i += 16)
                mask |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
                            _mm_loadu_si128((const __m128i *)(const void *)(blk + i)), _mm_set1_epi8(sep))) << i;
#endif
            for (; i < blen; i++)
                if (blk[i] == sep) mask |= 1ull << i;
        }
        q = blk + __builtin_ctzll(mask);
        mask &= mask - 1;
    field:
        if (col >= in->nfields) { *why = "more columns than #fields"; return -1; }
        enum zf id = in->col[col];
        /* the raw text only; '-' and '(empty)' are told apart when a field
         * is read (V, S): most columns are never read, and deciding for
         * each was half of this loop (callgrind) */
        if (id != Z_NONE) in->val[id] = soc_s(fs, (size_t)(q - fs));
        col++;
        if (q >= end) break;
        fs = q + 1;
    }
    if (col != in->nfields) { *why = "fewer columns than #fields"; return -1; }
    return zeek_build(in, in->path_kind, in->path, line, rec, why);
}

#define ZEEK_FUSED_FALLBACK 2
#define ZEEK_FUSED_MAX_ROW ((size_t)1 << 20)

/* A TSV data row at s, when the rest of the input is in memory (s..end):
 * separators and the row's newline are found in the same 64-byte blocks,
 * so the row is read once instead of once by kn_reader_line's memchr and
 * once more here (the line reading was a tenth of http.log time; perf).
 * Only the plain case is handled: a row with the wrong number of columns,
 * longer than ZEEK_FUSED_MAX_ROW or otherwise odd returns
 * ZEEK_FUSED_FALLBACK and is read again by kn_reader_line and
 * zeek_tsv_row, which report it as before. *consumed: the row's bytes with
 * its newline. */
static int zeek_tsv_fused(zeek_in *in, const char *s, const char *end, size_t *consumed, uint64_t line,
                          soc_record *rec, const char **why)
{
    const char sep = in->sep;
    const char *fs = s, *blk = s, *q, *row_end = NULL;
    uint64_t mask = 0;
    size_t blen = 0;
    int col = 0;
    for (;;) {
        while (!mask) {
            if (row_end) { q = row_end; goto last; }
            blk += blen;
            if (blk >= end) { q = end; goto last; }
            if ((size_t)(blk - s) > ZEEK_FUSED_MAX_ROW) return ZEEK_FUSED_FALLBACK;
            size_t left = (size_t)(end - blk);
            uint64_t sm = 0, nm = 0;
            blen = left < 64 ? left : 64;
            size_t i = 0;
#if defined(__SSE2__)
            const __m128i sepv = _mm_set1_epi8(sep), nlv = _mm_set1_epi8('\n');
            for (; i + 16 <= blen; i += 16) {
                __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(blk + i));
                sm |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, sepv)) << i;
                nm |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, nlv)) << i;
            }
#endif
            for (; i < blen; i++) {
                sm |= (uint64_t)(blk[i] == sep) << i;
                nm |= (uint64_t)(blk[i] == '\n') << i;
            }
            if (nm) {
                unsigned at = (unsigned)__builtin_ctzll(nm);
                row_end = blk + at;
                sm &= at ? ~0ull >> (64 - at) : 0;   /* separators of this row only */
            }
            mask = sm;
        }
        q = blk + __builtin_ctzll(mask);
        mask &= mask - 1;
        if (col >= in->nfields) return ZEEK_FUSED_FALLBACK;
        enum zf id = in->col[col];
        if (id != Z_NONE) in->val[id] = soc_s(fs, (size_t)(q - fs));
        col++;
        fs = q + 1;
    }
last:
    *consumed = (size_t)(q - s) + (q < end);   /* with the newline */
    if (q > fs && q[-1] == '\r') q--;        /* as kn_reader_line strips it */
    if (col >= in->nfields) return ZEEK_FUSED_FALLBACK;
    {
        enum zf id = in->col[col];
        if (id != Z_NONE) in->val[id] = soc_s(fs, (size_t)(q - fs));
    }
    col++;
    if (col != in->nfields) return ZEEK_FUSED_FALLBACK;
    return zeek_build(in, in->path_kind, in->path, line, rec, why);
}

/* ---- the row plan: conn and http rows in place -------------------------------
 *
 * For the two logs that make up most of Zeek's volume, a #fields header is
 * turned once into the column of each field read (zeek_plan); a row's
 * separator positions are collected and only those columns are converted,
 * straight into the event and flow: no soc_str per column stored and read
 * again by zeek_build, nothing done for columns no reader wants. Storing
 * every column and re-reading the fields in zeek_build was 45% of conn.log
 * ingest (perf). Every row reads exactly as zeek_tsv_row + zeek_build read
 * it (fuzz_zeek_fast compares them); anything out of the plain case
 * (column count, rows over 1 MiB) goes back to that general path. */

/* Makes the plan (zc[]) for the current #path and #fields; plan_ok stays
 * 0 for other paths and for headers without a ts column (every row is bad
 * then, which the general path reports). A field named by two columns is
 * read from the last, as zeek_tsv_row keeps the last. */
static void zeek_plan(zeek_in *in)
{
    in->plan_dirty = 0;
    in->plan_ok = 0;
    in->plan_rec = NULL;
    int kind = in->path_kind;
    if (in->nfields <= 0 || (kind != SOC_EV_CONN && kind != SOC_EV_HTTP)) return;
    assert(in->nfields <= ZEEK_MAX_FIELDS);   /* pos[] holds a row's separators */
    for (int f = 0; f < Z_COUNT; f++) in->zc[f] = -1;
    for (int c = 0; c < in->nfields; c++) in->zc[in->col[c]] = (int16_t)c;
    in->plan_ok = in->zc[Z_TS] >= 0;
    static const enum zf lanes[8] = {Z_ORIG_BYTES, Z_RESP_BYTES, Z_ORIG_PKTS, Z_RESP_PKTS,
                                     Z_ORIG_P,     Z_RESP_P,     Z_DURATION,  Z_DURATION};
    in->zv_ok = kind == SOC_EV_CONN;
    for (int l = 0; l < 8; l++) {
        in->zv_col[l] = in->zc[lanes[l]];
        if (in->zc[lanes[l]] < 0) in->zv_ok = 0;
    }
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ZEEK_SWAR 1   /* words taken straight from memcpy (core/digits.h) */
#endif
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
#define ZEEK_AVX2 1
#include <immintrin.h>
#endif

/* ts as zeek_build reads it (0 ok). Zeek writes "1700000000.000500": ten
 * digits and six, read here as two eight-byte words; kn_time_parse gives
 * the same nanoseconds for that layout below 9e9 s (its own bound), and
 * decides every other text. (perf: kn_time_parse was 7% of conn.log
 * ingest; its length and layout tests and epoch cache are what a fixed
 * layout needs no more.) */
static inline __attribute__((always_inline)) int z_ts(kn_time *t, const char *p, size_t n)
{
#if defined(ZEEK_SWAR)
    if (n == 17 && p[10] == '.' && p[0] >= '1' && p[0] <= '8') {
        uint64_t a, b;
        memcpy(&a, p + 2, 8);                      /* second digits 3..10 */
        memcpy(&b, p + 9, 8);                      /* digit 10, '.', fraction */
        b ^= (uint64_t)('.' ^ '0') << 8;           /* the dot read as a zero */
        unsigned d1 = (unsigned)(p[1] - '0');
        if (d1 <= 9 && !kn_nondigits8(a) && !kn_nondigits8(b)) {
            int64_t sec = (int64_t)((p[0] - '0') * 10 + d1) * 100000000 + kn_value8(a);
            int64_t frac = (int64_t)kn_value8(b) - (int64_t)(p[9] - '0') * 10000000;
            *t = sec * KN_NS_PER_SEC + frac * 1000;
            return 0;
        }
    }
#endif
    if (!z_str(p, n).n) return -1;   /* unset, empty */
    return kn_time_parse(t, p, (long)n);
}

static inline void z_ip(const char *p, size_t n, kn_ip *ip)
{
    if (!n || soc_str_ip(soc_s(p, n), ip) != 0) memset(ip, 0, sizeof *ip);
}

/* soc_str_int of n (1..8) text bytes, the first in w's low byte and the
 * bytes past them anything: -1 or the value. The field's n bytes go to
 * the top as values (a digit is 0..9 after the xor), zeros below; a byte
 * over 9 shows in bit 7 of itself (0x80 and up) or else of itself + 0x76
 * (bytes below 0x80 carry nothing into the next byte, and a carry out of
 * one of 0x80 and up only adds to a verdict already made). */
static inline __attribute__((always_inline)) int64_t z_swar8(uint64_t w, size_t n)
{
    uint64_t x = (w ^ 0x3030303030303030ull) << (64 - 8 * n);
    uint64_t bad = ((x + 0x7676767676767676ull) | x) & 0x8080808080808080ull;
    x = x * 2561 >> 8 & 0x00FF00FF00FF00FFull;
    x = x * 6553601 >> 16 & 0x0000FFFF0000FFFFull;
    int64_t v = (int64_t)(x * 42949672960001ull >> 32);
    return bad ? -1 : v;
}

/* soc_str_int of p[0..n); may read up to 8 bytes from p before lim, or
 * anywhere in p[0..8) when room says the caller checked those are inside
 * the input (z_read_row checks once a row: the test per field was ~60
 * instructions of a conn row, callgrind). Up to eight digits are checked
 * and converted as one word (perf: the digit loop was a fifth of a conn
 * row's instructions, callgrind). */
static inline __attribute__((always_inline)) int64_t z_int(const char *p, size_t n, const char *lim, int room)
{
#if defined(ZEEK_SWAR)
    if (n - 1 < 8 && (room || lim - p >= 8)) return z_swar8(soc_ld64u(p), n);
#else
    (void)lim;
    (void)room;
#endif
    return soc_str_int(soc_s(p, n));
}

static inline __attribute__((always_inline)) uint16_t z_port(const char *p, size_t n, const char *lim, int room)
{
    int64_t v = z_int(p, n, lim, room);
    return v > 0 && v < 65536 ? (uint16_t)v : 0;
}

/* parse_duration of p[0..n) (1 <= n < 32): "96.944000", whole and fraction
 * parts of at most eight digits, is read here with z_int and the same
 * division (the same double), the rest by parse_duration. */
static inline __attribute__((always_inline)) double z_duration(const char *p, size_t n, const char *lim, int room)
{
    static const uint64_t pow10u[] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    static const double pow10d[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    size_t dot = 0;
#if defined(__SSE2__)
    if (room || lim - p >= 16) {   /* one compare for the dot instead of a loop (perf) */
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)p),
                                                                _mm_set1_epi8('.')));
        m &= n < 16 ? (1u << n) - 1 : 0xFFFFu;
        dot = m ? (size_t)__builtin_ctz(m) : n;   /* a dot past 16 fails dot <= 8 as n does */
    } else
#endif
    while (dot < n && p[dot] != '.') dot++;
    size_t fn = dot < n ? n - dot - 1 : 0;
#if defined(ZEEK_SWAR)
    if (dot >= 1 && dot < n && n <= 9 && (room || lim - p >= 9)) {
        /* at most eight digits around the dot ("96.944000"): the digits
         * before it and those after it moved down a byte make one word,
         * read by one z_int (perf: half of this function's work) */
        uint64_t w = soc_ld64u(p), w1 = soc_ld64u(p + 1);
        uint64_t lo = ~0ull >> (64 - 8 * dot);            /* bytes before the dot */
        int64_t m = z_swar8((w & lo) | (w1 & ~lo), n - 1);
        if (m >= 0) return fn > 0 ? (double)m / pow10d[fn] : (double)m;
    }
#endif
    /* at most 15 digits in all: m below 2^53 converts exactly, as
     * parse_duration's own fast path requires (16 digits, 99999999.99999999,
     * made m round before the division and differ from strtod) */
    if (dot >= 1 && dot <= 8 && fn <= 8 && dot + fn <= 15) {
        int64_t w = z_int(p, dot, lim, room), f = fn ? z_int(p + dot + 1, fn, lim, room) : 0;
        if (w >= 0 && f >= 0) {
            uint64_t m = (uint64_t)w * pow10u[fn] + (uint64_t)f;
            return fn > 0 ? (double)m / pow10d[fn] : (double)m;
        }
    }
    return parse_duration(soc_s(p, n));
}

/* The fields of a planned row, read straight from their columns: no
 * switch on a per-column operation (perf: the indirect jump per column
 * and the calls around it cost more than the conversions). Absent fields
 * keep soc_event_init's values, which are what zeek_build gives them. */
#define ZHAS(f) (zc[f] >= 0)
#define ZP(f) (s + pos[zc[f]] + 1)
#define ZN(f) ((size_t)(pos[zc[f] + 1] - pos[zc[f]] - 1))
#define ZSTR(f, dst) do { if (ZHAS(f)) (dst) = z_str(ZP(f), ZN(f)); } while (0)
#define ZI64(f) (ZHAS(f) ? z_int(ZP(f), ZN(f), lim, room) : -1)
#define ZCOUNT(f) (ZHAS(f) ? z_count(ZP(f), ZN(f), lim, room) : 0)
#define ZPORT(f) (ZHAS(f) ? z_port(ZP(f), ZN(f), lim, room) : 0)

static inline __attribute__((always_inline)) uint64_t z_count(const char *p, size_t n, const char *lim, int room)
{
    int64_t v = z_int(p, n, lim, room);
    return v > 0 ? (uint64_t)v : 0;
}

/* proto_num of p[0..n) when 4 bytes from p are readable: one word
 * compare, not a call and three byte compares (perf) */
static inline __attribute__((always_inline)) uint8_t z_proto(const char *p, size_t n)
{
#if defined(ZEEK_SWAR)
    uint32_t w = soc_ld32u(p), w3 = w & 0xFFFFFF;
    const uint32_t tcp = 't' | 'c' << 8 | 'p' << 16, udp = 'u' | 'd' << 8 | 'p' << 16,
                   icmp = (uint32_t)'i' | (uint32_t)'c' << 8 | (uint32_t)'m' << 16 | (uint32_t)'p' << 24;
    if (n == 3) return w3 == tcp ? 6 : w3 == udp ? 17 : 0;
    return n == 4 && w == icmp ? 1 : 0;
#else
    return proto_num(soc_s(p, n));
#endif
}

/* zeek_plan_row_t's block masks and separator positions */
enum { Z_MODE_SSE2 = 0, Z_MODE_AVX2, Z_MODE_AVX512 };

#if defined(ZEEK_AVX2)
#define ZEEK_AVX512 1
#define Z_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi2,popcnt,bmi,bmi2")))
/* A conn row's four counts and two ports as z_count and z_port read
 * them, in six 64-bit lanes of one register: the eight bytes at each
 * field's start, shifted so the field's digits end the lane, checked and
 * converted as z_swar8 does for one (the six z_int calls were ~250
 * instructions of a conn row's ~1450, callgrind; this form made conn.log
 * rows 10% faster than the scalar one on the same AVX-512 row plan,
 * perf), ts in the two lanes left (z_ts was ~43 instructions a row,
 * callgrind), and the duration as z_read_row_t reads it. Reads up to 16
 * bytes past the row's last field start (the caller checks they are
 * inside the input). 1 done, -1 ts missing or bad (the row is), 0 a
 * count or port of more than eight bytes: ts not read, nothing else
 * decided (z_int's general path reads those). */
/* The scalar half that z_conn_nums_avx512 and z_conn_nums_avx2 share:
 * the duration (read apart, by z_duration: in the vector its dot search
 * held up all eight lanes; perf), and each lane's text start and length:
 * the four counts and two ports in zv_col's order, then ts as z_ts reads
 * Zeek's "1700000000.000500", its second digits 3..10 and its six
 * fraction digits, when the text has that layout (ts_plain; otherwise
 * both lanes read lane 0's text and z_ts decides). Starts, lengths and
 * words come from scalar loads, not gathers: gathers of pos[] and of the
 * text made the form no faster than the scalar one (perf; their latency
 * sits on the row's critical path, and a gather of pos[] waits for the
 * separator stores to leave the store buffer). ts's lanes read its own 17
 * bytes and 2 past: inside the row's room. */
typedef struct z_lanes {
    int32_t st[8], en[8];   /* lane l reads s[st[l] .. en[l]) */
    const char *tp;         /* ts's text */
    int32_t tn;             /* its length */
    int ts_plain;
} z_lanes;

static inline __attribute__((always_inline)) void z_conn_lanes(const zeek_in *in, const char *s, const int32_t *pos,
                                                               const char *lim, soc_event *ev, z_lanes *L)
{
    const int16_t *zc = in->zc;
    int32_t ds = pos[zc[Z_DURATION]] + 1, dn = pos[zc[Z_DURATION] + 1] - ds;
    soc_str d = z_str(s + ds, (size_t)dn);
    ev->conn.duration = d.n && d.n < 32 ? z_duration(d.p, d.n, lim, 1) : 0;
    int32_t ts0 = pos[zc[Z_TS]] + 1;
    L->tp = s + ts0;
    L->tn = pos[zc[Z_TS] + 1] - ts0;
    L->ts_plain = L->tn == 17 && L->tp[10] == '.' && L->tp[0] >= '1' && L->tp[0] <= '8' && (unsigned)(L->tp[1] - '0') <= 9;
    const int32_t *zv = in->zv_col;
    for (int l = 0; l < 6; l++) {
        L->st[l] = pos[zv[l]] + 1;
        L->en[l] = pos[zv[l] + 1];
    }
    L->st[6] = L->ts_plain ? ts0 + 2 : L->st[0];
    L->st[7] = L->ts_plain ? ts0 + 11 : L->st[0];
    L->en[6] = L->st[6] + 8;
    L->en[7] = L->st[7] + 6;
}

/* ts from lanes 6 and 7 (its second digits 3..10, its microseconds) when
 * ts_plain and both lanes held digits only (lanes_ok); z_ts otherwise.
 * 1 done, -1 ts missing or bad. */
static inline __attribute__((always_inline)) int z_conn_ts(const z_lanes *L, int lanes_ok, int64_t v6, int64_t v7,
                                                           soc_event *ev)
{
    if (L->ts_plain && lanes_ok) {
        int64_t sec = (int64_t)((L->tp[0] - '0') * 10 + (L->tp[1] - '0')) * 100000000 + v6;
        ev->ts = sec * KN_NS_PER_SEC + v7 * 1000;
        return 1;
    }
    return z_ts(&ev->ts, L->tp, (size_t)L->tn) == 0 ? 1 : -1;
}

Z_AVX512 static inline int z_conn_nums_avx512(const zeek_in *in, const char *s, const int32_t *pos, const char *lim,
                                              soc_event *ev)
{
    z_lanes L;
    z_conn_lanes(in, s, pos, lim, ev, &L);
    const int32_t *p = L.st;
    __m256i st = _mm256_setr_epi32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    __m256i en = _mm256_setr_epi32(L.en[0], L.en[1], L.en[2], L.en[3], L.en[4], L.en[5], L.en[6], L.en[7]);
    __m512i n = _mm512_cvtepu32_epi64(_mm256_sub_epi32(en, st));
    __m512i w = _mm512_set_epi64((long long)soc_ld64u(s + p[7]), (long long)soc_ld64u(s + p[6]),
                                 (long long)soc_ld64u(s + p[5]), (long long)soc_ld64u(s + p[4]),
                                 (long long)soc_ld64u(s + p[3]), (long long)soc_ld64u(s + p[2]),
                                 (long long)soc_ld64u(s + p[1]), (long long)soc_ld64u(s + p[0]));
    __mmask8 klong = _mm512_cmpgt_epu64_mask(n, _mm512_set1_epi64(8));
    if (klong & 0x3F) return 0;
    /* the n digits to the top of the lane, zeros below (leading zeros);
     * a shift of 64 (n == 0) gives 0, counted bad below */
    __m512i sh = _mm512_slli_epi64(_mm512_sub_epi64(_mm512_set1_epi64(8), n), 3);
    __m512i x = _mm512_sllv_epi64(_mm512_xor_si512(w, _mm512_set1_epi8('0')), sh);
    __mmask8 kbad = _mm512_cmpneq_epi64_mask(_mm512_min_epu8(x, _mm512_set1_epi8(9)), x) |
                    _mm512_cmpeq_epi64_mask(n, _mm512_setzero_si512());
    /* pairs of digits (first one x10), then fours (first pair x100), then
     * the lane's two fours (first x10000) */
    __m512i v16 = _mm512_maddubs_epi16(x, _mm512_set1_epi16(0x010A));
    __m512i v32 = _mm512_madd_epi16(v16, _mm512_set1_epi32(0x00010064));
    __m512i v = _mm512_add_epi64(_mm512_mul_epu32(v32, _mm512_set1_epi64(10000)), _mm512_srli_epi64(v32, 32));
    /* counts: bad (-1) or 0 give 0; ports also over 65535 */
    __mmask8 kbig = _mm512_cmpge_epu64_mask(v, _mm512_set1_epi64(65536)) & 0x30;
    __m512i r = _mm512_maskz_mov_epi64((__mmask8)~(kbad | kbig), v);
    _mm256_storeu_si256((__m256i *)(void *)&ev->conn.orig_bytes, _mm512_castsi512_si256(r));
    __m128i ports = _mm512_extracti32x4_epi32(r, 2);
    ev->sport = (uint16_t)_mm_cvtsi128_si64(ports);
    ev->dport = (uint16_t)_mm_extract_epi64(ports, 1);
    __m128i tv = _mm512_extracti32x4_epi32(v, 3);
    return z_conn_ts(&L, !(kbad & 0xC0), _mm_cvtsi128_si64(tv), _mm_extract_epi64(tv, 1), ev);
}

#define Z_AVX2 __attribute__((target("avx2,bmi,popcnt")))
/* z_conn_nums_avx512 for AVX2: the same eight 64-bit lanes in two
 * registers (counts; ports and ts), the same checks and the same answers.
 * (The six z_int calls and z_ts were ~290 instructions of an AVX2 conn
 * row, callgrind.) */
Z_AVX2 static inline int z_conn_nums_avx2(const zeek_in *in, const char *s, const int32_t *pos, const char *lim,
                                          soc_event *ev)
{
    z_lanes L;
    z_conn_lanes(in, s, pos, lim, ev, &L);
    const int32_t *p = L.st;
    __m256i st = _mm256_setr_epi32(p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7]);
    __m256i en = _mm256_setr_epi32(L.en[0], L.en[1], L.en[2], L.en[3], L.en[4], L.en[5], L.en[6], L.en[7]);
    __m256i n32 = _mm256_sub_epi32(en, st);   /* 0 or more: separators ascend */
    if (_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(n32, _mm256_set1_epi32(8)))) & 0x3F) return 0;
    /* the n digits to the top of each lane (a shift of 64, n == 0, gives
     * 0: counted bad below) */
    __m256i sh32 = _mm256_slli_epi32(_mm256_sub_epi32(_mm256_set1_epi32(8), n32), 3);
    __m256i na = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(n32)), nb = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(n32, 1));
    __m256i sha = _mm256_cvtepu32_epi64(_mm256_castsi256_si128(sh32)), shb = _mm256_cvtepu32_epi64(_mm256_extracti128_si256(sh32, 1));
    __m256i wa = _mm256_setr_epi64x((long long)soc_ld64u(s + p[0]), (long long)soc_ld64u(s + p[1]),
                                    (long long)soc_ld64u(s + p[2]), (long long)soc_ld64u(s + p[3]));
    __m256i wb = _mm256_setr_epi64x((long long)soc_ld64u(s + p[4]), (long long)soc_ld64u(s + p[5]),
                                    (long long)soc_ld64u(s + p[6]), (long long)soc_ld64u(s + p[7]));
    const __m256i zero8 = _mm256_set1_epi8('0'), nine = _mm256_set1_epi8(9), zero = _mm256_setzero_si256();
    __m256i xa = _mm256_sllv_epi64(_mm256_xor_si256(wa, zero8), sha);
    __m256i xb = _mm256_sllv_epi64(_mm256_xor_si256(wb, zero8), shb);
    /* lanes of digits only, and not empty: all ones */
    __m256i ga = _mm256_andnot_si256(_mm256_cmpeq_epi64(na, zero), _mm256_cmpeq_epi64(_mm256_min_epu8(xa, nine), xa));
    __m256i gb = _mm256_andnot_si256(_mm256_cmpeq_epi64(nb, zero), _mm256_cmpeq_epi64(_mm256_min_epu8(xb, nine), xb));
    const __m256i m10 = _mm256_set1_epi16(0x010A), m100 = _mm256_set1_epi32(0x00010064), m1e4 = _mm256_set1_epi64x(10000);
    __m256i va = _mm256_madd_epi16(_mm256_maddubs_epi16(xa, m10), m100);
    __m256i vb = _mm256_madd_epi16(_mm256_maddubs_epi16(xb, m10), m100);
    va = _mm256_add_epi64(_mm256_mul_epu32(va, m1e4), _mm256_srli_epi64(va, 32));
    vb = _mm256_add_epi64(_mm256_mul_epu32(vb, m1e4), _mm256_srli_epi64(vb, 32));
    /* counts: bad (-1) or 0 give 0; ports also over 65535 */
    _mm256_storeu_si256((__m256i *)(void *)&ev->conn.orig_bytes, _mm256_and_si256(va, ga));
    __m128i ports = _mm_and_si128(_mm256_castsi256_si128(vb),
                                  _mm_and_si128(_mm256_castsi256_si128(gb),
                                                _mm_cmpgt_epi64(_mm_set1_epi64x(65536), _mm256_castsi256_si128(vb))));
    ev->sport = (uint16_t)_mm_cvtsi128_si64(ports);
    ev->dport = (uint16_t)_mm_extract_epi64(ports, 1);
    __m128i tv = _mm256_extracti128_si256(vb, 1);
    return z_conn_ts(&L, (_mm256_movemask_pd(_mm256_castsi256_pd(gb)) & 0xC) == 0xC, _mm_cvtsi128_si64(tv),
                     _mm_extract_epi64(tv, 1), ev);
}
#endif

/* Everything of the row but its addresses (zeek_plan_row_t parses them
 * with the address parser its SIMD form can inline) */
static inline __attribute__((always_inline)) int z_read_row_t(const zeek_in *in, const char *s, const int32_t *pos,
                                                              const char *lim, soc_event *ev, int mode, int room)
{
    const int16_t *zc = in->zc;
#if defined(ZEEK_AVX512)
    /* (zv_ok: a conn plan) */
    const int vec = (mode == Z_MODE_AVX512 || mode == Z_MODE_AVX2) && room && in->zv_ok;
#else
    const int vec = 0;
    (void)mode;
#endif
    if (!vec && z_ts(&ev->ts, ZP(Z_TS), ZN(Z_TS)) != 0) return -1;
    if (in->path_kind == SOC_EV_HTTP) {
        ev->sport = ZPORT(Z_ORIG_P);
        ev->dport = ZPORT(Z_RESP_P);
        ev->proto = 6;
        ZSTR(Z_METHOD, ev->http.method);
        ZSTR(Z_HOST, ev->http.host);
        ZSTR(Z_URI, ev->http.uri);
        ZSTR(Z_REFERRER, ev->http.referrer);
        ZSTR(Z_VERSION, ev->http.version);
        ZSTR(Z_UA, ev->http.user_agent);
        ev->http.req_body_len = ZI64(Z_REQ_LEN);
        ev->http.resp_body_len = ZI64(Z_RESP_LEN);
        ev->http.status = (int)ZI64(Z_STATUS);
        ZSTR(Z_ORIG_MIME, ev->http.req_content_type);
        ZSTR(Z_RESP_MIME, ev->http.resp_content_type);
        ZSTR(Z_USERNAME, ev->http.authorization);
        return 0;
    }
    if (ZHAS(Z_PROTO)) ev->proto = room ? z_proto(ZP(Z_PROTO), ZN(Z_PROTO)) : proto_num(soc_s(ZP(Z_PROTO), ZN(Z_PROTO)));
    ZSTR(Z_SERVICE, ev->conn.service);
    ZSTR(Z_CONN_STATE, ev->conn.state);
#if defined(ZEEK_AVX512)
    if (vec) {
        int r = mode == Z_MODE_AVX512 ? z_conn_nums_avx512(in, s, pos, lim, ev) : z_conn_nums_avx2(in, s, pos, lim, ev);
        if (r != 0) return r > 0 ? 0 : -1;
        if (z_ts(&ev->ts, ZP(Z_TS), ZN(Z_TS)) != 0) return -1;   /* long counts: all below */
    }
#endif
    ev->sport = ZPORT(Z_ORIG_P);
    ev->dport = ZPORT(Z_RESP_P);
    ev->conn.orig_bytes = ZCOUNT(Z_ORIG_BYTES);
    ev->conn.resp_bytes = ZCOUNT(Z_RESP_BYTES);
    ev->conn.orig_pkts = ZCOUNT(Z_ORIG_PKTS);
    ev->conn.resp_pkts = ZCOUNT(Z_RESP_PKTS);
    if (ZHAS(Z_DURATION)) {
        soc_str d = z_str(ZP(Z_DURATION), ZN(Z_DURATION));
        ev->conn.duration = d.n && d.n < 32 ? z_duration(d.p, d.n, lim, room) : 0;   /* written on every row (plan_rec) */
    }
    return 0;
}

/* z_read_row_t with room when the input has 16 bytes past the row's end
 * (pos[nfields]; zeek_plan_row_t), which covers the widest read of any
 * field (z_duration's dot search): every row but the input's last */
__attribute__((noinline, cold)) static int z_read_row_end(const zeek_in *in, const char *s, const int32_t *pos,
                                                           const char *lim, soc_event *ev)
{
    return z_read_row_t(in, s, pos, lim, ev, Z_MODE_SSE2, 0);
}

/* (the input's last rows out of line: one copy of the row reader in the
 * hot code, not two; perf) */
static inline __attribute__((always_inline)) int z_read_row(const zeek_in *in, const char *s, const int32_t *pos,
                                                            const char *lim, soc_event *ev, int mode)
{
    if (__builtin_expect(lim - (s + pos[in->nfields]) >= 16, 1)) return z_read_row_t(in, s, pos, lim, ev, mode, 1);
    return z_read_row_end(in, s, pos, lim, ev);
}

/* Separator and newline masks of the 64 bytes at p, bit i for p[i]. */
static inline __attribute__((always_inline)) void z_block_sse2(const char *p, char sep, uint64_t *sm, uint64_t *nm)
{
    uint64_t s = 0, n = 0;
#if defined(__SSE2__)
    const __m128i sv = _mm_set1_epi8(sep), nv = _mm_set1_epi8('\n');
    for (int i = 0; i < 4; i++) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
        s |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, sv)) << (16 * i);
        n |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(w, nv)) << (16 * i);
    }
#else
    for (int i = 0; i < 64; i++) {
        s |= (uint64_t)(p[i] == sep) << i;
        n |= (uint64_t)(p[i] == '\n') << i;
    }
#endif
    *sm = s;
    *nm = n;
}

#if defined(ZEEK_AVX2)
/* Two 32-byte compares a mask instead of four 16-byte ones (perf: 8 ns of
 * 124 a conn row, 10 of 157 an http row, with the rest of the row plan) */
__attribute__((target("avx2"))) static inline void z_block_avx2(const char *p, char sep, uint64_t *sm, uint64_t *nm)
{
    const __m256i sv = _mm256_set1_epi8(sep), nv = _mm256_set1_epi8('\n');
    __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
    *sm = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, sv)) |
          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, sv)) << 32;
    *nm = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, nv)) |
          (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, nv)) << 32;
    /* Clean upper halves before the row's SSE code (z_duration, the
     * address parser) runs: GCC puts vzeroupper only before some calls,
     * and once a row skipped soc_event_init (plan_rec) the dirty state
     * reached SSE code and made conn.log rows 2.5x slower (perf). One
     * cheap instruction a block. */
    _mm256_zeroupper();
}

/* AVX-512 (BW for the byte compares into mask registers, VBMI2 for
 * vpcompressb, VL for the 256-bit masked forms): one 64-byte load and two
 * compares a block, and a block's separator positions come out of one
 * vpcompressb of the byte indexes 0..63, widened and stored 16 at a time,
 * instead of a tzcnt-and-store loop per separator (that loop was ~210
 * instructions of a conn row's ~1450, callgrind). */
static const uint8_t z_byte_index[64] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};

/* Masks of the n bytes at p (n <= 64; a masked load reads nothing past
 * p + n, so the input's last bytes need no separate loop) */
Z_AVX512 static inline void z_block_avx512(const char *p, size_t n, char sep, uint64_t *sm, uint64_t *nm)
{
    __m512i w;
    uint64_t valid = ~0ull;
    if (n >= 64) {
        w = _mm512_loadu_si512((const void *)p);
    } else {
        valid = _bzhi_u64(~0ull, (unsigned)n);
        w = _mm512_maskz_loadu_epi8(valid, (const void *)p);
    }
    *sm = _mm512_cmpeq_epi8_mask(w, _mm512_set1_epi8(sep)) & valid;   /* a NUL separator: not the zeroed tail */
    *nm = _mm512_cmpeq_epi8_mask(w, _mm512_set1_epi8('\n'));
}

/* The positions of fm's bits plus base, at out[0..popcount): may write up
 * to 64 entries past out (pos[] has the room: zeek_plan_row_t) */
Z_AVX512 static inline int z_positions_avx512(int32_t *out, uint64_t fm, int32_t base)
{
    __m512i c = _mm512_maskz_compress_epi8(fm, _mm512_loadu_si512((const void *)z_byte_index));
    __m512i b = _mm512_set1_epi32(base);
    int cnt = (int)_mm_popcnt_u64(fm);
    _mm512_storeu_si512((void *)out, _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm512_castsi512_si128(c)), b));
    if (cnt > 16) {
        _mm512_storeu_si512((void *)(out + 16), _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(c, 1)), b));
        if (cnt > 32) {
            _mm512_storeu_si512((void *)(out + 32),
                                _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(c, 2)), b));
            if (cnt > 48)
                _mm512_storeu_si512((void *)(out + 48),
                                    _mm512_add_epi32(_mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(c, 3)), b));
        }
    }
    return cnt;
}

Z_AVX512 static inline void z_zeroupper_avx512(void) { _mm256_zeroupper(); }

static int zeek_avx2_usable(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") && __builtin_cpu_supports("popcnt");
}

static int zeek_avx512_usable(void)
{
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vbmi2") &&
           __builtin_cpu_supports("popcnt") && __builtin_cpu_supports("bmi2");
}
#else
static int zeek_avx512_usable(void) { return 0; }
static int zeek_avx2_usable(void) { return 0; }
#endif

/* The masks of the input's last n < 64 bytes. */
static void z_block_tail(const char *p, size_t n, char sep, uint64_t *sm, uint64_t *nm)
{
    uint64_t s = 0, l = 0;
    for (size_t i = 0; i < n; i++) {
        s |= (uint64_t)(p[i] == sep) << i;
        l |= (uint64_t)(p[i] == '\n') << i;
    }
    *sm = s;
    *nm = l;
}

#if defined(ZEEK_AVX2)
/* soc_str_ip's dotted-quad parser inlined (soc/ipv4.h; SSSE3, implied by
 * AVX2): no call, indirect jump and prologue for each of a row's two
 * addresses, and the two parsed side by side (the calls were a fifth of
 * the addresses' cost; perf). Anything but a plain dotted quad goes
 * through soc_str_ip; test_soc_addr and fuzz_zeek_fast hold both forms to
 * the same answers. */
__attribute__((target("avx2"), always_inline)) static inline void z_ip_avx2(const char *p, size_t n, kn_ip *ip)
{
    uint32_t v4;
    if (n >= 7 && n <= 15 && soc_ipv4_parse_ssse3(p, n, &v4)) { soc_ip_store_v4(ip, v4); return; }
    z_ip(p, n, ip);
}

/* a row's two addresses by one soc_ipv4_parse2_avx2 when 16 bytes from
 * each are readable (room), else one by one; what is no plain dotted quad
 * goes to soc_str_ip (z_ip) as in the other forms */
Z_AVX2 static inline void z_ip2_avx2(const char *p0, size_t n0, const char *p1, size_t n1, kn_ip *a, kn_ip *b,
                                     int room)
{
    if (!room) {
        z_ip_avx2(p0, n0, a);
        z_ip_avx2(p1, n1, b);
        return;
    }
    uint64_t v;
    unsigned ok = soc_ipv4_parse2_avx2(p0, n0, p1, n1, &v);
    if (ok & 1) soc_ip_store_v4_bytes(a, (uint32_t)v);
    else z_ip(p0, n0, a);
    if (ok & 2) soc_ip_store_v4_bytes(b, (uint32_t)(v >> 32));
    else z_ip(p1, n1, b);
}
#endif

#if defined(ZEEK_AVX512)
/* a row's two addresses by one soc_ipv4_parse2_avx512; what is no plain
 * dotted quad goes to soc_str_ip (z_ip) as in the other forms */
Z_AVX512 static inline void z_ip2_avx512(const char *p0, size_t n0, const char *p1, size_t n1, kn_ip *a, kn_ip *b,
                                         int room)
{
    uint64_t v;
    unsigned ok = room ? soc_ipv4_parse2_avx512(p0, n0, p1, n1, &v, 1) : soc_ipv4_parse2_avx512(p0, n0, p1, n1, &v, 0);
    if (ok & 1) soc_ip_store_v4_bytes(a, (uint32_t)v);
    else z_ip(p0, n0, a);
    if (ok & 2) soc_ip_store_v4_bytes(b, (uint32_t)(v >> 32));
    else z_ip(p1, n1, b);
}
#endif

/* Is rec still the event the plan's last row left (plan_rec)? The driver
 * hands the same record back untouched; a caller that reuses or clears
 * it (the differential fuzz target poisons it between calls) fails these
 * checks of values only soc_event_init writes, and the event is zeroed
 * as usual. */
static inline int plan_rec_intact(const zeek_in *in, const soc_record *rec)
{
    const soc_event *ev = &rec->u.ev;
    return in->plan_rec == rec && ev->kind == (soc_event_kind)in->path_kind && ev->source == zeek_source &&
           ev->file == in->file && ev->dns.qtype == -1 && ev->dns.rcode == -1 && ev->alert.signature_id == -1 &&
           ev->fileinfo.size == -1 && ev->smtp.n_attach == 0 && ev->tls.sni.p == NULL && ev->alert.signature.p == NULL;
}

/* A planned row at s (the rest of the input is s..end): 1 record, -1 bad
 * row (why set), ZEEK_FUSED_FALLBACK for the general path; *consumed as
 * zeek_tsv_fused. Two passes: the separators of the row (64-byte masks
 * from the row start, or the previous row's last block, c_*) go to pos[]
 * in a tight loop, then only the planned columns are read, from pos[].
 * (perf: walking every column through a switch cost more than all the
 * conversions; conn rows have 21 columns, 13 read; http 30, 17.) */
static inline __attribute__((always_inline)) int zeek_plan_row_t(zeek_in *in, const char *s, const char *end,
                                                                 size_t *consumed, uint64_t line, soc_record *rec,
                                                                 const char **why, int mode,
                                                                 void (*ipf)(const char *, size_t, kn_ip *))
{
    const char sep = in->sep;
    int32_t *pos = in->pos;
    const int maxsep = in->nfields - 1;   /* pos[1..nfields-1]: separators, pos[0] = -1 */
    const char *blk = s, *q;
    uint64_t sm, nm;
    size_t blen;
    int k = 1;
    pos[0] = -1;
    /* The AVX-512 form reads every row from its start, not on from the
     * bytes of the last block that the row before left (c_*): its number
     * of blocks then follows the row's length alone, which varies little,
     * instead of where the row falls in its first block, which the loop's
     * exit branch could not predict (conn.log rows 4% faster; perf). The
     * AVX2 form does the same: http rows 6% faster (they span four or
     * five blocks); conn rows the same parsed alone (1-3% either way)
     * but 7% faster with every detector on (327 -> 305 ms, task-clock
     * medians of 7, 256 MiB conn.log; why the detectors make the
     * difference is not known: this VM has no PMU counters). SSE2 keeps c_* (the same either way). The AVX2
     * form's tzcnt loop per separator stays: a table-driven expansion (per
     * mask byte the bit indexes from a 256-entry table, widened and
     * stored eight at a time, advancing by the byte's popcount) was 6%
     * slower on conn.log, unrolled or with the offsets from a prefix sum
     * of byte popcounts no better, and eight or sixteen unconditional
     * tzcnt stores a block 6-11% slower (task-clock, 256 MiB conn.log);
     * with every detector on, the table form was 6% slower too and
     * unconditional stores eight at a time the same (317-323 against
     * 299-307 ms, 306 against 306 ms), and every block's mask first, then
     * a loop of exactly the row's separator count with a branch-free
     * advance from block to block, 6% slower (339 against 321 ms). */
    const int carry = mode == Z_MODE_SSE2;
    if (carry && s == in->c_at && end == in->c_end) {
        sm = in->c_sm;
        nm = in->c_nm;
        blen = in->c_len;
    } else {
        goto load;
    }
    for (;;) {
        uint64_t fm = sm & (nm - 1) & ~nm;   /* the separators before the first newline */
        int32_t base = (int32_t)(blk - s);
#if defined(ZEEK_AVX512)
        if (mode == Z_MODE_AVX512) {
            k += z_positions_avx512(pos + k, fm, base);
        } else
#endif
        while (fm) {
            pos[k++] = base + __builtin_ctzll(fm);
            fm &= fm - 1;
        }
        if (k - 1 > maxsep) return ZEEK_FUSED_FALLBACK;     /* more columns than #fields */
        if (nm) break;
        blk += blen;
        if (blk >= end) break;
        if ((size_t)(blk - s) > ZEEK_FUSED_MAX_ROW) return ZEEK_FUSED_FALLBACK;
    load:
        blen = (size_t)(end - blk);
#if defined(ZEEK_AVX512)
        if (mode == Z_MODE_AVX512) {
            if (blen > 64) blen = 64;
            z_block_avx512(blk, blen, sep, &sm, &nm);
        } else
#endif
        if (blen >= 64) {
            blen = 64;
#if defined(ZEEK_AVX2)
            if (mode == Z_MODE_AVX2) z_block_avx2(blk, sep, &sm, &nm);
            else
#endif
                z_block_sse2(blk, sep, &sm, &nm);
        } else {
            z_block_tail(blk, blen, sep, &sm, &nm);
        }
    }
#if defined(ZEEK_AVX512)
    if (mode == Z_MODE_AVX512) z_zeroupper_avx512();   /* as z_block_avx2, once a row */
#endif
    if (k - 1 != maxsep) return ZEEK_FUSED_FALLBACK;        /* fewer */
    in->c_at = NULL;
    if (nm) {
        unsigned at = (unsigned)__builtin_ctzll(nm);
        q = blk + at;
        if (carry && at + 1 < blen) {   /* the next row's first bytes are in this block */
            in->c_at = q + 1;
            in->c_end = end;
            in->c_sm = sm >> (at + 1);
            in->c_nm = nm >> (at + 1);
            in->c_len = blen - at - 1;
        }
        *consumed = (size_t)(q - s) + 1;
    } else {
        q = end;
        *consumed = (size_t)(q - s);
    }
    if (q - s > pos[k - 1] + 1 && q[-1] == '\r') q--;     /* as kn_reader_line strips it */
    pos[k] = (int32_t)(q - s);

    /* The addresses first, into locals: their parse is the row's longest
     * chain of dependent instructions, and begun here it overlaps the
     * rest of the row instead of ending it (parsed last, they were a
     * quarter of a conn row's time; perf) */
    kn_ip src, dst;
    const int16_t *zc = in->zc;
    const int has_src = ZHAS(Z_ORIG_H), has_dst = ZHAS(Z_RESP_H);
#if defined(ZEEK_AVX512)
    if (mode == Z_MODE_AVX512 && has_src && has_dst) {
        /* (fields inside the row: 16 bytes from their starts are readable
         * where the input has 16 past the row's end, as z_read_row) */
        z_ip2_avx512(ZP(Z_ORIG_H), ZN(Z_ORIG_H), ZP(Z_RESP_H), ZN(Z_RESP_H), &src, &dst, end - (s + pos[k]) >= 16);
    } else if (mode == Z_MODE_AVX2 && has_src && has_dst) {
        z_ip2_avx2(ZP(Z_ORIG_H), ZN(Z_ORIG_H), ZP(Z_RESP_H), ZN(Z_RESP_H), &src, &dst, end - (s + pos[k]) >= 16);
    } else
#endif
    {
        if (has_src) ipf(ZP(Z_ORIG_H), ZN(Z_ORIG_H), &src);
        if (has_dst) ipf(ZP(Z_RESP_H), ZN(Z_RESP_H), &dst);
    }

    soc_event *ev = &rec->u.ev;
    const int intact = plan_rec_intact(in, rec);
    if (intact) ev->line = line;   /* the rest is rewritten below */
    else soc_event_init(ev, (soc_event_kind)in->path_kind, zeek_source, in->file, line);
    in->plan_rec = NULL;   /* until this row is whole */
    if (z_read_row(in, s, pos, end, ev, mode) != 0) { *why = "missing or invalid ts"; return -1; }
    if (has_src) ev->src = src;
    if (has_dst) ev->dst = dst;
    if (in->path_kind == SOC_EV_HTTP) {
        rec->kind = SOC_REC_EVENT;
        rec->ts = ev->ts;
        return 1;
    }
    /* every member written (those the same on every row only into a new
     * record), none through memset: GCC made the 144-byte memset of
     * zeek_build a rep stos, whose slow start and the loads of the event
     * behind it were a fifth of a conn row (perf) */
    soc_flow *fl = &rec->u.conn.flow;
    double dsec = ev->conn.duration;   /* bounded as in zeek_build */
    kn_time dur = dsec > 0 && dsec < 1e9 ? (kn_time)(dsec * 1e9) : 0;
    fl->start = ev->ts;
    fl->end = ev->ts > INT64_MAX - dur ? INT64_MAX : ev->ts + dur;
    fl->src = ev->src;
    fl->dst = ev->dst;
    fl->ip_version = ev->src.family;
    fl->sport = ev->sport;
    fl->dport = ev->dport;
    fl->proto = ev->proto;
    fl->packets = ev->conn.orig_pkts + ev->conn.resp_pkts;
    fl->bytes = ev->conn.orig_bytes + ev->conn.resp_bytes;
    fl->offset = line;
    if (!intact) {   /* the same on every row: the row before wrote them (plan_rec) */
        memset(&fl->exporter, 0, sizeof fl->exporter);
        fl->observation_domain = 0;
        fl->tcp_flags = 0;
        fl->frag = 0;
        fl->sampling = 1;
        fl->input_if = fl->output_if = 0;
        fl->file = in->file;
        fl->tos = fl->src_mask = fl->dst_mask = 0;
    }
    rec->kind = SOC_REC_CONN;
    rec->ts = ev->ts;
    return 1;
}

static int zeek_plan_row_sse2(zeek_in *in, const char *s, const char *end, size_t *consumed, uint64_t line,
                              soc_record *rec, const char **why)
{
    int r = zeek_plan_row_t(in, s, end, consumed, line, rec, why, Z_MODE_SSE2, z_ip);
    if (r == 1) in->plan_rec = rec;
    return r;
}

#if defined(ZEEK_AVX2)
Z_AVX2 static int zeek_plan_row_avx2(zeek_in *in, const char *s, const char *end,
                                                               size_t *consumed, uint64_t line, soc_record *rec,
                                                               const char **why)
{
    int r = zeek_plan_row_t(in, s, end, consumed, line, rec, why, Z_MODE_AVX2, z_ip_avx2);
    if (r == 1) in->plan_rec = rec;
    return r;
}
#endif

#if defined(ZEEK_AVX512)
Z_AVX512 static int zeek_plan_row_avx512(zeek_in *in, const char *s, const char *end, size_t *consumed,
                                         uint64_t line, soc_record *rec, const char **why)
{
    int r = zeek_plan_row_t(in, s, end, consumed, line, rec, why, Z_MODE_AVX512, z_ip_avx2);
    if (r == 1) in->plan_rec = rec;
    return r;
}
#endif

static int zeek_json_row(zeek_in *in, const char *s, size_t n, uint64_t line, soc_record *rec, const char **why)
{
    kn_buf *sc = &in->scratch;
    kn_buf_reset(sc);
    kn_buf_reserve(sc, n + 64);
    memset(in->set, 0, sizeof in->set);
    for (int f = 0; f < Z_COUNT; f++) in->val[f] = soc_s(NULL, 0);
    jscan o;
    jtok k, v;
    if (jscan_object(&o, s, n) < 0) { *why = "not a JSON object"; return -1; }
    int r;
    while ((r = jscan_next_fast(&o, &k, &v)) == 1) {
        enum zf id = field_id(k.s, k.n);
        if (id == Z_NONE || v.type == JT_NULL) continue;
        in->set[id] = 1;
        if (v.type == JT_ARR) in->val[id] = jtok_join(&v, sc);
        else if (v.type == JT_TRUE) in->val[id] = soc_cs("T");
        else if (v.type == JT_FALSE) in->val[id] = soc_cs("F");
        else if (v.type == JT_NUM) {
            /* counts may be written as 1.0 by some writers: keep integer part
             * for integer fields (soc_str_int rejects the fraction) */
            in->val[id] = soc_s(v.s, v.n);
            if (id != Z_TS && id != Z_DURATION) {
                const char *dot = memchr(v.s, '.', v.n);
                if (dot) in->val[id].n = (size_t)(dot - v.s);
            }
        } else {
            in->val[id] = jtok_str(&v, sc);
        }
    }
    if (r < 0) { *why = "malformed JSON"; return -1; }
    if (!jscan_at_end(&o)) { *why = "trailing characters after the JSON object"; return -1; }
    char path[32] = "";
    if (S(in, Z_PATH)) {
        size_t c = in->val[Z_PATH].n < sizeof path - 1 ? in->val[Z_PATH].n : sizeof path - 1;
        if (c) memcpy(path, in->val[Z_PATH].p, c);   /* a non-string _path has no text */
        path[c] = 0;
    }
    return zeek_build(in, path_kind(path), path, line, rec, why);
}

static int zeek_next(soc_input *self, soc_record *rec, kn_err *e)
{
    zeek_in *in = (zeek_in *)self;
    for (;;) {
        const char *s, *why = NULL;
        size_t n;
        int trunc;
        /* (fw_s: the last row went this way, and nothing it tests has
         * changed since: headers are read below, with fw_s cleared) */
        if (in->fw_s || (!in->json && in->nfields && in->sep != '\n' && in->sep != '\r' && in->paths != ZEEK_PATHS_GENERAL)) {
            /* rows in place: the reader is asked only now and then (perf:
             * its four calls a row were a tenth of a conn row's
             * instructions, callgrind) */
            const char *end;
            uint64_t line;
            int have = 1;
            if (in->fw_s && (size_t)(in->fw_s - in->fw_rest_at) < ZEEK_REST_EVERY) {
                s = in->fw_s;
                end = in->fw_end;
                line = in->fw_line;
            } else if (zeek_sync(in), kn_reader_rest(in->r, &s, &n)) {
                end = s + n;
                line = kn_reader_lineno(in->r) + 1;
                in->fw_rest_at = s;
            } else {
                have = 0;
            }
            in->fw_s = NULL;
            if (have) {
                /* at the end: on to the line reader below, which says
                 * whether the input ended or was cut short (input.h) */
                if (s == end) have = 0;
                if (have && s[0] != '#' && s[0] != '\n' && s[0] != '\r') {
                    size_t used = 0;
                    if (in->plan_dirty) zeek_plan(in);
                    int r;
                    if (in->plan_ok && in->paths == ZEEK_PATHS_ALL) {
#if defined(ZEEK_AVX512)
                        if (zeek_simd == 3) r = zeek_plan_row_avx512(in, s, end, &used, line, rec, &why);
                        else
#endif
#if defined(ZEEK_AVX2)
                        if (zeek_simd == 2) r = zeek_plan_row_avx2(in, s, end, &used, line, rec, &why);
                        else
#endif
                            r = zeek_plan_row_sse2(in, s, end, &used, line, rec, &why);
                    } else {
                        r = zeek_tsv_fused(in, s, end, &used, line, rec, &why);
                    }
                    if (r != ZEEK_FUSED_FALLBACK) {
                        if (r < 0) {
                            zeek_sync(in);   /* the reader at the row's start */
                            soc_bad_line(in->ctx, in->file, kn_reader_offset(in->r), line, why);
                        }
                        in->skip_bytes += used;
                        in->skip_lines++;
                        /* a page ahead, as kn_reader_skip_lines would (the
                         * hardware prefetcher stops at page boundaries); an
                         * address only, never read past the mapping */
                        uintptr_t ahead = (uintptr_t)(s + used) + 4096;
                        __builtin_prefetch((const void *)ahead);
                        __builtin_prefetch((const void *)(ahead + 64));
                        __builtin_prefetch((const void *)(ahead + 128));
                        in->fw_s = s + used;
                        in->fw_end = end;
                        in->fw_line = line + 1;
                        if (r == 1) return 1;
                        continue;
                    }
                }
            }
        }
        zeek_sync(in);
        uint64_t off = kn_reader_offset(in->r);
        int r = kn_reader_line(in->r, &s, &n, &trunc, e);
        if (r <= 0) return r;
        uint64_t line = kn_reader_lineno(in->r);
        if (trunc) { soc_bad_line(in->ctx, in->file, off, line, "line longer than 16 MiB skipped"); continue; }
        if (n == 0) continue;
        if (!in->json && s[0] == '#') { zeek_header(in, s, n, off, line); continue; }
        r = in->json ? zeek_json_row(in, s, n, line, rec, &why) : zeek_tsv_row(in, s, n, line, rec, &why);
        if (r == 1) return 1;
        if (r < 0) soc_bad_line(in->ctx, in->file, off, line, why);
    }
}

static void zeek_close(soc_input *self)
{
    zeek_in *in = (zeek_in *)self;
    kn_buf_free(&in->scratch);
    free(in);
}

const soc_input_ops soc_input_zeek = {"zeek", "logs", zeek_probe, zeek_open, zeek_next, zeek_close};
