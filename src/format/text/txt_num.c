/*
** format/text/txt_num.c: exact conversion of number text to lago values, for
** the CSV reader (field text) and the JSON reader (number tokens, which its
** lexer analyses into the same txt_num, and numeric strings).
**
**   doubles   Clinger's fast path when it is exact (at most 19 significant
**             digits, mantissa <= 2^53, |exponent| <= 22: one correctly
**             rounded IEEE operation), else strtod_l in the C locale on the
**             text. FLOAT the same with its own limits and strtof_l (no
**             double rounding).
**   integers  only integer text (no point, no exponent), in a given range.
**   decimals  the value rounded half up to the scale (java.math.BigDecimal
**             setScale(ROUND_HALF_UP), Spark's Decimal.set; util/numfmt's
**             parse_decimal for more than 19 significant digits), then the
**             precision checked. Decimal *text* drops ',' grouping first, as
**             Spark's en-US decimal parser (CSV fields, JSON strings).
** Text syntax (txt_num_scan, java.math.BigDecimal's): [+-] digits [. digits]
** [(e|E) [+-] digits] with digits on at least one side of the point.
*/
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>

#include "format/text/text_int.h"
#include "util/alloc.h"
#include "util/numfmt.h"
#include "vec/types.h"

static locale_t g_c_locale;
static pthread_once_t g_c_locale_once = PTHREAD_ONCE_INIT;
static void c_locale_init(void) { g_c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0); }

static const double p10d[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
/* 10^k, k = 0..38 (a table: the decimal paths run once per value). */
static const __int128 p10q[39] = {
    (__int128)1ull, (__int128)10ull, (__int128)100ull,
    (__int128)1000ull, (__int128)10000ull, (__int128)100000ull,
    (__int128)1000000ull, (__int128)10000000ull, (__int128)100000000ull,
    (__int128)1000000000ull, (__int128)10000000000ull, (__int128)100000000000ull,
    (__int128)1000000000000ull, (__int128)10000000000000ull, (__int128)100000000000000ull,
    (__int128)1000000000000000ull, (__int128)10000000000000000ull, (__int128)100000000000000000ull,
    (__int128)1000000000000000000ull, (__int128)10000000000000000000ull, (__int128)10000000000000000000ull * 10ull,
    (__int128)10000000000000000000ull * 100ull, (__int128)10000000000000000000ull * 1000ull, (__int128)10000000000000000000ull * 10000ull,
    (__int128)10000000000000000000ull * 100000ull, (__int128)10000000000000000000ull * 1000000ull, (__int128)10000000000000000000ull * 10000000ull,
    (__int128)10000000000000000000ull * 100000000ull, (__int128)10000000000000000000ull * 1000000000ull, (__int128)10000000000000000000ull * 10000000000ull,
    (__int128)10000000000000000000ull * 100000000000ull, (__int128)10000000000000000000ull * 1000000000000ull, (__int128)10000000000000000000ull * 10000000000000ull,
    (__int128)10000000000000000000ull * 100000000000000ull, (__int128)10000000000000000000ull * 1000000000000000ull, (__int128)10000000000000000000ull * 10000000000000000ull,
    (__int128)10000000000000000000ull * 100000000000000000ull, (__int128)10000000000000000000ull * 1000000000000000000ull, (__int128)10000000000000000000ull * 10000000000000000000ull,
};
static const float p10f[11] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f};

/* strtod_l/strtof_l on a NUL-terminated copy of the text (stack for short ones). */
static int slow_float(const txt_num *x, bool single, double *d, float *f) {
  char small[128], *t = small;
  if (x->n >= sizeof small && !(t = mem_alloc((size_t)x->n + 1))) return LAGO_NOMEM;
  memcpy(t, x->s, x->n);
  t[x->n] = 0;
  pthread_once(&g_c_locale_once, c_locale_init);
  if (single) *f = g_c_locale ? strtof_l(t, NULL, g_c_locale) : strtof(t, NULL);
  else *d = g_c_locale ? strtod_l(t, NULL, g_c_locale) : strtod(t, NULL);
  if (t != small) mem_free(t);
  return 0;
}

int txt_num_f64(const txt_num *x, double *out) {
  if (x->special) {
    *out = x->special == TXT_NUM_NAN ? NAN : x->special == TXT_NUM_PINF ? INFINITY : -INFINITY;
    return 0;
  }
  if (x->sig == 0) {
    *out = x->neg ? -0.0 : 0.0;
    return 0;
  }
  if (x->sig <= 19 && x->mant <= ((uint64_t)1 << 53) && x->exp10 >= -22 && x->exp10 <= 22) {
    double d = (double)x->mant;
    d = x->exp10 < 0 ? d / p10d[-x->exp10] : d * p10d[x->exp10];
    *out = x->neg ? -d : d;
    return 0;
  }
  float unused;
  return slow_float(x, false, out, &unused);
}

int txt_num_f32(const txt_num *x, float *out) {
  if (x->special) {
    *out = x->special == TXT_NUM_NAN ? NAN : x->special == TXT_NUM_PINF ? INFINITY : -INFINITY;
    return 0;
  }
  if (x->sig == 0) {
    *out = x->neg ? -0.0f : 0.0f;
    return 0;
  }
  if (x->sig <= 19 && x->mant <= ((uint64_t)1 << 24) && x->exp10 >= -10 && x->exp10 <= 10) {
    float f = (float)x->mant;
    f = x->exp10 < 0 ? f / p10f[-x->exp10] : f * p10f[x->exp10];
    *out = x->neg ? -f : f;
    return 0;
  }
  double unused;
  return slow_float(x, true, &unused, out);
}

int txt_num_int(const txt_num *x, int64_t lo, int64_t hi, int64_t *out) {
  if (!x->is_int || x->special || x->sig > 19 || x->exp10 != 0) return -1;
  uint64_t m = x->mant;
  if (x->neg) {
    if (m > (uint64_t)INT64_MAX + 1) return -1;
    int64_t v = m == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)m;
    if (v < lo) return -1;
    *out = v;
    return 0;
  }
  if (m > (uint64_t)INT64_MAX || (int64_t)m > hi) return -1;
  *out = (int64_t)m;
  return 0;
}

int txt_num_dec(const txt_num *x, int precision, int scale, __int128 *out) {
  if (x->special) return -1;
  if ((unsigned)precision > 38) return -1;
  __int128 lim = p10q[precision];
  if (x->sig == 0) {
    *out = 0;
    return 0;
  }
  if (x->sig > 19) {
    __int128 v;
    if (parse_decimal(x->s, x->n, precision, scale, &v) != LAGO_OK) return -1;
    *out = v;
    return 0;
  }
  int64_t k = (int64_t)x->exp10 + scale; /* unscaled = mant * 10^k */
  __int128 v = (__int128)x->mant;
  if (k >= 0) {
    if (k > 38) return -1;
    for (int64_t i = 0; i < k; i++) {
      v *= 10;
      if (v >= lim) return -1;
    }
  } else {
    if (k < -38) {
      v = 0; /* mant < 10^19: far below half a unit */
    } else {
      __int128 d = p10q[-k];
      __int128 q = v / d, r = v % d;
      if (r * 2 >= d) q++; /* half up (magnitude) */
      v = q;
    }
  }
  if (v >= lim) return -1;
  *out = x->neg ? -v : v;
  return 0;
}

bool txt_num_dec_type(const txt_num *x, int *precision, int *scale) {
  if (x->special) return false;
  int64_t sc = (int64_t)x->frac - x->exp;
  int64_t prec = x->sig ? x->sig : 1;
  if (sc < 0) { /* 1e3: BigDecimal scale -3; lago keeps scale >= 0 */
    prec -= sc;
    sc = 0;
  }
  if (sc > prec) prec = sc;
  if (prec > LAGO_DECIMAL_MAX_PRECISION) return false;
  *precision = (int)prec;
  *scale = (int)sc;
  return true;
}

int txt_num_scan(const char *s, uint32_t n, txt_num *x) {
  memset(x, 0, sizeof *x);
  x->s = s;
  x->n = n;
  uint32_t i = 0;
  if (i < n && (s[i] == '+' || s[i] == '-')) x->neg = s[i++] == '-';
  uint32_t kept = 0, digits = 0;
  int32_t e10 = 0;
  x->is_int = true;
  for (; i < n && (unsigned)(s[i] - '0') <= 9; i++) {
    unsigned d = (unsigned)(s[i] - '0');
    digits++;
    if (!x->sig && !d) continue;
    x->sig++;
    if (kept < 19) {
      x->mant = x->mant * 10 + d;
      kept++;
    } else {
      e10++;
    }
  }
  if (i < n && s[i] == '.') {
    x->is_int = false;
    for (i++; i < n && (unsigned)(s[i] - '0') <= 9; i++) {
      unsigned d = (unsigned)(s[i] - '0');
      digits++;
      x->frac++;
      if (!x->sig && !d) {
        e10--;
        continue;
      }
      x->sig++;
      if (kept < 19) {
        x->mant = x->mant * 10 + d;
        kept++;
        e10--;
      }
    }
  }
  if (!digits) return -1;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    x->is_int = false;
    i++;
    bool eneg = false;
    if (i < n && (s[i] == '+' || s[i] == '-')) eneg = s[i++] == '-';
    if (i >= n) return -1;
    int32_t ev = 0;
    for (; i < n && (unsigned)(s[i] - '0') <= 9; i++)
      if (ev < 100000000) ev = ev * 10 + (s[i] - '0');
    x->exp = eneg ? -ev : ev;
    e10 += x->exp;
  }
  if (i != n) return -1;
  x->exp10 = e10;
  return 0;
}

int txt_parse_f64(const char *s, uint32_t n, double *out) {
  txt_num x;
  if (txt_num_scan(s, n, &x) < 0) {
    /* nan, inf, infinity (any case, signed): the general parser. */
    return parse_double(s, n, out) == LAGO_OK ? 0 : -1;
  }
  return txt_num_f64(&x, out);
}

int txt_parse_f32(const char *s, uint32_t n, float *out) {
  txt_num x;
  if (txt_num_scan(s, n, &x) < 0) {
    double d;
    if (parse_double(s, n, &d) != LAGO_OK) return -1;
    *out = (float)d; /* NaN or an infinity: exact */
    return 0;
  }
  return txt_num_f32(&x, out);
}

/* Analyses decimal text, dropping ',' grouping into clean[] when there is any. */
static int dec_scan(const char *s, uint32_t n, txt_num *x, char *clean, uint32_t cap) {
  if (!memchr(s, ',', n)) return txt_num_scan(s, n, x);
  uint32_t m = 0;
  for (uint32_t i = 0; i < n; i++) {
    if (s[i] == ',') continue;
    if (m >= cap) return -1;
    clean[m++] = s[i];
  }
  return txt_num_scan(clean, m, x);
}

int txt_dec_text(const char *s, uint32_t n, int precision, int scale, __int128 *out) {
  char clean[256];
  txt_num x;
  if (dec_scan(s, n, &x, clean, sizeof clean) < 0) return -1;
  return txt_num_dec(&x, precision, scale, out);
}

bool txt_dec_text_type(const char *s, uint32_t n, int *precision, int *scale) {
  char clean[256];
  txt_num x;
  if (dec_scan(s, n, &x, clean, sizeof clean) < 0) return false;
  return txt_num_dec_type(&x, precision, scale);
}
