/* detect.c: helpers shared by the log/session detectors (see detect.h). */
#include "soc/detect.h"
#include "core/hash.h"

void soc_copy(char *dst, size_t cap, soc_str s)
{
    size_t n = s.n < cap - 1 ? s.n : cap - 1;
    if (n) memcpy(dst, s.p, n);
    dst[n] = 0;
}

void soc_alert_http_fields(kn_json *j, const char *host, const char *uri, const char *method,
                           int status, const char *ua)
{
    if ((uri && *uri) || (host && *host)) {
        kn_json_key(j, "url");
        kn_json_obj_begin(j);
        if (uri && *uri) {
            kn_json_kstr(j, "original", uri);
            const char *q = strchr(uri, '?');
            kn_json_kstrn(j, "path", uri, q ? (size_t)(q - uri) : strlen(uri));
            if (q) kn_json_kstr(j, "query", q + 1);
        }
        if (host && *host) kn_json_kstr(j, "domain", host);
        kn_json_obj_end(j);
    }
    if ((method && *method) || status >= 0) {
        kn_json_key(j, "http");
        kn_json_obj_begin(j);
        if (method && *method) {
            kn_json_key(j, "request");
            kn_json_obj_begin(j);
            kn_json_kstr(j, "method", method);
            kn_json_obj_end(j);
        }
        if (status >= 0) {
            kn_json_key(j, "response");
            kn_json_obj_begin(j);
            kn_json_kint(j, "status_code", status);
            kn_json_obj_end(j);
        }
        kn_json_obj_end(j);
    }
    if (ua && *ua) {
        kn_json_key(j, "user_agent");
        kn_json_obj_begin(j);
        kn_json_kstr(j, "original", ua);
        kn_json_obj_end(j);
    }
}

void soc_alert_evidence_begin(kn_json *j, const char *source, const char *file, uint64_t line)
{
    kn_json_key(j, "kensa");
    kn_json_obj_begin(j);
    kn_json_key(j, "evidence");
    kn_json_obj_begin(j);
    if (source) kn_json_kstr(j, "source", source);
    if (file) kn_json_kstr(j, "file", file);
    if (line) kn_json_kuint(j, "line", line);
}

void soc_alert_evidence_end(kn_json *j)
{
    kn_json_obj_end(j);
    kn_json_obj_end(j);
}

void soc_small_set_add(soc_small_set *s, uint64_t h)
{
    for (uint32_t i = 0; i < s->n; i++) if (s->h[i] == h) return;
    if (s->n < 8) s->h[s->n++] = h;
    else s->full = 1;
}

uint64_t soc_ip_hash(const kn_ip *ip)
{
    return kn_hash_bytes(ip->b, 16, 0x5eed);
}

int soc_emotet_c2_port(uint16_t p)
{
    static const uint16_t ports[] = {80, 443, 7080, 8080, 8443, 50000, 20, 21, 22, 990, 995, 4143, 8090, 465, 53, 143, 8000, 7000};
    for (size_t i = 0; i < sizeof ports / sizeof ports[0]; i++) if (ports[i] == p) return 1;
    return 0;
}
