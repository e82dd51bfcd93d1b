/* Unit test of the DDoS report aggregation (ddos_report.h) on hand-written
 * alerts whose totals are worked out by hand below. */
#include <string.h>

#include "core/arena.h"
#include "core/jsonp.h"
#include "soc/ddos_report.h"
#include "test.h"

static const char *const alerts[] = {
    /* attack 1: 2024-03-01, syn_flood, 10 s, 50 kpps, 40 Mbps */
    "{\"@timestamp\":\"2024-03-01T10:00:11Z\",\"event\":{\"action\":\"attack_end\",\"start\":\"2024-03-01T10:00:00Z\","
    "\"end\":\"2024-03-01T10:00:10Z\",\"duration\":10000000000},\"rule\":{\"category\":\"ddos\"},"
    "\"destination\":{\"ip\":\"192.0.2.1\"},\"ddos\":{\"vector\":\"syn_flood\",\"peak_pps\":50000,\"peak_bps\":40000000,"
    "\"packets\":400000,\"bytes\":24000000}}",
    /* its start alert: ignored */
    "{\"event\":{\"action\":\"attack_start\",\"start\":\"2024-03-01T10:00:00Z\"},\"rule\":{\"category\":\"ddos\"},"
    "\"ddos\":{\"vector\":\"syn_flood\",\"peak_pps\":90000000}}",
    /* attack 2: 2024-03-02, dns_amplification, 100 s, 20 kpps, 900 Mbps */
    "{\"event\":{\"action\":\"attack_end\",\"start\":\"2024-03-02T23:59:00Z\",\"end\":\"2024-03-03T00:00:40Z\","
    "\"duration\":100000000000},\"rule\":{\"category\":\"ddos\"},\"destination\":{\"ip\":\"192.0.2.9\"},"
    "\"ddos\":{\"vector\":\"dns_amplification\",\"peak_pps\":20000,\"peak_bps\":900000000,\"packets\":1500000,"
    "\"bytes\":90000000000}}",
    /* attack 3: 2024-03-01 again, syn_flood on a prefix, 5 s */
    "{\"event\":{\"action\":\"attack_end\",\"start\":\"2024-03-01T12:00:00Z\",\"end\":\"2024-03-01T12:00:05Z\","
    "\"duration\":5000000000},\"rule\":{\"category\":\"ddos\"},\"destination\":{\"ip\":\"198.51.100.0\"},"
    "\"ddos\":{\"prefix\":\"198.51.100.0/24\",\"vector\":\"syn_flood\",\"peak_pps\":30000,\"peak_bps\":1000000,"
    "\"packets\":100000,\"bytes\":6000000}}",
    /* not DDoS: ignored */
    "{\"event\":{\"action\":\"attack_end\"},\"rule\":{\"category\":\"emotet\"},\"ddos\":{\"vector\":\"x\"}}",
};

static void test_report(void)
{
    kn_arena a;
    kn_arena_init(&a, 0, 0);
    soc_ddos_report *r = soc_ddos_report_new();
    for (size_t i = 0; i < sizeof alerts / sizeof alerts[0]; i++) {
        kn_jval *v;
        size_t off;
        CHECK(kn_jparse(&a, alerts[i], strlen(alerts[i]), &v, &off) == KN_OK);
        soc_ddos_report_add(r, v);
    }
    CHECK_EQ_INT(soc_ddos_report_count(r), 3);
    const char *day[8];
    uint64_t n[8];
    size_t nd = soc_ddos_report_days(r, day, n, 8);
    CHECK_EQ_INT(nd, 2);
    CHECK_EQ_STR(day[0], "2024-03-01");
    CHECK_EQ_INT(n[0], 2);
    CHECK_EQ_STR(day[1], "2024-03-02");   /* by start day, not end */
    CHECK_EQ_INT(n[1], 1);
    const char *vec[8];
    size_t nv = soc_ddos_report_vectors(r, vec, n, 8);
    CHECK_EQ_INT(nv, 2);
    CHECK_EQ_STR(vec[0], "syn_flood");
    CHECK_EQ_INT(n[0], 2);
    CHECK_EQ_STR(vec[1], "dns_amplification");
    CHECK_EQ_INT(soc_ddos_report_vectors(r, vec, n, 1), 1);

    kn_json *j = kn_json_new(NULL);
    soc_ddos_report_json(r, j);
    size_t len;
    const char *text = kn_json_text(j, &len);
    kn_jval *v;
    size_t off;
    CHECK(kn_jparse(&a, text, len, &v, &off) == KN_OK);
    CHECK_EQ_INT(kn_jint(kn_jget(v, "attacks"), 0), 3);
    CHECK_EQ_INT(kn_jint(kn_jget(v, "packets"), 0), 2000000);
    CHECK_EQ_STR(kn_jstr(kn_jpath(v, "largest_by_pps.destination"), ""), "192.0.2.1");
    CHECK_EQ_STR(kn_jstr(kn_jpath(v, "largest_by_bps.vector"), ""), "dns_amplification");
    CHECK_EQ_STR(kn_jstr(kn_jpath(v, "longest.destination"), ""), "192.0.2.9");
    CHECK(kn_jnum(kn_jpath(v, "longest.duration_s"), 0) == 100);
    kn_json_free(j);

    kn_buf md = KN_BUF_INIT;
    soc_ddos_report_markdown(r, &md);
    CHECK(strstr(md.data, "## DDoS attacks") != NULL);
    CHECK(strstr(md.data, "| 2024-03-01 | 2 |") != NULL);
    CHECK(strstr(md.data, "| largest by pps | 192.0.2.1 | syn_flood") != NULL);
    CHECK(strstr(md.data, "198.51.100.0/24") == NULL);   /* not among the notable ones */
    CHECK(strstr(md.data, "| syn_flood | 2 | 66.7% |") != NULL);
    kn_buf_free(&md);
    soc_ddos_report_free(r);

    /* empty report */
    r = soc_ddos_report_new();
    kn_buf_reset(&md);
    soc_ddos_report_markdown(r, &md);
    CHECK(strstr(md.data, "No DDoS attack") != NULL);
    j = kn_json_new(NULL);
    soc_ddos_report_json(r, j);
    text = kn_json_text(j, &len);
    CHECK(strstr(text, "\"largest_by_pps\":null") != NULL);
    kn_json_free(j);
    kn_buf_free(&md);
    soc_ddos_report_free(r);
    kn_arena_free(&a);
}

TEST_MAIN(test_report)
