/*
** tests/unit/util/test_numfmt.c: canonical float/decimal text and strict parsing.
*/
#include <math.h>

#include "test.h"
#include "util/numfmt.h"

static void dbl(double x, const char *want) {
  char out[FMT_NUM_MAX];
  fmt_double(x, out);
  ASSERT_EQ_STR(out, want);
}
static void flt(float x, const char *want) {
  char out[FMT_NUM_MAX];
  fmt_float(x, out);
  ASSERT_EQ_STR(out, want);
}

TEST(numfmt_float_canonical) {
  dbl(1.1, "1.1");
  dbl(-0.0, "-0.0");
  dbl(0.0, "0.0");
  dbl(1e16, "1e+16");
  dbl(1e15, "1000000000000000.0");
  dbl(0.0001, "0.0001");
  dbl(0.00001, "1e-05");
  dbl(5e-324, "5e-324");
  dbl(100.0, "100.0");
  dbl(16777216.0, "16777216.0");
  dbl(1.2345678901234568e+17, "1.2345678901234568e+17");
  dbl(ldexp(1.0, 81), "2.4178516392292583e+24");
  dbl(NAN, "nan");
  dbl(-NAN, "-nan");
  dbl(-INFINITY, "-inf");
  flt(1.1f, "1.1");
  flt(3.4028235e+38f, "3.4028235e+38");
  flt(123456.79f, "123456.79");
  flt(303528.375f, "303528.38");
}

TEST(numfmt_decimal_and_ints) {
  char out[FMT_NUM_MAX];
  fmt_decimal(50, 2, out);
  ASSERT_EQ_STR(out, "0.50");
  fmt_decimal(-1, 2, out);
  ASSERT_EQ_STR(out, "-0.01");
  fmt_decimal(1003858, 3, out);
  ASSERT_EQ_STR(out, "1003.858");
  fmt_decimal(12, 0, out);
  ASSERT_EQ_STR(out, "12");
  fmt_decimal(0, 3, out);
  ASSERT_EQ_STR(out, "0.000");
  __int128 big = pow10_i128(38) - 1;
  fmt_decimal(-big, 36, out);
  ASSERT_EQ_STR(out, "-99.999999999999999999999999999999999999");
  fmt_i64(INT64_MIN, out);
  ASSERT_EQ_STR(out, "-9223372036854775808");
  fmt_u64(UINT64_MAX, out);
  ASSERT_EQ_STR(out, "18446744073709551615");
}

TEST(numfmt_parse) {
  int64_t v;
  ASSERT_OK(parse_i64("-9223372036854775808", 20, &v), NULL);
  ASSERT(v == INT64_MIN);
  ASSERT_RC(parse_i64("9223372036854775808", 19, &v), LAGO_RUNTIME);
  ASSERT_RC(parse_i64("12a", 3, &v), LAGO_PARSE);
  ASSERT_RC(parse_i64("", 0, &v), LAGO_PARSE);
  ASSERT_RC(parse_i64("-", 1, &v), LAGO_PARSE);
  double d;
  ASSERT_OK(parse_double("1e-5", 4, &d), NULL);
  ASSERT(d == 1e-5);
  ASSERT_OK(parse_double("-Infinity", 9, &d), NULL);
  ASSERT(isinf(d) && d < 0);
  ASSERT_RC(parse_double("0x10", 4, &d), LAGO_PARSE);
  ASSERT_RC(parse_double(" 1", 2, &d), LAGO_PARSE);
  __int128 x;
  ASSERT_OK(parse_decimal("12.345", 6, 12, 2, &x), NULL);
  ASSERT(x == 1235);
  ASSERT_OK(parse_decimal("-0.005", 6, 5, 2, &x), NULL);
  ASSERT(x == -1);
  ASSERT_OK(parse_decimal("1e3", 3, 10, 2, &x), NULL);
  ASSERT(x == 100000);
  ASSERT_OK(parse_decimal("0000.10", 7, 2, 2, &x), NULL);
  ASSERT(x == 10);
  ASSERT_RC(parse_decimal("100", 3, 4, 2, &x), LAGO_RUNTIME);
  ASSERT_RC(parse_decimal("1.2.3", 5, 4, 2, &x), LAGO_PARSE);
  ASSERT_RC(parse_decimal(".", 1, 4, 2, &x), LAGO_PARSE);
}
