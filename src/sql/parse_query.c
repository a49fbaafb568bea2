/*
** sql/parse_query.c: query expressions and FROM clauses (Spark
** SqlBaseParser.g4 query / queryTerm / querySpecification / relation).
**
**   query      := [WITH [RECURSIVE] cte, ...] setop [ORDER BY ..|ALL] [LIMIT n|ALL] [OFFSET n]
**   setop      := term2 ((UNION | EXCEPT | MINUS) [ALL|DISTINCT] term2)*
**   term2      := primary (INTERSECT [ALL|DISTINCT] primary)*
**   primary    := SELECT ... | VALUES row, ... | TABLE name | ( query )
**   SELECT     := SELECT [ALL|DISTINCT] item, ... [FROM ref, ... [LATERAL VIEW ..]*]
**                 [WHERE e] [GROUP BY ..] [HAVING e] [WINDOW w AS (..), ..] [QUALIFY e]
**   ref        := tprimary (join tprimary [ON e | USING (cols)])*
**   tprimary   := [STREAM] name [time travel] [TABLESAMPLE] [alias]
**               | [STREAM] f(args) [alias] | STREAM(name) | STREAM(f(args))
**               | [LATERAL] ( query ) [alias] | VALUES .. [alias] | ( ref ) [alias]
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/parser_int.h"

/* ---- helpers ------------------------------------------------------------------------ */

static bool expr_has_subquery(const sql_expr *e);

static bool list_has_subquery(sql_expr *const *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++)
    if (expr_has_subquery(v[k])) return true;
  return false;
}

/* Does e contain a subquery (scalar, EXISTS, IN (query), TABLE(query))? Recursion
** is bounded by the expression height limit. */
static bool expr_has_subquery(const sql_expr *e) {
  if (!e) return false;
  switch (e->kind) {
    case SQL_E_SUBQUERY:
    case SQL_E_EXISTS:
      return true;
    case SQL_E_UNARY: return expr_has_subquery(e->unary.arg);
    case SQL_E_BINARY: return expr_has_subquery(e->binary.left) || expr_has_subquery(e->binary.right);
    case SQL_E_IS: return expr_has_subquery(e->is.arg) || expr_has_subquery(e->is.right);
    case SQL_E_BETWEEN:
      return expr_has_subquery(e->between.arg) || expr_has_subquery(e->between.lo) || expr_has_subquery(e->between.hi);
    case SQL_E_IN: return e->in.query || expr_has_subquery(e->in.arg) || list_has_subquery(e->in.list, e->in.n_list);
    case SQL_E_LIKE:
      return expr_has_subquery(e->like.arg) || expr_has_subquery(e->like.pattern) ||
             list_has_subquery(e->like.list, e->like.n_list);
    case SQL_E_CASE:
      if (expr_has_subquery(e->case_.operand) || expr_has_subquery(e->case_.else_result)) return true;
      for (uint32_t k = 0; k < e->case_.n_whens; k++)
        if (expr_has_subquery(e->case_.whens[k].cond) || expr_has_subquery(e->case_.whens[k].result)) return true;
      return false;
    case SQL_E_CAST: return expr_has_subquery(e->cast.arg);
    case SQL_E_FUNC: return list_has_subquery(e->func.args, e->func.n_args) || expr_has_subquery(e->func.filter);
    case SQL_E_NAMED_ARG: return expr_has_subquery(e->named_arg.value);
    case SQL_E_LAMBDA: return expr_has_subquery(e->lambda.body);
    case SQL_E_FIELD: return expr_has_subquery(e->field.base);
    case SQL_E_SUBSCRIPT: return expr_has_subquery(e->subscript.base) || expr_has_subquery(e->subscript.index);
    case SQL_E_JSON_PATH: return expr_has_subquery(e->json.base);
    case SQL_E_EXTRACT: return expr_has_subquery(e->extract.arg);
    case SQL_E_TABLE_ARG: return e->table_arg.query != NULL;
    case SQL_E_ROW: return list_has_subquery(e->row.items, e->row.n_items);
    default: return false;
  }
}

static sql_query *new_query(sql_parser *p, sql_query_kind kind, int pos) {
  sql_query *q = p_alloc(p, sizeof *q);
  if (!q) return NULL;
  q->kind = kind;
  q->pos = pos;
  return q;
}

/* ---- ORDER BY ----------------------------------------------------------------------- */

int p_order_items(sql_parser *p, sql_order_item **items, uint32_t *n) {
  uint32_t cap = 0;
  *items = NULL;
  *n = 0;
  do {
    sql_order_item it = {0};
    it.pos = (int)p_cur(p)->pos;
    TRY(p_expr(p, &it.expr));
    if (p_accept_kw(p, KW_ASC)) it.dir = SQL_SORT_ASC;
    else if (p_accept_kw(p, KW_DESC)) it.dir = SQL_SORT_DESC;
    if (p_accept_kw(p, KW_NULLS)) {
      if (p_accept_kw(p, KW_FIRST)) it.nulls = SQL_NULLS_FIRST;
      else if (p_accept_kw(p, KW_LAST)) it.nulls = SQL_NULLS_LAST;
      else return p_error_expected(p);
    }
    TRY(P_PUSH(p, items, n, &cap, &it));
  } while (p_accept_op(p, P_COMMA));
  return LAGO_OK;
}

/* ORDER BY ALL [ASC|DESC] [NULLS FIRST|LAST] or ORDER BY items */
static int order_by(sql_parser *p, sql_order_item **items, uint32_t *n) {
  if (tok_is_kw(p_cur(p), KW_ALL)) {
    sql_order_item it = {0};
    it.pos = (int)p_cur(p)->pos;
    p_advance(p);
    if (p_accept_kw(p, KW_ASC)) it.dir = SQL_SORT_ASC;
    else if (p_accept_kw(p, KW_DESC)) it.dir = SQL_SORT_DESC;
    if (p_accept_kw(p, KW_NULLS)) {
      if (p_accept_kw(p, KW_FIRST)) it.nulls = SQL_NULLS_FIRST;
      else if (p_accept_kw(p, KW_LAST)) it.nulls = SQL_NULLS_LAST;
      else return p_error_expected(p);
    }
    uint32_t cap = 0;
    *items = NULL;
    *n = 0;
    return P_PUSH(p, items, n, &cap, &it);
  }
  return p_order_items(p, items, n);
}

/* ---- SELECT ----------------------------------------------------------------------------- */

int p_select_items(sql_parser *p, sql_select_item **items, uint32_t *n) {
  uint32_t cap = 0;
  *items = NULL;
  *n = 0;
  do {
    sql_select_item it = {0};
    TRY(p_expr(p, &it.expr));
    if (it.expr->kind != SQL_E_STAR) {
      if (p_accept_kw(p, KW_AS)) {
        if (tok_is_op(p_cur(p), P_LPAREN)) {
          TRY(p_ident_list(p, &it.aliases, &it.n_aliases));
        } else {
          TRY(p_ident(p, &it.alias));
        }
      } else if (tok_is_alias(p_cur(p))) {
        TRY(p_ident(p, &it.alias));
      } else {
        p_expect_note(p, "AS");
      }
    }
    TRY(P_PUSH(p, items, n, &cap, &it));
  } while (p_accept_op(p, P_COMMA));
  return LAGO_OK;
}

static int lateral_view(sql_parser *p, sql_lateral_view *lv) {
  lv->pos = (int)p_cur(p)->pos;
  p_advance(p); /* LATERAL */
  p_advance(p); /* VIEW */
  lv->outer = p_accept_kw(p, KW_OUTER);
  sql_expr *f;
  TRY(p_value_expr(p, &f));
  if (f->kind != SQL_E_FUNC || f->func.over)
    return p_error_at(p, f->pos, LAGO_PARSE, "LATERAL VIEW needs a generator function call such as explode(x)");
  lv->func = f;
  if (p_is_ident(p) && !tok_is_kw(p_cur(p), KW_AS)) TRY(p_ident(p, &lv->table_alias));
  bool as = p_accept_kw(p, KW_AS);
  if (as || tok_is_alias(p_cur(p))) {
    uint32_t cap = 0;
    do {
      sql_ident c;
      TRY(p_ident(p, &c));
      TRY(P_PUSH(p, &lv->cols, &lv->n_cols, &cap, &c));
    } while (p_accept_op(p, P_COMMA));
  }
  return LAGO_OK;
}

/* A grouping set inside ROLLUP/CUBE/GROUPING SETS: (a, b), (a), (), or a. */
static int grouping_set(sql_parser *p, sql_expr_list *set) {
  set->items = NULL;
  set->n_items = 0;
  if (tok_is_op(p_cur(p), P_LPAREN) && tok_is_op(p_peek(p, 1), P_RPAREN)) {
    p_advance(p);
    p_advance(p);
    return LAGO_OK;
  }
  sql_expr *e;
  TRY(p_expr(p, &e));
  if (e->kind == SQL_E_ROW) {
    set->items = e->row.items;
    set->n_items = e->row.n_items;
  } else {
    set->items = p_alloc(p, sizeof *set->items);
    if (!set->items) return LAGO_NOMEM;
    set->items[0] = e;
    set->n_items = 1;
  }
  return LAGO_OK;
}

static int group_by(sql_parser *p, sql_select *s) {
  if (p_skip_kw(p, KW_ALL)) {
    s->group_by_all = true;
    return LAGO_OK;
  }
  uint32_t cap = 0;
  do {
    sql_group_item g = {0};
    g.pos = (int)p_cur(p)->pos;
    sql_token *t = p_cur(p), *n = p_peek(p, 1);
    bool rollup = tok_is_kw(t, KW_ROLLUP) && tok_is_op(n, P_LPAREN);
    bool cube = tok_is_kw(t, KW_CUBE) && tok_is_op(n, P_LPAREN);
    bool sets = tok_is_kw(t, KW_GROUPING) && tok_is_kw(n, KW_SETS);
    if (rollup || cube || sets) {
      g.kind = rollup ? SQL_GROUP_ROLLUP : cube ? SQL_GROUP_CUBE : SQL_GROUP_SETS;
      p_advance(p);
      if (sets) p_advance(p);
      TRY(p_expect_op(p, P_LPAREN));
      TRY(p_enter(p));
      uint32_t scap = 0;
      do {
        sql_expr_list set;
        TRY(grouping_set(p, &set));
        TRY(P_PUSH(p, &g.sets, &g.n_sets, &scap, &set));
      } while (p_accept_op(p, P_COMMA));
      p_leave(p);
      TRY(p_expect_op(p, P_RPAREN));
    } else {
      g.kind = SQL_GROUP_EXPR;
      TRY(p_expr(p, &g.expr));
    }
    TRY(P_PUSH(p, &s->group_by, &s->n_group_by, &cap, &g));
  } while (p_accept_op(p, P_COMMA));
  /* legacy GROUP BY a, b WITH ROLLUP | WITH CUBE */
  if (tok_is_kw(p_cur(p), KW_WITH) && (tok_is_kw(p_peek(p, 1), KW_ROLLUP) || tok_is_kw(p_peek(p, 1), KW_CUBE))) {
    int pos = (int)p_cur(p)->pos;
    p_advance(p);
    sql_group_kind k = tok_is_kw(p_cur(p), KW_ROLLUP) ? SQL_GROUP_ROLLUP : SQL_GROUP_CUBE;
    p_advance(p);
    sql_group_item g = {0};
    g.kind = k;
    g.pos = pos;
    g.n_sets = s->n_group_by;
    g.sets = p_alloc(p, (size_t)s->n_group_by * sizeof *g.sets);
    if (!g.sets) return LAGO_NOMEM;
    for (uint32_t k2 = 0; k2 < s->n_group_by; k2++) {
      if (s->group_by[k2].kind != SQL_GROUP_EXPR)
        return p_error_at(p, pos, LAGO_PARSE, "WITH ROLLUP/CUBE needs a plain GROUP BY list");
      g.sets[k2].items = &s->group_by[k2].expr;
      g.sets[k2].n_items = 1;
    }
    s->group_by = p_alloc(p, sizeof *s->group_by);
    if (!s->group_by) return LAGO_NOMEM;
    s->group_by[0] = g;
    s->n_group_by = 1;
  }
  return LAGO_OK;
}

static int table_ref(sql_parser *p, sql_table_ref **out);

/* After WINDOW: name AS spec, ... */
static int named_windows(sql_parser *p, sql_select *s) {
  uint32_t cap = 0;
  do {
    sql_named_window w = {0};
    TRY(p_ident(p, &w.name));
    TRY(p_expect_kw(p, KW_AS));
    TRY(p_window_spec(p, &w.spec));
    TRY(P_PUSH(p, &s->windows, &s->n_windows, &cap, &w));
  } while (p_accept_op(p, P_COMMA));
  return LAGO_OK;
}

static int parse_select(sql_parser *p, sql_query **out) {
  sql_query *q = new_query(p, SQL_Q_SELECT, (int)p_cur(p)->pos);
  if (!q) return LAGO_NOMEM;
  sql_select *s = &q->select;
  p_advance(p); /* SELECT */
  if (p_accept_kw(p, KW_DISTINCT)) s->distinct = true;
  else p_accept_kw(p, KW_ALL);
  TRY(p_select_items(p, &s->items, &s->n_items));
  if (p_accept_kw(p, KW_FROM)) {
    uint32_t cap = 0;
    do {
      sql_table_ref *t;
      TRY(table_ref(p, &t));
      TRY(P_PUSH(p, &s->from, &s->n_from, &cap, &t));
    } while (p_accept_op(p, P_COMMA));
    uint32_t lcap = 0;
    while (tok_is_kw(p_cur(p), KW_LATERAL) && tok_is_word(p, p_peek(p, 1), "VIEW")) {
      sql_lateral_view lv = {0};
      TRY(lateral_view(p, &lv));
      TRY(P_PUSH(p, &s->laterals, &s->n_laterals, &lcap, &lv));
    }
    if (tok_is_kw(p_cur(p), KW_PIVOT) || tok_is_kw(p_cur(p), KW_UNPIVOT))
      return p_error_at(p, (int)p_cur(p)->pos, LAGO_UNSUPPORTED, "PIVOT and UNPIVOT are not supported");
  }
  if (p_accept_kw(p, KW_WHERE)) TRY(p_expr(p, &s->where));
  p_expect_note(p, "GROUP BY");
  if (tok_is_kw(p_cur(p), KW_GROUP)) {
    p_advance(p);
    TRY(p_expect_kw(p, KW_BY));
    TRY(group_by(p, s));
  }
  if (p_accept_kw(p, KW_HAVING)) TRY(p_expr(p, &s->having));
  for (;;) {
    if (!s->n_windows && p_accept_kw(p, KW_WINDOW)) {
      TRY(named_windows(p, s));
      continue;
    }
    if (!s->qualify && p_accept_kw(p, KW_QUALIFY)) {
      TRY(p_expr(p, &s->qualify));
      continue;
    }
    break;
  }
  *out = q;
  return LAGO_OK;
}

/* ---- set operations -------------------------------------------------------------------- */

static int parse_values(sql_parser *p, sql_query **out) {
  sql_query *q = new_query(p, SQL_Q_VALUES, (int)p_cur(p)->pos);
  if (!q) return LAGO_NOMEM;
  p_advance(p); /* VALUES */
  uint32_t cap = 0;
  do {
    sql_expr *e;
    TRY(p_expr(p, &e));
    sql_expr_list row;
    if (e->kind == SQL_E_ROW) {
      row.items = e->row.items;
      row.n_items = e->row.n_items;
    } else {
      row.items = p_alloc(p, sizeof *row.items);
      if (!row.items) return LAGO_NOMEM;
      row.items[0] = e;
      row.n_items = 1;
    }
    TRY(P_PUSH(p, &q->values.rows, &q->values.n_rows, &cap, &row));
  } while (p_accept_op(p, P_COMMA));
  *out = q;
  return LAGO_OK;
}

static int query_primary(sql_parser *p, sql_query **out) {
  int pos = (int)p_cur(p)->pos;
  if (p_is_kw(p, KW_SELECT)) return parse_select(p, out);
  if (p_is_kw(p, KW_VALUES)) return parse_values(p, out);
  if (p_is_kw(p, KW_TABLE)) {
    sql_query *q = new_query(p, SQL_Q_TABLE, pos);
    if (!q) return LAGO_NOMEM;
    p_advance(p);
    TRY(p_name(p, &q->table.name));
    *out = q;
    return LAGO_OK;
  }
  if (p_is_op(p, P_LPAREN)) {
    p_advance(p);
    TRY(p_query(p, out));
    return p_expect_op(p, P_RPAREN);
  }
  if (p_is_kw(p, KW_FROM))
    return p_error_at(p, pos, LAGO_UNSUPPORTED, "FROM-first queries (FROM t SELECT ...) are not supported");
  p_expect_note(p, "WITH");
  return p_error_expected(p);
}

static int setop(sql_parser *p, int level, sql_query **out) {
  sql_query *lhs;
  if (level == 2) TRY(query_primary(p, &lhs));
  else TRY(setop(p, 2, &lhs));
  for (;;) {
    sql_setop_kind op;
    if (level == 2 && p_is_kw(p, KW_INTERSECT)) op = SQL_SETOP_INTERSECT;
    else if (level == 1 && p_is_kw(p, KW_UNION)) op = SQL_SETOP_UNION;
    else if (level == 1 && (p_is_kw(p, KW_EXCEPT) || p_is_kw(p, KW_MINUS))) op = SQL_SETOP_EXCEPT;
    else break;
    p_advance(p);
    sql_query *q = new_query(p, SQL_Q_SETOP, lhs->pos);
    if (!q) return LAGO_NOMEM;
    q->setop.op = op;
    if (p_accept_kw(p, KW_ALL)) q->setop.all = true;
    else p_accept_kw(p, KW_DISTINCT);
    q->setop.left = lhs;
    TRY(p_enter(p));
    if (level == 2) TRY(query_primary(p, &q->setop.right));
    else TRY(setop(p, 2, &q->setop.right));
    p_leave(p);
    q->len = (int)(p->prev_end - (uint32_t)q->pos);
    lhs = q;
  }
  *out = lhs;
  return LAGO_OK;
}

int p_query(sql_parser *p, sql_query **out) {
  TRY(p_enter(p));
  int pos = (int)p_cur(p)->pos;
  sql_with *with = NULL;
  if (p_accept_kw(p, KW_WITH)) {
    with = p_alloc(p, sizeof *with);
    if (!with) return LAGO_NOMEM;
    with->recursive = p_accept_kw(p, KW_RECURSIVE);
    uint32_t cap = 0;
    do {
      sql_cte c = {0};
      c.pos = (int)p_cur(p)->pos;
      TRY(p_ident(p, &c.name));
      if (tok_is_op(p_cur(p), P_LPAREN)) TRY(p_ident_list(p, &c.cols, &c.n_cols));
      TRY(p_expect_kw(p, KW_AS));
      TRY(p_expect_op(p, P_LPAREN));
      TRY(p_query(p, &c.query));
      TRY(p_expect_op(p, P_RPAREN));
      TRY(P_PUSH(p, &with->ctes, &with->n_ctes, &cap, &c));
    } while (p_accept_op(p, P_COMMA));
  }
  sql_query *q;
  TRY(setop(p, 1, &q));
  /* ORDER BY / LIMIT / OFFSET on a query that already has its own (from
  ** parentheses) apply on top of it: wrap it in a one-item SELECT * FROM (q). */
  bool more = tok_is_kw(p_cur(p), KW_ORDER) || tok_is_kw(p_cur(p), KW_LIMIT) || tok_is_kw(p_cur(p), KW_OFFSET);
  if ((more && (q->n_order_by || q->limit || q->limit_all || q->offset)) || (with && q->with)) {
    sql_query *w = new_query(p, SQL_Q_SELECT, q->pos);
    sql_table_ref *t = p_alloc(p, sizeof *t);
    sql_select_item *it = p_alloc(p, sizeof *it);
    sql_table_ref **from = p_alloc(p, sizeof *from);
    if (!w || !t || !it || !from) return LAGO_NOMEM;
    it->expr = p_new_expr(p, SQL_E_STAR, q->pos);
    if (!it->expr) return LAGO_NOMEM;
    t->kind = SQL_T_SUBQUERY;
    t->pos = q->pos;
    t->query = q;
    from[0] = t;
    w->select.items = it;
    w->select.n_items = 1;
    w->select.from = from;
    w->select.n_from = 1;
    q = w;
  }
  q->with = with;
  if (p_skip_kw(p, KW_ORDER)) {
    TRY(p_expect_kw(p, KW_BY));
    TRY(order_by(p, &q->order_by, &q->n_order_by));
  } else {
    p_expect_note(p, "ORDER BY");
  }
  /* Spark also accepts the WINDOW clause after ORDER BY (queryOrganization) */
  if (q->kind == SQL_Q_SELECT && !q->select.n_windows && tok_is_kw(p_cur(p), KW_WINDOW)) {
    p_advance(p);
    TRY(named_windows(p, &q->select));
  }
  if (tok_is_kw(p_cur(p), KW_SORT) || tok_is_kw(p_cur(p), KW_CLUSTER) || tok_is_kw(p_cur(p), KW_DISTRIBUTE)) {
    if (tok_is_kw(p_peek(p, 1), KW_BY))
      return p_error_at(p, (int)p_cur(p)->pos, LAGO_UNSUPPORTED,
                        "%s BY is not supported in queries (use ORDER BY)", sql_kw_name((sql_kw)p_cur(p)->kw));
  }
  if (p_accept_kw(p, KW_LIMIT)) {
    if (p_skip_kw(p, KW_ALL)) q->limit_all = true;
    else TRY(p_expr(p, &q->limit));
  }
  if (p_accept_kw(p, KW_OFFSET)) TRY(p_expr(p, &q->offset));
  q->pos = pos;
  q->len = (int)(p->prev_end - (uint32_t)pos);
  p_leave(p);
  *out = q;
  return LAGO_OK;
}

/* ---- FROM ------------------------------------------------------------------------------- */

int p_table_alias(sql_parser *p, sql_table_ref *t, bool allow_cols) {
  if (p_accept_kw(p, KW_AS)) {
    TRY(p_ident(p, &t->alias));
  } else if (tok_is_alias(p_cur(p))) {
    TRY(p_ident(p, &t->alias));
  } else {
    return LAGO_OK;
  }
  if (allow_cols && tok_is_op(p_cur(p), P_LPAREN)) TRY(p_ident_list(p, &t->col_aliases, &t->n_col_aliases));
  return LAGO_OK;
}

static bool is_format_name(const char *s) {
  static const char *const f[] = {"delta", "parquet", "csv", "json", "text", "orc", "avro", "binaryfile"};
  for (size_t k = 0; k < sizeof f / sizeof f[0]; k++)
    if (sql_ident_eq(s, f[k])) return true;
  return false;
}

/* VERSION AS OF v | TIMESTAMP AS OF e | FOR SYSTEM_VERSION/SYSTEM_TIME/VERSION/TIMESTAMP AS OF .. */
static int time_travel(sql_parser *p, sql_time_travel *tt, bool required) {
  sql_token *t = p_cur(p), *n = p_peek(p, 1);
  int pos = (int)t->pos;
  bool has_for = tok_is_kw(t, KW_FOR);
  if (has_for) t = n;
  sql_tt_kind k = SQL_TT_NONE;
  if (tok_is_kw(t, KW_VERSION) || tok_is_kw(t, KW_SYSTEM_VERSION)) k = SQL_TT_VERSION;
  else if (tok_is_kw(t, KW_TIMESTAMP) || tok_is_kw(t, KW_SYSTEM_TIME)) k = SQL_TT_TIMESTAMP;
  if (k == SQL_TT_NONE || !tok_is_kw(p_at(p, p->i + (has_for ? 2 : 1)), KW_AS)) {
    if (!required) return LAGO_OK;
    p_expect_note(p, "VERSION");
    p_expect_note(p, "TIMESTAMP");
    return p_error_expected(p);
  }
  if (has_for) p_advance(p);
  p_advance(p);
  p_advance(p); /* AS */
  TRY(p_expect_kw(p, KW_OF));
  tt->kind = k;
  if (k == SQL_TT_VERSION) {
    sql_token *v = p_cur(p);
    if (v->kind == TK_NUMBER) {
      TRY(p_literal_number(p, false, (int)v->pos, &tt->value));
      sql_lit_kind lk = tt->value->lit.kind;
      if (lk != SQL_LIT_INT && lk != SQL_LIT_BIGINT)
        return p_error_at(p, (int)v->pos, LAGO_PARSE, "VERSION AS OF needs a table version (an integer), got %s",
                          tt->value->lit.text);
    } else if (v->kind == TK_STRING) {
      TRY(p_expr(p, &tt->value));
    } else if (v->kind == TK_OP && (v->op == P_QMARK || v->op == P_COLON)) {
      TRY(p_value_expr(p, &tt->value));
    } else {
      p_expect_note(p, "version number");
      return p_error_expected(p);
    }
  } else {
    TRY(p_value_expr(p, &tt->value));
    if (expr_has_subquery(tt->value))
      return p_error_at(p, tt->value->pos, LAGO_PARSE, "TIMESTAMP AS OF cannot use a subquery");
  }
  (void)pos;
  return LAGO_OK;
}

/* t@v3 / t@20240101000000000 */
static int at_time_travel(sql_parser *p, sql_table_ref *t) {
  sql_token *at = p_cur(p);
  p_advance(p);
  sql_token *v = p_cur(p);
  int pos = (int)v->pos;
  const char *s = p->text + v->pos;
  if (v->kind == TK_WORD && (s[0] == 'v' || s[0] == 'V') && v->len > 1) {
    for (uint32_t k = 1; k < v->len; k++)
      if (s[k] < '0' || s[k] > '9') goto bad;
    sql_expr *e = p_new_expr(p, SQL_E_LITERAL, pos);
    if (!e) return LAGO_NOMEM;
    int64_t ver = 0;
    for (uint32_t k = 1; k < v->len; k++) {
      if (ver > (INT64_MAX - 9) / 10) goto bad;
      ver = ver * 10 + (s[k] - '0');
    }
    e->lit.kind = ver <= INT32_MAX ? SQL_LIT_INT : SQL_LIT_BIGINT;
    e->lit.i = ver;
    e->lit.text = arena_strndup(p->ar, s + 1, v->len - 1);
    if (!e->lit.text) return p_nomem(p);
    p_advance(p);
    p_finish_expr(p, e);
    t->tt.kind = SQL_TT_VERSION;
    t->tt.value = e;
    return LAGO_OK;
  }
  if (v->kind == TK_NUMBER && v->len == 17 && !v->num_dot && !v->num_exp && v->num_suffix == NUM_SUF_NONE) {
    /* yyyyMMddHHmmssSSS */
    sql_expr *e = p_new_expr(p, SQL_E_LITERAL, pos);
    if (!e) return LAGO_NOMEM;
    char *ts = arena_printf(p->ar, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s.%.3s", s, s + 4, s + 6, s + 8, s + 10, s + 12,
                            s + 14);
    char *txt = ts ? arena_printf(p->ar, "'%s'", ts) : NULL;
    if (!txt) return p_nomem(p);
    e->lit.kind = SQL_LIT_STRING;
    e->lit.str = ts;
    e->lit.str_len = (uint32_t)strlen(ts);
    e->lit.text = txt;
    p_advance(p);
    p_finish_expr(p, e);
    t->tt.kind = SQL_TT_TIMESTAMP;
    t->tt.value = e;
    return LAGO_OK;
  }
bad:
  (void)at;
  return p_error(p, "expected v<version> or a yyyyMMddHHmmssSSS timestamp after '@'");
}

static int tablesample(sql_parser *p, sql_table_ref *t) {
  sql_sample *s = p_alloc(p, sizeof *s);
  if (!s) return LAGO_NOMEM;
  p_advance(p); /* TABLESAMPLE */
  TRY(p_expect_op(p, P_LPAREN));
  if (p_accept_kw(p, KW_BUCKET)) {
    s->kind = SQL_SAMPLE_BUCKET;
    TRY(p_value_expr(p, &s->value));
    TRY(p_expect_kw(p, KW_OUT));
    TRY(p_expect_kw(p, KW_OF));
    TRY(p_value_expr(p, &s->out_of));
  } else {
    TRY(p_value_expr(p, &s->value));
    if (p_accept_kw(p, KW_PERCENT)) s->kind = SQL_SAMPLE_PERCENT;
    else if (p_accept_kw(p, KW_ROWS)) s->kind = SQL_SAMPLE_ROWS;
    else return p_error_expected(p);
  }
  TRY(p_expect_op(p, P_RPAREN));
  if (p_accept_kw(p, KW_REPEATABLE)) {
    TRY(p_expect_op(p, P_LPAREN));
    TRY(p_value_expr(p, &s->seed));
    TRY(p_expect_op(p, P_RPAREN));
  }
  t->sample = s;
  return LAGO_OK;
}

/* Table-valued function call at the current name: name '(' args ')'. */
static int tvf(sql_parser *p, sql_table_ref *t) {
  sql_expr *e;
  TRY(p_value_expr(p, &e));
  if (e->kind != SQL_E_FUNC || e->func.over || e->func.filter)
    return p_error_at(p, e->pos, LAGO_PARSE, "expected a table name or a table-valued function call");
  t->kind = SQL_T_FUNC;
  t->func = e;
  return LAGO_OK;
}

/* name [ '(' args ')' ] for a table primary; sets kind NAME or FUNC. */
static int name_or_tvf(sql_parser *p, sql_table_ref *t) {
  /* a call: name parts then '(' */
  uint32_t k = p->i;
  while (tok_is_ident(p_at(p, k)) && tok_is_op(p_at(p, k + 1), P_DOT)) k += 2;
  if (tok_is_ident(p_at(p, k)) && tok_is_op(p_at(p, k + 1), P_LPAREN)) return tvf(p, t);
  t->kind = SQL_T_NAME;
  TRY(p_name(p, &t->name));
  /* <format>.`path`: the path part has a '/' or ':' (so it was backquoted);
  ** the test does not depend on the quoting, which printing may change */
  t->format_path = t->name.n_parts == 2 && is_format_name(t->name.parts[0].name) &&
                   strpbrk(t->name.parts[1].name, "/:") != NULL;
  return LAGO_OK;
}

int p_table_primary(sql_parser *p, bool allow_alias, sql_table_ref **out) {
  sql_table_ref *t = p_alloc(p, sizeof *t);
  if (!t) return LAGO_NOMEM;
  t->pos = (int)p_cur(p)->pos;
  *out = t;
  sql_token *c = p_cur(p), *n = p_peek(p, 1);
  TRY(p_enter(p));
  if (tok_is_kw(c, KW_STREAM) && (tok_is_op(n, P_LPAREN) || tok_is_ident(n))) {
    p_advance(p);
    t->stream = true;
    if (p_accept_op(p, P_LPAREN)) {
      TRY(name_or_tvf(p, t));
      TRY(p_expect_op(p, P_RPAREN));
    } else {
      TRY(name_or_tvf(p, t));
    }
  } else if (tok_is_kw(c, KW_LATERAL) && tok_is_op(n, P_LPAREN)) {
    p_advance(p);
    if (!p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) return p_error(p, "LATERAL needs a subquery");
    p_advance(p);
    t->kind = SQL_T_SUBQUERY;
    t->lateral = true;
    TRY(p_query(p, &t->query));
    TRY(p_expect_op(p, P_RPAREN));
  } else if (tok_is_op(c, P_LPAREN)) {
    if (p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
      p_advance(p);
      t->kind = SQL_T_SUBQUERY;
      TRY(p_query(p, &t->query));
      TRY(p_expect_op(p, P_RPAREN));
    } else {
      p_advance(p);
      sql_table_ref *inner;
      TRY(table_ref(p, &inner));
      TRY(p_expect_op(p, P_RPAREN));
      inner->pos = t->pos;
      *out = t = inner; /* (ref): the parentheses only group */
    }
  } else if (tok_is_kw(c, KW_VALUES)) {
    t->kind = SQL_T_SUBQUERY;
    TRY(parse_values(p, &t->query));
  } else if (p_is_ident(p)) {
    TRY(name_or_tvf(p, t));
  } else {
    return p_error_expected(p);
  }
  if (t->kind == SQL_T_NAME && t->tt.kind == SQL_TT_NONE && !t->stream) {
    if (tok_is_op(p_cur(p), P_AT)) TRY(at_time_travel(p, t));
    else TRY(time_travel(p, &t->tt, false));
  }
  if ((t->kind == SQL_T_NAME || t->kind == SQL_T_SUBQUERY) && !t->sample && tok_is_kw(p_cur(p), KW_TABLESAMPLE))
    TRY(tablesample(p, t));
  if (allow_alias && !t->alias.name) TRY(p_table_alias(p, t, true));
  p_leave(p);
  t->len = (int)(p->prev_end - (uint32_t)t->pos);
  return LAGO_OK;
}

/* Join operator at the current token: returns true and advances past JOIN. */
static int join_op(sql_parser *p, bool *found, sql_join_kind *kind, bool *natural) {
  *found = false;
  *natural = p_skip_kw(p, KW_NATURAL);
  sql_join_kind k = SQL_JOIN_INNER;
  if (p_skip_kw(p, KW_INNER)) {
    k = SQL_JOIN_INNER;
  } else if (p_skip_kw(p, KW_CROSS)) {
    k = SQL_JOIN_CROSS;
  } else if (p_skip_kw(p, KW_LEFT)) {
    if (p_skip_kw(p, KW_SEMI)) k = SQL_JOIN_SEMI;
    else if (p_skip_kw(p, KW_ANTI)) k = SQL_JOIN_ANTI;
    else {
      p_skip_kw(p, KW_OUTER);
      k = SQL_JOIN_LEFT;
    }
  } else if (p_skip_kw(p, KW_RIGHT)) {
    p_skip_kw(p, KW_OUTER);
    k = SQL_JOIN_RIGHT;
  } else if (p_skip_kw(p, KW_FULL)) {
    p_skip_kw(p, KW_OUTER);
    k = SQL_JOIN_FULL;
  } else if (p_skip_kw(p, KW_SEMI)) {
    k = SQL_JOIN_SEMI;
  } else if (p_skip_kw(p, KW_ANTI)) {
    k = SQL_JOIN_ANTI;
  } else if (!p_is_kw(p, KW_JOIN)) {
    if (*natural) return p_error_expected(p);
    return LAGO_OK;
  }
  TRY(p_expect_kw(p, KW_JOIN));
  *found = true;
  *kind = k;
  return LAGO_OK;
}

static int table_ref(sql_parser *p, sql_table_ref **out) {
  sql_table_ref *lhs;
  TRY(p_table_primary(p, true, &lhs));
  for (;;) {
    bool found, natural;
    sql_join_kind kind;
    int pos = (int)p_cur(p)->pos;
    TRY(join_op(p, &found, &kind, &natural));
    if (!found) break;
    sql_table_ref *j = p_alloc(p, sizeof *j);
    if (!j) return LAGO_NOMEM;
    j->kind = SQL_T_JOIN;
    j->pos = lhs->pos;
    j->join = kind;
    j->natural = natural;
    j->left = lhs;
    TRY(p_table_primary(p, true, &j->right));
    if (!natural) {
      if (p_accept_kw(p, KW_ON)) {
        TRY(p_expr(p, &j->on));
      } else if (p_accept_kw(p, KW_USING)) {
        TRY(p_ident_list(p, &j->using_cols, &j->n_using));
      }
    }
    (void)pos;
    j->len = (int)(p->prev_end - (uint32_t)j->pos);
    lhs = j;
  }
  *out = lhs;
  return LAGO_OK;
}
