/*
** format/parquet/write_levels.c: turns rows of (possibly nested) vectors
** into one leaf column's definition levels, repetition levels and non-null
** values in Parquet physical form ("shredding", Dremel).
**
** The leaf's steps (write_schema.c) say how to go from the top-level vector
** down to it: STRUCT (descend into one field), LIST (every element of the
** lago_list range in the child; MAP is a LIST of a key_value STRUCT) and
** LEAF. Walking one top-level row:
**   - at an OPTIONAL node, a null value ends the walk with one level
**     (def = levels defined so far, rep = the current repetition level);
**     a present one adds 1 to def;
**   - a REQUIRED node holding a null is an error (LAGO_RUNTIME), except the
**     key_value struct of a MAP, whose row validity means nothing;
**   - an empty list ends the walk with one level (def counts the list
**     itself as present; a null list has one level less);
**   - element k of a list is walked with def + 1 (the repeated node) and
**     rep = the incoming rep for k = 0, else the list's repetition level;
**   - at the leaf, a non-null value gives def = max_def and one value.
** Example, column a ARRAY<INT> (both nullable; max_def 3, max_rep 1):
**   rows  NULL | [] | [NULL] | [1, 2]
**   def   0    | 1  | 2      | 3  3
**   rep   0    | 0  | 0      | 0  1
** Vectors of every kind are read: CONST (row 0 stands for all), DICT (row
** -> code -> dictionary row, nulls from the DICT vector's own validity), at
** any depth; `sel` maps logical to physical rows of the top-level vector.
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/alloc.h"
#include "util/bits.h"

void pqw_shred_init(pqw_shred *s) {
  memset(s, 0, sizeof *s);
  buf_init(&s->vals);
}

void pqw_shred_deinit(pqw_shred *s) {
  mem_free(s->def);
  mem_free(s->rep);
  mem_free(s->row_lvl);
  buf_deinit(&s->vals);
  memset(s, 0, sizeof *s);
}

static int grow_u16(uint16_t **p, size_t *cap, size_t need) {
  if (need <= *cap) return LAGO_OK;
  size_t n = *cap ? *cap : 1024;
  while (n < need) n *= 2;
  uint16_t *q = mem_realloc(*p, n * sizeof **p);
  if (!q) return LAGO_NOMEM;
  *p = q;
  *cap = n;
  return LAGO_OK;
}

/* Room for `more` levels of leaf L. */
static int lvl_reserve(pqw_shred *s, const pqw_leaf_desc *L, size_t more) {
  size_t need = s->n_lvl + more;
  if (need < 1024) need = 1024;
  if (need < 2 * s->n_lvl) need = 2 * s->n_lvl;
  if (L->max_def) TRY(grow_u16(&s->def, &s->cap_def, need));
  if (L->max_rep) TRY(grow_u16(&s->rep, &s->cap_rep, need));
  size_t cap = SIZE_MAX;
  if (L->max_def && s->cap_def < cap) cap = s->cap_def;
  if (L->max_rep && s->cap_rep < cap) cap = s->cap_rep;
  s->cap_lvl = cap;
  return LAGO_OK;
}

static inline int push_level(pqw_shred *s, const pqw_leaf_desc *L, uint16_t def, uint16_t rep) {
  if (s->n_lvl == s->cap_lvl) TRY(lvl_reserve(s, L, 1));
  if (L->max_def) s->def[s->n_lvl] = def;
  if (L->max_rep) s->rep[s->n_lvl] = rep;
  s->n_lvl++;
  return LAGO_OK;
}

int pqw_convert_value(const pqw_leaf_desc *L, const vec *v, uint32_t row, uint8_t *dst, lago_err *err) {
  const uint8_t *d = v->data;
  int32_t i32 = 0;
  switch (L->conv) {
    case PQW_CONV_BOOL: dst[0] = d[row] ? 1 : 0; return LAGO_OK;
    case PQW_CONV_I8: i32 = ((const int8_t *)d)[row]; break;
    case PQW_CONV_I16: i32 = ((const int16_t *)d)[row]; break;
    case PQW_CONV_U8: i32 = ((const uint8_t *)d)[row]; break;
    case PQW_CONV_U16: i32 = ((const uint16_t *)d)[row]; break;
    case PQW_CONV_COPY4: memcpy(dst, d + (size_t)row * 4, 4); return LAGO_OK;
    case PQW_CONV_COPY8: memcpy(dst, d + (size_t)row * 8, 8); return LAGO_OK;
    case PQW_CONV_DEC_I32: i32 = (int32_t)((const int64_t *)d)[row]; break;
    case PQW_CONV_DEC_FLBA: {
      lago_i128 x;
      memcpy(&x, d + (size_t)row * sizeof x, sizeof x);
      unsigned __int128 u = (unsigned __int128)x;
      int w = L->fl_width;
      for (int b = 0; b < w; b++) dst[w - 1 - b] = (uint8_t)(u >> (8 * b));
      return LAGO_OK;
    }
    case PQW_CONV_STR: memcpy(dst, d + (size_t)row * sizeof(lago_str), sizeof(lago_str)); return LAGO_OK;
    case PQW_CONV_UUID: memcpy(dst, d + (size_t)row * 16, 16); return LAGO_OK;
    case PQW_CONV_INTERVAL: {
      const lago_interval *iv = (const lago_interval *)d + row;
      /* Parquet INTERVAL: three unsigned 32-bit little-endian counts; sub-millisecond digits are dropped. */
      if (iv->months < 0 || iv->days < 0 || iv->micros < 0 || iv->micros / 1000 > (int64_t)UINT32_MAX)
        return LAGO_ERR(err, LAGO_RUNTIME, "parquet writer: column '%s': INTERVAL %d months %d days %lld micros "
                        "cannot be stored as a Parquet INTERVAL (unsigned months, days, milliseconds)",
                        L->dotted, iv->months, iv->days, (long long)iv->micros);
      store_le32(dst, (uint32_t)iv->months);
      store_le32(dst + 4, (uint32_t)iv->days);
      store_le32(dst + 8, (uint32_t)(iv->micros / 1000));
      return LAGO_OK;
    }
  }
  memcpy(dst, &i32, 4);
  return LAGO_OK;
}

/* The FLAT vector and row holding row `row` of v, and whether it is valid. */
static inline const vec *resolve(const vec *v, uint32_t row, uint32_t *prow, bool *valid) {
  if (v->kind == VEC_CONST) {
    *valid = !v->validity || bitmap_get(v->validity, 0);
    *prow = 0;
    return v;
  }
  *valid = !v->validity || bitmap_get(v->validity, row);
  if (v->kind == VEC_DICT) {
    *prow = ((const uint32_t *)v->data)[row];
    return v->dict;
  }
  *prow = row;
  return v;
}

static int append_value(pqw_shred *s, const pqw_leaf_desc *L, const vec *pv, uint32_t pr, lago_err *err) {
  if (buf_reserve(&s->vals, L->vsize)) return LAGO_NOMEM_ERR(err);
  uint8_t *dst = (uint8_t *)s->vals.data + s->vals.len;
  TRY(pqw_convert_value(L, pv, pr, dst, err));
  s->vals.len += L->vsize;
  s->n_vals++;
  if (L->conv == PQW_CONV_STR) s->plain_bytes += 4 + ((const lago_str *)dst)->len;
  else s->plain_bytes += L->vsize;
  return LAGO_OK;
}

static int null_error(const pqw_leaf_desc *L, const pqw_step *st, uint32_t top_row, lago_err *err) {
  return LAGO_ERR(err, LAGO_RUNTIME, "parquet writer: column '%s': NULL in non-nullable field '%s' (batch row %u)",
                  L->dotted, st->name ? st->name : "?", top_row);
}

typedef struct walk_ctx {
  const pqw_leaf_desc *L;
  pqw_shred *s;
  lago_err *err;
  uint32_t top_row;
} walk_ctx;

static int walk(walk_ctx *w, uint32_t si, const vec *v, uint32_t row, uint16_t def, uint16_t rep) {
  const pqw_leaf_desc *L = w->L;
  const pqw_step *st = &L->steps[si];
  uint32_t pr;
  bool valid;
  const vec *pv = resolve(v, row, &pr, &valid);
  if (!valid && !st->ignore_nulls) {
    if (!st->nullable) return null_error(L, st, w->top_row, w->err);
    if (push_level(w->s, L, def, rep)) return LAGO_NOMEM_ERR(w->err);
    return LAGO_OK;
  }
  if (st->nullable) def++;
  switch ((pqw_step_kind)st->kind) {
    case PQW_STEP_LEAF:
      if (push_level(w->s, L, def, rep)) return LAGO_NOMEM_ERR(w->err);
      return append_value(w->s, L, pv, pr, w->err);
    case PQW_STEP_STRUCT:
      return walk(w, si + 1, pv->fields[st->field], pr, def, rep);
    case PQW_STEP_LIST: {
      lago_list l = ((const lago_list *)pv->data)[pr];
      if (l.length == 0) {
        if (push_level(w->s, L, def, rep)) return LAGO_NOMEM_ERR(w->err);
        return LAGO_OK;
      }
      const vec *child = pv->child;
      if (!child || l.offset > child->len || l.length > child->len - l.offset)
        return LAGO_ERR(w->err, LAGO_MISUSE, "parquet writer: column '%s': list [%u, +%u) lies outside its child "
                        "vector of %u rows (batch row %u)", L->dotted, l.offset, l.length, child ? child->len : 0,
                        w->top_row);
      for (uint32_t k = 0; k < l.length; k++)
        TRY(walk(w, si + 1, child, l.offset + k, (uint16_t)(def + 1), k ? st->rep_level : rep));
      return LAGO_OK;
    }
  }
  return LAGO_ERR(w->err, LAGO_INTERNAL, "parquet writer: bad step kind %d", st->kind);
}

/* Top-level primitive column: one level per row, no recursion. */
static int shred_flat(const pqw_leaf_desc *L, const vec *v, const uint32_t *sel, uint32_t start, uint32_t n,
                      pqw_shred *s, lago_err *err) {
  const pqw_step *st = &L->steps[0];
  bool direct = v->kind == VEC_FLAT && !sel && !v->validity &&
                (L->conv == PQW_CONV_COPY4 || L->conv == PQW_CONV_COPY8 || L->conv == PQW_CONV_STR);
  if (lvl_reserve(s, L, n)) return LAGO_NOMEM_ERR(err);
  if (direct) {
    /* Values straight from the batch: no copy (the common case of a plain column). */
    s->direct = (const uint8_t *)v->data + (size_t)start * L->vsize;
    s->n_vals = n;
    if (L->conv == PQW_CONV_STR) {
      const lago_str *sv = (const lago_str *)s->direct;
      uint64_t b = 0;
      for (uint32_t i = 0; i < n; i++) b += sv[i].len;
      s->plain_bytes = b + 4 * (uint64_t)n;
    } else {
      s->plain_bytes = (uint64_t)n * L->vsize;
    }
    if (L->max_def)
      for (uint32_t i = 0; i < n; i++) s->def[i] = 1;
    s->n_lvl = n;
    return LAGO_OK;
  }
  if (buf_reserve(&s->vals, (size_t)n * L->vsize)) return LAGO_NOMEM_ERR(err);
  uint8_t *dst = (uint8_t *)s->vals.data;
  uint64_t plain = 0;
  size_t nv = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t row = sel ? sel[start + i] : start + i, pr;
    bool valid;
    const vec *pv = resolve(v, row, &pr, &valid);
    if (!valid) {
      if (!st->nullable) return null_error(L, st, row, err);
      s->def[i] = 0;
      continue;
    }
    if (L->max_def) s->def[i] = 1;
    uint8_t *d = dst + nv * L->vsize;
    TRY(pqw_convert_value(L, pv, pr, d, err));
    if (L->conv == PQW_CONV_STR) plain += 4 + ((const lago_str *)d)->len;
    nv++;
  }
  s->n_lvl = n;
  s->n_vals = nv;
  s->vals.len = nv * L->vsize;
  s->plain_bytes = L->conv == PQW_CONV_STR ? plain : (L->ptype == PQT_BOOLEAN ? (nv + 7) / 8 : nv * L->vsize);
  return LAGO_OK;
}

int pqw_shred_rows(const pqw_leaf_desc *L, const vec *v, const uint32_t *sel, uint32_t start, uint32_t n,
                   pqw_shred *s, lago_err *err) {
  s->n_lvl = 0;
  s->n_rows = n;
  s->vals.len = 0;
  s->n_vals = 0;
  s->plain_bytes = 0;
  s->direct = NULL;
  s->cap_lvl = 0; /* recomputed for this leaf by lvl_reserve */
  if (L->n_steps == 1) return shred_flat(L, v, sel, start, n, s, err);
  if (L->max_rep && s->cap_rows < (size_t)n + 1) {
    uint32_t *r = mem_realloc(s->row_lvl, ((size_t)n + 1) * sizeof *r);
    if (!r) return LAGO_NOMEM_ERR(err);
    s->row_lvl = r;
    s->cap_rows = (size_t)n + 1;
  }
  if (lvl_reserve(s, L, n)) return LAGO_NOMEM_ERR(err);
  walk_ctx w = {L, s, err, 0};
  for (uint32_t i = 0; i < n; i++) {
    uint32_t row = sel ? sel[start + i] : start + i;
    if (L->max_rep) {
      if (s->n_lvl > UINT32_MAX)
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: column '%s': more than 2^32 values in one batch",
                        L->dotted);
      s->row_lvl[i] = (uint32_t)s->n_lvl;
    }
    w.top_row = row;
    TRY(walk(&w, 0, v, row, 0, 0));
  }
  if (L->max_rep) s->row_lvl[n] = (uint32_t)s->n_lvl;
  if (L->ptype == PQT_BOOLEAN) s->plain_bytes = (s->n_vals + 7) / 8;
  return LAGO_OK;
}
