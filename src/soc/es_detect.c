/* es_detect.c: attacks on and leaks from Elasticsearch, from HTTP events
 * (packets, EVE, Zeek, access logs, honeypots) and connection summaries.
 *
 * Every ES-looking request is classified into one kind (the rule the
 * report and the tests rely on; keep docs/soc-threats.md in step):
 *   rce          the URL-decoded query or the body mentions "script"
 *                (script_fields / script: MVEL CVE-2014-3120, Groovy
 *                CVE-2015-1427, Painless); the command given to exec() is
 *                extracted;
 *   destructive  method DELETE;
 *   ransom       PUT/POST creating an index named like a ransom note;
 *   search       /_search, /_msearch, /_count, /_query in the path;
 *   probe        "/" or any other /_api path (/_cat, /_nodes, /_cluster,
 *                /_all, /_mapping, ...);
 *   other        anything else sent to an ES port or a honeypot.
 * A request is ES-looking when it comes from an ES honeypot, goes to port
 * 9200/9300, names an ES API path, carries script_fields, or goes to a
 * server that earlier answered an ES API path (so "DELETE /customers" in
 * the access log of an ES proxy counts).
 *
 * search/probe/other from internal clients are the cluster's own users and
 * raise nothing (RCE, wipes and ransom notes alert from anywhere).
 * Requests aggregate per (source, kind, hour) into one alert with counts,
 * distinct targets, top paths and the extracted commands. Besides:
 *   exposure     internal ES (dport 9200) answering an external client 200
 *                without Authorization (Elastic's "unsecure node" rule);
 *   leak         >= 10 MiB per hour from an internal :9200 to one external
 *                client (conn summaries or response sizes);
 *   scan         one source reaching >= 10 hosts on 9200/9300 in an hour
 *                (conn summaries, HTTP events, or SYN packets).
 * Memory: at most ES_MAX_AGG open aggregates; reaching it flushes them all
 * (alerts are written early, counts are never lost). */
#include <stddef.h>
#include <stdlib.h>

#include "core/hash.h"
#include "soc/detect.h"

#define ES_WINDOW (3600 * KN_NS_PER_SEC)
#define ES_LEAK_BYTES (10ull << 20)
#define ES_SCAN_HOSTS 10
#define ES_MAX_AGG 20000
#define ES_MAX_PATHS 6
#define ES_MAX_CMDS 4
#define ES_SCAN_INLINE 4

enum es_kind { ES_NONE = 0, ES_RCE, ES_DESTRUCTIVE, ES_RANSOM, ES_SEARCH, ES_PROBE, ES_OTHER,
               ES_EXPOSURE, ES_LEAK, ES_SCAN, ES_NKINDS };

static const struct { const char *id, *name, *action; int sev; } es_rules[ES_NKINDS] = {
    [ES_RCE] = {"kensa.es.rce", "Elasticsearch script remote code execution attempt", "rce", 1},
    [ES_DESTRUCTIVE] = {"kensa.es.destructive", "Elasticsearch index deletion", "destructive", 2},
    [ES_RANSOM] = {"kensa.es.ransom", "Elasticsearch ransom note index created", "ransom", 1},
    [ES_SEARCH] = {"kensa.es.search", "Elasticsearch search from outside", "search", 3},
    [ES_PROBE] = {"kensa.es.probe", "Elasticsearch API probe", "probe", 3},
    [ES_OTHER] = {"kensa.es.other", "Other request to Elasticsearch", "other", 4},
    [ES_EXPOSURE] = {"kensa.es.exposure", "Elasticsearch answering external clients without authentication", "exposure", 2},
    [ES_LEAK] = {"kensa.es.leak", "Large data transfer from Elasticsearch to an external host", "leak", 1},
    [ES_SCAN] = {"kensa.es.scan", "Horizontal scan of Elasticsearch ports", "scan", 3},
};

typedef struct es_key {
    kn_ip a, b;          /* source (or server for exposure/leak), second address */
    int64_t window;
    uint32_t kind;
    uint32_t pad;
} es_key;

typedef struct es_path { char path[128]; uint64_t count; } es_path;

/* An aggregate made from a connection or a SYN (scan, leak) has no
 * request to keep: it is allocated without the HTTP part (from `method`
 * on, ES_AGG_CONN_SIZE bytes instead of ~3.2 KiB), and `http` says which.
 * On a Zeek conn.log with 2% of rows to 9200 from ever new sources, the
 * whole aggregate's calloc, its page faults and zeroing were half of this
 * analyzer's time (perf). */
typedef struct es_agg {
    es_key key;
    kn_time first, last;
    uint64_t count, bytes;
    kn_ip dst;
    uint16_t dport;
    int http;            /* the HTTP part below exists */
    soc_small_set dsts;
    uint64_t n_hosts;    /* scan: exact distinct hosts */
    uint32_t ports_mask; /* scan: 1 = 9200, 2 = 9300 */
    /* scan: its first hosts; beyond ES_SCAN_INLINE they are all in
     * scan_seen (see scan_hit) */
    kn_ip scan_hosts[ES_SCAN_INLINE];
    char source[16];
    const char *cve;
    int n_cmds, n_paths;
    uint64_t other_paths;
    char file[256];
    uint64_t line;
    /* the HTTP part: only when http */
    char method[16], uri[512], ua[256], host[128], lang[12];
    char cmds[ES_MAX_CMDS][256];
    es_path paths[ES_MAX_PATHS];
} es_agg;
#define ES_AGG_CONN_SIZE offsetof(es_agg, method)

typedef struct es_state {
    kn_htab aggs;        /* es_key -> es_agg* */
    kn_htab scan_seen;   /* {src, dst, window} -> 1 */
    kn_htab es_servers;  /* {server ip or log file, port} -> 1: servers seen answering an ES API path */
    /* Bit per es_servers key hash: most HTTP goes to no ES server, and a
     * table lookup per event for that was 6% of http.log ingest (perf).
     * 2^bloom_log2 bits, kept at >= 32 per server (grown and refilled from
     * es_servers; one hash, so about 3% of other servers still pay the
     * lookup): a fixed 64 Ki bits saturated once scanners had hit a few
     * thousand servers, and most events paid the lookup again (perf: 4.5%
     * of http.log with 20k such servers). */
    uint64_t *server_bloom;
    unsigned bloom_log2;
    kn_buf dec;          /* decoded query + body */
    kn_time last_sweep;
    /* No window below this one has an entry in aggs or scan_seen
     * (INT64_MAX: none at all), so a sweep before window min_window + 2
     * would close nothing: es_on_tick skips it. The sweep every minute
     * walked both tables whole; with hour windows nearly every walk found
     * nothing to close (perf: 2% of a Zeek conn.log's ingest). */
    int64_t min_window;
} es_state;

/* ---- classification ------------------------------------------------------------- */

typedef struct es_info {
    enum es_kind kind;
    soc_str path;
    const char *lang;    /* "groovy", "mvel", "painless" */
    const char *cve;
    char cmd[256];
} es_info;

static const char *const es_api[] = {
    "/_search", "/_msearch", "/_count", "/_query", "/_cat", "/_nodes", "/_cluster", "/_all", "/_mapping",
    "/_stats", "/_aliases", "/_alias", "/_settings", "/_bulk", "/_plugin", "/_snapshot", "/_template",
    "/_xpack", "/_security", "/_river", "/_status", "/_flush", "/_refresh", "/_shutdown", "/_sql",
    "/_update_by_query", "/_delete_by_query", "/_doc", "/_mget", "/_scripts", "/_ingest", "/_tasks",
    "/_license", "/_cache", "/_segments", "/_recovery", "/_shard_stores", "/_analyze", NULL};

static int path_has_api(soc_str path)
{
    const char *p = path.n ? memchr(path.p, '_', path.n) : NULL;
    if (!p) return 0;
    for (int i = 0; es_api[i]; i++) if (soc_str_icontains(path, es_api[i])) return 1;
    return 0;
}

static int ransom_name(soc_str path)
{
    static const char *const names[] = {"read_me", "readme", "how_to_recover", "recover", "meow", "warning",
                                        "please_read", "hacked", "restore", "ransom", "bitcoin", NULL};
    for (int i = 0; names[i]; i++) if (soc_str_icontains(path, names[i])) return 1;
    return 0;
}

/* Extracts the argument of exec("...") from decoded script text. */
static void extract_command(soc_str text, char *out, size_t cap)
{
    out[0] = 0;
    const char *e = soc_str_icontains(text, "exec(");
    if (!e) return;
    const char *p = e + 5, *end = text.p + text.n;
    while (p < end && (*p == ' ' || *p == '\\')) p++;
    if (p >= end) return;
    char q = *p;
    if (q != '"' && q != '\'') {
        /* exec(variable) or exec(new String[]{...}): take up to the ')' */
        const char *c = memchr(p, ')', (size_t)(end - p));
        soc_copy(out, cap, soc_s(p, c ? (size_t)(c - p) : (size_t)(end - p)));
        return;
    }
    p++;
    const char *s = p;
    while (p < end && *p != q) p++;
    /* drop escaping backslashes before the closing quote */
    const char *t = p;
    while (t > s && t[-1] == '\\') t--;
    soc_copy(out, cap, soc_s(s, (size_t)(t - s)));
}

/* Key of the server an event went to; logs without a destination (access
 * logs) are keyed by their file: one access log fronts one service. */
static es_key server_key(const soc_event *ev)
{
    es_key k;
    memset(&k, 0, sizeof k);
    if (ev->dst.family) { k.a = ev->dst; k.kind = ev->dport; }
    else if (ev->file) k.window = (int64_t)kn_hash_bytes(ev->file, strlen(ev->file), 1);
    return k;
}

/* Bloom hash of a server key's fields (those server_key sets), taken as
 * arguments so that an event is tested from its own fields: hashing an
 * es_key built just before read it back right after its piecewise stores,
 * which stalled on store forwarding (perf: 4% of http.log). Each word is
 * multiplied on its own and the products mixed, not chained. */
static uint64_t server_hash(const es_state *s, const kn_ip *a, uint32_t port, int64_t file_hash)
{
    uint64_t w0, w1, w3 = (uint64_t)file_hash;
    memcpy(&w0, a->b, 8);
    memcpy(&w1, a->b + 8, 8);
    uint64_t w2 = (uint64_t)a->family | (uint64_t)port << 8;
    uint64_t h = (w0 ^ (w0 >> 29)) * 0x9e3779b97f4a7c15ull + (w1 ^ (w1 >> 29)) * 0xc2b2ae3d27d4eb4full +
                 w2 * 0x165667b19e3779f9ull + (w3 ^ (w3 >> 29)) * 0xd6e8feb86659fd93ull;
    h ^= h >> 32;
    h *= 0x9e3779b97f4a7c15ull;
    return h >> (64 - s->bloom_log2);
}

static uint64_t server_bit(const es_state *s, const es_key *k) { return server_hash(s, &k->a, k->kind, k->window); }

#define ES_BLOOM_MIN_LOG2 16
#define ES_BLOOM_MAX_LOG2 22   /* 512 KiB: 32 bits for each of es_servers' 100k at most, rounded down */

static void bloom_set(es_state *s, const es_key *k)
{
    uint64_t b = server_bit(s, k);
    s->server_bloom[b >> 6] |= 1ull << (b & 63);
}

/* Keeps 32 bloom bits per server: a larger array, refilled from the table
 * (when it cannot grow, the old one stays: more lookups, same answers). */
static void bloom_fit(es_state *s)
{
    unsigned want = s->bloom_log2;
    while (want < ES_BLOOM_MAX_LOG2 && ((size_t)1 << want) < s->es_servers.count * 32) want++;
    if (want == s->bloom_log2) return;
    uint64_t *nb = calloc((size_t)1 << (want - 6), sizeof *nb);
    if (!nb) return;
    free(s->server_bloom);
    s->server_bloom = nb;
    s->bloom_log2 = want;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->es_servers, &it, &k, &v)) bloom_set(s, k);
}

/* Did the server this event went to answer an Elasticsearch API path? */
static int known_server(const es_state *s, const soc_event *ev)
{
    if (!s->es_servers.count) return 0;
    static const kn_ip none;
    uint64_t b = ev->dst.family ? server_hash(s, &ev->dst, ev->dport, 0)
                                : server_hash(s, &none, 0, ev->file ? (int64_t)kn_hash_bytes(ev->file, strlen(ev->file), 1) : 0);
    if (!(s->server_bloom[b >> 6] >> (b & 63) & 1)) return 0;
    es_key k = server_key(ev);
    return kn_htab_get(&s->es_servers, &k) != NULL;
}

static int es_classify(es_state *s, const soc_event *ev, kn_buf *dec, es_info *info)
{
    /* field by field: zeroing the 256-byte command buffer for every HTTP
     * event was half of this function's instructions (callgrind) */
    info->kind = ES_NONE;
    info->lang = info->cve = NULL;
    info->cmd[0] = 0;
    soc_str uri = ev->http.uri;
    const char *qm = uri.n ? memchr(uri.p, '?', uri.n) : NULL;
    info->path = qm ? soc_s(uri.p, (size_t)(qm - uri.p)) : uri;
    int honeypot = ev->source && ev->source[0] == 'h' && strcmp(ev->source, "honeypot") == 0;   /* first byte: per HTTP event */
    int es_port = ev->dport == 9200 || ev->dport == 9300;
    int api = path_has_api(info->path);
    if (api) {
        es_key sk = server_key(ev);
        int created;
        if (kn_htab_put(&s->es_servers, &sk, &created) && created) {
            bloom_set(s, &sk);
            bloom_fit(s);
        }
    }
    soc_str query = qm ? soc_s(qm + 1, uri.n - (size_t)(qm + 1 - uri.p)) : soc_s(NULL, 0);
    /* cheap tests first: most HTTP is not Elasticsearch, and decoding every
     * query would cost more than the rest of the pipeline */
    int script_raw = soc_str_icontains(query, "script") || soc_str_icontains(query, "%73cript") ||
                     soc_str_icontains(ev->http.req_body, "script");
    if (!honeypot && !es_port && !api && !script_raw && !known_server(s, ev)) return 0;
    kn_buf_reset(dec);
    if (query.n) soc_url_decode(dec, query.p, query.n, 1);
    kn_buf_putc(dec, ' ');
    if (ev->http.req_body.n) kn_buf_append(dec, ev->http.req_body.p, ev->http.req_body.n);
    soc_str text = soc_s(dec->data, dec->len);
    int script = soc_str_icontains(text, "script") != NULL;
    if (!honeypot && !es_port && !api && !soc_str_icontains(text, "script_fields") && !known_server(s, ev))
        return 0;
    soc_str m = ev->http.method;
    if (script) {
        info->kind = ES_RCE;
        if (soc_str_icontains(text, "painless")) info->lang = "painless";
        else if (soc_str_icontains(text, "groovy") || soc_str_icontains(text, "forName") ||
                 soc_str_icontains(text, "getClass") || soc_str_icontains(text, ".class."))
            info->lang = "groovy";
        else info->lang = "mvel";
        info->cve = !strcmp(info->lang, "groovy") ? "CVE-2015-1427" : !strcmp(info->lang, "mvel") ? "CVE-2014-3120" : NULL;
        extract_command(text, info->cmd, sizeof info->cmd);
    } else if (soc_str_ieq(m, "DELETE")) {
        info->kind = ES_DESTRUCTIVE;
    } else if ((soc_str_ieq(m, "PUT") || soc_str_ieq(m, "POST")) && ransom_name(info->path)) {
        info->kind = ES_RANSOM;
    } else if (soc_str_icontains(info->path, "/_search") || soc_str_icontains(info->path, "/_msearch") ||
               soc_str_icontains(info->path, "/_count") || soc_str_icontains(info->path, "/_query")) {
        info->kind = ES_SEARCH;
    } else if (soc_str_eq(info->path, "/") || info->path.n == 0 || api ||
               (info->path.n >= 2 && info->path.p[0] == '/' && info->path.p[1] == '_')) {
        info->kind = ES_PROBE;
    } else {
        info->kind = ES_OTHER;
    }
    return 1;
}

/* ---- aggregation ------------------------------------------------------------------ */

static void *es_create(soc_ctx *ctx)
{
    es_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    if (kn_htab_init(&s->aggs, sizeof(es_key), sizeof(es_agg *), 256) < 0 ||
        kn_htab_init(&s->scan_seen, sizeof(es_key), 1, 256) < 0 ||
        kn_htab_init(&s->es_servers, sizeof(es_key), 1, 64) < 0) {
        kn_htab_free(&s->aggs);
        kn_htab_free(&s->scan_seen);
        free(s);
        return NULL;
    }
    s->min_window = INT64_MAX;
    s->es_servers.max_count = 100000;   /* bounded: beyond it, new servers are not remembered */
    s->bloom_log2 = ES_BLOOM_MIN_LOG2;
    s->server_bloom = calloc((size_t)1 << (ES_BLOOM_MIN_LOG2 - 6), sizeof *s->server_bloom);
    if (!s->server_bloom) {
        kn_htab_free(&s->aggs);
        kn_htab_free(&s->scan_seen);
        kn_htab_free(&s->es_servers);
        free(s);
        return NULL;
    }
    return s;
}

static void emit(soc_ctx *ctx, es_agg *g)
{
    enum es_kind k = (enum es_kind)g->key.kind;
    if (k == ES_LEAK && g->bytes < ES_LEAK_BYTES) return;
    if (k == ES_SCAN && g->n_hosts < ES_SCAN_HOSTS) return;
    soc_alert_hdr h = {g->first, es_rules[k].id, es_rules[k].name, "elasticsearch", es_rules[k].sev,
                       es_rules[k].action, g->first, g->last};
    kn_json *j = soc_alert_begin(ctx, &h);
    if (k == ES_EXPOSURE || k == ES_LEAK) {
        /* a = server, b = client (leak) */
        if (k == ES_LEAK) soc_alert_endpoint(j, "source", &g->key.b, 0);
        soc_alert_endpoint(j, "destination", &g->key.a, g->dport);
    } else {
        soc_alert_endpoint(j, "source", &g->key.a, 0);
        if (g->dst.family) soc_alert_endpoint(j, "destination", &g->dst, g->dport);
        else if (g->dport) {
            kn_json_key(j, "destination");
            kn_json_obj_begin(j);
            kn_json_kint(j, "port", g->dport);
            kn_json_obj_end(j);
        }
    }
    if (g->http) soc_alert_http_fields(j, g->host, g->uri, g->method, -1, g->ua);
    else soc_alert_http_fields(j, "", "", "", -1, "");
    kn_json_key(j, "elasticsearch");
    kn_json_obj_begin(j);
    kn_json_kstr(j, "kind", es_rules[k].action);
    kn_json_kuint(j, "requests", g->count);
    if (k == ES_SCAN) {
        kn_json_kuint(j, "hosts", g->n_hosts);
        kn_json_key(j, "ports");
        kn_json_arr_begin(j);
        if (g->ports_mask & 1) kn_json_int(j, 9200);
        if (g->ports_mask & 2) kn_json_int(j, 9300);
        kn_json_arr_end(j);
    } else {
        kn_json_kuint(j, k == ES_EXPOSURE ? "clients" : "destinations", g->dsts.n);
        if (g->dsts.full) kn_json_kbool(j, k == ES_EXPOSURE ? "clients_capped" : "destinations_capped", 1);
    }
    if (g->bytes) kn_json_kuint(j, "bytes", g->bytes);
    if (k == ES_RCE) {
        kn_json_key(j, "script");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "lang", g->lang);
        if (g->cve) kn_json_kstr(j, "cve", g->cve);
        kn_json_key(j, "commands");
        kn_json_arr_begin(j);
        for (int i = 0; i < g->n_cmds; i++) kn_json_str(j, g->cmds[i]);
        kn_json_arr_end(j);
        kn_json_obj_end(j);
    }
    if (g->n_paths) {
        kn_json_key(j, "paths");
        kn_json_arr_begin(j);
        for (int i = 0; i < g->n_paths; i++) {
            kn_json_obj_begin(j);
            kn_json_kstr(j, "path", g->paths[i].path);
            kn_json_kuint(j, "count", g->paths[i].count);
            kn_json_obj_end(j);
        }
        kn_json_arr_end(j);
        if (g->other_paths) kn_json_kuint(j, "other_paths", g->other_paths);
    }
    kn_json_obj_end(j);
    if (g->cve) {
        kn_json_key(j, "vulnerability");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "id", g->cve);
        kn_json_obj_end(j);
    }
    soc_alert_evidence_begin(j, g->source, g->file, g->line);
    if (k == ES_RCE && g->n_cmds) kn_json_kstr(j, "command", g->cmds[0]);
    soc_alert_evidence_end(j);
    soc_alert_end(ctx);
}

static void flush(es_state *s, soc_ctx *ctx, kn_time before, int all)
{
    size_t it = 0;
    const void *k;
    void *v;
    int64_t min_left = INT64_MAX;
    while (kn_htab_next(&s->aggs, &it, &k, &v)) {
        es_agg *g = *(es_agg **)v;
        if (!all && g->key.window * ES_WINDOW + 2 * ES_WINDOW > before) {
            if (g->key.window < min_left) min_left = g->key.window;
            continue;
        }
        emit(ctx, g);
        free(g);
        kn_htab_del_at(&s->aggs, &it);
    }
    if (all) kn_htab_clear(&s->scan_seen);
    else {
        it = 0;
        while (kn_htab_next(&s->scan_seen, &it, &k, &v)) {
            const es_key *sk = k;
            if (sk->window * ES_WINDOW + 2 * ES_WINDOW <= before) kn_htab_del_at(&s->scan_seen, &it);
            else if (sk->window < min_left) min_left = sk->window;
        }
    }
    s->min_window = min_left;
}

static es_agg *find_agg(es_state *s, soc_ctx *ctx, enum es_kind kind, const kn_ip *a, const kn_ip *b, kn_time ts,
                       const soc_event *ev)
{
    es_key key;
    memset(&key, 0, sizeof key);
    key.a = *a;
    if (b) key.b = *b;
    key.window = ts / ES_WINDOW;
    key.kind = kind;
    if (s->aggs.count >= ES_MAX_AGG) flush(s, ctx, 0, 1);
    int created;
    es_agg **slot = kn_htab_put(&s->aggs, &key, &created);
    if (!slot) return NULL;
    if (created) {
        int http = ev && ev->kind != SOC_EV_CONN;
        es_agg *g = calloc(1, http ? sizeof *g : ES_AGG_CONN_SIZE);
        if (!g) { kn_htab_del(&s->aggs, &key); return NULL; }
        if (key.window < s->min_window) s->min_window = key.window;
        g->key = key;
        g->first = g->last = ts;
        g->http = http;
        if (ev) {
            if (http) {
                soc_copy(g->method, sizeof g->method, ev->http.method);
                soc_copy(g->uri, sizeof g->uri, ev->http.uri);
                soc_copy(g->ua, sizeof g->ua, ev->http.user_agent);
                soc_copy(g->host, sizeof g->host, ev->http.host);
            }
            soc_copy(g->source, sizeof g->source, soc_cs(ev->source));
            soc_copy(g->file, sizeof g->file, soc_cs(ev->file));
            g->line = ev->line;
            g->dst = ev->dst;
            g->dport = ev->dport;
        }
        *slot = g;
    }
    return *slot;
}

static void stamp(es_agg *g, kn_time ts)
{
    if (ts < g->first) g->first = ts;
    if (ts > g->last) g->last = ts;
}

/* The aggregate of (kind, a, b, ts's window), made if new, with ts in its
 * time span; NULL when out of memory. */
static es_agg *get_agg(es_state *s, soc_ctx *ctx, enum es_kind kind, const kn_ip *a, const kn_ip *b, kn_time ts,
                       const soc_event *ev)
{
    es_agg *g = find_agg(s, ctx, kind, a, b, ts, ev);
    if (g) stamp(g, ts);
    return g;
}

static void add_path(es_agg *g, soc_str path)
{
    char p[128];
    soc_copy(p, sizeof p, path.n ? path : soc_cs("/"));
    for (int i = 0; i < g->n_paths; i++)
        if (!strcmp(g->paths[i].path, p)) { g->paths[i].count++; return; }
    if (g->n_paths < ES_MAX_PATHS) {
        memcpy(g->paths[g->n_paths].path, p, sizeof p);
        g->paths[g->n_paths++].count = 1;
    } else {
        g->other_paths++;
    }
}

/* Marks (src, dst, window) seen in scan_seen: 1 if it was new, 0 if
 * already there, -1 when the table could not take it. */
static int scan_seen_put(es_state *s, const kn_ip *src, const kn_ip *dst, int64_t window)
{
    es_key sk;
    memset(&sk, 0, sizeof sk);
    sk.a = *src;
    sk.b = *dst;
    sk.window = window;
    int created;
    if (!kn_htab_put(&s->scan_seen, &sk, &created)) return -1;
    if (created && window < s->min_window) s->min_window = window;
    return created;
}

/* A source's distinct hosts per window: its first ES_SCAN_INLINE are
 * kept in its aggregate, and only a source past them (a scanner) puts
 * its pairs into scan_seen. Most sources reach one or two servers, and a
 * scan_seen entry for each, a second random table access beside the
 * aggregate's, was most of this analyzer's cost on a Zeek conn.log (perf). */
static void scan_hit(es_state *s, soc_ctx *ctx, const kn_ip *src, const kn_ip *dst, uint16_t port, kn_time ts)
{
    if (s->scan_seen.count >= 8 * (size_t)ES_MAX_AGG) flush(s, ctx, 0, 1);   /* before get_agg: frees every aggregate */
    es_agg *g = find_agg(s, ctx, ES_SCAN, src, NULL, ts, NULL);   /* its time span: new hosts only, below */
    if (!g) return;
    int64_t window = g->key.window;
    uint64_t n_inline = g->n_hosts < ES_SCAN_INLINE ? g->n_hosts : ES_SCAN_INLINE;
    for (uint64_t i = 0; i < n_inline; i++)
        if (memcmp(&g->scan_hosts[i], dst, sizeof *dst) == 0) return;
    if (g->n_hosts < ES_SCAN_INLINE) {
        g->scan_hosts[g->n_hosts] = *dst;
    } else {
        if (g->n_hosts == ES_SCAN_INLINE) {   /* the first host past them: the kept ones go to scan_seen too */
            for (int i = 0; i < ES_SCAN_INLINE; i++)
                if (scan_seen_put(s, src, &g->scan_hosts[i], window) < 0) return;
        }
        if (scan_seen_put(s, src, dst, window) != 1) return;
    }
    stamp(g, ts);
    g->n_hosts++;
    g->count++;
    g->ports_mask |= port == 9200 ? 1 : 2;
    if (!g->dport) g->dport = port;
}

static void es_on_event(void *self, soc_ctx *ctx, const soc_event *ev)
{
    es_state *s = self;
    if (!s) return;
    if (ev->kind == SOC_EV_CONN) {
        if ((ev->dport == 9200 || ev->dport == 9300) && ev->src.family && ev->dst.family)
            scan_hit(s, ctx, &ev->src, &ev->dst, ev->dport, ev->ts);
        if (ev->dport == 9200 && ev->conn.resp_bytes && soc_is_internal(ctx, &ev->dst) && ev->src.family &&
            !soc_is_internal(ctx, &ev->src)) {
            es_agg *g = get_agg(s, ctx, ES_LEAK, &ev->dst, &ev->src, ev->ts, ev);
            if (g) { g->bytes += ev->conn.resp_bytes; g->count++; }
        }
        return;
    }
    if (ev->kind != SOC_EV_HTTP || !ev->http.method.n) return;
    es_info info;
    if (!es_classify(s, ev, &s->dec, &info)) return;
    /* searches and probes from inside are the cluster's normal clients;
     * from outside (or at a honeypot) they are reconnaissance */
    int benign_kind = info.kind == ES_SEARCH || info.kind == ES_PROBE || info.kind == ES_OTHER;
    int inside = soc_is_internal(ctx, &ev->src) && strcmp(ev->source, "honeypot") != 0;
    if (ev->src.family && !(benign_kind && inside)) {
        es_agg *g = get_agg(s, ctx, info.kind, &ev->src, NULL, ev->ts, ev);
        if (g) {
            g->count++;
            if (ev->dst.family) soc_small_set_add(&g->dsts, soc_ip_hash(&ev->dst));
            add_path(g, info.path);
            if (info.kind == ES_RCE) {
                if (info.lang && !g->lang[0]) { soc_copy(g->lang, sizeof g->lang, soc_cs(info.lang)); g->cve = info.cve; }
                if (info.cmd[0]) {
                    int dup = 0;
                    for (int i = 0; i < g->n_cmds; i++) dup |= !strcmp(g->cmds[i], info.cmd);
                    if (!dup && g->n_cmds < ES_MAX_CMDS) memcpy(g->cmds[g->n_cmds++], info.cmd, sizeof info.cmd);
                }
            }
        }
        if ((ev->dport == 9200 || ev->dport == 9300) && ev->dst.family && strcmp(ev->source, "honeypot"))
            scan_hit(s, ctx, &ev->src, &ev->dst, ev->dport, ev->ts);
    }
    /* exposure: an internal server on 9200 answering outsiders without credentials */
    if (ev->dport == 9200 && ev->http.status == 200 && !ev->http.authorization.n && ev->dst.family &&
        soc_is_internal(ctx, &ev->dst) && ev->src.family && !soc_is_internal(ctx, &ev->src)) {
        es_agg *g = get_agg(s, ctx, ES_EXPOSURE, &ev->dst, NULL, ev->ts, ev);
        if (g) { g->count++; soc_small_set_add(&g->dsts, soc_ip_hash(&ev->src)); }
    }
    if (ev->dport == 9200 && ev->http.resp_body_len > 0 && ev->dst.family && soc_is_internal(ctx, &ev->dst) &&
        ev->src.family && !soc_is_internal(ctx, &ev->src) && strcmp(ev->source, "eve") && strcmp(ev->source, "zeek")) {
        /* EVE/Zeek also log the connection (flow/conn), which counts the bytes once */
        es_agg *g = get_agg(s, ctx, ES_LEAK, &ev->dst, &ev->src, ev->ts, ev);
        if (g) { g->bytes += (uint64_t)ev->http.resp_body_len; g->count++; }
    }
}

static void es_on_packet(void *self, soc_ctx *ctx, const soc_pkt *p)
{
    es_state *s = self;
    if (!s || p->proto != 6 || (p->dport != 9200 && p->dport != 9300)) return;
    if ((p->tcp_flags & 0x12) != 0x02) return;   /* SYN without ACK: a connection attempt */
    scan_hit(s, ctx, &p->src, &p->dst, p->dport, p->ts);
}

static void es_on_tick(void *self, soc_ctx *ctx, kn_time now)
{
    es_state *s = self;
    if (!s || now - s->last_sweep < 60 * KN_NS_PER_SEC) return;
    s->last_sweep = now;
    if (s->min_window == INT64_MAX || s->min_window * ES_WINDOW + 2 * ES_WINDOW > now) return;   /* nothing to close */
    flush(s, ctx, now, 0);
}

static void es_finish(void *self, soc_ctx *ctx)
{
    if (self) flush(self, ctx, 0, 1);
}

static void es_destroy(void *self)
{
    es_state *s = self;
    if (!s) return;
    size_t it = 0;
    const void *k;
    void *v;
    while (kn_htab_next(&s->aggs, &it, &k, &v)) free(*(es_agg **)v);
    kn_htab_free(&s->aggs);
    kn_htab_free(&s->scan_seen);
    kn_htab_free(&s->es_servers);
    free(s->server_bloom);
    kn_buf_free(&s->dec);
    free(s);
}

/* Connections are read for Elasticsearch's ports only (es_on_event). */
static int es_conn_ports(void *self, uint16_t *ports, int max)
{
    (void)self;
    if (max < 2) return -1;
    ports[0] = 9200;
    ports[1] = 9300;
    return 2;
}

const soc_analyzer_ops soc_analyzer_es = {"elasticsearch", es_create, es_on_packet, NULL, es_on_event,
                                          es_on_tick, es_finish, es_destroy, 0, es_conn_ports};
