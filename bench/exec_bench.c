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
** Prints rows/s per workload and thread count.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "exec/func.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

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

static int64_t k_mod1m(uint64_t i) { (void)i; return (int64_t)(next() % 1000000); }
static int64_t v_small(uint64_t i) { return (int64_t)(i % 1000); }
static int64_t v_rand(uint64_t i) { (void)i; return (int64_t)(next() >> 1); }
static int64_t k_seq(uint64_t i) { return (int64_t)i; }
static int64_t pk_dup(uint64_t i) { (void)i; return (int64_t)(next() % 1000000); }
static int64_t ts_rand(uint64_t i) { return (int64_t)(1700000000000000LL + (int64_t)((i * 2654435761ULL) % 100000000ULL)); }

static double cpu_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double g_cpu; /* CPU seconds of the last run */

static double run(const plan *p, int threads, uint64_t *rows_out) {
  exec_config cfg = {0, threads, 0, NULL, NULL};
  exec_ctx *cx;
  lago_err err;
  lago_err_clear(&err);
  exec_ctx_new(&cfg, &cx);
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
  exec_ctx_free(cx);
  *rows_out = rows;
  return t;
}

static void report(const char *name, uint64_t in_rows, const plan *p, int threads) {
  uint64_t out;
  double best = 1e9, cpu = 0;
  for (int rep = 0; rep < 3; rep++) {
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
  arena *A = arena_new("plans", 1 << 20);
  lago_err err;
  lago_err_clear(&err);
  lago_type bi = type_make(LT_BIGINT);
  /* agg */
  if (!only || strstr(only, "agg")) {
    memsource *m = gen2(10000000, k_mod1m, v_small);
    plan *s, *p;
    plan_scan(A, memsource_source(m), NULL, 0, NULL, 0, &s, &err);
    expr *k = expr_column(A, 0, bi, "k"), *v = expr_column(A, 1, bi, "v");
    agg_call *aggs[2];
    agg_call_make(A, "count", NULL, 0, false, false, NULL, &aggs[0], &err);
    agg_call_make(A, "sum", &v, 1, false, false, NULL, &aggs[1], &err);
    plan_hash_agg(A, s, &k, 1, aggs, 2, NULL, &p, &err);
    for (int i = 0; i < nt; i++) report("agg", 10000000, p, threads[i]);
    memsource_free(m);
  }
  /* join */
  if (!only || strstr(only, "join")) {
    memsource *probe = gen2(10000000, k_mod1m, v_small), *build = gen2(1000000, k_seq, v_small);
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
    for (int i = 0; i < nt; i++) report("join", 10000000, p, threads[i]);
    memsource_free(probe);
    memsource_free(build);
  }
  /* sort */
  if (!only || strstr(only, "sort")) {
    memsource *m = gen2(10000000, v_rand, k_seq);
    plan *s, *p;
    plan_scan(A, memsource_source(m), NULL, 0, NULL, 0, &s, &err);
    sort_key key = {expr_column(A, 0, bi, "v"), false, true};
    plan_sort(A, s, &key, 1, &p, &err);
    for (int i = 0; i < nt; i++) report("sort", 10000000, p, threads[i]);
    memsource_free(m);
  }
  /* dedupe */
  if (!only || strstr(only, "dedupe")) {
    memsource *m = gen2(1000000, pk_dup, ts_rand);
    plan *s, *p;
    plan_scan(A, memsource_source(m), NULL, 0, NULL, 0, &s, &err);
    expr *pk = expr_column(A, 0, bi, "pk");
    sort_key o = {expr_column(A, 1, bi, "ts"), true, false};
    plan_dedupe(A, s, &pk, 1, &o, 1, 1, false, &p, &err);
    for (int i = 0; i < nt; i++) report("dedupe", 1000000, p, threads[i]);
    memsource_free(m);
  }
  arena_free(A);
  return 0;
}
