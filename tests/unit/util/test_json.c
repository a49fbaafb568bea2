/*
** tests/unit/util/test_json.c: the JSON parser, accessors and writer
** (util/json.h): every value type, escapes, numbers, error messages with
** line/column, UTF-8 validation, nesting limit, newline-delimited input,
** writer escaping and commas, and an allocation-failure sweep.
*/
#include <math.h>

#include "test.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/json.h"

/* Parses text (len bytes) and fails the test on error. Tree lives in ar. */
static json_value *parse_n(arena *ar, const char *text, size_t len) {
  lago_err e;
  lago_err_clear(&e);
  json_value *v = NULL;
  int rc = json_parse(ar, text, len, &v, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "json_parse(%.*s) failed: %s", (int)len, text, e.msg);
  return v;
}
static json_value *parse(arena *ar, const char *text) { return parse_n(ar, text, strlen(text)); }

/* Expects text to fail with LAGO_PARSE and exactly message `want` at byte pos. */
static void expect_err_n(const char *text, size_t len, const char *want, int want_pos) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  json_value *v = (json_value *)1;
  int rc = json_parse(ar, text, len, &v, &e);
  if (rc != LAGO_PARSE)
    test_fail_(__FILE__, __LINE__, "input %.*s: got %s, want LAGO_PARSE", (int)len, text, lago_rc_name(rc));
  if (v != NULL) test_fail_(__FILE__, __LINE__, "input %.*s: *out not NULL on error", (int)len, text);
  if (strcmp(e.msg, want) != 0)
    test_fail_(__FILE__, __LINE__, "input %.*s:\n  got:  %s\n  want: %s", (int)len, text, e.msg, want);
  if (e.pos != want_pos) test_fail_(__FILE__, __LINE__, "input %.*s: pos %d, want %d", (int)len, text, e.pos, want_pos);
  arena_free(ar);
}
static void expect_err(const char *text, const char *want, int want_pos) {
  expect_err_n(text, strlen(text), want, want_pos);
}

TEST(json_scalars) {
  arena *ar = arena_new("t", 1024);
  json_value *v = parse(ar, "null");
  ASSERT_EQ_INT(v->type, JSON_NULL);
  v = parse(ar, "true");
  ASSERT(v->type == JSON_BOOL && v->boolean);
  v = parse(ar, "false");
  ASSERT(v->type == JSON_BOOL && !v->boolean);
  v = parse(ar, "\"hi\"");
  ASSERT_EQ_INT(v->type, JSON_STRING);
  ASSERT_EQ_INT(v->len, 2);
  ASSERT_EQ_STR(v->u.str, "hi");
  v = parse(ar, "\"\"");
  ASSERT_EQ_INT(v->len, 0);
  ASSERT_EQ_STR(v->u.str, "");
  v = parse(ar, "42");
  ASSERT(v->type == JSON_NUMBER && v->is_int);
  ASSERT_EQ_INT(v->x.num.i, 42);
  ASSERT(v->x.num.d == 42.0);
  ASSERT_EQ_INT(v->len, 2);
  ASSERT_EQ_MEM(v->u.str, "42", 2);
  ASSERT_EQ_STR(json_type_name(JSON_OBJECT), "object");
  arena_free(ar);
}

TEST(json_containers_order_and_duplicates) {
  arena *ar = arena_new("t", 1024);
  json_value *v = parse(ar, "{\"b\":1,\"a\":[true,null,\"x\",{}],\"b\":2,\"e\":[]}");
  ASSERT_EQ_INT(v->type, JSON_OBJECT);
  ASSERT_EQ_INT(json_len(v), 4);
  ASSERT_EQ_STR(json_member_at(v, 0)->key, "b");
  ASSERT_EQ_STR(json_member_at(v, 1)->key, "a");
  ASSERT_EQ_STR(json_member_at(v, 2)->key, "b");
  ASSERT(json_member_at(v, 4) == NULL);
  ASSERT_EQ_INT(json_get(v, "b")->x.num.i, 2); /* last duplicate wins */
  ASSERT(json_get(v, "zz") == NULL);
  ASSERT(json_get(json_get(v, "b"), "x") == NULL); /* not an object */
  const json_value *a = json_get(v, "a");
  ASSERT_EQ_INT(json_len(a), 4);
  ASSERT(json_at(a, 0)->boolean);
  ASSERT_EQ_INT(json_at(a, 1)->type, JSON_NULL);
  ASSERT_EQ_STR(json_at(a, 2)->u.str, "x");
  ASSERT_EQ_INT(json_at(a, 3)->type, JSON_OBJECT);
  ASSERT_EQ_INT(json_len(json_at(a, 3)), 0);
  ASSERT(json_at(a, 4) == NULL);
  ASSERT(json_at(v, 0) == NULL); /* object is not an array */
  ASSERT_EQ_INT(json_len(json_get(v, "e")), 0);
  ASSERT_EQ_INT(json_get(v, "e")->type, JSON_ARRAY);
  ASSERT_EQ_INT(json_len(NULL), 0);
  ASSERT(json_get(NULL, "a") == NULL);
  arena_free(ar);
}

TEST(json_string_escapes) {
  arena *ar = arena_new("t", 1024);
  json_value *v = parse(ar, "\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\"");
  ASSERT_EQ_STR(v->u.str, "a\"b\\c/d\be\ff\ng\rh\ti");
  ASSERT_EQ_INT(v->len, 17);
  v = parse(ar, "\"\\u0041\\u00e9\\u20AC\\uD83D\\uDE00!\"");
  ASSERT_EQ_STR(v->u.str, "A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80!");
  v = parse(ar, "\"\\uDBFF\\uDFFF\"");
  ASSERT_EQ_STR(v->u.str, "\xF4\x8F\xBF\xBF"); /* U+10FFFF */
  v = parse(ar, "\"x\\u0000y\"");
  ASSERT_EQ_INT(v->len, 3);
  ASSERT_EQ_MEM(v->u.str, "x\0y", 4); /* and NUL-terminated after len */
  v = parse(ar, "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
  ASSERT_EQ_STR(v->u.str, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  /* Long strings cross the 8-byte fast path, escape in the middle and at the end. */
  v = parse(ar, "\"0123456789abcdef0123456789\\n0123456789abcdef\xC3\xA9xyz0123456789\\\"\"");
  ASSERT_EQ_STR(v->u.str, "0123456789abcdef0123456789\n0123456789abcdef\xC3\xA9xyz0123456789\"");
  /* Keys are unescaped too. */
  v = parse(ar, "{\"k\\u00e9y\":1,\"\\u0000\":2}");
  ASSERT_EQ_STR(json_member_at(v, 0)->key, "k\xC3\xA9y");
  ASSERT_NE_NULL(json_get(v, "k\xC3\xA9y"));
  ASSERT_EQ_INT(json_getn(v, "\0", 1)->x.num.i, 2);
  ASSERT(json_get(v, "") == NULL);
  arena_free(ar);
}

/* Specials at every offset around the 8-byte scanning chunks, before and
** after the first escape (fast and in-place decoding paths). */
TEST(json_string_chunk_offsets) {
  arena *ar = arena_new("t", 1 << 16);
  static const struct {
    const char *src, *dec;
  } sp[] = {{"\\n", "\n"}, {"\\\"", "\""}, {"\xC3\xA9", "\xC3\xA9"}, {"\\u20AC", "\xE2\x82\xAC"},
            {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"}};
  char text[128], want[128];
  for (size_t k = 0; k < sizeof sp / sizeof sp[0]; k++) {
    for (int lead = 0; lead < 2; lead++) {     /* with an escape first: in-place path */
      for (int len = 0; len < 24; len++) {
        for (int pos = 0; pos <= len; pos++) {
          size_t n = 0, w = 0;
          text[n++] = '"';
          if (lead) {
            memcpy(text + n, "\\t", 2), n += 2;
            want[w++] = '\t';
          }
          for (int i = 0; i < len; i++) {
            if (i == pos) {
              n += (size_t)sprintf(text + n, "%s", sp[k].src);
              w += (size_t)sprintf(want + w, "%s", sp[k].dec);
            }
            text[n++] = (char)('a' + i % 26);
            want[w++] = (char)('a' + i % 26);
          }
          if (pos == len) {
            n += (size_t)sprintf(text + n, "%s", sp[k].src);
            w += (size_t)sprintf(want + w, "%s", sp[k].dec);
          }
          text[n++] = '"';
          json_value *v = parse_n(ar, text, n);
          if (v->len != w || memcmp(v->u.str, want, w) != 0 || v->u.str[w] != 0)
            test_fail_(__FILE__, __LINE__, "k=%zu lead=%d len=%d pos=%d: got %.*s", k, lead, len, pos, (int)v->len,
                       v->u.str);
          /* A raw control byte at the same place is reported at its column. */
          text[n - 1] = 0;
          size_t at = 1 + (lead ? 2 : 0) + (size_t)pos;
          char saved = text[at];
          text[at] = '\x01';
          char msg[128];
          snprintf(msg, sizeof msg, "line 1, column %zu: control character 0x01 in string (must be escaped)", at + 1);
          text[n - 1] = '"';
          expect_err_n(text, n, msg, (int)at);
          text[at] = saved;
        }
      }
      arena_reset(ar);
    }
  }
  arena_free(ar);
}

TEST(json_numbers) {
  arena *ar = arena_new("t", 1024);
  json_value *v = parse(ar, "9223372036854775807");
  ASSERT(v->is_int);
  ASSERT(v->x.num.i == INT64_MAX);
  v = parse(ar, "-9223372036854775808");
  ASSERT(v->is_int);
  ASSERT(v->x.num.i == INT64_MIN);
  ASSERT(v->x.num.d == -9223372036854775808.0);
  v = parse(ar, "9223372036854775808");
  ASSERT(!v->is_int);
  ASSERT_EQ_INT(v->len, 19);
  ASSERT_EQ_MEM(v->u.str, "9223372036854775808", 19);
  ASSERT(v->x.num.d == 9223372036854775808.0);
  v = parse(ar, "-9223372036854775809");
  ASSERT(!v->is_int);
  ASSERT(v->x.num.d == -9223372036854775808.0);
  v = parse(ar, "123456789012345678901234567890");
  ASSERT(!v->is_int);
  ASSERT(v->x.num.d == 1.2345678901234568e29);
  v = parse(ar, "-0");
  ASSERT(v->is_int);
  ASSERT_EQ_INT(v->x.num.i, 0);
  ASSERT(v->x.num.d == 0 && signbit(v->x.num.d));
  v = parse(ar, "-0.0");
  ASSERT(!v->is_int && signbit(v->x.num.d));
  v = parse(ar, "0");
  ASSERT(v->is_int && !signbit(v->x.num.d));
  v = parse(ar, "1.0");
  ASSERT(!v->is_int);
  ASSERT(v->x.num.d == 1.0);
  v = parse(ar, "1e3");
  ASSERT(!v->is_int);
  ASSERT(v->x.num.d == 1000.0);
  ASSERT(parse(ar, "1E+2")->x.num.d == 100.0);
  ASSERT(parse(ar, "1e-2")->x.num.d == 0.01);
  ASSERT(parse(ar, "0.1")->x.num.d == 0.1);
  ASSERT(parse(ar, "-2.5e-3")->x.num.d == -0.0025);
  ASSERT(parse(ar, "0.30000000000000004")->x.num.d == 0.30000000000000004);
  ASSERT(parse(ar, "2.2250738585072014e-308")->x.num.d == 2.2250738585072014e-308);
  ASSERT(parse(ar, "4.9e-324")->x.num.d == 4.9e-324);
  ASSERT(parse(ar, "1.7976931348623157e308")->x.num.d == 1.7976931348623157e308);
  ASSERT(isinf(parse(ar, "1e400")->x.num.d));
  ASSERT(isinf(parse(ar, "-1e99999999999999999999")->x.num.d));
  ASSERT(parse(ar, "1e-400")->x.num.d == 0.0);
  ASSERT(parse(ar, "0e999999")->x.num.d == 0.0);
  ASSERT(parse(ar, "0.000001234")->x.num.d == 0.000001234);
  ASSERT(parse(ar, "12345678901234567890e-10")->x.num.d == 1234567890.123456789);
  /* Very long texts take the reducing slow path. */
  buf b;
  buf_init(&b);
  buf_puts(&b, "0.");
  for (int i = 0; i < 1500; i++) buf_putc(&b, '0');
  buf_puts(&b, "15e1502");
  ASSERT(parse_n(ar, b.data, b.len)->x.num.d == 15.0);
  buf_clear(&b);
  buf_puts(&b, "1");
  for (int i = 0; i < 1200; i++) buf_putc(&b, '0');
  buf_puts(&b, ".5e-1200");
  v = parse_n(ar, b.data, b.len);
  ASSERT(!v->is_int);
  ASSERT(v->x.num.d == 1.0);
  /* 2^-1075 * (1 + tiny) must round up to the smallest subnormal: needs the sticky digit. */
  buf_clear(&b);
  buf_puts(&b, "2.4703282292062327208828439643411068618252990130716238221279284125033775363510437593264991818081799618989828234772285886546332835517796989819938739800539093906315035659515570226392290858392449105184435931802849936536152500319370457678249219365623669863658480757001585769269903706311928279558551332927834338409351978015531246597263579574622766465272827220056374006485499977096599470454020828166226237857393450736339007967761930577506740176324673600968951340535537458516661134223766678604162159680461914467291840300530057530849048765391711386591646239524912623653881879636239373280423891018672348497668235089863388587925628302755995657524455507255189313690836254779186948667994968324049705821028513185451396213837722826145437693412532098591327667236328125");
  for (int i = 0; i < 300; i++) buf_putc(&b, '0');
  buf_puts(&b, "1e-324");
  ASSERT(parse_n(ar, b.data, b.len)->x.num.d == 4.9406564584124654e-324);
  buf_deinit(&b);
  arena_free(ar);
}

/* The fast (Clinger) path and the strtod path must agree with strtod on many values. */
TEST(json_numbers_match_strtod) {
  arena *ar = arena_new("t", 1 << 16);
  uint64_t s = 0x9E3779B97F4A7C15ull;
  char text[64];
  for (int i = 0; i < 20000; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    double x;
    uint64_t bits = s;
    memcpy(&x, &bits, 8);
    if (!isfinite(x)) continue;
    switch (i % 4) {
      case 0: snprintf(text, sizeof text, "%.17g", x); break;
      case 1: snprintf(text, sizeof text, "%.6f", (double)(s % 100000000) / 1000.0); break;
      case 2: snprintf(text, sizeof text, "%.*e", (int)(s % 18), x); break;
      default: snprintf(text, sizeof text, "%lld.%03d", (long long)(s % 10000000000000ull), (int)(s % 1000)); break;
    }
    if (strchr(text, 'n') || strchr(text, 'i')) continue;
    json_value *v = parse(ar, text);
    double want = strtod(text, NULL);
    if (memcmp(&want, &v->x.num.d, 8) != 0)
      test_fail_(__FILE__, __LINE__, "%s: got %.17g want %.17g", text, v->x.num.d, want);
    if (i % 256 == 0) arena_reset(ar);
  }
  arena_free(ar);
}

TEST(json_whitespace) {
  arena *ar = arena_new("t", 1024);
  json_value *v = parse(ar, " \t\r\n [ 1 , { \"a\" : \n 2 } ] \n\t ");
  ASSERT_EQ_INT(json_len(v), 2);
  ASSERT_EQ_INT(json_get(json_at(v, 1), "a")->x.num.i, 2);
  /* Form feed and vertical tab are not JSON whitespace. */
  expect_err("\f1", "line 1, column 1: unexpected byte 0x0C, expected a value", 0);
  arena_free(ar);
}

TEST(json_nesting_limit) {
  arena *ar = arena_new("t", 1024);
  char text[2 * (JSON_MAX_DEPTH + 1) + 1];
  for (int i = 0; i < JSON_MAX_DEPTH; i++) {
    text[i] = '[';
    text[2 * JSON_MAX_DEPTH - 1 - i] = ']';
  }
  json_value *v = parse_n(ar, text, 2 * JSON_MAX_DEPTH);
  int depth = 0;
  while (v && v->type == JSON_ARRAY) {
    depth++;
    v = (json_value *)json_at(v, 0);
  }
  ASSERT_EQ_INT(depth, JSON_MAX_DEPTH);
  /* One more level fails at the 513th bracket. */
  for (int i = 0; i <= JSON_MAX_DEPTH; i++) {
    text[i] = '[';
    text[2 * JSON_MAX_DEPTH + 1 - i] = ']';
  }
  expect_err_n(text, 2 * (JSON_MAX_DEPTH + 1), "line 1, column 513: nesting deeper than 512 levels", 512);
  /* Objects count too, and a hostile 100k-deep input fails cleanly. */
  size_t n = 100000;
  char *deep = malloc(n * 5);
  for (size_t i = 0; i < n; i++) memcpy(deep + 5 * i, "{\"a\":", 5);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(json_parse(ar, deep, n * 5, &v, &e), LAGO_PARSE);
  ASSERT_CONTAINS(e.msg, "nesting deeper than 512 levels");
  free(deep);
  arena_free(ar);
}

TEST(json_syntax_errors) {
  expect_err("", "line 1, column 1: expected a value, got end of input", 0);
  expect_err("   ", "line 1, column 4: expected a value, got end of input", 3);
  expect_err("\n\n", "line 3, column 1: expected a value, got end of input", 2);
  expect_err("[1,]", "line 1, column 4: unexpected ']', expected a value", 3);
  expect_err("[1 2]", "line 1, column 4: expected ',' or ']' after array item, got '2'", 3);
  expect_err("[1", "line 1, column 3: expected ',' or ']' after array item, got end of input", 2);
  expect_err("[", "line 1, column 2: unexpected end of input, expected a value", 1);
  expect_err("{\"a\" 1}", "line 1, column 6: expected ':' after object key, got '1'", 5);
  expect_err("{1:2}", "line 1, column 2: expected a string key, got '1'", 1);
  expect_err("{\"a\":1,}", "line 1, column 8: expected a string key, got '}'", 7);
  expect_err("{\"a\":1", "line 1, column 7: expected ',' or '}' after object member, got end of input", 6);
  expect_err("{\"a\":1]", "line 1, column 7: expected ',' or '}' after object member, got ']'", 6);
  expect_err("[1}", "line 1, column 3: expected ',' or ']' after array item, got '}'", 2);
  expect_err("{", "line 1, column 2: expected a string key, got end of input", 1);
  expect_err("\"abc", "line 1, column 1: unterminated string", 0);
  expect_err("[\"abcdefghijklmnopqrstuvwxyz\\", "line 1, column 2: unterminated string", 1);
  expect_err("\"a\\qb\"", "line 1, column 3: invalid escape '\\q' in string", 2);
  expect_err("\"a\\\x01\"", "line 1, column 3: invalid escape: byte 0x01 after '\\' in string", 2);
  expect_err("\"\\u12G4\"", "line 1, column 2: invalid \\u escape in string: expected 4 hex digits", 1);
  expect_err("\"\\u12\"", "line 1, column 2: invalid \\u escape in string: expected 4 hex digits", 1);
  expect_err("\"\\u12", "line 1, column 2: truncated \\u escape in string", 1);
  expect_err("\"\\uD800\"",
             "line 1, column 2: lone high surrogate \\uD800 in string (not followed by a \\uDC00-\\uDFFF escape)", 1);
  expect_err("\"\\uD800\\u0041\"",
             "line 1, column 2: lone high surrogate \\uD800 in string (not followed by a \\uDC00-\\uDFFF escape)", 1);
  expect_err("\"ab\\uDC00\"", "line 1, column 4: lone low surrogate \\uDC00 in string", 3);
  expect_err("\"a\nb\"", "line 1, column 3: control character 0x0A in string (must be escaped)", 2);
  expect_err("\"a\\n\tb\"", "line 1, column 5: control character 0x09 in string (must be escaped)", 4);
  expect_err_n("\"a\0\"", 4, "line 1, column 3: control character 0x00 in string (must be escaped)", 2);
  expect_err("01", "line 1, column 1: invalid number: leading zero", 0);
  expect_err("-01", "line 1, column 1: invalid number: leading zero", 0);
  expect_err("-", "line 1, column 2: invalid number: expected a digit after '-'", 1);
  expect_err("-a", "line 1, column 2: invalid number: expected a digit after '-'", 1);
  expect_err("1.", "line 1, column 3: invalid number: expected a digit after '.'", 2);
  expect_err("1.e5", "line 1, column 3: invalid number: expected a digit after '.'", 2);
  expect_err("1e", "line 1, column 3: invalid number: expected a digit in the exponent", 2);
  expect_err("1e+", "line 1, column 4: invalid number: expected a digit in the exponent", 3);
  expect_err("+1", "line 1, column 1: unexpected '+', expected a value", 0);
  expect_err(".5", "line 1, column 1: unexpected '.', expected a value", 0);
  expect_err("NaN", "line 1, column 1: unexpected 'N', expected a value", 0);
  expect_err("Infinity", "line 1, column 1: unexpected 'I', expected a value", 0);
  expect_err("tru", "line 1, column 4: invalid literal: expected 'true', got end of input", 3);
  expect_err("nul1", "line 1, column 4: invalid literal: expected 'null', got '1'", 3);
  expect_err("fals", "line 1, column 5: invalid literal: expected 'false', got end of input", 4);
  expect_err("True", "line 1, column 1: unexpected 'T', expected a value", 0);
  expect_err("'a'", "line 1, column 1: unexpected ''', expected a value", 0);
  expect_err("1 2", "line 1, column 3: unexpected '2' after the JSON value", 2);
  expect_err("[1,2]]", "line 1, column 6: unexpected ']' after the JSON value", 5);
  expect_err("{}x", "line 1, column 3: unexpected 'x' after the JSON value", 2);
  expect_err("[1]\n\n  x", "line 3, column 3: unexpected 'x' after the JSON value", 7);
  expect_err("{\n  \"a\": tru\n}", "line 2, column 11: invalid literal: expected 'true', got byte 0x0A", 12);
  expect_err("{\r\n\"a\":1,\r\n\"b\" 2}", "line 3, column 5: expected ':' after object key, got '2'", 15);
  expect_err("[1,\n/* c */ 2]", "line 2, column 1: unexpected '/', expected a value", 4);
  expect_err("\xEF\xBB\xBF{}", "line 1, column 1: unexpected byte 0xEF, expected a value", 0);
  expect_err("[\xC3\xA9]", "line 1, column 2: unexpected byte 0xC3, expected a value", 1);
  /* Errors after escapes were decoded in place still report source columns. */
  expect_err("[\"\\n\\n\\n\\u00e9\", \"x\" 1]",
             "line 1, column 22: expected ',' or ']' after array item, got '1'", 21);
}

TEST(json_invalid_utf8) {
  expect_err("\"\xFF\"", "line 1, column 2: invalid UTF-8 byte 0xFF in string", 1);
  expect_err("\"ab\x80\"", "line 1, column 4: invalid UTF-8 byte 0x80 in string", 3);
  expect_err("\"\xC0\xAF\"", "line 1, column 2: invalid UTF-8 byte 0xC0 in string", 1);         /* overlong '/' */
  expect_err("\"\xC1\xBF\"", "line 1, column 2: invalid UTF-8 byte 0xC1 in string", 1);         /* overlong */
  expect_err("\"\xE0\x80\xAF\"", "line 1, column 2: invalid UTF-8 byte 0xE0 in string", 1);     /* overlong */
  expect_err("\"\xF0\x80\x80\xAF\"", "line 1, column 2: invalid UTF-8 byte 0xF0 in string", 1); /* overlong */
  expect_err("\"\xED\xA0\x80\"", "line 1, column 2: invalid UTF-8 byte 0xED in string", 1);     /* U+D800 */
  expect_err("\"\xED\xBF\xBF\"", "line 1, column 2: invalid UTF-8 byte 0xED in string", 1);     /* U+DFFF */
  expect_err("\"\xF4\x90\x80\x80\"", "line 1, column 2: invalid UTF-8 byte 0xF4 in string", 1); /* > U+10FFFF */
  expect_err("\"\xF5\x80\x80\x80\"", "line 1, column 2: invalid UTF-8 byte 0xF5 in string", 1);
  expect_err("\"\xE2\x82\"", "line 1, column 2: invalid UTF-8 byte 0xE2 in string", 1); /* truncated */
  expect_err("\"\xE2\x82", "line 1, column 2: invalid UTF-8 byte 0xE2 in string", 1);   /* at end */
  expect_err("\"\xC3\"", "line 1, column 2: invalid UTF-8 byte 0xC3 in string", 1);
  /* Also after an escape (slow path), and in keys. */
  expect_err("\"\\n\xFF\"", "line 1, column 4: invalid UTF-8 byte 0xFF in string", 3);
  expect_err("{\"k\xFE\":1}", "line 1, column 4: invalid UTF-8 byte 0xFE in string", 3);
  /* The edges that are valid. */
  arena *ar = arena_new("t", 1024);
  json_value *v = parse(ar, "\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF\"");
  ASSERT_EQ_INT(v->len, 24);
  arena_free(ar);
}

TEST(json_parse_prefix_and_mut) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  json_value *v;
  size_t used;
  const char *t = "  {\"a\":1} {\"b\":2}";
  ASSERT_OK(json_parse_prefix(ar, t, strlen(t), &v, &used, &e), &e);
  ASSERT_EQ_UINT(used, 9);
  ASSERT_EQ_INT(json_get(v, "a")->x.num.i, 1);
  ASSERT_OK(json_parse_prefix(ar, t + used, strlen(t + used), &v, &used, &e), &e);
  ASSERT_EQ_UINT(used, 8);
  ASSERT_EQ_INT(json_get(v, "b")->x.num.i, 2);
  ASSERT_OK(json_parse_prefix(ar, "12x", 3, &v, &used, &e), &e);
  ASSERT_EQ_UINT(used, 2);
  ASSERT_RC(json_parse_prefix(ar, "[1,", 3, &v, &used, &e), LAGO_PARSE);
  ASSERT(v == NULL);
  /* In place: strings point into the caller's buffer. */
  char buf_[] = "{\"k\":\"v\\n\",\"n\":12}";
  lago_err_clear(&e);
  ASSERT_OK(json_parse_mut(ar, buf_, strlen(buf_), &v, &e), &e);
  const json_value *s = json_get(v, "k");
  ASSERT(s->u.str >= buf_ && s->u.str < buf_ + sizeof buf_);
  ASSERT_EQ_STR(s->u.str, "v\n");
  const json_value *n = json_get(v, "n");
  ASSERT(n->u.str >= buf_ && n->u.str < buf_ + sizeof buf_);
  ASSERT_EQ_INT(n->x.num.i, 12);
  /* json_parse does not touch the caller's text. */
  const char *orig = "[\"a\\tb\"]";
  char copy[16];
  strcpy(copy, orig);
  ASSERT_OK(json_parse(ar, copy, strlen(copy), &v, &e), &e);
  ASSERT_EQ_STR(copy, orig);
  ASSERT_EQ_STR(json_at(v, 0)->u.str, "a\tb");
  arena_free(ar);
}

TEST(json_lines_iteration) {
  const char *text =
      "{\"commitInfo\":{\"ts\":1}}\n"
      "\n"
      "  \r\n"
      "{\"add\":{\"path\":\"a b.parquet\"}}\r\n"
      "[1,2]\n"
      "{\"bad\": tru}\n"
      "\"last\"";
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  json_lines it;
  json_lines_init(&it, text, strlen(text));
  json_value *v;
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT_EQ_INT(json_get(json_get(v, "commitInfo"), "ts")->x.num.i, 1);
  ASSERT_EQ_INT(it.line_no, 1);
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT_EQ_STR(json_get(json_get(v, "add"), "path")->u.str, "a b.parquet");
  ASSERT_EQ_INT(it.line_no, 4);
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT_EQ_INT(json_len(v), 2);
  ASSERT_RC(json_lines_next(&it, ar, &v, &e), LAGO_PARSE);
  ASSERT(v == NULL);
  ASSERT_EQ_STR(e.msg, "line 6, column 12: invalid literal: expected 'true', got '}'");
  ASSERT_EQ_INT(e.pos, (int)(strstr(text, "tru}") - text) + 3);
  /* The iterator moved past the bad line. */
  lago_err_clear(&e);
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT_EQ_STR(v->u.str, "last");
  ASSERT_EQ_INT(it.line_no, 7);
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT(v == NULL);
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT(v == NULL);
  json_lines_deinit(&it);

  /* Two values on one line are an error; a pretty-printed object is too. */
  json_lines_init(&it, "1 2\n", 4);
  lago_err_clear(&e);
  ASSERT_RC(json_lines_next(&it, ar, &v, &e), LAGO_PARSE);
  ASSERT_EQ_STR(e.msg, "line 1, column 3: unexpected '2' after the JSON value");
  json_lines_deinit(&it);
  json_lines_init(&it, "{\n\"a\":1}\n", 9);
  lago_err_clear(&e);
  ASSERT_RC(json_lines_next(&it, ar, &v, &e), LAGO_PARSE);
  ASSERT_EQ_STR(e.msg, "line 1, column 2: expected a string key, got end of input");
  json_lines_deinit(&it);

  /* Empty buffer, and in-place mode with a big line that grows the scratch stack. */
  json_lines_init(&it, NULL, 0);
  lago_err_clear(&e);
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT(v == NULL);
  json_lines_deinit(&it);
  buf b;
  buf_init(&b);
  for (int line = 0; line < 3; line++) {
    buf_putc(&b, '[');
    for (int i = 0; i < 1000; i++) buf_printf(&b, "%s{\"i\":%d}", i ? "," : "", i + line);
    buf_puts(&b, "]\n");
  }
  json_lines_init_mut(&it, b.data, b.len);
  for (int line = 0; line < 3; line++) {
    lago_err_clear(&e);
    ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
    ASSERT_EQ_INT(json_len(v), 1000);
    ASSERT_EQ_INT(json_get(json_at(v, 999), "i")->x.num.i, 999 + line);
  }
  ASSERT_OK(json_lines_next(&it, ar, &v, &e), &e);
  ASSERT(v == NULL);
  json_lines_deinit(&it);
  buf_deinit(&b);
  arena_free(ar);
}

TEST(json_typed_getters) {
  arena *ar = arena_new("t", 1024);
  json_value *o = parse(ar,
                        "{\"path\":\"p.parquet\",\"size\":123,\"big\":1e3,\"f\":1.5,\"dc\":true,"
                        "\"pv\":{\"a\":\"1\"},\"arr\":[1],\"nul\":null}");
  lago_err e;
  lago_err_clear(&e);
  const char *s;
  size_t n;
  int64_t i;
  double d;
  bool b;
  const json_value *sub;
  ASSERT_OK(json_get_str(o, "path", &s, &n, &e), &e);
  ASSERT_EQ_STR(s, "p.parquet");
  ASSERT_EQ_INT(n, 9);
  ASSERT_OK(json_get_i64(o, "size", &i, &e), &e);
  ASSERT_EQ_INT(i, 123);
  ASSERT_OK(json_get_f64(o, "size", &d, &e), &e);
  ASSERT(d == 123.0);
  ASSERT_OK(json_get_f64(o, "f", &d, &e), &e);
  ASSERT(d == 1.5);
  ASSERT_OK(json_get_bool(o, "dc", &b, &e), &e);
  ASSERT(b);
  ASSERT_OK(json_get_obj(o, "pv", &sub, &e), &e);
  ASSERT_EQ_STR(json_get(sub, "a")->u.str, "1");
  ASSERT_OK(json_get_arr(o, "arr", &sub, &e), &e);
  ASSERT_EQ_INT(json_len(sub), 1);

  ASSERT_RC(json_get_str(o, "missing", &s, NULL, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"missing\": missing");
  lago_err_clear(&e);
  ASSERT_RC(json_get_str(o, "nul", &s, NULL, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"nul\": is null");
  lago_err_clear(&e);
  ASSERT_RC(json_get_str(o, "size", &s, NULL, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"size\": expected a string, got number");
  lago_err_clear(&e);
  ASSERT_RC(json_get_i64(o, "big", &i, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"big\": expected an integer, got 1e3");
  lago_err_clear(&e);
  ASSERT_RC(json_get_i64(o, "path", &i, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"path\": expected an integer, got string");
  lago_err_clear(&e);
  ASSERT_RC(json_get_bool(o, "size", &b, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"size\": expected a boolean, got number");
  lago_err_clear(&e);
  ASSERT_RC(json_get_obj(o, "arr", &sub, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"arr\": expected an object, got array");
  ASSERT(sub == NULL);
  lago_err_clear(&e);
  ASSERT_RC(json_get_arr(o, "pv", &sub, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"pv\": expected an array, got object");
  lago_err_clear(&e);
  ASSERT_RC(json_get_f64(o, "path", &d, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"path\": expected a number, got string");
  lago_err_clear(&e);
  ASSERT_RC(json_get_str(json_get(o, "arr"), "x", &s, NULL, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"x\": expected an object to hold it, got array");
  lago_err_clear(&e);
  ASSERT_RC(json_get_i64(NULL, "x", &i, &e), LAGO_CORRUPT);
  lago_err_clear(&e);

  ASSERT_OK(json_opt_str(o, "missing", "dflt", &s, &n, &e), &e);
  ASSERT_EQ_STR(s, "dflt");
  ASSERT_EQ_INT(n, 4);
  ASSERT_OK(json_opt_str(o, "nul", NULL, &s, &n, &e), &e);
  ASSERT(s == NULL && n == 0);
  ASSERT_OK(json_opt_str(o, "path", NULL, &s, NULL, &e), &e);
  ASSERT_EQ_STR(s, "p.parquet");
  ASSERT_OK(json_opt_i64(o, "nul", -1, &i, &e), &e);
  ASSERT_EQ_INT(i, -1);
  ASSERT_OK(json_opt_i64(o, "size", -1, &i, &e), &e);
  ASSERT_EQ_INT(i, 123);
  ASSERT_OK(json_opt_bool(o, "nope", true, &b, &e), &e);
  ASSERT(b);
  ASSERT_OK(json_opt_obj(o, "nope", &sub, &e), &e);
  ASSERT(sub == NULL);
  ASSERT_OK(json_opt_arr(o, "arr", &sub, &e), &e);
  ASSERT_NE_NULL(sub);
  ASSERT_RC(json_opt_bool(o, "size", false, &b, &e), LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "field \"size\": expected a boolean, got number");
  arena_free(ar);
}

TEST(json_large_object_index) {
  arena *ar = arena_new("t", 1 << 16);
  buf b;
  buf_init(&b);
  int n = 5000;
  buf_putc(&b, '{');
  for (int i = 0; i < n; i++) buf_printf(&b, "%s\"col_%d\":%d", i ? "," : "", i, i);
  buf_puts(&b, ",\"col_7\":-7,\"k\\u0000x\":1}"); /* a duplicate and a key with NUL */
  json_value *v = parse_n(ar, b.data, b.len);
  ASSERT_EQ_INT(json_len(v), n + 2);
  ASSERT_NE_NULL(v->x.index);
  char key[32];
  for (int i = 0; i < n; i++) {
    snprintf(key, sizeof key, "col_%d", i);
    const json_value *x = json_get(v, key);
    ASSERT_NE_NULL(x);
    ASSERT_EQ_INT(x->x.num.i, i == 7 ? -7 : i);
  }
  ASSERT(json_get(v, "col_5000") == NULL);
  ASSERT(json_get(v, "col_") == NULL);
  ASSERT(json_get(v, "k") == NULL);
  ASSERT_NE_NULL(json_getn(v, "k\0x", 3));
  /* Small objects have no index; exactly JSON_INDEX_MIN members do. */
  buf_clear(&b);
  buf_putc(&b, '[');
  for (int m = JSON_INDEX_MIN - 1; m <= JSON_INDEX_MIN; m++) {
    buf_puts(&b, m == JSON_INDEX_MIN ? ",{" : "{");
    for (int i = 0; i < m; i++) buf_printf(&b, "%s\"%d\":%d", i ? "," : "", i % 5, i);
    buf_putc(&b, '}');
  }
  buf_putc(&b, ']');
  v = parse_n(ar, b.data, b.len);
  ASSERT(json_at(v, 0)->x.index == NULL);
  ASSERT(json_at(v, 1)->x.index != NULL);
  /* Last duplicate wins with and without the index. */
  ASSERT_EQ_INT(json_get(json_at(v, 0), "4")->x.num.i, 14);
  ASSERT_EQ_INT(json_get(json_at(v, 1), "0")->x.num.i, 15);
  ASSERT_EQ_INT(json_get(json_at(v, 1), "4")->x.num.i, 14);
  buf_deinit(&b);
  arena_free(ar);
}

TEST(json_equal_values) {
  arena *ar = arena_new("t", 1024);
  json_value *a = parse(ar, "{\"a\":[1,2.0,\"x\",null,true],\"b\":{}}");
  json_value *b = parse(ar, " { \"a\" : [ 1 , 2.0 , \"\\u0078\" , null , true ] , \"b\" : { } } ");
  ASSERT(json_equal(a, b));
  ASSERT(!json_equal(a, parse(ar, "{\"a\":[1,2,\"x\",null,true],\"b\":{}}")));   /* number text */
  ASSERT(!json_equal(a, parse(ar, "{\"b\":{},\"a\":[1,2.0,\"x\",null,true]}")));  /* member order */
  ASSERT(!json_equal(a, parse(ar, "{\"a\":[1,2.0,\"x\",null,false],\"b\":{}}")));
  ASSERT(!json_equal(a, parse(ar, "{\"a\":[1,2.0,\"x\",null],\"b\":{}}")));
  ASSERT(!json_equal(parse(ar, "[]"), parse(ar, "{}")));
  ASSERT(json_equal(NULL, NULL));
  ASSERT(!json_equal(a, NULL));
  arena_free(ar);
}

/* ---- writer --------------------------------------------------------------------- */

TEST(json_writer_builder) {
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  ASSERT_OK(json_w_begin_obj(&w), NULL);
  ASSERT_OK(json_w_key(&w, "add"), NULL);
  ASSERT_OK(json_w_begin_obj(&w), NULL);
  json_w_key(&w, "path");
  json_w_str(&w, "a b/c=1/part-0.parquet");
  json_w_key(&w, "partitionValues");
  json_w_begin_obj(&w);
  json_w_key(&w, "c");
  json_w_null(&w);
  json_w_key(&w, "d");
  json_w_str(&w, NULL);
  json_w_end_obj(&w);
  json_w_key(&w, "size");
  json_w_i64(&w, INT64_MIN);
  json_w_key(&w, "u");
  json_w_u64(&w, UINT64_MAX);
  json_w_key(&w, "dataChange");
  json_w_bool(&w, true);
  json_w_key(&w, "f");
  json_w_bool(&w, false);
  json_w_key(&w, "arr");
  json_w_begin_arr(&w);
  json_w_i64(&w, 1);
  json_w_begin_arr(&w);
  json_w_end_arr(&w);
  json_w_begin_obj(&w);
  json_w_end_obj(&w);
  json_w_raw(&w, "{\"x\":[1]}", 9);
  json_w_str(&w, "s");
  json_w_end_arr(&w);
  json_w_end_obj(&w);
  json_w_end_obj(&w);
  ASSERT_OK(json_w_finish(&w), NULL);
  ASSERT_EQ_STR(buf_cstr(&b),
                "{\"add\":{\"path\":\"a b/c=1/part-0.parquet\",\"partitionValues\":{\"c\":null,\"d\":null},"
                "\"size\":-9223372036854775808,\"u\":18446744073709551615,\"dataChange\":true,\"f\":false,"
                "\"arr\":[1,[],{},{\"x\":[1]},\"s\"]}}");
  /* A scalar alone is a document. */
  buf_clear(&b);
  json_w_init(&w, &b);
  json_w_i64(&w, 5);
  ASSERT_OK(json_w_finish(&w), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "5");
  buf_deinit(&b);
}

TEST(json_writer_misuse) {
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  ASSERT_RC(json_w_finish(&w), LAGO_MISUSE); /* nothing written */
  json_w_init(&w, &b);
  ASSERT_RC(json_w_key(&w, "k"), LAGO_MISUSE); /* key at top level */
  ASSERT_RC(json_w_i64(&w, 1), LAGO_MISUSE);   /* sticky */
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  ASSERT_RC(json_w_i64(&w, 1), LAGO_MISUSE); /* value where a key is due */
  json_w_init(&w, &b);
  json_w_begin_arr(&w);
  ASSERT_RC(json_w_key(&w, "k"), LAGO_MISUSE); /* key in an array */
  json_w_init(&w, &b);
  json_w_begin_arr(&w);
  ASSERT_RC(json_w_end_obj(&w), LAGO_MISUSE); /* mismatched end */
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_w_key(&w, "k");
  ASSERT_RC(json_w_end_obj(&w), LAGO_MISUSE); /* key without value */
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_w_key(&w, "k");
  ASSERT_RC(json_w_key(&w, "k2"), LAGO_MISUSE);
  json_w_init(&w, &b);
  ASSERT_RC(json_w_end_arr(&w), LAGO_MISUSE);
  json_w_init(&w, &b);
  json_w_begin_arr(&w);
  ASSERT_RC(json_w_finish(&w), LAGO_MISUSE); /* unclosed */
  json_w_init(&w, &b);
  json_w_null(&w);
  ASSERT_RC(json_w_null(&w), LAGO_MISUSE); /* two top-level values */
  json_w_init(&w, &b);
  for (int i = 0; i < JSON_MAX_DEPTH; i++) ASSERT_OK(json_w_begin_arr(&w), NULL);
  ASSERT_RC(json_w_begin_arr(&w), LAGO_MISUSE);
  buf_deinit(&b);
}

TEST(json_writer_doubles) {
  struct {
    double v;
    const char *want;
  } cases[] = {
      {1.0, "1.0"},         {0.1, "0.1"},         {-2.5, "-2.5"},          {1e16, "1e+16"},
      {1e-5, "1e-05"},      {5e-324, "5e-324"},   {-0.0, "-0.0"},          {123456.789, "123456.789"},
      {NAN, "\"NaN\""},     {INFINITY, "\"Infinity\""}, {-INFINITY, "\"-Infinity\""},
  };
  arena *ar = arena_new("t", 1024);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    buf b;
    buf_init(&b);
    json_writer w;
    json_w_init(&w, &b);
    json_w_begin_arr(&w);
    json_w_double(&w, cases[i].v);
    json_w_end_arr(&w);
    ASSERT_OK(json_w_finish(&w), NULL);
    char want[64];
    snprintf(want, sizeof want, "[%s]", cases[i].want);
    ASSERT_EQ_STR(buf_cstr(&b), want);
    /* Finite values read back exactly. */
    json_value *v = parse_n(ar, b.data, b.len);
    if (isfinite(cases[i].v)) ASSERT(memcmp(&json_at(v, 0)->x.num.d, &cases[i].v, 8) == 0);
    buf_deinit(&b);
  }
  arena_free(ar);
}

TEST(json_writer_escaping_round_trip) {
  arena *ar = arena_new("t", 1024);
  /* Every byte 0x00..0x7F, then valid multi-byte UTF-8. */
  char s[128 + 16];
  for (int i = 0; i < 128; i++) s[i] = (char)i;
  memcpy(s + 128, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xE2\x80\xA8", 12);
  size_t n = 140;
  buf b;
  buf_init(&b);
  ASSERT_OK(json_escape(&b, s, n), NULL);
  /* Short escapes where Jackson uses them, \u00XX for the rest, UTF-8 kept. */
  ASSERT_CONTAINS(b.data, "\\u0000\\u0001");
  ASSERT_CONTAINS(b.data, "\\u0007\\b\\t\\n\\u000B\\f\\r\\u000E");
  ASSERT_CONTAINS(b.data, "\\u001F !\\\"#");
  ASSERT_CONTAINS(b.data, "Z[\\\\]^");
  ASSERT_CONTAINS(b.data, "/0");
  ASSERT_CONTAINS(b.data, "\x7F\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\xE2\x80\xA8\"");
  json_value *v = parse_n(ar, b.data, b.len);
  ASSERT_EQ_INT(v->type, JSON_STRING);
  ASSERT_EQ_UINT(v->len, n);
  ASSERT_EQ_MEM(v->u.str, s, n);
  /* Invalid UTF-8 becomes U+FFFD, so the output is still valid JSON. */
  buf_clear(&b);
  ASSERT_OK(json_escape(&b, "a\xFF" "b\xC3", 4), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "\"a\xEF\xBF\xBD" "b\xEF\xBF\xBD\"");
  parse_n(ar, b.data, b.len);
  /* Keys are escaped the same way. */
  buf_clear(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_w_keyn(&w, "k\"\0", 3);
  json_w_strn(&w, "", 0);
  json_w_end_obj(&w);
  ASSERT_OK(json_w_finish(&w), NULL);
  ASSERT_EQ_STR(buf_cstr(&b), "{\"k\\\"\\u0000\":\"\"}");
  buf_deinit(&b);
  arena_free(ar);
}

TEST(json_write_round_trip) {
  arena *ar = arena_new("t", 1024);
  const char *src =
      " {\"a\" : [1, -0, 1.50, 2E+3, \"\\u00e9\\n\", true, false, null, {}, []],\n"
      "  \"b\": {\"c\": {\"d\": \"\\uD83D\\uDE00\"}}, \"a\": 9223372036854775808 } ";
  json_value *v = parse(ar, src);
  buf b;
  buf_init(&b);
  ASSERT_OK(json_write(&b, v), NULL);
  ASSERT_EQ_STR(buf_cstr(&b),
                "{\"a\":[1,-0,1.50,2E+3,\"\xC3\xA9\\n\",true,false,null,{},[]],"
                "\"b\":{\"c\":{\"d\":\"\xF0\x9F\x98\x80\"}},\"a\":9223372036854775808}");
  json_value *v2 = parse_n(ar, b.data, b.len);
  ASSERT(json_equal(v, v2));
  buf_deinit(&b);
  arena_free(ar);
}

/* ---- allocation failures ------------------------------------------------------- */

static buf g_doc;

static void make_mid_doc(void) {
  buf_init(&g_doc);
  buf_puts(&g_doc, "{\"protocol\":{\"minReaderVersion\":3,\"readerFeatures\":[\"deletionVectors\"]},\"cols\":{");
  for (int i = 0; i < 300; i++) buf_printf(&g_doc, "%s\"c%d\":{\"v\":[%d,%d.5,\"s\\u00e9%d\"]}", i ? "," : "", i, i, i, i);
  buf_puts(&g_doc, "},\"stats\":\"{\\\"numRecords\\\":10,\\\"minValues\\\":{\\\"a\\\":1}}\",\"deep\":");
  for (int i = 0; i < 100; i++) buf_puts(&g_doc, "[");
  for (int i = 0; i < 100; i++) buf_puts(&g_doc, "]");
  buf_puts(&g_doc, "}");
}

static int oom_parse(void *ud) {
  (void)ud;
  arena *ar = arena_new("oom", 256);
  if (!ar) return LAGO_NOMEM;
  lago_err e;
  lago_err_clear(&e);
  json_value *v;
  int rc = json_parse(ar, g_doc.data, g_doc.len, &v, &e);
  if (rc == LAGO_OK) {
    /* Writing it back also allocates (the buf). */
    buf out;
    buf_init(&out);
    rc = json_write(&out, v);
    if (rc == LAGO_OK && json_len(json_get(v, "cols")) != 300) rc = LAGO_INTERNAL;
    buf_deinit(&out);
  }
  if (rc == LAGO_NOMEM && e.rc != LAGO_NOMEM && e.rc != LAGO_OK) rc = LAGO_INTERNAL;
  arena_free(ar);
  return rc;
}

static int oom_lines(void *ud) {
  (void)ud;
  arena *ar = arena_new("oom", 256);
  if (!ar) return LAGO_NOMEM;
  lago_err e;
  lago_err_clear(&e);
  json_lines it;
  json_lines_init(&it, g_doc.data, g_doc.len);
  json_value *v;
  int rc, n = 0;
  while ((rc = json_lines_next(&it, ar, &v, &e)) == LAGO_OK && v) n++;
  json_lines_deinit(&it);
  arena_free(ar);
  if (rc == LAGO_OK && n != 3) return LAGO_INTERNAL;
  return rc;
}

TEST(json_oom_sweep) {
  make_mid_doc();
  int runs = test_oom_sweep(oom_parse, NULL, 1000);
  ASSERT(runs > 5);
  /* Three copies of the document as newline-delimited JSON. */
  buf_putc(&g_doc, '\n');
  size_t one = g_doc.len;
  char *copy = malloc(one);
  memcpy(copy, g_doc.data, one);
  buf_append(&g_doc, copy, one);
  buf_append(&g_doc, copy, one);
  free(copy);
  runs = test_oom_sweep(oom_lines, NULL, 1000);
  ASSERT(runs > 5);
  buf_deinit(&g_doc);
}
