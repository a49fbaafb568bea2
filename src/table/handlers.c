/*
** table/handlers.c: clock and randomness through tbl_handlers (handlers.h).
** The default Parquet handler lives in handlers_pq.c.
*/
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "table/handlers.h"

int64_t tbl_now_ms(const tbl_handlers *h) {
  if (h && h->now_ms) return h->now_ms(h->ud);
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tbl_random(const tbl_handlers *h, void *dst, size_t n, lago_err *err) {
  if (h && h->random) {
    if (h->random(h->ud, dst, n) != 0) return LAGO_ERR(err, LAGO_IO, "random source failed");
    return LAGO_OK;
  }
  uint8_t *p = dst;
  while (n) {
    ssize_t k = getrandom(p, n, 0);
    if (k < 0) {
      if (errno == EINTR) continue;
      return LAGO_ERR(err, LAGO_IO, "getrandom: errno %d", errno);
    }
    p += k;
    n -= (size_t)k;
  }
  return LAGO_OK;
}

int tbl_uuid4(const tbl_handlers *h, char out[37], uint8_t raw[16], lago_err *err) {
  uint8_t b[16];
  TRY(tbl_random(h, b, sizeof b, err));
  b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
  b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3],
           b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  if (raw)
    for (int i = 0; i < 16; i++) raw[i] = b[i];
  return LAGO_OK;
}
