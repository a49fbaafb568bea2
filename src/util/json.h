/*
** util/json.h: a JSON (RFC 8259) DOM parser and a JSON text writer.
**
** Used for everything lago reads or writes as JSON: Delta commit files
** (`_delta_log/NNNN.json`, one action per line), schema strings
** (vec/type_json.h), statistics, `_last_checkpoint`, job and config files.
** (Bulk JSON-lines *data* ingestion has its own streaming reader in
** format/json/.)
**
** Parsing
**   json_parse(ar, text, len, &v, err) parses exactly one value (whitespace
**   around it allowed). The whole tree lives in the arena `ar`: nodes, member
**   arrays, and a copy of the input text that strings and numbers point into
**   (one memcpy per document; strings without escapes are not copied again,
**   escaped strings are decoded in place in that copy). json_parse_mut parses
**   a caller-owned mutable buffer in place instead (no copy; the buffer is
**   modified and must outlive the tree). The parser is iterative: nesting is
**   limited to JSON_MAX_DEPTH containers, so hostile input cannot overflow
**   the C stack, and it never allocates on the heap per value.
**
**   Strictness: RFC 8259 exactly. No comments, no trailing commas, no
**   NaN/Infinity literals, no leading zeros, no single quotes; control
**   characters U+0000..U+001F must be escaped inside strings; every string
**   must be valid UTF-8 (no overlong forms, no encoded surrogates, nothing
**   above U+10FFFF), and \u escapes must pair surrogates correctly (a lone
**   \uD800 or \uDC00 is an error). A UTF-8 BOM is not skipped.
**
**   Errors are LAGO_PARSE with "line L, column C: what" in err->msg (line and
**   column 1-based, the column counted in bytes) and the byte offset from the
**   start of `text` in err->pos (-1 if it does not fit in an int). Input
**   larger than JSON_MAX_TEXT bytes is LAGO_UNSUPPORTED. Out of memory is
**   LAGO_NOMEM; nothing is left to free but the arena.
**
** Values
**   Strings are unescaped UTF-8 with an explicit length, and NUL-terminated
**   for convenience (they may contain NUL themselves via \u0000: use len).
**   Numbers keep their source text; is_int says the text is an integer
**   literal (no fraction, no exponent) that fits in int64, and then num.i is
**   exact. num.d is always the nearest double (±inf when out of range; -0.0
**   for "-0"). Objects keep members in source order, duplicates included;
**   lookups return the last member with the key (as most parsers do).
**   Objects with JSON_INDEX_MIN or more members get a small hash index when
**   parsed, so looking up every key of a large object is linear, not
**   quadratic; smaller objects are scanned.
**
** Writing
**   json_writer builds JSON text into a util/buf.h buffer and inserts commas
**   and colons itself. Strings are escaped as Jackson (Spark) does: `"` and
**   `\` with a backslash, \b \f \n \r \t by their short forms, other control
**   bytes as \u00XX; valid UTF-8 is kept as is (no \u for non-ASCII). Bytes
**   that are not valid UTF-8 are written as U+FFFD so the output is always
**   valid JSON. Doubles use util/numfmt.h fmt_double (shortest round trip);
**   JSON has no NaN or infinities, so those are written as the strings
**   "NaN", "Infinity" and "-Infinity", which is how Spark writes them in
**   Delta statistics.
*/
#ifndef LAGO_UTIL_JSON_H
#define LAGO_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"

#define JSON_MAX_DEPTH 512         /* containers nested inside each other */
#define JSON_MAX_TEXT 0x7fffffffu  /* bytes in one document (lengths are uint32) */
#define JSON_INDEX_MIN 16          /* objects this large get a hash index */

typedef enum json_type {
  JSON_NULL = 0,
  JSON_BOOL,
  JSON_NUMBER,
  JSON_STRING,
  JSON_ARRAY,
  JSON_OBJECT,
} json_type;

struct json_member;
struct json_index;

typedef struct json_value {
  uint8_t type;   /* json_type */
  bool boolean;   /* BOOL: the value */
  bool is_int;    /* NUMBER: integer literal that fits int64 (num.i exact) */
  uint8_t pad_;
  uint32_t len;   /* STRING: bytes; NUMBER: text bytes; ARRAY: items; OBJECT: members */
  union {
    const char *str;                 /* STRING: unescaped, NUL-terminated; NUMBER: source text */
    struct json_value *items;        /* ARRAY: len values */
    struct json_member *members;     /* OBJECT: len members in source order */
  } u;
  union {
    struct {
      int64_t i;  /* exact value when is_int, else 0 */
      double d;   /* nearest double */
    } num;                           /* NUMBER */
    const struct json_index *index;  /* OBJECT: hash index or NULL (private) */
  } x;
} json_value;

typedef struct json_member {
  const char *key;   /* unescaped, NUL-terminated (may contain NUL: use key_len) */
  uint32_t key_len;
  json_value value;
} json_member;

/* ---- parsing --------------------------------------------------------------
** All trees are allocated in `ar` (owned by the caller; freeing or resetting
** the arena frees the tree). On error *out is left NULL. */

/* Parses text[0..len) as exactly one JSON value. */
int json_parse(arena *ar, const char *text, size_t len, json_value **out, lago_err *err);
/* The same, parsing `text` in place: no copy, but text is modified and
** strings/numbers point into it, so it must outlive the tree. */
int json_parse_mut(arena *ar, char *text, size_t len, json_value **out, lago_err *err);
/* Parses the first value of text and sets *consumed to the bytes up to the
** end of that value (leading whitespace included, trailing not). Whatever
** follows is not looked at (but, like json_parse, the whole text is copied
** into ar: to walk a long buffer of values use json_lines or slice it). */
int json_parse_prefix(arena *ar, const char *text, size_t len, json_value **out, size_t *consumed,
                      lago_err *err);

/*
** Newline-delimited JSON (one value per line, `\n` or `\r\n` line ends;
** lines holding only whitespace are skipped; a final line without `\n` is
** read too). Usage:
**     json_lines it; json_lines_init(&it, text, len);
**     json_value *v;
**     while ((rc = json_lines_next(&it, ar, &v, err)) == LAGO_OK && v) { ... }
**     json_lines_deinit(&it);
** Each line is copied into `ar` (json_lines_init_mut: parsed in place), so
** the caller may reset `ar` between lines. Errors name the 1-based line
** number within the buffer ("line 7, column 12: ..."), and err->pos is the
** offset within the whole buffer. After an error the iterator is positioned
** at the next line, so a caller that wants to skip bad lines may continue.
*/
typedef struct json_lines {
  const char *text;   /* borrowed; the whole buffer */
  size_t len;
  size_t pos;         /* start of the next line */
  size_t line_no;     /* 1-based number of the line last parsed (0 before) */
  bool inplace;       /* json_lines_init_mut */
  json_member *scratch;  /* heap, reused across lines */
  size_t scratch_cap;
} json_lines;

void json_lines_init(json_lines *it, const char *text, size_t len);
void json_lines_init_mut(json_lines *it, char *text, size_t len);
/* LAGO_OK and *out = next value, or *out = NULL at the end. */
int json_lines_next(json_lines *it, arena *ar, json_value **out, lago_err *err);
void json_lines_deinit(json_lines *it);

/* ---- access ----------------------------------------------------------------
** Read-only helpers; none allocates. Pointers returned point into the tree. */

static inline bool json_is(const json_value *v, json_type t) { return v && v->type == t; }
/* Items of an array or members of an object; 0 for anything else or NULL. */
static inline size_t json_len(const json_value *v) {
  return v && (v->type == JSON_ARRAY || v->type == JSON_OBJECT) ? v->len : 0;
}
/* Item i of an array, NULL if v is not an array or i is out of range. */
const json_value *json_at(const json_value *v, size_t i);
/* Member i of an object, NULL if v is not an object or i is out of range. */
const json_member *json_member_at(const json_value *v, size_t i);
/* Value of the last member named key; NULL if absent or obj is not an object. */
const json_value *json_get(const json_value *obj, const char *key);
const json_value *json_getn(const json_value *obj, const char *key, size_t key_len);
/* "null", "boolean", "number", "string", "array", "object". */
const char *json_type_name(json_type t);
/* Deep equality: same types, string bytes, number text, items in order,
** members in order with equal keys. */
bool json_equal(const json_value *a, const json_value *b);

/*
** Typed field getters for parsing records such as Delta actions. The
** required forms fail with LAGO_CORRUPT if obj is not an object, the field is
** missing or null, or has another type ("field \"size\": expected an integer,
** got string"); callers add their own context with lago_err_prefix. The
** optional forms (json_opt_*) give the default when the field is missing or
** null and fail only on a wrong type. Strings are borrowed from the tree;
** *len_out (may be NULL) gets the byte length.
** json_get_i64 accepts only integer literals that fit in int64 (not "1.0" or
** "1e3"); json_get_f64 accepts any number.
*/
int json_get_str(const json_value *obj, const char *key, const char **out, size_t *len_out, lago_err *err);
int json_get_i64(const json_value *obj, const char *key, int64_t *out, lago_err *err);
int json_get_f64(const json_value *obj, const char *key, double *out, lago_err *err);
int json_get_bool(const json_value *obj, const char *key, bool *out, lago_err *err);
int json_get_obj(const json_value *obj, const char *key, const json_value **out, lago_err *err);
int json_get_arr(const json_value *obj, const char *key, const json_value **out, lago_err *err);
int json_opt_str(const json_value *obj, const char *key, const char *def, const char **out, size_t *len_out,
                 lago_err *err);
int json_opt_i64(const json_value *obj, const char *key, int64_t def, int64_t *out, lago_err *err);
int json_opt_bool(const json_value *obj, const char *key, bool def, bool *out, lago_err *err);
/* Optional object/array: *out = NULL when missing or null. */
int json_opt_obj(const json_value *obj, const char *key, const json_value **out, lago_err *err);
int json_opt_arr(const json_value *obj, const char *key, const json_value **out, lago_err *err);

/* ---- writing ---------------------------------------------------------------
** A json_writer appends to a caller-owned buf. Each call returns LAGO_OK,
** LAGO_NOMEM, or LAGO_MISUSE when the call does not fit where the writer is
** (a key outside an object, a value where a key is due, an unbalanced end,
** nesting deeper than JSON_MAX_DEPTH). Errors are sticky: after one, every
** call returns it and writes nothing, so a caller may check only
** json_w_finish. On LAGO_NOMEM the buffer holds a partial document.
*/
typedef struct json_writer {
  buf *out;        /* borrowed */
  int rc;          /* first error, sticky */
  uint32_t depth;  /* open containers */
  bool after_key;  /* a key was written; its value is due */
  bool done;       /* a complete top-level value was written */
  uint8_t level[JSON_MAX_DEPTH + 1];  /* per open container: JW_OBJECT | JW_NONEMPTY */
} json_writer;

void json_w_init(json_writer *w, buf *out);
/* LAGO_OK if exactly one complete value was written, else the error
** (LAGO_MISUSE if containers are still open or nothing was written). */
int json_w_finish(json_writer *w);
int json_w_begin_obj(json_writer *w);
int json_w_end_obj(json_writer *w);
int json_w_begin_arr(json_writer *w);
int json_w_end_arr(json_writer *w);
int json_w_key(json_writer *w, const char *key);
int json_w_keyn(json_writer *w, const char *key, size_t len);
int json_w_str(json_writer *w, const char *s);  /* NULL writes null */
int json_w_strn(json_writer *w, const char *s, size_t len);
int json_w_i64(json_writer *w, int64_t v);
int json_w_u64(json_writer *w, uint64_t v);
int json_w_double(json_writer *w, double v);  /* NaN/±inf as strings, see above */
int json_w_bool(json_writer *w, bool v);
int json_w_null(json_writer *w);
/* A value already in JSON text (not checked: the caller vouches for it). */
int json_w_raw(json_writer *w, const char *text, size_t len);
/* A parsed value, compactly (numbers by their source text). */
int json_w_value(json_writer *w, const json_value *v);

/* Appends s[0..len) as a quoted, escaped JSON string. LAGO_NOMEM on OOM. */
int json_escape(buf *out, const char *s, size_t len);
/* Appends v as compact JSON text. LAGO_NOMEM on OOM. */
int json_write(buf *out, const json_value *v);

#endif /* LAGO_UTIL_JSON_H */
