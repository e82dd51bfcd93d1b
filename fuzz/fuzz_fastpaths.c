/* Fuzz target: the soc log fast paths against their general forms, on the
 * same bytes. Aborts on any disagreement: jscan_next_fast vs jscan_next
 * (tokens, positions, errors, lazy skipping), jscan_expect and
 * jcur_expect vs jscan_next (a hit reads the same member, a miss consumes
 * nothing), kn_time_parse vs kn_time_parse_general, soc_str_ip vs
 * kn_ip_parse, jtok_int vs jtok_int_general, jscan_skip_nested and
 * jscan_skip_nested_first vs jscan_skip_nested_bytes (from the first 64
 * brackets), and that a scan over a raw newline counts it in
 * jscan_newlines. The first input byte picks lazy mode. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ip.h"
#include "core/time.h"
#include "soc/logs.h"

static int same_tok(const jtok *a, const jtok *b)
{
    return a->type == b->type && a->s == b->s && a->n == b->n && a->esc == b->esc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int lazy = data[0] & 1;
    const char *text = (const char *)data + 1;
    size_t n = size - 1;

    jscan a, b;
    int ra = jscan_object(&a, text, n), rb = jscan_object(&b, text, n);
    if (ra != rb) abort();
    if (ra == 0) {
        a.lazy = b.lazy = lazy;
        for (int steps = 0; steps < 100000; steps++) {
            jtok ka, va, kb, vb;
            memset(&ka, 0, sizeof ka); memset(&va, 0, sizeof va);
            memset(&kb, 0, sizeof kb); memset(&vb, 0, sizeof vb);
            jscan before = b;
            ra = jscan_next_fast(&a, &ka, &va);
            rb = jscan_next(&b, &kb, &vb);
            if (ra != rb || a.p != b.p || a.err != b.err || a.err_at != b.err_at || a.pending != b.pending)
                abort();
            if (ra != 1) break;
            if (!same_tok(&ka, &kb) || !same_tok(&va, &vb)) abort();
            /* jscan_expect with this key, and with the key one byte short:
             * a hit lands where jscan_next did, a miss consumes nothing */
            if (!kb.esc && kb.n < 200) {
                char lit[208];
                lit[0] = ',';
                lit[1] = '"';
                memcpy(lit + 2, kb.s, kb.n);
                for (int cut = 0; cut < 2 && (size_t)cut <= kb.n; cut++) {
                    size_t ln = 2 + kb.n - (size_t)cut;
                    lit[ln] = '"';
                    lit[ln + 1] = ':';
                    jscan c = before;
                    jtok ve;
                    int re = jscan_expect_n(&c, lit, ln + 2, &ve);
                    if (re == 1 && (cut || c.p != b.p || c.pending != b.pending || c.first != b.first || !same_tok(&ve, &vb)))
                        abort();
                    if (re != 1 && (re != 0 || memcmp(&c, &before, sizeof c) != 0)) abort();
                    if (!before.err && !before.pending) {
                        jcur cu = jcur_of(&before);
                        int rc = jcur_expect_n(&cu, lit, ln + 2, &ve);
                        if (rc == 1 && (cut || cu.p != b.p || b.pending || !same_tok(&ve, &vb))) abort();
                        if (rc != 1 && (rc != 0 || cu.p != before.p || cu.first != before.first)) abort();
                    }
                    memcpy(lit + 2, kb.s, kb.n);
                }
            }
            /* every scalar and string value through the other fast paths */
            if (va.type == JT_STR || va.type == JT_NUM) {
                if (jtok_int(&va, -7) != jtok_int_general(&va, -7)) abort();
                kn_time t1 = 1, t2 = 1;
                int r1 = kn_time_parse(&t1, va.s, (long)va.n), r2 = kn_time_parse_general(&t2, va.s, (long)va.n);
                if (r1 != r2 || (r1 == 0 && t1 != t2)) abort();
                kn_ip x, y;
                int ix = soc_str_ip(soc_s(va.s, va.n), &x);
                int iy = va.n > 0 && va.n < KN_IP_STRLEN && !memchr(va.s, 0, va.n) ? kn_ip_parse(&y, va.s, (long)va.n) : -1;
                if ((ix == 0) != (iy == 0) || (ix == 0 && kn_ip_cmp(&x, &y) != 0)) abort();
            }
        }
        if (jscan_at_end(&a) != jscan_at_end(&b)) abort();
    }
    /* the fast iterator alone: a clean walk over a raw newline counted it
     * (jscan_newlines, which the in-place EVE parse trusts) */
    jscan f;
    unsigned before = jscan_newlines;
    if (jscan_object(&f, text, n) == 0) {
        f.lazy = lazy;
        jtok k, v;
        int r;
        for (int steps = 0; steps < 100000 && (r = jscan_next_fast(&f, &k, &v)) == 1; steps++) {}
        if (r == 0 && memchr(text, '\n', (size_t)(f.p - text)) && jscan_newlines == before) abort();
    }
    /* bracket skipping: blocks of masks vs the byte walk, and its count */
    int brackets = 0;
    for (size_t i = 0; i < n && brackets < 64; i++) {
        if (text[i] != '{' && text[i] != '[') continue;
        brackets++;
        unsigned before = jscan_newlines;
        const char *q = jscan_skip_nested(text + i, text + n);
        if (q != jscan_skip_nested_bytes(text + i, text + n)) abort();
        const char *first_end = NULL;
        if (jscan_skip_nested_first(text + i, text + n, &first_end) != q) abort();
        if (q && (text[i + 1] == '{' || text[i + 1] == '[') && first_end != jscan_skip_nested_bytes(text + i + 1, text + n))
            abort();
        if (q && memchr(text + i, '\n', (size_t)(q - text - i)) && jscan_newlines == before) abort();
    }
    /* the whole input as a timestamp too */
    kn_time t1 = 1, t2 = 1;
    int r1 = kn_time_parse(&t1, text, (long)n), r2 = kn_time_parse_general(&t2, text, (long)n);
    if (r1 != r2 || (r1 == 0 && t1 != t2)) abort();
    return 0;
}
