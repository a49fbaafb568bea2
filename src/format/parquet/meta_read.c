/*
** format/parquet/meta_read.c: decodes the Thrift structures of
** parquet.thrift (apache/parquet-format) into the structs of pq_meta.h.
** Used by reader.c (footer, page index) and page_read.c (page headers).
**
** Field ids follow parquet.thrift; they are listed in pq_meta.h next to
** each member. Unknown fields of any type are skipped (newer writers add
** fields); a known field with an unexpected wire type is skipped too, as
** Thrift-generated code does, and a required field that never appears is
** an error. Enum values are kept as read; users of each enum check the
** range where a wrong value would matter (schema.c, page_read.c).
**
** All input is untrusted: thrift_read.c bounds-checks every byte, list
** sizes are limited by the bytes left before anything is allocated, and
** arrays are allocated in the caller's arena.
*/
#include "format/parquet/pq_read_int.h"

#include <string.h>

/* Reads a field value into a typed member when the wire type fits, else skips it. */
#define RD_I32(in, f, dst)                                     \
  do {                                                         \
    if (thrift_is_int((f)->type)) TRY(thrift_read_i32((in), (f)->type, (dst))); \
    else TRY(thrift_skip((in), (f)->type));                    \
  } while (0)
#define RD_I64(in, f, dst)                                     \
  do {                                                         \
    if (thrift_is_int((f)->type)) TRY(thrift_read_i64((in), (f)->type, (dst))); \
    else TRY(thrift_skip((in), (f)->type));                    \
  } while (0)
#define RD_BOOL(in, f, dst)                                    \
  do {                                                         \
    if (thrift_is_bool((f)->type)) TRY(thrift_read_bool((in), (f)->type, (dst))); \
    else TRY(thrift_skip((in), (f)->type));                    \
  } while (0)

static int missing(thrift_in *in, const char *strct, const char *field) {
  return LAGO_ERR(in->err, LAGO_CORRUPT, "%s: %s without required field %s (ends at byte %zu)", in->what, strct,
                  field, thrift_pos(in));
}

/* An integer field read into an enum-typed member (range checked by users). */
static int rd_enum(thrift_in *in, const thrift_field *f, int *dst, bool *seen) {
  *dst = 0; /* a skipped value reads as 0 and leaves *seen alone */
  if (!thrift_is_int(f->type)) return thrift_skip(in, f->type);
  int32_t v;
  TRY(thrift_read_i32(in, f->type, &v));
  *dst = v;
  if (seen) *seen = true;
  return LAGO_OK;
}

static int rd_string(thrift_in *in, const thrift_field *f, arena *ar, const char **dst, uint32_t *len_out) {
  if (f->type != TT_BINARY) return thrift_skip(in, f->type);
  const uint8_t *p;
  uint32_t n;
  TRY(thrift_read_binary(in, f->type, &p, &n));
  char *s = arena_strndup(ar, (const char *)p, n);
  if (!s) return LAGO_NOMEM_ERR(in->err);
  *dst = s;
  if (len_out) *len_out = n;
  return LAGO_OK;
}

static int rd_bytes(thrift_in *in, const thrift_field *f, pq_bytes *dst, bool *seen) {
  if (f->type != TT_BINARY) return thrift_skip(in, f->type);
  TRY(thrift_read_binary(in, f->type, &dst->ptr, &dst->len));
  if (seen) *seen = true;
  return LAGO_OK;
}

/*
** Starts a list field whose elements should be of wire type want_elem (any
** integer type fits an integer, either bool type a bool); *et is the wire
** type actually used, which element reads must pass on (an i8 element is a
** raw byte, the wider integers are varints). *ok is false, and the list
** skipped, when the types do not fit.
*/
static int list_begin_et(thrift_in *in, const thrift_field *f, int want_elem, uint32_t *n, int *et_out, bool *ok) {
  *ok = false;
  *n = 0;
  *et_out = want_elem;
  if (f->type != TT_LIST && f->type != TT_SET) return thrift_skip(in, f->type);
  int et;
  TRY(thrift_read_list(in, f->type, &et, n));
  *et_out = et;
  bool fits = et == want_elem || (thrift_is_int(want_elem) && thrift_is_int(et)) ||
              (thrift_is_bool(want_elem) && thrift_is_bool(et));
  if (!fits) {
    for (uint32_t i = 0; i < *n; i++) TRY(thrift_skip_elem(in, et));
    *n = 0;
    return LAGO_OK;
  }
  *ok = true;
  return LAGO_OK;
}

static int list_begin(thrift_in *in, const thrift_field *f, int want_elem, uint32_t *n, bool *ok) {
  int et;
  return list_begin_et(in, f, want_elem, n, &et, ok);
}

static void *arena_array(thrift_in *in, arena *ar, uint32_t n, size_t size) {
  void *p = arena_calloc(ar, n ? n : 1, size);
  if (!p) LAGO_NOMEM_ERR(in->err);
  return p;
}

/* ---- Statistics ------------------------------------------------------- */

static int rd_statistics(thrift_in *in, pq_statistics *st) {
  memset(st, 0, sizeof *st);
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (f.id) {
      case 1: TRY(rd_bytes(in, &f, &st->max, &st->has_max)); break;
      case 2: TRY(rd_bytes(in, &f, &st->min, &st->has_min)); break;
      case 3:
        if (thrift_is_int(f.type)) {
          TRY(thrift_read_i64(in, f.type, &st->null_count));
          st->has_null_count = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 4:
        if (thrift_is_int(f.type)) {
          TRY(thrift_read_i64(in, f.type, &st->distinct_count));
          st->has_distinct_count = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 5: TRY(rd_bytes(in, &f, &st->max_value, &st->has_max_value)); break;
      case 6: TRY(rd_bytes(in, &f, &st->min_value, &st->has_min_value)); break;
      case 7:
        if (thrift_is_bool(f.type)) {
          TRY(thrift_read_bool(in, f.type, &st->is_max_value_exact));
          st->has_is_max_value_exact = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 8:
        if (thrift_is_bool(f.type)) {
          TRY(thrift_read_bool(in, f.type, &st->is_min_value_exact));
          st->has_is_min_value_exact = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

/* ---- LogicalType ------------------------------------------------------ */

/* TimeUnit union: the member id is the unit (MILLIS=1, MICROS=2, NANOS=3). */
static int rd_time_unit(thrift_in *in, pq_time_unit *unit) {
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.type == TT_STRUCT && f.id >= 1 && f.id <= 3) *unit = (pq_time_unit)f.id;
    TRY(thrift_skip(in, f.type));
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

/* DecimalType, TimeType, TimestampType, IntType: the few members we use. */
static int rd_logical_params(thrift_in *in, pq_logical *lt) {
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (lt->kind) {
      case PQL_DECIMAL:
        if (f.id == 1) RD_I32(in, &f, &lt->scale);
        else if (f.id == 2) RD_I32(in, &f, &lt->precision);
        else TRY(thrift_skip(in, f.type));
        break;
      case PQL_TIME:
      case PQL_TIMESTAMP:
        if (f.id == 1) RD_BOOL(in, &f, &lt->is_adjusted_to_utc);
        else if (f.id == 2 && f.type == TT_STRUCT) TRY(rd_time_unit(in, &lt->unit));
        else TRY(thrift_skip(in, f.type));
        break;
      case PQL_INTEGER:
        if (f.id == 1 && thrift_is_int(f.type)) {
          int32_t bw;
          TRY(thrift_read_i32(in, f.type, &bw));
          lt->bit_width = (int8_t)(bw >= -128 && bw <= 127 ? bw : 0);
        } else if (f.id == 2) {
          RD_BOOL(in, &f, &lt->is_signed);
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

/*
** LogicalType union: exactly one member (a struct). An id lago does not
** know leaves kind PQL_NONE, so the column is read by its converted type
** or its physical type (as parquet-format asks of readers).
*/
static int rd_logical(thrift_in *in, pq_logical *lt) {
  memset(lt, 0, sizeof *lt);
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.type != TT_STRUCT || f.id < 1 || f.id > 18 || f.id == 9) {
      TRY(thrift_skip(in, f.type));
      continue;
    }
    lt->kind = (pq_logical_kind)f.id;
    TRY(rd_logical_params(in, lt));
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

/* ---- SchemaElement ---------------------------------------------------- */

static int rd_schema_element(thrift_in *in, arena *ar, pq_schema_element *el) {
  memset(el, 0, sizeof *el);
  el->type_length = -1;
  el->num_children = -1;
  el->converted = PQC_NONE;
  el->scale = -1;
  el->precision = -1;
  int v = 0;
  bool have_name = false;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (f.id) {
      case 1:
        TRY(rd_enum(in, &f, &v, &el->has_type));
        el->type = (pq_type)v;
        break;
      case 2: RD_I32(in, &f, &el->type_length); break;
      case 3:
        TRY(rd_enum(in, &f, &v, &el->has_repetition));
        el->repetition = (pq_repetition)v;
        break;
      case 4:
        if (f.type == TT_BINARY) have_name = true;
        TRY(rd_string(in, &f, ar, &el->name, NULL));
        break;
      case 5: RD_I32(in, &f, &el->num_children); break;
      case 6: {
        bool seen = false;
        TRY(rd_enum(in, &f, &v, &seen));
        if (seen) el->converted = (pq_converted)v;
        break;
      }
      case 7: RD_I32(in, &f, &el->scale); break;
      case 8: RD_I32(in, &f, &el->precision); break;
      case 9:
        if (thrift_is_int(f.type)) {
          TRY(thrift_read_i32(in, f.type, &el->field_id));
          el->has_field_id = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 10:
        if (f.type == TT_STRUCT) TRY(rd_logical(in, &el->logical));
        else TRY(thrift_skip(in, f.type));
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!have_name) return missing(in, "SchemaElement", "name");
  return LAGO_OK;
}

/* ---- KeyValue --------------------------------------------------------- */

static int rd_key_value(thrift_in *in, arena *ar, pq_key_value *kv) {
  memset(kv, 0, sizeof *kv);
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.id == 1) TRY(rd_string(in, &f, ar, &kv->key, NULL));
    else if (f.id == 2) TRY(rd_string(in, &f, ar, &kv->value, &kv->value_len));
    else TRY(thrift_skip(in, f.type));
  }
  thrift_struct_end(in);
  if (!kv->key) return missing(in, "KeyValue", "key");
  return LAGO_OK;
}

static int rd_key_values(thrift_in *in, const thrift_field *f, arena *ar, pq_key_value **out, uint32_t *n_out) {
  uint32_t n;
  bool ok;
  TRY(list_begin(in, f, TT_STRUCT, &n, &ok));
  if (!ok) return LAGO_OK;
  pq_key_value *a = arena_array(in, ar, n, sizeof *a);
  if (!a) return LAGO_NOMEM;
  for (uint32_t i = 0; i < n; i++) TRY(rd_key_value(in, ar, &a[i]));
  *out = a;
  *n_out = n;
  return LAGO_OK;
}

/* ---- ColumnMetaData / ColumnChunk -------------------------------------- */

static int rd_encoding_stats(thrift_in *in, pq_page_encoding_stats *es) {
  memset(es, 0, sizeof *es);
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.id == 1) {
      TRY(rd_enum(in, &f, &v, NULL));
      es->page_type = (pq_page_type)v;
    } else if (f.id == 2) {
      TRY(rd_enum(in, &f, &v, NULL));
      es->encoding = (pq_encoding)v;
    } else if (f.id == 3) {
      RD_I32(in, &f, &es->count);
    } else {
      TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

static int rd_column_meta(thrift_in *in, arena *ar, pq_column_meta *cm) {
  memset(cm, 0, sizeof *cm);
  cm->index_page_offset = -1;
  cm->dictionary_page_offset = -1;
  cm->bloom_filter_offset = -1;
  cm->bloom_filter_length = -1;
  bool seen_type = false, seen_codec = false, seen_nv = false, seen_tus = false, seen_tcs = false, seen_dpo = false;
  bool seen_enc = false, seen_path = false;
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    uint32_t n;
    bool ok;
    switch (f.id) {
      case 1:
        TRY(rd_enum(in, &f, &v, &seen_type));
        cm->type = (pq_type)v;
        break;
      case 2: {
        int et;
        TRY(list_begin_et(in, &f, TT_I32, &n, &et, &ok));
        if (!ok) break;
        cm->encodings = arena_array(in, ar, n, sizeof *cm->encodings);
        if (!cm->encodings) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) {
          int32_t e;
          TRY(thrift_read_i32(in, et, &e));
          cm->encodings[i] = (pq_encoding)e;
        }
        cm->n_encodings = n;
        seen_enc = true;
        break;
      }
      case 3:
        TRY(list_begin(in, &f, TT_BINARY, &n, &ok));
        if (!ok) break;
        cm->path_in_schema = arena_array(in, ar, n, sizeof *cm->path_in_schema);
        if (!cm->path_in_schema) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) {
          thrift_field ef = {TT_BINARY, 0};
          TRY(rd_string(in, &ef, ar, &cm->path_in_schema[i], NULL));
        }
        cm->n_path = n;
        seen_path = true;
        break;
      case 4:
        TRY(rd_enum(in, &f, &v, &seen_codec));
        cm->codec = (pq_codec)v;
        break;
      case 5:
        RD_I64(in, &f, &cm->num_values);
        seen_nv = thrift_is_int(f.type);
        break;
      case 6:
        RD_I64(in, &f, &cm->total_uncompressed_size);
        seen_tus = thrift_is_int(f.type);
        break;
      case 7:
        RD_I64(in, &f, &cm->total_compressed_size);
        seen_tcs = thrift_is_int(f.type);
        break;
      case 8: TRY(rd_key_values(in, &f, ar, &cm->key_value, &cm->n_key_value)); break;
      case 9:
        RD_I64(in, &f, &cm->data_page_offset);
        seen_dpo = thrift_is_int(f.type);
        break;
      case 10: RD_I64(in, &f, &cm->index_page_offset); break;
      case 11: RD_I64(in, &f, &cm->dictionary_page_offset); break;
      case 12:
        if (f.type == TT_STRUCT) {
          TRY(rd_statistics(in, &cm->statistics));
          cm->has_statistics = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 13:
        TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
        if (!ok) break;
        cm->encoding_stats = arena_array(in, ar, n, sizeof *cm->encoding_stats);
        if (!cm->encoding_stats) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(rd_encoding_stats(in, &cm->encoding_stats[i]));
        cm->n_encoding_stats = n;
        break;
      case 14: RD_I64(in, &f, &cm->bloom_filter_offset); break;
      case 15: RD_I32(in, &f, &cm->bloom_filter_length); break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen_type) return missing(in, "ColumnMetaData", "type");
  if (!seen_enc) return missing(in, "ColumnMetaData", "encodings");
  if (!seen_path) return missing(in, "ColumnMetaData", "path_in_schema");
  if (!seen_codec) return missing(in, "ColumnMetaData", "codec");
  if (!seen_nv) return missing(in, "ColumnMetaData", "num_values");
  if (!seen_tus) return missing(in, "ColumnMetaData", "total_uncompressed_size");
  if (!seen_tcs) return missing(in, "ColumnMetaData", "total_compressed_size");
  if (!seen_dpo) return missing(in, "ColumnMetaData", "data_page_offset");
  return LAGO_OK;
}

static int rd_column_chunk(thrift_in *in, arena *ar, pq_column_chunk *cc) {
  memset(cc, 0, sizeof *cc);
  cc->offset_index_offset = -1;
  cc->column_index_offset = -1;
  cc->offset_index_length = -1;
  cc->column_index_length = -1;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (f.id) {
      case 1: TRY(rd_string(in, &f, ar, &cc->file_path, NULL)); break;
      case 2: RD_I64(in, &f, &cc->file_offset); break;
      case 3:
        if (f.type == TT_STRUCT) {
          TRY(rd_column_meta(in, ar, &cc->meta_data));
          cc->has_meta_data = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 4: RD_I64(in, &f, &cc->offset_index_offset); break;
      case 5: RD_I32(in, &f, &cc->offset_index_length); break;
      case 6: RD_I64(in, &f, &cc->column_index_offset); break;
      case 7: RD_I32(in, &f, &cc->column_index_length); break;
      case 8:
        cc->has_crypto_metadata = true;
        TRY(thrift_skip(in, f.type));
        break;
      case 9:
        cc->has_encrypted_column_metadata = true;
        TRY(thrift_skip(in, f.type));
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

/* ---- RowGroup --------------------------------------------------------- */

static int rd_sorting_column(thrift_in *in, pq_sorting_column *sc) {
  memset(sc, 0, sizeof *sc);
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.id == 1) RD_I32(in, &f, &sc->column_idx);
    else if (f.id == 2) RD_BOOL(in, &f, &sc->descending);
    else if (f.id == 3) RD_BOOL(in, &f, &sc->nulls_first);
    else TRY(thrift_skip(in, f.type));
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

static int rd_row_group(thrift_in *in, arena *ar, pq_row_group *rg) {
  memset(rg, 0, sizeof *rg);
  rg->file_offset = -1;
  rg->total_compressed_size = -1;
  rg->ordinal = -1;
  bool seen_cols = false, seen_rows = false;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    uint32_t n;
    bool ok;
    switch (f.id) {
      case 1:
        TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
        if (!ok) break;
        rg->columns = arena_array(in, ar, n, sizeof *rg->columns);
        if (!rg->columns) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(rd_column_chunk(in, ar, &rg->columns[i]));
        rg->n_columns = n;
        seen_cols = true;
        break;
      case 2: RD_I64(in, &f, &rg->total_byte_size); break;
      case 3:
        RD_I64(in, &f, &rg->num_rows);
        seen_rows = thrift_is_int(f.type);
        break;
      case 4:
        TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
        if (!ok) break;
        rg->sorting_columns = arena_array(in, ar, n, sizeof *rg->sorting_columns);
        if (!rg->sorting_columns) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(rd_sorting_column(in, &rg->sorting_columns[i]));
        rg->n_sorting_columns = n;
        break;
      case 5: RD_I64(in, &f, &rg->file_offset); break;
      case 6: RD_I64(in, &f, &rg->total_compressed_size); break;
      case 7: {
        int32_t o = -1;
        RD_I32(in, &f, &o);
        rg->ordinal = o;
        break;
      }
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen_cols) return missing(in, "RowGroup", "columns");
  if (!seen_rows) return missing(in, "RowGroup", "num_rows");
  return LAGO_OK;
}

/* ColumnOrder union: TYPE_ORDER(1), IEEE_754_TOTAL_ORDER(2); others stay UNDEFINED. */
static int rd_column_order(thrift_in *in, pq_column_order *co) {
  *co = PQO_UNDEFINED;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.type == TT_STRUCT && f.id == 1) *co = PQO_TYPE_DEFINED;
    else if (f.type == TT_STRUCT && f.id == 2) *co = PQO_IEEE754_TOTAL;
    TRY(thrift_skip(in, f.type));
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

int pq_meta_read_file(const uint8_t *data, size_t len, arena *ar, const char *what, pq_file_meta *fm,
                      lago_err *err) {
  memset(fm, 0, sizeof *fm);
  fm->version = 0;
  thrift_in tin, *in = &tin;
  thrift_init(in, data, len, what, err);
  bool seen_schema = false, seen_rows = false, seen_rgs = false;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    uint32_t n;
    bool ok;
    switch (f.id) {
      case 1: RD_I32(in, &f, &fm->version); break;
      case 2:
        TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
        if (!ok) break;
        fm->schema = arena_array(in, ar, n, sizeof *fm->schema);
        if (!fm->schema) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(rd_schema_element(in, ar, &fm->schema[i]));
        fm->n_schema = n;
        seen_schema = true;
        break;
      case 3:
        RD_I64(in, &f, &fm->num_rows);
        seen_rows = thrift_is_int(f.type);
        break;
      case 4:
        TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
        if (!ok) break;
        fm->row_groups = arena_array(in, ar, n, sizeof *fm->row_groups);
        if (!fm->row_groups) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(rd_row_group(in, ar, &fm->row_groups[i]));
        fm->n_row_groups = n;
        seen_rgs = true;
        break;
      case 5: TRY(rd_key_values(in, &f, ar, &fm->key_value, &fm->n_key_value)); break;
      case 6: TRY(rd_string(in, &f, ar, &fm->created_by, NULL)); break;
      case 7:
        TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
        if (!ok) break;
        fm->column_orders = arena_array(in, ar, n, sizeof *fm->column_orders);
        if (!fm->column_orders) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(rd_column_order(in, &fm->column_orders[i]));
        fm->n_column_orders = n;
        break;
      case 8:
        fm->has_encryption_algorithm = true;
        TRY(thrift_skip(in, f.type));
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen_schema) return missing(in, "FileMetaData", "schema");
  if (!seen_rows) return missing(in, "FileMetaData", "num_rows");
  if (!seen_rgs) return missing(in, "FileMetaData", "row_groups");
  return LAGO_OK;
}

/* ---- PageHeader ------------------------------------------------------- */

static int rd_data_page_header(thrift_in *in, pq_data_page_header *h) {
  memset(h, 0, sizeof *h);
  bool seen_nv = false, seen_enc = false, seen_de = false, seen_re = false;
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (f.id) {
      case 1:
        RD_I32(in, &f, &h->num_values);
        seen_nv = thrift_is_int(f.type);
        break;
      case 2:
        TRY(rd_enum(in, &f, &v, &seen_enc));
        h->encoding = (pq_encoding)v;
        break;
      case 3:
        TRY(rd_enum(in, &f, &v, &seen_de));
        h->definition_level_encoding = (pq_encoding)v;
        break;
      case 4:
        TRY(rd_enum(in, &f, &v, &seen_re));
        h->repetition_level_encoding = (pq_encoding)v;
        break;
      case 5:
        if (f.type == TT_STRUCT) {
          TRY(rd_statistics(in, &h->statistics));
          h->has_statistics = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen_nv) return missing(in, "DataPageHeader", "num_values");
  if (!seen_enc) return missing(in, "DataPageHeader", "encoding");
  if (!seen_de) return missing(in, "DataPageHeader", "definition_level_encoding");
  if (!seen_re) return missing(in, "DataPageHeader", "repetition_level_encoding");
  return LAGO_OK;
}

static int rd_dict_page_header(thrift_in *in, pq_dict_page_header *h) {
  memset(h, 0, sizeof *h);
  bool seen_nv = false, seen_enc = false;
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (f.id) {
      case 1:
        RD_I32(in, &f, &h->num_values);
        seen_nv = thrift_is_int(f.type);
        break;
      case 2:
        TRY(rd_enum(in, &f, &v, &seen_enc));
        h->encoding = (pq_encoding)v;
        break;
      case 3: RD_BOOL(in, &f, &h->is_sorted); break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen_nv) return missing(in, "DictionaryPageHeader", "num_values");
  if (!seen_enc) return missing(in, "DictionaryPageHeader", "encoding");
  return LAGO_OK;
}

static int rd_data_page_header_v2(thrift_in *in, pq_data_page_header_v2 *h) {
  memset(h, 0, sizeof *h);
  h->is_compressed = true; /* the Thrift default */
  bool seen[7] = {false};
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    bool is_int = thrift_is_int(f.type);
    switch (f.id) {
      case 1: RD_I32(in, &f, &h->num_values); seen[1] = is_int; break;
      case 2: RD_I32(in, &f, &h->num_nulls); seen[2] = is_int; break;
      case 3: RD_I32(in, &f, &h->num_rows); seen[3] = is_int; break;
      case 4:
        TRY(rd_enum(in, &f, &v, &seen[4]));
        h->encoding = (pq_encoding)v;
        break;
      case 5: RD_I32(in, &f, &h->definition_levels_byte_length); seen[5] = is_int; break;
      case 6: RD_I32(in, &f, &h->repetition_levels_byte_length); seen[6] = is_int; break;
      case 7: RD_BOOL(in, &f, &h->is_compressed); break;
      case 8:
        if (f.type == TT_STRUCT) {
          TRY(rd_statistics(in, &h->statistics));
          h->has_statistics = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  static const char *const names[7] = {"", "num_values", "num_nulls", "num_rows", "encoding",
                                       "definition_levels_byte_length", "repetition_levels_byte_length"};
  for (int i = 1; i < 7; i++)
    if (!seen[i]) return missing(in, "DataPageHeaderV2", names[i]);
  return LAGO_OK;
}

int pq_meta_read_page_header(const uint8_t *data, size_t len, const char *what, pq_page_header *h, size_t *used,
                             lago_err *err) {
  memset(h, 0, sizeof *h);
  thrift_in tin, *in = &tin;
  thrift_init(in, data, len, what, err);
  bool seen_type = false, seen_us = false, seen_cs = false;
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    switch (f.id) {
      case 1:
        TRY(rd_enum(in, &f, &v, &seen_type));
        h->type = (pq_page_type)v;
        break;
      case 2:
        RD_I32(in, &f, &h->uncompressed_page_size);
        seen_us = thrift_is_int(f.type);
        break;
      case 3:
        RD_I32(in, &f, &h->compressed_page_size);
        seen_cs = thrift_is_int(f.type);
        break;
      case 4:
        if (thrift_is_int(f.type)) {
          TRY(thrift_read_i32(in, f.type, &h->crc));
          h->has_crc = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 5:
        if (f.type == TT_STRUCT) {
          TRY(rd_data_page_header(in, &h->data_page_header));
          h->has_data_page_header = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 7:
        if (f.type == TT_STRUCT) {
          TRY(rd_dict_page_header(in, &h->dictionary_page_header));
          h->has_dictionary_page_header = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      case 8:
        if (f.type == TT_STRUCT) {
          TRY(rd_data_page_header_v2(in, &h->data_page_header_v2));
          h->has_data_page_header_v2 = true;
        } else {
          TRY(thrift_skip(in, f.type));
        }
        break;
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen_type) return missing(in, "PageHeader", "type");
  if (!seen_us) return missing(in, "PageHeader", "uncompressed_page_size");
  if (!seen_cs) return missing(in, "PageHeader", "compressed_page_size");
  *used = thrift_pos(in);
  return LAGO_OK;
}

/* ---- Page index ------------------------------------------------------- */

int pq_meta_read_column_index(const uint8_t *data, size_t len, arena *ar, const char *what, pq_column_index *ci,
                              lago_err *err) {
  memset(ci, 0, sizeof *ci);
  thrift_in tin, *in = &tin;
  thrift_init(in, data, len, what, err);
  uint32_t n_null = 0, n_min = 0, n_max = 0, n_nc = 0;
  bool seen_bo = false;
  int v = 0;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    uint32_t n;
    bool ok;
    switch (f.id) {
      case 1:
        TRY(list_begin(in, &f, TT_BOOL_TRUE, &n, &ok));
        if (!ok) break;
        ci->null_pages = arena_array(in, ar, n, sizeof(bool));
        if (!ci->null_pages) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(thrift_read_bool_elem(in, &ci->null_pages[i]));
        n_null = n;
        break;
      case 2:
      case 3: {
        TRY(list_begin(in, &f, TT_BINARY, &n, &ok));
        if (!ok) break;
        pq_bytes *a = arena_array(in, ar, n, sizeof *a);
        if (!a) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(thrift_read_binary(in, TT_BINARY, &a[i].ptr, &a[i].len));
        if (f.id == 2) ci->min_values = a, n_min = n;
        else ci->max_values = a, n_max = n;
        break;
      }
      case 4:
        TRY(rd_enum(in, &f, &v, &seen_bo));
        ci->boundary_order = (pq_boundary)v;
        break;
      case 5: {
        int et;
        TRY(list_begin_et(in, &f, TT_I64, &n, &et, &ok));
        if (!ok) break;
        ci->null_counts = arena_array(in, ar, n, sizeof(int64_t));
        if (!ci->null_counts) return LAGO_NOMEM;
        for (uint32_t i = 0; i < n; i++) TRY(thrift_read_i64(in, et, &ci->null_counts[i]));
        n_nc = n;
        break;
      }
      default: TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!ci->null_pages || !ci->min_values || !ci->max_values) return missing(in, "ColumnIndex", "null_pages/min_values/max_values");
  if (!seen_bo) return missing(in, "ColumnIndex", "boundary_order");
  if (n_min != n_null || n_max != n_null || (ci->null_counts && n_nc != n_null))
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: ColumnIndex lists of different lengths (%u, %u, %u)", what, n_null,
                    n_min, n_max);
  ci->n_pages = n_null;
  return LAGO_OK;
}

static int rd_page_location(thrift_in *in, pq_page_location *pl) {
  memset(pl, 0, sizeof *pl);
  bool s1 = false, s2 = false, s3 = false;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    bool is_int = thrift_is_int(f.type);
    if (f.id == 1) {
      RD_I64(in, &f, &pl->offset);
      s1 = is_int;
    } else if (f.id == 2) {
      RD_I32(in, &f, &pl->compressed_page_size);
      s2 = is_int;
    } else if (f.id == 3) {
      RD_I64(in, &f, &pl->first_row_index);
      s3 = is_int;
    } else {
      TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!s1 || !s2 || !s3) return missing(in, "PageLocation", "offset/compressed_page_size/first_row_index");
  return LAGO_OK;
}

int pq_meta_read_offset_index(const uint8_t *data, size_t len, arena *ar, const char *what, pq_offset_index *oi,
                              lago_err *err) {
  memset(oi, 0, sizeof *oi);
  thrift_in tin, *in = &tin;
  thrift_init(in, data, len, what, err);
  bool seen = false;
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    if (f.id == 1) {
      uint32_t n;
      bool ok;
      TRY(list_begin(in, &f, TT_STRUCT, &n, &ok));
      if (!ok) continue;
      oi->page_locations = arena_array(in, ar, n, sizeof *oi->page_locations);
      if (!oi->page_locations) return LAGO_NOMEM;
      for (uint32_t i = 0; i < n; i++) TRY(rd_page_location(in, &oi->page_locations[i]));
      oi->n_pages = n;
      seen = true;
    } else {
      TRY(thrift_skip(in, f.type));
    }
  }
  thrift_struct_end(in);
  if (!seen) return missing(in, "OffsetIndex", "page_locations");
  return LAGO_OK;
}

/* ---- names ------------------------------------------------------------ */

const char *pq_type_name(pq_type t) {
  static const char *const n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
                                  "FIXED_LEN_BYTE_ARRAY"};
  return (unsigned)t < 8 ? n[t] : "UNKNOWN";
}

const char *pq_encoding_name(pq_encoding e) {
  switch (e) {
    case PQE_PLAIN: return "PLAIN";
    case PQE_PLAIN_DICTIONARY: return "PLAIN_DICTIONARY";
    case PQE_RLE: return "RLE";
    case PQE_BIT_PACKED: return "BIT_PACKED";
    case PQE_DELTA_BINARY_PACKED: return "DELTA_BINARY_PACKED";
    case PQE_DELTA_LENGTH_BYTE_ARRAY: return "DELTA_LENGTH_BYTE_ARRAY";
    case PQE_DELTA_BYTE_ARRAY: return "DELTA_BYTE_ARRAY";
    case PQE_RLE_DICTIONARY: return "RLE_DICTIONARY";
    case PQE_BYTE_STREAM_SPLIT: return "BYTE_STREAM_SPLIT";
  }
  return "UNKNOWN";
}

const char *pq_converted_name(pq_converted c) {
  static const char *const n[] = {"UTF8",   "MAP",    "MAP_KEY_VALUE",    "LIST",             "ENUM",
                                  "DECIMAL", "DATE",  "TIME_MILLIS",      "TIME_MICROS",      "TIMESTAMP_MILLIS",
                                  "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32", "UINT_64",
                                  "INT_8",  "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL"};
  if (c == PQC_NONE) return "";
  return (unsigned)c < sizeof n / sizeof n[0] ? n[c] : "UNKNOWN";
}

const char *pq_page_type_name(pq_page_type t) {
  static const char *const n[] = {"DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE", "DATA_PAGE_V2"};
  return (unsigned)t < 4 ? n[t] : "UNKNOWN";
}
