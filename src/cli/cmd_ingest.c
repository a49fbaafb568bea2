/*
** cli/cmd_ingest.c: `lago ingest`: incremental file ingestion (Auto Loader)
** into a Delta table (stream/stream.h).
**
**   lago ingest SOURCE --format csv|json|parquet --into TABLE    (SOURCE may be /Volumes/c/s/v/...)
**               [--trigger available-now|once|every=10s|continuous]
**               [--option KEY=VALUE]... [--add-column NAME=EXPR]...
**               [--checkpoint DIR] [--json] [--quiet]
**               [--foreach-batch-sql 'SQL; ...' | @FILE [--batch-view NAME]]
**
** --foreach-batch-sql: instead of appending, each micro-batch is a view
** (`batch` unless --batch-view) and the statements run on it, e.g.
** MERGE INTO TABLE USING batch b ON ... (sql/stmt_stream.c); the first commit
** they make to TABLE carries the batch's txn and file list (exactly-once).
** TABLE must exist; the default checkpoint is its own (foreach-<table>-<hash>).
**
** Output: one line per batch on stdout (files, rows, bytes, rate, lag,
** backlog, table version); what the stream decides (recovery, schema
** changes, skipped files, malformed records) on stderr as "lago ingest: ...";
** a progress bar on stderr during long batches when it is a terminal; with
** --json, nothing on stdout but one JSON summary at the end. Ctrl-C stops
** after the batch in flight (exit 0, "stopped"); a second Ctrl-C aborts.
*/
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sql/engine.h"
#include "stream/stream.h"
#include "table/catalog.h"
#include "util/buf.h"
#include "util/json.h"

static stream *g_stream; /* for the signal handler */
static volatile sig_atomic_t g_sigints;

static void on_sigint(int sig) {
  (void)sig;
  g_sigints++;
  if (g_sigints == 1) {
    stream_request_stop(g_stream);
    static const char msg[] = "\nlago ingest: stopping after the batch in flight (Ctrl-C again to abort)\n";
    ssize_t r = write(2, msg, sizeof msg - 1);
    (void)r;
  } else {
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
  }
}

typedef struct ictx {
  bool json, quiet, bar, bar_shown;
  buf batches; /* JSON array items for --json */
  json_writer *jw;
  const char *table;
} ictx;

static void on_event(void *ud, stream_event_kind kind, const char *msg) {
  ictx *c = ud;
  if (c->bar_shown) {
    fputs("\r\033[K", stderr);
    c->bar_shown = false;
  }
  if (c->quiet && kind == STREAM_INFO) return;
  fprintf(stderr, "lago ingest: %s%s\n", kind == STREAM_WARN ? "warning: " : "", msg);
}

static void human_bytes(uint64_t b, char *out, size_t n) {
  if (b >= (uint64_t)1 << 30) snprintf(out, n, "%.2f GB", (double)b / 1e9);
  else if (b >= (uint64_t)1 << 20) snprintf(out, n, "%.1f MB", (double)b / 1e6);
  else if (b >= 1024) snprintf(out, n, "%.1f kB", (double)b / 1e3);
  else snprintf(out, n, "%llu B", (unsigned long long)b);
}

static void on_progress(void *ud, uint64_t done, uint64_t total) {
  ictx *c = ud;
  if (!c->bar || !total) return;
  int width = 30, fill = (int)((double)done / (double)total * width);
  if (fill > width) fill = width;
  char d[32], t[32];
  human_bytes(done, d, sizeof d);
  human_bytes(total, t, sizeof t);
  fprintf(stderr, "\r[%.*s%*s] %3d%% %s / %s", fill, "##############################", width - fill, "",
          (int)(100.0 * (double)done / (double)total), d, t);
  c->bar_shown = true;
}

static void on_batch(void *ud, const stream_batch_report *r) {
  ictx *c = ud;
  if (c->bar_shown) {
    fputs("\r\033[K", stderr);
    c->bar_shown = false;
  }
  double secs = r->seconds > 0 ? r->seconds : 1e-9;
  if (c->json) {
    json_writer w;
    json_w_init(&w, &c->batches);
    if (c->batches.len) buf_putc(&c->batches, ',');
    json_w_begin_obj(&w);
    json_w_key(&w, "batch");
    json_w_i64(&w, r->batch_id);
    json_w_key(&w, "tableVersion");
    json_w_i64(&w, r->table_version);
    json_w_key(&w, "files");
    json_w_u64(&w, r->files);
    json_w_key(&w, "rows");
    json_w_u64(&w, r->rows);
    json_w_key(&w, "bytes");
    json_w_u64(&w, r->bytes);
    json_w_key(&w, "badRows");
    json_w_u64(&w, r->bad_rows);
    json_w_key(&w, "rescuedRows");
    json_w_u64(&w, r->rescued_rows);
    json_w_key(&w, "seconds");
    json_w_double(&w, r->seconds);
    json_w_key(&w, "rowsPerSecond");
    json_w_double(&w, (double)r->rows / secs);
    json_w_key(&w, "lagSeconds");
    json_w_double(&w, r->lag_seconds);
    json_w_key(&w, "backlogFiles");
    json_w_u64(&w, r->backlog_files);
    json_w_key(&w, "schemaVersion");
    json_w_i64(&w, r->schema_version);
    json_w_key(&w, "schemaChanged");
    json_w_bool(&w, r->schema_changed);
    json_w_key(&w, "replayed");
    json_w_bool(&w, r->replayed);
    json_w_end_obj(&w);
    return;
  }
  char b[32], rate[32];
  human_bytes(r->bytes, b, sizeof b);
  human_bytes((uint64_t)((double)r->bytes / secs), rate, sizeof rate);
  printf("batch %lld: %llu files, %llu rows, %s in %.2f s (%.0f rows/s, %s/s), lag %.1f s, backlog %llu files",
         (long long)r->batch_id, (unsigned long long)r->files, (unsigned long long)r->rows, b, r->seconds,
         (double)r->rows / secs, rate, r->lag_seconds, (unsigned long long)r->backlog_files);
  if (r->table_version >= 0) printf(" -> %s version %lld", c->table, (long long)r->table_version);
  if (r->schema_changed) printf(" (schema version %lld)", (long long)r->schema_version);
  if (r->replayed) printf(" (replayed)");
  printf("\n");
  fflush(stdout);
}

static int usage_err(const char *msg, const char *arg) { return cli_usage("ingest", "%s%s", msg, arg ? arg : ""); }

int cmd_ingest(cli_ctx *cx, int argc, char **argv) {
  arena *ar = arena_new("query", 16384);
  if (!ar) return cli_error("out of memory");
  stream_opts o;
  stream_opts_init(&o);
  lago_err err;
  lago_err_clear(&err);
  const char *source = NULL, *into = NULL, *ckpt = NULL, *fe_sql = NULL, *fe_view = "batch";
  bool have_format = false;
  ictx c;
  memset(&c, 0, sizeof c);
  buf_init(&c.batches);
  int rc = CLI_OK;
  for (int i = 1; i < argc && rc == CLI_OK; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    bool takes = !strcmp(a, "--format") || !strcmp(a, "--into") || !strcmp(a, "--trigger") || !strcmp(a, "--option") ||
                 !strcmp(a, "--checkpoint") || !strcmp(a, "--add-column") || !strcmp(a, "--foreach-batch-sql") ||
                 !strcmp(a, "--batch-view");
    if (takes && !v) {
      rc = usage_err(a, " needs a value");
      break;
    }
    if (takes) i++;
    if (!strcmp(a, "--format")) {
      if (stream_format_parse(v, &o.format, &err)) rc = usage_err(err.msg, NULL);
      have_format = true;
    } else if (!strcmp(a, "--into")) {
      into = v;
    } else if (!strcmp(a, "--trigger")) {
      if (stream_trigger_parse(v, &o.trigger, &err)) rc = usage_err(err.msg, NULL);
    } else if (!strcmp(a, "--checkpoint")) {
      ckpt = v;
    } else if (!strcmp(a, "--option")) {
      const char *eq = strchr(v, '=');
      if (!eq || eq == v) {
        rc = usage_err("--option needs KEY=VALUE, got ", v);
        break;
      }
      char *key = arena_strndup(ar, v, (size_t)(eq - v));
      if (!key || stream_opts_set(&o, ar, key, eq + 1, &err)) rc = usage_err(key ? err.msg : "out of memory", NULL);
    } else if (!strcmp(a, "--add-column")) {
      if (o.n_added == STREAM_MAX_ADDED) rc = usage_err("too many --add-column", NULL);
      else if (stream_added_parse(ar, v, &o.added[o.n_added], &err)) rc = usage_err(err.msg, NULL);
      else o.n_added++;
    } else if (!strcmp(a, "--foreach-batch-sql")) {
      fe_sql = v;
    } else if (!strcmp(a, "--batch-view")) {
      fe_view = v;
    } else if (!strcmp(a, "--json")) {
      c.json = true;
    } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
      c.quiet = true;
    } else if (a[0] == '-' && a[1]) {
      rc = usage_err("unknown option ", a);
    } else if (!source) {
      source = a;
    } else {
      rc = usage_err("unexpected argument ", a);
    }
  }
  if (rc == CLI_OK && !source) rc = usage_err("missing SOURCE directory", NULL);
  if (rc == CLI_OK && !into) rc = usage_err("missing --into TABLE", NULL);
  if (rc == CLI_OK && !have_format) rc = usage_err("missing --format csv|json|parquet", NULL);
  if (rc != CLI_OK) {
    buf_deinit(&c.batches);
    arena_free(ar);
    return rc;
  }
  tbl_handlers h = tbl_handlers_default(fs_local());
  catalog *cat = NULL;
  const char *root = NULL;
  stream *s = NULL;
  sql_session *sess = NULL;
  sql_foreach *fe = NULL;
  if (fe_sql && fe_sql[0] == '@') {
    char *text;
    size_t len;
    if (fs_read_all_arena(h.fs, fe_sql + 1, ar, &text, &len, &err)) goto fail;
    if (strlen(text) != len) {
      LAGO_ERR(&err, LAGO_PARSE, "%s: NUL byte in the SQL file", fe_sql + 1);
      goto fail;
    }
    fe_sql = text;
  }
  if (fe_sql && (sql_session_new(cx->warehouse, &sess, &err) || sql_foreach_new(sess, fe_view, fe_sql, &fe, &err)))
    goto fail;
  if (catalog_open(&h, cx->warehouse, &cat, &err) || catalog_resolve(cat, into, ar, &root, &err)) goto fail;
  if (!strncmp(source, "/Volumes/", 9) && catalog_volume_path(cat, source, ar, &source, &err)) goto fail;
  if (!catalog_is_path(into)) { /* a managed table's catalog and schema directories */
    catalog_name nm;
    if (catalog_parse_name(into, &nm, &err) || catalog_create_catalog(cat, nm.catalog, true, &err) ||
        catalog_create_schema(cat, nm.catalog, nm.schema, true, &err))
      goto fail;
  }
  if (!ckpt) {
    char *abs_src = stream_abs_path(ar, source), *abs_root = stream_abs_path(ar, root);
    if (fe && !o.stream_name) { /* a foreachBatch stream has its own progress: foreach-<table>-<hash> */
      const char *d = stream_default_checkpoint(ar, cx->warehouse, abs_root ? abs_root : root,
                                                abs_src ? abs_src : source, o.format, NULL);
      const char *base = d ? strrchr(d, '/') : NULL;
      o.stream_name = base ? arena_printf(ar, "foreach-%s", base + 1) : NULL;
    }
    ckpt = stream_default_checkpoint(ar, cx->warehouse, abs_root ? abs_root : root, abs_src ? abs_src : source,
                                     o.format, o.stream_name);
    if (!ckpt) {
      LAGO_NOMEM_ERR(&err);
      goto fail;
    }
  }
  c.table = into;
  c.bar = !c.json && !c.quiet && isatty(2);
  stream_hooks hooks = {on_event, on_batch, on_progress, &c};
  stream_target tgt = {root, NULL, NULL, into};
  if (stream_open(&h, &o, source, &tgt, ckpt, &hooks, &s, &err)) goto fail;
  if (fe && sql_foreach_attach(fe, s, &err)) goto fail;
  g_stream = s;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  int run_rc = stream_run(s, &err);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  g_stream = NULL;
  if (c.bar_shown) fputs("\r\033[K", stderr);
  const stream_totals *t = stream_get_totals(s);
  bool stopped = stream_stopped(s);
  if (c.json) {
    buf out;
    buf_init(&out);
    json_writer w;
    json_w_init(&w, &out);
    json_w_begin_obj(&w);
    json_w_key(&w, "streamId");
    json_w_str(&w, stream_id(s));
    json_w_key(&w, "checkpoint");
    json_w_str(&w, stream_checkpoint(s));
    json_w_key(&w, "table");
    json_w_str(&w, into);
    json_w_key(&w, "status");
    json_w_str(&w, run_rc ? "failed" : stopped ? "stopped" : "done");
    if (run_rc) {
      json_w_key(&w, "error");
      json_w_str(&w, err.msg);
    }
    json_w_key(&w, "batches");
    json_w_begin_arr(&w);
    if (c.batches.len) json_w_raw(&w, c.batches.data, c.batches.len);
    json_w_end_arr(&w);
    json_w_key(&w, "totals");
    json_w_begin_obj(&w);
    json_w_key(&w, "batches");
    json_w_u64(&w, t->batches);
    json_w_key(&w, "files");
    json_w_u64(&w, t->files);
    json_w_key(&w, "rows");
    json_w_u64(&w, t->rows);
    json_w_key(&w, "bytes");
    json_w_u64(&w, t->bytes);
    json_w_key(&w, "badRows");
    json_w_u64(&w, t->bad_rows);
    json_w_key(&w, "rescuedRows");
    json_w_u64(&w, t->rescued_rows);
    json_w_key(&w, "skippedFiles");
    json_w_u64(&w, t->skipped_files);
    json_w_key(&w, "seconds");
    json_w_double(&w, t->seconds);
    json_w_end_obj(&w);
    json_w_end_obj(&w);
    json_w_finish(&w);
    printf("%s\n", buf_cstr(&out));
    buf_deinit(&out);
  } else if (!run_rc && !c.quiet) {
    printf("%s: %llu batches, %llu files, %llu rows in %.2f s\n", stopped ? "stopped" : "done",
           (unsigned long long)t->batches, (unsigned long long)t->files, (unsigned long long)t->rows, t->seconds);
  }
  stream_close(s);
  sql_foreach_free(fe);
  sql_session_free(sess);
  catalog_free(cat);
  buf_deinit(&c.batches);
  arena_free(ar);
  if (run_rc) return cli_error("%s", err.msg);
  return CLI_OK;
fail:
  stream_close(s);
  sql_foreach_free(fe);
  sql_session_free(sess);
  catalog_free(cat);
  buf_deinit(&c.batches);
  arena_free(ar);
  return cli_error("%s", err.msg);
}
