/* ddos_report.h: the DDoS part of the observation report, computed from the
 * DDoS analyzer's alerts rather than from its internal state, so the same
 * code summarises a live run, `--summary`, and alert files read back later
 * by `kensa soc report`.
 *
 * Only attack_end alerts (rule.category "ddos", event.action "attack_end")
 * count: each attack produces exactly one, carrying its final peak rates,
 * totals and duration. Everything else fed in is ignored.
 *
 * Invariants: strings returned by _days/_vectors point into r and stay valid
 * until soc_ddos_report_free; days come out in ascending order, vectors by
 * descending count (ties by name). */
#ifndef KENSA_SOC_DDOS_REPORT_H
#define KENSA_SOC_DDOS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/json.h"
#include "core/jsonp.h"

/* Aggregates DDoS alerts (parsed with core/jsonp) into the DDoS part of the
 * observation report. Feed every alert; non-DDoS ones are ignored. */
typedef struct soc_ddos_report soc_ddos_report;
soc_ddos_report *soc_ddos_report_new(void);
void soc_ddos_report_add(soc_ddos_report *r, const kn_jval *alert);
/* Writes one JSON object: attacks, per_day, largest_by_pps, largest_by_bps,
 * longest, vectors, totals. */
void soc_ddos_report_json(const soc_ddos_report *r, kn_json *j);
/* Appends a "## DDoS attacks" Markdown section. */
void soc_ddos_report_markdown(const soc_ddos_report *r, kn_buf *out);
/* For charts: */
size_t soc_ddos_report_days(const soc_ddos_report *r, const char **day /*YYYY-MM-DD*/, uint64_t *attacks, size_t max);
size_t soc_ddos_report_vectors(const soc_ddos_report *r, const char **vector, uint64_t *count, size_t max);
/* Number of attacks counted so far. */
uint64_t soc_ddos_report_count(const soc_ddos_report *r);
void soc_ddos_report_free(soc_ddos_report *r);

#endif
