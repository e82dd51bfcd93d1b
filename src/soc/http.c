/* http.c: incremental HTTP/1.x request/response parsing over reassembled
 * TCP (see http.h). Hand-written rather than using a library parser
 * (llhttp/http-parser are not in Debian's dev packages for C consumers as a
 * stable API, and we need only heads, framing and body prefixes). */
#include <stdlib.h>

#include "soc/http.h"
#include "soc/logs.h"

#define RESP_KEEP 512

typedef struct http_req {
    kn_time ts;
    char *head;              /* copy of the request head; views point into it */
    soc_str method, uri, version, host, ua, referrer, ctype, auth, cookie;
    uint8_t body[SOC_HTTP_KEEP_BODY];
    size_t body_kept;
    int64_t body_total;
    int complete;
    /* response */
    int have_resp;
    int status;
    char *resp_head;
    soc_str resp_ctype;
    uint8_t resp_body[RESP_KEEP];
    size_t resp_kept;
    int64_t resp_total;
} http_req;

typedef struct dirstate {
    int in_body;
    int chunked, until_close;
    int chunk_phase;         /* 0 size line, 1 data, 2 CRLF after data, 3 trailers */
    int64_t remaining;
    http_req *msg;           /* request being read (client) or request whose response is read (server) */
    int discard;             /* server: response with no request to pair */
} dirstate;

struct soc_http_conn {
    dirstate d[2];
    http_req *q[SOC_HTTP_MAX_PENDING];   /* requests in order; q[0] oldest */
    int nq;
    int dead;
};

soc_http_conn *soc_http_conn_new(void) { return calloc(1, sizeof(soc_http_conn)); }

static size_t req_bytes(const http_req *r)
{
    return r ? sizeof *r + (r->head ? strlen(r->head) + 1 : 0) + (r->resp_head ? strlen(r->resp_head) + 1 : 0) : 0;
}

size_t soc_http_conn_bytes(const soc_http_conn *c)
{
    if (!c) return 0;
    size_t n = sizeof *c + req_bytes(c->d[0].msg);
    for (int i = 0; i < c->nq; i++) n += req_bytes(c->q[i]);
    return n;
}

static void req_free(http_req *r)
{
    if (!r) return;
    free(r->head);
    free(r->resp_head);
    free(r);
}

void soc_http_conn_free(soc_http_conn *c)
{
    if (!c) return;
    for (int i = 0; i < c->nq; i++) req_free(c->q[i]);
    req_free(c->d[0].msg);   /* a request still being read is not queued yet */
    free(c);
}

int soc_http_is_request_start(const uint8_t *p, size_t n)
{
    static const char *const m[] = {"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE ", NULL};
    for (int i = 0; m[i]; i++) {
        size_t k = strlen(m[i]);
        if (n >= k ? memcmp(p, m[i], k) == 0 : memcmp(p, m[i], n) == 0) return 1;
    }
    return 0;
}

/* Length of the head including its blank line, 0 if incomplete. */
static size_t head_len(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        if (p[i] != '\n') continue;
        if (p[i + 1] == '\n') return i + 2;
        if (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n') return i + 3;
    }
    return 0;
}

/* Iterates header lines of head h[0..n) after the first line. */
typedef struct hdr_it { const char *p, *end; } hdr_it;
static int next_header(hdr_it *it, soc_str *name, soc_str *value)
{
    while (it->p < it->end) {
        const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
        const char *le = nl ? nl : it->end;
        const char *line = it->p;
        it->p = nl ? nl + 1 : it->end;
        size_t ln = (size_t)(le - line);
        if (ln && line[ln - 1] == '\r') ln--;
        if (ln == 0) return 0;
        const char *colon = memchr(line, ':', ln);
        if (!colon) continue;
        *name = soc_s(line, (size_t)(colon - line));
        const char *v = colon + 1, *ve = line + ln;
        while (v < ve && (*v == ' ' || *v == '\t')) v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        *value = soc_s(v, (size_t)(ve - v));
        return 1;
    }
    return 0;
}

static void emit_req(http_req *r, const soc_event *tmpl, soc_http_emit emit, void *arg)
{
    soc_event ev = *tmpl;
    ev.kind = SOC_EV_HTTP;
    ev.ts = r->ts;
    ev.http.method = r->method;
    ev.http.uri = r->uri;
    ev.http.version = r->version;
    ev.http.host = r->host;
    ev.http.user_agent = r->ua;
    ev.http.referrer = r->referrer;
    ev.http.req_content_type = r->ctype;
    ev.http.authorization = r->auth;
    ev.http.cookie = r->cookie;
    ev.http.req_body = soc_s((const char *)r->body, r->body_kept);
    ev.http.req_body_len = r->body_total;
    ev.http.status = r->have_resp ? r->status : -1;
    ev.http.resp_content_type = r->resp_ctype;
    ev.http.resp_body = soc_s((const char *)r->resp_body, r->resp_kept);
    ev.http.resp_body_len = r->have_resp ? r->resp_total : -1;
    emit(arg, &ev);
}

static void pop_emit(soc_http_conn *c, const soc_event *tmpl, soc_http_emit emit, void *arg)
{
    http_req *r = c->q[0];
    emit_req(r, tmpl, emit, arg);
    if (c->d[1].msg == r) c->d[1].msg = NULL;
    req_free(r);
    memmove(c->q, c->q + 1, (size_t)(c->nq - 1) * sizeof c->q[0]);
    c->nq--;
}

static void keep(uint8_t *dst, size_t cap, size_t *kept, const uint8_t *p, size_t n)
{
    if (*kept >= cap) return;
    size_t k = n < cap - *kept ? n : cap - *kept;
    memcpy(dst + *kept, p, k);
    *kept += k;
}

/* Body bytes for the message of direction dir. */
static void body_bytes(soc_http_conn *c, int dir, const uint8_t *p, size_t n)
{
    http_req *r = c->d[dir].msg;
    if (!r || c->d[dir].discard) return;
    if (dir == 0) { keep(r->body, sizeof r->body, &r->body_kept, p, n); r->body_total += (int64_t)n; }
    else { keep(r->resp_body, sizeof r->resp_body, &r->resp_kept, p, n); r->resp_total += (int64_t)n; }
}

/* Consumes body bytes; returns bytes used; sets *done when the body ended. */
static size_t feed_body(soc_http_conn *c, int dir, const uint8_t *p, size_t n, int *done, const char **why)
{
    dirstate *d = &c->d[dir];
    size_t used = 0;
    *done = 0;
    if (d->until_close) { body_bytes(c, dir, p, n); return n; }
    if (!d->chunked) {
        size_t k = (uint64_t)d->remaining < n ? (size_t)d->remaining : n;
        body_bytes(c, dir, p, k);
        d->remaining -= (int64_t)k;
        if (d->remaining == 0) *done = 1;
        return k;
    }
    while (used < n) {
        const uint8_t *s = p + used;
        size_t avail = n - used;
        if (d->chunk_phase == 1) {
            size_t k = (uint64_t)d->remaining < avail ? (size_t)d->remaining : avail;
            body_bytes(c, dir, s, k);
            d->remaining -= (int64_t)k;
            used += k;
            if (d->remaining == 0) d->chunk_phase = 2;
            continue;
        }
        const uint8_t *nl = memchr(s, '\n', avail);
        if (!nl) {
            if (avail > 1024) { *why = "chunk size line longer than 1 KiB"; return (size_t)-1; }
            return used;
        }
        size_t ll = (size_t)(nl - s) + 1;
        used += ll;
        if (d->chunk_phase == 2) { d->chunk_phase = 0; continue; }
        if (d->chunk_phase == 3) {
            if (ll <= 2) { *done = 1; return used; }   /* blank line ends the trailers */
            continue;
        }
        int64_t size = 0;
        size_t i = 0;
        int digits = 0;
        for (; i < ll; i++) {
            int h = s[i] >= '0' && s[i] <= '9' ? s[i] - '0' : s[i] >= 'a' && s[i] <= 'f' ? s[i] - 'a' + 10
                  : s[i] >= 'A' && s[i] <= 'F' ? s[i] - 'A' + 10 : -1;
            if (h < 0) break;
            if (size > (INT64_MAX >> 5)) { *why = "absurd chunk size"; return (size_t)-1; }
            size = size * 16 + h;
            digits++;
        }
        if (!digits) { *why = "bad chunk size line"; return (size_t)-1; }
        if (size == 0) d->chunk_phase = 3;
        else { d->remaining = size; d->chunk_phase = 1; }
    }
    return used;
}

static int64_t parse_len(soc_str v)
{
    if (v.n == 0 || v.n > 18) return -2;
    return soc_str_int(v) < 0 ? -2 : soc_str_int(v);
}

/* Parses a complete head; returns 0 or -1 (why). */
static int client_head(soc_http_conn *c, const uint8_t *p, size_t hl, kn_time ts, const char **why)
{
    dirstate *d = &c->d[0];
    http_req *r = calloc(1, sizeof *r);
    if (!r) { *why = "out of memory"; return -1; }
    r->head = malloc(hl + 1);
    if (!r->head) { free(r); *why = "out of memory"; return -1; }
    memcpy(r->head, p, hl);
    r->head[hl] = 0;
    r->ts = ts;
    const char *h = r->head, *end = r->head + hl;
    const char *nl = memchr(h, '\n', hl);
    size_t ll = (size_t)(nl - h);
    if (ll && h[ll - 1] == '\r') ll--;
    const char *sp1 = memchr(h, ' ', ll);
    const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(h + ll - sp1 - 1)) : NULL;
    if (!sp1 || !sp2 || sp1 == h) { req_free(r); *why = "bad request line"; return -1; }
    r->method = soc_s(h, (size_t)(sp1 - h));
    r->uri = soc_s(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    r->version = soc_s(sp2 + 1, (size_t)(h + ll - sp2 - 1));
    if (!soc_str_istarts(r->version, "HTTP/")) { req_free(r); *why = "bad request line"; return -1; }
    hdr_it it = {nl + 1, end};
    soc_str name, value;
    int64_t clen = -1;
    int chunked = 0;
    while (next_header(&it, &name, &value)) {
        if (soc_str_ieq(name, "Host")) r->host = value;
        else if (soc_str_ieq(name, "User-Agent")) r->ua = value;
        else if (soc_str_ieq(name, "Referer")) r->referrer = value;
        else if (soc_str_ieq(name, "Content-Type")) r->ctype = value;
        else if (soc_str_ieq(name, "Authorization")) r->auth = value;
        else if (soc_str_ieq(name, "Cookie") && !r->cookie.n) r->cookie = value;
        else if (soc_str_ieq(name, "Content-Length")) clen = parse_len(value);
        else if (soc_str_ieq(name, "Transfer-Encoding") && soc_str_icontains(value, "chunked")) chunked = 1;
    }
    if (clen == -2) { req_free(r); *why = "bad Content-Length"; return -1; }
    memset(d, 0, sizeof *d);
    d->msg = r;
    if (chunked) { d->in_body = 1; d->chunked = 1; }
    else if (clen > 0) { d->in_body = 1; d->remaining = clen; }
    return 0;
}

static void client_done(soc_http_conn *c, const soc_event *tmpl, soc_http_emit emit, void *arg)
{
    http_req *r = c->d[0].msg;
    c->d[0].msg = NULL;
    c->d[0].in_body = 0;
    if (!r) return;
    r->complete = 1;
    if (c->nq == SOC_HTTP_MAX_PENDING) pop_emit(c, tmpl, emit, arg);
    c->q[c->nq++] = r;
}

static int server_head(soc_http_conn *c, const uint8_t *p, size_t hl, const char **why, int *interim)
{
    dirstate *d = &c->d[1];
    *interim = 0;
    if (hl < 12 || memcmp(p, "HTTP/", 5) != 0) { *why = "bad status line"; return -1; }
    const uint8_t *sp = memchr(p, ' ', hl);
    if (!sp || (size_t)(sp - p) + 4 > hl) { *why = "bad status line"; return -1; }
    int status = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9') { *why = "bad status code"; return -1; }
        status = status * 10 + (sp[i] - '0');
    }
    if (status >= 100 && status < 200) { *interim = 1; return 0; }
    /* the oldest request without a response gets this one */
    http_req *r = NULL;
    for (int i = 0; i < c->nq; i++) if (!c->q[i]->have_resp) { r = c->q[i]; break; }
    memset(d, 0, sizeof *d);
    int64_t clen = -1;
    int chunked = 0;
    soc_str name, value, ctype = {0, 0};
    hdr_it it = {(const char *)memchr(p, '\n', hl) + 1, (const char *)p + hl};
    while (next_header(&it, &name, &value)) {
        if (soc_str_ieq(name, "Content-Length")) clen = parse_len(value);
        else if (soc_str_ieq(name, "Transfer-Encoding") && soc_str_icontains(value, "chunked")) chunked = 1;
        else if (soc_str_ieq(name, "Content-Type")) ctype = value;
    }
    if (clen == -2) { *why = "bad Content-Length"; return -1; }
    if (r) {
        r->resp_head = malloc(hl + 1);
        if (!r->resp_head) { *why = "out of memory"; return -1; }
        memcpy(r->resp_head, p, hl);
        r->resp_head[hl] = 0;
        if (ctype.n) r->resp_ctype = soc_s(r->resp_head + (ctype.p - (const char *)p), ctype.n);
        r->have_resp = 1;
        r->status = status;
        d->msg = r;
    } else {
        d->discard = 1;
    }
    int no_body = status == 204 || status == 304 || (r && soc_str_ieq(r->method, "HEAD"));
    if (no_body) return 0;
    if (chunked) { d->in_body = 1; d->chunked = 1; }
    else if (clen > 0) { d->in_body = 1; d->remaining = clen; }
    else if (clen < 0) { d->in_body = 1; d->until_close = 1; }
    return 0;
}

static void server_done(soc_http_conn *c, const soc_event *tmpl, soc_http_emit emit, void *arg)
{
    dirstate *d = &c->d[1];
    http_req *r = d->msg;
    d->msg = NULL;
    d->in_body = 0;
    d->discard = 0;
    if (!r) return;
    /* emit every completed request up to and including r, in order */
    while (c->nq > 0) {
        int last = c->q[0] == r;
        pop_emit(c, tmpl, emit, arg);
        if (last) break;
    }
}

size_t soc_http_feed(soc_http_conn *c, int dir, const uint8_t *p, size_t n, kn_time ts,
                     const soc_event *tmpl, soc_http_emit emit, void *arg, const char **why)
{
    if (c->dead) { *why = "stream abandoned"; return (size_t)-1; }
    dirstate *d = &c->d[dir];
    size_t used = 0;
    while (used < n) {
        if (d->in_body) {
            int done;
            size_t k = feed_body(c, dir, p + used, n - used, &done, why);
            if (k == (size_t)-1) { c->dead = 1; return k; }
            used += k;
            if (done) {
                if (dir == 0) client_done(c, tmpl, emit, arg);
                else server_done(c, tmpl, emit, arg);
            } else if (k == 0) {
                break;
            }
            continue;
        }
        const uint8_t *s = p + used;
        size_t avail = n - used;
        /* tolerate stray CRLFs between messages */
        if (s[0] == '\r' || s[0] == '\n') { used++; continue; }
        if (dir == 0 && !soc_http_is_request_start(s, avail)) { *why = "not an HTTP request"; c->dead = 1; return (size_t)-1; }
        if (dir == 1 && memcmp(s, "HTTP/", avail < 5 ? avail : 5) != 0) { *why = "not an HTTP response"; c->dead = 1; return (size_t)-1; }
        size_t hl = head_len(s, avail);
        if (!hl) {
            if (avail > SOC_HTTP_MAX_HEAD) { *why = "HTTP head longer than 64 KiB"; c->dead = 1; return (size_t)-1; }
            break;
        }
        if (hl > SOC_HTTP_MAX_HEAD) { *why = "HTTP head longer than 64 KiB"; c->dead = 1; return (size_t)-1; }
        if (dir == 0) {
            if (client_head(c, s, hl, ts, why) < 0) { c->dead = 1; return (size_t)-1; }
            used += hl;
            if (!c->d[0].in_body) client_done(c, tmpl, emit, arg);
        } else {
            int interim;
            if (server_head(c, s, hl, why, &interim) < 0) { c->dead = 1; return (size_t)-1; }
            used += hl;
            if (!interim && !c->d[1].in_body) server_done(c, tmpl, emit, arg);
        }
    }
    return used;
}

void soc_http_close(soc_http_conn *c, const soc_event *tmpl, soc_http_emit emit, void *arg)
{
    /* a request cut short still counts: emit what was seen */
    if (c->d[0].msg) client_done(c, tmpl, emit, arg);
    while (c->nq > 0) pop_emit(c, tmpl, emit, arg);
    c->d[1].msg = NULL;
}
