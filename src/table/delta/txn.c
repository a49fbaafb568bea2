/*
** table/delta/txn.c: transactions and the commit protocol (PROTOCOL.md
** "Creation of New Log Entries", "Transaction Identifiers", "Commit
** Provenance Information", "In-Commit Timestamps"; DELTA-CHECKLIST.md §14).
**
** A transaction reads snapshot N, collects actions (adds of data files it
** already wrote, removes, DV updates, metadata/protocol changes, txn ids)
** and commits them as _delta_log/<N+1>.json, created with put-if-absent:
**
**   {"commitInfo":{"timestamp":..,["inCommitTimestamp":..,]"operation":"WRITE",
**     "operationParameters":{..},"readVersion":N,"isolationLevel":"WriteSerializable",
**     "isBlindAppend":true,"operationMetrics":{"numFiles":"2",..},
**     "engineInfo":"lago/0.1.0","txnId":"<uuid>"}}
**   {"protocol":{..}}          only when it changes
**   {"metaData":{..}}          only when it changes
**   {"txn":{"appId":..,"version":..,"lastUpdated":..}}
**   {"add":{..}} / {"remove":{..}} / {"cdc":{..}} ...
**
** When the file already exists another writer won the race for N+1. The
** winners N+1..latest are checked with Delta's conflict rules
** (conflict.c); if none applies the same actions are retried as latest+1
** ("rebase"), else LAGO_CONFLICT names both operations. The commit file is
** written through a temp file and made visible atomically, so readers never
** see a partial commit; if the final rename succeeds but syncing the
** directory fails, the commit is read back and recognised by its txnId.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "table/delta/dv.h"
#include "table/delta/txn_int.h"
#include "util/alloc.h"
#include "vec/type_json.h"

/* ---- building --------------------------------------------------------------- */

static int push_action(delta_txn *x, const delta_action *a, lago_err *err) {
  if (x->n_acts == x->cap_acts) {
    size_t nc = x->cap_acts ? x->cap_acts * 2 : 32;
    delta_action *na = mem_realloc(x->acts, nc * sizeof *na);
    if (!na) return LAGO_NOMEM_ERR(err);
    x->acts = na;
    x->cap_acts = nc;
  }
  x->acts[x->n_acts++] = *a;
  return LAGO_OK;
}

int delta_txn_begin(delta_table *t, delta_snapshot *s, const delta_txn_opts *opts, delta_txn **out, lago_err *err) {
  *out = NULL;
  arena *ar = arena_new("query", 16384);
  if (!ar) return LAGO_NOMEM_ERR(err);
  delta_txn *x = arena_zalloc(ar, sizeof *x);
  if (!x) {
    arena_free(ar);
    return LAGO_NOMEM_ERR(err);
  }
  x->ar = ar;
  x->t = t;
  delta_table_ref(t);
  x->read_version = -1;
  keyset_init(&x->read_paths, ar);
  keyset_init(&x->removed_keys, ar);
  delta_txn_opts o;
  memset(&o, 0, sizeof o);
  if (opts) o = *opts;
  x->operation = arena_strdup(ar, o.operation ? o.operation : "WRITE");
  x->op_params = o.operation_params ? arena_strdup(ar, o.operation_params) : NULL;
  x->engine_info = arena_strdup(ar, o.engine_info ? o.engine_info : "lago/" LAGO_VERSION);
  x->iso = o.isolation;
  x->max_retries = o.max_retries > 0 ? o.max_retries : 100;
  x->no_auto_cp = o.no_auto_checkpoint;
  int rc = LAGO_OK;
  if (!x->operation || !x->engine_info || (o.operation_params && !x->op_params)) rc = LAGO_NOMEM_ERR(err);
  if (rc == LAGO_OK) rc = tbl_uuid4(t->h, x->txn_id, NULL, err);
  if (rc == LAGO_OK && s) {
    x->snap = delta_snapshot_ref(s);
    x->read_version = s->version;
    x->schema = s->schema;
    x->md = s->metadata;
    x->proto = s->protocol;
    x->cm_mode = s->cm_mode;
    rc = delta_protocol_check_write(&s->protocol, err);
    if (rc) lago_err_prefix(err, "%s", t->root);
  } else {
    x->cm_mode = "none";
  }
  if (rc) {
    delta_txn_abort(x);
    return rc;
  }
  *out = x;
  return LAGO_OK;
}

void delta_txn_abort(delta_txn *x) {
  if (!x) return;
  delta_txn_abort_writers(x);
  mem_free(x->acts);
  delta_snapshot_unref(x->snap);
  delta_table_free(x->t);
  arena_free(x->ar);
}

lago_type delta_txn_schema(const delta_txn *x) { return x->schema; }

int64_t delta_txn_read_version(const delta_txn *x) { return x->read_version; }

const char *delta_txn_root(const delta_txn *x) { return delta_table_root(x->t); }

int64_t delta_txn_app_version(const delta_txn *x, const char *app_id) {
  return x->snap ? delta_snapshot_app_version(x->snap, app_id) : -1;
}

/* Recomputes the protocol for the current schema + configuration. */
static int refresh_protocol(delta_txn *x, lago_err *err) {
  delta_protocol p;
  TRY(delta_protocol_for_ex(x->ar, x->snap || x->proto_changed ? &x->proto : NULL, x->schema, &x->md.configuration,
                            x->domain_feature ? "domainMetadata" : NULL, &p, err));
  bool same = p.min_reader == x->proto.min_reader && p.min_writer == x->proto.min_writer &&
              p.n_reader_features == x->proto.n_reader_features && p.n_writer_features == x->proto.n_writer_features;
  if (!same || !x->snap) {
    x->proto = p;
    x->proto_changed = true;
  }
  return LAGO_OK;
}

static int schema_string(delta_txn *x, lago_type schema, const char **out, lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = type_to_delta_json(schema, &b, err);
  if (rc == LAGO_OK && !(*out = arena_strndup(x->ar, buf_cstr(&b), b.len))) rc = LAGO_NOMEM_ERR(err);
  buf_deinit(&b);
  return rc;
}

static int config_set(arena *ar, delta_map *m, const char *key, const char *value) {
  for (uint32_t i = 0; i < m->n; i++)
    if (!strcmp(m->kv[i].key, key)) {
      if (value) {
        if (!(m->kv[i].value = arena_strdup(ar, value))) return LAGO_NOMEM;
      } else {
        m->kv[i] = m->kv[--m->n];
      }
      return LAGO_OK;
    }
  if (!value) return LAGO_OK;
  delta_kv *kv = arena_alloc(ar, (m->n + 1) * sizeof *kv);
  if (!kv) return LAGO_NOMEM;
  if (m->n) memcpy(kv, m->kv, m->n * sizeof *kv);
  kv[m->n].key = arena_strdup(ar, key);
  kv[m->n].value = arena_strdup(ar, value);
  if (!kv[m->n].key || !kv[m->n].value) return LAGO_NOMEM;
  m->kv = kv;
  m->n++;
  return LAGO_OK;
}

/* Applies column mapping to the (new) schema when the mode asks for it. */
static int apply_column_mapping(delta_txn *x, lago_err *err) {
  const char *mode = delta_map_get(&x->md.configuration, "delta.columnMapping.mode", NULL);
  if (!mode || !strcasecmp(mode, "none")) {
    x->cm_mode = "none";
    return LAGO_OK;
  }
  if (strcasecmp(mode, "name") && strcasecmp(mode, "id"))
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "delta.columnMapping.mode \"%s\": use none, name or id", mode);
  x->cm_mode = !strcasecmp(mode, "name") ? "name" : "id";
  int64_t mx = delta_config_i64(&x->md.configuration, "delta.columnMapping.maxColumnId", 0);
  int64_t have = delta_schema_max_column_id(x->schema);
  if (have > mx) mx = have;
  TRY(delta_schema_assign_ids(x->ar, x->t->h, x->schema, &mx, &x->schema, err));
  char buf_[32];
  snprintf(buf_, sizeof buf_, "%lld", (long long)mx);
  if (config_set(x->ar, &x->md.configuration, "delta.columnMapping.maxColumnId", buf_)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

static int metadata_changed(delta_txn *x, lago_err *err) {
  TRY(apply_column_mapping(x, err));
  TRY(schema_string(x, x->schema, &x->md.schema_string, err));
  x->md_changed = true;
  return refresh_protocol(x, err);
}

static bool name_ok(const char *n) { return n && *n && !strchr(n, '\n'); }

int delta_txn_set_metadata(delta_txn *x, lago_type schema, uint32_t n_part, const char *const *part_cols,
                           const delta_map *config, lago_err *err) {
  if (schema.id != LT_STRUCT || !type_n_fields(schema))
    return LAGO_ERR(err, LAGO_MISUSE, "a Delta table schema must be a STRUCT with at least one column");
  /* names unique case-insensitively (PROTOCOL.md "Schema Serialization Format") */
  for (uint32_t i = 0; i < type_n_fields(schema); i++) {
    const char *a = type_field_at(schema, i)->name;
    if (!name_ok(a)) return LAGO_ERR(err, LAGO_BIND, "column name \"%s\" is not allowed", a ? a : "");
    for (uint32_t k = 0; k < i; k++)
      if (!strcasecmp(a, type_field_at(schema, k)->name))
        return LAGO_ERR(err, LAGO_BIND, "duplicate column name \"%s\"", a);
  }
  const char **pc = n_part ? arena_alloc(x->ar, n_part * sizeof *pc) : NULL;
  if (n_part && !pc) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n_part; i++) {
    int k = type_field_index(schema, part_cols[i]);
    if (k < 0) return LAGO_ERR(err, LAGO_BIND, "partition column \"%s\" is not in the schema", part_cols[i]);
    lago_type ft = type_field_at(schema, (uint32_t)k)->type;
    if (type_is_nested(ft) || ft.id == LT_NULL)
      return LAGO_ERR(err, LAGO_BIND, "partition column \"%s\" has type %s, which cannot be partitioned on",
                      part_cols[i], type_id_name((lago_type_id)ft.id));
    if (!(pc[i] = arena_strdup(x->ar, type_field_at(schema, (uint32_t)k)->name))) return LAGO_NOMEM_ERR(err);
  }
  if (n_part >= type_n_fields(schema))
    return LAGO_ERR(err, LAGO_BIND, "a table needs at least one column that is not a partition column");
  if (type_copy(x->ar, schema, &x->schema)) return LAGO_NOMEM_ERR(err);
  if (!x->snap) {
    char id[37];
    TRY(tbl_uuid4(x->t->h, id, NULL, err));
    memset(&x->md, 0, sizeof x->md);
    if (!(x->md.id = arena_strdup(x->ar, id))) return LAGO_NOMEM_ERR(err);
    x->md.format_provider = "parquet";
    x->md.created_time = tbl_now_ms(x->t->h);
  }
  x->md.n_partition_columns = n_part;
  x->md.partition_columns = pc;
  delta_map cfg = {0, NULL};
  if (config && delta_map_copy(x->ar, config, &cfg)) return LAGO_NOMEM_ERR(err);
  x->md.configuration = cfg;
  if (delta_config_bool(&cfg, "delta.enableInCommitTimestamps", false) && x->snap &&
      !delta_map_get(&cfg, "delta.inCommitTimestampEnablementVersion", NULL))
    x->enabling_ict = true;
  return metadata_changed(x, err);
}

int delta_txn_set_property(delta_txn *x, const char *key, const char *value, lago_err *err) {
  if (!x->snap && !x->md_changed) return LAGO_ERR(err, LAGO_MISUSE, "set the metadata of a new table first");
  if (!strcmp(key, "delta.columnMapping.mode") && value && strcmp(x->cm_mode, "none") && strcasecmp(value, x->cm_mode))
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "changing delta.columnMapping.mode from %s is not supported", x->cm_mode);
  if (!strncmp(key, "delta.constraints.", 18))
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "CHECK constraints (%s) are not supported by lago", key);
  delta_map cfg;
  if (delta_map_copy(x->ar, &x->md.configuration, &cfg)) return LAGO_NOMEM_ERR(err);
  if (config_set(x->ar, &cfg, key, value)) return LAGO_NOMEM_ERR(err);
  x->md.configuration = cfg;
  if (!strcmp(key, "delta.enableInCommitTimestamps") && value && !strcasecmp(value, "true") && x->snap &&
      !delta_map_get(&cfg, "delta.inCommitTimestampEnablementVersion", NULL))
    x->enabling_ict = true;
  return metadata_changed(x, err);
}

int delta_txn_evolve_schema(delta_txn *x, lago_type more, lago_err *err) {
  bool changed = false;
  bool widen = delta_config_bool(&x->md.configuration, "delta.enableTypeWidening", false);
  lago_type merged;
  TRY(delta_schema_merge(x->ar, x->schema, more, widen, &merged, &changed, err));
  if (!changed) return LAGO_OK;
  x->schema = merged;
  return metadata_changed(x, err);
}

/* ---- reads -------------------------------------------------------------------------- */

int delta_txn_read_file(delta_txn *x, const delta_file *f, lago_err *err) {
  x->read_any = true;
  if (keyset_add(&x->read_paths, f->path, false, NULL)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

void delta_txn_read_all(delta_txn *x) {
  x->read_any = true;
  x->read_all = true;
}

int delta_txn_read_preds(delta_txn *x, const delta_pred *preds, uint32_t n, lago_err *err) {
  x->read_any = true;
  if (!n) {
    x->read_all = true;
    return LAGO_OK;
  }
  delta_pred *np = arena_alloc(x->ar, (x->n_read_preds + n) * sizeof *np);
  if (!np) return LAGO_NOMEM_ERR(err);
  if (x->n_read_preds) memcpy(np, x->read_preds, x->n_read_preds * sizeof *np);
  for (uint32_t i = 0; i < n; i++) {
    np[x->n_read_preds + i] = preds[i];
    if (!(np[x->n_read_preds + i].column = arena_strdup(x->ar, preds[i].column))) return LAGO_NOMEM_ERR(err);
  }
  /* values vectors are borrowed: the caller keeps them alive until commit (documented in txn_int.h) */
  x->read_preds = np;
  x->n_read_preds += n;
  return LAGO_OK;
}

/* ---- file actions ----------------------------------------------------------------- */

int delta_txn_add_file(delta_txn *x, const delta_file *add, lago_err *err) {
  if (!x->snap && !x->md_changed) return LAGO_ERR(err, LAGO_MISUSE, "set the metadata of a new table first");
  if (add->path[0] != '/') TRY(delta_path_check_relative(add->path, "add.path", err));
  for (uint32_t i = 0; i < x->md.n_partition_columns; i++) {
    int k = type_field_index(x->schema, x->md.partition_columns[i]);
    const char *phys = delta_field_physical_name(x->ar, type_field_at(x->schema, (uint32_t)k), x->cm_mode);
    bool found;
    delta_map_get(&add->partition_values, phys, &found);
    if (!found)
      return LAGO_ERR(err, LAGO_MISUSE, "add %s: no value for partition column \"%s\"", add->path,
                      x->md.partition_columns[i]);
  }
  delta_action a;
  memset(&a, 0, sizeof a);
  a.kind = DA_ADD;
  if (delta_file_copy(x->ar, add, &a.u.file)) return LAGO_NOMEM_ERR(err);
  return push_action(x, &a, err);
}

static int remove_action(delta_txn *x, const delta_file *f, bool data_change, delta_action *a, lago_err *err) {
  memset(a, 0, sizeof *a);
  a->kind = DA_REMOVE;
  if (delta_file_copy(x->ar, f, &a->u.file)) return LAGO_NOMEM_ERR(err);
  delta_file *r = &a->u.file;
  r->deletion_timestamp = tbl_now_ms(x->t->h);
  r->data_change = data_change;
  r->extended_file_metadata = true;
  r->has_partition_values = true;
  r->modification_time = 0;
  return LAGO_OK;
}

int delta_txn_remove_file(delta_txn *x, const delta_file *f, bool data_change, lago_err *err) {
  if (!x->snap) return LAGO_ERR(err, LAGO_MISUSE, "nothing to remove in a new table");
  const char *key = delta_file_key(x->ar, f);
  bool added;
  if (!key || keyset_add(&x->removed_keys, key, true, &added)) return LAGO_NOMEM_ERR(err);
  if (!added) return LAGO_OK; /* removed twice in this transaction */
  delta_action a;
  TRY(remove_action(x, f, data_change, &a, err));
  x->read_any = true; /* removing a file means having read it */
  if (keyset_add(&x->read_paths, f->path, false, NULL)) return LAGO_NOMEM_ERR(err);
  return push_action(x, &a, err);
}

int delta_txn_remove_all(delta_txn *x, lago_err *err) {
  if (!x->snap) return LAGO_OK;
  const delta_file *files;
  size_t n;
  TRY(delta_snapshot_files(x->snap, &files, &n, err));
  delta_txn_read_all(x);
  for (size_t i = 0; i < n; i++) TRY(delta_txn_remove_file(x, &files[i], true, err));
  return LAGO_OK;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

int delta_txn_delete_rows(delta_txn *x, const delta_file *f, const uint64_t *rows, size_t n, lago_err *err) {
  if (!x->snap) return LAGO_ERR(err, LAGO_MISUSE, "nothing to delete in a new table");
  if (!delta_config_bool(&x->md.configuration, "delta.enableDeletionVectors", false) ||
      !delta_protocol_has(&x->proto, "deletionVectors"))
    return LAGO_ERR(err, LAGO_UNSUPPORTED,
                    "%s: deletion vectors are not enabled (delta.enableDeletionVectors); rewrite the file instead",
                    x->t->root);
  if (!n) return LAGO_OK;
  arena *scratch = arena_new("query", 4096);
  if (!scratch) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  int64_t nrec = delta_stats_num_records(f->stats ? f->stats : f->stats_parsed_json, scratch);
  dv_rows old, add, all;
  uint64_t *sorted = mem_alloc(n * sizeof *sorted);
  if (!sorted) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  memcpy(sorted, rows, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_u64);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (!k || sorted[i] != sorted[k - 1]) sorted[k++] = sorted[i];
  if (nrec < 0) {
    rc = LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: file has no numRecords statistic; a deletion vector needs it", f->path);
    goto done;
  }
  if (sorted[k - 1] >= (uint64_t)nrec) {
    rc = LAGO_ERR(err, LAGO_MISUSE, "%s: row %llu is past the file's %lld rows", f->path,
                  (unsigned long long)sorted[k - 1], (long long)nrec);
    goto done;
  }
  if ((rc = dv_load(x->t->h->fs, x->t->root, &f->dv, scratch, &old, err))) goto done;
  add.rows = sorted;
  add.n = k;
  if (dv_rows_union(scratch, &old, &add, &all)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  if (all.n == old.n) goto done; /* nothing new */
  delta_action rm;
  if ((rc = remove_action(x, f, true, &rm, err))) goto done;
  const char *key = delta_file_key(x->ar, f);
  bool first;
  if (!key || keyset_add(&x->removed_keys, key, true, &first)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  if (keyset_add(&x->read_paths, f->path, false, NULL)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  x->read_any = true;
  if (!first) {
    rc = LAGO_ERR(err, LAGO_MISUSE, "%s: rows of this file were already changed in this transaction", f->path);
    goto done;
  }
  if ((rc = push_action(x, &rm, err))) goto done;
  if (all.n == (uint64_t)nrec) goto done; /* every row deleted: the remove is enough */
  delta_action ad;
  memset(&ad, 0, sizeof ad);
  ad.kind = DA_ADD;
  if (delta_file_copy(x->ar, f, &ad.u.file)) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  if ((rc = dv_write_file(x->t->h, x->t->root, all.rows, all.n, x->ar, &ad.u.file.dv, err))) goto done;
  ad.u.file.data_change = true;
  ad.u.file.deletion_timestamp = -1;
  if (!ad.u.file.stats && ad.u.file.stats_parsed_json) ad.u.file.stats = ad.u.file.stats_parsed_json;
  rc = push_action(x, &ad, err);
  x->n_dv_rows += (int64_t)(all.n - old.n);
done:
  mem_free(sorted);
  arena_free(scratch);
  return rc;
}

int delta_txn_set_app_version(delta_txn *x, const char *app_id, int64_t version, lago_err *err) {
  for (size_t i = 0; i < x->n_acts; i++)
    if (x->acts[i].kind == DA_TXN && !strcmp(x->acts[i].u.txn.app_id, app_id))
      return LAGO_ERR(err, LAGO_MISUSE, "txn for appId \"%s\" set twice", app_id);
  delta_action a;
  memset(&a, 0, sizeof a);
  a.kind = DA_TXN;
  a.u.txn.app_id = arena_strdup(x->ar, app_id);
  a.u.txn.version = version;
  a.u.txn.last_updated = tbl_now_ms(x->t->h);
  if (!a.u.txn.app_id) return LAGO_NOMEM_ERR(err);
  return push_action(x, &a, err);
}

int delta_txn_set_domain(delta_txn *x, const char *domain, const char *configuration, bool removed, lago_err *err) {
  if (!domain || !*domain) return LAGO_ERR(err, LAGO_MISUSE, "domainMetadata needs a domain name");
  if (!strncmp(domain, "delta.", 6))
    return LAGO_ERR(err, LAGO_MISUSE, "domain \"%s\": names starting with \"delta.\" are reserved for Delta itself", domain);
  for (size_t i = 0; i < x->n_acts; i++)
    if (x->acts[i].kind == DA_DOMAIN && !strcmp(x->acts[i].u.domain.domain, domain))
      return LAGO_ERR(err, LAGO_MISUSE, "domainMetadata for \"%s\" set twice", domain);
  delta_action a;
  memset(&a, 0, sizeof a);
  a.kind = DA_DOMAIN;
  a.u.domain.domain = arena_strdup(x->ar, domain);
  a.u.domain.configuration = arena_strdup(x->ar, configuration ? configuration : "");
  a.u.domain.removed = removed;
  if (!a.u.domain.domain || !a.u.domain.configuration) return LAGO_NOMEM_ERR(err);
  if (!delta_protocol_has(&x->proto, "domainMetadata")) {
    x->domain_feature = true;
    TRY(refresh_protocol(x, err));
  }
  return push_action(x, &a, err);
}

int delta_txn_add_params(delta_txn *x, const char *json_object, lago_err *err) {
  size_t n = json_object ? strlen(json_object) : 0;
  while (n && (json_object[n - 1] == ' ' || json_object[n - 1] == '\n')) n--;
  if (n < 2 || json_object[0] != '{' || json_object[n - 1] != '}')
    return LAGO_ERR(err, LAGO_MISUSE, "delta_txn_add_params: not a JSON object");
  const char *in = json_object + 1; /* members, without the braces */
  size_t in_len = n - 2;
  bool in_empty = true;
  for (size_t i = 0; i < in_len; i++)
    if (in[i] != ' ' && in[i] != '\n') in_empty = false;
  if (in_empty) return LAGO_OK;
  const char *old = x->op_params ? x->op_params : "{}";
  size_t m = strlen(old);
  while (m && old[m - 1] != '}') m--;
  if (!m || old[0] != '{') return LAGO_ERR(err, LAGO_MISUSE, "operationParameters is not a JSON object");
  bool old_empty = true;
  for (size_t i = 1; i + 1 < m; i++)
    if (old[i] != ' ' && old[i] != '\n') old_empty = false;
  char *neu = arena_alloc(x->ar, m + in_len + 3);
  if (!neu) return LAGO_NOMEM_ERR(err);
  memcpy(neu, old, m - 1);
  size_t k = m - 1;
  if (!old_empty) neu[k++] = ',';
  memcpy(neu + k, in, in_len);
  k += in_len;
  neu[k++] = '}';
  neu[k] = 0;
  x->op_params = neu;
  return LAGO_OK;
}

int delta_txn_set_metric(delta_txn *x, const char *key, int64_t value, lago_err *err) {
  for (uint32_t i = 0; i < x->n_metrics; i++)
    if (!strcmp(x->metrics[i].key, key)) {
      x->metric_vals[i] = value;
      return LAGO_OK;
    }
  delta_kv *m = arena_alloc(x->ar, (x->n_metrics + 1) * sizeof *m);
  int64_t *v = arena_alloc(x->ar, (x->n_metrics + 1) * sizeof *v);
  if (!m || !v) return LAGO_NOMEM_ERR(err);
  if (x->n_metrics) {
    memcpy(m, x->metrics, x->n_metrics * sizeof *m);
    memcpy(v, x->metric_vals, x->n_metrics * sizeof *v);
  }
  m[x->n_metrics].key = arena_strdup(x->ar, key);
  m[x->n_metrics].value = NULL;
  v[x->n_metrics] = value;
  if (!m[x->n_metrics].key) return LAGO_NOMEM_ERR(err);
  x->metrics = m;
  x->metric_vals = v;
  x->n_metrics++;
  return LAGO_OK;
}

/* ---- committing ----------------------------------------------------------------------- */

static bool is_blind_append(const delta_txn *x) {
  if (x->read_any || x->md_changed) return false;
  for (size_t i = 0; i < x->n_acts; i++)
    if (x->acts[i].kind == DA_REMOVE || (x->acts[i].kind == DA_ADD && !x->acts[i].u.file.data_change)) return false;
  return true;
}

/* Checks the transaction's own actions before writing them (DELTA-CHECKLIST.md §2, §14). */
static int validate(delta_txn *x, lago_err *err) {
  if (!x->snap && !x->md_changed) return LAGO_ERR(err, LAGO_MISUSE, "a new table needs metadata");
  TRY(delta_protocol_check_write(&x->proto, err));
  /* known features lago does not implement must not be active */
  static const char *const refuse_listed[] = {"rowTracking", "clustering", "variantType", "variantType-preview",
                                              "variantShredding", "variantShredding-preview", "catalogManaged",
                                              "catalogOwned-preview", NULL};
  for (int i = 0; refuse_listed[i]; i++)
    if (x->proto.min_writer >= 7 && delta_protocol_has(&x->proto, refuse_listed[i]))
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: writing tables with writer feature \"%s\" is not supported",
                      x->t->root, refuse_listed[i]);
  for (uint32_t i = 0; i < x->md.configuration.n; i++) {
    const char *k = x->md.configuration.kv[i].key;
    if (!strncmp(k, "delta.constraints.", 18))
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: table has CHECK constraint %s, which lago cannot enforce",
                      x->t->root, k + 18);
    if ((!strcmp(k, "delta.enableIcebergCompatV1") || !strcmp(k, "delta.enableIcebergCompatV2")) &&
        delta_config_bool(&x->md.configuration, k, false))
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: %s is set; lago cannot keep Iceberg compatibility", x->t->root, k);
  }
  for (uint32_t i = 0; i < type_n_fields(x->schema); i++) {
    const char *m = type_field_at(x->schema, i)->metadata;
    if (!m) continue;
    if (strstr(m, "delta.invariants") || strstr(m, "delta.generationExpression") || strstr(m, "delta.identity."))
      return LAGO_ERR(err, LAGO_UNSUPPORTED,
                      "%s: column \"%s\" has an invariant, generation expression or identity, which lago cannot "
                      "maintain",
                      x->t->root, type_field_at(x->schema, i)->name);
  }
  bool append_only = delta_config_bool(&x->md.configuration, "delta.appendOnly", false);
  keyset adds, removes;
  keyset_init(&adds, x->ar);
  keyset_init(&removes, x->ar);
  for (size_t i = 0; i < x->n_acts; i++) {
    const delta_action *a = &x->acts[i];
    if (a->kind != DA_ADD && a->kind != DA_REMOVE) continue;
    if (a->kind == DA_REMOVE && a->u.file.data_change && append_only)
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: table is append-only (delta.appendOnly=true): cannot remove %s",
                      x->t->root, a->u.file.path);
    const char *key = delta_file_key(x->ar, &a->u.file);
    bool added;
    if (!key || keyset_add(a->kind == DA_ADD ? &adds : &removes, key, true, &added)) return LAGO_NOMEM_ERR(err);
    if (!added)
      return LAGO_ERR(err, LAGO_MISUSE, "%s: file %s is %s twice in one commit", x->t->root, a->u.file.path,
                      a->kind == DA_ADD ? "added" : "removed");
  }
  for (size_t i = 0; i < x->n_acts; i++) {
    const delta_action *a = &x->acts[i];
    if (a->kind == DA_ADD && a->u.file.dv.storage_type &&
        (!delta_protocol_has(&x->proto, "deletionVectors")))
      return LAGO_ERR(err, LAGO_MISUSE, "%s: a deletion vector needs the deletionVectors feature", x->t->root);
  }
  return LAGO_OK;
}

static int build_commit_info(delta_txn *x, int64_t version, int64_t now, int64_t ict, buf *out, lago_err *err) {
  (void)version;
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  if (ict >= 0) {
    json_w_key(&w, "inCommitTimestamp");
    json_w_i64(&w, ict);
  }
  json_w_key(&w, "timestamp");
  json_w_i64(&w, now);
  json_w_key(&w, "operation");
  json_w_str(&w, x->operation);
  json_w_key(&w, "operationParameters");
  if (x->op_params) json_w_raw(&w, x->op_params, strlen(x->op_params));
  else {
    json_w_begin_obj(&w);
    json_w_end_obj(&w);
  }
  if (x->read_version >= 0) {
    json_w_key(&w, "readVersion");
    json_w_i64(&w, x->read_version);
  }
  json_w_key(&w, "isolationLevel");
  json_w_str(&w, x->iso == DELTA_SERIALIZABLE ? "Serializable" : "WriteSerializable");
  json_w_key(&w, "isBlindAppend");
  json_w_bool(&w, is_blind_append(x));
  json_w_key(&w, "operationMetrics");
  json_w_begin_obj(&w);
  for (uint32_t i = 0; i < x->n_metrics; i++) {
    char v[32];
    snprintf(v, sizeof v, "%lld", (long long)x->metric_vals[i]);
    json_w_key(&w, x->metrics[i].key);
    json_w_str(&w, v);
  }
  json_w_end_obj(&w);
  json_w_key(&w, "engineInfo");
  json_w_str(&w, x->engine_info);
  json_w_key(&w, "txnId");
  json_w_str(&w, x->txn_id);
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
  if (rc) return LAGO_ERR(err, LAGO_MISUSE, "operation parameters are not a JSON object");
  return LAGO_OK;
}

/* The whole commit text for `version`. */
static int build_commit(delta_txn *x, int64_t version, int64_t ict, buf *out, lago_err *err) {
  buf_clear(out);
  int64_t now = tbl_now_ms(x->t->h);
  buf ci;
  buf_init(&ci);
  int rc = build_commit_info(x, version, now, ict, &ci, err);
  delta_action a;
  memset(&a, 0, sizeof a);
  if (rc == LAGO_OK) {
    a.kind = DA_COMMIT_INFO;
    a.u.commit_info.json = buf_cstr(&ci);
    rc = delta_action_to_json(&a, out, err);
  }
  buf_deinit(&ci);
  if (rc) return rc;
  if (x->proto_changed) {
    a.kind = DA_PROTOCOL;
    a.u.protocol = x->proto;
    TRY(delta_action_to_json(&a, out, err));
  }
  if (x->md_changed || x->enabling_ict) {
    delta_metadata md = x->md;
    if (x->enabling_ict) {
      /* record when in-commit timestamps start (PROTOCOL.md "In-Commit Timestamps") */
      char v[32], t[32];
      snprintf(v, sizeof v, "%lld", (long long)version);
      snprintf(t, sizeof t, "%lld", (long long)ict);
      if (delta_map_copy(x->ar, &x->md.configuration, &md.configuration) ||
          config_set(x->ar, &md.configuration, "delta.inCommitTimestampEnablementVersion", v) ||
          config_set(x->ar, &md.configuration, "delta.inCommitTimestampEnablementTimestamp", t))
        return LAGO_NOMEM_ERR(err);
    }
    a.kind = DA_METADATA;
    a.u.metadata = md;
    TRY(delta_action_to_json(&a, out, err));
  }
  for (size_t i = 0; i < x->n_acts; i++) TRY(delta_action_to_json(&x->acts[i], out, err));
  return LAGO_OK;
}

/* Is the commit at path ours (same txnId)? Used after an ambiguous write failure. */
static bool commit_is_ours(delta_txn *x, const char *path) {
  buf b;
  buf_init(&b);
  lago_err e;
  lago_err_clear(&e);
  bool ours = false;
  if (fs_read_all(x->t->h->fs, path, &b, &e) == LAGO_OK) {
    char needle[64];
    snprintf(needle, sizeof needle, "\"txnId\":\"%s\"", x->txn_id);
    const char *nl = memchr(b.data, '\n', b.len);
    size_t first = nl ? (size_t)(nl - b.data) : b.len;
    ours = memmem(b.data, first, needle, strlen(needle)) != NULL;
  }
  buf_deinit(&b);
  return ours;
}

static bool ict_on(const delta_txn *x) {
  return delta_config_bool(&x->md.configuration, "delta.enableInCommitTimestamps", false);
}

int delta_txn_commit(delta_txn *x, int64_t *version_out, lago_err *err) {
  int rc = delta_txn_close_writers(x, err);
  if (rc == LAGO_OK) rc = validate(x, err);
  buf text;
  buf_init(&text);
  arena *scratch = NULL;
  int64_t version = x->read_version + 1;
  int64_t prev_ict = x->snap ? x->snap->timestamp : -1;
  if (rc) goto done;
  if (!(scratch = arena_new("query", 16384))) {
    rc = LAGO_NOMEM_ERR(err);
    goto done;
  }
  for (int attempt = 0;; attempt++) {
    int64_t ict = -1;
    if (ict_on(x)) {
      int64_t now = tbl_now_ms(x->t->h);
      ict = now > prev_ict ? now : prev_ict + 1;
    }
    if ((rc = build_commit(x, version, ict, &text, err))) goto done;
    arena_reset(scratch);
    char *path = arena_printf(scratch, "%s/%020lld.json", x->t->log_dir, (long long)version);
    if (!path) {
      rc = LAGO_NOMEM_ERR(err);
      goto done;
    }
    lago_err we;
    lago_err_clear(&we);
    rc = fs_put_if_absent(x->t->h->fs, path, text.data, text.len, &we);
    if (rc == LAGO_OK) break;
    if (rc == LAGO_EXISTS) {
      if (commit_is_ours(x, path)) { /* a retried write that had landed */
        rc = LAGO_OK;
        break;
      }
      if (attempt >= x->max_retries) {
        rc = LAGO_ERR(err, LAGO_CONFLICT, "%s: gave up after %d attempts to commit %s (too many concurrent commits)",
                      x->t->root, attempt + 1, x->operation);
        goto done;
      }
      /* lost the race: check the winners from `version` on, then retry after them */
      int64_t latest;
      if ((rc = delta_conflict_check(x, version, scratch, &latest, &prev_ict, err))) goto done;
      version = latest + 1;
      continue;
    }
    if (rc != LAGO_NOMEM && commit_is_ours(x, path)) { /* e.g. the directory sync failed after the rename */
      rc = LAGO_OK;
      break;
    }
    lago_err_copy(err, &we);
    goto done;
  }
  x->committed_version = version;
  if (version_out) *version_out = version;
  /* periodic checkpoint; a failure here does not undo the commit */
  if (!x->no_auto_cp && x->t->h->pq) {
    int64_t interval = delta_config_i64(&x->md.configuration, "delta.checkpointInterval", 10);
    if (interval > 0 && version > 0 && version % interval == 0) {
      delta_snapshot *s;
      lago_err ce;
      lago_err_clear(&ce);
      if (delta_snapshot_load(x->t, version, &s, &ce) == LAGO_OK) {
        if (delta_checkpoint_write(s, &ce) == LAGO_OK) {
          size_t nd;
          delta_log_cleanup(s, &nd, &ce);
        }
        delta_snapshot_unref(s);
      }
    }
  }
done:
  buf_deinit(&text);
  arena_free(scratch);
  delta_txn_abort(x);
  return rc;
}
