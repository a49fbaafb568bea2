/*
** tests/unit/format/test_csv_scan.c: the parallel scan gives exactly what
** one csv_reader per file gives (rows, values, line numbers, errors, bad
** records), for every range size, with quoted newlines at range boundaries.
*/
#include <stdio.h>
#include <string.h>

#include "format/csv/csv.h"
#include "test.h"
#include "vec/value_text.h"

static const char *wfile(const char *name, const char *content, size_t n) {
  static char paths[8][512];
  static int k;
  char *p = paths[k++ % 8];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(p, "wb");
  if (!f) test_fail_(__FILE__, __LINE__, "cannot write %s", p);
  fwrite(content, 1, n, f);
  fclose(f);
  return p;
}

static void render(batch *b, const csv_batch_info *bi, buf *out) {
  for (uint32_t i = 0; i < b->n_rows; i++) {
    buf_printf(out, "@%llu ", (unsigned long long)bi->lines[i]);
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (c) buf_putc(out, '|');
      value_text_append(out, &b->cols[c], batch_row(b, i));
    }
    buf_putc(out, '\n');
  }
}

/* One reader per file, in order. */
static int read_serial(const char *const *paths, uint32_t n, const csv_options *o, lago_type s, buf *out, lago_err *e) {
  int rc = LAGO_OK;
  for (uint32_t f = 0; f < n && !rc; f++) {
    csv_reader *r;
    rc = csv_reader_open(fs_local(), paths[f], o, s, &r, e);
    while (!rc) {
      batch *b;
      csv_batch_info bi;
      rc = csv_reader_next(r, NULL, &b, &bi, e);
      if (rc || !b->n_rows) break;
      render(b, &bi, out);
    }
    csv_reader_close(r);
  }
  return rc;
}

static int read_scan(const char *const *paths, uint32_t n, const csv_options *o, lago_type s, int threads,
                     uint64_t range, buf *out, uint32_t *reparsed, lago_err *e) {
  csv_scan *sc;
  csv_scan_config cfg = {threads, range, 0};
  TRY(csv_scan_open(fs_local(), paths, n, o, s, &cfg, &sc, e));
  int rc;
  for (;;) {
    batch *b;
    csv_batch_info bi;
    rc = csv_scan_next(sc, &b, &bi, e);
    if (rc || !b->n_rows) break;
    render(b, &bi, out);
  }
  if (reparsed) *reparsed += csv_scan_reparsed(sc);
  csv_scan_close(sc);
  return rc;
}

/* A file whose records hold quoted newlines, doubled quotes, empty lines, CRLF. */
static void make_tricky(buf *b, int rows, unsigned seed) {
  buf_puts(b, "id,text,n\n");
  unsigned x = seed;
  for (int i = 0; i < rows; i++) {
    x = x * 1103515245u + 12345u;
    switch ((x >> 16) % 6) {
      case 0: buf_printf(b, "%d,\"line one\nline two\",%d\n", i, i); break;
      case 1: buf_printf(b, "%d,\"q \"\"x\"\"\n\n,\",%d\r\n", i, i); break;
      case 2: buf_printf(b, "%d,plain,%d\n\n", i, i); break;
      case 3: buf_printf(b, "%d,\"\n\",%d\n", i, i); break;
      case 4: buf_printf(b, "%d,\"a\r\nb\",%d\n", i, i); break;
      default: buf_printf(b, "%d,\"\"\"\n1,2,3\n\"\"\",%d\n", i, i); break;
    }
  }
}

TEST(csv_scan_equals_serial_multiline) {
  buf content;
  buf_init(&content);
  make_tricky(&content, 150, 7);
  const char *p = wfile("t.csv", content.data, content.len);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  o.header = true;
  o.multi_line = true;
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<id: INT, text: STRING, n: BIGINT>", &s, &e), &e);
  buf want;
  buf_init(&want);
  ASSERT_OK(read_serial(&p, 1, &o, s, &want, &e), &e);
  ASSERT_CONTAINS(buf_cstr(&want), "@1");
  uint32_t reparsed = 0;
  static const uint64_t sizes[] = {3, 8, 13, 64, 100, 999, 4096, 0};
  for (int t = 1; t <= 3; t++)
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      buf got;
      buf_init(&got);
      ASSERT_OK(read_scan(&p, 1, &o, s, t, sizes[k], &got, &reparsed, &e), &e);
      if (strcmp(buf_cstr(&got), buf_cstr(&want)) != 0) {
        size_t d = 0;
        while (got.data[d] == want.data[d]) d++;
        test_fail_(__FILE__, __LINE__, "threads=%d range=%llu differs at byte %zu: got '%.60s' want '%.60s'", t,
                   (unsigned long long)sizes[k], d, got.data + d, want.data + d);
      }
      buf_deinit(&got);
    }
  ASSERT(reparsed > 0); /* some guesses landed inside quoted fields and were caught */
  buf_deinit(&want);
  buf_deinit(&content);
  arena_free(ar);
}

TEST(csv_scan_equals_serial_lines_and_files) {
  buf c1, c2;
  buf_init(&c1);
  buf_init(&c2);
  buf_puts(&c1, "\xef\xbb\xbf" "a,b\n");
  for (int i = 0; i < 3000; i++) buf_printf(&c1, "%d,%s\n", i, i % 7 ? "x" : "");
  buf_puts(&c2, "a,b\n\n");
  for (int i = 0; i < 100; i++) buf_printf(&c2, "%d,\"y%d\"\r\n", i, i);
  const char *paths[3];
  paths[0] = wfile("one.csv", c1.data, c1.len);
  paths[1] = wfile("empty.csv", "", 0);
  paths[2] = wfile("two.csv", c2.data, c2.len);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  o.header = true;
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, b: STRING>", &s, &e), &e);
  buf want;
  buf_init(&want);
  ASSERT_OK(read_serial(paths, 3, &o, s, &want, &e), &e);
  ASSERT_CONTAINS(buf_cstr(&want), "@3001 2999|\"x\"\n@3 0|\"y0\"\n");
  static const uint64_t sizes[] = {7, 100, 1000, 0};
  for (int t = 1; t <= 2; t++)
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
      buf got;
      buf_init(&got);
      uint32_t reparsed = 0;
      ASSERT_OK(read_scan(paths, 3, &o, s, t, sizes[k], &got, &reparsed, &e), &e);
      ASSERT(strcmp(buf_cstr(&got), buf_cstr(&want)) == 0);
      ASSERT_EQ_UINT(reparsed, 0); /* multiLine=false: the guess is always right */
      buf_deinit(&got);
    }
  buf_deinit(&want);
  buf_deinit(&c1);
  buf_deinit(&c2);
  arena_free(ar);
}

TEST(csv_scan_failfast_same_error) {
  buf c;
  buf_init(&c);
  for (int i = 0; i < 2000; i++) buf_printf(&c, "%d,\"v\n%d\"\n", i, i);
  buf_puts(&c, "oops,x\n");
  for (int i = 0; i < 10; i++) buf_printf(&c, "%d,y\n", i);
  const char *p = wfile("f.csv", c.data, c.len);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  o.multi_line = true;
  o.mode = CSV_FAILFAST;
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, b: STRING>", &s, &e), &e);
  buf out;
  buf_init(&out);
  buf serial;
  buf_init(&serial);
  o.mode = CSV_PERMISSIVE;
  ASSERT_OK(read_serial(&p, 1, &o, s, &serial, &e), &e);
  o.mode = CSV_FAILFAST;
  ASSERT_RC(read_serial(&p, 1, &o, s, &out, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "f.csv:4001:1: malformed record: column 1 (a): cannot parse 'oops' as INT (mode FAILFAST)");
  char want[512];
  snprintf(want, sizeof want, "%s", e.msg);
  for (uint64_t range = 50; range <= 5000; range *= 10) {
    buf_clear(&out);
    lago_err_clear(&e);
    ASSERT_RC(read_scan(&p, 1, &o, s, 2, range, &out, NULL, &e), LAGO_CORRUPT);
    ASSERT_EQ_STR(e.msg, want);
    /* what came out before the error is a prefix of the serial output */
    ASSERT(out.len > 0 && out.len <= serial.len && memcmp(out.data, serial.data, out.len) == 0);
  }
  buf_deinit(&out);
  buf_deinit(&serial);
  buf_deinit(&c);
  arena_free(ar);
}

typedef struct acc {
  buf text;
} acc;

static int cat_cb(void *ud, const fs_entry *ent) {
  acc *a = ud;
  if (ent->is_dir) return LAGO_OK;
  lago_err e;
  lago_err_clear(&e);
  return fs_read_all(fs_local(), ent->path, &a->text, &e);
}

TEST(csv_scan_bad_records_absolute_lines) {
  buf c;
  buf_init(&c);
  buf_puts(&c, "a,b\n");
  for (int i = 0; i < 1000; i++) buf_printf(&c, i % 250 == 7 ? "x%d,bad\n" : "%d,ok\n", i);
  const char *p = wfile("b.csv", c.data, c.len);
  arena *ar = arena_new("t", 1024);
  char dir_serial[600], dir_scan[600];
  snprintf(dir_serial, sizeof dir_serial, "%s/bad1", test_tmpdir());
  snprintf(dir_scan, sizeof dir_scan, "%s/bad2", test_tmpdir());
  csv_options o;
  csv_options_init(&o);
  o.header = true;
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, b: STRING>", &s, &e), &e);
  buf want, got;
  buf_init(&want);
  buf_init(&got);
  o.bad_records_path = dir_serial;
  ASSERT_OK(read_serial(&p, 1, &o, s, &want, &e), &e);
  o.bad_records_path = dir_scan;
  ASSERT_OK(read_scan(&p, 1, &o, s, 2, 512, &got, NULL, &e), &e);
  ASSERT(strcmp(buf_cstr(&got), buf_cstr(&want)) == 0);
  acc a1, a2;
  buf_init(&a1.text);
  buf_init(&a2.text);
  ASSERT_OK(fs_list(fs_local(), dir_serial, true, cat_cb, &a1, &e), &e);
  ASSERT_OK(fs_list(fs_local(), dir_scan, true, cat_cb, &a2, &e), &e);
  ASSERT_CONTAINS(buf_cstr(&a1.text), "\"line\":9,\"record\":\"x7,bad\"");
  ASSERT_CONTAINS(buf_cstr(&a1.text), "\"line\":759,");
  ASSERT_EQ_STR(buf_cstr(&a2.text), buf_cstr(&a1.text));
  buf_deinit(&a1.text);
  buf_deinit(&a2.text);
  buf_deinit(&want);
  buf_deinit(&got);
  buf_deinit(&c);
  arena_free(ar);
}

TEST(csv_scan_bad_records_of_all_bad_ranges) {
  /* With tiny ranges a range can hold only bad records: all dropped, its
  ** batch is passed over by next(); the scan must still log them (the
  ** counts of passed-over batches were lost, and with them the records). */
  static const char text[] = "1,ok\nx,bad\n2,ok\ny,bad\nz,bad\n3,ok\n";
  const char *p = wfile("ab.csv", text, sizeof text - 1);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, b: STRING>", &s, &e), &e);
  char dir[600];
  snprintf(dir, sizeof dir, "%s/serial", test_tmpdir());
  o.bad_records_path = dir;
  buf want;
  buf_init(&want);
  ASSERT_OK(read_serial(&p, 1, &o, s, &want, &e), &e);
  acc a1;
  buf_init(&a1.text);
  ASSERT_OK(fs_list(fs_local(), dir, true, cat_cb, &a1, &e), &e);
  ASSERT_CONTAINS(buf_cstr(&a1.text), "\"line\":5,\"record\":\"z,bad\"");
  for (uint64_t range = 1; range <= 8; range++) {
    char sub[700];
    snprintf(sub, sizeof sub, "%s/scan%llu", test_tmpdir(), (unsigned long long)range);
    o.bad_records_path = sub;
    buf got;
    buf_init(&got);
    csv_scan *sc;
    csv_scan_config cfg = {2, range, 0};
    ASSERT_OK(csv_scan_open(fs_local(), &p, 1, &o, s, &cfg, &sc, &e), &e);
    for (;;) {
      batch *b;
      csv_batch_info bi;
      ASSERT_OK(csv_scan_next(sc, &b, &bi, &e), &e);
      if (!b->n_rows) break;
      render(b, &bi, &got);
    }
    ASSERT_EQ_UINT(csv_scan_stats(sc)->bad_rows, 3); /* as one reader counts them */
    ASSERT_EQ_UINT(csv_scan_stats(sc)->dropped_rows, 3);
    ASSERT_EQ_UINT(csv_scan_stats(sc)->rows, 3);
    csv_scan_close(sc);
    ASSERT_EQ_STR(buf_cstr(&got), buf_cstr(&want));
    acc a2;
    buf_init(&a2.text);
    ASSERT_OK(fs_list(fs_local(), sub, true, cat_cb, &a2, &e), &e);
    ASSERT_EQ_STR(buf_cstr(&a2.text), buf_cstr(&a1.text));
    buf_deinit(&a2.text);
    buf_deinit(&got);
  }
  buf_deinit(&a1.text);
  buf_deinit(&want);
  arena_free(ar);
}

TEST(csv_scan_missing_file) {
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT>", &s, &e), &e);
  const char *p = "/nonexistent/x.csv";
  csv_scan *sc;
  ASSERT_RC(csv_scan_open(fs_local(), &p, 1, &o, s, NULL, &sc, &e), LAGO_NOTFOUND);
  arena_free(ar);
}

typedef struct oom_scan {
  const char *path;
  lago_type schema;
} oom_scan;

static int scan_once(void *ud) {
  oom_scan *c = ud;
  csv_options o;
  csv_options_init(&o);
  o.header = true;
  o.multi_line = true;
  lago_err e;
  lago_err_clear(&e);
  csv_scan *sc;
  csv_scan_config cfg = {1, 64, 0};
  int rc = csv_scan_open(fs_local(), &c->path, 1, &o, c->schema, &cfg, &sc, &e);
  if (rc) return rc;
  for (;;) {
    batch *b;
    rc = csv_scan_next(sc, &b, NULL, &e);
    if (rc || !b->n_rows) break;
  }
  csv_scan_close(sc);
  return rc;
}

TEST(csv_scan_allocation_failure_sweep) {
  buf c;
  buf_init(&c);
  make_tricky(&c, 12, 3);
  oom_scan ctx;
  ctx.path = wfile("oom.csv", c.data, c.len);
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<id: INT, text: STRING, n: BIGINT>", &ctx.schema, &e), &e);
  int runs = test_oom_sweep(scan_once, &ctx, 3000);
  ASSERT(runs > 10);
  buf_deinit(&c);
  arena_free(ar);
}
