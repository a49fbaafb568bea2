/*
** table/delta/partition.c: partition values as the log serializes them
** (PROTOCOL.md "Partition Value Serialization", DELTA-CHECKLIST.md §9).
**
** add.partitionValues maps each (physical) partition column to a string:
**   NULL / missing / ""   -> NULL (for every type, string included)
**   string                -> as is ("null" is the 4-letter string)
**   byte..long            -> decimal integer text
**   float, double         -> decimal text ("1.0", "-0.5", "NaN", "Infinity")
**   decimal(p,s)          -> plain decimal text ("-2342342.23423")
**   boolean               -> "true" / "false"
**   date                  -> YYYY-MM-DD
**   timestamp             -> "YYYY-MM-DD HH:MM:SS[.ffffff]" (zone-less: lago
**                            reads it as UTC, like delta-kernel-rs) or
**                            ISO-8601 "YYYY-MM-DDTHH:MM:SS.ffffffZ" (written)
**   timestamp_ntz         -> "YYYY-MM-DD HH:MM:SS[.ffffff]"
**   binary                -> the bytes as the string's UTF-8 bytes
** Values come from untrusted logs: any malformed one is LAGO_CORRUPT naming
** the column and the text.
*/
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "util/datetime.h"
#include "util/numfmt.h"

static int bad(lago_err *err, const char *column, const char *s, lago_type t) {
  return LAGO_ERR(err, LAGO_CORRUPT, "partition column \"%s\": value \"%.100s\" is not a valid %s", column, s,
                  type_id_name((lago_type_id)t.id));
}

int delta_partition_value_parse(arena *ar, lago_type t, const char *s, const char *column, vec **out,
                                lago_err *err) {
  vec *v = vec_new(ar, t, 1);
  if (!v) return LAGO_NOMEM_ERR(err);
  v->len = 1;
  *out = v;
  if (!s || !*s) {
    if (vec_set_null(v, 0)) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  }
  size_t n = strlen(s);
  switch (t.id) {
  case LT_STRING:
  case LT_BINARY:
    if (n > UINT32_MAX) return bad(err, column, s, t);
    if (vec_set_str(v, 0, s, (uint32_t)n)) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  case LT_BOOLEAN:
    if (!strcasecmp(s, "true")) VEC_DATA(v, uint8_t)[0] = 1;
    else if (!strcasecmp(s, "false")) VEC_DATA(v, uint8_t)[0] = 0;
    else return bad(err, column, s, t);
    return LAGO_OK;
  case LT_TINYINT:
  case LT_SMALLINT:
  case LT_INT:
  case LT_BIGINT: {
    int64_t x;
    if (parse_i64(s, n, &x)) return bad(err, column, s, t);
    if (t.id == LT_TINYINT) {
      if (x < INT8_MIN || x > INT8_MAX) return bad(err, column, s, t);
      VEC_DATA(v, int8_t)[0] = (int8_t)x;
    } else if (t.id == LT_SMALLINT) {
      if (x < INT16_MIN || x > INT16_MAX) return bad(err, column, s, t);
      VEC_DATA(v, int16_t)[0] = (int16_t)x;
    } else if (t.id == LT_INT) {
      if (x < INT32_MIN || x > INT32_MAX) return bad(err, column, s, t);
      VEC_DATA(v, int32_t)[0] = (int32_t)x;
    } else {
      VEC_DATA(v, int64_t)[0] = x;
    }
    return LAGO_OK;
  }
  case LT_FLOAT:
  case LT_DOUBLE: {
    double d;
    if (parse_double(s, n, &d)) return bad(err, column, s, t);
    if (t.id == LT_FLOAT) VEC_DATA(v, float)[0] = (float)d;
    else VEC_DATA(v, double)[0] = d;
    return LAGO_OK;
  }
  case LT_DECIMAL: {
    __int128 x;
    if (parse_decimal(s, n, t.precision, t.scale, &x)) return bad(err, column, s, t);
    if (type_decimal_is_wide(t)) VEC_DATA(v, lago_i128)[0] = x;
    else VEC_DATA(v, int64_t)[0] = (int64_t)x;
    return LAGO_OK;
  }
  case LT_DATE: {
    int32_t d;
    if (parse_date(s, n, &d)) return bad(err, column, s, t);
    VEC_DATA(v, int32_t)[0] = d;
    return LAGO_OK;
  }
  case LT_TIMESTAMP:
  case LT_TIMESTAMP_NTZ: {
    int64_t us;
    bool zone;
    if (parse_timestamp(s, n, &us, &zone)) return bad(err, column, s, t);
    VEC_DATA(v, int64_t)[0] = us;
    return LAGO_OK;
  }
  default:
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "partition column \"%s\": type %s cannot be a partition column", column,
                    type_id_name((lago_type_id)t.id));
  }
}

int delta_partition_value_format(arena *ar, const vec *v, uint32_t row, const char **out, lago_err *err) {
  *out = NULL;
  vec_view vw;
  vec_view_init(&vw, v);
  if (!VIEW_VALID(&vw, row)) return LAGO_OK;
  uint32_t i = VIEW_IDX(&vw, row);
  char tmp[FMT_NUM_MAX + 64];
  const char *s = tmp;
  if (v->type.id == LT_DATE || v->type.id == LT_TIMESTAMP || v->type.id == LT_TIMESTAMP_NTZ) {
    /* the serialized forms have 4-digit years: refuse what they cannot express */
    int64_t days = v->type.id == LT_DATE ? ((const int32_t *)vw.data)[i]
                                          : floor_div64(((const int64_t *)vw.data)[i], MICROS_PER_DAY);
    if (days < -719162 || days > 2932896) /* 0001-01-01 .. 9999-12-31 */
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "partition value: %s outside years 1..9999 cannot be written",
                      type_id_name((lago_type_id)v->type.id));
  }
  switch (v->type.id) {
  case LT_STRING:
  case LT_BINARY: {
    const lago_str *str = &((const lago_str *)vw.data)[i];
    const char *p = str_data(str);
    if (str->len == 0) return LAGO_OK; /* Spark: an empty string partition value is NULL */
    if (memchr(p, 0, str->len))
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "partition value with a NUL byte cannot be written");
    /* the log is JSON text: a value that is not valid UTF-8 (binary) would be altered */
    for (uint32_t k = 0; k < str->len;) {
      unsigned char c = (unsigned char)p[k];
      uint32_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      bool ok = n && k + n <= str->len;
      for (uint32_t j = 1; ok && j < n; j++) ok = ((unsigned char)p[k + j] & 0xc0) == 0x80;
      if (!ok) return LAGO_ERR(err, LAGO_UNSUPPORTED, "partition value is not valid UTF-8 and cannot be written to the log");
      k += n;
    }
    char *c = arena_strndup(ar, p, str->len);
    if (!c) return LAGO_NOMEM_ERR(err);
    *out = c;
    return LAGO_OK;
  }
  case LT_BOOLEAN: s = ((const uint8_t *)vw.data)[i] ? "true" : "false"; break;
  case LT_TINYINT: fmt_i64(((const int8_t *)vw.data)[i], tmp); break;
  case LT_SMALLINT: fmt_i64(((const int16_t *)vw.data)[i], tmp); break;
  case LT_INT: fmt_i64(((const int32_t *)vw.data)[i], tmp); break;
  case LT_BIGINT: fmt_i64(((const int64_t *)vw.data)[i], tmp); break;
  case LT_FLOAT: fmt_float(((const float *)vw.data)[i], tmp); break;
  case LT_DOUBLE: fmt_double(((const double *)vw.data)[i], tmp); break;
  case LT_DECIMAL:
    fmt_decimal(type_decimal_is_wide(v->type) ? ((const lago_i128 *)vw.data)[i] : ((const int64_t *)vw.data)[i],
                v->type.scale, tmp);
    break;
  case LT_DATE: fmt_date(((const int32_t *)vw.data)[i], tmp); break;
  case LT_TIMESTAMP: {
    /* ISO-8601 UTC with microseconds, as the protocol recommends */
    int64_t us = ((const int64_t *)vw.data)[i];
    int64_t days = floor_div64(us, MICROS_PER_DAY), tod = floor_mod64(us, MICROS_PER_DAY);
    char d[48];
    fmt_date((int32_t)days, d);
    snprintf(tmp, sizeof tmp, "%sT%02d:%02d:%02d.%06dZ", d, (int)(tod / 3600000000), (int)(tod / 60000000 % 60),
             (int)(tod / 1000000 % 60), (int)(tod % 1000000));
    break;
  }
  case LT_TIMESTAMP_NTZ: fmt_timestamp_us(((const int64_t *)vw.data)[i], tmp); break;
  default:
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "type %s cannot be a partition column", type_id_name((lago_type_id)v->type.id));
  }
  char *c = arena_strdup(ar, s);
  if (!c) return LAGO_NOMEM_ERR(err);
  *out = c;
  return LAGO_OK;
}
