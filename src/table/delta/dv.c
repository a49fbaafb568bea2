/*
** table/delta/dv.c: deletion vectors: Z85, RoaringBitmapArray decode and
** encode, DV files (formats drawn in dv.h and src/table/README.md).
**
** Everything read here is untrusted: every count is checked against the
** bytes left before anything is allocated or read, containers must be in
** ascending key order (so the decoded rows come out sorted), and the DV
** file's size field, CRC-32 and the descriptor's cardinality must agree.
** Fuzzed by tests/fuzz/fuzz_delta_dv.c.
*/
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "table/delta/delta_int.h"
#include "table/delta/dv.h"
#include "util/alloc.h"
#include "util/bits.h"

/* ---- Z85 ---------------------------------------------------------------- */

/* Value of a Z85 character, -1 if it is not one (DV strings are short: a search is enough, and
** unlike a lazily built table it is safe when scan threads decode DVs at the same time). */
static int8_t z85_value(unsigned char c) {
  const char *p = c ? memchr(Z85_ALPHABET, c, 85) : NULL;
  return p ? (int8_t)(p - Z85_ALPHABET) : -1;
}

int z85_decode(const char *s, size_t n, uint8_t *out, lago_err *err) {
  if (n % 5) return LAGO_ERR(err, LAGO_CORRUPT, "Z85 text length %zu is not a multiple of 5", n);
  for (size_t i = 0; i < n; i += 5) {
    /* A group can never start with '#' in standard Z85 (84 * 85^4 > 2^32). The Rust z85 crate
       (used by delta-rs / kernel-rs writers, e.g. kr-cdf-table-with-dv) marks a short last group
       with k leading '#': its value holds 4-k bytes, right-aligned. */
    size_t pad = 0;
    if (i + 5 == n)
      while (pad < 3 && s[i + pad] == '#') pad++;
    uint64_t v = 0;
    for (size_t k = 0; k < 5; k++) {
      int8_t d = k < pad ? 0 : z85_value((unsigned char)s[i + k]);
      if (d < 0) return LAGO_ERR(err, LAGO_CORRUPT, "Z85: bad character 0x%02x at offset %zu", (unsigned char)s[i + k], i + k);
      v = v * 85 + (uint64_t)d;
    }
    /* Groups above 2^32-1 are not valid Z85, but Delta's (JVM) decoder keeps the low 32 bits;
       do the same (only the bytes within sizeInBytes are used, and the bitmap is validated). */
    uint8_t g[4];
    store_be32(g, (uint32_t)v);
    uint8_t *o = out + i / 5 * 4;
    memset(o, 0, 4);
    memcpy(o, g + pad, 4 - pad);
  }
  return LAGO_OK;
}

void z85_encode(const uint8_t *p, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0; i + 4 <= n; i += 4) {
    uint32_t v = load_be32(p + i);
    char g[5];
    for (int k = 4; k >= 0; k--) {
      g[k] = Z85_ALPHABET[v % 85];
      v /= 85;
    }
    memcpy(out + o, g, 5);
    o += 5;
  }
  out[o] = 0;
}

/* ---- RoaringBitmapArray ------------------------------------------------- */

typedef struct rd {
  const uint8_t *p;
  size_t n, pos;
  const char *what;
  lago_err *err;
} rd;

static int need(rd *r, size_t k, const char *field) {
  if (r->n - r->pos < k)
    return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: truncated at byte %zu reading %s (%zu bytes total)",
                    r->what, r->pos, field, r->n);
  return LAGO_OK;
}

/*
** Where decoded rows go: a row list growing in an arena (rows are appended
** in ascending order), or, when bits is set, a bitset (bit r of word r/64)
** growing to cover the highest row seen (cap counts bits then).
*/
typedef struct rowbuf {
  arena *ar;
  bool bits;
  uint64_t *rows;
  uint64_t n, cap;
} rowbuf;

static int rows_reserve(rowbuf *b, uint64_t more) {
  if (b->bits || b->cap - b->n >= more) return LAGO_OK;
  uint64_t nc = b->cap ? b->cap : 64;
  while (nc - b->n < more) nc *= 2;
  if (nc > SIZE_MAX / 8) return LAGO_NOMEM;
  uint64_t *nr = arena_realloc(b->ar, b->rows, (size_t)b->cap * 8, (size_t)nc * 8);
  if (!nr) return LAGO_NOMEM;
  b->rows = nr;
  b->cap = nc;
  return LAGO_OK;
}

/* Makes a bitset cover rows up to `last`: whole 64Ki-row containers, growing by at least half. */
static int bits_cover(rowbuf *b, uint64_t last) {
  if (last < b->cap) return LAGO_OK;
  if (last >> 32) return LAGO_UNSUPPORTED; /* 4G rows in one data file: not a file a scan meets */
  uint64_t nc = (last | 0xffff) + 1;
  if (nc < b->cap + b->cap / 2) nc = (b->cap + b->cap / 2 + 0xffff) & ~(uint64_t)0xffff;
  if (nc / 8 > SIZE_MAX / 2) return LAGO_NOMEM;
  uint64_t *nw = arena_realloc(b->ar, b->rows, (size_t)(b->cap / 8), (size_t)(nc / 8));
  if (!nw) return LAGO_NOMEM;
  memset((uint8_t *)nw + b->cap / 8, 0, (size_t)((nc - b->cap) / 8));
  b->rows = nw;
  b->cap = nc;
  return LAGO_OK;
}

/* Appends row (rows come in ascending order; list mode: room reserved by rows_reserve). */
static inline void rows_put(rowbuf *b, uint64_t row) {
  if (b->bits) b->rows[row >> 6] |= (uint64_t)1 << (row & 63);
  else b->rows[b->n] = row;
  b->n++;
}

static int decode_roaring32(rd *r, uint64_t high, rowbuf *out) {
  TRY(need(r, 4, "roaring cookie"));
  uint32_t cookie = load_le32(r->p + r->pos);
  r->pos += 4;
  uint32_t n_cont;
  const uint8_t *runbits = NULL;
  bool offsets;
  if ((cookie & 0xffff) == 12347) {
    n_cont = (cookie >> 16) + 1;
    size_t rb = (n_cont + 7) / 8;
    TRY(need(r, rb, "run bitset"));
    runbits = r->p + r->pos;
    r->pos += rb;
    offsets = n_cont >= 4;
  } else if (cookie == 12346) {
    TRY(need(r, 4, "container count"));
    n_cont = load_le32(r->p + r->pos);
    r->pos += 4;
    offsets = true;
  } else {
    return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: bad roaring cookie %u at byte %zu", r->what, cookie,
                    r->pos - 4);
  }
  if (n_cont > 65536)
    return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: %u roaring containers (max 65536)", r->what, n_cont);
  TRY(need(r, (size_t)n_cont * 4, "container headers"));
  const uint8_t *hdr = r->p + r->pos;
  r->pos += (size_t)n_cont * 4;
  if (offsets) {
    TRY(need(r, (size_t)n_cont * 4, "container offsets"));
    r->pos += (size_t)n_cont * 4;
  }
  int prev_key = -1;
  for (uint32_t c = 0; c < n_cont; c++) {
    uint32_t key = load_le16(hdr + c * 4);
    uint32_t card = (uint32_t)load_le16(hdr + c * 4 + 2) + 1;
    if ((int)key <= prev_key)
      return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: roaring container keys not ascending (%u after %d)",
                      r->what, key, prev_key);
    prev_key = (int)key;
    uint64_t base = high << 32 | (uint64_t)key << 16;
    if (out->bits) {
      int brc = bits_cover(out, base | 0xffff);
      if (brc == LAGO_UNSUPPORTED)
        return LAGO_ERR(r->err, LAGO_UNSUPPORTED, "deletion vector %s: row position %llu is past 2^32 rows", r->what,
                        (unsigned long long)base);
      if (brc) return LAGO_NOMEM_ERR(r->err);
    }
    bool is_run = runbits && (runbits[c / 8] >> (c % 8) & 1);
    if (is_run) {
      TRY(need(r, 2, "run count"));
      uint32_t n_runs = load_le16(r->p + r->pos);
      r->pos += 2;
      TRY(need(r, (size_t)n_runs * 4, "runs"));
      int64_t last = -1;
      for (uint32_t k = 0; k < n_runs; k++) {
        uint32_t start = load_le16(r->p + r->pos + k * 4), len = (uint32_t)load_le16(r->p + r->pos + k * 4 + 2) + 1;
        if ((int64_t)start <= last || start + len > 65536)
          return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: bad run [%u, +%u) in container %u", r->what,
                          start, len, c);
        if (rows_reserve(out, len)) return LAGO_NOMEM_ERR(r->err);
        for (uint32_t v = start; v < start + len; v++) rows_put(out, base | v);
        last = (int64_t)(start + len - 1);
      }
      r->pos += (size_t)n_runs * 4;
    } else if (card <= 4096) {
      TRY(need(r, (size_t)card * 2, "array container"));
      if (rows_reserve(out, card)) return LAGO_NOMEM_ERR(r->err);
      int64_t last = -1;
      for (uint32_t k = 0; k < card; k++) {
        uint32_t v = load_le16(r->p + r->pos + k * 2);
        if ((int64_t)v <= last)
          return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: array container %u not ascending", r->what, c);
        last = v;
        rows_put(out, base | v);
      }
      r->pos += (size_t)card * 2;
    } else {
      TRY(need(r, 8192, "bitmap container"));
      if (rows_reserve(out, card)) return LAGO_NOMEM_ERR(r->err);
      uint32_t got = 0;
      for (uint32_t w = 0; w < 1024; w++) {
        uint64_t word = load_le64(r->p + r->pos + w * 8);
        while (word) {
          uint32_t bit = (uint32_t)__builtin_ctzll(word);
          word &= word - 1;
          if (got == card) goto bad_card;
          rows_put(out, base | (w * 64 + bit));
          got++;
        }
      }
      if (got != card) {
      bad_card:
        return LAGO_ERR(r->err, LAGO_CORRUPT, "deletion vector %s: bitmap container %u cardinality mismatch (header %u)",
                        r->what, c, card);
      }
      r->pos += 8192;
    }
  }
  return LAGO_OK;
}

/* Parses a RoaringBitmapArray into rb. */
static int decode_into(const uint8_t *data, size_t n, rowbuf *rb, const char *what, lago_err *err) {
  rd r = {data, n, 0, what, err};
  TRY(need(&r, 12, "header"));
  uint32_t magic = load_le32(data);
  if (magic != DV_MAGIC)
    return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector %s: bad magic %u (want %u)", what, magic, DV_MAGIC);
  uint64_t n_buckets = load_le64(data + 4);
  r.pos = 12;
  if (n_buckets > (n - 12) / 8)
    return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector %s: %llu buckets in %zu bytes", what,
                    (unsigned long long)n_buckets, n);
  int64_t prev = -1;
  for (uint64_t b = 0; b < n_buckets; b++) {
    TRY(need(&r, 4, "bucket key"));
    uint32_t key = load_le32(data + r.pos);
    r.pos += 4;
    if ((int64_t)key <= prev || key > 0x7fffffffu)
      return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector %s: bucket key %u out of order or too large", what, key);
    prev = key;
    TRY(decode_roaring32(&r, key, rb));
  }
  if (r.pos != n)
    return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector %s: %zu trailing bytes after the bitmap", what, n - r.pos);
  return LAGO_OK;
}

int dv_bitmap_decode(const uint8_t *data, size_t n, arena *ar, dv_rows *out, const char *what, lago_err *err) {
  rowbuf rb = {ar, false, NULL, 0, 0};
  TRY(decode_into(data, n, &rb, what, err));
  out->rows = rb.rows;
  out->n = rb.n;
  return LAGO_OK;
}

static int put_u16(buf *o, uint32_t v) {
  uint8_t b[2];
  store_le16(b, (uint16_t)v);
  return buf_append(o, b, 2);
}
static int put_u32(buf *o, uint32_t v) {
  uint8_t b[4];
  store_le32(b, v);
  return buf_append(o, b, 4);
}

int dv_bitmap_encode(const uint64_t *rows, uint64_t n, buf *out) {
  TRY(put_u32(out, DV_MAGIC));
  /* count buckets (distinct high 32 bits) */
  uint64_t n_buckets = 0;
  for (uint64_t i = 0; i < n; i++)
    if (i == 0 || rows[i] >> 32 != rows[i - 1] >> 32) n_buckets++;
  uint8_t b8[8];
  store_le64(b8, n_buckets);
  TRY(buf_append(out, b8, 8));
  uint64_t i = 0;
  while (i < n) {
    uint32_t high = (uint32_t)(rows[i] >> 32);
    uint64_t end = i;
    while (end < n && rows[end] >> 32 == high) end++;
    TRY(put_u32(out, high));
    /* containers of this bucket */
    uint32_t n_cont = 0;
    for (uint64_t k = i; k < end; k++)
      if (k == i || (rows[k] >> 16 & 0xffff) != (rows[k - 1] >> 16 & 0xffff)) n_cont++;
    TRY(put_u32(out, 12346));
    TRY(put_u32(out, n_cont));
    /* headers */
    uint32_t offset = 8 + n_cont * 8;
    for (uint64_t k = i; k < end;) {
      uint32_t key = (uint32_t)(rows[k] >> 16 & 0xffff);
      uint64_t e = k;
      while (e < end && (uint32_t)(rows[e] >> 16 & 0xffff) == key) e++;
      TRY(put_u16(out, key));
      TRY(put_u16(out, (uint32_t)(e - k - 1)));
      k = e;
    }
    for (uint64_t k = i; k < end;) {
      uint32_t key = (uint32_t)(rows[k] >> 16 & 0xffff);
      uint64_t e = k;
      while (e < end && (uint32_t)(rows[e] >> 16 & 0xffff) == key) e++;
      TRY(put_u32(out, offset));
      offset += e - k <= 4096 ? (uint32_t)(e - k) * 2 : 8192;
      k = e;
    }
    for (uint64_t k = i; k < end;) {
      uint32_t key = (uint32_t)(rows[k] >> 16 & 0xffff);
      uint64_t e = k;
      while (e < end && (uint32_t)(rows[e] >> 16 & 0xffff) == key) e++;
      if (e - k <= 4096) {
        for (uint64_t j = k; j < e; j++) TRY(put_u16(out, (uint32_t)(rows[j] & 0xffff)));
      } else {
        uint64_t words[1024];
        memset(words, 0, sizeof words);
        for (uint64_t j = k; j < e; j++) {
          uint32_t v = (uint32_t)(rows[j] & 0xffff);
          words[v >> 6] |= (uint64_t)1 << (v & 63);
        }
        for (int w = 0; w < 1024; w++) {
          store_le64(b8, words[w]);
          TRY(buf_append(out, b8, 8));
        }
      }
      k = e;
    }
    i = end;
  }
  return LAGO_OK;
}

/* ---- descriptors and files ---------------------------------------------- */

const char *delta_dv_unique_id(arena *ar, const delta_dv *dv) {
  if (!dv->storage_type) return arena_strdup(ar, "");
  if (dv->offset >= 0) return arena_printf(ar, "%c%s@%d", dv->storage_type, dv->path_or_inline, dv->offset);
  return arena_printf(ar, "%c%s", dv->storage_type, dv->path_or_inline);
}

int dv_file_path(arena *ar, const char *root, const delta_dv *dv, const char **out, lago_err *err) {
  const char *s = dv->path_or_inline ? dv->path_or_inline : "";
  if (dv->storage_type == 'u') {
    size_t n = strlen(s);
    if (n < 20) return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector path \"%s\": shorter than 20 characters", s);
    uint8_t u[16];
    TRY(z85_decode(s + n - 20, 20, u, err));
    char name[80];
    snprintf(name, sizeof name,
             "deletion_vector_%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x.bin", u[0], u[1],
             u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    const char *p;
    if (n > 20) {
      char *prefix = arena_strndup(ar, s, n - 20);
      if (!prefix) return LAGO_NOMEM_ERR(err);
      TRY(delta_path_check_relative(prefix, "deletion vector prefix", err));
      p = arena_printf(ar, "%s/%s/%s", root, prefix, name);
    } else {
      p = arena_printf(ar, "%s/%s", root, name);
    }
    if (!p) return LAGO_NOMEM_ERR(err);
    *out = p;
    return LAGO_OK;
  }
  if (dv->storage_type == 'p') {
    const char *dec;
    TRY(delta_uri_decode(ar, s, strlen(s), &dec, err));
    if (!strncmp(dec, "file://", 7)) dec += 7;
    else if (!strncmp(dec, "file:", 5)) dec += 5;
    if (dec[0] != '/') return LAGO_ERR(err, LAGO_UNSUPPORTED, "deletion vector path \"%s\": not a local absolute path", s);
    *out = dec;
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector storage type '%c' has no file", dv->storage_type);
}

/* Reads and checks dv's bitmap (any storage type) and decodes it into out. */
static int load_into(lago_fs *fs, const char *root, const delta_dv *dv, arena *ar, rowbuf *out, lago_err *err) {
  if (!dv->storage_type) return LAGO_OK;
  if (dv->size_in_bytes < 12)
    return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector sizeInBytes %d too small", dv->size_in_bytes);
  const char *what = dv->path_or_inline ? dv->path_or_inline : "?";
  if (dv->storage_type == 'i') {
    size_t n = strlen(what);
    size_t nb = n / 5 * 4;
    if (n % 5 || nb < (size_t)dv->size_in_bytes)
      return LAGO_ERR(err, LAGO_CORRUPT, "inline deletion vector: %zu Z85 characters for %d bytes", n,
                      dv->size_in_bytes);
    uint8_t *bytes = arena_alloc(ar, nb);
    if (!bytes) return LAGO_NOMEM_ERR(err);
    TRY(z85_decode(what, n, bytes, err));
    TRY(decode_into(bytes, (size_t)dv->size_in_bytes, out, "(inline)", err));
  } else if (dv->storage_type == 'u' || dv->storage_type == 'p') {
    const char *path;
    TRY(dv_file_path(ar, root, dv, &path, err));
    uint64_t off = dv->offset >= 0 ? (uint64_t)dv->offset : 0;
    lago_file *f;
    TRY(fs_open(fs, path, &f, err));
    int rc = LAGO_OK;
    uint8_t *bytes = NULL;
    if (f->size < 1 || off + 8 + (uint64_t)dv->size_in_bytes > f->size) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "deletion vector file %s (%llu bytes) too small for offset %llu size %d", path,
                    (unsigned long long)f->size, (unsigned long long)off, dv->size_in_bytes);
      goto close;
    }
    uint8_t ver;
    if ((rc = fs_read_at(f, 0, &ver, 1, err))) goto close;
    if (ver != 1) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "deletion vector file %s: version %u (want 1)", path, ver);
      goto close;
    }
    bytes = arena_alloc(ar, (size_t)dv->size_in_bytes + 8);
    if (!bytes) {
      rc = LAGO_NOMEM_ERR(err);
      goto close;
    }
    if ((rc = fs_read_at(f, off, bytes, (size_t)dv->size_in_bytes + 8, err))) goto close;
    uint32_t size = load_be32(bytes);
    if (size != (uint32_t)dv->size_in_bytes) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "deletion vector file %s at offset %llu: size %u, descriptor says %d", path,
                    (unsigned long long)off, size, dv->size_in_bytes);
      goto close;
    }
    uint32_t want = load_be32(bytes + 4 + size);
    uint32_t got = (uint32_t)crc32(0L, bytes + 4, size);
    if (want != got) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "deletion vector file %s at offset %llu: CRC-32 %08x, stored %08x", path,
                    (unsigned long long)off, got, want);
      goto close;
    }
    rc = decode_into(bytes + 4, size, out, path, err);
  close:
    fs_close(f);
    if (rc) return rc;
  } else {
    return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector: unknown storageType '%c'", dv->storage_type);
  }
  if (dv->cardinality >= 0 && out->n != (uint64_t)dv->cardinality)
    return LAGO_ERR(err, LAGO_CORRUPT, "deletion vector %s: %llu rows, descriptor cardinality %lld", what,
                    (unsigned long long)out->n, (long long)dv->cardinality);
  return LAGO_OK;
}

int dv_load(lago_fs *fs, const char *root, const delta_dv *dv, arena *ar, dv_rows *out, lago_err *err) {
  rowbuf rb = {ar, false, NULL, 0, 0};
  out->rows = NULL;
  out->n = 0;
  TRY(load_into(fs, root, dv, ar, &rb, err));
  out->rows = rb.rows;
  out->n = rb.n;
  return LAGO_OK;
}

int dv_load_bits(lago_fs *fs, const char *root, const delta_dv *dv, arena *ar, dv_bits *out, lago_err *err) {
  rowbuf rb = {ar, true, NULL, 0, 0};
  out->words = NULL;
  out->n_bits = out->n = 0;
  TRY(load_into(fs, root, dv, ar, &rb, err));
  out->words = rb.rows;
  out->n_bits = rb.cap;
  out->n = rb.n;
  return LAGO_OK;
}

int dv_write_file(const tbl_handlers *h, const char *root, const uint64_t *rows, uint64_t n, arena *ar, delta_dv *dv,
                  lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  uint8_t hdr[5] = {1, 0, 0, 0, 0};
  if (buf_append(&b, hdr, 5) || dv_bitmap_encode(rows, n, &b)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  size_t size = b.len - 5;
  if (size > INT32_MAX) {
    rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "deletion vector of %zu bytes is too large", size);
    goto done;
  }
  store_be32(b.data + 1, (uint32_t)size);
  uint8_t crc[4];
  store_be32(crc, (uint32_t)crc32(0L, (const uint8_t *)b.data + 5, (uInt)size));
  if (buf_append(&b, crc, 4)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  char uuid[37];
  uint8_t raw[16];
  if ((rc = tbl_uuid4(h, uuid, raw, err))) goto done;
  char *path = arena_printf(ar, "%s/deletion_vector_%s.bin", root, uuid);
  char *z = arena_alloc(ar, 21);
  if (!path || !z) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  z85_encode(raw, 16, z);
  if ((rc = fs_put_if_absent(h->fs, path, b.data, b.len, err))) goto done;
  dv->storage_type = 'u';
  dv->path_or_inline = z;
  dv->offset = 1;
  dv->size_in_bytes = (int32_t)size;
  dv->cardinality = (int64_t)n;
done:
  buf_deinit(&b);
  return rc;
}

int dv_rows_union(arena *ar, const dv_rows *a, const dv_rows *b, dv_rows *out) {
  uint64_t *r = arena_alloc(ar, (size_t)(a->n + b->n) * 8 + 8);
  if (!r) return LAGO_NOMEM;
  uint64_t i = 0, j = 0, k = 0;
  while (i < a->n || j < b->n) {
    uint64_t v;
    if (j >= b->n || (i < a->n && a->rows[i] < b->rows[j])) v = a->rows[i++];
    else if (i >= a->n || b->rows[j] < a->rows[i]) v = b->rows[j++];
    else {
      v = a->rows[i++];
      j++;
    }
    r[k++] = v;
  }
  out->rows = r;
  out->n = k;
  return LAGO_OK;
}

int dv_rows_minus(arena *ar, const dv_rows *a, const dv_rows *b, dv_rows *out) {
  uint64_t *r = arena_alloc(ar, (size_t)a->n * 8 + 8);
  if (!r) return LAGO_NOMEM;
  uint64_t j = 0, k = 0;
  for (uint64_t i = 0; i < a->n; i++) {
    while (j < b->n && b->rows[j] < a->rows[i]) j++;
    if (j < b->n && b->rows[j] == a->rows[i]) continue;
    r[k++] = a->rows[i];
  }
  out->rows = r;
  out->n = k;
  return LAGO_OK;
}
