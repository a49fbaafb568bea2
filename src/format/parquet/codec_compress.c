/*
** format/parquet/codec_compress.c: page compression for the writer
** (pq_compress in codec.h, and the reusable pqw_compressor of
** pq_write_int.h that write_column.c uses for every page).
**
** Each codec produces exactly the bytes Parquet expects for it:
**   SNAPPY    raw snappy block (no framing)
**   GZIP      one gzip member (RFC 1952), deflate level 1..9 (default 6)
**   ZSTD      one zstd frame, level ZSTD_minCLevel()..ZSTD_maxCLevel() (default 3)
**   LZ4_RAW   one LZ4 block, no frame or size prefix
**   BROTLI    one brotli stream, quality 1..11 (default 8, as Arrow uses,
**             not the library's 11, which is an order of magnitude slower)
**   UNCOMPRESSED  the bytes as they are
** zlib, zstd and brotli take lago's allocator (mem_*), so allocation
** failures are injected and counted like the rest of lago; snappy and lz4
** allocate nothing on the heap here (lz4's state is ours; snappy-c uses its
** own small stack-or-new buffers, outside mem_*).
*/
#define ZSTD_STATIC_LINKING_ONLY /* ZSTD_createCCtx_advanced: custom allocator */
#include <brotli/encode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "format/parquet/pq_write_int.h"
#include "util/alloc.h"

const char *pqw_codec_name(pq_codec c) {
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

/* ---- allocator adapters ------------------------------------------------ */

static void *zstd_alloc(void *opaque, size_t n) {
  (void)opaque;
  return mem_alloc(n);
}
static void zstd_free(void *opaque, void *p) {
  (void)opaque;
  mem_free(p);
}
static voidpf zlib_alloc(voidpf opaque, uInt items, uInt size) {
  (void)opaque;
  return mem_calloc(items, size);
}
static void zlib_free(voidpf opaque, voidpf p) {
  (void)opaque;
  mem_free(p);
}
static void *brotli_alloc(void *opaque, size_t n) {
  (void)opaque;
  return mem_alloc(n);
}
static void brotli_free(void *opaque, void *p) {
  (void)opaque;
  mem_free(p);
}

int pqw_compressor_init(pqw_compressor *c, pq_codec codec, int level, lago_err *err) {
  memset(c, 0, sizeof *c);
  c->codec = codec;
  c->level = level;
  switch (codec) {
    case PQ_CODEC_UNCOMPRESSED:
    case PQ_CODEC_SNAPPY:
    case PQ_CODEC_LZ4_RAW:
      if (level != 0)
        return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: codec %s takes no level (got %d)", pqw_codec_name(codec),
                        level);
      return LAGO_OK;
    case PQ_CODEC_GZIP:
      if (level < 0 || level > 9)
        return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: GZIP level %d is outside 1..9", level);
      return LAGO_OK;
    case PQ_CODEC_BROTLI:
      if (level < 0 || level > 11)
        return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: BROTLI level %d is outside 1..11", level);
      return LAGO_OK;
    case PQ_CODEC_ZSTD:
      if (level != 0 && (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()))
        return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: ZSTD level %d is outside %d..%d", level, ZSTD_minCLevel(),
                        ZSTD_maxCLevel());
      return LAGO_OK;
    case PQ_CODEC_LZO:
    case PQ_CODEC_LZ4:
      break;
  }
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: cannot write codec %s (%d); use SNAPPY, GZIP, ZSTD, LZ4_RAW, "
                  "BROTLI or UNCOMPRESSED", pqw_codec_name(codec), (int)codec);
}

void pqw_compressor_deinit(pqw_compressor *c) {
  if (c->zstd) ZSTD_freeCCtx(c->zstd);
  if (c->zlib) {
    deflateEnd(c->zlib);
    mem_free(c->zlib);
  }
  mem_free(c->lz4);
  memset(c, 0, sizeof *c);
}

static int comp_snappy(const uint8_t *src, size_t n, buf *out, lago_err *err) {
  size_t cap = snappy_max_compressed_length(n);
  if (buf_reserve(out, cap)) return LAGO_NOMEM_ERR(err);
  size_t got = cap;
  if (snappy_compress((const char *)src, n, out->data + out->len, &got) != SNAPPY_OK)
    return LAGO_ERR(err, LAGO_INTERNAL, "snappy: compressing %zu bytes failed", n);
  out->len += got;
  return LAGO_OK;
}

static int comp_gzip(pqw_compressor *c, const uint8_t *src, size_t n, buf *out, lago_err *err) {
  if (n > UINT32_MAX / 2) return LAGO_ERR(err, LAGO_UNSUPPORTED, "gzip: page of %zu bytes is too large", n);
  z_stream *z = c->zlib;
  if (!z) {
    z = mem_calloc(1, sizeof *z);
    if (!z) return LAGO_NOMEM_ERR(err);
    z->zalloc = zlib_alloc;
    z->zfree = zlib_free;
    int zr = deflateInit2(z, c->level ? c->level : 6, Z_DEFLATED, 15 + 16 /* gzip wrapper */, 8, Z_DEFAULT_STRATEGY);
    if (zr != Z_OK) {
      mem_free(z);
      if (zr == Z_MEM_ERROR) return LAGO_NOMEM_ERR(err);
      return LAGO_ERR(err, LAGO_INTERNAL, "gzip: deflateInit2 failed (%d)", zr);
    }
    c->zlib = z;
  } else if (deflateReset(z) != Z_OK) {
    return LAGO_ERR(err, LAGO_INTERNAL, "gzip: deflateReset failed");
  }
  size_t cap = deflateBound(z, (uLong)n) + 32;
  if (buf_reserve(out, cap)) return LAGO_NOMEM_ERR(err);
  z->next_in = (Bytef *)(uintptr_t)src;
  z->avail_in = (uInt)n;
  z->next_out = (Bytef *)out->data + out->len;
  z->avail_out = (uInt)cap;
  int zr = deflate(z, Z_FINISH);
  if (zr != Z_STREAM_END) {
    /* A fresh stream failing here means its internal buffers could not be allocated. */
    if (zr == Z_MEM_ERROR || zr == Z_BUF_ERROR) {
      deflateEnd(z);
      mem_free(z);
      c->zlib = NULL;
      return zr == Z_MEM_ERROR ? LAGO_NOMEM_ERR(err) : LAGO_ERR(err, LAGO_INTERNAL, "gzip: output bound too small");
    }
    return LAGO_ERR(err, LAGO_INTERNAL, "gzip: deflate failed (%d)", zr);
  }
  out->len += cap - z->avail_out;
  return LAGO_OK;
}

static int comp_zstd(pqw_compressor *c, const uint8_t *src, size_t n, buf *out, lago_err *err) {
  if (!c->zstd) {
    ZSTD_customMem cm = {zstd_alloc, zstd_free, NULL};
    ZSTD_CCtx *z = ZSTD_createCCtx_advanced(cm);
    if (!z) return LAGO_NOMEM_ERR(err);
    size_t r = ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, c->level ? c->level : ZSTD_CLEVEL_DEFAULT);
    if (ZSTD_isError(r)) {
      ZSTD_freeCCtx(z);
      return LAGO_ERR(err, LAGO_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
    }
    c->zstd = z;
  }
  size_t cap = ZSTD_compressBound(n);
  if (buf_reserve(out, cap)) return LAGO_NOMEM_ERR(err);
  size_t r = ZSTD_compress2(c->zstd, out->data + out->len, cap, src, n);
  if (ZSTD_isError(r)) {
    int nomem = ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation;
    /* The context may be half built after a failure: start over next time. */
    ZSTD_freeCCtx(c->zstd);
    c->zstd = NULL;
    if (nomem) return LAGO_NOMEM_ERR(err);
    return LAGO_ERR(err, LAGO_INTERNAL, "zstd: %s", ZSTD_getErrorName(r));
  }
  out->len += r;
  return LAGO_OK;
}

static int comp_lz4(pqw_compressor *c, const uint8_t *src, size_t n, buf *out, lago_err *err) {
  if (n > LZ4_MAX_INPUT_SIZE) return LAGO_ERR(err, LAGO_UNSUPPORTED, "lz4: page of %zu bytes is too large", n);
  if (!c->lz4) {
    c->lz4 = mem_alloc((size_t)LZ4_sizeofState());
    if (!c->lz4) return LAGO_NOMEM_ERR(err);
  }
  int cap = LZ4_compressBound((int)n);
  if (buf_reserve(out, (size_t)cap)) return LAGO_NOMEM_ERR(err);
  int got = LZ4_compress_fast_extState(c->lz4, (const char *)src, out->data + out->len, (int)n, cap, 1);
  if (got <= 0 && n > 0) return LAGO_ERR(err, LAGO_INTERNAL, "lz4: compressing %zu bytes failed", n);
  out->len += (size_t)got;
  return LAGO_OK;
}

static int comp_brotli(pqw_compressor *c, const uint8_t *src, size_t n, buf *out, lago_err *err) {
  BrotliEncoderState *s = BrotliEncoderCreateInstance(brotli_alloc, brotli_free, NULL);
  if (!s) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  BrotliEncoderSetParameter(s, BROTLI_PARAM_QUALITY, (uint32_t)(c->level ? c->level : 8));
  BrotliEncoderSetParameter(s, BROTLI_PARAM_SIZE_HINT, n > (1u << 30) ? (1u << 30) : (uint32_t)n);
  size_t avail_in = n;
  const uint8_t *next_in = src;
  for (;;) {
    if (buf_reserve(out, 65536)) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    size_t avail_out = out->cap - out->len - 1;
    uint8_t *next_out = (uint8_t *)out->data + out->len;
    uint8_t *before = next_out;
    if (!BrotliEncoderCompressStream(s, BROTLI_OPERATION_FINISH, &avail_in, &next_in, &avail_out, &next_out, NULL)) {
      /* The encoder's only runtime failure is an allocation failure. */
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    out->len += (size_t)(next_out - before);
    if (BrotliEncoderIsFinished(s)) break;
  }
  BrotliEncoderDestroyInstance(s);
  return rc;
}

int pqw_compress(pqw_compressor *c, const uint8_t *src, size_t n, buf *out, lago_err *err) {
  switch (c->codec) {
    case PQ_CODEC_UNCOMPRESSED:
      if (buf_append(out, src, n)) return LAGO_NOMEM_ERR(err);
      return LAGO_OK;
    case PQ_CODEC_SNAPPY: return comp_snappy(src, n, out, err);
    case PQ_CODEC_GZIP: return comp_gzip(c, src, n, out, err);
    case PQ_CODEC_ZSTD: return comp_zstd(c, src, n, out, err);
    case PQ_CODEC_LZ4_RAW: return comp_lz4(c, src, n, out, err);
    case PQ_CODEC_BROTLI: return comp_brotli(c, src, n, out, err);
    case PQ_CODEC_LZO:
    case PQ_CODEC_LZ4: break;
  }
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: cannot write codec %s", pqw_codec_name(c->codec));
}

int pq_compress(pq_codec codec, int level, const uint8_t *src, size_t src_len, buf *out, lago_err *err) {
  pqw_compressor c;
  TRY(pqw_compressor_init(&c, codec, level, err));
  int rc = pqw_compress(&c, src, src_len, out, err);
  pqw_compressor_deinit(&c);
  return rc;
}
