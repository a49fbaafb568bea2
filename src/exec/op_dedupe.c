/*
** exec/op_dedupe.c: the first `keep` rows of each partition in an order,
** i.e. QUALIFY ROW_NUMBER() OVER (PARTITION BY k ORDER BY o) <= keep, the
** CDC "latest change per key" step. The planner turns that pattern into
** PLAN_DEDUPE instead of a window plus a filter.
**
** keep == 1 (hash path, no sort): a hash table maps partition keys to groups
** (aggtab_map, so it freezes and spills like GROUP BY), and each group
** remembers its best row so far in a row store plus the row's normalized
** order key (sorter.h encoder): a row replaces the best when its key bytes
** are smaller (ties on partial string keys go to a full comparison; exact
** ties keep the first row seen, like Spark's arbitrary choice). Replaced
** rows become garbage in the store, compacted when they outnumber the live
** ones. Parallel: one table per pipeline copy. When none spilled, the
** tables stay as they are: each group of a later table is looked up in the
** earlier ones and, where the key is also there, the worse of the two best
** rows is dropped (no row is copied); the tables are then emitted one after
** the other, skipping dropped groups. Otherwise they are merged partition by
** partition by re-sinking each table's best rows.
** keep > 1 (sort path): rows are sorted by (partition keys, order) with the
** sort engine and the first `keep` of each partition are passed on.
**
** States: DD_INIT (consume input), DD_EMIT (tables chunk by chunk, then spilled
** partitions), DD_SORTED (keep > 1: stream the sort), DD_DONE.
*/
#include <string.h>

#include "exec/aggtab.h"
#include "exec/sorter.h"
#include "exec/vecops.h"
#include "util/alloc.h"

typedef enum { DD_INIT, DD_EMIT, DD_SORTED, DD_DONE } dd_state;

#define NO_ROW UINT32_MAX

typedef struct dd_tab {
  aggtab *map;
  coll store;          /* payload ++ order key values of best rows */
  bool store_init;
  uint32_t *best;      /* gid -> store row */
  uint8_t *bkey;       /* gid -> K key bytes */
  uint32_t cap;        /* groups the arrays hold */
  uint64_t live_rows;  /* rows in store that are someone's best */
  size_t charged;       /* arrays */
  size_t store_charged; /* store arena */
  uint32_t *pend;      /* per group during a batch: batch row + 1 */
  lago_err *err;
} dd_tab;

typedef struct dd_work {
  spill_file *file;
  uint32_t level;
} dd_work;

typedef struct dd_thread {
  dd_tab *tab;
  arena *ar;
  eval_ctx ec;
} dd_thread;

typedef struct dd_st {
  dd_state state;
  aggtab_spec spec;        /* keys = partition keys; inputs = payload ++ order keys */
  sortkey_enc *enc;
  uint32_t K;
  bool partial;
  uint32_t n_part, n_cols, n_order;
  dd_thread *th;
  uint32_t n_threads;
  dd_tab *cur;
  uint32_t chunk;
  dd_tab **merged;
  uint32_t n_merged, next_merged;
  dd_work *work;
  uint32_t n_work, cap_work;
  /* keep > 1 */
  sorter_spec sspec;
  sort_result *res;
  vec *prev_part;          /* the current partition's key values (1 row each) */
  bool have_prev;
  int64_t in_part;         /* rows seen in the current partition */
  arena *prev_ar;
} dd_st;

/* ---- tables ------------------------------------------------------------------------------- */

static void dd_free(exec_ctx *cx, dd_tab *t) {
  if (!t) return;
  aggtab_free(t->map);
  exec_mem_charge(cx, -(ptrdiff_t)(t->charged + t->store_charged));
  if (t->store_init) coll_deinit(&t->store);
  mem_free(t->best);
  mem_free(t->bkey);
  mem_free(t->pend);
  mem_free(t);
}

static int dd_new(exec_op *op, dd_st *st, uint32_t level, lago_err *err, dd_tab **out) {
  dd_tab *t = mem_calloc(1, sizeof *t);
  if (!t) return LAGO_NOMEM_ERR(err);
  t->err = err;
  int rc = aggtab_new(op->cx, &st->spec, level, err, &t->map);
  if (rc == LAGO_OK) {
    rc = coll_init(&t->store, st->spec.n_in, st->spec.in_types) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    t->store_init = rc == LAGO_OK;
  }
  if (rc) {
    dd_free(op->cx, t);
    return rc;
  }
  *out = t;
  return LAGO_OK;
}

static int dd_grow(exec_ctx *cx, dd_st *st, dd_tab *t, uint32_t groups) {
  if (groups <= t->cap) return LAGO_OK;
  uint32_t nc = t->cap ? t->cap : 1024;
  while (nc < groups) nc *= 2;
  uint32_t *b = mem_realloc(t->best, (size_t)nc * sizeof(uint32_t));
  if (!b) return LAGO_NOMEM_ERR(t->err);
  t->best = b;
  uint8_t *k = mem_realloc(t->bkey, (size_t)nc * (st->K ? st->K : 1));
  if (!k) return LAGO_NOMEM_ERR(t->err);
  t->bkey = k;
  uint32_t *p = mem_realloc(t->pend, (size_t)nc * sizeof(uint32_t));
  if (!p) return LAGO_NOMEM_ERR(t->err);
  t->pend = p;
  for (uint32_t g = t->cap; g < nc; g++) {
    t->best[g] = NO_ROW;
    t->pend[g] = 0;
  }
  size_t add = (size_t)(nc - t->cap) * (8 + st->K);
  exec_mem_charge(cx, (ptrdiff_t)add);
  t->charged += add;
  t->cap = nc;
  return LAGO_OK;
}

/* Rebuilds the store with only the best rows. */
static int dd_compact(exec_op *op, dd_st *st, dd_tab *t) {
  coll nc;
  if (coll_init(&nc, st->spec.n_in, st->spec.in_types)) return LAGO_NOMEM_ERR(t->err);
  uint32_t ng = aggtab_groups(t->map);
  arena *ar = arena_new("dd-compact", 64 * 1024);
  uint32_t *rows = mem_alloc(COLL_CHUNK * sizeof(uint32_t)), *gs = mem_alloc(COLL_CHUNK * sizeof(uint32_t));
  vec **cols = mem_calloc(st->spec.n_in + 1, sizeof(vec *));
  int rc = ar && rows && gs && cols ? LAGO_OK : LAGO_NOMEM_ERR(t->err);
  uint32_t g = 0, next = 0;
  while (rc == LAGO_OK && g < ng) {
    uint32_t m = 0;
    for (; g < ng && m < COLL_CHUNK; g++)
      if (t->best[g] != NO_ROW) {
        gs[m] = g;
        rows[m++] = t->best[g];
      }
    if (!m) continue;
    arena_reset(ar);
    for (uint32_t c = 0; c < st->spec.n_in && rc == LAGO_OK; c++) {
      cols[c] = vec_new(ar, st->spec.in_types[c], m);
      if (!cols[c] || coll_gather32(&t->store, c, rows, m, cols[c], 0)) rc = LAGO_NOMEM_ERR(t->err);
    }
    if (rc == LAGO_OK && coll_append_cols(&nc, cols, NULL, m)) rc = LAGO_NOMEM_ERR(t->err);
    for (uint32_t i = 0; i < m; i++) t->best[gs[i]] = next++;
  }
  arena_free(ar);
  mem_free(rows);
  mem_free(gs);
  mem_free(cols);
  if (rc) {
    coll_deinit(&nc);
    return rc;
  }
  coll_deinit(&t->store);
  exec_mem_charge(op->cx, -(ptrdiff_t)t->store_charged);
  t->store_charged = 0;
  t->store = nc;
  t->live_rows = next;
  return LAGO_OK;
}

/* cols: keys ++ payload ++ order keys, rows sel[0..n), n <= COLL_CHUNK. */
static int dd_sink(exec_op *op, dd_st *st, dd_tab *t, vec *const *cols, const uint32_t *sel, uint32_t n, arena *ar) {
  uint32_t *gids = arena_alloc(ar, n * sizeof(uint32_t));
  uint8_t *enc = arena_alloc(ar, (size_t)n * (st->K ? st->K : 1));
  uint32_t *touched = arena_alloc(ar, n * sizeof(uint32_t));
  if (!gids || !enc || !touched) return LAGO_NOMEM_ERR(t->err);
  TRY(aggtab_map(t->map, cols, sel, n, gids));
  TRY(dd_grow(op->cx, st, t, aggtab_groups(t->map)));
  vec *const *ok = cols + st->n_part + st->n_cols; /* order key values */
  sortkey_encode(st->enc, ok, sel, n, enc, st->K);
  uint32_t nt = 0;
  vec **store_ok = NULL;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t g = gids[i];
    if (g == UINT32_MAX) continue;
    uint32_t r = sel ? sel[i] : i;
    const uint8_t *mine = enc + (size_t)i * st->K;
    bool take;
    if (t->pend[g]) {
      uint32_t j = t->pend[g] - 1;
      int c = sortkey_cmp(mine, enc + (size_t)j * st->K, st->K);
      if (!c && st->partial) c = sortkey_tiebreak(st->enc, ok, r, ok, sel ? sel[j] : j);
      take = c < 0;
    } else if (t->best[g] == NO_ROW) {
      take = true;
    } else {
      int c = sortkey_cmp(mine, t->bkey + (size_t)g * st->K, st->K);
      if (!c && st->partial) {
        if (!store_ok) { /* the stored row's order keys, one vector each */
          store_ok = arena_alloc(ar, (st->n_order + 1) * sizeof(vec *));
          if (!store_ok) return LAGO_NOMEM_ERR(t->err);
        }
        uint32_t sr = t->best[g], off = 0; /* same offset in every column of the row's chunk */
        for (uint32_t k = 0; k < st->n_order; k++) store_ok[k] = coll_vec(&t->store, sr, st->n_cols + k, &off);
        c = sortkey_tiebreak(st->enc, ok, r, store_ok, off);
      }
      take = c < 0;
    }
    if (!take) continue;
    if (!t->pend[g]) touched[nt++] = g;
    t->pend[g] = i + 1;
  }
  if (!nt) return LAGO_OK;
  uint32_t *rows = arena_alloc(ar, nt * sizeof(uint32_t));
  if (!rows) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t q = 0; q < nt; q++) {
    uint32_t i = t->pend[touched[q]] - 1;
    rows[q] = sel ? sel[i] : i;
  }
  uint64_t base = t->store.n_rows;
  if (base + nt > UINT32_MAX) return LAGO_ERR(t->err, LAGO_NOMEM, "dedupe: too many rows");
  if (coll_append_cols(&t->store, cols + st->n_part, rows, nt)) return LAGO_NOMEM_ERR(t->err);
  for (uint32_t q = 0; q < nt; q++) {
    uint32_t g = touched[q], i = t->pend[g] - 1;
    if (t->best[g] == NO_ROW) t->live_rows++;
    t->best[g] = (uint32_t)(base + q);
    memcpy(t->bkey + (size_t)g * st->K, enc + (size_t)i * st->K, st->K);
    t->pend[g] = 0;
  }
  exec_mem_track_bytes(op->cx, coll_bytes(&t->store), &t->store_charged);
  if (t->store.n_rows > 65536 && t->store.n_rows > 2 * t->live_rows) {
    TRY(dd_compact(op, st, t));
    exec_mem_track_bytes(op->cx, coll_bytes(&t->store), &t->store_charged);
  }
  return LAGO_OK;
}

/*
** Output of the next chunk of t's groups from chunk *ch on that has a live
** best row (groups dropped by the cross-table step have none): payload
** columns of those rows; *ch moves past it. *n = 0 when t is done.
*/
static int dd_emit(exec_op *op, dd_st *st, dd_tab *t, uint32_t *ch, vec *out, uint32_t *n) {
  uint32_t ng = aggtab_groups(t->map);
  *n = 0;
  uint32_t *rows = arena_alloc(op->out_ar, COLL_CHUNK * sizeof(uint32_t)), m = 0;
  if (!rows) return LAGO_NOMEM_ERR(op->err);
  for (; m == 0; (*ch)++) {
    uint32_t first = *ch << COLL_CHUNK_SHIFT;
    if (first >= ng) return LAGO_OK;
    uint32_t cnt = ng - first < COLL_CHUNK ? ng - first : COLL_CHUNK;
    for (uint32_t i = 0; i < cnt; i++)
      if (t->best[first + i] != NO_ROW) rows[m++] = t->best[first + i];
  }
  for (uint32_t c = 0; c < st->n_cols; c++) {
    if (vec_init(&out[c], op->out_ar, st->spec.in_types[c], m) || coll_gather32(&t->store, c, rows, m, &out[c], 0))
      return LAGO_NOMEM_ERR(op->err);
    out[c].len = m;
  }
  if (op->pl->u.dedupe.emit_row_number) {
    vec *rn = vec_new(op->out_ar, type_make(LT_INT), 1);
    if (!rn || vec_make_const(rn, m)) return LAGO_NOMEM_ERR(op->err);
    VEC_DATA(rn, int32_t)[0] = 1;
    out[st->n_cols] = *rn;
  }
  *n = m;
  return LAGO_OK;
}

/*
** Order of the best rows of group ga of a and gb of b: < 0 when a's comes
** first. oa/ob: room for n_order vector pointers (full comparisons of
** partial keys).
*/
static int dd_cmp_best(dd_st *st, const dd_tab *a, uint32_t ga, const dd_tab *b, uint32_t gb, vec **oa, vec **ob) {
  int c = sortkey_cmp(a->bkey + (size_t)ga * st->K, b->bkey + (size_t)gb * st->K, st->K);
  if (c || !st->partial) return c;
  uint32_t offa = 0, offb = 0; /* same offset in every column of a row's chunk */
  for (uint32_t k = 0; k < st->n_order; k++) {
    oa[k] = coll_vec(&a->store, a->best[ga], st->n_cols + k, &offa);
    ob[k] = coll_vec(&b->store, b->best[gb], st->n_cols + k, &offb);
  }
  return sortkey_tiebreak(st->enc, oa, offa, ob, offb);
}

/*
** Unspilled tables of several threads: a key held by two tables keeps the
** better best row (the earlier table's on a tie) and the other group is
** dropped (best = NO_ROW). Lookups only; no row moves.
*/
static int dd_drop_across(exec_op *op, dd_st *st, dd_tab **tabs, uint32_t n_tabs) {
  uint32_t *gids = mem_alloc(COLL_CHUNK * sizeof(uint32_t)), *hit = mem_alloc(COLL_CHUNK * sizeof(uint32_t));
  vec **ok = mem_alloc((2 * (size_t)st->n_order + 1) * sizeof(vec *));
  int rc = gids && hit && ok ? LAGO_OK : LAGO_NOMEM_ERR(op->err);
  for (uint32_t s = 1; s < n_tabs && rc == LAGO_OK; s++) {
    dd_tab *b = tabs[s];
    uint32_t ng = aggtab_groups(b->map);
    for (uint32_t from = 0; from < ng && rc == LAGO_OK; from += COLL_CHUNK) {
      uint32_t m = 0;
      for (uint32_t g = from; g < ng && g < from + COLL_CHUNK; g++)
        if (b->best[g] != NO_ROW) gids[m++] = g;
      for (uint32_t e = 0; e < s && m && rc == LAGO_OK; e++) {
        dd_tab *a = tabs[e];
        rc = aggtab_lookup_groups(a->map, b->map, gids, m, hit);
        uint32_t keep = 0;
        for (uint32_t i = 0; i < m && rc == LAGO_OK; i++) {
          uint32_t ga = hit[i], gb = gids[i];
          if (ga == UINT32_MAX || a->best[ga] == NO_ROW) {
            gids[keep++] = gb; /* not (or no longer) in a: look in the next table */
          } else if (dd_cmp_best(st, b, gb, a, ga, ok, ok + st->n_order) < 0) {
            a->best[ga] = NO_ROW; /* b's row wins; a key is live in one earlier table at most */
            gids[keep++] = gb;
          } else {
            b->best[gb] = NO_ROW;
          }
        }
        m = keep;
      }
      if (rc == LAGO_OK) rc = exec_check_cancel(op->cx, op->err);
    }
  }
  mem_free(gids);
  mem_free(hit);
  mem_free(ok);
  return rc;
}

/* Re-sinks the best rows of groups gids[0..n) of src into dest. */
static int dd_resink(exec_op *op, dd_st *st, dd_tab *dest, dd_tab *src, const uint32_t *gids, uint32_t n,
                     lago_err *err) {
  uint32_t nk = st->n_part, nin = st->spec.n_in;
  arena *ar = arena_new("dd-resink", 64 * 1024);
  if (!ar) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  for (uint32_t from = 0; from < n && rc == LAGO_OK; from += COLL_CHUNK) {
    uint32_t m = n - from < COLL_CHUNK ? n - from : COLL_CHUNK;
    arena_reset(ar);
    vec **cols = arena_alloc(ar, (nk + nin + 1) * sizeof(vec *));
    uint32_t *rows = arena_alloc(ar, m * sizeof(uint32_t));
    if (!cols || !rows) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    rc = aggtab_gather_keys(src->map, gids + from, m, ar, cols);
    for (uint32_t i = 0; i < m; i++) rows[i] = src->best[gids[from + i]];
    for (uint32_t c = 0; c < nin && rc == LAGO_OK; c++) {
      cols[nk + c] = vec_new(ar, st->spec.in_types[c], m);
      if (!cols[nk + c] || coll_gather32(&src->store, c, rows, m, cols[nk + c], 0)) rc = LAGO_NOMEM_ERR(err);
    }
    if (rc == LAGO_OK) rc = dd_sink(op, st, dest, cols, NULL, m, ar);
  }
  arena_free(ar);
  return rc;
}

/* Sinks every row of a spill file into t. */
static int dd_from_file(exec_op *op, dd_st *st, dd_tab *t, spill_file *f, lago_err *err) {
  arena *ar = arena_new("dd-read", 64 * 1024);
  if (!ar) return LAGO_NOMEM_ERR(err);
  int rc = spill_rewind(f, err);
  while (rc == LAGO_OK) {
    arena_reset(ar);
    batch *b;
    rc = spill_read(f, ar, &b, err);
    if (rc || !b->n_rows) break;
    vec **cols = arena_alloc(ar, (b->n_cols + 1) * sizeof(vec *));
    if (!cols) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    for (uint32_t c = 0; c < b->n_cols; c++) cols[c] = &b->cols[c];
    for (uint32_t from = 0; from < b->n_rows && rc == LAGO_OK; from += COLL_CHUNK) {
      uint32_t take = b->n_rows - from < COLL_CHUNK ? b->n_rows - from : COLL_CHUNK;
      uint32_t *sel = arena_alloc(ar, take * sizeof(uint32_t));
      if (!sel) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      for (uint32_t i = 0; i < take; i++) sel[i] = from + i;
      rc = dd_sink(op, st, t, cols, sel, take, ar);
    }
    if (rc == LAGO_OK) rc = exec_check_cancel(op->cx, err);
  }
  arena_free(ar);
  return rc;
}

/* ---- input ----------------------------------------------------------------------------------- */

typedef struct dd_sink_ctx {
  exec_op *op;
  dd_st *st;
} dd_sink_ctx;

static int dd_pipe_sink(void *ud, int thread, batch *b, lago_err *err) {
  dd_sink_ctx *dc = ud;
  exec_op *op = dc->op;
  dd_st *st = dc->st;
  const plan *p = op->pl;
  dd_thread *th = &st->th[thread];
  if (!th->ar && !(th->ar = arena_new("dd-eval", 64 * 1024))) return LAGO_NOMEM_ERR(err);
  arena_reset(th->ar);
  th->ec = (eval_ctx){th->ar, err, op->cx->now_us, op->cx->tz};
  if (!th->tab) TRY(dd_new(op, st, 0, err, &th->tab));
  th->tab->err = err;
  aggtab_set_err(th->tab->map, err);
  vec **cols = arena_alloc(th->ar, (st->n_part + st->n_cols + st->n_order + 1) * sizeof(vec *));
  if (!cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t k = 0; k < st->n_part; k++) TRY(expr_eval(&th->ec, p->u.dedupe.part[k], b, b->sel, b->n_rows, &cols[k]));
  for (uint32_t c = 0; c < st->n_cols; c++) cols[st->n_part + c] = &b->cols[c];
  for (uint32_t k = 0; k < st->n_order; k++)
    TRY(expr_eval(&th->ec, p->u.dedupe.order[k].e, b, b->sel, b->n_rows, &cols[st->n_part + st->n_cols + k]));
  return dd_sink(op, st, th->tab, cols, b->sel, b->n_rows, th->ar);
}

typedef struct dd_merge_job {
  exec_op *op;
  dd_st *st;
  dd_tab **srcs;
  uint32_t n_srcs;
  int n_workers;
  uint32_t **by_part;   /* per source: its groups ordered by top-level partition */
  uint32_t **part_at;   /* per source: AGGTAB_PARTS + 1 offsets into by_part */
} dd_merge_job;

static int dd_merge_worker(void *ud, int i, lago_err *err) {
  dd_merge_job *mj = ud;
  dd_st *st = mj->st;
  for (uint32_t p = (uint32_t)i; p < AGGTAB_PARTS; p += (uint32_t)mj->n_workers) {
    dd_tab *dest;
    TRY(dd_new(mj->op, st, 1, err, &dest));
    st->merged[p] = dest;
    for (uint32_t s = 0; s < mj->n_srcs; s++) {
      uint32_t a0 = mj->part_at[s][p], a1 = mj->part_at[s][p + 1];
      if (a1 > a0) TRY(dd_resink(mj->op, st, dest, mj->srcs[s], mj->by_part[s] + a0, a1 - a0, err));
      spill_file *f = aggtab_take_part(mj->srcs[s]->map, p);
      if (!f) continue;
      int rc = dd_from_file(mj->op, st, dest, f, err);
      spill_close(f);
      TRY(rc);
    }
  }
  return LAGO_OK;
}

static int dd_run_hash(exec_op *op, dd_st *st) {
  const plan *child = op->pl->children[0];
  st->n_threads = (uint32_t)exec_pipeline_threads(op->cx, child);
  st->th = arena_zalloc(op->ar, st->n_threads * sizeof(dd_thread));
  if (!st->th) return LAGO_NOMEM_ERR(op->err);
  dd_sink_ctx dc = {op, st};
  int rc = exec_pipeline_run(op->cx, child, (int)st->n_threads, dd_pipe_sink, &dc, op->err);
  dd_tab **tabs = arena_alloc(op->ar, st->n_threads * sizeof(dd_tab *));
  uint32_t n_tabs = 0;
  for (uint32_t i = 0; i < st->n_threads; i++) {
    arena_free(st->th[i].ar);
    st->th[i].ar = NULL;
    if (st->th[i].tab) {
      st->th[i].tab->err = op->err;
      aggtab_set_err(st->th[i].tab->map, op->err);
      if (tabs) tabs[n_tabs++] = st->th[i].tab;
    }
  }
  TRY(rc);
  if (!tabs) return LAGO_NOMEM_ERR(op->err);
  if (n_tabs <= 1) {
    st->cur = n_tabs ? tabs[0] : NULL;
    for (uint32_t i = 0; i < st->n_threads; i++) st->th[i].tab = NULL;
    return LAGO_OK;
  }
  bool spilled = false;
  for (uint32_t i = 0; i < n_tabs; i++) spilled |= aggtab_frozen(tabs[i]->map);
  if (!spilled) { /* the tables are emitted one after the other */
    st->merged = arena_alloc(op->ar, n_tabs * sizeof(dd_tab *));
    if (!st->merged) return LAGO_NOMEM_ERR(op->err);
    memcpy(st->merged, tabs, n_tabs * sizeof(dd_tab *));
    st->n_merged = n_tabs;
    for (uint32_t i = 0; i < st->n_threads; i++) st->th[i].tab = NULL;
    return dd_drop_across(op, st, tabs, n_tabs);
  }
  st->merged = arena_zalloc(op->ar, AGGTAB_PARTS * sizeof(dd_tab *));
  if (!st->merged) return LAGO_NOMEM_ERR(op->err);
  st->n_merged = AGGTAB_PARTS;
  dd_merge_job mj = {op, st, tabs, n_tabs, op->cx->n_threads, NULL, NULL};
  mj.by_part = mem_calloc(n_tabs, sizeof(uint32_t *));
  mj.part_at = mem_calloc(n_tabs, sizeof(uint32_t *));
  rc = mj.by_part && mj.part_at ? LAGO_OK : LAGO_NOMEM_ERR(op->err);
  for (uint32_t s = 0; s < n_tabs && rc == LAGO_OK; s++) { /* counting sort of each source's groups */
    uint32_t ng = aggtab_groups(tabs[s]->map);
    const uint64_t *hs = aggtab_hashes(tabs[s]->map);
    mj.by_part[s] = mem_alloc((ng ? ng : 1) * sizeof(uint32_t));
    mj.part_at[s] = mem_calloc(AGGTAB_PARTS + 1, sizeof(uint32_t));
    if (!mj.by_part[s] || !mj.part_at[s]) {
      rc = LAGO_NOMEM_ERR(op->err);
      break;
    }
    uint32_t *at = mj.part_at[s];
    for (uint32_t g = 0; g < ng; g++) at[aggtab_part_of(hs[g], 0) + 1]++;
    for (uint32_t q = 0; q < AGGTAB_PARTS; q++) at[q + 1] += at[q];
    uint32_t pos[AGGTAB_PARTS];
    memcpy(pos, at, sizeof pos);
    for (uint32_t g = 0; g < ng; g++) mj.by_part[s][pos[aggtab_part_of(hs[g], 0)]++] = g;
  }
  if (rc == LAGO_OK) rc = exec_parallel_for(op->cx, mj.n_workers, dd_merge_worker, &mj, op->err);
  for (uint32_t s = 0; s < n_tabs; s++) {
    if (mj.by_part) mem_free(mj.by_part[s]);
    if (mj.part_at) mem_free(mj.part_at[s]);
  }
  mem_free(mj.by_part);
  mem_free(mj.part_at);
  for (uint32_t i = 0; i < st->n_threads; i++) {
    dd_free(op->cx, st->th[i].tab);
    st->th[i].tab = NULL;
  }
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++)
    if (st->merged[p]) {
      st->merged[p]->err = op->err;
      aggtab_set_err(st->merged[p]->map, op->err);
    }
  return rc;
}

static int push_parts(exec_op *op, dd_st *st, dd_tab *t) {
  for (uint32_t p = AGGTAB_PARTS; p-- > 0;) {
    spill_file *f = aggtab_take_part(t->map, p);
    if (!f) continue;
    if (st->n_work == st->cap_work) {
      uint32_t nc = st->cap_work ? st->cap_work * 2 : 64;
      dd_work *w = mem_realloc(st->work, nc * sizeof *w);
      if (!w) {
        spill_close(f);
        return LAGO_NOMEM_ERR(op->err);
      }
      st->work = w;
      st->cap_work = nc;
    }
    st->work[st->n_work++] = (dd_work){f, aggtab_level(t->map) + 1};
  }
  return LAGO_OK;
}

static int dd_next_table(exec_op *op, dd_st *st, bool *have) {
  *have = false;
  if (st->cur) {
    TRY(push_parts(op, st, st->cur));
    dd_free(op->cx, st->cur);
    st->cur = NULL;
  }
  st->chunk = 0;
  if (st->n_work) {
    dd_work w = st->work[--st->n_work];
    int rc = dd_new(op, st, w.level, op->err, &st->cur);
    if (rc == LAGO_OK) rc = dd_from_file(op, st, st->cur, w.file, op->err);
    spill_close(w.file);
    TRY(rc);
    *have = true;
    return LAGO_OK;
  }
  while (st->next_merged < st->n_merged) {
    dd_tab *t = st->merged[st->next_merged];
    st->merged[st->next_merged++] = NULL;
    if (!t) continue;
    st->cur = t;
    *have = true;
    return LAGO_OK;
  }
  return LAGO_OK;
}

/* ---- keep > 1: through the sort engine ----------------------------------------------------------- */

typedef struct dd_sort_ctx {
  exec_op *op;
  dd_st *st;
  sorter **ss;
  arena **ars;
} dd_sort_ctx;

static int dd_sort_sink(void *ud, int thread, batch *b, lago_err *err) {
  dd_sort_ctx *sc = ud;
  if (!sc->ars[thread] && !(sc->ars[thread] = arena_new("dd-sort", 64 * 1024))) return LAGO_NOMEM_ERR(err);
  arena_reset(sc->ars[thread]);
  eval_ctx ec = {sc->ars[thread], err, sc->op->cx->now_us, sc->op->cx->tz};
  if (!sc->ss[thread]) TRY(sorter_new(sc->op->cx, &sc->st->sspec, err, &sc->ss[thread]));
  return sorter_sink(sc->ss[thread], &ec, b);
}

static int dd_run_sort(exec_op *op, dd_st *st) {
  const plan *p = op->pl;
  uint32_t nk = p->u.dedupe.n_part + p->u.dedupe.n_order;
  sort_key *keys = arena_alloc(op->ar, (nk + 1) * sizeof(sort_key));
  if (!keys) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t k = 0; k < p->u.dedupe.n_part; k++) keys[k] = (sort_key){p->u.dedupe.part[k], false, true};
  for (uint32_t k = 0; k < p->u.dedupe.n_order; k++) keys[p->u.dedupe.n_part + k] = p->u.dedupe.order[k];
  st->sspec = (sorter_spec){st->n_cols, p->children[0]->types, nk, keys, -1};
  int n = exec_pipeline_threads(op->cx, p->children[0]);
  dd_sort_ctx sc = {op, st, mem_calloc((size_t)n, sizeof(sorter *)), mem_calloc((size_t)n, sizeof(arena *))};
  int rc = sc.ss && sc.ars ? exec_pipeline_run(op->cx, p->children[0], n, dd_sort_sink, &sc, op->err)
                           : LAGO_NOMEM_ERR(op->err);
  for (int i = 0; sc.ars && i < n; i++) arena_free(sc.ars[i]);
  mem_free(sc.ars);
  if (rc == LAGO_OK && sc.ss) rc = sort_finish(op->cx, sc.ss, (uint32_t)n, 0, -1, op->err, &st->res);
  else if (sc.ss)
    for (int i = 0; i < n; i++) sorter_free(sc.ss[i]);
  mem_free(sc.ss);
  TRY(rc);
  st->prev_ar = arena_new("dd-prev", 4096);
  st->prev_part = arena_zalloc(op->ar, (st->n_part + 1) * sizeof(vec));
  if (!st->prev_ar || !st->prev_part) return LAGO_NOMEM_ERR(op->err);
  return LAGO_OK;
}

static int dd_sorted_next(exec_op *op, dd_st *st, batch *out) {
  const plan *p = op->pl;
  for (;;) {
    exec_op_reset_out(op);
    vec *cols = arena_alloc(op->out_ar, (st->n_cols + 2) * sizeof(vec));
    if (!cols) return LAGO_NOMEM_ERR(op->err);
    uint32_t n;
    TRY(sort_result_next(st->res, op->out_ar, cols, &n));
    if (!n) return LAGO_OK;
    batch b;
    memset(&b, 0, sizeof b);
    b.n_cols = st->n_cols;
    b.cols = cols;
    b.n_rows = n;
    b.ar = op->out_ar;
    vec **pk = arena_alloc(op->out_ar, (st->n_part + 1) * sizeof(vec *));
    uint32_t *sel = arena_alloc(op->out_ar, n * sizeof(uint32_t));
    vec *rn = vec_new(op->out_ar, type_make(LT_INT), n);
    if (!pk || !sel || !rn) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t k = 0; k < st->n_part; k++) TRY(expr_eval(&op->ec, p->u.dedupe.part[k], &b, NULL, n, &pk[k]));
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
      bool same = st->have_prev;
      for (uint32_t k = 0; k < st->n_part && same; k++) same = vecops_equal_nulls(pk[k], i, &st->prev_part[k], 0);
      if (!same) {
        arena_reset(st->prev_ar);
        for (uint32_t k = 0; k < st->n_part; k++) {
          if (vec_init(&st->prev_part[k], st->prev_ar, pk[k]->type, 1) || vec_copy_row(&st->prev_part[k], 0, pk[k], i))
            return LAGO_NOMEM_ERR(op->err);
          st->prev_part[k].len = 1;
        }
        st->have_prev = true;
        st->in_part = 0;
      }
      st->in_part++;
      if (st->in_part <= p->u.dedupe.keep) {
        VEC_DATA(rn, int32_t)[i] = (int32_t)st->in_part;
        sel[m++] = i;
      }
    }
    if (!m) continue;
    if (p->u.dedupe.emit_row_number) {
      rn->len = n;
      cols[st->n_cols] = *rn;
      b.n_cols = st->n_cols + 1;
    }
    *out = b;
    out->sel = sel;
    out->n_rows = m;
    return LAGO_OK;
  }
}

/* ---- operator --------------------------------------------------------------------------------------- */

static int dd_open(exec_op *op) {
  dd_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  const plan *p = op->pl;
  st->n_part = p->u.dedupe.n_part;
  st->n_cols = p->children[0]->n_cols;
  st->n_order = p->u.dedupe.n_order;
  lago_type *kt = arena_alloc(op->ar, (st->n_part + 1) * sizeof(lago_type));
  lago_type *it = arena_alloc(op->ar, (st->n_cols + st->n_order + 1) * sizeof(lago_type));
  int32_t *fc = arena_alloc(op->ar, sizeof(int32_t));
  if (!kt || !it || !fc) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t k = 0; k < st->n_part; k++) kt[k] = p->u.dedupe.part[k]->type;
  for (uint32_t c = 0; c < st->n_cols; c++) it[c] = p->children[0]->types[c];
  for (uint32_t k = 0; k < st->n_order; k++) it[st->n_cols + k] = p->u.dedupe.order[k].e->type;
  st->spec = (aggtab_spec){st->n_part, kt, st->n_cols + st->n_order, it, 0, NULL, NULL, fc, -1};
  if (sortkey_enc_new(op->ar, p->u.dedupe.order, st->n_order, &st->enc)) return LAGO_NOMEM_ERR(op->err);
  st->K = sortkey_enc_bytes(st->enc);
  st->partial = sortkey_enc_partial(st->enc);
  return LAGO_OK;
}

static int dd_next(exec_op *op, batch *out) {
  dd_st *st = op->st;
  const plan *p = op->pl;
  if (st->state == DD_INIT) {
    if (p->u.dedupe.keep > 1) {
      TRY(dd_run_sort(op, st));
      st->state = DD_SORTED;
    } else {
      TRY(dd_run_hash(op, st));
      st->state = DD_EMIT;
      if (!st->cur) {
        bool have;
        TRY(dd_next_table(op, st, &have));
        if (!have) st->state = DD_DONE;
      }
    }
  }
  if (st->state == DD_SORTED) {
    TRY(dd_sorted_next(op, st, out));
    if (!out->n_rows) st->state = DD_DONE;
    return LAGO_OK;
  }
  while (st->state == DD_EMIT) {
    exec_op_reset_out(op);
    vec *cols = arena_alloc(op->out_ar, (p->n_cols + 1) * sizeof(vec));
    if (!cols) return LAGO_NOMEM_ERR(op->err);
    uint32_t n;
    TRY(dd_emit(op, st, st->cur, &st->chunk, cols, &n));
    if (n) {
      out->n_cols = p->n_cols;
      out->cols = cols;
      out->n_rows = n;
      out->ar = op->out_ar;
      return LAGO_OK;
    }
    bool have;
    TRY(dd_next_table(op, st, &have));
    if (!have) st->state = DD_DONE;
  }
  return LAGO_OK;
}

static void dd_close(exec_op *op) {
  dd_st *st = op->st;
  if (!st) return;
  for (uint32_t i = 0; st->th && i < st->n_threads; i++) {
    dd_free(op->cx, st->th[i].tab);
    st->th[i].tab = NULL;
    arena_free(st->th[i].ar);
    st->th[i].ar = NULL;
  }
  dd_free(op->cx, st->cur);
  st->cur = NULL;
  for (uint32_t q = 0; q < st->n_merged; q++) {
    dd_free(op->cx, st->merged[q]);
    st->merged[q] = NULL;
  }
  for (uint32_t i = 0; i < st->n_work; i++) spill_close(st->work[i].file);
  st->n_work = 0;
  mem_free(st->work);
  st->work = NULL;
  sort_result_free(st->res);
  st->res = NULL;
  arena_free(st->prev_ar);
  st->prev_ar = NULL;
}

static const exec_op_vtab k_dedupe_vt = {"Dedupe", dd_open, dd_next, dd_close};

int op_dedupe_init(exec_op *op) {
  op->vt = &k_dedupe_vt;
  return LAGO_OK;
}
