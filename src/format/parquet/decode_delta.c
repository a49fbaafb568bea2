/*
** format/parquet/decode_delta.c: the delta encodings (parquet-format
** Encodings.md). Used by page_read.c for INT32/INT64 and BYTE_ARRAY pages.
**
** DELTA_BINARY_PACKED:
**   header  := varint block_size (multiple of 128), varint miniblocks_per_block,
**              varint total_value_count, zigzag varint first_value
**   block   := zigzag varint min_delta, one byte bit width per miniblock,
**              then the miniblocks: block_size / miniblocks_per_block values of
**              `bit width` bits each, LSB-first (as bit-packed runs)
**   value[i] = value[i-1] + min_delta + unpacked[i], in wrapping arithmetic
**   (INT32 columns truncate the 64-bit result). The blocks hold
**   total_value_count - 1 deltas; a miniblock that is not needed at all is
**   absent (its width byte is still there, with any value); the last needed
**   miniblock is padded to full length.
**
**   +--------+-------+-------+-----+------------+-----------+---------+---------+
**   | blk sz | n mb  | total | 1st | min delta  | w0 w1 ... | mb 0    | mb 1 ...|
**   +--------+-------+-------+-----+------------+-----------+---------+---------+
**    <------------- header ------->  <------------- block (repeated) ---------->
**
** DELTA_LENGTH_BYTE_ARRAY: a DELTA_BINARY_PACKED stream of all the lengths,
**   then all the value bytes back to back.
** DELTA_BYTE_ARRAY: a DELTA_BINARY_PACKED stream of prefix lengths, then a
**   DELTA_LENGTH_BYTE_ARRAY of suffixes; value i = the first prefix[i] bytes
**   of value i-1, then suffix i.
**
** Streams are decoded incrementally (a page may span several batches), so
** nothing here allocates in proportion to the counts a header announces.
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/alloc.h"
#include "util/bits.h"

static int dbad(const char *what, lago_err *err, const char *msg) {
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad DELTA_BINARY_PACKED data: %s", what, msg);
}

static int uvarint(const uint8_t **pp, const uint8_t *end, uint64_t *out, const char *what, lago_err *err) {
  const uint8_t *p = *pp;
  uint64_t v = 0;
  for (int shift = 0; shift < 70; shift += 7) {
    if (p >= end) return dbad(what, err, "truncated varint");
    uint8_t b = *p++;
    if (shift == 63 && (b & 0x7e)) return dbad(what, err, "varint overflows 64 bits");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *pp = p;
      *out = v;
      return LAGO_OK;
    }
  }
  return dbad(what, err, "varint too long");
}

static uint64_t unzigzag(uint64_t v) { return (v >> 1) ^ (~(v & 1) + 1); }

/* Parses the stream header. */
static int parse_header(pq_dbp *d, const uint8_t **pp, const uint8_t *end, uint64_t *first, const char *what,
                        lago_err *err) {
  uint64_t bs, nm, total, fv;
  TRY(uvarint(pp, end, &bs, what, err));
  TRY(uvarint(pp, end, &nm, what, err));
  TRY(uvarint(pp, end, &total, what, err));
  TRY(uvarint(pp, end, &fv, what, err));
  if (bs == 0 || bs % 128 != 0 || bs > (1u << 20)) return dbad(what, err, "block size is not a multiple of 128");
  if (nm == 0 || nm > bs || bs % nm != 0 || (bs / nm) % 8 != 0)
    return dbad(what, err, "bad number of miniblocks per block");
  if (total > UINT32_MAX) return dbad(what, err, "value count too large");
  d->block_size = (uint32_t)bs;
  d->n_mini = (uint32_t)nm;
  d->mini_size = (uint32_t)(bs / nm);
  d->left = total;
  *first = unzigzag(fv);
  return LAGO_OK;
}

int pq_dbp_init(pq_dbp *d, const uint8_t *p, const uint8_t *end, const char *what, lago_err *err) {
  memset(d, 0, sizeof *d);
  uint64_t first;
  TRY(parse_header(d, &p, end, &first, what, err));
  d->p = p;
  d->end = end;
  d->last = first;
  d->first_pending = d->left > 0;
  d->mini_idx = d->n_mini; /* no block yet */
  return LAGO_OK;
}

/* Starts the next miniblock (reading a block header when the block is done). */
static int next_mini(pq_dbp *d, const char *what, lago_err *err) {
  if (d->mini_idx + 1 >= d->n_mini) {
    uint64_t md;
    TRY(uvarint(&d->p, d->end, &md, what, err));
    d->min_delta = unzigzag(md);
    if ((size_t)(d->end - d->p) < d->n_mini) return dbad(what, err, "truncated miniblock bit widths");
    d->widths = d->p;
    d->p += d->n_mini;
    d->mini_idx = 0;
  } else {
    d->mini_idx++;
  }
  unsigned bw = d->widths[d->mini_idx];
  if (bw > 64) return dbad(what, err, "miniblock bit width above 64");
  uint64_t need = d->left < d->mini_size ? d->left : d->mini_size;
  size_t full = (size_t)d->mini_size * bw / 8;
  size_t avail = (size_t)(d->end - d->p);
  if ((need * bw + 7) / 8 > avail) return dbad(what, err, "miniblock past the end of the page");
  d->mini_p = d->p;
  d->mini_bit = 0;
  d->mini_bw = (uint8_t)bw;
  d->mini_left = (uint32_t)need;
  d->p += full < avail ? full : avail;
  return LAGO_OK;
}

int pq_dbp_get(pq_dbp *d, uint64_t *out, uint32_t n, const char *what, lago_err *err) {
  if (n > d->left) return dbad(what, err, "fewer values than the page needs");
  if (n && d->first_pending) {
    *out++ = d->last;
    d->first_pending = false;
    d->left--;
    n--;
  }
  while (n) {
    if (!d->mini_left) TRY(next_mini(d, what, err));
    uint32_t k = n < d->mini_left ? n : d->mini_left;
    const uint8_t *mp = d->mini_p;
    size_t avail = (size_t)(d->p - mp);
    unsigned bw = d->mini_bw;
    uint64_t bit = d->mini_bit, last = d->last, md = d->min_delta;
    if (bw == 0) {
      for (uint32_t i = 0; i < k; i++) out[i] = last += md;
    } else if (bw <= 56) {
      uint64_t mask = ((uint64_t)1 << bw) - 1;
      uint32_t i = 0;
      if (avail >= 8)
        for (; i < k && (bit >> 3) <= avail - 8; i++, bit += bw)
          out[i] = last += md + ((load_le64(mp + (bit >> 3)) >> (bit & 7)) & mask);
      for (; i < k; i++, bit += bw) out[i] = last += md + pq_unpack64_one(mp, bit, bw);
    } else {
      for (uint32_t i = 0; i < k; i++, bit += bw) out[i] = last += md + pq_unpack64_one(mp, bit, bw);
    }
    d->mini_bit = bit;
    d->last = last;
    d->mini_left -= k;
    d->left -= k;
    out += k;
    n -= k;
  }
  return LAGO_OK;
}

int pq_dbp_skip_all(const uint8_t *p, const uint8_t *end, const uint8_t **stream_end, uint64_t *count,
                    const char *what, lago_err *err) {
  pq_dbp d;
  memset(&d, 0, sizeof d);
  uint64_t first;
  TRY(parse_header(&d, &p, end, &first, what, err));
  *count = d.left;
  uint64_t deltas = d.left ? d.left - 1 : 0;
  while (deltas) {
    uint64_t md;
    TRY(uvarint(&p, end, &md, what, err));
    if ((size_t)(end - p) < d.n_mini) return dbad(what, err, "truncated miniblock bit widths");
    const uint8_t *w = p;
    p += d.n_mini;
    for (uint32_t m = 0; m < d.n_mini && deltas; m++) {
      if (w[m] > 64) return dbad(what, err, "miniblock bit width above 64");
      size_t full = (size_t)d.mini_size * w[m] / 8;
      if (full > (size_t)(end - p)) return dbad(what, err, "miniblock past the end of the page");
      p += full;
      deltas -= deltas < d.mini_size ? deltas : d.mini_size;
    }
  }
  *stream_end = p;
  return LAGO_OK;
}

/* ---- DELTA_LENGTH_BYTE_ARRAY -------------------------------------------- */

int pq_dlba_init(pq_dlba *d, const uint8_t *p, const uint8_t *end, const char *what, lago_err *err) {
  const uint8_t *data;
  uint64_t count;
  TRY(pq_dbp_skip_all(p, end, &data, &count, what, err));
  TRY(pq_dbp_init(&d->lens, p, data, what, err));
  d->data = data;
  d->end = end;
  return LAGO_OK;
}

#define LEN_CHUNK 256

int pq_dlba_get(pq_dlba *d, lago_str *out, uint32_t n, const char *what, lago_err *err) {
  uint64_t lens[LEN_CHUNK];
  while (n) {
    uint32_t k = n < LEN_CHUNK ? n : LEN_CHUNK;
    TRY(pq_dbp_get(&d->lens, lens, k, what, err));
    const uint8_t *p = d->data;
    for (uint32_t i = 0; i < k; i++) {
      uint64_t len = lens[i];
      if (len > (uint64_t)(d->end - p))
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: DELTA_LENGTH_BYTE_ARRAY length %lld past the end of the page", what,
                        (long long)len);
      out[i] = str_make((const char *)p, (uint32_t)len);
      p += len;
    }
    d->data = p;
    out += k;
    n -= k;
  }
  return LAGO_OK;
}

/* ---- DELTA_BYTE_ARRAY --------------------------------------------------- */

#define PQ_MAX_DBA_BYTES ((uint64_t)256 << 20) /* value bytes one call may build */

int pq_dba_init(pq_dba *d, const uint8_t *p, const uint8_t *end, const char *what, lago_err *err) {
  memset(d, 0, sizeof *d);
  const uint8_t *suffixes;
  uint64_t count;
  TRY(pq_dbp_skip_all(p, end, &suffixes, &count, what, err));
  TRY(pq_dbp_init(&d->prefix, p, suffixes, what, err));
  return pq_dlba_init(&d->suffix, suffixes, end, what, err);
}

void pq_dba_deinit(pq_dba *d) {
  mem_free(d->last);
  d->last = NULL;
  d->last_len = d->last_cap = 0;
}

int pq_dba_get(pq_dba *d, lago_str *out, uint32_t n, arena *ar, const char *what, lago_err *err) {
  uint64_t pre[LEN_CHUNK];
  lago_str suf[LEN_CHUNK];
  uint64_t built = 0;
  while (n) {
    uint32_t k = n < LEN_CHUNK ? n : LEN_CHUNK;
    TRY(pq_dbp_get(&d->prefix, pre, k, what, err));
    TRY(pq_dlba_get(&d->suffix, suf, k, what, err));
    for (uint32_t i = 0; i < k; i++) {
      uint64_t pl = pre[i];
      if (pl > d->last_len)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: DELTA_BYTE_ARRAY prefix length %lld longer than the previous value (%u)",
                        what, (long long)pl, d->last_len);
      uint64_t total = pl + suf[i].len;
      built += total;
      if (total > UINT32_MAX || built > PQ_MAX_DBA_BYTES)
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: DELTA_BYTE_ARRAY values too large (%llu bytes in one batch)", what,
                        (unsigned long long)built);
      if (total > d->last_cap) {
        uint32_t cap = d->last_cap ? d->last_cap : 64;
        while (cap < total) cap = cap > UINT32_MAX / 2 ? (uint32_t)total : cap * 2;
        uint8_t *nl = mem_realloc(d->last, cap);
        if (!nl) return LAGO_NOMEM_ERR(err);
        d->last = nl;
        d->last_cap = cap;
      }
      if (suf[i].len) memcpy(d->last + pl, str_data(&suf[i]), suf[i].len);
      d->last_len = (uint32_t)total;
      if (total <= LAGO_STR_INLINE) {
        out[i] = str_make((const char *)d->last, (uint32_t)total);
      } else {
        char *copy = arena_memdup(ar, d->last, total);
        if (!copy) return LAGO_NOMEM_ERR(err);
        lago_str v; /* a long view (str_make's inline branch cannot apply) */
        memset(&v, 0, sizeof v);
        v.len = (uint32_t)total;
        memcpy(v.prefix, copy, 4);
        v.u.ptr = copy;
        out[i] = v;
      }
    }
    out += k;
    n -= k;
  }
  return LAGO_OK;
}
