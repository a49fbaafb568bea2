/*
** vec/types.c: lago_type construction, properties, Spark SQL names and the
** Spark SQL type-name parser (see types.h).
*/
#include "vec/types.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "vec/vector.h"

static const char *const k_names[LT__COUNT] = {
    [LT_INVALID] = "INVALID",       [LT_NULL] = "VOID",          [LT_BOOLEAN] = "BOOLEAN",
    [LT_TINYINT] = "TINYINT",       [LT_SMALLINT] = "SMALLINT",  [LT_INT] = "INT",
    [LT_BIGINT] = "BIGINT",         [LT_UTINYINT] = "UTINYINT",  [LT_USMALLINT] = "USMALLINT",
    [LT_UINT] = "UINT",             [LT_UBIGINT] = "UBIGINT",    [LT_FLOAT] = "FLOAT",
    [LT_DOUBLE] = "DOUBLE",         [LT_DECIMAL] = "DECIMAL",    [LT_STRING] = "STRING",
    [LT_BINARY] = "BINARY",         [LT_DATE] = "DATE",          [LT_TIMESTAMP] = "TIMESTAMP",
    [LT_TIMESTAMP_NTZ] = "TIMESTAMP_NTZ", [LT_TIMESTAMP_NS] = "TIMESTAMP_NS",
    [LT_TIME] = "TIME",             [LT_TIME_UTC] = "TIME_UTC",  [LT_INTERVAL] = "INTERVAL",
    [LT_UUID] = "UUID",             [LT_STRUCT] = "STRUCT",      [LT_ARRAY] = "ARRAY",
    [LT_MAP] = "MAP",
};

const char *type_id_name(lago_type_id id) {
  return (unsigned)id < LT__COUNT && k_names[id] ? k_names[id] : "INVALID";
}

size_t type_width(lago_type t) {
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: case LT_TINYINT: case LT_UTINYINT: return 1;
    case LT_SMALLINT: case LT_USMALLINT: return 2;
    case LT_INT: case LT_UINT: case LT_FLOAT: case LT_DATE: return 4;
    case LT_BIGINT: case LT_UBIGINT: case LT_DOUBLE: case LT_TIMESTAMP: case LT_TIMESTAMP_NTZ:
    case LT_TIMESTAMP_NS: case LT_TIME: case LT_TIME_UTC: return 8;
    case LT_DECIMAL: return t.precision > 18 ? sizeof(lago_i128) : 8;
    case LT_STRING: case LT_BINARY: return sizeof(lago_str);
    case LT_INTERVAL: return sizeof(lago_interval);
    case LT_UUID: return 16;
    case LT_ARRAY: case LT_MAP: return sizeof(lago_list);
    case LT_STRUCT: case LT_NULL: case LT_INVALID: case LT__COUNT: return 0;
  }
  return 0;
}

static int nested_new(arena *ar, uint32_t n, type_nested **out) {
  type_nested *tn = arena_zalloc(ar, sizeof(type_nested) + (size_t)n * sizeof(type_field));
  if (!tn) return LAGO_NOMEM;
  tn->n_fields = n;
  *out = tn;
  return LAGO_OK;
}

int type_struct_fields(arena *ar, uint32_t n, const type_field *fields, lago_type *out) {
  type_nested *tn;
  TRY(nested_new(ar, n, &tn));
  for (uint32_t i = 0; i < n; i++) {
    tn->fields[i] = fields[i];
    tn->fields[i].name = arena_strdup(ar, fields[i].name ? fields[i].name : "");
    if (!tn->fields[i].name) return LAGO_NOMEM;
    if (fields[i].metadata && !(tn->fields[i].metadata = arena_strdup(ar, fields[i].metadata)))
      return LAGO_NOMEM;
  }
  *out = type_make(LT_STRUCT);
  out->nested = tn;
  return LAGO_OK;
}

int type_struct(arena *ar, uint32_t n, const char *const *names, const lago_type *types,
                const bool *nullable, lago_type *out) {
  type_nested *tn;
  TRY(nested_new(ar, n, &tn));
  for (uint32_t i = 0; i < n; i++) {
    tn->fields[i].name = arena_strdup(ar, names[i]);
    if (!tn->fields[i].name) return LAGO_NOMEM;
    tn->fields[i].type = types[i];
    tn->fields[i].nullable = nullable ? nullable[i] : true;
  }
  *out = type_make(LT_STRUCT);
  out->nested = tn;
  return LAGO_OK;
}

int type_array(arena *ar, lago_type element, bool contains_null, lago_type *out) {
  type_nested *tn;
  TRY(nested_new(ar, 1, &tn));
  tn->fields[0].name = "element";
  tn->fields[0].type = element;
  tn->fields[0].nullable = contains_null;
  *out = type_make(LT_ARRAY);
  out->nested = tn;
  return LAGO_OK;
}

int type_map(arena *ar, lago_type key, lago_type value, bool value_contains_null, lago_type *out) {
  type_nested *tn;
  TRY(nested_new(ar, 2, &tn));
  tn->fields[0].name = "key";
  tn->fields[0].type = key;
  tn->fields[0].nullable = false;
  tn->fields[1].name = "value";
  tn->fields[1].type = value;
  tn->fields[1].nullable = value_contains_null;
  *out = type_make(LT_MAP);
  out->nested = tn;
  return LAGO_OK;
}

bool type_equal(lago_type a, lago_type b) {
  if (a.id != b.id) return false;
  if (a.id == LT_DECIMAL) return a.precision == b.precision && a.scale == b.scale;
  if (!type_is_nested(a)) return true;
  if (type_n_fields(a) != type_n_fields(b)) return false;
  for (uint32_t i = 0; i < type_n_fields(a); i++) {
    const type_field *fa = type_field_at(a, i), *fb = type_field_at(b, i);
    if (a.id == LT_STRUCT && strcmp(fa->name, fb->name) != 0) return false;
    if (fa->nullable != fb->nullable) return false;
    if (!type_equal(fa->type, fb->type)) return false;
  }
  return true;
}

int type_copy(arena *ar, lago_type t, lago_type *out) {
  *out = t;
  if (!type_is_nested(t)) return LAGO_OK;
  uint32_t n = type_n_fields(t);
  type_nested *tn;
  TRY(nested_new(ar, n, &tn));
  for (uint32_t i = 0; i < n; i++) {
    const type_field *f = type_field_at(t, i);
    tn->fields[i] = *f;
    if (!(tn->fields[i].name = arena_strdup(ar, f->name))) return LAGO_NOMEM;
    if (f->metadata && !(tn->fields[i].metadata = arena_strdup(ar, f->metadata))) return LAGO_NOMEM;
    TRY(type_copy(ar, f->type, &tn->fields[i].type));
  }
  out->nested = tn;
  return LAGO_OK;
}

int type_field_index(lago_type t, const char *name) {
  if (t.id != LT_STRUCT) return -1;
  for (uint32_t i = 0; i < type_n_fields(t); i++)
    if (strcasecmp(type_field_at(t, i)->name, name) == 0) return (int)i;
  return -1;
}

/* ---- Spark SQL spelling --------------------------------------------------- */

static bool is_plain_ident(const char *s) {
  if (!*s || isdigit((unsigned char)*s)) return false;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return false;
  return true;
}

int type_to_sql(lago_type t, buf *out) {
  switch ((lago_type_id)t.id) {
    case LT_DECIMAL:
      return buf_printf(out, "DECIMAL(%u,%u)", t.precision, t.scale);
    case LT_ARRAY:
      TRY(buf_puts(out, "ARRAY<"));
      TRY(type_to_sql(type_element(t), out));
      return buf_putc(out, '>');
    case LT_MAP:
      TRY(buf_puts(out, "MAP<"));
      TRY(type_to_sql(type_map_key(t), out));
      TRY(buf_puts(out, ", "));
      TRY(type_to_sql(type_map_value(t), out));
      return buf_putc(out, '>');
    case LT_STRUCT:
      TRY(buf_puts(out, "STRUCT<"));
      for (uint32_t i = 0; i < type_n_fields(t); i++) {
        const type_field *f = type_field_at(t, i);
        if (i) TRY(buf_puts(out, ", "));
        if (is_plain_ident(f->name)) {
          TRY(buf_puts(out, f->name));
        } else {
          TRY(buf_putc(out, '`'));
          for (const char *p = f->name; *p; p++) {
            if (*p == '`') TRY(buf_putc(out, '`'));
            TRY(buf_putc(out, *p));
          }
          TRY(buf_putc(out, '`'));
        }
        TRY(buf_puts(out, ": "));
        TRY(type_to_sql(f->type, out));
        if (!f->nullable) TRY(buf_puts(out, " NOT NULL"));
      }
      return buf_putc(out, '>');
    default:
      return buf_puts(out, type_id_name((lago_type_id)t.id));
  }
}

const char *type_sql_name(arena *ar, lago_type t) {
  buf b;
  buf_init(&b);
  const char *r = NULL;
  if (type_to_sql(t, &b) == LAGO_OK) r = arena_strndup(ar, buf_cstr(&b), b.len);
  buf_deinit(&b);
  return r;
}

/* ---- parser ---------------------------------------------------------------- */

typedef struct tparser {
  arena *ar;
  const char *start;
  const char *p;
  lago_err *err;
  int depth;
} tparser;

static void skip_ws(tparser *tp) {
  while (isspace((unsigned char)*tp->p)) tp->p++;
}

static int perr(tparser *tp, const char *what) {
  int pos = (int)(tp->p - tp->start);
  if (*tp->p)
    return LAGO_ERR_POS(tp->err, LAGO_PARSE, pos, "type: %s at position %d near '%.20s'", what, pos, tp->p);
  return LAGO_ERR_POS(tp->err, LAGO_PARSE, pos, "type: %s at end of '%s'", what, tp->start);
}

/* Reads an identifier word; returns its length (0 if none). */
static size_t word(tparser *tp) {
  const char *q = tp->p;
  while (isalnum((unsigned char)*q) || *q == '_') q++;
  return (size_t)(q - tp->p);
}

static bool accept(tparser *tp, char c) {
  skip_ws(tp);
  if (*tp->p == c) {
    tp->p++;
    return true;
  }
  return false;
}

static int parse_uint(tparser *tp, long *out) {
  skip_ws(tp);
  if (!isdigit((unsigned char)*tp->p)) return perr(tp, "expected a number");
  long v = 0;
  while (isdigit((unsigned char)*tp->p)) {
    v = v * 10 + (*tp->p++ - '0');
    if (v > 100000) return perr(tp, "number too large");
  }
  *out = v;
  return LAGO_OK;
}

static bool word_is(const char *w, size_t n, const char *kw) {
  return strlen(kw) == n && strncasecmp(w, kw, n) == 0;
}

static int parse_type(tparser *tp, lago_type *out);

/* Field name: identifier or `backquoted`. Allocated in the arena. */
static int parse_field_name(tparser *tp, char **name) {
  skip_ws(tp);
  if (*tp->p == '`') {
    buf b;
    buf_init(&b);
    tp->p++;
    for (;;) {
      if (!*tp->p) {
        buf_deinit(&b);
        return perr(tp, "unterminated `name`");
      }
      if (*tp->p == '`') {
        if (tp->p[1] == '`') {
          if (buf_putc(&b, '`')) goto nomem;
          tp->p += 2;
          continue;
        }
        tp->p++;
        break;
      }
      if (buf_putc(&b, *tp->p++)) goto nomem;
    }
    *name = arena_strndup(tp->ar, buf_cstr(&b), b.len);
    buf_deinit(&b);
    return *name ? LAGO_OK : LAGO_NOMEM_ERR(tp->err);
  nomem:
    buf_deinit(&b);
    return LAGO_NOMEM_ERR(tp->err);
  }
  size_t n = word(tp);
  if (!n) return perr(tp, "expected a field name");
  *name = arena_strndup(tp->ar, tp->p, n);
  if (!*name) return LAGO_NOMEM_ERR(tp->err);
  tp->p += n;
  return LAGO_OK;
}

/* Skips a 'quoted' string (COMMENT text). */
static int skip_string(tparser *tp) {
  skip_ws(tp);
  char q = *tp->p;
  if (q != '\'' && q != '"') return perr(tp, "expected a quoted comment");
  tp->p++;
  while (*tp->p && *tp->p != q) {
    if (*tp->p == '\\' && tp->p[1]) tp->p++;
    tp->p++;
  }
  if (!*tp->p) return perr(tp, "unterminated comment string");
  tp->p++;
  return LAGO_OK;
}

static int parse_struct_body(tparser *tp, lago_type *out) {
  /* STRUCT<> or STRUCT<name[:] type [NOT NULL] [COMMENT '..'], ...> */
  uint32_t n = 0, cap = 8;
  type_field *fs = arena_zalloc(tp->ar, cap * sizeof *fs);
  if (!fs) return LAGO_NOMEM_ERR(tp->err);
  if (!accept(tp, '>')) {
    for (;;) {
      if (n == cap) {
        type_field *nf = arena_realloc(tp->ar, fs, cap * sizeof *fs, 2 * cap * sizeof *fs);
        if (!nf) return LAGO_NOMEM_ERR(tp->err);
        fs = nf;
        cap *= 2;
      }
      char *name;
      TRY(parse_field_name(tp, &name));
      accept(tp, ':');
      type_field *f = &fs[n++];
      f->name = name;
      f->nullable = true;
      TRY(parse_type(tp, &f->type));
      for (;;) {
        skip_ws(tp);
        size_t w = word(tp);
        if (word_is(tp->p, w, "NOT")) {
          tp->p += w;
          skip_ws(tp);
          size_t w2 = word(tp);
          if (!word_is(tp->p, w2, "NULL")) return perr(tp, "expected NULL after NOT");
          tp->p += w2;
          f->nullable = false;
        } else if (word_is(tp->p, w, "COMMENT")) {
          tp->p += w;
          TRY(skip_string(tp));
        } else {
          break;
        }
      }
      if (accept(tp, ',')) continue;
      if (accept(tp, '>')) break;
      return perr(tp, "expected ',' or '>' in STRUCT");
    }
  }
  type_nested *tn;
  if (nested_new(tp->ar, n, &tn)) return LAGO_NOMEM_ERR(tp->err);
  memcpy(tn->fields, fs, n * sizeof *fs);
  *out = type_make(LT_STRUCT);
  out->nested = tn;
  return LAGO_OK;
}

static int parse_type(tparser *tp, lago_type *out) {
  if (++tp->depth > 64) return perr(tp, "type nested too deeply");
  skip_ws(tp);
  const char *w = tp->p;
  size_t n = word(tp);
  if (!n) return perr(tp, "expected a type name");
  tp->p += n;
  int rc = LAGO_OK;
  static const struct {
    const char *name;
    lago_type_id id;
  } simple[] = {
      {"BOOLEAN", LT_BOOLEAN},   {"BOOL", LT_BOOLEAN},       {"TINYINT", LT_TINYINT},
      {"BYTE", LT_TINYINT},      {"SMALLINT", LT_SMALLINT},  {"SHORT", LT_SMALLINT},
      {"INT", LT_INT},           {"INTEGER", LT_INT},        {"BIGINT", LT_BIGINT},
      {"LONG", LT_BIGINT},       {"FLOAT", LT_FLOAT},        {"REAL", LT_FLOAT},
      {"DOUBLE", LT_DOUBLE},     {"STRING", LT_STRING},      {"BINARY", LT_BINARY},
      {"DATE", LT_DATE},         {"TIMESTAMP", LT_TIMESTAMP}, {"TIMESTAMP_LTZ", LT_TIMESTAMP},
      {"TIMESTAMP_NTZ", LT_TIMESTAMP_NTZ}, {"VOID", LT_NULL},
  };
  for (size_t i = 0; i < sizeof simple / sizeof simple[0]; i++) {
    if (word_is(w, n, simple[i].name)) {
      *out = type_make(simple[i].id);
      if (simple[i].id == LT_DOUBLE) { /* DOUBLE PRECISION */
        const char *save = tp->p;
        skip_ws(tp);
        size_t n2 = word(tp);
        if (word_is(tp->p, n2, "PRECISION")) tp->p += n2; else tp->p = save;
      }
      goto done;
    }
  }
  if (word_is(w, n, "DECIMAL") || word_is(w, n, "DEC") || word_is(w, n, "NUMERIC")) {
    long p = 10, s = 0;
    if (accept(tp, '(')) {
      TRY(parse_uint(tp, &p));
      if (accept(tp, ',')) TRY(parse_uint(tp, &s));
      if (!accept(tp, ')')) return perr(tp, "expected ')' after DECIMAL precision");
    }
    if (p < 1 || p > LAGO_DECIMAL_MAX_PRECISION || s > p)
      return perr(tp, "DECIMAL precision must be 1..38 and scale 0..precision");
    *out = type_decimal((int)p, (int)s);
  } else if (word_is(w, n, "VARCHAR") || word_is(w, n, "CHAR") || word_is(w, n, "CHARACTER")) {
    long len;
    if (accept(tp, '(')) {
      TRY(parse_uint(tp, &len));
      if (!accept(tp, ')')) return perr(tp, "expected ')' after length");
    }
    *out = type_make(LT_STRING);
  } else if (word_is(w, n, "ARRAY")) {
    lago_type el;
    if (!accept(tp, '<')) return perr(tp, "expected '<' after ARRAY");
    TRY(parse_type(tp, &el));
    if (!accept(tp, '>')) return perr(tp, "expected '>' to close ARRAY");
    if (type_array(tp->ar, el, true, out)) return LAGO_NOMEM_ERR(tp->err);
  } else if (word_is(w, n, "MAP")) {
    lago_type k, v;
    if (!accept(tp, '<')) return perr(tp, "expected '<' after MAP");
    TRY(parse_type(tp, &k));
    if (!accept(tp, ',')) return perr(tp, "expected ',' in MAP<key, value>");
    TRY(parse_type(tp, &v));
    if (!accept(tp, '>')) return perr(tp, "expected '>' to close MAP");
    if (type_map(tp->ar, k, v, true, out)) return LAGO_NOMEM_ERR(tp->err);
  } else if (word_is(w, n, "STRUCT")) {
    if (!accept(tp, '<')) return perr(tp, "expected '<' after STRUCT");
    TRY(parse_struct_body(tp, out));
  } else {
    tp->p = w;
    return perr(tp, "unknown type");
  }
done:
  tp->depth--;
  return rc;
}

int type_parse_prefix(arena *ar, const char *text, const char **end_out, lago_type *out, lago_err *err) {
  tparser tp = {ar, text, text, err, 0};
  TRY(parse_type(&tp, out));
  if (end_out) *end_out = tp.p;
  return LAGO_OK;
}

int type_parse(arena *ar, const char *text, lago_type *out, lago_err *err) {
  tparser tp = {ar, text, text, err, 0};
  TRY(parse_type(&tp, out));
  skip_ws(&tp);
  if (*tp.p) return perr(&tp, "unexpected text after the type");
  return LAGO_OK;
}
