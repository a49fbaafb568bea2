/*
** io/fs_faulty.c: a lago_fs that forwards to another one and fails the n-th
** operation on purpose (see fs_faulty_new in fs.h). Used by crash-safety
** tests: a sweep over n = 1, 2, ... injects an I/O failure at every step of
** a commit or checkpoint and checks the table is still consistent.
*/
#include <stdatomic.h>
#include <string.h>

#include "io/fs.h"
#include "util/alloc.h"

typedef struct faulty_fs {
  lago_fs base;
  lago_fs *inner;
  long fail_at;  /* operation number that fails (1-based); 0 = never */
  atomic_long ops; /* operations so far (scan threads share the file system) */
  bool sticky;   /* fail every operation after fail_at too */
} faulty_fs;

typedef struct faulty_file {
  lago_file base;
  lago_file *inner;
} faulty_file;

typedef struct faulty_wfile {
  lago_wfile base;
  lago_wfile *inner;
} faulty_wfile;

static int tick(faulty_fs *f, const char *op, const char *path, lago_err *err) {
  long n = atomic_fetch_add(&f->ops, 1) + 1;
  if (f->fail_at > 0 && (n == f->fail_at || (f->sticky && n > f->fail_at)))
    return LAGO_ERR(err, LAGO_IO, "injected I/O failure at op %ld: %s %s", n, op, path ? path : "");
  return LAGO_OK;
}

static int f_open(lago_fs *fs, const char *path, lago_file **out, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  *out = NULL;
  TRY(tick(f, "open", path, err));
  lago_file *in;
  TRY(fs_open(f->inner, path, &in, err));
  faulty_file *ff = mem_calloc(1, sizeof *ff);
  if (!ff) {
    fs_close(in);
    return LAGO_NOMEM_ERR(err);
  }
  ff->base = *in;
  ff->base.fs = fs;
  ff->inner = in;
  *out = &ff->base;
  return LAGO_OK;
}

static int f_read_at(lago_file *file, uint64_t off, void *dst, size_t n, lago_err *err) {
  faulty_file *ff = (faulty_file *)file;
  TRY(tick((faulty_fs *)file->fs, "read", file->path, err));
  return fs_read_at(ff->inner, off, dst, n, err);
}

static void f_close(lago_file *file) {
  faulty_file *ff = (faulty_file *)file;
  fs_close(ff->inner);
  mem_free(ff);
}

static int f_stat(lago_fs *fs, const char *path, fs_stat *out, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  TRY(tick(f, "stat", path, err));
  return fs_stat_path(f->inner, path, out, err);
}

static int f_list(lago_fs *fs, const char *dir, bool recursive, fs_list_fn fn, void *ud, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  TRY(tick(f, "list", dir, err));
  return fs_list(f->inner, dir, recursive, fn, ud, err);
}

static int f_create(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  *out = NULL;
  TRY(tick(f, "create", path, err));
  lago_wfile *in;
  TRY(fs_create(f->inner, path, &in, err));
  faulty_wfile *fw = mem_calloc(1, sizeof *fw);
  if (!fw) {
    fs_wfile_abort(in);
    return LAGO_NOMEM_ERR(err);
  }
  fw->base = *in;
  fw->base.fs = fs;
  fw->inner = in;
  *out = &fw->base;
  return LAGO_OK;
}

static int f_wfile_write(lago_wfile *w, const void *data, size_t n, lago_err *err) {
  faulty_wfile *fw = (faulty_wfile *)w;
  TRY(tick((faulty_fs *)w->fs, "write", w->path, err));
  int rc = fs_wfile_write(fw->inner, data, n, err);
  w->written = fw->inner->written;
  return rc;
}

static int f_wfile_commit(lago_wfile *w, bool replace, lago_err *err) {
  faulty_wfile *fw = (faulty_wfile *)w;
  int rc = tick((faulty_fs *)w->fs, "commit", w->path, err);
  if (rc) {
    fs_wfile_abort(fw->inner);
  } else {
    rc = fs_wfile_commit(fw->inner, replace, err);
  }
  mem_free(fw);
  return rc;
}

static void f_wfile_abort(lago_wfile *w) {
  faulty_wfile *fw = (faulty_wfile *)w;
  fs_wfile_abort(fw->inner);
  mem_free(fw);
}

static int f_remove(lago_fs *fs, const char *path, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  TRY(tick(f, "remove", path, err));
  return fs_remove(f->inner, path, err);
}

static int f_rename(lago_fs *fs, const char *from, const char *to, bool replace, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  TRY(tick(f, "rename", from, err));
  return fs_rename(f->inner, from, to, replace, err);
}

static int f_mkdirs(lago_fs *fs, const char *path, lago_err *err) {
  faulty_fs *f = (faulty_fs *)fs;
  TRY(tick(f, "mkdirs", path, err));
  return fs_mkdirs(f->inner, path, err);
}

static void f_free(lago_fs *fs) { mem_free(fs); }

static const lago_fs_vtab k_faulty_vtab = {
    "faulty",      f_open,         f_read_at,     f_close,  f_stat,   f_list,   f_create,
    f_wfile_write, f_wfile_commit, f_wfile_abort, f_remove, f_rename, f_mkdirs, f_free,
};

lago_fs *fs_faulty_new(lago_fs *inner, long fail_at, bool sticky) {
  faulty_fs *f = mem_calloc(1, sizeof *f);
  if (!f) return NULL;
  f->base.vt = &k_faulty_vtab;
  f->inner = inner;
  f->fail_at = fail_at;
  f->sticky = sticky;
  return &f->base;
}

long fs_faulty_ops(lago_fs *fs) { return fs->vt == &k_faulty_vtab ? atomic_load(&((faulty_fs *)fs)->ops) : 0; }
