/*
** exec/source.h: the generic scan interface (Delta tables, Parquet, CSV, JSON
** files and in-memory tables all look the same to the executor).
**
** A source definition (exec_source) is built by the planner from the catalog
** and is read-only: a vtable plus the source's own config and its schema. At
** run time the scan operator:
**   1. open(config, args)      once per query: projected columns, pushed-down
**                              filters; the source prunes files/row groups and
**                              plans its morsels (units of parallel work:
**                              row groups, files, batch ranges);
**   2. cursor_open(inst, m)    for each morsel m, from any thread (several
**                              cursors of one instance may run concurrently);
**   3. cursor_next(cur, &b)    batches of the projected columns, until n_rows == 0;
**   4. cursor_close, close.
**
** Pushed-down filters are hints: a source may skip data that cannot match
** (min/max statistics, partition values) but need not remove every
** non-matching row; the executor keeps its own filter above the scan.
**
** Batches returned by cursor_next belong to the cursor and stay valid until
** the next cursor_next or cursor_close on it. Column i of a batch is the
** projected column args->cols[i], of type src->types[args->cols[i]].
*/
#ifndef LAGO_EXEC_SOURCE_H
#define LAGO_EXEC_SOURCE_H

#include "util/buf.h"
#include "util/status.h"
#include "vec/vector.h"

typedef enum source_filter_op {
  SF_EQ = 1, SF_NE, SF_LT, SF_LE, SF_GT, SF_GE, /* column op value */
  SF_IS_NULL, SF_IS_NOT_NULL,                   /* no value */
  SF_IN,                                        /* column IN values[0..len) */
} source_filter_op;

typedef struct source_filter {
  uint32_t col;        /* index into the projected columns */
  uint8_t op;          /* source_filter_op */
  const vec *values;   /* FLAT vector of the column's type (1 value; n for SF_IN); NULL for null tests */
} source_filter;

typedef struct source_scan_args {
  const uint32_t *cols;             /* source column indexes to produce, in order */
  uint32_t n_cols;
  const source_filter *filters;     /* conjunction of hints */
  uint32_t n_filters;
  uint32_t batch_rows;              /* preferred rows per batch (<= LAGO_VECTOR_SIZE) */
} source_scan_args;

typedef struct exec_source_vtab {
  const char *name; /* "memory", "delta", "parquet" (EXPLAIN) */
  /* Opens a scan; *inst is freed by close. */
  int (*open)(const void *config, const source_scan_args *args, void **inst, lago_err *err);
  /* Number of morsels of the opened scan (0 if empty). */
  uint32_t (*n_morsels)(void *inst);
  int (*cursor_open)(void *inst, uint32_t morsel, void **cur, lago_err *err);
  /* Next batch, or a batch with n_rows == 0 at the end of the morsel. */
  int (*cursor_next)(void *cur, batch **out, lago_err *err);
  void (*cursor_close)(void *cur);
  void (*close)(void *inst);
  /* EXPLAIN details ("files=3 pruned=5"); inst is NULL before open. Optional. */
  int (*explain)(const void *config, const void *inst, buf *out);
} exec_source_vtab;

typedef struct exec_source {
  const exec_source_vtab *vt;
  const void *config;           /* the source's own description (owned by the planner's arena) */
  uint32_t n_cols;              /* full schema */
  const lago_type *types;
  const char *const *names;
  const char *label;            /* table name for EXPLAIN */
} exec_source;

/*
** In-memory source for tests and materialized inputs: rows appended as
** batches (copied, compacted), split into morsels of `morsel_batches` batches
** of up to `batch_rows` rows. Honors SF_* filters exactly only as hints (it
** skips nothing). memsource_new allocates everything (the definition too)
** in its own heap arena; free with memsource_free after every query using it
** is closed.
*/
typedef struct memsource memsource;
memsource *memsource_new(uint32_t n_cols, const lago_type *types, const char *const *names, const char *label);
void memsource_free(memsource *m);
/* Copies the selected rows of b (types must match). */
int memsource_append(memsource *m, const batch *b);
/* Rows per batch produced by scans (default LAGO_VECTOR_SIZE) and batches per morsel (default 4); applies to later scans. */
void memsource_set_shape(memsource *m, uint32_t batch_rows, uint32_t morsel_batches);
uint64_t memsource_rows(const memsource *m);
/* The stored batches in append order (FLAT, compact; at most LAGO_VECTOR_SIZE rows each), borrowed for the life of m. */
uint32_t memsource_n_batches(const memsource *m);
const batch *memsource_batch(const memsource *m, uint32_t i);
/* The source definition to put in a scan plan (borrowed for the life of m). */
const exec_source *memsource_source(memsource *m);

#endif /* LAGO_EXEC_SOURCE_H */
