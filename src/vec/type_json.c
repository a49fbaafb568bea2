/*
** vec/type_json.c: Delta schema JSON <-> lago_type (see type_json.h for the
** format and the mapping). Used by table/delta for metaData.schemaString;
** fuzzed by tests/fuzz/fuzz_delta_schema.c.
**
** Reading walks the json_value tree recursively. Recursion depth is bounded
** by the JSON parser's nesting limit (each type level is at least one JSON
** level). Errors carry the dotted path of the field being read, kept in a
** fixed buffer (truncated with "..." when very long).
*/
#include "vec/type_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- field paths for messages ---------------------------------------------- */

typedef struct tpath {
  char s[256];  /* "a.b.element", NUL-terminated; "..." marks truncation */
  size_t len;
} tpath;

/* Appends ".name" (or "name" at the top); returns the old length for path_pop. */
static size_t path_push(tpath *P, const char *name, size_t n) {
  size_t old = P->len;
  size_t cap = sizeof P->s - 4; /* room for "..." and NUL */
  if (P->len >= cap) return old;
  if (P->len) P->s[P->len++] = '.';
  size_t room = cap - P->len;
  if (n > room) {
    memcpy(P->s + P->len, name, room);
    memcpy(P->s + cap, "...", 4);
    P->len = sizeof P->s - 1;
    return old;
  }
  memcpy(P->s + P->len, name, n);
  P->len += n;
  P->s[P->len] = 0;
  return old;
}

static void path_pop(tpath *P, size_t old) {
  P->len = old;
  P->s[old] = 0;
}

static int path_verr(const tpath *P, lago_err *err, int rc, const char *fmt, va_list ap) {
  char what[384];
  vsnprintf(what, sizeof what, fmt, ap);
  if (P->len) return LAGO_ERR(err, rc, "Delta schema, field %s: %s", P->s, what);
  return LAGO_ERR(err, rc, "Delta schema: %s", what);
}

/* ---- reading ---------------------------------------------------------------- */

typedef struct tj {
  arena *ar;     /* result */
  lago_err *err;
  buf meta;      /* scratch for metadata text */
  tpath path;
} tj;

__attribute__((format(printf, 3, 4))) static int terr(tj *T, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rc = path_verr(&T->path, T->err, rc, fmt, ap);
  va_end(ap);
  return rc;
}

static bool str_is(const json_value *v, const char *s) {
  size_t n = strlen(s);
  return v->len == n && memcmp(v->u.str, s, n) == 0;
}

static const struct {
  const char *name;
  lago_type_id id;
} k_prims[] = {
    {"string", LT_STRING}, {"long", LT_BIGINT},   {"integer", LT_INT},          {"short", LT_SMALLINT},
    {"byte", LT_TINYINT},  {"float", LT_FLOAT},   {"double", LT_DOUBLE},        {"boolean", LT_BOOLEAN},
    {"binary", LT_BINARY}, {"date", LT_DATE},     {"timestamp", LT_TIMESTAMP},  {"timestamp_ntz", LT_TIMESTAMP_NTZ},
    {"void", LT_NULL},     {"null", LT_NULL},
};

/* Parses "<digits>" with optional spaces around, into *v (bounded). */
static const char *read_num(const char *p, const char *end, int *v) {
  while (p < end && *p == ' ') p++;
  if (p >= end || *p < '0' || *p > '9') return NULL;
  long n = 0;
  while (p < end && *p >= '0' && *p <= '9') {
    if (n < 1000000) n = n * 10 + (*p - '0');
    p++;
  }
  while (p < end && *p == ' ') p++;
  *v = (int)n;
  return p;
}

/* "prefix(" n [, m] ")": returns the number of arguments read (1 or 2), 0 if malformed. */
static int read_args(const char *p, const char *end, int *a, int *b) {
  if (!(p = read_num(p, end, a))) return 0;
  if (p < end && *p == ')' && p + 1 == end) return 1;
  if (p >= end || *p != ',') return 0;
  if (!(p = read_num(p + 1, end, b))) return 0;
  return p < end && *p == ')' && p + 1 == end ? 2 : 0;
}

static bool has_prefix(const char *s, size_t n, const char *pre) {
  size_t k = strlen(pre);
  return n >= k && memcmp(s, pre, k) == 0;
}

static int prim_from_name(tj *T, const json_value *v, lago_type *out) {
  const char *s = v->u.str;
  size_t n = v->len;
  for (size_t i = 0; i < sizeof k_prims / sizeof k_prims[0]; i++) {
    if (str_is(v, k_prims[i].name)) {
      *out = type_make(k_prims[i].id);
      return LAGO_OK;
    }
  }
  int shown = n > 64 ? 64 : (int)n;
  if (str_is(v, "decimal")) {
    *out = type_decimal(10, 0);
    return LAGO_OK;
  }
  if (has_prefix(s, n, "decimal(")) {
    int p = 0, sc = 0;
    if (read_args(s + 8, s + n, &p, &sc) != 2) {
      /* Spark's pattern allows a negative scale; lago does not. */
      const char *comma = memchr(s, ',', n);
      while (comma && comma + 1 < s + n && comma[1] == ' ') comma++;
      if (comma && comma + 1 < s + n && comma[1] == '-')
        return terr(T, LAGO_UNSUPPORTED, "negative decimal scale in \"%.*s\" is not supported", shown, s);
      return terr(T, LAGO_PARSE, "malformed decimal type \"%.*s\"", shown, s);
    }
    if (p < 1 || p > LAGO_DECIMAL_MAX_PRECISION || sc > p)
      return terr(T, LAGO_UNSUPPORTED, "decimal type \"%.*s\" is out of range (precision 1..38, scale 0..precision)",
                  shown, s);
    *out = type_decimal(p, sc);
    return LAGO_OK;
  }
  if (has_prefix(s, n, "char(") || has_prefix(s, n, "varchar(")) {
    int len = 0, unused = 0;
    size_t k = s[0] == 'c' ? 5 : 8;
    if (read_args(s + k, s + n, &len, &unused) != 1)
      return terr(T, LAGO_PARSE, "malformed type \"%.*s\"", shown, s);
    *out = type_make(LT_STRING);
    return LAGO_OK;
  }
  if (str_is(v, "variant") || has_prefix(s, n, "interval"))
    return terr(T, LAGO_UNSUPPORTED, "type \"%.*s\" is not supported", shown, s);
  return terr(T, LAGO_UNSUPPORTED, "unknown type \"%.*s\"", shown, s);
}

static int read_type(tj *T, const json_value *v, lago_type *out);

/* Optional boolean member `key` of o (default true). */
static int read_flag(tj *T, const json_value *o, const char *key, bool *out) {
  const json_value *f = json_get(o, key);
  *out = true;
  if (!f || f->type == JSON_NULL) return LAGO_OK;
  if (f->type != JSON_BOOL)
    return terr(T, LAGO_PARSE, "\"%s\" must be a boolean, got %s", key, json_type_name((json_type)f->type));
  *out = f->boolean;
  return LAGO_OK;
}

/* Required member `key` of o holding a data type, read under path component `comp`. */
static int read_child(tj *T, const json_value *o, const char *key, const char *comp, lago_type *out) {
  const json_value *c = json_get(o, key);
  if (!c) return terr(T, LAGO_PARSE, "%s type without \"%s\"", json_get(o, "type")->u.str, key);
  size_t old = path_push(&T->path, comp, strlen(comp));
  int rc = read_type(T, c, out);
  path_pop(&T->path, old);
  return rc;
}

static int read_metadata(tj *T, const json_value *f, const char **out) {
  const json_value *m = json_get(f, "metadata");
  *out = NULL;
  if (!m || m->type == JSON_NULL) return LAGO_OK;
  if (m->type != JSON_OBJECT)
    return terr(T, LAGO_PARSE, "\"metadata\" must be an object, got %s", json_type_name((json_type)m->type));
  if (m->len == 0) return LAGO_OK;
  buf_clear(&T->meta);
  if (json_write(&T->meta, m)) return LAGO_NOMEM_ERR(T->err);
  if (!(*out = arena_strndup(T->ar, T->meta.data, T->meta.len))) return LAGO_NOMEM_ERR(T->err);
  return LAGO_OK;
}

static int read_struct(tj *T, const json_value *v, lago_type *out) {
  const json_value *fields = json_get(v, "fields");
  if (!fields) return terr(T, LAGO_PARSE, "struct type without \"fields\"");
  if (fields->type != JSON_ARRAY)
    return terr(T, LAGO_PARSE, "struct \"fields\" must be an array, got %s", json_type_name((json_type)fields->type));
  uint32_t n = fields->len;
  type_nested *tn = arena_zalloc(T->ar, sizeof(type_nested) + (size_t)n * sizeof(type_field));
  if (!tn) return LAGO_NOMEM_ERR(T->err);
  tn->n_fields = n;
  for (uint32_t i = 0; i < n; i++) {
    const json_value *f = json_at(fields, i);
    type_field *tf = &tn->fields[i];
    if (f->type != JSON_OBJECT)
      return terr(T, LAGO_PARSE, "struct field %u must be an object, got %s", i, json_type_name((json_type)f->type));
    const json_value *name = json_get(f, "name");
    if (!name || name->type != JSON_STRING)
      return terr(T, LAGO_PARSE, "struct field %u has no string \"name\"", i);
    size_t old = path_push(&T->path, name->u.str, name->len);
    if (memchr(name->u.str, 0, name->len)) {
      path_pop(&T->path, old);
      return terr(T, LAGO_UNSUPPORTED, "struct field %u: a field name containing NUL is not supported", i);
    }
    if (!(tf->name = arena_strndup(T->ar, name->u.str, name->len))) return LAGO_NOMEM_ERR(T->err);
    const json_value *ft = json_get(f, "type");
    if (!ft) return terr(T, LAGO_PARSE, "field without \"type\"");
    TRY(read_type(T, ft, &tf->type));
    TRY(read_flag(T, f, "nullable", &tf->nullable));
    TRY(read_metadata(T, f, &tf->metadata));
    path_pop(&T->path, old);
  }
  *out = type_make(LT_STRUCT);
  out->nested = tn;
  return LAGO_OK;
}

static int read_type(tj *T, const json_value *v, lago_type *out) {
  if (v->type == JSON_STRING) return prim_from_name(T, v, out);
  if (v->type != JSON_OBJECT)
    return terr(T, LAGO_PARSE, "a data type must be a string or an object, got %s",
                json_type_name((json_type)v->type));
  const json_value *kind = json_get(v, "type");
  if (!kind || kind->type != JSON_STRING) return terr(T, LAGO_PARSE, "type object without a string \"type\"");
  if (str_is(kind, "struct")) return read_struct(T, v, out);
  if (str_is(kind, "array")) {
    lago_type elem;
    bool contains_null;
    TRY(read_child(T, v, "elementType", "element", &elem));
    TRY(read_flag(T, v, "containsNull", &contains_null));
    if (type_array(T->ar, elem, contains_null, out)) return LAGO_NOMEM_ERR(T->err);
    return LAGO_OK;
  }
  if (str_is(kind, "map")) {
    lago_type key, value;
    bool value_null;
    TRY(read_child(T, v, "keyType", "key", &key));
    TRY(read_child(T, v, "valueType", "value", &value));
    TRY(read_flag(T, v, "valueContainsNull", &value_null));
    if (type_map(T->ar, key, value, value_null, out)) return LAGO_NOMEM_ERR(T->err);
    return LAGO_OK;
  }
  int shown = kind->len > 64 ? 64 : (int)kind->len;
  if (str_is(kind, "udt")) return terr(T, LAGO_UNSUPPORTED, "user-defined type (\"udt\") is not supported");
  return terr(T, LAGO_UNSUPPORTED, "unknown type \"%.*s\"", shown, kind->u.str);
}

int type_from_delta_json(arena *ar, const json_value *v, lago_type *out, lago_err *err) {
  tj T;
  T.ar = ar;
  T.err = err;
  T.path.len = 0;
  T.path.s[0] = 0;
  buf_init(&T.meta);
  int rc = read_type(&T, v, out);
  buf_deinit(&T.meta);
  return rc;
}

int type_from_delta_schema(arena *ar, const char *text, size_t len, lago_type *out, lago_err *err) {
  arena *tmp = arena_new("schema-json", len + 1024);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  json_value *v;
  int rc = json_parse(tmp, text, len, &v, err);
  if (rc) {
    lago_err_prefix(err, "Delta schema");
  } else {
    const json_value *kind = json_get(v, "type");
    if (!kind || kind->type != JSON_STRING || !str_is(kind, "struct"))
      rc = LAGO_ERR(err, LAGO_PARSE, "Delta schema: the top level must be a struct type");
    else
      rc = type_from_delta_json(ar, v, out, err);
  }
  arena_free(tmp);
  return rc;
}

/* ---- writing ----------------------------------------------------------------- */

typedef struct tw {
  json_writer *w;
  lago_err *err;
  arena *tmp;     /* for validating metadata text; created on first use */
  tpath path;
} tw;

static size_t wpath_push(tw *W, const char *name) { return path_push(&W->path, name, strlen(name)); }
static void wpath_pop(tw *W, size_t old) { path_pop(&W->path, old); }

__attribute__((format(printf, 3, 4))) static int werr(tw *W, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  rc = path_verr(&W->path, W->err, rc, fmt, ap);
  va_end(ap);
  return rc;
}

/* Maps a failed writer call to an error with a message. */
static int wfail(tw *W, int rc) {
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(W->err);
  return werr(W, LAGO_UNSUPPORTED, "schema nested too deeply to write as JSON");
}

#define W_TRY(expr)                 \
  do {                              \
    int w_rc_ = (expr);             \
    if (w_rc_) return wfail(W, w_rc_); \
  } while (0)

static const char *delta_name(lago_type_id id) {
  switch (id) {
    case LT_STRING: return "string";
    case LT_BIGINT: return "long";
    case LT_INT: return "integer";
    case LT_SMALLINT: return "short";
    case LT_TINYINT: return "byte";
    case LT_FLOAT: return "float";
    case LT_DOUBLE: return "double";
    case LT_BOOLEAN: return "boolean";
    case LT_BINARY: return "binary";
    case LT_DATE: return "date";
    case LT_TIMESTAMP: return "timestamp";
    case LT_TIMESTAMP_NTZ: return "timestamp_ntz";
    case LT_NULL: return "void";
    default: return NULL;
  }
}

static int write_metadata(tw *W, const char *meta) {
  if (!meta) {
    W_TRY(json_w_raw(W->w, "{}", 2));
    return LAGO_OK;
  }
  /* Verbatim, but only if it is a JSON object: the output must stay valid JSON. */
  if (!W->tmp && !(W->tmp = arena_new("schema-meta", 1024))) return LAGO_NOMEM_ERR(W->err);
  arena_reset(W->tmp);
  lago_err e;
  lago_err_clear(&e);
  json_value *v;
  size_t n = strlen(meta);
  int rc = json_parse(W->tmp, meta, n, &v, &e);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(W->err);
  if (rc) return werr(W, LAGO_CORRUPT, "metadata is not valid JSON: %s", e.msg);
  if (v->type != JSON_OBJECT) return werr(W, LAGO_CORRUPT, "metadata is a JSON %s, not an object",
                                          json_type_name((json_type)v->type));
  W_TRY(json_w_raw(W->w, meta, n));
  return LAGO_OK;
}

static int write_type(tw *W, lago_type t) {
  json_writer *w = W->w;
  switch ((lago_type_id)t.id) {
    case LT_DECIMAL: {
      char tmp[32];
      int n = snprintf(tmp, sizeof tmp, "decimal(%u,%u)", t.precision, t.scale);
      W_TRY(json_w_strn(w, tmp, (size_t)n));
      return LAGO_OK;
    }
    case LT_STRUCT:
      W_TRY(json_w_begin_obj(w));
      W_TRY(json_w_key(w, "type"));
      W_TRY(json_w_str(w, "struct"));
      W_TRY(json_w_key(w, "fields"));
      W_TRY(json_w_begin_arr(w));
      for (uint32_t i = 0; i < type_n_fields(t); i++) {
        const type_field *f = type_field_at(t, i);
        size_t old = wpath_push(W, f->name);
        W_TRY(json_w_begin_obj(w));
        W_TRY(json_w_key(w, "name"));
        W_TRY(json_w_str(w, f->name));
        W_TRY(json_w_key(w, "type"));
        TRY(write_type(W, f->type));
        W_TRY(json_w_key(w, "nullable"));
        W_TRY(json_w_bool(w, f->nullable));
        /* An empty {} one level below the deepest container the JSON parser
        ** accepts would make the output unreadable: leave it out there
        ** (readers take a missing "metadata" as none). */
        if (f->metadata || w->depth < JSON_MAX_DEPTH) {
          W_TRY(json_w_key(w, "metadata"));
          TRY(write_metadata(W, f->metadata));
        }
        W_TRY(json_w_end_obj(w));
        wpath_pop(W, old);
      }
      W_TRY(json_w_end_arr(w));
      W_TRY(json_w_end_obj(w));
      return LAGO_OK;
    case LT_ARRAY: {
      W_TRY(json_w_begin_obj(w));
      W_TRY(json_w_key(w, "type"));
      W_TRY(json_w_str(w, "array"));
      W_TRY(json_w_key(w, "elementType"));
      size_t old = wpath_push(W, "element");
      TRY(write_type(W, type_element(t)));
      wpath_pop(W, old);
      W_TRY(json_w_key(w, "containsNull"));
      W_TRY(json_w_bool(w, type_field_at(t, 0)->nullable));
      W_TRY(json_w_end_obj(w));
      return LAGO_OK;
    }
    case LT_MAP: {
      W_TRY(json_w_begin_obj(w));
      W_TRY(json_w_key(w, "type"));
      W_TRY(json_w_str(w, "map"));
      W_TRY(json_w_key(w, "keyType"));
      size_t old = wpath_push(W, "key");
      TRY(write_type(W, type_map_key(t)));
      wpath_pop(W, old);
      W_TRY(json_w_key(w, "valueType"));
      old = wpath_push(W, "value");
      TRY(write_type(W, type_map_value(t)));
      wpath_pop(W, old);
      W_TRY(json_w_key(w, "valueContainsNull"));
      W_TRY(json_w_bool(w, type_field_at(t, 1)->nullable));
      W_TRY(json_w_end_obj(w));
      return LAGO_OK;
    }
    default: {
      const char *name = delta_name((lago_type_id)t.id);
      if (!name)
        return werr(W, LAGO_UNSUPPORTED, "type %s has no Delta equivalent", type_id_name((lago_type_id)t.id));
      W_TRY(json_w_str(w, name));
      return LAGO_OK;
    }
  }
}

int type_write_delta_json(json_writer *w, lago_type t, lago_err *err) {
  tw W;
  W.w = w;
  W.err = err;
  W.tmp = NULL;
  W.path.len = 0;
  W.path.s[0] = 0;
  int rc = write_type(&W, t);
  arena_free(W.tmp);
  return rc;
}

int type_to_delta_json(lago_type t, buf *out, lago_err *err) {
  if (t.id != LT_STRUCT)
    return LAGO_ERR(err, LAGO_MISUSE, "Delta schema: the top level must be a struct, got %s",
                    type_id_name((lago_type_id)t.id));
  json_writer w;
  json_w_init(&w, out);
  TRY(type_write_delta_json(&w, t, err));
  int rc = json_w_finish(&w);
  if (rc) return LAGO_ERR(err, rc, "Delta schema: writer state error");
  return LAGO_OK;
}

/* ---- comparison ---------------------------------------------------------------- */

bool type_delta_equal(lago_type a, lago_type b) {
  if (!type_equal(a, b)) return false;
  if (!type_is_nested(a)) return true;
  for (uint32_t i = 0; i < type_n_fields(a); i++) {
    const type_field *fa = type_field_at(a, i), *fb = type_field_at(b, i);
    if ((fa->metadata == NULL) != (fb->metadata == NULL)) return false;
    if (fa->metadata && strcmp(fa->metadata, fb->metadata) != 0) return false;
    if (!type_delta_equal(fa->type, fb->type)) return false;
  }
  return true;
}
