/*
** tests/unit/stream/test_stream.c: ingestion end to end through the stream
** API with real files: discovery and its options, rate limits, triggers,
** file identity, _metadata and added columns, the callback sink.
*/
#include <time.h>

#include "stream_test.h"

static const char *dir_in(void) { return st_path(test_tmpdir(), "in"); }
static const char *dir_t(void) { return st_path(test_tmpdir(), "t"); }
static const char *dir_ck(void) { return st_path(test_tmpdir(), "ck"); }

#define RUN(r, log)                                                      \
  do {                                                                   \
    lago_err re_;                                                         \
    lago_err_clear(&re_);                                                \
    ASSERT_OK(st_stream((r), dir_in(), dir_t(), dir_ck(), (log), &re_), &re_); \
  } while (0)

TEST(stream_csv_first_run_and_increments) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n2,b\n", 10);
  st_write(dir_in(), "b.csv", "id,name\n3,c\n", 20);
  st_run r = {"csv", NULL, {"header=true"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 1);
  ASSERT_EQ_INT(log.last.files, 2);
  ASSERT_EQ_INT(log.last.rows, 3);
  ASSERT_EQ_INT(log.last.table_version, 0);
  ASSERT_CONTAINS(log.events, "new stream");
  ASSERT_CONTAINS(log.events, "inferred the schema from 2 files: id, name");
  ST_ROWS_EQ(dir_t(), "id,name", "\"1\",\"a\"\n\"2\",\"b\"\n\"3\",\"c\"\n");
  /* nothing new: no batch, no commit */
  memset(&log, 0, sizeof log);
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 0);
  ASSERT_CONTAINS(log.events, "no new files");
  ASSERT_EQ_INT(st_version(dir_t()), 0);
  /* a new file: batch 1 */
  st_write(dir_in(), "sub/c.csv", "id,name\n4,d\n", 30);
  memset(&log, 0, sizeof log);
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 1);
  ASSERT_EQ_INT(log.last.batch_id, 1);
  ASSERT_EQ_INT(log.last.files, 1);
  ASSERT_EQ_INT(st_version(dir_t()), 1);
  ST_ROWS_EQ(dir_t(), "id", "\"1\"\n\"2\"\n\"3\"\n\"4\"\n");
}

TEST(stream_rate_limits_and_triggers) {
  mkdir(dir_in(), 0755);
  char name[32], text[96];
  for (int i = 0; i < 5; i++) {
    snprintf(name, sizeof name, "f%d.csv", i);
    snprintf(text, sizeof text, "v\n%d%d%d%d%d%d%d%d\n", i, i, i, i, i, i, i, i); /* 11 bytes each */
    st_write(dir_in(), name, text, 100 - i); /* oldest is f4: batches follow mtime, not names */
  }
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=2"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 3);
  ASSERT_EQ_INT(log.batch_files[0], 2);
  ASSERT_EQ_INT(log.batch_files[1], 2);
  ASSERT_EQ_INT(log.batch_files[2], 1);
  ASSERT_EQ_INT(st_version(dir_t()), 2);
  /* the first batch took the two oldest files: f4 and f3 */
  char *rows = st_rows(dir_t(), "v");
  ASSERT_EQ_STR(rows, "\"00000000\"\n\"11111111\"\n\"22222222\"\n\"33333333\"\n\"44444444\"\n");
  mem_free(rows);
  /* maxBytesPerTrigger is soft: 15 bytes admits one 11-byte file per batch, never zero */
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir_t(), dir_ck());
  ASSERT(system(cmd) == 0);
  st_run rb = {"csv", NULL, {"header=true", "maxBytesPerTrigger=15", "maxFilesPerTrigger=0"}, {NULL}, NULL, NULL, NULL};
  memset(&log, 0, sizeof log);
  RUN(&rb, &log);
  ASSERT_EQ_INT(log.batches, 5);
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir_t(), dir_ck());
  ASSERT(system(cmd) == 0);
  st_run rb2 = {"csv", NULL, {"header=true", "maxBytesPerTrigger=1", "maxFilesPerTrigger=0"}, {NULL}, NULL, NULL, NULL};
  memset(&log, 0, sizeof log);
  RUN(&rb2, &log);
  ASSERT_EQ_INT(log.batches, 5); /* a file larger than the limit still makes a batch */
  /* both limits: the first reached wins */
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir_t(), dir_ck());
  ASSERT(system(cmd) == 0);
  st_run rb3 = {"csv", NULL, {"header=true", "maxBytesPerTrigger=40", "maxFilesPerTrigger=2"}, {NULL}, NULL, NULL, NULL};
  memset(&log, 0, sizeof log);
  RUN(&rb3, &log);
  ASSERT_EQ_INT(log.batches, 3);
  /* once: one batch with everything, limits ignored */
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir_t(), dir_ck());
  ASSERT(system(cmd) == 0);
  st_run ro = {"csv", "once", {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, NULL, NULL};
  memset(&log, 0, sizeof log);
  RUN(&ro, &log);
  ASSERT_EQ_INT(log.batches, 1);
  ASSERT_EQ_INT(log.last.files, 5);
}

TEST(stream_discovery_filters) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "v\na\n", 10);
  st_write(dir_in(), "b.txt", "v\nb\n", 20);
  st_write(dir_in(), "_SUCCESS", "v\nsuccess\n", 30);
  st_write(dir_in(), ".a.csv.tmp", "v\ntemp\n", 30);
  st_write(dir_in(), "_tmp/c.csv", "v\nhidden-dir\n", 30);
  st_write(dir_in(), "2024/d.csv", "v\nd\n", 40);
  st_write(dir_in(), "2024/e.csv", "v\ne\n", 50);
  /* pathGlobFilter matches the file name; hidden names are always skipped */
  st_run r = {"csv", NULL, {"header=true", "pathGlobFilter=*.csv"}, {NULL}, NULL, NULL, NULL};
  RUN(&r, NULL);
  ST_ROWS_EQ(dir_t(), "v", "\"a\"\n\"d\"\n\"e\"\n");
  /* a glob in the source path; modifiedAfter / modifiedBefore (exclusive) */
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir_t(), dir_ck());
  ASSERT(system(cmd) == 0);
  st_run r2 = {"csv", NULL, {"header=true", "modifiedAfter=2023-11-14T22:13:30", "modifiedBefore=2023-11-14T22:14:05"},
               {NULL}, NULL, NULL, NULL};
  /* 1700000000 = 2023-11-14T22:13:20Z: +10 a, +20 b, +40 d, +50 e */
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(st_stream(&r2, st_path(test_tmpdir(), "in/*/*.csv"), dir_t(), dir_ck(), NULL, &e), &e);
  ST_ROWS_EQ(dir_t(), "v", "\"d\"\n");
  /* recursiveFileLookup=false: only the top directory */
  snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir_t(), dir_ck());
  ASSERT(system(cmd) == 0);
  st_run r3 = {"csv", NULL, {"header=true", "recursiveFileLookup=false"}, {NULL}, NULL, NULL, NULL};
  RUN(&r3, NULL);
  ST_ROWS_EQ(dir_t(), "v", "\"a\"\n\"b\"\n");
}

TEST(stream_include_existing_files_false) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "old.csv", "v\nold\n", 10);
  st_run r = {"csv", NULL, {"header=true", "includeExistingFiles=false"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN(&r, &log);
  ASSERT_CONTAINS(log.events, "includeExistingFiles=false: the 1 files already in");
  ASSERT_EQ_INT(log.batches, 0);
  st_write(dir_in(), "new.csv", "v\nnew\n", 20);
  RUN(&r, NULL);
  ST_ROWS_EQ(dir_t(), "v", "\"new\"\n");
  /* only the first start counts: a third run loads nothing again */
  st_write(dir_in(), "newer.csv", "v\nnewer\n", 30);
  st_run r2 = {"csv", NULL, {"header=true", "includeExistingFiles=true"}, {NULL}, NULL, NULL, NULL};
  RUN(&r2, NULL);
  ST_ROWS_EQ(dir_t(), "v", "\"new\"\n\"newer\"\n");
}

TEST(stream_file_identity_and_overwrites) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "v\n1\n", 10);
  st_run r = {"csv", NULL, {"header=true"}, {NULL}, NULL, NULL, NULL};
  RUN(&r, NULL);
  /* the same path rewritten (other size and mtime): ignored by default */
  st_write(dir_in(), "a.csv", "v\n2\n3\n", 20);
  st_log log = {0};
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 0);
  ST_ROWS_EQ(dir_t(), "v", "\"1\"\n");
  /* allowOverwrites=true: the changed file is loaded again (the old rows stay) */
  st_run r2 = {"csv", NULL, {"header=true", "allowOverwrites=true"}, {NULL}, NULL, NULL, NULL};
  RUN(&r2, NULL);
  ST_ROWS_EQ(dir_t(), "v", "\"1\"\n\"2\"\n\"3\"\n");
  /* unchanged since: nothing */
  memset(&log, 0, sizeof log);
  RUN(&r2, &log);
  ASSERT_EQ_INT(log.batches, 0);
  /* only the mtime changes: a new identity too */
  st_write(dir_in(), "a.csv", "v\n2\n3\n", 30);
  memset(&log, 0, sizeof log);
  RUN(&r2, &log);
  ASSERT_EQ_INT(log.batches, 1);
}

TEST(stream_metadata_and_added_columns) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "sub/a.csv", "id\n1\n", 10);
  st_run r = {"csv",
              NULL,
              {"header=true", "includeMetadata=true"},
              {"src='crm'", "fname=_metadata.file_name", "fsize=_metadata.file_size", "b=batch_id()",
               "mt=_metadata.file_modification_time"},
              NULL,
              NULL,
              NULL};
  RUN(&r, NULL);
  char want[1024];
  snprintf(want, sizeof want,
           "\"1\",{\"file_path\":\"%s/sub/a.csv\",\"file_name\":\"a.csv\",\"file_size\":5,"
           "\"file_modification_time\":2023-11-14 22:13:30+00},\"crm\",\"a.csv\",5,0,2023-11-14 22:13:30+00\n",
           dir_in());
  ST_ROWS_EQ(dir_t(), "id,_metadata,src,fname,fsize,b,mt", want);
}

TEST(stream_load_date_column) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id\n1\n", 10);
  st_run r = {"csv", NULL, {"header=true"}, {"load_date=current_date()", "load_ts=current_timestamp()"}, NULL, NULL, NULL};
  RUN(&r, NULL);
  char *rows = st_rows(dir_t(), "load_date");
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  char want[32];
  strftime(want, sizeof want, "%Y-%m-%d\n", &tm);
  ASSERT_EQ_STR(rows, want);
  mem_free(rows);
  rows = st_rows(dir_t(), "load_ts");
  ASSERT(!strncmp(rows, want, 10)); /* same UTC day */
  mem_free(rows);
}

/* ---- callback sink ------------------------------------------------------------------------ */

typedef struct cb_state {
  int calls;
  int64_t ids[16];
  uint64_t rows[16];
  int fail_batch; /* fail when this batch id arrives the first time (-1 none) */
} cb_state;

static int on_rows(void *ud, int64_t batch_id, stream_rows *rows, lago_err *err) {
  cb_state *c = ud;
  uint64_t n = 0;
  batch *b;
  int rc;
  while ((rc = stream_rows_next(rows, &b, err)) == LAGO_OK && b->n_rows) n += b->n_rows;
  if (rc) return rc;
  ASSERT(type_field_index(stream_rows_schema(rows), "v") >= 0);
  if (c->calls < 16) {
    c->ids[c->calls] = batch_id;
    c->rows[c->calls] = n;
  }
  c->calls++;
  if (batch_id == c->fail_batch) {
    c->fail_batch = -1;
    return LAGO_ERR(err, LAGO_RUNTIME, "sink refused batch %lld", (long long)batch_id);
  }
  return LAGO_OK;
}

TEST(stream_callback_sink_at_least_once) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "v\n1\n2\n", 10);
  st_write(dir_in(), "b.csv", "v\n3\n", 20);
  cb_state c = {0, {0}, {0}, 1};
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, on_rows, &c};
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(st_stream(&r, dir_in(), NULL, dir_ck(), NULL, &e), LAGO_RUNTIME);
  ASSERT_CONTAINS(e.msg, "sink refused batch 1");
  ASSERT_EQ_INT(c.calls, 2);
  /* the next run delivers batch 1 again, with the same file */
  lago_err_clear(&e);
  st_log log = {0};
  ASSERT_OK(st_stream(&r, dir_in(), NULL, dir_ck(), &log, &e), &e);
  ASSERT_EQ_INT(c.calls, 3);
  ASSERT_EQ_INT(c.ids[0], 0);
  ASSERT_EQ_INT(c.rows[0], 2);
  ASSERT_EQ_INT(c.ids[2], 1);
  ASSERT_EQ_INT(c.rows[2], 1);
  ASSERT_CONTAINS(log.events, "batch 1 was planned before the previous run stopped");
  lago_err_clear(&e);
  ASSERT_OK(st_stream(&r, dir_in(), NULL, dir_ck(), NULL, &e), &e);
  ASSERT_EQ_INT(c.calls, 3);
}

TEST(stream_compaction_keeps_progress) {
  mkdir(dir_in(), 0755);
  char name[32], text[32];
  for (int i = 0; i < 70; i++) {
    snprintf(name, sizeof name, "f%03d.csv", i);
    snprintf(text, sizeof text, "v\n%d\n", i);
    st_write(dir_in(), name, text, i);
  }
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 70);
  /* a compact state file replaced the early offsets files */
  struct stat st;
  ASSERT(stat(st_path(dir_ck(), "state/00000000000000000063.compact"), &st) == 0);
  ASSERT(stat(st_path(dir_ck(), "offsets/00000000000000000000"), &st) != 0);
  ASSERT(stat(st_path(dir_ck(), "offsets/00000000000000000069"), &st) == 0);
  st_write(dir_in(), "new.csv", "v\nnew\n", 100);
  memset(&log, 0, sizeof log);
  RUN(&r, &log);
  ASSERT_EQ_INT(log.batches, 1);
  ASSERT_EQ_INT(log.last.batch_id, 70);
  char *rows = st_rows(dir_t(), "v");
  int lines = 0;
  for (char *p = rows; *p; p++) lines += *p == '\n';
  ASSERT_EQ_INT(lines, 71);
  mem_free(rows);
}
