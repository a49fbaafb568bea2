/*
** format/parquet/thrift_write.c: Thrift compact-protocol encoder (the byte
** layouts are drawn in thrift_write.h). Used by meta_write.c. Output only
** grows a caller-owned buf; the sole failure is LAGO_NOMEM, kept sticky in
** tw.rc.
*/
#include "format/parquet/thrift_write.h"

#include <string.h>

#include "lago.h"

static void put(tw *t, const void *p, size_t n) {
  if (t->rc) return;
  if (buf_append(t->out, p, n)) t->rc = LAGO_NOMEM;
}

static void put_byte(tw *t, uint8_t b) { put(t, &b, 1); }

void tw_uvarint(tw *t, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  while (v >= 0x80) {
    tmp[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  tmp[n++] = (uint8_t)v;
  put(t, tmp, n);
}

void tw_init(tw *t, buf *out) {
  memset(t, 0, sizeof *t);
  t->out = out;
}

static void push(tw *t) {
  if (t->depth >= TW_MAX_DEPTH) {
    if (!t->rc) t->rc = LAGO_INTERNAL; /* our own metadata never nests this deep */
    return;
  }
  t->last_id[t->depth++] = 0;
}

void tw_struct_begin(tw *t) { push(t); }

void tw_struct_end(tw *t) {
  put_byte(t, TW_STOP);
  if (t->depth > 0) t->depth--;
}

/* Field header: short form when the id delta is 1..15, else type byte + zigzag id. */
static void field_header(tw *t, int16_t id, tw_type type) {
  if (t->depth == 0) {
    if (!t->rc) t->rc = LAGO_INTERNAL;
    return;
  }
  int16_t *last = &t->last_id[t->depth - 1];
  int delta = id - *last;
  if (delta > 0 && delta <= 15) {
    put_byte(t, (uint8_t)(delta << 4 | type));
  } else {
    put_byte(t, (uint8_t)type);
    tw_uvarint(t, tw_zigzag64(id));
  }
  *last = id;
}

void tw_field_bool(tw *t, int16_t id, bool v) { field_header(t, id, v ? TW_TRUE : TW_FALSE); }

void tw_field_i8(tw *t, int16_t id, int8_t v) {
  field_header(t, id, TW_I8);
  put_byte(t, (uint8_t)v);
}

void tw_field_i16(tw *t, int16_t id, int16_t v) {
  field_header(t, id, TW_I16);
  tw_uvarint(t, tw_zigzag64(v));
}

void tw_field_i32(tw *t, int16_t id, int32_t v) {
  field_header(t, id, TW_I32);
  tw_uvarint(t, tw_zigzag64(v));
}

void tw_field_i64(tw *t, int16_t id, int64_t v) {
  field_header(t, id, TW_I64);
  tw_uvarint(t, tw_zigzag64(v));
}

void tw_field_binary(tw *t, int16_t id, const void *p, uint32_t n) {
  field_header(t, id, TW_BINARY);
  tw_binary(t, p, n);
}

void tw_field_string(tw *t, int16_t id, const char *s) { tw_field_binary(t, id, s, (uint32_t)strlen(s)); }

void tw_field_struct_begin(tw *t, int16_t id) {
  field_header(t, id, TW_STRUCT);
  push(t);
}

void tw_field_empty_struct(tw *t, int16_t id) {
  tw_field_struct_begin(t, id);
  tw_struct_end(t);
}

void tw_field_list_begin(tw *t, int16_t id, tw_type elem, uint32_t n) {
  field_header(t, id, TW_LIST);
  if (n < 15) {
    put_byte(t, (uint8_t)(n << 4 | elem));
  } else {
    put_byte(t, (uint8_t)(0xf0 | elem));
    tw_uvarint(t, n);
  }
}

void tw_bool(tw *t, bool v) { put_byte(t, v ? TW_TRUE : TW_FALSE); }
void tw_i32(tw *t, int32_t v) { tw_uvarint(t, tw_zigzag64(v)); }
void tw_i64(tw *t, int64_t v) { tw_uvarint(t, tw_zigzag64(v)); }

void tw_binary(tw *t, const void *p, uint32_t n) {
  tw_uvarint(t, n);
  if (n) put(t, p, n);
}
