/*
** stream/schema.c: the stream's source schema: per-file layouts, inference
** at the first start, new columns and evolution, stored versions.
**
** Source schema: the columns read from the files, as a STRUCT, kept in
** <schema location>/_schemas/<n> (ckpt.c draws the document). Version 0 is
** the inferred (or user-given) schema; each evolution writes n+1 before the
** batch that needs it commits, so a replayed batch sees it too. Versions
** only grow: columns are appended, never dropped or retyped.
**
** Inference (first start, no stored schema): over the first
** schemaInference.sampleSize.numFiles files / numBytes bytes, oldest first.
**   CSV: column names from each file's header (or _c0.. without header),
**        united in first-seen order; STRING unless inferColumnTypes, then the
**        CSV reader's inference per header layout, merged by name.
**   JSON: the JSON reader's inference (all top-level STRING unless
**        inferColumnTypes; fields sorted by name).
**   Parquet: the files' schemas united by name; integer and float types widen.
** schemaHints then replace types by name and add hinted columns.
**
** Matching is by column name, case-insensitive (CSV files are matched by
** their header names, not by position, so files with reordered or extra
** columns land in the right place).
**
** The columns the stream writes ("wanted"): source columns, then the rescued
** data column, the corrupt record column when the user asked for one,
** _metadata when includeMetadata, then the added columns.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "format/parquet/parquet.h"
#include "stream/stream_int.h"
#include "util/alloc.h"

/* ---- types --------------------------------------------------------------- */

static int int_rank(lago_type_id id) {
  switch (id) {
  case LT_TINYINT: return 1;
  case LT_SMALLINT: case LT_UTINYINT: return 2;
  case LT_INT: case LT_USMALLINT: return 3;
  case LT_BIGINT: case LT_UINT: return 4;
  default: return 0;
  }
}

bool schema_merge_type(lago_type a, lago_type b, lago_type *out) {
  if (type_equal(a, b) || b.id == LT_NULL) {
    *out = a;
    return true;
  }
  if (a.id == LT_NULL) {
    *out = b;
    return true;
  }
  int ra = int_rank((lago_type_id)a.id), rb = int_rank((lago_type_id)b.id);
  if (ra && rb) {
    *out = ra >= rb ? a : b;
    return true;
  }
  bool fa = a.id == LT_FLOAT || a.id == LT_DOUBLE, fb = b.id == LT_FLOAT || b.id == LT_DOUBLE;
  if ((fa || ra) && (fb || rb)) {
    *out = type_make(LT_DOUBLE);
    return true;
  }
  if (a.id == LT_DECIMAL && b.id == LT_DECIMAL) {
    int s = a.scale > b.scale ? a.scale : b.scale;
    int ia = a.precision - a.scale, ib = b.precision - b.scale;
    int p = (ia > ib ? ia : ib) + s;
    *out = p <= LAGO_DECIMAL_MAX_PRECISION ? type_decimal(p, s) : type_make(LT_DOUBLE);
    return true;
  }
  if ((a.id == LT_DECIMAL && rb) || (b.id == LT_DECIMAL && ra)) {
    lago_type d = a.id == LT_DECIMAL ? a : b;
    int p = (d.precision - d.scale > 20 ? d.precision - d.scale : 20) + d.scale;
    *out = p <= LAGO_DECIMAL_MAX_PRECISION ? type_decimal(p, d.scale) : type_make(LT_DOUBLE);
    return true;
  }
  if ((a.id == LT_DECIMAL && fb) || (b.id == LT_DECIMAL && fa)) {
    *out = type_make(LT_DOUBLE);
    return true;
  }
  if ((a.id == LT_DATE && b.id == LT_TIMESTAMP) || (a.id == LT_TIMESTAMP && b.id == LT_DATE)) {
    *out = type_make(LT_TIMESTAMP);
    return true;
  }
  return false;
}

/* A type Delta can store for a Parquet column (unsigned ints widen, nanosecond timestamps become micros). */
static bool delta_type(lago_type t, lago_type *out) {
  switch (t.id) {
  case LT_UTINYINT: *out = type_make(LT_SMALLINT); return true;
  case LT_USMALLINT: *out = type_make(LT_INT); return true;
  case LT_UINT: *out = type_make(LT_BIGINT); return true;
  case LT_TIMESTAMP_NS: *out = type_make(LT_TIMESTAMP_NTZ); return true;
  case LT_UBIGINT: case LT_TIME: case LT_TIME_UTC: case LT_INTERVAL: case LT_UUID: return false;
  default: *out = t; return true;
  }
}

int schema_metadata_type(arena *ar, lago_type *out) {
  const char *names[] = {"file_path", "file_name", "file_size", "file_modification_time"};
  lago_type types[] = {type_make(LT_STRING), type_make(LT_STRING), type_make(LT_BIGINT), type_make(LT_TIMESTAMP)};
  return type_struct(ar, 4, names, types, NULL, out) ? LAGO_NOMEM : LAGO_OK;
}

lago_type schema_added_type(stream_added_kind k) {
  switch (k) {
  case ADDED_CURRENT_DATE: return type_make(LT_DATE);
  case ADDED_CURRENT_TIMESTAMP: case ADDED_FILE_MTIME: return type_make(LT_TIMESTAMP);
  case ADDED_FILE_SIZE: case ADDED_BATCH_ID: return type_make(LT_BIGINT);
  default: return type_make(LT_STRING);
  }
}

/* ---- growable field lists ------------------------------------------------ */

typedef struct flist {
  type_field *v;
  uint32_t n, cap;
  arena *ar;
} flist;

static int flist_push(flist *l, const char *name, lago_type t) {
  if (l->n == l->cap) {
    uint32_t nc = l->cap ? l->cap * 2 : 16;
    type_field *nv = arena_alloc(l->ar, nc * sizeof *nv);
    if (!nv) return LAGO_NOMEM;
    if (l->n) memcpy(nv, l->v, l->n * sizeof *nv);
    l->v = nv;
    l->cap = nc;
  }
  memset(&l->v[l->n], 0, sizeof l->v[0]);
  l->v[l->n].name = name;
  l->v[l->n].type = t;
  l->v[l->n].nullable = true;
  l->n++;
  return LAGO_OK;
}

static int flist_find(const flist *l, const char *name) {
  for (uint32_t i = 0; i < l->n; i++)
    if (!strcasecmp(l->v[i].name, name)) return (int)i;
  return -1;
}

static int flist_struct(flist *l, lago_type *out, lago_err *err) {
  if (type_struct_fields(l->ar, l->n, l->v, out)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* ---- layouts ------------------------------------------------------------- */

static int csv_names_only(stream *s, const char *abs, arena *ar, lago_type *out, lago_err *err) {
  csv_options o = s->csv;
  o.infer_schema = false;
  o.schema_hints = NULL;
  o.mode = CSV_PERMISSIVE; /* the header itself decides the names */
  o.bad_records_path = NULL;
  return csv_infer_schema(s->fs, &abs, 1, &o, ar, out, err);
}

int schema_layout(stream *s, const src_file *f, arena *ar, file_layout *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  lago_type t;
  if (s->o.format == STREAM_CSV) {
    TRY(csv_names_only(s, f->abs, ar, &t, err));
  } else if (s->o.format == STREAM_PARQUET) {
    pq_file *pf;
    TRY(pq_open(s->fs, f->abs, &pf, err));
    int rc = type_copy(ar, pq_file_schema(pf), &t) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    pq_close(pf);
    TRY(rc);
  } else {
    return LAGO_OK;
  }
  out->n = type_n_fields(t);
  out->names = arena_alloc(ar, (out->n + 1) * sizeof *out->names);
  out->types = s->o.format == STREAM_PARQUET ? arena_alloc(ar, (out->n + 1) * sizeof *out->types) : NULL;
  if (!out->names || (s->o.format == STREAM_PARQUET && !out->types)) return LAGO_NOMEM_ERR(err);
  buf key;
  buf_init(&key);
  for (uint32_t i = 0; i < out->n; i++) {
    const type_field *fd = type_field_at(t, i);
    out->names[i] = fd->name;
    if (out->types) out->types[i] = fd->type;
    if (buf_puts(&key, fd->name) || buf_putc(&key, '\x1f')) {
      buf_deinit(&key);
      return LAGO_NOMEM_ERR(err);
    }
  }
  out->key = arena_strdup(ar, buf_cstr(&key));
  buf_deinit(&key);
  return out->key ? LAGO_OK : LAGO_NOMEM_ERR(err);
}

/* ---- hints --------------------------------------------------------------- */

static int apply_hints(stream *s, arena *ar, lago_type in, bool append_missing, lago_type *out, lago_err *err) {
  *out = in;
  if (!s->o.schema_hints) return LAGO_OK;
  lago_type h;
  TRY(csv_parse_schema_hints(ar, s->o.schema_hints, &h, err));
  flist l = {0};
  l.ar = ar;
  for (uint32_t i = 0; i < type_n_fields(in); i++)
    if (flist_push(&l, type_field_at(in, i)->name, type_field_at(in, i)->type)) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < type_n_fields(h); i++) {
    const type_field *hf = type_field_at(h, i);
    int k = flist_find(&l, hf->name);
    if (k >= 0) l.v[k].type = hf->type;
    else if (append_missing && flist_push(&l, hf->name, hf->type)) return LAGO_NOMEM_ERR(err);
  }
  return flist_struct(&l, out, err);
}

int schema_apply_hints(stream *s, arena *ar, lago_type in, lago_type *out, lago_err *err) {
  if (s->o.format == STREAM_JSON && s->o.schema_hints)
    return jsonl_apply_schema_hints(ar, in, s->o.schema_hints, out, err);
  return apply_hints(s, ar, in, true, out, err);
}

/* ---- inference ----------------------------------------------------------- */

/* CSV: infers types for the files of one layout; names by position. */
static int csv_infer_group(stream *s, const char **paths, uint32_t n, arena *ar, lago_type *out, lago_err *err) {
  csv_options o = s->csv;
  o.infer_schema = true;
  o.schema_hints = NULL;
  return csv_infer_schema(s->fs, paths, n, &o, ar, out, err);
}

/* Unites the layouts of files (CSV, Parquet) into fields by name; new_only: only names not in `known`. */
static int unite_layouts(stream *s, src_file *files, uint32_t n, const file_layout *layouts, lago_type known,
                         bool new_only, arena *ar, flist *l, const char **first_file, lago_err *err) {
  for (uint32_t i = 0; i < n; i++) {
    if (files[i].skip || files[i].layout < 0) continue;
    const file_layout *lay = &layouts[files[i].layout];
    for (uint32_t c = 0; c < lay->n; c++) {
      const char *name = lay->names[c];
      if (new_only && type_field_index(known, name) >= 0) continue;
      if (s->corrupt_int && !strcasecmp(name, s->corrupt_int)) continue;
      lago_type t = type_make(LT_STRING);
      if (lay->types && !delta_type(lay->types[c], &t))
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: column %s has type %s, which a Delta table cannot hold",
                        files[i].abs, name, type_id_name((lago_type_id)lay->types[c].id));
      int k = flist_find(l, name);
      if (k < 0) {
        if (first_file && !*first_file) *first_file = files[i].abs;
        if (flist_push(l, name, t)) return LAGO_NOMEM_ERR(err);
      } else if (lay->types) {
        lago_type m;
        if (!schema_merge_type(l->v[k].type, t, &m))
          return LAGO_ERR(err, LAGO_BIND, "%s: column %s is %s here and %s in other files", files[i].abs, name,
                          type_id_name((lago_type_id)t.id), type_id_name((lago_type_id)l->v[k].type.id));
        l->v[k].type = m;
      }
    }
  }
  if (s->o.format != STREAM_CSV || !s->o.infer_types || !l->n) return LAGO_OK;
  /* CSV with inferColumnTypes: infer per layout and merge the inferred types by name */
  bool *typed = arena_calloc(ar, l->n, sizeof *typed);
  const char **paths = arena_alloc(ar, (n + 1) * sizeof *paths);
  if (!typed || !paths) return LAGO_NOMEM_ERR(err);
  bool *done = arena_calloc(ar, n + 1, sizeof *done);
  if (!done) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    if (done[i] || files[i].skip || files[i].layout < 0) continue;
    const file_layout *lay = &layouts[files[i].layout];
    uint32_t np = 0;
    for (uint32_t j = i; j < n; j++)
      if (!done[j] && !files[j].skip && files[j].layout >= 0 && !strcmp(layouts[files[j].layout].key, lay->key)) {
        done[j] = true;
        paths[np++] = files[j].abs;
      }
    lago_type inf;
    TRY(csv_infer_group(s, paths, np, ar, &inf, err));
    for (uint32_t c = 0; c < type_n_fields(inf) && c < lay->n; c++) {
      int k = flist_find(l, lay->names[c]);
      if (k < 0) continue;
      lago_type t = type_field_at(inf, c)->type, m;
      if (!typed[k]) {
        l->v[k].type = t;
        typed[k] = true;
      } else {
        l->v[k].type = schema_merge_type(l->v[k].type, t, &m) ? m : type_make(LT_STRING);
      }
    }
  }
  return LAGO_OK;
}

int schema_infer_json(stream *s, src_file *files, uint32_t n, arena *ar, lago_type *out, lago_err *err) {
  const char **paths = arena_alloc(ar, (n + 1) * sizeof *paths);
  if (!paths) return LAGO_NOMEM_ERR(err);
  uint32_t np = 0;
  for (uint32_t i = 0; i < n; i++)
    if (!files[i].skip) paths[np++] = files[i].abs;
  jsonl_options o = s->json;
  o.infer_types = s->o.infer_types;
  o.schema_hints = s->o.schema_hints;
  o.rescued_column = NULL;
  o.mode = JSONL_PERMISSIVE;
  o.bad_records_path = NULL;
  lago_type t;
  TRY(jsonl_infer_schema(s->fs, paths, np, &o, ar, &t, err));
  /* the corrupt record column is the stream's business, not a source column */
  flist l = {0};
  l.ar = ar;
  for (uint32_t i = 0; i < type_n_fields(t); i++) {
    const type_field *f = type_field_at(t, i);
    if (s->corrupt_int && !strcasecmp(f->name, s->corrupt_int)) continue;
    if (s->rescued && !strcasecmp(f->name, s->rescued)) continue;
    if (flist_push(&l, f->name, f->type)) return LAGO_NOMEM_ERR(err);
    l.v[l.n - 1] = *f;
  }
  return flist_struct(&l, out, err);
}

int schema_infer(stream *s, src_file *files, uint32_t n, const file_layout *layouts, arena *ar, lago_type *out,
                 lago_err *err) {
  /* the sample: oldest files first, up to numFiles and numBytes */
  uint32_t k = 0;
  uint64_t bytes = 0;
  while (k < n && (int64_t)k < s->o.sample_files && (k == 0 || bytes + files[k].size <= s->o.sample_bytes))
    bytes += files[k++].size;
  if (s->o.format == STREAM_JSON) return schema_infer_json(s, files, k, ar, out, err);
  flist l = {0};
  l.ar = ar;
  lago_type none;
  TRY(type_struct(ar, 0, NULL, NULL, NULL, &none) ? LAGO_NOMEM_ERR(err) : LAGO_OK);
  TRY(unite_layouts(s, files, k, layouts, none, false, ar, &l, NULL, err));
  lago_type t;
  TRY(flist_struct(&l, &t, err));
  return apply_hints(s, ar, t, true, out, err);
}

int schema_new_columns(stream *s, src_file *files, uint32_t n, const file_layout *layouts, arena *ar, lago_type *more,
                       const char **first_file, lago_err *err) {
  flist l = {0};
  l.ar = ar;
  *first_file = NULL;
  TRY(unite_layouts(s, files, n, layouts, s->src_schema, true, ar, &l, first_file, err));
  lago_type t;
  TRY(flist_struct(&l, &t, err));
  return apply_hints(s, ar, t, false, more, err);
}

int schema_missing(arena *ar, lago_type cur, lago_type more, lago_type *out, lago_err *err) {
  flist l = {0};
  l.ar = ar;
  for (uint32_t i = 0; i < type_n_fields(more); i++) {
    const type_field *m = type_field_at(more, i);
    int k = type_field_index(cur, m->name);
    if (k < 0) {
      if (flist_push(&l, m->name, m->type)) return LAGO_NOMEM_ERR(err);
      continue;
    }
    const type_field *c = type_field_at(cur, (uint32_t)k);
    if (c->type.id == LT_STRUCT && m->type.id == LT_STRUCT) {
      lago_type sub;
      TRY(schema_missing(ar, c->type, m->type, &sub, err));
      if (type_n_fields(sub) && flist_push(&l, c->name, sub)) return LAGO_NOMEM_ERR(err);
    }
  }
  return flist_struct(&l, out, err);
}

int schema_append(arena *ar, lago_type cur, lago_type more, lago_type *out, bool *changed, lago_err *err) {
  flist l = {0};
  l.ar = ar;
  for (uint32_t i = 0; i < type_n_fields(cur); i++) {
    if (flist_push(&l, NULL, type_make(LT_NULL))) return LAGO_NOMEM_ERR(err);
    l.v[l.n - 1] = *type_field_at(cur, i);
  }
  for (uint32_t i = 0; i < type_n_fields(more); i++) {
    const type_field *m = type_field_at(more, i);
    int k = flist_find(&l, m->name);
    if (k < 0) {
      if (flist_push(&l, m->name, m->type)) return LAGO_NOMEM_ERR(err);
      *changed = true;
    } else if (l.v[k].type.id == LT_STRUCT && m->type.id == LT_STRUCT) {
      lago_type sub;
      TRY(schema_append(ar, l.v[k].type, m->type, &sub, changed, err));
      l.v[k].type = sub;
    }
  }
  return flist_struct(&l, out, err);
}

/* ---- stored versions ----------------------------------------------------- */

int schema_store(stream *s, lago_type schema, int64_t bid, lago_err *err) {
  int64_t v = s->schema_version + 1;
  char name[32];
  snprintf(name, sizeof name, "%lld", (long long)v);
  buf b;
  buf_init(&b);
  int rc = ckpt_schema_write(v, bid, schema, &b, err);
  char *path = rc ? NULL : path_join(s->ar, s->schema_dir, name);
  if (rc == LAGO_OK && !path) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = fs_write(s->fs, path, b.data, b.len, true, err);
  buf_deinit(&b);
  TRY(rc);
  TRY(type_copy(s->ar, schema, &s->src_schema) ? LAGO_NOMEM_ERR(err) : LAGO_OK);
  s->schema_version = v;
  s->have_schema = true;
  return LAGO_OK;
}

typedef struct max_ver {
  int64_t v;
} max_ver;

static int on_schema_file(void *ud, const fs_entry *e) {
  max_ver *m = ud;
  if (e->is_dir || strchr(e->name, '/')) return LAGO_OK;
  int64_t v = 0;
  const char *p = e->name;
  if (!*p) return LAGO_OK;
  for (; *p; p++) {
    if (*p < '0' || *p > '9' || v > INT32_MAX) return LAGO_OK; /* not a version file: ignore */
    v = v * 10 + (*p - '0');
  }
  if (v > m->v) m->v = v;
  return LAGO_OK;
}

int schema_load_latest(stream *s, lago_err *err) {
  max_ver m = {-1};
  int rc = fs_list(s->fs, s->schema_dir, false, on_schema_file, &m, err);
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(err);
    return LAGO_OK;
  }
  TRY(rc);
  if (m.v < 0) return LAGO_OK;
  char name[32];
  snprintf(name, sizeof name, "%lld", (long long)m.v);
  const char *path = path_join(s->ar, s->schema_dir, name);
  if (!path) return LAGO_NOMEM_ERR(err);
  arena *tmp = arena_new("query", 16384);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  char *text;
  size_t len;
  int64_t ver, bid;
  lago_type t;
  rc = ckpt_read(s, path, tmp, &text, &len, err);
  if (rc == LAGO_OK) rc = ckpt_schema_parse(tmp, text, len, path, &ver, &bid, &t, err);
  if (rc == LAGO_OK && ver != m.v)
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: holds schema version %lld, its name says %lld", path, (long long)ver,
                  (long long)m.v);
  if (rc == LAGO_OK && type_copy(s->ar, t, &s->src_schema)) rc = LAGO_NOMEM_ERR(err);
  arena_free(tmp);
  TRY(rc);
  s->schema_version = ver;
  s->have_schema = true;
  return LAGO_OK;
}

/* ---- the columns written --------------------------------------------------- */

static bool is_special(const stream *s, const char *name) {
  if (s->rescued && !strcasecmp(name, s->rescued)) return true;
  if (s->corrupt && !strcasecmp(name, s->corrupt)) return true;
  if (s->o.include_metadata && !strcasecmp(name, "_metadata")) return true;
  for (uint32_t i = 0; i < s->o.n_added; i++)
    if (!strcasecmp(name, s->o.added[i].name)) return true;
  return false;
}

int schema_wanted(stream *s, arena *ar, lago_type *out, lago_err *err) {
  flist l = {0};
  l.ar = ar;
  for (uint32_t i = 0; i < type_n_fields(s->src_schema); i++) {
    const type_field *f = type_field_at(s->src_schema, i);
    if (is_special(s, f->name)) continue;
    if (flist_push(&l, f->name, f->type)) return LAGO_NOMEM_ERR(err);
  }
  if (s->rescued && flist_push(&l, s->rescued, type_make(LT_STRING))) return LAGO_NOMEM_ERR(err);
  if (s->corrupt && flist_push(&l, s->corrupt, type_make(LT_STRING))) return LAGO_NOMEM_ERR(err);
  if (s->o.include_metadata) {
    lago_type mt;
    if (schema_metadata_type(ar, &mt) || flist_push(&l, "_metadata", mt)) return LAGO_NOMEM_ERR(err);
  }
  for (uint32_t i = 0; i < s->o.n_added; i++) {
    if (flist_find(&l, s->o.added[i].name) >= 0) continue;
    if (flist_push(&l, s->o.added[i].name, schema_added_type(s->o.added[i].kind))) return LAGO_NOMEM_ERR(err);
  }
  return flist_struct(&l, out, err);
}
