/* Fuzz target: the incremental HTTP/1.x parser. The first byte picks how
 * the rest is cut into client and server chunks, so framing across
 * segment boundaries (heads, chunk sizes, bodies) gets exercised. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "soc/http.h"
#include "soc/logs.h"

static size_t sink;
static void emit(void *arg, soc_event *ev)
{
    (void)arg;
    sink += ev->http.uri.n + ev->http.req_body.n + ev->http.resp_body.n + (size_t)ev->http.status;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    unsigned cut = data[0] % 64 + 1;
    data++;
    size--;
    soc_event tmpl;
    soc_event_init(&tmpl, SOC_EV_HTTP, "fuzz", "fuzz", 0);
    soc_http_conn *c = soc_http_conn_new();
    if (!c) return 0;
    uint8_t *buf[2] = {0, 0};
    size_t len[2] = {0, 0};
    const char *why;
    int dead = 0;
    for (size_t off = 0, k = 0; off < size && !dead; k++) {
        size_t n = size - off < cut ? size - off : cut;
        int dir = (int)(k & 1) ^ (data[off] == 'H');   /* responses start with 'H' */
        uint8_t *nb = realloc(buf[dir], len[dir] + n);
        if (!nb) break;
        buf[dir] = nb;
        memcpy(buf[dir] + len[dir], data + off, n);
        len[dir] += n;
        off += n;
        size_t used = soc_http_feed(c, dir, buf[dir], len[dir], 0, &tmpl, emit, NULL, &why);
        if (used == (size_t)-1) { dead = 1; break; }
        memmove(buf[dir], buf[dir] + used, len[dir] - used);
        len[dir] -= used;
    }
    soc_http_close(c, &tmpl, emit, NULL);
    soc_http_conn_free(c);
    free(buf[0]);
    free(buf[1]);
    return 0;
}
