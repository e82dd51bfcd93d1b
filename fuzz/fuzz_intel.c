/* Fuzz target: the intel list loader (CSV/plain/ipset/JSON, defanged) and
 * its lookups. */
#include <stddef.h>
#include <stdint.h>

#include "soc/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soc_intel *in = soc_intel_new();
    if (!in) return 0;
    kn_warnings w;
    kn_warnings_init(&w, 0, 1);
    kn_err e;
    kn_err_clear(&e);
    soc_intel_load_mem(in, "fuzz-emotet.csv", (const char *)data, size, &w, &e);
    kn_ip ip;
    kn_ip_parse(&ip, "192.0.2.1", -1);
    soc_intel_hit hit;
    soc_intel_ip(in, &ip, 8080, &hit);
    soc_intel_domain(in, soc_cs("www.example.com"), &hit);
    soc_intel_url(in, soc_cs("www.example.com"), soc_cs("/a/b/"), &hit);
    soc_intel_free(in);
    return 0;
}
