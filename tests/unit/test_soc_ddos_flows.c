/* Unit test of the DDoS analyzer on flow records (the path of Zeek conn.log
 * rows and EVE flow events): an entry that a sweep kills must come back
 * with averages from zero, and the flood on it must be detected with the
 * moving average worked out by hand below, not with the average the old
 * entry would have carried. Also checks the vector (worked out lazily for
 * flow records) and the attack's start, detection and end times; and
 * that thresholds are reached at equality, fractional ones included
 * (test_threshold_edges).
 *
 * Averages (alpha = 1/5, per second m += (x - m) / 5, x = packets/s):
 *   victim V, 900 packets at T0: m = 180; the sweep at T0+25 sees
 *   180 * 0.8^25 = 0.68 < 1 packet/s and kills it. From T0+30, 2000 pps:
 *   400, 720, 976, 1180.8 >= 1000: detected at the end of T0+33.
 *   Had V lived on, m would start from 180 * 0.8^29 = 0.155 and reach
 *   1180.86 instead. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/jsonp.h"
#include "soc/soc.h"
#include "test.h"

static soc_ctx ctx;
static const kn_time T0 = 1700000000LL * KN_NS_PER_SEC;   /* 2023-11-14T22:13:20Z */

static void flow(kn_time ts, const char *dst, uint64_t packets)
{
    soc_record r;
    memset(&r, 0, sizeof r);
    r.kind = SOC_REC_FLOW;
    r.ts = ts;
    soc_flow *f = &r.u.flow;
    f->start = f->end = ts;
    kn_ip_parse(&f->src, "192.0.2.7", -1);
    kn_ip_parse(&f->dst, dst, -1);
    f->sport = 40000;
    f->dport = 443;
    f->proto = 6;
    f->tcp_flags = 0x18;   /* PSH ACK: ack_flood */
    f->ip_version = 4;
    f->packets = packets;
    f->bytes = packets * 100;
    f->sampling = 1;
    f->file = "fixture";
    soc_feed(&ctx, &r);
}

/* n distinct hosts a.b.x.y at second t, 10 packets each */
static void hosts(kn_time t, int a, int b, int n)
{
    char ip[32];
    for (int i = 0; i < n; i++) {
        snprintf(ip, sizeof ip, "%d.%d.%d.%d", a, b + i / 65536, i / 256 % 256, i % 256);
        flow(t + i, ip, 10);
    }
}

static void test_revived_entry(void)
{
    soc_options o;
    soc_options_defaults(&o);
    o.quiet = 1;
    o.analyzers = "ddos";
    o.ddos_pps = 1000;
    o.ddos_mbps = 0;
    o.ddos_flows = 0;
    o.prefix_pps = o.prefix_mbps = o.prefix_flows = 0;
    o.avg_seconds = 5;
    o.quiet_seconds = 3;
    FILE *out = tmpfile();
    CHECK(out != NULL);
    if (!out) return;
    CHECK(soc_ctx_init(&ctx, &o, out) == KN_OK);
    const kn_time S = KN_NS_PER_SEC;
    /* T0: 5000 hosts (the first sweep, after T0, keeps them all: 2 pps) and V */
    hosts(T0, 10, 1, 5000);
    flow(T0 + S / 2, "10.9.0.1", 900);
    for (int s = 1; s <= 50; s++) {
        kn_time t = T0 + s * S;
        flow(t, "10.8.0.1", 10);                       /* keeps data time moving */
        if (s == 25) hosts(t + 1000, 10, 2, 10000);    /* doubles the table: a sweep after T0+25 */
        if (s >= 30 && s < 40) flow(t + S / 2, "10.9.0.1", 2000);
    }
    soc_finish(&ctx);

    rewind(out);
    kn_arena a;
    kn_arena_init(&a, 0, 0);
    char line[8192];
    int n = 0;
    while (fgets(line, sizeof line, out)) {
        kn_jval *v;
        size_t off;
        CHECK(kn_jparse(&a, line, strlen(line), &v, &off) == KN_OK);
        n++;
        const char *action = kn_jstr(kn_jpath(v, "event.action"), "");
        CHECK_EQ_STR(kn_jstr(kn_jpath(v, "destination.ip"), ""), "10.9.0.1");
        CHECK_EQ_STR(kn_jstr(kn_jpath(v, "ddos.vector"), ""), "ack_flood");
        CHECK_EQ_STR(kn_jstr(kn_jpath(v, "event.start"), ""), "2023-11-14T22:13:50.000000Z");   /* T0+30 */
        if (strcmp(action, "attack_start") == 0) {
            CHECK_EQ_STR(kn_jstr(kn_jget(v, "@timestamp"), ""), "2023-11-14T22:13:54.000000Z");   /* end of T0+33 */
            CHECK_EQ_STR(kn_jstr(kn_jpath(v, "ddos.trigger"), ""), "pps");
            double avg = kn_jnum(kn_jpath(v, "ddos.avg_pps_at_detection"), 0);
            CHECK(fabs(avg - 1180.8) < 0.01);
        } else {
            CHECK_EQ_STR(action, "attack_end");
            CHECK_EQ_STR(kn_jstr(kn_jpath(v, "event.end"), ""), "2023-11-14T22:14:00.000000Z");   /* end of T0+39 */
            CHECK_EQ_STR(kn_jstr(kn_jget(v, "@timestamp"), ""), "2023-11-14T22:14:03.000000Z");   /* + quiet 3 s */
            CHECK_EQ_INT(kn_jint(kn_jpath(v, "ddos.packets"), 0), 20000);
        }
    }
    CHECK_EQ_INT(n, 2);
    kn_arena_free(&a);
    soc_ctx_free(&ctx);
    fclose(out);
}

/* Thresholds are reached at equality and may be fractional (pps, flows)
 * or not whole bytes (bps / 8): the analyzer tests integer counts against
 * them (ddos.c, thr_count), which must agree with the rates. One host,
 * average over 1 s (the average is then the second's rate), 8 s of `recs`
 * flow records a second of `packets` packets (100 bytes each, flow());
 * returns the attack_start alerts, and their trigger in trigger. */
static int starts(double pps, double mbps, double flows, int recs, uint64_t packets, char *trigger)
{
    soc_options o;
    soc_options_defaults(&o);
    o.quiet = 1;
    o.analyzers = "ddos";
    o.ddos_pps = pps;
    o.ddos_mbps = mbps;
    o.ddos_flows = flows;
    o.prefix_pps = o.prefix_mbps = o.prefix_flows = 0;
    o.avg_seconds = 1;
    o.quiet_seconds = 2;
    FILE *out = tmpfile();
    CHECK(out != NULL);
    if (!out) return -1;
    CHECK(soc_ctx_init(&ctx, &o, out) == KN_OK);
    for (int s = 0; s < 8; s++)
        for (int r = 0; r < recs; r++) flow(T0 + s * KN_NS_PER_SEC + r, "10.7.0.1", packets);
    soc_finish(&ctx);
    rewind(out);
    kn_arena a;
    kn_arena_init(&a, 0, 0);
    char line[8192];
    int n = 0;
    trigger[0] = 0;
    while (fgets(line, sizeof line, out)) {
        kn_jval *v;
        size_t off;
        if (kn_jparse(&a, line, strlen(line), &v, &off) != KN_OK) continue;
        if (strcmp(kn_jstr(kn_jpath(v, "event.action"), ""), "attack_start") == 0) {
            n++;
            snprintf(trigger, 16, "%s", kn_jstr(kn_jpath(v, "ddos.trigger"), ""));
        }
    }
    kn_arena_free(&a);
    soc_ctx_free(&ctx);
    fclose(out);
    return n;
}

static void test_threshold_edges(void)
{
    char tr[16];
    /* 1000 packets a second against 1000.5, 1000 and 999.5 pps */
    CHECK_EQ_INT(starts(1000.5, 0, 0, 1, 1000, tr), 0);
    CHECK_EQ_INT(starts(1000, 0, 0, 1, 1000, tr), 1);
    CHECK_EQ_STR(tr, "pps");
    CHECK_EQ_INT(starts(999.5, 0, 0, 1, 1000, tr), 1);
    /* 0.0078125 Mbit/s (2^-7, exact) = 7812.5 bit/s = 976.5625 bytes/s:
     * 9 packets (900 bytes, 7200 bit/s) stay under it, 10 (8000 bit/s)
     * reach it */
    CHECK_EQ_INT(starts(0, 0.0078125, 0, 1, 9, tr), 0);
    CHECK_EQ_INT(starts(0, 0.0078125, 0, 1, 10, tr), 1);
    CHECK_EQ_STR(tr, "mbps");
    /* 3 flow records a second against 2.5 and 3.5 flows/s, 2 against 2.5 */
    CHECK_EQ_INT(starts(0, 0, 2.5, 3, 1, tr), 1);
    CHECK_EQ_STR(tr, "flows");
    CHECK_EQ_INT(starts(0, 0, 3.5, 3, 1, tr), 0);
    CHECK_EQ_INT(starts(0, 0, 2.5, 2, 1, tr), 0);
}

TEST_MAIN(test_revived_entry, test_threshold_edges)
