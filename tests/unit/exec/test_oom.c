/*
** tests/unit/exec/test_oom.c: allocation-failure sweep over a small query
** with a hash join, an aggregate (with a DISTINCT aggregate), a sort and a
** window: every failing run returns LAGO_NOMEM and leaks nothing.
*/
#include "exec/vecops.h"
#include "exec_test.h"

static arena *A;
static lago_err E;
static plan *P;

static unsigned long long G_SUM; /* a checksum of the last run's output */

static int run_query(void *ud) {
  const exec_config *cfg = ud;
  exec_ctx *cx;
  int rc = exec_ctx_new(cfg, &cx);
  if (rc) return rc;
  exec_query *q;
  lago_err err;
  lago_err_clear(&err);
  G_SUM = 0;
  rc = exec_open(cx, P, &q, &err);
  if (rc == LAGO_OK) {
    batch *b;
    while ((rc = exec_next(q, &b, &err)) == LAGO_OK && b->n_rows) {
      for (uint32_t i = 0; i < b->n_rows; i++) {
        uint32_t r = b->sel ? b->sel[i] : i;
        for (uint32_t c = 0; c < b->n_cols; c++) G_SUM = G_SUM * 31 + vecops_hash_one(&b->cols[c], r);
      }
    }
    exec_close(q);
  }
  exec_ctx_free(cx);
  return rc;
}

TEST(oom_sweep_join_agg_sort) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  char k[4096] = "", v[4096] = "", s[8192] = "";
  for (int i = 0; i < 300; i++) {
    sprintf(k + strlen(k), "%s%s", i ? "|" : "", i % 17 == 0 ? "NULL" : (char[12]){0});
    if (i % 17) sprintf(k + strlen(k), "%d", i % 23);
    sprintf(v + strlen(v), "%s%d", i ? "|" : "", i * 7 % 101);
    sprintf(s + strlen(s), "%sname-%d-long-enough-string", i ? "|" : "", i % 13);
  }
  memsource *ml = tsource(A, 3, (const char *[]){"INT", "BIGINT", "STRING"}, (const char *[]){k, v, s});
  memsource *mr = tsource(A, 2, (const char *[]){"INT", "STRING"},
                          (const char *[]){"1|2|3|4|5|6|7|8|9|10|11|12|NULL", "a|b|c|d|e|f|g|h|i|j|k|l|m"});
  memsource_set_shape(ml, 64, 1);
  plan *l = tscan(A, ml), *r = tscan(A, mr), *j, *g, *w, *o;
  expr *lk = expr_column(A, 0, type_make(LT_INT), NULL), *rk = expr_column(A, 0, type_make(LT_INT), NULL);
  bool ne = false;
  TFAIL_IF(plan_hash_join(A, JOIN_LEFT, l, r, &lk, &rk, &ne, 1, NULL, false, &j, &E), E);
  expr *keys[2] = {expr_column(A, 4, type_make(LT_STRING), NULL), expr_column(A, 0, type_make(LT_INT), NULL)};
  agg_call *aggs[3];
  expr *vv = expr_column(A, 1, type_make(LT_BIGINT), NULL), *ss = expr_column(A, 2, type_make(LT_STRING), NULL);
  TFAIL_IF(agg_call_make(A, "sum", &vv, 1, false, false, NULL, &aggs[0], &E), E);
  TFAIL_IF(agg_call_make(A, "count", &ss, 1, true, false, NULL, &aggs[1], &E), E);
  TFAIL_IF(agg_call_make(A, "max", &ss, 1, false, false, NULL, &aggs[2], &E), E);
  TFAIL_IF(plan_hash_agg(A, j, keys, 2, aggs, 3, NULL, &g, &E), E);
  win_call rn;
  TFAIL_IF(win_call_make(A, "row_number", NULL, 0, false, true, &rn, &E), E);
  expr *part = expr_column(A, 0, type_make(LT_STRING), NULL);
  sort_key wo = {expr_column(A, 2, type_make(LT_BIGINT), NULL), true, false};
  TFAIL_IF(plan_window(A, g, &part, 1, &wo, 1, &rn, 1, &w, &E), E);
  sort_key ok[2] = {{expr_column(A, 0, type_make(LT_STRING), NULL), false, true},
                    {expr_column(A, 1, type_make(LT_INT), NULL), false, true}};
  TFAIL_IF(plan_sort(A, w, ok, 2, &o, &E), E);
  P = o;
  exec_config cfg = {0, 1, 0, test_tmpdir(), NULL};
  /* the plan runs */
  const char *res = trun(A, P, &cfg, false);
  ASSERT(strlen(res) > 100);
  ASSERT_OK(run_query(&cfg), NULL);
  unsigned long long want = G_SUM;
  int runs = test_oom_sweep(run_query, &cfg, 50000);
  ASSERT(runs > 100);
  /* a run that absorbed an injected failure without an error must still be right */
  long base = mem_live();
  for (int n = 1; n < runs; n++) {
    mem_fail_after(n);
    int rc = run_query(&cfg);
    mem_fail_after(0);
    ASSERT_EQ_INT(mem_live(), base);
    if (rc == LAGO_OK && G_SUM != want) test_fail_(__FILE__, __LINE__, "allocation %d failed silently: wrong result", n);
    ASSERT(rc == LAGO_OK || rc == LAGO_NOMEM);
  }
  /* two threads: allocation order varies, but failures must still be clean */
  exec_config two = {0, 2, 0, test_tmpdir(), NULL};
  for (int n = 1; n < runs + 50; n += 3) {
    mem_fail_after(n);
    int rc = run_query(&two);
    mem_fail_after(0);
    ASSERT_EQ_INT(mem_live(), base);
    if (rc == LAGO_OK && G_SUM != want) test_fail_(__FILE__, __LINE__, "2 threads, allocation %d: wrong result", n);
    ASSERT(rc == LAGO_OK || rc == LAGO_NOMEM);
  }
  /* spilling under failures */
  exec_config tiny1 = {16 * 1024, 1, 0, test_tmpdir(), NULL};
  for (int n = 1; n < runs + 200; n += 2) {
    mem_fail_after(n);
    int rc = run_query(&tiny1);
    mem_fail_after(0);
    ASSERT_EQ_INT(mem_live(), base);
    if (rc == LAGO_OK && G_SUM != want) test_fail_(__FILE__, __LINE__, "tiny memory, allocation %d: wrong result", n);
    ASSERT(rc == LAGO_OK || rc == LAGO_NOMEM);
  }
  /* with a tiny memory limit (spill paths) */
  exec_config tiny = {16 * 1024, 1, 0, test_tmpdir(), NULL};
  ASSERT_EQ_STR(trun(A, P, &tiny, false), res);
  memsource_free(ml);
  memsource_free(mr);
}

TEST(oom_sweep_spilling) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  /* 20000 rows, ~9000 groups: the aggregate freezes and spills, the sort writes runs,
  ** the join build (8000 rows) partitions */
  lago_type ts[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  memsource *ml = memsource_new(2, ts, NULL, "l"), *mr = memsource_new(2, ts, NULL, "r");
  for (int side = 0; side < 2; side++) {
    uint32_t n = side ? 8000 : 20000;
    for (uint32_t done = 0; done < n; done += 2048) {
      uint32_t take = n - done < 2048 ? n - done : 2048;
      arena *tmp = arena_new("gen", 1 << 16);
      batch *b = batch_new(tmp, 2, ts, take);
      for (uint32_t i = 0; i < take; i++) {
        uint32_t row = done + i;
        VEC_DATA(&b->cols[0], int64_t)[i] = side ? row : (row * 7919u) % 9000u;
        char s[32];
        int len = snprintf(s, sizeof s, "v-%u-padding-text", row % 501);
        vec_set_str(&b->cols[1], i, s, (uint32_t)len);
      }
      batch_set_rows(b, take);
      ASSERT_OK(memsource_append(side ? mr : ml, b), NULL);
      arena_free(tmp);
    }
  }
  plan *l = tscan(A, ml), *r = tscan(A, mr), *j, *g, *o;
  expr *lk = expr_column(A, 0, ts[0], NULL), *rk = expr_column(A, 0, ts[0], NULL);
  bool ne = false;
  TFAIL_IF(plan_hash_join(A, JOIN_INNER, l, r, &lk, &rk, &ne, 1, NULL, false, &j, &E), E);
  expr *key = expr_column(A, 0, ts[0], NULL);
  agg_call *aggs[2];
  expr *sv = expr_column(A, 3, ts[1], NULL);
  TFAIL_IF(agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &E), E);
  TFAIL_IF(agg_call_make(A, "max", &sv, 1, false, false, NULL, &aggs[1], &E), E);
  TFAIL_IF(plan_hash_agg(A, j, &key, 1, aggs, 2, NULL, &g, &E), E);
  sort_key k = {expr_column(A, 2, ts[1], NULL), false, true};
  sort_key kk[2] = {k, {expr_column(A, 0, ts[0], NULL), false, true}};
  TFAIL_IF(plan_sort(A, g, kk, 2, &o, &E), E);
  P = o;
  exec_config tiny = {8 * 1024, 1, 0, test_tmpdir(), NULL};
  exec_config big = {0, 1, 0, test_tmpdir(), NULL};
  ASSERT_OK(run_query(&big), NULL);
  unsigned long long want = G_SUM;
  ASSERT_OK(run_query(&tiny), NULL);
  ASSERT(G_SUM == want);
  /* did it spill? */
  exec_ctx *cx;
  ASSERT_OK(exec_ctx_new(&tiny, &cx), NULL);
  exec_query *q;
  ASSERT_OK(exec_open(cx, P, &q, &E), &E);
  batch *b;
  while (exec_next(q, &b, &E) == LAGO_OK && b->n_rows) {}
  exec_close(q);
  uint64_t files = exec_ctx_stats(cx)->spill_files;
  exec_ctx_free(cx);
  ASSERT(files > 0);
  long base = mem_live();
  int n, failures = 0;
  for (n = 1; n < 100000; n += 17) {
    mem_fail_after(n);
    int rc = run_query(&tiny);
    int fired = mem_fail_fired();
    mem_fail_after(0);
    ASSERT_EQ_INT(mem_live(), base);
    ASSERT(rc == LAGO_OK || rc == LAGO_NOMEM);
    if (rc == LAGO_OK && G_SUM != want) test_fail_(__FILE__, __LINE__, "allocation %d failed silently", n);
    if (!fired) break;
    failures++;
  }
  ASSERT(failures > 20);
  memsource_free(ml);
  memsource_free(mr);
}
