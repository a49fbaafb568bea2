/*
** sql/bind_from.c: FROM items -> logical plans plus the names they make
** visible: catalog tables and views (with time travel), temporary views,
** CTEs, <format>.`path` tables, table functions (range, read_files,
** table_changes), derived tables and joins (ON, USING, NATURAL).
**
** USING/NATURAL joins follow Spark: the join columns come first, once
** (left's value, right's for RIGHT JOIN, coalesce(l, r) for FULL), then
** the other left columns, then the other right columns. The two original
** columns stay reachable qualified (t1.k, t2.k) but not by the bare name.
*/
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"

/* ---- names ------------------------------------------------------------------------- */

int sql_resolve_name(sql_ctx *q, const sql_name *name, sql_tname *out) {
  if (name->n_parts < 1 || name->n_parts > 3)
    return sql_err_at(q, LAGO_BIND, name->pos, "[REQUIRES_SINGLE_PART_NAMESPACE] a table name has 1 to 3 parts, got %u",
                      name->n_parts);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  const char *parts[3];
  uint32_t np = name->n_parts;
  parts[0] = np == 3 ? name->parts[0].name : q->s->cur_catalog;
  parts[1] = np >= 2 ? name->parts[np - 2].name : q->s->cur_schema;
  parts[2] = name->parts[np - 1].name;
  for (int i = 0; i < 3 && rc == LAGO_OK; i++) {
    if (i) rc = buf_putc(&b, '.');
    if (rc == LAGO_OK) rc = buf_putc(&b, '`');
    for (const char *p = parts[i]; *p && rc == LAGO_OK; p++) rc = buf_putc(&b, *p == '`' ? '?' : *p);
    if (rc == LAGO_OK) rc = buf_putc(&b, '`');
  }
  if (rc) {
    buf_deinit(&b);
    return LAGO_NOMEM_ERR(q->err);
  }
  lago_err tmp;
  lago_err_clear(&tmp);
  rc = catalog_parse_name(buf_cstr(&b), &out->n, &tmp);
  buf_deinit(&b);
  if (rc) return sql_err_at(q, rc, name->pos, "%s", tmp.msg);
  return LAGO_OK;
}

const char *sql_tname_text(sql_ctx *q, const sql_tname *t) {
  return arena_printf(q->ar, "%s.%s.%s", t->n.catalog, t->n.schema, t->n.name);
}

static void snap_unref(void *p) { delta_snapshot_unref(p); }
static void table_free(void *p) { delta_table_free(p); }

int sql_table_open_path(sql_ctx *q, const char *path, int pos, sql_table *out) {
  memset(out, 0, sizeof *out);
  out->root = arena_strdup(q->ar, path);
  out->label = out->root;
  out->kind = CATALOG_EXTERNAL;
  if (!out->root) return LAGO_NOMEM_ERR(q->err);
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_table_open(&q->s->h, out->root, &out->t, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  return sql_defer(q, table_free, out->t);
}

static const char *temp_view(sql_ctx *q, const char *name) {
  for (sql_kv *k = q->s->temp_views; k; k = k->next)
    if (sql_ident_eq(k->key, name)) return k->value;
  return NULL;
}

int sql_table_open(sql_ctx *q, const sql_name *name, int pos, sql_table *out, const char **view_sql) {
  memset(out, 0, sizeof *out);
  if (view_sql) *view_sql = NULL;
  if (name->n_parts == 1 && view_sql) {
    const char *tv = temp_view(q, name->parts[0].name);
    if (tv) {
      *view_sql = tv;
      return LAGO_OK;
    }
  }
  TRY(sql_resolve_name(q, name, &out->name));
  lago_err tmp;
  lago_err_clear(&tmp);
  const char *root = NULL;
  catalog_kind kind = 0;
  int rc = catalog_table_root(q->s->cat, &out->name.n, q->ar, &root, &kind, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  out->label = sql_tname_text(q, &out->name);
  if (!out->label) return LAGO_NOMEM_ERR(q->err);
  if (kind == CATALOG_VIEW) {
    if (!view_sql)
      return sql_err_at(q, LAGO_BIND, pos, "[EXPECT_TABLE_NOT_VIEW] `%s` is a view; a table is expected here", out->label);
    rc = catalog_view_sql(q->s->cat, &out->name.n, q->ar, view_sql, &tmp);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    out->kind = kind;
    return LAGO_OK;
  }
  if (kind == 0 || kind == CATALOG_VOLUME)
    return sql_err_at(q, LAGO_NOTFOUND, pos,
                      "[TABLE_OR_VIEW_NOT_FOUND] The table or view `%s`.`%s`.`%s` cannot be found. Verify the spelling "
                      "and correctness of the schema and catalog.",
                      out->name.n.catalog, out->name.n.schema, out->name.n.name);
  out->kind = kind;
  out->root = root;
  rc = delta_table_open(&q->s->h, root, &out->t, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  return sql_defer(q, table_free, out->t);
}

int sql_table_load(sql_ctx *q, sql_table *t, int64_t version, int64_t ts_ms, int pos) {
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc;
  if (version >= 0) rc = delta_snapshot_load(t->t, version, &t->snap, &tmp);
  else if (ts_ms != INT64_MIN) rc = delta_snapshot_load_at_time(t->t, ts_ms, &t->snap, &tmp);
  else rc = delta_snapshot_load(t->t, -1, &t->snap, &tmp);
  if (rc == LAGO_NOTFOUND && version < 0 && ts_ms == INT64_MIN)
    return sql_err_at(q, LAGO_NOTFOUND, pos, "[DELTA_TABLE_NOT_FOUND] `%s` is not a Delta table: %s", t->label, tmp.msg);
  if (rc) return sql_err_at(q, rc, pos, "%s: %s", t->label, tmp.msg);
  return sql_defer(q, snap_unref, t->snap);
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* Adds p's output columns to sc with qualifier qual (and column aliases). */
static int scope_from_plan(sql_ctx *q, lp **p, uint32_t n_visible, scope *sc, const char *const qual[3],
                           const sql_table_ref *t) {
  if (t && t->n_col_aliases) {
    if (t->n_col_aliases != n_visible)
      return sql_err_at(q, LAGO_BIND, t->pos,
                        "[ASSIGNMENT_ARITY_MISMATCH] Number of column aliases (%u) does not match number of columns (%u)",
                        t->n_col_aliases, n_visible);
    /* rename through a projection so the plan's names follow */
    lp *pr;
    uint32_t *ids = arena_alloc(q->ar, n_visible * sizeof *ids);
    if (!ids) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n_visible; i++) ids[i] = (*p)->out[i].id;
    TRY(lp_project_ids(q, *p, ids, n_visible, &pr));
    for (uint32_t i = 0; i < n_visible; i++) pr->out[i].name = t->col_aliases[i].name;
    *p = pr;
  }
  for (uint32_t i = 0; i < n_visible; i++) {
    const lp_col *c = &(*p)->out[i];
    bool hidden = c->name && !strcmp(c->name, "_metadata");
    TRY(scope_add(q, sc, c->id, c->type, c->name, qual, hidden));
  }
  return LAGO_OK;
}

/* Evaluates a constant expression (table-function arguments, time travel). */
static int const_value(sql_ctx *q, const sql_expr *e, expr **out) {
  bind_ectx b;
  memset(&b, 0, sizeof b);
  scope empty;
  memset(&empty, 0, sizeof empty);
  b.q = q;
  b.sc = &empty;
  b.clause = "this argument";
  expr *x;
  TRY(bind_expr(&b, e, &x));
  lago_err tmp;
  lago_err_clear(&tmp);
  eval_ctx ec = q->ec;
  ec.err = &tmp;
  int rc = expr_fold(q->ar, &ec, x, &x);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
  if (rc) return sql_err_at(q, rc, e->pos, "%s", tmp.msg);
  if (x->kind != EXPR_CONST) return sql_err_at(q, LAGO_BIND, e->pos, "a constant is expected here");
  *out = x;
  return LAGO_OK;
}

static int const_i64(sql_ctx *q, const sql_expr *e, const char *what, int64_t *v) {
  expr *x;
  TRY(const_value(q, e, &x));
  if (!type_is_integer(x->type) || !vec_is_valid(x->u.value, 0))
    return sql_err_at(q, LAGO_BIND, e->pos, "%s must be a non-null integer", what);
  if (x->type.id != LT_BIGINT) {
    lago_err tmp;
    lago_err_clear(&tmp);
    if (expr_cast(q->ar, x, type_make(LT_BIGINT), false, &x, &tmp)) return sql_err_at(q, LAGO_BIND, e->pos, "%s", tmp.msg);
    TRY(bind_fold(q, x, &x));
  }
  *v = VEC_DATA(x->u.value, int64_t)[0];
  return LAGO_OK;
}

static int const_str(sql_ctx *q, const sql_expr *e, const char *what, const char **s) {
  expr *x;
  TRY(const_value(q, e, &x));
  if (x->type.id != LT_STRING || !vec_is_valid(x->u.value, 0))
    return sql_err_at(q, LAGO_BIND, e->pos, "%s must be a string literal", what);
  const lago_str *v = &VEC_DATA(x->u.value, lago_str)[0];
  *s = arena_strndup(q->ar, str_data(v), v->len);
  return *s ? LAGO_OK : LAGO_NOMEM_ERR(q->err);
}

/* Timestamp (ms) of a constant: TIMESTAMP / DATE / STRING. */
static int const_ts_ms(sql_ctx *q, const sql_expr *e, int64_t *ms) {
  expr *x;
  TRY(const_value(q, e, &x));
  if (x->type.id != LT_TIMESTAMP) {
    lago_err tmp;
    lago_err_clear(&tmp);
    if (expr_cast(q->ar, x, type_make(LT_TIMESTAMP), false, &x, &tmp)) return sql_err_at(q, LAGO_BIND, e->pos, "%s", tmp.msg);
    eval_ctx ec = q->ec;
    ec.err = &tmp;
    int rc = expr_fold(q->ar, &ec, x, &x);
    if (rc) return sql_err_at(q, rc, e->pos, "%s", tmp.msg);
  }
  if (x->kind != EXPR_CONST || !vec_is_valid(x->u.value, 0))
    return sql_err_at(q, LAGO_BIND, e->pos, "a non-null timestamp is expected");
  int64_t us = VEC_DATA(x->u.value, int64_t)[0];
  *ms = us >= 0 ? us / 1000 : -((-us + 999) / 1000);
  return LAGO_OK;
}

/* ---- catalog tables ---------------------------------------------------------------------- */

static int bind_view(sql_ctx *q, const char *sql, const char *label, int pos, scope *outer_unused, cte_def *ctes,
                     lp **out, uint32_t *n_cols) {
  (void)outer_unused;
  (void)ctes;
  sql_stmt *st;
  const char *saved = q->text;
  q->text = sql;
  int rc = sql_parse(q->ar, sql, &st, q->err);
  if (rc == LAGO_OK && st->kind != SQL_S_QUERY) rc = LAGO_ERR(q->err, LAGO_CORRUPT, "view %s: stored text is not a query", label);
  bound_query bq;
  if (rc == LAGO_OK) rc = bind_query(q, st->query, NULL, NULL, &bq);
  q->text = saved;
  if (rc) {
    if (q->err->rc && !strstr(q->err->msg, "in view")) lago_err_prefix(q->err, "in view %s", label);
    q->err->pos = pos;
    return rc;
  }
  *out = bq.plan;
  *n_cols = bq.n_cols;
  return LAGO_OK;
}

static int bind_delta_snapshot(sql_ctx *q, sql_table *tb, const sql_table_ref *t, scope *sc, lp **out) {
  int64_t version = -1, ts = INT64_MIN;
  if (t->tt.kind == SQL_TT_VERSION) {
    TRY(const_i64(q, t->tt.value, "VERSION AS OF", &version));
    if (version < 0) return sql_err_at(q, LAGO_BIND, t->tt.value->pos, "VERSION AS OF must be >= 0");
  } else if (t->tt.kind == SQL_TT_TIMESTAMP) {
    TRY(const_ts_ms(q, t->tt.value, &ts));
  }
  TRY(sql_table_load(q, tb, version, ts, t->pos));
  exec_source *src;
  TRY(source_delta_new(q, tb->snap, tb->label, false, &src));
  lp *p;
  TRY(lp_get(q, src, tb->label, &p));
  const char *qual[3] = {NULL, NULL, NULL};
  if (t->alias.name) qual[2] = t->alias.name;
  else if (tb->name.n.name[0]) {
    qual[0] = arena_strdup(q->ar, tb->name.n.catalog);
    qual[1] = arena_strdup(q->ar, tb->name.n.schema);
    qual[2] = arena_strdup(q->ar, tb->name.n.name);
  }
  TRY(scope_from_plan(q, &p, p->n_out, sc, qual, t));
  *out = p;
  return LAGO_OK;
}

static bool ident_is(const char *s, const char *w) { return s && !strcasecmp(s, w); }

static int bind_name_ref(sql_ctx *q, const sql_table_ref *t, scope *sc, cte_def *ctes, lp **out) {
  if (t->stream) return sql_err_at(q, LAGO_UNSUPPORTED, t->pos, "STREAM reads are not supported in queries");
  if (t->sample) return sql_err_at(q, LAGO_UNSUPPORTED, t->pos, "TABLESAMPLE is not supported");
  const sql_name *nm = &t->name;
  if (t->format_path) {
    const char *fmt = nm->parts[0].name, *path = nm->parts[1].name;
    if (ident_is(fmt, "delta")) {
      sql_table tb;
      TRY(sql_table_open_path(q, path, t->pos, &tb));
      return bind_delta_snapshot(q, &tb, t, sc, out);
    }
    if (t->tt.kind != SQL_TT_NONE) return sql_err_at(q, LAGO_BIND, t->pos, "time travel needs a Delta table");
    file_opts o;
    memset(&o, 0, sizeof o);
    if (ident_is(fmt, "parquet")) o.format = FF_PARQUET;
    else if (ident_is(fmt, "csv")) o.format = FF_CSV;
    else if (ident_is(fmt, "json")) o.format = FF_JSON;
    else return sql_err_at(q, LAGO_UNSUPPORTED, t->pos, "reading %s files is not supported", fmt);
    const char **paths;
    uint32_t np;
    TRY(sql_glob(q, path, t->pos, &paths, &np));
    exec_source *src;
    TRY(source_files_new(q, paths, np, &o, t->pos, &src));
    lp *p;
    TRY(lp_get(q, src, path, &p));
    const char *qual[3] = {NULL, NULL, t->alias.name};
    TRY(scope_from_plan(q, &p, p->n_out, sc, qual, t));
    *out = p;
    return LAGO_OK;
  }
  /* CTE */
  if (nm->n_parts == 1) {
    for (cte_def *d = ctes; d; d = d->next) {
      if (!sql_ident_eq(d->cte->name.name, nm->parts[0].name)) continue;
      if (d->binding)
        return sql_err_at(q, LAGO_BIND, t->pos, "CTE `%s` refers to itself (WITH RECURSIVE is not supported)", nm->parts[0].name);
      if (t->tt.kind != SQL_TT_NONE) return sql_err_at(q, LAGO_BIND, t->pos, "time travel needs a Delta table");
      d->binding = true;
      bound_query bq;
      int rc = bind_query(q, d->cte->query, NULL, d->next, &bq);
      d->binding = false;
      TRY(rc);
      lp *p = bq.plan;
      if (d->cte->n_cols) {
        if (d->cte->n_cols != bq.n_cols)
          return sql_err_at(q, LAGO_BIND, d->cte->pos, "CTE `%s` has %u column names for %u columns", d->cte->name.name,
                            d->cte->n_cols, bq.n_cols);
        uint32_t *ids = arena_alloc(q->ar, bq.n_cols * sizeof *ids);
        if (!ids) return LAGO_NOMEM_ERR(q->err);
        for (uint32_t i = 0; i < bq.n_cols; i++) ids[i] = p->out[i].id;
        TRY(lp_project_ids(q, p, ids, bq.n_cols, &p));
        for (uint32_t i = 0; i < bq.n_cols; i++) p->out[i].name = d->cte->cols[i].name;
      }
      const char *qual[3] = {NULL, NULL, t->alias.name ? t->alias.name : d->cte->name.name};
      TRY(scope_from_plan(q, &p, bq.n_cols, sc, qual, t));
      *out = p;
      return LAGO_OK;
    }
  }
  /* a source registered by a layer above (sql_session_register) */
  if (nm->n_parts == 1) {
    const exec_source *rs = sql_registered(q->s, nm->parts[0].name);
    if (rs) {
      if (t->tt.kind != SQL_TT_NONE) return sql_err_at(q, LAGO_BIND, t->pos, "time travel needs a Delta table");
      lp *p;
      TRY(lp_get(q, rs, nm->parts[0].name, &p));
      const char *qual[3] = {NULL, NULL, t->alias.name ? t->alias.name : nm->parts[0].name};
      TRY(scope_from_plan(q, &p, p->n_out, sc, qual, t));
      *out = p;
      return LAGO_OK;
    }
  }
  sql_table tb;
  const char *view_sql = NULL;
  TRY(sql_table_open(q, nm, t->pos, &tb, &view_sql));
  if (view_sql) {
    if (t->tt.kind != SQL_TT_NONE) return sql_err_at(q, LAGO_BIND, t->pos, "time travel needs a Delta table, not a view");
    lp *p;
    uint32_t n = 0;
    const char *label = tb.label ? tb.label : nm->parts[nm->n_parts - 1].name;
    TRY(bind_view(q, view_sql, label, t->pos, NULL, ctes, &p, &n));
    const char *qual[3] = {NULL, NULL, t->alias.name ? t->alias.name : nm->parts[nm->n_parts - 1].name};
    if (!t->alias.name && tb.name.n.name[0]) {
      qual[0] = arena_strdup(q->ar, tb.name.n.catalog);
      qual[1] = arena_strdup(q->ar, tb.name.n.schema);
      qual[2] = arena_strdup(q->ar, tb.name.n.name);
    }
    TRY(scope_from_plan(q, &p, n, sc, qual, t));
    *out = p;
    return LAGO_OK;
  }
  return bind_delta_snapshot(q, &tb, t, sc, out);
}

/* ---- table functions ------------------------------------------------------------------------ */

static const char *lower_name(sql_ctx *q, const char *s) {
  char *d = arena_strdup(q->ar, s);
  if (d)
    for (char *p = d; *p; p++)
      if (*p >= 'A' && *p <= 'Z') *p = (char)(*p - 'A' + 'a');
  return d;
}

static int bind_read_files(sql_ctx *q, const sql_expr *fe, const char *fname, const sql_table_ref *t, lp **out) {
  const sql_func *f = &fe->func;
  if (f->n_args < 1 || f->args[0]->kind == SQL_E_NAMED_ARG)
    return sql_err_at(q, LAGO_BIND, fe->pos, "[REQUIRED_PARAMETER_NOT_FOUND] `%s` needs a path as its first argument", fname);
  const char *path;
  TRY(const_str(q, f->args[0], "the path", &path));
  file_opts o;
  memset(&o, 0, sizeof o);
  o.keys = arena_alloc(q->ar, f->n_args * sizeof *o.keys);
  o.values = arena_alloc(q->ar, f->n_args * sizeof *o.values);
  if (!o.keys || !o.values) return LAGO_NOMEM_ERR(q->err);
  const char *format = NULL, *name_glob = NULL;
  for (uint32_t i = 1; i < f->n_args; i++) {
    const sql_expr *a = f->args[i];
    if (a->kind != SQL_E_NAMED_ARG)
      return sql_err_at(q, LAGO_BIND, a->pos, "[UNEXPECTED_POSITIONAL_ARGUMENT] `%s` takes options as name => value", fname);
    expr *v;
    TRY(const_value(q, a->named_arg.value, &v));
    buf b;
    buf_init(&b);
    int rc = vec_is_valid(v->u.value, 0) ? cast_value_to_text(v->u.value, 0, &b) : buf_puts(&b, "");
    const char *txt = rc ? NULL : arena_strdup(q->ar, buf_cstr(&b));
    buf_deinit(&b);
    if (!txt) return LAGO_NOMEM_ERR(q->err);
    const char *key = a->named_arg.name.name;
    if (!strcasecmp(key, "format")) format = txt;
    else if (!strcasecmp(key, "schema")) o.schema = txt;
    else if (!strcasecmp(key, "pathGlobFilter") || !strcasecmp(key, "fileNamePattern")) name_glob = txt;
    else {
      o.keys[o.n] = key;
      o.values[o.n++] = txt;
    }
  }
  const char **paths;
  uint32_t np;
  TRY(sql_glob(q, path, f->args[0]->pos, &paths, &np));
  if (name_glob) {
    /* Spark's pathGlobFilter: keep the files whose name (last component) matches */
    uint32_t k = 0;
    for (uint32_t i = 0; i < np; i++) {
      const char *base = strrchr(paths[i], '/');
      if (fnmatch(name_glob, base ? base + 1 : paths[i], 0) == 0) paths[k++] = paths[i];
    }
    if (k == 0)
      return sql_err_at(q, LAGO_NOTFOUND, f->args[0]->pos, "[PATH_NOT_FOUND] No files in %s match pathGlobFilter '%s'",
                        path, name_glob);
    np = k;
  }
  if (!format) {
    /* from the first file's extension, as Databricks infers it */
    const char *base = strrchr(paths[0], '/');
    const char *dot = strrchr(base ? base : paths[0], '.');
    format = dot ? dot + 1 : "";
  }
  if (!strcasecmp(format, "parquet")) o.format = FF_PARQUET;
  else if (!strcasecmp(format, "csv")) o.format = FF_CSV;
  else if (!strcasecmp(format, "json") || !strcasecmp(format, "jsonl")) o.format = FF_JSON;
  else
    return sql_err_at(q, LAGO_BIND, fe->pos, "read_files: cannot tell the format of '%s'; give format => 'parquet'|'csv'|'json'",
                      path);
  exec_source *src;
  TRY(source_files_new(q, paths, np, &o, fe->pos, &src));
  (void)t;
  return lp_get(q, src, path, out);
}

static int bind_table_changes(sql_ctx *q, const sql_expr *fe, lp **out) {
  const sql_func *f = &fe->func;
  if (f->n_args < 2 || f->n_args > 3)
    return sql_err_at(q, LAGO_BIND, fe->pos, "[WRONG_NUM_ARGS] `table_changes` requires 2 or 3 arguments");
  const char *tname;
  TRY(const_str(q, f->args[0], "the table name", &tname));
  sql_ctx *qq = q;
  /* parse the name text as a table reference */
  sql_stmt *st;
  char *sqlt = arena_printf(q->ar, "SELECT * FROM %s", tname);
  if (!sqlt) return LAGO_NOMEM_ERR(q->err);
  lago_err tmp;
  lago_err_clear(&tmp);
  if (sql_parse(q->ar, sqlt, &st, &tmp) || st->query->kind != SQL_Q_SELECT || st->query->select.n_from != 1 ||
      st->query->select.from[0]->kind != SQL_T_NAME)
    return sql_err_at(q, LAGO_BIND, f->args[0]->pos, "table_changes: '%s' is not a table name", tname);
  sql_table tb;
  const sql_table_ref *tr = st->query->select.from[0];
  const char *saved = q->text;
  q->text = sqlt;
  int rc = tr->format_path ? (ident_is(tr->name.parts[0].name, "delta")
                                  ? sql_table_open_path(q, tr->name.parts[1].name, -1, &tb)
                                  : sql_err_at(q, LAGO_BIND, -1, "table_changes needs a Delta table"))
                           : sql_table_open(q, &tr->name, -1, &tb, NULL);
  q->text = saved;
  if (rc) {
    q->err->pos = f->args[0]->pos;
    return rc;
  }
  int64_t ver[2] = {0, -1};
  for (uint32_t i = 1; i < f->n_args; i++) {
    expr *v;
    TRY(const_value(qq, f->args[i], &v));
    if (type_is_integer(v->type)) {
      TRY(const_i64(q, f->args[i], "the version", &ver[i - 1]));
    } else {
      int64_t ms;
      TRY(const_ts_ms(q, f->args[i], &ms));
      delta_snapshot *s;
      lago_err e2;
      lago_err_clear(&e2);
      rc = delta_snapshot_load_at_time(tb.t, ms, &s, &e2);
      if (rc == LAGO_NOTFOUND && i == 1) {
        ver[0] = 0;
        continue;
      }
      if (rc) return sql_err_at(q, rc, f->args[i]->pos, "%s", e2.msg);
      int64_t v2 = delta_snapshot_version(s);
      bool exact = delta_snapshot_timestamp(s) == ms;
      delta_snapshot_unref(s);
      ver[i - 1] = i == 1 && !exact ? v2 + 1 : v2;
    }
  }
  exec_source *src;
  TRY(source_cdf_new(q, tb.t, ver[0], ver[1], tb.label, fe->pos, &src));
  return lp_get(q, src, tb.label, out);
}

static int bind_func_ref(sql_ctx *q, const sql_table_ref *t, scope *sc, lp **out) {
  const sql_expr *fe = t->func;
  const sql_func *f = &fe->func;
  if (t->stream) return sql_err_at(q, LAGO_UNSUPPORTED, t->pos, "STREAM reads are not supported in queries");
  const char *name = lower_name(q, f->name.parts[f->name.n_parts - 1].name);
  if (!name) return LAGO_NOMEM_ERR(q->err);
  lp *p;
  if (!strcmp(name, "range")) {
    if (f->n_args < 1 || f->n_args > 4)
      return sql_err_at(q, LAGO_BIND, fe->pos, "[WRONG_NUM_ARGS] `range` requires 1 to 3 arguments");
    int64_t a[3] = {0, 0, 1};
    if (f->n_args == 1) TRY(const_i64(q, f->args[0], "range end", &a[1]));
    else
      for (uint32_t i = 0; i < f->n_args && i < 3; i++) TRY(const_i64(q, f->args[i], "range argument", &a[i]));
    if (a[2] == 0) return sql_err_at(q, LAGO_BIND, fe->pos, "range: the step must not be 0");
    exec_source *src;
    TRY(source_range_new(q, a[0], a[1], a[2], &src));
    TRY(lp_get(q, src, "range", &p));
  } else if (!strcmp(name, "read_files")) {
    TRY(bind_read_files(q, fe, name, t, &p));
  } else if (!strcmp(name, "table_changes")) {
    TRY(bind_table_changes(q, fe, &p));
  } else {
    return sql_err_at(q, LAGO_BIND, fe->pos, "[UNRESOLVABLE_TABLE_VALUED_FUNCTION] Could not resolve `%s` to a table-valued function",
                      name);
  }
  const char *qual[3] = {NULL, NULL, t->alias.name};
  TRY(scope_from_plan(q, &p, p->n_out, sc, qual, t));
  *out = p;
  return LAGO_OK;
}

/* ---- joins -------------------------------------------------------------------------------- */

static join_type join_kind(sql_join_kind k) {
  switch (k) {
    case SQL_JOIN_LEFT: return JOIN_LEFT;
    case SQL_JOIN_RIGHT: return JOIN_RIGHT;
    case SQL_JOIN_FULL: return JOIN_FULL;
    case SQL_JOIN_SEMI: return JOIN_SEMI;
    case SQL_JOIN_ANTI: return JOIN_ANTI;
    case SQL_JOIN_CROSS: return JOIN_INNER;
    default: return JOIN_INNER;
  }
}

/* The unique unqualified column `name` of sc (NULL: none or ambiguous, *amb set). */
static const scope_col *unique_col(const scope *sc, const char *name, bool *amb) {
  const scope_col *hit = NULL;
  *amb = false;
  for (uint32_t i = 0; i < sc->n; i++) {
    const scope_col *c = &sc->cols[i];
    if (c->qual_only || c->hidden || !sql_ident_eq(c->name, name)) continue;
    if (hit && hit->id != c->id) *amb = true;
    hit = c;
  }
  return *amb ? NULL : hit;
}

static int bind_join(sql_ctx *q, const sql_table_ref *t, scope *sc, cte_def *ctes, lp **out) {
  scope ls, rs;
  memset(&ls, 0, sizeof ls);
  memset(&rs, 0, sizeof rs);
  ls.outer = rs.outer = sc->outer;
  lp *l, *r;
  TRY(bind_table_ref(q, t->left, &ls, ctes, &l));
  TRY(bind_table_ref(q, t->right, &rs, ctes, &r));
  join_type jt = join_kind(t->join);
  /* USING / NATURAL: the list of shared names */
  const char **using_names = NULL;
  uint32_t n_using = 0, cap = 0;
  if (t->n_using) {
    for (uint32_t i = 0; i < t->n_using; i++)
      TRY(sql_push_ptr(q, (void ***)&using_names, &n_using, &cap, (void *)t->using_cols[i].name));
  } else if (t->natural) {
    for (uint32_t i = 0; i < ls.n; i++) {
      const scope_col *c = &ls.cols[i];
      if (c->qual_only || c->hidden) continue;
      bool amb, seen = false;
      for (uint32_t k = 0; k < n_using; k++) seen |= sql_ident_eq(using_names[k], c->name);
      if (!seen && unique_col(&rs, c->name, &amb))
        TRY(sql_push_ptr(q, (void ***)&using_names, &n_using, &cap, (void *)c->name));
    }
  }
  expr *cond = NULL;
  lp *j;
  if (t->n_using || t->natural) {
    expr **eqs = arena_alloc(q->ar, (n_using ? n_using : 1) * sizeof *eqs);
    const scope_col **lc = arena_alloc(q->ar, (n_using ? n_using : 1) * sizeof *lc);
    const scope_col **rc2 = arena_alloc(q->ar, (n_using ? n_using : 1) * sizeof *rc2);
    if (!eqs || !lc || !rc2) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n_using; i++) {
      bool amb;
      lc[i] = unique_col(&ls, using_names[i], &amb);
      if (!lc[i])
        return sql_err_at(q, LAGO_BIND, t->pos, amb ? "[AMBIGUOUS_REFERENCE] USING column `%s` is ambiguous on the left side"
                                                    : "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `%s` cannot be resolved on the left side of the join",
                          using_names[i]);
      rc2[i] = unique_col(&rs, using_names[i], &amb);
      if (!rc2[i])
        return sql_err_at(q, LAGO_BIND, t->pos, amb ? "[AMBIGUOUS_REFERENCE] USING column `%s` is ambiguous on the right side"
                                                    : "[UNRESOLVED_USING_COLUMN_FOR_JOIN] USING column `%s` cannot be resolved on the right side of the join",
                          using_names[i]);
      expr *a[2] = {expr_column(q->ar, lc[i]->id, lc[i]->type, lc[i]->name),
                    expr_column(q->ar, rc2[i]->id, rc2[i]->type, rc2[i]->name)};
      if (!a[0] || !a[1]) return LAGO_NOMEM_ERR(q->err);
      lago_err tmp;
      lago_err_clear(&tmp);
      if (expr_call(q->ar, "=", a, 2, &eqs[i], &tmp)) return sql_err_at(q, LAGO_BIND, t->pos, "%s", tmp.msg);
    }
    TRY(lpx_and(q, eqs, n_using, &cond));
    TRY(lp_join(q, jt, l, r, cond, &j));
    /* merged columns */
    expr **merged = arena_alloc(q->ar, (n_using ? n_using : 1) * sizeof *merged);
    if (!merged) return LAGO_NOMEM_ERR(q->err);
    bool need_proj = jt == JOIN_FULL;
    for (uint32_t i = 0; i < n_using; i++) {
      const scope_col *src = jt == JOIN_RIGHT ? rc2[i] : lc[i];
      merged[i] = expr_column(q->ar, src->id, src->type, src->name);
      if (!merged[i]) return LAGO_NOMEM_ERR(q->err);
      if (jt == JOIN_FULL) {
        lago_type ct;
        if (!func_common_type(lc[i]->type, rc2[i]->type, &ct)) ct = lc[i]->type;
        expr *a[2] = {expr_column(q->ar, lc[i]->id, lc[i]->type, lc[i]->name),
                      expr_column(q->ar, rc2[i]->id, rc2[i]->type, rc2[i]->name)};
        if (!a[0] || !a[1]) return LAGO_NOMEM_ERR(q->err);
        TRY(expr_coalesce(q->ar, a, 2, &merged[i], q->err));
        merged[i]->name = lc[i]->name;
      }
    }
    if (need_proj) {
      /* join output ++ coalesced keys */
      uint32_t n = j->n_out + n_using;
      expr **es = arena_alloc(q->ar, n * sizeof *es);
      const char **ns = arena_alloc(q->ar, n * sizeof *ns);
      if (!es || !ns) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < j->n_out; i++) {
        es[i] = lp_colref(q, j, i);
        ns[i] = j->out[i].name;
      }
      for (uint32_t i = 0; i < n_using; i++) {
        es[j->n_out + i] = merged[i];
        ns[j->n_out + i] = using_names[i];
      }
      lp *pj;
      TRY(lp_project(q, j, es, ns, n, &pj));
      /* keep the join's ids for the pass-through columns */
      for (uint32_t i = 0; i < j->n_out; i++) pj->out[i].id = j->out[i].id;
      for (uint32_t i = 0; i < n_using; i++) {
        merged[i] = expr_column(q->ar, pj->out[j->n_out + i].id, pj->out[j->n_out + i].type, using_names[i]);
        if (!merged[i]) return LAGO_NOMEM_ERR(q->err);
      }
      j = pj;
    }
    for (uint32_t i = 0; i < n_using; i++) TRY(scope_add(q, sc, merged[i]->u.col, merged[i]->type, using_names[i], NULL, false));
    for (uint32_t i = 0; i < ls.n; i++) {
      TRY(scope_add(q, sc, ls.cols[i].id, ls.cols[i].type, ls.cols[i].name, ls.cols[i].qual, ls.cols[i].hidden));
      bool is_key = false;
      for (uint32_t k = 0; k < n_using; k++) is_key |= ls.cols[i].id == lc[k]->id;
      sc->cols[sc->n - 1].qual_only = ls.cols[i].qual_only || is_key;
    }
    if (jt != JOIN_SEMI && jt != JOIN_ANTI)
      for (uint32_t i = 0; i < rs.n; i++) {
        TRY(scope_add(q, sc, rs.cols[i].id, rs.cols[i].type, rs.cols[i].name, rs.cols[i].qual, rs.cols[i].hidden));
        bool is_key = false;
        for (uint32_t k = 0; k < n_using; k++) is_key |= rs.cols[i].id == rc2[k]->id;
        sc->cols[sc->n - 1].qual_only = rs.cols[i].qual_only || is_key;
      }
    *out = j;
    return LAGO_OK;
  }
  /* ON */
  scope both;
  memset(&both, 0, sizeof both);
  both.outer = sc->outer;
  TRY(scope_append(q, &both, &ls));
  TRY(scope_append(q, &both, &rs));
  if (t->on) {
    bind_ectx b;
    memset(&b, 0, sizeof b);
    b.q = q;
    b.sc = &both;
    b.ctes = ctes;
    b.clause = "the join condition";
    TRY(bind_bool(&b, t->on, &cond));
    TRY(bind_fold(q, cond, &cond));
  } else if (jt != JOIN_INNER) {
    if (t->join != SQL_JOIN_CROSS)
      return sql_err_at(q, LAGO_BIND, t->pos, "this join needs an ON or USING condition");
  }
  TRY(lp_join(q, jt, l, r, cond, &j));
  TRY(scope_append(q, sc, jt == JOIN_SEMI || jt == JOIN_ANTI ? &ls : &both));
  *out = j;
  return LAGO_OK;
}

/* ---- entry ------------------------------------------------------------------------------ */

int bind_table_ref(sql_ctx *q, const sql_table_ref *t, scope *sc, cte_def *ctes, lp **out) {
  switch (t->kind) {
    case SQL_T_NAME: return bind_name_ref(q, t, sc, ctes, out);
    case SQL_T_FUNC: return bind_func_ref(q, t, sc, out);
    case SQL_T_SUBQUERY: {
      if (t->sample) return sql_err_at(q, LAGO_UNSUPPORTED, t->pos, "TABLESAMPLE is not supported");
      bound_query bq;
      TRY(bind_query(q, t->query, t->lateral ? sc->outer : NULL, ctes, &bq));
      lp *p = bq.plan;
      const char *qual[3] = {NULL, NULL, t->alias.name};
      TRY(scope_from_plan(q, &p, bq.n_cols, sc, qual, t));
      *out = p;
      return LAGO_OK;
    }
    case SQL_T_JOIN: {
      TRY(bind_join(q, t, sc, ctes, out));
      if (t->alias.name) {
        /* (a JOIN b) AS x: requalify everything under x */
        for (uint32_t i = 0; i < sc->n; i++) {
          sc->cols[i].qual[0] = sc->cols[i].qual[1] = NULL;
          sc->cols[i].qual[2] = t->alias.name;
        }
      }
      return LAGO_OK;
    }
  }
  return sql_err_at(q, LAGO_INTERNAL, t->pos, "unknown table reference kind");
}
