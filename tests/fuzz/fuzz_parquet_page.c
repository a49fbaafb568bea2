/*
** tests/fuzz/fuzz_parquet_page.c: arbitrary bytes as the pages of one
** column chunk (page headers, dictionary page, v1/v2 data pages) decoded by
** the reader's page and column code, for a column shape picked by the
** first bytes:
**
**   byte 0   column shape (k_shapes below: physical type, annotation, levels)
**   byte 1   codec (low 3 bits) | keep_dictionary (bit 3)
**   byte 2   rows to read per batch (1..256)
**   rest     the column chunk: PageHeader, body, PageHeader, body, ...
**
** Any status is fine; a crash, a sanitizer report, a leak or an unexpected
** status code is a finding. Values are rendered to catch bad views.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "util/buf.h"
#include "vec/value_text.h"

typedef struct shape {
  pq_type phys;
  int32_t type_length;
  pq_converted conv;
  pq_logical_kind lk;
  pq_time_unit unit;
  bool utc;
  int precision, scale;
  int bit_width;
  bool sgn;
  int nesting; /* 0 required, 1 optional, 2 optional list of optional elements */
} shape;

static const shape k_shapes[] = {
    {PQT_BOOLEAN, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_INT32, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 0},
    {PQT_INT32, 0, PQC_NONE, PQL_INTEGER, 0, 0, 0, 0, 8, true, 1},
    {PQT_INT32, 0, PQC_NONE, PQL_INTEGER, 0, 0, 0, 0, 16, false, 1},
    {PQT_INT32, 0, PQC_DATE, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_INT32, 0, PQC_DECIMAL, PQL_NONE, 0, 0, 9, 2, 0, 0, 1},
    {PQT_INT32, 0, PQC_NONE, PQL_TIME, PQU_MILLIS, true, 0, 0, 0, 0, 1},
    {PQT_INT64, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_INT64, 0, PQC_NONE, PQL_TIMESTAMP, PQU_NANOS, true, 0, 0, 0, 0, 1},
    {PQT_INT64, 0, PQC_NONE, PQL_TIMESTAMP, PQU_MILLIS, false, 0, 0, 0, 0, 0},
    {PQT_INT64, 0, PQC_DECIMAL, PQL_NONE, 0, 0, 18, 3, 0, 0, 1},
    {PQT_INT96, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_FLOAT, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_DOUBLE, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 0},
    {PQT_BYTE_ARRAY, 0, PQC_UTF8, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_BYTE_ARRAY, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 0},
    {PQT_BYTE_ARRAY, 0, PQC_DECIMAL, PQL_NONE, 0, 0, 30, 4, 0, 0, 1},
    {PQT_FIXED_LEN_BYTE_ARRAY, 2, PQC_NONE, PQL_FLOAT16, 0, 0, 0, 0, 0, 0, 1},
    {PQT_FIXED_LEN_BYTE_ARRAY, 16, PQC_NONE, PQL_UUID, 0, 0, 0, 0, 0, 0, 1},
    {PQT_FIXED_LEN_BYTE_ARRAY, 12, PQC_INTERVAL, PQL_NONE, 0, 0, 0, 0, 0, 0, 1},
    {PQT_FIXED_LEN_BYTE_ARRAY, 5, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 0},
    {PQT_FIXED_LEN_BYTE_ARRAY, 11, PQC_DECIMAL, PQL_NONE, 0, 0, 25, 2, 0, 0, 1},
    {PQT_INT32, 0, PQC_NONE, PQL_NONE, 0, 0, 0, 0, 0, 0, 2},
    {PQT_BYTE_ARRAY, 0, PQC_UTF8, PQL_NONE, 0, 0, 0, 0, 0, 0, 2},
};

static const pq_codec k_codecs[8] = {PQ_CODEC_UNCOMPRESSED, PQ_CODEC_SNAPPY, PQ_CODEC_GZIP,    PQ_CODEC_ZSTD,
                                     PQ_CODEC_LZ4_RAW,      PQ_CODEC_LZ4,    PQ_CODEC_BROTLI, PQ_CODEC_UNCOMPRESSED};

static void render(const vec *v, uint32_t n, buf *b) {
  for (uint32_t i = 0; i < n; i++) {
    buf_clear(b);
    if (value_text_append(b, v, i) != LAGO_OK) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3 || size > (1u << 20)) return 0;
  const shape *sh = &k_shapes[data[0] % (sizeof k_shapes / sizeof k_shapes[0])];
  pq_codec codec = k_codecs[data[1] & 7];
  bool keep_dict = (data[1] >> 3) & 1;
  uint32_t rows = (uint32_t)data[2] + 1;
  const uint8_t *chunk = data + 3;
  size_t len = size - 3;

  pq_schema_element el;
  memset(&el, 0, sizeof el);
  el.name = "c";
  el.has_type = true;
  el.type = sh->phys;
  el.type_length = sh->type_length ? sh->type_length : -1;
  el.has_repetition = true;
  el.repetition = sh->nesting ? PQR_OPTIONAL : PQR_REQUIRED;
  el.num_children = -1;
  el.converted = sh->conv;
  el.precision = sh->precision;
  el.scale = sh->scale;
  el.logical.kind = sh->lk;
  el.logical.unit = sh->unit;
  el.logical.is_adjusted_to_utc = sh->utc;
  el.logical.bit_width = (int8_t)sh->bit_width;
  el.logical.is_signed = sh->sgn;
  pq_leaf lf;
  memset(&lf, 0, sizeof lf);
  lf.el = &el;
  lf.phys = sh->phys;
  lf.type_length = sh->type_length;
  lago_err e;
  lago_err_clear(&e);
  if (pq_leaf_type(&el, &lf.type, &lf.conv, &lf.is_json, "fuzz", &e) != LAGO_OK) return 0;
  static const char *path2[2] = {"c", "element"};
  lf.path = path2;
  lf.dotted = "c";
  lf.path_len = sh->nesting == 2 ? 2 : 1;
  lf.max_def = (uint8_t)(sh->nesting == 2 ? 3 : sh->nesting);
  lf.max_rep = sh->nesting == 2 ? 1 : 0;
  lf.rep_def[1] = 2;
  pq_column_meta cm;
  memset(&cm, 0, sizeof cm);
  cm.type = sh->phys;
  cm.codec = codec;
  cm.total_compressed_size = (int64_t)len;

  arena *rg_ar = arena_new("rowgroup", 4096), *batch_ar = arena_new("batch", 4096);
  pq_leaf_reader lr;
  memset(&lr, 0, sizeof lr);
  buf b;
  buf_init(&b);
  int rc = LAGO_NOMEM;
  if (!rg_ar || !batch_ar) goto done;
  rc = pq_lr_init(&lr, &lf, &cm, chunk, len, rg_ar, "fuzz: column 'c'", true, &e);
  for (int step = 0; step < 4 && rc == LAGO_OK; step++) {
    arena_reset(batch_ar);
    pq_lr_batch_begin(&lr);
    if (lf.max_rep == 0) {
      vec *v = vec_new(batch_ar, lf.type, rows);
      if (!v) {
        rc = LAGO_NOMEM;
        break;
      }
      rc = pq_lr_read_flat(&lr, v, rows, keep_dict, batch_ar, &e);
      if (rc == LAGO_OK) render(v, rows, &b);
    } else {
      lago_type lt;
      if (type_array(batch_ar, lf.type, true, &lt)) {
        rc = LAGO_NOMEM;
        break;
      }
      vec *v = vec_new(batch_ar, lt, rows);
      if (!v) {
        rc = LAGO_NOMEM;
        break;
      }
      pq_anode leaf = {PQA_LEAF, 1, 2, 3, 0, 0, NULL};
      pq_anode *kids[1] = {&leaf};
      pq_anode list = {PQA_LIST, 0, 0, 1, 0, 1, kids};
      rc = pq_lr_read_rows(&lr, v->child, rows, batch_ar, &e);
      pq_levels *lv[1] = {&lr.lv};
      if (rc == LAGO_OK) rc = pq_assemble(&list, 0, 1, lv, v, rows, "fuzz", &e);
      if (rc == LAGO_OK) render(v, rows, &b);
    }
  }
done:
  pq_lr_deinit(&lr);
  buf_deinit(&b);
  arena_free(rg_ar);
  arena_free(batch_ar);
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_UNSUPPORTED && rc != LAGO_NOMEM) abort();
  return 0;
}
