/*
** table/delta/snapshot.c: tables, snapshots and log replay (PROTOCOL.md
** "Action Reconciliation"; DELTA-CHECKLIST.md §4).
**
** Loading the snapshot of version V:
**   1. log.c finds the segment: newest complete checkpoint C <= V and the
**      commits C+1..V (log compaction files may stand in for runs of them).
**   2. The tail commits are replayed newest first. The first protocol and
**      metaData seen win; the first txn per appId and domainMetadata per
**      domain win; for file actions the key is (decoded path, DV unique id):
**      the first action seen for a key decides (add = live, remove =
**      tombstone) and later (older) ones are ignored. Only these keys are
**      remembered, so memory is the table's live state, not its history.
**   3. The checkpoint's non-file columns fill in whatever the tail did not
**      set (protocol, metaData, txns, domains). The checkpoint's adds and
**      removes are read only when the file list is first asked for
**      (delta_snapshot_files), in batches, skipping keys the tail decided.
** Opening therefore reads _last_checkpoint, one listing, the tail commits and
** the checkpoint's small columns; nothing older than the checkpoint.
*/
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "util/alloc.h"
#include "vec/type_json.h"

/* ---- tables --------------------------------------------------------------- */

int delta_table_open(const tbl_handlers *h, const char *root, delta_table **out, lago_err *err) {
  *out = NULL;
  if (!h || !h->fs || !root || !*root) return LAGO_ERR(err, LAGO_MISUSE, "delta_table_open: no handlers or root");
  delta_table *t = mem_calloc(1, sizeof *t);
  if (!t) return LAGO_NOMEM_ERR(err);
  size_t n = strlen(root);
  while (n > 1 && root[n - 1] == '/') n--;
  t->root = mem_strndup(root, n);
  t->log_dir = mem_alloc(n + 12);
  if (!t->root || !t->log_dir) {
    mem_free(t->root);
    mem_free(t->log_dir);
    mem_free(t);
    return LAGO_NOMEM_ERR(err);
  }
  memcpy(t->log_dir, t->root, n);
  memcpy(t->log_dir + n, "/_delta_log", 12);
  atomic_init(&t->refs, 1);
  t->h = h;
  *out = t;
  return LAGO_OK;
}

void delta_table_ref(delta_table *t) { atomic_fetch_add(&t->refs, 1); }

void delta_table_free(delta_table *t) {
  if (!t || atomic_fetch_sub(&t->refs, 1) != 1) return;
  mem_free(t->root);
  mem_free(t->log_dir);
  mem_free(t);
}

const char *delta_table_root(const delta_table *t) { return t->root; }
const tbl_handlers *delta_table_handlers(const delta_table *t) { return t->h; }

int delta_table_exists(delta_table *t, bool *out, lago_err *err) {
  arena *ar = arena_new("query", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  log_listing l;
  lago_err tmp;
  lago_err_clear(&tmp);
  int rc = delta_log_list(t, 0, ar, &l, &tmp);
  *out = false;
  if (rc == LAGO_OK) {
    *out = l.n > 0;
  } else if (rc == LAGO_NOTFOUND) {
    rc = LAGO_OK;
  } else {
    lago_err_copy(err, &tmp);
  }
  arena_free(ar);
  return rc;
}

/* ---- commit parsing --------------------------------------------------------- */

int delta_commit_parse(const char *text, size_t len, arena *ar, const char *where, int64_t version,
                       delta_action_fn fn, void *ud, lago_err *err) {
  json_lines it;
  json_lines_init(&it, text, len);
  int rc = LAGO_OK;
  for (;;) {
    json_value *v;
    rc = json_lines_next(&it, ar, &v, err);
    if (rc) {
      if (rc != LAGO_NOMEM) {
        rc = LAGO_CORRUPT;
        err->rc = LAGO_CORRUPT;
        lago_err_prefix(err, "%s", where);
      }
      break;
    }
    if (!v) break;
    char loc[600];
    snprintf(loc, sizeof loc, "%s line %zu", where, it.line_no);
    delta_action a;
    if ((rc = delta_action_from_json(ar, v, &a, loc, err))) break;
    if (a.kind == DA_NONE) continue;
    if ((rc = fn(ud, &a, version, false, err))) break;
  }
  json_lines_deinit(&it);
  return rc;
}

/* ---- replay state ------------------------------------------------------------ */

typedef struct replay {
  delta_snapshot *s;
  bool have_protocol, have_metadata;
  keyset txn_seen, domain_seen;
  uint32_t cap_txns, cap_domains;
  int64_t target;
  bool files;        /* collect file actions (tail, or checkpoint when loading files) */
  bool checkpoint_files; /* phase 3: checkpoint file actions, skip tail keys */
  arena *scratch;
  /* growing output arrays (heap) for the checkpoint phase */
  delta_file *out_adds;
  size_t n_out_adds, cap_out_adds;
  delta_file *out_removes;
  size_t n_out_removes, cap_out_removes;
} replay;

static int push_file(delta_file **arr, size_t *n, size_t *cap, const delta_file *f, arena *ar) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 64;
    delta_file *na = mem_realloc(*arr, nc * sizeof *na);
    if (!na) return LAGO_NOMEM;
    *arr = na;
    *cap = nc;
  }
  if (delta_file_copy(ar, f, &(*arr)[*n])) return LAGO_NOMEM;
  (*n)++;
  return LAGO_OK;
}

static int apply(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  replay *r = ud;
  delta_snapshot *s = r->s;
  arena *ar = s->ar;
  if (r->checkpoint_files && a->kind != DA_ADD && a->kind != DA_REMOVE) return LAGO_OK; /* known already */
  switch (a->kind) {
  case DA_PROTOCOL:
    if (r->have_protocol) return LAGO_OK;
    r->have_protocol = true;
    if (delta_protocol_copy(ar, &a->u.protocol, &s->protocol)) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  case DA_METADATA:
    if (r->have_metadata) return LAGO_OK;
    r->have_metadata = true;
    if (delta_metadata_copy(ar, &a->u.metadata, &s->metadata)) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  case DA_TXN: {
    bool added;
    if (keyset_add(&r->txn_seen, a->u.txn.app_id, false, &added)) return LAGO_NOMEM_ERR(err);
    if (!added) return LAGO_OK;
    if (s->n_txns == r->cap_txns) {
      uint32_t nc = r->cap_txns ? r->cap_txns * 2 : 8;
      delta_txn_action *n = arena_realloc(ar, s->txns, r->cap_txns * sizeof *n, nc * sizeof *n);
      if (!n) return LAGO_NOMEM_ERR(err);
      s->txns = n;
      r->cap_txns = nc;
    }
    delta_txn_action *t = &s->txns[s->n_txns++];
    *t = a->u.txn;
    if (!(t->app_id = arena_strdup(ar, a->u.txn.app_id))) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  }
  case DA_DOMAIN: {
    bool added;
    if (keyset_add(&r->domain_seen, a->u.domain.domain, false, &added)) return LAGO_NOMEM_ERR(err);
    if (!added || a->u.domain.removed) return LAGO_OK;
    if (s->n_domains == r->cap_domains) {
      uint32_t nc = r->cap_domains ? r->cap_domains * 2 : 8;
      delta_domain *n = arena_realloc(ar, s->domains, r->cap_domains * sizeof *n, nc * sizeof *n);
      if (!n) return LAGO_NOMEM_ERR(err);
      s->domains = n;
      r->cap_domains = nc;
    }
    delta_domain *d = &s->domains[s->n_domains++];
    d->removed = false;
    d->domain = arena_strdup(ar, a->u.domain.domain);
    d->configuration = arena_strdup(ar, a->u.domain.configuration);
    if (!d->domain || !d->configuration) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  }
  case DA_COMMIT_INFO:
    if (from_cp || version != r->target || s->commit_info) return LAGO_OK;
    s->commit_info = arena_alloc(ar, sizeof *s->commit_info);
    if (!s->commit_info) return LAGO_NOMEM_ERR(err);
    *s->commit_info = a->u.commit_info;
    s->commit_info->json = arena_strdup(ar, a->u.commit_info.json);
    s->commit_info->operation = a->u.commit_info.operation ? arena_strdup(ar, a->u.commit_info.operation) : NULL;
    if (!s->commit_info->json) return LAGO_NOMEM_ERR(err);
    return LAGO_OK;
  case DA_ADD:
  case DA_REMOVE: {
    if (!r->files) return LAGO_OK;
    delta_file f = a->u.file;
    f.path = delta_path_relativize(s->t->root, f.path);
    if (r->checkpoint_files) arena_reset(r->scratch); /* only keys live there in this phase */
    const char *key = delta_file_key(r->scratch, &f);
    if (!key) return LAGO_NOMEM_ERR(err);
    if (r->checkpoint_files) {
      if (keyset_has(&s->tail_keys, key)) return LAGO_OK;
      int rc = a->kind == DA_ADD ? push_file(&r->out_adds, &r->n_out_adds, &r->cap_out_adds, &f, ar)
                                 : push_file(&r->out_removes, &r->n_out_removes, &r->cap_out_removes, &f, ar);
      return rc ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    }
    bool added;
    if (keyset_add(&s->tail_keys, key, false, &added)) return LAGO_NOMEM_ERR(err);
    if (!added) return LAGO_OK;
    int rc = a->kind == DA_ADD ? push_file(&s->tail_adds, &s->n_tail_adds, &s->cap_tail_adds, &f, ar)
                               : push_file(&s->tail_removes, &s->n_tail_removes, &s->cap_tail_removes, &f, ar);
    return rc ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  }
  default:
    return LAGO_OK; /* cdc never enters the snapshot; sidecars are resolved by checkpoint.c */
  }
}

/* One replay unit: a commit or a compaction file. */
typedef struct unit {
  const log_file *lf;
} unit;

static int replay_tail(delta_snapshot *s, replay *r, lago_err *err) {
  const log_segment *seg = &s->seg;
  size_t n_units = 0;
  unit *units = mem_alloc((seg->n_commits + 1) * sizeof *units);
  if (!units) return LAGO_NOMEM_ERR(err);
  size_t ci = 0, ki = 0;
  while (ci < seg->n_commits) {
    const log_file *c = &seg->commits[ci];
    while (ki < seg->n_compactions && seg->compactions[ki].version < c->version) ki++;
    if (ki < seg->n_compactions && seg->compactions[ki].version == c->version) {
      units[n_units++].lf = &seg->compactions[ki];
      int64_t end = seg->compactions[ki].end_version;
      while (ci < seg->n_commits && seg->commits[ci].version <= end) ci++;
      ki++;
    } else {
      units[n_units++].lf = c;
      ci++;
    }
  }
  int rc = LAGO_OK;
  for (size_t u = n_units; u-- > 0 && rc == LAGO_OK;) {
    const log_file *lf = units[u].lf;
    arena_reset(r->scratch);
    char *text;
    size_t len;
    if ((rc = delta_log_read(s->t, lf->path, r->scratch, &text, &len, err))) break;
    rc = delta_commit_parse(text, len, r->scratch, lf->path, lf->end_version, apply, r, err);
  }
  mem_free(units);
  return rc;
}

static int checkpoint_apply(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)from_cp;
  return apply(ud, a, version, true, err);
}

/* ---- schema-derived state ------------------------------------------------------ */

const char *delta_snapshot_column_mapping(const delta_snapshot *s) { return s->cm_mode; }

static int derive(delta_snapshot *s, lago_err *err) {
  arena *ar = s->ar;
  const char *mode = delta_map_get(&s->metadata.configuration, "delta.columnMapping.mode", NULL);
  if (!mode || !strcasecmp(mode, "none")) s->cm_mode = "none";
  else if (!strcasecmp(mode, "name")) s->cm_mode = "name";
  else if (!strcasecmp(mode, "id")) s->cm_mode = "id";
  else return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: unknown delta.columnMapping.mode \"%s\"", s->t->root, mode);
  const char *ss = s->metadata.schema_string;
  int rc = type_from_delta_schema(ar, ss, strlen(ss), &s->schema, err);
  if (rc) return lago_err_prefix(err, "%s: metaData.schemaString", s->t->root);
  s->n_part = s->metadata.n_partition_columns;
  if (s->n_part) {
    s->part_idx = arena_alloc(ar, s->n_part * sizeof *s->part_idx);
    s->part_phys = arena_alloc(ar, s->n_part * sizeof *s->part_phys);
    if (!s->part_idx || !s->part_phys) return LAGO_NOMEM_ERR(err);
  }
  for (uint32_t i = 0; i < s->n_part; i++) {
    const char *name = s->metadata.partition_columns[i];
    int idx = type_field_index(s->schema, name);
    if (idx < 0)
      return LAGO_ERR(err, LAGO_CORRUPT, "%s: partition column \"%s\" is not in the schema", s->t->root, name);
    s->part_idx[i] = (uint32_t)idx;
    s->part_phys[i] = delta_field_physical_name(ar, type_field_at(s->schema, (uint32_t)idx), s->cm_mode);
    if (!s->part_phys[i]) return LAGO_NOMEM_ERR(err);
  }
  return LAGO_OK;
}

/* ---- timestamps ---------------------------------------------------------------- */

/* Is ICT enabled at version v under metadata md? Sets *since to the enablement version. */
static bool ict_enabled(const delta_metadata *md, int64_t v, int64_t *since) {
  if (!delta_config_bool(&md->configuration, "delta.enableInCommitTimestamps", false)) return false;
  int64_t ev = delta_config_i64(&md->configuration, "delta.inCommitTimestampEnablementVersion", 0);
  if (since) *since = ev;
  return v >= ev;
}

typedef struct first_ci {
  int64_t ict;
  bool found;
} first_ci;

static int on_first_ci(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)version;
  (void)from_cp;
  (void)err;
  first_ci *f = ud;
  if (a->kind == DA_COMMIT_INFO && !f->found) {
    f->found = true;
    f->ict = a->u.commit_info.in_commit_timestamp;
  }
  return LAGO_OK;
}

int delta_commit_timestamp(delta_table *t, const log_file *lf, const delta_metadata *md, arena *ar, int64_t *ts,
                           lago_err *err) {
  *ts = lf->mtime_ms;
  if (!md || !ict_enabled(md, lf->version, NULL)) return LAGO_OK;
  char *text;
  size_t len;
  TRY(delta_log_read(t, lf->path, ar, &text, &len, err));
  /* the commitInfo with inCommitTimestamp must be the first action: parse only the first line */
  const char *nl = memchr(text, '\n', len);
  size_t n1 = nl ? (size_t)(nl - text) : len;
  first_ci f = {-1, false};
  TRY(delta_commit_parse(text, n1, ar, lf->path, lf->version, on_first_ci, &f, err));
  if (f.ict < 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: in-commit timestamps are enabled but the commit has no inCommitTimestamp",
                    lf->path);
  *ts = f.ict;
  return LAGO_OK;
}

/* ---- loading --------------------------------------------------------------------- */

static delta_snapshot *snap_new(delta_table *t) {
  arena *ar = arena_new("snapshot", 16384);
  if (!ar) return NULL;
  delta_snapshot *s = arena_zalloc(ar, sizeof *s);
  if (!s) {
    arena_free(ar);
    return NULL;
  }
  s->ar = ar;
  atomic_init(&s->refs, 1);
  s->t = t;
  delta_table_ref(t);
  keyset_init(&s->tail_keys, ar);
  pthread_mutex_init(&s->files_mu, NULL);
  return s;
}

int delta_snapshot_load(delta_table *t, int64_t version, delta_snapshot **out, lago_err *err) {
  *out = NULL;
  delta_snapshot *s = snap_new(t);
  if (!s) return LAGO_NOMEM_ERR(err);
  replay r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.files = true;
  keyset_init(&r.txn_seen, s->ar);
  keyset_init(&r.domain_seen, s->ar);
  int rc = LAGO_OK;
  if (!(r.scratch = arena_new("query", 65536))) {
    rc = LAGO_NOMEM_ERR(err);
    goto fail;
  }
  if ((rc = delta_log_segment(t, version, s->ar, &s->seg, err))) goto fail;
  s->version = s->seg.version;
  r.target = s->version;
  if ((rc = replay_tail(s, &r, err))) goto fail;
  if (s->seg.n_cp) {
    r.files = false;
    arena_reset(r.scratch);
    if ((rc = delta_checkpoint_read(t, &s->seg, false, checkpoint_apply, &r, err))) goto fail;
  }
  if (!r.have_protocol) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: no protocol action in the log up to version %lld", t->root,
                  (long long)s->version);
    goto fail;
  }
  if (!r.have_metadata) {
    rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: no metaData action in the log up to version %lld", t->root,
                  (long long)s->version);
    goto fail;
  }
  if ((rc = delta_protocol_check_read(&s->protocol, err))) {
    lago_err_prefix(err, "%s", t->root);
    goto fail;
  }
  if ((rc = derive(s, err))) goto fail;
  /* commit timestamp of the version */
  s->timestamp = -1;
  if (s->commit_info && ict_enabled(&s->metadata, s->version, NULL) && s->commit_info->in_commit_timestamp >= 0) {
    s->timestamp = s->commit_info->in_commit_timestamp;
  } else if (s->seg.n_commits) {
    s->timestamp = s->seg.commits[s->seg.n_commits - 1].mtime_ms;
  } else if (s->seg.n_cp) {
    s->timestamp = s->seg.cp[0].mtime_ms;
  }
  arena_free(r.scratch);
  *out = s;
  return LAGO_OK;
fail:
  arena_free(r.scratch);
  delta_snapshot_unref(s);
  return rc;
}

delta_snapshot *delta_snapshot_ref(delta_snapshot *s) {
  atomic_fetch_add(&s->refs, 1);
  return s;
}

void delta_snapshot_unref(delta_snapshot *s) {
  if (!s || atomic_fetch_sub(&s->refs, 1) != 1) return;
  pthread_mutex_destroy(&s->files_mu);
  mem_free(s->tail_adds);
  mem_free(s->tail_removes);
  mem_free(s->files);
  mem_free(s->tombstones);
  delta_table *t = s->t;
  arena_free(s->ar);
  delta_table_free(t);
}

int delta_snapshot_refresh(delta_snapshot *s, delta_snapshot **out, lago_err *err) {
  /* A cheap check first: does the next commit exist? */
  arena *ar = arena_new("query", 4096);
  if (!ar) return LAGO_NOMEM_ERR(err);
  char *next = arena_printf(ar, "%s/%020lld.json", s->t->log_dir, (long long)(s->version + 1));
  bool exists = false;
  int rc = next ? fs_exists(s->t->h->fs, next, &exists, err) : LAGO_NOMEM_ERR(err);
  arena_free(ar);
  if (rc) return rc;
  if (!exists) {
    *out = delta_snapshot_ref(s);
    return LAGO_OK;
  }
  return delta_snapshot_load(s->t, -1, out, err);
}

/* ---- accessors ------------------------------------------------------------------ */

int64_t delta_snapshot_version(const delta_snapshot *s) { return s->version; }
delta_table *delta_snapshot_table(const delta_snapshot *s) { return s->t; }
const delta_protocol *delta_snapshot_protocol(const delta_snapshot *s) { return &s->protocol; }
const delta_metadata *delta_snapshot_metadata(const delta_snapshot *s) { return &s->metadata; }
lago_type delta_snapshot_schema(const delta_snapshot *s) { return s->schema; }
uint32_t delta_snapshot_n_partition_columns(const delta_snapshot *s) { return s->n_part; }
const uint32_t *delta_snapshot_partition_columns(const delta_snapshot *s) { return s->part_idx; }
const char *delta_snapshot_property(const delta_snapshot *s, const char *key) {
  return delta_map_get(&s->metadata.configuration, key, NULL);
}
int64_t delta_snapshot_timestamp(const delta_snapshot *s) { return s->timestamp; }
const delta_commit_info *delta_snapshot_commit_info(const delta_snapshot *s) { return s->commit_info; }

int64_t delta_snapshot_app_version(const delta_snapshot *s, const char *app_id) {
  for (uint32_t i = 0; i < s->n_txns; i++)
    if (!strcmp(s->txns[i].app_id, app_id)) return s->txns[i].version;
  return -1;
}
uint32_t delta_snapshot_n_app_txns(const delta_snapshot *s) { return s->n_txns; }
const delta_txn_action *delta_snapshot_app_txn(const delta_snapshot *s, uint32_t i) { return &s->txns[i]; }

const delta_domain *delta_snapshot_domain(const delta_snapshot *s, const char *domain) {
  for (uint32_t i = 0; i < s->n_domains; i++)
    if (!strcmp(s->domains[i].domain, domain)) return &s->domains[i];
  return NULL;
}
uint32_t delta_snapshot_n_domains(const delta_snapshot *s) { return s->n_domains; }
const delta_domain *delta_snapshot_domain_at(const delta_snapshot *s, uint32_t i) { return &s->domains[i]; }

/* ---- files ----------------------------------------------------------------------- */

static int cmp_file(const void *a, const void *b) {
  const delta_file *x = a, *y = b;
  int c = strcmp(x->path, y->path);
  if (c) return c;
  if (x->dv.storage_type != y->dv.storage_type) return x->dv.storage_type - y->dv.storage_type;
  c = strcmp(x->dv.path_or_inline ? x->dv.path_or_inline : "", y->dv.path_or_inline ? y->dv.path_or_inline : "");
  if (c) return c;
  return x->dv.offset - y->dv.offset;
}

static int load_files(delta_snapshot *s, lago_err *err) {
  replay r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.files = true;
  r.checkpoint_files = true;
  int rc = LAGO_OK;
  if (!(r.scratch = arena_new("query", 65536))) return LAGO_NOMEM_ERR(err);
  r.target = s->version;
  /* the tail first */
  for (size_t i = 0; i < s->n_tail_adds && rc == LAGO_OK; i++)
    if (push_file(&r.out_adds, &r.n_out_adds, &r.cap_out_adds, &s->tail_adds[i], s->ar)) rc = LAGO_NOMEM_ERR(err);
  for (size_t i = 0; i < s->n_tail_removes && rc == LAGO_OK; i++)
    if (push_file(&r.out_removes, &r.n_out_removes, &r.cap_out_removes, &s->tail_removes[i], s->ar))
      rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK && s->seg.n_cp) rc = delta_checkpoint_read(s->t, &s->seg, true, checkpoint_apply, &r, err);
  if (rc == LAGO_OK) {
    if (r.n_out_adds) qsort(r.out_adds, r.n_out_adds, sizeof *r.out_adds, cmp_file);
    if (r.n_out_removes) qsort(r.out_removes, r.n_out_removes, sizeof *r.out_removes, cmp_file);
    s->files = r.out_adds;
    s->n_files = r.n_out_adds;
    s->tombstones = r.out_removes;
    s->n_tombstones = r.n_out_removes;
  } else {
    mem_free(r.out_adds);
    mem_free(r.out_removes);
  }
  arena_free(r.scratch);
  return rc;
}

int delta_snapshot_files(delta_snapshot *s, const delta_file **files, size_t *n, lago_err *err) {
  pthread_mutex_lock(&s->files_mu);
  int rc = LAGO_OK;
  if (!s->files_loaded) {
    rc = load_files(s, err);
    if (rc == LAGO_OK) s->files_loaded = true;
  }
  pthread_mutex_unlock(&s->files_mu);
  if (rc) return rc;
  *files = s->files;
  *n = s->n_files;
  return LAGO_OK;
}

int delta_snapshot_tombstones(delta_snapshot *s, const delta_file **files, size_t *n, lago_err *err) {
  const delta_file *f;
  size_t nf;
  TRY(delta_snapshot_files(s, &f, &nf, err));
  *files = s->tombstones;
  *n = s->n_tombstones;
  return LAGO_OK;
}

int64_t delta_snapshot_num_rows(delta_snapshot *s, lago_err *err) {
  const delta_file *f;
  size_t n;
  if (delta_snapshot_files(s, &f, &n, err)) return -1;
  arena *scratch = arena_new("query", 4096);
  if (!scratch) return -1;
  int64_t total = 0;
  for (size_t i = 0; i < n; i++) {
    arena_reset(scratch);
    int64_t nr = delta_stats_num_records(f[i].stats ? f[i].stats : f[i].stats_parsed_json, scratch);
    if (nr < 0) {
      total = -1;
      break;
    }
    total += nr - (f[i].dv.storage_type ? f[i].dv.cardinality : 0);
  }
  arena_free(scratch);
  return total;
}

/* ---- configuration helpers ------------------------------------------------------------ */

bool delta_config_bool(const delta_map *config, const char *key, bool def) {
  const char *v = delta_map_get(config, key, NULL);
  if (!v) return def;
  if (!strcasecmp(v, "true")) return true;
  if (!strcasecmp(v, "false")) return false;
  return def;
}

int64_t delta_config_i64(const delta_map *config, const char *key, int64_t def) {
  const char *v = delta_map_get(config, key, NULL);
  if (!v || !*v) return def;
  char *end;
  long long x = strtoll(v, &end, 10);
  return *end ? def : (int64_t)x;
}

int delta_parse_interval_ms(const char *s, int64_t *out) {
  /* "interval 7 days", "7 days", "interval 1 hour", "30 days", "168 hours" */
  while (*s == ' ') s++;
  if (!strncasecmp(s, "interval", 8)) s += 8;
  while (*s == ' ') s++;
  char *end;
  double v = strtod(s, &end);
  if (end == s || v < 0) return LAGO_PARSE;
  while (*end == ' ') end++;
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"millisecond", 1},     {"second", 1000},     {"minute", 60000}, {"hour", 3600000},
               {"day", 86400000},      {"week", 604800000},  {NULL, 0}};
  for (int i = 0; units[i].unit; i++) {
    size_t ul = strlen(units[i].unit);
    if (!strncasecmp(end, units[i].unit, ul)) {
      const char *rest = end + ul;
      if (*rest == 's' || *rest == 'S') rest++;
      while (*rest == ' ') rest++;
      if (*rest) return LAGO_PARSE;
      *out = (int64_t)(v * units[i].ms);
      return LAGO_OK;
    }
  }
  return LAGO_PARSE;
}
