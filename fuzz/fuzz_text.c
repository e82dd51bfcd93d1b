/* Fuzz target: the core text parsers: IP addresses, CIDR lists, RFC 3339
 * times. The input is split at the first NUL into the three parsers. */
#include <stdint.h>
#include <stddef.h>
#include <string.h>

#include "core/ip.h"
#include "core/time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char buf[512];
    if (size >= sizeof buf) size = sizeof buf - 1;
    memcpy(buf, data, size);
    buf[size] = 0;
    kn_ip ip;
    char out[KN_IP_STRLEN + 8];
    if (kn_ip_parse(&ip, buf, (long)size) == 0) kn_ip_format(&ip, out);
    kn_cidr c;
    if (kn_cidr_parse(&c, buf, (long)size) == 0) kn_cidr_format(&c, out);
    kn_cidrset *s = kn_cidrset_new();
    const char *bad;
    kn_cidrset_add_list(s, buf, 1, &bad);
    kn_cidrset_lookup(s, &ip, NULL, NULL);
    kn_cidrset_free(s);
    kn_time t;
    char tb[KN_TIME_STRLEN];
    if (kn_time_parse(&t, buf, (long)size) == 0) kn_time_format(t, 9, tb);
    return 0;
}
