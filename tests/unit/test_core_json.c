#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "test.h"
#include "core/json.h"
#include "core/jsonp.h"

static void nested_records(void)
{
    kn_json *j = kn_json_new(NULL);
    kn_json_obj_begin(j);
    kn_json_kstr(j, "a", "x");
    kn_json_key(j, "list");
    kn_json_arr_begin(j);
    kn_json_int(j, -3);
    kn_json_uint(j, 18446744073709551615ULL);
    kn_json_bool(j, 1);
    kn_json_null(j);
    kn_json_obj_begin(j);
    kn_json_obj_end(j);
    kn_json_arr_end(j);
    kn_json_kdouble(j, "d", 0.5);
    kn_json_khex(j, "h", 0x1000);
    kn_json_obj_end(j);
    kn_json_end_record(j);
    CHECK_EQ_STR(kn_json_text(j, NULL),
                 "{\"a\":\"x\",\"list\":[-3,18446744073709551615,true,null,{}],\"d\":0.5,\"h\":\"0x1000\"}\n");
    kn_json_free(j);
}

static void escaping_of_arbitrary_bytes(void)
{
    kn_buf b = KN_BUF_INIT;
    /* quote, backslash, control, valid 2- and 3-byte UTF-8, invalid byte, NUL */
    const char in[] = "q\"b\\c\x01\n\xc3\xa9\xe2\x82\xac\xff\x00z";
    kn_json_escape(&b, in, sizeof in - 1);
    CHECK_EQ_STR(b.data, "\"q\\\"b\\\\c\\u0001\\n\xc3\xa9\xe2\x82\xac\\u00ff\\u0000z\"");
    /* overlong encoding and lone surrogate are invalid UTF-8 */
    kn_buf_reset(&b);
    kn_json_escape(&b, "\xc0\xaf\xed\xa0\x80", 5);
    CHECK_EQ_STR(b.data, "\"\\u00c0\\u00af\\u00ed\\u00a0\\u0080\"");
    /* truncated sequence at end */
    kn_buf_reset(&b);
    kn_json_escape(&b, "a\xe2\x82", 3);
    CHECK_EQ_STR(b.data, "\"a\\u00e2\\u0082\"");
    kn_buf_free(&b);
}

static void escaped_output_parses_back(void)
{
    /* round trip every byte value through writer and parser */
    unsigned char all[256];
    for (int i = 0; i < 256; i++) all[i] = (unsigned char)i;
    kn_json *j = kn_json_new(NULL);
    kn_json_strn(j, all, 128); /* ASCII range round-trips byte for byte */
    size_t n;
    const char *t = kn_json_text(j, &n);
    kn_arena a;
    kn_arena_init(&a, 0, 0);
    kn_jval *v;
    CHECK(kn_jparse(&a, t, n, &v, NULL) == KN_OK);
    CHECK_EQ_INT(v->type, KN_JSTR);
    CHECK_EQ_INT(v->len, 128);
    CHECK(memcmp(v->u.str, all, 128) == 0);
    kn_arena_free(&a);
    kn_json_free(j);
}

static void pretty_printing(void)
{
    kn_json *j = kn_json_new(NULL);
    kn_json_set_pretty(j, 2);
    kn_json_obj_begin(j);
    kn_json_kint(j, "n", 1);
    kn_json_obj_end(j);
    CHECK_EQ_STR(kn_json_text(j, NULL), "{\n  \"n\": 1\n}");
    kn_json_free(j);
}

/* Numbers are formatted without printf; printf is the oracle, over edge
 * values and a pseudo-random spread of magnitudes. */
static void numbers_match_printf(void)
{
    static const int64_t edge[] = {0, 1, -1, 9, 10, -10, 99, 100, INT64_MAX, INT64_MIN, INT64_MIN + 1, 4294967295LL, -4294967296LL};
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < 20000; i++) {
        int64_t v;
        if (i < sizeof edge / sizeof edge[0]) v = edge[i];
        else {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            v = (int64_t)(x >> (x % 64));   /* every magnitude, both signs */
        }
        char want[80];
        kn_json *j = kn_json_new(NULL);
        kn_json_arr_begin(j);
        kn_json_int(j, v);
        kn_json_uint(j, (uint64_t)v);
        kn_json_hex(j, (uint64_t)v);
        kn_json_arr_end(j);
        snprintf(want, sizeof want, "[%" PRId64 ",%" PRIu64 ",\"0x%" PRIx64 "\"]", v, (uint64_t)v, (uint64_t)v);
        const char *got = kn_json_text(j, NULL);
        if (strcmp(got, want)) { CHECK_EQ_STR(got, want); kn_json_free(j); break; }
        kn_json_free(j);
    }
}

TEST_MAIN(nested_records, escaping_of_arbitrary_bytes, escaped_output_parses_back, pretty_printing, numbers_match_printf)
