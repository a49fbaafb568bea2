/*
** format/parquet/parquet.h: the Parquet reader and writer as other layers
** use them (table/, exec/, stream/, cli/). Internals live in
** parquet_int.h and the files listed in format/parquet/README.md.
**
** Reading: pq_open reads and validates the footer through the I/O layer
** (io/fs.h, range reads only), and exposes the schema as lago types. A
** pq_reader then decodes the projected columns of the selected row groups
** straight into vectors, batch by batch, skipping row groups whose
** statistics prove that a simple predicate cannot match.
**
** Writing: pq_writer_open / pq_writer_write (batches) / pq_writer_close
** writes a file through lago_fs atomically (nothing is visible until close
** succeeds), keeping at most one row group in memory, and returns per-column
** statistics that the Delta layer turns into `add.stats`.
**
** Every input file is untrusted: any malformed byte gives LAGO_CORRUPT (or
** LAGO_UNSUPPORTED for encrypted files, unknown encodings or codecs) with the
** file path, row group, column and page in the message; never a crash.
*/
#ifndef LAGO_FORMAT_PARQUET_H
#define LAGO_FORMAT_PARQUET_H

#include <stdbool.h>
#include <stdint.h>

#include "format/parquet/pq_meta.h"
#include "io/fs.h"
#include "util/status.h"
#include "vec/vector.h"

/* ======================================================================== */
/* Reader                                                                    */
/* ======================================================================== */

typedef struct pq_file pq_file;

/*
** Opens path and decodes its footer. The pq_file is immutable afterwards and
** may be shared by several readers (one per thread). Caller frees with
** pq_close. Errors: LAGO_NOTFOUND, LAGO_IO, LAGO_CORRUPT, LAGO_UNSUPPORTED
** (encrypted footer), LAGO_NOMEM.
*/
int pq_open(lago_fs *fs, const char *path, pq_file **out, lago_err *err);
/* Same for a file already opened through the I/O layer (takes ownership of f). */
int pq_open_file(lago_file *f, pq_file **out, lago_err *err);
void pq_close(pq_file *pf);

/* The decoded footer (borrowed for the life of pf). */
const pq_file_meta *pq_file_metadata(const pq_file *pf);
const char *pq_file_path(const pq_file *pf);
uint64_t pq_file_size(const pq_file *pf);

/*
** The file's schema as a lago STRUCT type: one field per top-level column,
** each with its natural lago type (Parquet annotations mapped as in
** format/parquet/README.md: INT96 -> TIMESTAMP_NTZ, TIMESTAMP(isAdjustedToUTC)
** -> TIMESTAMP, un-annotated BYTE_ARRAY -> BINARY, FLOAT16 -> FLOAT, ...),
** with Parquet field ids in type_field.field_id. Borrowed for the life of pf.
*/
lago_type pq_file_schema(const pq_file *pf);
int64_t pq_file_num_rows(const pq_file *pf);
uint32_t pq_file_num_row_groups(const pq_file *pf);
int64_t pq_row_group_num_rows(const pq_file *pf, uint32_t rg);

/* A simple predicate on one top-level primitive column, for row-group skipping. */
typedef enum pq_pred_op {
  PQ_PRED_EQ,
  PQ_PRED_LT,
  PQ_PRED_LE,
  PQ_PRED_GT,
  PQ_PRED_GE,
  PQ_PRED_IS_NULL,
  PQ_PRED_IS_NOT_NULL,
  PQ_PRED_IN,
} pq_pred_op;

typedef struct pq_predicate {
  uint32_t column;    /* top-level column index in pq_file_schema */
  pq_pred_op op;
  const vec *values;  /* constants of the column's natural type: 1 row (n rows for IN); NULL for IS [NOT] NULL */
} pq_predicate;

/*
** True unless the row group's statistics prove no row can satisfy all of
** preds (a conjunction). Missing or inexact statistics mean "may match".
*/
bool pq_row_group_may_match(const pq_file *pf, uint32_t rg, const pq_predicate *preds, uint32_t n_preds);

typedef struct pq_read_opts {
  const uint32_t *columns;  /* top-level column indexes, in output order; NULL = all columns */
  uint32_t n_columns;
  /*
  ** Optional output type per projected column (NULL = natural types). The
  ** reader converts where the conversion is lossless and cheap: INT96 or any
  ** TIMESTAMP unit -> TIMESTAMP/TIMESTAMP_NTZ (micros), integer widening
  ** (INT8 -> INT16 -> INT32 -> INT64), INT/FLOAT -> DOUBLE, DECIMAL precision
  ** widening, DATE -> TIMESTAMP_NTZ (type widening in Delta). Anything else is
  ** LAGO_UNSUPPORTED naming the column and both types.
  */
  const lago_type *types;
  const pq_predicate *preds; /* row groups that cannot match are skipped; rows are NOT filtered */
  uint32_t n_preds;
  const uint32_t *row_groups; /* restrict to these row groups (in this order); NULL = all */
  uint32_t n_row_groups;
  uint32_t batch_rows;        /* rows per batch; 0 = LAGO_VECTOR_SIZE */
  bool keep_dictionary;       /* deliver dictionary-encoded chunks as VEC_DICT where possible */
} pq_read_opts;

typedef struct pq_reader pq_reader;

/* Starts reading pf with opts (copied). Caller frees with pq_reader_close. */
int pq_reader_open(pq_file *pf, const pq_read_opts *opts, pq_reader **out, lago_err *err);
/*
** Decodes the next batch into *out (one column per projected column, FLAT or
** DICT vectors, sel NULL). Returns LAGO_OK with out->n_rows == 0 at the end.
** The batch and every buffer it points to are owned by the reader and stay
** valid until the next pq_reader_next or pq_reader_close. *rg_out (if not
** NULL) is the row group the batch came from; a batch never spans two.
*/
int pq_reader_next(pq_reader *r, batch **out, uint32_t *rg_out, lago_err *err);
void pq_reader_close(pq_reader *r);
/* Row groups skipped by predicates so far (for EXPLAIN / tests). */
uint32_t pq_reader_skipped_row_groups(const pq_reader *r);

/*
** Human-readable text for `lago parquet schema` (top-level columns with
** their lago types, then every leaf with its physical type, logical and
** converted annotations, repetition, max levels and lago type) and `lago
** parquet meta` (file facts, key-value metadata, row groups, column chunks
** with encodings, codec, sizes and decoded statistics). Appended to out;
** LAGO_NOMEM on OOM.
*/
int pq_describe_schema(const pq_file *pf, buf *out);
int pq_describe_meta(const pq_file *pf, buf *out);

/* ======================================================================== */
/* Writer                                                                    */
/* ======================================================================== */

typedef struct pq_write_opts {
  pq_codec codec;            /* default PQ_CODEC_SNAPPY; ZSTD, GZIP, LZ4_RAW, BROTLI, UNCOMPRESSED */
  int level;                 /* codec level (ZSTD, GZIP, BROTLI); 0 = the codec's default */
  uint64_t row_group_bytes;  /* target uncompressed bytes per row group; 0 = 128 MiB */
  uint64_t row_group_rows;   /* max rows per row group; 0 = 1,048,576 */
  uint32_t page_bytes;       /* target uncompressed bytes per data page; 0 = 1 MiB */
  bool no_dictionary;        /* disable dictionary encoding (default: on, falling back to PLAIN) */
  uint32_t dict_max_bytes;   /* dictionary size at which to fall back to PLAIN; 0 = 1 MiB */
  bool data_page_v2;         /* write DATA_PAGE_V2 headers */
  bool delta_encodings;      /* DELTA_BINARY_PACKED / DELTA_LENGTH_BYTE_ARRAY where they pay */
  bool page_index;           /* write ColumnIndex / OffsetIndex */
  uint32_t n_key_value;      /* file key-value metadata (copied) */
  const char *const *kv_keys;
  const char *const *kv_values;
  const char *created_by;    /* default "lago version X" */
  uint32_t threads;          /* 0/1 = encode on the calling thread; N > 1: the caller plus N-1 worker
                                threads encode the leaf columns of each batch slice in parallel (the
                                file is byte for byte the same) */
} pq_write_opts;

/*
** The defaults (SNAPPY, dictionary on, v1 pages, no page index...). Start
** from this rather than from {0}: a zeroed struct means codec 0, which is
** UNCOMPRESSED. pq_writer_open(..., NULL, ...) uses these defaults too.
*/
void pq_write_opts_init(pq_write_opts *o);

/* Statistics of one leaf column of a written file (Delta add.stats). */
typedef struct pq_leaf_stats {
  const char *const *path;  /* names from the top-level field down to the leaf */
  uint32_t path_len;
  lago_type type;           /* the leaf's lago type */
  int64_t null_count;
  int64_t value_count;      /* leaf values including nulls */
  bool has_min_max;         /* false when all null, or float column with NaN, or nested in a list */
  vec *min_max;             /* 2 rows of `type`: row 0 = min, row 1 = max (when has_min_max) */
} pq_leaf_stats;

typedef struct pq_file_stats {
  int64_t num_rows;
  uint64_t file_size;       /* bytes on storage */
  uint32_t n_leaves;
  pq_leaf_stats *leaves;    /* schema order */
} pq_file_stats;

typedef struct pq_writer pq_writer;

/*
** Starts writing a file at path with schema (a STRUCT: one field per column;
** field names and field ids are written to the Parquet schema; non-nullable
** fields become REQUIRED). opts may be NULL for defaults. Caller ends with
** pq_writer_close or pq_writer_abort.
*/
int pq_writer_open(lago_fs *fs, const char *path, lago_type schema, const pq_write_opts *opts, pq_writer **out,
                   lago_err *err);
/* Appends the rows of b (any vector kinds; honours b->sel). Column i of b is field i of the schema. */
int pq_writer_write(pq_writer *w, const batch *b, lago_err *err);
/*
** Flushes the last row group, writes the footer and makes the file visible
** at its path (replacing nothing: LAGO_EXISTS if the path is taken). Fills
** *stats (allocated in ar) when stats is not NULL. Frees w whatever happens.
*/
int pq_writer_close(pq_writer *w, arena *ar, pq_file_stats *stats, lago_err *err);
/* Discards everything; nothing appears at the path. Frees w. NULL is a no-op. */
void pq_writer_abort(pq_writer *w);

/*
** Row groups encoded apart from the writer, e.g. on other threads, then
** appended in order. An encoder owns the column states of one row group
** (per-leaf pages and dictionaries, scratch, compressor) and never touches
** the file or the writer's mutable state, so several encoders of one writer
** may be filled concurrently, each by one thread at a time; the file bytes
** of a row group do not depend on which thread encoded it (pq_writer_write
** uses the same code: a row group fed the same rows gives the same bytes).
** pq_writer_rg_new and pq_writer_append_rg change the writer: the caller
** serialises them with each other (not with encoder writes). Free encoders
** before or after closing the writer. After any failure of an append the
** writer refuses more work and close discards the file, as with write.
*/
typedef struct pq_rg_encoder pq_rg_encoder;

/* A new empty encoder for w's schema and options. Caller frees with pq_rg_encoder_free. */
int pq_writer_rg_new(pq_writer *w, pq_rg_encoder **out, lago_err *err);
/*
** Encodes rows [start, ...) of b (as pq_writer_write takes them) until b ends
** or the row group is full (row_group_rows rows, or about row_group_bytes
** of encoded pages); *next = the first row not taken. LAGO_MISUSE when the
** encoder is already full (append it first) or failed earlier.
*/
int pq_rg_encoder_write(pq_rg_encoder *e, const batch *b, uint32_t start, uint32_t *next, lago_err *err);
bool pq_rg_encoder_full(const pq_rg_encoder *e);
int64_t pq_rg_encoder_rows(const pq_rg_encoder *e);  /* rows in the row group being built */
/*
** Optional, before the append: cuts the last pages and compresses the
** dictionaries, so that pq_writer_append_rg only writes bytes out.
*/
int pq_rg_encoder_finish(pq_rg_encoder *e, lago_err *err);
/*
** Writes e's row group at the end of w's file (nothing when e holds no
** rows): chunks, row-group metadata, page-index records, file statistics.
** Then e is empty and may be reused.
*/
int pq_writer_append_rg(pq_writer *w, pq_rg_encoder *e, lago_err *err);
void pq_rg_encoder_free(pq_rg_encoder *e);

#endif /* LAGO_FORMAT_PARQUET_H */
