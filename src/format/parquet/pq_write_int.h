/*
** format/parquet/pq_write_int.h: private interfaces of the Parquet writer
** (the writer half of format/parquet/; see README.md "Writer").
**
** Pipeline, per batch and per leaf column:
**   vectors --write_levels.c--> definition/repetition levels + Parquet
**   physical values (scratch) --write_column.c--> current page (levels and
**   pending values: dictionary indices, PLAIN bytes or raw ints) --page cut-->
**   encoded page (encode_*.c) compressed (codec_compress.c) with its
**   PageHeader (meta_write.c) appended to the column's row-group buffer.
**   writer.c flushes every column's buffer at the end of a row group and
**   writes the footer (and page index) at close.
** Nothing here reads untrusted bytes; inputs are vectors and options from
** lago itself, which are still validated (type mismatches, nulls in
** non-nullable fields, out-of-range INTERVALs give errors, never asserts).
*/
#ifndef LAGO_FORMAT_PARQUET_PQ_WRITE_INT_H
#define LAGO_FORMAT_PARQUET_PQ_WRITE_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/parquet/codec.h"
#include "format/parquet/parquet.h"
#include "format/parquet/pq_meta.h"
#include "util/buf.h"
#include "util/status.h"
#include "vec/vector.h"

/* ======================================================================== */
/* meta_write.c: pq_meta.h structs -> Thrift compact bytes (appended to out) */
/* ======================================================================== */

/* Each returns LAGO_OK or LAGO_NOMEM (out keeps what was appended so far). */
int pq_meta_write_file(const pq_file_meta *m, buf *out);
int pq_meta_write_page_header(const pq_page_header *h, buf *out);
int pq_meta_write_column_index(const pq_column_index *ci, buf *out);
int pq_meta_write_offset_index(const pq_offset_index *oi, buf *out);
int pq_meta_write_statistics(const pq_statistics *s, buf *out); /* a bare Statistics struct (tests) */

/* ======================================================================== */
/* codec_compress.c: compression with reusable per-writer state               */
/* ======================================================================== */

typedef struct pqw_compressor {
  pq_codec codec;
  int level;      /* 0 = codec default */
  void *zstd;     /* ZSTD_CCtx, created on first use */
  void *zlib;     /* z_stream (deflate, gzip wrapper), created on first use */
  void *lz4;      /* LZ4 compression state */
} pqw_compressor;

/* LAGO_UNSUPPORTED for codecs the writer does not produce (LZO, LZ4 Hadoop) or bad levels. */
int pqw_compressor_init(pqw_compressor *c, pq_codec codec, int level, lago_err *err);
void pqw_compressor_deinit(pqw_compressor *c);
/* Compresses src and appends to out. LAGO_NOMEM or LAGO_INTERNAL (library failure). */
int pqw_compress(pqw_compressor *c, const uint8_t *src, size_t n, buf *out, lago_err *err);
/* Writer's name for a codec ("SNAPPY"), independent of the reader's pq_codec_name. */
const char *pqw_codec_name(pq_codec c);

/* ======================================================================== */
/* encode_rle.c: RLE / bit-packed hybrid, bit packing                        */
/* ======================================================================== */

/* Bits needed for values 0..max_value (0 for max_value 0). */
static inline int pqw_bit_width(uint64_t max_value) {
  return max_value ? 64 - __builtin_clzll(max_value) : 0;
}

/*
** Appends the RLE/bit-packed hybrid encoding of vals[0..n) at bit_width
** (0..32) to out, without any length prefix. Every value must fit in
** bit_width bits. LAGO_NOMEM on OOM.
*/
int pqw_rle_encode_u16(const uint16_t *vals, size_t n, int bit_width, buf *out);
int pqw_rle_encode_u32(const uint32_t *vals, size_t n, int bit_width, buf *out);
int pqw_rle_encode_u8(const uint8_t *vals, size_t n, int bit_width, buf *out);
/* Packs n values (n a multiple of 8) LSB-first at bit_width bits into dst (n*bit_width/8 bytes). */
void pqw_bitpack_u32(const uint32_t *vals, size_t n, int bit_width, uint8_t *dst);
void pqw_bitpack_u64(const uint64_t *vals, size_t n, int bit_width, uint8_t *dst);
/* PLAIN booleans: n 0/1 bytes -> ceil(n/8) bytes LSB-first, appended. */
int pqw_plain_bools(const uint8_t *vals, size_t n, buf *out);
/* ULEB128 into p (at most 10 bytes); returns bytes written. */
static inline size_t pqw_put_uvarint(uint8_t *p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = (uint8_t)(v | 0x80);
    v >>= 7;
  }
  p[n++] = (uint8_t)v;
  return n;
}

/* ======================================================================== */
/* encode_delta.c                                                             */
/* ======================================================================== */

/* DELTA_BINARY_PACKED of n INT32 (is64 false) or INT64 values, appended. */
int pqw_delta_binary_encode(const void *vals, size_t n, bool is64, buf *out);
/* DELTA_LENGTH_BYTE_ARRAY from n values in PLAIN BYTE_ARRAY form (u32 len + bytes each). */
int pqw_delta_length_encode(const uint8_t *plain, size_t plain_len, size_t n, buf *out);

/* ======================================================================== */
/* encode_dict.c: hash dictionary of PLAIN-encoded values                     */
/* ======================================================================== */

typedef struct pqw_dict {
  int width;          /* fixed value width in bytes (1..16); 0 = BYTE_ARRAY */
  uint32_t n;         /* entries */
  buf plain;          /* entries in PLAIN encoding: the dictionary page body */
  uint32_t *offs;     /* BYTE_ARRAY: offset in plain of entry i's 4-byte length (heap) */
  uint32_t *hashes;   /* hash of entry i (heap), to rehash without recomputing */
  uint64_t *keys;     /* BYTE_ARRAY: 2 words per entry, the entry's string view with the
                         bytes past its length zeroed (whole key when len <= 12) (heap) */
  uint32_t cap;       /* entries offs/hashes can hold */
  uint32_t *slots;    /* open addressing table: entry index + 1, 0 = empty (heap) */
  uint32_t n_slots;   /* power of two, at least 2 * n */
} pqw_dict;

void pqw_dict_init(pqw_dict *d, int width);
void pqw_dict_deinit(pqw_dict *d);
/* Empties the dictionary, keeping its memory. */
void pqw_dict_reset(pqw_dict *d);
/* Looks up / inserts n fixed-width values (width bytes each) and writes their indexes. */
int pqw_dict_put_fixed(pqw_dict *d, const uint8_t *vals, size_t n, uint32_t *idx);
/* Same for byte arrays given as string views. */
int pqw_dict_put_strs(pqw_dict *d, const lago_str *vals, size_t n, uint32_t *idx);

/* ======================================================================== */
/* write_schema.c: lago schema -> Parquet schema elements and leaves          */
/* ======================================================================== */

/* How a lago value becomes a Parquet physical value. */
typedef enum pqw_conv {
  PQW_CONV_BOOL,      /* uint8 -> BOOLEAN */
  PQW_CONV_I8,        /* int8 -> INT32 */
  PQW_CONV_I16,       /* int16 -> INT32 */
  PQW_CONV_U8,        /* uint8 -> INT32 */
  PQW_CONV_U16,       /* uint16 -> INT32 */
  PQW_CONV_COPY4,     /* 4 bytes as they are: INT, UINT, DATE, FLOAT */
  PQW_CONV_COPY8,     /* 8 bytes as they are: BIGINT, UBIGINT, DOUBLE, timestamps, TIME, DECIMAL(10..18) */
  PQW_CONV_DEC_I32,   /* DECIMAL(p <= 9), int64 unscaled -> INT32 */
  PQW_CONV_DEC_FLBA,  /* DECIMAL(p > 18), i128 -> FLBA big-endian two's complement */
  PQW_CONV_STR,       /* lago_str -> BYTE_ARRAY */
  PQW_CONV_UUID,      /* 16 bytes -> FLBA(16) */
  PQW_CONV_INTERVAL,  /* lago_interval -> FLBA(12): months, days, millis (u32 LE each) */
} pqw_conv;

/* Sort order used for statistics (Parquet spec, "Sort order"). */
typedef enum pqw_order {
  PQW_ORD_NONE,      /* undefined (INTERVAL): no min/max */
  PQW_ORD_SIGNED,    /* signed integers, dates, timestamps, times, DECIMAL in INT32/INT64 */
  PQW_ORD_UNSIGNED,  /* unsigned integers, BOOLEAN */
  PQW_ORD_FLOAT,     /* FLOAT/DOUBLE by value, NaN excluded */
  PQW_ORD_I128,      /* DECIMAL in FLBA: numeric */
  PQW_ORD_BYTES,     /* BYTE_ARRAY, UUID: unsigned bytes (memcmp, shorter prefix first) */
} pqw_order;

/* One step from a top-level vector down to a leaf (write_levels.c walks these). */
typedef enum pqw_step_kind { PQW_STEP_LEAF, PQW_STEP_STRUCT, PQW_STEP_LIST } pqw_step_kind;

typedef struct pqw_step {
  uint8_t kind;        /* pqw_step_kind */
  bool nullable;       /* OPTIONAL node: a null here gives a definition level */
  bool ignore_nulls;   /* MAP key_value struct rows: their validity is meaningless */
  uint32_t field;      /* STRUCT: the field to descend into */
  uint16_t rep_level;  /* LIST: repetition level of the elements (the repeated node's) */
  const char *name;    /* for error messages: the lago field name at this step */
} pqw_step;

typedef struct pqw_leaf_desc {
  const char **path;   /* path_in_schema (Parquet names), path_len entries */
  uint32_t path_len;
  const char *dotted;  /* path joined with '.', for messages */
  lago_type type;      /* lago type of the leaf */
  pq_type ptype;       /* physical type */
  int32_t fl_width;    /* FIXED_LEN_BYTE_ARRAY width, else 0 */
  uint32_t vsize;      /* bytes per value in the scratch array: 1, 4, 8, 16 (lago_str) or fl_width */
  pqw_conv conv;
  pqw_order order;
  uint16_t max_def, max_rep;
  uint32_t column;     /* top-level column index */
  uint32_t n_steps;
  pqw_step *steps;     /* steps[0] applies to the top-level vector, steps[n_steps-1] is LEAF */
  bool in_list;        /* under a LIST or MAP */
} pqw_leaf_desc;

typedef struct pqw_schema {
  uint32_t n_elements;
  pq_schema_element *elements; /* depth-first, element 0 is the root */
  uint32_t n_leaves;
  pqw_leaf_desc *leaves;       /* schema order */
  uint32_t n_columns;          /* top-level fields */
} pqw_schema;

/*
** Maps a lago STRUCT schema to Parquet (everything allocated in ar).
** LAGO_UNSUPPORTED (NULL type, empty struct, too deep), LAGO_MISUSE (not a
** STRUCT), LAGO_NOMEM.
*/
int pqw_schema_build(arena *ar, lago_type schema, pqw_schema *out, lago_err *err);
/* Minimal FLBA width holding every DECIMAL(precision) value (precision 1..38). */
int pqw_decimal_flba_width(int precision);
/* True if vectors of type `have` can be written as schema type `want` (same shape and ids). */
bool pqw_type_compatible(lago_type have, lago_type want);

/* ======================================================================== */
/* write_levels.c: shredding vectors into levels and physical values          */
/* ======================================================================== */

/* Levels and values of some rows of one leaf (scratch, reused across batches). */
typedef struct pqw_shred {
  uint16_t *def, *rep;  /* n_lvl entries each (rep only when max_rep > 0; def only when max_def > 0) */
  size_t n_lvl;
  size_t cap_def, cap_rep; /* entries allocated (the scratch is shared by leaves of different depths) */
  size_t cap_lvl;       /* levels the current leaf can hold: min of the capacities it uses */
  uint32_t *row_lvl;    /* repeated leaves: level index where row r starts; n_rows + 1 entries */
  size_t cap_rows;
  size_t n_rows;
  buf vals;             /* physical values, vsize bytes each */
  size_t n_vals;
  uint64_t plain_bytes; /* PLAIN size of the values (what they take without a dictionary) */
  const uint8_t *direct;/* when set, the values are here (borrowed from the batch), not in vals */
} pqw_shred;

void pqw_shred_init(pqw_shred *s);
void pqw_shred_deinit(pqw_shred *s);
/*
** Shreds logical rows [start, start+n) of top-level vector v (physical row
** = sel ? sel[i] : i) for leaf L, replacing the scratch content. Errors:
** LAGO_RUNTIME (null in a non-nullable field, INTERVAL out of range),
** LAGO_NOMEM.
*/
int pqw_shred_rows(const pqw_leaf_desc *L, const vec *v, const uint32_t *sel, uint32_t start, uint32_t n,
                   pqw_shred *s, lago_err *err);
/* Converts one lago value (FLAT position) to its physical form at dst (L->vsize bytes). */
int pqw_convert_value(const pqw_leaf_desc *L, const vec *flat, uint32_t row, uint8_t *dst, lago_err *err);

/* ======================================================================== */
/* write_stats.c: statistics in the column's sort order                       */
/* ======================================================================== */

typedef union pqw_scalar {
  int64_t i;
  uint64_t u;
  double d;
  lago_i128 w;
} pqw_scalar;

typedef struct pqw_stats {
  bool has_minmax;      /* some non-null, non-NaN value seen */
  bool has_nan;         /* FLOAT/DOUBLE: a NaN was seen (then no min/max is written) */
  int64_t nulls;        /* levels below max_def */
  int64_t values;       /* non-null values */
  pqw_scalar min, max;  /* all orders but BYTES */
  buf min_b, max_b;     /* BYTES: owned copies */
} pqw_stats;

void pqw_stats_init(pqw_stats *s);
void pqw_stats_deinit(pqw_stats *s);
void pqw_stats_reset(pqw_stats *s);
/* Folds n physical values (L->vsize bytes each, as in pqw_shred.vals) into s. LAGO_NOMEM. */
int pqw_stats_update(pqw_stats *s, const pqw_leaf_desc *L, const uint8_t *vals, size_t n);
/* Folds src into dst (nulls and values add up). */
int pqw_stats_merge(pqw_stats *dst, const pqw_stats *src, const pqw_leaf_desc *L);
/* True if min/max may be written (defined order, a value seen, no NaN). */
bool pqw_stats_usable(const pqw_stats *s, const pqw_leaf_desc *L);
/*
** min/max as Parquet statistics bytes (PLAIN encoding of the physical type,
** -0.0/+0.0 rule applied), allocated in ar. truncate > 0 cuts BYTES values
** to that many bytes (min: a prefix; max: a prefix with its last byte that is
** not 0xff incremented; *exact tells whether they were cut; *has_max false if
** no upper bound of that length exists).
*/
int pqw_stats_bytes(const pqw_stats *s, const pqw_leaf_desc *L, arena *ar, uint32_t truncate, pq_bytes *min,
                    pq_bytes *max, bool *has_max, bool *min_exact, bool *max_exact);
/* Fills a Parquet Statistics struct for a column chunk (bytes in ar). */
int pqw_stats_to_parquet(const pqw_stats *s, const pqw_leaf_desc *L, arena *ar, pq_statistics *out);
/* Sets rows 0 (min) and 1 (max) of mm (a FLAT vector of L->type, 2 rows) from s. */
int pqw_stats_to_vec(const pqw_stats *s, const pqw_leaf_desc *L, vec *mm);

/* ======================================================================== */
/* write_column.c: one leaf's column chunk in the current row group           */
/* ======================================================================== */

typedef struct pqw_page_rec {  /* one data page, for the page index */
  int64_t offset;          /* within the chunk's data pages (headers and bodies) */
  int32_t size;            /* header + compressed body */
  uint32_t hdr_len;        /* the PageHeader's bytes (then the body's) */
  int64_t first_row;       /* within the row group */
  int64_t nulls;
  bool null_page;          /* no non-null value */
  bool has_minmax;         /* min/max usable (no NaN, defined order) */
  pq_bytes min, max;       /* in the writer arena (truncated to 64 bytes) */
} pqw_page_rec;

/* Options a column writer needs (normalised from pq_write_opts by writer.c). */
typedef struct pqw_col_opts {
  uint32_t page_bytes;
  uint32_t dict_max_bytes;
  bool dictionary;
  bool data_page_v2;
  bool delta;
  bool page_index;
} pqw_col_opts;

typedef enum pqw_mode { PQW_MODE_DICT, PQW_MODE_PLAIN, PQW_MODE_DELTA, PQW_MODE_RLE_BOOL } pqw_mode;

typedef struct pqw_column {
  const pqw_leaf_desc *L;      /* borrowed from the writer's schema */
  const pqw_col_opts *o;       /* borrowed from the writer */
  pqw_compressor *comp;        /* borrowed: the feeding thread's (writer.c sets it before each feed/flush) */
  arena *ar;                   /* the row-group encoder's arena: page-index bounds until the flush copies them */
  pthread_mutex_t *ar_mu;      /* when set, held around allocations in ar (parallel feeds) */
  pqw_mode mode;               /* encoding of the values of the current page */
  pqw_mode fallback;           /* what replaces the dictionary when it stops paying */
  /* current page */
  uint16_t *def, *rep;         /* heap, n_lvl entries */
  size_t n_lvl, cap_lvl;
  int64_t page_rows;
  int64_t page_values;         /* non-null */
  buf pending;                 /* DICT: uint32 indexes; PLAIN/DELTA: PLAIN bytes; RLE_BOOL: 0/1 bytes */
  uint64_t page_plain_bytes;   /* PLAIN size of the page's values */
  pqw_stats page_stats;
  /* column chunk in this row group */
  pqw_dict dict;
  bool dict_used;              /* some page of this chunk is dictionary-encoded */
  uint64_t dict_values;        /* values encoded with the dictionary in this chunk */
  uint64_t dict_plain_bytes;   /* their PLAIN size */
  uint64_t dict_idx_bytes;     /* bytes their index pages took */
  bool dict_checked;           /* the early "does it pay" check was done */
  buf pages;                   /* data page bodies (as written: compressed), compressed in place */
  buf page_hdrs;               /* their PageHeaders; page i = page_recs[i].hdr_len bytes here + the rest of its size */
  uint64_t pages_len;          /* bytes of headers + bodies so far */
  int64_t rows;                /* rows in this chunk so far */
  int64_t levels;              /* num_values: levels in this chunk */
  int64_t uncompressed;        /* total_uncompressed_size of the data pages, headers included */
  pqw_stats chunk_stats;
  uint32_t n_pages, cap_pages;
  pqw_page_rec *page_recs;     /* heap */
  int32_t enc_count[10][4];    /* pages per (encoding, page type) for encoding_stats */
  bool finished;               /* pqw_column_finish ran: last page cut, dictionary page in dict_page */
  buf dict_page;               /* PageHeader + compressed dictionary (when dict_used and finished) */
  size_t dict_hdr_len;         /* the PageHeader's bytes in dict_page */
  /* statistics from the dictionary: a page's min/max only needs each entry's first value in it */
  uint32_t *seen_epoch;        /* heap, cap_seen entries: page epoch in which entry i was last folded */
  uint32_t cap_seen;
  uint32_t epoch;              /* current page's epoch (>= 1; bumped whenever page_stats restarts) */
  buf first_vals;              /* scratch: the values of a slice whose entry is new to the page */
  /* scratch */
  buf body, comp_buf;
} pqw_column;

int pqw_column_init(pqw_column *c, const pqw_leaf_desc *L, const pqw_col_opts *o, pqw_compressor *comp, arena *ar);
void pqw_column_deinit(pqw_column *c);
/* Appends the shredded rows in s to the column (cutting pages as they fill). */
int pqw_column_feed(pqw_column *c, const pqw_shred *s, lago_err *err);
/* Estimated uncompressed bytes this chunk holds so far (for row-group sizing). */
uint64_t pqw_column_est_bytes(const pqw_column *c);
/*
** Completes the chunk's bytes without placing them: cuts the last page and
** compresses the dictionary page. Optional (pqw_column_flush does it when
** not done); lets a row-group encoder do this work before its turn to write.
*/
int pqw_column_finish(pqw_column *c, lago_err *err);
/*
** Ends the chunk: finishes it, writes [dictionary page] + data pages through
** emit(ud, bytes, n) starting at file offset `pos`, fills *cc (allocations
** in ar), the chunk's page records (offsets made absolute, bounds copied)
** in *recs / *n_recs (allocated in ar), folds the chunk's statistics into
** *file_stats and resets the chunk state (c->ar may then be reset).
*/
typedef int (*pqw_emit_fn)(void *ud, const void *p, size_t n, lago_err *err);
int pqw_column_flush(pqw_column *c, uint64_t pos, pqw_emit_fn emit, void *ud, arena *ar, pq_column_chunk *cc,
                     pqw_page_rec **recs, uint32_t *n_recs, pqw_stats *file_stats, lago_err *err);

#endif /* LAGO_FORMAT_PARQUET_PQ_WRITE_INT_H */
