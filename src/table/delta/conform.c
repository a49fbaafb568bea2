/*
** table/delta/conform.c: turning a data file's vectors into the table's
** logical types (PROTOCOL.md "Column Mapping", "Type Widening";
** DELTA-CHECKLIST.md §7, §8).
**
** Values are read in the file's natural types. Then, per column:
**   STRUCT  children matched by physical name / field id (find_child), in
**           the table's field order, missing children NULL; no copying;
**   ARRAY, MAP  the same for the element / key and value;
**   relabels that share the representation: TIMESTAMP <-> TIMESTAMP_NTZ
**           (INT96 and millisecond timestamps already arrive as micros),
**           BINARY <-> STRING;
**   casts: integer widening or checked narrowing (old writers without INT(8)
**           annotations), integers and FLOAT to DOUBLE, DATE to TIMESTAMP_NTZ,
**           DECIMAL rescaling up, integers to DECIMAL (type widening).
** Anything else is LAGO_UNSUPPORTED naming the column and both types.
*/
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "table/delta/scan_int.h"

static int int_rank(uint8_t id) {
  switch (id) {
  case LT_TINYINT: return 1;
  case LT_SMALLINT: return 2;
  case LT_INT: return 3;
  case LT_BIGINT: return 4;
  case LT_UTINYINT: return 11;
  case LT_USMALLINT: return 12;
  case LT_UINT: return 13;
  case LT_UBIGINT: return 14;
  default: return 0;
  }
}

static bool get_int(const vec_view *vw, uint8_t id, uint32_t i, __int128 *out) {
  switch (id) {
  case LT_TINYINT: *out = ((const int8_t *)vw->data)[i]; return true;
  case LT_SMALLINT: *out = ((const int16_t *)vw->data)[i]; return true;
  case LT_INT: *out = ((const int32_t *)vw->data)[i]; return true;
  case LT_BIGINT: *out = ((const int64_t *)vw->data)[i]; return true;
  case LT_UTINYINT: *out = ((const uint8_t *)vw->data)[i]; return true;
  case LT_USMALLINT: *out = ((const uint16_t *)vw->data)[i]; return true;
  case LT_UINT: *out = ((const uint32_t *)vw->data)[i]; return true;
  case LT_UBIGINT: *out = ((const uint64_t *)vw->data)[i]; return true;
  default: return false;
  }
}

static __int128 pow10i(int k) {
  __int128 p = 1;
  while (k-- > 0) p *= 10;
  return p;
}

/* A shallow copy of v with another type (same representation). */
static vec *relabel(arena *ar, const vec *v, lago_type t) {
  vec *r = arena_alloc(ar, sizeof *r);
  if (!r) return NULL;
  *r = *v;
  r->type = t;
  if (v->kind == VEC_DICT && v->dict) {
    r->dict = arena_alloc(ar, sizeof *r->dict);
    if (!r->dict) return NULL;
    *r->dict = *v->dict;
    r->dict->type = t;
  }
  return r;
}

static int cast_prim(arena *ar, const vec *src, lago_type t, const char *col, vec **out, lago_err *err) {
  uint8_t from = src->type.id, to = t.id;
  if ((from == LT_TIMESTAMP_NTZ || from == LT_TIMESTAMP) && (to == LT_TIMESTAMP_NTZ || to == LT_TIMESTAMP))
    return (*out = relabel(ar, src, t)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (type_is_string_like(src->type) && type_is_string_like(t))
    return (*out = relabel(ar, src, t)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  bool ok = (int_rank(from) && (int_rank(to) || to == LT_DOUBLE || to == LT_FLOAT || to == LT_DECIMAL)) ||
            ((from == LT_FLOAT || from == LT_DOUBLE) && (to == LT_DOUBLE || to == LT_FLOAT)) ||
            (from == LT_DATE && (to == LT_TIMESTAMP_NTZ || to == LT_TIMESTAMP)) ||
            (from == LT_DECIMAL && to == LT_DECIMAL && t.scale >= src->type.scale);
  if (!ok)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "column \"%s\": file has %s, table has %s", col,
                    type_id_name((lago_type_id)from), type_id_name((lago_type_id)to));
  uint32_t n = src->kind == VEC_CONST ? 1 : src->len;
  vec *d = vec_new(ar, t, n ? n : 1);
  if (!d) return LAGO_NOMEM_ERR(err);
  d->len = n;
  vec_view vw;
  vec_view_init(&vw, src);
  for (uint32_t r = 0; r < n; r++) {
    if (!VIEW_VALID(&vw, r)) {
      if (vec_set_null(d, r)) return LAGO_NOMEM_ERR(err);
      continue;
    }
    uint32_t i = VIEW_IDX(&vw, r);
    __int128 x;
    if (get_int(&vw, from, i, &x)) {
      switch (to) {
      case LT_TINYINT:
      case LT_SMALLINT:
      case LT_INT:
      case LT_BIGINT: {
        int64_t lo = to == LT_TINYINT ? INT8_MIN : to == LT_SMALLINT ? INT16_MIN : to == LT_INT ? INT32_MIN : INT64_MIN;
        int64_t hi = to == LT_TINYINT ? INT8_MAX : to == LT_SMALLINT ? INT16_MAX : to == LT_INT ? INT32_MAX : INT64_MAX;
        if (x < lo || x > hi)
          return LAGO_ERR(err, LAGO_CORRUPT, "column \"%s\": value %lld does not fit %s", col, (long long)x,
                          type_id_name((lago_type_id)to));
        if (to == LT_TINYINT) VEC_DATA(d, int8_t)[r] = (int8_t)x;
        else if (to == LT_SMALLINT) VEC_DATA(d, int16_t)[r] = (int16_t)x;
        else if (to == LT_INT) VEC_DATA(d, int32_t)[r] = (int32_t)x;
        else VEC_DATA(d, int64_t)[r] = (int64_t)x;
        break;
      }
      case LT_UTINYINT: VEC_DATA(d, uint8_t)[r] = (uint8_t)x; break;
      case LT_USMALLINT: VEC_DATA(d, uint16_t)[r] = (uint16_t)x; break;
      case LT_UINT: VEC_DATA(d, uint32_t)[r] = (uint32_t)x; break;
      case LT_UBIGINT: VEC_DATA(d, uint64_t)[r] = (uint64_t)x; break;
      case LT_DOUBLE: VEC_DATA(d, double)[r] = (double)x; break;
      case LT_FLOAT: VEC_DATA(d, float)[r] = (float)x; break;
      case LT_DECIMAL: {
        __int128 y = x * pow10i(t.scale);
        if (type_decimal_is_wide(t)) VEC_DATA(d, lago_i128)[r] = y;
        else VEC_DATA(d, int64_t)[r] = (int64_t)y;
        break;
      }
      default: break;
      }
    } else if (from == LT_FLOAT || from == LT_DOUBLE) {
      double dv = from == LT_FLOAT ? ((const float *)vw.data)[i] : ((const double *)vw.data)[i];
      if (to == LT_DOUBLE) VEC_DATA(d, double)[r] = dv;
      else VEC_DATA(d, float)[r] = (float)dv;
    } else if (from == LT_DATE) {
      VEC_DATA(d, int64_t)[r] = (int64_t)((const int32_t *)vw.data)[i] * 86400000000LL;
    } else { /* decimal rescale */
      __int128 v = type_decimal_is_wide(src->type) ? ((const lago_i128 *)vw.data)[i] : ((const int64_t *)vw.data)[i];
      v *= pow10i(t.scale - src->type.scale);
      if (type_decimal_is_wide(t)) VEC_DATA(d, lago_i128)[r] = v;
      else VEC_DATA(d, int64_t)[r] = (int64_t)v;
    }
  }
  if (src->kind == VEC_CONST) TRY(vec_make_const(d, src->len));
  *out = d;
  return LAGO_OK;
}

int delta_find_child(arena *ar, lago_type file_t, const type_field *f, const char *mode) {
  uint32_t n = type_n_fields(file_t);
  if (!strcmp(mode, "id")) {
    int64_t id = delta_field_column_id(f);
    if (id >= 0)
      for (uint32_t i = 0; i < n; i++) {
        const type_field *x = type_field_at(file_t, i);
        if (x->has_field_id && x->field_id == id) return (int)i;
      }
  }
  const char *name = delta_field_physical_name(ar, f, mode);
  if (!name) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (!strcmp(type_field_at(file_t, i)->name, name)) return (int)i;
  for (uint32_t i = 0; i < n; i++)
    if (!strcasecmp(type_field_at(file_t, i)->name, name)) return (int)i;
  return -1;
}

/* An all-NULL FLAT vector of rows rows (row-aligned child of a struct). */
static vec *null_flat(arena *ar, lago_type t, uint32_t rows) {
  vec *v = vec_new(ar, t, rows ? rows : 1);
  if (!v || vec_ensure_validity(v)) return NULL;
  bitmap_fill(v->validity, v->cap, false);
  v->len = rows;
  return v;
}

int delta_conform(arena *ar, const vec *src, lago_type t, const char *mode, const char *col, vec **out,
                  lago_err *err) {
  if (t.id == LT_STRUCT) {
    if (src->type.id != LT_STRUCT || src->kind == VEC_DICT)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "column \"%s\": file has %s, table has STRUCT", col,
                      type_id_name((lago_type_id)src->type.id));
    vec *d = arena_alloc(ar, sizeof *d);
    if (!d) return LAGO_NOMEM_ERR(err);
    *d = *src;
    d->type = t;
    uint32_t n = type_n_fields(t);
    d->fields = arena_zalloc(ar, (n ? n : 1) * sizeof *d->fields);
    if (!d->fields) return LAGO_NOMEM_ERR(err);
    uint32_t rows = src->kind == VEC_CONST ? 1 : src->len;
    for (uint32_t i = 0; i < n; i++) {
      const type_field *f = type_field_at(t, i);
      int k = delta_find_child(ar, src->type, f, mode);
      if (k < 0) {
        if (!(d->fields[i] = null_flat(ar, f->type, rows))) return LAGO_NOMEM_ERR(err);
        continue;
      }
      TRY(delta_conform(ar, src->fields[k], f->type, mode, f->name, &d->fields[i], err));
    }
    *out = d;
    return LAGO_OK;
  }
  if (t.id == LT_ARRAY || t.id == LT_MAP) {
    if (src->type.id != t.id || src->kind == VEC_DICT)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "column \"%s\": file has %s, table has %s", col,
                      type_id_name((lago_type_id)src->type.id), type_id_name((lago_type_id)t.id));
    vec *d = arena_alloc(ar, sizeof *d);
    if (!d) return LAGO_NOMEM_ERR(err);
    *d = *src;
    d->type = t;
    if (t.id == LT_ARRAY) {
      TRY(delta_conform(ar, src->child, type_element(t), mode, col, &d->child, err));
    } else {
      vec *c = arena_alloc(ar, sizeof *c);
      if (!c) return LAGO_NOMEM_ERR(err);
      *c = *src->child;
      c->fields = arena_alloc(ar, 2 * sizeof *c->fields);
      if (!c->fields) return LAGO_NOMEM_ERR(err);
      type_field kv[2] = {*type_field_at(t, 0), *type_field_at(t, 1)};
      kv[0].name = "key";
      kv[1].name = "value";
      if (type_struct_fields(ar, 2, kv, &c->type)) return LAGO_NOMEM_ERR(err);
      TRY(delta_conform(ar, src->child->fields[0], type_map_key(t), mode, col, &c->fields[0], err));
      TRY(delta_conform(ar, src->child->fields[1], type_map_value(t), mode, col, &c->fields[1], err));
      d->child = c;
    }
    *out = d;
    return LAGO_OK;
  }
  if (type_is_nested(src->type))
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "column \"%s\": file has %s, table has %s", col,
                    type_id_name((lago_type_id)src->type.id), type_id_name((lago_type_id)t.id));
  if (t.id == LT_NULL) {
    vec *v = vec_new_const_null(ar, t, src->len);
    return (*out = v) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  }
  if (src->type.id == t.id && (t.id != LT_DECIMAL || (src->type.precision == t.precision && src->type.scale == t.scale))) {
    *out = (vec *)src;
    return LAGO_OK;
  }
  if (t.id == LT_DECIMAL && src->type.id == LT_DECIMAL && src->type.scale == t.scale &&
      type_decimal_is_wide(src->type) == type_decimal_is_wide(t))
    return (*out = relabel(ar, src, t)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
  return cast_prim(ar, src, t, col, out, err);
}
