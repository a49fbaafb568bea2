/*
** vec/type_json.h: Delta Lake schema JSON <-> lago_type.
**
** Delta stores a table schema as Spark's StructType JSON (PROTOCOL.md,
** "Schema Serialization Format"), in metaData.schemaString:
**
**   struct  {"type":"struct","fields":[field, ...]}
**   field   {"name":"a","type":<type>,"nullable":true,"metadata":{...}}
**   array   {"type":"array","elementType":<type>,"containsNull":true}
**   map     {"type":"map","keyType":<type>,"valueType":<type>,"valueContainsNull":true}
**   <type>  one of the objects above, or a primitive name as a JSON string:
**
**   Delta name       lago type          Delta name       lago type
**   "string"         STRING             "binary"         BINARY
**   "long"           BIGINT             "date"           DATE
**   "integer"        INT                "timestamp"      TIMESTAMP (UTC instant)
**   "short"          SMALLINT           "timestamp_ntz"  TIMESTAMP_NTZ
**   "byte"           TINYINT            "decimal(p,s)"   DECIMAL(p,s)
**   "float"          FLOAT              "boolean"        BOOLEAN
**   "double"         DOUBLE             "void"           NULL
**
** Reading is as lenient as Spark where it does no harm: "decimal" alone is
** decimal(10,0) and spaces are allowed inside the parentheses
** ("decimal(10, 2)"); "char(n)" and "varchar(n)" (which Spark's parser also
** accepts) read as STRING; "null" (Spark 2's name for NullType) reads as
** NULL; a missing "nullable"/"containsNull"/"valueContainsNull" means true;
** a missing or null "metadata" means none; unknown extra members are
** ignored. Type names are case-sensitive, as in Spark. "variant", "udt" and
** any other name are LAGO_UNSUPPORTED naming the type and the field path
** ("Delta schema, field a.b.element: type \"variant\" is not supported").
** A malformed schema (wrong JSON shape) is LAGO_PARSE. A field name
** containing NUL is LAGO_UNSUPPORTED (names are C strings).
**
** Field metadata (column mapping ids and physical names, comments, type
** changes, identity, defaults...) is kept in type_field.metadata as compact
** JSON object text as util/json.h writes it (members in source order, number
** texts as written), or NULL when absent or empty ({}). Writing puts it back
** verbatim ({} when NULL), so parse -> write -> parse gives equal types and
** equal metadata text. Duplicate field names are not checked here (the
** table layer validates schemas).
**
** Writing refuses types that Delta has no name for (unsigned integers,
** TIME, TIME_UTC, TIMESTAMP_NS, INTERVAL, UUID): the table layer converts
** them first. LAGO_UNSUPPORTED names the type and the field path.
*/
#ifndef LAGO_VEC_TYPE_JSON_H
#define LAGO_VEC_TYPE_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util/json.h"
#include "vec/types.h"

/*
** Converts a parsed Delta data type (a primitive name string or a
** struct/array/map object) to a lago_type allocated in ar (names, nested
** parts and metadata text all copied into ar; v may be freed afterwards).
*/
int type_from_delta_json(arena *ar, const json_value *v, lago_type *out, lago_err *err);
/* Parses schemaString text (must be a struct type). Only the result is
** allocated in ar; the JSON tree is temporary. */
int type_from_delta_schema(arena *ar, const char *text, size_t len, lago_type *out, lago_err *err);

/* Appends the Delta schema JSON of t (a STRUCT) to out, compactly, in the
** member order Spark writes. LAGO_MISUSE if t is not a struct. */
int type_to_delta_json(lago_type t, buf *out, lago_err *err);
/* Writes any Delta data type t (primitive name or object) as the next value
** of w; for embedding in larger documents. */
int type_write_delta_json(json_writer *w, lago_type t, lago_err *err);

/* type_equal, and equal field metadata text (NULL only equals NULL). */
bool type_delta_equal(lago_type a, lago_type b);

#endif /* LAGO_VEC_TYPE_JSON_H */
