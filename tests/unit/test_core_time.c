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

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13; rng_state ^= rng_state >> 7; rng_state ^= rng_state << 17;
    return rng_state;
}

/* One generated timestamp text: mostly well-formed RFC 3339 or epoch in
 * the layouts logs write, with every variation the parsers treat
 * differently (fraction digits 0-12, each offset form, lower case, space,
 * leap days and impossible dates, years outside kn_time's range, leading
 * zeros), then sometimes one byte replaced or the text cut short. */
static size_t gen_time(char *b, size_t cap)
{
    static const char junk[] = "0123456789-+:.TZtz aX\x7f";
    size_t n;
    if (rnd() % 3) {
        unsigned y = rnd() % 8 ? 1970 + (unsigned)(rnd() % 80) : (unsigned)(rnd() % 10000);
        unsigned mo = rnd() % 16 ? 1 + (unsigned)(rnd() % 12) : (unsigned)(rnd() % 100);
        unsigned d = rnd() % 8 ? 1 + (unsigned)(rnd() % 28) : (rnd() % 2 ? 29 : (unsigned)(rnd() % 100));
        unsigned h = (unsigned)(rnd() % (rnd() % 8 ? 24 : 100)), mi = (unsigned)(rnd() % (rnd() % 8 ? 60 : 100));
        unsigned se = (unsigned)(rnd() % (rnd() % 8 ? 61 : 100));
        char sep = rnd() % 10 ? 'T' : (rnd() % 2 ? 't' : ' ');
        n = (size_t)snprintf(b, cap, "%04u-%02u-%02u%c%02u:%02u:%02u", y, mo, d, sep, h, mi, se);
        unsigned fd = (unsigned)(rnd() % 13);
        if (rnd() % 4) {
            b[n++] = rnd() % 10 ? '.' : ',';
            for (unsigned i = 0; i < fd; i++) b[n++] = (char)('0' + rnd() % 10);
        }
        switch (rnd() % 6) {
        case 0: break;
        case 1: b[n++] = rnd() % 8 ? 'Z' : 'z'; break;
        case 2: case 3:
            n += (size_t)snprintf(b + n, cap - n, "%c%02u%02u", rnd() % 2 ? '+' : '-',
                                  (unsigned)(rnd() % (rnd() % 4 ? 15 : 30)), (unsigned)(rnd() % (rnd() % 4 ? 60 : 99)));
            break;
        default:
            n += (size_t)snprintf(b + n, cap - n, "%c%02u:%02u", rnd() % 2 ? '+' : '-',
                                  (unsigned)(rnd() % (rnd() % 4 ? 15 : 30)), (unsigned)(rnd() % (rnd() % 4 ? 60 : 99)));
            break;
        }
    } else {
        unsigned lead = rnd() % 10 ? 0 : (unsigned)(rnd() % 12);
        n = 0;
        for (unsigned i = 0; i < lead; i++) b[n++] = '0';
        unsigned id = 1 + (unsigned)(rnd() % 12);
        for (unsigned i = 0; i < id; i++) b[n++] = (char)('0' + (i == 0 && id == 10 ? rnd() % 10 : rnd() % 10));
        if (rnd() % 5) {
            b[n++] = '.';
            unsigned fd = (unsigned)(rnd() % 13);
            for (unsigned i = 0; i < fd; i++) b[n++] = (char)('0' + rnd() % 10);
        }
    }
    if (rnd() % 6 == 0 && n) b[rnd() % n] = junk[rnd() % (sizeof junk - 1)];
    if (rnd() % 10 == 0 && n) n = (size_t)(rnd() % n);
    b[n] = 0;
    return n;
}

/* kn_time_parse's fast paths against the general scanner: same verdict and
 * same time on a million generated texts, with runs of one date or one
 * minute (the fast path's caches) broken by others. */
static void fast_path_matches_general(void)
{
    char b[96], prev[96] = "";
    int mismatches = 0, accepted = 0;
    for (int i = 0; i < 1000000; i++) {
        size_t n;
        if (i % 3 == 1 && prev[0]) {
            /* same date (or epoch second) as before, another time */
            memcpy(b, prev, sizeof b);
            n = strlen(b);
            if (n > 18) { b[12] = (char)('0' + rnd() % 3); b[18] = (char)('0' + rnd() % 10); }
            if (n > 11 && rnd() % 2) b[n - 1] = (char)('0' + rnd() % 10);   /* same epoch second, another fraction */
        } else if (i % 3 == 2 && prev[0]) {
            /* same minute as before (the fast path's minute cache), other
             * seconds: digits, out of range, or not digits */
            memcpy(b, prev, sizeof b);
            n = strlen(b);
            static const char sec[] = "0123456789x:.";
            if (n > 18) { b[17] = sec[rnd() % 8]; b[18] = sec[rnd() % (sizeof sec - 1)]; }
        } else {
            n = gen_time(b, sizeof b - 16);
            memcpy(prev, b, sizeof b);
        }
        kn_time a = -7, g = -7;
        int ra = kn_time_parse(&a, b, (long)n), rg = kn_time_parse_general(&g, b, (long)n);
        accepted += ra == 0;
        if (ra != rg || (ra == 0 && a != g)) {
            if (mismatches++ < 5)
                fprintf(stderr, "mismatch on \"%s\": fast %d %lld, general %d %lld\n", b, ra, (long long)a, rg, (long long)g);
        }
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(accepted > 300000);   /* the generator mostly makes valid texts */
    /* the layouts themselves, by hand (date -u -d @...) */
    kn_time t;
    CHECK(kn_time_parse(&t, "2024-02-29T23:59:60.123456789+0000", -1) == 0);   /* leap day, leap second */
    CHECK(t == 1709251200LL * KN_NS_PER_SEC + 123456789);
    CHECK(kn_time_parse(&t, "2024-03-01T00:00:00.5-01:30", -1) == 0);
    CHECK(t == (1709251200LL + 5400) * KN_NS_PER_SEC + 500000000);
    CHECK(kn_time_parse(&t, "1234567890.1", -1) == 0);
    CHECK(t == 1234567890LL * KN_NS_PER_SEC + 100000000);
    CHECK(kn_time_parse(&t, "1234567890.123456789", -1) == 0);
    CHECK(t == 1234567890LL * KN_NS_PER_SEC + 123456789);
}

TEST_MAIN(parse_forms, format_round_trip, fast_path_matches_general)
