/*
** tests/unit/util/test_util.c: status, alloc gate, arena, buf.
*/
#include "test.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/bits.h"
#include "util/buf.h"
#include "util/hex.h"

TEST(status_first_error_wins) {
  lago_err e;
  lago_err_clear(&e);
  ASSERT_EQ_INT(e.rc, LAGO_OK);
  ASSERT_EQ_INT(LAGO_ERR(&e, LAGO_CORRUPT, "file %s: bad byte %d", "x.parquet", 7), LAGO_CORRUPT);
  ASSERT_EQ_INT(LAGO_ERR(&e, LAGO_IO, "second"), LAGO_IO);
  ASSERT_EQ_INT(e.rc, LAGO_CORRUPT);
  ASSERT_EQ_STR(e.msg, "file x.parquet: bad byte 7");
  lago_err_prefix(&e, "reading %s", "t1");
  ASSERT_EQ_STR(e.msg, "reading t1: file x.parquet: bad byte 7");
  ASSERT_EQ_STR(lago_rc_name(LAGO_CORRUPT), "LAGO_CORRUPT");
  ASSERT_EQ_STR(lago_rc_name(999), "LAGO_UNKNOWN");
  ASSERT_EQ_INT(LAGO_ERR(NULL, LAGO_PARSE, "no err object"), LAGO_PARSE);
}

TEST(status_pos_recorded) {
  lago_err e;
  lago_err_clear(&e);
  LAGO_ERR_POS(&e, LAGO_PARSE, 12, "unexpected token");
  ASSERT_EQ_INT(e.pos, 12);
  ASSERT(e.line > 0);
}

TEST(alloc_fail_injection) {
  long base = mem_live();
  mem_fail_after(3);
  void *a = mem_alloc(10), *b = mem_alloc(10), *c = mem_alloc(10), *d = mem_alloc(1);
  ASSERT_NE_NULL(a);
  ASSERT_NE_NULL(b);
  ASSERT(c == NULL);
  ASSERT(d == NULL);
  ASSERT(mem_fail_fired());
  mem_fail_after(0);
  ASSERT_EQ_INT(mem_live(), base + 2);
  mem_free(a);
  mem_free(b);
  ASSERT_EQ_INT(mem_live(), base);
  ASSERT(mem_calloc(SIZE_MAX / 2, 4) == NULL);
}

TEST(arena_alignment_and_growth) {
  arena *ar = arena_new("test", 256);
  ASSERT_NE_NULL(ar);
  for (int i = 1; i < 2000; i++) {
    char *p = arena_alloc(ar, (size_t)(i % 97) + 1);
    ASSERT_NE_NULL(p);
    ASSERT_EQ_INT(((uintptr_t)p) % 16, 0);
    memset(p, 0xab, (size_t)(i % 97) + 1);
  }
  char *big = arena_alloc(ar, 1 << 20);
  ASSERT_NE_NULL(big);
  memset(big, 1, 1 << 20);
  size_t used = arena_used(ar);
  ASSERT(used >= (1 << 20));
  arena_reset(ar);
  ASSERT_EQ_INT(arena_used(ar), 0);
  char *s = arena_printf(ar, "%s-%d", "v", 42);
  ASSERT_EQ_STR(s, "v-42");
  arena_free(ar);
  arena_free(NULL);
}

TEST(arena_realloc_in_place) {
  arena *ar = arena_new("test", 4096);
  char *p = arena_alloc(ar, 16);
  memcpy(p, "0123456789abcdef", 16);
  char *q = arena_realloc(ar, p, 16, 64);
  ASSERT(p == q);
  char *r = arena_alloc(ar, 8);
  ASSERT_NE_NULL(r);
  char *s = arena_realloc(ar, q, 64, 8192);
  ASSERT(s != q);
  ASSERT_EQ_MEM(s, "0123456789abcdef", 16);
  arena_free(ar);
}

static int arena_work(void *ud) {
  (void)ud;
  arena *ar = arena_new("oom", 64);
  if (!ar) return LAGO_NOMEM;
  int rc = LAGO_OK;
  for (int i = 0; i < 50; i++)
    if (!arena_alloc(ar, 200)) { rc = LAGO_NOMEM; break; }
  arena_free(ar);
  return rc;
}

TEST(arena_oom_sweep) {
  int runs = test_oom_sweep(arena_work, NULL, 1000);
  ASSERT(runs > 2);
}

TEST(buf_append_printf) {
  buf b;
  buf_init(&b);
  ASSERT_EQ_STR(buf_cstr(&b), "");
  for (int i = 0; i < 1000; i++) ASSERT_OK(buf_printf(&b, "%d,", i), NULL);
  ASSERT(b.len > 3000);
  ASSERT(strncmp(b.data, "0,1,2,", 6) == 0);
  char big[600];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  buf_clear(&b);
  ASSERT_OK(buf_printf(&b, "[%s]", big), NULL);
  ASSERT_EQ_INT(b.len, 601);
  char *d = buf_detach(&b);
  ASSERT_EQ_INT(strlen(d), 601);
  mem_free(d);
  buf_deinit(&b);
}

TEST(bits_bitmap) {
  uint64_t bm[3];
  bitmap_fill(bm, 150, false);
  bitmap_set(bm, 0);
  bitmap_set(bm, 63);
  bitmap_set(bm, 64);
  bitmap_set(bm, 149);
  ASSERT_EQ_INT(bitmap_count(bm, 150), 4);
  ASSERT_EQ_INT(bitmap_count(bm, 64), 2);
  bitmap_clear(bm, 63);
  ASSERT(!bitmap_get(bm, 63));
  ASSERT(bitmap_get(bm, 64));
  unsigned char le[4];
  store_be32(le, 0x01020304);
  ASSERT_EQ_INT(le[0], 1);
  ASSERT_EQ_UINT(load_be32(le), 0x01020304);
}

TEST(hex_digits_and_uuid_text) {
  ASSERT_EQ_INT(hex_value('0'), 0);
  ASSERT_EQ_INT(hex_value('9'), 9);
  ASSERT_EQ_INT(hex_value('a'), 10);
  ASSERT_EQ_INT(hex_value('F'), 15);
  ASSERT_EQ_INT(hex_value('g'), -1);
  ASSERT_EQ_INT(hex_value('/'), -1);
  ASSERT_EQ_INT(hex_value(-56), -1); /* a signed char >= 0x80 */
  const uint8_t bytes[] = {0x00, 0x9f, 0xa0, 0xff};
  char out[9] = {0};
  ASSERT(hex_encode(out, bytes, 4, 0) == out + 8);
  ASSERT_EQ_STR(out, "009fa0ff");
  hex_encode(out, bytes, 4, 1);
  ASSERT_EQ_STR(out, "009FA0FF");
  const uint8_t u[16] = {0x12, 0x3e, 0x45, 0x67, 0xe8, 0x9b, 0x12, 0xd3, 0xa4, 0x56, 0x42, 0x66, 0x14, 0x17, 0x40, 0x00};
  char t[37] = {0};
  uuid_text36(t, u);
  ASSERT_EQ_STR(t, "123e4567-e89b-12d3-a456-426614174000");
}
