/*
** vec/types.h: lago's logical types.
**
** A lago_type is a small value (16 bytes) passed by value. Primitive types
** need nothing else; DECIMAL carries precision and scale; STRUCT, ARRAY and
** MAP point to an immutable `type_nested` that lives in some arena (or is
** static) and is never modified after construction, so types can be copied
** freely as long as that arena outlives the copies.
**
** The Spark/Databricks types are the core set. A few more exist because
** Parquet files written by other systems carry them and lago must read them
** faithfully (unsigned ints, TIME, TIMESTAMP_NS, INTERVAL, UUID); SQL treats
** them as their nearest Spark type when it computes with them.
**
** Physical layout of one value in a FLAT vector (vec/vector.h), by type:
**   BOOLEAN                 uint8_t 0/1 (not Arrow's bits: converted on export)
**   TINYINT..BIGINT         int8_t, int16_t, int32_t, int64_t
**   UTINYINT..UBIGINT       uint8_t .. uint64_t
**   FLOAT, DOUBLE           float, double
**   DECIMAL(p,s)            int64_t unscaled when p <= 18, else lago_i128
**   STRING, BINARY          lago_str (16-byte string view, vector.h)
**   DATE                    int32_t days since 1970-01-01
**   TIMESTAMP               int64_t microseconds since epoch, UTC instant
**   TIMESTAMP_NTZ           int64_t microseconds since epoch, wall clock, no zone
**   TIMESTAMP_NS            int64_t nanoseconds since epoch, wall clock, no zone
**   TIME, TIME_UTC          int64_t microseconds since midnight
**   INTERVAL                lago_interval {int32 months, int32 days, int64 micros}
**   UUID                    16 bytes, big-endian as in the file
**   STRUCT                  no values; one child vector per field
**   ARRAY, MAP              lago_list {uint32 offset, uint32 length} into the
**                           child vector (MAP: child is STRUCT<key, value>)
*/
#ifndef LAGO_VEC_TYPES_H
#define LAGO_VEC_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"

typedef enum lago_type_id {
  LT_INVALID = 0,
  LT_NULL,          /* the type of an untyped NULL literal; no storage */
  LT_BOOLEAN,
  LT_TINYINT,
  LT_SMALLINT,
  LT_INT,
  LT_BIGINT,
  LT_UTINYINT,      /* Parquet UINT_8..UINT_64 */
  LT_USMALLINT,
  LT_UINT,
  LT_UBIGINT,
  LT_FLOAT,
  LT_DOUBLE,
  LT_DECIMAL,
  LT_STRING,
  LT_BINARY,
  LT_DATE,
  LT_TIMESTAMP,     /* UTC-adjusted instant (Spark TIMESTAMP) */
  LT_TIMESTAMP_NTZ, /* wall-clock (Spark TIMESTAMP_NTZ) */
  LT_TIMESTAMP_NS,  /* wall-clock nanoseconds (Parquet TIMESTAMP(NANOS, false)) */
  LT_TIME,          /* Parquet TIME, not UTC-adjusted */
  LT_TIME_UTC,      /* Parquet TIME, isAdjustedToUTC */
  LT_INTERVAL,      /* Parquet INTERVAL */
  LT_UUID,          /* Parquet UUID */
  LT_STRUCT,
  LT_ARRAY,
  LT_MAP,
  LT__COUNT
} lago_type_id;

#define LAGO_DECIMAL_MAX_PRECISION 38

struct type_nested;

typedef struct lago_type {
  uint8_t id;        /* lago_type_id */
  uint8_t precision; /* DECIMAL: 1..38 */
  uint8_t scale;     /* DECIMAL: 0..precision */
  uint8_t pad_;
  const struct type_nested *nested; /* STRUCT/ARRAY/MAP, else NULL; borrowed, immutable */
} lago_type;

typedef struct type_field {
  const char *name;  /* STRUCT: field name; ARRAY: "element"; MAP: "key"/"value" */
  lago_type type;
  bool nullable;
  bool has_field_id;    /* Parquet field_id present (column mapping "id" mode) */
  int32_t field_id;     /* Parquet SchemaElement.field_id when has_field_id */
  const char *metadata; /* Delta field metadata as a JSON object text, or NULL */
} type_field;

typedef struct type_nested {
  uint32_t n_fields;    /* STRUCT: >= 0 fields; ARRAY: 1; MAP: 2 */
  type_field fields[];  /* in schema order */
} type_nested;

typedef __int128 lago_i128;

typedef struct lago_interval {
  int32_t months;
  int32_t days;
  int64_t micros;
} lago_interval;

/* ---- constructors ------------------------------------------------------- */

static inline lago_type type_make(lago_type_id id) {
  lago_type t = {(uint8_t)id, 0, 0, 0, NULL};
  return t;
}
static inline lago_type type_decimal(int precision, int scale) {
  lago_type t = {LT_DECIMAL, (uint8_t)precision, (uint8_t)scale, 0, NULL};
  return t;
}
/* STRUCT from n fields (names and types copied into ar). Fields are nullable
** unless nullable is given (then nullable[i]). Returns LAGO_NOMEM on OOM. */
int type_struct(arena *ar, uint32_t n, const char *const *names, const lago_type *types,
                const bool *nullable, lago_type *out);
/* STRUCT from fully described fields (copied into ar, names included). */
int type_struct_fields(arena *ar, uint32_t n, const type_field *fields, lago_type *out);
int type_array(arena *ar, lago_type element, bool contains_null, lago_type *out);
int type_map(arena *ar, lago_type key, lago_type value, bool value_contains_null, lago_type *out);

/* ---- properties ---------------------------------------------------------- */

static inline bool type_is_nested(lago_type t) {
  return t.id == LT_STRUCT || t.id == LT_ARRAY || t.id == LT_MAP;
}
static inline bool type_is_string_like(lago_type t) { return t.id == LT_STRING || t.id == LT_BINARY; }
static inline bool type_is_integer(lago_type t) {
  return (t.id >= LT_TINYINT && t.id <= LT_UBIGINT);
}
static inline bool type_is_numeric(lago_type t) {
  return type_is_integer(t) || t.id == LT_FLOAT || t.id == LT_DOUBLE || t.id == LT_DECIMAL;
}
/* Decimal stored as lago_i128 (precision > 18)? */
static inline bool type_decimal_is_wide(lago_type t) { return t.id == LT_DECIMAL && t.precision > 18; }
/* Bytes per value in a FLAT vector's data buffer (0 for STRUCT and NULL). */
size_t type_width(lago_type t);
/* Deep equality (ids, decimal precision/scale, field names case-sensitively,
** field types, nullability). */
bool type_equal(lago_type a, lago_type b);
/* Deep copy of t into ar (so it outlives the arena t's nested part lives in). */
int type_copy(arena *ar, lago_type t, lago_type *out);

/* Field access for nested types. */
static inline uint32_t type_n_fields(lago_type t) { return t.nested ? t.nested->n_fields : 0; }
static inline const type_field *type_field_at(lago_type t, uint32_t i) { return &t.nested->fields[i]; }
/* STRUCT field index by name, case-insensitive as Spark; -1 if absent. */
int type_field_index(lago_type t, const char *name);
/* ARRAY element / MAP key / MAP value. */
static inline lago_type type_element(lago_type t) { return t.nested->fields[0].type; }
static inline lago_type type_map_key(lago_type t) { return t.nested->fields[0].type; }
static inline lago_type type_map_value(lago_type t) { return t.nested->fields[1].type; }

/* ---- names --------------------------------------------------------------- */

/* Upper-case Spark SQL name of a type id ("BIGINT", "DECIMAL", "STRUCT"). */
const char *type_id_name(lago_type_id id);
/*
** Appends the Spark SQL spelling of t to out: `DECIMAL(12,2)`, `ARRAY<STRING>`,
** `MAP<STRING, INT>`, `STRUCT<a: INT, b: STRING>` (field names are backquoted
** when they are not plain identifiers). LAGO_NOMEM on OOM.
*/
int type_to_sql(lago_type t, buf *out);
/* Same, as a NUL-terminated string allocated in ar (NULL on OOM). */
const char *type_sql_name(arena *ar, lago_type t);

/*
** Parses a Spark SQL type name, case-insensitive, with the aliases Spark
** accepts: BOOLEAN; TINYINT/BYTE; SMALLINT/SHORT; INT/INTEGER; BIGINT/LONG;
** FLOAT/REAL; DOUBLE; DECIMAL/DEC/NUMERIC[(p[,s])] (default (10,0));
** STRING/VARCHAR(n)/CHAR(n); BINARY; DATE; TIMESTAMP/TIMESTAMP_LTZ;
** TIMESTAMP_NTZ; ARRAY<t>; MAP<k, v>; STRUCT<name[:] type [NOT NULL]
** [COMMENT '...'], ...>. The whole string must be one type.
** Errors: LAGO_PARSE with the byte position in err->pos.
*/
int type_parse(arena *ar, const char *text, lago_type *out, lago_err *err);
/* Parses a prefix of text as a type; *end_out is set past it (for the SQL parser). */
int type_parse_prefix(arena *ar, const char *text, const char **end_out, lago_type *out, lago_err *err);

#endif /* LAGO_VEC_TYPES_H */
