/*
** table/delta/delta.h: Delta Lake tables as the layers above use them
** (exec/, sql/, cdc/, stream/, cli/). Internals: delta_int.h; design and
** on-disk formats: src/table/README.md.
**
** Objects and lifetimes
**   delta_table     a table location (root path + handlers). Cheap; holds no
**                   state about versions. Caller frees with delta_table_free.
**   delta_snapshot  the table's state at one version: protocol, metadata,
**                   schema, app transactions, and (loaded on first use) the
**                   live files. Immutable after loading, refcounted
**                   (delta_snapshot_ref/unref), all memory in its own arena,
**                   so it may be shared by threads for reading.
**   delta_scan      a planned read of a snapshot: projected columns, pruned
**                   file list. Each file is read by its own
**                   delta_file_reader, so the executor can parallelise over
**                   files.
**   delta_txn       a transaction: collects actions and data files and
**                   commits them atomically as version N+1 with optimistic
**                   concurrency (retry/rebase on a lost race, conflict
**                   error when a winner invalidated what it read).
**
** Names: "logical" names are the column names users see; "physical" names
** are what the data files and the log's partitionValues/stats use under
** column mapping (equal to the logical names when mapping is off).
**
** Errors: LAGO_NOTFOUND (no table / version / file), LAGO_CORRUPT (bad log
** or data, with file and line), LAGO_UNSUPPORTED (a reader/writer feature
** lago lacks, named), LAGO_CONFLICT (a concurrent commit invalidated this
** transaction; both operations named), LAGO_IO, LAGO_NOMEM, LAGO_MISUSE.
*/
#ifndef LAGO_TABLE_DELTA_H
#define LAGO_TABLE_DELTA_H

#include <stdbool.h>
#include <stdint.h>

#include "table/handlers.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"
#include "vec/types.h"
#include "vec/vector.h"

/* ======================================================================== */
/* Actions (PROTOCOL.md "Actions"). Strings are NUL-terminated and owned by  */
/* whoever made the struct (a snapshot arena, a txn arena).                   */
/* ======================================================================== */

/* A string map (partitionValues, configuration, tags, format.options). */
typedef struct delta_kv {
  const char *key;
  const char *value;  /* NULL = JSON null */
} delta_kv;

typedef struct delta_map {
  uint32_t n;
  delta_kv *kv;       /* in source order */
} delta_map;

/* Value of key in m; *found tells presence (a present key may map to NULL). */
const char *delta_map_get(const delta_map *m, const char *key, bool *found);

/* Deletion vector descriptor ("Deletion Vectors"). storage_type 0 = none. */
typedef struct delta_dv {
  char storage_type;          /* 'u' relative UUID path, 'i' inline Z85, 'p' absolute path; 0 = no DV */
  const char *path_or_inline; /* as in the log */
  int32_t offset;             /* byte offset in the DV file; -1 when absent */
  int32_t size_in_bytes;      /* serialized bitmap bytes */
  int64_t cardinality;        /* rows deleted */
} delta_dv;

/* storageType + pathOrInlineDv [+ "@" + offset], allocated in ar ("" when no DV). NULL on OOM. */
const char *delta_dv_unique_id(arena *ar, const delta_dv *dv);

typedef enum delta_action_kind {
  DA_NONE = 0,
  DA_ADD,
  DA_REMOVE,
  DA_CDC,
  DA_METADATA,
  DA_PROTOCOL,
  DA_TXN,
  DA_COMMIT_INFO,
  DA_DOMAIN,
  DA_SIDECAR,
  DA_CHECKPOINT_META,
} delta_action_kind;

/* add, remove and cdc share one struct; fields a kind lacks stay zero/NULL. */
typedef struct delta_file {
  const char *path;          /* decoded (percent-decoded once) path, relative to the root unless absolute */
  delta_map partition_values;/* physical column name -> serialized value (NULL = null partition) */
  int64_t size;              /* bytes; -1 when absent (remove) */
  int64_t modification_time; /* add: ms since epoch */
  int64_t deletion_timestamp;/* remove: ms since epoch; -1 when absent */
  bool data_change;
  bool extended_file_metadata; /* remove */
  bool has_partition_values;   /* remove: partitionValues present */
  const char *stats;         /* JSON text or NULL */
  const char *stats_parsed_json; /* checkpoint stats_parsed re-rendered as stats JSON, or NULL */
  delta_map tags;
  delta_dv dv;
  int64_t base_row_id;       /* -1 when absent */
  int64_t default_row_commit_version; /* -1 when absent */
  const char *clustering_provider;
} delta_file;

typedef struct delta_protocol {
  int32_t min_reader;
  int32_t min_writer;
  int32_t n_reader_features; /* -1: list absent */
  const char **reader_features;
  int32_t n_writer_features; /* -1: list absent */
  const char **writer_features;
} delta_protocol;

typedef struct delta_metadata {
  const char *id;
  const char *name;          /* NULL when absent */
  const char *description;   /* NULL when absent */
  const char *format_provider;
  delta_map format_options;
  const char *schema_string; /* Spark StructType JSON */
  uint32_t n_partition_columns;
  const char **partition_columns; /* logical names, in order */
  delta_map configuration;
  int64_t created_time;      /* -1 when absent */
} delta_metadata;

typedef struct delta_txn_action {
  const char *app_id;
  int64_t version;
  int64_t last_updated;      /* -1 when absent */
} delta_txn_action;

typedef struct delta_domain {
  const char *domain;
  const char *configuration;
  bool removed;
} delta_domain;

/* commitInfo: the raw JSON object plus the fields lago interprets. */
typedef struct delta_commit_info {
  const char *json;          /* the whole commitInfo object as JSON text */
  int64_t timestamp;         /* -1 when absent */
  int64_t in_commit_timestamp; /* -1 when absent */
  const char *operation;     /* NULL when absent */
} delta_commit_info;

typedef struct delta_sidecar {
  const char *path;
  int64_t size_in_bytes;
  int64_t modification_time;
} delta_sidecar;

/* One action of any kind. */
typedef struct delta_action {
  delta_action_kind kind;
  union {
    delta_file file;         /* ADD, REMOVE, CDC */
    delta_metadata metadata;
    delta_protocol protocol;
    delta_txn_action txn;
    delta_commit_info commit_info;
    delta_domain domain;
    delta_sidecar sidecar;
    int64_t checkpoint_version; /* CHECKPOINT_META */
  } u;
} delta_action;

/* ======================================================================== */
/* Tables and snapshots                                                       */
/* ======================================================================== */

typedef struct delta_table delta_table;
typedef struct delta_snapshot delta_snapshot;

/*
** A table at directory `root` (no I/O yet: a missing table is reported when
** a snapshot is loaded). h is borrowed and must outlive the table. Caller
** frees with delta_table_free.
*/
int delta_table_open(const tbl_handlers *h, const char *root, delta_table **out, lago_err *err);
void delta_table_free(delta_table *t);
/* The root path (borrowed for the life of t) and handlers. */
const char *delta_table_root(const delta_table *t);
const tbl_handlers *delta_table_handlers(const delta_table *t);
/* True if root has a _delta_log with at least one commit or checkpoint. */
int delta_table_exists(delta_table *t, bool *out, lago_err *err);

/*
** Snapshots. version < 0 means the latest. The caller owns one reference and
** drops it with delta_snapshot_unref. Errors: LAGO_NOTFOUND (not a Delta
** table; version not in the log any more or not yet), LAGO_CORRUPT,
** LAGO_UNSUPPORTED (a reader feature lago lacks, named in the message).
*/
int delta_snapshot_load(delta_table *t, int64_t version, delta_snapshot **out, lago_err *err);
/*
** The snapshot of the newest version whose commit timestamp is <= ts_ms
** (in-commit timestamps where enabled, else the commit file's modification
** time). LAGO_NOTFOUND if ts_ms precedes the first available version.
*/
int delta_snapshot_load_at_time(delta_table *t, int64_t ts_ms, delta_snapshot **out, lago_err *err);
/* The snapshot of the latest version, or s itself (with a new reference) when nothing changed. */
int delta_snapshot_refresh(delta_snapshot *s, delta_snapshot **out, lago_err *err);
delta_snapshot *delta_snapshot_ref(delta_snapshot *s);
void delta_snapshot_unref(delta_snapshot *s);

/* Everything below is borrowed for the life of the snapshot. */
int64_t delta_snapshot_version(const delta_snapshot *s);
delta_table *delta_snapshot_table(const delta_snapshot *s);
const delta_protocol *delta_snapshot_protocol(const delta_snapshot *s);
const delta_metadata *delta_snapshot_metadata(const delta_snapshot *s);
/* Logical schema (STRUCT) with the Delta field metadata on each field. */
lago_type delta_snapshot_schema(const delta_snapshot *s);
/* Partition columns as indexes into the schema's top-level fields, in order. */
uint32_t delta_snapshot_n_partition_columns(const delta_snapshot *s);
const uint32_t *delta_snapshot_partition_columns(const delta_snapshot *s);
/* Table property (metaData.configuration), NULL when unset. */
const char *delta_snapshot_property(const delta_snapshot *s, const char *key);
/* Commit timestamp of the snapshot's version (ms), as time travel uses it. */
int64_t delta_snapshot_timestamp(const delta_snapshot *s);
/* commitInfo of the snapshot's version, NULL when it has none or it was not read (checkpoint only). */
const delta_commit_info *delta_snapshot_commit_info(const delta_snapshot *s);
/* Latest txn version recorded for app_id (-1 when none). */
int64_t delta_snapshot_app_version(const delta_snapshot *s, const char *app_id);
uint32_t delta_snapshot_n_app_txns(const delta_snapshot *s);
const delta_txn_action *delta_snapshot_app_txn(const delta_snapshot *s, uint32_t i);
/* Domain metadata by name (NULL when absent or removed), and the list of live domains. */
const delta_domain *delta_snapshot_domain(const delta_snapshot *s, const char *domain);
uint32_t delta_snapshot_n_domains(const delta_snapshot *s);
const delta_domain *delta_snapshot_domain_at(const delta_snapshot *s, uint32_t i);
/* Column mapping mode: "none", "name" or "id". */
const char *delta_snapshot_column_mapping(const delta_snapshot *s);

/*
** Live files (adds surviving reconciliation), in a stable order (path, then
** DV id). Loaded from the checkpoint and the tail commits on first call
** (thread-safe), then cached in the snapshot. *files is borrowed.
*/
int delta_snapshot_files(delta_snapshot *s, const delta_file **files, size_t *n, lago_err *err);
/* Tombstones (removes surviving reconciliation), loaded with the files. */
int delta_snapshot_tombstones(delta_snapshot *s, const delta_file **files, size_t *n, lago_err *err);
/* Number of rows of the live files (stats numRecords minus DV cardinalities); -1 if some file has no stats. */
int64_t delta_snapshot_num_rows(delta_snapshot *s, lago_err *err);

/* ======================================================================== */
/* History                                                                    */
/* ======================================================================== */

typedef struct delta_history_entry {
  int64_t version;
  int64_t timestamp;           /* ms: in-commit timestamp, else file modification time */
  const delta_commit_info *ci; /* NULL when the commit had no commitInfo */
} delta_history_entry;

/*
** Commits from newest to oldest still in the log (at most `limit`, 0 = all),
** allocated in ar.
*/
int delta_history(delta_table *t, uint32_t limit, arena *ar, delta_history_entry **out, size_t *n, lago_err *err);

/*
** Calls fn(ud, version, ci) for every commit still in the log with version
** >= min_version, oldest first (ci NULL when the commit has no commitInfo;
** borrowed for the call). Memory: one commit at a time. A non-zero return
** from fn stops the walk and is returned.
*/
typedef int (*delta_commit_fn)(void *ud, int64_t version, const delta_commit_info *ci, lago_err *err);
int delta_history_each(delta_table *t, int64_t min_version, delta_commit_fn fn, void *ud, lago_err *err);

/* ======================================================================== */
/* Scans                                                                      */
/* ======================================================================== */

typedef enum delta_pred_op {
  DP_EQ,
  DP_NE,
  DP_LT,
  DP_LE,
  DP_GT,
  DP_GE,
  DP_IS_NULL,
  DP_IS_NOT_NULL,
  DP_IN,
} delta_pred_op;

/*
** A simple predicate on a top-level column (logical name, case-insensitive):
** `col op literal`, `col IS [NOT] NULL`, `col IN (...)`. values holds the
** literal(s) in the column's type (1 row, n rows for IN; NULL for IS NULL).
** A list of predicates is a conjunction. They only prune files (partition
** values, min/max/nullCount statistics); rows are not filtered.
*/
typedef struct delta_pred {
  const char *column;
  delta_pred_op op;
  const vec *values;
} delta_pred;

/* Metadata columns a scan can add after the projected columns. */
#define DELTA_COL_FILE_PATH  "_metadata.file_path"  /* STRING: delta_file.path of the row's file */
#define DELTA_COL_ROW_INDEX  "_metadata.row_index"  /* BIGINT: row position in the physical file */

typedef struct delta_scan_opts {
  const char *const *columns; /* logical top-level names in output order; NULL = all columns */
  uint32_t n_columns;
  const delta_pred *preds;
  uint32_t n_preds;
  bool with_file_path;        /* add DELTA_COL_FILE_PATH */
  bool with_row_index;        /* add DELTA_COL_ROW_INDEX (MERGE/UPDATE/DELETE use it for DVs) */
  bool keep_deleted;          /* do not apply deletion vectors (CDF pre-images) */
  bool keep_dictionary;       /* deliver dictionary-encoded chunks as VEC_DICT (pq_read_opts.keep_dictionary) */
} delta_scan_opts;

typedef struct delta_scan delta_scan;
typedef struct delta_file_reader delta_file_reader;

/*
** Plans a scan: resolves columns, prunes files by partition values and
** statistics. Holds a reference on s. Caller frees with delta_scan_free.
*/
int delta_scan_new(delta_snapshot *s, const delta_scan_opts *opts, delta_scan **out, lago_err *err);
void delta_scan_free(delta_scan *sc);
/* Output schema (STRUCT of the projected and metadata columns). Borrowed. */
lago_type delta_scan_schema(const delta_scan *sc);
/* Files that survived pruning; files pruned so far. Borrowed. */
size_t delta_scan_n_files(const delta_scan *sc);
const delta_file *delta_scan_file(const delta_scan *sc, size_t i);
size_t delta_scan_n_pruned(const delta_scan *sc);

/*
** Reads file i of the scan. Batches have the scan schema's columns:
** partition columns materialised, column mapping resolved, types widened,
** missing columns NULL, rows deleted by the file's DV removed through the
** selection vector. Several readers of one scan may run on different threads.
*/
int delta_file_reader_open(delta_scan *sc, size_t i, delta_file_reader **out, lago_err *err);
/* Next batch; LAGO_OK with (*out)->n_rows == 0 ... or *out NULL at the end. Borrowed until the next call. */
int delta_file_reader_next(delta_file_reader *r, batch **out, lago_err *err);
void delta_file_reader_close(delta_file_reader *r);

/*
** Convenience: reads every file of the scan in order. *out is NULL at the end;
** batches are borrowed until the next call.
*/
typedef struct delta_scan_iter delta_scan_iter;
int delta_scan_iter_open(delta_scan *sc, delta_scan_iter **out, lago_err *err);
int delta_scan_iter_next(delta_scan_iter *it, batch **out, lago_err *err);
void delta_scan_iter_close(delta_scan_iter *it);

/* ======================================================================== */
/* Change data feed                                                           */
/* ======================================================================== */

/*
** Changes of versions [start, end] (both inclusive; end < 0 = latest) as
** batches of the table columns (schema of version `end`) plus
** `_change_type` STRING, `_commit_version` BIGINT, `_commit_timestamp`
** TIMESTAMP. Errors: start > end, start after the latest version, CDF not
** enabled at some version in the range (LAGO_UNSUPPORTED).
*/
typedef struct delta_cdf delta_cdf;
int delta_cdf_open(delta_table *t, int64_t start, int64_t end, delta_cdf **out, lago_err *err);
lago_type delta_cdf_schema(const delta_cdf *c);
int delta_cdf_next(delta_cdf *c, batch **out, lago_err *err);
void delta_cdf_close(delta_cdf *c);

/* ======================================================================== */
/* Transactions                                                               */
/* ======================================================================== */

typedef struct delta_txn delta_txn;

typedef enum delta_isolation {
  DELTA_WRITE_SERIALIZABLE = 0, /* default: blind appends by others never conflict */
  DELTA_SERIALIZABLE,
} delta_isolation;

typedef struct delta_txn_opts {
  const char *operation;        /* commitInfo.operation ("WRITE", "MERGE", ...); default "WRITE" */
  const char *operation_params; /* JSON object text for commitInfo.operationParameters, or NULL */
  const char *engine_info;      /* default "lago/<version>" */
  delta_isolation isolation;
  int max_retries;              /* on a lost race without conflict; 0 = default 100 */
  bool no_auto_checkpoint;      /* do not write the periodic checkpoint after commit */
} delta_txn_opts;

/*
** Starts a transaction reading snapshot s (a reference is taken), or
** creating the table when s is NULL (then delta_txn_set_metadata is
** required). Caller ends with delta_txn_commit or delta_txn_abort (both
** free it).
*/
int delta_txn_begin(delta_table *t, delta_snapshot *s, const delta_txn_opts *opts, delta_txn **out, lago_err *err);

/*
** Metadata for a new table, or a schema/partitioning/property change
** (replaces the whole metaData action). schema is a logical STRUCT; the
** protocol is raised to the lowest versions the schema and properties need
** (timestampNtz, columnMapping, deletionVectors, changeDataFeed, ...).
** Column mapping ids/physical names are assigned to new fields when the
** mode is name/id.
*/
int delta_txn_set_metadata(delta_txn *x, lago_type schema, uint32_t n_part, const char *const *part_cols,
                           const delta_map *config, lago_err *err);
/* Sets (value != NULL) or unsets one table property. */
int delta_txn_set_property(delta_txn *x, const char *key, const char *value, lago_err *err);
/*
** Schema evolution: adds the fields of `more` missing from the current
** schema, and widens types where `more` has a wider type (typeWidening).
*/
int delta_txn_evolve_schema(delta_txn *x, lago_type more, lago_err *err);
/* The version this transaction read (-1 when it creates the table). */
int64_t delta_txn_read_version(const delta_txn *x);
/* The root of the table x writes (borrowed for the life of x). */
const char *delta_txn_root(const delta_txn *x);
/* The txn version of app_id in the snapshot x read (-1: none, or x creates the table). */
int64_t delta_txn_app_version(const delta_txn *x, const char *app_id);
/* The schema this transaction writes with (after set_metadata/evolve). Borrowed. */
lago_type delta_txn_schema(const delta_txn *x);

/* Records what was read (for conflict checks). */
int delta_txn_read_file(delta_txn *x, const delta_file *f, lago_err *err);
/* The transaction read the whole table (any concurrent add/remove conflicts). */
void delta_txn_read_all(delta_txn *x);
/* Record the predicates the read used (partition-level conflict detection). */
int delta_txn_read_preds(delta_txn *x, const delta_pred *preds, uint32_t n, lago_err *err);

/*
** Writes rows (columns = delta_txn_schema fields in order, logical) to new
** data files under the root (Hive-style partition directories), with stats,
** and records the adds. May be called many times.
*/
int delta_txn_write(delta_txn *x, const batch *b, lago_err *err);
/*
** delta_txn_write for one of several concurrent writers: the rows go to files
** of `shard` (0 = delta_txn_write's). Calls for different shards may run at the
** same time on different threads (the encoding runs in parallel); calls for
** one shard must not overlap. The _cdc form writes change data the same way.
*/
int delta_txn_write_shard(delta_txn *x, uint32_t shard, const batch *b, lago_err *err);
int delta_txn_write_cdc_shard(delta_txn *x, uint32_t shard, const batch *b, lago_err *err);
/* Records an add for a file already written (path relative to the root, decoded). Copied. */
int delta_txn_add_file(delta_txn *x, const delta_file *add, lago_err *err);
/* Removes a live file of the read snapshot (copied). */
int delta_txn_remove_file(delta_txn *x, const delta_file *f, bool data_change, lago_err *err);
/*
** Deletes rows of a live file without rewriting it: writes a deletion
** vector holding the old DV's rows plus `rows` (0-based positions in the
** file) and commits remove(old) + add(with new DV). Needs
** delta.enableDeletionVectors=true (else LAGO_UNSUPPORTED: rewrite instead).
*/
int delta_txn_delete_rows(delta_txn *x, const delta_file *f, const uint64_t *rows, size_t n, lago_err *err);
/* Writes change-data rows (table columns + _change_type) to _change_data/ and records cdc actions. */
int delta_txn_write_cdc(delta_txn *x, const batch *b, lago_err *err);
/* Idempotent writes: records txn(app_id, version). */
int delta_txn_set_app_version(delta_txn *x, const char *app_id, int64_t version, lago_err *err);
/*
** Records a domainMetadata action (PROTOCOL.md "Domain Metadata"): the
** configuration string of a named domain, or its removal. The protocol gains
** the domainMetadata writer feature when it lacks it. A concurrent commit that
** changes the same domain conflicts with this one (never rebased over), so a
** domain can hold state that must change atomically with the data.
** Names starting with "delta." are refused (reserved for Delta's own domains).
*/
int delta_txn_set_domain(delta_txn *x, const char *domain, const char *configuration, bool removed, lago_err *err);
/*
** Adds members to commitInfo.operationParameters: json_object is a JSON
** object's text whose members are appended after the operation's own
** (a caller's bookkeeping, e.g. a stream's file list). Not validated beyond
** its braces: callers pass JSON they wrote.
*/
int delta_txn_add_params(delta_txn *x, const char *json_object, lago_err *err);
/* Adds operationMetrics entries to commitInfo (values as text, Spark style). */
int delta_txn_set_metric(delta_txn *x, const char *key, int64_t value, lago_err *err);
/* Marks the commit as a whole-table overwrite: every live file is removed. */
int delta_txn_remove_all(delta_txn *x, lago_err *err);

/*
** Commits: writes _delta_log/<v>.json with put-if-absent for v = read
** version + 1; on a lost race checks the winners (conflict rules of
** DELTA-CHECKLIST.md §14) and retries at the next version when there is no
** logical conflict. *version_out gets the committed version. Then writes a
** checkpoint when v is a multiple of delta.checkpointInterval. Frees x
** (whatever the outcome; on failure data files already written stay as
** unreferenced files that VACUUM removes).
*/
int delta_txn_commit(delta_txn *x, int64_t *version_out, lago_err *err);
void delta_txn_abort(delta_txn *x);

/* ======================================================================== */
/* Maintenance                                                                */
/* ======================================================================== */

/* Writes a classic checkpoint for the snapshot's version and updates _last_checkpoint. */
int delta_checkpoint_write(delta_snapshot *s, lago_err *err);

typedef struct delta_vacuum_opts {
  double retain_hours;  /* < 0 = delta.deletedFileRetentionDuration (default 168 h) */
  bool dry_run;
  bool force;           /* allow retain_hours below 168 */
} delta_vacuum_opts;

typedef struct delta_vacuum_result {
  size_t n_files;       /* files deleted (or that would be, dry run) */
  uint64_t bytes;
  char **paths;         /* the files (allocated in the caller's arena) */
} delta_vacuum_result;

int delta_vacuum(delta_table *t, const delta_vacuum_opts *opts, arena *ar, delta_vacuum_result *out, lago_err *err);

/* Deletes log files older than delta.logRetentionDuration that no retained version needs. */
int delta_log_cleanup(delta_snapshot *s, size_t *n_deleted, lago_err *err);

/*
** Strict validation of the whole log against the protocol (validate.c):
** fn(ud, version, line, message) is called for each violation (version -1
** for _last_checkpoint); *n_issues counts them. LAGO_OK even when issues
** are found; errors are I/O or memory failures.
*/
typedef void (*delta_issue_fn)(void *ud, int64_t version, size_t line, const char *msg);
int delta_validate(delta_table *t, delta_issue_fn fn, void *ud, size_t *n_issues, lago_err *err);

/* RESTORE TABLE TO VERSION v: commits the adds/removes that make the live files those of v. */
int delta_restore(delta_table *t, int64_t version, int64_t *version_out, lago_err *err);

#endif /* LAGO_TABLE_DELTA_H */
