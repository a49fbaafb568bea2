/*
** cli/cmd_parquet_convert.c: `lago parquet convert IN... OUT.parquet`
**
**   lago parquet convert IN.parquet|IN.csv [IN2 ...] OUT.parquet
**        [--codec snappy|zstd|gzip|lz4_raw|brotli|uncompressed] [--level N]
**        [--row-group-rows N] [--threads N] [--option k=v ...] [--infer-schema]
**
** Parquet inputs are read with the Parquet reader (all must have the same
** schema); CSV inputs (by extension .csv/.tsv/.txt, or --format csv) with
** the CSV reader: Spark CSV options by --option (header, sep, ...), columns
** STRING unless --infer-schema (inferSchema=true), schemaHints via
** --option schemaHints='a INT'. The output is written atomically: nothing
** appears at OUT unless the conversion succeeds, and OUT must not exist.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "cli/cli.h"
#include "format/csv/csv.h"
#include "format/parquet/codec.h"
#include "format/parquet/parquet.h"

static bool has_suffix(const char *s, const char *suf) {
  size_t n = strlen(s), m = strlen(suf);
  return n >= m && strcasecmp(s + n - m, suf) == 0;
}

static int parse_codec(const char *name, pq_codec *out) {
  static const struct {
    const char *name;
    pq_codec c;
  } k[] = {{"snappy", PQ_CODEC_SNAPPY}, {"zstd", PQ_CODEC_ZSTD},   {"gzip", PQ_CODEC_GZIP},
           {"lz4_raw", PQ_CODEC_LZ4_RAW}, {"lz4", PQ_CODEC_LZ4_RAW}, {"brotli", PQ_CODEC_BROTLI},
           {"uncompressed", PQ_CODEC_UNCOMPRESSED}, {"none", PQ_CODEC_UNCOMPRESSED}};
  for (size_t i = 0; i < sizeof k / sizeof k[0]; i++)
    if (!strcasecmp(name, k[i].name)) {
      *out = k[i].c;
      return 0;
    }
  return -1;
}

/* Copies every row of the Parquet inputs into w. */
static int convert_parquet(char **inputs, int n, pq_writer *w, int64_t *rows, lago_err *e) {
  lago_type first_schema = {0};
  pq_file *first = NULL;
  int rc = LAGO_OK;
  for (int i = 0; i < n && rc == LAGO_OK; i++) {
    pq_file *pf;
    TRY(pq_open(fs_local(), inputs[i], &pf, e));
    lago_type s = pq_file_schema(pf);
    if (!first) {
      first = pf;
      first_schema = s;
    } else if (!type_equal(s, first_schema)) {
      rc = LAGO_ERR(e, LAGO_BIND, "%s: schema differs from %s", inputs[i], inputs[0]);
      pq_close(pf);
      break;
    }
    pq_reader *r = NULL;
    rc = pq_reader_open(pf, NULL, &r, e);
    while (rc == LAGO_OK) {
      batch *b;
      rc = pq_reader_next(r, &b, NULL, e);
      if (rc || b->n_rows == 0) break;
      rc = pq_writer_write(w, b, e);
      *rows += b->n_rows;
    }
    if (r) pq_reader_close(r);
    if (pf != first) pq_close(pf);
  }
  pq_close(first);
  return rc;
}

int cmd_parquet_convert(cli_ctx *cx, int argc, char **argv) {
  (void)cx;
  /* argv[0] = "convert" */
  pq_write_opts wo;
  pq_write_opts_init(&wo);
  {
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    wo.threads = nc < 1 ? 1 : nc > 2 ? 2 : (uint32_t)nc; /* default: two encoding threads where there are two cores */
  }
  bool infer = false, force_csv = false;
  char *paths[256];
  int n_paths = 0;
  arena *ar = arena_new("query", 4096);
  if (!ar) return cli_error("out of memory");
  csv_options co;
  csv_options_init(&co);
  lago_err e;
  lago_err_clear(&e);
  const char *hints = NULL;
  int rc = CLI_OK;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--codec") && v) {
      if (parse_codec(v, &wo.codec)) {
        rc = cli_usage("parquet", "unknown codec '%s'", v);
        goto done;
      }
      i++;
    } else if (!strcmp(a, "--level") && v) {
      wo.level = atoi(v);
      i++;
    } else if (!strcmp(a, "--threads") && v) {
      int t = atoi(v);
      if (t < 1 || t > 64) {
        rc = cli_usage("parquet", "--threads wants 1..64, got '%s'", v);
        goto done;
      }
      wo.threads = (uint32_t)t;
      i++;
    } else if (!strcmp(a, "--row-group-rows") && v) {
      wo.row_group_rows = strtoull(v, NULL, 10);
      i++;
    } else if (!strcmp(a, "--infer-schema")) {
      infer = true;
    } else if (!strcmp(a, "--format") && v) {
      if (!strcasecmp(v, "csv")) force_csv = true;
      else if (strcasecmp(v, "parquet")) {
        rc = cli_usage("parquet", "unknown input format '%s' (csv or parquet)", v);
        goto done;
      }
      i++;
    } else if (!strcmp(a, "--option") && v) {
      const char *eq = strchr(v, '=');
      if (!eq) {
        rc = cli_usage("parquet", "--option wants k=v, got '%s'", v);
        goto done;
      }
      char *key = arena_strndup(ar, v, (size_t)(eq - v));
      if (!key) {
        rc = cli_error("out of memory");
        goto done;
      }
      if (!strcasecmp(key, "schemaHints")) {
        hints = eq + 1;
      } else if (csv_options_set(&co, ar, key, eq + 1, &e)) {
        rc = cli_error("%s", e.msg);
        goto done;
      }
      i++;
    } else if (a[0] == '-' && a[1]) {
      rc = cli_usage("parquet", "unknown option '%s'", a);
      goto done;
    } else if (n_paths < 256) {
      paths[n_paths++] = argv[i];
    }
  }
  if (n_paths < 2) {
    rc = cli_usage("parquet", "convert needs at least one input and an output path");
    goto done;
  }
  const char *out = paths[--n_paths];
  bool csv = force_csv;
  for (int i = 0; i < n_paths && !force_csv; i++)
    if (has_suffix(paths[i], ".csv") || has_suffix(paths[i], ".tsv") || has_suffix(paths[i], ".txt")) csv = true;
  if (infer) co.infer_schema = true;
  int64_t rows = 0;
  pq_writer *w = NULL;
  if (csv) {
    if (csv_options_check(&co, &e)) goto fail;
    lago_type schema;
    if (csv_infer_schema(fs_local(), (const char *const *)paths, (uint32_t)n_paths, &co, ar, &schema, &e)) goto fail;
    if (hints) {
      lago_type h;
      if (csv_parse_schema_hints(ar, hints, &h, &e)) goto fail;
      /* A hint replaces the type of the column of that name. */
      type_field *fs = arena_alloc(ar, type_n_fields(schema) * sizeof *fs + 1);
      if (!fs) goto nomem;
      for (uint32_t c = 0; c < type_n_fields(schema); c++) {
        fs[c] = *type_field_at(schema, c);
        int hi = type_field_index(h, fs[c].name);
        if (hi >= 0) fs[c].type = type_field_at(h, (uint32_t)hi)->type;
      }
      if (type_struct_fields(ar, type_n_fields(schema), fs, &schema)) goto nomem;
    }
    csv_scan *s;
    if (pq_writer_open(fs_local(), out, schema, &wo, &w, &e)) goto fail;
    if (csv_scan_open(fs_local(), (const char *const *)paths, (uint32_t)n_paths, &co, schema, NULL, &s, &e)) goto fail;
    int r2 = LAGO_OK;
    for (;;) {
      batch *b;
      r2 = csv_scan_next(s, &b, NULL, &e);
      if (r2 || b->n_rows == 0) break;
      r2 = pq_writer_write(w, b, &e);
      if (r2) break;
      rows += b->n_rows;
    }
    csv_scan_close(s);
    if (r2) goto fail;
  } else {
    pq_file *pf;
    if (pq_open(fs_local(), paths[0], &pf, &e)) goto fail;
    lago_type schema;
    if (type_copy(ar, pq_file_schema(pf), &schema)) {
      pq_close(pf);
      goto nomem;
    }
    pq_close(pf);
    if (pq_writer_open(fs_local(), out, schema, &wo, &w, &e)) goto fail;
    if (convert_parquet(paths, n_paths, w, &rows, &e)) goto fail;
  }
  pq_file_stats st;
  int crc = pq_writer_close(w, ar, &st, &e);
  w = NULL;
  if (crc) goto fail;
  fprintf(stderr, "wrote %s: %lld rows, %llu bytes (%s)\n", out, (long long)rows, (unsigned long long)st.file_size,
          pq_codec_name(wo.codec));
  goto done;
nomem:
  LAGO_NOMEM_ERR(&e);
fail:
  pq_writer_abort(w);
  rc = cli_error("%s", e.msg);
done:
  arena_free(ar);
  return rc;
}
