/*
** cdc/cdc.h: change data capture into Delta tables, for cli/ (`lago cdc`)
** and, later, pipelines' APPLY CHANGES. Design, semantics, the state kept
** with each table and the crash-consistency argument: src/cdc/README.md.
**
** Three pieces:
**   cdc_spec     how to read a change feed: key column(s), the sequence
**                column, the operation column and its codes, columns to
**                leave out, semantics (sequenced = APPLY CHANGES / AUTO CDC,
**                seed = the plain dedupe + MERGE users write), tombstone
**                retention, where bad rows go;
**   cdc_applier  the apply core: one batch of change rows -> one Delta commit
**                of the target table (MERGE with deletion vectors through
**                sql/, plus the per-key sequence state in the same commit);
**   cdc_config / cdc_run  ingestor definitions (YAML) and the driver: full
**                load when the table does not exist, then the CDC files as an
**                exactly-once stream (stream/) with the applier as its sink.
**
** Errors: LAGO_PARSE (config files: "file:line:col: ..."), LAGO_BIND (a
** column the spec names is missing or of the wrong kind), LAGO_NOTFOUND,
** LAGO_CONFLICT (a concurrent writer kept winning: retries exhausted),
** LAGO_IO, LAGO_NOMEM, LAGO_CORRUPT (a table's CDC state is unreadable).
*/
#ifndef LAGO_CDC_H
#define LAGO_CDC_H

#include <stdbool.h>
#include <stdint.h>

#include "sql/engine.h"
#include "util/arena.h"
#include "util/status.h"
#include "vec/vector.h"

#define CDC_MAX_KEYS 16
#define CDC_MAX_CODES 8
#define CDC_MAX_IGNORE 64
#define CDC_MAX_OPTIONS 64

typedef enum cdc_semantics {
  CDC_SEQUENCED = 0, /* SCD type 1 by sequence: a change not newer than what the key has is ignored, across batches */
  CDC_SEED,          /* per batch: latest change per key, then MERGE; nothing remembered (a late change applies) */
} cdc_semantics;

/* How a change row's operation is applied. */
typedef enum cdc_op_kind { CDC_OP_BAD = 0, CDC_OP_INSERT = 'I', CDC_OP_UPDATE = 'U', CDC_OP_DELETE = 'D' } cdc_op_kind;

typedef struct cdc_spec {
  const char *keys[CDC_MAX_KEYS];   /* key columns (composite allowed) */
  uint32_t n_keys;
  const char *sequence;             /* sequence column: any orderable type (timestamp, LSN number, ...) */
  const char *op_column;            /* operation column (default "op") */
  const char *insert_codes[CDC_MAX_CODES]; /* default I; Debezium: c, r */
  uint32_t n_insert;
  const char *update_codes[CDC_MAX_CODES]; /* default U; Debezium: u */
  uint32_t n_update;
  const char *delete_codes[CDC_MAX_CODES]; /* default D; Debezium: d */
  uint32_t n_delete;
  bool codes_case_insensitive;      /* compare codes ignoring ASCII case (default false) */
  const char *ignore[CDC_MAX_IGNORE]; /* change columns that are not table columns (op and sequence by default) */
  uint32_t n_ignore;
  bool keep_sequence;               /* the sequence column is a table column too (default: left out) */
  cdc_semantics semantics;
  int64_t tombstone_retention_ms;   /* cdc.tombstoneRetention: deleted keys remembered this long (default 7 days; -1 forever) */
  const char *quarantine;           /* table for bad rows (NULL: <table>_quarantine; "" : fail the batch instead) */
} cdc_spec;

/* Defaults: op column "op", codes I/U/D, sequenced, retention 7 days. */
void cdc_spec_init(cdc_spec *s);
/* Op code presets: "default" (I/U/D) or "debezium" (c,r/u/d). LAGO_BIND for another name. */
int cdc_spec_set_codes(cdc_spec *s, const char *preset, lago_err *err);
/* Checks the spec itself (keys present, no duplicates, sequence set, codes disjoint). */
int cdc_spec_check(const cdc_spec *s, lago_err *err);
/* "sequenced" / "seed" -> semantics. */
int cdc_semantics_parse(const char *text, cdc_semantics *out, lago_err *err);
const char *cdc_semantics_name(cdc_semantics s);

/* ======================================================================== */
/* The apply core                                                             */
/* ======================================================================== */

/* Who applies a batch, for exactly-once: the commit carries txn(app_id, batch_id). */
typedef struct cdc_batch_id {
  const char *app_id;    /* e.g. the stream id; NULL = no txn (a one-off apply) */
  int64_t batch_id;
  const char *params;    /* JSON object text added to commitInfo.operationParameters, or NULL */
} cdc_batch_id;

/* What one batch did (also in the commit's operationMetrics). */
typedef struct cdc_batch_result {
  int64_t version;          /* target version committed, -1 if the batch was already applied */
  bool already;             /* txn(app_id) showed the batch applied: nothing done */
  uint64_t changes;         /* change rows read */
  uint64_t quarantined;     /* rows with a NULL key or sequence, or an unknown operation */
  uint64_t latest;          /* latest change per key */
  uint64_t ignored;         /* sequenced: latest changes not newer than the key's remembered sequence */
  int64_t inserted, updated, deleted; /* target rows */
  int64_t files_added, files_removed, dvs_added;
  uint64_t state_entries;   /* per-key sequences remembered after the batch (sequenced; with duplicates across segments) */
  uint32_t state_segments;
  int attempts;             /* 1 + retries after concurrent commits */
  double seconds;
} cdc_batch_result;

typedef struct cdc_applier cdc_applier;

/*
** An applier for the Delta table at `root`, named `table_sql` in SQL (a
** quoted multi-part name or delta.`path`). sess is borrowed (the applier
** registers its inputs and sets a commit hook on it while a batch runs);
** spec is copied. quarantine_sql names the quarantine table (NULL = none:
** bad rows fail the batch). Caller frees with cdc_applier_free.
*/
int cdc_applier_new(sql_session *sess, const char *table_sql, const char *root, const char *quarantine_sql,
                    const cdc_spec *spec, cdc_applier **out, lago_err *err);
void cdc_applier_free(cdc_applier *a);

/*
** Applies one batch of change rows: `next` yields batches with the columns
** of `schema` (a STRUCT holding the keys, the sequence, the op column and
** the table's columns); n_rows == 0 ends. Exactly one commit of the target
** (and, first, one of the quarantine table when there are bad rows); on a
** lost race with another writer the batch is computed again on the new
** table state, up to 20 times. id->app_id: skipped when the target already
** has txn(app_id) >= batch_id.
*/
typedef int (*cdc_rows_fn)(void *ud, batch **out, lago_err *err);
int cdc_apply(cdc_applier *a, lago_type schema, cdc_rows_fn next, void *next_ud, const cdc_batch_id *id,
              cdc_batch_result *out, lago_err *err);

/* The per-key state of a table (sequenced semantics), as `lago cdc state` shows it. */
typedef struct cdc_state_info {
  bool present;             /* the table has CDC state */
  const char *keys;         /* "a, b" (in the caller's arena) */
  const char *sequence;
  uint32_t segments;
  uint64_t entries;         /* rows over all segments */
  uint64_t tombstones;      /* of which deleted keys */
  uint64_t bytes;
  int64_t version;          /* table version read */
} cdc_state_info;
int cdc_state_describe(sql_session *sess, const char *root, arena *ar, cdc_state_info *out, lago_err *err);
/*
** Rewrites the state as one segment (latest entry per key; tombstones older
** than the retention dropped) in a commit of its own. *did: there was
** something to compact.
*/
int cdc_state_compact(cdc_applier *a, bool *did, lago_err *err);

/* ======================================================================== */
/* Ingestor definitions and the driver                                        */
/* ======================================================================== */

typedef enum cdc_format { CDC_FMT_PARQUET = 1, CDC_FMT_CSV, CDC_FMT_JSON } cdc_format;

typedef struct cdc_table_def {
  const char *catalog, *schema, *table; /* target: catalog.schema.table (default catalog main, schema default) */
  const char *path;                     /* or a directory (then catalog/schema/table unused) */
  cdc_format format;                    /* of both the full load and the CDC files */
  const char *full_load;                /* directory or glob of the full-load files, or NULL */
  const char *cdc;                      /* directory (or dir/glob) the CDC files land in */
  const char *columns;                  /* explicit schema "a BIGINT, b STRING" (NULL = inferred and pinned) */
  const char *checkpoint;               /* stream checkpoint (NULL = <warehouse>/_lago_streams/<name>) */
  const char *opt_keys[CDC_MAX_OPTIONS];/* reader / Auto Loader options (header, sep, maxFilesPerTrigger, ...) */
  const char *opt_values[CDC_MAX_OPTIONS];
  uint32_t n_opts;
  cdc_spec spec;
  const char *file;                     /* where it was defined, for messages: "x.yaml:12" */
} cdc_table_def;

typedef struct cdc_config {
  cdc_table_def *tables;
  uint32_t n_tables;
} cdc_config;

/*
** Reads an ingestor file (YAML; one table, or `tables:` with several and
** optional `defaults:`) into ar. Relative paths are taken from the file's
** directory. Every error says "file:line:col: ...". The format is in
** src/cdc/README.md ("Ingestor files").
*/
int cdc_config_load(const char *path, arena *ar, cdc_config *out, lago_err *err);
int cdc_config_parse(const char *file, const char *text, size_t len, const char *base_dir, arena *ar, cdc_config *out,
                     lago_err *err);

typedef enum cdc_event_kind { CDC_INFO = 0, CDC_WARN } cdc_event_kind;

typedef struct cdc_run_hooks {
  void (*on_event)(void *ud, const cdc_table_def *t, cdc_event_kind kind, const char *msg);
  void (*on_full_load)(void *ud, const cdc_table_def *t, int64_t rows, int64_t version, double seconds);
  void (*on_batch)(void *ud, const cdc_table_def *t, int64_t batch_id, uint32_t files, const cdc_batch_result *r);
  void *ud;
} cdc_run_hooks;

typedef struct cdc_run_opts {
  const char *warehouse;
  bool full_refresh;        /* drop and reload the table, reset the CDC progress and state */
  bool once;                /* trigger once (one batch with everything) instead of availableNow */
  int threads;              /* 0 = the session default */
  int64_t max_files;        /* maxFilesPerTrigger override (0 = the definition's or the stream default) */
} cdc_run_opts;

/* What a run of one table did. */
typedef struct cdc_run_result {
  bool full_loaded;
  int64_t full_load_rows;
  uint64_t batches, files, changes, quarantined, ignored;
  int64_t inserted, updated, deleted;
  int64_t version;          /* table version at the end */
  double seconds;
} cdc_run_result;

/*
** Runs one table: full load if the table does not exist (resetting the CDC
** progress), then every CDC file not yet applied, as availableNow batches,
** each one exactly once. With nothing new it reads only the table's log tail
** and the checkpoint. A stop request (cdc_request_stop) ends after the batch
** in flight.
*/
int cdc_run_table(const cdc_table_def *t, const cdc_run_opts *o, const cdc_run_hooks *hooks, cdc_run_result *out,
                  lago_err *err);
/* Async-signal-safe: stops runs after their batch in flight. */
void cdc_request_stop(void);

/* The target's name for messages and SQL ("main.upsell.bronze_x" or the path), in ar. */
const char *cdc_table_display(const cdc_table_def *t, arena *ar);

#endif /* LAGO_CDC_H */
