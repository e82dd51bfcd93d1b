/* jscan.c: the lazy JSON member scanner and soc_str helpers (see logs.h for
 * why soc logs do not go through core/jsonp's tree builder). */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>

#include "soc/logs.h"

static inline __attribute__((always_inline)) const char *skip_ws(const char *p, const char *end)
{
    /* compact NDJSON (Suricata, Zeek) has no whitespace between tokens:
     * one compare answers the common case (skip_ws was 7% of EVE
     * instructions with the four-way test first; callgrind) */
    if (p < end && (unsigned char)*p > ' ') return p;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
    return p;
}

/* p at '{' or '['; returns one past the matching bracket, or NULL. */
const char *jscan_skip_nested(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p++;
        switch (c) {
        case '"': {
            int esc;
            const char *q = jscan_str_end(p, end, &esc);
            if (!q) return NULL;
            p = q + 1;
            break;
        }
        case '{': case '[':
            if (++depth > JSCAN_MAX_DEPTH) return NULL;
            break;
        case '}': case ']':
            if (--depth == 0) return p;
            break;
        default:
            break;
        }
    }
    return NULL;
}

/* Reads one value at p into *v; returns the position after it or NULL. */
static inline __attribute__((always_inline)) const char *read_value(const char *p, const char *end, jtok *v)
{
    if (p >= end) return NULL;
    char c = *p;
    v->esc = 0;
    if (c == '"') {
        const char *q = jscan_str_end(p + 1, end, &v->esc);
        if (!q) return NULL;
        v->type = JT_STR;
        v->s = p + 1;
        v->n = (size_t)(q - p - 1);
        return q + 1;
    }
    if (c == '{' || c == '[') {
        const char *q = jscan_skip_nested(p, end);
        if (!q) return NULL;
        v->type = c == '{' ? JT_OBJ : JT_ARR;
        v->s = p;
        v->n = (size_t)(q - p);
        return q;
    }
    /* numbers and literals end at a byte of this table: one load and test
     * a byte instead of seven compares (4% of EVE instructions; callgrind) */
    static const uint8_t ends_scalar[256] = {[','] = 1, ['}'] = 1, [']'] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};
    const char *q = p;
    while (q < end && !ends_scalar[(unsigned char)*q]) q++;
    if (q == p) return NULL;
    v->s = p;
    v->n = (size_t)(q - p);
    if (c == 't') v->type = JT_TRUE;
    else if (c == 'f') v->type = JT_FALSE;
    else if (c == 'n') v->type = JT_NULL;
    else if (c == '-' || (c >= '0' && c <= '9')) v->type = JT_NUM;
    else return NULL;
    return q;
}

static int begin(jscan *s, const char *text, size_t n, char open)
{
    s->end = text + n;
    s->p = skip_ws(text, s->end);
    s->first = 1;
    s->err = 0;
    s->err_at = NULL;
    s->lazy = s->pending = 0;
    if (s->p >= s->end || *s->p != open) { s->err = 1; s->err_at = s->p; return -1; }
    s->p++;
    return 0;
}

int jscan_object(jscan *s, const char *text, size_t n) { return begin(s, text, n, '{'); }
int jscan_array(jscan *s, const char *text, size_t n) { return begin(s, text, n, '['); }

static int fail(jscan *s, const char *at)
{
    s->err = 1;
    s->err_at = at;
    return -1;
}

/* Consumes the separator before the next element: returns 1 to read an
 * element, 0 at the closing bracket, -1 on error. */
void jscan_resume(jscan *s, const char *after)
{
    if (!after) { s->err = 1; s->err_at = s->p; return; }
    s->p = after;
    s->pending = 0;
}

static int separator(jscan *s, char close)
{
    if (s->err) return -1;
    if (s->pending) {
        const char *q = jscan_skip_nested(s->p, s->end);
        if (!q) return fail(s, s->p);
        s->p = q;
        s->pending = 0;
    }
    const char *p = skip_ws(s->p, s->end);
    if (p >= s->end) return fail(s, p);
    if (*p == close) {
        s->p = p + 1;
        return 0;
    }
    if (!s->first) {
        if (*p != ',') return fail(s, p);
        p = skip_ws(p + 1, s->end);
    }
    s->first = 0;
    s->p = p;
    return 1;
}

int jscan_next(jscan *s, jtok *key, jtok *val)
{
    int r = separator(s, '}');
    if (r <= 0) return r;
    const char *p = s->p;
    if (p >= s->end || *p != '"') return fail(s, p);
    p = read_value(p, s->end, key);
    if (!p) return fail(s, s->p);
    p = skip_ws(p, s->end);
    if (p >= s->end || *p != ':') return fail(s, p);
    p = skip_ws(p + 1, s->end);
    if (s->lazy && p < s->end && (*p == '{' || *p == '[')) {
        val->type = *p == '{' ? JT_OBJ : JT_ARR;
        val->esc = 0;
        val->s = p;
        val->n = (size_t)(s->end - p);
        s->p = p;
        s->pending = 1;
        return 1;
    }
    const char *q = read_value(p, s->end, val);
    if (!q) return fail(s, p);
    s->p = q;
    return 1;
}

int jscan_next_item(jscan *s, jtok *val)
{
    int r = separator(s, ']');
    if (r <= 0) return r;
    const char *q = read_value(s->p, s->end, val);
    if (!q) return fail(s, s->p);
    s->p = q;
    return 1;
}

int jscan_at_end(const jscan *s)
{
    return !s->err && skip_ws(s->p, s->end) == s->end;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = hexval(p[i]);
        if (h < 0) return -1;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

soc_str jtok_str(const jtok *t, kn_buf *scratch)
{
    soc_str r = {NULL, 0};
    if (t->type != JT_STR) {
        if (t->type == JT_NUM) { r.p = t->s; r.n = t->n; }
        return r;
    }
    /* str_end noted any backslash while finding the closing quote: a
     * memchr per string here was 3% of EVE instructions (callgrind) */
    if (!t->esc) { r.p = t->s; r.n = t->n; return r; }
    /* The caller reserved room for the whole line; a \uXXXX (6 bytes)
     * never becomes more than 4 bytes, a surrogate pair (12) never more
     * than 4, so output <= input and the buffer does not move. */
    if (scratch->cap - scratch->len < t->n + 1) kn_buf_reserve(scratch, t->n + 1);
    char *o = scratch->data + scratch->len, *o0 = o;
    const char *p = t->s, *end = t->s + t->n;
    while (p < end) {
        if (*p != '\\') { *o++ = *p++; continue; }
        if (p + 1 >= end) { *o++ = *p++; continue; }
        char c = p[1];
        p += 2;
        switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned cp;
            if (hex4(p, end, &cp) < 0) { *o++ = '\\'; *o++ = 'u'; break; }
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                unsigned lo;
                if (hex4(p + 2, end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            o += put_utf8(o, cp);
            break;
        }
        default: *o++ = c; break;   /* \" \\ \/ and unknown escapes */
        }
    }
    r.p = o0;
    r.n = (size_t)(o - o0);
    scratch->len += r.n;
    scratch->data[scratch->len] = 0;
    return r;
}

int64_t jtok_int_general(const jtok *t, int64_t dflt)
{
    if (t->type != JT_NUM && t->type != JT_STR) return dflt;
    const char *p = t->s, *end = t->s + t->n;
    int neg = 0;
    if (p < end && *p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9') return dflt;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return dflt;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (p < end && *p != '.' && *p != 'e' && *p != 'E') return dflt;
    if (v > INT64_MAX) return dflt;
    return neg ? -(int64_t)v : (int64_t)v;
}

double jtok_double(const jtok *t, double dflt)
{
    if (t->type != JT_NUM && t->type != JT_STR) return dflt;
    char b[64];
    if (t->n == 0 || t->n >= sizeof b) return dflt;
    memcpy(b, t->s, t->n);
    b[t->n] = 0;
    char *e;
    double d = strtod(b, &e);
    return e == b ? dflt : d;
}

soc_str jtok_join(const jtok *t, kn_buf *scratch)
{
    soc_str r = {NULL, 0};
    if (t->type == JT_STR) return jtok_str(t, scratch);
    if (t->type != JT_ARR) return r;
    jscan a;
    if (jscan_array(&a, t->s, t->n) < 0) return r;
    /* Items are unescaped one after another into scratch, separated by ','
     * in place: the joined text is shorter than the array's source text. */
    jtok it;
    size_t start = scratch->len;
    int first = 1;
    if (scratch->cap - scratch->len < t->n + 1) kn_buf_reserve(scratch, t->n + 1);
    while (jscan_next_item(&a, &it) == 1) {
        if (it.type != JT_STR && it.type != JT_NUM) continue;
        if (!first) { scratch->data[scratch->len++] = ','; }
        first = 0;
        if (it.type == JT_STR && it.esc) {
            jtok_str(&it, scratch);
        } else {
            memcpy(scratch->data + scratch->len, it.s, it.n);
            scratch->len += it.n;
        }
    }
    scratch->data[scratch->len] = 0;
    r.p = scratch->data + start;
    r.n = scratch->len - start;
    return r;
}

/* ---- soc_str helpers ---------------------------------------------------------- */

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

kn_status jscan_load_array(kn_reader *r, kn_buf *whole, jscan *arr, kn_err *e)
{
    char buf[1 << 16];
    size_t got;
    for (;;) {
        if (kn_reader_read(r, buf, sizeof buf, &got, e) != KN_OK) { kn_buf_free(whole); return e->status; }
        if (got == 0) break;
        if (whole->len + got > JSCAN_MAX_ARRAY) {
            kn_buf_free(whole);
            return kn_err_set(e, KN_ERR_LIMIT, kn_reader_path(r), (int64_t)JSCAN_MAX_ARRAY,
                              "JSON array larger than 2 GiB; convert to NDJSON (one event a line)");
        }
        kn_buf_append(whole, buf, got);
    }
    if (jscan_array(arr, whole->data ? whole->data : "", whole->len) < 0) {
        kn_buf_free(whole);
        return kn_err_set(e, KN_ERR_FORMAT, kn_reader_path(r), 0, "not a JSON array");
    }
    return KN_OK;
}
