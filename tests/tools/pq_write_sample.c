/*
** tests/tools/pq_write_sample.c: writes Parquet files with lago's writer for
** the DuckDB interop test (tests/scripts/parquet_write_duckdb.sh), covering
** every lago type with nulls and extreme values, nested values (arrays of
** structs, maps, nested lists, null vs empty lists), every codec,
** dictionary on/off, v1/v2 pages, delta encodings, small row groups and
** pages, page index, and every input vector shape (FLAT, CONST, DICT, and
** batches with a selection vector).
**
**   pq_write_sample OUTDIR [NAME]     (NAME: only that configuration)
** For each configuration NAME it writes
**   OUTDIR/NAME.parquet       the file
**   OUTDIR/NAME.expected.csv  its rows as canonical text (vec/value_text.h),
**                             rendered from the input vectors, header first
**   OUTDIR/NAME.meta.tsv      what the file must contain, for
**                             tests/node/pq_meta_check.mjs: rows, row groups,
**                             codec, page type, schema elements (physical,
**                             repetition, converted, logical, field id and
**                             the DuckDB type they must read as), data-page
**                             encodings per leaf
** and prints one line per file. The expected annotations come from this
** file's own table (expect_schema), written from the task's mapping, not
** from the writer's code.
*/
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/parquet/parquet.h"
#include "io/fs.h"
#include "util/numfmt.h"
#include "vec/value_text.h"

enum { DS_TYPES, DS_NESTED, DS_REQUIRED, DS_MANY };

typedef struct cfg {
  const char *name;
  int dataset;
  pq_codec codec;
  int level;
  bool no_dict, v2, delta, page_index;
  uint32_t page_bytes;
  uint64_t rg_rows;
  uint32_t dict_max;
} cfg;

static const cfg CFGS[] = {
    {"types_snappy", DS_TYPES, PQ_CODEC_SNAPPY, 0, false, false, false, false, 0, 0, 0},
    {"types_uncompressed_plain", DS_TYPES, PQ_CODEC_UNCOMPRESSED, 0, true, false, false, false, 0, 0, 0},
    {"types_gzip_v2", DS_TYPES, PQ_CODEC_GZIP, 9, false, true, false, true, 0, 0, 0},
    {"types_zstd_plain_delta_v2", DS_TYPES, PQ_CODEC_ZSTD, 7, true, true, true, false, 0, 0, 0},
    {"types_lz4raw_small", DS_TYPES, PQ_CODEC_LZ4_RAW, 0, false, false, false, true, 64, 7, 0},
    {"types_brotli_delta_small", DS_TYPES, PQ_CODEC_BROTLI, 5, false, false, true, false, 200, 13, 64},
    {"nested_snappy", DS_NESTED, PQ_CODEC_SNAPPY, 0, false, false, false, false, 0, 0, 0},
    {"nested_zstd_v2_small", DS_NESTED, PQ_CODEC_ZSTD, 0, false, true, false, true, 48, 5, 0},
    {"nested_plain_delta", DS_NESTED, PQ_CODEC_UNCOMPRESSED, 0, true, false, true, false, 0, 0, 0},
    {"nested_gzip_fallback", DS_NESTED, PQ_CODEC_GZIP, 0, false, false, false, true, 100, 0, 32},
    {"nested_brotli_v2_delta", DS_NESTED, PQ_CODEC_BROTLI, 0, false, true, true, false, 0, 17, 16},
    {"required_lz4raw_v2", DS_REQUIRED, PQ_CODEC_LZ4_RAW, 0, false, true, false, true, 0, 0, 0},
    {"required_snappy_plain", DS_REQUIRED, PQ_CODEC_SNAPPY, 0, true, false, false, false, 100, 9, 0},
    {"many_snappy_small", DS_MANY, PQ_CODEC_SNAPPY, 0, false, false, false, true, 2048, 1100, 4096},
    {"many_zstd_v2_delta", DS_MANY, PQ_CODEC_ZSTD, 0, false, true, true, false, 0, 0, 8192},
    {"many_gzip_plain", DS_MANY, PQ_CODEC_GZIP, 1, true, false, false, false, 0, 0, 0},
};

/* ---- deterministic values ------------------------------------------------- */

static uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

#define F_NAN 1 /* floating column that may hold NaN */

static void die(const char *what, int rc, const lago_err *e) {
  fprintf(stderr, "pq_write_sample: %s: %s %s\n", what, lago_rc_name(rc), e ? e->msg : "");
  exit(1);
}
#define CHECK(x)                                  \
  do {                                            \
    int rc_ = (x);                                \
    if (rc_) die(#x, rc_, NULL);                  \
  } while (0)

static lago_i128 rand_decimal(uint64_t h, int precision) {
  lago_i128 lim = pow10_i128(precision);
  unsigned __int128 u = ((unsigned __int128)mix(h) << 64) | mix(h + 1);
  lago_i128 v = (lago_i128)(u % (unsigned __int128)lim);
  return (h & 2) ? -v : v;
}

static void gen(vec *v, uint32_t row, uint64_t h, int flags);

/* One value of primitive type t into FLAT row `row` of v (never null). */
static void gen_prim(vec *v, uint32_t row, uint64_t h, int flags) {
  lago_type t = v->type;
  bool special = h % 4 == 0;
  uint64_t r = mix(h * 31 + 7), k = r % 16;
  void *d = v->data;
  switch ((lago_type_id)t.id) {
    case LT_BOOLEAN: ((uint8_t *)d)[row] = r & 1; break;
    case LT_TINYINT: ((int8_t *)d)[row] = special ? (k & 1 ? INT8_MIN : INT8_MAX) : (int8_t)r; break;
    case LT_SMALLINT: ((int16_t *)d)[row] = special ? (k & 1 ? INT16_MIN : INT16_MAX) : (int16_t)r; break;
    case LT_INT: ((int32_t *)d)[row] = special ? (k & 1 ? INT32_MIN : k & 2 ? INT32_MAX : 0) : (int32_t)r; break;
    case LT_BIGINT: ((int64_t *)d)[row] = special ? (k & 1 ? INT64_MIN : k & 2 ? INT64_MAX : -1) : (int64_t)r; break;
    case LT_UTINYINT: ((uint8_t *)d)[row] = special ? (k & 1 ? 0 : UINT8_MAX) : (uint8_t)r; break;
    case LT_USMALLINT: ((uint16_t *)d)[row] = special ? (k & 1 ? 0 : UINT16_MAX) : (uint16_t)r; break;
    case LT_UINT: ((uint32_t *)d)[row] = special ? (k & 1 ? 0 : UINT32_MAX) : (uint32_t)r; break;
    case LT_UBIGINT: ((uint64_t *)d)[row] = special ? (k & 1 ? 0 : UINT64_MAX) : r; break;
    case LT_FLOAT: {
      static const float sp[] = {INFINITY, -INFINITY, -0.0f, 0.0f, FLT_MAX, -FLT_MAX, FLT_MIN, 1.4e-45f,
                                 1.1f, 16777216.0f, 1e16f, 0.0001f, -2.5f, 3.4028235e38f, NAN, 100.0f};
      float f = special ? sp[k] : ldexpf((float)(int32_t)(r >> 40) / 8388608.0f, (int)(r % 60) - 30);
      if (isnan(f) && !(flags & F_NAN)) f = 0.5f;
      ((float *)d)[row] = f;
      break;
    }
    case LT_DOUBLE: {
      static const double sp[] = {INFINITY, -INFINITY, -0.0, 0.0, DBL_MAX, -DBL_MAX, DBL_MIN, 5e-324,
                                  0.1, 1e16, 123456.789, 1e-5, -2.5, 9007199254740993.0, NAN, 1.0 / 3};
      double x = special ? sp[k] : ldexp((double)(int64_t)(r >> 11) / 4503599627370496.0, (int)(r % 200) - 100);
      if (isnan(x) && !(flags & F_NAN)) x = 0.25;
      ((double *)d)[row] = x;
      break;
    }
    case LT_DECIMAL: {
      lago_i128 x;
      if (special) {
        lago_i128 mx = pow10_i128(t.precision) - 1;
        x = k & 1 ? mx : k & 2 ? -mx : k & 4 ? 0 : (k & 8 ? 1 : -1);
      } else {
        x = rand_decimal(r, t.precision);
      }
      if (t.precision > 18) memcpy((lago_i128 *)d + row, &x, sizeof x);
      else ((int64_t *)d)[row] = (int64_t)x;
      break;
    }
    case LT_STRING: {
      static const char *sp[] = {"", "a", "\"quoted\", with comma", "line\nfeed", "\xc3\xa9\xe6\x97\xa5\xe6\x9c\xac",
                                 "\\N", "prefix_common_a", "prefix_common_b", "prefix_common",
                                 "a long string that is longer than sixty-four bytes, to be truncated in the index",
                                 "tab\there", "z", "NULL", "back\\slash", "12 chars ok!", "13 chars ok!!"};
      char tmp[64];
      const char *s = sp[k];
      uint32_t n = (uint32_t)strlen(s);
      if (!special) {
        n = (uint32_t)snprintf(tmp, sizeof tmp, "s%0*llx", (int)(r % 30) + 1, (unsigned long long)(r >> 8));
        s = tmp;
      }
      CHECK(vec_set_str(v, row, s, n));
      break;
    }
    case LT_BINARY: {
      uint8_t tmp[40];
      uint32_t n = special ? (uint32_t)(k % 4) : (uint32_t)(r % 33);
      for (uint32_t i = 0; i < n; i++) tmp[i] = special ? (k & 4 ? 0xff : 0) : (uint8_t)mix(r + i);
      CHECK(vec_set_str(v, row, (const char *)tmp, n));
      break;
    }
    case LT_DATE: {
      static const int32_t sp[] = {-719162, 2932896, 0, -1, 35000000, -1000000, 1, 18000};
      ((int32_t *)d)[row] = special ? sp[k % 8] : (int32_t)((int64_t)(r % 400001) - 200000);
      break;
    }
    case LT_TIMESTAMP:
    case LT_TIMESTAMP_NTZ: {
      static const int64_t sp[] = {INT64_C(-62135596800000000), INT64_C(253402300799999999), 0, -1, 1,
                                   INT64_C(1700000000123456), INT64_C(-1000000), INT64_C(86400000000)};
      ((int64_t *)d)[row] = special ? sp[k % 8] : (int64_t)(r % INT64_C(40000000000000000)) - INT64_C(20000000000000000);
      break;
    }
    case LT_TIMESTAMP_NS: {
      static const int64_t sp[] = {0, -1, INT64_C(9223372036854775000), INT64_C(-9223286399999999999), 1,
                                   INT64_C(1700000000123456789), 999, INT64_C(-86400000000000)};
      ((int64_t *)d)[row] = special ? sp[k % 8] : (int64_t)r / 2;
      break;
    }
    case LT_TIME:
    case LT_TIME_UTC: {
      static const int64_t sp[] = {0, INT64_C(86399999999), 1, INT64_C(43200000000)};
      ((int64_t *)d)[row] = special ? sp[k % 4] : (int64_t)(r % INT64_C(86400000000));
      break;
    }
    case LT_UUID: {
      uint8_t *u = (uint8_t *)d + 16 * (size_t)row;
      for (int i = 0; i < 16; i++) u[i] = special ? (k & 1 ? 0xff : 0) : (uint8_t)mix(r + (uint64_t)i);
      break;
    }
    case LT_INTERVAL: {
      lago_interval *iv = (lago_interval *)d + row;
      if (special && (k & 1)) {
        iv->months = INT32_MAX;
        iv->days = INT32_MAX;
        iv->micros = (int64_t)UINT32_MAX * 1000;
      } else if (special) {
        iv->months = iv->days = 0;
        iv->micros = 0;
      } else {
        iv->months = (int32_t)(r % 1000);
        iv->days = (int32_t)((r >> 10) % 1000);
        iv->micros = (int64_t)((r >> 20) % UINT32_MAX) * 1000;
      }
      break;
    }
    default:
      fprintf(stderr, "gen_prim: unexpected type %d\n", t.id);
      exit(1);
  }
}

/* Whether row `row` of a nullable field gets a NULL. */
static bool pick_null(uint64_t h) { return mix(h ^ 0x5555) % 7 == 0; }

/* Fills FLAT row `row` of v (any type, nested included); nulls only where nullable. */
static void gen_value(vec *v, uint32_t row, uint64_t h, bool nullable, int flags) {
  if (row >= v->cap) CHECK(vec_reserve(v, row + 1));
  if (v->len <= row) v->len = row + 1;
  if (nullable && pick_null(h)) {
    CHECK(vec_set_null(v, row));
    if (v->type.id == LT_STRUCT) /* keep field rows defined */
      for (uint32_t i = 0; i < type_n_fields(v->type); i++) {
        vec *f = v->fields[i];
        if (row >= f->cap) CHECK(vec_reserve(f, row + 1));
        if (f->len <= row) f->len = row + 1;
        CHECK(vec_set_null(f, row));
      }
    if (v->type.id == LT_ARRAY || v->type.id == LT_MAP) memset((lago_list *)v->data + row, 0, sizeof(lago_list));
    return;
  }
  vec_set_valid(v, row);
  gen(v, row, h, flags);
}

static void gen(vec *v, uint32_t row, uint64_t h, int flags) {
  lago_type t = v->type;
  if (t.id == LT_STRUCT) {
    for (uint32_t i = 0; i < type_n_fields(t); i++) {
      const type_field *f = type_field_at(t, i);
      gen_value(v->fields[i], row, mix(h + 101 * (i + 1)), f->nullable, flags);
    }
  } else if (t.id == LT_ARRAY || t.id == LT_MAP) {
    uint64_t r = mix(h + 3);
    uint32_t n = (uint32_t)(r % 5); /* 0..4 elements: empty lists are common */
    uint32_t off;
    CHECK(vec_list_reserve(v, n, &off));
    lago_list *l = (lago_list *)v->data + row;
    l->offset = off;
    l->length = n;
    for (uint32_t k = 0; k < n; k++) {
      if (t.id == LT_ARRAY) {
        gen_value(v->child, off + k, mix(h + 1000 + k), type_field_at(t, 0)->nullable, flags);
      } else {
        vec *kv = v->child; /* STRUCT<key, value>: keys unique within a map */
        vec *key = kv->fields[0];
        if (key->type.id == LT_STRING) {
          char tmp[32];
          int kn = snprintf(tmp, sizeof tmp, "k%u_%llu", k, (unsigned long long)(r % 97));
          CHECK(vec_set_str(key, off + k, tmp, (uint32_t)kn));
        } else if (key->type.id == LT_INT) {
          ((int32_t *)key->data)[off + k] = (int32_t)(k * 1000 + r % 1000);
        } else {
          fprintf(stderr, "map key type %d unsupported here\n", key->type.id);
          exit(1);
        }
        gen_value(kv->fields[1], off + k, mix(h + 2000 + k), type_field_at(t, 1)->nullable, flags);
        vec_set_valid(kv, off + k);
      }
    }
  } else {
    gen_prim(v, row, h, flags);
  }
}

/* ---- datasets ----------------------------------------------------------------- */

typedef struct colspec {
  const char *name;
  const char *type_text;  /* Spark SQL text, or NULL to use id */
  lago_type_id id;
  int precision, scale;
  bool nullable;
  int flags;
  int32_t field_id;       /* 0 = none */
} colspec;

static const colspec TYPES_COLS[] = {
    {"b", NULL, LT_BOOLEAN, 0, 0, true, 0, 0},
    {"i8", NULL, LT_TINYINT, 0, 0, true, 0, 0},
    {"i16", NULL, LT_SMALLINT, 0, 0, true, 0, 0},
    {"i32", NULL, LT_INT, 0, 0, true, 0, 0},
    {"i64", NULL, LT_BIGINT, 0, 0, true, 0, 0},
    {"u8", NULL, LT_UTINYINT, 0, 0, true, 0, 0},
    {"u16", NULL, LT_USMALLINT, 0, 0, true, 0, 0},
    {"u32", NULL, LT_UINT, 0, 0, true, 0, 0},
    {"u64", NULL, LT_UBIGINT, 0, 0, true, 0, 0},
    {"f32", NULL, LT_FLOAT, 0, 0, true, F_NAN, 0},
    {"f64", NULL, LT_DOUBLE, 0, 0, true, 0, 0},
    {"f64nan", NULL, LT_DOUBLE, 0, 0, true, F_NAN, 0},
    {"d4", NULL, LT_DECIMAL, 4, 2, true, 0, 0},
    {"d9", NULL, LT_DECIMAL, 9, 3, true, 0, 0},
    {"d18", NULL, LT_DECIMAL, 18, 6, true, 0, 0},
    {"d20", NULL, LT_DECIMAL, 20, 2, true, 0, 0},
    {"d38", NULL, LT_DECIMAL, 38, 10, true, 0, 0},
    {"d38s0", NULL, LT_DECIMAL, 38, 0, true, 0, 0},
    {"s", NULL, LT_STRING, 0, 0, true, 0, 0},
    {"bin", NULL, LT_BINARY, 0, 0, true, 0, 0},
    {"dt", NULL, LT_DATE, 0, 0, true, 0, 0},
    {"ts", NULL, LT_TIMESTAMP, 0, 0, true, 0, 0},
    {"tsntz", NULL, LT_TIMESTAMP_NTZ, 0, 0, true, 0, 0},
    {"tsns", NULL, LT_TIMESTAMP_NS, 0, 0, true, 0, 0},
    {"tm", NULL, LT_TIME, 0, 0, true, 0, 0},
    {"tmutc", NULL, LT_TIME_UTC, 0, 0, true, 0, 0},
    {"uuid", NULL, LT_UUID, 0, 0, true, 0, 0},
    {"iv", NULL, LT_INTERVAL, 0, 0, true, 0, 0},
};

static const colspec NESTED_COLS[] = {
    {"id", NULL, LT_INT, 0, 0, false, 0, 0},
    {"a", "ARRAY<INT>", 0, 0, 0, true, 0, 0},
    {"s", "STRUCT<x: INT, y: STRING, z: STRUCT<p: DOUBLE, q: ARRAY<STRING>>>", 0, 0, 0, true, 0, 0},
    {"m", "MAP<STRING, BIGINT>", 0, 0, 0, true, 0, 0},
    {"aos", "ARRAY<STRUCT<k: BIGINT, v: STRING, w: DECIMAL(30,4)>>", 0, 0, 0, true, 0, 0},
    {"ll", "ARRAY<ARRAY<SMALLINT>>", 0, 0, 0, true, 0, 0},
    {"mv", "MAP<INT, STRUCT<d: DATE, t: TIMESTAMP, b: BOOLEAN>>", 0, 0, 0, true, 0, 0},
    {"sreq", "STRUCT<r: INT NOT NULL, o: STRING>", 0, 0, 0, true, 0, 0},
    {"req_arr", "ARRAY<STRING>", 0, 0, 0, false, 0, 0},
    {"lf", "ARRAY<FLOAT>", 0, 0, 0, true, 0, 0},
    {"lbin", "ARRAY<BINARY>", 0, 0, 0, true, 0, 0},
};

static const colspec REQUIRED_COLS[] = {
    {"id", NULL, LT_BIGINT, 0, 0, false, 0, 1},
    {"flag", NULL, LT_BOOLEAN, 0, 0, false, 0, 2},
    {"name", NULL, LT_STRING, 0, 0, false, 0, 3},
    {"price", NULL, LT_DECIMAL, 12, 2, false, 0, 4},
    {"big", NULL, LT_DECIMAL, 25, 5, false, 0, 5},
    {"day", NULL, LT_DATE, 0, 0, false, 0, 6},
    {"at", NULL, LT_TIMESTAMP_NTZ, 0, 0, false, 0, 7},
    {"opt", NULL, LT_DOUBLE, 0, 0, true, 0, 8},
    {"tags", "ARRAY<STRING>", 0, 0, 0, false, 0, 9},
    {"u", NULL, LT_UUID, 0, 0, false, 0, 10},
};

static const colspec MANY_COLS[] = {
    {"id", NULL, LT_BIGINT, 0, 0, false, 0, 0},
    {"cat", NULL, LT_STRING, 0, 0, true, 0, 0},
    {"uniq", NULL, LT_STRING, 0, 0, true, 0, 0},
    {"v", NULL, LT_DOUBLE, 0, 0, true, 0, 0},
    {"small", NULL, LT_INT, 0, 0, false, 0, 0},
};

static lago_type build_schema(arena *ar, const colspec *cs, uint32_t n) {
  type_field *f = arena_calloc(ar, n, sizeof *f);
  lago_err e;
  lago_err_clear(&e);
  for (uint32_t i = 0; i < n; i++) {
    f[i].name = cs[i].name;
    f[i].nullable = cs[i].nullable;
    if (cs[i].field_id) {
      f[i].has_field_id = true;
      f[i].field_id = cs[i].field_id;
    }
    if (cs[i].type_text) {
      int rc = type_parse(ar, cs[i].type_text, &f[i].type, &e);
      if (rc) die(cs[i].type_text, rc, &e);
      if (!cs[i].nullable && f[i].type.id == LT_ARRAY) {
        lago_type el = type_element(f[i].type);
        CHECK(type_array(ar, el, false, &f[i].type)); /* required elements too */
      }
    } else if (cs[i].id == LT_DECIMAL) {
      f[i].type = type_decimal(cs[i].precision, cs[i].scale);
    } else {
      f[i].type = type_make(cs[i].id);
    }
  }
  lago_type st;
  CHECK(type_struct_fields(ar, n, f, &st));
  return st;
}

/* ---- expected metadata --------------------------------------------------------- */

typedef struct expect {
  FILE *f;
  const cfg *c;
  bool many;
} expect;

/* One schema element line: name type type_length repetition num_children converted scale precision field_id logical duckdb_type */
static void el(expect *x, const char *name, const char *type, int tl, const char *rep, int nc, const char *conv,
               int scale, int prec, int fid, const char *logical, const char *duck) {
  char tls[16] = "\\N", ncs[16] = "\\N", sc[16] = "\\N", pr[16] = "\\N", fi[16] = "\\N";
  if (tl >= 0) snprintf(tls, sizeof tls, "%d", tl);
  if (nc >= 0) snprintf(ncs, sizeof ncs, "%d", nc);
  if (scale >= 0) snprintf(sc, sizeof sc, "%d", scale);
  if (prec >= 0) snprintf(pr, sizeof pr, "%d", prec);
  if (fid > 0) snprintf(fi, sizeof fi, "%d", fid);
  fprintf(x->f, "schema\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, type ? type : "\\N", tls, rep, ncs,
          conv ? conv : "\\N", sc, pr, fi, logical ? logical : "\\N", duck ? duck : "\\N");
}

static void data_enc(expect *x, const char *path, lago_type t) {
  const cfg *c = x->c;
  bool is_bool = t.id == LT_BOOLEAN;
  bool is_int = t.id == LT_TINYINT || t.id == LT_SMALLINT || t.id == LT_INT || t.id == LT_BIGINT ||
                t.id == LT_UTINYINT || t.id == LT_USMALLINT || t.id == LT_UINT || t.id == LT_UBIGINT ||
                t.id == LT_DATE || t.id == LT_TIMESTAMP || t.id == LT_TIMESTAMP_NTZ || t.id == LT_TIMESTAMP_NS ||
                t.id == LT_TIME || t.id == LT_TIME_UTC || (t.id == LT_DECIMAL && t.precision <= 18);
  bool is_ba = t.id == LT_STRING || t.id == LT_BINARY;
  if (is_bool) {
    fprintf(x->f, "data_enc_only\t%s\t%s\n", path, c->v2 ? "RLE" : "PLAIN");
    return;
  }
  if (c->no_dict) {
    fprintf(x->f, "data_enc_not\t%s\tRLE_DICTIONARY\n", path);
    if (c->delta && is_int) fprintf(x->f, "data_enc_only\t%s\tDELTA_BINARY_PACKED\n", path);
    else if (c->delta && is_ba) fprintf(x->f, "data_enc_only\t%s\tDELTA_LENGTH_BYTE_ARRAY\n", path);
    else fprintf(x->f, "data_enc_only\t%s\tPLAIN\n", path);
    return;
  }
  fprintf(x->f, "data_enc_has\t%s\tRLE_DICTIONARY\n", path);
  if (x->many && (!strcmp(path, "id") || !strcmp(path, "uniq"))) {
    /* unique values: the dictionary stops paying and the chunk falls back */
    fprintf(x->f, "data_enc_has\t%s\t%s\n", path,
            c->delta ? (is_ba ? "DELTA_LENGTH_BYTE_ARRAY" : "DELTA_BINARY_PACKED") : "PLAIN");
  }
  if (x->many && (!strcmp(path, "cat") || !strcmp(path, "small")))
    fprintf(x->f, "data_enc_only\t%s\tRLE_DICTIONARY\n", path);
  if (!c->delta) {
    fprintf(x->f, "data_enc_not\t%s\tDELTA_BINARY_PACKED\n", path);
    fprintf(x->f, "data_enc_not\t%s\tDELTA_LENGTH_BYTE_ARRAY\n", path);
  }
}

/* Expected schema elements for field f (the task's mapping table, restated). */
static void expect_field(expect *x, const type_field *f, const char *pname, const char *rep, const char *path) {
  lago_type t = f->type;
  int fid = f->has_field_id ? f->field_id : 0;
  char pbuf[256], lg[64];
  switch ((lago_type_id)t.id) {
    case LT_STRUCT: {
      el(x, pname, NULL, -1, rep, (int)type_n_fields(t), NULL, -1, -1, fid, NULL, NULL);
      for (uint32_t i = 0; i < type_n_fields(t); i++) {
        const type_field *c = type_field_at(t, i);
        snprintf(pbuf, sizeof pbuf, "%s.%s", path, c->name);
        expect_field(x, c, c->name, c->nullable ? "OPTIONAL" : "REQUIRED", pbuf);
      }
      return;
    }
    case LT_ARRAY: {
      el(x, pname, NULL, -1, rep, 1, "LIST", -1, -1, fid, "LIST", NULL);
      el(x, "list", NULL, -1, "REPEATED", 1, NULL, -1, -1, 0, NULL, NULL);
      const type_field *c = type_field_at(t, 0);
      snprintf(pbuf, sizeof pbuf, "%s.list.element", path);
      expect_field(x, c, "element", c->nullable ? "OPTIONAL" : "REQUIRED", pbuf);
      return;
    }
    case LT_MAP: {
      el(x, pname, NULL, -1, rep, 1, "MAP", -1, -1, fid, "MAP", NULL);
      el(x, "key_value", NULL, -1, "REPEATED", 2, NULL, -1, -1, 0, NULL, NULL);
      snprintf(pbuf, sizeof pbuf, "%s.key_value.key", path);
      expect_field(x, type_field_at(t, 0), "key", "REQUIRED", pbuf);
      const type_field *v = type_field_at(t, 1);
      snprintf(pbuf, sizeof pbuf, "%s.key_value.value", path);
      expect_field(x, v, "value", v->nullable ? "OPTIONAL" : "REQUIRED", pbuf);
      return;
    }
    case LT_BOOLEAN: el(x, pname, "BOOLEAN", -1, rep, -1, NULL, -1, -1, fid, NULL, "BOOLEAN"); break;
    case LT_TINYINT: el(x, pname, "INT32", -1, rep, -1, "INT_8", -1, -1, fid, "INT(8,signed)", "TINYINT"); break;
    case LT_SMALLINT: el(x, pname, "INT32", -1, rep, -1, "INT_16", -1, -1, fid, "INT(16,signed)", "SMALLINT"); break;
    case LT_INT: el(x, pname, "INT32", -1, rep, -1, NULL, -1, -1, fid, NULL, "INTEGER"); break;
    case LT_BIGINT: el(x, pname, "INT64", -1, rep, -1, NULL, -1, -1, fid, NULL, "BIGINT"); break;
    case LT_UTINYINT: el(x, pname, "INT32", -1, rep, -1, "UINT_8", -1, -1, fid, "INT(8,unsigned)", "UTINYINT"); break;
    case LT_USMALLINT:
      el(x, pname, "INT32", -1, rep, -1, "UINT_16", -1, -1, fid, "INT(16,unsigned)", "USMALLINT");
      break;
    case LT_UINT: el(x, pname, "INT32", -1, rep, -1, "UINT_32", -1, -1, fid, "INT(32,unsigned)", "UINTEGER"); break;
    case LT_UBIGINT: el(x, pname, "INT64", -1, rep, -1, "UINT_64", -1, -1, fid, "INT(64,unsigned)", "UBIGINT"); break;
    case LT_FLOAT: el(x, pname, "FLOAT", -1, rep, -1, NULL, -1, -1, fid, NULL, "FLOAT"); break;
    case LT_DOUBLE: el(x, pname, "DOUBLE", -1, rep, -1, NULL, -1, -1, fid, NULL, "DOUBLE"); break;
    case LT_DECIMAL: {
      /* Spark's table: INT32 to 9 digits, INT64 to 18, else the smallest FLBA */
      static const int flba[39] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4, 5, 5, 6, 6, 6, 7, 7, 8, 8, 9,
                                   9, 9, 10, 10, 11, 11, 11, 12, 12, 13, 13, 13, 14, 14, 15, 15, 16, 16, 16};
      snprintf(lg, sizeof lg, "DECIMAL(%d,%d)", t.precision, t.scale);
      const char *pt = t.precision <= 9 ? "INT32" : t.precision <= 18 ? "INT64" : "FIXED_LEN_BYTE_ARRAY";
      el(x, pname, pt, t.precision > 18 ? flba[t.precision] : -1, rep, -1, "DECIMAL", t.scale, t.precision, fid, lg,
         lg);
      break;
    }
    case LT_STRING: el(x, pname, "BYTE_ARRAY", -1, rep, -1, "UTF8", -1, -1, fid, "STRING", "VARCHAR"); break;
    case LT_BINARY: el(x, pname, "BYTE_ARRAY", -1, rep, -1, NULL, -1, -1, fid, NULL, "BLOB"); break;
    case LT_DATE: el(x, pname, "INT32", -1, rep, -1, "DATE", -1, -1, fid, "DATE", "DATE"); break;
    case LT_TIMESTAMP:
      el(x, pname, "INT64", -1, rep, -1, "TIMESTAMP_MICROS", -1, -1, fid, "TIMESTAMP(MICROS,UTC)",
         "TIMESTAMP WITH TIME ZONE");
      break;
    case LT_TIMESTAMP_NTZ:
      el(x, pname, "INT64", -1, rep, -1, NULL, -1, -1, fid, "TIMESTAMP(MICROS,local)", "TIMESTAMP");
      break;
    case LT_TIMESTAMP_NS:
      el(x, pname, "INT64", -1, rep, -1, NULL, -1, -1, fid, "TIMESTAMP(NANOS,local)", "TIMESTAMP_NS");
      break;
    case LT_TIME: el(x, pname, "INT64", -1, rep, -1, NULL, -1, -1, fid, "TIME(MICROS,local)", "TIME"); break;
    case LT_TIME_UTC:
      el(x, pname, "INT64", -1, rep, -1, "TIME_MICROS", -1, -1, fid, "TIME(MICROS,UTC)", "TIME WITH TIME ZONE");
      break;
    case LT_UUID: el(x, pname, "FIXED_LEN_BYTE_ARRAY", 16, rep, -1, NULL, -1, -1, fid, "UUID", "UUID"); break;
    case LT_INTERVAL:
      el(x, pname, "FIXED_LEN_BYTE_ARRAY", 12, rep, -1, "INTERVAL", -1, -1, fid, NULL, "INTERVAL");
      break;
    default: fprintf(stderr, "expect_field: type %d\n", t.id); exit(1);
  }
  data_enc(x, path, t);
}

/* ---- batches ------------------------------------------------------------------- */

/* Fills column c (schema field f) for physical rows 0..n-1 of a fresh batch, as FLAT, CONST or DICT. */
static void fill_column(arena *ar, vec *v, const type_field *f, uint32_t n, uint64_t seed, int shape, int flags) {
  if (shape == 1) {
    /* CONST: one generated value for every row */
    CHECK(vec_init(v, ar, f->type, 1));
    gen_value(v, 0, seed, f->nullable, flags);
    CHECK(vec_make_const(v, n));
    return;
  }
  if (shape == 2) {
    /* DICT: 3 distinct dictionary values, codes pick among them, nulls on the DICT vector */
    vec *dict = vec_new(ar, f->type, 3);
    if (!dict) die("vec_new", LAGO_NOMEM, NULL);
    for (uint32_t k = 0; k < 3; k++) gen_value(dict, k, mix(seed + k), false, flags);
    dict->len = 3;
    CHECK(vec_init(v, ar, f->type, n));
    CHECK(vec_make_dict(v, dict, n));
    for (uint32_t r = 0; r < n; r++) {
      ((uint32_t *)v->data)[r] = (uint32_t)(mix(seed + 17 * r) % 3);
      if (f->nullable && pick_null(seed + r)) CHECK(vec_set_null(v, r));
    }
    v->len = n;
    return;
  }
  CHECK(vec_init(v, ar, f->type, n));
  for (uint32_t r = 0; r < n; r++) gen_value(v, r, mix(seed * 1000003 + r), f->nullable, flags);
  v->len = n;
}

static void write_config(const char *dir, const cfg *c) {
  arena *ar = arena_new("sample", 1 << 16);
  lago_err e;
  lago_err_clear(&e);
  const colspec *cs;
  uint32_t ncols;
  uint32_t total_rows, batch_rows;
  switch (c->dataset) {
    case DS_TYPES: cs = TYPES_COLS; ncols = sizeof TYPES_COLS / sizeof *cs; total_rows = 120; batch_rows = 50; break;
    case DS_NESTED: cs = NESTED_COLS; ncols = sizeof NESTED_COLS / sizeof *cs; total_rows = 90; batch_rows = 40; break;
    case DS_REQUIRED:
      cs = REQUIRED_COLS; ncols = sizeof REQUIRED_COLS / sizeof *cs; total_rows = 40; batch_rows = 16;
      break;
    default: cs = MANY_COLS; ncols = sizeof MANY_COLS / sizeof *cs; total_rows = 5000; batch_rows = 1000; break;
  }
  lago_type schema = build_schema(ar, cs, ncols);
  char path[1024];
  snprintf(path, sizeof path, "%s/%s.parquet", dir, c->name);
  remove(path);
  pq_write_opts o;
  pq_write_opts_init(&o);
  o.codec = c->codec;
  o.level = c->level;
  o.no_dictionary = c->no_dict;
  o.data_page_v2 = c->v2;
  o.delta_encodings = c->delta;
  o.page_index = c->page_index;
  o.page_bytes = c->page_bytes;
  o.row_group_rows = c->rg_rows;
  o.dict_max_bytes = c->dict_max;
  const char *keys[] = {"lago.sample", "empty"};
  const char *vals[] = {c->name, NULL};
  o.n_key_value = 2;
  o.kv_keys = keys;
  o.kv_values = vals;
  pq_writer *w;
  int rc = pq_writer_open(fs_local(), path, schema, &o, &w, &e);
  if (rc) die("pq_writer_open", rc, &e);
  buf text;
  buf_init(&text);
  for (uint32_t i = 0; i < ncols; i++) {
    if (i) CHECK(buf_putc(&text, ','));
    CHECK(value_text_quote(&text, cs[i].name, strlen(cs[i].name)));
  }
  CHECK(buf_putc(&text, '\n'));
  arena *bar = arena_new("batch", 1 << 16);
  uint32_t done = 0, bno = 0;
  while (done < total_rows) {
    uint32_t n = total_rows - done < batch_rows ? total_rows - done : batch_rows;
    arena_reset(bar);
    /* batch shapes: 0 plain FLAT; 1 FLAT with a selection vector (every other of 2n rows);
       2 some columns CONST/DICT; then again */
    int shape = c->dataset == DS_MANY ? (int)(bno % 2) : (int)(bno % 3);
    uint32_t phys = shape == 1 ? 2 * n : n;
    batch *b = arena_zalloc(bar, sizeof *b);
    b->ar = bar;
    b->n_cols = ncols;
    b->cols = arena_zalloc(bar, ncols * sizeof(vec));
    for (uint32_t i = 0; i < ncols; i++) {
      const type_field *f = type_field_at(schema, i);
      vec *v = &b->cols[i];
      uint64_t seed = mix(((uint64_t)bno << 32) ^ (i * 7919) ^ (uint64_t)c->dataset << 20);
      if (c->dataset == DS_MANY) {
        CHECK(vec_init(v, bar, f->type, phys));
        for (uint32_t r = 0; r < phys; r++) {
          uint64_t g = (uint64_t)done * 2 + r; /* distinct across the file */
          char tmp[64];
          switch (i) {
            case 0: ((int64_t *)v->data)[r] = (int64_t)(g * 7 + 1); break;
            case 1: {
              int k = snprintf(tmp, sizeof tmp, "category_%llu", (unsigned long long)(mix(g) % 10));
              if (mix(g) % 13 == 0) CHECK(vec_set_null(v, r));
              else CHECK(vec_set_str(v, r, tmp, (uint32_t)k));
              break;
            }
            case 2: {
              int k = snprintf(tmp, sizeof tmp, "unique-%08llx-%llu", (unsigned long long)mix(g + 99),
                               (unsigned long long)g);
              CHECK(vec_set_str(v, r, tmp, (uint32_t)k));
              break;
            }
            case 3:
              if (g % 5 == 1) CHECK(vec_set_null(v, r));
              else ((double *)v->data)[r] = (double)(int64_t)(mix(g) % 100000) / 64.0;
              break;
            default: ((int32_t *)v->data)[r] = (int32_t)(mix(g) % 50); break;
          }
        }
        v->len = phys;
      } else {
        int col_shape = 0;
        if (shape == 2) col_shape = (i % 3 == 1) ? 1 : (i % 3 == 2) ? 2 : 0;
        if (shape == 2 && !f->nullable && col_shape == 2 && f->type.id == LT_ARRAY) col_shape = 0;
        fill_column(bar, v, f, phys, seed, col_shape, cs[i].flags);
      }
    }
    b->n_rows = n;
    if (shape == 1) {
      b->sel = arena_alloc(bar, n * sizeof(uint32_t));
      for (uint32_t r = 0; r < n; r++) b->sel[r] = 2 * r + (r & 1);
    }
    for (uint32_t r = 0; r < n; r++) {
      uint32_t pr = b->sel ? b->sel[r] : r;
      for (uint32_t i = 0; i < ncols; i++) {
        if (i) CHECK(buf_putc(&text, ','));
        CHECK(value_text_append(&text, &b->cols[i], pr));
      }
      CHECK(buf_putc(&text, '\n'));
    }
    rc = pq_writer_write(w, b, &e);
    if (rc) die("pq_writer_write", rc, &e);
    done += n;
    bno++;
  }
  pq_file_stats st;
  rc = pq_writer_close(w, ar, &st, &e);
  if (rc) die("pq_writer_close", rc, &e);
  char p2[1024];
  snprintf(p2, sizeof p2, "%s/%s.expected.csv", dir, c->name);
  FILE *f = fopen(p2, "wb");
  if (!f) die(p2, LAGO_IO, NULL);
  fwrite(text.data, 1, text.len, f);
  fclose(f);
  snprintf(p2, sizeof p2, "%s/%s.meta.tsv", dir, c->name);
  f = fopen(p2, "wb");
  if (!f) die(p2, LAGO_IO, NULL);
  expect x = {f, c, c->dataset == DS_MANY};
  uint64_t rg = c->rg_rows ? c->rg_rows : 1048576;
  fprintf(f, "rows\t%u\n", total_rows);
  fprintf(f, "row_groups\t%llu\n", (unsigned long long)((total_rows + rg - 1) / rg));
  fprintf(f, "codec\t%s\n", c->codec == PQ_CODEC_UNCOMPRESSED ? "UNCOMPRESSED" : c->codec == PQ_CODEC_SNAPPY ? "SNAPPY"
                           : c->codec == PQ_CODEC_GZIP ? "GZIP" : c->codec == PQ_CODEC_ZSTD ? "ZSTD"
                           : c->codec == PQ_CODEC_LZ4_RAW ? "LZ4_RAW" : "BROTLI");
  fprintf(f, "page_type\t%s\n", c->v2 ? "DATA_PAGE_V2" : "DATA_PAGE");
  fprintf(f, "page_index\t%d\n", c->page_index ? 1 : 0);
  fprintf(f, "kv\tlago.sample\t%s\n", c->name);
  for (uint32_t i = 0; i < ncols; i++) {
    const type_field *fl = type_field_at(schema, i);
    expect_field(&x, fl, fl->name, fl->nullable ? "OPTIONAL" : "REQUIRED", fl->name);
  }
  /* File statistics as the Delta layer gets them: per leaf null count and min/max text. */
  for (uint32_t i = 0; i < st.n_leaves; i++) {
    const pq_leaf_stats *ls = &st.leaves[i];
    buf p;
    buf_init(&p);
    for (uint32_t k = 0; k < ls->path_len; k++) {
      if (k) CHECK(buf_putc(&p, '.'));
      CHECK(buf_puts(&p, ls->path[k]));
    }
    fprintf(f, "fstats\t%s\t%lld\t%lld", buf_cstr(&p), (long long)ls->null_count, (long long)ls->value_count);
    if (ls->has_min_max) {
      buf mm;
      buf_init(&mm);
      CHECK(value_text_append(&mm, ls->min_max, 0));
      size_t sep = mm.len;
      CHECK(buf_putc(&mm, '\t'));
      CHECK(value_text_append(&mm, ls->min_max, 1));
      fputc('\t', f);
      for (const char *q = buf_cstr(&mm); *q; q++) { /* tabs inside values are escaped (\t, \n, \\) */
        if (*q == '\\') fputs("\\\\", f);
        else if (*q == '\n') fputs("\\n", f);
        else if (*q == '\t' && q != buf_cstr(&mm) + sep) fputs("\\t", f);
        else fputc(*q, f);
      }
      buf_deinit(&mm);
    }
    fputc('\n', f);
    buf_deinit(&p);
  }
  fclose(f);
  printf("%s: %u rows, %llu bytes\n", c->name, total_rows, (unsigned long long)st.file_size);
  buf_deinit(&text);
  arena_free(bar);
  arena_free(ar);
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pq_write_sample OUTDIR [NAME]\n");
    return 2;
  }
  for (size_t i = 0; i < sizeof CFGS / sizeof *CFGS; i++)
    if (argc < 3 || !strcmp(argv[2], CFGS[i].name)) write_config(argv[1], &CFGS[i]);
  return 0;
}
