/* jscan.c: the lazy JSON member scanner and the JSON value readers (see
 * logs.h for why soc logs do not go through core/jsonp's tree builder). */
#include <ctype.h>
#include <stddef.h>
#include <stdlib.h>

#include "soc/logs.h"

static inline __attribute__((always_inline)) const char *skip_ws(const char *p, const char *end)
{
    /* compact NDJSON (Suricata, Zeek) has no whitespace between tokens:
     * one compare answers the common case (skip_ws was 7% of EVE
     * instructions with the four-way test first; callgrind) */
    if (p < end && (unsigned char)*p > ' ') return p;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) jscan_newlines += *p++ == '\n';
    return p;
}

_Thread_local unsigned jscan_newlines;

/* The general form, a byte at a time (strings through jscan_str_end):
 * the reference jscan_skip_nested is checked against (test_soc_jscan,
 * fuzz_fastpaths) and its path for blocks holding a backslash. */
const char *jscan_skip_nested_bytes(const char *p, const char *end)
{
    int depth = 0;
    while (p < end) {
        char c = *p++;
        switch (c) {
        case '"': {
            int esc;
            const char *q = jscan_str_end(p, end, &esc);
            if (!q) return NULL;
            p = q + 1;
            break;
        }
        case '{': case '[':
            if (++depth > JSCAN_MAX_DEPTH) return NULL;
            break;
        case '}': case ']':
            if (--depth == 0) return p;
            break;
        case '\n':
            jscan_newlines++;
            break;
        default:
            break;
        }
    }
    return NULL;
}

#if defined(__SSE2__)
/* Bit i of the results: byte i of the 32 at p is '"', '\\', '{' or '[',
 * '}' or ']', '\n' (c | 0x20 maps '[' to '{' and ']' to '}' and nothing
 * else to either). */
static inline __attribute__((always_inline)) void block_masks(const char *p, uint32_t *quote, uint32_t *bslash,
                                                               uint32_t *open, uint32_t *close, uint32_t *nl)
{
    const __m128i vq = _mm_set1_epi8('"'), vbs = _mm_set1_epi8('\\'), vlc = _mm_set1_epi8(0x20);
    const __m128i vob = _mm_set1_epi8('{'), vcb = _mm_set1_epi8('}'), vnl = _mm_set1_epi8('\n');
    __m128i w0 = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i w1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    __m128i l0 = _mm_or_si128(w0, vlc), l1 = _mm_or_si128(w1, vlc);
#define JSCAN_MASK32(a, b) ((uint32_t)_mm_movemask_epi8(a) | (uint32_t)_mm_movemask_epi8(b) << 16)
    *quote = JSCAN_MASK32(_mm_cmpeq_epi8(w0, vq), _mm_cmpeq_epi8(w1, vq));
    *bslash = JSCAN_MASK32(_mm_cmpeq_epi8(w0, vbs), _mm_cmpeq_epi8(w1, vbs));
    *open = JSCAN_MASK32(_mm_cmpeq_epi8(l0, vob), _mm_cmpeq_epi8(l1, vob));
    *close = JSCAN_MASK32(_mm_cmpeq_epi8(l0, vcb), _mm_cmpeq_epi8(l1, vcb));
    *nl = JSCAN_MASK32(_mm_cmpeq_epi8(w0, vnl), _mm_cmpeq_epi8(w1, vnl));
#undef JSCAN_MASK32
}
#endif

/* p at '{' or '['; returns one past the matching bracket, or NULL.
 * (perf: the byte walk was 6.5% of EVE ingest, on the tcp objects of flow
 * lines and the dns answers/grouped tails nobody reads.) 32 bytes at a
 * time: masks of quotes and brackets; the bytes inside strings are the
 * prefix XOR of the quote mask (no escapes in a block without
 * backslashes), so the brackets outside strings are counted from the
 * masks alone. A block holding a backslash is walked a byte at a time; a
 * last part shorter than 32 bytes is read through a zero-padded copy
 * (which adds no quote or bracket). Same answers as
 * jscan_skip_nested_bytes. 32-byte blocks: the objects skipped are 30-150
 * bytes; 16 took more steps, 64 read far past their end (callgrind). */
static inline __attribute__((always_inline)) const char *skip_nested(const char *p, const char *end, const char **inner)
{
#if defined(__SSE2__)
    int depth = 0;
    uint32_t in_str = 0;                          /* all ones: the block starts inside a string */
    while (p < end) {
        size_t avail = (size_t)(end - p);
        uint32_t mq, mb, mo, mc, mn;
        if (avail >= 32) {
            block_masks(p, &mq, &mb, &mo, &mc, &mn);
        } else {
            char pad[32];
            memset(pad, 0, sizeof pad);
            memcpy(pad, p, avail);
            block_masks(pad, &mq, &mb, &mo, &mc, &mn);
        }
        if (!mb) {
            uint32_t inside = mq;                 /* bit i: byte i is an opening quote or inside a string */
            inside ^= inside << 1;
            inside ^= inside << 2;
            inside ^= inside << 4;
            inside ^= inside << 8;
            inside ^= inside << 16;
            inside ^= in_str;
            uint32_t open = mo & ~inside, br = (mo | mc) & ~inside;
            while (br) {
                int i = __builtin_ctz(br);
                if (open >> i & 1) {
                    if (++depth > JSCAN_MAX_DEPTH) return NULL;
                } else if (--depth == 0) {
                    if (mn & ((1u << i) - 1)) jscan_newlines++;
                    return p + i + 1;
                } else if (inner && depth == 1 && !*inner) {
                    *inner = p + i + 1;
                }
                br &= br - 1;
            }
            if (mn) jscan_newlines++;
            if (avail <= 32) return NULL;
            in_str = 0u - (inside >> 31);
            p += 32;
            continue;
        }
        /* a backslash: this block a byte at a time (a string may run on
         * past it; the walk then stands outside any string) */
        const char *lim = p + (avail < 32 ? avail : 32);
        if (in_str) {
            int esc;
            const char *q = jscan_str_end(p, end, &esc);
            if (!q) return NULL;
            p = q + 1;
            in_str = 0;
        }
        while (p < lim) {
            char c = *p++;
            if (c == '"') {
                int esc;
                const char *q = jscan_str_end(p, end, &esc);
                if (!q) return NULL;
                p = q + 1;
            } else if (c == '{' || c == '[') {
                if (++depth > JSCAN_MAX_DEPTH) return NULL;
            } else if (c == '}' || c == ']') {
                if (--depth == 0) return p;
                if (inner && depth == 1 && !*inner) *inner = p;
            } else if (c == '\n') {
                jscan_newlines++;
            }
        }
    }
    return NULL;
#else
    if (inner && p + 1 < end && (p[1] == '{' || p[1] == '[')) *inner = jscan_skip_nested_bytes(p + 1, end);
    return jscan_skip_nested_bytes(p, end);
#endif
}

const char *jscan_skip_nested(const char *p, const char *end) { return skip_nested(p, end, NULL); }

const char *jscan_skip_nested_first(const char *p, const char *end, const char **first_end)
{
    *first_end = NULL;
    return skip_nested(p, end, first_end);
}

/* Reads one value at p into *v; returns the position after it or NULL. */
static inline __attribute__((always_inline)) const char *read_value(const char *p, const char *end, jtok *v)
{
    if (p >= end) return NULL;
    char c = *p;
    v->esc = 0;
    if (c == '"') {
        const char *q = jscan_str_end(p + 1, end, &v->esc);
        if (!q) return NULL;
        v->type = JT_STR;
        v->s = p + 1;
        v->n = (size_t)(q - p - 1);
        return q + 1;
    }
    if (c == '{' || c == '[') {
        const char *q = jscan_skip_nested(p, end);
        if (!q) return NULL;
        v->type = c == '{' ? JT_OBJ : JT_ARR;
        v->s = p;
        v->n = (size_t)(q - p);
        return q;
    }
    /* numbers and literals end at a byte of this table: one load and test
     * a byte instead of seven compares (4% of EVE instructions; callgrind) */
    static const uint8_t ends_scalar[256] = {[','] = 1, ['}'] = 1, [']'] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};
    const char *q = p;
    while (q < end && !ends_scalar[(unsigned char)*q]) q++;
    if (q == p) return NULL;
    v->s = p;
    v->n = (size_t)(q - p);
    if (c == 't') v->type = JT_TRUE;
    else if (c == 'f') v->type = JT_FALSE;
    else if (c == 'n') v->type = JT_NULL;
    else if (c == '-' || (c >= '0' && c <= '9')) v->type = JT_NUM;
    else return NULL;
    return q;
}

static int fail(jscan *s, const char *at)
{
    s->err = 1;
    s->err_at = at;
    return -1;
}

/* Consumes the separator before the next element: returns 1 to read an
 * element, 0 at the closing bracket, -1 on error. */
static int separator(jscan *s, char close)
{
    if (s->err) return -1;
    if (s->pending) {
        const char *q = jscan_skip_nested(s->p, s->end);
        if (!q) return fail(s, s->p);
        s->p = q;
        s->pending = 0;
    }
    const char *p = skip_ws(s->p, s->end);
    if (p >= s->end) return fail(s, p);
    if (*p == close) {
        s->p = p + 1;
        return 0;
    }
    if (!s->first) {
        if (*p != ',') return fail(s, p);
        p = skip_ws(p + 1, s->end);
    }
    s->first = 0;
    s->p = p;
    return 1;
}

int jscan_next(jscan *s, jtok *key, jtok *val)
{
    int r = separator(s, '}');
    if (r <= 0) return r;
    const char *p = s->p;
    if (p >= s->end || *p != '"') return fail(s, p);
    p = read_value(p, s->end, key);
    if (!p) return fail(s, s->p);
    p = skip_ws(p, s->end);
    if (p >= s->end || *p != ':') return fail(s, p);
    p = skip_ws(p + 1, s->end);
    if (s->lazy && p < s->end && (*p == '{' || *p == '[')) {
        val->type = *p == '{' ? JT_OBJ : JT_ARR;
        val->esc = 0;
        val->s = p;
        val->n = (size_t)(s->end - p);
        s->p = p;
        s->pending = 1;
        return 1;
    }
    const char *q = read_value(p, s->end, val);
    if (!q) return fail(s, p);
    s->p = q;
    return 1;
}

int jscan_next_item(jscan *s, jtok *val)
{
    int r = separator(s, ']');
    if (r <= 0) return r;
    const char *q = read_value(s->p, s->end, val);
    if (!q) return fail(s, s->p);
    s->p = q;
    return 1;
}

int jscan_at_end(const jscan *s)
{
    return !s->err && skip_ws(s->p, s->end) == s->end;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
    if (end - p < 4) return -1;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int h = soc_hexval(p[i]);
        if (h < 0) return -1;
        v = v << 4 | (unsigned)h;
    }
    *out = v;
    return 0;
}

static size_t put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xc0 | cp >> 6); o[1] = (char)(0x80 | (cp & 0x3f)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)); o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

soc_str jtok_str_general(const jtok *t, kn_buf *scratch)
{
    soc_str r = {NULL, 0};
    if (t->type != JT_STR) {
        if (t->type == JT_NUM) { r.p = t->s; r.n = t->n; }
        return r;
    }
    /* str_end noted any backslash while finding the closing quote: a
     * memchr per string here was 3% of EVE instructions (callgrind) */
    if (!t->esc) { r.p = t->s; r.n = t->n; return r; }
    /* The caller reserved room for the whole line; a \uXXXX (6 bytes)
     * never becomes more than 4 bytes, a surrogate pair (12) never more
     * than 4, so output <= input and the buffer does not move. */
    if (scratch->cap - scratch->len < t->n + 1) kn_buf_reserve(scratch, t->n + 1);
    char *o = scratch->data + scratch->len, *o0 = o;
    const char *p = t->s, *end = t->s + t->n;
    while (p < end) {
        if (*p != '\\') { *o++ = *p++; continue; }
        if (p + 1 >= end) { *o++ = *p++; continue; }
        char c = p[1];
        p += 2;
        switch (c) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'u': {
            unsigned cp;
            if (hex4(p, end, &cp) < 0) { *o++ = '\\'; *o++ = 'u'; break; }
            p += 4;
            if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                unsigned lo;
                if (hex4(p + 2, end, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
            }
            o += put_utf8(o, cp);
            break;
        }
        default: *o++ = c; break;   /* \" \\ \/ and unknown escapes */
        }
    }
    r.p = o0;
    r.n = (size_t)(o - o0);
    scratch->len += r.n;
    scratch->data[scratch->len] = 0;
    return r;
}

int64_t jtok_int_general(const jtok *t, int64_t dflt)
{
    if (t->type != JT_NUM && t->type != JT_STR) return dflt;
    const char *p = t->s, *end = t->s + t->n;
    int neg = 0;
    if (p < end && *p == '-') { neg = 1; p++; }
    if (p >= end || *p < '0' || *p > '9') return dflt;
    uint64_t v = 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (v > (UINT64_MAX - 9) / 10) return dflt;
        v = v * 10 + (uint64_t)(*p++ - '0');
    }
    if (p < end && *p != '.' && *p != 'e' && *p != 'E') return dflt;
    if (v > INT64_MAX) return dflt;
    return neg ? -(int64_t)v : (int64_t)v;
}

double jtok_double(const jtok *t, double dflt)
{
    if (t->type != JT_NUM && t->type != JT_STR) return dflt;
    char b[64];
    if (t->n == 0 || t->n >= sizeof b) return dflt;
    memcpy(b, t->s, t->n);
    b[t->n] = 0;
    char *e;
    double d = strtod(b, &e);
    return e == b ? dflt : d;
}

soc_str jtok_join(const jtok *t, kn_buf *scratch)
{
    soc_str r = {NULL, 0};
    if (t->type == JT_STR) return jtok_str(t, scratch);
    if (t->type != JT_ARR) return r;
    jscan a;
    if (jscan_array(&a, t->s, t->n) < 0) return r;
    /* Items are unescaped one after another into scratch, separated by ','
     * in place: the joined text is shorter than the array's source text. */
    jtok it;
    size_t start = scratch->len;
    int first = 1;
    if (scratch->cap - scratch->len < t->n + 1) kn_buf_reserve(scratch, t->n + 1);
    while (jscan_next_item(&a, &it) == 1) {
        if (it.type != JT_STR && it.type != JT_NUM) continue;
        if (!first) { scratch->data[scratch->len++] = ','; }
        first = 0;
        if (it.type == JT_STR && it.esc) {
            jtok_str(&it, scratch);
        } else {
            memcpy(scratch->data + scratch->len, it.s, it.n);
            scratch->len += it.n;
        }
    }
    scratch->data[scratch->len] = 0;
    r.p = scratch->data + start;
    r.n = scratch->len - start;
    return r;
}


kn_status jscan_load_array(kn_reader *r, kn_buf *whole, jscan *arr, kn_err *e)
{
    char buf[1 << 16];
    size_t got;
    for (;;) {
        if (kn_reader_read(r, buf, sizeof buf, &got, e) != KN_OK) { kn_buf_free(whole); return e->status; }
        if (got == 0) break;
        if (whole->len + got > JSCAN_MAX_ARRAY) {
            kn_buf_free(whole);
            return kn_err_set(e, KN_ERR_LIMIT, kn_reader_path(r), (int64_t)JSCAN_MAX_ARRAY,
                              "JSON array larger than 2 GiB; convert to NDJSON (one event a line)");
        }
        kn_buf_append(whole, buf, got);
    }
    if (jscan_array(arr, whole->data ? whole->data : "", whole->len) < 0) {
        kn_buf_free(whole);
        return kn_err_set(e, KN_ERR_FORMAT, kn_reader_path(r), 0, "not a JSON array");
    }
    return KN_OK;
}
