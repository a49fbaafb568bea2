/*
** tests/unit/format/test_pq_write_encode.c: the writer's encoders: RLE /
** bit-packed hybrid (examples from the Parquet Encodings spec, plus round
** trips through a decoder written here), DELTA_BINARY_PACKED and
** DELTA_LENGTH_BYTE_ARRAY (spec examples and round trips), the dictionary,
** the compression codecs (decompressed with the libraries directly), and the
** column writer's dictionary fallback.
*/
#include <brotli/decode.h>
#include <lz4.h>
#include <math.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "format/parquet/pq_write_int.h"
#include "test.h"
#include "util/alloc.h"
#include "util/bits.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void expect_bytes(const buf *b, const uint8_t *want, size_t n) {
  if (b->len != n || memcmp(b->data, want, n) != 0) {
    fprintf(stderr, "  got  %zu bytes:", b->len);
    for (size_t i = 0; i < b->len && i < 64; i++) fprintf(stderr, " %02x", (uint8_t)b->data[i]);
    fprintf(stderr, "\n  want %zu bytes:", n);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, "\n");
  }
  ASSERT_EQ_UINT(b->len, n);
  ASSERT_EQ_MEM(b->data, want, n);
}

static uint64_t rnd(uint64_t *s) {
  *s += 0x9e3779b97f4a7c15ULL;
  uint64_t z = *s;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* ---- a reference decoder for the hybrid, written from the spec ---------- */

static uint64_t uvarint(const uint8_t *p, size_t *pos) {
  uint64_t v = 0;
  int s = 0;
  for (;;) {
    uint8_t b = p[(*pos)++];
    v |= (uint64_t)(b & 0x7f) << s;
    s += 7;
    if (!(b & 0x80)) return v;
  }
}

/* Decodes n values; returns bytes consumed or 0 on a malformed stream. */
static size_t rle_decode(const uint8_t *p, size_t len, int w, uint32_t *out, size_t n) {
  size_t pos = 0, got = 0;
  while (got < n) {
    if (pos >= len) return 0;
    uint64_t h = uvarint(p, &pos);
    if (h & 1) {
      size_t cnt = (size_t)(h >> 1) * 8;
      uint64_t acc = 0;
      int bits = 0;
      for (size_t i = 0; i < cnt; i++) {
        while (bits < w) {
          acc |= (uint64_t)p[pos++] << bits;
          bits += 8;
        }
        uint32_t v = (uint32_t)(acc & (w == 32 ? 0xffffffffu : ((1u << w) - 1)));
        acc >>= w;
        bits -= w;
        if (got < n) out[got++] = v;
      }
    } else {
      size_t cnt = (size_t)(h >> 1);
      uint32_t v = 0;
      for (int b = 0; b < (w + 7) / 8; b++) v |= (uint32_t)p[pos++] << (8 * b);
      for (size_t i = 0; i < cnt && got < n; i++) out[got++] = v;
    }
  }
  return pos <= len ? pos : 0;
}

TEST(pqw_rle_spec_examples) {
  buf b;
  buf_init(&b);
  /* Encodings.md: 0..7 at bit width 3 bit-pack to 10001000 11000110 11111010. */
  uint16_t seq[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  ASSERT_OK(pqw_rle_encode_u16(seq, 8, 3, &b), NULL);
  expect_bytes(&b, BYTES(0x03, 0x88, 0xc6, 0xfa));
  /* 100 zeros at width 1: one RLE run, header 100 << 1 = 200 = c8 01, value in one byte. */
  uint16_t z[100] = {0};
  buf_clear(&b);
  ASSERT_OK(pqw_rle_encode_u16(z, 100, 1, &b), NULL);
  expect_bytes(&b, BYTES(0xc8, 0x01, 0x00));
  /* Run of ten 1s then 2, 3: RLE(10 x 1), then one padded literal group 2, 3, 0... at width 2. */
  uint16_t m[12] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3};
  buf_clear(&b);
  ASSERT_OK(pqw_rle_encode_u16(m, 12, 2, &b), NULL);
  expect_bytes(&b, BYTES(0x14, 0x01, 0x03, 0x0e, 0x00));
  /* Five literals then twelve 7s: the literal group borrows three 7s, then RLE(9 x 7). */
  uint16_t l[17] = {1, 2, 3, 4, 5, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7};
  buf_clear(&b);
  ASSERT_OK(pqw_rle_encode_u16(l, 17, 3, &b), NULL);
  /* group: 1,2,3,4,5,7,7,7 at 3 bits: bits 001 010 011 100 101 111 111 111 LSB first
     byte0 = 1 | 2<<3 | (3&3)<<6 = 0xd1; byte1 = 3>>2 | 4<<1 | 5<<4 | (7&1)<<7 = 0xd8; byte2 = 7>>1 | 7<<2 | 7<<5 = 0xff */
  expect_bytes(&b, BYTES(0x03, 0xd1, 0xd8, 0xff, 0x12, 0x07));
  /* Width 0 (a dictionary of one value): runs carry no value bytes. */
  buf_clear(&b);
  ASSERT_OK(pqw_rle_encode_u16(z, 9, 0, &b), NULL);
  expect_bytes(&b, BYTES(0x12));
  /* Booleans as RLE at width 1: 1,0,1,1 -> one literal group 0b00001101. */
  uint8_t bo[4] = {1, 0, 1, 1};
  buf_clear(&b);
  ASSERT_OK(pqw_rle_encode_u8(bo, 4, 1, &b), NULL);
  expect_bytes(&b, BYTES(0x03, 0x0d));
  /* PLAIN booleans: LSB first, no header. */
  buf_clear(&b);
  uint8_t pb[10] = {1, 0, 0, 0, 0, 0, 0, 1, 1, 0};
  ASSERT_OK(pqw_plain_bools(pb, 10, &b), NULL);
  expect_bytes(&b, BYTES(0x81, 0x01));
  buf_deinit(&b);
}

TEST(pqw_rle_round_trip) {
  uint64_t s = 42;
  buf b;
  buf_init(&b);
  for (int trial = 0; trial < 300; trial++) {
    int w = (int)(rnd(&s) % 33);
    size_t n = (size_t)(rnd(&s) % 3000);
    uint32_t *v = mem_alloc((n + 1) * 4), *back = mem_alloc((n + 1) * 4);
    uint32_t mask = w == 32 ? 0xffffffffu : ((1u << w) - 1);
    int style = (int)(rnd(&s) % 3); /* random, runs, mixed */
    uint32_t cur = 0;
    for (size_t i = 0; i < n; i++) {
      if (style == 0 || rnd(&s) % (style == 1 ? 40 : 4) == 0) cur = (uint32_t)rnd(&s) & mask;
      v[i] = cur;
    }
    buf_clear(&b);
    ASSERT_OK(pqw_rle_encode_u32(v, n, w, &b), NULL);
    size_t used = rle_decode((const uint8_t *)b.data, b.len, w, back, n);
    ASSERT(n == 0 || used == b.len);
    ASSERT(n == 0 || memcmp(v, back, n * 4) == 0);
    if (style == 1 && n > 100) ASSERT(b.len < n * (size_t)(w ? w : 1) / 8); /* runs compress */
    mem_free(v);
    mem_free(back);
  }
  buf_deinit(&b);
}

TEST(pqw_bitpack_u64_widths) {
  uint64_t s = 7;
  for (int w = 0; w <= 64; w++) {
    uint64_t v[32], back[32];
    uint64_t mask = w == 64 ? ~0ULL : ((1ULL << w) - 1);
    for (int i = 0; i < 32; i++) v[i] = rnd(&s) & mask;
    uint8_t out[32 * 8 + 8];
    memset(out, 0xee, sizeof out);
    pqw_bitpack_u64(v, 32, w, out);
    ASSERT_EQ_UINT(out[32 * (size_t)w / 8], 0xee); /* wrote exactly 32*w/8 bytes */
    for (int i = 0; i < 32; i++) {
      uint64_t x = 0;
      for (int k = 0; k < w; k++) {
        size_t bit = (size_t)i * (size_t)w + (size_t)k;
        x |= (uint64_t)((out[bit / 8] >> (bit % 8)) & 1) << k;
      }
      back[i] = x;
    }
    ASSERT_EQ_MEM(v, back, sizeof v);
  }
}

/* ---- delta ---------------------------------------------------------------- */

/* Reference DELTA_BINARY_PACKED decoder (from the spec), 64-bit wrap-around. */
static size_t delta_decode(const uint8_t *p, int64_t *out, size_t max) {
  size_t pos = 0;
  uint64_t block = uvarint(p, &pos), mbs = uvarint(p, &pos), total = uvarint(p, &pos), zz = uvarint(p, &pos);
  int64_t first = (int64_t)((zz >> 1) ^ -(zz & 1));
  if (total > max) return 0;
  if (total == 0) return pos;
  out[0] = first;
  size_t got = 1, per = block / mbs;
  int64_t prev = first;
  while (got < total) {
    uint64_t mz = uvarint(p, &pos);
    int64_t min = (int64_t)((mz >> 1) ^ -(mz & 1));
    const uint8_t *widths = p + pos;
    pos += mbs;
    for (size_t m = 0; m < mbs && got < total; m++) {
      int w = widths[m];
      for (size_t i = 0; i < per; i++) {
        uint64_t x = 0;
        for (int k = 0; k < w; k++) {
          size_t bit = i * (size_t)w + (size_t)k;
          x |= (uint64_t)((p[pos + bit / 8] >> (bit % 8)) & 1) << k;
        }
        if (got < total) {
          prev = (int64_t)((uint64_t)prev + (uint64_t)min + x);
          out[got++] = prev;
        }
      }
      pos += per * (size_t)w / 8;
    }
  }
  return pos;
}

TEST(pqw_delta_spec_examples) {
  buf b;
  buf_init(&b);
  /* 1, 2, 3, 4, 5: all deltas 1 = min delta, so every miniblock has width 0. */
  int64_t a[5] = {1, 2, 3, 4, 5};
  ASSERT_OK(pqw_delta_binary_encode(a, 5, true, &b), NULL);
  expect_bytes(&b, BYTES(0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00));
  /* 7, 5, 3, 1, 2, 3, 4, 5: deltas -2 -2 -2 1 1 1 1, min -2, relative 0 0 0 3 3 3 3 at width 2. */
  int32_t c[8] = {7, 5, 3, 1, 2, 3, 4, 5};
  buf_clear(&b);
  ASSERT_OK(pqw_delta_binary_encode(c, 8, false, &b), NULL);
  expect_bytes(&b, BYTES(0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 0x02, 0x00, 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00,
                         0x00, 0x00, 0x00));
  /* Lengths 5 5 6 6 delta-packed, then the bytes. */
  const char *strs[4] = {"Hello", "World", "Foobar", "ABCDEF"};
  buf plain;
  buf_init(&plain);
  for (int i = 0; i < 4; i++) {
    uint8_t l4[4];
    store_le32(l4, (uint32_t)strlen(strs[i]));
    ASSERT_OK(buf_append(&plain, l4, 4), NULL);
    ASSERT_OK(buf_append(&plain, strs[i], strlen(strs[i])), NULL);
  }
  buf_clear(&b);
  ASSERT_OK(pqw_delta_length_encode((const uint8_t *)plain.data, plain.len, 4, &b), NULL);
  /* header 80 01 04 04 0a(zz 5); block: min delta 0 (zz 0), widths 1 0 0 0, miniblock: 0 1 0 -> bits 010 = 0x02 + 3 zero bytes */
  expect_bytes(&b, BYTES(0x80, 0x01, 0x04, 0x04, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 'H',
                         'e', 'l', 'l', 'o', 'W', 'o', 'r', 'l', 'd', 'F', 'o', 'o', 'b', 'a', 'r', 'A', 'B', 'C', 'D',
                         'E', 'F'));
  buf_deinit(&plain);
  buf_deinit(&b);
}

TEST(pqw_delta_round_trip) {
  uint64_t s = 99;
  buf b;
  buf_init(&b);
  for (int trial = 0; trial < 200; trial++) {
    size_t n = (size_t)(rnd(&s) % 700);
    bool is64 = trial & 1;
    int64_t *v = mem_alloc((n + 1) * 8), *back = mem_alloc((n + 1) * 8);
    int32_t *v32 = mem_alloc((n + 1) * 4);
    for (size_t i = 0; i < n; i++) {
      uint64_t r = rnd(&s);
      int64_t x = trial % 4 < 2 ? (int64_t)r : (int64_t)(i * 3) + (int64_t)(r % 5) - 2;
      if (r % 17 == 0) x = INT64_MIN;
      if (r % 19 == 0) x = INT64_MAX;
      v[i] = is64 ? x : (int32_t)x;
      v32[i] = (int32_t)x;
    }
    buf_clear(&b);
    ASSERT_OK(pqw_delta_binary_encode(is64 ? (const void *)v : (const void *)v32, n, is64, &b), NULL);
    size_t used = delta_decode((const uint8_t *)b.data, back, n + 1);
    ASSERT_EQ_UINT(used, b.len);
    for (size_t i = 0; i < n; i++) {
      int64_t got = is64 ? back[i] : (int32_t)back[i];
      ASSERT_EQ_INT(got, v[i]);
    }
    mem_free(v);
    mem_free(v32);
    mem_free(back);
  }
  buf_deinit(&b);
}

/* ---- dictionary ------------------------------------------------------------ */

TEST(pqw_dict_fixed_and_strings) {
  pqw_dict d;
  pqw_dict_init(&d, 8);
  double vals[6] = {1.5, -0.0, 0.0, 1.5, NAN, -0.0};
  uint32_t idx[6];
  ASSERT_OK(pqw_dict_put_fixed(&d, (const uint8_t *)vals, 6, idx), NULL);
  ASSERT_EQ_UINT(d.n, 4); /* -0.0 and 0.0 are different entries: bits, not values */
  ASSERT_EQ_UINT(idx[0], 0);
  ASSERT_EQ_UINT(idx[1], 1);
  ASSERT_EQ_UINT(idx[2], 2);
  ASSERT_EQ_UINT(idx[3], 0);
  ASSERT_EQ_UINT(idx[4], 3);
  ASSERT_EQ_UINT(idx[5], 1);
  ASSERT_EQ_UINT(d.plain.len, 32);
  ASSERT_EQ_MEM(d.plain.data, vals, 24); /* entries in first-seen order, PLAIN */
  /* Many entries: the table grows and every index stays right. */
  pqw_dict_reset(&d);
  ASSERT_EQ_UINT(d.n, 0);
  for (int64_t i = 0; i < 100000; i++) {
    int64_t x = (i * 7919) % 50000, back;
    uint32_t k;
    ASSERT_OK(pqw_dict_put_fixed(&d, (const uint8_t *)&x, 1, &k), NULL);
    memcpy(&back, d.plain.data + (size_t)k * 8, 8);
    ASSERT_EQ_INT(back, x);
  }
  ASSERT_EQ_UINT(d.n, 50000);
  pqw_dict_deinit(&d);

  pqw_dict_init(&d, 0);
  lago_str s[5];
  s[0] = str_make("short", 5);
  s[1] = str_make("a string longer than twelve bytes", 33);
  s[2] = str_make("", 0);
  s[3] = str_make("short", 5);
  char other[40];
  memcpy(other, "a string longer than twelve bytes", 34);
  s[4] = str_make(other, 33); /* same bytes elsewhere */
  ASSERT_OK(pqw_dict_put_strs(&d, s, 5, idx), NULL);
  ASSERT_EQ_UINT(d.n, 3);
  ASSERT_EQ_UINT(idx[3], 0);
  ASSERT_EQ_UINT(idx[4], 1);
  ASSERT_EQ_UINT(d.plain.len, 4 + 5 + 4 + 33 + 4);
  ASSERT_EQ_UINT(load_le32(d.plain.data), 5);
  ASSERT_EQ_MEM(d.plain.data + 4, "short", 5);
  pqw_dict_deinit(&d);
}

/* ---- codecs ------------------------------------------------------------------ */

static void check_codec(pq_codec codec, int level, const uint8_t *src, size_t n) {
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(buf_append(&out, "xy", 2), NULL); /* appends, keeps what was there */
  ASSERT_OK(pq_compress(codec, level, src, n, &out, &e), &e);
  ASSERT_EQ_MEM(out.data, "xy", 2);
  const uint8_t *c = (const uint8_t *)out.data + 2;
  size_t cn = out.len - 2;
  uint8_t *back = mem_alloc(n + 16);
  size_t got = 0;
  switch (codec) {
    case PQ_CODEC_UNCOMPRESSED: memcpy(back, c, cn); got = cn; break;
    case PQ_CODEC_SNAPPY: {
      got = n + 16;
      ASSERT(snappy_uncompress((const char *)c, cn, (char *)back, &got) == SNAPPY_OK);
      break;
    }
    case PQ_CODEC_GZIP: {
      ASSERT(cn > 10 && c[0] == 0x1f && c[1] == 0x8b); /* a gzip member */
      z_stream z;
      memset(&z, 0, sizeof z);
      ASSERT(inflateInit2(&z, 15 + 16) == Z_OK);
      z.next_in = (Bytef *)(uintptr_t)c;
      z.avail_in = (uInt)cn;
      z.next_out = back;
      z.avail_out = (uInt)(n + 16);
      ASSERT_EQ_INT(inflate(&z, Z_FINISH), Z_STREAM_END);
      got = z.total_out;
      ASSERT_EQ_UINT(z.avail_in, 0);
      inflateEnd(&z);
      break;
    }
    case PQ_CODEC_ZSTD: got = ZSTD_decompress(back, n + 16, c, cn); ASSERT(!ZSTD_isError(got)); break;
    case PQ_CODEC_LZ4_RAW: { /* a bare block: no frame magic */
      int r = LZ4_decompress_safe((const char *)c, (char *)back, (int)cn, (int)n + 16);
      ASSERT(r >= 0);
      got = (size_t)r;
      break;
    }
    case PQ_CODEC_BROTLI: {
      got = n + 16;
      ASSERT(BrotliDecoderDecompress(cn, c, &got, back) == BROTLI_DECODER_RESULT_SUCCESS);
      break;
    }
    default: ASSERT(0);
  }
  ASSERT_EQ_UINT(got, n);
  ASSERT(n == 0 || memcmp(back, src, n) == 0);
  mem_free(back);
  buf_deinit(&out);
}

TEST(pqw_codecs_round_trip) {
  size_t n = 200000;
  uint8_t *src = mem_alloc(n);
  uint64_t s = 5;
  for (size_t i = 0; i < n; i++) src[i] = (uint8_t)(i % 251 < 100 ? 'a' + i % 7 : rnd(&s));
  static const pq_codec codecs[] = {PQ_CODEC_UNCOMPRESSED, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP,
                                    PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW, PQ_CODEC_BROTLI};
  for (size_t k = 0; k < sizeof codecs / sizeof *codecs; k++) {
    check_codec(codecs[k], 0, src, n);
    check_codec(codecs[k], 0, src, 0); /* empty pages compress too */
    check_codec(codecs[k], 0, src, 1);
  }
  check_codec(PQ_CODEC_ZSTD, 19, src, 5000);
  check_codec(PQ_CODEC_ZSTD, -5, src, 5000);
  check_codec(PQ_CODEC_GZIP, 1, src, 5000);
  check_codec(PQ_CODEC_BROTLI, 11, src, 5000);
  /* Reuse of one compressor across pages (the writer's case). */
  pqw_compressor c;
  lago_err e;
  lago_err_clear(&e);
  static const pq_codec reuse[] = {PQ_CODEC_GZIP, PQ_CODEC_ZSTD, PQ_CODEC_LZ4_RAW};
  for (size_t k = 0; k < 3; k++) {
    ASSERT_OK(pqw_compressor_init(&c, reuse[k], 0, &e), &e);
    buf a, b;
    buf_init(&a);
    buf_init(&b);
    ASSERT_OK(pqw_compress(&c, src, 3000, &a, &e), &e);
    ASSERT_OK(pqw_compress(&c, src, 3000, &b, &e), &e);
    ASSERT_EQ_UINT(a.len, b.len); /* same input, same output: no state leaks between pages */
    ASSERT_EQ_MEM(a.data, b.data, a.len);
    buf_deinit(&a);
    buf_deinit(&b);
    pqw_compressor_deinit(&c);
  }
  mem_free(src);
}

TEST(pqw_codecs_refused) {
  buf out;
  buf_init(&out);
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(pq_compress(PQ_CODEC_LZO, 0, (const uint8_t *)"x", 1, &out, &e), LAGO_UNSUPPORTED);
  ASSERT_CONTAINS(e.msg, "LZO");
  lago_err_clear(&e);
  ASSERT_RC(pq_compress(PQ_CODEC_LZ4, 0, (const uint8_t *)"x", 1, &out, &e), LAGO_UNSUPPORTED);
  lago_err_clear(&e);
  ASSERT_RC(pq_compress(PQ_CODEC_GZIP, 10, (const uint8_t *)"x", 1, &out, &e), LAGO_MISUSE);
  ASSERT_CONTAINS(e.msg, "GZIP level 10");
  lago_err_clear(&e);
  ASSERT_RC(pq_compress(PQ_CODEC_ZSTD, 99, (const uint8_t *)"x", 1, &out, &e), LAGO_MISUSE);
  lago_err_clear(&e);
  ASSERT_RC(pq_compress(PQ_CODEC_SNAPPY, 3, (const uint8_t *)"x", 1, &out, &e), LAGO_MISUSE);
  lago_err_clear(&e);
  ASSERT_RC(pq_compress((pq_codec)42, 0, (const uint8_t *)"x", 1, &out, &e), LAGO_UNSUPPORTED);
  ASSERT_EQ_UINT(out.len, 0);
  buf_deinit(&out);
}

TEST(pqw_codecs_oom) {
  /* Allocation failures inside zstd/zlib/brotli come back as LAGO_NOMEM, never a crash or leak. */
  static const pq_codec codecs[] = {PQ_CODEC_GZIP, PQ_CODEC_ZSTD, PQ_CODEC_BROTLI, PQ_CODEC_LZ4_RAW, PQ_CODEC_SNAPPY};
  uint8_t src[4096];
  for (size_t i = 0; i < sizeof src; i++) src[i] = (uint8_t)(i * 7 % 13);
  for (size_t k = 0; k < sizeof codecs / sizeof *codecs; k++) {
    long base = mem_live();
    for (int n = 1; n < 200; n++) {
      buf out;
      buf_init(&out);
      lago_err e;
      lago_err_clear(&e);
      mem_fail_after(n);
      int rc = pq_compress(codecs[k], 0, src, sizeof src, &out, &e);
      int fired = mem_fail_fired();
      mem_fail_after(0);
      buf_deinit(&out);
      ASSERT_EQ_INT(mem_live(), base);
      if (!fired) {
        ASSERT_OK(rc, &e);
        break;
      }
      ASSERT(rc == LAGO_NOMEM || rc == LAGO_OK);
    }
  }
}

/* ---- the column writer's dictionary policy ----------------------------------- */

typedef struct sink {
  buf b;
} sink;

static int sink_emit(void *ud, const void *p, size_t n, lago_err *err) {
  (void)err;
  return buf_append(&((sink *)ud)->b, p, n) ? LAGO_NOMEM : LAGO_OK;
}

static int32_t enc_pages(const pq_column_meta *m, pq_page_type t, pq_encoding e) {
  for (uint32_t i = 0; i < m->n_encoding_stats; i++)
    if (m->encoding_stats[i].page_type == t && m->encoding_stats[i].encoding == e) return m->encoding_stats[i].count;
  return 0;
}

/* Writes n BIGINT values v(i) as one chunk and returns its metadata (in ar). */
static pq_column_chunk write_chunk(arena *ar, int64_t (*v)(uint32_t), uint32_t n, pqw_col_opts *o) {
  lago_err e;
  lago_err_clear(&e);
  const char *names[1] = {"x"};
  lago_type t = type_make(LT_BIGINT), st;
  ASSERT_OK(type_struct(ar, 1, names, &t, NULL, &st), NULL);
  pqw_schema sc;
  ASSERT_OK(pqw_schema_build(ar, st, &sc, &e), &e);
  pqw_compressor comp;
  ASSERT_OK(pqw_compressor_init(&comp, PQ_CODEC_UNCOMPRESSED, 0, &e), &e);
  pqw_column col;
  ASSERT_OK(pqw_column_init(&col, &sc.leaves[0], o, &comp, ar), NULL);
  pqw_shred sh;
  pqw_shred_init(&sh);
  vec *x = vec_new(ar, t, 2048);
  for (uint32_t done = 0; done < n;) {
    uint32_t k = n - done < 2048 ? n - done : 2048;
    for (uint32_t i = 0; i < k; i++) VEC_DATA(x, int64_t)[i] = v(done + i);
    x->len = k;
    ASSERT_OK(pqw_shred_rows(&sc.leaves[0], x, NULL, 0, k, &sh, &e), &e);
    ASSERT_OK(pqw_column_feed(&col, &sh, &e), &e);
    done += k;
  }
  sink s;
  buf_init(&s.b);
  ASSERT_OK(buf_append(&s.b, "PAR1", 4), NULL);
  pq_column_chunk cc;
  pqw_page_rec *recs;
  uint32_t nrecs;
  pqw_stats fst;
  pqw_stats_init(&fst);
  ASSERT_OK(pqw_column_flush(&col, 4, sink_emit, &s, ar, &cc, &recs, &nrecs, &fst, &e), &e);
  ASSERT_EQ_INT(fst.values, n);
  pqw_stats_deinit(&fst);
  ASSERT_EQ_INT(cc.meta_data.total_compressed_size, (int64_t)s.b.len - 4);
  ASSERT_EQ_INT(cc.meta_data.num_values, n);
  ASSERT_EQ_INT(cc.file_offset, 4);
  ASSERT_EQ_UINT(nrecs, (uint32_t)(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN) +
                                   enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_RLE_DICTIONARY) +
                                   enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_DELTA_BINARY_PACKED)));
  buf_deinit(&s.b);
  pqw_shred_deinit(&sh);
  pqw_column_deinit(&col);
  pqw_compressor_deinit(&comp);
  return cc;
}

static int64_t few(uint32_t i) { return (int64_t)(i % 10) * 1000; }
static int64_t unique(uint32_t i) { return (int64_t)i * 7 + 3; }
static int64_t grows(uint32_t i) { return (int64_t)(i % 3000); } /* pays, but the dictionary outgrows its cap */

TEST(pqw_dictionary_policy) {
  arena *ar = arena_new("t", 4096);
  pqw_col_opts o = {1 << 20, 1 << 20, true, false, false, false};
  /* Low cardinality: dictionary for the whole chunk. */
  pq_column_chunk cc = write_chunk(ar, few, 50000, &o);
  ASSERT(cc.meta_data.dictionary_page_offset == 4);
  ASSERT(cc.meta_data.data_page_offset > 4);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DICTIONARY_PAGE, PQE_PLAIN), 1);
  ASSERT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_RLE_DICTIONARY) >= 1);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN), 0);
  ASSERT(cc.meta_data.total_compressed_size < 50000 * 4 / 8 + 1000); /* 4-bit indexes */
  /* Unique values: the dictionary stops paying after 8192 values; the rest is PLAIN. */
  cc = write_chunk(ar, unique, 50000, &o);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DICTIONARY_PAGE, PQE_PLAIN), 1);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_RLE_DICTIONARY), 1);
  ASSERT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN) >= 1);
  ASSERT(cc.meta_data.total_uncompressed_size < 50000 * 8 + 8192 * 8 + 4096); /* not much wasted */
  /* A paying dictionary that reaches dict_max_bytes falls back too. */
  o.dict_max_bytes = 8000; /* 1000 BIGINT entries */
  cc = write_chunk(ar, grows, 50000, &o);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DICTIONARY_PAGE, PQE_PLAIN), 1);
  ASSERT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN) >= 1);
  /* Fallback goes to DELTA_BINARY_PACKED when delta encodings are on. */
  o.delta = true;
  cc = write_chunk(ar, unique, 20000, &o);
  ASSERT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_DELTA_BINARY_PACKED) >= 1);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN), 0);
  /* No dictionary at all. */
  o.dictionary = false;
  o.delta = false;
  cc = write_chunk(ar, few, 5000, &o);
  ASSERT_EQ_INT(cc.meta_data.dictionary_page_offset, -1);
  ASSERT_EQ_INT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_RLE_DICTIONARY), 0);
  ASSERT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN) >= 1);
  /* Small pages: many pages, cut between rows. */
  o.page_bytes = 1000;
  cc = write_chunk(ar, unique, 5000, &o);
  ASSERT(enc_pages(&cc.meta_data, PQP_DATA_PAGE, PQE_PLAIN) >= 40);
  arena_free(ar);
}
