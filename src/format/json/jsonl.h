/*
** format/json/jsonl.h: the JSON data file reader (Spark JSON data source and
** Databricks Auto Loader semantics) for the layers above format/:
** read_files(format => 'json'), COPY INTO, Auto Loader ingestion.
**
** Same shape as the CSV reader (format/csv/csv.h), so ingestion treats both
** alike:
**   jsonl_options   Spark's option names and defaults (jsonl_options_set takes
**                   the names as users write them: "multiLine", "mode", ...).
**   jsonl_reader    one file, or one byte range of a JSON Lines file, decoded
**                   straight into lago vectors (no DOM per record),
**                   LAGO_VECTOR_SIZE rows per batch.
**   jsonl_scan      several files on N threads, batches in file order.
** plus jsonl_infer_schema (Spark's JSON type inference, or all-STRING as
** Auto Loader does by default) and schemaHints.
**
** Input: JSON Lines (one JSON value per line; a line holding an array of
** objects gives one row per element, as Spark), or with multiLine=true one
** JSON document per file (an object = one row, an array of objects = one row
** per element, streamed without building a DOM).
**
** Target schema: a STRUCT. JSON object members map to its fields by name
** (exact match first, then ASCII case-insensitive; see README.md "Field
** names"). Two fields are special when the options name them: the
** columnNameOfCorruptRecord field (STRING; the raw text of malformed records)
** and the rescuedDataColumn field (STRING; a JSON object of the values that
** did not fit the schema, plus "_file_path").
**
** Errors name the place as `path:line:col` (1-based physical line and byte
** column) plus the field path and the value; see README.md "Errors".
*/
#ifndef LAGO_FORMAT_JSONL_H
#define LAGO_FORMAT_JSONL_H

#include <stdbool.h>
#include <stdint.h>

#include "format/text/text.h"
#include "io/fs.h"
#include "util/arena.h"
#include "util/status.h"
#include "vec/types.h"
#include "vec/vector.h"

/* ---- options ------------------------------------------------------------ */

typedef enum jsonl_mode { JSONL_PERMISSIVE = 0, JSONL_DROPMALFORMED, JSONL_FAILFAST } jsonl_mode;

typedef struct jsonl_options {
  bool multi_line;                   /* multiLine: one document per file (false) */
  bool primitives_as_string;         /* primitivesAsString: infer numbers/booleans as STRING (false) */
  bool prefers_decimal;              /* prefersDecimal: infer DECIMAL for fractions (false) */
  bool allow_comments;               /* allowComments: Java/C++ comments (false) */
  bool allow_unquoted_field_names;   /* allowUnquotedFieldNames (false) */
  bool allow_single_quotes;          /* allowSingleQuotes (true) */
  bool allow_numeric_leading_zeros;  /* allowNumericLeadingZeros (false) */
  bool allow_non_numeric_numbers;    /* allowNonNumericNumbers: NaN, Infinity, +INF, -INF (true) */
  bool allow_backslash_escaping_any; /* allowBackslashEscapingAnyCharacter (false) */
  bool allow_unquoted_control_chars; /* allowUnquotedControlChars (false) */
  bool drop_field_if_all_null;       /* dropFieldIfAllNull: inference drops all-null fields (false) */
  jsonl_mode mode;                   /* mode (PERMISSIVE) */
  const char *corrupt_column;        /* columnNameOfCorruptRecord ("_corrupt_record") */
  const char *bad_records_path;      /* badRecordsPath: NULL = off; on = bad rows dropped and logged */
  const char *rescued_column;        /* rescuedDataColumn: NULL = off (Auto Loader: "_rescued_data") */
  bool reader_case_sensitive;        /* readerCaseSensitive (true): with rescue on, case
                                        mismatches are rescued instead of read */
  const char *date_format;           /* dateFormat: Spark pattern; NULL = Spark's cast rules */
  const char *timestamp_format;      /* timestampFormat; NULL = cast rules */
  const char *timestamp_ntz_format;  /* timestampNTZFormat; NULL = cast rules */
  bool infer_types;                  /* inferColumnTypes / inferSchema (false: top-level STRING) */
  bool infer_timestamp;              /* inferTimestamp: infer TIMESTAMP from strings (false) */
  double sampling_ratio;             /* samplingRatio for inference (1.0) */
  uint64_t infer_max_rows;           /* inferMaxRows (lago): records sampled in all, 0 = all */
  const char *schema_hints;          /* schemaHints: "a DECIMAL(18,2), b.c BIGINT" (NULL) */
  int line_sep;                      /* lineSep: -1 = \n, \r\n or \r; else that one byte */
} jsonl_options;

/* Spark's defaults. Strings point to static text. */
void jsonl_options_init(jsonl_options *o);
/*
** Sets one option by its Spark name (case-insensitive; a "cloudFiles." prefix
** is accepted). Strings are copied into ar. LAGO_BIND for an unknown name or a
** bad value ("json option mode: ..."). Options Spark has that change nothing
** here (encoding=UTF-8, locale=en-US, timeZone=UTC, compression on write...)
** are accepted when harmless, refused (LAGO_UNSUPPORTED) otherwise.
*/
int jsonl_options_set(jsonl_options *o, arena *ar, const char *key, const char *value, lago_err *err);
/* Checks the combination (datetime patterns compile, lineSep). LAGO_BIND. */
int jsonl_options_check(const jsonl_options *o, lago_err *err);

/* ---- schema ------------------------------------------------------------- */

/*
** The schema of JSON files, allocated in ar. With opts->infer_types: Spark's
** JSON inference (README.md "Inference"), merged over every record of every
** file in order (sampled by samplingRatio / inferMaxRows); fields sorted by
** name. Without: the union of top-level field names (sorted), each STRING
** (nested objects and arrays are read as their JSON text), as Auto Loader
** does by default. Then schemaHints are applied (jsonl_apply_schema_hints).
** A columnNameOfCorruptRecord field is added (in name order) when PERMISSIVE
** inference met a malformed record, as Spark. The rescued data column is not
** added here (the caller decides). Deterministic: one pass in file order.
** Errors: I/O, FAILFAST parse errors (LAGO_CORRUPT with path:line:col),
** LAGO_BIND/LAGO_PARSE for bad hints.
*/
int jsonl_infer_schema(lago_fs *fs, const char *const *paths, uint32_t n_paths, const jsonl_options *opts,
                       arena *ar, lago_type *out, lago_err *err);
/*
** Applies schemaHints text ("a DECIMAL(18,2), b.c BIGINT, `x.y` INT,
** arr.element.z DATE, m.value INT") to the STRUCT `schema`: a hinted field
** (matched case-insensitively) gets the hinted type; a hinted field that does
** not exist is appended to its struct. Result allocated in ar. LAGO_PARSE for
** bad text, LAGO_BIND for a path through a non-nested type.
*/
int jsonl_apply_schema_hints(arena *ar, lago_type schema, const char *hints, lago_type *out, lago_err *err);

/* ---- one file (or a byte range of one) ---------------------------------- */

typedef struct jsonl_reader jsonl_reader;

/*
** What one jsonl_reader_next (or jsonl_scan_next) call produced: rows,
** malformed records seen (n_bad; kept with nulls, dropped or logged), of
** those dropped (n_dropped: DROPMALFORMED, badRecordsPath), rows whose
** rescued data column is not null (n_rescued), input bytes consumed (records,
** blank lines, separators), and the 1-based physical line where each output
** row's record starts (`lines`, in the batch arena). The struct is
** format/text's, shared with the CSV reader.
*/
typedef txt_batch_info jsonl_batch_info;

/* Totals since open (batches: the batches that had rows). */
typedef txt_stats jsonl_stats;

/*
** Opens path for reading with the given options and target schema (a STRUCT,
** borrowed: it must outlive the reader). The reader streams the file in
** chunks: memory is about two chunks (1 MiB) plus the longest record (JSON
** Lines) or the largest array element (multiLine; a multiLine document that is
** a single object is held whole). The caller closes it with jsonl_reader_close.
** On failure *out is NULL. LAGO_BIND / LAGO_UNSUPPORTED for schemas the reader
** cannot fill (a non-STRUCT, a MAP with non-STRING keys, INTERVAL...).
*/
int jsonl_reader_open(lago_fs *fs, const char *path, const jsonl_options *opts, lago_type schema,
                      jsonl_reader **out, lago_err *err);
/*
** A byte range [start, end) of a JSON Lines file: the reader owns the lines
** that start in the range (the first one after the first line break at or
** after start - 1, unless exact_start says `start` is a line start). It reads
** past `end` to finish its last line. Line numbers count from 1 at the first
** owned line (jsonl_scan adds the lines before). LAGO_MISUSE with
** multiLine=true unless the range is the whole file.
*/
int jsonl_reader_open_range(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact_start,
                            const jsonl_options *opts, lago_type schema, jsonl_reader **out, lago_err *err);
/*
** Decodes up to LAGO_VECTOR_SIZE rows into a new batch allocated in ar (the
** batch and its strings live until the caller resets ar; ar NULL = the
** reader's own arena, reset on the next call). (*out)->n_rows == 0 at the end.
** info may be NULL. FAILFAST errors are LAGO_CORRUPT naming path:line:col.
*/
int jsonl_reader_next(jsonl_reader *r, arena *ar, batch **out, jsonl_batch_info *info, lago_err *err);
/* Offset of the first record the reader owns, and the offset just past the
** last line it consumed (final once next returned 0 rows). */
uint64_t jsonl_reader_first_offset(const jsonl_reader *r);
uint64_t jsonl_reader_end_offset(const jsonl_reader *r);
/* Lines consumed so far (the line number of the next record is this + the first line). */
uint64_t jsonl_reader_lines(const jsonl_reader *r);
const jsonl_stats *jsonl_reader_stats(const jsonl_reader *r);
/*
** Bad records logged so far (badRecordsPath), as JSON lines
** {"path":..,"line":..,"record":..,"reason":..}; borrowed. jsonl_reader_close
** writes them under badRecordsPath unless jsonl_reader_take_bad_records took them.
*/
const char *jsonl_reader_bad_records(jsonl_reader *r, size_t *len);
void jsonl_reader_take_bad_records(jsonl_reader *r);
/* Writes text as one file <badRecordsPath>/<UTC time>/bad_records/part-<n>.json. */
int jsonl_write_bad_records(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err);
/* Closes and frees (writes pending bad records, ignoring a failure). NULL is a no-op. */
void jsonl_reader_close(jsonl_reader *r);

/* ---- several files on N threads ----------------------------------------- */

typedef struct jsonl_scan jsonl_scan;

/* {n_threads (0 = 2), range_bytes (JSON Lines files are split into ranges of
** about this size; 0 = total / (4 * n_threads), within 1..8 MiB), max_ahead
** (ranges parsed ahead of the consumer; 0 = 2 * n_threads)}. */
typedef txt_scan_config jsonl_scan_config;

/*
** Reads paths in order with cfg->n_threads workers. JSON Lines files are split
** into byte ranges at line boundaries (exact: a JSON string cannot hold a raw
** line break); multiLine files are one range each. Batches come out in file
** order with the rows, values, line numbers and errors one jsonl_reader per
** file gives. schema and paths are borrowed until jsonl_scan_close.
*/
int jsonl_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, const jsonl_options *opts,
                    lago_type schema, const jsonl_scan_config *cfg, jsonl_scan **out, lago_err *err);
/* Next batch in order; borrowed until the next call. n_rows == 0 at the end. */
int jsonl_scan_next(jsonl_scan *s, batch **out, jsonl_batch_info *info, lago_err *err);
/* Index into paths of the file the last batch (from jsonl_scan_next) came from. */
uint32_t jsonl_scan_file(const jsonl_scan *s);
/* Totals over everything delivered. */
const jsonl_stats *jsonl_scan_stats(const jsonl_scan *s);
/* Stops workers, frees everything; writes bad records. NULL is a no-op. */
void jsonl_scan_close(jsonl_scan *s);

#endif /* LAGO_FORMAT_JSONL_H */
