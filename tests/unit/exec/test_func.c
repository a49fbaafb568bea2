/*
** tests/unit/exec/test_func.c: scalar function families against Spark's
** documented results: strings on UTF-8, dates around month ends and leap
** years, hash/xxhash64/md5/sha vectors, rounding, arrays and maps.
*/
#include "exec_test.h"

static arena *A;
static void setup(void) { A = arena_new("test", 1 << 16); }

/* Evaluates name(args as text literals of the given types), e.g. F2("substring", "STRING", "abc", "INT", "2"). */
static const char *fn(const char *name, int n, const char *const *types, const char *const *lits) {
  expr *args[8];
  for (int i = 0; i < n; i++) args[i] = strcmp(lits[i], "NULL") ? tlit(A, types[i], lits[i]) : expr_null(A, tt(A, types[i]));
  return teval1(A, tcall(A, name, (uint32_t)n, args));
}
#define F1(nm, t1, a) fn(nm, 1, (const char *const[]){t1}, (const char *const[]){a})
#define F2(nm, t1, a, t2, b) fn(nm, 2, (const char *const[]){t1, t2}, (const char *const[]){a, b})
#define F3(nm, t1, a, t2, b, t3, c) fn(nm, 3, (const char *const[]){t1, t2, t3}, (const char *const[]){a, b, c})
#define S "STRING"
#define I "INT"
#define D "DATE"

static const char *fn_err(const char *name, int n, const char *const *types, const char *const *lits, int *rc) {
  expr *args[8];
  for (int i = 0; i < n; i++) args[i] = tlit(A, types[i], lits[i]);
  return teval1_err(A, tcall(A, name, (uint32_t)n, args), rc);
}

TEST(func_string_utf8) {
  setup();
  ASSERT_EQ_STR(F1("length", S, "héllo wörld"), "11");
  ASSERT_EQ_STR(F1("octet_length", S, "héllo"), "6");
  ASSERT_EQ_STR(F1("length", S, "日本語"), "3");
  ASSERT_EQ_STR(F2("substring", S, "Spark SQL", I, "5"), "k SQL");
  ASSERT_EQ_STR(F2("substring", S, "Spark SQL", I, "-3"), "SQL");
  ASSERT_EQ_STR(F3("substring", S, "Spark SQL", I, "5", I, "1"), "k");
  ASSERT_EQ_STR(F3("substring", S, "Spark SQL", I, "0", I, "3"), "Spa");
  ASSERT_EQ_STR(F3("substring", S, "Spark SQL", I, "-100", I, "3"), "");
  ASSERT_EQ_STR(F3("substr", S, "日本語テキスト", I, "2", I, "3"), "本語テ");
  ASSERT_EQ_STR(F3("substring", S, "abc", I, "10", I, "3"), "");
  ASSERT_EQ_STR(F2("left", S, "Spark SQL", I, "3"), "Spa");
  ASSERT_EQ_STR(F2("right", S, "Spark SQL", I, "3"), "SQL");
  ASSERT_EQ_STR(F2("right", S, "ab", I, "5"), "ab");
  ASSERT_EQ_STR(F2("left", S, "ab", I, "-1"), "");
  ASSERT_EQ_STR(F1("upper", S, "straße ÄÖü ελλάδα"), "STRAßE ÄÖÜ ΕΛΛάΔΑ");
  ASSERT_EQ_STR(F1("lower", S, "ÀÉÎ ПРИВЕТ ABC"), "àéî привет abc");
  ASSERT_EQ_STR(F1("initcap", S, "sPark sql"), "Spark Sql");
  ASSERT_EQ_STR(F1("reverse", S, "añb"), "bña");
  ASSERT_EQ_STR(F1("trim", S, "  Spark SQL  "), "Spark SQL");
  ASSERT_EQ_STR(F1("ltrim", S, "  Spark "), "Spark ");
  ASSERT_EQ_STR(F1("rtrim", S, "  Spark "), "  Spark");
  ASSERT_EQ_STR(F1("trim", S, "\tx\t"), "\tx\t"); /* only spaces */
  ASSERT_EQ_STR(F2("trim", S, "SSparkSQLS", S, "SL"), "parkSQ");
  ASSERT_EQ_STR(F2("btrim", S, "ééxéé", S, "é"), "x");
  ASSERT_EQ_STR(F3("lpad", S, "hi", I, "5", S, "??"), "???hi");
  ASSERT_EQ_STR(F3("lpad", S, "hi", I, "1", S, "??"), "h");
  ASSERT_EQ_STR(F3("rpad", S, "hi", I, "5", S, "ab"), "hiaba");
  ASSERT_EQ_STR(F2("lpad", S, "日本", I, "4"), "  日本");
  ASSERT_EQ_STR(F3("rpad", S, "x", I, "3", S, ""), "x");
  ASSERT_EQ_STR(F3("replace", S, "ABCabc", S, "abc", S, "DEF"), "ABCDEF");
  ASSERT_EQ_STR(F2("replace", S, "aXbXc", S, "X"), "abc");
  ASSERT_EQ_STR(F3("replace", S, "abc", S, "", S, "z"), "abc");
  ASSERT_EQ_STR(F2("instr", S, "SparkSQL", S, "SQL"), "6");
  ASSERT_EQ_STR(F2("instr", S, "日本語", S, "語"), "3");
  ASSERT_EQ_STR(F2("instr", S, "abc", S, "z"), "0");
  ASSERT_EQ_STR(F3("locate", S, "bar", S, "foobarbar", I, "5"), "7");
  ASSERT_EQ_STR(F3("split_part", S, "11.12.13", S, ".", I, "3"), "13");
  ASSERT_EQ_STR(F3("split_part", S, "11.12.13", S, ".", I, "-1"), "13");
  ASSERT_EQ_STR(F3("split_part", S, "11.12.13", S, ".", I, "4"), "");
  ASSERT_EQ_STR(F3("split_part", S, "a,,b", S, ",", I, "2"), "");
  int rc;
  const char *m = fn_err("split_part", 3, (const char *const[]){S, S, I}, (const char *const[]){"a.b", ".", "0"}, &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[INVALID_INDEX_OF_ZERO]");
  ASSERT_EQ_STR(F3("concat", S, "Spark", S, "SQL", I, "1"), "SparkSQL1");
  ASSERT_EQ_STR(F2("concat", S, "a", S, "NULL"), "NULL");
  ASSERT_EQ_STR(F3("concat_ws", S, " ", S, "Spark", S, "SQL"), "Spark SQL");
  ASSERT_EQ_STR(F3("concat_ws", S, "-", S, "NULL", S, "x"), "x");
  ASSERT_EQ_STR(F2("repeat", S, "ab", I, "3"), "ababab");
  ASSERT_EQ_STR(F2("startswith", S, "Spark", S, "Sp"), "true");
  ASSERT_EQ_STR(F2("endswith", S, "Spark", S, "Sp"), "false");
  ASSERT_EQ_STR(F2("contains", S, "Spark", S, "ar"), "true");
  ASSERT_EQ_STR(F1("ascii", S, "2"), "50");
}

TEST(func_like_regex) {
  setup();
  vec *cols[1] = {tv(A, "STRING", "Spark|spark|SparkSQL|xSpark|Sp_rk|NULL|日本語x")};
  batch *b = tbatch(A, 1, cols);
  expr *x = tcol(A, b, 0);
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "Spark")), b), "true|false|false|false|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "Spark%")), b), "true|false|true|false|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "%park")), b), "true|true|false|true|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "%ar%")), b), "true|true|true|true|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "Sp_rk")), b), "true|false|false|false|true|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "Sp\\_rk")), b), "false|false|false|false|true|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "%S%Q%")), b), "false|false|true|false|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "___x")), b), "false|false|false|false|false|NULL|true");
  ASSERT_EQ_STR(teval(A, tcall2(A, "ilike", x, expr_str(A, "spark")), b), "true|true|false|false|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", x, expr_str(A, "%")), b), "true|true|true|true|true|NULL|true");
  /* non-constant pattern */
  ASSERT_EQ_STR(teval(A, tcall2(A, "like", expr_str(A, "abc"), x), b), "false|false|false|false|false|NULL|false");
  ASSERT_EQ_STR(teval(A, tcall2(A, "rlike", x, expr_str(A, "^[Ss]park$")), b), "true|true|false|false|false|NULL|false");
  ASSERT_EQ_STR(F2("rlike", S, "%SystemDrive%\\Users\\John", S, "%SystemDrive%.*"), "true");
  ASSERT_EQ_STR(F3("regexp_extract", S, "100-200", S, "(\\d+)-(\\d+)", I, "1"), "100");
  ASSERT_EQ_STR(F3("regexp_extract", S, "100-200", S, "(\\d+)-(\\d+)", I, "2"), "200");
  ASSERT_EQ_STR(F3("regexp_extract", S, "foo", S, "(\\d+)", I, "1"), "");
  ASSERT_EQ_STR(F3("regexp_replace", S, "100-200", S, "(\\d+)", S, "num"), "num-num");
  ASSERT_EQ_STR(F3("regexp_replace", S, "a1b22c", S, "([0-9]+)", S, "<$1>"), "a<1>b<22>c");
  int rc;
  fn_err("rlike", 2, (const char *const[]){S, S}, (const char *const[]){"x", "(("}, &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
}

TEST(func_dates_month_ends) {
  setup();
  ASSERT_EQ_STR(F2("add_months", D, "2016-08-31", I, "1"), "2016-09-30");
  ASSERT_EQ_STR(F2("add_months", D, "2019-02-28", I, "1"), "2019-03-28");
  ASSERT_EQ_STR(F2("add_months", D, "2020-01-31", I, "1"), "2020-02-29");
  ASSERT_EQ_STR(F2("add_months", D, "2021-01-31", I, "1"), "2021-02-28");
  ASSERT_EQ_STR(F2("add_months", D, "2020-02-29", I, "12"), "2021-02-28");
  ASSERT_EQ_STR(F2("add_months", D, "2020-03-31", I, "-1"), "2020-02-29");
  ASSERT_EQ_STR(F2("add_months", D, "2000-01-15", I, "-13"), "1998-12-15");
  ASSERT_EQ_STR(F2("date_add", D, "2016-07-30", I, "1"), "2016-07-31");
  ASSERT_EQ_STR(F2("date_add", D, "2024-02-28", I, "1"), "2024-02-29");
  ASSERT_EQ_STR(F2("date_add", D, "2023-02-28", I, "1"), "2023-03-01");
  ASSERT_EQ_STR(F2("date_sub", D, "2016-07-30", I, "1"), "2016-07-29");
  ASSERT_EQ_STR(F2("date_sub", D, "2000-03-01", I, "1"), "2000-02-29");
  ASSERT_EQ_STR(F2("date_sub", D, "1900-03-01", I, "1"), "1900-02-28");
  ASSERT_EQ_STR(F2("datediff", D, "2009-07-31", D, "2009-07-30"), "1");
  ASSERT_EQ_STR(F2("datediff", D, "2024-03-01", D, "2024-02-01"), "29");
  ASSERT_EQ_STR(F2("datediff", S, "2023-03-01", S, "2023-02-01"), "28");
  ASSERT_EQ_STR(F1("dayofweek", D, "2009-07-30"), "5");
  ASSERT_EQ_STR(F1("dayofweek", D, "2024-03-03"), "1");
  ASSERT_EQ_STR(F1("weekday", D, "2024-03-03"), "6");
  ASSERT_EQ_STR(F1("dayofyear", D, "2016-04-09"), "100");
  ASSERT_EQ_STR(F1("dayofyear", D, "2024-12-31"), "366");
  ASSERT_EQ_STR(F1("weekofyear", D, "2008-02-20"), "8");
  ASSERT_EQ_STR(F1("weekofyear", D, "2021-01-01"), "53");
  ASSERT_EQ_STR(F1("last_day", D, "2009-01-12"), "2009-01-31");
  ASSERT_EQ_STR(F1("last_day", D, "2024-02-10"), "2024-02-29");
  ASSERT_EQ_STR(F1("last_day", D, "2100-02-10"), "2100-02-28");
  ASSERT_EQ_STR(F1("year", D, "1969-12-31"), "1969");
  ASSERT_EQ_STR(F1("month", "TIMESTAMP", "2024-02-29 23:59:59"), "2");
  ASSERT_EQ_STR(F1("day", S, "2024-02-29"), "29");
  ASSERT_EQ_STR(F1("quarter", D, "2016-08-31"), "3");
  ASSERT_EQ_STR(F1("hour", "TIMESTAMP", "2009-07-30 12:58:59"), "12");
  ASSERT_EQ_STR(F1("minute", "TIMESTAMP", "2009-07-30 12:58:59"), "58");
  ASSERT_EQ_STR(F1("second", "TIMESTAMP", "1969-12-31 23:59:58.5"), "58");
  ASSERT_EQ_STR(F2("date_trunc", S, "MM", "TIMESTAMP", "2015-03-05 09:32:05.359"), "2015-03-01 00:00:00");
  ASSERT_EQ_STR(F2("date_trunc", S, "HOUR", "TIMESTAMP", "2015-03-05 09:32:05.359"), "2015-03-05 09:00:00");
  ASSERT_EQ_STR(F2("date_trunc", S, "year", "TIMESTAMP", "2015-03-05 09:32:05.359"), "2015-01-01 00:00:00");
  ASSERT_EQ_STR(F2("date_trunc", S, "MILLISECOND", "TIMESTAMP", "2015-03-05 09:32:05.123456"),
                "2015-03-05 09:32:05.123");
  ASSERT_EQ_STR(F2("date_trunc", S, "bogus", "TIMESTAMP", "2015-03-05 09:32:05"), "NULL");
  ASSERT_EQ_STR(F2("trunc", D, "2019-08-04", S, "week"), "2019-07-29");
  ASSERT_EQ_STR(F2("trunc", D, "2019-08-04", S, "quarter"), "2019-07-01");
  ASSERT_EQ_STR(F2("trunc", D, "2009-02-12", S, "MM"), "2009-02-01");
  ASSERT_EQ_STR(F2("trunc", D, "2009-02-12", S, "DD"), "NULL");
  ASSERT_EQ_STR(F3("make_date", I, "2024", I, "2", I, "29"), "2024-02-29");
  int rc;
  const char *m = fn_err("make_date", 3, (const char *const[]){I, I, I}, (const char *const[]){"2023", "2", "29"}, &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "Invalid date");
}

TEST(func_dates_parse_format) {
  setup();
  ASSERT_EQ_STR(F1("to_date", S, "2009-07-30 04:17:52"), "2009-07-30");
  ASSERT_EQ_STR(F2("to_date", S, "2016-12-31", S, "yyyy-MM-dd"), "2016-12-31");
  ASSERT_EQ_STR(F2("to_date", S, "31/12/2016", S, "dd/MM/yyyy"), "2016-12-31");
  ASSERT_EQ_STR(F2("to_timestamp", S, "2016-12-31 00:12:00", S, "yyyy-MM-dd HH:mm:ss"), "2016-12-31 00:12:00");
  ASSERT_EQ_STR(F2("to_timestamp", S, "Dec 31 2016 01:02:03.25 PM", S, "MMM dd yyyy hh:mm:ss.SS a"),
                "2016-12-31 13:02:03.25");
  ASSERT_EQ_STR(F1("to_timestamp", S, "2016-12-31T00:12:00Z"), "2016-12-31 00:12:00");
  ASSERT_EQ_STR(F2("try_to_timestamp", S, "2016-13-31", S, "yyyy-MM-dd"), "NULL");
  int rc;
  const char *m =
      fn_err("to_timestamp", 2, (const char *const[]){S, S}, (const char *const[]){"2016-02-30", "yyyy-MM-dd"}, &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[CANNOT_PARSE_TIMESTAMP] Text '2016-02-30' could not be parsed");
  ASSERT_EQ_STR(F2("date_format", "TIMESTAMP", "2016-04-08 13:05:09.5", S, "y"), "2016");
  ASSERT_EQ_STR(F2("date_format", "TIMESTAMP", "2016-04-08 13:05:09.5", S, "yyyy-MM-dd'T'HH:mm:ss.SSS"),
                "2016-04-08T13:05:09.500");
  ASSERT_EQ_STR(F2("date_format", "TIMESTAMP", "2016-04-08 13:05:09", S, "EEE, d MMM yy hh a"),
                "Fri, 8 Apr 16 01 PM");
  ASSERT_EQ_STR(F2("date_format", D, "2024-01-07", S, "EEEE MMMM"), "Sunday January");
  ASSERT_EQ_STR(F1("from_unixtime", "BIGINT", "0"), "1970-01-01 00:00:00");
  ASSERT_EQ_STR(F1("unix_timestamp", "TIMESTAMP", "2016-04-08 00:00:00"), "1460073600");
  ASSERT_EQ_STR(F1("timestamp_seconds", "BIGINT", "1230219000"), "2008-12-25 15:30:00");
  ASSERT_EQ_STR(F1("unix_date", D, "1970-01-02"), "1");
  /* current_date/current_timestamp come from the query (teval uses 1700000000 s) */
  ASSERT_EQ_STR(teval1(A, tcall(A, "current_timestamp", 0, NULL)), "2023-11-14 22:13:20");
  ASSERT_EQ_STR(teval1(A, tcall(A, "current_date", 0, NULL)), "2023-11-14");
}

TEST(func_spark_hash_vectors) {
  setup();
  /* Spark docs: hash('Spark', array(123), 2) = -1321691492, xxhash64(...) = 5602566077635097486 */
  expr *arr = tcall1(A, "array", expr_int(A, 123));
  expr *args[3] = {expr_str(A, "Spark"), arr, expr_int(A, 2)};
  ASSERT_EQ_STR(teval1(A, tcall(A, "hash", 3, args)), "-1321691492");
  ASSERT_EQ_STR(teval1(A, tcall(A, "xxhash64", 3, args)), "5602566077635097486");
  /* NULL arguments are skipped */
  expr *args2[4] = {expr_str(A, "Spark"), expr_null(A, type_make(LT_INT)), arr, expr_int(A, 2)};
  ASSERT_EQ_STR(teval1(A, tcall(A, "hash", 4, args2)), "-1321691492");
  /* hash(0) of the seed only mixes 0 */
  ASSERT_EQ_STR(teval1(A, tcall1(A, "hash", expr_null(A, type_make(LT_INT)))), "42");
  ASSERT_EQ_STR(F1("md5", S, "Spark"), "8cde774d6f7333752ed72cacddb05126");
  ASSERT_EQ_STR(F1("md5", S, ""), "d41d8cd98f00b204e9800998ecf8427e");
  ASSERT_EQ_STR(F1("sha1", S, "Spark"), "85f5955f4b27a9a4c2aab6ffe5d7189fc298b92c");
  ASSERT_EQ_STR(F2("sha2", S, "Spark", I, "256"), "529bc3b07127ecb7e53a4dcf1991d9152c24537d919178022b2c42657f79a26b");
  ASSERT_EQ_STR(F2("sha2", S, "abc", I, "224"), "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7");
  ASSERT_EQ_STR(F2("sha2", S, "abc", I, "384"),
                "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
  ASSERT_EQ_STR(F2("sha2", S, "", I, "512"),
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b"
                "931bd47417a81a538327af927da3e");
  ASSERT_EQ_STR(F2("sha2", S, "abc", I, "1"), "NULL");
  ASSERT_EQ_STR(F1("crc32", S, "Spark"), "1557323817");
  /* a long message crosses the block boundary */
  ASSERT_EQ_STR(F1("md5", S, "The quick brown fox jumps over the lazy dog, and then some more text to pass 64 bytes"),
                "51a4741a871ef123c7a3ff6095248a87");
}

TEST(func_rounding) {
  setup();
  ASSERT_EQ_STR(F2("round", "DOUBLE", "2.5", I, "0"), "3.0");
  ASSERT_EQ_STR(F2("round", "DOUBLE", "-2.5", I, "0"), "-3.0");
  ASSERT_EQ_STR(F2("round", "DOUBLE", "2.675", I, "2"), "2.68");
  ASSERT_EQ_STR(F2("round", "DOUBLE", "1.0E20", I, "2"), "1.0E20");
  ASSERT_EQ_STR(F2("bround", "DOUBLE", "2.5", I, "0"), "2.0");
  ASSERT_EQ_STR(F2("bround", "DOUBLE", "3.5", I, "0"), "4.0");
  ASSERT_EQ_STR(F2("bround", I, "25", I, "-1"), "20");
  ASSERT_EQ_STR(F2("round", I, "25", I, "-1"), "30");
  ASSERT_EQ_STR(F2("round", I, "-25", I, "-1"), "-30");
  expr *r = tcall2(A, "round", tlit(A, "DECIMAL(10,4)", "123.4550"), expr_int(A, 2));
  ASSERT_EQ_INT(r->type.precision, 9);
  ASSERT_EQ_INT(r->type.scale, 2);
  ASSERT_EQ_STR(teval1(A, r), "123.46");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "round", tlit(A, "DECIMAL(5,2)", "-1.25"), expr_int(A, 1))), "-1.3");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "bround", tlit(A, "DECIMAL(5,2)", "-1.25"), expr_int(A, 1))), "-1.2");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "round", tlit(A, "DECIMAL(5,2)", "99.50"))), "100");
  ASSERT_EQ_STR(F1("floor", "DOUBLE", "-0.1"), "-1");
  ASSERT_EQ_STR(F1("ceil", "DOUBLE", "-0.1"), "0");
  ASSERT_EQ_STR(F1("ceil", "DOUBLE", "5.000001"), "6");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "floor", tlit(A, "DECIMAL(5,2)", "-3.01"))), "-4");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "ceil", tlit(A, "DECIMAL(5,2)", "3.01"))), "4");
  ASSERT_EQ_STR(F1("sqrt", "DOUBLE", "4"), "2.0");
  ASSERT_EQ_STR(F2("pow", I, "2", I, "10"), "1024.0");
  ASSERT_EQ_STR(F1("ln", "DOUBLE", "1"), "0.0");
  ASSERT_EQ_STR(F1("ln", "DOUBLE", "0"), "NULL");
  ASSERT_EQ_STR(F1("exp", "DOUBLE", "0"), "1.0");
  ASSERT_EQ_STR(F2("mod", I, "-7", I, "3"), "-1");
  ASSERT_EQ_STR(F1("abs", "DOUBLE", "-1.5"), "1.5");
}

TEST(func_conditional_and_collections) {
  setup();
  ASSERT_EQ_STR(F3("greatest", I, "10", I, "9", I, "NULL"), "10");
  ASSERT_EQ_STR(F3("least", "DOUBLE", "10", I, "9", I, "2"), "2.0");
  ASSERT_EQ_STR(F2("greatest", I, "NULL", I, "NULL"), "NULL");
  ASSERT_EQ_STR(F3("greatest", S, "a", S, "c", S, "b"), "c");
  ASSERT_EQ_STR(F2("nvl", I, "NULL", I, "2"), "2");
  ASSERT_EQ_STR(F2("nullif", I, "2", I, "2"), "NULL");
  ASSERT_EQ_STR(F2("nullif", I, "2", I, "3"), "2");
  ASSERT_EQ_STR(F3("nvl2", I, "NULL", I, "2", I, "1"), "1");
  ASSERT_EQ_STR(F3("if", "BOOLEAN", "true", I, "1", I, "2"), "1");
  ASSERT_EQ_STR(F3("coalesce", I, "NULL", "BIGINT", "5", I, "1"), "5");
  expr *arr = tcall(A, "array", 3, (expr *[]){expr_int(A, 1), expr_int(A, 2), expr_int(A, 3)});
  ASSERT_EQ_STR(teval1(A, arr), "[1, 2, 3]");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "size", arr)), "3");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "element_at", arr, expr_int(A, 1))), "1");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "element_at", arr, expr_int(A, -1))), "3");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "try_element_at", arr, expr_int(A, 5))), "NULL");
  int rc;
  const char *m = teval1_err(A, tcall2(A, "element_at", arr, expr_int(A, 5)), &rc);
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(m, "[INVALID_ARRAY_INDEX_IN_ELEMENT_AT] The index 5 is out of bounds. The array has 3 elements");
  m = teval1_err(A, tcall2(A, "element_at", arr, expr_int(A, 0)), &rc);
  ASSERT_CONTAINS(m, "[INVALID_INDEX_OF_ZERO]");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "array_contains", arr, expr_int(A, 2))), "true");
  ASSERT_EQ_STR(teval1(A, tcall2(A, "array_contains", arr, expr_int(A, 7))), "false");
  expr *arrn = tcall(A, "array", 2, (expr *[]){expr_int(A, 1), expr_null(A, type_make(LT_INT))});
  ASSERT_EQ_STR(teval1(A, tcall2(A, "array_contains", arrn, expr_int(A, 7))), "NULL");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "size", expr_null(A, tt(A, "ARRAY<INT>")))), "NULL");
  ASSERT_EQ_STR(F2("split", S, "oneAtwoBthreeC", S, "[ABC]"), "[one, two, three, ]");
  ASSERT_EQ_STR(F3("split", S, "oneAtwoBthreeC", S, "[ABC]", I, "2"), "[one, twoBthreeC]");
  ASSERT_EQ_STR(F2("split", S, "a,b,,c,", S, ","), "[a, b, , c, ]");
  ASSERT_EQ_STR(F2("split", S, "abc", S, ""), "[a, b, c]");
  ASSERT_EQ_STR(teval1(A, tcall1(A, "typeof", tlit(A, "DECIMAL(5,2)", "1"))), "decimal(5,2)");
  ASSERT_EQ_STR(teval1(A, tcall(A, "concat_ws", 3, (expr *[]){expr_str(A, ","), tcall2(A, "split", expr_str(A, "x y"), expr_str(A, ",")),
                                                              expr_str(A, "z")})),
                "x y,z");
}

static void count_fn(void *ud, const func_def *d) {
  ASSERT(d->bind != NULL);
  ASSERT(func_lookup(d->name) != NULL);
  (*(int *)ud)++;
}

TEST(func_registry_errors) {
  setup();
  lago_err err;
  lago_err_clear(&err);
  expr *out;
  expr *a[1] = {expr_int(A, 1)};
  ASSERT_RC(expr_call(A, "no_such_fn", a, 1, &out, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "[UNRESOLVED_ROUTINE] cannot resolve function `no_such_fn`");
  lago_err_clear(&err);
  ASSERT_RC(expr_call(A, "substring", a, 1, &out, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "[WRONG_NUM_ARGS] `substring` requires 2 to 3 arguments, got 1");
  lago_err_clear(&err);
  expr *arr[1] = {tcall1(A, "array", expr_int(A, 1))};
  ASSERT_RC(expr_call(A, "lower", arr, 1, &out, &err), LAGO_BIND);
  ASSERT_CONTAINS(err.msg, "`lower`: argument 1 requires STRING, got ARRAY<INT>");
  /* every registered function has a bind and can be looked up by its name */
  int count = 0;
  func_foreach(count_fn, &count);
  ASSERT(count > 100);
}
