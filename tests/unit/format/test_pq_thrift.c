/*
** tests/unit/format/test_pq_thrift.c: the Thrift compact decoder
** (format/parquet/thrift_read.c) and the metadata structs built on it
** (meta_read.c): varints and zigzag, field-id deltas and long form, bool
** quirks, skipping unknown fields of every type, limits (depth, list
** sizes, truncation), required fields.
*/
#include "format/parquet/pq_read_int.h"
#include "test.h"
#include "util/alloc.h"

/* ---- a tiny compact-protocol writer for building inputs ------------------- */

typedef struct tw {
  uint8_t b[8192];
  size_t n;
  int16_t last[64];
  int depth;
} tw;

static void put(tw *w, uint8_t x) { w->b[w->n++] = x; }
static void varint(tw *w, uint64_t v) {
  while (v >= 0x80) {
    put(w, (uint8_t)(v | 0x80));
    v >>= 7;
  }
  put(w, (uint8_t)v);
}
static void zz(tw *w, int64_t v) { varint(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63)); }
static void fld(tw *w, int16_t id, int type) {
  int16_t d = (int16_t)(id - w->last[w->depth]);
  if (d > 0 && d <= 15) {
    put(w, (uint8_t)(d << 4 | type));
  } else {
    put(w, (uint8_t)type);
    zz(w, id);
  }
  w->last[w->depth] = id;
}
static void begin(tw *w) { w->last[++w->depth] = 0; }
static void stop(tw *w) {
  put(w, 0);
  w->depth--;
}
static void i32f(tw *w, int16_t id, int64_t v) {
  fld(w, id, TT_I32);
  zz(w, v);
}
static void i64f(tw *w, int16_t id, int64_t v) {
  fld(w, id, TT_I64);
  zz(w, v);
}
static void strf(tw *w, int16_t id, const char *s) {
  fld(w, id, TT_BINARY);
  varint(w, strlen(s));
  for (const char *p = s; *p; p++) put(w, (uint8_t)*p);
}
static void list_hdr(tw *w, int et, uint32_t n) {
  if (n < 15) {
    put(w, (uint8_t)(n << 4 | et));
  } else {
    put(w, (uint8_t)(0xf0 | et));
    varint(w, n);
  }
}

/* ---- thrift_read.c ------------------------------------------------------- */

TEST(pq_thrift_ints_and_zigzag) {
  static const int64_t vals[] = {0, -1, 1, 63, -64, 64, INT32_MAX, INT32_MIN, 300, -300};
  tw w = {0};
  begin(&w);
  for (int i = 0; i < 10; i++) i32f(&w, (int16_t)(i + 1), vals[i]);
  i64f(&w, 11, INT64_MIN);
  i64f(&w, 12, INT64_MAX);
  stop(&w);
  thrift_in in;
  lago_err e;
  lago_err_clear(&e);
  thrift_init(&in, w.b, w.n, "test", &e);
  int16_t last;
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  for (int i = 0; i < 12; i++) {
    thrift_field f;
    ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
    ASSERT_EQ_INT(f.id, i + 1);
    int64_t v;
    ASSERT_OK(thrift_read_i64(&in, f.type, &v), &e);
    ASSERT_EQ_INT(v, i < 10 ? vals[i] : i == 10 ? INT64_MIN : INT64_MAX);
  }
  thrift_field f;
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_EQ_INT(f.type, TT_STOP);
  ASSERT_EQ_UINT(thrift_pos(&in), w.n);
}

TEST(pq_thrift_field_id_forms) {
  tw w = {0};
  begin(&w);
  i32f(&w, 1, 7);     /* delta 1 */
  i32f(&w, 16, 8);    /* delta 15 */
  i32f(&w, 40, 9);    /* delta 24: long form */
  i32f(&w, 3, 10);    /* going back: long form */
  i32f(&w, -5, 11);   /* negative id: long form */
  stop(&w);
  thrift_in in;
  lago_err e;
  lago_err_clear(&e);
  thrift_init(&in, w.b, w.n, "test", &e);
  int16_t last;
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  static const int16_t ids[] = {1, 16, 40, 3, -5};
  for (int i = 0; i < 5; i++) {
    thrift_field f;
    ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
    ASSERT_EQ_INT(f.id, ids[i]);
    int32_t v;
    ASSERT_OK(thrift_read_i32(&in, f.type, &v), &e);
    ASSERT_EQ_INT(v, 7 + i);
  }
}

TEST(pq_thrift_bools) {
  tw w = {0};
  begin(&w);
  fld(&w, 1, TT_BOOL_TRUE);
  fld(&w, 2, TT_BOOL_FALSE);
  fld(&w, 3, TT_LIST);
  list_hdr(&w, TT_BOOL_TRUE, 3);
  put(&w, 1);
  put(&w, 0); /* some writers use 0 for false in lists */
  put(&w, 2);
  stop(&w);
  thrift_in in;
  lago_err e;
  lago_err_clear(&e);
  thrift_init(&in, w.b, w.n, "test", &e);
  int16_t last;
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  thrift_field f;
  bool b;
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_OK(thrift_read_bool(&in, f.type, &b), &e);
  ASSERT(b);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_OK(thrift_read_bool(&in, f.type, &b), &e);
  ASSERT(!b);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  int et;
  uint32_t n;
  ASSERT_OK(thrift_read_list(&in, f.type, &et, &n), &e);
  ASSERT_EQ_INT(n, 3);
  bool want[3] = {true, false, false};
  for (int i = 0; i < 3; i++) {
    ASSERT_OK(thrift_read_bool_elem(&in, &b), &e);
    ASSERT_EQ_INT(b, want[i]);
  }
}

TEST(pq_thrift_errors) {
  lago_err e;
  thrift_in in;
  int16_t last;
  thrift_field f;
  int64_t v;
  /* 11-byte varint */
  uint8_t over[] = {0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  lago_err_clear(&e);
  thrift_init(&in, over, sizeof over, "blob", &e);
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_RC(thrift_read_i64(&in, f.type, &v), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "blob");
  /* i32 out of range */
  tw w = {0};
  begin(&w);
  i64f(&w, 1, (int64_t)INT32_MAX + 1);
  stop(&w);
  w.b[0] = (uint8_t)((w.b[0] & 0xf0) | TT_I32);
  lago_err_clear(&e);
  thrift_init(&in, w.b, w.n, "t", &e);
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_RC(thrift_read_i64(&in, f.type, &v), LAGO_CORRUPT);
  /* list claiming more elements than there are bytes */
  uint8_t big[] = {0x19, 0xf5, 0xff, 0xff, 0xff, 0x0f, 0x02};
  lago_err_clear(&e);
  thrift_init(&in, big, sizeof big, "t", &e);
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  int et;
  uint32_t n;
  ASSERT_RC(thrift_read_list(&in, f.type, &et, &n), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "list size");
  /* binary longer than the buffer */
  uint8_t bin[] = {0x18, 0x20, 'a', 'b'};
  lago_err_clear(&e);
  thrift_init(&in, bin, sizeof bin, "t", &e);
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_RC(thrift_skip(&in, f.type), LAGO_CORRUPT);
  /* nesting deeper than THRIFT_MAX_DEPTH, as an unknown field */
  tw d = {0};
  begin(&d);
  for (int i = 0; i < THRIFT_MAX_DEPTH + 5; i++) {
    fld(&d, 1, TT_STRUCT);
    begin(&d);
  }
  for (int i = 0; i < THRIFT_MAX_DEPTH + 5; i++) stop(&d);
  stop(&d);
  lago_err_clear(&e);
  thrift_init(&in, d.b, d.n, "t", &e);
  ASSERT_OK(thrift_struct_begin(&in, &last), &e);
  ASSERT_OK(thrift_field_next(&in, &last, &f), &e);
  ASSERT_RC(thrift_skip(&in, f.type), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "nested too deeply");
}

/* ---- meta_read.c ----------------------------------------------------------- */

/* Writes every kind of value as an unknown field (ids 100..). */
static void unknown_fields(tw *w) {
  fld(w, 100, TT_BOOL_TRUE);
  fld(w, 101, TT_BYTE);
  put(w, 0x7f);
  fld(w, 102, TT_I16);
  zz(w, -3);
  i32f(w, 103, 123456);
  i64f(w, 104, -1);
  fld(w, 105, TT_DOUBLE);
  for (int i = 0; i < 8; i++) put(w, (uint8_t)i);
  strf(w, 106, "ignored");
  fld(w, 107, TT_LIST);
  list_hdr(w, TT_STRUCT, 2);
  begin(w);
  i32f(w, 1, 5);
  stop(w);
  begin(w);
  stop(w);
  fld(w, 108, TT_SET);
  list_hdr(w, TT_I32, 20);
  for (int i = 0; i < 20; i++) zz(w, i);
  fld(w, 109, TT_MAP);
  varint(w, 2);
  put(w, (uint8_t)(TT_BINARY << 4 | TT_LIST));
  for (int i = 0; i < 2; i++) {
    varint(w, 1);
    put(w, 'k');
    list_hdr(w, TT_BOOL_TRUE, 1);
    put(w, 1);
  }
  fld(w, 110, TT_MAP);
  varint(w, 0);
  fld(w, 111, TT_UUID);
  for (int i = 0; i < 16; i++) put(w, 0xaa);
  fld(w, 112, TT_STRUCT);
  begin(w);
  fld(w, 1, TT_STRUCT);
  begin(w);
  strf(w, 2, "deep");
  stop(w);
  stop(w);
}

static size_t page_header(tw *w, bool extras) {
  memset(w, 0, sizeof *w);
  begin(w);
  i32f(w, 1, PQP_DATA_PAGE);
  i32f(w, 2, 100);
  i32f(w, 3, 60);
  i32f(w, 4, -559038737);
  if (extras) i32f(w, 6, 0); /* field 6 is index_page_header (a struct) in the IDL: wrong wire type, skipped */
  fld(w, 5, TT_STRUCT);
  begin(w);
  i32f(w, 1, 42);
  i32f(w, 2, PQE_RLE_DICTIONARY);
  i32f(w, 3, PQE_RLE);
  i32f(w, 4, PQE_BIT_PACKED);
  if (extras) unknown_fields(w);
  fld(w, 5, TT_STRUCT);
  begin(w);
  strf(w, 6, "a");
  strf(w, 5, "z");
  i64f(w, 3, 7);
  fld(w, 7, TT_BOOL_FALSE);
  stop(w);
  stop(w);
  if (extras) unknown_fields(w);
  stop(w);
  return w->n;
}

TEST(pq_meta_page_header_with_unknown_fields) {
  tw w;
  for (int extras = 0; extras < 2; extras++) {
    size_t n = page_header(&w, extras);
    pq_page_header h;
    size_t used = 0;
    lago_err e;
    lago_err_clear(&e);
    ASSERT_OK(pq_meta_read_page_header(w.b, n + 5, "page", &h, &used, &e), &e);
    ASSERT_EQ_UINT(used, n);
    ASSERT_EQ_INT(h.type, PQP_DATA_PAGE);
    ASSERT_EQ_INT(h.uncompressed_page_size, 100);
    ASSERT_EQ_INT(h.compressed_page_size, 60);
    ASSERT(h.has_crc);
    ASSERT_EQ_INT(h.crc, -559038737);
    ASSERT(h.has_data_page_header);
    ASSERT_EQ_INT(h.data_page_header.num_values, 42);
    ASSERT_EQ_INT(h.data_page_header.encoding, PQE_RLE_DICTIONARY);
    ASSERT_EQ_INT(h.data_page_header.repetition_level_encoding, PQE_BIT_PACKED);
    const pq_statistics *st = &h.data_page_header.statistics;
    ASSERT(h.data_page_header.has_statistics && st->has_min_value && st->has_max_value && st->has_null_count);
    ASSERT_EQ_MEM(st->min_value.ptr, "a", 1);
    ASSERT_EQ_MEM(st->max_value.ptr, "z", 1);
    ASSERT(st->has_is_max_value_exact && !st->is_max_value_exact);
  }
}

TEST(pq_meta_page_header_every_truncation_fails) {
  tw w;
  size_t n = page_header(&w, true);
  for (size_t k = 0; k < n; k++) {
    pq_page_header h;
    size_t used;
    lago_err e;
    lago_err_clear(&e);
    int rc = pq_meta_read_page_header(w.b, k, "page", &h, &used, &e);
    if (rc != LAGO_CORRUPT) test_fail_(__FILE__, __LINE__, "prefix %zu of %zu: %s", k, n, lago_rc_name(rc));
  }
}

TEST(pq_meta_required_fields) {
  tw w = {0};
  begin(&w);
  i32f(&w, 1, PQP_DATA_PAGE);
  i32f(&w, 3, 10); /* no uncompressed_page_size */
  stop(&w);
  pq_page_header h;
  size_t used;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_RC(pq_meta_read_page_header(w.b, w.n, "x.parquet: page 3", &h, &used, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "uncompressed_page_size");
  ASSERT_CONTAINS(e.msg, "x.parquet: page 3");
}

/* FileMetaData: root + optional int64 "a" + required group "g" { optional binary "s" (UTF8) }. */
static void file_meta(tw *w, bool with_rg) {
  memset(w, 0, sizeof *w);
  begin(w);
  i32f(w, 1, 2);
  fld(w, 2, TT_LIST);
  list_hdr(w, TT_STRUCT, 4);
  begin(w); strf(w, 4, "schema"); i32f(w, 5, 2); stop(w);
  begin(w); i32f(w, 1, PQT_INT64); i32f(w, 3, PQR_OPTIONAL); strf(w, 4, "a"); i32f(w, 9, 7); stop(w);
  begin(w); i32f(w, 3, PQR_REQUIRED); strf(w, 4, "g"); i32f(w, 5, 1); stop(w);
  begin(w);
  i32f(w, 1, PQT_BYTE_ARRAY); i32f(w, 3, PQR_OPTIONAL); strf(w, 4, "s"); i32f(w, 6, PQC_UTF8);
  fld(w, 10, TT_STRUCT); begin(w); fld(w, 1, TT_STRUCT); begin(w); stop(w); stop(w);
  stop(w);
  i64f(w, 3, 5);
  if (with_rg) {
    fld(w, 4, TT_LIST);
    list_hdr(w, TT_STRUCT, 1);
    begin(w);
    fld(w, 1, TT_LIST);
    list_hdr(w, TT_STRUCT, 2);
    for (int c = 0; c < 2; c++) {
      begin(w);
      i64f(w, 2, 4);
      fld(w, 3, TT_STRUCT);
      begin(w);
      i32f(w, 1, c ? PQT_BYTE_ARRAY : PQT_INT64);
      fld(w, 2, TT_LIST);
      if (c) { /* i8 elements are raw bytes, not varints */
        list_hdr(w, TT_BYTE, 2); put(w, PQE_PLAIN); put(w, PQE_RLE_DICTIONARY);
      } else {
        list_hdr(w, TT_I32, 2); zz(w, PQE_PLAIN); zz(w, PQE_RLE);
      }
      fld(w, 3, TT_LIST); list_hdr(w, TT_BINARY, 1); varint(w, 1); put(w, c ? 's' : 'a');
      i32f(w, 4, PQ_CODEC_SNAPPY);
      i64f(w, 5, 5); i64f(w, 6, 100); i64f(w, 7, 80); i64f(w, 9, 4 + c * 80);
      stop(w);
      stop(w);
    }
    i64f(w, 2, 100);
    i64f(w, 3, 5);
    stop(w);
  }
  strf(w, 6, "test writer");
  stop(w);
}

TEST(pq_meta_file_metadata_and_schema) {
  tw w;
  file_meta(&w, true);
  arena *ar = arena_new("t", 1024);
  pq_file_meta fm;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(pq_meta_read_file(w.b, w.n, ar, "f", &fm, &e), &e);
  ASSERT_EQ_INT(fm.version, 2);
  ASSERT_EQ_INT(fm.n_schema, 4);
  ASSERT_EQ_STR(fm.schema[1].name, "a");
  ASSERT(fm.schema[1].has_field_id);
  ASSERT_EQ_INT(fm.schema[1].field_id, 7);
  ASSERT_EQ_INT(fm.schema[3].converted, PQC_UTF8);
  ASSERT_EQ_INT(fm.schema[3].logical.kind, PQL_STRING);
  ASSERT_EQ_INT(fm.num_rows, 5);
  ASSERT_EQ_INT(fm.n_row_groups, 1);
  ASSERT_EQ_INT(fm.row_groups[0].n_columns, 2);
  const pq_column_meta *cm = &fm.row_groups[0].columns[1].meta_data;
  ASSERT_EQ_INT(cm->type, PQT_BYTE_ARRAY);
  ASSERT_EQ_INT(cm->n_encodings, 2);
  ASSERT_EQ_INT(cm->encodings[1], PQE_RLE_DICTIONARY);
  ASSERT_EQ_INT(fm.row_groups[0].columns[0].meta_data.encodings[1], PQE_RLE);
  ASSERT_EQ_INT(cm->codec, PQ_CODEC_SNAPPY);
  ASSERT_EQ_STR(cm->path_in_schema[0], "s");
  ASSERT_EQ_INT(cm->dictionary_page_offset, -1);
  ASSERT_EQ_STR(fm.created_by, "test writer");
  pq_schema s;
  ASSERT_OK(pq_schema_build(ar, &fm, "f", &s, &e), &e);
  ASSERT_EQ_INT(s.n_columns, 2);
  ASSERT_EQ_INT(s.n_leaves, 2);
  ASSERT_EQ_STR(type_sql_name(ar, s.type), "STRUCT<a: BIGINT, g: STRUCT<s: STRING> NOT NULL>");
  ASSERT(type_field_at(s.type, 0)->has_field_id);
  ASSERT_EQ_INT(type_field_at(s.type, 0)->field_id, 7);
  ASSERT_EQ_STR(s.leaves[1].dotted, "g.s");
  ASSERT_EQ_INT(s.leaves[1].max_def, 1);
  ASSERT(s.columns[0].flat && !s.columns[1].flat);
  /* Without row groups: a required field is missing. */
  file_meta(&w, false);
  lago_err_clear(&e);
  ASSERT_RC(pq_meta_read_file(w.b, w.n, ar, "f", &fm, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "row_groups");
  arena_free(ar);
}

TEST(pq_meta_bad_schemas) {
  arena *ar = arena_new("t", 1024);
  lago_err e;
  pq_file_meta fm;
  pq_schema s;
  tw w;
  file_meta(&w, true);
  lago_err_clear(&e);
  ASSERT_OK(pq_meta_read_file(w.b, w.n, ar, "f", &fm, &e), &e);
  /* num_children larger than the list */
  fm.schema[0].num_children = 9;
  lago_err_clear(&e);
  ASSERT_RC(pq_schema_build(ar, &fm, "f", &s, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "num_children");
  /* elements left over */
  fm.schema[0].num_children = 1;
  lago_err_clear(&e);
  ASSERT_RC(pq_schema_build(ar, &fm, "f", &s, &e), LAGO_CORRUPT);
  fm.schema[0].num_children = 2;
  /* unknown physical type */
  fm.schema[1].type = (pq_type)9;
  lago_err_clear(&e);
  ASSERT_RC(pq_schema_build(ar, &fm, "f", &s, &e), LAGO_CORRUPT);
  ASSERT_CONTAINS(e.msg, "physical type");
  fm.schema[1].type = PQT_INT64;
  /* a decimal lago cannot hold */
  fm.schema[1].converted = PQC_DECIMAL;
  fm.schema[1].precision = 40;
  lago_err_clear(&e);
  ASSERT_RC(pq_schema_build(ar, &fm, "f", &s, &e), LAGO_UNSUPPORTED);
  arena_free(ar);
}

TEST(pq_meta_page_index) {
  tw w = {0};
  begin(&w);
  fld(&w, 1, TT_LIST);
  list_hdr(&w, TT_BOOL_TRUE, 2);
  put(&w, 2);
  put(&w, 1);
  fld(&w, 2, TT_LIST);
  list_hdr(&w, TT_BINARY, 2);
  varint(&w, 1); put(&w, 'a');
  varint(&w, 0);
  fld(&w, 3, TT_LIST);
  list_hdr(&w, TT_BINARY, 2);
  varint(&w, 1); put(&w, 'm');
  varint(&w, 0);
  i32f(&w, 4, PQB_ASCENDING);
  fld(&w, 5, TT_LIST);
  list_hdr(&w, TT_I64, 2);
  zz(&w, 0);
  zz(&w, 10);
  stop(&w);
  arena *ar = arena_new("t", 1024);
  lago_err e;
  lago_err_clear(&e);
  pq_column_index ci;
  ASSERT_OK(pq_meta_read_column_index(w.b, w.n, ar, "ci", &ci, &e), &e);
  ASSERT_EQ_INT(ci.n_pages, 2);
  ASSERT(!ci.null_pages[0] && ci.null_pages[1]);
  ASSERT_EQ_INT(ci.boundary_order, PQB_ASCENDING);
  ASSERT_EQ_INT(ci.null_counts[1], 10);
  tw o = {0};
  begin(&o);
  fld(&o, 1, TT_LIST);
  list_hdr(&o, TT_STRUCT, 1);
  begin(&o);
  i64f(&o, 1, 4);
  i32f(&o, 2, 100);
  i64f(&o, 3, 0);
  stop(&o);
  stop(&o);
  pq_offset_index oi;
  ASSERT_OK(pq_meta_read_offset_index(o.b, o.n, ar, "oi", &oi, &e), &e);
  ASSERT_EQ_INT(oi.n_pages, 1);
  ASSERT_EQ_INT(oi.page_locations[0].compressed_page_size, 100);
  arena_free(ar);
}

static int oom_decode(void *ud) {
  tw *w = ud;
  arena *ar = arena_new("t", 256);
  if (!ar) return LAGO_NOMEM;
  pq_file_meta fm;
  pq_schema s;
  lago_err e;
  lago_err_clear(&e);
  int rc = pq_meta_read_file(w->b, w->n, ar, "f", &fm, &e);
  if (!rc) rc = pq_schema_build(ar, &fm, "f", &s, &e);
  arena_free(ar);
  return rc;
}

TEST(pq_meta_oom_sweep) {
  static tw w;
  file_meta(&w, true);
  ASSERT(test_oom_sweep(oom_decode, &w, 200) > 1);
}
