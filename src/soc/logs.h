/* logs.h: what the soc log inputs (eve.c, zeek.c, accesslog.c, honeypot.c)
 * and the session parsers share: a lazy JSON scanner, string helpers over
 * soc_str views, and counted reporting of bad lines.
 *
 * Why a lazy scanner instead of core/jsonp: jsonp builds a full tree in an
 * arena (every member, every number converted). An EVE line is 0.5-2 KB of
 * which a detector reads a dozen fields; building the tree costs about 3x
 * the scan (measured in bench/soc_logs.sh: jsonp ~300 MB/s vs this scanner
 * >1 GB/s on the same lines). jscan walks one object level at a time,
 * skips unwanted values with SSE2 masks of quotes and brackets, lets a
 * caller match the members it expects next by their literal text
 * (jscan_expect: Suricata's fixed order), and unescapes only the strings
 * a caller asks for. Every fast path has a general form it is tested
 * against (test_soc_jscan, fuzz_fastpaths). It checks structure (quotes,
 * brackets, colons, commas) but not the inside of numbers and literals: a
 * malformed scalar is returned as raw text and the field reader rejects
 * it.
 *
 * Invariants: a jscan never reads outside [p, end); depth of skipped values
 * is bounded by JSCAN_MAX_DEPTH (deeper input is an error, not a crash). */
#ifndef KENSA_SOC_LOGS_H
#define KENSA_SOC_LOGS_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/buf.h"
#include "core/digits.h"
#include "core/ip.h"
#include "core/time.h"
#include "soc/soc.h"

#define JSCAN_MAX_DEPTH 128

typedef enum jtype { JT_NONE = 0, JT_STR, JT_NUM, JT_TRUE, JT_FALSE, JT_NULL, JT_OBJ, JT_ARR } jtype;

/* A value as it appears in the text. Strings: s/n cover the inside of the
 * quotes (still escaped); objects/arrays: s/n cover from the bracket to the
 * matching bracket inclusive; other scalars: the raw token. */
typedef struct jtok {
    jtype type;
    const char *s;
    size_t n;
    int esc;         /* JT_STR: the text holds a backslash (jtok_str must unescape) */
} jtok;

typedef struct jscan {
    const char *p, *end;
    int first;       /* no member read yet */
    int err;         /* 1 after a structural error */
    const char *err_at;
    int lazy;        /* objects/arrays are returned unskipped (see jscan_resume) */
    int pending;     /* the last value returned lazily has not been consumed */
} jscan;

/* Raw newlines the scanner has stepped over (in strings, whitespace and
 * skipped values), counted so a caller that parsed an object in place can
 * tell it held no line break without a second pass over its bytes (perf:
 * the memchr after each EVE line was 4% of ingest). It may count a
 * newline beyond where a scan stopped, never miss one before: a changed
 * count means "look", an unchanged one means "none crossed". Counted only
 * on those rare paths, so the common ones pay one compare per block. */
extern _Thread_local unsigned jscan_newlines;

/* Starts iterating the members of the object at text[0..n) (leading
 * whitespace allowed). Returns 0, or -1 if it is not an object. Inline:
 * EVE opens five objects a line (the calls were 1.3% of EVE instructions,
 * callgrind). */
static inline int jscan_begin(jscan *s, const char *text, size_t n, char open)
{
    const char *p = text, *end = text + n;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) jscan_newlines += *p++ == '\n';
    s->end = end;
    s->first = 1;
    s->err = 0;
    s->err_at = NULL;
    s->lazy = s->pending = 0;
    if (p >= end || *p != open) {
        s->p = p;
        s->err = 1;
        s->err_at = p;
        return -1;
    }
    s->p = p + 1;
    return 0;
}
static inline int jscan_object(jscan *s, const char *text, size_t n) { return jscan_begin(s, text, n, '{'); }
/* Same for an array's items. */
static inline int jscan_array(jscan *s, const char *text, size_t n) { return jscan_begin(s, text, n, '['); }
/* Reads the rest of r into *whole (at most JSCAN_MAX_ARRAY bytes) and
 * starts *arr on it as a JSON array: the whole-array form of EVE and
 * honeypot files. On error *whole is freed and e names file and offset. */
#define JSCAN_MAX_ARRAY (2ull << 30)
kn_status jscan_load_array(kn_reader *r, kn_buf *whole, jscan *arr, kn_err *e);
/* Next member: 1 with key (a JT_STR) and val, 0 at the closing brace,
 * -1 on a structural error (s->err_at points at it). key and val are
 * meaningful only after 1. */
int jscan_next(jscan *s, jtok *key, jtok *val);
/* Next array item: 1, 0 at ']', -1 on error. */
int jscan_next_item(jscan *s, jtok *val);
/* Lazy mode (set s->lazy = 1 after jscan_object): an object or array value
 * is returned with n covering the rest of the text, not scanned; the caller
 * either parses it with its own jscan and calls jscan_resume with where that
 * one stopped, or does nothing and the next jscan_next skips it. Saves the
 * second pass over nested objects a caller reads anyway. */
static inline void jscan_resume(jscan *s, const char *after)
{
    if (!after) {
        s->err = 1;
        s->err_at = s->p;
        return;
    }
    s->p = after;
    s->pending = 0;
}
/* After the last member: 1 if only whitespace follows the closing bracket. */
int jscan_at_end(const jscan *s);

/* ---- inline parts ------------------------------------------------------------ */

/* p points just after an opening quote; returns the closing quote or NULL.
 * A quote preceded by an odd run of backslashes is escaped. Raw newlines
 * passed are counted in jscan_newlines. */
static inline __attribute__((always_inline)) const char *jscan_str_end(const char *p, const char *end, int *esc)
{
    /* 16 bytes at a time with SSE2 (baseline on x86-64), else 8 with SWAR:
     * measured against memchr per string (call overhead on short EVE
     * strings) and a byte loop (a branch per byte), this halves the time
     * jscan spends in strings. */
    while (p < end) {
#if defined(__SSE2__)
        const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), nl = _mm_set1_epi8('\n');
#define JSCAN_STR_MASK(w) \
    ((unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(w, q), _mm_cmpeq_epi8(w, bs)), _mm_cmpeq_epi8(w, nl))))
        while (end - p >= 16) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)p);
            unsigned m = JSCAN_STR_MASK(w);
            if (m) { p += __builtin_ctz(m); goto found; }
            p += 16;
            /* past 16 bytes (urls, user agents): 32 a step, half the
             * branches (perf: the block loop was a third of parse_http) */
            while (end - p >= 32) {
                __m128i w0 = _mm_loadu_si128((const __m128i *)(const void *)p);
                __m128i w1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
                unsigned m2 = JSCAN_STR_MASK(w0) | JSCAN_STR_MASK(w1) << 16;
                if (m2) { p += __builtin_ctz(m2); goto found; }
                p += 32;
            }
        }
#undef JSCAN_STR_MASK
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
        while (end - p >= 8) {
            uint64_t w;
            memcpy(&w, p, 8);
            uint64_t a = w ^ (0x22 * ones), b = w ^ (0x5c * ones), n = w ^ (0x0a * ones);
            /* the lowest flagged byte is exact (borrows only go upwards) */
            uint64_t hit = ((a - ones) & ~a & highs) | ((b - ones) & ~b & highs) | ((n - ones) & ~n & highs);
            if (hit) { p += __builtin_ctzll(hit) >> 3; goto found; }
            p += 8;
        }
#endif
        while (p < end && *p != '"' && *p != '\\' && *p != '\n') p++;
        if (p >= end) return NULL;
    found:
        if (*p == '"') return p;
        if (*p == '\n') {
            jscan_newlines++;
            p++;
            continue;
        }
        *esc = 1;
        if (p + 1 < end && p[1] == '\n') jscan_newlines++;
        p += 2;                                   /* skip the escaped byte */
    }
    return NULL;
}

/* p at '{' or '['; one past the matching bracket, or NULL (also beyond
 * JSCAN_MAX_DEPTH). jscan_skip_nested reads 32-byte blocks of masks;
 * jscan_skip_nested_bytes is its byte-at-a-time reference (same answers). */
const char *jscan_skip_nested(const char *p, const char *end);
const char *jscan_skip_nested_bytes(const char *p, const char *end);
/* jscan_skip_nested that also notes where the first value nested one level
 * down ends: when it returns non-NULL and p[1] is '{' or '[', *first_end
 * is one past the end of the value at p + 1 (what jscan_skip_nested(p + 1)
 * returns), found in the same walk (perf: an array's first item skipped a
 * second time was 2% of EVE instructions, dns answers; callgrind). */
const char *jscan_skip_nested_first(const char *p, const char *end, const char **first_end);

/* A string or scalar value at p (just after its "key":) as jscan_next
 * reads it: one past it with *val set, or NULL for an object, an array or
 * anything the general path must decide (errors, text cut short). */
static inline __attribute__((always_inline)) const char *jscan_scalar_at(const char *p, const char *end, jtok *val)
{
    static const uint8_t ends_scalar[256] = {[','] = 1, ['}'] = 1, [']'] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};
    const char *q;
    if (p >= end) return NULL;
    char c = *p;
    val->esc = 0;
    if (c == '"') {
        q = jscan_str_end(p + 1, end, &val->esc);
        if (!q) return NULL;
        val->type = JT_STR;
        val->s = p + 1;
        val->n = (size_t)(q - p - 1);
        return q + 1;
    }
    if (c == '{' || c == '[') return NULL;
    /* true/false/null whole when a terminator follows (the byte loop
     * below gives the same end; qr/rd/ra/alerted/syn... are on every dns
     * and flow line) */
    if (end - p >= 6 && (c == 't' || c == 'f' || c == 'n')) {
        size_t ln = 0;
        if (memcmp(p, "true", 4) == 0 || memcmp(p, "null", 4) == 0) ln = 4;
        else if (memcmp(p, "false", 5) == 0) ln = 5;
        if (ln && ends_scalar[(unsigned char)p[ln]]) {
            val->type = c == 't' ? JT_TRUE : c == 'f' ? JT_FALSE : JT_NULL;
            val->s = p;
            val->n = ln;
            return p + ln;
        }
    }
    q = p;
    /* Eight bytes at a time: whole words of digits (flow_id has 19), then
     * the first non-digit of the last word found by SWAR, so a port or a
     * count ends without a loop (the byte loop was a tenth of this
     * function on EVE, callgrind). Carries of the +6 only move upwards,
     * past the first non-digit, so it is exact. */
    while (end - q >= 8) {
        uint64_t w;
        memcpy(&w, q, 8);
        uint64_t nd = kn_nondigits8(w);
        if (!nd) { q += 8; continue; }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        nd = (nd | ((nd & 0x7F7F7F7F7F7F7F7Full) + 0x7F7F7F7F7F7F7F7Full)) & 0x8080808080808080ull;
        unsigned at = (unsigned)__builtin_ctzll(nd) & ~7u;
        q += at >> 3;
        /* that byte from the word, not loaded again (perf: the load behind
         * the bit scan stalled, 6% of eve_parse) */
        if (ends_scalar[(unsigned char)(w >> at)]) goto scalar_end;
#endif
        break;
    }
    while (q < end && !ends_scalar[(unsigned char)*q]) q++;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
scalar_end:
#endif
    if (q == p) return NULL;
    if ((unsigned)(c - '0') <= 9 || c == '-') val->type = JT_NUM;
    else if (c == 't') val->type = JT_TRUE;
    else if (c == 'f') val->type = JT_FALSE;
    else if (c == 'n') val->type = JT_NULL;
    else return NULL;
    val->s = p;
    val->n = (size_t)(q - p);
    return q;
}

/* The value of a compact member at p (just after its "key":), read as
 * jscan_next would: 1 with *val set and s->p past it, 0 with s unchanged
 * when the general path must decide (errors, text cut short). */
static inline __attribute__((always_inline)) int jscan_fast_value(jscan *s, const char *p, jtok *val)
{
    const char *end = s->end, *q = jscan_scalar_at(p, end, val);
    if (q) {
        s->p = q;
    } else if (p < end && (*p == '{' || *p == '[')) {
        val->esc = 0;
        val->type = *p == '{' ? JT_OBJ : JT_ARR;
        val->s = p;
        if (s->lazy) {
            val->n = (size_t)(end - p);
            s->p = p;
            s->pending = 1;
        } else {
            q = jscan_skip_nested(p, end);
            if (!q) return 0;
            val->n = (size_t)(q - p);
            s->p = q;
        }
    } else {
        return 0;
    }
    s->first = 0;
    return 1;
}

/* jscan_next for compact JSON, inlined into the per-line loops: a member
 * laid out as [,]"key":value with no whitespace is read here; anything
 * else (whitespace, a pending lazy value, errors) goes to jscan_next from
 * the same state, so both give the same answers. The call, the separator
 * helper and the whitespace skips around every member were a third of
 * jscan's instructions on EVE (callgrind). */
static inline __attribute__((always_inline)) int jscan_next_fast(jscan *s, jtok *key, jtok *val)
{
    const char *p = s->p, *end = s->end;
    if (s->err || s->pending || p >= end) goto slow;
    if (*p == '}') { s->p = p + 1; return 0; }
    if (!s->first) {
        if (*p != ',') goto slow;
        p++;
    }
    if (p >= end || *p != '"') goto slow;
    key->esc = 0;
    const char *q = jscan_str_end(p + 1, end, &key->esc);
    if (!q || q + 1 >= end || q[1] != ':') goto slow;
    key->type = JT_STR;
    key->s = p + 1;
    key->n = (size_t)(q - p - 1);
    if (jscan_fast_value(s, q + 2, val)) return 1;
slow:;
    /* through copies: the caller's scanner and tokens never have their
     * address taken, so they can stay in registers (see eve.c) */
    jscan t = *s;
    jtok tk, tv;
    int r = jscan_next(&t, &tk, &tv);
    *s = t;
    if (r == 1) {
        *key = tk;
        *val = tv;
    }
    return r;
}

/* The member the caller expects next, by name: when the next member of a
 * compact object is exactly "lit":value (lit holds no quote,
 * backslash or newline), reads the value as jscan_next_fast does and returns 1;
 * otherwise returns 0 having consumed nothing, and the caller's general
 * loop (jscan_next_fast and a dispatch on the key) reads the member.
 * (perf: Suricata writes members in a fixed order; matching the expected
 * key as two or three word compares instead of finding its closing quote
 * and dispatching on its text cut EVE ingest by 17% of its CPU time and
 * 18% of its instructions, with the SWAR number end above; perf stat,
 * callgrind.) The literal's length is a constant, so the compare inlines;
 * s->first picks the form with or without the comma. */
#define jscan_expect(s, lit, val) jscan_expect_n((s), ",\"" lit "\":", sizeof(lit) + 3, (val))
static inline __attribute__((always_inline)) int jscan_expect_n(jscan *s, const char *lit, size_t litn, jtok *val)
{
    const char *p = s->p;
    if (s->err || s->pending || (size_t)(s->end - p) <= litn) return 0;
    if (s->first) {
        if (memcmp(p, lit + 1, litn - 1) != 0) return 0;
        p += litn - 1;
    } else {
        if (memcmp(p, lit, litn) != 0) return 0;
        p += litn;
    }
    return jscan_fast_value(s, p, val);
}

/* A cursor over a compact object's members in the caller's locals, for a
 * run of jscan_expect on strings and scalars: three values the compiler
 * keeps in registers where a jscan (its address passed to the general
 * path) is reloaded and stored around every member (perf: that was a
 * third of jscan_expect's instructions; callgrind). Take it from a
 * scanner with no error and no value pending, and give it back with
 * jcur_done before the scanner reads on. */
typedef struct jcur {
    const char *p, *end;
    int first;
} jcur;

static inline jcur jcur_of(const jscan *s)
{
    jcur c = {s->p, s->end, s->first};
    return c;
}

static inline void jcur_done(const jcur *c, jscan *s)
{
    s->p = c->p;
    s->first = c->first;
}

/* jscan_expect on a cursor, for string and scalar values: 1 with *val set
 * when the next member is exactly "lit":value and the value is a string
 * or scalar that jscan_next would read the same; 0 having consumed
 * nothing otherwise (an object or array value too). */
#define jcur_expect(c, lit, val) jcur_expect_n((c), ",\"" lit "\":", sizeof(lit) + 3, (val))
static inline __attribute__((always_inline)) int jcur_expect_n(jcur *c, const char *lit, size_t litn, jtok *val)
{
    const char *p = c->p;
    if ((size_t)(c->end - p) <= litn) return 0;
    if (c->first) {
        if (memcmp(p, lit + 1, litn - 1) != 0) return 0;
        p += litn - 1;
    } else {
        if (memcmp(p, lit, litn) != 0) return 0;
        p += litn;
    }
    const char *q = jscan_scalar_at(p, c->end, val);
    if (!q) return 0;
    c->p = q;
    c->first = 0;
    return 1;
}

/* Key equality without unescaping (keys with escapes never match). */
static inline int jkey_is(const jtok *k, const char *lit, size_t litn)
{
    return k->n == litn && memcmp(k->s, lit, litn) == 0;
}
#define JKEY(k, lit) jkey_is((k), lit, sizeof(lit) - 1)

/* String value as a soc_str. Escaped strings are unescaped into scratch,
 * which must have been reserved for the whole line beforehand (the result
 * is never longer than the source, so no reallocation moves earlier views). */
soc_str jtok_str_general(const jtok *t, kn_buf *scratch);
/* Inline for the common case, a string without escapes: a view of the
 * text (ten calls a line were 1.4% of EVE instructions, callgrind). */
static inline soc_str jtok_str(const jtok *t, kn_buf *scratch)
{
    if (t->type == JT_STR && !t->esc) {
        soc_str r = {t->s, t->n};
        return r;
    }
    return jtok_str_general(t, scratch);
}
/* Integer value (also accepts a quoted integer); dflt when absent/invalid.
 * Plain unsigned numbers of up to 18 digits (ports, counts, ids) are read
 * inline; the rest goes to jtok_int_general. */
int64_t jtok_int_general(const jtok *t, int64_t dflt);
static inline int64_t jtok_int(const jtok *t, int64_t dflt)
{
    if (t->type == JT_NUM && t->n && t->n <= 18) {
        int64_t v = 0;
        size_t i = 0;
        for (; i < t->n; i++) {
            unsigned d = (unsigned)((unsigned char)t->s[i] - '0');
            if (d > 9) break;
            v = v * 10 + d;
        }
        if (i == t->n) return v;
    }
    return jtok_int_general(t, dflt);
}
double jtok_double(const jtok *t, double dflt);
/* Array of strings joined with ',' (a lone string passes through). */
soc_str jtok_join(const jtok *t, kn_buf *scratch);

/* ---- soc_str helpers ---------------------------------------------------------- */

static inline soc_str soc_s(const char *p, size_t n) { soc_str r = {p, n}; return r; }
static inline soc_str soc_cs(const char *p) { soc_str r = {p, p ? strlen(p) : 0}; return r; }
/* exact; inline so strlen of a literal folds to a constant */
static inline int soc_str_eq(soc_str a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n == n && memcmp(a.p, lit, n) == 0;
}
int soc_str_ieq_n(soc_str a, const char *lit, size_t n);
/* ASCII case-insensitive */
static inline int soc_str_ieq(soc_str a, const char *lit)
{
    size_t n = strlen(lit);
    return a.n == n && soc_str_ieq_n(a, lit, n);
}
int soc_str_istarts(soc_str a, const char *lit);
/* Case-insensitive (ASCII) substring search; pointer to the match or NULL.
 * The inline wrapper lets the needle's length fold to a constant: the
 * detectors ask with literals on every event (callgrind: strlen and
 * tolower calls were half of the search). */
const char *soc_str_icontains_n(soc_str hay, const char *needle, size_t n);
static inline const char *soc_str_icontains(soc_str hay, const char *needle)
{
    if (hay.n == 0) return needle[0] ? NULL : hay.p;
    return soc_str_icontains_n(hay, needle, strlen(needle));
}
/* Parses a decimal integer; -1 when absent or invalid. Inline: Zeek rows
 * read six counts each (a call per count was 5% of conn.log, callgrind). */
static inline int64_t soc_str_int(soc_str s)
{
    if (s.n == 0 || s.n > 18) return -1;
    int64_t v = 0;
    for (size_t i = 0; i < s.n; i++) {
        unsigned d = (unsigned)((unsigned char)s.p[i] - '0');
        if (d > 9) return -1;
        v = v * 10 + d;
    }
    return v;
}
/* Parses an IP address; 0 on success. */
int soc_str_ip(soc_str s, kn_ip *ip);
/* Tests: 1 makes soc_str_ip use its scalar dotted-quad form even where the
 * SSSE3 one could run; 0 restores the choice by CPU. */
void soc_ipv4_force_scalar(int on);
/* Is this host text a bare IPv4/IPv6 literal (optionally with :port)?
 * soc_host_is_ip_rest is its part past the first and last byte. */
int soc_host_is_ip_rest(soc_str host);
static inline int soc_hex_or(unsigned char c, char a, char b)
{
    return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') || c == (unsigned char)a || c == (unsigned char)b;
}
static inline int soc_host_is_ip(soc_str host)
{
    /* asked for every HTTP event's Host: a name that cannot start or end
     * an address (one with or without a port ends in a hex digit, ':' or
     * ']') leaves here without a call (names such as api.example.org went
     * through the address parser and a search for ':' on every event:
     * 2.5% of http.log, perf) */
    if (host.n == 0 || !soc_hex_or((unsigned char)host.p[0], ':', '[') ||
        !soc_hex_or((unsigned char)host.p[host.n - 1], ':', ']'))
        return 0;
    return soc_host_is_ip_rest(host);
}

/* Value of a hex digit, -1 for any other byte (JSON \u escapes, URL %xx). */
static inline int soc_hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decoding ('+' as space when plus_space) into out (appended). */
void soc_url_decode(kn_buf *out, const char *s, size_t n, int plus_space);

/* The flow fields a log's connection event gives (start and end are the
 * caller's): addresses, ports, protocol, both directions' packets and
 * bytes, unsampled, and where it came from. */
static inline void soc_flow_from_conn(soc_flow *fl, const soc_event *ev, const char *file, uint64_t line)
{
    fl->src = ev->src;
    fl->dst = ev->dst;
    fl->sport = ev->sport;
    fl->dport = ev->dport;
    fl->proto = ev->proto;
    fl->ip_version = ev->src.family;
    fl->packets = ev->conn.orig_pkts + ev->conn.resp_pkts;
    fl->bytes = ev->conn.orig_bytes + ev->conn.resp_bytes;
    fl->sampling = 1;
    fl->file = file;
    fl->offset = line;
}

/* Zeroes an event and sets the "unknown" defaults documented in event.h. */
void soc_event_init(soc_event *ev, soc_event_kind kind, const char *source, const char *file, uint64_t line);

/* Is ip internal (home net, or RFC 1918 etc. when no --home-net)? */
static inline int soc_is_internal(const soc_ctx *ctx, const kn_ip *ip)
{
    /* inline: asked about both ends of every HTTP event by two detectors */
    if (ip->family == 0) return 0;
    if (ctx->opt.home_net) {
        int64_t v;
        return kn_cidrset_lookup(ctx->opt.home_net, ip, &v, NULL);
    }
    return kn_ip_is_private(ip);
}

/* Counted warning for a bad line: "FILE: offset N: line L: what". */
void soc_bad_line(soc_ctx *ctx, const char *file, uint64_t offset, uint64_t line, const char *what);

/* sessions.c: when set, called with every event the sessions analyzer
 * derives from packets (test and debugging tap; NULL in kensa). */
extern void (*soc_sessions_tap)(const soc_event *ev);

#endif
