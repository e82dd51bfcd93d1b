/* time.c: civil-date arithmetic (Howard Hinnant's days_from_civil algorithm,
 * written here from its published description) and a strict RFC 3339
 * scanner. Not strptime: it is locale-bound, has no fractional seconds and
 * no numeric offsets, and is far slower on the per-event hot path.
 *
 * kn_time_parse runs once per log event, so it first tries the two layouts
 * logs actually write (EVE "2024-01-02T03:04:05.123456+0000", Zeek
 * "1234567890.123456") with straight-line code and a one-entry cache of the
 * last date's day number, and hands anything else to the general scanner
 * kn_time_parse_general. The general parser's divide per fraction digit
 * and days_from_civil per call were 3-5% of EVE and Zeek ingest (perf);
 * the unit tests check both give the same answer on generated inputs. */
#include "core/digits.h"
#include "core/time.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int64_t kn_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

static int digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

static int parse_epoch(kn_time *t, const char *s, size_t n)
{
    int64_t sec = 0, frac = 0, scale = KN_NS_PER_SEC;
    size_t i = 0;
    if (n == 0) return -1;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
        if (sec > 900000000LL) return -1;   /* keeps sec * 1e9 inside int64 */
        sec = sec * 10 + (s[i] - '0');
    }
    if (i == 0) return -1;
    if (i < n && s[i] == '.') {
        i++;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (scale > 1) { scale /= 10; frac += (s[i] - '0') * scale; }
    }
    if (i != n) return -1;
    *t = sec * KN_NS_PER_SEC + frac;
    return 0;
}

int kn_time_parse_general(kn_time *t, const char *s, long len)
{
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    unsigned Y, M, D, h, mi, se;
    if (n < 19 || s[4] != '-') return parse_epoch(t, s, n);
    if (digits(s, 4, &Y) || s[4] != '-' || digits(s + 5, 2, &M) || s[7] != '-' ||
        digits(s + 8, 2, &D) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &se))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || se > 60) return -1;
    size_t i = 19;
    int64_t frac = 0, scale = KN_NS_PER_SEC;
    if (i < n && (s[i] == '.' || s[i] == ',')) {
        i++;
        size_t start = i;
        for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            if (scale > 1) { scale /= 10; frac += (s[i] - '0') * scale; }
        if (i == start) return -1;
    }
    int64_t off = 0;
    if (i < n) {
        if (s[i] == 'Z' || s[i] == 'z') {
            i++;
        } else if (s[i] == '+' || s[i] == '-') {
            int sign = s[i] == '-' ? -1 : 1;
            unsigned oh, om;
            i++;
            if (i + 2 > n || digits(s + i, 2, &oh)) return -1;
            i += 2;
            if (i < n && s[i] == ':') i++;
            if (i + 2 > n || digits(s + i, 2, &om)) return -1;
            i += 2;
            if (oh > 23 || om > 59) return -1;
            off = sign * (int64_t)(oh * 3600 + om * 60);
        }
    }
    if (i != n) return -1;
    int64_t days = kn_days_from_civil(Y, M, D);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - off;
    /* kn_time holds years 1678..2262; later dates would overflow the scaling */
    if (secs > INT64_MAX / KN_NS_PER_SEC - 1 || secs < INT64_MIN / KN_NS_PER_SEC + 1) return -1;
    *t = secs * KN_NS_PER_SEC + frac;
    return 0;
}

static const int64_t frac_scale[10] = {1000000000, 100000000, 10000000, 1000000, 100000,
                                       10000, 1000, 100, 10, 1};

static inline unsigned d2(const char *p) { return (unsigned)(p[0] - '0') * 10 + (unsigned)(p[1] - '0'); }
static inline int isd(char c) { return (unsigned)(c - '0') <= 9; }

/* index of the first byte of w (from the low end) that is not '0'..'9'; 8 if none */
static inline unsigned digits_in8(uint64_t w)
{
    uint64_t bad = kn_nondigits8(w);
    return bad ? (unsigned)__builtin_ctzll(bad) >> 3 : 8;
}

/* Leading digits of s[k..n), at most 8: returns how many (*v their value).
 * Reads only inside s[0..n). */
static inline unsigned lead_digits(const char *s, size_t k, size_t n, uint32_t *v)
{
    size_t avail = n - k;
    uint64_t w;
    if (avail >= 8) w = kn_load8(s + k);
    else if (n >= 8 && avail > 0) w = kn_load8(s + n - 8) >> (8 * (8 - avail));   /* bytes past n read as 0 */
    else {
        unsigned f = 0;
        uint32_t x = 0;
        while (k + f < n && isd(s[k + f])) x = x * 10 + (uint32_t)(s[k + f++] - '0');
        *v = x;
        return f;
    }
    unsigned f = digits_in8(w);
    if (f == 0) { *v = 0; return 0; }
    w = w << (8 * (8 - f));                                       /* digits to the top, zeros below */
    if (f < 8) w |= 0x3030303030303030ull >> (8 * f);
    *v = kn_value8(w);
    return f;
}

/* ".ddd" (1-9 digits) at s[*i]; 0 ok (frac set, *i moved), -1 not this layout */
static inline __attribute__((always_inline)) int fast_frac(const char *s, size_t n, size_t *i, int64_t *frac)
{
    size_t k = *i;
    if (k >= n || s[k] != '.') { *frac = 0; return 0; }
    k++;
    uint32_t v;
    unsigned f = lead_digits(s, k, n, &v);
    uint64_t x = v;
    if (f == 8 && k + 8 < n && isd(s[k + 8])) { x = x * 10 + (uint64_t)(s[k + 8] - '0'); f = 9; }
    if (f == 0 || (k + f < n && isd(s[k + f]))) return -1;   /* none, or more than 9: general path */
    *frac = (int64_t)x * frac_scale[f];
    *i = k + f;
    return 0;
}

/* One cached date per thread: a log's timestamps share the day. */
static __thread char cached_date[10];
static __thread int64_t cached_days;
static __thread int cached_valid;
/* and the last "YYYY-MM-DDTHH:MM" with its seconds since the epoch: EVE
 * stamps of one minute share it, and the date and time fields' checks and
 * arithmetic were half of an EVE stamp's parse (11.5 ns; measured on 1 M
 * EVE stamps) */
static __thread char cached_minute[16];
static __thread int64_t cached_minute_secs;
static __thread int cached_minute_valid;
/* and the last ten-digit epoch second */
static __thread char cached_epoch[10];
static __thread int64_t cached_sec;
static __thread int cached_epoch_valid;

int kn_time_parse(kn_time *t, const char *s, long len)
{
    size_t n = len < 0 ? strlen(s) : (size_t)len;
    if (n >= 20 && s[4] == '-' && s[7] == '-' && s[10] == 'T' && s[13] == ':' && s[16] == ':') {
        int64_t base;     /* seconds of the stamp's minute */
        unsigned se;
        if (cached_minute_valid && memcmp(s, cached_minute, 16) == 0) {
            if (!isd(s[17]) || !isd(s[18])) return kn_time_parse_general(t, s, (long)n);
            se = d2(s + 17);
            if (se > 60) return -1;
            base = cached_minute_secs;
            goto seconds_known;
        }
        int64_t days;
        if (cached_valid && memcmp(s, cached_date, 10) == 0) {
            days = cached_days;
        } else {
            if (!isd(s[0]) || !isd(s[1]) || !isd(s[2]) || !isd(s[3]) || !isd(s[5]) || !isd(s[6]) || !isd(s[8]) ||
                !isd(s[9]))
                return kn_time_parse_general(t, s, (long)n);
            unsigned Y = d2(s) * 100 + d2(s + 2), M = d2(s + 5), D = d2(s + 8);
            if (M < 1 || M > 12 || D < 1 || D > 31) return -1;
            days = kn_days_from_civil(Y, M, D);
            memcpy(cached_date, s, 10);
            cached_days = days;
            cached_valid = 1;
        }
        if (!isd(s[11]) || !isd(s[12]) || !isd(s[14]) || !isd(s[15]) || !isd(s[17]) || !isd(s[18]))
            return kn_time_parse_general(t, s, (long)n);
        unsigned h = d2(s + 11), mi = d2(s + 14);
        se = d2(s + 17);
        if (h > 23 || mi > 59 || se > 60) return -1;
        base = days * 86400 + (int64_t)(h * 3600 + mi * 60);
        memcpy(cached_minute, s, 16);
        cached_minute_secs = base;
        cached_minute_valid = 1;
    seconds_known:;
        size_t i = 19;
        int64_t frac;
        if (fast_frac(s, n, &i, &frac) < 0) return kn_time_parse_general(t, s, (long)n);
        int64_t off = 0;
        if (i < n) {
            if (s[i] == 'Z' && i + 1 == n) {
                i++;
            } else if ((s[i] == '+' || s[i] == '-') && (i + 5 == n || i + 6 == n)) {
                const char *o = s + i + 1;
                if (i + 6 == n) {              /* +hh:mm */
                    if (o[2] != ':') return kn_time_parse_general(t, s, (long)n);
                    if (!isd(o[0]) || !isd(o[1]) || !isd(o[3]) || !isd(o[4])) return -1;
                    off = (int64_t)d2(o) * 3600 + (int64_t)d2(o + 3) * 60;
                    if (d2(o) > 23 || d2(o + 3) > 59) return -1;
                } else {                       /* +hhmm */
                    if (!isd(o[0]) || !isd(o[1]) || !isd(o[2]) || !isd(o[3])) return -1;
                    off = (int64_t)d2(o) * 3600 + (int64_t)d2(o + 2) * 60;
                    if (d2(o) > 23 || d2(o + 2) > 59) return -1;
                }
                if (s[i] == '-') off = -off;
                i = n;
            } else {
                return kn_time_parse_general(t, s, (long)n);
            }
        }
        int64_t secs = base + (int64_t)se - off;
        if (secs > INT64_MAX / KN_NS_PER_SEC - 1 || secs < INT64_MIN / KN_NS_PER_SEC + 1) return -1;
        *t = secs * KN_NS_PER_SEC + frac;
        return 0;
    }
    if (n >= 1 && n < 19 + 1 + 9 && isd(s[0])) {
        /* epoch seconds: at most 10 integer digits keeps sec * 1e9 in range
         * (the general parser's bound), more goes the general way */
        size_t i;
        int64_t sec;
        if (n > 10 && s[10] == '.' && cached_epoch_valid && memcmp(s, cached_epoch, 10) == 0) {
            /* consecutive Zeek rows mostly share the second */
            sec = cached_sec;
            i = 10;
        } else {
            uint32_t v8;
            i = lead_digits(s, 0, n, &v8);
            sec = v8;
            for (; i < n && i < 10 && isd(s[i]); i++) sec = sec * 10 + (s[i] - '0');
            if (i < n && isd(s[i])) return kn_time_parse_general(t, s, (long)n);
            if (i == 10 && sec <= 9000000000LL) {
                memcpy(cached_epoch, s, 10);
                cached_sec = sec;
                cached_epoch_valid = 1;
            }
        }
        int64_t frac;
        if (fast_frac(s, n, &i, &frac) < 0 || i != n) return kn_time_parse_general(t, s, (long)n);
        if (sec > 9000000000LL) return kn_time_parse_general(t, s, (long)n);
        *t = sec * KN_NS_PER_SEC + frac;
        return 0;
    }
    return kn_time_parse_general(t, s, (long)n);
}

char *kn_time_format(kn_time t, int ndigits, char *buf)
{
    int64_t secs = t / KN_NS_PER_SEC, ns = t % KN_NS_PER_SEC;
    if (ns < 0) { ns += KN_NS_PER_SEC; secs--; }
    int64_t days = secs / 86400, rem = secs % 86400;
    if (rem < 0) { rem += 86400; days--; }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int n = snprintf(buf, KN_TIME_STRLEN, "%04lld-%02u-%02uT%02u:%02u:%02u", (long long)y, m, d,
                     (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    if (ndigits > 0) {
        if (ndigits > 9) ndigits = 9;
        char f[16];
        snprintf(f, sizeof f, "%09lld", (long long)ns);
        buf[n++] = '.';
        memcpy(buf + n, f, (size_t)ndigits);
        n += ndigits;
    }
    buf[n++] = 'Z';
    buf[n] = 0;
    return buf;
}

char *kn_time_format_date(kn_time t, char *buf)
{
    char full[KN_TIME_STRLEN];
    kn_time_format(t, 0, full);
    memcpy(buf, full, 10);
    buf[10] = 0;
    return buf;
}

kn_time kn_now_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (kn_time)ts.tv_sec * KN_NS_PER_SEC + ts.tv_nsec;
}

kn_time kn_now_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (kn_time)ts.tv_sec * KN_NS_PER_SEC + ts.tv_nsec;
}
