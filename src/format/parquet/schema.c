/*
** format/parquet/schema.c: turns the flat SchemaElement list of a footer
** into the column tree, computes the maximum definition and repetition
** level of every leaf, maps each column to a lago type, and builds the
** assembly plan (pq_anode) that assemble.c follows to rebuild nested
** vectors from levels. Used by reader.c at pq_open; everything is
** allocated in the file's arena.
**
** The schema list is the depth-first order of the tree, element 0 the
** root; a group says how many of the following elements are its children
** (num_children). That count is untrusted: it is checked against the
** elements left, nesting is limited to PQ_MAX_SCHEMA_DEPTH, and the walk
** must consume the list exactly.
**
** Nested types (parquet-format LogicalTypes.md, "Nested Types"):
**   <rep> group name (LIST) { repeated group list { <rep> T element; } }   3-level list
**   <rep> group name (LIST) { repeated T element; }                       2-level (legacy)
**   <rep> group name (MAP)  { repeated group key_value { required K key; <rep> V value; } }
**   repeated T name (no annotation, outside LIST/MAP)   required list of required T
**   group without annotation                             STRUCT
** For a LIST whose repeated child is a group, the backward-compatibility
** rules decide whether that group is the element (legacy) or wraps it:
** it is the element when it has several fields, or its one field is
** repeated, or it is named "array" or "<list name>_tuple".
*/
#include <string.h>

#include "format/parquet/pq_read_int.h"

typedef struct snode {
  const pq_schema_element *el;
  uint32_t n_children;
  struct snode *children;
  int32_t leaf;            /* leaf index, -1 for groups */
  uint8_t def, rep;        /* maximum levels at this node */
} snode;

typedef struct bctx {
  arena *ar;
  const pq_file_meta *fm;
  const char *path;
  lago_err *err;
  uint32_t idx;            /* next schema element */
  uint32_t n_leaves;
  pq_leaf *leaves;         /* n_leaves allocated after counting */
  const char *stack[PQ_MAX_SCHEMA_DEPTH + 2];
  uint8_t rep_def[PQ_MAX_SCHEMA_DEPTH + 2];
  uint32_t top;
} bctx;

size_t pq_phys_width(pq_type t) {
  switch (t) {
    case PQT_BOOLEAN: return 1;
    case PQT_INT32: case PQT_FLOAT: return 4;
    case PQT_INT64: case PQT_DOUBLE: return 8;
    case PQT_INT96: return 12;
    case PQT_BYTE_ARRAY: case PQT_FIXED_LEN_BYTE_ARRAY: return sizeof(lago_str);
  }
  return 0;
}

/* ---- leaf types --------------------------------------------------------- */

static int decimal_type(const pq_schema_element *el, pq_type phys, lago_type *type, pq_conv *conv, const char *what,
                        lago_err *err) {
  int p = el->logical.kind == PQL_DECIMAL ? el->logical.precision : el->precision;
  int s = el->logical.kind == PQL_DECIMAL ? el->logical.scale : el->scale;
  if (s < 0) s = 0;
  if (p < 1 || p > LAGO_DECIMAL_MAX_PRECISION || s > p)
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "%s: column '%s': DECIMAL(%d,%d) is not supported", what, el->name, p, s);
  *type = type_decimal(p, s);
  bool wide = p > 18;
  switch (phys) {
    case PQT_INT32: *conv = wide ? PQV_I32_I128 : PQV_I32_I64; break;
    case PQT_INT64: *conv = wide ? PQV_I64_I128 : PQV_NONE; break;
    default: *conv = wide ? PQV_DEC128 : PQV_DEC64; break;
  }
  return LAGO_OK;
}

static bool is_decimal(const pq_schema_element *el) {
  return el->logical.kind == PQL_DECIMAL || (el->logical.kind == PQL_NONE && el->converted == PQC_DECIMAL);
}

int pq_leaf_type(const pq_schema_element *el, lago_type *type, pq_conv *conv, bool *is_json, const char *what,
                 lago_err *err) {
  const pq_logical *lt = &el->logical;
  pq_converted cv = lt->kind == PQL_NONE ? el->converted : PQC_NONE;
  *conv = PQV_NONE;
  *is_json = false;
  switch (el->type) {
    case PQT_BOOLEAN: *type = type_make(LT_BOOLEAN); return LAGO_OK;
    case PQT_INT32: {
      int bw = 0;
      bool sgn = true;
      if (lt->kind == PQL_INTEGER) {
        bw = lt->bit_width;
        sgn = lt->is_signed;
      } else if (cv >= PQC_UINT_8 && cv <= PQC_INT_64) {
        static const int w[] = {8, 16, 32, 64, 8, 16, 32, 64};
        bw = w[cv - PQC_UINT_8];
        sgn = cv >= PQC_INT_8;
      }
      if (bw == 8) {
        *type = type_make(sgn ? LT_TINYINT : LT_UTINYINT);
        *conv = PQV_I32_I8;
      } else if (bw == 16) {
        *type = type_make(sgn ? LT_SMALLINT : LT_USMALLINT);
        *conv = PQV_I32_I16;
      } else if (bw == 32 && !sgn) {
        *type = type_make(LT_UINT);
      } else if (is_decimal(el)) {
        return decimal_type(el, el->type, type, conv, what, err);
      } else if (lt->kind == PQL_DATE || cv == PQC_DATE) {
        *type = type_make(LT_DATE);
      } else if ((lt->kind == PQL_TIME && lt->unit == PQU_MILLIS) || cv == PQC_TIME_MILLIS) {
        *type = type_make(lt->kind == PQL_TIME && lt->is_adjusted_to_utc ? LT_TIME_UTC : LT_TIME);
        *conv = PQV_I32_MS_US;
      } else {
        *type = type_make(LT_INT);
      }
      return LAGO_OK;
    }
    case PQT_INT64:
      if ((lt->kind == PQL_INTEGER && !lt->is_signed) || cv == PQC_UINT_64) {
        *type = type_make(LT_UBIGINT);
      } else if (is_decimal(el)) {
        return decimal_type(el, el->type, type, conv, what, err);
      } else if (lt->kind == PQL_TIMESTAMP && lt->unit != PQU_NONE) {
        bool utc = lt->is_adjusted_to_utc;
        if (lt->unit == PQU_MILLIS) {
          *type = type_make(utc ? LT_TIMESTAMP : LT_TIMESTAMP_NTZ);
          *conv = PQV_I64_MS_US;
        } else if (lt->unit == PQU_MICROS) {
          *type = type_make(utc ? LT_TIMESTAMP : LT_TIMESTAMP_NTZ);
        } else if (utc) {
          *type = type_make(LT_TIMESTAMP);
          *conv = PQV_I64_NS_US;
        } else {
          *type = type_make(LT_TIMESTAMP_NS);
        }
      } else if (cv == PQC_TIMESTAMP_MILLIS) {
        *type = type_make(LT_TIMESTAMP_NTZ);
        *conv = PQV_I64_MS_US;
      } else if (cv == PQC_TIMESTAMP_MICROS) {
        *type = type_make(LT_TIMESTAMP_NTZ);
      } else if (lt->kind == PQL_TIME && lt->unit != PQU_NONE) {
        *type = type_make(lt->is_adjusted_to_utc ? LT_TIME_UTC : LT_TIME);
        *conv = lt->unit == PQU_MILLIS ? PQV_I64_MS_US : lt->unit == PQU_NANOS ? PQV_I64_NS_US : PQV_NONE;
      } else if (cv == PQC_TIME_MICROS) {
        *type = type_make(LT_TIME);
      } else {
        *type = type_make(LT_BIGINT);
      }
      return LAGO_OK;
    case PQT_INT96:
      *type = type_make(LT_TIMESTAMP_NTZ);
      *conv = PQV_INT96;
      return LAGO_OK;
    case PQT_FLOAT: *type = type_make(LT_FLOAT); return LAGO_OK;
    case PQT_DOUBLE: *type = type_make(LT_DOUBLE); return LAGO_OK;
    case PQT_BYTE_ARRAY:
      if (is_decimal(el)) return decimal_type(el, el->type, type, conv, what, err);
      if (lt->kind == PQL_STRING || lt->kind == PQL_ENUM || lt->kind == PQL_JSON || cv == PQC_UTF8 ||
          cv == PQC_ENUM || cv == PQC_JSON) {
        *type = type_make(LT_STRING);
        *is_json = lt->kind == PQL_JSON || cv == PQC_JSON;
      } else {
        *type = type_make(LT_BINARY);
      }
      return LAGO_OK;
    case PQT_FIXED_LEN_BYTE_ARRAY:
      if (is_decimal(el)) return decimal_type(el, el->type, type, conv, what, err);
      if (lt->kind == PQL_UUID && el->type_length == 16) {
        *type = type_make(LT_UUID);
        *conv = PQV_UUID;
      } else if (lt->kind == PQL_FLOAT16 && el->type_length == 2) {
        *type = type_make(LT_FLOAT);
        *conv = PQV_F16;
      } else if (cv == PQC_INTERVAL && el->type_length == 12) {
        *type = type_make(LT_INTERVAL);
        *conv = PQV_INTERVAL;
      } else if ((lt->kind == PQL_STRING || cv == PQC_UTF8) && lt->kind != PQL_UUID) {
        *type = type_make(LT_STRING);
      } else {
        *type = type_make(LT_BINARY);
      }
      return LAGO_OK;
  }
  return LAGO_ERR(err, LAGO_CORRUPT, "%s: column '%s' has unknown physical type %d", what, el->name, (int)el->type);
}

/* ---- the tree ----------------------------------------------------------- */

static int corrupt(bctx *c, const char *msg, const pq_schema_element *el) {
  return LAGO_ERR(c->err, LAGO_CORRUPT, "%s: bad schema: %s (element %u '%s')", c->path, msg, c->idx,
                  el && el->name ? el->name : "");
}

/* Parses element c->idx and its subtree. */
static int parse_node(bctx *c, snode *n, uint8_t pdef, uint8_t prep, int depth, bool root) {
  const pq_file_meta *fm = c->fm;
  if (c->idx >= fm->n_schema) return corrupt(c, "fewer elements than num_children says", NULL);
  if (depth > PQ_MAX_SCHEMA_DEPTH)
    return LAGO_ERR(c->err, LAGO_UNSUPPORTED, "%s: schema nested deeper than %d levels", c->path, PQ_MAX_SCHEMA_DEPTH);
  const pq_schema_element *el = &fm->schema[c->idx];
  n->el = el;
  n->leaf = -1;
  n->def = pdef;
  n->rep = prep;
  if (!root) {
    /* A missing repetition_type reads as REQUIRED (its Thrift default value), as DuckDB does. */
    if (el->has_repetition && (unsigned)el->repetition > PQR_REPEATED) return corrupt(c, "unknown repetition_type", el);
    if (el->has_repetition && el->repetition != PQR_REQUIRED) n->def++;
    if (el->has_repetition && el->repetition == PQR_REPEATED) n->rep++;
  }
  c->idx++;
  bool group = el->num_children > 0 || (!el->has_type && el->num_children == 0) || root;
  if (root && el->num_children < 0) return corrupt(c, "root without num_children", el);
  if (!group) {
    if (!el->has_type) return corrupt(c, "primitive element without type", el);
    if ((unsigned)el->type > PQT_FIXED_LEN_BYTE_ARRAY) return corrupt(c, "unknown physical type", el);
    if (el->type == PQT_FIXED_LEN_BYTE_ARRAY && el->type_length <= 0)
      return corrupt(c, "FIXED_LEN_BYTE_ARRAY without a positive type_length", el);
    if (c->leaves) {
      pq_leaf *lf = &c->leaves[c->n_leaves];
      memset(lf, 0, sizeof *lf);
      lf->index = c->n_leaves;
      lf->el = el;
      lf->phys = el->type;
      lf->type_length = el->type == PQT_FIXED_LEN_BYTE_ARRAY ? el->type_length : 0;
      lf->max_def = n->def;
      lf->max_rep = n->rep;
      lf->top = c->top;
      lf->path_len = (uint32_t)depth;
      lf->path = arena_alloc(c->ar, (size_t)depth * sizeof(char *));
      if (!lf->path) return LAGO_NOMEM_ERR(c->err);
      size_t total = 0;
      for (int i = 0; i < depth - 1; i++) {
        lf->path[i] = c->stack[i];
        total += strlen(c->stack[i]) + 1;
      }
      lf->path[depth - 1] = el->name;
      total += strlen(el->name) + 1;
      char *d = arena_alloc(c->ar, total);
      if (!d) return LAGO_NOMEM_ERR(c->err);
      lf->dotted = d;
      for (int i = 0; i < depth; i++) {
        size_t k = strlen(lf->path[i]);
        memcpy(d, lf->path[i], k);
        d += k;
        *d++ = i + 1 < depth ? '.' : 0;
      }
      /* rep_def[r]: the def level of the r-th repeated node on the path. */
      memcpy(lf->rep_def, c->rep_def, sizeof lf->rep_def);
      lf->rep_def[0] = 0;
      if (n->rep && el->repetition == PQR_REPEATED) lf->rep_def[n->rep] = n->def;
      TRY(pq_leaf_type(el, &lf->type, &lf->conv, &lf->is_json, c->path, c->err));
    }
    n->leaf = (int32_t)c->n_leaves++;
    return LAGO_OK;
  }
  if (el->num_children == 0 && !root)
    return LAGO_ERR(c->err, LAGO_UNSUPPORTED, "%s: group '%s' has no fields", c->path, el->name);
  uint32_t nc = (uint32_t)(el->num_children > 0 ? el->num_children : 0);
  if (nc > fm->n_schema - c->idx) return corrupt(c, "num_children larger than the elements left", el);
  n->n_children = nc;
  n->children = arena_calloc(c->ar, nc ? nc : 1, sizeof(snode));
  if (!n->children) return LAGO_NOMEM_ERR(c->err);
  if (!root) c->stack[depth - 1] = el->name;
  if (!root && el->repetition == PQR_REPEATED) c->rep_def[n->rep] = n->def;
  for (uint32_t i = 0; i < nc; i++) {
    if (root) c->top = i;
    TRY(parse_node(c, &n->children[i], n->def, n->rep, depth + 1, false));
  }
  return LAGO_OK;
}

/* ---- assembly plan and lago types --------------------------------------- */

enum { MODE_FIELD, MODE_ELEM };

static bool is_list(const pq_schema_element *el) {
  return el->logical.kind == PQL_LIST || (el->logical.kind == PQL_NONE && el->converted == PQC_LIST);
}
static bool is_map(const pq_schema_element *el) {
  return el->logical.kind == PQL_MAP ||
         (el->logical.kind == PQL_NONE && (el->converted == PQC_MAP || el->converted == PQC_MAP_KEY_VALUE));
}

static pq_anode *anode_new(bctx *c, pq_anode_kind kind, uint8_t R, uint8_t De, uint8_t Dv, uint32_t n_children) {
  pq_anode *a = arena_zalloc(c->ar, sizeof *a);
  if (!a) return NULL;
  a->kind = kind;
  a->rep = R;
  a->def_exist = De;
  a->def_valid = Dv;
  a->n_children = n_children;
  a->children = arena_calloc(c->ar, n_children ? n_children : 1, sizeof(pq_anode *));
  return a->children ? a : NULL;
}

static void set_field(type_field *f, const char *name, lago_type t, bool nullable, const pq_schema_element *el) {
  f->name = name;
  f->type = t;
  f->nullable = nullable;
  f->has_field_id = el && el->has_field_id;
  f->field_id = el && el->has_field_id ? el->field_id : 0;
  f->metadata = NULL;
}

static type_nested *nested_new(bctx *c, uint32_t n) {
  return arena_zalloc(c->ar, sizeof(type_nested) + (size_t)n * sizeof(type_field));
}

/*
** Builds the assembly node and lago type of schema node n filling a slot
** whose entries repeat at level R and exist where d >= De; Dp is the
** definition level of n's parent (n's own level is Dp, or Dp + 1 when n is
** optional). MODE_ELEM: n is a repeated node whose repetition the
** enclosing list already accounts for (it is the required element).
*/
static int make(bctx *c, const snode *n, uint8_t R, uint8_t De, uint8_t Dp, int mode, pq_anode **out,
                lago_type *type, bool *nullable, int depth);

/* A list anode over element node `en` (the repeated node itself when as_elem); rep_def = def of the repeated node. */
static int make_list(bctx *c, const snode *en, bool as_elem, uint8_t R, uint8_t De, uint8_t Dv, uint8_t rep_def,
                     pq_anode **out, lago_type *type, int depth) {
  pq_anode *a = anode_new(c, PQA_LIST, R, De, Dv, 1);
  if (!a) return LAGO_NOMEM_ERR(c->err);
  lago_type et;
  bool enull;
  TRY(make(c, en, (uint8_t)(R + 1), rep_def, rep_def, as_elem ? MODE_ELEM : MODE_FIELD, &a->children[0], &et,
           &enull, depth + 1));
  a->leaf = a->children[0]->leaf;
  type_nested *tn = nested_new(c, 1);
  if (!tn) return LAGO_NOMEM_ERR(c->err);
  tn->n_fields = 1;
  set_field(&tn->fields[0], "element", et, enull, en->el);
  *type = type_make(LT_ARRAY);
  type->nested = tn;
  *out = a;
  return LAGO_OK;
}

static int make(bctx *c, const snode *n, uint8_t R, uint8_t De, uint8_t Dp, int mode, pq_anode **out,
                lago_type *type, bool *nullable, int depth) {
  const pq_schema_element *el = n->el;
  if (depth > PQ_MAX_SCHEMA_DEPTH * 2)
    return LAGO_ERR(c->err, LAGO_UNSUPPORTED, "%s: schema nested too deeply", c->path);
  if (mode == MODE_FIELD && el->repetition == PQR_REPEATED) {
    /* An unannotated repeated field: a required list of required elements. */
    *nullable = false;
    return make_list(c, n, true, R, De, Dp, (uint8_t)(Dp + 1), out, type, depth);
  }
  uint8_t Dn = mode == MODE_FIELD && el->repetition == PQR_OPTIONAL ? (uint8_t)(Dp + 1) : Dp;
  uint8_t Dv = Dn;
  *nullable = Dn > Dp;
  if (Dn != n->def || R != n->rep)
    return LAGO_ERR(c->err, LAGO_CORRUPT, "%s: bad schema: inconsistent nesting at '%s'", c->path, el->name);
  if (n->leaf >= 0) {
    pq_anode *a = anode_new(c, PQA_LEAF, R, De, Dv, 0);
    if (!a) return LAGO_NOMEM_ERR(c->err);
    a->leaf = (uint32_t)n->leaf;
    *type = c->leaves[n->leaf].type;
    *out = a;
    return LAGO_OK;
  }
  if (is_list(el) && n->n_children == 1 && n->children[0].el->repetition == PQR_REPEATED) {
    const snode *rc = &n->children[0];
    bool rc_is_elem = rc->leaf >= 0 || rc->n_children != 1 ||
                      rc->children[0].el->repetition == PQR_REPEATED || strcmp(rc->el->name, "array") == 0;
    if (!rc_is_elem) {
      size_t ln = strlen(el->name);
      rc_is_elem = strncmp(rc->el->name, el->name, ln) == 0 && strcmp(rc->el->name + ln, "_tuple") == 0;
    }
    if (rc_is_elem) return make_list(c, rc, true, R, De, Dv, rc->def, out, type, depth);
    return make_list(c, &rc->children[0], false, R, De, Dv, rc->def, out, type, depth);
  }
  if (is_map(el) && n->n_children == 1 && n->children[0].el->repetition == PQR_REPEATED &&
      n->children[0].leaf < 0 && (n->children[0].n_children == 1 || n->children[0].n_children == 2)) {
    const snode *kv = &n->children[0];
    if (kv->n_children == 1) /* a map without values: read as a list of keys */
      return make_list(c, &kv->children[0], false, R, De, Dv, kv->def, out, type, depth);
    pq_anode *a = anode_new(c, PQA_MAP, R, De, Dv, 1);
    pq_anode *s = a ? anode_new(c, PQA_STRUCT, (uint8_t)(R + 1), kv->def, kv->def, 2) : NULL;
    if (!s) return LAGO_NOMEM_ERR(c->err);
    a->children[0] = s;
    lago_type kt, vt;
    bool knull, vnull;
    uint8_t R1 = (uint8_t)(R + 1);
    TRY(make(c, &kv->children[0], R1, kv->def, kv->def, MODE_FIELD, &s->children[0], &kt, &knull, depth + 2));
    TRY(make(c, &kv->children[1], R1, kv->def, kv->def, MODE_FIELD, &s->children[1], &vt, &vnull, depth + 2));
    s->leaf = s->children[0]->leaf;
    a->leaf = s->leaf;
    type_nested *tn = nested_new(c, 2);
    if (!tn) return LAGO_NOMEM_ERR(c->err);
    tn->n_fields = 2;
    set_field(&tn->fields[0], "key", kt, knull, kv->children[0].el);
    set_field(&tn->fields[1], "value", vt, vnull, kv->children[1].el);
    *type = type_make(LT_MAP);
    type->nested = tn;
    *out = a;
    return LAGO_OK;
  }
  /* A struct (also the fallback for LIST/MAP groups of an unexpected shape). */
  pq_anode *a = anode_new(c, PQA_STRUCT, R, De, Dv, n->n_children);
  type_nested *tn = nested_new(c, n->n_children);
  if (!a || !tn) return LAGO_NOMEM_ERR(c->err);
  tn->n_fields = n->n_children;
  for (uint32_t i = 0; i < n->n_children; i++) {
    lago_type ft;
    bool fnull;
    TRY(make(c, &n->children[i], R, De, Dn, MODE_FIELD, &a->children[i], &ft, &fnull, depth + 1));
    set_field(&tn->fields[i], n->children[i].el->name, ft, fnull, n->children[i].el);
  }
  a->leaf = a->children[0]->leaf;
  *type = type_make(LT_STRUCT);
  type->nested = tn;
  *out = a;
  return LAGO_OK;
}

int pq_schema_build(arena *ar, const pq_file_meta *fm, const char *path, pq_schema *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  if (fm->n_schema == 0)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad schema: no elements", path);
  bctx c;
  memset(&c, 0, sizeof c);
  c.ar = ar;
  c.fm = fm;
  c.path = path;
  c.err = err;
  /* Pass 1 counts the leaves; pass 2 fills them in. */
  snode root;
  TRY(parse_node(&c, &root, 0, 0, 0, true));
  if (c.idx != fm->n_schema)
    return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad schema: %u elements after the tree ends", path, fm->n_schema - c.idx);
  uint32_t n_leaves = c.n_leaves;
  c.leaves = arena_calloc(ar, n_leaves ? n_leaves : 1, sizeof(pq_leaf));
  if (!c.leaves) return LAGO_NOMEM_ERR(err);
  c.idx = 0;
  c.n_leaves = 0;
  TRY(parse_node(&c, &root, 0, 0, 0, true));

  out->n_leaves = n_leaves;
  out->leaves = c.leaves;
  out->n_columns = root.n_children;
  out->columns = arena_calloc(ar, root.n_children ? root.n_children : 1, sizeof(pq_column));
  type_nested *tn = nested_new(&c, root.n_children);
  if (!out->columns || !tn) return LAGO_NOMEM_ERR(err);
  tn->n_fields = root.n_children;
  uint32_t leaf = 0;
  for (uint32_t i = 0; i < root.n_children; i++) {
    pq_column *col = &out->columns[i];
    const snode *n = &root.children[i];
    bool nullable;
    TRY(make(&c, n, 0, 0, 0, MODE_FIELD, &col->root, &col->type, &nullable, 1));
    col->name = n->el->name;
    col->first_leaf = leaf;
    while (leaf < n_leaves && c.leaves[leaf].top == i) leaf++;
    col->n_leaves = leaf - col->first_leaf;
    col->flat = col->root->kind == PQA_LEAF && col->root->rep == 0;
    set_field(&tn->fields[i], col->name, col->type, nullable, n->el);
  }
  out->type = type_make(LT_STRUCT);
  out->type.nested = tn;
  return LAGO_OK;
}
