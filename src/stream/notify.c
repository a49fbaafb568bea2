/*
** stream/notify.c: notification mode (cloudFiles.useNotifications) on a
** local directory with Linux inotify.
**
** The watcher reports a file when it is complete: IN_CLOSE_WRITE (a writer
** closed it) or IN_MOVED_TO (renamed into place: the atomic way to drop a
** file). IN_CREATE is not used for files, so half-written files are never
** queued. New subdirectories (IN_CREATE/IN_MOVED_TO with IN_ISDIR) get their
** own watch, and the files already inside them are queued, since they may
** have been written before the watch existed. IN_Q_OVERFLOW (the kernel
** dropped events) sets `overflow`, and the stream answers with a full
** listing; so does every backfillInterval. Events carry no ordering
** guarantee the stream relies on: discovery sorts by (mtime, path).
**
** This file talks to the OS directly (inotify, opendir): notification mode
** exists only for local directories, which io/fs.h does not abstract.
** Hidden directories ('.' or '_' first) are not watched.
*/
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stream/stream_int.h"
#include "util/alloc.h"

typedef struct watch {
  int wd;
  char *rel; /* directory relative to the root ("" for the root); heap */
} watch;

struct stream_notify {
  int fd;
  char *root;       /* heap */
  watch *w;         /* heap */
  size_t n_w, cap_w;
  char **q;         /* queued relative file paths (heap) */
  size_t n_q, cap_q;
  bool overflow;
  int rc;           /* a sticky allocation failure */
};

static char *join_rel(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  char *p = mem_alloc(la + lb + 2);
  if (!p) return NULL;
  if (la) {
    memcpy(p, a, la);
    p[la] = '/';
    memcpy(p + la + 1, b, lb + 1);
  } else {
    memcpy(p, b, lb + 1);
  }
  return p;
}

static char *full_path(const stream_notify *n, const char *rel) {
  return *rel ? join_rel(n->root, rel) : mem_strdup(n->root);
}

static int queue(stream_notify *n, char *rel /* taken */) {
  if (!rel) return n->rc = LAGO_NOMEM;
  if (n->n_q == n->cap_q) {
    size_t nc = n->cap_q ? n->cap_q * 2 : 64;
    char **nq = mem_realloc(n->q, nc * sizeof *nq);
    if (!nq) {
      mem_free(rel);
      return n->rc = LAGO_NOMEM;
    }
    n->q = nq;
    n->cap_q = nc;
  }
  n->q[n->n_q++] = rel;
  return LAGO_OK;
}

static const watch *find_watch(const stream_notify *n, int wd) {
  for (size_t i = 0; i < n->n_w; i++)
    if (n->w[i].wd == wd) return &n->w[i];
  return NULL;
}

static bool hidden(const char *name) { return name[0] == '.' || name[0] == '_'; }

/* Watches directory rel and (recursively) its subdirectories; with scan, queues the files found. */
static int add_dir(stream_notify *n, const char *rel, bool scan, int depth, lago_err *err) {
  if (depth > 64) return LAGO_OK;
  char *full = full_path(n, rel);
  if (!full) return LAGO_NOMEM_ERR(err);
  int wd = inotify_add_watch(n->fd, full, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR);
  if (wd < 0) {
    int e = errno;
    mem_free(full);
    if (e == ENOENT || e == ENOTDIR) return LAGO_OK; /* vanished meanwhile */
    return LAGO_ERR(err, LAGO_IO, "inotify watch on %s/%s: %s%s", n->root, rel, strerror(e),
                    e == ENOSPC ? " (raise fs.inotify.max_user_watches)" : "");
  }
  if (!find_watch(n, wd)) {
    if (n->n_w == n->cap_w) {
      size_t nc = n->cap_w ? n->cap_w * 2 : 16;
      watch *nw = mem_realloc(n->w, nc * sizeof *nw);
      if (!nw) {
        mem_free(full);
        return LAGO_NOMEM_ERR(err);
      }
      n->w = nw;
      n->cap_w = nc;
    }
    n->w[n->n_w].wd = wd;
    if (!(n->w[n->n_w].rel = mem_strdup(rel))) {
      mem_free(full);
      return LAGO_NOMEM_ERR(err);
    }
    n->n_w++;
  }
  DIR *d = opendir(full);
  mem_free(full);
  if (!d) return LAGO_OK;
  int rc = LAGO_OK;
  struct dirent *e;
  while (rc == LAGO_OK && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || hidden(e->d_name)) continue;
    char *sub = join_rel(rel, e->d_name);
    if (!sub) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    bool is_dir = e->d_type == DT_DIR;
    if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
      char *f = full_path(n, sub);
      struct stat st;
      is_dir = f && stat(f, &st) == 0 && S_ISDIR(st.st_mode);
      mem_free(f);
    }
    if (is_dir) {
      rc = add_dir(n, sub, scan, depth + 1, err);
      mem_free(sub);
    } else if (scan) {
      if (queue(n, sub)) rc = LAGO_NOMEM_ERR(err);
    } else {
      mem_free(sub);
    }
  }
  closedir(d);
  return rc;
}

int notify_open(const char *dir, stream_notify **out, lago_err *err) {
  *out = NULL;
  stream_notify *n = mem_calloc(1, sizeof *n);
  if (!n) return LAGO_NOMEM_ERR(err);
  n->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (n->fd < 0) {
    int e = errno;
    mem_free(n);
    return LAGO_ERR(err, LAGO_IO, "inotify_init1: %s", strerror(e));
  }
  if (!(n->root = mem_strdup(dir))) {
    notify_close(n);
    return LAGO_NOMEM_ERR(err);
  }
  int rc = add_dir(n, "", false, 0, err);
  if (rc) {
    notify_close(n);
    return rc;
  }
  *out = n;
  return LAGO_OK;
}

void notify_close(stream_notify *n) {
  if (!n) return;
  if (n->fd >= 0) close(n->fd);
  for (size_t i = 0; i < n->n_w; i++) mem_free(n->w[i].rel);
  mem_free(n->w);
  notify_free_paths(n->q, n->n_q);
  mem_free(n->root);
  mem_free(n);
}

/* Reads and handles every pending event. */
static int drain(stream_notify *n, lago_err *err) {
  char bufv[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
  for (;;) {
    ssize_t len = read(n->fd, bufv, sizeof bufv);
    if (len < 0) {
      if (errno == EAGAIN || errno == EINTR) return LAGO_OK;
      return LAGO_ERR(err, LAGO_IO, "reading inotify events: %s", strerror(errno));
    }
    if (len == 0) return LAGO_OK;
    for (char *p = bufv; p < bufv + len;) {
      const struct inotify_event *ev = (const struct inotify_event *)p;
      size_t step = sizeof *ev + ev->len;
      if (step > (size_t)(bufv + len - p)) break; /* cannot happen: the kernel writes whole events */
      p += step;
      if (ev->mask & IN_Q_OVERFLOW) {
        n->overflow = true;
        continue;
      }
      const watch *w = find_watch(n, ev->wd);
      if (!w || !ev->len || !ev->name[0] || hidden(ev->name)) continue;
      char *rel = join_rel(w->rel, ev->name);
      if (!rel) return LAGO_NOMEM_ERR(err);
      if (ev->mask & IN_ISDIR) {
        if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
          int rc = add_dir(n, rel, true, 0, err);
          mem_free(rel);
          TRY(rc);
        } else {
          mem_free(rel);
        }
        continue;
      }
      if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
        if (queue(n, rel)) return LAGO_NOMEM_ERR(err);
      } else {
        mem_free(rel);
      }
    }
  }
}

int notify_wait(stream_notify *n, int64_t timeout_ms, volatile sig_atomic_t *stop, lago_err *err) {
  int64_t waited = 0;
  for (;;) {
    TRY(drain(n, err));
    if (n->rc) return LAGO_NOMEM_ERR(err);
    if (n->n_q || n->overflow || (stop && *stop) || waited >= timeout_ms) return LAGO_OK;
    int slice = (int)(timeout_ms - waited < 100 ? timeout_ms - waited : 100);
    struct pollfd pfd = {n->fd, POLLIN, 0};
    int r = poll(&pfd, 1, slice);
    if (r < 0 && errno != EINTR) return LAGO_ERR(err, LAGO_IO, "poll on inotify: %s", strerror(errno));
    waited += slice;
  }
}

int notify_take(stream_notify *n, char ***paths, size_t *count, bool *overflow, lago_err *err) {
  TRY(drain(n, err));
  if (n->rc) return LAGO_NOMEM_ERR(err);
  *paths = n->q;
  *count = n->n_q;
  *overflow = n->overflow;
  n->q = NULL;
  n->n_q = n->cap_q = 0;
  n->overflow = false;
  return LAGO_OK;
}

void notify_free_paths(char **paths, size_t count) {
  for (size_t i = 0; i < count; i++) mem_free(paths[i]);
  mem_free(paths);
}
