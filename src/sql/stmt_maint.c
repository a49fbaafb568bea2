/*
** sql/stmt_maint.c: table maintenance: OPTIMIZE (bin-packing), VACUUM,
** RESTORE and TRUNCATE.
**
**   OPTIMIZE t [WHERE partition predicate]
**       per partition, files smaller than lago.optimize.minFileSize
**       (default 128 MiB) or carrying a deletion vector are read (deleted
**       rows dropped) and written again as one file, when there are at least
**       two of them or one has a deletion vector; the old files are removed
**       with dataChange = false. Idempotent: a second run finds nothing to
**       do. The WHERE clause may name partition columns only. ZORDER BY is
**       refused (not implemented). Result: path, numFilesAdded,
**       numFilesRemoved.
**   VACUUM t [RETAIN n HOURS] [DRY RUN]
**       table/ delta_vacuum; a retention below 168 hours needs
**       SET spark.databricks.delta.retentionDurationCheck.enabled = false,
**       as in Delta. DRY RUN lists the files it would delete.
**   RESTORE [TABLE] t TO VERSION AS OF n | TIMESTAMP AS OF ts
**       table/ delta_restore; result: Databricks' six metrics.
**   TRUNCATE TABLE t   removes every file (operation TRUNCATE).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/dml.h"

static int open_table(sql_ctx *q, const sql_name *name, const char *path, int pos, sql_table *tb) {
  if (path) TRY(sql_table_open_path(q, path, pos, tb));
  else TRY(sql_table_open(q, name, pos, tb, NULL));
  return sql_table_load(q, tb, -1, INT64_MIN, pos);
}

/* ---- OPTIMIZE ------------------------------------------------------------------------------ */

static const char *part_key(sql_ctx *q, const delta_file *f) {
  buf b;
  buf_init(&b);
  int rc = 0;
  for (uint32_t i = 0; i < f->partition_values.n && !rc; i++)
    rc = buf_printf(&b, "%s=%s\x1f", f->partition_values.kv[i].key,
                    f->partition_values.kv[i].value ? f->partition_values.kv[i].value : "\x1e");
  const char *r = rc ? NULL : arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

static int cmp_key(const void *a, const void *b) {
  const char *const *x = a, *const *y = b;
  return strcmp(x[0], y[0]);
}

static int optimize(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_optimize *o = &st->optimize;
  if (o->n_zorder_by) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "OPTIMIZE ... ZORDER BY is not supported yet (bin-packing is)");
  sql_table_ref tr;
  memset(&tr, 0, sizeof tr);
  tr.kind = SQL_T_NAME;
  tr.pos = st->pos;
  sql_ident parts[2] = {{"delta", st->pos, false}, {o->path, st->pos, true}};
  if (o->path) {
    tr.name.parts = parts;
    tr.name.n_parts = 2;
    tr.format_path = true;
  } else {
    tr.name = o->table;
  }
  dml_target t;
  TRY(dml_target_open(q, &tr, &t));
  uint64_t min_size = 128ull << 20;
  const char *ms = sql_setting(q->s, "lago.optimize.minFileSize");
  if (ms) min_size = strtoull(ms, NULL, 10);
  /* files the WHERE keeps (partition columns only) */
  bool *keep = arena_alloc(q->ar, (t.n_files ? t.n_files : 1) * sizeof *keep);
  if (!keep) return LAGO_NOMEM_ERR(q->err);
  for (size_t i = 0; i < t.n_files; i++) keep[i] = true;
  if (o->where) {
    bind_ectx b;
    memset(&b, 0, sizeof b);
    b.q = q;
    b.sc = t.sc;
    b.clause = "OPTIMIZE WHERE";
    expr *cond;
    TRY(bind_bool(&b, o->where, &cond));
    uint32_t np = delta_snapshot_n_partition_columns(t.tb.snap);
    const uint32_t *pc = delta_snapshot_partition_columns(t.tb.snap);
    uint32_t *pids = arena_alloc(q->ar, (np ? np : 1) * sizeof *pids);
    if (!pids) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < np; i++) pids[i] = t.get->out[pc[i]].id;
    if (!lpx_only(cond, pids, np))
      return sql_err_at(q, LAGO_BIND, o->where->pos,
                        "[DELTA_NON_PARTITION_COLUMN_REFERENCE] OPTIMIZE WHERE may only use partition columns");
    /* which files: the partition columns of each file, evaluated by a scan of those files' rows */
    lp *g = t.get, *f, *opt;
    plan *p;
    uint32_t mc = source_delta_meta_col(t.src);
    uint32_t ids[1] = {t.get->out[mc].id};
    TRY(lp_filter(q, g, cond, &f));
    TRY(lp_project_ids(q, f, ids, 1, &f));
    TRY(lp_distinct(q, f, &f));
    TRY(sql_plan_optimize(q, f, &opt));
    TRY(sql_physical(q, opt, &p));
    for (size_t i = 0; i < t.n_files; i++) keep[i] = false;
    exec_query *eq;
    TRY(exec_open(q->cx, p, &eq, q->err));
    int rc;
    for (;;) {
      batch *bt;
      rc = exec_next(eq, &bt, q->err);
      if (rc || !bt->n_rows) break;
      for (uint32_t r = 0; r < bt->n_rows; r++) {
        const vec *v = &bt->cols[0];
        vec_view vw;
        vec_view_init(&vw, v);
        uint32_t row = batch_row(bt, r);
        const lago_str *s = &((const lago_str *)vw.data)[VIEW_IDX(&vw, row)];
        char *path = arena_strndup(q->ar, str_data(s), s->len);
        if (!path) {
          rc = LAGO_NOMEM_ERR(q->err);
          break;
        }
        const delta_file *df = dml_target_file(&t, path);
        if (df) keep[df - t.files] = true;
      }
      if (rc) break;
    }
    exec_close(eq);
    TRY(rc);
  }
  /* candidates grouped by partition */
  const char **pairs = arena_alloc(q->ar, (2 * t.n_files + 2) * sizeof *pairs);
  if (!pairs) return LAGO_NOMEM_ERR(q->err);
  size_t nc = 0;
  for (size_t i = 0; i < t.n_files; i++) {
    const delta_file *f = &t.files[i];
    if (!keep[i] || ((uint64_t)f->size >= min_size && !f->dv.storage_type)) continue;
    const char *k = part_key(q, f);
    if (!k) return LAGO_NOMEM_ERR(q->err);
    pairs[2 * nc] = k;
    pairs[2 * nc + 1] = f->path;
    nc++;
  }
  qsort(pairs, nc, 2 * sizeof *pairs, cmp_key);
  touch_set *ts;
  TRY(touch_new(q, 1, &ts));
  int64_t removed = 0, groups = 0;
  for (size_t i = 0; i < nc;) {
    size_t j = i;
    bool dv = false;
    while (j < nc && !strcmp(pairs[2 * j], pairs[2 * i])) {
      dv |= dml_target_file(&t, pairs[2 * j + 1])->dv.storage_type != 0;
      j++;
    }
    if (j - i >= 2 || dv) {
      groups++;
      for (size_t k = i; k < j; k++) {
        TRY(touch_add_path(ts, pairs[2 * k + 1], q->err));
        removed++;
      }
    }
    i = j;
  }
  TRY(touch_finish(ts, q->err));
  const char *names[3] = {"path", "numFilesAdded", "numFilesRemoved"};
  lago_type tys[3] = {type_make(LT_STRING), type_make(LT_BIGINT), type_make(LT_BIGINT)};
  rowset rs;
  TRY(rowset_init(q, &rs, 3, names, tys));
  if (!removed) {
    const char *v[3] = {t.tb.root, "0", "0"};
    TRY(rowset_add(q, &rs, v));
    return rowset_plan(q, &rs, &out->rows);
  }
  delta_txn_opts to;
  memset(&to, 0, sizeof to);
  to.operation = "OPTIMIZE";
  to.operation_params = "{\"predicate\":\"[]\",\"zOrderBy\":\"[]\"}";
  delta_txn *x;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_txn_begin(t.tb.t, t.tb.snap, &to, &x, &tmp);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  /* read the chosen files (deletion vectors applied) and write them again */
  lp *g, *opt;
  plan *p;
  uint32_t *ids = arena_alloc(q->ar, t.n_cols * sizeof *ids);
  rc = ids ? lp_get(q, t.src, t.tb.label, &g) : LAGO_NOMEM_ERR(q->err);
  if (rc == LAGO_OK) {
    source_delta_restrict(t.src, ts);
    for (uint32_t i = 0; i < t.n_cols; i++) ids[i] = g->out[i].id;
    rc = lp_project_ids(q, g, ids, t.n_cols, &g);
  }
  if (rc == LAGO_OK) rc = sql_plan_optimize(q, g, &opt);
  if (rc == LAGO_OK) rc = sql_physical(q, opt, &p);
  int64_t rows = 0;
  /* one thread: each partition's rows become exactly one file, so a second OPTIMIZE finds nothing to do */
  if (rc == LAGO_OK) rc = sql_write_plan_threads(q, x, p, 1, &rows);
  for (size_t i = 0; rc == LAGO_OK && i < t.n_files; i++) {
    if (!touch_has_file(ts, t.files[i].path)) continue;
    rc = delta_txn_remove_file(x, &t.files[i], false, &tmp);
    if (rc) rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  }
  if (rc == LAGO_OK) rc = delta_txn_set_metric(x, "numRemovedFiles", removed, &tmp);
  if (rc == LAGO_OK) rc = delta_txn_set_metric(x, "numAddedFiles", groups, &tmp);
  if (rc) {
    delta_txn_abort(x);
    return rc;
  }
  TRY(sql_commit(q, x, st->pos, NULL));
  char a[32], r[32];
  snprintf(a, sizeof a, "%lld", (long long)groups);
  snprintf(r, sizeof r, "%lld", (long long)removed);
  const char *v[3] = {t.tb.root, a, r};
  TRY(rowset_add(q, &rs, v));
  return rowset_plan(q, &rs, &out->rows);
}

/* ---- VACUUM ---------------------------------------------------------------------------------- */

static int vacuum(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_vacuum *v = &st->vacuum;
  sql_table tb;
  TRY(open_table(q, &v->table, v->path, st->pos, &tb));
  delta_vacuum_opts o;
  memset(&o, 0, sizeof o);
  o.retain_hours = -1;
  o.dry_run = v->dry_run;
  o.force = !sql_setting_bool(q->s, "spark.databricks.delta.retentionDurationCheck.enabled", true);
  if (v->retain_hours) {
    const sql_expr *e = v->retain_hours;
    if (e->kind != SQL_E_LITERAL) return sql_err_at(q, LAGO_BIND, e->pos, "RETAIN needs a number of hours");
    switch (e->lit.kind) {
      case SQL_LIT_INT:
      case SQL_LIT_BIGINT: o.retain_hours = (double)e->lit.i; break;
      case SQL_LIT_DECIMAL:
      case SQL_LIT_DOUBLE: o.retain_hours = e->lit.kind == SQL_LIT_DOUBLE ? e->lit.d : strtod(e->lit.text, NULL); break;
      default: return sql_err_at(q, LAGO_BIND, e->pos, "RETAIN needs a number of hours");
    }
    if (o.retain_hours < 0) return sql_err_at(q, LAGO_BIND, e->pos, "RETAIN must not be negative");
  }
  delta_vacuum_result res;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_vacuum(tb.t, &o, q->ar, &res, &tmp);
  if (rc == LAGO_MISUSE)
    return sql_err_at(q, LAGO_BIND, st->pos,
                      "[DELTA_VACUUM_RETENTION_PERIOD_TOO_SHORT] %s (SET spark.databricks.delta.retentionDurationCheck.enabled = false to allow it)",
                      tmp.msg);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  const char *names[1] = {"path"};
  rowset rs;
  TRY(rowset_init(q, &rs, 1, names, NULL));
  if (v->dry_run) {
    for (size_t i = 0; i < res.n_files; i++) {
      const char *val[1] = {res.paths[i]};
      TRY(rowset_add(q, &rs, val));
    }
  } else {
    const char *val[1] = {tb.root};
    TRY(rowset_add(q, &rs, val));
  }
  return rowset_plan(q, &rs, &out->rows);
}

/* ---- RESTORE --------------------------------------------------------------------------------- */

static int restore(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_restore *r = &st->restore;
  sql_table tb;
  TRY(open_table(q, &r->table, NULL, st->pos, &tb));
  int64_t version = -1;
  lago_err tmp;
  lago_err_clear(&tmp);
  bind_ectx b;
  memset(&b, 0, sizeof b);
  scope empty;
  memset(&empty, 0, sizeof empty);
  b.q = q;
  b.sc = &empty;
  b.clause = "RESTORE";
  expr *e;
  TRY(bind_expr(&b, r->to.value, &e));
  TRY(bind_fold(q, e, &e));
  if (r->to.kind == SQL_TT_VERSION) {
    if (!type_is_integer(e->type) || e->kind != EXPR_CONST || !vec_is_valid(e->u.value, 0))
      return sql_err_at(q, LAGO_BIND, r->to.value->pos, "VERSION AS OF needs an integer");
    if (e->type.id != LT_BIGINT) {
      TRY(expr_cast(q->ar, e, type_make(LT_BIGINT), false, &e, q->err));
      TRY(bind_fold(q, e, &e));
    }
    version = VEC_DATA(e->u.value, int64_t)[0];
  } else {
    if (e->type.id != LT_TIMESTAMP) {
      if (expr_cast(q->ar, e, type_make(LT_TIMESTAMP), false, &e, &tmp)) return sql_err_at(q, LAGO_BIND, r->to.value->pos, "%s", tmp.msg);
      TRY(bind_fold(q, e, &e));
    }
    if (e->kind != EXPR_CONST || !vec_is_valid(e->u.value, 0))
      return sql_err_at(q, LAGO_BIND, r->to.value->pos, "TIMESTAMP AS OF needs a timestamp");
    int64_t us = VEC_DATA(e->u.value, int64_t)[0];
    delta_snapshot *s;
    int rc = delta_snapshot_load_at_time(tb.t, us / 1000, &s, &tmp);
    if (rc) return sql_err_at(q, rc, r->to.value->pos, "%s", tmp.msg);
    version = delta_snapshot_version(s);
    delta_snapshot_unref(s);
  }
  /* metrics: compare the file lists (both sorted by path) */
  delta_snapshot *old;
  int rc = delta_snapshot_load(tb.t, version, &old, &tmp);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  const delta_file *cf, *of;
  size_t cn, on;
  rc = delta_snapshot_files(tb.snap, &cf, &cn, &tmp);
  if (rc == LAGO_OK) rc = delta_snapshot_files(old, &of, &on, &tmp);
  int64_t size_after = 0, removed = 0, restored = 0, removed_size = 0, restored_size = 0;
  for (size_t i = 0; rc == LAGO_OK && i < on; i++) size_after += of[i].size;
  size_t i = 0, k = 0;
  while (rc == LAGO_OK && (i < cn || k < on)) {
    int c = i >= cn ? 1 : k >= on ? -1 : strcmp(cf[i].path, of[k].path);
    if (c == 0 && !strcmp(delta_dv_unique_id(q->ar, &cf[i].dv), delta_dv_unique_id(q->ar, &of[k].dv))) {
      i++;
      k++;
    } else if (c < 0 || (c == 0 && i < cn)) {
      removed++;
      removed_size += cf[i].size;
      i++;
      if (c == 0) {
        restored++;
        restored_size += of[k].size;
        k++;
      }
    } else {
      restored++;
      restored_size += of[k].size;
      k++;
    }
  }
  delta_snapshot_unref(old);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  int64_t vout;
  rc = delta_restore(tb.t, version, &vout, &tmp);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  const char *names[6] = {"table_size_after_restore", "num_of_files_after_restore", "num_removed_files",
                          "num_restored_files",       "removed_files_size",         "restored_files_size"};
  int64_t vals[6] = {size_after, (int64_t)on, removed, restored, removed_size, restored_size};
  return rowset_metrics(q, 6, names, vals, &out->rows);
}

/* ---- TRUNCATE ---------------------------------------------------------------------------------- */

static int truncate_table(sql_ctx *q, const sql_stmt *st) {
  sql_table tb;
  TRY(open_table(q, &st->truncate, NULL, st->pos, &tb));
  delta_txn_opts to;
  memset(&to, 0, sizeof to);
  to.operation = "TRUNCATE";
  delta_txn *x;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_txn_begin(tb.t, tb.snap, &to, &x, &tmp);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  rc = delta_txn_remove_all(x, &tmp);
  if (rc) {
    delta_txn_abort(x);
    return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  }
  return sql_commit(q, x, st->pos, NULL);
}

int stmt_maint(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  switch (st->kind) {
    case SQL_S_OPTIMIZE: return optimize(q, st, out);
    case SQL_S_VACUUM: return vacuum(q, st, out);
    case SQL_S_RESTORE: return restore(q, st, out);
    case SQL_S_TRUNCATE: return truncate_table(q, st);
    default: return sql_err_at(q, LAGO_INTERNAL, st->pos, "not a maintenance statement");
  }
}
