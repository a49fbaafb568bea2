/*
** format/parquet/page_read.c: walks the pages of one column chunk: page
** headers, CRCs, decompression, the dictionary page, and the level and
** value sections of data pages (v1 and v2). Used by column_read.c.
**
** A column chunk is a run of pages, each a Thrift PageHeader followed by
** compressed_page_size bytes:
**
**   +------------+---------------+------------+--------------+-----
**   | PageHeader | page body     | PageHeader | page body    | ...
**   | (Thrift)   | (compressed)  |            |              |
**   +------------+---------------+------------+--------------+-----
**   [DICTIONARY_PAGE] first, then DATA_PAGE / DATA_PAGE_V2 (INDEX_PAGE skipped)
**
** DATA_PAGE (v1) body, after decompressing the whole body:
**   [rep levels] [def levels] values
**   each level section present only when its max level > 0; RLE levels
**   carry a u32 LE byte length first, BIT_PACKED levels take
**   ceil(num_values * bit_width / 8) bytes.
** DATA_PAGE_V2 body: levels are never compressed and have no length prefix:
**   rep levels (repetition_levels_byte_length) | def levels
**   (definition_levels_byte_length) | values (compressed if is_compressed)
**   An empty values section is never handed to the decompressor.
** DICTIONARY_PAGE body: num_values PLAIN values.
** The optional crc field is the CRC-32 (zlib's) of the page body as
** stored (compressed); it is verified when present.
*/
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "format/parquet/pq_read_int.h"
#include "util/alloc.h"
#include "util/bits.h"

static int pbad(pq_leaf_reader *lr, lago_err *err, const char *msg) {
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: %s", lr->page_what, msg);
}

/* A heap buffer for one page, retired at the start of a later batch (the spare is reused). */
static uint8_t *page_buf(pq_leaf_reader *lr, size_t n, lago_err *err) {
  if (lr->n_bufs == lr->cap_bufs) {
    uint32_t cap = lr->cap_bufs ? lr->cap_bufs * 2 : 8;
    struct pq_pagebuf *nb = mem_realloc(lr->bufs, cap * sizeof *nb);
    if (!nb) {
      LAGO_NOMEM_ERR(err);
      return NULL;
    }
    lr->bufs = nb;
    lr->cap_bufs = cap;
  }
  struct pq_pagebuf b = {NULL, 0};
  if (lr->spare.p && lr->spare.cap >= n) {
    b = lr->spare;
    lr->spare.p = NULL;
    lr->spare.cap = 0;
  } else {
    b.cap = n ? n : 1;
    b.p = mem_alloc(b.cap);
    if (!b.p) {
      LAGO_NOMEM_ERR(err);
      return NULL;
    }
  }
  lr->bufs[lr->n_bufs++] = b;
  lr->cur_buf = b.p;
  return b.p;
}

/* Decompresses src[0..clen) to ulen bytes (in rg_ar when in_rg, else a page buffer). */
static int inflate_body(pq_leaf_reader *lr, const uint8_t *src, size_t clen, size_t ulen, bool in_rg,
                        const uint8_t **out, size_t *out_len, lago_err *err) {
  pq_codec codec = lr->cm->codec;
  if (codec == PQ_CODEC_UNCOMPRESSED) {
    *out = src;
    *out_len = clen;
    return LAGO_OK;
  }
  if (ulen == 0) { /* nothing to produce: the decompressor never sees empty input */
    *out = src;
    *out_len = 0;
    return LAGO_OK;
  }
  TRY(pq_decompress_check(codec, src, clen, ulen, lr->page_what, err));
  uint8_t *dst = in_rg ? arena_alloc(lr->rg_ar, ulen) : page_buf(lr, ulen, err);
  if (!dst) return LAGO_NOMEM_ERR(err);
  TRY(pq_decompress(codec, src, clen, dst, ulen, lr->page_what, err));
  *out = dst;
  *out_len = ulen;
  return LAGO_OK;
}

/* Smallest encoded size of one PLAIN value, to bound dictionary sizes before allocating. */
static size_t plain_min_bits(const pq_leaf *lf) {
  switch (lf->phys) {
    case PQT_BOOLEAN: return 1;
    case PQT_INT32: case PQT_FLOAT: return 32;
    case PQT_INT64: case PQT_DOUBLE: return 64;
    case PQT_INT96: return 96;
    case PQT_BYTE_ARRAY: return 32;
    case PQT_FIXED_LEN_BYTE_ARRAY: return (size_t)lf->type_length * 8;
  }
  return 8;
}

static int scratch(pq_leaf_reader *lr, size_t n, lago_err *err) {
  if (n <= lr->scratch_cap) return LAGO_OK;
  size_t cap = lr->scratch_cap ? lr->scratch_cap : 4096;
  while (cap < n) cap *= 2;
  uint8_t *s = mem_realloc(lr->scratch, cap);
  if (!s) return LAGO_NOMEM_ERR(err);
  lr->scratch = s;
  lr->scratch_cap = cap;
  return LAGO_OK;
}

static int load_dictionary(pq_leaf_reader *lr, const pq_page_header *h, const uint8_t *body, lago_err *err) {
  const pq_leaf *lf = lr->leaf;
  if (lr->dict) return pbad(lr, err, "a second dictionary page");
  if (lr->seen_data) return pbad(lr, err, "a dictionary page after data pages");
  if (!h->has_dictionary_page_header) return pbad(lr, err, "DICTIONARY_PAGE without a dictionary_page_header");
  const pq_dict_page_header *dh = &h->dictionary_page_header;
  if (dh->num_values < 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: dictionary page with num_values %d", lr->page_what, dh->num_values);
  if (dh->encoding != PQE_PLAIN && dh->encoding != PQE_PLAIN_DICTIONARY)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: dictionary page encoding %s (%d) is not supported", lr->page_what,
                    pq_encoding_name(dh->encoding), (int)dh->encoding);
  const uint8_t *p;
  size_t len;
  TRY(inflate_body(lr, body, (size_t)h->compressed_page_size, (size_t)h->uncompressed_page_size, true, &p, &len,
                   err));
  uint32_t n = (uint32_t)dh->num_values;
  if (n && (uint64_t)len * 8 / plain_min_bits(lf) < n) /* divided: n * bits could overflow */
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: dictionary page of %zu bytes cannot hold %u values", lr->page_what, len,
                    n);
  vec *d = vec_new(lr->rg_ar, lf->type, n ? n : 1);
  if (!d) return LAGO_NOMEM_ERR(err);
  const uint8_t *end = p + len;
  uint32_t bit = 0;
  if (lf->conv == PQV_NONE) {
    TRY(pq_plain_get(lf->phys, lf->type_length, &p, end, &bit, d->data, n, lr->page_what, err));
  } else {
    TRY(scratch(lr, (size_t)n * pq_phys_width(lf->phys), err));
    TRY(pq_plain_get(lf->phys, lf->type_length, &p, end, &bit, lr->scratch, n, lr->page_what, err));
    TRY(pq_convert(lf->conv, lf->type, lr->scratch, d->data, n, lr->page_what, err));
  }
  d->len = n;
  lr->dict = d;
  return LAGO_OK;
}

/* Level section of a v1 page: RLE with a length prefix, or BIT_PACKED. */
static int levels_v1(pq_leaf_reader *lr, pq_encoding enc, unsigned max, uint32_t nv, const uint8_t **pp,
                     const uint8_t *end, pq_rle *rle, pq_bitpacked *bp, bool *is_bp, lago_err *err) {
  const uint8_t *p = *pp;
  unsigned bw = pq_bit_width(max);
  if (enc == PQE_RLE) {
    if (end - p < 4) return pbad(lr, err, "level data ends before its length");
    uint32_t len = load_le32(p);
    p += 4;
    if (len > (size_t)(end - p)) return pbad(lr, err, "level data longer than the page");
    pq_rle_init(rle, p, len, bw);
    *is_bp = false;
    *pp = p + len;
    return LAGO_OK;
  }
  if (enc == PQE_BIT_PACKED) {
    uint64_t bytes = ((uint64_t)nv * bw + 7) / 8;
    if (bytes > (uint64_t)(end - p)) return pbad(lr, err, "BIT_PACKED levels longer than the page");
    bp->p = p;
    bp->n_bits = bytes * 8;
    bp->bit = 0;
    bp->bw = (uint8_t)bw;
    *is_bp = true;
    *pp = p + bytes;
    return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: level encoding %s (%d) is not supported", lr->page_what,
                  pq_encoding_name(enc), (int)enc);
}

int pq_vdec_init(pq_leaf_reader *lr, pq_vdec *vd, pq_encoding enc, const uint8_t *p, const uint8_t *end,
                 lago_err *err) {
  const pq_leaf *lf = lr->leaf;
  pq_dba_deinit(&vd->dba);
  memset(vd, 0, sizeof *vd);
  vd->enc = enc;
  vd->p = p;
  vd->end = end;
  vd->empty = p == end;
  pq_type t = lf->phys;
  const char *bad_type = NULL;
  switch (enc) {
    case PQE_PLAIN: return LAGO_OK;
    case PQE_PLAIN_DICTIONARY:
    case PQE_RLE_DICTIONARY:
      if (!lr->dict) return pbad(lr, err, "dictionary-encoded data page without a dictionary page");
      vd->dict = true;
      if (vd->empty) return LAGO_OK;
      if (*p > 32) return LAGO_ERR(err, LAGO_CORRUPT, "%s: dictionary index bit width %u", lr->page_what, *p);
      pq_rle_init(&vd->rle, p + 1, (size_t)(end - p - 1), *p);
      return LAGO_OK;
    case PQE_RLE:
      if (t != PQT_BOOLEAN) {
        bad_type = "RLE";
        break;
      }
      if (vd->empty) return LAGO_OK;
      if (end - p < 4) return pbad(lr, err, "RLE boolean data ends before its length");
      if (load_le32(p) > (size_t)(end - p - 4)) return pbad(lr, err, "RLE boolean data longer than the page");
      pq_rle_init(&vd->rle, p + 4, load_le32(p), 1);
      return LAGO_OK;
    case PQE_DELTA_BINARY_PACKED:
      if (t != PQT_INT32 && t != PQT_INT64) {
        bad_type = "DELTA_BINARY_PACKED";
        break;
      }
      return vd->empty ? LAGO_OK : pq_dbp_init(&vd->dbp, p, end, lr->page_what, err);
    case PQE_DELTA_LENGTH_BYTE_ARRAY:
      if (t != PQT_BYTE_ARRAY) {
        bad_type = "DELTA_LENGTH_BYTE_ARRAY";
        break;
      }
      return vd->empty ? LAGO_OK : pq_dlba_init(&vd->dlba, p, end, lr->page_what, err);
    case PQE_DELTA_BYTE_ARRAY:
      if (t != PQT_BYTE_ARRAY && t != PQT_FIXED_LEN_BYTE_ARRAY) {
        bad_type = "DELTA_BYTE_ARRAY";
        break;
      }
      return vd->empty ? LAGO_OK : pq_dba_init(&vd->dba, p, end, lr->page_what, err);
    case PQE_BYTE_STREAM_SPLIT:
      if (t != PQT_FLOAT && t != PQT_DOUBLE && t != PQT_INT32 && t != PQT_INT64 && t != PQT_FIXED_LEN_BYTE_ARRAY) {
        bad_type = "BYTE_STREAM_SPLIT";
        break;
      }
      return pq_bss_init(&vd->bss, p, end,
                         t == PQT_FIXED_LEN_BYTE_ARRAY ? (uint32_t)lf->type_length : (uint32_t)pq_phys_width(t),
                         lr->page_what, err);
    case PQE_BIT_PACKED:
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: encoding BIT_PACKED is only for levels, not values", lr->page_what);
  }
  if (bad_type)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: encoding %s is not valid for %s values", lr->page_what, bad_type,
                    pq_type_name(t));
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: encoding %s (%d) is not supported", lr->page_what,
                  pq_encoding_name(enc), (int)enc);
}

static int start_v1(pq_leaf_reader *lr, const pq_page_header *h, const uint8_t *body, lago_err *err) {
  const pq_leaf *lf = lr->leaf;
  if (!h->has_data_page_header) return pbad(lr, err, "DATA_PAGE without a data_page_header");
  const pq_data_page_header *dp = &h->data_page_header;
  if (dp->num_values < 0) return pbad(lr, err, "negative num_values");
  const uint8_t *p;
  size_t len;
  TRY(inflate_body(lr, body, (size_t)h->compressed_page_size, (size_t)h->uncompressed_page_size, false, &p, &len,
                   err));
  const uint8_t *end = p + len;
  uint32_t nv = (uint32_t)dp->num_values;
  if (lf->max_rep)
    TRY(levels_v1(lr, dp->repetition_level_encoding, lf->max_rep, nv, &p, end, &lr->rep_rle, &lr->rep_bp,
                  &lr->rep_is_bp, err));
  if (lf->max_def)
    TRY(levels_v1(lr, dp->definition_level_encoding, lf->max_def, nv, &p, end, &lr->def_rle, &lr->def_bp,
                  &lr->def_is_bp, err));
  TRY(pq_vdec_init(lr, &lr->vd, dp->encoding, p, end, err));
  lr->page_left = nv;
  return LAGO_OK;
}

static int start_v2(pq_leaf_reader *lr, const pq_page_header *h, const uint8_t *body, lago_err *err) {
  const pq_leaf *lf = lr->leaf;
  if (!h->has_data_page_header_v2) return pbad(lr, err, "DATA_PAGE_V2 without a data_page_header_v2");
  const pq_data_page_header_v2 *dp = &h->data_page_header_v2;
  if (dp->num_values < 0 || dp->num_nulls < 0 || dp->num_rows < 0 || dp->num_nulls > dp->num_values)
    return pbad(lr, err, "bad value/null/row counts");
  size_t csize = (size_t)h->compressed_page_size, usize = (size_t)h->uncompressed_page_size;
  if (dp->repetition_levels_byte_length < 0 || dp->definition_levels_byte_length < 0)
    return pbad(lr, err, "negative level lengths");
  size_t rl = (size_t)dp->repetition_levels_byte_length, dl = (size_t)dp->definition_levels_byte_length;
  if (rl + dl > csize || rl + dl > usize) return pbad(lr, err, "level sections longer than the page");
  if (lf->max_rep) {
    pq_rle_init(&lr->rep_rle, body, rl, pq_bit_width(lf->max_rep));
    lr->rep_is_bp = false;
  }
  if (lf->max_def) {
    pq_rle_init(&lr->def_rle, body + rl, dl, pq_bit_width(lf->max_def));
    lr->def_is_bp = false;
  }
  const uint8_t *vsrc = body + rl + dl, *p;
  size_t vclen = csize - rl - dl, vulen = usize - rl - dl, len;
  if (dp->is_compressed) {
    TRY(inflate_body(lr, vsrc, vclen, vulen, false, &p, &len, err));
  } else {
    p = vsrc;
    len = vclen;
  }
  TRY(pq_vdec_init(lr, &lr->vd, dp->encoding, p, p + len, err));
  lr->page_left = (uint32_t)dp->num_values;
  return LAGO_OK;
}

int pq_page_next(pq_leaf_reader *lr, lago_err *err) {
  for (;;) {
    lr->in_page = false;
    if (lr->pos >= lr->chunk_len) return LAGO_OK; /* no more pages */
    snprintf(lr->page_what, sizeof lr->page_what, "%s, page %u", lr->what, lr->page_no);
    size_t avail = lr->chunk_len - lr->pos;
    pq_page_header h;
    size_t hlen;
    TRY(pq_meta_read_page_header(lr->chunk + lr->pos, avail < PQ_MAX_PAGE_HEADER ? avail : PQ_MAX_PAGE_HEADER,
                                 lr->page_what, &h, &hlen, err));
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: negative page size (%d compressed, %d uncompressed)", lr->page_what,
                      h.compressed_page_size, h.uncompressed_page_size);
    if ((size_t)h.compressed_page_size > avail - hlen)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: page of %d bytes runs past the end of the column chunk (%zu left)",
                      lr->page_what, h.compressed_page_size, avail - hlen);
    const uint8_t *body = lr->chunk + lr->pos + hlen;
    lr->pos += hlen + (size_t)h.compressed_page_size;
    lr->page_no++;
    if (h.has_crc && lr->verify_crc &&
        (h.type == PQP_DATA_PAGE || h.type == PQP_DATA_PAGE_V2 || h.type == PQP_DICTIONARY_PAGE)) {
      uint32_t c = (uint32_t)crc32(0L, body, (uInt)h.compressed_page_size);
      if (c != (uint32_t)h.crc)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: page CRC mismatch (stored %08x, computed %08x)", lr->page_what,
                        (uint32_t)h.crc, c);
    }
    switch (h.type) {
      case PQP_DICTIONARY_PAGE: TRY(load_dictionary(lr, &h, body, err)); continue;
      case PQP_DATA_PAGE:
        TRY(start_v1(lr, &h, body, err));
        break;
      case PQP_DATA_PAGE_V2:
        TRY(start_v2(lr, &h, body, err));
        break;
      default: continue; /* INDEX_PAGE and unknown page types carry nothing we need */
    }
    lr->seen_data = true;
    lr->in_page = true;
    return LAGO_OK;
  }
}

/* Gathers dictionary values for n codes into dst (type_width w each). */
static void dict_gather(const vec *d, const uint32_t *codes, uint32_t n, void *dst) {
  size_t w = type_width(d->type);
  switch (w) {
    case 1: for (uint32_t i = 0; i < n; i++) ((uint8_t *)dst)[i] = ((const uint8_t *)d->data)[codes[i]]; break;
    case 2: for (uint32_t i = 0; i < n; i++) ((uint16_t *)dst)[i] = ((const uint16_t *)d->data)[codes[i]]; break;
    case 4: for (uint32_t i = 0; i < n; i++) ((uint32_t *)dst)[i] = ((const uint32_t *)d->data)[codes[i]]; break;
    case 8: for (uint32_t i = 0; i < n; i++) ((uint64_t *)dst)[i] = ((const uint64_t *)d->data)[codes[i]]; break;
    case 16:
      for (uint32_t i = 0; i < n; i++) ((lago_str *)dst)[i] = ((const lago_str *)d->data)[codes[i]];
      break;
    default:
      for (uint32_t i = 0; i < n; i++)
        memcpy((uint8_t *)dst + (size_t)i * w, (const uint8_t *)d->data + (size_t)codes[i] * w, w);
  }
}

/* Dictionary indexes must be below the dictionary size (unneeded when bw bits cannot reach it). */
static int check_codes(pq_leaf_reader *lr, const uint32_t *codes, uint32_t n, lago_err *err) {
  uint32_t lim = lr->dict->len;
  unsigned bw = lr->vd.rle.bw;
  if (bw < 32 && ((uint64_t)1 << bw) <= lim) return LAGO_OK;
  uint32_t bad = 0;
  for (uint32_t i = 0; i < n; i++) bad |= codes[i] >= lim;
  if (!bad) return LAGO_OK;
  uint32_t i = 0;
  while (codes[i] < lim) i++;
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: dictionary index %u out of range (dictionary has %u values)", lr->page_what,
                  codes[i], lim);
}

#define CODE_CHUNK 1024
#define DBP_CHUNK 256

int pq_vdec_get(pq_leaf_reader *lr, void *dst, uint32_t *codes, uint32_t n, arena *batch_ar, lago_err *err) {
  if (n == 0) return LAGO_OK;
  pq_vdec *vd = &lr->vd;
  const pq_leaf *lf = lr->leaf;
  if (vd->empty)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: the page has no values but %u are needed", lr->page_what, n);
  if (vd->dict) {
    if (codes) {
      TRY(pq_rle_get32(&vd->rle, codes, n, lr->page_what, err));
      return check_codes(lr, codes, n, err);
    }
    size_t w = type_width(lf->type);
    while (n) {
      uint32_t k = n < CODE_CHUNK ? n : CODE_CHUNK;
      TRY(pq_rle_get32(&vd->rle, lr->codes, k, lr->page_what, err));
      TRY(check_codes(lr, lr->codes, k, err));
      dict_gather(lr->dict, lr->codes, k, dst);
      dst = (uint8_t *)dst + (size_t)k * w;
      n -= k;
    }
    return LAGO_OK;
  }
  void *phys = dst;
  if (lf->conv != PQV_NONE) {
    TRY(scratch(lr, (size_t)n * pq_phys_width(lf->phys), err));
    phys = lr->scratch;
  }
  switch (vd->enc) {
    case PQE_PLAIN:
      TRY(pq_plain_get(lf->phys, lf->type_length, &vd->p, vd->end, &vd->bit, phys, n, lr->page_what, err));
      break;
    case PQE_RLE: TRY(pq_rle_get8(&vd->rle, phys, n, lr->page_what, err)); break;
    case PQE_DELTA_BINARY_PACKED: {
      uint64_t tmp[DBP_CHUNK];
      for (uint32_t done = 0; done < n;) {
        uint32_t k = n - done < DBP_CHUNK ? n - done : DBP_CHUNK;
        TRY(pq_dbp_get(&vd->dbp, tmp, k, lr->page_what, err));
        if (lf->phys == PQT_INT32)
          for (uint32_t i = 0; i < k; i++) ((int32_t *)phys)[done + i] = (int32_t)(uint32_t)tmp[i];
        else
          memcpy((int64_t *)phys + done, tmp, (size_t)k * 8);
        done += k;
      }
      break;
    }
    case PQE_DELTA_LENGTH_BYTE_ARRAY: TRY(pq_dlba_get(&vd->dlba, phys, n, lr->page_what, err)); break;
    case PQE_DELTA_BYTE_ARRAY:
      TRY(pq_dba_get(&vd->dba, phys, n, batch_ar, lr->page_what, err));
      if (lf->phys == PQT_FIXED_LEN_BYTE_ARRAY)
        for (uint32_t i = 0; i < n; i++)
          if (((lago_str *)phys)[i].len != (uint32_t)lf->type_length)
            return LAGO_ERR(err, LAGO_CORRUPT, "%s: DELTA_BYTE_ARRAY value of %u bytes in a FIXED_LEN_BYTE_ARRAY(%d)",
                            lr->page_what, ((lago_str *)phys)[i].len, lf->type_length);
      break;
    case PQE_BYTE_STREAM_SPLIT:
      TRY(pq_bss_get(&vd->bss, phys, n, lf->phys == PQT_FIXED_LEN_BYTE_ARRAY, batch_ar, lr->page_what, err));
      break;
    default: return LAGO_ERR(err, LAGO_INTERNAL, "%s: no decoder for encoding %d", lr->page_what, (int)vd->enc);
  }
  if (lf->conv != PQV_NONE) TRY(pq_convert(lf->conv, lf->type, phys, dst, n, lr->page_what, err));
  return LAGO_OK;
}
