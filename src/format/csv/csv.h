/*
** format/csv/csv.h: the CSV reader (Spark CSV data source semantics) for the
** layers above format/: read_files(format => 'csv'), COPY INTO, Auto Loader.
**
** Three pieces:
**   csv_options   Spark's option names and defaults (csv_options_set takes
**                 the names as users write them: "header", "sep", ...).
**   csv_reader    one file, or one byte range of a file, decoded straight
**                 into lago vectors, LAGO_VECTOR_SIZE rows per batch.
**   csv_scan      several files on N threads, batches in file order.
** plus csv_infer_schema (type inference, header names, schemaHints).
**
** Target schema: a STRUCT. CSV columns map to its fields by position (as in
** Spark), skipping the field named by columnNameOfCorruptRecord, which must
** be STRING and receives the raw text of malformed records.
**
** Errors name the place as `path:line:col` (1-based physical line and byte
** column where the field starts) plus the column number and name and the
** value (truncated to 64 bytes). See README.md for the full policy.
*/
#ifndef LAGO_FORMAT_CSV_H
#define LAGO_FORMAT_CSV_H

#include <stdbool.h>
#include <stdint.h>

#include "format/text/text.h"
#include "io/fs.h"
#include "util/arena.h"
#include "util/status.h"
#include "vec/types.h"
#include "vec/vector.h"

/* ---- options ------------------------------------------------------------ */

typedef enum csv_mode { CSV_PERMISSIVE = 0, CSV_DROPMALFORMED, CSV_FAILFAST } csv_mode;

/* unescapedQuoteHandling (univocity names). */
typedef enum csv_uq {
  CSV_UQ_STOP_AT_DELIMITER = 0, /* default: the quote is data, the value runs to the separator */
  CSV_UQ_BACK_TO_DELIMITER,     /* the whole field, quotes included, is an unquoted value */
  CSV_UQ_STOP_AT_CLOSING_QUOTE, /* the quote is data, the value runs to the next closing quote */
  CSV_UQ_SKIP_VALUE,            /* the value is skipped (read as nullValue) */
  CSV_UQ_RAISE_ERROR            /* the record is malformed */
} csv_uq;

#define CSV_SEP_MAX 8

typedef struct csv_options {
  bool header;                 /* header: first line holds column names (false) */
  char sep[CSV_SEP_MAX];       /* sep/delimiter: 1..8 bytes (",") */
  uint8_t sep_len;
  int quote;                   /* quote byte, -1 = no quoting ('"') */
  int escape;                  /* escape byte inside quotes, -1 = none ('\\') */
  int comment;                 /* comment byte at line start, -1 = disabled */
  bool multi_line;             /* multiLine: quoted fields may hold newlines (false) */
  int line_sep;                /* lineSep: -1 = \n, \r\n or \r; else that one byte */
  const char *null_value;      /* nullValue ("") */
  const char *empty_value;     /* emptyValue: text of a quoted empty field ("") */
  const char *nan_value;       /* nanValue ("NaN") */
  const char *positive_inf;    /* positiveInf ("Inf") */
  const char *negative_inf;    /* negativeInf ("-Inf") */
  bool ignore_leading_ws;      /* ignoreLeadingWhiteSpace (false) */
  bool ignore_trailing_ws;     /* ignoreTrailingWhiteSpace (false) */
  const char *date_format;     /* dateFormat: Spark pattern; NULL = lenient cast rules */
  const char *timestamp_format;     /* timestampFormat; NULL = lenient cast rules */
  const char *timestamp_ntz_format; /* timestampNTZFormat; NULL = lenient cast rules */
  csv_mode mode;               /* mode (PERMISSIVE) */
  const char *corrupt_column;  /* columnNameOfCorruptRecord ("_corrupt_record") */
  const char *bad_records_path;/* badRecordsPath: NULL = off; on = bad rows dropped and logged */
  bool infer_schema;           /* inferSchema / inferColumnTypes (false: all STRING) */
  bool prefers_decimal;        /* prefersDecimal: infer DECIMAL for "1.50" (false: DOUBLE) */
  bool prefers_date;           /* preferDate: infer DATE (true) */
  double sampling_ratio;       /* samplingRatio for inference (1.0) */
  uint64_t infer_max_rows;     /* inferMaxRows (lago): rows sampled per scan, 0 = all */
  bool enforce_schema;         /* enforceSchema (true): header names are not checked */
  uint32_t max_columns;        /* maxColumns (20480) */
  int64_t max_chars_per_column;/* maxCharsPerColumn (-1 = unlimited) */
  csv_uq unescaped_quote;      /* unescapedQuoteHandling (STOP_AT_DELIMITER) */
  const char *schema_hints;    /* schemaHints: "a DECIMAL(18,2), b BIGINT" (NULL) */
} csv_options;

/* Spark's defaults. Strings point to static text. */
void csv_options_init(csv_options *o);
/*
** Sets one option by its Spark name (case-insensitive; "cloudFiles." prefix
** accepted). Strings are copied into ar. LAGO_BIND for an unknown name or a
** bad value ("csv option sep: ..."). Options Spark has that lago does not need
** (locale, encoding=UTF-8, charset, inputBufferSize) are accepted when harmless.
*/
int csv_options_set(csv_options *o, arena *ar, const char *key, const char *value, lago_err *err);
/* Checks the combination (sep vs quote vs escape, formats compile). LAGO_BIND. */
int csv_options_check(const csv_options *o, lago_err *err);

/* ---- schema ------------------------------------------------------------- */

/*
** The schema of CSV files: STRUCT of column names (header, or _c0, _c1, ...)
** with types (all STRING unless opts->infer_schema), widened across the
** files in order, then schemaHints applied (a hint replaces the type of the
** column of that name, case-insensitive; hints naming no column are ignored,
** since CSV columns are positional). The column
** count comes from the first record of the first non-empty file. When the
** schema contains columnNameOfCorruptRecord nothing happens to it here (the
** caller appends it). Deterministic: one pass in file order, one thread.
** Allocated in ar. Errors: I/O, FAILFAST parse errors, LAGO_BIND for hints.
*/
int csv_infer_schema(lago_fs *fs, const char *const *paths, uint32_t n_paths, const csv_options *opts,
                     arena *ar, lago_type *out, lago_err *err);
/* Parses schemaHints text into a STRUCT (allocated in ar). LAGO_BIND/LAGO_PARSE. */
int csv_parse_schema_hints(arena *ar, const char *text, lago_type *out, lago_err *err);

/* ---- one file (or a byte range of one) ---------------------------------- */

typedef struct csv_reader csv_reader;

/*
** What one csv_reader_next (or csv_scan_next) call produced: rows, malformed
** records seen (n_bad; kept with nulls, dropped or logged), of those dropped
** (n_dropped: DROPMALFORMED, badRecordsPath), input bytes the batch's records
** span, and the 1-based physical line of each output row's record (`lines`,
** in the batch arena). n_rescued is always 0 (no rescued data column in CSV).
** The struct is format/text's, shared with the JSON reader.
*/
typedef txt_batch_info csv_batch_info;

/* Totals since open (batches: the batches that had rows). */
typedef txt_stats csv_stats;

/*
** Opens path for reading with the given options and target schema (a
** STRUCT, borrowed: it must outlive the reader). The reader streams the file
** in chunks (memory: a few MB plus the longest record). The caller closes it
** with csv_reader_close. On failure *out is NULL.
*/
int csv_reader_open(lago_fs *fs, const char *path, const csv_options *opts, lago_type schema,
                    csv_reader **out, lago_err *err);
/*
** A byte range [start, end) of path: the reader owns the records that start
** in the range. exact_start: `start` is known to be a record start (0, or
** where the previous range's last record ended); otherwise the first record
** is taken to start after the first line break at or after start - 1 (exact
** for multiLine=false; a guess checked by csv_scan for multiLine=true).
** The header (header=true) is skipped only by the range that starts at 0.
*/
int csv_reader_open_range(lago_fs *fs, const char *path, uint64_t start, uint64_t end, bool exact_start,
                          const csv_options *opts, lago_type schema, csv_reader **out, lago_err *err);
/*
** Decodes up to LAGO_VECTOR_SIZE rows into a new batch allocated in ar (the
** batch and its strings live until the caller resets ar; ar NULL = the
** reader's own arena, reset on the next call). *out->n_rows == 0 at the end.
** info may be NULL. FAILFAST errors are LAGO_CORRUPT naming path:line:col.
*/
int csv_reader_next(csv_reader *r, arena *ar, batch **out, csv_batch_info *info, lago_err *err);
/* Offset of the first record the reader owns (after BOM/header; valid after
** the first csv_reader_next), and the offset where it stopped (final once
** csv_reader_next returned no rows). */
uint64_t csv_reader_first_offset(const csv_reader *r);
uint64_t csv_reader_end_offset(const csv_reader *r);
const csv_stats *csv_reader_stats(const csv_reader *r);
/*
** Bad records logged so far (badRecordsPath), as JSON lines
** {"path":..,"line":..,"record":..,"reason":..}; borrowed. csv_reader_close
** writes them under badRecordsPath unless csv_reader_take_bad_records took them.
*/
const char *csv_reader_bad_records(csv_reader *r, size_t *len);
void csv_reader_take_bad_records(csv_reader *r);
/* Writes text as one file <badRecordsPath>/<UTC time>/bad_records/part-<n>.json. */
int csv_write_bad_records(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err);
/* Closes and frees (writes pending bad records, ignoring a failure). NULL is a no-op. */
void csv_reader_close(csv_reader *r);

/* ---- several files on N threads ----------------------------------------- */

typedef struct csv_scan csv_scan;

/* {n_threads (0 = 2), range_bytes (0 = total / (4 * n_threads), within 1..8
** MiB), max_ahead (ranges parsed ahead of the consumer; 0 = 2 * n_threads)}. */
typedef txt_scan_config csv_scan_config;

/*
** Reads paths in order with cfg->n_threads workers. Batches always come out in
** file order, exactly as one csv_reader per file would give them (multiLine
** included: see README.md "Parallel parsing"). schema and paths are borrowed
** until csv_scan_close. Caller closes with csv_scan_close.
*/
int csv_scan_open(lago_fs *fs, const char *const *paths, uint32_t n_paths, const csv_options *opts,
                  lago_type schema, const csv_scan_config *cfg, csv_scan **out, lago_err *err);
/* Next batch in order; borrowed until the next call. n_rows == 0 at the end. */
int csv_scan_next(csv_scan *s, batch **out, csv_batch_info *info, lago_err *err);
/* Index into paths of the file the last batch (from csv_scan_next) came from. */
uint32_t csv_scan_file(const csv_scan *s);
/* Totals over everything delivered (ranges re-parsed after a wrong guess count once). */
const csv_stats *csv_scan_stats(const csv_scan *s);
/* Ranges whose speculative start was wrong and that were parsed again. */
uint32_t csv_scan_reparsed(const csv_scan *s);
/* Stops workers, frees everything; writes bad records. NULL is a no-op. */
void csv_scan_close(csv_scan *s);

#endif /* LAGO_FORMAT_CSV_H */
