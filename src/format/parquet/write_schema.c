/*
** format/parquet/write_schema.c: maps a lago schema (a STRUCT type) to the
** Parquet schema the writer puts in the footer, and describes each leaf
** column for write_levels.c (how to walk vectors down to it, its maximum
** definition/repetition levels) and write_column.c (physical type, value
** conversion, sort order).
**
** Mapping (logical types AND the legacy converted types, as Spark and Arrow
** write them, so older readers still understand the files):
**   BOOLEAN        BOOLEAN
**   TINYINT        INT32  INT(8,signed)    / INT_8
**   SMALLINT       INT32  INT(16,signed)   / INT_16
**   INT, BIGINT    INT32, INT64 (no annotation, as Spark)
**   UTINYINT..UBIGINT  INT32/INT64  INT(n,unsigned) / UINT_n
**   FLOAT, DOUBLE  FLOAT, DOUBLE
**   DECIMAL(p,s)   p <= 9 INT32, p <= 18 INT64, else FIXED_LEN_BYTE_ARRAY of
**                  the fewest bytes holding 10^p - 1 in two's complement;
**                  DECIMAL(p,s) / DECIMAL with scale and precision
**   STRING         BYTE_ARRAY  STRING / UTF8;     BINARY  BYTE_ARRAY
**   DATE           INT32  DATE / DATE
**   TIMESTAMP      INT64  TIMESTAMP(UTC, MICROS) / TIMESTAMP_MICROS
**   TIMESTAMP_NTZ  INT64  TIMESTAMP(local, MICROS)  (no converted type: the
**                  legacy one means UTC-adjusted)
**   TIMESTAMP_NS   INT64  TIMESTAMP(local, NANOS)
**   TIME           INT64  TIME(local, MICROS);  TIME_UTC  TIME(UTC, MICROS) / TIME_MICROS
**   UUID           FIXED_LEN_BYTE_ARRAY(16)  UUID
**   INTERVAL       FIXED_LEN_BYTE_ARRAY(12)  / INTERVAL (converted only: the
**                  logical INTERVAL is reserved). Milliseconds: lago's
**                  microseconds are truncated to whole milliseconds.
**   STRUCT         group
**   ARRAY          3-level list:  <opt|req> group name (LIST) {
**                                   repeated group list { <opt|req> element } }
**   MAP            <opt|req> group name (MAP) {
**                    repeated group key_value { required key; <opt|req> value } }
** Nullable fields are OPTIONAL, others REQUIRED; field ids are written when
** type_field.has_field_id. LT_NULL and empty structs have no Parquet form
** (LAGO_UNSUPPORTED).
*/
#include <string.h>

#include "format/parquet/pq_write_int.h"
#include "util/numfmt.h"

#define MAX_DEPTH 64

typedef struct build_ctx {
  arena *ar;
  lago_err *err;
  pqw_schema *s;
  uint32_t column;               /* current top-level column */
  uint32_t depth;                /* steps on the stack */
  pqw_step steps[MAX_DEPTH];
  uint32_t n_names;              /* Parquet names on the stack (path_in_schema) */
  const char *names[MAX_DEPTH * 3];
  bool in_list;
} build_ctx;

int pqw_decimal_flba_width(int precision) {
  __int128 maxv = pow10_i128(precision) - 1;
  for (int n = 1; n < 16; n++) {
    __int128 lim = ((__int128)1 << (8 * n - 1)) - 1;
    if (maxv <= lim) return n;
  }
  return 16;
}

bool pqw_type_compatible(lago_type have, lago_type want) {
  if (have.id != want.id) return false;
  if (want.id == LT_DECIMAL) return have.precision == want.precision && have.scale == want.scale;
  if (!type_is_nested(want)) return true;
  if (type_n_fields(have) != type_n_fields(want)) return false;
  for (uint32_t i = 0; i < type_n_fields(want); i++)
    if (!pqw_type_compatible(type_field_at(have, i)->type, type_field_at(want, i)->type)) return false;
  return true;
}

static uint32_t count_elements(lago_type t) {
  switch (t.id) {
    case LT_STRUCT: {
      uint32_t n = 1;
      for (uint32_t i = 0; i < type_n_fields(t); i++) n += count_elements(type_field_at(t, i)->type);
      return n;
    }
    case LT_ARRAY: return 2 + count_elements(type_element(t));
    case LT_MAP: return 2 + count_elements(type_map_key(t)) + count_elements(type_map_value(t));
    default: return 1;
  }
}

static uint32_t count_leaves(lago_type t) {
  switch (t.id) {
    case LT_STRUCT: {
      uint32_t n = 0;
      for (uint32_t i = 0; i < type_n_fields(t); i++) n += count_leaves(type_field_at(t, i)->type);
      return n;
    }
    case LT_ARRAY: return count_leaves(type_element(t));
    case LT_MAP: return count_leaves(type_map_key(t)) + count_leaves(type_map_value(t));
    default: return 1;
  }
}

static pq_schema_element *new_element(build_ctx *cx, const char *name, pq_repetition rep) {
  pq_schema_element *e = &cx->s->elements[cx->s->n_elements++];
  memset(e, 0, sizeof *e);
  e->name = name;
  e->has_repetition = true;
  e->repetition = rep;
  e->type_length = -1;
  e->num_children = -1;
  e->converted = PQC_NONE;
  e->scale = -1;
  e->precision = -1;
  return e;
}

static void set_int(pq_schema_element *e, pq_type pt, int bits, bool is_signed, pq_converted conv) {
  e->has_type = true;
  e->type = pt;
  e->converted = conv;
  e->logical.kind = PQL_INTEGER;
  e->logical.bit_width = (int8_t)bits;
  e->logical.is_signed = is_signed;
}

/* Physical type, annotations and writer facts of a primitive lago type. */
static int primitive(build_ctx *cx, pq_schema_element *e, pqw_leaf_desc *L, lago_type t) {
  e->has_type = true;
  L->order = PQW_ORD_SIGNED;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN:
      e->type = PQT_BOOLEAN;
      L->conv = PQW_CONV_BOOL;
      L->order = PQW_ORD_UNSIGNED;
      break;
    case LT_TINYINT: set_int(e, PQT_INT32, 8, true, PQC_INT_8); L->conv = PQW_CONV_I8; break;
    case LT_SMALLINT: set_int(e, PQT_INT32, 16, true, PQC_INT_16); L->conv = PQW_CONV_I16; break;
    case LT_INT: e->type = PQT_INT32; L->conv = PQW_CONV_COPY4; break;
    case LT_BIGINT: e->type = PQT_INT64; L->conv = PQW_CONV_COPY8; break;
    case LT_UTINYINT: set_int(e, PQT_INT32, 8, false, PQC_UINT_8); L->conv = PQW_CONV_U8; L->order = PQW_ORD_UNSIGNED; break;
    case LT_USMALLINT: set_int(e, PQT_INT32, 16, false, PQC_UINT_16); L->conv = PQW_CONV_U16; L->order = PQW_ORD_UNSIGNED; break;
    case LT_UINT: set_int(e, PQT_INT32, 32, false, PQC_UINT_32); L->conv = PQW_CONV_COPY4; L->order = PQW_ORD_UNSIGNED; break;
    case LT_UBIGINT: set_int(e, PQT_INT64, 64, false, PQC_UINT_64); L->conv = PQW_CONV_COPY8; L->order = PQW_ORD_UNSIGNED; break;
    case LT_FLOAT: e->type = PQT_FLOAT; L->conv = PQW_CONV_COPY4; L->order = PQW_ORD_FLOAT; break;
    case LT_DOUBLE: e->type = PQT_DOUBLE; L->conv = PQW_CONV_COPY8; L->order = PQW_ORD_FLOAT; break;
    case LT_DECIMAL:
      if (t.precision < 1 || t.precision > LAGO_DECIMAL_MAX_PRECISION || t.scale > t.precision)
        return LAGO_ERR(cx->err, LAGO_MISUSE, "parquet writer: column '%s': invalid DECIMAL(%d,%d)", e->name,
                        t.precision, t.scale);
      e->converted = PQC_DECIMAL;
      e->scale = t.scale;
      e->precision = t.precision;
      e->logical.kind = PQL_DECIMAL;
      e->logical.scale = t.scale;
      e->logical.precision = t.precision;
      if (t.precision <= 9) {
        e->type = PQT_INT32;
        L->conv = PQW_CONV_DEC_I32;
      } else if (t.precision <= 18) {
        e->type = PQT_INT64;
        L->conv = PQW_CONV_COPY8;
      } else {
        e->type = PQT_FIXED_LEN_BYTE_ARRAY;
        e->type_length = pqw_decimal_flba_width(t.precision);
        L->conv = PQW_CONV_DEC_FLBA;
        L->order = PQW_ORD_I128;
      }
      break;
    case LT_STRING:
      e->type = PQT_BYTE_ARRAY;
      e->converted = PQC_UTF8;
      e->logical.kind = PQL_STRING;
      L->conv = PQW_CONV_STR;
      L->order = PQW_ORD_BYTES;
      break;
    case LT_BINARY:
      e->type = PQT_BYTE_ARRAY;
      L->conv = PQW_CONV_STR;
      L->order = PQW_ORD_BYTES;
      break;
    case LT_DATE:
      e->type = PQT_INT32;
      e->converted = PQC_DATE;
      e->logical.kind = PQL_DATE;
      L->conv = PQW_CONV_COPY4;
      break;
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ:
    case LT_TIMESTAMP_NS:
      e->type = PQT_INT64;
      e->logical.kind = PQL_TIMESTAMP;
      e->logical.is_adjusted_to_utc = t.id == LT_TIMESTAMP;
      e->logical.unit = t.id == LT_TIMESTAMP_NS ? PQU_NANOS : PQU_MICROS;
      if (t.id == LT_TIMESTAMP) e->converted = PQC_TIMESTAMP_MICROS;
      L->conv = PQW_CONV_COPY8;
      break;
    case LT_TIME:
    case LT_TIME_UTC:
      e->type = PQT_INT64;
      e->logical.kind = PQL_TIME;
      e->logical.is_adjusted_to_utc = t.id == LT_TIME_UTC;
      e->logical.unit = PQU_MICROS;
      if (t.id == LT_TIME_UTC) e->converted = PQC_TIME_MICROS;
      L->conv = PQW_CONV_COPY8;
      break;
    case LT_UUID:
      e->type = PQT_FIXED_LEN_BYTE_ARRAY;
      e->type_length = 16;
      e->logical.kind = PQL_UUID;
      L->conv = PQW_CONV_UUID;
      L->order = PQW_ORD_BYTES;
      break;
    case LT_INTERVAL:
      e->type = PQT_FIXED_LEN_BYTE_ARRAY;
      e->type_length = 12;
      e->converted = PQC_INTERVAL;
      L->conv = PQW_CONV_INTERVAL;
      L->order = PQW_ORD_NONE;
      break;
    default:
      return LAGO_ERR(cx->err, LAGO_UNSUPPORTED, "parquet writer: column '%s': type %s cannot be written to Parquet",
                      e->name, type_id_name((lago_type_id)t.id));
  }
  L->ptype = e->type;
  L->fl_width = e->type == PQT_FIXED_LEN_BYTE_ARRAY ? e->type_length : 0;
  switch (e->type) {
    case PQT_BOOLEAN: L->vsize = 1; break;
    case PQT_INT32: case PQT_FLOAT: L->vsize = 4; break;
    case PQT_INT64: case PQT_DOUBLE: L->vsize = 8; break;
    case PQT_BYTE_ARRAY: L->vsize = sizeof(lago_str); break;
    default: L->vsize = (uint32_t)L->fl_width; break;
  }
  return LAGO_OK;
}

static int node(build_ctx *cx, const type_field *f, const char *pname, pq_repetition rep_kind, uint16_t def,
                uint16_t rep, bool ignore_nulls);

/* Pushes a step and a name, runs node(), pops. */
static int push_step(build_ctx *cx, pqw_step st) {
  if (cx->depth >= MAX_DEPTH)
    return LAGO_ERR(cx->err, LAGO_UNSUPPORTED, "parquet writer: column %u nests deeper than %d levels", cx->column,
                    MAX_DEPTH);
  cx->steps[cx->depth++] = st;
  return LAGO_OK;
}

static int leaf(build_ctx *cx, pq_schema_element *e, lago_type t, uint16_t def, uint16_t rep) {
  pqw_leaf_desc *L = &cx->s->leaves[cx->s->n_leaves];
  memset(L, 0, sizeof *L);
  TRY(primitive(cx, e, L, t));
  L->type = t;
  L->max_def = def;
  L->max_rep = rep;
  L->column = cx->column;
  L->in_list = cx->in_list;
  L->n_steps = cx->depth;
  L->steps = arena_memdup(cx->ar, cx->steps, cx->depth * sizeof(pqw_step));
  L->path_len = cx->n_names;
  L->path = arena_memdup(cx->ar, cx->names, cx->n_names * sizeof(char *));
  if (!L->steps || !L->path) return LAGO_NOMEM_ERR(cx->err);
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < cx->n_names && !rc; i++) {
    if (i) rc = buf_putc(&b, '.');
    if (!rc) rc = buf_puts(&b, cx->names[i]);
  }
  if (!rc) L->dotted = arena_strdup(cx->ar, buf_cstr(&b));
  buf_deinit(&b);
  if (rc || !L->dotted) return LAGO_NOMEM_ERR(cx->err);
  cx->s->n_leaves++;
  return LAGO_OK;
}

/*
** One schema node for field f (named pname in Parquet) with repetition
** rep_kind; def/rep are the levels of its parent. Emits the element(s) and
** recurses; leaves are recorded with the step stack.
*/
static int node(build_ctx *cx, const type_field *f, const char *pname, pq_repetition rep_kind, uint16_t def,
                uint16_t rep, bool ignore_nulls) {
  lago_type t = f->type;
  bool nullable = rep_kind == PQR_OPTIONAL;
  uint16_t d = (uint16_t)(def + (rep_kind != PQR_REQUIRED));
  pq_schema_element *e = new_element(cx, pname, rep_kind);
  if (f->has_field_id) {
    e->has_field_id = true;
    e->field_id = f->field_id;
  }
  if (cx->n_names >= MAX_DEPTH * 3)
    return LAGO_ERR(cx->err, LAGO_UNSUPPORTED, "parquet writer: column %u nests too deep", cx->column);
  cx->names[cx->n_names++] = pname;
  uint32_t saved_depth = cx->depth;
  int rc = LAGO_OK;
  pqw_step st = {0};
  st.nullable = nullable;
  st.ignore_nulls = ignore_nulls;
  st.name = f->name ? f->name : pname;
  if (t.id == LT_STRUCT) {
    uint32_t n = type_n_fields(t);
    if (n == 0)
      return LAGO_ERR(cx->err, LAGO_UNSUPPORTED, "parquet writer: field '%s' is a STRUCT with no fields, which "
                      "Parquet cannot represent", pname);
    e->num_children = (int32_t)n;
    st.kind = PQW_STEP_STRUCT;
    for (uint32_t i = 0; i < n && !rc; i++) {
      const type_field *c = type_field_at(t, i);
      st.field = i;
      rc = push_step(cx, st);
      if (!rc) rc = node(cx, c, c->name ? c->name : "", c->nullable ? PQR_OPTIONAL : PQR_REQUIRED, d, rep, false);
      cx->depth = saved_depth;
    }
  } else if (t.id == LT_ARRAY || t.id == LT_MAP) {
    bool is_map = t.id == LT_MAP;
    e->num_children = 1;
    e->converted = is_map ? PQC_MAP : PQC_LIST;
    e->logical.kind = is_map ? PQL_MAP : PQL_LIST;
    st.kind = PQW_STEP_LIST;
    st.rep_level = (uint16_t)(rep + 1);
    rc = push_step(cx, st);
    pq_schema_element *mid = rc ? NULL : new_element(cx, is_map ? "key_value" : "list", PQR_REPEATED);
    if (mid) {
      mid->num_children = is_map ? 2 : 1;
      cx->names[cx->n_names++] = mid->name;
      bool saved_in_list = cx->in_list;
      cx->in_list = true;
      if (!is_map) {
        const type_field *el = type_field_at(t, 0);
        rc = node(cx, el, "element", el->nullable ? PQR_OPTIONAL : PQR_REQUIRED, (uint16_t)(d + 1),
                  (uint16_t)(rep + 1), false);
      } else {
        pqw_step kv = {0};
        kv.kind = PQW_STEP_STRUCT;
        kv.ignore_nulls = true;
        kv.name = "key_value";
        for (uint32_t i = 0; i < 2 && !rc; i++) {
          const type_field *c = type_field_at(t, i);
          kv.field = i;
          uint32_t dd = cx->depth;
          rc = push_step(cx, kv);
          if (!rc)
            rc = node(cx, c, i == 0 ? "key" : "value", i == 0 || !c->nullable ? PQR_REQUIRED : PQR_OPTIONAL,
                      (uint16_t)(d + 1), (uint16_t)(rep + 1), false);
          cx->depth = dd;
        }
      }
      cx->in_list = saved_in_list;
      cx->n_names--;
    }
    cx->depth = saved_depth;
  } else {
    st.kind = PQW_STEP_LEAF;
    rc = push_step(cx, st);
    if (!rc) rc = leaf(cx, e, t, d, rep);
    cx->depth = saved_depth;
  }
  cx->n_names--;
  return rc;
}

int pqw_schema_build(arena *ar, lago_type schema, pqw_schema *out, lago_err *err) {
  memset(out, 0, sizeof *out);
  if (schema.id != LT_STRUCT)
    return LAGO_ERR(err, LAGO_MISUSE, "parquet writer: the schema must be a STRUCT, got %s",
                    type_id_name((lago_type_id)schema.id));
  uint32_t n = type_n_fields(schema);
  if (n == 0) return LAGO_ERR(err, LAGO_UNSUPPORTED, "parquet writer: a Parquet file needs at least one column");
  uint32_t n_el = count_elements(schema), n_leaves = count_leaves(schema);
  out->elements = arena_calloc(ar, n_el, sizeof *out->elements);
  out->leaves = arena_calloc(ar, n_leaves, sizeof *out->leaves);
  build_ctx *cx = arena_zalloc(ar, sizeof *cx);
  if (!out->elements || !out->leaves || !cx) return LAGO_NOMEM_ERR(err);
  cx->ar = ar;
  cx->err = err;
  cx->s = out;
  pq_schema_element *root = new_element(cx, "schema", PQR_REQUIRED);
  root->has_repetition = false;
  root->num_children = (int32_t)n;
  out->n_columns = n;
  for (uint32_t i = 0; i < n; i++) {
    const type_field *f = type_field_at(schema, i);
    cx->column = i;
    cx->depth = 0;
    cx->n_names = 0;
    cx->in_list = false;
    TRY(node(cx, f, f->name ? f->name : "", f->nullable ? PQR_OPTIONAL : PQR_REQUIRED, 0, 0, false));
  }
  return LAGO_OK;
}
