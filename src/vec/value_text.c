/*
** vec/value_text.c: canonical value text (see value_text.h).
*/
#include "vec/value_text.h"

#include "util/datetime.h"
#include "util/numfmt.h"
#include "util/hex.h"

int value_text_quote(buf *out, const char *s, size_t n) {
  TRY(buf_reserve(out, n + 2));
  out->data[out->len++] = '"';
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '"') TRY(buf_putc(out, '"'));
    TRY(buf_putc(out, s[i]));
  }
  return buf_putc(out, '"');
}

static int hex_bytes(buf *out, const uint8_t *p, size_t n) {
  TRY(buf_reserve(out, 2 * n + 2));
  out->data[out->len++] = '0';
  out->data[out->len++] = 'x';
  out->len = (size_t)(hex_encode(out->data + out->len, p, n, 0) - out->data);
  out->data[out->len] = 0;
  return LAGO_OK;
}

static int uuid_text(buf *out, const uint8_t *p) {
  char s[36];
  uuid_text36(s, p);
  return buf_append(out, s, sizeof s);
}

/* Renders the value at physical index idx of the flat vector v (known non-null). */
static int flat_value(buf *out, const vec *v, uint32_t idx) {
  char tmp[FMT_NUM_MAX + 16];
  int n = 0;
  const void *d = v->data;
  switch ((lago_type_id)v->type.id) {
    case LT_BOOLEAN: return buf_puts(out, ((const uint8_t *)d)[idx] ? "true" : "false");
    case LT_TINYINT: n = fmt_i64(((const int8_t *)d)[idx], tmp); break;
    case LT_SMALLINT: n = fmt_i64(((const int16_t *)d)[idx], tmp); break;
    case LT_INT: n = fmt_i64(((const int32_t *)d)[idx], tmp); break;
    case LT_BIGINT: n = fmt_i64(((const int64_t *)d)[idx], tmp); break;
    case LT_UTINYINT: n = fmt_u64(((const uint8_t *)d)[idx], tmp); break;
    case LT_USMALLINT: n = fmt_u64(((const uint16_t *)d)[idx], tmp); break;
    case LT_UINT: n = fmt_u64(((const uint32_t *)d)[idx], tmp); break;
    case LT_UBIGINT: n = fmt_u64(((const uint64_t *)d)[idx], tmp); break;
    case LT_FLOAT: n = fmt_float(((const float *)d)[idx], tmp); break;
    case LT_DOUBLE: n = fmt_double(((const double *)d)[idx], tmp); break;
    case LT_DECIMAL:
      if (type_decimal_is_wide(v->type)) {
        lago_i128 x;
        memcpy(&x, (const char *)d + (size_t)idx * sizeof x, sizeof x);
        n = fmt_decimal(x, v->type.scale, tmp);
      } else {
        n = fmt_decimal(((const int64_t *)d)[idx], v->type.scale, tmp);
      }
      break;
    case LT_STRING: {
      const lago_str *s = (const lago_str *)d + idx;
      return value_text_quote(out, str_data(s), s->len);
    }
    case LT_BINARY: {
      const lago_str *s = (const lago_str *)d + idx;
      return hex_bytes(out, (const uint8_t *)str_data(s), s->len);
    }
    case LT_UUID: return uuid_text(out, (const uint8_t *)d + (size_t)idx * 16);
    case LT_DATE: n = fmt_date(((const int32_t *)d)[idx], tmp); break;
    case LT_TIME: n = fmt_time_of_day(((const int64_t *)d)[idx], 6, tmp); break;
    case LT_TIME_UTC:
      n = fmt_time_of_day(((const int64_t *)d)[idx], 6, tmp);
      memcpy(tmp + n, "+00", 4);
      n += 3;
      break;
    case LT_TIMESTAMP:
      n = fmt_timestamp_us(((const int64_t *)d)[idx], tmp);
      memcpy(tmp + n, "+00", 4);
      n += 3;
      break;
    case LT_TIMESTAMP_NTZ: n = fmt_timestamp_us(((const int64_t *)d)[idx], tmp); break;
    case LT_TIMESTAMP_NS: n = fmt_timestamp_ns(((const int64_t *)d)[idx], tmp); break;
    case LT_INTERVAL: {
      const lago_interval *iv = (const lago_interval *)d + idx;
      return buf_printf(out, "%d months %d days %lld micros", iv->months, iv->days, (long long)iv->micros);
    }
    case LT_STRUCT: {
      TRY(buf_putc(out, '{'));
      for (uint32_t i = 0; i < type_n_fields(v->type); i++) {
        if (i) TRY(buf_putc(out, ','));
        const char *name = type_field_at(v->type, i)->name;
        TRY(value_text_quote(out, name, strlen(name)));
        TRY(buf_putc(out, ':'));
        TRY(value_text_append(out, v->fields[i], idx));
      }
      return buf_putc(out, '}');
    }
    case LT_ARRAY: {
      lago_list l = ((const lago_list *)d)[idx];
      TRY(buf_putc(out, '['));
      for (uint32_t k = 0; k < l.length; k++) {
        if (k) TRY(buf_putc(out, ','));
        TRY(value_text_append(out, v->child, l.offset + k));
      }
      return buf_putc(out, ']');
    }
    case LT_MAP: {
      lago_list l = ((const lago_list *)d)[idx];
      const vec *kv = v->child;
      TRY(buf_putc(out, '{'));
      for (uint32_t k = 0; k < l.length; k++) {
        if (k) TRY(buf_putc(out, ','));
        TRY(value_text_append(out, kv->fields[0], l.offset + k));
        TRY(buf_putc(out, ':'));
        TRY(value_text_append(out, kv->fields[1], l.offset + k));
      }
      return buf_putc(out, '}');
    }
    case LT_NULL: return buf_puts(out, "\\N");
    case LT_INVALID: case LT__COUNT: break;
  }
  if (v->type.id == LT_INVALID || v->type.id >= LT__COUNT) return LAGO_INTERNAL;
  return buf_append(out, tmp, (size_t)n);
}

int value_text_append(buf *out, const vec *v, uint32_t row) {
  if (!vec_is_valid(v, row)) return buf_puts(out, "\\N");
  if (v->kind == VEC_CONST) return flat_value(out, v, 0);
  if (v->kind == VEC_DICT) return flat_value(out, v->dict, VEC_DATA(v, uint32_t)[row]);
  return flat_value(out, v, row);
}
