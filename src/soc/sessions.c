/* sessions.c: the sessions analyzer. Turns packets into the same soc_events
 * the log inputs produce, so every detector works on pcaps too:
 *   - TCP: in-order reassembly per connection and direction, then HTTP/1.x
 *     (http.c), the TLS SNI (tls.c) or SMTP (smtp.c), chosen by content,
 *     not port; a SOC_EV_CONN summary when the connection ends;
 *   - UDP port 53: DNS messages (dns.c).
 *
 * Bounds (soc_options, defaults here): at most max_sessions live
 * connections (new ones beyond are not tracked, counted in a warning);
 * at most max_reassembly bytes buffered per direction (the unparsed tail;
 * parsed bodies stream through); at most 16 out-of-order segments per
 * direction; all sessions' buffers together within a 512 MiB budget
 * (a session that would grow past it stops being parsed); at most 8
 * pipelined HTTP requests waiting per connection; connections idle for
 * 120 s of data time are evicted. Gaps
 * (lost segments) end application parsing for that connection but the
 * byte counts go on. */
#include <stdlib.h>

#include "core/hash.h"
#include "soc/http.h"
#include "soc/logs.h"
#include "soc/proto.h"

#define SESS_IDLE (120 * KN_NS_PER_SEC)
#define SESS_DEFAULT_MAX 100000
#define SESS_DEFAULT_REASM (1u << 20)
#define SESS_MAX_OOO 16
#define SESS_DEFAULT_BUDGET (512u << 20)   /* all sessions' buffers together */

enum app { APP_UNKNOWN = 0, APP_HTTP, APP_TLS, APP_SMTP, APP_NONE };

typedef struct sess_key {
    kn_ip a, b;
    uint16_t pa, pb;
    uint32_t pad;
} sess_key;

typedef struct ooo_seg {
    uint32_t seq, len;
    uint8_t *data;
} ooo_seg;

typedef struct sdir {
    int have_seq;
    uint32_t next;
    kn_buf buf;               /* unconsumed in-order bytes */
    uint64_t bytes, pkts;
    ooo_seg ooo[SESS_MAX_OOO];
    int n_ooo;
    int fin, gap;
} sdir;

typedef struct sess {
    kn_ip cli, srv;
    uint16_t cport, sport;
    kn_time first, last;
    sdir d[2];                /* 0 client->server, 1 server->client */
    enum app app;
    int syn_seen, rst, closed;
    soc_http_conn *http;
    soc_smtp_conn *smtp;
    const char *file;
    uint64_t pktno;
    size_t held;              /* bytes counted against the global budget */
} sess;

typedef struct sess_state {
    kn_htab tab;              /* sess_key -> sess* */
    size_t max_sessions, max_reasm;
    kn_time last_sweep;
    kn_time last_full_sweep;   /* last sweep forced by a full table */
    uint64_t pktno;
    soc_ctx *ctx;
    kn_buf scratch;
    uint64_t untracked, overflow, gaps, over_budget;
    size_t held, budget;      /* bytes held by all sessions, and the cap */
} sess_state;

static void *sess_create(soc_ctx *ctx)
{
    sess_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->max_sessions = ctx->opt.max_sessions ? ctx->opt.max_sessions : SESS_DEFAULT_MAX;
    s->max_reasm = ctx->opt.max_reassembly ? ctx->opt.max_reassembly : SESS_DEFAULT_REASM;
    s->ctx = ctx;
    /* the per-direction cap alone does not bound the total (many sessions
     * each under it), so buffers also share one budget */
    s->budget = SESS_DEFAULT_BUDGET;
    if (s->budget < 4 * s->max_reasm) s->budget = 4 * s->max_reasm;
    if (kn_htab_init(&s->tab, sizeof(sess_key), sizeof(sess *), 1024) < 0) { free(s); return NULL; }
    return s;
}

static void make_key(sess_key *k, const soc_pkt *p, int *swapped)
{
    memset(k, 0, sizeof *k);
    int c = kn_ip_cmp(&p->src, &p->dst);
    *swapped = c > 0 || (c == 0 && p->sport > p->dport);
    if (!*swapped) { k->a = p->src; k->b = p->dst; k->pa = p->sport; k->pb = p->dport; }
    else { k->a = p->dst; k->b = p->src; k->pa = p->dport; k->pb = p->sport; }
}

static void tmpl_event(const sess *ss, soc_event *ev, soc_event_kind kind)
{
    soc_event_init(ev, kind, "pcap", ss->file, ss->pktno);
    ev->src = ss->cli;
    ev->dst = ss->srv;
    ev->sport = ss->cport;
    ev->dport = ss->sport;
    ev->proto = 6;
    ev->ts = ss->last;
}

void (*soc_sessions_tap)(const soc_event *ev);

static void emit(soc_ctx *ctx, const soc_event *ev)
{
    if (soc_sessions_tap) soc_sessions_tap(ev);
    soc_emit_event(ctx, ev);
}

static void emit_cb(void *arg, soc_event *ev)
{
    sess_state *s = arg;
    emit(s->ctx, ev);
}

/* Runs the application parser over the buffered bytes of direction dir. */
static void app_feed(sess_state *s, sess *ss, int dir)
{
    sdir *d = &ss->d[dir];
    if (ss->app == APP_NONE || d->buf.len == 0) return;
    if (ss->app == APP_UNKNOWN) {
        const uint8_t *p = (const uint8_t *)d->buf.data;
        size_t n = d->buf.len;
        if (dir == 0 && soc_http_is_request_start(p, n) && n >= 8) ss->app = APP_HTTP;
        else if (dir == 0 && p[0] == 0x16) ss->app = APP_TLS;
        else if (dir == 1 && n >= 4 && memcmp(p, "220", 3) == 0 && (p[3] == ' ' || p[3] == '-')) ss->app = APP_SMTP;
        else if (dir == 0 && n < 8 && soc_http_is_request_start(p, n)) return;   /* wait for more */
        else if (dir == 1 && n < 4 && memcmp(p, "220", n < 3 ? n : 3) == 0) return;
        else ss->app = APP_NONE;
        if (ss->app == APP_HTTP) ss->http = soc_http_conn_new();
        if (ss->app == APP_SMTP) ss->smtp = soc_smtp_conn_new();
        if ((ss->app == APP_HTTP && !ss->http) || (ss->app == APP_SMTP && !ss->smtp)) ss->app = APP_NONE;
        if (ss->app == APP_NONE) { kn_buf_reset(&ss->d[0].buf); kn_buf_reset(&ss->d[1].buf); return; }
        /* the client may have spoken first: feed its buffered bytes too */
        if (dir == 1 && ss->d[0].buf.len) app_feed(s, ss, 0);
    }
    soc_event tmpl;
    tmpl_event(ss, &tmpl, SOC_EV_HTTP);
    const char *why = NULL;
    size_t used = 0;
    if (ss->app == APP_HTTP) {
        used = soc_http_feed(ss->http, dir, (const uint8_t *)d->buf.data, d->buf.len, ss->last, &tmpl, emit_cb, s, &why);
    } else if (ss->app == APP_TLS) {
        if (dir != 0) { kn_buf_reset(&d->buf); return; }
        soc_str sni;
        uint16_t ver = 0;
        int r = soc_tls_client_hello((const uint8_t *)d->buf.data, d->buf.len, &sni, &ver);
        if (r == 0) return;
        if (r == 1) {
            soc_event ev;
            tmpl_event(ss, &ev, SOC_EV_TLS);
            ev.tls.sni = sni;
            char vb[16];
            static const char *const names[] = {"SSLv3", "TLS 1.0", "TLS 1.1", "TLS 1.2", "TLS 1.3"};
            if (ver >= 0x0300 && ver <= 0x0304) ev.tls.version = soc_cs(names[ver - 0x0300]);
            else { snprintf(vb, sizeof vb, "0x%04x", ver); ev.tls.version = soc_cs(vb); }
            emit(s->ctx, &ev);
        }
        ss->app = APP_NONE;
        kn_buf_reset(&ss->d[0].buf);
        kn_buf_reset(&ss->d[1].buf);
        return;
    } else if (ss->app == APP_SMTP) {
        if (dir == 1) { kn_buf_reset(&d->buf); return; }   /* server replies: not needed */
        tmpl.kind = SOC_EV_SMTP;
        used = soc_smtp_feed(ss->smtp, (const uint8_t *)d->buf.data, d->buf.len, ss->last, &tmpl, emit_cb, s, &why);
    }
    if (used == (size_t)-1) {
        char msg[160];
        snprintf(msg, sizeof msg, "TCP session %u->%u: %s; application parsing stopped", ss->cport, ss->sport,
                 why ? why : "parse error");
        kn_warn(&s->ctx->warn, ss->file, KN_NO_OFFSET, "packet %llu: %s", (unsigned long long)ss->pktno, msg);
        ss->app = APP_NONE;
        kn_buf_reset(&ss->d[0].buf);
        kn_buf_reset(&ss->d[1].buf);
        return;
    }
    if (used) {
        memmove(d->buf.data, d->buf.data + used, d->buf.len - used);
        d->buf.len -= used;
    }
}

static void append(sess_state *s, sess *ss, int dir, const uint8_t *p, uint32_t n)
{
    sdir *d = &ss->d[dir];
    if (ss->app == APP_NONE || d->gap) return;
    if (d->buf.len + n > s->max_reasm) {
        s->overflow++;
        kn_warn(&s->ctx->warn, ss->file, KN_NO_OFFSET,
                "packet %llu: TCP session %u->%u: more than %zu unparsed bytes buffered; application parsing stopped",
                (unsigned long long)ss->pktno, ss->cport, ss->sport, s->max_reasm);
        ss->app = APP_NONE;
        kn_buf_reset(&ss->d[0].buf);
        kn_buf_reset(&ss->d[1].buf);
        return;
    }
    kn_buf_append(&d->buf, p, n);
    app_feed(s, ss, dir);
}

static void data_segment(sess_state *s, sess *ss, int dir, uint32_t seq, const uint8_t *p, uint32_t n)
{
    sdir *d = &ss->d[dir];
    if (!d->have_seq) { d->have_seq = 1; d->next = seq; }
    int32_t off = (int32_t)(seq - d->next);
    if (off < 0) {
        /* retransmission or overlap: keep only the new tail */
        if ((uint32_t)(-off) >= n) return;
        p += -off;
        n -= (uint32_t)(-off);
        off = 0;
    }
    if (off > 0) {
        if (d->n_ooo == SESS_MAX_OOO || ss->app == APP_NONE) {
            /* too much missing: skip the hole, parsing cannot resume mid-message */
            if (ss->app != APP_NONE) { d->gap = 1; s->gaps++; }
            d->next = seq + n;
            d->bytes += n;
            return;
        }
        ooo_seg *o = &d->ooo[d->n_ooo];
        o->data = malloc(n);
        if (!o->data) return;
        memcpy(o->data, p, n);
        o->seq = seq;
        o->len = n;
        d->n_ooo++;
        return;
    }
    d->next += n;
    d->bytes += n;
    append(s, ss, dir, p, n);
    /* drain queued segments that now fit */
    for (int again = 1; again && d->n_ooo;) {
        again = 0;
        for (int i = 0; i < d->n_ooo; i++) {
            ooo_seg *o = &d->ooo[i];
            int32_t oo = (int32_t)(o->seq - d->next);
            if (oo > 0) continue;
            if ((uint32_t)(-oo) < o->len) {
                uint32_t skip = (uint32_t)(-oo), len = o->len - skip;
                d->next += len;
                d->bytes += len;
                append(s, ss, dir, o->data + skip, len);
            }
            free(o->data);
            d->ooo[i] = d->ooo[--d->n_ooo];
            again = 1;
            break;
        }
    }
}

static size_t sess_bytes(const sess *ss)
{
    size_t n = sizeof *ss + soc_http_conn_bytes(ss->http) + soc_smtp_conn_bytes(ss->smtp);
    for (int i = 0; i < 2; i++) {
        n += ss->d[i].buf.cap;
        for (int k = 0; k < ss->d[i].n_ooo; k++) n += ss->d[i].ooo[k].len;
    }
    return n;
}

/* Re-counts what ss holds; over the budget, its buffers are dropped and its
 * application parsing stops (connection counts go on). */
static void account(sess_state *s, sess *ss)
{
    size_t now = sess_bytes(ss);
    s->held = s->held - ss->held + now;
    ss->held = now;
    if (s->held <= s->budget || ss->app == APP_NONE) return;
    if (s->over_budget++ == 0)
        kn_warn(&s->ctx->warn, ss->file, KN_NO_OFFSET,
                "packet %llu: TCP sessions hold more than %zu MiB; parsing stopped for connections that grow",
                (unsigned long long)ss->pktno, s->budget >> 20);
    ss->app = APP_NONE;
    soc_http_conn_free(ss->http);
    ss->http = NULL;
    soc_smtp_conn_free(ss->smtp);
    ss->smtp = NULL;
    for (int i = 0; i < 2; i++) {
        kn_buf_free(&ss->d[i].buf);
        for (int k = 0; k < ss->d[i].n_ooo; k++) free(ss->d[i].ooo[k].data);
        ss->d[i].n_ooo = 0;
    }
    now = sess_bytes(ss);
    s->held = s->held - ss->held + now;
    ss->held = now;
}

static void sess_end(sess_state *s, sess *ss)
{
    s->held -= ss->held;
    soc_event tmpl;
    tmpl_event(ss, &tmpl, SOC_EV_HTTP);
    if (ss->http) soc_http_close(ss->http, &tmpl, emit_cb, s);
    soc_event ev;
    tmpl_event(ss, &ev, SOC_EV_CONN);
    ev.ts = ss->first;
    ev.conn.orig_bytes = ss->d[0].bytes;
    ev.conn.resp_bytes = ss->d[1].bytes;
    ev.conn.orig_pkts = ss->d[0].pkts;
    ev.conn.resp_pkts = ss->d[1].pkts;
    ev.conn.duration = (double)(ss->last - ss->first) / 1e9;
    ev.conn.state = soc_cs(ss->rst ? "RST" : ss->d[0].fin && ss->d[1].fin ? "FIN" : "OPEN");
    static const char *const apps[] = {"", "http", "ssl", "smtp", ""};
    ev.conn.service = soc_cs(apps[ss->app]);
    emit(s->ctx, &ev);
    soc_http_conn_free(ss->http);
    soc_smtp_conn_free(ss->smtp);
    for (int i = 0; i < 2; i++) {
        kn_buf_free(&ss->d[i].buf);
        for (int k = 0; k < ss->d[i].n_ooo; k++) free(ss->d[i].ooo[k].data);
    }
    free(ss);
}

static void sweep(sess_state *s, kn_time now, int all)
{
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->tab, &it, &k, &v)) {
        sess *ss = *(sess **)v;
        if (!all && now - ss->last < SESS_IDLE) continue;
        sess_end(s, ss);
        kn_htab_del_at(&s->tab, &it);
    }
}

static void udp_packet(sess_state *s, soc_ctx *ctx, const soc_pkt *p)
{
    if (p->sport != 53 && p->dport != 53) return;
    soc_event ev;
    soc_event_init(&ev, SOC_EV_DNS, "pcap", p->file, s->pktno);
    ev.ts = p->ts;
    ev.proto = 17;
    kn_buf_reset(&s->scratch);
    if (soc_dns_parse(p->payload, p->payload_len, &ev, &s->scratch) < 0) return;
    /* client = the side not on port 53 */
    int resp = p->sport == 53 && p->dport != 53;
    ev.src = resp ? p->dst : p->src;
    ev.dst = resp ? p->src : p->dst;
    ev.sport = resp ? p->dport : p->sport;
    ev.dport = resp ? p->sport : p->dport;
    emit(ctx, &ev);
}

static void sess_on_packet(void *self, soc_ctx *ctx, const soc_pkt *p)
{
    sess_state *s = self;
    if (!s) return;
    s->pktno++;
    if (p->frag == 2) return;
    if (p->proto == 17) { udp_packet(s, ctx, p); return; }
    if (p->proto != 6) return;
    sess_key key;
    int swapped;
    make_key(&key, p, &swapped);
    sess **slot = kn_htab_get(&s->tab, &key);
    int syn = (p->tcp_flags & 0x02) != 0, ack = (p->tcp_flags & 0x10) != 0;
    if (!slot) {
        /* a new connection: from a SYN, or mid-stream from data */
        if (!syn && p->payload_len == 0) return;
        if (s->tab.count >= s->max_sessions) {
            /* A full table under a SYN flood would otherwise be rescanned for
             * every packet (O(sessions) each: minutes for a 240k-packet
             * flood); one idle sweep per second of data time is enough. */
            if (p->ts - s->last_full_sweep >= KN_NS_PER_SEC) {
                s->last_full_sweep = p->ts;
                sweep(s, p->ts, 0);
            }
            if (s->tab.count >= s->max_sessions) {
                if (s->untracked++ == 0)
                    kn_warn(&ctx->warn, p->file, KN_NO_OFFSET, "more than %zu live TCP sessions; new ones not reassembled",
                            s->max_sessions);
                return;
            }
        }
        sess *ss = calloc(1, sizeof *ss);
        if (!ss) return;
        /* the client is the SYN sender; mid-stream, the higher port */
        int from_client = syn ? !ack : p->sport >= p->dport;
        ss->cli = from_client ? p->src : p->dst;
        ss->srv = from_client ? p->dst : p->src;
        ss->cport = from_client ? p->sport : p->dport;
        ss->sport = from_client ? p->dport : p->sport;
        ss->first = p->ts;
        ss->file = p->file;
        int created;
        slot = kn_htab_put(&s->tab, &key, &created);
        if (!slot) { free(ss); return; }
        *slot = ss;
    }
    sess *ss = *slot;
    int dir = kn_ip_cmp(&p->src, &ss->cli) == 0 && p->sport == ss->cport ? 0 : 1;
    sdir *d = &ss->d[dir];
    ss->last = p->ts;
    ss->pktno = s->pktno;
    d->pkts++;
    if (syn) {
        ss->syn_seen = 1;
        d->have_seq = 1;
        d->next = p->tcp_seq + 1;
    }
    if (p->payload_len) data_segment(s, ss, dir, p->tcp_seq + (syn ? 1 : 0), p->payload, p->payload_len);
    if (p->tcp_flags & 0x01) d->fin = 1;
    if (p->tcp_flags & 0x04) ss->rst = 1;
    if (ss->rst || (ss->d[0].fin && ss->d[1].fin)) {
        sess_end(s, ss);
        kn_htab_del(&s->tab, &key);
        return;
    }
    account(s, ss);
}

static void sess_on_tick(void *self, soc_ctx *ctx, kn_time now)
{
    sess_state *s = self;
    if (!s || now - s->last_sweep < 10 * KN_NS_PER_SEC) return;
    s->last_sweep = now;
    sweep(s, now, 0);
}

static void sess_finish(void *self, soc_ctx *ctx)
{
    if (self) sweep(self, 0, 1);
}

static void sess_destroy(void *self)
{
    sess_state *s = self;
    if (!s) return;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->tab, &it, &k, &v)) {
        sess *ss = *(sess **)v;
        soc_http_conn_free(ss->http);
        soc_smtp_conn_free(ss->smtp);
        for (int i = 0; i < 2; i++) {
            kn_buf_free(&ss->d[i].buf);
            for (int j = 0; j < ss->d[i].n_ooo; j++) free(ss->d[i].ooo[j].data);
        }
        free(ss);
    }
    kn_htab_free(&s->tab);
    kn_buf_free(&s->scratch);
    free(s);
}

const soc_analyzer_ops soc_analyzer_sessions = {"sessions", sess_create, sess_on_packet, NULL, NULL,
                                                sess_on_tick, sess_finish, sess_destroy};
