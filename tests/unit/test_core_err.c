#include "test.h"
#include "core/err.h"

static void format_with_file_and_offset(void)
{
    kn_err e;
    kn_status st = kn_err_set(&e, KN_ERR_TRUNCATED, "cap.pcap", 4096, "packet header needs %d bytes", 16);
    CHECK_EQ_INT(st, KN_ERR_TRUNCATED);
    char buf[256];
    kn_err_format(&e, buf, sizeof buf);
    CHECK_EQ_STR(buf, "cap.pcap: offset 4096: packet header needs 16 bytes");
    kn_err_set(&e, KN_ERR_IO, "x", KN_NO_OFFSET, "gone");
    kn_err_format(&e, buf, sizeof buf);
    CHECK_EQ_STR(buf, "x: gone");
    CHECK(kn_err_set(NULL, KN_ERR_LIMIT, NULL, 0, "ignored") == KN_ERR_LIMIT);
}

static void warnings_are_counted_beyond_shown(void)
{
    kn_warnings w;
    kn_warnings_init(&w, 2, 1);
    for (int i = 0; i < 10; i++) kn_warn(&w, "f", i, "bad %d", i);
    CHECK_EQ_INT(w.count, 10);
    CHECK_EQ_INT(w.shown, 0); /* quiet: counted only */
    kn_warnings_init(&w, 2, 0);
    for (int i = 0; i < 10; i++) kn_warn(&w, "f", i, "bad %d", i);
    CHECK_EQ_INT(w.count, 10);
    CHECK_EQ_INT(w.shown, 2);
    CHECK_EQ_STR(kn_status_name(KN_ERR_FORMAT), "bad format");
}

TEST_MAIN(format_with_file_and_offset, warnings_are_counted_beyond_shown)
