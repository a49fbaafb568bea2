/*
** util/datetime.h: calendar arithmetic (proleptic Gregorian, any year that
** fits), and the text forms of dates, times and timestamps.
**
** Representations (vec/types.h): DATE = int32 days since 1970-01-01;
** TIMESTAMP/TIMESTAMP_NTZ = int64 microseconds since 1970-01-01 00:00:00;
** TIME = int64 microseconds since midnight; TIMESTAMP_NS = int64 nanoseconds.
**
** Text written (canonical, as DuckDB's CAST to VARCHAR):
**   date       YYYY-MM-DD, year padded to 4 digits, more digits after 9999;
**              years <= 0 as YYYY-MM-DD (BC) with YYYY = 1 - year
**   time       HH:MM:SS, then .ffffff without trailing zeros if nonzero
**   timestamp  date ' ' time (with " (BC)" after the date part when needed)
*/
#ifndef LAGO_UTIL_DATETIME_H
#define LAGO_UTIL_DATETIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MICROS_PER_SEC INT64_C(1000000)
#define MICROS_PER_DAY INT64_C(86400000000)

/* Days since 1970-01-01 of a civil date (month 1..12, day 1..31; not validated). */
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
/* Civil date of a day number. */
void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* True if y-m-d is a real date. */
bool date_valid(int64_t y, unsigned m, unsigned d);
/* Floor division helpers for negative times. */
static inline int64_t floor_div64(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static inline int64_t floor_mod64(int64_t a, int64_t b) {
  int64_t r = a % b; /* not a - floor_div64(a, b) * b: that product overflows near INT64_MIN */
  return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

/* Text forms; each writes a NUL-terminated string and returns its length. out >= 48 bytes. */
int fmt_date(int32_t days, char *out);
/* sub_digits: 6 for micros, 9 for nanos; the fraction is trimmed of trailing zeros. */
int fmt_time_of_day(int64_t units, int sub_digits, char *out);
int fmt_timestamp_us(int64_t micros, char *out);
int fmt_timestamp_ns(int64_t nanos, char *out);

/*
** Parsing (strict, whole input; returns 0 on success, -1 on bad syntax or an
** impossible date). Accepted, as Spark's cast from string:
**   date:      [+-]YYYY[-M[M][-D[D]]] optionally followed by 'T' or ' ' and anything (ignored)
**   timestamp: YYYY-MM-DD[( |T)HH:MM[:SS[.fraction]]][zone] where zone is Z, +HH[:MM], -HH[:MM]
**              or UTC; *has_zone tells whether a zone was given (the result is then UTC).
**   time:      HH:MM[:SS[.fraction]]
*/
int parse_date(const char *s, size_t n, int32_t *days);
int parse_timestamp(const char *s, size_t n, int64_t *micros, bool *has_zone);
int parse_time(const char *s, size_t n, int64_t *micros);

#endif /* LAGO_UTIL_DATETIME_H */
