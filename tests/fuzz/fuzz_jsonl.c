/*
** tests/fuzz/fuzz_jsonl.c: the JSON data file reader (format/json) on
** arbitrary bytes. Input: byte 0 picks syntax options and multiLine, byte 1
** the mode, the schema, the rescued data column and the chunk size; the rest
** is the file (served from memory through a small lago_fs).
** Must never crash. Checked: the only errors are LAGO_CORRUPT (FAILFAST) and
** LAGO_NOMEM; every batch has the schema's columns, all of n_rows rows, list
** offsets inside their children, and renders as text; rescued data is valid
** JSON; corrupt records are valid UTF-8; 3-byte chunks give the same rows as
** the default; for JSON Lines the parallel scan (tiny ranges, 2 threads)
** gives the same rows and error as one reader; inference succeeds (or fails
** with LAGO_CORRUPT in FAILFAST) and reading with the inferred schema works.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/json/jsonl.h"
#include "format/json/jsonl_int.h"
#include "util/json.h"
#include "vec/value_text.h"
#include "fuzz_text.h"


/* ---- checks -------------------------------------------------------------------------------- */

static void check_vec(const vec *v, uint32_t n) {
  if (v->len < n) abort();
  if (v->type.id == LT_STRUCT)
    for (uint32_t i = 0; i < type_n_fields(v->type); i++) check_vec(v->fields[i], n);
  if (v->type.id == LT_ARRAY || v->type.id == LT_MAP) {
    for (uint32_t r = 0; r < n; r++) {
      if (!vec_is_valid(v, r)) continue;
      const lago_list *l = VEC_DATA(v, lago_list) + r;
      if (l->offset > v->child->len || l->length > v->child->len - l->offset) abort();
    }
    check_vec(v->child, v->child->len);
  }
}

static int read_serial(lago_fs *fs, const jsonl_options *o, lago_type s, size_t chunk, int rescue, int corrupt,
                       buf *out, lago_err *e) {
  jsonl_reader *r;
  lago_err_clear(e);
  int rc = jsonl_reader_open(fs, "fuzz.json", o, s, &r, e);
  if (!rc && chunk) jsonl_reader_set_chunk(r, chunk);
  buf tmp;
  buf_init(&tmp);
  while (!rc) {
    batch *b;
    jsonl_batch_info bi;
    rc = jsonl_reader_next(r, NULL, &b, &bi, e);
    if (rc || !b->n_rows) break;
    if (b->n_cols != type_n_fields(s) || b->n_rows > LAGO_VECTOR_SIZE) abort();
    for (uint32_t c = 0; c < b->n_cols; c++) check_vec(&b->cols[c], b->n_rows);
    fz_render(out, b, &bi);
    for (uint32_t i = 0; i < b->n_rows; i++) {
      if (rescue >= 0 && vec_is_valid(&b->cols[rescue], i)) {
        const lago_str *t = VEC_DATA(&b->cols[rescue], lago_str) + i;
        arena *ar = arena_new("fz", 256);
        json_value *jv;
        lago_err je;
        lago_err_clear(&je);
        int jrc = json_parse(ar, str_data(t), t->len, &jv, &je);
        if (jrc == LAGO_PARSE || (jrc == LAGO_OK && jv->type != JSON_OBJECT)) abort();
        arena_free(ar);
      }
      if (corrupt >= 0 && vec_is_valid(&b->cols[corrupt], i)) {
        const lago_str *t = VEC_DATA(&b->cols[corrupt], lago_str) + i;
        if (!txt_utf8_valid(str_data(t), t->len)) abort();
      }
    }
  }
  buf_deinit(&tmp);
  jsonl_reader_close(r);
  if (rc != LAGO_OK && rc != LAGO_CORRUPT && rc != LAGO_NOMEM) abort();
  return rc;
}

static int scan_next(void *sc, batch **b, txt_batch_info *bi, lago_err *e) { return jsonl_scan_next(sc, b, bi, e); }

static int read_scan(lago_fs *fs, const jsonl_options *o, lago_type s, uint64_t range, buf *out, lago_err *e) {
  const char *path = "fuzz.json";
  jsonl_scan *sc;
  jsonl_scan_config cfg = {2, range, 0};
  lago_err_clear(e);
  int rc = jsonl_scan_open(fs, &path, 1, o, s, &cfg, &sc, e);
  if (!rc) rc = fz_drain(sc, scan_next, out, e);
  jsonl_scan_close(sc);
  return rc;
}

static const char *const schemas[] = {
    "STRUCT<a: STRING, b: STRING, c: STRING, _corrupt_record: STRING>",
    "STRUCT<a: BIGINT, b: DOUBLE, c: BOOLEAN, _corrupt_record: STRING, _rescued_data: STRING>",
    "STRUCT<a: DECIMAL(9,2), b: DATE, c: TIMESTAMP, d: TIMESTAMP_NTZ, e: DECIMAL(30,4), f: BINARY>",
    "STRUCT<a: ARRAY<INT>, b: STRUCT<x: INT, y: ARRAY<STRING>>, c: MAP<STRING, DOUBLE>, _rescued_data: STRING>",
    "STRUCT<a: ARRAY<STRUCT<p: STRING, q: ARRAY<ARRAY<TINYINT>>>>, b: FLOAT, c: SMALLINT, _corrupt_record: STRING>",
    "STRUCT<A: INT, a: INT, `a b`: STRING, _rescued_data: STRING, _corrupt_record: STRING>",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 2 || size > 1 << 16) return 0;
  uint8_t k0 = data[0], k1 = data[1];
  memfs m = memfs_make(data + 2, size - 2);
  arena *ar = arena_new("fuzz", 1024);
  jsonl_options o;
  jsonl_options_init(&o);
  o.multi_line = k0 & 1;
  o.allow_comments = (k0 >> 1) & 1;
  o.allow_single_quotes = !((k0 >> 2) & 1);
  o.allow_unquoted_field_names = (k0 >> 3) & 1;
  o.allow_numeric_leading_zeros = (k0 >> 4) & 1;
  o.allow_non_numeric_numbers = !((k0 >> 5) & 1);
  o.allow_backslash_escaping_any = (k0 >> 6) & 1;
  o.allow_unquoted_control_chars = (k0 >> 7) & 1;
  o.mode = (jsonl_mode)(k1 % 3);
  unsigned si = (k1 >> 2) % 6;
  lago_type s;
  lago_err e;
  lago_err_clear(&e);
  if (type_parse(ar, schemas[si], &s, &e)) abort();
  int rescue = type_field_index(s, "_rescued_data"), corrupt = type_field_index(s, "_corrupt_record");
  if (rescue >= 0) o.rescued_column = "_rescued_data";
  if (k1 & 0x20) {
    o.reader_case_sensitive = false;
    o.timestamp_format = "yyyy-MM-dd HH:mm[:ss][.SSS][XXX]";
    o.date_format = "d/M/yyyy";
  }
  if (k1 & 0x40) o.line_sep = '\n';
  size_t chunk = (k1 & 0x80) ? 3 : 0;
  buf a, b;
  buf_init(&a);
  buf_init(&b);
  int rc = read_serial(&m.base, &o, s, 0, rescue, corrupt, &a, &e);
  int rc2 = read_serial(&m.base, &o, s, chunk ? chunk : 1, rescue, corrupt, &b, &e);
  if (rc2 != rc || a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0)) abort();
  if (o.mode != JSONL_FAILFAST && rc == LAGO_CORRUPT) abort();
  if (size < 4096 && !o.multi_line) {
    /* Parallel == serial, whatever the bytes (FAILFAST: the same error; the rows
    ** delivered before it depend on batch boundaries). */
    buf_clear(&b);
    lago_err e2;
    rc2 = read_scan(&m.base, &o, s, 3 + (k1 & 15), &b, &e2);
    if (rc2 != rc) abort();
    if (rc == LAGO_OK && (a.len != b.len || (a.len && memcmp(a.data, b.data, a.len) != 0))) abort();
    if (rc == LAGO_CORRUPT && strcmp(e.msg, e2.msg) != 0) abort();
  }
  if (size < 4096) {
    /* Inference on the same bytes, then reading with the result. */
    const char *path = "fuzz.json";
    lago_type t;
    jsonl_options oi = o;
    oi.infer_types = (k1 >> 4) & 1;
    oi.prefers_decimal = k0 & 2;
    oi.rescued_column = NULL;
    lago_err_clear(&e);
    rc2 = jsonl_infer_schema(&m.base, &path, 1, &oi, ar, &t, &e);
    if (rc2 != LAGO_OK && rc2 != LAGO_CORRUPT && rc2 != LAGO_NOMEM) abort();
    if (rc2 == LAGO_CORRUPT && oi.mode != JSONL_FAILFAST) abort();
    if (rc2 == LAGO_OK) {
      buf_clear(&b);
      rc2 = read_serial(&m.base, &oi, t, 0, -1, type_field_index(t, "_corrupt_record"), &b, &e);
      if (rc2 != LAGO_OK && !(rc2 == LAGO_CORRUPT && oi.mode == JSONL_FAILFAST) && rc2 != LAGO_NOMEM) abort();
    }
  }
  buf_deinit(&a);
  buf_deinit(&b);
  arena_free(ar);
  return 0;
}
