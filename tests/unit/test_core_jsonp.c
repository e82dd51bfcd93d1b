#include "test.h"
#include "core/jsonp.h"

static kn_arena a;

static kn_jval *parse(const char *s, kn_status *st, size_t *off)
{
    kn_jval *v = NULL;
    *st = kn_jparse(&a, s, strlen(s), &v, off);
    return v;
}

static void values_and_lookup(void)
{
    kn_status st;
    size_t off;
    kn_jval *v = parse(" {\"event_type\":\"alert\",\"src_port\":51234,\"flow\":{\"bytes\":1.5e3,"
                       "\"ok\":true},\"arr\":[1,\"two\",null],\"big\":9223372036854775807,"
                       "\"esc\":\"a\\u00e9\\ud83d\\ude00\\n\"} ", &st, &off);
    CHECK_EQ_INT(st, KN_OK);
    CHECK_EQ_STR(kn_jstr(kn_jget(v, "event_type"), NULL), "alert");
    CHECK_EQ_INT(kn_jint(kn_jget(v, "src_port"), -1), 51234);
    CHECK(kn_jnum(kn_jpath(v, "flow.bytes"), 0) == 1500.0);
    CHECK(kn_jtruthy(kn_jpath(v, "flow.ok")));
    CHECK(kn_jpath(v, "flow.missing") == NULL);
    const kn_jval *arr = kn_jget(v, "arr");
    CHECK_EQ_INT(arr->type, KN_JARR);
    CHECK_EQ_INT(arr->len, 3);
    CHECK_EQ_STR(kn_jstr(&arr->u.items[1], NULL), "two");
    CHECK_EQ_INT(arr->u.items[2].type, KN_JNULL);
    CHECK(kn_jget(v, "big")->is_int);
    CHECK(kn_jget(v, "big")->i == 9223372036854775807LL);
    CHECK_EQ_STR(kn_jstr(kn_jget(v, "esc"), NULL), "a\xc3\xa9\xf0\x9f\x98\x80\n");
    CHECK_EQ_INT(kn_jint(kn_jget(v, "event_type"), 7), 7);
}

static void errors_have_offsets(void)
{
    kn_status st;
    size_t off = 0;
    parse("{\"a\":1,}", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_FORMAT);
    CHECK_EQ_INT(off, 7);
    parse("[1,2", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_TRUNCATED);
    parse("\"abc", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_TRUNCATED);
    parse("{\"a\" 1}", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_FORMAT);
    CHECK_EQ_INT(off, 5);
    parse("[1] x", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_FORMAT);
    CHECK_EQ_INT(off, 4);
    parse("-", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_FORMAT);
    parse("\"\\x\"", &st, &off);
    CHECK_EQ_INT(st, KN_ERR_FORMAT);
}

static void depth_is_limited(void)
{
    char deep[2000];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = 0;
    kn_status st;
    size_t off;
    parse(deep, &st, &off);
    CHECK_EQ_INT(st, KN_ERR_LIMIT);
}

static void prefix_parsing_for_ndjson(void)
{
    const char *s = "{\"a\":1}\n{\"a\":2}\n";
    size_t used;
    kn_jval *v;
    CHECK(kn_jparse_prefix(&a, s, strlen(s), &v, &used, NULL) == KN_OK);
    CHECK_EQ_INT(used, 8);
    CHECK(kn_jparse_prefix(&a, s + used, strlen(s) - used, &v, &used, NULL) == KN_OK);
    CHECK_EQ_INT(kn_jint(kn_jget(v, "a"), 0), 2);
}

static void init(void) { kn_arena_init(&a, 0, 0); }
static void fini(void) { kn_arena_free(&a); }

TEST_MAIN(init, values_and_lookup, errors_have_offsets, depth_is_limited, prefix_parsing_for_ndjson, fini)
