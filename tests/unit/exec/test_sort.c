/*
** tests/unit/exec/test_sort.c: ORDER BY with every key kind, Spark's NULL
** and NaN ordering, long strings with equal prefixes, TopN, and a random
** table sorted with 1 and 2 threads and with a tiny memory limit (spilled
** runs merged) against a reference qsort.
*/
#include <dirent.h>

#include "exec_test.h"

static arena *A;
static lago_err E;
static void setup(void) {
  A = arena_new("test", 1 << 16);
  lago_err_clear(&E);
}

static plan *sorted(plan *child, sort_key *keys, uint32_t n) {
  plan *p;
  TFAIL_IF(plan_sort(A, child, keys, n, &p, &E), E);
  return p;
}

TEST(sort_orders_nulls_nan) {
  setup();
  memsource *m = tsource(A, 2, (const char *[]){"DOUBLE", "INT"},
                         (const char *[]){"1.5|NaN|-0.0|NULL|-Infinity|0.0|Infinity|-2|NaN|NULL", "1|2|3|4|5|6|7|8|9|10"});
  plan *s = tscan(A, m);
  expr *x = expr_column(A, 0, type_make(LT_DOUBLE), "x"), *i = expr_column(A, 1, type_make(LT_INT), "i");
  sort_key k1[2] = {{x, false, true}, {i, false, true}};
  ASSERT_EQ_STR(trun(A, sorted(s, k1, 2), NULL, false),
                "NULL,4\nNULL,10\n-Infinity,5\n-2.0,8\n-0.0,3\n0.0,6\n1.5,1\nInfinity,7\nNaN,2\nNaN,9\n");
  sort_key k2[2] = {{x, true, false}, {i, true, false}};
  ASSERT_EQ_STR(trun(A, sorted(s, k2, 2), NULL, false),
                "NaN,9\nNaN,2\nInfinity,7\n1.5,1\n0.0,6\n-0.0,3\n-2.0,8\n-Infinity,5\nNULL,10\nNULL,4\n");
  sort_key k3[2] = {{x, true, true}, {i, false, false}};
  ASSERT_EQ_STR(trun(A, sorted(s, k3, 2), NULL, false),
                "NULL,4\nNULL,10\nNaN,2\nNaN,9\nInfinity,7\n1.5,1\n-0.0,3\n0.0,6\n-2.0,8\n-Infinity,5\n");
  memsource_free(m);
}

TEST(sort_strings_long_prefixes) {
  setup();
  memsource *m = tsource(A, 3, (const char *[]){"STRING", "INT", "DECIMAL(20,2)"},
                         (const char *[]){"aaaaaaaaaaaaX|aaaaaaaaaaaaY|aaaaaaaaaaaa|b|aaaaaaaaaaaaX|NULL|",
                                          "2|1|3|0|1|5|6", "1.00|-1.00|2.50|NULL|-99999999999999999.99|0|3"});
  plan *s = tscan(A, m);
  expr *st = expr_column(A, 0, type_make(LT_STRING), "s"), *i = expr_column(A, 1, type_make(LT_INT), "i");
  expr *d = expr_column(A, 2, type_decimal(20, 2), "d");
  sort_key k[2] = {{st, false, false}, {i, false, true}};
  ASSERT_EQ_STR(trun(A, sorted(s, k, 2), NULL, false),
                ",6,3.00\naaaaaaaaaaaa,3,2.50\naaaaaaaaaaaaX,1,-99999999999999999.99\naaaaaaaaaaaaX,2,1.00\n"
                "aaaaaaaaaaaaY,1,-1.00\nb,0,NULL\nNULL,5,0.00\n");
  sort_key kd[2] = {{st, true, true}, {i, true, false}};
  ASSERT_EQ_STR(trun(A, sorted(s, kd, 2), NULL, false),
                "NULL,5,0.00\nb,0,NULL\naaaaaaaaaaaaY,1,-1.00\naaaaaaaaaaaaX,2,1.00\naaaaaaaaaaaaX,1,-99999999999999999.99\n"
                "aaaaaaaaaaaa,3,2.50\n,6,3.00\n");
  sort_key kdec = {d, false, false};
  ASSERT_EQ_STR(trun(A, sorted(s, &kdec, 1), NULL, false),
                "aaaaaaaaaaaaX,1,-99999999999999999.99\naaaaaaaaaaaaY,1,-1.00\nNULL,5,0.00\naaaaaaaaaaaaX,2,1.00\n"
                "aaaaaaaaaaaa,3,2.50\n,6,3.00\nb,0,NULL\n");
  /* expression keys */
  sort_key ke = {tcall1(A, "length", st), true, false};
  sort_key kk[3] = {ke, {i, false, true}, {st, false, true}};
  ASSERT_EQ_STR(trun(A, sorted(s, kk, 3), NULL, false),
                "aaaaaaaaaaaaX,1,-99999999999999999.99\naaaaaaaaaaaaY,1,-1.00\naaaaaaaaaaaaX,2,1.00\naaaaaaaaaaaa,3,2.50\n"
                "b,0,NULL\n,6,3.00\nNULL,5,0.00\n");
  memsource_free(m);
}

TEST(sort_top_n) {
  setup();
  char col[8192] = "";
  for (int i = 0; i < 1000; i++) sprintf(col + strlen(col), "%s%d", i ? "|" : "", (i * 7919) % 1000);
  memsource *m = tsource(A, 1, (const char *[]){"INT"}, (const char *[]){col});
  memsource_set_shape(m, 100, 1);
  plan *s = tscan(A, m), *p;
  sort_key k = {expr_column(A, 0, type_make(LT_INT), "x"), true, false};
  TFAIL_IF(plan_top_n(A, s, &k, 1, 3, 2, &p, &E), E);
  exec_config two = {0, 2, 0, NULL, NULL};
  ASSERT_EQ_STR(trun(A, p, NULL, false), "997\n996\n995\n");
  ASSERT_EQ_STR(trun(A, p, &two, false), "997\n996\n995\n");
  TFAIL_IF(plan_top_n(A, s, &k, 1, 0, 0, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, NULL, false), "");
  TFAIL_IF(plan_top_n(A, s, &k, 1, 5000, 998, &p, &E), E);
  ASSERT_EQ_STR(trun(A, p, &two, false), "1\n0\n");
  memsource_free(m);
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

/* Reference rows for the random test. */
typedef struct ref_row {
  int64_t k;
  bool k_null;
  char s[24];
  int64_t id;
} ref_row;

static int ref_cmp(const void *a, const void *b) {
  const ref_row *x = a, *y = b;
  /* k DESC NULLS LAST, s ASC, id ASC */
  if (x->k_null != y->k_null) return x->k_null ? 1 : -1;
  if (!x->k_null && x->k != y->k) return x->k > y->k ? -1 : 1;
  int c = strcmp(x->s, y->s);
  if (c) return c;
  return x->id < y->id ? -1 : x->id > y->id;
}

TEST(sort_random_spill_parallel) {
  setup();
  uint32_t n = 60000;
  ref_row *ref = malloc(n * sizeof *ref);
  lago_type ts[3] = {type_make(LT_BIGINT), type_make(LT_STRING), type_make(LT_BIGINT)};
  memsource *m = memsource_new(3, ts, NULL, "r");
  uint64_t seed = 12345;
  for (uint32_t done = 0; done < n; done += 2048) {
    uint32_t take = n - done < 2048 ? n - done : 2048;
    arena *tmp = arena_new("gen", 1 << 16);
    batch *b = batch_new(tmp, 3, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      ref_row *r = &ref[done + i];
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      r->k_null = (seed >> 60) == 0;
      r->k = (int64_t)((seed >> 20) % 200) - 100;
      snprintf(r->s, sizeof r->s, "prefix-%06u", (unsigned)((seed >> 40) % 5000));
      r->id = done + i;
      if (r->k_null) vec_set_null(&b->cols[0], i);
      else VEC_DATA(&b->cols[0], int64_t)[i] = r->k;
      vec_set_str(&b->cols[1], i, r->s, (uint32_t)strlen(r->s));
      VEC_DATA(&b->cols[2], int64_t)[i] = r->id;
    }
    batch_set_rows(b, take);
    ASSERT_OK(memsource_append(m, b), NULL);
    arena_free(tmp);
  }
  memsource_set_shape(m, 1024, 2);
  qsort(ref, n, sizeof *ref, ref_cmp);
  buf want;
  buf_init(&want);
  for (uint32_t i = 0; i < n; i++) {
    if (ref[i].k_null) buf_printf(&want, "NULL,%s,%lld\n", ref[i].s, (long long)ref[i].id);
    else buf_printf(&want, "%lld,%s,%lld\n", (long long)ref[i].k, ref[i].s, (long long)ref[i].id);
  }
  plan *s = tscan(A, m);
  sort_key k[3] = {{expr_column(A, 0, ts[0], "k"), true, false},
                   {expr_column(A, 1, ts[1], "s"), false, true},
                   {expr_column(A, 2, ts[2], "id"), false, true}};
  plan *p = sorted(s, k, 3);
  exec_config cfgs[4] = {{0, 1, 0, test_tmpdir(), NULL},
                         {0, 2, 0, test_tmpdir(), NULL},
                         {512 * 1024, 1, 0, test_tmpdir(), NULL},
                         {512 * 1024, 2, 0, test_tmpdir(), NULL}};
  for (int c = 0; c < 4; c++) ASSERT_EQ_STR(trun(A, p, &cfgs[c], false), buf_cstr(&want));
  /* the tiny limit did spill */
  exec_ctx *cx;
  ASSERT_OK(exec_ctx_new(&cfgs[2], &cx), NULL);
  exec_query *q;
  ASSERT_OK(exec_open(cx, p, &q, &E), &E);
  batch *b;
  while (exec_next(q, &b, &E) == LAGO_OK && b->n_rows) {}
  exec_close(q);
  ASSERT(exec_ctx_stats(cx)->spill_files >= 2);
  exec_ctx_free(cx);
  ASSERT_EQ_INT(count_spill_files(test_tmpdir()), 0);
  buf_deinit(&want);
  free(ref);
  memsource_free(m);
}

static int i64_cmp(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

/* A sort big enough for the out-of-place radix levels (>= 64Ki rows): consecutive big levels
** alternate between the entry array and the scratch array, ranges leave the scratch array when
** they get small, single rows of a scratch bucket are copied back, and a big run of equal keys
** runs out of key bytes while in the scratch array. Checked against qsort, 1 and 2 threads. */
TEST(sort_big_levels) {
  setup();
  uint32_t n = 300000;
  int64_t *ref = malloc(n * sizeof *ref);
  uint32_t n_null = 0, n_ref = 0;
  lago_type ts[2] = {type_make(LT_BIGINT), type_make(LT_BIGINT)};
  memsource *m = memsource_new(1, ts, NULL, "k"), *m2 = memsource_new(2, ts, NULL, "kid");
  uint64_t seed = 777;
  for (uint32_t done = 0; done < n; done += 2048) {
    uint32_t take = n - done < 2048 ? n - done : 2048;
    arena *tmp = arena_new("gen", 1 << 16);
    batch *b = batch_new(tmp, 1, ts, take), *b2 = batch_new(tmp, 2, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      uint32_t row = done + i;
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      uint32_t pick = (uint32_t)(seed >> 56) % 100;
      int64_t k = 0;
      bool null = false;
      if (row == 1000) k = INT64_MIN;
      else if (row == 2000) k = INT64_MAX;
      else if (pick < 5) null = true;
      else if (pick < 50) k = 7;
      else k = (int64_t)((((seed >> 20) & 1) << 40) | ((seed >> 3) & 0xFFFFFFFFFFULL));
      VEC_DATA(&b2->cols[1], int64_t)[i] = row;
      if (null) {
        vec_set_null(&b->cols[0], i);
        vec_set_null(&b2->cols[0], i);
        n_null++;
      } else {
        VEC_DATA(&b->cols[0], int64_t)[i] = k;
        VEC_DATA(&b2->cols[0], int64_t)[i] = k;
        ref[n_ref++] = k;
      }
    }
    batch_set_rows(b, take);
    batch_set_rows(b2, take);
    ASSERT_OK(memsource_append(m, b), NULL);
    ASSERT_OK(memsource_append(m2, b2), NULL);
    arena_free(tmp);
  }
  memsource_set_shape(m, 4096, 2);
  memsource_set_shape(m2, 4096, 2);
  qsort(ref, n_ref, sizeof *ref, i64_cmp);
  buf want, want2;
  buf_init(&want);
  for (uint32_t i = 0; i < n_null; i++) buf_printf(&want, "NULL\n");
  for (uint32_t i = 0; i < n_ref; i++) buf_printf(&want, "%lld\n", (long long)ref[i]);
  plan *p = sorted(tscan(A, m), (sort_key[]){{expr_column(A, 0, ts[0], "k"), false, true}}, 1);
  exec_config cfgs[2] = {{0, 1, 0, test_tmpdir(), NULL}, {0, 2, 0, test_tmpdir(), NULL}};
  for (int c = 0; c < 2; c++) ASSERT_EQ_STR(trun(A, p, &cfgs[c], false), buf_cstr(&want));
  /* (k DESC NULLS LAST, id ASC): fully ordered, so the rows themselves are checked */
  sort_key k2[2] = {{expr_column(A, 0, ts[0], "k"), true, false}, {expr_column(A, 1, ts[1], "id"), false, true}};
  plan *p2 = sorted(tscan(A, m2), k2, 2);
  const char *got = trun(A, p2, &cfgs[1], false);
  /* the k column of (k DESC NULLS LAST) is the reverse of the ascending reference, then the NULLs */
  buf_init(&want2);
  for (uint32_t i = n_ref; i-- > 0;) buf_printf(&want2, "%lld\n", (long long)ref[i]);
  for (uint32_t i = 0; i < n_null; i++) buf_printf(&want2, "NULL\n");
  buf ks;
  buf_init(&ks);
  int64_t prev_k = 0, prev_id = -1;
  bool prev_null = false, ordered = true;
  for (const char *line = got; *line;) {
    const char *nl = strchr(line, '\n');
    const char *comma = strchr(line, ',');
    if (!nl || !comma || comma > nl) break;
    bool null = !strncmp(line, "NULL", 4);
    int64_t k = null ? 0 : strtoll(line, NULL, 10), id = strtoll(comma + 1, NULL, 10);
    if (prev_id >= 0 && !null && !prev_null && k == prev_k && id <= prev_id) ordered = false;
    if (prev_id >= 0 && null && prev_null && id <= prev_id) ordered = false;
    buf_printf(&ks, "%.*s\n", (int)(comma - line), line);
    prev_k = k;
    prev_id = id;
    prev_null = null;
    line = nl + 1;
  }
  ASSERT(ordered);
  ASSERT_EQ_STR(buf_cstr(&ks), buf_cstr(&want2));
  buf_deinit(&ks);
  buf_deinit(&want);
  buf_deinit(&want2);
  free(ref);
  memsource_free(m);
  memsource_free(m2);
}
