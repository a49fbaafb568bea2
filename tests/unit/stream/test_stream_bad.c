/*
** tests/unit/stream/test_stream_bad.c: malformed input through a stream:
** broken quotes, wrong column counts, invalid UTF-8, truncated JSON, a
** truncated Parquet file. Each mode behaves as the reader says, messages name
** file:line, and a failing file never leaves a partial commit.
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

static const char *k_bad_csv = "id,name\n1,a\n2,\"unterminated\n3,c,extra\n4,d\n";

TEST(stream_csv_malformed_permissive) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,\"x\ny\n", 10); /* multiLine=false: the quote runs to the line end */
  st_write(dir_in(), "b.csv", "id,name\n5,e,too,many\n6\n", 20);
  st_run r = {"csv", NULL, {"header=true", "columnNameOfCorruptRecord=_corrupt_record"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "malformed records (kept with NULLs (PERMISSIVE)), first at ");
  ASSERT_CONTAINS(log.events, "/in/a.csv:2");
  ASSERT(log.last.bad_rows >= 2);
  char *rows = st_rows(dir_t(), "id,_corrupt_record");
  ASSERT_CONTAINS(rows, "\"5\",\"5,e,too,many\"");
  ASSERT_CONTAINS(rows, "\"6\",\"6\"");
  mem_free(rows);
}

TEST(stream_csv_malformed_dropmalformed) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n2,b,c\n3\n4,d\n", 10);
  st_run r = {"csv", NULL, {"header=true", "mode=DROPMALFORMED"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.last.bad_rows, 2);
  ASSERT_EQ_INT(log.last.rows, 2);
  ASSERT_CONTAINS(log.events, "2 malformed records (dropped (DROPMALFORMED))");
  ST_ROWS_EQ(dir_t(), "id,name", "\"1\",\"a\"\n\"4\",\"d\"\n");
}

TEST(stream_csv_malformed_failfast_no_partial_commit) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n", 10);
  st_run r = {"csv", NULL, {"header=true", "mode=FAILFAST"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  st_write(dir_in(), "b.csv", "id,name\n2,b\n", 20);
  st_write(dir_in(), "c.csv", k_bad_csv, 30);
  lago_err e;
  ASSERT_RC(run(&r, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "batch 1");
  ASSERT_CONTAINS(e.msg, "c.csv:3:");
  ASSERT_CONTAINS(e.msg, "FAILFAST");
  /* b.csv was in the same batch: nothing of it is visible */
  ASSERT_EQ_INT(st_version(dir_t()), 0);
  ST_ROWS_EQ(dir_t(), "id", "\"1\"\n");
  /* fixed file, same name: the planned batch runs again and loads both */
  st_write(dir_in(), "c.csv", "id,name\n3,c\n", 31);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "changed since the batch was planned");
  ST_ROWS_EQ(dir_t(), "id", "\"1\"\n\"2\"\n\"3\"\n");
}

TEST(stream_csv_invalid_utf8) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,ok\n2,bad\xff\xfe\n", 10);
  st_run r = {"csv", NULL, {"header=true"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  ST_ROWS_EQ(dir_t(), "id,name", "\"1\",\"ok\"\n\"2\",\"bad\xef\xbf\xbd\xef\xbf\xbd\"\n");
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run rf = {"csv", NULL, {"header=true", "mode=FAILFAST"}, {NULL}, NULL, NULL, NULL};
  lago_err e;
  ASSERT_RC(run(&rf, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "a.csv:3:");
  ASSERT_EQ_INT(st_version(dir_t()), -1);
}

TEST(stream_json_truncated_and_modes) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.json", "{\"id\":\"1\"}\n{\"id\":\"2\",\"name\":\"tr", 10);
  st_run r = {"json", NULL, {"schema=id STRING, name STRING", "mode=FAILFAST"}, {NULL}, NULL, NULL, NULL};
  lago_err e;
  ASSERT_RC(run(&r, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "a.json:2:");
  ASSERT_EQ_INT(st_version(dir_t()), -1);
  st_rm(dir_ck());
  st_run rp = {"json", NULL, {"schema=id STRING, name STRING", "columnNameOfCorruptRecord=_corrupt_record"}, {NULL},
               NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&rp, &log);
  ASSERT_CONTAINS(log.events, "a.json:2");
  ST_ROWS_EQ(dir_t(), NULL, "\"1\",\\N,\\N\n\\N,\\N,\"{\"\"id\"\":\"\"2\"\",\"\"name\"\":\"\"tr\"\n");
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run rd = {"json", NULL, {"schema=id STRING, name STRING", "mode=DROPMALFORMED"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&rd, NULL);
  ST_ROWS_EQ(dir_t(), NULL, "\"1\",\\N\n");
}

TEST(stream_parquet_truncated) {
  mkdir(dir_in(), 0755);
  st_write_parquet(dir_in(), "a.parquet", "id BIGINT", "id\n1\n", 10);
  st_write_parquet(dir_in(), "b.parquet", "id BIGINT", "id\n2\n", 20);
  /* cut b.parquet in half */
  const char *bp = st_path(dir_in(), "b.parquet");
  struct stat st;
  ASSERT(stat(bp, &st) == 0);
  ASSERT(truncate(bp, st.st_size / 2) == 0);
  struct timespec ts[2] = {{1700000020, 0}, {1700000020, 0}};
  utimensat(AT_FDCWD, bp, ts, 0);
  st_run r = {"parquet", NULL, {NULL}, {NULL}, NULL, NULL, NULL};
  lago_err e;
  ASSERT_RC(run(&r, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "b.parquet");
  ASSERT_EQ_INT(st_version(dir_t()), -1); /* a.parquet was in the same batch: no partial commit */
  st_run ri = {"parquet", NULL, {"ignoreCorruptFiles=true"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&ri, &log);
  ASSERT_CONTAINS(log.events, "skipped unreadable file (ignoreCorruptFiles)");
  ASSERT_CONTAINS(log.events, "b.parquet");
  ST_ROWS_EQ(dir_t(), "id", "1\n");
  /* the skipped file counts as handled: it is not tried again */
  memset(&log, 0, sizeof log);
  RUN_OK(&ri, &log);
  ASSERT_EQ_INT(log.batches, 0);
}

TEST(stream_bad_records_path) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n2,b,c\n", 10);
  char opt[1100];
  snprintf(opt, sizeof opt, "badRecordsPath=%s", st_path(test_tmpdir(), "bad"));
  st_run r = {"csv", NULL, {"header=true", opt}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  ST_ROWS_EQ(dir_t(), "id", "\"1\"\n");
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "grep -rq '\"line\":3' %s/bad", test_tmpdir());
  ASSERT(system(cmd) == 0);
}
