/* test_soc_jscan: the inlined fast paths of the soc JSON scanner against
 * their general forms. jscan_next_fast, and jscan_expect when it takes a
 * member, must return exactly what jscan_next returns from the same state
 * (same tokens, same positions, same errors) on
 * generated objects: compact and spaced, escapes (also across the 16-byte
 * blocks the string search reads), nested values read lazily or skipped,
 * and corrupted or cut-short text. jscan_str_end is checked against a
 * byte-at-a-time reference on every placement of quotes and backslashes
 * around the block edges. */
#include <ctype.h>

#include "test.h"
#include "soc/logs.h"

static uint64_t rs = 0x2545f4914f6cdd1dull;
static uint64_t rnd(void)
{
    rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17;
    return rs;
}

typedef struct gbuf { char b[8192]; size_t n; } gbuf;
static void put(gbuf *g, const char *s) { while (*s && g->n < sizeof g->b - 1) g->b[g->n++] = *s++; }
static void putc_(gbuf *g, char c) { if (g->n < sizeof g->b - 1) g->b[g->n++] = c; }
static void ws(gbuf *g, int spaced)
{
    if (!spaced || rnd() % 3) return;
    static const char w[] = " \t\r\n";
    int k = 1 + (int)(rnd() % 3);
    while (k--) putc_(g, w[rnd() % 4]);
}

static int no_escapes;   /* gen_string writes no backslash (the mask path of skip_nested) */
static int raw_newlines; /* gen_string writes raw newlines too (jscan_newlines) */

static void gen_string(gbuf *g)
{
    putc_(g, '"');
    int len = (int)(rnd() % (rnd() % 4 ? 12 : 70));
    for (int i = 0; i < len; i++) {
        unsigned r = (unsigned)(rnd() % 40);
        if (no_escapes && r < 4) r = 4 + r % 2 * 60;   /* letters, or the brackets below */
        if (r == 64) { putc_(g, "{}[]"[rnd() % 4]); continue; }
        if (raw_newlines && r == 39) { putc_(g, '\n'); continue; }
        if (raw_newlines && r == 38 && !no_escapes) { put(g, "\\\n"); continue; }   /* an escaped raw newline */
        if (r == 0) put(g, "\\\"");
        else if (r == 1) put(g, "\\\\");
        else if (r == 2) put(g, "\\u00e9");
        else if (r == 3) put(g, "\\n");
        else putc_(g, (char)('a' + rnd() % 26));
    }
    putc_(g, '"');
}

static void gen_value(gbuf *g, int depth, int spaced);

static void gen_object(gbuf *g, int depth, int spaced)
{
    putc_(g, '{');
    int n = (int)(rnd() % (depth ? 4 : 12));
    for (int i = 0; i < n; i++) {
        if (i) { ws(g, spaced); putc_(g, ','); }
        ws(g, spaced);
        gen_string(g);
        ws(g, spaced);
        putc_(g, ':');
        ws(g, spaced);
        gen_value(g, depth + 1, spaced);
    }
    ws(g, spaced);
    putc_(g, '}');
}

static void gen_value(gbuf *g, int depth, int spaced)
{
    unsigned r = (unsigned)(rnd() % 10);
    if (depth > 3) r %= 7;
    char num[32];
    switch (r) {
    case 0: case 1: case 2: gen_string(g); break;
    case 3: snprintf(num, sizeof num, "%lld", (long long)(rnd() % 2000000) - 1000000); put(g, num); break;
    case 4: snprintf(num, sizeof num, "%llu.%u", (unsigned long long)(rnd() % 100000), (unsigned)(rnd() % 1000)); put(g, num); break;
    case 5: put(g, rnd() % 2 ? "true" : "null"); break;
    case 6: put(g, "false"); break;
    case 7: case 8: gen_object(g, depth, spaced); break;
    default: {
        putc_(g, '[');
        int n = (int)(rnd() % 4);
        for (int i = 0; i < n; i++) {
            if (i) putc_(g, ',');
            gen_value(g, depth + 1, spaced);
        }
        putc_(g, ']');
    }
    }
}

static int tok_eq(const jtok *a, const jtok *b)
{
    return a->type == b->type && a->s == b->s && a->n == b->n && a->esc == b->esc;
}

static int mismatches;
static int expect_hits, expect_misses, cursor_hits;

/* jscan_expect_n and jcur_expect_n from the state `before`, with the key
 * jscan_next read there (kb, when it has no escape) or a near miss of it:
 * a hit must leave the scanner exactly where jscan_next left `after` with
 * the same value; a miss must consume nothing. */
static void check_expect(const jscan *before, const jscan *after, const jtok *kb, const jtok *vb)
{
    if (kb->esc || kb->n > 100) return;
    char lit[128];
    size_t n = 0;
    lit[n++] = ',';
    lit[n++] = '"';
    memcpy(lit + n, kb->s, kb->n);
    n += kb->n;
    int exact = 1;
    unsigned how = (unsigned)(rnd() % 4);
    if (how == 1 && kb->n) { n--; exact = 0; }                       /* one byte short */
    else if (how == 2) { lit[n++] = 'x'; exact = 0; }                /* one byte more */
    else if (how == 3 && kb->n) { lit[n - 1] ^= 0x20; exact = 0; }   /* last byte changed */
    lit[n++] = '"';
    lit[n++] = ':';
    jscan c = *before;
    jtok v;
    memset(&v, 0, sizeof v);
    int r = jscan_expect_n(&c, lit, n, &v);
    if (r == 1) {
        expect_hits++;
        if (!exact || c.p != after->p || c.err != after->err || c.pending != after->pending || c.first != after->first ||
            !tok_eq(&v, vb))
            mismatches++;
    } else {
        expect_misses++;
        if (r != 0 || memcmp(&c, before, sizeof c) != 0) mismatches++;
    }
    /* the register cursor: hits only strings and scalars, the same way */
    if (before->err || before->pending) return;
    jcur cu = jcur_of(before);
    memset(&v, 0, sizeof v);
    r = jcur_expect_n(&cu, lit, n, &v);
    if (r == 1) {
        cursor_hits++;
        if (!exact || cu.p != after->p || cu.first || after->pending || after->err || !tok_eq(&v, vb)) mismatches++;
        jscan back = *before;
        jcur_done(&cu, &back);
        if (back.p != after->p || back.first != after->first) mismatches++;
    } else if (r != 0 || cu.p != before->p || cu.first != before->first) {
        mismatches++;
    }
}

/* Walks one object with both iterators side by side, taking the same lazy
 * choices; recurses into lazily returned objects on some members. */
static void walk(const char *text, size_t n, int lazy, int depth)
{
    jscan a, b;
    int ra = jscan_object(&a, text, n), rb = jscan_object(&b, text, n);
    if (ra != rb) { mismatches++; return; }
    if (ra < 0) return;
    a.lazy = b.lazy = lazy;
    for (int steps = 0; steps < 10000; steps++) {
        jtok ka, va, kb, vb;
        memset(&ka, 0, sizeof ka); memset(&va, 0, sizeof va);
        memset(&kb, 0, sizeof kb); memset(&vb, 0, sizeof vb);
        jscan before = b;
        ra = jscan_next_fast(&a, &ka, &va);
        rb = jscan_next(&b, &kb, &vb);
        if (rb == 1) check_expect(&before, &b, &kb, &vb);
        if (ra != rb || a.p != b.p || a.err != b.err || a.err_at != b.err_at || a.pending != b.pending ||
            a.first != b.first || (ra == 1 && (!tok_eq(&ka, &kb) || !tok_eq(&va, &vb)))) {
            if (mismatches++ < 5) fprintf(stderr, "mismatch at step %d (%d vs %d) in: %.*s\n", steps, ra, rb, (int)n, text);
            return;
        }
        if (ra != 1) break;
        if (lazy && va.type == JT_OBJ && a.pending && rnd() % 2) {
            /* read the nested object, then resume both where it ended */
            jscan sub;
            jtok sk, sv;
            if (depth < 4) walk(va.s, va.n, lazy, depth + 1);
            const char *after = NULL;
            if (jscan_object(&sub, va.s, va.n) == 0) {
                int r;
                while ((r = jscan_next(&sub, &sk, &sv)) == 1) {}
                after = r == 0 ? sub.p : NULL;
            }
            jscan_resume(&a, after);
            jscan_resume(&b, after);
        }
    }
    if (jscan_at_end(&a) != jscan_at_end(&b)) mismatches++;
}

static void fast_iterator_matches_general(void)
{
    static const char junk[] = "{}[]\",: \\a1";
    int tested = 0, malformed = 0;
    for (int i = 0; i < 200000; i++) {
        gbuf g;
        g.n = 0;
        int spaced = rnd() % 4 == 0;
        gen_object(&g, 0, spaced);
        if (rnd() % 4 == 0 && g.n) {
            /* corrupt: replace, drop or insert one byte, or cut the text */
            size_t at = (size_t)(rnd() % g.n);
            switch (rnd() % 4) {
            case 0: g.b[at] = junk[rnd() % (sizeof junk - 1)]; break;
            case 1: memmove(g.b + at, g.b + at + 1, g.n - at - 1); g.n--; break;
            case 2: if (g.n < sizeof g.b - 2) { memmove(g.b + at + 1, g.b + at, g.n - at); g.b[at] = junk[rnd() % (sizeof junk - 1)]; g.n++; } break;
            default: g.n = at; break;
            }
            malformed++;
        }
        walk(g.b, g.n, (int)(rnd() % 2), 0);
        tested++;
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(tested == 200000 && malformed > 30000);
    CHECK(expect_hits > 100000 && expect_misses > 100000 && cursor_hits > 50000);
}

/* reference: closing quote after p, skipping backslash-escaped bytes */
static const char *ref_str_end(const char *p, const char *end, int *esc)
{
    while (p < end) {
        if (*p == '"') return p;
        if (*p == '\\') { *esc = 1; p += 2; continue; }
        p++;
    }
    return NULL;
}

static void string_end_at_block_edges(void)
{
    char buf[128];
    int bad = 0, cases = 0;
    for (int len = 0; len < 110; len++)   /* the 16-byte block, then 32-byte steps */
        for (int bs = -1; bs < len; bs++)
            for (int bs2 = -1; bs2 < 3; bs2++)
                for (int close = 0; close < 2; close++) {
                    /* len filler bytes, a backslash at bs (and bs+1+bs2),
                     * then a closing quote or none */
                    memset(buf, 'x', sizeof buf);
                    if (bs >= 0) buf[bs] = '\\';
                    if (bs >= 0 && bs2 >= 0 && bs + 1 + bs2 < len) buf[bs + 1 + bs2] = bs2 == 1 ? '"' : '\\';
                    size_t n = (size_t)len;
                    if (close) buf[n++] = '"';
                    int e1 = 0, e2 = 0;
                    const char *a = jscan_str_end(buf, buf + n, &e1), *b = ref_str_end(buf, buf + n, &e2);
                    /* an escape as the last byte may run one past: both must call it unterminated */
                    if (a != b || (a && e1 != e2)) bad++;
                    cases++;
                }
    CHECK_EQ_INT(bad, 0);
    CHECK(cases > 10000);
}

/* soc_str_ip's dotted-quad pass against kn_ip_parse (inet_pton) on
 * generated texts: plain quads, leading zeros, parts over 255, too few or
 * many parts, stray bytes, IPv6, empty and over-long text. */
static void ip_fast_path_matches_core(void)
{
    static const char junk[] = "0123456789.:abcfx -\0";
    int bad = 0, accepted = 0;
    for (int i = 0; i < 1000000; i++) {
        char b[64];
        size_t n = 0;
        if (rnd() % 8 == 0) {
            n = (size_t)snprintf(b, sizeof b, "%x::%x:%x", (unsigned)(rnd() % 65536), (unsigned)(rnd() % 65536), (unsigned)(rnd() % 65536));
        } else {
            int parts = rnd() % 10 ? 4 : (int)(rnd() % 6);
            for (int k = 0; k < parts; k++) {
                unsigned v = rnd() % 5 ? (unsigned)(rnd() % 256) : (unsigned)(rnd() % 1000);
                n += (size_t)snprintf(b + n, sizeof b - n, rnd() % 20 ? "%u" : "0%u", v);
                if (k < parts - 1) b[n++] = '.';
            }
        }
        if (rnd() % 6 == 0 && n) b[rnd() % n] = junk[rnd() % (sizeof junk - 1)];
        if (rnd() % 10 == 0) b[n++] = junk[rnd() % (sizeof junk - 1)];
        if (rnd() % 12 == 0 && n) n = (size_t)(rnd() % n);
        b[n] = 0;
        kn_ip x, y;
        memset(&x, 0x55, sizeof x);
        memset(&y, 0x55, sizeof y);
        int rx = soc_str_ip(soc_s(b, n), &x);
        int ry = n > 0 && n < KN_IP_STRLEN && memchr(b, 0, n) == NULL ? kn_ip_parse(&y, b, (long)n) : -1;
        accepted += rx == 0;
        if ((rx == 0) != (ry == 0) || (rx == 0 && kn_ip_cmp(&x, &y) != 0)) {
            if (bad++ < 5) fprintf(stderr, "ip mismatch on \"%.*s\": %d vs %d\n", (int)n, b, rx, ry);
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(accepted > 100000);   /* about a fifth of the texts are valid addresses */
}

/* jtok_int's inline digits path against the general reader */
static void int_fast_path_matches_general(void)
{
    static const char chars[] = "0123456789-.eE+x ";
    int bad = 0;
    for (int i = 0; i < 500000; i++) {
        char b[32];
        size_t n = (size_t)(rnd() % 24);
        for (size_t k = 0; k < n; k++) b[k] = rnd() % 5 ? (char)('0' + rnd() % 10) : chars[rnd() % (sizeof chars - 1)];
        jtok t = {rnd() % 4 ? JT_NUM : JT_STR, b, n, 0};
        int64_t d = (int64_t)(rnd() % 3) - 1;
        if (jtok_int(&t, d) != jtok_int_general(&t, d)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

/* soc_str_icontains / soc_str_ieq against a naive tolower() search */
static const char *naive_icontains(const char *h, size_t hn, const char *nd)
{
    size_t n = strlen(nd);
    if (n == 0) return h;
    for (size_t i = 0; i + n <= hn; i++) {
        size_t k = 0;
        while (k < n && tolower((unsigned char)h[i + k]) == tolower((unsigned char)nd[k])) k++;
        if (k == n) return h + i;
    }
    return NULL;
}

static void icontains_matches_naive(void)
{
    static const char alpha[] = "aAbBsScCrRiIpPtT_/.\x80\xc3\xa9";
    static const char *const needles[] = {"script", "Script_Fields", "/_", "a", "", "\xc3\xa9", "bb", NULL};
    int bad = 0;
    for (int i = 0; i < 300000; i++) {
        char h[48];
        size_t hn = (size_t)(rnd() % 40);
        for (size_t k = 0; k < hn; k++) h[k] = alpha[rnd() % (sizeof alpha - 1)];
        h[hn] = 0;
        for (int j = 0; needles[j]; j++) {
            soc_str hs = soc_s(hn ? h : NULL, hn);
            const char *a = soc_str_icontains(hs, needles[j]);
            const char *b = hn ? naive_icontains(h, hn, needles[j]) : (needles[j][0] ? NULL : hs.p);
            if (a != b) bad++;
            if (soc_str_ieq(hs, needles[j]) != (hn == strlen(needles[j]) && hn && naive_icontains(h, hn, needles[j]) == h)) {
                if (!(hn == 0 && needles[j][0] == 0)) bad++;
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
}

/* reference: bracket matching a byte at a time (the former skip_nested) */
static const char *ref_skip_nested(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p++;
        if (c == '"') {
            int esc = 0;
            const char *q = ref_str_end(p, end, &esc);
            if (!q) return NULL;
            p = q + 1;
        } else if (c == '{' || c == '[') {
            if (++depth > JSCAN_MAX_DEPTH) return NULL;
        } else if (c == '}' || c == ']') {
            if (--depth == 0) return p;
        }
    }
    return NULL;
}

/* jscan_skip_nested (32-byte blocks of masks) and jscan_skip_nested_first
 * against the reference and against jscan_skip_nested_bytes from every
 * bracket of generated, corrupted and deeply nested texts. Half are written without backslashes
 * (brackets inside strings instead), so blocks take the mask path and
 * strings, brackets and corruptions fall on every block edge. */
static void skip_nested_matches_reference(void)
{
    static const char junk[] = "{}[]\":,\\a\xdb\x7b";
    int bad = 0, tried = 0, found = 0, firsts = 0;
    for (int i = 0; i < 100000; i++) {
        gbuf g;
        g.n = 0;
        no_escapes = i % 2;
        if (i % 500 == 0) {
            int d = JSCAN_MAX_DEPTH - 2 + (int)(rnd() % 5);   /* around the depth limit */
            for (int k = 0; k < d; k++) putc_(&g, rnd() % 2 ? '[' : '{');
            for (int k = 0; k < d; k++) putc_(&g, rnd() % 2 ? ']' : '}');
        } else {
            gen_object(&g, 0, rnd() % 4 == 0);
        }
        if (rnd() % 3 == 0 && g.n) g.b[rnd() % g.n] = junk[rnd() % (sizeof junk - 1)];
        if (rnd() % 8 == 0 && g.n) g.n = (size_t)(rnd() % g.n);
        for (size_t k = 0; k < g.n; k++) {
            if (g.b[k] != '{' && g.b[k] != '[') continue;
            tried++;
            const char *want = ref_skip_nested(g.b + k, g.b + g.n);
            found += want != NULL;
            if (jscan_skip_nested(g.b + k, g.b + g.n) != want) bad++;
            if (jscan_skip_nested_bytes(g.b + k, g.b + g.n) != want) bad++;
            /* the first nested value's end, noted in the same walk */
            const char *first_end = NULL;
            if (jscan_skip_nested_first(g.b + k, g.b + g.n, &first_end) != want) bad++;
            if (want && (g.b[k + 1] == '{' || g.b[k + 1] == '[')) {
                firsts++;
                if (first_end != ref_skip_nested(g.b + k + 1, g.b + g.n)) bad++;
            }
        }
    }
    no_escapes = 0;
    CHECK_EQ_INT(bad, 0);
    CHECK(tried > 100000 && found > tried / 4 && firsts > 1000);
}

/* Walks an object with the fast iterator only, as eve.c does (lazy
 * values read by a nested walk and resumed, or skipped); returns where it
 * stopped, NULL on an error. */
static const char *fast_walk(const char *text, size_t n, int depth)
{
    jscan a;
    jtok k, v;
    if (jscan_object(&a, text, n) < 0) return NULL;
    a.lazy = (int)(rnd() % 2);
    int r;
    for (;;) {
        if (rnd() % 3 == 0) {
            /* the expect path, with the key about to come when it is plain */
            jscan peek = a;
            unsigned counted = jscan_newlines;   /* the peek's own count must not hide a miss */
            int peeked = jscan_next(&peek, &k, &v);
            jscan_newlines = counted;
            if (peeked == 1 && !k.esc && k.n < 100 && !memchr(k.s, '\n', k.n)) {   /* literals are plain names */
                char lit[128];
                lit[0] = ',';
                lit[1] = '"';
                memcpy(lit + 2, k.s, k.n);
                lit[2 + k.n] = '"';
                lit[3 + k.n] = ':';
                jscan_expect_n(&a, lit, k.n + 4, &v);
            }
        }
        if ((r = jscan_next_fast(&a, &k, &v)) != 1) break;
        if (a.pending && v.type == JT_OBJ && depth < 4 && rnd() % 2) jscan_resume(&a, fast_walk(v.s, v.n, depth + 1));
    }
    return r == 0 ? a.p : NULL;
}

/* jscan_newlines: a scan that ends cleanly over text holding a raw newline
 * (in a string, as whitespace, in a skipped value) has counted one; the
 * in-place EVE parse relies on this to skip its newline search. Also for
 * jscan_skip_nested and jscan_str_end alone. */
static void newlines_crossed_are_counted(void)
{
    int missed = 0, with_nl = 0, clean = 0;
    raw_newlines = 1;
    for (int i = 0; i < 100000; i++) {
        gbuf g;
        g.n = 0;
        no_escapes = i % 2;
        gen_object(&g, 0, rnd() % 3 == 0);
        unsigned before = jscan_newlines;
        const char *stop = fast_walk(g.b, g.n, 0);
        if (stop) {
            clean++;
            if (memchr(g.b, '\n', (size_t)(stop - g.b))) {
                with_nl++;
                if (jscan_newlines == before) missed++;
            }
        }
        for (size_t k = 0; k < g.n; k++) {
            if (g.b[k] == '{' || g.b[k] == '[') {
                before = jscan_newlines;
                const char *q = jscan_skip_nested(g.b + k, g.b + g.n);
                if (q && memchr(g.b + k, '\n', (size_t)(q - g.b - k)) && jscan_newlines == before) missed++;
            } else if (g.b[k] == '"') {
                int esc = 0;
                before = jscan_newlines;
                const char *q = jscan_str_end(g.b + k + 1, g.b + g.n, &esc);
                if (q && memchr(g.b + k, '\n', (size_t)(q - g.b - k)) && jscan_newlines == before) missed++;
            }
        }
    }
    raw_newlines = no_escapes = 0;
    CHECK_EQ_INT(missed, 0);
    CHECK(clean > 50000 && with_nl > 10000);
}

TEST_MAIN(fast_iterator_matches_general, string_end_at_block_edges, ip_fast_path_matches_core,
          int_fast_path_matches_general, icontains_matches_naive, skip_nested_matches_reference,
          newlines_crossed_are_counted)
