/*
** table/delta/delta_int.h: private declarations shared by the files of
** table/delta/ (see src/table/README.md for the file table). Nothing outside
** table/ includes this header.
*/
#ifndef LAGO_TABLE_DELTA_INT_H
#define LAGO_TABLE_DELTA_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "table/delta/delta.h"
#include "util/json.h"

/* ---- table ----------------------------------------------------------------- */

struct delta_table {
  atomic_int refs;         /* delta_table_free drops one; snapshots hold one each */
  const tbl_handlers *h;   /* borrowed */
  char *root;              /* heap: root path without a trailing '/' */
  char *log_dir;           /* heap: root + "/_delta_log" */
};

void delta_table_ref(delta_table *t);

/* ---- paths (paths.c) ------------------------------------------------------- */

/* Percent-decodes s[0..n) once into ar. LAGO_CORRUPT on a bad escape. */
int delta_uri_decode(arena *ar, const char *s, size_t n, const char **out, lago_err *err);
/* URI-encodes a relative path for add.path (as Spark's Path.toUri): '%', space, control bytes and
** "<>\"\\^`{|}#?[]" become %XX; '/' and non-ASCII bytes stay. Appends to out. */
int delta_uri_encode(buf *out, const char *s);
/* Hive-style escaping of one partition directory name component (col or value). Appends to out. */
int delta_hive_escape(buf *out, const char *s, size_t n);
/* Refuses paths that could leave the table root: absolute, "..", empty segments, NUL. `what` names it. */
int delta_path_check_relative(const char *p, const char *what, lago_err *err);
/* path relative to root when it is an absolute path (or file: URI) under root, else path itself. */
const char *delta_path_relativize(const char *root, const char *path);
/* Full path of a file action's path: root + "/" + path, or the absolute path itself (file: scheme removed). */
int delta_resolve_path(arena *ar, const char *root, const char *path, const char **out, lago_err *err);

/* ---- actions (actions.c) --------------------------------------------------- */

/*
** Converts one parsed log line (an object with one action key) to *out,
** strings copied into ar. Unknown action kinds give kind DA_NONE (ignored
** per the protocol). `where` names the file and line for errors.
*/
int delta_action_from_json(arena *ar, const json_value *v, delta_action *out, const char *where, lago_err *err);
/* Appends one action as a single JSON line (with '\n'). Paths are URI-encoded. */
int delta_action_to_json(const delta_action *a, buf *out, lago_err *err);
/* Deep copies (into ar). */
int delta_file_copy(arena *ar, const delta_file *src, delta_file *dst);
int delta_map_copy(arena *ar, const delta_map *src, delta_map *dst);
int delta_protocol_copy(arena *ar, const delta_protocol *src, delta_protocol *dst);
int delta_metadata_copy(arena *ar, const delta_metadata *src, delta_metadata *dst);
/* Key of a file action for reconciliation: path + '\x01' + DV unique id, in ar. */
const char *delta_file_key(arena *ar, const delta_file *f);

/* ---- protocol and features (protocol.c) ----------------------------------- */

/* Checks that lago can read a table with this protocol (LAGO_UNSUPPORTED naming the feature). */
int delta_protocol_check_read(const delta_protocol *p, lago_err *err);
/* Checks that lago can write it. */
int delta_protocol_check_write(const delta_protocol *p, lago_err *err);
/* Does lago honour writer feature f when writing (false for unknown names)? */
bool delta_feature_writable(const char *f);
/* Is a feature supported by protocol p (explicitly listed, or implied by the legacy versions)? */
bool delta_protocol_has(const delta_protocol *p, const char *feature);
/*
** The lowest protocol that supports everything schema + config use, and
** never less than `base` (features are never removed); allocated in ar.
*/
int delta_protocol_for(arena *ar, const delta_protocol *base, lago_type schema, const delta_map *config,
                       delta_protocol *out, lago_err *err);
/* The same, also supporting one more writer feature (NULL: none), e.g. "domainMetadata". */
int delta_protocol_for_ex(arena *ar, const delta_protocol *base, lago_type schema, const delta_map *config,
                          const char *extra_writer_feature, delta_protocol *out, lago_err *err);

/* ---- small hash set of strings (keyset.c) ----------------------------------- */

typedef struct keyset {
  arena *ar;            /* keys and slots are allocated here */
  const char **slots;   /* open addressing; NULL = empty */
  uint64_t *hashes;
  size_t cap, n;
} keyset;

void keyset_init(keyset *ks, arena *ar);
/* Adds key (copied into ks->ar unless `borrow`); *added false when already present. */
int keyset_add(keyset *ks, const char *key, bool borrow, bool *added);
bool keyset_has(const keyset *ks, const char *key);
uint64_t delta_hash(const void *p, size_t n);

/* ---- log listing and segments (log.c) -------------------------------------- */

typedef enum log_kind {
  LF_COMMIT = 1,        /* %020d.json */
  LF_CHECKPOINT,        /* %020d.checkpoint.parquet (classic; V1 or V2 spec) */
  LF_CHECKPOINT_PART,   /* %020d.checkpoint.%010d.%010d.parquet */
  LF_CHECKPOINT_UUID,   /* %020d.checkpoint.<uuid>.json|parquet (V2) */
  LF_COMPACTION,        /* %020d.%020d.compacted.json */
  LF_CRC,               /* %020d.crc */
} log_kind;

typedef struct log_file {
  log_kind kind;
  int64_t version;      /* commit/checkpoint version; compaction: first version */
  int64_t end_version;  /* compaction: last version; else = version */
  int32_t part, n_parts;/* multi-part checkpoints, else 1, 1 */
  bool is_json;         /* UUID checkpoint in JSON */
  const char *path;     /* full path */
  uint64_t size;
  int64_t mtime_ms;
} log_file;

typedef struct log_listing {
  log_file *files;      /* sorted by version, then kind */
  size_t n;
  int64_t max_commit;   /* newest commit version; -1 if none */
  int64_t min_commit;   /* oldest commit version; -1 if none */
} log_listing;

/*
** Lists _delta_log from version `from` on (names below it are skipped when
** the backend can't seek; a hint only). LAGO_NOTFOUND when there is no
** _delta_log directory.
*/
int delta_log_list(delta_table *t, int64_t from, arena *ar, log_listing *out, lago_err *err);
/* Parses a _delta_log file name; false if it is not a Delta log file. */
bool delta_log_parse_name(const char *name, log_file *out);

typedef struct log_segment {
  int64_t version;            /* the snapshot version */
  int64_t cp_version;         /* checkpoint version used, -1 for none */
  log_file *cp;               /* its parts (n_cp), sorted by part */
  uint32_t n_cp;
  log_file *commits;          /* commits cp_version+1 .. version, ascending */
  size_t n_commits;
  log_file *compactions;      /* usable compaction files inside (cp_version, version), ascending */
  size_t n_compactions;
} log_segment;

/*
** Builds the segment for `version` (< 0: latest): reads _last_checkpoint as
** a hint (missing, stale or corrupt -> plain listing), lists, picks the
** newest complete checkpoint <= version, checks that commits are contiguous.
*/
int delta_log_segment(delta_table *t, int64_t version, arena *ar, log_segment *out, lago_err *err);

/* _last_checkpoint: {"version":N,"size":M[,"parts":P][,"sizeInBytes":B][,"numOfAddFiles":F]} */
typedef struct last_checkpoint {
  int64_t version;
  int64_t size;
  int64_t parts;          /* -1 when absent */
} last_checkpoint;
/* LAGO_NOTFOUND when absent; LAGO_CORRUPT when unreadable (callers fall back to listing). */
int delta_last_checkpoint_read(delta_table *t, arena *ar, last_checkpoint *out, lago_err *err);

/* Reads a whole log file (commit, compaction, JSON checkpoint) into ar. */
int delta_log_read(delta_table *t, const char *path, arena *ar, char **text, size_t *len, lago_err *err);

/* ---- replay and snapshot (snapshot.c, replay.c) ----------------------------- */

/*
** Sink for actions during replay. Called newest-first for commits, then for
** checkpoint actions. Return non-zero to stop (that rc is returned).
*/
typedef int (*delta_action_fn)(void *ud, const delta_action *a, int64_t version, bool from_checkpoint,
                               lago_err *err);

struct delta_snapshot {
  atomic_int refs;
  arena *ar;                  /* "snapshot": everything below */
  delta_table *t;             /* a reference is held */
  int64_t version;
  log_segment seg;
  delta_protocol protocol;
  delta_metadata metadata;
  lago_type schema;           /* logical, with field metadata */
  uint32_t n_part;
  uint32_t *part_idx;         /* schema field index of each partition column */
  const char **part_phys;     /* physical name of each partition column */
  const char *cm_mode;        /* "none", "name", "id" */
  delta_txn_action *txns;
  uint32_t n_txns;
  delta_domain *domains;
  uint32_t n_domains;
  delta_commit_info *commit_info; /* of `version`, NULL if none/unread */
  int64_t timestamp;          /* ms */
  /* file state: tail part filled at load, checkpoint part on first use */
  keyset tail_keys;           /* (path, dv) keys seen in the tail commits */
  delta_file *tail_adds;      /* live adds from the tail */
  size_t n_tail_adds, cap_tail_adds;
  delta_file *tail_removes;   /* tombstones from the tail */
  size_t n_tail_removes, cap_tail_removes;
  pthread_mutex_t files_mu;
  bool files_loaded;
  delta_file *files;          /* sorted live files */
  size_t n_files;
  delta_file *tombstones;
  size_t n_tombstones;
};

/*
** Replays the checkpoint parts of seg (and V2 sidecars): every action goes
** to fn; actions live in a batch arena reset between batches, so fn copies
** what it keeps. `want_files` false skips add/remove (and sidecars).
*/
int delta_checkpoint_read(delta_table *t, const log_segment *seg, bool want_files, delta_action_fn fn, void *ud,
                          lago_err *err);
/*
** Parses commit text (newline-delimited actions) and calls fn for each
** action in file order. `where` names the file.
*/
int delta_commit_parse(const char *text, size_t len, arena *ar, const char *where, int64_t version,
                       delta_action_fn fn, void *ud, lago_err *err);

/* Commit timestamp (ms) of a commit file: ICT when enabled, else mtime. */
int delta_commit_timestamp(delta_table *t, const log_file *lf, const delta_metadata *md, arena *ar, int64_t *ts,
                           lago_err *err);

/* ---- partition values (partition.c) ------------------------------------------ */

/*
** Parses a serialized partition value (NULL or "" = NULL) of type t into a
** 1-row CONST vector in ar. LAGO_CORRUPT naming the column and the value.
*/
int delta_partition_value_parse(arena *ar, lago_type t, const char *s, const char *column, vec **out, lago_err *err);
/* Serializes row `row` of v as a partition value into ar (*out NULL for a NULL value). */
int delta_partition_value_format(arena *ar, const vec *v, uint32_t row, const char **out, lago_err *err);

/* ---- column mapping and schema helpers (schema.c) ---------------------------- */

/*
** Physical name of a field under mapping mode `mode` ("none": the logical
** name; "name"/"id": delta.columnMapping.physicalName, falling back to the
** logical name when absent). Allocated in ar or borrowed from f; NULL on OOM.
*/
const char *delta_field_physical_name(arena *ar, const type_field *f, const char *mode);
/* delta.columnMapping.id of a field, -1 when absent or not an integer. */
int64_t delta_field_column_id(const type_field *f);
/* A member of a field's metadata JSON as text (strings unquoted, others as JSON), in ar; NULL when absent. */
const char *delta_field_meta(arena *ar, const type_field *f, const char *key);

/* Largest delta.columnMapping.id at any depth (0 when none). */
int64_t delta_schema_max_column_id(lago_type t);
/* Copy of t where every struct field lacking a column mapping id gets ++*max_id and a "col-<uuid>" physical name. */
int delta_schema_assign_ids(arena *ar, const tbl_handlers *h, lago_type in, int64_t *max_id, lago_type *out,
                            lago_err *err);
/* Type widening allowed by the typeWidening feature (DELTA-CHECKLIST.md §7)? */
bool delta_type_can_widen(lago_type from, lago_type to);
/*
** cur + the fields of `more` it lacks (appended, nullable); nested structs
** merged; differing types widened when allow_widen and allowed (recording
** delta.typeChanges), else LAGO_BIND naming the column. *changed set when out != cur.
*/
int delta_schema_merge(arena *ar, lago_type cur, lago_type more, bool allow_widen, lago_type *out, bool *changed,
                       lago_err *err);

/* ---- stats (stats.c) --------------------------------------------------------- */

/* Does the file survive the predicates (partition values + stats)? */
int delta_file_may_match(const delta_snapshot *s, const delta_file *f, const delta_pred *preds, uint32_t n_preds,
                         arena *scratch, bool *out, lago_err *err);
/* The same; partitions_only ignores predicates on data columns (conflict detection). */
int delta_pred_match(const delta_snapshot *s, const delta_file *f, const delta_pred *preds, uint32_t n_preds,
                     bool partitions_only, arena *scratch, bool *out, lago_err *err);
/* numRecords from stats (-1 when absent or unparsable). */
int64_t delta_stats_num_records(const char *stats, arena *scratch);

/* ---- misc -------------------------------------------------------------------- */

/* Config value parsing: "interval 7 days" / "7 days" / "168 hours" -> ms. */
int delta_parse_interval_ms(const char *s, int64_t *out);
/* Boolean property ("true"/"false", case-insensitive), def when unset. */
bool delta_config_bool(const delta_map *config, const char *key, bool def);
int64_t delta_config_i64(const delta_map *config, const char *key, int64_t def);

#endif /* LAGO_TABLE_DELTA_INT_H */
