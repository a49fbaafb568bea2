/*
** tests/unit/exec/test_agg.c: hash aggregation: NULL groups, every
** aggregate family, result types, ANSI overflow, DISTINCT aggregates and
** FILTER, spilling with a tiny memory limit, and 1 vs 2 threads.
*/
#include <dirent.h>

#include "exec_test.h"

static arena *A;
static lago_err E;
static void setup(void) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
}

static agg_call *agg(const char *name, expr *arg, bool distinct, expr *filter) {
  agg_call *c;
  TFAIL_IF(agg_call_make(A, name, arg ? &arg : NULL, arg ? 1 : 0, distinct, false, filter, &c, &E), E);
  return c;
}

static plan *group_by(plan *child, expr **keys, uint32_t nk, agg_call **aggs, uint32_t na) {
  plan *p;
  TFAIL_IF(plan_hash_agg(A, child, keys, nk, aggs, na, NULL, &p, &E), E);
  return p;
}

TEST(agg_groups_and_nulls) {
  setup();
  memsource *m = tsource(A, 3, (const char *[]){"STRING", "INT", "STRING"},
                         (const char *[]){"a|b|NULL|a|NULL|b|c", "1|2|3|NULL|5|6|NULL", "x|yy|z|NULL|w|abcdefghijklmnopq|NULL"});
  plan *s = tscan(A, m);
  expr *k = expr_column(A, 0, type_make(LT_STRING), "k"), *v = expr_column(A, 1, type_make(LT_INT), "v");
  expr *w = expr_column(A, 2, type_make(LT_STRING), "w");
  agg_call *aggs[] = {agg("count", NULL, false, NULL), agg("count", v, false, NULL), agg("sum", v, false, NULL),
                      agg("avg", v, false, NULL),     agg("min", w, false, NULL),   agg("max", w, false, NULL),
                      agg("max", v, false, NULL)};
  plan *p = group_by(s, &k, 1, aggs, 7);
  ASSERT_EQ_INT(p->types[3].id, LT_BIGINT);
  ASSERT_EQ_INT(p->types[4].id, LT_DOUBLE);
  ASSERT_EQ_STR(trun(A, p, NULL, true),
                "NULL,2,2,8,4.0,w,z,5\n"
                "a,2,1,1,1.0,x,x,1\n"
                "b,2,2,8,4.0,abcdefghijklmnopq,yy,6\n"
                "c,1,0,NULL,NULL,NULL,NULL,NULL\n");
  /* global aggregate over no rows: one row */
  plan *f;
  TFAIL_IF(plan_filter(A, s, expr_bool(A, false), &f, &E), E);
  agg_call *g[] = {agg("count", NULL, false, NULL), agg("sum", v, false, NULL), agg("collect_list", v, false, NULL)};
  ASSERT_EQ_STR(trun(A, group_by(f, NULL, 0, g, 3), NULL, false), "0,NULL,[]\n");
  /* ... and grouped: no rows */
  ASSERT_EQ_STR(trun(A, group_by(f, &k, 1, g, 3), NULL, false), "");
  /* DISTINCT on all columns */
  plan *d;
  TFAIL_IF(plan_distinct(A, s, &d, &E), E);
  plan *dk;
  expr *kk = k;
  TFAIL_IF(plan_project(A, s, &kk, 1, NULL, &dk, &E), E);
  TFAIL_IF(plan_distinct(A, dk, &d, &E), E);
  ASSERT_EQ_STR(trun(A, d, NULL, true), "NULL\na\nb\nc\n");
  memsource_free(m);
}

TEST(agg_families) {
  setup();
  memsource *m = tsource(A, 4, (const char *[]){"INT", "DOUBLE", "BOOLEAN", "DECIMAL(10,2)"},
                         (const char *[]){"1|1|1|2|2|2|2", "1|2|3|4|4|NULL|8", "true|true|NULL|false|true|NULL|true",
                                          "1.10|2.20|NULL|3.33|0.01|9.99|NULL"});
  plan *s = tscan(A, m);
  expr *k = expr_column(A, 0, type_make(LT_INT), "k"), *x = expr_column(A, 1, type_make(LT_DOUBLE), "x");
  expr *bo = expr_column(A, 2, type_make(LT_BOOLEAN), "b"), *d = expr_column(A, 3, type_decimal(10, 2), "d");
  agg_call *aggs[] = {agg("stddev_samp", x, false, NULL), agg("var_pop", x, false, NULL), agg("bool_and", bo, false, NULL),
                      agg("bool_or", bo, false, NULL),    agg("count_if", bo, false, NULL), agg("sum", d, false, NULL),
                      agg("avg", d, false, NULL),         agg("collect_set", x, false, NULL),
                      agg("approx_count_distinct", x, false, NULL)};
  plan *p = group_by(s, &k, 1, aggs, 9);
  ASSERT_EQ_INT(p->types[6].precision, 20);
  ASSERT_EQ_INT(p->types[6].scale, 2);
  ASSERT_EQ_INT(p->types[7].precision, 14);
  ASSERT_EQ_INT(p->types[7].scale, 6);
  ASSERT_EQ_STR(trun(A, p, NULL, true),
                "1,1.0,0.6666666666666666,true,true,2,3.30,1.650000,[1.0, 2.0, 3.0],3\n"
                "2,2.3094010767585034,3.555555555555556,false,true,2,13.33,4.443333,[4.0, 8.0],2\n");
  memsource_free(m);
}

TEST(agg_sum_overflow_error) {
  setup();
  memsource *m = tsource(A, 1, (const char *[]){"BIGINT"}, (const char *[]){"9223372036854775807|1"});
  plan *s = tscan(A, m);
  agg_call *a = agg("sum", expr_column(A, 0, type_make(LT_BIGINT), NULL), false, NULL);
  int rc;
  ASSERT(trun_rc(A, group_by(s, NULL, 0, &a, 1), NULL, false, &rc, &E) == NULL);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(E.msg, "[ARITHMETIC_OVERFLOW] long overflow in sum");
  memsource_free(m);
}

TEST(agg_distinct_and_filter) {
  setup();
  memsource *m = tsource(A, 2, (const char *[]){"INT", "INT"},
                         (const char *[]){"1|1|1|1|2|2|NULL|NULL", "5|5|6|NULL|7|7|5|5"});
  plan *s = tscan(A, m);
  expr *k = expr_column(A, 0, type_make(LT_INT), "k"), *v = expr_column(A, 1, type_make(LT_INT), "v");
  expr *big = tcall2(A, ">", v, expr_int(A, 5));
  agg_call *aggs[] = {agg("count", v, true, NULL), agg("sum", v, true, NULL), agg("count", v, false, NULL),
                      agg("count", NULL, false, big), agg("count", v, true, big), agg("collect_set", v, true, NULL)};
  ASSERT_EQ_STR(trun(A, group_by(s, &k, 1, aggs, 6), NULL, true),
                "1,2,11,3,1,1,[5, 6]\n"
                "2,1,7,2,2,1,[7]\n"
                "NULL,1,5,2,0,0,[5]\n");
  agg_call *g[] = {agg("count", v, true, NULL), agg("count", k, true, NULL)};
  ASSERT_EQ_STR(trun(A, group_by(s, NULL, 0, g, 2), NULL, false), "3,2\n");
  memsource_free(m);
}

/* A table of n rows: k = i % groups (NULL every 97th row), v = i, s = 'str<k>' padded. */
static memsource *gen_table(uint32_t n, uint32_t groups) {
  lago_type ts[3] = {type_make(LT_BIGINT), type_make(LT_BIGINT), type_make(LT_STRING)};
  memsource *m = memsource_new(3, ts, NULL, "gen");
  batch *b = batch_new(A, 3, ts, LAGO_VECTOR_SIZE);
  for (uint32_t done = 0; done < n;) {
    uint32_t take = n - done < LAGO_VECTOR_SIZE ? n - done : LAGO_VECTOR_SIZE;
    arena *tmp = arena_new("gen", 1 << 16);
    batch *nb = batch_new(tmp, 3, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      uint32_t row = done + i;
      if (row % 97 == 0) vec_set_null(&nb->cols[0], i);
      else VEC_DATA(&nb->cols[0], int64_t)[i] = row % groups;
      VEC_DATA(&nb->cols[1], int64_t)[i] = row;
      char str[64];
      int len = snprintf(str, sizeof str, "group-name-%u-xxxxxxxx", row % groups);
      vec_set_str(&nb->cols[2], i, str, (uint32_t)len);
    }
    batch_set_rows(nb, take);
    if (memsource_append(m, nb)) test_fail_(__FILE__, __LINE__, "append");
    arena_free(tmp);
    done += take;
  }
  (void)b;
  memsource_set_shape(m, 512, 1);
  return m;
}

static plan *big_agg(memsource *m, bool with_distinct) {
  plan *s = tscan(A, m);
  expr *k = expr_column(A, 0, type_make(LT_BIGINT), "k"), *v = expr_column(A, 1, type_make(LT_BIGINT), "v");
  expr *st = expr_column(A, 2, type_make(LT_STRING), "s");
  agg_call *aggs[6] = {agg("count", NULL, false, NULL), agg("sum", v, false, NULL), agg("min", st, false, NULL),
                       agg("max", v, false, NULL), agg("avg", v, false, NULL), NULL};
  uint32_t na = 5;
  if (with_distinct) aggs[na++] = agg("count", tcall2(A, "%", v, expr_bigint(A, 7)), true, NULL);
  expr *keys[2] = {k, st};
  return group_by(s, keys, 2, aggs, na);
}

static int count_spill_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  if (!d) return -1;
  struct dirent *e;
  while ((e = readdir(d)))
    if (!strncmp(e->d_name, "lago-spill-", 11)) n++;
  closedir(d);
  return n;
}

TEST(agg_spill_tiny_memory) {
  setup();
  memsource *m = gen_table(60000, 20000);
  for (int distinct = 0; distinct < 2; distinct++) {
    plan *p = big_agg(m, distinct);
    exec_config one = {0, 1, 0, test_tmpdir(), NULL};
    const char *want = trun(A, p, &one, true);
    /* a tiny limit: the tables freeze almost at once and spill partitions, recursively */
    exec_config tiny = {256 * 1024, 1, 0, test_tmpdir(), NULL};
    exec_ctx *cx;
    ASSERT_OK(exec_ctx_new(&tiny, &cx), NULL);
    exec_query *q;
    ASSERT_OK(exec_open(cx, p, &q, &E), &E);
    batch *b;
    uint64_t rows = 0;
    while (exec_next(q, &b, &E) == LAGO_OK && b->n_rows) rows += b->n_rows;
    ASSERT_EQ_INT(E.rc, LAGO_OK);
    exec_close(q);
    const exec_stats *stt = exec_ctx_stats(cx);
    ASSERT(stt->spill_files > 0);
    ASSERT(stt->spill_bytes > 0);
    exec_ctx_free(cx);
    ASSERT_EQ_UINT(rows, 20619); /* 20000 (k, name) groups + 619 (NULL, name) groups */
    ASSERT_EQ_INT(count_spill_files(test_tmpdir()), 0);
    ASSERT_EQ_STR(trun(A, p, &tiny, true), want);
    /* two threads, tiny memory: same result */
    exec_config tiny2 = {256 * 1024, 2, 0, test_tmpdir(), NULL};
    ASSERT_EQ_STR(trun(A, p, &tiny2, true), want);
    ASSERT_EQ_INT(count_spill_files(test_tmpdir()), 0);
  }
  memsource_free(m);
}

TEST(agg_parallel_same_result) {
  setup();
  memsource *m = gen_table(50000, 3000);
  plan *p = big_agg(m, false);
  exec_config one = {0, 1, 0, NULL, NULL}, two = {0, 2, 0, NULL, NULL};
  const char *a = trun(A, p, &one, true);
  exec_ctx *cx;
  ASSERT_OK(exec_ctx_new(&two, &cx), NULL);
  exec_query *q;
  ASSERT_OK(exec_open(cx, p, &q, &E), &E);
  batch *b;
  while (exec_next(q, &b, &E) == LAGO_OK && b->n_rows) {}
  exec_close(q);
  ASSERT(exec_ctx_stats(cx)->pipelines_parallel >= 1);
  exec_ctx_free(cx);
  ASSERT_EQ_STR(trun(A, p, &two, true), a);
  /* global aggregate in parallel */
  agg_call *g[] = {agg("count", NULL, false, NULL), agg("sum", expr_column(A, 1, type_make(LT_BIGINT), NULL), false, NULL)};
  ASSERT_EQ_STR(trun(A, group_by(tscan(A, m), NULL, 0, g, 2), &two, false), "50000,1249975000\n");
  memsource_free(m);
}
