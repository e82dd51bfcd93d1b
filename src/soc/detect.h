/* detect.h: small helpers the log/session detectors (es_detect.c,
 * emotet_detect.c, ids_triage.c) share: bounded string copies for
 * aggregates, the ECS http/url fields of an alert, and evidence. */
#ifndef KENSA_SOC_DETECT_H
#define KENSA_SOC_DETECT_H

#include "soc/alert.h"
#include "soc/logs.h"

/* Copies s into dst[cap] (truncating, NUL-terminated). */
void soc_copy(char *dst, size_t cap, soc_str s);

/* Writes url.original/url.path/url.domain, http.request.method,
 * http.response.status_code and user_agent.original from raw values (any
 * may be empty/NULL; status < 0 omitted). */
void soc_alert_http_fields(kn_json *j, const char *host, const char *uri, const char *method,
                           int status, const char *ua);

/* "kensa": {"evidence": {"source", "file", "line"}} opener: writes the
 * "kensa" key and opens "evidence"; the caller adds fields and calls
 * soc_alert_evidence_end. */
void soc_alert_evidence_begin(kn_json *j, const char *source, const char *file, uint64_t line);
void soc_alert_evidence_end(kn_json *j);

/* Fixed-size set of up to 8 distinct 64-bit hashes: n is exact up to 8;
 * full is set when a ninth distinct value was seen (n is then a lower bound). */
typedef struct soc_small_set {
    uint64_t h[8];
    uint32_t n;
    uint32_t full;
} soc_small_set;
void soc_small_set_add(soc_small_set *s, uint64_t h);
uint64_t soc_ip_hash(const kn_ip *ip);

/* Is the port one of Emotet's usual C2 ports (field notes list)? */
int soc_emotet_c2_port(uint16_t port);

#endif
