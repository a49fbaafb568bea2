/*
** format/parquet/encode_dict.c: the dictionary of a column chunk being
** written (Parquet dictionary encoding: a PLAIN dictionary page, then data
** pages of RLE_DICTIONARY indexes).
**
** Entries are stored once, already PLAIN-encoded, in `plain`, which is
** written out unchanged as the dictionary page body:
**   fixed width w:  entry i at plain[i*w .. i*w+w)
**   BYTE_ARRAY:     u32 length (LE) | bytes, entry i starting at offs[i]
** An open-addressing hash table (linear probing, load <= 1/2) maps values to
** entry indexes; entries are compared bit for bit (so -0.0 and 0.0, or two
** NaN payloads, are different entries, as they must be to round-trip).
** write_column.c decides when the dictionary stops paying and falls back.
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/alloc.h"
#include "util/bits.h"

void pqw_dict_init(pqw_dict *d, int width) {
  memset(d, 0, sizeof *d);
  d->width = width;
  buf_init(&d->plain);
}

void pqw_dict_deinit(pqw_dict *d) {
  buf_deinit(&d->plain);
  mem_free(d->offs);
  mem_free(d->hashes);
  mem_free(d->slots);
  memset(d, 0, sizeof *d);
}

void pqw_dict_reset(pqw_dict *d) {
  d->n = 0;
  buf_clear(&d->plain);
  if (d->slots) memset(d->slots, 0, (size_t)d->n_slots * sizeof *d->slots);
}

static inline uint32_t fin(uint64_t h) {
  h ^= h >> 32;
  h *= 0xd6e8feb86659fd93ULL;
  h ^= h >> 32;
  return (uint32_t)h;
}

static inline uint64_t step(uint64_t h, uint64_t w) { return ((h << 5 | h >> 59) ^ w) * 0x9e3779b97f4a7c15ULL; }

static uint32_t hash_bytes(const uint8_t *p, size_t n) {
  uint64_t h = n;
  while (n >= 8) {
    h = step(h, load_le64(p));
    p += 8;
    n -= 8;
  }
  if (n) {
    uint64_t w = 0;
    memcpy(&w, p, n);
    h = step(h, w);
  }
  return fin(h);
}

static int grow_entries(pqw_dict *d) {
  if (d->n < d->cap) return LAGO_OK;
  uint32_t cap = d->cap ? d->cap * 2 : 256;
  if (cap < d->cap) return LAGO_NOMEM;
  uint32_t *h = mem_realloc(d->hashes, (size_t)cap * sizeof *h);
  if (!h) return LAGO_NOMEM;
  d->hashes = h;
  if (d->width == 0) {
    uint32_t *o = mem_realloc(d->offs, (size_t)cap * sizeof *o);
    if (!o) return LAGO_NOMEM;
    d->offs = o;
  }
  d->cap = cap;
  return LAGO_OK;
}

/* Keeps the table at most half full. */
static int grow_slots(pqw_dict *d) {
  if ((uint64_t)(d->n + 1) * 2 <= d->n_slots) return LAGO_OK;
  uint32_t ns = d->n_slots ? d->n_slots * 2 : 1024;
  if (ns < d->n_slots) return LAGO_NOMEM;
  uint32_t *s = mem_calloc(ns, sizeof *s);
  if (!s) return LAGO_NOMEM;
  uint32_t mask = ns - 1;
  for (uint32_t e = 0; e < d->n; e++) {
    uint32_t k = d->hashes[e] & mask;
    while (s[k]) k = (k + 1) & mask;
    s[k] = e + 1;
  }
  mem_free(d->slots);
  d->slots = s;
  d->n_slots = ns;
  return LAGO_OK;
}

/* Adds a new entry whose PLAIN bytes are p[0..n) at slot k. */
static int add_entry(pqw_dict *d, uint32_t k, uint32_t h, const void *p, size_t n, uint32_t *out) {
  TRY(grow_entries(d));
  uint32_t e = d->n;
  if (d->width == 0) {
    if (d->plain.len > UINT32_MAX - 4 - n) return LAGO_NOMEM; /* the caller caps dictionaries far below */
    d->offs[e] = (uint32_t)d->plain.len;
    uint8_t len[4];
    store_le32(len, (uint32_t)n);
    TRY(buf_reserve(&d->plain, 4 + n));
    buf_append(&d->plain, len, 4);
    buf_append(&d->plain, p, n);
  } else {
    TRY(buf_append(&d->plain, p, n));
  }
  d->hashes[e] = h;
  d->slots[k] = e + 1;
  d->n++;
  *out = e;
  return LAGO_OK;
}

int pqw_dict_put_fixed(pqw_dict *d, const uint8_t *vals, size_t n, uint32_t *idx) {
  size_t w = (size_t)d->width;
  for (size_t i = 0; i < n; i++) {
    const uint8_t *v = vals + i * w;
    uint32_t h;
    if (w == 8) h = fin(load_le64(v) * 0x9e3779b97f4a7c15ULL);
    else if (w == 4) h = fin(load_le32(v) * 0x9e3779b97f4a7c15ULL);
    else h = hash_bytes(v, w);
    if (!d->slots || (uint64_t)(d->n + 1) * 2 > d->n_slots) TRY(grow_slots(d));
    uint32_t mask = d->n_slots - 1, k = h & mask, s;
    const uint8_t *base = (const uint8_t *)d->plain.data;
    for (;;) {
      s = d->slots[k];
      if (!s) break;
      uint32_t e = s - 1;
      if (d->hashes[e] == h && memcmp(base + (size_t)e * w, v, w) == 0) break;
      k = (k + 1) & mask;
    }
    if (s) idx[i] = s - 1;
    else TRY(add_entry(d, k, h, v, w, &idx[i]));
  }
  return LAGO_OK;
}

int pqw_dict_put_strs(pqw_dict *d, const lago_str *vals, size_t n, uint32_t *idx) {
  for (size_t i = 0; i < n; i++) {
    const uint8_t *p = (const uint8_t *)str_data(&vals[i]);
    uint32_t len = vals[i].len;
    uint32_t h = hash_bytes(p, len);
    if (!d->slots || (uint64_t)(d->n + 1) * 2 > d->n_slots) TRY(grow_slots(d));
    uint32_t mask = d->n_slots - 1, k = h & mask, s;
    const uint8_t *base = (const uint8_t *)d->plain.data;
    for (;;) {
      s = d->slots[k];
      if (!s) break;
      uint32_t e = s - 1;
      if (d->hashes[e] == h && load_le32(base + d->offs[e]) == len && memcmp(base + d->offs[e] + 4, p, len) == 0)
        break;
      k = (k + 1) & mask;
    }
    if (s) idx[i] = s - 1;
    else TRY(add_entry(d, k, h, p, len, &idx[i]));
  }
  return LAGO_OK;
}
