/*
** io/fs.h: the storage interface every upper layer uses (STYLE.md §1).
**
** A lago_fs is a backend (local files now; an S3-compatible store later)
** behind a table of function pointers. Upper layers (format/, table/,
** stream/) never call open()/read() themselves, so the same code reads and
** writes object storage, and tests can inject failures (fs_faulty_new).
**
** Paths are '/'-separated strings. For the local backend they are ordinary
** file-system paths (absolute or relative to the working directory).
**
** Guarantees every backend gives:
**  - fs_put_if_absent is atomic: either the whole object appears at path or,
**    if something was already there, nothing changes and LAGO_EXISTS comes
**    back. This is what Delta commits rely on (N+1.json by one writer only).
**  - A file written with fs_create/fs_wfile_commit or fs_write is never
**    visible partially: readers see the old content (or nothing) until the
**    commit makes the whole new content visible at once.
**  - Reads are range reads (fs_read_at), so readers fetch only what they need.
** Errors: LAGO_NOTFOUND (no such file), LAGO_EXISTS, LAGO_IO (with the path
** and the OS reason), LAGO_FULL (no space / quota), LAGO_CORRUPT for short
** reads past the end of a file, LAGO_UNSUPPORTED for an operation a backend
** cannot do (e.g. rename on object stores).
*/
#ifndef LAGO_IO_FS_H
#define LAGO_IO_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"

typedef struct lago_fs lago_fs;
typedef struct lago_file lago_file;   /* open for range reads */
typedef struct lago_wfile lago_wfile; /* open for a sequential write, committed atomically */

typedef struct fs_stat {
  uint64_t size;     /* bytes */
  int64_t mtime_ns;  /* modification time, nanoseconds since the epoch */
  bool is_dir;
} fs_stat;

typedef struct fs_entry {
  const char *path;  /* full path (prefix + '/' + relative name); valid during the callback */
  const char *name;  /* path relative to the listed directory ("a/b.parquet" when recursive) */
  uint64_t size;
  int64_t mtime_ns;
  bool is_dir;
} fs_entry;

/* Listing callback: return LAGO_OK to continue, anything else stops the listing and is returned. */
typedef int (*fs_list_fn)(void *ud, const fs_entry *e);

typedef struct lago_fs_vtab {
  const char *name; /* "local", "faulty", "s3" */
  int (*open)(lago_fs *fs, const char *path, lago_file **out, lago_err *err);
  int (*read_at)(lago_file *f, uint64_t off, void *dst, size_t n, lago_err *err);
  void (*close)(lago_file *f);
  int (*stat)(lago_fs *fs, const char *path, fs_stat *out, lago_err *err);
  int (*list)(lago_fs *fs, const char *dir, bool recursive, fs_list_fn fn, void *ud, lago_err *err);
  int (*create)(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err);
  int (*wfile_write)(lago_wfile *w, const void *data, size_t n, lago_err *err);
  int (*wfile_commit)(lago_wfile *w, bool replace, lago_err *err);
  void (*wfile_abort)(lago_wfile *w);
  int (*remove)(lago_fs *fs, const char *path, lago_err *err);
  int (*rename)(lago_fs *fs, const char *from, const char *to, bool replace, lago_err *err);
  int (*mkdirs)(lago_fs *fs, const char *path, lago_err *err);
  void (*free)(lago_fs *fs);
} lago_fs_vtab;

struct lago_fs {
  const lago_fs_vtab *vt;
};

/* Every open file starts with this header (backends extend it). */
struct lago_file {
  lago_fs *fs;
  const char *path; /* owned by the file */
  uint64_t size;    /* size when opened */
  int64_t mtime_ns;
};

struct lago_wfile {
  lago_fs *fs;
  const char *path;  /* final path; owned by the wfile */
  uint64_t written;  /* bytes written so far */
};

/* ---- backends --------------------------------------------------------- */

/* The local file system (process-wide singleton; fs_free on it is a no-op). */
lago_fs *fs_local(void);

/*
** Fault injection for tests (jq inject_errors.c): wraps `inner`; the n-th
** mutating or reading operation from now (n >= 1) fails with LAGO_IO
** ("injected I/O failure at op n: <op> <path>"), and so does every later one
** when `sticky`. Operations counted: open, read_at, stat, list, create,
** wfile_write, wfile_commit, remove, rename, mkdirs. Caller frees with fs_free.
*/
lago_fs *fs_faulty_new(lago_fs *inner, long fail_at, bool sticky);
/* Operations seen so far by a faulty fs (to size a sweep). */
long fs_faulty_ops(lago_fs *fs);

void fs_free(lago_fs *fs);

/* ---- calls (thin wrappers over the vtable) ------------------------------ */

static inline int fs_open(lago_fs *fs, const char *path, lago_file **out, lago_err *err) {
  return fs->vt->open(fs, path, out, err);
}
/* Reads exactly n bytes at off; LAGO_CORRUPT if the file is shorter. */
static inline int fs_read_at(lago_file *f, uint64_t off, void *dst, size_t n, lago_err *err) {
  return f->fs->vt->read_at(f, off, dst, n, err);
}
/* NULL is a no-op. */
static inline void fs_close(lago_file *f) {
  if (f) f->fs->vt->close(f);
}
static inline int fs_stat_path(lago_fs *fs, const char *path, fs_stat *out, lago_err *err) {
  return fs->vt->stat(fs, path, out, err);
}
/* Lists dir (entries in byte order of name; recursive descends into subdirectories and
** reports files only). LAGO_NOTFOUND if dir does not exist. */
static inline int fs_list(lago_fs *fs, const char *dir, bool recursive, fs_list_fn fn, void *ud, lago_err *err) {
  return fs->vt->list(fs, dir, recursive, fn, ud, err);
}
/* Starts writing path (parent directories are created). Nothing is visible until commit. */
static inline int fs_create(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err) {
  return fs->vt->create(fs, path, out, err);
}
static inline int fs_wfile_write(lago_wfile *w, const void *data, size_t n, lago_err *err) {
  return w->fs->vt->wfile_write(w, data, n, err);
}
/*
** Makes the written bytes visible at the path, durably (data and directory
** synced), and frees w. replace=false: fails with LAGO_EXISTS if the path
** exists (put-if-absent). On any failure nothing is visible and w is freed.
*/
static inline int fs_wfile_commit(lago_wfile *w, bool replace, lago_err *err) {
  return w->fs->vt->wfile_commit(w, replace, err);
}
/* Discards everything written and frees w. NULL is a no-op. */
static inline void fs_wfile_abort(lago_wfile *w) {
  if (w) w->fs->vt->wfile_abort(w);
}
/* LAGO_NOTFOUND if absent. */
static inline int fs_remove(lago_fs *fs, const char *path, lago_err *err) { return fs->vt->remove(fs, path, err); }
static inline int fs_rename(lago_fs *fs, const char *from, const char *to, bool replace, lago_err *err) {
  return fs->vt->rename(fs, from, to, replace, err);
}
static inline int fs_mkdirs(lago_fs *fs, const char *path, lago_err *err) { return fs->vt->mkdirs(fs, path, err); }

/* ---- helpers built on the vtable (io/fs.c) ------------------------------ */

/* Whole file into out (appended). */
int fs_read_all(lago_fs *fs, const char *path, buf *out, lago_err *err);
/* Whole file into a block allocated in ar (NUL-terminated; *len excludes the NUL). */
int fs_read_all_arena(lago_fs *fs, const char *path, arena *ar, char **data, size_t *len, lago_err *err);
/* Writes data at path atomically; replace=false is put-if-absent (LAGO_EXISTS). */
int fs_write(lago_fs *fs, const char *path, const void *data, size_t n, bool replace, lago_err *err);
static inline int fs_put_if_absent(lago_fs *fs, const char *path, const void *data, size_t n, lago_err *err) {
  return fs_write(fs, path, data, n, false, err);
}
/* True if path exists (errors other than NOTFOUND are returned as such). */
int fs_exists(lago_fs *fs, const char *path, bool *out, lago_err *err);
/* Removes a directory tree (local: rm -rf). Missing is fine. */
int fs_remove_tree(lago_fs *fs, const char *path, lago_err *err);

/* Joins a and b with exactly one '/' between them, in ar. NULL on OOM. */
char *path_join(arena *ar, const char *a, const char *b);

#endif /* LAGO_IO_FS_H */
