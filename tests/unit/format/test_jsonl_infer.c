/*
** tests/unit/format/test_jsonl_infer.c: schema inference of JSON files
** (Spark's JsonInferSchema rules; Auto Loader's all-STRING default),
** merging across records and files, modes during inference, schemaHints.
*/
#include "test_jsonl.h"

/* The inferred schema of the files, in Spark SQL spelling. */
static const char *infer(const jsonl_options *o, const char *const *paths, uint32_t n, int want_rc, lago_err *e) {
  lago_type t;
  lago_err_clear(e);
  int rc = jsonl_infer_schema(fs_local(), paths, n, o, jt_ar(), &t, e);
  ASSERT_RC(rc, want_rc);
  if (rc) return NULL;
  const char *s = type_sql_name(jt_ar(), t);
  ASSERT_NE_NULL(s);
  return s;
}

static const char *infer1(const jsonl_options *o, const char *path) {
  lago_err e;
  return infer(o, &path, 1, LAGO_OK, &e);
}

static jsonl_options typed(void) {
  jsonl_options o;
  jsonl_options_init(&o);
  o.infer_types = true;
  return o;
}

TEST(jsonl_infer_types) {
  jsonl_options o = typed();
  const char *p = JT_WRITE("t.jsonl",
                           "{\"i\":1,\"d\":1.5,\"b\":true,\"s\":\"x\",\"n\":null,\"e\":\"\",\"big\":123456789012345678901,"
                           "\"nan\":NaN,\"arr\":[1,2],\"obj\":{\"z\":1,\"a\":\"q\"},\"mixed\":1,\"ts\":\"2024-01-01 00:00:00\"}\n"
                           "{\"i\":2,\"d\":3,\"mixed\":\"one\",\"huge\":1234567890123456789012345678901234567890}\n");
  /* Fields sorted by name; null and "" alone are STRING; a big integer is DECIMAL(21,0). */
  ASSERT_EQ_STR(infer1(&o, p),
                "STRUCT<arr: ARRAY<BIGINT>, b: BOOLEAN, big: DECIMAL(21,0), d: DOUBLE, e: STRING, huge: DOUBLE, "
                "i: BIGINT, mixed: STRING, n: STRING, nan: DOUBLE, obj: STRUCT<a: STRING, z: BIGINT>, s: STRING, "
                "ts: STRING>");
}

TEST(jsonl_infer_merging) {
  jsonl_options o = typed();
  const char *p = JT_WRITE("m.jsonl",
                           "{\"a\":1,\"b\":[],\"c\":{},\"d\":[1],\"e\":{\"x\":1},\"f\":[{\"p\":1}],\"g\":1}\n"
                           "{\"a\":2.5,\"b\":[\"s\"],\"d\":[2.5],\"e\":{\"y\":\"t\"},\"f\":[{\"q\":true},null],\"g\":[1]}\n"
                           "{\"a\":null,\"e\":null,\"f\":[]}\n"
                           "{\"h\":[[1],[2,3.5]],\"i\":[null],\"j\":{\"k\":{}}}\n");
  /* BIGINT + DOUBLE = DOUBLE; empty arrays take the others' element; empty structs are dropped;
  ** struct fields are unioned; a scalar with an array is STRING; all-null elements are STRING. */
  ASSERT_EQ_STR(infer1(&o, p),
                "STRUCT<a: DOUBLE, b: ARRAY<STRING>, d: ARRAY<DOUBLE>, e: STRUCT<x: BIGINT, y: STRING>, "
                "f: ARRAY<STRUCT<p: BIGINT, q: BOOLEAN>>, g: STRING, h: ARRAY<ARRAY<DOUBLE>>, i: ARRAY<STRING>>");
  o.drop_field_if_all_null = true;
  const char *q = JT_WRITE("n.jsonl", "{\"a\":null,\"b\":[],\"c\":[null],\"d\":{\"e\":null},\"f\":1}\n");
  ASSERT_EQ_STR(infer1(&o, q), "STRUCT<f: BIGINT>");
  o.drop_field_if_all_null = false;
  ASSERT_EQ_STR(infer1(&o, q), "STRUCT<a: STRING, b: ARRAY<STRING>, c: ARRAY<STRING>, d: STRUCT<e: STRING>, f: BIGINT>");
}

TEST(jsonl_infer_decimals) {
  jsonl_options o = typed();
  const char *p = JT_WRITE("d.jsonl",
                           "{\"a\":1.50,\"b\":0.001,\"c\":1,\"d\":\"12.3\",\"e\":1e3,\"f\":1.5}\n"
                           "{\"a\":123.4,\"b\":10,\"c\":2.25,\"d\":\"x\",\"f\":1.00000000000000000000000000000000000001}\n");
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<a: DOUBLE, b: DOUBLE, c: DOUBLE, d: STRING, e: DOUBLE, f: DOUBLE>");
  o.prefers_decimal = true;
  /* BigDecimal precision/scale; BIGINT with DECIMAL widens DECIMAL(20,0); decimal text counts too;
  ** over 38 digits: DOUBLE (and DOUBLE with DECIMAL is DOUBLE). */
  ASSERT_EQ_STR(infer1(&o, p),
                "STRUCT<a: DECIMAL(5,2), b: DECIMAL(23,3), c: DECIMAL(22,2), d: STRING, e: DECIMAL(4,0), f: DOUBLE>");
  const char *q = JT_WRITE("d2.jsonl", "{\"d\":\"12.3\"}\n{\"d\":\"-0.5\"}\n{\"d\":\"1,000.25\"}\n");
  ASSERT_EQ_STR(infer1(&o, q), "STRUCT<d: DECIMAL(6,2)>");
}

TEST(jsonl_infer_primitives_as_string_and_timestamps) {
  jsonl_options o = typed();
  o.primitives_as_string = true;
  const char *p = JT_WRITE("p.jsonl", "{\"a\":1,\"b\":true,\"c\":[1.5],\"d\":{\"e\":false},\"t\":\"2024-01-01T10:00:00Z\"}\n");
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<a: STRING, b: STRING, c: ARRAY<STRING>, d: STRUCT<e: STRING>, t: STRING>");
  o.primitives_as_string = false;
  o.infer_timestamp = true;
  const char *q = JT_WRITE("t.jsonl",
                           "{\"t\":\"2024-01-01T10:00:00Z\",\"u\":\"2024-01-01 10:00:00\",\"v\":\"10:00\",\"w\":\"2024-01-01\"}\n"
                           "{\"t\":\"2024-06-01 10:00:00.123456\",\"u\":\"later\",\"w\":1}\n");
  ASSERT_EQ_STR(infer1(&o, q), "STRUCT<t: TIMESTAMP, u: STRING, v: STRING, w: STRING>");
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "timestampFormat", "dd/MM/yyyy HH:mm", &e), &e);
  const char *r = JT_WRITE("t2.jsonl", "{\"t\":\"05/01/2024 10:30\",\"u\":\"2024-01-01 10:00:00\"}\n");
  ASSERT_EQ_STR(infer1(&o, r), "STRUCT<t: TIMESTAMP, u: STRING>");
}

TEST(jsonl_infer_strings_by_default) {
  /* Auto Loader without inferColumnTypes: top-level fields are STRING, nested values included. */
  jsonl_options o;
  jsonl_options_init(&o);
  const char *p = JT_WRITE("s.jsonl",
                           "{\"id\":1,\"name\":\"a\",\"tags\":[\"x\"],\"addr\":{\"city\":\"P\",\"zip\":75001},\"n\":null}\n"
                           "{\"id\":2.5,\"extra\":true,\"e\":\"\"}\n");
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<addr: STRING, e: STRING, extra: STRING, id: STRING, n: STRING, name: STRING, tags: STRING>");
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_infer_schema(fs_local(), &p, 1, &o, jt_ar(), &t, &e), &e);
  int rc;
  char *rows = jt_read_chunk(p, &o, t, 0, false, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(rows,
                "\"{\"\"city\"\":\"\"P\"\",\"\"zip\"\":75001}\",\\N,\\N,\"1\",\\N,\"a\",\"[\"\"x\"\"]\"\n"
                "\\N,\"\",\"true\",\"2.5\",\\N,\\N,\\N\n");
  o.drop_field_if_all_null = true;
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<addr: STRING, extra: STRING, id: STRING, name: STRING, tags: STRING>");
}

TEST(jsonl_infer_across_files_is_order_independent) {
  jsonl_options o = typed();
  const char *a = JT_WRITE("a.jsonl", "{\"x\":1,\"s\":{\"p\":1}}\n{\"y\":[1]}\n");
  const char *b = JT_WRITE("b.jsonl", "{\"x\":2.5,\"s\":{\"q\":\"z\"},\"z\":true}\n");
  const char *c = JT_WRITE("c.json", "[{\"y\":[2.5]}, {\"w\":null}]");
  const char *ab[] = {a, b}, *ba[] = {b, a};
  lago_err e;
  const char *s1 = infer(&o, ab, 2, LAGO_OK, &e), *s2 = infer(&o, ba, 2, LAGO_OK, &e);
  ASSERT_EQ_STR(s1, "STRUCT<s: STRUCT<p: BIGINT, q: STRING>, x: DOUBLE, y: ARRAY<BIGINT>, z: BOOLEAN>");
  ASSERT_EQ_STR(s2, s1);
  /* Root arrays of objects count as records (JSON Lines here; the file has no newline). */
  const char *abc[] = {a, b, c};
  ASSERT_EQ_STR(infer(&o, abc, 3, LAGO_OK, &e),
                "STRUCT<s: STRUCT<p: BIGINT, q: STRING>, w: STRING, x: DOUBLE, y: ARRAY<DOUBLE>, z: BOOLEAN>");
  o.multi_line = true;
  ASSERT_EQ_STR(infer1(&o, c), "STRUCT<w: STRING, y: ARRAY<DOUBLE>>");
}

TEST(jsonl_infer_modes) {
  jsonl_options o = typed();
  const char *p = JT_WRITE("m.jsonl", "{\"a\":1}\n{\"a\":\n5\nnull\n{\"b\":\"x\"}\n");
  /* PERMISSIVE adds the corrupt record column (in name order); null documents are ignored. */
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<_corrupt_record: STRING, a: BIGINT, b: STRING>");
  o.mode = JSONL_DROPMALFORMED;
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<a: BIGINT, b: STRING>");
  o.mode = JSONL_FAILFAST;
  lago_err e;
  ASSERT_EQ_STR(infer(&o, &p, 1, LAGO_CORRUPT, &e) ? "?" : "", "");
  char want[512];
  snprintf(want, sizeof want, "%s:2:6: malformed record: unexpected end of record, expected a value (mode FAILFAST)", p);
  ASSERT_EQ_STR(e.msg, want);
  o.mode = JSONL_PERMISSIVE;
  const char *q = JT_WRITE("ok.jsonl", "{\"a\":1}\n");
  ASSERT_EQ_STR(infer1(&o, q), "STRUCT<a: BIGINT>");
  const char *none = "/nonexistent/dir/x.jsonl";
  ASSERT(infer(&o, &none, 1, LAGO_NOTFOUND, &e) == NULL);
  /* Empty input: an empty struct. */
  const char *empty = JT_WRITE("e.jsonl", "\n");
  ASSERT_EQ_STR(infer1(&o, empty), "STRUCT<>");
}

TEST(jsonl_infer_sampling_is_deterministic) {
  jsonl_options o = typed();
  buf b;
  buf_init(&b);
  for (int i = 0; i < 1000; i++) buf_printf(&b, "{\"k%d\":%d}\n", i % 50, i);
  const char *p = jt_write("s.jsonl", b.data, b.len);
  o.sampling_ratio = 0.1;
  const char *s1 = infer1(&o, p), *s2 = infer1(&o, p);
  ASSERT_EQ_STR(s1, s2);
  ASSERT(strcmp(s1, infer1(&(jsonl_options){.infer_types = true, .sampling_ratio = 1.0, .corrupt_column = "_c",
                                           .allow_single_quotes = true, .line_sep = -1}, p)) != 0);
  o.sampling_ratio = 1.0;
  o.infer_max_rows = 3;
  ASSERT_EQ_STR(infer1(&o, p), "STRUCT<k0: BIGINT, k1: BIGINT, k2: BIGINT>");
  buf_deinit(&b);
}

TEST(jsonl_schema_hints) {
  jsonl_options o = typed();
  arena *ar = jt_ar();
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(jsonl_options_set(&o, ar, "schemaHints",
                              "amount DECIMAL(18,2), addr.zip STRING, tags.element INT, `weird.name` DATE, "
                              "m MAP<STRING, BIGINT>, Added BOOLEAN, nested.deep.x INT",
                              &e),
            &e);
  const char *p = JT_WRITE("h.jsonl",
                           "{\"amount\":1.5,\"addr\":{\"zip\":75001,\"city\":\"P\"},\"tags\":[1],\"weird.name\":\"2024-01-01\","
                           "\"m\":{\"a\":1}}\n");
  ASSERT_EQ_STR(infer1(&o, p),
                "STRUCT<addr: STRUCT<city: STRING, zip: STRING>, amount: DECIMAL(18,2), m: MAP<STRING, BIGINT>, "
                "tags: ARRAY<INT>, `weird.name`: DATE, Added: BOOLEAN, nested: STRUCT<deep: STRUCT<x: INT>>>");
  lago_type t;
  ASSERT_OK(jsonl_infer_schema(fs_local(), &p, 1, &o, jt_ar(), &t, &e), &e);
  int rc;
  char *rows = jt_read_chunk(p, &o, t, 0, false, &rc, &e, NULL);
  ASSERT_OK(rc, &e);
  ASSERT_EQ_STR(rows, "{\"city\":\"P\",\"zip\":\"75001\"},1.50,{\"a\":1},[1],2024-01-01,\\N,\\N\n");
  /* Errors. */
  lago_type base = jt_schema("STRUCT<a: INT, arr: ARRAY<INT>>");
  ASSERT_RC(jsonl_apply_schema_hints(ar, base, "a NOTATYPE", &t, &e), LAGO_PARSE);
  lago_err_clear(&e);
  ASSERT_RC(jsonl_apply_schema_hints(ar, base, "arr.x INT", &t, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "arr has no part 'x'");
  lago_err_clear(&e);
  ASSERT_RC(jsonl_apply_schema_hints(ar, base, "a INT b INT", &t, &e), LAGO_PARSE);
  lago_err_clear(&e);
  ASSERT_OK(jsonl_apply_schema_hints(ar, base, " A bigint ,", &t, &e), &e);
  ASSERT_EQ_STR(type_sql_name(ar, t), "STRUCT<a: BIGINT, arr: ARRAY<INT>>");
}
