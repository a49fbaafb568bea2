/*
** format/parquet/encode_rle.c: the RLE / bit-packing hybrid encoder
** (Parquet "Encodings.md", RLE = 3), used for definition and repetition
** levels, dictionary indexes and RLE booleans; plus bit packing and PLAIN
** booleans. Writer side only.
**
**   hybrid   := run*
**   run      := rle-run | bit-packed-run
**   rle-run  := varint(count << 1)      value in ceil(bit_width/8) bytes, LE
**   bit-packed-run := varint(groups << 1 | 1)   groups * 8 values packed
**            LSB-first at bit_width bits: value i occupies bits
**            [i*w, (i+1)*w) of the little-endian bit stream, e.g. w = 3:
**              byte 0 = v2[1:0] v1[2:0] v0[2:0]   (bit 7 ... bit 0)
**              byte 1 = v5[0] v4[2:0] v3[2:0] v2[2]
** Length prefixes (u32 LE, v1 levels and RLE booleans) and the bit-width
** byte (dictionary indexes) are written by the caller.
**
** Strategy: a run of at least 8 equal values becomes an RLE run; other
** values go into bit-packed runs. A bit-packed run must hold a multiple of 8
** values except at the very end, so when literals before a run do not fill
** their last group, values are borrowed from the run to complete it (the
** run stays RLE only if 8 or more values remain). The final group is padded
** with zeros; readers stop at the value count they know.
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"

/* Worst case output for n values: every 8 values may cost a literal group
** (w bytes), a run header and value (<= 10 + 4 bytes) and a literal header. */
static size_t rle_bound(size_t n, int w) { return (n / 8 + 2) * ((size_t)w + 10 + 4 + 10); }

#define RLE_IMPL(NAME, T)                                                                     \
  static uint8_t *NAME##_literal(uint8_t *p, const T *v, size_t from, size_t to, int w) {     \
    size_t count = to - from, groups = (count + 7) / 8;                                       \
    p += pqw_put_uvarint(p, (uint64_t)groups << 1 | 1);                                       \
    uint64_t acc = 0;                                                                         \
    int bits = 0;                                                                             \
    for (size_t k = 0; k < groups * 8; k++) {                                                 \
      uint64_t x = k < count ? (uint64_t)v[from + k] : 0;                                     \
      acc |= x << bits;                                                                       \
      bits += w;                                                                              \
      while (bits >= 8) {                                                                     \
        *p++ = (uint8_t)acc;                                                                  \
        acc >>= 8;                                                                            \
        bits -= 8;                                                                            \
      }                                                                                       \
    }                                                                                         \
    return p;                                                                                 \
  }                                                                                           \
  int NAME(const T *v, size_t n, int w, buf *out) {                                           \
    if (buf_reserve(out, rle_bound(n, w))) return LAGO_NOMEM;                                 \
    uint8_t *p0 = (uint8_t *)out->data + out->len, *p = p0;                                   \
    size_t bw = (size_t)(w + 7) / 8;                                                          \
    size_t i = 0, lit = 0; /* lit: first value not yet emitted */                             \
    while (i < n) {                                                                           \
      T x = v[i];                                                                             \
      size_t j = i + 1;                                                                       \
      while (j < n && v[j] == x) j++;                                                         \
      size_t run = j - i;                                                                     \
      if (run >= 8) {                                                                         \
        size_t pad = (8 - (i - lit) % 8) % 8;                                                 \
        if (run - pad >= 8) {                                                                 \
          if (i + pad > lit) p = NAME##_literal(p, v, lit, i + pad, w);                       \
          p += pqw_put_uvarint(p, (uint64_t)(run - pad) << 1);                                \
          uint64_t xv = (uint64_t)x;                                                          \
          for (size_t b = 0; b < bw; b++) *p++ = (uint8_t)(xv >> (8 * b));                    \
          lit = j;                                                                            \
        }                                                                                     \
      }                                                                                       \
      i = j;                                                                                  \
    }                                                                                         \
    if (lit < n) p = NAME##_literal(p, v, lit, n, w);                                         \
    out->len += (size_t)(p - p0);                                                             \
    out->data[out->len] = 0;                                                                  \
    return LAGO_OK;                                                                           \
  }

RLE_IMPL(pqw_rle_encode_u8, uint8_t)
RLE_IMPL(pqw_rle_encode_u16, uint16_t)
RLE_IMPL(pqw_rle_encode_u32, uint32_t)

void pqw_bitpack_u32(const uint32_t *vals, size_t n, int w, uint8_t *dst) {
  uint64_t acc = 0;
  int bits = 0;
  for (size_t k = 0; k < n; k++) {
    acc |= (uint64_t)vals[k] << bits;
    bits += w;
    while (bits >= 8) {
      *dst++ = (uint8_t)acc;
      acc >>= 8;
      bits -= 8;
    }
  }
}

void pqw_bitpack_u64(const uint64_t *vals, size_t n, int w, uint8_t *dst) {
  unsigned __int128 acc = 0;
  int bits = 0;
  for (size_t k = 0; k < n; k++) {
    acc |= (unsigned __int128)vals[k] << bits;
    bits += w;
    while (bits >= 8) {
      *dst++ = (uint8_t)acc;
      acc >>= 8;
      bits -= 8;
    }
  }
}

int pqw_plain_bools(const uint8_t *vals, size_t n, buf *out) {
  size_t nb = (n + 7) / 8;
  if (buf_reserve(out, nb)) return LAGO_NOMEM;
  uint8_t *p = (uint8_t *)out->data + out->len;
  memset(p, 0, nb);
  for (size_t i = 0; i < n; i++) p[i >> 3] |= (uint8_t)((vals[i] & 1) << (i & 7));
  out->len += nb;
  out->data[out->len] = 0;
  return LAGO_OK;
}
