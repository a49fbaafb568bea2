/*
** stream/source.c: reading a micro-batch's files into batches shaped like
** the target (table) schema.
**
** Files are read in runs ("groups"): consecutive CSV files with the same
** header go through one csv_scan, all JSON files through one jsonl_scan
** (both parse in parallel on o.threads threads and deliver batches in file
** order), each Parquet file through its own pq_reader. Memory stays bounded
** by the readers' chunk buffers and a few batches ahead: nothing holds a
** whole file.
**
** Each reader batch is turned into a target batch without copying: target
** column i is either a column of the reader batch (matched by name,
** case-insensitively; the reader decodes straight into the target type), the
** rescued data column, the corrupt record column, a constant vector
** (_metadata of the batch's file, an added column, NULL for a target column
** the file lacks), or a STRING vector built here (rescued data for CSV and
** Parquet: the columns the target has no place for, as a JSON object with
** "_file_path", as Auto Loader writes it).
**
** Malformed records are found through a corrupt-record column that is
** always read (and written only when the user asked for it), so the stream
** can say where the first one is ("path:line"). JSON files with a rescued
** data column are also checked for rescued members that name columns the
** schema lacks (schema evolution, detect_new).
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "format/parquet/parquet.h"
#include "stream/stream_int.h"
#include "util/alloc.h"
#include "util/datetime.h"
#include "util/json.h"
#include "util/numfmt.h"
#include "vec/value_text.h"

typedef enum tc_kind { TC_SOURCE = 0, TC_RESCUED, TC_CORRUPT, TC_METADATA, TC_ADDED, TC_NULL } tc_kind;

typedef struct tcol {
  uint8_t kind;                  /* tc_kind */
  int32_t src;                   /* SOURCE/RESCUED(JSON)/CORRUPT: column of the reader batch */
  const stream_added_col *added; /* ADDED */
} tcol;

typedef struct group {
  uint32_t first, n;             /* files[first .. first+n) (skipped files excluded when opening) */
  lago_type read;                /* reader schema (CSV/JSON) */
  tcol *map;                     /* per target column */
  uint32_t *extra;               /* reader columns the target has no place for (rescued) */
  const char **extra_names;
  uint32_t n_extra;
  int32_t corrupt_idx;           /* reader column of malformed-record text, -1 */
  int32_t rescued_idx;           /* JSON: reader's rescued column, -1 */
  bool rescue_mismatch;          /* CSV: values that do not parse as their type go to rescued data */
  uint32_t n_file_cols;          /* CSV: columns in the file (reader column k = file column k) */
} group;

struct src_reader {
  stream *s;
  src_file *files;
  uint32_t n;
  const file_layout *layouts;
  lago_type target;
  int64_t batch_id, start_us;
  bool detect_new;
  arena *ar;                     /* reader lifetime */
  arena *scratch;                /* per batch delivered */
  group *groups;
  uint32_t n_groups, cur;        /* cur: the open group (n_groups when done) */
  bool open;                     /* a reader of group cur is open */
  const char **paths;            /* paths of the open group's files */
  uint32_t *path_file;           /* file index of each path */
  uint32_t n_paths;
  csv_scan *cs;
  jsonl_scan *js;
  pq_file *pf;
  pq_reader *pr;
  batch out;
  src_stats st;
};

/* ---- plans ---------------------------------------------------------------- */

static bool is_plain(const stream *s, const char *name) {
  if (s->rescued && !strcasecmp(name, s->rescued)) return false;
  if (s->corrupt && !strcasecmp(name, s->corrupt)) return false;
  if (s->corrupt_int && !strcasecmp(name, s->corrupt_int)) return false;
  if (s->o.include_metadata && !strcasecmp(name, "_metadata")) return false;
  for (uint32_t i = 0; i < s->o.n_added; i++)
    if (!strcasecmp(name, s->o.added[i].name)) return false;
  return true;
}

/* The target column named `name` that the reader fills (plain), or -1. */
static int target_plain(const src_reader *r, const char *name) {
  int k = type_field_index(r->target, name);
  return k >= 0 && is_plain(r->s, type_field_at(r->target, (uint32_t)k)->name) ? k : -1;
}

static int build_map(src_reader *r, group *g, const char *const *read_names, uint32_t n_read, lago_err *err) {
  stream *s = r->s;
  uint32_t nt = type_n_fields(r->target);
  g->map = arena_calloc(r->ar, nt + 1, sizeof *g->map);
  g->extra = arena_alloc(r->ar, (n_read + 1) * sizeof *g->extra);
  g->extra_names = arena_alloc(r->ar, (n_read + 1) * sizeof *g->extra_names);
  if (!g->map || !g->extra || !g->extra_names) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < nt; i++) {
    const char *name = type_field_at(r->target, i)->name;
    tcol *c = &g->map[i];
    c->src = -1;
    c->kind = TC_NULL;
    if (s->rescued && !strcasecmp(name, s->rescued)) {
      c->kind = TC_RESCUED;
      c->src = g->rescued_idx;
      continue;
    }
    if (s->corrupt && !strcasecmp(name, s->corrupt)) {
      c->kind = TC_CORRUPT;
      c->src = g->corrupt_idx;
      if (c->src < 0) c->kind = TC_NULL;
      continue;
    }
    if (s->o.include_metadata && !strcasecmp(name, "_metadata")) {
      c->kind = TC_METADATA;
      continue;
    }
    bool added = false;
    for (uint32_t k = 0; k < s->o.n_added && !added; k++)
      if (!strcasecmp(name, s->o.added[k].name)) {
        c->kind = TC_ADDED;
        c->added = &s->o.added[k];
        added = true;
      }
    if (added) continue;
    for (uint32_t k = 0; k < n_read; k++)
      if (read_names[k] && (int32_t)k != g->corrupt_idx && (int32_t)k != g->rescued_idx &&
          !strcasecmp(read_names[k], name)) {
        c->kind = TC_SOURCE;
        c->src = (int32_t)k;
        break;
      }
  }
  /* reader columns no target column takes: rescued (when there is a rescued column) */
  g->n_extra = 0;
  for (uint32_t k = 0; k < n_read; k++) {
    if (!read_names[k] || (int32_t)k == g->corrupt_idx || (int32_t)k == g->rescued_idx) continue;
    if (target_plain(r, read_names[k]) >= 0) continue;
    g->extra[g->n_extra] = k;
    g->extra_names[g->n_extra++] = read_names[k];
  }
  return LAGO_OK;
}

/* CSV: the reader schema of a header layout: the header's names, typed as the target column they fill. */
static int csv_read_schema(src_reader *r, group *g, const file_layout *lay, lago_err *err) {
  stream *s = r->s;
  uint32_t n = lay->n + 1;
  type_field *fs = arena_calloc(r->ar, n, sizeof *fs);
  const char **names = arena_calloc(r->ar, n, sizeof *names);
  if (!fs || !names) return LAGO_NOMEM_ERR(err);
  uint32_t k = 0;
  for (uint32_t c = 0; c < lay->n; c++) {
    if (!strcasecmp(lay->names[c], s->corrupt_int)) continue; /* the reader skips that name */
    int t = target_plain(r, lay->names[c]);
    fs[k].name = lay->names[c];
    fs[k].type = t >= 0 ? type_field_at(r->target, (uint32_t)t)->type : type_make(LT_STRING);
    if (type_is_nested(fs[k].type)) fs[k].type = type_make(LT_STRING); /* CSV holds no nested values */
    fs[k].nullable = true;
    names[k] = lay->names[c];
    k++;
  }
  bool typed = false;
  for (uint32_t c = 0; c < k; c++) typed |= fs[c].type.id != LT_STRING;
  g->n_file_cols = lay->n;
  g->rescue_mismatch = s->rescued && typed && k == lay->n && !s->csv.bad_records_path;
  g->corrupt_idx = (int32_t)k;
  fs[k].name = s->corrupt_int;
  fs[k].type = type_make(LT_STRING);
  fs[k].nullable = true;
  names[k++] = NULL;
  g->rescued_idx = -1;
  if (type_struct_fields(r->ar, k, fs, &g->read)) return LAGO_NOMEM_ERR(err);
  /* a target column typed nested cannot come from CSV: leave it NULL rather than mistype it */
  TRY(build_map(r, g, names, k, err));
  uint32_t nt = type_n_fields(r->target);
  for (uint32_t i = 0; i < nt; i++)
    if (g->map[i].kind == TC_SOURCE && type_is_nested(type_field_at(r->target, i)->type)) g->map[i].kind = TC_NULL;
  return LAGO_OK;
}

/* JSON: the target's plain columns (typed), then rescued and corrupt columns. */
static int json_read_schema(src_reader *r, group *g, lago_err *err) {
  stream *s = r->s;
  uint32_t nt = type_n_fields(r->target);
  type_field *fs = arena_calloc(r->ar, nt + 2, sizeof *fs);
  const char **names = arena_calloc(r->ar, nt + 2, sizeof *names);
  if (!fs || !names) return LAGO_NOMEM_ERR(err);
  uint32_t k = 0;
  for (uint32_t i = 0; i < nt; i++) {
    const type_field *f = type_field_at(r->target, i);
    if (!is_plain(s, f->name)) continue;
    fs[k] = *f;
    fs[k].metadata = NULL;
    names[k++] = f->name;
  }
  g->rescued_idx = -1;
  if (s->rescued) {
    g->rescued_idx = (int32_t)k;
    fs[k].name = s->rescued;
    fs[k].type = type_make(LT_STRING);
    fs[k].nullable = true;
    names[k++] = NULL;
  }
  g->corrupt_idx = (int32_t)k;
  fs[k].name = s->corrupt_int;
  fs[k].type = type_make(LT_STRING);
  fs[k].nullable = true;
  names[k++] = NULL;
  if (type_struct_fields(r->ar, k, fs, &g->read)) return LAGO_NOMEM_ERR(err);
  return build_map(r, g, names, k, err);
}

static int plan_groups(src_reader *r, lago_err *err) {
  r->groups = arena_calloc(r->ar, r->n + 1, sizeof *r->groups);
  if (!r->groups) return LAGO_NOMEM_ERR(err);
  stream *s = r->s;
  uint32_t i = 0;
  while (i < r->n) {
    if (r->files[i].skip || (s->o.format != STREAM_JSON && r->files[i].layout < 0)) {
      i++;
      continue;
    }
    group *g = &r->groups[r->n_groups];
    g->first = i;
    uint32_t j = i + 1;
    if (s->o.format == STREAM_JSON) {
      j = r->n;
      TRY(json_read_schema(r, g, err));
    } else if (s->o.format == STREAM_CSV) {
      const file_layout *lay = &r->layouts[r->files[i].layout];
      while (j < r->n && (r->files[j].skip || r->files[j].layout < 0 ||
                          !strcmp(r->layouts[r->files[j].layout].key, lay->key)))
        j++;
      TRY(csv_read_schema(r, g, lay, err));
    }
    g->n = j - i;
    r->n_groups++;
    i = j;
  }
  return LAGO_OK;
}

int src_reader_open(stream *s, src_file *files, uint32_t n, const file_layout *layouts, lago_type target,
                    int64_t batch_id, int64_t start_us, bool detect_new, src_reader **out, lago_err *err) {
  *out = NULL;
  arena *ar = arena_new("query", 65536);
  src_reader *r = ar ? arena_zalloc(ar, sizeof *r) : NULL;
  if (!r) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  r->ar = ar;
  r->s = s;
  r->files = files;
  r->n = n;
  r->layouts = layouts;
  r->target = target;
  r->batch_id = batch_id;
  r->start_us = start_us;
  r->detect_new = detect_new && s->rescued && s->o.format == STREAM_JSON;
  r->scratch = arena_new("batch", 65536);
  r->paths = arena_alloc(ar, (n + 1) * sizeof *r->paths);
  r->path_file = arena_alloc(ar, (n + 1) * sizeof *r->path_file);
  int rc = (!r->scratch || !r->paths || !r->path_file) ? LAGO_NOMEM_ERR(err) : plan_groups(r, err);
  if (rc) {
    src_reader_close(r);
    return rc;
  }
  *out = r;
  return LAGO_OK;
}

/* ---- opening a group ------------------------------------------------------------ */

static int open_parquet(src_reader *r, group *g, lago_err *err) {
  stream *s = r->s;
  src_file *f = &r->files[g->first];
  TRY(pq_open(s->fs, f->abs, &r->pf, err));
  lago_type fsch = pq_file_schema(r->pf);
  uint32_t nf = type_n_fields(fsch);
  uint32_t *cols = arena_alloc(r->ar, (nf + 1) * sizeof *cols);
  lago_type *types = arena_alloc(r->ar, (nf + 1) * sizeof *types);
  const char **names = arena_alloc(r->ar, (nf + 1) * sizeof *names);
  if (!cols || !types || !names) return LAGO_NOMEM_ERR(err);
  uint32_t k = 0;
  for (uint32_t c = 0; c < nf; c++) {
    const type_field *fd = type_field_at(fsch, c);
    int t = target_plain(r, fd->name);
    if (t < 0 && !s->rescued) continue; /* nothing would use it */
    cols[k] = c;
    types[k] = t >= 0 ? type_field_at(r->target, (uint32_t)t)->type : fd->type;
    names[k] = fd->name;
    k++;
  }
  g->corrupt_idx = g->rescued_idx = -1;
  TRY(build_map(r, g, names, k, err));
  pq_read_opts ro;
  memset(&ro, 0, sizeof ro);
  ro.columns = cols;
  ro.n_columns = k;
  ro.types = types;
  int rc = pq_reader_open(r->pf, &ro, &r->pr, err);
  if (rc) return lago_err_prefix(err, "%s", f->abs);
  return LAGO_OK;
}

static int open_group(src_reader *r, lago_err *err) {
  stream *s = r->s;
  group *g = &r->groups[r->cur];
  r->n_paths = 0;
  for (uint32_t i = g->first; i < g->first + g->n; i++) {
    if (r->files[i].skip || (s->o.format != STREAM_JSON && r->files[i].layout < 0)) continue;
    r->paths[r->n_paths] = r->files[i].abs;
    r->path_file[r->n_paths++] = i;
  }
  csv_scan_config cc = {s->o.threads, 0, 0};
  jsonl_scan_config jc = {s->o.threads, 0, 0};
  int rc = LAGO_OK;
  if (s->o.format == STREAM_CSV) {
    csv_options o = s->csv;
    o.corrupt_column = s->corrupt_int;
    o.infer_schema = false;
    if (g->rescue_mismatch) o.mode = CSV_PERMISSIVE; /* the stream applies the mode (source.c "mismatches") */
    rc = csv_scan_open(s->fs, r->paths, r->n_paths, &o, g->read, &cc, &r->cs, err);
  } else if (s->o.format == STREAM_JSON) {
    jsonl_options o = s->json;
    o.corrupt_column = s->corrupt_int;
    o.rescued_column = s->rescued;
    rc = jsonl_scan_open(s->fs, r->paths, r->n_paths, &o, g->read, &jc, &r->js, err);
  } else {
    rc = open_parquet(r, g, err);
  }
  if (rc == LAGO_OK) r->open = true;
  return rc;
}

static void close_group(src_reader *r) {
  csv_scan_close(r->cs);
  jsonl_scan_close(r->js);
  pq_reader_close(r->pr);
  pq_close(r->pf);
  r->cs = NULL;
  r->js = NULL;
  r->pr = NULL;
  r->pf = NULL;
  r->open = false;
}

/* ---- target batches ---------------------------------------------------------------- */

static vec *const_vec(arena *ar, lago_type t) {
  vec *v = vec_new(ar, t, 1);
  if (!v) return NULL;
  v->len = 1;
  return v;
}

static vec *metadata_vec(src_reader *r, lago_type t, const src_file *f, uint32_t n) {
  vec *v = const_vec(r->scratch, t);
  if (!v || type_n_fields(t) < 4) return NULL;
  for (uint32_t k = 0; k < type_n_fields(t); k++) v->fields[k]->len = 1;
  const char *name = strrchr(f->abs, '/');
  name = name ? name + 1 : f->abs;
  if (v->fields[0]->type.id != LT_STRING || v->fields[1]->type.id != LT_STRING || v->fields[2]->type.id != LT_BIGINT ||
      v->fields[3]->type.id != LT_TIMESTAMP)
    return NULL;
  if (vec_set_str(v->fields[0], 0, f->abs, (uint32_t)strlen(f->abs)) ||
      vec_set_str(v->fields[1], 0, name, (uint32_t)strlen(name)))
    return NULL;
  VEC_DATA(v->fields[2], int64_t)[0] = (int64_t)f->size;
  VEC_DATA(v->fields[3], int64_t)[0] = floor_div64(f->mtime_ns, 1000);
  return vec_make_const(v, n) ? NULL : v;
}

static vec *added_vec(src_reader *r, lago_type t, const stream_added_col *a, const src_file *f, uint32_t n) {
  vec *v = const_vec(r->scratch, t);
  if (!v) return NULL;
  const char *name = strrchr(f->abs, '/');
  name = name ? name + 1 : f->abs;
  int rc = LAGO_OK;
  switch (a->kind) {
  case ADDED_CURRENT_DATE: VEC_DATA(v, int32_t)[0] = (int32_t)floor_div64(r->start_us, MICROS_PER_DAY); break;
  case ADDED_CURRENT_TIMESTAMP: VEC_DATA(v, int64_t)[0] = r->start_us; break;
  case ADDED_FILE_PATH: rc = vec_set_str(v, 0, f->abs, (uint32_t)strlen(f->abs)); break;
  case ADDED_FILE_NAME: rc = vec_set_str(v, 0, name, (uint32_t)strlen(name)); break;
  case ADDED_FILE_SIZE: VEC_DATA(v, int64_t)[0] = (int64_t)f->size; break;
  case ADDED_FILE_MTIME: VEC_DATA(v, int64_t)[0] = floor_div64(f->mtime_ns, 1000); break;
  case ADDED_BATCH_ID: VEC_DATA(v, int64_t)[0] = r->batch_id; break;
  case ADDED_LITERAL: rc = vec_set_str(v, 0, a->literal, (uint32_t)strlen(a->literal)); break;
  }
  if (rc || vec_make_const(v, n)) return NULL;
  return v;
}

/*
** CSV mismatches. With a rescued data column, a value that does not parse as
** its column's type is rescued (the column is NULL, the row is not
** malformed), as Auto Loader does; the CSV reader only knows "malformed". So
** the reader runs PERMISSIVE, and each malformed row's raw text (the corrupt
** record column) is split again here: when it has the file's column count
** and its quotes close, the malformation was only mismatches, found as typed
** columns that are NULL while their text is not the null value. Other rows
** are malformed for real and get the user's mode (FAILFAST fails with
** path:line, DROPMALFORMED drops).
*/
typedef struct raw_field {
  uint32_t off, len;  /* into the unescaped text */
} raw_field;

/* Splits one CSV record (no line break) into fields, unescaping quotes. false if it is not well formed. */
static bool split_record(const csv_options *o, const char *p, size_t n, buf *text, raw_field *f, uint32_t max,
                         uint32_t *n_fields) {
  buf_clear(text);
  uint32_t k = 0;
  size_t i = 0;
  for (;;) {
    if (k == max) return false;
    size_t start = text->len;
    if (o->quote >= 0 && i < n && (unsigned char)p[i] == o->quote) {
      i++;
      for (;;) {
        if (i >= n) return false; /* unterminated */
        char c = p[i];
        if ((unsigned char)c == o->quote) {
          if (i + 1 < n && (unsigned char)p[i + 1] == o->quote) {
            if (buf_putc(text, c)) return false;
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (o->escape >= 0 && (unsigned char)c == o->escape && i + 1 < n &&
            ((unsigned char)p[i + 1] == o->quote || (unsigned char)p[i + 1] == o->escape)) {
          if (buf_putc(text, p[i + 1])) return false;
          i += 2;
          continue;
        }
        if (buf_putc(text, c)) return false;
        i++;
      }
      if (i < n && !(n - i >= o->sep_len && !memcmp(p + i, o->sep, o->sep_len))) return false;
    } else {
      size_t j = i;
      while (j < n && !(n - j >= o->sep_len && !memcmp(p + j, o->sep, o->sep_len))) j++;
      if (buf_append(text, p + i, j - i)) return false;
      i = j;
    }
    f[k].off = (uint32_t)start;
    f[k].len = (uint32_t)(text->len - start);
    k++;
    if (i >= n) break;
    i += o->sep_len; /* a separator: another field follows (maybe empty) */
    if (i == n) {
      if (k == max) return false;
      f[k].off = (uint32_t)text->len;
      f[k].len = 0;
      k++;
      break;
    }
  }
  *n_fields = k;
  return true;
}

typedef enum row_fate { ROW_OK = 0, ROW_RESCUED, ROW_MALFORMED } row_fate;

typedef struct mismatch_state {
  uint8_t *fate;        /* per physical row */
  buf *json;            /* per physical row: rescued members (length-prefixed name, value pairs) or empty */
  uint32_t n;
} mismatch_state;

/* Classifies the malformed rows of a CSV batch; fills per-row rescued members for mismatches. */
static int classify_rows(src_reader *r, const group *g, const batch *rb, uint32_t phys, mismatch_state *ms,
                         lago_err *err) {
  const csv_options *o = &r->s->csv;
  ms->n = phys;
  ms->fate = arena_calloc(r->scratch, phys + 1, 1);
  ms->json = arena_calloc(r->scratch, phys + 1, sizeof *ms->json);
  raw_field *f = arena_alloc(r->scratch, (g->n_file_cols + 2) * sizeof *f);
  if (!ms->fate || !ms->json || !f) return LAGO_NOMEM_ERR(err);
  const vec *cv = &rb->cols[g->corrupt_idx];
  buf text;
  buf_init(&text);
  int rc = LAGO_OK;
  for (uint32_t row = 0; row < phys && rc == LAGO_OK; row++) {
    if (!vec_is_valid(cv, row)) continue;
    vec_view vw;
    vec_view_init(&vw, cv);
    const lago_str *raw = &((const lago_str *)vw.data)[VIEW_IDX(&vw, row)];
    uint32_t nf = 0;
    if (!split_record(o, str_data(raw), raw->len, &text, f, g->n_file_cols + 1, &nf) || nf != g->n_file_cols) {
      ms->fate[row] = ROW_MALFORMED;
      continue;
    }
    buf *out = &ms->json[row];
    buf_init(out);
    for (uint32_t k = 0; k < nf; k++) {
      const vec *c = &rb->cols[k];
      if (c->type.id == LT_STRING || vec_is_valid(c, row)) continue;
      const char *t = text.data ? text.data + f[k].off : "";
      uint32_t tl = f[k].len;
      if (tl == strlen(o->null_value) && !memcmp(t, o->null_value, tl)) continue; /* a real NULL */
      if (!tl) continue;
      const char *name = type_field_at(g->read, k)->name;
      uint32_t nl = (uint32_t)strlen(name);
      /* members as [u32 name length][name][u32 value length][value] */
      if (buf_append(out, &nl, 4) || buf_append(out, name, nl) || buf_append(out, &tl, 4) || buf_append(out, t, tl)) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
    }
    ms->fate[row] = out->len ? ROW_RESCUED : ROW_MALFORMED;
  }
  buf_deinit(&text);
  return rc;
}

static void free_mismatch(mismatch_state *ms) {
  if (!ms || !ms->json) return;
  for (uint32_t i = 0; i < ms->n; i++) buf_deinit(&ms->json[i]);
}

/* One value as JSON for rescued data: numbers and booleans as themselves, the rest as canonical text. */
static int rescue_value(json_writer *w, buf *tmp, const vec *v, uint32_t row) {
  vec_view vw;
  vec_view_init(&vw, v);
  uint32_t i = VIEW_IDX(&vw, row);
  switch (v->type.id) {
  case LT_BOOLEAN: return json_w_bool(w, ((const uint8_t *)vw.data)[i] != 0);
  case LT_TINYINT: return json_w_i64(w, ((const int8_t *)vw.data)[i]);
  case LT_SMALLINT: return json_w_i64(w, ((const int16_t *)vw.data)[i]);
  case LT_INT: return json_w_i64(w, ((const int32_t *)vw.data)[i]);
  case LT_BIGINT: return json_w_i64(w, ((const int64_t *)vw.data)[i]);
  case LT_FLOAT: return json_w_double(w, ((const float *)vw.data)[i]);
  case LT_DOUBLE: return json_w_double(w, ((const double *)vw.data)[i]);
  case LT_STRING: {
    const lago_str *s = &((const lago_str *)vw.data)[i];
    return json_w_strn(w, str_data(s), s->len);
  }
  default:
    buf_clear(tmp);
    if (value_text_append(tmp, v, row)) return LAGO_NOMEM;
    return json_w_strn(w, tmp->data ? tmp->data : "", tmp->len);
  }
}

/* Rescued data built from the reader columns the target lacks (CSV, Parquet). */
static vec *rescued_vec(src_reader *r, const group *g, const batch *rb, uint32_t phys, const src_file *f,
                        const mismatch_state *ms, uint64_t *n_rescued) {
  if (!g->n_extra && !ms) return vec_new_const_null(r->scratch, type_make(LT_STRING), rb->n_rows);
  vec *v = vec_new(r->scratch, type_make(LT_STRING), phys ? phys : 1);
  if (!v) return NULL;
  v->len = phys;
  buf b, tmp;
  buf_init(&b);
  buf_init(&tmp);
  int rc = LAGO_OK;
  for (uint32_t row = 0; row < phys && rc == LAGO_OK; row++) {
    bool any = false;
    buf_clear(&b);
    json_writer w;
    json_w_init(&w, &b);
    json_w_begin_obj(&w);
    for (uint32_t e = 0; e < g->n_extra; e++) {
      const vec *c = &rb->cols[g->extra[e]];
      if (!vec_is_valid(c, row)) continue;
      any = true;
      json_w_key(&w, g->extra_names[e]);
      rescue_value(&w, &tmp, c, row);
    }
    if (ms && ms->fate[row] == ROW_RESCUED) {
      any = true;
      const char *p = ms->json[row].data;
      for (size_t at = 0; at + 8 <= ms->json[row].len;) {
        uint32_t nl, vl;
        memcpy(&nl, p + at, 4);
        json_w_keyn(&w, p + at + 4, nl);
        at += 4 + nl;
        memcpy(&vl, p + at, 4);
        json_w_strn(&w, p + at + 4, vl);
        at += 4 + vl;
      }
    }
    if (!any) {
      rc = vec_set_null(v, row);
      continue;
    }
    json_w_key(&w, "_file_path");
    json_w_str(&w, f->abs);
    json_w_end_obj(&w);
    rc = json_w_finish(&w);
    if (rc == LAGO_OK) rc = vec_set_str(v, row, b.data, (uint32_t)b.len);
    (*n_rescued)++;
  }
  buf_deinit(&b);
  buf_deinit(&tmp);
  return rc ? NULL : v;
}

/* Does rescued key `key` (a path such as a.b[2].c) name something the target lacks? */
static bool names_new_column(const src_reader *r, const char *key, size_t len) {
  lago_type t = r->target;
  size_t i = 0;
  bool top = true;
  while (i < len) {
    size_t j = i;
    while (j < len && key[j] != '.' && key[j] != '[') j++;
    char seg[256];
    size_t sl = j - i < sizeof seg - 1 ? j - i : sizeof seg - 1;
    memcpy(seg, key + i, sl);
    seg[sl] = 0;
    if (t.id != LT_STRUCT) return false; /* a value under a non-struct: a mismatch, not a column */
    int k = type_field_index(t, seg);
    if (k < 0) return !top || is_plain(r->s, seg);
    if (top && !is_plain(r->s, type_field_at(t, (uint32_t)k)->name)) return false;
    top = false;
    t = type_field_at(t, (uint32_t)k)->type;
    while (j < len && key[j] == '[') { /* array index: step into the element */
      while (j < len && key[j] != ']') j++;
      if (j < len) j++;
      if (t.id == LT_ARRAY) t = type_element(t);
    }
    if (j < len && key[j] == '.') j++;
    i = j;
  }
  return false;
}

static int check_rescued(src_reader *r, const vec *v, uint32_t n_rows, const batch *rb, const uint64_t *lines,
                         const src_file *f, lago_err *err) {
  arena *tmp = arena_new("query", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n_rows && rc == LAGO_OK && !r->st.new_columns; i++) {
    uint32_t row = batch_row(rb, i);
    if (!vec_is_valid(v, row)) continue;
    vec_view vw;
    vec_view_init(&vw, v);
    const lago_str *s = &((const lago_str *)vw.data)[VIEW_IDX(&vw, row)];
    arena_reset(tmp);
    json_value *o;
    lago_err je;
    lago_err_clear(&je);
    if (json_parse(tmp, str_data(s), s->len, &o, &je) != LAGO_OK || !json_is(o, JSON_OBJECT)) continue;
    for (uint32_t k = 0; k < o->len; k++) {
      const json_member *m = &o->u.members[k];
      if (!strcmp(m->key, "_file_path")) continue;
      if (names_new_column(r, m->key, m->key_len)) {
        r->st.new_columns = true;
        r->st.new_where = arena_printf(r->ar, "%s:%llu: column %s", f->abs,
                                       (unsigned long long)(lines ? lines[i] : 0), m->key);
        if (!r->st.new_where) rc = LAGO_NOMEM_ERR(err);
        break;
      }
    }
  }
  arena_free(tmp);
  return rc;
}

static int make_target(src_reader *r, const group *g, const batch *rb, uint32_t fidx, const uint64_t *lines,
                       uint64_t n_bad_info, batch **out, lago_err *err) {
  stream *s = r->s;
  const src_file *f = &r->files[fidx];
  uint32_t nt = type_n_fields(r->target);
  vec *cols = arena_alloc(r->scratch, (nt + 1) * sizeof *cols);
  if (!cols) return LAGO_NOMEM_ERR(err);
  uint32_t phys = rb->n_rows;
  if (rb->sel && rb->n_cols) phys = rb->cols[0].len;
  /* CSV with rescued data: split malformed rows into rescued mismatches and real malformations */
  mismatch_state ms_store, *ms = NULL;
  uint32_t *sel = rb->sel, n_rows = rb->n_rows;
  vec corrupt_fixed;
  bool have_fixed = false;
  if (g->rescue_mismatch && n_bad_info) {
    memset(&ms_store, 0, sizeof ms_store);
    ms = &ms_store;
    int rc = classify_rows(r, g, rb, phys, ms, err);
    if (rc) {
      free_mismatch(ms);
      return rc;
    }
    /* the corrupt-record column without the rescued rows */
    corrupt_fixed = rb->cols[g->corrupt_idx];
    if (corrupt_fixed.validity) {
      size_t words = bitmap_words(corrupt_fixed.cap);
      uint64_t *bm = arena_alloc(r->scratch, (words ? words : 1) * sizeof *bm);
      if (!bm) {
        free_mismatch(ms);
        return LAGO_NOMEM_ERR(err);
      }
      memcpy(bm, corrupt_fixed.validity, words * sizeof *bm);
      corrupt_fixed.validity = bm;
      for (uint32_t row = 0; row < phys; row++)
        if (ms->fate[row] == ROW_RESCUED) bitmap_clear(bm, row);
    }
    have_fixed = true;
    uint32_t *ns = arena_alloc(r->scratch, (rb->n_rows + 1) * sizeof *ns);
    if (!ns) {
      free_mismatch(ms);
      return LAGO_NOMEM_ERR(err);
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < rb->n_rows; i++) {
      uint32_t row = batch_row(rb, i);
      if (ms->fate[row] != ROW_MALFORMED) {
        ns[k++] = row;
        continue;
      }
      r->st.bad_rows++;
      if (!r->st.first_bad)
        r->st.first_bad = arena_printf(r->ar, "%s:%llu", f->abs, (unsigned long long)(lines ? lines[i] : 0));
      if (s->csv.mode == CSV_FAILFAST) {
        vec_view vw;
        vec_view_init(&vw, &rb->cols[g->corrupt_idx]);
        const lago_str *raw = &((const lago_str *)vw.data)[VIEW_IDX(&vw, row)];
        int shown = raw->len > 64 ? 64 : (int)raw->len;
        free_mismatch(ms);
        return LAGO_ERR(err, LAGO_CORRUPT, "%s:%llu: malformed record: '%.*s' (mode FAILFAST)", f->abs,
                        (unsigned long long)(lines ? lines[i] : 0), shown, str_data(raw));
      }
      if (s->csv.mode == CSV_PERMISSIVE) ns[k++] = row;
    }
    if (k != rb->n_rows || rb->sel) {
      sel = ns;
      n_rows = k;
    }
  }
  for (uint32_t i = 0; i < nt; i++) {
    const tcol *c = &g->map[i];
    lago_type t = type_field_at(r->target, i)->type;
    vec *v = NULL;
    switch ((tc_kind)c->kind) {
    case TC_SOURCE:
    case TC_CORRUPT:
      cols[i] = c->kind == TC_CORRUPT && have_fixed ? corrupt_fixed : rb->cols[c->src];
      cols[i].type = t;
      continue;
    case TC_RESCUED:
      if (c->src >= 0) {
        cols[i] = rb->cols[c->src];
        continue;
      }
      v = rescued_vec(r, g, rb, phys, f, ms, &r->st.rescued_rows);
      break;
    case TC_METADATA: v = metadata_vec(r, t, f, rb->n_rows); break;
    case TC_ADDED: v = added_vec(r, t, c->added, f, rb->n_rows); break;
    case TC_NULL: v = vec_new_const_null(r->scratch, t, rb->n_rows); break;
    }
    if (!v) {
      free_mismatch(ms);
      if (c->kind == TC_METADATA && type_n_fields(t) < 4)
        return LAGO_ERR(err, LAGO_BIND, "%s: the table's _metadata column is not the struct lago writes", s->name);
      return LAGO_NOMEM_ERR(err);
    }
    cols[i] = *v;
  }
  free_mismatch(ms);
  /* malformed records (counted from the scan's totals): remember where the first kept one is */
  if (n_bad_info && !g->rescue_mismatch) {
    if (!r->st.first_bad) {
      const vec *cv = g->corrupt_idx >= 0 ? &rb->cols[g->corrupt_idx] : NULL;
      for (uint32_t i = 0; cv && i < rb->n_rows; i++)
        if (vec_is_valid(cv, batch_row(rb, i))) {
          r->st.first_bad = arena_printf(r->ar, "%s:%llu", f->abs, (unsigned long long)(lines ? lines[i] : 0));
          break;
        }
    }
  }
  if (r->detect_new && g->rescued_idx >= 0) TRY(check_rescued(r, &rb->cols[g->rescued_idx], rb->n_rows, rb, lines, f, err));
  r->out.n_cols = nt;
  r->out.n_rows = n_rows;
  r->out.cols = cols;
  r->out.sel = sel;
  r->out.ar = r->scratch;
  r->st.rows += n_rows;
  *out = &r->out;
  return LAGO_OK;
}

int src_reader_next(src_reader *r, batch **out, lago_err *err) {
  arena_reset(r->scratch);
  memset(&r->out, 0, sizeof r->out);
  *out = &r->out;
  while (r->cur < r->n_groups) {
    group *g = &r->groups[r->cur];
    if (!r->open) TRY(open_group(r, err));
    batch *rb = NULL;
    uint32_t fidx = g->first;
    const uint64_t *lines = NULL;
    uint64_t n_bad = 0;
    if (r->cs) {
      csv_batch_info info;
      TRY(csv_scan_next(r->cs, &rb, &info, err));
      if (rb->n_rows) {
        fidx = r->path_file[csv_scan_file(r->cs)];
        lines = info.lines;
        n_bad = info.n_bad;
        r->st.bytes += info.bytes;
      }
    } else if (r->js) {
      jsonl_batch_info info;
      TRY(jsonl_scan_next(r->js, &rb, &info, err));
      if (rb->n_rows) {
        fidx = r->path_file[jsonl_scan_file(r->js)];
        lines = info.lines;
        n_bad = info.n_bad;
        r->st.bytes += info.bytes;
        r->st.rescued_rows += info.n_rescued;
      }
    } else {
      uint32_t rg;
      int rc = pq_reader_next(r->pr, &rb, &rg, err);
      if (rc) return lago_err_prefix(err, "%s", r->files[g->first].abs);
      if (!rb->n_rows) r->st.bytes += r->files[g->first].size;
    }
    if (!rb || !rb->n_rows) {
      if (r->cs && !g->rescue_mismatch) r->st.bad_rows += csv_scan_stats(r->cs)->bad_rows;
      if (r->js) r->st.bad_rows += jsonl_scan_stats(r->js)->bad_rows;
      close_group(r);
      r->cur++;
      continue;
    }
    TRY(make_target(r, g, rb, fidx, lines, n_bad, out, err));
    if ((*out)->n_rows) return LAGO_OK;
    /* every row of the reader batch was dropped: read on */
  }
  memset(&r->out, 0, sizeof r->out);
  *out = &r->out;
  return LAGO_OK;
}

const src_stats *src_reader_stats(const src_reader *r) { return &r->st; }

void src_reader_close(src_reader *r) {
  if (!r) return;
  close_group(r);
  arena_free(r->scratch);
  arena_free(r->ar);
}
