/*
** sql/stmt_stream.c: SQL over ingestion streams (stream/stream.h), built on
** the stream's merge sink (stream_set_merge_sink: the sink function makes
** the batch's one Delta commit, which carries txn(stream id, batch id) and
** the batch's file list, so exactly-once and the rebuild of a lost
** checkpoint work as for the plain Delta sink).
**
** 1. foreachBatch with SQL (engine.h sql_foreach_*; `lago ingest
**    --foreach-batch-sql`): each micro-batch is materialised in memory,
**    registered in the session as a one-part name (the "batch view") and
**    the user's statements run on it in order. A commit hook adds the txn
**    and the file list to the FIRST commit a statement makes to the stream's
**    target table; a second commit to the target in the same batch fails the
**    batch (exactly-once needs one commit: put the work in one MERGE).
**    Commits to other tables are left alone (at-least-once across crashes).
**    A batch whose statements did not commit to the target commits its
**    bookkeeping alone (an empty "STREAMING UPDATE" commit), so it is never
**    run twice either.
**
** 2. Streaming reads in SQL (stmt_stream):
**      CREATE [OR REFRESH] STREAMING TABLE t [AS] SELECT ... FROM STREAM read_files('path', format => 'csv', ...)
**      INSERT INTO t SELECT ... FROM STREAM read_files(...)
**    (also STREAM cloud_files('path', 'csv'[, map('k', 'v', ...)])). The
**    stream ref is replaced by the batch view and the statement runs per
**    batch through (1), as CREATE TABLE t AS <select> for the batch that
**    creates the table and INSERT INTO t <select> for the others: the SELECT
**    (projections, filters, current_timestamp(), joins to tables) sees one
**    batch at a time. Trigger availableNow (maxFilesPerTrigger per batch).
**    Progress: a checkpoint under <warehouse>/_lago_streams/sql-stream-
**    <table>-<hash of table, source, format>, and the table's log (as
**    COPY INTO). Schema: inferred at the first run; new columns later go to
**    _rescued_data (schemaEvolutionMode rescue by default: the table's
**    schema is fixed by the statement that created it).
**    The statements run on a second session of the same warehouse (the
**    current catalog and schema copied), not re-entering this one.
**
** Memory: a batch is held in memory while its statements run (a MERGE
** materialises its source anyway); bound it with maxFilesPerTrigger /
** maxBytesPerTrigger.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "exec/source.h"
#include "sql/engine.h"
#include "sql/parser.h"
#include "sql/sql_int.h"
#include "stream/stream.h"
#include "util/alloc.h"
#include "util/buf.h"

/* ---- foreachBatch with SQL ---------------------------------------------------------------- */

struct sql_foreach {
  arena *ar;                 /* the statements' texts, names */
  sql_session *s;            /* borrowed */
  stream *st;                /* borrowed */
  const char *view;          /* the batch's name in the statements */
  const char **stmts;        /* each one statement, NUL-terminated */
  uint32_t n_stmts;
  const char *create_sql;    /* statement used instead when the target is missing (streaming tables), or NULL */
  const char *root;          /* the target's absolute root */
  /* per batch */
  const stream_merge_batch *mb;
  uint32_t target_commits;   /* commits to the target seen by the hook in this batch */
  int64_t affected;          /* rows affected, summed over batches */
};

int sql_foreach_new(sql_session *s, const char *view, const char *sql, sql_foreach **out, lago_err *err) {
  *out = NULL;
  if (!view || !*view) return LAGO_ERR(err, LAGO_MISUSE, "foreachBatch SQL: the batch view needs a name");
  arena *ar = arena_new("query", 4096);
  sql_foreach *f = ar ? arena_alloc(ar, sizeof *f) : NULL;
  if (!f) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  memset(f, 0, sizeof *f);
  f->ar = ar;
  f->s = s;
  f->view = arena_strdup(ar, view);
  sql_script *sc = NULL;
  int rc = f->view ? sql_parse_script(ar, sql, &sc, err) : LAGO_NOMEM_ERR(err);
  if (rc) lago_err_prefix(err, "foreachBatch SQL");
  if (rc == LAGO_OK && sc->n_stmts == 0) rc = LAGO_ERR(err, LAGO_BIND, "foreachBatch SQL: no statement given");
  if (rc == LAGO_OK && !(f->stmts = arena_alloc(ar, sc->n_stmts * sizeof *f->stmts))) rc = LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; rc == LAGO_OK && i < sc->n_stmts; i++) {
    const sql_stmt *t = sc->stmts[i];
    if (!(f->stmts[i] = arena_strndup(ar, sql + t->pos, (size_t)t->len))) rc = LAGO_NOMEM_ERR(err);
  }
  if (rc) {
    arena_free(ar);
    return rc;
  }
  f->n_stmts = sc->n_stmts;
  *out = f;
  return LAGO_OK;
}

void sql_foreach_free(sql_foreach *f) {
  if (f) arena_free(f->ar);
}

int64_t sql_foreach_rows_affected(const sql_foreach *f) { return f->affected; }

/* Commit hook: the first commit to the target carries the batch's txn and file list. */
static int fe_hook(void *ud, struct delta_txn *x, lago_err *err) {
  sql_foreach *f = ud;
  arena *tmp = arena_new("query", 1024);
  const char *root = tmp ? stream_abs_path(tmp, delta_txn_root(x)) : NULL;
  bool target = root && !strcmp(root, f->root);
  arena_free(tmp);
  if (!root) return LAGO_NOMEM_ERR(err);
  if (!target) return LAGO_OK;
  if (f->target_commits++)
    return LAGO_ERR(err, LAGO_UNSUPPORTED,
                    "foreachBatch SQL: a second commit to the stream's table in batch %lld; exactly-once needs one "
                    "commit per batch (do the work in one MERGE or INSERT, or write other tables). The first "
                    "commit of this batch stands and marks it done",
                    (long long)f->mb->batch_id);
  /* another process on the same checkpoint committed this batch after the stream checked (the
     Delta conflict check covers commits after this read; this covers those before it) */
  if (delta_txn_app_version(x, f->mb->app_id) >= f->mb->batch_id)
    return LAGO_ERR(err, LAGO_CONFLICT,
                    "batch %lld of stream %s was committed by another run meanwhile (table version %lld has it): is "
                    "another `lago ingest` running on this checkpoint?",
                    (long long)f->mb->batch_id, f->mb->app_id, (long long)delta_txn_read_version(x));
  TRY(delta_txn_set_app_version(x, f->mb->app_id, f->mb->batch_id, err));
  return delta_txn_add_params(x, f->mb->params, err);
}

/* No statement committed to the target: commit the batch's bookkeeping alone. */
static int commit_bookkeeping(sql_foreach *f, int64_t *version, lago_err *err) {
  delta_table *t = NULL;
  delta_snapshot *snap = NULL;
  delta_txn *x = NULL;
  int rc = delta_table_open(&f->s->h, f->root, &t, err);
  if (rc == LAGO_OK) rc = delta_snapshot_load(t, -1, &snap, err);
  if (rc == LAGO_NOTFOUND)
    lago_err_prefix(err, "foreachBatch SQL: the statements did not create the stream's table %s", f->root);
  if (rc == LAGO_OK && delta_snapshot_app_version(snap, f->mb->app_id) >= f->mb->batch_id)
    rc = LAGO_ERR(err, LAGO_CONFLICT, "batch %lld of stream %s was committed by another run meanwhile",
                  (long long)f->mb->batch_id, f->mb->app_id);
  if (rc == LAGO_OK) {
    delta_txn_opts o;
    memset(&o, 0, sizeof o);
    o.operation = "STREAMING UPDATE";
    o.operation_params = f->mb->params;
    rc = delta_txn_begin(t, snap, &o, &x, err);
  }
  if (rc == LAGO_OK) rc = delta_txn_set_app_version(x, f->mb->app_id, f->mb->batch_id, err);
  if (rc == LAGO_OK) {
    rc = delta_txn_commit(x, version, err);
    x = NULL;
  }
  delta_txn_abort(x);
  delta_snapshot_unref(snap);
  delta_table_free(t);
  return rc;
}

static int fe_batch(void *ud, const stream_merge_batch *mb, stream_rows *rows, int64_t *version, lago_err *err) {
  sql_foreach *f = ud;
  *version = -1;
  lago_type sch = stream_rows_schema(rows);
  uint32_t n = type_n_fields(sch);
  lago_type *types = mem_calloc(n ? n : 1, sizeof *types);
  const char **names = mem_calloc(n ? n : 1, sizeof *names);
  memsource *m = NULL;
  int rc = types && names ? LAGO_OK : LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; rc == LAGO_OK && i < n; i++) {
    types[i] = type_field_at(sch, i)->type;
    names[i] = type_field_at(sch, i)->name;
  }
  if (rc == LAGO_OK && !(m = memsource_new(n, types, names, f->view))) rc = LAGO_NOMEM_ERR(err);
  while (rc == LAGO_OK) {
    batch *b;
    if ((rc = stream_rows_next(rows, &b, err)) || !b || !b->n_rows) break;
    if (memsource_append(m, b)) rc = LAGO_NOMEM_ERR(err);
  }
  bool exists = true;
  if (rc == LAGO_OK && f->create_sql) {
    delta_table *t = NULL;
    rc = delta_table_open(&f->s->h, f->root, &t, err);
    if (rc == LAGO_OK) rc = delta_table_exists(t, &exists, err);
    delta_table_free(t);
  }
  if (rc == LAGO_OK) rc = sql_session_register(f->s, f->view, memsource_source(m), err);
  f->mb = mb;
  f->target_commits = 0;
  uint32_t n_run = exists ? f->n_stmts : 1;
  for (uint32_t i = 0; rc == LAGO_OK && i < n_run; i++) {
    const char *text = exists ? f->stmts[i] : f->create_sql;
    uint32_t before = f->target_commits;
    sql_session_set_commit_hook(f->s, fe_hook, f);
    sql_result *res = NULL;
    rc = sql_exec(f->s, text, &res, err);
    sql_session_set_commit_hook(f->s, NULL, NULL);
    if (rc == LAGO_OK) {
      int64_t a = sql_result_rows_affected(res);
      if (a > 0) f->affected += a;
      if (f->target_commits > before) *version = sql_session_last_commit(f->s);
    } else {
      lago_err_prefix(err, "statement %u (%.60s%s)", i + 1, text, strlen(text) > 60 ? "..." : "");
    }
    sql_result_free(res);
  }
  sql_session_unregister(f->s, f->view);
  memsource_free(m);
  mem_free(types);
  mem_free(names);
  if (rc == LAGO_OK && !f->target_commits) rc = commit_bookkeeping(f, version, err);
  return rc;
}

int sql_foreach_attach(sql_foreach *f, stream *st, lago_err *err) {
  const char *root = stream_table_root(st);
  if (!root)
    return LAGO_ERR(err, LAGO_MISUSE, "foreachBatch SQL needs a stream with a Delta table (whose log keeps progress)");
  if (!(f->root = arena_strdup(f->ar, root))) return LAGO_NOMEM_ERR(err);
  f->st = st;
  return stream_set_merge_sink(st, fe_batch, f, err);
}

/* ---- CREATE STREAMING TABLE / INSERT ... FROM STREAM read_files(...) ------------------------ */

#define BATCH_VIEW "__lago_stream_batch"

/* The STREAM table reference of a FROM tree (first found), or NULL. */
static sql_table_ref *find_stream_ref(sql_table_ref *t) {
  if (!t) return NULL;
  if (t->stream) return t;
  if (t->kind == SQL_T_JOIN) {
    sql_table_ref *r = find_stream_ref(t->left);
    return r ? r : find_stream_ref(t->right);
  }
  return NULL;
}

static sql_table_ref *query_stream_ref(const sql_query *qy) {
  if (!qy || qy->kind != SQL_Q_SELECT) return NULL;
  for (uint32_t i = 0; i < qy->select.n_from; i++) {
    sql_table_ref *r = find_stream_ref(qy->select.from[i]);
    if (r) return r;
  }
  return NULL;
}

static const sql_query *stmt_query_of(const sql_stmt *st) {
  if (st->kind == SQL_S_CREATE_TABLE) return st->create_table.as_query;
  if (st->kind == SQL_S_INSERT) return st->insert.query;
  return NULL;
}

bool sql_stmt_is_stream(const sql_stmt *st) {
  if (st->kind == SQL_S_CREATE_TABLE && st->create_table.kind == SQL_TBL_STREAMING) return true;
  return st->kind == SQL_S_INSERT && query_stream_ref(st->insert.query);
}

/* Text of a constant argument (string literal as is, other literals as written). */
static int arg_text(sql_ctx *q, const sql_expr *e, const char *what, const char **out) {
  if (e->kind != SQL_E_LITERAL || e->lit.kind == SQL_LIT_NULL)
    return sql_err_at(q, LAGO_BIND, e->pos, "STREAM read_files: %s must be a literal", what);
  *out = e->lit.kind == SQL_LIT_STRING ? e->lit.str : e->lit.text;
  return LAGO_OK;
}

/* key is name, with or without the "cloudFiles." prefix (case-insensitive). */
static bool key_is(const char *key, const char *name) {
  if (!strncasecmp(key, "cloudFiles.", 11)) key += 11;
  return !strcasecmp(key, name);
}

static int set_opt(sql_ctx *q, stream_opts *o, const char *key, const char *value, int pos) {
  lago_err tmp;
  lago_err_clear(&tmp);
  if (stream_opts_set(o, q->ar, key, value, &tmp)) return sql_err_at(q, tmp.rc, pos, "STREAM read_files: %s", tmp.msg);
  return LAGO_OK;
}

/*
** read_files('path', format => 'csv', k => v, ...) or cloud_files('path', 'csv'[, map('k', 'v', ...)]):
** the path and the stream options.
*/
static int stream_args(sql_ctx *q, const sql_table_ref *t, stream_opts *o, const char **path, bool *have_schema,
                       bool *have_mode) {
  if (t->kind != SQL_T_FUNC)
    return sql_err_at(q, LAGO_UNSUPPORTED, t->pos,
                      "STREAM of a table is not supported; stream files with STREAM read_files('path', ...)");
  const sql_func *f = &t->func->func;
  const char *name = f->name.parts[f->name.n_parts - 1].name;
  bool cloud = !strcasecmp(name, "cloud_files");
  if (!cloud && strcasecmp(name, "read_files"))
    return sql_err_at(q, LAGO_UNSUPPORTED, t->pos, "STREAM %s(...) is not supported (read_files, cloud_files)", name);
  if (f->n_args < 1 || f->args[0]->kind == SQL_E_NAMED_ARG)
    return sql_err_at(q, LAGO_BIND, t->pos, "STREAM %s needs a path as its first argument", name);
  TRY(arg_text(q, f->args[0], "the path", path));
  bool have_format = false;
  for (uint32_t i = 1; i < f->n_args; i++) {
    const sql_expr *a = f->args[i];
    const char *key = NULL, *val = NULL;
    if (a->kind == SQL_E_NAMED_ARG) {
      key = a->named_arg.name.name;
      TRY(arg_text(q, a->named_arg.value, key, &val));
    } else if (cloud && i == 1) {
      key = "format";
      TRY(arg_text(q, a, "the format", &val));
    } else if (cloud && i == 2 && a->kind == SQL_E_FUNC && !strcasecmp(a->func.name.parts[a->func.name.n_parts - 1].name, "map")) {
      if (a->func.n_args % 2)
        return sql_err_at(q, LAGO_BIND, a->pos, "cloud_files: map(...) needs key, value pairs");
      for (uint32_t j = 0; j < a->func.n_args; j += 2) {
        const char *k = NULL, *v = NULL;
        TRY(arg_text(q, a->func.args[j], "an option name", &k));
        TRY(arg_text(q, a->func.args[j + 1], "an option value", &v));
        have_format |= key_is(k, "format");
        *have_schema |= key_is(k, "schema");
        *have_mode |= key_is(k, "schemaEvolutionMode");
        TRY(set_opt(q, o, !strcasecmp(k, "inferSchema") ? "inferColumnTypes" : k, v, a->func.args[j]->pos));
      }
      continue;
    } else {
      return sql_err_at(q, LAGO_BIND, a->pos, "STREAM %s takes options as name => value", name);
    }
    have_format |= key_is(key, "format");
    *have_schema |= key_is(key, "schema");
    *have_mode |= key_is(key, "schemaEvolutionMode");
    TRY(set_opt(q, o, !strcasecmp(key, "inferSchema") ? "inferColumnTypes" : key, val, a->pos));
  }
  if (!have_format) return sql_err_at(q, LAGO_BIND, t->pos, "STREAM %s needs format => 'csv'|'json'|'parquet'", name);
  return LAGO_OK;
}

/* s as a SQL string literal ('...' with \\ and \' escaped). */
static int put_literal(buf *b, const char *s) {
  int rc = buf_putc(b, '\'');
  for (; s && *s; s++) {
    if (*s == '\'' || *s == '\\') rc |= buf_putc(b, '\\');
    rc |= buf_putc(b, *s);
  }
  return rc | buf_putc(b, '\'');
}

static void stream_event_drop(void *ud, stream_event_kind kind, const char *msg) {
  (void)ud;
  (void)kind;
  (void)msg;
}

int stmt_stream(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_query *qy = stmt_query_of(st);
  const sql_name *tname = st->kind == SQL_S_INSERT ? &st->insert.table : &st->create_table.name;
  if (st->kind == SQL_S_CREATE_TABLE) {
    const sql_create_table *ct = &st->create_table;
    if (!qy) return sql_err_at(q, LAGO_BIND, st->pos, "CREATE STREAMING TABLE needs AS SELECT ... FROM STREAM read_files(...)");
    if (ct->n_cols || ct->location || ct->n_partition_by || ct->or_replace || ct->clone)
      return sql_err_at(q, LAGO_UNSUPPORTED, st->pos,
                        "CREATE STREAMING TABLE: column lists, LOCATION, PARTITIONED BY are not supported");
  } else if (st->insert.overwrite || st->insert.n_cols || st->insert.replace_where || st->insert.n_partition) {
    return sql_err_at(q, LAGO_UNSUPPORTED, st->pos,
                      "INSERT ... FROM STREAM supports only INSERT INTO t SELECT ... (no OVERWRITE, column list, REPLACE "
                      "WHERE)");
  }
  sql_table_ref *ref = query_stream_ref(qy);
  if (!ref)
    return sql_err_at(q, LAGO_BIND, st->pos,
                      "a streaming statement needs FROM STREAM read_files(...) in its top-level SELECT");
  stream_opts o;
  stream_opts_init(&o);
  o.trigger.kind = TRIGGER_AVAILABLE_NOW;
  const char *path = NULL;
  bool have_schema = false, have_mode = false;
  TRY(stream_args(q, ref, &o, &path, &have_schema, &have_mode));
  if (!have_schema && !have_mode) TRY(set_opt(q, &o, "schemaEvolutionMode", "rescue", ref->pos));
  o.threads = q->s->n_threads > 0 ? q->s->n_threads : 2;

  /* the target */
  sql_tname tn;
  TRY(sql_resolve_name(q, tname, &tn));
  lago_err tmp;
  lago_err_clear(&tmp);
  const char *root = NULL;
  catalog_kind kind = 0;
  if (catalog_table_root(q->s->cat, &tn.n, q->ar, &root, &kind, &tmp)) return sql_err_at(q, tmp.rc, tname->pos, "%s", tmp.msg);
  if (kind == CATALOG_VIEW) return sql_err_at(q, LAGO_BIND, tname->pos, "%s is a view", sql_tname_text(q, &tn));
  bool exists = false;
  delta_table *dt = NULL;
  int rc = delta_table_open(&q->s->h, root, &dt, &tmp);
  if (rc == LAGO_OK) rc = delta_table_exists(dt, &exists, &tmp);
  delta_table_free(dt);
  if (rc) return sql_err_at(q, rc, tname->pos, "%s", tmp.msg);
  const char *full = sql_tname_text(q, &tn);
  if (!full) return LAGO_NOMEM_ERR(q->err);
  if (st->kind == SQL_S_CREATE_TABLE && exists && !st->create_table.or_refresh) {
    if (st->create_table.if_not_exists) return LAGO_OK;
    return sql_err_at(q, LAGO_EXISTS, tname->pos,
                      "[TABLE_OR_VIEW_ALREADY_EXISTS] Cannot create table %s because it already exists (CREATE OR "
                      "REFRESH STREAMING TABLE loads its new files)",
                      full);
  }
  if (st->kind == SQL_S_INSERT && !exists)
    return sql_err_at(q, LAGO_NOTFOUND, tname->pos, "[TABLE_OR_VIEW_NOT_FOUND] The table %s cannot be found", full);

  /* the per-batch statements: the stream reference becomes the batch view */
  sql_table_ref saved = *ref;
  ref->kind = SQL_T_NAME;
  ref->stream = false;
  ref->func = NULL;
  sql_ident *part = arena_alloc(q->ar, sizeof *part);
  if (!part) return LAGO_NOMEM_ERR(q->err);
  memset(part, 0, sizeof *part);
  part->name = BATCH_VIEW;
  ref->name.parts = part;
  ref->name.n_parts = 1;
  if (!ref->alias.name) ref->alias.name = saved.kind == SQL_T_FUNC ? "read_files" : NULL;
  buf sel, ins, cre;
  buf_init(&sel);
  buf_init(&ins);
  buf_init(&cre);
  rc = sql_print_query(&sel, qy, 0);
  *ref = saved;
  /* the SELECT reads _metadata.*: the stream adds the column (hidden from *, as for file sources) */
  if (rc == LAGO_OK && strcasestr(buf_cstr(&sel), "_metadata")) {
    rc = set_opt(q, &o, "includeMetadata", "true", ref->pos);
    if (rc) {
      buf_deinit(&sel);
      return rc;
    }
  }
  if (rc == LAGO_OK) {
    rc = buf_printf(&ins, "INSERT INTO %s %s", full, buf_cstr(&sel));
    /* the table keeps its definition (SHOW TBLPROPERTIES) and the user's TBLPROPERTIES */
    buf def;
    buf_init(&def);
    rc |= sql_print_stmt(&def, st, 0);
    rc |= buf_printf(&cre, "CREATE TABLE %s TBLPROPERTIES ('lago.streamingTable.definition' = ", full);
    rc |= put_literal(&cre, buf_cstr(&def));
    buf_deinit(&def);
    if (st->kind == SQL_S_CREATE_TABLE)
      for (uint32_t i = 0; i < st->create_table.tblproperties.n_items; i++) {
        const sql_prop *pr = &st->create_table.tblproperties.items[i];
        rc |= buf_puts(&cre, ", ");
        rc |= put_literal(&cre, pr->key);
        rc |= buf_puts(&cre, " = ");
        rc |= put_literal(&cre, pr->value ? pr->value : "");
      }
    rc |= buf_printf(&cre, ") AS %s", buf_cstr(&sel));
  }
  /* rc: LAGO_OK or a failed append (out of memory) */
  const char *ins_sql = rc == LAGO_OK ? arena_strdup(q->ar, buf_cstr(&ins)) : NULL;
  const char *cre_sql = rc == LAGO_OK ? arena_strdup(q->ar, buf_cstr(&cre)) : NULL;
  buf_deinit(&sel);
  buf_deinit(&ins);
  buf_deinit(&cre);
  if (!ins_sql || !cre_sql) return LAGO_NOMEM_ERR(q->err);

  /* the source and the checkpoint (as COPY INTO's, keyed by table, source and format) */
  const char *src = path;
  if (!strncmp(src, "/Volumes/", 9) && catalog_volume_path(q->s->cat, src, q->ar, &src, &tmp))
    return sql_err_at(q, tmp.rc, ref->pos, "%s", tmp.msg);
  const char *abs_src = stream_abs_path(q->ar, src);
  const char *abs_root = stream_abs_path(q->ar, root);
  const char *dflt = abs_src && abs_root ? stream_default_checkpoint(q->ar, q->s->warehouse, abs_root, abs_src, o.format, NULL) : NULL;
  const char *base = dflt ? strrchr(dflt, '/') : NULL;
  o.stream_name = base ? arena_printf(q->ar, "sql-stream-%s", base + 1) : NULL;
  const char *ckpt =
      o.stream_name ? stream_default_checkpoint(q->ar, q->s->warehouse, abs_root, abs_src, o.format, o.stream_name) : NULL;
  if (!ckpt) return LAGO_NOMEM_ERR(q->err);

  /* run: a second session on the warehouse runs the per-batch statements */
  sql_session *s2 = NULL;
  sql_foreach *f = NULL;
  stream *s = NULL;
  rc = sql_session_new(q->s->warehouse, &s2, &tmp);
  if (rc == LAGO_OK) {
    strcpy(s2->cur_catalog, q->s->cur_catalog);
    strcpy(s2->cur_schema, q->s->cur_schema);
    s2->n_threads = q->s->n_threads;
    rc = sql_foreach_new(s2, BATCH_VIEW, ins_sql, &f, &tmp);
  }
  if (rc == LAGO_OK) f->create_sql = cre_sql;
  stream_target target = {abs_root, NULL, NULL, full};
  stream_hooks hooks;
  memset(&hooks, 0, sizeof hooks);
  hooks.on_event = stream_event_drop;
  if (rc == LAGO_OK) rc = stream_open(&q->s->h, &o, abs_src, &target, ckpt, &hooks, &s, &tmp);
  if (rc == LAGO_OK) rc = sql_foreach_attach(f, s, &tmp);
  if (rc == LAGO_OK) {
    stream_set_merge_create(s, st->kind == SQL_S_CREATE_TABLE);
    rc = stream_run(s, &tmp);
  }
  int64_t rows = f ? sql_foreach_rows_affected(f) : 0;
  stream_close(s);
  sql_foreach_free(f);
  sql_session_free(s2);
  if (rc) return sql_err_at(q, rc, st->pos, "%s: %s", full, tmp.msg);
  if (!exists) { /* CREATE: a run that found no file creates nothing (the schema comes from the files) */
    rc = delta_table_open(&q->s->h, root, &dt, &tmp);
    if (rc == LAGO_OK) rc = delta_table_exists(dt, &exists, &tmp);
    delta_table_free(dt);
    if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
    if (!exists)
      return sql_err_at(q, LAGO_NOTFOUND, ref->pos,
                        "CREATE STREAMING TABLE %s: no files to load in %s, so no schema to create the table with; "
                        "run it again when files have arrived",
                        full, abs_src);
  }
  out->rows_affected = rows;
  const char *names[2] = {"num_affected_rows", "num_inserted_rows"};
  int64_t vals[2] = {rows, rows};
  return rowset_metrics(q, 2, names, vals, &out->rows);
}
