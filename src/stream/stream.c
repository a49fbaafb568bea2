/*
** stream/stream.c: a stream's life: opening (options, source, target,
** checkpoint, schema), the triggers, and one micro-batch end to end.
**
** One micro-batch (run_batch):
**   1. its file list is written ahead to offsets/<b> (a replayed batch keeps
**      the list it had; files that vanished since are recorded as skipped);
**   2. CSV headers / Parquet footers are read; new columns are handled by the
**      evolution mode (addNewColumns: a new schema version is stored and the
**      table is evolved in this batch's own commit);
**   3. the sink begins (a Delta transaction on the table's latest version);
**   4. the files are read into target batches and written (or handed to the
**      callback); JSON files whose rescued data names new columns restart
**      the batch once with the evolved schema;
**   5. the sink commits (data + schema + txn + file list in one commit), then
**      the checkpoint records the batch as done.
** A failure anywhere before 5 leaves no trace in the table but unreferenced
** data files (VACUUM removes them); the next run replays the batch.
**
** Triggers: availableNow lists once and runs rate-limited batches until that
** list is done; once runs one unlimited batch; an interval trigger lists (or
** takes notification events) at each interval boundary and runs at most one
** batch; continuous runs batch after batch, waiting for events (or polling)
** when there is nothing new. stream_request_stop makes any of them return
** after the batch in flight.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "stream/stream_int.h"
#include "util/alloc.h"
#include "util/datetime.h"

/* ---- small helpers -------------------------------------------------------------- */

int64_t stream_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t stream_now_ms(void) { return stream_now_ns() / 1000000; }

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void stream_event(stream *s, stream_event_kind kind, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (s->hooks.on_event) s->hooks.on_event(s->hooks.ud, kind, msg);
}

void stream_request_stop(stream *s) {
  if (s) s->stop = 1;
}

bool stream_stopped(const stream *s) { return s->stop != 0; }
const stream_totals *stream_get_totals(const stream *s) { return &s->tot; }
const char *stream_id(const stream *s) { return s->meta.stream_id; }
const char *stream_checkpoint(const stream *s) { return s->ckpt; }

static uint64_t fnv(const char *p, uint64_t h) {
  for (; *p; p++) {
    h ^= (unsigned char)*p;
    h *= 0x100000001b3ull;
  }
  return h;
}

const char *stream_default_checkpoint(arena *ar, const char *warehouse, const char *table_root, const char *source,
                                      stream_format fmt, const char *stream_name) {
  if (stream_name) {
    const char *d = path_join(ar, warehouse, "_lago_streams");
    return d ? path_join(ar, d, stream_name) : NULL;
  }
  uint64_t h = fnv(table_root, 0xcbf29ce484222325ull);
  h = fnv("\x1f", h);
  h = fnv(source, h);
  h = fnv("\x1f", h);
  h = fnv(stream_format_name(fmt), h);
  const char *base = strrchr(table_root, '/');
  base = base && base[1] ? base + 1 : table_root;
  char name[200];
  snprintf(name, sizeof name, "%.120s-%016llx", base, (unsigned long long)h);
  for (char *p = name; *p; p++)
    if (*p == '/' || *p == '.') *p = '_';
  const char *d = path_join(ar, warehouse, "_lago_streams");
  return d ? path_join(ar, d, name) : NULL;
}

char *stream_abs_path(arena *ar, const char *path) {
  buf b;
  buf_init(&b);
  if (path[0] != '/') {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd) || buf_puts(&b, cwd)) {
      buf_deinit(&b);
      return NULL;
    }
  }
  /* append segments, dropping "." and empty ones, resolving ".." textually */
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    const char *q = p;
    while (*q && *q != '/') q++;
    size_t n = (size_t)(q - p);
    if (n == 1 && p[0] == '.') {
    } else if (n == 2 && p[0] == '.' && p[1] == '.') {
      char *slash = b.len ? memrchr(b.data, '/', b.len) : NULL;
      b.len = slash ? (size_t)(slash - b.data) : 0;
      if (b.data) b.data[b.len] = 0;
    } else if (n) {
      if (buf_putc(&b, '/') || buf_append(&b, p, n)) {
        buf_deinit(&b);
        return NULL;
      }
    }
    p = q;
  }
  char *r = arena_strdup(ar, b.len ? buf_cstr(&b) : "/");
  buf_deinit(&b);
  return r;
}

/* ---- opening -------------------------------------------------------------------- */

static const char *sdup(arena *ar, const char *s, bool *oom) {
  if (!s) return NULL;
  char *d = arena_strdup(ar, s);
  if (!d) *oom = true;
  return d;
}

static int copy_opts(stream *s, const stream_opts *o, lago_err *err) {
  bool oom = false;
  s->o = *o;
  s->o.glob = sdup(s->ar, o->glob, &oom);
  s->o.schema = sdup(s->ar, o->schema, &oom);
  s->o.schema_hints = sdup(s->ar, o->schema_hints, &oom);
  s->o.schema_location = sdup(s->ar, o->schema_location, &oom);
  s->o.rescued_column = sdup(s->ar, o->rescued_column, &oom);
  s->o.stream_name = sdup(s->ar, o->stream_name, &oom);
  for (uint32_t i = 0; i < o->n_added; i++) {
    s->o.added[i].name = sdup(s->ar, o->added[i].name, &oom);
    s->o.added[i].literal = sdup(s->ar, o->added[i].literal, &oom);
  }
  for (uint32_t i = 0; i < o->n_fmt; i++) {
    s->o.fmt_keys[i] = sdup(s->ar, o->fmt_keys[i], &oom);
    s->o.fmt_values[i] = sdup(s->ar, o->fmt_values[i], &oom);
  }
  return oom ? LAGO_NOMEM_ERR(err) : LAGO_OK;
}

/* Splits a source with a glob ("/in/2024/x*.csv") into the directory listed and the pattern. */
static int split_source(stream *s, const char *source, lago_err *err) {
  char *abs = stream_abs_path(s->ar, source);
  if (!abs) return LAGO_NOMEM_ERR(err);
  s->src_text = abs;
  const char *g = strpbrk(abs, "*?[{");
  if (!g) {
    s->src_dir = abs;
    return LAGO_OK;
  }
  const char *slash = g;
  while (slash > abs && *slash != '/') slash--;
  char *dir = arena_strndup(s->ar, abs, (size_t)(slash - abs));
  if (!dir) return LAGO_NOMEM_ERR(err);
  s->src_dir = *dir ? dir : "/";
  s->src_glob = slash + 1;
  if (strchr(s->src_glob, '{')) return LAGO_ERR(err, LAGO_UNSUPPORTED, "source %s: {a,b} alternatives are not supported", source);
  return LAGO_OK;
}

static int reader_options(stream *s, lago_err *err) {
  csv_options_init(&s->csv);
  jsonl_options_init(&s->json);
  for (uint32_t i = 0; i < s->o.n_fmt; i++) {
    const char *k = s->o.fmt_keys[i], *v = s->o.fmt_values[i];
    if (!strcasecmp(k, "columnNameOfCorruptRecord")) {
      s->corrupt = arena_strdup(s->ar, v);
      if (!s->corrupt) return LAGO_NOMEM_ERR(err);
    }
    if (s->o.format == STREAM_CSV) TRY(csv_options_set(&s->csv, s->ar, k, v, err));
    else if (s->o.format == STREAM_JSON) TRY(jsonl_options_set(&s->json, s->ar, k, v, err));
    else if (strcasecmp(k, "mergeSchema") && strcasecmp(k, "datetimeRebaseMode") && strcasecmp(k, "int96RebaseMode"))
      return LAGO_ERR(err, LAGO_BIND, "option %s: not an option of the Parquet source", k);
  }
  s->corrupt_int = s->corrupt ? s->corrupt : "_corrupt_record";
  s->csv.infer_schema = false;
  s->csv.schema_hints = NULL;
  s->json.infer_types = s->o.infer_types;
  s->json.schema_hints = NULL;
  if (s->o.format == STREAM_CSV) TRY(csv_options_check(&s->csv, err));
  if (s->o.format == STREAM_JSON) TRY(jsonl_options_check(&s->json, err));
  return LAGO_OK;
}

static bool special_name(const stream *s, const char *name) {
  if (s->rescued && !strcasecmp(name, s->rescued)) return true;
  if (s->corrupt && !strcasecmp(name, s->corrupt)) return true;
  if (!strcasecmp(name, s->corrupt_int)) return true;
  if (s->o.include_metadata && !strcasecmp(name, "_metadata")) return true;
  for (uint32_t i = 0; i < s->o.n_added; i++)
    if (!strcasecmp(name, s->o.added[i].name)) return true;
  return false;
}

/*
** The source schema when nothing is stored: the user's, or the table's (without the stream's own columns),
** unless source_not_table says the source has other columns: then it is inferred from the next files.
*/
static int initial_schema(stream *s, lago_err *err) {
  TRY(schema_load_latest(s, err));
  if (s->o.schema) {
    lago_type us;
    TRY(csv_parse_schema_hints(s->ar, s->o.schema, &us, err));
    if (!s->have_schema) return schema_store(s, us, s->next_batch, err);
    lago_type more;
    TRY(schema_missing(s->ar, s->src_schema, us, &more, err));
    if (!type_n_fields(more)) return LAGO_OK;
    lago_type merged;
    bool changed = false;
    TRY(schema_append(s->ar, s->src_schema, more, &merged, &changed, err));
    return schema_store(s, merged, s->next_batch, err);
  }
  if (s->have_schema || !s->table || s->o.source_not_table) return LAGO_OK;
  delta_snapshot *snap;
  int rc = delta_snapshot_load(s->table, -1, &snap, err);
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(err);
    return LAGO_OK;
  }
  TRY(rc);
  if (s->next_batch == 0 || delta_snapshot_app_version(snap, s->meta.stream_id) < 0) {
    delta_snapshot_unref(snap); /* the table holds nothing of this stream: infer from the files */
    return LAGO_OK;
  }
  lago_type t = delta_snapshot_schema(snap);
  uint32_t n = type_n_fields(t), k = 0;
  type_field *fs = arena_alloc(s->ar, (n + 1) * sizeof *fs);
  if (!fs) rc = LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    const type_field *f = type_field_at(t, i);
    if (special_name(s, f->name)) continue;
    fs[k] = *f;
    fs[k].metadata = NULL;
    k++;
  }
  lago_type src;
  if (rc == LAGO_OK && type_struct_fields(s->ar, k, fs, &src)) rc = LAGO_NOMEM_ERR(err);
  delta_snapshot_unref(snap);
  TRY(rc);
  stream_event(s, STREAM_INFO, "no stored schema in %s: took the source columns from table %s", s->schema_dir,
               s->name);
  return schema_store(s, src, s->next_batch, err);
}

int stream_open(const tbl_handlers *h, const stream_opts *o, const char *source, const stream_target *target,
                const char *checkpoint, const stream_hooks *hooks, stream **out, lago_err *err) {
  *out = NULL;
  if (!source || !checkpoint || !target || (!target->table_root && !target->fn))
    return LAGO_ERR(err, LAGO_MISUSE, "stream_open: source, target and checkpoint are required");
  arena *ar = arena_new("stream", 65536);
  stream *s = ar ? arena_zalloc(ar, sizeof *s) : NULL;
  if (!s) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  s->ar = ar;
  s->h = h;
  s->fs = h->fs;
  s->schema_version = -1;
  s->pending_batch = -1;
  if (hooks) s->hooks = *hooks;
  s->tgt = *target;
  int rc = copy_opts(s, o, err);
  if (rc == LAGO_OK) rc = split_source(s, source, err);
  if (rc == LAGO_OK && !(s->ckpt = stream_abs_path(ar, checkpoint))) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) {
    const char *loc = s->o.schema_location ? stream_abs_path(ar, s->o.schema_location) : s->ckpt;
    if (!loc || !(s->schema_dir = path_join(ar, loc, "_schemas"))) rc = LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK && target->table_root) {
    const char *root = stream_abs_path(ar, target->table_root);
    if (!root) rc = LAGO_NOMEM_ERR(err);
    else rc = delta_table_open(h, root, &s->table, err);
    s->name = target->display_name ? arena_strdup(ar, target->display_name) : root;
  } else if (rc == LAGO_OK) {
    s->name = target->display_name ? arena_strdup(ar, target->display_name) : "the callback";
  }
  if (rc == LAGO_OK && !s->name) rc = LAGO_NOMEM_ERR(err);
  /* evolution mode, rescued data column */
  s->user_schema = s->o.schema != NULL;
  s->mode = s->o.evolution ? s->o.evolution : s->user_schema ? EVOLVE_NONE : EVOLVE_ADD_NEW_COLUMNS;
  if (s->o.rescued_column) s->rescued = s->o.rescued_column;
  else if (s->mode == EVOLVE_RESCUE || (!s->user_schema && s->mode != EVOLVE_NONE)) s->rescued = "_rescued_data";
  if (s->o.settle_ms < 0) s->o.settle_ms = s->o.use_notifications ? 1000 : 0;
  if (rc == LAGO_OK) rc = reader_options(s, err);
  if (rc == LAGO_OK) rc = recover_open(s, err);
  if (rc == LAGO_OK) rc = initial_schema(s, err);
  if (rc == LAGO_OK && s->o.use_notifications) {
    rc = notify_open(s->src_dir, &s->nt, err);
    if (rc == LAGO_OK)
      stream_event(s, STREAM_INFO, "watching %s with inotify (full listing every %lld s)", s->src_dir,
                   (long long)(s->o.backfill_ms / 1000));
  }
  if (rc) {
    stream_close(s);
    return rc;
  }
  *out = s;
  return LAGO_OK;
}

int stream_set_merge_sink(stream *s, stream_merge_fn fn, void *ud, lago_err *err) {
  if (!s->table || !fn) return LAGO_ERR(err, LAGO_MISUSE, "stream_set_merge_sink: the stream needs a Delta table target");
  s->merge_fn = fn;
  s->tgt.fn_ud = ud;
  return LAGO_OK;
}

void stream_set_merge_create(stream *s, bool on) { s->merge_create = on; }

const char *stream_table_root(const stream *s) { return s->table ? delta_table_root(s->table) : NULL; }

void stream_close(stream *s) {
  if (!s) return;
  notify_close(s->nt);
  delta_table_free(s->table);
  fileset_free(&s->seen);
  arena_free(s->ar);
}

/* ---- one micro-batch -------------------------------------------------------------- */

typedef struct batch_run {
  stream *s;
  arena *ar;              /* batch lifetime */
  int64_t id;
  src_file *files;
  uint32_t n;
  file_layout *layouts;
  uint32_t n_layouts;
  bool replay;
  bool schema_changed;
  double t0;
  uint64_t total_bytes;
} batch_run;

static int comma_names(arena *ar, lago_type t, const char **out) {
  buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < type_n_fields(t); i++)
    if ((i && buf_puts(&b, ", ")) || buf_puts(&b, type_field_at(t, i)->name)) {
      buf_deinit(&b);
      return LAGO_NOMEM;
    }
  *out = arena_strdup(ar, buf_cstr(&b));
  buf_deinit(&b);
  return *out ? LAGO_OK : LAGO_NOMEM;
}

/* Replayed batch: files that vanished are skipped, changed ones are read as they are now. */
static int recheck_files(batch_run *br, lago_err *err) {
  stream *s = br->s;
  for (uint32_t i = 0; i < br->n; i++) {
    src_file *f = &br->files[i];
    fs_stat st;
    lago_err se;
    lago_err_clear(&se);
    int rc = fs_stat_path(s->fs, f->abs, &st, &se);
    if (rc == LAGO_NOTFOUND) {
      stream_event(s, STREAM_WARN, "batch %lld: %s no longer exists; recorded as skipped", (long long)br->id, f->abs);
      f->skip = true;
      s->tot.skipped_files++;
      continue;
    }
    if (rc) {
      lago_err_copy(err, &se);
      return rc;
    }
    if (st.size != f->size || st.mtime_ns != f->mtime_ns) {
      stream_event(s, STREAM_WARN, "batch %lld: %s changed since the batch was planned; loading it as it is now",
                   (long long)br->id, f->abs);
      f->size = st.size;
      f->mtime_ns = st.mtime_ns;
    }
  }
  return LAGO_OK;
}

/* CSV headers / Parquet footers of the batch's files. */
static int read_layouts(batch_run *br, lago_err *err) {
  stream *s = br->s;
  if (s->o.format == STREAM_JSON) return LAGO_OK;
  br->layouts = arena_calloc(br->ar, br->n + 1, sizeof *br->layouts);
  if (!br->layouts) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < br->n; i++) {
    src_file *f = &br->files[i];
    if (f->skip) continue;
    lago_err le;
    lago_err_clear(&le);
    int rc = schema_layout(s, f, br->ar, &br->layouts[br->n_layouts], &le);
    if (rc == LAGO_NOTFOUND) {
      stream_event(s, STREAM_WARN, "batch %lld: %s vanished before it was read; recorded as skipped",
                   (long long)br->id, f->abs);
      f->skip = true;
      s->tot.skipped_files++;
      continue;
    }
    if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
    if (rc && s->o.ignore_corrupt_files && (rc == LAGO_CORRUPT || rc == LAGO_UNSUPPORTED || rc == LAGO_IO)) {
      stream_event(s, STREAM_WARN, "batch %lld: skipped unreadable file (ignoreCorruptFiles): %s", (long long)br->id,
                   le.msg);
      f->skip = true;
      s->tot.skipped_files++;
      continue;
    }
    if (rc) {
      lago_err_copy(err, &le);
      return rc;
    }
    /* share layouts between files with the same columns */
    int32_t same = -1;
    for (uint32_t k = 0; k < br->n_layouts && same < 0; k++)
      if (!strcmp(br->layouts[k].key, br->layouts[br->n_layouts].key)) same = (int32_t)k;
    f->layout = same >= 0 ? same : (int32_t)br->n_layouts++;
  }
  return LAGO_OK;
}

/* First start: infer the source schema from the candidates (oldest first). */
static int infer_first(stream *s, src_file *cands, size_t n, lago_err *err) {
  arena *tmp = arena_new("query", 65536);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  batch_run br;
  memset(&br, 0, sizeof br);
  br.s = s;
  br.ar = tmp;
  uint32_t k = 0;
  uint64_t bytes = 0;
  while (k < n && (int64_t)k < s->o.sample_files && (k == 0 || bytes + cands[k].size <= s->o.sample_bytes))
    bytes += cands[k++].size;
  br.files = arena_alloc(tmp, (k + 1) * sizeof *br.files);
  int rc = br.files ? LAGO_OK : LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) {
    memcpy(br.files, cands, k * sizeof *br.files);
    br.n = k;
    for (uint32_t i = 0; i < k; i++) br.files[i].layout = -1;
    rc = read_layouts(&br, err);
  }
  lago_type t;
  if (rc == LAGO_OK) rc = schema_infer(s, br.files, br.n, br.layouts, tmp, &t, err);
  if (rc == LAGO_OK) rc = schema_store(s, t, s->next_batch, err);
  if (rc == LAGO_OK) {
    const char *names = NULL;
    if (comma_names(tmp, t, &names)) rc = LAGO_NOMEM_ERR(err);
    else
      stream_event(s, STREAM_INFO, "inferred the schema from %u files: %s (%s; stored as version %lld in %s)", k,
                   *names ? names : "(no columns)",
                   s->o.format == STREAM_PARQUET ? "types from the files"
                   : s->o.infer_types            ? "types inferred"
                                                 : "all STRING; inferColumnTypes=true infers types",
                   (long long)s->schema_version, s->schema_dir);
  }
  arena_free(tmp);
  return rc;
}

/* New columns found in the batch: evolve, fail or ignore as the mode says. */
static int handle_new_columns(batch_run *br, lago_type more, const char *where, lago_err *err) {
  stream *s = br->s;
  const char *names = NULL;
  if (comma_names(br->ar, more, &names)) return LAGO_NOMEM_ERR(err);
  if (s->mode == EVOLVE_FAIL_ON_NEW_COLUMNS)
    return LAGO_ERR(err, LAGO_BIND,
                    "batch %lld: %s has columns the schema lacks: %s (schemaEvolutionMode=failOnNewColumns): add them "
                    "with schemaHints or another mode, or remove the file",
                    (long long)br->id, where ? where : "a file", names);
  if (s->mode != EVOLVE_ADD_NEW_COLUMNS) return LAGO_OK;
  lago_type merged;
  bool changed = false;
  TRY(schema_append(br->ar, s->src_schema, more, &merged, &changed, err));
  if (!changed) return LAGO_OK;
  TRY(schema_store(s, merged, br->id, err));
  br->schema_changed = true;
  stream_event(s, STREAM_INFO,
               "batch %lld: new columns %s (first seen in %s): added to the schema (version %lld) and to %s in this "
               "batch's own commit",
               (long long)br->id, names, where ? where : "the batch", (long long)s->schema_version, s->name);
  return LAGO_OK;
}

static void report_progress(stream *s, uint64_t done, uint64_t total) {
  if (s->hooks.on_progress) s->hooks.on_progress(s->hooks.ud, done, total);
}

/* Reads and writes the batch once; *retry when JSON named new columns and the schema evolved. */
static int run_once(batch_run *br, sink_commit_info *ci, int64_t *version, src_stats *stats, bool allow_retry,
                    bool *retry, bool *already, lago_err *err) {
  stream *s = br->s;
  *retry = false;
  lago_type wanted, target;
  TRY(schema_wanted(s, br->ar, &wanted, err));
  sink *k = NULL;
  int64_t read_version;
  TRY(sink_begin(s, wanted, ci, &k, &target, &read_version, already, err));
  if (*already) return LAGO_OK;
  src_reader *r = NULL;
  bool detect = allow_retry && (s->mode == EVOLVE_ADD_NEW_COLUMNS || s->mode == EVOLVE_FAIL_ON_NEW_COLUMNS);
  int rc = src_reader_open(s, br->files, br->n, br->layouts, target, br->id, tbl_now_ms(s->h) * 1000, detect, &r, err);
  if (rc == LAGO_OK && sink_is_callback(k)) {
    rc = sink_run_callback(k, br->id, r, target, ci, err);
  } else if (rc == LAGO_OK) {
    for (;;) {
      batch *b;
      if ((rc = src_reader_next(r, &b, err)) || !b->n_rows) break;
      if (src_reader_stats(r)->new_columns) break;
      if ((rc = sink_write(k, b, err))) break;
      report_progress(s, src_reader_stats(r)->bytes, br->total_bytes);
    }
  }
  if (r) {
    *stats = *src_reader_stats(r); /* its strings live in the reader: copy them */
    if (stats->new_where) stats->new_where = arena_strdup(br->ar, stats->new_where);
    if (stats->first_bad) stats->first_bad = arena_strdup(br->ar, stats->first_bad);
  }
  if (rc == LAGO_OK && stats->new_columns) {
    sink_abort(k);
    src_reader_close(r);
    lago_type inferred, more;
    TRY(schema_infer_json(s, br->files, br->n, br->ar, &inferred, err));
    TRY(schema_missing(br->ar, s->src_schema, inferred, &more, err));
    if (!type_n_fields(more)) return LAGO_ERR(err, LAGO_INTERNAL, "batch %lld: rescued data names a new column (%s) "
                                              "that inference does not find", (long long)br->id, stats->new_where);
    TRY(handle_new_columns(br, more, stats->new_where, err));
    *retry = s->mode == EVOLVE_ADD_NEW_COLUMNS;
    return LAGO_OK;
  }
  if (rc == LAGO_OK) {
    ci->rows = stats->rows;
    rc = sink_commit(k, ci, version, err);
    k = NULL;
  }
  sink_abort(k);
  src_reader_close(r);
  return rc;
}

static int run_batch(stream *s, src_file *files, uint32_t n, int64_t id, bool replay, lago_err *err) {
  batch_run br;
  memset(&br, 0, sizeof br);
  br.s = s;
  br.id = id;
  br.replay = replay;
  br.t0 = mono_s();
  if (!(br.ar = arena_new("query", 65536))) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  br.files = arena_alloc(br.ar, (n + 1) * sizeof *br.files);
  if (!br.files) rc = LAGO_NOMEM_ERR(err);
  int64_t oldest = INT64_MAX;
  for (uint32_t i = 0; rc == LAGO_OK && i < n; i++) {
    br.files[i] = files[i];
    br.files[i].rel = arena_strdup(br.ar, files[i].rel);
    br.files[i].abs = path_join(br.ar, s->src_dir, files[i].rel);
    br.files[i].layout = -1;
    br.files[i].skip = false;
    if (!br.files[i].rel || !br.files[i].abs) rc = LAGO_NOMEM_ERR(err);
  }
  br.n = n;
  /* 1. the file list, written ahead (a replay has it already) */
  if (rc == LAGO_OK) rc = replay ? recheck_files(&br, err) : ckpt_write_offsets(s, id, br.files, n, -1, err);
  for (uint32_t i = 0; i < n; i++) {
    if (!br.files[i].skip) br.total_bytes += br.files[i].size;
    if (br.files[i].mtime_ns < oldest) oldest = br.files[i].mtime_ns;
  }
  /* 2. layouts and new columns */
  if (rc == LAGO_OK) rc = read_layouts(&br, err);
  if (rc == LAGO_OK && !s->have_schema) rc = infer_first(s, br.files, br.n, err);
  if (rc == LAGO_OK && s->o.format != STREAM_JSON && s->mode != EVOLVE_NONE && s->mode != EVOLVE_RESCUE) {
    lago_type more;
    const char *first = NULL;
    rc = schema_new_columns(s, br.files, br.n, br.layouts, br.ar, &more, &first, err);
    if (rc == LAGO_OK && type_n_fields(more)) rc = handle_new_columns(&br, more, first, err);
  }
  if (rc == LAGO_OK && s->o.format == STREAM_JSON && !s->rescued &&
      (s->mode == EVOLVE_ADD_NEW_COLUMNS || s->mode == EVOLVE_FAIL_ON_NEW_COLUMNS)) {
    /* no rescued data column to notice new members while reading: look for them first */
    lago_type inferred, more;
    rc = schema_infer_json(s, br.files, br.n, br.ar, &inferred, err);
    if (rc == LAGO_OK) rc = schema_missing(br.ar, s->src_schema, inferred, &more, err);
    if (rc == LAGO_OK && type_n_fields(more)) rc = handle_new_columns(&br, more, NULL, err);
  }
  /* 3-5. sink, read, commit */
  sink_commit_info ci = {id, br.files, n, 0};
  int64_t version = -1;
  src_stats st;
  memset(&st, 0, sizeof st);
  bool already = false;
  for (int attempt = 0; rc == LAGO_OK; attempt++) {
    bool retry = false;
    rc = run_once(&br, &ci, &version, &st, attempt == 0, &retry, &already, err);
    if (rc || !retry) break;
  }
  if (rc == LAGO_OK && already) {
    stream_event(s, STREAM_INFO, "batch %lld is already in %s (an earlier run committed it); not loading it again",
                 (long long)id, s->name);
  }
  if (rc == LAGO_OK) rc = ckpt_batch_done(s, id, br.files, n, version, err);
  if (rc == LAGO_OK && !already) {
    if (st.bad_rows) {
      stream_event(s, STREAM_WARN, "batch %lld: %llu malformed records (%s)%s%s", (long long)id,
                   (unsigned long long)st.bad_rows,
                   (s->o.format == STREAM_CSV ? s->csv.mode == CSV_DROPMALFORMED : s->json.mode == JSONL_DROPMALFORMED)
                       ? "dropped (DROPMALFORMED)"
                       : "kept with NULLs (PERMISSIVE)",
                   st.first_bad ? ", first at " : "", st.first_bad ? st.first_bad : "");
    }
    stream_batch_report rep;
    memset(&rep, 0, sizeof rep);
    rep.batch_id = id;
    rep.table_version = version;
    for (uint32_t i = 0; i < n; i++)
      if (!br.files[i].skip) rep.files++;
    rep.rows = st.rows;
    rep.bytes = br.total_bytes;
    rep.bad_rows = st.bad_rows;
    rep.rescued_rows = st.rescued_rows;
    rep.seconds = mono_s() - br.t0;
    rep.lag_seconds = oldest == INT64_MAX ? 0 : (double)(stream_now_ns() - oldest) / 1e9;
    if (rep.lag_seconds < 0) rep.lag_seconds = 0;
    rep.schema_version = s->schema_version;
    rep.schema_changed = br.schema_changed;
    rep.replayed = replay;
    rep.backlog_files = s->backlog_files;
    rep.backlog_bytes = s->backlog_bytes;
    s->tot.batches++;
    s->tot.files += rep.files;
    s->tot.rows += rep.rows;
    s->tot.bytes += rep.bytes;
    s->tot.bad_rows += rep.bad_rows;
    s->tot.rescued_rows += rep.rescued_rows;
    s->tot.seconds += rep.seconds;
    if (s->hooks.on_batch) s->hooks.on_batch(s->hooks.ud, &rep);
  }
  if (rc == LAGO_OK) {
    s->next_batch = id + 1;
    if (replay) {
      s->pending = NULL;
      s->n_pending = 0;
      s->pending_batch = -1;
    }
  } else {
    lago_err_prefix(err, "batch %lld", (long long)id);
  }
  arena_free(br.ar);
  return rc;
}

/* ---- triggers --------------------------------------------------------------------------- */

typedef struct queue {
  cand_list c;
  arena *ar;
} queue;

static int queue_reset(queue *q, lago_err *err) {
  cand_deinit(&q->c);
  arena_free(q->ar);
  if (!(q->ar = arena_new("query", 65536))) return LAGO_NOMEM_ERR(err);
  cand_init(&q->c, q->ar);
  return LAGO_OK;
}

static void queue_free(queue *q) {
  cand_deinit(&q->c);
  arena_free(q->ar);
}

static void set_backlog(stream *s, const queue *q, size_t from) {
  s->backlog_files = q->c.n - from;
  s->backlog_bytes = 0;
  for (size_t i = from; i < q->c.n; i++) s->backlog_bytes += q->c.v[i].size;
}

/* Refreshes the queue: a full listing (listing mode; or start/backfill/overflow with notifications), else events. */
static int refresh(stream *s, queue *q, bool force_full, lago_err *err) {
  int64_t now = stream_now_ms();
  bool full = !s->nt || force_full || (s->o.backfill_ms > 0 && now - s->last_listing_ms >= s->o.backfill_ms) ||
              (s->relist_at_ms && now >= s->relist_at_ms);
  if (full) {
    TRY(queue_reset(q, err));
    s->last_listing_ms = stream_now_ms();
    if (s->nt) { /* events already queued are covered by this listing */
      char **p;
      size_t n;
      bool ov;
      TRY(notify_take(s->nt, &p, &n, &ov, err));
      notify_free_paths(p, n);
    }
    uint64_t deferred = 0;
    TRY(discover(s, true, &q->c, &deferred, err));
    s->relist_at_ms = deferred ? stream_now_ms() + s->o.settle_ms : 0;
    return LAGO_OK;
  }
  /* notifications: add the new names (the queue may still hold files a rate limit left) */
  cand_list add;
  cand_init(&add, q->ar);
  int rc = discover(s, false, &add, NULL, err);
  for (size_t i = 0; i < add.n && rc == LAGO_OK; i++) {
    bool dup = false;
    for (size_t k = 0; k < q->c.n && !dup; k++) dup = !strcmp(q->c.v[k].rel, add.v[i].rel);
    if (dup) continue;
    if (q->c.n == q->c.cap) {
      size_t nc = q->c.cap ? q->c.cap * 2 : 64;
      src_file *nv = mem_realloc(q->c.v, nc * sizeof *nv);
      if (!nv) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      q->c.v = nv;
      q->c.cap = nc;
    }
    q->c.v[q->c.n++] = add.v[i];
  }
  cand_deinit(&add);
  TRY(rc);
  /* keep (mtime, path) order */
  for (size_t i = 1; i < q->c.n; i++) {
    src_file x = q->c.v[i];
    size_t j = i;
    while (j > 0 && (q->c.v[j - 1].mtime_ns > x.mtime_ns ||
                     (q->c.v[j - 1].mtime_ns == x.mtime_ns && strcmp(q->c.v[j - 1].rel, x.rel) > 0))) {
      q->c.v[j] = q->c.v[j - 1];
      j--;
    }
    q->c.v[j] = x;
  }
  return LAGO_OK;
}

/* Runs one batch from the front of the queue and drops those files from it. */
static int take_batch(stream *s, queue *q, bool unlimited, lago_err *err) {
  uint32_t k = discover_take(s, q->c.v, q->c.n, unlimited);
  if (!k) return LAGO_OK;
  set_backlog(s, q, k);
  TRY(run_batch(s, q->c.v, k, s->next_batch, false, err));
  memmove(q->c.v, q->c.v + k, (q->c.n - k) * sizeof *q->c.v);
  q->c.n -= k;
  return LAGO_OK;
}

static int run_pending(stream *s, lago_err *err) {
  if (!s->pending) return LAGO_OK;
  s->backlog_files = s->backlog_bytes = 0;
  return run_batch(s, s->pending, s->n_pending, s->pending_batch, true, err);
}

/* Sleeps until deadline (ms, realtime) or stop; with notifications, returns early on events when wake_on_events. */
static int wait_until(stream *s, int64_t deadline_ms, bool wake_on_events, lago_err *err) {
  while (!s->stop) {
    int64_t left = deadline_ms - stream_now_ms();
    if (left <= 0) return LAGO_OK;
    if (s->nt && wake_on_events) {
      TRY(notify_wait(s->nt, left, &s->stop, err));
      /* an event arrived (or time is up) */
      return LAGO_OK;
    }
    struct timespec ts = {0, (left > 100 ? 100 : left) * 1000000};
    nanosleep(&ts, NULL);
  }
  return LAGO_OK;
}

int stream_run(stream *s, lago_err *err) {
  queue q;
  memset(&q, 0, sizeof q);
  int rc = queue_reset(&q, err);
  if (rc == LAGO_OK) rc = run_pending(s, err);
  stream_trigger_kind kind = s->o.trigger.kind;
  if (rc == LAGO_OK && (kind == TRIGGER_AVAILABLE_NOW || kind == TRIGGER_ONCE)) {
    rc = refresh(s, &q, true, err);
    if (rc == LAGO_OK && !s->have_schema && q.c.n) rc = infer_first(s, q.c.v, q.c.n, err);
    if (rc == LAGO_OK && !q.c.n && !s->tot.batches) stream_event(s, STREAM_INFO, "no new files in %s", s->src_text);
    /* once: take_batch without limits empties the queue in one batch */
    while (rc == LAGO_OK && q.c.n && !s->stop) rc = take_batch(s, &q, kind == TRIGGER_ONCE, err);
  } else if (rc == LAGO_OK) {
    bool first = true;
    while (rc == LAGO_OK && !s->stop) {
      int64_t t0 = stream_now_ms();
      rc = refresh(s, &q, first, err);
      first = false;
      if (rc == LAGO_OK && !s->have_schema && q.c.n) rc = infer_first(s, q.c.v, q.c.n, err);
      bool ran = false;
      if (rc == LAGO_OK && q.c.n) {
        rc = take_batch(s, &q, false, err);
        ran = true;
      }
      if (rc || s->stop) break;
      if (kind == TRIGGER_INTERVAL) {
        int64_t next = t0 + s->o.trigger.interval_ms;
        rc = wait_until(s, next, false, err); /* overran: next <= now, no wait */
      } else if (!ran || !q.c.n) {
        /* continuous: nothing left, wait for files (events, or the next poll) */
        int64_t wait = s->nt ? (s->o.backfill_ms > 0 ? s->o.backfill_ms : 3600000) : s->o.poll_ms;
        if (s->relist_at_ms && s->relist_at_ms - stream_now_ms() < wait) wait = s->relist_at_ms - stream_now_ms();
        rc = wait_until(s, stream_now_ms() + (wait > 0 ? wait : 0), true, err);
      }
    }
  }
  queue_free(&q);
  return rc;
}
