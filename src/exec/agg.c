/*
** exec/agg.c: aggregate functions (see agg.h): registry, binds, and the
** state/update/combine/finalize operations of each family.
**
** State layouts (each starts at states[i] + off, AGG_STATE_ALIGN (8) aligned, so
** no state may hold a 16-aligned type such as lago_i128 directly: 128-bit sums
** are two 8-byte words read and written with memcpy):
**   count, count_if        int64 n
**   sum of integers        {int64 sum; bool any}        ANSI overflow error
**   sum of decimals        {i128 sum; int64 n}          24 bytes; result must fit DECIMAL(p+10, s)
**   sum/avg of doubles     {double sum; int64 n}
**   avg of decimals        {i128 sum; int64 n}          sum / n rounded HALF_UP at s+4
**   min/max/first/last/    {16-byte value slot; bool has; bool set}; strings' bytes in rt->ar
**   any_value
**   bool_and/or            {uint8 v; bool has}
**   variance family        {double n, mean, m2}        Welford; Chan et al. to combine
**   approx_count_distinct  {uint8 *regs}                HLL registers (2^p bytes) in rt->ar
**   collect_list/set       {vec *items; uint32 *index; uint32 index_cap}
*/
#include "exec/agg.h"

#include <math.h>
#include <string.h>
#include <strings.h>

#include "exec/decimal.h"
#include "exec/func.h"
#include "exec/vecops.h"
#include "util/numfmt.h"

#define ST(T, s, off) ((T *)(void *)((s) + (off)))

/* Row r of every argument is non-null. */
static inline bool args_valid(vec **args, uint32_t n_args, uint32_t r) {
  for (uint32_t k = 0; k < n_args; k++)
    if (!vec_is_valid(args[k], r)) return false;
  return true;
}

/* ---- count ---------------------------------------------------------------------------- */

static void count_init(const agg_bind *b, uint8_t *s) {
  (void)b;
  *(int64_t *)(void *)s = 0;
}

static int count_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                        uint8_t *const *states, size_t off) {
  (void)rt;
  if (b->n_args == 0) {
    for (uint32_t i = 0; i < n; i++) (*ST(int64_t, states[i], off))++;
    return LAGO_OK;
  }
  bool any_nulls = false;
  for (uint32_t k = 0; k < b->n_args; k++) any_nulls |= args[k]->validity != NULL;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!any_nulls || args_valid(args, b->n_args, r)) (*ST(int64_t, states[i], off))++;
  }
  return LAGO_OK;
}

static int count_if_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                           uint8_t *const *states, size_t off) {
  (void)b;
  (void)rt;
  vec_view vw;
  vec_view_init(&vw, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (VIEW_VALID(&vw, r) && ((const uint8_t *)vw.data)[VIEW_IDX(&vw, r)]) (*ST(int64_t, states[i], off))++;
  }
  return LAGO_OK;
}

static int count_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  (void)b;
  (void)rt;
  for (uint32_t i = 0; i < n; i++) *ST(int64_t, dst[i], off) += *ST(int64_t, src[i], off);
  return LAGO_OK;
}

static int count_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                          uint32_t out_off) {
  (void)b;
  (void)rt;
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) VEC_DATA(out, int64_t)[out_off + i] = *ST(int64_t, states[i], off);
  return LAGO_OK;
}

static const agg_ops k_count_ops = {count_init, count_update, count_combine, count_finalize};
static const agg_ops k_count_if_ops = {count_init, count_if_update, count_combine, count_finalize};

/* ---- sum / avg ------------------------------------------------------------------------- */

typedef struct sum_i64 {
  int64_t sum;
  int64_t any;
} sum_i64;
/* sum is a lago_i128 kept as two words (8-byte aligned): access it only through dec_get/dec_put */
typedef struct sum_dec {
  uint64_t sum[2];
  int64_t n;
} sum_dec;
static inline lago_i128 dec_get(const sum_dec *s) {
  lago_i128 v;
  memcpy(&v, s->sum, sizeof v);
  return v;
}
static inline void dec_put(sum_dec *s, lago_i128 v) { memcpy(s->sum, &v, sizeof v); }
typedef struct sum_dbl {
  double sum;
  int64_t n;
} sum_dbl;

static void zero_init(const agg_bind *b, uint8_t *s) { memset(s, 0, b->state_size); }

static int sum_overflow(agg_rt *rt) {
  return LAGO_ERR(rt->err, LAGO_RUNTIME,
                  "[ARITHMETIC_OVERFLOW] long overflow in sum. Use 'try_sum' to tolerate overflow and return NULL instead.");
}

static int sum_i64_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                          uint8_t *const *states, size_t off) {
  (void)b;
  vec_view vw;
  vec_view_init(&vw, args[0]);
  const int64_t *d = vw.data;
  if (!vw.validity && !vw.codes && !vw.is_const) { /* plain values: no per-row view dispatch */
    if (sel) {
      for (uint32_t i = 0; i < n; i++) {
        sum_i64 *s = ST(sum_i64, states[i], off);
        if (__builtin_add_overflow(s->sum, d[sel[i]], &s->sum)) return sum_overflow(rt);
        s->any = 1;
      }
    } else {
      for (uint32_t i = 0; i < n; i++) {
        sum_i64 *s = ST(sum_i64, states[i], off);
        if (__builtin_add_overflow(s->sum, d[i], &s->sum)) return sum_overflow(rt);
        s->any = 1;
      }
    }
    return LAGO_OK;
  }
  if (!vw.validity && !vw.is_const) { /* DICT without NULLs (e.g. a join's build column) */
    for (uint32_t i = 0; i < n; i++) {
      sum_i64 *s = ST(sum_i64, states[i], off);
      if (__builtin_add_overflow(s->sum, d[vw.codes[sel ? sel[i] : i]], &s->sum)) return sum_overflow(rt);
      s->any = 1;
    }
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) continue;
    sum_i64 *s = ST(sum_i64, states[i], off);
    if (__builtin_add_overflow(s->sum, d[VIEW_IDX(&vw, r)], &s->sum)) return sum_overflow(rt);
    s->any = 1;
  }
  return LAGO_OK;
}

/* sum(INT): the 4-byte values are added as they are (no cast to BIGINT first); state as sum_i64. */
static int sum_i32_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                          uint8_t *const *states, size_t off) {
  (void)b;
  vec_view vw;
  vec_view_init(&vw, args[0]);
  const int32_t *d = vw.data;
  if (!vw.validity && !vw.codes && !vw.is_const) {
    for (uint32_t i = 0; i < n; i++) {
      sum_i64 *s = ST(sum_i64, states[i], off);
      if (__builtin_add_overflow(s->sum, (int64_t)d[sel ? sel[i] : i], &s->sum)) return sum_overflow(rt);
      s->any = 1;
    }
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) continue;
    sum_i64 *s = ST(sum_i64, states[i], off);
    if (__builtin_add_overflow(s->sum, (int64_t)d[VIEW_IDX(&vw, r)], &s->sum)) return sum_overflow(rt);
    s->any = 1;
  }
  return LAGO_OK;
}

static int sum_i64_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n,
                           size_t off) {
  (void)b;
  for (uint32_t i = 0; i < n; i++) {
    sum_i64 *s = ST(sum_i64, src[i], off), *d = ST(sum_i64, dst[i], off);
    if (!s->any) continue;
    if (__builtin_add_overflow(d->sum, s->sum, &d->sum)) return sum_overflow(rt);
    d->any = 1;
  }
  return LAGO_OK;
}

static int sum_i64_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                            uint32_t out_off) {
  (void)b;
  (void)rt;
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) {
    sum_i64 *s = ST(sum_i64, states[i], off);
    if (!s->any) TRY(vec_set_null(out, out_off + i));
    else {
      VEC_DATA(out, int64_t)[out_off + i] = s->sum;
      vec_set_valid(out, out_off + i);
    }
  }
  return LAGO_OK;
}

/* decimal sum and avg share the state; info in b->data_u32: 0 sum, 1 avg */
static int dec_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                      uint8_t *const *states, size_t off) {
  vec_view vw;
  vec_view_init(&vw, args[0]);
  bool wide = type_decimal_is_wide(args[0]->type);
  if (!wide && !vw.validity && !vw.codes && !vw.is_const) {
    const int64_t *d = vw.data;
    /* 64-bit values into a 128-bit sum: no overflow before 2^63 rows, so no check per row */
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = sel ? sel[i] : i;
      sum_dec *s = ST(sum_dec, states[i], off);
      dec_put(s, dec_get(s) + (lago_i128)d[r]);
      s->n++;
    }
    return LAGO_OK;
  }
  (void)b;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) continue;
    sum_dec *s = ST(sum_dec, states[i], off);
    lago_i128 v;
    if (__builtin_add_overflow(dec_get(s), dec_load(vw.data, VIEW_IDX(&vw, r), wide), &v)) return sum_overflow(rt);
    dec_put(s, v);
    s->n++;
  }
  return LAGO_OK;
}

static int dec_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  (void)b;
  for (uint32_t i = 0; i < n; i++) {
    sum_dec *s = ST(sum_dec, src[i], off), *d = ST(sum_dec, dst[i], off);
    lago_i128 v;
    if (__builtin_add_overflow(dec_get(d), dec_get(s), &v)) return sum_overflow(rt);
    dec_put(d, v);
    d->n += s->n;
  }
  return LAGO_OK;
}

static int dec_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                        uint32_t out_off) {
  TRY(vec_reserve(out, out_off + n));
  lago_type in = b->casts[0], t = b->ret;
  bool wide = type_decimal_is_wide(t), avg = b->data_u32 == 1;
  for (uint32_t i = 0; i < n; i++) {
    sum_dec *s = ST(sum_dec, states[i], off);
    uint32_t r = out_off + i;
    if (s->n == 0) {
      TRY(vec_set_null(out, r));
      continue;
    }
    lago_i128 sum = dec_get(s), v = sum;
    bool ok = true;
    if (avg) ok = dec_div(sum, in.scale, s->n, 0, t.scale, &v);
    else ok = dec_rescale(sum, in.scale, t.scale, &v);
    if (!ok || !dec_fits(v, t.precision)) {
      char tmp[FMT_NUM_MAX];
      fmt_decimal(sum, in.scale, tmp);
      return LAGO_ERR(rt->err, LAGO_RUNTIME,
                      "[NUMERIC_VALUE_OUT_OF_RANGE] %s of %s cannot be represented as Decimal(%d, %d)",
                      avg ? "average" : "sum", tmp, t.precision, t.scale);
    }
    dec_store(out->data, r, wide, v);
    vec_set_valid(out, r);
  }
  return LAGO_OK;
}

static int dbl_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                      uint8_t *const *states, size_t off) {
  (void)b;
  (void)rt;
  vec_view vw;
  vec_view_init(&vw, args[0]);
  const double *d = vw.data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) continue;
    sum_dbl *s = ST(sum_dbl, states[i], off);
    s->sum += d[VIEW_IDX(&vw, r)];
    s->n++;
  }
  return LAGO_OK;
}

static int dbl_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  (void)b;
  (void)rt;
  for (uint32_t i = 0; i < n; i++) {
    sum_dbl *s = ST(sum_dbl, src[i], off), *d = ST(sum_dbl, dst[i], off);
    d->sum += s->sum;
    d->n += s->n;
  }
  return LAGO_OK;
}

static int dbl_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                        uint32_t out_off) {
  (void)rt;
  TRY(vec_reserve(out, out_off + n));
  bool avg = b->data_u32 == 1;
  for (uint32_t i = 0; i < n; i++) {
    sum_dbl *s = ST(sum_dbl, states[i], off);
    if (s->n == 0) {
      TRY(vec_set_null(out, out_off + i));
      continue;
    }
    VEC_DATA(out, double)[out_off + i] = avg ? s->sum / (double)s->n : s->sum;
    vec_set_valid(out, out_off + i);
  }
  return LAGO_OK;
}

static const agg_ops k_sum_i64_ops = {zero_init, sum_i64_update, sum_i64_combine, sum_i64_finalize};
static const agg_ops k_sum_i32_ops = {zero_init, sum_i32_update, sum_i64_combine, sum_i64_finalize};
static const agg_ops k_dec_ops = {zero_init, dec_update, dec_combine, dec_finalize};
static const agg_ops k_dbl_ops = {zero_init, dbl_update, dbl_combine, dbl_finalize};

/* ---- min / max / first / last / any_value ---------------------------------------------- */

typedef struct val_st {
  uint8_t slot[16]; /* the value (lago_str with bytes in rt->ar for strings) */
  uint8_t has;      /* a non-null value is stored */
  uint8_t set;      /* first(): a row (maybe NULL) has been taken */
} val_st;

enum { VK_MIN, VK_MAX, VK_FIRST, VK_LAST, VK_ANY };

/* Stores value at (p, idx) into s, copying string bytes into ar. */
static int val_store(val_st *s, const vec *p, uint32_t idx, size_t w, bool str, arena *ar) {
  if (str) {
    const lago_str *x = &VEC_DATA(p, lago_str)[idx];
    lago_str v = *x;
    if (x->len > LAGO_STR_INLINE) {
      char *copy = arena_memdup(ar, x->u.ptr, x->len);
      if (!copy) return LAGO_NOMEM;
      v.u.ptr = copy;
    }
    memcpy(s->slot, &v, sizeof v);
  } else {
    memcpy(s->slot, (const char *)p->data + (size_t)idx * w, w);
  }
  s->has = 1;
  return LAGO_OK;
}

/* Types whose values of width 4 or 8 order as signed integers (val_update's fast path). */
static bool type_orders_as_signed_int(lago_type t) {
  switch ((lago_type_id)t.id) {
    case LT_INT: case LT_BIGINT: case LT_DATE: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: return true;
    case LT_DECIMAL: return !type_decimal_is_wide(t);
    default: return false;
  }
}

/* Compares the stored slot with a value at (p, idx), Spark order. */
static int val_cmp(const val_st *s, lago_type t, const vec *p, uint32_t idx) {
  vec tmp;
  memset(&tmp, 0, sizeof tmp);
  tmp.type = t;
  tmp.kind = VEC_FLAT;
  tmp.data = (void *)s->slot;
  tmp.len = 1;
  return vecops_compare(&tmp, 0, p, idx);
}

static int val_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                      uint8_t *const *states, size_t off) {
  int kind = (int)b->data_u32;
  lago_type t = args[0]->type;
  size_t w = type_width(t);
  bool str = type_is_string_like(t);
  const vec *a = args[0];
  /* Fast path: MIN/MAX of a FLAT 32/64-bit signed integer column without NULLs (dates, timestamps and
  ** short decimals share the integer order). */
  if ((kind == VK_MIN || kind == VK_MAX) && a->kind == VEC_FLAT && !a->validity && !str && (w == 8 || w == 4) &&
      type_orders_as_signed_int(t)) {
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = sel ? sel[i] : i;
      val_st *s = ST(val_st, states[i], off);
      int64_t v = w == 8 ? ((const int64_t *)a->data)[r] : ((const int32_t *)a->data)[r];
      if (s->has) {
        int64_t cur;
        if (w == 8) memcpy(&cur, s->slot, 8);
        else {
          int32_t c32;
          memcpy(&c32, s->slot, 4);
          cur = c32;
        }
        if (kind == VK_MIN ? v >= cur : v <= cur) continue;
      }
      if (w == 8) memcpy(s->slot, &v, 8);
      else {
        int32_t v32 = (int32_t)v;
        memcpy(s->slot, &v32, 4);
      }
      s->has = 1;
    }
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    val_st *s = ST(val_st, states[i], off);
    bool valid = vec_is_valid(a, r);
    if (kind == VK_FIRST) {
      if (s->set || (!valid && b->ignore_nulls)) continue;
      s->set = 1;
      if (!valid) continue;
    }
    if (kind == VK_LAST && !valid && !b->ignore_nulls) {
      s->has = 0;
      continue;
    }
    if (!valid) continue;
    if (kind == VK_ANY && s->has) continue;
    uint32_t idx;
    const vec *p = vec_resolve(a, r, &idx);
    if (s->has && (kind == VK_MIN || kind == VK_MAX)) {
      int c = val_cmp(s, t, p, idx);
      if (kind == VK_MIN ? c <= 0 : c >= 0) continue;
    }
    if (val_store(s, p, idx, w, str, rt->ar)) return LAGO_NOMEM_ERR(rt->err);
  }
  return LAGO_OK;
}

static int val_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  int kind = (int)b->data_u32;
  lago_type t = b->casts[0];
  size_t w = type_width(t);
  bool str = type_is_string_like(t);
  for (uint32_t i = 0; i < n; i++) {
    val_st *s = ST(val_st, src[i], off), *d = ST(val_st, dst[i], off);
    if (kind == VK_FIRST) {
      if (d->set || !s->set) continue;
      d->set = 1;
    } else if (kind == VK_LAST) {
      if (!s->has && !b->ignore_nulls) {
        d->has = 0; /* the later part ended with NULL */
        continue;
      }
    }
    if (!s->has) continue;
    if (kind == VK_ANY && d->has) continue;
    vec tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.type = t;
    tmp.data = s->slot;
    tmp.len = 1;
    if (d->has && (kind == VK_MIN || kind == VK_MAX)) {
      int c = val_cmp(d, t, &tmp, 0);
      if (kind == VK_MIN ? c <= 0 : c >= 0) continue;
    }
    if (val_store(d, &tmp, 0, w, str, rt->ar)) return LAGO_NOMEM_ERR(rt->err);
  }
  return LAGO_OK;
}

static int val_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                        uint32_t out_off) {
  (void)rt;
  size_t w = type_width(b->ret);
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) {
    val_st *s = ST(val_st, states[i], off);
    uint32_t r = out_off + i;
    if (!s->has) {
      TRY(vec_set_null(out, r));
      if (type_is_string_like(b->ret)) memset(VEC_DATA(out, lago_str) + r, 0, sizeof(lago_str));
      continue;
    }
    memcpy((char *)out->data + (size_t)r * w, s->slot, w);
    vec_set_valid(out, r);
  }
  return LAGO_OK;
}

static const agg_ops k_val_ops = {zero_init, val_update, val_combine, val_finalize};

/* ---- bool_and / bool_or ----------------------------------------------------------------- */

typedef struct bool_st {
  uint8_t v, has;
} bool_st;

static int bool_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                       uint8_t *const *states, size_t off) {
  (void)rt;
  bool is_and = b->data_u32 == 0;
  vec_view vw;
  vec_view_init(&vw, args[0]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) continue;
    bool_st *s = ST(bool_st, states[i], off);
    uint8_t x = ((const uint8_t *)vw.data)[VIEW_IDX(&vw, r)] != 0;
    s->v = s->has ? (is_and ? (s->v & x) : (s->v | x)) : x;
    s->has = 1;
  }
  return LAGO_OK;
}

static int bool_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  (void)rt;
  bool is_and = b->data_u32 == 0;
  for (uint32_t i = 0; i < n; i++) {
    bool_st *s = ST(bool_st, src[i], off), *d = ST(bool_st, dst[i], off);
    if (!s->has) continue;
    d->v = d->has ? (is_and ? (d->v & s->v) : (d->v | s->v)) : s->v;
    d->has = 1;
  }
  return LAGO_OK;
}

static int bool_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                         uint32_t out_off) {
  (void)b;
  (void)rt;
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) {
    bool_st *s = ST(bool_st, states[i], off);
    if (!s->has) TRY(vec_set_null(out, out_off + i));
    else {
      VEC_DATA(out, uint8_t)[out_off + i] = s->v;
      vec_set_valid(out, out_off + i);
    }
  }
  return LAGO_OK;
}

static const agg_ops k_bool_ops = {zero_init, bool_update, bool_combine, bool_finalize};

/* ---- variance family ------------------------------------------------------------------------ */

typedef struct var_st {
  double n, mean, m2;
} var_st;

enum { VAR_SAMP, VAR_POP, STD_SAMP, STD_POP };

static int var_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                      uint8_t *const *states, size_t off) {
  (void)b;
  (void)rt;
  vec_view vw;
  vec_view_init(&vw, args[0]);
  const double *d = vw.data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&vw, r)) continue;
    var_st *s = ST(var_st, states[i], off);
    double x = d[VIEW_IDX(&vw, r)];
    /* Spark's CentralMomentAgg update, operation for operation */
    s->n += 1;
    double delta = x - s->mean, delta_n = delta / s->n;
    s->mean += delta_n;
    s->m2 += delta * (delta - delta_n);
  }
  return LAGO_OK;
}

static int var_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  (void)b;
  (void)rt;
  for (uint32_t i = 0; i < n; i++) {
    var_st *s = ST(var_st, src[i], off), *d = ST(var_st, dst[i], off);
    if (s->n == 0) continue;
    if (d->n == 0) {
      *d = *s;
      continue;
    }
    double nn = d->n + s->n, delta = s->mean - d->mean;
    d->m2 += s->m2 + delta * delta * d->n * s->n / nn;
    d->mean += delta * s->n / nn;
    d->n = nn;
  }
  return LAGO_OK;
}

static int var_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                        uint32_t out_off) {
  (void)rt;
  int kind = (int)b->data_u32;
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) {
    var_st *s = ST(var_st, states[i], off);
    bool samp = kind == VAR_SAMP || kind == STD_SAMP;
    if (s->n == 0 || (samp && s->n == 1)) {
      TRY(vec_set_null(out, out_off + i));
      continue;
    }
    double v = s->m2 / (samp ? s->n - 1 : s->n);
    if (kind == STD_SAMP || kind == STD_POP) v = sqrt(v);
    VEC_DATA(out, double)[out_off + i] = v;
    vec_set_valid(out, out_off + i);
  }
  return LAGO_OK;
}

static const agg_ops k_var_ops = {zero_init, var_update, var_combine, var_finalize};

/* ---- approx_count_distinct (HyperLogLog with HLL++ linear counting) ---------------------------- */

typedef struct hll_st {
  uint8_t *regs; /* 2^p registers in rt->ar, NULL until the first value */
} hll_st;

static int hll_regs(agg_rt *rt, hll_st *s, uint32_t p) {
  if (s->regs) return LAGO_OK;
  s->regs = arena_zalloc(rt->ar, (size_t)1 << p);
  return s->regs ? LAGO_OK : LAGO_NOMEM_ERR(rt->err);
}

static int hll_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                      uint8_t *const *states, size_t off) {
  uint32_t p = b->data_u32;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!vec_is_valid(args[0], r)) continue;
    hll_st *s = ST(hll_st, states[i], off);
    TRY(hll_regs(rt, s, p));
    uint64_t h = hash_mix64(vecops_hash_one(args[0], r) ^ UINT64_C(0x5bd1e9955bd1e995));
    uint32_t idx = (uint32_t)(h >> (64 - p));
    uint64_t rest = (h << p) | ((uint64_t)1 << (p - 1)); /* guard bit bounds the rank */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (rank > s->regs[idx]) s->regs[idx] = rank;
  }
  return LAGO_OK;
}

static int hll_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  uint32_t p = b->data_u32, m = 1u << p;
  for (uint32_t i = 0; i < n; i++) {
    hll_st *s = ST(hll_st, src[i], off), *d = ST(hll_st, dst[i], off);
    if (!s->regs) continue;
    TRY(hll_regs(rt, d, p));
    for (uint32_t k = 0; k < m; k++)
      if (s->regs[k] > d->regs[k]) d->regs[k] = s->regs[k];
  }
  return LAGO_OK;
}

static int hll_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                        uint32_t out_off) {
  (void)rt;
  static const double thresholds[] = {10, 20, 40, 80, 220, 400, 900, 1800, 3100, 6500, 11500, 20000, 50000, 120000, 350000};
  uint32_t p = b->data_u32, m = 1u << p;
  double alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) {
    hll_st *s = ST(hll_st, states[i], off);
    int64_t est = 0;
    if (s->regs) {
      double sum = 0;
      uint32_t zeros = 0;
      for (uint32_t k = 0; k < m; k++) {
        sum += ldexp(1.0, -(int)s->regs[k]);
        zeros += s->regs[k] == 0;
      }
      double e = alpha * m * m / sum;
      if (zeros) {
        double lc = m * log((double)m / zeros);
        if (lc <= thresholds[p - 4]) e = lc;
      }
      est = (int64_t)llround(e);
    }
    VEC_DATA(out, int64_t)[out_off + i] = est;
  }
  return LAGO_OK;
}

static const agg_ops k_hll_ops = {zero_init, hll_update, hll_combine, hll_finalize};

/* ---- collect_list / collect_set ------------------------------------------------------------------ */

typedef struct coll_st {
  vec *items;       /* FLAT vector in rt->ar, NULL until the first value */
  uint32_t *index;  /* collect_set: open-addressing table of item positions + 1 (0 = empty) */
  uint32_t index_cap;
} coll_st;

static int set_index_insert(agg_rt *rt, coll_st *s, uint32_t pos);

/* Position of an item equal to (p, idx) in s, or -1. */
static int64_t set_find(coll_st *s, const vec *p, uint32_t idx) {
  if (!s->items) return -1;
  if (!s->index) {
    for (uint32_t k = 0; k < s->items->len; k++)
      if (vecops_compare(s->items, k, p, idx) == 0) return k;
    return -1;
  }
  uint64_t h = vecops_hash_one(p, idx);
  uint32_t mask = s->index_cap - 1, slot = (uint32_t)h & mask;
  while (s->index[slot]) {
    uint32_t k = s->index[slot] - 1;
    if (vecops_compare(s->items, k, p, idx) == 0) return k;
    slot = (slot + 1) & mask;
  }
  return -1;
}

static int set_rebuild(agg_rt *rt, coll_st *s, uint32_t cap) {
  s->index = arena_zalloc(rt->ar, (size_t)cap * sizeof(uint32_t));
  if (!s->index) return LAGO_NOMEM_ERR(rt->err);
  s->index_cap = cap;
  for (uint32_t k = 0; k < s->items->len; k++) TRY(set_index_insert(rt, s, k));
  return LAGO_OK;
}

static int set_index_insert(agg_rt *rt, coll_st *s, uint32_t pos) {
  (void)rt;
  uint64_t h = vecops_hash_one(s->items, pos);
  uint32_t mask = s->index_cap - 1, slot = (uint32_t)h & mask;
  while (s->index[slot]) slot = (slot + 1) & mask;
  s->index[slot] = pos + 1;
  return LAGO_OK;
}

/* Appends (p, idx) to s (deduplicated when is_set). */
static int coll_add(agg_rt *rt, coll_st *s, lago_type t, const vec *p, uint32_t idx, bool is_set) {
  if (is_set && set_find(s, p, idx) >= 0) return LAGO_OK;
  if (!s->items) {
    s->items = vec_new(rt->ar, t, 4);
    if (!s->items) return LAGO_NOMEM_ERR(rt->err);
    s->items->len = 0;
  }
  uint32_t pos = s->items->len;
  if (vec_copy_row(s->items, pos, p, idx)) return LAGO_NOMEM_ERR(rt->err);
  s->items->len = pos + 1;
  if (is_set) {
    if (!s->index && s->items->len > 16) TRY(set_rebuild(rt, s, 64));
    else if (s->index) {
      if ((uint64_t)s->items->len * 2 > s->index_cap) TRY(set_rebuild(rt, s, s->index_cap * 2));
      else TRY(set_index_insert(rt, s, pos));
    }
  }
  return LAGO_OK;
}

static int coll_update(const agg_bind *b, agg_rt *rt, vec **args, const uint32_t *sel, uint32_t n,
                       uint8_t *const *states, size_t off) {
  bool is_set = b->data_u32 == 1;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!vec_is_valid(args[0], r)) continue;
    TRY(coll_add(rt, ST(coll_st, states[i], off), args[0]->type, args[0], r, is_set));
  }
  return LAGO_OK;
}

static int coll_combine(const agg_bind *b, agg_rt *rt, uint8_t *const *src, uint8_t *const *dst, uint32_t n, size_t off) {
  bool is_set = b->data_u32 == 1;
  for (uint32_t i = 0; i < n; i++) {
    coll_st *s = ST(coll_st, src[i], off), *d = ST(coll_st, dst[i], off);
    if (!s->items) continue;
    for (uint32_t k = 0; k < s->items->len; k++) TRY(coll_add(rt, d, s->items->type, s->items, k, is_set));
  }
  return LAGO_OK;
}

static int coll_finalize(const agg_bind *b, agg_rt *rt, uint8_t *const *states, uint32_t n, size_t off, vec *out,
                         uint32_t out_off) {
  (void)b;
  (void)rt;
  TRY(vec_reserve(out, out_off + n));
  for (uint32_t i = 0; i < n; i++) {
    coll_st *s = ST(coll_st, states[i], off);
    uint32_t cnt = s->items ? s->items->len : 0, at;
    TRY(vec_list_reserve(out, cnt, &at));
    if (cnt) TRY(vec_gather(out->child, at, s->items, NULL, cnt));
    VEC_DATA(out, lago_list)[out_off + i] = (lago_list){at, cnt};
    vec_set_valid(out, out_off + i);
  }
  return LAGO_OK;
}

static const agg_ops k_coll_ops = {zero_init, coll_update, coll_combine, coll_finalize};

/* ---- binds -------------------------------------------------------------------------------------- */

static int arg_type_err(agg_bind *b, const char *want, lago_err *err) {
  arena *tmp = arena_new("tmp", 256);
  const char *got = tmp ? type_sql_name(tmp, b->arg_types[0]) : NULL;
  int rc = LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] `%s` requires %s, got %s", b->fn->name, want, got ? got : "?");
  arena_free(tmp);
  return rc;
}

static int bind_count(agg_bind *b, lago_err *err) {
  (void)err;
  b->ret = type_make(LT_BIGINT);
  b->state_size = 8;
  b->ops = &k_count_ops;
  return LAGO_OK;
}

static int bind_count_if(agg_bind *b, lago_err *err) {
  if (!func_implicit_cast_ok(b->arg_types[0], type_make(LT_BOOLEAN))) return arg_type_err(b, "BOOLEAN", err);
  b->casts[0] = type_make(LT_BOOLEAN);
  b->ret = type_make(LT_BIGINT);
  b->state_size = 8;
  b->ops = &k_count_if_ops;
  return LAGO_OK;
}

/* info: "sum", "avg", "try_sum" */
static int bind_sum_avg(agg_bind *b, lago_err *err) {
  bool avg = !strcmp((const char *)b->fn->info, "avg");
  lago_type t = b->arg_types[0];
  if (t.id == LT_STRING || t.id == LT_NULL) t = type_make(LT_DOUBLE);
  if (!type_is_numeric(t)) return arg_type_err(b, "a numeric type", err);
  b->data_u32 = avg ? 1 : 0;
  if (t.id == LT_DECIMAL) {
    b->casts[0] = t;
    if (avg) {
      int p = t.precision + 4, s = t.scale + 4;
      b->ret = type_decimal(p > 38 ? 38 : p, s > 38 ? 38 : s);
    } else {
      int p = t.precision + 10;
      b->ret = type_decimal(p > 38 ? 38 : p, t.scale);
    }
    b->state_size = sizeof(sum_dec);
    b->ops = &k_dec_ops;
    return LAGO_OK;
  }
  if (type_is_integer(t) && !avg && t.id != LT_UBIGINT) {
    b->casts[0] = b->ret = type_make(LT_BIGINT);
    b->state_size = sizeof(sum_i64);
    b->ops = &k_sum_i64_ops;
    if (t.id == LT_INT) { /* read as given: no per-batch cast */
      b->casts[0] = t;
      b->ops = &k_sum_i32_ops;
    }
    return LAGO_OK;
  }
  b->casts[0] = b->ret = type_make(LT_DOUBLE);
  b->state_size = sizeof(sum_dbl);
  b->ops = &k_dbl_ops;
  return LAGO_OK;
}

/* info: VK_* as a string "0".."4" */
static int bind_val(agg_bind *b, lago_err *err) {
  int kind = *(const char *)b->fn->info - '0';
  lago_type t = b->arg_types[0];
  if (type_is_nested(t) || type_width(t) > 16 || t.id == LT_NULL) {
    if (t.id == LT_NULL) {
      t = type_make(LT_INT);
      b->casts[0] = t;
    } else {
      return arg_type_err(b, "a non-nested type", err);
    }
  }
  b->data_u32 = (uint32_t)kind;
  if (b->n_args == 2) { /* first(x, ignoreNulls) */
    const expr *e = b->args ? b->args[1] : NULL;
    if (!e || e->kind != EXPR_CONST || e->type.id != LT_BOOLEAN)
      return LAGO_ERR(err, LAGO_BIND, "`%s`: the second argument must be a constant BOOLEAN", b->fn->name);
    if (vec_is_valid(e->u.value, 0) && VEC_DATA(e->u.value, uint8_t)[0]) b->ignore_nulls = true;
  }
  b->ret = t;
  b->state_size = sizeof(val_st);
  b->ops = &k_val_ops;
  return LAGO_OK;
}

static int bind_bool(agg_bind *b, lago_err *err) {
  if (!func_implicit_cast_ok(b->arg_types[0], type_make(LT_BOOLEAN))) return arg_type_err(b, "BOOLEAN", err);
  b->casts[0] = b->ret = type_make(LT_BOOLEAN);
  b->data_u32 = *(const char *)b->fn->info == 'a' ? 0 : 1;
  b->state_size = sizeof(bool_st);
  b->ops = &k_bool_ops;
  return LAGO_OK;
}

static int bind_var(agg_bind *b, lago_err *err) {
  lago_type t = b->arg_types[0];
  if (!type_is_numeric(t) && t.id != LT_STRING && t.id != LT_NULL) return arg_type_err(b, "a numeric type", err);
  b->casts[0] = b->ret = type_make(LT_DOUBLE);
  b->data_u32 = (uint32_t)(*(const char *)b->fn->info - '0');
  b->state_size = sizeof(var_st);
  b->ops = &k_var_ops;
  return LAGO_OK;
}

static int bind_hll(agg_bind *b, lago_err *err) {
  double rsd = 0.05;
  if (b->n_args == 2) {
    const expr *e = b->args ? b->args[1] : NULL;
    while (e && e->kind == EXPR_CAST) e = e->args[0];
    if (!e || e->kind != EXPR_CONST || !type_is_numeric(e->type) || !vec_is_valid(e->u.value, 0))
      return LAGO_ERR(err, LAGO_BIND, "`approx_count_distinct`: relativeSD must be a constant number");
    const vec *v = e->u.value;
    switch ((lago_type_id)e->type.id) {
      case LT_DOUBLE: rsd = VEC_DATA(v, double)[0]; break;
      case LT_FLOAT: rsd = VEC_DATA(v, float)[0]; break;
      case LT_DECIMAL: rsd = dec_to_double(dec_load(v->data, 0, type_decimal_is_wide(e->type)), e->type.scale); break;
      default: return LAGO_ERR(err, LAGO_BIND, "`approx_count_distinct`: relativeSD must be a fraction");
    }
  }
  if (!(rsd > 0) || rsd > 0.39)
    return LAGO_ERR(err, LAGO_BIND, "`approx_count_distinct`: relativeSD must be in (0, 0.39], got %g", rsd);
  int p = (int)ceil(2.0 * log(1.106 / rsd) / log(2.0));
  if (p < 4) p = 4;
  if (p > 18) p = 18;
  b->data_u32 = (uint32_t)p;
  b->ret = type_make(LT_BIGINT);
  b->state_size = sizeof(hll_st);
  b->ops = &k_hll_ops;
  return LAGO_OK;
}

static int bind_collect(agg_bind *b, lago_err *err) {
  (void)err;
  b->data_u32 = *(const char *)b->fn->info == 's' ? 1 : 0;
  if (b->data_u32 && b->arg_types[0].id == LT_MAP)
    return LAGO_ERR(err, LAGO_BIND, "[DATATYPE_MISMATCH] collect_set cannot hold MAP values");
  b->state_size = sizeof(coll_st);
  b->ops = &k_coll_ops;
  return LAGO_OK; /* ret is set by agg_call_make (needs an arena) */
}

static const agg_func k_aggs[] = {
    {"count", 0, -1, bind_count, NULL},
    {"count_if", 1, 1, bind_count_if, NULL},
    {"sum", 1, 1, bind_sum_avg, "sum"},
    {"avg", 1, 1, bind_sum_avg, "avg"},
    {"mean", 1, 1, bind_sum_avg, "avg"},
    {"min", 1, 1, bind_val, "0"},
    {"max", 1, 1, bind_val, "1"},
    {"first", 1, 2, bind_val, "2"},
    {"first_value", 1, 2, bind_val, "2"},
    {"last", 1, 2, bind_val, "3"},
    {"last_value", 1, 2, bind_val, "3"},
    {"any_value", 1, 2, bind_val, "4"},
    {"bool_and", 1, 1, bind_bool, "a"},
    {"every", 1, 1, bind_bool, "a"},
    {"bool_or", 1, 1, bind_bool, "o"},
    {"some", 1, 1, bind_bool, "o"},
    {"any", 1, 1, bind_bool, "o"},
    {"variance", 1, 1, bind_var, "0"},
    {"var_samp", 1, 1, bind_var, "0"},
    {"var_pop", 1, 1, bind_var, "1"},
    {"stddev", 1, 1, bind_var, "2"},
    {"std", 1, 1, bind_var, "2"},
    {"stddev_samp", 1, 1, bind_var, "2"},
    {"stddev_pop", 1, 1, bind_var, "3"},
    {"approx_count_distinct", 1, 2, bind_hll, NULL},
    {"collect_list", 1, 1, bind_collect, "l"},
    {"array_agg", 1, 1, bind_collect, "l"},
    {"collect_set", 1, 1, bind_collect, "s"},
    {NULL, 0, 0, NULL, NULL},
};

const agg_func *agg_lookup(const char *name) {
  for (const agg_func *f = k_aggs; f->name; f++)
    if (!strcasecmp(f->name, name)) return f;
  return NULL;
}

int agg_call_make(arena *ar, const char *name, expr **args, uint32_t n_args, bool distinct, bool ignore_nulls,
                  expr *filter, agg_call **out, lago_err *err) {
  const agg_func *f = agg_lookup(name);
  if (!f) return LAGO_ERR(err, LAGO_BIND, "[UNRESOLVED_ROUTINE] cannot resolve aggregate function `%s`", name);
  if ((int)n_args < f->min_args || (f->max_args >= 0 && (int)n_args > f->max_args))
    return LAGO_ERR(err, LAGO_BIND, "[WRONG_NUM_ARGS] `%s` does not take %u arguments", f->name, n_args);
  if (filter && filter->type.id != LT_BOOLEAN) return LAGO_ERR(err, LAGO_BIND, "aggregate FILTER must be BOOLEAN");
  agg_call *c = arena_zalloc(ar, sizeof *c);
  lago_type *types = arena_alloc(ar, (n_args ? n_args : 1) * sizeof(lago_type));
  lago_type *casts = arena_alloc(ar, (n_args ? n_args : 1) * sizeof(lago_type));
  expr **cargs = arena_alloc(ar, (n_args ? n_args : 1) * sizeof(expr *));
  if (!c || !types || !casts || !cargs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_args; i++) types[i] = casts[i] = args[i]->type;
  c->b.fn = f;
  c->b.n_args = n_args;
  c->b.arg_types = types;
  c->b.args = args;
  c->b.casts = casts;
  c->b.distinct = distinct;
  c->b.ignore_nulls = ignore_nulls;
  TRY(f->bind(&c->b, err));
  if (c->b.ops == &k_coll_ops && type_array(ar, casts[0], false, &c->b.ret)) return LAGO_NOMEM_ERR(err);
  c->b.state_size = agg_align(c->b.state_size);
  for (uint32_t i = 0; i < n_args; i++) {
    cargs[i] = args[i];
    if (!type_equal(args[i]->type, casts[i])) TRY(expr_cast(ar, args[i], casts[i], false, &cargs[i], err));
  }
  /* first(x, true): the flag is consumed; only x is evaluated */
  if (n_args == 2 && c->b.ops == &k_val_ops) c->b.n_args = 1;
  if (c->b.ops == &k_hll_ops) c->b.n_args = 1;
  c->args = cargs;
  c->b.args = cargs;
  c->filter = filter;
  buf nb;
  buf_init(&nb);
  buf_printf(&nb, "%s(", f->name);
  if (distinct) buf_puts(&nb, "DISTINCT ");
  if (!n_args) buf_putc(&nb, '*');
  for (uint32_t i = 0; i < c->b.n_args; i++) {
    if (i) buf_puts(&nb, ", ");
    expr_to_text(args[i], &nb);
  }
  buf_putc(&nb, ')');
  c->name = arena_strdup(ar, buf_cstr(&nb));
  buf_deinit(&nb);
  if (!c->name) return LAGO_NOMEM_ERR(err);
  *out = c;
  return LAGO_OK;
}
