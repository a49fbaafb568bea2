/*
** tests/unit/vec/test_arrow_layout.c: an independent check of vec/arrow's
** import against the Arrow columnar layout. Arrays are built here byte by
** byte as the Arrow format spec draws them (validity bytes, offsets, views,
** dictionary indexes...) with a test producer's own release callbacks, and
** the imported rows must render as literal expected text. Then malformed
** schemas and arrays (bad format strings, wrong buffer or child counts,
** offsets past the data, negative lengths, bad dictionary indexes...) must
** give LAGO_CORRUPT / LAGO_UNSUPPORTED / LAGO_RUNTIME, never a crash, and the
** array must still be released.
*/
#include "test.h"
#include "util/buf.h"
#include "vec/arrow.h"
#include "vec/value_text.h"

/* ---- a tiny producer ---------------------------------------------------------- */

static int g_released; /* array nodes released through rel_array */

static void rel_array(struct ArrowArray *a) {
  for (int64_t i = 0; i < a->n_children; i++)
    if (a->children[i] && a->children[i]->release) a->children[i]->release(a->children[i]);
  if (a->dictionary && a->dictionary->release) a->dictionary->release(a->dictionary);
  a->release = NULL;
  g_released++;
}

static void rel_schema(struct ArrowSchema *s) {
  for (int64_t i = 0; i < s->n_children; i++)
    if (s->children[i]->release) s->children[i]->release(s->children[i]);
  if (s->dictionary && s->dictionary->release) s->dictionary->release(s->dictionary);
  s->release = NULL;
}

typedef struct anode {
  struct ArrowArray a;
  const void *bufs[8];
  struct ArrowArray *kids[4];
} anode;

typedef struct snode {
  struct ArrowSchema s;
  struct ArrowSchema *kids[4];
} snode;

/* Array node: length, null_count, offset, n buffers from bufs, n kids. */
static struct ArrowArray *arr(anode *n, int64_t len, int64_t nulls, int64_t off, int nb, const void *const *bufs, int nk,
                              anode *const *kids) {
  memset(n, 0, sizeof *n);
  n->a.length = len;
  n->a.null_count = nulls;
  n->a.offset = off;
  n->a.n_buffers = nb;
  for (int i = 0; i < nb; i++) n->bufs[i] = bufs[i];
  n->a.buffers = n->bufs;
  n->a.n_children = nk;
  for (int i = 0; i < nk; i++) n->kids[i] = &kids[i]->a;
  n->a.children = nk ? n->kids : NULL;
  n->a.release = rel_array;
  return &n->a;
}

static struct ArrowSchema *sch(snode *n, const char *fmt, const char *name, int64_t flags, int nk, snode *const *kids) {
  memset(n, 0, sizeof *n);
  n->s.format = fmt;
  n->s.name = name;
  n->s.flags = flags;
  n->s.n_children = nk;
  for (int i = 0; i < nk; i++) n->kids[i] = &kids[i]->s;
  n->s.children = nk ? n->kids : NULL;
  n->s.release = rel_schema;
  return &n->s;
}

#define B(...) ((const void *const[]){__VA_ARGS__})
#define K(...) ((anode *const[]){__VA_ARGS__})
#define SK(...) ((snode *const[]){__VA_ARGS__})
#define N ARROW_FLAG_NULLABLE

static arena *g_ar;
static buf g_text;
static vec g_vec;

/* Imports a (schema s) and returns the rows' text joined by '|'; the array must be released. */
static const char *import_ok(struct ArrowSchema *s, struct ArrowArray *a) {
  if (!g_ar) g_ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  int rc = arrow_import_array(s, a, g_ar, &g_vec, &e);
  ASSERT_OK(rc, &e);
  ASSERT(a->release == NULL);
  buf_clear(&g_text);
  for (uint32_t i = 0; i < g_vec.len; i++) {
    if (i) buf_putc(&g_text, '|');
    ASSERT_OK(value_text_append(&g_text, &g_vec, i), NULL);
  }
  return buf_cstr(&g_text);
}

/* Imports and expects rc; the message is returned for checks. */
static const char *import_fails(struct ArrowSchema *s, struct ArrowArray *a, int want) {
  if (!g_ar) g_ar = arena_new("t", 4096);
  static lago_err e;
  lago_err_clear(&e);
  bool was_live = a && a->release;
  int rc = arrow_import_array(s, a, g_ar, &g_vec, &e);
  if (rc != want) test_fail_(__FILE__, __LINE__, "import: got %s (%s), want %s", lago_rc_name(rc), e.msg, lago_rc_name(want));
  if (was_live) ASSERT(a->release == NULL); /* released on failure too */
  return e.msg;
}

static const char *type_name(void) { return type_sql_name(g_ar, g_vec.type); }

/* ---- the spec's examples ---------------------------------------------------------- */

TEST(arrow_layout_primitive) {
  snode s;
  anode a;
  /* Arrow columnar spec, "Primitive layout" example: [1, null, 2, 4, 8] */
  uint8_t valid[8] = {0x1D}; /* 0b00011101 */
  int32_t vals[5] = {1, 0, 2, 4, 8};
  ASSERT_EQ_STR(import_ok(sch(&s, "i", "x", N, 0, NULL), arr(&a, 5, 1, 0, 2, B(valid, vals), 0, NULL)), "1|\\N|2|4|8");
  ASSERT_EQ_STR(type_name(), "INT");
  /* the same buffers through an offset, null_count not computed */
  ASSERT_EQ_STR(import_ok(sch(&s, "i", "x", N, 0, NULL), arr(&a, 3, -1, 2, 2, B(valid, vals), 0, NULL)), "2|4|8");
  ASSERT_EQ_STR(import_ok(sch(&s, "i", "x", N, 0, NULL), arr(&a, 4, -1, 1, 2, B(valid, vals), 0, NULL)), "\\N|2|4|8");
  /* no validity buffer, null_count 0 */
  ASSERT_EQ_STR(import_ok(sch(&s, "i", "x", 0, 0, NULL), arr(&a, 5, 0, 0, 2, B(NULL, vals), 0, NULL)), "1|0|2|4|8");
  /* unsigned widths at their maxima */
  uint8_t u8[1] = {255};
  uint16_t u16[1] = {65535};
  uint32_t u32[1] = {4294967295u};
  uint64_t u64[1] = {UINT64_MAX};
  int8_t i8[2] = {-128, 127};
  int64_t i64[1] = {INT64_MIN};
  ASSERT_EQ_STR(import_ok(sch(&s, "C", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, u8), 0, NULL)), "255");
  ASSERT_EQ_STR(import_ok(sch(&s, "S", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, u16), 0, NULL)), "65535");
  ASSERT_EQ_STR(import_ok(sch(&s, "I", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, u32), 0, NULL)), "4294967295");
  ASSERT_EQ_STR(import_ok(sch(&s, "L", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, u64), 0, NULL)), "18446744073709551615");
  ASSERT_EQ_STR(type_name(), "UBIGINT");
  ASSERT_EQ_STR(import_ok(sch(&s, "c", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, i8), 0, NULL)), "-128|127");
  ASSERT_EQ_STR(import_ok(sch(&s, "l", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, i64), 0, NULL)), "-9223372036854775808");
  float f[2] = {1.5f, -0.0f};
  double g[2] = {0.1, 1e300};
  ASSERT_EQ_STR(import_ok(sch(&s, "f", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, f), 0, NULL)), "1.5|-0.0");
  ASSERT_EQ_STR(import_ok(sch(&s, "g", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, g), 0, NULL)), "0.1|1e+300");
  /* null type: no buffers, every row null */
  ASSERT_EQ_STR(import_ok(sch(&s, "n", "", N, 0, NULL), arr(&a, 3, 3, 0, 0, B(NULL), 0, NULL)), "\\N|\\N|\\N");
  ASSERT_EQ_STR(type_name(), "VOID");
  /* booleans are bits: [true, false, null, true, true, false, false, true, true] */
  uint8_t bvalid[2] = {0xFB, 0x01}, bits[2] = {0x99, 0x01};
  ASSERT_EQ_STR(import_ok(sch(&s, "b", "", N, 0, NULL), arr(&a, 9, 1, 0, 2, B(bvalid, bits), 0, NULL)),
                "true|false|\\N|true|true|false|false|true|true");
  ASSERT_EQ_STR(import_ok(sch(&s, "b", "", N, 0, NULL), arr(&a, 4, -1, 5, 2, B(bvalid, bits), 0, NULL)),
                "false|false|true|true");
}

TEST(arrow_layout_strings) {
  snode s;
  anode a;
  /* Variable-size binary layout example: ["joe", null, null, "mark"] */
  uint8_t valid[1] = {0x09};
  int32_t off[5] = {0, 3, 3, 3, 7};
  const char *data = "joemark";
  ASSERT_EQ_STR(import_ok(sch(&s, "u", "", N, 0, NULL), arr(&a, 4, 2, 0, 3, B(valid, off, data), 0, NULL)),
                "\"joe\"|\\N|\\N|\"mark\"");
  ASSERT_EQ_STR(type_name(), "STRING");
  ASSERT_EQ_STR(import_ok(sch(&s, "z", "", N, 0, NULL), arr(&a, 4, 2, 0, 3, B(valid, off, data), 0, NULL)),
                "0x6a6f65|\\N|\\N|0x6d61726b");
  ASSERT_EQ_STR(type_name(), "BINARY");
  /* large offsets, and an offset into the array */
  int64_t loff[5] = {0, 3, 3, 3, 7};
  ASSERT_EQ_STR(import_ok(sch(&s, "U", "", N, 0, NULL), arr(&a, 3, -1, 1, 3, B(valid, loff, data), 0, NULL)),
                "\\N|\\N|\"mark\"");
  ASSERT_EQ_STR(import_ok(sch(&s, "Z", "", N, 0, NULL), arr(&a, 1, 0, 3, 3, B(NULL, loff, data), 0, NULL)), "0x6d61726b");
  /* offsets need not start at 0; empty strings; a value longer than 12 bytes */
  const char *d2 = "..hello, a string longer than twelve";
  int32_t off2[4] = {2, 7, 7, 36};
  ASSERT_EQ_STR(import_ok(sch(&s, "u", "", 0, 0, NULL), arr(&a, 3, 0, 0, 3, B(NULL, off2, d2), 0, NULL)),
                "\"hello\"|\"\"|\", a string longer than twelve\"");
  /* string views: inline, out-of-line at an offset in buffer 1, null, empty */
  uint8_t views[4][16];
  memset(views, 0, sizeof views);
  int32_t len0 = 5, len1 = 23, bi = 1, vo = 3, len3 = 0;
  memcpy(views[0], &len0, 4);
  memcpy(views[0] + 4, "hello", 5);
  memcpy(views[1], &len1, 4);
  memcpy(views[1] + 4, "a st", 4);
  memcpy(views[1] + 8, &bi, 4);
  memcpy(views[1] + 12, &vo, 4);
  memcpy(views[3], &len3, 4);
  const char *buf0 = "unused", *buf1 = "xyza string longer than 12";
  int64_t sizes[2] = {6, 26};
  uint8_t vvalid[1] = {0x0B};
  ASSERT_EQ_STR(import_ok(sch(&s, "vu", "", N, 0, NULL), arr(&a, 4, 1, 0, 5, B(vvalid, views, buf0, buf1, sizes), 0, NULL)),
                "\"hello\"|\"a string longer than 12\"|\\N|\"\"");
  ASSERT_EQ_STR(type_name(), "STRING");
  ASSERT_EQ_STR(import_ok(sch(&s, "vz", "", N, 0, NULL), arr(&a, 1, 0, 0, 3, B(NULL, views, NULL), 0, NULL)),
                "0x68656c6c6f");
  /* fixed-size binary; w:16 with the uuid extension is a UUID */
  const char *fx = "abc\0\1\2";
  ASSERT_EQ_STR(import_ok(sch(&s, "w:3", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, fx), 0, NULL)), "0x616263|0x000102");
  uint8_t uuid[16] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  static const char meta[] = "\x01\x00\x00\x00\x14\x00\x00\x00" "ARROW:extension:name" "\x0a\x00\x00\x00" "arrow.uuid";
  sch(&s, "w:16", "", 0, 0, NULL)->metadata = meta;
  ASSERT_EQ_STR(import_ok(&s.s, arr(&a, 1, 0, 0, 2, B(NULL, uuid), 0, NULL)), "00112233-4455-6677-8899-aabbccddeeff");
  ASSERT_EQ_STR(type_name(), "UUID");
  ASSERT_EQ_STR(import_ok(sch(&s, "w:16", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, uuid), 0, NULL)),
                "0x00112233445566778899aabbccddeeff");
  ASSERT_EQ_STR(type_name(), "BINARY");
}

TEST(arrow_layout_decimal_and_time) {
  snode s;
  anode a;
  lago_i128 d128[3] = {12345, -1, 0};
  for (int i = 0; i < 38; i++) d128[2] = d128[2] * 10 + 9;
  ASSERT_EQ_STR(import_ok(sch(&s, "d:38,2", "", 0, 0, NULL), arr(&a, 3, 0, 0, 2, B(NULL, d128), 0, NULL)),
                "123.45|-0.01|999999999999999999999999999999999999.99");
  ASSERT_EQ_STR(type_name(), "DECIMAL(38,2)");
  ASSERT_EQ_STR(import_ok(sch(&s, "d:5,2,128", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, d128), 0, NULL)), "123.45|-0.01");
  int32_t d32[2] = {-99999, 7};
  ASSERT_EQ_STR(import_ok(sch(&s, "d:5,3,32", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, d32), 0, NULL)), "-99.999|0.007");
  int64_t d64[1] = {-123456789012345678};
  ASSERT_EQ_STR(import_ok(sch(&s, "d:18,18,64", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, d64), 0, NULL)),
                "-0.123456789012345678");
  uint64_t d256[4] = {(uint64_t)-5, UINT64_MAX, UINT64_MAX, UINT64_MAX}; /* -5 sign-extended to 256 bits */
  ASSERT_EQ_STR(import_ok(sch(&s, "d:20,1,256", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, d256), 0, NULL)), "-0.5");

  int64_t ts[3] = {0, 1, -1};
  ASSERT_EQ_STR(import_ok(sch(&s, "tss:UTC", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, ts), 0, NULL)),
                "1970-01-01 00:00:00+00|1970-01-01 00:00:01+00");
  ASSERT_EQ_STR(type_name(), "TIMESTAMP");
  int64_t ms[1] = {1500};
  ASSERT_EQ_STR(import_ok(sch(&s, "tsm:", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, ms), 0, NULL)), "1970-01-01 00:00:01.5");
  ASSERT_EQ_STR(type_name(), "TIMESTAMP_NTZ");
  int64_t us[1] = {1};
  ASSERT_EQ_STR(import_ok(sch(&s, "tsu:+01:00", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, us), 0, NULL)),
                "1970-01-01 00:00:00.000001+00");
  int64_t ns[2] = {1000000001999, -1};
  ASSERT_EQ_STR(import_ok(sch(&s, "tsn:Europe/Paris", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, ns), 0, NULL)),
                "1970-01-01 00:16:40.000001+00|1969-12-31 23:59:59.999999+00"); /* floor to micros */
  ASSERT_EQ_STR(import_ok(sch(&s, "tsn:", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, ns), 0, NULL)),
                "1970-01-01 00:16:40.000001999|1969-12-31 23:59:59.999999999");
  ASSERT_EQ_STR(type_name(), "TIMESTAMP_NS");
  int32_t d32d[3] = {0, -1, 19000};
  ASSERT_EQ_STR(import_ok(sch(&s, "tdD", "", 0, 0, NULL), arr(&a, 3, 0, 0, 2, B(NULL, d32d), 0, NULL)),
                "1970-01-01|1969-12-31|2022-01-08");
  int64_t d64m[2] = {86400000 * 2 + 5, -1};
  ASSERT_EQ_STR(import_ok(sch(&s, "tdm", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, d64m), 0, NULL)), "1970-01-03|1969-12-31");
  int32_t t32[2] = {3661, 1500};
  ASSERT_EQ_STR(import_ok(sch(&s, "tts", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, t32), 0, NULL)), "01:01:01");
  ASSERT_EQ_STR(import_ok(sch(&s, "ttm", "", 0, 0, NULL), arr(&a, 1, 0, 1, 2, B(NULL, t32), 0, NULL)), "00:00:01.5");
  int64_t t64[2] = {1001, 43200000000};
  ASSERT_EQ_STR(import_ok(sch(&s, "ttn", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, t64), 0, NULL)), "00:00:00.000001");
  ASSERT_EQ_STR(import_ok(sch(&s, "ttu", "", 0, 0, NULL), arr(&a, 1, 0, 1, 2, B(NULL, t64), 0, NULL)), "12:00:00");
  ASSERT_EQ_STR(type_name(), "TIME");
  int32_t months[1] = {14};
  ASSERT_EQ_STR(import_ok(sch(&s, "tiM", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, months), 0, NULL)),
                "14 months 0 days 0 micros");
  int32_t dt[2] = {3, 1500};
  ASSERT_EQ_STR(import_ok(sch(&s, "tiD", "", 0, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, dt), 0, NULL)),
                "0 months 3 days 1500000 micros");
  struct {
    int32_t m, d;
    int64_t ns;
  } mdn[2] = {{1, 2, 3000}, {-1, -2, -3999}};
  ASSERT_EQ_STR(import_ok(sch(&s, "tin", "", 0, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, mdn), 0, NULL)),
                "1 months 2 days 3 micros|-1 months -2 days -3 micros");
  ASSERT_EQ_STR(type_name(), "INTERVAL");
}

TEST(arrow_layout_nested) {
  snode s, c, e, k, v;
  anode a, ca, ea, ka, va;
  /* Variable-size list layout example: [[12, -7, 25], null, [0, -127, 127, 50], []] */
  uint8_t valid[1] = {0x0D};
  int32_t off[5] = {0, 3, 3, 7, 7};
  int8_t vals[7] = {12, -7, 25, 0, -127, 127, 50};
  sch(&c, "c", "item", N, 0, NULL);
  arr(&ca, 7, 0, 0, 2, B(NULL, vals), 0, NULL);
  ASSERT_EQ_STR(import_ok(sch(&s, "+l", "", N, 1, SK(&c)), arr(&a, 4, 1, 0, 2, B(valid, off), 1, K(&ca))),
                "[12,-7,25]|\\N|[0,-127,127,50]|[]");
  ASSERT_EQ_STR(type_name(), "ARRAY<TINYINT>");
  /* large list, sliced */
  int64_t loff[5] = {0, 3, 3, 7, 7};
  sch(&c, "c", "item", N, 0, NULL);
  arr(&ca, 7, 0, 0, 2, B(NULL, vals), 0, NULL);
  ASSERT_EQ_STR(import_ok(sch(&s, "+L", "", N, 1, SK(&c)), arr(&a, 2, -1, 2, 2, B(valid, loff), 1, K(&ca))),
                "[0,-127,127,50]|[]");
  /* the child itself sliced: its own offset shifts every element */
  sch(&c, "c", "item", N, 0, NULL);
  arr(&ca, 6, 0, 1, 2, B(NULL, vals), 0, NULL);
  int32_t off3[3] = {0, 2, 6};
  ASSERT_EQ_STR(import_ok(sch(&s, "+l", "", N, 1, SK(&c)), arr(&a, 2, 0, 0, 2, B(NULL, off3), 1, K(&ca))),
                "[-7,25]|[0,-127,127,50]");
  /* fixed-size list */
  int16_t pairs[6] = {1, 2, 3, 4, 5, 6};
  uint8_t fvalid[1] = {0x03};
  sch(&c, "s", "item", N, 0, NULL);
  arr(&ca, 6, 0, 0, 2, B(NULL, pairs), 0, NULL);
  ASSERT_EQ_STR(import_ok(sch(&s, "+w:2", "", N, 1, SK(&c)), arr(&a, 3, 1, 0, 1, B(fvalid), 1, K(&ca))), "[1,2]|[3,4]|\\N");
  ASSERT_EQ_STR(type_name(), "ARRAY<SMALLINT>");

  /* Struct layout example: [{"joe", 1}, {null, 2}, null, {"mark", 4}] */
  uint8_t svalid[1] = {0x0B}, strvalid[1] = {0x09}, ivalid[1] = {0x0B};
  int32_t soff[5] = {0, 3, 3, 3, 7};
  int32_t ints[4] = {1, 2, 0, 4};
  sch(&k, "z", "a", N, 0, NULL);
  sch(&v, "i", "b", N, 0, NULL);
  arr(&ka, 4, 2, 0, 3, B(strvalid, soff, "joemark"), 0, NULL);
  arr(&va, 4, 1, 0, 2, B(ivalid, ints), 0, NULL);
  ASSERT_EQ_STR(import_ok(sch(&s, "+s", "", N, 2, SK(&k, &v)), arr(&a, 4, 1, 0, 1, B(svalid), 2, K(&ka, &va))),
                "{\"a\":0x6a6f65,\"b\":1}|{\"a\":\\N,\"b\":2}|\\N|{\"a\":0x6d61726b,\"b\":4}");
  ASSERT_EQ_STR(type_name(), "STRUCT<a: BINARY, b: INT>");

  /* Map: [{"a": 1, "b": null}, {}, null, {"c": 3}] */
  uint8_t mvalid[1] = {0x0B}, vvalid[1] = {0x05};
  int32_t moff[5] = {0, 2, 2, 2, 3}, koff[4] = {0, 1, 2, 3}, mv[3] = {1, 0, 3};
  sch(&k, "u", "key", 0, 0, NULL);
  sch(&v, "i", "value", N, 0, NULL);
  sch(&e, "+s", "entries", 0, 2, SK(&k, &v));
  arr(&ka, 3, 0, 0, 3, B(NULL, koff, "abc"), 0, NULL);
  arr(&va, 3, 1, 0, 2, B(vvalid, mv), 0, NULL);
  arr(&ea, 3, 0, 0, 1, B(NULL), 2, K(&ka, &va));
  ASSERT_EQ_STR(import_ok(sch(&s, "+m", "", N, 1, SK(&e)), arr(&a, 4, 1, 0, 2, B(mvalid, moff), 1, K(&ea))),
                "{\"a\":1,\"b\":\\N}|{}|\\N|{\"c\":3}");
  ASSERT_EQ_STR(type_name(), "MAP<STRING, INT>");
  ASSERT_EQ_INT(g_vec.child->len, 3);
}

TEST(arrow_layout_dictionary) {
  snode s, d;
  anode a, da;
  /* indices int8 [0, 1, 0, null, 2] into ["x", "y", "zz"] */
  int8_t idx[5] = {0, 1, 0, 0x7f /* under a null: never read */, 2};
  uint8_t valid[1] = {0x17};
  int32_t off[4] = {0, 1, 2, 4};
  sch(&d, "u", "", 0, 0, NULL);
  arr(&da, 3, 0, 0, 3, B(NULL, off, "xyzz"), 0, NULL);
  sch(&s, "c", "col", N, 0, NULL)->dictionary = &d.s;
  arr(&a, 5, 1, 0, 2, B(valid, idx), 0, NULL)->dictionary = &da.a;
  g_released = 0;
  ASSERT_EQ_STR(import_ok(&s.s, &a.a), "\"x\"|\"y\"|\"x\"|\\N|\"zz\"");
  ASSERT_EQ_INT(g_released, 2); /* the array released its dictionary */
  ASSERT_EQ_INT(g_vec.kind, VEC_DICT);
  ASSERT_EQ_STR(type_name(), "STRING");
  ASSERT_EQ_UINT(g_vec.dict->len, 3);
  /* uint32 indexes, a null dictionary entry makes the row null */
  uint32_t uidx[3] = {2, 1, 0};
  uint8_t dvalid[1] = {0x05};
  sch(&d, "u", "", N, 0, NULL);
  arr(&da, 3, 1, 0, 3, B(dvalid, off, "xyzz"), 0, NULL);
  sch(&s, "I", "col", N, 0, NULL)->dictionary = &d.s;
  arr(&a, 3, 0, 0, 2, B(NULL, uidx), 0, NULL)->dictionary = &da.a;
  ASSERT_EQ_STR(import_ok(&s.s, &a.a), "\"zz\"|\\N|\"x\"");
  ASSERT(g_vec.dict->validity == NULL); /* vector.h: dictionary entries never null */

  /* inside a list the dictionary is flattened */
  snode l;
  anode la;
  int32_t loff[3] = {0, 2, 3};
  int16_t sidx[3] = {1, 1, 0};
  sch(&d, "u", "", 0, 0, NULL);
  arr(&da, 3, 0, 0, 3, B(NULL, off, "xyzz"), 0, NULL);
  sch(&s, "s", "item", N, 0, NULL)->dictionary = &d.s;
  arr(&a, 3, 0, 0, 2, B(NULL, sidx), 0, NULL)->dictionary = &da.a;
  sch(&l, "+l", "", N, 1, SK(&s));
  arr(&la, 2, 0, 0, 2, B(NULL, loff), 1, K(&a));
  ASSERT_EQ_STR(import_ok(&l.s, &la.a), "[\"y\",\"y\"]|[\"x\"]");
  ASSERT_EQ_INT(g_vec.child->kind, VEC_FLAT);
}

/* ---- malformed input ---------------------------------------------------------------- */

static int schema_rc(struct ArrowSchema *s) {
  arena *ar = arena_new("t", 1024);
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  int rc = arrow_import_schema(s, ar, &t, NULL, &e);
  if (rc) ASSERT(e.msg[0] != 0);
  arena_free(ar);
  return rc;
}

TEST(arrow_malformed_format_strings) {
  snode s, c, c2;
  static const struct {
    const char *fmt;
    int rc;
  } cases[] = {
      {"", LAGO_UNSUPPORTED},      {"d:", LAGO_CORRUPT},         {"d:5", LAGO_CORRUPT},
      {"d:5,x", LAGO_CORRUPT},     {"d:40,2", LAGO_UNSUPPORTED}, {"d:5,-1", LAGO_UNSUPPORTED},
      {"d:5,7", LAGO_UNSUPPORTED}, {"d:5,2,48", LAGO_CORRUPT},   {"d:5,2,128x", LAGO_CORRUPT},
      {"d:99999999999999999999,1", LAGO_CORRUPT}, {"w:", LAGO_CORRUPT}, {"w:-1", LAGO_CORRUPT},
      {"w:3x", LAGO_CORRUPT},      {"tsx:", LAGO_CORRUPT},       {"tsu", LAGO_CORRUPT},
      {"e", LAGO_UNSUPPORTED},     {"tDs", LAGO_UNSUPPORTED},    {"+ud:1,2", LAGO_UNSUPPORTED},
      {"+r", LAGO_UNSUPPORTED},    {"+vl", LAGO_UNSUPPORTED},    {"vq", LAGO_UNSUPPORTED},
      {"ii", LAGO_UNSUPPORTED},    {"+w:", LAGO_CORRUPT},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    int rc = schema_rc(sch(&s, cases[i].fmt, "f", N, 0, NULL));
    if (rc != cases[i].rc)
      test_fail_(__FILE__, __LINE__, "format '%s': got %s, want %s", cases[i].fmt, lago_rc_name(rc), lago_rc_name(cases[i].rc));
  }
  /* the message names the format */
  arena *ar = arena_new("t", 1024);
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(arrow_import_schema(sch(&s, "+ud:1,2", "f", N, 0, NULL), ar, &t, NULL, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "'+ud:1,2'");
  arena_free(ar);
  /* structure */
  ASSERT_RC(schema_rc(sch(&s, NULL, "f", N, 0, NULL)), LAGO_CORRUPT);
  ASSERT_RC(schema_rc(sch(&s, "+l", "f", N, 0, NULL)), LAGO_CORRUPT);          /* list without child */
  sch(&c, "i", "x", N, 0, NULL);
  ASSERT_RC(schema_rc(sch(&s, "i", "f", N, 1, SK(&c))), LAGO_CORRUPT);        /* int with a child */
  ASSERT_RC(schema_rc(sch(&s, "+m", "f", N, 1, SK(&c))), LAGO_CORRUPT);       /* map child not +s */
  sch(&c, "+s", "entries", 0, 1, SK(&c2));
  sch(&c2, "i", "k", 0, 0, NULL);
  ASSERT_RC(schema_rc(sch(&s, "+m", "f", N, 1, SK(&c))), LAGO_CORRUPT);       /* entries with 1 field */
  sch(&s, "+s", "f", N, 1, SK(&c));
  s.s.children = NULL;
  ASSERT_RC(schema_rc(&s.s), LAGO_CORRUPT);                                   /* children NULL */
  sch(&s, "+s", "f", N, 0, NULL)->n_children = -1;
  ASSERT_RC(schema_rc(&s.s), LAGO_CORRUPT);
  sch(&s, "i", "f", N, 0, NULL)->release = NULL;
  ASSERT_RC(schema_rc(&s.s), LAGO_CORRUPT);                                   /* released */
  sch(&c, "u", "", 0, 0, NULL);
  sch(&s, "u", "f", N, 0, NULL)->dictionary = &c.s;
  ASSERT_RC(schema_rc(&s.s), LAGO_CORRUPT);                                   /* non-integer index */
  /* 100 nested lists: too deep */
  static snode deep[101];
  sch(&deep[100], "i", "x", N, 0, NULL);
  for (int i = 99; i >= 0; i--) sch(&deep[i], "+l", "l", N, 1, SK(&deep[i + 1]));
  ASSERT_RC(schema_rc(&deep[0].s), LAGO_CORRUPT);
  /* malformed metadata (negative pair count) */
  sch(&s, "i", "f", N, 0, NULL)->metadata = "\xff\xff\xff\xff";
  ASSERT_RC(schema_rc(&s.s), LAGO_CORRUPT);
}

TEST(arrow_malformed_arrays) {
  snode s, c;
  anode a, ca;
  int32_t vals[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  uint8_t ones[2] = {0xff, 0xff};
  /* buffer counts */
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, 0, 0, 1, B(NULL), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "u", "x", N, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
  sch(&c, "i", "x", N, 0, NULL);
  arr(&ca, 2, 0, 0, 2, B(NULL, vals), 0, NULL);
  import_fails(sch(&s, "+s", "x", N, 1, SK(&c)), arr(&a, 2, 0, 0, 2, B(NULL, NULL), 1, K(&ca)), LAGO_CORRUPT);
  a.a.buffers = NULL;
  a.a.release = rel_array;
  import_fails(sch(&s, "i", "x", N, 0, NULL), &a.a, LAGO_CORRUPT);
  /* lengths, offsets, null counts */
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, -1, 0, 0, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, 0, -1, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, 0, INT64_MAX, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, -2, 0, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, 3, 0, 2, B(ones, vals), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, 1, 0, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "i", "x", N, 0, NULL), arr(&a, 2, 0, 0, 2, B(NULL, NULL), 0, NULL), LAGO_CORRUPT);
  /* released before import: nothing to release, still an error */
  arr(&a, 2, 0, 0, 2, B(NULL, vals), 0, NULL)->release = NULL;
  import_fails(sch(&s, "i", "x", N, 0, NULL), &a.a, LAGO_CORRUPT);
  /* string offsets: decreasing, negative first, data missing */
  int32_t dec[4] = {0, 3, 2, 4}, neg[3] = {-1, 0, 2}, ok[3] = {0, 2, 4};
  import_fails(sch(&s, "u", "x", N, 0, NULL), arr(&a, 3, 0, 0, 3, B(NULL, dec, "abcd"), 0, NULL), LAGO_CORRUPT);
  const char *msg = import_fails(sch(&s, "u", "x", N, 0, NULL), arr(&a, 2, 0, 0, 3, B(NULL, neg, "abcd"), 0, NULL), LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "negative first offset");
  import_fails(sch(&s, "u", "x", N, 0, NULL), arr(&a, 2, 0, 0, 3, B(NULL, ok, NULL), 0, NULL), LAGO_CORRUPT);
  /* list offsets past the child */
  int32_t loff[3] = {0, 2, 9};
  sch(&c, "i", "x", N, 0, NULL);
  arr(&ca, 8, 0, 0, 2, B(NULL, vals), 0, NULL);
  msg = import_fails(sch(&s, "+l", "x", N, 1, SK(&c)), arr(&a, 2, 0, 0, 2, B(NULL, loff), 1, K(&ca)), LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "past the child");
  /* list without its child array, and a NULL child pointer */
  int32_t loff2[3] = {0, 2, 4};
  import_fails(sch(&s, "+l", "x", N, 1, SK(&c)), arr(&a, 2, 0, 0, 2, B(NULL, loff2), 0, NULL), LAGO_CORRUPT);
  arr(&a, 2, 0, 0, 2, B(NULL, loff2), 1, K(&ca));
  a.kids[0] = NULL;
  msg = import_fails(sch(&s, "+l", "x", N, 1, SK(&c)), &a.a, LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "child is NULL");
  /* a struct child shorter than its parent */
  sch(&c, "i", "x", N, 0, NULL);
  arr(&ca, 2, 0, 0, 2, B(NULL, vals), 0, NULL);
  import_fails(sch(&s, "+s", "x", N, 1, SK(&c)), arr(&a, 3, 0, 0, 1, B(NULL), 1, K(&ca)), LAGO_CORRUPT);
  /* schema and array disagree on the dictionary */
  import_fails(sch(&s, "i", "x", N, 0, NULL), (arr(&a, 2, 0, 0, 2, B(NULL, vals), 0, NULL)->dictionary = &ca.a, &a.a),
               LAGO_CORRUPT);
  /* decimal with more digits than its precision; decimal256 beyond 128 bits */
  lago_i128 big[1] = {1000};
  import_fails(sch(&s, "d:3,0", "x", N, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, big), 0, NULL), LAGO_CORRUPT);
  uint64_t d256[4] = {1, 0, 1, 0};
  import_fails(sch(&s, "d:38,0,256", "x", N, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, d256), 0, NULL), LAGO_CORRUPT);
  /* values that do not fit lago's units */
  int64_t huge[1] = {INT64_MAX / 2};
  import_fails(sch(&s, "tss:", "x", N, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, huge), 0, NULL), LAGO_RUNTIME);
  import_fails(sch(&s, "tdm", "x", N, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, huge), 0, NULL), LAGO_RUNTIME);
  /* unsupported format through the array path: still released */
  import_fails(sch(&s, "e", "x", N, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, vals), 0, NULL), LAGO_UNSUPPORTED);
  import_fails(NULL, arr(&a, 1, 0, 0, 2, B(NULL, vals), 0, NULL), LAGO_CORRUPT);
}

TEST(arrow_malformed_views_dicts_maps) {
  snode s, d, k, v, e;
  anode a, da, ka, va, ea;
  uint8_t views[1][16];
  int32_t len = 20, bi = 0, off = 10;
  memset(views, 0, sizeof views);
  memcpy(views[0], &len, 4);
  memcpy(views[0] + 8, &bi, 4);
  memcpy(views[0] + 12, &off, 4);
  const char *data = "012345678901234567890123456789"; /* 30 bytes */
  int64_t sizes[1] = {28};
  /* offset 10 + 20 > 28 */
  const char *msg = import_fails(sch(&s, "vu", "x", N, 0, NULL), arr(&a, 1, 0, 0, 4, B(NULL, views, data, sizes), 0, NULL),
                                 LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "past its data buffer");
  sizes[0] = 30;
  ASSERT_EQ_STR(import_ok(sch(&s, "vu", "x", N, 0, NULL), arr(&a, 1, 0, 0, 4, B(NULL, views, data, sizes), 0, NULL)),
                "\"01234567890123456789\"");
  bi = 1; /* no such buffer */
  memcpy(views[0] + 8, &bi, 4);
  import_fails(sch(&s, "vu", "x", N, 0, NULL), arr(&a, 1, 0, 0, 4, B(NULL, views, data, sizes), 0, NULL), LAGO_CORRUPT);
  bi = 0;
  memcpy(views[0] + 8, &bi, 4);
  len = -5;
  memcpy(views[0], &len, 4);
  import_fails(sch(&s, "vu", "x", N, 0, NULL), arr(&a, 1, 0, 0, 4, B(NULL, views, data, sizes), 0, NULL), LAGO_CORRUPT);
  import_fails(sch(&s, "vu", "x", N, 0, NULL), arr(&a, 1, 0, 0, 2, B(NULL, views), 0, NULL), LAGO_CORRUPT);

  /* dictionary index past the dictionary, negative index, missing dictionary array */
  int32_t doff[3] = {0, 1, 2};
  int8_t idx[2] = {0, 2}, nidx[1] = {-1};
  sch(&d, "u", "", 0, 0, NULL);
  arr(&da, 2, 0, 0, 3, B(NULL, doff, "xy"), 0, NULL);
  sch(&s, "c", "x", N, 0, NULL)->dictionary = &d.s;
  arr(&a, 2, 0, 0, 2, B(NULL, idx), 0, NULL)->dictionary = &da.a;
  g_released = 0;
  msg = import_fails(&s.s, &a.a, LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "dictionary index out of range");
  ASSERT_EQ_INT(g_released, 2);
  arr(&da, 2, 0, 0, 3, B(NULL, doff, "xy"), 0, NULL);
  arr(&a, 1, 0, 0, 2, B(NULL, nidx), 0, NULL)->dictionary = &da.a;
  import_fails(&s.s, &a.a, LAGO_CORRUPT);
  import_fails(&s.s, arr(&a, 1, 0, 0, 2, B(NULL, idx), 0, NULL), LAGO_CORRUPT);

  /* a map with a null key */
  uint8_t kvalid[1] = {0x01};
  int32_t moff[2] = {0, 2}, koff[3] = {0, 1, 2}, mv[2] = {1, 2};
  sch(&k, "u", "key", 0, 0, NULL);
  sch(&v, "i", "value", N, 0, NULL);
  sch(&e, "+s", "entries", 0, 2, (snode *const[]){&k, &v});
  arr(&ka, 2, 1, 0, 3, B(kvalid, koff, "ab"), 0, NULL);
  arr(&va, 2, 0, 0, 2, B(NULL, mv), 0, NULL);
  arr(&ea, 2, 0, 0, 1, B(NULL), 2, (anode *const[]){&ka, &va});
  msg = import_fails(sch(&s, "+m", "m", N, 1, (snode *const[]){&e}), arr(&a, 1, 0, 0, 2, B(NULL, moff), 1, (anode *const[]){&ea}),
                     LAGO_CORRUPT);
  ASSERT_CONTAINS(msg, "null keys");
}
