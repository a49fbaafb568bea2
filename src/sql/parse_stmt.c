/*
** sql/parse_stmt.c: statements: DDL (CREATE/DROP/ALTER), SHOW, DESCRIBE,
** EXPLAIN, DML (INSERT/UPDATE/DELETE/MERGE), Delta maintenance (OPTIMIZE,
** VACUUM, RESTORE, CONVERT TO DELTA, COPY INTO), session (USE, SET, RESET)
** and pipeline SQL (streaming tables, materialized views, flows, AUTO CDC /
** APPLY CHANGES). The accepted forms are listed in ast.h next to each
** statement struct and summarised in README.md.
*/
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "sql/parser_int.h"

static int unsupported(sql_parser *p, const char *what) {
  return p_error_at(p, (int)p_cur(p)->pos, LAGO_UNSUPPORTED, "%s is not supported", what);
}

/* ---- shared clauses ----------------------------------------------------------------- */

static bool accept_if_not_exists(sql_parser *p) {
  if (tok_is_kw(p_cur(p), KW_IF) && tok_is_kw(p_peek(p, 1), KW_NOT) && tok_is_kw(p_peek(p, 2), KW_EXISTS)) {
    p_advance(p);
    p_advance(p);
    p_advance(p);
    return true;
  }
  p_expect_note(p, "IF NOT EXISTS");
  return false;
}

static bool accept_if_exists(sql_parser *p) {
  if (tok_is_kw(p_cur(p), KW_IF) && tok_is_kw(p_peek(p, 1), KW_EXISTS)) {
    p_advance(p);
    p_advance(p);
    return true;
  }
  p_expect_note(p, "IF EXISTS");
  return false;
}

/* key: 'string' or a dotted identifier */
static int prop_key(sql_parser *p, const char **out) {
  sql_token *t = p_cur(p);
  if (t->kind == TK_STRING) {
    *out = t->str;
    p_advance(p);
    return LAGO_OK;
  }
  if (!tok_is_ident(t) && t->kind != TK_WORD) {
    p_expect_note(p, "property key");
    return p_error_expected(p);
  }
  uint32_t start = t->pos;
  sql_name nm;
  /* the first part may even be a reserved word here: ('delta.x' ...) is usual */
  if (!tok_is_ident(t)) {
    p_advance(p);
    nm.n_parts = 0;
    if (tok_is_op(p_cur(p), P_DOT)) {
      p_advance(p);
      TRY(p_name(p, &nm));
    }
  } else {
    TRY(p_name(p, &nm));
  }
  /* keep the key as written, parts joined by '.' (quoted parts unquoted) */
  size_t len = 0;
  for (uint32_t k = p->i; k > 0 && p_at(p, k - 1)->pos >= start; k--) len += p_at(p, k - 1)->len + 1;
  char *s = arena_alloc(p->ar, len + 1);
  if (!s) return p_nomem(p);
  size_t o = 0;
  uint32_t first = p->i;
  while (first > 0 && p_at(p, first - 1)->pos >= start) first--;
  for (uint32_t k = first; k < p->i; k++) {
    sql_token *u = p_at(p, k);
    if (u->kind == TK_QIDENT) {
      memcpy(s + o, u->str, u->str_len);
      o += u->str_len;
    } else {
      memcpy(s + o, p->text + u->pos, u->len);
      o += u->len;
    }
  }
  s[o] = 0;
  *out = s;
  return LAGO_OK;
}

/* ( key [=] value, ... ); with_values false: ( key, ... ) for UNSET */
static int props(sql_parser *p, sql_props *out, bool with_values) {
  uint32_t cap = 0;
  TRY(p_expect_op(p, P_LPAREN));
  do {
    sql_prop pr = {0};
    pr.pos = (int)p_cur(p)->pos;
    TRY(prop_key(p, &pr.key));
    if (with_values) {
      bool eq = p_accept_op(p, P_EQ);
      sql_token *t = p_cur(p);
      if (t->kind == TK_STRING) {
        pr.value = t->str;
        pr.value_kind = SQL_PROP_STRING;
        p_advance(p);
      } else if (t->kind == TK_NUMBER ||
                 ((tok_is_op(t, P_MINUS) || tok_is_op(t, P_PLUS)) && p_peek(p, 1)->kind == TK_NUMBER)) {
        uint32_t s = t->pos;
        if (t->kind == TK_OP) p_advance(p);
        p_advance(p);
        pr.value = arena_strndup(p->ar, p->text + s, p->prev_end - s);
        if (!pr.value) return p_nomem(p);
        pr.value_kind = SQL_PROP_NUMBER;
      } else if (tok_is_kw(t, KW_TRUE) || tok_is_kw(t, KW_FALSE)) {
        pr.value = tok_is_kw(t, KW_TRUE) ? "true" : "false";
        pr.value_kind = SQL_PROP_BOOL;
        p_advance(p);
      } else if (eq) {
        p_expect_note(p, "string, number, TRUE or FALSE");
        return p_error_expected(p);
      }
    }
    TRY(P_PUSH(p, &out->items, &out->n_items, &cap, &pr));
  } while (p_accept_op(p, P_COMMA));
  return p_expect_op(p, P_RPAREN);
}

/* ( name, ... ) or name, ... */
static int name_list(sql_parser *p, bool parens_required, sql_name **out, uint32_t *n) {
  uint32_t cap = 0;
  bool paren = p_accept_op(p, P_LPAREN);
  if (!paren && parens_required) return p_error_expected(p);
  do {
    sql_name nm;
    TRY(p_name(p, &nm));
    TRY(P_PUSH(p, out, n, &cap, &nm));
  } while (p_accept_op(p, P_COMMA));
  if (paren) TRY(p_expect_op(p, P_RPAREN));
  return LAGO_OK;
}

/* ( ident, ... ) or ident, ... */
static int ident_list_opt_paren(sql_parser *p, sql_ident **out, uint32_t *n) {
  if (tok_is_op(p_cur(p), P_LPAREN)) return p_ident_list(p, out, n);
  uint32_t cap = 0;
  do {
    sql_ident id;
    TRY(p_ident(p, &id));
    TRY(P_PUSH(p, out, n, &cap, &id));
  } while (p_accept_op(p, P_COMMA));
  return LAGO_OK;
}

static int comment_string(sql_parser *p, const char **out) {
  p_advance(p); /* COMMENT */
  return p_string(p, out);
}

static int string_lit(sql_parser *p, const char **out) { return p_string(p, out); }

/* PARTITIONED BY (a, b) or (a INT, b STRING) */
static int partition_cols(sql_parser *p, sql_partition_col **out, uint32_t *n, bool types_required) {
  uint32_t cap = 0;
  TRY(p_expect_op(p, P_LPAREN));
  do {
    sql_partition_col c = {0};
    TRY(p_ident(p, &c.name));
    if (!tok_is_op(p_cur(p), P_COMMA) && !tok_is_op(p_cur(p), P_RPAREN)) {
      TRY(p_type(p, &c.type));
      c.has_type = true;
    } else if (types_required) {
      p_expect_note(p, "type");
      return p_error_expected(p);
    }
    TRY(P_PUSH(p, out, n, &cap, &c));
  } while (p_accept_op(p, P_COMMA));
  return p_expect_op(p, P_RPAREN);
}

/* CLUSTER BY (a, b) | AUTO | NONE */
static int cluster_by(sql_parser *p, sql_cluster_kind *kind, sql_ident **cols, uint32_t *n) {
  p_advance(p); /* CLUSTER */
  TRY(p_expect_kw(p, KW_BY));
  if (p_accept_kw(p, KW_AUTO)) {
    *kind = SQL_CLUSTER_AUTO;
    return LAGO_OK;
  }
  if (p_accept_kw(p, KW_NONE)) {
    *kind = SQL_CLUSTER_NONE;
    return LAGO_OK;
  }
  *kind = SQL_CLUSTER_COLS;
  return p_ident_list(p, cols, n);
}

static int paren_expr(sql_parser *p, sql_expr **out) {
  TRY(p_expect_op(p, P_LPAREN));
  TRY(p_expr(p, out));
  return p_expect_op(p, P_RPAREN);
}

/* CONSTRAINT name CHECK (e) | EXPECT (e) [ON VIOLATION DROP ROW | FAIL UPDATE] */
static int constraint(sql_parser *p, sql_constraint *c, bool allow_expect) {
  c->pos = (int)p_cur(p)->pos;
  TRY(p_expect_kw(p, KW_CONSTRAINT));
  TRY(p_ident(p, &c->name));
  if (p_accept_kw(p, KW_CHECK)) {
    c->kind = SQL_CONSTRAINT_CHECK;
    return paren_expr(p, &c->cond);
  }
  if (allow_expect && p_accept_kw(p, KW_EXPECT)) {
    c->kind = SQL_CONSTRAINT_EXPECT;
    TRY(paren_expr(p, &c->cond));
    if (p_accept_kw(p, KW_ON)) {
      TRY(p_expect_kw(p, KW_VIOLATION));
      if (p_accept_kw(p, KW_FAIL)) {
        TRY(p_expect_kw(p, KW_UPDATE));
        c->on_violation = SQL_VIOLATION_FAIL_UPDATE;
      } else if (p_accept_kw(p, KW_DROP)) {
        TRY(p_expect_kw(p, KW_ROW));
        c->on_violation = SQL_VIOLATION_DROP_ROW;
      } else {
        return p_error_expected(p);
      }
    }
    return LAGO_OK;
  }
  if (tok_is_kw(p_cur(p), KW_PRIMARY) || tok_is_kw(p_cur(p), KW_FOREIGN) || tok_is_kw(p_cur(p), KW_UNIQUE))
    return unsupported(p, "PRIMARY KEY, FOREIGN KEY and UNIQUE constraints are");
  return p_error_expected(p);
}

/* col [type] [NOT NULL] [GENERATED ...] [DEFAULT e] [COMMENT 'c'] [FIRST | AFTER c] */
static int column_def(sql_parser *p, sql_column_def *c, bool type_required, bool qualified, bool position) {
  c->pos = (int)p_cur(p)->pos;
  if (qualified) {
    TRY(p_name(p, &c->name));
  } else {
    sql_ident *id = p_alloc(p, sizeof *id);
    if (!id) return LAGO_NOMEM;
    TRY(p_ident(p, id));
    c->name.parts = id;
    c->name.n_parts = 1;
    c->name.pos = id->pos;
  }
  sql_token *t = p_cur(p);
  bool no_type = tok_is_op(t, P_COMMA) || tok_is_op(t, P_RPAREN) || tok_is_kw(t, KW_COMMENT) || t->kind == TK_EOF;
  if (!no_type) {
    TRY(p_type(p, &c->type));
    c->has_type = true;
  } else if (type_required) {
    p_expect_note(p, "type");
    return p_error_expected(p);
  }
  for (;;) {
    if (tok_is_kw(p_cur(p), KW_NOT) && tok_is_kw(p_peek(p, 1), KW_NULL) && c->has_type) {
      p_advance(p);
      p_advance(p);
      c->not_null = true;
    } else if (c->has_type && p_accept_kw(p, KW_GENERATED)) {
      if (p_accept_kw(p, KW_ALWAYS)) {
        c->identity = SQL_IDENTITY_ALWAYS;
      } else {
        TRY(p_expect_kw(p, KW_BY));
        TRY(p_expect_kw(p, KW_DEFAULT));
        c->identity = SQL_IDENTITY_BY_DEFAULT;
      }
      TRY(p_expect_kw(p, KW_AS));
      if (p_accept_kw(p, KW_IDENTITY)) {
        if (p_accept_op(p, P_LPAREN)) {
          for (int k = 0; k < 2; k++) {
            if (p_accept_kw(p, KW_START)) {
              TRY(p_expect_kw(p, KW_WITH));
              TRY(p_value_expr(p, &c->identity_start));
            } else if (p_accept_kw(p, KW_INCREMENT)) {
              TRY(p_expect_kw(p, KW_BY));
              TRY(p_value_expr(p, &c->identity_step));
            }
          }
          TRY(p_expect_op(p, P_RPAREN));
        }
      } else if (c->identity == SQL_IDENTITY_ALWAYS) {
        c->identity = SQL_IDENTITY_NONE;
        TRY(paren_expr(p, &c->generated));
      } else {
        return p_error_expected(p);
      }
    } else if (c->has_type && p_accept_kw(p, KW_DEFAULT)) {
      TRY(p_expr(p, &c->default_value));
    } else if (tok_is_kw(p_cur(p), KW_COMMENT)) {
      TRY(comment_string(p, &c->comment));
    } else if (position && p_accept_kw(p, KW_FIRST)) {
      c->first = true;
    } else if (position && p_accept_kw(p, KW_AFTER)) {
      TRY(p_ident(p, &c->after));
    } else if (tok_is_kw(p_cur(p), KW_PRIMARY) || tok_is_kw(p_cur(p), KW_CONSTRAINT)) {
      return unsupported(p, "a column-level PRIMARY KEY or CONSTRAINT");
    } else {
      break;
    }
  }
  return LAGO_OK;
}

/* ( coldef | CONSTRAINT ..., ... ) of CREATE TABLE / streaming table / MV */
static int table_elements(sql_parser *p, sql_create_table *ct, bool type_required, bool allow_expect) {
  uint32_t ccap = 0, kcap = 0;
  TRY(p_expect_op(p, P_LPAREN));
  do {
    if (tok_is_kw(p_cur(p), KW_CONSTRAINT)) {
      sql_constraint c = {0};
      TRY(constraint(p, &c, allow_expect));
      TRY(P_PUSH(p, &ct->constraints, &ct->n_constraints, &kcap, &c));
    } else {
      sql_column_def c = {0};
      TRY(column_def(p, &c, type_required, false, false));
      TRY(P_PUSH(p, &ct->cols, &ct->n_cols, &ccap, &c));
    }
  } while (p_accept_op(p, P_COMMA));
  return p_expect_op(p, P_RPAREN);
}

static int dup_clause(sql_parser *p, const char *what) {
  return p_error(p, "%s given twice", what);
}

/* ---- CREATE ---------------------------------------------------------------------------- */

typedef struct create_mods {
  bool or_replace, or_refresh, temporary, global, external, private_, streaming, live, materialized;
} create_mods;

static int create_table_body(sql_parser *p, create_mods *m, sql_tbl_kind kind, sql_stmt *s) {
  s->kind = SQL_S_CREATE_TABLE;
  sql_create_table *ct = &s->create_table;
  ct->kind = kind;
  ct->or_replace = m->or_replace;
  ct->or_refresh = m->or_refresh;
  ct->temporary = m->temporary;
  ct->external = m->external;
  ct->private_ = m->private_;
  ct->live = m->live;
  ct->if_not_exists = accept_if_not_exists(p);
  TRY(p_name(p, &ct->name));
  bool pipeline = kind != SQL_TBL_PLAIN;
  if (tok_is_op(p_cur(p), P_LPAREN) && !p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth))
    TRY(table_elements(p, ct, kind != SQL_TBL_MATERIALIZED_VIEW && kind != SQL_TBL_LIVE, pipeline));
  for (;;) {
    sql_token *t = p_cur(p);
    if (p_is_kw(p, KW_USING)) {
      if (ct->using_format) return dup_clause(p, "USING");
      p_advance(p);
      sql_ident f;
      TRY(p_ident(p, &f));
      ct->using_format = f.name;
    } else if (p_is_kw(p, KW_PARTITIONED)) {
      if (ct->n_partition_by) return dup_clause(p, "PARTITIONED BY");
      p_advance(p);
      TRY(p_expect_kw(p, KW_BY));
      TRY(partition_cols(p, &ct->partition_by, &ct->n_partition_by, false));
    } else if (p_is_kw(p, KW_CLUSTER)) {
      if (ct->cluster) return dup_clause(p, "CLUSTER BY");
      TRY(cluster_by(p, &ct->cluster, &ct->cluster_by, &ct->n_cluster_by));
    } else if (p_is_kw(p, KW_LOCATION)) {
      if (ct->location) return dup_clause(p, "LOCATION");
      p_advance(p);
      TRY(string_lit(p, &ct->location));
    } else if (p_is_kw(p, KW_COMMENT)) {
      if (ct->comment) return dup_clause(p, "COMMENT");
      TRY(comment_string(p, &ct->comment));
    } else if (p_is_kw(p, KW_TBLPROPERTIES)) {
      if (ct->tblproperties.n_items) return dup_clause(p, "TBLPROPERTIES");
      p_advance(p);
      TRY(props(p, &ct->tblproperties, true));
    } else if (p_is_kw(p, KW_OPTIONS)) {
      if (ct->options.n_items) return dup_clause(p, "OPTIONS");
      p_advance(p);
      TRY(props(p, &ct->options, true));
    } else if (!pipeline && (p_is_kw(p, KW_SHALLOW) || p_is_kw(p, KW_DEEP) || p_is_kw(p, KW_CLONE))) {
      if (ct->clone) return dup_clause(p, "CLONE");
      ct->clone = tok_is_kw(t, KW_SHALLOW) ? SQL_CLONE_SHALLOW : SQL_CLONE_DEEP;
      if (!tok_is_kw(t, KW_CLONE)) p_advance(p);
      TRY(p_expect_kw(p, KW_CLONE));
      TRY(p_table_primary(p, false, &ct->clone_source));
      if (ct->clone_source->kind != SQL_T_NAME || ct->clone_source->stream)
        return p_error_at(p, ct->clone_source->pos, LAGO_PARSE, "CLONE needs a table name");
    } else if (p_is_kw(p, KW_AS) || p_starts_query(p, p->i) || p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
      p_accept_kw(p, KW_AS);
      TRY(p_query(p, &ct->as_query));
      break;
    } else {
      break;
    }
  }
  if (ct->clone && (ct->as_query || ct->n_cols))
    return p_error_at(p, s->pos, LAGO_PARSE, "CLONE cannot be combined with a column list or AS query");
  if ((kind == SQL_TBL_MATERIALIZED_VIEW || kind == SQL_TBL_LIVE) && !ct->as_query) {
    p_expect_note(p, "AS");
    return p_error_expected(p);
  }
  return LAGO_OK;
}

static int create_view_body(sql_parser *p, create_mods *m, sql_stmt *s) {
  s->kind = SQL_S_CREATE_VIEW;
  sql_create_view *v = &s->create_view;
  v->or_replace = m->or_replace;
  v->temporary = m->temporary;
  v->global = m->global;
  v->live = m->live;
  v->if_not_exists = accept_if_not_exists(p);
  TRY(p_name(p, &v->name));
  if (tok_is_op(p_cur(p), P_LPAREN)) {
    uint32_t cap = 0;
    p_advance(p);
    do {
      sql_column_def c = {0};
      c.pos = (int)p_cur(p)->pos;
      sql_ident *id = p_alloc(p, sizeof *id);
      if (!id) return LAGO_NOMEM;
      TRY(p_ident(p, id));
      c.name.parts = id;
      c.name.n_parts = 1;
      c.name.pos = id->pos;
      if (tok_is_kw(p_cur(p), KW_COMMENT)) TRY(comment_string(p, &c.comment));
      TRY(P_PUSH(p, &v->cols, &v->n_cols, &cap, &c));
    } while (p_accept_op(p, P_COMMA));
    TRY(p_expect_op(p, P_RPAREN));
  }
  for (;;) {
    if (p_is_kw(p, KW_COMMENT)) {
      if (v->comment) return dup_clause(p, "COMMENT");
      TRY(comment_string(p, &v->comment));
    } else if (p_is_kw(p, KW_TBLPROPERTIES)) {
      if (v->tblproperties.n_items) return dup_clause(p, "TBLPROPERTIES");
      p_advance(p);
      TRY(props(p, &v->tblproperties, true));
    } else {
      break;
    }
  }
  TRY(p_expect_kw(p, KW_AS));
  return p_query(p, &v->query);
}

static int col_selection(sql_parser *p, sql_col_selection *c) {
  c->present = true;
  if (p_accept_op(p, P_STAR)) {
    c->star_except = true;
    TRY(p_expect_kw(p, KW_EXCEPT));
    return p_ident_list(p, &c->cols, &c->n_cols);
  }
  return ident_list_opt_paren(p, &c->cols, &c->n_cols);
}

/* After AUTO CDC / APPLY CHANGES: INTO target FROM source KEYS (..) ... */
static int cdc_body(sql_parser *p, sql_auto_cdc *c) {
  int pos = (int)p_cur(p)->pos;
  TRY(p_expect_kw(p, KW_INTO));
  TRY(p_name(p, &c->target));
  TRY(p_expect_kw(p, KW_FROM));
  TRY(p_table_primary(p, false, &c->source));
  TRY(p_expect_kw(p, KW_KEYS));
  TRY(p_ident_list(p, &c->keys, &c->n_keys));
  bool seen_scd = false;
  int truncate_pos = -1;
  for (;;) {
    int at = (int)p_cur(p)->pos;
    if (c->track_history.present) break; /* TRACK HISTORY must be the last clause */
    if (p_is_kw(p, KW_IGNORE)) {
      if (c->ignore_null_updates) return dup_clause(p, "IGNORE NULL UPDATES");
      p_advance(p);
      TRY(p_expect_kw(p, KW_NULL));
      TRY(p_expect_kw(p, KW_UPDATES));
      c->ignore_null_updates = true;
    } else if (p_is_kw(p, KW_APPLY)) {
      p_advance(p);
      TRY(p_expect_kw(p, KW_AS));
      if (p_accept_kw(p, KW_DELETE)) {
        if (c->apply_as_delete) return dup_clause(p, "APPLY AS DELETE");
        TRY(p_expect_kw(p, KW_WHEN));
        TRY(p_expr(p, &c->apply_as_delete));
      } else if (p_accept_kw(p, KW_TRUNCATE)) {
        if (c->apply_as_truncate) return dup_clause(p, "APPLY AS TRUNCATE");
        TRY(p_expect_kw(p, KW_WHEN));
        truncate_pos = at;
        TRY(p_expr(p, &c->apply_as_truncate));
      } else {
        return p_error_expected(p);
      }
    } else if (p_is_kw(p, KW_SEQUENCE)) {
      if (c->sequence_by) return dup_clause(p, "SEQUENCE BY");
      p_advance(p);
      TRY(p_expect_kw(p, KW_BY));
      TRY(p_expr(p, &c->sequence_by));
    } else if (p_is_kw(p, KW_COLUMNS)) {
      if (c->columns.present) return dup_clause(p, "COLUMNS");
      p_advance(p);
      TRY(col_selection(p, &c->columns));
    } else if (p_is_kw(p, KW_STORED)) {
      if (seen_scd) return dup_clause(p, "STORED AS");
      p_advance(p);
      TRY(p_expect_kw(p, KW_AS));
      TRY(p_expect_kw(p, KW_SCD));
      TRY(p_expect_kw(p, KW_TYPE));
      sql_token *t = p_cur(p);
      if (t->kind == TK_NUMBER && t->len == 1 && (p->text[t->pos] == '1' || p->text[t->pos] == '2')) {
        c->scd = p->text[t->pos] == '1' ? SQL_SCD_1 : SQL_SCD_2;
        p_advance(p);
      } else {
        return p_error(p, "expected SCD TYPE 1 or SCD TYPE 2");
      }
      seen_scd = true;
    } else if (p_is_kw(p, KW_TRACK)) {
      p_advance(p);
      TRY(p_expect_kw(p, KW_HISTORY));
      TRY(p_expect_kw(p, KW_ON));
      TRY(col_selection(p, &c->track_history));
    } else {
      break;
    }
  }
  if (!c->sequence_by) {
    p_expect_note(p, "SEQUENCE BY");
    return p_error_expected(p);
  }
  if (c->apply_as_truncate && c->scd == SQL_SCD_2)
    return p_error_at(p, truncate_pos, LAGO_PARSE, "APPLY AS TRUNCATE WHEN is only supported with SCD TYPE 1");
  if (c->track_history.present && c->scd != SQL_SCD_2)
    return p_error_at(p, pos, LAGO_PARSE, "TRACK HISTORY ON needs STORED AS SCD TYPE 2");
  return LAGO_OK;
}

static int parse_insert(sql_parser *p, sql_stmt *s);

static int create_flow_body(sql_parser *p, sql_stmt *s) {
  s->kind = SQL_S_CREATE_FLOW;
  sql_create_flow *f = &s->create_flow;
  TRY(p_ident(p, &f->name));
  if (tok_is_kw(p_cur(p), KW_COMMENT)) TRY(comment_string(p, &f->comment));
  TRY(p_expect_kw(p, KW_AS));
  if (p_is_kw(p, KW_INSERT)) {
    f->insert = p_alloc(p, sizeof *f->insert);
    if (!f->insert) return LAGO_NOMEM;
    f->insert->pos = (int)p_cur(p)->pos;
    TRY(parse_insert(p, f->insert));
    f->insert->len = (int)(p->prev_end - (uint32_t)f->insert->pos);
    return LAGO_OK;
  }
  if (p_is_kw(p, KW_AUTO) && tok_is_kw(p_peek(p, 1), KW_CDC)) {
    p_advance(p);
    p_advance(p);
  } else if (p_is_kw(p, KW_APPLY) && tok_is_kw(p_peek(p, 1), KW_CHANGES)) {
    p_advance(p);
    p_advance(p);
  } else {
    p_expect_note(p, "AUTO CDC");
    return p_error_expected(p);
  }
  f->cdc = p_alloc(p, sizeof *f->cdc);
  if (!f->cdc) return LAGO_NOMEM;
  return cdc_body(p, f->cdc);
}

static int create_ns_body(sql_parser *p, sql_ns_kind kind, sql_stmt *s) {
  s->kind = SQL_S_CREATE_NS;
  sql_create_ns *c = &s->create_ns;
  c->kind = kind;
  c->if_not_exists = accept_if_not_exists(p);
  TRY(p_name(p, &c->name));
  for (;;) {
    if (p_is_kw(p, KW_COMMENT)) {
      if (c->comment) return dup_clause(p, "COMMENT");
      TRY(comment_string(p, &c->comment));
    } else if (p_is_kw(p, KW_LOCATION) || p_is_kw(p, KW_MANAGED)) {
      if (c->location) return dup_clause(p, "LOCATION");
      c->managed_location = p_accept_kw(p, KW_MANAGED);
      TRY(p_expect_kw(p, KW_LOCATION));
      TRY(string_lit(p, &c->location));
    } else if (p_is_kw(p, KW_WITH) && tok_is_kw(p_peek(p, 1), KW_DBPROPERTIES)) {
      p_advance(p);
      p_advance(p);
      TRY(props(p, &c->properties, true));
    } else if (p_is_kw(p, KW_OPTIONS)) {
      p_advance(p);
      TRY(props(p, &c->properties, true));
    } else {
      break;
    }
  }
  return LAGO_OK;
}

static int create_volume_body(sql_parser *p, create_mods *m, sql_stmt *s) {
  s->kind = SQL_S_CREATE_VOLUME;
  sql_create_volume *v = &s->create_volume;
  v->external = m->external;
  v->if_not_exists = accept_if_not_exists(p);
  TRY(p_name(p, &v->name));
  for (;;) {
    if (p_is_kw(p, KW_LOCATION)) {
      if (v->location) return dup_clause(p, "LOCATION");
      p_advance(p);
      TRY(string_lit(p, &v->location));
    } else if (p_is_kw(p, KW_COMMENT)) {
      if (v->comment) return dup_clause(p, "COMMENT");
      TRY(comment_string(p, &v->comment));
    } else {
      break;
    }
  }
  return LAGO_OK;
}

static int parse_create(sql_parser *p, sql_stmt *s) {
  int pos = (int)p_cur(p)->pos;
  p_advance(p); /* CREATE */
  create_mods m = {0};
  if (p_accept_kw(p, KW_OR)) {
    if (p_accept_kw(p, KW_REPLACE)) m.or_replace = true;
    else if (p_accept_kw(p, KW_REFRESH)) m.or_refresh = true;
    else return p_error_expected(p);
  }
  for (;;) {
    if (p_accept_kw(p, KW_PRIVATE)) m.private_ = true;
    else if (p_accept_kw(p, KW_GLOBAL)) m.global = true;
    else if (p_accept_kw(p, KW_TEMP) || p_accept_kw(p, KW_TEMPORARY)) m.temporary = true;
    else if (p_accept_kw(p, KW_EXTERNAL)) m.external = true;
    else if (p_accept_kw(p, KW_STREAMING)) m.streaming = true;
    else if (p_accept_kw(p, KW_LIVE)) m.live = true;
    else if (p_accept_kw(p, KW_MATERIALIZED)) m.materialized = true;
    else break;
  }
  bool pipeline_mods = m.streaming || m.live || m.materialized || m.private_;
  if (m.or_refresh && !pipeline_mods)
    return p_error_at(p, pos, LAGO_PARSE,
                      "CREATE OR REFRESH needs STREAMING TABLE, MATERIALIZED VIEW or LIVE TABLE");
  if (p_accept_kw(p, KW_TABLE)) {
    if (m.materialized || m.global) return p_error_at(p, pos, LAGO_PARSE, "invalid modifiers for CREATE TABLE");
    sql_tbl_kind k = SQL_TBL_PLAIN;
    if (m.streaming) k = SQL_TBL_STREAMING;
    else if (m.live) k = SQL_TBL_LIVE;
    else if (m.private_) return p_error_at(p, pos, LAGO_PARSE, "PRIVATE needs STREAMING TABLE or MATERIALIZED VIEW");
    if (k != SQL_TBL_PLAIN && (m.external || m.or_replace))
      return p_error_at(p, pos, LAGO_PARSE, "OR REPLACE and EXTERNAL are not allowed for pipeline tables");
    if (k == SQL_TBL_LIVE && m.temporary) m.private_ = true;
    return create_table_body(p, &m, k, s);
  }
  if (p_accept_kw(p, KW_VIEW)) {
    if (m.materialized) {
      if (m.streaming || m.temporary || m.external || m.global || m.live)
        return p_error_at(p, pos, LAGO_PARSE, "invalid modifiers for CREATE MATERIALIZED VIEW");
      return create_table_body(p, &m, SQL_TBL_MATERIALIZED_VIEW, s);
    }
    if (m.streaming || m.external || m.private_ || m.or_refresh)
      return p_error_at(p, pos, LAGO_PARSE, "invalid modifiers for CREATE VIEW");
    if (m.live && !m.temporary) return p_error_at(p, pos, LAGO_PARSE, "a LIVE VIEW must be TEMPORARY");
    return create_view_body(p, &m, s);
  }
  bool plain = !(m.or_replace || m.or_refresh || pipeline_mods || m.temporary || m.global);
  if (p_is_kw(p, KW_CATALOG) || p_is_kw(p, KW_SCHEMA) || p_is_kw(p, KW_DATABASE) || p_is_kw(p, KW_NAMESPACE)) {
    sql_ns_kind k = tok_is_kw(p_cur(p), KW_CATALOG) ? SQL_NS_CATALOG : SQL_NS_SCHEMA;
    if (!plain || m.external) return p_error_at(p, pos, LAGO_PARSE, "invalid modifiers for CREATE %s", k == SQL_NS_CATALOG ? "CATALOG" : "SCHEMA");
    p_advance(p);
    return create_ns_body(p, k, s);
  }
  if (p_is_kw(p, KW_VOLUME)) {
    if (!plain) return p_error_at(p, pos, LAGO_PARSE, "invalid modifiers for CREATE VOLUME");
    p_advance(p);
    return create_volume_body(p, &m, s);
  }
  if (p_is_kw(p, KW_FLOW)) {
    if (!plain || m.external) return p_error_at(p, pos, LAGO_PARSE, "invalid modifiers for CREATE FLOW");
    p_advance(p);
    return create_flow_body(p, s);
  }
  if (tok_is_kw(p_cur(p), KW_FUNCTION)) return unsupported(p, "CREATE FUNCTION");
  return p_error_expected(p);
}

/* ---- DROP / ALTER / TRUNCATE ----------------------------------------------------------- */

static int parse_drop(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* DROP */
  s->kind = SQL_S_DROP;
  sql_drop *d = &s->drop;
  if (p_accept_kw(p, KW_TABLE)) d->what = SQL_OBJ_TABLE;
  else if (p_accept_kw(p, KW_VIEW)) d->what = SQL_OBJ_VIEW;
  else if (p_accept_kw(p, KW_SCHEMA) || p_accept_kw(p, KW_DATABASE)) d->what = SQL_OBJ_SCHEMA;
  else if (p_accept_kw(p, KW_CATALOG)) d->what = SQL_OBJ_CATALOG;
  else if (p_accept_kw(p, KW_VOLUME)) d->what = SQL_OBJ_VOLUME;
  else if (p_accept_kw(p, KW_MATERIALIZED)) {
    TRY(p_expect_kw(p, KW_VIEW));
    d->what = SQL_OBJ_MATERIALIZED_VIEW;
  } else if (p_accept_kw(p, KW_STREAMING)) {
    TRY(p_expect_kw(p, KW_TABLE));
    d->what = SQL_OBJ_STREAMING_TABLE;
  } else if (tok_is_kw(p_cur(p), KW_FUNCTION)) {
    return unsupported(p, "DROP FUNCTION");
  } else {
    return p_error_expected(p);
  }
  d->if_exists = accept_if_exists(p);
  TRY(p_name(p, &d->name));
  if (p_accept_kw(p, KW_CASCADE)) d->cascade = true;
  else if (p_accept_kw(p, KW_RESTRICT)) d->restrict_ = true;
  if (p_accept_kw(p, KW_PURGE)) d->purge = true;
  return LAGO_OK;
}

static int parse_alter(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* ALTER */
  if (!p_is_kw(p, KW_TABLE)) {
    if (tok_is_kw(p_cur(p), KW_VIEW) || tok_is_kw(p_cur(p), KW_SCHEMA) || tok_is_kw(p_cur(p), KW_DATABASE) ||
        tok_is_kw(p_cur(p), KW_CATALOG))
      return unsupported(p, "ALTER VIEW / SCHEMA / CATALOG");
    return p_error_expected(p);
  }
  p_advance(p);
  s->kind = SQL_S_ALTER_TABLE;
  sql_alter_table *a = &s->alter;
  TRY(p_name(p, &a->table));
  sql_token *t = p_cur(p);
  if (p_accept_kw(p, KW_ADD)) {
    if (tok_is_kw(p_cur(p), KW_CONSTRAINT)) {
      a->kind = SQL_ALTER_ADD_CONSTRAINT;
      return constraint(p, &a->constraint, false);
    }
    if (!p_accept_kw(p, KW_COLUMNS)) TRY(p_expect_kw(p, KW_COLUMN));
    a->kind = SQL_ALTER_ADD_COLUMNS;
    bool paren = p_accept_op(p, P_LPAREN);
    uint32_t cap = 0;
    do {
      sql_column_def c = {0};
      TRY(column_def(p, &c, true, true, true));
      TRY(P_PUSH(p, &a->cols, &a->n_cols, &cap, &c));
    } while (p_accept_op(p, P_COMMA));
    if (paren) TRY(p_expect_op(p, P_RPAREN));
    return LAGO_OK;
  }
  if (p_accept_kw(p, KW_DROP)) {
    if (p_accept_kw(p, KW_CONSTRAINT)) {
      a->kind = SQL_ALTER_DROP_CONSTRAINT;
      a->if_exists = accept_if_exists(p);
      return p_ident(p, &a->constraint_name);
    }
    if (!p_accept_kw(p, KW_COLUMNS)) TRY(p_expect_kw(p, KW_COLUMN));
    a->kind = SQL_ALTER_DROP_COLUMNS;
    a->if_exists = accept_if_exists(p);
    return name_list(p, false, &a->names, &a->n_names);
  }
  if (p_accept_kw(p, KW_RENAME)) {
    if (p_accept_kw(p, KW_COLUMN)) {
      a->kind = SQL_ALTER_RENAME_COLUMN;
      TRY(p_name(p, &a->column));
      TRY(p_expect_kw(p, KW_TO));
      return p_ident(p, &a->new_column);
    }
    TRY(p_expect_kw(p, KW_TO));
    a->kind = SQL_ALTER_RENAME_TO;
    return p_name(p, &a->new_name);
  }
  if (p_is_kw(p, KW_ALTER) || p_is_kw(p, KW_CHANGE)) {
    p_advance(p);
    p_accept_kw(p, KW_COLUMN);
    a->kind = SQL_ALTER_ALTER_COLUMN;
    TRY(p_name(p, &a->column));
    if (p_accept_kw(p, KW_TYPE)) {
      a->change = SQL_CHANGE_TYPE;
      return p_type(p, &a->type);
    }
    if (p_accept_kw(p, KW_SET)) {
      if (p_accept_kw(p, KW_NOT)) {
        TRY(p_expect_kw(p, KW_NULL));
        a->change = SQL_CHANGE_SET_NOT_NULL;
        return LAGO_OK;
      }
      TRY(p_expect_kw(p, KW_DEFAULT));
      a->change = SQL_CHANGE_SET_DEFAULT;
      return p_expr(p, &a->default_value);
    }
    if (p_accept_kw(p, KW_DROP)) {
      if (p_accept_kw(p, KW_NOT)) {
        TRY(p_expect_kw(p, KW_NULL));
        a->change = SQL_CHANGE_DROP_NOT_NULL;
        return LAGO_OK;
      }
      TRY(p_expect_kw(p, KW_DEFAULT));
      a->change = SQL_CHANGE_DROP_DEFAULT;
      return LAGO_OK;
    }
    if (p_is_kw(p, KW_COMMENT)) {
      a->change = SQL_CHANGE_COMMENT;
      return comment_string(p, &a->comment);
    }
    if (p_accept_kw(p, KW_FIRST)) {
      a->change = SQL_CHANGE_FIRST;
      return LAGO_OK;
    }
    if (p_accept_kw(p, KW_AFTER)) {
      a->change = SQL_CHANGE_AFTER;
      return p_ident(p, &a->after);
    }
    return p_error_expected(p);
  }
  if (p_accept_kw(p, KW_SET)) {
    TRY(p_expect_kw(p, KW_TBLPROPERTIES));
    a->kind = SQL_ALTER_SET_PROPS;
    return props(p, &a->props, true);
  }
  if (p_accept_kw(p, KW_UNSET)) {
    TRY(p_expect_kw(p, KW_TBLPROPERTIES));
    a->kind = SQL_ALTER_UNSET_PROPS;
    a->if_exists = accept_if_exists(p);
    return props(p, &a->props, false);
  }
  if (p_is_kw(p, KW_CLUSTER)) {
    a->kind = SQL_ALTER_CLUSTER_BY;
    TRY(cluster_by(p, &a->cluster, &a->cluster_by, &a->n_cluster_by));
    if (a->cluster == SQL_CLUSTER_AUTO) return p_error_at(p, (int)t->pos, LAGO_UNSUPPORTED, "CLUSTER BY AUTO is not supported");
    return LAGO_OK;
  }
  return p_error_expected(p);
}

/* ---- SHOW / DESCRIBE / EXPLAIN --------------------------------------------------------- */

static int show_in_like(sql_parser *p, sql_show *sh, bool allow_in) {
  if (allow_in && (p_accept_kw(p, KW_IN) || p_accept_kw(p, KW_FROM))) TRY(p_name(p, &sh->in));
  if (p_accept_kw(p, KW_LIKE) || p_cur(p)->kind == TK_STRING) TRY(string_lit(p, &sh->like));
  return LAGO_OK;
}

static int parse_show(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* SHOW */
  s->kind = SQL_S_SHOW;
  sql_show *sh = &s->show;
  if (p_accept_kw(p, KW_CATALOGS)) {
    sh->what = SQL_SHOW_CATALOGS;
    return show_in_like(p, sh, false);
  }
  if (p_accept_kw(p, KW_SCHEMAS) || p_accept_kw(p, KW_DATABASES)) {
    sh->what = SQL_SHOW_SCHEMAS;
    return show_in_like(p, sh, true);
  }
  if (p_accept_kw(p, KW_TABLES)) {
    sh->what = SQL_SHOW_TABLES;
    return show_in_like(p, sh, true);
  }
  if (p_accept_kw(p, KW_VIEWS)) {
    sh->what = SQL_SHOW_VIEWS;
    return show_in_like(p, sh, true);
  }
  if (p_accept_kw(p, KW_VOLUMES)) {
    sh->what = SQL_SHOW_VOLUMES;
    return show_in_like(p, sh, true);
  }
  if (p_accept_kw(p, KW_FUNCTIONS)) {
    sh->what = SQL_SHOW_FUNCTIONS;
    return show_in_like(p, sh, true);
  }
  if (p_accept_kw(p, KW_COLUMNS)) {
    sh->what = SQL_SHOW_COLUMNS;
    if (!p_accept_kw(p, KW_IN)) TRY(p_expect_kw(p, KW_FROM));
    TRY(p_name(p, &sh->target));
    if (p_accept_kw(p, KW_IN) || p_accept_kw(p, KW_FROM)) TRY(p_name(p, &sh->in));
    return LAGO_OK;
  }
  if (p_accept_kw(p, KW_TBLPROPERTIES)) {
    sh->what = SQL_SHOW_TBLPROPERTIES;
    TRY(p_name(p, &sh->target));
    if (p_accept_op(p, P_LPAREN)) {
      TRY(prop_key(p, &sh->key));
      TRY(p_expect_op(p, P_RPAREN));
    }
    return LAGO_OK;
  }
  if (p_accept_kw(p, KW_CREATE)) {
    TRY(p_expect_kw(p, KW_TABLE));
    sh->what = SQL_SHOW_CREATE_TABLE;
    return p_name(p, &sh->target);
  }
  if (p_accept_kw(p, KW_PARTITIONS)) {
    sh->what = SQL_SHOW_PARTITIONS;
    return p_name(p, &sh->target);
  }
  return p_error_expected(p);
}

static int parse_stmt_inner(sql_parser *p, sql_stmt **out);

static int parse_describe(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* DESCRIBE / DESC */
  s->kind = SQL_S_DESCRIBE;
  sql_describe *d = &s->describe;
  sql_token *t = p_cur(p), *n = p_peek(p, 1);
  if (tok_is_kw(t, KW_QUERY) ||
      (!tok_is_kw(t, KW_TABLE) && (p_starts_query(p, p->i) || p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)))) {
    if (tok_is_kw(t, KW_QUERY)) p_advance(p);
    d->what = SQL_DESC_QUERY;
    return p_query(p, &d->query);
  }
  if ((tok_is_kw(t, KW_DETAIL) || tok_is_kw(t, KW_HISTORY)) && tok_is_ident(n)) {
    d->what = tok_is_kw(t, KW_DETAIL) ? SQL_DESC_DETAIL : SQL_DESC_HISTORY;
    p_advance(p);
    TRY(p_name(p, &d->target));
    if (d->what == SQL_DESC_HISTORY && p_accept_kw(p, KW_LIMIT)) TRY(p_expr(p, &d->limit));
    return LAGO_OK;
  }
  if ((tok_is_kw(t, KW_SCHEMA) || tok_is_kw(t, KW_DATABASE) || tok_is_kw(t, KW_CATALOG) || tok_is_kw(t, KW_VOLUME)) &&
      (tok_is_ident(n) || tok_is_kw(n, KW_EXTENDED))) {
    d->what = tok_is_kw(t, KW_CATALOG) ? SQL_DESC_CATALOG : tok_is_kw(t, KW_VOLUME) ? SQL_DESC_VOLUME : SQL_DESC_SCHEMA;
    p_advance(p);
    if (d->what != SQL_DESC_VOLUME && p_accept_kw(p, KW_EXTENDED)) d->extended = true;
    return p_name(p, &d->target);
  }
  d->what = SQL_DESC_TABLE;
  p_accept_kw(p, KW_TABLE);
  if (p_accept_kw(p, KW_EXTENDED) || p_accept_kw(p, KW_FORMATTED)) d->extended = true;
  TRY(p_name(p, &d->target));
  if (p_is_ident(p)) TRY(p_name(p, &d->column));
  return LAGO_OK;
}

static int parse_explain(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* EXPLAIN */
  s->kind = SQL_S_EXPLAIN;
  if (p_accept_kw(p, KW_EXTENDED)) s->explain.mode = SQL_EXPLAIN_EXTENDED;
  else if (p_accept_kw(p, KW_FORMATTED)) s->explain.mode = SQL_EXPLAIN_FORMATTED;
  else if (p_accept_kw(p, KW_CODEGEN)) s->explain.mode = SQL_EXPLAIN_CODEGEN;
  else if (p_accept_kw(p, KW_COST)) s->explain.mode = SQL_EXPLAIN_COST;
  if (tok_is_kw(p_cur(p), KW_EXPLAIN)) return p_error(p, "EXPLAIN cannot be nested");
  TRY(p_enter(p));
  TRY(parse_stmt_inner(p, &s->explain.stmt));
  p_leave(p);
  return LAGO_OK;
}

/* ---- DML ---------------------------------------------------------------------------------- */

static int parse_insert(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* INSERT */
  s->kind = SQL_S_INSERT;
  sql_insert *in = &s->insert;
  if (tok_is_kw(p_cur(p), KW_WITH)) {
    p_advance(p);
    TRY(p_expect_kw(p, KW_SCHEMA));
    TRY(p_expect_kw(p, KW_EVOLUTION));
    in->schema_evolution = true;
  }
  if (p_accept_kw(p, KW_OVERWRITE)) in->overwrite = true;
  else TRY(p_expect_kw(p, KW_INTO));
  p_accept_kw(p, KW_TABLE);
  TRY(p_name(p, &in->table));
  if (p_accept_kw(p, KW_PARTITION)) {
    uint32_t cap = 0;
    TRY(p_expect_op(p, P_LPAREN));
    do {
      sql_partition_value pv = {0};
      TRY(p_ident(p, &pv.col));
      if (p_accept_op(p, P_EQ)) TRY(p_value_expr(p, &pv.value));
      TRY(P_PUSH(p, &in->partition, &in->n_partition, &cap, &pv));
    } while (p_accept_op(p, P_COMMA));
    TRY(p_expect_op(p, P_RPAREN));
  }
  if (tok_is_op(p_cur(p), P_LPAREN) && !p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
    TRY(p_ident_list(p, &in->cols, &in->n_cols));
  } else if (tok_is_kw(p_cur(p), KW_BY) && tok_is_kw(p_peek(p, 1), KW_NAME)) {
    p_advance(p);
    p_advance(p);
    in->by_name = true;
  }
  if (tok_is_kw(p_cur(p), KW_REPLACE) && tok_is_kw(p_peek(p, 1), KW_WHERE)) {
    if (in->overwrite) return p_error(p, "REPLACE WHERE needs INSERT INTO, not INSERT OVERWRITE");
    p_advance(p);
    p_advance(p);
    TRY(p_expr(p, &in->replace_where));
  }
  if (!p_starts_query(p, p->i) && !p_query_paren(p, p->i, SQL_MAX_DEPTH - p->depth)) {
    p_expect_note(p, "SELECT");
    p_expect_note(p, "VALUES");
    p_expect_note(p, "WITH");
    p_expect_note(p, "'('");
    return p_error_expected(p);
  }
  return p_query(p, &in->query);
}

/* name [[AS] alias] for UPDATE / DELETE / MERGE targets */
static int target_table(sql_parser *p, sql_table_ref **out) {
  sql_table_ref *t = p_alloc(p, sizeof *t);
  if (!t) return LAGO_NOMEM;
  t->kind = SQL_T_NAME;
  t->pos = (int)p_cur(p)->pos;
  TRY(p_name(p, &t->name));
  TRY(p_table_alias(p, t, false));
  t->len = (int)(p->prev_end - (uint32_t)t->pos);
  *out = t;
  return LAGO_OK;
}

static int assignments(sql_parser *p, sql_assignment **out, uint32_t *n) {
  uint32_t cap = 0;
  do {
    sql_assignment a = {0};
    TRY(p_name(p, &a.col));
    TRY(p_expect_op(p, P_EQ));
    TRY(p_expr(p, &a.value));
    TRY(P_PUSH(p, out, n, &cap, &a));
  } while (p_accept_op(p, P_COMMA));
  return LAGO_OK;
}

static int parse_update(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* UPDATE */
  s->kind = SQL_S_UPDATE;
  TRY(target_table(p, &s->update.table));
  TRY(p_expect_kw(p, KW_SET));
  TRY(assignments(p, &s->update.sets, &s->update.n_sets));
  if (p_accept_kw(p, KW_WHERE)) TRY(p_expr(p, &s->update.where));
  return LAGO_OK;
}

static int parse_delete(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* DELETE */
  s->kind = SQL_S_DELETE;
  TRY(p_expect_kw(p, KW_FROM));
  TRY(target_table(p, &s->del.table));
  if (p_accept_kw(p, KW_WHERE)) TRY(p_expr(p, &s->del.where));
  return LAGO_OK;
}

static const char *match_name(sql_merge_match m) {
  return m == SQL_MERGE_MATCHED ? "WHEN MATCHED" : m == SQL_MERGE_NOT_MATCHED ? "WHEN NOT MATCHED" : "WHEN NOT MATCHED BY SOURCE";
}

static int merge_clause(sql_parser *p, sql_merge_clause *c) {
  c->pos = (int)p_cur(p)->pos;
  p_advance(p); /* WHEN */
  if (p_accept_kw(p, KW_NOT)) {
    TRY(p_expect_kw(p, KW_MATCHED));
    c->match = SQL_MERGE_NOT_MATCHED;
    if (p_accept_kw(p, KW_BY)) {
      if (p_accept_kw(p, KW_SOURCE)) c->match = SQL_MERGE_NOT_MATCHED_BY_SOURCE;
      else TRY(p_expect_kw(p, KW_TARGET));
    }
  } else {
    TRY(p_expect_kw(p, KW_MATCHED));
    c->match = SQL_MERGE_MATCHED;
  }
  if (p_accept_kw(p, KW_AND)) TRY(p_expr(p, &c->cond));
  TRY(p_expect_kw(p, KW_THEN));
  int apos = (int)p_cur(p)->pos;
  if (p_accept_kw(p, KW_UPDATE)) {
    if (c->match == SQL_MERGE_NOT_MATCHED)
      return p_error_at(p, apos, LAGO_PARSE, "%s clauses cannot UPDATE (only INSERT)", match_name(c->match));
    TRY(p_expect_kw(p, KW_SET));
    if (tok_is_op(p_cur(p), P_STAR)) {
      if (c->match == SQL_MERGE_NOT_MATCHED_BY_SOURCE)
        return p_error(p, "UPDATE SET * is not allowed in WHEN NOT MATCHED BY SOURCE (there is no source row): "
                          "list the target columns to set");
      p_advance(p);
      c->action = SQL_MERGE_UPDATE_STAR;
      return LAGO_OK;
    }
    c->action = SQL_MERGE_UPDATE;
    return assignments(p, &c->sets, &c->n_sets);
  }
  if (p_accept_kw(p, KW_DELETE)) {
    if (c->match == SQL_MERGE_NOT_MATCHED)
      return p_error_at(p, apos, LAGO_PARSE, "%s clauses cannot DELETE (only INSERT)", match_name(c->match));
    c->action = SQL_MERGE_DELETE;
    return LAGO_OK;
  }
  if (p_is_kw(p, KW_INSERT)) {
    if (c->match != SQL_MERGE_NOT_MATCHED)
      return p_error_at(p, apos, LAGO_PARSE, "%s clauses cannot INSERT (only UPDATE or DELETE); INSERT belongs in WHEN NOT MATCHED [BY TARGET]",
                        match_name(c->match));
    p_advance(p);
    if (p_accept_op(p, P_STAR)) {
      c->action = SQL_MERGE_INSERT_STAR;
      return LAGO_OK;
    }
    c->action = SQL_MERGE_INSERT;
    TRY(name_list(p, true, &c->insert_cols, &c->n_insert_cols));
    TRY(p_expect_kw(p, KW_VALUES));
    int vpos = (int)p_cur(p)->pos;
    TRY(p_expr_list_paren(p, &c->insert_values, &c->n_insert_values));
    if (c->n_insert_values != c->n_insert_cols)
      return p_error_at(p, vpos, LAGO_PARSE, "INSERT lists %u columns but %u values", c->n_insert_cols,
                        c->n_insert_values);
    return LAGO_OK;
  }
  return p_error_expected(p);
}

static int parse_merge(sql_parser *p, sql_stmt *s) {
  int pos = (int)p_cur(p)->pos;
  p_advance(p); /* MERGE */
  s->kind = SQL_S_MERGE;
  sql_merge *m = &s->merge;
  if (tok_is_kw(p_cur(p), KW_WITH)) {
    p_advance(p);
    TRY(p_expect_kw(p, KW_SCHEMA));
    TRY(p_expect_kw(p, KW_EVOLUTION));
    m->schema_evolution = true;
  }
  TRY(p_expect_kw(p, KW_INTO));
  TRY(target_table(p, &m->target));
  TRY(p_expect_kw(p, KW_USING));
  TRY(p_table_primary(p, true, &m->source));
  if (m->source->kind == SQL_T_JOIN) return p_error_at(p, m->source->pos, LAGO_PARSE, "MERGE USING needs one table or a (subquery)");
  TRY(p_expect_kw(p, KW_ON));
  TRY(p_expr(p, &m->on));
  uint32_t cap = 0;
  while (p_is_kw(p, KW_WHEN)) {
    sql_merge_clause c = {0};
    TRY(merge_clause(p, &c));
    TRY(P_PUSH(p, &m->clauses, &m->n_clauses, &cap, &c));
  }
  if (!m->n_clauses) return p_error(p, "MERGE needs at least one WHEN clause");
  /* Spark: only the last clause of each kind may omit its condition */
  for (uint32_t k = 0; k < m->n_clauses; k++) {
    if (m->clauses[k].cond) continue;
    for (uint32_t j = k + 1; j < m->n_clauses; j++) {
      if (m->clauses[j].match != m->clauses[k].match) continue;
      int l, c;
      sql_line_col(p->text, (uint32_t)m->clauses[j].pos, &l, &c);
      return p_error_at(p, m->clauses[k].pos, LAGO_PARSE,
                        "only the last %s clause may omit its condition (another one follows at line %d, column %d)",
                        match_name(m->clauses[k].match), l, c);
    }
  }
  (void)pos;
  return LAGO_OK;
}

/* ---- maintenance and loading --------------------------------------------------------------- */

/* table name or 'path' */
static int table_or_path(sql_parser *p, sql_name *name, const char **path) {
  if (p_cur(p)->kind == TK_STRING) return string_lit(p, path);
  return p_name(p, name);
}

static int parse_optimize(sql_parser *p, sql_stmt *s) {
  p_advance(p);
  s->kind = SQL_S_OPTIMIZE;
  sql_optimize *o = &s->optimize;
  TRY(table_or_path(p, &o->table, &o->path));
  if (p_accept_kw(p, KW_WHERE)) TRY(p_expr(p, &o->where));
  if (p_accept_kw(p, KW_ZORDER)) {
    TRY(p_expect_kw(p, KW_BY));
    TRY(name_list(p, false, &o->zorder_by, &o->n_zorder_by));
  }
  if (p_accept_kw(p, KW_FULL)) o->full = true;
  if (o->full && o->n_zorder_by) return p_error_at(p, s->pos, LAGO_PARSE, "OPTIMIZE FULL cannot be combined with ZORDER BY");
  return LAGO_OK;
}

static int parse_vacuum(sql_parser *p, sql_stmt *s) {
  p_advance(p);
  s->kind = SQL_S_VACUUM;
  sql_vacuum *v = &s->vacuum;
  TRY(table_or_path(p, &v->table, &v->path));
  for (;;) {
    if (p_is_kw(p, KW_RETAIN)) {
      if (v->retain_hours) return dup_clause(p, "RETAIN");
      p_advance(p);
      sql_token *t = p_cur(p);
      if (t->kind != TK_NUMBER) {
        p_expect_note(p, "number of hours");
        return p_error_expected(p);
      }
      TRY(p_literal_number(p, false, (int)t->pos, &v->retain_hours));
      TRY(p_expect_kw(p, KW_HOURS));
    } else if (p_is_kw(p, KW_DRY)) {
      if (v->dry_run) return dup_clause(p, "DRY RUN");
      p_advance(p);
      TRY(p_expect_kw(p, KW_RUN));
      v->dry_run = true;
    } else if (p_is_kw(p, KW_LITE) || p_is_kw(p, KW_FULL)) {
      if (v->mode) return dup_clause(p, "LITE/FULL");
      v->mode = tok_is_kw(p_cur(p), KW_LITE) ? SQL_VACUUM_LITE : SQL_VACUUM_FULL;
      p_advance(p);
    } else {
      break;
    }
  }
  return LAGO_OK;
}

static int restore_tt(sql_parser *p, sql_time_travel *tt) {
  if (p_accept_kw(p, KW_VERSION)) {
    tt->kind = SQL_TT_VERSION;
  } else if (p_accept_kw(p, KW_TIMESTAMP)) {
    tt->kind = SQL_TT_TIMESTAMP;
  } else {
    return p_error_expected(p);
  }
  TRY(p_expect_kw(p, KW_AS));
  TRY(p_expect_kw(p, KW_OF));
  if (tt->kind == SQL_TT_VERSION) {
    sql_token *t = p_cur(p);
    if (t->kind != TK_NUMBER) {
      p_expect_note(p, "version number");
      return p_error_expected(p);
    }
    TRY(p_literal_number(p, false, (int)t->pos, &tt->value));
    if (tt->value->lit.kind != SQL_LIT_INT && tt->value->lit.kind != SQL_LIT_BIGINT)
      return p_error_at(p, (int)t->pos, LAGO_PARSE, "VERSION AS OF needs a table version (an integer)");
    return LAGO_OK;
  }
  return p_value_expr(p, &tt->value);
}

static int parse_restore(sql_parser *p, sql_stmt *s) {
  p_advance(p);
  s->kind = SQL_S_RESTORE;
  p_accept_kw(p, KW_TABLE);
  TRY(p_name(p, &s->restore.table));
  p_accept_kw(p, KW_TO);
  return restore_tt(p, &s->restore.to);
}

static int parse_convert(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* CONVERT */
  TRY(p_expect_kw(p, KW_TO));
  TRY(p_expect_kw(p, KW_DELTA));
  s->kind = SQL_S_CONVERT;
  sql_convert *c = &s->convert;
  TRY(p_table_primary(p, false, &c->source));
  if (c->source->kind != SQL_T_NAME || c->source->stream || c->source->tt.kind)
    return p_error_at(p, c->source->pos, LAGO_PARSE, "CONVERT TO DELTA needs a table name or parquet.`path`");
  if (tok_is_kw(p_cur(p), KW_NO)) {
    p_advance(p);
    TRY(p_expect_kw(p, KW_STATISTICS));
    c->no_statistics = true;
  }
  if (p_accept_kw(p, KW_PARTITIONED)) {
    TRY(p_expect_kw(p, KW_BY));
    TRY(partition_cols(p, &c->partition_by, &c->n_partition_by, true));
  }
  return LAGO_OK;
}

static int parse_copy(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* COPY */
  TRY(p_expect_kw(p, KW_INTO));
  s->kind = SQL_S_COPY_INTO;
  sql_copy_into *c = &s->copy;
  TRY(p_name(p, &c->table));
  TRY(p_expect_kw(p, KW_FROM));
  if (p_accept_op(p, P_LPAREN)) {
    TRY(p_expect_kw(p, KW_SELECT));
    TRY(p_select_items(p, &c->select, &c->n_select));
    TRY(p_expect_kw(p, KW_FROM));
    TRY(string_lit(p, &c->from_path));
    TRY(p_expect_op(p, P_RPAREN));
  } else {
    TRY(string_lit(p, &c->from_path));
  }
  for (;;) {
    if (p_is_kw(p, KW_FILEFORMAT)) {
      if (c->file_format) return dup_clause(p, "FILEFORMAT");
      p_advance(p);
      TRY(p_expect_op(p, P_EQ));
      sql_token *t = p_cur(p);
      if (t->kind != TK_WORD) {
        p_expect_note(p, "file format (CSV, JSON, PARQUET, ...)");
        return p_error_expected(p);
      }
      char *f = arena_strndup(p->ar, p->text + t->pos, t->len);
      if (!f) return p_nomem(p);
      for (char *q = f; *q; q++) *q = (char)toupper((unsigned char)*q);
      c->file_format = f;
      p_advance(p);
    } else if (p_is_kw(p, KW_FILES)) {
      if (c->n_files) return dup_clause(p, "FILES");
      p_advance(p);
      TRY(p_expect_op(p, P_EQ));
      TRY(p_expect_op(p, P_LPAREN));
      uint32_t cap = 0;
      do {
        const char *f;
        TRY(string_lit(p, &f));
        TRY(P_PUSH(p, &c->files, &c->n_files, &cap, &f));
      } while (p_accept_op(p, P_COMMA));
      TRY(p_expect_op(p, P_RPAREN));
    } else if (p_is_kw(p, KW_PATTERN)) {
      if (c->pattern) return dup_clause(p, "PATTERN");
      p_advance(p);
      TRY(p_expect_op(p, P_EQ));
      TRY(string_lit(p, &c->pattern));
    } else if (p_is_kw(p, KW_FORMAT_OPTIONS)) {
      if (c->format_options.n_items) return dup_clause(p, "FORMAT_OPTIONS");
      p_advance(p);
      TRY(props(p, &c->format_options, true));
    } else if (p_is_kw(p, KW_COPY_OPTIONS)) {
      if (c->copy_options.n_items) return dup_clause(p, "COPY_OPTIONS");
      p_advance(p);
      TRY(props(p, &c->copy_options, true));
    } else {
      break;
    }
  }
  if (!c->file_format) {
    p_expect_note(p, "FILEFORMAT");
    return p_error_expected(p);
  }
  if (c->n_files && c->pattern) return p_error_at(p, s->pos, LAGO_PARSE, "COPY INTO takes FILES or PATTERN, not both");
  return LAGO_OK;
}

/* ---- session ----------------------------------------------------------------------------------- */

/* Raw text of tokens [from, to) trimmed, as an arena string. */
static const char *raw_text(sql_parser *p, uint32_t from, uint32_t to) {
  if (from >= to) return "";
  uint32_t a = p_at(p, from)->pos, b = p_at(p, to - 1)->pos + p_at(p, to - 1)->len;
  const char *s = arena_strndup(p->ar, p->text + a, b - a);
  if (!s) p_nomem(p);
  return s;
}

static bool stmt_end(const sql_token *t) { return t->kind == TK_EOF || tok_is_op(t, P_SEMI); }

static int parse_set(sql_parser *p, sql_stmt *s) {
  p_advance(p); /* SET */
  s->kind = SQL_S_SET;
  sql_set *st = &s->set;
  if (stmt_end(p_cur(p))) return LAGO_OK;
  if (tok_is_op(p_cur(p), P_MINUS) && tok_is_word(p, p_peek(p, 1), "v") && stmt_end(p_peek(p, 2))) {
    p_advance(p);
    p_advance(p);
    st->verbose = true;
    return LAGO_OK;
  }
  if (tok_is_kw(p_cur(p), KW_TIME) && tok_is_kw(p_peek(p, 1), KW_ZONE)) {
    p_advance(p);
    p_advance(p);
    st->key = "spark.sql.session.timeZone";
    st->time_zone = true;
    if (p_accept_kw(p, KW_LOCAL)) return LAGO_OK;
    if (p_cur(p)->kind == TK_STRING) return string_lit(p, &st->value);
    if (tok_is_kw(p_cur(p), KW_INTERVAL)) return unsupported(p, "SET TIME ZONE INTERVAL");
    p_expect_note(p, "LOCAL");
    p_expect_note(p, "string literal");
    return p_error_expected(p);
  }
  uint32_t start = p->i, eq = UINT32_MAX;
  while (!stmt_end(p_cur(p))) {
    if (eq == UINT32_MAX && tok_is_op(p_cur(p), P_EQ)) eq = p->i;
    p_advance(p);
  }
  uint32_t end = p->i;
  if (eq == UINT32_MAX) {
    st->key = raw_text(p, start, end);
  } else {
    if (eq == start) return p_error_at(p, (int)p_at(p, eq)->pos, LAGO_PARSE, "SET needs a key before '='");
    st->key = raw_text(p, start, eq);
    st->value = raw_text(p, eq + 1, end);
  }
  if (!st->key || (eq != UINT32_MAX && !st->value)) return LAGO_NOMEM;
  return LAGO_OK;
}

static int parse_reset(sql_parser *p, sql_stmt *s) {
  p_advance(p);
  s->kind = SQL_S_RESET;
  uint32_t start = p->i;
  while (!stmt_end(p_cur(p))) p_advance(p);
  if (p->i > start) {
    s->reset_key = raw_text(p, start, p->i);
    if (!s->reset_key) return LAGO_NOMEM;
  }
  return LAGO_OK;
}

static int parse_use(sql_parser *p, sql_stmt *s) {
  p_advance(p);
  s->kind = SQL_S_USE;
  sql_use *u = &s->use;
  u->kind = SQL_NS_SCHEMA;
  sql_token *n = p_peek(p, 1);
  bool kw_then_name = tok_is_ident(n);
  if (kw_then_name && p_skip_kw(p, KW_CATALOG)) {
    u->kind = SQL_NS_CATALOG;
    u->explicit_kind = true;
  } else if (kw_then_name && (p_skip_kw(p, KW_SCHEMA) || p_skip_kw(p, KW_DATABASE) || p_skip_kw(p, KW_NAMESPACE))) {
    u->explicit_kind = true;
  }
  return p_name(p, &u->name);
}

/* ---- dispatch -------------------------------------------------------------------------------------- */

static int parse_stmt_inner(sql_parser *p, sql_stmt **out) {
  sql_stmt *s = p_alloc(p, sizeof *s);
  if (!s) return LAGO_NOMEM;
  s->pos = (int)p_cur(p)->pos;
  *out = s;
  sql_token *t = p_cur(p);
  if (p_starts_query(p, p->i) || (tok_is_op(t, P_LPAREN))) {
    s->kind = SQL_S_QUERY;
    TRY(p_query(p, &s->query));
  } else if (t->kind != TK_WORD) {
    p_expect_note(p, "statement");
    return p_error_expected(p);
  } else {
    switch ((sql_kw)t->kw) {
      case KW_CREATE: TRY(parse_create(p, s)); break;
      case KW_DROP: TRY(parse_drop(p, s)); break;
      case KW_ALTER: TRY(parse_alter(p, s)); break;
      case KW_SHOW: TRY(parse_show(p, s)); break;
      case KW_DESCRIBE:
      case KW_DESC: TRY(parse_describe(p, s)); break;
      case KW_EXPLAIN: TRY(parse_explain(p, s)); break;
      case KW_INSERT: TRY(parse_insert(p, s)); break;
      case KW_UPDATE: TRY(parse_update(p, s)); break;
      case KW_DELETE: TRY(parse_delete(p, s)); break;
      case KW_MERGE: TRY(parse_merge(p, s)); break;
      case KW_OPTIMIZE: TRY(parse_optimize(p, s)); break;
      case KW_VACUUM: TRY(parse_vacuum(p, s)); break;
      case KW_RESTORE: TRY(parse_restore(p, s)); break;
      case KW_CONVERT: TRY(parse_convert(p, s)); break;
      case KW_COPY: TRY(parse_copy(p, s)); break;
      case KW_SET: TRY(parse_set(p, s)); break;
      case KW_RESET: TRY(parse_reset(p, s)); break;
      case KW_USE: TRY(parse_use(p, s)); break;
      case KW_FROM:
        return unsupported(p, "FROM-first queries (FROM t SELECT ...) are");
      case KW_TRUNCATE:
        p_advance(p);
        TRY(p_expect_kw(p, KW_TABLE));
        s->kind = SQL_S_TRUNCATE;
        TRY(p_name(p, &s->truncate));
        break;
      case KW_APPLY:
        if (tok_is_kw(p_peek(p, 1), KW_CHANGES)) {
          p_advance(p);
          p_advance(p);
          s->kind = SQL_S_APPLY_CHANGES;
          TRY(cdc_body(p, &s->cdc));
          break;
        }
        return p_error(p, "expected APPLY CHANGES INTO");
      case KW_CACHE:
      case KW_UNCACHE:
        return unsupported(p, "CACHE / UNCACHE TABLE (lago reads Delta tables directly and keeps no Spark cache)");
      case KW_GRANT:
        return unsupported(p, "GRANT (lago has no access control)");
      case KW_REFRESH:
        return unsupported(p, "REFRESH");
      default:
        if (tok_is_word(p, t, "REVOKE")) return unsupported(p, "REVOKE (lago has no access control)");
        if (tok_is_word(p, t, "ANALYZE")) return unsupported(p, "ANALYZE TABLE");
        if (tok_is_word(p, t, "MSCK") || tok_is_word(p, t, "FSCK")) return unsupported(p, "MSCK / FSCK REPAIR TABLE");
        if (tok_is_word(p, t, "LOAD")) return unsupported(p, "LOAD DATA");
        p_expect_note(p, "statement");
        return p_error_expected(p);
    }
  }
  s->len = (int)(p->prev_end - (uint32_t)s->pos);
  return LAGO_OK;
}

int p_stmt(sql_parser *p, sql_stmt **out) { return parse_stmt_inner(p, out); }
