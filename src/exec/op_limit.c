/*
** exec/op_limit.c: LIMIT n OFFSET m (PostgreSQL nodeLimit.c's states).
** Skips `offset` rows, passes `limit` rows by trimming selection vectors,
** then stops pulling its input.
*/
#include "exec/exec_int.h"

typedef enum { LIMIT_SKIPPING, LIMIT_PASSING, LIMIT_DONE } limit_state;

typedef struct limit_st {
  limit_state state;
  int64_t to_skip;
  int64_t left;     /* rows still to pass; < 0: unlimited */
} limit_st;

static int limit_open(exec_op *op) {
  limit_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  st->to_skip = op->pl->u.limit.offset;
  st->left = op->pl->u.limit.limit;
  st->state = st->left == 0 ? LIMIT_DONE : st->to_skip ? LIMIT_SKIPPING : LIMIT_PASSING;
  return LAGO_OK;
}

static int limit_next(exec_op *op, batch *out) {
  limit_st *st = op->st;
  for (;;) {
    if (st->state == LIMIT_DONE) return LAGO_OK;
    batch in;
    TRY(exec_op_next(op->child[0], &in));
    if (in.n_rows == 0) {
      st->state = LIMIT_DONE;
      return LAGO_OK;
    }
    uint32_t from = 0, n = in.n_rows;
    if (st->state == LIMIT_SKIPPING) {
      if (st->to_skip >= n) {
        st->to_skip -= n;
        continue;
      }
      from = (uint32_t)st->to_skip;
      st->to_skip = 0;
      st->state = LIMIT_PASSING;
    }
    uint32_t take = n - from;
    if (st->left >= 0 && take > st->left) take = (uint32_t)st->left;
    if (st->left >= 0) {
      st->left -= take;
      if (st->left == 0) st->state = LIMIT_DONE;
    }
    *out = in;
    out->n_rows = take;
    if (from) {
      exec_op_reset_out(op);
      uint32_t *sel = arena_alloc(op->out_ar, take * sizeof(uint32_t));
      if (!sel) return LAGO_NOMEM_ERR(op->err);
      for (uint32_t i = 0; i < take; i++) sel[i] = in.sel ? in.sel[from + i] : from + i;
      out->sel = sel;
    }
    if (take == 0) continue;
    return LAGO_OK;
  }
}

static const exec_op_vtab k_limit_vt = {"Limit", limit_open, limit_next, NULL};

int op_limit_init(exec_op *op) {
  op->vt = &k_limit_vt;
  op->n_child = 1;
  return exec_op_build(op->cx, op->pl->children[0], op->thread, op->err, &op->child[0]);
}
