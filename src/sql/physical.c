/*
** sql/physical.c: optimized logical plan -> exec/ physical plan.
**
** Each node's physical output columns are its logical `out` list in order,
** so a parent maps column ids to positions of its child's output (one table
** per child, indexed by id) and rewrites its expressions with expr_remap.
** Choices made here:
**   - joins: conjuncts `l = r` / `l <=> r` with each side on one input
**     become hash keys; the rest is the residual; no key -> nested loop;
**   - SORT under LIMIT -> TOP_N;
**   - scan hints: conjuncts `col op constant`, `col IS [NOT] NULL`,
**     `col IN (constants)` on a scanned column become source_filter hints
**     (the exact filter stays above the scan);
**   - UNION / SETOP children are projected to the columns that feed them.
*/
#include <string.h>

#include "sql/sql_int.h"

typedef struct pmap {
  uint32_t *pos;   /* id -> position, UINT32_MAX absent */
  uint32_t n;
} pmap;

static int map_of(sql_ctx *q, const lp *n, pmap *m) {
  m->n = q->next_id + 1;
  m->pos = arena_alloc(q->ar, m->n * sizeof *m->pos);
  if (!m->pos) return LAGO_NOMEM_ERR(q->err);
  memset(m->pos, 0xff, m->n * sizeof *m->pos);
  for (uint32_t i = 0; i < n->n_out; i++)
    if (n->out[i].id < m->n) m->pos[n->out[i].id] = i;
  return LAGO_OK;
}

/* Two-input map: left columns 0..nl-1, right nl.. */
static int map_of2(sql_ctx *q, const lp *l, const lp *r, pmap *m) {
  TRY(map_of(q, l, m));
  for (uint32_t i = 0; i < r->n_out; i++)
    if (r->out[i].id < m->n) m->pos[r->out[i].id] = l->n_out + i;
  return LAGO_OK;
}

static bool mapped(const expr *e, const pmap *m) {
  if (e->kind == EXPR_COLUMN) return e->u.col < m->n && m->pos[e->u.col] != UINT32_MAX;
  for (uint32_t i = 0; i < e->n_args; i++)
    if (!mapped(e->args[i], m)) return false;
  return true;
}

static int remap(sql_ctx *q, const expr *e, const pmap *m, expr **out) {
  if (!e) {
    *out = NULL;
    return LAGO_OK;
  }
  if (!mapped(e, m)) {
    buf b;
    buf_init(&b);
    expr_to_text(e, &b);
    int rc = LAGO_ERR(q->err, LAGO_INTERNAL, "planner: expression %s refers to a column its input does not have",
                      buf_cstr(&b));
    buf_deinit(&b);
    return rc;
  }
  *out = expr_remap(q->ar, e, m->pos, m->n);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

static const char **names_of(sql_ctx *q, const lp *n) {
  const char **nm = arena_alloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof *nm);
  if (nm)
    for (uint32_t i = 0; i < n->n_out; i++) nm[i] = n->out[i].name;
  return nm;
}

static int agg_remap(sql_ctx *q, const agg_call *a, const pmap *m, agg_call **out) {
  agg_call *c = arena_alloc(q->ar, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(q->err);
  *c = *a;
  if (a->b.n_args) {
    c->args = arena_alloc(q->ar, a->b.n_args * sizeof *c->args);
    if (!c->args) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < a->b.n_args; i++) TRY(remap(q, a->args[i], m, &c->args[i]));
  }
  c->b.args = c->args;
  TRY(remap(q, a->filter, m, &c->filter));
  *out = c;
  return LAGO_OK;
}

static int keys_remap(sql_ctx *q, const sort_key *k, uint32_t n, const pmap *m, sort_key **out) {
  sort_key *r = arena_alloc(q->ar, (n ? n : 1) * sizeof *r);
  if (!r) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    r[i] = k[i];
    TRY(remap(q, k[i].e, m, &r[i].e));
  }
  *out = r;
  return LAGO_OK;
}

/* ---- scan hints ------------------------------------------------------------------------- */

static bool col_of(const expr *e, const lp *g, uint32_t *k) {
  if (e->kind != EXPR_COLUMN) return false;
  int i = lp_find(g, e->u.col);
  if (i < 0) return false;
  *k = (uint32_t)i;
  return true;
}

static int hint(sql_ctx *q, const lp *g, const expr *p, source_filter *f, bool *ok) {
  *ok = false;
  if (p->kind == EXPR_IS_NULL) {
    if (!col_of(p->args[0], g, &f->col)) return LAGO_OK;
    f->op = p->negated ? SF_IS_NOT_NULL : SF_IS_NULL;
    f->values = NULL;
    *ok = true;
    return LAGO_OK;
  }
  if (p->kind == EXPR_IN && !p->negated) {
    uint32_t k;
    if (!col_of(p->args[0], g, &k)) return LAGO_OK;
    lago_type t = g->out[k].type;
    vec *v = vec_new(q->ar, t, p->n_args - 1);
    if (!v) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 1; i < p->n_args; i++) {
      const expr *c = p->args[i];
      if (c->kind != EXPR_CONST || !type_equal(c->type, t) || !vec_is_valid(c->u.value, 0)) return LAGO_OK;
      if (vec_copy_row(v, i - 1, c->u.value, 0)) return LAGO_NOMEM_ERR(q->err);
    }
    v->len = p->n_args - 1;
    f->col = k;
    f->op = SF_IN;
    f->values = v;
    *ok = true;
    return LAGO_OK;
  }
  if (p->kind != EXPR_CALL || p->n_args != 2 || !p->u.call.def) return LAGO_OK;
  static const struct {
    const char *name, *flip;
    uint8_t op, flip_op;
  } ops[] = {{"=", "=", SF_EQ, SF_EQ},   {"<", ">", SF_LT, SF_GT},   {"<=", ">=", SF_LE, SF_GE},
             {">", "<", SF_GT, SF_LT},   {">=", "<=", SF_GE, SF_LE}, {"==", "==", SF_EQ, SF_EQ}};
  const char *nm = p->u.call.def->name;
  for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
    if (strcmp(nm, ops[i].name)) continue;
    const expr *a = p->args[0], *b = p->args[1];
    uint8_t op = ops[i].op;
    uint32_t k;
    if (!col_of(a, g, &k)) {
      const expr *t = a;
      a = b;
      b = t;
      op = ops[i].flip_op;
      if (!col_of(a, g, &k)) return LAGO_OK;
    }
    if (b->kind != EXPR_CONST || !type_equal(b->type, g->out[k].type) || !vec_is_valid(b->u.value, 0)) return LAGO_OK;
    vec *v = vec_new(q->ar, b->type, 1);
    if (!v || vec_copy_row(v, 0, b->u.value, 0)) return LAGO_NOMEM_ERR(q->err);
    v->len = 1;
    f->col = k;
    f->op = op;
    f->values = v;
    *ok = true;
    return LAGO_OK;
  }
  return LAGO_OK;
}

/* ---- nodes ------------------------------------------------------------------------------ */

static int phys(sql_ctx *q, const lp *n, plan **out);

/* Physical plan of child c with exactly the columns ids[0..k) in order. */
static int phys_cols(sql_ctx *q, const lp *c, const uint32_t *ids, uint32_t k, plan **out) {
  plan *p;
  TRY(phys(q, c, &p));
  bool same = c->n_out == k;
  for (uint32_t i = 0; i < k && same; i++) same = c->out[i].id == ids[i];
  if (same) {
    *out = p;
    return LAGO_OK;
  }
  pmap m;
  TRY(map_of(q, c, &m));
  expr **es = arena_alloc(q->ar, (k ? k : 1) * sizeof *es);
  const char **ns = arena_alloc(q->ar, (k ? k : 1) * sizeof *ns);
  if (!es || !ns) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < k; i++) {
    if (ids[i] >= m.n || m.pos[ids[i]] == UINT32_MAX)
      return LAGO_ERR(q->err, LAGO_INTERNAL, "planner: set operation input lacks column #%u", ids[i]);
    uint32_t at = m.pos[ids[i]];
    es[i] = expr_column(q->ar, at, c->out[at].type, c->out[at].name);
    ns[i] = c->out[at].name;
    if (!es[i]) return LAGO_NOMEM_ERR(q->err);
  }
  return plan_project(q->ar, p, es, k, ns, out, q->err);
}

static int phys_join(sql_ctx *q, const lp *n, plan **out) {
  const lp *l = n->child[0], *r = n->child[1];
  plan *pl, *pr;
  TRY(phys(q, l, &pl));
  TRY(phys(q, r, &pr));
  join_type t = (join_type)n->u.join.type;
  expr **cj = NULL;
  uint32_t ncj = 0, ccj = 0;
  if (n->u.join.cond) TRY(lpx_conjuncts(q, n->u.join.cond, &cj, &ncj, &ccj));
  pmap ml, mr, mb;
  TRY(map_of(q, l, &ml));
  TRY(map_of(q, r, &mr));
  TRY(map_of2(q, l, r, &mb));
  expr **lk = arena_alloc(q->ar, (ncj ? ncj : 1) * sizeof *lk);
  expr **rk = arena_alloc(q->ar, (ncj ? ncj : 1) * sizeof *rk);
  bool *nulleq = arena_zalloc(q->ar, (ncj ? ncj : 1) * sizeof *nulleq);
  expr **rest = arena_alloc(q->ar, (ncj ? ncj : 1) * sizeof *rest);
  if (!lk || !rk || !nulleq || !rest) return LAGO_NOMEM_ERR(q->err);
  uint32_t nk = 0, nr = 0;
  for (uint32_t i = 0; i < ncj; i++) {
    expr *c = cj[i];
    bool eq = c->kind == EXPR_CALL && c->n_args == 2 && c->u.call.def &&
              (!strcmp(c->u.call.def->name, "=") || !strcmp(c->u.call.def->name, "=="));
    bool nseq = c->kind == EXPR_DISTINCT && c->negated;
    if ((eq || nseq) && type_equal(c->args[0]->type, c->args[1]->type)) {
      expr *a = c->args[0], *b = c->args[1];
      if (mapped(b, &ml) && mapped(a, &mr) && !(mapped(a, &ml) && mapped(b, &mr))) {
        expr *tmp = a;
        a = b;
        b = tmp;
      }
      if (mapped(a, &ml) && mapped(b, &mr) && a->kind != EXPR_CONST && b->kind != EXPR_CONST) {
        TRY(remap(q, a, &ml, &lk[nk]));
        TRY(remap(q, b, &mr, &rk[nk]));
        nulleq[nk++] = nseq;
        continue;
      }
    }
    rest[nr++] = c;
  }
  expr *res = NULL;
  if (nr) {
    expr *all;
    TRY(lpx_and(q, rest, nr, &all));
    TRY(remap(q, all, &mb, &res));
  }
  plan *p;
  if (nk) {
    TRY(plan_hash_join(q->ar, t, pl, pr, lk, rk, nulleq, nk, res, n->u.join.null_aware, &p, q->err));
  } else {
    if (t == JOIN_MARK)
      return LAGO_ERR(q->err, LAGO_UNSUPPORTED, "an IN/EXISTS subquery in this position needs an equality with the outer query");
    if (t == JOIN_ANTI && n->u.join.null_aware)
      return LAGO_ERR(q->err, LAGO_UNSUPPORTED, "NOT IN with this subquery needs an equality key");
    TRY(plan_nl_join(q->ar, t == JOIN_INNER && !res ? JOIN_CROSS : t, pl, pr, res, &p, q->err));
  }
  p->est_rows = n->est_rows;
  *out = p;
  return LAGO_OK;
}

static int phys(sql_ctx *q, const lp *n, plan **out) {
  plan *c = NULL, *p = NULL;
  pmap m;
  switch ((lp_kind)n->kind) {
    case LP_GET: {
      source_filter *f = arena_alloc(q->ar, (n->u.get.n_filters ? n->u.get.n_filters : 1) * sizeof *f);
      if (!f) return LAGO_NOMEM_ERR(q->err);
      uint32_t nf = 0;
      for (uint32_t i = 0; i < n->u.get.n_filters; i++) {
        bool ok;
        TRY(hint(q, n, n->u.get.filters[i], &f[nf], &ok));
        if (ok) nf++;
      }
      TRY(plan_scan(q->ar, n->u.get.src, n->u.get.src_cols, n->n_out, f, nf, &p, q->err));
      break;
    }
    case LP_VALUES: {
      const char **nm = names_of(q, n);
      if (!nm) return LAGO_NOMEM_ERR(q->err);
      TRY(plan_values(q->ar, n->n_out, n->u.values.cols, n->u.values.n_rows, nm, &p, q->err));
      break;
    }
    case LP_FILTER: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      expr *pred;
      TRY(remap(q, n->u.filter.pred, &m, &pred));
      TRY(plan_filter(q->ar, c, pred, &p, q->err));
      break;
    }
    case LP_PROJECT: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      expr **es = arena_alloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof *es);
      const char **nm = names_of(q, n);
      if (!es || !nm) return LAGO_NOMEM_ERR(q->err);
      bool identity = n->n_out == c->n_cols;
      for (uint32_t i = 0; i < n->n_out; i++) {
        TRY(remap(q, n->u.project.exprs[i], &m, &es[i]));
        identity &= es[i]->kind == EXPR_COLUMN && es[i]->u.col == i;
      }
      if (identity) {
        p = c; /* a projection that changes nothing but names */
        break;
      }
      TRY(plan_project(q->ar, c, es, n->n_out, nm, &p, q->err));
      break;
    }
    case LP_JOIN: TRY(phys_join(q, n, &p)); break;
    case LP_AGG: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      uint32_t ng = n->u.agg.n_groups, na = n->u.agg.n_aggs;
      expr **gs = arena_alloc(q->ar, (ng ? ng : 1) * sizeof *gs);
      agg_call **as = arena_alloc(q->ar, (na ? na : 1) * sizeof *as);
      const char **nm = names_of(q, n);
      if (!gs || !as || !nm) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < ng; i++) TRY(remap(q, n->u.agg.groups[i], &m, &gs[i]));
      for (uint32_t i = 0; i < na; i++) TRY(agg_remap(q, n->u.agg.aggs[i], &m, &as[i]));
      TRY(plan_hash_agg(q->ar, c, gs, ng, as, na, nm, &p, q->err));
      break;
    }
    case LP_WINDOW: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      uint32_t np = n->u.window.n_part, nc = n->u.window.n_calls;
      expr **part = arena_alloc(q->ar, (np ? np : 1) * sizeof *part);
      win_call *calls = arena_alloc(q->ar, (nc ? nc : 1) * sizeof *calls);
      if (!part || !calls) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < np; i++) TRY(remap(q, n->u.window.part[i], &m, &part[i]));
      sort_key *ord;
      TRY(keys_remap(q, n->u.window.order, n->u.window.n_order, &m, &ord));
      for (uint32_t i = 0; i < nc; i++) {
        const win_call *w = &n->u.window.calls[i];
        calls[i] = *w;
        if (w->n_args) {
          calls[i].args = arena_alloc(q->ar, w->n_args * sizeof(expr *));
          if (!calls[i].args) return LAGO_NOMEM_ERR(q->err);
          for (uint32_t k = 0; k < w->n_args; k++) TRY(remap(q, w->args[k], &m, &calls[i].args[k]));
        }
        TRY(remap(q, w->deflt, &m, &calls[i].deflt));
        if (w->agg) TRY(agg_remap(q, w->agg, &m, &calls[i].agg));
        calls[i].name = n->out[n->n_out - nc + i].name ? n->out[n->n_out - nc + i].name : w->name;
      }
      TRY(plan_window(q->ar, c, part, np, ord, n->u.window.n_order, calls, nc, &p, q->err));
      break;
    }
    case LP_SORT: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      sort_key *k;
      TRY(keys_remap(q, n->u.sort.keys, n->u.sort.n_keys, &m, &k));
      TRY(plan_sort(q->ar, c, k, n->u.sort.n_keys, &p, q->err));
      break;
    }
    case LP_LIMIT: {
      const lp *ch = n->child[0];
      if (ch->kind == LP_SORT && n->u.limit.limit >= 0) {
        TRY(phys(q, ch->child[0], &c));
        TRY(map_of(q, ch->child[0], &m));
        sort_key *k;
        TRY(keys_remap(q, ch->u.sort.keys, ch->u.sort.n_keys, &m, &k));
        TRY(plan_top_n(q->ar, c, k, ch->u.sort.n_keys, n->u.limit.limit, n->u.limit.offset, &p, q->err));
      } else {
        TRY(phys(q, ch, &c));
        TRY(plan_limit(q->ar, c, n->u.limit.limit, n->u.limit.offset, &p, q->err));
      }
      break;
    }
    case LP_DISTINCT: {
      TRY(phys(q, n->child[0], &c));
      TRY(plan_distinct(q->ar, c, &p, q->err));
      break;
    }
    case LP_UNION: {
      plan **ch = arena_alloc(q->ar, n->n_child * sizeof *ch);
      if (!ch) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < n->n_child; i++) TRY(phys_cols(q, n->child[i], n->child_ids[i], n->n_out, &ch[i]));
      TRY(plan_union_all(q->ar, ch, n->n_child, &p, q->err));
      break;
    }
    case LP_SETOP: {
      plan *l, *r;
      TRY(phys_cols(q, n->child[0], n->child_ids[0], n->n_out, &l));
      TRY(phys_cols(q, n->child[1], n->child_ids[1], n->n_out, &r));
      TRY(plan_setop(q->ar, l, r, n->u.setop.intersect, n->u.setop.all, &p, q->err));
      break;
    }
    case LP_GENERATE: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      expr *g;
      TRY(remap(q, n->u.generate.gen, &m, &g));
      TRY(plan_generate(q->ar, c, g, n->u.generate.outer, n->u.generate.with_pos, &p, q->err));
      break;
    }
    case LP_DEDUPE: {
      TRY(phys(q, n->child[0], &c));
      TRY(map_of(q, n->child[0], &m));
      uint32_t np = n->u.dedupe.n_part;
      expr **part = arena_alloc(q->ar, (np ? np : 1) * sizeof *part);
      if (!part) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < np; i++) TRY(remap(q, n->u.dedupe.part[i], &m, &part[i]));
      sort_key *ord;
      TRY(keys_remap(q, n->u.dedupe.order, n->u.dedupe.n_order, &m, &ord));
      TRY(plan_dedupe(q->ar, c, part, np, ord, n->u.dedupe.n_order, n->u.dedupe.keep, n->u.dedupe.emit_row_number, &p,
                      q->err));
      break;
    }
  }
  if (!p) return LAGO_ERR(q->err, LAGO_INTERNAL, "planner: no physical plan for node kind %d", n->kind);
  if (p->n_cols != n->n_out)
    return LAGO_ERR(q->err, LAGO_INTERNAL, "planner: %s produces %u columns, the logical node %u",
                    plan_kind_name((plan_kind)p->kind), p->n_cols, n->n_out);
  /* logical names win (aliases) */
  for (uint32_t i = 0; i < p->n_cols; i++)
    if (n->out[i].name) p->names[i] = n->out[i].name;
  if (n->est_rows >= 0) p->est_rows = n->est_rows;
  *out = p;
  return LAGO_OK;
}

int sql_physical(sql_ctx *q, lp *root, plan **out) { return phys(q, root, out); }
