/*
** format/parquet/describe.c: human-readable descriptions of a Parquet
** file's schema and metadata, for `lago parquet schema` and `lago parquet
** meta` (cli/cmd_parquet.c). Text only; nothing here is parsed back.
** Statistics values are decoded (pq_stat_decode) and shown in the
** canonical value text (vec/value_text.h).
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"
#include "vec/value_text.h"

static int logical_text(const pq_logical *lt, buf *b) {
  static const char *const units[] = {"?", "MILLIS", "MICROS", "NANOS"};
  const char *unit = (unsigned)lt->unit < 4 ? units[lt->unit] : "?";
  switch (lt->kind) {
    case PQL_NONE: return LAGO_OK;
    case PQL_STRING: return buf_puts(b, "STRING");
    case PQL_MAP: return buf_puts(b, "MAP");
    case PQL_LIST: return buf_puts(b, "LIST");
    case PQL_ENUM: return buf_puts(b, "ENUM");
    case PQL_DECIMAL: return buf_printf(b, "DECIMAL(%d,%d)", lt->precision, lt->scale);
    case PQL_DATE: return buf_puts(b, "DATE");
    case PQL_TIME: return buf_printf(b, "TIME(%s,%s)", unit, lt->is_adjusted_to_utc ? "UTC" : "local");
    case PQL_TIMESTAMP: return buf_printf(b, "TIMESTAMP(%s,%s)", unit, lt->is_adjusted_to_utc ? "UTC" : "local");
    case PQL_INTEGER: return buf_printf(b, "INT(%d,%s)", lt->bit_width, lt->is_signed ? "signed" : "unsigned");
    case PQL_UNKNOWN: return buf_puts(b, "UNKNOWN(null)");
    case PQL_JSON: return buf_puts(b, "JSON");
    case PQL_BSON: return buf_puts(b, "BSON");
    case PQL_UUID: return buf_puts(b, "UUID");
    case PQL_FLOAT16: return buf_puts(b, "FLOAT16");
    case PQL_VARIANT: return buf_puts(b, "VARIANT");
    case PQL_GEOMETRY: return buf_puts(b, "GEOMETRY");
    case PQL_GEOGRAPHY: return buf_puts(b, "GEOGRAPHY");
  }
  return buf_printf(b, "LOGICAL(%d)", (int)lt->kind);
}

static const char *rep_name(const pq_schema_element *el) {
  if (!el->has_repetition) return "required";
  switch (el->repetition) {
    case PQR_REQUIRED: return "required";
    case PQR_OPTIONAL: return "optional";
    case PQR_REPEATED: return "repeated";
  }
  return "?";
}

static int pad_to(buf *b, size_t line_start, size_t col) {
  size_t cur = b->len - line_start;
  if (cur < col) {
    while (cur++ < col) TRY(buf_putc(b, ' '));
  } else {
    TRY(buf_putc(b, ' '));
  }
  return LAGO_OK;
}

int pq_describe_schema(const pq_file *pf, buf *out) {
  const pq_schema *s = pq_file_schema_int(pf);
  size_t w = 6;
  for (uint32_t i = 0; i < s->n_columns; i++) {
    size_t k = strlen(s->columns[i].name);
    if (k > w) w = k;
  }
  for (uint32_t i = 0; i < s->n_leaves; i++) {
    size_t k = strlen(s->leaves[i].dotted);
    if (k > w) w = k;
  }
  if (w > 60) w = 60;
  TRY(buf_printf(out, "%-*s  %s\n", (int)w, "column", "type"));
  for (uint32_t i = 0; i < s->n_columns; i++) {
    const pq_column *c = &s->columns[i];
    TRY(buf_printf(out, "%-*s  ", (int)w, c->name));
    TRY(type_to_sql(c->type, out));
    bool nullable = type_field_at(s->type, i)->nullable;
    TRY(buf_puts(out, nullable ? "\n" : " NOT NULL\n"));
  }
  TRY(buf_printf(out, "\n%-*s  %-20s  %-26s  %-14s  %-8s  %-9s  %s\n", (int)w, "leaf", "physical", "logical",
                 "converted", "rep", "def/rep", "lago type"));
  for (uint32_t i = 0; i < s->n_leaves; i++) {
    const pq_leaf *lf = &s->leaves[i];
    const pq_schema_element *el = lf->el;
    size_t ls = out->len;
    TRY(buf_puts(out, lf->dotted));
    TRY(pad_to(out, ls, w + 2));
    size_t col = out->len;
    if (lf->phys == PQT_FIXED_LEN_BYTE_ARRAY) TRY(buf_printf(out, "FLBA(%d)", lf->type_length));
    else TRY(buf_puts(out, pq_type_name(lf->phys)));
    TRY(pad_to(out, col, 22));
    col = out->len;
    if (el->logical.kind == PQL_NONE) TRY(buf_puts(out, "-"));
    else TRY(logical_text(&el->logical, out));
    TRY(pad_to(out, col, 28));
    col = out->len;
    if (el->converted == PQC_NONE) TRY(buf_puts(out, "-"));
    else if (el->converted == PQC_DECIMAL) TRY(buf_printf(out, "DECIMAL(%d,%d)", el->precision, el->scale));
    else TRY(buf_puts(out, pq_converted_name(el->converted)));
    TRY(pad_to(out, col, 16));
    col = out->len;
    TRY(buf_puts(out, rep_name(el)));
    TRY(pad_to(out, col, 10));
    col = out->len;
    TRY(buf_printf(out, "%u/%u", lf->max_def, lf->max_rep));
    TRY(pad_to(out, col, 11));
    TRY(type_to_sql(lf->type, out));
    if (el->has_field_id) TRY(buf_printf(out, "  (field id %d)", el->field_id));
    TRY(buf_putc(out, '\n'));
  }
  return LAGO_OK;
}

/* One statistics value as canonical text, or "?" if it does not decode. */
static int stat_text(const pq_leaf *lf, pq_bytes b, buf *out) {
  union {
    uint8_t raw[16];
    lago_str s;
    lago_i128 x;
  } val;
  if (!pq_stat_decode(lf, b, &val)) return buf_printf(out, "? (%u bytes)", b.len);
  vec v;
  memset(&v, 0, sizeof v);
  v.type = lf->type;
  v.kind = VEC_FLAT;
  v.len = v.cap = 1;
  v.data = &val;
  return value_text_append(out, &v, 0);
}

static int stats_text(const pq_file_meta *fm, const pq_leaf *lf, const pq_statistics *st, buf *out) {
  bool any = false;
  if (st->has_min_value || st->has_max_value) {
    TRY(buf_puts(out, " min="));
    TRY(st->has_min_value ? stat_text(lf, st->min_value, out) : buf_puts(out, "-"));
    if (st->has_is_min_value_exact && !st->is_min_value_exact) TRY(buf_puts(out, "(inexact)"));
    TRY(buf_puts(out, " max="));
    TRY(st->has_max_value ? stat_text(lf, st->max_value, out) : buf_puts(out, "-"));
    if (st->has_is_max_value_exact && !st->is_max_value_exact) TRY(buf_puts(out, "(inexact)"));
    any = true;
  }
  if (st->has_min || st->has_max) {
    TRY(buf_puts(out, " legacy_min="));
    TRY(st->has_min ? stat_text(lf, st->min, out) : buf_puts(out, "-"));
    TRY(buf_puts(out, " legacy_max="));
    TRY(st->has_max ? stat_text(lf, st->max, out) : buf_puts(out, "-"));
    any = true;
  }
  if (st->has_null_count) {
    TRY(buf_printf(out, " nulls=%lld", (long long)st->null_count));
    any = true;
  }
  if (st->has_distinct_count) {
    TRY(buf_printf(out, " distinct=%lld", (long long)st->distinct_count));
    any = true;
  }
  union {
    uint8_t raw[16];
    lago_str s;
  } lo, hi;
  bool hl, hh;
  if (any && !pq_stats_bounds(fm, lf, st, &lo, &hi, &hl, &hh)) TRY(buf_puts(out, " (not used for skipping)"));
  return any ? LAGO_OK : buf_puts(out, " none");
}

static int quoted(buf *out, const char *s, size_t n, size_t max) {
  if (n > max) {
    TRY(value_text_quote(out, s, max));
    return buf_printf(out, "... (%zu bytes)", n);
  }
  return value_text_quote(out, s, n);
}

int pq_describe_meta(const pq_file *pf, buf *out) {
  const pq_file_meta *fm = pq_file_metadata(pf);
  const pq_schema *s = pq_file_schema_int(pf);
  TRY(buf_printf(out, "file: %s\nsize: %llu bytes\nformat version: %d\ncreated_by: ", pq_file_path(pf),
                 (unsigned long long)pq_file_size(pf), fm->version));
  TRY(fm->created_by ? quoted(out, fm->created_by, strlen(fm->created_by), 200) : buf_puts(out, "-"));
  TRY(buf_printf(out, "\nrows: %lld\nrow groups: %u\nleaf columns: %u\n", (long long)pq_file_num_rows(pf),
                 fm->n_row_groups, s->n_leaves));
  if (fm->n_key_value) {
    TRY(buf_puts(out, "key-value metadata:\n"));
    for (uint32_t i = 0; i < fm->n_key_value; i++) {
      const pq_key_value *kv = &fm->key_value[i];
      TRY(buf_puts(out, "  "));
      TRY(quoted(out, kv->key, strlen(kv->key), 100));
      TRY(buf_puts(out, " = "));
      TRY(kv->value ? quoted(out, kv->value, strlen(kv->value), 200) : buf_puts(out, "(no value)"));
      TRY(buf_putc(out, '\n'));
    }
  }
  for (uint32_t r = 0; r < fm->n_row_groups; r++) {
    const pq_row_group *rg = &fm->row_groups[r];
    TRY(buf_printf(out, "row group %u: %lld rows, %lld bytes uncompressed", r, (long long)rg->num_rows,
                   (long long)rg->total_byte_size));
    if (rg->total_compressed_size >= 0) TRY(buf_printf(out, ", %lld compressed", (long long)rg->total_compressed_size));
    TRY(buf_putc(out, '\n'));
    for (uint32_t c = 0; c < rg->n_columns && c < s->n_leaves; c++) {
      const pq_leaf *lf = &s->leaves[c];
      const pq_column_meta *cm = &rg->columns[c].meta_data;
      TRY(buf_printf(out, "  column %s: %s, codec %s, encodings ", lf->dotted, pq_type_name(cm->type),
                     pq_codec_name(cm->codec)));
      for (uint32_t e = 0; e < cm->n_encodings; e++)
        TRY(buf_printf(out, "%s%s", e ? "," : "", pq_encoding_name(cm->encodings[e])));
      TRY(buf_printf(out, "\n    values %lld, %lld bytes compressed, %lld uncompressed, data page at %lld",
                     (long long)cm->num_values, (long long)cm->total_compressed_size,
                     (long long)cm->total_uncompressed_size, (long long)cm->data_page_offset));
      if (cm->dictionary_page_offset > 0)
        TRY(buf_printf(out, ", dictionary page at %lld", (long long)cm->dictionary_page_offset));
      if (rg->columns[c].column_index_offset >= 0) TRY(buf_puts(out, ", page index"));
      if (cm->bloom_filter_offset >= 0) TRY(buf_puts(out, ", bloom filter"));
      TRY(buf_puts(out, "\n    statistics:"));
      TRY(cm->has_statistics ? stats_text(fm, lf, &cm->statistics, out) : buf_puts(out, " none"));
      TRY(buf_putc(out, '\n'));
    }
  }
  return LAGO_OK;
}
