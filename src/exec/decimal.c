/*
** exec/decimal.c: exact decimal arithmetic with a 256-bit slow path (see
** decimal.h). The fast paths stay in __int128 with overflow checks; only
** when those overflow do we switch to the u256 magnitude code below.
*/
#include "exec/decimal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/numfmt.h"

typedef unsigned __int128 u128;

#define E19 ((u128)10000000000000000000ull)
static const u128 k_pow10[39] = {
    1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull, 100000000ull,
    1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull, 10000000000000ull,
    100000000000000ull, 1000000000000000ull, 10000000000000000ull, 100000000000000000ull,
    1000000000000000000ull, E19, E19 * 10ull, E19 * 100ull, E19 * 1000ull, E19 * 10000ull,
    E19 * 100000ull, E19 * 1000000ull, E19 * 10000000ull, E19 * 100000000ull, E19 * 1000000000ull,
    E19 * 10000000000ull, E19 * 100000000000ull, E19 * 1000000000000ull, E19 * 10000000000000ull,
    E19 * 100000000000000ull, E19 * 1000000000000000ull, E19 * 10000000000000000ull,
    E19 * 100000000000000000ull, E19 * 1000000000000000000ull, E19 * E19,
};
#undef E19

lago_i128 dec_pow10(int k) { return (lago_i128)k_pow10[k]; }

static u128 upow10(int k) { return k_pow10[k]; }

static u128 uabs(lago_i128 v) { return v < 0 ? (u128)0 - (u128)v : (u128)v; }

bool dec_fits(lago_i128 v, int p) { return uabs(v) < upow10(p); }

/* ---- u256 magnitudes ---------------------------------------------------------- */

typedef struct {
  uint64_t w[4]; /* little-endian limbs */
} u256;

static u256 u256_of(u128 x) {
  u256 r = {{(uint64_t)x, (uint64_t)(x >> 64), 0, 0}};
  return r;
}

static bool u256_is_u128(const u256 *x, u128 *out) {
  if (x->w[2] || x->w[3]) return false;
  *out = (u128)x->w[0] | ((u128)x->w[1] << 64);
  return true;
}

/* x *= m; returns true on overflow. */
static bool u256_mul_u64(u256 *x, uint64_t m) {
  u128 carry = 0;
  for (int i = 0; i < 4; i++) {
    u128 t = (u128)x->w[i] * m + carry;
    x->w[i] = (uint64_t)t;
    carry = t >> 64;
  }
  return carry != 0;
}

static bool u256_mul_pow10(u256 *x, int k) {
  while (k > 0) {
    int step = k > 19 ? 19 : k;
    if (u256_mul_u64(x, (uint64_t)upow10(step))) return true;
    k -= step;
  }
  return false;
}

static u256 u256_mul128(u128 a, u128 b) {
  uint64_t a0 = (uint64_t)a, a1 = (uint64_t)(a >> 64), b0 = (uint64_t)b, b1 = (uint64_t)(b >> 64);
  u128 p00 = (u128)a0 * b0, p01 = (u128)a0 * b1, p10 = (u128)a1 * b0, p11 = (u128)a1 * b1;
  u256 r;
  r.w[0] = (uint64_t)p00;
  u128 mid = (p00 >> 64) + (uint64_t)p01 + (uint64_t)p10;
  r.w[1] = (uint64_t)mid;
  u128 hi = (mid >> 64) + (p01 >> 64) + (p10 >> 64) + (uint64_t)p11;
  r.w[2] = (uint64_t)hi;
  r.w[3] = (uint64_t)((hi >> 64) + (p11 >> 64));
  return r;
}

static int u256_cmp(const u256 *a, const u256 *b) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i] != b->w[i]) return a->w[i] < b->w[i] ? -1 : 1;
  return 0;
}

static void u256_add(u256 *a, const u256 *b) {
  u128 carry = 0;
  for (int i = 0; i < 4; i++) {
    u128 t = (u128)a->w[i] + b->w[i] + carry;
    a->w[i] = (uint64_t)t;
    carry = t >> 64;
  }
}

static void u256_sub(u256 *a, const u256 *b) { /* a >= b */
  uint64_t borrow = 0;
  for (int i = 0; i < 4; i++) {
    uint64_t bi = b->w[i] + borrow;
    uint64_t nb = (bi < borrow) || (a->w[i] < bi);
    a->w[i] -= bi;
    borrow = nb;
  }
}

static void u256_shl1(u256 *a) {
  for (int i = 3; i > 0; i--) a->w[i] = (a->w[i] << 1) | (a->w[i - 1] >> 63);
  a->w[0] <<= 1;
}

static int u256_bits(const u256 *a) {
  for (int i = 3; i >= 0; i--)
    if (a->w[i]) return i * 64 + 64 - __builtin_clzll(a->w[i]);
  return 0;
}

/* q = n / d, r = n % d (d != 0), bitwise long division. */
static void u256_divmod(const u256 *n, const u256 *d, u256 *q, u256 *r) {
  u128 n128, d128;
  if (u256_is_u128(n, &n128) && u256_is_u128(d, &d128)) { /* the common case: native division */
    *q = u256_of(n128 / d128);
    *r = u256_of(n128 % d128);
    return;
  }
  u256 qq = {{0, 0, 0, 0}}, rr = {{0, 0, 0, 0}};
  for (int i = u256_bits(n) - 1; i >= 0; i--) {
    u256_shl1(&rr);
    rr.w[0] |= (n->w[i / 64] >> (i % 64)) & 1;
    if (u256_cmp(&rr, d) >= 0) {
      u256_sub(&rr, d);
      qq.w[i / 64] |= (uint64_t)1 << (i % 64);
    }
  }
  *q = qq;
  *r = rr;
}

/* Rounded (HALF_UP on magnitudes) n / d. */
static u256 u256_div_round(const u256 *n, const u256 *d) {
  u256 q, r;
  u256_divmod(n, d, &q, &r);
  u256 r2 = r;
  u256_shl1(&r2);
  if (u256_cmp(&r2, d) >= 0) {
    u256 one = u256_of(1);
    u256_add(&q, &one);
  }
  return q;
}

static u256 u256_pow10(int k) {
  u256 x = u256_of(1);
  u256_mul_pow10(&x, k);
  return x;
}

/* Signed result from a magnitude; false if it does not fit i128. */
static bool finish(const u256 *mag, bool neg, lago_i128 *out) {
  u128 m;
  if (!u256_is_u128(mag, &m) || m > (u128)(((u128)1 << 127) - 1)) return false;
  *out = neg ? -(lago_i128)m : (lago_i128)m;
  return true;
}

/* ---- operations ---------------------------------------------------------------- */

/* Magnitude m at scale `from` to scale `to`, rounded. */
static bool mag_rescale(u256 *m, int from, int to) {
  if (to >= from) return !u256_mul_pow10(m, to - from);
  int k = from - to;
  while (k > 77) { /* a 256-bit magnitude is below 10^78: rounding leaves 0 */
    *m = u256_of(0);
    return true;
  }
  u256 d = u256_pow10(k);
  *m = u256_div_round(m, &d);
  return true;
}

bool dec_rescale(lago_i128 v, int from, int to, lago_i128 *out) {
  if (from == to) {
    *out = v;
    return true;
  }
  if (to > from && to - from <= 38) {
    lago_i128 r;
    if (!__builtin_mul_overflow(v, (lago_i128)upow10(to - from), &r)) {
      *out = r;
      return true;
    }
  }
  if (from > to && from - to <= 38) {
    lago_i128 d = (lago_i128)upow10(from - to), q = v / d, r = v % d;
    u128 ar = uabs(r);
    if (ar * 2 >= (u128)d) q += v < 0 ? -1 : 1;
    *out = q;
    return true;
  }
  u256 m = u256_of(uabs(v));
  if (!mag_rescale(&m, from, to)) return false;
  return finish(&m, v < 0, out);
}

bool dec_round_to(lago_i128 v, int s, int digits, bool half_even, lago_i128 *out) {
  if (digits >= s) {
    *out = v;
    return true;
  }
  int k = s - digits; /* digits to drop */
  if (k > 38) {
    *out = 0;
    return true;
  }
  u128 d = upow10(k), m = uabs(v), q = m / d, r = m % d;
  bool up = half_even ? (r * 2 > d || (r * 2 == d && (q & 1))) : r * 2 >= d;
  if (up) q++;
  /* q * d back at scale s */
  u256 p = u256_mul128(q, d);
  return finish(&p, v < 0, out);
}

lago_i128 dec_floor(lago_i128 v, int s) {
  if (s == 0) return v;
  lago_i128 d = (lago_i128)upow10(s), q = v / d;
  if (v % d != 0 && v < 0) q--;
  return q;
}

lago_i128 dec_ceil(lago_i128 v, int s) {
  if (s == 0) return v;
  lago_i128 d = (lago_i128)upow10(s), q = v / d;
  if (v % d != 0 && v > 0) q++;
  return q;
}

static bool add_signed(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out) {
  int S = sa > sb ? sa : sb;
  /* Fast path: both rescaled to S in i128. */
  lago_i128 x, y, z;
  if (S - sa <= 38 && S - sb <= 38 && !__builtin_mul_overflow(a, (lago_i128)upow10(S - sa), &x) &&
      !__builtin_mul_overflow(b, (lago_i128)upow10(S - sb), &y) && !__builtin_add_overflow(x, y, &z))
    return dec_rescale(z, S, s, out);
  u256 ma = u256_of(uabs(a)), mb = u256_of(uabs(b));
  if (u256_mul_pow10(&ma, S - sa) || u256_mul_pow10(&mb, S - sb)) return false;
  bool na = a < 0, nb = b < 0, neg;
  u256 m;
  if (na == nb) {
    m = ma;
    u256_add(&m, &mb);
    neg = na;
  } else if (u256_cmp(&ma, &mb) >= 0) {
    m = ma;
    u256_sub(&m, &mb);
    neg = na;
  } else {
    m = mb;
    u256_sub(&m, &ma);
    neg = nb;
  }
  if (!mag_rescale(&m, S, s)) return false;
  return finish(&m, neg, out);
}

bool dec_add(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out) {
  return add_signed(a, sa, b, sb, s, out);
}

bool dec_sub(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out) {
  if (b == (lago_i128)((u128)1 << 127)) return false; /* cannot negate; never a valid 38-digit value */
  return add_signed(a, sa, -b, sb, s, out);
}

bool dec_mul(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out) {
  lago_i128 z;
  if (!__builtin_mul_overflow(a, b, &z)) return dec_rescale(z, sa + sb, s, out);
  u256 m = u256_mul128(uabs(a), uabs(b));
  if (!mag_rescale(&m, sa + sb, s)) return false;
  return finish(&m, (a < 0) != (b < 0), out);
}

bool dec_div(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out) {
  /* q = a * 10^(s + sb - sa) / b, rounded */
  int e = s + sb - sa;
  u256 n = u256_of(uabs(a)), d = u256_of(uabs(b));
  if (e >= 0) {
    if (u256_mul_pow10(&n, e)) return false;
  } else {
    if (u256_mul_pow10(&d, -e)) {
      *out = 0;
      return true;
    }
  }
  u256 q = u256_div_round(&n, &d);
  return finish(&q, (a < 0) != (b < 0), out);
}

bool dec_mod(lago_i128 a, int sa, lago_i128 b, int sb, int s, lago_i128 *out) {
  int S = sa > sb ? sa : sb;
  u256 ma = u256_of(uabs(a)), mb = u256_of(uabs(b));
  if (u256_mul_pow10(&ma, S - sa) || u256_mul_pow10(&mb, S - sb)) return false;
  u256 q, r;
  u256_divmod(&ma, &mb, &q, &r);
  if (!mag_rescale(&r, S, s)) return false;
  return finish(&r, a < 0, out);
}

bool dec_intdiv(lago_i128 a, int sa, lago_i128 b, int sb, lago_i128 *out) {
  int S = sa > sb ? sa : sb;
  u256 ma = u256_of(uabs(a)), mb = u256_of(uabs(b));
  if (u256_mul_pow10(&ma, S - sa) || u256_mul_pow10(&mb, S - sb)) return false;
  u256 q, r;
  u256_divmod(&ma, &mb, &q, &r);
  return finish(&q, (a < 0) != (b < 0), out);
}

double dec_to_double(lago_i128 v, int s) {
  u128 m = uabs(v);
  static const double p10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (m < ((u128)1 << 53) && s <= 22) { /* both exact: one correctly rounded division */
    double x = (double)(uint64_t)m / p10[s];
    return v < 0 ? -x : x;
  }
  char tmp[FMT_NUM_MAX + 8];
  int n = fmt_decimal(v, s, tmp);
  tmp[n] = 0;
  return strtod(tmp, NULL);
}

int dec_from_double(double d, int p, int s, lago_i128 *out) {
  if (!isfinite(d)) return 2;
  char tmp[FMT_NUM_MAX + 8];
  int n = fmt_double(d, tmp);
  lago_i128 v;
  int rc = parse_decimal(tmp, (size_t)n, p, s, &v);
  if (rc != 0) return 1;
  *out = v;
  return 0;
}
