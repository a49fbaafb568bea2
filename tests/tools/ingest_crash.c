/*
** tests/tools/ingest_crash.c: runs one stream (stream/stream.h) the way
** `lago ingest` does, over a file system that kills the process at a chosen
** step, for crash tests (tests/scripts/ingest_crash.sh).
**
**   ingest_crash --count       SOURCE TABLE CKPT FORMAT [KEY=VALUE...]
**   ingest_crash --crash-at N  SOURCE TABLE CKPT FORMAT [KEY=VALUE...]
**
** Steps are the operations that change storage: create, commit (a file
** becoming visible), remove, rename, mkdirs. --count runs normally and prints
** how many there were; --crash-at N calls _exit(77) right before the N-th,
** as kill -9 would stop the process there (nothing after it happens, no
** cleanup runs). A run that reaches the end exits 0; an error exits 1.
** KEY=VALUE are stream options (trigger=... picks the trigger).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/fs.h"
#include "stream/stream.h"
#include "util/alloc.h"

typedef struct cfs {
  lago_fs base;
  lago_fs *inner;
  long crash_at, ops;
} cfs;

typedef struct cfile {
  lago_file base;
  lago_file *inner;
} cfile;

typedef struct cwfile {
  lago_wfile base;
  lago_wfile *inner;
  cfs *fs;
} cwfile;

static void step(cfs *f) {
  if (++f->ops == f->crash_at) _exit(77);
}

static int c_open(lago_fs *fs, const char *path, lago_file **out, lago_err *err) {
  cfs *f = (cfs *)fs;
  lago_file *in;
  TRY(fs_open(f->inner, path, &in, err));
  cfile *cf = mem_calloc(1, sizeof *cf);
  if (!cf) {
    fs_close(in);
    return LAGO_NOMEM_ERR(err);
  }
  cf->base = *in;
  cf->base.fs = fs;
  cf->inner = in;
  *out = &cf->base;
  return LAGO_OK;
}
static int c_read_at(lago_file *file, uint64_t off, void *dst, size_t n, lago_err *err) {
  return fs_read_at(((cfile *)file)->inner, off, dst, n, err);
}
static void c_close(lago_file *file) {
  fs_close(((cfile *)file)->inner);
  mem_free(file);
}
static int c_stat(lago_fs *fs, const char *path, fs_stat *out, lago_err *err) {
  return fs_stat_path(((cfs *)fs)->inner, path, out, err);
}
static int c_list(lago_fs *fs, const char *dir, bool rec, fs_list_fn fn, void *ud, lago_err *err) {
  return fs_list(((cfs *)fs)->inner, dir, rec, fn, ud, err);
}
static int c_create(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err) {
  cfs *f = (cfs *)fs;
  step(f);
  lago_wfile *in;
  TRY(fs_create(f->inner, path, &in, err));
  cwfile *cw = mem_calloc(1, sizeof *cw);
  if (!cw) {
    fs_wfile_abort(in);
    return LAGO_NOMEM_ERR(err);
  }
  cw->base = *in;
  cw->base.fs = fs;
  cw->inner = in;
  cw->fs = f;
  *out = &cw->base;
  return LAGO_OK;
}
static int c_write(lago_wfile *w, const void *data, size_t n, lago_err *err) {
  cwfile *cw = (cwfile *)w;
  int rc = fs_wfile_write(cw->inner, data, n, err);
  cw->base.written = cw->inner->written;
  return rc;
}
static int c_commit(lago_wfile *w, bool replace, lago_err *err) {
  cwfile *cw = (cwfile *)w;
  step(cw->fs);
  int rc = fs_wfile_commit(cw->inner, replace, err);
  mem_free(cw);
  return rc;
}
static void c_abort(lago_wfile *w) {
  cwfile *cw = (cwfile *)w;
  fs_wfile_abort(cw->inner);
  mem_free(cw);
}
static int c_remove(lago_fs *fs, const char *path, lago_err *err) {
  step((cfs *)fs);
  return fs_remove(((cfs *)fs)->inner, path, err);
}
static int c_rename(lago_fs *fs, const char *from, const char *to, bool replace, lago_err *err) {
  step((cfs *)fs);
  return fs_rename(((cfs *)fs)->inner, from, to, replace, err);
}
static int c_mkdirs(lago_fs *fs, const char *path, lago_err *err) {
  step((cfs *)fs);
  return fs_mkdirs(((cfs *)fs)->inner, path, err);
}
static void c_free(lago_fs *fs) { (void)fs; }

static const lago_fs_vtab k_vt = {"crash", c_open,  c_read_at, c_close,  c_stat,  c_list,  c_create,
                                  c_write, c_commit, c_abort,  c_remove, c_rename, c_mkdirs, c_free};

static void on_event(void *ud, stream_event_kind k, const char *msg) {
  (void)ud;
  fprintf(stderr, "%s%s\n", k == STREAM_WARN ? "warning: " : "", msg);
}

int main(int argc, char **argv) {
  if (argc < 7 || (strcmp(argv[1], "--count") && strcmp(argv[1], "--crash-at"))) {
    fprintf(stderr, "usage: ingest_crash (--count | --crash-at N) SOURCE TABLE CKPT FORMAT [KEY=VALUE...]\n");
    return 2;
  }
  bool count = !strcmp(argv[1], "--count");
  int a = 2;
  cfs f = {{&k_vt}, fs_local(), 0, 0};
  if (!count) f.crash_at = atol(argv[a++]);
  const char *source = argv[a++], *table = argv[a++], *ckpt = argv[a++], *format = argv[a++];
  arena *ar = arena_new("tool", 4096);
  stream_opts o;
  stream_opts_init(&o);
  lago_err err;
  lago_err_clear(&err);
  int rc = stream_format_parse(format, &o.format, &err);
  for (; a < argc && rc == LAGO_OK; a++) {
    char *eq = strchr(argv[a], '=');
    if (!eq) {
      fprintf(stderr, "ingest_crash: option %s is not KEY=VALUE\n", argv[a]);
      return 2;
    }
    *eq = 0;
    rc = stream_opts_set(&o, ar, argv[a], eq + 1, &err);
  }
  tbl_handlers h = tbl_handlers_default(&f.base);
  stream_hooks hooks = {on_event, NULL, NULL, NULL};
  stream_target t = {table, NULL, NULL, NULL};
  stream *s = NULL;
  if (rc == LAGO_OK) rc = stream_open(&h, &o, source, &t, ckpt, &hooks, &s, &err);
  if (rc == LAGO_OK) rc = stream_run(s, &err);
  stream_close(s);
  arena_free(ar);
  if (rc) {
    fprintf(stderr, "ingest_crash: %s\n", err.msg);
    return 1;
  }
  if (count) printf("%ld\n", f.ops);
  return 0;
}
