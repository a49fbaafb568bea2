/*
** sql/source_delta.c: exec_source implementations over table/ Delta tables:
** a snapshot scan (morsel = one data file; partition pruning, statistics
** skipping, deletion vectors, column mapping and time travel are the Delta
** layer's business) and the change data feed of table_changes() (one
** morsel: the feed is read in commit order).
**
** Scan source columns: the snapshot schema's top-level fields, then, for
** DML (meta = true), _metadata.file_path (STRING) and _metadata.row_index
** (BIGINT). Pushed-down hints become delta_pred pruning predicates.
*/
#include <string.h>

#include "sql/dml.h"
#include "util/alloc.h"

typedef struct delta_cfg {
  double est_rows;           /* first field of every sql/ source config */
  delta_snapshot *snap;      /* borrowed (the statement holds a reference) */
  uint32_t n_fields;         /* table columns; meta columns follow */
  bool meta;
  const char **names;
  lago_type *types;
  size_t files, pruned;      /* of the last open (EXPLAIN) */
  const touch_set *only;     /* read only these files (DML rewrites), or NULL */
} delta_cfg;

typedef struct delta_inst {
  delta_cfg *cfg;
  delta_scan *scan;
  uint32_t n_cols;
  uint32_t *perm;            /* output column i = scan column perm[i] */
  bool identity;
  uint32_t n_m;              /* morsels: scan files m[0..n_m) */
  uint32_t *m;
} delta_inst;

typedef struct delta_cur {
  delta_inst *inst;
  delta_file_reader *r;
  arena *ar;
  batch out;
  batch empty;
} delta_cur;

static int d_open(const void *config, const source_scan_args *args, void **inst, lago_err *err) {
  delta_cfg *cfg = (delta_cfg *)config;
  *inst = NULL;
  delta_inst *in = mem_calloc(1, sizeof *in);
  const char **cols = mem_calloc(args->n_cols + 1, sizeof *cols);
  delta_pred *preds = mem_calloc(args->n_filters + 1, sizeof *preds);
  if (!in || !cols || !preds) {
    mem_free(in);
    mem_free(cols);
    mem_free(preds);
    return LAGO_NOMEM_ERR(err);
  }
  in->cfg = cfg;
  in->n_cols = args->n_cols;
  in->perm = mem_calloc(args->n_cols + 1, sizeof *in->perm);
  if (!in->perm) {
    mem_free(in);
    mem_free(cols);
    mem_free(preds);
    return LAGO_NOMEM_ERR(err);
  }
  delta_scan_opts o;
  memset(&o, 0, sizeof o);
  o.keep_dictionary = true; /* exec reads DICT vectors; string keys hash and compare once per dictionary entry */
  uint32_t nd = 0;
  for (uint32_t i = 0; i < args->n_cols; i++)
    if (args->cols[i] < cfg->n_fields) cols[nd++] = cfg->names[args->cols[i]];
    else if (args->cols[i] == cfg->n_fields) o.with_file_path = true;
    else o.with_row_index = true;
  uint32_t k = 0, meta_at = nd;
  for (uint32_t i = 0; i < args->n_cols; i++) {
    if (args->cols[i] < cfg->n_fields) in->perm[i] = k++;
    else if (args->cols[i] == cfg->n_fields) in->perm[i] = meta_at;
    else in->perm[i] = meta_at + (o.with_file_path ? 1 : 0);
  }
  in->identity = true;
  for (uint32_t i = 0; i < args->n_cols; i++) in->identity &= in->perm[i] == i;
  uint32_t np = 0;
  for (uint32_t i = 0; i < args->n_filters; i++) {
    const source_filter *f = &args->filters[i];
    if (f->col >= args->n_cols || args->cols[f->col] >= cfg->n_fields) continue;
    delta_pred *p = &preds[np];
    p->column = cfg->names[args->cols[f->col]];
    p->values = f->values;
    switch (f->op) {
      case SF_EQ: p->op = DP_EQ; break;
      case SF_NE: p->op = DP_NE; break;
      case SF_LT: p->op = DP_LT; break;
      case SF_LE: p->op = DP_LE; break;
      case SF_GT: p->op = DP_GT; break;
      case SF_GE: p->op = DP_GE; break;
      case SF_IS_NULL: p->op = DP_IS_NULL; break;
      case SF_IS_NOT_NULL: p->op = DP_IS_NOT_NULL; break;
      case SF_IN: p->op = DP_IN; break;
      default: continue;
    }
    np++;
  }
  o.columns = cols;
  o.n_columns = nd;
  o.preds = preds;
  o.n_preds = np;
  int rc = delta_scan_new(cfg->snap, &o, &in->scan, err);
  mem_free(cols);
  mem_free(preds);
  if (rc) {
    mem_free(in->perm);
    mem_free(in);
    return rc;
  }
  size_t nf = delta_scan_n_files(in->scan);
  in->m = mem_calloc(nf + 1, sizeof *in->m);
  if (!in->m) {
    delta_scan_free(in->scan);
    mem_free(in->perm);
    mem_free(in);
    return LAGO_NOMEM_ERR(err);
  }
  for (size_t i = 0; i < nf; i++)
    if (!cfg->only || touch_has_file(cfg->only, delta_scan_file(in->scan, i)->path)) in->m[in->n_m++] = (uint32_t)i;
  cfg->files = in->n_m;
  cfg->pruned = delta_scan_n_pruned(in->scan) + (nf - in->n_m);
  *inst = in;
  return LAGO_OK;
}

static uint32_t d_n_morsels(void *inst) { return ((delta_inst *)inst)->n_m; }

static int d_cursor_open(void *inst, uint32_t m, void **cur, lago_err *err) {
  delta_inst *in = inst;
  delta_cur *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  c->inst = in;
  c->ar = arena_new("delta-cursor", 1024);
  if (!c->ar) {
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  c->out.cols = arena_alloc(c->ar, (in->n_cols ? in->n_cols : 1) * sizeof(vec));
  if (!c->out.cols) {
    arena_free(c->ar);
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  int rc = delta_file_reader_open(in->scan, in->m[m], &c->r, err);
  if (rc) {
    arena_free(c->ar);
    mem_free(c);
    return rc;
  }
  *cur = c;
  return LAGO_OK;
}

static int d_cursor_next(void *cur, batch **out, lago_err *err) {
  delta_cur *c = cur;
  batch *b;
  TRY(delta_file_reader_next(c->r, &b, err));
  if (!b) {
    memset(&c->empty, 0, sizeof c->empty);
    *out = &c->empty;
    return LAGO_OK;
  }
  if (c->inst->identity) {
    *out = b;
    return LAGO_OK;
  }
  c->out.n_cols = c->inst->n_cols;
  c->out.n_rows = b->n_rows;
  c->out.sel = b->sel;
  c->out.ar = b->ar;
  for (uint32_t i = 0; i < c->inst->n_cols; i++) c->out.cols[i] = b->cols[c->inst->perm[i]];
  *out = &c->out;
  return LAGO_OK;
}

static void d_cursor_close(void *cur) {
  delta_cur *c = cur;
  if (!c) return;
  delta_file_reader_close(c->r);
  arena_free(c->ar);
  mem_free(c);
}

static void d_close(void *inst) {
  delta_inst *in = inst;
  if (!in) return;
  delta_scan_free(in->scan);
  mem_free(in->perm);
  mem_free(in->m);
  mem_free(in);
}

static int d_explain(const void *config, const void *inst, buf *out) {
  const delta_cfg *cfg = config;
  if (!inst) return buf_printf(out, "version=%lld", (long long)delta_snapshot_version(cfg->snap));
  return buf_printf(out, "version=%lld files=%zu pruned=%zu", (long long)delta_snapshot_version(cfg->snap), cfg->files,
                    cfg->pruned);
}

static const exec_source_vtab k_delta_vt = {"delta", d_open, d_n_morsels, d_cursor_open, d_cursor_next,
                                            d_cursor_close, d_close, d_explain};

int source_delta_new(sql_ctx *q, delta_snapshot *s, const char *label, bool meta, exec_source **out) {
  lago_type schema = delta_snapshot_schema(s);
  uint32_t nf = type_n_fields(schema), n = nf + (meta ? 2 : 0);
  delta_cfg *cfg = arena_zalloc(q->ar, sizeof *cfg);
  exec_source *src = arena_zalloc(q->ar, sizeof *src);
  if (!cfg || !src) return LAGO_NOMEM_ERR(q->err);
  cfg->snap = s;
  cfg->n_fields = nf;
  cfg->meta = meta;
  cfg->names = arena_alloc(q->ar, (n ? n : 1) * sizeof *cfg->names);
  cfg->types = arena_alloc(q->ar, (n ? n : 1) * sizeof *cfg->types);
  if (!cfg->names || !cfg->types) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < nf; i++) {
    const type_field *f = type_field_at(schema, i);
    cfg->names[i] = f->name;
    cfg->types[i] = f->type;
  }
  if (meta) {
    cfg->names[nf] = DELTA_COL_FILE_PATH;
    cfg->types[nf] = type_make(LT_STRING);
    cfg->names[nf + 1] = DELTA_COL_ROW_INDEX;
    cfg->types[nf + 1] = type_make(LT_BIGINT);
  }
  lago_err tmp;
  lago_err_clear(&tmp);
  int64_t rows = delta_snapshot_num_rows(s, &tmp);
  if (tmp.rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
  if (tmp.rc) return sql_err_at(q, tmp.rc, -1, "%s: %s", label, tmp.msg);
  cfg->est_rows = rows >= 0 ? (double)rows : -1;
  src->vt = &k_delta_vt;
  src->config = cfg;
  src->n_cols = n;
  src->types = cfg->types;
  src->names = cfg->names;
  src->label = label;
  *out = src;
  return LAGO_OK;
}

uint32_t source_delta_meta_col(const exec_source *src) { return ((const delta_cfg *)src->config)->n_fields; }

void source_delta_restrict(const exec_source *src, const touch_set *ts) { ((delta_cfg *)src->config)->only = ts; }

void source_delta_counts(const exec_source *src, size_t *files, size_t *pruned) {
  const delta_cfg *cfg = src->config;
  *files = cfg->files;
  *pruned = cfg->pruned;
}

/* ---- change data feed --------------------------------------------------------------------- */

typedef struct cdf_cfg {
  double est_rows;
  delta_table *t;
  int64_t start, end;
  uint32_t n;
  const char **names;
  lago_type *types;
} cdf_cfg;

typedef struct cdf_inst {
  const cdf_cfg *cfg;
  uint32_t n_cols;
  uint32_t *cols;
} cdf_inst;

typedef struct cdf_cur {
  cdf_inst *in;
  delta_cdf *c;
  arena *ar;
  batch out;
  batch empty;
} cdf_cur;

static int c_open(const void *config, const source_scan_args *args, void **inst, lago_err *err) {
  cdf_inst *in = mem_calloc(1, sizeof *in);
  if (!in) return LAGO_NOMEM_ERR(err);
  in->cfg = config;
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

static uint32_t c_n_morsels(void *inst) {
  (void)inst;
  return 1;
}

static int c_cursor_open(void *inst, uint32_t m, void **cur, lago_err *err) {
  (void)m;
  cdf_inst *in = inst;
  cdf_cur *c = mem_calloc(1, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  c->in = in;
  c->ar = arena_new("cdf-cursor", 1024);
  if (!c->ar || !(c->out.cols = arena_alloc(c->ar, (in->n_cols ? in->n_cols : 1) * sizeof(vec)))) {
    arena_free(c->ar);
    mem_free(c);
    return LAGO_NOMEM_ERR(err);
  }
  int rc = delta_cdf_open(in->cfg->t, in->cfg->start, in->cfg->end, &c->c, err);
  if (rc) {
    arena_free(c->ar);
    mem_free(c);
    return rc;
  }
  *cur = c;
  return LAGO_OK;
}

static int c_cursor_next(void *cur, batch **out, lago_err *err) {
  cdf_cur *c = cur;
  batch *b = NULL;
  for (;;) {
    TRY(delta_cdf_next(c->c, &b, err));
    if (!b || b->n_rows) break;
  }
  if (!b) {
    memset(&c->empty, 0, sizeof c->empty);
    *out = &c->empty;
    return LAGO_OK;
  }
  c->out.n_cols = c->in->n_cols;
  c->out.n_rows = b->n_rows;
  c->out.sel = b->sel;
  c->out.ar = b->ar;
  for (uint32_t i = 0; i < c->in->n_cols; i++) c->out.cols[i] = b->cols[c->in->cols[i]];
  *out = &c->out;
  return LAGO_OK;
}

static void c_cursor_close(void *cur) {
  cdf_cur *c = cur;
  if (!c) return;
  delta_cdf_close(c->c);
  arena_free(c->ar);
  mem_free(c);
}

static void c_close(void *inst) {
  cdf_inst *in = inst;
  if (!in) return;
  mem_free(in->cols);
  mem_free(in);
}

static int c_explain(const void *config, const void *inst, buf *out) {
  (void)inst;
  const cdf_cfg *cfg = config;
  if (cfg->end < 0) return buf_printf(out, "versions=%lld..latest", (long long)cfg->start);
  return buf_printf(out, "versions=%lld..%lld", (long long)cfg->start, (long long)cfg->end);
}

static const exec_source_vtab k_cdf_vt = {"table_changes", c_open, c_n_morsels, c_cursor_open, c_cursor_next,
                                          c_cursor_close, c_close, c_explain};

int source_cdf_new(sql_ctx *q, delta_table *t, int64_t start, int64_t end, const char *label, int pos, exec_source **out) {
  delta_cdf *c;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_cdf_open(t, start, end, &c, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "table_changes: %s", tmp.msg);
  lago_type schema;
  rc = type_copy(q->ar, delta_cdf_schema(c), &schema);
  delta_cdf_close(c);
  if (rc) return LAGO_NOMEM_ERR(q->err);
  cdf_cfg *cfg = arena_zalloc(q->ar, sizeof *cfg);
  exec_source *src = arena_zalloc(q->ar, sizeof *src);
  uint32_t n = type_n_fields(schema);
  if (!cfg || !src) return LAGO_NOMEM_ERR(q->err);
  cfg->est_rows = -1;
  cfg->t = t;
  cfg->start = start;
  cfg->end = end;
  cfg->n = n;
  cfg->names = arena_alloc(q->ar, (n ? n : 1) * sizeof *cfg->names);
  cfg->types = arena_alloc(q->ar, (n ? n : 1) * sizeof *cfg->types);
  if (!cfg->names || !cfg->types) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    cfg->names[i] = type_field_at(schema, i)->name;
    cfg->types[i] = type_field_at(schema, i)->type;
  }
  src->vt = &k_cdf_vt;
  src->config = cfg;
  src->n_cols = n;
  src->types = cfg->types;
  src->names = cfg->names;
  src->label = label;
  *out = src;
  return LAGO_OK;
}
