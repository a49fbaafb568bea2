/*
** stream/recover.c: the checkpoint's state on disk, and where a stream
** resumes. The exactly-once argument is in src/stream/README.md; in short:
**
**   1. offsets/<b> (the batch's exact file list) is written before any of
**      batch b's data;
**   2. batch b's data, schema change and txn(stream id, b) are one Delta
**      commit (sink.c), which also records the file list;
**   3. only then is b added to the seen set (and commits/<b> written).
**
** On start (recover_open):
**   - no checkpoint: if the table's log has commits from this source
**     (commitInfo "lago.source"/"lago.format"), progress is rebuilt from
**     them: the stream id is adopted and every file those commits list is
**     seen, so nothing is loaded twice; otherwise a new stream starts
**     (includeExistingFiles decides about the files already there);
**   - a checkpoint whose table id differs from the table's (dropped and
**     recreated, or gone): the old progress is discarded and every file is
**     loaded again into the new table;
**   - otherwise the seen set is the compact state plus the offsets files
**     of committed batches; the table's txn version for the stream (or the
**     last commits/<b> for a callback sink) says which batches committed. The
**     newest offsets file, if its batch did not commit, is replayed first
**     with exactly its files; a table ahead of the checkpoint (a checkpoint
**     restored from a backup) fills the gap from the table's log.
** Each decision is reported in plain words through stream_event.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream/stream_int.h"
#include "util/alloc.h"
#include "util/datetime.h"
#include "util/json.h"
#include "util/numfmt.h"

/* ---- small I/O helpers ------------------------------------------------------- */

int ckpt_read(stream *s, const char *path, arena *ar, char **text, size_t *len, lago_err *err) {
  return fs_read_all_arena(s->fs, path, ar, text, len, err);
}

static const char *ck_path(stream *s, arena *ar, const char *dir, const char *name) {
  const char *d = path_join(ar, s->ckpt, dir);
  return d && name ? path_join(ar, d, name) : d;
}

/* replace=false: put-if-absent (a first start must not overwrite the metadata of a concurrent first start). */
static int write_meta_mode(stream *s, bool replace, lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = ckpt_meta_write(&s->meta, &b) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  const char *path = path_join(s->ar, s->ckpt, "metadata");
  if (rc == LAGO_OK && !path) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = fs_write(s->fs, path, b.data, b.len, replace, err);
  buf_deinit(&b);
  if (rc == LAGO_EXISTS) {
    lago_err_clear(err);
    rc = LAGO_ERR(err, LAGO_CONFLICT,
                  "checkpoint %s was started by another process meanwhile: is another `lago ingest` running with it? "
                  "(stop it first)",
                  s->ckpt);
  }
  return rc;
}

static int write_meta(stream *s, lago_err *err) { return write_meta_mode(s, true, err); }

int ckpt_set_table_id(stream *s, const char *table_id, lago_err *err) {
  if (s->meta.table_id && table_id && !strcmp(s->meta.table_id, table_id)) return LAGO_OK;
  if (!(s->meta.table_id = table_id ? arena_strdup(s->ar, table_id) : NULL) && table_id) return LAGO_NOMEM_ERR(err);
  return write_meta(s, err);
}

/* Batch numbers of the files in dir named <20 digits><suffix>, sorted. */
typedef struct batch_names {
  int64_t *v;
  size_t n, cap;
  const char *suffix;
} batch_names;

static int on_batch_name(void *ud, const fs_entry *e) {
  batch_names *b = ud;
  if (e->is_dir || strchr(e->name, '/')) return LAGO_OK;
  int64_t v = ckpt_batch_from_name(e->name, b->suffix);
  if (v < 0) return LAGO_OK; /* temp files and strangers are ignored */
  if (b->n == b->cap) {
    size_t nc = b->cap ? b->cap * 2 : 64;
    int64_t *nv = mem_realloc(b->v, nc * sizeof *nv);
    if (!nv) return LAGO_NOMEM;
    b->v = nv;
    b->cap = nc;
  }
  b->v[b->n++] = v;
  return LAGO_OK;
}

static int cmp_i64(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return x < y ? -1 : x > y;
}

static int list_batches(stream *s, const char *dir, const char *suffix, batch_names *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  out->suffix = suffix;
  arena *tmp = arena_new("query", 1024);
  const char *path = tmp ? path_join(tmp, s->ckpt, dir) : NULL;
  int rc = path ? fs_list(s->fs, path, false, on_batch_name, out, err) : LAGO_NOMEM_ERR(err);
  arena_free(tmp);
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(err);
    rc = LAGO_OK;
  }
  if (rc == LAGO_NOMEM) rc = LAGO_NOMEM_ERR(err);
  if (rc) {
    mem_free(out->v);
    out->v = NULL;
    return rc;
  }
  if (out->n > 1) qsort(out->v, out->n, sizeof *out->v, cmp_i64);
  return LAGO_OK;
}

/* ---- loading file lists ------------------------------------------------------- */

typedef struct load_ctx {
  stream *s;
  cand_list *pending; /* collect here instead of the seen set */
  int64_t batch_override; /* >= -1: entries get this batch */
  bool use_override;
} load_ctx;

static int on_loaded_file(void *ud, const ckpt_file *f, lago_err *err) {
  load_ctx *c = ud;
  if (c->pending) {
    src_file sf;
    memset(&sf, 0, sizeof sf);
    sf.rel = arena_strdup(c->s->ar, f->path);
    sf.abs = sf.rel ? path_join(c->s->ar, c->s->src_dir, f->path) : NULL;
    if (!sf.abs) return LAGO_NOMEM_ERR(err);
    sf.size = f->size;
    sf.mtime_ns = f->mtime_ns;
    sf.layout = -1;
    if (c->pending->n == c->pending->cap) {
      size_t nc = c->pending->cap ? c->pending->cap * 2 : 64;
      src_file *nv = mem_realloc(c->pending->v, nc * sizeof *nv);
      if (!nv) return LAGO_NOMEM_ERR(err);
      c->pending->v = nv;
      c->pending->cap = nc;
    }
    c->pending->v[c->pending->n++] = sf;
    return LAGO_OK;
  }
  ckpt_file e = *f;
  if (c->use_override) e.batch = c->batch_override;
  return fileset_put(&c->s->seen, &e, err);
}

/* Parses the file list at path; entries go to the seen set or to `pending`. */
static int load_list(stream *s, const char *path, ckpt_list_kind want, int64_t bid, cand_list *pending,
                     ckpt_list_hdr *hdr, lago_err *err) {
  arena *tmp = arena_new("query", 65536);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  char *text;
  size_t len;
  int rc = ckpt_read(s, path, tmp, &text, &len, err);
  load_ctx c = {s, pending, bid, want == CKPT_OFFSETS};
  if (rc == LAGO_OK) rc = ckpt_list_parse(text, len, path, hdr, on_loaded_file, &c, err);
  if (rc == LAGO_OK && (hdr->kind != want || (want != CKPT_INITIAL && hdr->batch != bid)))
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: holds a file list of another kind or batch (batch %lld)", path,
                  (long long)hdr->batch);
  arena_free(tmp);
  return rc;
}

/* ---- writing file lists --------------------------------------------------------- */

static int write_list(stream *s, const char *path, const ckpt_list_hdr *h, const src_file *files, uint32_t n,
                      bool replace, lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = ckpt_list_write_hdr(h, &b);
  for (uint32_t i = 0; i < n && rc == LAGO_OK; i++) {
    ckpt_file f = {files[i].rel, files[i].size, files[i].mtime_ns, h->batch};
    rc = ckpt_list_write_file(&f, h->kind != CKPT_OFFSETS, &b);
  }
  if (rc) rc = LAGO_NOMEM_ERR(err);
  else rc = fs_write(s->fs, path, b.data, b.len, replace, err);
  buf_deinit(&b);
  return rc;
}

int ckpt_write_offsets(stream *s, int64_t bid, const src_file *files, uint32_t n, int64_t read_version,
                       lago_err *err) {
  char name[21];
  ckpt_batch_name(bid, name);
  arena *tmp = arena_new("query", 1024);
  const char *path = tmp ? ck_path(s, tmp, "offsets", name) : NULL;
  if (!path) {
    arena_free(tmp);
    return LAGO_NOMEM_ERR(err);
  }
  ckpt_list_hdr h = {CKPT_OFFSETS, bid, s->schema_version, read_version, n, 0};
  for (uint32_t i = 0; i < n; i++) h.bytes += files[i].size;
  int rc = write_list(s, path, &h, files, n, false, err);
  if (rc == LAGO_EXISTS) {
    lago_err_clear(err);
    rc = LAGO_ERR(err, LAGO_CONFLICT,
                  "%s already exists: is another `lago ingest` running with checkpoint %s? (stop it first)", path,
                  s->ckpt);
  }
  arena_free(tmp);
  return rc;
}

typedef struct compact_ctx {
  buf *b;
} compact_ctx;

static int on_compact_entry(void *ud, const ckpt_file *f, lago_err *err) {
  compact_ctx *c = ud;
  if (f->batch < 0) return LAGO_OK; /* files skipped at the first start stay in state/initial */
  return ckpt_list_write_file(f, true, c->b) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
}

/* Writes state/<b>.compact from the seen set, then drops what it supersedes. */
static int compact(stream *s, int64_t bid, lago_err *err) {
  arena *tmp = arena_new("query", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  char name[40];
  ckpt_batch_name(bid, name);
  strcat(name, ".compact");
  const char *path = ck_path(s, tmp, "state", name);
  buf b;
  buf_init(&b);
  ckpt_list_hdr h = {CKPT_COMPACT, bid, s->schema_version, -1, 0, 0};
  for (size_t i = 0; i < s->seen.cap; i++) {
    const ckpt_file *e = s->seen.slots[i];
    if (e && e->batch >= 0) {
      h.n_files++;
      h.bytes += e->size;
    }
  }
  int rc = !path ? LAGO_NOMEM_ERR(err) : ckpt_list_write_hdr(&h, &b) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  compact_ctx c = {&b};
  if (rc == LAGO_OK) rc = fileset_each_sorted(&s->seen, on_compact_entry, &c, err);
  if (rc == LAGO_OK) rc = fs_write(s->fs, path, b.data, b.len, true, err);
  buf_deinit(&b);
  if (rc == LAGO_OK) {
    /* superseded: offsets and commits of batches < b, older compact files (failures here are harmless) */
    const char *dirs[] = {"offsets", "commits"};
    for (int d = 0; d < 2; d++) {
      batch_names bn;
      lago_err e2;
      lago_err_clear(&e2);
      if (list_batches(s, dirs[d], NULL, &bn, &e2) == LAGO_OK) {
        for (size_t i = 0; i < bn.n; i++) {
          if (bn.v[i] >= bid) continue;
          char nm[21];
          ckpt_batch_name(bn.v[i], nm);
          const char *p = ck_path(s, tmp, dirs[d], nm);
          if (p) fs_remove(s->fs, p, &e2);
          lago_err_clear(&e2);
        }
        mem_free(bn.v);
      }
    }
    batch_names bn;
    lago_err e2;
    lago_err_clear(&e2);
    if (list_batches(s, "state", ".compact", &bn, &e2) == LAGO_OK) {
      for (size_t i = 0; i < bn.n; i++) {
        if (bn.v[i] >= bid) continue;
        char nm[40];
        ckpt_batch_name(bn.v[i], nm);
        strcat(nm, ".compact");
        const char *p = ck_path(s, tmp, "state", nm);
        if (p) fs_remove(s->fs, p, &e2);
        lago_err_clear(&e2);
      }
      mem_free(bn.v);
    }
    s->last_compact = bid;
  }
  arena_free(tmp);
  return rc;
}

int ckpt_batch_done(stream *s, int64_t bid, const src_file *files, uint32_t n, int64_t table_version,
                    lago_err *err) {
  char name[21], text[128];
  ckpt_batch_name(bid, name);
  arena *tmp = arena_new("query", 1024);
  const char *path = tmp ? ck_path(s, tmp, "commits", name) : NULL;
  int len = snprintf(text, sizeof text, "{\"batch\":%lld,\"tableVersion\":%lld}\n", (long long)bid,
                     (long long)table_version);
  int rc = path ? fs_write(s->fs, path, text, (size_t)len, true, err) : LAGO_NOMEM_ERR(err);
  arena_free(tmp);
  TRY(rc);
  for (uint32_t i = 0; i < n; i++) {
    ckpt_file f = {files[i].rel, files[i].size, files[i].mtime_ns, bid};
    TRY(fileset_put(&s->seen, &f, err));
  }
  if (bid - s->last_compact >= STREAM_COMPACT_EVERY) TRY(compact(s, bid, err));
  return LAGO_OK;
}

/* ---- rebuilding progress from a table's log -------------------------------------- */

typedef struct rebuild {
  stream *s;
  fileset *present;        /* files now in the source (NULL = keep every file) */
  const char *only_stream; /* only this stream id (and batches > min_batch) */
  int64_t min_batch;
  const char *chosen;      /* stream id of the newest matching commit */
  int64_t chosen_version;
  int64_t commits, files, kept;
  int64_t first_epoch;     /* smallest epoch seen of `chosen`'s commits */
  int64_t first_ts_ms;     /* timestamp of that commit */
  int64_t skip_before_ns;
  arena *ar;               /* for chosen */
} rebuild;

static const char *param(const json_value *p, const char *key, size_t *len) {
  const json_value *v = json_get(p, key);
  if (!json_is(v, JSON_STRING)) return NULL;
  if (len) *len = v->len;
  return v->u.str;
}

static int on_commit(void *ud, int64_t version, const delta_commit_info *ci, lago_err *err) {
  rebuild *r = ud;
  stream *s = r->s;
  if (!ci || !ci->json) return LAGO_OK;
  if (!strstr(ci->json, "\"lago.files\"")) return LAGO_OK; /* cheap filter before parsing */
  arena *tmp = arena_new("query", 65536);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  json_value *o = NULL, *files = NULL;
  lago_err je;
  lago_err_clear(&je);
  int rc = LAGO_OK;
  if (json_parse(tmp, ci->json, strlen(ci->json), &o, &je) != LAGO_OK) goto done; /* not ours to judge */
  const json_value *p = json_get(o, "operationParameters");
  const char *src = param(p, "lago.source", NULL), *fmt = param(p, "lago.format", NULL);
  const char *qid = param(p, "queryId", NULL), *epoch = param(p, "epochId", NULL);
  size_t flen;
  const char *ftext = param(p, "lago.files", &flen);
  int64_t b;
  if (!src || !fmt || !qid || !epoch || !ftext || strcmp(src, s->src_text) ||
      strcmp(fmt, stream_format_name(s->o.format)) || parse_i64(epoch, strlen(epoch), &b) || b < 0)
    goto done;
  if (r->only_stream && (strcmp(qid, r->only_stream) || b <= r->min_batch)) goto done;
  if (json_parse(tmp, ftext, flen, &files, &je) != LAGO_OK || !json_is(files, JSON_ARRAY)) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "table %s, version %lld: commitInfo lago.files is not a JSON array", s->name,
                  (long long)version);
    goto done;
  }
  const char *skip = param(p, "lago.skipBeforeNs", NULL);
  int64_t sk;
  if (skip && !parse_i64(skip, strlen(skip), &sk) && sk > r->skip_before_ns) r->skip_before_ns = sk;
  if (!r->chosen || version >= r->chosen_version) {
    if (!r->chosen || strcmp(r->chosen, qid)) {
      r->first_epoch = b;
      r->first_ts_ms = ci->timestamp;
    }
    if (!(r->chosen = arena_strdup(r->ar, qid))) {
      rc = LAGO_NOMEM_ERR(err);
      goto done;
    }
    r->chosen_version = version;
  }
  if (!strcmp(r->chosen, qid) && b < r->first_epoch) {
    r->first_epoch = b;
    r->first_ts_ms = ci->timestamp;
  }
  r->commits++;
  for (uint32_t i = 0; i < files->len && rc == LAGO_OK; i++) {
    const json_value *e = &files->u.items[i];
    const json_value *pv = json_at(e, 0), *sv = json_at(e, 1), *mv = json_at(e, 2);
    if (!json_is(pv, JSON_STRING) || !ckpt_path_ok(pv->u.str, pv->len) || !json_is(sv, JSON_NUMBER) || !sv->is_int ||
        sv->x.num.i < 0 || !json_is(mv, JSON_NUMBER) || !mv->is_int) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "table %s, version %lld: commitInfo lago.files entry %u is malformed", s->name,
                    (long long)version, i);
      break;
    }
    r->files++;
    if (r->present && !fileset_get(r->present, pv->u.str)) continue; /* no longer in the source: need not be held */
    r->kept++;
    ckpt_file f = {pv->u.str, (uint64_t)sv->x.num.i, mv->x.num.i, b};
    rc = fileset_put(&s->seen, &f, err);
  }
done:
  arena_free(tmp);
  return rc;
}

static int on_present(void *ud, const ckpt_file *f, lago_err *err) { return fileset_put((fileset *)ud, f, err); }

static void fmt_time_ms(int64_t ms, char *out) {
  fmt_timestamp_us(ms * 1000, out);
}

/* No checkpoint: looks for this source's commits in the table. *found when progress was rebuilt. */
static int rebuild_all(stream *s, delta_snapshot *snap, bool *found, lago_err *err) {
  *found = false;
  fileset present;
  if (fileset_init(&present)) return LAGO_NOMEM_ERR(err);
  rebuild r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.present = &present;
  r.min_batch = -1;
  r.ar = s->ar;
  r.skip_before_ns = -1;
  int rc = discover_list(s, on_present, &present, err);
  if (rc == LAGO_NOTFOUND) { /* no source yet: nothing to filter by */
    lago_err_clear(err);
    rc = LAGO_OK;
  }
  if (rc == LAGO_OK) rc = delta_history_each(s->table, 0, on_commit, &r, err);
  fileset_free(&present);
  TRY(rc);
  if (!r.chosen) return LAGO_OK;
  *found = true;
  s->meta.stream_id = r.chosen;
  int64_t last = delta_snapshot_app_version(snap, r.chosen);
  s->next_batch = last + 1;
  if (r.skip_before_ns >= 0) {
    s->meta.skip_before_ns = r.skip_before_ns;
    s->assume_loaded_before_ns = r.skip_before_ns;
  }
  stream_event(s, STREAM_INFO,
               "no checkpoint at %s: rebuilt progress from the log of table %s: stream %s committed batches "
               "0..%lld; the log lists %lld files loaded from %s (%lld still there); they will not be loaded again",
               s->ckpt, s->name, r.chosen, (long long)last, (long long)r.files, s->src_text, (long long)r.kept);
  if (r.first_epoch > 0) {
    char ts[64];
    fmt_time_ms(r.first_ts_ms, ts);
    int64_t before = r.first_ts_ms * 1000000;
    if (before > s->assume_loaded_before_ns) s->assume_loaded_before_ns = before;
    stream_event(s, STREAM_WARN,
                 "batches 0..%lld of stream %s are no longer in the table's log (log retention): files modified "
                 "before %s UTC that the log does not list are taken as already loaded",
                 (long long)(r.first_epoch - 1), r.chosen, ts);
  }
  if (r.skip_before_ns >= 0)
    stream_event(s, STREAM_INFO, "the stream started with includeExistingFiles=false: files older than its start are "
                                 "not loaded");
  return compact(s, last, err); /* the checkpoint holds the rebuilt progress from now on */
}

/* The checkpoint knows batches up to `known`; the table has committed up to `committed`: take the rest from the log. */
static int rebuild_tail(stream *s, int64_t known, int64_t committed, lago_err *err) {
  rebuild r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.only_stream = s->meta.stream_id;
  r.min_batch = known;
  r.ar = s->ar;
  r.skip_before_ns = -1;
  TRY(delta_history_each(s->table, 0, on_commit, &r, err));
  TRY(fs_mkdirs(s->fs, s->ckpt, err));
  TRY(compact(s, committed, err)); /* the checkpoint holds the rebuilt progress from now on */
  stream_event(s, STREAM_INFO,
               "checkpoint %s knows batches up to %lld but table %s has committed up to %lld: took the %lld files of "
               "the %lld missing batches from the table's log",
               s->ckpt, (long long)known, s->name, (long long)committed, (long long)r.files, (long long)r.commits);
  return LAGO_OK;
}

/* ---- opening ------------------------------------------------------------------------ */

static int new_stream_id(stream *s, lago_err *err) {
  char uuid[37];
  TRY(tbl_uuid4(s->h, uuid, NULL, err));
  return (s->meta.stream_id = arena_strdup(s->ar, uuid)) ? LAGO_OK : LAGO_NOMEM_ERR(err);
}

/* Removes the progress of a checkpoint (keeps _schemas: the source's schema is still valid). */
static int reset_progress(stream *s, lago_err *err) {
  const char *dirs[] = {"offsets", "commits", "state"};
  for (int i = 0; i < 3; i++) {
    const char *p = path_join(s->ar, s->ckpt, dirs[i]);
    if (!p) return LAGO_NOMEM_ERR(err);
    TRY(fs_remove_tree(s->fs, p, err));
  }
  fileset_clear(&s->seen);
  return LAGO_OK;
}

typedef struct initial_ctx {
  cand_list *c;
  stream *s;
} initial_ctx;

static int on_initial(void *ud, const ckpt_file *f, lago_err *err) {
  initial_ctx *ic = ud;
  src_file sf;
  memset(&sf, 0, sizeof sf);
  sf.rel = arena_strdup(ic->c->ar, f->path);
  if (!sf.rel) return LAGO_NOMEM_ERR(err);
  sf.abs = sf.rel;
  sf.size = f->size;
  sf.mtime_ns = f->mtime_ns;
  if (ic->c->n == ic->c->cap) {
    size_t nc = ic->c->cap ? ic->c->cap * 2 : 64;
    src_file *nv = mem_realloc(ic->c->v, nc * sizeof *nv);
    if (!nv) return LAGO_NOMEM_ERR(err);
    ic->c->v = nv;
    ic->c->cap = nc;
  }
  ic->c->v[ic->c->n++] = sf;
  return LAGO_OK;
}

/* includeExistingFiles=false on a first start: records the files present now as skipped. */
static int skip_existing(stream *s, lago_err *err) {
  arena *tmp = arena_new("query", 65536);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  cand_list c;
  cand_init(&c, tmp);
  initial_ctx ic = {&c, s};
  s->meta.skip_before_ns = stream_now_ns();
  int rc = discover_list(s, on_initial, &ic, err);
  if (rc == LAGO_NOTFOUND) {
    lago_err_clear(err);
    rc = LAGO_OK;
  }
  const char *path = rc ? NULL : ck_path(s, tmp, "state", "initial");
  if (rc == LAGO_OK && !path) rc = LAGO_NOMEM_ERR(err);
  ckpt_list_hdr h = {CKPT_INITIAL, -1, -1, -1, (int64_t)c.n, 0};
  for (size_t i = 0; i < c.n; i++) h.bytes += c.v[i].size;
  if (rc == LAGO_OK) rc = write_list(s, path, &h, c.v, (uint32_t)c.n, true, err);
  for (size_t i = 0; i < c.n && rc == LAGO_OK; i++) {
    ckpt_file f = {c.v[i].rel, c.v[i].size, c.v[i].mtime_ns, -1};
    rc = fileset_put(&s->seen, &f, err);
  }
  if (rc == LAGO_OK)
    stream_event(s, STREAM_INFO, "includeExistingFiles=false: the %zu files already in %s are skipped", c.n,
                 s->src_text);
  cand_deinit(&c);
  arena_free(tmp);
  return rc;
}

/* Loads state/initial, the newest compact state and the offsets files; decides committed/pending. */
static int load_progress(stream *s, int64_t committed, bool have_committed, lago_err *err) {
  arena *tmp = arena_new("query", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  ckpt_list_hdr h;
  const char *ipath = ck_path(s, tmp, "state", "initial");
  bool ex = false;
  if (!ipath) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = fs_exists(s->fs, ipath, &ex, err);
  if (rc == LAGO_OK && ex) rc = load_list(s, ipath, CKPT_INITIAL, -1, NULL, &h, err);
  batch_names comp = {0}, offs = {0};
  if (rc == LAGO_OK) rc = list_batches(s, "state", ".compact", &comp, err);
  if (rc == LAGO_OK) rc = list_batches(s, "offsets", NULL, &offs, err);
  int64_t last_compact = comp.n ? comp.v[comp.n - 1] : -1;
  s->last_compact = last_compact;
  if (rc == LAGO_OK && last_compact >= 0) {
    char nm[40];
    ckpt_batch_name(last_compact, nm);
    strcat(nm, ".compact");
    const char *p = ck_path(s, tmp, "state", nm);
    rc = p ? load_list(s, p, CKPT_COMPACT, last_compact, NULL, &h, err) : LAGO_NOMEM_ERR(err);
  }
  int64_t last = last_compact;
  if (offs.n && offs.v[offs.n - 1] > last) last = offs.v[offs.n - 1];
  if (!have_committed) committed = last; /* callback sink without commits/: treat the list as the truth below */
  /* batches after the compact state, in order: committed ones are seen, the last uncommitted one is pending */
  for (size_t i = 0; i < offs.n && rc == LAGO_OK; i++) {
    int64_t b = offs.v[i];
    if (b <= last_compact) continue;
    char nm[21];
    ckpt_batch_name(b, nm);
    const char *p = ck_path(s, tmp, "offsets", nm);
    if (!p) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    if (b <= committed) {
      rc = load_list(s, p, CKPT_OFFSETS, b, NULL, &h, err);
    } else if (b == last && b == committed + 1) {
      cand_list pend;
      cand_init(&pend, s->ar);
      rc = load_list(s, p, CKPT_OFFSETS, b, &pend, &h, err);
      if (rc == LAGO_OK) {
        s->pending = arena_alloc(s->ar, (pend.n + 1) * sizeof *s->pending);
        if (!s->pending) rc = LAGO_NOMEM_ERR(err);
        else if (pend.n) memcpy(s->pending, pend.v, pend.n * sizeof *s->pending);
        s->n_pending = (uint32_t)pend.n;
        s->pending_batch = b;
      }
      cand_deinit(&pend);
    }
  }
  /*
  ** A hole below the first offsets file after the compact state (the compact file that covered
  ** it was lost): the files of those batches are not in the seen set and would be loaded again.
  ** They are taken from the table's log, like a checkpoint behind the table.
  */
  int64_t first_after = -1;
  for (size_t i = 0; i < offs.n; i++)
    if (offs.v[i] > last_compact && (first_after < 0 || offs.v[i] < first_after)) first_after = offs.v[i];
  bool hole = rc == LAGO_OK && s->table && first_after > last_compact + 1 && committed >= 0;
  if (hole) {
    stream_event(s, STREAM_WARN,
                 "checkpoint %s has no file list for batches %lld to %lld (a lost state file): taking them from the "
                 "table's log",
                 s->ckpt, (long long)(last_compact + 1), (long long)(first_after - 1));
    rc = rebuild_tail(s, last_compact, committed < last ? committed : last, err);
  }
  if (rc == LAGO_OK) {
    if (committed >= last) {
      s->next_batch = committed + 1;
      if (committed > last && s->table) rc = rebuild_tail(s, last, committed, err);
    } else if (committed == last - 1) {
      s->next_batch = last;
      stream_event(s, STREAM_INFO,
                   "batch %lld was planned before the previous run stopped and was not committed: running it again "
                   "with the same %u files",
                   (long long)last, s->n_pending);
    } else {
      rc = LAGO_ERR(err, LAGO_CORRUPT,
                    "checkpoint %s has planned batches up to %lld, but %s holds batches only up to %lld: the table "
                    "lost commits (restored to an older version?). Use a new checkpoint directory to reload the "
                    "source, or restore the table",
                    s->ckpt, (long long)last, s->name, (long long)committed);
    }
  }
  mem_free(comp.v);
  mem_free(offs.v);
  arena_free(tmp);
  return rc;
}

/* The newest commits/<b> (callback sinks). */
static int last_commit_marker(stream *s, int64_t *out, lago_err *err) {
  batch_names bn;
  TRY(list_batches(s, "commits", NULL, &bn, err));
  *out = bn.n ? bn.v[bn.n - 1] : -1;
  mem_free(bn.v);
  return LAGO_OK;
}

int recover_open(stream *s, lago_err *err) {
  s->pending_batch = -1;
  s->last_compact = -1;
  s->assume_loaded_before_ns = -1;
  s->include_existing = true;
  TRY(fileset_init(&s->seen) ? LAGO_NOMEM_ERR(err) : LAGO_OK);
  const char *meta_path = path_join(s->ar, s->ckpt, "metadata");
  if (!meta_path) return LAGO_NOMEM_ERR(err);
  char *text = NULL;
  size_t len = 0;
  int rc = ckpt_read(s, meta_path, s->ar, &text, &len, err);
  bool fresh = rc == LAGO_NOTFOUND;
  if (fresh) {
    lago_err_clear(err);
    rc = LAGO_OK;
  }
  TRY(rc);
  /* the table as it is now */
  delta_snapshot *snap = NULL;
  if (s->table) {
    rc = delta_snapshot_load(s->table, -1, &snap, err);
    if (rc == LAGO_NOTFOUND) {
      lago_err_clear(err);
      rc = LAGO_OK;
    }
    TRY(rc);
  }
  const char *table_id = snap ? delta_snapshot_metadata(snap)->id : NULL;
  bool first_start = false;
  if (!fresh) {
    rc = ckpt_meta_parse(s->ar, text, len, meta_path, &s->meta, err);
    if (rc == LAGO_OK && (strcmp(s->meta.source, s->src_text) || strcmp(s->meta.format, stream_format_name(s->o.format))))
      rc = LAGO_ERR(err, LAGO_BIND, "checkpoint %s belongs to a stream of %s (format %s), not of %s (format %s)",
                    s->ckpt, s->meta.source, s->meta.format, s->src_text, stream_format_name(s->o.format));
    if (rc == LAGO_OK && s->table && strcmp(s->meta.table, delta_table_root(s->table)))
      rc = LAGO_ERR(err, LAGO_BIND, "checkpoint %s feeds table %s, not %s", s->ckpt, s->meta.table,
                    delta_table_root(s->table));
    if (rc == LAGO_OK && s->table && s->meta.table_id && (!snap || strcmp(s->meta.table_id, table_id))) {
      if (snap)
        stream_event(s, STREAM_INFO,
                     "table %s is not the table checkpoint %s fed (its id was %s, now it is %s): it was dropped and "
                     "recreated. Discarding the old progress and loading every file of %s into it again",
                     s->name, s->ckpt, s->meta.table_id, table_id, s->src_text);
      else
        stream_event(s, STREAM_INFO,
                     "table %s no longer exists, but checkpoint %s fed it (table id %s): it was dropped. Discarding "
                     "the old progress; the table is created again and every file of %s is loaded into it",
                     s->name, s->ckpt, s->meta.table_id, s->src_text);
      rc = reset_progress(s, err);
      if (rc == LAGO_OK) rc = new_stream_id(s, err);
      if (rc == LAGO_OK) {
        s->meta.table_id = table_id ? arena_strdup(s->ar, table_id) : NULL;
        s->meta.skip_before_ns = -1;
        rc = write_meta(s, err);
      }
      s->next_batch = 0;
    } else if (rc == LAGO_OK) {
      if (s->table && !s->meta.table_id && table_id) rc = ckpt_set_table_id(s, table_id, err);
      int64_t committed = -1;
      if (rc == LAGO_OK && s->table) committed = snap ? delta_snapshot_app_version(snap, s->meta.stream_id) : -1;
      else if (rc == LAGO_OK) rc = last_commit_marker(s, &committed, err);
      if (rc == LAGO_OK) rc = load_progress(s, committed, true, err);
      if (rc == LAGO_OK && s->meta.skip_before_ns >= 0) s->include_existing = false;
    }
  } else {
    memset(&s->meta, 0, sizeof s->meta);
    s->meta.source = s->src_text;
    s->meta.format = stream_format_name(s->o.format);
    s->meta.table = s->table ? delta_table_root(s->table) : "";
    s->meta.created_ms = stream_now_ms();
    s->meta.skip_before_ns = -1;
    bool rebuilt = false;
    bool leftovers = false;
    const char *od = path_join(s->ar, s->ckpt, "offsets");
    if (!od) rc = LAGO_NOMEM_ERR(err);
    if (rc == LAGO_OK) rc = fs_exists(s->fs, od, &leftovers, err);
    if (rc == LAGO_OK && leftovers) {
      stream_event(s, STREAM_WARN, "checkpoint %s has progress files but no metadata: ignoring them", s->ckpt);
      rc = reset_progress(s, err);
    }
    if (rc == LAGO_OK && snap) rc = rebuild_all(s, snap, &rebuilt, err);
    if (rc == LAGO_OK && !rebuilt) {
      rc = new_stream_id(s, err);
      first_start = true;
      if (rc == LAGO_OK) {
        if (s->table && snap)
          stream_event(s, STREAM_INFO,
                       "new stream %s: no checkpoint at %s, and table %s has no commits from %s: every file there is "
                       "new",
                       s->meta.stream_id, s->ckpt, s->name, s->src_text);
        else if (s->table)
          stream_event(s, STREAM_INFO, "new stream %s: table %s does not exist yet; the first batch creates it",
                       s->meta.stream_id, s->name);
        else
          stream_event(s, STREAM_INFO, "new stream %s (checkpoint %s)", s->meta.stream_id, s->ckpt);
      }
    }
    if (rc == LAGO_OK) {
      s->meta.table_id = table_id ? arena_strdup(s->ar, table_id) : NULL;
      if (first_start && !s->o.include_existing) rc = skip_existing(s, err);
    }
    if (rc == LAGO_OK) rc = fs_mkdirs(s->fs, s->ckpt, err);
    if (rc == LAGO_OK) rc = write_meta_mode(s, false, err);
  }
  delta_snapshot_unref(snap);
  return rc;
}
