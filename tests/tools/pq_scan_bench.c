/*
** tests/tools/pq_scan_bench.c: times a full decode of Parquet files with
** lago's reader (no output formatting): every column of every row group,
** batch by batch, touching each vector so nothing is skipped.
**
**   pq_scan_bench [--threads N] [--per-row-group] [--batch ROWS] [--no-dict] [--repeat K] FILE...
**
** --threads N hands the files to N threads (each file read by one pq_reader,
** all its row groups); --per-row-group makes each (file, row group) pair a
** job instead (a reader per row group, several threads on one pq_file). Dictionary-encoded columns stay
** dictionary vectors (codes) unless --no-dict. Prints rows, a checksum that
** depends on every decoded value, and the best wall time and best process
** CPU time (user + system, all threads) of K runs: on a shared machine the
** CPU time is the steadier figure.
** Used for the figures in format/parquet/README.md; not part of make test.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "format/parquet/parquet.h"
#include "io/fs.h"

typedef struct job {
  pq_file *pf;
  uint32_t rg;
} job;

typedef struct shared {
  job *jobs;
  uint32_t n_jobs;
  uint32_t next;
  pthread_mutex_t mu;
  uint32_t batch;
  bool dict;
  bool per_rg;
} shared;

typedef struct res {
  uint64_t rows, sum;
  int rc;
  char msg[512];
} res;

/* Folds every value of v into a sum (cheap, but reads all the data). */
static uint64_t touch(const vec *v, uint32_t n) {
  uint64_t s = 0;
  if (v->validity) s += v->validity[0];
  if (v->kind == VEC_DICT) {
    const uint32_t *c = v->data;
    for (uint32_t i = 0; i < n; i++) s += c[i];
    return s;
  }
  size_t w = type_width(v->type);
  if (type_is_string_like(v->type)) {
    const lago_str *st = v->data;
    for (uint32_t i = 0; i < n; i++) s += st[i].len + (uint8_t)str_data(&st[i])[0];
  } else if (w == 8) {
    const uint64_t *d = v->data;
    for (uint32_t i = 0; i < n; i++) s += d[i];
  } else if (w == 4) {
    const uint32_t *d = v->data;
    for (uint32_t i = 0; i < n; i++) s += d[i];
  } else if (w) {
    const uint8_t *d = v->data;
    for (size_t i = 0; i < (size_t)n * w; i++) s += d[i];
  }
  return s;
}

static void *worker(void *ud) {
  shared *sh = ud;
  res *r = calloc(1, sizeof *r);
  for (;;) {
    pthread_mutex_lock(&sh->mu);
    uint32_t j = sh->next++;
    pthread_mutex_unlock(&sh->mu);
    if (j >= sh->n_jobs) break;
    pq_read_opts o;
    memset(&o, 0, sizeof o);
    if (sh->per_rg) {
      o.row_groups = &sh->jobs[j].rg;
      o.n_row_groups = 1;
    }
    o.batch_rows = sh->batch;
    o.keep_dictionary = sh->dict;
    lago_err e;
    lago_err_clear(&e);
    pq_reader *rd;
    if ((r->rc = pq_reader_open(sh->jobs[j].pf, &o, &rd, &e))) {
      snprintf(r->msg, sizeof r->msg, "%s", e.msg);
      break;
    }
    for (;;) {
      batch *b;
      if ((r->rc = pq_reader_next(rd, &b, NULL, &e))) {
        snprintf(r->msg, sizeof r->msg, "%s", e.msg);
        break;
      }
      if (!b->n_rows) break;
      r->rows += b->n_rows;
      for (uint32_t c = 0; c < b->n_cols; c++) r->sum += touch(&b->cols[c], b->n_rows);
    }
    pq_reader_close(rd);
    if (r->rc) break;
  }
  return r;
}

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  int threads = 1, repeat = 1;
  shared sh;
  memset(&sh, 0, sizeof sh);
  sh.dict = true;
  int first = 1;
  for (; first < argc && argv[first][0] == '-'; first++) {
    if (!strcmp(argv[first], "--threads") && first + 1 < argc) threads = atoi(argv[++first]);
    else if (!strcmp(argv[first], "--batch") && first + 1 < argc) sh.batch = (uint32_t)atoi(argv[++first]);
    else if (!strcmp(argv[first], "--repeat") && first + 1 < argc) repeat = atoi(argv[++first]);
    else if (!strcmp(argv[first], "--no-dict")) sh.dict = false;
    else if (!strcmp(argv[first], "--per-row-group")) sh.per_rg = true;
    else {
      fprintf(stderr, "usage: pq_scan_bench [--threads N] [--per-row-group] [--batch ROWS] [--no-dict] [--repeat K] FILE...\n");
      return 2;
    }
  }
  if (first >= argc || threads < 1 || repeat < 1) {
    fprintf(stderr, "usage: pq_scan_bench [--threads N] [--per-row-group] [--batch ROWS] [--no-dict] [--repeat K] FILE...\n");
    return 2;
  }
  double best = 1e30, best_cpu = 1e30;
  uint64_t rows = 0, sum = 0;
  for (int rep = 0; rep < repeat; rep++) {
    double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    int n_files = argc - first;
    pq_file **files = calloc((size_t)n_files, sizeof *files);
    sh.n_jobs = 0;
    sh.next = 0;
    free(sh.jobs);
    sh.jobs = NULL;
    uint32_t cap = 0;
    for (int i = 0; i < n_files; i++) {
      lago_err e;
      lago_err_clear(&e);
      if (pq_open(fs_local(), argv[first + i], &files[i], &e)) {
        fprintf(stderr, "pq_scan_bench: %s\n", e.msg);
        return 1;
      }
      for (uint32_t g = 0; g < (sh.per_rg ? pq_file_num_row_groups(files[i]) : 1); g++) {
        if (sh.n_jobs == cap) sh.jobs = realloc(sh.jobs, (cap = cap ? cap * 2 : 64) * sizeof *sh.jobs);
        sh.jobs[sh.n_jobs++] = (job){files[i], g};
      }
    }
    pthread_mutex_init(&sh.mu, NULL);
    pthread_t *th = calloc((size_t)threads, sizeof *th);
    for (int t = 0; t < threads; t++) pthread_create(&th[t], NULL, worker, &sh);
    rows = sum = 0;
    for (int t = 0; t < threads; t++) {
      res *r;
      pthread_join(th[t], (void **)&r);
      if (r->rc) {
        fprintf(stderr, "pq_scan_bench: %s\n", r->msg);
        return 1;
      }
      rows += r->rows;
      sum += r->sum;
      free(r);
    }
    for (int i = 0; i < n_files; i++) pq_close(files[i]);
    free(files);
    free(th);
    pthread_mutex_destroy(&sh.mu);
    double dt = clock_s(CLOCK_MONOTONIC) - t0, dc = clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (dt < best) best = dt;
    if (dc < best_cpu) best_cpu = dc;
  }
  free(sh.jobs);
  printf("rows %llu checksum %016llx time %.3f s cpu %.3f s (best of %d, %d thread%s)\n", (unsigned long long)rows,
         (unsigned long long)sum, best, best_cpu, repeat, threads, threads == 1 ? "" : "s");
  return 0;
}
