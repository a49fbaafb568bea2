/*
** exec/op_union_all.c: UNION ALL: the children's batches one child after
** the other. Children are built (and opened) one at a time, when reached,
** so a union of many inputs does not hold them all open.
*/
#include "exec/exec_int.h"

typedef struct union_st {
  uint32_t cur;     /* child being read */
  exec_op *child;   /* built child for cur, or NULL */
} union_st;

static int union_open(exec_op *op) {
  union_st *st = exec_op_state(op, sizeof *st);
  return st ? LAGO_OK : LAGO_NOMEM_ERR(op->err);
}

static int union_next(exec_op *op, batch *out) {
  union_st *st = op->st;
  const plan *p = op->pl;
  while (st->cur < p->n_children) {
    if (!st->child) {
      TRY(exec_op_build(op->cx, p->children[st->cur], op->thread, op->err, &st->child));
      TRY(exec_op_open(st->child));
    }
    TRY(exec_op_next(st->child, out));
    if (out->n_rows) return LAGO_OK;
    exec_op_free(st->child);
    st->child = NULL;
    st->cur++;
  }
  return LAGO_OK;
}

static void union_close(exec_op *op) {
  union_st *st = op->st;
  if (st && st->child) exec_op_free(st->child);
  if (st) st->child = NULL;
}

static const exec_op_vtab k_union_vt = {"UnionAll", union_open, union_next, union_close};

int op_union_all_init(exec_op *op) {
  op->vt = &k_union_vt;
  return LAGO_OK;
}
