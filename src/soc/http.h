/* http.h: HTTP/1.x over a reassembled TCP stream, for the sessions
 * analyzer. Requests and responses are parsed as bytes arrive; heads are
 * kept until complete (at most SOC_HTTP_MAX_HEAD bytes, else the stream is
 * given up as not HTTP or hostile), bodies are consumed as they stream past
 * keeping only their first SOC_HTTP_KEEP_BODY bytes, with Content-Length,
 * chunked and until-close framing. Each request is paired with the next
 * response in order and handed to the emit callback as a soc_event.
 *
 * Invariants: memory per connection is bounded by two heads, the queue of
 * SOC_HTTP_MAX_PENDING requests and their kept body prefixes. */
#ifndef KENSA_SOC_HTTP_H
#define KENSA_SOC_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "soc/event.h"

#define SOC_HTTP_MAX_HEAD (64 * 1024)
#define SOC_HTTP_KEEP_BODY 4096
#define SOC_HTTP_MAX_PENDING 8

typedef struct soc_http_conn soc_http_conn;

/* Called once per request (with its response when one came). ev strings
 * are valid during the call only. */
typedef void (*soc_http_emit)(void *arg, soc_event *ev);

/* tmpl: the event template (kind, source, file, endpoints, ports) copied
 * into each emitted event; the emitter fills ts from the request time. */
soc_http_conn *soc_http_conn_new(void);
void soc_http_conn_free(soc_http_conn *c);
/* Feeds stream bytes of one direction (0 = client to server). Returns the
 * number of bytes consumed; the caller keeps the rest and offers them again
 * with more data appended. Returns (size_t)-1 when the stream is not (or no
 * longer) parseable HTTP: *why says why. */
size_t soc_http_feed(soc_http_conn *c, int dir, const uint8_t *p, size_t n, kn_time ts,
                     const soc_event *tmpl, soc_http_emit emit, void *arg, const char **why);
/* End of stream: emits requests still waiting (with a partial response). */
void soc_http_close(soc_http_conn *c, const soc_event *tmpl, soc_http_emit emit, void *arg);

/* Bytes this connection holds (queued requests, heads, kept bodies). */
size_t soc_http_conn_bytes(const soc_http_conn *c);

/* Does this look like the start of an HTTP request? */
int soc_http_is_request_start(const uint8_t *p, size_t n);

#endif
