/*
** exec/op_values.c: VALUES, constant rows from the plan, in batches of
** LAGO_VECTOR_SIZE rows.
*/
#include "exec/exec_int.h"

typedef enum { VALUES_RUN, VALUES_DONE } values_state;

typedef struct values_st {
  values_state state;
  uint32_t next;     /* first row of the next batch */
  uint32_t *idx;     /* row indexes of one batch */
} values_st;

static int values_open(exec_op *op) {
  values_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  st->idx = arena_alloc(op->ar, LAGO_VECTOR_SIZE * sizeof(uint32_t));
  if (!st->idx) return LAGO_NOMEM_ERR(op->err);
  return LAGO_OK;
}

static int values_next(exec_op *op, batch *out) {
  values_st *st = op->st;
  const plan *p = op->pl;
  exec_op_reset_out(op);
  uint32_t total = p->u.values.n_rows;
  if (st->state == VALUES_DONE || st->next >= total) {
    st->state = VALUES_DONE;
    return LAGO_OK;
  }
  uint32_t n = total - st->next < LAGO_VECTOR_SIZE ? total - st->next : LAGO_VECTOR_SIZE;
  for (uint32_t i = 0; i < n; i++) st->idx[i] = st->next + i;
  batch *b = batch_new(op->out_ar, p->n_cols, p->types, n);
  if (!b) return LAGO_NOMEM_ERR(op->err);
  for (uint32_t c = 0; c < p->n_cols; c++)
    if (vec_gather(&b->cols[c], 0, &p->u.values.cols[c], st->idx, n)) return LAGO_NOMEM_ERR(op->err);
  batch_set_rows(b, n);
  st->next += n;
  *out = *b;
  return LAGO_OK;
}

static const exec_op_vtab k_values_vt = {"Values", values_open, values_next, NULL};

int op_values_init(exec_op *op) {
  op->vt = &k_values_vt;
  return LAGO_OK;
}
