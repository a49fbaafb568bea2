/*
** tests/fuzz/fuzz_csv.c: the CSV reader on arbitrary bytes.
** Input: byte 0 picks options (header, multiLine, quote/escape, separator,
** mode, whitespace, comment), byte 1 the schema and chunk size, the rest is
** the file (served from memory through a small lago_fs). Must never crash;
** every batch has the schema's column count and consistent lengths; the only
** errors are LAGO_CORRUPT (FAILFAST, limits) and LAGO_NOMEM. For small inputs
** the parallel scan (tiny ranges, 2 threads) must give the same rows as one
** reader, and inference must succeed.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/csv/csv.h"
#include "format/csv/csv_int.h"
#include "vec/value_text.h"
#include "fuzz_text.h"


/* ---- reading ------------------------------------------------------------------------------- */

static int read_serial(lago_fs *fs, const csv_options *o, lago_type s, size_t chunk, buf *out) {
  csv_reader *r;
  lago_err e;
  lago_err_clear(&e);
  int rc = csv_reader_open(fs, "fuzz.csv", o, s, &r, &e);
  if (!rc && chunk) csv_reader_set_chunk(r, chunk);
  while (!rc) {
    batch *b;
    csv_batch_info bi;
    rc = csv_reader_next(r, NULL, &b, &bi, &e);
    if (rc || !b->n_rows) break;
    if (b->n_cols != type_n_fields(s)) abort();
    for (uint32_t c = 0; c < b->n_cols; c++)
      if (b->cols[c].len != b->n_rows) abort();
    fz_render(out, b, &bi);
  }
  csv_reader_close(r);
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_NOMEM) abort();
  return rc;
}

static int scan_next(void *sc, batch **b, txt_batch_info *bi, lago_err *e) { return csv_scan_next(sc, b, bi, e); }

static int read_scan(lago_fs *fs, const csv_options *o, lago_type s, uint64_t range, buf *out) {
  const char *path = "fuzz.csv";
  csv_scan *sc;
  csv_scan_config cfg = {2, range, 0};
  lago_err e;
  lago_err_clear(&e);
  int rc = csv_scan_open(fs, &path, 1, o, s, &cfg, &sc, &e);
  if (!rc) rc = fz_drain(sc, scan_next, out, &e);
  csv_scan_close(sc);
  return rc;
}

static const char *const schemas[] = {
    "STRUCT<a: STRING, b: STRING, c: STRING>",
    "STRUCT<a: INT, b: DOUBLE, c: STRING, _corrupt_record: STRING>",
    "STRUCT<a: DECIMAL(9,2), b: DATE, c: TIMESTAMP, d: BOOLEAN>",
    "STRUCT<a: BIGINT, b: DECIMAL(30,5), c: TIMESTAMP_NTZ, d: BINARY, e: FLOAT>",
    "STRUCT<a: STRING>",
    "STRUCT<_corrupt_record: STRING, a: SMALLINT, b: STRING>",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > 1 << 16) return 0;
  uint8_t k0 = data[0], k1 = data[1];
  memfs m = memfs_make(data + 2, size - 2);
  arena *ar = arena_new("fuzz", 1024);
  csv_options o;
  csv_options_init(&o);
  o.header = k0 & 1;
  o.multi_line = (k0 >> 1) & 1;
  switch ((k0 >> 2) & 3) {
    case 0: break;
    case 1: o.escape = '"'; break;
    case 2: o.quote = -1; break;
    default: o.quote = '\''; o.escape = -1; break;
  }
  switch ((k0 >> 4) & 3) {
    case 0: break;
    case 1: o.sep[0] = '\t'; break;
    case 2: memcpy(o.sep, "||", 2); o.sep_len = 2; break;
    default: o.sep[0] = ';'; o.line_sep = '\n'; break;
  }
  o.mode = (csv_mode)((k0 >> 6) % 3);
  if (k1 & 0x80) {
    o.ignore_leading_ws = o.ignore_trailing_ws = true;
    o.comment = '#';
    o.null_value = "NA";
    o.unescaped_quote = (csv_uq)((k1 >> 4) % 5);
    o.timestamp_format = "yyyy-MM-dd HH:mm[:ss][.SSS]";
  }
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  if (type_parse(ar, schemas[(k1 & 7) % 6], &s, &e)) abort();
  size_t chunk = (k1 & 8) ? 3 : 0;
  buf a, b;
  buf_init(&a);
  buf_init(&b);
  int rc = read_serial(&m.base, &o, s, chunk, &a);
  if (size < 2048 && o.mode != CSV_FAILFAST) {
    /* Parallel == serial, whatever the bytes. */
    int rc2 = read_scan(&m.base, &o, s, 5 + (k1 & 15), &b);
    if (rc2 != rc || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
    /* Inference on the same bytes. */
    const char *path = "fuzz.csv";
    lago_type t;
    csv_options oi = o;
    oi.infer_schema = true;
    lago_err_clear(&e);
    rc2 = csv_infer_schema(&m.base, &path, 1, &oi, ar, &t, &e);
    if (rc2 != LAGO_OK && rc2 != LAGO_CORRUPT && rc2 != LAGO_NOMEM) abort();
  }
  buf_deinit(&a);
  buf_deinit(&b);
  arena_free(ar);
  return 0;
}
