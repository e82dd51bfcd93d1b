/* alert.h: writing alerts. Every detector writes through these functions so
 * all alerts share one ECS-style shape:
 *
 *   {"@timestamp", "event": {"kind":"alert", "category", "action", "severity",
 *    "start", "end", "duration"}, "rule": {"id","name","category"},
 *    "source": {"ip","port"}, "destination": {"ip","port"}, ... detector
 *    fields ... , "kensa": {"evidence": ...}}
 *
 * Field names follow ECS where it has one (source.ip, url.original,
 * http.request.method, user_agent.original, dns.question.name); the rest go
 * under the detector's own namespace (ddos.*, elasticsearch.*, emotet.*).
 * Usage:
 *   kn_json *j = soc_alert_begin(ctx, ts, "kensa.ddos.syn_flood", "SYN flood", "ddos", 2);
 *   soc_alert_endpoint(j, "destination", &ip, 0);
 *   ... more kn_json_key/... calls ...
 *   soc_alert_end(ctx);
 * Alerts are also kept in ctx->alert_log for the observation report. */
#ifndef KENSA_SOC_ALERT_H
#define KENSA_SOC_ALERT_H

#include "soc/soc.h"

typedef struct soc_alert_hdr {
    kn_time ts;              /* @timestamp */
    const char *rule_id;     /* "kensa.ddos.attack", "kensa.es.rce", ... */
    const char *rule_name;
    const char *category;    /* rule.category: ddos, elasticsearch, emotet, scan, other */
    int severity;            /* event.severity: 1 critical/high .. 4 low */
    const char *action;      /* event.action, or NULL */
    kn_time start, end;      /* event.start/end/duration; 0 = omit */
} soc_alert_hdr;

/* Opens an alert object and writes the envelope; the caller adds fields. */
kn_json *soc_alert_begin(soc_ctx *ctx, const soc_alert_hdr *h);
/* Writes "<which>": {"ip": ..., "port": ...} (port omitted when 0). */
void soc_alert_endpoint(kn_json *j, const char *which, const kn_ip *ip, uint16_t port);
/* Closes the alert, writes it out and keeps it for the report. */
void soc_alert_end(soc_ctx *ctx);

#endif
