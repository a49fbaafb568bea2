/*
** exec/vecops.c: row copies, Spark ordering, equality and hashing over
** vectors of every kind and type (see vecops.h).
*/
#include "exec/vecops.h"

#include <string.h>

/* ---- copies ----------------------------------------------------------------- */

static void set_null_slot(vec *dst, uint32_t r) {
  size_t w = type_width(dst->type);
  if (w && (type_is_string_like(dst->type) || dst->type.id == LT_ARRAY || dst->type.id == LT_MAP))
    memset((char *)dst->data + (size_t)r * w, 0, w);
}

int vecops_copy_one(vec *dst, uint32_t dst_row, const vec *src, uint32_t src_row) {
  lago_type t = dst->type;
  if (type_is_nested(t)) return vec_copy_row(dst, dst_row, src, src_row);
  if (dst_row >= dst->cap) TRY(vec_reserve(dst, dst_row + 1));
  if (!vec_is_valid(src, src_row)) {
    TRY(vec_set_null(dst, dst_row));
    set_null_slot(dst, dst_row);
    return LAGO_OK;
  }
  vec_set_valid(dst, dst_row);
  uint32_t idx;
  const vec *p = vec_resolve(src, src_row, &idx);
  size_t w = type_width(t);
  if (w) memcpy((char *)dst->data + (size_t)dst_row * w, (const char *)p->data + (size_t)idx * w, w);
  return LAGO_OK;
}

int vecops_copy_rows(vec *dst, const vec *src, const uint32_t *sel, uint32_t n) {
  if (!n) return LAGO_OK;
  uint32_t need = sel ? sel[n - 1] + 1 : n;
  if (need > dst->cap) TRY(vec_reserve(dst, need));
  lago_type t = dst->type;
  if (type_is_nested(t) || t.id == LT_NULL) {
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = sel ? sel[i] : i;
      TRY(vec_copy_row(dst, r, src, r));
    }
    if (dst->len < need) dst->len = need;
    return LAGO_OK;
  }
  size_t w = type_width(t);
  vec_view vw;
  vec_view_init(&vw, src);
  if (vw.validity) TRY(vec_ensure_validity(dst));
  const char *sd = vw.data;
  char *dd = dst->data;
#define COPY_LOOP(T)                                                         \
  do {                                                                       \
    const T *s_ = (const T *)sd;                                             \
    T *d_ = (T *)dd;                                                         \
    for (uint32_t i = 0; i < n; i++) {                                       \
      uint32_t r = sel ? sel[i] : i;                                         \
      if (VIEW_VALID(&vw, r)) {                                              \
        d_[r] = s_[VIEW_IDX(&vw, r)];                                        \
        if (dst->validity) bitmap_set(dst->validity, r);                     \
      } else {                                                               \
        bitmap_clear(dst->validity, r);                                      \
        memset(&d_[r], 0, sizeof(T));                                        \
      }                                                                      \
    }                                                                        \
  } while (0)
  switch (w) {
    case 1: COPY_LOOP(uint8_t); break;
    case 2: COPY_LOOP(uint16_t); break;
    case 4: COPY_LOOP(uint32_t); break;
    case 8: COPY_LOOP(uint64_t); break;
    case 16: COPY_LOOP(lago_str); break; /* strings, i128, interval, uuid: 16 bytes */
    default:
      for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        TRY(vecops_copy_one(dst, r, src, r));
      }
  }
#undef COPY_LOOP
  if (dst->len < need) dst->len = need;
  return LAGO_OK;
}

/* ---- comparison ---------------------------------------------------------------- */

static int cmp_i128(lago_i128 a, lago_i128 b) { return a < b ? -1 : a > b; }

int vecops_compare(const vec *a, uint32_t ra, const vec *b, uint32_t rb) {
  uint32_t ia, ib;
  const vec *pa = vec_resolve(a, ra, &ia), *pb = vec_resolve(b, rb, &ib);
  const void *da = pa->data, *db = pb->data;
  switch ((lago_type_id)a->type.id) {
    case LT_BOOLEAN:
    case LT_UTINYINT: {
      uint8_t x = ((const uint8_t *)da)[ia], y = ((const uint8_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_TINYINT: {
      int8_t x = ((const int8_t *)da)[ia], y = ((const int8_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_SMALLINT: {
      int16_t x = ((const int16_t *)da)[ia], y = ((const int16_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_USMALLINT: {
      uint16_t x = ((const uint16_t *)da)[ia], y = ((const uint16_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_INT:
    case LT_DATE: {
      int32_t x = ((const int32_t *)da)[ia], y = ((const int32_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_UINT: {
      uint32_t x = ((const uint32_t *)da)[ia], y = ((const uint32_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_BIGINT:
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ:
    case LT_TIMESTAMP_NS:
    case LT_TIME:
    case LT_TIME_UTC: {
      int64_t x = ((const int64_t *)da)[ia], y = ((const int64_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_UBIGINT: {
      uint64_t x = ((const uint64_t *)da)[ia], y = ((const uint64_t *)db)[ib];
      return x < y ? -1 : x > y;
    }
    case LT_FLOAT: return double_cmp(((const float *)da)[ia], ((const float *)db)[ib]);
    case LT_DOUBLE: return double_cmp(((const double *)da)[ia], ((const double *)db)[ib]);
    case LT_DECIMAL: {
      bool w = type_decimal_is_wide(a->type);
      lago_i128 x, y;
      if (w) {
        memcpy(&x, (const char *)da + (size_t)ia * 16, 16);
        memcpy(&y, (const char *)db + (size_t)ib * 16, 16);
      } else {
        x = ((const int64_t *)da)[ia];
        y = ((const int64_t *)db)[ib];
      }
      return cmp_i128(x, y);
    }
    case LT_STRING:
    case LT_BINARY: return str_compare((const lago_str *)da + ia, (const lago_str *)db + ib);
    case LT_UUID: return memcmp((const char *)da + (size_t)ia * 16, (const char *)db + (size_t)ib * 16, 16);
    case LT_INTERVAL: {
      const lago_interval *x = (const lago_interval *)da + ia, *y = (const lago_interval *)db + ib;
      if (x->months != y->months) return x->months < y->months ? -1 : 1;
      if (x->days != y->days) return x->days < y->days ? -1 : 1;
      return x->micros < y->micros ? -1 : x->micros > y->micros;
    }
    case LT_STRUCT: {
      for (uint32_t f = 0; f < type_n_fields(a->type); f++) {
        int c = vecops_compare_nulls(pa->fields[f], ia, pb->fields[f], ib);
        if (c) return c;
      }
      return 0;
    }
    case LT_ARRAY:
    case LT_MAP: {
      lago_list la = ((const lago_list *)da)[ia], lb = ((const lago_list *)db)[ib];
      uint32_t m = la.length < lb.length ? la.length : lb.length;
      for (uint32_t k = 0; k < m; k++) {
        int c;
        if (a->type.id == LT_MAP) {
          c = vecops_compare_nulls(pa->child->fields[0], la.offset + k, pb->child->fields[0], lb.offset + k);
          if (!c) c = vecops_compare_nulls(pa->child->fields[1], la.offset + k, pb->child->fields[1], lb.offset + k);
        } else {
          c = vecops_compare_nulls(pa->child, la.offset + k, pb->child, lb.offset + k);
        }
        if (c) return c;
      }
      return la.length < lb.length ? -1 : la.length > lb.length;
    }
    case LT_NULL:
    case LT_INVALID:
    case LT__COUNT: return 0;
  }
  return 0;
}

int vecops_compare_nulls(const vec *a, uint32_t ra, const vec *b, uint32_t rb) {
  bool va = vec_is_valid(a, ra), vb = vec_is_valid(b, rb);
  if (!va || !vb) return va == vb ? 0 : va ? 1 : -1;
  return vecops_compare(a, ra, b, rb);
}

/* ---- hashing ------------------------------------------------------------------ */

uint64_t hash_bytes(const void *p, size_t n) {
  const uint8_t *s = p;
  uint64_t h = UINT64_C(0x243f6a8885a308d3) ^ (n * UINT64_C(0x9e3779b97f4a7c15));
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ hash_mix64(w)) * UINT64_C(0xff51afd7ed558ccd);
    s += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    memcpy(&w, s, n);
    h = (h ^ hash_mix64(w ^ ((uint64_t)n << 56))) * UINT64_C(0xc4ceb9fe1a85ec53);
  }
  return hash_mix64(h);
}

/* 64x64 -> 128-bit multiply folded to 64 bits (one mul instruction). */
static inline uint64_t mum(uint64_t a, uint64_t b) {
  unsigned __int128 p = (unsigned __int128)a * b;
  return (uint64_t)p ^ (uint64_t)(p >> 64);
}
#define HS0 UINT64_C(0xa0761d6478bd642f)
#define HS1 UINT64_C(0xe7037ed1a0b428db)
#define HS2 UINT64_C(0x8ebc6af09c88c6e3)

/*
** Hash of a string value. Views of up to 12 bytes are canonical (zero-padded
** inline bytes, which str_equal relies on too), so their 16 bytes are hashed as
** two words without touching the bytes separately; longer strings hash their
** bytes 16 at a time (the last 16 overlapping). Equal values hash alike.
*/
static inline uint64_t hash_str(const lago_str *s) {
  uint64_t a, b;
  if (s->len <= LAGO_STR_INLINE) {
    memcpy(&a, s, 8);
    memcpy(&b, (const char *)s + 8, 8);
    return mum(mum(a ^ HS0, b ^ HS1), HS2);
  }
  const char *p = s->u.ptr;
  size_t len = s->len;
  uint64_t h = HS2 ^ len;
  if (len <= 16) { /* 13..16 bytes: the first 8 and the last 8 (overlapping) */
    memcpy(&a, p, 8);
    memcpy(&b, p + len - 8, 8);
  } else {
    size_t n = len;
    while (n > 16) {
      memcpy(&a, p, 8);
      memcpy(&b, p + 8, 8);
      h = mum(a ^ HS0, b ^ h);
      p += 16;
      n -= 16;
    }
    memcpy(&a, p + n - 16, 8); /* the last 16 bytes (they may overlap hashed ones) */
    memcpy(&b, p + n - 8, 8);
  }
  return mum(mum(a ^ HS0, b ^ HS1 ^ h), HS2 ^ h);
}

/* Hash of a valid value at physical index idx of FLAT p. */
static uint64_t hash_value(const vec *p, uint32_t idx) {
  const void *d = p->data;
  switch ((lago_type_id)p->type.id) {
    case LT_BOOLEAN: case LT_UTINYINT: return hash_mix64(((const uint8_t *)d)[idx]);
    case LT_TINYINT: return hash_mix64((uint64_t)(int64_t)((const int8_t *)d)[idx]);
    case LT_SMALLINT: return hash_mix64((uint64_t)(int64_t)((const int16_t *)d)[idx]);
    case LT_USMALLINT: return hash_mix64(((const uint16_t *)d)[idx]);
    case LT_INT: case LT_DATE: return hash_mix64((uint64_t)(int64_t)((const int32_t *)d)[idx]);
    case LT_UINT: return hash_mix64(((const uint32_t *)d)[idx]);
    case LT_BIGINT: case LT_UBIGINT: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS:
    case LT_TIME: case LT_TIME_UTC: return hash_mix64(((const uint64_t *)d)[idx]);
    case LT_FLOAT: {
      double x = double_canon(((const float *)d)[idx]);
      uint64_t u;
      memcpy(&u, &x, 8);
      return hash_mix64(u);
    }
    case LT_DOUBLE: {
      double x = double_canon(((const double *)d)[idx]);
      uint64_t u;
      memcpy(&u, &x, 8);
      return hash_mix64(u);
    }
    case LT_DECIMAL: {
      if (!type_decimal_is_wide(p->type)) return hash_mix64((uint64_t)((const int64_t *)d)[idx]);
      uint64_t w[2];
      memcpy(w, (const char *)d + (size_t)idx * 16, 16);
      return hash_combine(hash_mix64(w[0]), w[1]);
    }
    case LT_STRING: case LT_BINARY: return hash_str((const lago_str *)d + idx);
    case LT_UUID: return hash_bytes((const char *)d + (size_t)idx * 16, 16);
    case LT_INTERVAL: return hash_bytes((const lago_interval *)d + idx, sizeof(lago_interval));
    case LT_STRUCT: {
      uint64_t h = 0x51;
      for (uint32_t f = 0; f < type_n_fields(p->type); f++) h = hash_combine(h, vecops_hash_one(p->fields[f], idx));
      return h;
    }
    case LT_ARRAY: case LT_MAP: {
      lago_list l = ((const lago_list *)d)[idx];
      uint64_t h = hash_mix64(l.length + 0x77);
      for (uint32_t k = 0; k < l.length; k++) h = hash_combine(h, vecops_hash_one(p->child, l.offset + k));
      return h;
    }
    case LT_NULL: case LT_INVALID: case LT__COUNT: return VECOPS_NULL_HASH;
  }
  return VECOPS_NULL_HASH;
}

uint64_t vecops_hash_one(const vec *v, uint32_t r) {
  if (!vec_is_valid(v, r)) return VECOPS_NULL_HASH;
  uint32_t idx;
  const vec *p = vec_resolve(v, r, &idx);
  return hash_value(p, idx);
}

void vecops_hash(const vec *v, const uint32_t *sel, uint32_t n, uint64_t *h, bool combine) {
  vec_view vw;
  vec_view_init(&vw, v);
  lago_type_id id = (lago_type_id)v->type.id;
  /* Fast paths for the common fixed-width keys. */
  /* Plain FLAT vectors without NULLs (the common case) get loops without per-row kind checks. */
  bool plain = !vw.validity && !vw.codes && !vw.is_const;
#define HASH_LOOP(T, CONV)                                                        \
  do {                                                                            \
    const T *d_ = (const T *)vw.data;                                             \
    if (plain && !combine) {                                                      \
      if (sel)                                                                    \
        for (uint32_t i = 0; i < n; i++) h[i] = hash_mix64(CONV(d_[sel[i]]));     \
      else                                                                        \
        for (uint32_t i = 0; i < n; i++) h[i] = hash_mix64(CONV(d_[i]));          \
      break;                                                                      \
    }                                                                             \
    for (uint32_t i = 0; i < n; i++) {                                            \
      uint32_t r = sel ? sel[i] : i;                                              \
      uint64_t x = VIEW_VALID(&vw, r) ? hash_mix64(CONV(d_[VIEW_IDX(&vw, r)])) : VECOPS_NULL_HASH; \
      h[i] = combine ? hash_combine(h[i], x) : x;                                 \
    }                                                                             \
  } while (0)
#define CONV_I(x) ((uint64_t)(int64_t)(x))
#define CONV_U(x) ((uint64_t)(x))
  switch (id) {
    case LT_INT: case LT_DATE: HASH_LOOP(int32_t, CONV_I); return;
    case LT_BIGINT: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: HASH_LOOP(int64_t, CONV_I); return;
    case LT_SMALLINT: HASH_LOOP(int16_t, CONV_I); return;
    case LT_TINYINT: HASH_LOOP(int8_t, CONV_I); return;
    case LT_BOOLEAN: HASH_LOOP(uint8_t, CONV_U); return;
    case LT_DECIMAL:
      if (!type_decimal_is_wide(v->type)) {
        HASH_LOOP(int64_t, CONV_I);
        return;
      }
      break;
    case LT_STRING: case LT_BINARY: {
      const lago_str *d = vw.data;
      if (plain) {
        if (combine)
          for (uint32_t i = 0; i < n; i++) h[i] = hash_combine(h[i], hash_str(&d[sel ? sel[i] : i]));
        else
          for (uint32_t i = 0; i < n; i++) h[i] = hash_str(&d[sel ? sel[i] : i]);
        return;
      }
      for (uint32_t i = 0; i < n; i++) {
        uint32_t r = sel ? sel[i] : i;
        uint64_t x = VIEW_VALID(&vw, r) ? hash_str(&d[VIEW_IDX(&vw, r)]) : VECOPS_NULL_HASH;
        h[i] = combine ? hash_combine(h[i], x) : x;
      }
      return;
    }
    default: break;
  }
#undef HASH_LOOP
#undef CONV_I
#undef CONV_U
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    uint64_t x = vecops_hash_one(v, r);
    h[i] = combine ? hash_combine(h[i], x) : x;
  }
}
