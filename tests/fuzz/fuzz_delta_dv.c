/*
** tests/fuzz/fuzz_delta_dv.c: deletion-vector bitmaps (RoaringBitmapArray)
** and Z85 text. Byte 0 selects the mode: even = bitmap bytes, odd = Z85
** text decoded then parsed as a bitmap. A decoded bitmap must be sorted and
** must re-encode and decode to the same rows.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta/dv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1 || size > 1 << 16) return 0;
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  const uint8_t *p = data + 1;
  size_t n = size - 1;
  uint8_t *z = NULL;
  if (data[0] & 1) {
    n -= n % 5;
    z = malloc(n / 5 * 4 + 1);
    if (z85_decode((const char *)p, n, z, &e) != LAGO_OK) goto done;
    p = z;
    n = n / 5 * 4;
  }
  dv_rows r;
  int rc = dv_bitmap_decode(p, n, ar, &r, "fuzz", &e);
  if (rc == LAGO_OK) {
    for (uint64_t i = 1; i < r.n; i++)
      if (r.rows[i] <= r.rows[i - 1]) abort();
    buf b;
    buf_init(&b);
    if (dv_bitmap_encode(r.rows, r.n, &b) == LAGO_OK) {
      dv_rows r2;
      if (dv_bitmap_decode((const uint8_t *)b.data, b.len, ar, &r2, "rt", &e) != LAGO_OK || r2.n != r.n) abort();
      for (uint64_t i = 0; i < r.n; i++)
        if (r.rows[i] != r2.rows[i]) abort();
    }
    buf_deinit(&b);
  } else if (rc != LAGO_CORRUPT && rc != LAGO_NOMEM) {
    abort();
  }
done:
  free(z);
  arena_free(ar);
  return 0;
}
