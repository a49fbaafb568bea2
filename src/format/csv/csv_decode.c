/*
** format/csv/csv_decode.c: field text to typed values, the fast way first.
**
** Each parser takes the unquoted field text (never NUL-terminated) and
** either stores a value or says "not a value of this type" (-1); the reader
** decides what a failure means (null, dropped row, error) per mode.
** Fast paths handle the common spellings with plain digit arithmetic and fall
** back to the exact general parsers in util/numfmt.c and util/datetime.c:
**   BIGINT..TINYINT  [+-]digits, overflow checked (Java Long.parseLong syntax)
**   DOUBLE           up to 19 significant digits and |exp| <= 22 with a
**                    mantissa < 2^53: exact (Clinger's fast path, one
**                    correctly rounded multiply/divide); else strtod
**   DECIMAL(p<=18)   [+-]digits[.digits] with at most `scale` fraction digits
**                    in int64; else util parse_decimal (rounding half up,
**                    exponents) after dropping ',' grouping (Spark en-US)
**   TIMESTAMP        YYYY-MM-DD[ T]HH:MM:SS[.f{1,6}] by fixed positions;
**                    else the Spark cast rules (util parse_timestamp)
**   DATE             YYYY-MM-DD by fixed positions; else parse_date
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

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int csv_parse_f64(const char *s, uint32_t n, double *out) {
  uint32_t i = 0;
  bool neg = false;
  if (n && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    i = 1;
  }
  uint64_t m = 0;
  int nd = 0, exp10 = 0;
  bool any = false, slow = false;
  for (; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++) {
    any = true;
    if (nd < 19) {
      m = m * 10 + (unsigned)(s[i] - '0');
      if (m) nd++;
    } else {
      exp10++;
      slow = true;
    }
  }
  if (i < n && s[i] == '.') {
    for (i++; i < n && (unsigned)(unsigned char)s[i] - '0' <= 9; i++) {
      any = true;
      if (nd < 19) {
        m = m * 10 + (unsigned)(s[i] - '0');
        if (m) nd++;
        exp10--;
      } else {
        slow = true;
      }
    }
  }
  if (any && i < n && (s[i] == 'e' || s[i] == 'E')) {
    uint32_t j = i + 1;
    bool eneg = false;
    if (j < n && (s[j] == '-' || s[j] == '+')) eneg = s[j++] == '-';
    int e = 0;
    if (j == n) return -1;
    for (; j < n && (unsigned)(unsigned char)s[j] - '0' <= 9; j++)
      if (e < 100000) e = e * 10 + (s[j] - '0');
    if (j != n) return -1;
    exp10 += eneg ? -e : e;
    i = n;
  }
  if (i != n || !any) {
    /* nan, inf, infinity and the like: the general parser. */
    double v;
    if (parse_double(s, n, &v) != LAGO_OK) return -1;
    *out = v;
    return 0;
  }
  if (!slow && m < ((uint64_t)1 << 53) && exp10 >= -22 && exp10 <= 22) {
    double v = (double)m;
    v = exp10 < 0 ? v / pow10_exact[-exp10] : v * pow10_exact[exp10];
    *out = neg ? -v : v;
    return 0;
  }
  if (m == 0 && !slow) {
    *out = neg ? -0.0 : 0.0;
    return 0;
  }
  double v;
  if (parse_double(s, n, &v) != LAGO_OK) return -1;
  *out = v;
  return 0;
}

int csv_dec_slow(const char *s, uint32_t n, int precision, int scale, __int128 *out) {
  char tmp[160];
  if (memchr(s, ',', n)) { /* Spark (en-US) drops grouping commas before BigDecimal */
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
      if (s[i] == ',') continue;
      if (k == sizeof tmp) return -1;
      tmp[k++] = s[i];
    }
    s = tmp;
    n = k;
  }
  if (n == 0) return -1;
  return parse_decimal(s, n, precision, scale, out) == LAGO_OK ? 0 : -1;
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
      if (csv_parse_i64(s, n, &i) < 0 || i < INT8_MIN || i > INT8_MAX) return -1;
      *(int8_t *)dst = (int8_t)i;
      return 0;
    case LT_SMALLINT:
      if (csv_parse_i64(s, n, &i) < 0 || i < INT16_MIN || i > INT16_MAX) return -1;
      *(int16_t *)dst = (int16_t)i;
      return 0;
    case LT_INT:
      if (csv_parse_i64(s, n, &i) < 0 || i < INT32_MIN || i > INT32_MAX) return -1;
      *(int32_t *)dst = (int32_t)i;
      return 0;
    case LT_BIGINT:
      return csv_parse_i64(s, n, (int64_t *)dst);
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
      else if (t.id == LT_FLOAT) {
        /* strtof directly: going through double could round twice. */
        char tmp[128];
        if (csv_parse_f64(s, n, &v) < 0) return -1; /* syntax check */
        if (n < sizeof tmp && isfinite(v)) {
          memcpy(tmp, s, n);
          tmp[n] = 0;
          *(float *)dst = strtof(tmp, NULL);
          return 0;
        }
      } else if (csv_parse_f64(s, n, &v) < 0) {
        return -1;
      }
      if (t.id == LT_FLOAT) *(float *)dst = (float)v;
      else *(double *)dst = v;
      return 0;
    }
    case LT_DECIMAL:
      if (t.precision <= 18) return csv_parse_dec64(s, n, t.precision, t.scale, (int64_t *)dst);
      {
        __int128 w;
        if (csv_dec_slow(s, n, t.precision, t.scale, &w) < 0) return -1;
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

/* ---- UTF-8 ----------------------------------------------------------------- */

/* Length of the valid sequence at p (1..4), or 0 if invalid (RFC 3629). */
static int utf8_seq(const unsigned char *p, size_t left) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xc2) return 0;
  if (c < 0xe0) return left >= 2 && (p[1] & 0xc0) == 0x80 ? 2 : 0;
  if (c < 0xf0) {
    if (left < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80) return 0;
    if (c == 0xe0 && p[1] < 0xa0) return 0;  /* overlong */
    if (c == 0xed && p[1] >= 0xa0) return 0; /* surrogate */
    return 3;
  }
  if (c < 0xf5) {
    if (left < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 || (p[3] & 0xc0) != 0x80) return 0;
    if (c == 0xf0 && p[1] < 0x90) return 0;  /* overlong */
    if (c == 0xf4 && p[1] >= 0x90) return 0; /* > U+10FFFF */
    return 4;
  }
  return 0;
}

bool csv_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    /* ASCII eight bytes at a time. */
    while (i + 8 <= n) {
      uint64_t w;
      memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    while (i < n && p[i] < 0x80) i++;
    if (i == n) break;
    int k = utf8_seq(p + i, n - i);
    if (!k) return false;
    i += (size_t)k;
  }
  return true;
}

int csv_utf8_repair(buf *out, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    int k = utf8_seq(p + i, n - i);
    if (k) {
      TRY(buf_append(out, p + i, (size_t)k));
      i += (size_t)k;
    } else {
      TRY(buf_append(out, "\xef\xbf\xbd", 3));
      i++;
    }
  }
  return LAGO_OK;
}

int csv_json_str(buf *out, const char *s, size_t n) {
  TRY(buf_putc(out, '"'));
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      TRY(buf_putc(out, '\\'));
      TRY(buf_putc(out, (char)c));
    } else if (c == '\n') {
      TRY(buf_puts(out, "\\n"));
    } else if (c == '\r') {
      TRY(buf_puts(out, "\\r"));
    } else if (c == '\t') {
      TRY(buf_puts(out, "\\t"));
    } else if (c < 0x20) {
      TRY(buf_printf(out, "\\u%04x", c));
    } else {
      TRY(buf_putc(out, (char)c));
    }
  }
  return buf_putc(out, '"');
}
