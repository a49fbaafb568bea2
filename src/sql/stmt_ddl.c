/*
** sql/stmt_ddl.c: CREATE CATALOG/SCHEMA, CREATE [OR REPLACE] TABLE [IF NOT
** EXISTS] (columns or AS query), CREATE [OR REPLACE] [TEMP] VIEW, CREATE
** VOLUME, DROP, ALTER TABLE (ADD COLUMNS, RENAME TO, RENAME COLUMN, SET /
** UNSET TBLPROPERTIES) and USE.
**
** Tables are Delta tables: managed ones live in the warehouse
** (<catalog>/<schema>/<table>), LOCATION makes an external table registered
** in the catalog. Tables lago creates get delta.enableDeletionVectors=true
** unless TBLPROPERTIES say otherwise (as Databricks does), so UPDATE, DELETE
** and MERGE can mark rows deleted instead of rewriting files.
** CREATE OR REPLACE on an existing Delta table commits a new version that
** replaces the schema and removes every file (history is kept, as Delta
** does). A table COMMENT is stored as the table property `comment` and
** column comments as the field metadata `comment`.
** Views store their query text in the catalog; TEMP views live in the
** session. The query is bound when the view is created (errors then) and
** again at every use.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"
#include "util/alloc.h"
#include "util/json.h"

/* ---- helpers -------------------------------------------------------------------------- */

static const char *ws_path(sql_ctx *q, const char *cat, const char *schema) {
  const char *w = catalog_warehouse(q->s->cat);
  if (!schema) return arena_printf(q->ar, "%s/%s", w, cat);
  return arena_printf(q->ar, "%s/%s/%s", w, cat, schema);
}

static int dir_exists(sql_ctx *q, const char *path, bool *out) {
  fs_stat st;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_stat_path(q->s->fs, path, &st, &tmp);
  if (rc == LAGO_NOTFOUND) {
    *out = false;
    return LAGO_OK;
  }
  if (rc) return LAGO_ERR(q->err, rc, "%s", tmp.msg);
  *out = st.is_dir;
  return LAGO_OK;
}

/* The catalog must exist ("main" always does). */
static int check_catalog(sql_ctx *q, const char *cat, int pos) {
  if (!strcmp(cat, "main")) return LAGO_OK;
  const char *p = ws_path(q, cat, NULL);
  bool ex;
  if (!p) return LAGO_NOMEM_ERR(q->err);
  TRY(dir_exists(q, p, &ex));
  if (!ex) return sql_err_at(q, LAGO_NOTFOUND, pos, "[CATALOG_NOT_FOUND] The catalog `%s` cannot be found", cat);
  return LAGO_OK;
}

/* The schema must exist ("default" always does in an existing catalog). */
static int check_schema(sql_ctx *q, const char *cat, const char *schema, int pos) {
  TRY(check_catalog(q, cat, pos));
  if (!strcmp(schema, "default")) return LAGO_OK;
  const char *p = ws_path(q, cat, schema);
  bool ex;
  if (!p) return LAGO_NOMEM_ERR(q->err);
  TRY(dir_exists(q, p, &ex));
  if (!ex)
    return sql_err_at(q, LAGO_NOTFOUND, pos, "[SCHEMA_NOT_FOUND] The schema `%s`.`%s` cannot be found", cat, schema);
  return LAGO_OK;
}

static int exists_err(sql_ctx *q, const sql_tname *t, int pos, const char *what) {
  return sql_err_at(q, LAGO_EXISTS, pos, "[%s_ALREADY_EXISTS] Cannot create %s `%s`.`%s`.`%s` because it already exists",
                    !strcmp(what, "view") ? "TABLE_OR_VIEW" : "TABLE_OR_VIEW", what, t->n.catalog, t->n.schema, t->n.name);
}

static const char *json_text(sql_ctx *q, const char *key, const char *value) {
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_w_key(&w, key);
  json_w_str(&w, value);
  json_w_end_obj(&w);
  const char *r = json_w_finish(&w) ? NULL : arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

/* Table properties of a CREATE, with lago's defaults. */
static int props_map(sql_ctx *q, const sql_props *p, const char *comment, delta_map *out) {
  uint32_t n = p->n_items + 2;
  delta_kv *kv = arena_alloc(q->ar, n * sizeof *kv);
  if (!kv) return LAGO_NOMEM_ERR(q->err);
  uint32_t k = 0;
  bool dv = false;
  for (uint32_t i = 0; i < p->n_items; i++) {
    if (!p->items[i].value)
      return sql_err_at(q, LAGO_BIND, p->items[i].pos, "table property '%s' needs a value", p->items[i].key);
    kv[k].key = p->items[i].key;
    kv[k].value = p->items[i].value;
    if (!strcasecmp(kv[k].key, "delta.enableDeletionVectors")) {
      kv[k].key = "delta.enableDeletionVectors";
      dv = true;
    }
    k++;
  }
  if (!dv) kv[k++] = (delta_kv){"delta.enableDeletionVectors", "true"};
  if (comment) kv[k++] = (delta_kv){"comment", comment};
  out->kv = kv;
  out->n = k;
  return LAGO_OK;
}

/* Schema from column definitions (plus Hive-style typed partition columns). */
static int cols_schema(sql_ctx *q, const sql_create_table *ct, lago_type *out) {
  uint32_t n = ct->n_cols;
  for (uint32_t i = 0; i < ct->n_partition_by; i++)
    if (ct->partition_by[i].has_type) n++;
  type_field *fs = arena_zalloc(q->ar, (n ? n : 1) * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(q->err);
  uint32_t k = 0;
  for (uint32_t i = 0; i < ct->n_cols; i++) {
    const sql_column_def *c = &ct->cols[i];
    if (c->name.n_parts != 1) return sql_err_at(q, LAGO_BIND, c->pos, "nested column names are not allowed here");
    if (!c->has_type) return sql_err_at(q, LAGO_BIND, c->pos, "column `%s` needs a type", c->name.parts[0].name);
    if (c->generated || c->identity != SQL_IDENTITY_NONE || c->default_value)
      return sql_err_at(q, LAGO_UNSUPPORTED, c->pos,
                        "generated, identity and default columns are not supported (column `%s`)", c->name.parts[0].name);
    for (uint32_t j = 0; j < k; j++)
      if (sql_ident_eq(fs[j].name, c->name.parts[0].name))
        return sql_err_at(q, LAGO_BIND, c->pos, "[COLUMN_ALREADY_EXISTS] The column `%s` already exists",
                          c->name.parts[0].name);
    fs[k].name = c->name.parts[0].name;
    fs[k].type = c->type;
    fs[k].nullable = !c->not_null;
    if (c->comment && !(fs[k].metadata = json_text(q, "comment", c->comment))) return LAGO_NOMEM_ERR(q->err);
    k++;
  }
  for (uint32_t i = 0; i < ct->n_partition_by; i++) {
    const sql_partition_col *pc = &ct->partition_by[i];
    if (!pc->has_type) continue;
    fs[k].name = pc->name.name;
    fs[k].type = pc->type;
    fs[k].nullable = true;
    k++;
  }
  return type_struct_fields(q->ar, k, fs, out) ? LAGO_NOMEM_ERR(q->err) : LAGO_OK;
}

static int part_cols(sql_ctx *q, const sql_create_table *ct, lago_type schema, const char ***out) {
  const char **pc = arena_alloc(q->ar, (ct->n_partition_by ? ct->n_partition_by : 1) * sizeof *pc);
  if (!pc) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < ct->n_partition_by; i++) {
    int f = type_field_index(schema, ct->partition_by[i].name.name);
    if (f < 0)
      return sql_err_at(q, LAGO_BIND, ct->partition_by[i].name.pos,
                        "[DELTA_COLUMN_NOT_FOUND] partition column `%s` is not a column of the table",
                        ct->partition_by[i].name.name);
    pc[i] = type_field_at(schema, (uint32_t)f)->name;
  }
  *out = pc;
  return LAGO_OK;
}

static int begin_txn(sql_ctx *q, delta_table *t, delta_snapshot *s, const char *op, const char *params, int pos,
                     delta_txn **out) {
  delta_txn_opts o;
  memset(&o, 0, sizeof o);
  o.operation = op;
  o.operation_params = params;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_txn_begin(t, s, &o, out, &tmp);
  return rc ? sql_err_at(q, rc, pos, "%s", tmp.msg) : LAGO_OK;
}

static int txn_call(sql_ctx *q, int rc, const lago_err *tmp, int pos) {
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
  return rc ? sql_err_at(q, rc, pos, "%s", tmp->msg) : LAGO_OK;
}

/* ---- CREATE TABLE ---------------------------------------------------------------------- */

static int create_table(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_create_table *ct = &st->create_table;
  if (ct->kind != SQL_TBL_PLAIN || ct->or_refresh)
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "streaming tables and materialized views are pipeline features");
  if (ct->clone != SQL_CLONE_NONE) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "CLONE is not supported");
  if (ct->temporary) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "temporary tables are not supported");
  if (ct->n_constraints) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "CHECK constraints are not supported");
  if (ct->cluster != SQL_CLUSTER_NONE_GIVEN && ct->cluster != SQL_CLUSTER_NONE)
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "CLUSTER BY is not supported");
  if (ct->using_format && strcasecmp(ct->using_format, "delta"))
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "USING %s: lago creates Delta tables only", ct->using_format);
  sql_tname tn;
  TRY(sql_resolve_name(q, &ct->name, &tn));
  TRY(check_schema(q, tn.n.catalog, tn.n.schema, ct->name.pos));
  lago_err tmp;
  lago_err_clear(&tmp);
  const char *root = NULL;
  catalog_kind kind = 0;
  int rc = catalog_table_root(q->s->cat, &tn.n, q->ar, &root, &kind, &tmp);
  if (rc) return sql_err_at(q, rc, ct->name.pos, "%s", tmp.msg);
  if (kind == CATALOG_VIEW) {
    if (ct->if_not_exists) return LAGO_OK;
    return exists_err(q, &tn, ct->name.pos, "table");
  }
  bool exists_in_catalog = kind != 0;
  if (ct->location) {
    if (exists_in_catalog && kind == CATALOG_EXTERNAL && strcmp(root, ct->location) && !ct->or_replace) {
      if (ct->if_not_exists) return LAGO_OK;
      return exists_err(q, &tn, ct->name.pos, "table");
    }
    if (exists_in_catalog && kind == CATALOG_MANAGED) {
      if (ct->if_not_exists) return LAGO_OK;
      return exists_err(q, &tn, ct->name.pos, "table");
    }
    root = ct->location;
  }
  delta_table *t;
  rc = delta_table_open(&q->s->h, root, &t, &tmp);
  if (rc) return sql_err_at(q, rc, ct->name.pos, "%s", tmp.msg);
  delta_snapshot *snap = NULL;
  bool is_delta = false;
  rc = delta_table_exists(t, &is_delta, &tmp);
  if (rc == LAGO_OK && is_delta) rc = delta_snapshot_load(t, -1, &snap, &tmp);
  if (rc) {
    delta_table_free(t);
    return sql_err_at(q, rc, ct->name.pos, "%s", tmp.msg);
  }
  /* an existing Delta table */
  if (is_delta && exists_in_catalog && !ct->or_replace) {
    delta_snapshot_unref(snap);
    delta_table_free(t);
    if (ct->if_not_exists) return LAGO_OK;
    return exists_err(q, &tn, ct->name.pos, "table");
  }
  if (is_delta && ct->location && !exists_in_catalog && !ct->or_replace && !ct->as_query) {
    /* CREATE TABLE t [(..)] LOCATION 'existing delta table': register it */
    delta_snapshot_unref(snap);
    delta_table_free(t);
    rc = catalog_register_external(q->s->cat, &tn.n, ct->location, &tmp);
    return rc ? sql_err_at(q, rc, st->pos, "%s", tmp.msg) : LAGO_OK;
  }
  if (!is_delta && !ct->as_query && ct->n_cols == 0) {
    delta_table_free(t);
    return sql_err_at(q, LAGO_BIND, st->pos,
                      "[DELTA_SCHEMA_NOT_SET] Table schema is not set: give columns or AS query");
  }
  /* schema and the rows to write */
  lago_type schema;
  plan *rows = NULL;
  if (ct->as_query) {
    if (ct->n_cols) {
      rc = sql_err_at(q, LAGO_BIND, st->pos, "CREATE TABLE AS SELECT cannot also list columns");
      goto fail;
    }
    lp *root_lp, *opt;
    rc = bind_top_query(q, ct->as_query, &root_lp);
    if (rc == LAGO_OK) rc = sql_plan_optimize(q, root_lp, &opt);
    if (rc == LAGO_OK) rc = sql_physical(q, opt, &rows);
    if (rc) goto fail;
    const char **names = arena_alloc(q->ar, (opt->n_out ? opt->n_out : 1) * sizeof *names);
    lago_type *types = arena_alloc(q->ar, (opt->n_out ? opt->n_out : 1) * sizeof *types);
    if (!names || !types) {
      rc = LAGO_NOMEM_ERR(q->err);
      goto fail;
    }
    for (uint32_t i = 0; i < opt->n_out; i++) {
      names[i] = opt->out[i].name ? opt->out[i].name : arena_printf(q->ar, "col%u", i + 1);
      types[i] = opt->out[i].type;
      if (types[i].id == LT_NULL) {
        rc = sql_err_at(q, LAGO_BIND, ct->as_query->pos,
                        "[INVALID_COLUMN_TYPE] column `%s` has type VOID (a bare NULL): cast it, e.g. CAST(NULL AS STRING)", names[i]);
        goto fail;
      }
    }
    if (type_struct(q->ar, opt->n_out, names, types, NULL, &schema)) {
      rc = LAGO_NOMEM_ERR(q->err);
      goto fail;
    }
  } else {
    if ((rc = cols_schema(q, ct, &schema))) goto fail;
  }
  const char **pc = NULL;
  delta_map config = {0, NULL};
  if ((rc = part_cols(q, ct, schema, &pc)) || (rc = props_map(q, &ct->tblproperties, ct->comment, &config))) goto fail;
  if (!exists_in_catalog && ct->location) {
    rc = catalog_register_external(q->s->cat, &tn.n, ct->location, &tmp);
    if (rc) {
      rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
      goto fail;
    }
  }
  const char *op = ct->as_query ? (ct->or_replace ? "CREATE OR REPLACE TABLE AS SELECT" : "CREATE TABLE AS SELECT")
                                : (ct->or_replace ? "CREATE OR REPLACE TABLE" : "CREATE TABLE");
  delta_txn *x;
  if ((rc = begin_txn(q, t, snap, op, NULL, st->pos, &x))) goto fail;
  rc = txn_call(q, delta_txn_set_metadata(x, schema, ct->n_partition_by, pc, &config, &tmp), &tmp, st->pos);
  if (rc == LAGO_OK && snap) rc = txn_call(q, delta_txn_remove_all(x, &tmp), &tmp, st->pos);
  int64_t n_rows = 0;
  if (rc == LAGO_OK && rows) rc = sql_write_plan(q, x, rows, &n_rows);
  if (rc == LAGO_OK && rows) {
    rc = txn_call(q, delta_txn_set_metric(x, "numOutputRows", n_rows, &tmp), &tmp, st->pos);
  }
  if (rc) {
    delta_txn_abort(x);
    goto fail;
  }
  rc = sql_commit(q, x, st->pos, NULL);
  if (rc == LAGO_OK && rows) {
    const char *names[2] = {"num_affected_rows", "num_inserted_rows"};
    int64_t vals[2] = {n_rows, n_rows};
    rc = rowset_metrics(q, 2, names, vals, &out->rows);
    out->rows_affected = n_rows;
  }
fail:
  delta_snapshot_unref(snap);
  delta_table_free(t);
  return rc;
}

/* ---- views --------------------------------------------------------------------------------- */

static int create_view(sql_ctx *q, const sql_stmt *st) {
  const sql_create_view *cv = &st->create_view;
  if (cv->live) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "LIVE views are pipeline features");
  /* the query text as written */
  int qpos = cv->query->pos;
  int qend = st->pos + st->len;
  const char *qtext = arena_strndup(q->ar, q->text + qpos, (size_t)(qend - qpos));
  if (!qtext) return LAGO_NOMEM_ERR(q->err);
  /* validate and take the output names */
  lp *vq;
  TRY(bind_top_query(q, cv->query, &vq));
  if (cv->n_cols && cv->n_cols != vq->n_out)
    return sql_err_at(q, LAGO_BIND, st->pos, "[CREATE_VIEW_COLUMN_ARITY_MISMATCH] the view lists %u columns, the query has %u",
                      cv->n_cols, vq->n_out);
  const char *sql = qtext;
  if (cv->n_cols) {
    buf b;
    buf_init(&b);
    int rc = buf_printf(&b, "SELECT * FROM (%s) AS __lago_view(", qtext);
    for (uint32_t i = 0; i < cv->n_cols && !rc; i++) {
      if (i) rc = buf_puts(&b, ", ");
      if (!rc) rc = sql_print_ident(&b, cv->cols[i].name.parts[0].name);
    }
    if (!rc) rc = buf_putc(&b, ')');
    sql = rc ? NULL : arena_strdup(q->ar, buf_cstr(&b));
    buf_deinit(&b);
    if (!sql) return LAGO_NOMEM_ERR(q->err);
  }
  if (cv->temporary || cv->global) {
    if (cv->name.n_parts != 1)
      return sql_err_at(q, LAGO_BIND, cv->name.pos, "[TEMP_VIEW_NAME_TOO_MANY_NAME_PARTS] a temporary view name has one part");
    const char *name = cv->name.parts[0].name;
    sql_kv *k;
    for (k = q->s->temp_views; k; k = k->next)
      if (sql_ident_eq(k->key, name)) break;
    if (k && !cv->or_replace) {
      if (cv->if_not_exists) return LAGO_OK;
      return sql_err_at(q, LAGO_EXISTS, cv->name.pos, "[TEMP_TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create the temporary view `%s` because it already exists",
                        name);
    }
    char *v = mem_strdup(sql);
    if (!v) return LAGO_NOMEM_ERR(q->err);
    if (k) {
      mem_free(k->value);
      k->value = v;
      return LAGO_OK;
    }
    k = mem_calloc(1, sizeof *k);
    if (!k || !(k->key = mem_strdup(name))) {
      mem_free(v);
      mem_free(k);
      return LAGO_NOMEM_ERR(q->err);
    }
    k->value = v;
    k->next = q->s->temp_views;
    q->s->temp_views = k;
    return LAGO_OK;
  }
  sql_tname tn;
  TRY(sql_resolve_name(q, &cv->name, &tn));
  TRY(check_schema(q, tn.n.catalog, tn.n.schema, cv->name.pos));
  lago_err tmp;
  lago_err_clear(&tmp);
  const char *root;
  catalog_kind kind;
  int rc = catalog_table_root(q->s->cat, &tn.n, q->ar, &root, &kind, &tmp);
  if (rc) return sql_err_at(q, rc, cv->name.pos, "%s", tmp.msg);
  if (kind == CATALOG_VIEW && cv->if_not_exists) return LAGO_OK;
  if (kind && kind != CATALOG_VIEW) return exists_err(q, &tn, cv->name.pos, "view");
  if (kind == CATALOG_VIEW && !cv->or_replace) return exists_err(q, &tn, cv->name.pos, "view");
  rc = catalog_create_view(q->s->cat, &tn.n, sql, cv->or_replace, &tmp);
  return rc ? sql_err_at(q, rc, st->pos, "%s", tmp.msg) : LAGO_OK;
}

/* ---- namespaces, volumes, USE ---------------------------------------------------------------- */

static int create_ns(sql_ctx *q, const sql_stmt *st) {
  const sql_create_ns *c = &st->create_ns;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc;
  if (c->location) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "LOCATION for catalogs and schemas is not supported");
  if (c->kind == SQL_NS_CATALOG) {
    if (c->name.n_parts != 1) return sql_err_at(q, LAGO_BIND, c->name.pos, "a catalog name has one part");
    char *nm = arena_printf(q->ar, "`%s`.`default`.`x`", c->name.parts[0].name);
    catalog_name cn;
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    rc = catalog_parse_name(nm, &cn, &tmp);
    if (rc == LAGO_OK) rc = catalog_create_catalog(q->s->cat, cn.catalog, c->if_not_exists, &tmp);
    if (rc == LAGO_EXISTS)
      return sql_err_at(q, rc, c->name.pos, "[CATALOG_ALREADY_EXISTS] Cannot create catalog `%s` because it already exists",
                        c->name.parts[0].name);
  } else {
    if (c->name.n_parts > 2) return sql_err_at(q, LAGO_BIND, c->name.pos, "a schema name has 1 or 2 parts");
    const char *cat = c->name.n_parts == 2 ? c->name.parts[0].name : q->s->cur_catalog;
    char *nm = arena_printf(q->ar, "`%s`.`%s`.`x`", cat, c->name.parts[c->name.n_parts - 1].name);
    catalog_name cn;
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    rc = catalog_parse_name(nm, &cn, &tmp);
    if (rc == LAGO_OK) {
      TRY(check_catalog(q, cn.catalog, c->name.pos));
      rc = catalog_create_schema(q->s->cat, cn.catalog, cn.schema, c->if_not_exists, &tmp);
    }
    if (rc == LAGO_EXISTS)
      return sql_err_at(q, rc, c->name.pos, "[SCHEMA_ALREADY_EXISTS] Cannot create schema `%s` because it already exists",
                        cn.schema);
  }
  return rc ? sql_err_at(q, rc, c->name.pos, "%s", tmp.msg) : LAGO_OK;
}

static int create_volume(sql_ctx *q, const sql_stmt *st) {
  const sql_create_volume *v = &st->create_volume;
  if (v->external || v->location) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "external volumes are not supported");
  sql_tname tn;
  TRY(sql_resolve_name(q, &v->name, &tn));
  TRY(check_schema(q, tn.n.catalog, tn.n.schema, v->name.pos));
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = catalog_create_volume(q->s->cat, &tn.n, &tmp);
  if (rc == LAGO_EXISTS && v->if_not_exists) return LAGO_OK;
  return rc ? sql_err_at(q, rc, st->pos, "%s", tmp.msg) : LAGO_OK;
}

static int use_ns(sql_ctx *q, const sql_stmt *st) {
  const sql_use *u = &st->use;
  lago_err tmp;
  lago_err_clear(&tmp);
  if (u->kind == SQL_NS_CATALOG) {
    if (u->name.n_parts != 1) return sql_err_at(q, LAGO_BIND, u->name.pos, "a catalog name has one part");
    char *nm = arena_printf(q->ar, "`%s`.`default`.`x`", u->name.parts[0].name);
    catalog_name cn;
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    int rc = catalog_parse_name(nm, &cn, &tmp);
    if (rc) return sql_err_at(q, rc, u->name.pos, "%s", tmp.msg);
    TRY(check_catalog(q, cn.catalog, u->name.pos));
    strcpy(q->s->cur_catalog, cn.catalog);
    strcpy(q->s->cur_schema, "default");
    return LAGO_OK;
  }
  if (u->name.n_parts > 2) return sql_err_at(q, LAGO_BIND, u->name.pos, "a schema name has 1 or 2 parts");
  const char *cat = u->name.n_parts == 2 ? u->name.parts[0].name : q->s->cur_catalog;
  char *nm = arena_printf(q->ar, "`%s`.`%s`.`x`", cat, u->name.parts[u->name.n_parts - 1].name);
  catalog_name cn;
  if (!nm) return LAGO_NOMEM_ERR(q->err);
  int rc = catalog_parse_name(nm, &cn, &tmp);
  if (rc) return sql_err_at(q, rc, u->name.pos, "%s", tmp.msg);
  TRY(check_schema(q, cn.catalog, cn.schema, u->name.pos));
  strcpy(q->s->cur_catalog, cn.catalog);
  strcpy(q->s->cur_schema, cn.schema);
  return LAGO_OK;
}

/* ---- DROP ------------------------------------------------------------------------------------ */

/* fs_list callback: counts schema directories other than "default". */
static int count_schemas(void *ud, const fs_entry *e) {
  if (e->is_dir && e->name[0] != '_' && e->name[0] != '.' && strcmp(e->name, "default")) ++*(int *)ud;
  return LAGO_OK;
}

static int drop(sql_ctx *q, const sql_stmt *st) {
  const sql_drop *d = &st->drop;
  lago_err tmp;
  lago_err_clear(&tmp);
  if (d->what == SQL_OBJ_TABLE || d->what == SQL_OBJ_VIEW) {
    if (d->what == SQL_OBJ_VIEW && d->name.n_parts == 1) {
      for (sql_kv **pp = &q->s->temp_views; *pp; pp = &(*pp)->next)
        if (sql_ident_eq((*pp)->key, d->name.parts[0].name)) {
          sql_kv *k = *pp;
          *pp = k->next;
          mem_free(k->key);
          mem_free(k->value);
          mem_free(k);
          return LAGO_OK;
        }
    }
    sql_tname tn;
    TRY(sql_resolve_name(q, &d->name, &tn));
    const char *root;
    catalog_kind kind;
    int rc = catalog_table_root(q->s->cat, &tn.n, q->ar, &root, &kind, &tmp);
    if (rc) return sql_err_at(q, rc, d->name.pos, "%s", tmp.msg);
    if (!kind) {
      if (d->if_exists) return LAGO_OK;
      return sql_err_at(q, LAGO_NOTFOUND, d->name.pos,
                        "[TABLE_OR_VIEW_NOT_FOUND] The table or view `%s`.`%s`.`%s` cannot be found", tn.n.catalog,
                        tn.n.schema, tn.n.name);
    }
    if (d->what == SQL_OBJ_TABLE && kind == CATALOG_VIEW)
      return sql_err_at(q, LAGO_BIND, d->name.pos, "[WRONG_COMMAND_FOR_OBJECT_TYPE] `%s` is a view: use DROP VIEW", tn.n.name);
    if (d->what == SQL_OBJ_VIEW && kind != CATALOG_VIEW)
      return sql_err_at(q, LAGO_BIND, d->name.pos, "[WRONG_COMMAND_FOR_OBJECT_TYPE] `%s` is a table: use DROP TABLE", tn.n.name);
    rc = catalog_drop(q->s->cat, &tn.n, d->if_exists, &tmp);
    return rc ? sql_err_at(q, rc, st->pos, "%s", tmp.msg) : LAGO_OK;
  }
  if (d->what == SQL_OBJ_SCHEMA || d->what == SQL_OBJ_CATALOG) {
    /* <warehouse>/<catalog>[/<schema>]: refused when not empty, unless CASCADE */
    bool is_cat = d->what == SQL_OBJ_CATALOG;
    if (is_cat ? d->name.n_parts != 1 : d->name.n_parts > 2)
      return sql_err_at(q, LAGO_BIND, d->name.pos, "a %s name has %s", is_cat ? "catalog" : "schema",
                        is_cat ? "one part" : "1 or 2 parts");
    const char *cat = is_cat || d->name.n_parts == 1 ? (is_cat ? d->name.parts[0].name : q->s->cur_catalog)
                                                      : d->name.parts[0].name;
    const char *sch = is_cat ? "x" : d->name.parts[d->name.n_parts - 1].name;
    char *nm = arena_printf(q->ar, "`%s`.`%s`.`x`", cat, sch);
    catalog_name cn;
    if (!nm) return LAGO_NOMEM_ERR(q->err);
    int rc = catalog_parse_name(nm, &cn, &tmp);
    if (rc) return sql_err_at(q, rc, d->name.pos, "%s", tmp.msg);
    const char *path = ws_path(q, cn.catalog, is_cat ? NULL : cn.schema);
    bool ex;
    if (!path) return LAGO_NOMEM_ERR(q->err);
    TRY(dir_exists(q, path, &ex));
    if (!ex) {
      if (d->if_exists) return LAGO_OK;
      return is_cat ? sql_err_at(q, LAGO_NOTFOUND, d->name.pos, "[CATALOG_NOT_FOUND] The catalog `%s` cannot be found", cn.catalog)
                    : sql_err_at(q, LAGO_NOTFOUND, d->name.pos, "[SCHEMA_NOT_FOUND] The schema `%s`.`%s` cannot be found",
                                 cn.catalog, cn.schema);
    }
    if (is_cat && !strcmp(cn.catalog, "main"))
      return sql_err_at(q, LAGO_BIND, d->name.pos, "the catalog `main` cannot be dropped");
    if (!d->cascade) {
      /* empty: no table, view or volume (a schema), no schema but an empty default (a catalog) */
      bool empty = true;
      if (is_cat) {
        /* no schema but "default", and that one empty */
        int others = 0;
        lago_err t2;
        lago_err_clear(&t2);
        rc = fs_list(q->s->fs, path, false, count_schemas, &others, &t2);
        if (rc && rc != LAGO_NOTFOUND) return sql_err_at(q, rc, d->name.pos, "%s", t2.msg);
        catalog_entry *e;
        size_t n;
        rc = catalog_list(q->s->cat, cn.catalog, "default", q->ar, &e, &n, &tmp);
        if (rc) return sql_err_at(q, rc, d->name.pos, "%s", tmp.msg);
        empty = n == 0 && others == 0;
      } else {
        catalog_entry *e;
        size_t n;
        rc = catalog_list(q->s->cat, cn.catalog, cn.schema, q->ar, &e, &n, &tmp);
        if (rc) return sql_err_at(q, rc, d->name.pos, "%s", tmp.msg);
        empty = n == 0;
      }
      if (!empty)
        return sql_err_at(q, LAGO_BIND, d->name.pos,
                          "[SCHEMA_NOT_EMPTY] Cannot drop %s `%s` because it contains objects; use DROP ... CASCADE",
                          is_cat ? "catalog" : "schema", is_cat ? cn.catalog : cn.schema);
    }
    if (!is_cat && !strcmp(cn.schema, q->s->cur_schema) && !strcmp(cn.catalog, q->s->cur_catalog))
      strcpy(q->s->cur_schema, "default");
    if (is_cat && !strcmp(cn.catalog, q->s->cur_catalog)) {
      strcpy(q->s->cur_catalog, "main");
      strcpy(q->s->cur_schema, "default");
    }
    rc = fs_remove_tree(q->s->fs, path, &tmp);
    return rc ? sql_err_at(q, rc, st->pos, "%s", tmp.msg) : LAGO_OK;
  }
  return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "DROP of this kind of object is not supported");
}

/* ---- ALTER TABLE ------------------------------------------------------------------------------- */

static int alter(sql_ctx *q, const sql_stmt *st) {
  const sql_alter_table *a = &st->alter;
  lago_err tmp;
  lago_err_clear(&tmp);
  sql_table tb;
  TRY(sql_table_open(q, &a->table, a->table.pos, &tb, NULL));
  if (a->kind == SQL_ALTER_RENAME_TO) {
    sql_tname nn;
    TRY(sql_resolve_name(q, &a->new_name, &nn));
    const char *nroot;
    catalog_kind nk;
    int rc = catalog_table_root(q->s->cat, &nn.n, q->ar, &nroot, &nk, &tmp);
    if (rc) return sql_err_at(q, rc, a->new_name.pos, "%s", tmp.msg);
    if (nk) return exists_err(q, &nn, a->new_name.pos, "table");
    TRY(check_schema(q, nn.n.catalog, nn.n.schema, a->new_name.pos));
    if (tb.kind == CATALOG_EXTERNAL) {
      rc = catalog_register_external(q->s->cat, &nn.n, tb.root, &tmp);
      if (rc == LAGO_OK) rc = catalog_drop(q->s->cat, &tb.name.n, false, &tmp);
    } else {
      rc = fs_rename(q->s->fs, tb.root, nroot, false, &tmp);
    }
    return rc ? sql_err_at(q, rc, st->pos, "%s", tmp.msg) : LAGO_OK;
  }
  TRY(sql_table_load(q, &tb, -1, INT64_MIN, a->table.pos));
  delta_txn *x;
  int rc;
  switch (a->kind) {
    case SQL_ALTER_ADD_COLUMNS: {
      sql_create_table ct;
      memset(&ct, 0, sizeof ct);
      ct.cols = a->cols;
      ct.n_cols = a->n_cols;
      lago_type more;
      for (uint32_t i = 0; i < a->n_cols; i++) {
        if (a->cols[i].first || a->cols[i].after.name)
          return sql_err_at(q, LAGO_UNSUPPORTED, a->cols[i].pos, "ADD COLUMN ... FIRST/AFTER is not supported");
        if (a->cols[i].not_null)
          return sql_err_at(q, LAGO_BIND, a->cols[i].pos, "[DELTA_NOT_NULL_COLUMN_NOT_FOUND_IN_STRUCT] added columns must be nullable");
        if (type_field_index(delta_snapshot_schema(tb.snap), a->cols[i].name.parts[a->cols[i].name.n_parts - 1].name) >= 0)
          return sql_err_at(q, LAGO_BIND, a->cols[i].pos, "[FIELDS_ALREADY_EXISTS] Cannot add column `%s`: it already exists",
                            a->cols[i].name.parts[a->cols[i].name.n_parts - 1].name);
      }
      TRY(cols_schema(q, &ct, &more));
      TRY(begin_txn(q, tb.t, tb.snap, "ADD COLUMNS", NULL, st->pos, &x));
      rc = txn_call(q, delta_txn_evolve_schema(x, more, &tmp), &tmp, st->pos);
      break;
    }
    case SQL_ALTER_SET_PROPS:
    case SQL_ALTER_UNSET_PROPS: {
      TRY(begin_txn(q, tb.t, tb.snap, a->kind == SQL_ALTER_SET_PROPS ? "SET TBLPROPERTIES" : "UNSET TBLPROPERTIES", NULL,
                    st->pos, &x));
      rc = LAGO_OK;
      for (uint32_t i = 0; i < a->props.n_items && rc == LAGO_OK; i++) {
        const sql_prop *p = &a->props.items[i];
        if (a->kind == SQL_ALTER_UNSET_PROPS && !a->if_exists && !delta_snapshot_property(tb.snap, p->key)) {
          rc = sql_err_at(q, LAGO_BIND, p->pos, "[UNSET_NONEXISTENT_PROPERTIES] Attempted to unset non-existent property `%s`",
                          p->key);
          break;
        }
        rc = txn_call(q, delta_txn_set_property(x, p->key, a->kind == SQL_ALTER_SET_PROPS ? p->value : NULL, &tmp), &tmp,
                      p->pos);
      }
      break;
    }
    case SQL_ALTER_RENAME_COLUMN: {
      const char *mode = delta_snapshot_column_mapping(tb.snap);
      if (!strcmp(mode, "none"))
        return sql_err_at(q, LAGO_UNSUPPORTED, st->pos,
                          "[DELTA_UNSUPPORTED_RENAME_COLUMN] RENAME COLUMN needs column mapping: ALTER TABLE t SET "
                          "TBLPROPERTIES ('delta.columnMapping.mode' = 'name')");
      lago_type s = delta_snapshot_schema(tb.snap);
      if (a->column.n_parts != 1) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "renaming nested fields is not supported");
      int f = type_field_index(s, a->column.parts[0].name);
      if (f < 0) return sql_err_at(q, LAGO_BIND, a->column.pos, "[DELTA_COLUMN_NOT_FOUND] column `%s` not found", a->column.parts[0].name);
      if (type_field_index(s, a->new_column.name) >= 0)
        return sql_err_at(q, LAGO_BIND, a->new_column.pos, "[COLUMN_ALREADY_EXISTS] The column `%s` already exists", a->new_column.name);
      uint32_t n = type_n_fields(s);
      type_field *fs = arena_alloc(q->ar, n * sizeof *fs);
      const char **pc = arena_alloc(q->ar, (delta_snapshot_n_partition_columns(tb.snap) + 1) * sizeof *pc);
      if (!fs || !pc) return LAGO_NOMEM_ERR(q->err);
      for (uint32_t i = 0; i < n; i++) fs[i] = *type_field_at(s, i);
      fs[f].name = a->new_column.name;
      lago_type ns;
      if (type_struct_fields(q->ar, n, fs, &ns)) return LAGO_NOMEM_ERR(q->err);
      const delta_metadata *md = delta_snapshot_metadata(tb.snap);
      for (uint32_t i = 0; i < delta_snapshot_n_partition_columns(tb.snap); i++)
        pc[i] = type_field_at(ns, delta_snapshot_partition_columns(tb.snap)[i])->name;
      TRY(begin_txn(q, tb.t, tb.snap, "RENAME COLUMN", NULL, st->pos, &x));
      rc = txn_call(q, delta_txn_set_metadata(x, ns, delta_snapshot_n_partition_columns(tb.snap), pc, &md->configuration, &tmp),
                    &tmp, st->pos);
      break;
    }
    default:
      return sql_err_at(q, LAGO_UNSUPPORTED, st->pos,
                        "this ALTER TABLE form is not supported (ADD COLUMNS, RENAME TO, RENAME COLUMN, SET/UNSET TBLPROPERTIES are)");
  }
  if (rc) {
    delta_txn_abort(x);
    return rc;
  }
  return sql_commit(q, x, st->pos, NULL);
}

int stmt_ddl(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  switch (st->kind) {
    case SQL_S_CREATE_TABLE: return create_table(q, st, out);
    case SQL_S_CREATE_VIEW: return create_view(q, st);
    case SQL_S_CREATE_NS: return create_ns(q, st);
    case SQL_S_CREATE_VOLUME: return create_volume(q, st);
    case SQL_S_USE: return use_ns(q, st);
    case SQL_S_DROP: return drop(q, st);
    case SQL_S_ALTER_TABLE: return alter(q, st);
    default: return sql_err_at(q, LAGO_INTERNAL, st->pos, "not a DDL statement");
  }
}
