/*
** exec/op_hash_join.c: equi-joins with a hash table on the right input.
**
** Build (at open, once per query even when several pipeline copies probe):
** the right subtree runs as a pipeline; each copy appends (evaluated keys,
** right columns) to its own collection; the collections are concatenated and
** indexed by a chained hash table (head[hash & mask] -> row, next[row]).
** One integral key over a dense range with unique values: the right columns
** are laid out by key (probes output dictionary vectors over them), and when
** the join never outputs unmatched build rows the collection's value arrays,
** chains and heads are then freed (index_table).
** Rows with a NULL key (on keys compared with plain =) never match and are
** not indexed, but they stay in the collection for RIGHT/FULL output.
**
** Probe (per copy, streaming): for each left batch, the rows walk their hash
** chains together, round by round; candidate pairs whose full hash and keys
** agree (and that pass the residual condition) are output or mark their left
** row as matched. Output left columns are dictionary vectors over the input
** batch (no copy); right columns are gathered from the build collection.
** When a left batch is exhausted its unmatched rows (LEFT/FULL), its
** matched/unmatched rows (SEMI/ANTI) or every row with its mark (MARK) follow.
** RIGHT/FULL: build rows record being matched; the copy that finishes
** probing last emits the never-matched build rows.
**
** NULL-aware (NOT IN, `null_aware`): for ANTI and MARK, a left row with a NULL
** key, or any left row when the build side holds a NULL key, is "unknown"
** unless the build side is empty: ANTI drops such rows, MARK gives NULL.
** (Multi-column NOT IN is treated as unknown as soon as any component is NULL,
** which is stricter than Spark's component-wise rule.)
**
** Spill (Grace hash join): if the build side goes over the memory limit,
** build rows are written to 32 partition files by hash; each probe copy then
** writes its left rows to its own partition files, and the copy that finishes
** last joins partition by partition (build partition in memory, probe
** partition streamed through it).
**
** States: JOIN_PROBE (streaming), JOIN_TAIL (rows decided after a batch),
** JOIN_PARTITION (spilled: writing probe partitions), JOIN_PART_JOIN (last
** copy joining partitions), JOIN_UNMATCHED (RIGHT/FULL leftovers), JOIN_DONE.
*/
#include "exec/collection.h"
#include "exec/exec_int.h"
#include "exec/vecops.h"
#include "util/alloc.h"

#define JPARTS 32u
#define JPART_OF(h) ((uint32_t)((h) >> 59))

/* ---- the built table ------------------------------------------------------------------ */

typedef struct jrec {
  uint64_t hash;           /* full key hash */
  int64_t key;             /* inline/perfect modes: the single key's value */
  uint32_t next;           /* next row + 1 in the chain */
  uint32_t pad_;
} jrec;

/* How probe rows find and check build rows. */
typedef enum {
  JT_GENERAL, /* hash buckets; hash then full key comparison */
  JT_INLINE,  /* one integral key stored in the record: hash and value compared, no column access */
  JT_PERFECT, /* one integral key over a dense range: head[key - kmin], no hashing or comparison */
} jt_mode;

typedef struct jtable {
  coll rows;               /* keys ++ right columns */
  uint64_t n;
  jrec *rec;               /* per row */
  uint32_t *head;          /* bucket (or key - kmin) -> row + 1 */
  uint32_t mask;           /* hash buckets - 1 (not PERFECT) */
  jt_mode mode;
  int64_t kmin;            /* PERFECT */
  uint64_t range;          /* PERFECT: head entries */
  bool unique;             /* no two indexed rows share a key (chains have one row) */
  vec *dense;              /* PERFECT with unique keys: right column c at index key - kmin (or NULL) */
  uint64_t *present;       /* dense: bit (key - kmin) set when that key has a row */
  _Atomic uint8_t *dmatched; /* dense: matched flags by key - kmin */
  uint32_t n_dense;
  arena *dense_ar;
  _Atomic uint8_t *matched;  /* RIGHT/FULL: row matched by some probe */
  bool has_null_key;       /* some row has a NULL key (null-aware joins) */
  size_t charged;
} jtable;

typedef struct join_shared {
  int refs;                  /* open copies */
  atomic_int done;           /* copies done probing */
  bool built;
  jtable *t;                 /* in-memory table (not partitioned) */
  bool partitioned;
  spill_file **bparts;       /* [thread * JPARTS + p] build partitions (build threads) */
  uint32_t n_bthreads;
  spill_file ***pparts;      /* per probe copy: JPARTS probe partitions */
  int max_copies;
  bool build_empty;          /* no build rows at all */
  bool build_has_null;       /* any build row with a NULL key */
} join_shared;

static void jtable_free(exec_ctx *cx, jtable *t) {
  if (!t) return;
  for (uint32_t c = 0; t->dense && c < t->n_dense; c++) exec_dict_unregister(cx, &t->dense[c]);
  exec_mem_charge(cx, -(ptrdiff_t)t->charged);
  coll_deinit(&t->rows);
  mem_free(t->rec);
  mem_free(t->head);
  arena_free(t->dense_ar);
  mem_free((void *)t->matched);
  mem_free(t->present);
  mem_free((void *)t->dmatched);
  mem_free(t);
}

/* ---- key helpers ------------------------------------------------------------------------ */

/* Hashes of rows sel[0..n) over n_keys key vectors into h[i]. */
static void hash_keys(vec *const *keys, uint32_t n_keys, const uint32_t *sel, uint32_t n, uint64_t *h) {
  for (uint32_t k = 0; k < n_keys; k++) vecops_hash(keys[k], sel, n, h, k > 0);
}

/* True if row r of the key vectors has a NULL in a key compared with plain =. */
static bool null_key(vec *const *keys, const bool *null_eq, uint32_t n_keys, uint32_t r) {
  for (uint32_t k = 0; k < n_keys; k++)
    if (!null_eq[k] && !vec_is_valid(keys[k], r)) return true;
  return false;
}
static bool any_null(vec *const *keys, uint32_t n_keys, uint32_t r) {
  for (uint32_t k = 0; k < n_keys; k++)
    if (!vec_is_valid(keys[k], r)) return true;
  return false;
}

/* Compares probe keys (vectors, rows pr[i]) with build keys (collection rows br[i]); match[i] out. */
static void keys_match(vec *const *keys, uint32_t n_keys, const coll *c, const uint32_t *pr, const uint32_t *br,
                       uint32_t n, uint8_t *match) {
  for (uint32_t i = 0; i < n; i++) match[i] = 1;
  for (uint32_t k = 0; k < n_keys; k++) {
    const vec *in = keys[k];
    lago_type_id id = (lago_type_id)in->type.id;
    size_t w = type_width(in->type);
    bool plain = (w == 4 || w == 8) && id != LT_FLOAT && id != LT_DOUBLE;
    for (uint32_t i = 0; i < n; i++) {
      if (!match[i]) continue;
      uint32_t so, ii;
      const vec *sv = coll_vec(c, br[i], k, &so);
      bool va = vec_is_valid(in, pr[i]), vb = vec_is_valid(sv, so);
      if (!va || !vb) {
        match[i] = va == vb; /* only <=> keys get here with NULLs */
        continue;
      }
      const vec *pi = vec_resolve(in, pr[i], &ii);
      if (plain) {
        if (w == 8) match[i] = VEC_DATA(pi, uint64_t)[ii] == VEC_DATA(sv, uint64_t)[so];
        else match[i] = VEC_DATA(pi, uint32_t)[ii] == VEC_DATA(sv, uint32_t)[so];
      } else if (id == LT_STRING || id == LT_BINARY) {
        match[i] = str_equal(&VEC_DATA(pi, lago_str)[ii], &VEC_DATA(sv, lago_str)[so]);
      } else {
        match[i] = vecops_compare(pi, ii, sv, so) == 0;
      }
    }
  }
}

/* Integral key types indexed by value (perfect/inline modes). */
static bool integral_key(lago_type t) {
  switch ((lago_type_id)t.id) {
    case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: case LT_DATE: case LT_UTINYINT:
    case LT_USMALLINT: case LT_UINT: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: return true;
    case LT_DECIMAL: return !type_decimal_is_wide(t);
    default: return false;
  }
}

/* Value of an integral key at physical index idx of FLAT p. */
static inline int64_t key_value(const vec *p, uint32_t idx) {
  switch (type_width(p->type)) {
    case 1: return p->type.id == LT_UTINYINT ? (int64_t)((const uint8_t *)p->data)[idx] : ((const int8_t *)p->data)[idx];
    case 2: return p->type.id == LT_USMALLINT ? (int64_t)((const uint16_t *)p->data)[idx] : ((const int16_t *)p->data)[idx];
    case 4: return p->type.id == LT_UINT ? (int64_t)((const uint32_t *)p->data)[idx] : ((const int32_t *)p->data)[idx];
    default: return ((const int64_t *)p->data)[idx];
  }
}

static bool right_preserving(join_type t) { return t == JOIN_RIGHT || t == JOIN_FULL; }

/*
** Builds the index over t->rows (hashes computed from the stored keys).
** keep_rows false (the join never outputs unmatched build rows): once the
** dense key-ordered columns exist, probes read only them and t->present, so
** the build rows' value arrays, the chain records and the heads are freed
** (the rows' arena stays: the dense string views point at its bytes).
*/
static int index_table(exec_ctx *cx, jtable *t, uint32_t n_keys, const bool *null_eq, bool keep_rows,
                       lago_err *err) {
  uint64_t n = t->rows.n_rows;
  if (n >= UINT32_MAX) return LAGO_ERR(err, LAGO_NOMEM, "hash join: build side too large (%llu rows)", (unsigned long long)n);
  t->n = n;
  t->rec = mem_alloc((n ? n : 1) * sizeof(jrec));
  t->matched = mem_calloc(n ? n : 1, 1);
  if (!t->rec || !t->matched) return LAGO_NOMEM_ERR(err);
  exec_hint_huge(t->rec, (n ? n : 1) * sizeof(jrec));
  vec *keys[64];
  if (n_keys > 64) return LAGO_ERR(err, LAGO_UNSUPPORTED, "hash join with more than 64 keys");
  /* hashes, keys and the key range */
  bool single = n_keys == 1 && !null_eq[0] && integral_key(t->rows.types[0]);
  int64_t kmin = INT64_MAX, kmax = INT64_MIN;
  for (uint32_t ch = 0; ch < t->rows.n_chunks; ch++) {
    coll_chunk *c = &t->rows.chunks[ch];
    for (uint32_t k = 0; k < n_keys; k++) {
      keys[k] = &c->cols[k];
      keys[k]->len = c->n_rows;
    }
    uint64_t base = (uint64_t)ch << COLL_CHUNK_SHIFT;
    uint64_t h[COLL_CHUNK];
    hash_keys(keys, n_keys, NULL, c->n_rows, h);
    if (single && !keys[0]->validity && type_width(keys[0]->type) == 8) { /* one plain 8-byte key */
      const int64_t *kd = keys[0]->data;
      for (uint32_t i = 0; i < c->n_rows; i++) {
        jrec *r = &t->rec[base + i];
        r->hash = h[i];
        r->next = 0;
        r->key = kd[i];
        if (r->key < kmin) kmin = r->key;
        if (r->key > kmax) kmax = r->key;
      }
      continue;
    }
    for (uint32_t i = 0; i < c->n_rows; i++) {
      jrec *r = &t->rec[base + i];
      r->hash = h[i];
      r->next = 0;
      r->key = 0;
      if (any_null(keys, n_keys, i)) {
        t->has_null_key = true;
        continue;
      }
      if (single) {
        r->key = key_value(keys[0], i);
        if (r->key < kmin) kmin = r->key;
        if (r->key > kmax) kmax = r->key;
      }
    }
  }
  uint64_t cap;
  t->mode = single ? JT_INLINE : JT_GENERAL;
  if (single && kmin <= kmax && (uint64_t)kmax - (uint64_t)kmin < (n * 4 + 1024) && (uint64_t)kmax - (uint64_t)kmin < ((uint64_t)1 << 31)) {
    t->mode = JT_PERFECT;
    t->kmin = kmin;
    t->range = (uint64_t)(kmax - kmin) + 1;
    cap = t->range;
  } else {
    cap = 1024;
    while (cap < n * 2) cap *= 2;
    t->mask = (uint32_t)cap - 1;
  }
  t->head = mem_alloc(cap * sizeof(uint32_t));
  if (!t->head) return LAGO_NOMEM_ERR(err);
  exec_hint_huge(t->head, cap * sizeof(uint32_t));
  memset(t->head, 0, cap * sizeof(uint32_t));
  size_t bytes = (size_t)n * (sizeof(jrec) + 1) + (size_t)cap * 4;
  exec_mem_charge(cx, (ptrdiff_t)bytes);
  t->charged += bytes;
  bool unique = true;
  for (uint32_t ch = 0; ch < t->rows.n_chunks; ch++) {
    coll_chunk *c = &t->rows.chunks[ch];
    for (uint32_t k = 0; k < n_keys; k++) keys[k] = &c->cols[k];
    uint64_t base = (uint64_t)ch << COLL_CHUNK_SHIFT;
    for (uint32_t i = 0; i < c->n_rows; i++) {
      if (null_key(keys, null_eq, n_keys, i)) continue;
      uint32_t row = (uint32_t)(base + i);
      uint64_t b = t->mode == JT_PERFECT ? (uint64_t)(t->rec[row].key - t->kmin) : (t->rec[row].hash & t->mask);
      if (t->head[b]) unique = false;
      t->rec[row].next = t->head[b];
      t->head[b] = row + 1;
    }
  }
  t->unique = unique;
  /* Unique dense keys: lay the right columns out by key, so probes output dictionary vectors (no gather). */
  uint32_t n_right = t->rows.n_cols - n_keys;
  if (t->mode == JT_PERFECT && unique && t->range <= 2 * n + 1024) {
    t->dense_ar = arena_new("join-dense", 64 * 1024);
    t->dense = t->dense_ar ? arena_zalloc(t->dense_ar, (n_right + 1) * sizeof(vec)) : NULL;
    if (!t->dense) return LAGO_NOMEM_ERR(err);
    t->n_dense = n_right;
    for (uint32_t c = 0; c < n_right; c++) {
      vec *d = &t->dense[c];
      lago_type ty = t->rows.types[n_keys + c];
      if (vec_init(d, t->dense_ar, ty, (uint32_t)t->range) || vec_ensure_validity(d)) return LAGO_NOMEM_ERR(err);
      bitmap_fill(d->validity, t->range, false);
      d->len = (uint32_t)t->range;
      size_t w = type_width(ty);
      bool any_null = false; /* some key with a row has a NULL value here */
      for (uint32_t ch = 0; ch < t->rows.n_chunks; ch++) {
        coll_chunk *cc = &t->rows.chunks[ch];
        const vec *src = &cc->cols[n_keys + c];
        uint64_t base = (uint64_t)ch << COLL_CHUNK_SHIFT;
        const uint64_t *kvalid = cc->cols[0].validity, *svalid = src->validity; /* (collection vectors are FLAT) */
        bool fixed = !type_is_nested(ty) && w;
        for (uint32_t i = 0; i < cc->n_rows; i++) {
          const jrec *r = &t->rec[base + i];
          if (kvalid && !bitmap_get(kvalid, i)) continue;
          uint32_t at = (uint32_t)(r->key - t->kmin);
          if (svalid && !bitmap_get(svalid, i)) {
            any_null = true;
            continue;
          }
          if (!fixed) {
            if (vec_copy_row(d, at, src, i)) return LAGO_NOMEM_ERR(err);
            continue;
          }
          switch (w) { /* one typed move per value (strings: 16-byte views, bytes already in the collection's arena) */
            case 8: ((uint64_t *)d->data)[at] = ((const uint64_t *)src->data)[i]; break;
            case 4: ((uint32_t *)d->data)[at] = ((const uint32_t *)src->data)[i]; break;
            default: memcpy((char *)d->data + (size_t)at * w, (const char *)src->data + (size_t)i * w, w);
          }
          bitmap_set(d->validity, at);
        }
      }
      /* Probes only read keys that have a row: without NULLs there, no validity (and no per-row bits in
      ** the output). The entries of absent keys stay zero. */
      if (!any_null) d->validity = NULL;
    }
    t->present = mem_calloc(bitmap_words(t->range), 8);
    t->dmatched = mem_calloc(t->range, 1);
    if (!t->present || !t->dmatched) return LAGO_NOMEM_ERR(err);
    for (uint64_t b = 0; b < t->range; b++)
      if (t->head[b]) bitmap_set(t->present, b);
    /* their content is fixed from now on: aggregations may cache per-code results (exec_dict_id) */
    for (uint32_t c = 0; c < n_right; c++) exec_dict_register(cx, &t->dense[c]);
    size_t dbytes = arena_reserved(t->dense_ar) + bitmap_words(t->range) * 8 + t->range;
    exec_mem_charge(cx, (ptrdiff_t)dbytes);
    t->charged += dbytes;
    if (!keep_rows) {
      size_t freed = t->rows.slab_bytes + (size_t)n * sizeof(jrec) + (size_t)cap * 4;
      coll_drop_values(&t->rows);
      mem_free(t->rec);
      mem_free(t->head);
      t->rec = NULL;
      t->head = NULL;
      if (freed > t->charged) freed = t->charged;
      exec_mem_charge(cx, -(ptrdiff_t)freed);
      t->charged -= freed;
    }
  }
  return LAGO_OK;
}

/* ---- build --------------------------------------------------------------------------------- */

typedef struct build_thread {
  coll rows;
  bool inited;
  arena *ar;
  eval_ctx ec;
  spill_file **parts;   /* JPARTS files once partitioned */
  size_t charged;
  bool any_null;
  uint64_t n;
} build_thread;

typedef struct build_ctx {
  exec_op *op;
  join_shared *js;
  build_thread *th;
  int n_threads;
  lago_type *types;       /* keys ++ right columns */
  uint32_t n_keys, n_cols;
  atomic_int spilling;
} build_ctx;

/* Writes rows sel[0..n) of cols (keys ++ payload) into partition files by key hash. */
static int part_write(exec_ctx *cx, spill_file **parts, const lago_type *types, uint32_t n_all, uint32_t n_keys,
                      vec *const *cols, const uint32_t *sel, uint32_t n, lago_err *err) {
  uint64_t *h = mem_alloc((n ? n : 1) * sizeof(uint64_t));
  uint32_t *by = mem_alloc((n ? n : 1) * sizeof(uint32_t));
  uint32_t cnt[JPARTS] = {0}, start[JPARTS + 1];
  int rc = h && by ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) {
    hash_keys(cols, n_keys, sel, n, h);
    for (uint32_t i = 0; i < n; i++) cnt[JPART_OF(h[i])]++;
    start[0] = 0;
    for (uint32_t p = 0; p < JPARTS; p++) start[p + 1] = start[p] + cnt[p];
    uint32_t pos[JPARTS];
    memcpy(pos, start, sizeof pos);
    for (uint32_t i = 0; i < n; i++) by[pos[JPART_OF(h[i])]++] = sel ? sel[i] : i;
    for (uint32_t p = 0; p < JPARTS && rc == LAGO_OK; p++) {
      if (!cnt[p]) continue;
      if (!parts[p]) rc = spill_open(cx, n_all, types, &parts[p], err);
      if (rc == LAGO_OK) rc = spill_write_cols(parts[p], cols, by + start[p], cnt[p], err);
    }
  }
  mem_free(h);
  mem_free(by);
  return rc;
}

/* Moves a thread's in-memory build rows into its partition files. */
static int flush_thread(build_ctx *bc, build_thread *th, lago_err *err) {
  uint32_t n_all = bc->n_keys + bc->n_cols;
  if (!th->parts && !(th->parts = mem_calloc(JPARTS, sizeof(spill_file *)))) return LAGO_NOMEM_ERR(err);
  if (!th->inited) return LAGO_OK;
  vec **cols = mem_alloc((n_all + 1) * sizeof(vec *));
  if (!cols) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  for (uint32_t ch = 0; ch < th->rows.n_chunks && rc == LAGO_OK; ch++) {
    coll_chunk *c = &th->rows.chunks[ch];
    for (uint32_t k = 0; k < n_all; k++) {
      cols[k] = &c->cols[k];
      cols[k]->len = c->n_rows;
    }
    rc = part_write(bc->op->cx, th->parts, bc->types, n_all, bc->n_keys, cols, NULL, c->n_rows, err);
  }
  mem_free(cols);
  exec_mem_charge(bc->op->cx, -(ptrdiff_t)th->charged);
  th->charged = 0;
  coll_deinit(&th->rows);
  th->inited = false;
  return rc;
}

static int build_sink(void *ud, int thread, batch *b, lago_err *err) {
  build_ctx *bc = ud;
  exec_op *op = bc->op;
  const plan *p = op->pl;
  build_thread *th = &bc->th[thread];
  uint32_t n_all = bc->n_keys + bc->n_cols;
  if (!th->ar && !(th->ar = arena_new("join-build", 64 * 1024))) return LAGO_NOMEM_ERR(err);
  arena_reset(th->ar);
  th->ec = (eval_ctx){th->ar, err, op->cx->now_us, op->cx->tz};
  vec **cols = arena_alloc(th->ar, (n_all + 1) * sizeof(vec *));
  if (!cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t k = 0; k < bc->n_keys; k++) TRY(expr_eval(&th->ec, p->u.join.right_keys[k], b, b->sel, b->n_rows, &cols[k]));
  for (uint32_t c = 0; c < bc->n_cols; c++) cols[bc->n_keys + c] = &b->cols[c];
  for (uint32_t i = 0; i < b->n_rows && !th->any_null; i++) th->any_null = any_null(cols, bc->n_keys, b->sel ? b->sel[i] : i);
  th->n += b->n_rows;
  if (atomic_load(&bc->spilling)) {
    if (th->inited) TRY(flush_thread(bc, th, err));
    if (!th->parts && !(th->parts = mem_calloc(JPARTS, sizeof(spill_file *)))) return LAGO_NOMEM_ERR(err);
    return part_write(op->cx, th->parts, bc->types, n_all, bc->n_keys, cols, b->sel, b->n_rows, err);
  }
  if (!th->inited) {
    if (coll_init(&th->rows, n_all, bc->types)) return LAGO_NOMEM_ERR(err);
    th->inited = true;
  }
  if (coll_append_cols(&th->rows, cols, b->sel, b->n_rows)) return LAGO_NOMEM_ERR(err);
  bool ok = exec_mem_track_bytes(op->cx, coll_bytes(&th->rows), &th->charged);
  if (!ok && th->rows.n_rows >= 4096) {
    atomic_store(&bc->spilling, 1);
    TRY(flush_thread(bc, th, err));
  }
  return LAGO_OK;
}

static int run_build(exec_op *op, join_shared *js) {
  const plan *p = op->pl;
  const plan *right = p->children[1];
  build_ctx bc;
  memset(&bc, 0, sizeof bc);
  bc.op = op;
  bc.js = js;
  bc.n_keys = p->u.join.n_keys;
  bc.n_cols = right->n_cols;
  bc.n_threads = exec_pipeline_threads(op->cx, right);
  atomic_init(&bc.spilling, 0);
  bc.types = arena_alloc(op->cx->qa, (bc.n_keys + bc.n_cols + 1) * sizeof(lago_type));
  bc.th = mem_calloc((size_t)bc.n_threads, sizeof(build_thread));
  if (!bc.types || !bc.th) {
    mem_free(bc.th);
    return LAGO_NOMEM_ERR(op->err);
  }
  for (uint32_t k = 0; k < bc.n_keys; k++) bc.types[k] = p->u.join.right_keys[k]->type;
  for (uint32_t c = 0; c < bc.n_cols; c++) bc.types[bc.n_keys + c] = right->types[c];
  int rc = exec_pipeline_run(op->cx, right, bc.n_threads, build_sink, &bc, op->err);
  uint64_t total = 0;
  for (int i = 0; i < bc.n_threads; i++) {
    total += bc.th[i].n;
    js->build_has_null |= bc.th[i].any_null;
    arena_free(bc.th[i].ar);
  }
  js->build_empty = total == 0;
  if (rc == LAGO_OK && atomic_load(&bc.spilling)) {
    /* partitioned: every thread's rows go to its files */
    js->partitioned = true;
    js->n_bthreads = (uint32_t)bc.n_threads;
    js->bparts = mem_calloc((size_t)bc.n_threads * JPARTS, sizeof(spill_file *));
    if (!js->bparts) rc = LAGO_NOMEM_ERR(op->err);
    for (int i = 0; i < bc.n_threads && rc == LAGO_OK; i++) {
      rc = flush_thread(&bc, &bc.th[i], op->err);
      if (bc.th[i].parts) memcpy(js->bparts + (size_t)i * JPARTS, bc.th[i].parts, JPARTS * sizeof(spill_file *));
      mem_free(bc.th[i].parts);
      bc.th[i].parts = NULL;
    }
  } else if (rc == LAGO_OK) {
    jtable *t = mem_calloc(1, sizeof *t);
    if (!t) rc = LAGO_NOMEM_ERR(op->err);
    /* concatenate the thread collections into the first non-empty one */
    int first = -1;
    for (int i = 0; i < bc.n_threads && rc == LAGO_OK; i++) {
      if (!bc.th[i].inited) continue;
      if (first < 0) {
        first = i;
        t->rows = bc.th[i].rows;
        t->charged = bc.th[i].charged;
        bc.th[i].inited = false;
        bc.th[i].charged = 0;
        continue;
      }
      for (uint32_t ch = 0; ch < bc.th[i].rows.n_chunks && rc == LAGO_OK; ch++) {
        batch cb;
        coll_chunk_batch(&bc.th[i].rows, ch, &cb);
        if (coll_append(&t->rows, &cb)) rc = LAGO_NOMEM_ERR(op->err);
      }
    }
    if (t && rc == LAGO_OK && first < 0 && coll_init(&t->rows, bc.n_keys + bc.n_cols, bc.types))
      rc = LAGO_NOMEM_ERR(op->err);
    if (t && rc == LAGO_OK) {
      size_t last = 0;
      exec_mem_track_bytes(op->cx, coll_bytes(&t->rows), &last);
      exec_mem_charge(op->cx, -(ptrdiff_t)t->charged);
      t->charged = last;
      rc = index_table(op->cx, t, bc.n_keys, p->u.join.null_eq, right_preserving((join_type)p->u.join.type), op->err);
    }
    if (rc) jtable_free(op->cx, t);
    else js->t = t;
  }
  for (int i = 0; i < bc.n_threads; i++) {
    if (bc.th[i].inited) {
      exec_mem_charge(op->cx, -(ptrdiff_t)bc.th[i].charged);
      coll_deinit(&bc.th[i].rows);
    }
    if (bc.th[i].parts) {
      for (uint32_t q = 0; q < JPARTS; q++) spill_close(bc.th[i].parts[q]);
      mem_free(bc.th[i].parts);
    }
  }
  mem_free(bc.th);
  return rc;
}

static int make_shared(void *ud, void **val) {
  (void)ud;
  join_shared *js = mem_calloc(1, sizeof *js);
  if (!js) return LAGO_NOMEM;
  atomic_init(&js->done, 0);
  *val = js;
  return LAGO_OK;
}

static void shared_free(exec_ctx *cx, join_shared *js) {
  jtable_free(cx, js->t);
  if (js->bparts)
    for (size_t i = 0; i < (size_t)js->n_bthreads * JPARTS; i++) spill_close(js->bparts[i]);
  mem_free(js->bparts);
  if (js->pparts) {
    for (int c = 0; c < js->max_copies; c++) {
      if (!js->pparts[c]) continue;
      for (uint32_t q = 0; q < JPARTS; q++) spill_close(js->pparts[c][q]);
      mem_free(js->pparts[c]);
    }
    mem_free(js->pparts);
  }
  mem_free(js);
}

/* ---- probe ---------------------------------------------------------------------------------- */

typedef enum { JOIN_PROBE, JOIN_PARTITION, JOIN_PART_JOIN, JOIN_UNMATCHED, JOIN_DONE } join_state;

#define JCAP LAGO_VECTOR_SIZE

typedef struct probe_in {
  bool valid;          /* a batch is loaded */
  bool tail_done;      /* its tail (unmatched/semi/anti/mark rows) was emitted */
  batch b;             /* left columns, sel, n_rows */
  vec **keys;          /* probe keys aligned with b's rows */
  uint64_t *h;         /* per logical row */
  int64_t *kv;         /* INLINE/PERFECT: per logical row, the key value */
  uint32_t *cur;       /* per logical row: build row + 1 on the chain, 0 = done */
  uint8_t *hit;        /* per logical row */
  uint32_t *active;
  uint32_t n_active;
} probe_in;

typedef struct join_st {
  join_state state;
  join_state after_input;   /* PROBE or PART_JOIN: where probe input comes from */
  join_shared *js;
  jtable *t;                /* table being probed */
  bool own_table;           /* t is a partition table owned by this copy */
  arena *in_ar;
  eval_ctx in_ec;
  probe_in pi;
  uint32_t *ci, *cb;        /* candidates */
  uint32_t *pl, *pb;        /* pairs: logical probe index, build row */
  uint8_t *match;
  uint64_t un_pos;          /* RIGHT/FULL: next build row to check */
  int copy;
  spill_file **my_parts;    /* partitioned probe: this copy's files */
  uint32_t part, part_copy; /* partition being joined, next copy's file */
  lago_type *ptypes;        /* probe partition schema: keys ++ left */
  uint32_t n_keys, n_left, n_right;
  join_type type;
} join_st;

static bool pair_output(join_type t) { return t == JOIN_INNER || t == JOIN_LEFT || t == JOIN_RIGHT || t == JOIN_FULL; }

/* Loads a probe batch: keys and left columns given (aligned with b's rows). */
static int load_probe(exec_op *op, join_st *st, const batch *b, vec **keys) {
  probe_in *pi = &st->pi;
  uint32_t n = b->n_rows;
  pi->b = *b;
  pi->keys = keys;
  pi->h = arena_alloc(st->in_ar, n * sizeof(uint64_t));
  pi->kv = arena_alloc(st->in_ar, n * sizeof(int64_t));
  pi->cur = arena_alloc(st->in_ar, n * sizeof(uint32_t));
  pi->hit = arena_zalloc(st->in_ar, n);
  pi->active = arena_alloc(st->in_ar, n * sizeof(uint32_t));
  if (!pi->h || !pi->kv || !pi->cur || !pi->hit || !pi->active) return LAGO_NOMEM_ERR(op->err);
  const bool *ne = op->pl->u.join.null_eq;
  pi->n_active = 0;
  jtable *t = st->t;
  pi->valid = true;
  pi->tail_done = false;
  if (!t || t->n == 0) {
    memset(pi->cur, 0, n * sizeof(uint32_t));
    return LAGO_OK;
  }
  if (t->mode != JT_PERFECT) hash_keys(keys, st->n_keys, b->sel, n, pi->h);
  if (t->mode != JT_GENERAL) {
    const vec *kv = keys[0];
    vec_view vw;
    vec_view_init(&vw, kv);
    bool is_unsigned = kv->type.id == LT_UTINYINT || kv->type.id == LT_USMALLINT || kv->type.id == LT_UINT;
    size_t w = type_width(kv->type);
    if (w == 8 && !vw.codes && !vw.is_const) { /* plain values: a copy or a gather, no per-row dispatch */
      const int64_t *d = vw.data;
      if (b->sel)
        for (uint32_t i = 0; i < n; i++) pi->kv[i] = d[b->sel[i]];
      else
        memcpy(pi->kv, d, (size_t)n * sizeof(int64_t));
    } else if (w == 8) {
      const int64_t *d = vw.data;
      for (uint32_t i = 0; i < n; i++) pi->kv[i] = d[VIEW_IDX(&vw, b->sel ? b->sel[i] : i)];
    } else if (w == 4 && !is_unsigned) {
      const int32_t *d = vw.data;
      for (uint32_t i = 0; i < n; i++) pi->kv[i] = d[VIEW_IDX(&vw, b->sel ? b->sel[i] : i)];
    } else {
      for (uint32_t i = 0; i < n; i++) {
        uint32_t r = b->sel ? b->sel[i] : i, idx;
        const vec *p = vec_resolve(kv, r, &idx);
        pi->kv[i] = key_value(p, idx);
      }
    }
    if (t->dense) { /* unique dense keys: a bit test, no chain: cur holds key - kmin + 1 */
      bool nulls = vw.validity != NULL;
      uint32_t na = 0;
      const uint64_t *present = t->present;
      if (!nulls) { /* branch-free: every row is written to active, kept when its key is present */
        for (uint32_t i = 0; i < n; i++) {
          uint64_t off = (uint64_t)pi->kv[i] - (uint64_t)t->kmin;
          bool in = pi->kv[i] >= t->kmin && off < t->range;
          uint64_t o = in ? off : 0;
          bool hit = in & (bool)((present[o >> 6] >> (o & 63)) & 1);
          pi->cur[i] = hit ? (uint32_t)off + 1 : 0;
          pi->active[na] = i;
          na += hit;
        }
        pi->n_active = na;
        return LAGO_OK;
      }
      for (uint32_t i = 0; i < n; i++) {
        uint64_t off = (uint64_t)pi->kv[i] - (uint64_t)t->kmin;
        pi->cur[i] = 0;
        if (pi->kv[i] < t->kmin || off >= t->range || !bitmap_get(t->present, off)) continue;
        if (!VIEW_VALID(&vw, b->sel ? b->sel[i] : i)) continue;
        pi->cur[i] = (uint32_t)off + 1;
        pi->active[na++] = i;
      }
      pi->n_active = na;
      return LAGO_OK;
    }
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = b->sel ? b->sel[i] : i;
    pi->cur[i] = 0;
    if (null_key(keys, ne, st->n_keys, r)) continue;
    uint64_t bucket;
    if (t->mode == JT_PERFECT) {
      uint64_t off = (uint64_t)pi->kv[i] - (uint64_t)t->kmin;
      if (pi->kv[i] < t->kmin || off >= t->range) continue;
      bucket = off;
    } else {
      bucket = pi->h[i] & t->mask;
    }
    __builtin_prefetch(&t->head[bucket]);
    pi->cur[i] = (uint32_t)bucket + 1; /* the bucket for now: resolved below */
    pi->active[pi->n_active++] = i;
  }
  /* resolve buckets to chain heads (after the prefetches), then prefetch the first records */
  uint32_t m = 0;
  for (uint32_t q = 0; q < pi->n_active; q++) {
    uint32_t i = pi->active[q];
    pi->cur[i] = t->head[pi->cur[i] - 1];
    if (pi->cur[i]) {
      if (!t->unique) __builtin_prefetch(&t->rec[pi->cur[i] - 1]);
      pi->active[m++] = i;
    }
  }
  pi->n_active = m;
  return LAGO_OK;
}

/* A vector of output rows = rows[0..n) (physical rows of v): dictionary over FLAT v, no copy. */
static int dict_of(arena *ar, const vec *v, const uint32_t *rows, uint32_t n, vec *out) {
  if (v->kind == VEC_CONST) {
    *out = *v;
    out->len = n;
    return LAGO_OK;
  }
  memset(out, 0, sizeof *out);
  out->type = v->type;
  out->kind = VEC_DICT;
  out->ar = ar;
  out->len = n;
  out->cap = n ? n : 1;
  uint32_t *codes = arena_alloc(ar, (n ? n : 1) * sizeof(uint32_t));
  if (!codes) return LAGO_NOMEM;
  const uint32_t *src_codes = v->kind == VEC_DICT ? v->data : NULL;
  for (uint32_t i = 0; i < n; i++) codes[i] = src_codes ? src_codes[rows[i]] : rows[i];
  out->data = codes;
  out->dict = v->kind == VEC_DICT ? v->dict : (vec *)v;
  if (v->validity) {
    out->validity = arena_alloc(ar, bitmap_words(n ? n : 1) * 8);
    if (!out->validity) return LAGO_NOMEM;
    for (uint32_t i = 0; i < n; i++) bitmap_put(out->validity, i, bitmap_get(v->validity, rows[i]));
  }
  return LAGO_OK;
}

/* Output batch of pairs (left row pl -> physical, build row pb); left ++ right columns. */
static int pair_batch(exec_op *op, join_st *st, uint32_t n, batch *out) {
  arena *ar = op->out_ar;
  uint32_t nl = st->n_left, nr = st->n_right;
  vec *cols = arena_alloc(ar, (nl + nr + 1) * sizeof(vec));
  uint32_t *lrows = arena_alloc(ar, (n ? n : 1) * sizeof(uint32_t));
  if (!cols || !lrows) return LAGO_NOMEM_ERR(op->err);
  const batch *in = &st->pi.b;
  if (in->sel)
    for (uint32_t i = 0; i < n; i++) lrows[i] = in->sel[st->pl[i]];
  else
    memcpy(lrows, st->pl, (size_t)n * sizeof(uint32_t));
  jtable *t = st->t;
  if (t->dense && !op->pl->u.join.residual) {
    /* Unique keys: every probe row has at most one pair and pairs come in row order, so the output
    ** is the probe batch itself narrowed by a selection (no left column is touched) plus right
    ** columns as dictionary vectors indexed by physical row. */
    uint32_t len = eval_len(in->sel, in->n_rows);
    uint32_t *codes = arena_zalloc(ar, (len ? len : 1) * sizeof(uint32_t));
    if (!codes) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t i = 0; i < n; i++) codes[lrows[i]] = st->pb[i];
    memcpy(cols, in->cols, nl * sizeof(vec));
    for (uint32_t c = 0; c < nr; c++) {
      vec *o = &cols[nl + c];
      const vec *d = &t->dense[c];
      memset(o, 0, sizeof *o);
      o->type = d->type;
      o->kind = VEC_DICT;
      o->ar = ar;
      o->len = len;
      o->cap = len ? len : 1;
      o->data = codes;
      o->dict = (vec *)d;
      if (d->validity) {
        o->validity = arena_zalloc(ar, bitmap_words(len ? len : 1) * 8);
        if (!o->validity) return LAGO_NOMEM_ERR(op->err);
        for (uint32_t i = 0; i < n; i++) bitmap_put(o->validity, lrows[i], bitmap_get(d->validity, st->pb[i]));
      }
    }
    memset(out, 0, sizeof *out);
    out->n_cols = nl + nr;
    out->cols = cols;
    out->sel = lrows;
    out->n_rows = n;
    out->ar = ar;
    return LAGO_OK;
  }
  for (uint32_t c = 0; c < nl; c++)
    if (dict_of(ar, &in->cols[c], lrows, n, &cols[c])) return LAGO_NOMEM_ERR(op->err);
  if (t->dense) { /* dictionary vectors over the key-ordered right columns */
    uint32_t *codes = arena_alloc(ar, (n ? n : 1) * sizeof(uint32_t));
    if (!codes) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t i = 0; i < n; i++) codes[i] = st->pb[i];
    for (uint32_t c = 0; c < nr; c++) {
      vec *o = &cols[nl + c];
      const vec *d = &t->dense[c];
      memset(o, 0, sizeof *o);
      o->type = d->type;
      o->kind = VEC_DICT;
      o->ar = ar;
      o->len = n;
      o->cap = n ? n : 1;
      o->data = codes;
      o->dict = (vec *)d;
      if (d->validity) {
        o->validity = arena_alloc(ar, bitmap_words(n ? n : 1) * 8);
        if (!o->validity) return LAGO_NOMEM_ERR(op->err);
        for (uint32_t i = 0; i < n; i++) bitmap_put(o->validity, i, bitmap_get(d->validity, codes[i]));
      }
    }
  } else {
    for (uint32_t c = 0; c < nr; c++) {
      if (vec_init(&cols[nl + c], ar, op->pl->children[1]->types[c], n ? n : 1) ||
          coll_gather32(&t->rows, st->n_keys + c, st->pb, n, &cols[nl + c], 0))
        return LAGO_NOMEM_ERR(op->err);
      cols[nl + c].len = n;
    }
  }
  memset(out, 0, sizeof *out);
  out->n_cols = nl + nr;
  out->cols = cols;
  out->n_rows = n;
  out->ar = ar;
  return LAGO_OK;
}

/* Collects up to JCAP key-matching pairs from the active rows. Returns the count. */
static uint32_t collect_pairs(join_st *st) {
  probe_in *pi = &st->pi;
  jtable *t = st->t;
  uint32_t np = 0;
  bool stop_at_hit = !pair_output(st->type);
  while (np < JCAP && pi->n_active) {
    uint32_t nc = 0, k = 0;
    if (t->mode == JT_GENERAL) {
      for (; k < pi->n_active && nc < JCAP - np; k++) {
        uint32_t i = pi->active[k];
        uint32_t b = pi->cur[i] - 1;
        const jrec *r = &t->rec[b];
        pi->cur[i] = r->next;
        if (r->next) __builtin_prefetch(&t->rec[r->next - 1]);
        if (r->hash == pi->h[i]) {
          st->ci[nc] = i;
          st->cb[nc++] = b;
        }
      }
      uint32_t *prow = st->pl + np; /* scratch: physical probe rows */
      for (uint32_t c = 0; c < nc; c++) prow[c] = pi->b.sel ? pi->b.sel[st->ci[c]] : st->ci[c];
      keys_match(pi->keys, st->n_keys, &t->rows, prow, st->cb, nc, st->match);
      for (uint32_t c = 0; c < nc; c++) {
        if (!st->match[c]) continue;
        st->pl[np] = st->ci[c];
        st->pb[np++] = st->cb[c];
      }
    } else if (t->dense) { /* pb gets key - kmin */
      for (; k < pi->n_active && np < JCAP; k++) {
        uint32_t i = pi->active[k];
        st->pl[np] = i;
        st->pb[np++] = pi->cur[i] - 1;
        pi->cur[i] = 0;
      }
    } else if (t->mode == JT_PERFECT && t->unique) { /* the head is the row: no record to read */
      for (; k < pi->n_active && np < JCAP; k++) {
        uint32_t i = pi->active[k];
        st->pl[np] = i;
        st->pb[np++] = pi->cur[i] - 1;
        pi->cur[i] = 0;
      }
    } else {
      bool perfect = t->mode == JT_PERFECT;
      for (; k < pi->n_active && np < JCAP; k++) {
        uint32_t i = pi->active[k];
        uint32_t b = pi->cur[i] - 1;
        const jrec *r = &t->rec[b];
        pi->cur[i] = r->next;
        if (r->next) __builtin_prefetch(&t->rec[r->next - 1]);
        if (perfect || (r->hash == pi->h[i] && r->key == pi->kv[i])) {
          st->pl[np] = i;
          st->pb[np++] = b;
        }
      }
    }
    /* drop finished rows (unique tables: exactly the k rows taken, in front) */
    if (t->dense || (t->mode == JT_PERFECT && t->unique)) {
      memmove(pi->active, pi->active + k, (size_t)(pi->n_active - k) * sizeof(uint32_t));
      pi->n_active -= k;
    } else {
      uint32_t m = 0;
      for (uint32_t q = 0; q < pi->n_active; q++) {
        uint32_t i = pi->active[q];
        if (pi->cur[i]) pi->active[m++] = i;
      }
      pi->n_active = m;
    }
    if (stop_at_hit && np) break;
  }
  return np;
}

/* Marks pairs sel[0..n) (indexes into pl/pb) as hits. */
static void mark_hits(join_st *st, const uint32_t *ps, uint32_t n) {
  for (uint32_t q = 0; q < n; q++) {
    uint32_t k = ps ? ps[q] : q;
    st->pi.hit[st->pl[k]] = 1;
    if (right_preserving(st->type))
      atomic_store_explicit(st->t->dense ? &st->t->dmatched[st->pb[k]] : &st->t->matched[st->pb[k]], 1, memory_order_relaxed);
    if (!pair_output(st->type)) st->pi.cur[st->pl[k]] = 0; /* one match decides */
  }
  if (!pair_output(st->type)) {
    uint32_t m = 0;
    for (uint32_t q = 0; q < st->pi.n_active; q++)
      if (st->pi.cur[st->pi.active[q]]) st->pi.active[m++] = st->pi.active[q];
    st->pi.n_active = m;
  }
}

/* The tail of a fully probed batch. Returns with out->n_rows == 0 when nothing to emit. */
static int emit_tail(exec_op *op, join_st *st, batch *out) {
  probe_in *pi = &st->pi;
  const batch *in = &pi->b;
  join_shared *js = st->js;
  bool na = op->pl->u.join.null_aware;
  arena *ar = op->out_ar;
  uint32_t n = in->n_rows;
  memset(out, 0, sizeof *out);
  if (st->type == JOIN_INNER || st->type == JOIN_RIGHT) return LAGO_OK;
  uint32_t *sel = arena_alloc(ar, (n ? n : 1) * sizeof(uint32_t));
  if (!sel) return LAGO_NOMEM_ERR(op->err);
  uint32_t m = 0;
  if (st->type == JOIN_MARK) {
    uint32_t len = eval_len(in->sel, n);
    vec *mk = vec_new(ar, type_make(LT_BOOLEAN), len ? len : 1);
    vec *cols = arena_alloc(ar, (st->n_left + 1) * sizeof(vec));
    if (!mk || !cols) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t i = 0; i < n; i++) {
      uint32_t r = in->sel ? in->sel[i] : i;
      if (pi->hit[i]) VEC_DATA(mk, uint8_t)[r] = 1;
      else if (na && !js->build_empty && (js->build_has_null || any_null(pi->keys, st->n_keys, r))) {
        if (vec_set_null(mk, r)) return LAGO_NOMEM_ERR(op->err);
      } else VEC_DATA(mk, uint8_t)[r] = 0;
    }
    mk->len = len;
    memcpy(cols, in->cols, st->n_left * sizeof(vec));
    cols[st->n_left] = *mk;
    *out = *in;
    out->cols = cols;
    out->n_cols = st->n_left + 1;
    return LAGO_OK;
  }
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = in->sel ? in->sel[i] : i;
    bool keep;
    switch (st->type) {
      case JOIN_SEMI: keep = pi->hit[i]; break;
      case JOIN_ANTI:
        keep = !pi->hit[i];
        if (keep && na && !js->build_empty && (js->build_has_null || any_null(pi->keys, st->n_keys, r))) keep = false;
        break;
      default: keep = !pi->hit[i]; break; /* LEFT/FULL: unmatched */
    }
    if (keep) sel[m++] = r;
  }
  if (!m) return LAGO_OK;
  if (st->type == JOIN_SEMI || st->type == JOIN_ANTI) {
    *out = *in;
    out->sel = sel;
    out->n_rows = m;
    return LAGO_OK;
  }
  /* LEFT/FULL unmatched: left rows with NULL right columns */
  vec *cols = arena_alloc(ar, (st->n_left + st->n_right + 1) * sizeof(vec));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  memcpy(cols, in->cols, st->n_left * sizeof(vec));
  uint32_t len = sel[m - 1] + 1;
  for (uint32_t c = 0; c < st->n_right; c++) {
    vec *nv = vec_new_const_null(ar, op->pl->children[1]->types[c], len);
    if (!nv) return LAGO_NOMEM_ERR(op->err);
    cols[st->n_left + c] = *nv;
  }
  *out = *in;
  out->cols = cols;
  out->n_cols = st->n_left + st->n_right;
  out->sel = sel;
  out->n_rows = m;
  return LAGO_OK;
}

/* Produces the next output from the loaded probe batch; out->n_rows == 0 when it is used up. */
static int probe_batch(exec_op *op, join_st *st, batch *out) {
  probe_in *pi = &st->pi;
  const expr *res = op->pl->u.join.residual;
  memset(out, 0, sizeof *out);
  while (pi->n_active) {
    exec_op_reset_out(op);
    uint32_t np = collect_pairs(st);
    if (!np) continue;
    if (!res && !pair_output(st->type)) {
      mark_hits(st, NULL, np);
      continue;
    }
    batch pb;
    TRY(pair_batch(op, st, np, &pb));
    uint32_t *ps = NULL, m = np;
    if (res) {
      ps = arena_alloc(op->out_ar, np * sizeof(uint32_t));
      if (!ps) return LAGO_NOMEM_ERR(op->err);
      TRY(expr_select(&op->ec, res, &pb, NULL, np, ps, &m));
    }
    if (st->type != JOIN_INNER) mark_hits(st, ps, m); /* inner joins keep no per-row or per-build-row state */
    if (!pair_output(st->type) || !m) continue;
    *out = pb;
    if (ps) {
      out->sel = ps;
      out->n_rows = m;
    }
    return LAGO_OK;
  }
  if (!pi->tail_done) {
    pi->tail_done = true;
    exec_op_reset_out(op);
    TRY(emit_tail(op, st, out));
    if (out->n_rows) return LAGO_OK;
  }
  pi->valid = false;
  memset(out, 0, sizeof *out);
  return LAGO_OK;
}

/* RIGHT/FULL: never-matched build rows, with NULL left columns. */
static int emit_unmatched(exec_op *op, join_st *st, batch *out) {
  jtable *t = st->t;
  memset(out, 0, sizeof *out);
  if (!t) return LAGO_OK;
  exec_op_reset_out(op);
  uint32_t m = 0;
  uint32_t *rows = arena_alloc(op->out_ar, JCAP * sizeof(uint32_t));
  if (!rows) return LAGO_NOMEM_ERR(op->err);
  if (t->dense) { /* by key: never-matched keys that have a row */
    while (st->un_pos < t->range && m < JCAP) {
      uint64_t c = st->un_pos++;
      if (bitmap_get(t->present, c) && !atomic_load_explicit(&t->dmatched[c], memory_order_relaxed))
        rows[m++] = t->head[c] - 1;
    }
    /* build rows with a NULL key are not in the index: they follow */
    if (st->un_pos >= t->range && m < JCAP) {
      uint64_t r0 = st->un_pos - t->range;
      while (r0 < t->n && m < JCAP) {
        uint32_t off;
        const vec *kv = coll_vec(&t->rows, r0, 0, &off);
        if (!vec_is_valid(kv, off)) rows[m++] = (uint32_t)r0;
        r0++;
        st->un_pos++;
      }
    }
  } else {
    while (st->un_pos < t->n && m < JCAP) {
      uint64_t r = st->un_pos++;
      if (!atomic_load_explicit(&t->matched[r], memory_order_relaxed)) rows[m++] = (uint32_t)r;
    }
  }
  if (!m) return LAGO_OK;
  uint32_t nl = st->n_left, nr = st->n_right;
  vec *cols = arena_alloc(op->out_ar, (nl + nr + 1) * sizeof(vec));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t c = 0; c < nl; c++) {
    vec *nv = vec_new_const_null(op->out_ar, op->pl->children[0]->types[c], m);
    if (!nv) return LAGO_NOMEM_ERR(op->err);
    cols[c] = *nv;
  }
  for (uint32_t c = 0; c < nr; c++) {
    if (vec_init(&cols[nl + c], op->out_ar, op->pl->children[1]->types[c], m) ||
        coll_gather32(&t->rows, st->n_keys + c, rows, m, &cols[nl + c], 0))
      return LAGO_NOMEM_ERR(op->err);
    cols[nl + c].len = m;
  }
  out->n_cols = nl + nr;
  out->cols = cols;
  out->n_rows = m;
  out->ar = op->out_ar;
  return LAGO_OK;
}

/* ---- partitioned (spilled) joins ------------------------------------------------------------------- */

/* Builds the in-memory table of partition p from the build threads' files. */
static int load_partition(exec_op *op, join_st *st, uint32_t p) {
  join_shared *js = st->js;
  jtable *t = mem_calloc(1, sizeof *t);
  if (!t) return LAGO_NOMEM_ERR(op->err);
  lago_type *types = arena_alloc(op->ar, (st->n_keys + st->n_right + 1) * sizeof(lago_type));
  if (!types) {
    mem_free(t);
    return LAGO_NOMEM_ERR(op->err);
  }
  for (uint32_t k = 0; k < st->n_keys; k++) types[k] = op->pl->u.join.right_keys[k]->type;
  for (uint32_t c = 0; c < st->n_right; c++) types[st->n_keys + c] = op->pl->children[1]->types[c];
  int rc = coll_init(&t->rows, st->n_keys + st->n_right, types) ? LAGO_NOMEM_ERR(op->err) : LAGO_OK;
  arena *ar = arena_new("join-part", 64 * 1024);
  if (!ar && rc == LAGO_OK) rc = LAGO_NOMEM_ERR(op->err);
  for (uint32_t th = 0; th < js->n_bthreads && rc == LAGO_OK; th++) {
    spill_file *f = js->bparts[(size_t)th * JPARTS + p];
    if (!f) continue;
    rc = spill_rewind(f, op->err);
    while (rc == LAGO_OK) {
      arena_reset(ar);
      batch *b;
      rc = spill_read(f, ar, &b, op->err);
      if (rc || !b->n_rows) break;
      if (coll_append(&t->rows, b)) rc = LAGO_NOMEM_ERR(op->err);
    }
  }
  arena_free(ar);
  if (rc == LAGO_OK) {
    size_t last = 0;
    exec_mem_track_bytes(op->cx, coll_bytes(&t->rows), &last);
    t->charged = last;
    rc = index_table(op->cx, t, st->n_keys, op->pl->u.join.null_eq, right_preserving(st->type), op->err);
  }
  if (rc) {
    jtable_free(op->cx, t);
    return rc;
  }
  st->t = t;
  st->own_table = true;
  st->part_copy = 0;
  return LAGO_OK;
}

/* Loads the next probe batch of the current partition; false when the partition's files are done. */
static int next_part_probe(exec_op *op, join_st *st, bool *got) {
  join_shared *js = st->js;
  *got = false;
  while (st->part_copy < (uint32_t)js->max_copies) {
    spill_file **pp = js->pparts[st->part_copy];
    spill_file *f = pp ? pp[st->part] : NULL;
    if (!f) {
      st->part_copy++;
      continue;
    }
    arena_reset(st->in_ar);
    batch *b;
    TRY(spill_read(f, st->in_ar, &b, op->err));
    if (!b->n_rows) {
      st->part_copy++;
      if (st->part_copy < (uint32_t)js->max_copies && js->pparts[st->part_copy] &&
          js->pparts[st->part_copy][st->part])
        TRY(spill_rewind(js->pparts[st->part_copy][st->part], op->err));
      continue;
    }
    vec **keys = arena_alloc(st->in_ar, (st->n_keys + 1) * sizeof(vec *));
    if (!keys) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t k = 0; k < st->n_keys; k++) keys[k] = &b->cols[k];
    batch lb = *b;
    lb.cols = b->cols + st->n_keys;
    lb.n_cols = st->n_left;
    TRY(load_probe(op, st, &lb, keys));
    *got = true;
    return LAGO_OK;
  }
  return LAGO_OK;
}

/* ---- operator ---------------------------------------------------------------------------------- */

static int join_open(exec_op *op) {
  join_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  const plan *p = op->pl;
  st->type = (join_type)p->u.join.type;
  st->n_keys = p->u.join.n_keys;
  st->n_left = p->children[0]->n_cols;
  st->n_right = p->children[1]->n_cols;
  st->copy = op->thread;
  st->in_ar = arena_new("join-in", 64 * 1024);
  st->ci = arena_alloc(op->ar, JCAP * sizeof(uint32_t));
  st->cb = arena_alloc(op->ar, JCAP * sizeof(uint32_t));
  st->pl = arena_alloc(op->ar, JCAP * sizeof(uint32_t));
  st->pb = arena_alloc(op->ar, JCAP * sizeof(uint32_t));
  st->match = arena_alloc(op->ar, JCAP);
  if (!st->in_ar || !st->ci || !st->cb || !st->pl || !st->pb || !st->match) return LAGO_NOMEM_ERR(op->err);
  void *v;
  TRY(exec_shared(op->cx, op->pl, make_shared, NULL, &v));
  st->js = v;
  st->js->refs++;
  if (!st->js->built) {
    st->js->built = true;
    TRY(run_build(op, st->js));
  }
  join_shared *js = st->js;
  if (op->thread + 1 > js->max_copies) {
    spill_file ***np = mem_realloc(js->pparts, (size_t)(op->thread + 1) * sizeof(spill_file **));
    if (!np) return LAGO_NOMEM_ERR(op->err);
    for (int c = js->max_copies; c <= op->thread; c++) np[c] = NULL;
    js->pparts = np;
    js->max_copies = op->thread + 1;
  }
  if (js->partitioned) {
    st->state = JOIN_PARTITION;
    st->my_parts = mem_calloc(JPARTS, sizeof(spill_file *));
    if (!st->my_parts) return LAGO_NOMEM_ERR(op->err);
    js->pparts[op->thread] = st->my_parts;
    st->ptypes = arena_alloc(op->ar, (st->n_keys + st->n_left + 1) * sizeof(lago_type));
    if (!st->ptypes) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t k = 0; k < st->n_keys; k++) st->ptypes[k] = p->u.join.left_keys[k]->type;
    for (uint32_t c = 0; c < st->n_left; c++) st->ptypes[st->n_keys + c] = p->children[0]->types[c];
  } else {
    st->state = JOIN_PROBE;
    st->t = js->t;
  }
  st->in_ec = (eval_ctx){st->in_ar, op->err, op->cx->now_us, op->cx->tz};
  return LAGO_OK;
}

/* This copy finished its probe input: true if it is the last one (it does the shared work). */
static bool finish_copy(join_st *st) { return atomic_fetch_add(&st->js->done, 1) + 1 == st->js->refs; }

static int join_next(exec_op *op, batch *out) {
  join_st *st = op->st;
  const plan *p = op->pl;
  for (;;) {
    switch (st->state) {
      case JOIN_PROBE: {
        if (st->pi.valid) {
          TRY(probe_batch(op, st, out));
          if (out->n_rows) return LAGO_OK;
          continue;
        }
        batch in;
        TRY(exec_op_next(op->child[0], &in));
        if (!in.n_rows) {
          st->state = right_preserving(st->type) && finish_copy(st) ? JOIN_UNMATCHED : JOIN_DONE;
          continue;
        }
        arena_reset(st->in_ar);
        vec **keys = arena_alloc(st->in_ar, (st->n_keys + 1) * sizeof(vec *));
        if (!keys) return LAGO_NOMEM_ERR(op->err);
        for (uint32_t k = 0; k < st->n_keys; k++) TRY(expr_eval(&st->in_ec, p->u.join.left_keys[k], &in, in.sel, in.n_rows, &keys[k]));
        TRY(load_probe(op, st, &in, keys));
        continue;
      }
      case JOIN_PARTITION: {
        batch in;
        TRY(exec_op_next(op->child[0], &in));
        if (!in.n_rows) {
          if (finish_copy(st)) {
            st->state = JOIN_PART_JOIN;
            st->part = 0;
            st->t = NULL;
          } else {
            st->state = JOIN_DONE;
          }
          continue;
        }
        arena_reset(st->in_ar);
        uint32_t n_all = st->n_keys + st->n_left;
        vec **cols = arena_alloc(st->in_ar, (n_all + 1) * sizeof(vec *));
        if (!cols) return LAGO_NOMEM_ERR(op->err);
        for (uint32_t k = 0; k < st->n_keys; k++) TRY(expr_eval(&st->in_ec, p->u.join.left_keys[k], &in, in.sel, in.n_rows, &cols[k]));
        for (uint32_t c = 0; c < st->n_left; c++) cols[st->n_keys + c] = &in.cols[c];
        TRY(part_write(op->cx, st->my_parts, st->ptypes, n_all, st->n_keys, cols, in.sel, in.n_rows, op->err));
        TRY(exec_check_cancel(op->cx, op->err));
        continue;
      }
      case JOIN_PART_JOIN: {
        if (st->pi.valid) {
          TRY(probe_batch(op, st, out));
          if (out->n_rows) return LAGO_OK;
          continue;
        }
        if (st->part >= JPARTS) {
          st->state = JOIN_DONE;
          continue;
        }
        if (!st->t) {
          TRY(load_partition(op, st, st->part));
          for (int c = 0; c < st->js->max_copies; c++)
            if (st->js->pparts[c] && st->js->pparts[c][st->part]) {
              TRY(spill_rewind(st->js->pparts[c][st->part], op->err));
            }
        }
        bool got;
        TRY(next_part_probe(op, st, &got));
        if (got) continue;
        /* partition done: its unmatched build rows, then the next partition */
        if (right_preserving(st->type)) {
          TRY(emit_unmatched(op, st, out));
          if (out->n_rows) return LAGO_OK;
        }
        jtable_free(op->cx, st->t);
        st->t = NULL;
        st->un_pos = 0;
        st->part++;
        continue;
      }
      case JOIN_UNMATCHED:
        TRY(emit_unmatched(op, st, out));
        if (out->n_rows) return LAGO_OK;
        st->state = JOIN_DONE;
        continue;
      case JOIN_DONE: memset(out, 0, sizeof *out); return LAGO_OK;
    }
  }
}

static void join_close(exec_op *op) {
  join_st *st = op->st;
  if (!st) return;
  if (st->own_table || (st->js && st->js->partitioned && st->t)) jtable_free(op->cx, st->t);
  st->t = NULL;
  arena_free(st->in_ar);
  st->in_ar = NULL;
  if (st->js) {
    st->my_parts = NULL; /* owned by the shared state (pparts[copy]) */
    if (--st->js->refs == 0) {
      shared_free(op->cx, st->js);
      exec_shared_drop(op->cx, op->pl);
    }
    st->js = NULL;
  } else if (st->my_parts) {
    for (uint32_t q = 0; q < JPARTS; q++) spill_close(st->my_parts[q]);
    mem_free(st->my_parts);
  }
}

static const exec_op_vtab k_join_vt = {"HashJoin", join_open, join_next, join_close};

int op_hash_join_init(exec_op *op) {
  op->vt = &k_join_vt;
  op->n_child = 1;
  return exec_op_build(op->cx, op->pl->children[0], op->thread, op->err, &op->child[0]);
}
