/*
** stream/sink.c: where a micro-batch goes.
**
** Delta sink. One batch = one Delta transaction on the table's latest
** version (the table is created by the first batch when missing):
**   - schema changes the batch needs (new source columns under
**     addNewColumns, the rescued/_metadata/added columns) are made with
**     delta_txn_evolve_schema, so the metaData action lands in the same
**     commit as the data that needs it;
**   - the rows are written with delta_txn_write (one Parquet file per
**     batch, streamed: the writer holds at most one row group);
**   - txn(appId = stream id, version = batch id) marks the batch done;
**   - commitInfo.operation is "STREAMING UPDATE" and
**     commitInfo.operationParameters carries, as Spark does, string values:
**       {"outputMode":"Append","queryId":"<stream id>","epochId":"<batch>",
**        "lago.source":"<source>","lago.format":"csv",
**        "lago.files":"[[\"a/b.csv\",123,1700000000123456789],...]",
**        "lago.skipBeforeNs":"<ns>"}        (only with includeExistingFiles=false)
**     i.e. the batch's source files (relative path, size, mtime in ns) as a
**     JSON array inside a string. commitInfo is free-form for every Delta
**     reader (unknown members are ignored; no table feature is needed), so
**     the table stays readable and writable by Spark, delta-rs and DuckDB.
** All of it is one put-if-absent of _delta_log/<v>.json: data, schema and
** progress become visible together or not at all.
**
** Callback sink. The user's function gets the batch id and an iterator over
** the rows; LAGO_OK marks the batch done in the checkpoint (commits/<b>).
**
** Merge sink (stream.h stream_merge_fn). Like the Delta sink, except that
** the user's function writes and commits: it gets the batch id, the txn appId
** and the operationParameters members above (its commit carries them, so
** recover.c finds the batch in the table's log), and reports the version.
** The table must exist unless stream_set_merge_create was called (then the
** first batch's function creates it); the stream never changes its schema.
*/
#include <stdio.h>
#include <string.h>

#include "stream/stream_int.h"
#include "util/alloc.h"
#include "util/json.h"

struct sink {
  stream *s;
  delta_txn *x;
  bool creating;
  bool callback;
  bool merge;             /* merge sink: callback + the function commits */
  int64_t merge_version;  /* what the merge function committed */
  lago_type target;
};

struct stream_rows {
  src_reader *r;
  lago_type schema;
};

int stream_rows_next(stream_rows *r, batch **out, lago_err *err) { return src_reader_next(r->r, out, err); }
lago_type stream_rows_schema(const stream_rows *r) { return r->schema; }

int sink_commit_params(stream *s, const sink_commit_info *ci, buf *out) {
  buf files;
  buf_init(&files);
  json_writer w;
  json_w_init(&w, &files);
  json_w_begin_arr(&w);
  for (uint32_t i = 0; i < ci->n_files; i++) {
    json_w_begin_arr(&w);
    json_w_str(&w, ci->files[i].rel);
    json_w_u64(&w, ci->files[i].size);
    json_w_i64(&w, ci->files[i].mtime_ns);
    json_w_end_arr(&w);
  }
  json_w_end_arr(&w);
  int rc = json_w_finish(&w);
  char num[32];
  json_writer p;
  json_w_init(&p, out);
  json_w_begin_obj(&p);
  json_w_key(&p, "outputMode");
  json_w_str(&p, s->merge_fn ? "Update" : "Append");
  json_w_key(&p, "queryId");
  json_w_str(&p, s->meta.stream_id);
  json_w_key(&p, "epochId");
  snprintf(num, sizeof num, "%lld", (long long)ci->batch);
  json_w_str(&p, num);
  json_w_key(&p, "lago.source");
  json_w_str(&p, s->src_text);
  json_w_key(&p, "lago.format");
  json_w_str(&p, stream_format_name(s->o.format));
  json_w_key(&p, "lago.files");
  json_w_strn(&p, files.data ? files.data : "[]", files.len);
  if (s->meta.skip_before_ns >= 0) {
    json_w_key(&p, "lago.skipBeforeNs");
    snprintf(num, sizeof num, "%lld", (long long)s->meta.skip_before_ns);
    json_w_str(&p, num);
  }
  json_w_end_obj(&p);
  if (rc == LAGO_OK) rc = json_w_finish(&p);
  buf_deinit(&files);
  return rc ? LAGO_NOMEM : LAGO_OK;
}

/* Fields of `missing` the sink may add to an existing table under the stream's mode. */
static int allowed_evolution(stream *s, arena *ar, lago_type missing, lago_type *out, lago_err *err) {
  uint32_t n = type_n_fields(missing), k = 0;
  type_field *fs = arena_alloc(ar, (n + 1) * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    const type_field *f = type_field_at(missing, i);
    bool source = type_field_index(s->src_schema, f->name) >= 0;
    if (source && s->mode != EVOLVE_ADD_NEW_COLUMNS) {
      if (s->mode == EVOLVE_FAIL_ON_NEW_COLUMNS)
        return LAGO_ERR(err, LAGO_BIND,
                        "table %s has no column %s, which the source has (schemaEvolutionMode=failOnNewColumns): add "
                        "the column to the table or choose another mode",
                        s->name, f->name);
      continue; /* none: dropped; rescue: rescued */
    }
    fs[k++] = *f;
  }
  return type_struct_fields(ar, k, fs, out) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
}

int sink_begin(stream *s, lago_type wanted, const sink_commit_info *ci, sink **out, lago_type *target,
               int64_t *read_version, bool *already, lago_err *err) {
  *out = NULL;
  *already = false;
  *read_version = -1;
  sink *k = NULL;
  if (!s->table) {
    if (!(k = mem_calloc(1, sizeof *k))) return LAGO_NOMEM_ERR(err);
    k->s = s;
    k->callback = true;
    k->target = wanted;
    *out = k;
    *target = wanted;
    return LAGO_OK;
  }
  delta_snapshot *snap = NULL;
  int rc = delta_snapshot_load(s->table, -1, &snap, err);
  bool creating = false;
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(err);
    creating = true;
    rc = LAGO_OK;
  }
  TRY(rc);
  if (snap && delta_snapshot_app_version(snap, s->meta.stream_id) >= ci->batch) {
    delta_snapshot_unref(snap);
    *already = true;
    return LAGO_OK;
  }
  if (s->merge_fn) {
    if (!snap && !s->merge_create)
      return LAGO_ERR(err, LAGO_NOTFOUND, "table %s does not exist: a merge needs the table (create or load it first)",
                      s->name);
    *read_version = snap ? delta_snapshot_version(snap) : -1;
    delta_snapshot_unref(snap);
    if (!(k = mem_calloc(1, sizeof *k))) return LAGO_NOMEM_ERR(err);
    k->s = s;
    k->callback = k->merge = true;
    k->merge_version = -1;
    k->target = wanted;
    *out = k;
    *target = wanted;
    return LAGO_OK;
  }
  buf params;
  buf_init(&params);
  if (sink_commit_params(s, ci, &params)) {
    buf_deinit(&params);
    delta_snapshot_unref(snap);
    return LAGO_NOMEM_ERR(err);
  }
  delta_txn_opts to;
  memset(&to, 0, sizeof to);
  to.operation = "STREAMING UPDATE";
  to.operation_params = buf_cstr(&params);
  delta_txn *x = NULL;
  rc = delta_txn_begin(s->table, snap, &to, &x, err);
  buf_deinit(&params);
  if (snap) {
    *read_version = delta_snapshot_version(snap);
    if (rc == LAGO_OK) {
      arena *tmp = arena_new("query", 4096);
      lago_type missing, allowed;
      if (!tmp) rc = LAGO_NOMEM_ERR(err);
      if (rc == LAGO_OK) rc = schema_missing(tmp, delta_snapshot_schema(snap), wanted, &missing, err);
      if (rc == LAGO_OK && type_n_fields(missing)) {
        rc = allowed_evolution(s, tmp, missing, &allowed, err);
        if (rc == LAGO_OK && type_n_fields(allowed)) rc = delta_txn_evolve_schema(x, allowed, err);
      }
      arena_free(tmp);
    }
    delta_snapshot_unref(snap);
  } else if (rc == LAGO_OK) {
    rc = delta_txn_set_metadata(x, wanted, 0, NULL, NULL, err);
  }
  if (rc == LAGO_OK) rc = delta_txn_set_app_version(x, s->meta.stream_id, ci->batch, err);
  if (rc) {
    delta_txn_abort(x);
    return rc;
  }
  k = mem_calloc(1, sizeof *k);
  if (!k) {
    delta_txn_abort(x);
    return LAGO_NOMEM_ERR(err);
  }
  k->s = s;
  k->x = x;
  k->creating = creating;
  k->target = delta_txn_schema(x);
  *target = k->target;
  *out = k;
  return LAGO_OK;
}

int sink_write(sink *k, const batch *b, lago_err *err) { return delta_txn_write(k->x, b, err); }

bool sink_is_callback(const sink *k) { return k->callback; }

int sink_run_callback(sink *k, int64_t batch_id, src_reader *r, lago_type target, const sink_commit_info *ci,
                      lago_err *err) {
  stream_rows rows = {r, target};
  if (!k->merge) return k->s->tgt.fn(k->s->tgt.fn_ud, batch_id, &rows, err);
  buf params;
  buf_init(&params);
  if (sink_commit_params(k->s, ci, &params)) {
    buf_deinit(&params);
    return LAGO_NOMEM_ERR(err);
  }
  stream_merge_batch mb;
  memset(&mb, 0, sizeof mb);
  mb.batch_id = batch_id;
  mb.app_id = k->s->meta.stream_id;
  mb.params = buf_cstr(&params);
  mb.n_files = ci->n_files;
  for (uint32_t i = 0; i < ci->n_files; i++)
    if (!ci->files[i].skip) mb.bytes += ci->files[i].size;
  int rc = k->s->merge_fn(k->s->tgt.fn_ud, &mb, &rows, &k->merge_version, err);
  buf_deinit(&params);
  return rc;
}

int sink_commit(sink *k, const sink_commit_info *ci, int64_t *table_version, lago_err *err) {
  *table_version = -1;
  if (k->callback) {
    if (k->merge) *table_version = k->merge_version;
    mem_free(k);
    return LAGO_OK;
  }
  stream *s = k->s;
  bool creating = k->creating;
  delta_txn *x = k->x;
  mem_free(k);
  TRY(delta_txn_set_metric(x, "numSourceFiles", (int64_t)ci->n_files, err));
  int rc = delta_txn_commit(x, table_version, err);
  if (rc == LAGO_CONFLICT)
    return lago_err_prefix(err, "batch %lld of stream %s was not committed", (long long)ci->batch, s->meta.stream_id);
  TRY(rc);
  if (creating || !s->meta.table_id) {
    delta_snapshot *snap;
    TRY(delta_snapshot_load(s->table, *table_version, &snap, err));
    rc = ckpt_set_table_id(s, delta_snapshot_metadata(snap)->id, err);
    delta_snapshot_unref(snap);
    TRY(rc);
  }
  return LAGO_OK;
}

void sink_abort(sink *k) {
  if (!k) return;
  if (!k->callback) delta_txn_abort(k->x);
  mem_free(k);
}
