/*
** tests/tools/pq_write_bench.c: the lago side of bench/parquet_write.sh.
** Generates the synthetic upsell `transactions` table (shared/bench/README.md
** schema) from integer formulas of the row number i = 0..N-1 that DuckDB's
** SQL computes identically over range(N) (bench/parquet_write.mjs), and
** writes it with lago's Parquet writer, single-threaded:
**   transaction_id BIGINT        i + 1
**   customer_id    BIGINT        (i * 7919) % 100000 + 1
**   product        STRING        'product_' || ((i * 13) % 20)
**   points         INT           (i * 37) % 1000
**   amount         DECIMAL(12,2) unscaled (i * 7907) % 100000
**   channel        STRING        ['web','mobile','store','partner','phone'][(i * 3) % 5]
**   created_at     TIMESTAMP     1704067200000000 + i * 1000003 microseconds
**   pq_write_bench N OUT.parquet [CODEC]      (CODEC: snappy (default), zstd, none)
** Prints one line: rows, seconds spent writing (generation included), bytes.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format/parquet/parquet.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc, const lago_err *e) {
  fprintf(stderr, "pq_write_bench: %s: %s %s\n", what, lago_rc_name(rc), e ? e->msg : "");
  exit(1);
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: pq_write_bench N OUT.parquet [snappy|zstd|none]\n");
    return 2;
  }
  int64_t n = atoll(argv[1]);
  const char *out = argv[2];
  pq_write_opts o;
  pq_write_opts_init(&o);
  if (argc > 3 && !strcmp(argv[3], "zstd")) o.codec = PQ_CODEC_ZSTD;
  if (argc > 3 && !strcmp(argv[3], "none")) o.codec = PQ_CODEC_UNCOMPRESSED;
  arena *ar = arena_new("bench", 1 << 16);
  lago_err e;
  lago_err_clear(&e);
  lago_type schema;
  int rc = type_parse(ar, "STRUCT<transaction_id: BIGINT, customer_id: BIGINT, product: STRING, points: INT, "
                          "amount: DECIMAL(12,2), channel: STRING, created_at: TIMESTAMP>", &schema, &e);
  if (rc) die("schema", rc, &e);
  lago_type types[7];
  for (int c = 0; c < 7; c++) types[c] = type_field_at(schema, (uint32_t)c)->type;
  batch *b = batch_new(ar, 7, types, LAGO_VECTOR_SIZE);
  if (!b) die("batch", LAGO_NOMEM, NULL);
  lago_str products[20], channels[5];
  char pnames[20][16];
  static const char *chn[5] = {"web", "mobile", "store", "partner", "phone"};
  for (int k = 0; k < 20; k++) {
    int len = snprintf(pnames[k], sizeof pnames[k], "product_%d", k);
    products[k] = str_make(pnames[k], (uint32_t)len);
  }
  for (int k = 0; k < 5; k++) channels[k] = str_make(chn[k], (uint32_t)strlen(chn[k]));
  unlink(out);
  double t0 = now();
  pq_writer *w;
  rc = pq_writer_open(fs_local(), out, schema, &o, &w, &e);
  if (rc) die("open", rc, &e);
  for (int64_t first = 0; first < n; first += LAGO_VECTOR_SIZE) {
    uint32_t m = n - first < LAGO_VECTOR_SIZE ? (uint32_t)(n - first) : LAGO_VECTOR_SIZE;
    int64_t *tid = b->cols[0].data, *cid = b->cols[1].data, *amt = b->cols[4].data, *ts = b->cols[6].data;
    lago_str *prod = b->cols[2].data, *ch = b->cols[5].data;
    int32_t *pts = b->cols[3].data;
    for (uint32_t r = 0; r < m; r++) {
      int64_t i = first + r;
      tid[r] = i + 1;
      cid[r] = (i * 7919) % 100000 + 1;
      prod[r] = products[(i * 13) % 20];
      pts[r] = (int32_t)((i * 37) % 1000);
      amt[r] = (i * 7907) % 100000;
      ch[r] = channels[(i * 3) % 5];
      ts[r] = INT64_C(1704067200000000) + i * 1000003;
    }
    batch_set_rows(b, m);
    rc = pq_writer_write(w, b, &e);
    if (rc) die("write", rc, &e);
  }
  pq_file_stats st;
  rc = pq_writer_close(w, ar, &st, &e);
  if (rc) die("close", rc, &e);
  double t1 = now();
  printf("rows=%lld seconds=%.3f bytes=%llu\n", (long long)n, t1 - t0, (unsigned long long)st.file_size);
  arena_free(ar);
  return 0;
}
