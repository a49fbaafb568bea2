/*
** tests/tools/csv_bench.c: parse speed of format/csv (release build; not a test).
**   csv_bench [-t THREADS] [-s SCHEMA] [-r RANGE_BYTES] [-n REPEAT] FILE...
** Reads the files with a header into vectors with the schema (default: the
** bench "transactions" table), sums every BIGINT/INT/DECIMAL(p<=18) column so
** nothing is optimised away, and prints rows, the sums, wall time, MB/s and
** CPU seconds (user + system, all threads) and peak RSS. -t 0 = one
** csv_reader per file on this thread; N >= 1 = csv_scan.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "format/csv/csv.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
         (double)ru.ru_stime.tv_usec / 1e6;
}

static void consume(batch *b, int64_t *sums, uint64_t *rows) {
  *rows += b->n_rows;
  for (uint32_t c = 0; c < b->n_cols && c < 16; c++) {
    vec *v = &b->cols[c];
    int64_t s = 0;
    if (v->type.id == LT_BIGINT || (v->type.id == LT_DECIMAL && v->type.precision <= 18) ||
        v->type.id == LT_TIMESTAMP) {
      const int64_t *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? d[i] : 0;
    } else if (v->type.id == LT_INT) {
      const int32_t *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? d[i] : 0;
    } else if (v->type.id == LT_STRING) {
      const lago_str *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += d[i].len;
    }
    sums[c] += s;
  }
}

int main(int argc, char **argv) {
  int threads = 0, repeat = 1;
  uint64_t range = 0;
  const char *schema_text =
      "STRUCT<transaction_id: BIGINT, customer_id: BIGINT, product: STRING, points: INT, amount: DECIMAL(12,2), "
      "channel: STRING, created_at: TIMESTAMP>";
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "-t") && i + 1 < argc) threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "-s") && i + 1 < argc) schema_text = argv[++i];
    else if (!strcmp(argv[i], "-r") && i + 1 < argc) range = strtoull(argv[++i], NULL, 10);
    else if (!strcmp(argv[i], "-n") && i + 1 < argc) repeat = atoi(argv[++i]);
    else { fprintf(stderr, "csv_bench: unknown option %s\n", argv[i]); return 2; }
  }
  if (i >= argc) { fprintf(stderr, "usage: csv_bench [-t N] [-s SCHEMA] FILE...\n"); return 2; }
  const char *const *paths = (const char *const *)argv + i;
  uint32_t n_paths = (uint32_t)(argc - i);
  arena *ar = arena_new("bench", 4096);
  lago_err e;
  lago_err_clear(&e);
  lago_type schema;
  if (type_parse(ar, schema_text, &schema, &e)) { fprintf(stderr, "csv_bench: %s\n", e.msg); return 1; }
  csv_options o;
  csv_options_init(&o);
  o.header = true;
  uint64_t bytes = 0;
  for (uint32_t f = 0; f < n_paths; f++) {
    fs_stat st;
    if (fs_stat_path(fs_local(), paths[f], &st, &e)) { fprintf(stderr, "csv_bench: %s\n", e.msg); return 1; }
    bytes += st.size;
  }
  for (int rep = 0; rep < repeat; rep++) {
    int64_t sums[16] = {0};
    uint64_t rows = 0;
    int rc = 0;
    double t0 = now(), c0 = cpu_seconds();
    if (threads == 0) {
      for (uint32_t f = 0; f < n_paths && !rc; f++) {
        csv_reader *r;
        rc = csv_reader_open(fs_local(), paths[f], &o, schema, &r, &e);
        while (!rc) {
          batch *b;
          rc = csv_reader_next(r, NULL, &b, NULL, &e);
          if (rc || !b->n_rows) break;
          consume(b, sums, &rows);
        }
        csv_reader_close(r);
      }
    } else {
      csv_scan *s;
      csv_scan_config cfg = {threads, range, 0};
      rc = csv_scan_open(fs_local(), paths, n_paths, &o, schema, &cfg, &s, &e);
      while (!rc) {
        batch *b;
        rc = csv_scan_next(s, &b, NULL, &e);
        if (rc || !b->n_rows) break;
        consume(b, sums, &rows);
      }
      csv_scan_close(s);
    }
    double t = now() - t0, cpu = cpu_seconds() - c0;
    if (rc) { fprintf(stderr, "csv_bench: %s\n", e.msg); return 1; }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("threads=%d rows=%llu bytes=%llu wall=%.3fs cpu=%.3fs MB/s=%.1f peak_rss_MB=%.1f sums=", threads,
           (unsigned long long)rows, (unsigned long long)bytes, t, cpu, (double)bytes / 1e6 / t,
           (double)ru.ru_maxrss / 1024.0);
    for (uint32_t c = 0; c < type_n_fields(schema) && c < 16; c++) printf("%s%lld", c ? "," : "", (long long)sums[c]);
    printf("\n");
  }
  arena_free(ar);
  return 0;
}
