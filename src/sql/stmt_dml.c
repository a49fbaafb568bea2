/*
** sql/stmt_dml.c: INSERT INTO / INSERT OVERWRITE (VALUES or a query,
** column lists, BY NAME, REPLACE WHERE), UPDATE and DELETE on Delta tables.
**
** INSERT INTO is a blind append (never conflicts with other appends);
** OVERWRITE removes every live file; REPLACE WHERE c deletes the rows
** matching c (as DELETE does) and inserts the query's rows, which must all
** satisfy c (DELTA_REPLACE_WHERE_MISMATCH otherwise).
**
** UPDATE and DELETE find the target rows with a scan that also yields each
** row's file and position (_metadata.file_path/row_index) and a filter on
** the condition, then:
**   deletion vectors on (delta.enableDeletionVectors, lago's default): the
**     touched rows are marked deleted per file (a file whose rows are all
**     gone is removed) and UPDATE writes the new versions of the rows as new
**     files, all in the same pass;
**   deletion vectors off: a second scan reads only the touched files and
**     writes them again without (DELETE) or with updated (UPDATE: CASE WHEN
**     c THEN new ELSE old END) rows, and the old files are removed.
** DELETE without WHERE removes every file without reading it. With the
** change data feed on, deleted rows, update pre- and post-images are
** written to _change_data/. Everything commits as one Delta transaction
** (conflict checks against the files read).
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sql/dml.h"

#define CK(x)              \
  do {                     \
    rc = (x);              \
    if (rc) goto fail;     \
  } while (0)

static int txn_begin(sql_ctx *q, dml_target *t, const char *op, const char *params, int pos, delta_txn **x) {
  delta_txn_opts o;
  memset(&o, 0, sizeof o);
  o.operation = op;
  o.operation_params = params;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_txn_begin(t->tb.t, t->tb.snap, &o, x, &tmp);
  return rc ? sql_err_at(q, rc, pos, "%s", tmp.msg) : LAGO_OK;
}

static int metric(sql_ctx *q, delta_txn *x, const char *k, int64_t v) {
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_txn_set_metric(x, k, v, &tmp);
  return rc ? LAGO_ERR(q->err, rc, "%s", tmp.msg) : LAGO_OK;
}

/* A JSON object text {"predicate":"..."} for operationParameters. */
static const char *pred_params(sql_ctx *q, const sql_expr *where, const char *extra) {
  buf b, e;
  buf_init(&b);
  buf_init(&e);
  int rc = where ? sql_print_expr(&e, where, 0) : buf_puts(&e, "true");
  if (!rc) rc = buf_puts(&b, "{\"predicate\":\"");
  for (size_t i = 0; !rc && i < e.len; i++) {
    char c = e.data[i];
    if (c == '"' || c == '\\') rc = buf_putc(&b, '\\');
    if (!rc) rc = (unsigned char)c < 0x20 ? buf_printf(&b, "\\u%04x", c) : buf_putc(&b, c);
  }
  if (!rc) rc = buf_putc(&b, '"');
  if (!rc && extra) rc = buf_printf(&b, ",%s", extra);
  if (!rc) rc = buf_putc(&b, '}');
  const char *r = rc ? NULL : arena_strdup(q->ar, buf_cstr(&b));
  buf_deinit(&b);
  buf_deinit(&e);
  return r;
}

/* Column references to the target's table columns (over the GET's ids). */
static expr *tcol(sql_ctx *q, dml_target *t, uint32_t i) { return lp_colref(q, t->get, i); }

/* ---- INSERT ------------------------------------------------------------------------------- */

/* The rows of an INSERT, cast and ordered as the table's columns (a fresh plan each call). */
static int insert_rows(sql_ctx *q, const sql_insert *in, dml_target *tp, lp **out) {
  dml_target t = *tp;
  lp *src;
  TRY(bind_top_query(q, in->query, &src));
  uint32_t n = t.n_cols;
  expr **es = arena_alloc(q->ar, (n ? n : 1) * sizeof *es);
  const char **ns = arena_alloc(q->ar, (n ? n : 1) * sizeof *ns);
  if (!es || !ns) return LAGO_NOMEM_ERR(q->err);
  if (in->n_cols || in->by_name) {
    uint32_t given = in->by_name ? src->n_out : in->n_cols;
    if (!in->by_name && given != src->n_out)
      return sql_err_at(q, LAGO_BIND, in->query->pos,
                        "[INSERT_COLUMN_ARITY_MISMATCH] Cannot write to `%s`: %u columns listed, the data has %u",
                        t.tb.label, given, src->n_out);
    for (uint32_t i = 0; i < n; i++) es[i] = NULL;
    for (uint32_t k = 0; k < given; k++) {
      const char *nm = in->by_name ? src->out[k].name : in->cols[k].name;
      int pos = in->by_name ? in->query->pos : in->cols[k].pos;
      int f = nm ? type_field_index(t.schema, nm) : -1;
      if (f < 0)
        return sql_err_at(q, LAGO_BIND, pos, "[UNRESOLVED_COLUMN] Cannot write to `%s`: it has no column `%s`", t.tb.label,
                          nm ? nm : "?");
      if (es[f]) return sql_err_at(q, LAGO_BIND, pos, "[COLUMN_ALREADY_EXISTS] column `%s` is given twice", nm);
      es[f] = lp_colref(q, src, k);
      if (!es[f]) return LAGO_NOMEM_ERR(q->err);
    }
    for (uint32_t i = 0; i < n; i++)
      if (!es[i] && !(es[i] = expr_null(q->ar, type_field_at(t.schema, i)->type))) return LAGO_NOMEM_ERR(q->err);
  } else {
    if (src->n_out != n)
      return sql_err_at(q, LAGO_BIND, in->query->pos,
                        "[INSERT_COLUMN_ARITY_MISMATCH] Cannot write to `%s`: the table has %u columns, the data has %u",
                        t.tb.label, n, src->n_out);
    for (uint32_t i = 0; i < n; i++)
      if (!(es[i] = lp_colref(q, src, i))) return LAGO_NOMEM_ERR(q->err);
  }
  for (uint32_t i = 0; i < n; i++) {
    const type_field *f = type_field_at(t.schema, i);
    TRY(bind_assign_cast(q, es[i], f->type, f->name, in->query->pos, &es[i]));
    ns[i] = f->name;
  }
  return lp_project(q, src, es, ns, n, out);
}

/*
** INSERT WITH SCHEMA EVOLUTION: the target's schema plus the columns the data
** brings that the table lacks (BY NAME: source names; a column list: the listed
** names; positional: the columns past the table's, with their source names), at
** the end, nullable. *changed is false when nothing is new.
*/
static int evolved_schema(sql_ctx *q, const sql_insert *in, const dml_target *t, lago_type *out, bool *changed) {
  *changed = false;
  lp *src;
  TRY(bind_top_query(q, in->query, &src));
  uint32_t n = t->n_cols, nn = 0;
  type_field *fs = arena_zalloc(q->ar, (n + src->n_out + 1) * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) fs[i] = *type_field_at(t->schema, i);
  uint32_t given = in->by_name ? src->n_out : in->n_cols ? in->n_cols : src->n_out;
  for (uint32_t k = 0; k < given && k < src->n_out; k++) {
    const char *nm = in->n_cols && !in->by_name ? in->cols[k].name : src->out[k].name;
    bool is_new = in->by_name || in->n_cols ? (nm && type_field_index(t->schema, nm) < 0) : k >= n;
    if (!is_new) continue;
    if (!nm) return sql_err_at(q, LAGO_BIND, in->query->pos, "WITH SCHEMA EVOLUTION: data column %u has no name", k + 1);
    for (uint32_t j = 0; j < nn; j++)
      if (!strcasecmp(fs[n + j].name, nm))
        return sql_err_at(q, LAGO_BIND, in->query->pos, "[COLUMN_ALREADY_EXISTS] column `%s` is given twice", nm);
    if (src->out[k].type.id == LT_NULL)
      return sql_err_at(q, LAGO_BIND, in->query->pos,
                        "[INVALID_COLUMN_TYPE] new column `%s` has type VOID (a bare NULL): cast it, e.g. CAST(NULL AS STRING)", nm);
    type_field *f = &fs[n + nn++];
    f->name = nm;
    f->type = src->out[k].type;
    f->nullable = true;
  }
  if (!nn) return LAGO_OK;
  if (type_struct_fields(q->ar, n + nn, fs, out)) return LAGO_NOMEM_ERR(q->err);
  *changed = true;
  return LAGO_OK;
}

static int insert(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_insert *in = &st->insert;
  if (in->n_partition) return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "INSERT ... PARTITION (...) is not supported");
  sql_table_ref tr;
  memset(&tr, 0, sizeof tr);
  tr.kind = SQL_T_NAME;
  tr.pos = in->table.pos;
  tr.name = in->table;
  if (in->table.n_parts == 2 && !strcasecmp(in->table.parts[0].name, "delta") && in->table.parts[1].quoted &&
      strchr(in->table.parts[1].name, '/'))
    tr.format_path = true;
  dml_target t;
  TRY(dml_target_open(q, &tr, &t));
  lago_type evolved;
  bool evolve = false;
  if (in->schema_evolution) {
    /* the rows are bound against the evolved schema; the table's own columns
       (t.get, t.sc: REPLACE WHERE deletes) stay those of the snapshot */
    TRY(evolved_schema(q, in, &t, &evolved, &evolve));
    if (evolve) {
      t.schema = evolved;
      t.n_cols = type_n_fields(evolved);
    }
  }
  uint32_t n = t.n_cols;
  lp *p;
  TRY(insert_rows(q, in, &t, &p));
  /* REPLACE WHERE: the new rows must satisfy the condition */
  expr *rw_new = NULL;
  if (in->replace_where) {
    scope sc;
    memset(&sc, 0, sizeof sc);
    for (uint32_t i = 0; i < n; i++) TRY(scope_add(q, &sc, p->out[i].id, p->out[i].type, p->out[i].name, NULL, false));
    bind_ectx b;
    memset(&b, 0, sizeof b);
    b.q = q;
    b.sc = &sc;
    b.clause = "REPLACE WHERE";
    TRY(bind_bool(&b, in->replace_where, &rw_new));
    /* keep rows; a failing row raises at run time: assert_true-like CASE */
    expr *ok = expr_is_null(q->ar, rw_new, false);
    if (!ok) return LAGO_NOMEM_ERR(q->err);
    expr *chk;
    expr *a[2] = {ok, NULL};
    expr *nt;
    TRY(expr_not(q->ar, rw_new, &nt, q->err));
    a[1] = nt;
    TRY(expr_or(q->ar, a, 2, &chk, q->err));
    /* count the violating rows first, over a separately bound copy of the rows
       (plans are rewritten in place by the optimizer, so they are never shared) */
    lp *viol, *p2;
    TRY(insert_rows(q, in, &t, &p2));
    uint32_t *from = arena_alloc(q->ar, n * sizeof *from);
    expr **to = arena_alloc(q->ar, n * sizeof *to);
    if (!from || !to) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < n; i++) {
      from[i] = p->out[i].id;
      if (!(to[i] = lp_colref(q, p2, i))) return LAGO_NOMEM_ERR(q->err);
    }
    if (!(chk = lpx_subst(q, chk, from, to, n))) return LAGO_NOMEM_ERR(q->err);
    TRY(lp_filter(q, p2, chk, &viol));
    lp *cnt = lp_new(q, LP_AGG, 1, &viol);
    if (!cnt) return LAGO_NOMEM_ERR(q->err);
    agg_call *ac;
    TRY(agg_call_make(q->ar, "count", NULL, 0, false, false, NULL, &ac, q->err));
    cnt->n_out = 1;
    cnt->out = arena_alloc(q->ar, sizeof *cnt->out);
    if (!cnt->out) return LAGO_NOMEM_ERR(q->err);
    cnt->out[0] = (lp_col){sql_new_id(q), ac->b.ret, "n"};
    cnt->u.agg.n_aggs = 1;
    cnt->u.agg.aggs = arena_alloc(q->ar, sizeof(agg_call *));
    if (!cnt->u.agg.aggs) return LAGO_NOMEM_ERR(q->err);
    cnt->u.agg.aggs[0] = ac;
    expr *nv;
    TRY(bind_eval_scalar(q, cnt, in->replace_where->pos, &nv));
    if (nv->kind == EXPR_CONST && vec_is_valid(nv->u.value, 0) && VEC_DATA(nv->u.value, int64_t)[0] > 0)
      return sql_err_at(q, LAGO_RUNTIME, in->replace_where->pos,
                        "[DELTA_REPLACE_WHERE_MISMATCH] Written data does not conform to partial table overwrite "
                        "condition or constraint: %lld row(s) do not satisfy the REPLACE WHERE condition",
                        (long long)VEC_DATA(nv->u.value, int64_t)[0]);
  }
  lp *opt;
  plan *pp;
  TRY(sql_plan_optimize(q, p, &opt));
  TRY(sql_physical(q, opt, &pp));
  const char *params = in->overwrite ? "{\"mode\":\"Overwrite\"}" : "{\"mode\":\"Append\"}";
  if (in->replace_where && !(params = pred_params(q, in->replace_where, "\"mode\":\"Overwrite\""))) return LAGO_NOMEM_ERR(q->err);
  delta_txn *x;
  TRY(txn_begin(q, &t, "WRITE", params, st->pos, &x));
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = LAGO_OK;
  int64_t deleted = 0;
  if (evolve) {
    rc = delta_txn_evolve_schema(x, evolved, &tmp);
    if (rc) rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  }
  if (rc) {
  } else if (in->overwrite && !in->replace_where) {
    rc = delta_txn_remove_all(x, &tmp);
    if (rc) rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  } else if (in->replace_where) {
    /* delete the rows matching the condition (over the table's columns) */
    bind_ectx b;
    memset(&b, 0, sizeof b);
    b.q = q;
    b.sc = t.sc;
    b.clause = "REPLACE WHERE";
    expr *cond;
    lp *g, *opt2;
    plan *p2;
    touch_set *ts;
    rc = bind_bool(&b, in->replace_where, &cond);
    if (rc == LAGO_OK) rc = lp_filter(q, t.get, cond, &g);
    uint32_t mc = source_delta_meta_col(t.src);
    uint32_t ids[2] = {t.get->out[mc].id, t.get->out[mc + 1].id};
    if (rc == LAGO_OK) rc = lp_project_ids(q, g, ids, 2, &g);
    if (rc == LAGO_OK) rc = sql_plan_optimize(q, g, &opt2);
    if (rc == LAGO_OK) rc = sql_physical(q, opt2, &p2);
    if (rc == LAGO_OK) rc = touch_new(q, q->s->n_threads, &ts);
    dml_sink s;
    if (rc == LAGO_OK && (rc = dml_sink_init(q, &s, x)) == LAGO_OK) {
      s.ts = ts;
      s.path_col = 0;
      s.row_col = 1;
      rc = sql_run_plan(q, p2, q->s->n_threads, dml_sink_fn, &s);
      dml_sink_deinit(&s);
    }
    if (rc == LAGO_OK) rc = touch_finish(ts, q->err);
    if (rc == LAGO_OK && !t.use_dv)
      rc = sql_err_at(q, LAGO_UNSUPPORTED, in->replace_where->pos,
                      "INSERT ... REPLACE WHERE needs deletion vectors (delta.enableDeletionVectors) on this table");
    dml_counts c = {0, 0, 0};
    if (rc == LAGO_OK) rc = dml_apply_deletes(q, &t, x, ts, st->pos, &c);
    deleted = rc == LAGO_OK ? (int64_t)touch_rows(ts) : 0;
  }
  int64_t rows = 0;
  if (rc == LAGO_OK) rc = sql_write_plan(q, x, pp, &rows);
  if (rc == LAGO_OK) rc = metric(q, x, "numOutputRows", rows);
  if (rc == LAGO_OK && in->replace_where) rc = metric(q, x, "numDeletedRows", deleted);
  if (rc) {
    delta_txn_abort(x);
    return rc;
  }
  TRY(sql_commit(q, x, st->pos, NULL));
  const char *names[2] = {"num_affected_rows", "num_inserted_rows"};
  int64_t vals[2] = {rows, rows};
  out->rows_affected = rows;
  return rowset_metrics(q, 2, names, vals, &out->rows);
}

/* ---- UPDATE / DELETE -------------------------------------------------------------------------- */

/* SET assignments -> new value per table column (NULL: unchanged). */
static int bind_sets(sql_ctx *q, dml_target *t, bind_ectx *b, const sql_assignment *sets, uint32_t n, expr ***out) {
  expr **nv = arena_zalloc(q->ar, (t->n_cols ? t->n_cols : 1) * sizeof *nv);
  if (!nv) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) {
    const sql_name *c = &sets[i].col;
    const char *nm = c->parts[c->n_parts - 1].name;
    if (c->n_parts > 1) {
      /* t.col: the qualifier must name the target */
      bool ok = false;
      for (uint32_t k = 0; k < t->sc->n && !ok; k++) {
        const scope_col *sc = &t->sc->cols[k];
        ok = sql_ident_eq(sc->name, nm) && sc->qual[2] && sql_ident_eq(sc->qual[2], c->parts[c->n_parts - 2].name);
      }
      if (!ok)
        return sql_err_at(q, LAGO_BIND, c->pos, "[UNRESOLVED_COLUMN] `%s.%s` is not a column of the target table",
                          c->parts[c->n_parts - 2].name, nm);
    }
    int f = type_field_index(t->schema, nm);
    if (f < 0)
      return sql_err_at(q, LAGO_BIND, c->pos, "[UNRESOLVED_COLUMN] A column with name '%s' cannot be resolved in the target table",
                        nm);
    if (nv[f]) return sql_err_at(q, LAGO_BIND, c->pos, "[DUPLICATE_ASSIGNMENTS] The column `%s` is assigned twice", nm);
    expr *e;
    TRY(bind_expr(b, sets[i].value, &e));
    TRY(bind_fold(q, e, &e));
    const type_field *fd = type_field_at(t->schema, (uint32_t)f);
    TRY(bind_assign_cast(q, e, fd->type, fd->name, sets[i].value->pos, &nv[f]));
  }
  *out = nv;
  return LAGO_OK;
}

static int update_delete(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  bool is_update = st->kind == SQL_S_UPDATE;
  const sql_table_ref *tr = is_update ? st->update.table : st->del.table;
  const sql_expr *where = is_update ? st->update.where : st->del.where;
  dml_target t;
  TRY(dml_target_open(q, tr, &t));
  bind_ectx b;
  memset(&b, 0, sizeof b);
  b.q = q;
  b.sc = t.sc;
  b.clause = "WHERE";
  lp *base = t.get;
  b.plan = &base; /* subqueries in WHERE join here */
  expr *cond = NULL;
  if (where) {
    TRY(bind_bool(&b, where, &cond));
    TRY(bind_fold(q, cond, &cond));
  }
  b.plan = NULL;
  expr **nv = NULL;
  if (is_update) {
    b.clause = "SET";
    TRY(bind_sets(q, &t, &b, st->update.sets, st->update.n_sets, &nv));
  }
  const char *params = pred_params(q, where, NULL);
  if (!params) return LAGO_NOMEM_ERR(q->err);
  delta_txn *x;
  TRY(txn_begin(q, &t, is_update ? "UPDATE" : "DELETE", params, st->pos, &x));
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = LAGO_OK;
  int64_t affected = 0, copied = 0;
  dml_counts c = {0, 0, 0};
  uint32_t mc = source_delta_meta_col(t.src);
  uint32_t n = t.n_cols;

  if (!is_update && !cond && !t.cdf) {
    /* DELETE without a condition: drop every file without reading it */
    for (size_t i = 0; i < t.n_files; i++) {
      int64_t live = dml_file_rows(q, &t.files[i]);
      affected += live > 0 ? live : 0;
    }
    rc = delta_txn_remove_all(x, &tmp);
    if (rc) rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
    c.removed_files = (int64_t)t.n_files;
    goto commit;
  }
  /* pass 1: the touched rows (and, with deletion vectors, the new rows) */
  lp *p = base;
  if (cond) CK(lp_filter(q, p, cond, &p));
  /* columns: file, row [, new values (UPDATE, DV)] [, old values (CDF)] */
  {
    bool write_new = is_update && t.use_dv;
    bool old_vals = t.cdf && t.use_dv;
    uint32_t ncol = 2 + (write_new ? n : 0) + (old_vals ? n : 0);
    expr **es = arena_alloc(q->ar, ncol * sizeof *es);
    if (!es) CK(LAGO_NOMEM_ERR(q->err));
    uint32_t k = 0;
    es[k++] = tcol(q, &t, mc);
    es[k++] = tcol(q, &t, mc + 1);
    uint32_t new_from = k;
    if (write_new)
      for (uint32_t i = 0; i < n; i++) es[k++] = nv[i] ? nv[i] : tcol(q, &t, i);
    uint32_t old_from = k;
    if (old_vals)
      for (uint32_t i = 0; i < n; i++) es[k++] = tcol(q, &t, i);
    for (uint32_t i = 0; i < k; i++)
      if (!es[i]) CK(LAGO_NOMEM_ERR(q->err));
    lp *pj, *opt;
    plan *pp;
    touch_set *ts;
    dml_sink s;
    rc = lp_project(q, p, es, NULL, k, &pj);
    if (rc == LAGO_OK) rc = sql_plan_optimize(q, pj, &opt);
    if (rc == LAGO_OK) rc = sql_physical(q, opt, &pp);
    if (rc == LAGO_OK) rc = touch_new(q, q->s->n_threads, &ts);
    if (rc == LAGO_OK) rc = dml_sink_init(q, &s, x);
    if (rc) goto fail;
    s.ts = ts;
    s.path_col = 0;
    s.row_col = 1;
    s.n_table_cols = n;
    if (write_new) {
      s.write_from = new_from;
      s.n_write = n;
    }
    if (old_vals) {
      s.cdc_from[s.n_cdc] = old_from;
      s.cdc_type[s.n_cdc++] = is_update ? "update_preimage" : "delete";
      if (is_update) {
        s.cdc_from[s.n_cdc] = new_from;
        s.cdc_type[s.n_cdc++] = "update_postimage";
      }
    }
    rc = sql_run_plan(q, pp, q->s->n_threads, dml_sink_fn, &s);
    dml_sink_deinit(&s);
    if (rc == LAGO_OK) rc = touch_finish(ts, q->err);
    if (rc) goto fail;
    affected = (int64_t)touch_rows(ts);
    /* record what was read for conflict checks: every file the scan could have matched */
    for (uint32_t i = 0; i < touch_n_slots(ts) && rc == LAGO_OK; i++) {
      const uint64_t *rows;
      size_t nr;
      const char *path = touch_slot(ts, i, &rows, &nr);
      const delta_file *f = path ? dml_target_file(&t, path) : NULL;
      if (f) rc = delta_txn_read_file(x, f, &tmp) ? sql_err_at(q, LAGO_NOMEM, st->pos, "%s", tmp.msg) : LAGO_OK;
    }
    if (rc) goto fail;
    if (t.use_dv) {
      rc = dml_apply_deletes(q, &t, x, ts, st->pos, &c);
      if (rc) goto fail;
      if (write_new) c.added_files++;
      goto commit;
    }
    /* pass 2 (no deletion vectors): rewrite the touched files */
    if (affected == 0) goto commit;
    lp *g;
    CK(lp_get(q, t.src, t.tb.label, &g));
    source_delta_restrict(t.src, ts);
    /* g has fresh ids: rebind cond and new values over them */
    uint32_t *from = arena_alloc(q->ar, (n + 2) * sizeof *from);
    expr **to = arena_alloc(q->ar, (n + 2) * sizeof *to);
    if (!from || !to) CK(LAGO_NOMEM_ERR(q->err));
    for (uint32_t i = 0; i < n + 2; i++) {
      from[i] = t.get->out[i].id;
      if (!(to[i] = lp_colref(q, g, i))) CK(LAGO_NOMEM_ERR(q->err));
    }
    expr *c2 = cond ? lpx_subst(q, cond, from, to, n + 2) : NULL;
    expr **ws = arena_alloc(q->ar, (2 * n + 2) * sizeof *ws);
    const char **wn = arena_alloc(q->ar, (2 * n + 2) * sizeof *wn);
    if (!ws || !wn || (cond && !c2)) CK(LAGO_NOMEM_ERR(q->err));
    lp *src2 = g;
    if (!is_update) {
      /* keep the rows where the condition is not TRUE */
      expr *keep = expr_is_null(q->ar, c2, false), *nt;
      if (!keep) CK(LAGO_NOMEM_ERR(q->err));
      CK(expr_not(q->ar, c2, &nt, q->err));
      expr *a[2] = {keep, nt};
      CK(expr_or(q->ar, a, 2, &keep, q->err));
      CK(lp_filter(q, g, keep, &src2));
    }
    uint32_t k2 = 0;
    for (uint32_t i = 0; i < n; i++) {
      expr *old = lp_colref(q, g, i);
      if (!old) CK(LAGO_NOMEM_ERR(q->err));
      if (is_update && nv[i]) {
        expr *newv = lpx_subst(q, nv[i], from, to, n + 2), *cs;
        if (!newv) CK(LAGO_NOMEM_ERR(q->err));
        CK(expr_case(q->ar, &c2, &newv, 1, old, &cs, q->err));
        ws[k2] = cs;
      } else {
        ws[k2] = old;
      }
      wn[k2++] = type_field_at(t.schema, i)->name;
    }
    lp *pw, *opt2;
    plan *pp2;
    CK(lp_project(q, src2, ws, wn, k2, &pw));
    CK(sql_plan_optimize(q, pw, &opt2));
    CK(sql_physical(q, opt2, &pp2));
    rc = sql_write_plan(q, x, pp2, &copied);
    if (rc) goto fail;
    if (t.cdf) {
      /* change rows of the rewrite path: pre-images (and post-images) of the matching rows */
      lp *gm, *pm, *opt3;
      plan *pp3;
      CK(lp_filter(q, g, c2, &gm));
      expr **cs = arena_alloc(q->ar, 2 * n * sizeof *cs);
      if (!cs) CK(LAGO_NOMEM_ERR(q->err));
      for (uint32_t i = 0; i < n; i++) {
        cs[i] = lp_colref(q, g, i);
        cs[n + i] = is_update && nv[i] ? lpx_subst(q, nv[i], from, to, n + 2) : lp_colref(q, g, i);
        if (!cs[i] || !cs[n + i]) CK(LAGO_NOMEM_ERR(q->err));
      }
      CK(lp_project(q, gm, cs, NULL, is_update ? 2 * n : n, &pm));
      CK(sql_plan_optimize(q, pm, &opt3));
      CK(sql_physical(q, opt3, &pp3));
      dml_sink s2;
      CK(dml_sink_init(q, &s2, x));
      s2.n_table_cols = n;
      s2.cdc_from[s2.n_cdc] = 0;
      s2.cdc_type[s2.n_cdc++] = is_update ? "update_preimage" : "delete";
      if (is_update) {
        s2.cdc_from[s2.n_cdc] = n;
        s2.cdc_type[s2.n_cdc++] = "update_postimage";
      }
      rc = sql_run_plan(q, pp3, q->s->n_threads, dml_sink_fn, &s2);
      dml_sink_deinit(&s2);
      if (rc) goto fail;
    }
    for (uint32_t i = 0; i < touch_n_slots(ts) && rc == LAGO_OK; i++) {
      const uint64_t *rows;
      size_t nr;
      const char *path = touch_slot(ts, i, &rows, &nr);
      const delta_file *f = path ? dml_target_file(&t, path) : NULL;
      if (!f) continue;
      rc = delta_txn_remove_file(x, f, true, &tmp);
      if (rc) rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
      c.removed_files++;
    }
    if (rc) goto fail;
    copied -= is_update ? affected : 0;
  }
commit:
  if (rc == LAGO_OK) rc = metric(q, x, is_update ? "numUpdatedRows" : "numDeletedRows", affected);
  if (rc == LAGO_OK) rc = metric(q, x, "numCopiedRows", copied);
  if (rc == LAGO_OK) rc = metric(q, x, "numRemovedFiles", c.removed_files);
  if (rc == LAGO_OK) rc = metric(q, x, "numDeletionVectorsAdded", c.dv_files);
  if (rc) goto fail;
  TRY(sql_commit(q, x, st->pos, NULL));
  {
    const char *names[1] = {"num_affected_rows"};
    int64_t vals[1] = {affected};
    out->rows_affected = affected;
    return rowset_metrics(q, 1, names, vals, &out->rows);
  }
fail:
  delta_txn_abort(x);
  return rc;
}

int stmt_insert(sql_ctx *q, const sql_stmt *st, stmt_out *out) { return insert(q, st, out); }
int stmt_update_delete(sql_ctx *q, const sql_stmt *st, stmt_out *out) { return update_delete(q, st, out); }
