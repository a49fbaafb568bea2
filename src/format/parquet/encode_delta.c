/*
** format/parquet/encode_delta.c: DELTA_BINARY_PACKED (5) for INT32/INT64
** and DELTA_LENGTH_BYTE_ARRAY (6) for BYTE_ARRAY, writer side (Parquet
** "Encodings.md"). Used by write_column.c when delta_encodings is on.
**
** DELTA_BINARY_PACKED, all varints ULEB128, "zz" = zigzag:
**   header  := varint(block_size = 128) varint(miniblocks = 4)
**              varint(total_count) zz-varint(first_value)
**   block   := zz-varint(min_delta) u8 bit_width[4] miniblock*
**   miniblock := 32 values (delta - min_delta) bit-packed LSB-first
**              at its bit width
** Deltas are taken with wrap-around in the column's width (32 or 64 bits),
** so every packed value fits in 32 (INT32) or 64 (INT64) bits and readers
** that add with wrap-around get the values back. The last miniblock is
** padded with zeros; miniblocks past the last value get width 0 and no
** bytes.
**
** DELTA_LENGTH_BYTE_ARRAY := DELTA_BINARY_PACKED(lengths as INT32) bytes...
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/alloc.h"
#include "util/bits.h"

#define BLOCK 128
#define MINIBLOCKS 4
#define MINI (BLOCK / MINIBLOCKS)

int pqw_delta_binary_encode(const void *vals, size_t n, bool is64, buf *out) {
  size_t bound = 40 + n * (is64 ? 8 : 4) + (n / BLOCK + 1) * (10 + MINIBLOCKS) + MINI * 8;
  if (buf_reserve(out, bound)) return LAGO_NOMEM;
  uint8_t *p0 = (uint8_t *)out->data + out->len, *p = p0;
  const int64_t *v64 = vals;
  const int32_t *v32 = vals;
  int64_t first = n ? (is64 ? v64[0] : v32[0]) : 0;
  p += pqw_put_uvarint(p, BLOCK);
  p += pqw_put_uvarint(p, MINIBLOCKS);
  p += pqw_put_uvarint(p, n);
  p += pqw_put_uvarint(p, ((uint64_t)first << 1) ^ (uint64_t)(first >> 63));
  uint64_t packed[BLOCK];
  int64_t deltas[BLOCK];
  size_t i = 1;
  while (i < n) {
    size_t m = n - i < BLOCK ? n - i : BLOCK;
    int64_t min = 0;
    for (size_t k = 0; k < m; k++) {
      int64_t d;
      if (is64) {
        d = (int64_t)((uint64_t)v64[i + k] - (uint64_t)v64[i + k - 1]);
      } else {
        d = (int32_t)((uint32_t)v32[i + k] - (uint32_t)v32[i + k - 1]);
      }
      deltas[k] = d;
      if (k == 0 || d < min) min = d;
    }
    p += pqw_put_uvarint(p, ((uint64_t)min << 1) ^ (uint64_t)(min >> 63));
    for (size_t k = 0; k < m; k++) {
      uint64_t u = (uint64_t)deltas[k] - (uint64_t)min;
      packed[k] = is64 ? u : (uint32_t)u;
    }
    for (size_t k = m; k < BLOCK; k++) packed[k] = 0;
    uint8_t *widths = p;
    p += MINIBLOCKS;
    for (int mb = 0; mb < MINIBLOCKS; mb++) {
      size_t from = (size_t)mb * MINI;
      if (from >= m) {
        widths[mb] = 0;
        continue;
      }
      uint64_t mx = 0;
      for (size_t k = from; k < from + MINI; k++) mx |= packed[k];
      int w = pqw_bit_width(mx);
      widths[mb] = (uint8_t)w;
      pqw_bitpack_u64(packed + from, MINI, w, p);
      p += (size_t)w * MINI / 8;
    }
    i += m;
  }
  out->len += (size_t)(p - p0);
  out->data[out->len] = 0;
  return LAGO_OK;
}

int pqw_delta_length_encode(const uint8_t *plain, size_t plain_len, size_t n, buf *out) {
  int32_t *lens = mem_alloc((n ? n : 1) * sizeof *lens);
  if (!lens) return LAGO_NOMEM;
  /* plain holds n values as u32 length + bytes, built by the writer itself. */
  size_t off = 0;
  for (size_t k = 0; k < n; k++) {
    uint32_t len = load_le32(plain + off);
    lens[k] = (int32_t)len;
    off += 4 + len;
  }
  int rc = LAGO_INTERNAL;
  if (LAGO_ALWAYS(off == plain_len)) {
    rc = pqw_delta_binary_encode(lens, n, false, out);
    if (!rc && buf_reserve(out, plain_len - 4 * n)) rc = LAGO_NOMEM;
    if (!rc) {
      off = 0;
      for (size_t k = 0; k < n; k++) {
        uint32_t len = (uint32_t)lens[k];
        memcpy(out->data + out->len, plain + off + 4, len);
        out->len += len;
        off += 4 + len;
      }
      out->data[out->len] = 0;
    }
  }
  mem_free(lens);
  return rc;
}
