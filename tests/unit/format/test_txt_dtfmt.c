/*
** tests/unit/format/test_txt_dtfmt.c: the Spark datetime patterns shared by
** the CSV and the JSON reader (format/text/txt_dtfmt.c) and the default
** date/timestamp parsers (format/text/text_int.h): compile errors, every
** letter, optional sections, adjacent values, AM/PM resolution, range and
** overflow checks. The readers' own tests cover the options end to end.
*/
#include "format/text/text_int.h"
#include "test.h"

#define DAY INT64_C(86400000000)
#define HOUR INT64_C(3600000000)

/* Parses s with pattern pat; returns 0/-1 and the micros. */
static int dt(const char *pat, const char *s, int64_t *us, bool *z) {
  txt_dtfmt f;
  lago_err e;
  lago_err_clear(&e);
  if (txt_dtfmt_compile(pat, &f, &e)) test_fail_(__FILE__, __LINE__, "compile %s: %s", pat, e.msg);
  return txt_dtfmt_parse(&f, s, strlen(s), us, z);
}

static int64_t ymd(int64_t y, unsigned m, unsigned d) { return days_from_civil(y, m, d) * DAY; }

TEST(txt_dtfmt_compile_errors) {
  txt_dtfmt f;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("yyyy-QQ", &f, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "datetime pattern 'yyyy-QQ': unsupported letter 'Q'");
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("yyyy-MM-dd'T", &f, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "unterminated quote");
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("yyyy[-MM", &f, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "'[' without ']'");
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("yyyy]", &f, &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("SSSSSSSSSS", &f, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "too many pattern letters 'S'");
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("MMMMM", &f, &e), LAGO_BIND); /* Spark: five or more letters fail */
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("EEEEE", &f, &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_RC(txt_dtfmt_compile("DDDD", &f, &e), LAGO_BIND);
  lago_err_clear(&e);
  char longpat[128] = "";
  for (int i = 0; i < 25; i++) strcat(longpat, "y-"); /* 50 items */
  ASSERT_RC(txt_dtfmt_compile(longpat, &f, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "is too long");
  /* Optional sections nest as deep as the item list allows. */
  lago_err_clear(&e);
  ASSERT_OK(txt_dtfmt_compile("yyyy[-MM[-dd[ HH[:mm[:ss[.SSS[XXX[[[]]]]]]]]]]", &f, &e), &e);
}

TEST(txt_dtfmt_fields) {
  int64_t us;
  bool z;
  /* yy is 2000-based; optional sections nest; a partial section fails the match */
  ASSERT_EQ_INT(dt("dd.MM.yy[ HH[:mm]]", "05.03.24 07", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 3, 5) + 7 * HOUR);
  ASSERT_EQ_INT(dt("dd.MM.yy[ HH[:mm]]", "05.03.24 07:30", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 3, 5) + 7 * HOUR + 30 * 60000000ll);
  ASSERT_EQ_INT(dt("dd.MM.yy[ HH[:mm]]", "05.03.24 07:", &us, &z), -1);
  /* month names, any case; full names need MMMM */
  ASSERT_EQ_INT(dt("MMM d yyyy", "sEp 9 2021", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2021, 9, 9));
  ASSERT_EQ_INT(dt("MMMM d yyyy", "September 9 2021", &us, &z), 0);
  ASSERT_EQ_INT(dt("MMMM d yyyy", "Sep 9 2021", &us, &z), -1);
  /* E..EEE: a short day name; EEEE: the full one (java.time text styles) */
  ASSERT_EQ_INT(dt("E, d MMM yyyy", "Thu, 9 Sep 2021", &us, &z), 0);
  ASSERT_EQ_INT(dt("E, d MMM yyyy", "Thursday, 9 Sep 2021", &us, &z), -1);
  ASSERT_EQ_INT(dt("EEEE, d MMM yyyy", "Thursday, 9 Sep 2021", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2021, 9, 9));
  ASSERT_EQ_INT(dt("EEEE, d MMM yyyy", "Thu, 9 Sep 2021", &us, &z), -1);
  /* day of year */
  ASSERT_EQ_INT(dt("yyyy-DDD", "2024-060", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 2, 29));
  ASSERT_EQ_INT(dt("yyyy-D", "2023-365", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2023, 12, 31));
  ASSERT_EQ_INT(dt("yyyy-D", "2023-366", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyyDDD", "2024366", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 12, 31));
  /* quoted literals: '' inside quoted text is one quote */
  ASSERT_EQ_INT(dt("yyyy'-W''s-'MM", "2024-W's-05", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 5, 1));
  ASSERT_EQ_INT(dt("''yyyy", "'2024", &us, &z), 0);
  /* adjacent numbers take their minimum width */
  ASSERT_EQ_INT(dt("yyyyMMddHHmmss", "20240325164359", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 3, 25) + 16 * HOUR + 43 * 60000000ll + 59 * 1000000ll);
  /* fractions: 1..n digits, kept to microseconds */
  ASSERT_EQ_INT(dt("HH:mm:ss.SSSSSSSSS", "00:00:01.123456789", &us, &z), 0);
  ASSERT_EQ_INT(us, 1123456);
  ASSERT_EQ_INT(dt("HH:mm:ss.SSS", "00:00:01.5", &us, &z), 0);
  ASSERT_EQ_INT(us, 1500000);
  /* zones */
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mmXXX", "2024-01-01 10:00+05:30", &us, &z), 0);
  ASSERT(z);
  ASSERT_EQ_INT(us, ymd(2024, 1, 1) + 10 * HOUR - 5 * HOUR - 30 * 60000000ll);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mmXXX", "2024-01-01 10:00Z", &us, &z), 0);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mmxxx", "2024-01-01 10:00Z", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mmX", "2024-01-01 10:00-08", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 1, 1) + 18 * HOUR);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mmZ", "2024-01-01 10:00+0100", &us, &z), 0);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mmZ", "2024-01-01 10:00+01:00", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH:mm", "2024-01-01 10:00", &us, &z), 0);
  ASSERT(!z);
}

TEST(txt_dtfmt_ranges_and_hours) {
  int64_t us;
  bool z;
  ASSERT_EQ_INT(dt("yyyy-MM-dd", "2023-02-29", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyy-MM-dd", "2024-13-01", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyy-MM-dd HH", "2024-01-01 24", &us, &z), -1);
  ASSERT_EQ_INT(dt("HH:mm", "10:60", &us, &z), -1);
  /* a value out of range inside an optional section skips the section */
  ASSERT_EQ_INT(dt("yyyy-MM[-dd]", "2024-05-40", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyy-MM[-dd]['x'HH]", "2024-05x10", &us, &z), 0);
  ASSERT_EQ_INT(us, ymd(2024, 5, 1) + 10 * HOUR);
  /* h: 1-12, 12 AM is midnight, PM adds 12 */
  ASSERT_EQ_INT(dt("h:mm a", "12:05 AM", &us, &z), 0);
  ASSERT_EQ_INT(us, 5 * 60000000ll);
  ASSERT_EQ_INT(dt("h:mm a", "12:05 pm", &us, &z), 0);
  ASSERT_EQ_INT(us, 12 * HOUR + 5 * 60000000ll);
  ASSERT_EQ_INT(dt("h:mm a", "1:30 PM", &us, &z), 0);
  ASSERT_EQ_INT(us, 13 * HOUR + 30 * 60000000ll);
  ASSERT_EQ_INT(dt("h:mm a", "0:30 PM", &us, &z), -1);
  /* K: 0-11; k: 1-24 (24 is midnight); H with a PM before noon moves it */
  ASSERT_EQ_INT(dt("K a", "11 PM", &us, &z), 0);
  ASSERT_EQ_INT(us, 23 * HOUR);
  ASSERT_EQ_INT(dt("K a", "12 PM", &us, &z), -1);
  ASSERT_EQ_INT(dt("k", "24", &us, &z), 0);
  ASSERT_EQ_INT(us, 0);
  ASSERT_EQ_INT(dt("k", "0", &us, &z), -1);
  ASSERT_EQ_INT(dt("H a", "5 PM", &us, &z), 0);
  ASSERT_EQ_INT(us, 17 * HOUR);
  ASSERT_EQ_INT(dt("H a", "13 PM", &us, &z), 0);
  ASSERT_EQ_INT(us, 13 * HOUR);
  /* years up to 9 digits; a result outside int64 microseconds fails */
  ASSERT_EQ_INT(dt("yyyy-MM-dd", "294247-01-09", &us, &z), 0);
  ASSERT_EQ_INT(dt("yyyy-MM-dd", "294247-01-11", &us, &z), -1);
  ASSERT_EQ_INT(dt("yyyy-MM-dd", "999999999-12-31", &us, &z), -1);
}

TEST(txt_default_date_and_timestamp) {
  int32_t d;
  int64_t us;
  bool z;
  ASSERT_EQ_INT(txt_parse_date("2024-02-29", 10, &d), 0);
  ASSERT_EQ_INT(d, days_from_civil(2024, 2, 29));
  ASSERT_EQ_INT(txt_parse_date("0000-03-01", 10, &d), 0);
  ASSERT_EQ_INT(d, days_from_civil(0, 3, 1));
  ASSERT_EQ_INT(txt_parse_date("2023-02-29", 10, &d), -1);
  ASSERT_EQ_INT(txt_parse_date("2024-1-5", 8, &d), 0); /* the cast rules behind the fast path */
  ASSERT_EQ_INT(d, days_from_civil(2024, 1, 5));
  /* the fixed-shape fast path agrees with util's days_from_civil for every day of 1900..2100 */
  for (int64_t day = days_from_civil(1900, 1, 1); day <= days_from_civil(2100, 12, 31); day++) {
    int64_t y;
    unsigned m, dd;
    civil_from_days(day, &y, &m, &dd);
    char s[16];
    snprintf(s, sizeof s, "%04d-%02u-%02u", (int)y, m, dd);
    int64_t got;
    ASSERT_EQ_INT(txt_fixed_date(s, &got), 0);
    ASSERT_EQ_INT(got, day);
  }
  ASSERT_EQ_INT(txt_parse_ts("2024-03-25 16:43:59.004281", 26, &us, &z), 0);
  ASSERT_EQ_INT(us, days_from_civil(2024, 3, 25) * DAY + 16 * HOUR + 43 * 60000000ll + 59004281);
  ASSERT(!z);
  ASSERT_EQ_INT(txt_parse_ts("2024-03-25T16:43:59+01:00", 25, &us, &z), 0);
  ASSERT(z);
  ASSERT_EQ_INT(us, days_from_civil(2024, 3, 25) * DAY + 15 * HOUR + 43 * 60000000ll + 59000000);
  ASSERT_EQ_INT(txt_parse_ts("2024-03-25 16:43:60", 19, &us, &z), -1);
  /* the set of three patterns */
  txt_dt set;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(txt_dt_init(&set, "dd/MM/yyyy", NULL, "yyyy-MM-dd HH:mmXXX", &e), &e);
  ASSERT_EQ_INT(txt_dt_date(&set, "05/03/2024", 10, &d), 0);
  ASSERT_EQ_INT(d, days_from_civil(2024, 3, 5));
  ASSERT_EQ_INT(txt_dt_date(&set, "2024-03-05", 10, &d), -1);
  ASSERT_EQ_INT(txt_dt_ts(&set, "2024-03-05 10:00:00", 19, &us), 0);
  ASSERT_EQ_INT(txt_dt_ntz(&set, "2024-03-05 10:00Z", 17, &us), -1); /* NTZ takes no zone */
  ASSERT_RC(txt_dt_init(&set, NULL, "yyyy-ww", NULL, &e), LAGO_BIND);
}
