/*
** format/parquet/thrift_read.h: a decoder for the Thrift compact protocol,
** the encoding of every Parquet metadata structure (footer, page headers,
** page indexes). Used by meta_read.c; nothing else in lago speaks Thrift.
**
** The input is untrusted: every read is bounds-checked against `end`,
** varints longer than their type allows are rejected, container sizes are
** checked against the bytes left (each element takes at least one byte, so
** a small buffer cannot announce a huge allocation), and nesting is limited
** to THRIFT_MAX_DEPTH. Errors are LAGO_CORRUPT with `what` and the byte
** offset in the message.
**
** Compact protocol (Apache Thrift, doc/specs/thrift-compact-protocol.md):
**
**   varint      ULEB128: 7 bits per byte, low group first, high bit = more
**   zigzag      i16/i32/i64 as varint of (n << 1) ^ (n >> 63)
**   byte (i8)   1 raw byte;  double: 8 bytes little-endian
**   binary      varint length, then the bytes (strings are binary)
**   field       +--------+--------+   delta in 1..15: id = last id + delta
**               | delta  |  type  |   delta 0: a zigzag i16 id follows
**               +--------+--------+   (4 bits each); type 0 = STOP (end of struct)
**               bool fields carry their value in the type: 1 = true, 2 = false
**   list/set    +--------+--------+   size 0..14 in the high nibble; 15 means a
**               |  size  | elem t |   varint size follows; elements have no
**               +--------+--------+   headers; a bool element is one byte (1 = true)
**   map         varint size; if size > 0: one byte (key type << 4 | value type)
**   struct      fields ... STOP; field ids restart at 0 in every struct
*/
#ifndef LAGO_FORMAT_PARQUET_THRIFT_READ_H
#define LAGO_FORMAT_PARQUET_THRIFT_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* Wire types of the compact protocol. */
enum {
  TT_STOP = 0,
  TT_BOOL_TRUE = 1,
  TT_BOOL_FALSE = 2,
  TT_BYTE = 3,
  TT_I16 = 4,
  TT_I32 = 5,
  TT_I64 = 6,
  TT_DOUBLE = 7,
  TT_BINARY = 8,
  TT_LIST = 9,
  TT_SET = 10,
  TT_MAP = 11,
  TT_STRUCT = 12,
  TT_UUID = 13, /* 16 raw bytes (newer Thrift versions) */
};

#define THRIFT_MAX_DEPTH 32

typedef struct thrift_in {
  const uint8_t *start; /* first byte (for offsets in messages) */
  const uint8_t *p;     /* next byte to read */
  const uint8_t *end;   /* one past the last byte */
  int depth;            /* structs/containers currently open */
  const char *what;     /* names the structure in messages ("footer of x.parquet") */
  lago_err *err;
} thrift_in;

/* A field header: type TT_STOP ends the struct. */
typedef struct thrift_field {
  int type;
  int16_t id;
} thrift_field;

void thrift_init(thrift_in *in, const void *p, size_t n, const char *what, lago_err *err);
/* Bytes consumed so far. */
static inline size_t thrift_pos(const thrift_in *in) { return (size_t)(in->p - in->start); }

/* Struct framing: begin saves the previous field id in *saved; end restores depth. */
int thrift_struct_begin(thrift_in *in, int16_t *last_id);
void thrift_struct_end(thrift_in *in);
/* Reads the next field header of the current struct (last_id is updated). */
int thrift_field_next(thrift_in *in, int16_t *last_id, thrift_field *f);

/*
** Values of a field of wire type `type` (from thrift_field_next, or a
** list's element type). Integer readers accept any integer wire type and
** check that the value fits the target. A value of an unexpected wire type
** is an error (LAGO_CORRUPT): callers that want Thrift's lenient behaviour
** check the type first and call thrift_skip instead.
*/
int thrift_read_i64(thrift_in *in, int type, int64_t *out);
int thrift_read_i32(thrift_in *in, int type, int32_t *out);
/* A bool field: the value is in the field type itself (no bytes read). */
int thrift_read_bool(thrift_in *in, int type, bool *out);
/* A bool list element: one byte, 1 = true, 0 or 2 = false. */
int thrift_read_bool_elem(thrift_in *in, bool *out);
/* Binary/string: *out points into the input buffer (borrowed), *len its length. */
int thrift_read_binary(thrift_in *in, int type, const uint8_t **out, uint32_t *len);
int thrift_read_double(thrift_in *in, int type, double *out);
/* List or set header: element type and count (count <= bytes left). */
int thrift_read_list(thrift_in *in, int type, int *elem_type, uint32_t *n);
/* Skips one field value of wire type `type` (containers and structs recursively). */
int thrift_skip(thrift_in *in, int type);
/* Skips one list/set/map element of wire type `type` (bools take a byte here). */
int thrift_skip_elem(thrift_in *in, int type);

/* True if a wire type is an integer type (BYTE, I16, I32, I64). */
static inline bool thrift_is_int(int type) { return type >= TT_BYTE && type <= TT_I64; }
static inline bool thrift_is_bool(int type) { return type == TT_BOOL_TRUE || type == TT_BOOL_FALSE; }

#endif /* LAGO_FORMAT_PARQUET_THRIFT_READ_H */
