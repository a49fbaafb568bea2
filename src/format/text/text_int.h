/*
** format/text/text_int.h: what the text file readers (format/csv and
** format/json) have in common, written once. Private to format/: other
** layers use csv.h and jsonl.h. See README.md in this directory.
**
** Sections (and the file that implements each):
**   datetime patterns and the default date/timestamp parsers   txt_dtfmt.c
*/
#ifndef LAGO_FORMAT_TEXT_INT_H
#define LAGO_FORMAT_TEXT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "format/text/text.h"
#include "util/datetime.h"
#include "util/status.h"

/* ---- datetime patterns (txt_dtfmt.c) ------------------------------------------------------
** Spark's datetime patterns (dateFormat, timestampFormat, timestampNTZFormat)
** compiled to a list of items, and matched against field text. The letters
** understood are listed at the top of txt_dtfmt.c. */

#define TXT_DTFMT_MAX_ITEMS 48

typedef struct txt_dt_item {
  uint8_t kind;     /* dt_kind in txt_dtfmt.c */
  uint8_t min, max; /* digits accepted (numbers), or literal length */
  uint8_t skip;     /* OPT_BEGIN: index of the matching OPT_END */
  char lit[8];      /* literal bytes (longer literals are split) */
} txt_dt_item;

typedef struct txt_dtfmt {
  uint32_t n;
  bool has_zone;    /* the pattern can parse a zone offset */
  bool has_time;    /* the pattern has a time-of-day field */
  txt_dt_item items[TXT_DTFMT_MAX_ITEMS];
} txt_dtfmt;

/* Compiles a Spark datetime pattern. LAGO_BIND naming the pattern and the offending letter. */
int txt_dtfmt_compile(const char *pattern, txt_dtfmt *out, lago_err *err);
/*
** Parses s[0..n) with the pattern, the whole input. Returns 0 and sets
** *micros (UTC if a zone was parsed, else wall clock) and *has_zone; -1 if
** the text does not match or is not a real date/time (or is out of range).
*/
int txt_dtfmt_parse(const txt_dtfmt *f, const char *s, size_t n, int64_t *micros, bool *has_zone);

/*
** The default parsers (no pattern: Spark's cast rules, util/datetime.h),
** behind a fixed-shape fast path for YYYY-MM-DD and
** YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}]. Inline so that each reader's decode loop
** is one piece of straight code. All return 0, or -1 (not a value of the type).
*/
static inline __attribute__((always_inline)) int txt_dig2(const char *p) {
  unsigned a = (unsigned)(unsigned char)p[0] - '0', b = (unsigned)(unsigned char)p[1] - '0';
  return a > 9 || b > 9 ? -1 : (int)(a * 10 + b);
}

/* YYYY-MM-DD at p (10 bytes); -1 if not that shape or not a real date. */
static inline __attribute__((always_inline)) int txt_fixed_date(const char *p, int64_t *days) {
  int y1 = txt_dig2(p), y2 = txt_dig2(p + 2), mo = txt_dig2(p + 5), d = txt_dig2(p + 8);
  if (y1 < 0 || y2 < 0 || mo < 0 || d < 0 || p[4] != '-' || p[7] != '-') return -1;
  int y = y1 * 100 + y2;
  if (mo < 1 || mo > 12 || d < 1 || d > 28) {
    if (!date_valid(y, (unsigned)mo, (unsigned)d)) return -1;
  }
  /* Days since 1970-01-01: whole years since year 0 (proleptic Gregorian), then the month. */
  static const int16_t before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  int64_t yy = y - 1; /* years before y, from year 0: leap days counted through yy */
  int64_t v = 365 * (int64_t)y + (yy >= 0 ? yy / 4 - yy / 100 + yy / 400 + 1 : 0) - 719528;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  *days = v + before[mo - 1] + (mo > 2 && leap) + d - 1;
  return 0;
}

static inline int txt_parse_date(const char *s, uint32_t n, int32_t *days) {
  if (n == 10) {
    int64_t dd;
    if (txt_fixed_date(s, &dd) == 0) {
      *days = (int32_t)dd;
      return 0;
    }
  }
  return parse_date(s, n, days) == 0 ? 0 : -1;
}

/* *has_zone: a zone was given (the result is then UTC). */
static inline int txt_parse_ts(const char *s, uint32_t n, int64_t *micros, bool *has_zone) {
  if (n >= 19 && n <= 26 && (s[10] == ' ' || s[10] == 'T') && s[13] == ':' && s[16] == ':') {
    int64_t days;
    int h = txt_dig2(s + 11), mi = txt_dig2(s + 14), se = txt_dig2(s + 17);
    if (txt_fixed_date(s, &days) == 0 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && se >= 0 && se < 60) {
      int64_t frac = 0;
      bool ok = true;
      if (n > 19) {
        if (s[19] != '.' || n == 20) ok = false;
        for (uint32_t i = 20; ok && i < n; i++) {
          unsigned d = (unsigned)(unsigned char)s[i] - '0';
          if (d > 9) ok = false;
          frac = frac * 10 + d;
        }
        for (uint32_t i = n; ok && i < 26; i++) frac *= 10;
      }
      if (ok) {
        *micros = days * MICROS_PER_DAY + ((int64_t)h * 3600 + mi * 60 + se) * MICROS_PER_SEC + frac;
        *has_zone = false;
        return 0;
      }
    }
  }
  return parse_timestamp(s, n, micros, has_zone) == 0 ? 0 : -1;
}

/*
** The three patterns of a reader's options, compiled once; each NULL
** pattern means "the default parser". The txt_dt_* parsers take the text of
** one value (not empty) and return 0, or -1 when it is not a value of the type.
*/
typedef struct txt_dt {
  bool have_date, have_ts, have_ntz;
  txt_dtfmt date, ts, ntz;
} txt_dt;

/* LAGO_BIND (see txt_dtfmt_compile) if a pattern does not compile. */
int txt_dt_init(txt_dt *d, const char *date_format, const char *timestamp_format, const char *timestamp_ntz_format,
                lago_err *err);

/* DATE: days since 1970-01-01 (a pattern's time of day is dropped, as Spark). */
static inline int txt_dt_date(const txt_dt *d, const char *s, uint32_t n, int32_t *days) {
  if (!d->have_date) return txt_parse_date(s, n, days);
  int64_t us;
  bool z;
  if (txt_dtfmt_parse(&d->date, s, n, &us, &z) < 0) return -1;
  int64_t dd = floor_div64(us, MICROS_PER_DAY);
  if (dd < INT32_MIN || dd > INT32_MAX) return -1;
  *days = (int32_t)dd;
  return 0;
}

/* TIMESTAMP: microseconds since the epoch, UTC (text without a zone is taken as UTC). */
static inline int txt_dt_ts(const txt_dt *d, const char *s, uint32_t n, int64_t *micros) {
  bool z;
  return d->have_ts ? txt_dtfmt_parse(&d->ts, s, n, micros, &z) : txt_parse_ts(s, n, micros, &z);
}

/* TIMESTAMP_NTZ: wall-clock microseconds; text with a zone is not one. */
static inline int txt_dt_ntz(const txt_dt *d, const char *s, uint32_t n, int64_t *micros) {
  bool z = false;
  int rc = d->have_ntz ? txt_dtfmt_parse(&d->ntz, s, n, micros, &z) : txt_parse_ts(s, n, micros, &z);
  return rc < 0 || z ? -1 : 0;
}

#endif /* LAGO_FORMAT_TEXT_INT_H */
