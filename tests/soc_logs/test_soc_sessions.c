/* Sessions analyzer on hand-built packets: a TCP handshake, an HTTP POST
 * split over three segments delivered out of order plus a retransmission,
 * a chunked response; a DNS query/answer over UDP; a TLS ClientHello with
 * SNI; an SMTP message with a macro document and an encrypted ZIP. Every
 * expected value is written here by hand from the bytes fed in. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/logs.h"
#include "soc/soc.h"
#include "test.h"

static soc_event got[16];
static char keep[16][6][256];
static int ngot;

static void copy(int i, int k, soc_str s, soc_str *dst)
{
    size_t n = s.n < 255 ? s.n : 255;
    memcpy(keep[i][k], s.p ? s.p : "", n);
    keep[i][k][n] = 0;
    dst->p = keep[i][k];
    dst->n = n;
}

static void tap(const soc_event *ev)
{
    if (ev->kind == SOC_EV_CONN || ngot == 16) return;
    got[ngot] = *ev;
    soc_event *g = &got[ngot];
    copy(ngot, 0, ev->http.uri, &g->http.uri);
    copy(ngot, 1, ev->http.req_body, &g->http.req_body);
    copy(ngot, 2, ev->tls.sni, &g->tls.sni);
    copy(ngot, 3, ev->dns.query, &g->dns.query);
    copy(ngot, 4, ev->dns.answers, &g->dns.answers);
    copy(ngot, 5, ev->smtp.mail_from, &g->smtp.mail_from);
    ngot++;
}

static soc_ctx ctx;
static kn_time T = 1560428040LL * KN_NS_PER_SEC;

static void pkt(const char *src, const char *dst, int sport, int dport, int proto, int flags, uint32_t seq,
                const void *payload, size_t n)
{
    soc_record r;
    memset(&r, 0, sizeof r);
    r.kind = SOC_REC_PACKET;
    T += 1000000;
    r.ts = T;
    soc_pkt *p = &r.u.pkt;
    p->ts = T;
    kn_ip_parse(&p->src, src, -1);
    kn_ip_parse(&p->dst, dst, -1);
    p->sport = (uint16_t)sport;
    p->dport = (uint16_t)dport;
    p->proto = (uint8_t)proto;
    p->tcp_flags = (uint8_t)flags;
    p->tcp_seq = seq;
    p->payload = payload;
    p->payload_len = p->payload_wire = (uint32_t)n;
    p->wire_len = (uint32_t)n + 54;
    p->ip_version = 4;
    p->sample_rate = 1;
    p->file = "fixture";
    soc_feed(&ctx, &r);
}

#define SYN 0x02
#define ACK 0x10
#define PSH 0x08
#define FIN 0x01

static void test_http_reassembly(void)
{
    const char *C = "203.0.113.7", *S = "10.0.0.2";
    const char *req = "POST /_search?pretty HTTP/1.1\r\nHost: 10.0.0.2:9200\r\nUser-Agent: t\r\nContent-Length: 70\r\n\r\n"
                      "{\"script_fields\":{\"x\":{\"script\":\"Runtime.getRuntime().exec(\\\"id\\\")\"}}}";
    size_t n = strlen(req);
    CHECK_EQ_INT(n - (strstr(req, "\r\n\r\n") + 4 - req), 70);
    uint32_t cs = 1000, ss = 5000;
    pkt(C, S, 40000, 9200, 6, SYN, cs, NULL, 0);
    pkt(S, C, 9200, 40000, 6, SYN | ACK, ss, NULL, 0);
    size_t a = 30, b = 90;
    pkt(C, S, 40000, 9200, 6, ACK | PSH, cs + 1, req, a);                 /* 1st */
    pkt(C, S, 40000, 9200, 6, ACK | PSH, cs + 1 + (uint32_t)b, req + b, n - b);   /* 3rd, early */
    pkt(C, S, 40000, 9200, 6, ACK | PSH, cs + 1, req, a);                 /* retransmission */
    pkt(C, S, 40000, 9200, 6, ACK | PSH, cs + 1 + (uint32_t)a, req + a, b - a);   /* 2nd fills the hole */
    const char *resp = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    pkt(S, C, 9200, 40000, 6, ACK | PSH, ss + 1, resp, strlen(resp));
    CHECK_EQ_INT(ngot, 1);
    soc_event *e = &got[0];
    CHECK(e->kind == SOC_EV_HTTP);
    CHECK(soc_str_eq(e->http.uri, "/_search?pretty"));
    CHECK_EQ_INT(e->http.req_body_len, 70);
    CHECK(soc_str_icontains(e->http.req_body, "exec(") != NULL);
    CHECK_EQ_INT(e->http.status, 200);
    CHECK_EQ_INT(e->http.resp_body_len, 11);
    CHECK_EQ_INT(e->dport, 9200);
    /* the ES detector saw the same event and extracted the command */
    CHECK(strstr(ctx.alert_log.data ? ctx.alert_log.data : "", "\"commands\":[\"id\"]") == NULL);  /* aggregated: not yet flushed */
    pkt(C, S, 40000, 9200, 6, ACK | FIN, cs + 1 + (uint32_t)n, NULL, 0);
    pkt(S, C, 9200, 40000, 6, ACK | FIN, ss + 1 + (uint32_t)strlen(resp), NULL, 0);
}

static void test_dns_tls(void)
{
    ngot = 0;
    /* query and answer for a.example A 192.0.2.1 */
    static const uint8_t q[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 1, 'a', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 1, 0, 1};
    uint8_t r[64];
    memcpy(r, q, sizeof q);
    r[2] = 0x81; r[3] = 0x80; r[7] = 1;
    static const uint8_t ans[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    memcpy(r + sizeof q, ans, sizeof ans);
    pkt("10.0.0.9", "10.0.0.1", 5353, 53, 17, 0, 0, q, sizeof q);
    pkt("10.0.0.1", "10.0.0.9", 53, 5353, 17, 0, 0, r, sizeof q + sizeof ans);
    CHECK_EQ_INT(ngot, 2);
    CHECK(soc_str_eq(got[0].dns.query, "a.example"));
    CHECK_EQ_INT(got[0].dns.qtype, 1);
    CHECK(soc_str_eq(got[1].dns.answers, "192.0.2.1"));
    CHECK(got[1].dns.is_response);
    /* a pointer loop must not hang */
    static const uint8_t loop[] = {0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    pkt("10.0.0.1", "10.0.0.9", 53, 5353, 17, 0, 0, loop, sizeof loop);
    CHECK_EQ_INT(ngot, 2);
    /* TLS ClientHello with SNI "c2.example" */
    uint8_t ch[128];
    size_t o = 0;
    const char *host = "c2.example";
    size_t hl = strlen(host);
    size_t ext = 4 + 2 + 1 + 2 + hl;              /* server_name extension */
    size_t body = 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + ext;
    ch[o++] = 0x16; ch[o++] = 3; ch[o++] = 1; ch[o++] = 0; ch[o++] = (uint8_t)(4 + body);
    ch[o++] = 1; ch[o++] = 0; ch[o++] = 0; ch[o++] = (uint8_t)body;
    ch[o++] = 3; ch[o++] = 3;
    memset(ch + o, 0xab, 32); o += 32;
    ch[o++] = 0;                                   /* session id */
    ch[o++] = 0; ch[o++] = 2; ch[o++] = 0x13; ch[o++] = 0x01;
    ch[o++] = 1; ch[o++] = 0;                      /* compression */
    ch[o++] = 0; ch[o++] = (uint8_t)ext;
    ch[o++] = 0; ch[o++] = 0; ch[o++] = 0; ch[o++] = (uint8_t)(ext - 4);
    ch[o++] = 0; ch[o++] = (uint8_t)(hl + 3); ch[o++] = 0; ch[o++] = 0; ch[o++] = (uint8_t)hl;
    memcpy(ch + o, host, hl); o += hl;
    pkt("10.0.0.9", "198.51.100.1", 50000, 8443, 6, SYN, 1, NULL, 0);
    pkt("10.0.0.9", "198.51.100.1", 50000, 8443, 6, ACK | PSH, 2, ch, 20);
    pkt("10.0.0.9", "198.51.100.1", 50000, 8443, 6, ACK | PSH, 22, ch + 20, o - 20);
    CHECK_EQ_INT(ngot, 3);
    CHECK(got[2].kind == SOC_EV_TLS && soc_str_eq(got[2].tls.sni, "c2.example"));
}

static void test_smtp(void)
{
    ngot = 0;
    /* "PK\3\4" local header with flags bit 0 (encrypted), base64 */
    const char *msg =
        "EHLO pc7\r\nMAIL FROM:<a@x.example>\r\nRCPT TO:<b@y.example>\r\nRCPT TO:<c@z.example>\r\nDATA\r\n"
        "From: a@x.example\r\nSubject: Invoice 42\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
        "--XYZ\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "..dot-stuffed line\r\n"
        "--XYZ\r\nContent-Type: application/msword; name=\"inv.doc\"\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"inv.doc\"\r\n\r\n0M8R4KGxGuE=\r\n"
        "--XYZ\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=\"a.zip\"\r\n\r\nUEsDBBQAAQAIAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
        "--XYZ--\r\n.\r\nQUIT\r\n";
    pkt("10.0.0.7", "203.0.113.5", 1025, 25, 6, SYN, 1, NULL, 0);
    pkt("203.0.113.5", "10.0.0.7", 25, 1025, 6, SYN | ACK, 100, NULL, 0);
    pkt("203.0.113.5", "10.0.0.7", 25, 1025, 6, ACK | PSH, 101, "220 mx ESMTP\r\n", 14);
    pkt("10.0.0.7", "203.0.113.5", 1025, 25, 6, ACK | PSH, 2, msg, strlen(msg));
    CHECK_EQ_INT(ngot, 1);
    if (ngot < 1) return;
    soc_event *e = &got[0];
    CHECK(e->kind == SOC_EV_SMTP);
    CHECK(soc_str_eq(e->smtp.mail_from, "<a@x.example>"));
    CHECK_EQ_INT(e->smtp.n_attach, 2);
    CHECK(e->smtp.attach[0].is_macro_doc);
    CHECK(e->smtp.attach[1].is_zip && e->smtp.attach[1].is_encrypted_zip);
}

static void test_half_message(void)
{
    ngot = 0;
    /* a request head cut short, then the connection resets: nothing is
     * emitted as HTTP, no crash; an absurd Content-Length is refused */
    const char *half = "GET /_cat/indices HTTP/1.1\r\nHost: x\r\n";
    pkt("203.0.113.9", "10.0.0.3", 41000, 9200, 6, SYN, 7, NULL, 0);
    pkt("203.0.113.9", "10.0.0.3", 41000, 9200, 6, ACK | PSH, 8, half, strlen(half));
    pkt("203.0.113.9", "10.0.0.3", 41000, 9200, 6, 0x04, 8 + (uint32_t)strlen(half), NULL, 0);
    CHECK_EQ_INT(ngot, 0);
    uint64_t w = ctx.warn.count;
    const char *bad = "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    pkt("203.0.113.9", "10.0.0.3", 41001, 9200, 6, SYN, 7, NULL, 0);
    pkt("203.0.113.9", "10.0.0.3", 41001, 9200, 6, ACK | PSH, 8, bad, strlen(bad));
    CHECK_EQ_INT(ctx.warn.count, w + 1);
}

static void setup(void)
{
    soc_options o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    soc_ctx_init(&ctx, &o, NULL);
    soc_sessions_tap = tap;
}

static void teardown(void)
{
    soc_finish(&ctx);
    const char *log = ctx.alert_log.data ? ctx.alert_log.data : "";
    CHECK(strstr(log, "\"rule\":{\"id\":\"kensa.es.rce\"") != NULL);
    CHECK(strstr(log, "\"commands\":[\"id\"]") != NULL);
    soc_ctx_free(&ctx);
}

TEST_MAIN(setup, test_http_reassembly, test_dns_tls, test_smtp, test_half_message, teardown)
