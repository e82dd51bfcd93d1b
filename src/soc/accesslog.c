/* accesslog.c: HTTP server access logs in the Common and Combined formats
 * (Apache, nginx), such as the proxy in front of an Elasticsearch:
 *
 *   HOST IDENT USER [10/Oct/2000:13:55:36 -0700] "METHOD URI PROTO" STATUS BYTES ["REFERER" "UA" ...]
 *
 * Each line is one SOC_EV_HTTP event with the client as source; the server
 * is unknown (destination unset). A non-"-" USER means the request carried
 * credentials, which the Elasticsearch exposure rule needs to know. Extra
 * trailing fields (nginx variants) are ignored. */
#include <stdlib.h>

#include "soc/logs.h"

typedef struct access_in {
    soc_ctx *ctx;
    kn_reader *r;
    const char *file;
} access_in;

static const char *months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "10/Oct/2000:13:55:36 -0700" */
static int parse_clf_time(const char *s, size_t n, kn_time *t)
{
    if (n < 20) return -1;
    int d, y, h, mi, se, mon = -1;
    if (s[2] != '/' || s[6] != '/' || s[11] != ':' || s[14] != ':' || s[17] != ':') return -1;
    for (int i = 0; i < 12; i++) if (memcmp(s + 3, months[i], 3) == 0) mon = i;
    if (mon < 0) return -1;
    char b[8];
#define NUM(off, len, out) do { memcpy(b, s + (off), (len)); b[len] = 0; \
        for (int _i = 0; _i < (len); _i++) { if (b[_i] < '0' || b[_i] > '9') return -1; } \
        out = atoi(b); } while (0)
    NUM(0, 2, d); NUM(7, 4, y); NUM(12, 2, h); NUM(15, 2, mi); NUM(18, 2, se);
    if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return -1;
    int64_t off = 0;
    if (n >= 26 && s[20] == ' ' && (s[21] == '+' || s[21] == '-')) {
        int oh, om;
        NUM(22, 2, oh); NUM(24, 2, om);
        off = (int64_t)(oh * 3600 + om * 60) * (s[21] == '-' ? -1 : 1);
    }
#undef NUM
    if (y < 1678 || y > 2261) return -1;   /* outside what kn_time (int64 ns) holds */
    int64_t days = kn_days_from_civil(y, (unsigned)mon + 1, (unsigned)d);
    *t = (days * 86400 + h * 3600 + mi * 60 + se - off) * KN_NS_PER_SEC;
    return 0;
}

/* Next space-delimited token starting at *p. */
static soc_str token(const char **p, const char *end)
{
    const char *s = *p;
    while (s < end && *s == ' ') s++;
    const char *q = s;
    while (q < end && *q != ' ') q++;
    *p = q;
    return soc_s(s, (size_t)(q - s));
}

/* Quoted field: returns the inside, handling \" escapes; -1 if absent. */
static int quoted(const char **p, const char *end, soc_str *out)
{
    const char *s = *p;
    while (s < end && *s == ' ') s++;
    if (s >= end || *s != '"') return -1;
    s++;
    const char *q = s;
    while (q < end && *q != '"') { if (*q == '\\' && q + 1 < end) q++; q++; }
    if (q >= end) return -1;
    *out = soc_s(s, (size_t)(q - s));
    *p = q + 1;
    return 0;
}

static int parse_line(access_in *in, const char *s, size_t n, uint64_t line, soc_event *ev, const char **why)
{
    const char *p = s, *end = s + n;
    soc_event_init(ev, SOC_EV_HTTP, "access-log", in->file, line);
    ev->proto = 6;
    soc_str host = token(&p, end), ident = token(&p, end), user = token(&p, end);
    (void)ident;
    if (!host.n || !user.n) { *why = "too few fields"; return -1; }
    if (soc_str_ip(host, &ev->src) != 0) { *why = "client address is not an IP"; return -1; }
    while (p < end && *p == ' ') p++;
    if (p >= end || *p != '[') { *why = "no [time] field"; return -1; }
    const char *rb = memchr(p, ']', (size_t)(end - p));
    if (!rb || parse_clf_time(p + 1, (size_t)(rb - p - 1), &ev->ts) != 0) { *why = "bad [time] field"; return -1; }
    p = rb + 1;
    soc_str req;
    if (quoted(&p, end, &req) != 0) { *why = "no quoted request"; return -1; }
    const char *rp = req.p, *rend = req.p + req.n;
    ev->http.method = token(&rp, rend);
    ev->http.uri = token(&rp, rend);
    ev->http.version = token(&rp, rend);
    soc_str st = token(&p, end), bytes = token(&p, end);
    int64_t status = soc_str_int(st);
    if (status < 100 || status > 999) { *why = "bad status"; return -1; }
    ev->http.status = (int)status;
    ev->http.resp_body_len = soc_str_eq(bytes, "-") ? 0 : soc_str_int(bytes);
    soc_str ref, ua;
    if (quoted(&p, end, &ref) == 0) {
        if (!soc_str_eq(ref, "-")) ev->http.referrer = ref;
        if (quoted(&p, end, &ua) == 0 && !soc_str_eq(ua, "-")) ev->http.user_agent = ua;
    }
    if (!soc_str_eq(user, "-")) ev->http.authorization = user;
    return 0;
}

static int access_probe(const uint8_t *h, size_t n)
{
    const char *s = (const char *)h;
    const char *nl = memchr(s, '\n', n);
    size_t ln = nl ? (size_t)(nl - s) : n;
    access_in dummy = {0};
    soc_event ev;
    const char *why;
    return parse_line(&dummy, s, ln, 1, &ev, &why) == 0 ? 80 : 0;
}

static kn_status access_open(soc_ctx *ctx, kn_reader *r, soc_input **out, kn_err *e)
{
    access_in *in = calloc(1, sizeof *in);
    if (!in) return kn_err_set(e, KN_ERR_NOMEM, kn_reader_path(r), KN_NO_OFFSET, "out of memory");
    in->ctx = ctx;
    in->r = r;
    in->file = kn_reader_path(r);
    kn_reader_set_max_line(r, 1u << 20);
    *out = (soc_input *)in;
    return KN_OK;
}

static int access_next(soc_input *self, soc_record *rec, kn_err *e)
{
    access_in *in = (access_in *)self;
    for (;;) {
        const char *s, *why = NULL;
        size_t n;
        int trunc;
        uint64_t off = kn_reader_offset(in->r);
        int r = kn_reader_line(in->r, &s, &n, &trunc, e);
        if (r <= 0) return r;
        uint64_t line = kn_reader_lineno(in->r);
        if (trunc) { soc_bad_line(in->ctx, in->file, off, line, "line longer than 1 MiB skipped"); continue; }
        if (n == 0) continue;
        if (parse_line(in, s, n, line, &rec->u.ev, &why) == 0) {
            rec->kind = SOC_REC_EVENT;
            rec->ts = rec->u.ev.ts;
            return 1;
        }
        soc_bad_line(in->ctx, in->file, off, line, why);
    }
}

static void access_close(soc_input *self) { free(self); }

const soc_input_ops soc_input_accesslog = {"access-log", "logs", access_probe, access_open, access_next, access_close};
