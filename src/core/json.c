/* json.c: the writer in json.h. Nesting is a small fixed stack: kensa's
 * records are shallow, and a fixed depth turns a runaway caller into an
 * assertion instead of unbounded memory. */
#include "core/json.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

struct kn_json {
    FILE *out;
    kn_buf buf;
    int depth;
    int indent;
    unsigned char is_obj[MAX_DEPTH];
    unsigned char count_nonzero[MAX_DEPTH];
    int after_key;
    int write_error;
};

kn_json *kn_json_new(FILE *out)
{
    kn_json *j = calloc(1, sizeof *j);
    if (!j) abort();
    j->out = out;
    return j;
}

int kn_json_flush(kn_json *j)
{
    if (!j->out || j->buf.len == 0) return j->write_error ? -1 : 0;
    if (fwrite(j->buf.data, 1, j->buf.len, j->out) != j->buf.len) j->write_error = 1;
    kn_buf_reset(&j->buf);
    return j->write_error ? -1 : 0;
}

void kn_json_free(kn_json *j)
{
    if (!j) return;
    kn_json_flush(j);
    kn_buf_free(&j->buf);
    free(j);
}

const char *kn_json_text(kn_json *j, size_t *len)
{
    if (len) *len = j->buf.len;
    return j->buf.data ? j->buf.data : "";
}

void kn_json_set_pretty(kn_json *j, int indent) { j->indent = indent; }

static void newline_indent(kn_json *j)
{
    if (!j->indent) return;
    kn_buf_putc(&j->buf, '\n');
    for (int i = 0; i < j->depth * j->indent; i++) kn_buf_putc(&j->buf, ' ');
}

/* Called before any value: emits the separating comma inside arrays. */
static void before_value(kn_json *j)
{
    if (j->after_key) { j->after_key = 0; return; }
    if (j->depth > 0) {
        assert(!j->is_obj[j->depth - 1] && "value inside object needs a key");
        if (j->count_nonzero[j->depth - 1]) kn_buf_putc(&j->buf, ',');
        j->count_nonzero[j->depth - 1] = 1;
        newline_indent(j);
    }
}

static void open(kn_json *j, char c, int is_obj)
{
    before_value(j);
    assert(j->depth < MAX_DEPTH);
    kn_buf_putc(&j->buf, c);
    j->is_obj[j->depth] = (unsigned char)is_obj;
    j->count_nonzero[j->depth] = 0;
    j->depth++;
}

static void close_(kn_json *j, char c)
{
    assert(j->depth > 0);
    j->depth--;
    if (j->count_nonzero[j->depth]) newline_indent(j);
    kn_buf_putc(&j->buf, c);
}

void kn_json_obj_begin(kn_json *j) { open(j, '{', 1); }
void kn_json_obj_end(kn_json *j) { assert(j->is_obj[j->depth - 1]); close_(j, '}'); }
void kn_json_arr_begin(kn_json *j) { open(j, '[', 0); }
void kn_json_arr_end(kn_json *j) { assert(!j->is_obj[j->depth - 1]); close_(j, ']'); }

void kn_json_key(kn_json *j, const char *key)
{
    assert(j->depth > 0 && j->is_obj[j->depth - 1] && !j->after_key);
    if (j->count_nonzero[j->depth - 1]) kn_buf_putc(&j->buf, ',');
    j->count_nonzero[j->depth - 1] = 1;
    newline_indent(j);
    kn_json_escape(&j->buf, key, strlen(key));
    kn_buf_putc(&j->buf, ':');
    if (j->indent) kn_buf_putc(&j->buf, ' ');
    j->after_key = 1;
}

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; }
    else return 0;
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void kn_json_escape(kn_buf *b, const void *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = s;
    kn_buf_reserve(b, n + 2);
    kn_buf_putc(b, '"');
    size_t run = 0;  /* start of a run of bytes that need no escaping */
    for (size_t i = 0; i < n;) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') { i++; continue; }
        if (c >= 0x80) {
            size_t l = utf8_len(p + i, n - i);
            if (l) { i += l; continue; }
        }
        kn_buf_append(b, p + run, i - run);
        char esc[7];
        switch (c) {
        case '"': kn_buf_append(b, "\\\"", 2); break;
        case '\\': kn_buf_append(b, "\\\\", 2); break;
        case '\n': kn_buf_append(b, "\\n", 2); break;
        case '\r': kn_buf_append(b, "\\r", 2); break;
        case '\t': kn_buf_append(b, "\\t", 2); break;
        case '\b': kn_buf_append(b, "\\b", 2); break;
        case '\f': kn_buf_append(b, "\\f", 2); break;
        default:
            esc[0] = '\\'; esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
            esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
            kn_buf_append(b, esc, 6);
        }
        i++;
        run = i;
    }
    kn_buf_append(b, p + run, n - run);
    kn_buf_putc(b, '"');
}

void kn_json_strn(kn_json *j, const void *s, size_t n)
{
    before_value(j);
    kn_json_escape(&j->buf, s, n);
}

void kn_json_str(kn_json *j, const char *s)
{
    if (!s) { kn_json_null(j); return; }
    kn_json_strn(j, s, strlen(s));
}

/* Numbers are formatted here rather than with printf: the vsnprintf path
 * cost ~1,000 instructions per number, 16% of `bin funcs --json` (perf),
 * and every engine's NDJSON is mostly numbers. Checked against printf in
 * tests/unit/test_core_json.c. */
static void put_dec(kn_buf *b, uint64_t v, int neg)
{
    char t[24];
    size_t i = sizeof t;
    do { t[--i] = (char)('0' + v % 10); v /= 10; } while (v);
    if (neg) t[--i] = '-';
    kn_buf_append(b, t + i, sizeof t - i);
}

void kn_json_int(kn_json *j, int64_t v)
{
    before_value(j);
    put_dec(&j->buf, v < 0 ? 0 - (uint64_t)v : (uint64_t)v, v < 0);
}
void kn_json_uint(kn_json *j, uint64_t v) { before_value(j); put_dec(&j->buf, v, 0); }
void kn_json_hex(kn_json *j, uint64_t v)
{
    static const char digits[] = "0123456789abcdef";
    char t[20];
    size_t i = sizeof t;
    before_value(j);
    t[--i] = '"';
    do { t[--i] = digits[v & 15]; v >>= 4; } while (v);
    t[--i] = 'x';
    t[--i] = '0';
    t[--i] = '"';
    kn_buf_append(&j->buf, t + i, sizeof t - i);
}

void kn_json_double(kn_json *j, double v)
{
    before_value(j);
    if (!isfinite(v)) { kn_buf_puts(&j->buf, "null"); return; }
    if (fabs(v) < 1e15 && v == (double)(int64_t)v) kn_buf_printf(&j->buf, "%" PRId64, (int64_t)v);
    else kn_buf_printf(&j->buf, "%.17g", v);
}

void kn_json_bool(kn_json *j, int v) { before_value(j); kn_buf_puts(&j->buf, v ? "true" : "false"); }
void kn_json_null(kn_json *j) { before_value(j); kn_buf_puts(&j->buf, "null"); }
void kn_json_raw(kn_json *j, const char *t) { before_value(j); kn_buf_puts(&j->buf, t); }

void kn_json_end_record(kn_json *j)
{
    assert(j->depth == 0);
    kn_buf_putc(&j->buf, '\n');
    if (j->out) kn_json_flush(j);
}

void kn_json_kstr(kn_json *j, const char *k, const char *v) { kn_json_key(j, k); kn_json_str(j, v); }
void kn_json_kstrn(kn_json *j, const char *k, const void *v, size_t n) { kn_json_key(j, k); kn_json_strn(j, v, n); }
void kn_json_kint(kn_json *j, const char *k, int64_t v) { kn_json_key(j, k); kn_json_int(j, v); }
void kn_json_kuint(kn_json *j, const char *k, uint64_t v) { kn_json_key(j, k); kn_json_uint(j, v); }
void kn_json_kdouble(kn_json *j, const char *k, double v) { kn_json_key(j, k); kn_json_double(j, v); }
void kn_json_kbool(kn_json *j, const char *k, int v) { kn_json_key(j, k); kn_json_bool(j, v); }
void kn_json_khex(kn_json *j, const char *k, uint64_t v) { kn_json_key(j, k); kn_json_hex(j, v); }
