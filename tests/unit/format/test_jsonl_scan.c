/*
** tests/unit/format/test_jsonl_scan.c: the parallel JSON scan gives exactly
** what one reader per file gives (rows, values, line numbers, errors, bad
** records) for any thread count and range size; allocation failures and I/O
** failures are clean errors with nothing leaked.
*/
#include "test_jsonl.h"

/* A file mixing everything the framing cares about. */
static void gen(buf *b, int n, unsigned seed) {
  for (int i = 0; i < n; i++) {
    seed = seed * 1103515245u + 12345u;
    unsigned k = (seed >> 16) % 23;
    const char *eol = k == 3 ? "\r\n" : k == 4 ? "\r" : "\n";
    switch (k) {
      case 0: buf_printf(b, "%s", eol); break;                               /* blank */
      case 1: buf_printf(b, "  \t%s", eol); break;                           /* whitespace */
      case 2: buf_printf(b, "{\"id\":%d,\"s\":\"bad%s", i, eol); break;       /* truncated */
      case 5: buf_printf(b, "[{\"id\":%d},{\"id\":%d,\"s\":\"arr\"}]%s", i, -i, eol); break;
      case 6: buf_printf(b, "{\"id\":\"%d\",\"s\":\"type\"}%s", i, eol); break; /* mismatch */
      case 7: buf_printf(b, "7%s", eol); break;                              /* not an object */
      case 8: buf_printf(b, "{\"id\":%d,\"n\":{\"a\":[%d,%d],\"m\":{\"k\":\"v%d\"}},\"new\":1}%s", i, i, i + 1, i, eol); break;
      default:
        buf_printf(b, "{\"id\":%d,\"s\":\"row \\\"%d\\\" \\u00e9\xe2\x82\xac\",\"d\":%d.%02d,\"t\":\"2024-01-%02d 10:00:%02d\"}%s", i, i,
                   i, i % 100, i % 28 + 1, i % 60, eol);
    }
  }
}

static const char *schema_text =
    "STRUCT<id: BIGINT, s: STRING, d: DECIMAL(10,2), t: TIMESTAMP, n: STRUCT<a: ARRAY<INT>, m: MAP<STRING, STRING>>, "
    "_corrupt_record: STRING, _rescued_data: STRING>";

/* All files through one reader each, rows with line numbers. */
static char *serial(const char *const *paths, uint32_t n, const jsonl_options *o, lago_type s, int *rc, lago_err *e,
                    char **bad) {
  buf out, bd;
  buf_init(&out);
  buf_init(&bd);
  *rc = LAGO_OK;
  lago_err_clear(e);
  for (uint32_t f = 0; f < n && !*rc; f++) {
    jsonl_reader *r;
    *rc = jsonl_reader_open(fs_local(), paths[f], o, s, &r, e);
    while (!*rc) {
      batch *b;
      jsonl_batch_info bi;
      *rc = jsonl_reader_next(r, NULL, &b, &bi, e);
      if (*rc || !b->n_rows) break;
      jt_render(&out, b, &bi, true);
    }
    if (r) {
      size_t len;
      const char *t = jsonl_reader_bad_records(r, &len);
      buf_append(&bd, t, len);
      jsonl_reader_take_bad_records(r);
    }
    jsonl_reader_close(r);
  }
  char *res = arena_strdup(jt_ar(), buf_cstr(&out));
  if (bad) *bad = arena_strdup(jt_ar(), buf_cstr(&bd));
  buf_deinit(&out);
  buf_deinit(&bd);
  return res;
}

static char *parallel(const char *const *paths, uint32_t n, const jsonl_options *o, lago_type s, int threads,
                      uint64_t range, int *rc, lago_err *e, jsonl_stats *st) {
  buf out;
  buf_init(&out);
  lago_err_clear(e);
  jsonl_scan *sc;
  jsonl_scan_config cfg = {threads, range, 0};
  *rc = jsonl_scan_open(fs_local(), paths, n, o, s, &cfg, &sc, e);
  while (!*rc) {
    batch *b;
    jsonl_batch_info bi;
    *rc = jsonl_scan_next(sc, &b, &bi, e);
    if (*rc || !b->n_rows) break;
    for (uint32_t c = 0; c < b->n_cols; c++) ASSERT_EQ_UINT(b->cols[c].len, b->n_rows);
    jt_render(&out, b, &bi, true);
  }
  if (st && sc) *st = *jsonl_scan_stats(sc);
  jsonl_scan_close(sc);
  char *res = arena_strdup(jt_ar(), buf_cstr(&out));
  buf_deinit(&out);
  return res;
}

TEST(jsonl_scan_equals_serial) {
  jsonl_options o;
  jsonl_options_init(&o);
  o.rescued_column = "_rescued_data";
  buf b1, b2;
  buf_init(&b1);
  buf_init(&b2);
  gen(&b1, 3000, 1);
  gen(&b2, 500, 2);
  const char *paths[] = {jt_write("p1.jsonl", b1.data, b1.len), jt_write("p2.jsonl", b2.data, b2.len),
                         JT_WRITE("p3.jsonl", ""), JT_WRITE("p4.jsonl", "{\"id\":1}")};
  lago_type s = jt_schema(schema_text);
  int rc;
  lago_err e;
  char *want = serial(paths, 4, &o, s, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT(strlen(want) > 100000);
  static const uint64_t ranges[] = {100, 4096, 65536, 0};
  for (size_t k = 0; k < sizeof ranges / sizeof ranges[0]; k++) {
    for (int t = 1; t <= 3; t++) {
      jsonl_stats st;
      char *got = parallel(paths, 4, &o, s, t, ranges[k], &rc, &e, &st);
      ASSERT_OK(rc, &e);
      if (strcmp(got, want)) test_fail_(__FILE__, __LINE__, "threads %d range %llu differ", t, (unsigned long long)ranges[k]);
      ASSERT_EQ_UINT(st.bytes, b1.len + b2.len + 8);
    }
  }
  /* Tiny ranges on a small file: boundaries at every byte, CR LF split included. */
  buf_clear(&b1);
  gen(&b1, 40, 7);
  const char *small[] = {jt_write("small.jsonl", b1.data, b1.len), paths[3]};
  want = serial(small, 2, &o, s, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  for (uint64_t range = 1; range <= 9; range++)
    ASSERT_EQ_STR(parallel(small, 2, &o, s, (int)(range % 3) + 1, range, &rc, &e, NULL), want);
  buf_deinit(&b1);
  buf_deinit(&b2);
}

TEST(jsonl_scan_multiline_files) {
  jsonl_options o;
  jsonl_options_init(&o);
  o.multi_line = true;
  const char *paths[] = {JT_WRITE("m1.json", "[{\"id\":1},\n{\"id\":2}]"), JT_WRITE("m2.json", "{\"id\":3,\n\"s\":\"x\"}\n"),
                         JT_WRITE("m3.json", "[{\"id\":4}, {\"id\": }]")};
  lago_type s = jt_schema(schema_text);
  int rc;
  lago_err e;
  char *want = serial(paths, 3, &o, s, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(want,
                "1:1,\\N,\\N,\\N,\\N,\\N,\\N\n2:2,\\N,\\N,\\N,\\N,\\N,\\N\n1:3,\"x\",\\N,\\N,\\N,\\N,\\N\n"
                "1:4,\\N,\\N,\\N,\\N,\\N,\\N\n1:\\N,\\N,\\N,\\N,\\N,\"{\"\"id\"\": }]\",\\N\n");
  for (int t = 1; t <= 3; t++) ASSERT_EQ_STR(parallel(paths, 3, &o, s, t, 4, &rc, &e, NULL), want);
}

TEST(jsonl_scan_failfast_same_error) {
  jsonl_options o;
  jsonl_options_init(&o);
  o.mode = JSONL_FAILFAST;
  buf b;
  buf_init(&b);
  for (int i = 0; i < 2000; i++) buf_printf(&b, "{\"id\":%d}\n", i);
  buf_puts(&b, "{\"id\":\"oops\"}\n");
  for (int i = 0; i < 100; i++) buf_printf(&b, "{\"id\":%d}\n", i);
  const char *p = jt_write("ff.jsonl", b.data, b.len);
  lago_type s = jt_schema("STRUCT<id: BIGINT>");
  int rc;
  lago_err e, e2;
  (void)serial(&p, 1, &o, s, &rc, &e, NULL);
  ASSERT_RC(rc, LAGO_CORRUPT);
  char want[512];
  snprintf(want, sizeof want, "%s:2001:7: malformed record: field id: cannot read \"oops\" as BIGINT (mode FAILFAST)", p);
  ASSERT_EQ_STR(e.msg, want);
  for (int t = 1; t <= 3; t++) {
    (void)parallel(&p, 1, &o, s, t, 1000, &rc, &e2, NULL);
    ASSERT_RC(rc, LAGO_CORRUPT);
    ASSERT_EQ_STR(e2.msg, want);
  }
  buf_deinit(&b);
}

typedef struct acc {
  buf *all;
  int n;
} acc;

static int collect(void *ud, const fs_entry *en) {
  acc *a = ud;
  lago_err e;
  lago_err_clear(&e);
  a->n++;
  return fs_read_all(fs_local(), en->path, a->all, &e);
}

TEST(jsonl_scan_bad_records_have_absolute_lines) {
  jsonl_options o;
  jsonl_options_init(&o);
  char dir[512];
  snprintf(dir, sizeof dir, "%s/bad", test_tmpdir());
  o.bad_records_path = dir;
  buf b;
  buf_init(&b);
  gen(&b, 800, 9);
  const char *p = jt_write("b.jsonl", b.data, b.len);
  lago_type s = jt_schema(schema_text);
  int rc;
  lago_err e;
  char *bad;
  char *want = serial(&p, 1, &o, s, &rc, &e, &bad);
  ASSERT_OK(rc, &e);
  ASSERT(strlen(bad) > 1000);
  char *got = parallel(&p, 1, &o, s, 2, 512, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(got, want);
  /* The scan wrote one file under dir with the same lines as the serial reader collected. */
  buf all;
  buf_init(&all);
  acc a = {&all, 0};
  ASSERT_OK(fs_list(fs_local(), dir, true, collect, &a, &e), &e);
  ASSERT_EQ_INT(a.n, 1);
  ASSERT_EQ_STR(buf_cstr(&all), bad);
  buf_deinit(&all);
  buf_deinit(&b);
}



/* ---- allocation and I/O failures ------------------------------------------------------------ */

typedef struct oom_ctx {
  const char *path;
  const char *path2;
  jsonl_options o;
  lago_type schema;
  int threads; /* 0 = reader, else scan */
  bool infer;
} oom_ctx;

static int read_once(void *ud) {
  oom_ctx *c = ud;
  lago_err e;
  lago_err_clear(&e);
  int rc;
  if (c->infer) {
    arena *ar = arena_new("oom infer", 256);
    if (!ar) return LAGO_NOMEM;
    const char *ps[] = {c->path, c->path2};
    lago_type t;
    rc = jsonl_infer_schema(fs_local(), ps, 2, &c->o, ar, &t, &e);
    arena_free(ar);
    return rc;
  }
  if (c->threads) {
    jsonl_scan *s;
    jsonl_scan_config cfg = {c->threads, 300, 0};
    const char *ps[] = {c->path, c->path2};
    rc = jsonl_scan_open(fs_local(), ps, 2, &c->o, c->schema, &cfg, &s, &e);
    while (!rc) {
      batch *b;
      rc = jsonl_scan_next(s, &b, NULL, &e);
      if (rc || !b->n_rows) break;
    }
    jsonl_scan_close(s);
    return rc;
  }
  jsonl_reader *r;
  rc = jsonl_reader_open(fs_local(), c->path, &c->o, c->schema, &r, &e);
  if (!rc) jsonl_reader_set_chunk(r, 64);
  while (!rc) {
    batch *b;
    rc = jsonl_reader_next(r, NULL, &b, NULL, &e);
    if (rc || !b->n_rows) break;
  }
  jsonl_reader_close(r);
  return rc;
}

static const char nested_small[] =
    "{\"id\":1,\"s\":\"a string longer than twelve\",\"n\":{\"a\":[1,2,3],\"m\":{\"k\":\"v\",\"k2\":\"a long value here...\"}}}\n"
    "{\"id\":\"x\",\"extra\":{\"deep\":[{\"z\":null}]},\"d\":1.5,\"t\":\"2024-01-01 00:00:00\"}\n"
    "[{\"id\":3},{\"id\":4,\"n\":{\"a\":[]}}]\n"
    "{\"broken\":\n"
    "{\"id\":5,\"s\":\"esc \\\"q\\\" \\u00e9\"}\n";

TEST(jsonl_oom_sweep_reader) {
  oom_ctx c;
  memset(&c, 0, sizeof c);
  jsonl_options_init(&c.o);
  c.o.rescued_column = "_rescued_data";
  c.path = JT_WRITE("oom.jsonl", nested_small);
  c.schema = jt_schema(schema_text);
  ASSERT_OK(read_once(&c), NULL);
  int runs = test_oom_sweep(read_once, &c, 2000);
  ASSERT(runs > 10);
  c.o.multi_line = true;
  c.path = JT_WRITE("oom.json", "[{\"id\":1,\"n\":{\"a\":[1,2]}}, {\"id\":\"2\",\"x\":[{}]}, {\"s\":\"long string value here\"}]");
  ASSERT_OK(read_once(&c), NULL);
  ASSERT(test_oom_sweep(read_once, &c, 2000) > 10);
}

TEST(jsonl_oom_sweep_scan_and_infer) {
  oom_ctx c;
  memset(&c, 0, sizeof c);
  jsonl_options_init(&c.o);
  c.path = JT_WRITE("oom1.jsonl", nested_small);
  buf b;
  buf_init(&b);
  gen(&b, 60, 3);
  c.path2 = jt_write("oom2.jsonl", b.data, b.len);
  buf_deinit(&b);
  c.schema = jt_schema(schema_text);
  c.threads = 2;
  ASSERT_OK(read_once(&c), NULL);
  ASSERT(test_oom_sweep(read_once, &c, 5000) > 10);
  c.threads = 0;
  c.infer = true;
  c.o.infer_types = true;
  c.o.schema_hints = "id INT, n.m MAP<STRING, STRING>";
  ASSERT_OK(read_once(&c), NULL);
  ASSERT(test_oom_sweep(read_once, &c, 5000) > 10);
}

TEST(jsonl_io_failures) {
  jsonl_options o;
  jsonl_options_init(&o);
  buf b;
  buf_init(&b);
  gen(&b, 400, 5);
  const char *p = jt_write("io.jsonl", b.data, b.len);
  buf_deinit(&b);
  lago_type s = jt_schema(schema_text);
  /* Count the operations of a clean read, then fail each one in turn. */
  lago_fs *probe = fs_faulty_new(fs_local(), 0, false);
  ASSERT_NE_NULL(probe);
  lago_err e;
  lago_err_clear(&e);
  jsonl_reader *r;
  ASSERT_OK(jsonl_reader_open(probe, p, &o, s, &r, &e), &e);
  jsonl_reader_set_chunk(r, 512);
  for (;;) {
    batch *bt;
    ASSERT_OK(jsonl_reader_next(r, NULL, &bt, NULL, &e), &e);
    if (!bt->n_rows) break;
  }
  jsonl_reader_close(r);
  long ops = fs_faulty_ops(probe);
  fs_free(probe);
  ASSERT(ops > 5);
  for (long k = 1; k <= ops; k++) {
    lago_fs *fs = fs_faulty_new(fs_local(), k, k % 2 == 0);
    lago_err_clear(&e);
    int rc = jsonl_reader_open(fs, p, &o, s, &r, &e);
    if (!rc) jsonl_reader_set_chunk(r, 512);
    while (!rc) {
      batch *bt;
      rc = jsonl_reader_next(r, NULL, &bt, NULL, &e);
      if (rc || !bt->n_rows) break;
    }
    jsonl_reader_close(r);
    ASSERT_RC(rc, LAGO_IO);
    ASSERT_CONTAINS(e.msg, "injected I/O failure");
    /* And through the scan. */
    jsonl_scan *sc;
    jsonl_scan_config cfg = {2, 2000, 0};
    lago_fs *fs2 = fs_faulty_new(fs_local(), k, true);
    lago_err_clear(&e);
    rc = jsonl_scan_open(fs2, &p, 1, &o, s, &cfg, &sc, &e);
    while (!rc) {
      batch *bt;
      rc = jsonl_scan_next(sc, &bt, NULL, &e);
      if (rc || !bt->n_rows) break;
    }
    jsonl_scan_close(sc);
    if (rc != LAGO_OK) ASSERT_RC(rc, LAGO_IO);
    fs_free(fs2);
    fs_free(fs);
  }
}

TEST(jsonl_scan_bom_and_tiny_ranges) {
  jsonl_options o;
  jsonl_options_init(&o);
  char dir[512];
  snprintf(dir, sizeof dir, "%s/bad", test_tmpdir());
  o.bad_records_path = dir;
  const char *p = JT_WRITE("bom.jsonl", "\xEF\xBB\xBF{\"id\":\"x\"}\n{\"id\":2}\n{\"id\":\n");
  lago_type s = jt_schema("STRUCT<id: BIGINT>");
  int rc;
  lago_err e;
  char *bad;
  char *want = serial(&p, 1, &o, s, &rc, &e, &bad);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(want, "2:2\n");
  ASSERT_CONTAINS(bad, "\"line\":1,\"record\":\"{\\\"id\\\":\\\"x\\\"}\"");
  ASSERT_CONTAINS(bad, "\"line\":3,\"record\":\"{\\\"id\\\":\"");
  for (uint64_t range = 1; range <= 5; range++) {
    char sub[600];
    snprintf(sub, sizeof sub, "%s/r%llu", dir, (unsigned long long)range);
    o.bad_records_path = sub;
    ASSERT_EQ_STR(parallel(&p, 1, &o, s, 2, range, &rc, &e, NULL), want);
    ASSERT_OK(rc, &e);
    buf all;
    buf_init(&all);
    acc a = {&all, 0};
    ASSERT_OK(fs_list(fs_local(), sub, true, collect, &a, &e), &e);
    ASSERT_EQ_STR(buf_cstr(&all), bad);
    buf_deinit(&all);
  }
}
