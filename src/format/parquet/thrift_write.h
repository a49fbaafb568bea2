/*
** format/parquet/thrift_write.h: a Thrift compact-protocol encoder, just
** enough for the Parquet metadata structs (meta_write.c) and for tests.
**
** Compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md):
**   varint    ULEB128: 7 bits per byte, low group first, high bit = "more"
**   i8        one byte, as it is
**   i16/i32/i64  zigzag ((n << 1) ^ (n >> 63)) then varint
**   binary    varint length, then the bytes
**   field     header byte  dddd tttt  when the id delta d = id - last id is
**             1..15; else  0000 tttt  followed by the id as a zigzag varint
**             (tttt = type: 1 TRUE, 2 FALSE, 3 i8, 4 i16, 5 i32, 6 i64,
**             7 double, 8 binary, 9 list, 10 set, 11 map, 12 struct)
**   bool field  no value bytes: the type nibble is 1 (true) or 2 (false)
**   list      header byte  ssss tttt  when size < 15; else  1111 tttt
**             followed by the size as a varint; then the elements
**             (a bool element is one byte: 1 true, 2 false)
**   struct    its fields, then a 0 byte (STOP); field ids restart at 0
**             inside every nested struct
**
** Errors are sticky: the first failed append (LAGO_NOMEM) is kept in tw.rc,
** later calls do nothing, and the caller checks tw.rc once at the end.
*/
#ifndef LAGO_FORMAT_PARQUET_THRIFT_WRITE_H
#define LAGO_FORMAT_PARQUET_THRIFT_WRITE_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

#define TW_MAX_DEPTH 32

/* Compact-protocol type nibbles. */
typedef enum tw_type {
  TW_STOP = 0,
  TW_TRUE = 1,
  TW_FALSE = 2,
  TW_I8 = 3,
  TW_I16 = 4,
  TW_I32 = 5,
  TW_I64 = 6,
  TW_DOUBLE = 7,
  TW_BINARY = 8,
  TW_LIST = 9,
  TW_SET = 10,
  TW_MAP = 11,
  TW_STRUCT = 12,
} tw_type;

typedef struct tw {
  buf *out;                      /* appended to; owned by the caller */
  int rc;                        /* LAGO_OK, or the first failure (sticky) */
  int depth;                     /* open structs */
  int16_t last_id[TW_MAX_DEPTH]; /* last field id written in each open struct */
} tw;

/* Starts encoding into out (appends). The outermost struct still needs tw_struct_begin. */
void tw_init(tw *t, buf *out);

/* Opens a struct that is not a field (the top-level one, or a list element). */
void tw_struct_begin(tw *t);
/* Writes STOP and closes the innermost struct. */
void tw_struct_end(tw *t);

/* Fields of the innermost open struct; ids must increase only for the 1-byte form to apply. */
void tw_field_bool(tw *t, int16_t id, bool v);
void tw_field_i8(tw *t, int16_t id, int8_t v);   /* one raw byte, not a varint */
void tw_field_i16(tw *t, int16_t id, int16_t v);
void tw_field_i32(tw *t, int16_t id, int32_t v);
void tw_field_i64(tw *t, int16_t id, int64_t v);
void tw_field_binary(tw *t, int16_t id, const void *p, uint32_t n);
void tw_field_string(tw *t, int16_t id, const char *s);
/* A struct-valued field: write its fields, then tw_struct_end. */
void tw_field_struct_begin(tw *t, int16_t id);
/* An empty struct-valued field (the members of Parquet's unions with no fields). */
void tw_field_empty_struct(tw *t, int16_t id);
/* A list-valued field of n elements of type elem; then write exactly n elements. */
void tw_field_list_begin(tw *t, int16_t id, tw_type elem, uint32_t n);

/* List elements. */
void tw_bool(tw *t, bool v);
void tw_i32(tw *t, int32_t v);
void tw_i64(tw *t, int64_t v);
void tw_binary(tw *t, const void *p, uint32_t n);

/* Raw varints (also used by the page encoders). */
void tw_uvarint(tw *t, uint64_t v);
static inline uint64_t tw_zigzag64(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

#endif /* LAGO_FORMAT_PARQUET_THRIFT_WRITE_H */
