/*
** tests/unit/format/test_pq_write_stats.c: statistics ordering edge cases
** (write_stats.c): NaN, -0.0/+0.0, unsigned integers, strings with shared
** prefixes and bytes above 0x7f, decimals wider than 18 digits, truncation
** of long bounds, merging, and the lago values handed to the Delta layer.
*/
#include <math.h>

#include "format/parquet/pq_write_int.h"
#include "test.h"
#include "util/bits.h"
#include "util/numfmt.h"

typedef struct sfx {
  arena *ar;
  pqw_schema sc;
  const pqw_leaf_desc *L;
  pqw_stats s;
} sfx;

static void sfx_init(sfx *f, lago_type t) {
  f->ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *n[1] = {"c"};
  lago_type st;
  ASSERT_OK(type_struct(f->ar, 1, n, &t, NULL, &st), NULL);
  ASSERT_OK(pqw_schema_build(f->ar, st, &f->sc, &e), &e);
  f->L = &f->sc.leaves[0];
  pqw_stats_init(&f->s);
}

static void sfx_free(sfx *f) {
  pqw_stats_deinit(&f->s);
  arena_free(f->ar);
}

static pq_statistics to_pq(sfx *f) {
  pq_statistics p;
  ASSERT_OK(pqw_stats_to_parquet(&f->s, f->L, f->ar, &p), NULL);
  return p;
}

TEST(pqw_stats_float_nan_and_zeros) {
  sfx f;
  sfx_init(&f, type_make(LT_DOUBLE));
  double a[4] = {0.0, 1.5, -0.0, 3.0};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)a, 4), NULL);
  pq_statistics p = to_pq(&f);
  ASSERT(p.has_min_value && p.has_max_value);
  double mn, mx;
  memcpy(&mn, p.min_value.ptr, 8);
  memcpy(&mx, p.max_value.ptr, 8);
  ASSERT(mn == 0 && signbit(mn)); /* a zero min is written as -0.0 */
  ASSERT(mx == 3.0);
  ASSERT(p.has_min && p.has_max); /* signed-order legacy fields are fine for floats */
  /* a zero max is written as +0.0 */
  pqw_stats_reset(&f.s);
  double b[3] = {-2.0, -0.0, -1.0};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)b, 3), NULL);
  p = to_pq(&f);
  memcpy(&mn, p.min_value.ptr, 8);
  memcpy(&mx, p.max_value.ptr, 8);
  ASSERT(mn == -2.0);
  ASSERT(mx == 0 && !signbit(mx));
  /* NaN anywhere: no min/max at all, but the null count stays */
  double c[3] = {1.0, NAN, 2.0};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)c, 3), NULL);
  f.s.nulls = 4;
  ASSERT(f.s.has_nan);
  ASSERT(!pqw_stats_usable(&f.s, f.L));
  p = to_pq(&f);
  ASSERT(!p.has_min_value && !p.has_max_value && !p.has_min && !p.has_max);
  ASSERT(p.has_null_count && p.null_count == 4);
  /* only NaN: nothing usable either */
  pqw_stats_reset(&f.s);
  double d[1] = {NAN};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)d, 1), NULL);
  ASSERT(!f.s.has_minmax && !pqw_stats_usable(&f.s, f.L));
  /* infinities are ordinary bounds */
  pqw_stats_reset(&f.s);
  double inf[2] = {INFINITY, -INFINITY};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)inf, 2), NULL);
  ASSERT(f.s.min.d == -INFINITY && f.s.max.d == INFINITY);
  sfx_free(&f);

  sfx_init(&f, type_make(LT_FLOAT));
  float g[3] = {-0.0f, 0.0f, -0.0f};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)g, 3), NULL);
  p = to_pq(&f);
  ASSERT_EQ_UINT(p.min_value.len, 4);
  float fm, fx2;
  memcpy(&fm, p.min_value.ptr, 4);
  memcpy(&fx2, p.max_value.ptr, 4);
  ASSERT(fm == 0 && signbit(fm));
  ASSERT(fx2 == 0 && !signbit(fx2));
  sfx_free(&f);
}

TEST(pqw_stats_unsigned) {
  sfx f;
  sfx_init(&f, type_make(LT_UINT));
  uint32_t a[3] = {5, 0xffffffffu, 1};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)a, 3), NULL);
  pq_statistics p = to_pq(&f);
  ASSERT_EQ_UINT(load_le32(p.min_value.ptr), 1);
  ASSERT_EQ_UINT(load_le32(p.max_value.ptr), 0xffffffffu); /* signed order would say -1 < 1 */
  ASSERT(!p.has_min && !p.has_max);                        /* no legacy fields: they were signed */
  sfx_free(&f);
  sfx_init(&f, type_make(LT_UBIGINT));
  uint64_t b[2] = {UINT64_MAX, 0x8000000000000000ull};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)b, 2), NULL);
  p = to_pq(&f);
  ASSERT_EQ_UINT(load_le64(p.min_value.ptr), 0x8000000000000000ull);
  ASSERT_EQ_UINT(load_le64(p.max_value.ptr), UINT64_MAX);
  /* lago values for the Delta layer */
  vec *mm = vec_new(f.ar, type_make(LT_UBIGINT), 2);
  ASSERT_OK(pqw_stats_to_vec(&f.s, f.L, mm), NULL);
  ASSERT_EQ_UINT(VEC_DATA(mm, uint64_t)[0], 0x8000000000000000ull);
  ASSERT_EQ_UINT(VEC_DATA(mm, uint64_t)[1], UINT64_MAX);
  sfx_free(&f);
  /* signed for comparison */
  sfx_init(&f, type_make(LT_INT));
  int32_t c[3] = {5, -1, INT32_MIN};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)c, 3), NULL);
  p = to_pq(&f);
  ASSERT_EQ_INT((int32_t)load_le32(p.min_value.ptr), INT32_MIN);
  ASSERT_EQ_INT((int32_t)load_le32(p.max_value.ptr), 5);
  ASSERT(p.has_min && p.has_max);
  sfx_free(&f);
}

TEST(pqw_stats_strings) {
  sfx f;
  sfx_init(&f, type_make(LT_STRING));
  lago_str s[5];
  s[0] = str_make("abc", 3);
  s[1] = str_make("ab", 2); /* a prefix sorts first */
  s[2] = str_make("abd", 3);
  s[3] = str_make("\xc3\xa9", 2); /* bytes above 0x7f sort after ASCII (unsigned) */
  s[4] = str_make("abc_with_a_longer_tail_than_twelve", 34);
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)s, 5), NULL);
  pq_statistics p = to_pq(&f);
  ASSERT_EQ_UINT(p.min_value.len, 2);
  ASSERT_EQ_MEM(p.min_value.ptr, "ab", 2);
  ASSERT_EQ_UINT(p.max_value.len, 2);
  ASSERT_EQ_MEM(p.max_value.ptr, "\xc3\xa9", 2);
  ASSERT(!p.has_min && !p.has_max); /* legacy min/max compared signed bytes: not written */
  /* a second slice merges: "" becomes the min; bounds are copies, not views */
  lago_str t[1] = {str_make("", 0)};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)t, 1), NULL);
  ASSERT_EQ_UINT(f.s.min_b.len, 0);
  ASSERT_EQ_UINT(f.s.max_b.len, 2);
  /* merging chunk stats into file stats */
  pqw_stats other;
  pqw_stats_init(&other);
  lago_str u[1] = {str_make("\xff", 1)};
  ASSERT_OK(pqw_stats_update(&other, f.L, (const uint8_t *)u, 1), NULL);
  other.nulls = 3;
  ASSERT_OK(pqw_stats_merge(&f.s, &other, f.L), NULL);
  ASSERT_EQ_UINT(f.s.max_b.len, 1);
  ASSERT_EQ_UINT((uint8_t)f.s.max_b.data[0], 0xff);
  ASSERT_EQ_INT(f.s.nulls, 3);
  ASSERT_EQ_INT(f.s.values, 7);
  pqw_stats_deinit(&other);
  vec *mm = vec_new(f.ar, type_make(LT_STRING), 2);
  ASSERT_OK(pqw_stats_to_vec(&f.s, f.L, mm), NULL);
  ASSERT_EQ_UINT(VEC_DATA(mm, lago_str)[0].len, 0);
  ASSERT_EQ_UINT(VEC_DATA(mm, lago_str)[1].len, 1);
  sfx_free(&f);
}

TEST(pqw_stats_truncation) {
  sfx f;
  sfx_init(&f, type_make(LT_BINARY));
  char lo[100], hi[100];
  memset(lo, 'a', sizeof lo);
  memset(hi, 'z', sizeof hi);
  hi[5] = (char)0xff;
  hi[6] = (char)0xff;
  lago_str s[2] = {str_make(lo, 100), str_make(hi, 100)};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)s, 2), NULL);
  pq_bytes mn, mx;
  bool has_max, me, xe;
  ASSERT_OK(pqw_stats_bytes(&f.s, f.L, f.ar, 7, &mn, &mx, &has_max, &me, &xe), NULL);
  ASSERT(!me && !xe && has_max);
  ASSERT_EQ_UINT(mn.len, 7);
  ASSERT_EQ_MEM(mn.ptr, lo, 7);
  /* "zzzzz\xff\xff" cut to 7: trailing 0xff dropped, then the last byte incremented: "zzzz{" */
  ASSERT_EQ_UINT(mx.len, 5);
  ASSERT_EQ_MEM(mx.ptr, "zzzz{", 5);
  /* all 0xff: no upper bound of that length */
  pqw_stats_reset(&f.s);
  memset(hi, 0xff, sizeof hi);
  s[1] = str_make(hi, 100);
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)s, 2), NULL);
  ASSERT_OK(pqw_stats_bytes(&f.s, f.L, f.ar, 7, &mn, &mx, &has_max, &me, &xe), NULL);
  ASSERT(!has_max);
  /* short values are exact */
  ASSERT_OK(pqw_stats_bytes(&f.s, f.L, f.ar, 200, &mn, &mx, &has_max, &me, &xe), NULL);
  ASSERT(me && xe && has_max && mx.len == 100);
  /* huge values are left out of chunk statistics rather than cut */
  char *big = arena_alloc(f.ar, 5000);
  memset(big, 'q', 5000);
  lago_str b1[1] = {str_make(big, 5000)};
  pqw_stats_reset(&f.s);
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)b1, 1), NULL);
  pq_statistics p = to_pq(&f);
  ASSERT(!p.has_min_value && !p.has_max_value && p.has_null_count);
  sfx_free(&f);
}

TEST(pqw_stats_wide_decimals) {
  sfx f;
  sfx_init(&f, type_decimal(30, 2));
  const pqw_leaf_desc *L = f.L;
  ASSERT_EQ_INT(L->fl_width, 13);
  vec *v = vec_new(f.ar, type_decimal(30, 2), 4);
  lago_i128 x[4] = {-5, 3, -(pow10_i128(29) + 7), (lago_i128)1 << 70};
  memcpy(v->data, x, sizeof x);
  uint8_t phys[4 * 13];
  lago_err e;
  lago_err_clear(&e);
  for (uint32_t i = 0; i < 4; i++) ASSERT_OK(pqw_convert_value(L, v, i, phys + 13 * i, &e), &e);
  ASSERT_OK(pqw_stats_update(&f.s, L, phys, 4), NULL);
  ASSERT(f.s.min.w == x[2]);
  ASSERT(f.s.max.w == x[3]); /* by value: a byte-wise compare would put negatives last */
  pq_statistics p = to_pq(&f);
  ASSERT_EQ_UINT(p.min_value.len, 13);
  ASSERT_EQ_MEM(p.min_value.ptr, phys + 26, 13);
  ASSERT_EQ_MEM(p.max_value.ptr, phys + 39, 13);
  ASSERT(!p.has_min && !p.has_max);
  vec *mm = vec_new(f.ar, type_decimal(30, 2), 2);
  ASSERT_OK(pqw_stats_to_vec(&f.s, L, mm), NULL);
  lago_i128 got;
  memcpy(&got, (lago_i128 *)mm->data, sizeof got);
  ASSERT(got == x[2]);
  sfx_free(&f);
  /* DECIMAL(9,2) in INT32 is signed by value */
  sfx_init(&f, type_decimal(9, 2));
  int32_t d[3] = {-100, 5, -999999999};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)d, 3), NULL);
  p = to_pq(&f);
  ASSERT_EQ_INT((int32_t)load_le32(p.min_value.ptr), -999999999);
  ASSERT(p.has_min);
  sfx_free(&f);
}

TEST(pqw_stats_other_orders) {
  sfx f;
  sfx_init(&f, type_make(LT_INTERVAL));
  uint8_t iv[12] = {0};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, iv, 1), NULL);
  ASSERT(!pqw_stats_usable(&f.s, f.L)); /* INTERVAL has no defined order */
  pq_statistics p = to_pq(&f);
  ASSERT(!p.has_min_value);
  sfx_free(&f);
  sfx_init(&f, type_make(LT_BOOLEAN));
  uint8_t b[3] = {1, 1, 0};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, b, 3), NULL);
  p = to_pq(&f);
  ASSERT_EQ_UINT(p.min_value.len, 1);
  ASSERT_EQ_UINT(p.min_value.ptr[0], 0);
  ASSERT_EQ_UINT(p.max_value.ptr[0], 1);
  sfx_free(&f);
  sfx_init(&f, type_make(LT_UUID));
  uint8_t u[32];
  memset(u, 0x80, 16);
  memset(u + 16, 0x01, 16);
  ASSERT_OK(pqw_stats_update(&f.s, f.L, u, 2), NULL);
  p = to_pq(&f);
  ASSERT_EQ_UINT(p.min_value.ptr[0], 0x01); /* unsigned bytes */
  ASSERT_EQ_UINT(p.max_value.ptr[0], 0x80);
  vec *mm = vec_new(f.ar, type_make(LT_UUID), 2);
  ASSERT_OK(pqw_stats_to_vec(&f.s, f.L, mm), NULL);
  ASSERT_EQ_UINT(((uint8_t *)mm->data)[16], 0x80);
  sfx_free(&f);
  sfx_init(&f, type_make(LT_TIMESTAMP));
  int64_t ts[2] = {INT64_C(-62135596800000000), INT64_C(253402300799999999)};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)ts, 2), NULL);
  mm = vec_new(f.ar, type_make(LT_TIMESTAMP), 2);
  ASSERT_OK(pqw_stats_to_vec(&f.s, f.L, mm), NULL);
  ASSERT_EQ_INT(VEC_DATA(mm, int64_t)[0], ts[0]);
  ASSERT_EQ_INT(VEC_DATA(mm, int64_t)[1], ts[1]);
  sfx_free(&f);
  sfx_init(&f, type_make(LT_SMALLINT));
  int32_t sm[2] = {-32768, 7};
  ASSERT_OK(pqw_stats_update(&f.s, f.L, (const uint8_t *)sm, 2), NULL);
  mm = vec_new(f.ar, type_make(LT_SMALLINT), 2);
  ASSERT_OK(pqw_stats_to_vec(&f.s, f.L, mm), NULL);
  ASSERT_EQ_INT(VEC_DATA(mm, int16_t)[0], -32768);
  ASSERT_EQ_INT(VEC_DATA(mm, int16_t)[1], 7);
  sfx_free(&f);
}
