/* tls.c: the server name (SNI) of a TLS ClientHello at the start of a
 * client's stream (RFC 8446 4.1.2, RFC 6066 3). Every length is checked
 * against its enclosing one; a hello split over several records is not
 * reassembled (rare for ClientHello, which fits one record). */
#include "soc/logs.h"
#include "soc/proto.h"

#define U16(q) ((size_t)((q)[0] << 8 | (q)[1]))

int soc_tls_client_hello(const uint8_t *p, size_t n, soc_str *sni, uint16_t *version)
{
    sni->p = NULL;
    sni->n = 0;
    if (n < 1) return 0;
    if (p[0] != 0x16) return -1;
    if (n < 5) return 0;
    if (p[1] != 3 || p[2] > 4) return -1;
    size_t rec = U16(p + 3);
    if (rec < 4 || rec > 16384 + 2048) return -1;
    if (n < 5 + rec) return 0;
    const uint8_t *h = p + 5, *end = p + 5 + rec;
    if (h[0] != 1) return -1;   /* ClientHello */
    size_t hl = (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
    if (hl <= (size_t)(end - h) - 4) end = h + 4 + hl;
    const uint8_t *q = h + 4;
    if (end - q < 34) return -1;
    *version = (uint16_t)U16(q);
    q += 34;                                  /* version + random */
    if (end - q < 1 || end - q < 1 + q[0]) return -1;
    q += 1 + q[0];                            /* session id */
    if (end - q < 2 || (size_t)(end - q) < 2 + U16(q)) return -1;
    q += 2 + U16(q);                          /* cipher suites */
    if (end - q < 1 || end - q < 1 + q[0]) return -1;
    q += 1 + q[0];                            /* compression */
    if (end - q < 2) return 1;                /* no extensions */
    size_t el = U16(q);
    q += 2;
    if ((size_t)(end - q) < el) return -1;
    const uint8_t *ee = q + el;
    while (ee - q >= 4) {
        size_t type = U16(q), len = U16(q + 2);
        q += 4;
        if ((size_t)(ee - q) < len) return -1;
        if (type == 0 && len >= 5) {
            /* server_name_list: list length, then (type 0, name length, name) */
            const uint8_t *s = q + 2, *se = q + len;
            if (se - s >= 3 && s[0] == 0) {
                size_t nl = U16(s + 1);
                if ((size_t)(se - s - 3) >= nl) { sni->p = (const char *)s + 3; sni->n = nl; }
            }
        } else if (type == 43 && len >= 3) {
            *version = (uint16_t)U16(q + 1);      /* supported_versions: first offered */
        }
        q += len;
    }
    return 1;
}
