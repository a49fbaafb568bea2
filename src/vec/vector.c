/*
** vec/vector.c: vector and batch construction, growth, copies (see vector.h).
** All memory comes from the vector's arena; nothing here frees.
*/
#include "vec/vector.h"

#include <string.h>

int str_compare(const lago_str *a, const lago_str *b) {
  uint32_t n = a->len < b->len ? a->len : b->len;
  int c = memcmp(str_data(a), str_data(b), n);
  if (c) return c;
  return a->len < b->len ? -1 : a->len > b->len;
}

static int init_children(vec *v) {
  lago_type t = v->type;
  if (t.id == LT_STRUCT) {
    uint32_t n = type_n_fields(t);
    v->fields = arena_zalloc(v->ar, (n ? n : 1) * sizeof(vec *));
    if (!v->fields) return LAGO_NOMEM;
    for (uint32_t i = 0; i < n; i++) {
      v->fields[i] = vec_new(v->ar, type_field_at(t, i)->type, v->cap);
      if (!v->fields[i]) return LAGO_NOMEM;
    }
  } else if (t.id == LT_ARRAY || t.id == LT_MAP) {
    lago_type ct;
    if (t.id == LT_ARRAY) {
      ct = type_element(t);
    } else {
      /* MAP child: STRUCT<key, value> built from the map's own fields. */
      type_nested *tn = arena_zalloc(v->ar, sizeof(type_nested) + 2 * sizeof(type_field));
      if (!tn) return LAGO_NOMEM;
      tn->n_fields = 2;
      tn->fields[0] = t.nested->fields[0];
      tn->fields[1] = t.nested->fields[1];
      ct = type_make(LT_STRUCT);
      ct.nested = tn;
    }
    v->child = vec_new(v->ar, ct, v->cap ? v->cap : 1);
    if (!v->child) return LAGO_NOMEM;
    v->child->len = 0;
  }
  return LAGO_OK;
}

int vec_init(vec *v, arena *ar, lago_type t, uint32_t cap) {
  memset(v, 0, sizeof *v);
  v->type = t;
  v->kind = VEC_FLAT;
  v->ar = ar;
  v->cap = cap;
  size_t w = type_width(t);
  if (w && cap) {
    v->data = arena_alloc(ar, w * cap);
    if (!v->data) return LAGO_NOMEM;
    if (type_is_string_like(t) || t.id == LT_ARRAY || t.id == LT_MAP)
      memset(v->data, 0, w * cap); /* views and lists start empty, never dangling */
  }
  return init_children(v);
}

vec *vec_new(arena *ar, lago_type t, uint32_t cap) {
  vec *v = arena_alloc(ar, sizeof *v);
  if (!v) return NULL;
  if (vec_init(v, ar, t, cap)) return NULL;
  return v;
}

vec *vec_new_const_null(arena *ar, lago_type t, uint32_t len) {
  vec *v = vec_new(ar, t, 1);
  if (!v) return NULL;
  if (vec_make_const(v, len) || vec_set_null(v, 0)) return NULL;
  return v;
}

int vec_make_const(vec *v, uint32_t len) {
  if (v->cap < 1) TRY(vec_reserve(v, 1));
  v->kind = VEC_CONST;
  v->len = len;
  return LAGO_OK;
}

int vec_make_dict(vec *v, vec *dict, uint32_t cap) {
  v->kind = VEC_DICT;
  v->dict = dict;
  v->data = arena_alloc(v->ar, (cap ? cap : 1) * sizeof(uint32_t));
  if (!v->data) return LAGO_NOMEM;
  v->cap = cap;
  v->validity = NULL;
  return LAGO_OK;
}

int vec_reserve(vec *v, uint32_t cap) {
  if (cap <= v->cap) return LAGO_OK;
  uint32_t ncap = v->cap ? v->cap : 8;
  while (ncap < cap) ncap = ncap > UINT32_MAX / 2 ? cap : ncap * 2;
  size_t w = v->kind == VEC_DICT ? sizeof(uint32_t) : type_width(v->type);
  if (w) {
    void *nd = arena_realloc(v->ar, v->data, (size_t)v->cap * w, (size_t)ncap * w);
    if (!nd) return LAGO_NOMEM;
    if (v->kind != VEC_DICT && (type_is_string_like(v->type) || v->type.id == LT_ARRAY || v->type.id == LT_MAP))
      memset((char *)nd + (size_t)v->cap * w, 0, (size_t)(ncap - v->cap) * w);
    v->data = nd;
  }
  if (v->validity) {
    size_t ow = bitmap_words(v->cap), nw = bitmap_words(ncap);
    uint64_t *nv = arena_realloc(v->ar, v->validity, ow * 8, nw * 8);
    if (!nv) return LAGO_NOMEM;
    for (size_t i = ow; i < nw; i++) nv[i] = ~(uint64_t)0;
    v->validity = nv;
  }
  if (v->type.id == LT_STRUCT && v->kind != VEC_DICT) {
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) TRY(vec_reserve(v->fields[i], ncap));
  }
  v->cap = ncap;
  return LAGO_OK;
}

int vec_ensure_validity(vec *v) {
  if (v->validity) return LAGO_OK;
  uint32_t cap = v->cap ? v->cap : 1;
  v->validity = arena_alloc(v->ar, bitmap_words(cap) * 8);
  if (!v->validity) return LAGO_NOMEM;
  bitmap_fill(v->validity, cap, true);
  return LAGO_OK;
}

int vec_set_null(vec *v, uint32_t row) {
  TRY(vec_ensure_validity(v));
  bitmap_clear(v->validity, v->kind == VEC_CONST ? 0 : row);
  return LAGO_OK;
}

void vec_set_valid(vec *v, uint32_t row) {
  if (v->validity) bitmap_set(v->validity, v->kind == VEC_CONST ? 0 : row);
}

uint32_t vec_null_count(const vec *v) {
  if (!v->validity) return 0;
  if (v->kind == VEC_CONST) return bitmap_get(v->validity, 0) ? 0 : v->len;
  return v->len - (uint32_t)bitmap_count(v->validity, v->len);
}

int vec_set_str(vec *v, uint32_t row, const char *p, uint32_t n) {
  lago_str *s = VEC_DATA(v, lago_str) + row;
  if (n <= LAGO_STR_INLINE) {
    *s = str_make(p, n);
    return LAGO_OK;
  }
  char *copy = arena_memdup(v->ar, p, n);
  if (!copy) return LAGO_NOMEM;
  *s = str_make(copy, n);
  return LAGO_OK;
}

int vec_str_copy_bytes(vec *v, arena *ar) {
  if (v->kind == VEC_DICT) return vec_str_copy_bytes(v->dict, ar);
  uint32_t n = v->kind == VEC_CONST ? 1 : v->len;
  if (type_is_string_like(v->type)) {
    lago_str *s = VEC_DATA(v, lago_str);
    for (uint32_t i = 0; i < n; i++) {
      if (s[i].len > LAGO_STR_INLINE) {
        char *copy = arena_memdup(ar, s[i].u.ptr, s[i].len);
        if (!copy) return LAGO_NOMEM;
        s[i].u.ptr = copy;
      }
    }
  } else if (v->type.id == LT_STRUCT) {
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) TRY(vec_str_copy_bytes(v->fields[i], ar));
  } else if (v->child) {
    TRY(vec_str_copy_bytes(v->child, ar));
  }
  return LAGO_OK;
}

int vec_list_reserve(vec *v, uint32_t n, uint32_t *offset) {
  vec *c = v->child;
  if (n > UINT32_MAX - c->len) return LAGO_NOMEM;
  TRY(vec_reserve(c, c->len + n));
  *offset = c->len;
  c->len += n;
  if (c->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(c->type); i++) c->fields[i]->len = c->len;
  return LAGO_OK;
}

/* Copies one value (and its nullness) from a FLAT-addressable position. */
static int copy_value(vec *dst, uint32_t drow, const vec *src, uint32_t srow);

int vec_copy_row(vec *dst, uint32_t dst_row, const vec *src, uint32_t src_row) {
  /* Resolve src kind to the physical vector and index. */
  const uint64_t *validity = src->validity;
  uint32_t vrow = src->kind == VEC_CONST ? 0 : src_row;
  bool valid = !validity || bitmap_get(validity, vrow);
  if (dst_row >= dst->cap) TRY(vec_reserve(dst, dst_row + 1));
  if (!valid) {
    TRY(vec_set_null(dst, dst_row));
    if (type_is_string_like(dst->type)) memset(VEC_DATA(dst, lago_str) + dst_row, 0, sizeof(lago_str));
    if (dst->type.id == LT_ARRAY || dst->type.id == LT_MAP) memset(VEC_DATA(dst, lago_list) + dst_row, 0, sizeof(lago_list));
    if (dst->type.id == LT_STRUCT) {
      /* Keep child rows addressable; their content is irrelevant but must be defined. */
      for (uint32_t i = 0; i < type_n_fields(dst->type); i++) {
        vec *f = dst->fields[i];
        if (dst_row >= f->cap) TRY(vec_reserve(f, dst_row + 1));
        TRY(vec_set_null(f, dst_row));
        if (f->len <= dst_row) f->len = dst_row + 1;
      }
    }
    return LAGO_OK;
  }
  vec_set_valid(dst, dst_row);
  const vec *phys = src;
  uint32_t prow = src_row;
  if (src->kind == VEC_CONST) prow = 0;
  else if (src->kind == VEC_DICT) {
    prow = VEC_DATA(src, uint32_t)[src_row];
    phys = src->dict;
  }
  return copy_value(dst, dst_row, phys, prow);
}

static int copy_value(vec *dst, uint32_t drow, const vec *src, uint32_t srow) {
  lago_type t = dst->type;
  size_t w = type_width(t);
  if (type_is_string_like(t)) {
    const lago_str *s = VEC_DATA(src, lago_str) + srow;
    return vec_set_str(dst, drow, str_data(s), s->len);
  }
  if (t.id == LT_STRUCT) {
    for (uint32_t i = 0; i < type_n_fields(t); i++) {
      vec *f = dst->fields[i];
      TRY(vec_copy_row(f, drow, src->fields[i], srow));
      if (f->len <= drow) f->len = drow + 1;
    }
    return LAGO_OK;
  }
  if (t.id == LT_ARRAY || t.id == LT_MAP) {
    lago_list sl = VEC_DATA(src, lago_list)[srow];
    uint32_t off;
    TRY(vec_list_reserve(dst, sl.length, &off));
    for (uint32_t k = 0; k < sl.length; k++) TRY(vec_copy_row(dst->child, off + k, src->child, sl.offset + k));
    lago_list *dl = VEC_DATA(dst, lago_list) + drow;
    dl->offset = off;
    dl->length = sl.length;
    return LAGO_OK;
  }
  if (w) memcpy((char *)dst->data + (size_t)drow * w, (const char *)src->data + (size_t)srow * w, w);
  return LAGO_OK;
}

int vec_gather(vec *dst, uint32_t dst_off, const vec *src, const uint32_t *sel, uint32_t n) {
  if (n > UINT32_MAX - dst_off) return LAGO_NOMEM;
  TRY(vec_reserve(dst, dst_off + n));
  size_t w = type_width(dst->type);
  bool simple = src->kind == VEC_FLAT && !type_is_nested(dst->type) && !type_is_string_like(dst->type) && w;
  if (simple) {
    const char *sd = src->data;
    char *dd = (char *)dst->data + (size_t)dst_off * w;
    if (!sel) {
      memcpy(dd, sd, (size_t)n * w);
    } else {
      switch (w) {
        case 1: for (uint32_t i = 0; i < n; i++) ((uint8_t *)dd)[i] = ((const uint8_t *)sd)[sel[i]]; break;
        case 2: for (uint32_t i = 0; i < n; i++) ((uint16_t *)dd)[i] = ((const uint16_t *)sd)[sel[i]]; break;
        case 4: for (uint32_t i = 0; i < n; i++) ((uint32_t *)dd)[i] = ((const uint32_t *)sd)[sel[i]]; break;
        case 8: for (uint32_t i = 0; i < n; i++) ((uint64_t *)dd)[i] = ((const uint64_t *)sd)[sel[i]]; break;
        default: for (uint32_t i = 0; i < n; i++) memcpy(dd + (size_t)i * w, sd + (size_t)sel[i] * w, w);
      }
    }
    if (src->validity) {
      TRY(vec_ensure_validity(dst));
      for (uint32_t i = 0; i < n; i++)
        bitmap_put(dst->validity, dst_off + i, bitmap_get(src->validity, sel ? sel[i] : i));
    } else if (dst->validity) {
      for (uint32_t i = 0; i < n; i++) bitmap_set(dst->validity, dst_off + i);
    }
  } else {
    for (uint32_t i = 0; i < n; i++) TRY(vec_copy_row(dst, dst_off + i, src, sel ? sel[i] : i));
  }
  if (dst->len < dst_off + n) dst->len = dst_off + n;
  if (dst->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(dst->type); i++)
      if (dst->fields[i]->len < dst->len) dst->fields[i]->len = dst->len;
  return LAGO_OK;
}

int vec_flatten(vec *v) {
  if (v->kind == VEC_FLAT) return LAGO_OK;
  vec tmp;
  uint32_t len = v->len;
  TRY(vec_init(&tmp, v->ar, v->type, len ? len : 1));
  if (len) TRY(vec_gather(&tmp, 0, v, NULL, len));
  tmp.len = len;
  *v = tmp;
  return LAGO_OK;
}

void vec_view_init(vec_view *vw, const vec *v) {
  vw->is_const = v->kind == VEC_CONST;
  vw->validity = v->validity;
  if (v->kind == VEC_DICT) {
    vw->codes = v->data;
    vw->data = v->dict->data;
  } else {
    vw->codes = NULL;
    vw->data = v->data;
  }
}

batch *batch_new(arena *ar, uint32_t n_cols, const lago_type *types, uint32_t cap) {
  batch *b = arena_zalloc(ar, sizeof *b);
  if (!b) return NULL;
  b->ar = ar;
  b->n_cols = n_cols;
  b->cols = arena_zalloc(ar, (n_cols ? n_cols : 1) * sizeof(vec));
  if (!b->cols) return NULL;
  for (uint32_t i = 0; i < n_cols; i++)
    if (vec_init(&b->cols[i], ar, types[i], cap)) return NULL;
  return b;
}

void batch_set_rows(batch *b, uint32_t n) {
  b->n_rows = n;
  b->sel = NULL;
  for (uint32_t i = 0; i < b->n_cols; i++) {
    b->cols[i].len = n;
    if (b->cols[i].type.id == LT_STRUCT)
      for (uint32_t f = 0; f < type_n_fields(b->cols[i].type); f++) b->cols[i].fields[f]->len = n;
  }
}

int batch_compact(batch *b) {
  if (!b->sel) return LAGO_OK;
  for (uint32_t c = 0; c < b->n_cols; c++) {
    vec nv;
    TRY(vec_init(&nv, b->ar, b->cols[c].type, b->n_rows ? b->n_rows : 1));
    TRY(vec_gather(&nv, 0, &b->cols[c], b->sel, b->n_rows));
    nv.len = b->n_rows;
    b->cols[c] = nv;
  }
  b->sel = NULL;
  return LAGO_OK;
}
