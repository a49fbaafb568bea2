/*
** tests/unit/exec/test_func_zone.c: functions added for the SQL issue's list:
** session time zone in datetime kernels and casts, from_utc_timestamp /
** to_utc_timestamp, months_between, make_timestamp, unix_timestamp, uuid, and
** the extras (regexp_count/substr, translate, base64/hex, arrays, maps,
** struct constructors). Expected values are Spark's documented examples.
*/
#include "exec_test.h"
#include "util/tz.h"

static arena *A;
static void setup(void) { A = arena_new("test", 1 << 16); }

static const tz_zone *zone(const char *name) {
  const tz_zone *z;
  lago_err err;
  lago_err_clear(&err);
  if (tz_load(A, name, strlen(name), &z, &err)) test_fail_(__FILE__, __LINE__, "zone %s: %s", name, err.msg);
  return z;
}

/* Evaluates e over b with session zone tz; returns the text or the error message (rc in *rc). */
static const char *eval_tz(const expr *e, const batch *b, const tz_zone *tz, int *rc) {
  lago_err err;
  lago_err_clear(&err);
  eval_ctx ec = {A, &err, 1700000000000000LL, tz};
  vec *v = NULL;
  *rc = expr_eval(&ec, e, b, b->sel, b->n_rows, &v);
  if (*rc) return arena_strdup(A, err.msg);
  return tv_text_sel(A, v, b->sel, b->n_rows);
}
static const char *ok_tz(const expr *e, const batch *b, const tz_zone *tz) {
  int rc;
  const char *s = eval_tz(e, b, tz, &rc);
  if (rc) test_fail_(__FILE__, __LINE__, "eval: %s", s);
  return s;
}
static batch *one_row(void) {
  batch *b = arena_zalloc(A, sizeof *b);
  b->n_rows = 1;
  return b;
}
static expr *lit(const char *type, const char *text) {
  vec *v = tv(A, type, text);
  return expr_const(A, v, 0);
}
static expr *cast_to(expr *a, const char *type) {
  expr *e;
  lago_err err;
  lago_err_clear(&err);
  if (expr_cast(A, a, tt(A, type), false, &e, &err)) test_fail_(__FILE__, __LINE__, "cast: %s", err.msg);
  return e;
}

TEST(func_zone_from_to_utc) {
  setup();
  batch *b = tbatch(A, 2, (vec *[]){tv(A, "TIMESTAMP", "2016-08-31 00:00:00|2024-03-10 02:30:00|2024-11-03 01:30:00|2024-01-01 00:00:00|NULL"),
                                      tv(A, "STRING", "Asia/Seoul|America/New_York|America/New_York|NULL|UTC")});
  expr *f = tcall2(A, "from_utc_timestamp", tcol(A, b, 0), tcol(A, b, 1));
  expr *t = tcall2(A, "to_utc_timestamp", tcol(A, b, 0), tcol(A, b, 1));
  ASSERT_EQ_STR(ok_tz(f, b, NULL), "2016-08-31 09:00:00|2024-03-09 21:30:00|2024-11-02 21:30:00|NULL|NULL");
  /* gap: forward by the gap; overlap: the earlier instant */
  ASSERT_EQ_STR(ok_tz(t, b, NULL), "2016-08-30 15:00:00|2024-03-10 07:30:00|2024-11-03 05:30:00|NULL|NULL");
  /* a bad zone fails only for the rows that reach it */
  batch *bad = tbatch(A, 2, (vec *[]){tv(A, "TIMESTAMP", "2024-01-01 00:00:00|2024-01-01 00:00:00"), tv(A, "STRING", "UTC|Mars/Base")});
  expr *fb = tcall2(A, "from_utc_timestamp", tcol(A, bad, 0), tcol(A, bad, 1));
  int rc;
  const char *m = eval_tz(fb, bad, NULL, &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[INVALID_TIMEZONE] The timezone: Mars/Base is invalid");
  uint32_t sel0 = 0;
  bad->sel = &sel0;
  bad->n_rows = 1;
  ASSERT_EQ_STR(ok_tz(fb, bad, NULL), "2024-01-01 00:00:00");
  /* constant zone: loaded at bind time */
  expr *fc = tcall2(A, "from_utc_timestamp", lit("TIMESTAMP", "2017-07-14 02:40:00"), lit("STRING", "GMT+1"));
  ASSERT(fc->u.call.bind != NULL);
  ASSERT_EQ_STR(teval1(A, fc), "2017-07-14 03:40:00");
}

TEST(func_zone_months_between) {
  setup();
  expr *a = lit("TIMESTAMP", "1997-02-28 10:30:00"), *b = lit("TIMESTAMP", "1996-10-30 00:00:00");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "months_between", a, b)), "3.94959677");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "months_between", a, b, expr_bool(A, false))), "3.9495967741935485");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "months_between", b, a)), "-3.94959677");
  /* both month ends, or the same day: whole months regardless of the time */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "months_between", lit("TIMESTAMP", "2024-04-30 23:00:00"), lit("TIMESTAMP", "2024-02-29 01:00:00"))), "2.0");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "months_between", lit("TIMESTAMP", "2024-04-15 23:00:00"), lit("TIMESTAMP", "2024-02-15 01:00:00"))), "2.0");
  /* one day over a 31-day month */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "months_between", lit("TIMESTAMP", "2024-02-02 00:00:00"), lit("TIMESTAMP", "2024-02-01 00:00:00"))), "0.03225806");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "months_between", expr_null(A, tt(A, "TIMESTAMP")), a)), "NULL");
  /* dates are local dates of the session zone: 2024-03-01 02:00 UTC is still February in New York, so
  ** both are month ends there; in UTC: 2 + (-30 days - 10 h) / 31 days */
  expr *m = tcall2(A, "months_between", lit("TIMESTAMP", "2024-03-01 02:00:00"), lit("TIMESTAMP", "2024-01-31 12:00:00"));
  ASSERT_EQ_STR(ok_tz(m, one_row(), NULL), "1.0188172");
  ASSERT_EQ_STR(ok_tz(m, one_row(), zone("America/New_York")), "1.0");
}

TEST(func_zone_session_time_zone) {
  setup();
  const tz_zone *ny = zone("America/New_York");
  expr *ts = lit("TIMESTAMP", "2024-07-01 16:30:00"); /* 12:30 in New York */
  batch *b = one_row();
  ASSERT_EQ_STR(ok_tz(tcall1(A, "hour", ts), b, ny), "12");
  ASSERT_EQ_STR(ok_tz(tcall1(A, "hour", ts), b, NULL), "16");
  ASSERT_EQ_STR(ok_tz(tcall1(A, "minute", ts), b, zone("Asia/Kathmandu")), "15");
  ASSERT_EQ_STR(ok_tz(cast_to(ts, "STRING"), b, ny), "2024-07-01 12:30:00");
  ASSERT_EQ_STR(ok_tz(cast_to(ts, "DATE"), b, zone("Asia/Tokyo")), "2024-07-02");
  ASSERT_EQ_STR(ok_tz(cast_to(ts, "TIMESTAMP_NTZ"), b, ny), "2024-07-01 12:30:00");
  ASSERT_EQ_STR(ok_tz(tcall2(A, "date_format", ts, lit("STRING", "yyyy-MM-dd HH:mm")), b, ny), "2024-07-01 12:30");
  /* string -> TIMESTAMP reads wall-clock time; an explicit zone wins */
  ASSERT_EQ_STR(ok_tz(cast_to(lit("STRING", "2024-01-01 00:00:00"), "TIMESTAMP"), b, ny), "2024-01-01 05:00:00");
  ASSERT_EQ_STR(ok_tz(cast_to(lit("STRING", "2024-01-01 00:00:00+01:00"), "TIMESTAMP"), b, ny), "2023-12-31 23:00:00");
  ASSERT_EQ_STR(ok_tz(cast_to(lit("DATE", "2024-01-01"), "TIMESTAMP"), b, ny), "2024-01-01 05:00:00");
  /* date_trunc truncates local time and converts back */
  ASSERT_EQ_STR(ok_tz(tcall2(A, "date_trunc", lit("STRING", "DAY"), ts), b, ny), "2024-07-01 04:00:00");
  ASSERT_EQ_STR(ok_tz(tcall2(A, "date_trunc", lit("STRING", "HOUR"), ts), b, zone("+05:45")), "2024-07-01 16:15:00");
  ASSERT_EQ_STR(ok_tz(tcall1(A, "from_unixtime", lit("BIGINT", "0")), b, ny), "1969-12-31 19:00:00");
  ASSERT_EQ_STR(ok_tz(tcall1(A, "to_timestamp", lit("STRING", "2024-01-01 00:00:00")), b, ny), "2024-01-01 05:00:00");
  ASSERT_EQ_STR(ok_tz(tcall2(A, "unix_timestamp", lit("STRING", "1970-01-01"), lit("STRING", "yyyy-MM-dd")), b, ny), "18000");
  /* now_us = 1700000000 s = 2023-11-14 22:13:20 UTC: already the 15th in Tokyo */
  ASSERT_EQ_STR(ok_tz(tcall(A, "current_date", 0, NULL), b, zone("Asia/Tokyo")), "2023-11-15");
  ASSERT_EQ_STR(ok_tz(tcall(A, "current_date", 0, NULL), b, NULL), "2023-11-14");
}

TEST(func_zone_make_timestamp) {
  setup();
  expr *a[7] = {lit("INT", "2014"), lit("INT", "12"), lit("INT", "28"), lit("INT", "6"), lit("INT", "30"), lit("DECIMAL(5,3)", "45.887"),
                lit("STRING", "CET")};
  ASSERT_EQ_STR(teval1(A, tcall(A, "make_timestamp", 6, a)), "2014-12-28 06:30:45.887");
  ASSERT_EQ_STR(teval1(A, tcall(A, "make_timestamp", 7, a)), "2014-12-28 05:30:45.887");
  a[5] = lit("INT", "60");
  ASSERT_EQ_STR(teval1(A, tcall(A, "make_timestamp", 6, a)), "2014-12-28 06:31:00");
  a[1] = lit("INT", "13");
  int rc;
  ASSERT_CONTAINS(teval1_err(A, tcall(A, "make_timestamp", 6, a), &rc), "[DATETIME_FIELD_OUT_OF_BOUNDS]");
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_EQ_STR(teval1(A, tcall(A, "try_make_timestamp", 6, a)), "NULL");
}

TEST(func_zone_uuid) {
  setup();
  expr *u = tcall(A, "uuid", 0, NULL);
  ASSERT(!expr_is_constant(u));
  batch *b = tbatch(A, 1, (vec *[]){tv(A, "INT", "1|2|3|4|5|6|7|8")});
  const char *s = teval(A, u, b);
  /* 8 distinct version-4 UUIDs */
  ASSERT_EQ_UINT(strlen(s), 8 * 36 + 7);
  for (int i = 0; i < 8; i++) {
    const char *p = s + i * 37;
    ASSERT(p[8] == '-' && p[13] == '-' && p[18] == '-' && p[23] == '-');
    ASSERT(p[14] == '4');
    ASSERT(strchr("89ab", p[19]) != NULL);
    for (int j = 0; j < i; j++) ASSERT(memcmp(p, s + j * 37, 36) != 0);
  }
  /* folding leaves it alone */
  lago_err err;
  lago_err_clear(&err);
  eval_ctx ec = {A, &err, 0, NULL};
  expr *f;
  ASSERT_OK(expr_fold(A, &ec, u, &f), &err);
  ASSERT(f->kind == EXPR_CALL);
}

TEST(func_zone_regexp_and_strings) {
  setup();
  expr *s = lit("STRING", "Steven Jones and Stephen Smith are the best players");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "regexp_count", s, expr_str(A, "Ste(v|ph)en"))), "2");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "regexp_count", lit("STRING", "abcdefghijklmnopqrstuvwxyz"), lit("STRING", "[a-z]{3}"))), "8");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "regexp_count", lit("STRING", "abc"), lit("STRING", "x*"))), "4"); /* Java: empty matches */
  ASSERT_EQ_STR(teval1(A, tcall2(A, "regexp_substr", s, expr_str(A, "Ste(v|ph)en"))), "Steven");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "regexp_substr", s, lit("STRING", "Jeck"))), "NULL");
  int rc;
  ASSERT_CONTAINS(teval1_err(A, tcall2(A, "regexp_count", s, lit("STRING", "(")), &rc), "[INVALID_PARAMETER_VALUE.PATTERN]");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "translate", lit("STRING", "AaBbCc"), lit("STRING", "abc"), lit("STRING", "123"))), "A1B2C3");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "translate", lit("STRING", "日本語"), lit("STRING", "本語"), lit("STRING", "x"))), "日x");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "base64", lit("STRING", "Spark SQL"))), "U3BhcmsgU1FM");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "base64", lit("STRING", "ab"))), "YWI=");
  ASSERT_EQ_STR(teval1(A, cast_to(tcall1(A, "unbase64", lit("STRING", "YWI=")), "STRING")), "ab");
  ASSERT_CONTAINS(teval1_err(A, tcall1(A, "unbase64", lit("STRING", "Y$I=")), &rc), "[CONVERSION_INVALID_INPUT]");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "hex", lit("INT", "17"))), "11");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "hex", lit("STRING", "Spark SQL"))), "537061726B2053514C");
  ASSERT_EQ_STR(teval1(A, cast_to(tcall1(A, "unhex", lit("STRING", "537061726B2053514C")), "STRING")), "Spark SQL");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "unhex", lit("STRING", "zz"))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "isnan", expr_null(A, tt(A, "DOUBLE")))), "false");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "nanvl", lit("DOUBLE", "NaN"), lit("DOUBLE", "1.5"))), "1.5");
}

TEST(func_zone_arrays_maps_structs) {
  setup();
  expr *arr = tcall(A, "array", 5, (expr *[]){lit("INT", "3"), lit("INT", "1"), expr_null(A, tt(A, "INT")), lit("INT", "3"), lit("INT", "2")});
  ASSERT_EQ_STR(teval1(A, tcall1(A, "array_distinct", arr)), "[3, 1, null, 2]");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "array_sort", arr)), "[1, 2, 3, 3, null]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "sort_array", arr, expr_bool(A, false))), "[3, 3, 2, 1, null]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "array_position", arr, lit("INT", "2"))), "5");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "slice", arr, lit("INT", "-2"), lit("INT", "5"))), "[3, 2]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "array_join", arr, lit("STRING", ","))), "3,1,3,2");
  int rc;
  ASSERT_CONTAINS(teval1_err(A, tcall3(A, "slice", arr, lit("INT", "1"), lit("INT", "-1")), &rc), "[INVALID_PARAMETER_VALUE.LENGTH]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "sequence", lit("INT", "-2"), lit("INT", "2"))), "[-2, -1, 0, 1, 2]");
  ASSERT_CONTAINS(teval1_err(A, tcall2(A, "sequence", lit("BIGINT", "0"), lit("BIGINT", "100000000")), &rc), "[COLLECTION_SIZE_LIMIT_EXCEEDED]");
  expr *m = tcall(A, "map", 4, (expr *[]){lit("STRING", "a"), lit("INT", "1"), lit("STRING", "b"), lit("INT", "2")});
  ASSERT_EQ_STR(teval1(A, tcall1(A, "map_keys", m)), "[a, b]");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "map_values", m)), "[1, 2]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "element_at", m, lit("STRING", "b"))), "2");
  expr *dup = tcall(A, "map", 4, (expr *[]){lit("STRING", "a"), lit("INT", "1"), lit("STRING", "a"), lit("INT", "2")});
  ASSERT_CONTAINS(teval1_err(A, dup, &rc), "[DUPLICATED_MAP_KEY]");
  expr *nk = tcall(A, "map", 2, (expr *[]){expr_null(A, tt(A, "STRING")), lit("INT", "1")});
  ASSERT_CONTAINS(teval1_err(A, nk, &rc), "[NULL_MAP_KEY]");
  expr *mfa = tcall2(A, "map_from_arrays", tcall(A, "array", 2, (expr *[]){lit("DOUBLE", "1.0"), lit("DOUBLE", "3.0")}),
                     tcall(A, "array", 2, (expr *[]){lit("STRING", "2"), lit("STRING", "4")}));
  ASSERT_EQ_STR(teval1(A, mfa), "{1.0 -> 2, 3.0 -> 4}");
  expr *ns = tcall(A, "named_struct", 4, (expr *[]){lit("STRING", "a"), lit("INT", "1"), lit("STRING", "b"), lit("STRING", "x")});
  ASSERT_EQ_STR(teval1(A, ns), "{1, x}");
  buf tb;
  buf_init(&tb);
  type_to_sql(ns->type, &tb);
  ASSERT_EQ_STR(buf_cstr(&tb), "STRUCT<a: INT, b: STRING>");
  buf_deinit(&tb);
  expr *fl = tcall1(A, "flatten", tcall(A, "array", 2, (expr *[]){tcall(A, "array", 1, (expr *[]){lit("INT", "1")}), tcall(A, "array", 2, (expr *[]){lit("INT", "2"), lit("INT", "3")})}));
  ASSERT_EQ_STR(teval1(A, fl), "[1, 2, 3]");
}

TEST(func_zone_diff_add_format_json) {
  setup();
  expr *t1 = lit("TIMESTAMP", "2022-02-11 20:30:00"), *t2 = lit("TIMESTAMP", "2022-02-12 04:30:00");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "timestampdiff", lit("STRING", "HOUR"), t1, t2)), "8");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "timestampdiff", lit("STRING", "day"), t1, t2)), "0");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "timestampdiff", lit("STRING", "MONTH"), lit("TIMESTAMP", "2022-03-31 00:00:00"), lit("TIMESTAMP", "2022-01-31 00:00:01"))), "-1");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "timestampadd", lit("STRING", "MONTH"), lit("BIGINT", "1"), lit("TIMESTAMP", "2022-01-31 00:00:00"))), "2022-02-28 00:00:00");
  ASSERT_EQ_STR(teval1(A, tcall3(A, "timestampadd", lit("STRING", "WEEK"), lit("BIGINT", "-1"), lit("TIMESTAMP", "2022-01-01 00:00:00"))), "2021-12-25 00:00:00");
  int rc;
  ASSERT_CONTAINS(teval1_err(A, tcall3(A, "timestampadd", lit("STRING", "EON"), lit("BIGINT", "1"), t1), &rc), "[INVALID_PARAMETER_VALUE.DATETIME_UNIT]");
  /* session zone: wall-clock days across the New York DST change */
  const tz_zone *ny = zone("America/New_York");
  ASSERT_EQ_STR(ok_tz(tcall3(A, "timestampadd", lit("STRING", "DAY"), lit("BIGINT", "1"), lit("TIMESTAMP", "2024-03-09 17:00:00")), one_row(), ny),
                "2024-03-10 16:00:00");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "format_number", lit("DECIMAL(11,6)", "12332.123456"), lit("INT", "4"))), "12,332.1235");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "format_number", lit("DOUBLE", "0.125"), lit("INT", "2"))), "0.12");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "format_number", lit("BIGINT", "-1234567"), lit("INT", "1"))), "-1,234,567.0");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "format_number", lit("INT", "5"), lit("INT", "-1"))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall(A, "format_string", 3, (expr *[]){expr_str(A, "Hello World %d %s"), lit("INT", "100"), lit("STRING", "days")})),
                "Hello World 100 days");
  ASSERT_CONTAINS(teval1_err(A, tcall(A, "printf", 2, (expr *[]){expr_str(A, "%08.3f|%%|%S"), lit("DOUBLE", "3.14159")}), &rc),
                  "has no argument"); /* %S needs a second argument */
  ASSERT_EQ_STR(teval1(A, tcall(A, "printf", 3, (expr *[]){expr_str(A, "%08.3f|%%|%S"), lit("DOUBLE", "3.14159"), lit("STRING", "ab")})),
                "0003.142|%|AB");
  ASSERT_CONTAINS(teval1_err(A, tcall(A, "printf", 2, (expr *[]){expr_str(A, "%d %d"), lit("INT", "1")}), &rc), "[FORMAT_STRING_INVALID]");
  ASSERT_CONTAINS(teval1_err(A, tcall(A, "printf", 2, (expr *[]){expr_str(A, "%99999s"), lit("INT", "1")}), &rc), "too large");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "get_json_object", expr_str(A, "{\"a\":{\"b\":[10,{\"c\":\"x\"}]}}"), expr_str(A, "$.a.b[1].c"))), "x");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "get_json_object", expr_str(A, "{\"a\":[1,2]}"), expr_str(A, "$.a"))), "[1,2]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "get_json_object", expr_str(A, "{\"a\":[1,2]}"), expr_str(A, "$.a[*]"))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "get_json_object", expr_str(A, "[1,"), expr_str(A, "$[0]"))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "date_part", expr_str(A, "SECONDS"), lit("TIMESTAMP", "2019-10-01 00:00:01.000001"))), "1.000001");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "date_part", expr_str(A, "dow"), lit("DATE", "2019-08-11"))), "1");
}

/* Allocation failure N = 1, 2, ... while evaluating: only LAGO_NOMEM, and nothing leaks. */
TEST(func_zone_oom_sweep) {
  setup();
  batch *b = tbatch(A, 2, (vec *[]){tv(A, "TIMESTAMP", "2016-08-31 00:00:00|2024-03-10 02:30:00|NULL"), tv(A, "STRING", "Asia/Seoul|America/New_York|UTC")});
  expr *arr = tcall(A, "array", 3, (expr *[]){lit("STRING", "b"), expr_null(A, tt(A, "STRING")), lit("STRING", "a")});
  expr *es[] = {
      tcall2(A, "from_utc_timestamp", tcol(A, b, 0), tcol(A, b, 1)),
      tcall(A, "format_string", 4, (expr *[]){expr_str(A, "%s|%5d|%.2f"), tcol(A, b, 1), lit("INT", "7"), lit("DOUBLE", "2.5")}),
      tcall3(A, "translate", tcol(A, b, 1), expr_str(A, "aeiou"), expr_str(A, "AEI")),
      tcall1(A, "to_json", tcall(A, "named_struct", 4, (expr *[]){expr_str(A, "t"), tcol(A, b, 0), expr_str(A, "z"), tcol(A, b, 1)})),
      tcall2(A, "from_json", expr_str(A, "{\"a\":[1,2,3],\"m\":{\"k\":\"a long string value here\"}}"), expr_str(A, "a ARRAY<INT>, m MAP<STRING,STRING>")),
      tcall2(A, "get_json_object", expr_str(A, "{\"a\":{\"b\":[1,{\"c\":\"a long string value here\"}]}}"), expr_str(A, "$.a.b[1]")),
      tcall1(A, "array_sort", arr),
      tcall2(A, "map_from_arrays", tcall(A, "array", 2, (expr *[]){lit("STRING", "k1"), lit("STRING", "k2")}), tcall(A, "array", 2, (expr *[]){lit("STRING", "a long string value here"), expr_null(A, tt(A, "STRING"))})),
      tcall2(A, "format_number", lit("DOUBLE", "1234567.891"), lit("INT", "2")),
      tcall2(A, "regexp_count", tcol(A, b, 1), expr_str(A, "[a-z]")),
      tcall2(A, "sequence", lit("INT", "1"), lit("INT", "300")),
      tcall1(A, "base64", tcol(A, b, 1)),
  };
  for (size_t k = 0; k < sizeof es / sizeof es[0]; k++) {
    bool done = false;
    for (long nfail = 1; nfail < 5000 && !done; nfail++) {
      long live = mem_live();
      arena *E = arena_new("oom", 256);
      ASSERT_NE_NULL(E);
      lago_err err;
      lago_err_clear(&err);
      eval_ctx ec = {E, &err, 0, NULL};
      vec *v = NULL;
      mem_fail_after(nfail);
      int rc = expr_eval(&ec, es[k], b, NULL, b->n_rows, &v);
      bool fired = mem_fail_fired();
      mem_fail_after(0);
      if (rc != LAGO_OK && rc != LAGO_NOMEM) fprintf(stderr, "expr %zu, failure %ld: rc %d %s\n", k, nfail, rc, err.msg);
      ASSERT(rc == LAGO_OK || rc == LAGO_NOMEM);
      if (rc == LAGO_OK && !fired) done = true;
      arena_free(E);
      ASSERT_EQ_INT(mem_live(), live);
    }
    ASSERT(done);
  }
}
