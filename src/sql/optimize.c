/*
** sql/optimize.c: logical rewrites between binding and physical planning.
**
**   1. filter pushdown: conjuncts move down through projections (the
**      projected expressions are substituted), aggregates (conjuncts on
**      group columns), generators, sorts, DISTINCT, UNION ALL branches and
**      into join sides (left/right-only conjuncts of inner joins; the
**      preserved side of outer joins; the inner side of ON conditions). At a
**      scan they are attached as hints (partition pruning, file/row-group
**      statistics) and kept as the exact filter right above it.
**   2. pruning: each node keeps only the columns someone above needs, so
**      scans read only those columns. `QUALIFY ROW_NUMBER() OVER (PARTITION
**      BY k ORDER BY o) = 1` (or <= n, < n) over a window with that single
**      call becomes a DEDUPE node (exec's top-k per partition).
**   3. join sides: an inner or outer hash join builds its right side, so the
**      side with fewer estimated rows goes right (LEFT <-> RIGHT when swapped).
**
** Constant folding happens at bind time (bind_fold). Nodes are rewritten in
** place: every plan is a tree (CTEs and views are bound once per reference).
*/
#include <string.h>

#include "sql/sql_int.h"

/* ---- id sets ------------------------------------------------------------------------ */

typedef struct ids {
  uint8_t *bits;
  uint32_t n;
} ids;

static int ids_new(sql_ctx *q, ids *s) {
  s->n = q->next_id + 1;
  s->bits = arena_zalloc(q->ar, s->n);
  return s->bits ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}
static inline bool ids_has(const ids *s, uint32_t id) { return id < s->n && s->bits[id]; }
static inline void ids_add(ids *s, uint32_t id) {
  if (id < s->n) s->bits[id] = 1;
}
static void ids_expr(ids *s, const expr *e) {
  if (!e) return;
  if (e->kind == EXPR_COLUMN) ids_add(s, e->u.col);
  for (uint32_t i = 0; i < e->n_args; i++) ids_expr(s, e->args[i]);
}
static void ids_agg(ids *s, const agg_call *a) {
  for (uint32_t i = 0; i < a->b.n_args; i++) ids_expr(s, a->args[i]);
  ids_expr(s, a->filter);
}

/* ---- pushdown ------------------------------------------------------------------------ */

typedef struct plist {
  expr **v;
  uint32_t n, cap;
} plist;

static int pl_add(sql_ctx *q, plist *l, expr *e) { return sql_push_ptr(q, (void ***)&l->v, &l->n, &l->cap, e); }

static int pl_conj(sql_ctx *q, plist *l, expr *e) {
  if (!e) return LAGO_OK;
  return lpx_conjuncts(q, e, &l->v, &l->n, &l->cap);
}

static int push(sql_ctx *q, lp *n, plist *preds, lp **out);

/* FILTER(kept) over n (n unchanged when nothing is kept). */
static int wrap(sql_ctx *q, lp *n, plist *kept, lp **out) {
  if (!kept->n) {
    *out = n;
    return LAGO_OK;
  }
  expr *p;
  TRY(lpx_and(q, kept->v, kept->n, &p));
  return lp_filter(q, n, p, out);
}

static bool is_const_false(const expr *e) {
  return e->kind == EXPR_CONST && e->type.id == LT_BOOLEAN && vec_is_valid(e->u.value, 0) &&
         !VEC_DATA(e->u.value, uint8_t)[0];
}
static bool is_const_true(const expr *e) {
  return e->kind == EXPR_CONST && e->type.id == LT_BOOLEAN && vec_is_valid(e->u.value, 0) &&
         VEC_DATA(e->u.value, uint8_t)[0];
}

static int push_children(sql_ctx *q, lp *n) {
  for (uint32_t i = 0; i < n->n_child; i++) {
    plist none = {0};
    TRY(push(q, n->child[i], &none, &n->child[i]));
  }
  return LAGO_OK;
}

static void refresh_out(lp *n) {
  n->out = n->child[0]->out;
  n->n_out = n->child[0]->n_out;
}

static int push_join(sql_ctx *q, lp *n, plist *preds, lp **out) {
  join_type t = (join_type)n->u.join.type;
  lp *l = n->child[0], *r = n->child[1];
  plist lp_ = {0}, rp = {0}, cond = {0}, kept = {0}, oncj = {0};
  TRY(pl_conj(q, &oncj, n->u.join.cond));
  for (uint32_t i = 0; i < preds->n; i++) {
    expr *p = preds->v[i];
    bool vol = lpx_volatile(p);
    if (!vol && lpx_within(p, l) && t != JOIN_RIGHT && t != JOIN_FULL) TRY(pl_add(q, &lp_, p));
    else if (!vol && lpx_within(p, r) && (t == JOIN_INNER || t == JOIN_RIGHT)) TRY(pl_add(q, &rp, p));
    else if (!vol && t == JOIN_INNER) TRY(pl_add(q, &cond, p));
    else TRY(pl_add(q, &kept, p));
  }
  for (uint32_t i = 0; i < oncj.n; i++) {
    expr *p = oncj.v[i];
    if (is_const_true(p)) continue;
    bool vol = lpx_volatile(p);
    bool in_l = lpx_within(p, l), in_r = lpx_within(p, r);
    if (!vol && in_l && (t == JOIN_INNER || t == JOIN_RIGHT || t == JOIN_SEMI)) TRY(pl_add(q, &lp_, p));
    else if (!vol && in_r && (t == JOIN_INNER || t == JOIN_LEFT || t == JOIN_SEMI || t == JOIN_ANTI || t == JOIN_MARK) &&
             !(t == JOIN_MARK && n->u.join.null_aware))
      TRY(pl_add(q, &rp, p));
    else TRY(pl_add(q, &cond, p));
  }
  TRY(push(q, l, &lp_, &n->child[0]));
  TRY(push(q, r, &rp, &n->child[1]));
  TRY(lpx_and(q, cond.v, cond.n, &n->u.join.cond));
  TRY(lp_join_refresh(q, n));
  return wrap(q, n, &kept, out);
}

static int push(sql_ctx *q, lp *n, plist *preds, lp **out) {
  switch ((lp_kind)n->kind) {
    case LP_FILTER: {
      plist all = {0};
      for (uint32_t i = 0; i < preds->n; i++) TRY(pl_add(q, &all, preds->v[i]));
      TRY(pl_conj(q, &all, n->u.filter.pred));
      return push(q, n->child[0], &all, out);
    }
    case LP_PROJECT: {
      plist down = {0}, kept = {0};
      uint32_t *from = arena_alloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof *from);
      if (!from) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < n->n_out; i++) from[i] = n->out[i].id;
      for (uint32_t i = 0; i < preds->n; i++) {
        expr *p = preds->v[i];
        bool ok = !lpx_volatile(p);
        for (uint32_t k = 0; k < n->n_out && ok; k++)
          if (lpx_volatile(n->u.project.exprs[k])) ok = false;
        if (ok) {
          expr *s = lpx_subst(q, p, from, n->u.project.exprs, n->n_out);
          if (!s) return LAGO_NOMEM_ERR(q->err);
          if (lpx_within(s, n->child[0])) {
            TRY(pl_add(q, &down, s));
            continue;
          }
        }
        TRY(pl_add(q, &kept, p));
      }
      TRY(push(q, n->child[0], &down, &n->child[0]));
      return wrap(q, n, &kept, out);
    }
    case LP_JOIN: return push_join(q, n, preds, out);
    case LP_AGG: {
      plist down = {0}, kept = {0};
      uint32_t ng = n->u.agg.n_groups;
      uint32_t *from = arena_alloc(q->ar, (ng ? ng : 1) * sizeof *from);
      if (!from) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < ng; i++) from[i] = n->out[i].id;
      for (uint32_t i = 0; i < preds->n; i++) {
        expr *p = preds->v[i];
        if (ng && !lpx_volatile(p) && lpx_only(p, from, ng)) {
          expr *s = lpx_subst(q, p, from, n->u.agg.groups, ng);
          if (!s) return LAGO_NOMEM_ERR(q->err);
          TRY(pl_add(q, &down, s));
        } else {
          TRY(pl_add(q, &kept, p));
        }
      }
      TRY(push(q, n->child[0], &down, &n->child[0]));
      return wrap(q, n, &kept, out);
    }
    case LP_SORT:
    case LP_DISTINCT: {
      TRY(push(q, n->child[0], preds, &n->child[0]));
      refresh_out(n);
      *out = n;
      return LAGO_OK;
    }
    case LP_GENERATE: {
      plist down = {0}, kept = {0};
      for (uint32_t i = 0; i < preds->n; i++) {
        expr *p = preds->v[i];
        if (!lpx_volatile(p) && lpx_within(p, n->child[0])) TRY(pl_add(q, &down, p));
        else TRY(pl_add(q, &kept, p));
      }
      TRY(push(q, n->child[0], &down, &n->child[0]));
      /* the generated columns follow the child's (possibly changed) columns */
      lp *c = n->child[0];
      uint32_t extra = (n->u.generate.with_pos ? 1 : 0) + (n->u.generate.gen->type.id == LT_MAP ? 2 : 1);
      lp_col *o = arena_alloc(q->ar, (c->n_out + extra) * sizeof *o);
      if (!o) return LAGO_NOMEM_ERR(q->err);
      memcpy(o, c->out, c->n_out * sizeof *o);
      memcpy(o + c->n_out, n->out + n->n_out - extra, extra * sizeof *o);
      n->out = o;
      n->n_out = c->n_out + extra;
      return wrap(q, n, &kept, out);
    }
    case LP_UNION: {
      for (uint32_t c = 0; c < n->n_child; c++) {
        plist down = {0};
        expr **repl = arena_alloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof *repl);
        uint32_t *from = arena_alloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof *from);
        if (!repl || !from) return LAGO_NOMEM_ERR(q->err);
        for (uint32_t j = 0; j < n->n_out; j++) {
          from[j] = n->out[j].id;
          repl[j] = expr_column(q->ar, n->child_ids[c][j], n->out[j].type, n->out[j].name);
          if (!repl[j]) return LAGO_NOMEM_ERR(q->err);
        }
        for (uint32_t i = 0; i < preds->n; i++) {
          if (lpx_volatile(preds->v[i])) continue;
          expr *s = lpx_subst(q, preds->v[i], from, repl, n->n_out);
          if (!s) return LAGO_NOMEM_ERR(q->err);
          TRY(pl_add(q, &down, s));
        }
        TRY(push(q, n->child[c], &down, &n->child[c]));
      }
      plist kept = {0};
      for (uint32_t i = 0; i < preds->n; i++)
        if (lpx_volatile(preds->v[i])) TRY(pl_add(q, &kept, preds->v[i]));
      return wrap(q, n, &kept, out);
    }
    case LP_GET: {
      plist hints = {0}, kept = {0};
      for (uint32_t i = 0; i < n->u.get.n_filters; i++) TRY(pl_add(q, &hints, n->u.get.filters[i]));
      for (uint32_t i = 0; i < preds->n; i++) {
        TRY(pl_add(q, &kept, preds->v[i]));
        if (!lpx_volatile(preds->v[i])) TRY(pl_add(q, &hints, preds->v[i]));
      }
      n->u.get.filters = hints.v;
      n->u.get.n_filters = hints.n;
      return wrap(q, n, &kept, out);
    }
    default: {
      TRY(push_children(q, n));
      if (n->kind == LP_LIMIT) refresh_out(n);
      return wrap(q, n, preds, out);
    }
  }
}

/* ---- pruning -------------------------------------------------------------------------- */

static int prune(sql_ctx *q, lp *n, const ids *req, lp **out);

/* `rn = k`, `rn <= k`, `rn < k` (either side) with rn the window call's id: rows kept per partition. */
static bool rn_limit(const expr *p, uint32_t rn, int64_t *keep) {
  if (p->kind != EXPR_CALL || p->n_args != 2 || !p->u.call.def) return false;
  const char *op = p->u.call.def->name;
  const expr *a = p->args[0], *b = p->args[1];
  bool flip = false;
  while (a->kind == EXPR_CAST) a = a->args[0];
  while (b->kind == EXPR_CAST) b = b->args[0];
  if (b->kind == EXPR_COLUMN && b->u.col == rn) {
    const expr *t = a;
    a = b;
    b = t;
    flip = true;
  }
  if (a->kind != EXPR_COLUMN || a->u.col != rn || b->kind != EXPR_CONST || !type_is_integer(b->type) ||
      !vec_is_valid(b->u.value, 0))
    return false;
  int64_t k;
  switch ((lago_type_id)b->type.id) {
    case LT_TINYINT: k = *(const int8_t *)b->u.value->data; break;
    case LT_SMALLINT: k = *(const int16_t *)b->u.value->data; break;
    case LT_INT: k = *(const int32_t *)b->u.value->data; break;
    case LT_BIGINT: k = *(const int64_t *)b->u.value->data; break;
    default: return false;
  }
  if (!strcmp(op, "=") && k == 1) *keep = 1;
  else if (!strcmp(op, flip ? ">=" : "<=") && k >= 1) *keep = k;
  else if (!strcmp(op, flip ? ">" : "<") && k >= 2) *keep = k - 1;
  else return false;
  return true;
}

/* FILTER over WINDOW(row_number) -> DEDUPE (+ FILTER of the other conjuncts). */
static int try_dedupe(sql_ctx *q, lp *f, const ids *req, lp **out, bool *done) {
  *done = false;
  lp *w = f->child[0];
  if (w->kind != LP_WINDOW || w->u.window.n_calls != 1 || w->u.window.calls[0].kind != WIN_ROW_NUMBER ||
      w->u.window.n_order == 0)
    return LAGO_OK;
  uint32_t rn = w->out[w->n_out - 1].id;
  plist cj = {0}, rest = {0};
  TRY(pl_conj(q, &cj, f->u.filter.pred));
  int64_t keep = -1;
  for (uint32_t i = 0; i < cj.n; i++) {
    int64_t k;
    if (keep < 0 && rn_limit(cj.v[i], rn, &k)) keep = k;
    else TRY(pl_add(q, &rest, cj.v[i]));
  }
  if (keep < 0) return LAGO_OK;
  for (uint32_t i = 0; i < rest.n; i++) {
    uint32_t one = rn;
    if (lpx_only(rest.v[i], &one, 1) || !lpx_within(rest.v[i], w->child[0])) return LAGO_OK;
  }
  bool emit = ids_has(req, rn);
  lp *d = lp_new(q, LP_DEDUPE, 1, &w->child[0]);
  if (!d) return LAGO_NOMEM_ERR(q->err);
  d->u.dedupe.n_part = w->u.window.n_part;
  d->u.dedupe.part = w->u.window.part;
  d->u.dedupe.n_order = w->u.window.n_order;
  d->u.dedupe.order = w->u.window.order;
  d->u.dedupe.keep = keep;
  d->u.dedupe.emit_row_number = emit;
  /* the child's requirements: what is needed above plus partition/order keys and the other conjuncts */
  ids creq;
  TRY(ids_new(q, &creq));
  for (uint32_t i = 0; i < creq.n; i++) creq.bits[i] = req->bits[i];
  for (uint32_t i = 0; i < d->u.dedupe.n_part; i++) ids_expr(&creq, d->u.dedupe.part[i]);
  for (uint32_t i = 0; i < d->u.dedupe.n_order; i++) ids_expr(&creq, d->u.dedupe.order[i].e);
  for (uint32_t i = 0; i < rest.n; i++) ids_expr(&creq, rest.v[i]);
  TRY(prune(q, w->child[0], &creq, &d->child[0]));
  lp *c = d->child[0];
  d->n_out = c->n_out + (emit ? 1 : 0);
  d->out = arena_alloc(q->ar, (d->n_out ? d->n_out : 1) * sizeof *d->out);
  if (!d->out) return LAGO_NOMEM_ERR(q->err);
  memcpy(d->out, c->out, c->n_out * sizeof *d->out);
  if (emit) d->out[c->n_out] = w->out[w->n_out - 1];
  d->est_rows = c->est_rows;
  lp *r = d;
  if (rest.n) {
    expr *p;
    TRY(lpx_and(q, rest.v, rest.n, &p));
    TRY(lp_filter(q, d, p, &r));
  }
  *out = r;
  *done = true;
  return LAGO_OK;
}

static double est(const lp *n) { return n->est_rows; }

static int prune(sql_ctx *q, lp *n, const ids *req, lp **out) {
  *out = n;
  ids creq;
  switch ((lp_kind)n->kind) {
    case LP_GET: {
      uint32_t k = 0;
      ids fr;
      TRY(ids_new(q, &fr));
      for (uint32_t i = 0; i < n->u.get.n_filters; i++) ids_expr(&fr, n->u.get.filters[i]);
      for (uint32_t i = 0; i < n->n_out; i++) {
        if (!ids_has(req, n->out[i].id) && !ids_has(&fr, n->out[i].id)) continue;
        n->out[k] = n->out[i];
        n->u.get.src_cols[k] = n->u.get.src_cols[i];
        k++;
      }
      if (k == 0 && n->n_out) k = 1; /* read one column to count rows */
      n->n_out = k;
      return LAGO_OK;
    }
    case LP_VALUES: return LAGO_OK;
    case LP_FILTER: {
      bool done;
      TRY(try_dedupe(q, n, req, out, &done));
      if (done) return LAGO_OK;
      TRY(ids_new(q, &creq));
      memcpy(creq.bits, req->bits, req->n < creq.n ? req->n : creq.n);
      ids_expr(&creq, n->u.filter.pred);
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      refresh_out(n);
      n->est_rows = est(n->child[0]) < 0 ? -1 : est(n->child[0]) * 0.5;
      return LAGO_OK;
    }
    case LP_PROJECT: {
      TRY(ids_new(q, &creq));
      uint32_t k = 0;
      for (uint32_t i = 0; i < n->n_out; i++) {
        if (!ids_has(req, n->out[i].id)) continue;
        n->out[k] = n->out[i];
        n->u.project.exprs[k] = n->u.project.exprs[i];
        ids_expr(&creq, n->u.project.exprs[k]);
        k++;
      }
      n->n_out = k;
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      n->est_rows = est(n->child[0]);
      return LAGO_OK;
    }
    case LP_JOIN: {
      TRY(ids_new(q, &creq));
      memcpy(creq.bits, req->bits, req->n < creq.n ? req->n : creq.n);
      ids_expr(&creq, n->u.join.cond);
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      TRY(prune(q, n->child[1], &creq, &n->child[1]));
      TRY(lp_join_refresh(q, n));
      double l = est(n->child[0]), r = est(n->child[1]);
      join_type t = (join_type)n->u.join.type;
      n->est_rows = l < 0 || r < 0 ? -1 : t == JOIN_SEMI || t == JOIN_ANTI || t == JOIN_MARK ? l : (l > r ? l : r);
      if (!n->u.join.cond && t == JOIN_INNER && l >= 0 && r >= 0) n->est_rows = l * r;
      return LAGO_OK;
    }
    case LP_AGG: {
      TRY(ids_new(q, &creq));
      uint32_t ng = n->u.agg.n_groups, k = ng;
      for (uint32_t i = 0; i < ng; i++) ids_expr(&creq, n->u.agg.groups[i]);
      agg_call **aggs = n->u.agg.aggs;
      uint32_t na = 0;
      for (uint32_t i = 0; i < n->u.agg.n_aggs; i++) {
        if (!ids_has(req, n->out[ng + i].id)) continue;
        aggs[na++] = n->u.agg.aggs[i];
        n->out[k++] = n->out[ng + i];
        ids_agg(&creq, aggs[na - 1]);
      }
      n->u.agg.n_aggs = na;
      n->n_out = k;
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      double c = est(n->child[0]);
      n->est_rows = ng == 0 ? 1 : c < 0 ? -1 : c * 0.2;
      return LAGO_OK;
    }
    case LP_WINDOW: {
      TRY(ids_new(q, &creq));
      uint32_t nc0 = n->n_out - n->u.window.n_calls;
      for (uint32_t i = 0; i < nc0; i++)
        if (ids_has(req, n->out[i].id)) ids_add(&creq, n->out[i].id);
      for (uint32_t i = 0; i < n->u.window.n_part; i++) ids_expr(&creq, n->u.window.part[i]);
      for (uint32_t i = 0; i < n->u.window.n_order; i++) ids_expr(&creq, n->u.window.order[i].e);
      uint32_t k = 0;
      lp_col *calls_out = arena_alloc(q->ar, (n->u.window.n_calls ? n->u.window.n_calls : 1) * sizeof *calls_out);
      if (!calls_out) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < n->u.window.n_calls; i++) {
        if (!ids_has(req, n->out[nc0 + i].id)) continue;
        win_call *c = &n->u.window.calls[i];
        for (uint32_t a = 0; a < c->n_args; a++) ids_expr(&creq, c->args[a]);
        ids_expr(&creq, c->deflt);
        if (c->agg) ids_agg(&creq, c->agg);
        n->u.window.calls[k] = *c;
        calls_out[k++] = n->out[nc0 + i];
      }
      n->u.window.n_calls = k;
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      if (k == 0) {
        *out = n->child[0];
        return LAGO_OK;
      }
      lp *c = n->child[0];
      n->n_out = c->n_out + k;
      n->out = arena_alloc(q->ar, n->n_out * sizeof *n->out);
      if (!n->out) return LAGO_NOMEM_ERR(q->err);
      memcpy(n->out, c->out, c->n_out * sizeof *n->out);
      memcpy(n->out + c->n_out, calls_out, k * sizeof *n->out);
      n->est_rows = est(c);
      return LAGO_OK;
    }
    case LP_SORT: {
      TRY(ids_new(q, &creq));
      memcpy(creq.bits, req->bits, req->n < creq.n ? req->n : creq.n);
      for (uint32_t i = 0; i < n->u.sort.n_keys; i++) ids_expr(&creq, n->u.sort.keys[i].e);
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      refresh_out(n);
      n->est_rows = est(n->child[0]);
      return LAGO_OK;
    }
    case LP_LIMIT: {
      TRY(prune(q, n->child[0], req, &n->child[0]));
      refresh_out(n);
      double c = est(n->child[0]);
      n->est_rows = n->u.limit.limit >= 0 && (c < 0 || c > n->u.limit.limit) ? (double)n->u.limit.limit : c;
      return LAGO_OK;
    }
    case LP_DISTINCT: {
      TRY(ids_new(q, &creq));
      for (uint32_t i = 0; i < n->n_out; i++) ids_add(&creq, n->out[i].id);
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      refresh_out(n);
      n->est_rows = est(n->child[0]) < 0 ? -1 : est(n->child[0]) * 0.5;
      return LAGO_OK;
    }
    case LP_UNION: {
      uint32_t k = 0;
      bool *keep = arena_zalloc(q->ar, (n->n_out ? n->n_out : 1) * sizeof *keep);
      if (!keep) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t j = 0; j < n->n_out; j++) keep[j] = ids_has(req, n->out[j].id);
      for (uint32_t j = 0; j < n->n_out; j++) k += keep[j];
      if (k == 0 && n->n_out) {
        keep[0] = true;
        k = 1;
      }
      for (uint32_t c = 0; c < n->n_child; c++) {
        TRY(ids_new(q, &creq));
        uint32_t m = 0;
        for (uint32_t j = 0; j < n->n_out; j++)
          if (keep[j]) {
            ids_add(&creq, n->child_ids[c][j]);
            n->child_ids[c][m++] = n->child_ids[c][j];
          }
        TRY(prune(q, n->child[c], &creq, &n->child[c]));
      }
      uint32_t m = 0;
      for (uint32_t j = 0; j < n->n_out; j++)
        if (keep[j]) n->out[m++] = n->out[j];
      n->n_out = m;
      return LAGO_OK;
    }
    case LP_SETOP: {
      for (uint32_t c = 0; c < n->n_child; c++) {
        TRY(ids_new(q, &creq));
        for (uint32_t j = 0; j < n->n_out; j++) ids_add(&creq, n->child_ids[c][j]);
        TRY(prune(q, n->child[c], &creq, &n->child[c]));
      }
      return LAGO_OK;
    }
    case LP_GENERATE: {
      TRY(ids_new(q, &creq));
      uint32_t extra = (n->u.generate.with_pos ? 1 : 0) + (n->u.generate.gen->type.id == LT_MAP ? 2 : 1);
      memcpy(creq.bits, req->bits, req->n < creq.n ? req->n : creq.n);
      ids_expr(&creq, n->u.generate.gen);
      TRY(prune(q, n->child[0], &creq, &n->child[0]));
      lp *c = n->child[0];
      lp_col *o = arena_alloc(q->ar, (c->n_out + extra) * sizeof *o);
      if (!o) return LAGO_NOMEM_ERR(q->err);
      memcpy(o, c->out, c->n_out * sizeof *o);
      memcpy(o + c->n_out, n->out + n->n_out - extra, extra * sizeof *o);
      n->out = o;
      n->n_out = c->n_out + extra;
      return LAGO_OK;
    }
    case LP_DEDUPE: return LAGO_OK;
  }
  return LAGO_OK;
}

/* ---- eager aggregation ------------------------------------------------------------------- */

/*
** AGG(G; aggs) over an inner equi-join of a large side S with a smaller side O, where every
** aggregate is count/sum/min/max over S columns and the grouping and join columns of S are plain
** columns, becomes
**     PROJECT(casts) <- AGG(G; merged partials) <- JOIN(AGG(S-keys; partials) over S, O)
** so the big side is reduced to one row per join key before the join (q1 of the upsell gold
** queries: 11M transactions -> 1.1M customers). count -> sum of counts, sum -> sum of sums (cast
** back to the original type), min/max -> min/max. Applied when S is estimated at more than twice
** O's rows.
*/
static bool col_in(const expr *e, const lp *n) { return e->kind == EXPR_COLUMN && lp_find(n, e->u.col) >= 0; }

static int eager_agg(sql_ctx *q, lp *n, lp **out) {
  *out = n;
  for (uint32_t i = 0; i < n->n_child; i++) TRY(eager_agg(q, n->child[i], &n->child[i]));
  if (n->kind != LP_AGG || !n->u.agg.n_aggs) return LAGO_OK;
  lp *j = n->child[0];
  if (j->kind != LP_JOIN || j->u.join.type != JOIN_INNER || !j->u.join.cond) return LAGO_OK;
  /* which side do the aggregates read? */
  int side = -1;
  for (uint32_t i = 0; i < n->u.agg.n_aggs; i++) {
    const agg_call *a = n->u.agg.aggs[i];
    const char *fn = a->b.fn->name;
    if (a->b.distinct || a->filter ||
        (strcmp(fn, "count") && strcmp(fn, "sum") && strcmp(fn, "min") && strcmp(fn, "max")))
      return LAGO_OK;
    for (uint32_t k = 0; k < a->b.n_args; k++) {
      int sd = lpx_within(a->args[k], j->child[0]) ? 0 : lpx_within(a->args[k], j->child[1]) ? 1 : -2;
      if (sd == -2 || (side >= 0 && sd != side)) return LAGO_OK;
      side = sd;
    }
  }
  if (side < 0) side = est(j->child[0]) >= est(j->child[1]) ? 0 : 1;
  lp *S = j->child[side], *O = j->child[1 - side];
  if (est(S) < 0 || est(O) < 0 || est(S) <= 2 * est(O)) return LAGO_OK;
  /* S's grouping columns: its join keys and its group columns, all plain columns */
  uint32_t *keys = NULL, nk = 0, ck = 0;
  expr **cj = NULL;
  uint32_t ncj = 0, ccj = 0;
  TRY(lpx_conjuncts(q, j->u.join.cond, &cj, &ncj, &ccj));
  for (uint32_t i = 0; i < ncj; i++) {
    const expr *c = cj[i];
    if (c->kind != EXPR_CALL || c->n_args != 2 || !c->u.call.def || strcmp(c->u.call.def->name, "=")) return LAGO_OK;
    const expr *sa = col_in(c->args[0], S) ? c->args[0] : col_in(c->args[1], S) ? c->args[1] : NULL;
    const expr *oa = sa == c->args[0] ? c->args[1] : c->args[0];
    if (!sa || !lpx_within(oa, O)) return LAGO_OK;
    TRY(sql_push_u32(q, &keys, &nk, &ck, sa->u.col));
  }
  for (uint32_t i = 0; i < n->u.agg.n_groups; i++) {
    const expr *g = n->u.agg.groups[i];
    if (lpx_within(g, O)) continue;
    if (!col_in(g, S)) return LAGO_OK;
    TRY(sql_push_u32(q, &keys, &nk, &ck, g->u.col));
  }
  /* the partial aggregate over S: groups = distinct key columns (same ids), partial aggregates */
  uint32_t *uk = arena_alloc(q->ar, (nk ? nk : 1) * sizeof *uk), nu = 0;
  if (!uk) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < nk; i++) {
    bool dup = false;
    for (uint32_t k = 0; k < nu && !dup; k++) dup = uk[k] == keys[i];
    if (!dup) uk[nu++] = keys[i];
  }
  uint32_t na = n->u.agg.n_aggs, ng = n->u.agg.n_groups;
  lp *pa = lp_new(q, LP_AGG, 1, &S);
  if (!pa) return LAGO_NOMEM_ERR(q->err);
  pa->n_out = nu + na;
  pa->out = arena_alloc(q->ar, pa->n_out * sizeof *pa->out);
  pa->u.agg.n_groups = nu;
  pa->u.agg.groups = arena_alloc(q->ar, (nu ? nu : 1) * sizeof(expr *));
  pa->u.agg.n_aggs = na;
  pa->u.agg.aggs = arena_alloc(q->ar, na * sizeof(agg_call *));
  if (!pa->out || !pa->u.agg.groups || !pa->u.agg.aggs) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < nu; i++) {
    int k = lp_find(S, uk[i]);
    pa->out[i] = S->out[k];
    if (!(pa->u.agg.groups[i] = lp_colref(q, S, (uint32_t)k))) return LAGO_NOMEM_ERR(q->err);
  }
  /* the final aggregate merges the partials; casts restore the original types */
  agg_call **fa = arena_alloc(q->ar, na * sizeof *fa);
  lp_col *fout = arena_alloc(q->ar, (ng + na) * sizeof *fout);
  if (!fa || !fout) return LAGO_NOMEM_ERR(q->err);
  memcpy(fout, n->out, ng * sizeof *fout);
  bool need_cast = false;
  for (uint32_t i = 0; i < na; i++) {
    agg_call *a = n->u.agg.aggs[i];
    pa->u.agg.aggs[i] = a;
    uint32_t pid = sql_new_id(q);
    pa->out[nu + i] = (lp_col){pid, a->b.ret, a->name};
    expr *arg = expr_column(q->ar, pid, a->b.ret, a->name);
    if (!arg) return LAGO_NOMEM_ERR(q->err);
    const char *fn = a->b.fn->name;
    const char *merge = !strcmp(fn, "count") || !strcmp(fn, "sum") ? "sum" : fn;
    TRY(agg_call_make(q->ar, merge, &arg, 1, false, false, NULL, &fa[i], q->err));
    fa[i]->name = a->name;
    bool same = type_equal(fa[i]->b.ret, a->b.ret);
    need_cast |= !same;
    fout[ng + i] = (lp_col){same ? n->out[ng + i].id : sql_new_id(q), fa[i]->b.ret, n->out[ng + i].name};
  }
  lp *nj = j;
  nj->child[side] = pa;
  TRY(lp_join_refresh(q, nj));
  lp *fin = lp_new(q, LP_AGG, 1, &nj);
  if (!fin) return LAGO_NOMEM_ERR(q->err);
  fin->n_out = ng + na;
  fin->out = fout;
  fin->u.agg.n_groups = ng;
  fin->u.agg.groups = n->u.agg.groups;
  fin->u.agg.n_aggs = na;
  fin->u.agg.aggs = fa;
  fin->est_rows = n->est_rows;
  if (!need_cast) {
    *out = fin;
    return LAGO_OK;
  }
  lp *pr = lp_new(q, LP_PROJECT, 1, &fin);
  if (!pr) return LAGO_NOMEM_ERR(q->err);
  pr->n_out = ng + na;
  pr->out = arena_memdup(q->ar, n->out, (ng + na) * sizeof *pr->out);
  pr->u.project.exprs = arena_alloc(q->ar, (ng + na) * sizeof(expr *));
  if (!pr->out || !pr->u.project.exprs) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < ng + na; i++) {
    expr *c = lp_colref(q, fin, i);
    if (!c) return LAGO_NOMEM_ERR(q->err);
    if (!type_equal(c->type, n->out[i].type)) TRY(expr_cast(q->ar, c, n->out[i].type, false, &c, q->err));
    pr->u.project.exprs[i] = c;
  }
  *out = pr;
  return LAGO_OK;
}

/* ---- join sides ------------------------------------------------------------------------ */

static int sides(sql_ctx *q, lp *n) {
  for (uint32_t i = 0; i < n->n_child; i++) TRY(sides(q, n->child[i]));
  if (n->kind != LP_JOIN) return LAGO_OK;
  join_type t = (join_type)n->u.join.type;
  if (t != JOIN_INNER && t != JOIN_LEFT && t != JOIN_RIGHT) return LAGO_OK;
  if (!n->u.join.cond) return LAGO_OK;
  double l = est(n->child[0]), r = est(n->child[1]);
  if (l < 0 || r < 0 || l >= r) return LAGO_OK;
  lp *tmp = n->child[0];
  n->child[0] = n->child[1];
  n->child[1] = tmp;
  if (t == JOIN_LEFT) n->u.join.type = JOIN_RIGHT;
  else if (t == JOIN_RIGHT) n->u.join.type = JOIN_LEFT;
  return lp_join_refresh(q, n);
}

/* ---- entry ------------------------------------------------------------------------------ */

int sql_plan_optimize(sql_ctx *q, lp *root, lp **out) {
  uint32_t n = root->n_out;
  lp_col *want = arena_memdup(q->ar, root->out, (n ? n : 1) * sizeof *want);
  if (!want) return LAGO_NOMEM_ERR(q->err);
  plist none = {0};
  lp *r;
  TRY(push(q, root, &none, &r));
  ids req;
  TRY(ids_new(q, &req));
  for (uint32_t i = 0; i < n; i++) ids_add(&req, want[i].id);
  TRY(prune(q, r, &req, &r));
  if (!sql_setting_bool(q->s, "lago.optimizer.eagerAggregation.disabled", false)) TRY(eager_agg(q, r, &r));
  TRY(sides(q, r));
  bool same = r->n_out == n;
  for (uint32_t i = 0; i < n && same; i++) same = r->out[i].id == want[i].id;
  if (!same) {
    uint32_t *idv = arena_alloc(q->ar, (n ? n : 1) * sizeof *idv);
    if (!idv) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n; i++) idv[i] = want[i].id;
    TRY(lp_project_ids(q, r, idv, n, &r));
    for (uint32_t i = 0; i < n; i++) r->out[i].name = want[i].name;
  }
  (void)is_const_false;
  *out = r;
  return LAGO_OK;
}
