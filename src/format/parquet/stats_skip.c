/*
** format/parquet/stats_skip.c: row-group skipping with column-chunk
** statistics (pq_row_group_may_match) and the decoding of statistics
** values. Used by reader.c, by the describe code behind `lago parquet
** meta`, and by callers planning scans.
**
** Which bounds are trusted (parquet.thrift, Statistics and ColumnOrder):
**  - min_value/max_value are in the column's type-defined order: signed
**    for signed integers, dates, times, timestamps and decimals, unsigned
**    for UINT annotations and byte-wise unsigned for strings and binaries.
**    They are used unless column_orders names an order lago does not know.
**  - the deprecated min/max were written with signed comparisons by old
**    writers, so they are used only for types whose order is signed
**    (never for unsigned integers, strings, binaries, FLBA decimals).
**  - NaN as a bound makes the statistics useless; so does a NaN constant.
**  - is_max_value_exact = false: the maximum may be a truncated prefix
**    (below the real maximum if the writer did not round up), so it is
**    ignored; an inexact minimum is a prefix, still a valid lower bound.
**  - INT96, INTERVAL, UUID, FLOAT16 and nested columns are never pruned.
** Everything not proven impossible "may match": the answer is only ever
** wrong in the safe direction.
*/
#include <math.h>
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/bits.h"

bool pq_stat_decode(const pq_leaf *lf, pq_bytes b, void *out) {
  union {
    uint8_t raw[16];
    lago_str s;
  } phys;
  memset(&phys, 0, sizeof phys);
  switch (lf->phys) {
    case PQT_BOOLEAN:
      if (b.len < 1) return false;
      phys.raw[0] = b.ptr[0] & 1;
      break;
    case PQT_INT32:
    case PQT_FLOAT:
      if (b.len != 4) return false;
      memcpy(phys.raw, b.ptr, 4);
      break;
    case PQT_INT64:
    case PQT_DOUBLE:
      if (b.len != 8) return false;
      memcpy(phys.raw, b.ptr, 8);
      break;
    case PQT_INT96:
      if (b.len != 12) return false;
      memcpy(phys.raw, b.ptr, 12);
      break;
    case PQT_FIXED_LEN_BYTE_ARRAY:
      if ((int64_t)b.len != lf->type_length) return false;
      phys.s = str_make((const char *)b.ptr, b.len);
      break;
    case PQT_BYTE_ARRAY: phys.s = str_make((const char *)b.ptr, b.len); break;
    default: return false;
  }
  lago_err e;
  lago_err_clear(&e);
  if (lf->conv == PQV_NONE) {
    memcpy(out, &phys, type_width(lf->type));
    return true;
  }
  return pq_convert(lf->conv, lf->type, &phys, out, 1, "statistics", &e) == LAGO_OK;
}

/* Order of a leaf's type-defined sort: 1 signed, 2 unsigned/byte-wise, 0 none lago prunes with. */
static int sort_class(const pq_leaf *lf) {
  switch ((lago_type_id)lf->type.id) {
    case LT_BOOLEAN: case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: case LT_DOUBLE:
    case LT_DATE: case LT_TIME: case LT_TIME_UTC: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS:
      return lf->conv == PQV_INT96 ? 0 : 1;
    case LT_FLOAT: return lf->conv == PQV_F16 ? 0 : 1;
    case LT_DECIMAL: return lf->conv == PQV_DEC64 || lf->conv == PQV_DEC128 ? 3 : 1;
    case LT_UTINYINT: case LT_USMALLINT: case LT_UINT: case LT_UBIGINT: case LT_STRING: case LT_BINARY: return 2;
    default: return 0;
  }
}

static bool is_nan_val(lago_type t, const void *v) {
  if (t.id == LT_FLOAT) return isnan(*(const float *)v);
  if (t.id == LT_DOUBLE) return isnan(*(const double *)v);
  return false;
}

bool pq_stats_bounds(const pq_file_meta *fm, const pq_leaf *lf, const pq_statistics *st, void *min, void *max,
                     bool *has_min, bool *has_max) {
  *has_min = *has_max = false;
  int cls = sort_class(lf);
  if (!cls || lf->max_rep) return false;
  bool order_known = true;
  if (fm->n_column_orders) {
    pq_column_order co = lf->index < fm->n_column_orders ? fm->column_orders[lf->index] : PQO_UNDEFINED;
    order_known = co == PQO_TYPE_DEFINED || (co == PQO_IEEE754_TOTAL && (lf->type.id == LT_FLOAT || lf->type.id == LT_DOUBLE));
  }
  const pq_bytes *bmin = NULL, *bmax = NULL;
  bool max_exact = !st->has_is_max_value_exact || st->is_max_value_exact;
  if (order_known && (st->has_min_value || st->has_max_value)) {
    if (st->has_min_value) bmin = &st->min_value;
    if (st->has_max_value && max_exact) bmax = &st->max_value;
  } else if (cls == 1) {
    if (st->has_min) bmin = &st->min;
    if (st->has_max) bmax = &st->max;
  }
  if (bmin && pq_stat_decode(lf, *bmin, min) && !is_nan_val(lf->type, min)) *has_min = true;
  if (bmax && pq_stat_decode(lf, *bmax, max) && !is_nan_val(lf->type, max)) *has_max = true;
  /* A NaN bound says nothing about the other values: drop both. */
  if ((bmin && !*has_min) || (bmax && !*has_max)) *has_min = *has_max = false;
  return *has_min || *has_max;
}

/* Three-way compare of two lago values of type t; false if they are not comparable (NaN, other types). */
static bool cmp_vals(lago_type t, const void *a, const void *b, int *out) {
#define CMP3(x, y) ((x) < (y) ? -1 : (x) > (y))
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: case LT_UTINYINT: *out = CMP3(*(const uint8_t *)a, *(const uint8_t *)b); return true;
    case LT_TINYINT: *out = CMP3(*(const int8_t *)a, *(const int8_t *)b); return true;
    case LT_SMALLINT: *out = CMP3(*(const int16_t *)a, *(const int16_t *)b); return true;
    case LT_USMALLINT: *out = CMP3(*(const uint16_t *)a, *(const uint16_t *)b); return true;
    case LT_INT: case LT_DATE: *out = CMP3(*(const int32_t *)a, *(const int32_t *)b); return true;
    case LT_UINT: *out = CMP3(*(const uint32_t *)a, *(const uint32_t *)b); return true;
    case LT_BIGINT: case LT_TIME: case LT_TIME_UTC: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS:
      *out = CMP3(*(const int64_t *)a, *(const int64_t *)b);
      return true;
    case LT_UBIGINT: *out = CMP3(*(const uint64_t *)a, *(const uint64_t *)b); return true;
    case LT_FLOAT: {
      float x = *(const float *)a, y = *(const float *)b;
      if (isnan(x) || isnan(y)) return false;
      *out = CMP3(x, y);
      return true;
    }
    case LT_DOUBLE: {
      double x = *(const double *)a, y = *(const double *)b;
      if (isnan(x) || isnan(y)) return false;
      *out = CMP3(x, y);
      return true;
    }
    case LT_DECIMAL:
      if (type_decimal_is_wide(t)) {
        lago_i128 x, y;
        memcpy(&x, a, 16);
        memcpy(&y, b, 16);
        *out = CMP3(x, y);
      } else {
        *out = CMP3(*(const int64_t *)a, *(const int64_t *)b);
      }
      return true;
    case LT_STRING:
    case LT_BINARY: {
      int c = str_compare((const lago_str *)a, (const lago_str *)b);
      *out = c < 0 ? -1 : c > 0;
      return true;
    }
    default: return false;
  }
#undef CMP3
}

/* Value i of a predicate's constants (any vector kind); NULL if it is null. */
static const void *pred_value(const vec *v, uint32_t i) {
  vec_view vw;
  vec_view_init(&vw, v);
  if (!VIEW_VALID(&vw, i)) return NULL;
  return (const uint8_t *)vw.data + (size_t)VIEW_IDX(&vw, i) * type_width(v->type);
}

static bool pred_may_match(const pq_file *pf, uint32_t g, const pq_predicate *p) {
  const pq_schema *s = pq_file_schema_int(pf);
  const pq_file_meta *fm = pq_file_metadata(pf);
  if (p->column >= s->n_columns || g >= fm->n_row_groups) return true;
  const pq_column *col = &s->columns[p->column];
  if (!col->flat) return true;
  const pq_leaf *lf = &s->leaves[col->first_leaf];
  const pq_row_group *rg = &fm->row_groups[g];
  const pq_column_meta *cm = &rg->columns[col->first_leaf].meta_data;
  if (!cm->has_statistics) return true;
  const pq_statistics *st = &cm->statistics;
  bool nulls_known = st->has_null_count && st->null_count >= 0;
  bool all_null = nulls_known && rg->num_rows > 0 && st->null_count >= rg->num_rows;
  switch (p->op) {
    case PQ_PRED_IS_NULL: return !(nulls_known && st->null_count == 0);
    case PQ_PRED_IS_NOT_NULL: return !all_null;
    default: break;
  }
  if (!p->values || !type_equal(p->values->type, lf->type)) return true;
  if (all_null) return false; /* comparisons with NULL are never true */
  union {
    uint8_t raw[16];
    lago_str s;
  } lo, hi;
  bool has_lo, has_hi;
  if (!pq_stats_bounds(fm, lf, st, &lo, &hi, &has_lo, &has_hi)) return true;
  uint32_t nv = p->op == PQ_PRED_IN ? p->values->len : 1;
  if (p->values->kind == VEC_CONST && p->op != PQ_PRED_IN) nv = 1;
  for (uint32_t i = 0; i < nv; i++) {
    const void *x = pred_value(p->values, i);
    if (!x) {
      if (p->op == PQ_PRED_IN) continue; /* x IN (NULL) is never true */
      return true;
    }
    int cmin = 0, cmax = 0;
    bool okmin = has_lo && cmp_vals(lf->type, x, &lo, &cmin); /* sign of x - min */
    bool okmax = has_hi && cmp_vals(lf->type, x, &hi, &cmax); /* sign of x - max */
    if ((has_lo && !okmin) || (has_hi && !okmax)) return true; /* NaN constant */
    bool can;
    switch (p->op) {
      case PQ_PRED_EQ:
      case PQ_PRED_IN: can = !(okmin && cmin < 0) && !(okmax && cmax > 0); break;
      case PQ_PRED_LT: can = !(okmin && cmin <= 0); break; /* some v < x needs min < x */
      case PQ_PRED_LE: can = !(okmin && cmin < 0); break;
      case PQ_PRED_GT: can = !(okmax && cmax >= 0); break;
      case PQ_PRED_GE: can = !(okmax && cmax > 0); break;
      default: can = true;
    }
    if (can) return true;
  }
  return false;
}

bool pq_row_group_may_match(const pq_file *pf, uint32_t rg, const pq_predicate *preds, uint32_t n_preds) {
  for (uint32_t i = 0; i < n_preds; i++)
    if (!pred_may_match(pf, rg, &preds[i])) return false;
  return true;
}
