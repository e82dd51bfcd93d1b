/* analyze.c: the soc driver. Opens each input, picks its format by content,
 * merges the inputs' records by timestamp (a small binary heap: inputs are
 * few, records many), advances data time in whole seconds for the
 * analyzers' windows, and fans every record out to every analyzer. */
#include <stdlib.h>
#include <string.h>

#include "core/progress.h"
#include "soc/flowexp.h"
#include "soc/soc.h"

void soc_options_defaults(soc_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->ddos_pps = opt->ddos_mbps = opt->ddos_flows = -1;
    opt->prefix_pps = opt->prefix_mbps = opt->prefix_flows = -1;
}

struct soc_cb {
    void *self;
    union {
        void (*packet)(void *, soc_ctx *, const soc_pkt *);
        void (*flow)(void *, soc_ctx *, const soc_flow *);
        void (*event)(void *, soc_ctx *, const soc_event *);
        void (*tick)(void *, soc_ctx *, kn_time);
    } fn;
};

static int name_in_list(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        if (!c) break;
        p = c + 1;
    }
    return 0;
}

kn_status soc_analyzers_check(const char *list, kn_err *e)
{
    if (!list) return KN_OK;
    for (const char *p = list; *p;) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        int found = 0;
        for (int i = 0; soc_analyzers[i]; i++)
            if (strlen(soc_analyzers[i]->name) == len && strncmp(soc_analyzers[i]->name, p, len) == 0) found = 1;
        if (!found) return kn_err_set(e, KN_ERR_USAGE, NULL, KN_NO_OFFSET, "unknown analyzer '%.*s'", (int)len, p);
        if (!c) break;
        p = c + 1;
    }
    return KN_OK;
}

kn_status soc_ctx_init(soc_ctx *ctx, const soc_options *opt, FILE *alerts_out)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->opt = *opt;
    ctx->alerts_out = alerts_out;
    kn_warnings_init(&ctx->warn, 5, opt->quiet);
    int n = 0;
    while (soc_analyzers[n]) n++;
    ctx->n_analyzers = n;
    ctx->analyzer_state = calloc((size_t)n + 1, sizeof(void *));
    ctx->analyzer_on = calloc((size_t)n + 1, 1);
    ctx->cb_packet = calloc((size_t)n + 1, sizeof *ctx->cb_packet);
    ctx->cb_flow = calloc((size_t)n + 1, sizeof *ctx->cb_flow);
    ctx->cb_tick = calloc((size_t)n + 1, sizeof *ctx->cb_tick);
    int nomem = 0;
    for (int k = 0; k < SOC_EV_KINDS; k++) nomem |= !(ctx->cb_event[k] = calloc((size_t)n + 1, sizeof *ctx->cb_event[k]));
    if (nomem || !ctx->analyzer_state || !ctx->analyzer_on || !ctx->cb_packet || !ctx->cb_flow || !ctx->cb_tick) return KN_ERR_NOMEM;
    int conn_all = 0;   /* an analyzer reads connections to every port */
    for (int i = 0; i < n; i++) {
        const soc_analyzer_ops *a = soc_analyzers[i];
        if (opt->analyzers && !name_in_list(opt->analyzers, a->name)) continue;
        void *self = a->create ? a->create(ctx) : NULL;
        if (a->create && !self) continue;   /* could not start (out of memory): skip it */
        ctx->analyzer_state[i] = self;
        ctx->analyzer_on[i] = 1;
        if (a->on_packet) { ctx->cb_packet[ctx->n_cb_packet].self = self; ctx->cb_packet[ctx->n_cb_packet++].fn.packet = a->on_packet; }
        if (a->on_flow) { ctx->cb_flow[ctx->n_cb_flow].self = self; ctx->cb_flow[ctx->n_cb_flow++].fn.flow = a->on_flow; }
        if (a->on_event) {
            for (int k = 0; k < SOC_EV_KINDS; k++) {
                if (a->event_kinds && !(a->event_kinds & (1u << k))) continue;
                ctx->cb_event[k][ctx->n_cb_event[k]].self = self;
                ctx->cb_event[k][ctx->n_cb_event[k]++].fn.event = a->on_event;
            }
            if (!a->event_kinds || (a->event_kinds & (1u << SOC_EV_CONN))) {
                uint16_t ports[64];
                int np = a->conn_ports ? a->conn_ports(self, ports, 64) : -1;
                if (np < 0 || np > 64) conn_all = 1;
                else if (!conn_all) {
                    if (!ctx->conn_ports && !(ctx->conn_ports = calloc(65536 / 64, sizeof *ctx->conn_ports))) return KN_ERR_NOMEM;
                    for (int j = 0; j < np; j++) ctx->conn_ports[ports[j] / 64] |= 1ull << (ports[j] % 64);
                }
            }
        }
        if (a->on_tick) { ctx->cb_tick[ctx->n_cb_tick].self = self; ctx->cb_tick[ctx->n_cb_tick++].fn.tick = a->on_tick; }
    }
    if (conn_all) { free(ctx->conn_ports); ctx->conn_ports = NULL; }
    return KN_OK;
}

struct soc_flowexp *soc_ctx_flowexp(soc_ctx *ctx)
{
    if (!ctx->flowexp) ctx->flowexp = soc_flowexp_new(&ctx->warn, &ctx->opt);
    return ctx->flowexp;
}

void soc_ctx_free(soc_ctx *ctx)
{
    soc_flowexp_free(ctx->flowexp);
    free(ctx->inputs);
    for (int i = 0; i < ctx->n_analyzers; i++)
        if (soc_analyzers[i]->destroy && ctx->analyzer_on && ctx->analyzer_on[i]) soc_analyzers[i]->destroy(ctx->analyzer_state[i]);
    free(ctx->analyzer_state);
    free(ctx->analyzer_on);
    free(ctx->cb_packet);
    free(ctx->cb_flow);
    for (int k = 0; k < SOC_EV_KINDS; k++) free(ctx->cb_event[k]);
    free(ctx->conn_ports);
    free(ctx->cb_tick);
    kn_buf_free(&ctx->alert_log);
    kn_json_free(ctx->alert_json);
    memset(ctx, 0, sizeof *ctx);
}

/* The ticks of the seconds crossed to reach ts (> ctx->now). */
static __attribute__((noinline)) void tick_to(soc_ctx *ctx, kn_time ts)
{
    kn_time old_sec = ctx->now / KN_NS_PER_SEC, new_sec = ts / KN_NS_PER_SEC;
    ctx->now = ctx->last_ts = ts;
    ctx->next_second = new_sec < INT64_MAX / KN_NS_PER_SEC ? (new_sec + 1) * KN_NS_PER_SEC : INT64_MAX;
    if (new_sec != old_sec)
        for (int i = 0; i < ctx->n_cb_tick; i++) ctx->cb_tick[i].fn.tick(ctx->cb_tick[i].self, ctx, new_sec * KN_NS_PER_SEC);
}

/* Inline, and with the next second's start kept (next_second), a record
 * within the current second costs two compares and two stores: the call
 * and its two divisions by 10^9 were 35 instructions of every Zeek
 * conn.log row (callgrind). */
static inline __attribute__((always_inline)) void advance_time(soc_ctx *ctx, kn_time ts)
{
    if (ts > ctx->now) {   /* never run backwards */
        if (!ctx->first_ts) ctx->first_ts = ts;   /* ts > now >= 0; later ones are above it */
        if (ts < ctx->next_second) ctx->now = ctx->last_ts = ts;
        else tick_to(ctx, ts);
    } else if (ts > 0 && ts < ctx->first_ts) {
        ctx->first_ts = ts;
    }
}

static inline __attribute__((always_inline)) void emit_event(soc_ctx *ctx, const soc_event *ev)
{
    ctx->n_events++;
    unsigned k = (unsigned)ev->kind;
    if (k >= SOC_EV_KINDS) return;
    if (k == SOC_EV_CONN && ctx->conn_ports && !((ctx->conn_ports[ev->dport / 64] >> (ev->dport % 64)) & 1)) return;
    const struct soc_cb *cb = ctx->cb_event[k];
    for (int i = 0, n = ctx->n_cb_event[k]; i < n; i++) cb[i].fn.event(cb[i].self, ctx, ev);
}

void soc_emit_event(soc_ctx *ctx, const soc_event *ev) { emit_event(ctx, ev); }

void soc_advance(soc_ctx *ctx, kn_time now)
{
    if (!ctx->analyzers_off) advance_time(ctx, now);
}

/* inline into the driver's loop; soc_feed is the same for other callers */
static inline __attribute__((always_inline)) void feed(soc_ctx *ctx, const soc_record *rec)
{
    if (ctx->record_hook) ctx->record_hook(ctx->record_hook_user, rec);
    if (ctx->analyzers_off) {
        ctx->n_packets += rec->kind == SOC_REC_PACKET;
        ctx->n_flows += rec->kind == SOC_REC_FLOW || rec->kind == SOC_REC_CONN;
        return;
    }
    advance_time(ctx, rec->ts);
    switch (rec->kind) {
    case SOC_REC_PACKET:
        ctx->n_packets++;
        ctx->n_bytes += rec->u.pkt.wire_len;
        for (int i = 0; i < ctx->n_cb_packet; i++) ctx->cb_packet[i].fn.packet(ctx->cb_packet[i].self, ctx, &rec->u.pkt);
        break;
    case SOC_REC_FLOW:
        ctx->n_flows++;
        for (int i = 0; i < ctx->n_cb_flow; i++) ctx->cb_flow[i].fn.flow(ctx->cb_flow[i].self, ctx, &rec->u.flow);
        break;
    case SOC_REC_EVENT:
        emit_event(ctx, &rec->u.ev);
        break;
    case SOC_REC_CONN:
        ctx->n_flows++;
        for (int i = 0; i < ctx->n_cb_flow; i++) ctx->cb_flow[i].fn.flow(ctx->cb_flow[i].self, ctx, &rec->u.conn.flow);
        emit_event(ctx, &rec->u.conn.ev);
        break;
    case SOC_REC_NONE:
        break;
    }
}

void soc_feed(soc_ctx *ctx, const soc_record *rec) { feed(ctx, rec); }

void soc_finish(soc_ctx *ctx)
{
    if (ctx->flowexp) soc_flowexp_finish(ctx->flowexp);
    if (ctx->analyzers_off) return;
    for (int i = 0; i < ctx->n_analyzers; i++)
        if (soc_analyzers[i]->finish && ctx->analyzer_on[i]) soc_analyzers[i]->finish(ctx->analyzer_state[i], ctx);
}

/* what one input yielded, for the summary */
static inline void count_record(soc_input_summary *sum, const soc_record *rec)
{
    switch (rec->kind) {
    case SOC_REC_PACKET: sum->packets++; sum->bytes += rec->u.pkt.wire_len; break;
    case SOC_REC_FLOW: sum->flows++; break;
    case SOC_REC_EVENT: sum->events++; break;
    case SOC_REC_CONN: sum->flows++; sum->events++; break;
    case SOC_REC_NONE: break;
    }
}

typedef struct open_input {
    const soc_input_ops *ops;
    soc_input *in;
    kn_reader *r;
    int live;
    soc_record rec;     /* pending record (large: filled in place by next(), never copied) */
} open_input;

/* An input's error: printed, and the first one kept as the run's status */
static void input_error(const kn_err *le, kn_status *fatal, kn_err *e)
{
    kn_err_print(le);
    if (*fatal == KN_OK) {
        *fatal = le->status ? le->status : KN_ERR_FORMAT;
        if (e) *e = *le;
    }
}

static int pull(open_input *oi, kn_status *fatal, kn_err *e)
{
    kn_err le;
    kn_err_clear(&le);
    int rc = oi->ops->next(oi->in, &oi->rec, &le);
    if (rc < 0) {
        input_error(&le, fatal, e);
    }
    oi->live = rc == 1;
    return oi->live;
}

/* heap of indices ordered by pending record time */
static void sift_down(open_input *v, int *h, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && v[h[l]].rec.ts < v[h[m]].rec.ts) m = l;
        if (r < n && v[h[r]].rec.ts < v[h[m]].rec.ts) m = r;
        if (m == i) return;
        int t = h[i]; h[i] = h[m]; h[m] = t;
        i = m;
    }
}

kn_status soc_analyze_files(soc_ctx *ctx, const char *const *paths, int n, kn_err *e)
{
    open_input *v = calloc((size_t)n, sizeof *v);
    int *heap = calloc((size_t)n, sizeof *heap);
    kn_status fatal = KN_OK;
    free(ctx->inputs);
    ctx->inputs = calloc((size_t)n + 1, sizeof *ctx->inputs);
    ctx->n_inputs = n;
    if (!v || !heap || !ctx->inputs) { free(v); free(heap); return kn_err_set(e, KN_ERR_NOMEM, NULL, KN_NO_OFFSET, "out of memory"); }
    for (int i = 0; i < n; i++) ctx->inputs[i].path = paths[i];
    int nh = 0;
    for (int i = 0; i < n; i++) {
        kn_err le;
        kn_err_clear(&le);
        if (kn_reader_open(&v[i].r, paths[i], &le) != KN_OK) {
            input_error(&le, &fatal, e);
            continue;
        }
        const uint8_t *head;
        size_t hn;
        if (kn_reader_peek(v[i].r, 65536, &head, &hn, &le) != KN_OK) {
            input_error(&le, &fatal, e);
            continue;
        }
        v[i].ops = soc_input_probe(head, hn);
        if (!v[i].ops) {
            kn_err_set(&le, KN_ERR_FORMAT, paths[i], 0, "not a recognised capture, flow export or log format");
            input_error(&le, &fatal, e);
            continue;
        }
        if (v[i].ops->open(ctx, v[i].r, &v[i].in, &le) != KN_OK) {
            input_error(&le, &fatal, e);
            v[i].ops = NULL;
            continue;
        }
        ctx->inputs[i].format = v[i].ops->name;
        if (pull(&v[i], &fatal, e)) heap[nh++] = i;
    }
    for (int i = nh / 2 - 1; i >= 0; i--) sift_down(v, heap, nh, i);
    kn_progress prog;
    uint64_t total = 0;
    for (int i = 0; i < n; i++) if (v[i].r) total += kn_reader_raw_size(v[i].r);
    kn_progress_start(&prog, "analyzing", total);
    uint64_t count = 0;
    if (nh == 1 && n == 1) {
        /* one input: no merging, and the loop with the record's dispatch
         * inlined (the heap, pull and soc_feed calls around every record:
         * this loop saves about 2% of Zeek conn.log and http.log time,
         * medians of 7) */
        open_input *oi = &v[heap[0]];
        soc_input_summary *sum = &ctx->inputs[heap[0]];
        const soc_input_ops *ops = oi->ops;
        kn_err le;
        kn_err_clear(&le);
        int rc;
        do {
            count_record(sum, &oi->rec);
            feed(ctx, &oi->rec);
            if ((++count & 0xffff) == 0) kn_progress_update(&prog, kn_reader_raw_offset(oi->r));
        } while ((rc = ops->next(oi->in, &oi->rec, &le)) == 1);
        if (rc < 0) {
            input_error(&le, &fatal, e);
        }
        nh = 0;
    }
    while (nh > 0) {
        open_input *oi = &v[heap[0]];
        soc_input_summary *sum = &ctx->inputs[heap[0]];
        count_record(sum, &oi->rec);
        feed(ctx, &oi->rec);
        if ((++count & 0xffff) == 0) {
            uint64_t done = 0;
            for (int i = 0; i < n; i++) if (v[i].r) done += kn_reader_raw_offset(v[i].r);
            kn_progress_update(&prog, done);
        }
        if (!pull(oi, &fatal, e)) heap[0] = heap[--nh];
        sift_down(v, heap, nh, 0);
    }
    kn_progress_end(&prog);
    soc_finish(ctx);
    for (int i = 0; i < n; i++) {
        if (v[i].ops && v[i].in) v[i].ops->close(v[i].in);
        kn_reader_close(v[i].r);
    }
    free(v);
    free(heap);
    return fatal;
}
