/*
** exec/op_sort.c: ORDER BY (and, through op_top_n.c, ORDER BY ... LIMIT).
**
** States: SORT_INIT drains the input on the first next(): each pipeline copy
** sinks into its own sorter (sorter.h), spilling sorted runs past the memory
** limit; sort_finish sorts the in-memory parts in parallel and merges
** everything. SORT_EMIT hands out the merged rows; SORT_DONE.
** TopN (PLAN_TOP_N): sorters keep only the best limit + offset rows each;
** the merge applies offset and limit.
*/
#include "exec/sorter.h"

typedef enum { SORT_INIT, SORT_EMIT, SORT_DONE } sort_state;

typedef struct sort_thread {
  sorter *s;
  arena *ar;
  eval_ctx ec;
} sort_thread;

typedef struct sort_st {
  sort_state state;
  sorter_spec spec;
  sort_thread *th;
  int n_threads;
  sort_result *res;
} sort_st;

typedef struct sort_sink_ctx {
  exec_op *op;
  sort_st *st;
} sort_sink_ctx;

static int sort_sink(void *ud, int thread, batch *b, lago_err *err) {
  sort_sink_ctx *sc = ud;
  sort_thread *th = &sc->st->th[thread];
  if (!th->ar && !(th->ar = arena_new("sort-eval", 64 * 1024))) return LAGO_NOMEM_ERR(err);
  arena_reset(th->ar);
  th->ec.ar = th->ar;
  th->ec.err = err;
  th->ec.now_us = sc->op->cx->now_us;
  th->ec.tz = sc->op->cx->tz;
  if (!th->s) TRY(sorter_new(sc->op->cx, &sc->st->spec, err, &th->s));
  return sorter_sink(th->s, &th->ec, b);
}

static int sort_open(exec_op *op) {
  sort_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  const plan *p = op->pl;
  st->spec.n_cols = p->children[0]->n_cols;
  st->spec.types = p->children[0]->types;
  st->spec.n_keys = p->u.sort.n_keys;
  st->spec.keys = p->u.sort.keys;
  st->spec.keep = p->kind == PLAN_TOP_N ? p->u.sort.limit + p->u.sort.offset : -1;
  return LAGO_OK;
}

static int sort_run(exec_op *op, sort_st *st) {
  const plan *child = op->pl->children[0];
  st->n_threads = exec_pipeline_threads(op->cx, child);
  st->th = arena_zalloc(op->ar, (size_t)st->n_threads * sizeof(sort_thread));
  if (!st->th) return LAGO_NOMEM_ERR(op->err);
  sort_sink_ctx sc = {op, st};
  int rc = exec_pipeline_run(op->cx, child, st->n_threads, sort_sink, &sc, op->err);
  sorter **ss = arena_alloc(op->ar, (size_t)st->n_threads * sizeof(sorter *));
  if (!ss && rc == LAGO_OK) rc = LAGO_NOMEM_ERR(op->err);
  for (int i = 0; i < st->n_threads; i++) {
    arena_free(st->th[i].ar);
    st->th[i].ar = NULL;
    if (ss) ss[i] = st->th[i].s;
    else sorter_free(st->th[i].s);
    st->th[i].s = NULL;
  }
  if (rc) {
    for (int i = 0; ss && i < st->n_threads; i++) sorter_free(ss[i]);
    return rc;
  }
  int64_t off = op->pl->kind == PLAN_TOP_N ? op->pl->u.sort.offset : 0;
  int64_t lim = op->pl->kind == PLAN_TOP_N ? op->pl->u.sort.limit : -1;
  return sort_finish(op->cx, ss, (uint32_t)st->n_threads, off, lim, op->err, &st->res);
}

static int sort_next(exec_op *op, batch *out) {
  sort_st *st = op->st;
  if (st->state == SORT_INIT) {
    TRY(sort_run(op, st));
    st->state = SORT_EMIT;
  }
  if (st->state == SORT_DONE) return LAGO_OK;
  exec_op_reset_out(op);
  vec *cols = arena_alloc(op->out_ar, (st->spec.n_cols ? st->spec.n_cols : 1) * sizeof(vec));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  uint32_t n;
  TRY(sort_result_next(st->res, op->out_ar, cols, &n));
  if (!n) {
    st->state = SORT_DONE;
    return LAGO_OK;
  }
  out->n_cols = st->spec.n_cols;
  out->cols = cols;
  out->n_rows = n;
  out->ar = op->out_ar;
  return LAGO_OK;
}

static void sort_close(exec_op *op) {
  sort_st *st = op->st;
  if (!st) return;
  for (int i = 0; st->th && i < st->n_threads; i++) {
    sorter_free(st->th[i].s);
    st->th[i].s = NULL;
    arena_free(st->th[i].ar);
    st->th[i].ar = NULL;
  }
  sort_result_free(st->res);
  st->res = NULL;
}

static const exec_op_vtab k_sort_vt = {"Sort", sort_open, sort_next, sort_close};

int op_sort_init(exec_op *op) {
  op->vt = &k_sort_vt;
  return LAGO_OK;
}
