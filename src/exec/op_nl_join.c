/*
** exec/op_nl_join.c: nested-loop join for conditions without equality keys
** (and CROSS JOIN). The right input is materialized once (shared by the
** pipeline copies); each left batch is paired with every right row in blocks
** of LAGO_VECTOR_SIZE pairs, the condition selects pairs, and the join type
** decides what is output (as op_hash_join.c: pairs for INNER/CROSS/LEFT/
** RIGHT/FULL, unmatched left rows after each batch, unmatched right rows by
** the copy that finishes last). Cost is |left| x |right|; the planner uses
** it only when no hash join applies.
** States: NL_PAIRS (pairing the current left batch), NL_TAIL, NL_UNMATCHED,
** NL_DONE.
*/
#include "exec/collection.h"
#include "exec/exec_int.h"
#include "util/alloc.h"

typedef struct nl_shared {
  int refs;
  atomic_int done;
  bool built;
  coll rows;               /* right side */
  bool inited;
  size_t charged;
  _Atomic uint8_t *matched;
  uint64_t n;
} nl_shared;

typedef enum { NL_NEXT_LEFT, NL_PAIRS, NL_TAIL, NL_UNMATCHED, NL_DONE } nl_state;

typedef struct nl_st {
  nl_state state;
  nl_shared *sh;
  join_type type;
  uint32_t n_left, n_right;
  batch in;                /* current left batch */
  uint8_t *hit;            /* per logical left row */
  uint64_t rpos;           /* next right row to pair */
  uint32_t lpos;           /* next left logical row for rpos */
  uint64_t un_pos;
  uint32_t *pl, *pr;
  arena *in_ar;
} nl_st;

#define NCAP LAGO_VECTOR_SIZE

typedef struct nl_build {
  exec_op *op;
  nl_shared *sh;
  coll *rows;              /* per thread */
  bool *inited;
} nl_build;

static int nl_sink(void *ud, int thread, batch *b, lago_err *err) {
  nl_build *nb = ud;
  if (!nb->inited[thread]) {
    if (coll_init(&nb->rows[thread], nb->op->pl->children[1]->n_cols, nb->op->pl->children[1]->types))
      return LAGO_NOMEM_ERR(err);
    nb->inited[thread] = true;
  }
  if (coll_append(&nb->rows[thread], b)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static int make_shared(void *ud, void **val) {
  (void)ud;
  nl_shared *sh = mem_calloc(1, sizeof *sh);
  if (!sh) return LAGO_NOMEM;
  atomic_init(&sh->done, 0);
  *val = sh;
  return LAGO_OK;
}

static int nl_build_right(exec_op *op, nl_shared *sh) {
  const plan *right = op->pl->children[1];
  int n = exec_pipeline_threads(op->cx, right);
  nl_build nb = {op, sh, mem_calloc((size_t)n, sizeof(coll)), mem_calloc((size_t)n, sizeof(bool))};
  if (!nb.rows || !nb.inited) {
    mem_free(nb.rows);
    mem_free(nb.inited);
    return LAGO_NOMEM_ERR(op->err);
  }
  int rc = exec_pipeline_run(op->cx, right, n, nl_sink, &nb, op->err);
  if (rc == LAGO_OK && coll_init(&sh->rows, right->n_cols, right->types)) rc = LAGO_NOMEM_ERR(op->err);
  if (rc == LAGO_OK) sh->inited = true;
  for (int i = 0; i < n; i++) {
    if (!nb.inited[i]) continue;
    for (uint32_t ch = 0; ch < nb.rows[i].n_chunks && rc == LAGO_OK; ch++) {
      batch cb;
      coll_chunk_batch(&nb.rows[i], ch, &cb);
      if (coll_append(&sh->rows, &cb)) rc = LAGO_NOMEM_ERR(op->err);
    }
    coll_deinit(&nb.rows[i]);
  }
  mem_free(nb.rows);
  mem_free(nb.inited);
  TRY(rc);
  sh->n = sh->rows.n_rows;
  sh->matched = mem_calloc(sh->n ? sh->n : 1, 1);
  if (!sh->matched) return LAGO_NOMEM_ERR(op->err);
  exec_mem_track_bytes(op->cx, coll_bytes(&sh->rows), &sh->charged);
  return LAGO_OK;
}

static int nl_open(exec_op *op) {
  nl_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  st->type = (join_type)op->pl->u.join.type;
  st->n_left = op->pl->children[0]->n_cols;
  st->n_right = op->pl->children[1]->n_cols;
  st->pl = arena_alloc(op->ar, NCAP * sizeof(uint32_t));
  st->pr = arena_alloc(op->ar, NCAP * sizeof(uint32_t));
  st->in_ar = arena_new("nl-in", 16 * 1024);
  if (!st->pl || !st->pr || !st->in_ar) return LAGO_NOMEM_ERR(op->err);
  void *v;
  TRY(exec_shared(op->cx, op->pl, make_shared, NULL, &v));
  st->sh = v;
  st->sh->refs++;
  if (!st->sh->built) {
    st->sh->built = true;
    TRY(nl_build_right(op, st->sh));
  }
  return LAGO_OK;
}

static bool pairs_out(join_type t) { return t != JOIN_SEMI && t != JOIN_ANTI; }
static bool right_keep(join_type t) { return t == JOIN_RIGHT || t == JOIN_FULL; }

/* One block of pairs for the current left batch; out->n_rows == 0 when the batch is paired completely. */
static int nl_pairs(exec_op *op, nl_st *st, batch *out) {
  nl_shared *sh = st->sh;
  const expr *cond = op->pl->u.join.residual;
  memset(out, 0, sizeof *out);
  while (st->rpos < sh->n) {
    exec_op_reset_out(op);
    uint32_t np = 0;
    while (np < NCAP && st->rpos < sh->n) {
      st->pl[np] = st->lpos;
      st->pr[np++] = (uint32_t)st->rpos;
      if (++st->lpos == st->in.n_rows) {
        st->lpos = 0;
        st->rpos++;
      }
    }
    arena *ar = op->out_ar;
    vec *cols = arena_alloc(ar, (st->n_left + st->n_right + 1) * sizeof(vec));
    uint32_t *lrows = arena_alloc(ar, np * sizeof(uint32_t));
    if (!cols || !lrows) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t i = 0; i < np; i++) lrows[i] = st->in.sel ? st->in.sel[st->pl[i]] : st->pl[i];
    for (uint32_t c = 0; c < st->n_left; c++) {
      const vec *v = &st->in.cols[c];
      vec *o = &cols[c];
      if (vec_init(o, ar, v->type, np) || vec_gather(o, 0, v, lrows, np)) return LAGO_NOMEM_ERR(op->err);
    }
    for (uint32_t c = 0; c < st->n_right; c++) {
      if (vec_init(&cols[st->n_left + c], ar, op->pl->children[1]->types[c], np) ||
          coll_gather32(&sh->rows, c, st->pr, np, &cols[st->n_left + c], 0))
        return LAGO_NOMEM_ERR(op->err);
      cols[st->n_left + c].len = np;
    }
    batch pb;
    memset(&pb, 0, sizeof pb);
    pb.n_cols = st->n_left + st->n_right;
    pb.cols = cols;
    pb.n_rows = np;
    pb.ar = ar;
    uint32_t *ps = NULL, m = np;
    if (cond) {
      ps = arena_alloc(ar, np * sizeof(uint32_t));
      if (!ps) return LAGO_NOMEM_ERR(op->err);
      TRY(expr_select(&op->ec, cond, &pb, NULL, np, ps, &m));
    }
    for (uint32_t q = 0; q < m; q++) {
      uint32_t k = ps ? ps[q] : q;
      st->hit[st->pl[k]] = 1;
      if (right_keep(st->type)) atomic_store_explicit(&sh->matched[st->pr[k]], 1, memory_order_relaxed);
    }
    if (!pairs_out(st->type) || !m) continue;
    *out = pb;
    if (ps) {
      out->sel = ps;
      out->n_rows = m;
    }
    return LAGO_OK;
  }
  return LAGO_OK;
}

static int nl_tail(exec_op *op, nl_st *st, batch *out) {
  memset(out, 0, sizeof *out);
  if (st->type != JOIN_LEFT && st->type != JOIN_FULL && st->type != JOIN_SEMI && st->type != JOIN_ANTI) return LAGO_OK;
  exec_op_reset_out(op);
  uint32_t n = st->in.n_rows, m = 0;
  uint32_t *sel = arena_alloc(op->out_ar, (n ? n : 1) * sizeof(uint32_t));
  if (!sel) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < n; i++) {
    bool keep = st->type == JOIN_SEMI ? st->hit[i] : !st->hit[i];
    if (keep) sel[m++] = st->in.sel ? st->in.sel[i] : i;
  }
  if (!m) return LAGO_OK;
  *out = st->in;
  out->sel = sel;
  out->n_rows = m;
  if (st->type == JOIN_SEMI || st->type == JOIN_ANTI) return LAGO_OK;
  vec *cols = arena_alloc(op->out_ar, (st->n_left + st->n_right + 1) * sizeof(vec));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  memcpy(cols, st->in.cols, st->n_left * sizeof(vec));
  for (uint32_t c = 0; c < st->n_right; c++) {
    vec *nv = vec_new_const_null(op->out_ar, op->pl->children[1]->types[c], sel[m - 1] + 1);
    if (!nv) return LAGO_NOMEM_ERR(op->err);
    cols[st->n_left + c] = *nv;
  }
  out->cols = cols;
  out->n_cols = st->n_left + st->n_right;
  return LAGO_OK;
}

static int nl_unmatched(exec_op *op, nl_st *st, batch *out) {
  nl_shared *sh = st->sh;
  memset(out, 0, sizeof *out);
  exec_op_reset_out(op);
  uint32_t m = 0;
  while (st->un_pos < sh->n && m < NCAP) {
    uint64_t r = st->un_pos++;
    if (!atomic_load_explicit(&sh->matched[r], memory_order_relaxed)) st->pr[m++] = (uint32_t)r;
  }
  if (!m) return LAGO_OK;
  vec *cols = arena_alloc(op->out_ar, (st->n_left + st->n_right + 1) * sizeof(vec));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t c = 0; c < st->n_left; c++) {
    vec *nv = vec_new_const_null(op->out_ar, op->pl->children[0]->types[c], m);
    if (!nv) return LAGO_NOMEM_ERR(op->err);
    cols[c] = *nv;
  }
  for (uint32_t c = 0; c < st->n_right; c++) {
    if (vec_init(&cols[st->n_left + c], op->out_ar, op->pl->children[1]->types[c], m) ||
        coll_gather32(&sh->rows, c, st->pr, m, &cols[st->n_left + c], 0))
      return LAGO_NOMEM_ERR(op->err);
    cols[st->n_left + c].len = m;
  }
  out->n_cols = st->n_left + st->n_right;
  out->cols = cols;
  out->n_rows = m;
  out->ar = op->out_ar;
  return LAGO_OK;
}

static int nl_next(exec_op *op, batch *out) {
  nl_st *st = op->st;
  for (;;) {
    switch (st->state) {
      case NL_NEXT_LEFT: {
        TRY(exec_op_next(op->child[0], &st->in));
        if (!st->in.n_rows) {
          bool last = atomic_fetch_add(&st->sh->done, 1) + 1 == st->sh->refs;
          st->state = right_keep(st->type) && last ? NL_UNMATCHED : NL_DONE;
          continue;
        }
        arena_reset(st->in_ar);
        st->hit = arena_zalloc(st->in_ar, st->in.n_rows);
        if (!st->hit) return LAGO_NOMEM_ERR(op->err);
        st->rpos = 0;
        st->lpos = 0;
        st->state = NL_PAIRS;
        continue;
      }
      case NL_PAIRS:
        TRY(nl_pairs(op, st, out));
        if (out->n_rows) return LAGO_OK;
        st->state = NL_TAIL;
        continue;
      case NL_TAIL:
        st->state = NL_NEXT_LEFT;
        TRY(nl_tail(op, st, out));
        if (out->n_rows) return LAGO_OK;
        continue;
      case NL_UNMATCHED:
        TRY(nl_unmatched(op, st, out));
        if (out->n_rows) return LAGO_OK;
        st->state = NL_DONE;
        continue;
      case NL_DONE: memset(out, 0, sizeof *out); return LAGO_OK;
    }
  }
}

static void nl_close(exec_op *op) {
  nl_st *st = op->st;
  if (!st) return;
  arena_free(st->in_ar);
  st->in_ar = NULL;
  if (st->sh && --st->sh->refs == 0) {
    exec_mem_charge(op->cx, -(ptrdiff_t)st->sh->charged);
    if (st->sh->inited) coll_deinit(&st->sh->rows);
    mem_free((void *)st->sh->matched);
    mem_free(st->sh);
    exec_shared_drop(op->cx, op->pl);
  }
  st->sh = NULL;
}

static const exec_op_vtab k_nl_vt = {"NestedLoopJoin", nl_open, nl_next, nl_close};

int op_nl_join_init(exec_op *op) {
  op->vt = &k_nl_vt;
  op->n_child = 1;
  return exec_op_build(op->cx, op->pl->children[0], op->thread, op->err, &op->child[0]);
}
