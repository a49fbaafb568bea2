/*
** tests/unit/exec/test_join.c: hash joins of every type with duplicate and
** NULL keys, residual conditions, NULL-safe keys, NULL-aware MARK/ANTI (IN /
** NOT IN), nested-loop joins, Grace spilling under a tiny memory limit, and
** parallel probing.
*/
#include <dirent.h>

#include "exec_test.h"

static arena *A;
static lago_err E;
static memsource *ML, *MR;
static plan *L, *R;

static void setup(void) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  ML = tsource(A, 2, (const char *[]){"INT", "STRING"}, (const char *[]){"1|1|2|NULL|4", "a1|a2|a3|a4|a5"});
  MR = tsource(A, 2, (const char *[]){"INT", "STRING"}, (const char *[]){"1|1|3|NULL|4", "b1|b2|b3|b4|b5"});
  L = tscan(A, ML);
  R = tscan(A, MR);
}
static void teardown(void) {
  memsource_free(ML);
  memsource_free(MR);
}

static expr *lk(void) { return expr_column(A, 0, type_make(LT_INT), "lk"); }
static expr *rk(void) { return expr_column(A, 0, type_make(LT_INT), "rk"); }

static const char *hj(join_type t, expr *residual, bool null_eq, bool null_aware) {
  expr *l = lk(), *r = rk();
  plan *p;
  TFAIL_IF(plan_hash_join(A, t, L, R, &l, &r, &null_eq, 1, residual, null_aware, &p, &E), E);
  return trun(A, p, NULL, true);
}

TEST(join_hash_types) {
  setup();
  const char *inner = "1,a1,1,b1\n1,a1,1,b2\n1,a2,1,b1\n1,a2,1,b2\n4,a5,4,b5\n";
  ASSERT_EQ_STR(hj(JOIN_INNER, NULL, false, false), inner);
  ASSERT_EQ_STR(hj(JOIN_LEFT, NULL, false, false),
                "1,a1,1,b1\n1,a1,1,b2\n1,a2,1,b1\n1,a2,1,b2\n2,a3,NULL,NULL\n4,a5,4,b5\nNULL,a4,NULL,NULL\n");
  ASSERT_EQ_STR(hj(JOIN_RIGHT, NULL, false, false),
                "1,a1,1,b1\n1,a1,1,b2\n1,a2,1,b1\n1,a2,1,b2\n4,a5,4,b5\nNULL,NULL,3,b3\nNULL,NULL,NULL,b4\n");
  ASSERT_EQ_STR(hj(JOIN_FULL, NULL, false, false),
                "1,a1,1,b1\n1,a1,1,b2\n1,a2,1,b1\n1,a2,1,b2\n2,a3,NULL,NULL\n4,a5,4,b5\nNULL,NULL,3,b3\n"
                "NULL,NULL,NULL,b4\nNULL,a4,NULL,NULL\n");
  ASSERT_EQ_STR(hj(JOIN_SEMI, NULL, false, false), "1,a1\n1,a2\n4,a5\n");
  ASSERT_EQ_STR(hj(JOIN_ANTI, NULL, false, false), "2,a3\nNULL,a4\n");
  /* NULL-safe key: NULL matches NULL */
  ASSERT_EQ_STR(hj(JOIN_INNER, NULL, true, false), "1,a1,1,b1\n1,a1,1,b2\n1,a2,1,b1\n1,a2,1,b2\n4,a5,4,b5\nNULL,a4,NULL,b4\n");
  teardown();
}

TEST(join_residual) {
  setup();
  expr *b = expr_column(A, 3, type_make(LT_STRING), "b"), *a = expr_column(A, 1, type_make(LT_STRING), "a");
  ASSERT_EQ_STR(hj(JOIN_INNER, tcall2(A, "<>", b, expr_str(A, "b2")), false, false), "1,a1,1,b1\n1,a2,1,b1\n4,a5,4,b5\n");
  ASSERT_EQ_STR(hj(JOIN_LEFT, tcall2(A, "<>", a, expr_str(A, "a5")), false, false),
                "1,a1,1,b1\n1,a1,1,b2\n1,a2,1,b1\n1,a2,1,b2\n2,a3,NULL,NULL\n4,a5,NULL,NULL\nNULL,a4,NULL,NULL\n");
  ASSERT_EQ_STR(hj(JOIN_SEMI, tcall2(A, "=", b, expr_str(A, "b2")), false, false), "1,a1\n1,a2\n");
  ASSERT_EQ_STR(hj(JOIN_ANTI, tcall2(A, "=", b, expr_str(A, "b2")), false, false), "2,a3\n4,a5\nNULL,a4\n");
  ASSERT_EQ_STR(hj(JOIN_RIGHT, tcall2(A, "=", b, expr_str(A, "b2")), false, false),
                "1,a1,1,b2\n1,a2,1,b2\nNULL,NULL,1,b1\nNULL,NULL,3,b3\nNULL,NULL,4,b5\nNULL,NULL,NULL,b4\n");
  teardown();
}

TEST(join_mark_null_aware) {
  setup();
  /* x IN (SELECT k FROM R) with a NULL in R: no match -> NULL */
  ASSERT_EQ_STR(hj(JOIN_MARK, NULL, false, true), "1,a1,true\n1,a2,true\n2,a3,NULL\n4,a5,true\nNULL,a4,NULL\n");
  /* EXISTS-style mark: plain true/false */
  ASSERT_EQ_STR(hj(JOIN_MARK, NULL, false, false), "1,a1,true\n1,a2,true\n2,a3,false\n4,a5,true\nNULL,a4,false\n");
  /* NOT IN with a NULL on the right: nothing qualifies */
  ASSERT_EQ_STR(hj(JOIN_ANTI, NULL, false, true), "");
  /* without NULLs on the right: NULL probe keys are still unknown */
  plan *rn, *p;
  expr *nn = expr_is_null(A, rk(), true);
  TFAIL_IF(plan_filter(A, R, nn, &rn, &E), E);
  expr *l = lk(), *r = rk();
  bool ne = false;
  TFAIL_IF(plan_hash_join(A, JOIN_ANTI, L, rn, &l, &r, &ne, 1, NULL, true, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "2,a3\n");
  TFAIL_IF(plan_hash_join(A, JOIN_MARK, L, rn, &l, &r, &ne, 1, NULL, true, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "1,a1,true\n1,a2,true\n2,a3,false\n4,a5,true\nNULL,a4,NULL\n");
  /* empty right side: NOT IN () is true even for NULL, IN () is false */
  plan *re;
  TFAIL_IF(plan_filter(A, R, expr_bool(A, false), &re, &E), E);
  TFAIL_IF(plan_hash_join(A, JOIN_ANTI, L, re, &l, &r, &ne, 1, NULL, true, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "1,a1\n1,a2\n2,a3\n4,a5\nNULL,a4\n");
  TFAIL_IF(plan_hash_join(A, JOIN_MARK, L, re, &l, &r, &ne, 1, NULL, true, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "1,a1,false\n1,a2,false\n2,a3,false\n4,a5,false\nNULL,a4,false\n");
  teardown();
}

TEST(join_nested_loop) {
  setup();
  expr *cond = tcall2(A, "<", expr_column(A, 0, type_make(LT_INT), "lk"), expr_column(A, 2, type_make(LT_INT), "rk"));
  plan *p;
  TFAIL_IF(plan_nl_join(A, JOIN_INNER, L, R, cond, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true),
                "1,a1,3,b3\n1,a1,4,b5\n1,a2,3,b3\n1,a2,4,b5\n2,a3,3,b3\n2,a3,4,b5\n");
  TFAIL_IF(plan_nl_join(A, JOIN_LEFT, L, R, cond, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true),
                "1,a1,3,b3\n1,a1,4,b5\n1,a2,3,b3\n1,a2,4,b5\n2,a3,3,b3\n2,a3,4,b5\n4,a5,NULL,NULL\nNULL,a4,NULL,NULL\n");
  TFAIL_IF(plan_nl_join(A, JOIN_RIGHT, L, R, cond, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true),
                "1,a1,3,b3\n1,a1,4,b5\n1,a2,3,b3\n1,a2,4,b5\n2,a3,3,b3\n2,a3,4,b5\nNULL,NULL,1,b1\nNULL,NULL,1,b2\n"
                "NULL,NULL,NULL,b4\n");
  TFAIL_IF(plan_nl_join(A, JOIN_ANTI, L, R, cond, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "4,a5\nNULL,a4\n");
  TFAIL_IF(plan_nl_join(A, JOIN_CROSS, L, R, NULL, &p, &E), E);
  int rc;
  const char *all = trun_rc(A, p, NULL, true, &rc, &E);
  int lines = 0;
  for (const char *q = all; *q; q++) lines += *q == '\n';
  ASSERT_EQ_INT(lines, 25);
  teardown();
}

/* Big tables: left n rows with k = i % m, right m rows with k = i (duplicates on the left). */
static memsource *big(uint32_t n, uint32_t mod, const char *label) {
  lago_type ts[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  memsource *m = memsource_new(2, ts, NULL, label);
  for (uint32_t done = 0; done < n; done += 2048) {
    uint32_t take = n - done < 2048 ? n - done : 2048;
    arena *tmp = arena_new("gen", 1 << 16);
    batch *b = batch_new(tmp, 2, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      uint32_t row = done + i;
      if (row % 101 == 7) vec_set_null(&b->cols[0], i);
      else VEC_DATA(&b->cols[0], int64_t)[i] = row % mod;
      char s[48];
      int len = snprintf(s, sizeof s, "%s-payload-%u", label, row);
      vec_set_str(&b->cols[1], i, s, (uint32_t)len);
    }
    batch_set_rows(b, take);
    if (memsource_append(m, b)) test_fail_(__FILE__, __LINE__, "append");
    arena_free(tmp);
  }
  memsource_set_shape(m, 1024, 1);
  return m;
}

static int count_spill_files(const char *dir) {
  DIR *d = opendir(dir);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (!strncmp(e->d_name, "lago-spill-", 11)) n++;
  if (d) closedir(d);
  return n;
}

TEST(join_spill_and_parallel) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  memsource *ml = big(16000, 6000, "L"), *mr = big(8000, 8000, "R");
  plan *l = tscan(A, ml), *r = tscan(A, mr);
  join_type types[] = {JOIN_INNER, JOIN_LEFT, JOIN_RIGHT, JOIN_FULL, JOIN_SEMI, JOIN_ANTI, JOIN_MARK};
  for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
    expr *a = expr_column(A, 0, type_make(LT_BIGINT), NULL), *b = expr_column(A, 0, type_make(LT_BIGINT), NULL);
    bool ne = false;
    plan *j, *agg;
    expr *resid = types[t] == JOIN_MARK ? NULL
                  : tcall2(A, "<>", tcall2(A, "%", expr_column(A, 0, type_make(LT_BIGINT), NULL), expr_bigint(A, 13)),
                           expr_bigint(A, 5));
    TFAIL_IF(plan_hash_join(A, types[t], l, r, &a, &b, &ne, 1, resid, types[t] == JOIN_MARK, &j, &E), E);
    /* an aggregate on top: the join probe runs as a parallel pipeline */
    agg_call *aggs[3];
    expr *c1 = expr_column(A, 1, type_make(LT_STRING), NULL);
    TFAIL_IF(agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &E), E);
    TFAIL_IF(agg_call_make(A, "max", &c1, 1, false, false, NULL, &aggs[1], &E), E);
    expr *last = expr_column(A, j->n_cols - 1, j->types[j->n_cols - 1], NULL);
    TFAIL_IF(agg_call_make(A, "count", &last, 1, false, false, NULL, &aggs[2], &E), E);
    expr *g = expr_column(A, 0, type_make(LT_BIGINT), NULL);
    TFAIL_IF(plan_hash_agg(A, j, &g, 1, aggs, 3, NULL, &agg, &E), E);
    exec_config one = {0, 1, 0, test_tmpdir(), NULL}, two = {0, 2, 0, test_tmpdir(), NULL};
    exec_config tiny = {200 * 1024, 1, 0, test_tmpdir(), NULL}, tiny2 = {200 * 1024, 2, 0, test_tmpdir(), NULL};
    const char *want = trun(A, agg, &one, true);
    ASSERT_EQ_STR(trun(A, agg, &two, true), want);
    ASSERT_EQ_STR(trun(A, agg, &tiny, true), want);
    ASSERT_EQ_STR(trun(A, agg, &tiny2, true), want);
    ASSERT_EQ_INT(count_spill_files(test_tmpdir()), 0);
    /* and the join alone at the root */
    ASSERT_EQ_STR(trun(A, j, &tiny, true), trun(A, j, &one, true));
  }
  /* the tiny limit made the build spill */
  expr *a = expr_column(A, 0, type_make(LT_BIGINT), NULL), *b = expr_column(A, 0, type_make(LT_BIGINT), NULL);
  bool ne = false;
  plan *j;
  TFAIL_IF(plan_hash_join(A, JOIN_INNER, l, r, &a, &b, &ne, 1, NULL, false, &j, &E), E);
  exec_config tiny = {200 * 1024, 1, 0, test_tmpdir(), NULL};
  exec_ctx *cx;
  ASSERT_OK(exec_ctx_new(&tiny, &cx), NULL);
  exec_query *q;
  ASSERT_OK(exec_open(cx, j, &q, &E), &E);
  batch *bb;
  uint64_t rows = 0;
  while (exec_next(q, &bb, &E) == LAGO_OK && bb->n_rows) rows += bb->n_rows;
  exec_close(q);
  ASSERT(exec_ctx_stats(cx)->spill_files > 0);
  exec_ctx_free(cx);
  /* left rows with a non-NULL key k < 15000 each match the one right row with that key (if not NULL there) */
  ASSERT(rows > 10000);
  memsource_free(ml);
  memsource_free(mr);
}

/*
** GROUP BY columns of a dimension joined by its dense unique key (the star-join aggregate): the
** join hands out the dimension's columns as dictionary vectors over its key-ordered build columns
** and the aggregation caches each code's group. Build columns with NULLs, long and repeated names,
** probe keys without a match and NULL; checked against a brute-force count, with 1 and 2 threads,
** with a selection (filter) on the probe side, and with a memory limit that partitions the join.
*/
TEST(join_star_aggregate) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
  enum { ND = 6000, NF = 40000 };
  static const char *names[] = {"ann", "bob", "a-name-longer-than-twelve", "a-name-longer-than-twelve-2", "z"};
  lago_type dt[3] = {type_make(LT_BIGINT), type_make(LT_STRING), type_make(LT_INT)};
  lago_type ft[2] = {type_make(LT_BIGINT), type_make(LT_BIGINT)};
  memsource *dm = memsource_new(3, dt, NULL, "d"), *fm = memsource_new(2, ft, NULL, "f");
  static int64_t fid[NF], fv[NF];
  static bool fnull[NF];
  arena *tmp = arena_new("gen", 1 << 16);
  batch *b = batch_new(tmp, 3, dt, ND);
  for (uint32_t i = 0; i < ND; i++) { /* ids 100..100+ND-1 in a scrambled order */
    int64_t id = 100 + (int64_t)((i * 7919u) % ND);
    VEC_DATA(&b->cols[0], int64_t)[i] = id;
    if (id % 11 == 0) vec_set_null(&b->cols[1], i);
    else vec_set_str(&b->cols[1], i, names[id % 5], (uint32_t)strlen(names[id % 5]));
    if (id % 13 == 0) vec_set_null(&b->cols[2], i);
    else VEC_DATA(&b->cols[2], int32_t)[i] = (int32_t)(id % 3);
  }
  batch_set_rows(b, ND);
  TFAIL_IF(memsource_append(dm, b) ? LAGO_NOMEM : LAGO_OK, E);
  arena_reset(tmp);
  b = batch_new(tmp, 2, ft, NF);
  uint64_t x = 12345;
  for (uint32_t i = 0; i < NF; i++) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    fid[i] = (int64_t)((x >> 33) % (ND + 400)); /* ids below 100 and above 100+ND-1 have no match */
    fnull[i] = (x >> 20) % 50 == 0;
    fv[i] = (int64_t)((x >> 40) % 1000);
    if (fnull[i]) vec_set_null(&b->cols[0], i);
    else VEC_DATA(&b->cols[0], int64_t)[i] = fid[i];
    VEC_DATA(&b->cols[1], int64_t)[i] = fv[i];
  }
  batch_set_rows(b, NF);
  TFAIL_IF(memsource_append(fm, b) ? LAGO_NOMEM : LAGO_OK, E);
  arena_free(tmp);
  memsource_set_shape(fm, 1000, 2);
  /* reference: GROUP BY (name, cat) of matched rows with v < 900: count(*), sum(v) */
  int64_t cnt[6][4] = {{0}}, sum[6][4] = {{0}};
  for (uint32_t i = 0; i < NF; i++) {
    if (fnull[i] || fid[i] < 100 || fid[i] >= 100 + ND || fv[i] >= 900) continue;
    int64_t id = fid[i];
    int ni = id % 11 == 0 ? 5 : (int)(id % 5), ci = id % 13 == 0 ? 3 : (int)(id % 3);
    cnt[ni][ci]++;
    sum[ni][ci] += fv[i];
  }
  buf want;
  buf_init(&want);
  for (int ni = 0; ni < 6; ni++)
    for (int ci = 0; ci < 4; ci++) {
      if (!cnt[ni][ci]) continue;
      buf_printf(&want, "%s,", ni == 5 ? "NULL" : names[ni]);
      if (ci == 3) buf_puts(&want, "NULL");
      else buf_printf(&want, "%d", ci);
      buf_printf(&want, ",%lld,%lld\n", (long long)cnt[ni][ci], (long long)sum[ni][ci]);
    }
  /* the plan */
  plan *fs = tscan(A, fm), *ds = tscan(A, dm), *ff, *j, *g;
  TFAIL_IF(plan_filter(A, fs, tcall2(A, "<", expr_column(A, 1, ft[1], "v"), expr_bigint(A, 900)), &ff, &E), E);
  expr *l = expr_column(A, 0, ft[0], "id"), *r = expr_column(A, 0, dt[0], "id");
  TFAIL_IF(plan_hash_join(A, JOIN_INNER, ff, ds, &l, &r, NULL, 1, NULL, false, &j, &E), E);
  expr *keys[2] = {expr_column(A, 3, dt[1], "name"), expr_column(A, 4, dt[2], "cat")};
  agg_call *aggs[2];
  expr *v = expr_column(A, 1, ft[1], "v");
  TFAIL_IF(agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &E), E);
  TFAIL_IF(agg_call_make(A, "sum", &v, 1, false, false, NULL, &aggs[1], &E), E);
  TFAIL_IF(plan_hash_agg(A, j, keys, 2, aggs, 2, NULL, &g, &E), E);
  const char *w = buf_cstr(&want);
  exec_config cfgs[3] = {{0, 1, 0, NULL, NULL}, {0, 2, 0, NULL, NULL}, {96 * 1024, 2, 0, test_tmpdir(), NULL}};
  const char *first = NULL;
  for (int c = 0; c < 3; c++) {
    const char *got = trun(A, g, &cfgs[c], true);
    if (!first) first = got;
    ASSERT_EQ_STR(got, first);
  }
  /* the reference was written in (name, cat) order with NULL last; compare as sorted line sets */
  size_t nl = 0;
  for (const char *p = w; *p; p++) nl += *p == '\n';
  size_t ng = 0;
  for (const char *p = first; *p; p++) ng += *p == '\n';
  ASSERT_EQ_INT((int64_t)ng, (int64_t)nl);
  char *all = arena_alloc(A, strlen(first) + 2);
  all[0] = '\n';
  strcpy(all + 1, first);
  for (const char *p = w; *p;) {
    const char *e = strchr(p, '\n');
    char line[128];
    snprintf(line, sizeof line, "\n%.*s\n", (int)(e - p), p); /* a whole line of the result */
    if (!strstr(all, line)) test_fail_(__FILE__, __LINE__, "missing group line %s", line + 1);
    p = e + 1;
  }
  buf_deinit(&want);
  memsource_free(dm);
  memsource_free(fm);
}
