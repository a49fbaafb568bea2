/*
** cdc/state.c: the per-key sequence state of a table under sequenced
** semantics (src/cdc/README.md "State"): what lago remembers per key so that
** a change older than what the table already holds is ignored, across
** batches, deleted keys included (tombstones).
**
** The state is a list of segment files, referenced from the table's own log
** through a domainMetadata action (PROTOCOL.md "Domain Metadata"), so it
** changes in the same atomic commit as the data it describes:
**
**   {"domainMetadata":{"domain":"lago.cdc","configuration":"<document>","removed":false}}
**
** document (JSON, written by cdc_state_format, read by cdc_state_parse):
**   {"format":1,
**    "keys":["customer_id"],            key columns, in order
**    "sequence":"modified_at",          the sequence column
**    "segments":[                       oldest first
**      {"path":"_lago_cdc/state-<uuid>.parquet",   relative to the table root
**       "rows":880, "tombstones":93, "bytes":21034, "minTombstoneAtMs":1763700000000 | -1}]}
**
** segment file (Parquet, snappy; one row per key, each key at most once):
**   <key columns, the change feed's names and types> | __lago_seq <sequence type> |
**   __lago_deleted BOOLEAN | __lago_at_ms BIGINT (commit time of the batch that set it)
** A key's remembered sequence is the highest __lago_seq over all segments
** (later segments only ever hold higher sequences for a key, since a change is
** applied only when newer). Compaction (apply.c) rewrites the segments as one
** and drops tombstones older than the retention.
**
** The document is untrusted input (anyone can write a Delta log): every
** field is checked, paths must stay under _lago_cdc/ with no "..", sizes are
** bounded. Fuzzed by tests/fuzz/fuzz_cdc_state.c.
*/
#include <string.h>
#include <strings.h>

#include "cdc/cdc_int.h"
#include "util/json.h"

#define MAX_SEGMENTS 4096
#define MAX_DOC (1u << 22)

static int bad(lago_err *err, const char *what) {
  return LAGO_ERR(err, LAGO_CORRUPT, "CDC state (domain %s): %s", CDC_DOMAIN, what);
}

static bool safe_name(const char *s, uint32_t len) {
  if (!len || len > 1024 || memchr(s, 0, len)) return false;
  return true;
}

/* _lago_cdc/<name> with a plain file name (no '/', no leading '.'). */
static bool safe_path(const char *p, uint32_t len) {
  size_t pre = strlen(CDC_STATE_DIR) + 1;
  if (len <= pre || len > 512 || memchr(p, 0, len)) return false;
  if (memcmp(p, CDC_STATE_DIR "/", pre)) return false;
  const char *name = p + pre;
  size_t n = len - pre;
  if (name[0] == '.' || memchr(name, '/', n) || memchr(name, '\\', n)) return false;
  return true;
}

int cdc_state_parse(arena *ar, const char *text, size_t len, cdc_state *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  if (len > MAX_DOC) return bad(err, "document too large");
  json_value *v = NULL;
  lago_err je;
  lago_err_clear(&je);
  int rc = json_parse(ar, text, len, &v, &je);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(err);
  if (rc) return LAGO_ERR(err, LAGO_CORRUPT, "CDC state (domain %s): not JSON: %s", CDC_DOMAIN, je.msg);
  if (!json_is(v, JSON_OBJECT)) return bad(err, "not a JSON object");
  const json_value *f = json_get(v, "format");
  if (!json_is(f, JSON_NUMBER) || !f->is_int) return bad(err, "\"format\" missing");
  if (f->x.num.i != 1) return LAGO_ERR(err, LAGO_UNSUPPORTED, "CDC state format %lld is newer than this lago (1)",
                                       (long long)f->x.num.i);
  const json_value *keys = json_get(v, "keys"), *seq = json_get(v, "sequence"), *segs = json_get(v, "segments");
  if (!json_is(keys, JSON_ARRAY) || !keys->len || keys->len > CDC_MAX_KEYS) return bad(err, "\"keys\" must list 1 to 16 names");
  if (!json_is(seq, JSON_STRING) || !safe_name(seq->u.str, seq->len)) return bad(err, "\"sequence\" must be a name");
  if (!json_is(segs, JSON_ARRAY) || segs->len > MAX_SEGMENTS) return bad(err, "\"segments\" must be a list");
  out->n_keys = keys->len;
  out->keys = arena_alloc(ar, keys->len * sizeof *out->keys);
  out->seg = arena_alloc(ar, (segs->len ? segs->len : 1) * sizeof *out->seg);
  if (!out->keys || !out->seg) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < keys->len; i++) {
    const json_value *k = json_at(keys, i);
    if (!json_is(k, JSON_STRING) || !safe_name(k->u.str, k->len)) return bad(err, "a key is not a name");
    out->keys[i] = k->u.str;
  }
  out->sequence = seq->u.str;
  for (uint32_t i = 0; i < segs->len; i++) {
    const json_value *s = json_at(segs, i);
    if (!json_is(s, JSON_OBJECT)) return bad(err, "a segment is not an object");
    const json_value *p = json_get(s, "path");
    if (!json_is(p, JSON_STRING) || !safe_path(p->u.str, p->len))
      return bad(err, "a segment path is not a file name under " CDC_STATE_DIR "/");
    cdc_segment *g = &out->seg[i];
    g->path = p->u.str;
    const char *names[4] = {"rows", "tombstones", "bytes", "minTombstoneAtMs"};
    int64_t vals[4];
    for (int k = 0; k < 4; k++) {
      const json_value *n = json_get(s, names[k]);
      if (!json_is(n, JSON_NUMBER) || !n->is_int || n->x.num.i < (k == 3 ? -1 : 0))
        return LAGO_ERR(err, LAGO_CORRUPT, "CDC state (domain %s): segment %u: \"%s\" must be a count", CDC_DOMAIN, i,
                        names[k]);
      vals[k] = n->x.num.i;
    }
    if (vals[1] > vals[0]) return bad(err, "a segment has more tombstones than rows");
    g->rows = (uint64_t)vals[0];
    g->tombstones = (uint64_t)vals[1];
    g->bytes = (uint64_t)vals[2];
    g->min_tomb_at_ms = vals[3];
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(out->seg[j].path, g->path)) return bad(err, "a segment is listed twice");
  }
  out->n_seg = segs->len;
  return LAGO_OK;
}

int cdc_state_format(const cdc_state *s, buf *out) {
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  json_w_key(&w, "format");
  json_w_i64(&w, 1);
  json_w_key(&w, "keys");
  json_w_begin_arr(&w);
  for (uint32_t i = 0; i < s->n_keys; i++) json_w_str(&w, s->keys[i]);
  json_w_end_arr(&w);
  json_w_key(&w, "sequence");
  json_w_str(&w, s->sequence);
  json_w_key(&w, "segments");
  json_w_begin_arr(&w);
  for (uint32_t i = 0; i < s->n_seg; i++) {
    const cdc_segment *g = &s->seg[i];
    json_w_begin_obj(&w);
    json_w_key(&w, "path");
    json_w_str(&w, g->path);
    json_w_key(&w, "rows");
    json_w_u64(&w, g->rows);
    json_w_key(&w, "tombstones");
    json_w_u64(&w, g->tombstones);
    json_w_key(&w, "bytes");
    json_w_u64(&w, g->bytes);
    json_w_key(&w, "minTombstoneAtMs");
    json_w_i64(&w, g->min_tomb_at_ms);
    json_w_end_obj(&w);
  }
  json_w_end_arr(&w);
  json_w_end_obj(&w);
  return json_w_finish(&w) ? LAGO_NOMEM : LAGO_OK;
}

int cdc_state_load(delta_snapshot *snap, const cdc_spec *spec, arena *ar, cdc_state *out, bool *present,
                   lago_err *err) {
  *present = false;
  const delta_domain *d = snap ? delta_snapshot_domain(snap, CDC_DOMAIN) : NULL;
  if (d && !d->removed && d->configuration && *d->configuration) {
    TRY(cdc_state_parse(ar, d->configuration, strlen(d->configuration), out, err));
    *present = true;
    return LAGO_OK;
  }
  memset(out, 0, sizeof *out);
  out->n_keys = spec->n_keys;
  out->keys = arena_alloc(ar, spec->n_keys * sizeof *out->keys);
  if (!out->keys) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < spec->n_keys; i++) out->keys[i] = spec->keys[i];
  out->sequence = spec->sequence;
  return LAGO_OK;
}

int cdc_state_check(const cdc_state *st, const cdc_spec *spec, const char *table, lago_err *err) {
  bool same = st->n_keys == spec->n_keys && !strcasecmp(st->sequence, spec->sequence);
  for (uint32_t i = 0; same && i < st->n_keys; i++) same = !strcasecmp(st->keys[i], spec->keys[i]);
  if (same) return LAGO_OK;
  buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < st->n_keys; i++) buf_printf(&b, "%s%s", i ? ", " : "", st->keys[i]);
  int rc = LAGO_ERR(err, LAGO_BIND,
                    "table %s keeps CDC state for keys (%s) sequenced by %s, but this definition says keys (%s%s) "
                    "sequenced by %s: run with --full-refresh to reload the table under the new definition",
                    table, buf_cstr(&b), st->sequence, spec->keys[0], spec->n_keys > 1 ? ", ..." : "", spec->sequence);
  buf_deinit(&b);
  return rc;
}
