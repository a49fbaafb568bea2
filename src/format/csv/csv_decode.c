/*
** format/csv/csv_decode.c: field text to typed values (the generic path:
** one value at a time, for the types the decode loops in csv_reader.c do not
** take themselves).
**
** Each parser takes the unquoted field text (never NUL-terminated) and
** either stores a value or says "not a value of this type" (-1); the reader
** decides what a failure means (null, dropped row, error) per mode. The
** parsers are the ones the JSON reader uses too (format/text/text_int.h):
** integers (Java Long.parseLong syntax), doubles and floats (exact: Clinger's
** fast path, else strtod_l), decimals (digit arithmetic, else rounding half
** up after dropping ',' grouping), dates and timestamps (fixed positions,
** else Spark's cast rules, or the datetime patterns). CSV's own: the
** nanValue/positiveInf/negativeInf spellings, BOOLEAN in any case, unsigned
** integers, TIME and TIMESTAMP_NS.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/csv/csv_int.h"
#include "util/datetime.h"
#include "util/numfmt.h"

int csv_dec_init(csv_dec *d, const csv_options *o, lago_err *err) {
  memset(d, 0, sizeof *d);
  d->o = o;
  return txt_dt_init(&d->dt, o->date_format, o->timestamp_format, o->timestamp_ntz_format, err);
}

static bool text_is(const char *s, uint32_t n, const char *lit) {
  size_t k = strlen(lit);
  return k == n && memcmp(s, lit, n) == 0;
}

int csv_dec_value(const csv_dec *d, lago_type t, const char *s, uint32_t n, void *dst) {
  int64_t i;
  switch (t.id) {
    case LT_BOOLEAN:
      if (n == 4 && !strncasecmp(s, "true", 4)) *(uint8_t *)dst = 1;
      else if (n == 5 && !strncasecmp(s, "false", 5)) *(uint8_t *)dst = 0;
      else return -1;
      return 0;
    case LT_TINYINT:
      if (txt_parse_i64(s, n, &i) < 0 || i < INT8_MIN || i > INT8_MAX) return -1;
      *(int8_t *)dst = (int8_t)i;
      return 0;
    case LT_SMALLINT:
      if (txt_parse_i64(s, n, &i) < 0 || i < INT16_MIN || i > INT16_MAX) return -1;
      *(int16_t *)dst = (int16_t)i;
      return 0;
    case LT_INT:
      if (txt_parse_i64(s, n, &i) < 0 || i < INT32_MIN || i > INT32_MAX) return -1;
      *(int32_t *)dst = (int32_t)i;
      return 0;
    case LT_BIGINT:
      return txt_parse_i64(s, n, (int64_t *)dst);
    case LT_UTINYINT: case LT_USMALLINT: case LT_UINT: case LT_UBIGINT: {
      if (n && s[0] == '-') return -1;
      uint64_t v = 0;
      uint32_t k = n && s[0] == '+';
      if (k == n) return -1;
      for (; k < n; k++) {
        unsigned dd = (unsigned)(unsigned char)s[k] - '0';
        if (dd > 9 || v > (UINT64_MAX - dd) / 10) return -1;
        v = v * 10 + dd;
      }
      uint64_t max = t.id == LT_UTINYINT ? UINT8_MAX : t.id == LT_USMALLINT ? UINT16_MAX : t.id == LT_UINT ? UINT32_MAX : UINT64_MAX;
      if (v > max) return -1;
      size_t w = type_width(t);
      if (w == 1) *(uint8_t *)dst = (uint8_t)v;
      else if (w == 2) *(uint16_t *)dst = (uint16_t)v;
      else if (w == 4) *(uint32_t *)dst = (uint32_t)v;
      else *(uint64_t *)dst = v;
      return 0;
    }
    case LT_FLOAT:
    case LT_DOUBLE: {
      double v;
      const csv_options *o = d->o;
      if (text_is(s, n, o->nan_value)) v = NAN;
      else if (text_is(s, n, o->positive_inf)) v = INFINITY;
      else if (text_is(s, n, o->negative_inf)) v = -INFINITY;
      else if (t.id == LT_FLOAT) return txt_parse_f32(s, n, (float *)dst) == 0 ? 0 : -1; /* no double rounding */
      else return txt_parse_f64(s, n, (double *)dst) == 0 ? 0 : -1;
      if (t.id == LT_FLOAT) *(float *)dst = (float)v;
      else *(double *)dst = v;
      return 0;
    }
    case LT_DECIMAL:
      if (t.precision <= 18) return txt_parse_dec64(s, n, t.precision, t.scale, (int64_t *)dst);
      {
        __int128 w;
        if (txt_dec_text(s, n, t.precision, t.scale, &w) < 0) return -1;
        memcpy(dst, &w, sizeof w);
        return 0;
      }
    case LT_DATE:
      return txt_dt_date(&d->dt, s, n, (int32_t *)dst);
    case LT_TIMESTAMP:
      return txt_dt_ts(&d->dt, s, n, (int64_t *)dst);
    case LT_TIMESTAMP_NTZ:
      return txt_dt_ntz(&d->dt, s, n, (int64_t *)dst);
    case LT_TIMESTAMP_NS: {
      bool z;
      int64_t us;
      if (txt_parse_ts(s, n, &us, &z) < 0) return -1;
      if (us > INT64_MAX / 1000 || us < INT64_MIN / 1000) return -1;
      *(int64_t *)dst = us * 1000;
      return 0;
    }
    case LT_TIME: case LT_TIME_UTC:
      return parse_time(s, n, (int64_t *)dst) == 0 ? 0 : -1;
    default:
      return -1;
  }
}
