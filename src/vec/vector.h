/*
** vec/vector.h: column vectors and batches (STYLE.md §5).
**
** A vec holds up to `cap` values of one lago_type. Three kinds:
**   VEC_FLAT   data[i] is row i's value.
**   VEC_CONST  one value (data[0], validity bit 0) stands for all `len` rows.
**   VEC_DICT   data is uint32_t codes, row i's value is dict->data[codes[i]].
**              Row nulls are in this vector's validity; dictionary entries
**              are never null (invariant kept by every producer).
** Validity: LSB-first bitmap, 1 = non-null; NULL means all rows are valid.
**
** Value layout per type: see vec/types.h. Strings and binaries are 16-byte
** views (lago_str): up to 12 bytes inline, else a 4-byte prefix and a pointer
** to bytes owned by someone else, normally the batch arena or a page buffer
** that lives as long as the batch. Anyone who keeps strings past the batch's
** life (a hash table, a sort) copies the bytes (vec_str_copy_bytes).
**
** ARRAY and MAP: data is lago_list {offset, length} per row, pointing into
** `child` (for MAP a STRUCT<key, value> vector). Ranges may overlap or be out of
** order (so gathers need not copy children) but always lie inside child->len.
** STRUCT: `fields[i]` holds field i for the same rows; the struct's own
** validity says whether the struct value itself is null.
**
** All buffers of a vector come from the arena `ar` given at creation; the
** vector never frees anything itself: resetting or freeing that arena does.
**
** A batch is up to LAGO_VECTOR_SIZE rows of several vectors with an optional
** selection vector: logical row i is physical row sel[i] of every column.
*/
#ifndef LAGO_VEC_VECTOR_H
#define LAGO_VEC_VECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/arena.h"
#include "util/bits.h"
#include "util/status.h"
#include "vec/types.h"

#define LAGO_VECTOR_SIZE 2048 /* rows per batch (power of two; DuckDB vector_size.hpp) */

/* ---- string views --------------------------------------------------------- */

#define LAGO_STR_INLINE 12

typedef struct lago_str {
  uint32_t len;
  char prefix[4];        /* first 4 bytes (inline: bytes 0..3) */
  union {
    char inl[8];         /* inline: bytes 4..11 */
    const char *ptr;     /* len > 12: all len bytes */
  } u;
} lago_str;

/* Pointer to the bytes of s (inside *s when inline: keep s alive). */
static inline const char *str_data(const lago_str *s) {
  return s->len <= LAGO_STR_INLINE ? s->prefix : s->u.ptr;
}
/* A view of bytes p[0..n) (the bytes are referenced when n > 12, copied when inline). */
static inline lago_str str_make(const char *p, uint32_t n) {
  lago_str s;
  memset(&s, 0, sizeof s);
  s.len = n;
  if (n <= LAGO_STR_INLINE) {
    /* prefix and u.inl are contiguous; a byte loop avoids a gcc 12 -Warray-bounds false positive */
    char *d = (char *)&s + offsetof(lago_str, prefix);
    for (uint32_t i = 0; i < n; i++) d[i] = p[i];
  } else {
    memcpy(s.prefix, p, 4);
    s.u.ptr = p;
  }
  return s;
}
static inline bool str_equal(const lago_str *a, const lago_str *b) {
  if (memcmp(a, b, 8) != 0) return false; /* len and prefix */
  if (a->len <= LAGO_STR_INLINE) return memcmp(a->u.inl, b->u.inl, 8) == 0;
  return memcmp(a->u.ptr, b->u.ptr, a->len) == 0;
}
/* memcmp order, shorter prefix first. */
int str_compare(const lago_str *a, const lago_str *b);

/* ---- vectors -------------------------------------------------------------- */

typedef enum { VEC_FLAT = 0, VEC_CONST = 1, VEC_DICT = 2 } vec_kind;

typedef struct lago_list {
  uint32_t offset; /* first element in child */
  uint32_t length; /* number of elements */
} lago_list;

typedef struct vec {
  lago_type type;
  uint8_t kind;          /* vec_kind */
  uint32_t len;          /* rows */
  uint32_t cap;          /* rows the buffers can hold (FLAT/DICT); 1 for CONST */
  uint64_t *validity;    /* NULL = all valid; else bitmap of cap bits */
  void *data;            /* values (type_width bytes each) or DICT codes */
  struct vec *dict;      /* VEC_DICT: dictionary (a FLAT vector); else NULL */
  struct vec *child;     /* ARRAY/MAP: elements; else NULL */
  struct vec **fields;   /* STRUCT: type_n_fields(type) child vectors */
  arena *ar;             /* owner of all buffers (borrowed) */
} vec;

/*
** Creates a FLAT vector of type t with room for cap rows (children of
** ARRAY/MAP start with room for cap elements and grow). Everything is
** allocated in ar. Returns NULL on OOM.
*/
vec *vec_new(arena *ar, lago_type t, uint32_t cap);
/* Same, initialising a caller-owned struct (for vectors embedded in a batch). */
int vec_init(vec *v, arena *ar, lago_type t, uint32_t cap);
/* A CONST vector of len rows whose value is NULL. */
vec *vec_new_const_null(arena *ar, lago_type t, uint32_t len);
/* Turns v into a CONST vector (1 value slot, len rows). Buffers from v->ar. */
int vec_make_const(vec *v, uint32_t len);
/* Turns v into a DICT vector over `dict` with room for cap codes. */
int vec_make_dict(vec *v, vec *dict, uint32_t cap);

/* Grows FLAT/DICT buffers (and validity, if present) to hold at least cap rows. */
int vec_reserve(vec *v, uint32_t cap);
/* Makes sure v has a validity bitmap (all valid) covering cap rows. */
int vec_ensure_validity(vec *v);

static inline bool vec_is_valid(const vec *v, uint32_t row) {
  if (v->kind == VEC_CONST) row = 0;
  return !v->validity || bitmap_get(v->validity, row);
}
/* Marks row null / valid (allocates the validity bitmap when first needed). */
int vec_set_null(vec *v, uint32_t row);
void vec_set_valid(vec *v, uint32_t row);
/* Typed access to FLAT data (no checks). */
#define VEC_DATA(v, T) ((T *)(v)->data)

/* Number of null rows among the first len. */
uint32_t vec_null_count(const vec *v);

/*
** Sets row `row` of a FLAT STRING/BINARY vector to a copy of p[0..n) (bytes
** copied into v->ar when they do not fit inline).
*/
int vec_set_str(vec *v, uint32_t row, const char *p, uint32_t n);
/* Copies the out-of-line bytes of rows 0..len-1 into ar and repoints the views
** (so the vector no longer refers to page buffers). Recurses into children. */
int vec_str_copy_bytes(vec *v, arena *ar);

/*
** ARRAY/MAP: appends room for n elements at the end of the child and returns
** their first index in *offset (the caller fills child rows offset..offset+n-1
** and sets the row's lago_list). Grows the child as needed.
*/
int vec_list_reserve(vec *v, uint32_t n, uint32_t *offset);

/* Converts v to FLAT in place (materialises CONST and DICT). */
int vec_flatten(vec *v);

/*
** Copies row src_row of src (any kind, any depth) into row dst_row of the FLAT
** vector dst of the same type. Strings are copied into dst->ar.
*/
int vec_copy_row(vec *dst, uint32_t dst_row, const vec *src, uint32_t src_row);
/*
** dst (FLAT, same type) rows dst_off.. get src rows sel[0..n) (or 0..n when
** sel is NULL). dst grows as needed; dst->len becomes max(len, dst_off+n).
*/
int vec_gather(vec *dst, uint32_t dst_off, const vec *src, const uint32_t *sel, uint32_t n);

/* ---- unified read view (DuckDB UnifiedVectorFormat) ----------------------- */

/*
** One way to read FLAT, CONST and DICT vectors in a kernel:
**   for i in 0..n: r = sel ? sel[i] : i;
**                  if (!VIEW_VALID(vw, r)) null; else value = T[VIEW_IDX(vw, r)]
*/
typedef struct vec_view {
  const void *data;         /* values (of the dictionary for DICT) */
  const uint64_t *validity; /* per row; NULL = all valid */
  const uint32_t *codes;    /* DICT: row -> value index; else NULL */
  bool is_const;            /* CONST: every row reads index 0 */
} vec_view;

void vec_view_init(vec_view *vw, const vec *v);
#define VIEW_ROW(vw, r) ((vw)->is_const ? 0u : (uint32_t)(r))
#define VIEW_IDX(vw, r) ((vw)->codes ? (vw)->codes[VIEW_ROW(vw, r)] : VIEW_ROW(vw, r))
#define VIEW_VALID(vw, r) (!(vw)->validity || bitmap_get((vw)->validity, VIEW_ROW(vw, r)))

/* ---- batches -------------------------------------------------------------- */

typedef struct batch {
  uint32_t n_cols;
  uint32_t n_rows;   /* logical rows: sel ? entries in sel : physical rows */
  vec *cols;         /* n_cols vectors, allocated in ar */
  uint32_t *sel;     /* NULL, or n_rows ascending physical row indexes */
  arena *ar;         /* owns cols and their buffers; the producer resets it */
} batch;

/*
** Creates a batch in ar with one FLAT vector per type, each with room for cap
** rows (usually LAGO_VECTOR_SIZE). Returns NULL on OOM.
*/
batch *batch_new(arena *ar, uint32_t n_cols, const lago_type *types, uint32_t cap);
/* Physical row of logical row i. */
static inline uint32_t batch_row(const batch *b, uint32_t i) { return b->sel ? b->sel[i] : i; }
/* Sets every column's len and the batch's n_rows to n, clears sel. */
void batch_set_rows(batch *b, uint32_t n);
/* Copies the selected rows into fresh FLAT vectors so that sel becomes NULL. */
int batch_compact(batch *b);

#endif /* LAGO_VEC_VECTOR_H */
