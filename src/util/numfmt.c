/*
** util/numfmt.c: exact number formatting and parsing (see numfmt.h).
**
** Shortest round-trip floats: for a precision p, the correctly rounded
** p-digit value (printf "%.*e") either reads back as x or not; when not, its
** neighbour one unit in the last place on the other side of x may (that only
** happens when x is a power of two, whose rounding interval is lopsided).
** "Some p-digit string reads back" is monotonic in p, so p is found by binary
** search over [1, 9] (float) or [1, 17] (double): about four printf/strtod
** pairs per value instead of up to seventeen.
*/
#include "util/numfmt.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lago.h"
#include "util/alloc.h"

static bool reads_back(const char *s, double x, bool is_float) {
  return is_float ? strtof(s, NULL) == (float)x : strtod(s, NULL) == x;
}

/* Tries precision p for x > 0; on success leaves "d[.ddd]e±XX" in buf. */
static bool try_precision(double x, bool is_float, int p, char *buf) {
  snprintf(buf, 48, "%.*e", p - 1, x);
  if (reads_back(buf, x, is_float)) return true;
  uint64_t m = 0, pow10p = 1;
  const char *q = buf;
  for (; *q != 'e'; q++)
    if (*q != '.') m = m * 10 + (uint64_t)(*q - '0');
  int e = atoi(q + 1);
  for (int i = 0; i < p; i++) pow10p *= 10;
  double r = is_float ? (double)strtof(buf, NULL) : strtod(buf, NULL);
  if (r < x) {
    if (++m == pow10p) { m = pow10p / 10; e++; }
  } else {
    if (--m < pow10p / 10) { m = pow10p - 1; e--; }
  }
  char digits[24], cand[48];
  snprintf(digits, sizeof digits, "%llu", (unsigned long long)m);
  snprintf(cand, sizeof cand, "%c%s%se%+03d", digits[0], p > 1 ? "." : "", digits + 1, e);
  if (!reads_back(cand, x, is_float)) return false;
  strcpy(buf, cand);
  return true;
}

static void shortest(double x, bool is_float, char *buf) {
  int lo = 1, hi = is_float ? 9 : 17;
  char best[48];
  try_precision(x, is_float, hi, best); /* always reads back */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    char tmp[48];
    if (try_precision(x, is_float, mid, tmp)) {
      hi = mid;
      strcpy(best, tmp);
    } else {
      lo = mid + 1;
    }
  }
  strcpy(buf, best);
}

/* Lays out "d[.ddd]e±XX" (positive) in the canonical notation at out. */
static int layout(const char *e, char *out) {
  char digits[40];
  size_t nd = 0;
  const char *p = e;
  for (; *p && *p != 'e'; p++)
    if (*p != '.') digits[nd++] = *p;
  int x = atoi(p + 1);
  while (nd > 1 && digits[nd - 1] == '0') nd--;
  char *o = out;
  if (x < -4 || x >= 16) {
    *o++ = digits[0];
    if (nd > 1) {
      *o++ = '.';
      memcpy(o, digits + 1, nd - 1);
      o += nd - 1;
    }
    o += sprintf(o, "e%c%02d", x < 0 ? '-' : '+', x < 0 ? -x : x);
  } else if (x >= 0) {
    for (int i = 0; i <= x; i++) *o++ = (size_t)i < nd ? digits[i] : '0';
    *o++ = '.';
    if ((size_t)x + 1 < nd) {
      memcpy(o, digits + x + 1, nd - (size_t)x - 1);
      o += nd - (size_t)x - 1;
    } else {
      *o++ = '0';
    }
  } else {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -x - 1; i++) *o++ = '0';
    memcpy(o, digits, nd);
    o += nd;
  }
  *o = 0;
  return (int)(o - out);
}

static int fmt_real(double x, bool is_float, char *out) {
  if (isnan(x)) return (int)strlen(strcpy(out, signbit(x) ? "-nan" : "nan"));
  if (isinf(x)) return (int)strlen(strcpy(out, x < 0 ? "-inf" : "inf"));
  if (x == 0) return (int)strlen(strcpy(out, signbit(x) ? "-0.0" : "0.0"));
  char buf[48];
  shortest(fabs(x), is_float, buf);
  int n = 0;
  if (x < 0) out[n++] = '-';
  return n + layout(buf, out + n);
}

int fmt_double(double x, char *out) { return fmt_real(x, false, out); }
int fmt_float(float x, char *out) { return fmt_real((double)x, true, out); }

int fmt_u64(uint64_t v, char *out) {
  char tmp[24];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return n;
}

int fmt_i64(int64_t v, char *out) {
  if (v < 0) {
    out[0] = '-';
    return 1 + fmt_u64((uint64_t)0 - (uint64_t)v, out + 1);
  }
  return fmt_u64((uint64_t)v, out);
}

static int fmt_u128(unsigned __int128 v, char *out) {
  char tmp[48];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + (int)(v % 10));
    v /= 10;
  } while (v);
  for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
  out[n] = 0;
  return n;
}

int fmt_i128(__int128 v, char *out) {
  if (v < 0) {
    out[0] = '-';
    return 1 + fmt_u128((unsigned __int128)0 - (unsigned __int128)v, out + 1);
  }
  return fmt_u128((unsigned __int128)v, out);
}

int fmt_decimal(__int128 v, int scale, char *out) {
  int n = 0;
  unsigned __int128 u = (unsigned __int128)v;
  if (v < 0) {
    out[n++] = '-';
    u = (unsigned __int128)0 - u;
  }
  char digits[48];
  int nd = fmt_u128(u, digits);
  if (scale <= 0) {
    memcpy(out + n, digits, (size_t)nd + 1);
    return n + nd;
  }
  if (nd <= scale) {
    out[n++] = '0';
    out[n++] = '.';
    for (int i = 0; i < scale - nd; i++) out[n++] = '0';
    memcpy(out + n, digits, (size_t)nd);
    n += nd;
  } else {
    memcpy(out + n, digits, (size_t)(nd - scale));
    n += nd - scale;
    out[n++] = '.';
    memcpy(out + n, digits + nd - scale, (size_t)scale);
    n += scale;
  }
  out[n] = 0;
  return n;
}

__int128 pow10_i128(int k) {
  __int128 r = 1;
  for (int i = 0; i < k; i++) r *= 10;
  return r;
}

int parse_i64(const char *s, size_t n, int64_t *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i == n) return LAGO_PARSE;
  uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
  for (; i < n; i++) {
    if (s[i] < '0' || s[i] > '9') return LAGO_PARSE;
    uint64_t d = (uint64_t)(s[i] - '0');
    if (v > (lim - d) / 10) return LAGO_RUNTIME;
    v = v * 10 + d;
  }
  *out = neg ? (int64_t)((uint64_t)0 - v) : (int64_t)v;
  return LAGO_OK;
}

int parse_double(const char *s, size_t n, double *out) {
  char tmp[128];
  if (n == 0 || n >= sizeof tmp) {
    if (n == 0) return LAGO_PARSE;
    /* Long inputs (many digits): strtod on a heap copy would be fine, but no
    ** valid double needs more than ~800 chars; accept up to that. */
    if (n > 1100) return LAGO_PARSE;
    char *big = mem_alloc(n + 1);
    if (!big) return LAGO_NOMEM;
    memcpy(big, s, n);
    big[n] = 0;
    char *end;
    errno = 0;
    double v = strtod(big, &end);
    int ok = end == big + n && !isspace((unsigned char)big[0]);
    mem_free(big);
    if (!ok) return LAGO_PARSE;
    *out = v;
    return LAGO_OK;
  }
  memcpy(tmp, s, n);
  tmp[n] = 0;
  const char *t = tmp;
  bool neg = false;
  if (*t == '-' || *t == '+') neg = *t++ == '-';
  if (!strcasecmp(t, "nan")) {
    *out = neg ? -NAN : NAN;
    return LAGO_OK;
  }
  if (!strcasecmp(t, "inf") || !strcasecmp(t, "infinity")) {
    *out = neg ? -INFINITY : INFINITY;
    return LAGO_OK;
  }
  /* strtod also takes hex floats and "nan(...)"; allow only decimal syntax. */
  for (const char *c = t; *c; c++)
    if (!isdigit((unsigned char)*c) && *c != '.' && *c != 'e' && *c != 'E' && *c != '+' && *c != '-')
      return LAGO_PARSE;
  if (isspace((unsigned char)tmp[0])) return LAGO_PARSE;
  char *end;
  double v = strtod(tmp, &end);
  if (end != tmp + n || end == tmp) return LAGO_PARSE;
  *out = v;
  return LAGO_OK;
}

int parse_decimal(const char *s, size_t n, int precision, int scale, __int128 *out) {
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  /* Collect significant digits and the position of the point. */
  char dig[80];
  int nd = 0, point = -1, exp10 = 0;
  bool any = false;
  for (; i < n; i++) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      any = true;
      if (nd == 0 && c == '0') {
        if (point >= 0) exp10--; /* leading zero after the point */
        continue;
      }
      if (nd < 78) dig[nd++] = c;
      else if (point < 0) exp10++; /* integer digits beyond what we keep */
    } else if (c == '.' && point < 0) {
      point = nd;
    } else if ((c == 'e' || c == 'E') && any) {
      int64_t e;
      if (parse_i64(s + i + 1, n - i - 1, &e) != LAGO_OK || e > 1000 || e < -1000) return LAGO_PARSE;
      exp10 += (int)e;
      break;
    } else {
      return LAGO_PARSE;
    }
  }
  if (!any) return LAGO_PARSE;
  /* value = 0.dig * 10^(int_digits) where int_digits = (point<0 ? nd : point) + exp10 */
  int int_digits = (point < 0 ? nd : point) + exp10;
  /* unscaled = digits shifted so that `scale` fractional digits remain */
  int keep = int_digits + scale; /* digits of dig[] that form the unscaled integer */
  __int128 v = 0;
  if (keep > precision) {
    /* Might still fit if the leading kept digits are zero: dig[] has no leading zeros. */
    if (nd > 0) return LAGO_RUNTIME;
  }
  for (int k = 0; k < keep && k < nd; k++) v = v * 10 + (dig[k] - '0');
  for (int k = nd; k < keep; k++) v = v * 10;
  if (keep >= 0 && keep < nd && dig[keep] >= '5') v += 1; /* round half away from zero */
  if (keep < 0) v = 0;
  if (v >= pow10_i128(precision)) return LAGO_RUNTIME;
  *out = neg ? -v : v;
  return LAGO_OK;
}
