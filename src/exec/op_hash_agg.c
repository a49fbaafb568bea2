/*
** exec/op_hash_agg.c: GROUP BY / DISTINCT / global aggregates.
**
** States: HA_INIT (on the first next: run the input pipeline into one
** aggtab per thread; merge; feed DISTINCT aggregates), HA_EMIT (hand out the
** groups of the current table chunk by chunk; when a table is done, its
** spilled partitions are aggregated one by one by fresh tables), HA_DONE.
**
** Parallelism: each pipeline copy aggregates into its own table; then the 32
** top-level hash partitions are merged in parallel (combine of states), each
** also absorbing the rows its sources spilled. DISTINCT aggregates (e.g.
** COUNT(DISTINCT x)) run the input on one thread: each distinct aggregate
** keeps a table keyed on (group keys, arguments) that deduplicates rows, and
** its distinct rows are then fed to the main table with that aggregate's tag.
**
** Input rows of the main table (aggtab_spec): group keys, a tag column (when
** there are DISTINCT aggregates), each aggregate's arguments, each FILTER.
*/
#include "exec/aggtab.h"
#include "util/alloc.h"

typedef enum { HA_INIT, HA_EMIT, HA_DONE } ha_state;

typedef struct work_item {
  spill_file *file;   /* rows of one partition */
  uint32_t level;     /* level of the table that aggregates them */
} work_item;

typedef struct ha_thread {
  aggtab *tab;
  aggtab **dtabs;     /* per aggregate: its distinct table (NULL for non-DISTINCT) */
  arena *ar;          /* evaluation arena, reset per batch */
  eval_ctx ec;
} ha_thread;

typedef struct ha_st {
  ha_state state;
  aggtab_spec spec;
  aggtab_spec *dspec;   /* per aggregate (DISTINCT only): keys = groups ++ arguments */
  bool has_distinct;
  uint32_t n_threads;
  ha_thread *th;
  aggtab *cur;          /* table being emitted */
  uint32_t chunk;
  aggtab **merged;      /* parallel: one table per partition, emitted in order */
  uint32_t n_merged, next_merged;
  work_item *work;      /* stack of spilled partitions to aggregate */
  uint32_t n_work, cap_work;
} ha_st;

/* ---- schema ------------------------------------------------------------------------------------ */

static int build_spec(exec_op *op, ha_st *st) {
  const plan *p = op->pl;
  uint32_t ng = p->u.agg.n_groups, na = p->u.agg.n_aggs;
  aggtab_spec *sp = &st->spec;
  lago_type *kt = arena_alloc(op->ar, (ng ? ng : 1) * sizeof(lago_type));
  const agg_bind **aggs = arena_alloc(op->ar, (na ? na : 1) * sizeof(agg_bind *));
  uint32_t *argc = arena_alloc(op->ar, (na ? na : 1) * sizeof(uint32_t));
  int32_t *fc = arena_alloc(op->ar, (na ? na : 1) * sizeof(int32_t));
  if (!kt || !aggs || !argc || !fc) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < ng; i++) kt[i] = p->u.agg.groups[i]->type;
  uint32_t n_in = 0;
  for (uint32_t a = 0; a < na; a++) {
    st->has_distinct |= p->u.agg.aggs[a]->b.distinct;
    n_in += p->u.agg.aggs[a]->b.n_args + (p->u.agg.aggs[a]->filter ? 1 : 0);
  }
  lago_type *it = arena_alloc(op->ar, (n_in + 2) * sizeof(lago_type));
  if (!it) return LAGO_NOMEM_ERR(op->err);
  uint32_t k = 0;
  sp->tag_col = -1;
  if (st->has_distinct) {
    sp->tag_col = (int32_t)k;
    it[k++] = type_make(LT_INT);
  }
  for (uint32_t a = 0; a < na; a++) {
    const agg_call *c = p->u.agg.aggs[a];
    aggs[a] = &c->b;
    argc[a] = k;
    for (uint32_t j = 0; j < c->b.n_args; j++) it[k++] = c->args[j]->type;
    fc[a] = -1;
    if (c->filter) {
      fc[a] = (int32_t)k;
      it[k++] = type_make(LT_BOOLEAN);
    }
  }
  sp->n_keys = ng;
  sp->key_types = kt;
  sp->n_in = k;
  sp->in_types = it;
  sp->n_aggs = na;
  sp->aggs = aggs;
  sp->arg_col = argc;
  sp->filter_col = fc;
  if (st->has_distinct) {
    st->dspec = arena_zalloc(op->ar, na * sizeof(aggtab_spec));
    if (!st->dspec) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t a = 0; a < na; a++) {
      const agg_call *c = p->u.agg.aggs[a];
      if (!c->b.distinct) continue;
      lago_type *dk = arena_alloc(op->ar, (ng + c->b.n_args + 1) * sizeof(lago_type));
      if (!dk) return LAGO_NOMEM_ERR(op->err);
      for (uint32_t i = 0; i < ng; i++) dk[i] = kt[i];
      for (uint32_t j = 0; j < c->b.n_args; j++) dk[ng + j] = c->args[j]->type;
      st->dspec[a].n_keys = ng + c->b.n_args;
      st->dspec[a].key_types = dk;
      st->dspec[a].tag_col = -1;
    }
  }
  return LAGO_OK;
}

/* ---- input ------------------------------------------------------------------------------------- */

typedef struct ha_sink_ctx {
  exec_op *op;
  ha_st *st;
} ha_sink_ctx;

static int new_table(exec_op *op, const aggtab_spec *sp, uint32_t level, lago_err *err, aggtab **out) {
  return aggtab_new(op->cx, sp, level, err, out);
}

static int ha_sink(void *ud, int thread, batch *b, lago_err *err) {
  ha_sink_ctx *hc = ud;
  exec_op *op = hc->op;
  ha_st *st = hc->st;
  const plan *p = op->pl;
  ha_thread *th = &st->th[thread];
  const aggtab_spec *sp = &st->spec;
  if (!th->ar && !(th->ar = arena_new("agg-eval", 64 * 1024))) return LAGO_NOMEM_ERR(err);
  arena_reset(th->ar);
  th->ec.ar = th->ar;
  th->ec.err = err;
  th->ec.now_us = op->cx->now_us;
  th->ec.tz = op->cx->tz;
  if (!th->tab) TRY(new_table(op, sp, 0, err, &th->tab));
  aggtab_set_err(th->tab, err);
  uint32_t len = eval_len(b->sel, b->n_rows);
  vec **cols = arena_alloc(th->ar, (sp->n_keys + sp->n_in + 1) * sizeof(vec *));
  if (!cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < sp->n_keys; i++) TRY(expr_eval(&th->ec, p->u.agg.groups[i], b, b->sel, b->n_rows, &cols[i]));
  vec **in = cols + sp->n_keys;
  if (sp->tag_col >= 0) {
    vec *tag = vec_new(th->ar, type_make(LT_INT), 1);
    if (!tag || vec_make_const(tag, len)) return LAGO_NOMEM_ERR(err);
    VEC_DATA(tag, int32_t)[0] = 0;
    in[sp->tag_col] = tag;
  }
  for (uint32_t a = 0; a < sp->n_aggs; a++) {
    const agg_call *c = p->u.agg.aggs[a];
    for (uint32_t j = 0; j < c->b.n_args; j++) {
      if (c->b.distinct) {
        if (!(in[sp->arg_col[a] + j] = vec_new_const_null(th->ar, c->args[j]->type, len))) return LAGO_NOMEM_ERR(err);
      } else {
        TRY(expr_eval(&th->ec, c->args[j], b, b->sel, b->n_rows, &in[sp->arg_col[a] + j]));
      }
    }
    if (c->filter) {
      if (c->b.distinct) {
        if (!(in[sp->filter_col[a]] = vec_new_const_null(th->ar, type_make(LT_BOOLEAN), len))) return LAGO_NOMEM_ERR(err);
      } else {
        TRY(expr_eval(&th->ec, c->filter, b, b->sel, b->n_rows, &in[sp->filter_col[a]]));
      }
    }
  }
  TRY(aggtab_sink(th->tab, cols, b->sel, b->n_rows));
  if (!st->has_distinct) return LAGO_OK;
  /* DISTINCT aggregates: (keys, args) rows into their distinct tables */
  for (uint32_t a = 0; a < sp->n_aggs; a++) {
    const agg_call *c = p->u.agg.aggs[a];
    if (!c->b.distinct) continue;
    if (!th->dtabs[a]) TRY(new_table(op, &st->dspec[a], 0, err, &th->dtabs[a]));
    aggtab_set_err(th->dtabs[a], err);
    vec **dc = arena_alloc(th->ar, (sp->n_keys + c->b.n_args + 1) * sizeof(vec *));
    if (!dc) return LAGO_NOMEM_ERR(err);
    for (uint32_t i = 0; i < sp->n_keys; i++) dc[i] = cols[i];
    for (uint32_t j = 0; j < c->b.n_args; j++)
      TRY(expr_eval(&th->ec, c->args[j], b, b->sel, b->n_rows, &dc[sp->n_keys + j]));
    const uint32_t *rows = b->sel;
    uint32_t m = b->n_rows;
    if (c->filter) {
      uint32_t *fs = arena_alloc(th->ar, (b->n_rows ? b->n_rows : 1) * sizeof(uint32_t));
      if (!fs) return LAGO_NOMEM_ERR(err);
      TRY(expr_select(&th->ec, c->filter, b, b->sel, b->n_rows, fs, &m));
      rows = fs;
    }
    /* NULL arguments never count: drop those rows here */
    uint32_t *nn = arena_alloc(th->ar, (m ? m : 1) * sizeof(uint32_t)), k = 0;
    if (!nn) return LAGO_NOMEM_ERR(err);
    for (uint32_t i = 0; i < m; i++) {
      uint32_t r = rows ? rows[i] : i;
      bool ok = true;
      for (uint32_t j = 0; j < c->b.n_args && ok; j++) ok = vec_is_valid(dc[sp->n_keys + j], r);
      if (ok) nn[k++] = r;
    }
    if (k) TRY(aggtab_sink(th->dtabs[a], dc, nn, k));
  }
  return LAGO_OK;
}

/* ---- spilled partitions ------------------------------------------------------------------------- */

static int push_work(exec_op *op, ha_st *st, spill_file *f, uint32_t level) {
  if (st->n_work == st->cap_work) {
    uint32_t nc = st->cap_work ? st->cap_work * 2 : 64;
    work_item *w = mem_realloc(st->work, nc * sizeof *w);
    if (!w) {
      spill_close(f);
      return LAGO_NOMEM_ERR(op->err);
    }
    st->work = w;
    st->cap_work = nc;
  }
  st->work[st->n_work++] = (work_item){f, level};
  return LAGO_OK;
}

/* Pushes the spilled partitions of t (to be aggregated one level down). */
static int push_parts(exec_op *op, ha_st *st, aggtab *t) {
  for (uint32_t p = AGGTAB_PARTS; p-- > 0;) {
    spill_file *f = aggtab_take_part(t, p);
    if (f) TRY(push_work(op, st, f, aggtab_level(t) + 1));
  }
  return LAGO_OK;
}

/* Aggregates every row of f into a fresh table t of the given spec. */
static int table_from_file(exec_op *op, const aggtab_spec *sp, spill_file *f, uint32_t level, aggtab **out) {
  aggtab *t;
  TRY(new_table(op, sp, level, op->err, &t));
  arena *ar = arena_new("spill-read", 64 * 1024);
  int rc = ar ? spill_rewind(f, op->err) : LAGO_NOMEM_ERR(op->err);
  while (rc == LAGO_OK) {
    arena_reset(ar);
    batch *b;
    rc = spill_read(f, ar, &b, op->err);
    if (rc || b->n_rows == 0) break;
    vec **cols = arena_alloc(ar, (b->n_cols + 1) * sizeof(vec *));
    if (!cols) {
      rc = LAGO_NOMEM_ERR(op->err);
      break;
    }
    for (uint32_t c = 0; c < b->n_cols; c++) cols[c] = &b->cols[c];
    rc = aggtab_sink(t, cols, NULL, b->n_rows);
    if (rc == LAGO_OK) rc = exec_check_cancel(op->cx, op->err);
  }
  arena_free(ar);
  if (rc) {
    aggtab_free(t);
    return rc;
  }
  *out = t;
  return LAGO_OK;
}

/* ---- DISTINCT aggregates: feed the distinct rows into the main table ---------------------------- */

static int feed_distinct_rows(exec_op *op, ha_st *st, uint32_t a, vec *dcols, uint32_t n) {
  const aggtab_spec *sp = &st->spec;
  const agg_call *c = op->pl->u.agg.aggs[a];
  arena *ar = op->out_ar;
  vec **cols = arena_alloc(ar, (sp->n_keys + sp->n_in + 1) * sizeof(vec *));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < sp->n_keys; i++) cols[i] = &dcols[i];
  vec **in = cols + sp->n_keys;
  for (uint32_t k = 0; k < sp->n_in; k++)
    if (!(in[k] = vec_new_const_null(ar, sp->in_types[k], n))) return LAGO_NOMEM_ERR(op->err);
  VEC_DATA(in[sp->tag_col], int32_t)[0] = (int32_t)a + 1;
  vec_set_valid(in[sp->tag_col], 0);
  for (uint32_t j = 0; j < c->b.n_args; j++) in[sp->arg_col[a] + j] = &dcols[sp->n_keys + j];
  if (sp->filter_col[a] >= 0) {
    vec *t = in[sp->filter_col[a]];
    VEC_DATA(t, uint8_t)[0] = 1;
    vec_set_valid(t, 0);
  }
  return aggtab_sink(st->th[0].tab, cols, NULL, n);
}

/* Emits every distinct row of dt (and of its spilled partitions, recursively) into the main table. */
static int drain_distinct(exec_op *op, ha_st *st, uint32_t a, aggtab *dt) {
  const aggtab_spec *ds = &st->dspec[a];
  vec *out = arena_alloc(op->ar, (ds->n_keys + 1) * sizeof(vec));
  if (!out) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t ch = 0;; ch++) {
    exec_op_reset_out(op);
    uint32_t n;
    TRY(aggtab_emit(dt, ch, op->out_ar, out, &n));
    if (!n) break;
    TRY(feed_distinct_rows(op, st, a, out, n));
  }
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++) {
    spill_file *f = aggtab_take_part(dt, p);
    if (!f) continue;
    aggtab *sub;
    int rc = table_from_file(op, ds, f, aggtab_level(dt) + 1, &sub);
    spill_close(f);
    if (rc) return rc;
    rc = drain_distinct(op, st, a, sub);
    aggtab_free(sub);
    if (rc) return rc;
  }
  return LAGO_OK;
}

/* ---- parallel merge --------------------------------------------------------------------------- */

typedef struct merge_job {
  exec_op *op;
  ha_st *st;
  aggtab **srcs;
  uint32_t n_srcs;
  int n_workers;
} merge_job;

static int merge_worker(void *ud, int i, lago_err *err) {
  merge_job *mj = ud;
  exec_op *op = mj->op;
  ha_st *st = mj->st;
  for (uint32_t p = (uint32_t)i; p < AGGTAB_PARTS; p += (uint32_t)mj->n_workers) {
    TRY(exec_check_cancel(op->cx, err));
    aggtab *dest;
    TRY(new_table(op, &st->spec, 1, err, &dest));
    st->merged[p] = dest;
    TRY(aggtab_merge_part(dest, mj->srcs, mj->n_srcs, p));
    /* rows the sources spilled into partition p */
    for (uint32_t s = 0; s < mj->n_srcs; s++) {
      spill_file *f = aggtab_take_part(mj->srcs[s], p);
      if (!f) continue;
      arena *ar = arena_new("merge-read", 64 * 1024);
      int rc = ar ? spill_rewind(f, err) : LAGO_NOMEM_ERR(err);
      while (rc == LAGO_OK) {
        arena_reset(ar);
        batch *b;
        rc = spill_read(f, ar, &b, err);
        if (rc || b->n_rows == 0) break;
        vec **cols = arena_alloc(ar, (b->n_cols + 1) * sizeof(vec *));
        if (!cols) {
          rc = LAGO_NOMEM_ERR(err);
          break;
        }
        for (uint32_t c = 0; c < b->n_cols; c++) cols[c] = &b->cols[c];
        rc = aggtab_sink(dest, cols, NULL, b->n_rows);
      }
      arena_free(ar);
      spill_close(f);
      TRY(rc);
    }
  }
  return LAGO_OK;
}

/* ---- driver ------------------------------------------------------------------------------------ */

static int ha_run_input(exec_op *op, ha_st *st) {
  const plan *child = op->pl->children[0];
  int max_t = st->has_distinct ? 1 : op->cx->n_threads;
  int n = exec_pipeline_threads(op->cx, child);
  if (n > max_t) n = max_t;
  st->n_threads = (uint32_t)n;
  st->th = arena_zalloc(op->ar, (size_t)n * sizeof(ha_thread));
  if (!st->th) return LAGO_NOMEM_ERR(op->err);
  if (st->has_distinct) {
    st->th[0].dtabs = arena_zalloc(op->ar, st->spec.n_aggs * sizeof(aggtab *));
    if (!st->th[0].dtabs) return LAGO_NOMEM_ERR(op->err);
  }
  ha_sink_ctx hc = {op, st};
  int rc = exec_pipeline_run(op->cx, child, n, ha_sink, &hc, op->err);
  for (uint32_t i = 0; i < st->n_threads; i++) {
    arena_free(st->th[i].ar);
    st->th[i].ar = NULL;
    if (st->th[i].tab) aggtab_set_err(st->th[i].tab, op->err);
  }
  TRY(rc);
  /* at least one table (no input at all) */
  if (!st->th[0].tab) TRY(new_table(op, &st->spec, 0, op->err, &st->th[0].tab));
  if (st->has_distinct) {
    for (uint32_t a = 0; a < st->spec.n_aggs; a++) {
      aggtab *dt = st->th[0].dtabs[a];
      if (!dt) continue;
      aggtab_set_err(dt, op->err);
      rc = drain_distinct(op, st, a, dt);
      aggtab_free(dt);
      st->th[0].dtabs[a] = NULL;
      TRY(rc);
    }
  }
  uint32_t n_tabs = 0;
  aggtab **tabs = arena_alloc(op->ar, st->n_threads * sizeof(aggtab *));
  if (!tabs) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < st->n_threads; i++)
    if (st->th[i].tab) tabs[n_tabs++] = st->th[i].tab;
  if (n_tabs == 1) {
    st->cur = tabs[0];
    st->th[0].tab = NULL;
    for (uint32_t i = 0; i < st->n_threads; i++) st->th[i].tab = NULL;
    if (st->spec.n_keys == 0) TRY(aggtab_add_empty_group(st->cur));
    return LAGO_OK;
  }
  /*
  ** Several thread-local tables. None spilled: absorb the others into the
  ** biggest one, freeing each as it goes (peak memory about the tables
  ** already built, not twice; one merge per group of the smaller tables).
  */
  bool any_frozen = false;
  uint32_t big = 0;
  for (uint32_t i = 0; i < n_tabs; i++) {
    any_frozen |= aggtab_frozen(tabs[i]);
    if (aggtab_groups(tabs[i]) > aggtab_groups(tabs[big])) big = i;
  }
  if (!any_frozen) {
    for (uint32_t i = 0; i < n_tabs; i++) { /* every other table is freed, also after an error */
      if (i == big) continue;
      if (rc == LAGO_OK) rc = exec_check_cancel(op->cx, op->err);
      if (rc == LAGO_OK) rc = aggtab_absorb(tabs[big], tabs[i]);
      aggtab_free(tabs[i]);
      tabs[i] = NULL;
    }
    st->cur = tabs[big];
    for (uint32_t i = 0; i < st->n_threads; i++) st->th[i].tab = NULL;
    TRY(rc);
    if (st->spec.n_keys == 0) TRY(aggtab_add_empty_group(st->cur));
    return LAGO_OK;
  }
  /* some spilled: merge partition by partition in parallel */
  st->merged = arena_zalloc(op->ar, AGGTAB_PARTS * sizeof(aggtab *));
  if (!st->merged) return LAGO_NOMEM_ERR(op->err);
  st->n_merged = AGGTAB_PARTS;
  merge_job mj = {op, st, tabs, n_tabs, op->cx->n_threads};
  for (uint32_t i = 0; i < n_tabs && rc == LAGO_OK; i++) rc = aggtab_prepare_merge(tabs[i]);
  if (rc == LAGO_OK) rc = exec_parallel_for(op->cx, mj.n_workers, merge_worker, &mj, op->err);
  for (uint32_t i = 0; i < st->n_threads; i++) {
    aggtab_free(st->th[i].tab);
    st->th[i].tab = NULL;
  }
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++)
    if (st->merged[p]) aggtab_set_err(st->merged[p], op->err);
  TRY(rc);
  if (st->spec.n_keys == 0) TRY(aggtab_add_empty_group(st->merged[0]));
  return LAGO_OK;
}

static int ha_open(exec_op *op) {
  ha_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  return build_spec(op, st);
}

/* Makes st->cur the next table to emit; false when everything is done. */
static int next_table(exec_op *op, ha_st *st, bool *have) {
  *have = false;
  if (st->cur) {
    TRY(push_parts(op, st, st->cur));
    aggtab_free(st->cur);
    st->cur = NULL;
  }
  if (st->n_work) {
    work_item w = st->work[--st->n_work];
    int rc = table_from_file(op, &st->spec, w.file, w.level, &st->cur);
    spill_close(w.file);
    TRY(rc);
    st->chunk = 0;
    *have = true;
    return LAGO_OK;
  }
  while (st->next_merged < st->n_merged) {
    aggtab *t = st->merged[st->next_merged];
    st->merged[st->next_merged++] = NULL;
    if (!t) continue;
    st->cur = t;
    st->chunk = 0;
    *have = true;
    return LAGO_OK;
  }
  return LAGO_OK;
}

static int ha_next(exec_op *op, batch *out) {
  ha_st *st = op->st;
  const plan *p = op->pl;
  if (st->state == HA_INIT) {
    TRY(ha_run_input(op, st));
    st->state = HA_EMIT;
    if (!st->cur) {
      bool have;
      TRY(next_table(op, st, &have));
      if (!have) st->state = HA_DONE;
    }
  }
  while (st->state == HA_EMIT) {
    exec_op_reset_out(op);
    vec *cols = arena_alloc(op->out_ar, (p->n_cols ? p->n_cols : 1) * sizeof(vec));
    if (!cols) return LAGO_NOMEM_ERR(op->err);
    uint32_t n;
    TRY(aggtab_emit(st->cur, st->chunk, op->out_ar, cols, &n));
    if (n) {
      st->chunk++;
      out->n_cols = p->n_cols;
      out->cols = cols;
      out->n_rows = n;
      out->ar = op->out_ar;
      return LAGO_OK;
    }
    bool have;
    TRY(next_table(op, st, &have));
    if (!have) st->state = HA_DONE;
  }
  return LAGO_OK;
}

static void ha_close(exec_op *op) {
  ha_st *st = op->st;
  if (!st) return;
  for (uint32_t i = 0; i < st->n_threads && st->th; i++) {
    aggtab_free(st->th[i].tab);
    st->th[i].tab = NULL;
    arena_free(st->th[i].ar);
    st->th[i].ar = NULL;
    if (st->th[i].dtabs)
      for (uint32_t a = 0; a < st->spec.n_aggs; a++) {
        aggtab_free(st->th[i].dtabs[a]);
        st->th[i].dtabs[a] = NULL;
      }
  }
  aggtab_free(st->cur);
  st->cur = NULL;
  for (uint32_t p = 0; p < st->n_merged; p++) {
    aggtab_free(st->merged[p]);
    st->merged[p] = NULL;
  }
  for (uint32_t i = 0; i < st->n_work; i++) spill_close(st->work[i].file);
  st->n_work = 0;
  mem_free(st->work);
  st->work = NULL;
}

static const exec_op_vtab k_hash_agg_vt = {"HashAggregate", ha_open, ha_next, ha_close};

int op_hash_agg_init(exec_op *op) {
  op->vt = &k_hash_agg_vt;
  return LAGO_OK;
}
