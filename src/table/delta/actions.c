/*
** table/delta/actions.c: Delta actions <-> JSON lines (PROTOCOL.md
** "Actions"; DELTA-CHECKLIST.md §2).
**
** A commit file _delta_log/%020d.json holds one action per line, each an
** object with a single key naming the action:
**   {"commitInfo":{...free-form...}}
**   {"protocol":{"minReaderVersion":3,"minWriterVersion":7,"readerFeatures":[..],"writerFeatures":[..]}}
**   {"metaData":{"id":"<uuid>","format":{"provider":"parquet","options":{}},
**                "schemaString":"<StructType JSON>","partitionColumns":[..],
**                "configuration":{"k":"v"},"createdTime":<ms>}}
**   {"add":{"path":"<uri>","partitionValues":{"c":"v"|null},"size":N,
**           "modificationTime":<ms>,"dataChange":true,"stats":"<json>",
**           "tags":{..},"deletionVector":{..},"baseRowId":N,"defaultRowCommitVersion":N}}
**   {"remove":{"path":"<uri>","deletionTimestamp":<ms>,"dataChange":true,
**              "extendedFileMetadata":true,"partitionValues":{..},"size":N,..}}
**   {"cdc":{"path":"<uri>","partitionValues":{..},"size":N,"dataChange":false}}
**   {"txn":{"appId":"..","version":N,"lastUpdated":<ms>}}
**   {"domainMetadata":{"domain":"..","configuration":"..","removed":false}}
**   {"sidecar":{..}}  {"checkpointMetadata":{"version":N}}   (V2 checkpoints only)
** Readers ignore unknown actions and unknown fields. Logs are untrusted:
** a required field that is missing or of the wrong type is LAGO_CORRUPT
** with the file and line (`where`) and the field named. Where real writers
** are known to be loose (null for an absent optional field, a missing
** dataChange in very old logs), the reader accepts it.
*/
#include <string.h>

#include "table/delta/delta_int.h"
#include "util/numfmt.h"

const char *delta_map_get(const delta_map *m, const char *key, bool *found) {
  for (uint32_t i = m ? m->n : 0; i-- > 0;) { /* last wins, like JSON objects */
    if (!strcmp(m->kv[i].key, key)) {
      if (found) *found = true;
      return m->kv[i].value;
    }
  }
  if (found) *found = false;
  return NULL;
}

/* ---- reading ------------------------------------------------------------ */

typedef struct rctx {
  arena *ar;
  const char *where;
  const char *action;
  lago_err *err;
} rctx;

static int fail(rctx *c, const char *field, const char *what) {
  return LAGO_ERR(c->err, LAGO_CORRUPT, "%s: %s.%s: %s", c->where, c->action, field, what);
}

static int nomem(rctx *c) { return LAGO_NOMEM_ERR(c->err); }

static int dup_str(rctx *c, const json_value *v, const char *field, const char **out) {
  if (memchr(v->u.str, 0, v->len)) return fail(c, field, "string contains a NUL character");
  char *s = arena_strndup(c->ar, v->u.str, v->len);
  if (!s) return nomem(c);
  *out = s;
  return LAGO_OK;
}

static int req_str(rctx *c, const json_value *o, const char *field, const char **out) {
  const json_value *v = json_get(o, field);
  if (!v || v->type == JSON_NULL) return fail(c, field, "missing");
  if (v->type != JSON_STRING) return fail(c, field, "expected a string");
  return dup_str(c, v, field, out);
}

static int opt_str(rctx *c, const json_value *o, const char *field, const char **out) {
  *out = NULL;
  const json_value *v = json_get(o, field);
  if (!v || v->type == JSON_NULL) return LAGO_OK;
  if (v->type != JSON_STRING) return fail(c, field, "expected a string");
  return dup_str(c, v, field, out);
}

static int get_i64(rctx *c, const json_value *v, const char *field, int64_t *out) {
  if (v->type == JSON_NUMBER && v->is_int) {
    *out = v->x.num.i;
    return LAGO_OK;
  }
  /* Some writers quote longs ("version":"3"): accept a decimal integer string. */
  if (v->type == JSON_STRING && parse_i64(v->u.str, v->len, out) == LAGO_OK) return LAGO_OK;
  return fail(c, field, "expected an integer");
}

static int req_i64(rctx *c, const json_value *o, const char *field, int64_t *out) {
  const json_value *v = json_get(o, field);
  if (!v || v->type == JSON_NULL) return fail(c, field, "missing");
  return get_i64(c, v, field, out);
}

static int opt_i64(rctx *c, const json_value *o, const char *field, int64_t def, int64_t *out) {
  *out = def;
  const json_value *v = json_get(o, field);
  if (!v || v->type == JSON_NULL) return LAGO_OK;
  return get_i64(c, v, field, out);
}

static int opt_bool(rctx *c, const json_value *o, const char *field, bool def, bool *out) {
  *out = def;
  const json_value *v = json_get(o, field);
  if (!v || v->type == JSON_NULL) return LAGO_OK;
  if (v->type == JSON_BOOL) {
    *out = v->boolean;
    return LAGO_OK;
  }
  if (v->type == JSON_STRING && (!strcmp(v->u.str, "true") || !strcmp(v->u.str, "false"))) {
    *out = v->u.str[0] == 't';
    return LAGO_OK;
  }
  return fail(c, field, "expected a boolean");
}

/* A JSON object of string -> string|null (numbers and booleans by their text). */
static int get_map(rctx *c, const json_value *v, const char *field, delta_map *out) {
  out->n = 0;
  out->kv = NULL;
  if (!v || v->type == JSON_NULL) return LAGO_OK;
  if (v->type != JSON_OBJECT) return fail(c, field, "expected an object");
  if (!v->len) return LAGO_OK;
  out->kv = arena_alloc(c->ar, v->len * sizeof *out->kv);
  if (!out->kv) return nomem(c);
  for (uint32_t i = 0; i < v->len; i++) {
    const json_member *m = &v->u.members[i];
    delta_kv *kv = &out->kv[i];
    if (memchr(m->key, 0, m->key_len)) return fail(c, field, "key contains a NUL character");
    if (!(kv->key = arena_strndup(c->ar, m->key, m->key_len))) return nomem(c);
    const json_value *x = &m->value;
    switch (x->type) {
    case JSON_NULL: kv->value = NULL; break;
    case JSON_STRING: TRY(dup_str(c, x, field, &kv->value)); break;
    case JSON_NUMBER:
      if (!(kv->value = arena_strndup(c->ar, x->u.str, x->len))) return nomem(c);
      break;
    case JSON_BOOL: kv->value = x->boolean ? "true" : "false"; break;
    default: return fail(c, field, "map values must be strings");
    }
  }
  out->n = v->len;
  return LAGO_OK;
}

static int get_str_list(rctx *c, const json_value *v, const char *field, int32_t *n, const char ***out) {
  *n = -1;
  *out = NULL;
  if (!v || v->type == JSON_NULL) return LAGO_OK;
  if (v->type != JSON_ARRAY) return fail(c, field, "expected an array");
  const char **l = arena_alloc(c->ar, (v->len + 1) * sizeof *l);
  if (!l) return nomem(c);
  for (uint32_t i = 0; i < v->len; i++) {
    const json_value *x = &v->u.items[i];
    if (x->type != JSON_STRING) return fail(c, field, "expected an array of strings");
    TRY(dup_str(c, x, field, &l[i]));
  }
  l[v->len] = NULL;
  *n = (int32_t)v->len;
  *out = l;
  return LAGO_OK;
}

static int get_dv(rctx *c, const json_value *v, delta_dv *dv) {
  memset(dv, 0, sizeof *dv);
  dv->offset = -1;
  if (!v || v->type == JSON_NULL) return LAGO_OK;
  if (v->type != JSON_OBJECT) return fail(c, "deletionVector", "expected an object");
  const char *st;
  TRY(req_str(c, v, "storageType", &st));
  if (strlen(st) != 1 || !strchr("uip", st[0])) return fail(c, "deletionVector.storageType", "must be u, i or p");
  dv->storage_type = st[0];
  TRY(req_str(c, v, "pathOrInlineDv", &dv->path_or_inline));
  int64_t off, size, card;
  TRY(opt_i64(c, v, "offset", -1, &off));
  TRY(req_i64(c, v, "sizeInBytes", &size));
  TRY(req_i64(c, v, "cardinality", &card));
  if (off < -1 || off > INT32_MAX) return fail(c, "deletionVector.offset", "out of range");
  if (size < 0 || size > INT32_MAX) return fail(c, "deletionVector.sizeInBytes", "out of range");
  if (card < 0) return fail(c, "deletionVector.cardinality", "negative");
  dv->offset = (int32_t)off;
  dv->size_in_bytes = (int32_t)size;
  dv->cardinality = card;
  return LAGO_OK;
}

static int get_path(rctx *c, const json_value *o, const char **out) {
  const json_value *v = json_get(o, "path");
  if (!v || v->type != JSON_STRING) return fail(c, "path", v ? "expected a string" : "missing");
  if (!v->len) return fail(c, "path", "empty");
  int rc = delta_uri_decode(c->ar, v->u.str, v->len, out, c->err);
  if (rc) return lago_err_prefix(c->err, "%s: %s.path", c->where, c->action);
  return LAGO_OK;
}

static int read_file_action(rctx *c, const json_value *o, delta_action_kind kind, delta_file *f) {
  memset(f, 0, sizeof *f);
  f->size = -1;
  f->deletion_timestamp = -1;
  f->base_row_id = -1;
  f->default_row_commit_version = -1;
  f->dv.offset = -1;
  TRY(get_path(c, o, &f->path));
  const json_value *pv = json_get(o, "partitionValues");
  f->has_partition_values = pv && pv->type == JSON_OBJECT;
  TRY(get_map(c, pv, "partitionValues", &f->partition_values));
  TRY(get_map(c, json_get(o, "tags"), "tags", &f->tags));
  if (kind == DA_ADD) {
    TRY(req_i64(c, o, "size", &f->size));
    TRY(opt_i64(c, o, "modificationTime", 0, &f->modification_time));
    TRY(opt_bool(c, o, "dataChange", true, &f->data_change));
    if (f->size < 0) return fail(c, "size", "negative");
  } else if (kind == DA_REMOVE) {
    TRY(opt_i64(c, o, "size", -1, &f->size));
    TRY(opt_i64(c, o, "deletionTimestamp", -1, &f->deletion_timestamp));
    TRY(opt_bool(c, o, "dataChange", true, &f->data_change));
    TRY(opt_bool(c, o, "extendedFileMetadata", false, &f->extended_file_metadata));
  } else {
    TRY(opt_i64(c, o, "size", -1, &f->size));
    TRY(opt_bool(c, o, "dataChange", false, &f->data_change));
  }
  if (kind != DA_CDC) {
    TRY(opt_str(c, o, "stats", &f->stats));
    TRY(get_dv(c, json_get(o, "deletionVector"), &f->dv));
    TRY(opt_i64(c, o, "baseRowId", -1, &f->base_row_id));
    TRY(opt_i64(c, o, "defaultRowCommitVersion", -1, &f->default_row_commit_version));
    TRY(opt_str(c, o, "clusteringProvider", &f->clustering_provider));
  }
  return LAGO_OK;
}

static int read_metadata(rctx *c, const json_value *o, delta_metadata *m) {
  memset(m, 0, sizeof *m);
  TRY(req_str(c, o, "id", &m->id));
  TRY(opt_str(c, o, "name", &m->name));
  TRY(opt_str(c, o, "description", &m->description));
  const json_value *fmt = json_get(o, "format");
  m->format_provider = "parquet";
  if (fmt && fmt->type == JSON_OBJECT) {
    const char *prov;
    TRY(opt_str(c, fmt, "provider", &prov));
    if (prov) m->format_provider = prov;
    TRY(get_map(c, json_get(fmt, "options"), "format.options", &m->format_options));
  } else if (fmt && fmt->type != JSON_NULL) {
    return fail(c, "format", "expected an object");
  }
  TRY(req_str(c, o, "schemaString", &m->schema_string));
  int32_t n;
  TRY(get_str_list(c, json_get(o, "partitionColumns"), "partitionColumns", &n, &m->partition_columns));
  m->n_partition_columns = n < 0 ? 0 : (uint32_t)n;
  TRY(get_map(c, json_get(o, "configuration"), "configuration", &m->configuration));
  TRY(opt_i64(c, o, "createdTime", -1, &m->created_time));
  return LAGO_OK;
}

static int read_protocol(rctx *c, const json_value *o, delta_protocol *p) {
  memset(p, 0, sizeof *p);
  int64_t r, w;
  TRY(req_i64(c, o, "minReaderVersion", &r));
  TRY(req_i64(c, o, "minWriterVersion", &w));
  if (r < 0 || r > INT32_MAX) return fail(c, "minReaderVersion", "out of range");
  if (w < 0 || w > INT32_MAX) return fail(c, "minWriterVersion", "out of range");
  p->min_reader = (int32_t)r;
  p->min_writer = (int32_t)w;
  TRY(get_str_list(c, json_get(o, "readerFeatures"), "readerFeatures", &p->n_reader_features, &p->reader_features));
  TRY(get_str_list(c, json_get(o, "writerFeatures"), "writerFeatures", &p->n_writer_features, &p->writer_features));
  return LAGO_OK;
}

static int read_commit_info(rctx *c, const json_value *o, delta_commit_info *ci) {
  memset(ci, 0, sizeof *ci);
  ci->timestamp = -1;
  ci->in_commit_timestamp = -1;
  buf b;
  buf_init(&b);
  if (json_write(&b, o)) {
    buf_deinit(&b);
    return nomem(c);
  }
  ci->json = arena_strndup(c->ar, buf_cstr(&b), b.len);
  buf_deinit(&b);
  if (!ci->json) return nomem(c);
  const json_value *v;
  if ((v = json_get(o, "timestamp")) && v->type == JSON_NUMBER && v->is_int) ci->timestamp = v->x.num.i;
  if ((v = json_get(o, "inCommitTimestamp")) && v->type == JSON_NUMBER && v->is_int)
    ci->in_commit_timestamp = v->x.num.i;
  if ((v = json_get(o, "operation")) && v->type == JSON_STRING) TRY(dup_str(c, v, "operation", &ci->operation));
  return LAGO_OK;
}

int delta_action_from_json(arena *ar, const json_value *v, delta_action *out, const char *where, lago_err *err) {
  memset(out, 0, sizeof *out);
  if (!v || v->type != JSON_OBJECT) return LAGO_ERR(err, LAGO_CORRUPT, "%s: an action must be a JSON object", where);
  rctx c = {ar, where, "?", err};
  for (uint32_t i = 0; i < v->len; i++) {
    const json_member *m = &v->u.members[i];
    const json_value *o = &m->value;
    const char *k = m->key;
    delta_action_kind kind = DA_NONE;
    if (!strcmp(k, "add")) kind = DA_ADD;
    else if (!strcmp(k, "remove")) kind = DA_REMOVE;
    else if (!strcmp(k, "cdc")) kind = DA_CDC;
    else if (!strcmp(k, "metaData")) kind = DA_METADATA;
    else if (!strcmp(k, "protocol")) kind = DA_PROTOCOL;
    else if (!strcmp(k, "txn")) kind = DA_TXN;
    else if (!strcmp(k, "commitInfo")) kind = DA_COMMIT_INFO;
    else if (!strcmp(k, "domainMetadata")) kind = DA_DOMAIN;
    else if (!strcmp(k, "sidecar")) kind = DA_SIDECAR;
    else if (!strcmp(k, "checkpointMetadata")) kind = DA_CHECKPOINT_META;
    if (kind == DA_NONE) continue;  /* unknown action: ignored */
    if (o->type == JSON_NULL) continue; /* a null column of a checkpoint row rendered as JSON */
    c.action = k;
    if (o->type != JSON_OBJECT) return LAGO_ERR(err, LAGO_CORRUPT, "%s: action \"%s\" is not an object", where, k);
    out->kind = kind;
    switch (kind) {
    case DA_ADD:
    case DA_REMOVE:
    case DA_CDC: return read_file_action(&c, o, kind, &out->u.file);
    case DA_METADATA: return read_metadata(&c, o, &out->u.metadata);
    case DA_PROTOCOL: return read_protocol(&c, o, &out->u.protocol);
    case DA_TXN:
      TRY(req_str(&c, o, "appId", &out->u.txn.app_id));
      TRY(req_i64(&c, o, "version", &out->u.txn.version));
      return opt_i64(&c, o, "lastUpdated", -1, &out->u.txn.last_updated);
    case DA_COMMIT_INFO: return read_commit_info(&c, o, &out->u.commit_info);
    case DA_DOMAIN:
      TRY(req_str(&c, o, "domain", &out->u.domain.domain));
      TRY(opt_str(&c, o, "configuration", &out->u.domain.configuration));
      if (!out->u.domain.configuration) out->u.domain.configuration = "";
      return opt_bool(&c, o, "removed", false, &out->u.domain.removed);
    case DA_SIDECAR:
      TRY(req_str(&c, o, "path", &out->u.sidecar.path));
      TRY(opt_i64(&c, o, "sizeInBytes", -1, &out->u.sidecar.size_in_bytes));
      return opt_i64(&c, o, "modificationTime", -1, &out->u.sidecar.modification_time);
    case DA_CHECKPOINT_META: return req_i64(&c, o, "version", &out->u.checkpoint_version);
    default: break;
    }
  }
  return LAGO_OK;
}

/* ---- writing ------------------------------------------------------------ */

static void w_map(json_writer *w, const char *key, const delta_map *m) {
  json_w_key(w, key);
  json_w_begin_obj(w);
  for (uint32_t i = 0; i < m->n; i++) {
    json_w_key(w, m->kv[i].key);
    json_w_str(w, m->kv[i].value);
  }
  json_w_end_obj(w);
}

static void w_dv(json_writer *w, const delta_dv *dv) {
  json_w_key(w, "deletionVector");
  json_w_begin_obj(w);
  char st[2] = {dv->storage_type, 0};
  json_w_key(w, "storageType");
  json_w_str(w, st);
  json_w_key(w, "pathOrInlineDv");
  json_w_str(w, dv->path_or_inline);
  if (dv->offset >= 0) {
    json_w_key(w, "offset");
    json_w_i64(w, dv->offset);
  }
  json_w_key(w, "sizeInBytes");
  json_w_i64(w, dv->size_in_bytes);
  json_w_key(w, "cardinality");
  json_w_i64(w, dv->cardinality);
  json_w_end_obj(w);
}

static void w_str_list(json_writer *w, const char *key, int32_t n, const char **l) {
  json_w_key(w, key);
  json_w_begin_arr(w);
  for (int32_t i = 0; i < n; i++) json_w_str(w, l[i]);
  json_w_end_arr(w);
}

int delta_action_to_json(const delta_action *a, buf *out, lago_err *err) {
  json_writer w;
  json_w_init(&w, out);
  buf path;
  buf_init(&path);
  json_w_begin_obj(&w);
  switch (a->kind) {
  case DA_ADD:
  case DA_REMOVE:
  case DA_CDC: {
    const delta_file *f = &a->u.file;
    json_w_key(&w, a->kind == DA_ADD ? "add" : a->kind == DA_REMOVE ? "remove" : "cdc");
    json_w_begin_obj(&w);
    if (delta_uri_encode(&path, f->path)) goto nomem;
    json_w_key(&w, "path");
    json_w_strn(&w, path.data ? path.data : "", path.len);
    if (a->kind == DA_REMOVE) {
      json_w_key(&w, "deletionTimestamp");
      json_w_i64(&w, f->deletion_timestamp);
    }
    if (a->kind != DA_REMOVE || f->has_partition_values || f->partition_values.n)
      w_map(&w, "partitionValues", &f->partition_values);
    if (f->size >= 0) {
      json_w_key(&w, "size");
      json_w_i64(&w, f->size);
    }
    if (a->kind == DA_ADD) {
      json_w_key(&w, "modificationTime");
      json_w_i64(&w, f->modification_time);
    }
    json_w_key(&w, "dataChange");
    json_w_bool(&w, f->data_change);
    if (a->kind == DA_REMOVE) {
      json_w_key(&w, "extendedFileMetadata");
      json_w_bool(&w, f->extended_file_metadata);
    }
    if (f->stats && a->kind != DA_CDC) {
      json_w_key(&w, "stats");
      json_w_str(&w, f->stats);
    }
    if (f->tags.n) w_map(&w, "tags", &f->tags);
    if (f->dv.storage_type && a->kind != DA_CDC) w_dv(&w, &f->dv);
    if (f->base_row_id >= 0) {
      json_w_key(&w, "baseRowId");
      json_w_i64(&w, f->base_row_id);
    }
    if (f->default_row_commit_version >= 0) {
      json_w_key(&w, "defaultRowCommitVersion");
      json_w_i64(&w, f->default_row_commit_version);
    }
    if (f->clustering_provider) {
      json_w_key(&w, "clusteringProvider");
      json_w_str(&w, f->clustering_provider);
    }
    json_w_end_obj(&w);
    break;
  }
  case DA_METADATA: {
    const delta_metadata *m = &a->u.metadata;
    json_w_key(&w, "metaData");
    json_w_begin_obj(&w);
    json_w_key(&w, "id");
    json_w_str(&w, m->id);
    if (m->name) {
      json_w_key(&w, "name");
      json_w_str(&w, m->name);
    }
    if (m->description) {
      json_w_key(&w, "description");
      json_w_str(&w, m->description);
    }
    json_w_key(&w, "format");
    json_w_begin_obj(&w);
    json_w_key(&w, "provider");
    json_w_str(&w, m->format_provider ? m->format_provider : "parquet");
    w_map(&w, "options", &m->format_options);
    json_w_end_obj(&w);
    json_w_key(&w, "schemaString");
    json_w_str(&w, m->schema_string);
    w_str_list(&w, "partitionColumns", (int32_t)m->n_partition_columns, m->partition_columns);
    w_map(&w, "configuration", &m->configuration);
    if (m->created_time >= 0) {
      json_w_key(&w, "createdTime");
      json_w_i64(&w, m->created_time);
    }
    json_w_end_obj(&w);
    break;
  }
  case DA_PROTOCOL: {
    const delta_protocol *p = &a->u.protocol;
    json_w_key(&w, "protocol");
    json_w_begin_obj(&w);
    json_w_key(&w, "minReaderVersion");
    json_w_i64(&w, p->min_reader);
    json_w_key(&w, "minWriterVersion");
    json_w_i64(&w, p->min_writer);
    if (p->n_reader_features >= 0) w_str_list(&w, "readerFeatures", p->n_reader_features, p->reader_features);
    if (p->n_writer_features >= 0) w_str_list(&w, "writerFeatures", p->n_writer_features, p->writer_features);
    json_w_end_obj(&w);
    break;
  }
  case DA_TXN:
    json_w_key(&w, "txn");
    json_w_begin_obj(&w);
    json_w_key(&w, "appId");
    json_w_str(&w, a->u.txn.app_id);
    json_w_key(&w, "version");
    json_w_i64(&w, a->u.txn.version);
    if (a->u.txn.last_updated >= 0) {
      json_w_key(&w, "lastUpdated");
      json_w_i64(&w, a->u.txn.last_updated);
    }
    json_w_end_obj(&w);
    break;
  case DA_COMMIT_INFO:
    json_w_key(&w, "commitInfo");
    json_w_raw(&w, a->u.commit_info.json, strlen(a->u.commit_info.json));
    break;
  case DA_DOMAIN:
    json_w_key(&w, "domainMetadata");
    json_w_begin_obj(&w);
    json_w_key(&w, "domain");
    json_w_str(&w, a->u.domain.domain);
    json_w_key(&w, "configuration");
    json_w_str(&w, a->u.domain.configuration);
    json_w_key(&w, "removed");
    json_w_bool(&w, a->u.domain.removed);
    json_w_end_obj(&w);
    break;
  case DA_SIDECAR:
    json_w_key(&w, "sidecar");
    json_w_begin_obj(&w);
    json_w_key(&w, "path");
    json_w_str(&w, a->u.sidecar.path);
    json_w_key(&w, "sizeInBytes");
    json_w_i64(&w, a->u.sidecar.size_in_bytes);
    json_w_key(&w, "modificationTime");
    json_w_i64(&w, a->u.sidecar.modification_time);
    json_w_end_obj(&w);
    break;
  case DA_CHECKPOINT_META:
    json_w_key(&w, "checkpointMetadata");
    json_w_begin_obj(&w);
    json_w_key(&w, "version");
    json_w_i64(&w, a->u.checkpoint_version);
    json_w_end_obj(&w);
    break;
  default:
    buf_deinit(&path);
    return LAGO_ERR(err, LAGO_INTERNAL, "cannot write action kind %d", (int)a->kind);
  }
  json_w_end_obj(&w);
  buf_deinit(&path);
  {
    int rc = json_w_finish(&w);
    if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
    if (rc) return LAGO_ERR(err, LAGO_INTERNAL, "JSON writer misuse writing an action");
  }
  if (buf_putc(out, '\n')) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
nomem:
  buf_deinit(&path);
  return LAGO_NOMEM_ERR(err);
}

/* ---- copies and keys ------------------------------------------------------ */

static const char *sdup(arena *ar, const char *s, int *rc) {
  if (!s) return NULL;
  char *d = arena_strdup(ar, s);
  if (!d) *rc = LAGO_NOMEM;
  return d;
}

int delta_map_copy(arena *ar, const delta_map *src, delta_map *dst) {
  int rc = LAGO_OK;
  delta_map m = {0, NULL};
  if (src->n) {
    m.kv = arena_alloc(ar, src->n * sizeof *m.kv);
    if (!m.kv) return LAGO_NOMEM;
    for (uint32_t i = 0; i < src->n; i++) {
      m.kv[i].key = sdup(ar, src->kv[i].key, &rc);
      m.kv[i].value = sdup(ar, src->kv[i].value, &rc);
    }
    m.n = src->n;
  }
  *dst = m;
  return rc;
}

int delta_file_copy(arena *ar, const delta_file *src, delta_file *dst) {
  int rc = LAGO_OK;
  delta_file f = *src;
  f.path = sdup(ar, src->path, &rc);
  f.stats = sdup(ar, src->stats, &rc);
  f.stats_parsed_json = sdup(ar, src->stats_parsed_json, &rc);
  f.dv.path_or_inline = sdup(ar, src->dv.path_or_inline, &rc);
  f.clustering_provider = sdup(ar, src->clustering_provider, &rc);
  if (delta_map_copy(ar, &src->partition_values, &f.partition_values)) rc = LAGO_NOMEM;
  if (delta_map_copy(ar, &src->tags, &f.tags)) rc = LAGO_NOMEM;
  *dst = f;
  return rc;
}

static int copy_list(arena *ar, int32_t n, const char **src, const char ***dst) {
  *dst = NULL;
  if (n < 0) return LAGO_OK;
  const char **l = arena_alloc(ar, ((size_t)n + 1) * sizeof *l);
  if (!l) return LAGO_NOMEM;
  int rc = LAGO_OK;
  for (int32_t i = 0; i < n; i++) l[i] = sdup(ar, src[i], &rc);
  l[n] = NULL;
  *dst = l;
  return rc;
}

int delta_protocol_copy(arena *ar, const delta_protocol *src, delta_protocol *dst) {
  delta_protocol p = *src;
  if (copy_list(ar, src->n_reader_features, src->reader_features, &p.reader_features)) return LAGO_NOMEM;
  if (copy_list(ar, src->n_writer_features, src->writer_features, &p.writer_features)) return LAGO_NOMEM;
  *dst = p;
  return LAGO_OK;
}

int delta_metadata_copy(arena *ar, const delta_metadata *src, delta_metadata *dst) {
  int rc = LAGO_OK;
  delta_metadata m = *src;
  m.id = sdup(ar, src->id, &rc);
  m.name = sdup(ar, src->name, &rc);
  m.description = sdup(ar, src->description, &rc);
  m.format_provider = sdup(ar, src->format_provider, &rc);
  m.schema_string = sdup(ar, src->schema_string, &rc);
  if (delta_map_copy(ar, &src->format_options, &m.format_options)) rc = LAGO_NOMEM;
  if (delta_map_copy(ar, &src->configuration, &m.configuration)) rc = LAGO_NOMEM;
  const char **pc = NULL;
  if (copy_list(ar, (int32_t)src->n_partition_columns, src->partition_columns, &pc)) rc = LAGO_NOMEM;
  m.partition_columns = pc;
  *dst = m;
  return rc;
}

const char *delta_file_key(arena *ar, const delta_file *f) {
  if (!f->dv.storage_type) return arena_strdup(ar, f->path);
  if (f->dv.offset >= 0)
    return arena_printf(ar, "%s\x01%c%s@%d", f->path, f->dv.storage_type, f->dv.path_or_inline, f->dv.offset);
  return arena_printf(ar, "%s\x01%c%s", f->path, f->dv.storage_type, f->dv.path_or_inline);
}
