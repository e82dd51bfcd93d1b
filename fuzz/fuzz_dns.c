/* Fuzz target: DNS message parsing (names, compression pointers, answers)
 * and the TLS ClientHello SNI parser. */
#include <stddef.h>
#include <stdint.h>

#include "soc/logs.h"
#include "soc/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    soc_event ev;
    soc_event_init(&ev, SOC_EV_DNS, "fuzz", "fuzz", 0);
    kn_buf sc = KN_BUF_INIT;
    if (soc_dns_parse(data, size, &ev, &sc) == 0 && ev.dns.query.n > 255 + 64) __builtin_trap();
    kn_buf_free(&sc);
    soc_str sni;
    uint16_t ver;
    if (soc_tls_client_hello(data, size, &sni, &ver) == 1 && sni.n &&
        ((const uint8_t *)sni.p < data || (const uint8_t *)sni.p + sni.n > data + size))
        __builtin_trap();
    return 0;
}
