/*
** tests/unit/util/test_datetime.c: calendar conversions and date/time text.
*/
#include "test.h"
#include "util/datetime.h"

TEST(datetime_civil_roundtrip) {
  for (int64_t z = -800000; z <= 3000000; z += 997) {
    int64_t y;
    unsigned m, d;
    civil_from_days(z, &y, &m, &d);
    ASSERT(date_valid(y, m, d));
    ASSERT_EQ_INT(days_from_civil(y, m, d), z);
  }
  ASSERT_EQ_INT(days_from_civil(1970, 1, 1), 0);
  ASSERT_EQ_INT(days_from_civil(2000, 3, 1), 11017);
  ASSERT(!date_valid(2023, 2, 29));
  ASSERT(date_valid(2024, 2, 29));
  ASSERT(!date_valid(1900, 2, 29));
}

TEST(datetime_format) {
  char out[64];
  fmt_date(0, out);
  ASSERT_EQ_STR(out, "1970-01-01");
  fmt_date(-1, out);
  ASSERT_EQ_STR(out, "1969-12-31");
  fmt_date((int32_t)days_from_civil(0, 1, 1), out);
  ASSERT_EQ_STR(out, "0001-01-01 (BC)");
  fmt_timestamp_us(-1, out);
  ASSERT_EQ_STR(out, "1969-12-31 23:59:59.999999");
  fmt_timestamp_us(INT64_C(1235865660000000), out);
  ASSERT_EQ_STR(out, "2009-03-01 00:01:00");
  fmt_timestamp_us(INT64_C(9089380393200000000), out);
  ASSERT_EQ_STR(out, "290000-12-30 23:00:00");
  fmt_timestamp_ns(INT64_C(1500), out);
  ASSERT_EQ_STR(out, "1970-01-01 00:00:00.0000015");
  fmt_time_of_day(INT64_C(45296500000), 6, out);
  ASSERT_EQ_STR(out, "12:34:56.5");
  fmt_time_of_day(1, 6, out);
  ASSERT_EQ_STR(out, "00:00:00.000001");
}

TEST(datetime_parse) {
  int32_t d;
  ASSERT_EQ_INT(parse_date("2024-02-29", 10, &d), 0);
  char out[64];
  fmt_date(d, out);
  ASSERT_EQ_STR(out, "2024-02-29");
  ASSERT_EQ_INT(parse_date("2023-02-29", 10, &d), -1);
  ASSERT_EQ_INT(parse_date("2024-1-5", 8, &d), 0);
  fmt_date(d, out);
  ASSERT_EQ_STR(out, "2024-01-05");
  ASSERT_EQ_INT(parse_date("2024-01-05T10:00", 16, &d), 0);
  ASSERT_EQ_INT(parse_date("24-01-05", 8, &d), -1);
  int64_t us;
  bool z;
  ASSERT_EQ_INT(parse_timestamp("2018-10-18T22:15:12.013Z", 24, &us, &z), 0);
  ASSERT(z);
  fmt_timestamp_us(us, out);
  ASSERT_EQ_STR(out, "2018-10-18 22:15:12.013");
  ASSERT_EQ_INT(parse_timestamp("2018-10-18 22:15:12+02:00", 25, &us, &z), 0);
  fmt_timestamp_us(us, out);
  ASSERT_EQ_STR(out, "2018-10-18 20:15:12");
  ASSERT_EQ_INT(parse_timestamp("2018-10-18", 10, &us, &z), 0);
  ASSERT(!z);
  ASSERT_EQ_INT(parse_timestamp("2018-10-18 25:00:00", 19, &us, &z), -1);
  ASSERT_EQ_INT(parse_timestamp("2018-10-18 10:00:00 junk", 24, &us, &z), -1);
  ASSERT_EQ_INT(parse_time("12:34:56.5", 10, &us), 0);
  ASSERT_EQ_INT(us, INT64_C(45296500000));
}
