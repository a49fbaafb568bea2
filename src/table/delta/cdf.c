/*
** table/delta/cdf.c: change data feed reads (PROTOCOL.md "Add CDC File",
** "Change Data Files", "Deletion Vectors"; DELTA-CHECKLIST.md §13).
**
** For each commit v in [start, end] (both inclusive), in version order:
**   - if the commit has cdc actions, only those files are read; they carry
**     a _change_type column (insert, delete, update_preimage,
**     update_postimage);
**   - else adds with dataChange=true give `insert` rows and removes with
**     dataChange=true give `delete` rows (the rows that were live: minus
**     the remove's own DV); dataChange=false actions give nothing;
**   - a remove(p, dv1) + add(p, dv2) pair in one commit is a DV update: rows
**     in dv2 \ dv1 are `delete`, rows in dv1 \ dv2 are `insert` (RESTORE).
** Every row gets _commit_version (BIGINT) and _commit_timestamp (TIMESTAMP:
** in-commit timestamp when enabled, else the commit file's modification
** time). Data is read with the schema of version `end`. CDF must be
** enabled (delta.enableChangeDataFeed=true) at every version in the range.
*/
#include <stdio.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "table/delta/dv.h"
#include "table/delta/scan_int.h"
#include "util/alloc.h"

typedef struct cdf_task {
  delta_file f;             /* in c->ar */
  scan_rows rows;
  const char *change_type;  /* NULL: from the file's _change_type column */
  int64_t version;
  int64_t ts_ms;
} cdf_task;

struct delta_cdf {
  arena *ar;                /* tasks, DV row sets */
  arena *bar;               /* output batches */
  delta_table *t;
  delta_snapshot *snap;     /* version `end` */
  delta_scan *sc;           /* all columns of `end` */
  lago_type schema;
  cdf_task *tasks;
  size_t n_tasks, cap_tasks, next;
  delta_file_reader *cur;
  size_t cur_task;
};

typedef struct commit_acts {
  delta_file *adds, *removes, *cdcs;
  size_t n_adds, n_removes, n_cdcs, cap_adds, cap_removes, cap_cdcs;
  bool has_md;
  delta_metadata md;
  int64_t ict;
  arena *ar;
  const char *root;
} commit_acts;

static int push(arena *ar, delta_file **a, size_t *n, size_t *cap, const delta_file *f) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    delta_file *na = arena_realloc(ar, *a, *cap * sizeof *na, nc * sizeof *na);
    if (!na) return LAGO_NOMEM;
    *a = na;
    *cap = nc;
  }
  (*a)[(*n)++] = *f;
  return LAGO_OK;
}

static int on_commit_action(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)version;
  (void)from_cp;
  commit_acts *c = ud;
  delta_file f;
  switch (a->kind) {
  case DA_ADD:
  case DA_REMOVE:
  case DA_CDC:
    if (delta_file_copy(c->ar, &a->u.file, &f)) return LAGO_NOMEM_ERR(err);
    f.path = delta_path_relativize(c->root, f.path);
    if (a->kind == DA_ADD) return push(c->ar, &c->adds, &c->n_adds, &c->cap_adds, &f) ? LAGO_NOMEM_ERR(err) : 0;
    if (a->kind == DA_REMOVE)
      return push(c->ar, &c->removes, &c->n_removes, &c->cap_removes, &f) ? LAGO_NOMEM_ERR(err) : 0;
    return push(c->ar, &c->cdcs, &c->n_cdcs, &c->cap_cdcs, &f) ? LAGO_NOMEM_ERR(err) : 0;
  case DA_METADATA:
    c->has_md = true;
    if (delta_metadata_copy(c->ar, &a->u.metadata, &c->md)) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  case DA_COMMIT_INFO:
    c->ict = a->u.commit_info.in_commit_timestamp;
    return LAGO_OK;
  default: return LAGO_OK;
  }
}

static int add_task(delta_cdf *c, const delta_file *f, scan_rows rows, const char *ct, int64_t v, int64_t ts,
                    lago_err *err) {
  if (c->n_tasks == c->cap_tasks) {
    size_t nc = c->cap_tasks ? c->cap_tasks * 2 : 32;
    cdf_task *nt = mem_realloc(c->tasks, nc * sizeof *nt);
    if (!nt) return LAGO_NOMEM_ERR(err);
    c->tasks = nt;
    c->cap_tasks = nc;
  }
  cdf_task *t = &c->tasks[c->n_tasks++];
  t->f = *f;
  t->rows = rows;
  t->change_type = ct;
  t->version = v;
  t->ts_ms = ts;
  return LAGO_OK;
}

static int load_dv(delta_cdf *c, const delta_dv *dv, dv_rows *out, lago_err *err) {
  return dv_load(c->t->h->fs, c->t->root, dv, c->ar, out, err);
}

/* Tasks of one commit. */
static int plan_commit(delta_cdf *c, commit_acts *ca, int64_t v, int64_t ts, lago_err *err) {
  if (ca->n_cdcs) {
    for (size_t i = 0; i < ca->n_cdcs; i++) {
      scan_rows all = {.mode = SR_ALL};
      TRY(add_task(c, &ca->cdcs[i], all, NULL, v, ts, err));
    }
    return LAGO_OK;
  }
  bool *paired = arena_zalloc(c->ar, (ca->n_removes + 1) * sizeof *paired);
  if (!paired) return LAGO_NOMEM_ERR(err);
  for (size_t i = 0; i < ca->n_adds; i++) {
    const delta_file *a = &ca->adds[i];
    if (!a->data_change) continue;
    const delta_file *rm = NULL;
    for (size_t k = 0; k < ca->n_removes && !rm; k++)
      if (!paired[k] && ca->removes[k].data_change && !strcmp(ca->removes[k].path, a->path)) {
        rm = &ca->removes[k];
        paired[k] = true;
      }
    dv_rows add_dv = {NULL, 0}, rm_dv = {NULL, 0};
    TRY(load_dv(c, &a->dv, &add_dv, err));
    if (!rm) { /* a new file: its live rows are inserts */
      scan_rows r = {.mode = add_dv.n ? SR_DROP : SR_ALL, .set = add_dv};
      TRY(add_task(c, a, r, "insert", v, ts, err));
      continue;
    }
    TRY(load_dv(c, &rm->dv, &rm_dv, err));
    dv_rows deleted, restored;
    if (dv_rows_minus(c->ar, &add_dv, &rm_dv, &deleted) || dv_rows_minus(c->ar, &rm_dv, &add_dv, &restored))
      return LAGO_NOMEM_ERR(err);
    if (deleted.n) {
      scan_rows r = {.mode = SR_KEEP, .set = deleted};
      TRY(add_task(c, a, r, "delete", v, ts, err));
    }
    if (restored.n) {
      scan_rows r = {.mode = SR_KEEP, .set = restored};
      TRY(add_task(c, a, r, "insert", v, ts, err));
    }
  }
  for (size_t k = 0; k < ca->n_removes; k++) {
    const delta_file *rm = &ca->removes[k];
    if (paired[k] || !rm->data_change) continue;
    dv_rows rm_dv = {NULL, 0};
    TRY(load_dv(c, &rm->dv, &rm_dv, err));
    scan_rows r = {.mode = rm_dv.n ? SR_DROP : SR_ALL, .set = rm_dv};
    TRY(add_task(c, rm, r, "delete", v, ts, err));
  }
  return LAGO_OK;
}

void delta_cdf_close(delta_cdf *c) {
  if (!c) return;
  delta_file_reader_close(c->cur);
  delta_scan_free(c->sc);
  delta_snapshot_unref(c->snap);
  mem_free(c->tasks);
  delta_table_free(c->t);
  arena_free(c->bar);
  arena_free(c->ar);
}

int delta_cdf_open(delta_table *t, int64_t start, int64_t end, delta_cdf **out, lago_err *err) {
  *out = NULL;
  if (start < 0) return LAGO_ERR(err, LAGO_MISUSE, "CDF: start version %lld is negative", (long long)start);
  if (end >= 0 && start > end)
    return LAGO_ERR(err, LAGO_MISUSE, "CDF: start version %lld is after end version %lld", (long long)start,
                    (long long)end);
  arena *ar = arena_new("query", 65536);
  if (!ar) return LAGO_NOMEM_ERR(err);
  delta_cdf *c = arena_zalloc(ar, sizeof *c);
  if (!c) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  c->ar = ar;
  c->t = t;
  delta_table_ref(t);
  int rc = LAGO_OK;
  delta_snapshot *first = NULL;
  arena *per = NULL;
  if (!(c->bar = arena_new("batch", 65536))) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  if ((rc = delta_snapshot_load(t, end, &c->snap, err))) goto fail;
  end = c->snap->version;
  if (start > end) {
    rc = LAGO_ERR(err, LAGO_NOTFOUND, "CDF: start version %lld is after the latest version %lld", (long long)start,
                  (long long)end);
    goto fail;
  }
  if ((rc = delta_scan_new(c->snap, NULL, &c->sc, err))) goto fail;
  /* output schema: table columns + _change_type, _commit_version, _commit_timestamp */
  {
    lago_type ts = delta_scan_schema(c->sc);
    uint32_t n = type_n_fields(ts);
    type_field *fs = arena_zalloc(ar, (n + 3) * sizeof *fs);
    if (!fs) {
      rc = LAGO_NOMEM_ERR(err);
      goto fail;
    }
    for (uint32_t i = 0; i < n; i++) fs[i] = *type_field_at(ts, i);
    fs[n].name = "_change_type";
    fs[n].type = type_make(LT_STRING);
    fs[n + 1].name = "_commit_version";
    fs[n + 1].type = type_make(LT_BIGINT);
    fs[n + 2].name = "_commit_timestamp";
    fs[n + 2].type = type_make(LT_TIMESTAMP);
    if (type_struct_fields(ar, n + 3, fs, &c->schema)) {
      rc = LAGO_NOMEM_ERR(err);
      goto fail;
    }
  }
  /* metadata at start (for the CDF-enabled check), then commit by commit */
  if ((rc = delta_snapshot_load(t, start, &first, err))) goto fail;
  bool enabled = delta_config_bool(&first->metadata.configuration, "delta.enableChangeDataFeed", false);
  log_listing l;
  if ((rc = delta_log_list(t, start, ar, &l, err))) goto fail;
  if (!(per = arena_new("query", 65536))) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  int64_t expect = start;
  delta_metadata md = first->metadata;
  for (size_t i = 0; i < l.n && expect <= end; i++) {
    const log_file *lf = &l.files[i];
    if (lf->kind != LF_COMMIT || lf->version < start) continue;
    if (lf->version != expect) break;
    expect++;
    arena_reset(per);
    commit_acts ca;
    memset(&ca, 0, sizeof ca);
    ca.ar = c->ar; /* tasks keep the file actions */
    ca.root = t->root;
    ca.ict = -1;
    char *text;
    size_t len;
    if ((rc = delta_log_read(t, lf->path, per, &text, &len, err))) goto fail;
    if ((rc = delta_commit_parse(text, len, per, lf->path, lf->version, on_commit_action, &ca, err))) goto fail;
    if (ca.has_md) {
      md = ca.md;
      enabled = delta_config_bool(&md.configuration, "delta.enableChangeDataFeed", false);
    }
    if (!enabled) {
      rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "CDF: change data feed is not enabled at version %lld of %s",
                    (long long)lf->version, t->root);
      goto fail;
    }
    int64_t ts = lf->mtime_ms;
    if (ca.ict >= 0 && delta_config_bool(&md.configuration, "delta.enableInCommitTimestamps", false)) ts = ca.ict;
    if ((rc = plan_commit(c, &ca, lf->version, ts, err))) goto fail;
  }
  if (expect <= end) {
    rc = LAGO_ERR(err, LAGO_NOTFOUND, "CDF: commit %lld of %s is not in the log any more", (long long)expect,
                  t->root);
    goto fail;
  }
  arena_free(per);
  delta_snapshot_unref(first);
  *out = c;
  return LAGO_OK;
fail:
  arena_free(per);
  delta_snapshot_unref(first);
  delta_cdf_close(c);
  return rc;
}

lago_type delta_cdf_schema(const delta_cdf *c) { return c->schema; }

int delta_cdf_next(delta_cdf *c, batch **out, lago_err *err) {
  *out = NULL;
  for (;;) {
    if (!c->cur) {
      if (c->next >= c->n_tasks) return LAGO_OK;
      c->cur_task = c->next++;
      cdf_task *t = &c->tasks[c->cur_task];
      TRY(delta_file_reader_open_ex(c->sc, &t->f, &t->rows, t->change_type == NULL, &c->cur, err));
    }
    cdf_task *t = &c->tasks[c->cur_task];
    batch *in;
    vec *ct = NULL;
    TRY(delta_file_reader_next_ex(c->cur, &in, &ct, err));
    if (!in) {
      delta_file_reader_close(c->cur);
      c->cur = NULL;
      continue;
    }
    arena_reset(c->bar);
    batch *b = arena_zalloc(c->bar, sizeof *b);
    uint32_t n = in->n_cols;
    if (!b || !(b->cols = arena_zalloc(c->bar, (n + 3) * sizeof *b->cols))) return LAGO_NOMEM_ERR(err);
    b->ar = c->bar;
    b->n_cols = n + 3;
    b->n_rows = in->n_rows;
    b->sel = in->sel;
    for (uint32_t i = 0; i < n; i++) b->cols[i] = in->cols[i];
    uint32_t phys = in->cols[0].len; /* physical rows (every column of a reader batch has them) */
    vec *v;
    if (t->change_type) {
      v = vec_new(c->bar, type_make(LT_STRING), 1);
      if (!v || vec_set_str(v, 0, t->change_type, (uint32_t)strlen(t->change_type)) || vec_make_const(v, phys))
        return LAGO_NOMEM_ERR(err);
    } else {
      TRY(delta_conform(c->bar, ct, type_make(LT_STRING), "none", "_change_type", &v, err));
    }
    b->cols[n] = *v;
    v = vec_new(c->bar, type_make(LT_BIGINT), 1);
    if (!v || vec_make_const(v, phys)) return LAGO_NOMEM_ERR(err);
    VEC_DATA(v, int64_t)[0] = t->version;
    b->cols[n + 1] = *v;
    v = vec_new(c->bar, type_make(LT_TIMESTAMP), 1);
    if (!v || vec_make_const(v, phys)) return LAGO_NOMEM_ERR(err);
    VEC_DATA(v, int64_t)[0] = t->ts_ms * 1000;
    b->cols[n + 2] = *v;
    *out = b;
    return LAGO_OK;
  }
}
