/*
** exec/aggtab.h: the aggregation hash table behind GROUP BY, DISTINCT,
** COUNT(DISTINCT), INTERSECT/EXCEPT and (thread-local copies of) parallel
** aggregation, with spilling.
**
** Rows come in as "input rows" of a fixed schema (aggtab_spec): the group
** key columns, then input columns read by the aggregates (their arguments,
** FILTER booleans, and an optional tag column saying which aggregates a row
** feeds: tag 0 feeds every non-DISTINCT aggregate, tag k+1 only aggregate k).
**
** Memory: groups are appended to a key collection (coll.h) and to blocks of
** state; an open-addressing index maps (hash, key) to the group. When the
** query's charged memory goes over the limit, the table *freezes*: existing
** groups keep absorbing their rows, but rows of new groups are written to
** one of AGGTAB_PARTS spill files chosen by hash bits (the bits below those
** used by enclosing partition levels). Frozen groups are complete, so they
** can be emitted; each spill file is later aggregated on its own by a fresh
** table one level down (which may freeze and spill again). Past
** AGGTAB_MAX_LEVEL levels tables never freeze (hash bits are exhausted).
**
** Threads: a table is used by one thread at a time. Parallel aggregation
** gives each pipeline copy its own table and merges partition p of all of
** them into one table with aggtab_merge_part (partitions in parallel).
*/
#ifndef LAGO_EXEC_AGGTAB_H
#define LAGO_EXEC_AGGTAB_H

#include "exec/agg.h"
#include "exec/collection.h"
#include "exec/exec_int.h"

#define AGGTAB_PART_BITS 5
#define AGGTAB_PARTS (1u << AGGTAB_PART_BITS)
#define AGGTAB_MAX_LEVEL 10
/* A table freezes only once it holds this many groups, so that every table
** (each level of spilled partitions) makes progress even when the limit is
** smaller than a table's fixed footprint: the limit can be overrun by about
** this many groups per table being built. */
#define AGGTAB_MIN_GROUPS 4096

typedef struct aggtab_spec {
  uint32_t n_keys;
  const lago_type *key_types;
  uint32_t n_in;                  /* input columns after the keys */
  const lago_type *in_types;
  uint32_t n_aggs;
  const agg_bind *const *aggs;
  const uint32_t *arg_col;        /* per aggregate: its first argument's input column (0-based after keys) */
  const int32_t *filter_col;      /* per aggregate: input column of its FILTER, or -1 */
  int32_t tag_col;                /* input column of the tag (INT), or -1 (all rows tag 0) */
} aggtab_spec;

typedef struct aggtab aggtab;

/* New empty table at partition level `level` (0 = top). spec is borrowed. */
int aggtab_new(exec_ctx *cx, const aggtab_spec *spec, uint32_t level, lago_err *err, aggtab **out);
/* Frees the table, its spill files included. NULL is a no-op. */
void aggtab_free(aggtab *t);
/* Adds rows sel[0..n) of cols (n_keys + n_in vectors, aligned with the rows). */
int aggtab_sink(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n);
/*
** Group of each row sel[0..n) (n <= COLL_CHUNK) into gids[i], creating groups
** unless frozen; rows of groups a frozen table lacks are spilled and get
** UINT32_MAX. For callers keeping their own per-group data (dedupe).
*/
int aggtab_map(aggtab *t, vec *const *cols, const uint32_t *sel, uint32_t n, uint32_t *gids);
uint32_t aggtab_groups(const aggtab *t);
uint32_t aggtab_level(const aggtab *t);
/* Hash of every group (index = group). Borrowed; valid until the next change to t. */
const uint64_t *aggtab_hashes(const aggtab *t);
/* Key vectors (new, in ar) of groups gids[0..n). */
int aggtab_gather_keys(const aggtab *t, const uint32_t *gids, uint32_t n, arena *ar, vec **out);
/* Where errors go from now on (the thread using the table). */
void aggtab_set_err(aggtab *t, lago_err *err);
/* Global aggregates (no keys): creates the single group if no row did (SELECT count(*) FROM empty = 0). */
int aggtab_add_empty_group(aggtab *t);
bool aggtab_spilled(const aggtab *t);
/*
** Output of in-memory groups: chunk i (0 .. ceil(groups/COLL_CHUNK)-1) into
** out (n_keys + n_aggs vectors initialised by the caller in its arena) with
** *n rows. Key vectors are views of the table's memory.
*/
int aggtab_emit(aggtab *t, uint32_t chunk, arena *ar, vec *out, uint32_t *n);
/* The spill file of partition p (NULL if nothing spilled there); ownership moves to the caller. */
spill_file *aggtab_take_part(aggtab *t, uint32_t p);
/* Orders t's groups by top-level partition (once; call on each source before merging). */
int aggtab_prepare_merge(aggtab *t);
/* Merges the in-memory groups of srcs that fall in top-level partition p into dest (states combined). */
int aggtab_merge_part(aggtab *dest, aggtab *const *srcs, uint32_t n_srcs, uint32_t p);
/*
** For groups src_gids[0..n) of src (a table of the same spec, n <= COLL_CHUNK),
** the group of t holding the same key, or UINT32_MAX: a lookup only (t gains
** no group; its scratch is used, so t must not be in use by another thread).
*/
int aggtab_lookup_groups(aggtab *t, const aggtab *src, const uint32_t *src_gids, uint32_t n, uint32_t *out);
/* Frozen (rows of new groups are being spilled) or has spilled rows. */
bool aggtab_frozen(const aggtab *t);
/*
** Merges every in-memory group of src into dest (states combined; dest adds
** groups regardless of the memory limit). src is consumed: its index goes
** first and its group rows are freed block by block as they are merged, so
** the two tables' memory is not held twice; only aggtab_free may follow.
*/
int aggtab_absorb(aggtab *dest, aggtab *src);
/* Which top-level partition a hash belongs to at `level`. */
static inline uint32_t aggtab_part_of(uint64_t h, uint32_t level) {
  return (uint32_t)(h >> (64 - AGGTAB_PART_BITS * (level + 1))) & (AGGTAB_PARTS - 1);
}
/* Hashes of rows sel[0..n) of the key columns (the table's hash function). */
void aggtab_hash_keys(const aggtab_spec *spec, vec *const *keys, const uint32_t *sel, uint32_t n, uint64_t *h);

#endif /* LAGO_EXEC_AGGTAB_H */
