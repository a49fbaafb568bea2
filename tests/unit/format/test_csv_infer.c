/*
** tests/unit/format/test_csv_infer.c: csv_infer_schema (names, types,
** widening across values and files, sampling, schemaHints).
*/
#include <stdio.h>
#include <string.h>

#include "format/csv/csv.h"
#include "test.h"

static const char *wfile(const char *name, const char *content) {
  static char paths[8][512];
  static int k;
  char *p = paths[k++ % 8];
  snprintf(p, 512, "%s/%s", test_tmpdir(), name);
  FILE *f = fopen(p, "wb");
  if (!f) test_fail_(__FILE__, __LINE__, "cannot write %s", p);
  fputs(content, f);
  fclose(f);
  return p;
}

/* Infers over paths with "k=v" options; returns the Spark SQL spelling (in ar). */
static const char *infer(arena *ar, const char *const *paths, uint32_t n, const char *const *kv, int want_rc,
                         lago_err *e) {
  csv_options o;
  csv_options_init(&o);
  lago_err_clear(e);
  for (; kv && *kv; kv++) {
    char key[64];
    const char *eq = strchr(*kv, '=');
    memcpy(key, *kv, (size_t)(eq - *kv));
    key[eq - *kv] = 0;
    ASSERT_OK(csv_options_set(&o, ar, key, eq + 1, e), e);
  }
  lago_type t;
  int rc = csv_infer_schema(fs_local(), paths, n, &o, ar, &t, e);
  ASSERT_RC(rc, want_rc);
  return rc ? NULL : type_sql_name(ar, t);
}

#define OPTS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PATHS(...) ((const char *const[]){__VA_ARGS__})

TEST(csv_infer_types_per_value) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  const char *p = wfile("a.csv",
                        "i,l,big,huge,d,dd,b,date,ts,s,nul,mixed\n"
                        "1,1,1,1,1.5,1.5,true,2024-01-01,2024-01-01 10:00:00,x,,1\n"
                        "-2,3000000000,12345678901234567890,123456789012345678901234567890123456789,2,1e3,FALSE,1999-12-31,2024-01-01,y,,true\n");
  const char *t = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<i: INT, l: BIGINT, big: DECIMAL(20,0), huge: DOUBLE, d: DOUBLE, dd: DOUBLE, b: BOOLEAN, "
                   "date: DATE, ts: TIMESTAMP, s: STRING, nul: STRING, mixed: STRING>");
  /* Auto Loader's default: everything STRING */
  t = infer(ar, PATHS(p), 1, OPTS("header=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<i: STRING, l: STRING, big: STRING, huge: STRING, d: STRING, dd: STRING, b: STRING, "
                   "date: STRING, ts: STRING, s: STRING, nul: STRING, mixed: STRING>");
  arena_free(ar);
}

TEST(csv_infer_decimals_and_widening) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  const char *p = wfile("d.csv", "a,b,c,d\n1.50,1,10,2024-01-01\n-12.125,2.5,99999999999,2024-01-01 00:00:01\n0.5,,,\n");
  const char *t = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true", "prefersDecimal=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<a: DECIMAL(5,3), b: DECIMAL(11,1), c: BIGINT, d: TIMESTAMP>");
  t = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<a: DOUBLE, b: DOUBLE, c: BIGINT, d: TIMESTAMP>");
  /* Across files: INT in one, BIGINT in the next -> BIGINT; DATE + DATE stays; BOOLEAN + INT -> STRING */
  const char *f1 = wfile("f1.csv", "x,y,z\n1,2024-01-01,true\n");
  const char *f2 = wfile("f2.csv", "x,y,z\n5000000000,2024-02-02,1\n");
  t = infer(ar, PATHS(f1, f2), 2, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<x: BIGINT, y: DATE, z: STRING>");
  /* the order of files does not matter */
  t = infer(ar, PATHS(f2, f1), 2, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<x: BIGINT, y: DATE, z: STRING>");
  /* dates: preferDate=false -> TIMESTAMP; dateFormat decides what is a date */
  t = infer(ar, PATHS(f1), 1, OPTS("header=true", "inferSchema=true", "preferDate=false"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<x: INT, y: TIMESTAMP, z: BOOLEAN>");
  const char *f3 = wfile("f3.csv", "d\n25/12/2024\n01/01/2025\n");
  t = infer(ar, PATHS(f3), 1, OPTS("header=true", "inferSchema=true", "dateFormat=dd/MM/yyyy"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<d: DATE>");
  t = infer(ar, PATHS(f3), 1, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<d: STRING>");
  /* wide decimals past 38 digits become DOUBLE */
  const char *f4 = wfile("f4.csv", "v\n12345678901234567890123456789012345678\n0.12345678901234567890\n");
  t = infer(ar, PATHS(f4), 1, OPTS("header=true", "inferSchema=true", "prefersDecimal=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<v: DOUBLE>");
  arena_free(ar);
}

TEST(csv_infer_header_names) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  const char *p = wfile("h.csv", "a,,A,b,a\n1,2,3,4,5\n");
  const char *t = infer(ar, PATHS(p), 1, OPTS("header=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<a0: STRING, _c1: STRING, A2: STRING, b: STRING, a4: STRING>");
  t = infer(ar, PATHS(p), 1, NULL, LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<_c0: STRING, _c1: STRING, _c2: STRING, _c3: STRING, _c4: STRING>");
  /* quoted names, BOM, names with spaces */
  p = wfile("q.csv", "\xef\xbb\xbf\"my col\",\"x,y\"\n1,2\n");
  t = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<`my col`: INT, `x,y`: INT>");
  /* empty files are skipped; the first file with a record decides the columns */
  const char *e1 = wfile("empty.csv", "");
  const char *e2 = wfile("three.csv", "1,2,3\n4,5,6,7\n");
  t = infer(ar, PATHS(e1, e2), 2, OPTS("inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<_c0: INT, _c1: INT, _c2: INT>");
  t = infer(ar, PATHS(e1), 1, OPTS("inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<>");
  arena_free(ar);
}

TEST(csv_infer_sampling_and_limits) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  buf b;
  buf_init(&b);
  buf_puts(&b, "v\n");
  for (int i = 0; i < 5000; i++) buf_printf(&b, "%d\n", i);
  buf_puts(&b, "not a number\n");
  const char *p = wfile("s.csv", buf_cstr(&b));
  const char *t = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<v: STRING>");
  t = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true", "inferMaxRows=100"), LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<v: INT>");
  /* sampling is deterministic: the same answer every time */
  const char *t1 = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true", "samplingRatio=0.1"), LAGO_OK, &e);
  const char *t2 = infer(ar, PATHS(p), 1, OPTS("header=true", "inferSchema=true", "samplingRatio=0.1"), LAGO_OK, &e);
  ASSERT_EQ_STR(t1, t2);
  buf_deinit(&b);
  arena_free(ar);
}

TEST(csv_infer_schema_hints) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  const char *p = wfile("h.csv", "id,amount,odd col,note\n1,1.5,2,y\n");
  const char *t = infer(ar, PATHS(p), 1,
                        OPTS("header=true", "inferSchema=true", "schemaHints=amount DECIMAL(18,2), ID bigint,`odd col`  string, missing INT"),
                        LAGO_OK, &e);
  ASSERT_EQ_STR(t, "STRUCT<id: BIGINT, amount: DECIMAL(18,2), `odd col`: STRING, note: STRING>");
  lago_type h;
  lago_err_clear(&e);
  ASSERT_OK(csv_parse_schema_hints(ar, "`a b` INT, c ARRAY<STRING>", &h, &e), &e);
  ASSERT_EQ_STR(type_sql_name(ar, h), "STRUCT<`a b`: INT, c: ARRAY<STRING>>");
  lago_err_clear(&e);
  ASSERT_RC(csv_parse_schema_hints(ar, "a INTX", &h, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "schemaHints: column 'a'");
  lago_err_clear(&e);
  ASSERT_RC(csv_parse_schema_hints(ar, "a INT b INT", &h, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "expected ','");
  lago_err_clear(&e);
  ASSERT_RC(csv_parse_schema_hints(ar, "a.b INT", &h, &e), LAGO_UNSUPPORTED);
  arena_free(ar);
}
