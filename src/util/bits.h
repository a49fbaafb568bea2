/*
** util/bits.h: little-endian loads/stores, bitmaps and small integer helpers.
** Header-only; every function is static inline.
**
** Bitmaps are arrays of uint64_t words, LSB-first: bit i lives in word i/64 at
** position i%64 (the same bit order as Arrow's validity buffers on a
** little-endian machine, so a uint64_t bitmap can be handed to Arrow as bytes).
*/
#ifndef LAGO_UTIL_BITS_H
#define LAGO_UTIL_BITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint16_t load_le16(const void *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static inline uint32_t load_le32(const void *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline uint64_t load_le64(const void *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline void store_le16(void *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void store_le32(void *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void store_le64(void *p, uint64_t v) { memcpy(p, &v, 8); }
static inline uint32_t load_be32(const void *p) {
  const uint8_t *b = p;
  return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}
static inline void store_be32(void *p, uint32_t v) {
  uint8_t *b = p;
  b[0] = (uint8_t)(v >> 24); b[1] = (uint8_t)(v >> 16); b[2] = (uint8_t)(v >> 8); b[3] = (uint8_t)v;
}

/* Words needed for a bitmap of n bits. */
static inline size_t bitmap_words(size_t n) { return (n + 63) / 64; }
static inline bool bitmap_get(const uint64_t *bm, size_t i) { return (bm[i >> 6] >> (i & 63)) & 1; }
static inline void bitmap_set(uint64_t *bm, size_t i) { bm[i >> 6] |= (uint64_t)1 << (i & 63); }
static inline void bitmap_clear(uint64_t *bm, size_t i) { bm[i >> 6] &= ~((uint64_t)1 << (i & 63)); }
static inline void bitmap_put(uint64_t *bm, size_t i, bool v) {
  if (v) bitmap_set(bm, i); else bitmap_clear(bm, i);
}
/* Sets all n bits to v (bits past n in the last word are set too when v). */
static inline void bitmap_fill(uint64_t *bm, size_t n, bool v) {
  memset(bm, v ? 0xff : 0, bitmap_words(n) * 8);
}
/* Number of set bits among the first n. */
static inline size_t bitmap_count(const uint64_t *bm, size_t n) {
  size_t c = 0, w = n / 64;
  for (size_t i = 0; i < w; i++) c += (size_t)__builtin_popcountll(bm[i]);
  if (n & 63) c += (size_t)__builtin_popcountll(bm[w] & (((uint64_t)1 << (n & 63)) - 1));
  return c;
}

/* Checked arithmetic (true on overflow), as ANSI SQL needs. */
#define ADD_OVERFLOW(a, b, r) __builtin_add_overflow((a), (b), (r))
#define SUB_OVERFLOW(a, b, r) __builtin_sub_overflow((a), (b), (r))
#define MUL_OVERFLOW(a, b, r) __builtin_mul_overflow((a), (b), (r))

static inline uint64_t next_pow2_u64(uint64_t v) {
  if (v <= 1) return 1;
  return (uint64_t)1 << (64 - __builtin_clzll(v - 1));
}

#endif /* LAGO_UTIL_BITS_H */
