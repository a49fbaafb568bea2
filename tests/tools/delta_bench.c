/*
** tests/tools/delta_bench.c: builds and opens big Delta logs for
** bench/delta_open.sh (not a test).
**
**   delta_bench gen ROOT COMMITS FILES_PER_COMMIT CHECKPOINT_AT
**       writes COMMITS commit files directly (commit 0: protocol + metaData;
**       each commit adds FILES_PER_COMMIT placeholder files with stats and,
**       every 10th commit, removes one earlier file), then a checkpoint at
**       version CHECKPOINT_AT through lago's checkpoint writer.
**   delta_bench open ROOT
**       loads the latest snapshot and its file list with a counting file
**       system; prints the time, peak RSS, and which log files were read.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "table/delta/delta.h"
#include "util/alloc.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a pass-through fs that counts what is opened ------------------------------------- */

typedef struct count_fs {
  lago_fs base;
  lago_fs *inner;
  long opens, commits_read, checkpoints_read, others;
  unsigned long long bytes;
} count_fs;

static count_fs g_cfs;

static int c_open(lago_fs *fs, const char *path, lago_file **out, lago_err *err) {
  count_fs *c = (count_fs *)fs;
  int rc = c->inner->vt->open(c->inner, path, out, err);
  if (rc == LAGO_OK) {
    c->opens++;
    c->bytes += (*out)->size;
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    if (strstr(b, ".checkpoint.")) c->checkpoints_read++;
    else if (strlen(b) == 25 && !strcmp(b + 20, ".json")) c->commits_read++;
    else c->others++;
  }
  return rc;
}
static int c_stat(lago_fs *fs, const char *p, fs_stat *o, lago_err *e) { return ((count_fs *)fs)->inner->vt->stat(((count_fs *)fs)->inner, p, o, e); }
static int c_list(lago_fs *fs, const char *d, bool r, fs_list_fn f, void *u, lago_err *e) {
  return ((count_fs *)fs)->inner->vt->list(((count_fs *)fs)->inner, d, r, f, u, e);
}
static int c_create(lago_fs *fs, const char *p, lago_wfile **o, lago_err *e) { return ((count_fs *)fs)->inner->vt->create(((count_fs *)fs)->inner, p, o, e); }
static int c_remove(lago_fs *fs, const char *p, lago_err *e) { return ((count_fs *)fs)->inner->vt->remove(((count_fs *)fs)->inner, p, e); }
static int c_rename(lago_fs *fs, const char *a, const char *b, bool r, lago_err *e) {
  return ((count_fs *)fs)->inner->vt->rename(((count_fs *)fs)->inner, a, b, r, e);
}
static int c_mkdirs(lago_fs *fs, const char *p, lago_err *e) { return ((count_fs *)fs)->inner->vt->mkdirs(((count_fs *)fs)->inner, p, e); }
static void c_free(lago_fs *fs) { (void)fs; }

/* files opened through c_open keep the inner fs's vtable for reads (lago_file.fs is the inner fs) */
static lago_fs_vtab k_count_vt;

static lago_fs *count_fs_init(void) {
  const lago_fs_vtab *in = fs_local()->vt;
  k_count_vt = *in;
  k_count_vt.name = "count";
  k_count_vt.open = c_open;
  k_count_vt.stat = c_stat;
  k_count_vt.list = c_list;
  k_count_vt.create = c_create;
  k_count_vt.remove = c_remove;
  k_count_vt.rename = c_rename;
  k_count_vt.mkdirs = c_mkdirs;
  k_count_vt.free = c_free;
  g_cfs.base.vt = &k_count_vt;
  g_cfs.inner = fs_local();
  return &g_cfs.base;
}

/* ---- gen -------------------------------------------------------------------------------- */

static int gen(const char *root, long commits, long per, long cp_at) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  lago_err e;
  lago_err_clear(&e);
  buf b;
  buf_init(&b);
  char path[4096];
  long next_file = 0;
  double t0 = now_s();
  for (long v = 0; v < commits; v++) {
    buf_clear(&b);
    buf_printf(&b, "{\"commitInfo\":{\"timestamp\":%lld,\"operation\":\"WRITE\",\"operationParameters\":{}}}\n",
               1700000000000LL + v);
    if (v == 0) {
      buf_puts(&b, "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n");
      buf_puts(&b, "{\"metaData\":{\"id\":\"bench\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
                   "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[{\\\"name\\\":\\\"id\\\","
                   "\\\"type\\\":\\\"long\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}},{\\\"name\\\":\\\"p\\\","
                   "\\\"type\\\":\\\"string\\\",\\\"nullable\\\":true,\\\"metadata\\\":{}}]}\","
                   "\"partitionColumns\":[\"p\"],\"configuration\":{\"delta.checkpointInterval\":\"1000000\"},"
                   "\"createdTime\":1700000000000}}\n");
    }
    for (long k = 0; k < per; k++, next_file++)
      buf_printf(&b,
                 "{\"add\":{\"path\":\"p=%ld/part-%08ld-0000-0000-0000-000000000000.c000.snappy.parquet\","
                 "\"partitionValues\":{\"p\":\"%ld\"},\"size\":1024,\"modificationTime\":%lld,\"dataChange\":true,"
                 "\"stats\":\"{\\\"numRecords\\\":100,\\\"minValues\\\":{\\\"id\\\":%ld},\\\"maxValues\\\":{\\\"id\\\":%ld},"
                 "\\\"nullCount\\\":{\\\"id\\\":0}}\"}}\n",
                 next_file % 100, next_file, next_file % 100, 1700000000000LL + v, next_file * 100,
                 next_file * 100 + 99);
    if (v % 10 == 9 && next_file > 2) {
      long victim = (v - 5) * per; /* a file added 5 commits ago: each removed once */
      buf_printf(&b,
                 "{\"remove\":{\"path\":\"p=%ld/part-%08ld-0000-0000-0000-000000000000.c000.snappy.parquet\","
                 "\"deletionTimestamp\":%lld,\"dataChange\":true,\"partitionValues\":{\"p\":\"%ld\"},\"size\":1024}}\n",
                 victim % 100, victim, 1700000000000LL + v, victim % 100);
    }
    snprintf(path, sizeof path, "%s/_delta_log/%020ld.json", root, v);
    if (fs_write(fs_local(), path, b.data, b.len, true, &e)) {
      fprintf(stderr, "%s\n", e.msg);
      return 1;
    }
  }
  double t1 = now_s();
  delta_table *t;
  delta_snapshot *s;
  if (delta_table_open(&h, root, &t, &e) || delta_snapshot_load(t, cp_at, &s, &e) || delta_checkpoint_write(s, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  const delta_file *f;
  size_t n;
  delta_snapshot_files(s, &f, &n, &e);
  printf("generated %ld commits (%ld files added) in %.1f s; checkpoint at %ld with %zu live files in %.1f s\n", commits,
         next_file, t1 - t0, cp_at, n, now_s() - t1);
  delta_snapshot_unref(s);
  delta_table_free(t);
  buf_deinit(&b);
  return 0;
}

static int open_bench(const char *root) {
  tbl_handlers h = tbl_handlers_default(count_fs_init());
  lago_err e;
  lago_err_clear(&e);
  double t0 = now_s();
  delta_table *t;
  delta_snapshot *s;
  if (delta_table_open(&h, root, &t, &e) || delta_snapshot_load(t, -1, &s, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  double t1 = now_s();
  long c1 = g_cfs.commits_read, k1 = g_cfs.checkpoints_read;
  const delta_file *f;
  size_t n;
  if (delta_snapshot_files(s, &f, &n, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  double t2 = now_s();
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf("version %lld: open %.1f ms (read %ld commits, %ld checkpoint files), file list %.1f ms, %zu live files; "
         "log files opened in all %ld (%ld commits, %ld checkpoint, %ld other), %.1f MB read; peak RSS %.1f MB\n",
         (long long)delta_snapshot_version(s), (t1 - t0) * 1e3, c1, k1, (t2 - t1) * 1e3, n, g_cfs.opens,
         g_cfs.commits_read, g_cfs.checkpoints_read, g_cfs.others, (double)g_cfs.bytes / 1e6, ru.ru_maxrss / 1024.0);
  delta_snapshot_unref(s);
  delta_table_free(t);
  return 0;
}

int main(int argc, char **argv) {
  if (argc >= 6 && !strcmp(argv[1], "gen")) return gen(argv[2], atol(argv[3]), atol(argv[4]), atol(argv[5]));
  if (argc >= 3 && !strcmp(argv[1], "open")) return open_bench(argv[2]);
  fprintf(stderr, "usage: delta_bench gen ROOT COMMITS FILES_PER_COMMIT CHECKPOINT_AT | open ROOT\n");
  return 2;
}
