/*
** format/parquet/write_stats.c: min/max/null statistics of pages, column
** chunks and whole files being written, in each column's sort order
** (Parquet spec "Sort order" and the Statistics/ColumnIndex rules):
**   signed ints, DATE, TIMESTAMP, TIME, DECIMAL in INT32/INT64   by value
**   unsigned ints (UINT_n), BOOLEAN (false < true)              unsigned
**   FLOAT, DOUBLE   by value; NaN is never a min or max, and a chunk (or
**                   page) holding a NaN gets no min/max at all; -0.0 and
**                   +0.0 are equal while comparing, and a zero min is
**                   written as -0.0, a zero max as +0.0 (so both bounds
**                   hold whichever zero the reader compares with)
**   DECIMAL in FIXED_LEN_BYTE_ARRAY   by numeric value (two's complement)
**   BYTE_ARRAY, UUID   unsigned bytes (memcmp, shorter prefix first)
**   INTERVAL   undefined: no min/max
** Values arrive as Parquet physical values (write_levels.c); bounds are kept
** as numbers, or as owned byte copies for BYTES (a slice's extremes are
** found first, so at most two copies are made per slice).
*/
#include <math.h>
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/bits.h"

void pqw_stats_init(pqw_stats *s) {
  memset(s, 0, sizeof *s);
  buf_init(&s->min_b);
  buf_init(&s->max_b);
}

void pqw_stats_deinit(pqw_stats *s) {
  buf_deinit(&s->min_b);
  buf_deinit(&s->max_b);
}

void pqw_stats_reset(pqw_stats *s) {
  s->has_minmax = s->has_nan = false;
  s->nulls = s->values = 0;
  buf_clear(&s->min_b);
  buf_clear(&s->max_b);
}

static int bytes_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn) {
  int c = memcmp(a, b, an < bn ? an : bn);
  if (c) return c;
  return an < bn ? -1 : an > bn;
}

static lago_i128 flba_to_i128(const uint8_t *p, int w) {
  unsigned __int128 u = (p[0] & 0x80) ? ~(unsigned __int128)0 : 0; /* sign extension */
  for (int i = 0; i < w; i++) u = u << 8 | p[i];
  return (lago_i128)u;
}

static int set_bytes(buf *b, const uint8_t *p, size_t n) {
  buf_clear(b);
  return buf_append(b, p, n);
}

/* Bytes view of value i of a BYTES-ordered slice. */
static inline const uint8_t *bytes_at(const pqw_leaf_desc *L, const uint8_t *vals, size_t i, size_t *n) {
  if (L->ptype == PQT_BYTE_ARRAY) {
    const lago_str *s = (const lago_str *)(vals + i * sizeof(lago_str));
    *n = s->len;
    return (const uint8_t *)str_data(s);
  }
  *n = (size_t)L->fl_width;
  return vals + i * (size_t)L->fl_width;
}

#define FOLD(field, lo, hi)                                  \
  do {                                                       \
    if (!s->has_minmax) {                                    \
      s->min.field = lo;                                     \
      s->max.field = hi;                                     \
      s->has_minmax = true;                                  \
    } else {                                                 \
      if (lo < s->min.field) s->min.field = lo;              \
      if (hi > s->max.field) s->max.field = hi;              \
    }                                                        \
  } while (0)

#define SCAN(T, field, CAST)                                 \
  do {                                                       \
    const T *x = (const T *)vals;                            \
    CAST lo = (CAST)x[0], hi = lo;                           \
    for (size_t i = 1; i < n; i++) {                         \
      CAST y = (CAST)x[i];                                   \
      if (y < lo) lo = y;                                    \
      if (y > hi) hi = y;                                    \
    }                                                        \
    FOLD(field, lo, hi);                                     \
  } while (0)

int pqw_stats_update(pqw_stats *s, const pqw_leaf_desc *L, const uint8_t *vals, size_t n) {
  s->values += (int64_t)n;
  if (n == 0) return LAGO_OK;
  switch (L->order) {
    case PQW_ORD_NONE: return LAGO_OK;
    case PQW_ORD_SIGNED:
      if (L->ptype == PQT_INT32) SCAN(int32_t, i, int64_t);
      else SCAN(int64_t, i, int64_t);
      return LAGO_OK;
    case PQW_ORD_UNSIGNED:
      if (L->ptype == PQT_BOOLEAN) SCAN(uint8_t, u, uint64_t);
      else if (L->ptype == PQT_INT32) SCAN(uint32_t, u, uint64_t);
      else SCAN(uint64_t, u, uint64_t);
      return LAGO_OK;
    case PQW_ORD_FLOAT: {
      bool any = false;
      double lo = 0, hi = 0;
      for (size_t i = 0; i < n; i++) {
        double y;
        if (L->ptype == PQT_FLOAT) {
          float f;
          memcpy(&f, vals + 4 * i, 4);
          y = f;
        } else {
          memcpy(&y, vals + 8 * i, 8);
        }
        if (isnan(y)) {
          s->has_nan = true;
          continue;
        }
        if (!any) {
          lo = hi = y;
          any = true;
        } else {
          if (y < lo) lo = y;
          if (y > hi) hi = y;
        }
      }
      if (any) FOLD(d, lo, hi);
      return LAGO_OK;
    }
    case PQW_ORD_I128: {
      lago_i128 lo = flba_to_i128(vals, L->fl_width), hi = lo;
      for (size_t i = 1; i < n; i++) {
        lago_i128 y = flba_to_i128(vals + i * (size_t)L->fl_width, L->fl_width);
        if (y < lo) lo = y;
        if (y > hi) hi = y;
      }
      FOLD(w, lo, hi);
      return LAGO_OK;
    }
    case PQW_ORD_BYTES: {
      size_t lon, hin, yn;
      const uint8_t *lo = bytes_at(L, vals, 0, &lon), *hi = lo;
      hin = lon;
      for (size_t i = 1; i < n; i++) {
        const uint8_t *y = bytes_at(L, vals, i, &yn);
        if (bytes_cmp(y, yn, lo, lon) < 0) {
          lo = y;
          lon = yn;
        } else if (bytes_cmp(y, yn, hi, hin) > 0) {
          hi = y;
          hin = yn;
        }
      }
      if (!s->has_minmax || bytes_cmp(lo, lon, (const uint8_t *)s->min_b.data, s->min_b.len) < 0)
        TRY(set_bytes(&s->min_b, lo, lon));
      if (!s->has_minmax || bytes_cmp(hi, hin, (const uint8_t *)s->max_b.data, s->max_b.len) > 0)
        TRY(set_bytes(&s->max_b, hi, hin));
      s->has_minmax = true;
      return LAGO_OK;
    }
  }
  return LAGO_OK;
}

int pqw_stats_merge(pqw_stats *dst, const pqw_stats *src, const pqw_leaf_desc *L) {
  dst->nulls += src->nulls;
  dst->values += src->values;
  dst->has_nan |= src->has_nan;
  if (!src->has_minmax) return LAGO_OK;
  pqw_stats *s = dst;
  switch (L->order) {
    case PQW_ORD_NONE: return LAGO_OK;
    case PQW_ORD_SIGNED: FOLD(i, src->min.i, src->max.i); break;
    case PQW_ORD_UNSIGNED: FOLD(u, src->min.u, src->max.u); break;
    case PQW_ORD_FLOAT: FOLD(d, src->min.d, src->max.d); break;
    case PQW_ORD_I128: FOLD(w, src->min.w, src->max.w); break;
    case PQW_ORD_BYTES: {
      const uint8_t *smin = (const uint8_t *)src->min_b.data, *smax = (const uint8_t *)src->max_b.data;
      if (!s->has_minmax || bytes_cmp(smin, src->min_b.len, (const uint8_t *)s->min_b.data, s->min_b.len) < 0)
        TRY(set_bytes(&s->min_b, smin, src->min_b.len));
      if (!s->has_minmax || bytes_cmp(smax, src->max_b.len, (const uint8_t *)s->max_b.data, s->max_b.len) > 0)
        TRY(set_bytes(&s->max_b, smax, src->max_b.len));
      s->has_minmax = true;
      break;
    }
  }
  return LAGO_OK;
}

bool pqw_stats_usable(const pqw_stats *s, const pqw_leaf_desc *L) {
  return L->order != PQW_ORD_NONE && s->has_minmax && !s->has_nan;
}

/* PLAIN bytes of one bound (is_max selects the zero rule for floats). */
static int scalar_bytes(const pqw_leaf_desc *L, pqw_scalar v, bool is_max, arena *ar, pq_bytes *out) {
  uint8_t tmp[16];
  uint32_t n = 0;
  switch (L->ptype) {
    case PQT_BOOLEAN: tmp[0] = (uint8_t)(v.u != 0); n = 1; break;
    case PQT_INT32: store_le32(tmp, (uint32_t)(L->order == PQW_ORD_UNSIGNED ? v.u : (uint64_t)v.i)); n = 4; break;
    case PQT_INT64: store_le64(tmp, L->order == PQW_ORD_UNSIGNED ? v.u : (uint64_t)v.i); n = 8; break;
    case PQT_FLOAT: {
      float f = (float)v.d;
      if (f == 0) f = is_max ? 0.0f : -0.0f;
      memcpy(tmp, &f, 4);
      n = 4;
      break;
    }
    case PQT_DOUBLE: {
      double d = v.d;
      if (d == 0) d = is_max ? 0.0 : -0.0;
      memcpy(tmp, &d, 8);
      n = 8;
      break;
    }
    case PQT_FIXED_LEN_BYTE_ARRAY: {
      unsigned __int128 u = (unsigned __int128)v.w;
      int w = L->fl_width;
      for (int b = 0; b < w; b++) tmp[w - 1 - b] = (uint8_t)(u >> (8 * b));
      n = (uint32_t)w;
      break;
    }
    default: return LAGO_INTERNAL;
  }
  uint8_t *p = arena_memdup(ar, tmp, n);
  if (!p) return LAGO_NOMEM;
  out->ptr = p;
  out->len = n;
  return LAGO_OK;
}

int pqw_stats_bytes(const pqw_stats *s, const pqw_leaf_desc *L, arena *ar, uint32_t truncate, pq_bytes *min,
                    pq_bytes *max, bool *has_max, bool *min_exact, bool *max_exact) {
  *has_max = true;
  *min_exact = *max_exact = true;
  if (L->order != PQW_ORD_BYTES) {
    TRY(scalar_bytes(L, s->min, false, ar, min));
    return scalar_bytes(L, s->max, true, ar, max);
  }
  size_t mn = s->min_b.len, mx = s->max_b.len;
  const uint8_t *pmax = (const uint8_t *)s->max_b.data;
  if (truncate && mn > truncate) {
    mn = truncate;
    *min_exact = false;
  }
  uint8_t *pmin = arena_memdup(ar, s->min_b.data ? s->min_b.data : "", mn);
  if (!pmin) return LAGO_NOMEM;
  min->ptr = pmin;
  min->len = (uint32_t)mn;
  if (truncate && mx > truncate) {
    /* A shorter upper bound: the prefix with its last byte below 0xff incremented. */
    *max_exact = false;
    size_t k = truncate;
    while (k > 0 && pmax[k - 1] == 0xff) k--;
    if (k == 0) {
      *has_max = false;
      max->ptr = NULL;
      max->len = 0;
      return LAGO_OK;
    }
    uint8_t *q = arena_memdup(ar, pmax, k);
    if (!q) return LAGO_NOMEM;
    q[k - 1]++;
    max->ptr = q;
    max->len = (uint32_t)k;
    return LAGO_OK;
  }
  uint8_t *q = arena_memdup(ar, pmax ? (const void *)pmax : "", mx);
  if (!q) return LAGO_NOMEM;
  max->ptr = q;
  max->len = (uint32_t)mx;
  return LAGO_OK;
}

/* Chunk statistics larger than this are left out rather than cut (parquet-mr did the same). */
#define STATS_MAX_BYTES 4096

int pqw_stats_to_parquet(const pqw_stats *s, const pqw_leaf_desc *L, arena *ar, pq_statistics *out) {
  memset(out, 0, sizeof *out);
  out->has_null_count = true;
  out->null_count = s->nulls;
  if (!pqw_stats_usable(s, L)) return LAGO_OK;
  if (L->order == PQW_ORD_BYTES && (s->min_b.len > STATS_MAX_BYTES || s->max_b.len > STATS_MAX_BYTES)) return LAGO_OK;
  pq_bytes mn, mx;
  bool has_max, me, xe;
  TRY(pqw_stats_bytes(s, L, ar, 0, &mn, &mx, &has_max, &me, &xe));
  out->has_min_value = out->has_max_value = true;
  out->min_value = mn;
  out->max_value = mx;
  out->has_is_min_value_exact = out->has_is_max_value_exact = true;
  out->is_min_value_exact = out->is_max_value_exact = true;
  /* Legacy min/max (fields 1, 2) used signed comparison: only where that is the column's order. */
  if (L->order == PQW_ORD_SIGNED || L->order == PQW_ORD_FLOAT || L->ptype == PQT_BOOLEAN) {
    out->has_min = out->has_max = true;
    out->min = mn;
    out->max = mx;
  }
  return LAGO_OK;
}

static void put_int(vec *mm, uint32_t row, int64_t v) {
  switch (type_width(mm->type)) {
    case 1: ((int8_t *)mm->data)[row] = (int8_t)v; break;
    case 2: ((int16_t *)mm->data)[row] = (int16_t)v; break;
    case 4: ((int32_t *)mm->data)[row] = (int32_t)v; break;
    default: ((int64_t *)mm->data)[row] = v; break;
  }
}

int pqw_stats_to_vec(const pqw_stats *s, const pqw_leaf_desc *L, vec *mm) {
  for (uint32_t row = 0; row < 2; row++) {
    pqw_scalar v = row ? s->max : s->min;
    switch (L->order) {
      case PQW_ORD_NONE: return LAGO_INTERNAL;
      case PQW_ORD_SIGNED:
      case PQW_ORD_UNSIGNED: put_int(mm, row, v.i); break; /* same bits for unsigned */
      case PQW_ORD_FLOAT: {
        double d = v.d == 0 ? (row ? 0.0 : -0.0) : v.d;
        if (mm->type.id == LT_FLOAT) ((float *)mm->data)[row] = (float)d;
        else ((double *)mm->data)[row] = d;
        break;
      }
      case PQW_ORD_I128: memcpy((lago_i128 *)mm->data + row, &v.w, sizeof v.w); break;
      case PQW_ORD_BYTES: {
        const buf *b = row ? &s->max_b : &s->min_b;
        if (mm->type.id == LT_UUID) {
          if (b->len != 16) return LAGO_INTERNAL;
          memcpy((uint8_t *)mm->data + 16 * row, b->data, 16);
        } else {
          TRY(vec_set_str(mm, row, b->data ? b->data : "", (uint32_t)b->len));
        }
        break;
      }
    }
  }
  return LAGO_OK;
}
