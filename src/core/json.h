/* json.h: a streaming JSON / NDJSON writer.
 *
 * The writer tracks nesting and commas itself, so callers emit keys and
 * values in order and never hand-write punctuation. Strings are arbitrary
 * bytes: valid UTF-8 passes through, control characters are escaped, and
 * each byte of invalid UTF-8 becomes \u00XX (the byte's Latin-1 reading) so
 * output is always valid JSON and no byte is silently dropped.
 *
 * Output accumulates in an internal kn_buf and goes to the FILE at each
 * kn_json_end_record (NDJSON) or kn_json_flush. With out == NULL the text
 * stays in the buffer (kn_json_text) for tests and in-memory use.
 * Invariant (asserted): keys appear only directly inside objects. */
#ifndef KENSA_CORE_JSON_H
#define KENSA_CORE_JSON_H

#include <stdint.h>
#include <stdio.h>

#include "core/buf.h"

typedef struct kn_json kn_json;

kn_json *kn_json_new(FILE *out);
void kn_json_free(kn_json *j);          /* flushes first */
int kn_json_flush(kn_json *j);          /* 0, or -1 on write error */
const char *kn_json_text(kn_json *j, size_t *len);
void kn_json_set_pretty(kn_json *j, int indent);  /* 0 = compact (default) */

void kn_json_obj_begin(kn_json *j);
void kn_json_obj_end(kn_json *j);
void kn_json_arr_begin(kn_json *j);
void kn_json_arr_end(kn_json *j);
void kn_json_key(kn_json *j, const char *key);
void kn_json_str(kn_json *j, const char *s);             /* NULL writes null */
void kn_json_strn(kn_json *j, const void *s, size_t n);
void kn_json_int(kn_json *j, int64_t v);
void kn_json_uint(kn_json *j, uint64_t v);
void kn_json_double(kn_json *j, double v);               /* NaN/Inf become null */
void kn_json_bool(kn_json *j, int v);
void kn_json_null(kn_json *j);
void kn_json_raw(kn_json *j, const char *json_text);     /* caller guarantees validity */
void kn_json_hex(kn_json *j, uint64_t v);                /* "0x..." string */
/* Ends a top-level value: writes "\n" and, with a FILE, flushes the buffer. */
void kn_json_end_record(kn_json *j);

/* Shorthands: key then value. */
void kn_json_kstr(kn_json *j, const char *k, const char *v);
void kn_json_kstrn(kn_json *j, const char *k, const void *v, size_t n);
void kn_json_kint(kn_json *j, const char *k, int64_t v);
void kn_json_kuint(kn_json *j, const char *k, uint64_t v);
void kn_json_kdouble(kn_json *j, const char *k, double v);
void kn_json_kbool(kn_json *j, const char *k, int v);
void kn_json_khex(kn_json *j, const char *k, uint64_t v);

/* Appends the JSON string literal for bytes s[0..n) (with quotes) to b. */
void kn_json_escape(kn_buf *b, const void *s, size_t n);

#endif
