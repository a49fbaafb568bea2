/*
** format/json/jsonl_int.h: private to format/json/ (the lenient JSON lexer,
** datetime patterns, exact number conversion, the schema-driven decoder).
** Other layers use jsonl.h.
**
** Return convention inside format/json: 0 = fine; JL_BAD (-1) = the record is
** malformed (the lexer noted where and why in jl_lex.err_at / err_what);
** > 0 = a LAGO_* code that stops the reader (LAGO_NOMEM, ...).
*/
#ifndef LAGO_FORMAT_JSONL_INT_H
#define LAGO_FORMAT_JSONL_INT_H

#include <string.h>

#include "format/json/jsonl.h"
#include "format/text/text_int.h"
#include "util/buf.h"
#include "util/datetime.h"

#define JL_BAD (-1)
/* Containers nested inside each other in one record (deeper: malformed). */
#define JL_MAX_DEPTH 1024
/* Bytes of a value shown in messages. */
#define JL_SHOW 64

/* ---- lexer (jsonl_lex.c) -------------------------------------------------- */

typedef struct jl_lex {
  /* Syntax switches (from jsonl_options). */
  bool comments, unquoted_names, single_quotes, leading_zeros, nonnum, any_escape, ctrl_chars;
  buf *sbuf;             /* scratch for unescaped strings; owned by the reader */
  const char *err_at;    /* first syntax problem of the record: where */
  const char *err_what;  /* ... and what (static text) */
} jl_lex;

void jl_lex_init(jl_lex *lx, const jsonl_options *o, buf *sbuf);

/* Notes a syntax problem (first one wins) and returns JL_BAD. */
static inline int jl_bad(jl_lex *lx, const char *at, const char *what) {
  if (!lx->err_at) {
    lx->err_at = at;
    lx->err_what = what;
  }
  return JL_BAD;
}

/* Skips whitespace, and comments when allowed. JL_BAD for an unterminated comment. */
int jl_ws_slow(jl_lex *lx, const char **pp, const char *end);
static inline int jl_ws(jl_lex *lx, const char **pp, const char *end) {
  const char *p = *pp;
  if (p < end && (unsigned char)*p > ' ' && *p != '/') return 0;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  *pp = p;
  if (p < end && *p == '/' && lx->comments) return jl_ws_slow(lx, pp, end);
  return 0;
}

/* A string value or key: bytes (unescaped) and where the token was. */
typedef struct jl_sv {
  const char *p;   /* unescaped bytes: in the record, or in lx->sbuf when escaped */
  uint32_t n;
  bool escaped;    /* p is in lx->sbuf (valid until the next string is read) */
  const char *raw; /* the token's text in the record, quotes excluded */
  uint32_t raw_n;
} jl_sv;

/*
** Reads a string whose opening quote q ('"' or '\'') is at p[-1]: *pp is
** just after the quote; on return just after the closing quote. Validates
** UTF-8 and control bytes; decodes escapes into lx->sbuf.
*/
int jl_string(jl_lex *lx, const char **pp, const char *end, char q, jl_sv *out);
/* An object key at *pp (quoted, or unquoted when allowed), then the ':' after it. */
int jl_key(jl_lex *lx, const char **pp, const char *end, jl_sv *out);

/* Reads a number token at *pp (first byte is '-', '+', a digit, 'N' or 'I'),
** analysed for the exact conversions of format/text (txt_num_*). */
int jl_number(jl_lex *lx, const char **pp, const char *end, txt_num *out);

/* The value kinds, by their first byte. */
enum { JV_BAD = 0, JV_OBJ, JV_ARR, JV_STR, JV_NUM, JV_TRUE, JV_FALSE, JV_NULL };
extern const uint8_t jl_first[256];

/*
** Skips one value at *pp (leading whitespace already skipped), validating it
** fully (iterative; JL_MAX_DEPTH levels). When out is not NULL, appends the
** value as compact standard JSON (strings re-escaped, comments dropped,
** NaN/Infinity as strings, leading zeros removed): used for rescued data.
*/
int jl_skip(jl_lex *lx, const char **pp, const char *end, buf *out);
/* Appends s[0..n) as a JSON string literal. LAGO_NOMEM on OOM. */
int jl_json_str(buf *out, const char *s, size_t n);

/* ---- schema-driven decoding (jsonl_decode.c) ------------------------------ */

enum {
  JK_NULLTYPE = 0, JK_BOOL, JK_I8, JK_I16, JK_I32, JK_I64, JK_U8, JK_U16, JK_U32, JK_U64,
  JK_F32, JK_F64, JK_DEC64, JK_DEC128, JK_STRING, JK_BINARY, JK_DATE, JK_TS, JK_TS_NTZ,
  JK_STRUCT, JK_ARRAY, JK_MAP,
};

struct jl_node;

typedef struct jl_field {
  const char *name;       /* borrowed from the schema */
  uint32_t len;
  struct jl_node *node;
  uint32_t seen;          /* stamp of the last object that set it */
  bool special;           /* corrupt or rescued column: never matched by keys */
  bool fast;              /* may be matched by comparing raw key bytes */
  uint64_t pad[2];        /* fast && len <= 16: the name, zero-padded (inline compare) */
} jl_field;

typedef struct jl_node {
  lago_type type;
  uint8_t kind;           /* JK_* */
  /* STRUCT */
  uint32_t n_fields;
  jl_field *fields;
  uint32_t *hash;         /* open addressing over exact names: field index + 1, 0 = empty */
  uint32_t hash_mask;
  uint32_t *ihash;        /* the same over ASCII-lowercased names */
  uint32_t stamp;         /* incremented per object decoded */
  uint32_t guess;         /* field expected next (members usually come in the same order) */
  /* ARRAY: element; MAP: value (keys are STRING) */
  struct jl_node *elem;
} jl_node;

/* Where a value sits in the record (for messages and rescued-data keys). */
typedef struct jl_path {
  const struct jl_path *up;
  const char *key;        /* raw key text in the record (may hold escapes), or NULL */
  uint32_t key_len;
  bool key_esc;           /* the key has escapes (decode before showing) */
  uint32_t index;         /* array element index when key == NULL */
} jl_path;

/* Why a record is malformed (first reason wins). */
enum { JL_OK = 0, JL_SYNTAX, JL_MISMATCH, JL_ROOT, JL_TRAILING };

/* Decoding state shared by the reader (one per reader; not thread-safe). */
typedef struct jl_dec {
  jl_lex lx;
  const jsonl_options *o;
  const char *path;           /* file path, for _file_path and messages */
  txt_dt dt;                  /* dateFormat, timestampFormat, timestampNTZFormat */
  /* Batch output. */
  arena *ar;                  /* the batch arena */
  char *heap, *heap_end;      /* string bytes of this batch (bump allocation in ar) */
  /* The record being decoded. */
  uint8_t bad;                /* JL_* of the first problem */
  const char *bad_at;         /* where (in the record) */
  buf msg;                    /* description of the first value problem */
  bool rescue;                /* a rescued data column exists */
  bool ci_rescue;             /* rescue case mismatches (readerCaseSensitive) */
  buf resc;                   /* rescued members of this record: "k":v,... */
  uint32_t n_resc;
  buf tmp;                    /* scratch for messages and paths */
} jl_dec;

/* Builds the decoding plan for a STRUCT schema (in ar). LAGO_UNSUPPORTED for
** types the reader cannot fill. corrupt/rescued: field names or NULL. */
int jl_plan_build(arena *ar, lago_type schema, const char *corrupt, const char *rescued, jl_node **out,
                  lago_err *err);
int jl_dec_init(jl_dec *d, const jsonl_options *o, const char *path, lago_err *err);
void jl_dec_deinit(jl_dec *d);
/* Starts a record: clears its status and rescued data. */
void jl_dec_record(jl_dec *d);
/*
** Decodes the object at *pp (its '{' at **pp) into row `row` of the STRUCT
** node's field vectors cols[i] (top level: the batch columns). On JL_BAD the
** record is syntactically broken (d->lx has where); value problems are
** recorded in d (JL_MISMATCH) or rescued, and decoding goes on.
*/
int jl_decode_row(jl_dec *d, jl_node *root, vec **cols, uint32_t row, const char **pp, const char *end);
/* Sets row `row` of v (and of its STRUCT children) to NULL. */
int jl_set_null_deep(vec *v, uint32_t row);
/* Copies n bytes into the batch heap; the copy is returned (NULL on OOM). */
char *jl_heap_copy(jl_dec *d, const char *p, size_t n);
/* "a.b[2].c" for messages and rescued keys (into out). */
int jl_path_render(buf *out, const jl_path *path, const char *leaf, uint32_t leaf_len, bool leaf_esc);

/* ---- reader internals shared with inference and tests (jsonl_reader.c) ---- */

/* Returned by an inference callback for a record that is not an object. */
#define JL_NOT_OBJECT (-2)
/*
** Inference callback: one record value at *pp (before end). Returns 0 (and
** *pp past the value), JL_BAD (syntax error, lx says where), JL_NOT_OBJECT,
** or a LAGO_* code.
*/
typedef int (*jl_infer_fn)(void *ud, jl_lex *lx, const char **pp, const char *end);
/*
** Runs the reader's framing over the file, handing each record to fn instead
** of decoding it, until the end or max_records (0 = all). Malformed records
** follow the mode: FAILFAST fails with the reader's message; PERMISSIVE sets
** *bad_seen. The reader must be fresh (no next calls).
*/
int jsonl_reader_infer(jsonl_reader *r, jl_infer_fn fn, void *ud, uint64_t max_records, bool *bad_seen,
                       lago_err *err);
/* Records seen by jsonl_reader_infer so far. */
uint64_t jsonl_reader_records(const jsonl_reader *r);
/* Test hooks; before the first next: read chunk size, number of the first line. */
void jsonl_reader_set_chunk(jsonl_reader *r, size_t chunk);
void jsonl_reader_set_line(jsonl_reader *r, uint64_t line);

#endif /* LAGO_FORMAT_JSONL_INT_H */
