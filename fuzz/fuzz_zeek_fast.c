/* Fuzz target: the Zeek TSV fast row readers against the general path, on
 * the same bytes. Aborts on any difference in what next() returns, in any
 * field of any record, or in the warnings (offset, line, text) given for
 * bad rows. Eight inputs over the same bytes run in lockstep:
 *   - the general path only (kn_reader_line + zeek_tsv_row + zeek_build),
 *     the oracle;
 *   - every fast path with the AVX-512 row plan (when the CPU has it;
 *     AVX2 or SSE2 otherwise);
 *   - every fast path with the AVX2 row plan (when the CPU has AVX2, BMI
 *     and POPCNT: its masks, a conn row's numbers in two 256-bit
 *     registers, both addresses in one);
 *   - every fast path with the SSE2 masks (the fallback, run everywhere);
 *   - the fused splitter without the row plan (zeek_tsv_fused);
 *   - the three fast ones again, given back the record they filled (as
 *     the driver does), where the row plan reuses its own last event; all
 *     the others get a record poisoned with 0xA5 before every call.
 * zeek.c is included, not linked, to reach its private switches (paths,
 * zeek_simd) and to catch soc_bad_line; its ops table is renamed so it does
 * not clash with the one in kensa_soc. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define soc_input_zeek soc_input_zeek_under_test
#define soc_bad_line fuzz_bad_line
#include "../src/soc/zeek.c"
#undef soc_bad_line

#define NRUN 8

/* warnings of each run, as text, in order */
static soc_ctx ctxs[NRUN];
static char wlog[NRUN][8192];
static size_t wlen[NRUN];

void fuzz_bad_line(soc_ctx *ctx, const char *file, uint64_t offset, uint64_t line, const char *what)
{
    int i = (int)(ctx - ctxs);
    if (i < 0 || i >= NRUN) abort();
    if (wlen[i] > sizeof wlog[i] - 300) wlen[i] = 0;   /* compared after every step: only the news matter */
    int n = snprintf(wlog[i] + wlen[i], sizeof wlog[i] - wlen[i], "%s:%llu:%llu:%s\n", file,
                     (unsigned long long)offset, (unsigned long long)line, what);
    if (n > 0) wlen[i] += (size_t)n;
}

static void same_str(soc_str a, soc_str b)
{
    if ((a.p == NULL) != (b.p == NULL) || a.n != b.n || (a.n && memcmp(a.p, b.p, a.n) != 0)) abort();
}

#define SAME(x) do { if (memcmp(&a->x, &b->x, sizeof a->x) != 0) abort(); } while (0)
#define SAMES(x) same_str(a->x, b->x)

static void same_event(const soc_event *a, const soc_event *b)
{
    SAME(kind); SAME(line); SAME(ts); SAME(src); SAME(dst); SAME(sport); SAME(dport); SAME(proto);
    if (strcmp(a->source, b->source) || strcmp(a->file, b->file)) abort();
    SAMES(http.method); SAMES(http.host); SAMES(http.uri); SAMES(http.user_agent); SAMES(http.referrer);
    SAMES(http.version); SAMES(http.req_content_type); SAMES(http.resp_content_type); SAMES(http.req_body);
    SAMES(http.resp_body); SAMES(http.authorization); SAMES(http.cookie);
    SAME(http.status); SAME(http.req_body_len); SAME(http.resp_body_len);
    SAMES(dns.query); SAMES(dns.qtype_name); SAMES(dns.rcode_name); SAMES(dns.answers);
    SAME(dns.qtype); SAME(dns.rcode); SAME(dns.is_response);
    SAMES(tls.sni); SAMES(tls.version); SAMES(tls.ja3);
    SAMES(alert.signature); SAMES(alert.category); SAMES(alert.action); SAMES(alert.message);
    SAME(alert.signature_id); SAME(alert.severity);
    SAMES(fileinfo.name); SAMES(fileinfo.mime_type); SAMES(fileinfo.magic); SAMES(fileinfo.sha256);
    SAME(fileinfo.size);
    SAMES(conn.service); SAMES(conn.state);
    SAME(conn.orig_bytes); SAME(conn.resp_bytes); SAME(conn.orig_pkts); SAME(conn.resp_pkts);
    SAME(conn.duration);   /* bit for bit */
    SAMES(smtp.helo); SAMES(smtp.mail_from); SAMES(smtp.rcpt_to); SAMES(smtp.subject); SAMES(smtp.from);
    SAMES(smtp.to); SAME(smtp.n_attach);
}

static void same_flow(const soc_flow *a, const soc_flow *b)
{
    SAME(start); SAME(end); SAME(src); SAME(dst); SAME(exporter); SAME(observation_domain); SAME(sport);
    SAME(dport); SAME(proto); SAME(tcp_flags); SAME(frag); SAME(ip_version); SAME(packets); SAME(bytes);
    SAME(sampling); SAME(input_if); SAME(output_if); SAME(offset); SAME(tos); SAME(src_mask); SAME(dst_mask);
    if (strcmp(a->file, b->file)) abort();
}

static void same_record(const soc_record *a, const soc_record *b)
{
    SAME(kind); SAME(ts);
    if (a->kind == SOC_REC_EVENT || a->kind == SOC_REC_CONN) same_event(&a->u.ev, &b->u.ev);
    if (a->kind == SOC_REC_CONN) same_flow(&a->u.conn.flow, &b->u.conn.flow);
    if (a->kind == SOC_REC_FLOW) same_flow(&a->u.flow, &b->u.flow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* keep: the record is handed back as the input left it (as the driver
     * does), so the row plan's reuse of its own last event (plan_rec) runs;
     * the others get a poisoned record every call */
    static const struct { int paths, simd, keep; } runs[NRUN] = {
        {ZEEK_PATHS_GENERAL, 1, 0}, {ZEEK_PATHS_ALL, 3, 0}, {ZEEK_PATHS_ALL, 2, 0}, {ZEEK_PATHS_ALL, 1, 0},
        {ZEEK_PATHS_NO_PLAN, 1, 0}, {ZEEK_PATHS_ALL, 3, 1}, {ZEEK_PATHS_ALL, 2, 1}, {ZEEK_PATHS_ALL, 1, 1},
    };
    int have_avx2 = zeek_avx2_usable(), have_avx512 = zeek_avx512_usable();
    kn_reader *r[NRUN] = {0};
    soc_input *in[NRUN] = {0};
    int n = 0;
    for (int i = 0; i < NRUN; i++) {
        kn_err e;
        kn_err_clear(&e);
        ctxs[i].warn.quiet = 1;
        wlen[i] = 0;
        if (kn_reader_open_mem(&r[i], data, size, "fuzz", &e) != KN_OK) { r[i] = NULL; break; }
        zeek_simd = 1;
        if (soc_input_zeek_under_test.open(&ctxs[i], r[i], &in[i], &e) != KN_OK) { in[i] = NULL; break; }
        ((zeek_in *)in[i])->paths = runs[i].paths;
        n++;
    }
    if (n == NRUN) {
        static soc_record rec[NRUN];
        for (int steps = 0; steps < 100000; steps++) {
            int ret[NRUN];
            for (int i = 0; i < NRUN; i++) {
                kn_err e;
                kn_err_clear(&e);
                /* nothing may depend on what was there, unless it is what the
                 * input itself left (runs[i].keep) */
                if (!runs[i].keep || steps == 0) memset(&rec[i], 0xA5, sizeof rec[i]);
                zeek_simd = runs[i].simd == 3 && have_avx512 ? 3 : runs[i].simd >= 2 && have_avx2 ? 2 : 1;
                ret[i] = soc_input_zeek_under_test.next(in[i], &rec[i], &e);
            }
            for (int i = 1; i < NRUN; i++) {
                if (ret[i] != ret[0]) abort();
                if (wlen[i] != wlen[0] || memcmp(wlog[i], wlog[0], wlen[0]) != 0) abort();
                if (ret[0] == 1) same_record(&rec[0], &rec[i]);
            }
            if (ret[0] != 1) break;
        }
    }
    for (int i = 0; i < NRUN; i++) {
        if (in[i]) soc_input_zeek_under_test.close(in[i]);
        if (r[i]) kn_reader_close(r[i]);
    }
    return 0;
}
