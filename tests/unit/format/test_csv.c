/*
** tests/unit/format/test_csv.c: the CSV reader on real files in a temp dir:
** RFC 4180 shapes, every option, modes with their exact messages, types,
** datetime patterns, chunk boundaries, limits, allocation and I/O failures.
** Inference and the parallel scan are in test_csv_infer.c / test_csv_scan.c.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv/csv.h"
#include "format/csv/csv_int.h"
#include "test.h"
#include "util/alloc.h"
#include "vec/value_text.h"

/* Writes content to <tmp>/name; returns the path (static storage per call site is fine: copied). */
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
#define WFILE(name, lit) wfile((name), (lit), sizeof(lit) - 1)

/* Sets options from "k=v" strings (NULL-terminated list). */
static void set_opts(csv_options *o, arena *ar, const char *const *kv) {
  csv_options_init(o);
  for (; kv && *kv; kv++) {
    char key[128];
    const char *eq = strchr(*kv, '=');
    size_t n = (size_t)(eq - *kv);
    memcpy(key, *kv, n);
    key[n] = 0;
    lago_err e;
    lago_err_clear(&e);
    int rc = csv_options_set(o, ar, key, eq + 1, &e);
    if (rc) test_fail_(__FILE__, __LINE__, "option %s: %s", *kv, e.msg);
  }
}

/* Renders rows as "v|v|v" lines (canonical text), with "@line " prefixes when lines. */
static int render(batch *b, const csv_batch_info *bi, bool lines, buf *out) {
  for (uint32_t i = 0; i < b->n_rows; i++) {
    if (lines) buf_printf(out, "@%llu ", (unsigned long long)bi->lines[i]);
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (c) buf_putc(out, '|');
      TRY(value_text_append(out, &b->cols[c], batch_row(b, i)));
    }
    buf_putc(out, '\n');
  }
  return LAGO_OK;
}

/*
** Reads path with the options and schema; appends rendered rows to out.
** chunk 0 = default. Returns the status of the read (err set).
*/
static int read_with(const char *path, const char *const *kv, const char *schema_text, size_t chunk, bool lines,
                     buf *out, lago_err *err) {
  arena *ar = arena_new("t", 1024);
  csv_options o;
  set_opts(&o, ar, kv);
  lago_type schema;
  int rc = type_parse(ar, schema_text, &schema, err);
  csv_reader *r = NULL;
  if (!rc) rc = csv_reader_open(fs_local(), path, &o, schema, &r, err);
  if (!rc && chunk) csv_reader_set_chunk(r, chunk);
  while (!rc) {
    batch *b;
    csv_batch_info bi;
    rc = csv_reader_next(r, NULL, &b, &bi, err);
    if (rc || b->n_rows == 0) break;
    ASSERT_EQ_UINT(b->n_cols, type_n_fields(schema));
    rc = render(b, &bi, lines, out);
  }
  csv_reader_close(r);
  arena_free(ar);
  return rc;
}

/* Reads and expects success and exactly `want`. */
static void expect_rows(const char *path, const char *const *kv, const char *schema, const char *want) {
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(read_with(path, kv, schema, 0, false, &out, &e), &e);
  ASSERT_EQ_STR(buf_cstr(&out), want);
  /* Same result when the file arrives in tiny chunks (every boundary hit). */
  for (size_t chunk = 1; chunk <= 5; chunk += 2) {
    buf again;
    buf_init(&again);
    lago_err_clear(&e);
    ASSERT_OK(read_with(path, kv, schema, chunk, false, &again, &e), &e);
    ASSERT_EQ_STR(buf_cstr(&again), want);
    buf_deinit(&again);
  }
  buf_deinit(&out);
}

/* Reads and expects failure rc with a message containing `msg`. */
static void expect_error(const char *path, const char *const *kv, const char *schema, int rc, const char *msg) {
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(read_with(path, kv, schema, 0, false, &out, &e), rc);
  ASSERT_CONTAINS(e.msg, msg);
  buf_deinit(&out);
}

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define S2 "STRUCT<a: STRING, b: STRING>"
#define S3 "STRUCT<a: STRING, b: STRING, c: STRING>"

/* ---- RFC 4180 shapes ---------------------------------------------------------------- */

TEST(csv_rfc4180_basic) {
  const char *p = WFILE("a.csv", "a,b,c\n1,\"x,y\",z\n2,\"say \"\"hi\"\"\",\n");
  expect_rows(p, OPTS("header=true"), S3, "\"1\"|\"x,y\"|\"z\"\n\"2\"|\"say \"\"hi\"\"\"|\\N\n");
  /* header=false (the default): the header line is a row */
  expect_rows(p, NULL, S3, "\"a\"|\"b\"|\"c\"\n\"1\"|\"x,y\"|\"z\"\n\"2\"|\"say \"\"hi\"\"\"|\\N\n");
}

TEST(csv_crlf_bom_no_trailing_newline) {
  const char *p = WFILE("a.csv", "\xef\xbb\xbfid,v\r\n1,one\r\n2,\"t\r\nwo\"\r\n3,three");
  expect_rows(p, OPTS("header=true", "multiLine=true"), S2, "\"1\"|\"one\"\n\"2\"|\"t\r\nwo\"\n\"3\"|\"three\"\n");
  /* lone \r is a line break too */
  p = WFILE("b.csv", "1,a\r2,b\r");
  expect_rows(p, NULL, S2, "\"1\"|\"a\"\n\"2\"|\"b\"\n");
}

TEST(csv_empty_file_and_header_only) {
  const char *p = WFILE("e.csv", "");
  expect_rows(p, OPTS("header=true"), S2, "");
  expect_rows(p, NULL, S2, "");
  p = WFILE("h.csv", "a,b\n");
  expect_rows(p, OPTS("header=true"), S2, "");
  p = WFILE("h2.csv", "a,b");
  expect_rows(p, OPTS("header=true"), S2, "");
  p = WFILE("bom.csv", "\xef\xbb\xbf");
  expect_rows(p, NULL, S2, "");
}

TEST(csv_empty_and_blank_lines_skipped) {
  const char *p = WFILE("a.csv", "\n1,a\n\n   \n\t\n2,b\n\n");
  expect_rows(p, NULL, S2, "\"1\"|\"a\"\n\"2\"|\"b\"\n");
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(read_with(p, NULL, S2, 0, true, &out, &e), &e);
  ASSERT_EQ_STR(buf_cstr(&out), "@2 \"1\"|\"a\"\n@6 \"2\"|\"b\"\n");
  buf_deinit(&out);
}

TEST(csv_multiline_quoted_newlines) {
  const char *p = WFILE("m.csv", "1,\"a\nb\nc\"\n2,\"\"\"q\"\"\n\"\n3,x\n");
  expect_rows(p, OPTS("multiLine=true"), S2, "\"1\"|\"a\nb\nc\"\n\"2\"|\"\"\"q\"\"\n\"\n\"3\"|\"x\"\n");
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(read_with(p, OPTS("multiLine=true"), S2, 0, true, &out, &e), &e);
  ASSERT_CONTAINS(buf_cstr(&out), "@1 ");
  ASSERT_CONTAINS(buf_cstr(&out), "@4 ");
  ASSERT_CONTAINS(buf_cstr(&out), "@6 \"3\"");
  buf_deinit(&out);
  /* multiLine=false: the record ends at the line break; the quote is unterminated */
  expect_rows(p, OPTS("mode=DROPMALFORMED"), S2, "\"3\"|\"x\"\n");
}

TEST(csv_unterminated_quote_at_eof) {
  const char *p = WFILE("u.csv", "1,ok\n2,\"never closed\n3,x");
  expect_error(p, OPTS("multiLine=true", "mode=FAILFAST"), S2, LAGO_CORRUPT,
               "u.csv:2:3: malformed record: column 2 (b): unterminated quoted field: 'never closed\n3,x' (mode FAILFAST)");
  expect_rows(p, OPTS("multiLine=true", "mode=DROPMALFORMED"), S2, "\"1\"|\"ok\"\n");
}

/* ---- separators, quotes, escapes ------------------------------------------------------------ */

TEST(csv_sep_tab_and_multichar) {
  const char *p = WFILE("t.tsv", "a\tb c\n\"x\ty\"\tz\n");
  expect_rows(p, OPTS("sep=\\t"), S2, "\"a\"|\"b c\"\n\"x\ty\"|\"z\"\n");
  expect_rows(p, OPTS("delimiter=\t"), S2, "\"a\"|\"b c\"\n\"x\ty\"|\"z\"\n");
  p = WFILE("m.csv", "a||b|c\n\"x||y\"||z\n");
  expect_rows(p, OPTS("sep=||"), S2, "\"a\"|\"b|c\"\n\"x||y\"|\"z\"\n");
  p = WFILE("s.csv", "1;2;3\n");
  expect_rows(p, OPTS("sep=;"), S3, "\"1\"|\"2\"|\"3\"\n");
}

TEST(csv_quote_and_escape_options) {
  /* Spark's default escape is backslash: \" inside quotes is a quote. */
  const char *p = WFILE("q.csv", "\"a\\\"b\",\"c\\\\d\"\n\"e\\x\",f\n");
  expect_rows(p, NULL, S2, "\"a\"\"b\"|\"c\\d\"\n\"e\\x\"|\"f\"\n");
  /* escape=" (the usual Databricks setting for RFC 4180 files) */
  p = WFILE("q2.csv", "\"a\"\"b\",\"c\\d\"\n");
  expect_rows(p, OPTS("escape=\""), S2, "\"a\"\"b\"|\"c\\d\"\n");
  /* quote="" disables quoting: quotes are data */
  p = WFILE("q3.csv", "\"a,b\"\n");
  expect_rows(p, OPTS("quote="), S2, "\"\"\"a\"|\"b\"\"\"\n");
  /* another quote character */
  p = WFILE("q4.csv", "'a,b',c\n");
  expect_rows(p, OPTS("quote='"), S2, "\"a,b\"|\"c\"\n");
  /* a quote inside an unquoted value is data */
  p = WFILE("q5.csv", "ab\"c,d\n");
  expect_rows(p, NULL, S2, "\"ab\"\"c\"|\"d\"\n");
}

TEST(csv_unescaped_quote_handling) {
  const char *p = WFILE("u.csv", "\"ab\"c,d\n");
  expect_rows(p, NULL, S2, "\"ab\"\"c\"|\"d\"\n"); /* STOP_AT_DELIMITER */
  expect_rows(p, OPTS("unescapedQuoteHandling=BACK_TO_DELIMITER"), S2, "\"\"\"ab\"\"c\"|\"d\"\n");
  expect_rows(p, OPTS("unescapedQuoteHandling=SKIP_VALUE"), S2, "\\N|\"d\"\n");
  expect_rows(p, OPTS("unescapedQuoteHandling=RAISE_ERROR", "mode=DROPMALFORMED"), S2, "");
  p = WFILE("u2.csv", "\"ab\"c\",d\n");
  expect_rows(p, OPTS("unescapedQuoteHandling=STOP_AT_CLOSING_QUOTE"), S2, "\"ab\"\"c\"|\"d\"\n");
}

TEST(csv_null_and_empty_values) {
  const char *p = WFILE("n.csv", "a,,\"\",NA,\"NA\"\n");
  const char *s5 = "STRUCT<a: STRING, b: STRING, c: STRING, d: STRING, e: STRING>";
  /* Spark defaults: unquoted empty and quoted empty are both null (emptyValue "" == nullValue "") */
  expect_rows(p, NULL, s5, "\"a\"|\\N|\\N|\"NA\"|\"NA\"\n");
  expect_rows(p, OPTS("nullValue=NA"), s5, "\"a\"|\\N|\"\"|\\N|\\N\n");
  expect_rows(p, OPTS("nullValue=NA", "emptyValue=EMPTY"), s5, "\"a\"|\\N|\"EMPTY\"|\\N|\\N\n");
  /* non-string columns: empty is null, nullValue is null */
  p = WFILE("n2.csv", "1,,NA\n");
  expect_rows(p, OPTS("nullValue=NA"), "STRUCT<a: INT, b: INT, c: INT>", "1|\\N|\\N\n");
}

TEST(csv_comment_lines) {
  const char *p = WFILE("c.csv", "#comment,x\n1,a\n  #not a comment,b\n#\n2,c\n");
  expect_rows(p, OPTS("comment=#"), S2, "\"1\"|\"a\"\n\"  #not a comment\"|\"b\"\n\"2\"|\"c\"\n");
  expect_rows(p, OPTS("mode=DROPMALFORMED"), S2, "\"#comment\"|\"x\"\n\"1\"|\"a\"\n\"  #not a comment\"|\"b\"\n\"2\"|\"c\"\n");
}

TEST(csv_line_sep_option) {
  const char *p = WFILE("l.csv", "1,a\r\n2,b\n");
  /* lineSep=\n: a \r is data */
  expect_rows(p, OPTS("lineSep=\\n"), S2, "\"1\"|\"a\r\"\n\"2\"|\"b\"\n");
  p = WFILE("l2.csv", "1,a;2,b;");
  expect_rows(p, OPTS("lineSep=;"), S2, "\"1\"|\"a\"\n\"2\"|\"b\"\n");
  /* lineSep=\r: only \r ends a record, a \n is data (as Spark; it used to mean the default) */
  p = WFILE("l3.csv", "1,a\n\r2,b\r");
  expect_rows(p, OPTS("lineSep=\\r"), S2, "\"1\"|\"a\n\"\n\"2\"|\"b\"\n");
}

TEST(csv_whitespace_options) {
  const char *p = WFILE("w.csv", "  a  , \"b\" ,c \n");
  expect_rows(p, NULL, S3, "\"  a  \"|\" \"\"b\"\" \"|\"c \"\n");
  expect_rows(p, OPTS("ignoreLeadingWhiteSpace=true", "ignoreTrailingWhiteSpace=true"), S3, "\"a\"|\"b\"|\"c\"\n");
  expect_rows(p, OPTS("ignoreLeadingWhiteSpace=true"), S3, "\"a  \"|\"b\"\" \"|\"c \"\n");
  expect_rows(p, OPTS("ignoreTrailingWhiteSpace=true"), S3, "\"  a\"|\" \"\"b\"\"\"|\"c\"\n");
}

/* ---- modes ------------------------------------------------------------------------------- */

TEST(csv_modes_column_count) {
  const char *p = WFILE("m.csv", "a,b\n1,x\n2\n3,y,extra\n4,z\n");
  const char *s = "STRUCT<id: INT, v: STRING>";
  const char *sc = "STRUCT<id: INT, v: STRING, _corrupt_record: STRING>";
  /* PERMISSIVE: too few -> nulls, too many -> extra dropped; both malformed */
  expect_rows(p, OPTS("header=true"), s, "1|\"x\"\n2|\\N\n3|\"y\"\n4|\"z\"\n");
  expect_rows(p, OPTS("header=true"), sc, "1|\"x\"|\\N\n2|\\N|\"2\"\n3|\"y\"|\"3,y,extra\"\n4|\"z\"|\\N\n");
  expect_rows(p, OPTS("header=true", "mode=DROPMALFORMED"), s, "1|\"x\"\n4|\"z\"\n");
  expect_error(p, OPTS("header=true", "mode=FAILFAST"), s, LAGO_CORRUPT,
               "m.csv:3:2: malformed record: expected 2 fields, found 1: '2' (mode FAILFAST)");
  /* the corrupt column can sit anywhere and be renamed */
  expect_rows(p, OPTS("header=true", "columnNameOfCorruptRecord=bad"), "STRUCT<bad: STRING, id: INT, v: STRING>",
              "\\N|1|\"x\"\n\"2\"|2|\\N\n\"3,y,extra\"|3|\"y\"\n\\N|4|\"z\"\n");
}

TEST(csv_modes_bad_values) {
  const char *p = WFILE("v.csv", "id,n,d\n1,10,2024-01-31\n2,x,2024-02-30\n3,30,2024-03-01\n");
  const char *s = "STRUCT<id: INT, n: INT, d: DATE, _corrupt_record: STRING>";
  expect_rows(p, OPTS("header=true"), s,
              "1|10|2024-01-31|\\N\n2|\\N|\\N|\"2,x,2024-02-30\"\n3|30|2024-03-01|\\N\n");
  expect_rows(p, OPTS("header=true", "mode=DROPMALFORMED"), s, "1|10|2024-01-31|\\N\n3|30|2024-03-01|\\N\n");
  expect_error(p, OPTS("header=true", "mode=FAILFAST"), s, LAGO_CORRUPT,
               "v.csv:3:3: malformed record: column 2 (n): cannot parse 'x' as INT (mode FAILFAST)");
  /* the message truncates long values */
  char big[400];
  memset(big, 'z', sizeof big);
  char content[600];
  int n = snprintf(content, sizeof content, "1,%.*s\n", (int)sizeof big, big);
  p = wfile("big.csv", content, (size_t)n);
  expect_error(p, OPTS("mode=FAILFAST"), "STRUCT<a: INT, b: INT>", LAGO_CORRUPT,
               "big.csv:1:3: malformed record: column 2 (b): cannot parse 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz...' as INT");
}

TEST(csv_invalid_utf8_by_mode) {
  const char *p = WFILE("u.csv", "1,ok\n2,bad\xff\xfe!\n3,caf\xc3\xa9\n");
  const char *s = "STRUCT<id: INT, v: STRING>";
  expect_rows(p, NULL, s, "1|\"ok\"\n2|\"bad\xef\xbf\xbd\xef\xbf\xbd!\"\n3|\"caf\xc3\xa9\"\n");
  expect_rows(p, OPTS("mode=DROPMALFORMED"), s, "1|\"ok\"\n3|\"caf\xc3\xa9\"\n");
  expect_error(p, OPTS("mode=FAILFAST"), s, LAGO_CORRUPT, "u.csv:2:3: malformed record: column 2 (v): invalid UTF-8");
  /* BINARY takes bytes as they are */
  expect_rows(p, NULL, "STRUCT<id: INT, v: BINARY>", "1|0x6f6b\n2|0x626164fffe21\n3|0x636166c3a9\n");
}

typedef struct list_acc {
  int files;
  buf text;
} list_acc;

static int list_cb(void *ud, const fs_entry *ent) {
  list_acc *acc = ud;
  if (ent->is_dir) return LAGO_OK;
  acc->files++;
  lago_err e;
  lago_err_clear(&e);
  return fs_read_all(fs_local(), ent->path, &acc->text, &e);
}

TEST(csv_bad_records_path) {
  const char *p = WFILE("b.csv", "id,n\n1,10\n2,x\n3\n4,40\n");
  char dir[600];
  snprintf(dir, sizeof dir, "%s/bad", test_tmpdir());
  char opt[700];
  snprintf(opt, sizeof opt, "badRecordsPath=%s", dir);
  expect_rows(p, OPTS("header=true", opt), "STRUCT<id: INT, n: INT>", "1|10\n4|40\n");
  /* expect_rows reads 4 times (different chunk sizes): 4 files, each with the two records */
  arena *ar = arena_new("t", 1024);
  list_acc acc = {0, {0}};
  buf_init(&acc.text);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(fs_list(fs_local(), dir, true, list_cb, &acc, &e), &e);
  ASSERT_EQ_INT(acc.files, 4);
  const char *t = buf_cstr(&acc.text);
  ASSERT_CONTAINS(t, "\"line\":3,\"record\":\"2,x\",\"reason\":\"");
  ASSERT_CONTAINS(t, "b.csv:3:3: malformed record: column 2 (n): cannot parse 'x' as INT\"}");
  ASSERT_CONTAINS(t, "\"line\":4,\"record\":\"3\",\"reason\":");
  ASSERT_CONTAINS(t, "expected 2 fields, found 1");
  ASSERT_CONTAINS(t, "{\"path\":\"");
  buf_deinit(&acc.text);
  arena_free(ar);
}


/* ---- types --------------------------------------------------------------------------------- */

TEST(csv_integer_types) {
  const char *p = WFILE("i.csv", "127,32767,2147483647,9223372036854775807\n-128,-32768,-2147483648,-9223372036854775808\n"
                                 "128,32768,2147483648,9223372036854775808\n+1,007,-0,1e3\n");
  const char *s = "STRUCT<a: TINYINT, b: SMALLINT, c: INT, d: BIGINT>";
  expect_rows(p, NULL, s,
              "127|32767|2147483647|9223372036854775807\n-128|-32768|-2147483648|-9223372036854775808\n"
              "\\N|\\N|\\N|\\N\n1|7|0|\\N\n");
}

TEST(csv_decimal_rounding_and_overflow) {
  const char *p = WFILE("d.csv", "1.005\n-1.005\n1.004\n999.99\n999.995\n1000\n\"1,234.5\"\n.5\n-0.001\n1e2\nabc\n");
  expect_rows(p, NULL, "STRUCT<d: DECIMAL(5,2)>",
              "1.01\n-1.01\n1.00\n999.99\n\\N\n\\N\n\\N\n0.50\n0.00\n100.00\n\\N\n");
  expect_rows(p, NULL, "STRUCT<d: DECIMAL(7,2)>",
              "1.01\n-1.01\n1.00\n999.99\n1000.00\n1000.00\n1234.50\n0.50\n0.00\n100.00\n\\N\n");
  p = WFILE("w.csv", "12345678901234567890.1234567890\n-0.00000000005\n");
  expect_rows(p, NULL, "STRUCT<d: DECIMAL(38,10)>", "12345678901234567890.1234567890\n-0.0000000001\n");
  expect_rows(p, NULL, "STRUCT<d: DECIMAL(18,2)>", "\\N\n0.00\n");
}

TEST(csv_double_float_bool) {
  const char *p = WFILE("f.csv", "0.1,0.1,true\n1e308,3.4e38,FALSE\n-2.5e-3,1e39,True\nNaN,Inf,yes\n-Inf,-0.0,\n"
                                 "123456789012345678901234567890,1.17549435e-38,false\n"
                                 "4.9e-324,16777217,true\n");
  expect_rows(p, NULL, "STRUCT<d: DOUBLE, f: FLOAT, b: BOOLEAN>",
              "0.1|0.1|true\n1e+308|3.4e+38|false\n-0.0025|inf|true\nnan|inf|\\N\n-inf|-0.0|\\N\n"
              "1.2345678901234568e+29|1.1754944e-38|false\n5e-324|16777216.0|true\n");
}

TEST(csv_dates_and_timestamps_default) {
  const char *p = WFILE("t.csv", "2024-03-25,2024-03-25 16:43:59.004281,2024-03-25T16:43:59\n"
                                 "2024-2-5,2024-03-25 16:43:59+02:00,2024-03-25 16:43:59Z\n"
                                 "2024-13-01,2024-03-25,1999-12-31 23:59:59.1\n"
                                 "0001-01-01,9999-12-31 23:59:59.999999,2024-02-29 00:00:00\n");
  expect_rows(p, NULL, "STRUCT<d: DATE, t: TIMESTAMP, n: TIMESTAMP_NTZ>",
              "2024-03-25|2024-03-25 16:43:59.004281+00|2024-03-25 16:43:59\n"
              "2024-02-05|2024-03-25 14:43:59+00|\\N\n"
              "\\N|2024-03-25 00:00:00+00|1999-12-31 23:59:59.1\n"
              "0001-01-01|9999-12-31 23:59:59.999999+00|2024-02-29 00:00:00\n");
}

TEST(csv_datetime_patterns) {
  const char *p = WFILE("p.csv", "25/03/2024,03/25/2024 16:43,2024-03-25 16:43:59\n"
                                 "5/3/2024,12/31/1999 00:00,2024-03-25 16:43:59.5\n"
                                 "31/02/2024,13/01/2024 10:00,2024-03-25 16:43:59.123\n");
  expect_rows(p, OPTS("dateFormat=d/M/yyyy", "timestampFormat=MM/dd/yyyy HH:mm", "timestampNTZFormat=yyyy-MM-dd HH:mm:ss[.SSS]"),
              "STRUCT<d: DATE, t: TIMESTAMP, n: TIMESTAMP_NTZ>",
              "2024-03-25|2024-03-25 16:43:00+00|2024-03-25 16:43:59\n"
              "2024-03-05|1999-12-31 00:00:00+00|2024-03-25 16:43:59.5\n"
              "\\N|\\N|2024-03-25 16:43:59.123\n");
  p = WFILE("p2.csv", "Mar 5 2024 07:05:09 PM,2024-03-25T16:43:59.004+05:30,20240325\n"
                      "December 1 2024 12:00:00 AM,2024-03-25T16:43:59Z,20240230\n");
  expect_rows(p, OPTS("timestampFormat=MMM d yyyy hh:mm:ss a", "timestampNTZFormat=yyyyMMdd"),
              "STRUCT<a: TIMESTAMP, b: STRING, c: TIMESTAMP_NTZ>",
              "2024-03-05 19:05:09+00|\"2024-03-25T16:43:59.004+05:30\"|2024-03-25 00:00:00\n"
              "\\N|\"2024-03-25T16:43:59Z\"|\\N\n");
  expect_rows(p, OPTS("timestampFormat=MMMM d yyyy hh:mm:ss a"), "STRUCT<a: TIMESTAMP, b: STRING, c: STRING>",
              "\\N|\"2024-03-25T16:43:59.004+05:30\"|\"20240325\"\n"
              "2024-12-01 00:00:00+00|\"2024-03-25T16:43:59Z\"|\"20240230\"\n");
  expect_rows(p, OPTS("timestampFormat=yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX"), "STRUCT<a: STRING, b: TIMESTAMP, c: STRING>",
              "\"Mar 5 2024 07:05:09 PM\"|2024-03-25 11:13:59.004+00|\"20240325\"\n"
              "\"December 1 2024 12:00:00 AM\"|2024-03-25 16:43:59+00|\"20240230\"\n");
}

TEST(csv_datetime_pattern_errors) {
  /* The patterns themselves are tested in test_txt_dtfmt.c; here: a bad one fails the open. */
  const char *p = WFILE("x.csv", "1\n");
  expect_error(p, OPTS("dateFormat=yyyy-ww"), "STRUCT<a: DATE>", LAGO_BIND, "unsupported letter 'w'");
}

TEST(csv_binary_and_unsupported_types) {
  const char *p = WFILE("x.csv", "abc\n");
  expect_error(p, NULL, "STRUCT<a: ARRAY<INT>>", LAGO_UNSUPPORTED, "csv cannot read column 'a' as ARRAY");
  expect_error(p, NULL, "STRUCT<a: INT, _corrupt_record: INT>", LAGO_BIND, "must be STRING");
}

/* ---- limits and sizes --------------------------------------------------------------------- */

TEST(csv_very_long_field) {
  size_t n = 3 << 20;
  char *content = malloc(n + 16);
  memcpy(content, "1,\"", 3);
  for (size_t i = 3; i < n; i++) content[i] = (char)('a' + i % 26);
  content[n / 2] = '\n';
  memcpy(content + n, "\"\n2,x\n", 6);
  const char *p = wfile("long.csv", content, n + 6);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  set_opts(&o, ar, OPTS("multiLine=true"));
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, S2, &s, &e), &e);
  csv_reader *r;
  ASSERT_OK(csv_reader_open(fs_local(), p, &o, s, &r, &e), &e);
  batch *b;
  csv_batch_info bi;
  ASSERT_OK(csv_reader_next(r, NULL, &b, &bi, &e), &e);
  ASSERT_EQ_UINT(b->n_rows, 2);
  const lago_str *v = VEC_DATA(&b->cols[1], lago_str);
  ASSERT_EQ_UINT(v[0].len, n - 3);
  ASSERT(memcmp(str_data(&v[0]), content + 3, n - 3) == 0);
  ASSERT_EQ_UINT(bi.lines[1], 3);
  csv_reader_close(r);
  /* maxCharsPerColumn */
  set_opts(&o, ar, OPTS("multiLine=true", "maxCharsPerColumn=1000"));
  ASSERT_OK(csv_reader_open(fs_local(), p, &o, s, &r, &e), &e);
  ASSERT_RC(csv_reader_next(r, NULL, &b, &bi, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "long.csv:1: field 2 is longer than maxCharsPerColumn");
  csv_reader_close(r);
  arena_free(ar);
  free(content);
}

TEST(csv_many_columns) {
  enum { N = 3000 };
  buf content, schema;
  buf_init(&content);
  buf_init(&schema);
  buf_puts(&schema, "STRUCT<");
  for (int row = 0; row < 3; row++) {
    for (int c = 0; c < N; c++) buf_printf(&content, "%s%d", c ? "," : "", row * N + c);
    buf_putc(&content, '\n');
  }
  for (int c = 0; c < N; c++) buf_printf(&schema, "%sc%d: INT", c ? ", " : "", c);
  buf_puts(&schema, ">");
  const char *p = wfile("many.csv", content.data, content.len);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  set_opts(&o, ar, NULL);
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, buf_cstr(&schema), &s, &e), &e);
  csv_reader *r;
  ASSERT_OK(csv_reader_open(fs_local(), p, &o, s, &r, &e), &e);
  batch *b;
  ASSERT_OK(csv_reader_next(r, NULL, &b, NULL, &e), &e);
  ASSERT_EQ_UINT(b->n_rows, 3);
  ASSERT_EQ_INT(VEC_DATA(&b->cols[N - 1], int32_t)[2], 3 * N - 1);
  ASSERT_EQ_INT(VEC_DATA(&b->cols[17], int32_t)[1], N + 17);
  csv_reader_close(r);
  /* maxColumns */
  set_opts(&o, ar, OPTS("maxColumns=100"));
  ASSERT_OK(csv_reader_open(fs_local(), p, &o, s, &r, &e), &e);
  ASSERT_RC(csv_reader_next(r, NULL, &b, NULL, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "many.csv:1: record has more than maxColumns (100) fields");
  csv_reader_close(r);
  arena_free(ar);
  buf_deinit(&content);
  buf_deinit(&schema);
}

TEST(csv_many_rows_batches_and_lines) {
  buf content;
  buf_init(&content);
  for (int i = 0; i < 5000; i++) buf_printf(&content, "%d,\"v%d\"\n", i, i);
  const char *p = wfile("rows.csv", content.data, content.len);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  set_opts(&o, ar, NULL);
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<i: BIGINT, v: STRING>", &s, &e), &e);
  csv_reader *r;
  ASSERT_OK(csv_reader_open(fs_local(), p, &o, s, &r, &e), &e);
  csv_reader_set_chunk(r, 1000);
  int64_t next = 0;
  uint32_t batches = 0;
  for (;;) {
    batch *b;
    csv_batch_info bi;
    ASSERT_OK(csv_reader_next(r, NULL, &b, &bi, &e), &e);
    if (!b->n_rows) break;
    batches++;
    ASSERT(b->n_rows <= LAGO_VECTOR_SIZE);
    for (uint32_t i = 0; i < b->n_rows; i++, next++) {
      ASSERT_EQ_INT(VEC_DATA(&b->cols[0], int64_t)[i], next);
      ASSERT_EQ_UINT(bi.lines[i], (uint64_t)next + 1);
    }
  }
  ASSERT_EQ_INT(next, 5000);
  ASSERT_EQ_UINT(batches, 3);
  ASSERT_EQ_UINT(csv_reader_stats(r)->rows, 5000);
  csv_reader_close(r);
  arena_free(ar);
  buf_deinit(&content);
}

/* ---- options ------------------------------------------------------------------------------- */

TEST(csv_options_parse_and_check) {
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_EQ_INT(o.header, 0);
  ASSERT_EQ_INT(o.sep[0], ',');
  ASSERT_EQ_INT(o.quote, '"');
  ASSERT_EQ_INT(o.escape, '\\');
  ASSERT_EQ_INT(o.mode, CSV_PERMISSIVE);
  ASSERT_EQ_STR(o.corrupt_column, "_corrupt_record");
  ASSERT_EQ_INT(o.max_columns, 20480);
  ASSERT_OK(csv_options_set(&o, ar, "HEADER", "TRUE", &e), &e);
  ASSERT_EQ_INT(o.header, 1);
  ASSERT_OK(csv_options_set(&o, ar, "cloudFiles.inferColumnTypes", "true", &e), &e);
  ASSERT_EQ_INT(o.infer_schema, 1);
  ASSERT_OK(csv_options_set(&o, ar, "mode", "failfast", &e), &e);
  ASSERT_EQ_INT(o.mode, CSV_FAILFAST);
  ASSERT_RC(csv_options_set(&o, ar, "mode", "lenient", &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "csv option mode: expected PERMISSIVE, DROPMALFORMED or FAILFAST, got 'lenient'");
  lago_err_clear(&e);
  ASSERT_RC(csv_options_set(&o, ar, "frobnicate", "1", &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "unknown csv option 'frobnicate'");
  lago_err_clear(&e);
  ASSERT_RC(csv_options_set(&o, ar, "header", "yes", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(csv_options_set(&o, ar, "encoding", "latin1", &e), LAGO_UNSUPPORTED);
  lago_err_clear(&e);
  ASSERT_RC(csv_options_set(&o, ar, "samplingRatio", "0", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(csv_options_set(&o, ar, "sep", "123456789", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_OK(csv_options_set(&o, ar, "quote", ",", &e), &e);
  ASSERT_RC(csv_options_check(&o, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "sep and quote are the same");
  lago_err_clear(&e);
  csv_options_init(&o);
  ASSERT_OK(csv_options_set(&o, ar, "sep", "\\n", &e), &e);
  ASSERT_RC(csv_options_check(&o, &e), LAGO_BIND);
  arena_free(ar);
}

/* ---- failures: allocation and I/O ---------------------------------------------------------- */

typedef struct oom_ctx {
  const char *path;
  const char *const *kv;
  const char *schema;
} oom_ctx;

static int oom_read(void *ud) {
  oom_ctx *c = ud;
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  arena *ar = arena_new("t", 256);
  if (!ar) return LAGO_NOMEM;
  csv_options o;
  csv_options_init(&o);
  int rc = LAGO_OK;
  for (const char *const *kv = c->kv; !rc && kv && *kv; kv++) {
    char key[64];
    const char *eq = strchr(*kv, '=');
    memcpy(key, *kv, (size_t)(eq - *kv));
    key[eq - *kv] = 0;
    rc = csv_options_set(&o, ar, key, eq + 1, &e);
  }
  lago_type s;
  if (!rc) rc = type_parse(ar, c->schema, &s, &e);
  if (!rc) rc = csv_infer_schema(fs_local(), &c->path, 1, &o, ar, &s, &e);
  csv_reader *r = NULL;
  if (!rc) rc = csv_reader_open(fs_local(), c->path, &o, s, &r, &e);
  if (!rc) csv_reader_set_chunk(r, 7);
  while (!rc) {
    batch *b;
    csv_batch_info bi;
    rc = csv_reader_next(r, NULL, &b, &bi, &e);
    if (rc || !b->n_rows) break;
    rc = render(b, &bi, true, &out);
  }
  csv_reader_close(r);
  arena_free(ar);
  buf_deinit(&out);
  return rc;
}

TEST(csv_allocation_failure_sweep) {
  const char *p = WFILE("o.csv", "id,name,amount,ts\n1,\"a,b\",1.50,2024-01-01 00:00:00\n2,\"x\"\"y\",2.5,bad\n"
                                 "3,\"multi\nline that is long enough\",x,\n4,caf\xc3\xa9 au lait long string,4,2024-02-02\n");
  oom_ctx c = {p, OPTS("header=true", "inferSchema=true", "multiLine=true", "prefersDecimal=true"), "STRUCT<a: INT>"};
  int runs = test_oom_sweep(oom_read, &c, 2000);
  ASSERT(runs > 20);
  oom_ctx c2 = {p, OPTS("header=true", "mode=DROPMALFORMED", "badRecordsPath=/nonexistent-dir-for-test/x"), "STRUCT<a: INT>"};
  test_oom_sweep(oom_read, &c2, 2000);
}

TEST(csv_io_failures) {
  buf content;
  buf_init(&content);
  for (int i = 0; i < 3000; i++) buf_printf(&content, "%d,v%d\n", i, i);
  const char *p = wfile("io.csv", content.data, content.len);
  arena *ar = arena_new("t", 1024);
  csv_options o;
  csv_options_init(&o);
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: INT, b: STRING>", &s, &e), &e);
  for (long k = 1; k <= 12; k++) {
    lago_fs *ffs = fs_faulty_new(fs_local(), k, true);
    csv_reader *r = NULL;
    lago_err_clear(&e);
    int rc = csv_reader_open(ffs, p, &o, s, &r, &e);
    if (!rc) csv_reader_set_chunk(r, 4096);
    uint64_t rows = 0;
    while (!rc) {
      batch *b;
      rc = csv_reader_next(r, NULL, &b, NULL, &e);
      if (rc || !b->n_rows) break;
      rows += b->n_rows;
    }
    if (rc) {
      ASSERT_RC(rc, LAGO_IO);
      ASSERT_CONTAINS(e.msg, "injected I/O failure");
    } else {
      ASSERT_EQ_UINT(rows, 3000);
    }
    csv_reader_close(r);
    fs_free(ffs);
  }
  arena_free(ar);
  buf_deinit(&content);
}

TEST(csv_enforce_schema_header_check) {
  const char *p = WFILE("h.csv", "id,Name\n1,x\n");
  expect_rows(p, OPTS("header=true", "enforceSchema=false"), "STRUCT<ID: INT, name: STRING>", "1|\"x\"\n");
  expect_error(p, OPTS("header=true", "enforceSchema=false"), "STRUCT<id: INT, nom: STRING>", LAGO_BIND,
               "h.csv: CSV header does not conform to the schema: column 2 is 'Name' in the header, 'nom' in the schema");
  expect_error(p, OPTS("header=true", "enforceSchema=false"), "STRUCT<id: INT>", LAGO_BIND,
               "CSV header has 2 columns, the schema 1");
  /* enforceSchema=true (default): names are not checked, columns are positional */
  expect_rows(p, OPTS("header=true"), "STRUCT<a: INT, b: STRING>", "1|\"x\"\n");
}
