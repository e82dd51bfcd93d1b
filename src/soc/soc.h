/* soc.h: the soc engine's spine: the records every input produces, the
 * interface of inputs and analyzers, and the context they share.
 *
 * Data flow of `kensa soc analyze`:
 *
 *   file --kn_reader--> input (chosen by soc_input_probe on content)
 *        --next()--> soc_record {packet | flow | event}
 *        --driver (analyze.c): merges several inputs by time-->
 *        every analyzer's on_packet / on_flow / on_event, and on_tick each
 *        second of data time --> alerts (alert.h) --> NDJSON + report.
 *
 * Inputs are iterators (next() yields one record) rather than push loops so
 * the driver can merge inputs by timestamp. Analyzers never see file formats;
 * inputs never see detectors. A packet input hands packets to analyzers; the
 * sessions analyzer (TCP reassembly, HTTP/DNS/TLS/SMTP) turns packets into
 * events through soc_emit_event, so log-derived and packet-derived sessions
 * are the same soc_event and every detector works on both.
 *
 * Registries of inputs and analyzers live in registry.c. */
#ifndef KENSA_SOC_SOC_H
#define KENSA_SOC_SOC_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/input.h"
#include "core/ip.h"
#include "core/json.h"
#include "core/time.h"
#include "soc/event.h"

/* ---- records ----------------------------------------------------------------- */

/* One decoded packet from a capture (pcap, pcapng). Sampled packets (sFlow)
 * arrive as soc_flow records instead, so packet analyzers (TCP reassembly)
 * only ever see complete captures; sample_rate is 1 for captures. */
typedef struct soc_pkt {
    kn_time ts;
    kn_ip src, dst;
    uint32_t wire_len;      /* frame length on the wire (orig_len) */
    uint32_t ip_len;        /* IP total length (v6: payload length + 40) */
    uint32_t sample_rate;   /* 1 for captures; N for sampled packets */
    uint16_t sport, dport;  /* 0 when absent (ICMP: type<<8|code in sport) */
    uint8_t proto;          /* IP protocol number; 0 = not IP */
    uint8_t tcp_flags;      /* FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 */
    uint8_t frag;           /* 0 = not fragmented, 1 = first fragment, 2 = later fragment */
    uint8_t ip_version;     /* 4 or 6 */
    uint32_t tcp_seq, tcp_ack;
    const uint8_t *payload; /* L4 payload as captured (may be shorter than on the wire) */
    uint32_t payload_len;   /* captured payload bytes */
    uint32_t payload_wire;  /* payload bytes on the wire (from IP lengths) */
    const char *file;       /* input name, for warnings */
    uint64_t offset;        /* file offset of the packet record (UINT64_MAX = unknown, pcapng) */
} soc_pkt;

/* One flow record (NetFlow v5/v9, IPFIX, an sFlow flow sample, Zeek conn,
 * EVE flow). Counters are already scaled by sampling: an sFlow sample of
 * rate N is packets = N, bytes = N x frame length, start == end. */
typedef struct soc_flow {
    kn_time start, end;     /* end == start for single-packet samples */
    kn_ip src, dst;
    kn_ip exporter;         /* family 0 for logs */
    uint32_t observation_domain; /* v9 source id / IPFIX domain / sFlow agent sub-id */
    uint16_t sport, dport;
    uint8_t proto;
    uint8_t tcp_flags;      /* OR of flags seen */
    uint8_t frag;           /* 1 if the record describes fragments */
    uint8_t ip_version;
    uint64_t packets, bytes;
    uint32_t sampling;      /* rate applied (1 = unsampled) */
    uint32_t input_if, output_if;
    const char *file;
    uint64_t offset;
    uint8_t tos;            /* IP ToS / traffic class (0 when unknown) */
    uint8_t src_mask, dst_mask; /* prefix lengths from the exporter (0 = unknown) */
} soc_flow;

/* SOC_REC_CONN: a connection summary from a log (Zeek conn, EVE flow),
 * built by the input as both a flow record (u.conn.flow, for the flow
 * analyzers) and a SOC_EV_CONN event (u.conn.ev, for the detectors); the
 * driver hands out the flow first, then the event. One record instead of
 * a flow followed by the event kept aside and copied into a second record:
 * that copy of 760 bytes and the second trip through the driver were a
 * tenth of Zeek conn.log ingest (perf). */
typedef enum soc_record_kind { SOC_REC_NONE = 0, SOC_REC_PACKET, SOC_REC_FLOW, SOC_REC_EVENT, SOC_REC_CONN } soc_record_kind;

typedef struct soc_record {
    soc_record_kind kind;
    kn_time ts;             /* sort key for merging */
    union {
        soc_pkt pkt;
        soc_flow flow;
        soc_event ev;       /* SOC_REC_EVENT; also the same storage as conn.ev */
        struct {
            soc_event ev;   /* first: an input may fill u.ev before it knows the row is a connection */
            soc_flow flow;
        } conn;
    } u;
} soc_record;

/* The record's flow (SOC_REC_FLOW, SOC_REC_CONN) or NULL. */
static inline const soc_flow *soc_record_flow(const soc_record *r)
{
    return r->kind == SOC_REC_FLOW ? &r->u.flow : r->kind == SOC_REC_CONN ? &r->u.conn.flow : NULL;
}
/* The record's event (SOC_REC_EVENT, SOC_REC_CONN) or NULL. */
static inline const soc_event *soc_record_event(const soc_record *r)
{
    return r->kind == SOC_REC_EVENT || r->kind == SOC_REC_CONN ? &r->u.ev : NULL;
}

/* ---- options and context ---------------------------------------------------- */

typedef struct soc_sampling_override {
    kn_ip exporter;
    uint32_t rate;
} soc_sampling_override;

typedef struct soc_options {
    /* DDoS. Thresholds: < 0 = not given (config file, else default),
     * 0 = this trigger disabled. Fill with soc_options_defaults first. */
    double ddos_pps, ddos_mbps, ddos_flows;   /* per-host thresholds */
    double prefix_pps, prefix_mbps, prefix_flows; /* per /24 and /64 (carpet bombing) */
    int avg_seconds;        /* moving-average window (default 5) */
    int quiet_seconds;      /* attack ends after this long below threshold */
    const char *config_path;  /* thresholds and host groups file */
    size_t ddos_max_hosts;  /* bound on tracked hosts and prefixes (0 = default) */
    soc_sampling_override *sampling; int n_sampling;
    kn_cidrset *home_net;   /* NULL = everything is home */
    /* analyzers to run: comma-separated names (soc_analyzers[].name);
     * NULL = all */
    const char *analyzers;
    /* logs and sessions */
    const char **intel_paths; int n_intel;
    size_t max_sessions;    /* bound on live TCP sessions */
    size_t max_reassembly;  /* bytes kept per direction per session */
    int quiet;
} soc_options;

typedef struct soc_ctx soc_ctx;
typedef struct soc_analyzer_ops soc_analyzer_ops;
struct soc_flowexp;

/* What one input yielded (filled by the driver as records pass). */
typedef struct soc_input_summary {
    const char *path;
    const char *format;     /* input name, NULL if the input could not be opened */
    uint64_t packets, bytes;/* packet records and their wire bytes */
    uint64_t flows, events;
} soc_input_summary;

struct soc_ctx {
    soc_options opt;
    FILE *alerts_out;       /* NDJSON alert sink (NULL = none) */
    kn_json *alert_json;    /* builder for the alert being written */
    kn_buf alert_log;       /* every alert line, kept for the report */
    uint64_t alert_count;
    kn_warnings warn;
    kn_time now;            /* data time of the latest record */
    kn_time first_ts, last_ts;
    kn_time next_second;    /* start of the second after now's: the next tick (analyze.c) */
    uint64_t n_packets, n_flows, n_events, n_bytes;
    /* analyzer instances, parallel to soc_analyzers[] (NULL when the
     * analyzer is not selected or create failed) */
    void **analyzer_state;
    unsigned char *analyzer_on;   /* 1 for each selected, started analyzer */
    int n_analyzers;
    /* the selected analyzers' callbacks per record kind, built once so the
     * per-record loop calls only what exists (analyze.c); events have a
     * list per event kind (soc_analyzer_ops.event_kinds) */
    struct soc_cb *cb_packet, *cb_flow, *cb_tick;
    int n_cb_packet, n_cb_flow, n_cb_tick;
    struct soc_cb *cb_event[SOC_EV_KINDS];
    int n_cb_event[SOC_EV_KINDS];
    /* Connection events go to their list only when some analyzer on it
     * reads connections to their destination port: a bit per port, NULL
     * when one reads them all (soc_analyzer_ops.conn_ports). */
    uint64_t *conn_ports;
    /* flow export decoder shared by every input and `listen` (templates
     * learnt from one file apply to the next); created on first use by
     * soc_ctx_flowexp */
    struct soc_flowexp *flowexp;
    /* per-input counts of the last soc_analyze_files run */
    soc_input_summary *inputs;
    int n_inputs;
    /* Optional: sees every record before the analyzers (`kensa soc flows`
     * prints them); with analyzers_off set the analyzers are skipped. */
    void (*record_hook)(void *user, const soc_record *rec);
    void *record_hook_user;
    int analyzers_off;
};

/* ---- inputs ------------------------------------------------------------------- */

typedef struct soc_input soc_input;  /* an input's private state */

typedef struct soc_input_ops {
    const char *name;       /* "pcap", "pcapng", "eve", "zeek-tsv", ... */
    const char *kind;       /* "packets", "flows" or "logs", for display */
    /* Confidence 0..100 that the data starting with head[0..n) is ours. */
    int (*probe)(const uint8_t *head, size_t n);
    kn_status (*open)(soc_ctx *ctx, kn_reader *r, soc_input **out, kn_err *e);
    /* 1 = *rec filled (pointers valid until the next call), 0 = end,
     * -1 = fatal error (e filled; recoverable problems are kn_warn'd).
     * Handed the record it filled last, untouched (the driver does), an
     * input may rewrite only what changes (Zeek's row plan); it checks the
     * record before relying on that, so any record is accepted. */
    int (*next)(soc_input *in, soc_record *rec, kn_err *e);
    void (*close)(soc_input *in);
} soc_input_ops;

/* ---- analyzers ---------------------------------------------------------------- */

struct soc_analyzer_ops {
    const char *name;
    void *(*create)(soc_ctx *ctx);
    void (*on_packet)(void *self, soc_ctx *ctx, const soc_pkt *p);
    void (*on_flow)(void *self, soc_ctx *ctx, const soc_flow *f);
    void (*on_event)(void *self, soc_ctx *ctx, const soc_event *ev);
    /* Once per second of data time, in order, before records of that second. */
    void (*on_tick)(void *self, soc_ctx *ctx, kn_time now);
    /* End of all input: flush open state (end attacks, report aggregates). */
    void (*finish)(void *self, soc_ctx *ctx);
    void (*destroy)(void *self);
    /* The event kinds on_event reads, bit (1u << kind); 0 = every kind.
     * Events of other kinds are not passed to it. */
    uint32_t event_kinds;
    /* Connection events (SOC_EV_CONN) on_event reads, by destination
     * port: writes at most max ports into ports[] and returns how many, or
     * -1 for every port. Called once, after create; NULL = every port.
     * Connections to other ports are not passed to it: most of a Zeek
     * conn.log concerns no detector but DDoS (which reads flows), and the
     * calls that found nothing to do were 5% of its ingest (task-clock). */
    int (*conn_ports)(void *self, uint16_t *ports, int max);
};

/* registry.c */
extern const soc_input_ops *const soc_inputs[];
extern const soc_analyzer_ops *const soc_analyzers[];
/* Best input for these first bytes, or NULL. */
const soc_input_ops *soc_input_probe(const uint8_t *head, size_t n);

/* analyze.c: context lifecycle and the driver. */
/* Checks opt->analyzers against the registry: KN_OK, or KN_ERR_USAGE with
 * the unknown name in e. */
kn_status soc_analyzers_check(const char *list, kn_err *e);
/* Zeroes opt and marks every DDoS threshold "not given". */
void soc_options_defaults(soc_options *opt);
kn_status soc_ctx_init(soc_ctx *ctx, const soc_options *opt, FILE *alerts_out);
void soc_ctx_free(soc_ctx *ctx);
/* Runs every input through every analyzer, merged by time. Returns KN_OK,
 * or the first fatal input error (after finishing what could be read). */
kn_status soc_analyze_files(soc_ctx *ctx, const char *const *paths, int n, kn_err *e);
/* The context's flow export decoder (created on first call; NULL only when
 * out of memory). */
struct soc_flowexp *soc_ctx_flowexp(soc_ctx *ctx);
/* Feeding records directly (used by `listen` and tests). */
void soc_feed(soc_ctx *ctx, const soc_record *rec);
/* Moves data time forward with no record (live capture: lets windows close
 * and attacks end while no traffic arrives). */
void soc_advance(soc_ctx *ctx, kn_time now);
void soc_finish(soc_ctx *ctx);
/* Called by analyzers that derive events from packets (sessions). */
void soc_emit_event(soc_ctx *ctx, const soc_event *ev);

#endif
