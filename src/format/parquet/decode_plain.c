/*
** format/parquet/decode_plain.c: the PLAIN encoding and the conversions
** from physical values to lago values (pq_conv). Used by page_read.c for
** data pages and dictionary pages, and by stats_skip.c for statistics.
**
** PLAIN (parquet-format Encodings.md), values back to back, little-endian:
**   BOOLEAN               1 bit each, LSB-first within each byte
**   INT32, FLOAT          4 bytes          INT64, DOUBLE   8 bytes
**   INT96                 12 bytes: u64 nanoseconds of the day, u32 Julian day
**   BYTE_ARRAY            u32 length, then that many bytes
**   FIXED_LEN_BYTE_ARRAY  type_length bytes
** BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY values become lago_str views into the
** page buffer (no copy); the caller keeps the buffer alive for the batch.
**
** Conversions (schema.c picks one per leaf; README.md has the table):
**   DECIMAL in FLBA/BYTE_ARRAY: big-endian two's complement of any length;
**   bytes beyond 8 (int64) or 16 (i128) must be sign extension.
**   INT96: micros = (julian_day - 2440588) * 86400000000 + nanos / 1000,
**   computed with wrapping 64-bit arithmetic exactly as Spark reads it.
**   FLOAT16: IEEE binary16 -> binary32, exact (subnormals, inf, NaN sign).
**   INTERVAL: FLBA(12) of three u32 LE: months, days, milliseconds.
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/bits.h"

static int short_data(const char *what, lago_err *err, const char *type, uint32_t n) {
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: PLAIN %s data ends before %u values were read", what, type, n);
}

int pq_plain_get(pq_type t, int32_t type_length, const uint8_t **pp, const uint8_t *end, uint32_t *bit, void *out,
                 uint32_t n, const char *what, lago_err *err) {
  const uint8_t *p = *pp;
  size_t avail = (size_t)(end - p);
  if (n == 0) return LAGO_OK; /* out may be NULL then */
  switch (t) {
    case PQT_BOOLEAN: {
      uint64_t b = *bit;
      if (b + n > (uint64_t)avail * 8) return short_data(what, err, "BOOLEAN", n);
      uint8_t *o = out;
      for (uint32_t i = 0; i < n; i++, b++) o[i] = (p[b >> 3] >> (b & 7)) & 1;
      *bit = (uint32_t)b;
      /* p stays at the start of the section; the bit cursor moves. */
      return LAGO_OK;
    }
    case PQT_INT32:
    case PQT_FLOAT:
    case PQT_INT64:
    case PQT_DOUBLE:
    case PQT_INT96: {
      size_t w = t == PQT_INT96 ? 12 : (t == PQT_INT64 || t == PQT_DOUBLE) ? 8 : 4;
      if ((uint64_t)n * w > avail) return short_data(what, err, pq_type_name(t), n);
      memcpy(out, p, (size_t)n * w);
      *pp = p + (size_t)n * w;
      return LAGO_OK;
    }
    case PQT_BYTE_ARRAY: {
      lago_str *o = out;
      for (uint32_t i = 0; i < n; i++) {
        if (end - p < 4) return short_data(what, err, "BYTE_ARRAY", n);
        uint32_t len = load_le32(p);
        p += 4;
        if (len > (size_t)(end - p)) return short_data(what, err, "BYTE_ARRAY", n);
        o[i] = str_make((const char *)p, len);
        p += len;
      }
      *pp = p;
      return LAGO_OK;
    }
    case PQT_FIXED_LEN_BYTE_ARRAY: {
      size_t w = (size_t)type_length;
      if (w == 0 || (uint64_t)n * w > avail) return short_data(what, err, "FIXED_LEN_BYTE_ARRAY", n);
      lago_str *o = out;
      for (uint32_t i = 0; i < n; i++, p += w) o[i] = str_make((const char *)p, (uint32_t)w);
      *pp = p;
      return LAGO_OK;
    }
  }
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: unknown physical type %d", what, (int)t);
}

int64_t pq_int96_to_micros(const uint8_t *b) {
  int64_t nanos = (int64_t)load_le64(b);
  int32_t jd = (int32_t)load_le32(b + 8);
  uint64_t days = (uint64_t)((int64_t)jd - 2440588);
  return (int64_t)(days * UINT64_C(86400000000) + (uint64_t)(nanos / 1000));
}

float pq_half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t man = h & 0x3ff;
  uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else { /* subnormal: normalise */
      int e = -1;
      do {
        e++;
        man <<= 1;
      } while (!(man & 0x400));
      bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13); /* inf or NaN (payload kept) */
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
  }
  float f;
  memcpy(&f, &bits, 4);
  return f;
}

/* Big-endian two's complement bytes -> i128; false if it does not fit. */
static bool be_to_i128(const uint8_t *p, uint32_t len, lago_i128 *out) {
  if (len == 0) {
    *out = 0;
    return true;
  }
  uint8_t sign = (p[0] & 0x80) ? 0xff : 0;
  bool stripped = false;
  while (len > 16) { /* leading bytes must be pure sign extension */
    if (p[0] != sign) return false;
    p++;
    len--;
    stripped = true;
  }
  if (stripped && ((p[0] & 0x80) ? 0xff : 0) != sign) return false;
  unsigned __int128 v = sign ? ~(unsigned __int128)0 : 0;
  for (uint32_t i = 0; i < len; i++) v = (v << 8) | p[i];
  *out = (lago_i128)v;
  return true;
}

int pq_convert(pq_conv conv, lago_type type, const void *src, void *dst, uint32_t n, const char *what,
               lago_err *err) {
  switch (conv) {
    case PQV_NONE:
      if (src != dst && n) memmove(dst, src, (size_t)n * type_width(type));
      return LAGO_OK;
    case PQV_I32_I8: {
      const int32_t *s = src;
      int8_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = (int8_t)s[i];
      return LAGO_OK;
    }
    case PQV_I32_I16: {
      const int32_t *s = src;
      int16_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = (int16_t)s[i];
      return LAGO_OK;
    }
    case PQV_I32_I64: {
      const int32_t *s = src;
      int64_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = s[i];
      return LAGO_OK;
    }
    case PQV_I32_I128: {
      const int32_t *s = src;
      lago_i128 *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = s[i];
      return LAGO_OK;
    }
    case PQV_I32_MS_US: {
      const int32_t *s = src;
      int64_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = (int64_t)s[i] * 1000;
      return LAGO_OK;
    }
    case PQV_I64_MS_US: {
      const int64_t *s = src;
      int64_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = (int64_t)((uint64_t)s[i] * 1000u);
      return LAGO_OK;
    }
    case PQV_I64_NS_US: {
      const int64_t *s = src;
      int64_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = s[i] / 1000;
      return LAGO_OK;
    }
    case PQV_I64_I128: {
      const int64_t *s = src;
      lago_i128 *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = s[i];
      return LAGO_OK;
    }
    case PQV_INT96: {
      const uint8_t *s = src;
      int64_t *d = dst;
      for (uint32_t i = 0; i < n; i++) d[i] = pq_int96_to_micros(s + (size_t)i * 12);
      return LAGO_OK;
    }
    case PQV_F16: {
      const lago_str *s = src;
      float *d = dst;
      for (uint32_t i = 0; i < n; i++) {
        lago_str v = s[i];
        if (v.len != 2) return LAGO_ERR(err, LAGO_CORRUPT, "%s: FLOAT16 value of %u bytes", what, v.len);
        d[i] = pq_half_to_float(load_le16(str_data(&v)));
      }
      return LAGO_OK;
    }
    case PQV_DEC64:
    case PQV_DEC128: {
      const lago_str *s = src;
      for (uint32_t i = 0; i < n; i++) {
        lago_str v = s[i];
        lago_i128 x;
        if (!be_to_i128((const uint8_t *)str_data(&v), v.len, &x) ||
            (conv == PQV_DEC64 && (x < INT64_MIN || x > INT64_MAX)))
          return LAGO_ERR(err, LAGO_CORRUPT, "%s: DECIMAL(%u,%u) value of %u bytes does not fit", what,
                          type.precision, type.scale, v.len);
        if (conv == PQV_DEC64) ((int64_t *)dst)[i] = (int64_t)x;
        else memcpy((uint8_t *)dst + (size_t)i * 16, &x, 16);
      }
      return LAGO_OK;
    }
    case PQV_UUID: {
      const lago_str *s = src;
      for (uint32_t i = 0; i < n; i++) {
        lago_str v = s[i];
        if (v.len != 16) return LAGO_ERR(err, LAGO_CORRUPT, "%s: UUID value of %u bytes", what, v.len);
        uint8_t tmp[16];
        memcpy(tmp, str_data(&v), 16);
        memcpy((uint8_t *)dst + (size_t)i * 16, tmp, 16);
      }
      return LAGO_OK;
    }
    case PQV_INTERVAL: {
      const lago_str *s = src;
      lago_interval *d = dst;
      for (uint32_t i = 0; i < n; i++) {
        lago_str v = s[i];
        if (v.len != 12) return LAGO_ERR(err, LAGO_CORRUPT, "%s: INTERVAL value of %u bytes", what, v.len);
        const uint8_t *b = (const uint8_t *)str_data(&v);
        lago_interval iv;
        iv.months = (int32_t)load_le32(b);
        iv.days = (int32_t)load_le32(b + 4);
        iv.micros = (int64_t)load_le32(b + 8) * 1000;
        d[i] = iv;
      }
      return LAGO_OK;
    }
  }
  return LAGO_ERR(err, LAGO_INTERNAL, "%s: unknown conversion %d", what, (int)conv);
}
