/*
** exec/collection.h: an append-only, chunked column store for materialized
** rows (sort inputs, hash join build sides, window partitions, in-memory
** sources).
**
** Rows are appended in order into chunks of COLL_CHUNK rows (FLAT vectors,
** one per column). String bytes and nested values are copied into the
** collection's arena, so appended batches can be released. A row is named by
** its global index; chunk = idx / COLL_CHUNK, offset = idx % COLL_CHUNK.
** Readers (several threads at once) may gather rows once appending is over.
** The chunks' value arrays come from slabs of growing size (up to 8 MiB,
** huge-page hinted): gathers by row are random accesses, and with 4 KiB
** pages most of them would miss the TLB.
*/
#ifndef LAGO_EXEC_COLLECTION_H
#define LAGO_EXEC_COLLECTION_H

#include "vec/vector.h"

#define COLL_CHUNK_SHIFT 11
#define COLL_CHUNK (1u << COLL_CHUNK_SHIFT) /* = LAGO_VECTOR_SIZE */

typedef struct coll_chunk {
  vec *cols;        /* n_cols FLAT vectors of COLL_CHUNK capacity */
  uint32_t n_rows;
} coll_chunk;

typedef struct coll {
  uint32_t n_cols;
  lago_type *types;   /* copied into ar */
  arena *ar;          /* owns chunks and copied bytes (owned by the collection) */
  coll_chunk *chunks;
  uint32_t n_chunks, cap_chunks;
  uint64_t n_rows;
  bool *nullable;     /* per column: some chunk's vector has a validity bitmap (gathers skip it otherwise) */
  uint8_t **slabs;    /* heap blocks holding the chunks' fixed-width value arrays */
  uint32_t n_slabs, cap_slabs;
  uint8_t *slab_pos;  /* free space of the newest slab */
  size_t slab_left, slab_bytes; /* ... its size; bytes of all slabs */
} coll;

/* Creates an empty collection with its own arena. LAGO_NOMEM on OOM. */
int coll_init(coll *c, uint32_t n_cols, const lago_type *types);
/* Frees everything (safe on a zeroed or failed struct). */
void coll_deinit(coll *c);
/*
** Frees the chunks' value arrays but keeps the arena, so string views copied
** elsewhere still point at their bytes. The collection then has no rows;
** only coll_deinit may follow.
*/
void coll_drop_values(coll *c);
/* Drops all rows, keeping the schema (memory is released). */
int coll_reset(coll *c);
/* Appends the selected rows of b (b->n_cols == c->n_cols). */
int coll_append(coll *c, const batch *b);
/* Appends rows sel[0..n) of the given column vectors. */
int coll_append_cols(coll *c, vec *const *cols, const uint32_t *sel, uint32_t n);
/* Bytes of heap held (for memory accounting: exec_mem_track_bytes(cx, coll_bytes(c), &last)). */
static inline size_t coll_bytes(const coll *c) { return (c->ar ? arena_reserved(c->ar) : 0) + c->slab_bytes; }
static inline vec *coll_vec(const coll *c, uint64_t row, uint32_t col, uint32_t *off) {
  *off = (uint32_t)(row & (COLL_CHUNK - 1));
  return &c->chunks[row >> COLL_CHUNK_SHIFT].cols[col];
}
/*
** out rows out_off .. out_off+n-1 get column col of rows[0..n) (global
** indexes). out is FLAT of the column's type; strings are views of the
** collection's bytes (valid while the collection lives).
*/
int coll_gather(const coll *c, uint32_t col, const uint64_t *rows, uint32_t n, vec *out, uint32_t out_off);
/* Same with 32-bit row indexes. */
int coll_gather32(const coll *c, uint32_t col, const uint32_t *rows, uint32_t n, vec *out, uint32_t out_off);
/* A batch view of chunk i (vectors borrowed from the collection). */
void coll_chunk_batch(const coll *c, uint32_t i, batch *out);

#endif /* LAGO_EXEC_COLLECTION_H */
