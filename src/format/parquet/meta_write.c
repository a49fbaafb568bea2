/*
** format/parquet/meta_write.c: encodes the Parquet metadata structs of
** pq_meta.h as Thrift compact bytes (thrift_write.h), for writer.c and
** write_column.c. The reverse of meta_read.c; field ids are those of
** parquet.thrift (apache/parquet-format), repeated in pq_meta.h.
**
** Where these bytes go in a file written by lago:
**   "PAR1"
**   for each row group, for each leaf column (a column chunk):
**     [PageHeader | dictionary page body]          when a dictionary was used
**     PageHeader | data page body   ...            one or more data pages
**   [ColumnIndex ... for every chunk] [OffsetIndex ... for every chunk]
**                                                   when page_index is on
**   FileMetaData | u32 footer_len (LE) | "PAR1"
** Optional fields are written only when present (has_x, non-NULL, or not
** -1 as pq_meta.h documents for each).
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "format/parquet/thrift_write.h"

/* struct Statistics (fields 1-8). */
static void w_statistics(tw *t, const pq_statistics *s) {
  if (s->has_max) tw_field_binary(t, 1, s->max.ptr, s->max.len);
  if (s->has_min) tw_field_binary(t, 2, s->min.ptr, s->min.len);
  if (s->has_null_count) tw_field_i64(t, 3, s->null_count);
  if (s->has_distinct_count) tw_field_i64(t, 4, s->distinct_count);
  if (s->has_max_value) tw_field_binary(t, 5, s->max_value.ptr, s->max_value.len);
  if (s->has_min_value) tw_field_binary(t, 6, s->min_value.ptr, s->min_value.len);
  if (s->has_is_max_value_exact) tw_field_bool(t, 7, s->is_max_value_exact);
  if (s->has_is_min_value_exact) tw_field_bool(t, 8, s->is_min_value_exact);
}

/* union TimeUnit { 1: MilliSeconds, 2: MicroSeconds, 3: NanoSeconds } (empty structs). */
static void w_time_unit(tw *t, int16_t id, pq_time_unit u) {
  tw_field_struct_begin(t, id);
  tw_field_empty_struct(t, (int16_t)(u == PQU_MILLIS ? 1 : u == PQU_NANOS ? 3 : 2));
  tw_struct_end(t);
}

/* union LogicalType: exactly one member, identified by its field id (= pq_logical_kind). */
static void w_logical(tw *t, const pq_logical *l) {
  tw_field_struct_begin(t, 10);
  int16_t id = (int16_t)l->kind;
  switch (l->kind) {
    case PQL_DECIMAL:
      tw_field_struct_begin(t, id);
      tw_field_i32(t, 1, l->scale);
      tw_field_i32(t, 2, l->precision);
      tw_struct_end(t);
      break;
    case PQL_TIME:
    case PQL_TIMESTAMP:
      tw_field_struct_begin(t, id);
      tw_field_bool(t, 1, l->is_adjusted_to_utc);
      w_time_unit(t, 2, l->unit);
      tw_struct_end(t);
      break;
    case PQL_INTEGER:
      tw_field_struct_begin(t, id);
      tw_field_i8(t, 1, l->bit_width);
      tw_field_bool(t, 2, l->is_signed);
      tw_struct_end(t);
      break;
    default: /* STRING, MAP, LIST, ENUM, DATE, UNKNOWN, JSON, BSON, UUID, FLOAT16...: empty structs */
      tw_field_empty_struct(t, id);
      break;
  }
  tw_struct_end(t);
}

/* struct SchemaElement. */
static void w_schema_element(tw *t, const pq_schema_element *e) {
  tw_struct_begin(t);
  if (e->has_type) tw_field_i32(t, 1, e->type);
  if (e->type_length >= 0) tw_field_i32(t, 2, e->type_length);
  if (e->has_repetition) tw_field_i32(t, 3, e->repetition);
  tw_field_string(t, 4, e->name ? e->name : "");
  if (e->num_children >= 0) tw_field_i32(t, 5, e->num_children);
  if (e->converted != PQC_NONE) tw_field_i32(t, 6, e->converted);
  if (e->scale >= 0) tw_field_i32(t, 7, e->scale);
  if (e->precision >= 0) tw_field_i32(t, 8, e->precision);
  if (e->has_field_id) tw_field_i32(t, 9, e->field_id);
  if (e->logical.kind != PQL_NONE) w_logical(t, &e->logical);
  tw_struct_end(t);
}

static void w_key_values(tw *t, int16_t id, const pq_key_value *kv, uint32_t n) {
  tw_field_list_begin(t, id, TW_STRUCT, n);
  for (uint32_t i = 0; i < n; i++) {
    tw_struct_begin(t);
    tw_field_string(t, 1, kv[i].key);
    if (kv[i].value) tw_field_binary(t, 2, kv[i].value, kv[i].value_len);
    tw_struct_end(t);
  }
}

/* struct ColumnMetaData. */
static void w_column_meta(tw *t, const pq_column_meta *m) {
  tw_field_struct_begin(t, 3);
  tw_field_i32(t, 1, m->type);
  tw_field_list_begin(t, 2, TW_I32, m->n_encodings);
  for (uint32_t i = 0; i < m->n_encodings; i++) tw_i32(t, m->encodings[i]);
  tw_field_list_begin(t, 3, TW_BINARY, m->n_path);
  for (uint32_t i = 0; i < m->n_path; i++) tw_binary(t, m->path_in_schema[i], (uint32_t)strlen(m->path_in_schema[i]));
  tw_field_i32(t, 4, m->codec);
  tw_field_i64(t, 5, m->num_values);
  tw_field_i64(t, 6, m->total_uncompressed_size);
  tw_field_i64(t, 7, m->total_compressed_size);
  if (m->n_key_value) w_key_values(t, 8, m->key_value, m->n_key_value);
  tw_field_i64(t, 9, m->data_page_offset);
  if (m->index_page_offset >= 0) tw_field_i64(t, 10, m->index_page_offset);
  if (m->dictionary_page_offset >= 0) tw_field_i64(t, 11, m->dictionary_page_offset);
  if (m->has_statistics) {
    tw_field_struct_begin(t, 12);
    w_statistics(t, &m->statistics);
    tw_struct_end(t);
  }
  if (m->n_encoding_stats) {
    tw_field_list_begin(t, 13, TW_STRUCT, m->n_encoding_stats);
    for (uint32_t i = 0; i < m->n_encoding_stats; i++) {
      tw_struct_begin(t);
      tw_field_i32(t, 1, m->encoding_stats[i].page_type);
      tw_field_i32(t, 2, m->encoding_stats[i].encoding);
      tw_field_i32(t, 3, m->encoding_stats[i].count);
      tw_struct_end(t);
    }
  }
  if (m->bloom_filter_offset >= 0) tw_field_i64(t, 14, m->bloom_filter_offset);
  if (m->bloom_filter_length >= 0) tw_field_i32(t, 15, m->bloom_filter_length);
  tw_struct_end(t);
}

/* struct ColumnChunk. */
static void w_column_chunk(tw *t, const pq_column_chunk *c) {
  tw_struct_begin(t);
  if (c->file_path) tw_field_string(t, 1, c->file_path);
  tw_field_i64(t, 2, c->file_offset);
  if (c->has_meta_data) w_column_meta(t, &c->meta_data);
  if (c->offset_index_offset >= 0) {
    tw_field_i64(t, 4, c->offset_index_offset);
    tw_field_i32(t, 5, c->offset_index_length);
  }
  if (c->column_index_offset >= 0) {
    tw_field_i64(t, 6, c->column_index_offset);
    tw_field_i32(t, 7, c->column_index_length);
  }
  tw_struct_end(t);
}

/* struct RowGroup. */
static void w_row_group(tw *t, const pq_row_group *rg) {
  tw_struct_begin(t);
  tw_field_list_begin(t, 1, TW_STRUCT, rg->n_columns);
  for (uint32_t i = 0; i < rg->n_columns; i++) w_column_chunk(t, &rg->columns[i]);
  tw_field_i64(t, 2, rg->total_byte_size);
  tw_field_i64(t, 3, rg->num_rows);
  if (rg->n_sorting_columns) {
    tw_field_list_begin(t, 4, TW_STRUCT, rg->n_sorting_columns);
    for (uint32_t i = 0; i < rg->n_sorting_columns; i++) {
      tw_struct_begin(t);
      tw_field_i32(t, 1, rg->sorting_columns[i].column_idx);
      tw_field_bool(t, 2, rg->sorting_columns[i].descending);
      tw_field_bool(t, 3, rg->sorting_columns[i].nulls_first);
      tw_struct_end(t);
    }
  }
  if (rg->file_offset >= 0) tw_field_i64(t, 5, rg->file_offset);
  if (rg->total_compressed_size >= 0) tw_field_i64(t, 6, rg->total_compressed_size);
  if (rg->ordinal >= 0 && rg->ordinal <= INT16_MAX) tw_field_i16(t, 7, (int16_t)rg->ordinal);
  tw_struct_end(t);
}

int pq_meta_write_file(const pq_file_meta *m, buf *out) {
  tw t;
  tw_init(&t, out);
  tw_struct_begin(&t);
  tw_field_i32(&t, 1, m->version);
  tw_field_list_begin(&t, 2, TW_STRUCT, m->n_schema);
  for (uint32_t i = 0; i < m->n_schema; i++) w_schema_element(&t, &m->schema[i]);
  tw_field_i64(&t, 3, m->num_rows);
  tw_field_list_begin(&t, 4, TW_STRUCT, m->n_row_groups);
  for (uint32_t i = 0; i < m->n_row_groups; i++) w_row_group(&t, &m->row_groups[i]);
  if (m->n_key_value) w_key_values(&t, 5, m->key_value, m->n_key_value);
  if (m->created_by) tw_field_string(&t, 6, m->created_by);
  if (m->n_column_orders) {
    /* union ColumnOrder { 1: TypeDefinedOrder TYPE_ORDER, 2: IEEE754TotalOrder } */
    tw_field_list_begin(&t, 7, TW_STRUCT, m->n_column_orders);
    for (uint32_t i = 0; i < m->n_column_orders; i++) {
      tw_struct_begin(&t);
      tw_field_empty_struct(&t, m->column_orders[i] == PQO_IEEE754_TOTAL ? 2 : 1);
      tw_struct_end(&t);
    }
  }
  tw_struct_end(&t);
  return t.rc;
}

int pq_meta_write_page_header(const pq_page_header *h, buf *out) {
  tw t;
  tw_init(&t, out);
  tw_struct_begin(&t);
  tw_field_i32(&t, 1, h->type);
  tw_field_i32(&t, 2, h->uncompressed_page_size);
  tw_field_i32(&t, 3, h->compressed_page_size);
  if (h->has_crc) tw_field_i32(&t, 4, h->crc);
  if (h->has_data_page_header) {
    const pq_data_page_header *d = &h->data_page_header;
    tw_field_struct_begin(&t, 5);
    tw_field_i32(&t, 1, d->num_values);
    tw_field_i32(&t, 2, d->encoding);
    tw_field_i32(&t, 3, d->definition_level_encoding);
    tw_field_i32(&t, 4, d->repetition_level_encoding);
    if (d->has_statistics) {
      tw_field_struct_begin(&t, 5);
      w_statistics(&t, &d->statistics);
      tw_struct_end(&t);
    }
    tw_struct_end(&t);
  }
  if (h->has_dictionary_page_header) {
    const pq_dict_page_header *d = &h->dictionary_page_header;
    tw_field_struct_begin(&t, 7);
    tw_field_i32(&t, 1, d->num_values);
    tw_field_i32(&t, 2, d->encoding);
    if (d->is_sorted) tw_field_bool(&t, 3, true);
    tw_struct_end(&t);
  }
  if (h->has_data_page_header_v2) {
    const pq_data_page_header_v2 *d = &h->data_page_header_v2;
    tw_field_struct_begin(&t, 8);
    tw_field_i32(&t, 1, d->num_values);
    tw_field_i32(&t, 2, d->num_nulls);
    tw_field_i32(&t, 3, d->num_rows);
    tw_field_i32(&t, 4, d->encoding);
    tw_field_i32(&t, 5, d->definition_levels_byte_length);
    tw_field_i32(&t, 6, d->repetition_levels_byte_length);
    tw_field_bool(&t, 7, d->is_compressed);
    if (d->has_statistics) {
      tw_field_struct_begin(&t, 8);
      w_statistics(&t, &d->statistics);
      tw_struct_end(&t);
    }
    tw_struct_end(&t);
  }
  tw_struct_end(&t);
  return t.rc;
}

int pq_meta_write_column_index(const pq_column_index *ci, buf *out) {
  tw t;
  tw_init(&t, out);
  tw_struct_begin(&t);
  tw_field_list_begin(&t, 1, TW_TRUE, ci->n_pages);
  for (uint32_t i = 0; i < ci->n_pages; i++) tw_bool(&t, ci->null_pages[i]);
  tw_field_list_begin(&t, 2, TW_BINARY, ci->n_pages);
  for (uint32_t i = 0; i < ci->n_pages; i++) tw_binary(&t, ci->min_values[i].ptr, ci->min_values[i].len);
  tw_field_list_begin(&t, 3, TW_BINARY, ci->n_pages);
  for (uint32_t i = 0; i < ci->n_pages; i++) tw_binary(&t, ci->max_values[i].ptr, ci->max_values[i].len);
  tw_field_i32(&t, 4, ci->boundary_order);
  if (ci->null_counts) {
    tw_field_list_begin(&t, 5, TW_I64, ci->n_pages);
    for (uint32_t i = 0; i < ci->n_pages; i++) tw_i64(&t, ci->null_counts[i]);
  }
  tw_struct_end(&t);
  return t.rc;
}

int pq_meta_write_offset_index(const pq_offset_index *oi, buf *out) {
  tw t;
  tw_init(&t, out);
  tw_struct_begin(&t);
  tw_field_list_begin(&t, 1, TW_STRUCT, oi->n_pages);
  for (uint32_t i = 0; i < oi->n_pages; i++) {
    const pq_page_location *l = &oi->page_locations[i];
    tw_struct_begin(&t);
    tw_field_i64(&t, 1, l->offset);
    tw_field_i32(&t, 2, l->compressed_page_size);
    tw_field_i64(&t, 3, l->first_row_index);
    tw_struct_end(&t);
  }
  tw_struct_end(&t);
  return t.rc;
}

int pq_meta_write_statistics(const pq_statistics *s, buf *out) {
  tw t;
  tw_init(&t, out);
  tw_struct_begin(&t);
  w_statistics(&t, s);
  tw_struct_end(&t);
  return t.rc;
}
