/*
** table/delta/log.c: the _delta_log directory: file names, listing,
** _last_checkpoint, and the log segment a snapshot is built from
** (PROTOCOL.md "Delta Log Entries", "Checkpoints", "Last Checkpoint File",
** "Log Compaction Files"; DELTA-CHECKLIST.md §1, §4).
**
** File names in _delta_log (V = 20-digit zero-padded version):
**   V.json                                   commit
**   V.checkpoint.parquet                     classic checkpoint (V1 or V2 spec)
**   V.checkpoint.%010d(part).%010d(n).parquet   multi-part checkpoint
**   V.checkpoint.<uuid>.json | .parquet      UUID-named V2 checkpoint
**   V.W.compacted.json                       log compaction of commits V..W
**   V.crc                                    version checksum (not needed)
**   _last_checkpoint                         hint (see below)
**   _sidecars/, _staged_commits/, .*.crc, temp files: ignored here
**
** _last_checkpoint (JSON, one object):
**   {"version":V,"size":<actions>,"parts":<n, multi-part only>,
**    "sizeInBytes":B,"numOfAddFiles":F,"checksum":"<md5>", ...}
** It is only a hint: it may be missing, stale (a newer checkpoint exists:
** lago lists from the hinted version, so it finds newer ones) or corrupt
** (then lago lists everything). A segment is: the newest complete
** checkpoint <= the wanted version, plus every commit after it, which must
** be contiguous; without a checkpoint, commits from 0.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "table/delta/delta_int.h"

static bool digits(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

static int64_t num(const char *s, size_t n) {
  int64_t v = 0;
  for (size_t i = 0; i < n; i++) {
    if (v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (s[i] - '0');
  }
  return v;
}

static bool is_uuid(const char *s, size_t n) {
  if (n != 36) return false;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

bool delta_log_parse_name(const char *name, log_file *out) {
  memset(out, 0, sizeof *out);
  out->part = out->n_parts = 1;
  size_t n = strlen(name);
  if (n < 21 || !digits(name, 20) || name[20] != '.') return false;
  int64_t v = num(name, 20);
  if (v < 0) return false;
  out->version = out->end_version = v;
  const char *rest = name + 21;
  size_t rn = n - 21;
  if (!strcmp(rest, "json")) {
    out->kind = LF_COMMIT;
    return true;
  }
  if (!strcmp(rest, "crc")) {
    out->kind = LF_CRC;
    return true;
  }
  if (!strcmp(rest, "checkpoint.parquet")) {
    out->kind = LF_CHECKPOINT;
    return true;
  }
  if (rn == 20 + 1 + 14 && digits(rest, 20) && !strcmp(rest + 20, ".compacted.json")) {
    out->kind = LF_COMPACTION;
    out->end_version = num(rest, 20);
    return out->end_version >= v;
  }
  if (rn > 11 && !strncmp(rest, "checkpoint.", 11)) {
    const char *p = rest + 11;
    size_t pn = rn - 11;
    /* %010d.%010d.parquet */
    if (pn == 10 + 1 + 10 + 8 && digits(p, 10) && p[10] == '.' && digits(p + 11, 10) && !strcmp(p + 21, ".parquet")) {
      out->kind = LF_CHECKPOINT_PART;
      out->part = (int32_t)num(p, 10);
      out->n_parts = (int32_t)num(p + 11, 10);
      return out->part >= 1 && out->n_parts >= 1 && out->part <= out->n_parts;
    }
    if (pn == 36 + 5 && is_uuid(p, 36) && !strcmp(p + 36, ".json")) {
      out->kind = LF_CHECKPOINT_UUID;
      out->is_json = true;
      return true;
    }
    if (pn == 36 + 8 && is_uuid(p, 36) && !strcmp(p + 36, ".parquet")) {
      out->kind = LF_CHECKPOINT_UUID;
      return true;
    }
  }
  return false;
}

typedef struct list_ctx {
  arena *ar;
  int64_t from;
  log_file *files;
  size_t n, cap;
  int64_t max_commit, min_commit;
} list_ctx;

static int on_entry(void *ud, const fs_entry *e) {
  list_ctx *c = ud;
  if (e->is_dir) return LAGO_OK;
  log_file lf;
  if (!delta_log_parse_name(e->name, &lf)) return LAGO_OK;
  if (lf.kind == LF_CRC) return LAGO_OK;
  if (lf.end_version < c->from) return LAGO_OK;
  if (c->n == c->cap) {
    size_t nc = c->cap ? c->cap * 2 : 64;
    log_file *nf = arena_realloc(c->ar, c->files, c->cap * sizeof *nf, nc * sizeof *nf);
    if (!nf) return LAGO_NOMEM;
    c->files = nf;
    c->cap = nc;
  }
  lf.path = arena_strdup(c->ar, e->path);
  if (!lf.path) return LAGO_NOMEM;
  lf.size = e->size;
  lf.mtime_ms = e->mtime_ns / 1000000;
  if (lf.kind == LF_COMMIT) {
    if (lf.version > c->max_commit) c->max_commit = lf.version;
    if (c->min_commit < 0 || lf.version < c->min_commit) c->min_commit = lf.version;
  }
  c->files[c->n++] = lf;
  return LAGO_OK;
}

static int cmp_lf(const void *a, const void *b) {
  const log_file *x = a, *y = b;
  if (x->version != y->version) return x->version < y->version ? -1 : 1;
  if (x->kind != y->kind) return (int)x->kind - (int)y->kind;
  if (x->end_version != y->end_version) return x->end_version < y->end_version ? -1 : 1;
  if (x->n_parts != y->n_parts) return x->n_parts - y->n_parts;
  if (x->part != y->part) return x->part - y->part;
  return strcmp(x->path, y->path);
}

int delta_log_list(delta_table *t, int64_t from, arena *ar, log_listing *out, lago_err *err) {
  list_ctx c = {ar, from, NULL, 0, 0, -1, -1};
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = fs_list(t->h->fs, t->log_dir, false, on_entry, &c, &tmp);
  if (rc == LAGO_NOTFOUND)
    return LAGO_ERR(err, LAGO_NOTFOUND, "%s is not a Delta table: no _delta_log directory", t->root);
  if (rc == LAGO_NOMEM && tmp.rc == LAGO_OK) return LAGO_NOMEM_ERR(err);
  if (rc) {
    lago_err_copy(err, &tmp);
    return rc;
  }
  if (c.n) qsort(c.files, c.n, sizeof *c.files, cmp_lf);
  out->files = c.files;
  out->n = c.n;
  out->max_commit = c.max_commit;
  out->min_commit = c.min_commit;
  return LAGO_OK;
}

int delta_log_read(delta_table *t, const char *path, arena *ar, char **text, size_t *len, lago_err *err) {
  return fs_read_all_arena(t->h->fs, path, ar, text, len, err);
}

int delta_last_checkpoint_read(delta_table *t, arena *ar, last_checkpoint *out, lago_err *err) {
  char *path = arena_printf(ar, "%s/_last_checkpoint", t->log_dir);
  if (!path) return LAGO_NOMEM_ERR(err);
  char *text;
  size_t len;
  TRY(fs_read_all_arena(t->h->fs, path, ar, &text, &len, err));
  json_value *v;
  int rc = json_parse(ar, text, len, &v, err);
  if (rc == LAGO_NOMEM) return rc;
  if (rc) return LAGO_ERR(err, LAGO_CORRUPT, "%s: not valid JSON", path);
  int64_t ver, size = -1, parts = -1;
  if (!json_is(v, JSON_OBJECT) || json_get_i64(v, "version", &ver, err) != LAGO_OK || ver < 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: no valid \"version\"", path);
  lago_err e2;
  lago_err_clear(&e2);
  if (json_opt_i64(v, "size", -1, &size, &e2) || json_opt_i64(v, "parts", -1, &parts, &e2))
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad \"size\" or \"parts\"", path);
  if (parts == 0 || parts > INT32_MAX) return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad \"parts\" %lld", path, (long long)parts);
  out->version = ver;
  out->size = size;
  out->parts = parts;
  return LAGO_OK;
}

/*
** The checkpoint files usable for version cv in a sorted listing: a classic
** or UUID one (first found), else a complete multi-part set. Returns the
** number of files (0 = none complete) and their index of the first in *first.
*/
static uint32_t complete_checkpoint(const log_listing *l, size_t lo, size_t hi, size_t *first) {
  /* [lo, hi) are the files of one version */
  for (size_t i = lo; i < hi; i++)
    if (l->files[i].kind == LF_CHECKPOINT || l->files[i].kind == LF_CHECKPOINT_UUID) {
      *first = i;
      return 1;
    }
  for (size_t i = lo; i < hi; i++) {
    if (l->files[i].kind != LF_CHECKPOINT_PART || l->files[i].part != 1) continue;
    int32_t np = l->files[i].n_parts;
    if ((size_t)np > hi - lo) continue; /* cannot be complete */
    /* sorted by (n_parts, part): the set's files follow part 1 in order */
    int32_t want = 1;
    for (size_t k = i; k < hi && want <= np; k++) {
      const log_file *f = &l->files[k];
      if (f->kind != LF_CHECKPOINT_PART || f->n_parts != np) break;
      if (f->part == want) want++;
    }
    if (want == np + 1) {
      *first = i;
      return (uint32_t)np;
    }
  }
  return 0;
}

static int build_segment(delta_table *t, const log_listing *l, int64_t version, arena *ar, log_segment *out,
                         bool *need_full, lago_err *err) {
  *need_full = false;
  memset(out, 0, sizeof *out);
  int64_t latest = l->max_commit;
  for (size_t i = 0; i < l->n; i++) /* a checkpoint newer than every commit left (commits deleted) */
    if (l->files[i].kind != LF_COMMIT && l->files[i].kind != LF_COMPACTION && l->files[i].version > latest) {
      size_t first;
      size_t hi = i;
      while (hi < l->n && l->files[hi].version == l->files[i].version) hi++;
      if (complete_checkpoint(l, i, hi, &first)) latest = l->files[i].version;
    }
  if (latest < 0) {
    *need_full = true;
    return LAGO_ERR(err, LAGO_NOTFOUND, "%s is not a Delta table: _delta_log has no commits", t->root);
  }
  int64_t target = version < 0 ? latest : version;
  if (target > latest)
    return LAGO_ERR(err, LAGO_NOTFOUND, "%s: version %lld does not exist (latest is %lld)", t->root,
                    (long long)target, (long long)latest);
  /* newest complete checkpoint <= target */
  int64_t cpv = -1;
  size_t cp_first = 0;
  uint32_t n_cp = 0;
  for (size_t i = 0; i < l->n;) {
    size_t hi = i;
    while (hi < l->n && l->files[hi].version == l->files[i].version) hi++;
    if (l->files[i].version <= target) {
      size_t first;
      uint32_t k = complete_checkpoint(l, i, hi, &first);
      if (k) {
        cpv = l->files[i].version;
        cp_first = first;
        n_cp = k;
      }
    }
    i = hi;
  }
  /* commits cpv+1 .. target, contiguous */
  size_t n_commits = (size_t)(target - cpv);
  log_file *commits = n_commits ? arena_alloc(ar, n_commits * sizeof *commits) : NULL;
  if (n_commits && !commits) return LAGO_NOMEM_ERR(err);
  size_t k = 0;
  int64_t expect = cpv + 1;
  for (size_t i = 0; i < l->n && expect <= target; i++) {
    const log_file *f = &l->files[i];
    if (f->kind != LF_COMMIT || f->version < expect) continue;
    if (f->version > expect) break;
    commits[k++] = *f;
    expect++;
  }
  if (expect <= target) {
    if (cpv < 0 && l->min_commit > 0) {
      *need_full = true; /* maybe listed from a hint: the caller retries with a full listing */
      if (version >= 0 && version < l->min_commit)
        return LAGO_ERR(err, LAGO_NOTFOUND,
                        "%s: version %lld cannot be reconstructed (oldest commit is %lld and no checkpoint precedes it)",
                        t->root, (long long)version, (long long)l->min_commit);
    }
    if (expect == 0 && cpv < 0 && l->min_commit < 0)
      return LAGO_ERR(err, LAGO_NOTFOUND, "%s: no commit or checkpoint for version %lld", t->root, (long long)target);
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: log versions are not contiguous: commit %lld is missing (needed for version %lld)",
                    t->root, (long long)expect, (long long)target);
  }
  out->version = target;
  out->cp_version = cpv;
  out->n_cp = n_cp;
  if (n_cp) {
    out->cp = arena_alloc(ar, n_cp * sizeof *out->cp);
    if (!out->cp) return LAGO_NOMEM_ERR(err);
    memcpy(out->cp, &l->files[cp_first], n_cp * sizeof *out->cp);
  }
  out->commits = commits;
  out->n_commits = k;
  /* compaction files strictly inside (cpv, target): greedy, longest first at each start */
  size_t nc = 0;
  for (size_t i = 0; i < l->n; i++)
    if (l->files[i].kind == LF_COMPACTION && l->files[i].version > cpv && l->files[i].end_version < target) nc++;
  if (nc) {
    out->compactions = arena_alloc(ar, nc * sizeof *out->compactions);
    if (!out->compactions) return LAGO_NOMEM_ERR(err);
    int64_t next = cpv + 1;
    for (size_t i = 0; i < l->n; i++) {
      const log_file *f = &l->files[i];
      if (f->kind != LF_COMPACTION || f->version < next || f->end_version >= target) continue;
      /* prefer the longest range starting here */
      size_t best = i;
      for (size_t j = i + 1; j < l->n && l->files[j].version == f->version; j++)
        if (l->files[j].kind == LF_COMPACTION && l->files[j].end_version < target &&
            l->files[j].end_version > l->files[best].end_version)
          best = j;
      out->compactions[out->n_compactions++] = l->files[best];
      next = l->files[best].end_version + 1;
      while (i + 1 < l->n && l->files[i + 1].version < next) i++;
    }
  }
  return LAGO_OK;
}

int delta_log_segment(delta_table *t, int64_t version, arena *ar, log_segment *out, lago_err *err) {
  int64_t from = 0;
  last_checkpoint lc;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_last_checkpoint_read(t, ar, &lc, &tmp);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK && (version < 0 || lc.version <= version)) from = lc.version;
  /* any other error (missing, corrupt, unreadable): list everything */
  log_listing l;
  TRY(delta_log_list(t, from, ar, &l, err));
  bool need_full = false;
  lago_err e1;
  lago_err_clear(&e1);
  rc = build_segment(t, &l, version, ar, out, &need_full, &e1);
  if (rc && from > 0 && rc != LAGO_NOMEM) {
    /* the hint may be wrong (points past real files): retry with a full listing */
    TRY(delta_log_list(t, 0, ar, &l, err));
    return build_segment(t, &l, version, ar, out, &need_full, err);
  }
  if (rc) lago_err_copy(err, &e1);
  return rc;
}
