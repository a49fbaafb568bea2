/*
** sql/stmt_merge.c: MERGE INTO target USING source ON cond WHEN ... with
** every clause form (Delta Lake semantics, FEATURES.md §1.2/§2.2):
**   WHEN MATCHED [AND c] THEN UPDATE SET * | UPDATE SET col = e, .. | DELETE
**   WHEN NOT MATCHED [BY TARGET] [AND c] THEN INSERT * | INSERT (cols) VALUES (..)
**   WHEN NOT MATCHED BY SOURCE [AND c] THEN UPDATE SET .. | DELETE
** Clauses of each kind are tried in order; the first whose condition is TRUE
** applies; no TRUE condition leaves the row alone. `*` forms take the
** target's columns by name from the source (extra source columns ignored;
** with MERGE WITH SCHEMA EVOLUTION they are added to the target, DVs needed).
** Unlisted INSERT columns are NULL; values are cast to the column types.
**
** Plan:
**   1. the source query runs once into memory (Delta materialises it too),
**      and the min/max of its join keys (ON conjuncts target.col = source
**      expression) are computed;
**   2. the target is scanned with _metadata.file_path/row_index, with those
**      ranges and the ON's target-only conjuncts pushed down as hints, so only
**      files whose statistics or partition values can match are read
**      (unless there are NOT MATCHED BY SOURCE clauses, which need every
**      target row); only the target columns the clauses use are decoded;
**   3. a hash join (target probes, the source is the build side: INNER, RIGHT
**      with inserts, LEFT with BY SOURCE clauses, FULL with both) feeds one
**      CASE expression that numbers the applying clause and one CASE per
**      target column giving the new value; a parallel sink records the
**      target rows to remove (deletion vectors, or a rewrite of their files
**      when DVs are off) and writes updated and inserted rows as new files;
**   4. several source rows matching one target row is an error
**      ([DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE], listing
**      the offending target keys), except when the only MATCHED clause is an
**      unconditional DELETE, as in Delta;
**   5. one transaction commits it all, with Delta's operation metrics
**      (numSourceRows, numTargetRows{Inserted,Updated,Deleted,Copied},
**      numTargetFiles{Added,Removed}, numTargetDeletionVectorsAdded, ...).
** With the change data feed on, pre/post images, deletes and inserts are
** written to _change_data/ in the same pass.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/dml.h"
#include "util/alloc.h"

#define CK(x)          \
  do {                 \
    rc = (x);          \
    if (rc) goto fail; \
  } while (0)

enum { ACT_NONE = 0, ACT_UPDATE = 1, ACT_DELETE = 2, ACT_INSERT = 3 };

typedef struct merge_sink {
  dml_sink base;            /* transaction writes, touched rows */
  uint32_t action_col;      /* INT column: clause number + 1 (0 = none) */
  uint8_t *kind;            /* per clause number: ACT_* */
  uint32_t n_clauses;
  uint32_t path_col, row_col, new_from, old_from;
  uint32_t n;               /* table columns */
  bool cdf;
  arena **thr;              /* per-thread scratch for selections */
  int64_t updated, deleted, inserted; /* under base.mu */
} merge_sink;

static int merge_sink_fn(void *ud, int thread, batch *b, lago_err *err) {
  merge_sink *m = ud;
  if (!b->n_rows) return LAGO_OK;
  arena *ar = m->thr[thread];
  arena_reset(ar);
  uint32_t n = b->n_rows;
  uint32_t *del = arena_alloc(ar, n * sizeof *del), *upd = arena_alloc(ar, n * sizeof *upd),
           *ins = arena_alloc(ar, n * sizeof *ins), *touch = arena_alloc(ar, n * sizeof *touch);
  if (!del || !upd || !ins || !touch) return LAGO_NOMEM_ERR(err);
  uint32_t nd = 0, nu = 0, ni = 0, nt = 0;
  vec_view av;
  vec_view_init(&av, &b->cols[m->action_col]);
  const int32_t *ad = av.data;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = b->sel ? b->sel[i] : i;
    int32_t a = VIEW_VALID(&av, r) ? ad[VIEW_IDX(&av, r)] : 0;
    if (a <= 0 || (uint32_t)a > m->n_clauses) continue;
    switch (m->kind[a - 1]) {
      case ACT_UPDATE:
        upd[nu++] = r;
        touch[nt++] = r;
        break;
      case ACT_DELETE:
        del[nd++] = r;
        touch[nt++] = r;
        break;
      case ACT_INSERT: ins[ni++] = r; break;
      default: break;
    }
  }
  if (nt) TRY(touch_add(m->base.ts, thread, &b->cols[m->path_col], &b->cols[m->row_col], touch, nt, err));
  pthread_mutex_lock(&m->base.mu);
  m->deleted += nd;
  m->updated += nu;
  m->inserted += ni;
  pthread_mutex_unlock(&m->base.mu);
  if (!nu && !ni && !(m->cdf && nd)) return LAGO_OK;
  int rc = LAGO_OK;
  /* new rows: updates and inserts together, into this thread's own files */
  uint32_t nw = nu + ni;
  if (nw) {
    uint32_t *w = arena_alloc(ar, nw * sizeof *w);
    if (!w) return LAGO_NOMEM_ERR(err);
    /* keep physical order: merge the two ascending lists */
    uint32_t a = 0, c = 0, k = 0;
    while (a < nu || c < ni) w[k++] = c >= ni || (a < nu && upd[a] < ins[c]) ? upd[a++] : ins[c++];
    batch x;
    x.n_cols = m->n;
    x.n_rows = nw;
    x.sel = w;
    x.ar = ar;
    x.cols = b->cols + m->new_from;
    rc = delta_txn_write_shard(m->base.x, (uint32_t)thread, &x, err);
  }
  if (rc == LAGO_OK && m->cdf) {
    struct {
      uint32_t *sel, n, from;
      const char *type;
    } parts[4] = {{upd, nu, m->old_from, "update_preimage"},
                  {upd, nu, m->new_from, "update_postimage"},
                  {del, nd, m->old_from, "delete"},
                  {ins, ni, m->new_from, "insert"}};
    for (int p = 0; p < 4 && rc == LAGO_OK; p++) {
      if (!parts[p].n) continue;
      batch x;
      x.n_cols = m->n + 1;
      x.n_rows = parts[p].n;
      x.sel = parts[p].sel;
      x.ar = ar;
      x.cols = arena_alloc(ar, (m->n + 1) * sizeof(vec));
      uint32_t phys = parts[p].sel[parts[p].n - 1] + 1;
      vec *ct = vec_new(ar, type_make(LT_STRING), 1);
      if (!x.cols || !ct || vec_set_str(ct, 0, parts[p].type, (uint32_t)strlen(parts[p].type)) ||
          vec_make_const(ct, phys)) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      ct->len = phys;
      memcpy(x.cols, b->cols + parts[p].from, m->n * sizeof(vec));
      x.cols[m->n] = *ct;
      rc = delta_txn_write_cdc_shard(m->base.x, (uint32_t)thread, &x, err);
    }
  }
  return rc;
}

/* ---- source materialisation ------------------------------------------------------------- */

typedef struct mat_sink {
  memsource *ms;
  pthread_mutex_t mu;
  int64_t rows;
} mat_sink;

static int mat_fn(void *ud, int thread, batch *b, lago_err *err) {
  (void)thread;
  mat_sink *m = ud;
  if (!b->n_rows) return LAGO_OK;
  pthread_mutex_lock(&m->mu);
  int rc = memsource_append(m->ms, b);
  m->rows += b->n_rows;
  pthread_mutex_unlock(&m->mu);
  return rc ? LAGO_NOMEM_ERR(err) : LAGO_OK;
}

static void ms_free(void *p) { memsource_free(p); }

/* ---- binding helpers --------------------------------------------------------------------- */

/* The source column named like target column `name` (unqualified, unique), or NULL. */
static const scope_col *source_col(const scope *ss, const char *name) {
  const scope_col *hit = NULL;
  for (uint32_t i = 0; i < ss->n; i++) {
    const scope_col *c = &ss->cols[i];
    if (c->hidden || c->qual_only || !sql_ident_eq(c->name, name)) continue;
    if (hit && hit->id != c->id) return NULL;
    hit = c;
  }
  return hit;
}

/* Is e a reference to one of the target GET's table columns? Returns the column or -1. */
static int target_col_of(const dml_target *t, const expr *e) {
  while (e->kind == EXPR_CAST) e = e->args[0];
  if (e->kind != EXPR_COLUMN) return -1;
  for (uint32_t i = 0; i < t->n_cols; i++)
    if (t->get->out[i].id == e->u.col) return (int)i;
  return -1;
}

static bool only_ids_of(const expr *e, const lp *n) { return lpx_within(e, n); }

/* ---- MERGE --------------------------------------------------------------------------------- */

typedef struct key_pair {
  uint32_t tcol;   /* target column */
  expr *sexpr;     /* source-side expression (over the source plan's ids) */
} key_pair;

/* Text of the target keys of the duplicated rows (for the error message). */
static int dup_message(sql_ctx *q, dml_target *t, touch_set *ts, const key_pair *kp, uint32_t nkp, buf *msg) {
  /* scan the target again, keeping the recorded (file, row) pairs */
  const char *path;
  uint64_t row;
  lp *g;
  TRY(lp_get(q, t->src, t->tb.label, &g));
  uint32_t mc = source_delta_meta_col(t->src);
  expr *any = NULL;
  for (uint32_t i = 0; touch_dup_at(ts, i, &path, &row); i++) {
    expr *pe = expr_str(q->ar, path), *re = expr_bigint(q->ar, (int64_t)row), *c1, *c2, *both;
    expr *pc = lp_colref(q, g, mc), *rcl = lp_colref(q, g, mc + 1);
    if (!pe || !re || !pc || !rcl) return LAGO_NOMEM_ERR(q->err);
    expr *a1[2] = {pc, pe}, *a2[2] = {rcl, re};
    TRY(expr_call(q->ar, "=", a1, 2, &c1, q->err));
    TRY(expr_call(q->ar, "=", a2, 2, &c2, q->err));
    expr *a3[2] = {c1, c2};
    TRY(expr_and(q->ar, a3, 2, &both, q->err));
    if (!any) any = both;
    else {
      expr *a4[2] = {any, both};
      TRY(expr_or(q->ar, a4, 2, &any, q->err));
    }
  }
  if (!any) return LAGO_OK;
  TRY(lp_filter(q, g, any, &g));
  uint32_t nk = nkp ? nkp : t->n_cols;
  uint32_t *ids = arena_alloc(q->ar, nk * sizeof *ids);
  if (!ids) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < nk; i++) ids[i] = g->child[0]->out[nkp ? kp[i].tcol : i].id;
  TRY(lp_project_ids(q, g, ids, nk, &g));
  lp *opt;
  plan *p;
  TRY(sql_plan_optimize(q, g, &opt));
  TRY(sql_physical(q, opt, &p));
  exec_query *eq;
  TRY(exec_open(q->cx, p, &eq, q->err));
  int rc = LAGO_OK, shown = 0;
  for (;;) {
    batch *b;
    rc = exec_next(eq, &b, q->err);
    if (rc || !b->n_rows) break;
    for (uint32_t r = 0; r < b->n_rows && shown < 5; r++, shown++) {
      buf_puts(msg, shown ? "; " : "");
      for (uint32_t c = 0; c < nk; c++) {
        buf_printf(msg, "%s%s=", c ? ", " : "", opt->out[c].name ? opt->out[c].name : "?");
        cast_value_to_text(&b->cols[c], batch_row(b, r), msg);
      }
    }
  }
  exec_close(eq);
  return rc;
}

/*
** MERGE WITH SCHEMA EVOLUTION: with an UPDATE SET * or INSERT * clause, the
** source columns the target lacks are added at its end (nullable, the source's
** types), as Delta does. *changed is false when nothing is new.
*/
static int merge_evolved_schema(sql_ctx *q, const sql_merge *mg, const dml_target *t, const lp *sp, lago_type *out,
                                bool *changed) {
  *changed = false;
  bool star = false;
  for (uint32_t i = 0; i < mg->n_clauses; i++)
    star |= mg->clauses[i].action == SQL_MERGE_UPDATE_STAR || mg->clauses[i].action == SQL_MERGE_INSERT_STAR;
  if (!star) return LAGO_OK;
  uint32_t n = t->n_cols, nn = 0;
  type_field *fs = arena_zalloc(q->ar, (n + sp->n_out + 1) * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < n; i++) fs[i] = *type_field_at(t->schema, i);
  for (uint32_t k = 0; k < sp->n_out; k++) {
    const char *nm = sp->out[k].name;
    if (!nm || type_field_index(t->schema, nm) >= 0) continue;
    bool dup = false;
    for (uint32_t j = 0; j < nn && !dup; j++) dup = !strcasecmp(fs[n + j].name, nm);
    if (dup) continue;
    if (sp->out[k].type.id == LT_NULL)
      return sql_err_at(q, LAGO_BIND, mg->source->pos,
                        "[INVALID_COLUMN_TYPE] new column `%s` has type VOID (a bare NULL): cast it, e.g. CAST(NULL AS STRING)", nm);
    type_field *f = &fs[n + nn++];
    f->name = nm;
    f->type = sp->out[k].type;
    f->nullable = true;
  }
  if (!nn) return LAGO_OK;
  if (type_struct_fields(q->ar, n + nn, fs, out)) return LAGO_NOMEM_ERR(q->err);
  *changed = true;
  return LAGO_OK;
}

int stmt_merge(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_merge *mg = &st->merge;
  dml_target t;
  TRY(dml_target_open(q, mg->target, &t));
  /* n: columns written (the table's, plus with schema evolution the source's new ones at the end);
     n_old: the table's (t.get reads those) */
  uint32_t n = t.n_cols, n_old = t.n_cols, mc = source_delta_meta_col(t.src);
  lago_type tsch = t.schema;
  /* the source: bound, then materialised below */
  scope ss;
  memset(&ss, 0, sizeof ss);
  lp *sp;
  TRY(bind_table_ref(q, mg->source, &ss, NULL, &sp));
  bool evolve = false;
  if (mg->schema_evolution) TRY(merge_evolved_schema(q, mg, &t, sp, &tsch, &evolve));
  if (evolve) {
    if (!t.use_dv)
      return sql_err_at(q, LAGO_UNSUPPORTED, st->pos,
                        "MERGE WITH SCHEMA EVOLUTION needs deletion vectors (delta.enableDeletionVectors) on this table");
    n = type_n_fields(tsch);
  }
  /* clause kinds */
  bool has_ins = false, has_bys = false, has_matched = false;
  for (uint32_t i = 0; i < mg->n_clauses; i++) {
    has_ins |= mg->clauses[i].match == SQL_MERGE_NOT_MATCHED;
    has_bys |= mg->clauses[i].match == SQL_MERGE_NOT_MATCHED_BY_SOURCE;
    has_matched |= mg->clauses[i].match == SQL_MERGE_MATCHED;
  }
  /* materialise the source with a non-null marker column */
  uint32_t sn = 0;
  for (uint32_t i = 0; i < sp->n_out; i++) sn++;
  expr **se = arena_alloc(q->ar, (sn + 1) * sizeof *se);
  const char **snm = arena_alloc(q->ar, (sn + 1) * sizeof *snm);
  if (!se || !snm) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < sn; i++) {
    se[i] = lp_colref(q, sp, i);
    snm[i] = sp->out[i].name;
    if (!se[i]) return LAGO_NOMEM_ERR(q->err);
  }
  if (!(se[sn] = expr_bool(q->ar, true))) return LAGO_NOMEM_ERR(q->err);
  /* the source's ids before the optimizer rewrites its plan in place */
  uint32_t *from = arena_alloc(q->ar, (sn + 1) * sizeof *from);
  if (!from) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < sn; i++) from[i] = sp->out[i].id;
  snm[sn] = "__lago_source_row";
  lp *spj, *sopt;
  plan *spl;
  TRY(lp_project(q, sp, se, snm, sn + 1, &spj));
  TRY(sql_plan_optimize(q, spj, &sopt));
  TRY(sql_physical(q, sopt, &spl));
  memsource *ms = memsource_new(spl->n_cols, spl->types, spl->names, "merge source");
  if (!ms) return LAGO_NOMEM_ERR(q->err);
  TRY(sql_defer(q, ms_free, ms));
  mat_sink mat;
  memset(&mat, 0, sizeof mat);
  mat.ms = ms;
  pthread_mutex_init(&mat.mu, NULL);
  int rc = sql_run_plan(q, spl, q->s->n_threads, mat_fn, &mat);
  pthread_mutex_destroy(&mat.mu);
  TRY(rc);
  int64_t n_source = mat.rows;
  /* a GET over the materialised source, with the source scope's ids mapped onto it */
  lp *mg_src;
  TRY(lp_get(q, memsource_source(ms), "merge source", &mg_src));
  mg_src->est_rows = (double)n_source;
  expr **to = arena_alloc(q->ar, (sn + 1) * sizeof *to);
  if (!to) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < sn; i++)
    if (!(to[i] = lp_colref(q, mg_src, i))) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < ss.n; i++)
    for (uint32_t k = 0; k < sn; k++)
      if (ss.cols[i].id == from[k]) ss.cols[i].id = mg_src->out[k].id;
  expr *src_marker = lp_colref(q, mg_src, sn);
  if (!src_marker) return LAGO_NOMEM_ERR(q->err);

  /* scopes: target + source for ON and MATCHED; source only for NOT MATCHED; target only for BY SOURCE */
  scope both;
  memset(&both, 0, sizeof both);
  TRY(scope_append(q, &both, t.sc));
  TRY(scope_append(q, &both, &ss));
  bind_ectx b;
  memset(&b, 0, sizeof b);
  b.q = q;
  b.sc = &both;
  b.clause = "the MERGE condition";
  expr *on;
  TRY(bind_bool(&b, mg->on, &on));
  TRY(bind_fold(q, on, &on));

  /* clauses: condition, kind, new values */
  uint32_t nc = mg->n_clauses;
  uint8_t *kind = arena_zalloc(q->ar, nc * sizeof *kind);
  expr **conds = arena_zalloc(q->ar, nc * sizeof *conds);
  expr ***vals = arena_zalloc(q->ar, nc * sizeof *vals);
  if (!kind || !conds || !vals) return LAGO_NOMEM_ERR(q->err);
  bool single_uncond_delete = false;
  uint32_t n_matched = 0;
  for (uint32_t i = 0; i < nc; i++) {
    const sql_merge_clause *c = &mg->clauses[i];
    scope *csc = c->match == SQL_MERGE_MATCHED ? &both : c->match == SQL_MERGE_NOT_MATCHED ? &ss : t.sc;
    b.sc = csc;
    b.clause = c->match == SQL_MERGE_NOT_MATCHED ? "WHEN NOT MATCHED" : c->match == SQL_MERGE_MATCHED ? "WHEN MATCHED"
                                                                                                     : "WHEN NOT MATCHED BY SOURCE";
    if (c->cond) {
      TRY(bind_bool(&b, c->cond, &conds[i]));
      TRY(bind_fold(q, conds[i], &conds[i]));
    }
    if (c->match == SQL_MERGE_MATCHED) n_matched++;
    switch (c->action) {
      case SQL_MERGE_DELETE: kind[i] = ACT_DELETE; break;
      case SQL_MERGE_UPDATE:
      case SQL_MERGE_UPDATE_STAR: {
        kind[i] = ACT_UPDATE;
        expr **v = arena_zalloc(q->ar, n * sizeof *v);
        if (!v) return LAGO_NOMEM_ERR(q->err);
        if (c->action == SQL_MERGE_UPDATE_STAR) {
          for (uint32_t k = 0; k < n; k++) {
            const type_field *f = type_field_at(tsch, k);
            const scope_col *scc = source_col(&ss, f->name);
            if (!scc)
              return sql_err_at(q, LAGO_BIND, c->pos,
                                "[DELTA_MERGE_UNRESOLVED_EXPRESSION] UPDATE SET *: the source has no column `%s` of the target",
                                f->name);
            expr *e = expr_column(q->ar, scc->id, scc->type, scc->name);
            if (!e) return LAGO_NOMEM_ERR(q->err);
            TRY(bind_assign_cast(q, e, f->type, f->name, c->pos, &v[k]));
          }
        } else {
          for (uint32_t k = 0; k < c->n_sets; k++) {
            const sql_name *cn = &c->sets[k].col;
            const char *nm = cn->parts[cn->n_parts - 1].name;
            int f = type_field_index(tsch, nm);
            if (f < 0 || cn->n_parts > 2)
              return sql_err_at(q, LAGO_BIND, cn->pos, "[DELTA_MERGE_UNRESOLVED_EXPRESSION] `%s` is not a column of the target", nm);
            if (v[f]) return sql_err_at(q, LAGO_BIND, cn->pos, "[DUPLICATE_ASSIGNMENTS] The column `%s` is assigned twice", nm);
            expr *e;
            TRY(bind_expr(&b, c->sets[k].value, &e));
            TRY(bind_fold(q, e, &e));
            const type_field *fd = type_field_at(tsch, (uint32_t)f);
            TRY(bind_assign_cast(q, e, fd->type, fd->name, c->sets[k].value->pos, &v[f]));
          }
        }
        vals[i] = v;
        break;
      }
      case SQL_MERGE_INSERT:
      case SQL_MERGE_INSERT_STAR: {
        kind[i] = ACT_INSERT;
        expr **v = arena_zalloc(q->ar, n * sizeof *v);
        if (!v) return LAGO_NOMEM_ERR(q->err);
        if (c->action == SQL_MERGE_INSERT_STAR) {
          for (uint32_t k = 0; k < n; k++) {
            const type_field *f = type_field_at(tsch, k);
            const scope_col *scc = source_col(&ss, f->name);
            if (!scc)
              return sql_err_at(q, LAGO_BIND, c->pos,
                                "[DELTA_MERGE_UNRESOLVED_EXPRESSION] INSERT *: the source has no column `%s` of the target",
                                f->name);
            expr *e = expr_column(q->ar, scc->id, scc->type, scc->name);
            if (!e) return LAGO_NOMEM_ERR(q->err);
            TRY(bind_assign_cast(q, e, f->type, f->name, c->pos, &v[k]));
          }
        } else {
          for (uint32_t k = 0; k < c->n_insert_cols; k++) {
            const sql_name *cn = &c->insert_cols[k];
            const char *nm = cn->parts[cn->n_parts - 1].name;
            int f = type_field_index(tsch, nm);
            if (f < 0)
              return sql_err_at(q, LAGO_BIND, cn->pos, "[DELTA_MERGE_UNRESOLVED_EXPRESSION] `%s` is not a column of the target", nm);
            if (v[f]) return sql_err_at(q, LAGO_BIND, cn->pos, "[DUPLICATE_ASSIGNMENTS] The column `%s` is given twice", nm);
            expr *e;
            TRY(bind_expr(&b, c->insert_values[k], &e));
            TRY(bind_fold(q, e, &e));
            const type_field *fd = type_field_at(tsch, (uint32_t)f);
            TRY(bind_assign_cast(q, e, fd->type, fd->name, c->insert_values[k]->pos, &v[f]));
          }
          for (uint32_t k = 0; k < n; k++)
            if (!v[k] && !(v[k] = expr_null(q->ar, type_field_at(tsch, k)->type))) return LAGO_NOMEM_ERR(q->err);
        }
        vals[i] = v;
        break;
      }
    }
  }
  for (uint32_t i = 0; i < nc; i++)
    if (mg->clauses[i].match == SQL_MERGE_MATCHED)
      single_uncond_delete = n_matched == 1 && kind[i] == ACT_DELETE && !conds[i];

  /* join keys: ON conjuncts target.col = source expression */
  expr **cj = NULL;
  uint32_t ncj = 0, ccj = 0;
  TRY(lpx_conjuncts(q, on, &cj, &ncj, &ccj));
  key_pair *kp = arena_alloc(q->ar, (ncj ? ncj : 1) * sizeof *kp);
  if (!kp) return LAGO_NOMEM_ERR(q->err);
  uint32_t nkp = 0;
  for (uint32_t i = 0; i < ncj; i++) {
    expr *c = cj[i];
    if (c->kind != EXPR_CALL || c->n_args != 2 || !c->u.call.def || strcmp(c->u.call.def->name, "=")) continue;
    for (int side = 0; side < 2; side++) {
      int tc = target_col_of(&t, c->args[side]);
      expr *o = c->args[1 - side];
      if (tc >= 0 && only_ids_of(o, mg_src) && type_equal(c->args[side]->type, t.get->out[tc].type)) {
        kp[nkp].tcol = (uint32_t)tc;
        kp[nkp].sexpr = o;
        nkp++;
        break;
      }
    }
  }
  /* target pruning: key ranges of the source (not with BY SOURCE clauses, which see every target row) */
  expr **tf = NULL;
  uint32_t ntf = 0, ctf = 0;
  delta_pred *preds = arena_alloc(q->ar, (2 * nkp + 1) * sizeof *preds);
  uint32_t npreds = 0;
  if (!preds) return LAGO_NOMEM_ERR(q->err);
  if (!has_bys && nkp && n_source > 0) {
    /* min/max of each key over the materialised source, in one aggregate over its own scan
       (the optimizer rewrites plans in place, so the join's scan is not shared) */
    lp *src2;
    TRY(lp_get(q, memsource_source(ms), "merge source", &src2));
    uint32_t *f2 = arena_alloc(q->ar, (sn + 1) * sizeof *f2);
    expr **t2 = arena_alloc(q->ar, (sn + 1) * sizeof *t2);
    if (!f2 || !t2) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i <= sn; i++) {
      f2[i] = mg_src->out[i].id;
      if (!(t2[i] = lp_colref(q, src2, i))) return LAGO_NOMEM_ERR(q->err);
    }
    lp *ag = lp_new(q, LP_AGG, 1, &src2);
    if (!ag) return LAGO_NOMEM_ERR(q->err);
    ag->n_out = 2 * nkp;
    ag->out = arena_alloc(q->ar, ag->n_out * sizeof *ag->out);
    ag->u.agg.n_aggs = 2 * nkp;
    ag->u.agg.aggs = arena_alloc(q->ar, 2 * nkp * sizeof(agg_call *));
    if (!ag->out || !ag->u.agg.aggs) return LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; i < nkp; i++)
      for (int k = 0; k < 2; k++) {
        agg_call *ac;
        expr *arg = lpx_subst(q, kp[i].sexpr, f2, t2, sn + 1);
        if (!arg) return LAGO_NOMEM_ERR(q->err);
        TRY(agg_call_make(q->ar, k ? "max" : "min", &arg, 1, false, false, NULL, &ac, q->err));
        ag->u.agg.aggs[2 * i + (uint32_t)k] = ac;
        ag->out[2 * i + (uint32_t)k] = (lp_col){sql_new_id(q), ac->b.ret, k ? "max" : "min"};
      }
    lp *aopt;
    plan *apl;
    TRY(sql_plan_optimize(q, ag, &aopt));
    TRY(sql_physical(q, aopt, &apl));
    exec_query *eq;
    TRY(exec_open(q->cx, apl, &eq, q->err));
    batch *ab;
    rc = exec_next(eq, &ab, q->err);
    if (rc == LAGO_OK && ab->n_rows == 1) {
      for (uint32_t i = 0; i < nkp && rc == LAGO_OK; i++) {
        expr *mn = expr_const(q->ar, &ab->cols[2 * i], batch_row(ab, 0));
        expr *mx = expr_const(q->ar, &ab->cols[2 * i + 1], batch_row(ab, 0));
        if (!mn || !mx) {
          rc = LAGO_NOMEM_ERR(q->err);
          break;
        }
        if (!vec_is_valid(mn->u.value, 0)) continue; /* all keys NULL: nothing matches; keep it simple */
        expr *tcx = lp_colref(q, t.get, kp[i].tcol), *ge, *le;
        if (!tcx) {
          rc = LAGO_NOMEM_ERR(q->err);
          break;
        }
        expr *a1[2] = {tcx, mn}, *a2[2] = {tcx, mx};
        rc = expr_call(q->ar, ">=", a1, 2, &ge, q->err);
        if (rc == LAGO_OK) rc = expr_call(q->ar, "<=", a2, 2, &le, q->err);
        if (rc == LAGO_OK) rc = sql_push_ptr(q, (void ***)&tf, &ntf, &ctf, ge);
        if (rc == LAGO_OK) rc = sql_push_ptr(q, (void ***)&tf, &ntf, &ctf, le);
        if (rc == LAGO_OK) {
          const char *cn = t.get->out[kp[i].tcol].name;
          preds[npreds++] = (delta_pred){cn, DP_GE, mn->u.value};
          preds[npreds++] = (delta_pred){cn, DP_LE, mx->u.value};
        }
      }
    }
    exec_close(eq);
    TRY(rc);
  }
  lp *tg = t.get;
  if (ntf) {
    expr *pf;
    TRY(lpx_and(q, tf, ntf, &pf));
    TRY(lp_filter(q, tg, pf, &tg));
  }
  join_type jt = has_ins && has_bys ? JOIN_FULL : has_ins ? JOIN_RIGHT : has_bys ? JOIN_LEFT : JOIN_INNER;
  lp *j;
  TRY(lp_join(q, jt, tg, mg_src, on, &j));

  /* per row: the applying clause, then the new values, the position, the old values */
  expr *tmatched = expr_is_null(q->ar, lp_colref(q, t.get, mc + 1), true);
  expr *smatched = expr_is_null(q->ar, src_marker, true);
  if (!tmatched || !smatched) return LAGO_NOMEM_ERR(q->err);
  expr **whens = arena_alloc(q->ar, nc * sizeof *whens), **thens = arena_alloc(q->ar, nc * sizeof *thens);
  if (!whens || !thens) return LAGO_NOMEM_ERR(q->err);
  for (uint32_t i = 0; i < nc; i++) {
    const sql_merge_clause *c = &mg->clauses[i];
    expr *m2[3];
    uint32_t k = 0;
    if (c->match == SQL_MERGE_MATCHED) {
      m2[k++] = tmatched;
      m2[k++] = smatched;
    } else if (c->match == SQL_MERGE_NOT_MATCHED) {
      m2[k++] = expr_is_null(q->ar, lp_colref(q, t.get, mc + 1), false);
      m2[k++] = smatched;
    } else {
      m2[k++] = tmatched;
      m2[k++] = expr_is_null(q->ar, src_marker, false);
    }
    if (conds[i]) m2[k++] = conds[i];
    for (uint32_t x = 0; x < k; x++)
      if (!m2[x]) return LAGO_NOMEM_ERR(q->err);
    TRY(expr_and(q->ar, m2, k, &whens[i], q->err));
    if (!(thens[i] = expr_int(q->ar, (int32_t)i + 1))) return LAGO_NOMEM_ERR(q->err);
  }
  expr *action, *zero = expr_int(q->ar, 0);
  if (!zero) return LAGO_NOMEM_ERR(q->err);
  TRY(expr_case(q->ar, whens, thens, nc, zero, &action, q->err));
  uint32_t ncol = 3 + n + (t.cdf ? n : 0);
  expr **pe = arena_alloc(q->ar, ncol * sizeof *pe);
  if (!pe) return LAGO_NOMEM_ERR(q->err);
  uint32_t k = 0;
  pe[k++] = action;
  pe[k++] = lp_colref(q, t.get, mc);
  pe[k++] = lp_colref(q, t.get, mc + 1);
  uint32_t new_from = k;
  for (uint32_t col = 0; col < n; col++) {
    /* CASE action WHEN i+1 THEN value_i ... ELSE old END over the clauses that set values */
    /* rows of other actions never use this value: ELSE NULL, so the target column is only read when an
       UPDATE clause keeps it (or for change data) */
    expr **w = arena_alloc(q->ar, nc * sizeof *w), **th = arena_alloc(q->ar, nc * sizeof *th);
    if (!w || !th) return LAGO_NOMEM_ERR(q->err);
    uint32_t nw = 0;
    expr *old = col < n_old ? lp_colref(q, t.get, col) : expr_null(q->ar, type_field_at(tsch, col)->type);
    if (!old) return LAGO_NOMEM_ERR(q->err);
    bool all_set = true;
    for (uint32_t i = 0; i < nc; i++) {
      if (kind[i] != ACT_UPDATE && kind[i] != ACT_INSERT) continue;
      expr *v = vals[i][col] ? vals[i][col] : old;
      all_set &= v != old;
      expr *ci = expr_int(q->ar, (int32_t)i + 1), *eq;
      if (!ci) return LAGO_NOMEM_ERR(q->err);
      expr *a[2] = {action, ci};
      TRY(expr_call(q->ar, "=", a, 2, &eq, q->err));
      w[nw] = eq;
      th[nw++] = v;
    }
    expr *none = expr_null(q->ar, old->type);
    if (!none) return LAGO_NOMEM_ERR(q->err);
    bool same = nw > 0 && all_set;
    for (uint32_t i = 1; i < nw && same; i++) same = lpx_equal(th[i], th[0]);
    if (!nw) pe[k++] = none;
    else if (same) pe[k++] = th[0]; /* every clause sets the same value (UPDATE SET * and INSERT *) */
    else TRY(expr_case(q->ar, w, th, nw, none, &pe[k++], q->err));
  }
  uint32_t old_from = k;
  if (t.cdf)
    for (uint32_t col = 0; col < n; col++)
      pe[k++] = col < n_old ? lp_colref(q, t.get, col) : expr_null(q->ar, type_field_at(tsch, col)->type);
  for (uint32_t i = 0; i < k; i++)
    if (!pe[i]) return LAGO_NOMEM_ERR(q->err);
  lp *pj, *opt;
  plan *pl;
  TRY(lp_project(q, j, pe, NULL, k, &pj));
  TRY(sql_plan_optimize(q, pj, &opt));
  TRY(sql_physical(q, opt, &pl));

  /* run */
  const char *params;
  {
    buf pb, eb;
    buf_init(&pb);
    buf_init(&eb);
    rc = sql_print_expr(&eb, mg->on, 0);
    if (!rc) rc = buf_puts(&pb, "{\"predicate\":\"");
    for (size_t i = 0; !rc && i < eb.len; i++) {
      char ch = eb.data[i];
      if (ch == '"' || ch == '\\') rc = buf_putc(&pb, '\\');
      if (!rc) rc = (unsigned char)ch < 0x20 ? buf_printf(&pb, "\\u%04x", ch) : buf_putc(&pb, ch);
    }
    if (!rc) rc = buf_puts(&pb, "\"}");
    params = rc ? NULL : arena_strdup(q->ar, buf_cstr(&pb));
    buf_deinit(&pb);
    buf_deinit(&eb);
    if (!params) return LAGO_NOMEM_ERR(q->err);
  }
  delta_txn_opts topts;
  memset(&topts, 0, sizeof topts);
  topts.operation = "MERGE";
  topts.operation_params = params;
  delta_txn *x;
  lago_err tmp;
  lago_err_clear(&tmp);
  rc = delta_txn_begin(t.tb.t, t.tb.snap, &topts, &x, &tmp);
  if (rc) return sql_err_at(q, rc, st->pos, "%s", tmp.msg);
  if (evolve && (rc = delta_txn_evolve_schema(x, tsch, &tmp))) {
    rc = sql_err_at(q, rc, st->pos, "%s", tmp.msg);
    delta_txn_abort(x);
    return rc;
  }
  merge_sink ms_;
  memset(&ms_, 0, sizeof ms_);
  touch_set *ts = NULL;
  int nthr = q->s->n_threads;
  bool sink_ok = false;
  CK(touch_new(q, nthr, &ts));
  CK(dml_sink_init(q, &ms_.base, x));
  sink_ok = true;
  ms_.base.ts = ts;
  ms_.action_col = 0;
  ms_.path_col = 1;
  ms_.row_col = 2;
  ms_.new_from = new_from;
  ms_.old_from = old_from;
  ms_.n = n;
  ms_.cdf = t.cdf;
  ms_.kind = kind;
  ms_.n_clauses = nc;
  ms_.thr = arena_zalloc(q->ar, (size_t)nthr * sizeof *ms_.thr);
  if (!ms_.thr) CK(LAGO_NOMEM_ERR(q->err));
  for (int i = 0; i < nthr; i++)
    if (!(ms_.thr[i] = arena_new("merge-sink", 16384))) CK(LAGO_NOMEM_ERR(q->err));
  CK(sql_run_plan(q, pl, nthr, merge_sink_fn, &ms_));
  CK(touch_finish(ts, q->err));
  if (touch_dups(ts) && !single_uncond_delete) {
    buf msg;
    buf_init(&msg);
    int r2 = dup_message(q, &t, ts, kp, nkp, &msg);
    if (r2 == LAGO_OK)
      rc = sql_err_at(q, LAGO_RUNTIME, st->pos,
                      "[DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] Cannot perform Merge as multiple source rows "
                      "matched and attempted to modify the same target row in the Delta table in possibly conflicting ways. "
                      "Offending target rows (%llu extra matches): %s. Reduce the source to one row per key first, e.g. "
                      "QUALIFY ROW_NUMBER() OVER (PARTITION BY key ORDER BY ...) = 1",
                      (unsigned long long)touch_dups(ts), buf_cstr(&msg));
    else
      rc = r2;
    buf_deinit(&msg);
    goto fail;
  }
  /* what was read: the predicates (conflict detection) and the files touched */
  if (npreds) {
    rc = delta_txn_read_preds(x, preds, npreds, &tmp);
    if (rc) CK(sql_err_at(q, rc, st->pos, "%s", tmp.msg));
  } else if (has_matched || has_bys) {
    delta_txn_read_all(x);
  }
  dml_counts cnt = {0, 0, 0};
  int64_t copied = 0;
  if (t.use_dv) {
    CK(dml_apply_deletes(q, &t, x, ts, st->pos, &cnt));
  } else if (touch_rows(ts)) {
    /* no deletion vectors: rewrite the touched files without their touched rows */
    lp *g;
    CK(lp_get(q, t.src, t.tb.label, &g));
    source_delta_restrict(t.src, ts);
    memsource *tm = memsource_new(2, (lago_type[]){type_make(LT_STRING), type_make(LT_BIGINT)},
                                  (const char *const[]){"p", "r"}, "touched rows");
    if (!tm) CK(LAGO_NOMEM_ERR(q->err));
    CK(sql_defer(q, ms_free, tm));
    arena *ta = arena_new("touched", 4096);
    if (!ta) CK(LAGO_NOMEM_ERR(q->err));
    for (uint32_t s = 0; s < touch_n_slots(ts) && rc == LAGO_OK; s++) {
      const uint64_t *rows;
      size_t nr;
      const char *path = touch_slot(ts, s, &rows, &nr);
      for (size_t i = 0; path && i < nr && rc == LAGO_OK; i += LAGO_VECTOR_SIZE) {
        uint32_t m = nr - i > LAGO_VECTOR_SIZE ? LAGO_VECTOR_SIZE : (uint32_t)(nr - i);
        arena_reset(ta);
        lago_type tt[2] = {type_make(LT_STRING), type_make(LT_BIGINT)};
        batch *tb = batch_new(ta, 2, tt, m);
        if (!tb) rc = LAGO_NOMEM_ERR(q->err);
        for (uint32_t r = 0; rc == LAGO_OK && r < m; r++) {
          if (vec_set_str(&tb->cols[0], r, path, (uint32_t)strlen(path))) rc = LAGO_NOMEM_ERR(q->err);
          VEC_DATA(&tb->cols[1], int64_t)[r] = (int64_t)rows[i + r];
        }
        if (rc == LAGO_OK) {
          batch_set_rows(tb, m);
          if (memsource_append(tm, tb)) rc = LAGO_NOMEM_ERR(q->err);
        }
      }
    }
    arena_free(ta);
    CK(rc);
    lp *tg2, *aj, *pj2, *opt2;
    plan *pl2;
    CK(lp_get(q, memsource_source(tm), "touched rows", &tg2));
    expr *e1[2] = {lp_colref(q, g, mc), lp_colref(q, tg2, 0)}, *e2[2] = {lp_colref(q, g, mc + 1), lp_colref(q, tg2, 1)};
    expr *c1, *c2, *cc;
    CK(expr_call(q->ar, "=", e1, 2, &c1, q->err));
    CK(expr_call(q->ar, "=", e2, 2, &c2, q->err));
    expr *a3[2] = {c1, c2};
    CK(expr_and(q->ar, a3, 2, &cc, q->err));
    CK(lp_join(q, JOIN_ANTI, g, tg2, cc, &aj));
    uint32_t *idv = arena_alloc(q->ar, n * sizeof *idv);
    if (!idv) CK(LAGO_NOMEM_ERR(q->err));
    for (uint32_t i = 0; i < n; i++) idv[i] = g->out[i].id;
    CK(lp_project_ids(q, aj, idv, n, &pj2));
    CK(sql_plan_optimize(q, pj2, &opt2));
    CK(sql_physical(q, opt2, &pl2));
    CK(sql_write_plan(q, x, pl2, &copied));
    for (uint32_t s = 0; s < touch_n_slots(ts); s++) {
      const uint64_t *rows;
      size_t nr;
      const char *path = touch_slot(ts, s, &rows, &nr);
      const delta_file *f = path ? dml_target_file(&t, path) : NULL;
      if (!f) continue;
      rc = delta_txn_remove_file(x, f, true, &tmp);
      if (rc) CK(sql_err_at(q, rc, st->pos, "%s", tmp.msg));
      cnt.removed_files++;
    }
  }
  int64_t deleted = single_uncond_delete ? (int64_t)touch_rows(ts) : ms_.deleted;
  struct {
    const char *k;
    int64_t v;
  } mets[] = {{"numSourceRows", n_source},
              {"numTargetRowsInserted", ms_.inserted},
              {"numTargetRowsUpdated", ms_.updated},
              {"numTargetRowsDeleted", deleted},
              {"numTargetRowsCopied", copied},
              {"numOutputRows", ms_.inserted + ms_.updated + copied},
              {"numTargetFilesRemoved", cnt.removed_files},
              {"numTargetDeletionVectorsAdded", cnt.dv_files}};
  for (size_t i = 0; i < sizeof mets / sizeof mets[0]; i++) {
    rc = delta_txn_set_metric(x, mets[i].k, mets[i].v, &tmp);
    if (rc) CK(sql_err_at(q, rc, st->pos, "%s", tmp.msg));
  }
  for (int i = 0; i < nthr; i++) arena_free(ms_.thr[i]);
  dml_sink_deinit(&ms_.base);
  TRY(sql_commit(q, x, st->pos, NULL));
  {
    const char *names[4] = {"num_affected_rows", "num_updated_rows", "num_deleted_rows", "num_inserted_rows"};
    int64_t v[4] = {ms_.updated + deleted + ms_.inserted, ms_.updated, deleted, ms_.inserted};
    out->rows_affected = v[0];
    return rowset_metrics(q, 4, names, v, &out->rows);
  }
fail:
  if (ms_.thr)
    for (int i = 0; i < nthr; i++) arena_free(ms_.thr[i]);
  if (sink_ok) dml_sink_deinit(&ms_.base);
  delta_txn_abort(x);
  return rc;
}
