/*
** format/parquet/codec_decompress.c: page decompression for the reader
** (codec.h), over the Debian libraries: snappy (C API), zlib, zstd, lz4,
** brotli. Used by page_read.c. The writer's half is codec_compress.c.
**
** Every decompressor writes into the caller's buffer of exactly dst_len
** bytes and never past it; producing fewer or more bytes than the page
** header promised is LAGO_CORRUPT. The libraries that allocate (zlib,
** zstd, brotli) get lago's allocator, so failures show up as LAGO_NOMEM.
**
** LZ4 (codec 5, deprecated) exists in two shapes; like parquet-cpp we try
** the Hadoop framing first and fall back to a bare LZ4 block (and to the
** LZ4 frame format when the data starts with its magic number):
**
**   Hadoop LZ4 framing, repeated until the input ends:
**   +----------------------+---------------------+-------------------------+
**   | u32 BE uncompressed  | u32 BE compressed   | compressed LZ4 block    |
**   | length of this block | length (= n)        | (n bytes)               |
**   +----------------------+---------------------+-------------------------+
**
** GZIP pages may hold several concatenated gzip members; all are inflated.
*/
#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_customMem / ZSTD_createDCtx_advanced */
#include <zstd.h>
#include <zstd_errors.h>

#include "format/parquet/codec.h"
#include "util/alloc.h"
#include "util/bits.h"

const char *pq_codec_name(pq_codec c) {
  switch (c) {
    case PQ_CODEC_UNCOMPRESSED: return "UNCOMPRESSED";
    case PQ_CODEC_SNAPPY: return "SNAPPY";
    case PQ_CODEC_GZIP: return "GZIP";
    case PQ_CODEC_LZO: return "LZO";
    case PQ_CODEC_BROTLI: return "BROTLI";
    case PQ_CODEC_LZ4: return "LZ4";
    case PQ_CODEC_ZSTD: return "ZSTD";
    case PQ_CODEC_LZ4_RAW: return "LZ4_RAW";
  }
  return "UNKNOWN";
}

static int size_mismatch(const char *codec, size_t got, size_t want, const char *what, lago_err *err) {
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: %s data decompresses to %zu bytes, the page header says %zu", what, codec,
                  got, want);
}

/* ---- allocator adapters ------------------------------------------------- */

static void *z_alloc(void *opaque, uInt items, uInt size) {
  (void)opaque;
  return mem_calloc(items, size);
}
static void z_free(void *opaque, void *p) {
  (void)opaque;
  mem_free(p);
}
static void *lib_alloc(void *opaque, size_t n) {
  (void)opaque;
  return mem_alloc(n);
}
static void lib_free(void *opaque, void *p) {
  (void)opaque;
  mem_free(p);
}

/* ---- codecs ------------------------------------------------------------- */

static int do_snappy(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char *what, lago_err *err) {
  size_t ulen;
  if (snappy_uncompressed_length((const char *)src, n, &ulen) != SNAPPY_OK)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad SNAPPY data (%zu bytes)", what, n);
  if (ulen != dst_len) return size_mismatch("SNAPPY", ulen, dst_len, what, err);
  size_t out = dst_len;
  if (snappy_uncompress((const char *)src, n, (char *)dst, &out) != SNAPPY_OK || out != dst_len)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad SNAPPY data (%zu bytes)", what, n);
  return LAGO_OK;
}

static int do_gzip(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char *what, lago_err *err) {
  z_stream zs;
  memset(&zs, 0, sizeof zs);
  zs.zalloc = z_alloc;
  zs.zfree = z_free;
  int zr = inflateInit2(&zs, 15 + 32); /* gzip or zlib header, detected */
  if (zr == Z_MEM_ERROR) return LAGO_NOMEM_ERR(err);
  if (zr != Z_OK) return LAGO_ERR(err, LAGO_INTERNAL, "%s: inflateInit2 failed (%d)", what, zr);
  int rc = LAGO_OK;
  size_t in_pos = 0, out_pos = 0;
  for (;;) {
    /* zlib counts in uInt: feed at most 1 GiB per call. */
    size_t in_left = n - in_pos, out_left = dst_len - out_pos;
    zs.next_in = (Bytef *)(uintptr_t)(src + in_pos);
    zs.avail_in = (uInt)(in_left > (1u << 30) ? (1u << 30) : in_left);
    zs.next_out = dst + out_pos;
    zs.avail_out = (uInt)(out_left > (1u << 30) ? (1u << 30) : out_left);
    uInt ai = zs.avail_in, ao = zs.avail_out;
    zr = inflate(&zs, Z_NO_FLUSH);
    in_pos += ai - zs.avail_in;
    out_pos += ao - zs.avail_out;
    if (zr == Z_STREAM_END) {
      /* Another gzip member may follow; trailing zero bytes are padding. */
      size_t k = in_pos;
      while (k < n && src[k] == 0) k++;
      if (k >= n) break;
      if (inflateReset(&zs) != Z_OK) {
        rc = LAGO_ERR(err, LAGO_INTERNAL, "%s: inflateReset failed", what);
        break;
      }
      continue;
    }
    if (zr == Z_OK) continue; /* progress was made */
    if (zr == Z_MEM_ERROR) {
      rc = LAGO_NOMEM_ERR(err);
    } else if (zr == Z_BUF_ERROR && out_pos == dst_len) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: GZIP data decompresses to more than the %zu bytes the page header says",
                    what, dst_len);
    } else if (zr == Z_BUF_ERROR) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: truncated GZIP data (%zu of %zu bytes out)", what, out_pos, dst_len);
    } else {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: bad GZIP data (%s)", what, zs.msg ? zs.msg : "inflate error");
    }
    break;
  }
  inflateEnd(&zs);
  if (rc == LAGO_OK && out_pos != dst_len) rc = size_mismatch("GZIP", out_pos, dst_len, what, err);
  return rc;
}

static int do_zstd(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char *what, lago_err *err) {
  ZSTD_customMem cm = {lib_alloc, lib_free, NULL};
  ZSTD_DCtx *dc = ZSTD_createDCtx_advanced(cm);
  if (!dc) return LAGO_NOMEM_ERR(err);
  size_t r = ZSTD_decompressDCtx(dc, dst, dst_len, src, n);
  ZSTD_freeDCtx(dc);
  if (ZSTD_isError(r)) {
    if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation) return LAGO_NOMEM_ERR(err);
    if (ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: ZSTD data decompresses to more than the %zu bytes the page header says",
                      what, dst_len);
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad ZSTD data (%s)", what, ZSTD_getErrorName(r));
  }
  if (r != dst_len) return size_mismatch("ZSTD", r, dst_len, what, err);
  return LAGO_OK;
}

static int do_brotli(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len, const char *what, lago_err *err) {
  BrotliDecoderState *st = BrotliDecoderCreateInstance(lib_alloc, lib_free, NULL);
  if (!st) return LAGO_NOMEM_ERR(err);
  size_t avail_in = n, avail_out = dst_len;
  const uint8_t *next_in = src;
  uint8_t *next_out = dst;
  BrotliDecoderResult r = BrotliDecoderDecompressStream(st, &avail_in, &next_in, &avail_out, &next_out, NULL);
  int code = BrotliDecoderGetErrorCode(st);
  BrotliDecoderDestroyInstance(st);
  if (r == BROTLI_DECODER_RESULT_SUCCESS && avail_out == 0) return LAGO_OK;
  if (r == BROTLI_DECODER_RESULT_SUCCESS) return size_mismatch("BROTLI", dst_len - avail_out, dst_len, what, err);
  if (r == BROTLI_DECODER_RESULT_ERROR && code <= BROTLI_DECODER_ERROR_ALLOC_CONTEXT_MODES &&
      code >= BROTLI_DECODER_ERROR_ALLOC_BLOCK_TYPE_TREES)
    return LAGO_NOMEM_ERR(err);
  if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: BROTLI data decompresses to more than the %zu bytes the page header says",
                    what, dst_len);
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad BROTLI data (%s)", what,
                  r == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT ? "truncated"
                                                              : BrotliDecoderErrorString((BrotliDecoderErrorCode)code));
}

static int lz4_block(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len) {
  if (n > INT32_MAX || dst_len > INT32_MAX) return -1;
  int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dst_len);
  return r >= 0 && (size_t)r == dst_len ? 0 : -1;
}

/* Hadoop framing (see the top of the file); 0 on success. */
static int lz4_hadoop(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len) {
  size_t in = 0, out = 0;
  if (n < 8) return -1;
  while (n - in >= 8) {
    uint32_t ulen = load_be32(src + in), clen = load_be32(src + in + 4);
    in += 8;
    if (clen > n - in || ulen > dst_len - out) return -1;
    if (lz4_block(src + in, clen, dst + out, ulen) != 0) return -1;
    in += clen;
    out += ulen;
  }
  return in == n && out == dst_len ? 0 : -1;
}

static int lz4_frame(const uint8_t *src, size_t n, uint8_t *dst, size_t dst_len) {
  LZ4F_dctx *dc;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&dc, LZ4F_VERSION))) return -1;
  size_t in = 0, out = 0;
  int rc = -1;
  for (;;) {
    size_t src_size = n - in, dst_size = dst_len - out;
    size_t r = LZ4F_decompress(dc, dst + out, &dst_size, src + in, &src_size, NULL);
    if (LZ4F_isError(r)) break;
    in += src_size;
    out += dst_size;
    if (r == 0) { /* frame done */
      rc = in == n && out == dst_len ? 0 : -1;
      break;
    }
    if (src_size == 0 && dst_size == 0) break; /* no progress: truncated or output full */
  }
  LZ4F_freeDecompressionContext(dc);
  return rc;
}

int pq_decompress(pq_codec c, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, const char *what,
                  lago_err *err) {
  switch (c) {
    case PQ_CODEC_UNCOMPRESSED:
      if (src_len != dst_len) return size_mismatch("UNCOMPRESSED", src_len, dst_len, what, err);
      if (dst_len) memcpy(dst, src, dst_len);
      return LAGO_OK;
    case PQ_CODEC_SNAPPY: return do_snappy(src, src_len, dst, dst_len, what, err);
    case PQ_CODEC_GZIP: return do_gzip(src, src_len, dst, dst_len, what, err);
    case PQ_CODEC_ZSTD: return do_zstd(src, src_len, dst, dst_len, what, err);
    case PQ_CODEC_BROTLI: return do_brotli(src, src_len, dst, dst_len, what, err);
    case PQ_CODEC_LZ4_RAW:
      if (lz4_block(src, src_len, dst, dst_len) != 0)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad LZ4_RAW data (%zu bytes, %zu expected out)", what, src_len,
                        dst_len);
      return LAGO_OK;
    case PQ_CODEC_LZ4:
      if (lz4_hadoop(src, src_len, dst, dst_len) == 0) return LAGO_OK;
      if (src_len >= 4 && load_le32(src) == 0x184D2204u && lz4_frame(src, src_len, dst, dst_len) == 0)
        return LAGO_OK;
      if (lz4_block(src, src_len, dst, dst_len) == 0) return LAGO_OK;
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad LZ4 data (neither Hadoop-framed nor a bare LZ4 block)", what);
    case PQ_CODEC_LZO:
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: compression codec LZO is not supported", what);
  }
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: unknown compression codec %d", what, (int)c);
}

int pq_decompress_check(pq_codec c, const uint8_t *src, size_t src_len, size_t dst_len, const char *what,
                        lago_err *err) {
  uint64_t most; /* the most dst_len can be for src_len bytes of this codec */
  switch (c) {
    case PQ_CODEC_SNAPPY: {
      size_t ulen;
      if (snappy_uncompressed_length((const char *)src, src_len, &ulen) != SNAPPY_OK)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad SNAPPY data (%zu bytes)", what, src_len);
      if (ulen != dst_len) return size_mismatch("SNAPPY", ulen, dst_len, what, err);
      return LAGO_OK;
    }
    case PQ_CODEC_LZ4_RAW:
    case PQ_CODEC_LZ4: most = (uint64_t)src_len * 255 + 64; break;  /* a match of 255 bytes per byte */
    case PQ_CODEC_GZIP: most = (uint64_t)src_len * 1032 + 1024; break; /* deflate's limit */
    case PQ_CODEC_ZSTD: most = ((uint64_t)src_len / 4 + 1) * (128u << 10); break; /* RLE blocks */
    default: return LAGO_OK; /* BROTLI and others: no useful bound */
  }
  if (dst_len > most)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: %zu bytes of %s data cannot hold the %zu bytes the page header says", what,
                    src_len, pq_codec_name(c), dst_len);
  return LAGO_OK;
}
