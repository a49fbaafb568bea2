/*
** table/delta/validate.c: lago's strict validator of a Delta log against the
** protocol (DELTA-CHECKLIST.md §2, §3, §9, §11, §12, §14). Unlike replay,
** which is as lenient as real writers require, this checks what a writer
** must produce, action by action, on the raw JSON:
**   - every line is an object with exactly one known action key;
**   - required fields exist with the right JSON types (add: path,
**     partitionValues, size, modificationTime, dataChange; remove: path,
**     dataChange; metaData: id, format.provider, schemaString,
**     partitionColumns, configuration; protocol: both versions; txn: appId,
**     version; deletionVector: storageType, pathOrInlineDv, sizeInBytes,
**     cardinality, offset for 'u'/'p');
**   - paths are URI-encoded (valid %XX escapes, no spaces or control bytes);
**   - partitionValues keys are exactly the (physical) partition columns;
**   - stats parse as a JSON object with numRecords and well-formed
**     minValues/maxValues/nullCount objects; numRecords present with a DV;
**   - protocol/feature consistency: reader 3 <=> readerFeatures, writer 7
**     <=> writerFeatures, reader features also listed as writer features,
**     features that the metadata or actions use are supported (column
**     mapping, DVs, timestamp_ntz, CDC, in-commit timestamps);
**   - a commit has at most one metaData, one protocol, one txn per appId,
**     and no two adds or two removes for the same (path, DV);
**   - commit 0 has protocol and metaData; versions are contiguous;
**     commitInfo comes first and has inCommitTimestamp when ICT is on.
** Each violation is reported through a callback with version and line.
*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "table/delta/delta_int.h"
#include "vec/type_json.h"

typedef struct vctx {
  delta_table *t;
  delta_issue_fn fn;
  void *ud;
  size_t n;
  int64_t version;
  size_t line;
  arena *ar;
  /* state carried across commits */
  delta_protocol proto;
  bool have_proto, have_md;
  lago_type schema;
  const char *cm_mode;
  uint32_t n_part;
  const char **part_phys;
  bool ict;
  bool cdf_feature;
  arena *state_ar;
} vctx;

static void issue(vctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void issue(vctx *c, const char *fmt, ...) {
  char msg[600];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  c->n++;
  if (c->fn) c->fn(c->ud, c->version, c->line, msg);
}

static bool has_type(const json_value *o, const char *k, json_type t) {
  const json_value *v = json_get(o, k);
  return v && v->type == t;
}

static void need(vctx *c, const json_value *o, const char *action, const char *k, json_type t) {
  const json_value *v = json_get(o, k);
  if (!v) issue(c, "%s.%s is missing", action, k);
  else if (v->type != t) issue(c, "%s.%s must be a %s, not a %s", action, k, json_type_name(t), json_type_name(v->type));
}

static void check_path(vctx *c, const char *action, const json_value *p) {
  if (!p || p->type != JSON_STRING) return;
  if (!p->len) issue(c, "%s.path is empty", action);
  for (uint32_t i = 0; i < p->len; i++) {
    unsigned char ch = (unsigned char)p->u.str[i];
    if (ch <= 0x20 || ch == 0x7f) {
      issue(c, "%s.path \"%.100s\" is not URI-encoded (byte 0x%02x at %u)", action, p->u.str, ch, i);
      return;
    }
    if (ch == '%') {
      if (i + 2 >= p->len + 0u || !isxdigit((unsigned char)p->u.str[i + 1]) || !isxdigit((unsigned char)p->u.str[i + 2])) {
        issue(c, "%s.path \"%.100s\": bad percent escape at %u", action, p->u.str, i);
        return;
      }
    }
  }
}

static void check_stats_obj(vctx *c, const json_value *o, const char *what, bool counts) {
  for (uint32_t i = 0; i < json_len(o); i++) {
    const json_member *m = json_member_at(o, i);
    if (m->value.type == JSON_OBJECT) check_stats_obj(c, &m->value, what, counts);
    else if (counts && !(m->value.type == JSON_NUMBER && m->value.is_int && m->value.x.num.i >= 0))
      issue(c, "stats.%s.%s must be a non-negative integer", what, m->key);
    else if (!counts && m->value.type != JSON_NUMBER && m->value.type != JSON_STRING && m->value.type != JSON_NULL &&
             m->value.type != JSON_BOOL)
      issue(c, "stats.%s.%s must be a number or string", what, m->key);
  }
}

static void check_file(vctx *c, const json_value *o, const char *action, keyset *keys) {
  need(c, o, action, "path", JSON_STRING);
  check_path(c, action, json_get(o, "path"));
  need(c, o, action, "dataChange", JSON_BOOL);
  bool is_add = !strcmp(action, "add");
  if (is_add) {
    need(c, o, action, "partitionValues", JSON_OBJECT);
    need(c, o, action, "size", JSON_NUMBER);
    need(c, o, action, "modificationTime", JSON_NUMBER);
    const json_value *sz = json_get(o, "size");
    if (sz && sz->type == JSON_NUMBER && (!sz->is_int || sz->x.num.i < 0)) issue(c, "add.size must be >= 0");
  }
  if (!strcmp(action, "cdc")) {
    need(c, o, action, "partitionValues", JSON_OBJECT);
    need(c, o, action, "size", JSON_NUMBER);
    bool dc;
    if (json_opt_bool(o, "dataChange", false, &dc, NULL) == LAGO_OK && dc) issue(c, "cdc.dataChange must be false");
    if (!c->cdf_feature) issue(c, "cdc action without the changeDataFeed feature");
  }
  const json_value *pv = json_get(o, "partitionValues");
  if (pv && pv->type == JSON_OBJECT && c->have_md) {
    for (uint32_t i = 0; i < c->n_part; i++)
      if (!json_get(pv, c->part_phys[i])) issue(c, "%s.partitionValues lacks partition column \"%s\"", action, c->part_phys[i]);
    for (uint32_t i = 0; i < pv->len; i++) {
      const json_member *m = &pv->u.members[i];
      bool known = false;
      for (uint32_t k = 0; k < c->n_part; k++)
        if (!strcmp(m->key, c->part_phys[k])) known = true;
      if (!known) issue(c, "%s.partitionValues has \"%s\", which is not a partition column", action, m->key);
      if (m->value.type != JSON_STRING && m->value.type != JSON_NULL)
        issue(c, "%s.partitionValues.%s must be a string or null", action, m->key);
    }
  }
  const json_value *st = json_get(o, "stats");
  bool has_num = false;
  if (st && st->type == JSON_STRING) {
    json_value *sv;
    if (json_parse(c->ar, st->u.str, st->len, &sv, NULL) || sv->type != JSON_OBJECT) {
      issue(c, "%s.stats is not a JSON object", action);
    } else {
      const json_value *nr = json_get(sv, "numRecords");
      has_num = nr && nr->type == JSON_NUMBER && nr->is_int && nr->x.num.i >= 0;
      if (nr && !has_num) issue(c, "stats.numRecords must be a non-negative integer");
      const char *objs[] = {"minValues", "maxValues", "nullCount"};
      for (int k = 0; k < 3; k++) {
        const json_value *x = json_get(sv, objs[k]);
        if (x && x->type != JSON_OBJECT) issue(c, "stats.%s must be an object", objs[k]);
        else if (x) check_stats_obj(c, x, objs[k], k == 2);
      }
    }
  } else if (st && st->type != JSON_NULL) {
    issue(c, "%s.stats must be a string", action);
  }
  const json_value *dv = json_get(o, "deletionVector");
  if (dv && dv->type != JSON_NULL) {
    if (dv->type != JSON_OBJECT) issue(c, "%s.deletionVector must be an object", action);
    else {
      need(c, dv, "deletionVector", "storageType", JSON_STRING);
      need(c, dv, "deletionVector", "pathOrInlineDv", JSON_STRING);
      need(c, dv, "deletionVector", "sizeInBytes", JSON_NUMBER);
      need(c, dv, "deletionVector", "cardinality", JSON_NUMBER);
      const char *stype = NULL;
      json_get_str(dv, "storageType", &stype, NULL, NULL);
      if (stype && strcmp(stype, "u") && strcmp(stype, "i") && strcmp(stype, "p"))
        issue(c, "deletionVector.storageType \"%s\" is not u, i or p", stype);
      if (stype && stype[0] != 'i' && !has_type(dv, "offset", JSON_NUMBER))
        issue(c, "deletionVector.offset should be present for storage type %s", stype);
    }
    if (!delta_protocol_has(&c->proto, "deletionVectors")) issue(c, "deletion vector without the deletionVectors feature");
    if (is_add && !has_num) issue(c, "add with a deletion vector must have stats.numRecords");
  }
  /* duplicates within the commit */
  if (keys && json_get(o, "path") && json_get(o, "path")->type == JSON_STRING) {
    delta_action a;
    lago_err e;
    lago_err_clear(&e);
    char key_where[64];
    snprintf(key_where, sizeof key_where, "version %lld", (long long)c->version);
    json_value wrapper;
    json_member m = {action, (uint32_t)strlen(action), *o};
    wrapper.type = JSON_OBJECT;
    wrapper.len = 1;
    wrapper.u.members = &m;
    wrapper.x.index = NULL;
    if (delta_action_from_json(c->ar, &wrapper, &a, key_where, &e) == LAGO_OK && a.kind != DA_NONE) {
      const char *k = delta_file_key(c->ar, &a.u.file);
      bool added;
      if (k && keyset_add(keys, k, true, &added) == LAGO_OK && !added)
        issue(c, "two %s actions for the same file and DV: %.200s", action, a.u.file.path);
    }
  }
}

static void take_metadata(vctx *c, const json_value *o) {
  need(c, o, "metaData", "id", JSON_STRING);
  need(c, o, "metaData", "schemaString", JSON_STRING);
  need(c, o, "metaData", "partitionColumns", JSON_ARRAY);
  need(c, o, "metaData", "configuration", JSON_OBJECT);
  need(c, o, "metaData", "format", JSON_OBJECT);
  const json_value *fmt = json_get(o, "format");
  const char *prov = NULL;
  if (fmt && json_get_str(fmt, "provider", &prov, NULL, NULL) == LAGO_OK && strcmp(prov, "parquet"))
    issue(c, "metaData.format.provider is \"%s\", not parquet", prov);
  const char *ss = NULL;
  if (json_get_str(o, "schemaString", &ss, NULL, NULL) || !ss) return;
  lago_type t;
  lago_err e;
  lago_err_clear(&e);
  if (type_from_delta_schema(c->state_ar, ss, strlen(ss), &t, &e)) {
    issue(c, "metaData.schemaString: %s", e.msg);
    return;
  }
  for (uint32_t i = 0; i < type_n_fields(t); i++)
    for (uint32_t k = 0; k < i; k++)
      if (!strcasecmp(type_field_at(t, i)->name, type_field_at(t, k)->name))
        issue(c, "schema has two columns named \"%s\" (case-insensitively)", type_field_at(t, i)->name);
  c->schema = t;
  c->have_md = true;
  const json_value *cfg = json_get(o, "configuration");
  for (uint32_t i = 0; i < json_len(cfg); i++)
    if (json_member_at(cfg, i)->value.type != JSON_STRING)
      issue(c, "metaData.configuration.%s must be a string", json_member_at(cfg, i)->key);
  const json_value *mode = json_get(cfg, "delta.columnMapping.mode");
  c->cm_mode = mode && mode->type == JSON_STRING ? arena_strdup(c->state_ar, mode->u.str) : "none";
  const json_value *ict = json_get(cfg, "delta.enableInCommitTimestamps");
  c->ict = ict && ict->type == JSON_STRING && !strcasecmp(ict->u.str, "true");
  const json_value *pc = json_get(o, "partitionColumns");
  c->n_part = (uint32_t)json_len(pc);
  c->part_phys = arena_alloc(c->state_ar, (c->n_part + 1) * sizeof *c->part_phys);
  for (uint32_t i = 0; i < c->n_part && c->part_phys; i++) {
    const json_value *x = json_at(pc, i);
    c->part_phys[i] = "";
    if (x->type != JSON_STRING) {
      issue(c, "metaData.partitionColumns must hold strings");
      continue;
    }
    int k = type_field_index(t, x->u.str);
    if (k < 0) {
      issue(c, "partition column \"%s\" is not in the schema", x->u.str);
      continue;
    }
    c->part_phys[i] = delta_field_physical_name(c->state_ar, type_field_at(t, (uint32_t)k), c->cm_mode);
  }
}

static bool type_has_ntz(lago_type t) {
  if (t.id == LT_TIMESTAMP_NTZ) return true;
  for (uint32_t i = 0; i < type_n_fields(t); i++)
    if (type_has_ntz(type_field_at(t, i)->type)) return true;
  return false;
}

static void check_features(vctx *c) {
  const delta_protocol *p = &c->proto;
  if ((p->min_reader == 3) != (p->n_reader_features >= 0))
    issue(c, "protocol: readerFeatures must be present exactly when minReaderVersion is 3");
  if ((p->min_writer == 7) != (p->n_writer_features >= 0))
    issue(c, "protocol: writerFeatures must be present exactly when minWriterVersion is 7");
  if (p->min_reader == 3 && p->min_writer != 7) issue(c, "protocol: reader version 3 requires writer version 7");
  for (int32_t i = 0; i < p->n_reader_features; i++) {
    bool found = false;
    for (int32_t k = 0; k < p->n_writer_features; k++)
      if (!strcmp(p->reader_features[i], p->writer_features[k])) found = true;
    if (!found) issue(c, "protocol: reader feature \"%s\" is not listed in writerFeatures", p->reader_features[i]);
  }
  if (!c->have_md) return;
  if (strcmp(c->cm_mode, "none") && !(p->min_reader >= 2 && (p->min_reader == 2 || delta_protocol_has(p, "columnMapping"))))
    issue(c, "column mapping mode %s without the columnMapping feature", c->cm_mode);
  if (type_has_ntz(c->schema) && !delta_protocol_has(p, "timestampNtz"))
    issue(c, "timestamp_ntz column without the timestampNtz feature");
  if (c->ict && !delta_protocol_has(p, "inCommitTimestamp"))
    issue(c, "delta.enableInCommitTimestamps without the inCommitTimestamp feature");
}

static void check_commit(vctx *c, const char *text, size_t len) {
  json_lines it;
  json_lines_init(&it, text, len);
  int n_md = 0, n_proto = 0;
  keyset adds, removes, txns;
  keyset_init(&adds, c->ar);
  keyset_init(&removes, c->ar);
  keyset_init(&txns, c->ar);
  bool first = true, ci_first = false, ci_ict = false, saw_ci = false;
  for (;;) {
    json_value *v;
    lago_err e;
    lago_err_clear(&e);
    int rc = json_lines_next(&it, c->ar, &v, &e);
    c->line = it.line_no;
    if (rc) {
      issue(c, "not valid JSON: %s", e.msg);
      if (rc == LAGO_NOMEM) break;
      continue;
    }
    if (!v) break;
    if (v->type != JSON_OBJECT || v->len != 1) {
      issue(c, "a line must be an object with exactly one action key");
      if (v->type != JSON_OBJECT || !v->len) continue;
    }
    const json_member *m = &v->u.members[0];
    const json_value *o = &m->value;
    const char *k = m->key;
    if (o->type != JSON_OBJECT) {
      issue(c, "action %s is not an object", k);
      continue;
    }
    if (!strcmp(k, "commitInfo")) {
      saw_ci = true;
      ci_first = first;
      ci_ict = has_type(o, "inCommitTimestamp", JSON_NUMBER);
    } else if (!strcmp(k, "protocol")) {
      n_proto++;
      need(c, o, k, "minReaderVersion", JSON_NUMBER);
      need(c, o, k, "minWriterVersion", JSON_NUMBER);
      delta_action a;
      lago_err_clear(&e);
      if (delta_action_from_json(c->state_ar, v, &a, "protocol", &e) == LAGO_OK && a.kind == DA_PROTOCOL) {
        c->proto = a.u.protocol;
        c->have_proto = true;
        c->cdf_feature = delta_protocol_has(&c->proto, "changeDataFeed");
      }
    } else if (!strcmp(k, "metaData")) {
      n_md++;
      take_metadata(c, o);
    } else if (!strcmp(k, "add")) {
      check_file(c, o, k, &adds);
    } else if (!strcmp(k, "remove")) {
      check_file(c, o, k, &removes);
    } else if (!strcmp(k, "cdc")) {
      check_file(c, o, k, NULL);
    } else if (!strcmp(k, "txn")) {
      need(c, o, k, "appId", JSON_STRING);
      need(c, o, k, "version", JSON_NUMBER);
      const char *app = NULL;
      bool added;
      if (json_get_str(o, "appId", &app, NULL, NULL) == LAGO_OK && keyset_add(&txns, app, true, &added) == LAGO_OK &&
          !added)
        issue(c, "two txn actions for appId \"%s\"", app);
    } else if (!strcmp(k, "domainMetadata")) {
      need(c, o, k, "domain", JSON_STRING);
      need(c, o, k, "configuration", JSON_STRING);
      need(c, o, k, "removed", JSON_BOOL);
    } else if (!strcmp(k, "sidecar") || !strcmp(k, "checkpointMetadata")) {
      issue(c, "%s is only allowed in checkpoints", k);
    } else {
      issue(c, "unknown action \"%s\"", k);
    }
    first = false;
  }
  json_lines_deinit(&it);
  c->line = 0;
  if (n_md > 1) issue(c, "%d metaData actions in one commit", n_md);
  if (n_proto > 1) issue(c, "%d protocol actions in one commit", n_proto);
  if (c->version == 0 && (!c->have_proto || !c->have_md)) issue(c, "version 0 must have protocol and metaData");
  if (n_proto || n_md) check_features(c);
  if (c->ict && (!saw_ci || !ci_first || !ci_ict))
    issue(c, "in-commit timestamps are on: commitInfo with inCommitTimestamp must be the first action");
}

int delta_validate(delta_table *t, delta_issue_fn fn, void *ud, size_t *n_issues, lago_err *err) {
  *n_issues = 0;
  vctx c;
  memset(&c, 0, sizeof c);
  c.t = t;
  c.fn = fn;
  c.ud = ud;
  c.cm_mode = "none";
  arena *list_ar = arena_new("query", 65536);
  c.state_ar = arena_new("query", 65536);
  c.ar = arena_new("query", 65536);
  int rc = (!list_ar || !c.state_ar || !c.ar) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
  log_listing l;
  if (rc == LAGO_OK) rc = delta_log_list(t, 0, list_ar, &l, err);
  int64_t expect = rc == LAGO_OK && l.min_commit > 0 ? l.min_commit : 0;
  if (rc == LAGO_OK && l.min_commit > 0) {
    /* older commits were cleaned up: start from the state of the oldest commit's predecessor */
    delta_snapshot *s;
    if ((rc = delta_snapshot_load(t, l.min_commit - 1, &s, err)) == LAGO_OK) {
      c.proto = s->protocol;
      delta_protocol_copy(c.state_ar, &s->protocol, &c.proto);
      c.have_proto = c.have_md = true;
      type_copy(c.state_ar, s->schema, &c.schema);
      c.cm_mode = arena_strdup(c.state_ar, s->cm_mode);
      c.n_part = s->n_part;
      c.part_phys = arena_alloc(c.state_ar, (s->n_part + 1) * sizeof *c.part_phys);
      for (uint32_t i = 0; i < s->n_part && c.part_phys; i++) c.part_phys[i] = arena_strdup(c.state_ar, s->part_phys[i]);
      c.ict = delta_config_bool(&s->metadata.configuration, "delta.enableInCommitTimestamps", false);
      c.cdf_feature = delta_protocol_has(&c.proto, "changeDataFeed");
      delta_snapshot_unref(s);
    }
  }
  for (size_t i = 0; rc == LAGO_OK && i < l.n; i++) {
    const log_file *lf = &l.files[i];
    if (lf->kind != LF_COMMIT) continue;
    c.version = lf->version;
    if (lf->version != expect) issue(&c, "commit %lld is missing (versions must be contiguous)", (long long)expect);
    expect = lf->version + 1;
    arena_reset(c.ar);
    char *text;
    size_t len;
    if ((rc = delta_log_read(t, lf->path, c.ar, &text, &len, err))) break;
    check_commit(&c, text, len);
  }
  if (rc == LAGO_OK) {
    last_checkpoint lc;
    lago_err tmp;
    lago_err_clear(&tmp);
    int r2 = delta_last_checkpoint_read(t, c.ar, &lc, &tmp);
    c.version = -1;
    if (r2 == LAGO_CORRUPT) issue(&c, "_last_checkpoint: %s", tmp.msg);
    else if (r2 == LAGO_OK) {
      bool found = false;
      for (size_t i = 0; i < l.n; i++)
        if (l.files[i].version == lc.version && (l.files[i].kind == LF_CHECKPOINT || l.files[i].kind == LF_CHECKPOINT_PART ||
                                                 l.files[i].kind == LF_CHECKPOINT_UUID))
          found = true;
      if (!found) issue(&c, "_last_checkpoint points to version %lld, which has no checkpoint", (long long)lc.version);
    }
  }
  *n_issues = c.n;
  arena_free(list_ar);
  arena_free(c.state_ar);
  arena_free(c.ar);
  return rc;
}
