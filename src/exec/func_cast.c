/*
** exec/func_cast.c: CAST / TRY_CAST with Spark's ANSI rules, and Spark's text
** of values (CAST(x AS STRING)).
**
** Allowed casts (Spark docs/sql-ref-ansi-compliance.md, "Cast" table):
**   numeric <-> numeric, numeric <-> boolean, anything simple -> string,
**   string -> numeric/boolean/date/timestamp/binary, binary <-> string,
**   date <-> timestamp[_ntz], timestamp <-> timestamp_ntz,
**   array -> array, map -> map, struct -> struct (element/field-wise),
**   array/map/struct -> string.
** Not allowed (bind error): numeric <-> date/timestamp, boolean <-> date, ...
**
** Runtime rules: strings are trimmed of whitespace and control characters
** before parsing; integers parse strictly (no fraction: '1.5' is invalid in
** ANSI); doubles accept 'inf', 'infinity', 'nan' in any case; decimals round
** HALF_UP and must fit; booleans accept t/true/y/yes/1 and f/false/n/no/0;
** numbers narrow with an overflow check; floating point to integral truncates
** toward zero and NaN/Infinity overflow; double to decimal goes through the
** shortest decimal text of the double (Spark's BigDecimal(d)).
** CAST raises the errors documented in func.h; TRY_CAST returns NULL instead.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "exec/decimal.h"
#include "exec/func.h"
#include "exec/vecops.h"
#include "util/datetime.h"
#include "util/numfmt.h"
#include "util/tz.h"
#include "util/hex.h"

/* ---- allowed casts ----------------------------------------------------------------- */

static bool is_num(lago_type t) { return type_is_numeric(t); }
static bool is_ts(lago_type t) { return t.id == LT_TIMESTAMP || t.id == LT_TIMESTAMP_NTZ; }

bool cast_allowed(lago_type from, lago_type to) {
  if (type_equal(from, to) || from.id == LT_NULL) return true;
  if (to.id == LT_STRING) return from.id != LT_INVALID;
  switch ((lago_type_id)to.id) {
    case LT_BOOLEAN: return is_num(from) || from.id == LT_STRING;
    case LT_DATE: return from.id == LT_STRING || is_ts(from) || from.id == LT_TIMESTAMP_NS;
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ: return from.id == LT_STRING || from.id == LT_DATE || is_ts(from) || from.id == LT_TIMESTAMP_NS;
    case LT_BINARY: return from.id == LT_STRING;
    case LT_ARRAY: return from.id == LT_ARRAY && cast_allowed(type_element(from), type_element(to));
    case LT_MAP:
      return from.id == LT_MAP && cast_allowed(type_map_key(from), type_map_key(to)) &&
             cast_allowed(type_map_value(from), type_map_value(to));
    case LT_STRUCT:
      if (from.id != LT_STRUCT || type_n_fields(from) != type_n_fields(to)) return false;
      for (uint32_t i = 0; i < type_n_fields(to); i++)
        if (!cast_allowed(type_field_at(from, i)->type, type_field_at(to, i)->type)) return false;
      return true;
    default:
      if (is_num(to)) return is_num(from) || from.id == LT_BOOLEAN || from.id == LT_STRING;
      return false;
  }
}

/* ---- Java-style floating point text ------------------------------------------------ */

int cast_double_text(double d, bool is_float, char *out) {
  if (d != d) return (int)strlen(strcpy(out, "NaN"));
  if (isinf(d)) return (int)strlen(strcpy(out, d < 0 ? "-Infinity" : "Infinity"));
  if (d == 0) return (int)strlen(strcpy(out, signbit(d) ? "-0.0" : "0.0"));
  char tmp[FMT_NUM_MAX];
  if (is_float) fmt_float((float)fabs(d), tmp);
  else fmt_double(fabs(d), tmp);
  /* Digits and exponent: tmp is "123.456", "0.0001" or "1.5e+20". */
  char dig[40];
  int nd = 0, point = -1, exp10 = 0;
  const char *p = tmp;
  for (; *p && *p != 'e'; p++) {
    if (*p == '.') point = nd;
    else if (nd < 39) dig[nd++] = *p;
  }
  if (*p == 'e') exp10 = atoi(p + 1);
  if (point < 0) point = nd;
  /* Strip leading zeros (adjusting the point) and trailing zeros. */
  int lead = 0;
  while (lead < nd - 1 && dig[lead] == '0') lead++;
  int ip = point - lead + exp10; /* digits before the point in d1.d2... x 10^(ip-1) */
  memmove(dig, dig + lead, (size_t)(nd - lead));
  nd -= lead;
  while (nd > 1 && dig[nd - 1] == '0') nd--;
  int e = ip - 1; /* scientific exponent */
  int n = 0;
  if (d < 0) out[n++] = '-';
  if (e >= -3 && e < 7) {
    if (ip <= 0) {
      out[n++] = '0';
      out[n++] = '.';
      for (int i = 0; i < -ip; i++) out[n++] = '0';
      for (int i = 0; i < nd; i++) out[n++] = dig[i];
    } else {
      for (int i = 0; i < ip; i++) out[n++] = i < nd ? dig[i] : '0';
      out[n++] = '.';
      if (nd > ip)
        for (int i = ip; i < nd; i++) out[n++] = dig[i];
      else out[n++] = '0';
    }
  } else {
    out[n++] = dig[0];
    out[n++] = '.';
    if (nd > 1)
      for (int i = 1; i < nd; i++) out[n++] = dig[i];
    else out[n++] = '0';
    n += sprintf(out + n, "E%d", e);
  }
  out[n] = 0;
  return n;
}

/* ---- value text ----------------------------------------------------------------------- */

static int text_of(const vec *v, uint32_t row, buf *out, bool nested);

/* Text of a valid value at physical index idx of FLAT vector p. */
static int flat_text(const vec *p, uint32_t idx, buf *out) {
  char tmp[FMT_NUM_MAX + 16];
  int n = 0;
  const void *d = p->data;
  switch ((lago_type_id)p->type.id) {
    case LT_BOOLEAN: return buf_puts(out, ((const uint8_t *)d)[idx] ? "true" : "false");
    case LT_TINYINT: n = fmt_i64(((const int8_t *)d)[idx], tmp); break;
    case LT_SMALLINT: n = fmt_i64(((const int16_t *)d)[idx], tmp); break;
    case LT_INT: n = fmt_i64(((const int32_t *)d)[idx], tmp); break;
    case LT_BIGINT: n = fmt_i64(((const int64_t *)d)[idx], tmp); break;
    case LT_UTINYINT: n = fmt_u64(((const uint8_t *)d)[idx], tmp); break;
    case LT_USMALLINT: n = fmt_u64(((const uint16_t *)d)[idx], tmp); break;
    case LT_UINT: n = fmt_u64(((const uint32_t *)d)[idx], tmp); break;
    case LT_UBIGINT: n = fmt_u64(((const uint64_t *)d)[idx], tmp); break;
    case LT_FLOAT: n = cast_double_text(((const float *)d)[idx], true, tmp); break;
    case LT_DOUBLE: n = cast_double_text(((const double *)d)[idx], false, tmp); break;
    case LT_DECIMAL: n = fmt_decimal(dec_load(d, idx, type_decimal_is_wide(p->type)), p->type.scale, tmp); break;
    case LT_STRING:
    case LT_BINARY: {
      const lago_str *s = (const lago_str *)d + idx;
      return buf_append(out, str_data(s), s->len);
    }
    case LT_DATE: n = fmt_date(((const int32_t *)d)[idx], tmp); break;
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ: n = fmt_timestamp_us(((const int64_t *)d)[idx], tmp); break;
    case LT_TIMESTAMP_NS: n = fmt_timestamp_ns(((const int64_t *)d)[idx], tmp); break;
    case LT_TIME:
    case LT_TIME_UTC: n = fmt_time_of_day(((const int64_t *)d)[idx], 6, tmp); break;
    case LT_UUID:
      uuid_text36(tmp, (const uint8_t *)d + (size_t)idx * 16);
      n = 36;
      break;
    case LT_INTERVAL: {
      const lago_interval *iv = (const lago_interval *)d + idx;
      return buf_printf(out, "%d months %d days %lld microseconds", iv->months, iv->days, (long long)iv->micros);
    }
    case LT_ARRAY: {
      lago_list l = ((const lago_list *)d)[idx];
      TRY(buf_putc(out, '['));
      for (uint32_t k = 0; k < l.length; k++) {
        if (k) TRY(buf_puts(out, ", "));
        TRY(text_of(p->child, l.offset + k, out, true));
      }
      return buf_putc(out, ']');
    }
    case LT_MAP: {
      lago_list l = ((const lago_list *)d)[idx];
      TRY(buf_putc(out, '{'));
      for (uint32_t k = 0; k < l.length; k++) {
        if (k) TRY(buf_puts(out, ", "));
        TRY(text_of(p->child->fields[0], l.offset + k, out, true));
        TRY(buf_puts(out, " -> "));
        TRY(text_of(p->child->fields[1], l.offset + k, out, true));
      }
      return buf_putc(out, '}');
    }
    case LT_STRUCT: {
      TRY(buf_putc(out, '{'));
      for (uint32_t f = 0; f < type_n_fields(p->type); f++) {
        if (f) TRY(buf_puts(out, ", "));
        TRY(text_of(p->fields[f], idx, out, true));
      }
      return buf_putc(out, '}');
    }
    case LT_NULL: return buf_puts(out, "null");
    case LT_INVALID: case LT__COUNT: return LAGO_INTERNAL;
  }
  return buf_append(out, tmp, (size_t)n);
}

static int text_of(const vec *v, uint32_t row, buf *out, bool nested) {
  if (!vec_is_valid(v, row)) return nested ? buf_puts(out, "null") : LAGO_OK;
  uint32_t idx;
  const vec *p = vec_resolve(v, row, &idx);
  return flat_text(p, idx, out);
}

int cast_value_to_text(const vec *v, uint32_t row, buf *out) { return text_of(v, row, out, false); }

/* ---- errors -------------------------------------------------------------------------- */

/* Spark-style literal of a value for messages: 'abc', 2147483648L, 1.5D. */
static void literal_text(const vec *v, uint32_t row, char *out, size_t cap) {
  buf b;
  buf_init(&b);
  lago_type_id id = (lago_type_id)v->type.id;
  bool quote = id == LT_STRING || id == LT_DATE || is_ts(v->type);
  if (id == LT_DATE) buf_puts(&b, "DATE ");
  if (is_ts(v->type)) buf_puts(&b, "TIMESTAMP ");
  if (quote) buf_putc(&b, '\'');
  cast_value_to_text(v, row, &b);
  if (quote) buf_putc(&b, '\'');
  if (id == LT_BIGINT) buf_putc(&b, 'L');
  if (id == LT_TINYINT) buf_putc(&b, 'Y');
  if (id == LT_SMALLINT) buf_putc(&b, 'S');
  if (id == LT_DOUBLE) buf_putc(&b, 'D');
  if (id == LT_DECIMAL) buf_puts(&b, "BD");
  snprintf(out, cap, "%.200s", buf_cstr(&b));
  buf_deinit(&b);
}

static const char *tname(lago_type t, char *tmp, size_t cap) {
  buf b;
  buf_init(&b);
  type_to_sql(t, &b);
  snprintf(tmp, cap, "%s", buf_cstr(&b));
  buf_deinit(&b);
  return tmp;
}

enum { C_OK = 0, C_OVERFLOW, C_INVALID, C_RANGE };

static int cast_error(eval_ctx *ec, const vec *src, uint32_t row, lago_type to, int why) {
  char lit[256], f[128], t[128];
  literal_text(src, row, lit, sizeof lit);
  tname(src->type, f, sizeof f);
  tname(to, t, sizeof t);
  switch (why) {
    case C_OVERFLOW:
      return LAGO_ERR(ec->err, LAGO_RUNTIME,
                      "[CAST_OVERFLOW] The value %s of the type \"%s\" cannot be cast to \"%s\" due to an overflow. "
                      "Use `try_cast` to tolerate overflow and return NULL instead.",
                      lit, f, t);
    case C_RANGE:
      return LAGO_ERR(ec->err, LAGO_RUNTIME,
                      "[NUMERIC_VALUE_OUT_OF_RANGE] %s cannot be represented as Decimal(%d, %d). If necessary set "
                      "\"spark.sql.ansi.enabled\" to \"false\" to bypass this error, and return NULL instead.",
                      lit, to.precision, to.scale);
    default:
      return LAGO_ERR(ec->err, LAGO_RUNTIME,
                      "[CAST_INVALID_INPUT] The value %s of the type \"%s\" cannot be cast to \"%s\" because it is "
                      "malformed. Correct the value as per the syntax, or change its target type. Use `try_cast` to "
                      "tolerate malformed input and return NULL instead.",
                      lit, f, t);
  }
}

/* ---- numbers: a common intermediate ------------------------------------------------------ */

typedef enum { NUM_I64, NUM_U64, NUM_F64, NUM_DEC } num_kind;
typedef struct num {
  num_kind k;
  int scale;     /* NUM_DEC */
  int64_t i;
  uint64_t u;
  double f;
  lago_i128 d;
} num;

static num read_num(const vec *p, uint32_t idx) {
  num x;
  memset(&x, 0, sizeof x);
  const void *d = p->data;
  x.k = NUM_I64;
  switch ((lago_type_id)p->type.id) {
    case LT_BOOLEAN: x.i = ((const uint8_t *)d)[idx] != 0; break;
    case LT_TINYINT: x.i = ((const int8_t *)d)[idx]; break;
    case LT_SMALLINT: x.i = ((const int16_t *)d)[idx]; break;
    case LT_INT: x.i = ((const int32_t *)d)[idx]; break;
    case LT_BIGINT: x.i = ((const int64_t *)d)[idx]; break;
    case LT_UTINYINT: x.i = ((const uint8_t *)d)[idx]; break;
    case LT_USMALLINT: x.i = ((const uint16_t *)d)[idx]; break;
    case LT_UINT: x.i = ((const uint32_t *)d)[idx]; break;
    case LT_UBIGINT: x.k = NUM_U64; x.u = ((const uint64_t *)d)[idx]; break;
    case LT_FLOAT: x.k = NUM_F64; x.f = ((const float *)d)[idx]; break;
    case LT_DOUBLE: x.k = NUM_F64; x.f = ((const double *)d)[idx]; break;
    case LT_DECIMAL:
      x.k = NUM_DEC;
      x.scale = p->type.scale;
      x.d = dec_load(d, idx, type_decimal_is_wide(p->type));
      break;
    default: break;
  }
  return x;
}

/* Integral value of x truncated toward zero as i128; false when not representable (NaN, huge). */
static bool num_trunc(const num *x, lago_i128 *out) {
  switch (x->k) {
    case NUM_I64: *out = x->i; return true;
    case NUM_U64: *out = x->u; return true;
    case NUM_DEC: {
      lago_i128 p = dec_pow10(x->scale);
      *out = x->d / p;
      return true;
    }
    case NUM_F64:
      if (!(x->f > -1.8e19 && x->f < 1.8e19)) return false; /* NaN, Inf and beyond any 64-bit range */
      *out = (lago_i128)trunc(x->f);
      return true;
  }
  return false;
}

static double num_double(const num *x) {
  switch (x->k) {
    case NUM_I64: return (double)x->i;
    case NUM_U64: return (double)x->u;
    case NUM_DEC: return dec_to_double(x->d, x->scale);
    case NUM_F64: return x->f;
  }
  return 0;
}

/* Writes x into row r of out (numeric or boolean type). */
static int write_num(vec *out, uint32_t r, const num *x) {
  lago_type t = out->type;
  void *d = out->data;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN:
      ((uint8_t *)d)[r] = x->k == NUM_F64 ? x->f != 0 : x->k == NUM_DEC ? x->d != 0 : x->k == NUM_U64 ? x->u != 0 : x->i != 0;
      return C_OK;
    case LT_FLOAT: ((float *)d)[r] = (float)num_double(x); return C_OK;
    case LT_DOUBLE: ((double *)d)[r] = num_double(x); return C_OK;
    case LT_DECIMAL: {
      lago_i128 v;
      switch (x->k) {
        case NUM_I64: v = x->i; if (!dec_rescale(v, 0, t.scale, &v)) return C_RANGE; break;
        case NUM_U64: v = x->u; if (!dec_rescale(v, 0, t.scale, &v)) return C_RANGE; break;
        case NUM_DEC: if (!dec_rescale(x->d, x->scale, t.scale, &v)) return C_RANGE; break;
        case NUM_F64: {
          int rc = dec_from_double(x->f, t.precision, t.scale, &v);
          if (rc == 2) return C_INVALID;
          if (rc) return C_RANGE;
          break;
        }
      }
      if (!dec_fits(v, t.precision)) return C_RANGE;
      dec_store(d, r, type_decimal_is_wide(t), v);
      return C_OK;
    }
    default: break;
  }
  lago_i128 v;
  if (!num_trunc(x, &v)) return C_OVERFLOW;
  switch ((lago_type_id)t.id) {
#define PUT(T, LO, HI)                        \
  if (v < (lago_i128)(LO) || v > (lago_i128)(HI)) return C_OVERFLOW; \
  ((T *)d)[r] = (T)v;                         \
  return C_OK;
    case LT_TINYINT: PUT(int8_t, INT8_MIN, INT8_MAX)
    case LT_SMALLINT: PUT(int16_t, INT16_MIN, INT16_MAX)
    case LT_INT: PUT(int32_t, INT32_MIN, INT32_MAX)
    case LT_BIGINT: PUT(int64_t, INT64_MIN, INT64_MAX)
    case LT_UTINYINT: PUT(uint8_t, 0, UINT8_MAX)
    case LT_USMALLINT: PUT(uint16_t, 0, UINT16_MAX)
    case LT_UINT: PUT(uint32_t, 0, UINT32_MAX)
    case LT_UBIGINT: PUT(uint64_t, 0, UINT64_MAX)
#undef PUT
    default: return C_INVALID;
  }
}

/* ---- strings to values ---------------------------------------------------------------------- */

static void trim_all(const char **s, size_t *n) {
  const unsigned char *p = (const unsigned char *)*s;
  size_t a = 0, b = *n;
  while (a < b && p[a] <= ' ') a++;
  while (b > a && p[b - 1] <= ' ') b--;
  *s += a;
  *n = b - a;
}

static int parse_bool(const char *s, size_t n, uint8_t *out) {
  static const char *const yes[] = {"t", "true", "y", "yes", "1"};
  static const char *const no[] = {"f", "false", "n", "no", "0"};
  for (int i = 0; i < 5; i++) {
    if (strlen(yes[i]) == n && !strncasecmp(s, yes[i], n)) {
      *out = 1;
      return C_OK;
    }
    if (strlen(no[i]) == n && !strncasecmp(s, no[i], n)) {
      *out = 0;
      return C_OK;
    }
  }
  return C_INVALID;
}

/* Parses the string s into row r of out. */
static int from_string(vec *out, uint32_t r, const char *s, size_t n, const tz_zone *tz) {
  lago_type t = out->type;
  void *d = out->data;
  if (t.id == LT_BINARY) {
    lago_str *o = (lago_str *)d + r;
    *o = str_make(s, (uint32_t)n); /* bytes stay in the source's memory */
    return C_OK;
  }
  trim_all(&s, &n);
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: return parse_bool(s, n, (uint8_t *)d + r);
    case LT_FLOAT:
    case LT_DOUBLE: {
      double x;
      /* Java's parseDouble also takes a trailing d/D/f/F. */
      size_t m = n;
      if (m > 1 && (s[m - 1] == 'd' || s[m - 1] == 'D' || s[m - 1] == 'f' || s[m - 1] == 'F') &&
          s[m - 2] >= '0' && s[m - 2] <= '9')
        m--;
      int rc = parse_double(s, m, &x);
      if (rc == LAGO_NOMEM) return -1;
      if (rc) return C_INVALID;
      if (t.id == LT_FLOAT) ((float *)d)[r] = (float)x;
      else ((double *)d)[r] = x;
      return C_OK;
    }
    case LT_DECIMAL: {
      lago_i128 v;
      int rc = parse_decimal(s, n, t.precision, t.scale, &v);
      if (rc == LAGO_RUNTIME) return C_RANGE;
      if (rc) return C_INVALID;
      dec_store(d, r, type_decimal_is_wide(t), v);
      return C_OK;
    }
    case LT_DATE: {
      int32_t days;
      if (parse_date(s, n, &days)) return C_INVALID;
      ((int32_t *)d)[r] = days;
      return C_OK;
    }
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ: {
      int64_t us;
      bool zone;
      if (parse_timestamp(s, n, &us, &zone)) return C_INVALID;
      /* TIMESTAMP text without a zone is wall-clock time of the session zone */
      if (!zone && t.id == LT_TIMESTAMP) us = tz_local_to_utc(tz, us);
      ((int64_t *)d)[r] = us;
      return C_OK;
    }
    default: {
      if (!type_is_integer(t)) return C_INVALID;
      int64_t v;
      int rc = parse_i64(s, n, &v);
      if (rc == LAGO_RUNTIME) return C_OVERFLOW;
      if (rc) return C_INVALID;
      num x;
      memset(&x, 0, sizeof x);
      x.k = NUM_I64;
      x.i = v;
      return write_num(out, r, &x);
    }
  }
}

/* ---- dates and timestamps --------------------------------------------------------------------- */

/*
** Session time zone: a TIMESTAMP is an instant, DATE / TIMESTAMP_NTZ / TIMESTAMP_NS are
** wall-clock values, so casts between the two kinds go through the zone (DATE ->
** TIMESTAMP is local midnight; TIMESTAMP -> DATE is the local date).
*/
static int from_datetime(vec *out, uint32_t r, const vec *p, uint32_t idx, const tz_zone *tz) {
  lago_type_id f = (lago_type_id)p->type.id, t = (lago_type_id)out->type.id;
  int64_t us;
  if (f == LT_DATE) {
    if (t == LT_DATE) {
      ((int32_t *)out->data)[r] = ((const int32_t *)p->data)[idx];
      return C_OK;
    }
    if (__builtin_mul_overflow((int64_t)((const int32_t *)p->data)[idx], MICROS_PER_DAY, &us)) return C_OVERFLOW;
  } else if (f == LT_TIMESTAMP_NS) us = floor_div64(((const int64_t *)p->data)[idx], 1000);
  else us = ((const int64_t *)p->data)[idx];
  if (f == LT_TIMESTAMP && t != LT_TIMESTAMP) us = tz_utc_to_local(tz, us);
  else if (f != LT_TIMESTAMP && t == LT_TIMESTAMP) us = tz_local_to_utc(tz, us);
  if (t == LT_DATE) {
    ((int32_t *)out->data)[r] = (int32_t)floor_div64(us, MICROS_PER_DAY);
    return C_OK;
  }
  ((int64_t *)out->data)[r] = us;
  return C_OK;
}

/* ---- nested ------------------------------------------------------------------------------------ */

/* A FLAT copy of v (any kind) in ar, for element-wise casts. */
static int flat_copy(eval_ctx *ec, const vec *v, uint32_t len, vec **out) {
  if (v->kind == VEC_FLAT) {
    *out = (vec *)v;
    return LAGO_OK;
  }
  vec *c = vec_new(ec->ar, v->type, len ? len : 1);
  if (!c || vec_gather(c, 0, v, NULL, len)) return LAGO_NOMEM_ERR(ec->err);
  c->len = len;
  *out = c;
  return LAGO_OK;
}

static int cast_nested(eval_ctx *ec, const vec *src, const uint32_t *sel, uint32_t n, lago_type to, bool try_cast,
                       vec *out) {
  uint32_t len = eval_len(sel, n);
  vec *s = NULL;
  TRY(flat_copy(ec, src, src->kind == VEC_CONST ? 1 : len, &s));
  if (src->kind == VEC_CONST) {
    /* Cast the single value, then spread it over the rows. */
    static const uint32_t zero = 0;
    vec *one = vec_new(ec->ar, to, 1);
    if (!one) return LAGO_NOMEM_ERR(ec->err);
    TRY(cast_nested(ec, s, &zero, 1, to, try_cast, one));
    one->len = 1;
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = sel ? sel[i] : i;
      if (vec_copy_row(out, r, one, 0)) return LAGO_NOMEM_ERR(ec->err);
    }
    return LAGO_OK;
  }
  if (to.id == LT_STRUCT) {
    for (uint32_t f = 0; f < type_n_fields(to); f++)
      TRY(cast_vec(ec, s->fields[f], sel, n, type_field_at(to, f)->type, try_cast, out->fields[f]));
    for (uint32_t f = 0; f < type_n_fields(to); f++) out->fields[f]->len = len;
  } else {
    /* ARRAY/MAP: cast the whole child, share the list entries. */
    vec *ch = s->child;
    lago_type cto;
    if (to.id == LT_ARRAY) cto = type_element(to);
    else cto = out->child->type;
    vec *nc = vec_new(ec->ar, cto, ch->len ? ch->len : 1);
    if (!nc) return LAGO_NOMEM_ERR(ec->err);
    TRY(cast_vec(ec, ch, NULL, ch->len, cto, try_cast, nc));
    nc->len = ch->len;
    out->child = nc;
    EVAL_FOR(sel, n, r, ((lago_list *)out->data)[r] = ((const lago_list *)s->data)[r];);
  }
  if (s->validity) {
    if (vec_ensure_validity(out)) return LAGO_NOMEM_ERR(ec->err);
    EVAL_FOR(sel, n, r, bitmap_put(out->validity, r, bitmap_get(s->validity, r)););
  }
  return LAGO_OK;
}

/* ---- the cast kernel ----------------------------------------------------------------------------- */

int cast_vec(eval_ctx *ec, const vec *src, const uint32_t *sel, uint32_t n, lago_type to, bool try_cast, vec *out) {
  lago_type from = src->type;
  vec_view vw;
  vec_view_init(&vw, src);
  if (vw.validity && vec_ensure_validity(out)) return LAGO_NOMEM_ERR(ec->err);
  if (from.id == LT_NULL) {
    if (vec_ensure_validity(out)) return LAGO_NOMEM_ERR(ec->err);
    EVAL_FOR(sel, n, r, bitmap_clear(out->validity, r););
    return LAGO_OK;
  }
  if (type_is_nested(to) && to.id == from.id) return cast_nested(ec, src, sel, n, to, try_cast, out);

  /* Fast paths: integer widening and numbers to DOUBLE. */
  if (to.id == LT_DOUBLE && (from.id == LT_INT || from.id == LT_BIGINT)) {
    double *o = out->data;
    if (from.id == LT_INT) {
      const int32_t *a = vw.data;
      EVAL_FOR(sel, n, r, o[r] = a[VIEW_IDX(&vw, r)];);
    } else {
      const int64_t *a = vw.data;
      EVAL_FOR(sel, n, r, o[r] = (double)a[VIEW_IDX(&vw, r)];);
    }
    if (vw.validity) EVAL_FOR(sel, n, r, if (!VIEW_VALID(&vw, r)) bitmap_clear(out->validity, r););
    return LAGO_OK;
  }
  if (to.id == LT_BIGINT && (from.id == LT_INT || from.id == LT_SMALLINT || from.id == LT_TINYINT)) {
    int64_t *o = out->data;
    if (from.id == LT_INT) {
      const int32_t *a = vw.data;
      EVAL_FOR(sel, n, r, o[r] = a[VIEW_IDX(&vw, r)];);
    } else if (from.id == LT_SMALLINT) {
      const int16_t *a = vw.data;
      EVAL_FOR(sel, n, r, o[r] = a[VIEW_IDX(&vw, r)];);
    } else {
      const int8_t *a = vw.data;
      EVAL_FOR(sel, n, r, o[r] = a[VIEW_IDX(&vw, r)];);
    }
    if (vw.validity) EVAL_FOR(sel, n, r, if (!VIEW_VALID(&vw, r)) bitmap_clear(out->validity, r););
    return LAGO_OK;
  }

  buf tb;
  buf_init(&tb);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) {
      bitmap_clear(out->validity, r);
      if (type_is_string_like(to)) memset((lago_str *)out->data + r, 0, sizeof(lago_str));
      continue;
    }
    uint32_t idx;
    const vec *p = vec_resolve(src, r, &idx);
    int why = C_OK;
    if (to.id == LT_STRING) {
      buf_clear(&tb);
      int trc;
      if (from.id == LT_TIMESTAMP && !tz_is_utc(ec->tz)) { /* wall-clock text in the session zone */
        char tmp[64];
        int tn = fmt_timestamp_us(tz_utc_to_local(ec->tz, ((const int64_t *)p->data)[idx]), tmp);
        trc = buf_append(&tb, tmp, (size_t)tn);
      } else {
        trc = cast_value_to_text(src, r, &tb);
      }
      if (trc || vec_set_str(out, r, buf_cstr(&tb), (uint32_t)tb.len)) {
        rc = LAGO_NOMEM_ERR(ec->err);
        break;
      }
    } else if (type_is_string_like(from)) {
      const lago_str *s = (const lago_str *)p->data + idx;
      why = from_string(out, r, str_data(s), s->len, ec->tz);
      if (why < 0) {
        rc = LAGO_NOMEM_ERR(ec->err);
        break;
      }
      if (why == C_OK && to.id == LT_BINARY && s->len <= LAGO_STR_INLINE) {
        /* inline views were copied by value: nothing else to do */
      }
    } else if (from.id == LT_DATE || is_ts(from) || from.id == LT_TIMESTAMP_NS) {
      if (to.id == LT_DATE || is_ts(to)) why = from_datetime(out, r, p, idx, ec->tz);
      else why = C_INVALID;
    } else if (type_is_numeric(from) || from.id == LT_BOOLEAN) {
      num x = read_num(p, idx);
      why = write_num(out, r, &x);
    } else {
      why = C_INVALID;
    }
    if (why != C_OK) {
      if (try_cast) {
        if (vec_set_null(out, r)) rc = LAGO_NOMEM_ERR(ec->err);
        if (type_is_string_like(to)) memset((lago_str *)out->data + r, 0, sizeof(lago_str));
      } else {
        rc = cast_error(ec, src, r, to, why);
      }
    } else if (out->validity) {
      bitmap_set(out->validity, r);
    }
  }
  buf_deinit(&tb);
  return rc;
}
