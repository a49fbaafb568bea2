/*
** tests/unit/format/test_txt_num.c: the number and UTF-8 parsers shared by
** the CSV and the JSON reader (format/text/txt_num.c, txt_utf8.c): doubles
** and floats correctly rounded against strtod/strtof, integers, decimal text
** (grouping, rounding, the inline fast path agreeing with the general one),
** BigDecimal precision/scale, UTF-8 validation and repair.
*/
#include <math.h>
#include <stdlib.h>

#include "format/text/text_int.h"
#include "test.h"
#include "util/alloc.h"

TEST(txt_double_correctly_rounded) {
  /* The fast path and the fallback agree with strtod/strtof on many spellings. */
  uint64_t x = 88172645463325252ull;
  char s[64];
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    int kind = (int)(x % 5);
    switch (kind) {
      case 0: snprintf(s, sizeof s, "%llu.%llu", (unsigned long long)(x >> 40), (unsigned long long)((x >> 8) % 100000)); break;
      case 1: snprintf(s, sizeof s, "%.17g", (double)(x >> 11) / (double)(1ull << (x % 60))); break;
      case 2: snprintf(s, sizeof s, "%llue%d", (unsigned long long)(x >> 45), (int)(x % 50) - 25); break;
      case 3: snprintf(s, sizeof s, "%llu.%lluE+%d", (unsigned long long)(x >> 54), (unsigned long long)((x >> 4) % 1000), (int)(x % 12)); break;
      default: snprintf(s, sizeof s, "-0.%llu", (unsigned long long)(x >> 20)); break;
    }
    double got, want = strtod(s, NULL);
    ASSERT(txt_parse_f64(s, (uint32_t)strlen(s), &got) == 0);
    if (memcmp(&got, &want, 8) != 0) test_fail_(__FILE__, __LINE__, "%s: got %.17g want %.17g", s, got, want);
    float gf, wf = strtof(s, NULL);
    ASSERT(txt_parse_f32(s, (uint32_t)strlen(s), &gf) == 0);
    if (memcmp(&gf, &wf, 4) != 0) test_fail_(__FILE__, __LINE__, "%s: got %.9g want %.9g (float)", s, gf, wf);
  }
}

TEST(txt_double_text) {
  double d;
  ASSERT_EQ_INT(txt_parse_f64("-Infinity", 9, &d), 0);
  ASSERT(isinf(d) && d < 0);
  ASSERT_EQ_INT(txt_parse_f64("nan", 3, &d), 0);
  ASSERT(isnan(d));
  ASSERT_EQ_INT(txt_parse_f64("-0", 2, &d), 0);
  ASSERT(d == 0 && signbit(d));
  ASSERT_EQ_INT(txt_parse_f64(".5", 2, &d), 0);
  ASSERT(d == 0.5);
  ASSERT_EQ_INT(txt_parse_f64("5.", 2, &d), 0);
  ASSERT_EQ_INT(txt_parse_f64("1e", 2, &d), -1);
  ASSERT_EQ_INT(txt_parse_f64("1e+", 3, &d), -1);
  ASSERT_EQ_INT(txt_parse_f64(".", 1, &d), -1);
  ASSERT_EQ_INT(txt_parse_f64("0x10", 4, &d), -1);
  ASSERT_EQ_INT(txt_parse_f64(" 1", 2, &d), -1);
  ASSERT_EQ_INT(txt_parse_f64("1,5", 3, &d), -1);
  ASSERT_EQ_INT(txt_parse_f64("", 0, &d), -1);
  /* long text goes through strtod_l on a heap copy: 1 followed by 2000 zeros, then e-2000 */
  char *big = mem_alloc(2008);
  ASSERT_NE_NULL(big);
  big[0] = '1';
  memset(big + 1, '0', 2000);
  memcpy(big + 2001, "e-2000", 6);
  ASSERT_EQ_INT(txt_parse_f64(big, 2007, &d), 0);
  ASSERT(d == 1.0);
  mem_fail_after(1);
  ASSERT_EQ_INT(txt_parse_f64(big, 2007, &d), LAGO_NOMEM);
  mem_fail_after(0);
  mem_free(big);
}

TEST(txt_integers) {
  int64_t v;
  ASSERT_EQ_INT(txt_parse_i64("-9223372036854775808", 20, &v), 0);
  ASSERT_EQ_INT(v, INT64_MIN);
  ASSERT_EQ_INT(txt_parse_i64("9223372036854775808", 19, &v), -1);
  ASSERT_EQ_INT(txt_parse_i64("+007", 4, &v), 0);
  ASSERT_EQ_INT(v, 7);
  ASSERT_EQ_INT(txt_parse_i64("-", 1, &v), -1);
  ASSERT_EQ_INT(txt_parse_i64("1.0", 3, &v), -1);
  txt_num x;
  ASSERT_EQ_INT(txt_num_scan("1e2", 3, &x), 0);
  ASSERT_EQ_INT(txt_num_int(&x, INT64_MIN, INT64_MAX, &v), -1); /* not integer text */
  ASSERT_EQ_INT(txt_num_scan("-128", 4, &x), 0);
  ASSERT_EQ_INT(txt_num_int(&x, -128, 127, &v), 0);
  ASSERT_EQ_INT(v, -128);
  ASSERT_EQ_INT(txt_num_scan("128", 3, &x), 0);
  ASSERT_EQ_INT(txt_num_int(&x, -128, 127, &v), -1);
}

TEST(txt_decimal_text) {
  __int128 v;
  ASSERT_EQ_INT(txt_dec_text("1,234.565", 9, 10, 2, &v), 0); /* grouping dropped, half up */
  ASSERT(v == 123457);
  ASSERT_EQ_INT(txt_dec_text("-0.005", 6, 5, 2, &v), 0);
  ASSERT(v == -1);
  ASSERT_EQ_INT(txt_dec_text("1e3", 3, 5, 0, &v), 0);
  ASSERT(v == 1000);
  ASSERT_EQ_INT(txt_dec_text("100000", 6, 5, 0, &v), -1); /* precision */
  ASSERT_EQ_INT(txt_dec_text("12345678901234567890123.45", 26, 38, 1, &v), 0); /* > 19 digits */
  ASSERT(v == (__int128)1234567890123456789ll * 100000 + 1235); /* ...123.45 -> ...123.5 */
  ASSERT_EQ_INT(txt_dec_text("abc", 3, 5, 0, &v), -1);
  /* a long plain text needs no copy; with grouping it is limited to 255 bytes */
  char lng[400];
  memset(lng, '0', sizeof lng);
  lng[1] = '.';
  lng[sizeof lng - 1] = '1';
  ASSERT_EQ_INT(txt_dec_text(lng, sizeof lng, 10, 2, &v), 0);
  ASSERT(v == 0);
  lng[0] = ',';
  ASSERT_EQ_INT(txt_dec_text(lng, sizeof lng, 10, 2, &v), -1);
  int p, sc;
  ASSERT(txt_dec_text_type("1.50", 4, &p, &sc));
  ASSERT_EQ_INT(p, 3);
  ASSERT_EQ_INT(sc, 2);
  ASSERT(txt_dec_text_type("1e3", 3, &p, &sc));
  ASSERT_EQ_INT(p, 4);
  ASSERT_EQ_INT(sc, 0);
  ASSERT(!txt_dec_text_type("x", 1, &p, &sc));
  /* The inline DECIMAL(p <= 18) fast path agrees with the general parser. */
  static const char *const texts[] = {"0",     "-0.00", "1.",    ".5",     "+12.34", "12.345", "999999.99", "1000000",
                                      "1e2",   "1,000", "-.125", "00012.1", "",      "-",      "1.2.3",   "123456789012345678"};
  for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
    const char *t = texts[i];
    uint32_t n = (uint32_t)strlen(t);
    for (int prec = 1; prec <= 18; prec++)
      for (int scale = 0; scale <= prec && scale <= 4; scale++) {
        int64_t fast = 0;
        __int128 slow = 0;
        int a = txt_parse_dec64(t, n, prec, scale, &fast), b = n ? txt_dec_text(t, n, prec, scale, &slow) : -1;
        if (a != b || (a == 0 && fast != (int64_t)slow))
          test_fail_(__FILE__, __LINE__, "'%s' DECIMAL(%d,%d): fast %d/%lld, general %d/%lld", t, prec, scale, a,
                     (long long)fast, b, (long long)slow);
      }
  }
}

TEST(txt_utf8) {
  ASSERT(txt_utf8_valid("plain ascii text, long enough for words", 39));
  ASSERT(txt_utf8_valid("\xc3\xa9\xe6\x97\xa5\xf0\x9f\xa6\x86", 9));
  ASSERT(!txt_utf8_valid("\xc0\x80", 2));         /* overlong */
  ASSERT(!txt_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
  ASSERT(!txt_utf8_valid("\xf4\x90\x80\x80", 4)); /* above U+10FFFF */
  ASSERT(!txt_utf8_valid("abcdefgh\xe6\x97", 10)); /* cut short */
  buf b;
  buf_init(&b);
  ASSERT_OK(txt_utf8_repair(&b, "a\xff" "b\xe6\x97" "c\xc3\xa9", 8), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd" "c\xc3\xa9");
  buf_deinit(&b);
}
