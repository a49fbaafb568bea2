/*
** tests/unit/sql/test_parse_errors.c: every class of parse error, with its
** message, line/column and err->pos: expected-token lists, lexical errors,
** reserved words, literal ranges, types, semantic checks, unsupported
** statements, empty input, trailing text, and the depth/height limits that
** keep hostile input from recursing without bound.
*/
#include "sqltest.h"

TEST(sql_error_expected_lists) {
  int pos;
  ASSERT_EQ_STR(sqlt_error("SELECT a, b FORM t", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 18 near 't': expected ',', FROM, WHERE, GROUP BY, "
                "HAVING, WINDOW, QUALIFY, INTERSECT, UNION, EXCEPT, MINUS, ORDER BY, LIMIT, OFFSET, ';' or end of input");
  ASSERT_EQ_INT(pos, 17);
  ASSERT_EQ_STR(sqlt_error("SELECT * FORM t", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 10 near 'FORM': expected AND, OR, ',', FROM, WHERE, "
                "GROUP BY, HAVING, WINDOW, QUALIFY, INTERSECT, UNION, EXCEPT, MINUS, ORDER BY, LIMIT, OFFSET, ';' "
                "or end of input");
  ASSERT_EQ_INT(pos, 9);
  ASSERT_EQ_STR(sqlt_error("SELECT a FROM t WHERE", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 22 near end of input: expected expression");
  ASSERT_EQ_INT(pos, 21);
  ASSERT_EQ_STR(sqlt_error("SELECT (1 + 2", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 14 near end of input: expected AND, OR, ',' or ')'");
  ASSERT_EQ_STR(sqlt_error("SELECT a FROM t GROUP a", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 23 near 'a': expected BY");
  ASSERT_EQ_STR(sqlt_error("INSERT INTO t", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 14 near end of input: expected PARTITION, SELECT, "
                "VALUES, WITH or '('");
  ASSERT_EQ_STR(sqlt_error("CREATE TABEL t (a INT)", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 8 near 'TABEL': expected OR, PRIVATE, GLOBAL, TEMP, "
                "TEMPORARY, EXTERNAL, STREAMING, LIVE, MATERIALIZED, TABLE, VIEW, CATALOG, SCHEMA, DATABASE, "
                "NAMESPACE, VOLUME or FLOW");
  ASSERT_EQ_STR(sqlt_error("DROP TABLE", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 11 near end of input: expected IF EXISTS or identifier");
}

TEST(sql_error_positions_multiline) {
  int pos;
  const char *sql = "SELECT a,\n       b\n  FROM t\n WHERE a = = 1";
  ASSERT_EQ_STR(sqlt_error(sql, &pos),
                "ERR LAGO_PARSE: syntax error at line 4, column 12 near '=': expected expression");
  ASSERT_EQ_INT(pos, 39);
  ASSERT_EQ_INT(sql[pos], '=');
  /* the token shown is cut at 40 bytes and at the end of its line */
  ASSERT_CONTAINS(sqlt_error("SELECT 1 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'", &pos),
                  "near ''aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
}

TEST(sql_error_reserved_words) {
  int pos;
  ASSERT_EQ_STR(sqlt_error("CREATE TABLE select (a INT)", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 14 near 'select': expected identifier ('SELECT' is a "
                "reserved keyword: write `select` to use it as a name)");
  ASSERT_CONTAINS(sqlt_error("SELECT a AS from", &pos), "('FROM' is a reserved keyword: write `from`");
  ASSERT_EQ_STR(sqlt_error("SELECT `from` FROM t AS `order`", &pos), "OK");
}

TEST(sql_error_empty_and_trailing) {
  int pos;
  ASSERT_EQ_STR(sqlt_error("", &pos), "ERR LAGO_PARSE: syntax error: empty statement");
  ASSERT_EQ_STR(sqlt_error("  -- nothing\n /* here */ ", &pos), "ERR LAGO_PARSE: syntax error: empty statement");
  ASSERT_EQ_STR(sqlt_error("SELECT 1;", &pos), "OK");
  ASSERT_EQ_STR(sqlt_error("SELECT 1;;", &pos), "OK");
  ASSERT_EQ_STR(sqlt_error("SELECT 1; SELECT 2", &pos),
                "ERR LAGO_PARSE: syntax error at line 1, column 11 near 'SELECT': expected end of input (use "
                "sql_parse_script for several statements)");
  ASSERT_CONTAINS(sqlt_error("SELECT 1 SELECT 2", &pos), "line 1, column 10 near 'SELECT': expected AND, OR, AS");
}

TEST(sql_error_semantic_checks) {
  int pos;
  ASSERT_CONTAINS(sqlt_error("CREATE OR REPLACE STREAMING TABLE t", &pos), "OR REPLACE and EXTERNAL are not allowed");
  ASSERT_CONTAINS(sqlt_error("CREATE PRIVATE TABLE t (a INT)", &pos), "PRIVATE needs STREAMING TABLE or MATERIALIZED VIEW");
  ASSERT_CONTAINS(sqlt_error("CREATE EXTERNAL VIEW v AS SELECT 1", &pos), "invalid modifiers for CREATE VIEW");
  ASSERT_CONTAINS(sqlt_error("CREATE TEMPORARY SCHEMA s", &pos), "invalid modifiers for CREATE SCHEMA");
  ASSERT_CONTAINS(sqlt_error("CREATE TABLE t (a INT) COMMENT 'x' COMMENT 'y'", &pos), "COMMENT given twice");
  ASSERT_EQ_INT(pos, 35);
  ASSERT_CONTAINS(sqlt_error("SELECT a FROM t LATERAL VIEW x y", &pos), "LATERAL VIEW needs a generator");
}

/* n nested parentheses around 1 */
static char *nested(int n, const char *open, const char *close) {
  size_t lo = strlen(open), lc = strlen(close);
  char *s = malloc(16 + (size_t)n * (lo + lc));
  size_t o = 0;
  memcpy(s, "SELECT ", 7);
  o = 7;
  for (int k = 0; k < n; k++, o += lo) memcpy(s + o, open, lo);
  s[o++] = '1';
  for (int k = 0; k < n; k++, o += lc) memcpy(s + o, close, lc);
  s[o] = 0;
  return s;
}

TEST(sql_error_depth_limit) {
  int pos;
  char *ok = nested(200, "(", ")");
  ASSERT_EQ_STR(sqlt_error(ok, &pos), "OK");
  free(ok);
  char *deep = nested(300, "(", ")");
  ASSERT_CONTAINS(sqlt_error(deep, &pos), "statement nested too deeply (more than 256 levels");
  free(deep);
  /* far beyond the limit: still an error, no stack overflow */
  char *hostile = nested(200000, "(", ")");
  ASSERT_CONTAINS(sqlt_error(hostile, &pos), "nested too deeply");
  free(hostile);
  char *neg = nested(100000, "- ", "");
  ASSERT_CONTAINS(sqlt_error(neg, &pos), "nested too deeply");
  free(neg);
  char *nots = nested(100000, "NOT ", "");
  ASSERT_CONTAINS(sqlt_error(nots, &pos), "nested too deeply");
  free(nots);
  char *subq = nested(100000, "(SELECT ", ")");
  ASSERT_CONTAINS(sqlt_error(subq, &pos), "nested too deeply");
  free(subq);
  char *calls = nested(100000, "f(", ")");
  ASSERT_CONTAINS(sqlt_error(calls, &pos), "nested too deeply");
  free(calls);
  char *arr = nested(100000, "a[", "]");
  ASSERT_CONTAINS(sqlt_error(arr, &pos), "nested too deeply");
  free(arr);
  char *cases = nested(100000, "CASE WHEN ", " THEN 1 END");
  ASSERT_CONTAINS(sqlt_error(cases, &pos), "nested too deeply");
  free(cases);
}

TEST(sql_error_height_limit) {
  int pos;
  size_t n = 1500;
  char *s = malloc(16 + n * 4);
  char *o = s;
  o += sprintf(o, "SELECT a");
  for (size_t k = 0; k < n; k++) o += sprintf(o, " + a");
  ASSERT_EQ_STR(sqlt_error(s, &pos), "OK"); /* 1500 terms: fine, and prints/dumps recursively */
  ASSERT(sqlt_roundtrip(s) == NULL);
  free(s);
  n = 100000;
  s = malloc(16 + n * 4);
  o = s;
  o += sprintf(o, "SELECT a");
  for (size_t k = 0; k < n; k++) o += sprintf(o, " + a");
  ASSERT_CONTAINS(sqlt_error(s, &pos), "expression too deeply nested (more than 2000 levels)");
  free(s);
}
