/*
** tests/unit/vec/test_types.c: type construction, equality, Spark SQL names
** and the type-name parser.
*/
#include "test.h"
#include "vec/types.h"

static void roundtrip(const char *in, const char *want) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  ASSERT_OK(type_parse(ar, in, &t, &e), &e);
  ASSERT_EQ_STR(type_sql_name(ar, t), want);
  lago_type t2;
  ASSERT_OK(type_parse(ar, want, &t2, &e), &e);
  ASSERT(type_equal(t, t2));
  arena_free(ar);
}

TEST(types_parse_spark_names) {
  roundtrip("int", "INT");
  roundtrip("Integer", "INT");
  roundtrip("long", "BIGINT");
  roundtrip("byte", "TINYINT");
  roundtrip("short", "SMALLINT");
  roundtrip("real", "FLOAT");
  roundtrip("double precision", "DOUBLE");
  roundtrip("decimal", "DECIMAL(10,0)");
  roundtrip("DECIMAL(12,2)", "DECIMAL(12,2)");
  roundtrip("numeric(38, 38)", "DECIMAL(38,38)");
  roundtrip("varchar(20)", "STRING");
  roundtrip("timestamp_ltz", "TIMESTAMP");
  roundtrip("timestamp_ntz", "TIMESTAMP_NTZ");
  roundtrip("ARRAY<STRING>", "ARRAY<STRING>");
  roundtrip("array<array<int>>", "ARRAY<ARRAY<INT>>");
  roundtrip("map<string,bigint>", "MAP<STRING, BIGINT>");
  roundtrip("STRUCT<a: INT, b: STRING>", "STRUCT<a: INT, b: STRING>");
  roundtrip("struct<a int not null comment 'the a', `b c`: map<int, array<date>>>",
            "STRUCT<a: INT NOT NULL, `b c`: MAP<INT, ARRAY<DATE>>>");
  roundtrip("struct<>", "STRUCT<>");
}

static void parse_fails(const char *in, const char *msg_part) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  lago_type t;
  ASSERT_RC(type_parse(ar, in, &t, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, msg_part);
  ASSERT(e.pos >= 0);
  arena_free(ar);
}

TEST(types_parse_errors) {
  parse_fails("", "expected a type name");
  parse_fails("intt", "unknown type");
  parse_fails("decimal(39,2)", "precision");
  parse_fails("decimal(5,6)", "precision");
  parse_fails("array<int", "'>'");
  parse_fails("map<int>", "','");
  parse_fails("struct<a int", "STRUCT");
  parse_fails("int extra", "unexpected text");
  char deep[1024] = "";
  for (int i = 0; i < 100; i++) strcat(deep, "array<");
  parse_fails(deep, "deeply");
}

TEST(types_width_and_props) {
  ASSERT_EQ_INT(type_width(type_make(LT_BOOLEAN)), 1);
  ASSERT_EQ_INT(type_width(type_make(LT_DATE)), 4);
  ASSERT_EQ_INT(type_width(type_decimal(18, 2)), 8);
  ASSERT_EQ_INT(type_width(type_decimal(19, 2)), 16);
  ASSERT_EQ_INT(type_width(type_make(LT_STRING)), 16);
  ASSERT_EQ_INT(type_width(type_make(LT_INTERVAL)), 16);
  ASSERT(type_is_integer(type_make(LT_UBIGINT)));
  ASSERT(!type_is_integer(type_make(LT_FLOAT)));
  ASSERT(!type_equal(type_decimal(10, 2), type_decimal(10, 3)));
}

TEST(types_struct_lookup_and_copy) {
  arena *a1 = arena_new("a1", 256), *a2 = arena_new("a2", 256);
  lago_err e;
  lago_err_clear(&e);
  lago_type t, c;
  ASSERT_OK(type_parse(a1, "struct<Id: bigint, tags: array<string>>", &t, &e), &e);
  ASSERT_EQ_INT(type_field_index(t, "id"), 0);
  ASSERT_EQ_INT(type_field_index(t, "TAGS"), 1);
  ASSERT_EQ_INT(type_field_index(t, "nope"), -1);
  ASSERT_OK(type_copy(a2, t, &c), NULL);
  arena_free(a1);
  ASSERT_EQ_STR(type_sql_name(a2, c), "STRUCT<Id: BIGINT, tags: ARRAY<STRING>>");
  arena_free(a2);
}
