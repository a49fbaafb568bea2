/*
** exec/vecops.h: value-level helpers over vectors of any kind and type, used
** by the evaluator and the operators: aligned row copies, total-order
** comparison (Spark ordering), equality, and hashing for hash tables.
**
** Ordering (Spark): numbers by value, NaN above every other number and equal
** to itself, -0.0 equal to 0.0; strings and binaries bytewise (UTF-8 code
** point order); booleans false < true; arrays lexicographically (shorter
** prefix first, NULL elements first); structs field by field (NULL fields
** first); maps by entries. Comparison functions take non-null values; callers
** place NULLs themselves (NULLS FIRST/LAST).
**
** Hashing (hash tables only, not Spark's hash()): 64-bit, -0.0/0.0 and all
** NaNs hash alike so hashing agrees with equality; NULL has a fixed hash.
*/
#ifndef LAGO_EXEC_VECOPS_H
#define LAGO_EXEC_VECOPS_H

#include "vec/vector.h"

/* Physical vector and index holding logical row r of v (CONST, DICT resolved). */
static inline const vec *vec_resolve(const vec *v, uint32_t r, uint32_t *idx) {
  if (v->kind == VEC_CONST) {
    *idx = 0;
    return v;
  }
  if (v->kind == VEC_DICT) {
    *idx = ((const uint32_t *)v->data)[r];
    return v->dict;
  }
  *idx = r;
  return v;
}

/*
** dst[r] = src[r] for r in sel[0..n) (NULL sel: 0..n-1); dst is FLAT with
** room for those rows. Strings are copied as views (bytes stay where they are)
** unless deep; nested values are copied deeply into dst->ar.
*/
int vecops_copy_rows(vec *dst, const vec *src, const uint32_t *sel, uint32_t n);
/* dst[dst_row] = src[src_row] (non-null or null), strings as views. */
int vecops_copy_one(vec *dst, uint32_t dst_row, const vec *src, uint32_t src_row);

/* <0, 0, >0 comparing non-null rows ra of a and rb of b (same type). */
int vecops_compare(const vec *a, uint32_t ra, const vec *b, uint32_t rb);
/* Same, NULLs included: NULL equals NULL and sorts before any value. */
int vecops_compare_nulls(const vec *a, uint32_t ra, const vec *b, uint32_t rb);
/* Equality of two rows, NULL equal to NULL (grouping semantics). */
static inline bool vecops_equal_nulls(const vec *a, uint32_t ra, const vec *b, uint32_t rb) {
  return vecops_compare_nulls(a, ra, b, rb) == 0;
}

#define VECOPS_NULL_HASH UINT64_C(0x9e3779b97f4a7c15)
/*
** Hashes rows sel[0..n) of v into h[i] (indexed by logical position i, not by
** row): combine=false sets h[i], true mixes into it (multi-column keys).
*/
void vecops_hash(const vec *v, const uint32_t *sel, uint32_t n, uint64_t *h, bool combine);
/* Hash of one row (same function as vecops_hash). */
uint64_t vecops_hash_one(const vec *v, uint32_t r);

/* 64-bit mixers. */
static inline uint64_t hash_mix64(uint64_t x) {
  x ^= x >> 32;
  x *= UINT64_C(0xd6e8feb86659fd93);
  x ^= x >> 32;
  x *= UINT64_C(0xd6e8feb86659fd93);
  x ^= x >> 32;
  return x;
}
static inline uint64_t hash_combine(uint64_t h, uint64_t x) {
  return hash_mix64(h * UINT64_C(0x9e3779b97f4a7c15) + x);
}
/* Hash of a byte string. */
uint64_t hash_bytes(const void *p, size_t n);

/* Canonical bits of a double for hashing/equality: -0.0 -> 0.0, NaN -> one NaN. */
static inline double double_canon(double d) {
  if (d == 0) return 0.0;
  if (d != d) return __builtin_nan("");
  return d;
}
/* Spark order of doubles: NaN greatest, -0 == 0. */
static inline int double_cmp(double a, double b) {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a == b) return 0;
  bool an = a != a, bn = b != b;
  return an && bn ? 0 : an ? 1 : -1;
}

#endif /* LAGO_EXEC_VECOPS_H */
