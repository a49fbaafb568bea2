/*
** format/parquet/thrift_read.c: Thrift compact protocol decoder (see
** thrift_read.h for the wire format). Every byte read is bounds-checked;
** nothing here allocates.
*/
#include "format/parquet/thrift_read.h"

#include <string.h>

void thrift_init(thrift_in *in, const void *p, size_t n, const char *what, lago_err *err) {
  in->start = in->p = p;
  in->end = in->p + n;
  in->depth = 0;
  in->what = what ? what : "thrift";
  in->err = err;
}

static int bad(thrift_in *in, const char *msg) {
  return LAGO_ERR(in->err, LAGO_CORRUPT, "%s: %s at byte %zu", in->what, msg, thrift_pos(in));
}

static int read_varint(thrift_in *in, uint64_t *out) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (in->p >= in->end) return bad(in, "truncated varint");
    uint8_t b = *in->p++;
    if (shift == 63 && (b & 0x7e)) return bad(in, "varint overflows 64 bits");
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *out = v;
      return LAGO_OK;
    }
  }
  return bad(in, "varint longer than 10 bytes");
}

static int64_t unzigzag(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

int thrift_struct_begin(thrift_in *in, int16_t *last_id) {
  if (++in->depth > THRIFT_MAX_DEPTH) return bad(in, "structures nested too deeply");
  *last_id = 0;
  return LAGO_OK;
}

void thrift_struct_end(thrift_in *in) { in->depth--; }

int thrift_field_next(thrift_in *in, int16_t *last_id, thrift_field *f) {
  if (in->p >= in->end) return bad(in, "truncated struct (no STOP)");
  uint8_t b = *in->p++;
  f->type = b & 0x0f;
  if (f->type == TT_STOP) {
    f->id = 0;
    return LAGO_OK;
  }
  int delta = b >> 4;
  if (delta) {
    int id = *last_id + delta;
    if (id > INT16_MAX) return bad(in, "field id out of range");
    f->id = (int16_t)id;
  } else {
    uint64_t v;
    TRY(read_varint(in, &v));
    int64_t id = unzigzag(v);
    if (id < INT16_MIN || id > INT16_MAX) return bad(in, "field id out of range");
    f->id = (int16_t)id;
  }
  if (f->type > TT_UUID) return bad(in, "unknown field type");
  *last_id = f->id;
  return LAGO_OK;
}

int thrift_read_i64(thrift_in *in, int type, int64_t *out) {
  if (type == TT_BYTE) {
    if (in->p >= in->end) return bad(in, "truncated byte");
    *out = (int8_t)*in->p++;
    return LAGO_OK;
  }
  if (type != TT_I16 && type != TT_I32 && type != TT_I64) return bad(in, "expected an integer");
  uint64_t v;
  TRY(read_varint(in, &v));
  int64_t x = unzigzag(v);
  if (type == TT_I16 && (x < INT16_MIN || x > INT16_MAX)) return bad(in, "i16 out of range");
  if (type == TT_I32 && (x < INT32_MIN || x > INT32_MAX)) return bad(in, "i32 out of range");
  *out = x;
  return LAGO_OK;
}

int thrift_read_i32(thrift_in *in, int type, int32_t *out) {
  int64_t x;
  TRY(thrift_read_i64(in, type, &x));
  if (x < INT32_MIN || x > INT32_MAX) return bad(in, "integer does not fit 32 bits");
  *out = (int32_t)x;
  return LAGO_OK;
}

int thrift_read_bool(thrift_in *in, int type, bool *out) {
  if (!thrift_is_bool(type)) return bad(in, "expected a bool");
  *out = type == TT_BOOL_TRUE;
  return LAGO_OK;
}

int thrift_read_bool_elem(thrift_in *in, bool *out) {
  if (in->p >= in->end) return bad(in, "truncated bool");
  uint8_t b = *in->p++;
  if (b > 2) return bad(in, "bad bool value");
  *out = b == 1;
  return LAGO_OK;
}

int thrift_read_binary(thrift_in *in, int type, const uint8_t **out, uint32_t *len) {
  if (type != TT_BINARY) return bad(in, "expected a binary/string");
  uint64_t n;
  TRY(read_varint(in, &n));
  if (n > (uint64_t)(in->end - in->p)) return bad(in, "binary length past the end");
  if (n > UINT32_MAX) return bad(in, "binary too long");
  *out = in->p;
  *len = (uint32_t)n;
  in->p += n;
  return LAGO_OK;
}

int thrift_read_double(thrift_in *in, int type, double *out) {
  if (type != TT_DOUBLE) return bad(in, "expected a double");
  if (in->end - in->p < 8) return bad(in, "truncated double");
  memcpy(out, in->p, 8);
  in->p += 8;
  return LAGO_OK;
}

int thrift_read_list(thrift_in *in, int type, int *elem_type, uint32_t *n) {
  if (type != TT_LIST && type != TT_SET) return bad(in, "expected a list");
  if (in->p >= in->end) return bad(in, "truncated list header");
  uint8_t b = *in->p++;
  uint64_t size = b >> 4;
  *elem_type = b & 0x0f;
  if (size == 15) TRY(read_varint(in, &size));
  /* Every element takes at least one byte (bools too, inside a list). */
  if (size > (uint64_t)(in->end - in->p)) return bad(in, "list size larger than the bytes left");
  if (size && (*elem_type == TT_STOP || *elem_type > TT_UUID)) return bad(in, "bad list element type");
  *n = (uint32_t)size;
  return LAGO_OK;
}

static int skip_value(thrift_in *in, int type, bool elem);

static int skip_bytes(thrift_in *in, size_t n) {
  if (n > (size_t)(in->end - in->p)) return bad(in, "value past the end");
  in->p += n;
  return LAGO_OK;
}

static int skip_struct(thrift_in *in) {
  int16_t last;
  TRY(thrift_struct_begin(in, &last));
  for (;;) {
    thrift_field f;
    TRY(thrift_field_next(in, &last, &f));
    if (f.type == TT_STOP) break;
    TRY(skip_value(in, f.type, false));
  }
  thrift_struct_end(in);
  return LAGO_OK;
}

static int skip_value(thrift_in *in, int type, bool elem) {
  uint64_t v;
  switch (type) {
    case TT_BOOL_TRUE:
    case TT_BOOL_FALSE:
      return elem ? skip_bytes(in, 1) : LAGO_OK;
    case TT_BYTE: return skip_bytes(in, 1);
    case TT_I16:
    case TT_I32:
    case TT_I64: return read_varint(in, &v);
    case TT_DOUBLE: return skip_bytes(in, 8);
    case TT_UUID: return skip_bytes(in, 16);
    case TT_BINARY:
      TRY(read_varint(in, &v));
      if (v > (uint64_t)(in->end - in->p)) return bad(in, "binary length past the end");
      in->p += v;
      return LAGO_OK;
    case TT_LIST:
    case TT_SET: {
      int et;
      uint32_t n;
      TRY(thrift_read_list(in, type, &et, &n));
      if (++in->depth > THRIFT_MAX_DEPTH) return bad(in, "structures nested too deeply");
      for (uint32_t i = 0; i < n; i++) TRY(skip_value(in, et, true));
      in->depth--;
      return LAGO_OK;
    }
    case TT_MAP: {
      TRY(read_varint(in, &v));
      if (v == 0) return LAGO_OK;
      if (in->p >= in->end) return bad(in, "truncated map header");
      uint8_t kv = *in->p++;
      int kt = kv >> 4, vt = kv & 0x0f;
      if (kt == TT_STOP || kt > TT_UUID || vt == TT_STOP || vt > TT_UUID) return bad(in, "bad map element type");
      if (v > (uint64_t)(in->end - in->p) / 2) return bad(in, "map size larger than the bytes left");
      if (++in->depth > THRIFT_MAX_DEPTH) return bad(in, "structures nested too deeply");
      for (uint64_t i = 0; i < v; i++) {
        TRY(skip_value(in, kt, true));
        TRY(skip_value(in, vt, true));
      }
      in->depth--;
      return LAGO_OK;
    }
    case TT_STRUCT: return skip_struct(in);
    default: return bad(in, "unknown value type");
  }
}

int thrift_skip(thrift_in *in, int type) { return skip_value(in, type, false); }
int thrift_skip_elem(thrift_in *in, int type) { return skip_value(in, type, true); }
