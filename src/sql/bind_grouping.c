/*
** sql/bind_grouping.c: GROUP BY ROLLUP / CUBE / GROUPING SETS and grouping(), grouping_id().
**
** Sets: every GROUP BY item contributes a list of key sets and the query's sets are their
** cross product (Spark's GroupingAnalytics):
**     a                 [a]                      (a plain key is in every set)
**     ROLLUP(a, b)      [a, b], [a], []
**     CUBE(a, b)        [a, b], [a], [b], []
**     GROUPING SETS     the listed sets; (a, b), a and () are sets
** so GROUP BY a, ROLLUP(b, c) has sets [a, b, c], [a, b], [a]. A set is a bit mask over the
** distinct key expressions (in order of first appearance).
**
** Plan (Spark's Expand + Aggregate, built from existing operators): the input is cross-joined
** with a VALUES node holding one row per set,
**     VALUES (pos INT, gid BIGINT, absent_0 BOOLEAN, .., absent_n-1 BOOLEAN)
** and one hash aggregate groups on
**     CASE WHEN absent_k THEN NULL ELSE key_k END  (k = 0..n-1), gid, pos
** Aggregate arguments read the input columns unchanged, so sum(a) under ROLLUP(a) sums the
** real values. gid is Spark's spark_grouping_id: bit (n-1-k) is 1 when key k is absent from
** the set, so the first key is the most significant bit. pos (the set's index) is a group key
** too so that a set listed twice gives its rows twice, as in Spark. An aggregate always has
** group keys here, so empty input gives no rows, also for the () set (Spark does the same;
** PostgreSQL and DuckDB give one row for ()).
**
** grouping(k) = CAST((gid div 2^(n-1-k)) % 2 AS TINYINT), grouping_id() = gid; both are bound
** over the VALUES gid column, which the group rewrite then maps to the aggregate's output.
*/
#include <string.h>

#include "sql/sql_int.h"

/* ---- sets ---------------------------------------------------------------------------- */

int bind_gsets_key(sql_ctx *q, gsets *g, expr *e, int pos, uint32_t *idx) {
  for (uint32_t k = 0; k < g->n_keys; k++)
    if (lpx_equal(g->keys[k], e)) {
      *idx = k;
      return LAGO_OK;
    }
  if (g->n_keys >= GSETS_MAX_KEYS)
    return sql_err_at(q, LAGO_BIND, pos, "[GROUPING_SIZE_LIMIT_EXCEEDED] grouping sets can have at most %d distinct keys",
                      GSETS_MAX_KEYS);
  *idx = g->n_keys;
  return sql_push_ptr(q, (void ***)&g->keys, &g->n_keys, &g->cap_keys, e);
}

/* The item's own sets (masks) into *out (q->ar), *n of them. */
static int item_sets(sql_ctx *q, sql_group_kind kind, const uint64_t *elems, uint32_t n_elems, int pos, uint64_t **out,
                     uint32_t *n) {
  uint32_t cnt;
  switch (kind) {
    case SQL_GROUP_ROLLUP: cnt = n_elems + 1; break;
    case SQL_GROUP_CUBE:
      if (n_elems > 12)
        return sql_err_at(q, LAGO_BIND, pos, "[GROUPING_SIZE_LIMIT_EXCEEDED] Grouping sets size cannot be greater than %d",
                          GSETS_MAX_SETS);
      cnt = 1u << n_elems;
      break;
    case SQL_GROUP_SETS: cnt = n_elems; break;
    default: cnt = 1; break;
  }
  if (cnt > GSETS_MAX_SETS)
    return sql_err_at(q, LAGO_BIND, pos, "[GROUPING_SIZE_LIMIT_EXCEEDED] Grouping sets size cannot be greater than %d",
                      GSETS_MAX_SETS);
  uint64_t *s = arena_alloc(q->ar, (cnt ? cnt : 1) * sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(q->err);
  switch (kind) {
    case SQL_GROUP_ROLLUP:
      /* prefixes, longest first: (a, b), (a), () */
      for (uint32_t i = 0; i < cnt; i++) {
        uint64_t m = 0;
        for (uint32_t j = 0; j < n_elems - i; j++) m |= elems[j];
        s[i] = m;
      }
      break;
    case SQL_GROUP_CUBE:
      /* every subset, the full set first and () last: mask bit j of i set = element j left out */
      for (uint32_t i = 0; i < cnt; i++) {
        uint64_t m = 0;
        for (uint32_t j = 0; j < n_elems; j++)
          if (!(i & (1u << (n_elems - 1 - j)))) m |= elems[j];
        s[i] = m;
      }
      break;
    case SQL_GROUP_SETS:
      for (uint32_t i = 0; i < cnt; i++) s[i] = elems[i];
      break;
    default: s[0] = n_elems ? elems[0] : 0; break;
  }
  *out = s;
  *n = cnt;
  return LAGO_OK;
}

int bind_gsets_add(sql_ctx *q, gsets *g, sql_group_kind kind, const uint64_t *elems, uint32_t n_elems, int pos) {
  uint64_t *its = NULL;
  uint32_t n_its = 0;
  TRY(item_sets(q, kind, elems, n_elems, pos, &its, &n_its));
  if (g->n_sets == 0 && !g->present) {
    /* the first item: the product with the one empty set */
    g->present = its;
    g->n_sets = n_its;
    return LAGO_OK;
  }
  if (n_its && (uint64_t)g->n_sets * n_its > GSETS_MAX_SETS)
    return sql_err_at(q, LAGO_BIND, pos, "[GROUPING_SIZE_LIMIT_EXCEEDED] Grouping sets size cannot be greater than %d",
                      GSETS_MAX_SETS);
  uint32_t n = g->n_sets * n_its;
  uint64_t *s = arena_alloc(q->ar, (n ? n : 1) * sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < g->n_sets; i++)
    for (uint32_t j = 0; j < n_its; j++) s[i * n_its + j] = g->present[i] | its[j];
  g->present = s;
  g->n_sets = n;
  return LAGO_OK;
}

/* ---- expand ---------------------------------------------------------------------------- */

static uint64_t set_gid(const gsets *g, uint32_t i) {
  uint64_t gid = 0;
  for (uint32_t k = 0; k < g->n_keys; k++)
    if (!(g->present[i] & (1ull << k))) gid |= 1ull << (g->n_keys - 1 - k);
  return gid;
}

int bind_gsets_expand(sql_ctx *q, gsets *g, lp **pl, expr ***rewrite, expr ***agg_groups) {
  uint32_t nk = g->n_keys, ns = g->n_sets, nc = 2 + nk;
  if (ns == 0)
    return sql_err_at(q, LAGO_BIND, -1, "GROUPING SETS needs at least one set");
  lp *v = lp_new(q, LP_VALUES, 0, NULL);
  if (!v) return LAGO_NOMEM_ERR(q->err);
  v->n_out = nc;
  v->out = arena_alloc(q->ar, nc * sizeof *v->out);
  v->u.values.cols = arena_alloc(q->ar, nc * sizeof(vec));
  if (!v->out || !v->u.values.cols) return LAGO_NOMEM_ERR(q->err);
  v->u.values.n_rows = ns;
  v->est_rows = ns;
  for (uint32_t c = 0; c < nc; c++) {
    lago_type t = c == 0 ? type_make(LT_INT) : c == 1 ? type_make(LT_BIGINT) : type_make(LT_BOOLEAN);
    vec *col = &v->u.values.cols[c];
    if (vec_init(col, q->ar, t, ns)) return LAGO_NOMEM_ERR(q->err);
    col->len = ns;
    for (uint32_t i = 0; i < ns; i++) {
      if (c == 0) ((int32_t *)col->data)[i] = (int32_t)i;
      else if (c == 1) ((int64_t *)col->data)[i] = (int64_t)set_gid(g, i);
      else ((uint8_t *)col->data)[i] = !(g->present[i] & (1ull << (c - 2)));
    }
    const char *nm = c == 0 ? "_gen_grouping_pos" : c == 1 ? "spark_grouping_id" : arena_printf(q->ar, "_absent%u", c - 2);
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    v->out[c] = (lp_col){sql_new_id(q), t, nm};
  }
  TRY(lp_join(q, JOIN_INNER, *pl, v, NULL, pl));

  expr **rw = arena_alloc(q->ar, (nk + 2) * sizeof *rw);
  expr **ag = arena_alloc(q->ar, (nk + 2) * sizeof *ag);
  if (!rw || !ag) return LAGO_NOMEM_ERR(q->err);
  g->pos_col = lp_colref(q, v, 0);
  g->gid_col = lp_colref(q, v, 1);
  if (!g->pos_col || !g->gid_col) return LAGO_NOMEM_ERR(q->err);
  lago_err tmp;
  lago_err_clear(&tmp);
  for (uint32_t k = 0; k < nk; k++) {
    rw[k] = g->keys[k];
    bool always = true;
    for (uint32_t i = 0; i < ns && always; i++) always = (g->present[i] >> k) & 1;
    if (always) {
      ag[k] = g->keys[k];
      continue;
    }
    expr *when = lp_colref(q, v, 2 + k), *null = expr_null(q->ar, g->keys[k]->type);
    if (!when || !null) return LAGO_NOMEM_ERR(q->err);
    int rc = expr_case(q->ar, &when, &null, 1, g->keys[k], &ag[k], &tmp);
    if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(q->err) : sql_err_at(q, rc, -1, "%s", tmp.msg);
    ag[k]->name = g->keys[k]->name;
  }
  rw[nk] = ag[nk] = g->gid_col;
  rw[nk + 1] = ag[nk + 1] = g->pos_col;
  *rewrite = rw;
  *agg_groups = ag;
  return LAGO_OK;
}

/* ---- grouping(), grouping_id() --------------------------------------------------------- */

/* "a, b" of the keys, for messages (q->ar; NULL on OOM). */
static const char *keys_text(sql_ctx *q, const gsets *g) {
  buf t;
  buf_init(&t);
  int rc = LAGO_OK;
  for (uint32_t k = 0; k < g->n_keys && !rc; k++) {
    if (k) rc = buf_puts(&t, ",");
    if (!rc) rc = g->keys[k]->kind == EXPR_COLUMN && g->keys[k]->name ? buf_puts(&t, g->keys[k]->name)
                                                                        : expr_to_text(g->keys[k], &t);
  }
  const char *s = rc ? NULL : arena_strdup(q->ar, buf_cstr(&t));
  buf_deinit(&t);
  return s;
}

int bind_grouping_call(bind_ectx *b, const sql_expr *e, const char *name, expr **out) {
  sql_ctx *q = b->q;
  const sql_func *f = &e->func;
  const gsets *g = b->gs;
  bool is_id = !strcmp(name, "grouping_id");
  if (!g || b->in_agg)
    return sql_err_at(q, LAGO_BIND, e->pos,
                      "[UNSUPPORTED_GROUPING_EXPRESSION] grouping()/grouping_id() can only be used with GroupingSets/Cube/Rollup");
  if (f->distinct || f->star || f->filter || f->over)
    return sql_err_at(q, LAGO_BIND, e->pos, "`%s` takes plain arguments", name);
  if (!is_id && f->n_args != 1)
    return sql_err_at(q, LAGO_BIND, e->pos, "[WRONG_NUM_ARGS] `grouping` requires 1 argument, got %u", f->n_args);
  /* bind the arguments as keys are bound: over FROM columns, before the group rewrite */
  uint32_t idx[GSETS_MAX_KEYS + 1];
  bool match = !is_id || f->n_args == 0 || f->n_args == g->n_keys;
  for (uint32_t i = 0; i < f->n_args && i <= GSETS_MAX_KEYS; i++) {
    expr *a;
    TRY(bind_expr(b, f->args[i], &a));
    TRY(bind_fold(q, a, &a));
    int found = -1;
    for (uint32_t k = 0; k < g->n_keys && found < 0; k++)
      if (lpx_equal(g->keys[k], a)) found = (int)k;
    if (!is_id && found < 0) {
      const char *kt = keys_text(q, g);
      buf t;
      buf_init(&t);
      int rc = sql_print_expr(&t, f->args[i], 0) || !kt
                   ? LAGO_NOMEM_ERR(q->err)
                   : sql_err_at(q, LAGO_BIND, f->args[i]->pos,
                                "[GROUPING_COLUMN_MISMATCH] Column of grouping (%s) can't be found in grouping columns %s",
                                buf_cstr(&t), kt);
      buf_deinit(&t);
      return rc;
    }
    if (is_id && found != (int)i) match = false;
    idx[i] = found < 0 ? 0 : (uint32_t)found;
  }
  if (!match) {
    const char *kt = keys_text(q, g);
    buf t;
    buf_init(&t);
    int prc = kt ? LAGO_OK : LAGO_NOMEM;
    for (uint32_t i = 0; i < f->n_args && !prc; i++) {
      if (i) prc = buf_puts(&t, ",");
      if (!prc) prc = sql_print_expr(&t, f->args[i], 0);
    }
    int rc = prc ? LAGO_NOMEM_ERR(q->err)
                 : sql_err_at(q, LAGO_BIND, e->pos,
                              "[GROUPING_ID_COLUMN_MISMATCH] Columns of grouping_id (%s) does not match grouping columns (%s)",
                              buf_cstr(&t), kt);
    buf_deinit(&t);
    return rc;
  }
  if (is_id) {
    *out = g->gid_col;
    return LAGO_OK;
  }
  /* (gid div 2^(n-1-k)) % 2: lago has no bitwise operators yet, and gid >= 0 */
  expr *a[2] = {g->gid_col, expr_bigint(q->ar, (int64_t)(1ull << (g->n_keys - 1 - idx[0])))};
  expr *two = expr_bigint(q->ar, 2), *sh, *bit;
  if (!a[1] || !two) return LAGO_NOMEM_ERR(q->err);
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = expr_call(q->ar, "div", a, 2, &sh, &tmp);
  if (!rc) {
    expr *b2[2] = {sh, two};
    rc = expr_call(q->ar, "%", b2, 2, &bit, &tmp);
  }
  if (!rc) rc = expr_cast(q->ar, bit, type_make(LT_TINYINT), false, out, &tmp);
  if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(q->err) : sql_err_at(q, rc, e->pos, "%s", tmp.msg);
  return LAGO_OK;
}
