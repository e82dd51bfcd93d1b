/* report.h: the periodic observation report (the kind an ISP SOC publishes
 * monthly), built only from alerts (NDJSON as kensa writes them), so a run
 * and `kensa soc report ALERTS.ndjson` give the same report:
 *   DDoS (attacks per day, largest, longest, vector mix; via ddos_report.h),
 *   Elasticsearch (sources, targets, request kinds, top paths, leaks),
 *   Emotet (detections per day, affected internal hosts, C2 endpoints,
 *   delivery vectors), and IDS categories (ids triage counts).
 * Formats: HTML (one self-contained file, inline SVG charts, no script,
 * print stylesheet), Markdown, JSON, chosen by the output file's extension. */
#ifndef KENSA_SOC_REPORT_H
#define KENSA_SOC_REPORT_H

#include <stddef.h>

#include "core/err.h"

typedef enum soc_report_format { SOC_REPORT_HTML, SOC_REPORT_MD, SOC_REPORT_JSON } soc_report_format;

/* Format from the path's extension (.html/.htm, .md, .json); -1 if none. */
int soc_report_format_of(const char *path);
/* Builds the report from NDJSON alert text and writes it to path. Lines
 * that are not JSON objects are counted and reported (file = src_name). */
kn_status soc_report_write(const char *alerts, size_t n, const char *src_name, const char *path, kn_err *e);
/* Same with an explicit format; path "-" writes to standard output. */
kn_status soc_report_write_as(const char *alerts, size_t n, const char *src_name, const char *path, soc_report_format fmt,
                              kn_err *e);

#endif
