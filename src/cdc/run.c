/*
** cdc/run.c: the ingestor driver (cdc.h cdc_run_table), the seed users'
** "run the full load only if the table does not exist, then always run the
** CDC stream", done so that it is exactly-once and crash-safe:
**
**   1. Resolve the target (catalog name or path), its quarantine table, the
**      full-load and CDC paths (/Volumes/... map into the warehouse) and the
**      stream's checkpoint directory.
**   2. --full-refresh: the table's directory and the checkpoint are removed.
**   3. No table: the full load is one CTAS commit (read_files over the
**      full-load files, the definition's columns; without a full load the
**      table is created empty from the CDC files' columns), and the CDC
**      checkpoint is removed: the new table has a new id, so the stream would
**      also notice and start over; removing it says so plainly. A crash
**      before the CTAS commit leaves no table, so the next run loads again.
**   4. The CDC directory is read as a stream (stream/, Auto Loader rules:
**      new files only, availableNow, file list in the checkpoint and in every
**      commit) whose sink is the apply core: each micro-batch is one MERGE
**      commit carrying txn(stream id, batch id) and the batch's file list.
**      Exactly-once follows from stream/'s argument: a batch commits with its
**      progress or not at all; a lost checkpoint is rebuilt from the table.
** A run with no new files lists the CDC directory, reads the checkpoint and
** the table log's tail, and commits nothing.
*/
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cdc/cdc_int.h"
#include "stream/stream.h"
#include "table/catalog.h"

static volatile sig_atomic_t g_stop;
static stream *volatile g_stream;

void cdc_request_stop(void) {
  g_stop = 1;
  stream *s = g_stream;
  if (s) stream_request_stop(s);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *cdc_table_display(const cdc_table_def *t, arena *ar) {
  if (t->path) return t->path;
  size_t n = strlen(t->catalog) + strlen(t->schema) + strlen(t->table) + 3;
  char *s = arena_alloc(ar, n);
  if (s) snprintf(s, n, "%s.%s.%s", t->catalog, t->schema, t->table);
  return s;
}

static const char *fmt_name(cdc_format f) {
  return f == CDC_FMT_CSV ? "csv" : f == CDC_FMT_JSON ? "json" : "parquet";
}

/* SQL string literal. */
static int sql_str(buf *b, const char *s) {
  int rc = buf_putc(b, '\'');
  for (; *s && !rc; s++) {
    if (*s == '\'' || *s == '\\') rc = buf_putc(b, '\\');
    if (!rc) rc = buf_putc(b, *s);
  }
  if (!rc) rc = buf_putc(b, '\'');
  return rc ? LAGO_NOMEM : LAGO_OK;
}

/* Options that drive the stream, not the file reader (not passed to read_files). */
static bool stream_only_option(const char *k) {
  static const char *const names[] = {
      "maxFilesPerTrigger", "maxBytesPerTrigger", "includeExistingFiles", "allowOverwrites", "pathGlobFilter",
      "recursiveFileLookup", "modifiedAfter", "modifiedBefore", "useNotifications", "backfillInterval",
      "schemaEvolutionMode", "schemaHints", "schemaLocation", "inferColumnTypes", "rescuedDataColumn",
      "includeMetadata", "ignoreCorruptFiles", "threads", NULL};
  if (!strncasecmp(k, "cloudFiles.", 11)) return true;
  if (!strncasecmp(k, "schemaInference.", 16)) return true;
  for (int i = 0; names[i]; i++)
    if (!strcasecmp(k, names[i])) return true;
  for (const char *p = k; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_')) return true;
  return false;
}

/* read_files('<path>', format => '<fmt>', <reader options>) */
static int read_files_sql(buf *b, const cdc_table_def *t, const char *path) {
  buf_puts(b, "read_files(");
  TRY(sql_str(b, path));
  buf_printf(b, ", format => '%s'", fmt_name(t->format));
  if (t->columns) {
    buf_puts(b, ", schema => ");
    TRY(sql_str(b, t->columns));
  }
  for (uint32_t i = 0; i < t->n_opts; i++) {
    if (stream_only_option(t->opt_keys[i])) continue;
    buf_printf(b, ", `%s` => ", t->opt_keys[i]);
    TRY(sql_str(b, t->opt_values[i]));
  }
  buf_puts(b, ")");
  return buf_cstr(b) ? LAGO_OK : LAGO_NOMEM;
}

typedef struct runner {
  const cdc_table_def *t;
  const cdc_run_opts *o;
  const cdc_run_hooks *hooks;
  arena *ar;
  sql_session *sess;
  catalog *cat;
  tbl_handlers h;
  const char *display, *root, *table_sql, *quar_sql;
  const char *full_load, *cdc;  /* resolved paths */
  const char *ckpt;
  bool managed;
  cdc_applier *applier;
  cdc_run_result *res;
} runner;

static void event(runner *r, cdc_event_kind k, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void event(runner *r, cdc_event_kind k, const char *fmt, ...) {
  if (!r->hooks || !r->hooks->on_event) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  r->hooks->on_event(r->hooks->ud, r->t, k, msg);
}

static int resolve_path(runner *r, const char *p, const char **out, lago_err *err) {
  if (!p) {
    *out = NULL;
    return LAGO_OK;
  }
  if (!strncmp(p, "file:", 5)) p += 5;
  if (!strncmp(p, "/Volumes/", 9)) return catalog_volume_path(r->cat, p, r->ar, out, err);
  *out = p;
  return LAGO_OK;
}

/* A full-load directory means its files of the table's format (by extension): exports often hold several formats. */
static int full_load_glob(runner *r, const char *p, const char **out, lago_err *err) {
  *out = p;
  if (!p || strpbrk(p, "*?[")) return LAGO_OK;
  fs_stat st;
  lago_err tmp;
  lago_err_clear(&tmp);
  if (fs_stat_path(r->h.fs, p, &st, &tmp) || !st.is_dir) return LAGO_OK; /* a file, or missing: read_files says */
  const char *ext = r->t->format == CDC_FMT_CSV ? "*.csv" : r->t->format == CDC_FMT_JSON ? "*.json*" : "*.parquet";
  return (*out = path_join(r->ar, p, ext)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
}

static int quote_name3(runner *r, const char *c, const char *s, const char *t, const char **out, lago_err *err) {
  buf b;
  buf_init(&b);
  cdc_quote(&b, c);
  buf_putc(&b, '.');
  cdc_quote(&b, s);
  buf_putc(&b, '.');
  cdc_quote(&b, t);
  *out = buf_cstr(&b) ? arena_strdup(r->ar, buf_cstr(&b)) : NULL;
  buf_deinit(&b);
  return *out ? LAGO_OK : LAGO_NOMEM_ERR(err);
}

static int resolve_target(runner *r, lago_err *err) {
  const cdc_table_def *t = r->t;
  if (t->path) {
    buf b;
    buf_init(&b);
    buf_puts(&b, "delta.`");
    for (const char *p = t->path; *p; p++) {
      if (*p == '`') buf_putc(&b, '`');
      buf_putc(&b, *p);
    }
    buf_putc(&b, '`');
    r->table_sql = buf_cstr(&b) ? arena_strdup(r->ar, buf_cstr(&b)) : NULL;
    buf_clear(&b);
    r->root = t->path;
    r->managed = true;
    if (!t->spec.quarantine) {
      buf_puts(&b, "delta.`");
      for (const char *p = t->path; *p; p++) {
        if (*p == '`') buf_putc(&b, '`');
        buf_putc(&b, *p);
      }
      buf_puts(&b, "_quarantine`");
      r->quar_sql = buf_cstr(&b) ? arena_strdup(r->ar, buf_cstr(&b)) : NULL;
      if (!r->quar_sql) return LAGO_NOMEM_ERR(err);
    } else if (*t->spec.quarantine) {
      TRY(quote_name3(r, t->catalog, t->schema, t->spec.quarantine, &r->quar_sql, err));
    }
    buf_deinit(&b);
    if (!r->table_sql) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  }
  if (strcmp(t->catalog, "main")) TRY(catalog_create_catalog(r->cat, t->catalog, true, err));
  TRY(catalog_create_schema(r->cat, t->catalog, t->schema, true, err));
  catalog_name n;
  memset(&n, 0, sizeof n);
  snprintf(n.catalog, sizeof n.catalog, "%s", t->catalog);
  snprintf(n.schema, sizeof n.schema, "%s", t->schema);
  snprintf(n.name, sizeof n.name, "%s", t->table);
  catalog_kind kind = 0;
  TRY(catalog_table_root(r->cat, &n, r->ar, &r->root, &kind, err));
  if (kind == CATALOG_VIEW || kind == CATALOG_VOLUME)
    return LAGO_ERR(err, LAGO_BIND, "%s is a %s, not a table", r->display, kind == CATALOG_VIEW ? "view" : "volume");
  r->managed = kind != CATALOG_EXTERNAL;
  TRY(quote_name3(r, t->catalog, t->schema, t->table, &r->table_sql, err));
  if (!t->spec.quarantine) {
    char qn[CATALOG_NAME_MAX + 16];
    snprintf(qn, sizeof qn, "%s_quarantine", t->table);
    TRY(quote_name3(r, t->catalog, t->schema, qn, &r->quar_sql, err));
  } else if (*t->spec.quarantine) {
    TRY(quote_name3(r, t->catalog, t->schema, t->spec.quarantine, &r->quar_sql, err));
  }
  return LAGO_OK;
}

/* Column names of a query's result (LIMIT 0), in ar. */
static int result_columns(runner *r, const char *sql, const char ***names, uint32_t *n, lago_err *err) {
  sql_result *res = NULL;
  TRY(sql_exec(r->sess, sql, &res, err));
  *n = sql_result_n_cols(res);
  *names = arena_alloc(r->ar, (*n ? *n : 1) * sizeof **names);
  int rc = *names ? LAGO_OK : LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; rc == LAGO_OK && i < *n; i++)
    if (!((*names)[i] = arena_strdup(r->ar, sql_result_col_name(res, i)))) rc = LAGO_NOMEM_ERR(err);
  sql_result_free(res);
  return rc;
}

/* CTAS of the full load (or, without one, an empty table shaped like the CDC files). */
static int full_load(runner *r, lago_err *err) {
  const cdc_table_def *t = r->t;
  const char *src = r->full_load ? r->full_load : r->cdc;
  double t0 = now_s();
  buf rf, q;
  buf_init(&rf);
  buf_init(&q);
  int rc = read_files_sql(&rf, t, src) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  const char **cols = NULL;
  uint32_t nc = 0;
  if (rc == LAGO_OK) {
    buf_printf(&q, "SELECT * FROM %s LIMIT 0", buf_cstr(&rf));
    rc = buf_cstr(&q) ? result_columns(r, buf_cstr(&q), &cols, &nc, err) : LAGO_NOMEM_ERR(err);
    if (rc && !r->full_load)
      lago_err_prefix(err, "table %s does not exist and has no full_load: its columns are taken from the CDC files "
                           "(or give columns:), but they cannot be read",
                      r->display);
  }
  if (rc == LAGO_OK) {
    buf_clear(&q);
    buf_printf(&q, "CREATE TABLE %s AS SELECT ", r->table_sql);
    uint32_t k = 0;
    for (uint32_t i = 0; i < nc; i++) {
      bool key = false;
      for (uint32_t j = 0; j < t->spec.n_keys; j++) key |= !strcasecmp(t->spec.keys[j], cols[i]);
      if (!key && cdc_spec_ignores(&t->spec, cols[i])) continue;
      if (!strcasecmp(cols[i], "_rescued_data")) continue;
      if (k++) buf_puts(&q, ", ");
      cdc_quote(&q, cols[i]);
    }
    if (!k) rc = LAGO_ERR(err, LAGO_BIND, "%s has no columns to load", src);
    buf_printf(&q, " FROM %s", buf_cstr(&rf));
    if (!r->full_load) buf_puts(&q, " LIMIT 0");
  }
  int64_t rows = 0;
  if (rc == LAGO_OK) {
    sql_result *res = NULL;
    rc = buf_cstr(&q) ? sql_exec(r->sess, buf_cstr(&q), &res, err) : LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) rows = sql_result_rows_affected(res);
    sql_result_free(res);
  }
  buf_deinit(&rf);
  buf_deinit(&q);
  if (rc) return lago_err_prefix(err, "full load of %s from %s", r->display, src);
  r->res->full_loaded = true;
  r->res->full_load_rows = rows < 0 ? 0 : rows;
  int64_t v = sql_session_last_commit(r->sess);
  if (r->hooks && r->hooks->on_full_load) r->hooks->on_full_load(r->hooks->ud, t, r->res->full_load_rows, v, now_s() - t0);
  return LAGO_OK;
}

/* ---- the stream ------------------------------------------------------------------------- */

static void on_stream_event(void *ud, stream_event_kind kind, const char *msg) {
  runner *r = ud;
  event(r, kind == STREAM_WARN ? CDC_WARN : CDC_INFO, "%s", msg);
}

static int rows_next(void *ud, batch **out, lago_err *err) { return stream_rows_next(ud, out, err); }

static int on_merge(void *ud, const stream_merge_batch *mb, stream_rows *rows, int64_t *version, lago_err *err) {
  runner *r = ud;
  cdc_batch_id id = {mb->app_id, mb->batch_id, mb->params};
  cdc_batch_result res;
  int rc = cdc_apply(r->applier, stream_rows_schema(rows), rows_next, rows, &id, &res, err);
  if (rc) return rc;
  *version = res.version;
  cdc_run_result *t = r->res;
  t->batches++;
  t->files += mb->n_files;
  t->changes += res.changes;
  t->quarantined += res.quarantined;
  t->ignored += res.ignored;
  t->inserted += res.inserted;
  t->updated += res.updated;
  t->deleted += res.deleted;
  if (r->hooks && r->hooks->on_batch) r->hooks->on_batch(r->hooks->ud, r->t, mb->batch_id, mb->n_files, &res);
  return LAGO_OK;
}

static int run_stream(runner *r, lago_err *err) {
  const cdc_table_def *t = r->t;
  stream_opts so;
  stream_opts_init(&so);
  so.format = t->format == CDC_FMT_CSV ? STREAM_CSV : t->format == CDC_FMT_JSON ? STREAM_JSON : STREAM_PARQUET;
  so.trigger.kind = r->o->once ? TRIGGER_ONCE : TRIGGER_AVAILABLE_NOW;
  so.stream_name = NULL;
  /* change rows have op/sequence columns the table lacks: a lost schema is inferred again, never the table's */
  so.source_not_table = true;
  int rc = LAGO_OK;
  if (t->columns) rc = stream_opts_set(&so, r->ar, "schema", t->columns, err);
  /* the pinned schema never changes by itself: new source columns are an error to look at, not a silent change */
  if (rc == LAGO_OK) rc = stream_opts_set(&so, r->ar, "schemaEvolutionMode", "none", err);
  for (uint32_t i = 0; rc == LAGO_OK && i < t->n_opts; i++) rc = stream_opts_set(&so, r->ar, t->opt_keys[i], t->opt_values[i], err);
  if (rc == LAGO_OK && r->o->max_files > 0) so.max_files = r->o->max_files;
  if (rc) return lago_err_prefix(err, "%s", t->file ? t->file : r->display);
  stream_target tgt;
  memset(&tgt, 0, sizeof tgt);
  tgt.table_root = r->root;
  tgt.display_name = r->display;
  stream_hooks hk;
  memset(&hk, 0, sizeof hk);
  hk.on_event = on_stream_event;
  hk.ud = r;
  stream *s = NULL;
  TRY(stream_open(&r->h, &so, r->cdc, &tgt, r->ckpt, &hk, &s, err));
  rc = stream_set_merge_sink(s, on_merge, r, err);
  if (rc == LAGO_OK) {
    g_stream = s;
    if (g_stop) stream_request_stop(s);
    rc = stream_run(s, err);
    g_stream = NULL;
  }
  stream_close(s);
  return rc;
}

int cdc_run_table(const cdc_table_def *t, const cdc_run_opts *o, const cdc_run_hooks *hooks, cdc_run_result *out,
                  lago_err *err) {
  memset(out, 0, sizeof *out);
  out->version = -1;
  double t0 = now_s();
  runner r;
  memset(&r, 0, sizeof r);
  r.t = t;
  r.o = o;
  r.hooks = hooks;
  r.res = out;
  r.h = tbl_handlers_default(fs_local());
  if (!(r.ar = arena_new("cdc-run", 16384))) return LAGO_NOMEM_ERR(err);
  int rc = sql_session_new(o->warehouse, &r.sess, err);
  if (rc == LAGO_OK && o->threads > 0) {
    char set[64];
    snprintf(set, sizeof set, "SET lago.threads = %d", o->threads);
    sql_result *res = NULL;
    rc = sql_exec(r.sess, set, &res, err);
    sql_result_free(res);
  }
  if (rc == LAGO_OK) rc = catalog_open(&r.h, o->warehouse, &r.cat, err);
  if (rc == LAGO_OK && !(r.display = cdc_table_display(t, r.ar))) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = resolve_target(&r, err);
  if (rc == LAGO_OK) rc = resolve_path(&r, t->full_load, &r.full_load, err);
  if (rc == LAGO_OK) rc = full_load_glob(&r, r.full_load, &r.full_load, err);
  if (rc == LAGO_OK) rc = resolve_path(&r, t->cdc, &r.cdc, err);
  if (rc == LAGO_OK) {
    if (t->checkpoint) r.ckpt = t->checkpoint;
    else if (!(r.ckpt = stream_default_checkpoint(r.ar, o->warehouse, r.root, r.cdc,
                                                  t->format == CDC_FMT_CSV    ? STREAM_CSV
                                                  : t->format == CDC_FMT_JSON ? STREAM_JSON
                                                                              : STREAM_PARQUET,
                                                  NULL)))
      rc = LAGO_NOMEM_ERR(err);
  }
  /* the table: exists? full refresh? full load */
  delta_table *dt = NULL;
  bool exists = false;
  if (rc == LAGO_OK) rc = delta_table_open(&r.h, r.root, &dt, err);
  if (rc == LAGO_OK) rc = delta_table_exists(dt, &exists, err);
  delta_table_free(dt);
  if (rc == LAGO_OK && o->full_refresh) {
    if (exists && !r.managed)
      rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "%s is an external table: --full-refresh does not delete its data; drop it "
                                           "yourself", r.display);
    if (rc == LAGO_OK && exists) {
      event(&r, CDC_INFO, "full refresh: deleting table %s (%s) and its CDC progress", r.display, r.root);
      rc = fs_remove_tree(r.h.fs, r.root, err);
      exists = false;
    }
    if (rc == LAGO_OK) rc = fs_remove_tree(r.h.fs, r.ckpt, err);
  }
  if (rc == LAGO_OK && !exists) {
    if (r.full_load) event(&r, CDC_INFO, "table %s does not exist: full load from %s", r.display, r.full_load);
    else event(&r, CDC_INFO, "table %s does not exist and has no full load: creating it empty from the CDC files' columns",
               r.display);
    /* leftovers of an earlier incarnation of the directory (never referenced by the new table) */
    const char *sd = path_join(r.ar, r.root, CDC_STATE_DIR);
    if (!sd) rc = LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) rc = fs_remove_tree(r.h.fs, sd, err);
    if (rc == LAGO_OK) rc = full_load(&r, err);
    if (rc == LAGO_OK) {
      bool had = false;
      rc = fs_exists(r.h.fs, r.ckpt, &had, err);
      if (rc == LAGO_OK && had) {
        event(&r, CDC_INFO, "new table: resetting the CDC progress (checkpoint %s)", r.ckpt);
        rc = fs_remove_tree(r.h.fs, r.ckpt, err);
      }
    }
  }
  if (rc == LAGO_OK) rc = cdc_applier_new(r.sess, r.table_sql, r.root, r.quar_sql, &t->spec, &r.applier, err);
  if (rc == LAGO_OK && !g_stop) rc = run_stream(&r, err);
  if (rc == LAGO_OK) {
    delta_table *t2 = NULL;
    delta_snapshot *snap = NULL;
    if (delta_table_open(&r.h, r.root, &t2, err) == LAGO_OK && delta_snapshot_load(t2, -1, &snap, err) == LAGO_OK)
      out->version = delta_snapshot_version(snap);
    lago_err_clear(err);
    delta_snapshot_unref(snap);
    delta_table_free(t2);
  }
  cdc_applier_free(r.applier);
  catalog_free(r.cat);
  sql_session_free(r.sess);
  arena_free(r.ar);
  out->seconds = now_s() - t0;
  return rc;
}
