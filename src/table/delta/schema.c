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
#include <string.h>

#include "table/delta/delta_int.h"

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
