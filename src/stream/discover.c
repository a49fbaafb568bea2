/*
** stream/discover.c: finding new source files and cutting them into batches.
**
** A file's identity is (relative path, size, modification time). A path is
** new when the seen set (every file loaded, or skipped at the first start)
** does not hold it; with allowOverwrites=true a seen path whose size or
** mtime changed is new again (its new content is loaded; the old rows stay,
** as in Auto Loader). Files of the pending (replayed) batch are never new.
**
** Names: hidden files and directories (a path segment starting with '.' or
** '_', as Spark's file index skips them: temp files of atomic writers,
** _SUCCESS, _checkpoint...) are ignored. A glob in the source path (strict:
** '*' does not cross '/') must match the relative path; pathGlobFilter must
** match the file name. modifiedAfter/modifiedBefore compare the file's
** mtime (exclusive). Files modified less than the settle time ago are left
** for a later trigger (notification mode: a listing may see a file that is
** still being written; its IN_CLOSE_WRITE event brings it back).
**
** Order: candidates are sorted by (mtime, path), so rate-limited batches take
** the oldest files first and a batch's composition is deterministic for a
** given directory state.
*/
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "stream/stream_int.h"
#include "util/alloc.h"

void cand_init(cand_list *c, arena *ar) {
  memset(c, 0, sizeof *c);
  c->ar = ar;
}

void cand_deinit(cand_list *c) {
  mem_free(c->v);
  memset(c, 0, sizeof *c);
}

static int cand_push(cand_list *c, const src_file *f, lago_err *err) {
  if (c->n == c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 64;
    src_file *nv = mem_realloc(c->v, nc * sizeof *nv);
    if (!nv) return LAGO_NOMEM_ERR(err);
    c->v = nv;
    c->cap = nc;
  }
  c->v[c->n++] = *f;
  return LAGO_OK;
}

bool discover_name_ok(const stream *s, const char *rel) {
  const char *seg = rel;
  for (const char *p = rel;; p++) {
    if (*p == '/' || !*p) {
      if (seg[0] == '.' || seg[0] == '_') return false;
      if (!*p) break;
      seg = p + 1;
    }
  }
  if (s->src_glob && fnmatch(s->src_glob, rel, FNM_PATHNAME | FNM_PERIOD) != 0) return false;
  if (s->o.glob) {
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    if (fnmatch(s->o.glob, base, FNM_PERIOD) != 0) return false;
  }
  return true;
}

typedef struct disc {
  stream *s;
  cand_list *out;
  int64_t now_ns;
  lago_err *err;
  bool from_event;  /* a notification: the file is complete, no settle time */
  uint64_t deferred;
} disc;

static bool is_pending(const stream *s, const char *rel) {
  for (uint32_t i = 0; i < s->n_pending; i++)
    if (!strcmp(s->pending[i].rel, rel)) return true;
  return false;
}

/* Applies every rule to one file; pushes it when it is new. */
static int consider(disc *d, const char *rel, uint64_t size, int64_t mtime_ns, lago_err *err) {
  stream *s = d->s;
  if (!discover_name_ok(s, rel) || !ckpt_path_ok(rel, strlen(rel))) return LAGO_OK;
  if (!(mtime_ns > s->o.modified_after_ns && mtime_ns < s->o.modified_before_ns)) return LAGO_OK;
  const ckpt_file *e = fileset_get(&s->seen, rel);
  if (e && (!s->o.allow_overwrites || (e->size == size && e->mtime_ns == mtime_ns))) return LAGO_OK;
  if (!e && s->assume_loaded_before_ns >= 0 && mtime_ns < s->assume_loaded_before_ns) return LAGO_OK;
  if (!d->from_event && s->o.settle_ms > 0 && mtime_ns > d->now_ns - s->o.settle_ms * 1000000) {
    d->deferred++;
    return LAGO_OK;
  }
  if (s->n_pending && is_pending(s, rel)) return LAGO_OK;
  src_file f;
  memset(&f, 0, sizeof f);
  f.rel = arena_strdup(d->out->ar, rel);
  f.abs = f.rel ? path_join(d->out->ar, s->src_dir, rel) : NULL;
  if (!f.abs) return LAGO_NOMEM_ERR(err);
  f.size = size;
  f.mtime_ns = mtime_ns;
  f.layout = -1;
  return cand_push(d->out, &f, err);
}

static int on_entry(void *ud, const fs_entry *e) {
  disc *d = ud;
  if (e->is_dir) return LAGO_OK;
  return consider(d, e->name, e->size, e->mtime_ns, d->err);
}

static int cmp_cand(const void *a, const void *b) {
  const src_file *x = a, *y = b;
  if (x->mtime_ns != y->mtime_ns) return x->mtime_ns < y->mtime_ns ? -1 : 1;
  return strcmp(x->rel, y->rel);
}

/* Removes duplicates by path after sorting by path (notification queues repeat names). */
static int cmp_rel(const void *a, const void *b) { return strcmp(((const src_file *)a)->rel, ((const src_file *)b)->rel); }

int discover(stream *s, bool full, cand_list *out, uint64_t *deferred, lago_err *err) {
  disc d = {s, out, stream_now_ns(), err, !full, 0};
  size_t start = out->n;
  if (full) {
    int rc = fs_list(s->fs, s->src_dir, s->o.recursive, on_entry, &d, err);
    if (rc == LAGO_NOTFOUND) {
      lago_err_clear(err);
      return LAGO_ERR(err, LAGO_NOTFOUND, "source directory %s does not exist", s->src_dir);
    }
    if (rc) return rc;
  } else if (s->nt) {
    char **paths = NULL;
    size_t n = 0;
    bool overflow = false;
    TRY(notify_take(s->nt, &paths, &n, &overflow, err));
    int rc = LAGO_OK;
    for (size_t i = 0; i < n && rc == LAGO_OK; i++) {
      if (!s->o.recursive && strchr(paths[i], '/')) continue;
      char *abs = path_join(out->ar, s->src_dir, paths[i]);
      if (!abs) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      fs_stat st;
      lago_err se;
      lago_err_clear(&se);
      int src = fs_stat_path(s->fs, abs, &st, &se);
      if (src == LAGO_NOTFOUND || (src == LAGO_OK && st.is_dir)) continue; /* gone again, or a directory */
      if (src) {
        lago_err_copy(err, &se);
        rc = src;
        break;
      }
      rc = consider(&d, paths[i], st.size, st.mtime_ns, err);
    }
    notify_free_paths(paths, n);
    TRY(rc);
    if (overflow) {
      stream_event(s, STREAM_WARN, "inotify queue overflowed: listing %s in full", s->src_dir);
      return discover(s, true, out, deferred, err);
    }
    /* a name may be queued several times: keep one */
    if (out->n - start > 1) {
      qsort(out->v + start, out->n - start, sizeof *out->v, cmp_rel);
      size_t k = start + 1;
      for (size_t i = start + 1; i < out->n; i++)
        if (strcmp(out->v[i].rel, out->v[k - 1].rel)) out->v[k++] = out->v[i];
      out->n = k;
    }
  }
  if (out->n - start > 1) qsort(out->v + start, out->n - start, sizeof *out->v, cmp_cand);
  if (deferred) *deferred += d.deferred;
  return LAGO_OK;
}

uint32_t discover_take(const stream *s, const src_file *c, size_t n, bool unlimited) {
  uint64_t bytes = 0;
  size_t k = 0;
  for (; k < n && k < UINT32_MAX; k++) {
    if (unlimited) continue;
    if (s->o.max_files > 0 && (int64_t)k >= s->o.max_files) break;
    if (s->o.max_bytes > 0 && k > 0 && bytes + c[k].size > s->o.max_bytes) break;
    bytes += c[k].size;
  }
  return (uint32_t)k;
}

typedef struct list_all {
  stream *s;
  int (*fn)(void *ud, const ckpt_file *f, lago_err *err);
  void *ud;
  lago_err *err;
} list_all;

static int on_list_all(void *ud, const fs_entry *e) {
  list_all *l = ud;
  if (e->is_dir || !discover_name_ok(l->s, e->name) || !ckpt_path_ok(e->name, strlen(e->name))) return LAGO_OK;
  ckpt_file f = {e->name, e->size, e->mtime_ns, -1};
  return l->fn(l->ud, &f, l->err);
}

int discover_list(stream *s, int (*fn)(void *ud, const ckpt_file *f, lago_err *err), void *ud, lago_err *err) {
  list_all l = {s, fn, ud, err};
  int rc = fs_list(s->fs, s->src_dir, s->o.recursive, on_list_all, &l, err);
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(err);
    return LAGO_ERR(err, LAGO_NOTFOUND, "source directory %s does not exist", s->src_dir);
  }
  return rc;
}
