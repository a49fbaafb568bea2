/*
** table/delta/stats.c: per-file statistics and file pruning (PROTOCOL.md
** "Per-file Statistics"; DELTA-CHECKLIST.md §12).
**
** add.stats is a JSON string:
**   {"numRecords":N,"minValues":{"<phys>":v,..},"maxValues":{..},
**    "nullCount":{"<phys>":n,..},"tightBounds":bool}
** with nested objects mirroring nested structs. Values: JSON numbers for
** numeric types (decimals too), strings for string, date (YYYY-MM-DD) and
** timestamp (ISO-8601, millisecond precision, truncated).
**
** Pruning is only an optimisation, so every rule here keeps a file unless
** the statistics prove that no row can satisfy the predicate:
**   col = v   pruned if v < min or v > max, or every value is NULL
**   col < v   pruned if min >= v       col <= v  pruned if min > v
**   col > v   pruned if max <= v       col >= v  pruned if max < v
**   col <> v  pruned if min = max = v
**   IN (..)   pruned if every value is outside [min, max]
**   IS NULL   pruned if nullCount = 0; IS NOT NULL pruned if nullCount = numRecords
** A missing or unparsable statistic means "keep". Timestamp maxima are
** truncated to milliseconds, so max + 999 us is used. String maxima may be
** truncated prefixes, so they are not used for pruning. Partition columns
** are evaluated exactly on the partition value (NULL compares as unknown).
*/
#include <string.h>

#include "table/delta/delta_int.h"
#include "util/datetime.h"
#include "util/numfmt.h"

int64_t delta_stats_num_records(const char *stats, arena *scratch) {
  if (!stats) return -1;
  json_value *v;
  if (json_parse(scratch, stats, strlen(stats), &v, NULL)) return -1;
  const json_value *n = json_get(v, "numRecords");
  if (!n || n->type != JSON_NUMBER || !n->is_int || n->x.num.i < 0) return -1;
  return n->x.num.i;
}

/* ---- scalar comparison ------------------------------------------------------ */

/* Comparable form of one non-null value. */
typedef struct scalar {
  int kind; /* 0 int, 1 double, 2 i128 (decimal unscaled), 3 bytes */
  int64_t i;
  double d;
  __int128 w;
  const char *p;
  uint32_t n;
} scalar;

static bool scalar_of(const vec *v, uint32_t row, scalar *s) {
  vec_view vw;
  vec_view_init(&vw, v);
  if (!VIEW_VALID(&vw, row)) return false;
  uint32_t i = VIEW_IDX(&vw, row);
  const void *d = vw.data;
  memset(s, 0, sizeof *s);
  switch (v->type.id) {
  case LT_BOOLEAN: s->i = ((const uint8_t *)d)[i]; break;
  case LT_TINYINT: s->i = ((const int8_t *)d)[i]; break;
  case LT_SMALLINT: s->i = ((const int16_t *)d)[i]; break;
  case LT_INT:
  case LT_DATE: s->i = ((const int32_t *)d)[i]; break;
  case LT_BIGINT:
  case LT_TIMESTAMP:
  case LT_TIMESTAMP_NTZ: s->i = ((const int64_t *)d)[i]; break;
  case LT_FLOAT: s->kind = 1; s->d = ((const float *)d)[i]; break;
  case LT_DOUBLE: s->kind = 1; s->d = ((const double *)d)[i]; break;
  case LT_DECIMAL:
    s->kind = 2;
    s->w = type_decimal_is_wide(v->type) ? ((const lago_i128 *)d)[i] : ((const int64_t *)d)[i];
    break;
  case LT_STRING:
  case LT_BINARY: {
    const lago_str *x = &((const lago_str *)d)[i];
    s->kind = 3;
    s->p = str_data(x);
    s->n = x->len;
    break;
  }
  default: return false;
  }
  return true;
}

/* -1, 0, 1; 2 when not comparable (NaN, kinds differ). */
static int scalar_cmp(const scalar *a, const scalar *b) {
  if (a->kind != b->kind) return 2;
  switch (a->kind) {
  case 0: return a->i < b->i ? -1 : a->i > b->i;
  case 1:
    if (a->d != a->d || b->d != b->d) return 2;
    return a->d < b->d ? -1 : a->d > b->d;
  case 2: return a->w < b->w ? -1 : a->w > b->w;
  default: {
    uint32_t m = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, m);
    if (c) return c < 0 ? -1 : 1;
    return a->n < b->n ? -1 : a->n > b->n;
  }
  }
}

/* Exact predicate on one value (partition values). NULL value: only IS NULL holds. */
static bool eval_exact(const delta_pred *p, const vec *val) {
  scalar x;
  bool has = scalar_of(val, 0, &x);
  if (p->op == DP_IS_NULL) return !has;
  if (p->op == DP_IS_NOT_NULL) return has;
  if (!has || !p->values) return false;
  uint32_t nv = p->op == DP_IN ? p->values->len : 1;
  for (uint32_t k = 0; k < nv; k++) {
    scalar y;
    if (!scalar_of(p->values, k, &y)) continue;
    int c = scalar_cmp(&x, &y);
    if (c == 2) return true; /* not comparable: keep */
    switch (p->op) {
    case DP_EQ:
    case DP_IN: if (c == 0) return true; break;
    case DP_NE: return c != 0;
    case DP_LT: return c < 0;
    case DP_LE: return c <= 0;
    case DP_GT: return c > 0;
    case DP_GE: return c >= 0;
    default: return true;
    }
  }
  return false;
}

/* ---- stats values --------------------------------------------------------------- */

/* Parses a stats JSON value of column type t into a 1-row vector; false when absent/unusable. */
static bool stat_to_vec(arena *ar, lago_type t, const json_value *j, vec **out) {
  if (!j || j->type == JSON_NULL) return false;
  vec *v = vec_new(ar, t, 1);
  if (!v) return false;
  v->len = 1;
  switch (t.id) {
  case LT_TINYINT:
  case LT_SMALLINT:
  case LT_INT:
  case LT_BIGINT:
    if (j->type != JSON_NUMBER || !j->is_int) return false;
    if (t.id == LT_TINYINT) VEC_DATA(v, int8_t)[0] = (int8_t)j->x.num.i;
    else if (t.id == LT_SMALLINT) VEC_DATA(v, int16_t)[0] = (int16_t)j->x.num.i;
    else if (t.id == LT_INT) VEC_DATA(v, int32_t)[0] = (int32_t)j->x.num.i;
    else VEC_DATA(v, int64_t)[0] = j->x.num.i;
    break;
  case LT_FLOAT:
  case LT_DOUBLE:
    if (j->type != JSON_NUMBER) return false;
    if (t.id == LT_FLOAT) VEC_DATA(v, float)[0] = (float)j->x.num.d;
    else VEC_DATA(v, double)[0] = j->x.num.d;
    break;
  case LT_DECIMAL: {
    if (j->type != JSON_NUMBER && j->type != JSON_STRING) return false;
    __int128 x;
    if (parse_decimal(j->u.str, j->len, t.precision, t.scale, &x)) return false;
    if (type_decimal_is_wide(t)) VEC_DATA(v, lago_i128)[0] = x;
    else VEC_DATA(v, int64_t)[0] = (int64_t)x;
    break;
  }
  case LT_STRING:
    if (j->type != JSON_STRING) return false;
    if (vec_set_str(v, 0, j->u.str, j->len)) return false;
    break;
  case LT_DATE: {
    int32_t d;
    if (j->type != JSON_STRING || parse_date(j->u.str, j->len, &d)) return false;
    VEC_DATA(v, int32_t)[0] = d;
    break;
  }
  case LT_TIMESTAMP:
  case LT_TIMESTAMP_NTZ: {
    int64_t us;
    bool z;
    if (j->type != JSON_STRING || parse_timestamp(j->u.str, j->len, &us, &z)) return false;
    VEC_DATA(v, int64_t)[0] = us;
    break;
  }
  default: return false;
  }
  *out = v;
  return true;
}

static bool prune_by_stats(arena *ar, const delta_pred *p, lago_type t, const char *phys, const json_value *st) {
  const json_value *mins = json_get(st, "minValues"), *maxs = json_get(st, "maxValues");
  const json_value *nulls = json_get(st, "nullCount"), *nrec = json_get(st, "numRecords");
  int64_t nn = -1, nr = -1;
  const json_value *x = json_get(nulls, phys);
  if (x && x->type == JSON_NUMBER && x->is_int) nn = x->x.num.i;
  if (nrec && nrec->type == JSON_NUMBER && nrec->is_int) nr = nrec->x.num.i;
  if (p->op == DP_IS_NULL) return nn == 0;
  if (p->op == DP_IS_NOT_NULL) return nn >= 0 && nr >= 0 && nn == nr;
  if (nn >= 0 && nr >= 0 && nn == nr && nr > 0) return true; /* all NULL: no comparison holds */
  if (!p->values) return false;
  vec *vmin = NULL, *vmax = NULL;
  bool has_min = stat_to_vec(ar, t, json_get(mins, phys), &vmin);
  bool has_max = t.id != LT_STRING && stat_to_vec(ar, t, json_get(maxs, phys), &vmax);
  scalar smin, smax;
  if (has_min) has_min = scalar_of(vmin, 0, &smin);
  if (has_max) {
    has_max = scalar_of(vmax, 0, &smax);
    if (has_max && (t.id == LT_TIMESTAMP || t.id == LT_TIMESTAMP_NTZ)) smax.i += 999; /* truncated to ms */
  }
  uint32_t nv = p->op == DP_IN ? p->values->len : 1;
  bool all_out = nv > 0;
  for (uint32_t k = 0; k < nv; k++) {
    scalar y;
    if (!scalar_of(p->values, k, &y)) continue; /* NULL literal matches nothing */
    int cmin = has_min ? scalar_cmp(&y, &smin) : 2, cmax = has_max ? scalar_cmp(&y, &smax) : 2;
    switch (p->op) {
    case DP_EQ:
    case DP_IN:
      if (!((cmin != 2 && cmin < 0) || (cmax != 2 && cmax > 0))) all_out = false;
      break;
    case DP_NE: return cmin == 0 && cmax == 0;
    case DP_LT: return cmin != 2 && cmin <= 0;  /* v <= min: nothing below v */
    case DP_LE: return cmin != 2 && cmin < 0;
    case DP_GT: return cmax != 2 && cmax >= 0;  /* v >= max */
    case DP_GE: return cmax != 2 && cmax > 0;
    default: return false;
    }
  }
  return all_out;
}

int delta_pred_match(const delta_snapshot *s, const delta_file *f, const delta_pred *preds, uint32_t n_preds,
                     bool partitions_only, arena *scratch, bool *out, lago_err *err) {
  *out = true;
  json_value *st = NULL;
  bool st_tried = false;
  for (uint32_t i = 0; i < n_preds && *out; i++) {
    const delta_pred *p = &preds[i];
    int col = type_field_index(s->schema, p->column);
    if (col < 0) return LAGO_ERR(err, LAGO_BIND, "predicate on unknown column \"%s\"", p->column);
    const type_field *fld = type_field_at(s->schema, (uint32_t)col);
    int part = -1;
    for (uint32_t k = 0; k < s->n_part; k++)
      if (s->part_idx[k] == (uint32_t)col) part = (int)k;
    if (part >= 0) {
      const char *txt = delta_map_get(&f->partition_values, s->part_phys[part], NULL);
      vec *v;
      TRY(delta_partition_value_parse(scratch, fld->type, txt, fld->name, &v, err));
      if (!eval_exact(p, v)) *out = false;
      continue;
    }
    if (partitions_only) continue;
    if (!st_tried) {
      st_tried = true;
      const char *text = f->stats ? f->stats : f->stats_parsed_json;
      if (text && json_parse(scratch, text, strlen(text), &st, NULL)) st = NULL;
    }
    if (!st) continue;
    const char *phys = delta_field_physical_name(scratch, fld, s->cm_mode);
    if (!phys) return LAGO_NOMEM_ERR(err);
    if (prune_by_stats(scratch, p, fld->type, phys, st)) *out = false;
  }
  return LAGO_OK;
}

int delta_file_may_match(const delta_snapshot *s, const delta_file *f, const delta_pred *preds, uint32_t n_preds,
                         arena *scratch, bool *out, lago_err *err) {
  return delta_pred_match(s, f, preds, n_preds, false, scratch, out, err);
}
