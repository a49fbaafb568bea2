/*
** format/parquet/write_column.c: one leaf column of the row group being
** written: collects shredded rows into pages, encodes and compresses each
** page when it reaches ~page_bytes, keeps the encoded pages of the current
** row group only, and writes them (dictionary page first) when writer.c
** flushes the row group.
**
** Page layout (Parquet "Data pages"), all lengths u32 little-endian:
**   DATA_PAGE (v1), body compressed as a whole:
**     [u32 len | RLE/bit-packed repetition levels]   if max_rep > 0
**     [u32 len | RLE/bit-packed definition levels]   if max_def > 0
**     values
**   DATA_PAGE_V2, lengths in the header, only the values are compressed:
**     repetition levels (RLE, no length) | definition levels | values
**   values by encoding:
**     RLE_DICTIONARY  u8 bit_width | RLE/bit-packed indexes
**     PLAIN           fixed width LE values; BYTE_ARRAY u32 len | bytes;
**                     BOOLEAN bit-packed LSB first
**     RLE (BOOLEAN, v2 pages)  u32 len | RLE/bit-packed at width 1
**     DELTA_BINARY_PACKED / DELTA_LENGTH_BYTE_ARRAY  (encode_delta.c)
**   DICTIONARY_PAGE: the dictionary's entries, PLAIN, compressed.
** Each page is written as PageHeader (Thrift) followed by its body.
**
** Dictionary policy: every column but BOOLEAN starts with a dictionary
** (unless no_dictionary). It falls back to PLAIN (or the DELTA encodings
** when delta_encodings is on) for the rest of the column chunk when the
** dictionary grows past dict_max_bytes, or stops paying: after 8192 values,
** and at every page cut, dictionary bytes + index bytes must stay below 3/4
** of what PLAIN would take. The page being built is cut first, so each page
** has one encoding. Pages are cut only between top-level rows, so v2 pages
** and the page index can count rows.
**
** Statistics in dictionary mode: equal values are one dictionary entry, so
** a page's min/max (and NaN flag) only needs the first value of each entry
** used in the page. Each entry remembers the page epoch it was last folded
** in (seen_epoch); a slice folds only the values whose entry is new to the
** page and counts the rest. The result is the same as folding every value:
** entries are bit-exact values, and the only distinct values that compare
** equal (-0.0, +0.0) are written with the zero rule either way.
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/alloc.h"
#include "util/bits.h"

#define DICT_CHECK_VALUES 8192
#define PAGE_INDEX_TRUNCATE 64

static int dict_bw(const pqw_column *c) {
  int bw = pqw_bit_width(c->dict.n ? c->dict.n - 1 : 0);
  return bw ? bw : 1;
}

static int lvl_bits(const pqw_leaf_desc *L) { return pqw_bit_width(L->max_def) + pqw_bit_width(L->max_rep); }

static pqw_mode initial_mode(const pqw_leaf_desc *L, const pqw_col_opts *o) {
  if (L->ptype == PQT_BOOLEAN) return o->data_page_v2 ? PQW_MODE_RLE_BOOL : PQW_MODE_PLAIN;
  if (o->dictionary) return PQW_MODE_DICT;
  if (o->delta && (L->ptype == PQT_INT32 || L->ptype == PQT_INT64 || L->ptype == PQT_BYTE_ARRAY)) return PQW_MODE_DELTA;
  return PQW_MODE_PLAIN;
}

int pqw_column_init(pqw_column *c, const pqw_leaf_desc *L, const pqw_col_opts *o, pqw_compressor *comp, arena *ar) {
  memset(c, 0, sizeof *c);
  c->L = L;
  c->o = o;
  c->comp = comp;
  c->ar = ar;
  c->mode = initial_mode(L, o);
  c->fallback = (o->delta && (L->ptype == PQT_INT32 || L->ptype == PQT_INT64 || L->ptype == PQT_BYTE_ARRAY))
                    ? PQW_MODE_DELTA
                    : PQW_MODE_PLAIN;
  buf_init(&c->pending);
  buf_init(&c->pages);
  buf_init(&c->page_hdrs);
  buf_init(&c->body);
  buf_init(&c->comp_buf);
  buf_init(&c->first_vals);
  buf_init(&c->dict_page);
  c->epoch = 1;
  pqw_stats_init(&c->page_stats);
  pqw_stats_init(&c->chunk_stats);
  pqw_dict_init(&c->dict, L->ptype == PQT_BYTE_ARRAY ? 0 : (int)L->vsize);
  return LAGO_OK;
}

void pqw_column_deinit(pqw_column *c) {
  mem_free(c->def);
  mem_free(c->rep);
  mem_free(c->page_recs);
  mem_free(c->seen_epoch);
  buf_deinit(&c->first_vals);
  buf_deinit(&c->dict_page);
  buf_deinit(&c->pending);
  buf_deinit(&c->pages);
  buf_deinit(&c->page_hdrs);
  buf_deinit(&c->body);
  buf_deinit(&c->comp_buf);
  pqw_stats_deinit(&c->page_stats);
  pqw_stats_deinit(&c->chunk_stats);
  pqw_dict_deinit(&c->dict);
  memset(c, 0, sizeof *c);
}

/* Estimated encoded (uncompressed) bytes of the page being built. */
static uint64_t page_est(const pqw_column *c) {
  uint64_t e = ((uint64_t)c->n_lvl * (uint64_t)lvl_bits(c->L) + 7) / 8;
  switch (c->mode) {
    case PQW_MODE_DICT: e += ((uint64_t)c->page_values * (uint64_t)dict_bw(c) + 7) / 8 + 1; break;
    case PQW_MODE_RLE_BOOL: e += (uint64_t)c->page_values / 8 + 1; break;
    default: e += c->L->ptype == PQT_BOOLEAN ? c->pending.len / 8 : c->pending.len; break;
  }
  return e;
}

uint64_t pqw_column_est_bytes(const pqw_column *c) {
  return (uint64_t)c->uncompressed + page_est(c) + (c->dict_used || c->mode == PQW_MODE_DICT ? c->dict.plain.len : 0);
}

static pq_encoding mode_encoding(const pqw_column *c) {
  switch (c->mode) {
    case PQW_MODE_DICT: return PQE_RLE_DICTIONARY;
    case PQW_MODE_RLE_BOOL: return PQE_RLE;
    case PQW_MODE_DELTA: return c->L->ptype == PQT_BYTE_ARRAY ? PQE_DELTA_LENGTH_BYTE_ARRAY : PQE_DELTA_BINARY_PACKED;
    case PQW_MODE_PLAIN: break;
  }
  return PQE_PLAIN;
}

/* Levels with a u32 length prefix (v1) or without (v2); returns the bytes written in *n. */
static int put_levels(buf *b, const uint16_t *lv, size_t n, int bw, bool prefix, size_t *len) {
  size_t at = b->len;
  if (prefix) TRY(buf_append(b, "\0\0\0\0", 4));
  size_t start = b->len;
  TRY(pqw_rle_encode_u16(lv, n, bw, b));
  if (prefix) store_le32(b->data + at, (uint32_t)(b->len - start));
  *len = b->len - at;
  return LAGO_OK;
}

static int add_page_rec(pqw_column *c, pqw_page_rec *r) {
  if (c->n_pages == c->cap_pages) {
    uint32_t cap = c->cap_pages ? c->cap_pages * 2 : 16;
    pqw_page_rec *p = mem_realloc(c->page_recs, (size_t)cap * sizeof *p);
    if (!p) return LAGO_NOMEM;
    c->page_recs = p;
    c->cap_pages = cap;
  }
  c->page_recs[c->n_pages++] = *r;
  return LAGO_OK;
}

static bool dict_pays(const pqw_column *c, uint64_t idx_bytes) {
  return (uint64_t)c->dict.plain.len + idx_bytes < c->dict_plain_bytes / 4 * 3;
}

/* Starts a new page epoch: no dictionary entry counts as seen in the page any more. */
static void next_epoch(pqw_column *c) {
  if (++c->epoch == 0) { /* wrapped after 2^32 pages: forget every mark */
    if (c->seen_epoch) memset(c->seen_epoch, 0, (size_t)c->cap_seen * sizeof *c->seen_epoch);
    c->epoch = 1;
  }
}

/* Encodes, compresses and stores the current page; nothing happens when it is empty. */
static int cut_page(pqw_column *c, lago_err *err) {
  const pqw_leaf_desc *L = c->L;
  if (c->n_lvl == 0) return LAGO_OK;
  bool v2 = c->o->data_page_v2;
  buf *b = &c->body;
  buf_clear(b);
  size_t rep_len = 0, def_len = 0;
  int rc = LAGO_OK;
  if (L->max_rep) rc = put_levels(b, c->rep, c->n_lvl, pqw_bit_width(L->max_rep), !v2, &rep_len);
  if (!rc && L->max_def) rc = put_levels(b, c->def, c->n_lvl, pqw_bit_width(L->max_def), !v2, &def_len);
  if (rc) return LAGO_NOMEM_ERR(err);
  size_t values_at = b->len;
  size_t nv = (size_t)c->page_values;
  /* A page of nulls only, before the dictionary has any entry, needs no dictionary. */
  pqw_mode mode = c->mode == PQW_MODE_DICT && c->dict.n == 0 && nv == 0 ? PQW_MODE_PLAIN : c->mode;
  pq_encoding enc = mode == c->mode ? mode_encoding(c) : PQE_PLAIN;
  switch (mode) {
    case PQW_MODE_DICT: {
      int bw = dict_bw(c);
      uint8_t bwb = (uint8_t)bw;
      rc = buf_append(b, &bwb, 1);
      if (!rc) rc = pqw_rle_encode_u32((const uint32_t *)c->pending.data, nv, bw, b);
      break;
    }
    case PQW_MODE_PLAIN:
      if (L->ptype == PQT_BOOLEAN) rc = pqw_plain_bools((const uint8_t *)c->pending.data, nv, b);
      else rc = buf_append(b, c->pending.data, c->pending.len);
      break;
    case PQW_MODE_DELTA:
      if (L->ptype == PQT_BYTE_ARRAY)
        rc = pqw_delta_length_encode((const uint8_t *)c->pending.data, c->pending.len, nv, b);
      else rc = pqw_delta_binary_encode(c->pending.data, nv, L->ptype == PQT_INT64, b);
      break;
    case PQW_MODE_RLE_BOOL: {
      size_t at = b->len;
      rc = buf_append(b, "\0\0\0\0", 4);
      if (!rc) rc = pqw_rle_encode_u8((const uint8_t *)c->pending.data, nv, 1, b);
      if (!rc) store_le32(b->data + at, (uint32_t)(b->len - at - 4));
      break;
    }
  }
  if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(err) : LAGO_ERR(err, rc, "parquet writer: encoding a page failed");
  size_t values_len = b->len - values_at;
  /* Compress, straight after the bodies before it: the whole body (v1) or the values only (v2). */
  buf *cb = &c->pages;
  size_t body_at = cb->len, hdr_at = c->page_hdrs.len;
  bool is_compressed = true;
  if (!v2) {
    rc = pqw_compress(c->comp, (const uint8_t *)b->data, b->len, cb, err);
  } else {
    rc = buf_append(cb, b->data, values_at) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    if (!rc && values_len == 0 && c->comp->codec != PQ_CODEC_UNCOMPRESSED) is_compressed = false;
    else if (!rc) rc = pqw_compress(c->comp, (const uint8_t *)b->data + values_at, values_len, cb, err);
  }
  size_t body_len = cb->len - body_at;
  if (!rc && (b->len > INT32_MAX || body_len > INT32_MAX - 4096 || c->n_lvl > INT32_MAX))
    rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: column '%s': a page of %zu bytes (%zu values) is larger "
                  "than Parquet allows", L->dotted, b->len, c->n_lvl);
  pq_page_header h;
  memset(&h, 0, sizeof h);
  h.uncompressed_page_size = (int32_t)b->len;
  h.compressed_page_size = (int32_t)body_len;
  if (!v2) {
    h.type = PQP_DATA_PAGE;
    h.has_data_page_header = true;
    h.data_page_header.num_values = (int32_t)c->n_lvl;
    h.data_page_header.encoding = enc;
    h.data_page_header.definition_level_encoding = PQE_RLE;
    h.data_page_header.repetition_level_encoding = PQE_RLE;
  } else {
    h.type = PQP_DATA_PAGE_V2;
    h.has_data_page_header_v2 = true;
    pq_data_page_header_v2 *d = &h.data_page_header_v2;
    d->num_values = (int32_t)c->n_lvl;
    d->num_nulls = (int32_t)(c->n_lvl - nv);
    d->num_rows = (int32_t)c->page_rows;
    d->encoding = enc;
    d->definition_levels_byte_length = (int32_t)def_len;
    d->repetition_levels_byte_length = (int32_t)rep_len;
    d->is_compressed = is_compressed;
  }
  if (!rc && pq_meta_write_page_header(&h, &c->page_hdrs)) rc = LAGO_NOMEM_ERR(err);
  pqw_page_rec rec;
  memset(&rec, 0, sizeof rec);
  rec.offset = (int64_t)c->pages_len;
  rec.hdr_len = (uint32_t)(c->page_hdrs.len - hdr_at);
  rec.size = (int32_t)(rec.hdr_len + body_len);
  rec.first_row = c->rows;
  rec.nulls = (int64_t)(c->n_lvl - nv);
  rec.null_page = nv == 0;
  if (!rc && c->o->page_index && !rec.null_page && pqw_stats_usable(&c->page_stats, L)) {
    bool has_max, me, xe;
    if (c->ar_mu) pthread_mutex_lock(c->ar_mu);
    int src = pqw_stats_bytes(&c->page_stats, L, c->ar, PAGE_INDEX_TRUNCATE, &rec.min, &rec.max, &has_max, &me, &xe);
    if (c->ar_mu) pthread_mutex_unlock(c->ar_mu);
    if (src) rc = LAGO_NOMEM_ERR(err);
    rec.has_minmax = has_max;
  }
  if (!rc && add_page_rec(c, &rec)) rc = LAGO_NOMEM_ERR(err);
  if (!rc && pqw_stats_merge(&c->chunk_stats, &c->page_stats, L)) {
    c->n_pages--;
    rc = LAGO_NOMEM_ERR(err);
  }
  if (rc) { /* the page is not stored */
    cb->len = body_at;
    c->page_hdrs.len = hdr_at;
    return rc;
  }
  c->pages_len += (uint64_t)rec.size;
  c->enc_count[enc][v2 ? PQP_DATA_PAGE_V2 : PQP_DATA_PAGE]++;
  c->uncompressed += (int64_t)(rec.hdr_len + b->len);
  c->levels += (int64_t)c->n_lvl;
  c->rows += c->page_rows;
  pqw_stats_reset(&c->page_stats);
  next_epoch(c);
  c->n_lvl = 0;
  c->page_rows = 0;
  c->page_values = 0;
  c->page_plain_bytes = 0;
  buf_clear(&c->pending);
  if (mode == PQW_MODE_DICT) {
    c->dict_used = true;
    c->dict_idx_bytes += values_len;
    if (!dict_pays(c, c->dict_idx_bytes)) c->mode = c->fallback;
  }
  return LAGO_OK;
}

/* Appends levels [from, to) of s to the page; returns the number of values (def == max_def). */
static int add_levels(pqw_column *c, const pqw_shred *s, size_t from, size_t to, size_t *nv) {
  const pqw_leaf_desc *L = c->L;
  size_t n = to - from;
  if (c->n_lvl + n > c->cap_lvl) {
    size_t cap = c->cap_lvl ? c->cap_lvl : 1024;
    while (cap < c->n_lvl + n) cap *= 2;
    if (L->max_def) {
      uint16_t *d = mem_realloc(c->def, cap * sizeof *d);
      if (!d) return LAGO_NOMEM;
      c->def = d;
    }
    if (L->max_rep) {
      uint16_t *r = mem_realloc(c->rep, cap * sizeof *r);
      if (!r) return LAGO_NOMEM;
      c->rep = r;
    }
    c->cap_lvl = cap;
  }
  size_t values = n;
  if (L->max_def) {
    memcpy(c->def + c->n_lvl, s->def + from, n * sizeof *c->def);
    values = 0;
    uint16_t md = L->max_def;
    for (size_t i = from; i < to; i++) values += s->def[i] == md;
  }
  if (L->max_rep) memcpy(c->rep + c->n_lvl, s->rep + from, n * sizeof *c->rep);
  c->n_lvl += n;
  c->page_stats.nulls += (int64_t)(n - values);
  *nv = values;
  return LAGO_OK;
}

/* PLAIN size of n values at p. */
static uint64_t plain_size(const pqw_leaf_desc *L, const uint8_t *p, size_t n) {
  if (L->ptype != PQT_BYTE_ARRAY) return (uint64_t)n * L->vsize;
  const lago_str *s = (const lago_str *)p;
  uint64_t b = 4 * (uint64_t)n;
  for (size_t i = 0; i < n; i++) b += s[i].len;
  return b;
}

/*
** Page statistics of n values p whose dictionary indexes are idx: folds the
** values whose entry is new to this page (copied to first_vals: same layout
** as p, lago_str views still pointing into the caller's batch) and counts
** the others. Same result as pqw_stats_update on all n (see the top).
*/
static int stats_first_seen(pqw_column *c, const uint8_t *p, const uint32_t *idx, size_t n) {
  const pqw_leaf_desc *L = c->L;
  if (L->order == PQW_ORD_NONE) return pqw_stats_update(&c->page_stats, L, p, n);
  if (c->dict.n > c->cap_seen) {
    uint32_t cap = c->cap_seen ? c->cap_seen : 256;
    while (cap < c->dict.n) cap = cap > UINT32_MAX / 2 ? c->dict.n : cap * 2;
    uint32_t *e = mem_realloc(c->seen_epoch, (size_t)cap * sizeof *e);
    if (!e) return LAGO_NOMEM;
    memset(e + c->cap_seen, 0, (size_t)(cap - c->cap_seen) * sizeof *e); /* epoch 0: never current */
    c->seen_epoch = e;
    c->cap_seen = cap;
  }
  size_t vs = L->vsize;
  buf_clear(&c->first_vals);
  if (buf_reserve(&c->first_vals, n * vs)) return LAGO_NOMEM;
  uint8_t *dst = (uint8_t *)c->first_vals.data;
  uint32_t *seen = c->seen_epoch, ep = c->epoch;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t u = idx[i];
    if (seen[u] == ep) continue;
    seen[u] = ep;
    switch (vs) { /* constant sizes let the compiler inline the copy */
      case 4: memcpy(dst + k * 4, p + i * 4, 4); break;
      case 8: memcpy(dst + k * 8, p + i * 8, 8); break;
      case 16: memcpy(dst + k * 16, p + i * 16, 16); break;
      default: memcpy(dst + k * vs, p + i * vs, vs); break;
    }
    k++;
  }
  TRY(pqw_stats_update(&c->page_stats, L, dst, k));
  c->page_stats.values += (int64_t)(n - k);
  return LAGO_OK;
}

static int add_values(pqw_column *c, const uint8_t *p, size_t n, lago_err *err) {
  const pqw_leaf_desc *L = c->L;
  c->page_values += (int64_t)n;
  if (n == 0) return LAGO_OK;
  buf *pb = &c->pending;
  switch (c->mode) {
    case PQW_MODE_DICT: {
      if (buf_reserve(pb, n * 4)) return LAGO_NOMEM_ERR(err);
      uint32_t *idx = (uint32_t *)(pb->data + pb->len);
      int rc = L->ptype == PQT_BYTE_ARRAY ? pqw_dict_put_strs(&c->dict, (const lago_str *)p, n, idx)
                                          : pqw_dict_put_fixed(&c->dict, p, n, idx);
      if (!rc) rc = stats_first_seen(c, p, idx, n);
      if (rc) return LAGO_NOMEM_ERR(err);
      pb->len += n * 4;
      c->dict_values += n;
      c->dict_plain_bytes += plain_size(L, p, n);
      return LAGO_OK;
    }
    case PQW_MODE_PLAIN:
    case PQW_MODE_DELTA:
    case PQW_MODE_RLE_BOOL:
      if (pqw_stats_update(&c->page_stats, L, p, n)) return LAGO_NOMEM_ERR(err);
      if (L->ptype == PQT_BYTE_ARRAY) {
        const lago_str *s = (const lago_str *)p;
        if (buf_reserve(pb, (size_t)plain_size(L, p, n))) return LAGO_NOMEM_ERR(err);
        uint8_t *d = (uint8_t *)pb->data + pb->len;
        for (size_t i = 0; i < n; i++) {
          store_le32(d, s[i].len);
          memcpy(d + 4, str_data(&s[i]), s[i].len);
          d += 4 + s[i].len;
        }
        pb->len = (size_t)((char *)d - pb->data);
      } else {
        if (buf_append(pb, p, n * L->vsize)) return LAGO_NOMEM_ERR(err);
      }
      return LAGO_OK;
  }
  return LAGO_OK;
}

/* After a row boundary in dictionary mode: fall back when the dictionary is too big or does not pay. */
static int dict_check(pqw_column *c, lago_err *err) {
  if (c->mode != PQW_MODE_DICT) return LAGO_OK;
  bool stop = c->dict.plain.len > c->o->dict_max_bytes;
  if (!stop && !c->dict_checked && c->dict_values >= DICT_CHECK_VALUES) {
    c->dict_checked = true;
    uint64_t idx = c->dict_idx_bytes + ((uint64_t)c->page_values * (uint64_t)dict_bw(c) + 7) / 8;
    stop = !dict_pays(c, idx);
  }
  if (!stop) return LAGO_OK;
  TRY(cut_page(c, err)); /* still a dictionary page: its indexes are all in the dictionary */
  c->mode = c->fallback;
  return LAGO_OK;
}

int pqw_column_feed(pqw_column *c, const pqw_shred *s, lago_err *err) {
  const pqw_leaf_desc *L = c->L;
  const uint8_t *vals = s->direct ? s->direct : (const uint8_t *)s->vals.data;
  size_t n_rows = s->n_rows, row = 0, lvl = 0, val = 0;
  bool repeated = L->max_rep > 0;
  if (n_rows) c->finished = false; /* more pages, maybe more dictionary entries: finish again */
  while (row < n_rows) {
    uint64_t est = page_est(c);
    if (est >= c->o->page_bytes) {
      TRY(cut_page(c, err));
      est = 0;
    }
    /* Rows that fit in what is left of the page, judged by the slice's average row. */
    size_t take = n_rows - row;
    uint64_t slice = ((uint64_t)s->n_lvl * (uint64_t)lvl_bits(L) + 7) / 8;
    if (c->mode == PQW_MODE_DICT) slice += ((uint64_t)s->n_vals * (uint64_t)dict_bw(c) + 7) / 8;
    else slice += s->plain_bytes;
    uint64_t budget = c->o->page_bytes - est;
    if (slice > budget) {
      uint64_t fit = (uint64_t)((double)budget * (double)n_rows / (double)slice);
      if (fit < 1) fit = 1;
      if (fit < take) take = (size_t)fit;
    }
    size_t lvl_end = repeated ? s->row_lvl[row + take] : row + take;
    size_t nv;
    if (add_levels(c, s, lvl, lvl_end, &nv)) return LAGO_NOMEM_ERR(err);
    TRY(add_values(c, vals + val * L->vsize, nv, err));
    c->page_rows += (int64_t)take;
    row += take;
    lvl = lvl_end;
    val += nv;
    TRY(dict_check(c, err));
    if (page_est(c) >= c->o->page_bytes) TRY(cut_page(c, err));
  }
  return LAGO_OK;
}

static int chunk_encodings(pqw_column *c, arena *ar, pq_column_meta *m) {
  bool used[10] = {0};
  uint32_t n_stats = 0;
  for (int e = 0; e < 10; e++)
    for (int t = 0; t < 4; t++)
      if (c->enc_count[e][t]) {
        used[e] = true;
        n_stats++;
      }
  if (c->L->max_def || c->L->max_rep) used[PQE_RLE] = true;
  uint32_t n = 0;
  for (int e = 0; e < 10; e++) n += used[e];
  m->encodings = arena_calloc(ar, n ? n : 1, sizeof *m->encodings);
  m->encoding_stats = arena_calloc(ar, n_stats ? n_stats : 1, sizeof *m->encoding_stats);
  if (!m->encodings || !m->encoding_stats) return LAGO_NOMEM;
  for (int e = 0; e < 10; e++)
    if (used[e]) m->encodings[m->n_encodings++] = (pq_encoding)e;
  /* Dictionary page first, then data pages (the order Arrow and parquet-mr use). */
  static const int order[4] = {PQP_DICTIONARY_PAGE, PQP_DATA_PAGE, PQP_DATA_PAGE_V2, PQP_INDEX_PAGE};
  for (int k = 0; k < 4; k++)
    for (int e = 0; e < 10; e++)
      if (c->enc_count[e][order[k]]) {
        pq_page_encoding_stats *st = &m->encoding_stats[m->n_encoding_stats++];
        st->page_type = (pq_page_type)order[k];
        st->encoding = (pq_encoding)e;
        st->count = c->enc_count[e][order[k]];
      }
  return LAGO_OK;
}

int pqw_column_finish(pqw_column *c, lago_err *err) {
  const pqw_leaf_desc *L = c->L;
  if (c->finished) return LAGO_OK;
  TRY(cut_page(c, err));
  buf_clear(&c->dict_page);
  if (c->dict_used) {
    if (c->dict.plain.len > INT32_MAX || c->dict.n > INT32_MAX)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: column '%s': dictionary of %zu bytes is too large",
                      L->dotted, c->dict.plain.len);
    buf_clear(&c->comp_buf);
    TRY(pqw_compress(c->comp, (const uint8_t *)c->dict.plain.data, c->dict.plain.len, &c->comp_buf, err));
    pq_page_header h;
    memset(&h, 0, sizeof h);
    h.type = PQP_DICTIONARY_PAGE;
    h.uncompressed_page_size = (int32_t)c->dict.plain.len;
    h.compressed_page_size = (int32_t)c->comp_buf.len;
    h.has_dictionary_page_header = true;
    h.dictionary_page_header.num_values = (int32_t)c->dict.n;
    h.dictionary_page_header.encoding = PQE_PLAIN;
    if (pq_meta_write_page_header(&h, &c->dict_page)) return LAGO_NOMEM_ERR(err);
    c->dict_hdr_len = c->dict_page.len;
    if (buf_append(&c->dict_page, c->comp_buf.data, c->comp_buf.len)) return LAGO_NOMEM_ERR(err);
  }
  c->finished = true;
  return LAGO_OK;
}

int pqw_column_flush(pqw_column *c, uint64_t pos, pqw_emit_fn emit, void *ud, arena *ar, pq_column_chunk *cc,
                     pqw_page_rec **recs, uint32_t *n_recs, pqw_stats *file_stats, lago_err *err) {
  const pqw_leaf_desc *L = c->L;
  TRY(pqw_column_finish(c, err));
  memset(cc, 0, sizeof *cc);
  pq_column_meta *m = &cc->meta_data;
  uint64_t start = pos;
  int64_t total_comp = 0, total_uncomp = c->uncompressed;
  m->dictionary_page_offset = -1;
  if (c->dict_used) {
    TRY(emit(ud, c->dict_page.data, c->dict_page.len, err));
    m->dictionary_page_offset = (int64_t)pos;
    pos += c->dict_page.len;
    total_comp += (int64_t)c->dict_page.len;
    total_uncomp += (int64_t)(c->dict_hdr_len + c->dict.plain.len);
    c->enc_count[PQE_PLAIN][PQP_DICTIONARY_PAGE]++;
  }
  uint64_t data_off = pos;
  size_t hdr_off = 0, body_off = 0;
  for (uint32_t i = 0; i < c->n_pages; i++) {
    const pqw_page_rec *r = &c->page_recs[i];
    size_t body_len = (size_t)r->size - r->hdr_len;
    TRY(emit(ud, c->page_hdrs.data + hdr_off, r->hdr_len, err));
    TRY(emit(ud, c->pages.data + body_off, body_len, err));
    hdr_off += r->hdr_len;
    body_off += body_len;
  }
  total_comp += (int64_t)c->pages_len;
  cc->file_offset = (int64_t)start;
  cc->has_meta_data = true;
  cc->offset_index_offset = -1;
  cc->column_index_offset = -1;
  m->type = L->ptype;
  m->n_path = L->path_len;
  m->path_in_schema = L->path;
  m->codec = c->comp->codec;
  m->num_values = c->levels;
  m->total_uncompressed_size = total_uncomp;
  m->total_compressed_size = total_comp;
  m->data_page_offset = (int64_t)data_off;
  m->index_page_offset = -1;
  m->bloom_filter_offset = -1;
  m->bloom_filter_length = -1;
  if (chunk_encodings(c, ar, m)) return LAGO_NOMEM_ERR(err);
  m->has_statistics = true;
  if (pqw_stats_to_parquet(&c->chunk_stats, L, ar, &m->statistics)) return LAGO_NOMEM_ERR(err);
  *recs = arena_calloc(ar, c->n_pages ? c->n_pages : 1, sizeof **recs);
  if (!*recs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < c->n_pages; i++) {
    pqw_page_rec *r = &(*recs)[i];
    *r = c->page_recs[i];
    r->offset += (int64_t)data_off;
    if (r->min.ptr && !(r->min.ptr = arena_memdup(ar, r->min.ptr, r->min.len))) return LAGO_NOMEM_ERR(err);
    if (r->max.ptr && !(r->max.ptr = arena_memdup(ar, r->max.ptr, r->max.len))) return LAGO_NOMEM_ERR(err);
  }
  *n_recs = c->n_pages;
  if (pqw_stats_merge(file_stats, &c->chunk_stats, L)) return LAGO_NOMEM_ERR(err);
  /* Reset for the next row group. */
  pqw_stats_reset(&c->chunk_stats);
  pqw_dict_reset(&c->dict);
  next_epoch(c); /* entry numbers start again: old marks must not match */
  c->dict_used = c->dict_checked = false;
  c->dict_values = c->dict_plain_bytes = c->dict_idx_bytes = 0;
  buf_clear(&c->pages);
  buf_clear(&c->page_hdrs);
  c->pages_len = 0;
  c->rows = c->levels = c->uncompressed = 0;
  c->n_pages = 0;
  c->finished = false;
  memset(c->enc_count, 0, sizeof c->enc_count);
  c->mode = initial_mode(L, c->o);
  return LAGO_OK;
}
