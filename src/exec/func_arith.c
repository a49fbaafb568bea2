/*
** exec/func_arith.c: arithmetic operators and numeric functions with Spark
** ANSI semantics.
**
**   + - * % div, unary negative/positive, abs, try_add/try_subtract/
**   try_multiply/try_divide/try_remainder, /, mod, pmod, round, bround, floor,
**   ceil, sqrt, cbrt, pow/power, ln/log, log10, log2, exp, sign/signum.
**
** Types: integers keep their (common) type and raise
**   [ARITHMETIC_OVERFLOW] integer overflow in 2147483647 + 1 ...
** on overflow; `/` on integers divides as DOUBLE; `div` returns BIGINT;
** division or remainder by zero raises [DIVIDE_BY_ZERO] (try_* return NULL).
** DECIMAL(p1,s1) op DECIMAL(p2,s2) (Spark DecimalPrecision, then the
** precision-loss adjustment to 38 digits, func_decimal_adjust):
**   + -  DECIMAL(max(p1-s1, p2-s2) + max(s1,s2) + 1, max(s1,s2))
**   *    DECIMAL(p1+p2+1, s1+s2)
**   /    DECIMAL(p1-s1+s2+max(6, s1+p2+1), max(6, s1+p2+1))
**   %    DECIMAL(min(p1-s1, p2-s2) + max(s1,s2), max(s1,s2))
** results are rounded HALF_UP and must fit their precision, else
**   [NUMERIC_VALUE_OUT_OF_RANGE] ... cannot be represented as Decimal(p, s).
** DATE + INT / DATE - INT add days (date_add / date_sub).
*/
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "exec/decimal.h"
#include "exec/func.h"
#include "util/numfmt.h"

typedef struct arith_info {
  char op;      /* '+', '-', '*', '/', '%', 'd' (div), 'p' (pmod) */
  bool try_;    /* try_* variants: NULL instead of errors */
  const char *try_name; /* suggested function in error messages */
} arith_info;

static const arith_info ai_add = {'+', false, "try_add"}, ai_sub = {'-', false, "try_subtract"},
                        ai_mul = {'*', false, "try_multiply"}, ai_div = {'/', false, "try_divide"},
                        ai_mod = {'%', false, "try_remainder"}, ai_idiv = {'d', false, "try_divide"},
                        ai_pmod = {'p', false, "try_remainder"}, ai_tadd = {'+', true, NULL},
                        ai_tsub = {'-', true, NULL}, ai_tmul = {'*', true, NULL}, ai_tdiv = {'/', true, NULL},
                        ai_tmod = {'%', true, NULL};

static const char *op_text(char op) {
  switch (op) {
    case '+': return "+";
    case '-': return "-";
    case '*': return "*";
    case '/': return "/";
    case '%': return "%";
    case 'd': return "div";
    case 'p': return "pmod";
  }
  return "?";
}

static const char *int_word(lago_type_id id) {
  switch (id) {
    case LT_TINYINT: return "tinyint";
    case LT_SMALLINT: return "smallint";
    case LT_INT: return "integer";
    default: return "long";
  }
}

static int overflow_err(fn_call *c, const arith_info *ai, lago_type t, const char *x, const char *y) {
  if (ai->try_name)
    return FN_ERR(c, "[ARITHMETIC_OVERFLOW] %s overflow in %s %s %s. Use '%s' to tolerate overflow and return NULL instead.",
                  int_word((lago_type_id)t.id), x, op_text(ai->op), y, ai->try_name);
  return FN_ERR(c, "[ARITHMETIC_OVERFLOW] %s overflow in %s %s %s", int_word((lago_type_id)t.id), x, op_text(ai->op), y);
}

static int div_zero_err(fn_call *c, const arith_info *ai) {
  return FN_ERR(c, "[DIVIDE_BY_ZERO] Division by zero. Use `%s` to tolerate divisor being 0 and return NULL instead.",
                ai->try_name ? ai->try_name : "try_divide");
}

/* ---- integer kernels ---------------------------------------------------------------- */

/* Each op computes z from x, y and returns 0, 1 (overflow) or 2 (division by zero). */
#define IOP_ADD(T, x, y, z) (__builtin_add_overflow(x, y, z) ? 1 : 0)
#define IOP_SUB(T, x, y, z) (__builtin_sub_overflow(x, y, z) ? 1 : 0)
#define IOP_MUL(T, x, y, z) (__builtin_mul_overflow(x, y, z) ? 1 : 0)
/* Java remainder: sign of the dividend; MIN % -1 = 0. */
#define IOP_MOD(T, x, y, z) ((y) == 0 ? 2 : ((*(z) = (y) == -1 ? 0 : (T)((x) % (y))), 0))
#define IOP_PMOD(T, x, y, z) \
  ((y) == 0 ? 2 : ((*(z) = (y) == -1 ? 0 : (T)((x) % (y))), (*(z) < 0 ? (*(z) = (T)(*(z) + ((y) < 0 ? -(y) : (y)))) : 0), 0))

#define DEF_INT_BINOP(NAME, T, OPM)                                                          \
  static int NAME(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {       \
    const arith_info *ai = c->e->u.call.def->info;                                           \
    vec_view va, vb;                                                                         \
    vec_view_init(&va, args[0]);                                                             \
    vec_view_init(&vb, args[1]);                                                             \
    const T *a = va.data, *b = vb.data;                                                      \
    T *o = out->data;                                                                        \
    for (uint32_t i = 0; i < n; i++) {                                                       \
      uint32_t r = sel ? sel[i] : i;                                                         \
      if (!FN_ROW_VALID(out, r)) continue;                                                   \
      T x = a[VIEW_IDX(&va, r)], y = b[VIEW_IDX(&vb, r)], z = 0;                             \
      int bad = OPM(T, x, y, &z);                                                            \
      if (bad) {                                                                             \
        if (ai->try_) {                                                                      \
          TRY(vec_set_null(out, r));                                                         \
          continue;                                                                          \
        }                                                                                    \
        if (bad == 2) return div_zero_err(c, ai);                                            \
        char xs[32], ys[32];                                                                 \
        fmt_i64(x, xs);                                                                      \
        fmt_i64(y, ys);                                                                      \
        return overflow_err(c, ai, out->type, xs, ys);                                       \
      }                                                                                      \
      o[r] = z;                                                                              \
    }                                                                                        \
    return LAGO_OK;                                                                          \
  }

#define DEF_INT_FAMILY(SFX, T)                       \
  DEF_INT_BINOP(k_add_##SFX, T, IOP_ADD)             \
  DEF_INT_BINOP(k_sub_##SFX, T, IOP_SUB)             \
  DEF_INT_BINOP(k_mul_##SFX, T, IOP_MUL)             \
  DEF_INT_BINOP(k_mod_##SFX, T, IOP_MOD)             \
  DEF_INT_BINOP(k_pmod_##SFX, T, IOP_PMOD)

DEF_INT_FAMILY(i8, int8_t)
DEF_INT_FAMILY(i16, int16_t)
DEF_INT_FAMILY(i32, int32_t)
DEF_INT_FAMILY(i64, int64_t)

/* Fast BIGINT/INT addition without nulls: the hot path of TPC-H-like queries. */

/* Integral division (BIGINT operands after the casts): truncates, MIN div -1 overflows. */
static int k_idiv_i64(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  const arith_info *ai = c->e->u.call.def->info;
  vec_view va, vb;
  vec_view_init(&va, args[0]);
  vec_view_init(&vb, args[1]);
  const int64_t *a = va.data, *b = vb.data;
  int64_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int64_t x = a[VIEW_IDX(&va, r)], y = b[VIEW_IDX(&vb, r)];
    if (y == 0) {
      if (ai->try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return div_zero_err(c, ai);
    }
    if (x == INT64_MIN && y == -1) {
      if (ai->try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return overflow_err(c, ai, out->type, "-9223372036854775808", "-1");
    }
    o[r] = x / y;
  }
  return LAGO_OK;
}

/* ---- floating point ------------------------------------------------------------------- */

#define DEF_FLT_BINOP(NAME, T, EXPR, CHECKZERO)                                              \
  static int NAME(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {       \
    const arith_info *ai = c->e->u.call.def->info;                                           \
    (void)ai;                                                                                \
    vec_view va, vb;                                                                         \
    vec_view_init(&va, args[0]);                                                             \
    vec_view_init(&vb, args[1]);                                                             \
    const T *a = va.data, *b = vb.data;                                                      \
    T *o = out->data;                                                                        \
    for (uint32_t i = 0; i < n; i++) {                                                       \
      uint32_t r = sel ? sel[i] : i;                                                         \
      T x = a[VIEW_IDX(&va, r)], y = b[VIEW_IDX(&vb, r)];                                    \
      if (CHECKZERO && y == 0 && FN_ROW_VALID(out, r)) {                                     \
        if (ai->try_) {                                                                      \
          TRY(vec_set_null(out, r));                                                         \
          continue;                                                                          \
        }                                                                                    \
        return div_zero_err(c, ai);                                                          \
      }                                                                                      \
      o[r] = (T)(EXPR);                                                                      \
    }                                                                                        \
    return LAGO_OK;                                                                          \
  }

static inline double java_fmod(double x, double y) { return fmod(x, y); }
static inline double java_pmod(double x, double y) {
  double m = fmod(x, y);
  return m < 0 ? m + fabs(y) : m;
}

DEF_FLT_BINOP(k_add_f64, double, x + y, 0)
DEF_FLT_BINOP(k_sub_f64, double, x - y, 0)
DEF_FLT_BINOP(k_mul_f64, double, x * y, 0)
DEF_FLT_BINOP(k_div_f64, double, x / y, 1)
DEF_FLT_BINOP(k_mod_f64, double, java_fmod(x, y), 1)
DEF_FLT_BINOP(k_pmod_f64, double, java_pmod(x, y), 1)
DEF_FLT_BINOP(k_add_f32, float, x + y, 0)
DEF_FLT_BINOP(k_sub_f32, float, x - y, 0)
DEF_FLT_BINOP(k_mul_f32, float, x * y, 0)
DEF_FLT_BINOP(k_mod_f32, float, java_fmod(x, y), 1)
DEF_FLT_BINOP(k_pmod_f32, float, java_pmod(x, y), 1)

/* ---- decimals ---------------------------------------------------------------------------- */

static int dec_range_err(fn_call *c, lago_i128 v, int scale, lago_type t, bool exact) {
  char tmp[FMT_NUM_MAX];
  if (exact) fmt_decimal(v, scale, tmp);
  else snprintf(tmp, sizeof tmp, "result");
  return FN_ERR(c, "[NUMERIC_VALUE_OUT_OF_RANGE] %s cannot be represented as Decimal(%d, %d). If necessary set "
                   "\"spark.sql.ansi.enabled\" to \"false\" to bypass this error, and return NULL instead.",
                tmp, t.precision, t.scale);
}

static int k_dec(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  const arith_info *ai = c->e->u.call.def->info;
  lago_type ta = c->e->args[0]->type, tb = c->e->args[1]->type, to = out->type;
  bool wa = type_decimal_is_wide(ta), wb = type_decimal_is_wide(tb), wo = type_decimal_is_wide(to);
  int sa = ta.scale, sb = tb.scale, s = to.scale, p = to.precision;
  vec_view va, vb;
  vec_view_init(&va, args[0]);
  vec_view_init(&vb, args[1]);
  /* Fast path: narrow +/- narrow at the result scale. */
  if ((ai->op == '+' || ai->op == '-') && !wa && !wb && sa == s && sb == s) {
    const int64_t *a = va.data, *b = vb.data;
    lago_i128 lim = dec_pow10(p);
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = sel ? sel[i] : i;
      if (!FN_ROW_VALID(out, r)) continue;
      lago_i128 x = a[VIEW_IDX(&va, r)], y = b[VIEW_IDX(&vb, r)];
      lago_i128 z = ai->op == '+' ? x + y : x - y;
      if (z >= lim || z <= -lim) {
        if (ai->try_) {
          TRY(vec_set_null(out, r));
          continue;
        }
        return dec_range_err(c, z, s, to, true);
      }
      dec_store(out->data, r, wo, z);
    }
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    lago_i128 x = dec_load(va.data, VIEW_IDX(&va, r), wa), y = dec_load(vb.data, VIEW_IDX(&vb, r), wb), z = 0;
    bool ok = true, zero = false;
    switch (ai->op) {
      case '+': ok = dec_add(x, sa, y, sb, s, &z); break;
      case '-': ok = dec_sub(x, sa, y, sb, s, &z); break;
      case '*': ok = dec_mul(x, sa, y, sb, s, &z); break;
      case '/':
        if (y == 0) zero = true;
        else ok = dec_div(x, sa, y, sb, s, &z);
        break;
      case '%':
      case 'p':
        if (y == 0) zero = true;
        else {
          ok = dec_mod(x, sa, y, sb, s, &z);
          if (ok && ai->op == 'p' && z < 0) {
            lago_i128 ay = y < 0 ? -y : y, yy;
            ok = dec_rescale(ay, sb, s, &yy) && !__builtin_add_overflow(z, yy, &z);
          }
        }
        break;
    }
    if (zero) {
      if (ai->try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return div_zero_err(c, ai);
    }
    if (!ok || !dec_fits(z, p)) {
      if (ai->try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return dec_range_err(c, z, s, to, ok);
    }
    dec_store(out->data, r, wo, z);
  }
  return LAGO_OK;
}

/* div on decimals: truncated integral quotient as BIGINT. */
static int k_idiv_dec(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  const arith_info *ai = c->e->u.call.def->info;
  lago_type ta = c->e->args[0]->type, tb = c->e->args[1]->type;
  bool wa = type_decimal_is_wide(ta), wb = type_decimal_is_wide(tb);
  vec_view va, vb;
  vec_view_init(&va, args[0]);
  vec_view_init(&vb, args[1]);
  int64_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    lago_i128 x = dec_load(va.data, VIEW_IDX(&va, r), wa), y = dec_load(vb.data, VIEW_IDX(&vb, r), wb), z;
    if (y == 0) {
      if (ai->try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return div_zero_err(c, ai);
    }
    if (!dec_intdiv(x, ta.scale, y, tb.scale, &z) || z > INT64_MAX || z < INT64_MIN) {
      if (ai->try_) {
        TRY(vec_set_null(out, r));
        continue;
      }
      return overflow_err(c, ai, type_make(LT_BIGINT), "decimal", "decimal");
    }
    o[r] = (int64_t)z;
  }
  return LAGO_OK;
}

/* ---- DATE +/- integer --------------------------------------------------------------------- */

static int k_date_add_int(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  const arith_info *ai = c->e->u.call.def->info;
  bool swap = c->e->args[0]->type.id != LT_DATE; /* INT + DATE */
  vec_view vd, vi;
  vec_view_init(&vd, args[swap ? 1 : 0]);
  vec_view_init(&vi, args[swap ? 0 : 1]);
  const int32_t *d = vd.data, *k = vi.data;
  int32_t *o = out->data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    int32_t x = d[VIEW_IDX(&vd, r)], y = k[VIEW_IDX(&vi, r)], z;
    bool bad = ai->op == '-' ? __builtin_sub_overflow(x, y, &z) : __builtin_add_overflow(x, y, &z);
    if (bad) return FN_ERR(c, "[ARITHMETIC_OVERFLOW] integer overflow in date %s %d days", op_text(ai->op), y);
    o[r] = z;
  }
  return LAGO_OK;
}

/* ---- binds --------------------------------------------------------------------------------- */

static int type_err(func_bind *b, lago_err *err) {
  const char *x = type_sql_name(b->ar, b->arg_types[0]);
  const char *y = b->n_args > 1 ? type_sql_name(b->ar, b->arg_types[1]) : NULL;
  if (y)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE] `%s` cannot be applied to %s and %s",
                    b->def->name, x ? x : "?", y);
  return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s` cannot be applied to %s", b->def->name, x ? x : "?");
}

static scalar_kernel int_kernel(char op, lago_type_id id) {
#define PICK(SFX)                                       \
  switch (op) {                                         \
    case '+': return k_add_##SFX;                       \
    case '-': return k_sub_##SFX;                       \
    case '*': return k_mul_##SFX;                       \
    case '%': return k_mod_##SFX;                       \
    case 'p': return k_pmod_##SFX;                      \
  }                                                     \
  return NULL;
  switch (id) {
    case LT_TINYINT: PICK(i8)
    case LT_SMALLINT: PICK(i16)
    case LT_INT: PICK(i32)
    case LT_BIGINT: PICK(i64)
    default: return NULL;
  }
#undef PICK
}

static lago_type dec_result(char op, lago_type a, lago_type b) {
  int p1 = a.precision, s1 = a.scale, p2 = b.precision, s2 = b.scale;
  int smax = s1 > s2 ? s1 : s2;
  switch (op) {
    case '+':
    case '-': {
      int r1 = p1 - s1, r2 = p2 - s2;
      return func_decimal_adjust((r1 > r2 ? r1 : r2) + smax + 1, smax);
    }
    case '*': return func_decimal_adjust(p1 + p2 + 1, s1 + s2);
    case '/': {
      int s = s1 + p2 + 1;
      if (s < 6) s = 6;
      return func_decimal_adjust(p1 - s1 + s2 + s, s);
    }
    default: { /* % and pmod */
      int r1 = p1 - s1, r2 = p2 - s2;
      return func_decimal_adjust((r1 < r2 ? r1 : r2) + smax, smax);
    }
  }
}

static int bind_arith(func_bind *b, lago_err *err) {
  const arith_info *ai = b->def->info;
  lago_type a = b->arg_types[0], c = b->arg_types[1];
  /* DATE +/- integral: add days. */
  if ((ai->op == '+' || ai->op == '-') && !ai->try_) {
    bool da = a.id == LT_DATE, dc = c.id == LT_DATE;
    if ((da && (type_is_integer(c) || c.id == LT_NULL)) || (ai->op == '+' && dc && type_is_integer(a))) {
      b->casts[da ? 1 : 0] = type_make(LT_INT);
      b->ret = type_make(LT_DATE);
      b->kernel = k_date_add_int;
      return LAGO_OK;
    }
  }
  if (a.id == LT_NULL && c.id == LT_NULL) a = c = type_make(LT_INT);
  else if (a.id == LT_NULL) a = c;
  else if (c.id == LT_NULL) c = a;
  lago_type t;
  if (!func_common_type(a, c, &t) || !type_is_numeric(t)) return type_err(b, err);
  if (t.id == LT_DECIMAL) {
    lago_type da, dc;
    if (!func_decimal_of(a.id == LT_STRING ? t : a, &da) || !func_decimal_of(c.id == LT_STRING ? t : c, &dc))
      return type_err(b, err);
    b->casts[0] = da;
    b->casts[1] = dc;
    if (ai->op == 'd') {
      b->ret = type_make(LT_BIGINT);
      b->kernel = k_idiv_dec;
    } else {
      b->ret = dec_result(ai->op, da, dc);
      b->kernel = k_dec;
    }
    return LAGO_OK;
  }
  if (ai->op == 'd') {
    if (t.id == LT_FLOAT || t.id == LT_DOUBLE) return type_err(b, err);
    b->casts[0] = b->casts[1] = b->ret = type_make(LT_BIGINT);
    b->kernel = k_idiv_i64;
    return LAGO_OK;
  }
  if (ai->op == '/' || t.id == LT_DOUBLE || (t.id == LT_FLOAT && ai->op == '/')) {
    b->casts[0] = b->casts[1] = b->ret = type_make(LT_DOUBLE);
    switch (ai->op) {
      case '+': b->kernel = k_add_f64; break;
      case '-': b->kernel = k_sub_f64; break;
      case '*': b->kernel = k_mul_f64; break;
      case '/': b->kernel = k_div_f64; break;
      case '%': b->kernel = k_mod_f64; break;
      case 'p': b->kernel = k_pmod_f64; break;
    }
    return LAGO_OK;
  }
  if (t.id == LT_FLOAT) {
    b->casts[0] = b->casts[1] = b->ret = t;
    switch (ai->op) {
      case '+': b->kernel = k_add_f32; break;
      case '-': b->kernel = k_sub_f32; break;
      case '*': b->kernel = k_mul_f32; break;
      case '%': b->kernel = k_mod_f32; break;
      case 'p': b->kernel = k_pmod_f32; break;
    }
    return LAGO_OK;
  }
  if (!type_is_integer(t) || t.id >= LT_UTINYINT) t = type_make(LT_BIGINT);
  b->casts[0] = b->casts[1] = b->ret = t;
  b->kernel = int_kernel(ai->op, (lago_type_id)t.id);
  return b->kernel ? LAGO_OK : type_err(b, err);
}

/* ---- unary -------------------------------------------------------------------------------- */

/* negative and abs: info 'n' or 'a'. */
static int k_neg_abs(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool is_abs = *(const char *)c->e->u.call.def->info == 'a';
  vec_view va;
  vec_view_init(&va, args[0]);
  lago_type t = out->type;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ix = VIEW_IDX(&va, r);
    switch ((lago_type_id)t.id) {
#define NEG_INT(T, MIN)                                                                     \
  {                                                                                         \
    T x = ((const T *)va.data)[ix];                                                         \
    if (is_abs && x >= 0) {                                                                 \
      ((T *)out->data)[r] = x;                                                              \
      break;                                                                                \
    }                                                                                       \
    if (x == MIN) {                                                                         \
      char xs[32];                                                                          \
      fmt_i64(x, xs);                                                                       \
      return FN_ERR(c, "[ARITHMETIC_OVERFLOW] %s overflow in %s(%s)", int_word((lago_type_id)t.id), \
                    is_abs ? "abs" : "-", xs);                                              \
    }                                                                                       \
    ((T *)out->data)[r] = (T)-x;                                                            \
    break;                                                                                  \
  }
      case LT_TINYINT: NEG_INT(int8_t, INT8_MIN)
      case LT_SMALLINT: NEG_INT(int16_t, INT16_MIN)
      case LT_INT: NEG_INT(int32_t, INT32_MIN)
      case LT_BIGINT: NEG_INT(int64_t, INT64_MIN)
#undef NEG_INT
      case LT_FLOAT: {
        float x = ((const float *)va.data)[ix];
        ((float *)out->data)[r] = is_abs ? fabsf(x) : -x;
        break;
      }
      case LT_DOUBLE: {
        double x = ((const double *)va.data)[ix];
        ((double *)out->data)[r] = is_abs ? fabs(x) : -x;
        break;
      }
      case LT_DECIMAL: {
        bool w = type_decimal_is_wide(t);
        lago_i128 x = dec_load(va.data, ix, w);
        dec_store(out->data, r, w, is_abs && x >= 0 ? x : -x);
        break;
      }
      default: return FN_ERR(c, "negative/abs: unsupported type");
    }
  }
  return LAGO_OK;
}

static int k_identity(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  return vec_gather(out, 0, args[0], NULL, eval_len(sel, n)) ? LAGO_NOMEM : LAGO_OK;
}

static int bind_unary_numeric(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id == LT_STRING || t.id == LT_NULL) t = type_make(LT_DOUBLE);
  if (type_is_integer(t) && t.id >= LT_UTINYINT) t = type_make(LT_BIGINT);
  if (!type_is_numeric(t)) return type_err(b, err);
  b->casts[0] = b->ret = t;
  return LAGO_OK;
}

/* ---- math on doubles ---------------------------------------------------------------------- */

typedef double (*dfun1)(double);
static double d_ln(double x) { return x <= 0 ? NAN : log(x); }
static double d_log10(double x) { return x <= 0 ? NAN : log10(x); }
static double d_log2(double x) { return x <= 0 ? NAN : log2(x); }
static double d_signum(double x) { return x > 0 ? 1.0 : x < 0 ? -1.0 : x; }

/* Unary double function; info = dfun1. Logarithms of non-positive numbers are NULL (Spark). */
static int k_dfun1(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  dfun1 f = (dfun1)c->e->u.call.def->info;
  vec_view va;
  vec_view_init(&va, args[0]);
  const double *a = va.data;
  double *o = out->data;
  bool is_log = f == d_ln || f == d_log10 || f == d_log2;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    double x = a[VIEW_IDX(&va, r)];
    if (is_log && x <= 0) {
      TRY(vec_set_null(out, r));
      continue;
    }
    o[r] = f(x);
  }
  return LAGO_OK;
}

static int k_pow(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view va, vb;
  vec_view_init(&va, args[0]);
  vec_view_init(&vb, args[1]);
  const double *a = va.data, *b = vb.data;
  double *o = out->data;
  EVAL_FOR(sel, n, r, o[r] = pow(a[VIEW_IDX(&va, r)], b[VIEW_IDX(&vb, r)]););
  return LAGO_OK;
}

/* log(base, x) with two arguments. */
static int k_logb(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  vec_view va, vb;
  vec_view_init(&va, args[0]);
  vec_view_init(&vb, args[1]);
  const double *a = va.data, *b = vb.data;
  double *o = out->data;
  (void)c;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    double base = a[VIEW_IDX(&va, r)], x = b[VIEW_IDX(&vb, r)];
    if (base <= 0 || x <= 0) {
      TRY(vec_set_null(out, r));
      continue;
    }
    o[r] = log(x) / log(base);
  }
  return LAGO_OK;
}

static int bind_log(func_bind *b, lago_err *err) {
  (void)err;
  for (uint32_t i = 0; i < b->n_args; i++) b->casts[i] = type_make(LT_DOUBLE);
  b->ret = type_make(LT_DOUBLE);
  b->kernel = b->n_args == 2 ? k_logb : k_dfun1;
  return LAGO_OK;
}

/* ---- round / bround / floor / ceil ---------------------------------------------------------- */

/* Constant integer argument i (the scale of round); false if not a constant integer. */
static bool const_int_arg(const func_bind *b, uint32_t i, int64_t *out) {
  if (!b->args || i >= b->n_args) return false;
  const expr *e = b->args[i];
  while (e->kind == EXPR_CAST) e = e->args[0];
  if (e->kind != EXPR_CONST || !type_is_integer(e->type) || !vec_is_valid(e->u.value, 0)) return false;
  const void *d = e->u.value->data;
  switch ((lago_type_id)e->type.id) {
    case LT_TINYINT: *out = *(const int8_t *)d; return true;
    case LT_SMALLINT: *out = *(const int16_t *)d; return true;
    case LT_INT: *out = *(const int32_t *)d; return true;
    case LT_BIGINT: *out = *(const int64_t *)d; return true;
    default: return false;
  }
}

typedef struct round_data {
  int digits;     /* scale argument */
  bool half_even; /* bround */
} round_data;

/* Rounds a double as Spark: through its shortest decimal text (BigDecimal(d)). */
static double round_double(double x, int digits, bool half_even, bool is_float) {
  if (!isfinite(x) || fabs(x) >= 1e38) return x;
  char tmp[FMT_NUM_MAX];
  int n = is_float ? fmt_float((float)x, tmp) : fmt_double(x, tmp);
  /* Integer digits k of |x|; the text then fits DECIMAL(38, 38 - k) exactly
  ** (shortest texts have at most 17 significant digits). */
  int k = 1;
  double ax = fabs(x), p = 10;
  while (k < 38 && ax >= p) {
    k++;
    p *= 10;
  }
  int sc = 38 - k;
  if (digits >= sc) return x;
  lago_i128 v, rv;
  if (parse_decimal(tmp, (size_t)n, 38, sc, &v) != 0) return x;
  if (!dec_round_to(v, sc, digits, half_even, &rv)) return x;
  double res = dec_to_double(rv, sc);
  if (res == 0 && x < 0) res = -0.0;
  return res;
}

static int k_round(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  const round_data *rd = c->e->u.call.bind;
  int d = rd->digits;
  lago_type ti = c->e->args[0]->type, to = out->type;
  vec_view va;
  vec_view_init(&va, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ix = VIEW_IDX(&va, r);
    switch ((lago_type_id)ti.id) {
      case LT_DOUBLE: ((double *)out->data)[r] = round_double(((const double *)va.data)[ix], d, rd->half_even, false); break;
      case LT_FLOAT:
        ((float *)out->data)[r] = (float)round_double(((const float *)va.data)[ix], d, rd->half_even, true);
        break;
      case LT_DECIMAL: {
        lago_i128 x = dec_load(va.data, ix, type_decimal_is_wide(ti)), y;
        if (!dec_round_to(x, ti.scale, d, rd->half_even, &y) || !dec_rescale(y, ti.scale, to.scale, &y) ||
            !dec_fits(y, to.precision))
          return dec_range_err(c, y, to.scale, to, false);
        dec_store(out->data, r, type_decimal_is_wide(to), y);
        break;
      }
      case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: {
        int64_t x;
        switch ((lago_type_id)ti.id) {
          case LT_TINYINT: x = ((const int8_t *)va.data)[ix]; break;
          case LT_SMALLINT: x = ((const int16_t *)va.data)[ix]; break;
          case LT_INT: x = ((const int32_t *)va.data)[ix]; break;
          default: x = ((const int64_t *)va.data)[ix]; break;
        }
        lago_i128 y = x;
        if (d < 0 && !dec_round_to(x, 0, d, rd->half_even, &y)) y = 0;
        bool fits = true;
        switch ((lago_type_id)ti.id) {
          case LT_TINYINT: fits = y >= INT8_MIN && y <= INT8_MAX; if (fits) ((int8_t *)out->data)[r] = (int8_t)y; break;
          case LT_SMALLINT: fits = y >= INT16_MIN && y <= INT16_MAX; if (fits) ((int16_t *)out->data)[r] = (int16_t)y; break;
          case LT_INT: fits = y >= INT32_MIN && y <= INT32_MAX; if (fits) ((int32_t *)out->data)[r] = (int32_t)y; break;
          default: fits = y >= INT64_MIN && y <= INT64_MAX; if (fits) ((int64_t *)out->data)[r] = (int64_t)y; break;
        }
        if (!fits) return FN_ERR(c, "[ARITHMETIC_OVERFLOW] %s overflow in round", int_word((lago_type_id)ti.id));
        break;
      }
      default: return FN_ERR(c, "round: unsupported type");
    }
  }
  return LAGO_OK;
}

static int bind_round(func_bind *b, lago_err *err) {
  int64_t d = 0;
  if (b->n_args == 2 && !const_int_arg(b, 1, &d))
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH.NON_FOLDABLE_INPUT] `%s`: the scale must be a constant integer",
                    b->def->name);
  if (d < -38 || d > 38) d = d < 0 ? -38 : 38;
  round_data *rd = arena_zalloc(b->ar, sizeof *rd);
  if (!rd) return LAGO_NOMEM_ERR(err);
  rd->digits = (int)d;
  rd->half_even = *(const char *)b->def->info == 'e';
  b->data = rd;
  lago_type t = b->arg_types[0];
  if (t.id == LT_STRING || t.id == LT_NULL) t = type_make(LT_DOUBLE);
  if (type_is_integer(t) && t.id >= LT_UTINYINT) t = type_make(LT_BIGINT);
  if (!type_is_numeric(t)) return type_err(b, err);
  b->casts[0] = t;
  if (b->n_args == 2) b->casts[1] = b->arg_types[1];
  if (t.id == LT_DECIMAL) {
    int p = t.precision, s = t.scale, ild = p - s + 1;
    if (d < 0) {
      int np = ild > -d + 1 ? ild : (int)-d + 1;
      b->ret = type_decimal(np > 38 ? 38 : np, 0);
    } else {
      int ns = s < d ? s : (int)d;
      int np = ild + ns;
      b->ret = type_decimal(np > 38 ? 38 : np, ns);
    }
  } else {
    b->ret = t;
  }
  b->kernel = k_round;
  return LAGO_OK;
}

/* floor/ceil: DOUBLE/FLOAT/integers -> BIGINT; DECIMAL(p,s) -> DECIMAL(p-s+1, 0). info 'f' or 'c'. */
static int k_floor_ceil(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool is_floor = *(const char *)c->e->u.call.def->info == 'f';
  lago_type ti = c->e->args[0]->type;
  vec_view va;
  vec_view_init(&va, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    uint32_t ix = VIEW_IDX(&va, r);
    if (ti.id == LT_DECIMAL) {
      lago_i128 x = dec_load(va.data, ix, type_decimal_is_wide(ti));
      lago_i128 y = is_floor ? dec_floor(x, ti.scale) : dec_ceil(x, ti.scale);
      dec_store(out->data, r, type_decimal_is_wide(out->type), y);
      continue;
    }
    if (ti.id == LT_BIGINT) {
      ((int64_t *)out->data)[r] = ((const int64_t *)va.data)[ix];
      continue;
    }
    double x = ((const double *)va.data)[ix];
    double y = is_floor ? floor(x) : ceil(x);
    /* Java's (long) conversion saturates; NaN becomes 0. */
    int64_t v = y != y ? 0 : y >= 9223372036854775807.0 ? INT64_MAX : y <= -9223372036854775808.0 ? INT64_MIN : (int64_t)y;
    ((int64_t *)out->data)[r] = v;
  }
  return LAGO_OK;
}

static int bind_floor_ceil(func_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (t.id == LT_DECIMAL) {
    int p = t.precision - t.scale + 1;
    b->ret = type_decimal(p > 38 ? 38 : p, 0);
    return LAGO_OK;
  }
  if (type_is_integer(t)) {
    b->casts[0] = b->ret = type_make(LT_BIGINT);
    return LAGO_OK;
  }
  if (!type_is_numeric(t) && t.id != LT_STRING && t.id != LT_NULL) return type_err(b, err);
  b->casts[0] = type_make(LT_DOUBLE);
  b->ret = type_make(LT_BIGINT);
  return LAGO_OK;
}

/* ---- table ------------------------------------------------------------------------------------- */

#define ARITH(nm, info) {nm, 2, 2, 0, bind_arith, NULL, {0}, &info}
#define DF1(nm, f) {nm, 1, 1, 0, func_bind_sig, k_dfun1, SIG(LT_DOUBLE, LT_DOUBLE), (const void *)(f)}

const func_def func_defs_arith[] = {
    ARITH("+", ai_add),
    ARITH("-", ai_sub),
    ARITH("*", ai_mul),
    ARITH("/", ai_div),
    ARITH("%", ai_mod),
    ARITH("mod", ai_mod),
    ARITH("div", ai_idiv),
    ARITH("pmod", ai_pmod),
    ARITH("try_add", ai_tadd),
    ARITH("try_subtract", ai_tsub),
    ARITH("try_multiply", ai_tmul),
    ARITH("try_divide", ai_tdiv),
    ARITH("try_remainder", ai_tmod),
    {"negative", 1, 1, 0, bind_unary_numeric, k_neg_abs, {0}, "n"},
    {"abs", 1, 1, 0, bind_unary_numeric, k_neg_abs, {0}, "a"},
    {"positive", 1, 1, 0, bind_unary_numeric, k_identity, {0}, NULL},
    {"round", 1, 2, 0, bind_round, k_round, {0}, "u"},
    {"bround", 1, 2, 0, bind_round, k_round, {0}, "e"},
    {"floor", 1, 1, 0, bind_floor_ceil, k_floor_ceil, {0}, "f"},
    {"ceil", 1, 1, 0, bind_floor_ceil, k_floor_ceil, {0}, "c"},
    {"ceiling", 1, 1, 0, bind_floor_ceil, k_floor_ceil, {0}, "c"},
    DF1("sqrt", sqrt),
    DF1("cbrt", cbrt),
    DF1("exp", exp),
    DF1("ln", d_ln),
    DF1("log10", d_log10),
    DF1("log2", d_log2),
    DF1("sign", d_signum),
    DF1("signum", d_signum),
    DF1("sin", sin),
    DF1("cos", cos),
    DF1("tan", tan),
    DF1("asin", asin),
    DF1("acos", acos),
    DF1("atan", atan),
    {"log", 1, 2, 0, bind_log, k_dfun1, {0}, (const void *)d_ln},
    {"pow", 2, 2, 0, func_bind_sig, k_pow, SIG(LT_DOUBLE, LT_DOUBLE, LT_DOUBLE), NULL},
    {"power", 2, 2, 0, func_bind_sig, k_pow, SIG(LT_DOUBLE, LT_DOUBLE, LT_DOUBLE), NULL},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
