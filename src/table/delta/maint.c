/*
** table/delta/maint.c: history, time travel by timestamp, VACUUM, log
** cleanup and RESTORE (PROTOCOL.md "Metadata Cleanup", "VACUUM Protocol
** Check", "In-Commit Timestamps"; DELTA-CHECKLIST.md §6, §15).
**
** VACUUM keeps every file reachable from a retained version. With cutoff =
** now - retention, the retained versions are those committed at or after
** the cutoff plus the one current at the cutoff, so the protected set is:
** the live files of the latest version, every tombstone whose
** deletionTimestamp is at or after the cutoff, every file removed or
** written as change data by a commit at or after the cutoff (read from the
** commits themselves, in case tombstones expired from the checkpoint), and
** the deletion-vector files of all of those. A file is deleted only if it
** is not protected and its own modification time is before the cutoff, so
** data files of transactions still in flight are never touched. Hidden
** names (starting with '_' or '.') are skipped, except _change_data and
** stale ".*.tmp" files of crashed writers.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "table/delta/dv.h"
#include "table/delta/txn_int.h"
#include "util/alloc.h"
#include "util/datetime.h"

/* ---- history ------------------------------------------------------------------ */

typedef struct ci_find {
  delta_commit_info *ci;
  arena *out;
  bool found;
} ci_find;

static int on_ci(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)version;
  (void)from_cp;
  ci_find *c = ud;
  if (a->kind != DA_COMMIT_INFO || c->found) return LAGO_OK;
  c->found = true;
  *c->ci = a->u.commit_info;
  c->ci->json = arena_strdup(c->out, a->u.commit_info.json);
  c->ci->operation = a->u.commit_info.operation ? arena_strdup(c->out, a->u.commit_info.operation) : NULL;
  if (!c->ci->json) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* Reads the commitInfo of one commit file (NULL when it has none). */
static int read_commit_info(delta_table *t, const log_file *lf, arena *scratch, arena *out, delta_commit_info **ci,
                            lago_err *err) {
  *ci = NULL;
  char *text;
  size_t len;
  TRY(delta_log_read(t, lf->path, scratch, &text, &len, err));
  delta_commit_info *c = arena_zalloc(out, sizeof *c);
  if (!c) return LAGO_NOMEM_ERR(err);
  ci_find f = {c, out, false};
  /* commitInfo is nearly always the first line: try it alone first */
  const char *nl = memchr(text, '\n', len);
  TRY(delta_commit_parse(text, nl ? (size_t)(nl - text) : len, scratch, lf->path, lf->version, on_ci, &f, err));
  if (!f.found && nl) TRY(delta_commit_parse(text, len, scratch, lf->path, lf->version, on_ci, &f, err));
  if (f.found) *ci = c;
  return LAGO_OK;
}

int delta_history(delta_table *t, uint32_t limit, arena *ar, delta_history_entry **out, size_t *n, lago_err *err) {
  *out = NULL;
  *n = 0;
  arena *scratch = arena_new("query", 65536);
  if (!scratch) return LAGO_NOMEM_ERR(err);
  log_listing l;
  int rc = delta_log_list(t, 0, scratch, &l, err);
  size_t cnt = 0;
  for (size_t i = 0; rc == LAGO_OK && i < l.n; i++)
    if (l.files[i].kind == LF_COMMIT) cnt++;
  if (rc == LAGO_OK && cnt == 0) rc = LAGO_ERR(err, LAGO_NOTFOUND, "%s: no commits in the log", t->root);
  if (limit && cnt > limit) cnt = limit;
  delta_history_entry *h = rc ? NULL : arena_alloc(ar, (cnt ? cnt : 1) * sizeof *h);
  if (rc == LAGO_OK && !h) rc = LAGO_NOMEM_ERR(err);
  size_t k = 0;
  arena *per = rc ? NULL : arena_new("query", 65536);
  if (rc == LAGO_OK && !per) rc = LAGO_NOMEM_ERR(err);
  for (size_t i = l.n; rc == LAGO_OK && i-- > 0 && k < cnt;) {
    const log_file *lf = &l.files[i];
    if (lf->kind != LF_COMMIT) continue;
    arena_reset(per);
    delta_commit_info *ci;
    if ((rc = read_commit_info(t, lf, per, ar, &ci, err))) break;
    h[k].version = lf->version;
    h[k].timestamp = ci && ci->in_commit_timestamp >= 0 ? ci->in_commit_timestamp : lf->mtime_ms;
    h[k].ci = ci;
    k++;
  }
  arena_free(per);
  arena_free(scratch);
  if (rc) return rc;
  *out = h;
  *n = k;
  return LAGO_OK;
}

int delta_history_each(delta_table *t, int64_t min_version, delta_commit_fn fn, void *ud, lago_err *err) {
  arena *scratch = arena_new("query", 65536);
  if (!scratch) return LAGO_NOMEM_ERR(err);
  log_listing l;
  int rc = delta_log_list(t, 0, scratch, &l, err);
  arena *per = rc ? NULL : arena_new("query", 65536);
  if (rc == LAGO_OK && !per) rc = LAGO_NOMEM_ERR(err);
  for (size_t i = 0; rc == LAGO_OK && i < l.n; i++) {
    const log_file *lf = &l.files[i];
    if (lf->kind != LF_COMMIT || lf->version < min_version) continue;
    arena_reset(per);
    delta_commit_info *ci;
    if ((rc = read_commit_info(t, lf, per, per, &ci, err))) {
      /* a commit removed by log cleanup between the listing and the read: skip it */
      if (rc == LAGO_NOTFOUND) {
        lago_err_clear(err);
        rc = LAGO_OK;
      }
      continue;
    }
    rc = fn(ud, lf->version, ci, err);
  }
  arena_free(per);
  arena_free(scratch);
  return rc;
}

/* ---- time travel by timestamp ----------------------------------------------------------- */

int delta_snapshot_load_at_time(delta_table *t, int64_t ts_ms, delta_snapshot **out, lago_err *err) {
  *out = NULL;
  delta_snapshot *latest;
  TRY(delta_snapshot_load(t, -1, &latest, err));
  arena *scratch = arena_new("query", 65536);
  if (!scratch) {
    delta_snapshot_unref(latest);
    return LAGO_NOMEM_ERR(err);
  }
  log_listing l;
  int rc = delta_log_list(t, 0, scratch, &l, err);
  /* versions that can be reconstructed: commits from the oldest checkpoint on (or from 0) */
  int64_t oldest_cp = -1;
  for (size_t i = 0; rc == LAGO_OK && i < l.n; i++)
    if (l.files[i].kind != LF_COMMIT && l.files[i].kind != LF_COMPACTION) {
      oldest_cp = l.files[i].version;
      break;
    }
  int64_t first_ok = l.min_commit == 0 ? 0 : oldest_cp;
  const delta_metadata *md = &latest->metadata;
  int64_t ict_since = -1;
  bool ict = delta_config_bool(&md->configuration, "delta.enableInCommitTimestamps", false);
  if (ict) ict_since = delta_config_i64(&md->configuration, "delta.inCommitTimestampEnablementVersion", 0);
  int64_t ict_since_ts = ict ? delta_config_i64(&md->configuration, "delta.inCommitTimestampEnablementTimestamp", -1)
                             : -1;
  int64_t found = -1;
  if (rc == LAGO_OK) {
    /* commits in version order with monotonised file times (Spark adjusts non-monotonic mtimes upward) */
    size_t nc = 0;
    for (size_t i = 0; i < l.n; i++)
      if (l.files[i].kind == LF_COMMIT && l.files[i].version >= first_ok) nc++;
    const log_file **cs = mem_alloc((nc ? nc : 1) * sizeof *cs);
    int64_t *ts = mem_alloc((nc ? nc : 1) * sizeof *ts);
    if (!cs || !ts) rc = LAGO_NOMEM_ERR(err);
    size_t k = 0;
    for (size_t i = 0; rc == LAGO_OK && i < l.n; i++)
      if (l.files[i].kind == LF_COMMIT && l.files[i].version >= first_ok) cs[k++] = &l.files[i];
    for (size_t i = 0; rc == LAGO_OK && i < nc; i++) {
      ts[i] = cs[i]->mtime_ms;
      if (i && ts[i] <= ts[i - 1]) ts[i] = ts[i - 1] + 1;
    }
    if (rc == LAGO_OK && ict && (ict_since_ts < 0 || ts_ms >= ict_since_ts)) {
      /* binary search over in-commit timestamps of versions >= ict_since (monotonic) */
      size_t lo = 0, hi = nc;
      while (lo < nc && cs[lo]->version < ict_since) lo++;
      size_t a = lo, b = hi; /* find last index with ict <= ts_ms */
      int64_t best = -1;
      while (a < b && rc == LAGO_OK) {
        size_t mid = a + (b - a) / 2;
        int64_t v;
        arena *per = arena_new("query", 16384);
        if (!per) {
          rc = LAGO_NOMEM_ERR(err);
          break;
        }
        rc = delta_commit_timestamp(t, cs[mid], md, per, &v, err);
        arena_free(per);
        if (rc) break;
        if (v <= ts_ms) {
          best = (int64_t)mid;
          a = mid + 1;
        } else {
          b = mid;
        }
      }
      if (rc == LAGO_OK) {
        if (best >= 0) found = cs[best]->version;
        else if (lo > 0) found = -2; /* before ICT enablement: search the file times below */
      }
      if (found == -2) {
        found = -1;
        for (size_t i = 0; i < lo; i++)
          if (ts[i] <= ts_ms) found = cs[i]->version;
      }
    } else if (rc == LAGO_OK) {
      for (size_t i = 0; i < nc; i++) {
        if (ict && cs[i]->version >= ict_since) break;
        if (ts[i] <= ts_ms) found = cs[i]->version;
      }
    }
    if (rc == LAGO_OK && found < 0) {
      char when[48], first[48] = "?";
      fmt_timestamp_us(ts_ms * 1000, when);
      if (nc) fmt_timestamp_us(ts[0] * 1000, first);
      rc = LAGO_ERR(err, LAGO_NOTFOUND,
                    "[DELTA_TIMESTAMP_EARLIER_THAN_COMMIT_RETENTION] %s: the timestamp %s (%lld ms) is before the earliest "
                    "available version (%lld, committed at %s)",
                    t->root, when, (long long)ts_ms, (long long)(nc ? cs[0]->version : -1), first);
    }
    mem_free(cs);
    mem_free(ts);
  }
  arena_free(scratch);
  delta_snapshot_unref(latest);
  if (rc) return rc;
  return delta_snapshot_load(t, found, out, err);
}

/* ---- VACUUM ---------------------------------------------------------------------------- */

typedef struct vac {
  delta_table *t;
  keyset protect;       /* relative decoded paths */
  int64_t cutoff;
  arena *ar;            /* result paths */
  arena *scratch;
  char **paths;
  size_t n, cap;
  uint64_t bytes;
  bool in_base;         /* replaying the commit current at the cutoff */
  lago_err *err;
} vac;

static int protect_file(vac *v, const delta_file *f) {
  const char *p = delta_path_relativize(v->t->root, f->path);
  if (keyset_add(&v->protect, p, false, NULL)) return LAGO_NOMEM;
  if (f->dv.storage_type == 'u') {
    const char *dp;
    lago_err e;
    lago_err_clear(&e);
    if (dv_file_path(v->scratch, v->t->root, &f->dv, &dp, &e) == LAGO_OK) {
      const char *rel = delta_path_relativize(v->t->root, dp);
      if (keyset_add(&v->protect, rel, false, NULL)) return LAGO_NOMEM;
    }
  }
  return LAGO_OK;
}

static int on_retained(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)version;
  (void)from_cp;
  vac *v = ud;
  /* the version current at the cutoff still reads its adds and change data; what it removed is gone */
  if (a->kind == DA_REMOVE && v->in_base) return LAGO_OK;
  if (a->kind == DA_ADD || a->kind == DA_REMOVE || a->kind == DA_CDC)
    if (protect_file(v, &a->u.file)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static bool hidden(const char *name) {
  /* every path segment: hidden if it starts with '_' or '.', except _change_data */
  const char *seg = name;
  for (;;) {
    if ((seg[0] == '_' && strncmp(seg, "_change_data", 12)) || seg[0] == '.') return true;
    const char *s = strchr(seg, '/');
    if (!s) return false;
    seg = s + 1;
  }
}

static bool stale_tmp(const char *name) {
  const char *base = strrchr(name, '/');
  base = base ? base + 1 : name;
  size_t n = strlen(base);
  return base[0] == '.' && n > 5 && !strcmp(base + n - 4, ".tmp") && strncmp(name, "_delta_log", 10);
}

static int on_data_file(void *ud, const fs_entry *e) {
  vac *v = ud;
  if (e->is_dir) return LAGO_OK;
  bool tmp = stale_tmp(e->name);
  if (!tmp && hidden(e->name)) return LAGO_OK;
  if (e->mtime_ns / 1000000 >= v->cutoff) return LAGO_OK; /* too young: maybe an in-flight write */
  if (!tmp && keyset_has(&v->protect, e->name)) return LAGO_OK;
  if (v->n == v->cap) {
    size_t nc = v->cap ? v->cap * 2 : 64;
    char **np = arena_realloc(v->ar, v->paths, v->cap * sizeof *np, nc * sizeof *np);
    if (!np) return LAGO_NOMEM;
    v->paths = np;
    v->cap = nc;
  }
  if (!(v->paths[v->n] = arena_strdup(v->ar, e->path))) return LAGO_NOMEM;
  v->n++;
  v->bytes += e->size;
  return LAGO_OK;
}

int delta_vacuum(delta_table *t, const delta_vacuum_opts *opts, arena *ar, delta_vacuum_result *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  delta_snapshot *s;
  TRY(delta_snapshot_load(t, -1, &s, err));
  vac v;
  memset(&v, 0, sizeof v);
  v.t = t;
  v.ar = ar;
  v.err = err;
  int rc = delta_protocol_check_write(&s->protocol, err);
  if (rc) lago_err_prefix(err, "VACUUM %s", t->root);
  arena *scratch = rc ? NULL : arena_new("query", 65536);
  if (!rc && !scratch) rc = LAGO_NOMEM_ERR(err);
  v.scratch = scratch;
  double hours = opts ? opts->retain_hours : -1;
  int64_t retention = 7 * 86400000LL;
  const char *rs = delta_snapshot_property(s, "delta.deletedFileRetentionDuration");
  if (rs) delta_parse_interval_ms(rs, &retention);
  if (hours >= 0) retention = (int64_t)(hours * 3600000.0);
  if (rc == LAGO_OK && retention < 7 * 86400000LL && !(opts && opts->force))
    rc = LAGO_ERR(err, LAGO_MISUSE,
                  "VACUUM %s: retention of %.1f hours is below the safe minimum of 168 hours; readers of older "
                  "versions and running writers could lose files (use --force / RETAIN with force to override)",
                  t->root, (double)retention / 3600000.0);
  v.cutoff = tbl_now_ms(t->h) - retention;
  if (rc == LAGO_OK) {
    keyset_init(&v.protect, scratch);
    const delta_file *f;
    size_t n;
    rc = delta_snapshot_files(s, &f, &n, err);
    for (size_t i = 0; rc == LAGO_OK && i < n; i++)
      if (protect_file(&v, &f[i])) rc = LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) rc = delta_snapshot_tombstones(s, &f, &n, err);
    for (size_t i = 0; rc == LAGO_OK && i < n; i++)
      if ((f[i].deletion_timestamp < 0 || f[i].deletion_timestamp >= v.cutoff) && protect_file(&v, &f[i]))
        rc = LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK) {
    /* commits at or after the cutoff, and the one current at the cutoff */
    log_listing l;
    rc = delta_log_list(t, 0, scratch, &l, err);
    arena *per = rc ? NULL : arena_new("query", 65536);
    if (rc == LAGO_OK && !per) rc = LAGO_NOMEM_ERR(err);
    for (size_t i = 0; rc == LAGO_OK && i < l.n; i++) {
      const log_file *lf = &l.files[i];
      if (lf->kind != LF_COMMIT) continue;
      bool next_retained = false;
      for (size_t k = i + 1; k < l.n; k++)
        if (l.files[k].kind == LF_COMMIT) {
          next_retained = l.files[k].mtime_ms >= v.cutoff;
          break;
        }
      if (lf->mtime_ms < v.cutoff && !next_retained && lf->version != l.max_commit) continue;
      arena_reset(per);
      char *text;
      size_t len;
      v.in_base = lf->mtime_ms < v.cutoff;
      rc = delta_log_read(t, lf->path, per, &text, &len, err);
      if (rc == LAGO_OK) rc = delta_commit_parse(text, len, per, lf->path, lf->version, on_retained, &v, err);
    }
    arena_free(per);
  }
  if (rc == LAGO_OK) {
    rc = fs_list(t->h->fs, t->root, true, on_data_file, &v, err);
    if (rc == LAGO_NOMEM && err && err->rc == LAGO_OK) LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK && !(opts && opts->dry_run)) {
    for (size_t i = 0; i < v.n && rc == LAGO_OK; i++) {
      lago_err e;
      lago_err_clear(&e);
      int r2 = fs_remove(t->h->fs, v.paths[i], &e);
      if (r2 && r2 != LAGO_NOTFOUND) {
        lago_err_copy(err, &e);
        rc = r2;
      }
    }
  }
  if (rc == LAGO_OK) {
    out->n_files = v.n;
    out->bytes = v.bytes;
    out->paths = v.paths;
  }
  arena_free(scratch);
  delta_snapshot_unref(s);
  return rc;
}

/* ---- log cleanup ------------------------------------------------------------------------ */

int delta_log_cleanup(delta_snapshot *s, size_t *n_deleted, lago_err *err) {
  *n_deleted = 0;
  delta_table *t = s->t;
  if (!delta_config_bool(&s->metadata.configuration, "delta.enableExpiredLogCleanup", true)) return LAGO_OK;
  int64_t retention = 30 * 86400000LL;
  const char *rs = delta_snapshot_property(s, "delta.logRetentionDuration");
  if (rs) delta_parse_interval_ms(rs, &retention);
  int64_t cutoff = tbl_now_ms(t->h) - retention;
  arena *scratch = arena_new("query", 65536);
  if (!scratch) return LAGO_NOMEM_ERR(err);
  log_listing l;
  int rc = delta_log_list(t, 0, scratch, &l, err);
  /* the newest complete checkpoint <= s->version whose own commit time is before the cutoff */
  int64_t keep_from = -1;
  if (rc == LAGO_OK) {
    for (size_t i = 0; i < l.n; i++) {
      const log_file *f = &l.files[i];
      if (f->kind != LF_CHECKPOINT || f->version > s->version) continue; /* classic single-file ones only */
      int64_t cts = f->mtime_ms;
      for (size_t k = 0; k < l.n; k++)
        if (l.files[k].kind == LF_COMMIT && l.files[k].version == f->version) cts = l.files[k].mtime_ms;
      if (cts < cutoff) keep_from = f->version;
    }
  }
  if (rc == LAGO_OK && keep_from > 0) {
    for (size_t i = 0; i < l.n && rc == LAGO_OK; i++) {
      const log_file *f = &l.files[i];
      if (f->end_version >= keep_from) continue;
      if (f->mtime_ms >= cutoff) continue;
      lago_err e;
      lago_err_clear(&e);
      int r2 = fs_remove(t->h->fs, f->path, &e);
      if (r2 == LAGO_OK) (*n_deleted)++;
      else if (r2 != LAGO_NOTFOUND) {
        lago_err_copy(err, &e);
        rc = r2;
      }
      if (rc == LAGO_OK && f->kind == LF_COMMIT) { /* its .crc too */
        char *crc = arena_printf(scratch, "%s/%020lld.crc", t->log_dir, (long long)f->version);
        if (crc) fs_remove(t->h->fs, crc, &e);
      }
    }
  }
  arena_free(scratch);
  return rc;
}

/* ---- RESTORE ----------------------------------------------------------------------------- */

int delta_restore(delta_table *t, int64_t version, int64_t *version_out, lago_err *err) {
  delta_snapshot *cur = NULL, *old = NULL;
  delta_txn *x = NULL;
  int rc = delta_snapshot_load(t, -1, &cur, err);
  if (rc == LAGO_OK) rc = delta_snapshot_load(t, version, &old, err);
  const delta_file *cf = NULL, *of = NULL;
  size_t cn = 0, on = 0;
  if (rc == LAGO_OK) rc = delta_snapshot_files(cur, &cf, &cn, err);
  if (rc == LAGO_OK) rc = delta_snapshot_files(old, &of, &on, err);
  arena *scratch = arena_new("query", 65536);
  if (rc == LAGO_OK && !scratch) rc = LAGO_NOMEM_ERR(err);
  char params[64];
  snprintf(params, sizeof params, "{\"version\":\"%lld\"}", (long long)version);
  delta_txn_opts o;
  memset(&o, 0, sizeof o);
  o.operation = "RESTORE";
  o.operation_params = params;
  if (rc == LAGO_OK) rc = delta_txn_begin(t, cur, &o, &x, err);
  keyset ck, ok;
  if (rc == LAGO_OK) {
    keyset_init(&ck, scratch);
    keyset_init(&ok, scratch);
    for (size_t i = 0; i < cn && rc == LAGO_OK; i++)
      if (keyset_add(&ck, delta_file_key(scratch, &cf[i]), false, NULL)) rc = LAGO_NOMEM_ERR(err);
    for (size_t i = 0; i < on && rc == LAGO_OK; i++)
      if (keyset_add(&ok, delta_file_key(scratch, &of[i]), false, NULL)) rc = LAGO_NOMEM_ERR(err);
  }
  int64_t n_added = 0, n_removed = 0;
  /* files of the old version that are gone now come back; they must still exist (not vacuumed) */
  for (size_t i = 0; i < on && rc == LAGO_OK; i++) {
    const char *key = delta_file_key(scratch, &of[i]);
    if (!key) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    if (keyset_has(&ck, key)) continue;
    const char *full;
    bool ex = false;
    rc = delta_resolve_path(scratch, t->root, of[i].path, &full, err);
    if (rc == LAGO_OK) rc = fs_exists(t->h->fs, full, &ex, err);
    if (rc == LAGO_OK && !ex)
      rc = LAGO_ERR(err, LAGO_NOTFOUND, "RESTORE %s to version %lld: data file %s no longer exists (vacuumed?)",
                    t->root, (long long)version, of[i].path);
    if (rc == LAGO_OK) {
      delta_file a = of[i];
      a.data_change = true;
      a.deletion_timestamp = -1;
      rc = delta_txn_add_file(x, &a, err);
      n_added++;
    }
  }
  for (size_t i = 0; i < cn && rc == LAGO_OK; i++) {
    const char *key = delta_file_key(scratch, &cf[i]);
    if (!key) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    if (keyset_has(&ok, key)) continue;
    rc = delta_txn_remove_file(x, &cf[i], true, err);
    n_removed++;
  }
  if (rc == LAGO_OK && strcmp(cur->metadata.schema_string, old->metadata.schema_string)) {
    /* schema of the old version, keeping the current protocol (features never go away) */
    x->schema = old->schema;
    x->md.schema_string = old->metadata.schema_string;
    x->md_changed = true;
  }
  if (rc == LAGO_OK) rc = delta_txn_set_metric(x, "numRestoredFiles", n_added, err);
  if (rc == LAGO_OK) rc = delta_txn_set_metric(x, "numRemovedFiles", n_removed, err);
  if (rc == LAGO_OK) {
    rc = delta_txn_commit(x, version_out, err);
    x = NULL;
  }
  delta_txn_abort(x);
  arena_free(scratch);
  delta_snapshot_unref(cur);
  delta_snapshot_unref(old);
  return rc;
}
