/*
** sql/bind_subquery.c: subqueries in expressions: scalar, [NOT] IN (query),
** [NOT] EXISTS, uncorrelated and correlated.
**
**   uncorrelated scalar   run once while binding; its value becomes a constant
**                         (more than one row: SCALAR_SUBQUERY_TOO_MANY_ROWS)
**   WHERE conjunct        [NOT] EXISTS -> SEMI / ANTI join; x [NOT] IN (q) ->
**                         SEMI / null-aware ANTI join on x = q's column
**   elsewhere             MARK join: a BOOLEAN column, NULL-aware for IN
**   correlated scalar     LEFT join with the subquery's aggregate grouped by
**                         the correlation keys (count(..) -> coalesce(.., 0))
**
** Correlated references are plain column ids of the outer query (ids are
** unique in the statement), so a subquery plan is "correlated" when it
** references ids it does not produce. Decorrelation pulls the conjuncts that
** mention outer ids out of the subquery's filters, up through projections
** (which pass the inner columns they need through) and aggregates (which
** group by them, equalities only), and makes them the join condition.
*/
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/* ---- id sets ------------------------------------------------------------------------ */

typedef struct idset {
  uint8_t *bits;   /* one byte per id < n */
  uint32_t n;
} idset;

static int idset_init(sql_ctx *q, idset *s) {
  s->n = q->next_id + 1;
  s->bits = arena_zalloc(q->ar, s->n);
  return s->bits ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}
static bool idset_has(const idset *s, uint32_t id) { return id < s->n && s->bits[id]; }
static void idset_add(idset *s, uint32_t id) {
  if (id < s->n) s->bits[id] = 1;
}

static void produced(const lp *n, idset *s) {
  for (uint32_t i = 0; i < n->n_out; i++) idset_add(s, n->out[i].id);
  for (uint32_t i = 0; i < n->n_child; i++) produced(n->child[i], s);
  if (n->kind == LP_AGG)
    for (uint32_t i = 0; i < n->n_out; i++) idset_add(s, n->out[i].id);
}

static void refs_expr(const expr *e, const idset *prod, idset *free_ids, bool *any) {
  if (!e) return;
  if (e->kind == EXPR_COLUMN) {
    if (!idset_has(prod, e->u.col)) {
      idset_add(free_ids, e->u.col);
      *any = true;
    }
    return;
  }
  for (uint32_t i = 0; i < e->n_args; i++) refs_expr(e->args[i], prod, free_ids, any);
}

static void refs_agg(const agg_call *a, const idset *prod, idset *f, bool *any) {
  for (uint32_t i = 0; i < a->b.n_args; i++) refs_expr(a->args[i], prod, f, any);
  refs_expr(a->filter, prod, f, any);
}

/* Ids referenced in n's subtree but produced nowhere in it. */
static void free_refs(const lp *n, const idset *prod, idset *f, bool *any) {
  switch ((lp_kind)n->kind) {
    case LP_GET:
      for (uint32_t i = 0; i < n->u.get.n_filters; i++) refs_expr(n->u.get.filters[i], prod, f, any);
      break;
    case LP_FILTER: refs_expr(n->u.filter.pred, prod, f, any); break;
    case LP_PROJECT:
      for (uint32_t i = 0; i < n->n_out; i++) refs_expr(n->u.project.exprs[i], prod, f, any);
      break;
    case LP_JOIN: refs_expr(n->u.join.cond, prod, f, any); break;
    case LP_AGG:
      for (uint32_t i = 0; i < n->u.agg.n_groups; i++) refs_expr(n->u.agg.groups[i], prod, f, any);
      for (uint32_t i = 0; i < n->u.agg.n_aggs; i++) refs_agg(n->u.agg.aggs[i], prod, f, any);
      break;
    case LP_WINDOW:
      for (uint32_t i = 0; i < n->u.window.n_part; i++) refs_expr(n->u.window.part[i], prod, f, any);
      for (uint32_t i = 0; i < n->u.window.n_order; i++) refs_expr(n->u.window.order[i].e, prod, f, any);
      for (uint32_t i = 0; i < n->u.window.n_calls; i++) {
        const win_call *c = &n->u.window.calls[i];
        for (uint32_t k = 0; k < c->n_args; k++) refs_expr(c->args[k], prod, f, any);
        if (c->agg) refs_agg(c->agg, prod, f, any);
      }
      break;
    case LP_SORT:
      for (uint32_t i = 0; i < n->u.sort.n_keys; i++) refs_expr(n->u.sort.keys[i].e, prod, f, any);
      break;
    case LP_GENERATE: refs_expr(n->u.generate.gen, prod, f, any); break;
    default: break;
  }
  for (uint32_t i = 0; i < n->n_child; i++) free_refs(n->child[i], prod, f, any);
}

static int correlation(sql_ctx *q, const lp *n, idset *outer, bool *correlated) {
  idset prod;
  TRY(idset_init(q, &prod));
  TRY(idset_init(q, outer));
  produced(n, &prod);
  *correlated = false;
  free_refs(n, &prod, outer, correlated);
  return LAGO_OK;
}

static bool uses_outer(const expr *e, const idset *outer) {
  if (e->kind == EXPR_COLUMN) return idset_has(outer, e->u.col);
  for (uint32_t i = 0; i < e->n_args; i++)
    if (uses_outer(e->args[i], outer)) return true;
  return false;
}

static bool subtree_uses_outer(sql_ctx *q, const lp *n, const idset *outer) {
  idset prod, f;
  if (idset_init(q, &prod) || idset_init(q, &f)) return true;
  produced(n, &prod);
  bool any = false;
  free_refs(n, &prod, &f, &any);
  if (!any) return false;
  for (uint32_t i = 0; i < f.n; i++)
    if (f.bits[i] && idset_has(outer, i)) return true;
  return false;
}

/* ---- pulling correlated conjuncts up ------------------------------------------------------ */

typedef struct pulled {
  expr **preds;
  uint32_t n, cap;
} pulled;

/* Inner ids (produced by n) that the pulled predicates need. */
static int needed_ids(sql_ctx *q, const pulled *pu, const lp *n, uint32_t **ids, uint32_t *cnt) {
  uint32_t *all = NULL, na = 0, ca = 0;
  for (uint32_t i = 0; i < pu->n; i++) TRY(lpx_collect(q, pu->preds[i], &all, &na, &ca));
  uint32_t *r = arena_alloc(q->ar, (na ? na : 1) * sizeof *r), nr = 0;
  if (!r) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < na; i++) {
    bool dup = false;
    for (uint32_t k = 0; k < nr && !dup; k++) dup = r[k] == all[i];
    if (!dup && lp_find(n, all[i]) >= 0) r[nr++] = all[i];
  }
  *ids = r;
  *cnt = nr;
  return LAGO_OK;
}

/* Is p `inner = outer` (either order) with each side on one side only? */
static bool is_corr_equality(const expr *p, const idset *outer) {
  if (p->kind != EXPR_CALL || p->n_args != 2 || !p->u.call.def || strcmp(p->u.call.def->name, "=")) return false;
  bool l = uses_outer(p->args[0], outer), r = uses_outer(p->args[1], outer);
  return l != r;
}

static int pull_up(sql_ctx *q, lp *n, const idset *outer, pulled *pu, lp **out, int pos) {
  if (!subtree_uses_outer(q, n, outer)) {
    *out = n;
    return LAGO_OK;
  }
  switch ((lp_kind)n->kind) {
    case LP_FILTER: {
      lp *c;
      TRY(pull_up(q, n->child[0], outer, pu, &c, pos));
      expr **cj = NULL, **keep = NULL;
      uint32_t ncj = 0, ccj = 0, nk = 0, ck = 0;
      TRY(lpx_conjuncts(q, n->u.filter.pred, &cj, &ncj, &ccj));
      for (uint32_t i = 0; i < ncj; i++) {
        if (uses_outer(cj[i], outer)) TRY(sql_push_ptr(q, (void ***)&pu->preds, &pu->n, &pu->cap, cj[i]));
        else TRY(sql_push_ptr(q, (void ***)&keep, &nk, &ck, cj[i]));
      }
      if (!nk) {
        *out = c;
        return LAGO_OK;
      }
      expr *pred;
      TRY(lpx_and(q, keep, nk, &pred));
      return lp_filter(q, c, pred, out);
    }
    case LP_PROJECT: {
      lp *c;
      TRY(pull_up(q, n->child[0], outer, pu, &c, pos));
      for (uint32_t i = 0; i < n->n_out; i++)
        if (uses_outer(n->u.project.exprs[i], outer))
          return sql_err_at(q, LAGO_UNSUPPORTED, pos,
                            "[UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY] outer references in the select list of a correlated subquery are not supported");
      uint32_t *need, nn;
      TRY(needed_ids(q, pu, c, &need, &nn));
      uint32_t cnt = n->n_out;
      for (uint32_t i = 0; i < nn; i++)
        if (lp_find(n, need[i]) < 0) cnt++;
      lp *p = lp_new(q, LP_PROJECT, 1, &c);
      if (!p) return LAGO_NOMEM_ERR(q->err);
      p->out = arena_alloc(q->ar, cnt * sizeof *p->out);
      p->u.project.exprs = arena_alloc(q->ar, cnt * sizeof(expr *));
      if (!p->out || !p->u.project.exprs) return LAGO_NOMEM_ERR(q->err);
      memcpy(p->out, n->out, n->n_out * sizeof *p->out);
      memcpy(p->u.project.exprs, n->u.project.exprs, n->n_out * sizeof(expr *));
      p->n_out = n->n_out;
      for (uint32_t i = 0; i < nn; i++) {
        if (lp_find(n, need[i]) >= 0) continue;
        int k = lp_find(c, need[i]);
        p->out[p->n_out] = c->out[k];
        if (!(p->u.project.exprs[p->n_out] = lp_colref(q, c, (uint32_t)k))) return LAGO_NOMEM_ERR(q->err);
        p->n_out++;
      }
      *out = p;
      return LAGO_OK;
    }
    case LP_AGG: {
      lp *c;
      uint32_t before = pu->n;
      TRY(pull_up(q, n->child[0], outer, pu, &c, pos));
      for (uint32_t i = 0; i < n->u.agg.n_groups; i++)
        if (uses_outer(n->u.agg.groups[i], outer)) goto unsupported;
      for (uint32_t i = before; i < pu->n; i++)
        if (!is_corr_equality(pu->preds[i], outer)) goto unsupported;
      uint32_t *need, nn;
      TRY(needed_ids(q, pu, c, &need, &nn));
      uint32_t ng = n->u.agg.n_groups + nn;
      expr **groups = arena_alloc(q->ar, (ng ? ng : 1) * sizeof *groups);
      lp *a = lp_new(q, LP_AGG, 1, &c);
      if (!groups || !a) return LAGO_NOMEM_ERR(q->err);
      a->n_out = n->n_out + nn;
      a->out = arena_alloc(q->ar, a->n_out * sizeof *a->out);
      if (!a->out) return LAGO_NOMEM_ERR(q->err);
      uint32_t k = 0;
      for (uint32_t i = 0; i < n->u.agg.n_groups; i++) {
        groups[k] = n->u.agg.groups[i];
        a->out[k++] = n->out[i];
      }
      for (uint32_t i = 0; i < nn; i++) {
        int ci = lp_find(c, need[i]);
        groups[k] = lp_colref(q, c, (uint32_t)ci);
        if (!groups[k]) return LAGO_NOMEM_ERR(q->err);
        a->out[k++] = c->out[ci];
      }
      for (uint32_t i = n->u.agg.n_groups; i < n->n_out; i++) a->out[k++] = n->out[i];
      a->u.agg = n->u.agg;
      a->u.agg.groups = groups;
      a->u.agg.n_groups = ng;
      *out = a;
      return LAGO_OK;
    }
    case LP_DISTINCT:
    case LP_SORT: {
      lp *c;
      TRY(pull_up(q, n->child[0], outer, pu, &c, pos));
      if (n->kind == LP_SORT) {
        *out = c; /* order does not matter inside IN / EXISTS / an aggregate */
        return LAGO_OK;
      }
      return lp_distinct(q, c, out);
    }
    default: break;
  }
unsupported:
  return sql_err_at(q, LAGO_UNSUPPORTED, pos,
                    "[UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY] this correlated subquery is not supported (correlation is "
                    "supported in WHERE conjuncts, below projections and aggregates with equality predicates)");
}

/* ---- scalar evaluation ---------------------------------------------------------------------- */

typedef struct scalar_sink {
  vec *val;
  uint64_t rows;
} scalar_sink;

int bind_eval_scalar(sql_ctx *q, lp *root, int pos, expr **out) {
  if (root->n_out != 1)
    return sql_err_at(q, LAGO_BIND, pos,
                      "[INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN] Scalar subquery "
                      "must return only one column, but got %u",
                      root->n_out);
  lp *opt;
  plan *p;
  TRY(sql_plan_optimize(q, root, &opt));
  TRY(sql_physical(q, opt, &p));
  exec_query *eq;
  TRY(exec_open(q->cx, p, &eq, q->err));
  vec *val = vec_new(q->ar, root->out[0].type, 1);
  if (!val) {
    exec_close(eq);
    return LAGO_NOMEM_ERR(q->err);
  }
  uint64_t rows = 0;
  int rc;
  for (;;) {
    batch *b;
    rc = exec_next(eq, &b, q->err);
    if (rc || b->n_rows == 0) break;
    if (rows + b->n_rows > 1) {
      rc = sql_err_at(q, LAGO_RUNTIME, pos,
                      "[SCALAR_SUBQUERY_TOO_MANY_ROWS] More than one row returned by a subquery used as an expression");
      break;
    }
    if (vec_copy_row(val, 0, &b->cols[0], batch_row(b, 0))) {
      rc = LAGO_NOMEM_ERR(q->err);
      break;
    }
    rows += b->n_rows;
  }
  exec_close(eq);
  TRY(rc);
  val->len = 1;
  if (rows == 0) *out = expr_null(q->ar, root->out[0].type);
  else *out = expr_const(q->ar, val, 0);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

/* ---- binding ---------------------------------------------------------------------------------- */

static int bind_sub(bind_ectx *b, const sql_query *qa, bound_query *bq) {
  return bind_query(b->q, qa, b->sc, b->ctes, bq);
}

/* The subquery's visible plan (drops hidden columns). */
static int visible(sql_ctx *q, bound_query *bq, lp **out) {
  lp *p = bq->plan;
  if (p->n_out != bq->n_cols) {
    uint32_t *ids = arena_alloc(q->ar, (bq->n_cols ? bq->n_cols : 1) * sizeof *ids);
    if (!ids) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < bq->n_cols; i++) ids[i] = p->out[i].id;
    TRY(lp_project_ids(q, p, ids, bq->n_cols, &p));
  }
  *out = p;
  return LAGO_OK;
}

/* x = y with common-type casts. */
static int eq_cond(sql_ctx *q, expr *x, expr *y, int pos, expr **out) {
  expr *a[2] = {x, y};
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = expr_call(q->ar, "=", a, 2, out, &tmp);
  return rc ? sql_err_at(q, rc, pos, "%s", tmp.msg) : LAGO_OK;
}

/* Decorrelates sub and joins it to *b->plan with type jt and extra condition `extra` (over both sides). */
static int attach(bind_ectx *b, lp *sub, join_type jt, expr *extra, bool null_aware, int pos, lp **join_out) {
  sql_ctx *q = b->q;
  if (!b->plan || !*b->plan)
    return sql_err_at(q, LAGO_UNSUPPORTED, pos, "[UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY] subqueries are not supported in %s",
                      b->clause ? b->clause : "this clause");
  if (b->grouped || b->agg_ok) {
    if (!b->in_agg)
      return sql_err_at(q, LAGO_UNSUPPORTED, pos,
                        "[UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY] IN/EXISTS subqueries in the select list of an aggregate query are not supported");
  }
  idset outer;
  bool corr;
  TRY(correlation(q, sub, &outer, &corr));
  pulled pu;
  memset(&pu, 0, sizeof pu);
  if (corr) TRY(pull_up(q, sub, &outer, &pu, &sub, pos));
  if (corr) {
    bool still;
    idset o2;
    TRY(correlation(q, sub, &o2, &still));
    if (still)
      return sql_err_at(q, LAGO_UNSUPPORTED, pos,
                        "[UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY] this correlated subquery is not supported");
  }
  if (extra) TRY(sql_push_ptr(q, (void ***)&pu.preds, &pu.n, &pu.cap, extra));
  expr *cond;
  TRY(lpx_and(q, pu.preds, pu.n, &cond));
  lp *j;
  TRY(lp_join(q, jt, *b->plan, sub, cond, &j));
  j->u.join.null_aware = null_aware;
  *b->plan = j;
  if (join_out) *join_out = j;
  return LAGO_OK;
}

int bind_subquery_filter(bind_ectx *b, const sql_expr *e, bool *done) {
  *done = false;
  bool neg = false;
  const sql_expr *x = e;
  if (x->kind == SQL_E_UNARY && x->unary.op == SQL_OP_NOT) {
    neg = true;
    x = x->unary.arg;
  }
  if (!b->plan || !*b->plan) return LAGO_OK;
  sql_ctx *q = b->q;
  if (x->kind == SQL_E_EXISTS) {
    bound_query bq;
    TRY(bind_sub(b, x->subquery.query, &bq));
    lp *sub;
    TRY(visible(q, &bq, &sub));
    TRY(attach(b, sub, neg ? JOIN_ANTI : JOIN_SEMI, NULL, false, x->pos, NULL));
    *done = true;
    return LAGO_OK;
  }
  if (x->kind == SQL_E_IN && x->in.query) {
    bool not_in = neg != x->in.negated;
    expr *arg;
    TRY(bind_expr(b, x->in.arg, &arg));
    bound_query bq;
    TRY(bind_sub(b, x->in.query, &bq));
    lp *sub;
    TRY(visible(q, &bq, &sub));
    if (sub->n_out != 1)
      return sql_err_at(q, LAGO_BIND, x->pos,
                        "[INVALID_SUBQUERY_EXPRESSION] The IN subquery must return one column, but it returns %u", sub->n_out);
    expr *y = lp_colref(q, sub, 0), *eq;
    if (!y) return LAGO_NOMEM_ERR(q->err);
    TRY(eq_cond(q, arg, y, x->pos, &eq));
    TRY(attach(b, sub, not_in ? JOIN_ANTI : JOIN_SEMI, eq, not_in, x->pos, NULL));
    *done = true;
    return LAGO_OK;
  }
  return LAGO_OK;
}

/* Traces output column i of p down through projections to an aggregate; true if it is count-like. */
static bool count_like(const lp *p, uint32_t id) {
  for (;;) {
    if (p->kind == LP_PROJECT) {
      int k = lp_find(p, id);
      if (k < 0) return false;
      const expr *e = p->u.project.exprs[k];
      if (e->kind != EXPR_COLUMN) return false;
      id = e->u.col;
      p = p->child[0];
      continue;
    }
    if (p->kind == LP_FILTER || p->kind == LP_SORT || p->kind == LP_LIMIT) {
      p = p->child[0];
      continue;
    }
    if (p->kind == LP_AGG) {
      int k = lp_find(p, id);
      if (k < 0 || (uint32_t)k < p->u.agg.n_groups) return false;
      const char *nm = p->u.agg.aggs[(uint32_t)k - p->u.agg.n_groups]->b.fn->name;
      return !strcmp(nm, "count") || !strcmp(nm, "count_if") || !strcmp(nm, "approx_count_distinct");
    }
    return false;
  }
}

int bind_subquery_expr(bind_ectx *b, const sql_expr *e, expr **out) {
  sql_ctx *q = b->q;
  if (e->kind == SQL_E_SUBQUERY) {
    bound_query bq;
    TRY(bind_sub(b, e->subquery.query, &bq));
    lp *sub;
    TRY(visible(q, &bq, &sub));
    if (sub->n_out != 1)
      return sql_err_at(q, LAGO_BIND, e->pos,
                        "[INVALID_SUBQUERY_EXPRESSION.SCALAR_SUBQUERY_RETURN_MORE_THAN_ONE_OUTPUT_COLUMN] Scalar subquery "
                        "must return only one column, but got %u",
                        sub->n_out);
    idset outer;
    bool corr;
    TRY(correlation(q, sub, &outer, &corr));
    if (!corr && q->explain) {
      /* EXPLAIN does not run the subquery: it shows as a typed NULL */
      *out = expr_null(q->ar, sub->out[0].type);
      return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
    }
    if (!corr) return bind_eval_scalar(q, sub, e->pos, out);
    /* correlated: must be an aggregate without GROUP BY (Spark's rule) */
    const lp *p = sub;
    while (p->kind == LP_PROJECT || p->kind == LP_FILTER) p = p->child[0];
    if (p->kind != LP_AGG || p->u.agg.n_groups)
      return sql_err_at(q, LAGO_BIND, e->pos,
                        "[UNSUPPORTED_SUBQUERY_EXPRESSION_CATEGORY.MUST_AGGREGATE_CORRELATED_SCALAR_SUBQUERY] Correlated "
                        "scalar subqueries must be aggregated to return at most one row");
    uint32_t vid = sub->out[0].id;
    lago_type vt = sub->out[0].type;
    bool cnt = count_like(sub, vid);
    TRY(attach(b, sub, JOIN_LEFT, NULL, false, e->pos, NULL));
    expr *v = expr_column(q->ar, vid, vt, sub->out[0].name);
    if (!v) return LAGO_NOMEM_ERR(q->err);
    if (cnt) {
      expr *z = expr_bigint(q->ar, 0);
      if (!z) return LAGO_NOMEM_ERR(q->err);
      if (!type_equal(z->type, vt)) TRY(expr_cast(q->ar, z, vt, false, &z, q->err));
      expr *a[2] = {v, z};
      TRY(expr_coalesce(q->ar, a, 2, &v, q->err));
    }
    *out = v;
    return LAGO_OK;
  }
  /* EXISTS / IN in an expression: a MARK join */
  bool is_in = e->kind == SQL_E_IN;
  bound_query bq;
  TRY(bind_sub(b, is_in ? e->in.query : e->subquery.query, &bq));
  lp *sub;
  TRY(visible(q, &bq, &sub));
  expr *cond = NULL;
  if (is_in) {
    if (sub->n_out != 1)
      return sql_err_at(q, LAGO_BIND, e->pos,
                        "[INVALID_SUBQUERY_EXPRESSION] The IN subquery must return one column, but it returns %u", sub->n_out);
    expr *arg;
    TRY(bind_expr(b, e->in.arg, &arg));
    expr *y = lp_colref(q, sub, 0);
    if (!y) return LAGO_NOMEM_ERR(q->err);
    TRY(eq_cond(q, arg, y, e->pos, &cond));
  }
  lp *j;
  TRY(attach(b, sub, JOIN_MARK, cond, is_in, e->pos, &j));
  const lp_col *m = &j->out[j->n_out - 1];
  expr *r = expr_column(q->ar, m->id, m->type, "exists");
  if (!r) return LAGO_NOMEM_ERR(q->err);
  if (is_in && e->in.negated) TRY(expr_not(q->ar, r, &r, q->err));
  *out = r;
  return LAGO_OK;
}
