/*
** exec/op_window.c: window functions.
**
** The input is sorted by (PARTITION BY keys, ORDER BY keys) with the sort
** engine (parallel sinks, spilling runs); the sorted rows are then read one
** partition at a time into a collection (payload, order keys, function
** arguments), every function is computed for the partition, and the rows
** come out with one extra column per function. A single partition must fit
** in memory (the sort itself spills).
**
** Functions: ROW_NUMBER, RANK, DENSE_RANK (peers = equal ORDER BY values),
** LAG/LEAD (offset, default), FIRST_VALUE/LAST_VALUE (IGNORE NULLS via
** next/previous non-null indexes) and aggregates (agg.h) over ROWS or RANGE
** frames with UNBOUNDED/CURRENT ROW/offset bounds. Frames starting at
** UNBOUNDED PRECEDING are computed incrementally (one state, rows added as the
** frame end moves, finalized per row); other frames use a segment tree of
** aggregate states (combine of O(log n) nodes per row). RANGE frames with
** offsets need one numeric/date ORDER BY key (plan check) and use two
** pointers over the sorted values; rows with a NULL key frame their peers.
**
** States: WIN_INIT (sort), WIN_READ (fill the next partition), WIN_EMIT
** (output the computed partition), WIN_DONE.
*/
#include <math.h>
#include <string.h>

#include "exec/func.h"
#include "exec/sorter.h"
#include "exec/vecops.h"
#include "util/alloc.h"

typedef enum { WIN_INIT, WIN_READ, WIN_EMIT, WIN_DONE } win_state;

typedef struct win_st {
  win_state state;
  sorter_spec sspec;
  sort_result *sorted;
  uint32_t n_cols, n_part, n_order, n_calls;
  /* partition buffer: payload ++ order keys ++ call arguments (++ LAG/LEAD default) */
  coll part;
  bool part_init;
  size_t part_charged;
  uint32_t n_pcols;
  lago_type *ptypes;
  uint32_t *arg_col;     /* per call: first argument column in part */
  int32_t *def_col;      /* per call: LAG/LEAD default column or -1 */
  /* the sorted batch being read */
  arena *pend_ar;
  eval_ctx pend_ec;
  vec *pcols;
  uint32_t pn, ppos;
  bool have_pend, input_done;
  vec **pk;              /* partition key values of the pending batch */
  vec **pv;              /* part columns of the pending batch (payload, order, args) */
  vec *cur_key;          /* current partition's key (1-row vectors) */
  bool have_key;
  arena *key_ar;
  /* computed partition */
  arena *res_ar;
  vec **res;             /* res[call][chunk] */
  uint64_t n_rows, emit_chunk;
  uint32_t *peer_start, *peer_end;
} win_st;

/* ---- setup ------------------------------------------------------------------------------- */

static int win_open(exec_op *op) {
  win_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  const plan *p = op->pl;
  st->n_cols = p->children[0]->n_cols;
  st->n_part = p->u.window.n_part;
  st->n_order = p->u.window.n_order;
  st->n_calls = p->u.window.n_calls;
  uint32_t nk = st->n_part + st->n_order;
  sort_key *keys = arena_alloc(op->ar, (nk + 1) * sizeof(sort_key));
  if (!keys) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t k = 0; k < st->n_part; k++) keys[k] = (sort_key){p->u.window.part[k], false, true};
  for (uint32_t k = 0; k < st->n_order; k++) keys[st->n_part + k] = p->u.window.order[k];
  st->sspec = (sorter_spec){st->n_cols, p->children[0]->types, nk, keys, -1};
  /* partition schema */
  uint32_t n = st->n_cols + st->n_order;
  for (uint32_t c = 0; c < st->n_calls; c++) n += p->u.window.calls[c].n_args + (p->u.window.calls[c].deflt ? 1 : 0);
  st->n_pcols = n;
  st->ptypes = arena_alloc(op->ar, (n + 1) * sizeof(lago_type));
  st->arg_col = arena_alloc(op->ar, (st->n_calls + 1) * sizeof(uint32_t));
  st->def_col = arena_alloc(op->ar, (st->n_calls + 1) * sizeof(int32_t));
  st->pk = arena_alloc(op->ar, (st->n_part + 1) * sizeof(vec *));
  st->pv = arena_alloc(op->ar, (n + 1) * sizeof(vec *));
  st->cur_key = arena_zalloc(op->ar, (st->n_part + 1) * sizeof(vec));
  st->res = arena_zalloc(op->ar, (st->n_calls + 1) * sizeof(vec *));
  if (!st->ptypes || !st->arg_col || !st->def_col || !st->pk || !st->pv || !st->cur_key || !st->res)
    return LAGO_NOMEM_ERR(op->err);
  uint32_t k = 0;
  for (uint32_t c = 0; c < st->n_cols; c++) st->ptypes[k++] = p->children[0]->types[c];
  for (uint32_t o = 0; o < st->n_order; o++) st->ptypes[k++] = p->u.window.order[o].e->type;
  for (uint32_t c = 0; c < st->n_calls; c++) {
    const win_call *w = &p->u.window.calls[c];
    st->arg_col[c] = k;
    for (uint32_t a = 0; a < w->n_args; a++) st->ptypes[k++] = w->args[a]->type;
    st->def_col[c] = -1;
    if (w->deflt) {
      st->def_col[c] = (int32_t)k;
      st->ptypes[k++] = w->deflt->type;
    }
  }
  st->pend_ar = arena_new("win-pend", 64 * 1024);
  st->key_ar = arena_new("win-key", 4096);
  st->res_ar = arena_new("win-res", 64 * 1024);
  if (!st->pend_ar || !st->key_ar || !st->res_ar) return LAGO_NOMEM_ERR(op->err);
  st->pend_ec = (eval_ctx){st->pend_ar, op->err, op->cx->now_us, op->cx->tz};
  return LAGO_OK;
}

typedef struct win_sink_ctx {
  exec_op *op;
  win_st *st;
  sorter **ss;
  arena **ars;
} win_sink_ctx;

static int win_sink(void *ud, int thread, batch *b, lago_err *err) {
  win_sink_ctx *wc = ud;
  if (!wc->ars[thread] && !(wc->ars[thread] = arena_new("win-eval", 64 * 1024))) return LAGO_NOMEM_ERR(err);
  arena_reset(wc->ars[thread]);
  eval_ctx ec = {wc->ars[thread], err, wc->op->cx->now_us, wc->op->cx->tz};
  if (!wc->ss[thread]) TRY(sorter_new(wc->op->cx, &wc->st->sspec, err, &wc->ss[thread]));
  return sorter_sink(wc->ss[thread], &ec, b);
}

static int win_sort(exec_op *op, win_st *st) {
  const plan *child = op->pl->children[0];
  int n = exec_pipeline_threads(op->cx, child);
  win_sink_ctx wc = {op, st, mem_calloc((size_t)n, sizeof(sorter *)), mem_calloc((size_t)n, sizeof(arena *))};
  int rc = wc.ss && wc.ars ? exec_pipeline_run(op->cx, child, n, win_sink, &wc, op->err) : LAGO_NOMEM_ERR(op->err);
  for (int i = 0; wc.ars && i < n; i++) arena_free(wc.ars[i]);
  mem_free(wc.ars);
  if (rc == LAGO_OK && wc.ss) rc = sort_finish(op->cx, wc.ss, (uint32_t)n, 0, -1, op->err, &st->sorted);
  else if (wc.ss)
    for (int i = 0; i < n; i++) sorter_free(wc.ss[i]);
  mem_free(wc.ss);
  return rc;
}

/* ---- reading partitions --------------------------------------------------------------------- */

static int load_pending(exec_op *op, win_st *st) {
  const plan *p = op->pl;
  arena_reset(st->pend_ar);
  st->pcols = arena_alloc(st->pend_ar, (st->n_cols + 1) * sizeof(vec));
  if (!st->pcols) return LAGO_NOMEM_ERR(op->err);
  uint32_t n;
  TRY(sort_result_next(st->sorted, st->pend_ar, st->pcols, &n));
  if (!n) {
    st->input_done = true;
    return LAGO_OK;
  }
  batch b;
  memset(&b, 0, sizeof b);
  b.n_cols = st->n_cols;
  b.cols = st->pcols;
  b.n_rows = n;
  b.ar = st->pend_ar;
  for (uint32_t k = 0; k < st->n_part; k++) TRY(expr_eval(&st->pend_ec, p->u.window.part[k], &b, NULL, n, &st->pk[k]));
  uint32_t c = 0;
  for (uint32_t i = 0; i < st->n_cols; i++) st->pv[c++] = &st->pcols[i];
  for (uint32_t o = 0; o < st->n_order; o++) TRY(expr_eval(&st->pend_ec, p->u.window.order[o].e, &b, NULL, n, &st->pv[c++]));
  for (uint32_t f = 0; f < st->n_calls; f++) {
    const win_call *w = &p->u.window.calls[f];
    for (uint32_t a = 0; a < w->n_args; a++) TRY(expr_eval(&st->pend_ec, w->args[a], &b, NULL, n, &st->pv[c++]));
    if (w->deflt) TRY(expr_eval(&st->pend_ec, w->deflt, &b, NULL, n, &st->pv[c++]));
  }
  st->pn = n;
  st->ppos = 0;
  st->have_pend = true;
  return LAGO_OK;
}

static bool same_part(win_st *st, uint32_t r) {
  for (uint32_t k = 0; k < st->n_part; k++)
    if (!vecops_equal_nulls(st->pk[k], r, &st->cur_key[k], 0)) return false;
  return true;
}

static int set_key(exec_op *op, win_st *st, uint32_t r) {
  arena_reset(st->key_ar);
  for (uint32_t k = 0; k < st->n_part; k++) {
    if (vec_init(&st->cur_key[k], st->key_ar, st->pk[k]->type, 1) || vec_copy_row(&st->cur_key[k], 0, st->pk[k], r))
      return LAGO_NOMEM_ERR(op->err);
    st->cur_key[k].len = 1;
  }
  st->have_key = true;
  return LAGO_OK;
}

/* Reads rows into the partition buffer until the partition ends; *complete when it did (or input ended). */
static int fill_partition(exec_op *op, win_st *st, bool *complete) {
  *complete = false;
  if (!st->part_init) {
    if (coll_init(&st->part, st->n_pcols, st->ptypes)) return LAGO_NOMEM_ERR(op->err);
    st->part_init = true;
  }
  for (;;) {
    if (!st->have_pend || st->ppos >= st->pn) {
      st->have_pend = false;
      TRY(load_pending(op, st));
      if (st->input_done) {
        *complete = st->part.n_rows > 0;
        return LAGO_OK;
      }
    }
    if (!st->have_key) TRY(set_key(op, st, st->ppos));
    uint32_t j = st->ppos;
    while (j < st->pn && same_part(st, j)) j++;
    if (j > st->ppos) {
      uint32_t *sel = arena_alloc(st->pend_ar, (j - st->ppos) * sizeof(uint32_t));
      if (!sel) return LAGO_NOMEM_ERR(op->err);
      for (uint32_t i = st->ppos; i < j; i++) sel[i - st->ppos] = i;
      if (coll_append_cols(&st->part, st->pv, sel, j - st->ppos)) return LAGO_NOMEM_ERR(op->err);
      exec_mem_track_bytes(op->cx, coll_bytes(&st->part), &st->part_charged);
    }
    st->ppos = j;
    if (j < st->pn) { /* the next partition starts here */
      st->have_key = false;
      *complete = true;
      return LAGO_OK;
    }
    TRY(exec_check_cancel(op->cx, op->err));
  }
}

/* ---- computing ------------------------------------------------------------------------------------ */

static inline const vec *pcell(win_st *st, uint64_t row, uint32_t col, uint32_t *off) {
  return coll_vec(&st->part, row, col, off);
}

/* Result slot: chunk vector and offset of row r for call c. */
static inline vec *rslot(win_st *st, uint32_t c, uint64_t r, uint32_t *off) {
  *off = (uint32_t)(r & (COLL_CHUNK - 1));
  return &st->res[c][r >> COLL_CHUNK_SHIFT];
}

static int compute_peers(exec_op *op, win_st *st) {
  uint64_t n = st->n_rows;
  st->peer_start = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(uint32_t));
  st->peer_end = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(uint32_t));
  if (!st->peer_start || !st->peer_end) return LAGO_NOMEM_ERR(op->err);
  for (uint64_t r = 0; r < n; r++) {
    bool same = r > 0;
    for (uint32_t k = 0; k < st->n_order && same; k++) {
      uint32_t oa, ob;
      const vec *a = pcell(st, r, st->n_cols + k, &oa), *b = pcell(st, r - 1, st->n_cols + k, &ob);
      same = vecops_compare_nulls(a, oa, b, ob) == 0;
    }
    st->peer_start[r] = same ? st->peer_start[r - 1] : (uint32_t)r;
  }
  for (uint64_t r = n; r-- > 0;) st->peer_end[r] = (r + 1 < n && st->peer_start[r + 1] == st->peer_start[r]) ? st->peer_end[r + 1] : (uint32_t)r;
  return LAGO_OK;
}

/* Numeric value of the single ORDER BY key at row r (RANGE offsets); false if NULL. */
static bool order_num(win_st *st, uint64_t r, double *out) {
  uint32_t off;
  const vec *v = pcell(st, r, st->n_cols, &off);
  if (!vec_is_valid(v, off)) return false;
  switch ((lago_type_id)v->type.id) {
    case LT_TINYINT: *out = VEC_DATA(v, int8_t)[off]; return true;
    case LT_SMALLINT: *out = VEC_DATA(v, int16_t)[off]; return true;
    case LT_INT: case LT_DATE: *out = VEC_DATA(v, int32_t)[off]; return true;
    case LT_FLOAT: *out = VEC_DATA(v, float)[off]; return true;
    case LT_DOUBLE: *out = VEC_DATA(v, double)[off]; return true;
    case LT_DECIMAL:
      *out = (double)dec_load(v->data, off, type_decimal_is_wide(v->type)) / pow(10, v->type.scale);
      return true;
    default: *out = (double)VEC_DATA(v, int64_t)[off]; return true;
  }
}

/* A constant frame offset as a number. */
static int frame_off(exec_op *op, const expr *e, double *out) {
  if (!e) {
    *out = 0;
    return LAGO_OK;
  }
  batch one;
  memset(&one, 0, sizeof one);
  one.n_rows = 1;
  vec *v;
  TRY(expr_eval(&op->ec, e, &one, NULL, 1, &v));
  if (!vec_is_valid(v, 0)) return LAGO_ERR(op->err, LAGO_RUNTIME, "window frame offset is NULL");
  uint32_t idx;
  const vec *p = vec_resolve(v, 0, &idx);
  switch ((lago_type_id)p->type.id) {
    case LT_TINYINT: *out = VEC_DATA(p, int8_t)[idx]; break;
    case LT_SMALLINT: *out = VEC_DATA(p, int16_t)[idx]; break;
    case LT_INT: *out = VEC_DATA(p, int32_t)[idx]; break;
    case LT_BIGINT: *out = (double)VEC_DATA(p, int64_t)[idx]; break;
    case LT_DOUBLE: *out = VEC_DATA(p, double)[idx]; break;
    case LT_FLOAT: *out = VEC_DATA(p, float)[idx]; break;
    case LT_DECIMAL:
      *out = (double)dec_load(p->data, idx, type_decimal_is_wide(p->type)) / pow(10, p->type.scale);
      break;
    default: return LAGO_ERR(op->err, LAGO_BIND, "window frame offset must be a number");
  }
  if (*out < 0) return LAGO_ERR(op->err, LAGO_RUNTIME, "window frame offset must not be negative");
  return LAGO_OK;
}

/* Frame [fs, fe] of every row (fs > fe: empty), as int64 arrays. */
static int frames(exec_op *op, win_st *st, const win_frame *f, int64_t *fs, int64_t *fe) {
  int64_t n = (int64_t)st->n_rows;
  double so, eo;
  TRY(frame_off(op, f->start_off, &so));
  TRY(frame_off(op, f->end_off, &eo));
  bool desc = st->n_order && op->pl->u.window.order[0].desc;
  int64_t lo = 0, hi = 0; /* two pointers for RANGE offsets */
  for (int64_t r = 0; r < n; r++) {
    int64_t s = 0, e = n - 1;
    if (f->unit == FRAME_ROWS) {
      switch ((frame_bound)f->start) {
        case BOUND_UNBOUNDED_PRECEDING: s = 0; break;
        case BOUND_PRECEDING: s = r - (int64_t)so; break;
        case BOUND_CURRENT_ROW: s = r; break;
        case BOUND_FOLLOWING: s = r + (int64_t)so; break;
        case BOUND_UNBOUNDED_FOLLOWING: s = n; break;
      }
      switch ((frame_bound)f->end) {
        case BOUND_UNBOUNDED_PRECEDING: e = -1; break;
        case BOUND_PRECEDING: e = r - (int64_t)eo; break;
        case BOUND_CURRENT_ROW: e = r; break;
        case BOUND_FOLLOWING: e = r + (int64_t)eo; break;
        case BOUND_UNBOUNDED_FOLLOWING: e = n - 1; break;
      }
    } else {
      double v;
      bool has = (f->start == BOUND_PRECEDING || f->start == BOUND_FOLLOWING || f->end == BOUND_PRECEDING ||
                  f->end == BOUND_FOLLOWING) && order_num(st, (uint64_t)r, &v);
      switch ((frame_bound)f->start) {
        case BOUND_UNBOUNDED_PRECEDING: s = 0; break;
        case BOUND_CURRENT_ROW: s = st->peer_start[r]; break;
        case BOUND_UNBOUNDED_FOLLOWING: s = n; break;
        default: {
          if (!has) {
            s = st->peer_start[r];
            break;
          }
          /* first row whose value is >= v -/+ so (ASC) or <= v +/- so (DESC) */
          double target = f->start == BOUND_PRECEDING ? (desc ? v + so : v - so) : (desc ? v - so : v + so);
          if (lo > r) lo = r;
          while (lo > 0) {
            double w;
            if (!order_num(st, (uint64_t)(lo - 1), &w) || (desc ? w > target : w < target)) break;
            lo--;
          }
          for (;;) {
            double w;
            if (lo >= n) break;
            bool ok = order_num(st, (uint64_t)lo, &w);
            if (ok && (desc ? w <= target : w >= target)) break;
            lo++;
          }
          s = lo;
        }
      }
      switch ((frame_bound)f->end) {
        case BOUND_UNBOUNDED_FOLLOWING: e = n - 1; break;
        case BOUND_CURRENT_ROW: e = st->peer_end[r]; break;
        case BOUND_UNBOUNDED_PRECEDING: e = -1; break;
        default: {
          if (!has) {
            e = st->peer_end[r];
            break;
          }
          double target = f->end == BOUND_FOLLOWING ? (desc ? v - eo : v + eo) : (desc ? v + eo : v - eo);
          if (hi < r) hi = r;
          while (hi + 1 < n) {
            double w;
            if (!order_num(st, (uint64_t)(hi + 1), &w) || (desc ? w < target : w > target)) break;
            hi++;
          }
          while (hi >= 0) {
            double w;
            bool ok = order_num(st, (uint64_t)hi, &w);
            if (ok && (desc ? w >= target : w <= target)) break;
            hi--;
          }
          e = hi;
        }
      }
    }
    if (s < 0) s = 0;
    if (e > n - 1) e = n - 1;
    fs[r] = s;
    fe[r] = e;
  }
  return LAGO_OK;
}

static int copy_cell(vec *dst, uint32_t doff, win_st *st, uint64_t row, uint32_t col) {
  uint32_t off;
  const vec *v = pcell(st, row, col, &off);
  return vec_copy_row(dst, doff, v, off);
}

static int set_null_slot(vec *dst, uint32_t off) {
  TRY(vec_set_null(dst, off));
  if (type_is_string_like(dst->type) || dst->type.id == LT_ARRAY || dst->type.id == LT_MAP)
    memset((char *)dst->data + (size_t)off * type_width(dst->type), 0, type_width(dst->type));
  return LAGO_OK;
}

/* Aggregate over frames. */
static int compute_agg(exec_op *op, win_st *st, uint32_t c, const int64_t *fs, const int64_t *fe) {
  const win_call *w = &op->pl->u.window.calls[c];
  const agg_bind *b = &w->agg->b;
  uint64_t n = st->n_rows;
  size_t ss = b->state_size ? b->state_size : 16;
  agg_rt rt = {st->res_ar, op->err};
  vec *args[16];
  if (b->n_args > 16) return LAGO_ERR(op->err, LAGO_UNSUPPORTED, "window aggregate with more than 16 arguments");
  bool incremental = w->frame.start == BOUND_UNBOUNDED_PRECEDING;
  for (uint64_t r = 1; r < n && incremental; r++) incremental = fe[r] >= fe[r - 1];
  uint8_t *tmp = arena_zalloc(st->res_ar, ss);
  if (!tmp) return LAGO_NOMEM_ERR(op->err);
  if (incremental) {
    b->ops->init(b, tmp);
    int64_t upto = -1; /* rows folded in: 0..upto */
    for (uint64_t r = 0; r < n; r++) {
      while (upto < fe[r]) {
        /* fold rows upto+1 .. min(fe[r], end of its chunk) at once */
        int64_t from = upto + 1;
        uint64_t ch = (uint64_t)from >> COLL_CHUNK_SHIFT;
        int64_t chunk_end = (int64_t)(((ch + 1) << COLL_CHUNK_SHIFT) - 1);
        int64_t to = fe[r] < chunk_end ? fe[r] : chunk_end;
        uint32_t cnt = (uint32_t)(to - from + 1), base = (uint32_t)(from & (COLL_CHUNK - 1));
        uint32_t *sel = arena_alloc(op->out_ar, cnt * sizeof(uint32_t));
        uint8_t **sp = arena_alloc(op->out_ar, cnt * sizeof(uint8_t *));
        if (!sel || !sp) return LAGO_NOMEM_ERR(op->err);
        for (uint32_t i = 0; i < cnt; i++) {
          sel[i] = base + i;
          sp[i] = tmp;
        }
        for (uint32_t a = 0; a < b->n_args; a++) args[a] = &st->part.chunks[ch].cols[st->arg_col[c] + a];
        TRY(b->ops->update(b, &rt, args, sel, cnt, sp, 0));
        upto = to;
        exec_op_reset_out(op);
      }
      uint32_t off;
      vec *o = rslot(st, c, r, &off);
      if (fs[r] > fe[r]) {
        uint8_t *e = arena_zalloc(st->res_ar, ss);
        if (!e) return LAGO_NOMEM_ERR(op->err);
        b->ops->init(b, e);
        TRY(b->ops->finalize(b, &rt, &e, 1, 0, o, off));
      } else {
        TRY(b->ops->finalize(b, &rt, &tmp, 1, 0, o, off));
      }
    }
    return LAGO_OK;
  }
  /* segment tree */
  uint64_t size = 1;
  while (size < n) size *= 2;
  uint8_t *tree = arena_alloc(st->res_ar, (size_t)(2 * size) * ss);
  if (!tree) return LAGO_NOMEM_ERR(op->err);
#define NODE(i) (tree + (size_t)(i) * ss)
  for (uint64_t i = 0; i < 2 * size; i++) b->ops->init(b, NODE(i));
  for (uint32_t ch = 0; ch < st->part.n_chunks; ch++) {
    uint32_t cnt = st->part.chunks[ch].n_rows;
    uint8_t **sp = arena_alloc(op->out_ar, cnt * sizeof(uint8_t *));
    if (!sp) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t i = 0; i < cnt; i++) sp[i] = NODE(size + ((uint64_t)ch << COLL_CHUNK_SHIFT) + i);
    for (uint32_t a = 0; a < b->n_args; a++) args[a] = &st->part.chunks[ch].cols[st->arg_col[c] + a];
    TRY(b->ops->update(b, &rt, args, NULL, cnt, sp, 0));
    exec_op_reset_out(op);
  }
  for (uint64_t i = size; i-- > 1;) {
    uint8_t *src[2] = {NODE(2 * i), NODE(2 * i + 1)}, *dst[1] = {NODE(i)};
    TRY(b->ops->combine(b, &rt, &src[0], dst, 1, 0));
    TRY(b->ops->combine(b, &rt, &src[1], dst, 1, 0));
  }
  uint64_t *right = arena_alloc(st->res_ar, 128 * sizeof(uint64_t));
  if (!right) return LAGO_NOMEM_ERR(op->err);
  for (uint64_t r = 0; r < n; r++) {
    uint32_t off;
    vec *o = rslot(st, c, r, &off);
    b->ops->init(b, tmp);
    if (fs[r] <= fe[r]) {
      uint64_t lo = (uint64_t)fs[r] + size, hi = (uint64_t)fe[r] + size + 1;
      int nr = 0;
      while (lo < hi) {
        if (lo & 1) {
          uint8_t *s = NODE(lo++);
          TRY(b->ops->combine(b, &rt, &s, &tmp, 1, 0));
        }
        if (hi & 1) right[nr++] = --hi;
        lo >>= 1;
        hi >>= 1;
      }
      while (nr-- > 0) {
        uint8_t *s = NODE(right[nr]);
        TRY(b->ops->combine(b, &rt, &s, &tmp, 1, 0));
      }
    }
    TRY(b->ops->finalize(b, &rt, &tmp, 1, 0, o, off));
  }
#undef NODE
  return LAGO_OK;
}

static int compute_call(exec_op *op, win_st *st, uint32_t c) {
  const win_call *w = &op->pl->u.window.calls[c];
  uint64_t n = st->n_rows;
  uint32_t n_chunks = (uint32_t)((n + COLL_CHUNK - 1) >> COLL_CHUNK_SHIFT);
  st->res[c] = arena_zalloc(st->res_ar, (n_chunks ? n_chunks : 1) * sizeof(vec));
  if (!st->res[c]) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t ch = 0; ch < n_chunks; ch++) {
    uint32_t rows = (uint32_t)(n - ((uint64_t)ch << COLL_CHUNK_SHIFT) < COLL_CHUNK ? n - ((uint64_t)ch << COLL_CHUNK_SHIFT) : COLL_CHUNK);
    if (vec_init(&st->res[c][ch], st->res_ar, w->type, COLL_CHUNK)) return LAGO_NOMEM_ERR(op->err);
    st->res[c][ch].len = rows;
  }
  switch ((win_kind)w->kind) {
    case WIN_ROW_NUMBER:
    case WIN_RANK:
    case WIN_DENSE_RANK: {
      int64_t dense = 0;
      for (uint64_t r = 0; r < n; r++) {
        uint32_t off;
        vec *o = rslot(st, c, r, &off);
        int64_t v;
        if (w->kind == WIN_ROW_NUMBER) v = (int64_t)r + 1;
        else if (w->kind == WIN_RANK) v = (int64_t)st->peer_start[r] + 1;
        else {
          if (st->peer_start[r] == r) dense++;
          v = dense;
        }
        VEC_DATA(o, int32_t)[off] = (int32_t)v;
      }
      return LAGO_OK;
    }
    case WIN_LAG:
    case WIN_LEAD: {
      int64_t k = w->kind == WIN_LAG ? -w->offset : w->offset;
      for (uint64_t r = 0; r < n; r++) {
        uint32_t off;
        vec *o = rslot(st, c, r, &off);
        int64_t s = (int64_t)r + k;
        if (s >= 0 && (uint64_t)s < n) TRY(copy_cell(o, off, st, (uint64_t)s, st->arg_col[c]));
        else if (st->def_col[c] >= 0) TRY(copy_cell(o, off, st, r, (uint32_t)st->def_col[c]));
        else TRY(set_null_slot(o, off));
      }
      return LAGO_OK;
    }
    case WIN_FIRST_VALUE:
    case WIN_LAST_VALUE: {
      int64_t *fs = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(int64_t));
      int64_t *fe = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(int64_t));
      int64_t *nn = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(int64_t)); /* next / previous non-null */
      if (!fs || !fe || !nn) return LAGO_NOMEM_ERR(op->err);
      TRY(frames(op, st, &w->frame, fs, fe));
      bool first = w->kind == WIN_FIRST_VALUE;
      if (w->ignore_nulls) {
        if (first) {
          int64_t next = (int64_t)n;
          for (uint64_t r = n; r-- > 0;) {
            uint32_t off;
            const vec *v = pcell(st, r, st->arg_col[c], &off);
            if (vec_is_valid(v, off)) next = (int64_t)r;
            nn[r] = next;
          }
        } else {
          int64_t prev = -1;
          for (uint64_t r = 0; r < n; r++) {
            uint32_t off;
            const vec *v = pcell(st, r, st->arg_col[c], &off);
            if (vec_is_valid(v, off)) prev = (int64_t)r;
            nn[r] = prev;
          }
        }
      }
      for (uint64_t r = 0; r < n; r++) {
        uint32_t off;
        vec *o = rslot(st, c, r, &off);
        int64_t src = -1;
        if (fs[r] <= fe[r]) {
          src = first ? fs[r] : fe[r];
          if (w->ignore_nulls) {
            src = nn[src];
            if (src < fs[r] || src > fe[r]) src = -1;
          }
        }
        if (src >= 0) TRY(copy_cell(o, off, st, (uint64_t)src, st->arg_col[c]));
        else TRY(set_null_slot(o, off));
      }
      return LAGO_OK;
    }
    case WIN_AGG: {
      int64_t *fs = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(int64_t));
      int64_t *fe = arena_alloc(st->res_ar, (n ? n : 1) * sizeof(int64_t));
      if (!fs || !fe) return LAGO_NOMEM_ERR(op->err);
      TRY(frames(op, st, &w->frame, fs, fe));
      return compute_agg(op, st, c, fs, fe);
    }
  }
  return LAGO_ERR(op->err, LAGO_INTERNAL, "unknown window function %d", w->kind);
}

static int compute_partition(exec_op *op, win_st *st) {
  arena_reset(st->res_ar);
  st->n_rows = st->part.n_rows;
  st->emit_chunk = 0;
  TRY(compute_peers(op, st));
  for (uint32_t c = 0; c < st->n_calls; c++) TRY(compute_call(op, st, c));
  return LAGO_OK;
}

/* ---- operator -------------------------------------------------------------------------------------- */

static int win_next(exec_op *op, batch *out) {
  win_st *st = op->st;
  const plan *p = op->pl;
  for (;;) {
    switch (st->state) {
      case WIN_INIT:
        TRY(win_sort(op, st));
        st->state = WIN_READ;
        continue;
      case WIN_READ: {
        if (st->part_init) {
          exec_mem_charge(op->cx, -(ptrdiff_t)st->part_charged);
          st->part_charged = 0;
          coll_deinit(&st->part);
          st->part_init = false;
        }
        if (st->input_done) {
          st->state = WIN_DONE;
          continue;
        }
        bool complete;
        TRY(fill_partition(op, st, &complete));
        if (!complete) {
          st->state = WIN_DONE;
          continue;
        }
        TRY(compute_partition(op, st));
        st->state = WIN_EMIT;
        continue;
      }
      case WIN_EMIT: {
        if (st->emit_chunk >= st->part.n_chunks) {
          st->state = WIN_READ;
          continue;
        }
        uint32_t ch = (uint32_t)st->emit_chunk++;
        exec_op_reset_out(op);
        vec *cols = arena_alloc(op->out_ar, (p->n_cols + 1) * sizeof(vec));
        if (!cols) return LAGO_NOMEM_ERR(op->err);
        uint32_t m = st->part.chunks[ch].n_rows;
        for (uint32_t c = 0; c < st->n_cols; c++) {
          cols[c] = st->part.chunks[ch].cols[c];
          cols[c].len = m;
        }
        for (uint32_t c = 0; c < st->n_calls; c++) {
          cols[st->n_cols + c] = st->res[c][ch];
          cols[st->n_cols + c].len = m;
        }
        out->n_cols = p->n_cols;
        out->cols = cols;
        out->n_rows = m;
        out->ar = op->out_ar;
        return LAGO_OK;
      }
      case WIN_DONE: return LAGO_OK;
    }
  }
}

static void win_close(exec_op *op) {
  win_st *st = op->st;
  if (!st) return;
  if (st->part_init) {
    exec_mem_charge(op->cx, -(ptrdiff_t)st->part_charged);
    coll_deinit(&st->part);
    st->part_init = false;
  }
  sort_result_free(st->sorted);
  st->sorted = NULL;
  arena_free(st->pend_ar);
  arena_free(st->key_ar);
  arena_free(st->res_ar);
  st->pend_ar = st->key_ar = st->res_ar = NULL;
}

static const exec_op_vtab k_window_vt = {"Window", win_open, win_next, win_close};

int op_window_init(exec_op *op) {
  op->vt = &k_window_vt;
  return LAGO_OK;
}
