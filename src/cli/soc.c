/* soc.c: the `kensa soc` commands. Each command parses its options with
 * cli_parse and calls into the soc engine (src/soc/); nothing here knows a
 * file format. The DDoS options are shared by `analyze` and `listen`, so
 * they are one macro used in both option tables. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/hash.h"
#include "core/jsonp.h"
#include "core/table.h"
#include "soc/ddos.h"
#include "soc/ddos_report.h"
#include "soc/flowexp.h"
#include "soc/report.h"
#include "soc/soc.h"

static int cmd_analyze(int argc, char **argv);
static int cmd_flows(int argc, char **argv);
static int cmd_listen(int argc, char **argv);
int cmd_soc_report(int argc, char **argv);   /* soc_report.c */

static const cli_command commands[] = {
    {"analyze", "detect threats in captures, flow exports and security logs",
     "kensa soc analyze [OPTIONS] INPUT...",
     "Reads each INPUT (pcap, pcapng, NetFlow/IPFIX/sFlow inside pcaps, Suricata EVE,\n"
     "Zeek, HTTP access logs, honeypot JSON; gzip or xz compressed or not; '-' for\n"
     "stdin), detecting its type from its content. Several inputs are merged by time.\n"
     "Alerts are NDJSON with ECS-style fields.\n\n"
     "DDoS detection counts traffic per destination host and per /24 and /64 in\n"
     "1-second windows with a moving average; thresholds come from the --ddos-*\n"
     "flags, then --ddos-config, then FastNetMon-like defaults (20000 pps,\n"
     "1000 Mbit/s, 3500 flows/s). Each attack gives one attack_start and one\n"
     "attack_end alert.\n\n"
     "exit status: 0 no alerts, 1 alerts raised or an input could not be read, 2 usage.",
     cmd_analyze},
    {"flows", "decode flow exports (NetFlow v5/v9, IPFIX, sFlow) found in captures",
     "kensa soc flows [OPTIONS] INPUT...",
     "Prints every flow record decoded from the export datagrams inside each\n"
     "capture INPUT (any UDP port; recognised by content), one per line: a table,\n"
     "or NDJSON with --json. Counters are scaled by the sampling rate. With --top N,\n"
     "prints instead the N destinations with the most bytes.\n\n"
     "exit status: 0 success, 1 an input could not be read or had warnings, 2 usage.",
     cmd_flows},
    {"listen", "receive NetFlow/IPFIX/sFlow over UDP and detect DDoS attacks live",
     "kensa soc listen [OPTIONS] --netflow ADDR:PORT | --sflow ADDR:PORT",
     "Binds UDP sockets and decodes every datagram as NetFlow v5/v9, IPFIX or\n"
     "sFlow v5 (by content, whichever socket it arrives on), feeding the DDoS\n"
     "detector in wall-clock time. Runs until interrupted, or for --duration\n"
     "seconds, or until --count datagrams were received.\n\n"
     "exit status: 0 no alerts, 1 alerts raised or a socket error, 2 usage.",
     cmd_listen},
    {"report", "rebuild the observation report from stored alerts", "kensa soc report [OPTIONS] ALERTS.ndjson... --report FILE", "Reads NDJSON alerts written by `kensa soc analyze` and writes the observation\nreport (DDoS, Elasticsearch, Emotet, IDS) as HTML, Markdown or JSON by FILE's extension.\n\nexit status: 0 report written, 1 an input could not be read or had bad lines, 2 usage.", cmd_soc_report},
    {0},
};

const cli_group cli_group_soc = {"soc", "security data analytics: packets, flows and logs in; DDoS, Elasticsearch and Emotet alerts out", commands};

/* ---- shared option handling ------------------------------------------------------ */

typedef struct ddos_flags {
    double pps, mbps, flows, ppps, pmbps, pflows;
    int64_t average, quiet, max_hosts;
    const char *config, *home_net, *analyzers;
    cli_list sampling;
} ddos_flags;

#define DDOS_OPTS(f)                                                                                          \
    {"home-net", 0, CLI_STR, &(f).home_net, "CIDR,...", "internal networks (decides inbound vs outbound)"},   \
    {"ddos-pps", 0, CLI_DOUBLE, &(f).pps, "N", "per-host packets/s threshold (default 20000; 0 = off)"},      \
    {"ddos-mbps", 0, CLI_DOUBLE, &(f).mbps, "N", "per-host Mbit/s threshold (default 1000; 0 = off)"},        \
    {"ddos-flows", 0, CLI_DOUBLE, &(f).flows, "N", "per-host flows/s threshold (default 3500; 0 = off)"},     \
    {"prefix-pps", 0, CLI_DOUBLE, &(f).ppps, "N", "per /24 and /64 packets/s (default 4 x host)"},           \
    {"prefix-mbps", 0, CLI_DOUBLE, &(f).pmbps, "N", "per /24 and /64 Mbit/s (default 4 x host)"},            \
    {"prefix-flows", 0, CLI_DOUBLE, &(f).pflows, "N", "per /24 and /64 flows/s (default 4 x host)"},         \
    {"average", 0, CLI_INT, &(f).average, "SECONDS", "moving-average window (default 5)"},                   \
    {"quiet-time", 0, CLI_INT, &(f).quiet, "SECONDS", "an attack ends after this long below threshold (default 60)"}, \
    {"max-hosts", 0, CLI_INT, &(f).max_hosts, "N", "bound on tracked hosts and prefixes (default 1000000)"}, \
    {"ddos-config", 0, CLI_STR, &(f).config, "FILE", "thresholds and host groups (see docs/soc-ddos.md)"},     \
    {"sampling", 0, CLI_LIST, &(f).sampling, "EXPORTER=N", "sampling rate for an exporter, overriding its own"}, \
    {"analyzers", 0, CLI_STR, &(f).analyzers, "NAME,...", "run only these analyzers (e.g. ddos; default all)"}

static void ddos_flags_init(ddos_flags *f)
{
    memset(f, 0, sizeof *f);
    f->pps = f->mbps = f->flows = f->ppps = f->pmbps = f->pflows = -1;
}

/* Fills o from the flags; returns -1 or an exit code on a usage error. */
static int ddos_flags_apply(const cli_command *self, ddos_flags *f, soc_options *o)
{
    soc_options_defaults(o);
    o->quiet = cli.quiet;
    o->ddos_pps = f->pps;
    o->ddos_mbps = f->mbps;
    o->ddos_flows = f->flows;
    o->prefix_pps = f->ppps;
    o->prefix_mbps = f->pmbps;
    o->prefix_flows = f->pflows;
    if (f->average < 0 || f->average > 3600) return cli_usage_error(self, "--average: 1..3600 seconds");
    if (f->quiet < 0 || f->quiet > 86400) return cli_usage_error(self, "--quiet-time: 1..86400 seconds");
    if (f->max_hosts < 0) return cli_usage_error(self, "--max-hosts must be positive");
    o->avg_seconds = (int)f->average;
    o->quiet_seconds = (int)f->quiet;
    o->ddos_max_hosts = (size_t)f->max_hosts;
    o->config_path = f->config;
    o->analyzers = f->analyzers;
    if (f->home_net) {
        o->home_net = kn_cidrset_new();
        const char *bad = NULL;
        if (kn_cidrset_add_list(o->home_net, f->home_net, 1, &bad) < 0)
            return cli_usage_error(self, "--home-net: '%s' is not an address or prefix", bad);
    }
    if (f->sampling.n) {
        o->sampling = calloc((size_t)f->sampling.n, sizeof *o->sampling);
        if (!o->sampling) abort();
        for (int i = 0; i < f->sampling.n; i++) {
            const char *s = f->sampling.items[i], *eq = strrchr(s, '=');
            int64_t rate;
            if (!eq || kn_ip_parse(&o->sampling[i].exporter, s, eq - s) != 0 || cli_parse_int(eq + 1, &rate) != 0 ||
                rate < 1 || rate > 0x7fffffff)
                return cli_usage_error(self, "--sampling: '%s' is not EXPORTER=N (an address and a rate >= 1)", s);
            o->sampling[i].rate = (uint32_t)rate;
        }
        o->n_sampling = f->sampling.n;
    }
    kn_err e;
    kn_err_clear(&e);
    if (soc_analyzers_check(o->analyzers, &e) != KN_OK) return cli_usage_error(self, "--analyzers: %s", e.msg);
    soc_ddos_config cfg;
    if (soc_ddos_config_load(o, &cfg, &e) != KN_OK) {
        kn_err_print(&e);
        soc_ddos_config_free(&cfg);
        return KN_EXIT_USAGE;
    }
    soc_ddos_config_free(&cfg);
    return -1;
}

static void options_free(soc_options *o)
{
    kn_cidrset_free(o->home_net);
    free(o->sampling);
    o->home_net = NULL;
    o->sampling = NULL;
}

/* --summary FILE: JSON to FILE, Markdown to FILE with .md in place of its
 * extension (FILE.md when it has none). */
static int write_summary(const char *path, const kn_buf *alert_log)
{
    soc_ddos_report *r = soc_ddos_report_new();
    kn_arena a;
    kn_arena_init(&a, 0, 0);
    const char *p = alert_log->data, *end = alert_log->data + alert_log->len;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        kn_jval *v;
        size_t off;
        if (n && kn_jparse(&a, p, n, &v, &off) == KN_OK) soc_ddos_report_add(r, v);
        kn_arena_reset(&a);
        p = nl ? nl + 1 : end;
    }
    kn_arena_free(&a);
    int rc = 0;
    FILE *f = fopen(path, "w");
    if (!f) { kn_errorf(path, KN_NO_OFFSET, "cannot create summary: %s", strerror(errno)); rc = -1; }
    else {
        kn_json *j = kn_json_new(f);
        kn_json_set_pretty(j, 2);
        soc_ddos_report_json(r, j);
        kn_json_end_record(j);
        kn_json_free(j);
        if (fclose(f) != 0) rc = -1;
    }
    char md[4096];
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    if (dot && (!slash || dot > slash)) snprintf(md, sizeof md, "%.*s.md", (int)(dot - path), path);
    else snprintf(md, sizeof md, "%s.md", path);
    if (strcmp(md, path) == 0) snprintf(md, sizeof md, "%s.md", path);
    kn_buf b = KN_BUF_INIT;
    soc_ddos_report_markdown(r, &b);
    f = fopen(md, "w");
    if (!f) { kn_errorf(md, KN_NO_OFFSET, "cannot create summary: %s", strerror(errno)); rc = -1; }
    else {
        fwrite(b.data, 1, b.len, f);
        if (fclose(f) != 0) rc = -1;
    }
    kn_buf_free(&b);
    soc_ddos_report_free(r);
    return rc;
}

static int write_stats(const char *path, const soc_ctx *ctx)
{
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!f) { kn_errorf(path, KN_NO_OFFSET, "cannot create stats file: %s", strerror(errno)); return -1; }
    kn_json *j = kn_json_new(f);
    kn_json_obj_begin(j);
    kn_json_key(j, "inputs");
    kn_json_arr_begin(j);
    for (int i = 0; i < ctx->n_inputs; i++) {
        const soc_input_summary *s = &ctx->inputs[i];
        kn_json_obj_begin(j);
        kn_json_kstr(j, "file", s->path);
        kn_json_kstr(j, "format", s->format);
        kn_json_kuint(j, "packets", s->packets);
        kn_json_kuint(j, "bytes", s->bytes);
        kn_json_kuint(j, "flows", s->flows);
        kn_json_kuint(j, "events", s->events);
        kn_json_obj_end(j);
    }
    kn_json_arr_end(j);
    kn_json_kuint(j, "packets", ctx->n_packets);
    kn_json_kuint(j, "flows", ctx->n_flows);
    kn_json_kuint(j, "events", ctx->n_events);
    kn_json_kuint(j, "alerts", ctx->alert_count);
    kn_json_kuint(j, "warnings", ctx->warn.count);
    if (ctx->flowexp) {
        soc_fx_stats st;
        soc_flowexp_stats(ctx->flowexp, &st);
        kn_json_key(j, "flow_exports");
        kn_json_obj_begin(j);
        kn_json_kuint(j, "netflow_v5", st.datagrams[0]);
        kn_json_kuint(j, "netflow_v9", st.datagrams[1]);
        kn_json_kuint(j, "ipfix", st.datagrams[2]);
        kn_json_kuint(j, "sflow", st.datagrams[3]);
        kn_json_kuint(j, "templates", st.templates);
        kn_json_kuint(j, "templates_cached", st.templates_cached);
        kn_json_kuint(j, "held_sets", st.held_sets);
        kn_json_kuint(j, "held_decoded", st.held_decoded);
        kn_json_kuint(j, "held_dropped", st.held_dropped);
        kn_json_kuint(j, "bad", st.bad);
        kn_json_obj_end(j);
    }
    kn_json_obj_end(j);
    kn_json_end_record(j);
    kn_json_free(j);
    if (f != stdout && fclose(f) != 0) return -1;
    return 0;
}

/* ---- analyze ------------------------------------------------------------------------ */

static int cmd_analyze(int argc, char **argv)
{
    const char *alerts_path = NULL, *summary_path = NULL, *stats_path = NULL, *report_path = NULL;
    cli_list intel = {0};
    static ddos_flags df;   /* static: its --sampling list lives as long as the process */
    ddos_flags_init(&df);
    soc_options o;
    const cli_opt opts[] = {
        {"alerts", 'a', CLI_STR, &alerts_path, "FILE", "write NDJSON alerts to FILE ('-' = stdout; default stdout)"},
        {"summary", 0, CLI_STR, &summary_path, "FILE", "DDoS summary: JSON to FILE, Markdown to FILE.md"},
        {"stats", 0, CLI_STR, &stats_path, "FILE", "per-input record counts as JSON ('-' = stdout)"},
        {"intel", 0, CLI_LIST, &intel, "FILE", "indicator list (Feodo, URLhaus, IPs, ipsets, defanged CSV); repeatable"},
        {"report", 0, CLI_STR, &report_path, "FILE", "observation report: FILE.html, FILE.md or FILE.json"},
        DDOS_OPTS(df),
        {0},
    };
    const cli_command *self = &commands[0];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, -1, &pos, &npos);
    if (rc >= 0) return rc;
    rc = ddos_flags_apply(self, &df, &o);
    if (rc >= 0) { options_free(&o); return rc; }
    if (report_path && soc_report_format_of(report_path) < 0) {
        options_free(&o);
        free(intel.items);
        return cli_usage_error(self, "--report: '%s' must end in .html, .md or .json", report_path);
    }
    o.intel_paths = intel.items;
    o.n_intel = intel.n;
    FILE *out = stdout;
    if (alerts_path && strcmp(alerts_path, "-") != 0) {
        out = fopen(alerts_path, "w");
        if (!out) { kn_errorf(alerts_path, KN_NO_OFFSET, "cannot create alerts file"); options_free(&o); return KN_EXIT_ERROR; }
    }
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, out) != KN_OK) { kn_errorf(NULL, KN_NO_OFFSET, "out of memory"); return KN_EXIT_ERROR; }
    kn_err e;
    kn_err_clear(&e);
    kn_status st = soc_analyze_files(&ctx, (const char *const *)pos, npos, &e);
    kn_warnings_summary(&ctx.warn, "input");
    int failed = 0;
    if (summary_path && write_summary(summary_path, &ctx.alert_log) != 0) failed = 1;
    if (stats_path && write_stats(stats_path, &ctx) != 0) failed = 1;
    if (report_path) {
        kn_err re;
        kn_err_clear(&re);
        if (soc_report_write(ctx.alert_log.data ? ctx.alert_log.data : "", ctx.alert_log.len, "alerts", report_path, &re) != KN_OK) {
            kn_err_print(&re);
            failed = 1;
        }
    }
    if (!cli.quiet)
        fprintf(stderr, "kensa: %llu packets, %llu flows, %llu events, %llu alerts\n",
                (unsigned long long)ctx.n_packets, (unsigned long long)ctx.n_flows,
                (unsigned long long)ctx.n_events, (unsigned long long)ctx.alert_count);
    uint64_t alerts = ctx.alert_count;
    soc_ctx_free(&ctx);
    if (out != stdout) fclose(out);
    options_free(&o);
    free(intel.items);
    if (st != KN_OK || failed) return KN_EXIT_ERROR;
    return alerts ? KN_EXIT_FINDINGS : KN_EXIT_OK;
}

/* ---- flows --------------------------------------------------------------------------- */

typedef struct dst_total { uint64_t flows, packets, bytes; } dst_total;

/* --top's destination table: open addressing on the address words. Not
 * kn_htab: its generic byte hash and memcmp measured over half of
 * `soc flows --top` (perf, 4.5 M NetFlow v9 records). */
typedef struct dst_slot { uint64_t hi, lo; uint32_t fam, used; dst_total t; } dst_slot;
typedef struct dst_table { dst_slot *s; size_t cap, count; } dst_table;

static inline uint64_t ip_word(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint64_t dst_hash(uint64_t hi, uint64_t lo, uint32_t fam)
{
    return kn_hash_u64(lo ^ (hi * 0x9e3779b97f4a7c15ULL) ^ fam);
}

/* Zeroed slots; tables of 2 MiB and more on transparent huge pages: a
 * random destination per record otherwise costs a TLB miss as well as a
 * cache miss. */
static dst_slot *dst_slots(size_t cap)
{
    size_t size = cap * sizeof(dst_slot);
    if (size < (2u << 20)) return calloc(cap, sizeof(dst_slot));
    size = (size + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    dst_slot *s = aligned_alloc(2u << 20, size);
    if (!s) return NULL;
    madvise(s, size, MADV_HUGEPAGE);
    memset(s, 0, size);
    return s;
}

static dst_slot *dst_find(dst_table *t, uint64_t h, uint64_t hi, uint64_t lo, uint32_t fam)
{
    size_t mask = t->cap - 1, i = h & mask;
    while (t->s[i].used && !(t->s[i].lo == lo && t->s[i].hi == hi && t->s[i].fam == fam)) i = (i + 1) & mask;
    return &t->s[i];
}

static dst_total *dst_put(dst_table *t, uint64_t h, uint64_t hi, uint64_t lo, uint32_t fam)
{
    dst_slot *s = dst_find(t, h, hi, lo, fam);
    if (s->used) return &s->t;
    if ((t->count + 1) * 4 > t->cap * 3) {
        dst_table n = {dst_slots(t->cap * 2), t->cap * 2, 0};
        if (!n.s) abort();
        for (size_t i = 0; i < t->cap; i++)
            if (t->s[i].used) {
                const dst_slot *o = &t->s[i];
                *dst_find(&n, dst_hash(o->hi, o->lo, o->fam), o->hi, o->lo, o->fam) = *o;
                n.count++;
            }
        free(t->s);
        *t = n;
        s = dst_find(t, h, hi, lo, fam);
    }
    s->hi = hi;
    s->lo = lo;
    s->fam = fam;
    s->used = 1;
    t->count++;
    return &s->t;
}

/* Records wait in a short ring after their slot is prefetched, so the
 * table's cache misses overlap instead of stalling one by one: with tens of
 * thousands of destinations the table outgrows L2 and dst_find was a
 * quarter of `soc flows --top` (perf, 4.5 M NetFlow v9 records, 20000
 * destinations); the ring took it to a few percent. */
#define TOP_RING 16
typedef struct top_pending { uint64_t h, hi, lo, packets, bytes; uint32_t fam; } top_pending;
typedef struct top_agg {
    dst_table tab;
    top_pending ring[TOP_RING];
    unsigned head, n;
} top_agg;

static void top_apply(top_agg *a, const top_pending *p)
{
    dst_total *t = dst_put(&a->tab, p->h, p->hi, p->lo, p->fam);
    t->flows++;
    t->packets += p->packets;
    t->bytes += p->bytes;
}

static inline void top_add(top_agg *a, const kn_ip *ip, uint64_t packets, uint64_t bytes)
{
    top_pending p = {0, ip_word(ip->b), ip_word(ip->b + 8), packets, bytes, ip->family};
    p.h = dst_hash(p.hi, p.lo, p.fam);
    __builtin_prefetch(&a->tab.s[p.h & (a->tab.cap - 1)], 1);
    unsigned slot = (a->head + a->n) % TOP_RING;
    if (a->n == TOP_RING) {   /* full: the oldest (prefetched longest ago) goes in first */
        top_apply(a, &a->ring[a->head]);
        a->head = (a->head + 1) % TOP_RING;
        a->n--;
    }
    a->ring[slot] = p;
    a->n++;
}

static void top_flush(top_agg *a)
{
    for (; a->n; a->n--, a->head = (a->head + 1) % TOP_RING) top_apply(a, &a->ring[a->head]);
}

typedef struct flow_printer {
    kn_json *j;
    kn_table *t;
    uint64_t n;
    top_agg *top;          /* --top: destination -> dst_total */
} flow_printer;

/* --top's record hook: aggregation only, no formatting. */
static void top_flow(void *user, const soc_record *rec)
{
    const soc_flow *f = soc_record_flow(rec);
    if (!f) return;
    flow_printer *fp = user;
    top_add(fp->top, &f->dst, f->packets, f->bytes);
    fp->n++;
}

static void print_flow(void *user, const soc_record *rec)
{
    const soc_flow *f = soc_record_flow(rec);
    if (!f) return;
    flow_printer *fp = user;
    char s[KN_IP_STRLEN], d[KN_IP_STRLEN], x[KN_IP_STRLEN], ts[KN_TIME_STRLEN], te[KN_TIME_STRLEN];
    kn_ip_format(&f->src, s);
    kn_ip_format(&f->dst, d);
    if (f->exporter.family) kn_ip_format(&f->exporter, x); else x[0] = 0;
    fp->n++;
    if (fp->j) {
        kn_json *j = fp->j;
        kn_json_obj_begin(j);
        kn_json_kstr(j, "exporter", x);
        kn_json_kuint(j, "observation_domain", f->observation_domain);
        kn_json_kstr(j, "start", kn_time_format(f->start, 3, ts));
        kn_json_kstr(j, "end", kn_time_format(f->end, 3, te));
        kn_json_kstr(j, "src", f->src.family ? s : "");
        kn_json_kstr(j, "dst", f->dst.family ? d : "");
        kn_json_kuint(j, "sport", f->sport);
        kn_json_kuint(j, "dport", f->dport);
        kn_json_kuint(j, "proto", f->proto);
        kn_json_kuint(j, "tcp_flags", f->tcp_flags);
        kn_json_kuint(j, "tos", f->tos);
        kn_json_kuint(j, "src_mask", f->src_mask);
        kn_json_kuint(j, "dst_mask", f->dst_mask);
        kn_json_kuint(j, "in_if", f->input_if);
        kn_json_kuint(j, "out_if", f->output_if);
        kn_json_kuint(j, "packets", f->packets);
        kn_json_kuint(j, "bytes", f->bytes);
        kn_json_kuint(j, "sampling", f->sampling);
        kn_json_kuint(j, "ip_version", f->ip_version);
        kn_json_kstr(j, "file", f->file);
        kn_json_obj_end(j);
        kn_json_end_record(j);
    } else {
        kn_table_cell(fp->t, kn_time_format(f->start, 3, ts));
        kn_table_cell(fp->t, x);
        kn_table_cellf(fp->t, "%s:%u", f->src.family ? s : "-", f->sport);
        kn_table_cellf(fp->t, "%s:%u", f->dst.family ? d : "-", f->dport);
        kn_table_cellf(fp->t, "%u", f->proto);
        kn_table_cellf(fp->t, "%llu", (unsigned long long)f->packets);
        kn_table_cellf(fp->t, "%llu", (unsigned long long)f->bytes);
        kn_table_cellf(fp->t, "%u", f->sampling);
    }
}

typedef struct top_row { kn_ip ip; dst_total t; } top_row;

static int top_cmp(const void *x, const void *y)
{
    const top_row *a = x, *b = y;
    if (a->t.bytes != b->t.bytes) return a->t.bytes > b->t.bytes ? -1 : 1;
    return kn_ip_cmp(&a->ip, &b->ip);
}

/* Top destinations by bytes: one pass keeping the n best in a small sorted
 * array (n is small next to the table). */
static void print_top(dst_table *t, size_t n)
{
    top_row *best = calloc(n + 1, sizeof *best);
    if (!best) abort();
    size_t have = 0;
    for (size_t si = 0; si < t->cap; si++) {
        if (!t->s[si].used) continue;
        top_row r;
        memset(&r, 0, sizeof r);
        memcpy(r.ip.b, &t->s[si].hi, 8);
        memcpy(r.ip.b + 8, &t->s[si].lo, 8);
        r.ip.family = (uint8_t)t->s[si].fam;
        r.t = t->s[si].t;
        if (have == n && top_cmp(&r, &best[n - 1]) >= 0) continue;
        size_t i = have < n ? have++ : n - 1;
        while (i > 0 && top_cmp(&r, &best[i - 1]) < 0) { best[i] = best[i - 1]; i--; }
        best[i] = r;
    }
    char ip[KN_IP_STRLEN];
    if (cli.json) {
        kn_json *j = kn_json_new(stdout);
        for (size_t i = 0; i < have; i++) {
            kn_json_obj_begin(j);
            kn_json_kstr(j, "dst", kn_ip_format(&best[i].ip, ip));
            kn_json_kuint(j, "flows", best[i].t.flows);
            kn_json_kuint(j, "packets", best[i].t.packets);
            kn_json_kuint(j, "bytes", best[i].t.bytes);
            kn_json_obj_end(j);
            kn_json_end_record(j);
        }
        kn_json_free(j);
    } else {
        static const char *const hdr[] = {"destination", ">flows", ">packets", ">bytes", NULL};
        kn_table *tb = kn_table_new(hdr);
        for (size_t i = 0; i < have; i++) {
            kn_table_cell(tb, kn_ip_format(&best[i].ip, ip));
            kn_table_cellf(tb, "%llu", (unsigned long long)best[i].t.flows);
            kn_table_cellf(tb, "%llu", (unsigned long long)best[i].t.packets);
            kn_table_cellf(tb, "%llu", (unsigned long long)best[i].t.bytes);
        }
        kn_table_print(tb, stdout);
        kn_table_free(tb);
    }
    free(best);
    free(t->s);
}

static int cmd_flows(int argc, char **argv)
{
    static ddos_flags df;   /* static: its --sampling list lives as long as the process */
    ddos_flags_init(&df);
    int64_t top = 0;
    const cli_opt opts[] = {
        {"sampling", 0, CLI_LIST, &df.sampling, "EXPORTER=N", "sampling rate for an exporter, overriding its own"},
        {"top", 0, CLI_INT, &top, "N", "instead of flows, the N destinations with most bytes (flows, packets, bytes)"},
        {0},
    };
    const cli_command *self = &commands[1];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 1, -1, &pos, &npos);
    if (rc >= 0) return rc;
    soc_options o;
    rc = ddos_flags_apply(self, &df, &o);
    if (rc >= 0) { options_free(&o); return rc; }
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, NULL) != KN_OK) { kn_errorf(NULL, KN_NO_OFFSET, "out of memory"); return KN_EXIT_ERROR; }
    if (top < 0 || top > 1000000) { options_free(&o); soc_ctx_free(&ctx); return cli_usage_error(self, "--top: 1..1000000"); }
    static const char *const hdr[] = {"start", "exporter", "source", "destination", ">proto", ">packets", ">bytes", ">sampling", NULL};
    flow_printer fp = {0};
    top_agg toptab;
    memset(&toptab, 0, sizeof toptab);
    if (top) {
        toptab.tab.cap = 1 << 16;
        toptab.tab.s = dst_slots(toptab.tab.cap);
        if (!toptab.tab.s) abort();
        fp.top = &toptab;
    } else if (cli.json) fp.j = kn_json_new(stdout);
    else fp.t = kn_table_new(hdr);
    ctx.record_hook = fp.top ? top_flow : print_flow;
    ctx.record_hook_user = &fp;
    ctx.analyzers_off = 1;
    kn_err e;
    kn_err_clear(&e);
    kn_status st = soc_analyze_files(&ctx, (const char *const *)pos, npos, &e);
    if (fp.j) kn_json_free(fp.j);
    if (fp.t) { kn_table_print(fp.t, stdout); kn_table_free(fp.t); }
    if (fp.top) {
        top_flush(&toptab);
        print_top(&toptab.tab, (size_t)top);
    }
    kn_warnings_summary(&ctx.warn, "input");
    uint64_t warns = ctx.warn.count;
    soc_ctx_free(&ctx);
    options_free(&o);
    return st != KN_OK || warns ? KN_EXIT_ERROR : KN_EXIT_OK;
}

/* ---- listen ------------------------------------------------------------------------- */

static volatile sig_atomic_t stop_listening;
static void on_signal(int sig) { (void)sig; stop_listening = 1; }

/* Binds a UDP socket to "ADDR:PORT" or "[V6]:PORT". */
static int bind_udp(const char *spec, char *err, size_t errn)
{
    char host[256];
    const char *port;
    if (spec[0] == '[') {
        const char *rb = strchr(spec, ']');
        if (!rb || rb[1] != ':') { snprintf(err, errn, "'%s' is not [ADDR]:PORT", spec); return -1; }
        snprintf(host, sizeof host, "%.*s", (int)(rb - spec - 1), spec + 1);
        port = rb + 2;
    } else {
        const char *c = strrchr(spec, ':');
        if (!c) { snprintf(err, errn, "'%s' is not ADDR:PORT", spec); return -1; }
        snprintf(host, sizeof host, "%.*s", (int)(c - spec), spec);
        port = c + 1;
    }
    struct addrinfo hints, *ai = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    int g = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (g != 0) { snprintf(err, errn, "'%s': %s", spec, gai_strerror(g)); return -1; }
    int fd = socket(ai->ai_family, SOCK_DGRAM, 0);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
        snprintf(err, errn, "cannot bind %s: %s", spec, strerror(errno));
        if (fd >= 0) close(fd);
        freeaddrinfo(ai);
        return -1;
    }
    int rcv = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    freeaddrinfo(ai);
    return fd;
}

typedef struct live_sink { soc_ctx *ctx; kn_time ts; } live_sink;

static void live_flow(void *user, const soc_flow *f)
{
    live_sink *s = user;
    soc_record rec;
    rec.kind = SOC_REC_FLOW;
    rec.ts = s->ts;
    rec.u.flow = *f;
    soc_feed(s->ctx, &rec);
}

static int cmd_listen(int argc, char **argv)
{
    const char *alerts_path = NULL, *summary_path = NULL, *stats_path = NULL;
    /* static: cli_parse allocates the lists, which live as long as the
     * process (one command per process), like argv */
    static cli_list netflow, sflow;
    static ddos_flags df;
    ddos_flags_init(&df);
    int64_t duration = 0, count = 0;
    const cli_opt opts[] = {
        {"netflow", 0, CLI_LIST, &netflow, "ADDR:PORT", "receive NetFlow v5/v9 and IPFIX here (e.g. 0.0.0.0:2055)"},
        {"sflow", 0, CLI_LIST, &sflow, "ADDR:PORT", "receive sFlow v5 here (e.g. 0.0.0.0:6343)"},
        {"duration", 0, CLI_INT, &duration, "SECONDS", "stop after this long"},
        {"count", 0, CLI_INT, &count, "N", "stop after N datagrams"},
        {"alerts", 'a', CLI_STR, &alerts_path, "FILE", "write NDJSON alerts to FILE ('-' = stdout; default stdout)"},
        {"summary", 0, CLI_STR, &summary_path, "FILE", "DDoS summary at exit: JSON to FILE, Markdown to FILE.md"},
        {"stats", 0, CLI_STR, &stats_path, "FILE", "record counts as JSON at exit ('-' = stdout)"},
        DDOS_OPTS(df),
        {0},
    };
    const cli_command *self = &commands[2];
    char **pos;
    int npos;
    int rc = cli_parse(self, opts, argc, argv, 0, 0, &pos, &npos);
    if (rc >= 0) return rc;
    if (netflow.n + sflow.n == 0) return cli_usage_error(self, "give --netflow and/or --sflow");
    if (netflow.n + sflow.n > 16) return cli_usage_error(self, "at most 16 sockets");
    if (duration < 0 || count < 0) return cli_usage_error(self, "--duration and --count must be positive");
    soc_options o;
    rc = ddos_flags_apply(self, &df, &o);
    if (rc >= 0) { options_free(&o); return rc; }
    struct pollfd pfd[16];
    int nfd = 0;
    for (int k = 0; k < 2; k++) {
        cli_list *l = k ? &sflow : &netflow;
        for (int i = 0; i < l->n; i++) {
            char err[512];
            int fd = bind_udp(l->items[i], err, sizeof err);
            if (fd < 0) {
                kn_errorf(NULL, KN_NO_OFFSET, "%s", err);
                for (int q = 0; q < nfd; q++) close(pfd[q].fd);
                options_free(&o);
                return KN_EXIT_ERROR;
            }
            pfd[nfd].fd = fd;
            pfd[nfd].events = POLLIN;
            nfd++;
        }
    }
    FILE *out = stdout;
    if (alerts_path && strcmp(alerts_path, "-") != 0) {
        out = fopen(alerts_path, "w");
        if (!out) { kn_errorf(alerts_path, KN_NO_OFFSET, "cannot create alerts file"); options_free(&o); return KN_EXIT_ERROR; }
    }
    soc_ctx ctx;
    if (soc_ctx_init(&ctx, &o, out) != KN_OK) { kn_errorf(NULL, KN_NO_OFFSET, "out of memory"); return KN_EXIT_ERROR; }
    struct soc_flowexp *fx = soc_ctx_flowexp(&ctx);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    kn_time t0 = kn_now_wall(), deadline = duration ? t0 + duration * KN_NS_PER_SEC : 0;
    uint64_t got = 0;
    static uint8_t buf[65536];
    live_sink sink = {&ctx, 0};
    while (!stop_listening && fx) {
        kn_time now = kn_now_wall();
        if (deadline && now >= deadline) break;
        if (count && got >= (uint64_t)count) break;
        int pr = poll(pfd, (nfds_t)nfd, 200);
        if (pr < 0 && errno != EINTR) { kn_errorf(NULL, KN_NO_OFFSET, "poll: %s", strerror(errno)); break; }
        now = kn_now_wall();
        soc_advance(&ctx, now);
        if (pr <= 0) continue;
        for (int i = 0; i < nfd; i++) {
            if (!(pfd[i].revents & POLLIN)) continue;
            for (int burst = 0; burst < 1024; burst++) {
                struct sockaddr_storage ss;
                socklen_t sl = sizeof ss;
                ssize_t n = recvfrom(pfd[i].fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&ss, &sl);
                if (n < 0) break;
                got++;
                kn_ip exporter;
                memset(&exporter, 0, sizeof exporter);
                if (ss.ss_family == AF_INET) {
                    kn_ip_from_v4(&exporter, (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr);
                } else if (ss.ss_family == AF_INET6) {
                    const uint8_t *a6 = (const uint8_t *)&((struct sockaddr_in6 *)&ss)->sin6_addr;
                    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
                    if (memcmp(a6, mapped, 12) == 0) kn_ip_from_v4(&exporter, a6 + 12);
                    else kn_ip_from_v6(&exporter, a6);
                }
                sink.ts = kn_now_wall();
                if (soc_flowexp_probe(buf, (size_t)n) == SOC_FX_NONE)
                    kn_warn(&ctx.warn, "udp", KN_NO_OFFSET, "datagram of %zd bytes is not NetFlow, IPFIX or sFlow", n);
                else
                    soc_flowexp_datagram(fx, &exporter, sink.ts, buf, (size_t)n, "udp", 0, live_flow, &sink);
                if (count && got >= (uint64_t)count) break;
            }
        }
    }
    soc_finish(&ctx);
    for (int i = 0; i < nfd; i++) close(pfd[i].fd);
    kn_warnings_summary(&ctx.warn, "datagram");
    int failed = 0;
    if (summary_path && write_summary(summary_path, &ctx.alert_log) != 0) failed = 1;
    if (stats_path && write_stats(stats_path, &ctx) != 0) failed = 1;
    if (!cli.quiet)
        fprintf(stderr, "kensa: %llu datagrams, %llu flows, %llu alerts\n", (unsigned long long)got,
                (unsigned long long)ctx.n_flows, (unsigned long long)ctx.alert_count);
    uint64_t alerts = ctx.alert_count;
    soc_ctx_free(&ctx);
    if (out != stdout) fclose(out);
    options_free(&o);
    if (failed || !fx) return KN_EXIT_ERROR;
    return alerts ? KN_EXIT_FINDINGS : KN_EXIT_OK;
}
