/*
** tests/tools/textfmt_tool.h: the dump and bench tools of the text readers
** (csv_dump, jsonl_dump, csv_bench, jsonl_bench), written once over a small
** table of each reader's functions. Each tool's .c file is one main() that
** picks its format and its job. Header-only: every tools/ .c file is its own
** binary. (make does not track this header: after editing it, remove the
** four binaries or run make clean.)
**
**   dump:  <tool> [-o key=value]... [-s SCHEMA] [-t THREADS] [-r RANGE_BYTES] [-l] [-T] FILE...
**          prints the rows as canonical text (vec/value_text.h), one line per
**          row, fields joined by ',' (NULL is \N), after a first line of
**          column names (-T: the schema in Spark SQL spelling instead);
**          -l prefixes each row with its source line number. Default schema:
**          inferred with the options. Used by the DuckDB differential tests.
**   bench: <tool> [-t THREADS] [-s SCHEMA] [-r RANGE_BYTES] [-n REPEAT] [-o key=value]... FILE...
**          reads the files into vectors with the schema (default: the
**          format's bench table), sums every integer/decimal/timestamp column
**          and the string lengths so nothing is optimised away, and prints
**          rows, the sums, wall and CPU time (user + system, all threads),
**          MB/s of wall time and peak RSS. Release builds; not a test.
** -t 0 = one reader per file on this thread (default); N >= 1 = the
** parallel scan with N workers. Errors: exit 1 with "<tool>: <message>".
*/
#ifndef LAGO_TESTS_TEXTFMT_TOOL_H
#define LAGO_TESTS_TEXTFMT_TOOL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "format/csv/csv.h"
#include "format/json/jsonl.h"
#include "vec/value_text.h"

/* Each tool uses some of these: the others are not an error. */
#define TT_FN static __attribute__((unused))

/* One text reader, for the tools. */
typedef struct tt_format {
  size_t opts_size;
  void (*opts_init)(void *opts);
  int (*opts_set)(void *opts, arena *ar, const char *key, const char *value, lago_err *err);
  int (*infer)(const char *const *paths, uint32_t n, const void *opts, arena *ar, lago_type *out, lago_err *err);
  int (*reader_open)(const char *path, const void *opts, lago_type schema, void **out, lago_err *err);
  int (*reader_next)(void *r, batch **out, txt_batch_info *info, lago_err *err);
  void (*reader_close)(void *r);
  int (*scan_open)(const char *const *paths, uint32_t n, const void *opts, lago_type schema, const txt_scan_config *cfg,
                   void **out, lago_err *err);
  int (*scan_next)(void *s, batch **out, txt_batch_info *info, lago_err *err);
  void (*scan_close)(void *s);
  const char *bench_schema;  /* the bench's default table */
  const char *bench_opts[4]; /* the bench's options (k=v), NULL-terminated */
} tt_format;

/* ---- the two formats ------------------------------------------------------------------- */

TT_FN void tt_csv_init(void *o) { csv_options_init(o); }
TT_FN int tt_csv_set(void *o, arena *ar, const char *k, const char *v, lago_err *e) { return csv_options_set(o, ar, k, v, e); }
TT_FN int tt_csv_infer(const char *const *p, uint32_t n, const void *o, arena *ar, lago_type *t, lago_err *e) {
  return csv_infer_schema(fs_local(), p, n, o, ar, t, e);
}
TT_FN int tt_csv_open(const char *p, const void *o, lago_type s, void **out, lago_err *e) {
  csv_reader *r;
  int rc = csv_reader_open(fs_local(), p, o, s, &r, e);
  *out = r;
  return rc;
}
TT_FN int tt_csv_next(void *r, batch **b, txt_batch_info *bi, lago_err *e) { return csv_reader_next(r, NULL, b, bi, e); }
TT_FN void tt_csv_close(void *r) { csv_reader_close(r); }
TT_FN int tt_csv_scan_open(const char *const *p, uint32_t n, const void *o, lago_type s, const txt_scan_config *c,
                            void **out, lago_err *e) {
  csv_scan *sc;
  int rc = csv_scan_open(fs_local(), p, n, o, s, c, &sc, e);
  *out = sc;
  return rc;
}
TT_FN int tt_csv_scan_next(void *s, batch **b, txt_batch_info *bi, lago_err *e) { return csv_scan_next(s, b, bi, e); }
TT_FN void tt_csv_scan_close(void *s) { csv_scan_close(s); }

TT_FN void tt_jsonl_init(void *o) { jsonl_options_init(o); }
TT_FN int tt_jsonl_set(void *o, arena *ar, const char *k, const char *v, lago_err *e) {
  return jsonl_options_set(o, ar, k, v, e);
}
TT_FN int tt_jsonl_infer(const char *const *p, uint32_t n, const void *o, arena *ar, lago_type *t, lago_err *e) {
  return jsonl_infer_schema(fs_local(), p, n, o, ar, t, e);
}
TT_FN int tt_jsonl_open(const char *p, const void *o, lago_type s, void **out, lago_err *e) {
  jsonl_reader *r;
  int rc = jsonl_reader_open(fs_local(), p, o, s, &r, e);
  *out = r;
  return rc;
}
TT_FN int tt_jsonl_next(void *r, batch **b, txt_batch_info *bi, lago_err *e) { return jsonl_reader_next(r, NULL, b, bi, e); }
TT_FN void tt_jsonl_close(void *r) { jsonl_reader_close(r); }
TT_FN int tt_jsonl_scan_open(const char *const *p, uint32_t n, const void *o, lago_type s, const txt_scan_config *c,
                              void **out, lago_err *e) {
  jsonl_scan *sc;
  int rc = jsonl_scan_open(fs_local(), p, n, o, s, c, &sc, e);
  *out = sc;
  return rc;
}
TT_FN int tt_jsonl_scan_next(void *s, batch **b, txt_batch_info *bi, lago_err *e) { return jsonl_scan_next(s, b, bi, e); }
TT_FN void tt_jsonl_scan_close(void *s) { jsonl_scan_close(s); }

/* The bench tables: the upsell data set's transactions (bench/csv.sh, bench/jsonl.sh). */
#define TT_TRANSACTIONS                                                                                       \
  "transaction_id: BIGINT, customer_id: BIGINT, product: STRING, points: INT, amount: DECIMAL(12,2), channel: " \
  "STRING, created_at: TIMESTAMP"

static const tt_format tt_csv __attribute__((unused)) = {
    sizeof(csv_options), tt_csv_init, tt_csv_set, tt_csv_infer, tt_csv_open, tt_csv_next, tt_csv_close,
    tt_csv_scan_open, tt_csv_scan_next, tt_csv_scan_close,
    "STRUCT<" TT_TRANSACTIONS ">", {"header=true", NULL}};
/* JSON: the CDC batches, the table's columns plus op and modified_at. */
static const tt_format tt_jsonl __attribute__((unused)) = {
    sizeof(jsonl_options), tt_jsonl_init, tt_jsonl_set, tt_jsonl_infer, tt_jsonl_open, tt_jsonl_next,
    tt_jsonl_close, tt_jsonl_scan_open, tt_jsonl_scan_next, tt_jsonl_scan_close,
    "STRUCT<" TT_TRANSACTIONS ", op: STRING, modified_at: TIMESTAMP>", {NULL}};

/* ---- shared parts -------------------------------------------------------------------------- */

typedef int (*tt_batch_fn)(void *ud, batch *b, const txt_batch_info *bi);

/* The program name without its directory, for messages. */
TT_FN const char *tt_name(const char *argv0) {
  const char *sl = strrchr(argv0, '/');
  return sl ? sl + 1 : argv0;
}

/* Reads every file (threads 0: one reader each; else the scan), calling fn per batch. */
TT_FN int tt_read(const tt_format *f, const char *const *paths, uint32_t n, const void *opts, lago_type schema,
                   int threads, uint64_t range, tt_batch_fn fn, void *ud, lago_err *e) {
  int rc = LAGO_OK;
  batch *b;
  txt_batch_info bi;
  if (threads == 0) {
    for (uint32_t i = 0; i < n && !rc; i++) {
      void *r = NULL;
      rc = f->reader_open(paths[i], opts, schema, &r, e);
      while (!rc && !(rc = f->reader_next(r, &b, &bi, e)) && b->n_rows) rc = fn(ud, b, &bi);
      if (r) f->reader_close(r);
    }
    return rc;
  }
  void *s = NULL;
  txt_scan_config cfg = {threads, range, 0};
  rc = f->scan_open(paths, n, opts, schema, &cfg, &s, e);
  while (!rc && !(rc = f->scan_next(s, &b, &bi, e)) && b->n_rows) rc = fn(ud, b, &bi);
  if (s) f->scan_close(s);
  return rc;
}

typedef struct tt_args {
  void *opts;
  const char *schema_text;
  int threads, repeat;
  uint64_t range;
  bool lines, show_type;
  const char *const *paths;
  uint32_t n_paths;
} tt_args;

/* Sets option "k=v" (a copy is split). */
TT_FN int tt_set(const tt_format *f, void *opts, arena *ar, const char *kv_text, lago_err *e) {
  char *kv = arena_strdup(ar, kv_text), *eq = kv ? strchr(kv, '=') : NULL;
  if (!eq) return LAGO_ERR(e, LAGO_BIND, "-o needs key=value, got '%s'", kv_text);
  *eq = 0;
  return f->opts_set(opts, ar, kv, eq + 1, e);
}

/* Parses the command line (dump: -l and -T allowed) after setting the defaults (k=v). 0, or the exit code. */
TT_FN int tt_parse(const tt_format *f, int argc, char **argv, bool dump, const char *const *defaults, arena *ar,
                   tt_args *a) {
  lago_err e;
  lago_err_clear(&e);
  memset(a, 0, sizeof *a);
  a->repeat = 1;
  if (!(a->opts = arena_zalloc(ar, f->opts_size))) return 1;
  f->opts_init(a->opts);
  for (; defaults && *defaults; defaults++)
    if (tt_set(f, a->opts, ar, *defaults, &e)) {
      fprintf(stderr, "%s: %s\n", tt_name(argv[0]), e.msg);
      return 1;
    }
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    const char *o = argv[i];
    if (!strcmp(o, "-o") && i + 1 < argc) {
      if (tt_set(f, a->opts, ar, argv[++i], &e)) {
        fprintf(stderr, "%s: %s\n", tt_name(argv[0]), e.msg);
        return 1;
      }
    } else if (!strcmp(o, "-s") && i + 1 < argc) {
      a->schema_text = argv[++i];
    } else if (!strcmp(o, "-t") && i + 1 < argc) {
      a->threads = atoi(argv[++i]);
    } else if (!strcmp(o, "-r") && i + 1 < argc) {
      a->range = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(o, "-n") && i + 1 < argc && !dump) {
      a->repeat = atoi(argv[++i]);
    } else if (!strcmp(o, "-l") && dump) {
      a->lines = true;
    } else if (!strcmp(o, "-T") && dump) {
      a->show_type = true;
    } else {
      fprintf(stderr, "%s: unknown option %s\n", tt_name(argv[0]), o);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, dump ? "usage: %s [-o k=v]... [-s SCHEMA] [-t N] [-r BYTES] [-l] [-T] FILE...\n"
                         : "usage: %s [-t N] [-s SCHEMA] [-r BYTES] [-n REPEAT] [-o k=v]... FILE...\n",
            tt_name(argv[0]));
    return 2;
  }
  a->paths = (const char *const *)argv + i;
  a->n_paths = (uint32_t)(argc - i);
  return 0;
}

/* ---- dump ---------------------------------------------------------------------------------- */

typedef struct tt_dump {
  bool lines;
  buf out;
} tt_dump;

TT_FN int tt_print(void *ud, batch *b, const txt_batch_info *bi) {
  tt_dump *d = ud;
  for (uint32_t i = 0; i < b->n_rows; i++) {
    buf_clear(&d->out);
    if (d->lines) buf_printf(&d->out, "%llu:", (unsigned long long)bi->lines[i]);
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (c) buf_putc(&d->out, ',');
      if (value_text_append(&d->out, &b->cols[c], batch_row(b, i))) return LAGO_NOMEM;
    }
    fwrite(d->out.data ? d->out.data : "", 1, d->out.len, stdout);
    fputc('\n', stdout);
  }
  return LAGO_OK;
}

TT_FN int tt_dump_main(const tt_format *f, int argc, char **argv) {
  arena *ar = arena_new("dump", 4096);
  tt_args a;
  int code = ar ? tt_parse(f, argc, argv, true, NULL, ar, &a) : 1;
  if (code) {
    arena_free(ar);
    return code;
  }
  lago_err e;
  lago_err_clear(&e);
  lago_type schema;
  int rc = a.schema_text ? type_parse(ar, a.schema_text, &schema, &e) : f->infer(a.paths, a.n_paths, a.opts, ar, &schema, &e);
  tt_dump d = {a.lines, {0}};
  buf_init(&d.out);
  if (!rc && a.show_type) {
    type_to_sql(schema, &d.out);
    printf("%s\n", buf_cstr(&d.out));
  } else if (!rc) {
    for (uint32_t c = 0; c < type_n_fields(schema); c++) printf("%s%s", c ? "," : "", type_field_at(schema, c)->name);
    printf("\n");
  }
  if (!rc) rc = tt_read(f, a.paths, a.n_paths, a.opts, schema, a.threads, a.range, tt_print, &d, &e);
  buf_deinit(&d.out);
  arena_free(ar);
  fflush(stdout);
  if (rc) {
    fprintf(stderr, "%s: %s\n", tt_name(argv[0]), e.msg[0] ? e.msg : lago_rc_name(rc));
    return 1;
  }
  return 0;
}

/* ---- bench --------------------------------------------------------------------------------- */

typedef struct tt_sums {
  uint64_t sums[16]; /* wrap around (timestamps add up past int64) */
  uint64_t rows;
} tt_sums;

TT_FN int tt_consume(void *ud, batch *b, const txt_batch_info *bi) {
  (void)bi;
  tt_sums *t = ud;
  t->rows += b->n_rows;
  for (uint32_t c = 0; c < b->n_cols && c < 16; c++) {
    vec *v = &b->cols[c];
    uint64_t s = 0;
    if (v->type.id == LT_BIGINT || (v->type.id == LT_DECIMAL && v->type.precision <= 18) ||
        v->type.id == LT_TIMESTAMP || v->type.id == LT_TIMESTAMP_NTZ) {
      const int64_t *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? (uint64_t)d[i] : 0;
    } else if (v->type.id == LT_INT) {
      const int32_t *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? (uint64_t)(int64_t)d[i] : 0;
    } else if (v->type.id == LT_STRING) {
      const lago_str *d = v->data;
      for (uint32_t i = 0; i < b->n_rows; i++) s += vec_is_valid(v, i) ? d[i].len : 0;
    }
    t->sums[c] += s;
  }
  return LAGO_OK;
}

TT_FN double tt_clock(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

TT_FN int tt_bench_main(const tt_format *f, int argc, char **argv) {
  arena *ar = arena_new("bench", 4096);
  lago_err e;
  lago_err_clear(&e);
  tt_args a;
  int code = ar ? tt_parse(f, argc, argv, false, f->bench_opts, ar, &a) : 1;
  lago_type schema;
  if (!code && type_parse(ar, a.schema_text ? a.schema_text : f->bench_schema, &schema, &e)) code = 1;
  uint64_t bytes = 0;
  for (uint32_t i = 0; !code && i < a.n_paths; i++) {
    fs_stat st;
    if (fs_stat_path(fs_local(), a.paths[i], &st, &e)) code = 1;
    else bytes += st.size;
  }
  for (int rep = 0; !code && rep < a.repeat; rep++) {
    tt_sums t;
    memset(&t, 0, sizeof t);
    double t0 = tt_clock(CLOCK_MONOTONIC), c0 = tt_clock(CLOCK_PROCESS_CPUTIME_ID);
    int rc = tt_read(f, a.paths, a.n_paths, a.opts, schema, a.threads, a.range, tt_consume, &t, &e);
    double wall = tt_clock(CLOCK_MONOTONIC) - t0, cpu = tt_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (rc) {
      code = 1;
      break;
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("threads=%d rows=%llu bytes=%llu wall=%.3fs cpu=%.3fs MB/s=%.1f peak_rss_MB=%.1f sums=", a.threads,
           (unsigned long long)t.rows, (unsigned long long)bytes, wall, cpu, (double)bytes / 1e6 / wall,
           (double)ru.ru_maxrss / 1024.0);
    for (uint32_t c = 0; c < type_n_fields(schema) && c < 16; c++) printf("%s%lld", c ? "," : "", (long long)t.sums[c]);
    printf("\n");
  }
  if (code == 1) fprintf(stderr, "%s: %s\n", tt_name(argv[0]), e.msg);
  arena_free(ar);
  return code;
}

#endif /* LAGO_TESTS_TEXTFMT_TOOL_H */
