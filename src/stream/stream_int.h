/*
** stream/stream_int.h: the stream's private state and the functions the
** files of src/stream/ share. Not for other layers (they use stream.h).
**
**   stream.c     open/run/close, triggers, one micro-batch end to end
**   recover.c    checkpoint state, recovery decisions, rebuilding from a table's log
**   discover.c   listing, filters, file identity, batch planning
**   notify.c     inotify watcher (notification mode)
**   schema.c     file layouts, inference, evolution, schema versions
**   source.c     reading a batch's files into target-shaped batches
**   sink.c       the Delta sink and the callback sink
*/
#ifndef LAGO_STREAM_INT_H
#define LAGO_STREAM_INT_H

#include <signal.h>

#include "format/csv/csv.h"
#include "format/json/jsonl.h"
#include "stream/ckpt.h"
#include "stream/stream.h"
#include "table/delta/delta.h"
#include "util/buf.h"

#define STREAM_COMPACT_EVERY 64 /* batches between compact state files */

typedef struct stream_notify stream_notify;

/* A source file of a batch. */
typedef struct src_file {
  const char *rel;        /* path relative to the source directory */
  const char *abs;        /* full path */
  uint64_t size;
  int64_t mtime_ns;
  int32_t layout;         /* index into the batch's layouts (CSV header / Parquet schema), -1 = none */
  bool skip;              /* not readable (vanished, or corrupt with ignoreCorruptFiles): recorded, not read */
} src_file;

/* The columns of one file as the file itself names them (CSV header, Parquet schema). */
typedef struct file_layout {
  uint32_t n;
  const char **names;
  lago_type *types;       /* Parquet: the file's types; CSV: NULL (text) */
  const char *key;        /* names joined, to group files with one layout */
} file_layout;

struct stream {
  const tbl_handlers *h;  /* borrowed */
  lago_fs *fs;            /* h->fs */
  arena *ar;              /* stream lifetime: options, paths, schemas */
  stream_opts o;          /* copy; strings in ar */
  stream_hooks hooks;
  stream_target tgt;
  stream_merge_fn merge_fn;  /* merge sink (stream_set_merge_sink), else NULL; tgt.fn_ud is its ud */
  bool merge_create;         /* the merge function may create a missing table (stream_set_merge_create) */
  const char *name;       /* target name for messages */
  /* source */
  const char *src_dir;    /* absolute directory that is listed */
  const char *src_glob;   /* glob over the relative path (from a glob in the source), or NULL */
  const char *src_text;   /* the source as given (absolute), recorded in the checkpoint and commits */
  /* target */
  delta_table *table;     /* Delta sink, else NULL */
  /* checkpoint */
  const char *ckpt;
  const char *schema_dir; /* <schema location>/_schemas */
  ckpt_meta meta;
  fileset seen;           /* every file loaded (or skipped at the first start) */
  int64_t next_batch;     /* id of the next batch */
  int64_t last_compact;   /* last batch covered by a compact state file, -1 */
  src_file *pending;      /* a batch planned before a crash and not committed (in ar), or NULL */
  uint32_t n_pending;
  int64_t pending_batch;
  bool include_existing;  /* resolved: existing files are loaded on this start */
  int64_t assume_loaded_before_ns; /* rebuilt progress: files older than this are taken as loaded (-1 none) */
  /* schema */
  bool have_schema;
  lago_type src_schema;   /* source columns (STRUCT), in ar */
  int64_t schema_version; /* -1 = none stored yet */
  bool user_schema;
  stream_evolution mode;  /* resolved */
  const char *rescued;    /* rescued data column name, or NULL */
  const char *corrupt;    /* corrupt record column requested by the user, or NULL */
  const char *corrupt_int;/* name used to detect malformed records */
  csv_options csv;
  jsonl_options json;
  /* notification mode */
  stream_notify *nt;
  int64_t last_listing_ms;
  int64_t relist_at_ms;   /* a listing deferred settling files: list again then (0 = no) */
  /* run state */
  volatile sig_atomic_t stop;
  stream_totals tot;
  uint64_t backlog_files, backlog_bytes;
};

/* ---- stream.c ------------------------------------------------------------- */
void stream_event(stream *s, stream_event_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int64_t stream_now_ms(void);
int64_t stream_now_ns(void);

/* ---- recover.c ------------------------------------------------------------ */
/* Loads or creates the checkpoint and decides where the stream resumes (README "Recovery"). */
int recover_open(stream *s, lago_err *err);
/* Writes offsets/<batch> for files (put-if-absent; an identical existing file is fine). */
int ckpt_write_offsets(stream *s, int64_t batch, const src_file *files, uint32_t n, int64_t read_version,
                       lago_err *err);
/* After a batch committed: commits/<batch>, the seen set, periodic compaction. */
int ckpt_batch_done(stream *s, int64_t batch, const src_file *files, uint32_t n, int64_t table_version,
                    lago_err *err);
/* Records the table id in the metadata once the sink created the table. */
int ckpt_set_table_id(stream *s, const char *table_id, lago_err *err);
/* Reads a checkpoint document whole into ar. */
int ckpt_read(stream *s, const char *path, arena *ar, char **text, size_t *len, lago_err *err);

/* ---- discover.c ----------------------------------------------------------- */
typedef struct cand_list {
  src_file *v;            /* heap array; rel/abs strings in ar */
  size_t n, cap;
  arena *ar;
} cand_list;
void cand_init(cand_list *c, arena *ar);
void cand_deinit(cand_list *c);
/* Is the relative path eligible (not hidden, matches the glob)? */
bool discover_name_ok(const stream *s, const char *rel);
/*
** New files (not seen, or changed with allowOverwrites; not pending), by a
** full listing (full) or from the notification queue, filtered by
** pathGlobFilter, modifiedAfter/Before and the settle time, sorted by
** (mtime, path). Appended to out. *deferred (may be NULL) counts files a
** listing left for later because they changed less than the settle time ago.
*/
int discover(stream *s, bool full, cand_list *out, uint64_t *deferred, lago_err *err);
/* Takes the first files of c that fit maxFilesPerTrigger/maxBytesPerTrigger (no limits if unlimited). */
uint32_t discover_take(const stream *s, const src_file *c, size_t n, bool unlimited);
/* Lists the source (no filters but names) calling fn for each file (rel, size, mtime). */
int discover_list(stream *s, int (*fn)(void *ud, const ckpt_file *f, lago_err *err), void *ud, lago_err *err);

/* ---- notify.c ------------------------------------------------------------- */
/* Starts watching dir recursively (IN_CLOSE_WRITE, IN_MOVED_TO, new directories). */
int notify_open(const char *dir, stream_notify **out, lago_err *err);
void notify_close(stream_notify *n);
/* Waits up to timeout_ms for events (returns early on stop). *overflow: events were lost. */
int notify_wait(stream_notify *n, int64_t timeout_ms, volatile sig_atomic_t *stop, lago_err *err);
/* Takes the queued relative paths (caller frees the array and strings with mem_free via notify_free_paths). */
int notify_take(stream_notify *n, char ***paths, size_t *count, bool *overflow, lago_err *err);
void notify_free_paths(char **paths, size_t count);

/* ---- schema.c ------------------------------------------------------------- */
int schema_layout(stream *s, const src_file *f, arena *ar, file_layout *out, lago_err *err);
/* Infers the source schema from sample files (first start). */
int schema_infer(stream *s, src_file *files, uint32_t n, const file_layout *layouts, arena *ar, lago_type *out,
                 lago_err *err);
/* New top-level columns of files with layouts (CSV/Parquet), with their types; n=0 when none. */
int schema_new_columns(stream *s, src_file *files, uint32_t n, const file_layout *layouts, arena *ar,
                       lago_type *more, const char **first_file, lago_err *err);
/* JSON: the schema of the batch's files by inference (for new columns). */
int schema_infer_json(stream *s, src_file *files, uint32_t n, arena *ar, lago_type *out, lago_err *err);
/* Fields of `more` that `cur` lacks (case-insensitive), and STRUCT fields with new nested fields. */
int schema_missing(arena *ar, lago_type cur, lago_type more, lago_type *out, lago_err *err);
/* cur + the fields of more it lacks (appended; STRUCTs merged recursively; types never change). */
int schema_append(arena *ar, lago_type cur, lago_type more, lago_type *out, bool *changed, lago_err *err);
/* Stores src_schema as version schema_version + 1 (put-if-absent) and makes it current. */
int schema_store(stream *s, lago_type schema, int64_t batch, lago_err *err);
/* Loads the newest stored schema version, if any. */
int schema_load_latest(stream *s, lago_err *err);
/* The columns the stream writes: source + rescued + corrupt + _metadata + added (in ar). */
int schema_wanted(stream *s, arena *ar, lago_type *out, lago_err *err);
/* Merges type b into a (widening for inference); false if incompatible. */
bool schema_merge_type(lago_type a, lago_type b, lago_type *out);
/* Applies schemaHints to a STRUCT (replace types by name; append missing). */
int schema_apply_hints(stream *s, arena *ar, lago_type in, lago_type *out, lago_err *err);
/* The _metadata STRUCT type. */
int schema_metadata_type(arena *ar, lago_type *out);
lago_type schema_added_type(stream_added_kind k);

/* ---- source.c ------------------------------------------------------------- */
typedef struct src_reader src_reader;

typedef struct src_stats {
  uint64_t rows, bytes, bad_rows, rescued_rows;
  const char *first_bad;  /* "path:line" of the first malformed record (in the reader's arena), or NULL */
  bool new_columns;       /* JSON: rescued data named columns the schema lacks (evolution needed) */
  const char *new_where;  /* "path:line" and the column, for messages */
} src_stats;

/*
** Reads the files into batches of `target` (a STRUCT; borrowed until close).
** layouts come from schema_layout (CSV/Parquet). batch_id and start_us feed
** added columns.
*/
int src_reader_open(stream *s, src_file *files, uint32_t n, const file_layout *layouts, lago_type target,
                    int64_t batch_id, int64_t start_us, bool detect_new, src_reader **out, lago_err *err);
/* Next target batch (borrowed until the next call); n_rows == 0 at the end. */
int src_reader_next(src_reader *r, batch **out, lago_err *err);
const src_stats *src_reader_stats(const src_reader *r);
void src_reader_close(src_reader *r);

/* ---- sink.c --------------------------------------------------------------- */
typedef struct sink sink;

typedef struct sink_commit_info {
  int64_t batch;
  const src_file *files;
  uint32_t n_files;
  uint64_t rows;
} sink_commit_info;

/*
** Begins a batch: opens a transaction on the latest table state (evolving its
** schema toward `wanted` as the mode allows); *target gets the schema to write.
** *already: the table already holds this batch (nothing was begun).
*/
int sink_begin(stream *s, lago_type wanted, const sink_commit_info *ci, sink **out, lago_type *target,
               int64_t *read_version, bool *already, lago_err *err);
int sink_write(sink *k, const batch *b, lago_err *err);
/* Callback and merge sinks: hand the reader to the user's function instead of sink_write. */
bool sink_is_callback(const sink *k);
int sink_run_callback(sink *k, int64_t batch_id, src_reader *r, lago_type target, const sink_commit_info *ci,
                      lago_err *err);
/* Commits (Delta: txn + file list in commitInfo, one commit). Frees k. */
int sink_commit(sink *k, const sink_commit_info *ci, int64_t *table_version, lago_err *err);
void sink_abort(sink *k);
/* The operationParameters JSON of a batch's commit (also parsed by recover.c). */
int sink_commit_params(stream *s, const sink_commit_info *ci, buf *out);

#endif /* LAGO_STREAM_INT_H */
