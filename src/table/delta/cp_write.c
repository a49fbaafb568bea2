/*
** table/delta/cp_write.c: writing classic checkpoints and _last_checkpoint
** (PROTOCOL.md "Checkpoints", "Checkpoint Schema", "Last Checkpoint File";
** DELTA-CHECKLIST.md §5).
**
** _delta_log/%020d.checkpoint.parquet, one action per row, columns:
**   txn       struct<appId:string, version:long, lastUpdated:long>
**   add       struct<path:string, partitionValues:map<string,string>, size:long,
**                    modificationTime:long, dataChange:boolean, stats:string,
**                    tags:map<string,string>, deletionVector:struct<storageType:string,
**                    pathOrInlineDv:string, offset:int, sizeInBytes:int, cardinality:long>,
**                    baseRowId:long, defaultRowCommitVersion:long>
**   remove    struct<path:string, deletionTimestamp:long, dataChange:boolean,
**                    extendedFileMetadata:boolean, partitionValues:map<string,string>,
**                    size:long, deletionVector:struct<..>, baseRowId:long,
**                    defaultRowCommitVersion:long>
**   metaData  struct<id:string, name:string, description:string,
**                    format:struct<provider:string, options:map<string,string>>,
**                    schemaString:string, partitionColumns:array<string>,
**                    configuration:map<string,string>, createdTime:long>
**   protocol  struct<minReaderVersion:int, minWriterVersion:int,
**                    readerFeatures:array<string>, writerFeatures:array<string>>
**   domainMetadata struct<domain:string, configuration:string, removed:boolean>
**   checkpointMetadata struct<version:long, tags:map<string,string>>  (v2Checkpoint tables only:
**                    a classic-named checkpoint in the V2 spec)
** Content: protocol, metaData, every txn, every live domain, every live add
** (with JSON stats), and the tombstones whose deletionTimestamp is within
** delta.deletedFileRetentionDuration (default 1 week). Never commitInfo or cdc.
**
** Crash safety: the Parquet file is written to a hidden temp file and made
** visible only when complete (put-if-absent; an existing checkpoint for the
** version is left alone), and only then is _last_checkpoint replaced:
**   {"version":V,"size":<rows>,"sizeInBytes":<bytes>,"numOfAddFiles":<adds>}
** so a crash at any point leaves either no checkpoint, or a complete one
** that _last_checkpoint may not point to yet (readers list past the hint).
*/
#include <stdio.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "util/alloc.h"

/* ---- the checkpoint schema ----------------------------------------------------- */

typedef struct fdesc {
  const char *name;
  lago_type type;
} fdesc;

static int mk_struct(arena *ar, const fdesc *f, uint32_t n, lago_type *out) {
  type_field fs[16];
  memset(fs, 0, sizeof fs);
  for (uint32_t i = 0; i < n; i++) {
    fs[i].name = f[i].name;
    fs[i].type = f[i].type;
    fs[i].nullable = true;
  }
  return type_struct_fields(ar, n, fs, out);
}

typedef struct cp_schema {
  lago_type txn, add, remove, metadata, protocol, domain, cpmeta, all;
  uint32_t n_cols;
} cp_schema;

static int build_schema(arena *ar, bool v2, cp_schema *cs) {
  lago_type S = type_make(LT_STRING), L = type_make(LT_BIGINT), I = type_make(LT_INT), B = type_make(LT_BOOLEAN);
  lago_type M, A, dv, fmt;
  TRY(type_map(ar, S, S, true, &M));
  TRY(type_array(ar, S, true, &A));
  fdesc dvf[] = {{"storageType", S}, {"pathOrInlineDv", S}, {"offset", I}, {"sizeInBytes", I}, {"cardinality", L}};
  TRY(mk_struct(ar, dvf, 5, &dv));
  fdesc txn[] = {{"appId", S}, {"version", L}, {"lastUpdated", L}};
  TRY(mk_struct(ar, txn, 3, &cs->txn));
  fdesc add[] = {{"path", S}, {"partitionValues", M}, {"size", L}, {"modificationTime", L}, {"dataChange", B},
                 {"stats", S}, {"tags", M}, {"deletionVector", dv}, {"baseRowId", L}, {"defaultRowCommitVersion", L}};
  TRY(mk_struct(ar, add, 10, &cs->add));
  fdesc rem[] = {{"path", S}, {"deletionTimestamp", L}, {"dataChange", B}, {"extendedFileMetadata", B},
                 {"partitionValues", M}, {"size", L}, {"deletionVector", dv}, {"baseRowId", L},
                 {"defaultRowCommitVersion", L}};
  TRY(mk_struct(ar, rem, 9, &cs->remove));
  fdesc fm[] = {{"provider", S}, {"options", M}};
  TRY(mk_struct(ar, fm, 2, &fmt));
  fdesc md[] = {{"id", S}, {"name", S}, {"description", S}, {"format", fmt}, {"schemaString", S},
                {"partitionColumns", A}, {"configuration", M}, {"createdTime", L}};
  TRY(mk_struct(ar, md, 8, &cs->metadata));
  fdesc pr[] = {{"minReaderVersion", I}, {"minWriterVersion", I}, {"readerFeatures", A}, {"writerFeatures", A}};
  TRY(mk_struct(ar, pr, 4, &cs->protocol));
  fdesc dm[] = {{"domain", S}, {"configuration", S}, {"removed", B}};
  TRY(mk_struct(ar, dm, 3, &cs->domain));
  fdesc cm[] = {{"version", L}, {"tags", M}};
  TRY(mk_struct(ar, cm, 2, &cs->cpmeta));
  fdesc all[] = {{"txn", cs->txn},           {"add", cs->add},           {"remove", cs->remove},
                 {"metaData", cs->metadata}, {"protocol", cs->protocol}, {"domainMetadata", cs->domain},
                 {"checkpointMetadata", cs->cpmeta}};
  cs->n_cols = v2 ? 7 : 6;
  return mk_struct(ar, all, cs->n_cols, &cs->all);
}

enum { COL_TXN, COL_ADD, COL_REMOVE, COL_METADATA, COL_PROTOCOL, COL_DOMAIN, COL_CPMETA };

/* ---- filling vectors ------------------------------------------------------------ */

static int set_null_deep(vec *v, uint32_t row) {
  TRY(vec_set_null(v, row));
  if (v->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) TRY(set_null_deep(v->fields[i], row));
  return LAGO_OK;
}

static int put_str(vec *v, uint32_t row, const char *s) {
  if (!s) return vec_set_null(v, row);
  size_t n = strlen(s);
  if (n > UINT32_MAX) return LAGO_NOMEM;
  return vec_set_str(v, row, s, (uint32_t)n);
}

static int put_enc_path(vec *v, uint32_t row, const char *path) {
  buf b;
  buf_init(&b);
  int rc = delta_uri_encode(&b, path);
  if (rc == LAGO_OK) rc = vec_set_str(v, row, b.data ? b.data : "", (uint32_t)b.len);
  buf_deinit(&b);
  return rc;
}

static int put_i64(vec *v, uint32_t row, int64_t x, bool present) {
  if (!present) return vec_set_null(v, row);
  VEC_DATA(v, int64_t)[row] = x;
  return LAGO_OK;
}

static int put_i32(vec *v, uint32_t row, int32_t x) {
  VEC_DATA(v, int32_t)[row] = x;
  return LAGO_OK;
}

static int put_bool(vec *v, uint32_t row, bool x) {
  VEC_DATA(v, uint8_t)[row] = x;
  return LAGO_OK;
}

static int put_map(vec *v, uint32_t row, const delta_map *m, bool present) {
  lago_list *l = &VEC_DATA(v, lago_list)[row];
  l->offset = v->child->len;
  l->length = 0;
  if (!present) return vec_set_null(v, row);
  uint32_t off;
  TRY(vec_list_reserve(v, m->n, &off));
  for (uint32_t i = 0; i < m->n; i++) {
    TRY(put_str(v->child->fields[0], off + i, m->kv[i].key));
    TRY(put_str(v->child->fields[1], off + i, m->kv[i].value));
  }
  l->offset = off;
  l->length = m->n;
  return LAGO_OK;
}

static int put_list(vec *v, uint32_t row, int32_t n, const char **items) {
  lago_list *l = &VEC_DATA(v, lago_list)[row];
  l->offset = v->child->len;
  l->length = 0;
  if (n < 0) return vec_set_null(v, row);
  uint32_t off;
  TRY(vec_list_reserve(v, (uint32_t)n, &off));
  for (int32_t i = 0; i < n; i++) TRY(put_str(v->child, off + (uint32_t)i, items[i]));
  l->offset = off;
  l->length = (uint32_t)n;
  return LAGO_OK;
}

static int put_dv(vec *st, uint32_t row, const delta_dv *dv) {
  if (!dv->storage_type) return set_null_deep(st, row);
  char t[2] = {dv->storage_type, 0};
  TRY(put_str(st->fields[0], row, t));
  TRY(put_str(st->fields[1], row, dv->path_or_inline));
  if (dv->offset >= 0) TRY(put_i32(st->fields[2], row, dv->offset));
  else TRY(vec_set_null(st->fields[2], row));
  TRY(put_i32(st->fields[3], row, dv->size_in_bytes));
  return put_i64(st->fields[4], row, dv->cardinality, true);
}

static int put_add(vec *st, uint32_t row, const delta_file *f) {
  vec **c = st->fields;
  TRY(put_enc_path(c[0], row, f->path));
  TRY(put_map(c[1], row, &f->partition_values, true));
  TRY(put_i64(c[2], row, f->size, true));
  TRY(put_i64(c[3], row, f->modification_time, true));
  TRY(put_bool(c[4], row, f->data_change));
  TRY(put_str(c[5], row, f->stats ? f->stats : f->stats_parsed_json));
  TRY(put_map(c[6], row, &f->tags, f->tags.n > 0));
  TRY(put_dv(c[7], row, &f->dv));
  TRY(put_i64(c[8], row, f->base_row_id, f->base_row_id >= 0));
  return put_i64(c[9], row, f->default_row_commit_version, f->default_row_commit_version >= 0);
}

static int put_remove(vec *st, uint32_t row, const delta_file *f) {
  vec **c = st->fields;
  TRY(put_enc_path(c[0], row, f->path));
  TRY(put_i64(c[1], row, f->deletion_timestamp, f->deletion_timestamp >= 0));
  TRY(put_bool(c[2], row, false)); /* dataChange=false in checkpoints (Spark) */
  TRY(put_bool(c[3], row, f->extended_file_metadata));
  TRY(put_map(c[4], row, &f->partition_values, f->has_partition_values || f->partition_values.n));
  TRY(put_i64(c[5], row, f->size, f->size >= 0));
  TRY(put_dv(c[6], row, &f->dv));
  TRY(put_i64(c[7], row, f->base_row_id, f->base_row_id >= 0));
  return put_i64(c[8], row, f->default_row_commit_version, f->default_row_commit_version >= 0);
}

static int put_metadata(vec *st, uint32_t row, const delta_metadata *m) {
  vec **c = st->fields;
  TRY(put_str(c[0], row, m->id));
  TRY(put_str(c[1], row, m->name));
  TRY(put_str(c[2], row, m->description));
  TRY(put_str(c[3]->fields[0], row, m->format_provider ? m->format_provider : "parquet"));
  TRY(put_map(c[3]->fields[1], row, &m->format_options, true));
  TRY(put_str(c[4], row, m->schema_string));
  TRY(put_list(c[5], row, (int32_t)m->n_partition_columns, m->partition_columns));
  TRY(put_map(c[6], row, &m->configuration, true));
  return put_i64(c[7], row, m->created_time, m->created_time >= 0);
}

static int put_protocol(vec *st, uint32_t row, const delta_protocol *p) {
  vec **c = st->fields;
  TRY(put_i32(c[0], row, p->min_reader));
  TRY(put_i32(c[1], row, p->min_writer));
  TRY(put_list(c[2], row, p->n_reader_features, p->reader_features));
  return put_list(c[3], row, p->n_writer_features, p->writer_features);
}

/* ---- the writer ---------------------------------------------------------------- */

typedef struct cpw {
  const tbl_parquet_vtab *pq;
  pq_writer *w;
  cp_schema cs;
  arena *bar;       /* batch arena */
  batch *b;
  uint32_t row;     /* rows in the current batch */
  int64_t total;    /* rows written */
  lago_err *err;
} cpw;

/* Sets the row count of a struct and its nested structs (list/map children keep their element counts). */
static void set_len(vec *v, uint32_t n) {
  v->len = n;
  if (v->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) set_len(v->fields[i], n);
}

static int flush(cpw *c) {
  if (!c->row) return LAGO_OK;
  c->b->n_rows = c->row;
  c->b->sel = NULL;
  for (uint32_t i = 0; i < c->b->n_cols; i++) set_len(&c->b->cols[i], c->row);
  TRY(c->pq->writer_write(c->w, c->b, c->err));
  c->total += c->row;
  c->row = 0;
  arena_reset(c->bar);
  lago_type types[7];
  for (uint32_t i = 0; i < c->cs.n_cols; i++) types[i] = type_field_at(c->cs.all, i)->type;
  c->b = batch_new(c->bar, c->cs.n_cols, types, LAGO_VECTOR_SIZE);
  if (!c->b) return LAGO_NOMEM_ERR(c->err);
  return LAGO_OK;
}

/* Starts a row whose only non-null column is `col`; returns its struct vector. */
static int begin_row(cpw *c, int col, vec **st) {
  if (c->row == LAGO_VECTOR_SIZE) TRY(flush(c));
  for (uint32_t i = 0; i < c->cs.n_cols; i++)
    if ((int)i != col && set_null_deep(&c->b->cols[i], c->row)) return LAGO_NOMEM_ERR(c->err);
  *st = &c->b->cols[col];
  return LAGO_OK;
}

static int end_row(cpw *c, int rc) {
  if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(c->err) : rc;
  c->row++;
  return LAGO_OK;
}

int delta_checkpoint_write(delta_snapshot *s, lago_err *err) {
  delta_table *t = s->t;
  const tbl_parquet_vtab *pq = t->h->pq;
  if (!pq) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: no Parquet handler to write a checkpoint", t->root);
  const delta_file *files, *tombs;
  size_t nf, nt;
  TRY(delta_snapshot_files(s, &files, &nf, err));
  TRY(delta_snapshot_tombstones(s, &tombs, &nt, err));
  bool v2 = delta_protocol_has(&s->protocol, "v2Checkpoint");
  int64_t retention = 7 * 86400000LL;
  const char *rs = delta_map_get(&s->metadata.configuration, "delta.deletedFileRetentionDuration", NULL);
  if (rs) delta_parse_interval_ms(rs, &retention);
  int64_t now = tbl_now_ms(t->h);
  arena *ar = arena_new("query", 16384);
  if (!ar) return LAGO_NOMEM_ERR(err);
  cpw c;
  memset(&c, 0, sizeof c);
  c.pq = pq;
  c.err = err;
  int rc = build_schema(ar, v2, &c.cs) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  char *path = arena_printf(ar, "%s/%020lld.checkpoint.parquet", t->log_dir, (long long)s->version);
  char *lcp = arena_printf(ar, "%s/_last_checkpoint", t->log_dir);
  if (!path || !lcp) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK && !(c.bar = arena_new("batch", 1 << 20))) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) {
    bool exists;
    rc = fs_exists(t->h->fs, path, &exists, err);
    if (rc == LAGO_OK && exists) goto done; /* a complete checkpoint is already there */
  }
  if (rc == LAGO_OK) {
    lago_type types[7];
    for (uint32_t i = 0; i < c.cs.n_cols; i++) types[i] = type_field_at(c.cs.all, i)->type;
    if (!(c.b = batch_new(c.bar, c.cs.n_cols, types, LAGO_VECTOR_SIZE))) rc = LAGO_NOMEM_ERR(err);
  }
  pq_write_opts wo;
  pq_write_opts_init(&wo);
  if (rc == LAGO_OK) rc = pq->writer_open(t->h->fs, path, c.cs.all, &wo, &c.w, err);
  vec *st;
  int64_t n_adds = 0;
  if (rc == LAGO_OK && (rc = begin_row(&c, COL_PROTOCOL, &st)) == LAGO_OK)
    rc = end_row(&c, put_protocol(st, c.row, &s->protocol));
  if (rc == LAGO_OK && (rc = begin_row(&c, COL_METADATA, &st)) == LAGO_OK)
    rc = end_row(&c, put_metadata(st, c.row, &s->metadata));
  if (rc == LAGO_OK && v2 && (rc = begin_row(&c, COL_CPMETA, &st)) == LAGO_OK) {
    int r2 = put_i64(st->fields[0], c.row, s->version, true);
    if (!r2) r2 = put_map(st->fields[1], c.row, NULL, false);
    rc = end_row(&c, r2);
  }
  for (uint32_t i = 0; i < s->n_txns && rc == LAGO_OK; i++) {
    if ((rc = begin_row(&c, COL_TXN, &st))) break;
    const delta_txn_action *x = &s->txns[i];
    int r2 = put_str(st->fields[0], c.row, x->app_id);
    if (!r2) r2 = put_i64(st->fields[1], c.row, x->version, true);
    if (!r2) r2 = put_i64(st->fields[2], c.row, x->last_updated, x->last_updated >= 0);
    rc = end_row(&c, r2);
  }
  for (uint32_t i = 0; i < s->n_domains && rc == LAGO_OK; i++) {
    if ((rc = begin_row(&c, COL_DOMAIN, &st))) break;
    int r2 = put_str(st->fields[0], c.row, s->domains[i].domain);
    if (!r2) r2 = put_str(st->fields[1], c.row, s->domains[i].configuration);
    if (!r2) r2 = put_bool(st->fields[2], c.row, false);
    rc = end_row(&c, r2);
  }
  for (size_t i = 0; i < nf && rc == LAGO_OK; i++) {
    if ((rc = begin_row(&c, COL_ADD, &st))) break;
    rc = end_row(&c, put_add(st, c.row, &files[i]));
    n_adds++;
  }
  for (size_t i = 0; i < nt && rc == LAGO_OK; i++) {
    if (tombs[i].deletion_timestamp >= 0 && tombs[i].deletion_timestamp + retention < now) continue; /* expired */
    if ((rc = begin_row(&c, COL_REMOVE, &st))) break;
    rc = end_row(&c, put_remove(st, c.row, &tombs[i]));
  }
  if (rc == LAGO_OK) rc = flush(&c);
  if (rc == LAGO_OK) {
    pq_file_stats fst;
    rc = pq->writer_close(c.w, ar, &fst, err);
    c.w = NULL;
    if (rc == LAGO_EXISTS) rc = LAGO_OK; /* someone else wrote the same checkpoint */
    else if (rc == LAGO_OK) {
      char *j = arena_printf(ar, "{\"version\":%lld,\"size\":%lld,\"sizeInBytes\":%llu,\"numOfAddFiles\":%lld}",
                             (long long)s->version, (long long)c.total, (unsigned long long)fst.file_size,
                             (long long)n_adds);
      if (!j) rc = LAGO_NOMEM_ERR(err);
      else {
        /* never move _last_checkpoint backwards */
        last_checkpoint old;
        lago_err tmp;
        lago_err_clear(&tmp);
        if (delta_last_checkpoint_read(t, ar, &old, &tmp) == LAGO_OK && old.version > s->version) goto done;
        rc = fs_write(t->h->fs, lcp, j, strlen(j), true, err);
      }
    }
  }
done:
  if (c.w) pq->writer_abort(c.w);
  arena_free(c.bar);
  arena_free(ar);
  return rc;
}
