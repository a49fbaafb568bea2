/*
** exec/op_project.c: SELECT list: evaluates one expression per output
** column over the input batch. Results line up with the input rows, so the
** input's selection vector is kept (nothing is copied for column
** references).
*/
#include "exec/exec_int.h"

static int project_next(exec_op *op, batch *out) {
  const plan *p = op->pl;
  batch in;
  TRY(exec_op_next(op->child[0], &in));
  if (in.n_rows == 0) return LAGO_OK;
  exec_op_reset_out(op);
  vec *cols = arena_alloc(op->out_ar, (p->n_cols ? p->n_cols : 1) * sizeof(vec));
  if (!cols) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t i = 0; i < p->n_cols; i++) {
    vec *v;
    TRY(expr_eval(&op->ec, p->u.project.exprs[i], &in, in.sel, in.n_rows, &v));
    cols[i] = *v;
  }
  out->n_cols = p->n_cols;
  out->cols = cols;
  out->n_rows = in.n_rows;
  out->sel = in.sel;
  out->ar = op->out_ar;
  return LAGO_OK;
}

static const exec_op_vtab k_project_vt = {"Project", NULL, project_next, NULL};

int op_project_init(exec_op *op) {
  op->vt = &k_project_vt;
  op->n_child = 1;
  return exec_op_build(op->cx, op->pl->children[0], op->thread, op->err, &op->child[0]);
}
