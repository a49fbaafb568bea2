/*
** format/parquet/reader.c: the reader API of parquet.h: pq_open (footer,
** validation, schema) and pq_reader_open/next/close (row groups, column
** chunks, batches, requested output types). Reads only through io/fs.h
** with range reads: the footer, then per row group the byte range of each
** projected column chunk.
**
** File tail (parquet-format, "File Format"), integers little-endian:
**
**   offset 0            size-8-n        size-8     size-4
**   +------+----------+---------------+----------+------+
**   | PAR1 | pages... | FileMetaData  | u32 n    | PAR1 |
**   +------+----------+---------------+----------+------+
**                       n bytes, Thrift compact
**   "PARE" instead of "PAR1" marks an encrypted footer (not supported).
**
** Memory: a pq_file owns one arena (footer bytes, decoded metadata,
** schema) that never changes after pq_open, so several readers on several
** threads may share it. A pq_reader owns three arenas: "query" (its
** options and leaf readers), "rowgroup" (column chunk bytes and
** dictionaries, reset per row group) and "batch" (the vectors handed out,
** reset per batch); decompressed pages are heap buffers of the leaf
** readers, freed once no batch can refer to them. So memory is bounded by
** the projected column chunks of one row group plus one batch.
*/
#include <stdio.h>
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/alloc.h"
#include "util/datetime.h"
#include "util/numfmt.h"

struct pq_file {
  arena *ar;            /* everything below lives here */
  lago_file *f;         /* owned */
  const char *path;
  uint64_t size;
  pq_file_meta meta;
  pq_schema schema;
  int64_t num_rows;     /* sum over row groups */
};

const pq_file_meta *pq_file_metadata(const pq_file *pf) { return &pf->meta; }
const char *pq_file_path(const pq_file *pf) { return pf->path; }
uint64_t pq_file_size(const pq_file *pf) { return pf->size; }
lago_type pq_file_schema(const pq_file *pf) { return pf->schema.type; }
int64_t pq_file_num_rows(const pq_file *pf) { return pf->num_rows; }
uint32_t pq_file_num_row_groups(const pq_file *pf) { return pf->meta.n_row_groups; }
int64_t pq_row_group_num_rows(const pq_file *pf, uint32_t rg) {
  return rg < pf->meta.n_row_groups ? pf->meta.row_groups[rg].num_rows : 0;
}
const pq_schema *pq_file_schema_int(const pq_file *pf) { return &pf->schema; }

static int encrypted(const char *path, lago_err *err) {
  return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: encrypted Parquet files are not supported", path);
}

/* Checks what every later step relies on: counts, types, offsets, no encryption. */
static int validate(pq_file *pf, lago_err *err) {
  const pq_file_meta *fm = &pf->meta;
  const pq_schema *s = &pf->schema;
  int64_t total = 0;
  for (uint32_t r = 0; r < fm->n_row_groups; r++) {
    const pq_row_group *rg = &fm->row_groups[r];
    for (uint32_t c = 0; c < rg->n_columns; c++)
      if (rg->columns[c].has_crypto_metadata || rg->columns[c].has_encrypted_column_metadata)
        return encrypted(pf->path, err);
    if (rg->num_rows < 0 || ADD_OVERFLOW(total, rg->num_rows, &total))
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: row group %u has a bad row count (%lld)", pf->path, r,
                      (long long)rg->num_rows);
    if (rg->n_columns != s->n_leaves)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: row group %u has %u column chunks but the schema has %u leaf columns",
                      pf->path, r, rg->n_columns, s->n_leaves);
    for (uint32_t c = 0; c < rg->n_columns; c++) {
      const pq_column_chunk *cc = &rg->columns[c];
      const pq_leaf *lf = &s->leaves[c];
      if (!cc->has_meta_data)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: row group %u, column '%s' has no metadata", pf->path, r, lf->dotted);
      if (cc->file_path)
        return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: row group %u, column '%s' is stored in another file (%s)",
                        pf->path, r, lf->dotted, cc->file_path);
      const pq_column_meta *cm = &cc->meta_data;
      if (cm->type != lf->phys)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: row group %u, column '%s' is %s but the schema says %s", pf->path, r,
                        lf->dotted, pq_type_name(cm->type), pq_type_name(lf->phys));
      if (cm->num_values < 0 || cm->total_compressed_size < 0 || cm->data_page_offset < 0)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: row group %u, column '%s' has negative sizes or offsets", pf->path,
                        r, lf->dotted);
    }
  }
  pf->num_rows = total;
  return LAGO_OK;
}

int pq_open_file(lago_file *f, pq_file **out, lago_err *err) {
  *out = NULL;
  int rc;
  arena *ar = arena_new("parquet-file", 4096);
  pq_file *pf = ar ? arena_zalloc(ar, sizeof *pf) : NULL;
  if (!pf) {
    arena_free(ar);
    fs_close(f);
    return LAGO_NOMEM_ERR(err);
  }
  pf->ar = ar;
  pf->f = f;
  pf->size = f->size;
  pf->path = arena_strdup(ar, f->path ? f->path : "(parquet)");
  if (!pf->path) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  uint8_t head[4], tail[8];
  if (pf->size < 12) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: too small to be a Parquet file (%llu bytes)", pf->path,
                  (unsigned long long)pf->size);
    goto fail;
  }
  if ((rc = fs_read_at(f, 0, head, 4, err)) || (rc = fs_read_at(f, pf->size - 8, tail, 8, err))) goto fail;
  if (memcmp(tail + 4, "PARE", 4) == 0 || memcmp(head, "PARE", 4) == 0) {
    rc = encrypted(pf->path, err);
    goto fail;
  }
  if (memcmp(tail + 4, "PAR1", 4) != 0 || memcmp(head, "PAR1", 4) != 0) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: not a Parquet file (no PAR1 magic at the %s)", pf->path,
                  memcmp(tail + 4, "PAR1", 4) ? "end" : "start");
    goto fail;
  }
  uint32_t flen = load_le32(tail);
  if (flen > pf->size - 12 || flen == 0) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: bad footer length %u (file size %llu)", pf->path, flen,
                  (unsigned long long)pf->size);
    goto fail;
  }
  if (flen > PQ_MAX_FOOTER_BYTES) {
    rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: footer of %u bytes is larger than lago accepts (%u)", pf->path, flen,
                  PQ_MAX_FOOTER_BYTES);
    goto fail;
  }
  uint8_t *fb = arena_alloc(ar, flen);
  const char *what = arena_printf(ar, "%s: footer", pf->path);
  if (!fb || !what) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  if ((rc = fs_read_at(f, pf->size - 8 - flen, fb, flen, err))) goto fail;
  if ((rc = pq_meta_read_file(fb, flen, ar, what, &pf->meta, err))) goto fail;
  if (pf->meta.has_encryption_algorithm) {
    rc = encrypted(pf->path, err);
    goto fail;
  }
  /* Encrypted columns first: their metadata may be missing or ciphertext. */
  for (uint32_t r = 0; r < pf->meta.n_row_groups; r++)
    for (uint32_t c = 0; c < pf->meta.row_groups[r].n_columns; c++)
      if (pf->meta.row_groups[r].columns[c].has_crypto_metadata ||
          pf->meta.row_groups[r].columns[c].has_encrypted_column_metadata) {
        rc = encrypted(pf->path, err);
        goto fail;
      }
  if ((rc = pq_schema_build(ar, &pf->meta, pf->path, &pf->schema, err))) goto fail;
  if ((rc = validate(pf, err))) goto fail;
  *out = pf;
  return LAGO_OK;
fail:
  fs_close(f);
  arena_free(ar);
  return rc;
}

int pq_open(lago_fs *fs, const char *path, pq_file **out, lago_err *err) {
  *out = NULL;
  lago_file *f;
  TRY(fs_open(fs, path, &f, err));
  return pq_open_file(f, out, err);
}

void pq_close(pq_file *pf) {
  if (!pf) return;
  fs_close(pf->f);
  arena_free(pf->ar);
}

/* ======================================================================== */
/* requested output types                                                    */
/* ======================================================================== */

/* Range of an integer type as [lo, hi] in i128. */
static void int_range(lago_type_id id, lago_i128 *lo, lago_i128 *hi) {
  switch (id) {
    case LT_TINYINT: *lo = INT8_MIN, *hi = INT8_MAX; return;
    case LT_SMALLINT: *lo = INT16_MIN, *hi = INT16_MAX; return;
    case LT_INT: *lo = INT32_MIN, *hi = INT32_MAX; return;
    case LT_BIGINT: *lo = INT64_MIN, *hi = INT64_MAX; return;
    case LT_UTINYINT: *lo = 0, *hi = UINT8_MAX; return;
    case LT_USMALLINT: *lo = 0, *hi = UINT16_MAX; return;
    case LT_UINT: *lo = 0, *hi = UINT32_MAX; return;
    case LT_UBIGINT: *lo = 0, *hi = UINT64_MAX; return;
    default: *lo = *hi = 0;
  }
}

static int int_digits(lago_type_id id) {
  lago_i128 lo, hi;
  int_range(id, &lo, &hi);
  int d = 0;
  for (lago_i128 x = hi; x; x /= 10) d++;
  return d;
}

static bool is_ts(lago_type_id id) { return id == LT_TIMESTAMP || id == LT_TIMESTAMP_NTZ || id == LT_TIMESTAMP_NS; }

/* Is reading natural type `from` as `to` one of the supported lossless conversions? */
static bool conv_ok(lago_type from, lago_type to) {
  if (type_equal(from, to)) return true;
  if (type_is_nested(from) || type_is_nested(to)) return false;
  if (is_ts(from.id) && (to.id == LT_TIMESTAMP || to.id == LT_TIMESTAMP_NTZ)) return true;
  if (type_is_integer(from) && type_is_integer(to)) {
    lago_i128 flo, fhi, tlo, thi;
    int_range((lago_type_id)from.id, &flo, &fhi);
    int_range((lago_type_id)to.id, &tlo, &thi);
    return tlo <= flo && fhi <= thi;
  }
  if (to.id == LT_DOUBLE && (from.id == LT_FLOAT || (type_is_integer(from) && type_width(from) <= 4))) return true;
  if (from.id == LT_DECIMAL && to.id == LT_DECIMAL)
    return to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
  if (type_is_integer(from) && to.id == LT_DECIMAL) return to.precision - to.scale >= int_digits((lago_type_id)from.id);
  if (from.id == LT_DATE && to.id == LT_TIMESTAMP_NTZ) return true;
  return false;
}

static lago_i128 int_get(const vec *v, uint32_t i) {
  const void *d = v->data;
  switch ((lago_type_id)v->type.id) {
    case LT_TINYINT: return ((const int8_t *)d)[i];
    case LT_SMALLINT: return ((const int16_t *)d)[i];
    case LT_INT: return ((const int32_t *)d)[i];
    case LT_BIGINT: return ((const int64_t *)d)[i];
    case LT_UTINYINT: return ((const uint8_t *)d)[i];
    case LT_USMALLINT: return ((const uint16_t *)d)[i];
    case LT_UINT: return ((const uint32_t *)d)[i];
    case LT_UBIGINT: return ((const uint64_t *)d)[i];
    default: return 0;
  }
}

static lago_i128 dec_get(const vec *v, uint32_t i) {
  if (type_decimal_is_wide(v->type)) {
    lago_i128 x;
    memcpy(&x, (const uint8_t *)v->data + (size_t)i * 16, 16);
    return x;
  }
  return ((const int64_t *)v->data)[i];
}

static void num_put(vec *v, uint32_t i, lago_i128 x) {
  void *d = v->data;
  switch ((lago_type_id)v->type.id) {
    case LT_TINYINT: ((int8_t *)d)[i] = (int8_t)x; break;
    case LT_SMALLINT: ((int16_t *)d)[i] = (int16_t)x; break;
    case LT_INT: ((int32_t *)d)[i] = (int32_t)x; break;
    case LT_BIGINT: ((int64_t *)d)[i] = (int64_t)x; break;
    case LT_UTINYINT: ((uint8_t *)d)[i] = (uint8_t)x; break;
    case LT_USMALLINT: ((uint16_t *)d)[i] = (uint16_t)x; break;
    case LT_UINT: ((uint32_t *)d)[i] = (uint32_t)x; break;
    case LT_UBIGINT: ((uint64_t *)d)[i] = (uint64_t)x; break;
    case LT_DECIMAL:
      if (type_decimal_is_wide(v->type)) memcpy((uint8_t *)d + (size_t)i * 16, &x, 16);
      else ((int64_t *)d)[i] = (int64_t)x;
      break;
    default: break;
  }
}

/* Converts the FLAT vector src (n values) into a new FLAT vector of type `to`. */
static int convert_flat(arena *ar, const vec *src, uint32_t n, lago_type to, vec **out) {
  vec *d = vec_new(ar, to, n ? n : 1);
  if (!d) return LAGO_NOMEM;
  lago_type from = src->type;
  if (is_ts(from.id)) {
    const int64_t *s = src->data;
    int64_t *o = d->data;
    for (uint32_t i = 0; i < n; i++) o[i] = from.id == LT_TIMESTAMP_NS ? s[i] / 1000 : s[i];
  } else if (type_is_integer(from) && type_is_integer(to)) {
    for (uint32_t i = 0; i < n; i++) num_put(d, i, int_get(src, i));
  } else if (to.id == LT_DOUBLE) {
    double *o = d->data;
    if (from.id == LT_FLOAT)
      for (uint32_t i = 0; i < n; i++) o[i] = ((const float *)src->data)[i];
    else
      for (uint32_t i = 0; i < n; i++) o[i] = (double)int_get(src, i);
  } else if (to.id == LT_DECIMAL) {
    bool from_dec = from.id == LT_DECIMAL;
    lago_i128 mul = pow10_i128(to.scale - (from_dec ? from.scale : 0));
    for (uint32_t i = 0; i < n; i++) num_put(d, i, (from_dec ? dec_get(src, i) : int_get(src, i)) * mul);
  } else if (from.id == LT_DATE && to.id == LT_TIMESTAMP_NTZ) {
    for (uint32_t i = 0; i < n; i++) ((int64_t *)d->data)[i] = (int64_t)((const int32_t *)src->data)[i] * MICROS_PER_DAY;
  } else {
    return LAGO_INTERNAL;
  }
  if (src->validity) {
    if (vec_ensure_validity(d)) return LAGO_NOMEM;
    memcpy(d->validity, src->validity, bitmap_words(n) * 8);
  }
  d->len = n;
  *out = d;
  return LAGO_OK;
}

/* Replaces column v (FLAT or DICT) by its values as type `to`. */
static int convert_column(arena *ar, vec *v, lago_type to) {
  if (type_equal(v->type, to)) return LAGO_OK;
  if (v->kind == VEC_DICT) {
    vec *nd;
    TRY(convert_flat(ar, v->dict, v->dict->len, to, &nd));
    v->dict = nd;
    v->type = to;
    return LAGO_OK;
  }
  vec *nv;
  TRY(convert_flat(ar, v, v->len, to, &nv));
  *v = *nv;
  return LAGO_OK;
}

/* ======================================================================== */
/* reading                                                                   */
/* ======================================================================== */

struct pq_reader {
  pq_file *pf;
  arena *ar;                /* "query": options, leaf readers (freed at close) */
  arena *rg_ar;             /* chunk bytes and dictionaries of the current row group */
  arena *batch_ar;          /* the batch handed out */
  size_t rg_first, batch_first; /* first-block sizes of rg_ar and batch_ar */
  uint32_t n_cols;
  uint32_t *cols;           /* projected top-level columns */
  lago_type *nat_types;     /* their natural types */
  lago_type *out_types;     /* requested (or natural) types */
  pq_predicate *preds;
  uint32_t n_preds;
  uint32_t *rgs;            /* row groups to read, in order */
  uint32_t n_rgs;
  uint32_t batch_rows;
  bool keep_dict;
  /* state */
  uint32_t rg_pos;          /* next entry of rgs */
  bool rg_active;
  uint32_t cur_rg;
  int64_t rows_left;
  uint32_t n_lrs;
  pq_leaf_reader *lrs;      /* heap: one per projected leaf, column by column */
  uint32_t *lr_first;       /* index into lrs of each projected column's first leaf */
  pq_levels **lvs;          /* scratch for pq_assemble */
  uint32_t skipped;
  int failed;               /* rc of an earlier failure: the reader stays failed */
};

uint32_t pq_reader_skipped_row_groups(const pq_reader *r) { return r->skipped; }

void pq_reader_close(pq_reader *r) {
  if (!r) return;
  for (uint32_t i = 0; i < r->n_lrs; i++) pq_lr_deinit(&r->lrs[i]);
  mem_free(r->lrs);
  arena_free(r->batch_ar);
  arena_free(r->rg_ar);
  arena_free(r->ar);
  mem_free(r);
}

int pq_reader_open(pq_file *pf, const pq_read_opts *opts, pq_reader **out, lago_err *err) {
  *out = NULL;
  pq_read_opts def;
  memset(&def, 0, sizeof def);
  if (!opts) opts = &def;
  const pq_schema *s = &pf->schema;
  pq_reader *r = mem_calloc(1, sizeof *r);
  if (!r) return LAGO_NOMEM_ERR(err);
  r->pf = pf;
  r->ar = arena_new("query", 4096);
  r->rg_first = r->batch_first = 1 << 16;
  r->rg_ar = arena_new("rowgroup", r->rg_first);
  r->batch_ar = arena_new("batch", r->batch_first);
  if (!r->ar || !r->rg_ar || !r->batch_ar) goto nomem;
  r->n_cols = opts->columns ? opts->n_columns : s->n_columns;
  r->cols = arena_calloc(r->ar, r->n_cols ? r->n_cols : 1, sizeof(uint32_t));
  r->nat_types = arena_calloc(r->ar, r->n_cols ? r->n_cols : 1, sizeof(lago_type));
  r->out_types = arena_calloc(r->ar, r->n_cols ? r->n_cols : 1, sizeof(lago_type));
  r->lr_first = arena_calloc(r->ar, r->n_cols ? r->n_cols : 1, sizeof(uint32_t));
  if (!r->cols || !r->nat_types || !r->out_types || !r->lr_first) goto nomem;
  uint32_t n_leaves = 0, most_leaves = 1;
  for (uint32_t i = 0; i < r->n_cols; i++) {
    uint32_t c = opts->columns ? opts->columns[i] : i;
    if (c >= s->n_columns) {
      pq_reader_close(r);
      return LAGO_ERR(err, LAGO_MISUSE, "%s: no column %u (the file has %u)", pf->path, c, s->n_columns);
    }
    const pq_column *col = &s->columns[c];
    r->cols[i] = c;
    r->nat_types[i] = col->type;
    r->out_types[i] = opts->types ? opts->types[i] : col->type;
    if (!conv_ok(col->type, r->out_types[i])) {
      const char *a = type_sql_name(r->ar, col->type), *b = type_sql_name(r->ar, r->out_types[i]);
      int rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: column '%s' of type %s cannot be read as %s", pf->path,
                        col->name, a ? a : "?", b ? b : "?");
      pq_reader_close(r); /* after the message: a and b live in r->ar */
      return rc;
    }
    r->lr_first[i] = n_leaves;
    n_leaves += col->n_leaves;
    if (col->n_leaves > most_leaves) most_leaves = col->n_leaves;
  }
  r->n_preds = opts->preds ? opts->n_preds : 0;
  if (r->n_preds) {
    r->preds = arena_memdup(r->ar, opts->preds, r->n_preds * sizeof(pq_predicate));
    if (!r->preds) goto nomem;
  }
  r->n_rgs = opts->row_groups ? opts->n_row_groups : pf->meta.n_row_groups;
  r->rgs = arena_calloc(r->ar, r->n_rgs ? r->n_rgs : 1, sizeof(uint32_t));
  if (!r->rgs) goto nomem;
  for (uint32_t i = 0; i < r->n_rgs; i++) {
    uint32_t g = opts->row_groups ? opts->row_groups[i] : i;
    if (g >= pf->meta.n_row_groups) {
      pq_reader_close(r);
      return LAGO_ERR(err, LAGO_MISUSE, "%s: no row group %u (the file has %u)", pf->path, g, pf->meta.n_row_groups);
    }
    r->rgs[i] = g;
  }
  r->batch_rows = opts->batch_rows ? opts->batch_rows : LAGO_VECTOR_SIZE;
  r->keep_dict = opts->keep_dictionary;
  r->lrs = mem_calloc(n_leaves ? n_leaves : 1, sizeof(pq_leaf_reader));
  r->lvs = arena_calloc(r->ar, most_leaves, sizeof(pq_levels *));
  if (!r->lrs || !r->lvs) goto nomem;
  r->n_lrs = n_leaves;
  *out = r;
  return LAGO_OK;
nomem:
  pq_reader_close(r);
  return LAGO_NOMEM_ERR(err);
}

/*
** Empties *ar for reuse. When it needed more than its first block last
** time, it is made again with a first block that size (plus a quarter), so
** a steady run of similar row groups or batches allocates nothing. Only
** called when nothing in *ar is referenced any more.
*/
static void arena_refit(arena **ar, const char *name, size_t *first_cap) {
  size_t want = arena_used(*ar);
  if (want > *first_cap) {
    want += want / 4;
    arena *n = arena_new(name, want);
    if (n) { /* on OOM keep the old one: it still works */
      arena_free(*ar);
      *ar = n;
      *first_cap = want;
      return;
    }
  }
  arena_reset(*ar);
}

/* Reads the projected column chunks of row group g and starts their leaf readers. */
static int load_row_group(pq_reader *r, uint32_t g, lago_err *err) {
  pq_file *pf = r->pf;
  const pq_schema *s = &pf->schema;
  const pq_row_group *rg = &pf->meta.row_groups[g];
  for (uint32_t i = 0; i < r->n_lrs; i++) {
    /* Each leaf keeps one page buffer from the last row group: no fresh memory per page. */
    struct pq_pagebuf spare = pq_lr_recycle(&r->lrs[i]);
    r->lrs[i].spare = spare;
  }
  arena_refit(&r->rg_ar, "rowgroup", &r->rg_first);
  for (uint32_t i = 0; i < r->n_cols; i++) {
    const pq_column *col = &s->columns[r->cols[i]];
    for (uint32_t k = 0; k < col->n_leaves; k++) {
      uint32_t leaf = col->first_leaf + k;
      const pq_leaf *lf = &s->leaves[leaf];
      const pq_column_meta *cm = &rg->columns[leaf].meta_data;
      const char *what = arena_printf(r->rg_ar, "%s: row group %u, column '%s'", pf->path, g, lf->dotted);
      if (!what) return LAGO_NOMEM_ERR(err);
      int64_t start = cm->data_page_offset;
      if (cm->dictionary_page_offset > 0 && cm->dictionary_page_offset < start) start = cm->dictionary_page_offset;
      int64_t len = cm->total_compressed_size;
      if (start < 4 || (uint64_t)start > pf->size || (uint64_t)len > pf->size - (uint64_t)start)
        return LAGO_ERR(err, LAGO_CORRUPT, "%s: column chunk (offset %lld, %lld bytes) lies outside the file (%llu bytes)",
                        what, (long long)start, (long long)len, (unsigned long long)pf->size);
      uint8_t *bytes = arena_alloc(r->rg_ar, (size_t)len);
      if (!bytes) return LAGO_NOMEM_ERR(err);
      TRY(fs_read_at(pf->f, (uint64_t)start, bytes, (size_t)len, err));
      pq_leaf_reader *lr = &r->lrs[r->lr_first[i] + k];
      struct pq_pagebuf spare = lr->spare;
      lr->spare.p = NULL;
      int rc = pq_lr_init(lr, lf, cm, bytes, (size_t)len, r->rg_ar, what, true, err);
      lr->spare = spare; /* owned by lr again (freed by pq_lr_deinit) */
      TRY(rc);
    }
  }
  return LAGO_OK;
}

int pq_reader_next(pq_reader *r, batch **out, uint32_t *rg_out, lago_err *err) {
  *out = NULL;
  if (r->failed) return LAGO_ERR(err, r->failed, "%s: the reader failed earlier", r->pf->path);
  const pq_schema *s = &r->pf->schema;
  int rc = LAGO_OK;
  while (!r->rg_active) {
    if (r->rg_pos >= r->n_rgs) { /* the end: an empty batch */
      arena_reset(r->batch_ar);
      for (uint32_t i = 0; i < r->n_lrs; i++) pq_lr_batch_begin(&r->lrs[i]);
      batch *b = batch_new(r->batch_ar, r->n_cols, r->out_types, 1);
      if (!b) return LAGO_NOMEM_ERR(err);
      batch_set_rows(b, 0);
      *out = b;
      return LAGO_OK;
    }
    uint32_t g = r->rgs[r->rg_pos++];
    int64_t nr = r->pf->meta.row_groups[g].num_rows;
    if (nr == 0) continue;
    if (r->n_preds && !pq_row_group_may_match(r->pf, g, r->preds, r->n_preds)) {
      r->skipped++;
      continue;
    }
    if ((rc = load_row_group(r, g, err))) goto fail;
    r->cur_rg = g;
    r->rows_left = nr;
    r->rg_active = true;
  }
  uint32_t n = (int64_t)r->batch_rows < r->rows_left ? r->batch_rows : (uint32_t)r->rows_left;
  arena_refit(&r->batch_ar, "batch", &r->batch_first);
  for (uint32_t i = 0; i < r->n_lrs; i++) pq_lr_batch_begin(&r->lrs[i]);
  batch *b = batch_new(r->batch_ar, r->n_cols, r->nat_types, n);
  if (!b) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  for (uint32_t i = 0; i < r->n_cols; i++) {
    const pq_column *col = &s->columns[r->cols[i]];
    pq_leaf_reader *lrs = &r->lrs[r->lr_first[i]];
    vec *v = &b->cols[i];
    if (col->flat) {
      if ((rc = pq_lr_read_flat(lrs, v, n, r->keep_dict, r->batch_ar, err))) goto fail;
    } else {
      for (uint32_t k = 0; k < col->n_leaves; k++) {
        vec *lv = pq_leaf_vector(col->root, v, col->first_leaf + k);
        if (!lv) {
          rc = LAGO_ERR(err, LAGO_INTERNAL, "%s: no vector for leaf %u", lrs[k].what, col->first_leaf + k);
          goto fail;
        }
        if ((rc = pq_lr_read_rows(&lrs[k], lv, n, r->batch_ar, err))) goto fail;
        r->lvs[k] = &lrs[k].lv;
      }
      if ((rc = pq_assemble(col->root, col->first_leaf, col->n_leaves, r->lvs, v, n, lrs[0].what, err))) goto fail;
    }
    if (!type_equal(v->type, r->out_types[i]) && (rc = convert_column(r->batch_ar, v, r->out_types[i]))) {
      rc = LAGO_NOMEM_ERR(err);
      goto fail;
    }
  }
  b->n_rows = n;
  b->sel = NULL;
  r->rows_left -= n;
  if (r->rows_left == 0) r->rg_active = false;
  *out = b;
  if (rg_out) *rg_out = r->cur_rg;
  return LAGO_OK;
fail:
  r->failed = rc;
  return rc;
}

/* ======================================================================== */
/* files in memory (tests, fuzzing, bytes fetched by other means)            */
/* ======================================================================== */

typedef struct mem_file {
  lago_file base;
  lago_fs fs;           /* a private fs whose vtable only reads */
  const uint8_t *data;  /* borrowed */
} mem_file;

static int mem_read_at(lago_file *f, uint64_t off, void *dst, size_t n, lago_err *err) {
  mem_file *m = (mem_file *)f;
  if (off > f->size || n > f->size - off)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: read of %zu bytes at offset %llu is past the end (size %llu)", f->path, n,
                    (unsigned long long)off, (unsigned long long)f->size);
  if (n) memcpy(dst, m->data + off, n);
  return LAGO_OK;
}

static void mem_close(lago_file *f) {
  mem_free((void *)f->path);
  mem_free(f);
}

static const lago_fs_vtab k_mem_vtab = {
    .name = "memory", .read_at = mem_read_at, .close = mem_close,
};

int pq_open_buffer(const void *data, size_t n, const char *name, pq_file **out, lago_err *err) {
  *out = NULL;
  mem_file *m = mem_calloc(1, sizeof *m);
  char *path = mem_strdup(name ? name : "(memory)");
  if (!m || !path) {
    mem_free(m);
    mem_free(path);
    return LAGO_NOMEM_ERR(err);
  }
  m->fs.vt = &k_mem_vtab;
  m->base.fs = &m->fs;
  m->base.path = path;
  m->base.size = n;
  m->data = data;
  return pq_open_file(&m->base, out, err);
}
