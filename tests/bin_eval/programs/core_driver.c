/* core_driver.c: main program of the "core" evaluation binary, a larger
 * real program: kensa's own portable core modules (arena, buf, err, hash,
 * json, jsonp, table, time) compiled with each corpus configuration, driven
 * here so that the linker keeps their code. Modules that need POSIX or zlib
 * (input.c, ip.c) are left out so the same set builds for mingw and i386. */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/hash.h"
#include "core/json.h"
#include "core/jsonp.h"
#include "core/table.h"
#include "core/time.h"

int main(int argc, char **argv)
{
    kn_arena arena;
    kn_arena_init(&arena, 0, 1 << 20);
    kn_buf doc = KN_BUF_INIT;
    kn_buf_printf(&doc, "{\"argc\":%d,\"name\":\"%s\",\"ts\":\"2024-02-29T12:34:56.5+01:00\","
                  "\"list\":[1,2.5,true,null,\"x\\u00e9\"],\"obj\":{\"a\":{\"b\":%d}}}",
                  argc, argc > 1 ? argv[1] : "none", argc * 7);
    kn_jval *root = NULL;
    size_t err_off = 0;
    if (kn_jparse(&arena, doc.data, doc.len, &root, &err_off) != KN_OK) {
        kn_errorf("doc", (int64_t)err_off, "parse failed");
        return 1;
    }
    kn_time t = 0;
    kn_time_parse(&t, kn_jstr(kn_jget(root, "ts"), ""), -1);
    char tbuf[KN_TIME_STRLEN];

    kn_htab tab;
    if (kn_htab_init(&tab, sizeof(uint64_t), sizeof(uint64_t), 16) != 0)
        return 1;
    for (uint64_t i = 0; i < (uint64_t)(argc * 100); i++) {
        uint64_t key = kn_hash_u64(i) & 0xfff;
        int created = 0;
        uint64_t *v = kn_htab_put(&tab, &key, &created);
        if (v)
            *v += i;
    }

    kn_json *j = kn_json_new(NULL);
    kn_json_obj_begin(j);
    kn_json_kint(j, "b", kn_jint(kn_jpath(root, "obj.a.b"), -1));
    kn_json_kstr(j, "time", kn_time_format(t, 3, tbuf));
    kn_json_kuint(j, "entries", tab.count);
    kn_json_khex(j, "hash", kn_hash_bytes(doc.data, doc.len, 1));
    kn_json_kdouble(j, "list1", kn_jnum(&kn_jget(root, "list")->u.items[1], 0));
    kn_json_obj_end(j);
    kn_json_end_record(j);
    size_t len = 0;
    const char *text = kn_json_text(j, &len);

    static const char *const headers[] = { "key", ">value", NULL };
    kn_table *tb = kn_table_new(headers);
    kn_table_cell(tb, "json");
    kn_table_cellf(tb, "%lu", (unsigned long)len);
    kn_table_cell(tb, "date");
    kn_table_cell(tb, kn_time_format_date(t, tbuf));
    kn_table_print(tb, stdout);
    fputs(text, stdout);

    kn_warnings w;
    kn_warnings_init(&w, 1, argc > 5);
    kn_warn(&w, "doc", 3, "demo warning %d", argc);
    kn_warnings_summary(&w, "demo");

    kn_table_free(tb);
    kn_json_free(j);
    kn_htab_free(&tab);
    kn_buf_free(&doc);
    kn_arena_free(&arena);
    return 0;
}
