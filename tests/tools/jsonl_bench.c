/*
** tests/tools/jsonl_bench.c: parse speed of format/json (release build; not a test).
**   jsonl_bench [-t THREADS] [-s SCHEMA] [-r RANGE_BYTES] [-n REPEAT] [-o k=v]... FILE...
** Reads JSON Lines files into vectors with the schema (default: the bench CDC
** "transactions" batches: the table's columns plus op and modified_at), sums
** every integer/decimal/timestamp column and the string lengths so nothing is
** optimised away, and prints rows, the sums, wall and CPU time, MB/s (of wall
** time) and peak RSS.
** -t 0 = one jsonl_reader per file on this thread; N >= 1 = jsonl_scan.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "format/json/jsonl.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of the process (all threads): the machine is shared, wall time alone is noisy. */
static double cpu(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void consume(batch *b, int64_t *sums, uint64_t *rows) {
  *rows += b->n_rows;
  for (uint32_t c = 0; c < b->n_cols && c < 16; c++) {
    vec *v = &b->cols[c];
    int64_t s = 0;
    if (v->type.id == LT_BIGINT || (v->type.id == LT_DECIMAL && v->type.precision <= 18) ||
        v->type.id == LT_TIMESTAMP || v->type.id == LT_TIMESTAMP_NTZ) {
      const int64_t *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? d[i] : 0;
    } else if (v->type.id == LT_INT) {
      const int32_t *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? d[i] : 0;
    } else if (v->type.id == LT_STRING) {
      const lago_str *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? d[i].len : 0;
    }
    sums[c] += s;
  }
}

int main(int argc, char **argv) {
  int threads = 0, repeat = 1;
  uint64_t range = 0;
  const char *schema_text =
      "STRUCT<transaction_id: BIGINT, customer_id: BIGINT, product: STRING, points: INT, amount: DECIMAL(12,2), "
      "channel: STRING, created_at: TIMESTAMP, op: STRING, modified_at: TIMESTAMP>";
  jsonl_options o;
  jsonl_options_init(&o);
  arena *ar = arena_new("bench", 4096);
  lago_err e;
  lago_err_clear(&e);
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-t") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-s") && i + 1 < argc) schema_text = argv[++i];
    else if (!strcmp(argv[i], "-r") && i + 1 < argc) range = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "-n") && i + 1 < argc) repeat = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
      char *kv = argv[++i], *eq = strchr(kv, '=');
      if (!eq) { fprintf(stderr, "jsonl_bench: -o needs key=value\n"); return 2; }
      *eq = 0;
      if (jsonl_options_set(&o, ar, kv, eq + 1, &e)) { fprintf(stderr, "jsonl_bench: %s\n", e.msg); return 1; }
    } else { fprintf(stderr, "jsonl_bench: unknown option %s\n", argv[i]); return 2; }
  }
  if (i >= argc) { fprintf(stderr, "usage: jsonl_bench [-t N] [-s SCHEMA] [-r BYTES] [-n REPEAT] FILE...\n"); return 2; }
  const char *const *paths = (const char *const *)argv + i;
  uint32_t n_paths = (uint32_t)(argc - i);
  lago_type schema;
  if (type_parse(ar, schema_text, &schema, &e)) { fprintf(stderr, "jsonl_bench: %s\n", e.msg); return 1; }
  uint64_t bytes = 0;
  for (uint32_t f = 0; f < n_paths; f++) {
    fs_stat st;
    if (fs_stat_path(fs_local(), paths[f], &st, &e)) { fprintf(stderr, "jsonl_bench: %s\n", e.msg); return 1; }
    bytes += st.size;
  }
  for (int rep = 0; rep < repeat; rep++) {
    int64_t sums[16] = {0};
    uint64_t rows = 0;
    int rc = 0;
    double t0 = now(), c0 = cpu();
    if (threads == 0) {
      for (uint32_t f = 0; f < n_paths && !rc; f++) {
        jsonl_reader *r;
        rc = jsonl_reader_open(fs_local(), paths[f], &o, schema, &r, &e);
        while (!rc) {
          batch *b;
          rc = jsonl_reader_next(r, NULL, &b, NULL, &e);
          if (rc || !b->n_rows) break;
          consume(b, sums, &rows);
        }
        jsonl_reader_close(r);
      }
    } else {
      jsonl_scan *s;
      jsonl_scan_config cfg = {threads, range, 0};
      rc = jsonl_scan_open(fs_local(), paths, n_paths, &o, schema, &cfg, &s, &e);
      while (!rc) {
        batch *b;
        rc = jsonl_scan_next(s, &b, NULL, &e);
        if (rc || !b->n_rows) break;
        consume(b, sums, &rows);
      }
      jsonl_scan_close(s);
    }
    double t = now() - t0, ct = cpu() - c0;
    if (rc) { fprintf(stderr, "jsonl_bench: %s\n", e.msg); return 1; }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("threads=%d rows=%llu bytes=%llu wall=%.3fs cpu=%.3fs MB/s=%.1f peak_rss_MB=%.1f sums=", threads,
           (unsigned long long)rows, (unsigned long long)bytes, t, ct, (double)bytes / 1e6 / t,
           (double)ru.ru_maxrss / 1024.0);
    for (uint32_t c = 0; c < type_n_fields(schema) && c < 16; c++) printf("%s%lld", c ? "," : "", (long long)sums[c]);
    printf("\n");
  }
  arena_free(ar);
  return 0;
}
