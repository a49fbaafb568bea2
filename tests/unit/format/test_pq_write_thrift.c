/*
** tests/unit/format/test_pq_write_thrift.c: the Thrift compact encoder
** (thrift_write.c) and the Parquet metadata encoders (meta_write.c), checked
** against bytes computed by hand from the compact-protocol spec.
*/
#include "format/parquet/pq_write_int.h"
#include "format/parquet/thrift_write.h"
#include "test.h"
#include "util/alloc.h"

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void expect_bytes(const buf *b, const uint8_t *want, size_t n) {
  if (b->len != n || memcmp(b->data, want, n) != 0) {
    fprintf(stderr, "  got  %zu bytes:", b->len);
    for (size_t i = 0; i < b->len; i++) fprintf(stderr, " %02x", (uint8_t)b->data[i]);
    fprintf(stderr, "\n  want %zu bytes:", n);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %02x", want[i]);
    fprintf(stderr, "\n");
  }
  ASSERT_EQ_UINT(b->len, n);
  ASSERT_EQ_MEM(b->data, want, n);
}

TEST(pqw_thrift_fields) {
  buf b;
  buf_init(&b);
  tw t;
  tw_init(&t, &b);
  tw_struct_begin(&t);
  tw_field_i32(&t, 1, 1);         /* delta 1, i32: 0x15, zigzag(1) = 2 */
  tw_field_i64(&t, 3, -1);        /* delta 2, i64: 0x26, zigzag(-1) = 1 */
  tw_field_bool(&t, 4, true);     /* delta 1, TRUE: 0x11, no value byte */
  tw_field_bool(&t, 5, false);    /* delta 1, FALSE: 0x12 */
  tw_field_i32(&t, 25, 300);      /* delta 20 > 15: 0x05, zigzag varint id 50 = 0x32, zigzag(300)=600 = d8 04 */
  tw_field_string(&t, 26, "ab");  /* 0x18, len 2, 'a' 'b' */
  tw_field_i8(&t, 27, 16);        /* 0x13, raw byte 0x10 */
  tw_field_i16(&t, 28, -2);       /* 0x14, zigzag(-2) = 3 */
  tw_field_i32(&t, 2, 0);         /* id going down: long form 0x05, zigzag(2) = 4, value 0 */
  tw_struct_end(&t);              /* 0x00 */
  ASSERT_OK(t.rc, NULL);
  expect_bytes(&b, BYTES(0x15, 0x02, 0x26, 0x01, 0x11, 0x12, 0x05, 0x32, 0xd8, 0x04, 0x18, 0x02, 'a', 'b', 0x13,
                         0x10, 0x14, 0x03, 0x05, 0x04, 0x00, 0x00));
  buf_deinit(&b);
}

TEST(pqw_thrift_lists_and_structs) {
  buf b;
  buf_init(&b);
  tw t;
  tw_init(&t, &b);
  tw_struct_begin(&t);
  tw_field_list_begin(&t, 1, TW_I32, 3); /* 0x19, size 3 << 4 | 5 = 0x35 */
  tw_i32(&t, 1);
  tw_i32(&t, -1);
  tw_i32(&t, 64); /* zigzag 128 = 80 01 */
  tw_field_list_begin(&t, 2, TW_TRUE, 2); /* bools: 0x19, 0x21, then one byte each: 1 true, 2 false */
  tw_bool(&t, true);
  tw_bool(&t, false);
  tw_field_list_begin(&t, 3, TW_I64, 15); /* 15 elements: long form 0xf6, varint 15 */
  for (int i = 0; i < 15; i++) tw_i64(&t, 0);
  tw_field_struct_begin(&t, 4); /* 0x1c; inner ids restart at 0 */
  tw_field_i32(&t, 1, 7);       /* 0x15 0x0e */
  tw_field_empty_struct(&t, 2); /* 0x1c 0x00 */
  tw_struct_end(&t);            /* 0x00 */
  tw_field_i32(&t, 5, 1);       /* back in the outer struct: delta 1 from 4: 0x15 0x02 */
  tw_struct_end(&t);
  ASSERT_OK(t.rc, NULL);
  uint8_t want[64];
  size_t n = 0;
  const uint8_t head[] = {0x19, 0x35, 0x02, 0x01, 0x80, 0x01, 0x19, 0x21, 0x01, 0x02, 0x19, 0xf6, 0x0f};
  memcpy(want, head, sizeof head);
  n = sizeof head;
  for (int i = 0; i < 15; i++) want[n++] = 0;
  const uint8_t tail[] = {0x1c, 0x15, 0x0e, 0x1c, 0x00, 0x00, 0x15, 0x02, 0x00};
  memcpy(want + n, tail, sizeof tail);
  n += sizeof tail;
  expect_bytes(&b, want, n);
  buf_deinit(&b);
}

TEST(pqw_thrift_errors) {
  /* Too deep: our own metadata never does this; it is an internal error, not a crash. */
  buf b;
  buf_init(&b);
  tw t;
  tw_init(&t, &b);
  tw_struct_begin(&t);
  for (int i = 0; i < TW_MAX_DEPTH + 2; i++) tw_field_struct_begin(&t, 1);
  ASSERT_RC(t.rc, LAGO_INTERNAL);
  /* Out of memory is sticky. */
  buf_clear(&b);
  tw_init(&t, &b);
  buf_deinit(&b);
  mem_fail_after(1);
  tw_struct_begin(&t);
  tw_field_string(&t, 1, "hello");
  tw_field_i32(&t, 2, 5);
  tw_struct_end(&t);
  mem_fail_after(0);
  ASSERT_RC(t.rc, LAGO_NOMEM);
  buf_deinit(&b);
}

TEST(pqw_meta_page_header_v1) {
  pq_page_header h;
  memset(&h, 0, sizeof h);
  h.type = PQP_DATA_PAGE;
  h.uncompressed_page_size = 100;
  h.compressed_page_size = 64;
  h.has_data_page_header = true;
  h.data_page_header.num_values = 10;
  h.data_page_header.encoding = PQE_RLE_DICTIONARY;
  h.data_page_header.definition_level_encoding = PQE_RLE;
  h.data_page_header.repetition_level_encoding = PQE_RLE;
  buf b;
  buf_init(&b);
  ASSERT_OK(pq_meta_write_page_header(&h, &b), NULL);
  /* 1: type 0 | 2: 100 -> zz 200 = c8 01 | 3: 64 -> zz 128 = 80 01 | 5: struct (delta 2: 0x2c)
     { 1: 10 -> 0x14 | 2: 8 -> 0x10 | 3: 3 -> 0x06 | 4: 3 -> 0x06 } */
  expect_bytes(&b, BYTES(0x15, 0x00, 0x15, 0xc8, 0x01, 0x15, 0x80, 0x01, 0x2c, 0x15, 0x14, 0x15, 0x10, 0x15, 0x06,
                         0x15, 0x06, 0x00, 0x00));
  buf_deinit(&b);
}

TEST(pqw_meta_page_header_v2_and_dict) {
  pq_page_header h;
  memset(&h, 0, sizeof h);
  h.type = PQP_DATA_PAGE_V2;
  h.uncompressed_page_size = 1;
  h.compressed_page_size = 2;
  h.has_data_page_header_v2 = true;
  pq_data_page_header_v2 *d = &h.data_page_header_v2;
  d->num_values = 3;
  d->num_nulls = 1;
  d->num_rows = 2;
  d->encoding = PQE_PLAIN;
  d->definition_levels_byte_length = 4;
  d->repetition_levels_byte_length = 0;
  d->is_compressed = false;
  buf b;
  buf_init(&b);
  ASSERT_OK(pq_meta_write_page_header(&h, &b), NULL);
  /* 1: 3 -> 06 | 2: 1 -> 02 | 3: 2 -> 04 | 8: struct, delta 5: 0x5c
     { 1: 3 -> 06 | 2: 1 -> 02 | 3: 2 -> 04 | 4: 0 | 5: 4 -> 08 | 6: 0 | 7: false 0x12 } */
  expect_bytes(&b, BYTES(0x15, 0x06, 0x15, 0x02, 0x15, 0x04, 0x5c, 0x15, 0x06, 0x15, 0x02, 0x15, 0x04, 0x15, 0x00,
                         0x15, 0x08, 0x15, 0x00, 0x12, 0x00, 0x00));
  memset(&h, 0, sizeof h);
  h.type = PQP_DICTIONARY_PAGE;
  h.uncompressed_page_size = 8;
  h.compressed_page_size = 8;
  h.has_dictionary_page_header = true;
  h.dictionary_page_header.num_values = 2;
  h.dictionary_page_header.encoding = PQE_PLAIN;
  buf_clear(&b);
  ASSERT_OK(pq_meta_write_page_header(&h, &b), NULL);
  /* 1: 2 -> 04 | 2: 8 -> 10 | 3: 8 -> 10 | 7: struct, delta 4: 0x4c { 1: 2 -> 04 | 2: 0 } */
  expect_bytes(&b, BYTES(0x15, 0x04, 0x15, 0x10, 0x15, 0x10, 0x4c, 0x15, 0x04, 0x15, 0x00, 0x00, 0x00));
  buf_deinit(&b);
}

TEST(pqw_meta_statistics) {
  pq_statistics s;
  memset(&s, 0, sizeof s);
  static const uint8_t mn[] = {1, 0, 0, 0}, mx[] = {9, 0, 0, 0};
  s.has_null_count = true;
  s.null_count = 3;
  s.has_min_value = s.has_max_value = true;
  s.min_value = (pq_bytes){mn, 4};
  s.max_value = (pq_bytes){mx, 4};
  s.has_is_max_value_exact = s.is_max_value_exact = true;
  buf b;
  buf_init(&b);
  ASSERT_OK(pq_meta_write_statistics(&s, &b), NULL);
  /* 3: i64 3 -> 0x36 06 | 5: binary, delta 2: 0x28 04 09 00 00 00 | 6: 0x18 04 01 00 00 00 | 7: true 0x11 */
  expect_bytes(&b, BYTES(0x36, 0x06, 0x28, 0x04, 9, 0, 0, 0, 0x18, 0x04, 1, 0, 0, 0, 0x11, 0x00));
  buf_deinit(&b);
}

TEST(pqw_meta_column_and_offset_index) {
  bool nulls[2] = {false, true};
  static const uint8_t a[] = {'a'}, z[] = {'z'};
  pq_bytes mins[2] = {{a, 1}, {NULL, 0}}, maxs[2] = {{z, 1}, {NULL, 0}};
  int64_t nc[2] = {0, 5};
  pq_column_index ci = {2, nulls, mins, maxs, PQB_ASCENDING, nc};
  buf b;
  buf_init(&b);
  ASSERT_OK(pq_meta_write_column_index(&ci, &b), NULL);
  /* 1: list<bool> 0x19 0x21 02 01 | 2: list<binary> 0x19 0x28 01 'a' 00 | 3: 0x19 0x28 01 'z' 00 |
     4: i32 1 -> 0x15 02 | 5: list<i64> 0x19 0x26 00 0a | stop */
  expect_bytes(&b, BYTES(0x19, 0x21, 0x02, 0x01, 0x19, 0x28, 0x01, 'a', 0x00, 0x19, 0x28, 0x01, 'z', 0x00, 0x15, 0x02,
                         0x19, 0x26, 0x00, 0x0a, 0x00));
  pq_page_location loc[1] = {{4, 30, 0}};
  pq_offset_index oi = {1, loc};
  buf_clear(&b);
  ASSERT_OK(pq_meta_write_offset_index(&oi, &b), NULL);
  /* 1: list<struct> 0x19 0x1c { 1: i64 4 -> 0x16 08 | 2: i32 30 -> 0x15 3c | 3: i64 0 -> 0x16 00 | stop } stop */
  expect_bytes(&b, BYTES(0x19, 0x1c, 0x16, 0x08, 0x15, 0x3c, 0x16, 0x00, 0x00, 0x00));
  buf_deinit(&b);
}

TEST(pqw_meta_file_metadata) {
  pq_schema_element el[2];
  memset(el, 0, sizeof el);
  for (int i = 0; i < 2; i++) {
    el[i].type_length = el[i].num_children = el[i].scale = el[i].precision = -1;
    el[i].converted = PQC_NONE;
  }
  el[0].name = "s";
  el[0].num_children = 1;
  el[1].name = "x";
  el[1].has_type = true;
  el[1].type = PQT_INT32;
  el[1].has_repetition = true;
  el[1].repetition = PQR_OPTIONAL;
  el[1].converted = PQC_INT_8;
  el[1].logical.kind = PQL_INTEGER;
  el[1].logical.bit_width = 8;
  el[1].logical.is_signed = true;
  el[1].has_field_id = true;
  el[1].field_id = 7;
  pq_column_order co[1] = {PQO_TYPE_DEFINED};
  pq_key_value kv[1] = {{"k", "v", 1}};
  pq_file_meta m;
  memset(&m, 0, sizeof m);
  m.version = 1;
  m.n_schema = 2;
  m.schema = el;
  m.num_rows = 0;
  m.n_key_value = 1;
  m.key_value = kv;
  m.created_by = "me";
  m.n_column_orders = 1;
  m.column_orders = co;
  buf b;
  buf_init(&b);
  ASSERT_OK(pq_meta_write_file(&m, &b), NULL);
  /* 1: version 1 -> 0x15 02
     2: list<struct> of 2: 0x19 0x2c
        { 4: name "s": 0x48 01 's' | 5: num_children 1: 0x15 02 | stop }
        { 1: type 1: 0x15 02 | 3: OPTIONAL 1: 0x25 02 | 4: "x": 0x18 01 'x' | 6: INT_8 15: 0x25 1e |
          9: field_id 7: 0x35 0e | 10: LogicalType 0x1c { 10: INTEGER: 0xac { 1: i8 8: 0x13 08 | 2: true 0x11 | stop } stop } | stop }
     3: num_rows 0: 0x16 00 | 4: row groups, empty list: 0x19 0x0c
     5: kv list: 0x19 0x1c { 1: "k" 0x18 01 'k' | 2: "v" 0x18 01 'v' | stop }
     6: created_by "me": 0x18 02 'm' 'e'
     7: column orders: 0x19 0x1c { 1: TYPE_ORDER: 0x1c 00 | stop } | stop */
  expect_bytes(&b, BYTES(0x15, 0x02, 0x19, 0x2c, 0x48, 0x01, 's', 0x15, 0x02, 0x00, 0x15, 0x02, 0x25, 0x02, 0x18, 0x01,
                         'x', 0x25, 0x1e, 0x35, 0x0e, 0x1c, 0xac, 0x13, 0x08, 0x11, 0x00, 0x00, 0x00, 0x16, 0x00, 0x19,
                         0x0c, 0x19, 0x1c, 0x18, 0x01, 'k', 0x18, 0x01, 'v', 0x00, 0x18, 0x02, 'm', 'e', 0x19, 0x1c,
                         0x1c, 0x00, 0x00, 0x00));
  buf_deinit(&b);
}

TEST(pqw_meta_logical_types) {
  /* TIMESTAMP(UTC, MICROS): LogicalType { 8: TimestampType { 1: true, 2: TimeUnit { 2: MicroSeconds {} } } } */
  pq_schema_element e;
  memset(&e, 0, sizeof e);
  e.type_length = e.num_children = e.scale = e.precision = -1;
  e.converted = PQC_NONE;
  e.name = "t";
  e.logical.kind = PQL_TIMESTAMP;
  e.logical.is_adjusted_to_utc = true;
  e.logical.unit = PQU_MICROS;
  pq_file_meta m;
  memset(&m, 0, sizeof m);
  m.n_schema = 1;
  m.schema = &e;
  buf b;
  buf_init(&b);
  ASSERT_OK(pq_meta_write_file(&m, &b), NULL);
  /* 0x15 00 | 0x19 0x1c { 4: 0x48 01 't' | 10: delta 6: 0x6c { 8: 0x8c { 1: 0x11 | 2: 0x1c { 2: 0x2c 00 | 00 } | 00 } | 00 } | 00 }
     | 3: 0x16 00 | 4: 0x19 0x0c | stop */
  expect_bytes(&b, BYTES(0x15, 0x00, 0x19, 0x1c, 0x48, 0x01, 't', 0x6c, 0x8c, 0x11, 0x1c, 0x2c, 0x00, 0x00, 0x00, 0x00,
                         0x00, 0x16, 0x00, 0x19, 0x0c, 0x00));
  /* DECIMAL(20, 2): { 5: DecimalType { 1: scale 2, 2: precision 20 } } */
  e.logical.kind = PQL_DECIMAL;
  e.logical.scale = 2;
  e.logical.precision = 20;
  buf_clear(&b);
  ASSERT_OK(pq_meta_write_file(&m, &b), NULL);
  ASSERT(b.len > 12);
  expect_bytes(&(buf){b.data + 7, 11, 0}, BYTES(0x6c, 0x5c, 0x15, 0x04, 0x15, 0x28, 0x00, 0x00, 0x00, 0x16, 0x00));
  buf_deinit(&b);
}
