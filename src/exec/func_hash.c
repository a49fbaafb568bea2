/*
** exec/func_hash.c: hash functions with Spark's exact values.
**
**   md5(bin) sha1(bin) sha(bin) sha2(bin, bits) -> lower-case hex STRING
**   crc32(bin) -> BIGINT
**   hash(a, b, ...) -> INT         Spark's Murmur3_x86_32, seed 42, folded over the arguments
**   xxhash64(a, b, ...) -> BIGINT  Spark's XXH64, seed 42, folded over the arguments
**
** hash/xxhash64 fold: h = seed; for each argument h = hash(value, h); NULL
** arguments leave h unchanged. Per type (Spark HashExpression): booleans and
** integers up to INT and DATE hash as a 4-byte int; BIGINT and TIMESTAMP as
** an 8-byte long; FLOAT/DOUBLE by their IEEE bits with -0.0 as 0 and NaN
** canonical; DECIMAL with precision <= 18 as the unscaled long, larger ones as
** the big-endian two's-complement bytes of the unscaled value (Java
** BigInteger.toByteArray); strings and binaries by their bytes (Spark's
** Murmur3 hashUnsafeBytes mixes the trailing 1-3 bytes one signed byte at a
** time, unlike reference Murmur3); arrays element by element, maps key then
** value, structs field by field.
** MD5, SHA-1 and SHA-2 follow RFC 1321 and FIPS 180-4 (written here from the
** specifications; no library dependency). crc32 is zlib's.
*/
#include <string.h>
#include <zlib.h>

#include "exec/func.h"
#include "exec/vecops.h"
#include "util/hex.h"

/* ---- Murmur3_x86_32 as Spark ----------------------------------------------------------- */

static inline uint32_t rotl32(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }
static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

static inline uint32_t mm_k1(uint32_t k) {
  k *= 0xcc9e2d51u;
  k = rotl32(k, 15);
  return k * 0x1b873593u;
}
static inline uint32_t mm_h1(uint32_t h, uint32_t k) {
  h ^= k;
  h = rotl32(h, 13);
  return h * 5 + 0xe6546b64u;
}
static inline uint32_t mm_fmix(uint32_t h, uint32_t len) {
  h ^= len;
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}
static uint32_t mm_int(uint32_t v, uint32_t seed) { return mm_fmix(mm_h1(seed, mm_k1(v)), 4); }
static uint32_t mm_long(uint64_t v, uint32_t seed) {
  uint32_t h = mm_h1(seed, mm_k1((uint32_t)v));
  h = mm_h1(h, mm_k1((uint32_t)(v >> 32)));
  return mm_fmix(h, 8);
}
static uint32_t mm_bytes(const uint8_t *p, uint32_t n, uint32_t seed) {
  uint32_t aligned = n - n % 4, h = seed;
  for (uint32_t i = 0; i < aligned; i += 4) {
    uint32_t w;
    memcpy(&w, p + i, 4);
    h = mm_h1(h, mm_k1(w));
  }
  for (uint32_t i = aligned; i < n; i++) h = mm_h1(h, mm_k1((uint32_t)(int32_t)(int8_t)p[i]));
  return mm_fmix(h, n);
}

/* ---- XXH64 as Spark ---------------------------------------------------------------------- */

#define P1 UINT64_C(0x9E3779B185EBCA87)
#define P2 UINT64_C(0xC2B2AE3D27D4EB4F)
#define P3 UINT64_C(0x165667B19E3779F9)
#define P4 UINT64_C(0x85EBCA77C2B2AE63)
#define P5 UINT64_C(0x27D4EB2F165667C5)

static inline uint64_t xx_fmix(uint64_t h) {
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}
static uint64_t xx_int(uint32_t v, uint64_t seed) {
  uint64_t h = seed + P5 + 4;
  h ^= (uint64_t)v * P1;
  h = rotl64(h, 23) * P2 + P3;
  return xx_fmix(h);
}
static uint64_t xx_long(uint64_t v, uint64_t seed) {
  uint64_t h = seed + P5 + 8;
  h ^= rotl64(v * P2, 31) * P1;
  h = rotl64(h, 27) * P1 + P4;
  return xx_fmix(h);
}
static inline uint64_t xx_round(uint64_t acc, uint64_t in) {
  acc += in * P2;
  acc = rotl64(acc, 31);
  return acc * P1;
}
static inline uint64_t xx_merge(uint64_t h, uint64_t v) {
  h ^= xx_round(0, v);
  return h * P1 + P4;
}
static uint64_t xx_bytes(const uint8_t *p, uint32_t n, uint64_t seed) {
  const uint8_t *end = p + n;
  uint64_t h;
  if (n >= 32) {
    uint64_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1;
    const uint8_t *limit = end - 32;
    do {
      uint64_t w[4];
      memcpy(w, p, 32);
      v1 = xx_round(v1, w[0]);
      v2 = xx_round(v2, w[1]);
      v3 = xx_round(v3, w[2]);
      v4 = xx_round(v4, w[3]);
      p += 32;
    } while (p <= limit);
    h = rotl64(v1, 1) + rotl64(v2, 7) + rotl64(v3, 12) + rotl64(v4, 18);
    h = xx_merge(h, v1);
    h = xx_merge(h, v2);
    h = xx_merge(h, v3);
    h = xx_merge(h, v4);
  } else {
    h = seed + P5;
  }
  h += n;
  while (end - p >= 8) {
    uint64_t k;
    memcpy(&k, p, 8);
    h ^= xx_round(0, k);
    h = rotl64(h, 27) * P1 + P4;
    p += 8;
  }
  if (end - p >= 4) {
    uint32_t k;
    memcpy(&k, p, 4);
    h ^= (uint64_t)k * P1;
    h = rotl64(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= (uint64_t)*p * P5;
    h = rotl64(h, 11) * P1;
    p++;
  }
  return xx_fmix(h);
}

/* ---- folding over values ------------------------------------------------------------------ */

typedef struct hasher {
  bool xx;
  uint64_t h; /* murmur uses the low 32 bits */
} hasher;

static void h_int(hasher *hs, uint32_t v) { hs->h = hs->xx ? xx_int(v, hs->h) : mm_int(v, (uint32_t)hs->h); }
static void h_long(hasher *hs, uint64_t v) { hs->h = hs->xx ? xx_long(v, hs->h) : mm_long(v, (uint32_t)hs->h); }
static void h_bytes(hasher *hs, const void *p, uint32_t n) {
  hs->h = hs->xx ? xx_bytes(p, n, hs->h) : mm_bytes(p, n, (uint32_t)hs->h);
}

/* Big-endian minimal two's complement bytes of v (Java BigInteger.toByteArray). */
static int bigint_bytes(lago_i128 v, uint8_t *out) {
  uint8_t be[16];
  unsigned __int128 u = (unsigned __int128)v;
  for (int i = 15; i >= 0; i--) {
    be[i] = (uint8_t)u;
    u >>= 8;
  }
  int start = 0;
  while (start < 15 &&
         ((be[start] == 0x00 && !(be[start + 1] & 0x80)) || (be[start] == 0xFF && (be[start + 1] & 0x80))))
    start++;
  memcpy(out, be + start, (size_t)(16 - start));
  return 16 - start;
}

static void hash_value(hasher *hs, const vec *v, uint32_t row) {
  if (!vec_is_valid(v, row)) return;
  uint32_t idx;
  const vec *p = vec_resolve(v, row, &idx);
  const void *d = p->data;
  switch ((lago_type_id)p->type.id) {
    case LT_BOOLEAN: h_int(hs, ((const uint8_t *)d)[idx] ? 1 : 0); break;
    case LT_TINYINT: h_int(hs, (uint32_t)(int32_t)((const int8_t *)d)[idx]); break;
    case LT_SMALLINT: h_int(hs, (uint32_t)(int32_t)((const int16_t *)d)[idx]); break;
    case LT_INT: case LT_DATE: h_int(hs, (uint32_t)((const int32_t *)d)[idx]); break;
    case LT_UTINYINT: h_int(hs, ((const uint8_t *)d)[idx]); break;
    case LT_USMALLINT: h_int(hs, ((const uint16_t *)d)[idx]); break;
    case LT_UINT: h_long(hs, ((const uint32_t *)d)[idx]); break;
    case LT_BIGINT: case LT_UBIGINT: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ: case LT_TIMESTAMP_NS:
    case LT_TIME: case LT_TIME_UTC: h_long(hs, ((const uint64_t *)d)[idx]); break;
    case LT_FLOAT: {
      float f = ((const float *)d)[idx];
      uint32_t bits;
      if (f == 0) bits = 0;
      else if (f != f) bits = 0x7fc00000u;
      else memcpy(&bits, &f, 4);
      h_int(hs, bits);
      break;
    }
    case LT_DOUBLE: {
      double f = ((const double *)d)[idx];
      uint64_t bits;
      if (f == 0) bits = 0;
      else if (f != f) bits = UINT64_C(0x7ff8000000000000);
      else memcpy(&bits, &f, 8);
      h_long(hs, bits);
      break;
    }
    case LT_DECIMAL:
      if (p->type.precision <= 18) {
        h_long(hs, (uint64_t)dec_load(d, idx, type_decimal_is_wide(p->type)));
      } else {
        uint8_t b[16];
        int n = bigint_bytes(dec_load(d, idx, true), b);
        h_bytes(hs, b, (uint32_t)n);
      }
      break;
    case LT_STRING: case LT_BINARY: {
      const lago_str *s = (const lago_str *)d + idx;
      h_bytes(hs, str_data(s), s->len);
      break;
    }
    case LT_UUID: h_bytes(hs, (const uint8_t *)d + (size_t)idx * 16, 16); break;
    case LT_INTERVAL: {
      const lago_interval *iv = (const lago_interval *)d + idx;
      h_int(hs, (uint32_t)iv->months);
      h_int(hs, (uint32_t)iv->days);
      h_long(hs, (uint64_t)iv->micros);
      break;
    }
    case LT_ARRAY: {
      lago_list l = ((const lago_list *)d)[idx];
      for (uint32_t k = 0; k < l.length; k++) hash_value(hs, p->child, l.offset + k);
      break;
    }
    case LT_MAP: {
      lago_list l = ((const lago_list *)d)[idx];
      for (uint32_t k = 0; k < l.length; k++) {
        hash_value(hs, p->child->fields[0], l.offset + k);
        hash_value(hs, p->child->fields[1], l.offset + k);
      }
      break;
    }
    case LT_STRUCT:
      for (uint32_t f = 0; f < type_n_fields(p->type); f++) hash_value(hs, p->fields[f], idx);
      break;
    case LT_NULL: case LT_INVALID: case LT__COUNT: break;
  }
}

static int k_spark_hash(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  bool xx = *(const char *)c->e->u.call.def->info == 'x';
  EVAL_FOR(sel, n, r, {
    hasher hs = {xx, 42};
    for (uint32_t k = 0; k < c->e->n_args; k++) hash_value(&hs, args[k], r);
    if (xx) ((int64_t *)out->data)[r] = (int64_t)hs.h;
    else ((int32_t *)out->data)[r] = (int32_t)(uint32_t)hs.h;
  });
  return LAGO_OK;
}

static int bind_any_hash(func_bind *b, lago_err *err) {
  (void)err;
  b->ret = type_make(*(const char *)b->def->info == 'x' ? LT_BIGINT : LT_INT);
  return LAGO_OK;
}

/* ---- MD5 (RFC 1321) --------------------------------------------------------------------------- */

static const uint32_t k_md5_k[64] = {
    0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
    0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
    0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
    0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
    0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
    0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
    0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
    0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
static const int k_md5_s[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};

/* Block at byte offset off of the padded message: blk is 64 or 128 bytes; the
** length field is 8 or 16 bytes, big-endian unless le (MD5). */
static void pad_block(const uint8_t *msg, size_t len, size_t blk, size_t off, bool le, uint8_t *out) {
  size_t lenf = blk == 64 ? 8 : 16;
  size_t total = ((len + lenf) / blk + 1) * blk;
  uint64_t bits = (uint64_t)len * 8;
  for (size_t i = 0; i < blk; i++) {
    size_t j = off + i;
    out[i] = j < len ? msg[j] : j == len ? 0x80 : 0;
  }
  if (off + blk == total)
    for (int i = 0; i < 8; i++) {
      if (le) out[blk - 8 + (size_t)i] = (uint8_t)(bits >> (8 * i));
      else out[blk - 1 - (size_t)i] = (uint8_t)(bits >> (8 * i));
    }
}
static size_t padded_len(size_t len, size_t blk) { return ((len + (blk == 64 ? 8 : 16)) / blk + 1) * blk; }

static void md5(const uint8_t *msg, size_t len, uint8_t out[16]) {
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  size_t total = padded_len(len, 64);
  for (size_t off = 0; off < total; off += 64) {
    uint8_t blk[64];
    pad_block(msg, len, 64, off, true, blk);
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8 | (uint32_t)blk[4 * i + 2] << 16 |
             (uint32_t)blk[4 * i + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
      uint32_t f;
      int g;
      if (i < 16) f = (b & c) | (~b & d), g = i;
      else if (i < 32) f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
      else if (i < 48) f = b ^ c ^ d, g = (3 * i + 5) % 16;
      else f = c ^ (b | ~d), g = (7 * i) % 16;
      uint32_t t = d;
      d = c;
      c = b;
      b = b + rotl32(a + f + k_md5_k[i] + w[g], k_md5_s[i]);
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
  }
  for (int i = 0; i < 4; i++)
    for (int k = 0; k < 4; k++) out[4 * i + k] = (uint8_t)(h[i] >> (8 * k));
}

/* ---- SHA-1 and SHA-2 (FIPS 180-4) -------------------------------------------------------------- */

static void sha1(const uint8_t *msg, size_t len, uint8_t out[20]) {
  uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  size_t total = padded_len(len, 64);
  for (size_t off = 0; off < total; off += 64) {
    uint8_t blk[64];
    pad_block(msg, len, 64, off, false, blk);
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 | (uint32_t)blk[4 * i + 2] << 8 |
             blk[4 * i + 3];
    for (int i = 16; i < 80; i++) w[i] = rotl32(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int i = 0; i < 80; i++) {
      uint32_t f, k;
      if (i < 20) f = (b & c) | (~b & d), k = 0x5A827999;
      else if (i < 40) f = b ^ c ^ d, k = 0x6ED9EBA1;
      else if (i < 60) f = (b & c) | (b & d) | (c & d), k = 0x8F1BBCDC;
      else f = b ^ c ^ d, k = 0xCA62C1D6;
      uint32_t t = rotl32(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = rotl32(b, 30);
      b = a;
      a = t;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  for (int i = 0; i < 5; i++)
    for (int k = 0; k < 4; k++) out[4 * i + k] = (uint8_t)(h[i] >> (24 - 8 * k));
}

static inline uint32_t rotr32(uint32_t x, int r) { return (x >> r) | (x << (32 - r)); }
static inline uint64_t rotr64(uint64_t x, int r) { return (x >> r) | (x << (64 - r)); }

static const uint32_t k_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static void sha256(const uint8_t *msg, size_t len, bool is224, uint8_t *out) {
  static const uint32_t h256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  static const uint32_t h224[8] = {0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939,
                                   0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4};
  uint32_t h[8];
  memcpy(h, is224 ? h224 : h256, sizeof h);
  size_t total = padded_len(len, 64);
  for (size_t off = 0; off < total; off += 64) {
    uint8_t blk[64];
    pad_block(msg, len, 64, off, false, blk);
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
      w[i] = (uint32_t)blk[4 * i] << 24 | (uint32_t)blk[4 * i + 1] << 16 | (uint32_t)blk[4 * i + 2] << 8 |
             blk[4 * i + 3];
    for (int i = 16; i < 64; i++) {
      uint32_t s0 = rotr32(w[i - 15], 7) ^ rotr32(w[i - 15], 18) ^ (w[i - 15] >> 3);
      uint32_t s1 = rotr32(w[i - 2], 17) ^ rotr32(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t v[8];
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 64; i++) {
      uint32_t S1 = rotr32(v[4], 6) ^ rotr32(v[4], 11) ^ rotr32(v[4], 25), ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      uint32_t t1 = v[7] + S1 + ch + k_sha256_k[i] + w[i];
      uint32_t S0 = rotr32(v[0], 2) ^ rotr32(v[0], 13) ^ rotr32(v[0], 22);
      uint32_t mj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      memmove(v + 1, v, 7 * sizeof v[0]);
      v[4] += t1;
      v[0] = t1 + S0 + mj;
    }
    for (int i = 0; i < 8; i++) h[i] += v[i];
  }
  int words = is224 ? 7 : 8;
  for (int i = 0; i < words; i++)
    for (int k = 0; k < 4; k++) out[4 * i + k] = (uint8_t)(h[i] >> (24 - 8 * k));
}

static const uint64_t k_sha512_k[80] = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL, 0xe9b5dba58189dbbcULL,
    0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL, 0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL,
    0xd807aa98a3030242ULL, 0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL, 0xc19bf174cf692694ULL,
    0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL, 0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL,
    0x2de92c6f592b0275ULL, 0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL, 0xbf597fc7beef0ee4ULL,
    0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL, 0x06ca6351e003826fULL, 0x142929670a0e6e70ULL,
    0x27b70a8546d22ffcULL, 0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL, 0x92722c851482353bULL,
    0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL, 0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL,
    0xd192e819d6ef5218ULL, 0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL, 0x34b0bcb5e19b48a8ULL,
    0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL, 0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL,
    0x748f82ee5defb2fcULL, 0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL, 0xc67178f2e372532bULL,
    0xca273eceea26619cULL, 0xd186b8c721c0c207ULL, 0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL,
    0x06f067aa72176fbaULL, 0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL, 0x431d67c49c100d4cULL,
    0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL, 0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};

static void sha512(const uint8_t *msg, size_t len, bool is384, uint8_t *out) {
  static const uint64_t h512[8] = {0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
                                   0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
                                   0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};
  static const uint64_t h384[8] = {0xcbbb9d5dc1059ed8ULL, 0x629a292a367cd507ULL, 0x9159015a3070dd17ULL,
                                   0x152fecd8f70e5939ULL, 0x67332667ffc00b31ULL, 0x8eb44a8768581511ULL,
                                   0xdb0c2e0d64f98fa7ULL, 0x47b5481dbefa4fa4ULL};
  uint64_t h[8];
  memcpy(h, is384 ? h384 : h512, sizeof h);
  size_t total = padded_len(len, 128);
  for (size_t off = 0; off < total; off += 128) {
    uint8_t blk[128];
    pad_block(msg, len, 128, off, false, blk);
    uint64_t w[80];
    for (int i = 0; i < 16; i++) {
      uint64_t v = 0;
      for (int k = 0; k < 8; k++) v = v << 8 | blk[8 * i + k];
      w[i] = v;
    }
    for (int i = 16; i < 80; i++) {
      uint64_t s0 = rotr64(w[i - 15], 1) ^ rotr64(w[i - 15], 8) ^ (w[i - 15] >> 7);
      uint64_t s1 = rotr64(w[i - 2], 19) ^ rotr64(w[i - 2], 61) ^ (w[i - 2] >> 6);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint64_t v[8];
    memcpy(v, h, sizeof v);
    for (int i = 0; i < 80; i++) {
      uint64_t S1 = rotr64(v[4], 14) ^ rotr64(v[4], 18) ^ rotr64(v[4], 41), ch = (v[4] & v[5]) ^ (~v[4] & v[6]);
      uint64_t t1 = v[7] + S1 + ch + k_sha512_k[i] + w[i];
      uint64_t S0 = rotr64(v[0], 28) ^ rotr64(v[0], 34) ^ rotr64(v[0], 39);
      uint64_t mj = (v[0] & v[1]) ^ (v[0] & v[2]) ^ (v[1] & v[2]);
      memmove(v + 1, v, 7 * sizeof v[0]);
      v[4] += t1;
      v[0] = t1 + S0 + mj;
    }
    for (int i = 0; i < 8; i++) h[i] += v[i];
  }
  int words = is384 ? 6 : 8;
  for (int i = 0; i < words; i++)
    for (int k = 0; k < 8; k++) out[8 * i + k] = (uint8_t)(h[i] >> (56 - 8 * k));
}

/* ---- digest kernels ---------------------------------------------------------------------------- */

static int put_hex(vec *out, uint32_t r, const uint8_t *d, int n) {
  char *p = arena_alloc(out->ar, (size_t)n * 2);
  if (!p) return LAGO_NOMEM;
  hex_encode(p, d, (size_t)n, 0);
  VEC_DATA(out, lago_str)[r] = str_make(p, (uint32_t)n * 2);
  return LAGO_OK;
}

/* info: '5' md5, '1' sha1, 's' sha2(bits) */
static int k_digest(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  char m = *(const char *)c->e->u.call.def->info;
  vec_view a, bits;
  vec_view_init(&a, args[0]);
  if (m == 's') vec_view_init(&bits, args[1]);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t r = sel ? sel[i] : i;
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = &((const lago_str *)a.data)[VIEW_IDX(&a, r)];
    const uint8_t *p = (const uint8_t *)str_data(s);
    uint8_t d[64];
    int dn;
    if (m == '5') {
      md5(p, s->len, d);
      dn = 16;
    } else if (m == '1') {
      sha1(p, s->len, d);
      dn = 20;
    } else {
      int32_t b = ((const int32_t *)bits.data)[VIEW_IDX(&bits, r)];
      if (b == 0 || b == 256) {
        sha256(p, s->len, false, d);
        dn = 32;
      } else if (b == 224) {
        sha256(p, s->len, true, d);
        dn = 28;
      } else if (b == 384) {
        sha512(p, s->len, true, d);
        dn = 48;
      } else if (b == 512) {
        sha512(p, s->len, false, d);
        dn = 64;
      } else {
        TRY(vec_set_null(out, r)); /* Spark: an unsupported bit length gives NULL */
        continue;
      }
    }
    if (put_hex(out, r, d, dn)) return LAGO_NOMEM_ERR(c->ec->err);
  }
  return LAGO_OK;
}

static int k_crc32(fn_call *c, vec **args, const uint32_t *sel, uint32_t n, vec *out) {
  (void)c;
  vec_view a;
  vec_view_init(&a, args[0]);
  EVAL_FOR(sel, n, r, {
    if (!FN_ROW_VALID(out, r)) continue;
    const lago_str *s = &((const lago_str *)a.data)[VIEW_IDX(&a, r)];
    ((int64_t *)out->data)[r] = (int64_t)crc32(0L, (const Bytef *)str_data(s), s->len);
  });
  return LAGO_OK;
}

const func_def func_defs_hash[] = {
    {"md5", 1, 1, 0, func_bind_sig, k_digest, SIG(LT_STRING, LT_BINARY), "5"},
    {"sha1", 1, 1, 0, func_bind_sig, k_digest, SIG(LT_STRING, LT_BINARY), "1"},
    {"sha", 1, 1, 0, func_bind_sig, k_digest, SIG(LT_STRING, LT_BINARY), "1"},
    {"sha2", 2, 2, 0, func_bind_sig, k_digest, SIG(LT_STRING, LT_BINARY, LT_INT), "s"},
    {"crc32", 1, 1, 0, func_bind_sig, k_crc32, SIG(LT_BIGINT, LT_BINARY), NULL},
    {"hash", 1, -1, FN_NULLS, bind_any_hash, k_spark_hash, {0}, "m"},
    {"xxhash64", 1, -1, FN_NULLS, bind_any_hash, k_spark_hash, {0}, "x"},
    {NULL, 0, 0, 0, NULL, NULL, {0}, NULL},
};
