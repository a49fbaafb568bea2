/*
** tests/unit/exec/test_window.c: window functions (ranks, LAG/LEAD,
** FIRST/LAST_VALUE, aggregates over ROWS and RANGE frames), the dedupe
** operator (QUALIFY ROW_NUMBER() ... <= k) against window + filter, set
** operations and explode.
*/
#include "exec_test.h"

static arena *A;
static lago_err E;
static void setup(void) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
}

static win_call wc(const char *name, expr *arg, bool has_order) {
  win_call c;
  TFAIL_IF(win_call_make(A, name, arg ? &arg : NULL, arg ? 1 : 0, false, has_order, &c, &E), E);
  return c;
}

static win_frame frame(frame_unit u, frame_bound s, int so, frame_bound e, int eo) {
  win_frame f = {(uint8_t)u, (uint8_t)s, (uint8_t)e, NULL, NULL};
  if (s == BOUND_PRECEDING || s == BOUND_FOLLOWING) f.start_off = expr_int(A, so);
  if (e == BOUND_PRECEDING || e == BOUND_FOLLOWING) f.end_off = expr_int(A, eo);
  return f;
}

/* g, t, v: partition g, order t */
static memsource *table(void) {
  return tsource(A, 3, (const char *[]){"STRING", "INT", "INT"},
                 (const char *[]){"a|a|a|a|a|b|b|NULL|NULL", "1|2|2|3|5|1|1|7|8", "10|20|NULL|40|50|5|6|1|2"});
}

static const char *run_window(memsource *m, win_call *calls, uint32_t n, bool desc) {
  plan *s = tscan(A, m), *w;
  expr *g = expr_column(A, 0, type_make(LT_STRING), "g");
  sort_key o[2] = {{expr_column(A, 1, type_make(LT_INT), "t"), desc, !desc},
                   {expr_column(A, 2, type_make(LT_INT), "v"), false, true}};
  TFAIL_IF(plan_window(A, s, &g, 1, o, 2, calls, n, &w, &E), E);
  return trun(A, w, NULL, true);
}

TEST(window_ranks_lag_lead) {
  setup();
  memsource *m = table();
  expr *v = expr_column(A, 2, type_make(LT_INT), "v");
  win_call calls[5] = {wc("row_number", NULL, true), wc("rank", NULL, true), wc("dense_rank", NULL, true), {0}, {0}};
  expr *lag_args[3] = {v, expr_int(A, 2), expr_int(A, -1)};
  TFAIL_IF(win_call_make(A, "lag", lag_args, 3, false, true, &calls[3], &E), E);
  calls[4] = wc("lead", v, true);
  /* rank is over ORDER BY t, v: t=2 rows differ by v (NULL first) so no ties there; rank ties need equal (t, v) */
  ASSERT_EQ_STR(run_window(m, calls, 5, false),
                "NULL,7,1,1,1,1,-1,2\n"
                "NULL,8,2,2,2,2,-1,NULL\n"
                "a,1,10,1,1,1,-1,NULL\n"
                "a,2,20,3,3,3,10,40\n"
                "a,2,NULL,2,2,2,-1,20\n"
                "a,3,40,4,4,4,NULL,50\n"
                "a,5,50,5,5,5,20,NULL\n"
                "b,1,5,1,1,1,-1,6\n"
                "b,1,6,2,2,2,-1,NULL\n");
  /* ties: order by t only */
  plan *s = tscan(A, m), *w;
  expr *g = expr_column(A, 0, type_make(LT_STRING), "g");
  sort_key o = {expr_column(A, 1, type_make(LT_INT), "t"), false, true};
  win_call r[2] = {wc("rank", NULL, true), wc("dense_rank", NULL, true)};
  TFAIL_IF(plan_window(A, s, &g, 1, &o, 1, r, 2, &w, &E), E);
  ASSERT_EQ_STR(trun(A, w, NULL, true),
                "NULL,7,1,1,1\nNULL,8,2,2,2\na,1,10,1,1\na,2,20,2,2\na,2,NULL,2,2\na,3,40,4,3\na,5,50,5,4\nb,1,5,1,1\nb,1,6,1,1\n");
  memsource_free(m);
}

static const char *run_window1(memsource *m, win_call *calls, uint32_t n, bool desc) {
  plan *s = tscan(A, m), *w;
  expr *g = expr_column(A, 0, type_make(LT_STRING), "g");
  sort_key o = {expr_column(A, 1, type_make(LT_INT), "t"), desc, !desc};
  TFAIL_IF(plan_window(A, s, &g, 1, &o, 1, calls, n, &w, &E), E);
  return trun(A, w, NULL, true);
}

TEST(window_frames) {
  setup();
  memsource *m = tsource(A, 3, (const char *[]){"STRING", "INT", "INT"},
                         (const char *[]){"a|a|a|a|a|b|b|NULL|NULL", "1|2|3|4|6|1|2|7|8", "10|NULL|20|40|50|5|6|1|2"});
  expr *v = expr_column(A, 2, type_make(LT_INT), "v");
  win_call c[8];
  c[0] = wc("sum", v, true); /* default: RANGE UNBOUNDED PRECEDING .. CURRENT ROW */
  c[1] = wc("count", v, true);
  c[1].frame = frame(FRAME_ROWS, BOUND_PRECEDING, 1, BOUND_FOLLOWING, 1);
  c[2] = wc("max", v, true);
  c[2].frame = frame(FRAME_ROWS, BOUND_CURRENT_ROW, 0, BOUND_UNBOUNDED_FOLLOWING, 0);
  c[3] = wc("avg", v, true);
  c[3].frame = frame(FRAME_RANGE, BOUND_PRECEDING, 1, BOUND_CURRENT_ROW, 0);
  c[4] = wc("first_value", v, true);
  c[4].frame = frame(FRAME_ROWS, BOUND_UNBOUNDED_PRECEDING, 0, BOUND_UNBOUNDED_FOLLOWING, 0);
  TFAIL_IF(win_call_make(A, "last_value", &v, 1, true, true, &c[5], &E), E);
  c[5].frame = frame(FRAME_ROWS, BOUND_UNBOUNDED_PRECEDING, 0, BOUND_CURRENT_ROW, 0);
  c[6] = wc("min", v, true);
  c[6].frame = frame(FRAME_ROWS, BOUND_FOLLOWING, 1, BOUND_FOLLOWING, 2);
  c[7] = wc("sum", v, true);
  c[7].frame = frame(FRAME_RANGE, BOUND_CURRENT_ROW, 0, BOUND_FOLLOWING, 2);
  ASSERT_EQ_STR(run_window1(m, c, 8, false),
                "NULL,7,1,1,2,2,1.0,1,1,2,3\n"
                "NULL,8,2,3,2,2,1.5,1,2,NULL,2\n"
                "a,1,10,10,1,50,10.0,10,10,20,30\n"
                "a,2,NULL,10,2,50,10.0,10,10,20,60\n"
                "a,3,20,30,2,50,20.0,10,20,40,60\n"
                "a,4,40,70,3,50,30.0,10,40,50,90\n"
                "a,6,50,120,2,50,50.0,10,50,NULL,50\n"
                "b,1,5,5,2,6,5.0,5,5,6,11\n"
                "b,2,6,11,2,6,5.5,5,6,NULL,6\n");
  /* DESC order: 1 PRECEDING means values up to t + 1 */
  win_call d = wc("sum", v, true);
  d.frame = frame(FRAME_RANGE, BOUND_PRECEDING, 1, BOUND_CURRENT_ROW, 0);
  ASSERT_EQ_STR(run_window1(m, &d, 1, true),
                "NULL,7,1,3\nNULL,8,2,2\na,1,10,10\na,2,NULL,20\na,3,20,60\na,4,40,40\na,6,50,50\nb,1,5,11\nb,2,6,6\n");
  /* no ORDER BY: the whole partition */
  plan *s = tscan(A, m), *w;
  expr *g = expr_column(A, 0, type_make(LT_STRING), "g");
  win_call t = wc("sum", v, false);
  TFAIL_IF(plan_window(A, s, &g, 1, NULL, 0, &t, 1, &w, &E), E);
  ASSERT_EQ_STR(trun(A, w, NULL, true),
                "NULL,7,1,3\nNULL,8,2,3\na,1,10,120\na,2,NULL,120\na,3,20,120\na,4,40,120\na,6,50,120\nb,1,5,11\nb,2,6,11\n");
  memsource_free(m);
}

/* The CDC dedupe: latest change per key, compared with window + filter. */
static memsource *cdc(uint32_t n, uint32_t keys) {
  lago_type ts[4] = {type_make(LT_BIGINT), type_make(LT_TIMESTAMP), type_make(LT_STRING), type_make(LT_STRING)};
  memsource *m = memsource_new(4, ts, NULL, "cdc");
  uint64_t seed = 7;
  for (uint32_t done = 0; done < n; done += 2048) {
    uint32_t take = n - done < 2048 ? n - done : 2048;
    arena *tmp = arena_new("gen", 1 << 16);
    batch *b = batch_new(tmp, 4, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      uint32_t row = done + i;
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      uint64_t k = (seed >> 33) % keys;
      if (k == 3) vec_set_null(&b->cols[0], i);
      else VEC_DATA(&b->cols[0], int64_t)[i] = (int64_t)k;
      VEC_DATA(&b->cols[1], int64_t)[i] = (int64_t)(1700000000000000ULL + row * 1000ULL); /* unique */
      const char *op = (seed >> 20) % 10 < 6 ? "U" : (seed >> 20) % 10 < 9 ? "I" : "D";
      vec_set_str(&b->cols[2], i, op, 1);
      char s[40];
      int len = snprintf(s, sizeof s, "payload-%u-abcdefgh", row);
      vec_set_str(&b->cols[3], i, s, (uint32_t)len);
    }
    batch_set_rows(b, take);
    if (memsource_append(m, b)) test_fail_(__FILE__, __LINE__, "append");
    arena_free(tmp);
  }
  memsource_set_shape(m, 1024, 1);
  return m;
}

static plan *window_filter(plan *s, int64_t keep) {
  expr *k = expr_column(A, 0, type_make(LT_BIGINT), "k");
  sort_key o[2] = {{expr_column(A, 1, type_make(LT_TIMESTAMP), "ts"), true, false},
                   {expr_column(A, 2, type_make(LT_STRING), "op"), false, true}};
  win_call rn = wc("row_number", NULL, true);
  plan *w, *f, *p;
  TFAIL_IF(plan_window(A, s, &k, 1, o, 2, &rn, 1, &w, &E), E);
  TFAIL_IF(plan_filter(A, w, tcall2(A, "<=", expr_column(A, 4, type_make(LT_INT), "rn"), expr_int(A, (int32_t)keep)),
                       &f, &E),
           E);
  expr *cols[5];
  for (uint32_t i = 0; i < 5; i++) cols[i] = expr_column(A, i, w->types[i], NULL);
  TFAIL_IF(plan_project(A, f, cols, 5, NULL, &p, &E), E);
  return p;
}

static plan *dedupe(plan *s, int64_t keep) {
  expr *k = expr_column(A, 0, type_make(LT_BIGINT), "k");
  sort_key o[2] = {{expr_column(A, 1, type_make(LT_TIMESTAMP), "ts"), true, false},
                   {expr_column(A, 2, type_make(LT_STRING), "op"), false, true}};
  plan *d;
  TFAIL_IF(plan_dedupe(A, s, &k, 1, o, 2, keep, true, &d, &E), E);
  return d;
}

TEST(window_dedupe_matches_row_number) {
  setup();
  memsource *m = cdc(12000, 3000);
  plan *s = tscan(A, m);
  exec_config one = {0, 1, 0, test_tmpdir(), NULL}, two = {0, 2, 0, test_tmpdir(), NULL};
  exec_config tiny = {256 * 1024, 1, 0, test_tmpdir(), NULL}, tiny2 = {256 * 1024, 2, 0, test_tmpdir(), NULL};
  for (int64_t keep = 1; keep <= 2; keep++) {
    const char *want = trun(A, window_filter(s, keep), &one, true);
    plan *d = dedupe(s, keep);
    ASSERT_EQ_STR(trun(A, d, &one, true), want);
    ASSERT_EQ_STR(trun(A, d, &two, true), want);
    ASSERT_EQ_STR(trun(A, d, &tiny, true), want);
    ASSERT_EQ_STR(trun(A, d, &tiny2, true), want);
    /* the window path itself spills its sort */
    ASSERT_EQ_STR(trun(A, window_filter(s, keep), &tiny2, true), want);
  }
  memsource_free(m);
}

TEST(window_setops_and_explode) {
  setup();
  memsource *ml = tsource(A, 2, (const char *[]){"INT", "STRING"}, (const char *[]){"1|1|1|2|NULL|NULL|3", "a|a|a|b|n|n|c"});
  memsource *mr = tsource(A, 2, (const char *[]){"INT", "STRING"}, (const char *[]){"1|2|2|NULL|4", "a|b|b|n|d"});
  plan *l = tscan(A, ml), *r = tscan(A, mr), *p;
  TFAIL_IF(plan_setop(A, l, r, true, false, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "1,a\n2,b\nNULL,n\n");
  TFAIL_IF(plan_setop(A, l, r, true, true, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "1,a\n2,b\nNULL,n\n");
  TFAIL_IF(plan_setop(A, l, r, false, false, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "3,c\n");
  TFAIL_IF(plan_setop(A, l, r, false, true, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, true), "1,a\n1,a\n3,c\nNULL,n\n");
  /* explode / posexplode outer over split strings */
  memsource *ms = tsource(A, 2, (const char *[]){"INT", "STRING"}, (const char *[]){"1|2|3", "x,y|NULL|z"});
  plan *s = tscan(A, ms), *g;
  expr *arr = tcall2(A, "split", expr_column(A, 1, type_make(LT_STRING), "s"), expr_str(A, ","));
  TFAIL_IF(plan_generate(A, s, arr, false, false, &g, &E), E);
  ASSERT_EQ_STR(trun(A, g, NULL, false), "1,x,y,x\n1,x,y,y\n3,z,z\n");
  TFAIL_IF(plan_generate(A, s, arr, true, true, &g, &E), E);
  ASSERT_EQ_STR(trun(A, g, NULL, false), "1,x,y,0,x\n1,x,y,1,y\n2,NULL,NULL,NULL\n3,z,0,z\n");
  memsource_free(ml);
  memsource_free(mr);
  memsource_free(ms);
}
