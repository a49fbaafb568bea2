/*
** format/csv/csv_int.h: private to format/csv/ (the tokenizer's output, the
** value decoders). Other layers use csv.h. What the CSV reader shares with
** the JSON reader (datetime patterns, number and date fast paths, ...) is in
** format/text/text_int.h.
*/
#ifndef LAGO_FORMAT_CSV_INT_H
#define LAGO_FORMAT_CSV_INT_H

#include <string.h>

#include "format/csv/csv.h"
#include "format/text/text_int.h"
#include "util/buf.h"
#include "util/datetime.h"

/* ---- value decoding (csv_decode.c) -------------------------------------- */

/* Per-reader decoding context (compiled options). */
typedef struct csv_dec {
  const csv_options *o;
  txt_dt dt;                  /* dateFormat, timestampFormat, timestampNTZFormat */
} csv_dec;

int csv_dec_init(csv_dec *d, const csv_options *o, lago_err *err);

/*
** Converts text s[0..n) (already unquoted, not null) to a value of type t
** stored at dst (type_width(t) bytes). Strings are not handled here.
** Returns 0, or -1 if the text is not a value of t (overflow included).
*/
int csv_dec_value(const csv_dec *d, lago_type t, const char *s, uint32_t n, void *dst);

/* ---- tokens (csv_reader.c) ---------------------------------------------- */

/* Bits in a token's len word. */
#define TOK_LEN_MASK 0x1fffffffu
#define TOK_ESC 0x80000000u     /* bytes are in the reader's unescape buffer */
#define TOK_QUOTED 0x40000000u  /* the field was quoted */
#define TOK_MISSING 0x20000000u /* the record had fewer fields */

/* Why a record is malformed (row_bad). */
enum {
  BAD_NONE = 0,
  BAD_COUNT,      /* wrong number of fields */
  BAD_QUOTE,      /* unterminated quoted field */
  BAD_UNESCAPED,  /* unescaped quote with unescapedQuoteHandling=RAISE_ERROR */
  BAD_VALUE,      /* a value does not parse as its column's type */
  BAD_UTF8,       /* invalid UTF-8 in a STRING column */
};

/* Chunk size for reads (tests use tiny chunks to hit every boundary); before the first next. */
void csv_reader_set_chunk(csv_reader *r, size_t chunk);
/* Line number the reader gives its first record (default 1); before the first next. */
void csv_reader_set_line(csv_reader *r, uint64_t line);
/* Line number of the next record (1 + lines consumed from the range start). */
uint64_t csv_reader_line(const csv_reader *r);
uint64_t csv_reader_row_line(csv_reader *r, uint32_t row);
const char *csv_reader_path(const csv_reader *r);

/* Tokenizes the next rows without decoding (inference): columns from the header or the first record. */
int csv_reader_next_raw(csv_reader *r, uint32_t *n_rows, lago_err *err);
/* Token text of row r, column c after csv_reader_next_raw; *quoted set. NULL if missing. */
const char *csv_reader_tok(csv_reader *r, uint32_t row, uint32_t col, uint32_t *len, bool *quoted);
/* Fields seen in row r (may exceed the reader's columns). */
uint32_t csv_reader_row_fields(csv_reader *r, uint32_t row);
/* Header names after open (header=true): count and name i (NUL-terminated, in the reader). */
uint32_t csv_reader_header_count(const csv_reader *r);
const char *csv_reader_header_name(const csv_reader *r, uint32_t i);
/* Opens for inference (raw tokens only; see csv_reader_next_raw). Caller closes it. */
int csv_reader_open_raw(lago_fs *fs, const char *path, const csv_options *opts, csv_reader **out, lago_err *err);
/* Columns the raw reader settled on (header or first record). */
uint32_t csv_reader_raw_cols(const csv_reader *r);

#endif /* LAGO_FORMAT_CSV_INT_H */
