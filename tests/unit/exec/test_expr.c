/*
** tests/unit/exec/test_expr.c: expression evaluation: arithmetic with ANSI
** errors, decimals, comparisons, three-valued logic, CASE/COALESCE/IN,
** short-circuit, casts, folding and EXPLAIN text.
*/
#include "exec_test.h"

static arena *A;
static void setup(void) { A = arena_new("test", 1 << 16); }

TEST(expr_int_arith) {
  setup();
  vec *cols[2] = {tv(A, "INT", "1|2|NULL|-7"), tv(A, "INT", "10|NULL|3|2")};
  batch *b = tbatch(A, 2, cols);
  expr *x = tcol(A, b, 0), *y = tcol(A, b, 1);
  expr *add = tcall2(A, "+", x, y);
  ASSERT_EQ_INT(add->type.id, LT_INT);
  ASSERT_EQ_STR(teval(A, add, b), "11|NULL|NULL|-5");
  ASSERT_EQ_STR(teval(A, tcall2(A, "*", x, y), b), "10|NULL|NULL|-14");
  /* Java remainder keeps the dividend's sign; pmod is positive. */
  ASSERT_EQ_STR(teval(A, tcall2(A, "%", x, y), b), "1|NULL|NULL|-1");
  ASSERT_EQ_STR(teval(A, tcall2(A, "pmod", x, y), b), "1|NULL|NULL|1");
  /* / on integers is DOUBLE; div is BIGINT truncating. */
  expr *dv = tcall2(A, "/", x, y);
  ASSERT_EQ_INT(dv->type.id, LT_DOUBLE);
  ASSERT_EQ_STR(teval(A, dv, b), "0.1|NULL|NULL|-3.5");
  expr *idv = tcall2(A, "div", x, y);
  ASSERT_EQ_INT(idv->type.id, LT_BIGINT);
  ASSERT_EQ_STR(teval(A, idv, b), "0|NULL|NULL|-3");
  ASSERT_EQ_STR(teval(A, tcall1(A, "negative", x), b), "-1|-2|NULL|7");
  ASSERT_EQ_STR(teval(A, tcall1(A, "abs", x), b), "1|2|NULL|7");
}

TEST(expr_int_overflow_errors) {
  setup();
  int rc;
  const char *m = teval1_err(A, tcall2(A, "+", expr_int(A, 2147483647), expr_int(A, 1)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[ARITHMETIC_OVERFLOW] integer overflow in 2147483647 + 1");
  ASSERT_CONTAINS(m, "try_add");
  m = teval1_err(A, tcall2(A, "*", expr_bigint(A, INT64_MAX / 2 + 1), expr_bigint(A, 2)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "long overflow in 4611686018427387904 * 2");
  m = teval1_err(A, tcall1(A, "abs", expr_int(A, INT32_MIN)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[ARITHMETIC_OVERFLOW]");
  m = teval1_err(A, tcall2(A, "/", expr_int(A, 1), expr_int(A, 0)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[DIVIDE_BY_ZERO]");
  m = teval1_err(A, tcall2(A, "%", expr_int(A, 1), expr_int(A, 0)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[DIVIDE_BY_ZERO]");
  /* try_ variants give NULL */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "try_add", expr_int(A, 2147483647), expr_int(A, 1))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "try_divide", expr_int(A, 1), expr_int(A, 0))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "try_multiply", expr_bigint(A, INT64_MAX), expr_bigint(A, 2))), "NULL");
  /* overflow in a column, not a constant */
  vec *cols[1] = {tv(A, "TINYINT", "27|28|1")};
  batch *b = tbatch(A, 1, cols);
  lago_err err;
  teval_rc(A, tcall2(A, "+", tcol(A, b, 0), tcall1(A, "positive", tlit(A, "TINYINT", "100"))), b, &rc, &err);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(err.msg, "tinyint overflow in 28 + 100");
}

TEST(expr_decimal_types_and_values) {
  setup();
  expr *a = tlit(A, "DECIMAL(10,2)", "12345678.91"), *b = tlit(A, "DECIMAL(5,3)", "12.345");
  expr *s = tcall2(A, "+", a, b);
  ASSERT_EQ_INT(s->type.precision, 12);
  ASSERT_EQ_INT(s->type.scale, 3);
  ASSERT_EQ_STR(teval1(A, s), "12345691.255");
  expr *m = tcall2(A, "*", a, b);
  ASSERT_EQ_INT(m->type.precision, 16);
  ASSERT_EQ_INT(m->type.scale, 5);
  ASSERT_EQ_STR(teval1(A, m), "152407406.14395");
  expr *d = tcall2(A, "/", a, b);
  ASSERT_EQ_INT(d->type.precision, 19);
  ASSERT_EQ_INT(d->type.scale, 8);
  ASSERT_EQ_STR(teval1(A, d), "1000054.99473471");
  /* Spark: 1.0 / 3.0 = 0.333333 as DECIMAL(8,6) */
  expr *third = tcall2(A, "/", tlit(A, "DECIMAL(2,1)", "1.0"), tlit(A, "DECIMAL(2,1)", "3.0"));
  ASSERT_EQ_INT(third->type.precision, 8);
  ASSERT_EQ_INT(third->type.scale, 6);
  ASSERT_EQ_STR(teval1(A, third), "0.333333");
  /* 2/3 rounds HALF_UP */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "/", tlit(A, "DECIMAL(2,1)", "2.0"), tlit(A, "DECIMAL(2,1)", "3.0"))), "0.666667");
  /* precision loss: DECIMAL(38,18) * DECIMAL(38,18) -> DECIMAL(38,6) */
  expr *big = tcall2(A, "*", tlit(A, "DECIMAL(38,18)", "1.5"), tlit(A, "DECIMAL(38,18)", "2.25"));
  ASSERT_EQ_INT(big->type.precision, 38);
  ASSERT_EQ_INT(big->type.scale, 6);
  ASSERT_EQ_STR(teval1(A, big), "3.375000");
  /* DECIMAL(38,10) + DECIMAL(38,10) -> DECIMAL(38,9), rounded */
  expr *s2 = tcall2(A, "+", tlit(A, "DECIMAL(38,10)", "0.0000000005"), tlit(A, "DECIMAL(38,10)", "1"));
  ASSERT_EQ_INT(s2->type.scale, 9);
  ASSERT_EQ_STR(teval1(A, s2), "1.000000001");
  /* int + decimal: int as DECIMAL(10,0) */
  expr *mix = tcall2(A, "+", expr_int(A, 1), tlit(A, "DECIMAL(5,2)", "1.25"));
  ASSERT_EQ_INT(mix->type.precision, 13);
  ASSERT_EQ_INT(mix->type.scale, 2);
  ASSERT_EQ_STR(teval1(A, mix), "2.25");
  /* decimal remainder */
  expr *md = tcall2(A, "%", tlit(A, "DECIMAL(5,2)", "-7.50"), tlit(A, "DECIMAL(3,1)", "2.0"));
  ASSERT_EQ_INT(md->type.scale, 2);
  ASSERT_EQ_STR(teval1(A, md), "-1.50");
  /* overflow of the result precision */
  int rc;
  const char *msg =
      teval1_err(A, tcall2(A, "*", tlit(A, "DECIMAL(38,0)", "99999999999999999999999999999999999999"),
                          tlit(A, "DECIMAL(38,0)", "10")), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(msg, "[NUMERIC_VALUE_OUT_OF_RANGE]");
  /* decimal with double is double */
  ASSERT_EQ_INT(tcall2(A, "+", tlit(A, "DECIMAL(5,2)", "1.25"), expr_double(A, 1))->type.id, LT_DOUBLE);
}

TEST(expr_string_coercion_in_arith) {
  setup();
  expr *e = tcall2(A, "+", expr_str(A, "1"), expr_int(A, 1));
  ASSERT_EQ_INT(e->type.id, LT_BIGINT);
  ASSERT_EQ_STR(teval1(A, e), "2");
  expr *f = tcall2(A, "+", expr_str(A, " 1.5 "), tlit(A, "DECIMAL(3,1)", "1.0"));
  ASSERT_EQ_INT(f->type.id, LT_DOUBLE);
  ASSERT_EQ_STR(teval1(A, f), "2.5");
  int rc;
  const char *m = teval1_err(A, tcall2(A, "+", expr_str(A, "x1"), expr_int(A, 1)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[CAST_INVALID_INPUT] The value 'x1' of the type \"STRING\" cannot be cast to \"BIGINT\"");
}

TEST(expr_comparisons_nan_zero) {
  setup();
  vec *cols[2] = {tv(A, "DOUBLE", "NaN|0.0|-0.0|1|NULL|NaN"), tv(A, "DOUBLE", "NaN|-0.0|1|NaN|1|5")};
  batch *b = tbatch(A, 2, cols);
  expr *x = tcol(A, b, 0), *y = tcol(A, b, 1);
  ASSERT_EQ_STR(teval(A, tcall2(A, "=", x, y), b), "true|true|false|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "<", x, y), b), "false|false|true|true|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, ">", x, y), b), "false|false|false|false|NULL|true");
  /* int vs bigint vs decimal */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "=", expr_int(A, 1), tlit(A, "DECIMAL(3,2)", "1.00"))), "true");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "<", expr_bigint(A, 2), tlit(A, "DECIMAL(3,2)", "2.01"))), "true");
  /* strings and dates with coercion */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "<", expr_str(A, "abc"), expr_str(A, "abd"))), "true");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "<", expr_str(A, "abcdefghijklmnop"), expr_str(A, "abcdefghijklmnoq"))), "true");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "=", expr_date(A, 19723), expr_str(A, "2024-01-01"))), "true");
  ASSERT_EQ_STR(teval1(A, tcall2(A, ">", tlit(A, "TIMESTAMP", "2024-01-01 00:00:01"), expr_date(A, 19723))), "true");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "=", expr_str(A, "1"), expr_int(A, 1))), "true");
  /* incomparable types are a bind error */
  lago_err err;
  lago_err_clear(&err);
  expr *args[2] = {expr_date(A, 1), expr_bool(A, true)}, *out;
  ASSERT_RC(expr_call(A, "=", args, 2, &out, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "cannot compare DATE = BOOLEAN");
}

TEST(expr_three_valued_logic) {
  setup();
  vec *cols[2] = {tv(A, "BOOLEAN", "true|true|true|false|false|false|NULL|NULL|NULL"),
                  tv(A, "BOOLEAN", "true|false|NULL|true|false|NULL|true|false|NULL")};
  batch *b = tbatch(A, 2, cols);
  expr *x = tcol(A, b, 0), *y = tcol(A, b, 1), *e;
  lago_err err;
  expr *xy[2] = {x, y};
  ASSERT_OK(expr_and(A, xy, 2, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "true|false|NULL|false|false|false|NULL|false|NULL");
  /* select form keeps only TRUE rows */
  uint32_t sel[16], n;
  eval_ctx ec = {A, &err, 0, NULL};
  ASSERT_OK(expr_select(&ec, e, b, NULL, b->n_rows, sel, &n), &err);
  ASSERT_EQ_UINT(n, 1);
  ASSERT_EQ_UINT(sel[0], 0);
  ASSERT_OK(expr_or(A, xy, 2, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "true|true|true|true|false|NULL|true|NULL|NULL");
  ASSERT_OK(expr_select(&ec, e, b, NULL, b->n_rows, sel, &n), &err);
  ASSERT_EQ_UINT(n, 5);
  ASSERT_EQ_UINT(sel[3], 3);
  ASSERT_EQ_UINT(sel[4], 6);
  ASSERT_OK(expr_not(A, x, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "false|false|false|true|true|true|NULL|NULL|NULL");
  ASSERT_OK(expr_select(&ec, e, b, NULL, b->n_rows, sel, &n), &err);
  ASSERT_EQ_UINT(n, 3);
  ASSERT_EQ_STR(teval(A, expr_is_null(A, x, false), b), "false|false|false|false|false|false|true|true|true");
  ASSERT_EQ_STR(teval(A, expr_is_null(A, y, true), b), "true|true|false|true|true|false|true|true|false");
}

TEST(expr_short_circuit) {
  setup();
  vec *cols[1] = {tv(A, "INT", "0|5|20|0|NULL")};
  batch *b = tbatch(A, 1, cols);
  expr *x = tcol(A, b, 0), *e;
  lago_err err;
  /* x <> 0 AND 10 / x > 1: never divides by zero */
  expr *ops[2] = {tcall2(A, "<>", x, expr_int(A, 0)),
                  tcall2(A, ">", tcall2(A, "div", expr_int(A, 10), x), expr_int(A, 1))};
  ASSERT_OK(expr_and(A, ops, 2, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "false|true|false|false|NULL");
  uint32_t sel[8], n;
  eval_ctx ec = {A, &err, 0, NULL};
  ASSERT_OK(expr_select(&ec, e, b, NULL, b->n_rows, sel, &n), &err);
  ASSERT_EQ_UINT(n, 1);
  ASSERT_EQ_UINT(sel[0], 1);
  /* CASE WHEN x = 0 THEN 0 ELSE 100 div x END */
  expr *w = tcall2(A, "=", x, expr_int(A, 0)), *t = expr_int(A, 0);
  expr *el = tcall2(A, "div", expr_int(A, 100), x);
  ASSERT_OK(expr_case(A, &w, &t, 1, el, &e, &err), &err);
  ASSERT_EQ_INT(e->type.id, LT_BIGINT);
  ASSERT_EQ_STR(teval(A, e, b), "0|20|5|0|NULL");
  /* the same without the guard fails */
  int rc;
  teval_rc(A, el, b, &rc, &err);
  ASSERT_RC(rc, LAGO_RUNTIME);
}

TEST(expr_case_coalesce_in_distinct) {
  setup();
  vec *cols[2] = {tv(A, "INT", "1|2|3|NULL|5"), tv(A, "STRING", "a|NULL|c|d|NULL")};
  batch *b = tbatch(A, 2, cols);
  expr *x = tcol(A, b, 0), *s = tcol(A, b, 1), *e;
  lago_err err;
  expr *whens[2] = {tcall2(A, "<", x, expr_int(A, 2)), tcall2(A, "<", x, expr_int(A, 4))};
  expr *thens[2] = {expr_str(A, "small"), s};
  ASSERT_OK(expr_case(A, whens, thens, 2, NULL, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "small|NULL|c|NULL|NULL");
  expr *co[3] = {s, expr_str(A, "z"), expr_str(A, "never")};
  ASSERT_OK(expr_coalesce(A, co, 3, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "a|z|c|d|z");
  /* IN with NULL in the list: TRUE if found, else NULL */
  expr *list[3] = {expr_int(A, 2), expr_null(A, type_make(LT_INT)), expr_bigint(A, 5)};
  ASSERT_OK(expr_in(A, x, list, 3, false, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "NULL|true|NULL|NULL|true");
  ASSERT_OK(expr_in(A, x, list, 3, true, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "NULL|false|NULL|NULL|false");
  expr *list2[2] = {expr_int(A, 2), expr_int(A, 3)};
  ASSERT_OK(expr_in(A, x, list2, 2, true, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "true|false|false|NULL|true");
  ASSERT_OK(expr_distinct(A, s, expr_str(A, "c"), false, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "true|true|false|true|true");
  ASSERT_OK(expr_distinct(A, s, expr_null(A, type_make(LT_STRING)), true, &e, &err), &err);
  ASSERT_EQ_STR(teval(A, e, b), "false|true|false|false|true");
}

TEST(expr_selection_vector_input) {
  setup();
  vec *cols[1] = {tv(A, "BIGINT", "1|2|3|4|5|6")};
  batch *b = tbatch(A, 1, cols);
  uint32_t sel[3] = {1, 3, 5};
  b->sel = sel;
  b->n_rows = 3;
  expr *x = tcol(A, b, 0);
  ASSERT_EQ_STR(teval(A, tcall2(A, "*", x, expr_bigint(A, 10)), b), "20|40|60");
  uint32_t out[3], n;
  lago_err err;
  eval_ctx ec = {A, &err, 0, NULL};
  ASSERT_OK(expr_select(&ec, tcall2(A, ">", x, expr_int(A, 3)), b, b->sel, b->n_rows, out, &n), &err);
  ASSERT_EQ_UINT(n, 2);
  ASSERT_EQ_UINT(out[0], 3);
  ASSERT_EQ_UINT(out[1], 5);
}

TEST(expr_cast_numbers) {
  setup();
  lago_err err;
  expr *e;
  int rc;
#define CAST_OK(type_from, lit, to, want)                                                 \
  do {                                                                                    \
    ASSERT_OK(expr_cast(A, tlit(A, type_from, lit), tt(A, to), false, &e, &err), &err);   \
    ASSERT_EQ_STR(teval1(A, e), want);                                                    \
  } while (0)
#define CAST_ERR(type_from, lit, to, want)                                                \
  do {                                                                                    \
    ASSERT_OK(expr_cast(A, tlit(A, type_from, lit), tt(A, to), false, &e, &err), &err);   \
    ASSERT_CONTAINS(teval1_err(A, e, &rc), want);                                         \
    ASSERT_RC(rc, LAGO_RUNTIME);                                                          \
    ASSERT_OK(expr_cast(A, tlit(A, type_from, lit), tt(A, to), true, &e, &err), &err);    \
    ASSERT_EQ_STR(teval1(A, e), "NULL");                                                  \
  } while (0)
  CAST_OK("STRING", " 42 ", "INT", "42");
  CAST_OK("STRING", "\t-7\n", "BIGINT", "-7");
  CAST_ERR("STRING", "1.5", "INT", "[CAST_INVALID_INPUT] The value '1.5' of the type \"STRING\" cannot be cast to \"INT\"");
  CAST_ERR("STRING", "abc", "INT", "[CAST_INVALID_INPUT]");
  CAST_ERR("STRING", "2147483648", "INT", "[CAST_OVERFLOW]");
  CAST_ERR("BIGINT", "2147483648", "INT",
           "[CAST_OVERFLOW] The value 2147483648L of the type \"BIGINT\" cannot be cast to \"INT\" due to an overflow");
  CAST_ERR("DOUBLE", "NaN", "INT", "[CAST_OVERFLOW]");
  CAST_ERR("DOUBLE", "1e20", "BIGINT", "[CAST_OVERFLOW]");
  CAST_OK("DOUBLE", "-3.99", "INT", "-3");
  CAST_OK("DECIMAL(5,2)", "-3.99", "INT", "-3");
  CAST_OK("STRING", "1.2345", "DECIMAL(4,2)", "1.23");
  CAST_OK("STRING", "1.235", "DECIMAL(4,2)", "1.24");
  CAST_OK("STRING", "-1.235", "DECIMAL(4,2)", "-1.24");
  CAST_OK("STRING", "1e2", "DECIMAL(5,1)", "100.0");
  CAST_ERR("STRING", "123.45", "DECIMAL(4,2)", "[NUMERIC_VALUE_OUT_OF_RANGE]");
  CAST_OK("DOUBLE", "2.675", "DECIMAL(5,2)", "2.68"); /* through the shortest text, HALF_UP */
  CAST_OK("DOUBLE", "0.125", "DECIMAL(3,2)", "0.13");
  CAST_OK("DECIMAL(10,4)", "12.34565", "DECIMAL(6,2)", "12.35");
  CAST_OK("INT", "7", "DECIMAL(3,1)", "7.0");
  CAST_ERR("INT", "700", "DECIMAL(3,1)", "[NUMERIC_VALUE_OUT_OF_RANGE]");
  CAST_OK("STRING", "inf", "DOUBLE", "Infinity");
  CAST_OK("STRING", "-Infinity", "DOUBLE", "-Infinity");
  CAST_OK("STRING", "NaN", "DOUBLE", "NaN");
  CAST_OK("STRING", "1.5d", "DOUBLE", "1.5");
  CAST_ERR("STRING", "1.5x", "DOUBLE", "[CAST_INVALID_INPUT]");
  CAST_OK("STRING", " yes ", "BOOLEAN", "true");
  CAST_OK("STRING", "F", "BOOLEAN", "false");
  CAST_ERR("STRING", "maybe", "BOOLEAN", "[CAST_INVALID_INPUT]");
  CAST_OK("INT", "0", "BOOLEAN", "false");
  CAST_OK("DOUBLE", "0.1", "BOOLEAN", "true");
  CAST_OK("BOOLEAN", "true", "INT", "1");
  CAST_OK("BOOLEAN", "true", "DECIMAL(3,1)", "1.0");
  /* not allowed by the ANSI table */
  lago_err_clear(&err);
  ASSERT_RC(expr_cast(A, expr_date(A, 1), type_make(LT_INT), false, &e, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "cannot cast DATE to INT");
}

TEST(expr_cast_strings_and_dates) {
  setup();
  lago_err err;
  expr *e;
  int rc;
  CAST_OK("DOUBLE", "1e10", "STRING", "1.0E10");
  CAST_OK("DOUBLE", "1.0", "STRING", "1.0");
  CAST_OK("DOUBLE", "123456.789", "STRING", "123456.789");
  CAST_OK("DOUBLE", "1234567.0", "STRING", "1234567.0");
  CAST_OK("DOUBLE", "12345678.5", "STRING", "1.23456785E7");
  CAST_OK("DOUBLE", "0.001", "STRING", "0.001");
  CAST_OK("DOUBLE", "0.0001", "STRING", "1.0E-4");
  CAST_OK("DOUBLE", "-2.5e-7", "STRING", "-2.5E-7");
  CAST_OK("DOUBLE", "-0.0", "STRING", "-0.0");
  CAST_OK("FLOAT", "0.1", "STRING", "0.1");
  CAST_OK("FLOAT", "3e10", "STRING", "3.0E10");
  CAST_OK("DECIMAL(10,3)", "-1.5", "STRING", "-1.500");
  CAST_OK("DECIMAL(38,10)", "0", "STRING", "0.0000000000");
  CAST_OK("BOOLEAN", "true", "STRING", "true");
  CAST_OK("STRING", " 2024-02-29 ", "DATE", "2024-02-29");
  CAST_OK("STRING", "2024-3", "DATE", "2024-03-01");
  CAST_OK("STRING", "2024-01-02T10:00", "DATE", "2024-01-02");
  CAST_ERR("STRING", "2023-02-29", "DATE", "[CAST_INVALID_INPUT] The value '2023-02-29' of the type \"STRING\" cannot be cast to \"DATE\"");
  CAST_OK("STRING", "2024-01-02 03:04:05.123", "TIMESTAMP", "2024-01-02 03:04:05.123");
  CAST_OK("STRING", "2024-01-02T03:04:05+01:00", "TIMESTAMP", "2024-01-02 02:04:05");
  CAST_OK("TIMESTAMP", "2024-01-02 23:59:59", "DATE", "2024-01-02");
  CAST_OK("TIMESTAMP", "1969-12-31 23:59:59", "DATE", "1969-12-31");
  CAST_OK("DATE", "2024-01-02", "TIMESTAMP", "2024-01-02 00:00:00");
  CAST_OK("STRING", "abc", "BINARY", "abc");
  /* nested */
  vec *arr = vec_new(A, tt(A, "ARRAY<INT>"), 2);
  uint32_t off;
  ASSERT_OK(vec_list_reserve(arr, 3, &off), NULL);
  ((int32_t *)arr->child->data)[0] = 1;
  ((int32_t *)arr->child->data)[1] = 2;
  vec_set_null(arr->child, 2);
  ((lago_list *)arr->data)[0] = (lago_list){0, 3};
  arr->len = 1;
  ASSERT_OK(expr_cast(A, expr_const(A, arr, 0), tt(A, "STRING"), false, &e, &err), &err);
  ASSERT_EQ_STR(teval1(A, e), "[1, 2, null]");
  ASSERT_OK(expr_cast(A, expr_const(A, arr, 0), tt(A, "ARRAY<STRING>"), false, &e, &err), &err);
  ASSERT_EQ_STR(teval1(A, e), "[1, 2, null]");
  ASSERT_OK(expr_cast(A, expr_const(A, arr, 0), tt(A, "ARRAY<DOUBLE>"), false, &e, &err), &err);
  ASSERT_EQ_STR(teval1(A, e), "[1.0, 2.0, null]");
  (void)rc;
}

TEST(expr_fold_and_text) {
  setup();
  lago_err err;
  lago_err_clear(&err);
  eval_ctx ec = {A, &err, 0, NULL};
  expr *x = expr_column(A, 0, type_make(LT_BIGINT), "a");
  expr *e = tcall2(A, "+", x, tcall2(A, "*", expr_int(A, 2), expr_int(A, 3)));
  buf b;
  buf_init(&b);
  ASSERT_OK(expr_to_text(e, &b), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "(a#0 + CAST((2 * 3) AS BIGINT))");
  expr *f;
  ASSERT_OK(expr_fold(A, &ec, e, &f), &err);
  buf_clear(&b);
  ASSERT_OK(expr_to_text(f, &b), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "(a#0 + 6L)");
  ASSERT(expr_is_constant(f->args[1]));
  ASSERT(!expr_is_constant(f));
  /* an erroring constant stays unfolded (the row may never be reached) */
  expr *bad = tcall2(A, "div", expr_int(A, 1), expr_int(A, 0));
  ASSERT_OK(expr_fold(A, &ec, bad, &f), &err);
  ASSERT(f->kind == EXPR_CALL);
  ASSERT_EQ_INT(err.rc, LAGO_OK);
  expr *in;
  expr *lst[2] = {expr_str(A, "x"), expr_str(A, "it's")};
  ASSERT_OK(expr_in(A, expr_column(A, 1, type_make(LT_STRING), NULL), lst, 2, true, &in, &err), &err);
  buf_clear(&b);
  ASSERT_OK(expr_to_text(in, &b), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "(#1 NOT IN ('x', 'it''s'))");
  buf_deinit(&b);
}
