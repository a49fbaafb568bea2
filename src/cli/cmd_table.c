/*
** cli/cmd_table.c: `lago table ...`: look at and maintain Delta tables
** (table/delta/delta.h, table/catalog.h). TABLE is a catalog name
** ([catalog.][schema.]table, managed under the warehouse or registered
** external) or a path (anything with a '/').
**
**   describe TABLE [--version N | --timestamp T]   columns and partitioning
**   detail   TABLE [...]                           DESCRIBE DETAIL-like facts
**   history  TABLE [--limit N]                     commits, newest first
**   files    TABLE [...]                           live data files
**   cat      TABLE [...] [--columns a,b]           rows as canonical CSV
**   changes  TABLE --from N [--to M]               change data feed as CSV
**   create   NAME --from FILE.parquet [--partition-by a,b] [--property k=v]... [--location DIR]
**   append   TABLE FILE.parquet... [--merge-schema] [--overwrite]
**   delete   TABLE --where COL=VALUE             deletes matching rows: deletion vectors when
**                                                  delta.enableDeletionVectors is set, else the
**                                                  files are rewritten (+ change data if CDF is on);
**                                                  VALUE is compared with the column's canonical text
**                                                  (strings without quotes, \N for NULL)
**   vacuum   TABLE [--retain HOURS] [--dry-run] [--force]
**   restore  TABLE (--version N | --timestamp T)
**   checkpoint TABLE
**   validate TABLE                                 strict protocol check of every log entry
**   list     [CATALOG.SCHEMA]                      tables of a schema
** Timestamps: "YYYY-MM-DD[ HH:MM[:SS[.f]]][Z|+HH:MM]" (UTC when no zone) or
** milliseconds since the epoch.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "table/catalog.h"
#include "table/delta/delta.h"
#include "util/datetime.h"
#include "util/numfmt.h"
#include "vec/type_json.h"
#include "vec/value_text.h"

typedef struct topts {
  const char *table;
  int64_t version;      /* -1 = latest */
  int64_t timestamp;    /* -1 = none */
  int64_t limit, from, to;
  const char *columns, *source, *partition_by, *location, *where;
  const char *props[32];
  int n_props;
  const char *files[64];
  int n_files;
  double retain;
  bool dry_run, force, merge_schema, overwrite;
} topts;

typedef struct tctx {
  tbl_handlers h;
  catalog *cat;
  arena *ar;
  lago_err err;
} tctx;

static int fail(tctx *c) { return cli_error("%s", c->err.msg); }

static int parse_ts(const char *s, int64_t *out) {
  int64_t ms;
  if (parse_i64(s, strlen(s), &ms) == LAGO_OK) {
    *out = ms;
    return 0;
  }
  int64_t us;
  bool zone;
  if (parse_timestamp(s, strlen(s), &us, &zone)) return -1;
  *out = floor_div64(us, 1000);
  return 0;
}

static int parse_args(const char *cmd, int argc, char **argv, topts *o) {
  memset(o, 0, sizeof *o);
  o->version = o->timestamp = o->to = -1;
  o->from = -1;
  o->retain = -1;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define NEEDV()                                                      \
  do {                                                               \
    if (!v) return cli_usage("table", "%s needs a value", a);       \
    i++;                                                             \
  } while (0)
    if (!strcmp(a, "--version")) {
      NEEDV();
      if (parse_i64(v, strlen(v), &o->version) || o->version < 0) return cli_usage("table", "bad version '%s'", v);
    } else if (!strcmp(a, "--timestamp")) {
      NEEDV();
      if (parse_ts(v, &o->timestamp)) return cli_usage("table", "bad timestamp '%s'", v);
    } else if (!strcmp(a, "--limit")) {
      NEEDV();
      if (parse_i64(v, strlen(v), &o->limit) || o->limit < 0) return cli_usage("table", "bad limit '%s'", v);
    } else if (!strcmp(a, "--from")) {
      NEEDV();
      if (!strcmp(cmd, "create")) o->source = v;
      else if (parse_i64(v, strlen(v), &o->from) || o->from < 0) return cli_usage("table", "bad version '%s'", v);
    } else if (!strcmp(a, "--to")) {
      NEEDV();
      if (parse_i64(v, strlen(v), &o->to) || o->to < 0) return cli_usage("table", "bad version '%s'", v);
    } else if (!strcmp(a, "--columns")) {
      NEEDV();
      o->columns = v;
    } else if (!strcmp(a, "--where")) {
      NEEDV();
      if (!strchr(v, '=')) return cli_usage("table", "--where needs COL=VALUE");
      o->where = v;
    } else if (!strcmp(a, "--partition-by")) {
      NEEDV();
      o->partition_by = v;
    } else if (!strcmp(a, "--location")) {
      NEEDV();
      o->location = v;
    } else if (!strcmp(a, "--property")) {
      NEEDV();
      if (!strchr(v, '=') || o->n_props == 32) return cli_usage("table", "--property needs KEY=VALUE");
      o->props[o->n_props++] = v;
    } else if (!strcmp(a, "--retain")) {
      NEEDV();
      char *end;
      o->retain = strtod(v, &end);
      if (*end || o->retain < 0) return cli_usage("table", "bad --retain hours '%s'", v);
    } else if (!strcmp(a, "--dry-run")) {
      o->dry_run = true;
    } else if (!strcmp(a, "--force")) {
      o->force = true;
    } else if (!strcmp(a, "--overwrite")) {
      o->overwrite = true;
    } else if (!strcmp(a, "--merge-schema")) {
      o->merge_schema = true;
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("table", "unknown option '%s'", a);
    } else if (!o->table) {
      o->table = a;
    } else if (o->n_files < 64) {
      o->files[o->n_files++] = a;
    } else {
      return cli_usage("table", "too many arguments");
    }
#undef NEEDV
  }
  if (o->version >= 0 && o->timestamp >= 0) return cli_usage("table", "give --version or --timestamp, not both");
  return CLI_OK;
}

static int open_table(tctx *c, const char *name, delta_table **t) {
  const char *root;
  if (catalog_resolve(c->cat, name, c->ar, &root, &c->err)) return fail(c);
  if (delta_table_open(&c->h, root, t, &c->err)) return fail(c);
  return CLI_OK;
}

static int load(tctx *c, delta_table *t, const topts *o, delta_snapshot **s) {
  int rc = o->timestamp >= 0 ? delta_snapshot_load_at_time(t, o->timestamp, s, &c->err)
                             : delta_snapshot_load(t, o->version, s, &c->err);
  return rc ? fail(c) : CLI_OK;
}

static void print_ts(int64_t ms) {
  char b[64];
  fmt_timestamp_us(ms * 1000, b);
  printf("%s", b);
}

static void csv_header(lago_type t, int n) {
  for (int i = 0; i < n; i++) {
    buf b;
    buf_init(&b);
    value_text_quote(&b, type_field_at(t, (uint32_t)i)->name, strlen(type_field_at(t, (uint32_t)i)->name));
    printf("%s%s", i ? "," : "", buf_cstr(&b));
    buf_deinit(&b);
  }
  printf("\n");
}

static void csv_batch(const batch *b) {
  buf line;
  buf_init(&line);
  for (uint32_t r = 0; r < b->n_rows; r++) {
    buf_clear(&line);
    for (uint32_t k = 0; k < b->n_cols; k++) {
      if (k) buf_putc(&line, ',');
      value_text_append(&line, &b->cols[k], batch_row(b, r));
    }
    puts(buf_cstr(&line));
  }
  buf_deinit(&line);
}

/* ---- read-only commands ---------------------------------------------------------- */

static int do_describe(tctx *c, delta_snapshot *s) {
  lago_type sch = delta_snapshot_schema(s);
  printf("col_name\tdata_type\tnullable\n");
  for (uint32_t i = 0; i < type_n_fields(sch); i++) {
    const type_field *f = type_field_at(sch, i);
    printf("%s\t%s\t%s\n", f->name, type_sql_name(c->ar, f->type), f->nullable ? "true" : "false");
  }
  uint32_t np = delta_snapshot_n_partition_columns(s);
  if (np) {
    printf("# Partition Information\n");
    for (uint32_t i = 0; i < np; i++) {
      const type_field *f = type_field_at(sch, delta_snapshot_partition_columns(s)[i]);
      printf("%s\t%s\n", f->name, type_sql_name(c->ar, f->type));
    }
  }
  return CLI_OK;
}

static void print_list(const char *key, int32_t n, const char **l) {
  printf("%s\t[", key);
  for (int32_t i = 0; i < n; i++) printf("%s\"%s\"", i ? "," : "", l[i]);
  printf("]\n");
}

static int do_detail(tctx *c, delta_snapshot *s) {
  const delta_metadata *md = delta_snapshot_metadata(s);
  const delta_protocol *p = delta_snapshot_protocol(s);
  const delta_file *f;
  size_t n;
  if (delta_snapshot_files(s, &f, &n, &c->err)) return fail(c);
  uint64_t bytes = 0;
  for (size_t i = 0; i < n; i++) bytes += (uint64_t)(f[i].size > 0 ? f[i].size : 0);
  printf("format\tdelta\n");
  printf("id\t%s\n", md->id);
  printf("name\t%s\n", md->name ? md->name : "");
  printf("description\t%s\n", md->description ? md->description : "");
  printf("location\t%s\n", delta_table_root(delta_snapshot_table(s)));
  printf("version\t%lld\n", (long long)delta_snapshot_version(s));
  printf("createdAt\t");
  if (md->created_time >= 0) print_ts(md->created_time);
  printf("\nlastModified\t");
  print_ts(delta_snapshot_timestamp(s));
  printf("\n");
  print_list("partitionColumns", (int32_t)md->n_partition_columns, md->partition_columns);
  printf("numFiles\t%zu\n", n);
  printf("sizeInBytes\t%llu\n", (unsigned long long)bytes);
  int64_t rows = delta_snapshot_num_rows(s, &c->err);
  if (rows >= 0) printf("numRows\t%lld\n", (long long)rows);
  printf("properties\t{");
  for (uint32_t i = 0; i < md->configuration.n; i++)
    printf("%s\"%s\":\"%s\"", i ? "," : "", md->configuration.kv[i].key,
           md->configuration.kv[i].value ? md->configuration.kv[i].value : "");
  printf("}\n");
  printf("minReaderVersion\t%d\nminWriterVersion\t%d\n", p->min_reader, p->min_writer);
  if (p->n_reader_features >= 0) print_list("readerFeatures", p->n_reader_features, p->reader_features);
  if (p->n_writer_features >= 0) print_list("writerFeatures", p->n_writer_features, p->writer_features);
  return CLI_OK;
}

static int do_files(tctx *c, delta_snapshot *s) {
  const delta_file *f;
  size_t n;
  if (delta_snapshot_files(s, &f, &n, &c->err)) return fail(c);
  printf("path\tsize\tpartitionValues\tstats\tdeletionVector\n");
  for (size_t i = 0; i < n; i++) {
    printf("%s\t%lld\t{", f[i].path, (long long)f[i].size);
    for (uint32_t k = 0; k < f[i].partition_values.n; k++) {
      const delta_kv *kv = &f[i].partition_values.kv[k];
      printf("%s\"%s\":", k ? "," : "", kv->key);
      if (kv->value) printf("\"%s\"", kv->value);
      else printf("null");
    }
    const char *st = f[i].stats ? f[i].stats : f[i].stats_parsed_json;
    printf("}\t%s\t", st ? st : "");
    if (f[i].dv.storage_type) printf("%s (%lld rows)", delta_dv_unique_id(c->ar, &f[i].dv), (long long)f[i].dv.cardinality);
    printf("\n");
  }
  return CLI_OK;
}

static int do_cat(tctx *c, delta_snapshot *s, const topts *o) {
  const char *cols[256];
  uint32_t nc = 0;
  char *copy = NULL;
  if (o->columns) {
    copy = arena_strdup(c->ar, o->columns);
    for (char *tok = strtok(copy, ","); tok && nc < 256; tok = strtok(NULL, ",")) cols[nc++] = tok;
  }
  delta_scan_opts so = {.columns = o->columns ? cols : NULL, .n_columns = nc};
  delta_scan *sc;
  if (delta_scan_new(s, &so, &sc, &c->err)) return fail(c);
  lago_type t = delta_scan_schema(sc);
  csv_header(t, (int)type_n_fields(t));
  delta_scan_iter *it;
  int rc = delta_scan_iter_open(sc, &it, &c->err);
  while (rc == LAGO_OK) {
    batch *b;
    rc = delta_scan_iter_next(it, &b, &c->err);
    if (rc || !b) break;
    csv_batch(b);
  }
  delta_scan_iter_close(it);
  delta_scan_free(sc);
  return rc ? fail(c) : CLI_OK;
}

static int do_history(tctx *c, delta_table *t, const topts *o) {
  delta_history_entry *h;
  size_t n;
  if (delta_history(t, (uint32_t)o->limit, c->ar, &h, &n, &c->err)) return fail(c);
  printf("version\ttimestamp\toperation\tcommitInfo\n");
  for (size_t i = 0; i < n; i++) {
    printf("%lld\t", (long long)h[i].version);
    print_ts(h[i].timestamp);
    printf("\t%s\t%s\n", h[i].ci && h[i].ci->operation ? h[i].ci->operation : "",
           h[i].ci ? h[i].ci->json : "");
  }
  return CLI_OK;
}

static int do_changes(tctx *c, delta_table *t, const topts *o) {
  if (o->from < 0) return cli_usage("table", "changes needs --from VERSION");
  delta_cdf *cdf;
  if (delta_cdf_open(t, o->from, o->to, &cdf, &c->err)) return fail(c);
  lago_type sch = delta_cdf_schema(cdf);
  csv_header(sch, (int)type_n_fields(sch));
  int rc;
  for (;;) {
    batch *b;
    rc = delta_cdf_next(cdf, &b, &c->err);
    if (rc || !b) break;
    csv_batch(b);
  }
  delta_cdf_close(cdf);
  return rc ? fail(c) : CLI_OK;
}

/* ---- writing from Parquet files ---------------------------------------------------- */

/* Appends the rows of a Parquet file, columns matched to the txn schema by name. */
static int append_file(tctx *c, delta_txn *x, const char *path, bool merge) {
  pq_file *pf;
  if (pq_open(c->h.fs, path, &pf, &c->err)) return LAGO_IO;
  lago_type fsch = pq_file_schema(pf);
  if (merge && delta_txn_evolve_schema(x, fsch, &c->err)) {
    pq_close(pf);
    return LAGO_BIND;
  }
  lago_type tsch = delta_txn_schema(x);
  uint32_t nt = type_n_fields(tsch);
  int *map = calloc(nt + 1, sizeof *map);
  for (uint32_t i = 0; i < nt; i++) map[i] = type_field_index(fsch, type_field_at(tsch, i)->name);
  int rc = LAGO_OK;
  for (uint32_t i = 0; i < type_n_fields(fsch) && rc == LAGO_OK; i++)
    if (type_field_index(tsch, type_field_at(fsch, i)->name) < 0)
      rc = LAGO_ERR(&c->err, LAGO_BIND, "%s: column \"%s\" is not in the table (use --merge-schema)", path,
                    type_field_at(fsch, i)->name);
  pq_reader *r = NULL;
  if (rc == LAGO_OK) rc = pq_reader_open(pf, NULL, &r, &c->err);
  arena *bar = arena_new("batch", 65536);
  while (rc == LAGO_OK) {
    batch *in;
    if ((rc = pq_reader_next(r, &in, NULL, &c->err)) || !in || !in->n_rows) break;
    arena_reset(bar);
    batch *b = arena_zalloc(bar, sizeof *b);
    b->cols = arena_zalloc(bar, (nt + 1) * sizeof *b->cols);
    b->n_cols = nt;
    b->n_rows = in->n_rows;
    b->sel = in->sel;
    b->ar = bar;
    for (uint32_t i = 0; i < nt; i++) {
      lago_type ft = type_field_at(tsch, i)->type;
      if (map[i] < 0) {
        b->cols[i] = *vec_new_const_null(bar, ft, in->cols[0].len);
      } else {
        b->cols[i] = in->cols[map[i]];
        if (!type_equal(b->cols[i].type, ft) && b->cols[i].type.id != ft.id)
          rc = LAGO_ERR(&c->err, LAGO_BIND, "%s: column \"%s\" is %s, the table has %s", path,
                        type_field_at(tsch, i)->name, type_sql_name(bar, b->cols[i].type), type_sql_name(bar, ft));
        b->cols[i].type = ft;
      }
    }
    if (rc == LAGO_OK) rc = delta_txn_write(x, b, &c->err);
  }
  arena_free(bar);
  pq_reader_close(r);
  pq_close(pf);
  free(map);
  return rc;
}

static int do_create(tctx *c, const topts *o) {
  if (!o->source) return cli_usage("table", "create needs --from FILE.parquet");
  const char *root;
  if (o->location) {
    if (catalog_is_path(o->table)) return cli_usage("table", "--location is for catalog names");
    root = o->location;
  } else if (catalog_resolve(c->cat, o->table, c->ar, &root, &c->err)) {
    return fail(c);
  }
  delta_table *t;
  if (delta_table_open(&c->h, root, &t, &c->err)) return fail(c);
  bool exists;
  if (delta_table_exists(t, &exists, &c->err)) {
    delta_table_free(t);
    return fail(c);
  }
  if (exists) {
    delta_table_free(t);
    return cli_error("table %s already exists at %s", o->table, root);
  }
  pq_file *pf;
  if (pq_open(c->h.fs, o->source, &pf, &c->err)) {
    delta_table_free(t);
    return fail(c);
  }
  lago_type sch;
  type_copy(c->ar, pq_file_schema(pf), &sch);
  pq_close(pf);
  const char *parts[64];
  uint32_t np = 0;
  if (o->partition_by) {
    char *copy = arena_strdup(c->ar, o->partition_by);
    for (char *tok = strtok(copy, ","); tok && np < 64; tok = strtok(NULL, ",")) parts[np++] = tok;
  }
  delta_kv kv[32];
  for (int i = 0; i < o->n_props; i++) {
    char *p = arena_strdup(c->ar, o->props[i]);
    char *eq = strchr(p, '=');
    *eq = 0;
    kv[i].key = p;
    kv[i].value = eq + 1;
  }
  delta_map cfg = {(uint32_t)o->n_props, kv};
  delta_txn_opts to = {.operation = "CREATE TABLE AS SELECT"};
  delta_txn *x;
  int rc = delta_txn_begin(t, NULL, &to, &x, &c->err);
  if (rc == LAGO_OK) rc = delta_txn_set_metadata(x, sch, np, parts, &cfg, &c->err);
  if (rc == LAGO_OK) rc = append_file(c, x, o->source, false);
  int64_t v;
  if (rc == LAGO_OK) {
    rc = delta_txn_commit(x, &v, &c->err);
    x = NULL;
  }
  delta_txn_abort(x);
  if (rc == LAGO_OK && o->location && !catalog_is_path(o->table)) {
    catalog_name n;
    rc = catalog_parse_name(o->table, &n, &c->err);
    if (rc == LAGO_OK) rc = catalog_register_external(c->cat, &n, o->location, &c->err);
  }
  delta_table_free(t);
  if (rc) return fail(c);
  printf("created %s at %s (version %lld)\n", o->table, root, (long long)v);
  return CLI_OK;
}

static int do_append(tctx *c, delta_table *t, const topts *o) {
  if (!o->n_files) return cli_usage("table", "append needs at least one Parquet file");
  delta_snapshot *s;
  if (delta_snapshot_load(t, -1, &s, &c->err)) return fail(c);
  delta_txn_opts to = {.operation = "WRITE",
                       .operation_params = o->overwrite ? "{\"mode\":\"Overwrite\"}" : "{\"mode\":\"Append\"}"};
  delta_txn *x;
  int rc = delta_txn_begin(t, s, &to, &x, &c->err);
  if (rc == LAGO_OK && o->overwrite) rc = delta_txn_remove_all(x, &c->err);
  for (int i = 0; i < o->n_files && rc == LAGO_OK; i++) rc = append_file(c, x, o->files[i], o->merge_schema);
  int64_t v = -1;
  if (rc == LAGO_OK) {
    rc = delta_txn_commit(x, &v, &c->err);
    x = NULL;
  }
  delta_txn_abort(x);
  delta_snapshot_unref(s);
  if (rc) return fail(c);
  printf("committed version %lld\n", (long long)v);
  return CLI_OK;
}

/* Does row r of v render as `want` (strings compared without their quotes)? */
static bool value_matches(const vec *v, uint32_t r, const char *want) {
  buf b;
  buf_init(&b);
  value_text_append(&b, v, r);
  const char *t = buf_cstr(&b);
  bool m;
  if (v->type.id == LT_STRING && vec_is_valid(v, r)) {
    buf raw;
    buf_init(&raw);
    const lago_str *sv = NULL;
    vec_view vw;
    vec_view_init(&vw, v);
    sv = &((const lago_str *)vw.data)[VIEW_IDX(&vw, r)];
    buf_append(&raw, str_data(sv), sv->len);
    m = !strcmp(buf_cstr(&raw), want);
    buf_deinit(&raw);
  } else {
    m = !strcmp(t, want);
  }
  buf_deinit(&b);
  return m;
}

static int do_delete(tctx *c, delta_table *t, const topts *o) {
  if (!o->where) return cli_usage("table", "delete needs --where COL=VALUE");
  char *col = arena_strdup(c->ar, o->where);
  char *val = strchr(col, '=');
  *val++ = 0;
  delta_snapshot *s;
  if (delta_snapshot_load(t, -1, &s, &c->err)) return fail(c);
  lago_type sch = delta_snapshot_schema(s);
  int ci = type_field_index(sch, col);
  if (ci < 0) {
    delta_snapshot_unref(s);
    return cli_error("no column \"%s\"", col);
  }
  bool use_dv = delta_snapshot_property(s, "delta.enableDeletionVectors") &&
                !strcasecmp(delta_snapshot_property(s, "delta.enableDeletionVectors"), "true");
  bool cdf = delta_snapshot_property(s, "delta.enableChangeDataFeed") &&
             !strcasecmp(delta_snapshot_property(s, "delta.enableChangeDataFeed"), "true");
  delta_txn_opts to = {.operation = "DELETE", .operation_params = NULL};
  buf pj;
  buf_init(&pj);
  json_writer w;
  json_w_init(&w, &pj);
  json_w_begin_obj(&w);
  json_w_key(&w, "predicate");
  char pred[600];
  snprintf(pred, sizeof pred, "[\"(%s = %s)\"]", col, val);
  json_w_str(&w, pred);
  json_w_end_obj(&w);
  json_w_finish(&w);
  to.operation_params = buf_cstr(&pj);
  delta_scan_opts so = {.with_row_index = true};
  delta_scan *sc = NULL;
  delta_txn *x = NULL;
  int rc = delta_scan_new(s, &so, &sc, &c->err);
  if (rc == LAGO_OK) rc = delta_txn_begin(t, s, &to, &x, &c->err);
  uint32_t ncols = type_n_fields(sch);
  int64_t deleted = 0, files_changed = 0;
  arena *far = arena_new("query", 65536);
  for (size_t fi = 0; rc == LAGO_OK && fi < delta_scan_n_files(sc); fi++) {
    const delta_file *f = delta_scan_file(sc, fi);
    /* pass 1: which rows match */
    arena_reset(far);
    uint64_t *rows = NULL;
    size_t nr = 0, cap = 0;
    delta_file_reader *r;
    if ((rc = delta_file_reader_open(sc, fi, &r, &c->err))) break;
    for (;;) {
      batch *b;
      if ((rc = delta_file_reader_next(r, &b, &c->err)) || !b) break;
      for (uint32_t i = 0; i < b->n_rows; i++) {
        uint32_t p = batch_row(b, i);
        if (!value_matches(&b->cols[ci], p, val)) continue;
        if (nr == cap) {
          size_t nc = cap ? cap * 2 : 64;
          uint64_t *nrws = arena_realloc(far, rows, cap * 8, nc * 8);
          rows = nrws;
          cap = nc;
        }
        rows[nr++] = (uint64_t)VEC_DATA(&b->cols[ncols], int64_t)[p];
      }
    }
    delta_file_reader_close(r);
    if (rc || !nr) continue;
    deleted += (int64_t)nr;
    files_changed++;
    if (use_dv) {
      rc = delta_txn_delete_rows(x, f, rows, nr, &c->err);
      continue;
    }
    /* pass 2: rewrite the kept rows (and the deleted ones as change data) */
    if ((rc = delta_txn_remove_file(x, f, true, &c->err))) break;
    if ((rc = delta_file_reader_open(sc, fi, &r, &c->err))) break;
    for (;;) {
      batch *b;
      if ((rc = delta_file_reader_next(r, &b, &c->err)) || !b) break;
      uint32_t *keep = arena_alloc(far, (b->n_rows + 1) * 4), *gone = arena_alloc(far, (b->n_rows + 1) * 4);
      uint32_t nk = 0, ng = 0;
      for (uint32_t i = 0; i < b->n_rows; i++) {
        uint32_t p = batch_row(b, i);
        if (value_matches(&b->cols[ci], p, val)) gone[ng++] = p;
        else keep[nk++] = p;
      }
      batch kb = {ncols, nk, b->cols, keep, b->ar};
      if (nk && (rc = delta_txn_write(x, &kb, &c->err))) break;
      if (cdf && ng) {
        vec *cols = arena_alloc(far, (ncols + 1) * sizeof *cols);
        memcpy(cols, b->cols, ncols * sizeof *cols);
        vec *ct = vec_new(far, type_make(LT_STRING), 1);
        vec_set_str(ct, 0, "delete", 6);
        vec_make_const(ct, b->cols[0].len);
        cols[ncols] = *ct;
        batch cb = {ncols + 1, ng, cols, gone, b->ar};
        if ((rc = delta_txn_write_cdc(x, &cb, &c->err))) break;
      }
    }
    delta_file_reader_close(r);
  }
  arena_free(far);
  if (rc == LAGO_OK) rc = delta_txn_set_metric(x, "numDeletedRows", deleted, &c->err);
  int64_t v = -1;
  if (rc == LAGO_OK && deleted) {
    rc = delta_txn_commit(x, &v, &c->err);
    x = NULL;
  }
  delta_txn_abort(x);
  delta_scan_free(sc);
  delta_snapshot_unref(s);
  buf_deinit(&pj);
  if (rc) return fail(c);
  if (v >= 0) printf("deleted %lld rows from %lld files (%s) as version %lld\n", (long long)deleted,
                     (long long)files_changed, use_dv ? "deletion vectors" : "rewritten", (long long)v);
  else printf("deleted 0 rows\n");
  return CLI_OK;
}

static void on_issue(void *ud, int64_t version, size_t line, const char *msg) {
  (void)ud;
  if (version < 0) printf("_last_checkpoint: %s\n", msg);
  else if (line) printf("version %lld line %zu: %s\n", (long long)version, line, msg);
  else printf("version %lld: %s\n", (long long)version, msg);
}

int cmd_table(cli_ctx *cx, int argc, char **argv) {
  if (argc < 2) return cli_usage("table", "expected a subcommand");
  const char *sub = argv[1];
  topts o;
  int urc = parse_args(sub, argc, argv, &o);
  if (urc) return urc;
  tctx c;
  memset(&c, 0, sizeof c);
  lago_err_clear(&c.err);
  c.h = tbl_handlers_default(fs_local());
  if (!(c.ar = arena_new("query", 65536))) return cli_error("out of memory");
  int rc = CLI_OK;
  if (catalog_open(&c.h, cx->warehouse, &c.cat, &c.err)) {
    rc = fail(&c);
    goto done;
  }
  if (!strcmp(sub, "list")) {
    catalog_name n;
    const char *cs = o.table ? o.table : "main.default";
    char buf2[300];
    snprintf(buf2, sizeof buf2, "%s.x", cs); /* parse CATALOG.SCHEMA as a table name's prefix */
    if (catalog_parse_name(buf2, &n, &c.err)) {
      rc = fail(&c);
      goto done;
    }
    catalog_entry *e;
    size_t ne;
    if (catalog_list(c.cat, n.catalog, n.schema, c.ar, &e, &ne, &c.err)) {
      rc = fail(&c);
      goto done;
    }
    static const char *kinds[] = {"", "MANAGED", "EXTERNAL", "VIEW", "VOLUME"};
    for (size_t i = 0; i < ne; i++) printf("%s.%s.%s\t%s\t%s\n", n.catalog, n.schema, e[i].name, kinds[e[i].kind],
                                           e[i].location ? e[i].location : "");
    goto done;
  }
  if (!o.table) {
    rc = cli_usage("table", "%s needs a TABLE", sub);
    goto done;
  }
  if (!strcmp(sub, "create")) {
    rc = do_create(&c, &o);
    goto done;
  }
  delta_table *t = NULL;
  if ((rc = open_table(&c, o.table, &t))) goto done;
  delta_snapshot *s = NULL;
  if (!strcmp(sub, "describe") || !strcmp(sub, "detail") || !strcmp(sub, "files") || !strcmp(sub, "cat")) {
    if ((rc = load(&c, t, &o, &s)) == CLI_OK) {
      if (!strcmp(sub, "describe")) rc = do_describe(&c, s);
      else if (!strcmp(sub, "detail")) rc = do_detail(&c, s);
      else if (!strcmp(sub, "files")) rc = do_files(&c, s);
      else rc = do_cat(&c, s, &o);
    }
  } else if (!strcmp(sub, "history")) {
    rc = do_history(&c, t, &o);
  } else if (!strcmp(sub, "changes")) {
    rc = do_changes(&c, t, &o);
  } else if (!strcmp(sub, "append")) {
    rc = do_append(&c, t, &o);
  } else if (!strcmp(sub, "delete")) {
    rc = do_delete(&c, t, &o);
  } else if (!strcmp(sub, "vacuum")) {
    delta_vacuum_opts vo = {.retain_hours = o.retain, .dry_run = o.dry_run, .force = o.force};
    delta_vacuum_result r;
    if (delta_vacuum(t, &vo, c.ar, &r, &c.err)) rc = fail(&c);
    else {
      for (size_t i = 0; i < r.n_files; i++) printf("%s\n", r.paths[i]);
      printf("%s %zu files (%llu bytes)\n", o.dry_run ? "would delete" : "deleted", r.n_files,
             (unsigned long long)r.bytes);
    }
  } else if (!strcmp(sub, "restore")) {
    int64_t v = o.version;
    if (o.timestamp >= 0) {
      if ((rc = load(&c, t, &o, &s)) == CLI_OK) v = delta_snapshot_version(s);
    } else if (v < 0) {
      rc = cli_usage("table", "restore needs --version or --timestamp");
    }
    int64_t nv;
    if (rc == CLI_OK) {
      if (delta_restore(t, v, &nv, &c.err)) rc = fail(&c);
      else printf("restored to version %lld as version %lld\n", (long long)v, (long long)nv);
    }
  } else if (!strcmp(sub, "checkpoint")) {
    if ((rc = load(&c, t, &o, &s)) == CLI_OK) {
      if (delta_checkpoint_write(s, &c.err)) rc = fail(&c);
      else printf("checkpoint written at version %lld\n", (long long)delta_snapshot_version(s));
    }
  } else if (!strcmp(sub, "validate")) {
    size_t n;
    if (delta_validate(t, on_issue, NULL, &n, &c.err)) rc = fail(&c);
    else if (n) rc = cli_error("%zu protocol violation%s", n, n == 1 ? "" : "s");
    else printf("ok\n");
  } else {
    rc = cli_usage("table", "unknown subcommand '%s'", sub);
  }
  delta_snapshot_unref(s);
  delta_table_free(t);
done:
  catalog_free(c.cat);
  arena_free(c.ar);
  return rc;
}
