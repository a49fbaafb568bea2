/*
** table/delta/scan_int.h: scan internals shared by scan.c, conform.c,
** reader.c and cdf.c. Private to table/delta/.
*/
#ifndef LAGO_TABLE_DELTA_SCAN_INT_H
#define LAGO_TABLE_DELTA_SCAN_INT_H

#include "table/delta/delta_int.h"
#include "table/delta/dv.h"

typedef enum scan_col_kind { SC_DATA, SC_PARTITION, SC_FILE_PATH, SC_ROW_INDEX } scan_col_kind;

typedef struct scan_col {
  scan_col_kind kind;
  const type_field *field;  /* DATA/PARTITION: the logical field (borrowed from the snapshot schema) */
  uint32_t part;            /* PARTITION: index among the partition columns */
} scan_col;

struct delta_scan {
  arena *ar;                /* "query": columns, schema */
  delta_snapshot *s;        /* reference held */
  scan_col *cols;
  uint32_t n_cols;
  lago_type schema;         /* output STRUCT */
  const delta_file **files; /* heap; borrowed from the snapshot */
  size_t n_files, n_pruned;
  bool keep_deleted;
  bool keep_dictionary;
};

/* Which rows of a file a reader returns. */
typedef enum scan_rows_mode { SR_ALL, SR_DROP, SR_KEEP } scan_rows_mode;
typedef struct scan_rows {
  scan_rows_mode mode;      /* ALL; DROP the rows in set (a DV); KEEP only those (CDF deletes) */
  dv_rows set;
  dv_bits bits;             /* DROP of the file's own DV: the set as a bitset (set is then empty) */
} scan_rows;

struct delta_file_reader {
  arena *ar;                /* per file: mapping, partition values, DV rows */
  arena *bar;               /* per batch: output vectors */
  delta_scan *sc;           /* borrowed */
  const delta_file *f;      /* borrowed */
  pq_file *pf;
  pq_reader *rd;            /* NULL when no data column is read */
  int *map;                 /* output column -> projected file column, -1 = NULL / not data */
  vec **part_vals;          /* PARTITION columns: 1-row value */
  uint32_t n_proj;
  int ct_col;               /* projected index of _change_type, -1 */
  uint64_t rows_left;       /* when rd is NULL: rows still to produce */
  uint64_t next_row;        /* physical position of the next batch's first row */
  scan_rows rows;
  uint64_t set_pos;         /* cursor into rows.set */
};

/*
** Opens file f for scan sc. rows NULL: drop the rows of f's own DV (unless
** the scan keeps deleted rows). with_change_type: also read the file's
** _change_type column (CDF change data files).
*/
int delta_file_reader_open_ex(delta_scan *sc, const delta_file *f, const scan_rows *rows, bool with_change_type,
                              delta_file_reader **out, lago_err *err);
/* As delta_file_reader_next; *change_type (when asked) is the _change_type vector of the batch. */
int delta_file_reader_next_ex(delta_file_reader *r, batch **out, vec **change_type, lago_err *err);

/* Index of the child of a file STRUCT type that holds logical field f (-1 if none). */
int delta_find_child(arena *ar, lago_type file_t, const type_field *f, const char *mode);
/* Converts src (a file vector) to logical type t; *out may be src itself. */
int delta_conform(arena *ar, const vec *src, lago_type t, const char *mode, const char *col, vec **out,
                  lago_err *err);

#endif /* LAGO_TABLE_DELTA_SCAN_INT_H */
