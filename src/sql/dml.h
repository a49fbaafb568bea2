/*
** sql/dml.h: internals shared by the data-changing statements (stmt_dml.c:
** INSERT, UPDATE, DELETE; stmt_merge.c: MERGE). Implemented in dml_util.c.
** Private to sql/.
*/
#ifndef LAGO_SQL_DML_H
#define LAGO_SQL_DML_H

#include <pthread.h>

#include "sql/sql_int.h"

/* ---- touched target rows ---------------------------------------------------------- */

typedef struct touch_set touch_set;
/* A set filled by up to n_threads threads (freed at statement end). */
int touch_new(sql_ctx *q, int n_threads, touch_set **out);
/* Adds rows sel[0..n) given by a file path (STRING) and row position (BIGINT) column; NULL rows are skipped. */
int touch_add(touch_set *ts, int thread, const vec *path, const vec *rowidx, const uint32_t *sel, uint32_t n,
              lago_err *err);
/* Marks a whole file (OPTIMIZE's choice of files to rewrite; thread 0). */
int touch_add_path(touch_set *ts, const char *path, lago_err *err);
/* Merges the threads' tables and sorts positions (after the plan ran). */
int touch_finish(touch_set *ts, lago_err *err);
/* Positions added more than once (MERGE: several source rows matched one target row). */
uint64_t touch_dups(const touch_set *ts);
/* The i-th recorded duplicate (up to 8): 1 and its file and position, or 0. */
uint32_t touch_dup_at(const touch_set *ts, uint32_t i, const char **path, uint64_t *row);
/* Slots 0..touch_n_slots-1; touch_slot returns the file path or NULL for an empty slot. */
uint32_t touch_n_slots(const touch_set *ts);
const char *touch_slot(const touch_set *ts, uint32_t i, const uint64_t **rows, size_t *n);
/* True when some position of path was added (after touch_finish). */
bool touch_has_file(const touch_set *ts, const char *path);
/* Distinct positions. */
uint64_t touch_rows(const touch_set *ts);

/* ---- the pipeline sink ------------------------------------------------------------- */

#define DML_MAX_THREADS 64

typedef struct dml_sink {
  delta_txn *x;             /* written by shard = thread (delta_txn_write_shard) */
  pthread_mutex_t mu;       /* guards the counters */
  arena *scratch[DML_MAX_THREADS]; /* per thread */
  touch_set *ts;            /* record (path_col, row_col) when set */
  int path_col, row_col;
  uint32_t write_from, n_write; /* columns written as new rows (n_write 0: none) */
  uint32_t n_table_cols;    /* table columns (for CDC) */
  uint32_t n_cdc;           /* change data written per batch */
  uint32_t cdc_from[2];
  const char *cdc_type[2];  /* "delete", "update_preimage", ... */
  int64_t written;
} dml_sink;

int dml_sink_init(sql_ctx *q, dml_sink *s, delta_txn *x);
void dml_sink_deinit(dml_sink *s);
/* sql_sink_fn over a dml_sink. */
int dml_sink_fn(void *ud, int thread, batch *b, lago_err *err);

/* ---- targets ---------------------------------------------------------------------------- */

typedef struct dml_target {
  sql_table tb;             /* opened table and its latest snapshot */
  lago_type schema;
  uint32_t n_cols;          /* table columns; the source adds file_path, row_index after them */
  bool use_dv;              /* delta.enableDeletionVectors */
  bool cdf;                 /* delta.enableChangeDataFeed */
  exec_source *src;         /* Delta source with metadata columns */
  lp *get;                  /* LP_GET over src (all columns) */
  scope *sc;                /* table columns, qualified by the alias or the table name */
  const delta_file *files;  /* live files of the snapshot */
  size_t n_files;
  uint32_t *fmap;           /* path hash -> index in files */
  uint32_t fmap_cap;
} dml_target;

int dml_target_open(sql_ctx *q, const sql_table_ref *t, dml_target *out);
const delta_file *dml_target_file(const dml_target *t, const char *path);
/* Live rows of a file (numRecords minus its deletion vector), -1 without statistics. */
int64_t dml_file_rows(sql_ctx *q, const delta_file *f);

typedef struct dml_counts {
  int64_t removed_files, dv_files, added_files;
} dml_counts;

/* Deletes the touched rows: deletion vectors, or removes files whose rows are all gone. */
int dml_apply_deletes(sql_ctx *q, dml_target *t, delta_txn *x, touch_set *ts, int pos, dml_counts *c);
/* Restricts a Delta source (made with source_delta_new) to the touched files of ts (NULL: no restriction). */
void source_delta_restrict(const exec_source *src, const touch_set *ts);

#endif /* LAGO_SQL_DML_H */
