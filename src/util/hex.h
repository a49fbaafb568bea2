/*
** util/hex.h: hexadecimal digits and the UUID text form, the one place for
** them (SQL literals and escapes, JSON \u escapes, Delta path escapes,
** hex()/unhex(), digests, UUID casts and uuid()).
*/
#ifndef LAGO_UTIL_HEX_H
#define LAGO_UTIL_HEX_H

#include <stddef.h>
#include <stdint.h>

/* Value 0..15 of the hex digit c (either case); -1 if c is not one. */
static inline int hex_value(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Writes 2*n hex digits of p[0..n) to out (no terminator); returns out + 2*n. */
static inline char *hex_encode(char *out, const uint8_t *p, size_t n, int upper) {
  const char *hx = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    *out++ = hx[p[i] >> 4];
    *out++ = hx[p[i] & 15];
  }
  return out;
}

/* The 36-byte text form 8-4-4-4-12 (lowercase) of the 16-byte UUID u (no terminator). */
static inline void uuid_text36(char out[36], const uint8_t u[16]) {
  char *o = out;
  for (int i = 0; i < 16; i++) {
    if (i == 4 || i == 6 || i == 8 || i == 10) *o++ = '-';
    o = hex_encode(o, u + i, 1, 0);
  }
}

#endif /* LAGO_UTIL_HEX_H */
