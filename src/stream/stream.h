/*
** stream/stream.h: incremental file ingestion with Auto Loader semantics
** (Databricks `cloudFiles`), for cli/ (`lago ingest`), api/ and, later,
** sql/ (`STREAM read_files`, `COPY INTO`). Design, on-disk formats and the
** exactly-once argument: src/stream/README.md.
**
** A stream reads new files of one format (CSV, JSON, Parquet) from a source
** directory and delivers them in micro-batches to a sink:
**   - a Delta table (appended; created when missing), each batch one Delta
**     commit carrying txn(appId = stream id, version = batch id) and the
**     batch's source file list, so progress and data commit together;
**   - or a C callback that pulls the batch's rows (at-least-once: a batch
**     may be delivered again with the same id after a failure).
** Progress lives in a checkpoint directory (ckpt.h); for a Delta sink the
** table's own log is authoritative and progress is rebuilt from it when the
** checkpoint is lost, or reset when the table is not the one the checkpoint
** fed.
**
** Lifetime: stream_open ... stream_run ... stream_close. stream_run returns
** after the trigger's work is done (availableNow, once), or when
** stream_request_stop was called (from a signal handler: it only sets a
** flag; the batch in flight still finishes and commits).
*/
#ifndef LAGO_STREAM_H
#define LAGO_STREAM_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "table/handlers.h"
#include "util/arena.h"
#include "util/status.h"
#include "vec/vector.h"

/* ---- options --------------------------------------------------------------- */

typedef enum stream_format { STREAM_CSV = 1, STREAM_JSON, STREAM_PARQUET } stream_format;

typedef enum stream_trigger_kind {
  TRIGGER_AVAILABLE_NOW = 0, /* everything present at start, in rate-limited batches, then stop */
  TRIGGER_ONCE,              /* one batch with everything present (limits ignored), then stop */
  TRIGGER_INTERVAL,          /* processingTime: a batch every interval when there is new data */
  TRIGGER_CONTINUOUS,        /* batch after batch as files arrive, until stopped */
} stream_trigger_kind;

typedef struct stream_trigger {
  stream_trigger_kind kind;
  int64_t interval_ms;       /* TRIGGER_INTERVAL */
} stream_trigger;

typedef enum stream_evolution {
  EVOLVE_DEFAULT = 0,        /* addNewColumns when the schema is inferred, none when one is given */
  EVOLVE_ADD_NEW_COLUMNS,
  EVOLVE_RESCUE,
  EVOLVE_FAIL_ON_NEW_COLUMNS,
  EVOLVE_NONE,
} stream_evolution;

/* Columns a stream can add to every row (--add-column name=expr). */
typedef enum stream_added_kind {
  ADDED_CURRENT_DATE = 1,    /* current_date(): DATE (UTC) when the batch started */
  ADDED_CURRENT_TIMESTAMP,   /* current_timestamp(): TIMESTAMP when the batch started */
  ADDED_FILE_PATH,           /* _metadata.file_path: STRING */
  ADDED_FILE_NAME,           /* _metadata.file_name: STRING */
  ADDED_FILE_SIZE,           /* _metadata.file_size: BIGINT */
  ADDED_FILE_MTIME,          /* _metadata.file_modification_time: TIMESTAMP */
  ADDED_BATCH_ID,            /* batch_id(): BIGINT */
  ADDED_LITERAL,             /* 'text': STRING */
} stream_added_kind;

typedef struct stream_added_col {
  const char *name;
  stream_added_kind kind;
  const char *literal;       /* ADDED_LITERAL */
} stream_added_col;

#define STREAM_MAX_ADDED 32
#define STREAM_MAX_FORMAT_OPTS 64

typedef struct stream_opts {
  stream_format format;
  stream_trigger trigger;
  /* discovery */
  bool include_existing;     /* includeExistingFiles (true): only matters on the first start */
  int64_t max_files;         /* maxFilesPerTrigger (1000); 0 = no limit */
  uint64_t max_bytes;        /* maxBytesPerTrigger (0 = no limit; soft: a batch has at least one file) */
  bool allow_overwrites;     /* allowOverwrites (false): a changed file (size/mtime) is loaded again */
  const char *glob;          /* pathGlobFilter: fnmatch pattern on the file name (NULL) */
  bool recursive;            /* recursiveFileLookup (true) */
  int64_t modified_after_ns; /* modifiedAfter (INT64_MIN = none): only files modified after */
  int64_t modified_before_ns;/* modifiedBefore (INT64_MAX = none): only files modified before */
  bool use_notifications;    /* useNotifications (false): inotify instead of listing every trigger */
  int64_t backfill_ms;       /* backfillInterval with notifications: full listing period (1 hour; 0 = never) */
  int64_t poll_ms;           /* lago: listing period of a continuous trigger without notifications (1 s) */
  int64_t settle_ms;         /* lago: files modified less than this ago are left for later (0; 1 s with notifications) */
  bool ignore_corrupt_files; /* ignoreCorruptFiles (false): skip unreadable files instead of failing */
  /* schema */
  stream_evolution evolution;/* schemaEvolutionMode */
  const char *schema;        /* schema: a user schema, "a INT, b STRING" (NULL = infer) */
  const char *schema_hints;  /* schemaHints */
  const char *schema_location; /* schemaLocation (NULL = the checkpoint directory) */
  bool infer_types;          /* inferColumnTypes (false: CSV/JSON columns are STRING) */
  const char *rescued_column;/* rescuedDataColumn (NULL = "_rescued_data" when the mode needs one) */
  int64_t sample_files;      /* schemaInference.sampleSize.numFiles (1000) */
  uint64_t sample_bytes;     /* schemaInference.sampleSize.numBytes (50 GiB) */
  bool include_metadata;     /* includeMetadata (lago): add the _metadata struct column */
  stream_added_col added[STREAM_MAX_ADDED];
  uint32_t n_added;
  /* reader options passed to format/csv or format/json (header, sep, multiLine, mode...) */
  const char *fmt_keys[STREAM_MAX_FORMAT_OPTS];
  const char *fmt_values[STREAM_MAX_FORMAT_OPTS];
  uint32_t n_fmt;
  int threads;               /* lago: parser threads (2) */
  const char *stream_name;   /* lago: a name for the checkpoint directory (NULL = derived) */
  bool source_not_table;     /* lago: the source's columns are not the table's (a merge sink, e.g. CDC files with
                                op/sequence columns): with no stored schema, infer it from the files instead of
                                taking the table's columns */
} stream_opts;

void stream_opts_init(stream_opts *o);
/*
** Sets one option by its user-facing name (case-insensitive; "cloudFiles."
** prefix accepted). Options the stream does not know are kept for the file
** reader (and rejected there when stream_open checks them). Strings are
** copied into ar. LAGO_BIND for a bad value, naming the option.
*/
int stream_opts_set(stream_opts *o, arena *ar, const char *key, const char *value, lago_err *err);
/* "csv", "json", "parquet" -> o->format. LAGO_BIND otherwise. */
int stream_format_parse(const char *text, stream_format *out, lago_err *err);
const char *stream_format_name(stream_format f);
/* "available-now" | "availableNow", "once", "every=10s" | "processingTime=10 seconds", "continuous". */
int stream_trigger_parse(const char *text, stream_trigger *out, lago_err *err);
/* "name=expr" (expr: current_date(), current_timestamp(), _metadata.file_path, ..., batch_id(), 'text'). */
int stream_added_parse(arena *ar, const char *text, stream_added_col *out, lago_err *err);
/* Durations: "500ms", "10s", "10 seconds", "5 minutes", "1h", "1 day", or plain milliseconds. -1 if bad. */
int64_t stream_parse_duration_ms(const char *text);
/* Sizes: "1048576", "512k", "10m", "1g" (binary units). Returns false if bad. */
bool stream_parse_bytes(const char *text, uint64_t *out);

/* ---- what a stream reports ---------------------------------------------------- */

typedef enum stream_event_kind {
  STREAM_INFO = 0,           /* what the stream is doing and why (recovery decisions, in plain words) */
  STREAM_WARN,               /* something was skipped or kept with NULLs */
} stream_event_kind;

typedef struct stream_batch_report {
  int64_t batch_id;
  int64_t table_version;     /* Delta version committed (-1 for a callback sink) */
  uint64_t files, rows, bytes;
  uint64_t bad_rows;         /* malformed records (kept, dropped or logged per mode) */
  uint64_t rescued_rows;     /* rows with _rescued_data */
  double seconds;            /* wall time of the batch */
  double lag_seconds;        /* commit time minus the oldest file's modification time */
  uint64_t backlog_files;    /* files known and not yet loaded after this batch */
  uint64_t backlog_bytes;
  int64_t schema_version;    /* source schema version used */
  bool schema_changed;       /* this batch evolved the schema */
  bool replayed;             /* a batch planned before a crash, run again */
} stream_batch_report;

typedef struct stream_totals {
  uint64_t batches, files, rows, bytes, bad_rows, rescued_rows;
  uint64_t skipped_files;    /* not loaded: overwritten without allowOverwrites, vanished, corrupt+ignored */
  double seconds;
} stream_totals;

typedef struct stream_hooks {
  void (*on_event)(void *ud, stream_event_kind kind, const char *msg);
  void (*on_batch)(void *ud, const stream_batch_report *r);
  /* During a batch: bytes of source files read so far of the batch's total (for a progress bar). */
  void (*on_progress)(void *ud, uint64_t done, uint64_t total);
  void *ud;
} stream_hooks;

/* ---- sinks -------------------------------------------------------------------- */

typedef struct stream_rows stream_rows;
/* Next batch of the micro-batch's rows (target schema); n_rows == 0 at the end. Borrowed until the next call. */
int stream_rows_next(stream_rows *r, batch **out, lago_err *err);
/* The rows' schema (STRUCT). Borrowed for the call of the sink function. */
lago_type stream_rows_schema(const stream_rows *r);

/*
** A callback sink (foreachBatch): called once per micro-batch with its id
** and an iterator over its rows; returns LAGO_OK to mark the batch done.
** Any other status fails the stream (the batch is retried by the next run
** with the same id and the same files).
*/
typedef int (*stream_batch_fn)(void *ud, int64_t batch_id, stream_rows *rows, lago_err *err);

/*
** A merge sink (cdc/: CDC apply; stream_set_merge_sink after opening the
** stream on a Delta target): each micro-batch goes to a function that
** writes it into the existing Delta table at table_root itself (a MERGE) and
** makes exactly ONE Delta commit that also carries txn(app_id, batch_id) and
** the members of `params` in commitInfo.operationParameters (the batch's
** source file list, as the Delta sink records it). Progress and data then
** commit together, so exactly-once holds as for the Delta sink and a lost
** checkpoint is rebuilt from the table's log. The function stores the
** committed version in *version (-1 if the batch changed nothing and it made
** no commit: then the batch is delivered again by the next run, and must stay
** harmless to apply twice). The table must exist when the stream opens.
*/
typedef struct stream_merge_batch {
  int64_t batch_id;
  const char *app_id;        /* txn appId to write: the stream id */
  const char *params;        /* JSON object text: queryId, epochId, lago.source, lago.format, lago.files, ... */
  uint32_t n_files;
  uint64_t bytes;            /* source bytes of the batch */
} stream_merge_batch;
typedef int (*stream_merge_fn)(void *ud, const stream_merge_batch *mb, stream_rows *rows, int64_t *version,
                               lago_err *err);

/* ---- the stream --------------------------------------------------------------- */

typedef struct stream stream;

typedef struct stream_target {
  const char *table_root;    /* Delta sink: the table's directory (created on the first batch when missing) */
  stream_batch_fn fn;        /* or a callback sink (table_root NULL) */
  void *fn_ud;
  const char *display_name;  /* for messages ("main.default.t"); NULL = table_root */
} stream_target;

/*
** Opens (or creates) the stream reading `source` (a directory, optionally
** ending in a glob such as /landing/x*.csv) into `target`, with its
** checkpoint in `checkpoint` (created if missing). Recovers progress as the
** README describes and reports each decision through hooks->on_event. h and
** hooks are borrowed; o is copied. Caller frees with stream_close.
*/
int stream_open(const tbl_handlers *h, const stream_opts *o, const char *source, const stream_target *target,
                const char *checkpoint, const stream_hooks *hooks, stream **out, lago_err *err);
/*
** Turns a stream opened with a Delta target (table_root) into a merge sink:
** batches go to fn(ud, ...) instead of being appended. Call before stream_run.
*/
int stream_set_merge_sink(stream *s, stream_merge_fn fn, void *ud, lago_err *err);
/*
** With a merge sink: a missing table is not an error; the merge function of
** the first batch creates it (in the commit carrying the txn), e.g. with
** CREATE TABLE ... AS SELECT (sql/stmt_stream.c). Off by default.
*/
void stream_set_merge_create(stream *s, bool on);
/* The Delta target's absolute, normalised root; NULL for a callback sink. Borrowed for the life of s. */
const char *stream_table_root(const stream *s);
/* Runs the trigger (see stream_trigger_kind). Returns LAGO_OK when it finished or was stopped. */
int stream_run(stream *s, lago_err *err);
/* Async-signal-safe: asks the stream to stop after the batch in flight. */
void stream_request_stop(stream *s);
bool stream_stopped(const stream *s);
const stream_totals *stream_get_totals(const stream *s);
/* The stream id and the checkpoint directory (borrowed for the life of s). */
const char *stream_id(const stream *s);
const char *stream_checkpoint(const stream *s);
void stream_close(stream *s);

/* path made absolute (against the working directory) and normalised (no ".", "..", "//", trailing '/'), in ar. */
char *stream_abs_path(arena *ar, const char *path);

/*
** Default checkpoint directory for a Delta target: <warehouse>/_lago_streams/<name>,
** name = <table directory name>-<16 hex digits of a hash of table root, source and format>
** (or o->stream_name when set). Allocated in ar.
*/
const char *stream_default_checkpoint(arena *ar, const char *warehouse, const char *table_root, const char *source,
                                      stream_format fmt, const char *stream_name);

#endif /* LAGO_STREAM_H */
