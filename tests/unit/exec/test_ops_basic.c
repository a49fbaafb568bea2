/*
** tests/unit/exec/test_ops_basic.c: scan, filter, project, limit, union
** all, values, EXPLAIN, cancellation.
*/
#include "exec_test.h"
#include "exec/vecops.h"

static arena *A;
static lago_err E;
static void setup(void) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
}

TEST(ops_scan_filter_project) {
  setup();
  memsource *m = tsource(A, 3, (const char *[]){"INT", "STRING", "DOUBLE"},
                         (const char *[]){"1|2|3|4|NULL|6", "a|bb|NULL|dddd|e|f", "1.5|2.5|3.5|NULL|5.5|6.5"});
  memsource_set_shape(m, 2, 1); /* batches of 2 rows: 3 morsels */
  plan *s = tscan(A, m), *f, *p;
  expr *x = expr_column(A, 0, type_make(LT_INT), "x");
  TFAIL_IF(plan_filter(A, s, tcall2(A, ">=", x, expr_int(A, 2)), &f, &E), E);
  expr *proj[2] = {tcall2(A, "*", x, expr_int(A, 10)), tcall1(A, "upper", expr_column(A, 1, type_make(LT_STRING), "s"))};
  TFAIL_IF(plan_project(A, f, proj, 2, (const char *[]){"x10", "su"}, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, false), "20,BB\n30,NULL\n40,DDDD\n60,F\n");
  buf b;
  buf_init(&b);
  ASSERT_OK(exec_explain(p, &b), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "Project [(x#0 * 10), upper(s#1)]\n"
                              "  Filter (x#0 >= 2)\n"
                              "    Scan memory t cols=[#0, #1, #2] rows=6 batch_rows=2\n");
  buf_deinit(&b);
  memsource_free(m);
}

TEST(ops_limit_offset) {
  setup();
  char col[4096] = "";
  for (int i = 0; i < 500; i++) sprintf(col + strlen(col), "%s%d", i ? "|" : "", i);
  memsource *m = tsource(A, 1, (const char *[]){"INT"}, (const char *[]){col});
  memsource_set_shape(m, 64, 1);
  plan *s = tscan(A, m), *l;
  TFAIL_IF(plan_limit(A, s, 3, 126, &l, &E), E);
  ASSERT_EQ_STR(trun(A, l, NULL, false), "126\n127\n128\n");
  TFAIL_IF(plan_limit(A, s, 0, 0, &l, &E), E);
  ASSERT_EQ_STR(trun(A, l, NULL, false), "");
  TFAIL_IF(plan_limit(A, s, -1, 497, &l, &E), E);
  ASSERT_EQ_STR(trun(A, l, NULL, false), "497\n498\n499\n");
  TFAIL_IF(plan_limit(A, s, 5, 1000, &l, &E), E);
  ASSERT_EQ_STR(trun(A, l, NULL, false), "");
  memsource_free(m);
}

TEST(ops_values_union) {
  setup();
  vec *c[2] = {tv(A, "INT", "1|2"), tv(A, "STRING", "x|NULL")};
  vec cols[2] = {*c[0], *c[1]};
  plan *v, *u;
  TFAIL_IF(plan_values(A, 2, cols, 2, (const char *[]){"a", "b"}, &v, &E), E);
  plan *kids[3] = {v, v, v};
  TFAIL_IF(plan_union_all(A, kids, 3, &u, &E), E);
  ASSERT_EQ_STR(trun(A, u, NULL, false), "1,x\n2,NULL\n1,x\n2,NULL\n1,x\n2,NULL\n");
  /* mismatched types are a bind error */
  vec cols2[2] = {*tv(A, "BIGINT", "1"), *tv(A, "STRING", "y")};
  plan *v2;
  TFAIL_IF(plan_values(A, 2, cols2, 1, NULL, &v2, &E), E);
  plan *k2[2] = {v, v2};
  ASSERT_RC(plan_union_all(A, k2, 2, &u, &E), LAGO_BIND);
  ASSERT_CONTAINS(E.msg, "INCOMPATIBLE_COLUMN_TYPE");
}

TEST(ops_runtime_error_and_cancel) {
  setup();
  memsource *m = tsource(A, 1, (const char *[]){"INT"}, (const char *[]){"1|0|2"});
  plan *s = tscan(A, m), *p;
  expr *e = tcall2(A, "div", expr_int(A, 10), expr_column(A, 0, type_make(LT_INT), NULL));
  TFAIL_IF(plan_project(A, s, &e, 1, NULL, &p, &E), E);
  int rc;
  ASSERT(trun_rc(A, p, NULL, false, &rc, &E) == NULL);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(E.msg, "[DIVIDE_BY_ZERO]");
  atomic_int cancel = 1;
  exec_config cfg = {0, 1, 0, NULL, &cancel};
  ASSERT(trun_rc(A, s, &cfg, false, &rc, &E) == NULL);
  ASSERT_RC(rc, LAGO_CANCELLED);
  memsource_free(m);
}

TEST(ops_explain_tree) {
  setup();
  memsource *m = tsource(A, 2, (const char *[]){"INT", "STRING"}, (const char *[]){"1|2", "a|b"});
  plan *l = tscan(A, m), *r = tscan(A, m), *j, *g, *t;
  expr *lk = expr_column(A, 0, type_make(LT_INT), "k"), *rk = expr_column(A, 0, type_make(LT_INT), "k");
  bool ne = true;
  TFAIL_IF(plan_hash_join(A, JOIN_LEFT, l, r, &lk, &rk, &ne, 1,
                          tcall2(A, "<>", expr_column(A, 1, type_make(LT_STRING), "s"), expr_column(A, 3, type_make(LT_STRING), "s")),
                          false, &j, &E), E);
  agg_call *a;
  expr *s = expr_column(A, 3, type_make(LT_STRING), "s");
  TFAIL_IF(agg_call_make(A, "count", &s, 1, true, false, NULL, &a, &E), E);
  TFAIL_IF(plan_hash_agg(A, j, &lk, 1, &a, 1, NULL, &g, &E), E);
  sort_key k = {expr_column(A, 1, type_make(LT_BIGINT), NULL), true, false};
  TFAIL_IF(plan_top_n(A, g, &k, 1, 10, 0, &t, &E), E);
  buf b;
  buf_init(&b);
  ASSERT_OK(exec_explain(t, &b), NULL);
  ASSERT_EQ_STR(buf_cstr(&b),
                "TopN limit=10 offset=0 [#1 DESC NULLS LAST]\n"
                "  HashAggregate keys=[k#0] aggs=[count(DISTINCT s#3)]\n"
                "    HashJoin LEFT keys=[k#0 <=> k#0] residual=(s#1 <> s#3)\n"
                "      Scan memory t cols=[#0, #1] rows=2 batch_rows=2048\n"
                "      Scan memory t cols=[#0, #1] rows=2 batch_rows=2048\n");
  buf_deinit(&b);
  ASSERT_EQ_STR(trun(A, t, NULL, true), "1,0\n2,0\n");
  memsource_free(m);
}

/* vecops_hash over a dictionary vector (hashed once per entry) equals the hash of the same values flat */
TEST(ops_hash_dict_equals_flat) {
  arena *ar = arena_new("t", 4096);
  vec *dict = tv(ar, "STRING", "apple|banana|cherry");
  uint32_t n = 64;
  vec *flat = vec_new(ar, type_make(LT_STRING), n);
  vec *dv = vec_new(ar, type_make(LT_STRING), n);
  ASSERT_NE_NULL(flat);
  ASSERT_NE_NULL(dv);
  uint32_t *codes = arena_alloc(ar, n * sizeof *codes);
  ASSERT_NE_NULL(codes);
  for (uint32_t i = 0; i < n; i++) {
    codes[i] = (i * 7) % 3;
    if (i % 5 == 4) {
      ASSERT(vec_set_null(flat, i) == LAGO_OK);
      ASSERT(vec_set_null(dv, i) == LAGO_OK);
    } else {
      const lago_str *s = &VEC_DATA(dict, lago_str)[codes[i]];
      ASSERT(vec_set_str(flat, i, str_data(s), s->len) == LAGO_OK);
    }
  }
  flat->len = n;
  dv->kind = VEC_DICT;
  dv->data = codes;
  dv->dict = dict;
  dv->len = n;
  uint64_t h1[64], h2[64], c1[64], c2[64];
  vecops_hash(flat, NULL, n, h1, false);
  vecops_hash(dv, NULL, n, h2, false);
  for (uint32_t i = 0; i < n; i++) ASSERT_EQ_UINT(h1[i], h2[i]);
  ASSERT(h1[0] != h1[1]);
  /* combined with an earlier key, under a selection */
  uint32_t sel[10] = {1, 3, 4, 9, 10, 20, 33, 40, 50, 63};
  for (uint32_t i = 0; i < 10; i++) c1[i] = c2[i] = i;
  vecops_hash(flat, sel, 10, c1, true);
  vecops_hash(dv, sel, 10, c2, true);
  for (uint32_t i = 0; i < 10; i++) ASSERT_EQ_UINT(c1[i], c2[i]);
  arena_free(ar);
}
