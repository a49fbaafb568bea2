/*
** exec/op_filter.c: WHERE / HAVING / QUALIFY: narrows the input's selection
** vector with expr_select; columns pass through untouched.
*/
#include "exec/exec_int.h"

static int filter_next(exec_op *op, batch *out) {
  const expr *pred = op->pl->u.filter.pred;
  for (;;) {
    batch in;
    TRY(exec_op_next(op->child[0], &in));
    if (in.n_rows == 0) return LAGO_OK;
    exec_op_reset_out(op);
    uint32_t *sel = arena_alloc(op->out_ar, in.n_rows * sizeof(uint32_t));
    if (!sel) return LAGO_NOMEM_ERR(op->err);
    uint32_t n;
    TRY(expr_select(&op->ec, pred, &in, in.sel, in.n_rows, sel, &n));
    if (n == 0) continue;
    *out = in;
    if (n < in.n_rows || in.sel) out->sel = sel;
    out->n_rows = n;
    return LAGO_OK;
  }
}

static const exec_op_vtab k_filter_vt = {"Filter", NULL, filter_next, NULL};

int op_filter_init(exec_op *op) {
  op->vt = &k_filter_vt;
  op->n_child = 1;
  return exec_op_build(op->cx, op->pl->children[0], op->thread, op->err, &op->child[0]);
}
