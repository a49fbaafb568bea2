/*
** format/parquet/decode_rle.c: bit unpacking and the RLE/bit-packed hybrid
** encoding (definition/repetition levels, dictionary indexes, RLE
** booleans), plus the deprecated BIT_PACKED level encoding. Used by
** page_read.c and column_read.c; decode_delta.c reuses the unpackers.
**
** RLE/bit-packed hybrid (parquet-format Encodings.md), bit width w:
**
**   stream := run*
**   run    := varint header, then
**     header & 1 == 0  RLE run:        count = header >> 1, then the value in
**                                      ceil(w / 8) bytes, little-endian
**     header & 1 == 1  bit-packed run: groups = header >> 1, then groups * w
**                                      bytes holding groups * 8 values
**   bit-packed values are LSB-first: value i occupies bits [i*w, (i+1)*w)
**   counting from bit 0 of byte 0:
**
**     byte 0          byte 1           w = 3: values a b c d e f g h
**     76543210        76543210
**     ccbbbaaa        feeedddc ...
**
**   A last bit-packed run shorter than its header says (written by some
**   encoders) yields the values that are there. Where the stream has a
**   length prefix (RLE booleans, v1 levels) the caller strips it.
**
** BIT_PACKED (deprecated, levels only): values packed MSB-first with no
** runs: value i occupies bits [i*w, (i+1)*w) counting from bit 7 of byte 0.
**
** Everything is bounds-checked: the unpackers take the bytes available and
** use 8-byte loads only where 8 bytes remain.
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/bits.h"

/* Value at bit offset `bit` (< 8*avail) using a byte loop: the slow, safe tail path. */
static uint64_t unpack_slow(const uint8_t *p, size_t avail, uint64_t bit, unsigned bw) {
  uint64_t v = 0;
  for (unsigned k = 0; k < bw; k++) {
    uint64_t b = bit + k;
    size_t byte = (size_t)(b >> 3);
    if (byte >= avail) break;
    v |= (uint64_t)((p[byte] >> (b & 7)) & 1) << k;
  }
  return v;
}

/*
** n values of bw (<= 32) bits starting at bit `bit` of p[0..avail) into
** out. Values past the available bits read as zero bits (callers have
** already limited n to the values present).
*/
#define DEFINE_UNPACK(NAME, T)                                                                      \
  static void NAME(const uint8_t *p, size_t avail, uint64_t bit, unsigned bw, T *out, uint32_t n) { \
    if (bw == 0) {                                                                                  \
      memset(out, 0, (size_t)n * sizeof(T));                                                        \
      return;                                                                                       \
    }                                                                                               \
    uint64_t mask = bw >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << bw) - 1);                            \
    uint32_t i = 0;                                                                                 \
    if (avail >= 8) {                                                                               \
      uint64_t last_safe = (uint64_t)(avail - 8); /* 8-byte loads at bytes <= this are in bounds */ \
      for (; i < n && (bit >> 3) <= last_safe; i++, bit += bw)                                      \
        out[i] = (T)((load_le64(p + (bit >> 3)) >> (bit & 7)) & mask);                              \
    }                                                                                               \
    for (; i < n; i++, bit += bw) out[i] = (T)unpack_slow(p, avail, bit, bw);                       \
  }

DEFINE_UNPACK(unpack_u32_any, uint32_t)
DEFINE_UNPACK(unpack_u8, uint8_t)

/*
** Fast path for the common case: whole groups of 8 values (one group is bw
** bytes) with the bit width a compile-time constant, so every load offset,
** shift and mask is constant and the compiler unrolls and vectorises.
*/
#define GROUP8(BW)                                                                              \
  static void group8_##BW(const uint8_t *p, uint32_t *out, size_t groups) {                     \
    for (size_t g = 0; g < groups; g++, p += BW, out += 8)                                      \
      for (int k = 0; k < 8; k++)                                                               \
        out[k] = (uint32_t)((load_le64(p + (k * BW) / 8) >> ((k * BW) % 8)) & ((1ull << BW) - 1)); \
  }
#define BW_LIST(X) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15) X(16) \
  X(17) X(18) X(19) X(20) X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) X(31) X(32)
BW_LIST(GROUP8)

static void unpack_u32(const uint8_t *p, size_t avail, uint64_t bit, unsigned bw, uint32_t *out, uint32_t n) {
  uint32_t i = 0;
  if (bw >= 1 && bw <= 32 && bit % (8u * bw) == 0) {
    size_t byte = (size_t)(bit / 8);
    /* the last load of a group reads 8 bytes at byte (7 * bw) / 8 of the group */
    size_t need = (size_t)(7 * bw) / 8 + 8;
    size_t groups = n / 8;
    if (avail < need || byte > avail - need) groups = 0;
    else if (groups > (avail - need - byte) / bw + 1) groups = (avail - need - byte) / bw + 1;
    if (groups) {
      switch (bw) {
#define CASE(BW) \
  case BW: group8_##BW(p + byte, out, groups); break;
        BW_LIST(CASE)
#undef CASE
      }
      i = (uint32_t)(groups * 8);
      bit += (uint64_t)i * bw;
    }
  }
  if (i < n) unpack_u32_any(p, avail, bit, bw, out + i, n - i);
}

void pq_unpack32(const uint8_t *p, uint64_t bit, unsigned bw, uint32_t *out, uint32_t n) {
  size_t avail = (size_t)((bit + (uint64_t)n * bw + 7) / 8);
  unpack_u32(p, avail, bit, bw, out, n);
}

uint64_t pq_unpack64_one(const uint8_t *p, uint64_t bit, unsigned bw) {
  if (bw == 0) return 0;
  size_t avail = (size_t)((bit + bw + 7) / 8);
  size_t byte = (size_t)(bit >> 3);
  unsigned sh = (unsigned)(bit & 7);
  if (sh + bw <= 64 && byte + 8 <= avail) {
    uint64_t v = load_le64(p + byte) >> sh;
    return bw == 64 ? v : v & (((uint64_t)1 << bw) - 1);
  }
  return unpack_slow(p, avail, bit, bw);
}

/* ---- hybrid ------------------------------------------------------------- */

void pq_rle_init(pq_rle *r, const uint8_t *p, size_t n, unsigned bw) {
  memset(r, 0, sizeof *r);
  r->p = p;
  r->end = p + n;
  r->bw = (uint8_t)bw;
}

static int rle_error(const char *what, lago_err *err, const char *msg) {
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: %s", what, msg);
}

/* Starts the next run. */
static int next_run(pq_rle *r, const char *what, lago_err *err) {
  uint64_t h = 0;
  int shift = 0;
  for (;;) {
    if (r->p >= r->end) return rle_error(what, err, "RLE/bit-packed data ends before all values were read");
    uint8_t b = *r->p++;
    h |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
    shift += 7;
    if (shift > 28) return rle_error(what, err, "bad RLE run header");
  }
  size_t avail = (size_t)(r->end - r->p);
  if (h & 1) {
    uint64_t groups = h >> 1;
    uint64_t nvals = groups * 8;
    uint64_t bytes = groups * r->bw;
    if (bytes > avail) { /* a short last run: take the whole values that are there */
      bytes = avail;
      nvals = (uint64_t)avail * 8 / r->bw;
    }
    if (nvals > UINT32_MAX) nvals = UINT32_MAX;
    r->bp = r->p;
    r->bp_bit = 0;
    r->bp_left = (uint32_t)nvals;
    r->p += bytes;
    if (nvals == 0) return rle_error(what, err, "empty bit-packed run");
  } else {
    uint64_t count = h >> 1;
    unsigned nb = (r->bw + 7u) / 8u;
    if (count == 0) return rle_error(what, err, "RLE run of length 0");
    if (nb > avail) return rle_error(what, err, "RLE run value past the end of the data");
    uint32_t v = 0;
    for (unsigned i = 0; i < nb; i++) v |= (uint32_t)r->p[i] << (8 * i);
    r->p += nb;
    if (r->bw < 32 && (v >> r->bw)) return rle_error(what, err, "RLE run value wider than the bit width");
    r->rle_val = v;
    r->rle_left = (uint32_t)(count > UINT32_MAX ? UINT32_MAX : count);
  }
  return LAGO_OK;
}

#define DEFINE_RLE_GET(NAME, T, UNPACK)                                                     \
  int NAME(pq_rle *r, T *out, uint32_t n, const char *what, lago_err *err) {               \
    while (n) {                                                                             \
      if (r->rle_left) {                                                                    \
        uint32_t k = n < r->rle_left ? n : r->rle_left;                                     \
        T v = (T)r->rle_val;                                                                \
        for (uint32_t i = 0; i < k; i++) out[i] = v;                                        \
        r->rle_left -= k;                                                                   \
        out += k;                                                                           \
        n -= k;                                                                             \
      } else if (r->bp_left) {                                                              \
        uint32_t k = n < r->bp_left ? n : r->bp_left;                                       \
        size_t avail = (size_t)(r->p - r->bp);                                              \
        UNPACK(r->bp, avail, r->bp_bit, r->bw, out, k);                                     \
        r->bp_bit += (uint64_t)k * r->bw;                                                   \
        r->bp_left -= k;                                                                    \
        out += k;                                                                           \
        n -= k;                                                                             \
      } else {                                                                              \
        TRY(next_run(r, what, err));                                                        \
      }                                                                                     \
    }                                                                                       \
    return LAGO_OK;                                                                         \
  }

DEFINE_RLE_GET(pq_rle_get32, uint32_t, unpack_u32)
DEFINE_RLE_GET(pq_rle_get8, uint8_t, unpack_u8)

bool pq_rle_skip_run(pq_rle *r, uint32_t n, uint32_t value) {
  if (!r->rle_left && !r->bp_left) {
    if (r->p >= r->end) return false;
    pq_rle saved = *r;
    lago_err e;
    lago_err_clear(&e);
    if (next_run(r, "", &e) != LAGO_OK) { /* let the ordinary path report it */
      *r = saved;
      return false;
    }
  }
  if (r->rle_left < n || r->rle_val != value) return false;
  r->rle_left -= n;
  return true;
}

/* ---- deprecated BIT_PACKED ---------------------------------------------- */

int pq_bitpacked_get8(pq_bitpacked *b, uint8_t *out, uint32_t n, const char *what, lago_err *err) {
  if ((uint64_t)n * b->bw > b->n_bits - b->bit)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: BIT_PACKED levels end before all values were read", what);
  for (uint32_t i = 0; i < n; i++) {
    unsigned v = 0;
    for (unsigned k = 0; k < b->bw; k++, b->bit++) v = (v << 1) | ((b->p[b->bit >> 3] >> (7 - (b->bit & 7))) & 1u);
    out[i] = (uint8_t)v;
  }
  return LAGO_OK;
}
