/*
** sql/source_files.c: exec_source implementations over files, for
** read_files(), parquet.`path`, csv.`path`, json.`path`, and range().
**
**   Parquet  morsel = one row group; row groups whose statistics cannot
**            match the pushed-down hints are skipped at open; columns are
**            matched by name (case-insensitive) in each file, missing ones
**            read as NULL, differing types converted by the reader
**            (widening) or refused.
**   CSV      morsel = one byte range of a file (16 MiB, whole files with
**            multiLine); format/csv decodes the records it owns.
**   JSON     as CSV (byte ranges of JSON lines; whole files with multiLine), through format/json.
**   range    morsel = 64 Ki numbers.
** Every file source has a hidden last column `_metadata` STRUCT<file_path,
** file_name, file_size, file_modification_time> (Databricks' file metadata
** column; only filled when projected).
**
** Globs: a path with * ? [ ] in its last components matches files below
** the directory before the first such component (fnmatch, '*' does not
** cross '/'); a directory means every file under it. Names starting with
** '_' or '.' are skipped, as Spark does. /Volumes/<c>/<s>/<v>/... paths map
** into the warehouse (table/catalog.h).
*/
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "format/csv/csv.h"
#include "format/json/jsonl.h"
#include "sql/sql_int.h"
#include "util/alloc.h"

/* ---- globs ------------------------------------------------------------------------ */

typedef struct glob_st {
  sql_ctx *q;
  const char *pat;        /* pattern relative to the base, or NULL: everything */
  const char **paths;
  uint32_t n, cap;
} glob_st;

static bool hidden_name(const char *rel) {
  const char *p = rel;
  for (;;) {
    if (*p == '_' || *p == '.') return true;
    const char *s = strchr(p, '/');
    if (!s) return false;
    p = s + 1;
  }
}

static int glob_cb(void *ud, const fs_entry *e) {
  glob_st *g = ud;
  if (e->is_dir || hidden_name(e->name)) return LAGO_OK;
  if (g->pat && fnmatch(g->pat, e->name, FNM_PATHNAME) != 0) return LAGO_OK;
  char *p = arena_strdup(g->q->ar, e->path);
  if (!p) return LAGO_NOMEM_ERR(g->q->err);
  return sql_push_ptr(g->q, (void ***)&g->paths, &g->n, &g->cap, p);
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

int sql_glob(sql_ctx *q, const char *pattern, int pos, const char ***paths, uint32_t *n) {
  const char *pat = pattern;
  if (!strncmp(pat, "/Volumes/", 9)) {
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = catalog_volume_path(q->s->cat, pat, q->ar, &pat, &tmp);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  }
  if (!strncmp(pat, "file:", 5)) pat += 5;
  if (!*pat) return sql_err_at(q, LAGO_BIND, pos, "[PATH_NOT_FOUND] empty path");
  glob_st g;
  memset(&g, 0, sizeof g);
  g.q = q;
  const char *wild = strpbrk(pat, "*?[");
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc;
  if (!wild) {
    fs_stat st;
    rc = fs_stat_path(q->s->fs, pat, &st, &tmp);
    if (rc == LAGO_NOTFOUND)
      return sql_err_at(q, LAGO_NOTFOUND, pos, "[PATH_NOT_FOUND] Path does not exist: %s", pattern);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    if (!st.is_dir) {
      g.paths = arena_alloc(q->ar, sizeof *g.paths);
      if (!g.paths || !(g.paths[0] = arena_strdup(q->ar, pat))) return LAGO_NOMEM_ERR(q->err);
      *paths = g.paths;
      *n = 1;
      return LAGO_OK;
    }
    rc = fs_list(q->s->fs, pat, true, glob_cb, &g, &tmp);
  } else {
    /* base directory: everything before the component holding the first wildcard */
    const char *slash = wild;
    while (slash > pat && *slash != '/') slash--;
    const char *base = slash > pat || *pat == '/' ? arena_strndup(q->ar, pat, (size_t)(slash - pat)) : ".";
    if (!base) return LAGO_NOMEM_ERR(q->err);
    if (!*base) base = "/";
    g.pat = *slash == '/' ? slash + 1 : slash;
    bool recursive = strchr(g.pat, '/') != NULL;
    rc = fs_list(q->s->fs, base, recursive, glob_cb, &g, &tmp);
    if (rc == LAGO_NOTFOUND)
      return sql_err_at(q, LAGO_NOTFOUND, pos, "[PATH_NOT_FOUND] Path does not exist: %s", base);
  }
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
  if (rc) return q->err->rc ? rc : sql_err_at(q, rc, pos, "%s", tmp.msg);
  if (g.n == 0) return sql_err_at(q, LAGO_NOTFOUND, pos, "[PATH_NOT_FOUND] No files match %s", pattern);
  qsort(g.paths, g.n, sizeof *g.paths, cmp_str);
  *paths = g.paths;
  *n = g.n;
  return LAGO_OK;
}

/* ---- _metadata ------------------------------------------------------------------------ */

typedef struct file_info {
  const char *path;
  uint64_t size;
  int64_t mtime_us;
} file_info;

static int meta_type(sql_ctx *q, lago_type *out) {
  const char *names[4] = {"file_path", "file_name", "file_size", "file_modification_time"};
  lago_type ts[4] = {type_make(LT_STRING), type_make(LT_STRING), type_make(LT_BIGINT), type_make(LT_TIMESTAMP)};
  return type_struct(q->ar, 4, names, ts, NULL, out) ? LAGO_NOMEM_ERR(q->err) : LAGO_OK;
}

/* A STRUCT vector of n rows holding f's metadata, in ar. */
static vec *meta_vec(arena *ar, lago_type t, const file_info *f, uint32_t n) {
  vec *v = vec_new(ar, t, n ? n : 1);
  if (!v) return NULL;
  v->len = n;
  const char *name = strrchr(f->path, '/');
  name = name ? name + 1 : f->path;
  for (uint32_t i = 0; i < n; i++) {
    if (vec_set_str(v->fields[0], i, f->path, (uint32_t)strlen(f->path)) ||
        vec_set_str(v->fields[1], i, name, (uint32_t)strlen(name)))
      return NULL;
    VEC_DATA(v->fields[2], int64_t)[i] = (int64_t)f->size;
    VEC_DATA(v->fields[3], int64_t)[i] = f->mtime_us;
  }
  for (int k = 0; k < 4; k++) v->fields[k]->len = n;
  return v;
}

static int file_infos(sql_ctx *q, const char *const *paths, uint32_t n, int pos, file_info **out) {
  file_info *fi = arena_zalloc(q->ar, (n ? n : 1) * sizeof *fi);
  if (!fi) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    fs_stat st;
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = fs_stat_path(q->s->fs, paths[i], &st, &tmp);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    fi[i].path = paths[i];
    fi[i].size = st.size;
    fi[i].mtime_us = st.mtime_ns / 1000;
  }
  *out = fi;
  return LAGO_OK;
}

/* ---- Parquet ----------------------------------------------------------------------------- */

typedef struct pq_cfg {
  double est_rows;
  lago_fs *fs;
  uint32_t n_files;
  pq_file **pf;             /* opened at bind time, closed at statement end */
  file_info *fi;
  uint32_t n_cols;          /* data columns; _metadata is column n_cols */
  const char **names;
  lago_type *types;
  int32_t **colmap;         /* per file, per data column: file column index or -1 */
  bool **conv;              /* per file, per data column: the file's type differs */
  uint32_t rg_total, rg_read;
} pq_cfg;

typedef struct pq_morsel {
  uint32_t file, rg;
} pq_morsel;

typedef struct pq_inst {
  pq_cfg *cfg;
  const source_scan_args *args;
  uint32_t n_cols;
  uint32_t *cols;
  pq_morsel *m;
  uint32_t n_m;
  source_filter *filters;
  uint32_t n_filters;
} pq_inst;

typedef struct pq_cur {
  pq_inst *in;
  uint32_t file;
  pq_reader *r;
  int32_t *slot;            /* output column -> reader column, -1 null, -2 _metadata */
  arena *ar;                /* extra vectors, reset per batch */
  batch out, empty;
} pq_cur;

static int pq_preds(const pq_cfg *cfg, uint32_t file, const uint32_t *cols, const source_filter *f, uint32_t nf,
                    pq_predicate *out, uint32_t *n_out) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < nf; i++) {
    uint32_t c = cols[f[i].col];
    if (c >= cfg->n_cols || cfg->colmap[file][c] < 0 || cfg->conv[file][c]) continue;
    pq_predicate *p = &out[n];
    p->column = (uint32_t)cfg->colmap[file][c];
    p->values = f[i].values;
    switch (f[i].op) {
      case SF_EQ: p->op = PQ_PRED_EQ; break;
      case SF_LT: p->op = PQ_PRED_LT; break;
      case SF_LE: p->op = PQ_PRED_LE; break;
      case SF_GT: p->op = PQ_PRED_GT; break;
      case SF_GE: p->op = PQ_PRED_GE; break;
      case SF_IS_NULL: p->op = PQ_PRED_IS_NULL; break;
      case SF_IS_NOT_NULL: p->op = PQ_PRED_IS_NOT_NULL; break;
      case SF_IN: p->op = PQ_PRED_IN; break;
      default: continue;
    }
    n++;
  }
  *n_out = n;
  return LAGO_OK;
}

static void p_close(void *inst);

static int p_open(const void *config, const source_scan_args *args, void **inst, lago_err *err) {
  pq_cfg *cfg = (pq_cfg *)config;
  pq_inst *in = mem_calloc(1, sizeof *in);
  if (!in) return LAGO_NOMEM_ERR(err);
  in->cfg = cfg;
  in->n_cols = args->n_cols;
  in->cols = mem_calloc(args->n_cols + 1, sizeof *in->cols);
  in->filters = mem_calloc(args->n_filters + 1, sizeof *in->filters);
  pq_predicate *preds = mem_calloc(args->n_filters + 1, sizeof *preds);
  uint32_t total = 0;
  for (uint32_t f = 0; f < cfg->n_files; f++) total += pq_file_num_row_groups(cfg->pf[f]);
  in->m = mem_calloc(total + 1, sizeof *in->m);
  if (!in->cols || !in->filters || !preds || !in->m) {
    mem_free(preds);
    p_close(in);
    return LAGO_NOMEM_ERR(err);
  }
  if (args->n_cols) memcpy(in->cols, args->cols, args->n_cols * sizeof *in->cols);
  if (args->n_filters) memcpy(in->filters, args->filters, args->n_filters * sizeof *in->filters);
  in->n_filters = args->n_filters;
  for (uint32_t f = 0; f < cfg->n_files; f++) {
    uint32_t np;
    pq_preds(cfg, f, in->cols, in->filters, in->n_filters, preds, &np);
    uint32_t nrg = pq_file_num_row_groups(cfg->pf[f]);
    for (uint32_t rg = 0; rg < nrg; rg++)
      if (pq_row_group_may_match(cfg->pf[f], rg, preds, np)) in->m[in->n_m++] = (pq_morsel){f, rg};
  }
  mem_free(preds);
  cfg->rg_total = total;
  cfg->rg_read = in->n_m;
  *inst = in;
  return LAGO_OK;
}

static uint32_t p_n_morsels(void *inst) { return ((pq_inst *)inst)->n_m; }

static void p_cursor_close(void *cur);

static int p_cursor_open(void *inst, uint32_t mi, void **cur, lago_err *err) {
  pq_inst *in = inst;
  pq_cfg *cfg = in->cfg;
  pq_morsel m = in->m[mi];
  pq_cur *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  c->in = in;
  c->file = m.file;
  c->ar = arena_new("pq-cursor", 4096);
  c->slot = mem_calloc(in->n_cols + 1, sizeof *c->slot);
  uint32_t *rcols = mem_calloc(in->n_cols + 1, sizeof *rcols);
  lago_type *rtypes = mem_calloc(in->n_cols + 1, sizeof *rtypes);
  if (!c->ar || !c->slot || !rcols || !rtypes || !(c->out.cols = arena_alloc(c->ar, (in->n_cols + 1) * sizeof(vec)))) {
    mem_free(rcols);
    mem_free(rtypes);
    p_cursor_close(c);
    return LAGO_NOMEM_ERR(err);
  }
  uint32_t nr = 0;
  for (uint32_t i = 0; i < in->n_cols; i++) {
    uint32_t col = in->cols[i];
    if (col >= cfg->n_cols) {
      c->slot[i] = -2;
      continue;
    }
    int32_t fc = cfg->colmap[m.file][col];
    if (fc < 0) {
      c->slot[i] = -1;
      continue;
    }
    c->slot[i] = (int32_t)nr;
    rcols[nr] = (uint32_t)fc;
    rtypes[nr] = cfg->types[col];
    nr++;
  }
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.columns = rcols;
  o.n_columns = nr;
  o.types = rtypes;
  o.row_groups = &m.rg;
  o.n_row_groups = 1;
  o.keep_dictionary = true;
  if (!nr) {
    /* only NULL or _metadata columns: read the file's first column for the row counts */
    rcols[0] = 0;
    o.n_columns = 1;
    o.types = NULL;
  }
  int rc = pq_reader_open(cfg->pf[m.file], &o, &c->r, err);
  mem_free(rcols);
  mem_free(rtypes);
  if (rc) {
    p_cursor_close(c);
    return rc;
  }
  *cur = c;
  return LAGO_OK;
}

static int p_cursor_next(void *cur, batch **out, lago_err *err) {
  pq_cur *c = cur;
  pq_inst *in = c->in;
  pq_cfg *cfg = in->cfg;
  arena_reset(c->ar);
  batch *b = NULL;
  TRY(pq_reader_next(c->r, &b, NULL, err));
  uint32_t n = b->n_rows;
  if (n == 0) {
    memset(&c->empty, 0, sizeof c->empty);
    *out = &c->empty;
    return LAGO_OK;
  }
  c->out.cols = arena_alloc(c->ar, (in->n_cols ? in->n_cols : 1) * sizeof(vec));
  if (!c->out.cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < in->n_cols; i++) {
    int32_t s = c->slot[i];
    if (s >= 0) {
      c->out.cols[i] = b->cols[s];
      continue;
    }
    vec *v = s == -1 ? vec_new_const_null(c->ar, cfg->types[in->cols[i]], n)
                     : meta_vec(c->ar, cfg->types[cfg->n_cols], &cfg->fi[c->file], n);
    if (!v) return LAGO_NOMEM_ERR(err);
    c->out.cols[i] = *v;
  }
  c->out.n_cols = in->n_cols;
  c->out.n_rows = n;
  c->out.sel = NULL;
  c->out.ar = c->ar;
  *out = &c->out;
  return LAGO_OK;
}

static void p_cursor_close(void *cur) {
  pq_cur *c = cur;
  if (!c) return;
  pq_reader_close(c->r);
  arena_free(c->ar);
  mem_free(c->slot);
  mem_free(c);
}

static void p_close(void *inst) {
  pq_inst *in = inst;
  if (!in) return;
  mem_free(in->cols);
  mem_free(in->filters);
  mem_free(in->m);
  mem_free(in);
}

static int p_explain(const void *config, const void *inst, buf *out) {
  const pq_cfg *cfg = config;
  if (!inst) return buf_printf(out, "files=%u", cfg->n_files);
  return buf_printf(out, "files=%u row_groups=%u pruned=%u", cfg->n_files, cfg->rg_read, cfg->rg_total - cfg->rg_read);
}

static const exec_source_vtab k_pq_vt = {"parquet", p_open, p_n_morsels, p_cursor_open, p_cursor_next,
                                         p_cursor_close, p_close, p_explain};

static void pq_close_cb(void *p) { pq_close(p); }

static int parquet_new(sql_ctx *q, const char *const *paths, uint32_t n, const file_opts *o, int pos,
                       exec_source **out) {
  (void)o;
  pq_cfg *cfg = arena_zalloc(q->ar, sizeof *cfg);
  if (!cfg) return LAGO_NOMEM_ERR(q->err);
  cfg->fs = q->s->fs;
  cfg->n_files = n;
  cfg->pf = arena_zalloc(q->ar, n * sizeof *cfg->pf);
  cfg->colmap = arena_zalloc(q->ar, n * sizeof *cfg->colmap);
  cfg->conv = arena_zalloc(q->ar, n * sizeof *cfg->conv);
  if (!cfg->pf || !cfg->colmap || !cfg->conv) return LAGO_NOMEM_ERR(q->err);
  TRY(file_infos(q, paths, n, pos, &cfg->fi));
  double rows = 0;
  for (uint32_t i = 0; i < n; i++) {
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = pq_open(q->s->fs, paths[i], &cfg->pf[i], &tmp);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    TRY(sql_defer(q, pq_close_cb, cfg->pf[i]));
    rows += (double)pq_file_num_rows(cfg->pf[i]);
  }
  cfg->est_rows = rows;
  lago_type s0 = pq_file_schema(cfg->pf[0]);
  uint32_t nc = type_n_fields(s0);
  cfg->n_cols = nc;
  cfg->names = arena_alloc(q->ar, (nc + 1) * sizeof *cfg->names);
  cfg->types = arena_alloc(q->ar, (nc + 1) * sizeof *cfg->types);
  if (!cfg->names || !cfg->types) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t c = 0; c < nc; c++) {
    cfg->names[c] = arena_strdup(q->ar, type_field_at(s0, c)->name);
    if (!cfg->names[c] || type_copy(q->ar, type_field_at(s0, c)->type, &cfg->types[c])) return LAGO_NOMEM_ERR(q->err);
  }
  cfg->names[nc] = "_metadata";
  TRY(meta_type(q, &cfg->types[nc]));
  for (uint32_t i = 0; i < n; i++) {
    lago_type s = pq_file_schema(cfg->pf[i]);
    cfg->colmap[i] = arena_alloc(q->ar, (nc ? nc : 1) * sizeof(int32_t));
    cfg->conv[i] = arena_zalloc(q->ar, (nc ? nc : 1) * sizeof(bool));
    if (!cfg->colmap[i] || !cfg->conv[i]) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t c = 0; c < nc; c++) {
      int k = type_field_index(s, cfg->names[c]);
      cfg->colmap[i][c] = k;
      if (k >= 0) cfg->conv[i][c] = !type_equal(type_field_at(s, (uint32_t)k)->type, cfg->types[c]);
    }
  }
  exec_source *src = arena_zalloc(q->ar, sizeof *src);
  if (!src) return LAGO_NOMEM_ERR(q->err);
  src->vt = &k_pq_vt;
  src->config = cfg;
  src->n_cols = nc + 1;
  src->types = cfg->types;
  src->names = cfg->names;
  src->label = paths[0];
  *out = src;
  return LAGO_OK;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

#define CSV_RANGE (16u << 20)

typedef struct csv_cfg {
  double est_rows;
  lago_fs *fs;
  bool json;                /* JSON lines through format/json, else CSV */
  csv_options opts;
  jsonl_options jopts;
  lago_type schema;         /* STRUCT of the data columns */
  uint32_t n_files;
  file_info *fi;
  uint32_t n_cols;
  const char **names;
  lago_type *types;         /* data columns ++ _metadata */
  uint32_t n_m;
  struct { uint32_t file; uint64_t start, end; } *m;
} csv_cfg;

typedef struct csv_inst {
  csv_cfg *cfg;
  uint32_t n_cols;
  uint32_t *cols;
} csv_inst;

typedef struct csv_cur {
  csv_inst *in;
  uint32_t file;
  csv_reader *r;
  jsonl_reader *jr;
  arena *ar;
  batch out, empty;
} csv_cur;

static int c_open(const void *config, const source_scan_args *args, void **inst, lago_err *err) {
  csv_inst *in = mem_calloc(1, sizeof *in);
  if (!in) return LAGO_NOMEM_ERR(err);
  in->cfg = (csv_cfg *)config;
  in->n_cols = args->n_cols;
  in->cols = mem_calloc(args->n_cols + 1, sizeof *in->cols);
  if (!in->cols) {
    mem_free(in);
    return LAGO_NOMEM_ERR(err);
  }
  if (args->n_cols) memcpy(in->cols, args->cols, args->n_cols * sizeof *in->cols);
  *inst = in;
  return LAGO_OK;
}

static uint32_t c_n_morsels(void *inst) { return ((csv_inst *)inst)->cfg->n_m; }

static void c_cursor_close(void *cur) {
  csv_cur *c = cur;
  if (!c) return;
  csv_reader_close(c->r);
  jsonl_reader_close(c->jr);
  arena_free(c->ar);
  mem_free(c);
}

static int c_cursor_open(void *inst, uint32_t mi, void **cur, lago_err *err) {
  csv_inst *in = inst;
  csv_cfg *cfg = in->cfg;
  csv_cur *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  c->in = in;
  c->file = cfg->m[mi].file;
  c->ar = arena_new("csv-cursor", 4096);
  if (!c->ar) {
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  int rc;
  if (cfg->json && cfg->jopts.multi_line)
    rc = jsonl_reader_open(cfg->fs, cfg->fi[c->file].path, &cfg->jopts, cfg->schema, &c->jr, err);
  else if (cfg->json)
    rc = jsonl_reader_open_range(cfg->fs, cfg->fi[c->file].path, cfg->m[mi].start, cfg->m[mi].end, cfg->m[mi].start == 0,
                                 &cfg->jopts, cfg->schema, &c->jr, err);
  else
    rc = csv_reader_open_range(cfg->fs, cfg->fi[c->file].path, cfg->m[mi].start, cfg->m[mi].end, cfg->m[mi].start == 0,
                               &cfg->opts, cfg->schema, &c->r, err);
  if (rc) {
    c_cursor_close(c);
    return rc;
  }
  *cur = c;
  return LAGO_OK;
}

static int c_cursor_next(void *cur, batch **out, lago_err *err) {
  csv_cur *c = cur;
  csv_inst *in = c->in;
  arena_reset(c->ar);
  batch *b;
  if (c->jr) TRY(jsonl_reader_next(c->jr, NULL, &b, NULL, err));
  else TRY(csv_reader_next(c->r, NULL, &b, NULL, err));
  if (!b || b->n_rows == 0) {
    memset(&c->empty, 0, sizeof c->empty);
    *out = &c->empty;
    return LAGO_OK;
  }
  c->out.cols = arena_alloc(c->ar, (in->n_cols ? in->n_cols : 1) * sizeof(vec));
  if (!c->out.cols) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < in->n_cols; i++) {
    uint32_t col = in->cols[i];
    if (col < in->cfg->n_cols) {
      c->out.cols[i] = b->cols[col];
      continue;
    }
    vec *v = meta_vec(c->ar, in->cfg->types[in->cfg->n_cols], &in->cfg->fi[c->file], b->n_rows);
    if (!v) return LAGO_NOMEM_ERR(err);
    if (b->sel) {
      /* metadata rows are aligned physically: fill enough rows for every selected index */
      uint32_t phys = b->sel[b->n_rows - 1] + 1;
      v = meta_vec(c->ar, in->cfg->types[in->cfg->n_cols], &in->cfg->fi[c->file], phys);
      if (!v) return LAGO_NOMEM_ERR(err);
    }
    c->out.cols[i] = *v;
  }
  c->out.n_cols = in->n_cols;
  c->out.n_rows = b->n_rows;
  c->out.sel = b->sel;
  c->out.ar = c->ar;
  *out = &c->out;
  return LAGO_OK;
}

static void c_close(void *inst) {
  csv_inst *in = inst;
  if (!in) return;
  mem_free(in->cols);
  mem_free(in);
}

static int c_explain(const void *config, const void *inst, buf *out) {
  (void)inst;
  const csv_cfg *cfg = config;
  return buf_printf(out, "files=%u ranges=%u", cfg->n_files, cfg->n_m);
}

static const exec_source_vtab k_csv_vt = {"csv", c_open, c_n_morsels, c_cursor_open, c_cursor_next,
                                          c_cursor_close, c_close, c_explain};
static const exec_source_vtab k_json_vt = {"json", c_open, c_n_morsels, c_cursor_open, c_cursor_next,
                                           c_cursor_close, c_close, c_explain};

static int csv_new(sql_ctx *q, const char *const *paths, uint32_t n, const file_opts *o, int pos, exec_source **out) {
  csv_cfg *cfg = arena_zalloc(q->ar, sizeof *cfg);
  if (!cfg) return LAGO_NOMEM_ERR(q->err);
  cfg->fs = q->s->fs;
  cfg->json = o->format == FF_JSON;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc;
  if (cfg->json) {
    jsonl_options_init(&cfg->jopts);
    cfg->jopts.infer_types = true; /* read_files infers column types by default */
    for (uint32_t i = 0; i < o->n; i++) {
      rc = jsonl_options_set(&cfg->jopts, q->ar, o->keys[i], o->values[i], &tmp);
      if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    }
    rc = jsonl_options_check(&cfg->jopts, &tmp);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    if (o->schema) {
      rc = csv_parse_schema_hints(q->ar, o->schema, &cfg->schema, &tmp);
      if (rc) return sql_err_at(q, rc, pos, "schema: %s", tmp.msg);
    } else {
      rc = jsonl_infer_schema(q->s->fs, paths, n, &cfg->jopts, q->ar, &cfg->schema, &tmp);
      if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    }
  } else {
    csv_options_init(&cfg->opts);
    cfg->opts.infer_schema = true; /* read_files infers column types by default */
    for (uint32_t i = 0; i < o->n; i++) {
      rc = csv_options_set(&cfg->opts, q->ar, o->keys[i], o->values[i], &tmp);
      if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    }
    rc = csv_options_check(&cfg->opts, &tmp);
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    if (o->schema) {
      rc = csv_parse_schema_hints(q->ar, o->schema, &cfg->schema, &tmp);
      if (rc) return sql_err_at(q, rc, pos, "schema: %s", tmp.msg);
    } else {
      rc = csv_infer_schema(q->s->fs, paths, n, &cfg->opts, q->ar, &cfg->schema, &tmp);
      if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
    }
  }
  TRY(file_infos(q, paths, n, pos, &cfg->fi));
  cfg->n_files = n;
  uint32_t nc = type_n_fields(cfg->schema);
  cfg->n_cols = nc;
  cfg->names = arena_alloc(q->ar, (nc + 1) * sizeof *cfg->names);
  cfg->types = arena_alloc(q->ar, (nc + 1) * sizeof *cfg->types);
  if (!cfg->names || !cfg->types) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t c = 0; c < nc; c++) {
    cfg->names[c] = type_field_at(cfg->schema, c)->name;
    cfg->types[c] = type_field_at(cfg->schema, c)->type;
  }
  cfg->names[nc] = "_metadata";
  TRY(meta_type(q, &cfg->types[nc]));
  /* ranges */
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t sz = cfg->fi[i].size;
    bool whole = cfg->json ? cfg->jopts.multi_line : cfg->opts.multi_line;
    total += whole || sz <= CSV_RANGE ? 1 : (uint32_t)((sz + CSV_RANGE - 1) / CSV_RANGE);
  }
  cfg->m = arena_alloc(q->ar, (total ? total : 1) * sizeof *cfg->m);
  if (!cfg->m) return LAGO_NOMEM_ERR(q->err);
  double bytes = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint64_t sz = cfg->fi[i].size;
    bytes += (double)sz;
    if ((cfg->json ? cfg->jopts.multi_line : cfg->opts.multi_line) || sz <= CSV_RANGE) {
      cfg->m[cfg->n_m].file = i;
      cfg->m[cfg->n_m].start = 0;
      cfg->m[cfg->n_m].end = UINT64_MAX;
      cfg->n_m++;
      continue;
    }
    for (uint64_t s = 0; s < sz; s += CSV_RANGE) {
      cfg->m[cfg->n_m].file = i;
      cfg->m[cfg->n_m].start = s;
      cfg->m[cfg->n_m].end = s + CSV_RANGE < sz ? s + CSV_RANGE : sz;
      cfg->n_m++;
    }
  }
  cfg->est_rows = bytes / 64;
  exec_source *src = arena_zalloc(q->ar, sizeof *src);
  if (!src) return LAGO_NOMEM_ERR(q->err);
  src->vt = cfg->json ? &k_json_vt : &k_csv_vt;
  src->config = cfg;
  src->n_cols = nc + 1;
  src->types = cfg->types;
  src->names = cfg->names;
  src->label = paths[0];
  *out = src;
  return LAGO_OK;
}

int source_files_new(sql_ctx *q, const char *const *paths, uint32_t n, const file_opts *o, int pos,
                     exec_source **out) {
  switch (o->format) {
    case FF_PARQUET: return parquet_new(q, paths, n, o, pos, out);
    case FF_CSV:
    case FF_JSON: return csv_new(q, paths, n, o, pos, out);
  }
  return sql_err_at(q, LAGO_INTERNAL, pos, "unknown file format");
}

/* ---- range ---------------------------------------------------------------------------------- */

#define RANGE_MORSEL 65536u

typedef struct range_cfg {
  double est_rows;
  int64_t start, step;
  uint64_t n;
} range_cfg;

typedef struct range_inst {
  const range_cfg *cfg;
  uint32_t n_cols;
} range_inst;

typedef struct range_cur {
  const range_cfg *cfg;
  uint32_t n_cols;
  uint64_t next, end;
  arena *ar;
  batch *b;
  batch empty;
} range_cur;

static int r_open(const void *config, const source_scan_args *args, void **inst, lago_err *err) {
  range_inst *in = mem_calloc(1, sizeof *in);
  if (!in) return LAGO_NOMEM_ERR(err);
  in->cfg = config;
  in->n_cols = args->n_cols;
  *inst = in;
  return LAGO_OK;
}

static uint32_t r_n_morsels(void *inst) {
  const range_cfg *c = ((range_inst *)inst)->cfg;
  return (uint32_t)((c->n + RANGE_MORSEL - 1) / RANGE_MORSEL);
}

static int r_cursor_open(void *inst, uint32_t m, void **cur, lago_err *err) {
  range_inst *in = inst;
  range_cur *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  c->cfg = in->cfg;
  c->n_cols = in->n_cols;
  c->next = (uint64_t)m * RANGE_MORSEL;
  c->end = c->next + RANGE_MORSEL < in->cfg->n ? c->next + RANGE_MORSEL : in->cfg->n;
  c->ar = arena_new("range", 4096);
  lago_type t = type_make(LT_BIGINT);
  lago_type ts[1] = {t};
  if (!c->ar || !(c->b = batch_new(c->ar, c->n_cols ? 1 : 0, ts, LAGO_VECTOR_SIZE))) {
    arena_free(c->ar);
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  *cur = c;
  return LAGO_OK;
}

static int r_cursor_next(void *cur, batch **out, lago_err *err) {
  (void)err;
  range_cur *c = cur;
  if (c->next >= c->end) {
    memset(&c->empty, 0, sizeof c->empty);
    *out = &c->empty;
    return LAGO_OK;
  }
  uint32_t n = c->end - c->next > LAGO_VECTOR_SIZE ? LAGO_VECTOR_SIZE : (uint32_t)(c->end - c->next);
  if (c->n_cols) {
    int64_t *d = VEC_DATA(&c->b->cols[0], int64_t);
    for (uint32_t i = 0; i < n; i++)
      d[i] = (int64_t)((uint64_t)c->cfg->start + (uint64_t)c->cfg->step * (c->next + i));
  }
  batch_set_rows(c->b, n);
  c->next += n;
  *out = c->b;
  return LAGO_OK;
}

static void r_cursor_close(void *cur) {
  range_cur *c = cur;
  if (!c) return;
  arena_free(c->ar);
  mem_free(c);
}

static void r_close(void *inst) { mem_free(inst); }

static const exec_source_vtab k_range_vt = {"range", r_open, r_n_morsels, r_cursor_open, r_cursor_next,
                                            r_cursor_close, r_close, NULL};

int source_range_new(sql_ctx *q, int64_t start, int64_t end, int64_t step, exec_source **out) {
  range_cfg *cfg = arena_zalloc(q->ar, sizeof *cfg);
  exec_source *src = arena_zalloc(q->ar, sizeof *src);
  lago_type *t = arena_alloc(q->ar, sizeof *t);
  const char **nm = arena_alloc(q->ar, sizeof *nm);
  if (!cfg || !src || !t || !nm) return LAGO_NOMEM_ERR(q->err);
  cfg->start = start;
  cfg->step = step;
  __int128 span = step > 0 ? (__int128)end - start : (__int128)start - end;
  __int128 st = step > 0 ? step : -(__int128)step;
  cfg->n = span <= 0 ? 0 : (uint64_t)((span + st - 1) / st);
  cfg->est_rows = (double)cfg->n;
  *t = type_make(LT_BIGINT);
  *nm = "id";
  src->vt = &k_range_vt;
  src->config = cfg;
  src->n_cols = 1;
  src->types = t;
  src->names = nm;
  src->label = "range";
  *out = src;
  return LAGO_OK;
}

double sql_source_rows(const exec_source *src) {
  const char *n = src->vt->name;
  if (!strcmp(n, "delta") || !strcmp(n, "parquet") || !strcmp(n, "csv") || !strcmp(n, "range") ||
      !strcmp(n, "table_changes") || !strcmp(n, "json"))
    return *(const double *)src->config;
  return -1;
}
