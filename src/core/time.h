/* time.h: timestamps as signed nanoseconds since the Unix epoch (UTC), and
 * RFC 3339 parsing and formatting. One integer type for all time keeps
 * merging of inputs by time (pcap, flows, EVE, Zeek, access logs) a compare. */
#ifndef KENSA_CORE_TIME_H
#define KENSA_CORE_TIME_H

#include <stddef.h>
#include <stdint.h>

typedef int64_t kn_time;   /* ns since 1970-01-01T00:00:00Z */

#define KN_NS_PER_SEC 1000000000LL
#define KN_TIME_STRLEN 40

/* Days since epoch for a proleptic Gregorian date (no range checks). */
int64_t kn_days_from_civil(int64_t y, unsigned m, unsigned d);
/* Parses RFC 3339 / ISO 8601 date-time: "2019-03-15T15:10:45.123456Z",
 * "+hh:mm"/"+hhmm" offsets, a space instead of T, and no offset (read as
 * UTC, as Suricata samples without offset require). Also accepts a bare
 * epoch "1521911720.123456" (Zeek ts). Returns 0 or -1. len -1 = strlen. */
int kn_time_parse(kn_time *t, const char *s, long len);
/* The general scanner behind kn_time_parse, which answers the common log
 * layouts itself and gives the same result (tests compare the two). */
int kn_time_parse_general(kn_time *t, const char *s, long len);
/* "2019-03-15T15:10:45.123456Z" with `digits` fractional digits (0..9). */
char *kn_time_format(kn_time t, int digits, char *buf);
/* "YYYY-MM-DD" of t, UTC. buf >= 11. */
char *kn_time_format_date(kn_time t, char *buf);
/* Monotonic clock for measuring durations, in ns. */
kn_time kn_now_monotonic(void);
kn_time kn_now_wall(void);

#endif
