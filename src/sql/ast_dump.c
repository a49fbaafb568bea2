/*
** sql/ast_dump.c: compact S-expression dump of an AST (parser.h
** sql_dump_*), for tests that assert the tree shape and for debugging.
** Unlike the SQL printer it shows what the parser decided: node kinds,
** literal types with decimal precision/scale, operator nesting, where
** ORDER BY / LIMIT were attached. Examples:
**   1 + 2 * x         (+ (lit INT 1) (* (lit INT 2) (col x)))
**   1.50              (lit DECIMAL(3,2) 1.50)
**   count(*) OVER w   (call count * (over w))
**   SELECT a FROM t   (select (items (col a)) (from (table t)))
** Names are printed with the SQL printer's quoting rules.
*/
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sql/parser_int.h"

typedef struct dumper {
  buf *out;
  int rc;
} dumper;

static void put(dumper *d, const char *s) {
  if (!d->rc) d->rc = buf_puts(d->out, s);
}
static void putf(dumper *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(dumper *d, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (!d->rc) d->rc = buf_vprintf(d->out, fmt, ap);
  va_end(ap);
}

static void ident(dumper *d, const char *s) {
  if (!d->rc) d->rc = sql_print_ident(d->out, s);
}

static void name(dumper *d, const sql_name *n) {
  for (uint32_t k = 0; k < n->n_parts; k++) {
    if (k) put(d, ".");
    ident(d, n->parts[k].name);
  }
}

/* Function names as written when they are plain words (left, current_date). */
static void func_name(dumper *d, const sql_name *n) {
  for (uint32_t k = 0; k < n->n_parts; k++) {
    const char *s = n->parts[k].name;
    bool plain = (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_';
    for (const char *c = s; *c && plain; c++)
      plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_';
    if (k) put(d, ".");
    if (plain) put(d, s);
    else ident(d, s);
  }
}

static bool plain_key(const char *s) {
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_')) return false;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') || *c == '_')) return false;
  return true;
}

static void expr(dumper *d, const sql_expr *e);
static void query(dumper *d, const sql_query *q);
static void table(dumper *d, const sql_table_ref *t);

static void exprs(dumper *d, sql_expr *const *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    put(d, " ");
    expr(d, v[k]);
  }
}

static const char *lit_kind(sql_lit_kind k) {
  static const char *const n[] = {"NULL",   "BOOL",  "TINYINT", "SMALLINT", "INT",    "BIGINT", "DECIMAL",
                                  "FLOAT",  "DOUBLE", "STRING", "BINARY",   "DATE",   "TIMESTAMP",
                                  "TIMESTAMP_NTZ"};
  return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

static void literal(dumper *d, const sql_expr *e) {
  const sql_literal *l = &e->lit;
  if (l->kind == SQL_LIT_NULL) {
    put(d, "(lit NULL)");
    return;
  }
  if (l->kind == SQL_LIT_DECIMAL) {
    putf(d, "(lit DECIMAL(%d,%d) %s)", l->precision, l->scale, l->text);
    return;
  }
  putf(d, "(lit %s ", lit_kind(l->kind));
  if (!d->rc) d->rc = sql_print_expr(d->out, e, 0);
  put(d, ")");
}

static void order(dumper *d, const char *head, const sql_order_item *v, uint32_t n) {
  if (!n) return;
  putf(d, " (%s", head);
  for (uint32_t k = 0; k < n; k++) {
    put(d, " ");
    if (v[k].dir != SQL_SORT_DEFAULT || v[k].nulls != SQL_NULLS_DEFAULT) put(d, "(");
    if (v[k].expr) expr(d, v[k].expr);
    else put(d, "ALL");
    if (v[k].dir == SQL_SORT_ASC) put(d, " asc");
    if (v[k].dir == SQL_SORT_DESC) put(d, " desc");
    if (v[k].nulls == SQL_NULLS_FIRST) put(d, " nulls-first");
    if (v[k].nulls == SQL_NULLS_LAST) put(d, " nulls-last");
    if (v[k].dir != SQL_SORT_DEFAULT || v[k].nulls != SQL_NULLS_DEFAULT) put(d, ")");
  }
  put(d, ")");
}

static void bound(dumper *d, const sql_frame_bound *b) {
  static const char *const n[] = {"", "unbounded-preceding", "preceding", "current-row", "following",
                                  "unbounded-following"};
  if (b->offset) {
    putf(d, " (%s ", n[b->kind]);
    expr(d, b->offset);
    put(d, ")");
  } else {
    putf(d, " %s", n[b->kind]);
  }
}

static void window(dumper *d, const sql_window *w) {
  put(d, "(over");
  if (w->ref.name) {
    put(d, " ");
    ident(d, w->ref.name);
  }
  if (w->n_partition_by) {
    put(d, " (partition");
    exprs(d, w->partition_by, w->n_partition_by);
    put(d, ")");
  }
  order(d, "order", w->order_by, w->n_order_by);
  if (w->frame_unit != SQL_FRAME_NONE) {
    put(d, w->frame_unit == SQL_FRAME_ROWS ? " (rows" : " (range");
    bound(d, &w->frame_start);
    if (w->frame_end.kind != SQL_BOUND_NONE) bound(d, &w->frame_end);
    put(d, ")");
  }
  put(d, ")");
}

static void expr(dumper *d, const sql_expr *e) {
  switch (e->kind) {
    case SQL_E_LITERAL:
      literal(d, e);
      break;
    case SQL_E_COLUMN:
      put(d, "(col ");
      name(d, &e->column.name);
      put(d, ")");
      break;
    case SQL_E_STAR:
      put(d, "(star");
      if (e->star.qualifier.n_parts) {
        put(d, " ");
        name(d, &e->star.qualifier);
      }
      if (e->star.n_except) {
        put(d, " (except");
        for (uint32_t k = 0; k < e->star.n_except; k++) {
          put(d, " ");
          name(d, &e->star.except[k]);
        }
        put(d, ")");
      }
      put(d, ")");
      break;
    case SQL_E_PARAM:
      if (e->param.name) putf(d, "(param :%s)", e->param.name);
      else putf(d, "(param %d)", e->param.index);
      break;
    case SQL_E_UNARY: {
      const char *n = e->unary.op == SQL_OP_NOT ? "not" : e->unary.op == SQL_OP_NEG ? "neg"
                    : e->unary.op == SQL_OP_PLUS ? "pos" : "~";
      putf(d, "(%s ", n);
      expr(d, e->unary.arg);
      put(d, ")");
      break;
    }
    case SQL_E_BINARY:
      putf(d, "(%s ", sql_op_name(e->binary.op));
      expr(d, e->binary.left);
      put(d, " ");
      expr(d, e->binary.right);
      put(d, ")");
      break;
    case SQL_E_IS: {
      static const char *const n[] = {"null", "true", "false", "unknown", "distinct-from"};
      putf(d, "(is-%s%s ", e->is.negated ? "not-" : "", n[e->is.what]);
      expr(d, e->is.arg);
      if (e->is.right) {
        put(d, " ");
        expr(d, e->is.right);
      }
      put(d, ")");
      break;
    }
    case SQL_E_BETWEEN:
      put(d, e->between.negated ? "(not-between " : "(between ");
      expr(d, e->between.arg);
      put(d, " ");
      expr(d, e->between.lo);
      put(d, " ");
      expr(d, e->between.hi);
      put(d, ")");
      break;
    case SQL_E_IN:
      put(d, e->in.negated ? "(not-in " : "(in ");
      expr(d, e->in.arg);
      if (e->in.query) {
        put(d, " ");
        query(d, e->in.query);
      } else {
        put(d, " (list");
        exprs(d, e->in.list, e->in.n_list);
        put(d, ")");
      }
      put(d, ")");
      break;
    case SQL_E_LIKE: {
      const char *op = e->like.op == SQL_LIKE ? "like" : e->like.op == SQL_ILIKE ? "ilike" : "rlike";
      const char *q = e->like.quant == SQL_QUANT_ANY ? "-any" : e->like.quant == SQL_QUANT_ALL ? "-all" : "";
      putf(d, "(%s%s%s ", e->like.negated ? "not-" : "", op, q);
      expr(d, e->like.arg);
      if (e->like.pattern) {
        put(d, " ");
        expr(d, e->like.pattern);
      }
      exprs(d, e->like.list, e->like.n_list);
      if (e->like.escape) {
        put(d, " (escape ");
        expr(d, e->like.escape);
        put(d, ")");
      }
      put(d, ")");
      break;
    }
    case SQL_E_CASE:
      put(d, "(case");
      if (e->case_.operand) {
        put(d, " ");
        expr(d, e->case_.operand);
      }
      for (uint32_t k = 0; k < e->case_.n_whens; k++) {
        put(d, " (when ");
        expr(d, e->case_.whens[k].cond);
        put(d, " ");
        expr(d, e->case_.whens[k].result);
        put(d, ")");
      }
      if (e->case_.else_result) {
        put(d, " (else ");
        expr(d, e->case_.else_result);
        put(d, ")");
      }
      put(d, ")");
      break;
    case SQL_E_CAST:
      put(d, e->cast.is_try ? "(try_cast " : "(cast ");
      expr(d, e->cast.arg);
      put(d, " ");
      if (!d->rc) d->rc = type_to_sql(e->cast.type, d->out);
      put(d, ")");
      break;
    case SQL_E_FUNC: {
      const sql_func *f = &e->func;
      put(d, "(call ");
      func_name(d, &f->name);
      if (f->distinct) put(d, " distinct");
      if (f->star) put(d, " *");
      if (f->no_parens) put(d, " no-parens");
      if (f->trim == SQL_TRIM_BOTH) put(d, " both");
      if (f->trim == SQL_TRIM_LEADING) put(d, " leading");
      if (f->trim == SQL_TRIM_TRAILING) put(d, " trailing");
      exprs(d, f->args, f->n_args);
      order(d, "within-group", f->within_group, f->n_within_group);
      if (f->filter) {
        put(d, " (filter ");
        expr(d, f->filter);
        put(d, ")");
      }
      if (f->nulls == SQL_NT_IGNORE_NULLS) put(d, " ignore-nulls");
      if (f->nulls == SQL_NT_RESPECT_NULLS) put(d, " respect-nulls");
      if (f->over) {
        put(d, " ");
        window(d, f->over);
      }
      put(d, ")");
      break;
    }
    case SQL_E_NAMED_ARG:
      put(d, "(=> ");
      ident(d, e->named_arg.name.name);
      put(d, " ");
      expr(d, e->named_arg.value);
      put(d, ")");
      break;
    case SQL_E_LAMBDA:
      put(d, "(lambda (");
      for (uint32_t k = 0; k < e->lambda.n_params; k++) {
        if (k) put(d, " ");
        ident(d, e->lambda.params[k].name);
      }
      put(d, ") ");
      expr(d, e->lambda.body);
      put(d, ")");
      break;
    case SQL_E_FIELD:
      put(d, "(field ");
      expr(d, e->field.base);
      put(d, " ");
      ident(d, e->field.name.name);
      put(d, ")");
      break;
    case SQL_E_SUBSCRIPT:
      put(d, "(idx ");
      expr(d, e->subscript.base);
      put(d, " ");
      expr(d, e->subscript.index);
      put(d, ")");
      break;
    case SQL_E_JSON_PATH:
      put(d, "(json ");
      expr(d, e->json.base);
      put(d, " ");
      for (uint32_t k = 0; k < e->json.n_steps; k++) {
        const sql_json_step *s = &e->json.steps[k];
        if (s->kind == SQL_JSON_INDEX) putf(d, "[%lld]", (long long)s->index);
        else if (s->kind == SQL_JSON_WILDCARD) put(d, "[*]");
        else if (s->bracket || !plain_key(s->key)) putf(d, "['%s']", s->key);
        else putf(d, "%s%s", k ? "." : "", s->key);
      }
      put(d, ")");
      break;
    case SQL_E_SUBQUERY:
    case SQL_E_EXISTS:
      put(d, e->kind == SQL_E_EXISTS ? "(exists " : "(subquery ");
      query(d, e->subquery.query);
      put(d, ")");
      break;
    case SQL_E_EXTRACT:
      put(d, "(extract ");
      ident(d, e->extract.field.name);
      put(d, " ");
      expr(d, e->extract.arg);
      put(d, ")");
      break;
    case SQL_E_INTERVAL:
      put(d, "(interval");
      for (uint32_t k = 0; k < e->interval.n_parts; k++) {
        const sql_interval_part *ip = &e->interval.parts[k];
        put(d, " (");
        if (ip->negated) put(d, "-");
        expr(d, ip->value);
        if (ip->unit) putf(d, " %s", sql_interval_unit_name(ip->unit));
        if (ip->to_unit) putf(d, " TO %s", sql_interval_unit_name(ip->to_unit));
        put(d, ")");
      }
      put(d, ")");
      break;
    case SQL_E_TABLE_ARG:
      put(d, "(table-arg ");
      if (e->table_arg.query) query(d, e->table_arg.query);
      else name(d, &e->table_arg.name);
      put(d, ")");
      break;
    case SQL_E_ROW:
      put(d, "(row");
      exprs(d, e->row.items, e->row.n_items);
      put(d, ")");
      break;
  }
}

static void table(dumper *d, const sql_table_ref *t) {
  switch (t->kind) {
    case SQL_T_NAME:
      put(d, t->format_path ? "(path " : "(table ");
      name(d, &t->name);
      break;
    case SQL_T_FUNC:
      put(d, "(tvf ");
      expr(d, t->func);
      break;
    case SQL_T_SUBQUERY:
      put(d, t->lateral ? "(lateral " : "(derived ");
      query(d, t->query);
      break;
    case SQL_T_JOIN: {
      static const char *const n[] = {"inner", "left", "right", "full", "cross", "semi", "anti"};
      putf(d, "(join %s%s ", t->natural ? "natural-" : "", n[t->join]);
      table(d, t->left);
      put(d, " ");
      table(d, t->right);
      if (t->on) {
        put(d, " (on ");
        expr(d, t->on);
        put(d, ")");
      }
      if (t->n_using) {
        put(d, " (using");
        for (uint32_t k = 0; k < t->n_using; k++) {
          put(d, " ");
          ident(d, t->using_cols[k].name);
        }
        put(d, ")");
      }
      break;
    }
  }
  if (t->stream) put(d, " stream");
  if (t->tt.kind) {
    put(d, t->tt.kind == SQL_TT_VERSION ? " (version " : " (timestamp ");
    expr(d, t->tt.value);
    put(d, ")");
  }
  if (t->sample) {
    static const char *const n[] = {"percent", "rows", "bucket"};
    putf(d, " (sample %s ", n[t->sample->kind]);
    expr(d, t->sample->value);
    if (t->sample->out_of) {
      put(d, " ");
      expr(d, t->sample->out_of);
    }
    put(d, ")");
  }
  if (t->alias.name) {
    put(d, " (as ");
    ident(d, t->alias.name);
    for (uint32_t k = 0; k < t->n_col_aliases; k++) {
      put(d, " ");
      ident(d, t->col_aliases[k].name);
    }
    put(d, ")");
  }
  put(d, ")");
}

static void sets(dumper *d, const sql_expr_list *v, uint32_t n) {
  for (uint32_t k = 0; k < n; k++) {
    put(d, " (");
    for (uint32_t j = 0; j < v[k].n_items; j++) {
      if (j) put(d, " ");
      expr(d, v[k].items[j]);
    }
    put(d, ")");
  }
}

static void select_(dumper *d, const sql_select *s) {
  put(d, s->distinct ? "(select distinct (items" : "(select (items");
  for (uint32_t k = 0; k < s->n_items; k++) {
    put(d, " ");
    bool as = s->items[k].alias.name || s->items[k].n_aliases;
    if (as) put(d, "(as ");
    expr(d, s->items[k].expr);
    if (s->items[k].alias.name) {
      put(d, " ");
      ident(d, s->items[k].alias.name);
    }
    for (uint32_t j = 0; j < s->items[k].n_aliases; j++) {
      put(d, " ");
      ident(d, s->items[k].aliases[j].name);
    }
    if (as) put(d, ")");
  }
  put(d, ")");
  if (s->n_from) {
    put(d, " (from");
    for (uint32_t k = 0; k < s->n_from; k++) {
      put(d, " ");
      table(d, s->from[k]);
    }
    put(d, ")");
  }
  for (uint32_t k = 0; k < s->n_laterals; k++) {
    const sql_lateral_view *lv = &s->laterals[k];
    put(d, lv->outer ? " (lateral-view-outer " : " (lateral-view ");
    expr(d, lv->func);
    if (lv->table_alias.name) {
      put(d, " ");
      ident(d, lv->table_alias.name);
    }
    for (uint32_t j = 0; j < lv->n_cols; j++) {
      put(d, " ");
      ident(d, lv->cols[j].name);
    }
    put(d, ")");
  }
  if (s->where) {
    put(d, " (where ");
    expr(d, s->where);
    put(d, ")");
  }
  if (s->group_by_all) put(d, " (group ALL)");
  if (s->n_group_by) {
    put(d, " (group");
    for (uint32_t k = 0; k < s->n_group_by; k++) {
      const sql_group_item *g = &s->group_by[k];
      put(d, " ");
      if (g->kind == SQL_GROUP_EXPR) {
        expr(d, g->expr);
        continue;
      }
      put(d, g->kind == SQL_GROUP_ROLLUP ? "(rollup" : g->kind == SQL_GROUP_CUBE ? "(cube" : "(grouping-sets");
      sets(d, g->sets, g->n_sets);
      put(d, ")");
    }
    put(d, ")");
  }
  if (s->having) {
    put(d, " (having ");
    expr(d, s->having);
    put(d, ")");
  }
  for (uint32_t k = 0; k < s->n_windows; k++) {
    put(d, " (window ");
    ident(d, s->windows[k].name.name);
    put(d, " ");
    window(d, s->windows[k].spec);
    put(d, ")");
  }
  if (s->qualify) {
    put(d, " (qualify ");
    expr(d, s->qualify);
    put(d, ")");
  }
  put(d, ")");
}

static void query(dumper *d, const sql_query *q) {
  bool org = q->with || q->n_order_by || q->limit || q->limit_all || q->offset;
  if (org) put(d, "(query ");
  if (q->with) {
    put(d, q->with->recursive ? "(with-recursive" : "(with");
    for (uint32_t k = 0; k < q->with->n_ctes; k++) {
      put(d, " (");
      ident(d, q->with->ctes[k].name.name);
      for (uint32_t j = 0; j < q->with->ctes[k].n_cols; j++) {
        put(d, " ");
        ident(d, q->with->ctes[k].cols[j].name);
      }
      put(d, " ");
      query(d, q->with->ctes[k].query);
      put(d, ")");
    }
    put(d, ") ");
  }
  switch (q->kind) {
    case SQL_Q_SELECT:
      select_(d, &q->select);
      break;
    case SQL_Q_SETOP: {
      const char *n = q->setop.op == SQL_SETOP_UNION ? "union" : q->setop.op == SQL_SETOP_INTERSECT ? "intersect" : "except";
      putf(d, "(%s%s ", n, q->setop.all ? "-all" : "");
      query(d, q->setop.left);
      put(d, " ");
      query(d, q->setop.right);
      put(d, ")");
      break;
    }
    case SQL_Q_VALUES:
      put(d, "(values");
      sets(d, q->values.rows, q->values.n_rows);
      put(d, ")");
      break;
    case SQL_Q_TABLE:
      put(d, "(table ");
      name(d, &q->table.name);
      put(d, ")");
      break;
  }
  order(d, "order", q->order_by, q->n_order_by);
  if (q->limit_all) put(d, " (limit ALL)");
  if (q->limit) {
    put(d, " (limit ");
    expr(d, q->limit);
    put(d, ")");
  }
  if (q->offset) {
    put(d, " (offset ");
    expr(d, q->offset);
    put(d, ")");
  }
  if (org) put(d, ")");
}

int sql_dump_expr(buf *out, const sql_expr *e) {
  dumper d = {out, 0};
  expr(&d, e);
  return d.rc;
}

int sql_dump_query(buf *out, const sql_query *q) {
  dumper d = {out, 0};
  query(&d, q);
  return d.rc;
}

const char *sql_stmt_kind_name(sql_stmt_kind k) {
  static const char *const n[] = {"QUERY",        "USE",          "CREATE_NS",   "CREATE_TABLE", "CREATE_VIEW",
                                  "CREATE_VOLUME", "CREATE_FLOW", "APPLY_CHANGES", "DROP",       "ALTER_TABLE",
                                  "SHOW",         "DESCRIBE",     "EXPLAIN",     "INSERT",       "UPDATE",
                                  "DELETE",       "MERGE",        "TRUNCATE",    "OPTIMIZE",     "VACUUM",
                                  "RESTORE",      "CONVERT",      "COPY_INTO",   "SET",          "RESET"};
  return (unsigned)k < sizeof n / sizeof n[0] ? n[k] : "?";
}

/*
** Statements: (KIND ...) with the nested queries and expressions dumped as
** above; the remaining clauses are shown in their canonical SQL form, which
** is exact and already readable: (CREATE_TABLE "CREATE TABLE t (a INT)").
*/
int sql_dump_stmt(buf *out, const sql_stmt *s) {
  dumper d = {out, 0};
  putf(&d, "(%s ", sql_stmt_kind_name(s->kind));
  switch (s->kind) {
    case SQL_S_QUERY:
      query(&d, s->query);
      break;
    case SQL_S_INSERT:
      put(&d, "(into ");
      name(&d, &s->insert.table);
      put(&d, ") ");
      query(&d, s->insert.query);
      break;
    case SQL_S_UPDATE:
      table(&d, s->update.table);
      for (uint32_t k = 0; k < s->update.n_sets; k++) {
        put(&d, " (set ");
        name(&d, &s->update.sets[k].col);
        put(&d, " ");
        expr(&d, s->update.sets[k].value);
        put(&d, ")");
      }
      if (s->update.where) {
        put(&d, " (where ");
        expr(&d, s->update.where);
        put(&d, ")");
      }
      break;
    case SQL_S_DELETE:
      table(&d, s->del.table);
      if (s->del.where) {
        put(&d, " (where ");
        expr(&d, s->del.where);
        put(&d, ")");
      }
      break;
    case SQL_S_MERGE: {
      static const char *const m[] = {"matched", "not-matched", "not-matched-by-source"};
      static const char *const a[] = {"update", "update-star", "delete", "insert", "insert-star"};
      table(&d, s->merge.target);
      put(&d, " ");
      table(&d, s->merge.source);
      put(&d, " (on ");
      expr(&d, s->merge.on);
      put(&d, ")");
      for (uint32_t k = 0; k < s->merge.n_clauses; k++) {
        const sql_merge_clause *c = &s->merge.clauses[k];
        putf(&d, " (%s", m[c->match]);
        if (c->cond) {
          put(&d, " (and ");
          expr(&d, c->cond);
          put(&d, ")");
        }
        putf(&d, " %s", a[c->action]);
        for (uint32_t j = 0; j < c->n_sets; j++) {
          put(&d, " (set ");
          name(&d, &c->sets[j].col);
          put(&d, " ");
          expr(&d, c->sets[j].value);
          put(&d, ")");
        }
        for (uint32_t j = 0; j < c->n_insert_cols; j++) {
          put(&d, " (");
          name(&d, &c->insert_cols[j]);
          put(&d, " ");
          expr(&d, c->insert_values[j]);
          put(&d, ")");
        }
        put(&d, ")");
      }
      break;
    }
    default:
      put(&d, "\"");
      if (!d.rc) d.rc = sql_print_stmt(out, s, 0);
      put(&d, "\"");
      break;
  }
  put(&d, ")");
  return d.rc;
}
