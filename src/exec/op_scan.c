/*
** exec/op_scan.c: scan of an exec_source (source.h), morsel by morsel.
**
** All copies of one scan node in a pipeline share one opened source
** instance and one morsel counter (exec_shared keyed by the plan node), so
** each morsel is read by exactly one copy. The first copy to open opens the
** source; the last to close closes it.
*/
#include "exec/exec_int.h"
#include "util/alloc.h"

typedef struct scan_shared {
  void *inst;               /* opened source instance */
  uint32_t n_morsels;
  atomic_uint next_morsel;
  atomic_int refs;          /* open operator copies */
} scan_shared;

typedef enum { SCAN_IDLE, SCAN_CURSOR, SCAN_DONE } scan_state;

typedef struct scan_st {
  scan_state state;
  scan_shared *sh;
  void *cur;
} scan_st;

typedef struct scan_make {
  const plan *p;
  lago_err *err;
} scan_make;

static int make_shared(void *ud, void **val) {
  scan_make *mk = ud;
  const plan *p = mk->p;
  const exec_source *src = p->u.scan.src;
  scan_shared *sh = mem_calloc(1, sizeof *sh);
  if (!sh) return LAGO_NOMEM_ERR(mk->err);
  source_scan_args args = {p->u.scan.cols, p->n_cols, p->u.scan.filters, p->u.scan.n_filters, LAGO_VECTOR_SIZE};
  int rc = src->vt->open(src->config, &args, &sh->inst, mk->err);
  if (rc) {
    mem_free(sh);
    return rc;
  }
  sh->n_morsels = src->vt->n_morsels(sh->inst);
  atomic_init(&sh->next_morsel, 0);
  atomic_init(&sh->refs, 0);
  *val = sh;
  return LAGO_OK;
}

static int scan_open(exec_op *op) {
  scan_st *st = exec_op_state(op, sizeof *st);
  if (!st) return LAGO_NOMEM_ERR(op->err);
  scan_make mk = {op->pl, op->err};
  void *v;
  TRY(exec_shared(op->cx, op->pl, make_shared, &mk, &v));
  st->sh = v;
  atomic_fetch_add(&st->sh->refs, 1);
  return LAGO_OK;
}

static int scan_next(exec_op *op, batch *out) {
  scan_st *st = op->st;
  const exec_source *src = op->pl->u.scan.src;
  for (;;) {
    if (st->state == SCAN_DONE) return LAGO_OK;
    if (st->state == SCAN_IDLE) {
      unsigned m = atomic_fetch_add(&st->sh->next_morsel, 1);
      if (m >= st->sh->n_morsels) {
        st->state = SCAN_DONE;
        return LAGO_OK;
      }
      TRY(src->vt->cursor_open(st->sh->inst, m, &st->cur, op->err));
      st->state = SCAN_CURSOR;
    }
    batch *b;
    TRY(src->vt->cursor_next(st->cur, &b, op->err));
    if (b->n_rows == 0) {
      src->vt->cursor_close(st->cur);
      st->cur = NULL;
      st->state = SCAN_IDLE;
      TRY(exec_check_cancel(op->cx, op->err));
      continue;
    }
    *out = *b;
    return LAGO_OK;
  }
}

static void scan_close(exec_op *op) {
  scan_st *st = op->st;
  if (!st) return;
  const exec_source *src = op->pl->u.scan.src;
  if (st->cur) src->vt->cursor_close(st->cur);
  st->cur = NULL;
  if (st->sh && atomic_fetch_sub(&st->sh->refs, 1) == 1) {
    src->vt->close(st->sh->inst);
    mem_free(st->sh);
    exec_shared_drop(op->cx, op->pl);
  }
  st->sh = NULL;
}

static const exec_op_vtab k_scan_vt = {"Scan", scan_open, scan_next, scan_close};

int op_scan_init(exec_op *op) {
  op->vt = &k_scan_vt;
  return LAGO_OK;
}
