/*
** tests/unit/format/test_pq_decode.c: the value and level decoders of the
** Parquet reader: bit unpacking, the RLE/bit-packed hybrid, deprecated
** BIT_PACKED levels, DELTA_BINARY_PACKED (every bit width 0..64),
** DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, PLAIN, and
** the physical-to-lago conversions (INT96, FLOAT16, big-endian decimals,
** INTERVAL). Inputs come from small reference encoders written here from
** the spec (Encodings.md), independent of the decoders.
*/
#include <math.h>

#include "format/parquet/pq_read_int.h"
#include "test.h"
#include "util/bits.h"

static uint64_t g_seed = 88172645463325252ull;
static uint64_t rnd(void) {
  g_seed ^= g_seed << 13;
  g_seed ^= g_seed >> 7;
  g_seed ^= g_seed << 17;
  return g_seed;
}

typedef struct wbuf {
  uint8_t b[1 << 16];
  size_t n;
} wbuf;

static void put(wbuf *w, uint8_t x) { w->b[w->n++] = x; }
static void uleb(wbuf *w, uint64_t v) {
  while (v >= 0x80) {
    put(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  put(w, (uint8_t)v);
}
static void zigzag(wbuf *w, int64_t v) { uleb(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }

/* Packs n values of bw bits LSB-first (the bit-packed layout). */
static void pack(wbuf *w, const uint64_t *v, size_t n, unsigned bw) {
  size_t bytes = (n * bw + 7) / 8;
  memset(w->b + w->n, 0, bytes);
  for (size_t i = 0; i < n; i++)
    for (unsigned k = 0; k < bw; k++)
      if ((v[i] >> k) & 1) w->b[w->n + (i * bw + k) / 8] |= (uint8_t)(1u << ((i * bw + k) % 8));
  w->n += bytes;
}

/* Hybrid encoder: runs of >= 8 equal values become RLE runs, the rest bit-packed groups of 8. */
static void rle_encode(wbuf *w, const uint32_t *v, size_t n, unsigned bw) {
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    while (j < n && v[j] == v[i]) j++;
    if (j - i >= 8 || j == n) {
      uleb(w, (uint64_t)(j - i) << 1);
      for (unsigned b = 0; b < (bw + 7) / 8; b++) put(w, (uint8_t)(v[i] >> (8 * b)));
      i = j;
    } else {
      size_t k = i + 8 <= n ? i + 8 : n;
      uint64_t g[8] = {0};
      for (size_t t = i; t < k; t++) g[t - i] = v[t];
      uleb(w, (1u << 1) | 1); /* one group */
      pack(w, g, 8, bw);
      i = k;
    }
  }
}

/* ---- unpacking and the hybrid ------------------------------------------- */

TEST(pq_unpack_matches_naive) {
  uint8_t data[256];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)rnd();
  uint32_t out[64];
  for (unsigned bw = 0; bw <= 32; bw++) {
    for (uint64_t start = 0; start < 16; start += 3) {
      uint32_t n = (uint32_t)((sizeof data * 8 - start) / (bw ? bw : 1));
      if (n > 64) n = 64;
      pq_unpack32(data, start, bw, out, n);
      for (uint32_t i = 0; i < n; i++) {
        uint64_t want = 0;
        for (unsigned k = 0; k < bw; k++) {
          uint64_t b = start + (uint64_t)i * bw + k;
          want |= (uint64_t)((data[b / 8] >> (b % 8)) & 1) << k;
        }
        if (out[i] != want) test_fail_(__FILE__, __LINE__, "bw %u start %llu value %u: %u != %llu", bw,
                                       (unsigned long long)start, i, out[i], (unsigned long long)want);
        ASSERT_EQ_UINT(pq_unpack64_one(data, start + (uint64_t)i * bw, bw), want);
      }
    }
  }
}

TEST(pq_rle_hybrid_known_bytes) {
  /* RLE run of 5 x 3 (bw 2), a bit-packed group 0..3,3..0, an RLE run of 1000 x 1. */
  static wbuf w;
  w.n = 0;
  uleb(&w, 5 << 1);
  put(&w, 3);
  uleb(&w, 1 << 1 | 1);
  uint64_t g[8] = {0, 1, 2, 3, 3, 2, 1, 0};
  pack(&w, g, 8, 2);
  uleb(&w, 1000 << 1);
  put(&w, 1);
  ASSERT_EQ_UINT(w.n, 1 + 1 + 1 + 2 + 2 + 1);
  pq_rle r;
  pq_rle_init(&r, w.b, w.n, 2);
  lago_err e;
  lago_err_clear(&e);
  uint32_t out[1013];
  /* odd chunk sizes across run boundaries */
  ASSERT_OK(pq_rle_get32(&r, out, 3, "t", &e), &e);
  ASSERT_OK(pq_rle_get32(&r, out + 3, 7, "t", &e), &e);
  ASSERT_OK(pq_rle_get32(&r, out + 10, 1003, "t", &e), &e);
  for (int i = 0; i < 5; i++) ASSERT_EQ_UINT(out[i], 3);
  for (int i = 0; i < 8; i++) ASSERT_EQ_UINT(out[5 + i], g[i]);
  for (int i = 13; i < 1013; i++) ASSERT_EQ_UINT(out[i], 1);
  ASSERT_RC(pq_rle_get32(&r, out, 1, "t", &e), LAGO_CORRUPT); /* nothing left */
  ASSERT_CONTAINS(e.msg, "ends before");
}

TEST(pq_rle_roundtrip_all_widths) {
  static wbuf w;
  static uint32_t v[3000], got[3000];
  static uint8_t got8[3000];
  for (unsigned bw = 0; bw <= 32; bw++) {
    uint64_t mask = bw == 32 ? 0xffffffffu : ((1ull << bw) - 1);
    for (int i = 0; i < 3000; i++) {
      /* runs and noise */
      v[i] = (i / 50) % 3 == 0 ? (uint32_t)(rnd() & mask) : (uint32_t)((i / 50) & mask);
    }
    w.n = 0;
    rle_encode(&w, v, 3000, bw);
    pq_rle r;
    pq_rle_init(&r, w.b, w.n, bw);
    lago_err e;
    lago_err_clear(&e);
    uint32_t done = 0;
    while (done < 3000) {
      uint32_t k = (uint32_t)(rnd() % 300) + 1;
      if (k > 3000 - done) k = 3000 - done;
      ASSERT_OK(pq_rle_get32(&r, got + done, k, "t", &e), &e);
      done += k;
    }
    ASSERT_EQ_MEM(got, v, sizeof v);
    if (bw <= 8) {
      pq_rle_init(&r, w.b, w.n, bw);
      ASSERT_OK(pq_rle_get8(&r, got8, 3000, "t", &e), &e);
      for (int i = 0; i < 3000; i++) ASSERT_EQ_UINT(got8[i], v[i]);
    }
  }
}

TEST(pq_rle_malformed) {
  lago_err e;
  pq_rle r;
  uint32_t out[16];
  uint8_t zero_run[] = {0x00, 0x01};
  lago_err_clear(&e);
  pq_rle_init(&r, zero_run, sizeof zero_run, 1);
  ASSERT_RC(pq_rle_get32(&r, out, 1, "z", &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "length 0");
  uint8_t short_val[] = {0x08}; /* RLE run of 4, value byte missing */
  lago_err_clear(&e);
  pq_rle_init(&r, short_val, sizeof short_val, 8);
  ASSERT_RC(pq_rle_get32(&r, out, 1, "z", &e), LAGO_CORRUPT);
  uint8_t wide_val[] = {0x08, 0x05}; /* value 5 does not fit 2 bits */
  lago_err_clear(&e);
  pq_rle_init(&r, wide_val, sizeof wide_val, 2);
  ASSERT_RC(pq_rle_get32(&r, out, 1, "z", &e), LAGO_CORRUPT);
  /* A bit-packed run cut short: the whole values present are readable, no more. */
  uint8_t cut[] = {0x03, 0xff}; /* 1 group of 8 x 4 bits needs 4 bytes; 1 byte holds 2 values */
  lago_err_clear(&e);
  pq_rle_init(&r, cut, sizeof cut, 4);
  ASSERT_OK(pq_rle_get32(&r, out, 2, "z", &e), &e);
  ASSERT_EQ_UINT(out[0], 15);
  ASSERT_EQ_UINT(out[1], 15);
  ASSERT_RC(pq_rle_get32(&r, out, 1, "z", &e), LAGO_CORRUPT);
  /* An endless varint header */
  uint8_t hdr[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  lago_err_clear(&e);
  pq_rle_init(&r, hdr, sizeof hdr, 1);
  ASSERT_RC(pq_rle_get32(&r, out, 1, "z", &e), LAGO_CORRUPT);
}

TEST(pq_bit_packed_levels_msb_first) {
  /* values 0..7 at bw 3, MSB first: 000 001 010 011 100 101 110 111 */
  uint8_t data[] = {0x05, 0x39, 0x77};
  pq_bitpacked bp = {data, 24, 0, 3};
  uint8_t out[8];
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_bitpacked_get8(&bp, out, 8, "b", &e), &e);
  for (int i = 0; i < 8; i++) ASSERT_EQ_INT(out[i], i);
  ASSERT_RC(pq_bitpacked_get8(&bp, out, 1, "b", &e), LAGO_CORRUPT);
}

/* ---- DELTA_BINARY_PACKED ------------------------------------------------- */

/*
** Reference encoder (block 128 values, 4 miniblocks of 32). force_bw >= 0
** makes every miniblock use at least that width (to cover all widths).
*/
static void dbp_encode(wbuf *w, const int64_t *v, size_t n, int force_bw) {
  uleb(w, 128);
  uleb(w, 4);
  uleb(w, n);
  zigzag(w, n ? v[0] : 0);
  size_t i = 1;
  while (i < n) {
    uint64_t d[128];
    size_t k = n - i < 128 ? n - i : 128;
    int64_t md = INT64_MAX;
    for (size_t t = 0; t < k; t++) {
      int64_t dd = (int64_t)((uint64_t)v[i + t] - (uint64_t)v[i + t - 1]);
      d[t] = (uint64_t)dd;
      if (dd < md) md = dd;
    }
    zigzag(w, md);
    uint8_t widths[4] = {0};
    for (int m = 0; m < 4; m++) {
      unsigned bw = force_bw > 0 ? (unsigned)force_bw : 0;
      for (size_t t = (size_t)m * 32; t < (size_t)m * 32 + 32 && t < k; t++) {
        uint64_t x = d[t] - (uint64_t)md;
        while (bw < 64 && (x >> bw)) bw++;
      }
      widths[m] = (uint8_t)bw;
    }
    for (int m = 0; m < 4; m++) put(w, widths[m]);
    for (int m = 0; m < 4 && (size_t)m * 32 < k; m++) {
      uint64_t mb[32] = {0};
      for (size_t t = 0; t < 32 && (size_t)m * 32 + t < k; t++) mb[t] = d[m * 32 + t] - (uint64_t)md;
      pack(w, mb, 32, widths[m]);
    }
    i += k;
  }
}

static void dbp_check(const int64_t *v, size_t n, int force_bw) {
  static wbuf w;
  w.n = 0;
  dbp_encode(&w, v, n, force_bw);
  put(&w, 0xEE); /* a byte after the stream */
  lago_err e;
  lago_err_clear(&e);
  const uint8_t *end;
  uint64_t count;
  ASSERT_OK(pq_dbp_skip_all(w.b, w.b + w.n, &end, &count, "d", &e), &e);
  ASSERT_EQ_UINT(count, n);
  ASSERT_EQ_UINT((size_t)(end - w.b), w.n - 1);
  pq_dbp d;
  ASSERT_OK(pq_dbp_init(&d, w.b, end, "d", &e), &e);
  static uint64_t got[2000];
  size_t done = 0;
  while (done < n) {
    uint32_t k = (uint32_t)(rnd() % 70) + 1;
    if (k > n - done) k = (uint32_t)(n - done);
    ASSERT_OK(pq_dbp_get(&d, got + done, k, "d", &e), &e);
    done += k;
  }
  for (size_t i = 0; i < n; i++)
    if ((int64_t)got[i] != v[i])
      test_fail_(__FILE__, __LINE__, "value %zu: %lld != %lld (force_bw %d)", i, (long long)got[i], (long long)v[i],
                 force_bw);
  ASSERT_RC(pq_dbp_get(&d, got, 1, "d", &e), LAGO_CORRUPT);
}

TEST(pq_delta_binary_packed_spec_examples) {
  static const int64_t a[] = {1, 2, 3, 4, 5};
  static const int64_t b[] = {7, 5, 3, 1, 2, 3, 4, 5};
  dbp_check(a, 5, -1);
  dbp_check(b, 8, -1);
  dbp_check(a, 1, -1);
  dbp_check(a, 0, -1);
}

TEST(pq_delta_binary_packed_all_widths) {
  static int64_t v[1000];
  for (int bw = 0; bw <= 64; bw++) {
    for (int i = 0; i < 1000; i++) {
      uint64_t r = rnd();
      v[i] = bw == 64 ? (int64_t)r : bw == 0 ? 5 : (int64_t)(r & ((1ull << bw) - 1));
    }
    dbp_check(v, 1000, bw);
    dbp_check(v, 129, bw); /* a last block with one miniblock */
  }
  /* extremes: deltas overflow int64 and wrap */
  static const int64_t x[] = {INT64_MAX, INT64_MIN, 0, INT64_MAX, -1, INT64_MIN};
  dbp_check(x, 6, -1);
}

TEST(pq_delta_binary_packed_int32_wraps) {
  static wbuf w;
  w.n = 0;
  /* INT32 pages: the writer computes deltas in 32 bits; 64-bit decoding truncates to the same values. */
  int64_t v[] = {INT32_MAX, INT32_MIN, 0, -5, INT32_MAX};
  dbp_encode(&w, v, 5, -1);
  pq_dbp d;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_dbp_init(&d, w.b, w.b + w.n, "d", &e), &e);
  uint64_t got[5];
  ASSERT_OK(pq_dbp_get(&d, got, 5, "d", &e), &e);
  for (int i = 0; i < 5; i++) ASSERT_EQ_INT((int32_t)(uint32_t)got[i], v[i]);
}

TEST(pq_delta_binary_packed_malformed) {
  lago_err e;
  pq_dbp d;
  uint64_t out[8];
  static wbuf w;
  /* block size not a multiple of 128 */
  w.n = 0;
  uleb(&w, 100); uleb(&w, 4); uleb(&w, 3); zigzag(&w, 0);
  lago_err_clear(&e);
  ASSERT_RC(pq_dbp_init(&d, w.b, w.b + w.n, "d", &e), LAGO_CORRUPT);
  /* miniblock width above 64 */
  w.n = 0;
  uleb(&w, 128); uleb(&w, 4); uleb(&w, 3); zigzag(&w, 0);
  zigzag(&w, 0); put(&w, 65); put(&w, 0); put(&w, 0); put(&w, 0);
  lago_err_clear(&e);
  ASSERT_OK(pq_dbp_init(&d, w.b, w.b + w.n, "d", &e), &e);
  ASSERT_RC(pq_dbp_get(&d, out, 3, "d", &e), LAGO_CORRUPT);
  /* miniblock bytes missing */
  w.n = 0;
  uleb(&w, 128); uleb(&w, 4); uleb(&w, 30); zigzag(&w, 0);
  zigzag(&w, 1); put(&w, 8); put(&w, 0); put(&w, 0); put(&w, 0); put(&w, 1);
  lago_err_clear(&e);
  ASSERT_OK(pq_dbp_init(&d, w.b, w.b + w.n, "d", &e), &e);
  ASSERT_RC(pq_dbp_get(&d, out, 5, "d", &e), LAGO_CORRUPT);
  const uint8_t *end;
  uint64_t count;
  ASSERT_RC(pq_dbp_skip_all(w.b, w.b + w.n, &end, &count, "d", &e), LAGO_CORRUPT);
}

/* ---- byte arrays ---------------------------------------------------------- */

static const char *const k_words[] = {"", "a", "apple", "applesauce", "applesauce pie with cream", "b",
                                      "banana", "banana split", "c", "cherry on top of everything else"};

TEST(pq_delta_length_byte_array) {
  static wbuf w;
  w.n = 0;
  int64_t lens[10];
  for (int i = 0; i < 10; i++) lens[i] = (int64_t)strlen(k_words[i]);
  dbp_encode(&w, lens, 10, -1);
  for (int i = 0; i < 10; i++)
    for (const char *p = k_words[i]; *p; p++) put(&w, (uint8_t)*p);
  pq_dlba d;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_dlba_init(&d, w.b, w.b + w.n, "l", &e), &e);
  lago_str out[10];
  ASSERT_OK(pq_dlba_get(&d, out, 4, "l", &e), &e);
  ASSERT_OK(pq_dlba_get(&d, out + 4, 6, "l", &e), &e);
  for (int i = 0; i < 10; i++) {
    ASSERT_EQ_INT(out[i].len, strlen(k_words[i]));
    ASSERT_EQ_MEM(str_data(&out[i]), k_words[i], out[i].len);
  }
  /* a length past the end */
  w.n = 0;
  int64_t bad[] = {3, 100};
  dbp_encode(&w, bad, 2, -1);
  put(&w, 'x'); put(&w, 'y'); put(&w, 'z');
  lago_err_clear(&e);
  ASSERT_OK(pq_dlba_init(&d, w.b, w.b + w.n, "l", &e), &e);
  ASSERT_RC(pq_dlba_get(&d, out, 2, "l", &e), LAGO_CORRUPT);
}

TEST(pq_delta_byte_array) {
  static wbuf w;
  w.n = 0;
  int64_t pre[10], suf[10];
  for (int i = 0; i < 10; i++) {
    size_t p = 0;
    if (i) {
      const char *a = k_words[i - 1], *b = k_words[i];
      while (a[p] && a[p] == b[p]) p++;
    }
    pre[i] = (int64_t)p;
    suf[i] = (int64_t)(strlen(k_words[i]) - p);
  }
  dbp_encode(&w, pre, 10, -1);
  dbp_encode(&w, suf, 10, -1);
  for (int i = 0; i < 10; i++)
    for (const char *p = k_words[i] + pre[i]; *p; p++) put(&w, (uint8_t)*p);
  arena *ar = arena_new("t", 1024);
  pq_dba d;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_dba_init(&d, w.b, w.b + w.n, "b", &e), &e);
  lago_str out[10];
  ASSERT_OK(pq_dba_get(&d, out, 3, ar, "b", &e), &e);
  ASSERT_OK(pq_dba_get(&d, out + 3, 7, ar, "b", &e), &e);
  for (int i = 0; i < 10; i++) {
    ASSERT_EQ_INT(out[i].len, strlen(k_words[i]));
    ASSERT_EQ_MEM(str_data(&out[i]), k_words[i], out[i].len);
  }
  pq_dba_deinit(&d);
  /* a prefix longer than the previous value */
  w.n = 0;
  int64_t p2[] = {0, 5}, s2[] = {2, 1};
  dbp_encode(&w, p2, 2, -1);
  dbp_encode(&w, s2, 2, -1);
  put(&w, 'a'); put(&w, 'b'); put(&w, 'c');
  lago_err_clear(&e);
  ASSERT_OK(pq_dba_init(&d, w.b, w.b + w.n, "b", &e), &e);
  ASSERT_RC(pq_dba_get(&d, out, 2, ar, "b", &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "prefix length 5");
  pq_dba_deinit(&d);
  arena_free(ar);
}

/* ---- BYTE_STREAM_SPLIT, PLAIN ---------------------------------------------- */

TEST(pq_byte_stream_split) {
  double vals[5] = {1.5, -2.25, 1e300, 0.0, -0.0};
  uint8_t enc[40];
  for (int i = 0; i < 5; i++)
    for (int k = 0; k < 8; k++) enc[k * 5 + i] = ((const uint8_t *)&vals[i])[k];
  pq_bss b;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_bss_init(&b, enc, enc + 40, 8, "s", &e), &e);
  double out[5];
  ASSERT_OK(pq_bss_get(&b, out, 2, false, NULL, "s", &e), &e);
  ASSERT_OK(pq_bss_get(&b, out + 2, 3, false, NULL, "s", &e), &e);
  ASSERT_EQ_MEM(out, vals, sizeof vals);
  ASSERT_RC(pq_bss_get(&b, out, 1, false, NULL, "s", &e), LAGO_CORRUPT);
  /* FLBA(3) values as strings */
  uint8_t f[9] = {'a', 'd', 'g', 'b', 'e', 'h', 'c', 'f', 'i'};
  arena *ar = arena_new("t", 256);
  lago_err_clear(&e);
  ASSERT_OK(pq_bss_init(&b, f, f + 9, 3, "s", &e), &e);
  lago_str s[3];
  ASSERT_OK(pq_bss_get(&b, s, 3, true, ar, "s", &e), &e);
  ASSERT_EQ_MEM(str_data(&s[0]), "abc", 3);
  ASSERT_EQ_MEM(str_data(&s[2]), "ghi", 3);
  arena_free(ar);
  lago_err_clear(&e);
  ASSERT_RC(pq_bss_init(&b, f, f + 8, 3, "s", &e), LAGO_CORRUPT);
}

TEST(pq_plain_all_types) {
  lago_err e;
  lago_err_clear(&e);
  uint8_t bools[] = {0x35, 0x01}; /* 1,0,1,0,1,1,0,0, 1 */
  uint8_t bo[9];
  const uint8_t *p = bools;
  uint32_t bit = 0;
  ASSERT_OK(pq_plain_get(PQT_BOOLEAN, 0, &p, bools + 2, &bit, bo, 5, "p", &e), &e);
  ASSERT_OK(pq_plain_get(PQT_BOOLEAN, 0, &p, bools + 2, &bit, bo + 5, 4, "p", &e), &e);
  uint8_t want[9] = {1, 0, 1, 0, 1, 1, 0, 0, 1};
  ASSERT_EQ_MEM(bo, want, 9);
  ASSERT_RC(pq_plain_get(PQT_BOOLEAN, 0, &p, bools + 2, &bit, bo, 8, "p", &e), LAGO_CORRUPT);
  uint8_t ba[] = {3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 13, 0, 0, 0, 't', 'h', 'i', 'r', 't', 'e', 'e', 'n', ' ',
                  'b', 'y', 't', 'e', 9, 0, 0, 0, 'x'};
  lago_str s[3];
  p = ba;
  lago_err_clear(&e);
  ASSERT_OK(pq_plain_get(PQT_BYTE_ARRAY, 0, &p, ba + sizeof ba, &bit, s, 3, "p", &e), &e);
  ASSERT_EQ_INT(s[0].len, 3);
  ASSERT_EQ_INT(s[1].len, 0);
  ASSERT_EQ_INT(s[2].len, 13);
  ASSERT(str_data(&s[2]) == (const char *)ba + 15); /* a view into the page, not a copy */
  ASSERT_RC(pq_plain_get(PQT_BYTE_ARRAY, 0, &p, ba + sizeof ba, &bit, s, 1, "p", &e), LAGO_CORRUPT);
  int64_t i64[2] = {-7, INT64_MAX}, o64[2];
  p = (const uint8_t *)i64;
  lago_err_clear(&e);
  ASSERT_OK(pq_plain_get(PQT_INT64, 0, &p, p + 16, &bit, o64, 2, "p", &e), &e);
  ASSERT_EQ_MEM(o64, i64, 16);
  p = (const uint8_t *)i64;
  ASSERT_RC(pq_plain_get(PQT_INT64, 0, &p, p + 15, &bit, o64, 2, "p", &e), LAGO_CORRUPT);
  uint8_t fl[] = {1, 2, 3, 4, 5, 6};
  p = fl;
  lago_err_clear(&e);
  ASSERT_OK(pq_plain_get(PQT_FIXED_LEN_BYTE_ARRAY, 3, &p, fl + 6, &bit, s, 2, "p", &e), &e);
  ASSERT_EQ_INT(s[1].len, 3);
  ASSERT_EQ_INT(str_data(&s[1])[0], 4);
}

/* ---- conversions ---------------------------------------------------------- */

TEST(pq_convert_int96_spark) {
  uint8_t b[12];
  /* 2024-01-01 20:34:56.123456: Julian day 2460311, nanos of day */
  int64_t nanos = ((20 * 3600 + 34 * 60 + 56) * INT64_C(1000000) + 123456) * 1000;
  store_le64(b, (uint64_t)nanos);
  store_le32(b + 8, 2460311);
  ASSERT_EQ_INT(pq_int96_to_micros(b), (INT64_C(19723) * 86400 + 20 * 3600 + 34 * 60 + 56) * INT64_C(1000000) + 123456);
  /* int96_from_spark.md: julian_day -105862232, nanos -32509551616000 wrap to 9089380393200000000 */
  store_le64(b, (uint64_t)INT64_C(-32509551616000));
  store_le32(b + 8, (uint32_t)-105862232);
  ASSERT_EQ_INT(pq_int96_to_micros(b), INT64_C(9089380393200000000));
}

TEST(pq_convert_half_floats) {
  ASSERT(pq_half_to_float(0x3c00) == 1.0f);
  ASSERT(pq_half_to_float(0xc000) == -2.0f);
  ASSERT(pq_half_to_float(0x7bff) == 65504.0f);
  ASSERT(pq_half_to_float(0x0001) == ldexpf(1.0f, -24)); /* smallest subnormal */
  ASSERT(pq_half_to_float(0x03ff) == ldexpf(1023.0f, -24));
  ASSERT(isinf(pq_half_to_float(0x7c00)) && pq_half_to_float(0x7c00) > 0);
  ASSERT(isinf(pq_half_to_float(0xfc00)) && pq_half_to_float(0xfc00) < 0);
  ASSERT(isnan(pq_half_to_float(0x7e00)));
  ASSERT(signbit(pq_half_to_float(0xfe00)) && isnan(pq_half_to_float(0xfe00)));
  ASSERT(pq_half_to_float(0x8000) == 0.0f && signbit(pq_half_to_float(0x8000)));
}

TEST(pq_convert_decimals_and_intervals) {
  lago_err e;
  lago_err_clear(&e);
  uint8_t m1[] = {0xff}, p256[] = {0x01, 0x00}, ext17[17], bad17[17], big16[16];
  memset(ext17, 0xff, 17);
  ext17[16] = 0xfe; /* -2 over 17 bytes */
  memset(bad17, 0, 17);
  bad17[0] = 0x01;
  memset(big16, 0, 16);
  big16[7] = 0x01; /* 2^64: fits i128, not int64 */
  lago_str src[3] = {str_make((const char *)m1, 1), str_make((const char *)p256, 2), str_make("", 0)};
  int64_t d64[3];
  ASSERT_OK(pq_convert(PQV_DEC64, type_decimal(10, 2), src, d64, 3, "c", &e), &e);
  ASSERT_EQ_INT(d64[0], -1);
  ASSERT_EQ_INT(d64[1], 256);
  ASSERT_EQ_INT(d64[2], 0);
  lago_str s17 = str_make((const char *)ext17, 17);
  lago_i128 d128;
  ASSERT_OK(pq_convert(PQV_DEC128, type_decimal(38, 0), &s17, &d128, 1, "c", &e), &e);
  ASSERT(d128 == -2);
  lago_str b17 = str_make((const char *)bad17, 17);
  ASSERT_RC(pq_convert(PQV_DEC128, type_decimal(38, 0), &b17, &d128, 1, "c", &e), LAGO_CORRUPT);
  lago_str s16 = str_make((const char *)big16, 16);
  lago_err_clear(&e);
  ASSERT_RC(pq_convert(PQV_DEC64, type_decimal(18, 0), &s16, d64, 1, "c", &e), LAGO_CORRUPT);
  lago_err_clear(&e);
  ASSERT_OK(pq_convert(PQV_DEC128, type_decimal(38, 0), &s16, &d128, 1, "c", &e), &e);
  ASSERT(d128 == (lago_i128)1 << 64);
  uint8_t iv[12];
  store_le32(iv, 14);
  store_le32(iv + 4, 3);
  store_le32(iv + 8, 14706007);
  lago_str siv = str_make((const char *)iv, 12);
  lago_interval out;
  ASSERT_OK(pq_convert(PQV_INTERVAL, type_make(LT_INTERVAL), &siv, &out, 1, "c", &e), &e);
  ASSERT_EQ_INT(out.months, 14);
  ASSERT_EQ_INT(out.days, 3);
  ASSERT_EQ_INT(out.micros, INT64_C(14706007000));
  int64_t ns[2] = {1999, -1999}, us[2];
  ASSERT_OK(pq_convert(PQV_I64_NS_US, type_make(LT_TIMESTAMP), ns, us, 2, "c", &e), &e);
  ASSERT_EQ_INT(us[0], 1);
  ASSERT_EQ_INT(us[1], -1); /* truncated toward zero, as DuckDB */
}
