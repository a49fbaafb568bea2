/*
** stream/ckpt.c: reading and writing the stream checkpoint's documents
** (layout in ckpt.h and src/stream/README.md). Pure computation: callers do
** the I/O through io/fs.h, writing each document whole and atomically.
**
** metadata (one JSON object, one line):
**   {"lagoStream":1,"streamId":"<uuid>","source":"/abs/landing","format":"csv",
**    "table":"/abs/warehouse/main/default/t","tableId":"<uuid>"|null,
**    "createdMs":<ms>,"skipBeforeNs":<ns>|-1}
**
** offsets/<batch>, state/<batch>.compact, state/initial (JSON lines):
**   {"lagoStreamFiles":1,"kind":"offsets"|"compact"|"initial","batch":7,
**    "schemaVersion":2,"readVersion":12,"files":<n>,"bytes":<total size>}
**   {"path":"2024/01/a.csv","size":123,"mtimeNs":1700000000123456789[,"batch":7]}
**   ... exactly <n> entry lines, each ending in '\n'
** Paths are relative to the source directory. "batch" on an entry appears
** in compact and initial lists (-1 = skipped at the first start).
**
** _schemas/<n> (one JSON object):
**   {"lagoStreamSchema":1,"schemaVersion":n,"batch":<first batch planned with it>,
**    "schema":<Delta StructType JSON, as metaData.schemaString>}
**
** All of it is untrusted when read back: wrong JSON, wrong types, missing
** members, negative sizes, unsafe paths, a wrong entry count, trailing
** garbage all give LAGO_CORRUPT "<path>:<line>: what". Unknown members are
** ignored (later versions may add some); a greater format number than
** CKPT_FORMAT_VERSION is LAGO_UNSUPPORTED.
*/
#include <stdio.h>
#include <string.h>

#include "stream/ckpt.h"
#include "util/json.h"
#include "vec/type_json.h"

/* ---- helpers ------------------------------------------------------------- */

bool ckpt_path_ok(const char *p, size_t n) {
  if (n == 0 || n > 4096 || p[0] == '/') return false;
  if (memchr(p, 0, n) || memchr(p, '\\', n)) return false;
  size_t seg = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i == n || p[i] == '/') {
      size_t len = i - seg;
      if (len == 0) return false;
      if (len == 1 && p[seg] == '.') return false;
      if (len == 2 && p[seg] == '.' && p[seg + 1] == '.') return false;
      seg = i + 1;
    }
  }
  return true;
}

void ckpt_batch_name(int64_t batch, char out[21]) { snprintf(out, 21, "%020lld", (long long)batch); }

int64_t ckpt_batch_from_name(const char *name, const char *suffix) {
  int64_t v = 0;
  for (int i = 0; i < 20; i++) {
    if (name[i] < '0' || name[i] > '9') return -1;
    if (v > (INT64_MAX - 9) / 10) return -1;
    v = v * 10 + (name[i] - '0');
  }
  const char *rest = name + 20;
  if (strcmp(rest, suffix ? suffix : "")) return -1;
  return v;
}

static int corrupt(lago_err *err, const char *path, size_t line, const char *what, const lago_err *inner) {
  if (inner && inner->msg[0])
    return LAGO_ERR(err, LAGO_CORRUPT, "%s:%zu: %s: %s", path, line, what, inner->msg);
  return LAGO_ERR(err, LAGO_CORRUPT, "%s:%zu: %s", path, line, what);
}

/* A required string member, copied into ar (NULL with allow_null when JSON null). */
static int get_str(arena *ar, const json_value *o, const char *key, bool allow_null, const char **out, const char *path,
                   size_t line, lago_err *err) {
  const json_value *v = json_get(o, key);
  if (allow_null && v && v->type == JSON_NULL) {
    *out = NULL;
    return LAGO_OK;
  }
  if (!json_is(v, JSON_STRING) || memchr(v->u.str, 0, v->len)) {
    char what[96];
    snprintf(what, sizeof what, "member \"%s\" must be a string", key);
    return corrupt(err, path, line, what, NULL);
  }
  if (!(*out = arena_strndup(ar, v->u.str, v->len))) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}

/* A required integer member within [lo, hi]. */
static int get_int(const json_value *o, const char *key, int64_t lo, int64_t hi, int64_t *out, const char *path,
                   size_t line, lago_err *err) {
  const json_value *v = json_get(o, key);
  if (!json_is(v, JSON_NUMBER) || !v->is_int || v->x.num.i < lo || v->x.num.i > hi) {
    char what[128];
    snprintf(what, sizeof what, "member \"%s\" must be an integer in [%lld, %lld]", key, (long long)lo,
             (long long)hi);
    return corrupt(err, path, line, what, NULL);
  }
  *out = v->x.num.i;
  return LAGO_OK;
}

static int check_version(const json_value *o, const char *key, const char *path, size_t line, lago_err *err) {
  int64_t v;
  TRY(get_int(o, key, 1, INT32_MAX, &v, path, line, err));
  if (v > CKPT_FORMAT_VERSION)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s:%zu: stream checkpoint format %lld is newer than this lago (%d)", path,
                    line, (long long)v, CKPT_FORMAT_VERSION);
  return LAGO_OK;
}

/* ---- metadata ------------------------------------------------------------ */

int ckpt_meta_parse(arena *ar, const char *text, size_t len, const char *path, ckpt_meta *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  arena *tmp = arena_new("query", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  json_value *o = NULL;
  lago_err je;
  lago_err_clear(&je);
  int rc = json_parse(tmp, text, len, &o, &je);
  if (rc == LAGO_NOMEM) rc = LAGO_NOMEM_ERR(err);
  else if (rc) rc = corrupt(err, path, 1, "not JSON", &je);
  else if (!json_is(o, JSON_OBJECT)) rc = corrupt(err, path, 1, "not a JSON object", NULL);
  if (rc == LAGO_OK) rc = check_version(o, "lagoStream", path, 1, err);
  if (rc == LAGO_OK) rc = get_str(ar, o, "streamId", false, &out->stream_id, path, 1, err);
  if (rc == LAGO_OK) rc = get_str(ar, o, "source", false, &out->source, path, 1, err);
  if (rc == LAGO_OK) rc = get_str(ar, o, "format", false, &out->format, path, 1, err);
  if (rc == LAGO_OK) rc = get_str(ar, o, "table", false, &out->table, path, 1, err);
  if (rc == LAGO_OK) rc = get_str(ar, o, "tableId", true, &out->table_id, path, 1, err);
  if (rc == LAGO_OK) rc = get_int(o, "createdMs", 0, INT64_MAX, &out->created_ms, path, 1, err);
  if (rc == LAGO_OK) rc = get_int(o, "skipBeforeNs", -1, INT64_MAX, &out->skip_before_ns, path, 1, err);
  if (rc == LAGO_OK && (!out->stream_id[0] || strlen(out->stream_id) > 64))
    rc = corrupt(err, path, 1, "streamId must be 1..64 characters", NULL);
  if (rc == LAGO_OK && strcmp(out->format, "csv") && strcmp(out->format, "json") && strcmp(out->format, "parquet"))
    rc = corrupt(err, path, 1, "format must be csv, json or parquet", NULL);
  arena_free(tmp);
  return rc;
}

int ckpt_meta_write(const ckpt_meta *m, buf *out) {
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  json_w_key(&w, "lagoStream");
  json_w_i64(&w, CKPT_FORMAT_VERSION);
  json_w_key(&w, "streamId");
  json_w_str(&w, m->stream_id);
  json_w_key(&w, "source");
  json_w_str(&w, m->source);
  json_w_key(&w, "format");
  json_w_str(&w, m->format);
  json_w_key(&w, "table");
  json_w_str(&w, m->table ? m->table : "");
  json_w_key(&w, "tableId");
  json_w_str(&w, m->table_id); /* NULL writes null */
  json_w_key(&w, "createdMs");
  json_w_i64(&w, m->created_ms);
  json_w_key(&w, "skipBeforeNs");
  json_w_i64(&w, m->skip_before_ns);
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK) rc = buf_putc(out, '\n');
  return rc ? LAGO_NOMEM : LAGO_OK;
}

/* ---- file lists ---------------------------------------------------------- */

static const char *kind_name(ckpt_list_kind k) {
  return k == CKPT_OFFSETS ? "offsets" : k == CKPT_COMPACT ? "compact" : "initial";
}

int ckpt_list_parse(const char *text, size_t len, const char *path, ckpt_list_hdr *hdr, ckpt_file_fn fn, void *ud,
                    lago_err *err) {
  memset(hdr, 0, sizeof *hdr);
  arena *tmp = arena_new("query", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  size_t pos = 0, line = 0;
  int64_t n_seen = 0;
  uint64_t bytes = 0;
  bool have_hdr = false;
  while (rc == LAGO_OK && pos < len) {
    const char *nl = memchr(text + pos, '\n', len - pos);
    if (!nl) {
      rc = corrupt(err, path, line + 1, "last line does not end with a line break (truncated file?)", NULL);
      break;
    }
    size_t n = (size_t)(nl - (text + pos));
    line++;
    arena_reset(tmp);
    json_value *o = NULL;
    lago_err je;
    lago_err_clear(&je);
    rc = json_parse(tmp, text + pos, n, &o, &je);
    pos += n + 1;
    if (rc == LAGO_NOMEM) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    if (rc) {
      rc = corrupt(err, path, line, "not JSON", &je);
      break;
    }
    if (!json_is(o, JSON_OBJECT)) {
      rc = corrupt(err, path, line, "not a JSON object", NULL);
      break;
    }
    if (!have_hdr) {
      const char *kind = NULL;
      if ((rc = check_version(o, "lagoStreamFiles", path, line, err))) break;
      if ((rc = get_str(tmp, o, "kind", false, &kind, path, line, err))) break;
      if (!strcmp(kind, "offsets")) hdr->kind = CKPT_OFFSETS;
      else if (!strcmp(kind, "compact")) hdr->kind = CKPT_COMPACT;
      else if (!strcmp(kind, "initial")) hdr->kind = CKPT_INITIAL;
      else {
        rc = corrupt(err, path, line, "kind must be offsets, compact or initial", NULL);
        break;
      }
      int64_t b;
      if ((rc = get_int(o, "batch", -1, INT64_MAX / 2, &hdr->batch, path, line, err)) ||
          (rc = get_int(o, "schemaVersion", -1, INT64_MAX / 2, &hdr->schema_version, path, line, err)) ||
          (rc = get_int(o, "readVersion", -1, INT64_MAX / 2, &hdr->read_version, path, line, err)) ||
          (rc = get_int(o, "files", 0, INT64_MAX / 2, &hdr->n_files, path, line, err)) ||
          (rc = get_int(o, "bytes", 0, INT64_MAX, &b, path, line, err)))
        break;
      if (hdr->kind != CKPT_INITIAL && hdr->batch < 0) {
        rc = corrupt(err, path, line, "batch must be >= 0", NULL);
        break;
      }
      hdr->bytes = (uint64_t)b;
      have_hdr = true;
      continue;
    }
    if (n_seen == hdr->n_files) {
      rc = corrupt(err, path, line, "more entries than the header's \"files\"", NULL);
      break;
    }
    const json_value *pv = json_get(o, "path");
    if (!json_is(pv, JSON_STRING) || !ckpt_path_ok(pv->u.str, pv->len)) {
      rc = corrupt(err, path, line, "member \"path\" must be a safe relative path", NULL);
      break;
    }
    ckpt_file f;
    int64_t size;
    f.path = pv->u.str;
    if ((rc = get_int(o, "size", 0, INT64_MAX, &size, path, line, err)) ||
        (rc = get_int(o, "mtimeNs", INT64_MIN, INT64_MAX, &f.mtime_ns, path, line, err)))
      break;
    f.size = (uint64_t)size;
    f.batch = hdr->kind == CKPT_OFFSETS ? hdr->batch : -1;
    if (hdr->kind != CKPT_OFFSETS && json_get(o, "batch") &&
        (rc = get_int(o, "batch", -1, INT64_MAX / 2, &f.batch, path, line, err)))
      break;
    if (bytes + f.size < bytes) {
      rc = corrupt(err, path, line, "sizes overflow", NULL);
      break;
    }
    bytes += f.size;
    n_seen++;
    if (fn && (rc = fn(ud, &f, err))) break;
  }
  if (rc == LAGO_OK && !have_hdr) rc = corrupt(err, path, 1, "empty file list document", NULL);
  if (rc == LAGO_OK && n_seen != hdr->n_files) {
    char what[96];
    snprintf(what, sizeof what, "%lld entries, the header says %lld (truncated file?)", (long long)n_seen,
             (long long)hdr->n_files);
    rc = corrupt(err, path, line, what, NULL);
  }
  if (rc == LAGO_OK && bytes != hdr->bytes) rc = corrupt(err, path, line, "entry sizes do not add up to \"bytes\"", NULL);
  arena_free(tmp);
  return rc;
}

int ckpt_list_write_hdr(const ckpt_list_hdr *h, buf *out) {
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  json_w_key(&w, "lagoStreamFiles");
  json_w_i64(&w, CKPT_FORMAT_VERSION);
  json_w_key(&w, "kind");
  json_w_str(&w, kind_name(h->kind));
  json_w_key(&w, "batch");
  json_w_i64(&w, h->batch);
  json_w_key(&w, "schemaVersion");
  json_w_i64(&w, h->schema_version);
  json_w_key(&w, "readVersion");
  json_w_i64(&w, h->read_version);
  json_w_key(&w, "files");
  json_w_i64(&w, h->n_files);
  json_w_key(&w, "bytes");
  json_w_u64(&w, h->bytes);
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK) rc = buf_putc(out, '\n');
  return rc ? LAGO_NOMEM : LAGO_OK;
}

int ckpt_list_write_file(const ckpt_file *f, bool with_batch, buf *out) {
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  json_w_key(&w, "path");
  json_w_str(&w, f->path);
  json_w_key(&w, "size");
  json_w_u64(&w, f->size);
  json_w_key(&w, "mtimeNs");
  json_w_i64(&w, f->mtime_ns);
  if (with_batch) {
    json_w_key(&w, "batch");
    json_w_i64(&w, f->batch);
  }
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK) rc = buf_putc(out, '\n');
  return rc ? LAGO_NOMEM : LAGO_OK;
}

/* ---- schema versions ----------------------------------------------------- */

int ckpt_schema_parse(arena *ar, const char *text, size_t len, const char *path, int64_t *version, int64_t *batch,
                      lago_type *schema, lago_err *err) {
  arena *tmp = arena_new("query", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  json_value *o = NULL;
  lago_err je;
  lago_err_clear(&je);
  int rc = json_parse(tmp, text, len, &o, &je);
  if (rc == LAGO_NOMEM) rc = LAGO_NOMEM_ERR(err);
  else if (rc) rc = corrupt(err, path, 1, "not JSON", &je);
  else if (!json_is(o, JSON_OBJECT)) rc = corrupt(err, path, 1, "not a JSON object", NULL);
  if (rc == LAGO_OK) rc = check_version(o, "lagoStreamSchema", path, 1, err);
  if (rc == LAGO_OK) rc = get_int(o, "schemaVersion", 0, INT32_MAX, version, path, 1, err);
  if (rc == LAGO_OK) rc = get_int(o, "batch", -1, INT64_MAX / 2, batch, path, 1, err);
  if (rc == LAGO_OK) {
    const json_value *s = json_get(o, "schema");
    lago_err se;
    lago_err_clear(&se);
    if (!json_is(s, JSON_OBJECT)) rc = corrupt(err, path, 1, "member \"schema\" must be a struct type object", NULL);
    else if ((rc = type_from_delta_json(ar, s, schema, &se)) == LAGO_NOMEM) rc = LAGO_NOMEM_ERR(err);
    else if (rc) rc = corrupt(err, path, 1, "bad schema", &se);
    else if (schema->id != LT_STRUCT) rc = corrupt(err, path, 1, "schema is not a struct", NULL);
  }
  arena_free(tmp);
  return rc;
}

int ckpt_schema_write(int64_t version, int64_t batch, lago_type schema, buf *out, lago_err *err) {
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  json_w_key(&w, "lagoStreamSchema");
  json_w_i64(&w, CKPT_FORMAT_VERSION);
  json_w_key(&w, "schemaVersion");
  json_w_i64(&w, version);
  json_w_key(&w, "batch");
  json_w_i64(&w, batch);
  json_w_key(&w, "schema");
  TRY(type_write_delta_json(&w, schema, err));
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK) rc = buf_putc(out, '\n');
  if (rc) return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(err) : LAGO_ERR(err, LAGO_INTERNAL, "schema document");
  return LAGO_OK;
}
