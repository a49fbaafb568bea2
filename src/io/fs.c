/*
** io/fs.c: helpers built on the lago_fs vtable (see fs.h), the same for
** every backend.
*/
#include <string.h>

#include "io/fs.h"
#include "util/alloc.h"

void fs_free(lago_fs *fs) {
  if (fs) fs->vt->free(fs);
}

int fs_read_all(lago_fs *fs, const char *path, buf *out, lago_err *err) {
  lago_file *f;
  TRY(fs_open(fs, path, &f, err));
  int rc = LAGO_OK;
  if (f->size > SIZE_MAX / 2 || buf_reserve(out, (size_t)f->size)) {
    rc = LAGO_NOMEM_ERR(err);
  } else if (f->size) {
    rc = fs_read_at(f, 0, out->data + out->len, (size_t)f->size, err);
    if (rc == LAGO_OK) {
      out->len += (size_t)f->size;
      out->data[out->len] = 0;
    }
  }
  fs_close(f);
  return rc;
}

int fs_read_all_arena(lago_fs *fs, const char *path, arena *ar, char **data, size_t *len, lago_err *err) {
  lago_file *f;
  TRY(fs_open(fs, path, &f, err));
  int rc = LAGO_OK;
  char *p = f->size < SIZE_MAX ? arena_alloc(ar, (size_t)f->size + 1) : NULL;
  if (!p) {
    rc = LAGO_NOMEM_ERR(err);
  } else {
    if (f->size) rc = fs_read_at(f, 0, p, (size_t)f->size, err);
    p[f->size] = 0;
    *data = p;
    *len = (size_t)f->size;
  }
  fs_close(f);
  return rc;
}

int fs_write(lago_fs *fs, const char *path, const void *data, size_t n, bool replace, lago_err *err) {
  lago_wfile *w;
  TRY(fs_create(fs, path, &w, err));
  int rc = fs_wfile_write(w, data, n, err);
  if (rc) {
    fs_wfile_abort(w);
    return rc;
  }
  return fs_wfile_commit(w, replace, err);
}

int fs_exists(lago_fs *fs, const char *path, bool *out, lago_err *err) {
  fs_stat st;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_stat_path(fs, path, &st, &tmp);
  if (rc == LAGO_OK || rc == LAGO_NOTFOUND) {
    *out = rc == LAGO_OK;
    return LAGO_OK;
  }
  lago_err_copy(err, &tmp);
  return rc;
}

typedef struct tree_ctx {
  lago_fs *fs;
  lago_err *err;
} tree_ctx;

static int remove_entry(void *ud, const fs_entry *e) {
  tree_ctx *cx = ud;
  if (e->is_dir) return fs_remove_tree(cx->fs, e->path, cx->err);
  int rc = fs_remove(cx->fs, e->path, cx->err);
  return rc == LAGO_NOTFOUND ? LAGO_OK : rc;
}

int fs_remove_tree(lago_fs *fs, const char *path, lago_err *err) {
  fs_stat st;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_stat_path(fs, path, &st, &tmp);
  if (rc == LAGO_NOTFOUND) return LAGO_OK;
  if (rc) {
    lago_err_copy(err, &tmp);
    return rc;
  }
  if (st.is_dir) {
    tree_ctx cx = {fs, err};
    TRY(fs_list(fs, path, false, remove_entry, &cx, err));
  }
  rc = fs_remove(fs, path, err);
  return rc == LAGO_NOTFOUND ? LAGO_OK : rc;
}

char *path_join(arena *ar, const char *a, const char *b) {
  size_t la = strlen(a);
  while (la > 1 && a[la - 1] == '/') la--;
  while (*b == '/') b++;
  if (la == 0) return arena_strdup(ar, b);
  if (!*b) return arena_strndup(ar, a, la);
  bool slash = !(la == 1 && a[0] == '/');
  return arena_printf(ar, "%.*s%s%s", (int)la, a, slash ? "/" : "", b);
}
