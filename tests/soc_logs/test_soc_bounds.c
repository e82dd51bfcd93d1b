/* Memory bounds of the sessions analyzer, on hand-built packets: the live
 * session cap (new connections beyond it are counted, not tracked), the
 * per-direction reassembly cap (application parsing stops with a warning),
 * and idle eviction (a connection silent for 120 s of data time is closed
 * and summarised). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soc/logs.h"
#include "soc/soc.h"
#include "test.h"

static int conns, https;
static void tap(const soc_event *ev)
{
    if (ev->kind == SOC_EV_CONN) conns++;
    if (ev->kind == SOC_EV_HTTP) https++;
}

static soc_ctx ctx;
static void pkt(kn_time t, const char *src, const char *dst, int sport, int dport, int flags, uint32_t seq, const void *pl, size_t n)
{
    soc_record r;
    memset(&r, 0, sizeof r);
    r.kind = SOC_REC_PACKET;
    r.ts = t;
    soc_pkt *p = &r.u.pkt;
    p->ts = t;
    kn_ip_parse(&p->src, src, -1);
    kn_ip_parse(&p->dst, dst, -1);
    p->sport = (uint16_t)sport;
    p->dport = (uint16_t)dport;
    p->proto = 6;
    p->tcp_flags = (uint8_t)flags;
    p->tcp_seq = seq;
    p->payload = pl;
    p->payload_len = p->payload_wire = (uint32_t)n;
    p->ip_version = 4;
    p->sample_rate = 1;
    p->file = "fixture";
    soc_feed(&ctx, &r);
}

static void test_caps(void)
{
    soc_options o;
    memset(&o, 0, sizeof o);
    o.quiet = 1;
    o.max_sessions = 4;
    o.max_reassembly = 1024;
    soc_ctx_init(&ctx, &o, NULL);
    soc_sessions_tap = tap;
    kn_time t = 1600000000LL * KN_NS_PER_SEC;
    /* 10 connections opened within one second: 4 tracked */
    for (int i = 0; i < 10; i++) pkt(t + i, "10.0.0.1", "10.0.0.2", 40000 + i, 80, 0x02, 100, NULL, 0);
    CHECK_EQ_INT(ctx.warn.count, 1);    /* one warning for the untracked ones */
    /* a request head that never ends grows past the 1 KiB cap */
    char big[700];
    memset(big, 'a', sizeof big);
    memcpy(big, "GET /", 5);
    pkt(t + 20, "10.0.0.1", "10.0.0.2", 40000, 80, 0x18, 101, big, sizeof big);
    pkt(t + 21, "10.0.0.1", "10.0.0.2", 40000, 80, 0x18, 101 + sizeof big, big + 5, sizeof big - 5);
    CHECK_EQ_INT(ctx.warn.count, 2);    /* reassembly cap reached */
    CHECK_EQ_INT(https, 0);
    /* 200 s later: a new packet's tick evicts the idle four */
    conns = 0;
    pkt(t + 200 * KN_NS_PER_SEC, "10.0.0.3", "10.0.0.4", 50000, 80, 0x02, 7, NULL, 0);
    CHECK_EQ_INT(conns, 4);
    soc_finish(&ctx);
    CHECK_EQ_INT(conns, 5);             /* the last one at the end */
    soc_ctx_free(&ctx);
}

TEST_MAIN(test_caps)
