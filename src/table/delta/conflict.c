/*
** table/delta/conflict.c: optimistic concurrency after a lost race
** (delta-io/delta ConflictChecker.scala rules, DELTA-CHECKLIST.md §14).
**
** For each winning commit, in order:
**   1. it changed the protocol                      -> conflict (ProtocolChanged)
**   2. it changed the metadata                      -> conflict (MetadataChanged)
**   3. it wrote a txn for an appId this txn writes, or domain metadata for a
**      domain this txn writes                      -> conflict (ConcurrentTransaction)
**   4. it added files this txn should have read: with a whole-table read, any
**      data-changing add; with read predicates, adds whose partition values
**      match them (predicates on data columns match everything). Under
**      WriteSerializable (the default) a winner that is a blind append is
**      ignored unless this txn changes metadata; Serializable checks it too
**                                                   -> conflict (ConcurrentAppend)
**   5. it removed a file this txn read, or anything data-changing after a
**      whole-table read                             -> conflict (ConcurrentDeleteRead)
**   6. it removed a file this txn also removes      -> conflict (ConcurrentDeleteDelete)
** A blind append (no reads, adds only) therefore never conflicts with other
** appends: that is what removes the ConcurrentAppendException between jobs
** that only insert. Without a conflict the same actions are retried after
** the newest winner, with a new in-commit timestamp when those are on.
*/
#include <stdio.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "table/delta/txn_int.h"

typedef struct winner {
  delta_txn *x;
  int64_t version;
  const char *operation;
  bool blind, blind_known;
  int64_t ict;
  /* first reason found */
  const char *kind;
  char detail[300];
  arena *scratch;
  lago_err *err;
  /* file actions are checked after the whole commit is read (blindness comes from commitInfo) */
  delta_file *adds, *removes;
  size_t n_adds, n_removes, cap_adds, cap_removes;
  bool has_protocol, has_metadata;
} winner;

static int keep(arena *ar, delta_file **arr, size_t *n, size_t *cap, const delta_file *f) {
  if (*n == *cap) {
    size_t nc = *cap ? *cap * 2 : 16;
    delta_file *na = arena_realloc(ar, *arr, *cap * sizeof *na, nc * sizeof *na);
    if (!na) return LAGO_NOMEM;
    *arr = na;
    *cap = nc;
  }
  (*arr)[(*n)++] = *f;
  return LAGO_OK;
}

static int on_winner(void *ud, const delta_action *a, int64_t version, bool from_cp, lago_err *err) {
  (void)version;
  (void)from_cp;
  winner *w = ud;
  delta_txn *x = w->x;
  switch (a->kind) {
  case DA_COMMIT_INFO: {
    w->operation = a->u.commit_info.operation;
    w->ict = a->u.commit_info.in_commit_timestamp;
    const char *j = a->u.commit_info.json;
    if (strstr(j, "\"isBlindAppend\":true")) w->blind = w->blind_known = true;
    else if (strstr(j, "\"isBlindAppend\":false")) w->blind_known = true;
    return LAGO_OK;
  }
  case DA_PROTOCOL: w->has_protocol = true; return LAGO_OK;
  case DA_METADATA: w->has_metadata = true; return LAGO_OK;
  case DA_TXN:
    for (size_t i = 0; i < x->n_acts; i++)
      if (x->acts[i].kind == DA_TXN && !strcmp(x->acts[i].u.txn.app_id, a->u.txn.app_id) && !w->kind) {
        w->kind = "ConcurrentTransaction";
        snprintf(w->detail, sizeof w->detail, "both wrote a txn for appId \"%s\"", a->u.txn.app_id);
      }
    return LAGO_OK;
  case DA_ADD: {
    delta_file f = a->u.file;
    f.path = delta_path_relativize(x->t->root, f.path);
    return keep(w->scratch, &w->adds, &w->n_adds, &w->cap_adds, &f) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  }
  case DA_REMOVE: {
    delta_file f = a->u.file;
    f.path = delta_path_relativize(x->t->root, f.path);
    return keep(w->scratch, &w->removes, &w->n_removes, &w->cap_removes, &f) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  }
  case DA_DOMAIN:
    for (size_t i = 0; i < x->n_acts; i++)
      if (x->acts[i].kind == DA_DOMAIN && !strcmp(x->acts[i].u.domain.domain, a->u.domain.domain) && !w->kind) {
        w->kind = "ConcurrentTransaction";
        snprintf(w->detail, sizeof w->detail, "both changed domain metadata \"%.200s\"", a->u.domain.domain);
      }
    return LAGO_OK;
  default: return LAGO_OK;
  }
}

static int check_files(winner *w) {
  delta_txn *x = w->x;
  if (w->has_protocol && !w->kind) {
    w->kind = "ProtocolChanged";
    snprintf(w->detail, sizeof w->detail, "it changed the table protocol");
  }
  if (w->has_metadata && !w->kind) {
    w->kind = "MetadataChanged";
    snprintf(w->detail, sizeof w->detail, "it changed the table metadata (schema, partitioning or properties)");
  }
  bool blind = w->blind_known ? w->blind : w->n_removes == 0;
  bool check_adds = x->read_any && !(x->iso == DELTA_WRITE_SERIALIZABLE && blind && !x->md_changed);
  for (size_t i = 0; i < w->n_adds && check_adds && !w->kind; i++) {
    const delta_file *f = &w->adds[i];
    if (!f->data_change && x->iso == DELTA_WRITE_SERIALIZABLE) continue;
    bool match = x->read_all;
    if (!match && x->n_read_preds && x->snap) {
      int rc = delta_pred_match(x->snap, f, x->read_preds, x->n_read_preds, true, w->scratch, &match, w->err);
      if (rc) return rc;
    }
    if (match) {
      w->kind = "ConcurrentAppend";
      snprintf(w->detail, sizeof w->detail, "it added %.200s, which this transaction's read should have seen",
               f->path);
    }
  }
  for (size_t i = 0; i < w->n_removes && !w->kind; i++) {
    const delta_file *f = &w->removes[i];
    const char *key = delta_file_key(w->scratch, f);
    if (!key) return LAGO_NOMEM_ERR(w->err);
    if (keyset_has(&x->removed_keys, key)) {
      w->kind = "ConcurrentDeleteDelete";
      snprintf(w->detail, sizeof w->detail, "both removed %.200s", f->path);
    } else if (keyset_has(&x->read_paths, f->path) || (x->read_all && f->data_change)) {
      w->kind = "ConcurrentDeleteRead";
      snprintf(w->detail, sizeof w->detail, "it removed %.200s, which this transaction read", f->path);
    }
  }
  return LAGO_OK;
}

int delta_conflict_check(delta_txn *x, int64_t from, arena *scratch, int64_t *latest, int64_t *prev_ict,
                         lago_err *err) {
  log_listing l;
  TRY(delta_log_list(x->t, from, scratch, &l, err));
  if (l.max_commit < from)
    return LAGO_ERR(err, LAGO_IO, "%s: commit %lld exists but cannot be listed", x->t->root, (long long)from);
  arena *war = arena_new("query", 65536);
  if (!war) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  int64_t expect = from;
  for (size_t i = 0; i < l.n && rc == LAGO_OK; i++) {
    const log_file *lf = &l.files[i];
    if (lf->kind != LF_COMMIT || lf->version < from) continue;
    if (lf->version != expect) {
      rc = LAGO_ERR(err, LAGO_CORRUPT, "%s: commit %lld is missing", x->t->root, (long long)expect);
      break;
    }
    expect++;
    arena_reset(war);
    winner w;
    memset(&w, 0, sizeof w);
    w.x = x;
    w.version = lf->version;
    w.ict = -1;
    w.scratch = war;
    w.err = err;
    char *text;
    size_t len;
    if ((rc = delta_log_read(x->t, lf->path, war, &text, &len, err))) break;
    if ((rc = delta_commit_parse(text, len, war, lf->path, lf->version, on_winner, &w, err))) break;
    if ((rc = check_files(&w))) break;
    if (w.ict >= 0) *prev_ict = w.ict;
    else if (lf->mtime_ms > *prev_ict) *prev_ict = lf->mtime_ms;
    if (w.kind) {
      rc = LAGO_ERR(err, LAGO_CONFLICT,
                    "%s: concurrent modification: this %s (read version %lld) conflicts with %s committed as "
                    "version %lld: %s (%sException)",
                    x->t->root, x->operation, (long long)x->read_version, w.operation ? w.operation : "a commit",
                    (long long)w.version, w.detail, w.kind);
    }
  }
  arena_free(war);
  if (rc == LAGO_OK) *latest = expect - 1;
  return rc;
}
