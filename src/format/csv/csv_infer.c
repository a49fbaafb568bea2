/*
** format/csv/csv_infer.c: the schema of CSV files (names, then types when
** inferSchema/inferColumnTypes is on), and schemaHints.
**
** Follows Spark's CSVInferSchema: each non-null value gets the narrowest of
**   INT -> BIGINT -> DECIMAL(p,0) (integers beyond BIGINT, <= 38 digits)
**   DECIMAL(p,s) for "1.50" only with prefersDecimal, else DOUBLE
**   DOUBLE (any other number, NaN, Inf) -> DATE (preferDate, strict
**   dateFormat or yyyy-MM-dd) -> TIMESTAMP (timestampFormat, or Spark's
**   cast rules) -> BOOLEAN -> STRING
** and a column's type is the fold of its values with compatibleType:
**   equal -> itself; INT+BIGINT -> BIGINT; integers+DECIMAL -> wider DECIMAL
**   (DOUBLE past 38 digits); any number + DOUBLE -> DOUBLE; DATE+TIMESTAMP ->
**   TIMESTAMP; anything else -> STRING; a column with no value -> STRING.
** The fold is commutative and associative, so the result does not depend on
** how rows are split; one thread reads the files in order anyway.
** Header names as Spark's makeSafeHeader: an empty name becomes _c<i>, a
** name seen twice (case-insensitive) becomes <name><i> everywhere it occurs.
*/
#include <string.h>
#include <strings.h>

#include "format/csv/csv_int.h"
#include "util/alloc.h"
#include "util/datetime.h"

enum { IT_NULL = 0, IT_BOOL, IT_INT, IT_BIGINT, IT_DEC, IT_DOUBLE, IT_DATE, IT_TS, IT_STRING };

typedef struct itype {
  uint8_t k, p, s;
} itype;

static itype it(uint8_t k, uint8_t p, uint8_t s) {
  itype t = {k, p, s};
  return t;
}

static bool is_digits(const char *s, uint32_t n) {
  if (!n) return false;
  for (uint32_t i = 0; i < n; i++)
    if ((unsigned)(unsigned char)s[i] - '0' > 9) return false;
  return true;
}

static itype infer_value(const csv_dec *d, const char *s, uint32_t n) {
  const csv_options *o = d->o;
  int64_t i64;
  /* Integers. */
  if (txt_parse_i64(s, n, &i64) == 0) return it(i64 >= INT32_MIN && i64 <= INT32_MAX ? IT_INT : IT_BIGINT, 0, 0);
  uint32_t k = n && (s[0] == '-' || s[0] == '+');
  if (is_digits(s + k, n - k)) {
    while (k < n - 1 && s[k] == '0') k++;
    uint32_t nd = n - k;
    return nd <= LAGO_DECIMAL_MAX_PRECISION ? it(IT_DEC, (uint8_t)nd, 0) : it(IT_DOUBLE, 0, 0);
  }
  /* Plain decimals "12.50": DECIMAL with prefersDecimal. */
  const char *dot = memchr(s + k, '.', n - k);
  if (o->prefers_decimal && dot && (dot > s + k || (uint32_t)(dot - s) + 1 < n) &&
      (dot == s + k || is_digits(s + k, (uint32_t)(dot - s - k))) &&
      ((uint32_t)(dot - s) + 1 == n || is_digits(dot + 1, n - (uint32_t)(dot - s) - 1))) {
    uint32_t scale = n - (uint32_t)(dot - s) - 1, digits = 0;
    bool lead = true;
    for (uint32_t j = k; j < n; j++) {
      if (s[j] == '.') continue;
      if (lead && s[j] == '0') continue;
      lead = false;
      digits++;
    }
    uint32_t p = digits > scale ? digits : scale;
    if (p == 0) p = 1;
    if (p <= LAGO_DECIMAL_MAX_PRECISION) return it(IT_DEC, (uint8_t)p, (uint8_t)scale);
    return it(IT_DOUBLE, 0, 0);
  }
  double dv;
  if (csv_dec_value(d, type_make(LT_DOUBLE), s, n, &dv) == 0) return it(IT_DOUBLE, 0, 0);
  /* Dates and timestamps. */
  if (o->prefers_date) {
    int32_t days;
    if (d->dt.have_date) {
      if (csv_dec_value(d, type_make(LT_DATE), s, n, &days) == 0) return it(IT_DATE, 0, 0);
    } else if (n == 10 && s[4] == '-' && s[7] == '-' && txt_parse_date(s, n, &days) == 0) {
      return it(IT_DATE, 0, 0);
    }
  }
  int64_t us;
  if (csv_dec_value(d, type_make(LT_TIMESTAMP), s, n, &us) == 0) return it(IT_TS, 0, 0);
  if ((n == 4 && !strncasecmp(s, "true", 4)) || (n == 5 && !strncasecmp(s, "false", 5))) return it(IT_BOOL, 0, 0);
  return it(IT_STRING, 0, 0);
}

static itype as_dec(itype a) {
  if (a.k == IT_INT) return it(IT_DEC, 10, 0);
  if (a.k == IT_BIGINT) return it(IT_DEC, 20, 0);
  return a;
}

static itype merge(itype a, itype b) {
  if (a.k == IT_NULL) return b;
  if (b.k == IT_NULL) return a;
  if (a.k == b.k && (a.k != IT_DEC || (a.p == b.p && a.s == b.s))) return a;
  if (a.k > b.k) {
    itype t = a;
    a = b;
    b = t;
  }
  /* Now a.k <= b.k. */
  if (a.k == IT_INT && b.k == IT_BIGINT) return b;
  if ((a.k == IT_INT || a.k == IT_BIGINT || a.k == IT_DEC) && b.k == IT_DEC) {
    a = as_dec(a);
    int scale = a.s > b.s ? a.s : b.s;
    int ra = a.p - a.s, rb = b.p - b.s, range = ra > rb ? ra : rb;
    if (range + scale > LAGO_DECIMAL_MAX_PRECISION) return it(IT_DOUBLE, 0, 0);
    return it(IT_DEC, (uint8_t)(range + scale), (uint8_t)scale);
  }
  if ((a.k == IT_INT || a.k == IT_BIGINT || a.k == IT_DEC) && b.k == IT_DOUBLE) return b;
  if (a.k == IT_DATE && b.k == IT_TS) return b;
  return it(IT_STRING, 0, 0);
}

static lago_type to_type(itype t) {
  switch (t.k) {
    case IT_BOOL: return type_make(LT_BOOLEAN);
    case IT_INT: return type_make(LT_INT);
    case IT_BIGINT: return type_make(LT_BIGINT);
    case IT_DEC: return type_decimal(t.p ? t.p : 1, t.s);
    case IT_DOUBLE: return type_make(LT_DOUBLE);
    case IT_DATE: return type_make(LT_DATE);
    case IT_TS: return type_make(LT_TIMESTAMP);
    default: return type_make(LT_STRING);
  }
}

typedef struct infer_state {
  bool have_cols;
  uint32_t n_cols;
  char **names;  /* heap array of names in ar */
  itype *types;  /* heap */
  uint64_t rows; /* rows considered (for sampling and the row limit) */
} infer_state;

static int infer_file(lago_fs *fs, const char *path, const csv_options *o, const csv_dec *d, arena *ar,
                      infer_state *st, lago_err *err) {
  csv_reader *r;
  TRY(csv_reader_open_raw(fs, path, o, &r, err));
  int rc = LAGO_OK;
  for (;;) {
    uint32_t n;
    rc = csv_reader_next_raw(r, &n, err);
    if (rc) break;
    if (!st->have_cols) {
      /* The first file with a record (or header) fixes the columns. */
      uint32_t nh = csv_reader_header_count(r);
      uint32_t nc = o->header ? nh : csv_reader_raw_cols(r);
      if (!o->header && n == 0) break;
      if (o->header && nh == 0) break;
      st->n_cols = nc;
      st->names = arena_calloc(ar, nc ? nc : 1, sizeof(char *));
      st->types = mem_calloc(nc ? nc : 1, sizeof(itype));
      if (!st->names || !st->types) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      for (uint32_t c = 0; c < nc; c++) {
        const char *h = o->header ? csv_reader_header_name(r, c) : "";
        if (!*h || (o->null_value[0] && !strcmp(h, o->null_value))) st->names[c] = arena_printf(ar, "_c%u", c);
        else st->names[c] = arena_strdup(ar, h);
        if (!st->names[c]) {
          rc = LAGO_NOMEM_ERR(err);
          break;
        }
      }
      if (rc) break;
      /* Duplicates (case-insensitive) get their index appended, every occurrence. */
      for (uint32_t c = 0; c < nc && o->header; c++) {
        bool dupl = false;
        for (uint32_t j = 0; j < nc && !dupl; j++)
          if (j != c && !strcasecmp(csv_reader_header_name(r, c), csv_reader_header_name(r, j)) &&
              *csv_reader_header_name(r, c))
            dupl = true;
        if (dupl && !(st->names[c] = arena_printf(ar, "%s%u", csv_reader_header_name(r, c), c))) {
          rc = LAGO_NOMEM_ERR(err);
          break;
        }
      }
      if (rc) break;
      st->have_cols = true;
    }
    if (n == 0) break;
    if (!o->infer_schema) break; /* names only */
    uint32_t cols = csv_reader_raw_cols(r);
    if (cols > st->n_cols) cols = st->n_cols;
    for (uint32_t row = 0; row < n; row++) {
      if (o->infer_max_rows && st->rows >= o->infer_max_rows) break;
      if (!txt_sampled(st->rows++, o->sampling_ratio)) continue;
      uint32_t nf = csv_reader_row_fields(r, row);
      for (uint32_t c = 0; c < cols && c < nf; c++) {
        uint32_t len;
        bool quoted;
        const char *s = csv_reader_tok(r, row, c, &len, &quoted);
        if (!s) continue;
        if (len == 0) {
          if (!quoted) continue;
          s = o->empty_value;
          len = (uint32_t)strlen(s);
          if (!strcmp(s, o->null_value) || len == 0) continue;
        } else if (o->null_value[0] && strlen(o->null_value) == len && !memcmp(s, o->null_value, len)) {
          continue;
        }
        if (st->types[c].k == IT_STRING) continue;
        st->types[c] = merge(st->types[c], infer_value(d, s, len));
      }
    }
    if (o->infer_max_rows && st->rows >= o->infer_max_rows) break;
  }
  csv_reader_close(r);
  return rc;
}

int csv_parse_schema_hints(arena *ar, const char *text, lago_type *out, lago_err *err) {
  txt_hint *h;
  uint32_t n;
  TRY(txt_hints_parse(ar, text, &h, &n, err));
  type_field *fields = arena_calloc(ar, n ? n : 1, sizeof *fields);
  if (!fields) return LAGO_NOMEM_ERR(err);
  for (uint32_t i = 0; i < n; i++) {
    if (h[i].n_path > 1) /* CSV columns are flat */
      return LAGO_ERR(err, LAGO_UNSUPPORTED, "schemaHints: nested field hints are not supported ('%s.%s')",
                      h[i].path[0], h[i].path[1]);
    fields[i].name = h[i].path[0];
    fields[i].type = h[i].type;
    fields[i].nullable = true;
  }
  return type_struct_fields(ar, n, fields, out) ? LAGO_NOMEM_ERR(err) : LAGO_OK;
}

int csv_infer_schema(lago_fs *fs, const char *const *paths, uint32_t n_paths, const csv_options *opts, arena *ar,
                     lago_type *out, lago_err *err) {
  TRY(csv_options_check(opts, err));
  csv_dec d;
  TRY(csv_dec_init(&d, opts, err));
  /* Inference reads everything as text; FAILFAST etc. apply to the real read. */
  csv_options o = *opts;
  o.mode = CSV_PERMISSIVE;
  o.bad_records_path = NULL;
  infer_state st;
  memset(&st, 0, sizeof st);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < n_paths && !rc; i++) {
    rc = infer_file(fs, paths[i], &o, &d, ar, &st, err);
    if (!opts->infer_schema && st.have_cols) break;
    if (opts->infer_max_rows && st.rows >= opts->infer_max_rows) break;
  }
  uint32_t nc = st.have_cols ? st.n_cols : 0;
  type_field *fields = NULL;
  lago_type hints = type_make(LT_STRUCT);
  uint32_t nh = 0;
  if (!rc && opts->schema_hints) {
    rc = csv_parse_schema_hints(ar, opts->schema_hints, &hints, err);
    if (!rc) nh = type_n_fields(hints);
  }
  if (!rc) {
    fields = arena_calloc(ar, nc + nh + 1, sizeof *fields);
    if (!fields) rc = LAGO_NOMEM_ERR(err);
  }
  uint32_t n = 0;
  for (uint32_t c = 0; !rc && c < nc; c++) {
    fields[n].name = st.names[c];
    fields[n].type = opts->infer_schema ? to_type(st.types[c]) : type_make(LT_STRING);
    fields[n].nullable = true;
    n++;
  }
  for (uint32_t h = 0; !rc && h < nh; h++) {
    const type_field *hf = type_field_at(hints, h);
    uint32_t c = 0;
    while (c < n && strcasecmp(fields[c].name, hf->name) != 0) c++;
    /* A hint for a column the files do not have is ignored: CSV columns are
    ** positional, so an appended column would make every record too short. */
    if (c < n) fields[c].type = hf->type;
  }
  if (!rc && type_struct_fields(ar, n, fields, out)) rc = LAGO_NOMEM_ERR(err);
  mem_free(st.types);
  return rc;
}
