/* jsonp.h: a JSON parser that builds a read-only tree in an arena.
 *
 * Used for configuration, Volatility ISF symbol files, honeypot and EVE
 * events, and tests. Arrays and objects store their children contiguously,
 * so lookups are a linear scan over a small array (cache friendly for the
 * 10-40 keys of a log event). Strings are unescaped and NUL-terminated
 * (embedded NULs kept: use len). Integers that fit in int64 are exact in
 * `i` as well as `num`.
 *
 * Limits: nesting depth 256; total size bounded by the arena's limit. Errors
 * report the byte offset of the problem. */
#ifndef KENSA_CORE_JSONP_H
#define KENSA_CORE_JSONP_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"

typedef enum kn_jtype {
    KN_JNULL = 0, KN_JFALSE, KN_JTRUE, KN_JNUM, KN_JSTR, KN_JARR, KN_JOBJ
} kn_jtype;

typedef struct kn_jmember kn_jmember;

typedef struct kn_jval {
    kn_jtype type;
    uint8_t is_int;          /* KN_JNUM: i holds the exact value */
    uint32_t len;            /* string bytes, array items or object members */
    union {
        const char *str;
        struct kn_jval *items;
        kn_jmember *members;
    } u;
    double num;
    int64_t i;
} kn_jval;

struct kn_jmember {
    const char *key;
    uint32_t key_len;
    kn_jval val;
};

/* Parses exactly one JSON value (surrounding whitespace allowed). On error
 * returns KN_ERR_FORMAT (or KN_ERR_NOMEM/KN_ERR_LIMIT) with *err_offset at
 * the offending byte. */
kn_status kn_jparse(kn_arena *a, const char *text, size_t n, kn_jval **out, size_t *err_offset);
/* Parses the first value at text and reports how many bytes it used, for
 * concatenated or NDJSON input. */
kn_status kn_jparse_prefix(kn_arena *a, const char *text, size_t n, kn_jval **out,
                           size_t *used, size_t *err_offset);

/* Member of an object by key, or NULL (also when obj is not an object). */
const kn_jval *kn_jget(const kn_jval *obj, const char *key);
/* Dotted path through objects: "http.hostname". NULL if any step is absent. */
const kn_jval *kn_jpath(const kn_jval *v, const char *path);
/* Typed reads with defaults for absent or mistyped values. */
const char *kn_jstr(const kn_jval *v, const char *dflt);
int64_t kn_jint(const kn_jval *v, int64_t dflt);   /* also accepts "123" strings */
double kn_jnum(const kn_jval *v, double dflt);
int kn_jtruthy(const kn_jval *v);

#endif
