/*
** tests/unit/cdc/cdc_test.h: helpers shared by the cdc unit tests: a
** warehouse with a target table, change batches written as SQL VALUES, and
** table contents as text.
*/
#ifndef LAGO_TEST_CDC_H
#define LAGO_TEST_CDC_H

#include "cdc/cdc_int.h"
#include "exec/source.h"
#include "test.h"
#include "util/buf.h"
#include "exec/func.h"

/* Runs one statement, failing the test on error. */
static inline void ct_sql(sql_session *s, const char *text) {
  lago_err e;
  lago_err_clear(&e);
  sql_result *r = NULL;
  int rc = sql_exec(s, text, &r, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "SQL failed: %s\n  %s", e.msg, text);
  sql_result_free(r);
}

/* Rows of a query as "a,b;c,d" (values as lago's canonical text, NULL as empty). Caller frees. */
static inline char *ct_rows(sql_session *s, const char *text) {
  lago_err e;
  lago_err_clear(&e);
  sql_result *r = NULL;
  if (sql_exec(s, text, &r, &e)) test_fail_(__FILE__, __LINE__, "SQL failed: %s\n  %s", e.msg, text);
  buf b;
  buf_init(&b);
  for (;;) {
    batch *bt;
    if (sql_result_next(r, &bt, &e)) test_fail_(__FILE__, __LINE__, "SQL failed: %s", e.msg);
    if (!bt->n_rows) break;
    for (uint32_t i = 0; i < bt->n_rows; i++) {
      if (b.len) buf_putc(&b, ';');
      for (uint32_t c = 0; c < bt->n_cols; c++) {
        if (c) buf_putc(&b, ',');
        uint32_t p = batch_row(bt, i);
        if (vec_is_valid(&bt->cols[c], p)) cast_value_to_text(&bt->cols[c], p, &b);
      }
    }
  }
  sql_result_free(r);
  char *out = strdup(buf_cstr(&b) ? buf_cstr(&b) : "");
  buf_deinit(&b);
  return out;
}

/* Does the protocol list writer feature f? */
static inline bool ct_has_writer_feature(const delta_protocol *p, const char *f) {
  for (int32_t i = 0; i < p->n_writer_features; i++)
    if (!strcmp(p->writer_features[i], f)) return true;
  return false;
}

/* Columns of a query's result. */
static inline uint32_t ct_ncols(sql_session *s, const char *text) {
  lago_err e;
  lago_err_clear(&e);
  sql_result *r = NULL;
  if (sql_exec(s, text, &r, &e)) test_fail_(__FILE__, __LINE__, "SQL failed: %s\n  %s", e.msg, text);
  uint32_t n = sql_result_n_cols(r);
  sql_result_free(r);
  return n;
}

#define ASSERT_ROWS(s, sql, want)        \
  do {                                   \
    char *got_ = ct_rows((s), (sql));    \
    ASSERT_EQ_STR(got_, (want));         \
    free(got_);                          \
  } while (0)

typedef struct ct_src {
  sql_result *r;
} ct_src;

static inline int ct_next(void *ud, batch **out, lago_err *err) { return sql_result_next(((ct_src *)ud)->r, out, err); }

/*
** Applies the rows of `query` (run on its own session `src`) as one batch.
** Returns cdc_apply's status.
*/
static inline int ct_apply(sql_session *src, cdc_applier *a, const char *query, const cdc_batch_id *id,
                           cdc_batch_result *res, lago_err *err) {
  lago_err e;
  lago_err_clear(&e);
  sql_result *r = NULL;
  if (sql_exec(src, query, &r, &e)) test_fail_(__FILE__, __LINE__, "source query failed: %s\n  %s", e.msg, query);
  arena *ar = arena_new("test", 4096);
  uint32_t n = sql_result_n_cols(r);
  const char **names = arena_alloc(ar, n * sizeof *names);
  lago_type *types = arena_alloc(ar, n * sizeof *types);
  for (uint32_t i = 0; i < n; i++) {
    names[i] = sql_result_col_name(r, i);
    types[i] = sql_result_col_type(r, i);
  }
  lago_type st;
  if (type_struct(ar, n, names, types, NULL, &st)) test_fail_(__FILE__, __LINE__, "oom");
  ct_src cs = {r};
  int rc = cdc_apply(a, st, ct_next, &cs, id, res, err);
  sql_result_free(r);
  arena_free(ar);
  return rc;
}

/* A warehouse with main.default.t (k BIGINT, v STRING) = (1,a), (2,b), (3,c); two sessions on it. */
typedef struct ct_env {
  char wh[900];
  char root[1024];
  sql_session *s, *src;
} ct_env;

static inline void ct_env_open(ct_env *e, const char *create_sql) {
  static int n;
  snprintf(e->wh, sizeof e->wh, "%s/w%d", test_tmpdir(), n++);
  lago_err err;
  lago_err_clear(&err);
  ASSERT_OK(sql_session_new(e->wh, &e->s, &err), &err);
  ASSERT_OK(sql_session_new(e->wh, &e->src, &err), &err);
  ct_sql(e->s, create_sql ? create_sql
                          : "CREATE TABLE t AS SELECT CAST(k AS BIGINT) AS k, v FROM VALUES (1, 'a'), (2, 'b'), (3, 'c') AS x(k, v)");
  snprintf(e->root, sizeof e->root, "%s/main/default/t", e->wh);
}

static inline void ct_env_close(ct_env *e) {
  sql_session_free(e->s);
  sql_session_free(e->src);
}

#endif /* LAGO_TEST_CDC_H */
