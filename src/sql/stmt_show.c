/*
** sql/stmt_show.c: SHOW CATALOGS / SCHEMAS / TABLES / VIEWS / COLUMNS /
** TBLPROPERTIES / FUNCTIONS and DESCRIBE [EXTENDED] / DETAIL / HISTORY /
** QUERY / SCHEMA / CATALOG, as result rows with Databricks' column names.
**
** Differences from Databricks, by design: map- and array-valued columns of
** DESCRIBE DETAIL and DESCRIBE HISTORY (properties, partitionColumns,
** operationParameters, operationMetrics) are JSON text in STRING columns.
** SHOW ... LIKE patterns follow Spark: '*' matches anything, '|' separates
** alternatives, case-insensitive.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"
#include "util/datetime.h"
#include "util/json.h"

/* Spark's SHOW ... LIKE 'pattern'. */
static bool like_one(const char *p, size_t pn, const char *s) {
  if (pn == 0) return *s == 0;
  if (*p == '*') {
    for (const char *t = s;; t++) {
      if (like_one(p + 1, pn - 1, t)) return true;
      if (!*t) return false;
    }
  }
  if (!*s) return false;
  char a = *p, b = *s;
  if (a >= 'A' && a <= 'Z') a = (char)(a - 'A' + 'a');
  if (b >= 'A' && b <= 'Z') b = (char)(b - 'A' + 'a');
  return a == b && like_one(p + 1, pn - 1, s + 1);
}

static bool show_like(const char *pattern, const char *s) {
  if (!pattern) return true;
  const char *p = pattern;
  for (;;) {
    const char *bar = strchr(p, '|');
    size_t n = bar ? (size_t)(bar - p) : strlen(p);
    while (n && *p == ' ') p++, n--;
    while (n && p[n - 1] == ' ') n--;
    if (like_one(p, n, s)) return true;
    if (!bar) return false;
    p = bar + 1;
  }
}

typedef struct dir_list {
  sql_ctx *q;
  const char **names;
  uint32_t n, cap;
} dir_list;

static int on_dir(void *ud, const fs_entry *e) {
  dir_list *d = ud;
  if (!e->is_dir || e->name[0] == '_' || e->name[0] == '.') return LAGO_OK;
  char *nm = arena_strdup(d->q->ar, e->name);
  if (!nm) return LAGO_NOMEM_ERR(d->q->err);
  return sql_push_ptr(d->q, (void ***)&d->names, &d->n, &d->cap, nm);
}

static int list_dirs(sql_ctx *q, const char *path, dir_list *d) {
  memset(d, 0, sizeof *d);
  d->q = q;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_list(q->s->fs, path, false, on_dir, d, &tmp);
  if (rc == LAGO_NOTFOUND) return LAGO_OK;
  if (rc && !q->err->rc) return LAGO_ERR(q->err, rc, "%s", tmp.msg);
  return rc;
}

static lago_type T(lago_type_id id) { return type_make(id); }

/* "c" or "c.s" from an IN clause (defaults from the session). */
static int ns_parts(sql_ctx *q, const sql_name *in, const char **cat, const char **schema) {
  *cat = q->s->cur_catalog;
  *schema = q->s->cur_schema;
  if (in->n_parts == 1) *schema = in->parts[0].name;
  else if (in->n_parts == 2) {
    *cat = in->parts[0].name;
    *schema = in->parts[1].name;
  } else if (in->n_parts > 2) {
    return sql_err_at(q, LAGO_BIND, in->pos, "a schema name has 1 or 2 parts");
  }
  char *c = arena_strdup(q->ar, *cat), *s = arena_strdup(q->ar, *schema);
  if (!c || !s) return LAGO_NOMEM_ERR(q->err);
  for (char *p = c; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  for (char *p = s; *p; p++) *p = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
  *cat = c;
  *schema = s;
  return LAGO_OK;
}

static void fn_name(void *ud, const func_def *d) {
  void **a = ud;
  sql_ctx *q = a[0];
  rowset *rs = a[1];
  const char *like = a[2];
  int *rc = a[3];
  if (*rc || !show_like(like, d->name)) return;
  const char *v[1] = {d->name};
  *rc = rowset_add(q, rs, v);
}

static int show(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_show *s = &st->show;
  rowset rs;
  const char *w = catalog_warehouse(q->s->cat);
  switch (s->what) {
    case SQL_SHOW_CATALOGS: {
      const char *names[1] = {"catalog"};
      TRY(rowset_init(q, &rs, 1, names, NULL));
      dir_list d;
      TRY(list_dirs(q, w, &d));
      bool main_seen = false;
      for (uint32_t i = 0; i < d.n; i++) main_seen |= !strcmp(d.names[i], "main");
      if (!main_seen && show_like(s->like, "main")) {
        const char *v[1] = {"main"};
        TRY(rowset_add(q, &rs, v));
      }
      for (uint32_t i = 0; i < d.n; i++) {
        if (!show_like(s->like, d.names[i])) continue;
        const char *v[1] = {d.names[i]};
        TRY(rowset_add(q, &rs, v));
      }
      break;
    }
    case SQL_SHOW_SCHEMAS: {
      const char *names[1] = {"databaseName"};
      TRY(rowset_init(q, &rs, 1, names, NULL));
      const char *cat = q->s->cur_catalog;
      if (s->in.n_parts == 1) cat = s->in.parts[0].name;
      else if (s->in.n_parts > 1) return sql_err_at(q, LAGO_BIND, s->in.pos, "a catalog name has one part");
      const char *p = arena_printf(q->ar, "%s/%s", w, cat);
      if (!p) return LAGO_NOMEM_ERR(q->err);
      dir_list d;
      TRY(list_dirs(q, p, &d));
      bool def = false;
      for (uint32_t i = 0; i < d.n; i++) def |= !strcmp(d.names[i], "default");
      if (!def && show_like(s->like, "default")) {
        const char *v[1] = {"default"};
        TRY(rowset_add(q, &rs, v));
      }
      for (uint32_t i = 0; i < d.n; i++) {
        if (!show_like(s->like, d.names[i])) continue;
        const char *v[1] = {d.names[i]};
        TRY(rowset_add(q, &rs, v));
      }
      break;
    }
    case SQL_SHOW_TABLES:
    case SQL_SHOW_VIEWS: {
      bool views = s->what == SQL_SHOW_VIEWS;
      const char *names[3] = {views ? "namespace" : "database", views ? "viewName" : "tableName", "isTemporary"};
      lago_type ts[3] = {T(LT_STRING), T(LT_STRING), T(LT_BOOLEAN)};
      TRY(rowset_init(q, &rs, 3, names, ts));
      const char *cat, *schema;
      TRY(ns_parts(q, &s->in, &cat, &schema));
      catalog_entry *e;
      size_t n;
      lago_err tmp;
      lago_err_clear(&tmp);
      int rc = catalog_list(q->s->cat, cat, schema, q->ar, &e, &n, &tmp);
      if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
      for (size_t i = 0; i < n; i++) {
        if ((e[i].kind == CATALOG_VIEW) != views || e[i].kind == CATALOG_VOLUME || !show_like(s->like, e[i].name)) continue;
        const char *v[3] = {schema, e[i].name, "false"};
        TRY(rowset_add(q, &rs, v));
      }
      for (sql_kv *k = q->s->temp_views; k; k = k->next) {
        if (!show_like(s->like, k->key)) continue;
        const char *v[3] = {"", k->key, "true"};
        TRY(rowset_add(q, &rs, v));
      }
      break;
    }
    case SQL_SHOW_VOLUMES: {
      /* Databricks: database, volume_name */
      const char *names[2] = {"database", "volume_name"};
      TRY(rowset_init(q, &rs, 2, names, NULL));
      const char *cat, *schema;
      TRY(ns_parts(q, &s->in, &cat, &schema));
      /* volumes are the directories of <warehouse>/<catalog>/<schema>/_volumes (table/catalog.h) */
      const char *p = arena_printf(q->ar, "%s/%s/%s/_volumes", w, cat, schema);
      if (!p) return LAGO_NOMEM_ERR(q->err);
      dir_list d;
      TRY(list_dirs(q, p, &d));
      for (uint32_t i = 0; i < d.n; i++) {
        if (!show_like(s->like, d.names[i])) continue;
        const char *v[2] = {schema, d.names[i]};
        TRY(rowset_add(q, &rs, v));
      }
      break;
    }
    case SQL_SHOW_COLUMNS:
    case SQL_SHOW_TBLPROPERTIES: {
      sql_name tn = s->target;
      if (s->in.n_parts) {
        /* SHOW COLUMNS IN t IN schema */
        sql_ident *parts = arena_alloc(q->ar, (s->in.n_parts + 1) * sizeof *parts);
        if (!parts) return LAGO_NOMEM_ERR(q->err);
        memcpy(parts, s->in.parts, s->in.n_parts * sizeof *parts);
        parts[s->in.n_parts] = s->target.parts[s->target.n_parts - 1];
        tn.parts = parts;
        tn.n_parts = s->in.n_parts + 1;
      }
      sql_table tb;
      TRY(sql_table_open(q, &tn, tn.pos, &tb, NULL));
      TRY(sql_table_load(q, &tb, -1, INT64_MIN, tn.pos));
      if (s->what == SQL_SHOW_COLUMNS) {
        const char *names[1] = {"col_name"};
        TRY(rowset_init(q, &rs, 1, names, NULL));
        lago_type sc = delta_snapshot_schema(tb.snap);
        for (uint32_t i = 0; i < type_n_fields(sc); i++) {
          const char *v[1] = {type_field_at(sc, i)->name};
          TRY(rowset_add(q, &rs, v));
        }
      } else {
        const char *names[2] = {"key", "value"};
        TRY(rowset_init(q, &rs, 2, names, NULL));
        const delta_map *cfg = &delta_snapshot_metadata(tb.snap)->configuration;
        for (uint32_t i = 0; i < cfg->n; i++) {
          if (s->key && strcmp(s->key, cfg->kv[i].key)) continue;
          const char *v[2] = {cfg->kv[i].key, cfg->kv[i].value};
          TRY(rowset_add(q, &rs, v));
        }
        if (s->key && rs.n_rows == 0) {
          const char *msg = arena_printf(q->ar, "Table %s does not have property: %s", tb.label, s->key);
          if (!msg) return LAGO_NOMEM_ERR(q->err);
          const char *v[2] = {s->key, msg};
          TRY(rowset_add(q, &rs, v));
        }
      }
      break;
    }
    case SQL_SHOW_FUNCTIONS: {
      const char *names[1] = {"function"};
      TRY(rowset_init(q, &rs, 1, names, NULL));
      int rc = LAGO_OK;
      void *ud[4] = {q, &rs, (void *)s->like, &rc};
      func_foreach(fn_name, ud);
      TRY(rc);
      break;
    }
    default: return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "this SHOW statement is not supported");
  }
  return rowset_plan(q, &rs, &out->rows);
}

/* ---- DESCRIBE -------------------------------------------------------------------------------- */

static const char *field_comment(sql_ctx *q, const type_field *f) {
  if (!f->metadata) return NULL;
  json_value *v;
  lago_err tmp;
  lago_err_clear(&tmp);
  if (json_parse(q->ar, f->metadata, strlen(f->metadata), &v, &tmp)) return NULL;
  const char *c = NULL;
  if (json_get_str(v, "comment", &c, NULL, NULL)) return NULL;
  return c;
}

static int describe_table(sql_ctx *q, const sql_describe *d, int pos, rowset *rs) {
  sql_table tb;
  TRY(sql_table_open(q, &d->target, d->target.pos, &tb, NULL));
  TRY(sql_table_load(q, &tb, -1, INT64_MIN, pos));
  const char *names[3] = {"col_name", "data_type", "comment"};
  TRY(rowset_init(q, rs, 3, names, NULL));
  lago_type sc = delta_snapshot_schema(tb.snap);
  for (uint32_t i = 0; i < type_n_fields(sc); i++) {
    const type_field *f = type_field_at(sc, i);
    if (d->column.n_parts && !sql_ident_eq(f->name, d->column.parts[d->column.n_parts - 1].name)) continue;
    const char *tn = type_sql_name(q->ar, f->type);
    if (!tn) return LAGO_NOMEM_ERR(q->err);
    const char *v[3] = {f->name, tn, field_comment(q, f)};
    TRY(rowset_add(q, rs, v));
  }
  if (d->column.n_parts) {
    if (rs->n_rows == 0)
      return sql_err_at(q, LAGO_BIND, d->column.pos, "[UNRESOLVED_COLUMN] column `%s` not found",
                        d->column.parts[d->column.n_parts - 1].name);
    return LAGO_OK;
  }
  uint32_t np = delta_snapshot_n_partition_columns(tb.snap);
  if (np) {
    const char *h1[3] = {"# Partition Information", "", ""}, *h2[3] = {"# col_name", "data_type", "comment"};
    TRY(rowset_add(q, rs, h1));
    TRY(rowset_add(q, rs, h2));
    for (uint32_t i = 0; i < np; i++) {
      const type_field *f = type_field_at(sc, delta_snapshot_partition_columns(tb.snap)[i]);
      const char *tn = type_sql_name(q->ar, f->type);
      if (!tn) return LAGO_NOMEM_ERR(q->err);
      const char *v[3] = {f->name, tn, field_comment(q, f)};
      TRY(rowset_add(q, rs, v));
    }
  }
  if (d->extended) {
    const char *blank[3] = {"", "", ""}, *h[3] = {"# Detailed Table Information", "", ""};
    TRY(rowset_add(q, rs, blank));
    TRY(rowset_add(q, rs, h));
    const delta_map *cfg = &delta_snapshot_metadata(tb.snap)->configuration;
    buf props;
    buf_init(&props);
    int rc = buf_putc(&props, '[');
    for (uint32_t i = 0; i < cfg->n && !rc; i++)
      rc = buf_printf(&props, "%s%s=%s", i ? "," : "", cfg->kv[i].key, cfg->kv[i].value ? cfg->kv[i].value : "");
    if (!rc) rc = buf_putc(&props, ']');
    const char *pt = rc ? NULL : arena_strdup(q->ar, buf_cstr(&props));
    buf_deinit(&props);
    if (!pt) return LAGO_NOMEM_ERR(q->err);
    const char *ver = arena_printf(q->ar, "%lld", (long long)delta_snapshot_version(tb.snap));
    if (!ver) return LAGO_NOMEM_ERR(q->err);
    const char *rows[][3] = {{"Catalog", tb.name.n.catalog, ""},
                             {"Database", tb.name.n.schema, ""},
                             {"Table", tb.name.n.name, ""},
                             {"Type", tb.kind == CATALOG_EXTERNAL ? "EXTERNAL" : "MANAGED", ""},
                             {"Location", tb.root, ""},
                             {"Provider", "delta", ""},
                             {"Version", ver, ""},
                             {"Table Properties", pt, ""}};
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) TRY(rowset_add(q, rs, rows[i]));
  }
  return LAGO_OK;
}

static const char *ts_text(sql_ctx *q, int64_t ms) {
  if (ms < 0) return NULL;
  char b[64];
  int64_t s = ms / 1000;
  int64_t d = s / 86400, r = s % 86400;
  int64_t y;
  unsigned mo, dd;
  civil_from_days(d, &y, &mo, &dd);
  snprintf(b, sizeof b, "%04lld-%02u-%02u %02d:%02d:%02d.%03d", (long long)y, mo, dd, (int)(r / 3600), (int)(r / 60 % 60),
           (int)(r % 60), (int)(ms % 1000));
  return arena_strdup(q->ar, b);
}

static const char *map_json(sql_ctx *q, const delta_map *m) {
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  for (uint32_t i = 0; i < m->n; i++) {
    json_w_key(&w, m->kv[i].key);
    json_w_str(&w, m->kv[i].value);
  }
  json_w_end_obj(&w);
  const char *r = json_w_finish(&w) ? NULL : arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

static int describe_detail(sql_ctx *q, const sql_describe *d, int pos, rowset *rs) {
  sql_table tb;
  if (d->target.n_parts == 0) return sql_err_at(q, LAGO_BIND, pos, "DESCRIBE DETAIL needs a table");
  TRY(sql_table_open(q, &d->target, d->target.pos, &tb, NULL));
  TRY(sql_table_load(q, &tb, -1, INT64_MIN, pos));
  const char *names[14] = {"format", "id", "name", "description", "location", "createdAt", "lastModified",
                           "partitionColumns", "numFiles", "sizeInBytes", "properties", "minReaderVersion",
                           "minWriterVersion", "tableFeatures"};
  lago_type ts[14] = {T(LT_STRING), T(LT_STRING), T(LT_STRING), T(LT_STRING), T(LT_STRING), T(LT_TIMESTAMP),
                      T(LT_TIMESTAMP), T(LT_STRING), T(LT_BIGINT), T(LT_BIGINT), T(LT_STRING), T(LT_INT), T(LT_INT),
                      T(LT_STRING)};
  TRY(rowset_init(q, rs, 14, names, ts));
  const delta_metadata *md = delta_snapshot_metadata(tb.snap);
  const delta_protocol *pr = delta_snapshot_protocol(tb.snap);
  const delta_file *files;
  size_t nf;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_snapshot_files(tb.snap, &files, &nf, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  int64_t size = 0;
  for (size_t i = 0; i < nf; i++) size += files[i].size > 0 ? files[i].size : 0;
  buf pc, feat;
  buf_init(&pc);
  buf_init(&feat);
  rc = buf_putc(&pc, '[');
  for (uint32_t i = 0; i < md->n_partition_columns && !rc; i++)
    rc = buf_printf(&pc, "%s\"%s\"", i ? "," : "", md->partition_columns[i]);
  if (!rc) rc = buf_putc(&pc, ']');
  if (!rc) rc = buf_putc(&feat, '[');
  for (int32_t i = 0; i < pr->n_writer_features && !rc; i++)
    rc = buf_printf(&feat, "%s\"%s\"", i ? "," : "", pr->writer_features[i]);
  if (!rc) rc = buf_putc(&feat, ']');
  const char *pcs = rc ? NULL : arena_strdup(q->ar, buf_cstr(&pc));
  const char *fts = rc ? NULL : arena_strdup(q->ar, buf_cstr(&feat));
  buf_deinit(&pc);
  buf_deinit(&feat);
  const char *nfs = arena_printf(q->ar, "%zu", nf), *szs = arena_printf(q->ar, "%lld", (long long)size);
  const char *mr = arena_printf(q->ar, "%d", pr->min_reader), *mw = arena_printf(q->ar, "%d", pr->min_writer);
  const char *props = map_json(q, &md->configuration);
  if (!pcs || !fts || !nfs || !szs || !mr || !mw || !props) return LAGO_NOMEM_ERR(q->err);
  const char *name = tb.name.n.name[0] ? sql_tname_text(q, &tb.name) : NULL;
  const char *v[14] = {"delta", md->id, name, delta_snapshot_property(tb.snap, "comment"), tb.root,
                       ts_text(q, md->created_time), ts_text(q, delta_snapshot_timestamp(tb.snap)), pcs, nfs, szs, props,
                       mr, mw, fts};
  return rowset_add(q, rs, v);
}

static const char *json_member_text(sql_ctx *q, const json_value *o, const char *key) {
  const json_value *v = json_get(o, key);
  if (!v || v->type == JSON_NULL) return NULL;
  if (v->type == JSON_STRING) return v->u.str;
  if (v->type == JSON_NUMBER) return arena_strndup(q->ar, v->u.str, v->len);
  if (v->type == JSON_BOOL) return v->boolean ? "true" : "false";
  buf b;
  buf_init(&b);
  const char *r = json_write(&b, v) ? NULL : arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

static int describe_history(sql_ctx *q, const sql_describe *d, int pos, rowset *rs) {
  sql_table tb;
  TRY(sql_table_open(q, &d->target, d->target.pos, &tb, NULL));
  uint32_t limit = 0;
  if (d->limit) {
    if (d->limit->kind != SQL_E_LITERAL || (d->limit->lit.kind != SQL_LIT_INT && d->limit->lit.kind != SQL_LIT_BIGINT) ||
        d->limit->lit.i < 0)
      return sql_err_at(q, LAGO_BIND, d->limit->pos, "DESCRIBE HISTORY LIMIT needs a non-negative integer");
    limit = d->limit->lit.i > UINT32_MAX ? UINT32_MAX : (uint32_t)d->limit->lit.i;
    if (limit == 0) limit = 1; /* delta_history: 0 means all; LIMIT 0 shows nothing */
  }
  const char *names[9] = {"version", "timestamp", "operation", "operationParameters", "readVersion",
                          "isolationLevel", "isBlindAppend", "operationMetrics", "engineInfo"};
  lago_type ts[9] = {T(LT_BIGINT), T(LT_TIMESTAMP), T(LT_STRING), T(LT_STRING), T(LT_BIGINT),
                     T(LT_STRING), T(LT_BOOLEAN), T(LT_STRING), T(LT_STRING)};
  TRY(rowset_init(q, rs, 9, names, ts));
  if (d->limit && d->limit->lit.i == 0) return LAGO_OK;
  delta_history_entry *h;
  size_t n;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_history(tb.t, limit, q->ar, &h, &n, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "%s: %s", tb.label, tmp.msg);
  for (size_t i = 0; i < n; i++) {
    const char *ver = arena_printf(q->ar, "%lld", (long long)h[i].version);
    if (!ver) return LAGO_NOMEM_ERR(q->err);
    json_value *ci = NULL;
    if (h[i].ci && h[i].ci->json) json_parse(q->ar, h[i].ci->json, strlen(h[i].ci->json), &ci, NULL);
    const char *v[9] = {ver,
                        ts_text(q, h[i].timestamp),
                        h[i].ci ? h[i].ci->operation : NULL,
                        ci ? json_member_text(q, ci, "operationParameters") : NULL,
                        ci ? json_member_text(q, ci, "readVersion") : NULL,
                        ci ? json_member_text(q, ci, "isolationLevel") : NULL,
                        ci ? json_member_text(q, ci, "isBlindAppend") : NULL,
                        ci ? json_member_text(q, ci, "operationMetrics") : NULL,
                        ci ? json_member_text(q, ci, "engineInfo") : NULL};
    TRY(rowset_add(q, rs, v));
  }
  return LAGO_OK;
}

static int describe_query(sql_ctx *q, const sql_describe *d, rowset *rs) {
  lp *root;
  TRY(bind_top_query(q, d->query, &root));
  const char *names[3] = {"col_name", "data_type", "comment"};
  TRY(rowset_init(q, rs, 3, names, NULL));
  for (uint32_t i = 0; i < root->n_out; i++) {
    const char *tn = type_sql_name(q->ar, root->out[i].type);
    if (!tn) return LAGO_NOMEM_ERR(q->err);
    const char *v[3] = {root->out[i].name ? root->out[i].name : "", tn, NULL};
    TRY(rowset_add(q, rs, v));
  }
  return LAGO_OK;
}

int stmt_show(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  if (st->kind == SQL_S_SHOW) return show(q, st, out);
  const sql_describe *d = &st->describe;
  rowset rs;
  switch (d->what) {
    case SQL_DESC_TABLE: TRY(describe_table(q, d, st->pos, &rs)); break;
    case SQL_DESC_DETAIL: TRY(describe_detail(q, d, st->pos, &rs)); break;
    case SQL_DESC_HISTORY: TRY(describe_history(q, d, st->pos, &rs)); break;
    case SQL_DESC_QUERY: TRY(describe_query(q, d, &rs)); break;
    default: return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "this DESCRIBE statement is not supported");
  }
  return rowset_plan(q, &rs, &out->rows);
}
