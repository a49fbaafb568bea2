/*
** format/parquet/codec.h: page compression codecs, both directions, over the
** Debian libraries (snappy, zlib, zstd, lz4, brotli).
**   codec_decompress.c  (reader) all codecs of pq_codec except LZO:
**                       GZIP accepts concatenated members; LZ4 accepts the
**                       Hadoop framing (big-endian lengths) and bare blocks.
**   codec_compress.c    (writer) UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, BROTLI.
** Inputs are untrusted: a decompressor never writes past dst_cap and reports
** LAGO_CORRUPT when the output size is not exactly what the page header said.
*/
#ifndef LAGO_FORMAT_PARQUET_CODEC_H
#define LAGO_FORMAT_PARQUET_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "format/parquet/pq_meta.h"
#include "util/buf.h"
#include "util/status.h"

/* Name of a codec ("SNAPPY"); "UNKNOWN(n)" is never returned: unknown gives "UNKNOWN". */
const char *pq_codec_name(pq_codec c);

/*
** Decompresses src[0..src_len) into dst, which must receive exactly dst_len
** bytes. `what` names the page for error messages ("file.parquet: row group
** 0, column 'a', page 3").
*/
int pq_decompress(pq_codec c, const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_len, const char *what,
                  lago_err *err);

/* Compresses src into out (appended). level 0 = the codec's default. */
int pq_compress(pq_codec c, int level, const uint8_t *src, size_t src_len, buf *out, lago_err *err);

#endif /* LAGO_FORMAT_PARQUET_CODEC_H */
