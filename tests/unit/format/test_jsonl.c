/*
** tests/unit/format/test_jsonl.c: the JSON data file reader (format/json)
** on real files: values of every type, nested structures, field matching,
** modes and their exact messages, corrupt and rescued data columns, every
** option, multiLine documents, line numbers. Every read is repeated with
** 1, 2, 7 and 64-byte chunks and must give the same rows (test_jsonl.h).
*/
#include "test_jsonl.h"

static jsonl_options opts(void) {
  jsonl_options o;
  jsonl_options_init(&o);
  return o;
}

/* ---- values ---------------------------------------------------------------------------- */

TEST(jsonl_scalars) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("s.jsonl",
                           "{\"b\":true,\"i8\":-128,\"i16\":32767,\"i32\":-2147483648,\"i64\":9223372036854775807,"
                           "\"f\":1.5,\"d\":0.1,\"s\":\"h\\u00e9\\n\\\"x\\\"\",\"dt\":\"2024-02-29\","
                           "\"ts\":\"2024-01-02 03:04:05.123456\",\"ntz\":\"2024-01-02T03:04:05\",\"bin\":\"AAH/\"}\n"
                           "{\"b\":false,\"i8\":127,\"i16\":-32768,\"i32\":2147483647,\"i64\":-9223372036854775808,"
                           "\"f\":-0.0,\"d\":1e308,\"s\":\"\",\"dt\":\"1969-12-31\",\"ts\":\"2024-01-02T03:04:05Z\","
                           "\"ntz\":\"1900-01-01 00:00:00\",\"bin\":\"\"}\n"
                           "{}\n");
  char *rows = jt_rows(p, &o,
                       "STRUCT<b: BOOLEAN, i8: TINYINT, i16: SMALLINT, i32: INT, i64: BIGINT, f: FLOAT, d: DOUBLE, "
                       "s: STRING, dt: DATE, ts: TIMESTAMP, ntz: TIMESTAMP_NTZ, bin: BINARY>");
  ASSERT_EQ_STR(rows,
                "1:true,-128,32767,-2147483648,9223372036854775807,1.5,0.1,\"hé\n\"\"x\"\"\",2024-02-29,"
                "2024-01-02 03:04:05.123456+00,2024-01-02 03:04:05,0x0001ff\n"
                "2:false,127,-32768,2147483647,-9223372036854775808,-0.0,1e+308,\"\",1969-12-31,"
                "2024-01-02 03:04:05+00,1900-01-01 00:00:00,0x\n"
                "3:\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N,\\N\n");
}

TEST(jsonl_decimals_exact) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("d.jsonl",
                           "{\"a\":1.005,\"b\":12345678901234567890.123456789}\n"
                           "{\"a\":-1.015,\"b\":\"-0.5\"}\n"
                           "{\"a\":1e-3,\"b\":1E2}\n"
                           "{\"a\":\"1,234.5\",\"b\":0.0000000000000000000000000000001}\n"
                           "{\"a\":99999999.995,\"b\":1234567890123456789012345678901234.5}\n");
  char *rows = jt_rows(p, &o, "STRUCT<a: DECIMAL(10,2), b: DECIMAL(38,5), _corrupt_record: STRING>");
  /* Half up on the magnitude; too many digits for the precision: malformed (that value NULL). */
  ASSERT_EQ_STR(rows,
                "1:1.01,12345678901234567890.12346,\\N\n"
                "2:-1.02,-0.50000,\\N\n"
                "3:0.00,100.00000,\\N\n"
                "4:1234.50,0.00000,\\N\n"
                "5:\\N,\\N,\"{\"\"a\"\":99999999.995,\"\"b\"\":1234567890123456789012345678901234.5}\"\n");
}

TEST(jsonl_doubles_exact) {
  jsonl_options o = opts();
  /* Fast path and strtod path; the shortest text must read back the same. */
  const char *p = JT_WRITE("f.jsonl",
                           "{\"d\":0.30000000000000004,\"f\":3.4028235e38}\n"
                           "{\"d\":123456789012345678901234567890,\"f\":1e-46}\n"
                           "{\"d\":2.2250738585072011e-308,\"f\":16777217}\n"
                           "{\"d\":-1e400,\"f\":0.1}\n"
                           "{\"d\":NaN,\"f\":\"Infinity\"}\n"
                           "{\"d\":\"-INF\",\"f\":-Infinity}\n"
                           "{\"d\":5e-324,\"f\":\"+INF\"}\n");
  char *rows = jt_rows(p, &o, "STRUCT<d: DOUBLE, f: FLOAT>");
  ASSERT_EQ_STR(rows,
                "1:0.30000000000000004,3.4028235e+38\n"
                "2:1.2345678901234568e+29,0.0\n"
                "3:2.225073858507201e-308,16777216.0\n"
                "4:-inf,0.1\n"
                "5:nan,inf\n"
                "6:-inf,-inf\n"
                "7:5e-324,inf\n");
}

TEST(jsonl_int_mismatches) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("i.jsonl",
                           "{\"a\":1.0}\n"
                           "{\"a\":1e2}\n"
                           "{\"a\":\"7\"}\n"
                           "{\"a\":128}\n"
                           "{\"a\":-129}\n"
                           "{\"a\":true}\n"
                           "{\"a\":[1]}\n"
                           "{\"a\":{\"x\":1}}\n"
                           "{\"a\":null}\n"
                           "{\"a\":-0}\n");
  char *rows = jt_rows(p, &o, "STRUCT<a: TINYINT, _corrupt_record: STRING>");
  ASSERT_EQ_STR(rows,
                "1:\\N,\"{\"\"a\"\":1.0}\"\n"
                "2:\\N,\"{\"\"a\"\":1e2}\"\n"
                "3:\\N,\"{\"\"a\"\":\"\"7\"\"}\"\n"
                "4:\\N,\"{\"\"a\"\":128}\"\n"
                "5:\\N,\"{\"\"a\"\":-129}\"\n"
                "6:\\N,\"{\"\"a\"\":true}\"\n"
                "7:\\N,\"{\"\"a\"\":[1]}\"\n"
                "8:\\N,\"{\"\"a\"\":{\"\"x\"\":1}}\"\n"
                "9:\\N,\\N\n"
                "10:0,\\N\n");
}

TEST(jsonl_unsigned_and_bigint_limits) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("u.jsonl",
                           "{\"a\":18446744073709551615,\"b\":9223372036854775808}\n"
                           "{\"a\":18446744073709551616,\"b\":-9223372036854775809,\"c\":255}\n"
                           "{\"a\":-1,\"b\":00,\"c\":256}\n");
  /* UBIGINT has no SQL spelling (Parquet files carry it): build the schema by hand. */
  const char *names[] = {"a", "b", "c"};
  lago_type types[] = {type_make(LT_UBIGINT), type_make(LT_BIGINT), type_make(LT_UTINYINT)};
  lago_type s;
  ASSERT_OK(type_struct(jt_ar(), 3, names, types, NULL, &s), NULL);
  int rc;
  lago_err e;
  char *rows = jt_read_chunk(p, &o, s, 0, true, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(rows, "1:18446744073709551615,\\N,\\N\n2:\\N,\\N,255\n3:\\N,\\N,\\N\n");
}

TEST(jsonl_strings_from_other_values) {
  jsonl_options o = opts();
  /* A STRING field takes any value: non-strings as their source text (Spark's exact string parsing). */
  const char *p = JT_WRITE("s.jsonl",
                           "{\"s\":12.50}\n"
                           "{\"s\":true}\n"
                           "{\"s\":{ \"a\" : [1, \"x\"] }}\n"
                           "{\"s\":[]}\n"
                           "{\"s\":null}\n"
                           "{\"s\":\"\\ud83e\\udd86 \\/ \\b\\f\\r\\t\"}\n");
  char *rows = jt_rows(p, &o, "STRUCT<s: STRING>");
  ASSERT_EQ_STR(rows,
                "1:\"12.50\"\n2:\"true\"\n3:\"{ \"\"a\"\" : [1, \"\"x\"\"] }\"\n4:\"[]\"\n5:\\N\n"
                "6:\"\xf0\x9f\xa6\x86 / \b\f\r\t\"\n");
}

TEST(jsonl_dates_and_timestamps) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("t.jsonl",
                           "{\"d\":\"2024-1-5\",\"t\":\"2024-01-05 10:00\",\"n\":\"2024-01-05T10:00:00.5\"}\n"
                           "{\"d\":\"2024-01-05T23:00:00\",\"t\":\"2024-01-05T10:00:00+02:00\",\"n\":\"2024-01-05 10:00:00+02:00\"}\n"
                           "{\"d\":\"2022\",\"t\":1700000000,\"n\":1700000000}\n"
                           "{\"d\":\"2023-02-29\",\"t\":\"\",\"n\":\"x\"}\n");
  char *rows = jt_rows(p, &o, "STRUCT<d: DATE, t: TIMESTAMP, n: TIMESTAMP_NTZ>");
  /* NTZ takes no zone and no numbers; TIMESTAMP takes seconds; DATE a year alone (Spark's cast). */
  ASSERT_EQ_STR(rows,
                "1:2024-01-05,2024-01-05 10:00:00+00,2024-01-05 10:00:00.5\n"
                "2:2024-01-05,2024-01-05 08:00:00+00,\\N\n"
                "3:2022-01-01,2023-11-14 22:13:20+00,\\N\n"
                "4:\\N,\\N,\\N\n");
}

TEST(jsonl_datetime_formats) {
  jsonl_options o = opts();
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "dateFormat", "dd/MM/yyyy", &e), &e);
  ASSERT_OK(jsonl_options_set(&o, ar, "timestampFormat", "yyyy-MM-dd'T'HH:mm:ss[.SSS]XXX", &e), &e);
  ASSERT_OK(jsonl_options_set(&o, ar, "timestampNTZFormat", "MMM d yyyy h:mm a", &e), &e);
  const char *p = JT_WRITE("t.jsonl",
                           "{\"d\":\"05/01/2024\",\"t\":\"2024-01-05T10:00:00.250+01:00\",\"n\":\"Jan 5 2024 1:30 PM\"}\n"
                           "{\"d\":\"2024-01-05\",\"t\":\"2024-01-05 10:00:00\",\"n\":\"jan 5 2024 12:00 am\"}\n");
  char *rows = jt_rows(p, &o, "STRUCT<d: DATE, t: TIMESTAMP, n: TIMESTAMP_NTZ>");
  ASSERT_EQ_STR(rows,
                "1:2024-01-05,2024-01-05 09:00:00.25+00,2024-01-05 13:30:00\n"
                "2:\\N,\\N,2024-01-05 00:00:00\n");
  ASSERT_RC(jsonl_options_set(&o, ar, "dateFormat", "yyyy-QQ", &e), LAGO_OK);
  lago_err_clear(&e);
  ASSERT_RC(jsonl_options_check(&o, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "unsupported letter 'Q'");
}

/* ---- nested ---------------------------------------------------------------------------- */

TEST(jsonl_nested_structures) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("n.jsonl",
                           "{\"id\":1,\"items\":[{\"sku\":\"a\",\"qty\":2,\"tags\":[\"x\",\"y\"]},{\"sku\":\"b\",\"qty\":null}],"
                           "\"attrs\":{\"k1\":[1,2],\"k2\":[]},\"pt\":{\"x\":1.5,\"y\":{\"z\":true}}}\n"
                           "{\"id\":2,\"items\":[],\"attrs\":{},\"pt\":null}\n"
                           "{\"id\":3,\"items\":null,\"attrs\":null,\"pt\":{\"y\":null}}\n"
                           "{\"id\":4,\"items\":[null,{}],\"attrs\":{\"k\":null},\"pt\":{\"x\":2,\"extra\":[{\"deep\":[[1]]}]}}\n"
                           "{\"pt\":{\"y\":{}},\"id\":5,\"matrix\":[[1,2],[],[3]]}\n");
  char *rows = jt_rows(p, &o,
                       "STRUCT<id: BIGINT, items: ARRAY<STRUCT<sku: STRING, qty: INT, tags: ARRAY<STRING>>>, "
                       "attrs: MAP<STRING, ARRAY<INT>>, pt: STRUCT<x: DOUBLE, y: STRUCT<z: BOOLEAN>>, "
                       "matrix: ARRAY<ARRAY<INT>>>");
  ASSERT_EQ_STR(rows,
                "1:1,[{\"sku\":\"a\",\"qty\":2,\"tags\":[\"x\",\"y\"]},{\"sku\":\"b\",\"qty\":\\N,\"tags\":\\N}],"
                "{\"k1\":[1,2],\"k2\":[]},{\"x\":1.5,\"y\":{\"z\":true}},\\N\n"
                "2:2,[],{},\\N,\\N\n"
                "3:3,\\N,\\N,{\"x\":\\N,\"y\":\\N},\\N\n"
                "4:4,[\\N,{\"sku\":\\N,\"qty\":\\N,\"tags\":\\N}],{\"k\":\\N},{\"x\":2.0,\"y\":\\N},\\N\n"
                "5:5,\\N,\\N,{\"x\":\\N,\"y\":{\"z\":\\N}},[[1,2],[],[3]]\n");
}

TEST(jsonl_deep_structs_inside_lists) {
  jsonl_options o;
  jsonl_options_init(&o);
  const char *p = JT_WRITE("ds.jsonl",
                           "{\"a\":{\"b\":{\"c\":{\"d\":1}}},\"l\":[{\"s\":{\"t\":{\"u\":[{\"v\":{\"w\":2}}]}}}]}\n"
                           "{\"a\":{\"b\":null},\"l\":[{\"s\":null},{\"s\":{\"t\":{\"u\":[]}}}]}\n");
  /* jt_rows checks every nested vector's length (test_jsonl.h jt_check_vec). */
  ASSERT_EQ_STR(jt_rows(p, &o,
                        "STRUCT<a: STRUCT<b: STRUCT<c: STRUCT<d: INT>>>, "
                        "l: ARRAY<STRUCT<s: STRUCT<t: STRUCT<u: ARRAY<STRUCT<v: STRUCT<w: INT>>>>>>>>"),
                "1:{\"b\":{\"c\":{\"d\":1}}},[{\"s\":{\"t\":{\"u\":[{\"v\":{\"w\":2}}]}}}]\n"
                "2:{\"b\":\\N},[{\"s\":\\N},{\"s\":{\"t\":{\"u\":[]}}}]\n");
}

TEST(jsonl_nested_mismatch_keeps_the_rest) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("n.jsonl",
                           "{\"a\":[1,\"x\",3],\"m\":{\"k\":\"v\",\"j\":5},\"s\":{\"x\":\"bad\",\"y\":2},\"n\":7}\n"
                           "{\"a\":{\"0\":1},\"m\":[1],\"s\":5,\"n\":8}\n");
  char *rows = jt_rows(p, &o,
                       "STRUCT<a: ARRAY<INT>, m: MAP<STRING, INT>, s: STRUCT<x: INT, y: INT>, n: INT, "
                       "_corrupt_record: STRING>");
  /* Spark's partial results: the value that does not fit is NULL, the record is malformed. */
  ASSERT_EQ_STR(rows,
                "1:[1,\\N,3],{\"k\":\\N,\"j\":5},{\"x\":\\N,\"y\":2},7,"
                "\"{\"\"a\"\":[1,\"\"x\"\",3],\"\"m\"\":{\"\"k\"\":\"\"v\"\",\"\"j\"\":5},\"\"s\"\":{\"\"x\"\":\"\"bad\"\",\"\"y\"\":2},\"\"n\"\":7}\"\n"
                "2:\\N,\\N,\\N,8,\"{\"\"a\"\":{\"\"0\"\":1},\"\"m\"\":[1],\"\"s\"\":5,\"\"n\"\":8}\"\n");
}

TEST(jsonl_deep_nesting_is_bounded) {
  jsonl_options o = opts();
  buf b;
  buf_init(&b);
  buf_puts(&b, "{\"a\":1,\"skip\":");
  for (int i = 0; i < 5000; i++) buf_putc(&b, '[');
  for (int i = 0; i < 5000; i++) buf_putc(&b, ']');
  buf_puts(&b, "}\n{\"a\":2,\"skip\":");
  for (int i = 0; i < 1000; i++) buf_puts(&b, "{\"x\":");
  buf_puts(&b, "1");
  for (int i = 0; i < 1000; i++) buf_putc(&b, '}');
  buf_puts(&b, "}\n");
  const char *p = jt_write("deep.jsonl", b.data, b.len);
  char *rows = jt_rows(p, &o, "STRUCT<a: INT, _corrupt_record: STRING>");
  ASSERT(!strncmp(rows, "1:\\N,\"{\"\"a\"\":1,", 15)); /* 5000 levels: too deep, malformed */
  ASSERT_CONTAINS(rows, "\n2:2,\\N\n");                 /* 1000 levels: fine */
  o.mode = JSONL_FAILFAST;
  char *msg = jt_fail(p, &o, "STRUCT<a: INT>", LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "deep.jsonl:1:1039: malformed record: nesting too deep at '[[[[");
  buf_deinit(&b);
}

/* ---- field names --------------------------------------------------------------------------- */

TEST(jsonl_field_matching) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("f.jsonl",
                           "{\"Name\":\"a\",\"AGE\":1,\"unknown\":{\"x\":[1,2]},\"name\":\"b\"}\n"
                           "{\"age\":2,\"age\":3,\"nAmE\":\"c\"}\n"
                           "{\"n\\u0061me\":\"esc\",\"x y\":5}\n");
  /* Exact name first, then ASCII case-insensitive; unknown members skipped; the last duplicate wins. */
  char *rows = jt_rows(p, &o, "STRUCT<name: STRING, age: INT, `x y`: INT>");
  ASSERT_EQ_STR(rows, "1:\"b\",1,\\N\n2:\"c\",3,\\N\n3:\"esc\",\\N,5\n");
  /* Two fields that differ only by case: each takes its exact key; others match the first. */
  rows = jt_rows(p, &o, "STRUCT<NAME: STRING, name: STRING>");
  ASSERT_EQ_STR(rows, "1:\"a\",\"b\"\n2:\"c\",\\N\n3:\\N,\"esc\"\n");
}

TEST(jsonl_wide_records_out_of_order) {
  jsonl_options o = opts();
  buf b, s;
  buf_init(&b);
  buf_init(&s);
  buf_puts(&s, "STRUCT<");
  for (int i = 0; i < 100; i++) buf_printf(&s, "%sc%d: INT", i ? ", " : "", i);
  buf_puts(&s, ">");
  for (int r = 0; r < 3; r++) {
    buf_putc(&b, '{');
    for (int k = 0; k < 100; k++) {
      int i = r == 1 ? 99 - k : r == 2 ? (k * 37) % 100 : k;
      buf_printf(&b, "%s\"c%d\":%d", k ? "," : "", i, i * 10 + r);
    }
    buf_puts(&b, "}\n");
  }
  const char *p = jt_write("w.jsonl", b.data, b.len);
  char *rows = jt_rows(p, &o, buf_cstr(&s));
  buf want;
  buf_init(&want);
  for (int r = 0; r < 3; r++) {
    buf_printf(&want, "%d:", r + 1);
    for (int i = 0; i < 100; i++) buf_printf(&want, "%s%d", i ? "," : "", i * 10 + r);
    buf_putc(&want, '\n');
  }
  ASSERT_EQ_STR(rows, buf_cstr(&want));
  buf_deinit(&b);
  buf_deinit(&s);
  buf_deinit(&want);
}

/* ---- modes ---------------------------------------------------------------------------------- */

static const char bad_file[] =
    "{\"a\":1,\"b\":\"x\"}\n"
    "{\"a\":\"two\",\"b\":\"y\"}\n"
    "{\"a\":3,\"b\":\n"
    "[1,2]\n"
    "null\n"
    "{\"a\":6} trailing\n"
    "\n"
    "{\"a\":8,\"b\":\"z\"}\n";

TEST(jsonl_mode_permissive) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("m.jsonl", bad_file);
  char *rows = jt_rows(p, &o, "STRUCT<a: INT, b: STRING, _corrupt_record: STRING>");
  ASSERT_EQ_STR(rows,
                "1:1,\"x\",\\N\n"
                "2:\\N,\"y\",\"{\"\"a\"\":\"\"two\"\",\"\"b\"\":\"\"y\"\"}\"\n"
                "3:\\N,\\N,\"{\"\"a\"\":3,\"\"b\"\":\"\n"
                "4:\\N,\\N,\"1\"\n"
                "4:\\N,\\N,\"2\"\n"
                "5:\\N,\\N,\"null\"\n"
                "6:\\N,\\N,\"{\"\"a\"\":6} trailing\"\n"
                "8:8,\"z\",\\N\n");
  /* Without a corrupt record column the malformed rows are kept with NULLs. */
  rows = jt_rows(p, &o, "STRUCT<a: INT>");
  ASSERT_EQ_STR(rows, "1:1\n2:\\N\n3:\\N\n4:\\N\n4:\\N\n5:\\N\n6:\\N\n8:8\n");
  /* A custom corrupt column name. */
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "columnNameOfCorruptRecord", "bad", &e), &e);
  rows = jt_rows(p, &o, "STRUCT<bad: STRING, a: INT>");
  ASSERT_CONTAINS(rows, "2:\"{\"\"a\"\":\"\"two\"\",\"\"b\"\":\"\"y\"\"}\",\\N\n");
  ASSERT_CONTAINS(rows, "1:\\N,1\n");
}

TEST(jsonl_mode_dropmalformed) {
  jsonl_options o = opts();
  o.mode = JSONL_DROPMALFORMED;
  const char *p = JT_WRITE("m.jsonl", bad_file);
  char *rows = jt_rows(p, &o, "STRUCT<a: INT, b: STRING, _corrupt_record: STRING>");
  ASSERT_EQ_STR(rows, "1:1,\"x\",\\N\n8:8,\"z\",\\N\n");
  int rc;
  lago_err e;
  jsonl_stats st;
  (void)(jt_read_chunk(p, &o, jt_schema("STRUCT<a: INT>"), 0, false, &rc, &e, &st));
  ASSERT_OK(rc, &e);
  ASSERT_EQ_UINT(st.rows, 2);
  ASSERT_EQ_UINT(st.bad_rows, 6);
  ASSERT_EQ_UINT(st.dropped_rows, 6);
}

TEST(jsonl_mode_failfast_messages) {
  jsonl_options o = opts();
  o.mode = JSONL_FAILFAST;
  const char *s = "STRUCT<a: INT, b: STRING>";
  char want[1024];
  const char *p = JT_WRITE("f1.jsonl", "{\"a\":1}\n{\"a\":\"two\",\"b\":\"y\"}\n");
  snprintf(want, sizeof want, "%s:2:6: malformed record: field a: cannot read \"two\" as INT (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f2.jsonl", "{\"a\":3,\"b\":\n");
  snprintf(want, sizeof want, "%s:1:12: malformed record: unexpected end of record, expected a value (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f3.jsonl", "\n\n  [1,2]\n");
  snprintf(want, sizeof want, "%s:3:4: malformed record: not a JSON object: '1' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f4.jsonl", "{\"a\":6} trailing\n");
  snprintf(want, sizeof want, "%s:1:9: malformed record: unexpected text after the JSON value: 'trailing' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f5.jsonl", "{\"a\":1,\"b\":\"x\" \"c\":2}\r\n");
  snprintf(want, sizeof want, "%s:1:16: malformed record: expected ',' or '}' in an object at '\"c\":2}' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f6.jsonl", "{\"a\":1,\"b\":\"\xff\"}\n");
  snprintf(want, sizeof want, "%s:1:13: malformed record: invalid UTF-8 in a string at '\xef\xbf\xbd\"}' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f7.jsonl", "{\"a\":1}\n{\"b\":{\"c\":[1,{\"d\":tru}]}}\n");
  snprintf(want, sizeof want, "%s:2:19: malformed record: expected a value at 'tru}]}}' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("f8.jsonl", "{\"a\":1}\nnull\n");
  snprintf(want, sizeof want, "%s:2:1: malformed record: not a JSON object: 'null' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  /* Nested paths in messages. */
  p = JT_WRITE("f9.jsonl", "{\"s\":{\"arr\":[{\"x\":1},{\"x\":\"no\"}]}}\n");
  snprintf(want, sizeof want, "%s:1:27: malformed record: field s.arr[1].x: cannot read \"no\" as BIGINT (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, "STRUCT<s: STRUCT<arr: ARRAY<STRUCT<x: BIGINT>>>>", LAGO_CORRUPT), want);
  p = JT_WRITE("f10.jsonl", "{\"d\":\"\"}\n");
  snprintf(want, sizeof want, "%s:1:6: malformed record: field d: cannot read an empty string as DOUBLE (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, "STRUCT<d: DOUBLE>", LAGO_CORRUPT), want);
}

typedef struct found_file {
  char path[1024];
  int n;
} found_file;

static int jt_found(void *ud, const fs_entry *en) {
  found_file *f = ud;
  snprintf(f->path, sizeof f->path, "%s", en->path);
  f->n++;
  return LAGO_OK;
}

TEST(jsonl_bad_records_path) {
  jsonl_options o = opts();
  char dir[512];
  snprintf(dir, sizeof dir, "%s/bad", test_tmpdir());
  o.bad_records_path = dir;
  o.mode = JSONL_FAILFAST; /* with badRecordsPath bad records are logged, not fatal */
  const char *p = JT_WRITE("m.jsonl", bad_file);
  int rc;
  lago_err e;
  char *rows = jt_read_chunk(p, &o, jt_schema("STRUCT<a: INT, b: STRING>"), 0, true, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(rows, "1:1,\"x\"\n8:8,\"z\"\n");
  /* One file <dir>/<time>/bad_records/part-*.json with one JSON line per bad record. */
  found_file f = {"", 0};
  ASSERT_OK(fs_list(fs_local(), dir, true, jt_found, &f, &e), &e);
  ASSERT_EQ_INT(f.n, 1);
  ASSERT_CONTAINS(f.path, "/bad_records/part-");
  buf b;
  buf_init(&b);
  ASSERT_OK(fs_read_all(fs_local(), f.path, &b, &e), &e);
  char want[2048];
  snprintf(want, sizeof want,
           "{\"path\":\"%s\",\"line\":2,\"record\":\"{\\\"a\\\":\\\"two\\\",\\\"b\\\":\\\"y\\\"}\",\"reason\":\"%s:2:6: "
           "malformed record: field a: cannot read \\\"two\\\" as INT\"}\n",
           p, p);
  ASSERT(!strncmp(buf_cstr(&b), want, strlen(want)));
  int lines = 0;
  for (size_t i = 0; i < b.len; i++) lines += b.data[i] == '\n';
  ASSERT_EQ_INT(lines, 6);
  ASSERT_CONTAINS(buf_cstr(&b), "\"line\":4,\"record\":\"2\",\"reason\"");
  ASSERT_CONTAINS(buf_cstr(&b), "\"line\":6,\"record\":\"{\\\"a\\\":6} trailing\"");
  buf_deinit(&b);
}

/* ---- rescued data ----------------------------------------------------------------------------- */

TEST(jsonl_rescued_data) {
  jsonl_options o = opts();
  o.rescued_column = "_rescued_data";
  const char *p = JT_WRITE("r.jsonl",
                           "{\"id\":1,\"cost\":\"$100\",\"new\":{\"x\": [1, 2]},\"Id\":9}\n"
                           "{\"id\":2,\"cost\":300}\n"
                           "{\"id\":\"3\",\"s\":{\"a\":1,\"b\":\"q\",\"z\":null},\"arr\":[1,\"two\"]}\n"
                           "{\"id\":4,\"cost\":{\"broken\":}\n"
                           "{'id':5,\"cost\":NaN,\"esc\\\"key\":\"caf\\u00e9\"}\n");
  const char *s = "STRUCT<id: BIGINT, cost: BIGINT, s: STRUCT<a: INT, b: INT>, arr: ARRAY<INT>, "
                  "_rescued_data: STRING, _corrupt_record: STRING>";
  char *rows = jt_rows(p, &o, s);
  char want[4096];
  snprintf(want, sizeof want,
           "1:1,\\N,\\N,\\N,\"{\"\"cost\"\":\"\"$100\"\",\"\"new\"\":{\"\"x\"\":[1,2]},\"\"Id\"\":9,\"\"_file_path\"\":\"\"%s\"\"}\",\\N\n"
           "2:2,300,\\N,\\N,\\N,\\N\n"
           "3:\\N,\\N,{\"a\":1,\"b\":\\N},[1,\\N],\"{\"\"id\"\":\"\"3\"\",\"\"s.b\"\":\"\"q\"\",\"\"s.z\"\":null,"
           "\"\"arr[1]\"\":\"\"two\"\",\"\"_file_path\"\":\"\"%s\"\"}\",\\N\n"
           "4:\\N,\\N,\\N,\\N,\\N,\"{\"\"id\"\":4,\"\"cost\"\":{\"\"broken\"\":}\"\n"
           "5:5,\\N,\\N,\\N,\"{\"\"cost\"\":\"\"NaN\"\",\"\"esc\\\"\"key\"\":\"\"café\"\",\"\"_file_path\"\":\"\"%s\"\"}\",\\N\n",
           p, p, p);
  ASSERT_EQ_STR(rows, want);
  /* Type mismatches are rescued, not malformed: FAILFAST and DROPMALFORMED keep those rows. */
  o.mode = JSONL_DROPMALFORMED;
  rows = jt_rows(p, &o, s);
  ASSERT_CONTAINS(rows, "1:1,");
  ASSERT_CONTAINS(rows, "3:\\N,");
  ASSERT(!strstr(rows, "4:"));
  /* readerCaseSensitive=false: "Id" is read as id (the last one wins) instead of rescued. */
  o.mode = JSONL_PERMISSIVE;
  o.reader_case_sensitive = false;
  rows = jt_rows(p, &o, s);
  snprintf(want, sizeof want, "1:9,\\N,\\N,\\N,\"{\"\"cost\"\":\"\"$100\"\",\"\"new\"\":{\"\"x\"\":[1,2]},\"\"_file_path\"\":\"\"%s\"\"}\",\\N\n", p);
  ASSERT(!strncmp(rows, want, strlen(want)));
  /* The rescued column must be in the schema and STRING. */
  int rc;
  lago_err e;
  (void)(jt_read_chunk(p, &o, jt_schema("STRUCT<id: BIGINT>"), 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "rescuedDataColumn '_rescued_data' is not in the schema");
  (void)(jt_read_chunk(p, &o, jt_schema("STRUCT<id: BIGINT, _rescued_data: INT>"), 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "column '_rescued_data' must be STRING to hold rescued data");
}

/* ---- options ----------------------------------------------------------------------------------- */

TEST(jsonl_option_comments) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("c.jsonl",
                           "// a header comment\n"
                           "{\"a\":1 /* one */, \"b\": [2, // two\n"
                           "{\"a\":/**/3}\n"
                           "/* unterminated\n");
  char *rows = jt_rows(p, &o, "STRUCT<a: INT, _corrupt_record: STRING>");
  ASSERT_EQ_STR(rows,
                "1:\\N,\"// a header comment\"\n"
                "2:\\N,\"{\"\"a\"\":1 /* one */, \"\"b\"\": [2, // two\"\n"
                "3:\\N,\"{\"\"a\"\":/**/3}\"\n"
                "4:\\N,\"/* unterminated\"\n");
  o.allow_comments = true;
  rows = jt_rows(p, &o, "STRUCT<a: INT, _corrupt_record: STRING>");
  ASSERT_EQ_STR(rows,
                "2:\\N,\"{\"\"a\"\":1 /* one */, \"\"b\"\": [2, // two\"\n"
                "3:3,\\N\n"
                "4:\\N,\"/* unterminated\"\n");
}

TEST(jsonl_option_quotes_and_names) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("q.jsonl",
                           "{'a':'it''s','b':\"x'y\"}\n"
                           "{'a':'it\\'s \"q\"','b':'\\u0041'}\n"
                           "{a:1,$b_2:\"u\"}\n");
  const char *s = "STRUCT<a: STRING, b: STRING, `$b_2`: STRING, _corrupt_record: STRING>";
  char *rows = jt_rows(p, &o, s);
  /* allowSingleQuotes is on by default; unquoted names are not. */
  ASSERT_EQ_STR(rows,
                "1:\\N,\\N,\\N,\"{'a':'it''s','b':\"\"x'y\"\"}\"\n"
                "2:\"it's \"\"q\"\"\",\"A\",\\N,\\N\n"
                "3:\\N,\\N,\\N,\"{a:1,$b_2:\"\"u\"\"}\"\n");
  o.allow_unquoted_field_names = true;
  rows = jt_rows(p, &o, s);
  ASSERT_CONTAINS(rows, "3:\"1\",\\N,\"u\",\\N\n");
  o.allow_single_quotes = false;
  o.mode = JSONL_FAILFAST;
  char *msg = jt_fail(p, &o, s, LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, ":1:2: malformed record: single quotes are not allowed (allowSingleQuotes) at ''a':'it''");
}

TEST(jsonl_option_numbers) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("n.jsonl",
                           "{\"a\":007,\"d\":-00.5}\n"
                           "{\"a\":1,\"d\":NaN}\n"
                           "{\"a\":2,\"d\":-Infinity}\n"
                           "{\"a\":3,\"d\":\"NaN\"}\n"
                           "{\"a\":+4,\"d\":.5}\n");
  const char *s = "STRUCT<a: INT, d: DOUBLE, _corrupt_record: STRING>";
  char *rows = jt_rows(p, &o, s);
  ASSERT_EQ_STR(rows,
                "1:\\N,\\N,\"{\"\"a\"\":007,\"\"d\"\":-00.5}\"\n"
                "2:1,nan,\\N\n"
                "3:2,-inf,\\N\n"
                "4:3,nan,\\N\n"
                "5:\\N,\\N,\"{\"\"a\"\":+4,\"\"d\"\":.5}\"\n");
  o.allow_numeric_leading_zeros = true;
  o.allow_non_numeric_numbers = false;
  rows = jt_rows(p, &o, s);
  ASSERT_EQ_STR(rows,
                "1:7,-0.5,\\N\n"
                "2:\\N,\\N,\"{\"\"a\"\":1,\"\"d\"\":NaN}\"\n"
                "3:\\N,\\N,\"{\"\"a\"\":2,\"\"d\"\":-Infinity}\"\n"
                "4:3,\\N,\"{\"\"a\"\":3,\"\"d\"\":\"\"NaN\"\"}\"\n"
                "5:\\N,\\N,\"{\"\"a\"\":+4,\"\"d\"\":.5}\"\n");
}

TEST(jsonl_option_escapes_and_control_chars) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("e.jsonl",
                           "{\"s\":\"a\\qb\\%\"}\n"
                           "{\"s\":\"tab\there\"}\n"
                           "{\"s\":\"\\ud800 lone\"}\n");
  const char *s = "STRUCT<s: STRING, _corrupt_record: STRING>";
  char *rows = jt_rows(p, &o, s);
  ASSERT_EQ_STR(rows,
                "1:\\N,\"{\"\"s\"\":\"\"a\\qb\\%\"\"}\"\n"
                "2:\\N,\"{\"\"s\"\":\"\"tab\there\"\"}\"\n"
                "3:\"\xef\xbf\xbd lone\",\\N\n");
  o.allow_backslash_escaping_any = true;
  o.allow_unquoted_control_chars = true;
  rows = jt_rows(p, &o, s);
  ASSERT_EQ_STR(rows, "1:\"aqb%\",\\N\n2:\"tab\there\",\\N\n3:\"\xef\xbf\xbd lone\",\\N\n");
}

TEST(jsonl_option_encoding_and_utf8) {
  jsonl_options o = opts();
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "encoding", "UTF-8", &e), &e);
  ASSERT_RC(jsonl_options_set(&o, ar, "encoding", "UTF-16LE", &e), LAGO_UNSUPPORTED);
  /* A BOM is skipped; invalid UTF-8 in a string makes the record malformed (as Jackson). */
  const char *p = JT_WRITE("u.jsonl", "\xEF\xBB\xBF{\"s\":\"\xc3\xa9\"}\n{\"s\":\"bad\xc3\x28\"}\n{\"s\":\"\xed\xa0\x80\"}\n");
  char *rows = jt_rows(p, &o, "STRUCT<s: STRING, _corrupt_record: STRING>");
  ASSERT_EQ_STR(rows,
                "1:\"\xc3\xa9\",\\N\n"
                "2:\\N,\"{\"\"s\"\":\"\"bad\xef\xbf\xbd(\"\"}\"\n"
                "3:\\N,\"{\"\"s\"\":\"\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"\"}\"\n");
  o.mode = JSONL_DROPMALFORMED;
  rows = jt_rows(p, &o, "STRUCT<s: STRING>");
  ASSERT_EQ_STR(rows, "1:\"\xc3\xa9\"\n");
}

TEST(jsonl_option_line_sep) {
  jsonl_options o = opts();
  /* Default: \n, \r\n and \r all end a line. */
  const char *p = JT_WRITE("l.jsonl", "{\"a\":1}\r\n{\"a\":2}\r{\"a\":3}\n\r\n{\"a\":4}");
  ASSERT_EQ_STR(jt_rows(p, &o, "STRUCT<a: INT>"), "1:1\n2:2\n3:3\n5:4\n");
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "lineSep", "\x1e", &e), &e);
  p = JT_WRITE("l2.jsonl", "{\"a\":1}\x1e{\"a\":\n2}\x1e\x1e{\"a\":3}\n\x1e");
  ASSERT_EQ_STR(jt_rows(p, &o, "STRUCT<a: INT>"), "1:1\n2:2\n4:3\n");
  ASSERT_RC(jsonl_options_set(&o, ar, "lineSep", "ab", &e), LAGO_UNSUPPORTED);
  /* bytes that start a record or are whitespace cannot end one */
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "lineSep", "{", &e), &e);
  ASSERT_RC(jsonl_options_check(&o, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "cannot separate lines");
}

TEST(jsonl_options_by_name) {
  jsonl_options o;
  jsonl_options_init(&o);
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT(o.allow_single_quotes && o.allow_non_numeric_numbers && o.reader_case_sensitive && !o.multi_line);
  ASSERT_EQ_STR(o.corrupt_column, "_corrupt_record");
  static const char *const on[] = {"multiLine", "primitivesAsString", "prefersDecimal", "allowComments",
                                   "allowUnquotedFieldNames", "allowNumericLeadingZeros",
                                   "allowBackslashEscapingAnyCharacter", "allowUnquotedControlChars",
                                   "dropFieldIfAllNull", "cloudFiles.inferColumnTypes", "inferTimestamp"};
  for (size_t i = 0; i < sizeof on / sizeof on[0]; i++) ASSERT_OK(jsonl_options_set(&o, ar, on[i], "TRUE", &e), &e);
  ASSERT(o.multi_line && o.primitives_as_string && o.prefers_decimal && o.allow_comments &&
         o.allow_unquoted_field_names && o.allow_numeric_leading_zeros && o.allow_backslash_escaping_any &&
         o.allow_unquoted_control_chars && o.drop_field_if_all_null && o.infer_types && o.infer_timestamp);
  ASSERT_OK(jsonl_options_set(&o, ar, "MODE", "dropMalformed", &e), &e);
  ASSERT_EQ_INT(o.mode, JSONL_DROPMALFORMED);
  ASSERT_OK(jsonl_options_set(&o, ar, "rescuedDataColumn", "_rescued_data", &e), &e);
  ASSERT_EQ_STR(o.rescued_column, "_rescued_data");
  ASSERT_OK(jsonl_options_set(&o, ar, "samplingRatio", "0.5", &e), &e);
  ASSERT_OK(jsonl_options_set(&o, ar, "cloudFiles.schemaHints", "a INT", &e), &e);
  ASSERT_OK(jsonl_options_set(&o, ar, "compression", "gzip", &e), &e);
  ASSERT_RC(jsonl_options_set(&o, ar, "mode", "LENIENT", &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "json option mode: expected PERMISSIVE, DROPMALFORMED or FAILFAST, got 'LENIENT'");
  lago_err_clear(&e);
  ASSERT_RC(jsonl_options_set(&o, ar, "allowComments", "yes", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(jsonl_options_set(&o, ar, "samplingRatio", "0", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(jsonl_options_set(&o, ar, "nosuch", "1", &e), LAGO_BIND);
  ASSERT_EQ_STR(e.msg, "unknown json option 'nosuch'");
  lago_err_clear(&e);
  ASSERT_RC(jsonl_options_set(&o, ar, "timeZone", "America/New_York", &e), LAGO_UNSUPPORTED);
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "columnNameOfCorruptRecord", "_rescued_data", &e), &e);
  ASSERT_RC(jsonl_options_check(&o, &e), LAGO_BIND);
}

TEST(jsonl_schema_errors) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("x.jsonl", "{}\n");
  int rc;
  lago_err e;
  (void)(jt_read_chunk(p, &o, jt_schema("STRUCT<m: MAP<INT, STRING>>"), 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "MAP keys must be STRING, not INT");
  const char *nm = "i";
  lago_type it = type_make(LT_INTERVAL), st;
  ASSERT_OK(type_struct(jt_ar(), 1, &nm, &it, NULL, &st), NULL);
  (void)(jt_read_chunk(p, &o, st, 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "json reader cannot read values of type INTERVAL");
  (void)(jt_read_chunk(p, &o, jt_schema("STRUCT<_corrupt_record: INT>"), 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_BIND);
  (void)(jt_read_chunk(p, &o, jt_schema("ARRAY<INT>"), 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_BIND);
  (void)(jt_read_chunk("/nonexistent/x.jsonl", &o, jt_schema("STRUCT<a: INT>"), 0, false, &rc, &e, NULL));
  ASSERT_RC(rc, LAGO_NOTFOUND);
}

/* ---- framing ------------------------------------------------------------------------------------ */

TEST(jsonl_empty_and_blank_files) {
  jsonl_options o = opts();
  const char *s = "STRUCT<a: INT>";
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e1.jsonl", ""), &o, s), "");
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e2.jsonl", "\n\n \t \r\n"), &o, s), "");
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e3.jsonl", "\xEF\xBB\xBF"), &o, s), "");
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e4.jsonl", "{\"a\":1}"), &o, s), "1:1\n"); /* no trailing newline */
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e5.jsonl", "\n\n{\"a\":1}\n\n\n{\"a\":2}   "), &o, s), "3:1\n6:2\n");
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e6.jsonl", "[]\n[{\"a\":1}]\n[ ]\n"), &o, s), "2:1\n");
  o.multi_line = true;
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e7.json", ""), &o, s), "");
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e8.json", "  \n "), &o, s), "");
  ASSERT_EQ_STR(jt_rows(JT_WRITE("e9.json", "[]"), &o, s), "");
}

TEST(jsonl_root_arrays_on_lines) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("a.jsonl",
                           "[{\"a\":1},{\"a\":2}, {\"a\":\"x\"} ]\n"
                           "[{\"a\":3},]\n"
                           "[{\"a\":4}] {}\n"
                           "[{\"a\":5},7,null,[{\"a\":6}]]\n");
  char *rows = jt_rows(p, &o, "STRUCT<a: INT, _corrupt_record: STRING>");
  /* A broken line is one bad record; elements that are not objects are bad records each. */
  ASSERT_EQ_STR(rows,
                "1:1,\\N\n1:2,\\N\n1:\\N,\"{\"\"a\"\":\"\"x\"\"}\"\n"
                "2:\\N,\"[{\"\"a\"\":3},]\"\n"
                "3:\\N,\"[{\"\"a\"\":4}] {}\"\n"
                "4:5,\\N\n4:\\N,\"7\"\n4:\\N,\"null\"\n4:\\N,\"[{\"\"a\"\":6}]\"\n");
}

TEST(jsonl_batches_split_root_arrays) {
  jsonl_options o = opts();
  /* 5000 elements on one line: batches of 2048 rows, all with line 2. */
  buf b;
  buf_init(&b);
  buf_puts(&b, "{\"a\":-1}\n[");
  for (int i = 0; i < 5000; i++) buf_printf(&b, "%s{\"a\":%d}", i ? "," : "", i);
  buf_puts(&b, "]\n{\"a\":-2}\n");
  const char *p = jt_write("big.jsonl", b.data, b.len);
  jsonl_reader *r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_reader_open(fs_local(), p, &o, jt_schema("STRUCT<a: INT>"), &r, &e), &e);
  int64_t sum = 0;
  uint32_t sizes[8], n = 0;
  for (;;) {
    batch *bt;
    jsonl_batch_info bi;
    ASSERT_OK(jsonl_reader_next(r, NULL, &bt, &bi, &e), &e);
    if (!bt->n_rows) break;
    sizes[n++] = bt->n_rows;
    for (uint32_t i = 0; i < bt->n_rows; i++) {
      sum += VEC_DATA(&bt->cols[0], int32_t)[i];
      uint64_t want = (n == 1 && i == 0) ? 1 : (n == 3 && i == bt->n_rows - 1) ? 3 : 2;
      ASSERT_EQ_UINT(bi.lines[i], want);
    }
  }
  ASSERT_EQ_UINT(n, 3);
  ASSERT_EQ_UINT(sizes[0], 2048);
  ASSERT_EQ_UINT(sizes[1], 2048);
  ASSERT_EQ_UINT(sizes[2], 906);
  ASSERT_EQ_INT(sum, 4999 * 5000 / 2 - 3);
  ASSERT_EQ_UINT(jsonl_reader_stats(r)->rows, 5002);
  jsonl_reader_close(r);
  buf_deinit(&b);
}

TEST(jsonl_long_lines_and_strings) {
  jsonl_options o = opts();
  buf b;
  buf_init(&b);
  buf_puts(&b, "{\"s\":\"");
  for (int i = 0; i < 300000; i++) buf_putc(&b, (char)('a' + i % 26));
  buf_puts(&b, "\",\"n\":1}\n{\"n\":2,\"s\":\"short\"}\n");
  const char *p = jt_write("long.jsonl", b.data, b.len);
  int rc;
  lago_err e;
  char *rows = jt_read_chunk(p, &o, jt_schema("STRUCT<n: INT, s: STRING>"), 4096, false, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_UINT(strlen(rows), 3 + 300000 + 2 + 10);
  ASSERT(!strncmp(rows, "1,\"abcdefghij", 13));
  ASSERT(!strcmp(rows + strlen(rows) - 15, "jkl\"\n2,\"short\"\n")); /* 300000 % 26 == 12 */
  buf_deinit(&b);
}

/* ---- multiLine -------------------------------------------------------------------------------- */

/* The healthcare lab's heart-rate files (shared/docs/WORKFLOWS.md §4): multi-line JSON documents. */
static const char heart_rate[] =
    "[\n"
    "  {\n"
    "    \"patient_id\": 101,\n"
    "    \"device\": {\"model\": \"HRM-2\", \"fw\": \"1.4.2\"},\n"
    "    \"time\": 1704067200000000,\n"
    "    \"heartrate\": 72.5,\n"
    "    \"readings\": [72, 73, 71.5]\n"
    "  },\n"
    "  {\n"
    "    \"patient_id\": 102,\n"
    "    \"device\": {\"model\": \"HRM-3\"},\n"
    "    \"time\": 1704067260000000,\n"
    "    \"heartrate\": 88,\n"
    "    \"readings\": []\n"
    "  }\n"
    "]\n";

TEST(jsonl_multiline_healthcare) {
  jsonl_options o = opts();
  o.multi_line = true;
  const char *p = JT_WRITE("hr.json", heart_rate);
  const char *s = "STRUCT<patient_id: BIGINT, device: STRUCT<model: STRING, fw: STRING>, time: BIGINT, "
                  "heartrate: DOUBLE, readings: ARRAY<DOUBLE>>";
  ASSERT_EQ_STR(jt_rows(p, &o, s),
                "2:101,{\"model\":\"HRM-2\",\"fw\":\"1.4.2\"},1704067200000000,72.5,[72.0,73.0,71.5]\n"
                "9:102,{\"model\":\"HRM-3\",\"fw\":\\N},1704067260000000,88.0,[]\n");
  /* Comments around and inside the document (a '/' at a chunk end must wait for the next byte). */
  o.allow_comments = true;
  p = JT_WRITE("hr2.json", "// export\n/* v2 */ [ {\"patient_id\": 5} // first\n, /**/ {\"patient_id\": 6}] // end\n");
  ASSERT_EQ_STR(jt_rows(p, &o, s), "2:5,\\N,\\N,\\N,\\N\n3:6,\\N,\\N,\\N,\\N\n");
  o.allow_comments = false;
  /* One object per file. */
  p = JT_WRITE("one.json", "\n{\n \"patient_id\": 7,\n \"heartrate\": 60\n}\n\n");
  ASSERT_EQ_STR(jt_rows(p, &o, s), "2:7,\\N,\\N,60.0,\\N\n");
  /* Without multiLine the same file is a malformed record per line. */
  o.multi_line = false;
  ASSERT_EQ_STR(jt_rows(p, &o, "STRUCT<patient_id: BIGINT, _corrupt_record: STRING>"),
                "2:\\N,\"{\"\n3:\\N,\" \"\"patient_id\"\": 7,\"\n4:\\N,\" \"\"heartrate\"\": 60\"\n5:\\N,\"}\"\n");
}

TEST(jsonl_multiline_errors) {
  jsonl_options o = opts();
  o.multi_line = true;
  const char *s = "STRUCT<a: INT, _corrupt_record: STRING>";
  /* Elements before a syntax error are rows; the rest of the file is one bad record. */
  const char *p = JT_WRITE("m1.json", "[{\"a\":1},\n {\"a\":2},\n {\"a\":3 \"b\":4},\n {\"a\":5}]");
  ASSERT_EQ_STR(jt_rows(p, &o, s),
                "1:1,\\N\n2:2,\\N\n3:\\N,\"{\"\"a\"\":3 \"\"b\"\":4},\n {\"\"a\"\":5}]\"\n");
  p = JT_WRITE("m2.json", "[{\"a\":1}, 5, null, {\"a\":\"x\"}]");
  ASSERT_EQ_STR(jt_rows(p, &o, s),
                "1:1,\\N\n1:\\N,\"5\"\n1:\\N,\"null\"\n1:\\N,\"{\"\"a\"\":\"\"x\"\"}\"\n");
  p = JT_WRITE("m3.json", "{\"a\":1} {\"a\":2}");
  ASSERT_EQ_STR(jt_rows(p, &o, s), "1:1,\\N\n1:\\N,\"{\"\"a\"\":2}\"\n");
  p = JT_WRITE("m4.json", "[{\"a\":1},]");
  ASSERT_EQ_STR(jt_rows(p, &o, s), "1:1,\\N\n1:\\N,\"]\"\n");
  p = JT_WRITE("m5.json", "[{\"a\":1}");
  ASSERT_EQ_STR(jt_rows(p, &o, s), "1:1,\\N\n1:\\N,\"\"\n");
  p = JT_WRITE("m6.json", "\"just a string\"");
  ASSERT_EQ_STR(jt_rows(p, &o, s), "1:\\N,\"\"\"just a string\"\"\"\n");
  o.mode = JSONL_FAILFAST;
  char want[1024];
  p = JT_WRITE("m7.json", "[\n  {\"a\": 1},\n  {\"a\": 2,}\n]\n");
  snprintf(want, sizeof want, "%s:3:11: malformed record: expected a field name in double quotes at '}\n]\n' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("m8.json", "[\n  {\"a\": 1}\n  {\"a\": 2}\n]\n");
  snprintf(want, sizeof want, "%s:3:3: malformed record: expected ',' or ']' in an array at '{\"a\": 2}\n]\n' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  p = JT_WRITE("m9.json", "[\n  {\"a\": 1},\n  {\"a\": \"x\"}\n]\n");
  snprintf(want, sizeof want, "%s:3:9: malformed record: field a: cannot read \"x\" as INT (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
  o.allow_comments = true;
  p = JT_WRITE("m10.json", "[{\"a\": 1} /* never closed ");
  snprintf(want, sizeof want, "%s:1:11: malformed record: unterminated comment at '/* never closed ' (mode FAILFAST)", p);
  ASSERT_EQ_STR(jt_fail(p, &o, s, LAGO_CORRUPT), want);
}

TEST(jsonl_multiline_large_array_streams) {
  jsonl_options o = opts();
  o.multi_line = true;
  o.allow_comments = true;
  buf b;
  buf_init(&b);
  buf_puts(&b, "/* export */ [\n");
  int n = 50000;
  for (int i = 0; i < n; i++)
    buf_printf(&b, "%s  {\"id\": %d, \"name\": \"item %d\", \"tags\": [\"t%d\", \"u\"], \"nested\": {\"v\": %d.5}}\n",
               i ? "," : "", i, i, i % 7, i);
  buf_puts(&b, "]\n// end\n");
  const char *p = jt_write("big.json", b.data, b.len);
  lago_type s = jt_schema("STRUCT<id: INT, name: STRING, tags: ARRAY<STRING>, nested: STRUCT<v: DOUBLE>>");
  jsonl_reader *r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_reader_open(fs_local(), p, &o, s, &r, &e), &e);
  jsonl_reader_set_chunk(r, 4096);
  int64_t sum = 0, rows = 0;
  for (;;) {
    batch *bt;
    jsonl_batch_info bi;
    ASSERT_OK(jsonl_reader_next(r, NULL, &bt, &bi, &e), &e);
    if (!bt->n_rows) break;
    for (uint32_t i = 0; i < bt->n_rows; i++, rows++) {
      ASSERT_EQ_INT(VEC_DATA(&bt->cols[0], int32_t)[i], rows);
      ASSERT_EQ_UINT(bi.lines[i], (uint64_t)rows + 2);
      sum += VEC_DATA(&bt->cols[0], int32_t)[i];
      const lago_str *nm = VEC_DATA(&bt->cols[1], lago_str) + i;
      char want[32];
      int k = snprintf(want, sizeof want, "item %lld", (long long)rows);
      ASSERT_EQ_UINT(nm->len, (uint32_t)k);
      ASSERT_EQ_MEM(str_data(nm), want, (size_t)k);
    }
  }
  ASSERT_EQ_INT(rows, n);
  ASSERT_EQ_INT(sum, (int64_t)n * (n - 1) / 2);
  jsonl_reader_close(r);
  buf_deinit(&b);
}

TEST(jsonl_ranges_own_their_lines) {
  jsonl_options o = opts();
  const char *p = JT_WRITE("r.jsonl", "{\"a\":1}\n{\"a\":22}\r\n{\"a\":333}\n\n{\"a\":4}");
  lago_type s = jt_schema("STRUCT<a: INT>");
  /* Every split point: the ranges together give each row once. */
  for (uint64_t cut = 1; cut < 39; cut++) {
    buf out;
    buf_init(&out);
    uint64_t bounds[3] = {0, cut, UINT64_MAX};
    uint64_t prev_end = 0;
    for (int k = 0; k < 2; k++) {
      jsonl_reader *r;
      lago_err e;
      lago_err_clear(&e);
      ASSERT_OK(jsonl_reader_open_range(fs_local(), p, bounds[k], bounds[k + 1], false, &o, s, &r, &e), &e);
      for (;;) {
        batch *b;
        jsonl_batch_info bi;
        ASSERT_OK(jsonl_reader_next(r, NULL, &b, &bi, &e), &e);
        if (!b->n_rows) break;
        jt_render(&out, b, &bi, false);
      }
      if (k == 1) ASSERT_EQ_UINT(jsonl_reader_first_offset(r), prev_end);
      prev_end = jsonl_reader_end_offset(r);
      jsonl_reader_close(r);
    }
    ASSERT_EQ_STR(buf_cstr(&out), "1\n22\n333\n4\n");
    buf_deinit(&out);
  }
  o.multi_line = true;
  jsonl_reader *r;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(jsonl_reader_open_range(fs_local(), p, 5, UINT64_MAX, false, &o, s, &r, &e), LAGO_MISUSE);
}
