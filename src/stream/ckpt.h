/*
** stream/ckpt.h: the stream checkpoint's on-disk documents (stream/ckpt.c)
** and the in-memory set of files a stream has seen (stream/fileset.c).
** Private to src/stream/ (and its tests and fuzz target).
**
** Checkpoint directory (every file written whole and atomically through
** io/fs.h; the drawing of each document is in ckpt.c):
**
**   <checkpoint>/
**     metadata                      stream id, source, format, target table and its id
**     offsets/<%020d batch>         file list of batch b, written BEFORE b's data
**     commits/<%020d batch>         written AFTER batch b was committed by its sink
**     state/<%020d batch>.compact   every file seen through batch b (periodic)
**     state/initial                 files present at the first start and skipped
**                                   (includeExistingFiles=false)
**   <schema location, default = checkpoint>/_schemas/<n>   source schema version n
**
** Everything read back from a checkpoint is untrusted input: every parser
** here checks types, ranges and paths, and fails with LAGO_CORRUPT naming the
** file and line ("<path>:3: ..."). Fuzzed by tests/fuzz/fuzz_stream_ckpt.c.
*/
#ifndef LAGO_STREAM_CKPT_H
#define LAGO_STREAM_CKPT_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"
#include "vec/types.h"

#define CKPT_FORMAT_VERSION 1

/* ---- metadata ------------------------------------------------------------ */

typedef struct ckpt_meta {
  const char *stream_id;   /* UUID; also the Delta txn appId of the stream's commits */
  const char *source;      /* absolute source directory (or glob) */
  const char *format;      /* "csv", "json", "parquet" */
  const char *table;       /* target table root ("" for a callback sink) */
  const char *table_id;    /* target table's metaData.id, NULL until known */
  int64_t created_ms;      /* first start, ms since the epoch */
  int64_t skip_before_ns;  /* includeExistingFiles=false: files present at the first start are skipped;
                              this is the listing time (ns), -1 = none skipped */
} ckpt_meta;

/* Parses the metadata document (all strings allocated in ar). `path` names it in errors. */
int ckpt_meta_parse(arena *ar, const char *text, size_t len, const char *path, ckpt_meta *out, lago_err *err);
/* Appends the document for m to out. LAGO_NOMEM. */
int ckpt_meta_write(const ckpt_meta *m, buf *out);

/* ---- file lists (offsets, compact state, initial) ------------------------ */

typedef enum ckpt_list_kind { CKPT_OFFSETS = 1, CKPT_COMPACT, CKPT_INITIAL } ckpt_list_kind;

typedef struct ckpt_list_hdr {
  ckpt_list_kind kind;
  int64_t batch;           /* OFFSETS: the batch; COMPACT: last batch covered; INITIAL: -1 */
  int64_t schema_version;  /* OFFSETS: source schema version when planned, -1 if none */
  int64_t read_version;    /* OFFSETS: table version the batch was planned on, -1 if none */
  int64_t n_files;         /* entries that follow */
  uint64_t bytes;          /* their total size */
} ckpt_list_hdr;

typedef struct ckpt_file {
  const char *path;        /* relative to the source directory, '/'-separated, safe (see ckpt_path_ok) */
  uint64_t size;           /* bytes */
  int64_t mtime_ns;        /* modification time */
  int64_t batch;           /* batch that loaded it (COMPACT entries; -1 = skipped at first start) */
} ckpt_file;

/* Callback per entry; return non-zero to stop (that code is returned). f is borrowed. */
typedef int (*ckpt_file_fn)(void *ud, const ckpt_file *f, lago_err *err);

/*
** Parses a file-list document: header line then exactly n_files entry lines.
** Calls fn for each entry in order (fn may be NULL to only validate). Paths
** are checked with ckpt_path_ok. Strings passed to fn live until the
** function returns (copy what you keep).
*/
int ckpt_list_parse(const char *text, size_t len, const char *path, ckpt_list_hdr *hdr, ckpt_file_fn fn, void *ud,
                    lago_err *err);
int ckpt_list_write_hdr(const ckpt_list_hdr *h, buf *out);
int ckpt_list_write_file(const ckpt_file *f, bool with_batch, buf *out);

/* ---- schema versions ----------------------------------------------------- */

/* Parses `_schemas/<n>`: the version number, the first batch planned with it, the source schema (in ar). */
int ckpt_schema_parse(arena *ar, const char *text, size_t len, const char *path, int64_t *version, int64_t *batch,
                      lago_type *schema, lago_err *err);
int ckpt_schema_write(int64_t version, int64_t batch, lago_type schema, buf *out, lago_err *err);

/* ---- helpers ------------------------------------------------------------- */

/*
** A relative path that stays inside its directory: non-empty, at most 4096
** bytes, no NUL, not starting with '/', no empty, "." or ".." segment, no
** backslash. Used for every path read back from a checkpoint or a commit.
*/
bool ckpt_path_ok(const char *p, size_t n);
/* The 20-digit zero-padded decimal name of a batch ("00000000000000000007"); out >= 21 bytes. */
void ckpt_batch_name(int64_t batch, char out[21]);
/* Parses a 20-digit batch name (exactly 20 digits, optionally followed by suffix); -1 if it is not one. */
int64_t ckpt_batch_from_name(const char *name, const char *suffix);

/* ---- the set of seen files (fileset.c) ------------------------------------ */

/*
** Hash map path -> (size, mtime, batch), for "was this file loaded?".
** Paths are copied into the set's own arena; memory is about
** path length + 48 bytes per file. Never shrinks (fileset_free releases all).
*/
typedef struct fileset {
  arena *ar;            /* owns the entries and the path bytes */
  ckpt_file **slots;    /* open addressing, linear probing; NULL = empty (heap) */
  size_t cap, n;
  uint64_t bytes;       /* total size of the entries */
} fileset;

int fileset_init(fileset *fs);
void fileset_free(fileset *fs);
void fileset_clear(fileset *fs);
/* The entry for path, or NULL. Borrowed until the set changes. */
ckpt_file *fileset_get(const fileset *fs, const char *path);
/* Inserts or replaces the entry for f->path (copied). */
int fileset_put(fileset *fs, const ckpt_file *f, lago_err *err);
/* Calls fn for each entry in path order (sorted copy of the pointers; heap). */
int fileset_each_sorted(const fileset *fs, ckpt_file_fn fn, void *ud, lago_err *err);

#endif /* LAGO_STREAM_CKPT_H */
