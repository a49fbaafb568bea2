/*
** tests/unit/stream/stream_test.h: helpers shared by the stream tests:
** writing source files with chosen modification times, running a stream
** to completion with options given as "key=value" strings, and reading a
** table back as sorted canonical text lines.
*/
#ifndef LAGO_TEST_STREAM_H
#define LAGO_TEST_STREAM_H

#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream/stream.h"
#include "table/delta/delta.h"
#include "test.h"
#include "util/alloc.h"
#include "vec/value_text.h"

/* Writes text to dir/rel (parent directories created) and sets its mtime to base + sec seconds. */
static inline void st_write(const char *dir, const char *rel, const char *text, int sec) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  for (char *p = path + strlen(dir) + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      mkdir(path, 0755);
      *p = '/';
    }
  FILE *f = fopen(path, "wb");
  ASSERT_NE_NULL(f);
  fwrite(text, 1, strlen(text), f);
  fclose(f);
  struct timespec ts[2] = {{1700000000 + sec, 0}, {1700000000 + sec, 0}};
  ASSERT(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

static inline void st_write_bytes(const char *dir, const char *rel, const void *data, size_t n, int sec) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(path, "wb");
  ASSERT_NE_NULL(f);
  fwrite(data, 1, n, f);
  fclose(f);
  struct timespec ts[2] = {{1700000000 + sec, 0}, {1700000000 + sec, 0}};
  ASSERT(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

/* Events and batches seen by a run. */
typedef struct st_log {
  char events[16384];
  size_t ev_len;
  int batches;
  stream_batch_report last;
  int64_t batch_files[64];  /* files per batch, in order */
  int64_t batch_ids[64];
} st_log;

static inline void st_on_event(void *ud, stream_event_kind k, const char *msg) {
  st_log *l = ud;
  int n = snprintf(l->events + l->ev_len, sizeof l->events - l->ev_len, "%s%s\n", k == STREAM_WARN ? "W: " : "I: ",
                   msg);
  if (n > 0 && l->ev_len + (size_t)n < sizeof l->events) l->ev_len += (size_t)n;
}

static inline void st_on_batch(void *ud, const stream_batch_report *r) {
  st_log *l = ud;
  if (l->batches < 64) {
    l->batch_files[l->batches] = (int64_t)r->files;
    l->batch_ids[l->batches] = r->batch_id;
  }
  l->batches++;
  l->last = *r;
}

typedef struct st_run {
  const char *format;       /* "csv", "json", "parquet" */
  const char *trigger;      /* NULL = available-now */
  const char *opts[24];     /* "key=value" */
  const char *added[8];     /* "name=expr" */
  const tbl_handlers *h;    /* NULL = default over the local fs */
  stream_batch_fn fn;       /* callback sink instead of the table */
  void *fn_ud;
} st_run;

/* Runs a stream to completion. Returns the status; err gets the message; log (may be NULL) the events. */
static inline int st_stream(const st_run *r, const char *source, const char *table, const char *ckpt, st_log *log,
                            lago_err *err) {
  arena *ar = arena_new("test", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  stream_opts o;
  stream_opts_init(&o);
  int rc = stream_format_parse(r->format ? r->format : "csv", &o.format, err);
  if (rc == LAGO_OK && r->trigger) rc = stream_trigger_parse(r->trigger, &o.trigger, err);
  for (int i = 0; rc == LAGO_OK && i < 24 && r->opts[i]; i++) {
    const char *eq = strchr(r->opts[i], '=');
    char *k = arena_strndup(ar, r->opts[i], (size_t)(eq - r->opts[i]));
    rc = k ? stream_opts_set(&o, ar, k, eq + 1, err) : LAGO_NOMEM_ERR(err);
  }
  for (int i = 0; rc == LAGO_OK && i < 8 && r->added[i]; i++) rc = stream_added_parse(ar, r->added[i], &o.added[o.n_added++], err);
  tbl_handlers h = tbl_handlers_default(fs_local());
  stream_hooks hooks = {st_on_event, st_on_batch, NULL, log};
  stream_target t = {table, r->fn, r->fn_ud, NULL};
  stream *s = NULL;
  if (rc == LAGO_OK) rc = stream_open(r->h ? r->h : &h, &o, source, &t, ckpt, log ? &hooks : NULL, &s, err);
  if (rc == LAGO_OK) rc = stream_run(s, err);
  stream_close(s);
  arena_free(ar);
  return rc;
}

static inline int st_cmp_lines(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The table's rows (all columns, or `cols` comma-separated) as sorted canonical text, one per line; caller frees. */
static inline char *st_rows(const char *root, const char *cols) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  lago_err e;
  lago_err_clear(&e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  int rc = delta_snapshot_load(t, -1, &s, &e);
  if (rc == LAGO_NOTFOUND) {
    delta_table_free(t);
    return mem_strdup("(no table)");
  }
  ASSERT_OK(rc, &e);
  const char *names[32];
  uint32_t n_names = 0;
  char colbuf[512] = "";
  if (cols) {
    snprintf(colbuf, sizeof colbuf, "%s", cols);
    for (char *p = strtok(colbuf, ","); p && n_names < 32; p = strtok(NULL, ",")) names[n_names++] = p;
  }
  delta_scan_opts so = {cols ? names : NULL, n_names, NULL, 0, false, false, false, false};
  delta_scan *sc;
  ASSERT_OK(delta_scan_new(s, &so, &sc, &e), &e);
  delta_scan_iter *it;
  ASSERT_OK(delta_scan_iter_open(sc, &it, &e), &e);
  char **lines = NULL;
  size_t n = 0, cap = 0;
  batch *b;
  while (delta_scan_iter_next(it, &b, &e) == LAGO_OK && b && b->n_rows) {
    for (uint32_t r = 0; r < b->n_rows; r++) {
      buf line;
      buf_init(&line);
      for (uint32_t c = 0; c < b->n_cols; c++) {
        if (c) buf_putc(&line, ',');
        value_text_append(&line, &b->cols[c], batch_row(b, r));
      }
      if (n == cap) {
        cap = cap ? cap * 2 : 64;
        lines = realloc(lines, cap * sizeof *lines);
      }
      lines[n++] = strdup(buf_cstr(&line));
      buf_deinit(&line);
    }
  }
  ASSERT(e.rc == LAGO_OK);
  delta_scan_iter_close(it);
  delta_scan_free(sc);
  delta_snapshot_unref(s);
  delta_table_free(t);
  qsort(lines, n, sizeof *lines, st_cmp_lines);
  buf out;
  buf_init(&out);
  for (size_t i = 0; i < n; i++) {
    buf_puts(&out, lines[i]);
    buf_putc(&out, '\n');
    free(lines[i]);
  }
  free(lines);
  char *res = mem_strdup(buf_cstr(&out));
  buf_deinit(&out);
  return res;
}

/* Latest version of the table at root (-1 when there is none). */
static inline int64_t st_version(const char *root) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  lago_err e;
  lago_err_clear(&e);
  delta_table *t;
  ASSERT_OK(delta_table_open(&h, root, &t, &e), &e);
  delta_snapshot *s;
  int64_t v = -1;
  if (delta_snapshot_load(t, -1, &s, &e) == LAGO_OK) {
    v = delta_snapshot_version(s);
    delta_snapshot_unref(s);
  }
  delta_table_free(t);
  return v;
}

#define ST_ROWS_EQ(root, cols, want)       \
  do {                                     \
    char *got_ = st_rows((root), (cols));  \
    ASSERT_EQ_STR(got_, (want));           \
    mem_free(got_);                        \
  } while (0)

/* path = dir + "/" + name in a static buffer (one of four, rotating). */
static inline const char *st_path(const char *dir, const char *name) {
  static char bufs[4][1024];
  static int k;
  char *b = bufs[k++ & 3];
  snprintf(b, 1024, "%s/%s", dir, name);
  return b;
}


#include "format/csv/csv.h"
#include "format/parquet/parquet.h"

/*
** Writes dir/rel as a Parquet file holding the rows of `csv` (with a header
** line) typed by `ddl` ("id BIGINT, name STRING"), mtime base + sec.
*/
static inline void st_write_parquet(const char *dir, const char *rel, const char *ddl, const char *csv, int sec) {
  char tmp[1024], path[1024];
  snprintf(tmp, sizeof tmp, "%s/.%s.src.csv", dir, rel);
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  FILE *f = fopen(tmp, "wb");
  ASSERT_NE_NULL(f);
  fputs(csv, f);
  fclose(f);
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  lago_type schema;
  ASSERT_OK(csv_parse_schema_hints(ar, ddl, &schema, &e), &e);
  csv_options o;
  csv_options_init(&o);
  o.header = true;
  o.mode = CSV_FAILFAST;
  csv_reader *r;
  ASSERT_OK(csv_reader_open(fs_local(), tmp, &o, schema, &r, &e), &e);
  pq_writer *w;
  unlink(path);
  ASSERT_OK(pq_writer_open(fs_local(), path, schema, NULL, &w, &e), &e);
  batch *b;
  while (csv_reader_next(r, NULL, &b, NULL, &e) == LAGO_OK && b->n_rows) ASSERT_OK(pq_writer_write(w, b, &e), &e);
  ASSERT(e.rc == LAGO_OK);
  ASSERT_OK(pq_writer_close(w, NULL, NULL, &e), &e);
  csv_reader_close(r);
  unlink(tmp);
  arena_free(ar);
  struct timespec ts[2] = {{1700000000 + sec, 0}, {1700000000 + sec, 0}};
  ASSERT(utimensat(AT_FDCWD, path, ts, 0) == 0);
}

/* Does the table's commit `version` hold `needle`? */
static inline bool st_commit_has(const char *root, int64_t version, const char *needle) {
  char path[1024];
  snprintf(path, sizeof path, "%s/_delta_log/%020lld.json", root, (long long)version);
  FILE *f = fopen(path, "rb");
  if (!f) return false;
  static char text[1 << 20];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = 0;
  return strstr(text, needle) != NULL;
}

#include <dirent.h>

/* rm -rf with plain libc (no allocation through mem_*, no fork). */
static inline void st_rm(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t n = strlen(path) + strlen(e->d_name) + 2;
        char *sub = malloc(n);
        memcpy(sub, path, strlen(path));
        sub[strlen(path)] = '/';
        memcpy(sub + strlen(path) + 1, e->d_name, strlen(e->d_name) + 1);
        st_rm(sub);
        free(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

#endif /* LAGO_TEST_STREAM_H */
