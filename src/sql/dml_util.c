/*
** sql/dml_util.c: pieces shared by INSERT, UPDATE, DELETE and MERGE:
**
**   touch_set   the target rows a statement changes: (data file, row
**               position) pairs collected from _metadata.file_path /
**               _metadata.row_index while a plan runs on several threads
**               (one hash table of files per thread, merged at the end,
**               positions sorted; duplicates counted, for MERGE's
**               multiple-match rule).
**   dml_sink    the pipeline sink that records touched rows, writes new
**               rows into the transaction and change data into _change_data/
**               (with a constant _change_type), under one mutex for the
**               transaction.
**   target      opening a DML target table: snapshot, scope (qualified by
**               the alias or the table name), a Delta source with metadata
**               columns, and the files by path.
*/
#include <stdlib.h>
#include <string.h>

#include "sql/dml.h"
#include "util/alloc.h"
#include "util/json.h"

/* ---- touch sets ------------------------------------------------------------------------- */

typedef struct touch_file {
  char *path;          /* heap */
  uint64_t *rows;      /* heap */
  size_t n, cap;
} touch_file;

typedef struct touch_tab {
  touch_file *f;       /* heap, open addressing */
  uint32_t cap, n;
  int last;            /* slot of the last file used (batches are usually one file) */
} touch_tab;

struct touch_set {
  int n_threads;
  touch_tab *t;        /* per thread */
  bool finished;
  uint64_t dups;       /* positions seen more than once */
  uint32_t n_rec;      /* the first duplicates, for messages */
  const char *rec_path[8];
  uint64_t rec_row[8];
};

static uint64_t hash_str(const char *s, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
  return h;
}

static void tab_free(touch_tab *t) {
  for (uint32_t i = 0; i < t->cap; i++) {
    mem_free(t->f[i].path);
    mem_free(t->f[i].rows);
  }
  mem_free(t->f);
}

static void touch_free(void *p) {
  touch_set *ts = p;
  for (int i = 0; i < ts->n_threads; i++) tab_free(&ts->t[i]);
  mem_free(ts->t);
  mem_free(ts);
}

int touch_new(sql_ctx *q, int n_threads, touch_set **out) {
  touch_set *ts = mem_calloc(1, sizeof *ts);
  if (!ts) return LAGO_NOMEM_ERR(q->err);
  ts->n_threads = n_threads < 1 ? 1 : n_threads;
  ts->t = mem_calloc((size_t)ts->n_threads, sizeof *ts->t);
  if (!ts->t) {
    mem_free(ts);
    return LAGO_NOMEM_ERR(q->err);
  }
  for (int i = 0; i < ts->n_threads; i++) ts->t[i].last = -1;
  TRY(sql_defer(q, touch_free, ts));
  *out = ts;
  return LAGO_OK;
}

static int tab_grow(touch_tab *t) {
  uint32_t nc = t->cap ? t->cap * 2 : 64;
  touch_file *nf = mem_calloc(nc, sizeof *nf);
  if (!nf) return LAGO_NOMEM;
  for (uint32_t i = 0; i < t->cap; i++) {
    if (!t->f[i].path) continue;
    uint64_t h = hash_str(t->f[i].path, strlen(t->f[i].path));
    uint32_t s = (uint32_t)h & (nc - 1);
    while (nf[s].path) s = (s + 1) & (nc - 1);
    nf[s] = t->f[i];
  }
  mem_free(t->f);
  t->f = nf;
  t->cap = nc;
  t->last = -1;
  return LAGO_OK;
}

/* Slot of path (inserted when absent). */
static int tab_slot(touch_tab *t, const char *p, size_t n, touch_file **out) {
  if (t->last >= 0) {
    touch_file *f = &t->f[t->last];
    if (strlen(f->path) == n && !memcmp(f->path, p, n)) {
      *out = f;
      return LAGO_OK;
    }
  }
  if ((t->n + 1) * 2 > t->cap && tab_grow(t)) return LAGO_NOMEM;
  uint64_t h = hash_str(p, n);
  uint32_t s = (uint32_t)h & (t->cap - 1);
  while (t->f[s].path) {
    if (strlen(t->f[s].path) == n && !memcmp(t->f[s].path, p, n)) break;
    s = (s + 1) & (t->cap - 1);
  }
  if (!t->f[s].path) {
    if (!(t->f[s].path = mem_strndup(p, n))) return LAGO_NOMEM;
    t->n++;
  }
  t->last = (int)s;
  *out = &t->f[s];
  return LAGO_OK;
}

static int file_push(touch_file *f, uint64_t row) {
  if (f->n == f->cap) {
    size_t nc = f->cap ? f->cap * 2 : 256;
    uint64_t *nr = mem_realloc(f->rows, nc * sizeof *nr);
    if (!nr) return LAGO_NOMEM;
    f->rows = nr;
    f->cap = nc;
  }
  f->rows[f->n++] = row;
  return LAGO_OK;
}

int touch_add(touch_set *ts, int thread, const vec *path, const vec *rowidx, const uint32_t *sel, uint32_t n,
              lago_err *err) {
  touch_tab *t = &ts->t[thread < ts->n_threads ? thread : 0];
  vec_view pv, rv;
  vec_view_init(&pv, path);
  vec_view_init(&rv, rowidx);
  const lago_str *ps = pv.data;
  const int64_t *rs = rv.data;
  touch_file *f = NULL;
  uint32_t last_idx = UINT32_MAX;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!VIEW_VALID(&pv, r) || !VIEW_VALID(&rv, r)) continue; /* no target row (outer join side) */
    uint32_t pi = VIEW_IDX(&pv, r);
    if (!f || pi != last_idx) {
      const lago_str *s = &ps[pi];
      if (tab_slot(t, str_data(s), s->len, &f)) return LAGO_NOMEM_ERR(err);
      last_idx = pi;
    }
    if (file_push(f, (uint64_t)rs[VIEW_IDX(&rv, r)])) return LAGO_NOMEM_ERR(err);
  }
  return LAGO_OK;
}

int touch_add_path(touch_set *ts, const char *path, lago_err *err) {
  touch_file *f;
  if (tab_slot(&ts->t[0], path, strlen(path), &f) || file_push(f, 0)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int touch_finish(touch_set *ts, lago_err *err) {
  touch_tab *t0 = &ts->t[0];
  for (int k = 1; k < ts->n_threads; k++) {
    touch_tab *tk = &ts->t[k];
    for (uint32_t i = 0; i < tk->cap; i++) {
      touch_file *src = &tk->f[i];
      if (!src->path) continue;
      touch_file *dst;
      if (tab_slot(t0, src->path, strlen(src->path), &dst)) return LAGO_NOMEM_ERR(err);
      for (size_t j = 0; j < src->n; j++)
        if (file_push(dst, src->rows[j])) return LAGO_NOMEM_ERR(err);
    }
    tab_free(tk);
    memset(tk, 0, sizeof *tk);
  }
  ts->dups = 0;
  for (uint32_t i = 0; i < t0->cap; i++) {
    touch_file *f = &t0->f[i];
    if (!f->path || !f->n) continue;
    qsort(f->rows, f->n, sizeof *f->rows, cmp_u64);
    size_t k = 0;
    for (size_t j = 0; j < f->n; j++) {
      if (k && f->rows[j] == f->rows[k - 1]) {
        ts->dups++;
        if (ts->n_rec < 8 && (!ts->n_rec || ts->rec_row[ts->n_rec - 1] != f->rows[j] ||
                              ts->rec_path[ts->n_rec - 1] != f->path)) {
          ts->rec_path[ts->n_rec] = f->path;
          ts->rec_row[ts->n_rec++] = f->rows[j];
        }
        continue;
      }
      f->rows[k++] = f->rows[j];
    }
    f->n = k;
  }
  ts->finished = true;
  return LAGO_OK;
}

uint64_t touch_dups(const touch_set *ts) { return ts->dups; }

uint32_t touch_dup_at(const touch_set *ts, uint32_t i, const char **path, uint64_t *row) {
  if (i >= ts->n_rec) return 0;
  *path = ts->rec_path[i];
  *row = ts->rec_row[i];
  return 1;
}

uint32_t touch_n_slots(const touch_set *ts) { return ts->t[0].cap; }

const char *touch_slot(const touch_set *ts, uint32_t i, const uint64_t **rows, size_t *n) {
  const touch_file *f = &ts->t[0].f[i];
  if (!f->path || !f->n) return NULL;
  *rows = f->rows;
  *n = f->n;
  return f->path;
}

bool touch_has_file(const touch_set *ts, const char *path) {
  const touch_tab *t = &ts->t[0];
  if (!t->cap) return false;
  size_t n = strlen(path);
  uint32_t s = (uint32_t)hash_str(path, n) & (t->cap - 1);
  while (t->f[s].path) {
    if (!strcmp(t->f[s].path, path)) return t->f[s].n > 0;
    s = (s + 1) & (t->cap - 1);
  }
  return false;
}

uint64_t touch_rows(const touch_set *ts) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < ts->t[0].cap; i++)
    if (ts->t[0].f[i].path) n += ts->t[0].f[i].n;
  return n;
}

/* ---- sinks -------------------------------------------------------------------------------- */

static int sub_batch(arena *ar, const batch *b, uint32_t from, uint32_t n, bool cdc, const char *ctype, batch *out) {
  out->n_cols = n + (cdc ? 1 : 0);
  out->n_rows = b->n_rows;
  out->sel = b->sel;
  out->ar = ar;
  out->cols = arena_alloc(ar, (out->n_cols ? out->n_cols : 1) * sizeof(vec));
  if (!out->cols) return LAGO_NOMEM;
  for (uint32_t i = 0; i < n; i++) out->cols[i] = b->cols[from + i];
  if (cdc) {
    uint32_t phys = b->n_rows ? (b->sel ? b->sel[b->n_rows - 1] + 1 : b->n_rows) : 0;
    vec *v = vec_new(ar, type_make(LT_STRING), 1);
    if (!v || vec_set_str(v, 0, ctype, (uint32_t)strlen(ctype)) || vec_make_const(v, phys ? phys : 1)) return LAGO_NOMEM;
    v->len = phys;
    out->cols[n] = *v;
  }
  return LAGO_OK;
}

int dml_sink_fn(void *ud, int thread, batch *b, lago_err *err) {
  dml_sink *s = ud;
  if (!b->n_rows) return LAGO_OK;
  if (s->ts && s->path_col >= 0) TRY(touch_add(s->ts, thread, &b->cols[s->path_col], &b->cols[s->row_col], b->sel, b->n_rows, err));
  if (s->n_write == 0 && !s->n_cdc) return LAGO_OK;
  arena *ar = s->scratch[thread < DML_MAX_THREADS ? thread : 0];
  arena_reset(ar);
  int rc = LAGO_OK;
  if (s->n_write) {
    batch w;
    rc = sub_batch(ar, b, s->write_from, s->n_write, false, NULL, &w) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    if (rc == LAGO_OK) rc = delta_txn_write_shard(s->x, (uint32_t)thread, &w, err);
    pthread_mutex_lock(&s->mu);
    s->written += b->n_rows;
    pthread_mutex_unlock(&s->mu);
  }
  for (uint32_t k = 0; k < s->n_cdc && rc == LAGO_OK; k++) {
    batch c;
    rc = sub_batch(ar, b, s->cdc_from[k], s->n_table_cols, true, s->cdc_type[k], &c) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    if (rc == LAGO_OK) rc = delta_txn_write_cdc_shard(s->x, (uint32_t)thread, &c, err);
  }
  return rc;
}

int dml_sink_init(sql_ctx *q, dml_sink *s, delta_txn *x) {
  memset(s, 0, sizeof *s);
  s->x = x;
  s->path_col = s->row_col = -1;
  pthread_mutex_init(&s->mu, NULL);
  for (int i = 0; i < DML_MAX_THREADS; i++)
    if (!(s->scratch[i] = arena_new("dml-sink", 4096))) {
      dml_sink_deinit(s);
      return LAGO_NOMEM_ERR(q->err);
    }
  return LAGO_OK;
}

void dml_sink_deinit(dml_sink *s) {
  pthread_mutex_destroy(&s->mu);
  for (int i = 0; i < DML_MAX_THREADS; i++) arena_free(s->scratch[i]);
}

/* ---- targets ---------------------------------------------------------------------------------- */

static uint64_t path_hash(const char *p) { return hash_str(p, strlen(p)); }

int dml_target_open(sql_ctx *q, const sql_table_ref *t, dml_target *out) {
  memset(out, 0, sizeof *out);
  if (t->kind != SQL_T_NAME) return sql_err_at(q, LAGO_BIND, t->pos, "the target must be a table");
  if (t->tt.kind != SQL_TT_NONE) return sql_err_at(q, LAGO_BIND, t->pos, "the target of a change cannot use time travel");
  if (t->format_path) {
    if (strcasecmp(t->name.parts[0].name, "delta"))
      return sql_err_at(q, LAGO_BIND, t->pos, "the target must be a Delta table");
    TRY(sql_table_open_path(q, t->name.parts[1].name, t->pos, &out->tb));
  } else {
    TRY(sql_table_open(q, &t->name, t->pos, &out->tb, NULL));
  }
  TRY(sql_table_load(q, &out->tb, -1, INT64_MIN, t->pos));
  delta_snapshot *s = out->tb.snap;
  out->schema = delta_snapshot_schema(s);
  out->n_cols = type_n_fields(out->schema);
  const char *dv = delta_snapshot_property(s, "delta.enableDeletionVectors");
  out->use_dv = dv && !strcasecmp(dv, "true");
  const char *cdf = delta_snapshot_property(s, "delta.enableChangeDataFeed");
  out->cdf = cdf && !strcasecmp(cdf, "true");
  TRY(source_delta_new(q, s, out->tb.label, true, &out->src));
  TRY(lp_get(q, out->src, out->tb.label, &out->get));
  /* scope: table columns qualified by the alias, or catalog.schema.table */
  out->sc = arena_zalloc(q->ar, sizeof *out->sc);
  if (!out->sc) return LAGO_NOMEM_ERR(q->err);
  const char *qual[3] = {NULL, NULL, t->alias.name};
  if (!t->alias.name && out->tb.name.n.name[0]) {
    qual[0] = out->tb.name.n.catalog;
    qual[1] = out->tb.name.n.schema;
    qual[2] = out->tb.name.n.name;
  }
  for (uint32_t i = 0; i < out->n_cols; i++)
    TRY(scope_add(q, out->sc, out->get->out[i].id, out->get->out[i].type, out->get->out[i].name, qual, false));
  /* files by path */
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_snapshot_files(s, &out->files, &out->n_files, &tmp);
  if (rc) return sql_err_at(q, rc, t->pos, "%s", tmp.msg);
  uint32_t cap = 16;
  while (cap < out->n_files * 2 + 2) cap *= 2;
  out->fmap = arena_alloc(q->ar, cap * sizeof *out->fmap);
  if (!out->fmap) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < cap; i++) out->fmap[i] = UINT32_MAX;
  out->fmap_cap = cap;
  for (size_t i = 0; i < out->n_files; i++) {
    uint32_t slot = (uint32_t)path_hash(out->files[i].path) & (cap - 1);
    while (out->fmap[slot] != UINT32_MAX) slot = (slot + 1) & (cap - 1);
    out->fmap[slot] = (uint32_t)i;
  }
  return LAGO_OK;
}

const delta_file *dml_target_file(const dml_target *t, const char *path) {
  uint32_t slot = (uint32_t)path_hash(path) & (t->fmap_cap - 1);
  while (t->fmap[slot] != UINT32_MAX) {
    const delta_file *f = &t->files[t->fmap[slot]];
    if (!strcmp(f->path, path)) return f;
    slot = (slot + 1) & (t->fmap_cap - 1);
  }
  return NULL;
}

int64_t dml_file_rows(sql_ctx *q, const delta_file *f) {
  const char *st = f->stats ? f->stats : f->stats_parsed_json;
  if (!st) return -1;
  json_value *v;
  if (json_parse(q->ar, st, strlen(st), &v, NULL)) return -1;
  int64_t n;
  if (json_get_i64(v, "numRecords", &n, NULL)) return -1;
  return n - (f->dv.storage_type ? f->dv.cardinality : 0);
}

int dml_apply_deletes(sql_ctx *q, dml_target *t, delta_txn *x, touch_set *ts, int pos, dml_counts *c) {
  lago_err tmp;
  lago_err_clear(&tmp);
  for (uint32_t i = 0; i < touch_n_slots(ts); i++) {
    const uint64_t *rows;
    size_t n;
    const char *path = touch_slot(ts, i, &rows, &n);
    if (!path) continue;
    const delta_file *f = dml_target_file(t, path);
    if (!f) return sql_err_at(q, LAGO_INTERNAL, pos, "changed rows of %s, which is not a live file of the table", path);
    int64_t live = dml_file_rows(q, f);
    int rc;
    if (live >= 0 && (int64_t)n >= live) {
      rc = delta_txn_remove_file(x, f, true, &tmp);
      c->removed_files++;
    } else {
      rc = delta_txn_delete_rows(x, f, rows, n, &tmp);
      c->dv_files++;
    }
    if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  }
  return LAGO_OK;
}
