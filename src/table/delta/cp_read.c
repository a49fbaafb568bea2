/*
** table/delta/cp_read.c: reading checkpoints (PROTOCOL.md "Checkpoints",
** "Checkpoint Schema", "V2 Spec Checkpoints", "Sidecar Files";
** DELTA-CHECKLIST.md §5).
**
** Parquet checkpoints (classic, multi-part, UUID-named) hold one action per
** row, one nullable struct column per action type:
**   protocol {minReaderVersion int, minWriterVersion int, readerFeatures [string], writerFeatures [string]}
**   metaData {id, name, description, format {provider, options map}, schemaString,
**             partitionColumns [string], configuration map<string,string>, createdTime long}
**   txn {appId, version long, lastUpdated long}
**   add {path, partitionValues map, size, modificationTime, dataChange, stats string,
**        tags map, deletionVector {storageType, pathOrInlineDv, offset int, sizeInBytes int,
**        cardinality long}, baseRowId, defaultRowCommitVersion, clusteringProvider,
**        stats_parsed struct (optional), partitionValues_parsed struct (optional)}
**   remove {path, deletionTimestamp, dataChange, extendedFileMetadata, partitionValues,
**           size, deletionVector, baseRowId, defaultRowCommitVersion}
**   domainMetadata {domain, configuration, removed}
**   checkpointMetadata {version long, tags map}     (V2 spec only)
**   sidecar {path, sizeInBytes, modificationTime, tags}  (V2 spec only)
** Exactly one column is non-null per row; a missing column is all null.
** UUID-named JSON checkpoints hold the same actions as JSON lines. Sidecars
** (_delta_log/_sidecars/<path>) are Parquet files with add/remove columns.
** Columns are read by name, fields within structs by name, so column order
** and extra fields do not matter; a field of the wrong type is LAGO_CORRUPT.
** Only the wanted columns are projected: opening a snapshot reads the small
** non-file columns, the file list later reads add/remove in batches.
*/
#include <stdio.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "util/datetime.h"
#include "util/numfmt.h"

/* ---- reading values out of vectors ----------------------------------------- */

static uint32_t prow(const vec *v, uint32_t row) {
  if (v->kind == VEC_CONST) return 0;
  if (v->kind == VEC_DICT) return ((const uint32_t *)v->data)[row];
  return row;
}

static bool valid(const vec *v, uint32_t row) { return vec_is_valid(v, row); }

/* Data vector holding the value of row (the dictionary for DICT vectors). */
static const vec *dvec(const vec *v) { return v->kind == VEC_DICT ? v->dict : v; }

static const vec *field(const vec *st, const char *name) {
  if (!st || st->type.id != LT_STRUCT) return NULL;
  int i = type_field_index(st->type, name);
  return i < 0 ? NULL : st->fields[i];
}

typedef struct cpr {
  arena *ar;       /* batch arena: actions are built here */
  const char *where;
  lago_err *err;
} cpr;

static int bad(cpr *c, const char *what) {
  return LAGO_ERR(c->err, LAGO_CORRUPT, "checkpoint %s: %s", c->where, what);
}

/* String field of struct st at row (NULL when null or absent). */
static int get_str(cpr *c, const vec *st, uint32_t row, const char *name, const char **out) {
  *out = NULL;
  const vec *f = field(st, name);
  if (!f || !valid(f, row)) return LAGO_OK;
  if (!type_is_string_like(f->type)) return bad(c, name);
  const lago_str *s = &((const lago_str *)dvec(f)->data)[prow(f, row)];
  const char *p = str_data(s);
  if (memchr(p, 0, s->len)) return bad(c, "string with a NUL character");
  char *d = arena_strndup(c->ar, p, s->len);
  if (!d) return LAGO_NOMEM_ERR(c->err);
  *out = d;
  return LAGO_OK;
}

static int get_i64(cpr *c, const vec *st, uint32_t row, const char *name, int64_t def, int64_t *out) {
  *out = def;
  const vec *f = field(st, name);
  if (!f || !valid(f, row)) return LAGO_OK;
  const void *d = dvec(f)->data;
  uint32_t r = prow(f, row);
  switch (f->type.id) {
  case LT_TINYINT: *out = ((const int8_t *)d)[r]; break;
  case LT_SMALLINT: *out = ((const int16_t *)d)[r]; break;
  case LT_INT: *out = ((const int32_t *)d)[r]; break;
  case LT_BIGINT: *out = ((const int64_t *)d)[r]; break;
  default: return bad(c, name);
  }
  return LAGO_OK;
}

static int get_bool(cpr *c, const vec *st, uint32_t row, const char *name, bool def, bool *out) {
  *out = def;
  const vec *f = field(st, name);
  if (!f || !valid(f, row)) return LAGO_OK;
  if (f->type.id != LT_BOOLEAN) return bad(c, name);
  *out = ((const uint8_t *)dvec(f)->data)[prow(f, row)] != 0;
  return LAGO_OK;
}

static int get_map(cpr *c, const vec *st, uint32_t row, const char *name, delta_map *out, bool *present) {
  out->n = 0;
  out->kv = NULL;
  if (present) *present = false;
  const vec *f = field(st, name);
  if (!f || !valid(f, row)) return LAGO_OK;
  if (f->type.id != LT_MAP || !f->child || !f->child->fields) return bad(c, name);
  if (present) *present = true;
  lago_list l = ((const lago_list *)dvec(f)->data)[prow(f, row)];
  const vec *kv = f->child, *kvec = kv->fields[0], *vvec = kv->fields[1];
  if ((uint64_t)l.offset + l.length > kv->len) return bad(c, "map entries out of range");
  if (!l.length) return LAGO_OK;
  out->kv = arena_alloc(c->ar, l.length * sizeof *out->kv);
  if (!out->kv) return LAGO_NOMEM_ERR(c->err);
  if (!type_is_string_like(kvec->type) || !type_is_string_like(vvec->type)) return bad(c, "map of non-strings");
  for (uint32_t i = 0; i < l.length; i++) {
    uint32_t e = l.offset + i;
    delta_kv *p = &out->kv[i];
    p->key = p->value = NULL;
    for (int k = 0; k < 2; k++) {
      const vec *x = k ? vvec : kvec;
      if (!valid(x, e)) {
        if (!k) return bad(c, "null map key");
        continue;
      }
      const lago_str *s = &((const lago_str *)dvec(x)->data)[prow(x, e)];
      char *d = arena_strndup(c->ar, str_data(s), s->len);
      if (!d) return LAGO_NOMEM_ERR(c->err);
      if (k) p->value = d;
      else p->key = d;
    }
  }
  out->n = l.length;
  return LAGO_OK;
}

static int get_str_list(cpr *c, const vec *st, uint32_t row, const char *name, int32_t *n, const char ***out) {
  *n = -1;
  *out = NULL;
  const vec *f = field(st, name);
  if (!f || !valid(f, row)) return LAGO_OK;
  if (f->type.id != LT_ARRAY || !f->child || !type_is_string_like(f->child->type)) return bad(c, name);
  lago_list l = ((const lago_list *)dvec(f)->data)[prow(f, row)];
  if ((uint64_t)l.offset + l.length > f->child->len) return bad(c, "list out of range");
  const char **a = arena_alloc(c->ar, (l.length + 1) * sizeof *a);
  if (!a) return LAGO_NOMEM_ERR(c->err);
  for (uint32_t i = 0; i < l.length; i++) {
    const vec *x = f->child;
    uint32_t e = l.offset + i;
    if (!valid(x, e)) return bad(c, "null in a string list");
    const lago_str *s = &((const lago_str *)dvec(x)->data)[prow(x, e)];
    if (!(a[i] = arena_strndup(c->ar, str_data(s), s->len))) return LAGO_NOMEM_ERR(c->err);
  }
  a[l.length] = NULL;
  *n = (int32_t)l.length;
  *out = a;
  return LAGO_OK;
}

/* ---- stats_parsed -> stats JSON ------------------------------------------------ */

static int stat_value(json_writer *w, const vec *v, uint32_t row) {
  if (!valid(v, row)) return json_w_null(w);
  const void *d = dvec(v)->data;
  uint32_t r = prow(v, row);
  char tmp[FMT_NUM_MAX + 48];
  switch (v->type.id) {
  case LT_BOOLEAN: return json_w_bool(w, ((const uint8_t *)d)[r] != 0);
  case LT_TINYINT: return json_w_i64(w, ((const int8_t *)d)[r]);
  case LT_SMALLINT: return json_w_i64(w, ((const int16_t *)d)[r]);
  case LT_INT: return json_w_i64(w, ((const int32_t *)d)[r]);
  case LT_BIGINT: return json_w_i64(w, ((const int64_t *)d)[r]);
  case LT_FLOAT: return json_w_double(w, ((const float *)d)[r]);
  case LT_DOUBLE: return json_w_double(w, ((const double *)d)[r]);
  case LT_DECIMAL:
    fmt_decimal(type_decimal_is_wide(v->type) ? ((const lago_i128 *)d)[r] : ((const int64_t *)d)[r], v->type.scale,
                tmp);
    return json_w_raw(w, tmp, strlen(tmp));
  case LT_STRING:
  case LT_BINARY: {
    const lago_str *s = &((const lago_str *)d)[r];
    return json_w_strn(w, str_data(s), s->len);
  }
  case LT_DATE:
    fmt_date(((const int32_t *)d)[r], tmp);
    return json_w_str(w, tmp);
  case LT_TIMESTAMP:
  case LT_TIMESTAMP_NTZ: {
    int64_t us = ((const int64_t *)d)[r];
    int64_t days = floor_div64(us, MICROS_PER_DAY), tod = floor_mod64(us, MICROS_PER_DAY);
    char dd[48];
    fmt_date((int32_t)days, dd);
    snprintf(tmp, sizeof tmp, "%sT%02d:%02d:%02d.%03d%s", dd, (int)(tod / 3600000000), (int)(tod / 60000000 % 60),
             (int)(tod / 1000000 % 60), (int)(tod / 1000 % 1000), v->type.id == LT_TIMESTAMP ? "Z" : "");
    return json_w_str(w, tmp);
  }
  case LT_STRUCT: {
    json_w_begin_obj(w);
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) {
      json_w_key(w, type_field_at(v->type, i)->name);
      stat_value(w, v->fields[i], r);
    }
    return json_w_end_obj(w);
  }
  default: return json_w_null(w);
  }
}

static int render_stats_parsed(cpr *c, const vec *sp, uint32_t row, const char **out) {
  *out = NULL;
  if (!sp || !valid(sp, row) || sp->type.id != LT_STRUCT) return LAGO_OK;
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  uint32_t r = prow(sp, row);
  for (uint32_t i = 0; i < type_n_fields(sp->type); i++) {
    const vec *f = sp->fields[i];
    if (!valid(f, r)) continue;
    json_w_key(&w, type_field_at(sp->type, i)->name);
    stat_value(&w, f, r);
  }
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK && !(*out = arena_strndup(c->ar, buf_cstr(&b), b.len))) rc = LAGO_NOMEM;
  buf_deinit(&b);
  return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(c->err) : rc ? bad(c, "stats_parsed") : LAGO_OK;
}

/* ---- rows -> actions --------------------------------------------------------------- */

static int row_file(cpr *c, const vec *st, uint32_t row, delta_action_kind kind, delta_action *a) {
  memset(a, 0, sizeof *a);
  a->kind = kind;
  delta_file *f = &a->u.file;
  uint32_t r = prow(st, row);
  const char *raw;
  TRY(get_str(c, st, r, "path", &raw));
  if (!raw || !*raw) return bad(c, kind == DA_ADD ? "add.path missing" : "remove.path missing");
  TRY(delta_uri_decode(c->ar, raw, strlen(raw), &f->path, c->err));
  TRY(get_map(c, st, r, "partitionValues", &f->partition_values, &f->has_partition_values));
  TRY(get_map(c, st, r, "tags", &f->tags, NULL));
  TRY(get_i64(c, st, r, "size", -1, &f->size));
  TRY(get_i64(c, st, r, "modificationTime", 0, &f->modification_time));
  TRY(get_i64(c, st, r, "deletionTimestamp", -1, &f->deletion_timestamp));
  TRY(get_bool(c, st, r, "dataChange", kind == DA_ADD, &f->data_change));
  TRY(get_bool(c, st, r, "extendedFileMetadata", false, &f->extended_file_metadata));
  TRY(get_str(c, st, r, "stats", &f->stats));
  TRY(get_i64(c, st, r, "baseRowId", -1, &f->base_row_id));
  TRY(get_i64(c, st, r, "defaultRowCommitVersion", -1, &f->default_row_commit_version));
  TRY(get_str(c, st, r, "clusteringProvider", &f->clustering_provider));
  if (!f->stats) TRY(render_stats_parsed(c, field(st, "stats_parsed"), r, &f->stats_parsed_json));
  f->dv.offset = -1;
  const vec *dv = field(st, "deletionVector");
  if (dv && valid(dv, r)) {
    uint32_t dr = prow(dv, r);
    const char *stype;
    int64_t off, size, card;
    TRY(get_str(c, dv, dr, "storageType", &stype));
    TRY(get_str(c, dv, dr, "pathOrInlineDv", &f->dv.path_or_inline));
    TRY(get_i64(c, dv, dr, "offset", -1, &off));
    TRY(get_i64(c, dv, dr, "sizeInBytes", -1, &size));
    TRY(get_i64(c, dv, dr, "cardinality", -1, &card));
    if (!stype || strlen(stype) != 1 || !strchr("uip", stype[0]) || !f->dv.path_or_inline || size < 0 ||
        size > INT32_MAX || card < 0 || off < -1 || off > INT32_MAX)
      return bad(c, "deletionVector");
    f->dv.storage_type = stype[0];
    f->dv.offset = (int32_t)off;
    f->dv.size_in_bytes = (int32_t)size;
    f->dv.cardinality = card;
  }
  if (kind == DA_ADD && f->size < 0) return bad(c, "add.size missing");
  return LAGO_OK;
}

static int row_action(cpr *c, const char *col, const vec *st, uint32_t row, delta_action *a) {
  memset(a, 0, sizeof *a);
  uint32_t r = prow(st, row);
  if (!strcmp(col, "add")) return row_file(c, st, row, DA_ADD, a);
  if (!strcmp(col, "remove")) return row_file(c, st, row, DA_REMOVE, a);
  if (!strcmp(col, "protocol")) {
    a->kind = DA_PROTOCOL;
    delta_protocol *p = &a->u.protocol;
    int64_t rv, wv;
    TRY(get_i64(c, st, r, "minReaderVersion", -1, &rv));
    TRY(get_i64(c, st, r, "minWriterVersion", -1, &wv));
    if (rv < 0 || wv < 0 || rv > INT32_MAX || wv > INT32_MAX) return bad(c, "protocol versions");
    p->min_reader = (int32_t)rv;
    p->min_writer = (int32_t)wv;
    TRY(get_str_list(c, st, r, "readerFeatures", &p->n_reader_features, &p->reader_features));
    return get_str_list(c, st, r, "writerFeatures", &p->n_writer_features, &p->writer_features);
  }
  if (!strcmp(col, "metaData")) {
    a->kind = DA_METADATA;
    delta_metadata *m = &a->u.metadata;
    TRY(get_str(c, st, r, "id", &m->id));
    TRY(get_str(c, st, r, "name", &m->name));
    TRY(get_str(c, st, r, "description", &m->description));
    TRY(get_str(c, st, r, "schemaString", &m->schema_string));
    if (!m->id || !m->schema_string) return bad(c, "metaData.id or schemaString missing");
    m->format_provider = "parquet";
    const vec *fmt = field(st, "format");
    if (fmt && valid(fmt, r)) {
      const char *prov;
      TRY(get_str(c, fmt, prow(fmt, r), "provider", &prov));
      if (prov) m->format_provider = prov;
      TRY(get_map(c, fmt, prow(fmt, r), "options", &m->format_options, NULL));
    }
    int32_t n;
    TRY(get_str_list(c, st, r, "partitionColumns", &n, &m->partition_columns));
    m->n_partition_columns = n < 0 ? 0 : (uint32_t)n;
    TRY(get_map(c, st, r, "configuration", &m->configuration, NULL));
    return get_i64(c, st, r, "createdTime", -1, &m->created_time);
  }
  if (!strcmp(col, "txn")) {
    a->kind = DA_TXN;
    TRY(get_str(c, st, r, "appId", &a->u.txn.app_id));
    TRY(get_i64(c, st, r, "version", -1, &a->u.txn.version));
    TRY(get_i64(c, st, r, "lastUpdated", -1, &a->u.txn.last_updated));
    if (!a->u.txn.app_id) return bad(c, "txn.appId missing");
    return LAGO_OK;
  }
  if (!strcmp(col, "domainMetadata")) {
    a->kind = DA_DOMAIN;
    TRY(get_str(c, st, r, "domain", &a->u.domain.domain));
    TRY(get_str(c, st, r, "configuration", &a->u.domain.configuration));
    TRY(get_bool(c, st, r, "removed", false, &a->u.domain.removed));
    if (!a->u.domain.domain) return bad(c, "domainMetadata.domain missing");
    if (!a->u.domain.configuration) a->u.domain.configuration = "";
    return LAGO_OK;
  }
  if (!strcmp(col, "sidecar")) {
    a->kind = DA_SIDECAR;
    TRY(get_str(c, st, r, "path", &a->u.sidecar.path));
    TRY(get_i64(c, st, r, "sizeInBytes", -1, &a->u.sidecar.size_in_bytes));
    TRY(get_i64(c, st, r, "modificationTime", -1, &a->u.sidecar.modification_time));
    if (!a->u.sidecar.path) return bad(c, "sidecar.path missing");
    return LAGO_OK;
  }
  if (!strcmp(col, "checkpointMetadata")) {
    a->kind = DA_CHECKPOINT_META;
    return get_i64(c, st, r, "version", -1, &a->u.checkpoint_version);
  }
  return LAGO_OK;
}

/* ---- files ---------------------------------------------------------------------- */

typedef struct sidecars {
  const char **paths;  /* in the caller's arena */
  size_t n, cap;
} sidecars;

static int add_sidecar(arena *ar, sidecars *sc, const char *path) {
  if (sc->n == sc->cap) {
    size_t nc = sc->cap ? sc->cap * 2 : 8;
    const char **np = arena_realloc(ar, sc->paths, sc->cap * sizeof *np, nc * sizeof *np);
    if (!np) return LAGO_NOMEM;
    sc->paths = np;
    sc->cap = nc;
  }
  if (!(sc->paths[sc->n] = arena_strdup(ar, path))) return LAGO_NOMEM;
  sc->n++;
  return LAGO_OK;
}

static const char *const k_cols_meta[] = {"protocol", "metaData", "txn", "domainMetadata", "checkpointMetadata",
                                          "sidecar", NULL};
static const char *const k_cols_files[] = {"add", "remove", "sidecar", NULL};
static const char *const k_cols_sidecar[] = {"add", "remove", NULL};

/*
** Reads the wanted columns of one Parquet checkpoint file (or sidecar) and
** feeds each action to fn. Sidecar actions are collected into sc.
*/
static int read_parquet(delta_table *t, const char *path, const char *const *cols, int64_t version, arena *keep,
                        sidecars *sc, delta_action_fn fn, void *ud, lago_err *err) {
  const tbl_parquet_vtab *pq = t->h->pq;
  if (!pq) return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: no Parquet handler to read the checkpoint", path);
  pq_file *pf;
  TRY(pq->open(t->h->fs, path, &pf, err));
  lago_type sch = pq->schema(pf);
  uint32_t idx[8];
  const char *names[8];
  uint32_t n = 0;
  for (int i = 0; cols[i]; i++) {
    int k = type_field_index(sch, cols[i]);
    if (k < 0) continue;
    if (type_field_at(sch, (uint32_t)k)->type.id != LT_STRUCT) {
      pq->close(pf);
      return LAGO_ERR(err, LAGO_CORRUPT, "checkpoint %s: column \"%s\" is not a struct", path, cols[i]);
    }
    idx[n] = (uint32_t)k;
    names[n] = cols[i];
    n++;
  }
  int rc = LAGO_OK;
  arena *bar = NULL;
  pq_reader *rd = NULL;
  if (!n) goto done; /* nothing wanted here */
  if (!(bar = arena_new("batch", 65536))) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.columns = idx;
  o.n_columns = n;
  if ((rc = pq->reader_open(pf, &o, &rd, err))) goto done;
  cpr c = {bar, path, err};
  for (;;) {
    batch *b;
    if ((rc = pq->reader_next(rd, &b, NULL, err))) break;
    if (!b || !b->n_rows) break;
    for (uint32_t row = 0; row < b->n_rows && rc == LAGO_OK; row++) {
      arena_reset(bar);
      uint32_t pr = batch_row(b, row);
      for (uint32_t k = 0; k < n && rc == LAGO_OK; k++) {
        const vec *st = &b->cols[k];
        if (!valid(st, pr)) continue;
        delta_action a;
        if ((rc = row_action(&c, names[k], st, pr, &a))) break;
        if (a.kind == DA_SIDECAR) {
          if (sc && add_sidecar(keep, sc, a.u.sidecar.path)) rc = LAGO_NOMEM_ERR(err);
          continue;
        }
        if (a.kind == DA_NONE || a.kind == DA_CHECKPOINT_META) continue;
        rc = fn(ud, &a, version, true, err);
      }
    }
    if (rc) break;
  }
done:
  if (rd) pq->reader_close(rd);
  pq->close(pf);
  arena_free(bar);
  return rc;
}

typedef struct json_cp {
  delta_action_fn fn;
  void *ud;
  bool want_files;
  arena *keep;
  sidecars *sc;
} json_cp;

static int on_json_cp(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)from_cp;
  json_cp *j = ud;
  if (a->kind == DA_SIDECAR) return add_sidecar(j->keep, j->sc, a->u.sidecar.path) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  if (a->kind == DA_CHECKPOINT_META || a->kind == DA_COMMIT_INFO || a->kind == DA_CDC) return LAGO_OK;
  if (!j->want_files && (a->kind == DA_ADD || a->kind == DA_REMOVE)) return LAGO_OK;
  return j->fn(j->ud, a, version, true, err);
}

int delta_checkpoint_read(delta_table *t, const log_segment *seg, bool want_files, delta_action_fn fn, void *ud,
                          lago_err *err) {
  arena *keep = arena_new("query", 4096);
  if (!keep) return LAGO_NOMEM_ERR(err);
  sidecars sc = {NULL, 0, 0};
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < seg->n_cp && rc == LAGO_OK; i++) {
    const log_file *lf = &seg->cp[i];
    if (lf->is_json) {
      char *text;
      size_t len;
      arena *tar = arena_new("query", 65536);
      if (!tar) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      json_cp j = {fn, ud, want_files, keep, &sc};
      rc = delta_log_read(t, lf->path, tar, &text, &len, err);
      if (rc == LAGO_OK) rc = delta_commit_parse(text, len, tar, lf->path, seg->cp_version, on_json_cp, &j, err);
      arena_free(tar);
    } else {
      /* non-file columns are read when the snapshot loads, add/remove when its files are wanted */
      rc = read_parquet(t, lf->path, want_files ? k_cols_files : k_cols_meta, seg->cp_version, keep, &sc, fn, ud, err);
    }
  }
  if (want_files) {
    for (size_t i = 0; i < sc.n && rc == LAGO_OK; i++) {
      const char *p = sc.paths[i];
      const char *full;
      if (strchr(p, '/') || strchr(p, ':')) {
        /* a full URI or path: must still be inside _delta_log/_sidecars */
        const char *dec;
        rc = delta_uri_decode(keep, p, strlen(p), &dec, err);
        if (rc) break;
        const char *base = strrchr(dec, '/');
        full = arena_printf(keep, "%s/_sidecars/%s", t->log_dir, base ? base + 1 : dec);
      } else {
        full = arena_printf(keep, "%s/_sidecars/%s", t->log_dir, p);
      }
      if (!full) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      rc = read_parquet(t, full, k_cols_sidecar, seg->cp_version, keep, NULL, fn, ud, err);
    }
  }
  arena_free(keep);
  return rc;
}
