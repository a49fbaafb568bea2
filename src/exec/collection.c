/*
** exec/collection.c: chunked row storage (see collection.h).
*/
#include "exec/collection.h"

#include <string.h>

#include "exec/exec_int.h"
#include "exec/vecops.h"
#include "util/alloc.h"

#define SLAB_MAX ((size_t)8 << 20)

static void free_slabs(coll *c) {
  for (uint32_t i = 0; i < c->n_slabs; i++) mem_free(c->slabs[i]);
  mem_free(c->slabs);
  c->slabs = NULL;
  c->n_slabs = c->cap_slabs = 0;
  c->slab_pos = NULL;
  c->slab_left = c->slab_bytes = 0;
}

/* n bytes (16-aligned) for a chunk's value array; NULL on OOM. Slabs double from the first chunk's
** needs up to SLAB_MAX, so small collections stay small. */
static void *slab_alloc(coll *c, size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (n > c->slab_left) {
    if (c->n_slabs == c->cap_slabs) {
      uint32_t nc = c->cap_slabs ? c->cap_slabs * 2 : 8;
      uint8_t **ns = mem_realloc(c->slabs, nc * sizeof(uint8_t *));
      if (!ns) return NULL;
      c->slabs = ns;
      c->cap_slabs = nc;
    }
    size_t size = c->n_slabs ? c->slab_bytes : n; /* doubles the total each time */
    if (size > SLAB_MAX) size = SLAB_MAX;
    if (size < n) size = n;
    uint8_t *s = mem_alloc(size);
    if (!s) return NULL;
    exec_hint_huge(s, size);
    c->slabs[c->n_slabs++] = s;
    c->slab_pos = s;
    c->slab_left = size;
    c->slab_bytes += size;
  }
  void *p = c->slab_pos;
  c->slab_pos += n;
  c->slab_left -= n;
  return p;
}

int coll_init(coll *c, uint32_t n_cols, const lago_type *types) {
  memset(c, 0, sizeof *c);
  c->ar = arena_new("coll", 16 * 1024);
  if (!c->ar) return LAGO_NOMEM;
  c->n_cols = n_cols;
  c->types = arena_alloc(c->ar, (n_cols ? n_cols : 1) * sizeof(lago_type));
  c->nullable = arena_zalloc(c->ar, (n_cols ? n_cols : 1) * sizeof(bool));
  if (!c->types || !c->nullable) return LAGO_NOMEM;
  for (uint32_t i = 0; i < n_cols; i++)
    if (type_copy(c->ar, types[i], &c->types[i])) return LAGO_NOMEM;
  return LAGO_OK;
}

void coll_drop_values(coll *c) {
  free_slabs(c);
  c->n_chunks = 0;
  c->n_rows = 0;
}

void coll_deinit(coll *c) {
  free_slabs(c);
  arena_free(c->ar);
  memset(c, 0, sizeof *c);
}

int coll_reset(coll *c) {
  uint32_t n = c->n_cols;
  lago_type *t = mem_alloc((n ? n : 1) * sizeof(lago_type));
  if (!t) return LAGO_NOMEM;
  memcpy(t, c->types, n * sizeof(lago_type));
  /* nested types live in the old arena: keep it if any column is nested */
  bool nested = false;
  for (uint32_t i = 0; i < n; i++) nested |= type_is_nested(t[i]);
  if (nested) {
    c->chunks = NULL;
    c->n_chunks = c->cap_chunks = 0;
    c->n_rows = 0;
    memset(c->nullable, 0, (n ? n : 1) * sizeof(bool));
    free_slabs(c);
    mem_free(t);
    return LAGO_OK; /* the arena keeps the old chunks: released at deinit */
  }
  coll_deinit(c);
  int rc = coll_init(c, n, t);
  mem_free(t);
  return rc;
}

static int new_chunk(coll *c) {
  if (c->n_chunks == c->cap_chunks) {
    uint32_t nc = c->cap_chunks ? c->cap_chunks * 2 : 16;
    coll_chunk *ch = arena_realloc(c->ar, c->chunks, c->cap_chunks * sizeof *ch, nc * sizeof *ch);
    if (!ch) return LAGO_NOMEM;
    c->chunks = ch;
    c->cap_chunks = nc;
  }
  coll_chunk *k = &c->chunks[c->n_chunks];
  k->n_rows = 0;
  k->cols = arena_zalloc(c->ar, (c->n_cols ? c->n_cols : 1) * sizeof(vec));
  if (!k->cols) return LAGO_NOMEM;
  for (uint32_t i = 0; i < c->n_cols; i++) {
    lago_type t = c->types[i];
    size_t w = type_width(t);
    if (type_is_nested(t) || !w) {
      TRY(vec_init(&k->cols[i], c->ar, t, COLL_CHUNK));
    } else { /* the value array from a slab; validity and string bytes still go to the arena */
      TRY(vec_init(&k->cols[i], c->ar, t, 0));
      void *d = slab_alloc(c, w * COLL_CHUNK);
      if (!d) return LAGO_NOMEM;
      if (type_is_string_like(t)) memset(d, 0, w * COLL_CHUNK); /* views start empty, as vec_init does */
      k->cols[i].data = d;
      k->cols[i].cap = COLL_CHUNK;
    }
    k->cols[i].len = 0;
  }
  c->n_chunks++;
  return LAGO_OK;
}

int coll_append_cols(coll *c, vec *const *cols, const uint32_t *sel, uint32_t n) {
  uint32_t done = 0;
  while (done < n) {
    if (c->n_chunks == 0 || c->chunks[c->n_chunks - 1].n_rows == COLL_CHUNK) TRY(new_chunk(c));
    coll_chunk *k = &c->chunks[c->n_chunks - 1];
    uint32_t room = COLL_CHUNK - k->n_rows, take = n - done < room ? n - done : room;
    for (uint32_t i = 0; i < c->n_cols; i++) {
      vec *dst = &k->cols[i];
      const vec *src = cols[i];
      if (sel) {
        TRY(vec_gather(dst, k->n_rows, src, sel + done, take));
      } else if (done == 0) {
        TRY(vec_gather(dst, k->n_rows, src, NULL, take));
      } else {
        /* rows done.. of an unselected source: gather with an explicit index list */
        uint32_t idx[COLL_CHUNK];
        for (uint32_t j = 0; j < take; j++) idx[j] = done + j;
        TRY(vec_gather(dst, k->n_rows, src, idx, take));
      }
      /* strings and nested values go through vec_copy_row, which copies the bytes into c->ar */
      if (dst->validity) c->nullable[i] = true;
    }
    k->n_rows += take;
    c->n_rows += take;
    done += take;
  }
  return LAGO_OK;
}

int coll_append(coll *c, const batch *b) {
  vec *cols_small[16] = {NULL};
  vec **cols = cols_small;
  if (b->n_cols > 16) {
    cols = mem_alloc(b->n_cols * sizeof(vec *));
    if (!cols) return LAGO_NOMEM;
  }
  for (uint32_t i = 0; i < b->n_cols; i++) cols[i] = &b->cols[i];
  int rc = coll_append_cols(c, cols, b->sel, b->n_rows);
  if (cols != cols_small) mem_free(cols);
  return rc;
}

void coll_chunk_batch(const coll *c, uint32_t i, batch *out) {
  memset(out, 0, sizeof *out);
  out->n_cols = c->n_cols;
  out->cols = c->chunks[i].cols;
  out->n_rows = c->chunks[i].n_rows;
  for (uint32_t k = 0; k < c->n_cols; k++) out->cols[k].len = c->chunks[i].n_rows;
  out->ar = c->ar;
}

/* Fixed-width values of rows[0..n) into od: per width a loop without per-row dispatch, the rows
** 24 ahead prefetched (random access over the whole collection). */
#define GATHER_FIXED(T)                                                                            \
  do {                                                                                             \
    T *o_ = (T *)(void *)od;                                                                       \
    for (uint32_t i = 0; i < n; i++) {                                                             \
      if (i + 24 < n) {                                                                            \
        uint64_t pr = rows[i + 24];                                                                \
        __builtin_prefetch((const T *)ch[pr >> COLL_CHUNK_SHIFT].cols[col].data + (pr & (COLL_CHUNK - 1))); \
      }                                                                                            \
      uint64_t r = rows[i];                                                                        \
      o_[i] = ((const T *)ch[r >> COLL_CHUNK_SHIFT].cols[col].data)[r & (COLL_CHUNK - 1)];         \
    }                                                                                              \
  } while (0)

#define GATHER_BODY(IDX_T)                                                                         \
  do {                                                                                             \
    if (n == 0) return LAGO_OK;                                                                    \
    TRY(vec_reserve(out, out_off + n));                                                            \
    lago_type t = c->types[col];                                                                   \
    size_t w = type_width(t);                                                                      \
    bool any_null = c->nullable[col];                                                              \
    if (any_null) TRY(vec_ensure_validity(out));                                                   \
    const coll_chunk *ch = c->chunks;                                                              \
    if (!type_is_nested(t) && w) {                                                                 \
      char *od = (char *)out->data + (size_t)out_off * w;                                          \
      switch (w) {                                                                                 \
        case 1: GATHER_FIXED(uint8_t); break;                                                      \
        case 2: GATHER_FIXED(uint16_t); break;                                                     \
        case 4: GATHER_FIXED(uint32_t); break;                                                     \
        case 8: GATHER_FIXED(uint64_t); break;                                                     \
        default:                                                                                   \
          for (uint32_t i = 0; i < n; i++) {                                                       \
            uint64_t r = rows[i];                                                                  \
            memcpy(od + (size_t)i * w,                                                             \
                   (const char *)ch[r >> COLL_CHUNK_SHIFT].cols[col].data + (size_t)(r & (COLL_CHUNK - 1)) * w, w); \
          }                                                                                        \
      }                                                                                            \
      if (any_null)                                                                                \
        for (uint32_t i = 0; i < n; i++) {                                                         \
          uint64_t r = rows[i];                                                                    \
          const vec *v = &ch[r >> COLL_CHUNK_SHIFT].cols[col];                                     \
          bitmap_put(out->validity, out_off + i, !v->validity || bitmap_get(v->validity, (uint32_t)(r & (COLL_CHUNK - 1)))); \
        }                                                                                          \
    } else {                                                                                       \
      for (uint32_t i = 0; i < n; i++) {                                                           \
        uint64_t r = rows[i];                                                                      \
        TRY(vec_copy_row(out, out_off + i, &ch[r >> COLL_CHUNK_SHIFT].cols[col],                   \
                         (uint32_t)(r & (COLL_CHUNK - 1))));                                       \
      }                                                                                            \
    }                                                                                              \
    if (out->len < out_off + n) out->len = out_off + n;                                            \
    return LAGO_OK;                                                                                \
  } while (0)

int coll_gather(const coll *c, uint32_t col, const uint64_t *rows, uint32_t n, vec *out, uint32_t out_off) {
  GATHER_BODY(uint64_t);
}

int coll_gather32(const coll *c, uint32_t col, const uint32_t *rows, uint32_t n, vec *out, uint32_t out_off) {
  GATHER_BODY(uint32_t);
}
