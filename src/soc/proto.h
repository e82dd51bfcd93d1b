/* proto.h: parsers of single application messages the sessions analyzer
 * meets besides HTTP: DNS messages, the TLS ClientHello's SNI, and SMTP
 * dialogues with their MIME content. Each parser is bounded by its input
 * length and never allocates beyond its scratch buffer. */
#ifndef KENSA_SOC_PROTO_H
#define KENSA_SOC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "soc/event.h"

/* DNS message (UDP payload) into ev->dns (query name, type, rcode, A/AAAA/
 * CNAME answers comma-joined). Names are written to scratch (reserved by
 * the caller for 1 KiB + n bytes). Returns 0, or -1 if malformed. */
int soc_dns_parse(const uint8_t *p, size_t n, soc_event *ev, kn_buf *scratch);

/* TLS: p starts a client's stream. Returns 1 with *sni (a view into p) and
 * *version when a ClientHello was parsed, 0 when more bytes are needed,
 * -1 when this is not a TLS ClientHello. */
int soc_tls_client_hello(const uint8_t *p, size_t n, soc_str *sni, uint16_t *version);

/* SMTP client stream: parses commands, and at the end of each DATA the
 * message's headers and MIME attachments, calling emit for each message.
 * smtp_conn keeps at most SOC_SMTP_MAX_MSG bytes of a message. */
#define SOC_SMTP_MAX_MSG (8u << 20)
typedef struct soc_smtp_conn soc_smtp_conn;
typedef void (*soc_smtp_emit)(void *arg, soc_event *ev);
soc_smtp_conn *soc_smtp_conn_new(void);
void soc_smtp_conn_free(soc_smtp_conn *c);
size_t soc_smtp_conn_bytes(const soc_smtp_conn *c);
/* Like soc_http_feed: returns bytes consumed or (size_t)-1 (why set). */
size_t soc_smtp_feed(soc_smtp_conn *c, const uint8_t *p, size_t n, kn_time ts, const soc_event *tmpl,
                     soc_smtp_emit emit, void *arg, const char **why);
/* Parses one RFC 5322 message (headers + MIME parts) into ev->smtp. Views
 * point into msg or scratch (reserve n bytes for decoded attachments). */
void soc_mime_parse(const char *msg, size_t n, soc_event *ev, kn_buf *scratch);

#endif
