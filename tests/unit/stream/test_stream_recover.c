/*
** tests/unit/stream/test_stream_recover.c: exactly-once. A lost checkpoint is
** rebuilt from the table's log; a dropped and recreated table is noticed and
** reloaded; a checkpoint behind its table catches up from the log; a run
** that fails at any I/O operation (every one, in turn) or any allocation
** leaves a state from which the next run loads every file exactly once.
*/
#include "stream_test.h"

static const char *dir_in(void) { return st_path(test_tmpdir(), "in"); }
static const char *dir_t(void) { return st_path(test_tmpdir(), "t"); }
static const char *dir_ck(void) { return st_path(test_tmpdir(), "ck"); }

static int run(const st_run *r, st_log *log, lago_err *e) {
  lago_err_clear(e);
  return st_stream(r, dir_in(), dir_t(), dir_ck(), log, e);
}

#define RUN_OK(r, log)                      \
  do {                                      \
    lago_err re_;                           \
    ASSERT_OK(run((r), (log), &re_), &re_); \
  } while (0)

static void files(int from, int to) {
  char name[32], text[64];
  for (int i = from; i < to; i++) {
    snprintf(name, sizeof name, "d%d/f%03d.csv", i % 3, i);
    snprintf(text, sizeof text, "id,v\n%d,a\n%d,b\n", i * 2, i * 2 + 1);
    st_write(dir_in(), name, text, i);
  }
}

/* The ids 0..2n-1 once each, as sorted text. */
static char *want_ids(int n) {
  char **lines = malloc((size_t)(2 * n) * sizeof *lines);
  for (int i = 0; i < 2 * n; i++) {
    lines[i] = malloc(16);
    snprintf(lines[i], 16, "\"%d\"", i);
  }
  qsort(lines, (size_t)(2 * n), sizeof *lines, st_cmp_lines);
  buf b;
  buf_init(&b);
  for (int i = 0; i < 2 * n; i++) {
    buf_puts(&b, lines[i]);
    buf_putc(&b, '\n');
    free(lines[i]);
  }
  free(lines);
  char *r = mem_strdup(buf_cstr(&b));
  buf_deinit(&b);
  return r;
}

#define IDS_ONCE(n)                     \
  do {                                  \
    char *w_ = want_ids(n);             \
    ST_ROWS_EQ(dir_t(), "id", w_);      \
    mem_free(w_);                       \
  } while (0)

TEST(stream_checkpoint_deleted_rebuilds_from_log) {
  mkdir(dir_in(), 0755);
  files(0, 6);
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=2"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  IDS_ONCE(6);
  st_rm(dir_ck());
  files(6, 7);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "no checkpoint at ");
  ASSERT_CONTAINS(log.events, "rebuilt progress from the log of table ");
  ASSERT_CONTAINS(log.events, "committed batches 0..2; the log lists 6 files loaded from ");
  ASSERT_EQ_INT(log.batches, 1);
  ASSERT_EQ_INT(log.last.batch_id, 3); /* the stream id and batch numbering continue */
  IDS_ONCE(7);
  /* and the rebuilt checkpoint works on its own afterwards */
  files(7, 8);
  memset(&log, 0, sizeof log);
  RUN_OK(&r, &log);
  ASSERT(!strstr(log.events, "rebuilt"));
  IDS_ONCE(8);
}

TEST(stream_table_recreated_is_reloaded) {
  mkdir(dir_in(), 0755);
  files(0, 4);
  st_run r = {"csv", NULL, {"header=true"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  /* drop the table and make a new one at the same place (another stream creates it) */
  st_rm(dir_t());
  mkdir(st_path(test_tmpdir(), "other"), 0755);
  st_write(st_path(test_tmpdir(), "other"), "x.csv", "id,v\nX,x\n", 1);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(st_stream(&r, st_path(test_tmpdir(), "other"), dir_t(), st_path(test_tmpdir(), "ck2"), NULL, &e), &e);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "is not the table checkpoint ");
  ASSERT_CONTAINS(log.events, "it was dropped and recreated. Discarding the old progress and loading every file");
  char *rows = st_rows(dir_t(), "id");
  ASSERT_EQ_STR(rows, "\"0\"\n\"1\"\n\"2\"\n\"3\"\n\"4\"\n\"5\"\n\"6\"\n\"7\"\n\"X\"\n");
  mem_free(rows);
  /* dropped and not recreated: created again by the stream */
  st_rm(dir_t());
  memset(&log, 0, sizeof log);
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "no longer exists, but checkpoint ");
  IDS_ONCE(4);
  memset(&log, 0, sizeof log);
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.batches, 0);
}

TEST(stream_checkpoint_behind_table) {
  mkdir(dir_in(), 0755);
  files(0, 2);
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "cp -a %s %s.bak", dir_ck(), dir_ck());
  ASSERT(system(cmd) == 0);
  files(2, 5);
  RUN_OK(&r, NULL);
  /* an old copy of the checkpoint comes back */
  st_rm(dir_ck());
  snprintf(cmd, sizeof cmd, "mv %s.bak %s", dir_ck(), dir_ck());
  ASSERT(system(cmd) == 0);
  files(5, 6);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "knows batches up to 1 but table ");
  ASSERT_CONTAINS(log.events, "has committed up to 4: took the 3 files of the 3 missing batches");
  ASSERT_EQ_INT(log.batches, 1);
  IDS_ONCE(6);
}

TEST(stream_table_lost_commits_is_an_error) {
  mkdir(dir_in(), 0755);
  files(0, 3);
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  /* the newest commits vanish (a RESTORE-like rollback of the log) */
  unlink(st_path(dir_t(), "_delta_log/00000000000000000002.json"));
  unlink(st_path(dir_t(), "_delta_log/00000000000000000001.json"));
  lago_err e;
  ASSERT_RC(run(&r, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "has planned batches up to 2, but ");
  ASSERT_CONTAINS(e.msg, "holds batches only up to 0");
}

TEST(stream_log_retention_bound) {
  mkdir(dir_in(), 0755);
  files(0, 12);
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  /* log cleanup removed commits 0..9 (a checkpoint at 10 remains), and the stream checkpoint is lost */
  char name[64];
  for (int v = 0; v < 10; v++) {
    snprintf(name, sizeof name, "_delta_log/%020d.json", v);
    ASSERT(unlink(st_path(dir_t(), name)) == 0);
  }
  st_rm(dir_ck());
  /* a file that arrives now */
  char path[1024];
  snprintf(path, sizeof path, "%s/new.csv", dir_in());
  FILE *f = fopen(path, "w");
  fputs("id,v\n24,n\n", f);
  fclose(f);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "batches 0..9 of stream ");
  ASSERT_CONTAINS(log.events, "are no longer in the table's log (log retention): files modified before ");
  ASSERT_EQ_INT(log.batches, 1);
  ST_ROWS_EQ(dir_t(), "v", "\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n\"a\"\n"
                           "\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"b\"\n\"n\"\n");
}

/* ---- every I/O operation failing in turn ---------------------------------------------------- */

static void sweep_io(const char *format, const char *const *opts, int n_files) {
  int64_t ops_total = 0;
  /* count the operations of a clean run */
  {
    st_rm(dir_t());
    st_rm(dir_ck());
    lago_fs *ff = fs_faulty_new(fs_local(), 0, false);
    tbl_handlers h = tbl_handlers_default(ff);
    st_run r = {format, NULL, {NULL}, {NULL}, &h, NULL, NULL};
    for (int i = 0; opts[i]; i++) r.opts[i] = opts[i];
    RUN_OK(&r, NULL);
    ops_total = fs_faulty_ops(ff);
    fs_free(ff);
  }
  ASSERT(ops_total > 10);
  int failures = 0;
  for (long n = 1; n <= ops_total; n++) {
    st_rm(dir_t());
    st_rm(dir_ck());
    lago_fs *ff = fs_faulty_new(fs_local(), n, true);
    tbl_handlers h = tbl_handlers_default(ff);
    st_run r = {format, NULL, {NULL}, {NULL}, &h, NULL, NULL};
    for (int i = 0; opts[i]; i++) r.opts[i] = opts[i];
    lago_err e;
    int rc = run(&r, NULL, &e);
    fs_free(ff);
    if (rc) {
      failures++;
      if (rc != LAGO_IO) test_fail_(__FILE__, __LINE__, "op %ld: %s: %s", n, lago_rc_name(rc), e.msg);
    }
    /* whatever happened, a clean run finishes the job exactly once */
    st_run clean = {format, NULL, {NULL}, {NULL}, NULL, NULL, NULL};
    for (int i = 0; opts[i]; i++) clean.opts[i] = opts[i];
    RUN_OK(&clean, NULL);
    IDS_ONCE(n_files);
  }
  ASSERT(failures > 10);
}

TEST(stream_io_fault_sweep_csv) {
  mkdir(dir_in(), 0755);
  files(0, 3);
  const char *opts[] = {"header=true", "maxFilesPerTrigger=2", NULL};
  sweep_io("csv", opts, 3);
}

TEST(stream_io_fault_sweep_rebuild) {
  /* failures while rebuilding a lost checkpoint from the log */
  mkdir(dir_in(), 0755);
  files(0, 3);
  const char *opts[] = {"header=true", "maxFilesPerTrigger=1", NULL};
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  files(3, 4);
  int64_t ops_total;
  {
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cp -a %s %s.orig", dir_t(), dir_t());
    ASSERT(system(cmd) == 0);
    st_rm(dir_ck());
    lago_fs *ff = fs_faulty_new(fs_local(), 0, false);
    tbl_handlers h = tbl_handlers_default(ff);
    st_run rr = r;
    rr.h = &h;
    RUN_OK(&rr, NULL);
    ops_total = fs_faulty_ops(ff);
    fs_free(ff);
  }
  for (long n = 1; n <= ops_total; n++) {
    char cmd[4096];
    st_rm(dir_t());
    st_rm(dir_ck());
    snprintf(cmd, sizeof cmd, "cp -a %s.orig %s", dir_t(), dir_t());
    ASSERT(system(cmd) == 0);
    lago_fs *ff = fs_faulty_new(fs_local(), n, true);
    tbl_handlers h = tbl_handlers_default(ff);
    st_run rr = r;
    rr.h = &h;
    lago_err e;
    int rc = run(&rr, NULL, &e);
    fs_free(ff);
    if (rc && rc != LAGO_IO) test_fail_(__FILE__, __LINE__, "op %ld: %s: %s", n, lago_rc_name(rc), e.msg);
    RUN_OK(&r, NULL);
    IDS_ONCE(4);
  }
  (void)opts;
}

/* ---- every allocation failing in turn -------------------------------------------------------- */

static int oom_run(void *ud) {
  (void)ud;
  /* clean directories each time (outside the allocation count: plain libc) */
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run r = {"json", NULL, {"maxFilesPerTrigger=1", "threads=1"}, {NULL}, NULL, NULL, NULL};
  lago_err e;
  lago_err_clear(&e);
  int rc = st_stream(&r, dir_in(), dir_t(), dir_ck(), NULL, &e);
  return rc;
}

TEST(stream_oom_sweep) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.json", "{\"id\":\"0\",\"v\":\"a\"}\n{\"id\":\"1\",\"v\":\"b\"}\n", 1);
  st_write(dir_in(), "b.json", "{\"id\":\"2\",\"v\":\"a\",\"w\":\"new\"}\n{\"id\":\"3\",\"v\":\"b\"}\n", 2);
  int runs = test_oom_sweep(oom_run, NULL, 20000);
  ASSERT(runs > 100);
  ASSERT_OK(oom_run(NULL), NULL);
  IDS_ONCE(2);
}
