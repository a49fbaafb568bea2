/*
** format/parquet/pq_read_int.h: private interfaces of the Parquet reader
** (format/parquet/README.md has the design and the file table). Nothing
** outside src/format/parquet/ and the reader's own tests includes this.
**
** Data flow, one row group at a time:
**   reader.c       pq_open: footer -> meta_read.c -> schema.c; pq_reader_next:
**                  reads the byte range of each projected column chunk, then
**                  per batch asks column_read.c for values
**   column_read.c  walks the pages of one column chunk (page_read.c),
**                  decodes levels (decode_rle.c) and values (decode_*.c)
**                  straight into vector buffers
**   assemble.c     definition/repetition levels -> nested vectors
**   stats_skip.c   row-group statistics -> "may this row group match?"
*/
#ifndef LAGO_FORMAT_PARQUET_PQ_READ_INT_H
#define LAGO_FORMAT_PARQUET_PQ_READ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/parquet/codec.h"
#include "format/parquet/parquet.h"
#include "format/parquet/pq_meta.h"
#include "format/parquet/thrift_read.h"
#include "util/arena.h"
#include "util/status.h"
#include "vec/vector.h"

/* Limits that keep hostile files from costing unbounded time or memory. */
#define PQ_MAX_SCHEMA_DEPTH 64          /* nesting of groups (levels then fit a byte) */
#define PQ_MAX_FOOTER_BYTES (256u << 20) /* FileMetaData larger than this is refused */
#define PQ_MAX_PAGE_HEADER 65536u        /* bytes of Thrift before a page body, at most */
#define PQ_MAX_BATCH_LEVELS (1u << 24)   /* levels of one leaf in one batch (nested columns) */

/* ======================================================================== */
/* meta_read.c: Thrift bytes -> pq_meta.h structs                            */
/* ======================================================================== */

/*
** Decodes a FileMetaData. Strings are copied into ar (NUL-terminated);
** pq_bytes (statistics) point into buf, which the caller keeps alive as
** long as *out (reader.c allocates buf in the same arena).
*/
int pq_meta_read_file(const uint8_t *data, size_t len, arena *ar, const char *what, pq_file_meta *out, lago_err *err);
/*
** Decodes one PageHeader at buf; *used = its length in bytes. Statistics
** pq_bytes point into buf (borrowed). No allocation.
*/
int pq_meta_read_page_header(const uint8_t *data, size_t len, const char *what, pq_page_header *out, size_t *used,
                             lago_err *err);
/* ColumnIndex / OffsetIndex (page index). Arrays in ar; pq_bytes point into buf. */
int pq_meta_read_column_index(const uint8_t *data, size_t len, arena *ar, const char *what, pq_column_index *out,
                              lago_err *err);
int pq_meta_read_offset_index(const uint8_t *data, size_t len, arena *ar, const char *what, pq_offset_index *out,
                              lago_err *err);

/* Names for messages and `lago parquet meta`. */
const char *pq_type_name(pq_type t);
const char *pq_encoding_name(pq_encoding e);     /* "UNKNOWN" for others */
const char *pq_converted_name(pq_converted c);   /* "" for PQC_NONE */
const char *pq_page_type_name(pq_page_type t);

/* ======================================================================== */
/* schema.c: the column tree, levels and lago types                          */
/* ======================================================================== */

/* How a leaf's physical values become lago values (decode_plain.c). */
typedef enum pq_conv {
  PQV_NONE = 0,    /* physical layout is the lago layout (see pq_phys_width) */
  PQV_I32_I8,      /* INT32 -> int8/uint8 (TINYINT, UTINYINT) */
  PQV_I32_I16,     /* INT32 -> int16/uint16 */
  PQV_I32_I64,     /* INT32 -> int64 (DECIMAL p <= 18) */
  PQV_I32_I128,    /* INT32 -> i128 (DECIMAL p > 18) */
  PQV_I32_MS_US,   /* INT32 milliseconds -> int64 microseconds (TIME MILLIS) */
  PQV_I64_MS_US,   /* INT64 * 1000 (TIMESTAMP MILLIS) */
  PQV_I64_NS_US,   /* INT64 / 1000, truncating as DuckDB (NANOS -> micros) */
  PQV_I64_I128,    /* INT64 -> i128 (DECIMAL p > 18) */
  PQV_INT96,       /* INT96 (nanos of day, julian day) -> int64 micros, Spark's wrapping arithmetic */
  PQV_F16,         /* FLBA(2) half float -> float */
  PQV_DEC64,       /* FLBA/BYTE_ARRAY big-endian two's complement -> int64 */
  PQV_DEC128,      /* same -> i128 */
  PQV_UUID,        /* FLBA(16) -> 16 bytes */
  PQV_INTERVAL,    /* FLBA(12) months, days, millis (u32 LE each) -> lago_interval */
} pq_conv;

/* Bytes per physical value as the decoders produce it: BOOLEAN 1 (u8),
** INT32 4, INT64 8, INT96 12, FLOAT 4, DOUBLE 8, BYTE_ARRAY/FLBA 16 (lago_str). */
size_t pq_phys_width(pq_type t);

typedef struct pq_leaf {
  uint32_t index;                /* leaf ordinal = column chunk index in a row group */
  const pq_schema_element *el;   /* its SchemaElement (borrowed from the footer) */
  pq_type phys;
  int32_t type_length;           /* FIXED_LEN_BYTE_ARRAY width; 0 otherwise */
  uint8_t max_def, max_rep;
  uint8_t rep_def[PQ_MAX_SCHEMA_DEPTH + 1]; /* rep_def[r]: def level of the r-th repeated ancestor */
  lago_type type;                /* natural lago type of its values */
  pq_conv conv;
  bool is_json;                  /* annotated JSON (DuckDB shows it as JSON) */
  uint32_t top;                  /* top-level column it belongs to */
  uint32_t path_len;
  const char **path;             /* names, top-level field first */
  const char *dotted;            /* path joined with '.', for messages */
} pq_leaf;

typedef enum pq_anode_kind { PQA_LEAF, PQA_STRUCT, PQA_LIST, PQA_MAP } pq_anode_kind;

/*
** Assembly node: one per vector of a column's vector tree. Entries of the
** vector correspond to the levels (d, r) of its first leaf where r <= rep
** and d >= def_exist; an entry is non-null when d >= def_valid. LIST and
** MAP have one child (the elements; for MAP a STRUCT of key and value).
*/
typedef struct pq_anode {
  pq_anode_kind kind;
  uint8_t rep;
  uint8_t def_exist;
  uint8_t def_valid;
  uint32_t leaf;                 /* file leaf index of the first leaf below */
  uint32_t n_children;
  struct pq_anode **children;
} pq_anode;

typedef struct pq_column {
  const char *name;
  lago_type type;
  pq_anode *root;
  uint32_t first_leaf, n_leaves;
  bool flat;                     /* one primitive leaf, not repeated, at top level */
} pq_column;

typedef struct pq_schema {
  lago_type type;                /* STRUCT of the top-level columns */
  uint32_t n_columns;
  pq_column *columns;
  uint32_t n_leaves;
  pq_leaf *leaves;
} pq_schema;

/* Builds the schema of a decoded footer, everything in ar. */
int pq_schema_build(arena *ar, const pq_file_meta *fm, const char *path, pq_schema *out, lago_err *err);
/*
** Natural lago type and conversion of a primitive SchemaElement, following
** DuckDB's mapping (README.md). LAGO_UNSUPPORTED for impossible
** annotations only when there is no sensible fallback.
*/
int pq_leaf_type(const pq_schema_element *el, lago_type *type, pq_conv *conv, bool *is_json, const char *what,
                 lago_err *err);

/* ======================================================================== */
/* decode_rle.c: bit unpacking, RLE/bit-packed hybrid, legacy BIT_PACKED      */
/* ======================================================================== */

/* Unpacks n values of bw bits (0..32, LSB-first) starting at bit `bit` of p;
** p must hold at least (bit + n*bw + 7) / 8 bytes. */
void pq_unpack32(const uint8_t *p, uint64_t bit, unsigned bw, uint32_t *out, uint32_t n);
/* One value of bw bits (0..64) at bit `bit` of p (same byte requirement). */
uint64_t pq_unpack64_one(const uint8_t *p, uint64_t bit, unsigned bw);

typedef struct pq_rle {
  const uint8_t *p, *end;  /* run headers still to read */
  uint8_t bw;              /* bit width, 0..32 */
  uint32_t rle_left;       /* values left in the current RLE run */
  uint32_t rle_val;
  uint32_t bp_left;        /* values left in the current bit-packed run */
  const uint8_t *bp;       /* bit-packed run data */
  uint64_t bp_bit;         /* next bit within bp */
} pq_rle;

/* A hybrid stream of bit width bw over p[0..n). */
void pq_rle_init(pq_rle *r, const uint8_t *p, size_t n, unsigned bw);
/* Decodes exactly n values; LAGO_CORRUPT (naming `what`) if the stream ends first or is malformed. */
int pq_rle_get32(pq_rle *r, uint32_t *out, uint32_t n, const char *what, lago_err *err);
int pq_rle_get8(pq_rle *r, uint8_t *out, uint32_t n, const char *what, lago_err *err);
/* If the next n values are all `value` within one RLE run, consumes them and returns true
** (the all-valid fast path for definition levels); otherwise changes nothing visible. */
bool pq_rle_skip_run(pq_rle *r, uint32_t n, uint32_t value);

/* Deprecated BIT_PACKED levels: MSB-first bit order, no runs. */
typedef struct pq_bitpacked {
  const uint8_t *p;
  uint64_t n_bits;         /* bits available */
  uint64_t bit;            /* next bit */
  uint8_t bw;
} pq_bitpacked;
int pq_bitpacked_get8(pq_bitpacked *b, uint8_t *out, uint32_t n, const char *what, lago_err *err);

/* Bits needed for values 0..max. */
static inline unsigned pq_bit_width(uint32_t max) { return max ? 32u - (unsigned)__builtin_clz(max) : 0u; }

/* ======================================================================== */
/* decode_delta.c: DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY */
/* ======================================================================== */

typedef struct pq_dbp {
  const uint8_t *p, *end;  /* next block header / miniblock */
  uint32_t block_size;     /* values per block (multiple of 128) */
  uint32_t n_mini;         /* miniblocks per block */
  uint32_t mini_size;      /* values per miniblock (multiple of 32) */
  uint64_t left;           /* values not yet returned */
  uint64_t last;           /* previous value (wrapping arithmetic) */
  bool first_pending;      /* the header's first value is next */
  uint64_t min_delta;      /* of the current block */
  const uint8_t *widths;   /* bit widths of the current block's miniblocks */
  uint32_t mini_idx;       /* current miniblock, n_mini = none */
  uint32_t mini_left;      /* values left in the current miniblock */
  const uint8_t *mini_p;   /* current miniblock data */
  uint64_t mini_bit;
  uint8_t mini_bw;
} pq_dbp;

/* Reads the stream header at p (stream within [p, end)). */
int pq_dbp_init(pq_dbp *d, const uint8_t *p, const uint8_t *end, const char *what, lago_err *err);
/* Next n values (n <= d->left) as 64-bit two's complement (INT32 callers truncate). */
int pq_dbp_get(pq_dbp *d, uint64_t *out, uint32_t n, const char *what, lago_err *err);
/* Finds the end of a whole stream starting at p without decoding values. */
int pq_dbp_skip_all(const uint8_t *p, const uint8_t *end, const uint8_t **stream_end, uint64_t *count,
                    const char *what, lago_err *err);

typedef struct pq_dlba {
  pq_dbp lens;
  const uint8_t *data, *end; /* concatenated value bytes */
} pq_dlba;
int pq_dlba_init(pq_dlba *d, const uint8_t *p, const uint8_t *end, const char *what, lago_err *err);
/* n values as views into the page buffer. */
int pq_dlba_get(pq_dlba *d, lago_str *out, uint32_t n, const char *what, lago_err *err);

typedef struct pq_dba {
  pq_dbp prefix;
  pq_dlba suffix;
  uint8_t *last;        /* previous value (heap, owned; freed by pq_dba_deinit) */
  uint32_t last_len, last_cap;
} pq_dba;
int pq_dba_init(pq_dba *d, const uint8_t *p, const uint8_t *end, const char *what, lago_err *err);
/* n values; bytes of values longer than 12 are copied into ar. */
int pq_dba_get(pq_dba *d, lago_str *out, uint32_t n, arena *ar, const char *what, lago_err *err);
void pq_dba_deinit(pq_dba *d);

/* ======================================================================== */
/* decode_plain.c, decode_bss.c: PLAIN, BYTE_STREAM_SPLIT, conversions       */
/* ======================================================================== */

/*
** PLAIN values of physical type t from *p (advanced; *p <= end checked):
** n values of pq_phys_width(t) bytes each into out. BYTE_ARRAY and FLBA
** become views into the buffer. `bit` is the bit cursor for BOOLEAN.
*/
int pq_plain_get(pq_type t, int32_t type_length, const uint8_t **p, const uint8_t *end, uint32_t *bit, void *out,
                 uint32_t n, const char *what, lago_err *err);

typedef struct pq_bss {
  const uint8_t *base;   /* stream 0 */
  uint32_t width;        /* bytes per value = number of streams */
  uint64_t n_total;      /* values in the page (bytes per stream) */
  uint64_t idx;          /* next value */
} pq_bss;
int pq_bss_init(pq_bss *b, const uint8_t *p, const uint8_t *end, uint32_t width, const char *what, lago_err *err);
/* n values: fixed widths into out (width bytes each); FLBA (as_str) into lago_str with bytes in ar. */
int pq_bss_get(pq_bss *b, void *out, uint32_t n, bool as_str, arena *ar, const char *what, lago_err *err);

/*
** Converts n physical values (pq_phys_width(phys) bytes each, at src) into
** lago values of `type` at dst (type_width bytes each). src and dst may be
** the same buffer when the lago width is not larger than the physical
** width; otherwise they must not overlap. Errors: LAGO_CORRUPT for values
** that cannot be converted (a DECIMAL wider than 16 bytes, a UUID that is
** not 16 bytes).
*/
int pq_convert(pq_conv conv, lago_type type, const void *src, void *dst, uint32_t n, const char *what, lago_err *err);
/* INT96 (12 bytes: u64 nanos of day, u32 julian day, LE) -> micros since the epoch, wrapping. */
int64_t pq_int96_to_micros(const uint8_t *b);
/* IEEE half -> float. */
float pq_half_to_float(uint16_t h);

/* ======================================================================== */
/* page_read.c + column_read.c: one column chunk                             */
/* ======================================================================== */

/* Value decoder of the current data page. */
typedef struct pq_vdec {
  pq_encoding enc;
  const uint8_t *p, *end;   /* values section */
  bool empty;               /* the section has no bytes (all-null page) */
  bool dict;                /* PLAIN_DICTIONARY / RLE_DICTIONARY: rle holds indexes */
  uint32_t bit;             /* PLAIN BOOLEAN bit cursor */
  pq_rle rle;               /* RLE booleans, dictionary indexes */
  pq_dbp dbp;
  pq_dlba dlba;
  pq_dba dba;               /* owns a heap buffer: pq_dba_deinit */
  pq_bss bss;
} pq_vdec;

/* Levels of one leaf for one batch of rows (nested columns). */
typedef struct pq_levels {
  uint8_t *def, *rep;       /* n_levels each (heap, owned by the leaf reader) */
  uint32_t n_levels, cap;
  uint32_t n_values;        /* non-null leaf values (def == max_def), decoded densely */
} pq_levels;

#define PQ_LEVEL_WINDOW 4096  /* levels decoded ahead while looking for row ends */

typedef struct pq_leaf_reader {
  const pq_leaf *leaf;
  const pq_column_meta *cm;
  const char *what;          /* "path: row group N, column 'a.b'" (in the row-group arena) */
  char page_what[320];       /* what + ", page N" */
  arena *rg_ar;              /* row-group lifetime: chunk bytes, dictionary */
  bool verify_crc;
  /* the column chunk */
  const uint8_t *chunk;      /* chunk bytes (in rg_ar) */
  size_t chunk_len, pos;     /* next page header at chunk + pos */
  uint32_t page_no;
  bool seen_data;            /* a data page has been started */
  /* dictionary */
  vec *dict;                 /* lago values (in rg_ar), NULL if none */
  /* the current data page */
  bool in_page;
  uint32_t page_left;        /* levels not yet decoded */
  pq_rle def_rle, rep_rle;
  pq_bitpacked def_bp, rep_bp;
  bool def_is_bp, rep_is_bp;
  pq_vdec vd;
  /* page buffers handed out since the current batch began (heap) */
  struct pq_pagebuf { uint8_t *p; size_t cap; } *bufs;
  uint32_t n_bufs, cap_bufs;
  uint8_t *cur_buf;          /* buffer of the current page: kept across batches */
  struct pq_pagebuf spare;   /* a retired buffer kept for reuse (no allocation per page) */
  /* scratch (heap) */
  uint8_t *defs;             /* definition levels of one step (flat path) */
  uint32_t defs_cap;
  uint8_t *scratch;          /* physical values before conversion */
  size_t scratch_cap;
  uint32_t *codes;           /* CODE_CHUNK dictionary indexes */
  /* nested: levels decoded ahead (from the current page) and this batch's levels */
  uint8_t *win_def, *win_rep;
  uint32_t win_pos, win_len;
  pq_levels lv;
  uint8_t prev_def;          /* def of the last level consumed */
  bool started;              /* a level has been consumed in this chunk */
  uint64_t rows_read;        /* rows delivered from this chunk */
} pq_leaf_reader;

/*
** Prepares reading leaf `leaf` from the chunk bytes chunk[0..len) (owned by
** rg_ar). `what` names the column chunk in messages.
*/
int pq_lr_init(pq_leaf_reader *lr, const pq_leaf *leaf, const pq_column_meta *cm, const uint8_t *chunk, size_t len,
               arena *rg_ar, const char *what, bool verify_crc, lago_err *err);
/* Frees the reader's heap memory (page buffers, scratch). Safe on a zeroed reader. */
void pq_lr_deinit(pq_leaf_reader *lr);
/* As pq_lr_deinit, but hands back its largest page buffer (the caller owns it) for the next chunk. */
struct pq_pagebuf pq_lr_recycle(pq_leaf_reader *lr);
/* Starts a batch: page buffers of the previous batch (except the current page's) are freed. */
void pq_lr_batch_begin(pq_leaf_reader *lr);
/*
** Flat leaves (max_rep == 0, top level): reads n rows into out[0..n) (out
** has room for n). If want_dict and the chunk is dictionary encoded, out
** becomes a VEC_DICT over the chunk's dictionary when every row of the
** batch comes from dictionary pages.
*/
int pq_lr_read_flat(pq_leaf_reader *lr, vec *out, uint32_t n, bool want_dict, arena *batch_ar, lago_err *err);
/*
** Nested leaves: reads the levels of the next n rows into lr->lv and their
** non-null values densely into out[0..lv.n_values) (out grows as needed).
*/
int pq_lr_read_rows(pq_leaf_reader *lr, vec *out, uint32_t n, arena *batch_ar, lago_err *err);

/* page_read.c: moves to the next data page (reading a dictionary page on the
** way); lr->in_page is false afterwards when the chunk has no more pages. */
int pq_page_next(pq_leaf_reader *lr, lago_err *err);
/* Starts a value decoder over a values section. */
int pq_vdec_init(pq_leaf_reader *lr, pq_vdec *vd, pq_encoding enc, const uint8_t *p, const uint8_t *end,
                 lago_err *err);
/*
** Decodes n values of the current page: lago values into dst (type_width
** each), or dictionary indexes into codes when codes != NULL (only for a
** dictionary-encoded page).
*/
int pq_vdec_get(pq_leaf_reader *lr, void *dst, uint32_t *codes, uint32_t n, arena *batch_ar, lago_err *err);

/* ======================================================================== */
/* assemble.c                                                                */
/* ======================================================================== */

/*
** Builds the vector `out` (type of node) for n_rows rows from the levels of
** the column's n_leaves leaves: lv[i] holds the levels of file leaf
** first_leaf + i, whose dense values are already at the front of its
** vector inside out (pq_leaf_vector). LAGO_CORRUPT when leaves disagree.
*/
int pq_assemble(const pq_anode *node, uint32_t first_leaf, uint32_t n_leaves, pq_levels *const *lv, vec *out,
                uint32_t n_rows, const char *what, lago_err *err);
/* The vector of `out`'s tree that holds the values of file leaf `leaf` (NULL if none). */
vec *pq_leaf_vector(const pq_anode *node, vec *out, uint32_t leaf);
/* Spreads the first n_dense values of v over entries 0..n (entry i valid where valid[i]), backwards, in place. */
void pq_spread(vec *v, const uint8_t *valid, uint32_t n, uint32_t n_dense);

/* ======================================================================== */
/* stats_skip.c                                                              */
/* ======================================================================== */

/*
** Decodes one statistics value (PLAIN, byte arrays without their length
** prefix) of leaf lf into its lago value at out (type_width bytes; strings
** are views of b's bytes). False if the bytes do not form a value.
*/
bool pq_stat_decode(const pq_leaf *lf, pq_bytes b, void *out);
/*
** The bounds a column chunk's statistics give for leaf lf, as lago values
** (16 bytes each): *has_min / *has_max say which can be trusted for
** pruning (sort order, legacy fields, NaN, inexact maxima). False when
** neither can.
*/
bool pq_stats_bounds(const pq_file_meta *fm, const pq_leaf *lf, const pq_statistics *st, void *min, void *max,
                     bool *has_min, bool *has_max);

/*
** codec_decompress.c: cheap plausibility check before allocating a page's
** uncompressed buffer: SNAPPY's stream header must state exactly dst_len,
** and LZ4, GZIP and ZSTD cannot expand src_len bytes beyond their format's
** maximum ratio. LAGO_CORRUPT otherwise (BROTLI has no useful bound).
*/
int pq_decompress_check(pq_codec c, const uint8_t *src, size_t src_len, size_t dst_len, const char *what,
                        lago_err *err);

/* Accessors reader.c gives the other files. */
const pq_schema *pq_file_schema_int(const pq_file *pf);
/*
** Opens a Parquet file held in memory (data is borrowed and must outlive
** the pq_file). For tests and fuzzing; name appears in messages.
*/
int pq_open_buffer(const void *data, size_t n, const char *name, pq_file **out, lago_err *err);

#endif /* LAGO_FORMAT_PARQUET_PQ_READ_INT_H */
