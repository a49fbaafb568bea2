/*
** sql/write.c: running a query into a Delta transaction (CTAS, INSERT, the
** insert/update side of MERGE and UPDATE) and committing.
**
** sql_write_plan runs the plan as a pipeline on the session's threads; each
** thread writes its batches into its own files (delta_txn_write_shard with the
** thread as the shard), so scanning, joining, projecting and Parquet encoding
** all run in parallel; a CTAS on two threads makes (at least) two files.
*/
#include <pthread.h>
#include <string.h>

#include "sql/sql_int.h"

typedef struct write_st {
  delta_txn *x;
  pthread_mutex_t mu;
  int64_t rows;
} write_st;

static int write_sink(void *ud, int thread, batch *b, lago_err *err) {
  write_st *w = ud;
  if (!b->n_rows) return LAGO_OK;
  int rc = delta_txn_write_shard(w->x, (uint32_t)thread, b, err);
  pthread_mutex_lock(&w->mu);
  w->rows += b->n_rows;
  pthread_mutex_unlock(&w->mu);
  return rc;
}

int sql_write_plan(sql_ctx *q, delta_txn *x, const plan *p, int64_t *rows) {
  return sql_write_plan_threads(q, x, p, q->s->n_threads, rows);
}

int sql_write_plan_threads(sql_ctx *q, delta_txn *x, const plan *p, int max_threads, int64_t *rows) {
  write_st w;
  memset(&w, 0, sizeof w);
  w.x = x;
  pthread_mutex_init(&w.mu, NULL);
  int rc = sql_run_plan(q, p, max_threads, write_sink, &w);
  pthread_mutex_destroy(&w.mu);
  if (rows) *rows = w.rows;
  return rc;
}

int sql_commit(sql_ctx *q, delta_txn *x, int pos, int64_t *version) {
  lago_err tmp;
  lago_err_clear(&tmp);
  int64_t v = -1;
  int rc = LAGO_OK;
  if (q->s->commit_hook && (rc = q->s->commit_hook(q->s->commit_hook_ud, x, &tmp))) {
    delta_txn_abort(x);
    return sql_err_at(q, rc, pos, "%s", tmp.msg);
  }
  rc = delta_txn_commit(x, &v, &tmp);
  if (rc) return sql_err_at(q, rc, pos, "%s", tmp.msg);
  q->s->last_commit = v;
  if (version) *version = v;
  return LAGO_OK;
}

/* Casts the columns of p to the table schema `schema` (names from the table). */
int sql_conform_plan(sql_ctx *q, lp **p, lago_type schema, int pos) {
  uint32_t n = type_n_fields(schema);
  if ((*p)->n_out != n)
    return sql_err_at(q, LAGO_BIND, pos,
                      "[INSERT_COLUMN_ARITY_MISMATCH] Cannot write to the table: the data has %u columns, the table %u",
                      (*p)->n_out, n);
  expr **es = arena_alloc(q->ar, (n ? n : 1) * sizeof *es);
  const char **ns = arena_alloc(q->ar, (n ? n : 1) * sizeof *ns);
  if (!es || !ns) return LAGO_NOMEM_ERR(q->err);
  bool same = true;
  for (uint32_t i = 0; i < n; i++) {
    const type_field *f = type_field_at(schema, i);
    es[i] = lp_colref(q, *p, i);
    if (!es[i]) return LAGO_NOMEM_ERR(q->err);
    TRY(bind_assign_cast(q, es[i], f->type, f->name, pos, &es[i]));
    ns[i] = f->name;
    same &= es[i]->kind == EXPR_COLUMN;
  }
  if (same) return LAGO_OK;
  return lp_project(q, *p, es, ns, n, p);
}
