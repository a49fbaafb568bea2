/*
** format/json/jsonl_infer.c: the schema of JSON files (Spark's JsonInferSchema
** rules, or Auto Loader's all-STRING default) and schemaHints.
**
** One pass in file order over every record (the reader's own framing, so
** records, blank lines, root arrays and malformed records are exactly what
** reading sees), merging each value into one mutable type tree:
**   null, ""            no information (NullType)
**   true/false          BOOLEAN
**   integer literal     BIGINT; beyond BIGINT: DECIMAL(digits, 0), or DOUBLE past 38 digits
**   other number        DOUBLE; with prefersDecimal DECIMAL(p, s) of its digits
**                       (Java BigDecimal precision/scale), DOUBLE if p > 38
**   NaN, Infinity       DOUBLE
**   string              STRING; with prefersDecimal a decimal text is DECIMAL;
**                       with inferTimestamp a timestamp (timestampFormat, or
**                       the cast rules) is TIMESTAMP
**   object              STRUCT: union of the members
**   array               ARRAY of the merged element type
** primitivesAsString makes every number and boolean STRING. Merging (Spark's
** compatibleType): equal types stay; BIGINT with DOUBLE is DOUBLE; DECIMALs
** widen (DOUBLE beyond precision 38); DOUBLE with DECIMAL is DOUBLE; BIGINT
** with DECIMAL widens DECIMAL(20,0); STRUCTs merge fields; ARRAYs merge
** elements; anything else is STRING. At the end NullType becomes STRING (or
** the field is dropped with dropFieldIfAllNull), empty STRUCTs are dropped
** (SPARK-8093), fields are sorted by name (byte order).
** Without inferColumnTypes every top-level field is STRING, whatever its
** values (objects and arrays are then read as their JSON text).
** The merge is commutative and associative, so the result does not depend on
** record order or on how files are split; it is computed on one thread.
*/
#include <stdlib.h>
#include <strings.h>

#include "format/json/jsonl_int.h"
#include "util/alloc.h"

enum { I_NULL = 0, I_BOOL, I_LONG, I_DOUBLE, I_DEC, I_TS, I_STRING, I_STRUCT, I_ARRAY };

struct inode;

typedef struct ifield {
  const char *name;   /* in the inference arena */
  uint32_t len;
  struct inode *node;
} ifield;

typedef struct inode {
  uint8_t kind;
  uint8_t prec, scale;  /* I_DEC */
  ifield *fields;       /* I_STRUCT, first-seen order */
  uint32_t n, cap;
  uint32_t *hash;       /* field index + 1; hcap slots */
  uint32_t hcap;
  struct inode *elem;   /* I_ARRAY */
} inode;

typedef struct ictx {
  arena *ar;
  const jsonl_options *o;
  txt_dt dt;            /* timestampFormat (inferTimestamp) */
  inode *root;
  uint64_t seen;        /* records offered (sampling) */
  txt_num num;
} ictx;

static uint32_t hname(const char *s, uint32_t n) {
  uint32_t h = 2166136261u;
  for (uint32_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  return h;
}

static inode *inode_new(ictx *c, uint8_t kind) {
  inode *n = arena_zalloc(c->ar, sizeof *n);
  if (n) n->kind = kind;
  return n;
}

/* The field named s[0..n) of struct node st (added when missing). NULL on OOM. */
static inode *field_of(ictx *c, inode *st, const char *s, uint32_t n) {
  if (st->hcap) {
    uint32_t h = hname(s, n) & (st->hcap - 1);
    while (st->hash[h]) {
      ifield *f = &st->fields[st->hash[h] - 1];
      if (f->len == n && !memcmp(f->name, s, n)) return f->node;
      h = (h + 1) & (st->hcap - 1);
    }
  }
  if (st->n == st->cap) {
    uint32_t ncap = st->cap ? 2 * st->cap : 8;
    ifield *nf = arena_alloc(c->ar, ncap * sizeof *nf);
    if (!nf) return NULL;
    if (st->n) memcpy(nf, st->fields, st->n * sizeof *nf);
    st->fields = nf;
    st->cap = ncap;
  }
  if (2 * (st->n + 1) > st->hcap) {
    uint32_t hc = st->hcap ? 2 * st->hcap : 16;
    while (hc < 2 * (st->n + 1)) hc *= 2;
    uint32_t *h = arena_zalloc(c->ar, hc * sizeof *h);
    if (!h) return NULL;
    for (uint32_t i = 0; i < st->n; i++) {
      uint32_t k = hname(st->fields[i].name, st->fields[i].len) & (hc - 1);
      while (h[k]) k = (k + 1) & (hc - 1);
      h[k] = i + 1;
    }
    st->hash = h;
    st->hcap = hc;
  }
  ifield *f = &st->fields[st->n];
  char *name = arena_strndup(c->ar, s, n);
  f->node = inode_new(c, I_NULL);
  if (!name || !f->node) return NULL;
  f->name = name;
  f->len = n;
  uint32_t k = hname(s, n) & (st->hcap - 1);
  while (st->hash[k]) k = (k + 1) & (st->hcap - 1);
  st->hash[k] = ++st->n;
  return f->node;
}

/* Merges a scalar kind into node n (Spark's compatibleType for leaves). */
static void merge(inode *n, uint8_t kind, int prec, int scale) {
  if (kind == I_NULL || n->kind == I_STRING) return;
  if (n->kind == I_NULL) {
    n->kind = kind;
    n->prec = (uint8_t)prec;
    n->scale = (uint8_t)scale;
    return;
  }
  if (kind == I_LONG && n->kind == I_DEC) {
    kind = I_DEC;
    prec = 20;
    scale = 0;
  } else if (kind == I_DEC && n->kind == I_LONG) {
    n->kind = I_DEC;
    n->prec = 20;
    n->scale = 0;
  }
  if (n->kind == kind) {
    if (kind == I_DEC) {
      int s = n->scale > scale ? n->scale : scale;
      int r1 = n->prec - n->scale, r2 = prec - scale;
      int range = r1 > r2 ? r1 : r2;
      if (range + s > LAGO_DECIMAL_MAX_PRECISION) {
        n->kind = I_DOUBLE;
        n->prec = n->scale = 0;
      } else {
        n->prec = (uint8_t)(range + s);
        n->scale = (uint8_t)s;
      }
    }
    return;
  }
  bool num1 = n->kind == I_LONG || n->kind == I_DOUBLE || n->kind == I_DEC;
  bool num2 = kind == I_LONG || kind == I_DOUBLE || kind == I_DEC;
  if (num1 && num2) { /* one of them is DOUBLE */
    n->kind = I_DOUBLE;
    n->prec = n->scale = 0;
    return;
  }
  /* Anything else: STRING (children dropped). */
  n->kind = I_STRING;
  n->n = 0;
  n->elem = NULL;
}

static uint8_t number_kind(ictx *c, const txt_num *x, int *prec, int *scale) {
  if (c->o->primitives_as_string) return I_STRING;
  if (x->special) return I_DOUBLE;
  if (x->is_int) {
    int64_t v;
    if (txt_num_int(x, INT64_MIN, INT64_MAX, &v) == 0) return I_LONG;
    if (x->sig <= LAGO_DECIMAL_MAX_PRECISION) {
      *prec = (int)(x->sig ? x->sig : 1);
      *scale = 0;
      return I_DEC;
    }
    return I_DOUBLE;
  }
  if (c->o->prefers_decimal && txt_num_dec_type(x, prec, scale)) return I_DEC;
  return I_DOUBLE;
}

static uint8_t string_kind(ictx *c, const jl_sv *sv, int *prec, int *scale) {
  if (sv->n == 0) return I_NULL;
  if (c->o->prefers_decimal && txt_dec_text_type(sv->p, sv->n, prec, scale)) return I_DEC;
  if (c->o->infer_timestamp) {
    int64_t us;
    if (txt_dt_ts(&c->dt, sv->p, sv->n, &us) == 0) return I_TS;
  }
  return I_STRING;
}

/* Merges the value at *pp into node n; depth counts containers. */
static int infer_value(ictx *c, jl_lex *lx, const char **pp, const char *end, inode *n, int depth) {
  const char *p = *pp;
  int rc, prec = 0, scale = 0;
  if (p >= end) return jl_bad(lx, p, "unexpected end of record, expected a value");
  if (n->kind == I_STRING) return jl_skip(lx, pp, end, NULL);
  switch (jl_first[(unsigned char)*p]) {
    case JV_OBJ: {
      if (n->kind != I_NULL && n->kind != I_STRUCT) {
        merge(n, I_STRING, 0, 0);
        return jl_skip(lx, pp, end, NULL);
      }
      if (depth >= JL_MAX_DEPTH) return jl_bad(lx, p, "nesting too deep");
      n->kind = I_STRUCT;
      p++;
      if ((rc = jl_ws(lx, &p, end))) return rc;
      bool more = !(p < end && *p == '}');
      if (!more) p++;
      while (more) {
        jl_sv key;
        if ((rc = jl_key(lx, &p, end, &key))) return rc;
        inode *f = field_of(c, n, key.p, key.n);
        if (!f) return LAGO_NOMEM;
        if ((rc = infer_value(c, lx, &p, end, f, depth + 1))) return rc;
        if ((rc = jl_ws(lx, &p, end))) return rc;
        if (p < end && *p == ',') {
          p++;
          if ((rc = jl_ws(lx, &p, end))) return rc;
        } else if (p < end && *p == '}') {
          p++;
          more = false;
        } else {
          return jl_bad(lx, p, p < end ? "expected ',' or '}' in an object" : "unexpected end of record inside an object");
        }
      }
      *pp = p;
      return 0;
    }
    case JV_ARR: {
      if (n->kind != I_NULL && n->kind != I_ARRAY) {
        merge(n, I_STRING, 0, 0);
        return jl_skip(lx, pp, end, NULL);
      }
      if (depth >= JL_MAX_DEPTH) return jl_bad(lx, p, "nesting too deep");
      n->kind = I_ARRAY;
      if (!n->elem && !(n->elem = inode_new(c, I_NULL))) return LAGO_NOMEM;
      p++;
      if ((rc = jl_ws(lx, &p, end))) return rc;
      bool more = !(p < end && *p == ']');
      if (!more) p++;
      while (more) {
        if ((rc = infer_value(c, lx, &p, end, n->elem, depth + 1))) return rc;
        if (n->kind == I_STRING) return jl_bad(lx, p, "internal: array became STRING"); /* cannot happen */
        if ((rc = jl_ws(lx, &p, end))) return rc;
        if (p < end && *p == ',') {
          p++;
          if ((rc = jl_ws(lx, &p, end))) return rc;
        } else if (p < end && *p == ']') {
          p++;
          more = false;
        } else {
          return jl_bad(lx, p, p < end ? "expected ',' or ']' in an array" : "unexpected end of record inside an array");
        }
      }
      *pp = p;
      return 0;
    }
    case JV_STR: {
      if (*p == '\'' && !lx->single_quotes) return jl_bad(lx, p, "single quotes are not allowed (allowSingleQuotes)");
      jl_sv sv;
      char q = *p++;
      if ((rc = jl_string(lx, &p, end, q, &sv))) return rc;
      uint8_t k = string_kind(c, &sv, &prec, &scale);
      merge(n, k, prec, scale);
      *pp = p;
      return 0;
    }
    case JV_NUM:
      if ((rc = jl_number(lx, &p, end, &c->num))) return rc;
      {
        uint8_t k = number_kind(c, &c->num, &prec, &scale);
        merge(n, k, prec, scale);
      }
      *pp = p;
      return 0;
    case JV_TRUE:
    case JV_FALSE:
    case JV_NULL: {
      const char *w = *p == 't' ? "true" : *p == 'f' ? "false" : "null";
      size_t k = strlen(w);
      if ((size_t)(end - p) < k || memcmp(p, w, k)) return jl_bad(lx, p, "expected a value");
      if (*p != 'n') merge(n, c->o->primitives_as_string ? I_STRING : I_BOOL, 0, 0);
      *pp = p + k;
      return 0;
    }
    default:
      return jl_bad(lx, p, "expected a value");
  }
}

/* Auto Loader default: top-level members, each STRING unless null or "". */
static int infer_strings(ictx *c, jl_lex *lx, const char **pp, const char *end) {
  const char *p = *pp + 1;
  int rc;
  if ((rc = jl_ws(lx, &p, end))) return rc;
  bool more = !(p < end && *p == '}');
  if (!more) p++;
  while (more) {
    jl_sv key;
    if ((rc = jl_key(lx, &p, end, &key))) return rc;
    inode *f = field_of(c, c->root, key.p, key.n);
    if (!f) return LAGO_NOMEM;
    if (p >= end) return jl_bad(lx, p, "unexpected end of record, expected a value");
    bool empty = (end - p >= 4 && !memcmp(p, "null", 4)) ||
                 (end - p >= 2 && (p[0] == '"' || p[0] == '\'') && p[1] == p[0]);
    if ((rc = jl_skip(lx, &p, end, NULL))) return rc;
    if (!empty) f->kind = I_STRING;
    if ((rc = jl_ws(lx, &p, end))) return rc;
    if (p < end && *p == ',') {
      p++;
      if ((rc = jl_ws(lx, &p, end))) return rc;
    } else if (p < end && *p == '}') {
      p++;
      more = false;
    } else {
      return jl_bad(lx, p, p < end ? "expected ',' or '}' in an object" : "unexpected end of record inside an object");
    }
  }
  *pp = p;
  return 0;
}

static int on_record(void *ud, jl_lex *lx, const char **pp, const char *end) {
  ictx *c = ud;
  const char *p = *pp;
  if (!txt_sampled(c->seen++, c->o->sampling_ratio)) { /* not in the sample: not even looked at */
    *pp = end;
    return 0;
  }
  if (*p == 'n' && end - p >= 4 && !memcmp(p, "null", 4)) { /* Spark drops null documents in inference */
    *pp = p + 4;
    return 0;
  }
  if (*p != '{') {
    int rc = jl_skip(lx, pp, end, NULL);
    return rc ? rc : JL_NOT_OBJECT;
  }
  if (!c->o->infer_types) return infer_strings(c, lx, pp, end);
  return infer_value(c, lx, pp, end, c->root, 0);
}

/* ---- the result ------------------------------------------------------------------------------- */

static int cmp_field(const void *a, const void *b) {
  const ifield *x = a, *y = b;
  uint32_t n = x->len < y->len ? x->len : y->len;
  int k = memcmp(x->name, y->name, n);
  return k ? k : (x->len > y->len) - (x->len < y->len);
}

/* Lago type of node n; *keep = false when the field is to be dropped. */
static int to_type(ictx *c, inode *n, lago_type *out, bool *keep, lago_err *err) {
  *keep = true;
  switch (n->kind) {
    case I_NULL:
      *keep = !c->o->drop_field_if_all_null;
      *out = type_make(LT_STRING);
      return LAGO_OK;
    case I_BOOL: *out = type_make(LT_BOOLEAN); return LAGO_OK;
    case I_LONG: *out = type_make(LT_BIGINT); return LAGO_OK;
    case I_DOUBLE: *out = type_make(LT_DOUBLE); return LAGO_OK;
    case I_DEC: *out = type_decimal(n->prec, n->scale); return LAGO_OK;
    case I_TS: *out = type_make(LT_TIMESTAMP); return LAGO_OK;
    case I_STRING: *out = type_make(LT_STRING); return LAGO_OK;
    case I_ARRAY: {
      lago_type et;
      bool k;
      TRY(to_type(c, n->elem, &et, &k, err));
      if (!k) {
        *keep = false;
        return LAGO_OK;
      }
      return type_array(c->ar, et, true, out) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    }
    default: { /* I_STRUCT */
      if (n->n > 1) qsort(n->fields, n->n, sizeof *n->fields, cmp_field);
      const char **names = arena_alloc(c->ar, (n->n + 1) * sizeof *names);
      lago_type *types = arena_alloc(c->ar, (n->n + 1) * sizeof *types);
      if (!names || !types) return LAGO_NOMEM_ERR(err);
      uint32_t m = 0;
      for (uint32_t i = 0; i < n->n; i++) {
        bool k;
        if (!n->fields[i].len) continue; /* Spark drops fields with empty names */
        TRY(to_type(c, n->fields[i].node, &types[m], &k, err));
        if (k) names[m++] = n->fields[i].name;
      }
      if (!m && n != c->root) { /* empty structs are dropped (SPARK-8093) */
        *keep = false;
        return LAGO_OK;
      }
      return type_struct(c->ar, m, names, types, NULL, out) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
    }
  }
}

int jsonl_infer_schema(lago_fs *fs, const char *const *paths, uint32_t n_paths, const jsonl_options *opts,
                       arena *ar, lago_type *out, lago_err *err) {
  TRY(jsonl_options_check(opts, err));
  ictx c;
  memset(&c, 0, sizeof c);
  c.o = opts;
  c.ar = arena_new("json infer", (size_t)1 << 16);
  if (!c.ar) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  if (opts->timestamp_format) rc = txt_dt_init(&c.dt, NULL, opts->timestamp_format, NULL, err);
  if (!rc && !(c.root = inode_new(&c, I_STRUCT))) rc = LAGO_NOMEM_ERR(err);
  lago_type empty;
  if (!rc && type_struct(c.ar, 0, NULL, NULL, NULL, &empty)) rc = LAGO_NOMEM_ERR(err);
  bool any_bad = false;
  uint64_t left = opts->infer_max_rows;
  jsonl_options ro = *opts;
  ro.rescued_column = NULL;
  for (uint32_t i = 0; !rc && i < n_paths; i++) {
    jsonl_reader *r;
    rc = jsonl_reader_open(fs, paths[i], &ro, empty, &r, err);
    if (rc) break;
    bool bad = false;
    rc = jsonl_reader_infer(r, on_record, &c, left, &bad, err);
    if (!rc && left) {
      uint64_t k = jsonl_reader_records(r);
      left = k >= left ? 0 : left - k;
      if (!left) i = n_paths; /* the sample is complete */
    }
    any_bad |= bad;
    jsonl_reader_close(r);
  }
  lago_type t;
  bool keep;
  if (!rc) rc = to_type(&c, c.root, &t, &keep, err);
  if (!rc && any_bad && opts->mode == JSONL_PERMISSIVE && type_field_index(t, opts->corrupt_column) < 0) {
    /* Spark adds the corrupt record column (sorted in) when inference met a malformed record. */
    uint32_t n = type_n_fields(t);
    type_field *fs2 = arena_zalloc(c.ar, (n + 1) * sizeof *fs2);
    if (!fs2) rc = LAGO_NOMEM_ERR(err);
    uint32_t k = 0;
    bool placed = false;
    for (uint32_t j = 0; !rc && j < n; j++) {
      const type_field *f = type_field_at(t, j);
      if (!placed && strcmp(opts->corrupt_column, f->name) < 0) {
        fs2[k].name = opts->corrupt_column;
        fs2[k].type = type_make(LT_STRING);
        fs2[k++].nullable = true;
        placed = true;
      }
      fs2[k++] = *f;
    }
    if (!rc && !placed) {
      fs2[k].name = opts->corrupt_column;
      fs2[k].type = type_make(LT_STRING);
      fs2[k++].nullable = true;
    }
    if (!rc && type_struct_fields(c.ar, k, fs2, &t)) rc = LAGO_NOMEM_ERR(err);
  }
  if (!rc && opts->schema_hints) rc = jsonl_apply_schema_hints(c.ar, t, opts->schema_hints, &t, err);
  if (!rc && type_copy(ar, t, out)) rc = LAGO_NOMEM_ERR(err);
  arena_free(c.ar);
  return rc;
}

/* ---- schemaHints ------------------------------------------------------------------------------- */

/* A mutable copy of a type, for editing. */
typedef struct hnode {
  lago_type t;           /* leaves (and the original of nested ones) */
  const char *name;      /* as a field of its parent */
  struct hnode **kids;   /* STRUCT fields; ARRAY: [element]; MAP: [key, value] */
  uint32_t n, cap;
  uint8_t id;            /* LT_STRUCT / LT_ARRAY / LT_MAP, or 0 for a leaf */
} hnode;

static hnode *h_from(arena *ar, lago_type t, const char *name) {
  hnode *h = arena_zalloc(ar, sizeof *h);
  if (!h) return NULL;
  h->t = t;
  h->name = name;
  if (!type_is_nested(t)) return h;
  h->id = t.id;
  h->n = h->cap = type_n_fields(t);
  h->kids = arena_zalloc(ar, (h->cap ? h->cap : 1) * sizeof *h->kids);
  if (!h->kids) return NULL;
  for (uint32_t i = 0; i < h->n; i++) {
    const type_field *f = type_field_at(t, i);
    if (!(h->kids[i] = h_from(ar, f->type, f->name))) return NULL;
  }
  return h;
}

static int h_to(arena *ar, const hnode *h, lago_type *out) {
  if (!h->id) {
    *out = h->t;
    return LAGO_OK;
  }
  if (h->id == LT_ARRAY) {
    lago_type e;
    TRY(h_to(ar, h->kids[0], &e));
    return type_array(ar, e, true, out);
  }
  if (h->id == LT_MAP) {
    lago_type k, v;
    TRY(h_to(ar, h->kids[0], &k));
    TRY(h_to(ar, h->kids[1], &v));
    return type_map(ar, k, v, true, out);
  }
  type_field *fs = arena_zalloc(ar, (h->n ? h->n : 1) * sizeof *fs);
  if (!fs) return LAGO_NOMEM;
  for (uint32_t i = 0; i < h->n; i++) {
    fs[i].name = h->kids[i]->name;
    fs[i].nullable = true;
    if (h->t.id == LT_STRUCT && i < type_n_fields(h->t) && !strcmp(type_field_at(h->t, i)->name, fs[i].name)) {
      fs[i] = *type_field_at(h->t, i); /* keep nullability, metadata */
    }
    TRY(h_to(ar, h->kids[i], &fs[i].type));
  }
  return type_struct_fields(ar, h->n, fs, out);
}

static hnode *h_child(arena *ar, hnode *h, const char *seg, bool create) {
  if (h->id == LT_ARRAY) return !strcasecmp(seg, "element") ? h->kids[0] : NULL;
  if (h->id == LT_MAP) return !strcasecmp(seg, "key") ? h->kids[0] : !strcasecmp(seg, "value") ? h->kids[1] : NULL;
  if (h->id != LT_STRUCT) return NULL;
  for (uint32_t i = 0; i < h->n; i++)
    if (!strcasecmp(h->kids[i]->name, seg)) return h->kids[i];
  if (!create) return NULL;
  if (h->n == h->cap) {
    uint32_t nc = h->cap ? 2 * h->cap : 4;
    hnode **nk = arena_zalloc(ar, nc * sizeof *nk);
    if (!nk) return NULL;
    if (h->n) memcpy(nk, h->kids, h->n * sizeof *nk);
    h->kids = nk;
    h->cap = nc;
  }
  hnode *k = arena_zalloc(ar, sizeof *k);
  char *nm = arena_strdup(ar, seg);
  if (!k || !nm) return NULL;
  k->name = nm;
  k->t = type_make(LT_STRING);
  h->kids[h->n++] = k;
  return k;
}

/* Replaces node h's type by t (keeping its name). */
static int h_set(arena *ar, hnode *h, lago_type t) {
  hnode *n = h_from(ar, t, h->name);
  if (!n) return LAGO_NOMEM;
  *h = *n;
  return LAGO_OK;
}

int jsonl_apply_schema_hints(arena *ar, lago_type schema, const char *hints, lago_type *out, lago_err *err) {
  if (schema.id != LT_STRUCT) return LAGO_ERR(err, LAGO_BIND, "schemaHints: the schema must be a STRUCT");
  arena *tmp = arena_new("schema hints", 4096);
  if (!tmp) return LAGO_NOMEM_ERR(err);
  int rc = LAGO_OK;
  hnode *root = h_from(tmp, schema, NULL);
  if (!root) rc = LAGO_NOMEM_ERR(err);
  txt_hint *hs = NULL;
  uint32_t n_hints = 0;
  if (!rc) rc = txt_hints_parse(tmp, hints, &hs, &n_hints, err);
  for (uint32_t j = 0; !rc && j < n_hints; j++) {
    const char *const *segs = hs[j].path;
    uint32_t n_seg = hs[j].n_path;
    lago_type t = hs[j].type;
    /* Walk the path, creating STRUCT levels that are missing. */
    hnode *h = root;
    for (uint32_t i = 0; !rc && i < n_seg; i++) {
      bool last = i == n_seg - 1;
      hnode *k = h_child(tmp, h, segs[i], h->id == LT_STRUCT);
      if (!k) {
        if (h->id == LT_ARRAY || h->id == LT_MAP)
          rc = LAGO_ERR(err, LAGO_BIND, "schemaHints: %s has no part '%s' (element, key, value)",
                        i ? segs[i - 1] : "?", segs[i]);
        else if (h->id == LT_STRUCT)
          rc = LAGO_NOMEM_ERR(err);
        else
          rc = LAGO_ERR(err, LAGO_BIND, "schemaHints: %s is not a STRUCT, ARRAY or MAP", i ? segs[i - 1] : "?");
        break;
      }
      if (last) rc = h_set(tmp, k, t) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
      else if (!k->id && (rc = h_set(tmp, k, type_make(LT_STRUCT)) ? LAGO_NOMEM_ERR(err) : LAGO_OK) == LAGO_OK) {
        /* A leaf on the way becomes an empty STRUCT to hold the hinted field. */
        k->id = LT_STRUCT;
      }
      h = k;
    }
  }
  lago_type res;
  if (!rc && h_to(tmp, root, &res)) rc = LAGO_NOMEM_ERR(err);
  if (!rc && type_copy(ar, res, out)) rc = LAGO_NOMEM_ERR(err);
  arena_free(tmp);
  return rc;
}
