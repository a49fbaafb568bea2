/*
** format/parquet/pq_meta.h: the Parquet file metadata as C structs, one per
** Thrift struct of parquet.thrift (apache/parquet-format), with the Thrift
** field ids in comments. Both directions use these structs:
**   meta_read.c   Thrift compact bytes -> structs (untrusted input: checked)
**   meta_write.c  structs -> Thrift compact bytes
**
** Memory: every pointer in these structs points into the arena the decoder
** was given (or, for the writer, memory the writer owns); nothing is freed
** individually. Optional Thrift fields have a `has_x` flag (or a NULL
** pointer / -1 for the rare ones documented so).
**
** File layout (Parquet spec, "File Format"), integers little-endian:
**   "PAR1" | column chunks (pages) ... | FileMetaData (Thrift compact) |
**   u32 footer_len | "PAR1"
** Each column chunk: [dictionary page] data pages...; every page starts
** with a PageHeader (Thrift compact) followed by compressed_page_size bytes.
*/
#ifndef LAGO_FORMAT_PARQUET_PQ_META_H
#define LAGO_FORMAT_PARQUET_PQ_META_H

#include <stdbool.h>
#include <stdint.h>

/* enum Type */
typedef enum pq_type {
  PQT_BOOLEAN = 0,
  PQT_INT32 = 1,
  PQT_INT64 = 2,
  PQT_INT96 = 3,
  PQT_FLOAT = 4,
  PQT_DOUBLE = 5,
  PQT_BYTE_ARRAY = 6,
  PQT_FIXED_LEN_BYTE_ARRAY = 7,
} pq_type;

/* enum ConvertedType (legacy annotations) */
typedef enum pq_converted {
  PQC_NONE = -1,
  PQC_UTF8 = 0,
  PQC_MAP = 1,
  PQC_MAP_KEY_VALUE = 2,
  PQC_LIST = 3,
  PQC_ENUM = 4,
  PQC_DECIMAL = 5,
  PQC_DATE = 6,
  PQC_TIME_MILLIS = 7,
  PQC_TIME_MICROS = 8,
  PQC_TIMESTAMP_MILLIS = 9,
  PQC_TIMESTAMP_MICROS = 10,
  PQC_UINT_8 = 11,
  PQC_UINT_16 = 12,
  PQC_UINT_32 = 13,
  PQC_UINT_64 = 14,
  PQC_INT_8 = 15,
  PQC_INT_16 = 16,
  PQC_INT_32 = 17,
  PQC_INT_64 = 18,
  PQC_JSON = 19,
  PQC_BSON = 20,
  PQC_INTERVAL = 21,
} pq_converted;

/* enum FieldRepetitionType */
typedef enum pq_repetition { PQR_REQUIRED = 0, PQR_OPTIONAL = 1, PQR_REPEATED = 2 } pq_repetition;

/* enum Encoding */
typedef enum pq_encoding {
  PQE_PLAIN = 0,
  PQE_PLAIN_DICTIONARY = 2,
  PQE_RLE = 3,
  PQE_BIT_PACKED = 4,
  PQE_DELTA_BINARY_PACKED = 5,
  PQE_DELTA_LENGTH_BYTE_ARRAY = 6,
  PQE_DELTA_BYTE_ARRAY = 7,
  PQE_RLE_DICTIONARY = 8,
  PQE_BYTE_STREAM_SPLIT = 9,
} pq_encoding;

/* enum CompressionCodec */
typedef enum pq_codec {
  PQ_CODEC_UNCOMPRESSED = 0,
  PQ_CODEC_SNAPPY = 1,
  PQ_CODEC_GZIP = 2,
  PQ_CODEC_LZO = 3,
  PQ_CODEC_BROTLI = 4,
  PQ_CODEC_LZ4 = 5, /* deprecated: Hadoop framing or bare LZ4 blocks */
  PQ_CODEC_ZSTD = 6,
  PQ_CODEC_LZ4_RAW = 7,
} pq_codec;

/* enum PageType */
typedef enum pq_page_type {
  PQP_DATA_PAGE = 0,
  PQP_INDEX_PAGE = 1,
  PQP_DICTIONARY_PAGE = 2,
  PQP_DATA_PAGE_V2 = 3,
} pq_page_type;

/* enum BoundaryOrder */
typedef enum pq_boundary { PQB_UNORDERED = 0, PQB_ASCENDING = 1, PQB_DESCENDING = 2 } pq_boundary;

/* Byte string (not NUL-terminated unless noted) pointing into the arena. */
typedef struct pq_bytes {
  const uint8_t *ptr;
  uint32_t len;
} pq_bytes;

/* TimeUnit union: MILLIS=1, MICROS=2, NANOS=3 */
typedef enum pq_time_unit { PQU_NONE = 0, PQU_MILLIS = 1, PQU_MICROS = 2, PQU_NANOS = 3 } pq_time_unit;

/* LogicalType union: which member is set. */
typedef enum pq_logical_kind {
  PQL_NONE = 0,
  PQL_STRING = 1,
  PQL_MAP = 2,
  PQL_LIST = 3,
  PQL_ENUM = 4,
  PQL_DECIMAL = 5,   /* scale(1), precision(2) */
  PQL_DATE = 6,
  PQL_TIME = 7,      /* isAdjustedToUTC(1), unit(2) */
  PQL_TIMESTAMP = 8, /* isAdjustedToUTC(1), unit(2) */
  /* 9: INTERVAL (reserved) */
  PQL_INTEGER = 10,  /* bitWidth(1), isSigned(2) */
  PQL_UNKNOWN = 11,  /* always null */
  PQL_JSON = 12,
  PQL_BSON = 13,
  PQL_UUID = 14,
  PQL_FLOAT16 = 15,
  PQL_VARIANT = 16,
  PQL_GEOMETRY = 17,
  PQL_GEOGRAPHY = 18,
} pq_logical_kind;

typedef struct pq_logical {
  pq_logical_kind kind;
  int32_t scale, precision;      /* DECIMAL */
  bool is_adjusted_to_utc;       /* TIME, TIMESTAMP */
  pq_time_unit unit;             /* TIME, TIMESTAMP */
  int8_t bit_width;              /* INTEGER: 8, 16, 32, 64 */
  bool is_signed;                /* INTEGER */
} pq_logical;

/* struct SchemaElement */
typedef struct pq_schema_element {
  bool has_type;
  pq_type type;                  /* 1 */
  int32_t type_length;           /* 2: FIXED_LEN_BYTE_ARRAY width; -1 if absent */
  bool has_repetition;
  pq_repetition repetition;      /* 3 (absent only on the root) */
  const char *name;              /* 4: NUL-terminated, in the arena */
  int32_t num_children;          /* 5: -1 if absent (leaf) */
  pq_converted converted;        /* 6: PQC_NONE if absent */
  int32_t scale;                 /* 7: -1 if absent */
  int32_t precision;             /* 8: -1 if absent */
  bool has_field_id;
  int32_t field_id;              /* 9 */
  pq_logical logical;            /* 10: kind PQL_NONE if absent */
} pq_schema_element;

/* struct Statistics */
typedef struct pq_statistics {
  bool has_max, has_min;                 /* 1, 2: deprecated, signed-order min/max */
  pq_bytes max, min;
  bool has_null_count;
  int64_t null_count;                    /* 3 */
  bool has_distinct_count;
  int64_t distinct_count;                /* 4 */
  bool has_max_value, has_min_value;     /* 5, 6: min/max in the column's sort order */
  pq_bytes max_value, min_value;
  bool has_is_max_value_exact, is_max_value_exact; /* 7 */
  bool has_is_min_value_exact, is_min_value_exact; /* 8 */
} pq_statistics;

/* struct KeyValue */
typedef struct pq_key_value {
  const char *key;   /* 1: NUL-terminated */
  const char *value; /* 2: NUL-terminated, NULL if absent */
  uint32_t value_len;
} pq_key_value;

/* struct PageEncodingStats */
typedef struct pq_page_encoding_stats {
  pq_page_type page_type; /* 1 */
  pq_encoding encoding;   /* 2 */
  int32_t count;          /* 3 */
} pq_page_encoding_stats;

/* struct ColumnMetaData */
typedef struct pq_column_meta {
  pq_type type;                       /* 1 */
  uint32_t n_encodings;
  pq_encoding *encodings;             /* 2 */
  uint32_t n_path;
  const char **path_in_schema;        /* 3 */
  pq_codec codec;                     /* 4 */
  int64_t num_values;                 /* 5 */
  int64_t total_uncompressed_size;    /* 6 */
  int64_t total_compressed_size;      /* 7 */
  uint32_t n_key_value;
  pq_key_value *key_value;            /* 8 */
  int64_t data_page_offset;           /* 9 */
  int64_t index_page_offset;          /* 10: -1 if absent */
  int64_t dictionary_page_offset;     /* 11: -1 if absent (0 is a known writer bug: treat as absent) */
  bool has_statistics;
  pq_statistics statistics;           /* 12 */
  uint32_t n_encoding_stats;
  pq_page_encoding_stats *encoding_stats; /* 13 */
  int64_t bloom_filter_offset;        /* 14: -1 if absent */
  int32_t bloom_filter_length;        /* 15: -1 if absent */
} pq_column_meta;

/* struct ColumnChunk */
typedef struct pq_column_chunk {
  const char *file_path;              /* 1: NULL if absent (data in this file) */
  int64_t file_offset;                /* 2 (deprecated) */
  bool has_meta_data;
  pq_column_meta meta_data;           /* 3 */
  int64_t offset_index_offset;        /* 4: -1 if absent */
  int32_t offset_index_length;        /* 5 */
  int64_t column_index_offset;        /* 6: -1 if absent */
  int32_t column_index_length;        /* 7 */
  bool has_crypto_metadata;           /* 8: encrypted column: reading is unsupported */
  bool has_encrypted_column_metadata; /* 9 */
} pq_column_chunk;

/* struct SortingColumn */
typedef struct pq_sorting_column {
  int32_t column_idx; /* 1 */
  bool descending;    /* 2 */
  bool nulls_first;   /* 3 */
} pq_sorting_column;

/* struct RowGroup */
typedef struct pq_row_group {
  uint32_t n_columns;
  pq_column_chunk *columns;           /* 1: one per leaf column, in schema order */
  int64_t total_byte_size;            /* 2 */
  int64_t num_rows;                   /* 3 */
  uint32_t n_sorting_columns;
  pq_sorting_column *sorting_columns; /* 4 */
  int64_t file_offset;                /* 5: -1 if absent */
  int64_t total_compressed_size;      /* 6: -1 if absent */
  int32_t ordinal;                    /* 7: -1 if absent */
} pq_row_group;

/* ColumnOrder union: TYPE_DEFINED_ORDER(1) or IEEE_754_TOTAL_ORDER(2) per leaf */
typedef enum pq_column_order { PQO_UNDEFINED = 0, PQO_TYPE_DEFINED = 1, PQO_IEEE754_TOTAL = 2 } pq_column_order;

/* struct FileMetaData */
typedef struct pq_file_meta {
  int32_t version;                    /* 1 */
  uint32_t n_schema;
  pq_schema_element *schema;          /* 2: depth-first, element 0 is the root */
  int64_t num_rows;                   /* 3 */
  uint32_t n_row_groups;
  pq_row_group *row_groups;           /* 4 */
  uint32_t n_key_value;
  pq_key_value *key_value;            /* 5 */
  const char *created_by;             /* 6: NULL if absent */
  uint32_t n_column_orders;
  pq_column_order *column_orders;     /* 7: one per leaf, or none */
  bool has_encryption_algorithm;      /* 8: footer-encrypted files never get here (magic PARE) */
} pq_file_meta;

/* struct DataPageHeader */
typedef struct pq_data_page_header {
  int32_t num_values;                 /* 1: values including nulls */
  pq_encoding encoding;               /* 2 */
  pq_encoding definition_level_encoding; /* 3 */
  pq_encoding repetition_level_encoding; /* 4 */
  bool has_statistics;
  pq_statistics statistics;           /* 5 */
} pq_data_page_header;

/* struct DictionaryPageHeader */
typedef struct pq_dict_page_header {
  int32_t num_values;                 /* 1 */
  pq_encoding encoding;               /* 2 */
  bool is_sorted;                     /* 3 */
} pq_dict_page_header;

/* struct DataPageHeaderV2 */
typedef struct pq_data_page_header_v2 {
  int32_t num_values;                 /* 1 */
  int32_t num_nulls;                  /* 2 */
  int32_t num_rows;                   /* 3 */
  pq_encoding encoding;               /* 4 */
  int32_t definition_levels_byte_length; /* 5 */
  int32_t repetition_levels_byte_length; /* 6 */
  bool is_compressed;                 /* 7: default true */
  bool has_statistics;
  pq_statistics statistics;           /* 8 */
} pq_data_page_header_v2;

/* struct PageHeader */
typedef struct pq_page_header {
  pq_page_type type;                  /* 1 */
  int32_t uncompressed_page_size;     /* 2 */
  int32_t compressed_page_size;       /* 3 */
  bool has_crc;
  int32_t crc;                        /* 4: CRC32 of the compressed page bytes */
  bool has_data_page_header, has_dictionary_page_header, has_data_page_header_v2;
  pq_data_page_header data_page_header;       /* 5 */
  pq_dict_page_header dictionary_page_header; /* 7 */
  pq_data_page_header_v2 data_page_header_v2; /* 8 */
} pq_page_header;

/* struct PageLocation (OffsetIndex) */
typedef struct pq_page_location {
  int64_t offset;                     /* 1 */
  int32_t compressed_page_size;       /* 2 */
  int64_t first_row_index;            /* 3 */
} pq_page_location;

typedef struct pq_offset_index {
  uint32_t n_pages;
  pq_page_location *page_locations;   /* 1 */
} pq_offset_index;

/* struct ColumnIndex */
typedef struct pq_column_index {
  uint32_t n_pages;
  bool *null_pages;                   /* 1 */
  pq_bytes *min_values;               /* 2 */
  pq_bytes *max_values;               /* 3 */
  pq_boundary boundary_order;         /* 4 */
  int64_t *null_counts;               /* 5: NULL if absent */
} pq_column_index;

#endif /* LAGO_FORMAT_PARQUET_PQ_META_H */
