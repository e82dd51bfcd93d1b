/* emotet_detect.c: Emotet, from HTTP/DNS/TLS/SMTP/file/connection events
 * and IDS alerts, with or without indicator lists.
 *
 * Rules (all rule.category "emotet" except intel hits on lists that name
 * another family, which are "other"):
 *   kensa.emotet.intel     traffic to a listed IP:port, URL or domain
 *                          (--intel; HTTP, DNS query/answers, TLS SNI, conn);
 *   kensa.emotet.c2        C2 behaviour without intel. A request scores when
 *                          an internal client talks HTTP to a bare-IP Host on
 *                          an external server: POST +2, usual C2 port +1,
 *                          MSIE 2-8 UA +2 (or "Windows NT 6." outside a
 *                          modern browser UA +1), form/multipart
 *                          body +1, body 300..10000 bytes +1, random path
 *                          ("/word/word/" segments, no file name) +1, a
 *                          numeric-named base64 cookie (the 2018 GET C2) +3,
 *                          an executable fetched by the client in the hour
 *                          before +2; per (client, server:port, hour) the
 *                          best request plus regular beaconing (>= 3
 *                          intervals, jitter = stddev/mean <= 0.25) +2 must
 *                          reach 7 (an ordinary form POST to a bare-IP web
 *                          server scores at most 6);
 *   kensa.emotet.delivery  an Office document then an executable/DLL fetched
 *                          by the same client within an hour (type or magic);
 *   kensa.emotet.malspam   mail with macro documents or (encrypted) ZIPs;
 *   kensa.emotet.spambot   an internal host never seen receiving SMTP that
 *                          opens SMTP to >= 10 external servers in an hour;
 *   kensa.emotet.ids       IDS alerts whose signature names Emotet (or Heodo).
 * Alerts aggregate per (client, peer, hour); memory is bounded by
 * EM_MAX_AGG aggregates and EM_MAX_HOSTS per-host records (full tables are
 * flushed, or new hosts are not tracked). */
#include <math.h>
#include <stdlib.h>

#include "core/hash.h"
#include "soc/detect.h"

#define EM_WINDOW (3600 * KN_NS_PER_SEC)
#define EM_MAX_AGG 20000
#define EM_MAX_HOSTS 200000
#define EM_C2_SCORE 7
#define EM_SPAM_SERVERS 10

enum em_kind { EM_NONE = 0, EM_INTEL, EM_C2, EM_DELIVERY, EM_MALSPAM, EM_SPAMBOT, EM_IDS, EM_NKINDS };

static const struct { const char *id, *name, *action; int sev; } em_rules[EM_NKINDS] = {
    [EM_INTEL] = {"kensa.emotet.intel", "Traffic to a listed Emotet indicator", "intel", 1},
    [EM_C2] = {"kensa.emotet.c2", "Emotet-like C2 traffic", "c2", 1},
    [EM_DELIVERY] = {"kensa.emotet.delivery", "Office document followed by an executable download", "delivery", 2},
    [EM_MALSPAM] = {"kensa.emotet.malspam", "Mail with macro documents or encrypted archives", "malspam", 2},
    [EM_SPAMBOT] = {"kensa.emotet.spambot", "Internal host sending mail to many external servers", "spambot", 2},
    [EM_IDS] = {"kensa.emotet.ids", "IDS alert naming Emotet", "ids", 1},
};

enum { R_POST = 1, R_PORT = 2, R_UA = 4, R_FORM = 8, R_SIZE = 16, R_PATH = 32, R_COOKIE = 64, R_AFTER_EXE = 128, R_BEACON = 256 };
static const char *const reason_names[] = {"post", "c2_port", "old_user_agent", "form_body", "body_size",
                                           "random_path", "cookie_data", "after_executable_download", "beacon"};

typedef struct em_key {
    kn_ip a, b;
    int64_t window;
    uint64_t extra;
    uint16_t port;
    uint16_t kind;
    uint32_t pad;
} em_key;

typedef struct em_agg {
    em_key key;
    kn_time first, last;
    uint64_t count;
    int score;
    unsigned reasons;
    char method[16], uri[512], host[128], ua[256], source[16], file[256];
    uint64_t line;
    char paths[6][96];
    int n_paths;
    /* intel */
    char ind[256], ind_type[16], family[32], ind_file[256];
    uint64_t ind_line;
    char matched_on[16];
    /* delivery */
    char doc_url[384], exe_url[384];
    /* malspam */
    char attach[8][96];
    int n_attach;
    char subject[160];
    uint64_t recipients;
    /* spambot */
    uint64_t servers;
    /* ids */
    char signature[256];
    int64_t sid;
} em_agg;

typedef struct em_host {
    kn_time doc_ts, exe_ts;
    char doc_url[384], exe_url[384];
    uint8_t smtp_server;
} em_host;

typedef struct em_pair { kn_ip a, b; uint16_t port; uint16_t pad; uint32_t pad2; } em_pair;
typedef struct em_beacon { kn_time last; uint64_t n; double sum, sumsq; } em_beacon;

typedef struct em_state {
    soc_intel *intel;
    kn_htab aggs;       /* em_key -> em_agg* */
    kn_htab hosts;      /* kn_ip -> em_host* */
    kn_htab beacons;    /* em_pair -> em_beacon */
    kn_htab spam_seen;  /* em_key (client, server, window) -> 1 */
    kn_time last_sweep;
} em_state;

static void *em_create(soc_ctx *ctx)
{
    em_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (kn_htab_init(&s->aggs, sizeof(em_key), sizeof(em_agg *), 256) < 0 ||
        kn_htab_init(&s->hosts, sizeof(kn_ip), sizeof(em_host *), 256) < 0 ||
        kn_htab_init(&s->beacons, sizeof(em_pair), sizeof(em_beacon), 256) < 0 ||
        kn_htab_init(&s->spam_seen, sizeof(em_key), 1, 256) < 0) {
        kn_htab_free(&s->aggs); kn_htab_free(&s->hosts); kn_htab_free(&s->beacons);
        free(s);
        return NULL;
    }
    s->hosts.max_count = EM_MAX_HOSTS;
    s->beacons.max_count = EM_MAX_HOSTS;
    if (ctx->opt.n_intel) {
        s->intel = soc_intel_new();
        for (int i = 0; s->intel && i < ctx->opt.n_intel; i++) {
            kn_err e;
            kn_err_clear(&e);
            if (soc_intel_load(s->intel, ctx->opt.intel_paths[i], &ctx->warn, &e) != KN_OK) kn_err_print(&e);
        }
    }
    return s;
}

static int family_is_emotet(const char *f)
{
    return !f || !*f || soc_str_icontains(soc_cs(f), "emotet") || soc_str_icontains(soc_cs(f), "heodo");
}

static void emit(soc_ctx *ctx, em_state *s, em_agg *g)
{
    enum em_kind k = (enum em_kind)g->key.kind;
    if (k == EM_C2) {
        em_pair pk;
        memset(&pk, 0, sizeof pk);
        pk.a = g->key.a; pk.b = g->key.b; pk.port = g->key.port;
        em_beacon *b = kn_htab_get(&s->beacons, &pk);
        if (b && b->n >= 3) {
            double mean = b->sum / (double)b->n, var = b->sumsq / (double)b->n - mean * mean;
            double jitter = mean > 0 ? sqrt(var > 0 ? var : 0) / mean : 1;
            if (jitter <= 0.25) { g->score += 2; g->reasons |= R_BEACON; }
        }
        if (g->score < EM_C2_SCORE) return;
    }
    if (k == EM_SPAMBOT) {
        em_host **h = kn_htab_get(&s->hosts, &g->key.a);
        if (g->servers < EM_SPAM_SERVERS || (h && (*h)->smtp_server)) return;
    }
    const char *category = k == EM_INTEL && !family_is_emotet(g->family) ? "other" : "emotet";
    soc_alert_hdr hd = {g->first, em_rules[k].id, em_rules[k].name, category, em_rules[k].sev, em_rules[k].action, g->first, g->last};
    kn_json *j = soc_alert_begin(ctx, &hd);
    soc_alert_endpoint(j, "source", &g->key.a, 0);
    if (g->key.b.family) soc_alert_endpoint(j, "destination", &g->key.b, g->key.port);
    soc_alert_http_fields(j, g->host, g->uri, g->method, -1, g->ua);
    if (k == EM_INTEL) {
        kn_json_key(j, "threat");
        kn_json_obj_begin(j);
        kn_json_key(j, "indicator");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "type", g->ind_type);
        kn_json_kstr(j, "name", g->ind);
        kn_json_kstr(j, "provider", g->ind_file);
        kn_json_kuint(j, "line", g->ind_line);
        kn_json_obj_end(j);
        if (g->family[0]) {
            kn_json_key(j, "software");
            kn_json_obj_begin(j);
            kn_json_kstr(j, "name", g->family);
            kn_json_obj_end(j);
        }
        kn_json_obj_end(j);
    }
    kn_json_key(j, "emotet");
    kn_json_obj_begin(j);
    kn_json_kstr(j, "kind", em_rules[k].action);
    kn_json_kuint(j, "count", g->count);
    if (k == EM_INTEL) kn_json_kstr(j, "matched_on", g->matched_on);
    if (k == EM_C2) {
        kn_json_kint(j, "score", g->score);
        kn_json_key(j, "reasons");
        kn_json_arr_begin(j);
        for (int i = 0; i < 9; i++) if (g->reasons & (1u << i)) kn_json_str(j, reason_names[i]);
        kn_json_arr_end(j);
        em_pair pk;
        memset(&pk, 0, sizeof pk);
        pk.a = g->key.a; pk.b = g->key.b; pk.port = g->key.port;
        em_beacon *b = kn_htab_get(&s->beacons, &pk);
        if (b && b->n >= 1) {
            double mean = b->sum / (double)b->n, var = b->sumsq / (double)b->n - mean * mean;
            kn_json_key(j, "beacon");
            kn_json_obj_begin(j);
            kn_json_kuint(j, "intervals", b->n);
            kn_json_kdouble(j, "interval_s", round(mean * 1000) / 1000);
            kn_json_kdouble(j, "jitter", mean > 0 ? round(sqrt(var > 0 ? var : 0) / mean * 1000) / 1000 : 0);
            kn_json_obj_end(j);
        }
    }
    if (g->n_paths) {
        kn_json_key(j, "paths");
        kn_json_arr_begin(j);
        for (int i = 0; i < g->n_paths; i++) kn_json_str(j, g->paths[i]);
        kn_json_arr_end(j);
    }
    if (k == EM_DELIVERY) {
        kn_json_kstr(j, "document_url", g->doc_url);
        kn_json_kstr(j, "executable_url", g->exe_url);
    }
    if (k == EM_MALSPAM) {
        kn_json_key(j, "attachments");
        kn_json_arr_begin(j);
        for (int i = 0; i < g->n_attach; i++) kn_json_str(j, g->attach[i]);
        kn_json_arr_end(j);
        if (g->subject[0]) kn_json_kstr(j, "subject", g->subject);
        kn_json_kuint(j, "recipients", g->recipients);
    }
    if (k == EM_SPAMBOT) kn_json_kuint(j, "smtp_servers", g->servers);
    if (k == EM_IDS) {
        kn_json_kstr(j, "signature", g->signature);
        if (g->sid >= 0) kn_json_kint(j, "signature_id", g->sid);
    }
    kn_json_obj_end(j);
    if (k == EM_IDS) {
        kn_json_key(j, "rule_source");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "name", g->signature);
        kn_json_obj_end(j);
    }
    soc_alert_evidence_begin(j, g->source, g->file, g->line);
    soc_alert_evidence_end(j);
    soc_alert_end(ctx);
}

static void flush(em_state *s, soc_ctx *ctx, kn_time before, int all)
{
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->aggs, &it, &k, &v)) {
        em_agg *g = *(em_agg **)v;
        if (!all && g->key.window * EM_WINDOW + 2 * EM_WINDOW > before) continue;
        emit(ctx, s, g);
        free(g);
        kn_htab_del_at(&s->aggs, &it);
    }
    it = 0;
    while (kn_htab_next(&s->spam_seen, &it, &k, &v)) {
        const em_key *sk = k;
        if (all || sk->window * EM_WINDOW + 2 * EM_WINDOW <= before) kn_htab_del_at(&s->spam_seen, &it);
    }
}

static em_agg *get_agg(em_state *s, soc_ctx *ctx, enum em_kind kind, const kn_ip *a, const kn_ip *b, uint16_t port,
                       uint64_t extra, const soc_event *ev)
{
    em_key key;
    memset(&key, 0, sizeof key);
    key.a = *a;
    if (b) key.b = *b;
    key.port = port;
    key.extra = extra;
    key.kind = (uint16_t)kind;
    key.window = ev->ts / EM_WINDOW;
    if (s->aggs.count >= EM_MAX_AGG) flush(s, ctx, 0, 1);
    int created;
    em_agg **slot = kn_htab_put(&s->aggs, &key, &created);
    if (!slot) return NULL;
    if (created) {
        em_agg *g = calloc(1, sizeof *g);
        if (!g) { kn_htab_del(&s->aggs, &key); return NULL; }
        g->key = key;
        g->first = g->last = ev->ts;
        g->sid = -1;
        soc_copy(g->source, sizeof g->source, soc_cs(ev->source));
        soc_copy(g->file, sizeof g->file, soc_cs(ev->file));
        g->line = ev->line;
        if (ev->kind == SOC_EV_HTTP) {
            soc_copy(g->method, sizeof g->method, ev->http.method);
            soc_copy(g->uri, sizeof g->uri, ev->http.uri);
            soc_copy(g->host, sizeof g->host, ev->http.host);
            soc_copy(g->ua, sizeof g->ua, ev->http.user_agent);
        }
        *slot = g;
    }
    em_agg *g = *slot;
    if (ev->ts < g->first) g->first = ev->ts;
    if (ev->ts > g->last) g->last = ev->ts;
    g->count++;
    return g;
}

static void add_path(em_agg *g, soc_str uri)
{
    const char *q = uri.n ? memchr(uri.p, '?', uri.n) : NULL;
    soc_str path = q ? soc_s(uri.p, (size_t)(q - uri.p)) : uri;
    char p[96];
    soc_copy(p, sizeof p, path);
    for (int i = 0; i < g->n_paths; i++) if (!strcmp(g->paths[i], p)) return;
    if (g->n_paths < 6) memcpy(g->paths[g->n_paths++], p, sizeof p);
}

static em_host *host_rec(em_state *s, const kn_ip *ip, int create)
{
    em_host **h = kn_htab_get(&s->hosts, ip);
    if (h) return *h;
    if (!create) return NULL;
    int created;
    h = kn_htab_put(&s->hosts, ip, &created);
    if (!h) return NULL;
    *h = calloc(1, sizeof(em_host));
    if (!*h) { kn_htab_del(&s->hosts, ip); return NULL; }
    return *h;
}

static void intel_hit(em_state *s, soc_ctx *ctx, const soc_event *ev, const soc_intel_hit *hit, const char *on)
{
    uint64_t h = kn_hash_bytes(hit->indicator, strlen(hit->indicator), 7);
    em_agg *g = get_agg(s, ctx, EM_INTEL, &ev->src, &ev->dst, ev->dport, h, ev);
    if (!g) return;
    if (!g->ind[0]) {
        soc_copy(g->ind, sizeof g->ind, soc_cs(hit->indicator));
        soc_copy(g->ind_type, sizeof g->ind_type, soc_cs(hit->type));
        soc_copy(g->family, sizeof g->family, soc_cs(hit->family));
        soc_copy(g->ind_file, sizeof g->ind_file, soc_cs(hit->file));
        g->ind_line = hit->line;
        soc_copy(g->matched_on, sizeof g->matched_on, soc_cs(on));
    }
    if (ev->kind == SOC_EV_HTTP) add_path(g, ev->http.uri);
}

static void check_intel(em_state *s, soc_ctx *ctx, const soc_event *ev)
{
    if (!s->intel) return;
    soc_intel_hit hit;
    switch (ev->kind) {
    case SOC_EV_HTTP:
        /* each list entry that matches is its own finding */
        if (soc_intel_url(s->intel, ev->http.host, ev->http.uri, &hit)) intel_hit(s, ctx, ev, &hit, "url");
        if (soc_intel_ip(s->intel, &ev->dst, ev->dport, &hit)) intel_hit(s, ctx, ev, &hit, "http");
        if (soc_intel_domain(s->intel, ev->http.host, &hit)) intel_hit(s, ctx, ev, &hit, "http_host");
        break;
    case SOC_EV_DNS:
        if (soc_intel_domain(s->intel, ev->dns.query, &hit)) intel_hit(s, ctx, ev, &hit, "dns_query");
        else if (ev->dns.answers.n) {
            const char *p = ev->dns.answers.p, *end = p + ev->dns.answers.n;
            while (p < end) {
                const char *c = memchr(p, ',', (size_t)(end - p));
                if (!c) c = end;
                kn_ip ip;
                if (soc_str_ip(soc_s(p, (size_t)(c - p)), &ip) == 0 && soc_intel_ip(s->intel, &ip, 0, &hit)) {
                    intel_hit(s, ctx, ev, &hit, "dns_answer");
                    break;
                }
                p = c + 1;
            }
        }
        break;
    case SOC_EV_TLS:
        if (soc_intel_domain(s->intel, ev->tls.sni, &hit)) intel_hit(s, ctx, ev, &hit, "tls_sni");
        if (soc_intel_ip(s->intel, &ev->dst, ev->dport, &hit)) intel_hit(s, ctx, ev, &hit, "tls");
        break;
    case SOC_EV_CONN:
    case SOC_EV_SMTP:
        if (soc_intel_ip(s->intel, &ev->dst, ev->dport, &hit)) intel_hit(s, ctx, ev, &hit, "connection");
        break;
    default:
        break;
    }
}

/* 2: MSIE 2-8 (Emotet's 2018-2019 UAs); 1: "Windows NT 6." outside a
 * modern browser's UA (Chrome/Firefox/Safari on Windows 7 say NT 6.1 too). */
static int old_ua(soc_str ua)
{
    const char *m = soc_str_icontains(ua, "MSIE ");
    if (m && m + 6 < ua.p + ua.n && m[5] >= '2' && m[5] <= '8' && m[6] == '.') return 2;
    if (soc_str_icontains(ua, "Windows NT 6.") && !soc_str_icontains(ua, "Chrome/") && !soc_str_icontains(ua, "Firefox/") &&
        !soc_str_icontains(ua, "Safari/"))
        return 1;
    return 0;
}

static int random_path(soc_str uri)
{
    if (uri.n < 3 || uri.p[0] != '/' || uri.p[uri.n - 1] != '/' || memchr(uri.p, '?', uri.n) || memchr(uri.p, '.', uri.n)) return 0;
    int segs = 0;
    for (size_t i = 1; i < uri.n; i++) {
        char c = uri.p[i];
        if (c == '/') { segs++; continue; }
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return 0;
    }
    return segs >= 1 && segs <= 6;
}

/* "12345=<base64, 100+ chars>": the 2018 Emotet C2 data in a Cookie. */
static int cookie_data(soc_str c)
{
    const char *eq = c.n ? memchr(c.p, '=', c.n) : NULL;
    if (!eq || eq == c.p || eq - c.p > 8) return 0;
    for (const char *p = c.p; p < eq; p++) if (*p < '0' || *p > '9') return 0;
    size_t vn = c.n - (size_t)(eq + 1 - c.p), b64 = 0;
    for (size_t i = 0; i < vn; i++) {
        char ch = eq[1 + i];
        if (ch == ';') break;
        b64 += (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=';
    }
    return b64 >= 100;
}

static void beacon_add(em_state *s, const soc_event *ev)
{
    em_pair pk;
    memset(&pk, 0, sizeof pk);
    pk.a = ev->src; pk.b = ev->dst; pk.port = ev->dport;
    int created;
    em_beacon *b = kn_htab_put(&s->beacons, &pk, &created);
    if (!b) return;
    if (!created && ev->ts - b->last >= KN_NS_PER_SEC) {
        double d = (double)(ev->ts - b->last) / 1e9;
        b->n++;
        b->sum += d;
        b->sumsq += d * d;
    }
    if (created || ev->ts - b->last >= KN_NS_PER_SEC) b->last = ev->ts;
}

static int is_doc(const soc_event *ev, soc_str ctype, soc_str body, soc_str name)
{
    /* every HTTP event passes here: leave early on the common text types */
    char last = name.n > 3 ? (char)(name.p[name.n - 1] | 0x20) : 0;   /* extensions match in any case */
    if (ctype.n && (ctype.p[0] == 't' || ctype.p[0] == 'i') && body.n < 8 && last != 'c' && last != 'm' && last != 's')
        return 0;
    /* each type below holds "ms" or "macro": one search rules most out */
    if ((soc_str_icontains(ctype, "ms") || soc_str_icontains(ctype, "macro")) &&
        (soc_str_icontains(ctype, "msword") || soc_str_icontains(ctype, "ms-excel") || soc_str_icontains(ctype, "macroEnabled") ||
         soc_str_icontains(ctype, "vnd.ms-office")))
        return 1;
    if (body.n >= 8 && memcmp(body.p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) return 1;
    /* the extensions by their last letter (every .js and .css came through
     * the five comparisons before: 2% of http.log, perf) */
#define ENDS(lit) (name.n >= sizeof(lit) - 1 && soc_str_ieq_n(soc_s(name.p + name.n - (sizeof(lit) - 1), sizeof(lit) - 1), lit, sizeof(lit) - 1))
    (void)ev;
    switch (last) {
    case 'c': return ENDS(".doc");
    case 's': return ENDS(".xls");
    case 'm': return ENDS(".docm") || ENDS(".xlsm") || ENDS(".dotm");
    default: return 0;
    }
#undef ENDS
}

static int is_exe(soc_str ctype, soc_str body, soc_str magic)
{
    if (body.n >= 2 && body.p[0] == 'M' && body.p[1] == 'Z') return 1;
    if (ctype.n && (ctype.p[0] == 't' || ctype.p[0] == 'i') && !magic.n) return 0;
    if (soc_str_icontains(ctype, "x-msdownload") || soc_str_icontains(ctype, "x-dosexec") || soc_str_icontains(ctype, "x-msdos-program"))
        return 1;
    return soc_str_istarts(magic, "PE32") || soc_str_icontains(magic, "MS-DOS executable");
}

static void download(em_state *s, soc_ctx *ctx, const soc_event *ev, int doc, int exe, const char *url)
{
    if (!doc && !exe) return;
    em_host *h = host_rec(s, &ev->src, 1);
    if (!h) return;
    if (doc) {
        h->doc_ts = ev->ts;
        soc_copy(h->doc_url, sizeof h->doc_url, soc_cs(url));
    }
    if (exe) {
        if (h->doc_ts && ev->ts >= h->doc_ts && ev->ts - h->doc_ts <= EM_WINDOW) {
            em_agg *g = get_agg(s, ctx, EM_DELIVERY, &ev->src, &ev->dst, ev->dport, 0, ev);
            if (g && !g->doc_url[0]) {
                memcpy(g->doc_url, h->doc_url, sizeof g->doc_url);
                soc_copy(g->exe_url, sizeof g->exe_url, soc_cs(url));
            }
        }
        h->exe_ts = ev->ts;
        soc_copy(h->exe_url, sizeof h->exe_url, soc_cs(url));
    }
}

static void on_http(em_state *s, soc_ctx *ctx, const soc_event *ev)
{
    int doc = is_doc(ev, ev->http.resp_content_type, ev->http.resp_body, ev->http.uri);
    int exe = is_exe(ev->http.resp_content_type, ev->http.resp_body, soc_s(NULL, 0));
    if (doc || exe) {
        char url[384];
        snprintf(url, sizeof url, "%.*s%.*s", (int)(ev->http.host.n < 128 ? ev->http.host.n : 128), ev->http.host.p ? ev->http.host.p : "",
                 (int)(ev->http.uri.n < 250 ? ev->http.uri.n : 250), ev->http.uri.p ? ev->http.uri.p : "");
        download(s, ctx, ev, doc, exe, url);
    }
    if (!ev->src.family || !ev->dst.family) return;
    if (!soc_is_internal(ctx, &ev->src) || soc_is_internal(ctx, &ev->dst)) return;
    if (!soc_host_is_ip(ev->http.host)) return;
    beacon_add(s, ev);
    unsigned r = 0;
    int score = 0;
    if (soc_str_ieq(ev->http.method, "POST")) { r |= R_POST; score += 2; }
    if (soc_emotet_c2_port(ev->dport)) { r |= R_PORT; score += 1; }
    int ua = old_ua(ev->http.user_agent);
    if (ua) { r |= R_UA; score += ua; }
    if (soc_str_icontains(ev->http.req_content_type, "x-www-form-urlencoded") || soc_str_icontains(ev->http.req_content_type, "multipart/form-data")) {
        r |= R_FORM; score += 1;
    }
    if (ev->http.req_body_len >= 300 && ev->http.req_body_len <= 10000) { r |= R_SIZE; score += 1; }
    if (random_path(ev->http.uri)) { r |= R_PATH; score += 1; }
    if (cookie_data(ev->http.cookie)) { r |= R_COOKIE; score += 3; }
    em_host *h = host_rec(s, &ev->src, 0);
    if (h && h->exe_ts && ev->ts >= h->exe_ts && ev->ts - h->exe_ts <= EM_WINDOW) { r |= R_AFTER_EXE; score += 2; }
    if (score < 3) return;   /* not worth an aggregate */
    em_agg *g = get_agg(s, ctx, EM_C2, &ev->src, &ev->dst, ev->dport, 0, ev);
    if (!g) return;
    add_path(g, ev->http.uri);
    if (score > g->score) {
        g->score = score;
        g->reasons = r;
        soc_copy(g->method, sizeof g->method, ev->http.method);
        soc_copy(g->uri, sizeof g->uri, ev->http.uri);
        soc_copy(g->ua, sizeof g->ua, ev->http.user_agent);
        soc_copy(g->file, sizeof g->file, soc_cs(ev->file));
        g->line = ev->line;
    }
}

static const uint16_t smtp_ports[] = {25, 465, 587};
static int smtp_port(uint16_t p) { return p == smtp_ports[0] || p == smtp_ports[1] || p == smtp_ports[2]; }

static void smtp_session(em_state *s, soc_ctx *ctx, const soc_event *ev)
{
    if (!ev->src.family || !ev->dst.family) return;
    em_host *srv = host_rec(s, &ev->dst, 1);
    if (srv) srv->smtp_server = 1;
    if (!soc_is_internal(ctx, &ev->src) || soc_is_internal(ctx, &ev->dst)) return;
    em_key sk;
    memset(&sk, 0, sizeof sk);
    sk.a = ev->src;
    sk.b = ev->dst;
    sk.window = ev->ts / EM_WINDOW;
    int created;
    if (s->spam_seen.count >= 8 * (size_t)EM_MAX_AGG) flush(s, ctx, 0, 1);
    if (!kn_htab_put(&s->spam_seen, &sk, &created) || !created) return;
    em_agg *g = get_agg(s, ctx, EM_SPAMBOT, &ev->src, NULL, 0, 0, ev);
    if (g) g->servers++;
}

static void on_smtp(em_state *s, soc_ctx *ctx, const soc_event *ev)
{
    if (ev->kind == SOC_EV_SMTP) smtp_session(s, ctx, ev);
    int bad = 0;
    for (int i = 0; i < ev->smtp.n_attach; i++) {
        const soc_attachment *a = &ev->smtp.attach[i];
        bad |= a->is_macro_doc || a->is_encrypted_zip || a->is_zip;
    }
    if (!bad || !ev->src.family) return;
    em_agg *g = get_agg(s, ctx, EM_MALSPAM, &ev->src, ev->dst.family ? &ev->dst : NULL, ev->dport, 0, ev);
    if (!g) return;
    for (int i = 0; i < ev->smtp.n_attach && g->n_attach < 8; i++) {
        const soc_attachment *a = &ev->smtp.attach[i];
        char name[96];
        snprintf(name, sizeof name, "%.*s%s%s", (int)(a->name.n < 80 ? a->name.n : 80), a->name.p ? a->name.p : "",
                 a->is_macro_doc ? " (macro document)" : "", a->is_encrypted_zip ? " (encrypted zip)" : a->is_zip ? " (zip)" : "");
        int dup = 0;
        for (int k = 0; k < g->n_attach; k++) dup |= !strcmp(g->attach[k], name);
        if (!dup) memcpy(g->attach[g->n_attach++], name, sizeof name);
    }
    if (!g->subject[0]) soc_copy(g->subject, sizeof g->subject, ev->smtp.subject);
    uint64_t rc = ev->smtp.rcpt_to.n ? 1 : 0;
    for (size_t i = 0; i < ev->smtp.rcpt_to.n; i++) rc += ev->smtp.rcpt_to.p[i] == ',';
    g->recipients += rc;
}

static void em_on_event(void *self, soc_ctx *ctx, const soc_event *ev)
{
    em_state *s = self;
    if (!s) return;
    check_intel(s, ctx, ev);
    switch (ev->kind) {
    case SOC_EV_HTTP:
        if (ev->http.method.n) on_http(s, ctx, ev);
        break;
    case SOC_EV_SMTP:
        on_smtp(s, ctx, ev);
        break;
    case SOC_EV_CONN:
        if (smtp_port(ev->dport) && ev->proto == 6) smtp_session(s, ctx, ev);
        break;
    case SOC_EV_FILE: {
        char url[384];
        soc_copy(url, sizeof url, ev->fileinfo.name);
        download(s, ctx, ev, is_doc(ev, ev->fileinfo.mime_type, soc_s(NULL, 0), ev->fileinfo.name) ||
                                 soc_str_icontains(ev->fileinfo.magic, "Composite Document File"),
                 is_exe(ev->fileinfo.mime_type, soc_s(NULL, 0), ev->fileinfo.magic), url);
        break;
    }
    case SOC_EV_ALERT:
        if (soc_str_icontains(ev->alert.signature, "emotet") || soc_str_icontains(ev->alert.signature, "heodo")) {
            em_agg *g = get_agg(s, ctx, EM_IDS, &ev->src, &ev->dst, ev->dport,
                                kn_hash_bytes(ev->alert.signature.p, ev->alert.signature.n, 3), ev);
            if (g && !g->signature[0]) {
                soc_copy(g->signature, sizeof g->signature, ev->alert.signature);
                g->sid = ev->alert.signature_id;
            }
        }
        break;
    default:
        break;
    }
}

static void em_on_tick(void *self, soc_ctx *ctx, kn_time now)
{
    em_state *s = self;
    if (!s || now - s->last_sweep < 60 * KN_NS_PER_SEC) return;
    s->last_sweep = now;
    flush(s, ctx, now, 0);
}

static void em_finish(void *self, soc_ctx *ctx)
{
    if (self) flush(self, ctx, 0, 1);
}

static void em_destroy(void *self)
{
    em_state *s = self;
    if (!s) return;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->aggs, &it, &k, &v)) free(*(em_agg **)v);
    it = 0;
    while (kn_htab_next(&s->hosts, &it, &k, &v)) free(*(em_host **)v);
    kn_htab_free(&s->aggs);
    kn_htab_free(&s->hosts);
    kn_htab_free(&s->beacons);
    kn_htab_free(&s->spam_seen);
    soc_intel_free(s->intel);
    free(s);
}

/* Connections matter for SMTP sessions, and all of them for the indicator
 * lists (an IP indicator may name any port). */
static int em_conn_ports(void *self, uint16_t *ports, int max)
{
    em_state *s = self;
    int n = (int)(sizeof smtp_ports / sizeof smtp_ports[0]);
    if (!s || s->intel || max < n) return -1;
    memcpy(ports, smtp_ports, sizeof smtp_ports);
    return n;
}

const soc_analyzer_ops soc_analyzer_emotet = {"emotet", em_create, NULL, NULL, em_on_event, em_on_tick, em_finish, em_destroy,
                                              0, em_conn_ports};
