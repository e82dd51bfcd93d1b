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

/* ---- intel.c: indicator lists (--intel) ---------------------------------------- */

typedef struct soc_intel soc_intel;
typedef struct soc_intel_hit {
    const char *type;        /* "ip", "ip:port", "cidr", "domain", "url" */
    const char *indicator;   /* as listed (refanged) */
    const char *family;      /* "" when the list does not say */
    const char *file;
    uint64_t line;
} soc_intel_hit;

soc_intel *soc_intel_new(void);
void soc_intel_free(soc_intel *in);
/* Loads one list (any supported shape, see intel.c); bad lines are
 * counted in w. Fatal only when the file cannot be read or its JSON is
 * malformed. */
kn_status soc_intel_load(soc_intel *in, const char *path, kn_warnings *w, kn_err *e);
kn_status soc_intel_load_mem(soc_intel *in, const char *name, const char *data, size_t n, kn_warnings *w, kn_err *e);
size_t soc_intel_count(const soc_intel *in);
/* Matches: IP with port (an IP-only or CIDR indicator matches any port). */
int soc_intel_ip(const soc_intel *in, const kn_ip *ip, uint16_t port, soc_intel_hit *hit);
int soc_intel_domain(const soc_intel *in, soc_str domain, soc_intel_hit *hit);
/* host: the Host header (port allowed), uri: path and query. */
int soc_intel_url(const soc_intel *in, soc_str host, soc_str uri, soc_intel_hit *hit);

#endif
