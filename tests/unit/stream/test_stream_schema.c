/*
** tests/unit/stream/test_stream_schema.c: schema inference, stored schema
** versions and the four evolution modes, for CSV, JSON and Parquet sources,
** with real files. lago's addNewColumns evolves the table in the same
** commit as the data and keeps going (Auto Loader fails the stream).
*/
#include "stream_test.h"

static const char *dir_in(void) { return st_path(test_tmpdir(), "in"); }
static const char *dir_t(void) { return st_path(test_tmpdir(), "t"); }
static const char *dir_ck(void) { return st_path(test_tmpdir(), "ck"); }

static int run(const st_run *r, st_log *log, lago_err *e) {
  lago_err_clear(e);
  return st_stream(r, dir_in(), dir_t(), dir_ck(), log, e);
}

#define RUN_OK(r, log)                    \
  do {                                    \
    lago_err re_;                         \
    ASSERT_OK(run((r), (log), &re_), &re_); \
  } while (0)

TEST(stream_csv_add_new_columns_same_run) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n", 10);
  st_write(dir_in(), "b.csv", "id,name,email\n2,b,b@x\n", 20);
  st_write(dir_in(), "c.csv", "email,id,name\nc@x,3,c\n", 30); /* columns matched by name, not position */
  st_run r = {"csv", NULL, {"header=true", "maxFilesPerTrigger=1", "schemaInference.sampleSize.numFiles=1"}, {NULL},
              NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.batches, 3);
  ASSERT_CONTAINS(log.events, "batch 1: new columns email (first seen in ");
  ASSERT_CONTAINS(log.events, "/in/b.csv): added to the schema (version 1) and to ");
  /* the schema change is in batch 1's own commit, next to its data and txn */
  ASSERT(st_commit_has(dir_t(), 1, "\"metaData\""));
  ASSERT(st_commit_has(dir_t(), 1, "\\\"name\\\":\\\"email\\\""));
  ASSERT(st_commit_has(dir_t(), 1, "\"txn\""));
  ASSERT(!st_commit_has(dir_t(), 2, "\"metaData\""));
  ST_ROWS_EQ(dir_t(), "id,name,email", "\"1\",\"a\",\\N\n\"2\",\"b\",\"b@x\"\n\"3\",\"c\",\"c@x\"\n");
  struct stat st;
  ASSERT(stat(st_path(dir_ck(), "_schemas/1"), &st) == 0);
  ASSERT(stat(st_path(dir_ck(), "_schemas/2"), &st) != 0);
}

TEST(stream_csv_rescue_mode) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n", 10);
  st_write(dir_in(), "b.csv", "id,name,email\n2,b,b@x\n3,c,\n", 20);
  st_run r = {"csv",
              NULL,
              {"header=true", "maxFilesPerTrigger=1", "schemaEvolutionMode=rescue",
               "schemaInference.sampleSize.numFiles=1"},
              {NULL},
              NULL,
              NULL,
              NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.last.rescued_rows, 1);
  char want[1024];
  snprintf(want, sizeof want,
           "\"1\",\"a\",\\N\n\"2\",\"b\",\"{\"\"email\"\":\"\"b@x\"\",\"\"_file_path\"\":\"\"%s/b.csv\"\"}\"\n"
           "\"3\",\"c\",\\N\n",
           dir_in());
  ST_ROWS_EQ(dir_t(), "id,name,_rescued_data", want);
  char *all = st_rows(dir_t(), NULL);
  ASSERT(!strstr(all, "email\",")); /* no email column */
  mem_free(all);
}

TEST(stream_csv_fail_on_new_columns) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n", 10);
  st_write(dir_in(), "b.csv", "id,name,email\n2,b,b@x\n", 20);
  st_run r = {"csv",
              NULL,
              {"header=true", "maxFilesPerTrigger=1", "schemaEvolutionMode=failOnNewColumns",
               "schemaInference.sampleSize.numFiles=1"},
              {NULL},
              NULL,
              NULL,
              NULL};
  lago_err e;
  ASSERT_RC(run(&r, NULL, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "b.csv has columns the schema lacks: email (schemaEvolutionMode=failOnNewColumns)");
  ASSERT_EQ_INT(st_version(dir_t()), 0);
  ASSERT_RC(run(&r, NULL, &e), LAGO_BIND); /* it stays failed */
  /* removing the file lets the stream go on: the planned batch records it as skipped */
  unlink(st_path(dir_in(), "b.csv"));
  st_write(dir_in(), "c.csv", "id,name\n3,c\n", 30);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "b.csv no longer exists; recorded as skipped");
  ST_ROWS_EQ(dir_t(), "id", "\"1\"\n\"3\"\n");
}

TEST(stream_csv_user_schema_none_mode) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n", 10);
  st_write(dir_in(), "b.csv", "id,name,email\n2,b,b@x\n", 20);
  st_run r = {"csv", NULL, {"header=true", "schema=id INT, name STRING"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  ST_ROWS_EQ(dir_t(), NULL, "1,\"a\"\n2,\"b\"\n"); /* typed, no rescue column, email ignored */
  /* a user schema with addNewColumns asked for explicitly evolves */
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run r2 = {"csv", NULL, {"header=true", "schema=id INT, name STRING", "schemaEvolutionMode=addNewColumns"},
               {NULL}, NULL, NULL, NULL};
  RUN_OK(&r2, NULL);
  ST_ROWS_EQ(dir_t(), NULL, "1,\"a\",\\N\n2,\"b\",\"b@x\"\n");
}

TEST(stream_csv_infer_types_and_hints) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,amount,day,ok\n1,2.50,2024-01-02,true\n2,3,2024-01-03,false\n", 10);
  st_run r = {"csv", NULL, {"header=true", "inferColumnTypes=true", "schemaHints=amount DECIMAL(10,2), extra DATE"},
              {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "types inferred");
  ST_ROWS_EQ(dir_t(), "id,amount,day,ok,extra", "1,2.50,2024-01-02,true,\\N\n2,3.00,2024-01-03,false,\\N\n");
  /* a later value that does not fit its column: rescued (the column is NULL), not malformed */
  st_write(dir_in(), "b.csv", "id,amount,day,ok\nx,1,2024-01-04,maybe\n", 20);
  memset(&log, 0, sizeof log);
  RUN_OK(&r, &log);
  ASSERT(!strstr(log.events, "malformed"));
  ASSERT_EQ_INT(log.last.rescued_rows, 1);
  char want[1024];
  snprintf(want, sizeof want,
           "1,2.50,\\N\n2,3.00,\\N\n\\N,1.00,\"{\"\"id\"\":\"\"x\"\",\"\"ok\"\":\"\"maybe\"\",\"\"_file_path\"\":\"\"%s/b.csv\"\"}\"\n",
           dir_in());
  ST_ROWS_EQ(dir_t(), "id,amount,_rescued_data", want);
}

TEST(stream_csv_mismatch_rescue_and_modes) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,n\n1,10\n2,x\n3,\"30\n4,40,extra\n5,50\n", 10);
  /* FAILFAST: the mismatch (line 3) is rescued; the unterminated quote (line 4) fails, naming the line */
  st_run rf = {"csv", NULL, {"header=true", "schema=id INT, n INT", "schemaEvolutionMode=rescue", "mode=FAILFAST"},
               {NULL}, NULL, NULL, NULL};
  lago_err e;
  ASSERT_RC(run(&rf, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "a.csv:4: malformed record");
  ASSERT_EQ_INT(st_version(dir_t()), -1);
  st_rm(dir_ck());
  /* DROPMALFORMED: lines 4 and 5 (wrong field count) dropped, the mismatch kept and rescued */
  st_run rd = {"csv", NULL, {"header=true", "schema=id INT, n INT", "schemaEvolutionMode=rescue", "mode=DROPMALFORMED"},
               {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&rd, &log);
  ASSERT_EQ_INT(log.last.bad_rows, 2);
  ASSERT_EQ_INT(log.last.rescued_rows, 1);
  char want[1024];
  snprintf(want, sizeof want, "1,10,\\N\n2,\\N,\"{\"\"n\"\":\"\"x\"\",\"\"_file_path\"\":\"\"%s/a.csv\"\"}\"\n5,50,\\N\n",
           dir_in());
  ST_ROWS_EQ(dir_t(), NULL, want);
  st_rm(dir_t());
  st_rm(dir_ck());
  /* PERMISSIVE with a corrupt record column: only the real malformations keep their text there */
  st_run rp = {"csv",
               NULL,
               {"header=true", "schema=id INT, n INT", "schemaEvolutionMode=rescue", "columnNameOfCorruptRecord=bad"},
               {NULL},
               NULL,
               NULL,
               NULL};
  memset(&log, 0, sizeof log);
  RUN_OK(&rp, &log);
  ASSERT_CONTAINS(log.events, "2 malformed records (kept with NULLs (PERMISSIVE)), first at ");
  ASSERT_CONTAINS(log.events, "a.csv:4");
  ST_ROWS_EQ(dir_t(), "id,bad", "1,\\N\n2,\\N\n3,\"3,\"\"30\"\n4,\"4,40,extra\"\n5,\\N\n");
}

TEST(stream_json_add_new_columns_in_one_batch) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.json", "{\"id\":\"1\",\"name\":\"a\"}\n", 10);
  st_run r = {"json", NULL, {NULL}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  /* one batch of two files, the second with a new member: found in the rescued data, the batch is redone */
  st_write(dir_in(), "b.json", "{\"id\":\"2\",\"name\":\"b\"}\n", 20);
  st_write(dir_in(), "c.json", "{\"id\":\"3\",\"name\":\"c\",\"tags\":[1,2]}\n", 30);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.batches, 1);
  ASSERT_CONTAINS(log.events, "batch 1: new columns tags (first seen in ");
  ASSERT_CONTAINS(log.events, "c.json:1: column tags)");
  ASSERT_EQ_INT(st_version(dir_t()), 1);
  ASSERT(st_commit_has(dir_t(), 1, "\"metaData\""));
  ST_ROWS_EQ(dir_t(), "id,name,tags,_rescued_data", "\"1\",\"a\",\\N,\\N\n\"2\",\"b\",\\N,\\N\n\"3\",\"c\",\"[1,2]\",\\N\n");
}

TEST(stream_json_rescue_fail_none) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.json", "{\"id\":\"1\"}\n", 10);
  st_write(dir_in(), "b.json", "{\"id\":\"2\",\"x\":{\"y\":1}}\n", 20);
  st_run r = {"json", NULL, {"schemaEvolutionMode=rescue", "maxFilesPerTrigger=1", "schemaInference.sampleSize.numFiles=1"},
              {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  char want[1024];
  snprintf(want, sizeof want, "\"1\",\\N\n\"2\",\"{\"\"x\"\":{\"\"y\"\":1},\"\"_file_path\"\":\"\"%s/b.json\"\"}\"\n",
           dir_in());
  ST_ROWS_EQ(dir_t(), NULL, want);
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run rf = {"json",
               NULL,
               {"schemaEvolutionMode=failOnNewColumns", "maxFilesPerTrigger=1", "schemaInference.sampleSize.numFiles=1"},
               {NULL},
               NULL,
               NULL,
               NULL};
  lago_err e;
  ASSERT_RC(run(&rf, NULL, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "b.json:1: column x has columns the schema lacks: x");
  ASSERT_EQ_INT(st_version(dir_t()), 0);
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run rn = {"json", NULL, {"schemaEvolutionMode=none", "maxFilesPerTrigger=1", "schemaInference.sampleSize.numFiles=1"},
               {NULL}, NULL, NULL, NULL};
  RUN_OK(&rn, NULL);
  ST_ROWS_EQ(dir_t(), NULL, "\"1\"\n\"2\"\n"); /* no rescue column, x dropped */
}

TEST(stream_json_typed_mismatch_rescued) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.json", "{\"n\":1,\"s\":\"x\"}\n", 10);
  st_run r = {"json", NULL, {"inferColumnTypes=true"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  st_write(dir_in(), "b.json", "{\"n\":\"abc\",\"s\":\"y\"}\n", 20);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.last.rescued_rows, 1);
  char want[1024];
  snprintf(want, sizeof want, "1,\"x\",\\N\n\\N,\"y\",\"{\"\"n\"\":\"\"abc\"\",\"\"_file_path\"\":\"\"%s/b.json\"\"}\"\n",
           dir_in());
  ST_ROWS_EQ(dir_t(), "n,s,_rescued_data", want);
}

TEST(stream_json_multiline_one_file_per_trigger) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "h1.json", "[\n {\"device\": 1,\n  \"bpm\": 61},\n {\"device\": 2, \"bpm\": 70}\n]\n", 10);
  st_write(dir_in(), "h2.json", "{\n  \"device\": 3,\n  \"bpm\": 80\n}\n", 20);
  st_run r = {"json", NULL, {"multiLine=true", "maxFilesPerTrigger=1", "inferColumnTypes=true"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_EQ_INT(log.batches, 2);
  ST_ROWS_EQ(dir_t(), "device,bpm", "1,61\n2,70\n3,80\n");
}

TEST(stream_parquet_evolution) {
  mkdir(dir_in(), 0755);
  st_write_parquet(dir_in(), "a.parquet", "id BIGINT, name STRING", "id,name\n1,a\n", 10);
  st_write_parquet(dir_in(), "b.parquet", "id INT, name STRING, score DOUBLE", "id,name,score\n2,b,1.5\n", 20);
  st_run r = {"parquet", NULL, {"maxFilesPerTrigger=1", "schemaInference.sampleSize.numFiles=1"}, {NULL}, NULL, NULL, NULL};
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "new columns score");
  /* INT in b.parquet is read into the BIGINT column */
  ST_ROWS_EQ(dir_t(), "id,name,score", "1,\"a\",\\N\n2,\"b\",1.5\n");
  /* rescue mode: typed values in the rescued JSON */
  st_rm(dir_t());
  st_rm(dir_ck());
  st_run rr = {"parquet",
               NULL,
               {"maxFilesPerTrigger=1", "schemaInference.sampleSize.numFiles=1", "schemaEvolutionMode=rescue"},
               {NULL},
               NULL,
               NULL,
               NULL};
  RUN_OK(&rr, NULL);
  char want[1024];
  snprintf(want, sizeof want, "1,\\N\n2,\"{\"\"score\"\":1.5,\"\"_file_path\"\":\"\"%s/b.parquet\"\"}\"\n", dir_in());
  ST_ROWS_EQ(dir_t(), "id,_rescued_data", want);
}

TEST(stream_schema_survives_restart_and_lost_schema_location) {
  mkdir(dir_in(), 0755);
  st_write(dir_in(), "a.csv", "id,name\n1,a\n", 10);
  st_run r = {"csv", NULL, {"header=true"}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r, NULL);
  /* the schema location is lost with the checkpoint: the source columns come from the table */
  st_rm(dir_ck());
  st_write(dir_in(), "b.csv", "name,id\nb,2\n", 20);
  st_log log = {0};
  RUN_OK(&r, &log);
  ASSERT_CONTAINS(log.events, "rebuilt progress from the log");
  ASSERT_CONTAINS(log.events, "took the source columns from table");
  ST_ROWS_EQ(dir_t(), NULL, "\"1\",\"a\",\\N\n\"2\",\"b\",\\N\n");
  /* a separate schemaLocation gets the schema versions */
  char opt[1100];
  snprintf(opt, sizeof opt, "schemaLocation=%s", st_path(test_tmpdir(), "schemas"));
  st_run r2 = {"csv", NULL, {"header=true", opt}, {NULL}, NULL, NULL, NULL};
  RUN_OK(&r2, NULL);
  struct stat st;
  ASSERT(stat(st_path(test_tmpdir(), "schemas/_schemas/0"), &st) == 0);
}
