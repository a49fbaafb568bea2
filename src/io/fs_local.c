/*
** io/fs_local.c: the local file-system backend of lago_fs (see fs.h).
**
** Atomic visibility: fs_create writes to a hidden temporary file in the
** target directory, named
**     .<basename>.<pid>.<counter>.tmp
** and commit makes it visible in one step: fsync(file), then
**   replace=true:  rename(tmp, path)
**   replace=false: renameat2(tmp, path, RENAME_NOREPLACE), or link(tmp, path)
**                  + unlink(tmp) where the file system lacks RENAME_NOREPLACE;
**                  both fail with EEXIST when path exists (put-if-absent),
** then fsync(directory) so the new name survives a power cut. A crash before
** the rename leaves only a hidden temp file, which readers ignore (Delta
** readers skip names starting with '.'; lago's vacuum removes stale ones).
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fs.h"
#include "util/alloc.h"

#define WBUF_SIZE (256 * 1024)

typedef struct local_file {
  lago_file base;
  int fd;
} local_file;

typedef struct local_wfile {
  lago_wfile base;
  int fd;
  char *tmp;        /* heap: temp path */
  char *buf;        /* heap: write buffer */
  size_t buf_len;
} local_wfile;

static atomic_long g_tmp_counter;

static int os_err(lago_err *err, int e, const char *op, const char *path) {
  int rc = LAGO_IO;
  if (e == ENOENT || e == ENOTDIR) rc = LAGO_NOTFOUND;
  else if (e == EEXIST) rc = LAGO_EXISTS;
  else if (e == ENOSPC || e == EDQUOT) rc = LAGO_FULL;
  else if (e == ENOMEM) rc = LAGO_NOMEM;
  return LAGO_ERR(err, rc, "%s %s: %s", op, path, strerror(e));
}

static int64_t st_mtime_ns(const struct stat *st) {
  return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static int l_open(lago_fs *fs, const char *path, lago_file **out, lago_err *err) {
  *out = NULL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_err(err, errno, "open", path);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return os_err(err, e, "stat", path);
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return LAGO_ERR(err, LAGO_IO, "open %s: is a directory", path);
  }
  local_file *f = mem_calloc(1, sizeof *f);
  char *p = mem_strdup(path);
  if (!f || !p) {
    mem_free(f);
    mem_free(p);
    close(fd);
    return LAGO_NOMEM_ERR(err);
  }
  f->base.fs = fs;
  f->base.path = p;
  f->base.size = (uint64_t)st.st_size;
  f->base.mtime_ns = st_mtime_ns(&st);
  f->fd = fd;
  *out = &f->base;
  return LAGO_OK;
}

static int l_read_at(lago_file *base, uint64_t off, void *dst, size_t n, lago_err *err) {
  local_file *f = (local_file *)base;
  if (off > base->size || n > base->size - off)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: read of %zu bytes at offset %llu is past the end (size %llu)",
                    base->path, n, (unsigned long long)off, (unsigned long long)base->size);
  char *d = dst;
  while (n) {
    ssize_t k = pread(f->fd, d, n, (off_t)off);
    if (k < 0) {
      if (errno == EINTR) continue;
      return os_err(err, errno, "read", base->path);
    }
    if (k == 0)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: file shrank while reading (offset %llu)", base->path,
                      (unsigned long long)off);
    d += k;
    off += (uint64_t)k;
    n -= (size_t)k;
  }
  return LAGO_OK;
}

static void l_close(lago_file *base) {
  local_file *f = (local_file *)base;
  close(f->fd);
  mem_free((void *)base->path);
  mem_free(f);
}

static int l_stat(lago_fs *fs, const char *path, fs_stat *out, lago_err *err) {
  (void)fs;
  struct stat st;
  if (stat(path, &st) != 0) return os_err(err, errno, "stat", path);
  out->size = (uint64_t)st.st_size;
  out->mtime_ns = st_mtime_ns(&st);
  out->is_dir = S_ISDIR(st.st_mode);
  return LAGO_OK;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Lists one directory level, sorted; recursion through list_dir. rel = name prefix. */
static int list_dir(const char *dir, const char *rel, bool recursive, fs_list_fn fn, void *ud, lago_err *err,
                    int depth) {
  if (depth > 64) return LAGO_ERR(err, LAGO_IO, "list %s: directories nested too deeply", dir);
  DIR *d = opendir(dir);
  if (!d) return os_err(err, errno, "list", dir);
  char **names = NULL;
  size_t n = 0, cap = 0;
  int rc = LAGO_OK;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (n == cap) {
      size_t nc = cap ? cap * 2 : 64;
      char **nn = mem_realloc(names, nc * sizeof *nn);
      if (!nn) {
        rc = LAGO_NOMEM_ERR(err);
        goto done;
      }
      names = nn;
      cap = nc;
    }
    if (!(names[n] = mem_strdup(e->d_name))) {
      rc = LAGO_NOMEM_ERR(err);
      goto done;
    }
    n++;
  }
  if (n) qsort(names, n, sizeof *names, cmp_str);
  for (size_t i = 0; i < n && rc == LAGO_OK; i++) {
    size_t plen = strlen(dir) + strlen(names[i]) + 2, rlen = strlen(rel) + strlen(names[i]) + 2;
    char *path = mem_alloc(plen), *rname = mem_alloc(rlen);
    if (!path || !rname) {
      mem_free(path);
      mem_free(rname);
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    size_t dl = strlen(dir);
    snprintf(path, plen, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", names[i]);
    snprintf(rname, rlen, "%s%s%s", rel, *rel ? "/" : "", names[i]);
    struct stat st;
    if (stat(path, &st) != 0) {
      /* Vanished between readdir and stat (a concurrent writer's temp file): skip it. */
      if (errno != ENOENT) rc = os_err(err, errno, "stat", path);
    } else if (S_ISDIR(st.st_mode) && recursive) {
      rc = list_dir(path, rname, true, fn, ud, err, depth + 1);
    } else {
      fs_entry ent = {path, rname, (uint64_t)st.st_size, st_mtime_ns(&st), S_ISDIR(st.st_mode)};
      rc = fn(ud, &ent);
    }
    mem_free(path);
    mem_free(rname);
  }
done:
  for (size_t i = 0; i < n; i++) mem_free(names[i]);
  mem_free(names);
  closedir(d);
  return rc;
}

static int l_list(lago_fs *fs, const char *dir, bool recursive, fs_list_fn fn, void *ud, lago_err *err) {
  (void)fs;
  return list_dir(dir, "", recursive, fn, ud, err, 0);
}

static int mkdirs_path(const char *path, lago_err *err) {
  size_t n = strlen(path);
  if (n == 0) return LAGO_OK;
  char *tmp = mem_strdup(path);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  for (char *p = tmp + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(tmp, 0777) != 0 && errno != EEXIST) {
      rc = os_err(err, errno, "mkdir", tmp);
      goto done;
    }
    *p = '/';
  }
  if (mkdir(tmp, 0777) != 0 && errno != EEXIST) rc = os_err(err, errno, "mkdir", tmp);
done:
  mem_free(tmp);
  return rc;
}

static int l_mkdirs(lago_fs *fs, const char *path, lago_err *err) {
  (void)fs;
  return mkdirs_path(path, err);
}

/* Parent directory of path into out (".", if none). */
static void parent_dir(const char *path, char *out, size_t cap) {
  const char *slash = strrchr(path, '/');
  if (!slash) {
    snprintf(out, cap, ".");
  } else if (slash == path) {
    snprintf(out, cap, "/");
  } else {
    snprintf(out, cap, "%.*s", (int)(slash - path), path);
  }
}

static int l_create(lago_fs *fs, const char *path, lago_wfile **out, lago_err *err) {
  *out = NULL;
  char dir[4096];
  if (strlen(path) >= sizeof dir - 64) return LAGO_ERR(err, LAGO_IO, "path too long: %.100s...", path);
  parent_dir(path, dir, sizeof dir);
  TRY(mkdirs_path(dir, err));
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  local_wfile *w = mem_calloc(1, sizeof *w);
  if (!w) return LAGO_NOMEM_ERR(err);
  size_t tl = strlen(dir) + strlen(base) + 64;
  w->tmp = mem_alloc(tl);
  w->buf = mem_alloc(WBUF_SIZE);
  char *p = mem_strdup(path);
  if (!w->tmp || !w->buf || !p) {
    mem_free(w->tmp);
    mem_free(w->buf);
    mem_free(p);
    mem_free(w);
    return LAGO_NOMEM_ERR(err);
  }
  snprintf(w->tmp, tl, "%s/.%s.%ld.%ld.tmp", dir, base, (long)getpid(), atomic_fetch_add(&g_tmp_counter, 1));
  w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (w->fd < 0) {
    int rc = os_err(err, errno, "create", w->tmp);
    mem_free(w->tmp);
    mem_free(w->buf);
    mem_free(p);
    mem_free(w);
    return rc;
  }
  w->base.fs = fs;
  w->base.path = p;
  *out = &w->base;
  return LAGO_OK;
}

static int write_full(int fd, const char *p, size_t n, const char *path, lago_err *err) {
  while (n) {
    ssize_t k = write(fd, p, n);
    if (k < 0) {
      if (errno == EINTR) continue;
      return os_err(err, errno, "write", path);
    }
    p += k;
    n -= (size_t)k;
  }
  return LAGO_OK;
}

static int flush_buf(local_wfile *w, lago_err *err) {
  if (!w->buf_len) return LAGO_OK;
  int rc = write_full(w->fd, w->buf, w->buf_len, w->base.path, err);
  w->buf_len = 0;
  return rc;
}

static int l_wfile_write(lago_wfile *base, const void *data, size_t n, lago_err *err) {
  local_wfile *w = (local_wfile *)base;
  base->written += n;
  if (w->buf_len + n <= WBUF_SIZE) {
    memcpy(w->buf + w->buf_len, data, n);
    w->buf_len += n;
    return LAGO_OK;
  }
  TRY(flush_buf(w, err));
  if (n >= WBUF_SIZE) return write_full(w->fd, data, n, base->path, err);
  memcpy(w->buf, data, n);
  w->buf_len = n;
  return LAGO_OK;
}

static void wfile_free(local_wfile *w) {
  mem_free((void *)w->base.path);
  mem_free(w->tmp);
  mem_free(w->buf);
  mem_free(w);
}

static void l_wfile_abort(lago_wfile *base) {
  local_wfile *w = (local_wfile *)base;
  if (w->fd >= 0) close(w->fd);
  unlink(w->tmp);
  wfile_free(w);
}

static int fsync_dir(const char *path, lago_err *err) {
  char dir[4096];
  parent_dir(path, dir, sizeof dir);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return os_err(err, errno, "open directory", dir);
  int rc = LAGO_OK;
  if (fsync(fd) != 0 && errno != EINVAL) rc = os_err(err, errno, "fsync directory", dir);
  close(fd);
  return rc;
}

/* rename without replacing: renameat2 when the file system has it, else link+unlink. */
static int rename_noreplace(const char *from, const char *to) {
  if (renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP) return errno;
  if (link(from, to) != 0) return errno;
  unlink(from);
  return 0;
}

static int l_wfile_commit(lago_wfile *base, bool replace, lago_err *err) {
  local_wfile *w = (local_wfile *)base;
  int rc = flush_buf(w, err);
  if (rc == LAGO_OK && fsync(w->fd) != 0) rc = os_err(err, errno, "fsync", w->tmp);
  if (close(w->fd) != 0 && rc == LAGO_OK) rc = os_err(err, errno, "close", w->tmp);
  w->fd = -1;
  if (rc == LAGO_OK) {
    if (replace) {
      if (rename(w->tmp, base->path) != 0) rc = os_err(err, errno, "rename to", base->path);
    } else {
      int e = rename_noreplace(w->tmp, base->path);
      if (e) rc = os_err(err, e, "create", base->path);
    }
  }
  if (rc == LAGO_OK) rc = fsync_dir(base->path, err);
  if (rc != LAGO_OK) unlink(w->tmp);
  wfile_free(w);
  return rc;
}

static int l_remove(lago_fs *fs, const char *path, lago_err *err) {
  (void)fs;
  if (unlink(path) == 0) return LAGO_OK;
  if (errno == EISDIR || errno == EPERM) {
    if (rmdir(path) == 0) return LAGO_OK;
  }
  return os_err(err, errno, "remove", path);
}

static int l_rename(lago_fs *fs, const char *from, const char *to, bool replace, lago_err *err) {
  (void)fs;
  int e = replace ? (rename(from, to) == 0 ? 0 : errno) : rename_noreplace(from, to);
  if (e) return os_err(err, e, "rename", from);
  return fsync_dir(to, err);
}

static void l_free(lago_fs *fs) { (void)fs; }

static const lago_fs_vtab k_local_vtab = {
    "local",  l_open,        l_read_at,      l_close,       l_stat,   l_list,   l_create,
    l_wfile_write, l_wfile_commit, l_wfile_abort, l_remove, l_rename, l_mkdirs, l_free,
};

static lago_fs g_local = {&k_local_vtab};

lago_fs *fs_local(void) { return &g_local; }
