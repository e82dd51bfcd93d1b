#include "test.h"
#include "core/time.h"

static void parse_forms(void)
{
    kn_time t;
    /* 2019-03-15T15:10:45Z = 1552662645 (date -u -d @1552662645) */
    CHECK(kn_time_parse(&t, "2019-03-15T15:10:45Z", -1) == 0);
    CHECK(t == 1552662645LL * KN_NS_PER_SEC);
    CHECK(kn_time_parse(&t, "2019-03-15T15:10:45.123456Z", -1) == 0);
    CHECK(t == 1552662645LL * KN_NS_PER_SEC + 123456000);
    CHECK(kn_time_parse(&t, "2018-03-23T11:51:47.000000-0600", -1) == 0);   /* Suricata */
    CHECK(t == 1521827507LL * KN_NS_PER_SEC);
    CHECK(kn_time_parse(&t, "2018-03-23T11:51:47+05:30", -1) == 0);
    CHECK(t == (1521805907LL - 5 * 3600 - 1800) * KN_NS_PER_SEC);
    CHECK(kn_time_parse(&t, "2019-01-02T03:50:09.123", -1) == 0);          /* no offset: UTC */
    CHECK(t == 1546401009LL * KN_NS_PER_SEC + 123000000);
    CHECK(kn_time_parse(&t, "2019-01-02 03:50:09", -1) == 0);
    CHECK(kn_time_parse(&t, "1521911720.600000", -1) == 0);                 /* Zeek ts */
    CHECK(t == 1521911720LL * KN_NS_PER_SEC + 600000000);
    CHECK(kn_time_parse(&t, "2019-13-01T00:00:00Z", -1) != 0);
    CHECK(kn_time_parse(&t, "2019-03-15T15:10:45X", -1) != 0);
    CHECK(kn_time_parse(&t, "2019-03-15T15:10", -1) != 0);
    CHECK(kn_time_parse(&t, "", -1) != 0);
    CHECK(kn_time_parse(&t, "1999-12-31T23:59:59Z", -1) == 0);
    CHECK(t == 946684799LL * KN_NS_PER_SEC);
}

static void format_round_trip(void)
{
    char b[KN_TIME_STRLEN];
    CHECK_EQ_STR(kn_time_format(1552662645LL * KN_NS_PER_SEC + 123456789, 6, b), "2019-03-15T15:10:45.123456Z");
    CHECK_EQ_STR(kn_time_format(0, 0, b), "1970-01-01T00:00:00Z");
    CHECK_EQ_STR(kn_time_format(951782400LL * KN_NS_PER_SEC, 3, b), "2000-02-29T00:00:00.000Z");
    CHECK_EQ_STR(kn_time_format(-1, 9, b), "1969-12-31T23:59:59.999999999Z");
    CHECK_EQ_STR(kn_time_format_date(1552662645LL * KN_NS_PER_SEC, b), "2019-03-15");
    /* every day over 60 years round-trips */
    int bad = 0;
    for (int64_t d = -3650; d < 20000; d += 7) {
        kn_time t = d * 86400 * KN_NS_PER_SEC + 3723 * KN_NS_PER_SEC, u;
        kn_time_format(t, 0, b);
        if (kn_time_parse(&u, b, -1) != 0 || u != t) bad++;
    }
    CHECK_EQ_INT(bad, 0);
}

TEST_MAIN(parse_forms, format_round_trip)
