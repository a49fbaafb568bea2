/*
** tests/unit/vec/test_type_json.c: Delta schema JSON <-> lago_type
** (vec/type_json.h), including a pass over every Delta log in the shared
** conformance corpus.
*/
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"
#include "util/alloc.h"
#include "util/json.h"
#include "vec/type_json.h"

static lago_type from_schema(arena *ar, const char *text) {
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  int rc = type_from_delta_schema(ar, text, strlen(text), &t, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "type_from_delta_schema(%s): %s", text, e.msg);
  return t;
}

/* Writes t and returns the text (static buffer, valid until the next call). */
static const char *to_json(lago_type t) {
  static char out[8192];
  buf b;
  buf_init(&b);
  lago_err e;
  lago_err_clear(&e);
  int rc = type_to_delta_json(t, &b, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "type_to_delta_json: %s", e.msg);
  snprintf(out, sizeof out, "%s", buf_cstr(&b));
  buf_deinit(&b);
  return out;
}

static void expect_schema_err(const char *text, int want_rc, const char *want_msg) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  int rc = type_from_delta_schema(ar, text, strlen(text), &t, &e);
  if (rc != want_rc)
    test_fail_(__FILE__, __LINE__, "%s: got %s (%s), want %s", text, lago_rc_name(rc), e.msg, lago_rc_name(want_rc));
  if (strcmp(e.msg, want_msg) != 0)
    test_fail_(__FILE__, __LINE__, "%s:\n  got:  %s\n  want: %s", text, e.msg, want_msg);
  arena_free(ar);
}

/* A one-field struct schema with the given type JSON. */
static const char *one_field(const char *type_json) {
  static char s[1024];
  snprintf(s, sizeof s, "{\"type\":\"struct\",\"fields\":[{\"name\":\"c\",\"type\":%s,\"nullable\":true,\"metadata\":{}}]}",
           type_json);
  return s;
}

TEST(type_json_primitives_round_trip) {
  static const struct {
    const char *name;
    lago_type_id id;
  } cases[] = {
      {"string", LT_STRING},   {"long", LT_BIGINT},   {"integer", LT_INT},        {"short", LT_SMALLINT},
      {"byte", LT_TINYINT},    {"float", LT_FLOAT},   {"double", LT_DOUBLE},      {"boolean", LT_BOOLEAN},
      {"binary", LT_BINARY},   {"date", LT_DATE},     {"timestamp", LT_TIMESTAMP}, {"timestamp_ntz", LT_TIMESTAMP_NTZ},
      {"void", LT_NULL},
  };
  arena *ar = arena_new("t", 1024);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char q[64];
    snprintf(q, sizeof q, "\"%s\"", cases[i].name);
    const char *s = one_field(q);
    char src[1024];
    snprintf(src, sizeof src, "%s", s);
    lago_type t = from_schema(ar, src);
    ASSERT_EQ_INT(t.id, LT_STRUCT);
    ASSERT_EQ_INT(type_n_fields(t), 1);
    ASSERT_EQ_INT(type_field_at(t, 0)->type.id, cases[i].id);
    ASSERT_EQ_STR(to_json(t), src);
  }
  arena_free(ar);
}

TEST(type_json_decimal_forms) {
  arena *ar = arena_new("t", 1024);
  lago_type t = from_schema(ar, one_field("\"decimal(10,2)\""));
  lago_type d = type_field_at(t, 0)->type;
  ASSERT(d.id == LT_DECIMAL && d.precision == 10 && d.scale == 2);
  t = from_schema(ar, one_field("\"decimal( 38 , 38 )\""));
  d = type_field_at(t, 0)->type;
  ASSERT(d.precision == 38 && d.scale == 38);
  ASSERT_CONTAINS(to_json(t), "\"type\":\"decimal(38,38)\"");
  t = from_schema(ar, one_field("\"decimal(10, 2)\""));
  ASSERT_CONTAINS(to_json(t), "\"type\":\"decimal(10,2)\"");
  t = from_schema(ar, one_field("\"decimal\""));
  d = type_field_at(t, 0)->type;
  ASSERT(d.precision == 10 && d.scale == 0);
  t = from_schema(ar, one_field("\"decimal(1,0)\""));
  ASSERT_EQ_INT(type_field_at(t, 0)->type.precision, 1);
  expect_schema_err(one_field("\"decimal(39,0)\""), LAGO_UNSUPPORTED,
                    "Delta schema, field c: decimal type \"decimal(39,0)\" is out of range (precision 1..38, scale 0..precision)");
  expect_schema_err(one_field("\"decimal(0,0)\""), LAGO_UNSUPPORTED,
                    "Delta schema, field c: decimal type \"decimal(0,0)\" is out of range (precision 1..38, scale 0..precision)");
  expect_schema_err(one_field("\"decimal(5,6)\""), LAGO_UNSUPPORTED,
                    "Delta schema, field c: decimal type \"decimal(5,6)\" is out of range (precision 1..38, scale 0..precision)");
  expect_schema_err(one_field("\"decimal(10, -2)\""), LAGO_UNSUPPORTED,
                    "Delta schema, field c: negative decimal scale in \"decimal(10, -2)\" is not supported");
  expect_schema_err(one_field("\"decimal(10\""), LAGO_PARSE, "Delta schema, field c: malformed decimal type \"decimal(10\"");
  expect_schema_err(one_field("\"decimal(10)\""), LAGO_PARSE, "Delta schema, field c: malformed decimal type \"decimal(10)\"");
  expect_schema_err(one_field("\"decimal(a,b)\""), LAGO_PARSE, "Delta schema, field c: malformed decimal type \"decimal(a,b)\"");
  expect_schema_err(one_field("\"decimal(10,2)x\""), LAGO_PARSE,
                    "Delta schema, field c: malformed decimal type \"decimal(10,2)x\"");
  expect_schema_err(one_field("\"decimal(99999999999999,2)\""), LAGO_UNSUPPORTED,
                    "Delta schema, field c: decimal type \"decimal(99999999999999,2)\" is out of range (precision 1..38, scale 0..precision)");
  /* char/varchar read as string */
  t = from_schema(ar, one_field("\"varchar(10)\""));
  ASSERT_EQ_INT(type_field_at(t, 0)->type.id, LT_STRING);
  t = from_schema(ar, one_field("\"char( 3 )\""));
  ASSERT_EQ_INT(type_field_at(t, 0)->type.id, LT_STRING);
  expect_schema_err(one_field("\"char(3,4)\""), LAGO_PARSE, "Delta schema, field c: malformed type \"char(3,4)\"");
  arena_free(ar);
}

TEST(type_json_nested_and_metadata_round_trip) {
  /* As Spark writes it: compact, name/type/nullable/metadata order. */
  const char *src =
      "{\"type\":\"struct\",\"fields\":["
      "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{\"delta.columnMapping.id\":1,"
      "\"delta.columnMapping.physicalName\":\"col-5f422f40\",\"comment\":\"the \\\"key\\\"\\n\",\"x\":1.50}},"
      "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":["
      "{\"name\":\"a.b\",\"type\":{\"type\":\"array\",\"elementType\":\"integer\",\"containsNull\":false},"
      "\"nullable\":true,\"metadata\":{}},"
      "{\"name\":\"m\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":{\"type\":\"array\","
      "\"elementType\":{\"type\":\"struct\",\"fields\":[]},\"containsNull\":true},\"valueContainsNull\":false},"
      "\"nullable\":true,\"metadata\":{\"delta.typeChanges\":[{\"fromType\":\"short\",\"toType\":\"integer\"}]}}"
      "]},\"nullable\":true,\"metadata\":{}},"
      "{\"name\":\"caf\xC3\xA9\",\"type\":\"decimal(12,2)\",\"nullable\":true,\"metadata\":{}}"
      "]}";
  arena *ar = arena_new("t", 1024);
  lago_type t = from_schema(ar, src);
  ASSERT_EQ_INT(type_n_fields(t), 3);
  const type_field *id = type_field_at(t, 0);
  ASSERT_EQ_STR(id->name, "id");
  ASSERT(!id->nullable);
  ASSERT_EQ_STR(id->metadata,
                "{\"delta.columnMapping.id\":1,\"delta.columnMapping.physicalName\":\"col-5f422f40\","
                "\"comment\":\"the \\\"key\\\"\\n\",\"x\":1.50}");
  const type_field *s = type_field_at(t, 1);
  ASSERT(s->metadata == NULL); /* {} reads as none */
  ASSERT_EQ_INT(s->type.id, LT_STRUCT);
  const type_field *ab = type_field_at(s->type, 0);
  ASSERT_EQ_STR(ab->name, "a.b");
  ASSERT_EQ_INT(ab->type.id, LT_ARRAY);
  ASSERT(!type_field_at(ab->type, 0)->nullable);
  ASSERT_EQ_INT(type_element(ab->type).id, LT_INT);
  const type_field *m = type_field_at(s->type, 1);
  ASSERT_EQ_INT(m->type.id, LT_MAP);
  ASSERT_EQ_INT(type_map_key(m->type).id, LT_STRING);
  ASSERT(!type_field_at(m->type, 1)->nullable);
  ASSERT_EQ_INT(type_map_value(m->type).id, LT_ARRAY);
  ASSERT_EQ_INT(type_n_fields(type_element(type_map_value(m->type))), 0);
  ASSERT_EQ_STR(m->metadata, "{\"delta.typeChanges\":[{\"fromType\":\"short\",\"toType\":\"integer\"}]}");
  ASSERT_EQ_STR(type_field_at(t, 2)->name, "caf\xC3\xA9");
  ASSERT_EQ_STR(type_sql_name(ar, t),
                "STRUCT<id: BIGINT NOT NULL, s: STRUCT<`a.b`: ARRAY<INT>, m: MAP<STRING, ARRAY<STRUCT<>>>>, "
                "`caf\xC3\xA9`: DECIMAL(12,2)>");
  /* Written back byte for byte, and re-read equal with equal metadata. */
  const char *out = to_json(t);
  ASSERT_EQ_STR(out, src);
  lago_type t2 = from_schema(ar, out);
  ASSERT(type_delta_equal(t, t2));
  arena_free(ar);
}

TEST(type_json_lenient_defaults) {
  arena *ar = arena_new("t", 1024);
  /* Pretty-printed, missing nullable/metadata/containsNull/valueContainsNull, extra members. */
  lago_type t = from_schema(ar,
                            "{ \"type\" : \"struct\", \"extra\": 1, \"fields\" : [\n"
                            "  { \"name\" : \"a\", \"type\" : { \"type\": \"array\", \"elementType\": \"long\" } },\n"
                            "  { \"name\" : \"b\", \"type\" : { \"type\": \"map\", \"keyType\": \"long\", \"valueType\": \"null\" },"
                            "    \"metadata\": null, \"nullable\": null },\n"
                            "  { \"name\" : \"c\", \"type\" : \"string\", \"metadata\": { \"k\" : [ 1 , 2 ] } }\n"
                            "] }");
  const type_field *a = type_field_at(t, 0);
  ASSERT(a->nullable);
  ASSERT(a->metadata == NULL);
  ASSERT(type_field_at(a->type, 0)->nullable);
  const type_field *b = type_field_at(t, 1);
  ASSERT(b->nullable);
  ASSERT(type_field_at(b->type, 1)->nullable);
  ASSERT_EQ_INT(type_map_value(b->type).id, LT_NULL);
  ASSERT_EQ_STR(type_field_at(t, 2)->metadata, "{\"k\":[1,2]}"); /* compacted */
  ASSERT_EQ_STR(to_json(t),
                "{\"type\":\"struct\",\"fields\":["
                "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":\"long\",\"containsNull\":true},"
                "\"nullable\":true,\"metadata\":{}},"
                "{\"name\":\"b\",\"type\":{\"type\":\"map\",\"keyType\":\"long\",\"valueType\":\"void\","
                "\"valueContainsNull\":true},\"nullable\":true,\"metadata\":{}},"
                "{\"name\":\"c\",\"type\":\"string\",\"nullable\":true,\"metadata\":{\"k\":[1,2]}}]}");
  /* type_from_delta_json takes any data type, not only structs. */
  json_value *v;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(json_parse(ar, "\"timestamp_ntz\"", 15, &v, &e), &e);
  lago_type p;
  ASSERT_OK(type_from_delta_json(ar, v, &p, &e), &e);
  ASSERT_EQ_INT(p.id, LT_TIMESTAMP_NTZ);
  ASSERT_OK(json_parse(ar, "{\"type\":\"array\",\"elementType\":\"date\",\"containsNull\":false}", 58, &v, &e), &e);
  ASSERT_OK(type_from_delta_json(ar, v, &p, &e), &e);
  ASSERT_EQ_INT(p.id, LT_ARRAY);
  /* and type_write_delta_json writes any type into a larger document */
  buf bb;
  buf_init(&bb);
  json_writer w;
  json_w_init(&w, &bb);
  json_w_begin_arr(&w);
  ASSERT_OK(type_write_delta_json(&w, p, &e), &e);
  ASSERT_OK(type_write_delta_json(&w, type_decimal(5, 1), &e), &e);
  json_w_end_arr(&w);
  ASSERT_OK(json_w_finish(&w), NULL);
  ASSERT_EQ_STR(buf_cstr(&bb), "[{\"type\":\"array\",\"elementType\":\"date\",\"containsNull\":false},\"decimal(5,1)\"]");
  buf_deinit(&bb);
  arena_free(ar);
}

TEST(type_json_read_errors) {
  expect_schema_err(one_field("\"variant\""), LAGO_UNSUPPORTED, "Delta schema, field c: type \"variant\" is not supported");
  expect_schema_err(one_field("\"interval day to second\""), LAGO_UNSUPPORTED,
                    "Delta schema, field c: type \"interval day to second\" is not supported");
  expect_schema_err(one_field("\"Long\""), LAGO_UNSUPPORTED, "Delta schema, field c: unknown type \"Long\"");
  expect_schema_err(one_field("\"\""), LAGO_UNSUPPORTED, "Delta schema, field c: unknown type \"\"");
  expect_schema_err(one_field("{\"type\":\"udt\",\"class\":\"x\"}"), LAGO_UNSUPPORTED,
                    "Delta schema, field c: user-defined type (\"udt\") is not supported");
  expect_schema_err(one_field("{\"type\":\"set\"}"), LAGO_UNSUPPORTED, "Delta schema, field c: unknown type \"set\"");
  expect_schema_err(one_field("{\"type\":\"array\",\"elementType\":{\"type\":\"map\",\"keyType\":\"string\","
                              "\"valueType\":{\"type\":\"struct\",\"fields\":[{\"name\":\"deep\",\"type\":\"variant\"}]}}}"),
                    LAGO_UNSUPPORTED, "Delta schema, field c.element.value.deep: type \"variant\" is not supported");
  expect_schema_err(one_field("{\"type\":\"array\"}"), LAGO_PARSE, "Delta schema, field c: array type without \"elementType\"");
  expect_schema_err(one_field("{\"type\":\"map\",\"keyType\":\"string\"}"), LAGO_PARSE,
                    "Delta schema, field c: map type without \"valueType\"");
  expect_schema_err(one_field("{\"type\":\"array\",\"elementType\":\"long\",\"containsNull\":1}"), LAGO_PARSE,
                    "Delta schema, field c: \"containsNull\" must be a boolean, got number");
  expect_schema_err(one_field("{\"elementType\":\"long\"}"), LAGO_PARSE,
                    "Delta schema, field c: type object without a string \"type\"");
  expect_schema_err(one_field("7"), LAGO_PARSE, "Delta schema, field c: a data type must be a string or an object, got number");
  expect_schema_err(one_field("{\"type\":\"struct\"}"), LAGO_PARSE, "Delta schema, field c: struct type without \"fields\"");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":{}}"), LAGO_PARSE,
                    "Delta schema, field c: struct \"fields\" must be an array, got object");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":[1]}"), LAGO_PARSE,
                    "Delta schema, field c: struct field 0 must be an object, got number");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":[{\"type\":\"long\"}]}"), LAGO_PARSE,
                    "Delta schema, field c: struct field 0 has no string \"name\"");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\"}]}"), LAGO_PARSE,
                    "Delta schema, field c.x: field without \"type\"");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"long\",\"nullable\":\"yes\"}]}"),
                    LAGO_PARSE, "Delta schema, field c.x: \"nullable\" must be a boolean, got string");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\",\"type\":\"long\",\"metadata\":[]}]}"),
                    LAGO_PARSE, "Delta schema, field c.x: \"metadata\" must be an object, got array");
  expect_schema_err(one_field("{\"type\":\"struct\",\"fields\":[{\"name\":\"x\\u0000y\",\"type\":\"long\"}]}"),
                    LAGO_UNSUPPORTED, "Delta schema, field c: struct field 0: a field name containing NUL is not supported");
  expect_schema_err("\"long\"", LAGO_PARSE, "Delta schema: the top level must be a struct type");
  expect_schema_err("{\"type\":\"array\",\"elementType\":\"long\"}", LAGO_PARSE,
                    "Delta schema: the top level must be a struct type");
  expect_schema_err("{\"type\":\"struct\",\"fields\":[}", LAGO_PARSE,
                    "Delta schema: line 1, column 28: unexpected '}', expected a value");
  expect_schema_err("", LAGO_PARSE, "Delta schema: line 1, column 1: expected a value, got end of input");
  /* A very long path is truncated, not overflowed. */
  char deep[8192];
  size_t n = 0;
  n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"type\":\"struct\",\"fields\":[");
  for (int i = 0; i < 40; i++)
    n += (size_t)snprintf(deep + n, sizeof deep - n,
                          "{\"name\":\"a_rather_long_field_name_%02d\",\"type\":{\"type\":\"struct\",\"fields\":[", i);
  n += (size_t)snprintf(deep + n, sizeof deep - n, "{\"name\":\"z\",\"type\":\"variant\"}");
  for (int i = 0; i < 40; i++) n += (size_t)snprintf(deep + n, sizeof deep - n, "]}}");
  snprintf(deep + n, sizeof deep - n, "]}");
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  ASSERT_RC(type_from_delta_schema(ar, deep, strlen(deep), &t, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "Delta schema, field a_rather_long_field_name_00.a_rather_long_field_name_01.");
  ASSERT_CONTAINS(e.msg, "...: type \"variant\" is not supported");
  arena_free(ar);
}

TEST(type_json_write_errors) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  buf b;
  buf_init(&b);
  static const lago_type_id bad[] = {LT_UTINYINT, LT_USMALLINT, LT_UINT, LT_UBIGINT, LT_TIME,
                                     LT_TIME_UTC, LT_TIMESTAMP_NS, LT_INTERVAL, LT_UUID, LT_INVALID};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    lago_type arr, st;
    ASSERT_OK(type_array(ar, type_make(bad[i]), true, &arr), NULL);
    const char *names[] = {"ok", "col"};
    lago_type types[] = {type_make(LT_INT), arr};
    ASSERT_OK(type_struct(ar, 2, names, types, NULL, &st), NULL);
    lago_err_clear(&e);
    buf_clear(&b);
    ASSERT_RC(type_to_delta_json(st, &b, &e), LAGO_UNSUPPORTED);
    char want[128];
    snprintf(want, sizeof want, "Delta schema, field col.element: type %s has no Delta equivalent",
             type_id_name(bad[i]));
    ASSERT_EQ_STR(e.msg, want);
  }
  lago_err_clear(&e);
  ASSERT_RC(type_to_delta_json(type_make(LT_INT), &b, &e), LAGO_MISUSE);
  ASSERT_EQ_STR(e.msg, "Delta schema: the top level must be a struct, got INT");
  /* Metadata that is not a JSON object is refused, not written. */
  type_field f = {.name = "m", .type = type_make(LT_INT), .nullable = true, .metadata = "{\"a\":"};
  lago_type st;
  ASSERT_OK(type_struct_fields(ar, 1, &f, &st), NULL);
  lago_err_clear(&e);
  ASSERT_RC(type_to_delta_json(st, &b, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "Delta schema, field m: metadata is not valid JSON: line 1, column 6: unexpected end of input, expected a value");
  f.metadata = "[1]";
  ASSERT_OK(type_struct_fields(ar, 1, &f, &st), NULL);
  lago_err_clear(&e);
  ASSERT_RC(type_to_delta_json(st, &b, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "Delta schema, field m: metadata is a JSON array, not an object");
  /* Types built from SQL names write as Delta names. */
  lago_type sql;
  lago_err_clear(&e);
  ASSERT_OK(type_parse(ar, "STRUCT<a: TINYINT NOT NULL, b: MAP<STRING, ARRAY<TIMESTAMP>>, c: DECIMAL(5,2)>", &sql, &e), &e);
  buf_clear(&b);
  ASSERT_OK(type_to_delta_json(sql, &b, &e), &e);
  ASSERT_EQ_STR(buf_cstr(&b),
                "{\"type\":\"struct\",\"fields\":["
                "{\"name\":\"a\",\"type\":\"byte\",\"nullable\":false,\"metadata\":{}},"
                "{\"name\":\"b\",\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":{\"type\":\"array\","
                "\"elementType\":\"timestamp\",\"containsNull\":true},\"valueContainsNull\":true},\"nullable\":true,\"metadata\":{}},"
                "{\"name\":\"c\",\"type\":\"decimal(5,2)\",\"nullable\":true,\"metadata\":{}}]}");
  buf_deinit(&b);
  arena_free(ar);
}

TEST(type_json_delta_equal) {
  arena *ar = arena_new("t", 1024);
  lago_type a = from_schema(ar, one_field("\"long\""));
  lago_type b = from_schema(ar, "{\"type\":\"struct\",\"fields\":[{\"name\":\"c\",\"type\":\"long\",\"nullable\":true,"
                                "\"metadata\":{\"comment\":\"x\"}}]}");
  lago_type c = from_schema(ar, "{\"type\":\"struct\",\"fields\":[{\"name\":\"c\",\"type\":\"long\",\"nullable\":true,"
                                "\"metadata\":{\"comment\":\"y\"}}]}");
  ASSERT(type_equal(a, b));
  ASSERT(!type_delta_equal(a, b));
  ASSERT(!type_delta_equal(b, c));
  ASSERT(type_delta_equal(b, from_schema(ar, to_json(b))));
  ASSERT(!type_delta_equal(a, from_schema(ar, one_field("\"integer\""))));
  arena_free(ar);
}

/* ---- allocation failures ---------------------------------------------------------- */

static const char *k_oom_schema =
    "{\"type\":\"struct\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\",\"nullable\":false,\"metadata\":{\"delta.columnMapping.id\":1}},"
    "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"array\","
    "\"elementType\":\"integer\",\"containsNull\":false},\"nullable\":true,\"metadata\":{}},{\"name\":\"m\","
    "\"type\":{\"type\":\"map\",\"keyType\":\"string\",\"valueType\":\"decimal(12,2)\",\"valueContainsNull\":true},"
    "\"nullable\":true,\"metadata\":{\"comment\":\"c\"}}]},\"nullable\":true,\"metadata\":{}}]}";

static int oom_schema(void *ud) {
  (void)ud;
  arena *ar = arena_new("oom", 256);
  if (!ar) return LAGO_NOMEM;
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  int rc = type_from_delta_schema(ar, k_oom_schema, strlen(k_oom_schema), &t, &e);
  if (rc == LAGO_OK) {
    buf b;
    buf_init(&b);
    rc = type_to_delta_json(t, &b, &e);
    if (rc == LAGO_OK && strcmp(b.data, k_oom_schema) != 0) rc = LAGO_INTERNAL;
    buf_deinit(&b);
  }
  arena_free(ar);
  return rc;
}

TEST(type_json_oom_sweep) { ASSERT(test_oom_sweep(oom_schema, NULL, 500) > 5); }

/* ---- conformance: every Delta log in the shared corpus --------------------------- */

static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *p = malloc((size_t)n + 1);
  if (n > 0 && fread(p, 1, (size_t)n, f) != (size_t)n) {
    free(p);
    fclose(f);
    return NULL;
  }
  p[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return p;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && strcmp(s + n - k, suffix) == 0;
}

typedef struct conf_stats {
  int tables, log_dirs, json_files, lines, actions, schemas, schemas_identical, crc_files, crc_schemas;
  int last_checkpoints, last_checkpoint_errors, expected_files, expected_schemas, expected_matched_log,
      expected_no_log_metadata, negative_tables, negative_errors, stats;
} conf_stats;

/* Round trip of one schemaString: parse, write, re-parse, compare. Returns the type. */
static lago_type check_schema(arena *ar, const char *where, const char *text, size_t len, conf_stats *st) {
  lago_err e;
  lago_err_clear(&e);
  lago_type t, t2;
  if (type_from_delta_schema(ar, text, len, &t, &e))
    test_fail_(__FILE__, __LINE__, "%s: schemaString: %s", where, e.msg);
  buf b;
  buf_init(&b);
  if (type_to_delta_json(t, &b, &e)) test_fail_(__FILE__, __LINE__, "%s: write: %s", where, e.msg);
  if (type_from_delta_schema(ar, b.data, b.len, &t2, &e)) test_fail_(__FILE__, __LINE__, "%s: re-read: %s", where, e.msg);
  if (!type_delta_equal(t, t2)) test_fail_(__FILE__, __LINE__, "%s: round trip changed the schema", where);
  if (b.len == len && memcmp(b.data, text, len) == 0) st->schemas_identical++;
  buf_deinit(&b);
  st->schemas++;
  return t;
}

/* Per-table state of the conformance walk. */
typedef struct conf_table {
  arena *ar;
  bool negative;             /* expected/error.json exists */
  lago_type log_schemas[256];
  int n_log_schemas;
} conf_table;

/* Checks every JSON file in a _delta_log directory and its subdirectories.
** Files directly in _delta_log (commits, v2 checkpoints, compacted logs) are
** newline-delimited actions; files below it (e.g. _autostats) are only parsed. */
static void scan_log_dir(const char *dir, bool actions, conf_table *ct, conf_stats *st) {
  DIR *ld = opendir(dir);
  if (!ld) return;
  arena *ar = ct->ar;
  bool negative = ct->negative;
  struct dirent *fe;
  while ((fe = readdir(ld))) {
    if (fe->d_name[0] == '.') continue;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, fe->d_name);
    size_t len;
    if (ends_with(fe->d_name, ".json")) {
      char *text = read_file(path, &len);
      ASSERT_NE_NULL(text);
      st->json_files++;
      json_lines it;
      json_lines_init(&it, text, len);
      json_value *v;
      lago_err e;
      lago_err_clear(&e);
      int rc;
      while ((rc = json_lines_next(&it, ar, &v, &e)) == LAGO_OK && v) {
        st->lines++;
        /* Writing the value back must re-read equal. */
        buf wb;
        buf_init(&wb);
        json_value *v2;
        if (json_write(&wb, v) || json_parse(ar, wb.data, wb.len, &v2, &e) || !json_equal(v, v2))
          test_fail_(__FILE__, __LINE__, "%s line %zu: write/re-read differs", path, it.line_no);
        buf_deinit(&wb);
        if (!actions) continue;
        if (v->type != JSON_OBJECT || json_len(v) != 1)
          test_fail_(__FILE__, __LINE__, "%s line %zu: not a single-action object", path, it.line_no);
        st->actions++;
        const json_value *stats = json_get(json_get(v, "add"), "stats");
        if (stats && stats->type == JSON_STRING) {
          json_value *sv;
          if (json_parse(ar, stats->u.str, stats->len, &sv, &e) || sv->type != JSON_OBJECT)
            test_fail_(__FILE__, __LINE__, "%s line %zu: add.stats: %s", path, it.line_no, e.msg);
          st->stats++;
        }
        const json_value *md = json_get(v, "metaData");
        if (md) {
          const char *s;
          size_t sl;
          if (json_get_str(md, "schemaString", &s, &sl, &e)) {
            /* Negative cases of the corpus have metaData without a schema:
            ** that must be an error (and only there). */
            if (!negative || e.rc != LAGO_CORRUPT)
              test_fail_(__FILE__, __LINE__, "%s line %zu: %s", path, it.line_no, e.msg);
            st->negative_errors++;
            lago_err_clear(&e);
            continue;
          }
          char where[4200];
          snprintf(where, sizeof where, "%s line %zu", path, it.line_no);
          lago_type t = check_schema(ar, where, s, sl, st);
          if (ct->n_log_schemas < 256) ct->log_schemas[ct->n_log_schemas++] = t;
        }
      }
      if (rc) test_fail_(__FILE__, __LINE__, "%s: %s", path, e.msg);
      json_lines_deinit(&it);
      free(text);
    } else if (ends_with(fe->d_name, ".crc")) {
      /* Delta version checksum files: one JSON object, may hold the metadata. */
      char *text = read_file(path, &len);
      ASSERT_NE_NULL(text);
      json_value *v;
      lago_err e;
      lago_err_clear(&e);
      if (json_parse(ar, text, len, &v, &e)) test_fail_(__FILE__, __LINE__, "%s: %s", path, e.msg);
      st->crc_files++;
      const char *s;
      size_t sl;
      if (json_get_str(json_get(v, "metadata"), "schemaString", &s, &sl, &e) == LAGO_OK) {
        check_schema(ar, path, s, sl, st);
        st->crc_schemas++;
      }
      free(text);
    } else if (!strcmp(fe->d_name, "_last_checkpoint")) {
      char *text = read_file(path, &len);
      ASSERT_NE_NULL(text);
      json_value *v;
      lago_err e;
      lago_err_clear(&e);
      st->last_checkpoints++;
      int rc = json_parse(ar, text, len, &v, &e);
      if (strstr(path, "golden-corrupted-last-checkpoint")) {
        /* The corpus's intentionally broken _last_checkpoint. */
        if (rc != LAGO_PARSE) test_fail_(__FILE__, __LINE__, "%s: expected a parse error", path);
        st->last_checkpoint_errors++;
      } else {
        if (rc) test_fail_(__FILE__, __LINE__, "%s: %s", path, e.msg);
        int64_t version;
        if (json_get_i64(v, "version", &version, &e)) test_fail_(__FILE__, __LINE__, "%s: %s", path, e.msg);
      }
      free(text);
    } else {
      struct stat sb;
      if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) scan_log_dir(path, false, ct, st);
    }
  }
  closedir(ld);
}

TEST(type_json_conformance_delta_logs) {
  char root[1024];
  snprintf(root, sizeof root, "%s/conformance/delta/tables", test_shared_dir());
  DIR *d = opendir(root);
  if (!d) test_fail_(__FILE__, __LINE__, "cannot open %s (set LAGO_SHARED)", root);
  conf_stats st = {0};
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    st.tables++;
    arena *ar = arena_new("table", 1 << 16);
    char dir[2048];
    snprintf(dir, sizeof dir, "%s/%s/delta/_delta_log", root, de->d_name);
    char epath[2048];
    snprintf(epath, sizeof epath, "%s/%s/expected/error.json", root, de->d_name);
    struct stat sb;
    conf_table ct = {.ar = ar, .n_log_schemas = 0};
    ct.negative = stat(epath, &sb) == 0;
    st.negative_tables += ct.negative;
    if (access(dir, F_OK) == 0) st.log_dirs++;
    scan_log_dir(dir, true, &ct, &st);
    /* expected/<version>/protocol_metadata.json: the parsed schema object must
    ** read as the same type as its schemaString, and match a log schema. */
    snprintf(dir, sizeof dir, "%s/%s/expected", root, de->d_name);
    DIR *ed = opendir(dir);
    if (ed) {
      struct dirent *ve;
      while ((ve = readdir(ed))) {
        if (ve->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/protocol_metadata.json", dir, ve->d_name);
        size_t len;
        char *text = read_file(path, &len);
        if (!text) continue;
        st.expected_files++;
        json_value *v;
        lago_err e;
        lago_err_clear(&e);
        if (json_parse(ar, text, len, &v, &e)) test_fail_(__FILE__, __LINE__, "%s: %s", path, e.msg);
        const json_value *schema = json_get(v, "schema");
        const char *s;
        size_t sl;
        if (schema && schema->type == JSON_OBJECT &&
            json_get_str(json_get(v, "metaData"), "schemaString", &s, &sl, &e) == LAGO_OK) {
          lago_type a, b;
          if (type_from_delta_json(ar, schema, &a, &e)) test_fail_(__FILE__, __LINE__, "%s: schema: %s", path, e.msg);
          b = check_schema(ar, path, s, sl, &st);
          if (!type_delta_equal(a, b)) test_fail_(__FILE__, __LINE__, "%s: schema object and schemaString differ", path);
          st.expected_schemas++;
          if (ct.n_log_schemas == 0) {
            st.expected_no_log_metadata++; /* metadata only in a parquet checkpoint */
          } else {
            bool found = false;
            for (int i = 0; i < ct.n_log_schemas && !found; i++) found = type_delta_equal(ct.log_schemas[i], a);
            if (!found) test_fail_(__FILE__, __LINE__, "%s: schema matches no metaData in the log", path);
            st.expected_matched_log++;
          }
        }
        free(text);
      }
      closedir(ed);
    }
    arena_free(ar);
  }
  closedir(d);
  printf("delta conformance: %d tables, %d _delta_log dirs, %d .json files, %d lines (%d actions, %d add.stats parsed; all re-written and re-read equal), "
         "%d schemas round-tripped (%d byte-identical on rewrite), %d .crc files (%d with schema), "
         "%d _last_checkpoint (%d expected errors), %d protocol_metadata.json (%d schemas; %d matched a log "
         "metaData, %d with metadata only in checkpoints); %d negative tables, %d expected errors\n",
         st.tables, st.log_dirs, st.json_files, st.lines, st.actions, st.stats, st.schemas, st.schemas_identical, st.crc_files,
         st.crc_schemas, st.last_checkpoints, st.last_checkpoint_errors, st.expected_files, st.expected_schemas,
         st.expected_matched_log, st.expected_no_log_metadata, st.negative_tables, st.negative_errors);
  /* The corpus is fixed: a much smaller count means files were skipped. */
  ASSERT(st.tables >= 100);
  ASSERT(st.json_files >= 400);
  ASSERT(st.lines >= 1900);
  ASSERT(st.schemas >= 250);
  ASSERT(st.expected_schemas >= 100);
  ASSERT_EQ_INT(st.last_checkpoint_errors, 1);
  ASSERT(st.negative_errors >= 3);
}

/* A field object at the parser's maximum depth: it may not get an added
** "metadata":{} (that would be one level too deep to read back). */
TEST(type_json_max_depth_round_trip) {
  buf b;
  buf_init(&b);
  /* Depths: struct 1, fields 2; each struct-typed field adds 3, each
  ** array-of-struct field adds 4; 2 + 3*167 + 4*2 = 511, so the leaf field
  ** object sits at depth 512. */
  buf_puts(&b, "{\"type\":\"struct\",\"fields\":[");
  for (int i = 0; i < 167; i++) buf_puts(&b, "{\"name\":\"s\",\"type\":{\"type\":\"struct\",\"fields\":[");
  for (int i = 0; i < 2; i++)
    buf_puts(&b, "{\"name\":\"a\",\"type\":{\"type\":\"array\",\"elementType\":{\"type\":\"struct\",\"fields\":[");
  size_t leaf = b.len;
  buf_puts(&b, "{\"name\":\"leaf\",\"type\":\"long\"}");
  for (int i = 0; i < 2; i++) buf_puts(&b, "]}}}");
  for (int i = 0; i < 167; i++) buf_puts(&b, "]}}");
  buf_puts(&b, "]}");
  arena *ar = arena_new("t", 1 << 16);
  lago_err e;
  lago_err_clear(&e);
  lago_type t, t2;
  ASSERT_OK(type_from_delta_schema(ar, b.data, b.len, &t, &e), &e);
  /* The same with metadata on the leaf is one level too deep: the depth is as computed. */
  buf deeper;
  buf_init(&deeper);
  buf_append(&deeper, b.data, leaf);
  buf_puts(&deeper, "{\"name\":\"leaf\",\"type\":\"long\",\"metadata\":{}}");
  buf_puts(&deeper, b.data + leaf + strlen("{\"name\":\"leaf\",\"type\":\"long\"}"));
  ASSERT_RC(type_from_delta_schema(ar, deeper.data, deeper.len, &t2, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "nesting deeper than 512 levels");
  buf_deinit(&deeper);
  buf out;
  buf_init(&out);
  lago_err_clear(&e);
  ASSERT_OK(type_to_delta_json(t, &out, &e), &e);
  ASSERT_CONTAINS(out.data, "{\"name\":\"leaf\",\"type\":\"long\",\"nullable\":true}");
  ASSERT_OK(type_from_delta_schema(ar, out.data, out.len, &t2, &e), &e);
  ASSERT(type_delta_equal(t, t2));
  buf_deinit(&out);
  buf_deinit(&b);
  arena_free(ar);
}
