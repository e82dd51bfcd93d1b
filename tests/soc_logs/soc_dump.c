/* soc_dump: test tool. Runs files through the soc log inputs only (no
 * analyzers) and prints one JSON line per record with the fields the
 * inputs extracted, so script tests can count and check them with jq
 * against numbers computed independently from the source files.
 * Usage: soc_dump FILE...   (exit 1 if a file cannot be read) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "soc/logs.h"
#include "soc/soc.h"

static const char *kind_name(soc_event_kind k)
{
    switch (k) {
    case SOC_EV_HTTP: return "http";
    case SOC_EV_DNS: return "dns";
    case SOC_EV_TLS: return "tls";
    case SOC_EV_SMTP: return "smtp";
    case SOC_EV_ALERT: return "alert";
    case SOC_EV_FILE: return "file";
    case SOC_EV_CONN: return "conn";
    }
    return "?";
}

static void kstr(kn_json *j, const char *k, soc_str s)
{
    if (s.p) kn_json_kstrn(j, k, s.p, s.n);
}

static kn_json *J;
static void print_event(const soc_event *ev, const char *input, kn_time ts);
static void tap(const soc_event *ev) { print_event(ev, "sessions", ev->ts); }
extern const soc_analyzer_ops soc_analyzer_sessions;

static void print_event(const soc_event *ev, const char *input, kn_time ts)
{
    kn_json *j = J;
    char ipb[KN_IP_STRLEN], tb[KN_TIME_STRLEN];
    kn_json_obj_begin(j);
    kn_json_kstr(j, "input", input);
    kn_json_kstr(j, "ts", kn_time_format(ts, 6, tb));
        kn_json_kstr(j, "rec", "event");
        kn_json_kstr(j, "kind", kind_name(ev->kind));
        kn_json_kuint(j, "line", ev->line);
        if (ev->src.family) kn_json_kstr(j, "src", kn_ip_format(&ev->src, ipb));
        if (ev->dst.family) kn_json_kstr(j, "dst", kn_ip_format(&ev->dst, ipb));
        kn_json_kint(j, "sport", ev->sport);
        kn_json_kint(j, "dport", ev->dport);
        kstr(j, "method", ev->http.method);
        kstr(j, "host", ev->http.host);
        kstr(j, "uri", ev->http.uri);
        kstr(j, "ua", ev->http.user_agent);
        kn_json_kint(j, "status", ev->http.status);
        kstr(j, "req_body", ev->http.req_body);
        kstr(j, "query", ev->dns.query);
        kstr(j, "answers", ev->dns.answers);
        kstr(j, "sni", ev->tls.sni);
        kstr(j, "mail_from", ev->smtp.mail_from);
        kstr(j, "rcpt_to", ev->smtp.rcpt_to);
        kstr(j, "subject", ev->smtp.subject);
        kstr(j, "signature", ev->alert.signature);
        kn_json_kint(j, "signature_id", ev->alert.signature_id);
        kstr(j, "file_name", ev->fileinfo.name);
        kn_json_kuint(j, "orig_bytes", ev->conn.orig_bytes);
        kn_json_kuint(j, "resp_bytes", ev->conn.resp_bytes);
        if (ev->smtp.n_attach) {
            kn_json_key(j, "attach");
            kn_json_arr_begin(j);
            for (int a = 0; a < ev->smtp.n_attach; a++) kn_json_strn(j, ev->smtp.attach[a].name.p, ev->smtp.attach[a].name.n);
            kn_json_arr_end(j);
        }
        kstr(j, "resp_ctype", ev->http.resp_content_type);
        kn_json_kint(j, "resp_len", ev->http.resp_body_len);
        kn_json_kint(j, "req_len", ev->http.req_body_len);
    kn_json_obj_end(j);
    kn_json_end_record(j);
}

int main(int argc, char **argv)
{
    soc_options o;
    memset(&o, 0, sizeof o);
    o.quiet = 0;
    soc_ctx ctx;
    soc_ctx_init(&ctx, &o, NULL);
    kn_json *j = kn_json_new(stdout);
    J = j;
    soc_sessions_tap = tap;
    void *sess = soc_analyzer_sessions.create(&ctx);
    int rc = 0;
    for (int i = 1; i < argc; i++) {
        kn_err e;
        kn_err_clear(&e);
        kn_reader *r;
        if (kn_reader_open(&r, argv[i], &e) != KN_OK) { kn_err_print(&e); rc = 1; continue; }
        const uint8_t *h;
        size_t hn;
        kn_reader_peek(r, 65536, &h, &hn, &e);
        const soc_input_ops *ops = soc_input_probe(h, hn);
        if (!ops) { fprintf(stderr, "%s: not recognised\n", argv[i]); kn_reader_close(r); rc = 1; continue; }
        soc_input *in;
        if (ops->open(&ctx, r, &in, &e) != KN_OK) { kn_err_print(&e); kn_reader_close(r); rc = 1; continue; }
        soc_record rec;
        int n;
        char ipb[KN_IP_STRLEN], tb[KN_TIME_STRLEN];
        while ((n = ops->next(in, &rec, &e)) == 1) {
            if (rec.kind == SOC_REC_PACKET) {
                soc_analyzer_sessions.on_packet(sess, &ctx, &rec.u.pkt);
                continue;
            }
            if (rec.kind == SOC_REC_EVENT) {
                print_event(&rec.u.ev, ops->name, rec.ts);
                continue;
            }
            kn_json_obj_begin(j);
            kn_json_kstr(j, "input", ops->name);
            kn_json_kstr(j, "ts", kn_time_format(rec.ts, 6, tb));
            const soc_flow *fl = soc_record_flow(&rec);
            if (fl) {
                kn_json_kstr(j, "rec", "flow");
                kn_json_kstr(j, "src", kn_ip_format(&fl->src, ipb));
                kn_json_kstr(j, "dst", kn_ip_format(&fl->dst, ipb));
                kn_json_kint(j, "dport", fl->dport);
                kn_json_kuint(j, "bytes", fl->bytes);
            }
            kn_json_obj_end(j);
            kn_json_end_record(j);
            /* a connection's event follows its flow, as the driver hands them out */
            if (rec.kind == SOC_REC_CONN) print_event(&rec.u.conn.ev, ops->name, rec.ts);
        }
        if (n < 0) { kn_err_print(&e); rc = 1; }
        ops->close(in);
        kn_reader_close(r);
    }
    soc_analyzer_sessions.finish(sess, &ctx);
    soc_analyzer_sessions.destroy(sess);
    kn_json_free(j);
    fprintf(stderr, "warnings: %llu\n", (unsigned long long)ctx.warn.count);
    soc_ctx_free(&ctx);
    return rc;
}
