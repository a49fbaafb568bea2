/*
** bench/exec_bench.c: executor micro-benchmarks (release build, not a test).
**
**   bench/exec_bench.sh [threads...]    builds with the release library and runs
**
** Workloads (deterministic data, generated in memory before timing):
**   agg     SELECT k, count(*), sum(v) FROM t GROUP BY k      10M rows, 1M groups (BIGINT k)
**   join    SELECT count(*), sum(b.w) FROM a JOIN b ON a.k=b.k 10M probe rows x 1M build rows
**   sort    SELECT * FROM t ORDER BY v                         10M rows (BIGINT, random)
**   dedupe  QUALIFY ROW_NUMBER() OVER (PARTITION BY pk ORDER BY ts DESC) = 1   1M rows, ~630k keys
**   q1      the first gold query's plan over in-memory tables shaped like SF=10:
**           SELECT c.customer_id, c.name, count(*) n, sum(t.points) pts, sum(t.amount) amt
**           FROM transactions t JOIN customers c USING (customer_id) GROUP BY ALL ORDER BY pts DESC LIMIT 100
**           11M transactions (customer_id = 1 + floor(1.1M * u^2), points INT 0..999, amount DECIMAL(12,2)),
**           1.1M customers (id 1..1.1M, name "First Last" from 40 x 40 names)
**   q2      the second gold query: SELECT product, channel, date_trunc('day', created_at) d, count(*),
**           avg(amount) FROM transactions GROUP BY ALL  (20 products x 5 channels x 366 days)
** Prints wall and CPU seconds per workload and thread count (best wall of 3 runs);
** bench/exec_duck.mjs runs the same SQL in DuckDB over data of the same shape.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "exec/func.h"

#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h> /* bench/exec_callgrind.sh: count the query only, on every thread */
#else
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS
#endif

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* BENCH_SCALE=0.1 (environment) shrinks every row count and key range, e.g. for callgrind runs. */
static double g_scale = 1.0;
#define S(n) ((uint64_t)((n) * g_scale))

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* A memsource of n rows and two BIGINT columns given by generator functions. */
static memsource *gen2(uint64_t n, int64_t (*f0)(uint64_t), int64_t (*f1)(uint64_t)) {
  lago_type ts[2] = {type_make(LT_BIGINT), type_make(LT_BIGINT)};
  memsource *m = memsource_new(2, ts, NULL, "t");
  arena *ar = arena_new("gen", 1 << 20);
  for (uint64_t done = 0; done < n; done += LAGO_VECTOR_SIZE) {
    uint32_t take = n - done < LAGO_VECTOR_SIZE ? (uint32_t)(n - done) : LAGO_VECTOR_SIZE;
    arena_reset(ar);
    batch *b = batch_new(ar, 2, ts, take);
    for (uint32_t i = 0; i < take; i++) {
      VEC_DATA(&b->cols[0], int64_t)[i] = f0(done + i);
      VEC_DATA(&b->cols[1], int64_t)[i] = f1(done + i);
    }
    batch_set_rows(b, take);
    if (memsource_append(m, b)) abort();
  }
  arena_free(ar);
  memsource_set_shape(m, LAGO_VECTOR_SIZE, 8);
  return m;
}

/* Fills row i (absolute row `row`) of every column of b. */
typedef void (*row_fn)(batch *b, uint32_t i, uint64_t row);

/* A memsource of n rows of the given types, filled row by row by f. */
static memsource *gen_rows(uint64_t n, uint32_t n_cols, const lago_type *ts, row_fn f) {
  memsource *m = memsource_new(n_cols, ts, NULL, "t");
  arena *ar = arena_new("gen", 1 << 20);
  for (uint64_t done = 0; done < n; done += LAGO_VECTOR_SIZE) {
    uint32_t take = n - done < LAGO_VECTOR_SIZE ? (uint32_t)(n - done) : LAGO_VECTOR_SIZE;
    arena_reset(ar);
    batch *b = batch_new(ar, n_cols, ts, take);
    for (uint32_t i = 0; i < take; i++) f(b, i, done + i);
    batch_set_rows(b, take);
    if (memsource_append(m, b)) abort();
  }
  arena_free(ar);
  memsource_set_shape(m, LAGO_VECTOR_SIZE, 8);
  return m;
}

/* ---- gold-query shaped tables (bench/lib.mjs vocabularies) ---- */
#define NC S(1100000)
#define NT S(11000000)
static const char *const FIRST[40] = {"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda",
  "William", "Elizabeth", "David", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles",
  "Karen", "Ana", "Luis", "Sofia", "Mateo", "Lucia", "Hugo", "Emma", "Noah", "Olivia", "Liam", "Chen", "Wei", "Yuki",
  "Hiro", "Priya", "Arjun", "Fatima", "Omar", "Ingrid", "Lars"};
static const char *const LAST[40] = {"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
  "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore",
  "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis",
  "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores"};
static const char *const PRODUCTS[20] = {"coffee", "espresso", "latte", "tea", "muffin", "bagel", "sandwich", "salad",
  "juice", "smoothie", "cookie", "croissant", "water", "soda", "wrap", "soup", "gift_card", "merch_mug",
  "merch_shirt", "beans_1kg"};
static const char *const CHANNELS[5] = {"web", "mobile", "store", "partner", "call_center"};
#define DAY_US 86400000000LL
#define TS_2024 1704067200000000LL /* 2024-01-01 00:00:00 UTC */

/* customers: customer_id BIGINT, name STRING */
static void customer_row(batch *b, uint32_t i, uint64_t row) {
  VEC_DATA(&b->cols[0], int64_t)[i] = (int64_t)row + 1;
  char name[64];
  int len = snprintf(name, sizeof name, "%s %s", FIRST[next() % 40], LAST[next() % 40]);
  if (vec_set_str(&b->cols[1], i, name, (uint32_t)len)) abort();
}

/* transactions: customer_id BIGINT, product STRING, points INT, amount DECIMAL(12,2), channel STRING,
** created_at TIMESTAMP */
static void transaction_row(batch *b, uint32_t i, uint64_t row) {
  (void)row;
  double u = (double)(next() % 1000000000) / 1e9;
  VEC_DATA(&b->cols[0], int64_t)[i] = 1 + (int64_t)(NC * u * u);
  const char *p = PRODUCTS[next() % 20], *c = CHANNELS[next() % 5];
  if (vec_set_str(&b->cols[1], i, p, (uint32_t)strlen(p))) abort();
  VEC_DATA(&b->cols[2], int32_t)[i] = (int32_t)(next() % 1000);
  VEC_DATA(&b->cols[3], int64_t)[i] = (int64_t)(next() % 200000) + 50;
  if (vec_set_str(&b->cols[4], i, c, (uint32_t)strlen(c))) abort();
  VEC_DATA(&b->cols[5], int64_t)[i] = TS_2024 + (int64_t)(next() % (uint64_t)(366 * DAY_US));
}

static int64_t k_mod1m(uint64_t i) { (void)i; return (int64_t)(next() % S(1000000)); }
static int64_t v_small(uint64_t i) { return (int64_t)(i % 1000); }
static int64_t v_rand(uint64_t i) { (void)i; return (int64_t)(next() >> 1); }
static int64_t k_seq(uint64_t i) { return (int64_t)i; }
static int64_t pk_dup(uint64_t i) { (void)i; return (int64_t)(next() % S(1000000)); }
static int64_t ts_rand(uint64_t i) { return (int64_t)(1700000000000000LL + (int64_t)((i * 2654435761ULL) % 100000000ULL)); }

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double g_cpu; /* CPU seconds of the last run */

__attribute__((noinline)) static double run(const plan *p, int threads, uint64_t *rows_out) {
  exec_config cfg = {0, threads, 0, NULL, NULL};
  exec_ctx *cx;
  lago_err err;
  lago_err_clear(&err);
  exec_ctx_new(&cfg, &cx);
  CALLGRIND_ZERO_STATS;
  double t0 = now(), c0 = cpu_now();
  exec_query *q;
  if (exec_open(cx, p, &q, &err)) {
    fprintf(stderr, "open: %s\n", err.msg);
    exit(1);
  }
  batch *b;
  uint64_t rows = 0;
  while (exec_next(q, &b, &err) == LAGO_OK && b->n_rows) rows += b->n_rows;
  if (err.rc) {
    fprintf(stderr, "next: %s\n", err.msg);
    exit(1);
  }
  exec_close(q);
  double t = now() - t0;
  g_cpu = cpu_now() - c0;
  CALLGRIND_DUMP_STATS;
  exec_ctx_free(cx);
  *rows_out = rows;
  return t;
}

static void report(const char *name, uint64_t in_rows, const plan *p, int threads) {
  uint64_t out;
  double best = 1e9, cpu = 0;
  int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 3;
  for (int rep = 0; rep < (reps > 0 ? reps : 1); rep++) {
    double t = run(p, threads, &out);
    if (t < best) {
      best = t;
      cpu = g_cpu;
    }
  }
  printf("%-7s threads=%d  wall %7.3f s  %7.1f M rows/s  cpu %7.3f s  (%llu output rows)\n", name, threads, best,
         in_rows / best / 1e6, cpu, (unsigned long long)out);
  fflush(stdout);
}

int main(int argc, char **argv) {
  int threads[8] = {1, 2}, nt = 2;
  if (argc > 1) {
    nt = 0;
    for (int i = 1; i < argc && nt < 8; i++) threads[nt++] = atoi(argv[i]);
  }
  const char *only = getenv("ONLY");
  if (getenv("BENCH_SCALE")) g_scale = atof(getenv("BENCH_SCALE"));
  if (!(g_scale > 0)) g_scale = 1.0;
  arena *A = arena_new("plans", 1 << 20);
  lago_err err;
  lago_err_clear(&err);
  lago_type bi = type_make(LT_BIGINT);
  /* agg */
  if (!only || strstr(only, "agg")) {
    memsource *m = gen2(S(10000000), k_mod1m, v_small);
    plan *s, *p;
    plan_scan(A, memsource_source(m), NULL, 0, NULL, 0, &s, &err);
    expr *k = expr_column(A, 0, bi, "k"), *v = expr_column(A, 1, bi, "v");
    agg_call *aggs[2];
    agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &err);
    agg_call_make(A, "sum", &v, 1, false, false, NULL, &aggs[1], &err);
    plan_hash_agg(A, s, &k, 1, aggs, 2, NULL, &p, &err);
    for (int i = 0; i < nt; i++) report("agg", S(10000000), p, threads[i]);
    memsource_free(m);
  }
  /* join */
  if (!only || strstr(only, "join")) {
    memsource *probe = gen2(S(10000000), k_mod1m, v_small), *build = gen2(S(1000000), k_seq, v_small);
    plan *ps, *bs, *j, *p;
    plan_scan(A, memsource_source(probe), NULL, 0, NULL, 0, &ps, &err);
    plan_scan(A, memsource_source(build), NULL, 0, NULL, 0, &bs, &err);
    expr *lk = expr_column(A, 0, bi, "k"), *rk = expr_column(A, 0, bi, "k");
    bool ne = false;
    if (plan_hash_join(A, JOIN_INNER, ps, bs, &lk, &rk, &ne, 1, NULL, false, &j, &err)) {
      fprintf(stderr, "%s\n", err.msg);
      return 1;
    }
    expr *w = expr_column(A, 3, bi, "w");
    agg_call *aggs[2];
    agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &err);
    agg_call_make(A, "sum", &w, 1, false, false, NULL, &aggs[1], &err);
    plan_hash_agg(A, j, NULL, 0, aggs, 2, NULL, &p, &err);
    for (int i = 0; i < nt; i++) report("join", S(10000000), p, threads[i]);
    memsource_free(probe);
    memsource_free(build);
  }
  /* sort */
  if (!only || strstr(only, "sort")) {
    memsource *m = gen2(S(10000000), v_rand, k_seq);
    plan *s, *p;
    plan_scan(A, memsource_source(m), NULL, 0, NULL, 0, &s, &err);
    sort_key key = {expr_column(A, 0, bi, "v"), false, true};
    plan_sort(A, s, &key, 1, &p, &err);
    for (int i = 0; i < nt; i++) report("sort", S(10000000), p, threads[i]);
    memsource_free(m);
  }
  /* gold query shapes */
  if (!only || strstr(only, "q1") || strstr(only, "q2")) {
    lago_type tt[6] = {bi, type_make(LT_STRING), type_make(LT_INT), type_decimal(12, 2), type_make(LT_STRING),
                       type_make(LT_TIMESTAMP)};
    memsource *tm = gen_rows(NT, 6, tt, transaction_row);
    if (!only || strstr(only, "q1")) {
      lago_type ct[2] = {bi, type_make(LT_STRING)};
      memsource *cm = gen_rows(NC, 2, ct, customer_row);
      plan *ts, *cs, *j, *a, *p;
      uint32_t tcols[3] = {0, 2, 3};
      plan_scan(A, memsource_source(tm), tcols, 3, NULL, 0, &ts, &err);
      plan_scan(A, memsource_source(cm), NULL, 0, NULL, 0, &cs, &err);
      expr *lk = expr_column(A, 0, bi, "customer_id"), *rk = expr_column(A, 0, bi, "customer_id");
      if (plan_hash_join(A, JOIN_INNER, ts, cs, &lk, &rk, NULL, 1, NULL, false, &j, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      /* join output: t.customer_id, t.points, t.amount, c.customer_id, c.name */
      expr *g[2] = {expr_column(A, 3, bi, "customer_id"), expr_column(A, 4, type_make(LT_STRING), "name")};
      expr *pts = expr_column(A, 1, type_make(LT_INT), "points"), *amt = expr_column(A, 2, type_decimal(12, 2), "amount");
      agg_call *aggs[3];
      agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &err);
      agg_call_make(A, "sum", &pts, 1, false, false, NULL, &aggs[1], &err);
      agg_call_make(A, "sum", &amt, 1, false, false, NULL, &aggs[2], &err);
      if (plan_hash_agg(A, j, g, 2, aggs, 3, NULL, &a, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      sort_key key = {expr_column(A, 3, bi, "pts"), true, false};
      if (plan_top_n(A, a, &key, 1, 100, 0, &p, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      for (int i = 0; i < nt; i++) report("q1", NT, p, threads[i]);
      memsource_free(cm);
    }
    if (!only || strstr(only, "q2")) {
      plan *s, *p;
      uint32_t cols[4] = {1, 4, 5, 3};
      plan_scan(A, memsource_source(tm), cols, 4, NULL, 0, &s, &err);
      expr *dt, *targs[2] = {expr_str(A, "day"), expr_column(A, 2, type_make(LT_TIMESTAMP), "created_at")};
      if (expr_call(A, "date_trunc", targs, 2, &dt, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      expr *g[3] = {expr_column(A, 0, type_make(LT_STRING), "product"),
                    expr_column(A, 1, type_make(LT_STRING), "channel"), dt};
      expr *amt = expr_column(A, 3, type_decimal(12, 2), "amount");
      agg_call *aggs[2];
      agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &err);
      agg_call_make(A, "avg", &amt, 1, false, false, NULL, &aggs[1], &err);
      if (plan_hash_agg(A, s, g, 3, aggs, 2, NULL, &p, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
      }
      for (int i = 0; i < nt; i++) report("q2", NT, p, threads[i]);
    }
    memsource_free(tm);
  }
  /* dedupe */
  if (!only || strstr(only, "dedupe")) {
    memsource *m = gen2(S(1000000), pk_dup, ts_rand);
    plan *s, *p;
    plan_scan(A, memsource_source(m), NULL, 0, NULL, 0, &s, &err);
    expr *pk = expr_column(A, 0, bi, "pk");
    sort_key o = {expr_column(A, 1, bi, "ts"), true, false};
    plan_dedupe(A, s, &pk, 1, &o, 1, 1, false, &p, &err);
    for (int i = 0; i < nt; i++) report("dedupe", S(1000000), p, threads[i]);
    memsource_free(m);
  }
  arena_free(A);
  return 0;
}
