/*
** cli/cmd_parquet_convert.c: `lago parquet convert IN... OUT.parquet`
**
**   lago parquet convert IN.parquet|IN.csv [IN2 ...] OUT.parquet
**        [--codec snappy|zstd|gzip|lz4_raw|brotli|uncompressed] [--level N]
**        [--row-group-rows N] [--threads N] [--option k=v ...] [--infer-schema]
**
** Parquet inputs are read with the Parquet reader (all must have the same
** schema), whole row groups in parallel (convert_parquet below). CSV inputs
** (by extension .csv/.tsv/.txt, or --format csv) are read with the CSV
** reader: Spark CSV options by --option (header, sep, ...), columns
** STRING unless --infer-schema (inferSchema=true), schemaHints via
** --option schemaHints='a INT'. The output is written atomically: nothing
** appears at OUT unless the conversion succeeds, and OUT must not exist.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "cli/cli.h"
#include "format/csv/csv.h"
#include "format/parquet/codec.h"
#include "format/parquet/parquet.h"

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static int parse_codec(const char *name, pq_codec *out) {
  static const struct {
    const char *name;
    pq_codec c;
  } k[] = {{"snappy", PQ_CODEC_SNAPPY}, {"zstd", PQ_CODEC_ZSTD},   {"gzip", PQ_CODEC_GZIP},
           {"lz4_raw", PQ_CODEC_LZ4_RAW}, {"lz4", PQ_CODEC_LZ4_RAW}, {"brotli", PQ_CODEC_BROTLI},
           {"uncompressed", PQ_CODEC_UNCOMPRESSED}, {"none", PQ_CODEC_UNCOMPRESSED}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (!strcasecmp(name, k[i].name)) {
      *out = k[i].c;
      return 0;
    }
  return -1;
}

/*
** Parquet inputs, row-group parallel. The input row groups, across the
** files in order, are planned into runs ("tasks") of consecutive row groups
** holding at most row_group_rows rows together; an input row group larger
** than that is a task of its own, which the encoder cuts at exactly
** row_group_rows rows (as pq_writer_write would). Each task becomes one
** output row group (more only when a run passes row_group_bytes). The plan
** depends on the inputs and row_group_rows only, never on the thread count,
** so the output is byte for byte the same for any --threads.
** Workers (the calling thread plus threads-1) take the next task, read its
** row groups with their own pq_reader (the pq_files are shared read-only),
** encode them into their own pq_rg_encoder, then wait for the task's turn
** (tasks are appended in plan order: `turn` + condvar) and append. At most
** one output row group per worker is held in memory. The first failure stops
** every worker; the caller then aborts the writer, so nothing is written.
*/
typedef struct conv_plan {
  pq_file **files;        /* n_files, opened and schema-checked by the caller */
  uint32_t n_files;
  uint32_t *rg_file;      /* input row group k: its file ... */
  uint32_t *rg_index;     /* ... and its index in that file (contiguous per file: a reader's row_groups) */
  uint32_t n_rgs;
  uint32_t *task_first;   /* task t = input row groups [task_first[t], task_first[t+1]) */
  uint32_t n_tasks;
} conv_plan;

typedef struct conv_job {
  const conv_plan *plan;
  pq_writer *w;
  pthread_mutex_t mu;
  pthread_cond_t cv;
  uint32_t next_task;     /* under mu: the next task to take */
  uint32_t turn;          /* under mu: the task whose row groups are appended next */
  bool failed;            /* under mu: stop */
  int rc;                 /* under mu: the failure of the lowest failing task */
  uint32_t fail_task;
  lago_err err;
} conv_job;

typedef struct conv_worker {
  conv_job *job;
  pq_rg_encoder *enc;     /* owned by the caller */
} conv_worker;

/* Plans the tasks over every row group of the inputs (arrays in ar). */
static int plan_tasks(arena *ar, conv_plan *p, uint64_t max_rows, lago_err *e) {
  uint64_t n = 0;
  for (uint32_t f = 0; f < p->n_files; f++) n += pq_file_num_row_groups(p->files[f]);
  if (n > UINT32_MAX / 2) return LAGO_ERR(e, LAGO_UNSUPPORTED, "parquet convert: %llu input row groups", (unsigned long long)n);
  p->rg_file = arena_calloc(ar, n + 1, sizeof *p->rg_file);
  p->rg_index = arena_calloc(ar, n + 1, sizeof *p->rg_index);
  p->task_first = arena_calloc(ar, n + 1, sizeof *p->task_first);
  if (!p->rg_file || !p->rg_index || !p->task_first) return LAGO_NOMEM_ERR(e);
  uint32_t k = 0, t = 0;
  uint64_t run = 0; /* rows in the open task (input row groups k0..k-1 since task_first[t]) */
  bool open = false;
  for (uint32_t f = 0; f < p->n_files; f++) {
    for (uint32_t g = 0; g < pq_file_num_row_groups(p->files[f]); g++) {
      int64_t r = pq_row_group_num_rows(p->files[f], g);
      uint64_t rows = r > 0 ? (uint64_t)r : 0; /* the reader judges bad counts; planning only needs a size */
      if (open && run + rows > max_rows) {
        t++;
        open = false;
      }
      if (!open) {
        p->task_first[t] = k;
        run = 0;
        open = true;
      }
      p->rg_file[k] = f;
      p->rg_index[k] = g;
      k++;
      run += rows;
      if (run >= max_rows) {
        t++;
        open = false;
      }
    }
  }
  if (open) t++;
  p->n_rgs = k;
  p->n_tasks = t;
  p->task_first[t] = k;
  return LAGO_OK;
}

/* Waits for task t's turn (once per task), then appends the encoder's row group. */
static int append_in_turn(conv_job *j, uint32_t t, pq_rg_encoder *enc, bool *have_turn, lago_err *e) {
  if (!*have_turn) {
    pthread_mutex_lock(&j->mu);
    while (j->turn != t && !j->failed) pthread_cond_wait(&j->cv, &j->mu);
    bool stop = j->failed;
    pthread_mutex_unlock(&j->mu);
    if (stop) return LAGO_CANCELLED;
    *have_turn = true;
  }
  return pq_writer_append_rg(j->w, enc, e);
}

/* Reads, encodes and appends task t. */
static int run_task(conv_job *j, uint32_t t, pq_rg_encoder *enc, lago_err *e) {
  const conv_plan *p = j->plan;
  bool have_turn = false;
  uint32_t k = p->task_first[t], end = p->task_first[t + 1];
  int rc = LAGO_OK;
  while (k < end && !rc) {
    uint32_t f = p->rg_file[k], m = k;
    while (m < end && p->rg_file[m] == f) m++;
    pq_read_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.row_groups = &p->rg_index[k];
    ro.n_row_groups = m - k;
    pq_reader *r = NULL;
    rc = pq_reader_open(p->files[f], &ro, &r, e);
    while (!rc) {
      batch *b;
      rc = pq_reader_next(r, &b, NULL, e);
      if (rc || b->n_rows == 0) break;
      for (uint32_t start = 0; start < b->n_rows && !rc;) {
        rc = pq_rg_encoder_write(enc, b, start, &start, e);
        if (!rc && pq_rg_encoder_full(enc)) rc = append_in_turn(j, t, enc, &have_turn, e);
      }
    }
    pq_reader_close(r);
    k = m;
  }
  if (!rc) rc = pq_rg_encoder_finish(enc, e); /* compression of the last pages, before waiting */
  if (!rc) rc = append_in_turn(j, t, enc, &have_turn, e);
  if (!rc) {
    pthread_mutex_lock(&j->mu);
    j->turn = t + 1;
    pthread_cond_broadcast(&j->cv);
    pthread_mutex_unlock(&j->mu);
  }
  return rc;
}

static void *conv_worker_main(void *arg) {
  conv_worker *cw = arg;
  conv_job *j = cw->job;
  lago_err e;
  for (;;) {
    pthread_mutex_lock(&j->mu);
    uint32_t t = j->next_task;
    bool stop = j->failed || t >= j->plan->n_tasks;
    if (!stop) j->next_task++;
    pthread_mutex_unlock(&j->mu);
    if (stop) break;
    lago_err_clear(&e);
    int rc = run_task(j, t, cw->enc, &e);
    if (rc) {
      pthread_mutex_lock(&j->mu);
      if (rc != LAGO_CANCELLED && (!j->rc || t < j->fail_task)) {
        j->rc = rc;
        j->fail_task = t;
        lago_err_copy(&j->err, &e);
      }
      j->failed = true;
      pthread_cond_broadcast(&j->cv);
      pthread_mutex_unlock(&j->mu);
      break;
    }
  }
  return NULL;
}

/* Copies every row of the opened Parquet inputs into w with `threads` workers. */
static int convert_parquet(arena *ar, pq_file **files, uint32_t n_files, pq_writer *w, uint64_t max_rows,
                           uint32_t threads, lago_err *e) {
  conv_plan plan;
  memset(&plan, 0, sizeof plan);
  plan.files = files;
  plan.n_files = n_files;
  TRY(plan_tasks(ar, &plan, max_rows, e));
  if (threads > plan.n_tasks) threads = plan.n_tasks ? plan.n_tasks : 1;
  conv_job j;
  memset(&j, 0, sizeof j);
  j.plan = &plan;
  j.w = w;
  lago_err_clear(&j.err);
  conv_worker *cw = arena_calloc(ar, threads, sizeof *cw);
  pthread_t *tids = arena_calloc(ar, threads, sizeof *tids);
  if (!cw || !tids) return LAGO_NOMEM_ERR(e);
  int rc = LAGO_OK;
  uint32_t n_enc = 0, started = 0;
  for (; n_enc < threads && !rc; n_enc++) {
    cw[n_enc].job = &j;
    rc = pq_writer_rg_new(w, &cw[n_enc].enc, e);
    if (rc) break;
  }
  if (!rc && pthread_mutex_init(&j.mu, NULL)) rc = LAGO_ERR(e, LAGO_INTERNAL, "parquet convert: cannot create a mutex");
  if (!rc && pthread_cond_init(&j.cv, NULL)) {
    pthread_mutex_destroy(&j.mu);
    rc = LAGO_ERR(e, LAGO_INTERNAL, "parquet convert: cannot create a condition variable");
  }
  if (!rc) {
    for (uint32_t i = 1; i < threads; i++, started++)
      if (pthread_create(&tids[i], NULL, conv_worker_main, &cw[i])) break; /* fewer workers: still correct */
    conv_worker_main(&cw[0]);
    for (uint32_t i = 1; i <= started; i++) pthread_join(tids[i], NULL);
    pthread_mutex_destroy(&j.mu);
    pthread_cond_destroy(&j.cv);
    if (j.failed && j.rc) {
      rc = j.rc;
      lago_err_copy(e, &j.err);
    } else if (j.failed) {
      rc = LAGO_ERR(e, LAGO_INTERNAL, "parquet convert: stopped without an error");
    }
  }
  for (uint32_t i = 0; i < n_enc; i++) pq_rg_encoder_free(cw[i].enc);
  return rc;
}

int cmd_parquet_convert(cli_ctx *cx, int argc, char **argv) {
  (void)cx;
  /* argv[0] = "convert" */
  pq_write_opts wo;
  pq_write_opts_init(&wo);
  {
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    wo.threads = nc < 1 ? 1 : nc > 2 ? 2 : (uint32_t)nc; /* default: two encoding threads where there are two cores */
  }
  bool infer = false, force_csv = false;
  char *paths[256];
  int n_paths = 0;
  arena *ar = arena_new("query", 4096);
  if (!ar) return cli_error("out of memory");
  csv_options co;
  csv_options_init(&co);
  lago_err e;
  lago_err_clear(&e);
  const char *hints = NULL;
  int rc = CLI_OK;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--codec") && v) {
      if (parse_codec(v, &wo.codec)) {
        rc = cli_usage("parquet", "unknown codec '%s'", v);
        goto done;
      }
      i++;
    } else if (!strcmp(a, "--level") && v) {
      wo.level = atoi(v);
      i++;
    } else if (!strcmp(a, "--threads") && v) {
      int t = atoi(v);
      if (t < 1 || t > 64) {
        rc = cli_usage("parquet", "--threads wants 1..64, got '%s'", v);
        goto done;
      }
      wo.threads = (uint32_t)t;
      i++;
    } else if (!strcmp(a, "--row-group-rows") && v) {
      wo.row_group_rows = strtoull(v, NULL, 10);
      i++;
    } else if (!strcmp(a, "--infer-schema")) {
      infer = true;
    } else if (!strcmp(a, "--format") && v) {
      if (!strcasecmp(v, "csv")) force_csv = true;
      else if (strcasecmp(v, "parquet")) {
        rc = cli_usage("parquet", "unknown input format '%s' (csv or parquet)", v);
        goto done;
      }
      i++;
    } else if (!strcmp(a, "--option") && v) {
      const char *eq = strchr(v, '=');
      if (!eq) {
        rc = cli_usage("parquet", "--option wants k=v, got '%s'", v);
        goto done;
      }
      char *key = arena_strndup(ar, v, (size_t)(eq - v));
      if (!key) {
        rc = cli_error("out of memory");
        goto done;
      }
      if (!strcasecmp(key, "schemaHints")) {
        hints = eq + 1;
      } else if (csv_options_set(&co, ar, key, eq + 1, &e)) {
        rc = cli_error("%s", e.msg);
        goto done;
      }
      i++;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage("parquet", "unknown option '%s'", a);
      goto done;
    } else if (n_paths < 256) {
      paths[n_paths++] = argv[i];
    }
  }
  if (n_paths < 2) {
    rc = cli_usage("parquet", "convert needs at least one input and an output path");
    goto done;
  }
  const char *out = paths[--n_paths];
  bool csv = force_csv;
  for (int i = 0; i < n_paths && !force_csv; i++)
    if (has_suffix(paths[i], ".csv") || has_suffix(paths[i], ".tsv") || has_suffix(paths[i], ".txt")) csv = true;
  if (infer) co.infer_schema = true;
  pq_writer *w = NULL;
  if (csv) {
    if (csv_options_check(&co, &e)) goto fail;
    lago_type schema;
    if (csv_infer_schema(fs_local(), (const char *const *)paths, (uint32_t)n_paths, &co, ar, &schema, &e)) goto fail;
    if (hints) {
      lago_type h;
      if (csv_parse_schema_hints(ar, hints, &h, &e)) goto fail;
      /* A hint replaces the type of the column of that name. */
      type_field *fs = arena_alloc(ar, type_n_fields(schema) * sizeof *fs + 1);
      if (!fs) goto nomem;
      for (uint32_t c = 0; c < type_n_fields(schema); c++) {
        fs[c] = *type_field_at(schema, c);
        int hi = type_field_index(h, fs[c].name);
        if (hi >= 0) fs[c].type = type_field_at(h, (uint32_t)hi)->type;
      }
      if (type_struct_fields(ar, type_n_fields(schema), fs, &schema)) goto nomem;
    }
    csv_scan *s;
    if (pq_writer_open(fs_local(), out, schema, &wo, &w, &e)) goto fail;
    if (csv_scan_open(fs_local(), (const char *const *)paths, (uint32_t)n_paths, &co, schema, NULL, &s, &e)) goto fail;
    int r2 = LAGO_OK;
    for (;;) {
      batch *b;
      r2 = csv_scan_next(s, &b, NULL, &e);
      if (r2 || b->n_rows == 0) break;
      r2 = pq_writer_write(w, b, &e);
      if (r2) break;
    }
    csv_scan_close(s);
    if (r2) goto fail;
  } else {
    /* Every input is opened and checked before anything is written. */
    pq_file **files = arena_calloc(ar, (size_t)n_paths, sizeof *files);
    if (!files) goto nomem;
    int prc = LAGO_OK;
    for (int i = 0; i < n_paths && !prc; i++) {
      prc = pq_open(fs_local(), paths[i], &files[i], &e);
      if (!prc && i > 0 && !type_equal(pq_file_schema(files[i]), pq_file_schema(files[0])))
        prc = LAGO_ERR(&e, LAGO_BIND, "%s: schema differs from %s", paths[i], paths[0]);
    }
    uint32_t threads = wo.threads ? wo.threads : 1;
    wo.threads = 1; /* parallel by row groups here, not by columns inside the writer */
    if (!prc) prc = pq_writer_open(fs_local(), out, pq_file_schema(files[0]), &wo, &w, &e);
    if (!prc)
      prc = convert_parquet(ar, files, (uint32_t)n_paths, w, wo.row_group_rows ? wo.row_group_rows : 1u << 20, threads,
                            &e);
    for (int i = 0; i < n_paths; i++) pq_close(files[i]);
    if (prc) goto fail;
  }
  pq_file_stats st;
  int crc = pq_writer_close(w, ar, &st, &e);
  w = NULL;
  if (crc) goto fail;
  fprintf(stderr, "wrote %s: %lld rows, %llu bytes (%s)\n", out, (long long)st.num_rows, (unsigned long long)st.file_size,
          pq_codec_name(wo.codec));
  goto done;
nomem:
  LAGO_NOMEM_ERR(&e);
fail:
  pq_writer_abort(w);
  rc = cli_error("%s", e.msg);
done:
  arena_free(ar);
  return rc;
}
