/*
** exec/op_generate.c: explode / posexplode, for LATERAL VIEW [OUTER] and for
** a generator in the SELECT list (sql/bind_query.c plans both, and inline as
** explode followed by a projection of the struct's fields).
** Each input row is repeated once per element of its ARRAY (or entry of its
** MAP), followed by [pos,] element (or key, value). NULL or empty
** collections give no row, or one row of NULLs with OUTER. Input columns are
** repeated through dictionary vectors (no copy); elements are gathered.
** States: GEN_PULL (next input batch), GEN_EMIT (rows of the current batch).
*/
#include <string.h>

#include "exec/exec_int.h"

typedef enum { GEN_PULL, GEN_EMIT } gen_state;

typedef struct gen_st {
  gen_state state;
  batch in;
  vec *coll;          /* evaluated generator over in */
  uint32_t row, elem; /* position: logical row, element within it */
  arena *in_ar;
  eval_ctx in_ec;
} gen_st;

static int gen_open(exec_op *op) {
  gen_st *st = exec_op_state(op, sizeof *st);
  if (!st || !(st->in_ar = arena_new("gen-in", 16 * 1024))) return LAGO_NOMEM_ERR(op->err);
  st->in_ec = (eval_ctx){st->in_ar, op->err, op->cx->now_us, op->cx->tz};
  return LAGO_OK;
}

static int gen_next(exec_op *op, batch *out) {
  gen_st *st = op->st;
  const plan *p = op->pl;
  bool outer = p->u.generate.outer, with_pos = p->u.generate.with_pos;
  bool is_map = p->u.generate.gen->type.id == LT_MAP;
  uint32_t nin = p->children[0]->n_cols;
  for (;;) {
    if (st->state == GEN_PULL) {
      TRY(exec_op_next(op->child[0], &st->in));
      if (!st->in.n_rows) return LAGO_OK;
      arena_reset(st->in_ar);
      TRY(expr_eval(&st->in_ec, p->u.generate.gen, &st->in, st->in.sel, st->in.n_rows, &st->coll));
      if (st->coll->kind != VEC_FLAT) {
        vec *f = vec_new(st->in_ar, st->coll->type, eval_len(st->in.sel, st->in.n_rows));
        if (!f || vec_gather(f, 0, st->coll, NULL, eval_len(st->in.sel, st->in.n_rows))) return LAGO_NOMEM_ERR(op->err);
        st->coll = f;
      }
      st->row = st->elem = 0;
      st->state = GEN_EMIT;
    }
    exec_op_reset_out(op);
    uint32_t *src = arena_alloc(op->out_ar, LAGO_VECTOR_SIZE * sizeof(uint32_t));  /* input row per output row */
    uint32_t *el = arena_alloc(op->out_ar, LAGO_VECTOR_SIZE * sizeof(uint32_t));   /* child index, UINT32_MAX = NULL */
    int32_t *pos = arena_alloc(op->out_ar, LAGO_VECTOR_SIZE * sizeof(int32_t));
    if (!src || !el || !pos) return LAGO_NOMEM_ERR(op->err);
    uint32_t m = 0;
    const vec *cv = st->coll;
    while (m < LAGO_VECTOR_SIZE && st->row < st->in.n_rows) {
      uint32_t r = st->in.sel ? st->in.sel[st->row] : st->row;
      lago_list l = vec_is_valid(cv, r) ? VEC_DATA(cv, lago_list)[r] : (lago_list){0, 0};
      if (l.length == 0) {
        if (outer) {
          src[m] = r;
          el[m] = UINT32_MAX;
          pos[m++] = -1;
        }
        st->row++;
        st->elem = 0;
        continue;
      }
      src[m] = r;
      el[m] = l.offset + st->elem;
      pos[m++] = (int32_t)st->elem;
      if (++st->elem == l.length) {
        st->row++;
        st->elem = 0;
      }
    }
    if (st->row >= st->in.n_rows) st->state = GEN_PULL;
    if (!m) continue;
    arena *ar = op->out_ar;
    vec *cols = arena_alloc(ar, (p->n_cols + 1) * sizeof(vec));
    if (!cols) return LAGO_NOMEM_ERR(op->err);
    for (uint32_t c = 0; c < nin; c++)
      if (vec_init(&cols[c], ar, p->types[c], m) || vec_gather(&cols[c], 0, &st->in.cols[c], src, m))
        return LAGO_NOMEM_ERR(op->err);
    uint32_t at = nin;
    if (with_pos) {
      if (vec_init(&cols[at], ar, type_make(LT_INT), m)) return LAGO_NOMEM_ERR(op->err);
      for (uint32_t i = 0; i < m; i++) {
        if (pos[i] < 0) {
          if (vec_set_null(&cols[at], i)) return LAGO_NOMEM_ERR(op->err);
        } else {
          VEC_DATA(&cols[at], int32_t)[i] = pos[i];
        }
      }
      cols[at++].len = m;
    }
    uint32_t n_out = is_map ? 2 : 1;
    for (uint32_t k = 0; k < n_out; k++) {
      const vec *child = is_map ? cv->child->fields[k] : cv->child;
      vec *o = &cols[at + k];
      if (vec_init(o, ar, p->types[at + k], m)) return LAGO_NOMEM_ERR(op->err);
      for (uint32_t i = 0; i < m; i++) {
        int rc = el[i] == UINT32_MAX ? vec_set_null(o, i) : vec_copy_row(o, i, child, el[i]);
        if (rc) return LAGO_NOMEM_ERR(op->err);
      }
      o->len = m;
    }
    out->n_cols = p->n_cols;
    out->cols = cols;
    out->n_rows = m;
    out->ar = ar;
    return LAGO_OK;
  }
}

static void gen_close(exec_op *op) {
  gen_st *st = op->st;
  if (st) {
    arena_free(st->in_ar);
    st->in_ar = NULL;
  }
}

static const exec_op_vtab k_generate_vt = {"Generate", gen_open, gen_next, gen_close};

int op_generate_init(exec_op *op) {
  op->vt = &k_generate_vt;
  op->n_child = 1;
  return exec_op_build(op->cx, op->pl->children[0], op->thread, op->err, &op->child[0]);
}
