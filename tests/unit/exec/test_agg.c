/*
** tests/unit/exec/test_agg.c: hash aggregation: NULL groups, every
** aggregate family, result types, ANSI overflow, DISTINCT aggregates and
** FILTER, spilling with a tiny memory limit, and 1 vs 2 threads.
*/
#include <dirent.h>

#include "exec/aggtab.h"
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

/* Group keys of every fixed-width kind in one row layout: -0.0 groups with 0.0 and NaN with NaN
** (Spark normalizes both), NULLs group together, wide decimals and booleans compare exactly; the
** same keys as a CONST column and through a filter's selection vector. */
TEST(agg_key_types) {
  setup();
  memsource *m = tsource(A, 6, (const char *[]){"DOUBLE", "FLOAT", "SMALLINT", "BOOLEAN", "DECIMAL(20,2)", "DATE"},
                         (const char *[]){"0.0|-0.0|NaN|NaN|NULL|1.5|1.5|-0.0|7.0",
                                          "-0.0|0.0|NaN|NaN|NULL|2.5|2.5|0.0|7.0",
                                          "1|1|-1|-1|NULL|300|300|1|7",
                                          "true|true|false|false|NULL|true|true|true|false",
                                          "123456789012345678.91|123456789012345678.91|-1.00|-1.00|NULL|0.01|0.01|"
                                          "123456789012345678.91|-123456789012345678.91",
                                          "2024-01-01|2024-01-01|1970-01-01|1970-01-01|NULL|2000-02-29|2000-02-29|"
                                          "2024-01-01|1900-01-01"});
  plan *s = tscan(A, m);
  expr *keys[6];
  for (uint32_t c = 0; c < 6; c++) keys[c] = expr_column(A, c, s->types[c], NULL);
  agg_call *cnt[] = {agg("count", NULL, false, NULL)};
  const char *want = "-1.00,2\n"
                     "-123456789012345678.91,1\n"
                     "0.01,2\n"
                     "123456789012345678.91,3\n"
                     "NULL,1\n";
  ASSERT_EQ_STR(trun(A, group_by(s, keys + 4, 1, cnt, 1), NULL, true), want);
  const char *all = "0.0,0.0,1,true,123456789012345678.91,2024-01-01,3\n"
                    "1.5,2.5,300,true,0.01,2000-02-29,2\n"
                    "7.0,7.0,7,false,-123456789012345678.91,1900-01-01,1\n"
                    "NULL,NULL,NULL,NULL,NULL,NULL,1\n"
                    "NaN,NaN,-1,false,-1.00,1970-01-01,2\n";
  ASSERT_EQ_STR(trun(A, group_by(s, keys, 6, cnt, 1), NULL, true), all);
  exec_config two = {0, 2, 0, NULL, NULL};
  ASSERT_EQ_STR(trun(A, group_by(s, keys, 6, cnt, 1), &two, true), all);
  /* a constant key and a filtered input (selection vectors reach the table) */
  plan *f;
  TFAIL_IF(plan_filter(A, s, tcall2(A, "<>", expr_column(A, 2, s->types[2], NULL), expr_int(A, 300)), &f, &E), E);
  expr *k2[2] = {expr_str(A, "c"), keys[0]};
  ASSERT_EQ_STR(trun(A, group_by(f, k2, 2, cnt, 1), NULL, true), "c,0.0,3\nc,7.0,1\nc,NaN,2\n");
  memsource_free(m);
}

/*
** The aggregation table's code cache (aggtab.c), driven directly: keys are DICT vectors over
** registered (stable) dictionaries, sharing one codes array. Several codes name the same key tuple
** (they must reach one group), rows carry row-level NULLs, the dictionaries are re-registered with
** new content at the same address (the cache must start over), and a table frozen by the memory
** limit keeps counting cached groups while rows of new groups are spilled.
*/
typedef struct cc_fix {
  exec_ctx *cx;
  aggtab_spec sp;
  lago_type kt[2];
  const agg_bind *aggs[1];
  uint32_t argc[1];
  int32_t fc[1];
} cc_fix;

static void cc_setup(cc_fix *f, size_t mem_limit) {
  exec_config cfg = {mem_limit, 1, 0, test_tmpdir(), NULL};
  TFAIL_IF(exec_ctx_new(&cfg, &f->cx), E);
  f->kt[0] = type_make(LT_BIGINT);
  f->kt[1] = type_make(LT_STRING);
  f->aggs[0] = &agg("count", NULL, false, NULL)->b;
  f->argc[0] = 0;
  f->fc[0] = -1;
  f->sp = (aggtab_spec){2, f->kt, 0, NULL, 1, f->aggs, f->argc, f->fc, -1};
}

/* Dictionaries of n entries: d0[i] = (i % mod0) * 10 (or NULL-free), d1[i] = "k<i % mod1>" + suffix. */
static void cc_fill(vec *d0, vec *d1, uint32_t n, uint32_t mod0, uint32_t mod1, const char *suffix) {
  for (uint32_t i = 0; i < n; i++) {
    VEC_DATA(d0, int64_t)[i] = (int64_t)(i % mod0) * 10;
    char s[64];
    int len = snprintf(s, sizeof s, "k%u%s", i % mod1, suffix);
    vec_set_str(d1, i, s, (uint32_t)len);
  }
  d0->len = d1->len = n;
}

/* Sinks `rows` rows with codes (r * 31 + salt) % n into t; the second key is NULL on every 17th row.
** counts[code] counts the other rows, nulls[code] those. */
static void cc_sink(aggtab *t, vec *d0, vec *d1, uint32_t n, uint32_t rows, uint32_t salt, uint32_t *counts,
                    uint32_t *nulls) {
  for (uint32_t done = 0; done < rows; done += 2048) {
    uint32_t m = rows - done < 2048 ? rows - done : 2048;
    vec k0, k1;
    TFAIL_IF(vec_init(&k0, A, d0->type, m) ? LAGO_NOMEM : LAGO_OK, E);
    TFAIL_IF(vec_init(&k1, A, d1->type, m) ? LAGO_NOMEM : LAGO_OK, E);
    TFAIL_IF(vec_make_dict(&k0, d0, m) || vec_make_dict(&k1, d1, m) ? LAGO_NOMEM : LAGO_OK, E);
    uint32_t *codes = arena_alloc(A, m * sizeof(uint32_t));
    for (uint32_t i = 0; i < m; i++) codes[i] = ((done + i) * 31 + salt) % n;
    k0.data = k1.data = codes; /* one codes array for both keys */
    k0.len = k1.len = m;
    for (uint32_t i = 0; i < m; i++) {
      if ((done + i) % 17 == 0) {
        vec_set_null(&k1, i);
        nulls[codes[i]]++;
      } else {
        counts[codes[i]]++;
      }
    }
    vec *cols[2] = {&k0, &k1};
    TFAIL_IF(aggtab_sink(t, cols, NULL, m), E);
  }
}

static int cc_line_cmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lines "k0,k1,count" with equal "k0,k1" summed, sorted (allocated in A). */
static const char *merge_counts(const char *text) {
  size_t n = 0, cap = 64;
  char **ls = malloc(cap * sizeof(char *));
  for (const char *p = text; *p;) {
    const char *e = strchr(p, '\n');
    if (n == cap) ls = realloc(ls, (cap *= 2) * sizeof(char *));
    ls[n++] = strndup(p, (size_t)(e - p));
    p = e + 1;
  }
  qsort(ls, n, sizeof(char *), cc_line_cmp);
  buf b;
  buf_init(&b);
  for (size_t i = 0; i < n;) {
    char *comma = strrchr(ls[i], ',');
    size_t klen = (size_t)(comma - ls[i]);
    unsigned long long sum = 0;
    size_t j = i;
    for (; j < n && strlen(ls[j]) > klen && !strncmp(ls[j], ls[i], klen + 1) && !strchr(ls[j] + klen + 1, ','); j++)
      sum += strtoull(ls[j] + klen + 1, NULL, 10);
    buf_printf(&b, "%.*s,%llu\n", (int)klen, ls[i], sum);
    i = j;
  }
  for (size_t i = 0; i < n; i++) free(ls[i]);
  free(ls);
  const char *r = arena_strdup(A, buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

/* "k0,k1,count" lines of every in-memory group of t, sorted. */
static const char *cc_groups(aggtab *t) {
  buf b;
  buf_init(&b);
  for (uint32_t ch = 0;; ch++) {
    vec out[3];
    uint32_t n;
    TFAIL_IF(aggtab_emit(t, ch, A, out, &n), E);
    if (!n) break;
    for (uint32_t i = 0; i < n; i++)
      buf_printf(&b, "%s,%s,%s\n", tv_text_sel(A, &out[0], &i, 1), tv_text_sel(A, &out[1], &i, 1),
                 tv_text_sel(A, &out[2], &i, 1));
  }
  const char *r = merge_counts(buf_cstr(&b)); /* groups are distinct: this only sorts */
  buf_deinit(&b);
  return r;
}

/* Appends the lines of one phase: code c counts for (d0[c], d1[c]) and nulls[c] for (d0[c], NULL). */
static void cc_lines(const vec *d0, const vec *d1, uint32_t n, const uint32_t *counts, const uint32_t *nulls,
                     buf *acc) {
  for (uint32_t c = 0; c < n; c++) {
    if (counts[c]) buf_printf(acc, "%s,%s,%u\n", tv_text_sel(A, d0, &c, 1), tv_text_sel(A, d1, &c, 1), counts[c]);
    if (nulls[c]) buf_printf(acc, "%s,NULL,%u\n", tv_text_sel(A, d0, &c, 1), nulls[c]);
  }
}

TEST(agg_code_cache) {
  setup();
  cc_fix f;
  cc_setup(&f, 0);
  enum { N = 300 };
  vec *d0 = vec_new(A, f.kt[0], N), *d1 = vec_new(A, f.kt[1], N);
  cc_fill(d0, d1, N, 100, 50, ""); /* codes c, c+100, c+200 name one tuple */
  ASSERT(exec_dict_register(f.cx, d0) && exec_dict_register(f.cx, d1));
  aggtab *t;
  TFAIL_IF(aggtab_new(f.cx, &f.sp, 0, &E, &t), E);
  static uint32_t counts[N], nulls[N];
  buf acc;
  buf_init(&acc);
  cc_sink(t, d0, d1, N, 10000, 7, counts, nulls);
  cc_lines(d0, d1, N, counts, nulls, &acc);
  ASSERT_EQ_STR(cc_groups(t), merge_counts(buf_cstr(&acc)));
  ASSERT_EQ_INT(aggtab_groups(t), 200); /* 100 tuples, each also with a NULL second key */
  /* new content at the same addresses, registered again: the cache must not reuse old codes */
  exec_dict_unregister(f.cx, d0);
  exec_dict_unregister(f.cx, d1);
  cc_fill(d0, d1, N, 60, 30, "-second-content-longer");
  ASSERT(exec_dict_register(f.cx, d0) && exec_dict_register(f.cx, d1));
  memset(counts, 0, sizeof counts);
  memset(nulls, 0, sizeof nulls);
  cc_sink(t, d0, d1, N, 7000, 3, counts, nulls);
  cc_lines(d0, d1, N, counts, nulls, &acc);
  ASSERT_EQ_STR(cc_groups(t), merge_counts(buf_cstr(&acc)));
  /* one dictionary unregistered: the normal path, the same groups */
  exec_dict_unregister(f.cx, d0);
  memset(counts, 0, sizeof counts);
  memset(nulls, 0, sizeof nulls);
  cc_sink(t, d0, d1, N, 3000, 5, counts, nulls);
  cc_lines(d0, d1, N, counts, nulls, &acc);
  ASSERT_EQ_STR(cc_groups(t), merge_counts(buf_cstr(&acc)));
  buf_deinit(&acc);
  aggtab_free(t);
  exec_ctx_free(f.cx);
  /* frozen by the memory limit: cached groups keep counting, rows of new groups spill */
  cc_setup(&f, 1);
  enum { NB = 9000 };
  vec *e0 = vec_new(A, f.kt[0], NB), *e1 = vec_new(A, f.kt[1], NB);
  cc_fill(e0, e1, NB, NB, NB, "");
  ASSERT(exec_dict_register(f.cx, e0) && exec_dict_register(f.cx, e1));
  TFAIL_IF(aggtab_new(f.cx, &f.sp, 0, &E, &t), E);
  static uint32_t c2[NB], n2[NB];
  cc_sink(t, e0, e1, NB, 40000, 1, c2, n2);
  ASSERT(aggtab_spilled(t));
  ASSERT(aggtab_groups(t) >= 4096 && aggtab_groups(t) < 2 * NB);
  /* every group in memory has its full count; the other rows are in the spill files */
  buf all;
  buf_init(&all);
  cc_lines(e0, e1, NB, c2, n2, &all);
  const char *full = merge_counts(buf_cstr(&all));
  char *hay = arena_alloc(A, strlen(full) + 2);
  hay[0] = '\n';
  strcpy(hay + 1, full);
  uint64_t in_mem = 0, spilled = 0;
  for (const char *p = cc_groups(t); *p;) {
    const char *e = strchr(p, '\n');
    char line[160];
    snprintf(line, sizeof line, "\n%.*s\n", (int)(e - p), p);
    if (!strstr(hay, line)) test_fail_(__FILE__, __LINE__, "group with a wrong count: %s", line + 1);
    in_mem += strtoull(strrchr(line, ',') + 1, NULL, 10);
    p = e + 1;
  }
  for (uint32_t p = 0; p < AGGTAB_PARTS; p++) {
    spill_file *sf = aggtab_take_part(t, p);
    if (sf) spilled += spill_rows(sf);
    spill_close(sf);
  }
  ASSERT_EQ_INT((int64_t)(in_mem + spilled), 40000);
  buf_deinit(&all);
  aggtab_free(t);
  exec_ctx_free(f.cx);
}

/*
** aggtab_lookup_groups: the groups of one table looked up in another of the same spec, in each
** key mode (one BIGINT key: FAST; BIGINT + long STRING: ROW; an ARRAY key: COLL), with NULL keys;
** absent keys give UINT32_MAX and the looked-up table gains no group.
*/
static void lk_check(lago_type *kt, uint32_t nk) {
  exec_config cfg = {0, 1, 0, test_tmpdir(), NULL};
  exec_ctx *cx;
  TFAIL_IF(exec_ctx_new(&cfg, &cx), E);
  const agg_bind *aggs[1] = {&agg("count", NULL, false, NULL)->b};
  uint32_t argc[1] = {0};
  int32_t fc[1] = {-1};
  aggtab_spec sp = {nk, kt, 0, NULL, 1, aggs, argc, fc, -1};
  aggtab *a, *b;
  TFAIL_IF(aggtab_new(cx, &sp, 0, &E, &a), E);
  TFAIL_IF(aggtab_new(cx, &sp, 0, &E, &b), E);
  /* a holds keys 0..2999 (and NULL), b keys 2000..4999 (and NULL): row r has key r (r = 3000 is NULL in a) */
  for (int which = 0; which < 2; which++) {
    uint32_t lo = which ? 2000 : 0, n = 3001;
    vec *cols[2];
    for (uint32_t c = 0; c < nk; c++) {
      cols[c] = vec_new(A, kt[c], n);
    }
    for (uint32_t i = 0; i < n; i++) {
      int64_t key = lo + i;
      bool null = i == n - 1;
      for (uint32_t c = 0; c < nk; c++) {
        if (null) {
          TFAIL_IF(vec_set_null(cols[c], i), E);
        } else if (kt[c].id == LT_BIGINT) {
          VEC_DATA(cols[c], int64_t)[i] = key;
        } else if (kt[c].id == LT_STRING) {
          char s[64];
          int len = snprintf(s, sizeof s, "a-long-string-key-%lld", (long long)key);
          TFAIL_IF(vec_set_str(cols[c], i, s, (uint32_t)len), E);
        } else { /* ARRAY<BIGINT> [key, key % 7] */
          uint32_t at;
          TFAIL_IF(vec_list_reserve(cols[c], 2, &at) ? LAGO_NOMEM : LAGO_OK, E);
          VEC_DATA(cols[c]->child, int64_t)[at] = key;
          VEC_DATA(cols[c]->child, int64_t)[at + 1] = key % 7;
          VEC_DATA(cols[c], lago_list)[i] = (lago_list){at, 2};
        }
      }
    }
    for (uint32_t c = 0; c < nk; c++) cols[c]->len = n;
    TFAIL_IF(aggtab_sink(which ? b : a, cols, NULL, n), E);
  }
  ASSERT_EQ_INT(aggtab_groups(a), 3001);
  ASSERT_EQ_INT(aggtab_groups(b), 3001);
  /* b's groups in a: found exactly for keys 2000..2999 and NULL, and then a's group holds the same key */
  uint32_t found = 0, missing = 0;
  for (uint32_t from = 0; from < 3001; from += 2048) {
    uint32_t m = 3001 - from < 2048 ? 3001 - from : 2048, gids[2048], out[2048], hit[2048], nh = 0;
    for (uint32_t i = 0; i < m; i++) gids[i] = from + i;
    TFAIL_IF(aggtab_lookup_groups(a, b, gids, m, out), E);
    vec *bk[2], *ak[2];
    TFAIL_IF(aggtab_gather_keys(b, gids, m, A, bk), E);
    for (uint32_t i = 0; i < m; i++) {
      const char *key = tv_text_sel(A, bk[0], &i, 1);
      /* "2345", or "[2345, 0]" for the array key: a holds keys below 3000 */
      bool in_a = !strcmp(key, "NULL") || atoll(key + (kt[0].id == LT_ARRAY)) < 3000;
      if (!in_a) {
        ASSERT_EQ_UINT(out[i], UINT32_MAX);
        missing++;
        continue;
      }
      ASSERT(out[i] != UINT32_MAX);
      hit[nh] = out[i];
      gids[nh++] = gids[i];
      found++;
    }
    TFAIL_IF(aggtab_gather_keys(a, hit, nh, A, ak), E);
    TFAIL_IF(aggtab_gather_keys(b, gids, nh, A, bk), E);
    for (uint32_t i = 0; i < nh; i++)
      for (uint32_t c = 0; c < nk; c++) ASSERT_EQ_STR(tv_text_sel(A, ak[c], &i, 1), tv_text_sel(A, bk[c], &i, 1));
  }
  ASSERT_EQ_INT(found, 1001);
  ASSERT_EQ_INT(missing, 2000);
  ASSERT_EQ_INT(aggtab_groups(a), 3001); /* a lookup adds nothing */
  aggtab_free(a);
  aggtab_free(b);
  exec_ctx_free(cx);
}

TEST(agg_lookup_groups_each_key_mode) {
  setup();
  lago_type fast[1] = {type_make(LT_BIGINT)};
  lk_check(fast, 1);
  lago_type row[2] = {type_make(LT_BIGINT), type_make(LT_STRING)};
  lk_check(row, 2);
  lago_type arr[1];
  TFAIL_IF(type_array(A, type_make(LT_BIGINT), true, &arr[0]) ? LAGO_NOMEM : LAGO_OK, E);
  lk_check(arr, 1);
}
