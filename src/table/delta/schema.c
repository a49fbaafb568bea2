/*
** table/delta/schema.c: column mapping and other per-field Delta metadata
** (PROTOCOL.md "Column Mapping"; DELTA-CHECKLIST.md §8, §10).
**
** Field metadata is kept by vec/type_json.h as JSON object text in
** type_field.metadata. Column mapping puts there, for every field at every
** level:
**   "delta.columnMapping.id": <int>, "delta.columnMapping.physicalName": "col-<uuid>"
** Data files, partitionValues keys and stats keys use the physical names
** (mode "name") or Parquet field ids (mode "id").
*/
#include <stdio.h>
#include <string.h>

#include "table/delta/delta_int.h"
#include "vec/type_json.h"

static const json_value *meta_member(arena *ar, const type_field *f, const char *key) {
  if (!f->metadata || !strstr(f->metadata, key)) return NULL; /* cheap reject */
  json_value *v;
  if (json_parse(ar, f->metadata, strlen(f->metadata), &v, NULL)) return NULL;
  return json_get(v, key);
}

const char *delta_field_meta(arena *ar, const type_field *f, const char *key) {
  const json_value *m = meta_member(ar, f, key);
  if (!m || m->type == JSON_NULL) return NULL;
  if (m->type == JSON_STRING) return m->u.str;
  buf b;
  buf_init(&b);
  const char *out = NULL;
  if (json_write(&b, m) == LAGO_OK) out = arena_strndup(ar, buf_cstr(&b), b.len);
  buf_deinit(&b);
  return out;
}

const char *delta_field_physical_name(arena *ar, const type_field *f, const char *mode) {
  if (!mode || !strcmp(mode, "none")) return f->name;
  const json_value *m = meta_member(ar, f, "delta.columnMapping.physicalName");
  if (m && m->type == JSON_STRING) return m->u.str;
  return f->name;
}

int64_t delta_field_column_id(const type_field *f) {
  if (!f->metadata || !strstr(f->metadata, "delta.columnMapping.id")) return -1;
  arena *ar = arena_new("query", 1024);
  if (!ar) return -1;
  const json_value *m = meta_member(ar, f, "delta.columnMapping.id");
  int64_t id = (m && m->type == JSON_NUMBER && m->is_int) ? m->x.num.i : -1;
  arena_free(ar);
  return id;
}

/* ---- editing field metadata ----------------------------------------------- */

/* meta (JSON object text or NULL) with member key set to raw JSON value `val`, in ar. */
static const char *meta_set(arena *ar, const char *meta, const char *key, const char *val) {
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  json_w_begin_obj(&w);
  json_value *v = NULL;
  if (meta && json_parse(ar, meta, strlen(meta), &v, NULL) == LAGO_OK && json_is(v, JSON_OBJECT)) {
    for (uint32_t i = 0; i < v->len; i++) {
      const json_member *m = &v->u.members[i];
      if (!strcmp(m->key, key)) continue;
      json_w_keyn(&w, m->key, m->key_len);
      json_w_value(&w, &m->value);
    }
  }
  json_w_key(&w, key);
  json_w_raw(&w, val, strlen(val));
  json_w_end_obj(&w);
  const char *out = json_w_finish(&w) == LAGO_OK ? arena_strndup(ar, buf_cstr(&b), b.len) : NULL;
  buf_deinit(&b);
  return out;
}

int64_t delta_schema_max_column_id(lago_type t) {
  int64_t mx = 0;
  for (uint32_t i = 0; i < type_n_fields(t); i++) {
    const type_field *f = type_field_at(t, i);
    int64_t id = delta_field_column_id(f);
    if (id > mx) mx = id;
    int64_t sub = delta_schema_max_column_id(f->type);
    if (sub > mx) mx = sub;
  }
  return mx;
}

int delta_schema_assign_ids(arena *ar, const tbl_handlers *h, lago_type in, int64_t *max_id, lago_type *out,
                            lago_err *err) {
  uint32_t n = type_n_fields(in);
  if (!type_is_nested(in) || !n) {
    *out = in;
    return LAGO_OK;
  }
  type_field *fs = arena_alloc(ar, n * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    fs[i] = *type_field_at(in, i);
    TRY(delta_schema_assign_ids(ar, h, fs[i].type, max_id, &fs[i].type, err));
    if (in.id != LT_STRUCT) continue; /* array element / map key+value carry no mapping */
    if (delta_field_column_id(&fs[i]) < 0) {
      char idtxt[32], uuid[37], pn[64];
      snprintf(idtxt, sizeof idtxt, "%lld", (long long)++*max_id);
      TRY(tbl_uuid4(h, uuid, NULL, err));
      snprintf(pn, sizeof pn, "\"col-%s\"", uuid);
      const char *m = meta_set(ar, fs[i].metadata, "delta.columnMapping.id", idtxt);
      if (m) m = meta_set(ar, m, "delta.columnMapping.physicalName", pn);
      if (!m) return LAGO_NOMEM_ERR(err);
      fs[i].metadata = m;
    }
  }
  lago_type t = in;
  if (in.id == LT_STRUCT) {
    if (type_struct_fields(ar, n, fs, &t)) return LAGO_NOMEM_ERR(err);
  } else if (in.id == LT_ARRAY) {
    if (type_array(ar, fs[0].type, fs[0].nullable, &t)) return LAGO_NOMEM_ERR(err);
  } else {
    if (type_map(ar, fs[0].type, fs[1].type, fs[1].nullable, &t)) return LAGO_NOMEM_ERR(err);
  }
  *out = t;
  return LAGO_OK;
}

/* ---- schema evolution ------------------------------------------------------ */

static int int_rank(lago_type_id id) {
  switch (id) {
  case LT_TINYINT: return 1;
  case LT_SMALLINT: return 2;
  case LT_INT: return 3;
  case LT_BIGINT: return 4;
  default: return 0;
  }
}

bool delta_type_can_widen(lago_type from, lago_type to) {
  int rf = int_rank((lago_type_id)from.id), rt = int_rank((lago_type_id)to.id);
  if (rf && rt) return rf < rt;
  if (from.id == LT_FLOAT && to.id == LT_DOUBLE) return true;
  if (rf && rf <= 3 && to.id == LT_DOUBLE) return true;
  if (from.id == LT_DATE && to.id == LT_TIMESTAMP_NTZ) return true;
  if (from.id == LT_DECIMAL && to.id == LT_DECIMAL)
    return to.scale >= from.scale && (to.precision - to.scale) >= (from.precision - from.scale) &&
           !(to.precision == from.precision && to.scale == from.scale);
  if (rf && to.id == LT_DECIMAL) {
    int digits = rf == 4 ? 20 : 10;
    return to.precision - to.scale >= digits;
  }
  return false;
}

static const char *delta_type_name(arena *ar, lago_type t) {
  buf b;
  buf_init(&b);
  json_writer w;
  json_w_init(&w, &b);
  const char *out = NULL;
  if (type_write_delta_json(&w, t, NULL) == LAGO_OK && json_w_finish(&w) == LAGO_OK)
    out = arena_strndup(ar, buf_cstr(&b), b.len);
  buf_deinit(&b);
  return out;
}

int delta_schema_merge(arena *ar, lago_type cur, lago_type more, bool allow_widen, lago_type *out, bool *changed,
                       lago_err *err) {
  if (cur.id != LT_STRUCT || more.id != LT_STRUCT) {
    if (type_equal(cur, more)) {
      *out = cur;
      return LAGO_OK;
    }
    return LAGO_ERR(err, LAGO_BIND, "schema evolution: cannot change a %s into a %s", type_id_name((lago_type_id)cur.id),
                    type_id_name((lago_type_id)more.id));
  }
  uint32_t nc = type_n_fields(cur), nm = type_n_fields(more);
  type_field *fs = arena_alloc(ar, (nc + nm + 1) * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(err);
  uint32_t n = 0;
  for (uint32_t i = 0; i < nc; i++) fs[n++] = *type_field_at(cur, i);
  for (uint32_t i = 0; i < nm; i++) {
    const type_field *m = type_field_at(more, i);
    int k = type_field_index(cur, m->name);
    if (k < 0) {
      fs[n] = *m;
      fs[n].nullable = true; /* old files have no values for it */
      n++;
      *changed = true;
      continue;
    }
    type_field *c = &fs[k];
    if (type_equal(c->type, m->type)) continue;
    if (c->type.id == LT_STRUCT && m->type.id == LT_STRUCT) {
      lago_type sub;
      TRY(delta_schema_merge(ar, c->type, m->type, allow_widen, &sub, changed, err));
      c->type = sub;
      continue;
    }
    if (allow_widen && delta_type_can_widen(c->type, m->type)) {
      const char *from = delta_type_name(ar, c->type), *to = delta_type_name(ar, m->type);
      if (!from || !to) return LAGO_NOMEM_ERR(err);
      /* delta.typeChanges: append {"fromType":..,"toType":..} */
      const char *old = delta_field_meta(ar, c, "delta.typeChanges");
      buf b;
      buf_init(&b);
      int rc = LAGO_OK;
      if (old && old[0] == '[' && strlen(old) > 2) {
        rc |= buf_append(&b, old, strlen(old) - 1);
        rc |= buf_putc(&b, ',');
      } else {
        rc |= buf_putc(&b, '[');
      }
      rc |= buf_printf(&b, "{\"toType\":%s,\"fromType\":%s}]", to, from);
      const char *meta = rc ? NULL : meta_set(ar, c->metadata, "delta.typeChanges", buf_cstr(&b));
      buf_deinit(&b);
      if (!meta) return LAGO_NOMEM_ERR(err);
      c->metadata = meta;
      c->type = m->type;
      *changed = true;
      continue;
    }
    const char *a = type_sql_name(ar, c->type), *b2 = type_sql_name(ar, m->type);
    return LAGO_ERR(err, LAGO_BIND, "schema mismatch for column \"%s\": table has %s, data has %s%s", m->name,
                    a ? a : "?", b2 ? b2 : "?",
                    delta_type_can_widen(c->type, m->type) ? " (set delta.enableTypeWidening=true to widen)" : "");
  }
  if (type_struct_fields(ar, n, fs, out)) return LAGO_NOMEM_ERR(err);
  return LAGO_OK;
}
