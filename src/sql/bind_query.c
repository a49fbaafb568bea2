/*
** sql/bind_query.c: queries -> logical plans: SELECT (FROM, LATERAL VIEW,
** WHERE, GROUP BY [ALL], aggregates, HAVING, windows, QUALIFY, DISTINCT,
** ORDER BY, LIMIT/OFFSET), set operations, VALUES, TABLE t and WITH.
**
** SELECT is built in Spark's logical order:
**   FROM -> LATERAL VIEW -> WHERE -> AGG (groups ++ aggregates) -> HAVING
**   -> WINDOW (one node per distinct PARTITION/ORDER) -> QUALIFY
**   -> GENERATE (the SELECT list's generator, if any: explode(x) AS ...)
**   -> PROJECT (select items ++ hidden ORDER BY keys) -> DISTINCT
**   -> SORT -> LIMIT -> PROJECT (drop the hidden keys)
** Expressions are bound once over FROM-level ids; in an aggregate query they
** are then rewritten so that group expressions become the AGG node's group
** ids (bind_group_rewrite), which also reports MISSING_AGGREGATION.
**
** ORDER BY resolves a bare name against the select list's aliases first,
** then against the FROM columns (Spark); ordinals refer to select items.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/* ---- display names (Spark's auto-generated column names) -------------------------- */

static int disp(sql_ctx *q, const sql_expr *e, buf *b) {
  switch (e->kind) {
    case SQL_E_COLUMN: return buf_puts(b, e->column.name.parts[e->column.name.n_parts - 1].name);
    case SQL_E_LITERAL:
      if (e->lit.kind == SQL_LIT_STRING) return buf_append(b, e->lit.str, e->lit.str_len);
      if (e->lit.kind == SQL_LIT_NULL) return buf_puts(b, "NULL");
      return buf_puts(b, e->lit.text);
    case SQL_E_FUNC: {
      const sql_func *f = &e->func;
      const char *nm = f->name.parts[f->name.n_parts - 1].name;
      for (const char *p = nm; *p; p++) TRY(buf_putc(b, (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p)));
      if (f->no_parens) return LAGO_OK;
      TRY(buf_putc(b, '('));
      if (f->distinct) TRY(buf_puts(b, "DISTINCT "));
      if (f->star) TRY(buf_putc(b, '1'));
      for (uint32_t i = 0; i < f->n_args; i++) {
        if (i) TRY(buf_puts(b, ", "));
        TRY(disp(q, f->args[i], b));
      }
      TRY(buf_putc(b, ')'));
      if (f->over) TRY(buf_puts(b, " OVER (...)"));
      return LAGO_OK;
    }
    case SQL_E_FIELD:
      TRY(disp(q, e->field.base, b));
      TRY(buf_putc(b, '.'));
      return buf_puts(b, e->field.name.name);
    default: return sql_print_expr(b, e, 0);
  }
}

static const char *display_name(sql_ctx *q, const sql_expr *e) {
  buf b;
  buf_init(&b);
  const char *r = NULL;
  if (disp(q, e, &b) == LAGO_OK) r = arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

/* ---- helpers -------------------------------------------------------------------- */

static bool ast_is_int_literal(const sql_expr *e, int64_t *v) {
  if (e->kind == SQL_E_LITERAL && (e->lit.kind == SQL_LIT_INT || e->lit.kind == SQL_LIT_BIGINT)) {
    *v = e->lit.i;
    return true;
  }
  return false;
}

/* Does the AST contain an aggregate call outside window calls and subqueries? */
static bool ast_has_agg(const sql_expr *e) {
  if (!e) return false;
  switch (e->kind) {
    case SQL_E_FUNC: {
      const sql_func *f = &e->func;
      if (!f->over && f->name.n_parts == 1 && agg_lookup(f->name.parts[0].name)) {
        const char *n = f->name.parts[0].name;
        if (!((!strcasecmp(n, "any") || !strcasecmp(n, "some")) && f->n_args != 1)) return true;
      }
      for (uint32_t i = 0; i < f->n_args; i++)
        if (ast_has_agg(f->args[i])) return true;
      return ast_has_agg(f->filter);
    }
    case SQL_E_SUBQUERY:
    case SQL_E_EXISTS: return false;
    case SQL_E_UNARY: return ast_has_agg(e->unary.arg);
    case SQL_E_BINARY: return ast_has_agg(e->binary.left) || ast_has_agg(e->binary.right);
    case SQL_E_IS: return ast_has_agg(e->is.arg) || ast_has_agg(e->is.right);
    case SQL_E_BETWEEN: return ast_has_agg(e->between.arg) || ast_has_agg(e->between.lo) || ast_has_agg(e->between.hi);
    case SQL_E_IN:
      if (ast_has_agg(e->in.arg)) return true;
      for (uint32_t i = 0; i < e->in.n_list; i++)
        if (ast_has_agg(e->in.list[i])) return true;
      return false;
    case SQL_E_LIKE:
      if (ast_has_agg(e->like.arg) || ast_has_agg(e->like.pattern)) return true;
      for (uint32_t i = 0; i < e->like.n_list; i++)
        if (ast_has_agg(e->like.list[i])) return true;
      return false;
    case SQL_E_CASE:
      if (ast_has_agg(e->case_.operand) || ast_has_agg(e->case_.else_result)) return true;
      for (uint32_t i = 0; i < e->case_.n_whens; i++)
        if (ast_has_agg(e->case_.whens[i].cond) || ast_has_agg(e->case_.whens[i].result)) return true;
      return false;
    case SQL_E_CAST: return ast_has_agg(e->cast.arg);
    case SQL_E_FIELD: return ast_has_agg(e->field.base);
    case SQL_E_SUBSCRIPT: return ast_has_agg(e->subscript.base) || ast_has_agg(e->subscript.index);
    case SQL_E_EXTRACT: return ast_has_agg(e->extract.arg);
    case SQL_E_NAMED_ARG: return ast_has_agg(e->named_arg.value);
    case SQL_E_ROW:
      for (uint32_t i = 0; i < e->row.n_items; i++)
        if (ast_has_agg(e->row.items[i])) return true;
      return false;
    default: return false;
  }
}

/* True if e references any of ids. */
static bool uses_ids(const expr *e, const uint32_t *ids, uint32_t n) {
  if (e->kind == EXPR_COLUMN) {
    for (uint32_t i = 0; i < n; i++)
      if (ids[i] == e->u.col) return true;
    return false;
  }
  for (uint32_t i = 0; i < e->n_args; i++)
    if (uses_ids(e->args[i], ids, n)) return true;
  return false;
}

static int const_int(sql_ctx *q, const sql_expr *e, const char *what, int64_t *out) {
  bind_ectx b;
  memset(&b, 0, sizeof b);
  scope empty;
  memset(&empty, 0, sizeof empty);
  b.q = q;
  b.sc = &empty;
  b.clause = what;
  expr *x;
  TRY(bind_expr(&b, e, &x));
  if (!type_is_integer(x->type) && x->type.id != LT_NULL)
    return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_LIMIT_LIKE_EXPRESSION] The %s expression must be an integer", what);
  if (x->type.id != LT_BIGINT) {
    lago_err tmp;
    lago_err_clear(&tmp);
    if (expr_cast(q->ar, x, type_make(LT_BIGINT), false, &x, &tmp)) return sql_err_at(q, LAGO_BIND, e->pos, "%s", tmp.msg);
  }
  TRY(bind_fold(q, x, &x));
  if (x->kind != EXPR_CONST || !vec_is_valid(x->u.value, 0))
    return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_LIMIT_LIKE_EXPRESSION] The %s expression must be a non-null constant", what);
  *out = VEC_DATA(x->u.value, int64_t)[0];
  if (*out < 0)
    return sql_err_at(q, LAGO_BIND, e->pos, "[INVALID_LIMIT_LIKE_EXPRESSION] The %s expression must be >= 0, got %lld", what,
                      (long long)*out);
  return LAGO_OK;
}

/* ---- generators (explode & co. in the SELECT list and in LATERAL VIEW) ------------------ */

static const struct {
  const char *name;
  gen_fn k;
} generators[] = {
    {"explode", {false, false, false}}, {"explode_outer", {false, true, false}},
    {"posexplode", {true, false, false}}, {"posexplode_outer", {true, true, false}},
    {"inline", {false, false, true}}, {"inline_outer", {false, true, true}},
};

bool bind_generator_lookup(const char *name, gen_fn *k) {
  for (size_t i = 0; i < sizeof generators / sizeof generators[0]; i++)
    if (!strcasecmp(name, generators[i].name)) {
      if (k) *k = generators[i].k;
      return true;
    }
  return false;
}

/* Lower-case copy of s in the query arena; NULL on OOM. */
static const char *lower_name(sql_ctx *q, const char *s) {
  char *r = arena_strdup(q->ar, s);
  if (r)
    for (char *p = r; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return r;
}

/* Is e a whole generator call f(x) (one-part name, no OVER)? */
static bool ast_generator(const sql_expr *e, gen_fn *k) {
  return e->kind == SQL_E_FUNC && e->func.name.n_parts == 1 && !e->func.over &&
         bind_generator_lookup(e->func.name.parts[0].name, k);
}

/* A bound generator: its argument over the input's ids and the columns it adds. */
typedef struct gen_bound {
  gen_fn k;
  const char *fname;     /* lower-case function name (messages) */
  expr *arg;             /* ARRAY or MAP (ARRAY<STRUCT> for inline) over the input's ids */
  lp_col *cols;          /* generated columns, fresh ids; allocated in the query arena */
  uint32_t n_cols;
} gen_bound;

/* Fills g->cols for g->arg's type, with Spark's names and order: [pos INT,] col (ARRAY) |
** key, value (MAP) | the element struct's fields (inline). aliases replace the names; their
** count must match (UDTF_ALIAS_NUMBER_MISMATCH at alias_pos). */
static int gen_columns(sql_ctx *q, gen_bound *g, int arg_pos, const sql_ident *aliases, uint32_t n_aliases,
                       int alias_pos) {
  lago_type t = g->arg->type;
  bool ok = g->k.is_inline ? t.id == LT_ARRAY && type_element(t).id == LT_STRUCT : t.id == LT_ARRAY || t.id == LT_MAP;
  if (!ok) {
    const char *tn = type_sql_name(q->ar, t);
    return sql_err_at(q, LAGO_BIND, arg_pos,
                      "[DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE] `%s` requires %s, but its argument has type %s", g->fname,
                      g->k.is_inline ? "an ARRAY<STRUCT>" : "an ARRAY or a MAP", tn ? tn : "?");
  }
  uint32_t n;
  if (g->k.is_inline) n = type_n_fields(type_element(t));
  else n = (g->k.with_pos ? 1 : 0) + (t.id == LT_MAP ? 2 : 1);
  if (n_aliases && n_aliases != n) {
    buf an;
    buf_init(&an);
    int brc = LAGO_OK;
    for (uint32_t i = 0; i < n_aliases && !brc; i++) {
      if (i) brc = buf_puts(&an, ", ");
      if (!brc) brc = buf_putc(&an, '`');
      if (!brc) brc = buf_puts(&an, aliases[i].name);
      if (!brc) brc = buf_putc(&an, '`');
    }
    int rc = brc ? LAGO_NOMEM_ERR(q->err)
                 : sql_err_at(q, LAGO_BIND, alias_pos,
                              "[UDTF_ALIAS_NUMBER_MISMATCH] The number of aliases supplied in the AS clause does not match "
                              "the number of columns output by the UDTF `%s`. Expected %u aliases, but got %u: %s",
                              g->fname, n, n_aliases, buf_cstr(&an));
    buf_deinit(&an);
    return rc;
  }
  g->n_cols = n;
  g->cols = arena_alloc(q->ar, (n ? n : 1) * sizeof *g->cols);
  if (!g->cols) return LAGO_NOMEM_ERR(q->err);
  uint32_t j = 0;
  if (g->k.is_inline) {
    lago_type st = type_element(t);
    for (; j < n; j++) g->cols[j] = (lp_col){0, type_field_at(st, j)->type, type_field_at(st, j)->name};
  } else {
    if (g->k.with_pos) g->cols[j++] = (lp_col){0, type_make(LT_INT), "pos"};
    if (t.id == LT_MAP) {
      g->cols[j++] = (lp_col){0, type_map_key(t), "key"};
      g->cols[j++] = (lp_col){0, type_map_value(t), "value"};
    } else {
      g->cols[j++] = (lp_col){0, type_element(t), "col"};
    }
  }
  for (j = 0; j < n; j++) {
    g->cols[j].id = sql_new_id(q);
    if (n_aliases) g->cols[j].name = aliases[j].name;
  }
  return LAGO_OK;
}

/* Puts GENERATE over *pl: out = (*pl)->out ++ g->cols. inline explodes the array into one
** struct column (id private to this node pair) and a projection above keeps the input's
** columns and turns the struct's fields into g->cols: exec's one generate operator serves all. */
static int gen_build(sql_ctx *q, lp **pl, const gen_bound *g) {
  lp *child = *pl;
  lp *n = lp_new(q, LP_GENERATE, 1, &child);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  uint32_t extra = g->k.is_inline ? 1 : g->n_cols;
  n->n_out = child->n_out + extra;
  n->out = arena_alloc(q->ar, n->n_out * sizeof *n->out);
  if (!n->out) return LAGO_NOMEM_ERR(q->err);
  memcpy(n->out, child->out, child->n_out * sizeof *n->out);
  if (g->k.is_inline) n->out[child->n_out] = (lp_col){sql_new_id(q), type_element(g->arg->type), "col"};
  else memcpy(n->out + child->n_out, g->cols, g->n_cols * sizeof *n->out);
  n->u.generate.gen = g->arg;
  n->u.generate.outer = g->k.outer;
  n->u.generate.with_pos = g->k.with_pos;
  if (!g->k.is_inline) {
    *pl = n;
    return LAGO_OK;
  }
  /* inline: PROJECT (input columns, same ids) ++ (struct.field_j AS cols[j]) */
  lp *pr = lp_new(q, LP_PROJECT, 1, &n);
  if (!pr) return LAGO_NOMEM_ERR(q->err);
  pr->n_out = child->n_out + g->n_cols;
  pr->out = arena_alloc(q->ar, pr->n_out * sizeof *pr->out);
  pr->u.project.exprs = arena_alloc(q->ar, pr->n_out * sizeof(expr *));
  expr *st = lp_colref(q, n, child->n_out);
  if (!pr->out || !pr->u.project.exprs || !st) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < child->n_out; i++) {
    pr->out[i] = child->out[i];
    if (!(pr->u.project.exprs[i] = lp_colref(q, child, i))) return LAGO_NOMEM_ERR(q->err);
  }
  for (uint32_t j = 0; j < g->n_cols; j++) {
    expr *f;
    TRY(expr_field(q->ar, st, j, &f, q->err));
    pr->out[child->n_out + j] = g->cols[j];
    pr->u.project.exprs[child->n_out + j] = f;
  }
  *pl = pr;
  return LAGO_OK;
}

/* ---- SELECT ------------------------------------------------------------------------- */

typedef struct sel_item {
  expr *e;
  const char *name;
  int pos;
  bool has_agg;      /* references aggregates or windows */
  bool gen;          /* a column of the SELECT list's generator (computed after GENERATE) */
} sel_item;

typedef struct sel_state {
  sql_ctx *q;
  sel_item *items;
  uint32_t n_items, cap_items;
} sel_state;

static int add_item(sel_state *s, expr *e, const char *name, int pos) {
  if (s->n_items == s->cap_items) {
    uint32_t nc = s->cap_items ? s->cap_items * 2 : 16;
    sel_item *na = arena_alloc(s->q->ar, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(s->q->err);
    if (s->n_items) memcpy(na, s->items, s->n_items * sizeof *na);
    s->items = na;
    s->cap_items = nc;
  }
  s->items[s->n_items++] = (sel_item){e, name, pos, false, false};
  return LAGO_OK;
}

static bool star_excluded(const scope_col *c, const sql_expr *star) {
  for (uint32_t i = 0; i < star->star.n_except; i++) {
    const sql_name *n = &star->star.except[i];
    if (sql_ident_eq(n->parts[n->n_parts - 1].name, c->name)) return true;
  }
  return false;
}

static int expand_star(sel_state *s, const scope *sc, const sql_expr *star) {
  sql_ctx *q = s->q;
  const sql_name *qn = &star->star.qualifier;
  uint32_t k = qn->n_parts;
  if (k > 3) return sql_err_at(q, LAGO_BIND, star->pos, "[CANNOT_RESOLVE_STAR_EXPAND] bad qualifier for *");
  uint32_t before = s->n_items;
  for (uint32_t i = 0; i < sc->n; i++) {
    const scope_col *c = &sc->cols[i];
    if (c->hidden) continue;
    if (k == 0 && c->qual_only) continue;
    if (k) {
      bool ok = true;
      for (uint32_t j = 0; j < k && ok; j++) {
        const char *qp = c->qual[3 - k + j];
        ok = qp && sql_ident_eq(qp, qn->parts[j].name);
      }
      if (!ok) continue;
    }
    if (star_excluded(c, star)) continue;
    expr *e = expr_column(q->ar, c->id, c->type, c->name);
    if (!e) return LAGO_NOMEM_ERR(q->err);
    TRY(add_item(s, e, c->name, star->pos));
  }
  if (k && s->n_items == before) {
    char qt[200];
    size_t ql = 0;
    qt[0] = 0;
    for (uint32_t j = 0; j < k && ql < sizeof qt - 1; j++)
      ql += (size_t)snprintf(qt + ql, sizeof qt - ql, "%s%s", j ? "." : "", qn->parts[j].name);
    return sql_err_at(q, LAGO_BIND, star->pos,
                      "[CANNOT_RESOLVE_STAR_EXPAND] Cannot resolve `%s`.* given input columns", qt);
  }
  return LAGO_OK;
}

/* Rewrites pending window calls' expressions through the group rewrite. */
static int rewrite_windows(bind_ectx *b) {
  sql_ctx *q = b->q;
  for (uint32_t i = 0; i < b->n_wins; i++) {
    win_pending *w = &b->wins[i];
    for (uint32_t k = 0; k < w->n_part; k++) TRY(bind_group_rewrite(b, w->part[k], -1, &w->part[k]));
    for (uint32_t k = 0; k < w->n_order; k++) TRY(bind_group_rewrite(b, w->order[k].e, -1, &w->order[k].e));
    win_call *c = &w->call;
    if (c->n_args) {
      expr **na = arena_alloc(q->ar, c->n_args * sizeof *na);
      if (!na) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t k = 0; k < c->n_args; k++) TRY(bind_group_rewrite(b, c->args[k], -1, &na[k]));
      c->args = na;
    }
    if (c->deflt) TRY(bind_group_rewrite(b, c->deflt, -1, &c->deflt));
    if (c->agg) {
      agg_call *ac = arena_alloc(q->ar, sizeof *ac);
      if (!ac) return LAGO_NOMEM_ERR(q->err);
      *ac = *c->agg;
      if (ac->b.n_args) {
        expr **na = arena_alloc(q->ar, ac->b.n_args * sizeof *na);
        if (!na) return LAGO_NOMEM_ERR(q->err);
        for (uint32_t k = 0; k < ac->b.n_args; k++) TRY(bind_group_rewrite(b, ac->args[k], -1, &na[k]));
        ac->args = na;
        ac->b.args = na;
      }
      if (ac->filter) TRY(bind_group_rewrite(b, ac->filter, -1, &ac->filter));
      c->agg = ac;
    }
  }
  return LAGO_OK;
}

static bool sort_keys_equal(const sort_key *a, uint32_t na, const sort_key *b, uint32_t nb) {
  if (na != nb) return false;
  for (uint32_t i = 0; i < na; i++)
    if (a[i].desc != b[i].desc || a[i].nulls_first != b[i].nulls_first || !lpx_equal(a[i].e, b[i].e)) return false;
  return true;
}

static bool exprs_equal(expr *const *a, uint32_t na, expr *const *b, uint32_t nb) {
  if (na != nb) return false;
  for (uint32_t i = 0; i < na; i++)
    if (!lpx_equal(a[i], b[i])) return false;
  return true;
}

/* One WINDOW node per distinct (PARTITION BY, ORDER BY), in first-use order. */
static int build_windows(bind_ectx *b, lp **pl) {
  sql_ctx *q = b->q;
  bool *done = arena_zalloc(q->ar, (b->n_wins ? b->n_wins : 1) * sizeof *done);
  if (!done) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < b->n_wins; i++) {
    if (done[i]) continue;
    win_pending *w = &b->wins[i];
    uint32_t cnt = 0;
    for (uint32_t j = i; j < b->n_wins; j++)
      if (!done[j] && exprs_equal(w->part, w->n_part, b->wins[j].part, b->wins[j].n_part) &&
          sort_keys_equal(w->order, w->n_order, b->wins[j].order, b->wins[j].n_order))
        cnt++;
    lp *n = lp_new(q, LP_WINDOW, 1, pl);
    if (!n) return LAGO_NOMEM_ERR(q->err);
    n->u.window.n_part = w->n_part;
    n->u.window.part = w->part;
    n->u.window.n_order = w->n_order;
    n->u.window.order = w->order;
    n->u.window.n_calls = cnt;
    n->u.window.calls = arena_alloc(q->ar, cnt * sizeof(win_call));
    n->n_out = (*pl)->n_out + cnt;
    n->out = arena_alloc(q->ar, n->n_out * sizeof *n->out);
    if (!n->u.window.calls || !n->out) return LAGO_NOMEM_ERR(q->err);
    memcpy(n->out, (*pl)->out, (*pl)->n_out * sizeof *n->out);
    uint32_t k = 0;
    for (uint32_t j = i; j < b->n_wins; j++) {
      win_pending *o = &b->wins[j];
      if (done[j] || !exprs_equal(w->part, w->n_part, o->part, o->n_part) ||
          !sort_keys_equal(w->order, w->n_order, o->order, o->n_order))
        continue;
      done[j] = true;
      n->u.window.calls[k] = o->call;
      n->out[(*pl)->n_out + k] = (lp_col){o->id, o->call.type, o->call.name};
      k++;
    }
    *pl = n;
  }
  return LAGO_OK;
}

/* Binds the order keys of a SELECT. Adds hidden items to s for keys not in the select list. */
static int bind_select_order(bind_ectx *b, sel_state *s, const sql_query *qa, bool distinct, uint32_t **key_item,
                             sort_key **keys, uint32_t *n_keys) {
  sql_ctx *q = b->q;
  uint32_t n = qa->n_order_by;
  if (n == 1 && !qa->order_by[0].expr) n = s->n_items; /* ORDER BY ALL */
  uint32_t *ki = arena_alloc(q->ar, (n ? n : 1) * sizeof *ki);
  sort_key *k = arena_zalloc(q->ar, (n ? n : 1) * sizeof *k);
  if (!ki || !k) return LAGO_NOMEM_ERR(q->err);
  uint32_t visible = s->n_items;
  for (uint32_t i = 0; i < n; i++) {
    const sql_order_item *oi = qa->order_by[0].expr ? &qa->order_by[i] : &qa->order_by[0];
    k[i].desc = oi->dir == SQL_SORT_DESC;
    k[i].nulls_first = oi->nulls == SQL_NULLS_DEFAULT ? !k[i].desc : oi->nulls == SQL_NULLS_FIRST;
    if (!oi->expr) {
      ki[i] = i;
      continue;
    }
    int64_t ord;
    if (ast_is_int_literal(oi->expr, &ord)) {
      if (ord < 1 || ord > (int64_t)visible)
        return sql_err_at(q, LAGO_BIND, oi->expr->pos,
                          "[ORDER_BY_POS_OUT_OF_RANGE] ORDER BY position %lld is not in select list (valid range is [1, %u])",
                          (long long)ord, visible);
      ki[i] = (uint32_t)(ord - 1);
      continue;
    }
    if (oi->expr->kind == SQL_E_COLUMN && oi->expr->column.name.n_parts == 1) {
      const char *nm = oi->expr->column.name.parts[0].name;
      int hit = -1, cnt = 0;
      for (uint32_t j = 0; j < visible; j++)
        if (s->items[j].name && sql_ident_eq(s->items[j].name, nm)) {
          if (hit < 0) hit = (int)j;
          /* the same column selected twice is not ambiguous */
          else if (!lpx_equal(s->items[hit].e, s->items[j].e)) cnt++;
        }
      if (cnt) return sql_err_at(q, LAGO_BIND, oi->expr->pos, "[AMBIGUOUS_REFERENCE] Reference `%s` is ambiguous", nm);
      if (hit >= 0) {
        ki[i] = (uint32_t)hit;
        continue;
      }
    }
    expr *e;
    TRY(bind_expr(b, oi->expr, &e));
    int found = -1;
    for (uint32_t j = 0; j < s->n_items && found < 0; j++)
      if (lpx_equal(s->items[j].e, e)) found = (int)j;
    if (found >= 0) {
      ki[i] = (uint32_t)found;
      continue;
    }
    if (distinct)
      return sql_err_at(q, LAGO_BIND, oi->expr->pos,
                        "ORDER BY expressions must appear in the select list when SELECT DISTINCT is used");
    TRY(add_item(s, e, NULL, oi->expr->pos));
    ki[i] = s->n_items - 1;
  }
  *key_item = ki;
  *keys = k;
  *n_keys = n;
  return LAGO_OK;
}

static int bind_limit(sql_ctx *q, const sql_query *qa, lp **pl) {
  if (!qa->limit && !qa->offset) return LAGO_OK;
  int64_t lim = -1, off = 0;
  if (qa->limit) TRY(const_int(q, qa->limit, "limit", &lim));
  if (qa->offset) TRY(const_int(q, qa->offset, "offset", &off));
  return lp_limit(q, *pl, lim, off, pl);
}

/* GROUP BY item -> expression over FROM ids. */
static int bind_group_item(bind_ectx *b, const sql_select *sel, const sql_expr *ge, expr **out) {
  sql_ctx *q = b->q;
  int64_t ord;
  if (ast_is_int_literal(ge, &ord)) {
    if (ord < 1 || ord > (int64_t)sel->n_items || sel->items[ord - 1].expr->kind == SQL_E_STAR)
      return sql_err_at(q, LAGO_BIND, ge->pos, "[GROUP_BY_POS_OUT_OF_RANGE] GROUP BY position %lld is not in select list",
                        (long long)ord);
    if (ast_has_agg(sel->items[ord - 1].expr))
      return sql_err_at(q, LAGO_BIND, ge->pos, "[GROUP_BY_POS_AGGREGATE] GROUP BY %lld refers to an expression that contains an aggregate function",
                        (long long)ord);
    return bind_expr(b, sel->items[ord - 1].expr, out);
  }
  lago_err save = *q->err;
  int rc = bind_expr(b, ge, out);
  if (rc == LAGO_BIND && ge->kind == SQL_E_COLUMN && ge->column.name.n_parts == 1) {
    /* GROUP BY a select-list alias (Spark's groupByAliases) */
    for (uint32_t i = 0; i < sel->n_items; i++)
      if (sel->items[i].alias.name && sql_ident_eq(sel->items[i].alias.name, ge->column.name.parts[0].name) &&
          !ast_has_agg(sel->items[i].expr)) {
        *q->err = save;
        return bind_expr(b, sel->items[i].expr, out);
      }
  }
  return rc;
}

/* Binds a HAVING/QUALIFY condition, falling back to select aliases for unresolved bare names. */
static int bind_post_cond(bind_ectx *b, sel_state *s, const sql_select *sel, const sql_expr *cond, expr **out) {
  sql_ctx *q = b->q;
  lago_err save = *q->err;
  int rc = bind_bool(b, cond, out);
  if (rc != LAGO_BIND) return rc;
  /* A bare alias as the whole condition or one side of a comparison: substitute the item. */
  (void)sel;
  if (cond->kind == SQL_E_BINARY && cond->binary.left->kind == SQL_E_COLUMN &&
      cond->binary.left->column.name.n_parts == 1) {
    const char *nm = cond->binary.left->column.name.parts[0].name;
    for (uint32_t i = 0; i < s->n_items; i++)
      if (s->items[i].name && sql_ident_eq(s->items[i].name, nm)) {
        *q->err = save;
        expr *r;
        TRY(bind_expr(b, cond->binary.right, &r));
        const char *fn = NULL;
        switch (cond->binary.op) {
          case SQL_OP_EQ: fn = "="; break;
          case SQL_OP_NE: fn = "<>"; break;
          case SQL_OP_LT: fn = "<"; break;
          case SQL_OP_LE: fn = "<="; break;
          case SQL_OP_GT: fn = ">"; break;
          case SQL_OP_GE: fn = ">="; break;
          default: break;
        }
        if (!fn) break;
        expr *a[2] = {s->items[i].e, r};
        lago_err tmp;
        lago_err_clear(&tmp);
        int rc2 = expr_call(q->ar, fn, a, 2, out, &tmp);
        if (rc2) return sql_err_at(q, rc2, cond->pos, "%s", tmp.msg);
        return LAGO_OK;
      }
  }
  return rc;
}

static int bind_select(sql_ctx *q, const sql_query *qa, scope *outer, cte_def *ctes, bound_query *out) {
  const sql_select *sel = &qa->select;
  scope *sc = arena_zalloc(q->ar, sizeof *sc);
  if (!sc) return LAGO_NOMEM_ERR(q->err);
  sc->outer = outer;
  lp *pl = NULL;

  /* FROM */
  if (sel->n_from == 0) {
    TRY(lp_one_row(q, &pl));
  } else {
    for (uint32_t i = 0; i < sel->n_from; i++) {
      lp *p;
      scope item;
      memset(&item, 0, sizeof item);
      item.outer = outer;
      TRY(bind_table_ref(q, sel->from[i], &item, ctes, &p));
      TRY(scope_append(q, sc, &item));
      if (!pl) pl = p;
      else TRY(lp_join(q, JOIN_INNER, pl, p, NULL, &pl));
    }
  }

  bind_ectx b;
  memset(&b, 0, sizeof b);
  b.q = q;
  b.sc = sc;
  b.ctes = ctes;
  b.plan = &pl;
  b.named_windows = sel->windows;
  b.n_named_windows = sel->n_windows;

  /* LATERAL VIEW */
  for (uint32_t i = 0; i < sel->n_laterals; i++) {
    const sql_lateral_view *lv = &sel->laterals[i];
    const sql_func *f = &lv->func->func;
    gen_bound g;
    memset(&g, 0, sizeof g);
    if (!(g.fname = lower_name(q, f->name.parts[f->name.n_parts - 1].name))) return LAGO_NOMEM_ERR(q->err);
    if (f->name.n_parts != 1 || !bind_generator_lookup(g.fname, &g.k))
      return sql_err_at(q, LAGO_UNSUPPORTED, lv->pos,
                        "LATERAL VIEW %s is not supported (explode, posexplode, inline and their _outer forms)", g.fname);
    g.k.outer |= lv->outer;
    if (f->n_args != 1) return sql_err_at(q, LAGO_BIND, lv->pos, "[WRONG_NUM_ARGS] `%s` requires 1 argument", g.fname);
    b.clause = "LATERAL VIEW";
    TRY(bind_expr(&b, f->args[0], &g.arg));
    TRY(gen_columns(q, &g, f->args[0]->pos, lv->cols, lv->n_cols, lv->pos));
    TRY(gen_build(q, &pl, &g));
    const char *qual[3] = {NULL, NULL, lv->table_alias.name};
    for (uint32_t j = 0; j < g.n_cols; j++) TRY(scope_add(q, sc, g.cols[j].id, g.cols[j].type, g.cols[j].name, qual, false));
  }

  /* WHERE */
  if (sel->where) {
    b.clause = "WHERE";
    const sql_expr *stack[64];
    int sp = 0;
    stack[sp++] = sel->where;
    expr **conj = NULL;
    uint32_t nc = 0, cc = 0;
    while (sp > 0) {
      const sql_expr *c = stack[--sp];
      if (c->kind == SQL_E_BINARY && c->binary.op == SQL_OP_AND && sp < 62) {
        stack[sp++] = c->binary.right;
        stack[sp++] = c->binary.left;
        continue;
      }
      bool done = false;
      TRY(bind_subquery_filter(&b, c, &done));
      if (done) continue;
      expr *e;
      TRY(bind_bool(&b, c, &e));
      TRY(bind_fold(q, e, &e));
      TRY(sql_push_ptr(q, (void ***)&conj, &nc, &cc, e));
    }
    if (nc) {
      expr *pred;
      TRY(lpx_and(q, conj, nc, &pred));
      TRY(lp_filter(q, pl, pred, &pl));
    }
  }

  /* aggregation? */
  bool is_agg = sel->n_group_by > 0 || sel->group_by_all || sel->having != NULL;
  for (uint32_t i = 0; i < sel->n_items && !is_agg; i++) is_agg = ast_has_agg(sel->items[i].expr);
  for (uint32_t i = 0; i < qa->n_order_by && !is_agg; i++) is_agg = ast_has_agg(qa->order_by[i].expr);
  if (!is_agg && sel->qualify) is_agg = ast_has_agg(sel->qualify);

  /* GROUP BY (not ALL) */
  expr **groups = NULL;
  uint32_t n_groups = 0, cap_groups = 0;
  b.clause = "GROUP BY";
  bool has_sets = false;
  for (uint32_t i = 0; i < sel->n_group_by; i++) has_sets |= sel->group_by[i].kind != SQL_GROUP_EXPR;
  gsets gs;
  memset(&gs, 0, sizeof gs);
  expr **agg_groups = NULL;
  if (has_sets) {
    /* ROLLUP / CUBE / GROUPING SETS (bind_grouping.c): keys over FROM, then the expand join */
    for (uint32_t i = 0; i < sel->n_group_by; i++) {
      const sql_group_item *gi = &sel->group_by[i];
      uint32_t n_el = gi->kind == SQL_GROUP_EXPR ? 1 : gi->n_sets;
      uint64_t *el = arena_alloc(q->ar, (n_el ? n_el : 1) * sizeof *el);
      if (!el) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t j = 0; j < n_el; j++) {
        el[j] = 0;
        const sql_expr_list *set = gi->kind == SQL_GROUP_EXPR ? NULL : &gi->sets[j];
        uint32_t n_it = set ? set->n_items : 1;
        for (uint32_t k = 0; k < n_it; k++) {
          const sql_expr *ge = set ? set->items[k] : gi->expr;
          expr *g;
          uint32_t idx;
          TRY(bind_group_item(&b, sel, ge, &g));
          TRY(bind_fold(q, g, &g));
          TRY(bind_gsets_key(q, &gs, g, ge->pos, &idx));
          el[j] |= 1ull << idx;
        }
      }
      TRY(bind_gsets_add(q, &gs, gi->kind, el, n_el, gi->pos));
    }
    TRY(bind_gsets_expand(q, &gs, &pl, &groups, &agg_groups));
    n_groups = gs.n_keys + 2;
    b.gs = &gs;
  }
  for (uint32_t i = 0; i < sel->n_group_by && !has_sets; i++) {
    const sql_group_item *gi = &sel->group_by[i];
    expr *g;
    TRY(bind_group_item(&b, sel, gi->expr, &g));
    TRY(bind_fold(q, g, &g));
    bool dup = false;
    for (uint32_t k = 0; k < n_groups && !dup; k++) dup = lpx_equal(groups[k], g);
    if (!dup) TRY(sql_push_ptr(q, (void ***)&groups, &n_groups, &cap_groups, g));
  }

  /* A generator in the SELECT list (at most one, Spark's ExtractGenerator): its argument is
  ** bound like any item, GENERATE runs over the finished rows (after aggregation, HAVING,
  ** windows, QUALIFY) and its columns take the item's place in the projection. */
  int gen_item = -1;
  gen_bound gen;
  memset(&gen, 0, sizeof gen);
  {
    uint32_t n_gen = 0;
    int second = -1;
    buf names;
    buf_init(&names);
    int brc = LAGO_OK;
    for (uint32_t i = 0; i < sel->n_items; i++) {
      if (!ast_generator(sel->items[i].expr, NULL)) continue;
      if (n_gen++ == 0) gen_item = (int)i;
      else if (second < 0) second = sel->items[i].expr->pos;
      const char *dn = display_name(q, sel->items[i].expr);
      if (!dn) brc = LAGO_NOMEM;
      if (!brc && n_gen > 1) brc = buf_puts(&names, ", ");
      if (!brc) brc = buf_printf(&names, "\"%s\"", dn);
    }
    int rc = brc ? LAGO_NOMEM_ERR(q->err) : LAGO_OK;
    if (!rc && n_gen > 1)
      rc = sql_err_at(q, LAGO_BIND, second,
                      "[UNSUPPORTED_GENERATOR.MULTI_GENERATOR] The generator is not supported: only one generator allowed "
                      "per SELECT clause but found %u: %s",
                      n_gen, buf_cstr(&names));
    buf_deinit(&names);
    TRY(rc);
  }
  bool gen_has_agg = false;

  /* SELECT items */
  sel_state s;
  memset(&s, 0, sizeof s);
  s.q = q;
  b.agg_ok = is_agg;
  b.win_ok = true;
  b.clause = "SELECT";
  for (uint32_t i = 0; i < sel->n_items; i++) {
    const sql_select_item *it = &sel->items[i];
    if (it->expr->kind == SQL_E_STAR) {
      TRY(expand_star(&s, sc, it->expr));
      continue;
    }
    b.item = it->expr;
    if ((int)i == gen_item) {
      const sql_func *f = &it->expr->func;
      ast_generator(it->expr, &gen.k);
      if (!(gen.fname = lower_name(q, f->name.parts[0].name))) return LAGO_NOMEM_ERR(q->err);
      if (f->n_args != 1 || f->star || f->distinct)
        return sql_err_at(q, LAGO_BIND, it->expr->pos, "[WRONG_NUM_ARGS] `%s` requires 1 argument, got %u", gen.fname,
                          f->n_args);
      uint32_t aggs_before = b.n_aggs, wins_before = b.n_wins;
      TRY(bind_expr(&b, f->args[0], &gen.arg));
      TRY(bind_fold(q, gen.arg, &gen.arg));
      gen_has_agg = b.n_aggs != aggs_before || b.n_wins != wins_before || ast_has_agg(f->args[0]) ||
                    uses_ids(gen.arg, b.agg_ids, b.n_aggs);
      const sql_ident *al = it->n_aliases ? it->aliases : it->alias.name ? &it->alias : NULL;
      uint32_t n_al = it->n_aliases ? it->n_aliases : it->alias.name ? 1 : 0;
      TRY(gen_columns(q, &gen, f->args[0]->pos, al, n_al, al ? al[0].pos : it->expr->pos));
      for (uint32_t j = 0; j < gen.n_cols; j++) {
        expr *e = expr_column(q->ar, gen.cols[j].id, gen.cols[j].type, gen.cols[j].name);
        if (!e) return LAGO_NOMEM_ERR(q->err);
        TRY(add_item(&s, e, gen.cols[j].name, it->expr->pos));
        s.items[s.n_items - 1].gen = true;
      }
      continue;
    }
    if (it->n_aliases)
      return sql_err_at(q, LAGO_UNSUPPORTED, it->expr->pos, "multi-column aliases are only supported for generators");
    uint32_t aggs_before = b.n_aggs, wins_before = b.n_wins;
    expr *e;
    TRY(bind_expr(&b, it->expr, &e));
    TRY(bind_fold(q, e, &e));
    const char *nm = it->alias.name ? it->alias.name : display_name(q, it->expr);
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    TRY(add_item(&s, e, nm, it->expr->pos));
    s.items[s.n_items - 1].has_agg = b.n_aggs != aggs_before || b.n_wins != wins_before || ast_has_agg(it->expr) ||
                                     uses_ids(e, b.agg_ids, b.n_aggs);
  }
  b.item = NULL;
  uint32_t n_visible = s.n_items;
  uint32_t *gen_ids = arena_alloc(q->ar, (gen.n_cols ? gen.n_cols : 1) * sizeof *gen_ids);
  if (!gen_ids) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t j = 0; j < gen.n_cols; j++) gen_ids[j] = gen.cols[j].id;

  /* GROUP BY ALL: every select item without aggregates or windows */
  if (sel->group_by_all) {
    for (uint32_t i = 0; i < s.n_items; i++) {
      if (s.items[i].has_agg || s.items[i].gen) continue;
      if (s.items[i].e->kind == EXPR_CONST) continue;
      bool dup = false;
      for (uint32_t k = 0; k < n_groups && !dup; k++) dup = lpx_equal(groups[k], s.items[i].e);
      if (!dup) TRY(sql_push_ptr(q, (void ***)&groups, &n_groups, &cap_groups, s.items[i].e));
    }
    /* the generator's argument is grouped like any item without aggregates */
    if (gen_item >= 0 && !gen_has_agg && gen.arg->kind != EXPR_CONST) {
      bool dup = false;
      for (uint32_t k = 0; k < n_groups && !dup; k++) dup = lpx_equal(groups[k], gen.arg);
      if (!dup) TRY(sql_push_ptr(q, (void ***)&groups, &n_groups, &cap_groups, gen.arg));
    }
  }
  uint32_t *group_ids = arena_alloc(q->ar, (n_groups ? n_groups : 1) * sizeof *group_ids);
  if (!group_ids) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n_groups; i++) group_ids[i] = sql_new_id(q);

  /* HAVING */
  expr *having = NULL;
  if (sel->having) {
    b.clause = "HAVING";
    lp **saved = b.plan;
    b.plan = NULL;
    TRY(bind_post_cond(&b, &s, sel, sel->having, &having));
    b.plan = saved;
    if (uses_ids(having, gen_ids, gen.n_cols))
      return sql_err_at(q, LAGO_BIND, sel->having->pos,
                        "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] HAVING cannot use the columns of generator `%s`", gen.fname);
  }
  /* QUALIFY */
  expr *qualify = NULL;
  if (sel->qualify) {
    b.clause = "QUALIFY";
    lp **saved = b.plan;
    b.plan = NULL;
    TRY(bind_post_cond(&b, &s, sel, sel->qualify, &qualify));
    b.plan = saved;
    if (uses_ids(qualify, gen_ids, gen.n_cols))
      return sql_err_at(q, LAGO_BIND, sel->qualify->pos,
                        "[UNSUPPORTED_GENERATOR.OUTSIDE_SELECT] QUALIFY cannot use the columns of generator `%s`", gen.fname);
  }
  /* ORDER BY (may add aggregates and hidden items) */
  uint32_t *key_item = NULL, n_keys = 0;
  sort_key *keys = NULL;
  if (qa->n_order_by) {
    b.clause = "ORDER BY";
    lp **saved = b.plan;
    b.plan = NULL;
    /* ORDER BY runs after GENERATE: the generated columns are names there, ahead of FROM's
    ** (a scope of their own in front, so the group rewrite below leaves them alone) */
    scope gsc;
    memset(&gsc, 0, sizeof gsc);
    gsc.outer = sc;
    for (uint32_t j = 0; j < gen.n_cols; j++)
      TRY(scope_add(q, &gsc, gen.cols[j].id, gen.cols[j].type, gen.cols[j].name, NULL, false));
    if (gen.n_cols) b.sc = &gsc;
    int rc = bind_select_order(&b, &s, qa, sel->distinct, &key_item, &keys, &n_keys);
    b.sc = sc;
    TRY(rc);
    b.plan = saved;
  }

  /* aggregate query: rewrite everything over the AGG node's ids */
  if (is_agg) {
    b.grouped = true;
    b.groups = groups;
    b.group_ids = group_ids;
    b.n_groups = n_groups;
    for (uint32_t i = 0; i < s.n_items; i++) TRY(bind_group_rewrite(&b, s.items[i].e, s.items[i].pos, &s.items[i].e));
    if (having) TRY(bind_group_rewrite(&b, having, sel->having->pos, &having));
    if (qualify) TRY(bind_group_rewrite(&b, qualify, sel->qualify->pos, &qualify));
    if (gen_item >= 0) TRY(bind_group_rewrite(&b, gen.arg, sel->items[gen_item].expr->pos, &gen.arg));
    TRY(rewrite_windows(&b));
    lp *ag = lp_new(q, LP_AGG, 1, &pl);
    if (!ag) return LAGO_NOMEM_ERR(q->err);
    ag->n_out = n_groups + b.n_aggs;
    ag->out = arena_alloc(q->ar, (ag->n_out ? ag->n_out : 1) * sizeof *ag->out);
    if (!ag->out) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n_groups; i++) {
      const char *gn = groups[i]->name;
      ag->out[i] = (lp_col){group_ids[i], groups[i]->type, gn};
    }
    for (uint32_t i = 0; i < b.n_aggs; i++) ag->out[n_groups + i] = (lp_col){b.agg_ids[i], b.aggs[i]->b.ret, b.aggs[i]->name};
    ag->u.agg.n_groups = n_groups;
    ag->u.agg.groups = agg_groups ? agg_groups : groups;
    ag->u.agg.n_aggs = b.n_aggs;
    ag->u.agg.aggs = b.aggs;
    pl = ag;
  }
  if (having) TRY(lp_filter(q, pl, having, &pl));
  TRY(build_windows(&b, &pl));
  if (qualify) TRY(lp_filter(q, pl, qualify, &pl));
  if (gen_item >= 0) TRY(gen_build(q, &pl, &gen));

  /* PROJECT (visible items ++ hidden order keys) */
  expr **pe = arena_alloc(q->ar, (s.n_items ? s.n_items : 1) * sizeof *pe);
  const char **pn = arena_alloc(q->ar, (s.n_items ? s.n_items : 1) * sizeof *pn);
  if (!pe || !pn) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < s.n_items; i++) {
    pe[i] = s.items[i].e;
    pn[i] = s.items[i].name;
  }
  TRY(lp_project(q, pl, pe, pn, s.n_items, &pl));
  lp *proj = pl;
  if (sel->distinct) TRY(lp_distinct(q, pl, &pl));
  if (n_keys) {
    for (uint32_t i = 0; i < n_keys; i++) keys[i].e = lp_colref(q, proj, key_item[i]);
    TRY(lp_sort(q, pl, keys, n_keys, &pl));
  }
  TRY(bind_limit(q, qa, &pl));
  if (s.n_items > n_visible) {
    uint32_t *ids = arena_alloc(q->ar, n_visible * sizeof *ids);
    if (!ids && n_visible) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n_visible; i++) ids[i] = proj->out[i].id;
    TRY(lp_project_ids(q, pl, ids, n_visible, &pl));
  }
  out->plan = pl;
  out->n_cols = n_visible;
  return LAGO_OK;
}

/* ---- VALUES ----------------------------------------------------------------------- */

static int bind_values(sql_ctx *q, const sql_query *qa, bound_query *out) {
  uint32_t nr = qa->values.n_rows;
  uint32_t nc = qa->values.rows[0].n_items;
  bind_ectx b;
  memset(&b, 0, sizeof b);
  scope empty;
  memset(&empty, 0, sizeof empty);
  b.q = q;
  b.sc = &empty;
  b.clause = "VALUES";
  expr **cells = arena_alloc(q->ar, (size_t)nr * nc * sizeof *cells);
  lago_type *types = arena_alloc(q->ar, nc * sizeof *types);
  if (!cells || !types) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t r = 0; r < nr; r++) {
    const sql_expr_list *row = &qa->values.rows[r];
    if (row->n_items != nc)
      return sql_err_at(q, LAGO_BIND, row->n_items ? row->items[0]->pos : qa->pos,
                        "[INVALID_INLINE_TABLE.NUM_COLUMNS_MISMATCH] Inline table expected %u columns but found %u columns in row %u",
                        nc, row->n_items, r);
    for (uint32_t c = 0; c < nc; c++) {
      expr *e;
      TRY(bind_expr(&b, row->items[c], &e));
      TRY(bind_fold(q, e, &e));
      if (e->kind != EXPR_CONST)
        return sql_err_at(q, LAGO_BIND, row->items[c]->pos,
                          "[INVALID_INLINE_TABLE.CANNOT_EVALUATE_EXPRESSION_IN_INLINE_TABLE] cannot evaluate the expression in an inline table");
      cells[(size_t)r * nc + c] = e;
    }
  }
  for (uint32_t c = 0; c < nc; c++) {
    lago_type *col = arena_alloc(q->ar, nr * sizeof *col);
    if (!col) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t r = 0; r < nr; r++) col[r] = cells[(size_t)r * nc + c]->type;
    if (!func_common_type_n(col, nr, &types[c]))
      return sql_err_at(q, LAGO_BIND, qa->pos, "[INVALID_INLINE_TABLE.INCOMPATIBLE_TYPES_IN_INLINE_TABLE] incompatible types in column col%u",
                        c + 1);
    /* an all-NULL column keeps the NULL type (it casts to anything, e.g. in INSERT) */
  }
  lp *n = lp_new(q, LP_VALUES, 0, NULL);
  if (!n) return LAGO_NOMEM_ERR(q->err);
  n->n_out = nc;
  n->out = arena_alloc(q->ar, nc * sizeof *n->out);
  n->u.values.cols = arena_alloc(q->ar, nc * sizeof(vec));
  if (!n->out || !n->u.values.cols) return LAGO_NOMEM_ERR(q->err);
  n->u.values.n_rows = nr;
  n->est_rows = nr;
  for (uint32_t c = 0; c < nc; c++) {
    vec *v = &n->u.values.cols[c];
    if (vec_init(v, q->ar, types[c], nr)) return LAGO_NOMEM_ERR(q->err);
    v->len = nr;
    for (uint32_t r = 0; r < nr; r++) {
      expr *e = cells[(size_t)r * nc + c];
      if (!type_equal(e->type, types[c])) {
        lago_err tmp;
        lago_err_clear(&tmp);
        if (e->type.id == LT_NULL) e = expr_null(q->ar, types[c]);
        else if (expr_cast(q->ar, e, types[c], false, &e, &tmp)) return sql_err_at(q, LAGO_BIND, qa->pos, "%s", tmp.msg);
        if (!e) return LAGO_NOMEM_ERR(q->err);
        eval_ctx ec = q->ec;
        ec.err = &tmp;
        int rc = expr_fold(q->ar, &ec, e, &e);
        if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
        if (rc || e->kind != EXPR_CONST) {
          const sql_expr *src = qa->values.rows[r].items[c];
          return sql_err_at(q, rc ? rc : LAGO_BIND, src->pos, "%s", rc ? tmp.msg : "cannot evaluate the inline table value");
        }
      }
      if (vec_copy_row(v, r, e->u.value, 0)) return LAGO_NOMEM_ERR(q->err);
    }
    char *nm = arena_printf(q->ar, "col%u", c + 1);
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    n->out[c] = (lp_col){sql_new_id(q), types[c], nm};
  }
  lp *pl = n;
  if (qa->n_order_by) {
    /* ORDER BY over the output columns */
    out->plan = pl;
    out->n_cols = nc;
  }
  out->plan = pl;
  out->n_cols = nc;
  return LAGO_OK;
}

/* ---- ORDER BY / LIMIT over a finished query's output (set operations, VALUES, TABLE) ------ */

static int bind_outer_order(sql_ctx *q, const sql_query *qa, bound_query *bq) {
  if (qa->n_order_by) {
    lp *pl = bq->plan;
    scope sc;
    memset(&sc, 0, sizeof sc);
    for (uint32_t i = 0; i < bq->n_cols; i++)
      TRY(scope_add(q, &sc, pl->out[i].id, pl->out[i].type, pl->out[i].name, NULL, false));
    bind_ectx b;
    memset(&b, 0, sizeof b);
    b.q = q;
    b.sc = &sc;
    b.clause = "ORDER BY";
    uint32_t n = qa->n_order_by;
    bool all = n == 1 && !qa->order_by[0].expr;
    if (all) n = bq->n_cols;
    sort_key *k = arena_zalloc(q->ar, (n ? n : 1) * sizeof *k);
    if (!k) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n; i++) {
      const sql_order_item *oi = all ? &qa->order_by[0] : &qa->order_by[i];
      k[i].desc = oi->dir == SQL_SORT_DESC;
      k[i].nulls_first = oi->nulls == SQL_NULLS_DEFAULT ? !k[i].desc : oi->nulls == SQL_NULLS_FIRST;
      int64_t ord;
      if (all) k[i].e = lp_colref(q, pl, i);
      else if (ast_is_int_literal(oi->expr, &ord)) {
        if (ord < 1 || ord > (int64_t)bq->n_cols)
          return sql_err_at(q, LAGO_BIND, oi->expr->pos,
                            "[ORDER_BY_POS_OUT_OF_RANGE] ORDER BY position %lld is not in select list (valid range is [1, %u])",
                            (long long)ord, bq->n_cols);
        k[i].e = lp_colref(q, pl, (uint32_t)(ord - 1));
      } else {
        TRY(bind_expr(&b, oi->expr, &k[i].e));
      }
      if (!k[i].e) return LAGO_NOMEM_ERR(q->err);
    }
    TRY(lp_sort(q, pl, k, n, &bq->plan));
  }
  return bind_limit(q, qa, &bq->plan);
}

/* ---- set operations ---------------------------------------------------------------------- */

/* Casts the first n columns of p to types (adds a projection when needed). */
static int coerce_cols(sql_ctx *q, lp **p, uint32_t n, const lago_type *types) {
  bool need = false;
  for (uint32_t i = 0; i < n; i++) need |= !type_equal((*p)->out[i].type, types[i]);
  if (!need && (*p)->n_out == n) return LAGO_OK;
  expr **es = arena_alloc(q->ar, n * sizeof *es);
  const char **ns = arena_alloc(q->ar, n * sizeof *ns);
  if (!es || !ns) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    es[i] = lp_colref(q, *p, i);
    if (!es[i]) return LAGO_NOMEM_ERR(q->err);
    ns[i] = (*p)->out[i].name;
    if (!type_equal(es[i]->type, types[i])) {
      if (es[i]->type.id == LT_NULL) es[i] = expr_null(q->ar, types[i]);
      else TRY(expr_cast(q->ar, es[i], types[i], false, &es[i], q->err));
      if (!es[i]) return LAGO_NOMEM_ERR(q->err);
    }
  }
  return lp_project(q, *p, es, ns, n, p);
}

static const char *setop_name(const sql_query *qa) {
  switch (qa->setop.op) {
    case SQL_SETOP_UNION: return "UNION";
    case SQL_SETOP_INTERSECT: return "INTERSECT";
    default: return "EXCEPT";
  }
}

static int bind_setop(sql_ctx *q, const sql_query *qa, scope *outer, cte_def *ctes, bound_query *out) {
  bound_query l, r;
  TRY(bind_query(q, qa->setop.left, outer, ctes, &l));
  TRY(bind_query(q, qa->setop.right, outer, ctes, &r));
  if (l.n_cols != r.n_cols)
    return sql_err_at(q, LAGO_BIND, qa->setop.right->pos,
                      "[NUM_COLUMNS_MISMATCH] %s can only be performed on inputs with the same number of columns, but the "
                      "first input has %u columns and the second input has %u columns",
                      setop_name(qa), l.n_cols, r.n_cols);
  uint32_t n = l.n_cols;
  lago_type *ts = arena_alloc(q->ar, (n ? n : 1) * sizeof *ts);
  if (!ts) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    if (!func_common_type(l.plan->out[i].type, r.plan->out[i].type, &ts[i]))
      return sql_err_at(q, LAGO_BIND, qa->setop.right->pos,
                        "[INCOMPATIBLE_COLUMN_TYPE] %s can only be performed on tables with compatible column types; "
                        "column %u has incompatible types",
                        setop_name(qa), i + 1);
    if (ts[i].id == LT_NULL) ts[i] = type_make(LT_STRING);
  }
  TRY(coerce_cols(q, &l.plan, n, ts));
  TRY(coerce_cols(q, &r.plan, n, ts));
  lp *p;
  if (qa->setop.op == SQL_SETOP_UNION) {
    lp *ch[2] = {l.plan, r.plan};
    TRY(lp_union(q, ch, 2, &p));
    if (!qa->setop.all) TRY(lp_distinct(q, p, &p));
  } else {
    TRY(lp_setop(q, l.plan, r.plan, qa->setop.op == SQL_SETOP_INTERSECT, qa->setop.all, &p));
  }
  out->plan = p;
  out->n_cols = n;
  return LAGO_OK;
}

/* ---- queries --------------------------------------------------------------------------- */

int bind_query(sql_ctx *q, const sql_query *qa, scope *outer, cte_def *ctes, bound_query *out) {
  if (++q->depth > 64) {
    q->depth--;
    return sql_err_at(q, LAGO_BIND, qa->pos, "queries, views and CTEs are nested too deeply");
  }
  if (qa->with) {
    if (qa->with->recursive) {
      q->depth--;
      return sql_err_at(q, LAGO_UNSUPPORTED, qa->pos, "WITH RECURSIVE is not supported");
    }
    for (uint32_t i = 0; i < qa->with->n_ctes; i++) {
      cte_def *d = arena_zalloc(q->ar, sizeof *d);
      if (!d) return LAGO_NOMEM_ERR(q->err);
      d->cte = &qa->with->ctes[i];
      d->next = ctes;
      ctes = d;
    }
  }
  int rc;
  switch (qa->kind) {
    case SQL_Q_SELECT: rc = bind_select(q, qa, outer, ctes, out); break;
    case SQL_Q_SETOP:
      rc = bind_setop(q, qa, outer, ctes, out);
      if (rc == LAGO_OK) rc = bind_outer_order(q, qa, out);
      break;
    case SQL_Q_VALUES:
      rc = bind_values(q, qa, out);
      if (rc == LAGO_OK) rc = bind_outer_order(q, qa, out);
      break;
    case SQL_Q_TABLE: {
      sql_table_ref t;
      memset(&t, 0, sizeof t);
      t.kind = SQL_T_NAME;
      t.pos = qa->pos;
      t.name = qa->table.name;
      scope sc;
      memset(&sc, 0, sizeof sc);
      sc.outer = outer;
      rc = bind_table_ref(q, &t, &sc, ctes, &out->plan);
      if (rc == LAGO_OK) {
        /* visible columns only, in scope order */
        uint32_t *ids = arena_alloc(q->ar, (sc.n ? sc.n : 1) * sizeof *ids), n = 0;
        if (!ids) rc = LAGO_NOMEM_ERR(q->err);
        for (uint32_t i = 0; rc == LAGO_OK && i < sc.n; i++)
          if (!sc.cols[i].hidden && !sc.cols[i].qual_only) ids[n++] = sc.cols[i].id;
        if (rc == LAGO_OK) rc = lp_project_ids(q, out->plan, ids, n, &out->plan);
        out->n_cols = n;
        if (rc == LAGO_OK) rc = bind_outer_order(q, qa, out);
      }
      break;
    }
    default: rc = sql_err_at(q, LAGO_INTERNAL, qa->pos, "unknown query kind");
  }
  q->depth--;
  return rc;
}

int bind_top_query(sql_ctx *q, const sql_query *ast, lp **out) {
  bound_query bq;
  TRY(bind_query(q, ast, NULL, NULL, &bq));
  lp *p = bq.plan;
  if (p->n_out != bq.n_cols) {
    uint32_t *ids = arena_alloc(q->ar, (bq.n_cols ? bq.n_cols : 1) * sizeof *ids);
    if (!ids) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < bq.n_cols; i++) ids[i] = p->out[i].id;
    TRY(lp_project_ids(q, p, ids, bq.n_cols, &p));
  }
  *out = p;
  return LAGO_OK;
}
