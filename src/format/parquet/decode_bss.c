/*
** format/parquet/decode_bss.c: BYTE_STREAM_SPLIT (parquet-format
** Encodings.md), for FLOAT, DOUBLE, INT32, INT64 and FIXED_LEN_BYTE_ARRAY
** (FLOAT16 and DECIMAL included). Used by page_read.c.
**
** For N values of K bytes the page holds K streams of N bytes: stream k
** has byte k of every value, in value order.
**
**   values   a0 a1 a2 a3 | b0 b1 b2 b3 | c0 c1 c2 c3        (K = 4, N = 3)
**   page     a0 b0 c0 | a1 b1 c1 | a2 b2 c2 | a3 b3 c3
**
** N is the section length divided by K (it must divide exactly): the
** section holds exactly the page's non-null values.
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"

int pq_bss_init(pq_bss *b, const uint8_t *p, const uint8_t *end, uint32_t width, const char *what, lago_err *err) {
  size_t len = (size_t)(end - p);
  if (width == 0 || len % width != 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: BYTE_STREAM_SPLIT data of %zu bytes is not a multiple of %u", what, len,
                    width);
  b->base = p;
  b->width = width;
  b->n_total = len / width;
  b->idx = 0;
  return LAGO_OK;
}

int pq_bss_get(pq_bss *b, void *out, uint32_t n, bool as_str, arena *ar, const char *what, lago_err *err) {
  if (n > b->n_total - b->idx)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: BYTE_STREAM_SPLIT data holds %llu values, more needed", what,
                    (unsigned long long)b->n_total);
  uint32_t w = b->width;
  uint8_t *dst = out;
  if (as_str) {
    dst = arena_alloc(ar, (size_t)n * w);
    if (!dst) return LAGO_NOMEM_ERR(err);
  }
  const uint8_t *src = b->base + b->idx;
  for (uint32_t k = 0; k < w; k++) {
    const uint8_t *s = src + (size_t)k * b->n_total;
    uint8_t *d = dst + k;
    for (uint32_t i = 0; i < n; i++) d[(size_t)i * w] = s[i];
  }
  if (as_str) {
    lago_str *o = out;
    for (uint32_t i = 0; i < n; i++) o[i] = str_make((const char *)dst + (size_t)i * w, w);
  }
  b->idx += n;
  return LAGO_OK;
}
