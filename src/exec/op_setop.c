/*
** exec/op_setop.c: INTERSECT / EXCEPT [ALL] (NULLs compare equal, as Spark).
**
** At open the operator plans its own work on the two inputs:
**   HashAggregate keys=[all columns] aggs=[count_if(from_left), count_if(from_right)]
**     UnionAll(Project [cols, true, false] left, Project [cols, false, true] right)
** so grouping, spilling and parallelism are the hash aggregate's. Each group
** then comes out m times: INTERSECT: min(l, r) > 0 ? 1; INTERSECT ALL:
** min(l, r); EXCEPT: l > 0 && r == 0 ? 1; EXCEPT ALL: max(l - r, 0).
** States: SETOP_PULL (next aggregate batch), SETOP_EMIT (repeat its rows).
*/
#include <string.h>

#include "exec/exec_int.h"

typedef enum { SETOP_PULL, SETOP_EMIT, SETOP_DONE } setop_state;

typedef struct setop_st {
  setop_state state;
  plan *agg;              /* the internal plan (query arena) */
  batch in;               /* current aggregate batch */
  uint32_t row;           /* current logical row of in */
  int64_t left;           /* copies of that row still to emit */
} setop_st;

static int side_project(exec_op *op, plan *child, bool is_left, plan **out) {
  arena *qa = op->cx->qa;
  uint32_t n = child->n_cols;
  expr **es = arena_alloc(qa, (n + 2) * sizeof(expr *));
  if (!es) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < n; i++)
    if (!(es[i] = expr_column(qa, i, child->types[i], child->names[i]))) return LAGO_NOMEM_ERR(op->err);
  if (!(es[n] = expr_bool(qa, is_left)) || !(es[n + 1] = expr_bool(qa, !is_left))) return LAGO_NOMEM_ERR(op->err);
  return plan_project(qa, child, es, n + 2, NULL, out, op->err);
}

static int setop_open(exec_op *op) {
  setop_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  const plan *p = op->pl;
  arena *qa = op->cx->qa;
  plan *l, *r, *u;
  TRY(side_project(op, p->children[0], true, &l));
  TRY(side_project(op, p->children[1], false, &r));
  plan *kids[2] = {l, r};
  TRY(plan_union_all(qa, kids, 2, &u, op->err));
  uint32_t n = p->n_cols;
  expr **keys = arena_alloc(qa, (n + 1) * sizeof(expr *));
  if (!keys) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < n; i++)
    if (!(keys[i] = expr_column(qa, i, p->types[i], NULL))) return LAGO_NOMEM_ERR(op->err);
  agg_call *aggs[2];
  for (int s = 0; s < 2; s++) {
    expr *flag = expr_column(qa, n + (uint32_t)s, type_make(LT_BOOLEAN), NULL);
    if (!flag) return LAGO_NOMEM_ERR(op->err);
    TRY(agg_call_make(qa, "count_if", &flag, 1, false, false, NULL, &aggs[s], op->err));
  }
  TRY(plan_hash_agg(qa, u, keys, n, aggs, 2, NULL, &st->agg, op->err));
  op->n_child = 1;
  TRY(exec_op_build(op->cx, st->agg, op->thread, op->err, &op->child[0]));
  return exec_op_open(op->child[0]);
}

static int64_t copies(const plan *p, int64_t l, int64_t r) {
  if (p->u.setop.intersect) {
    int64_t m = l < r ? l : r;
    return p->u.setop.all ? m : m > 0;
  }
  if (p->u.setop.all) return l > r ? l - r : 0;
  return l > 0 && r == 0;
}

static int setop_next(exec_op *op, batch *out) {
  setop_st *st = op->st;
  const plan *p = op->pl;
  uint32_t n = p->n_cols;
  for (;;) {
    if (st->state == SETOP_DONE) return LAGO_OK;
    if (st->state == SETOP_PULL) {
      TRY(exec_op_next(op->child[0], &st->in));
      if (!st->in.n_rows) {
        st->state = SETOP_DONE;
        continue;
      }
      st->row = 0;
      st->left = -1;
      st->state = SETOP_EMIT;
    }
    exec_op_reset_out(op);
    uint32_t *idx = arena_alloc(op->out_ar, LAGO_VECTOR_SIZE * sizeof(uint32_t));
    if (!idx) return LAGO_NOMEM_ERR(op->err);
    uint32_t m = 0;
    const batch *in = &st->in;
    while (m < LAGO_VECTOR_SIZE && st->row < in->n_rows) {
      uint32_t r = in->sel ? in->sel[st->row] : st->row;
      if (st->left < 0) { /* the aggregate's count columns are FLAT BIGINT */
        int64_t l = VEC_DATA(&in->cols[n], int64_t)[r], rr = VEC_DATA(&in->cols[n + 1], int64_t)[r];
        st->left = copies(p, l, rr);
      }
      if (st->left == 0) {
        st->row++;
        st->left = -1;
        continue;
      }
      idx[m++] = r;
      if (--st->left == 0) {
        st->row++;
        st->left = -1;
      }
    }
    if (st->row >= in->n_rows) st->state = SETOP_PULL;
    if (!m) continue;
    vec *cols = arena_alloc(op->out_ar, (n + 1) * sizeof(vec));
    if (!cols) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t c = 0; c < n; c++)
      if (vec_init(&cols[c], op->out_ar, p->types[c], m) || vec_gather(&cols[c], 0, &in->cols[c], idx, m))
        return LAGO_NOMEM_ERR(op->err);
    out->n_cols = n;
    out->cols = cols;
    out->n_rows = m;
    out->ar = op->out_ar;
    return LAGO_OK;
  }
}

static const exec_op_vtab k_setop_vt = {"SetOp", setop_open, setop_next, NULL};

int op_setop_init(exec_op *op) {
  op->vt = &k_setop_vt;
  return LAGO_OK;
}
