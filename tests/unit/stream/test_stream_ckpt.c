/*
** tests/unit/stream/test_stream_ckpt.c: the stream checkpoint's documents
** (stream/ckpt.c), the seen-file set (fileset.c) and option parsing
** (options.c): round trips, and every kind of malformed document.
*/
#include "stream/ckpt.h"
#include "stream_test.h"
#include "util/json.h"

TEST(stream_ckpt_meta_round_trip) {
  arena *ar = arena_new("t", 4096);
  ckpt_meta m = {"0b5e-uuid", "/in/landing", "csv", "/wh/t", NULL, 1700000000000, -1};
  buf b;
  buf_init(&b);
  ASSERT_OK(ckpt_meta_write(&m, &b), NULL);
  ASSERT_CONTAINS(b.data, "\"tableId\":null");
  ckpt_meta m2;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(ckpt_meta_parse(ar, b.data, b.len, "metadata", &m2, &e), &e);
  ASSERT_EQ_STR(m2.stream_id, "0b5e-uuid");
  ASSERT_EQ_STR(m2.source, "/in/landing");
  ASSERT_EQ_STR(m2.format, "csv");
  ASSERT(m2.table_id == NULL);
  ASSERT_EQ_INT(m2.created_ms, 1700000000000);
  ASSERT_EQ_INT(m2.skip_before_ns, -1);
  m.table_id = "tid";
  m.skip_before_ns = 5;
  buf_clear(&b);
  ASSERT_OK(ckpt_meta_write(&m, &b), NULL);
  ASSERT_OK(ckpt_meta_parse(ar, b.data, b.len, "metadata", &m2, &e), &e);
  ASSERT_EQ_STR(m2.table_id, "tid");
  ASSERT_EQ_INT(m2.skip_before_ns, 5);
  buf_deinit(&b);
  arena_free(ar);
}

static void meta_bad(const char *text, int rc_want, const char *needle) {
  arena *ar = arena_new("t", 4096);
  ckpt_meta m;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(ckpt_meta_parse(ar, text, strlen(text), "ck/metadata", &m, &e), rc_want);
  ASSERT_CONTAINS(e.msg, "ck/metadata");
  ASSERT_CONTAINS(e.msg, needle);
  arena_free(ar);
}

TEST(stream_ckpt_meta_malformed) {
  meta_bad("", LAGO_CORRUPT, "not JSON");
  meta_bad("[1]", LAGO_CORRUPT, "not a JSON object");
  meta_bad("{\"lagoStream\":1}", LAGO_CORRUPT, "streamId");
  meta_bad("{\"lagoStream\":2,\"streamId\":\"x\"}", LAGO_UNSUPPORTED, "newer");
  meta_bad("{\"lagoStream\":\"1\"}", LAGO_CORRUPT, "lagoStream");
  meta_bad("{\"lagoStream\":1,\"streamId\":\"x\",\"source\":\"/s\",\"format\":\"xml\",\"table\":\"\",\"tableId\":null,"
           "\"createdMs\":1,\"skipBeforeNs\":-1}",
           LAGO_CORRUPT, "format");
  meta_bad("{\"lagoStream\":1,\"streamId\":\"\",\"source\":\"/s\",\"format\":\"csv\",\"table\":\"\",\"tableId\":null,"
           "\"createdMs\":1,\"skipBeforeNs\":-1}",
           LAGO_CORRUPT, "streamId");
  meta_bad("{\"lagoStream\":1,\"streamId\":\"x\",\"source\":\"/s\",\"format\":\"csv\",\"table\":\"\",\"tableId\":7,"
           "\"createdMs\":1,\"skipBeforeNs\":-1}",
           LAGO_CORRUPT, "tableId");
  meta_bad("{\"lagoStream\":1,\"streamId\":\"x\",\"source\":\"/s\",\"format\":\"csv\",\"table\":\"\",\"tableId\":null,"
           "\"createdMs\":-5,\"skipBeforeNs\":-1}",
           LAGO_CORRUPT, "createdMs");
}

typedef struct collect {
  char text[4096];
  size_t len;
  int n;
} collect;

static int on_file(void *ud, const ckpt_file *f, lago_err *err) {
  (void)err;
  collect *c = ud;
  c->n++;
  if (c->len + 256 > sizeof c->text) return LAGO_OK; /* full: count only */
  c->len += (size_t)snprintf(c->text + c->len, sizeof c->text - c->len, "%s|%llu|%lld|%lld\n", f->path,
                             (unsigned long long)f->size, (long long)f->mtime_ns, (long long)f->batch);
  return LAGO_OK;
}

TEST(stream_ckpt_list_round_trip) {
  buf b;
  buf_init(&b);
  ckpt_list_hdr h = {CKPT_OFFSETS, 7, 2, 12, 2, 30};
  ckpt_file f1 = {"a/b.csv", 10, 1700000000123456789, 7}, f2 = {"c \"q\".csv", 20, -1, 7};
  ASSERT_OK(ckpt_list_write_hdr(&h, &b), NULL);
  ASSERT_OK(ckpt_list_write_file(&f1, false, &b), NULL);
  ASSERT_OK(ckpt_list_write_file(&f2, false, &b), NULL);
  ckpt_list_hdr h2;
  collect c = {{0}, 0, 0};
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(ckpt_list_parse(b.data, b.len, "offsets/7", &h2, on_file, &c, &e), &e);
  ASSERT_EQ_INT(h2.kind, CKPT_OFFSETS);
  ASSERT_EQ_INT(h2.batch, 7);
  ASSERT_EQ_INT(h2.schema_version, 2);
  ASSERT_EQ_INT(h2.read_version, 12);
  ASSERT_EQ_INT(h2.n_files, 2);
  ASSERT_EQ_STR(c.text, "a/b.csv|10|1700000000123456789|7\nc \"q\".csv|20|-1|7\n");
  /* compact lists carry each entry's batch */
  buf_clear(&b);
  ckpt_list_hdr hc = {CKPT_COMPACT, 9, 2, -1, 1, 10};
  f1.batch = 3;
  ASSERT_OK(ckpt_list_write_hdr(&hc, &b), NULL);
  ASSERT_OK(ckpt_list_write_file(&f1, true, &b), NULL);
  c.len = 0;
  c.n = 0;
  ASSERT_OK(ckpt_list_parse(b.data, b.len, "state/9.compact", &h2, on_file, &c, &e), &e);
  ASSERT_EQ_STR(c.text, "a/b.csv|10|1700000000123456789|3\n");
  buf_deinit(&b);
}

static void list_bad(const char *text, const char *needle) {
  ckpt_list_hdr h;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(ckpt_list_parse(text, strlen(text), "ck/offsets/00000000000000000001", &h, NULL, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "ck/offsets/00000000000000000001:");
  ASSERT_CONTAINS(e.msg, needle);
}

#define HDR(n, bytes) \
  "{\"lagoStreamFiles\":1,\"kind\":\"offsets\",\"batch\":1,\"schemaVersion\":0,\"readVersion\":-1,\"files\":" #n \
  ",\"bytes\":" #bytes "}\n"

TEST(stream_ckpt_list_malformed) {
  list_bad("", "empty");
  list_bad(HDR(1, 5), "1: 0 entries, the header says 1");
  list_bad(HDR(1, 5) "{\"path\":\"a\",\"size\":5,\"mtimeNs\":1}", "2: last line does not end");
  list_bad(HDR(1, 5) "{\"path\":\"a\",\"size\":5,\"mtimeNs\":1}\n{\"path\":\"b\",\"size\":0,\"mtimeNs\":1}\n",
           "3: more entries");
  list_bad(HDR(1, 5) "{\"path\":\"../etc/passwd\",\"size\":5,\"mtimeNs\":1}\n", "2: member \"path\" must be a safe");
  list_bad(HDR(1, 5) "{\"path\":\"/abs\",\"size\":5,\"mtimeNs\":1}\n", "safe relative path");
  list_bad(HDR(1, 5) "{\"path\":\"a//b\",\"size\":5,\"mtimeNs\":1}\n", "safe relative path");
  list_bad(HDR(1, 5) "{\"path\":\"a\",\"size\":-5,\"mtimeNs\":1}\n", "size");
  list_bad(HDR(1, 5) "{\"path\":\"a\",\"size\":5}\n", "mtimeNs");
  list_bad(HDR(1, 6) "{\"path\":\"a\",\"size\":5,\"mtimeNs\":1}\n", "do not add up");
  list_bad(HDR(1, 5) "{\"path\":\"a\",\"size\":5,\"mtimeNs\":1.5}\n", "mtimeNs");
  list_bad(HDR(1, 5) "{\"path\":\"a\",\"size\":5,\"mtimeNs\":1,}\n", "not JSON");
  list_bad("{\"lagoStreamFiles\":1,\"kind\":\"weird\",\"batch\":1,\"schemaVersion\":0,\"readVersion\":-1,\"files\":0,"
           "\"bytes\":0}\n",
           "kind");
  list_bad("{\"lagoStreamFiles\":1,\"kind\":\"offsets\",\"batch\":-1,\"schemaVersion\":0,\"readVersion\":-1,"
           "\"files\":0,\"bytes\":0}\n",
           "batch must be >= 0");
  list_bad("{\"lagoStreamFiles\":1,\"kind\":\"offsets\",\"batch\":1,\"schemaVersion\":0,\"readVersion\":-1,"
           "\"files\":1,\"bytes\":18446744073709551615}\n",
           "bytes");
  /* a NUL inside a path is refused */
  const char nul[] = HDR(1, 5) "{\"path\":\"a\\u0000b\",\"size\":5,\"mtimeNs\":1}\n";
  list_bad(nul, "safe relative path");
}

TEST(stream_ckpt_schema_round_trip) {
  arena *ar = arena_new("t", 4096);
  lago_type t, t2;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: BIGINT, b: STRUCT<c: STRING>, d: DECIMAL(12,2)>", &t, &e), &e);
  buf b;
  buf_init(&b);
  ASSERT_OK(ckpt_schema_write(3, 17, t, &b, &e), &e);
  int64_t v, batch_id;
  ASSERT_OK(ckpt_schema_parse(ar, b.data, b.len, "_schemas/3", &v, &batch_id, &t2, &e), &e);
  ASSERT_EQ_INT(v, 3);
  ASSERT_EQ_INT(batch_id, 17);
  ASSERT(type_equal(t, t2));
  const char *bad = "{\"lagoStreamSchema\":1,\"schemaVersion\":3,\"batch\":1,\"schema\":{\"type\":\"struct\","
                    "\"fields\":[{\"name\":\"a\",\"type\":\"variant\"}]}}";
  ASSERT_RC(ckpt_schema_parse(ar, bad, strlen(bad), "_schemas/3", &v, &batch_id, &t2, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "_schemas/3:1: bad schema");
  lago_err_clear(&e);
  const char *bad2 = "{\"lagoStreamSchema\":1,\"schemaVersion\":3,\"batch\":1,\"schema\":\"long\"}";
  ASSERT_RC(ckpt_schema_parse(ar, bad2, strlen(bad2), "_schemas/3", &v, &batch_id, &t2, &e), LAGO_CORRUPT);
  buf_deinit(&b);
  arena_free(ar);
}

TEST(stream_ckpt_paths_and_names) {
  ASSERT(ckpt_path_ok("a", 1));
  ASSERT(ckpt_path_ok("a/b.c/..x", 9));
  ASSERT(!ckpt_path_ok("", 0));
  ASSERT(!ckpt_path_ok("/a", 2));
  ASSERT(!ckpt_path_ok("a/", 2));
  ASSERT(!ckpt_path_ok("./a", 3));
  ASSERT(!ckpt_path_ok("a/../b", 6));
  ASSERT(!ckpt_path_ok("a\\b", 3));
  char n[21];
  ckpt_batch_name(42, n);
  ASSERT_EQ_STR(n, "00000000000000000042");
  ASSERT_EQ_INT(ckpt_batch_from_name("00000000000000000042", NULL), 42);
  ASSERT_EQ_INT(ckpt_batch_from_name("00000000000000000042.compact", ".compact"), 42);
  ASSERT_EQ_INT(ckpt_batch_from_name("00000000000000000042.compact", NULL), -1);
  ASSERT_EQ_INT(ckpt_batch_from_name(".00000000000000000042.1.tmp", NULL), -1);
  ASSERT_EQ_INT(ckpt_batch_from_name("99999999999999999999", NULL), -1); /* > INT64_MAX */
}

TEST(stream_fileset_put_get_sorted) {
  fileset fs;
  ASSERT_OK(fileset_init(&fs), NULL);
  lago_err e;
  lago_err_clear(&e);
  char name[32];
  for (int i = 999; i >= 0; i--) {
    snprintf(name, sizeof name, "d/%04d.csv", i);
    ckpt_file f = {name, (uint64_t)i, i, i / 10};
    ASSERT_OK(fileset_put(&fs, &f, &e), &e);
  }
  ASSERT_EQ_INT(fs.n, 1000);
  ckpt_file *g = fileset_get(&fs, "d/0500.csv");
  ASSERT_NE_NULL(g);
  ASSERT_EQ_INT(g->size, 500);
  ckpt_file f = {"d/0500.csv", 7, 8, 9};
  ASSERT_OK(fileset_put(&fs, &f, &e), &e);
  ASSERT_EQ_INT(fs.n, 1000);
  ASSERT_EQ_INT(fileset_get(&fs, "d/0500.csv")->size, 7);
  ASSERT(fileset_get(&fs, "d/x.csv") == NULL);
  collect c = {{0}, 0, 0};
  ASSERT_OK(fileset_each_sorted(&fs, on_file, &c, &e), &e); /* stops filling text when full, counts all */
  ASSERT_EQ_INT(c.n, 1000);
  ASSERT(!strncmp(c.text, "d/0000.csv|0|0|0\nd/0001.csv|1|1|0\n", 34));
  fileset_clear(&fs);
  ASSERT_EQ_INT(fs.n, 0);
  ASSERT(fileset_get(&fs, "d/0001.csv") == NULL);
  fileset_free(&fs);
}

TEST(stream_options_parse) {
  arena *ar = arena_new("t", 4096);
  stream_opts o;
  stream_opts_init(&o);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_EQ_INT(o.max_files, 1000);
  ASSERT(o.include_existing);
  ASSERT_OK(stream_opts_set(&o, ar, "cloudFiles.maxFilesPerTrigger", "7", &e), &e);
  ASSERT_EQ_INT(o.max_files, 7);
  ASSERT_OK(stream_opts_set(&o, ar, "maxbytespertrigger", "10m", &e), &e);
  ASSERT_EQ_UINT(o.max_bytes, 10u << 20);
  ASSERT_OK(stream_opts_set(&o, ar, "cloudFiles.includeExistingFiles", "FALSE", &e), &e);
  ASSERT(!o.include_existing);
  ASSERT_OK(stream_opts_set(&o, ar, "backfillInterval", "1 day", &e), &e);
  ASSERT_EQ_INT(o.backfill_ms, 86400000);
  ASSERT_OK(stream_opts_set(&o, ar, "modifiedAfter", "2024-06-01T00:00:00", &e), &e);
  ASSERT_EQ_INT(o.modified_after_ns, INT64_C(1717200000) * 1000000000);
  ASSERT_OK(stream_opts_set(&o, ar, "schemaEvolutionMode", "rescue", &e), &e);
  ASSERT_EQ_INT(o.evolution, EVOLVE_RESCUE);
  ASSERT_OK(stream_opts_set(&o, ar, "header", "true", &e), &e); /* a reader option is kept for the reader */
  ASSERT_EQ_INT(o.n_fmt, 1);
  ASSERT_EQ_STR(o.fmt_keys[0], "header");
  ASSERT_OK(stream_opts_set(&o, ar, "cloudFiles.header", "false", &e), &e); /* replaces */
  ASSERT_EQ_INT(o.n_fmt, 1);
  ASSERT_EQ_STR(o.fmt_values[0], "false");
  ASSERT_RC(stream_opts_set(&o, ar, "maxFilesPerTrigger", "-1", &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "maxFilesPerTrigger");
  lago_err_clear(&e);
  ASSERT_RC(stream_opts_set(&o, ar, "allowOverwrites", "yes", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(stream_opts_set(&o, ar, "schemaEvolutionMode", "addNewColumnsWithTypeWidening", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(stream_opts_set(&o, ar, "modifiedBefore", "yesterday", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(stream_opts_set(&o, ar, "streamName", "../x", &e), LAGO_BIND);
  lago_err_clear(&e);
  /* durations, sizes, triggers, added columns */
  ASSERT_EQ_INT(stream_parse_duration_ms("10s"), 10000);
  ASSERT_EQ_INT(stream_parse_duration_ms("10 seconds"), 10000);
  ASSERT_EQ_INT(stream_parse_duration_ms("1.5 min"), 90000);
  ASSERT_EQ_INT(stream_parse_duration_ms("250"), 250);
  ASSERT_EQ_INT(stream_parse_duration_ms("2h"), 7200000);
  ASSERT_EQ_INT(stream_parse_duration_ms("-1s"), -1);
  ASSERT_EQ_INT(stream_parse_duration_ms("10 parsecs"), -1);
  uint64_t b;
  ASSERT(stream_parse_bytes("1g", &b) && b == (uint64_t)1 << 30);
  ASSERT(stream_parse_bytes("512 KiB", &b) && b == 512 * 1024);
  ASSERT(stream_parse_bytes("100", &b) && b == 100);
  ASSERT(!stream_parse_bytes("1x", &b));
  ASSERT(!stream_parse_bytes("99999999999999999999t", &b));
  stream_trigger t;
  ASSERT_OK(stream_trigger_parse("every=10s", &t, &e), &e);
  ASSERT_EQ_INT(t.kind, TRIGGER_INTERVAL);
  ASSERT_EQ_INT(t.interval_ms, 10000);
  ASSERT_OK(stream_trigger_parse("processingTime=1 minute", &t, &e), &e);
  ASSERT_EQ_INT(t.interval_ms, 60000);
  ASSERT_OK(stream_trigger_parse("availableNow", &t, &e), &e);
  ASSERT_EQ_INT(t.kind, TRIGGER_AVAILABLE_NOW);
  ASSERT_OK(stream_trigger_parse("continuous", &t, &e), &e);
  ASSERT_OK(stream_trigger_parse("once", &t, &e), &e);
  ASSERT_RC(stream_trigger_parse("every=0s", &t, &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(stream_trigger_parse("sometimes", &t, &e), LAGO_BIND);
  lago_err_clear(&e);
  stream_added_col c;
  ASSERT_OK(stream_added_parse(ar, "load_date = current_date()", &c, &e), &e);
  ASSERT_EQ_STR(c.name, "load_date");
  ASSERT_EQ_INT(c.kind, ADDED_CURRENT_DATE);
  ASSERT_OK(stream_added_parse(ar, "src='crm'", &c, &e), &e);
  ASSERT_EQ_INT(c.kind, ADDED_LITERAL);
  ASSERT_EQ_STR(c.literal, "crm");
  ASSERT_OK(stream_added_parse(ar, "f=_metadata.file_name", &c, &e), &e);
  ASSERT_EQ_INT(c.kind, ADDED_FILE_NAME);
  ASSERT_RC(stream_added_parse(ar, "x=upper(name)", &c, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "upper(name)");
  lago_err_clear(&e);
  ASSERT_RC(stream_added_parse(ar, "a b=current_date()", &c, &e), LAGO_BIND);
  arena_free(ar);
}
