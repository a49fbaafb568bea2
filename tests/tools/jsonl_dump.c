/*
** tests/tools/jsonl_dump.c: reads JSON files with format/json and prints the
** rows as canonical text (vec/value_text.h), one line per row, fields joined
** by ',' (NULL is \N), after a first line of column names. Used by the
** differential test against DuckDB (tests/scripts/jsonl_duckdb.sh) and by hand.
**
**   jsonl_dump [-o key=value]... [-s SCHEMA] [-t THREADS] [-r RANGE_BYTES]
**              [-l] [-T] FILE...
**   -s    target schema, e.g. 'STRUCT<a: BIGINT, b: STRING>'; default: inferred
**         (jsonl_infer_schema with the options; inferColumnTypes=true for types)
**   -t    threads: 0 = one jsonl_reader per file (default), N >= 1 = jsonl_scan
**   -r    range size for jsonl_scan (bytes)
**   -l    prefix each row with its source line number
**   -T    print the schema (Spark SQL spelling) instead of a header line
** Exit 1 with "jsonl_dump: <message>" on stderr on any error.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/json/jsonl.h"
#include "vec/value_text.h"

static int print_batch(batch *b, const jsonl_batch_info *bi, bool lines, buf *out) {
  for (uint32_t i = 0; i < b->n_rows; i++) {
    buf_clear(out);
    if (lines) buf_printf(out, "%llu:", (unsigned long long)bi->lines[i]);
    for (uint32_t c = 0; c < b->n_cols; c++) {
      if (c) buf_putc(out, ',');
      if (value_text_append(out, &b->cols[c], batch_row(b, i))) return 1;
    }
    fwrite(out->data ? out->data : "", 1, out->len, stdout);
    fputc('\n', stdout);
  }
  return 0;
}

int main(int argc, char **argv) {
  jsonl_options o;
  jsonl_options_init(&o);
  arena *ar = arena_new("jsonl_dump", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *schema_text = NULL;
  int threads = 0;
  uint64_t range = 0;
  bool lines = false, show_type = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-o") && i + 1 < argc) {
      char *kv = argv[++i], *eq = strchr(kv, '=');
      if (!eq) {
        fprintf(stderr, "jsonl_dump: -o needs key=value\n");
        return 2;
      }
      *eq = 0;
      if (jsonl_options_set(&o, ar, kv, eq + 1, &e)) {
        fprintf(stderr, "jsonl_dump: %s\n", e.msg);
        return 1;
      }
    } else if (!strcmp(a, "-s") && i + 1 < argc) {
      schema_text = argv[++i];
    } else if (!strcmp(a, "-t") && i + 1 < argc) {
      threads = atoi(argv[++i]);
    } else if (!strcmp(a, "-r") && i + 1 < argc) {
      range = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(a, "-l")) {
      lines = true;
    } else if (!strcmp(a, "-T")) {
      show_type = true;
    } else {
      fprintf(stderr, "jsonl_dump: unknown option %s\n", a);
      return 2;
    }
  }
  if (i >= argc) {
    fprintf(stderr, "usage: jsonl_dump [-o k=v]... [-s SCHEMA] [-t N] [-r BYTES] [-l] [-T] FILE...\n");
    return 2;
  }
  const char *const *paths = (const char *const *)argv + i;
  uint32_t n_paths = (uint32_t)(argc - i);
  lago_type schema;
  int rc = schema_text ? type_parse(ar, schema_text, &schema, &e)
                       : jsonl_infer_schema(fs_local(), paths, n_paths, &o, ar, &schema, &e);
  if (rc) {
    fprintf(stderr, "jsonl_dump: %s\n", e.msg);
    return 1;
  }
  buf out;
  buf_init(&out);
  if (show_type) {
    type_to_sql(schema, &out);
    printf("%s\n", buf_cstr(&out));
  } else {
    for (uint32_t c = 0; c < type_n_fields(schema); c++) printf("%s%s", c ? "," : "", type_field_at(schema, c)->name);
    printf("\n");
  }
  if (threads == 0) {
    for (uint32_t f = 0; f < n_paths && !rc; f++) {
      jsonl_reader *r;
      rc = jsonl_reader_open(fs_local(), paths[f], &o, schema, &r, &e);
      while (!rc) {
        batch *b;
        jsonl_batch_info bi;
        rc = jsonl_reader_next(r, NULL, &b, &bi, &e);
        if (rc || b->n_rows == 0) break;
        if (print_batch(b, &bi, lines, &out)) rc = LAGO_NOMEM;
      }
      jsonl_reader_close(r);
    }
  } else {
    jsonl_scan *s;
    jsonl_scan_config cfg = {threads, range, 0};
    rc = jsonl_scan_open(fs_local(), paths, n_paths, &o, schema, &cfg, &s, &e);
    while (!rc) {
      batch *b;
      jsonl_batch_info bi;
      rc = jsonl_scan_next(s, &b, &bi, &e);
      if (rc || b->n_rows == 0) break;
      if (print_batch(b, &bi, lines, &out)) rc = LAGO_NOMEM;
    }
    jsonl_scan_close(s);
  }
  buf_deinit(&out);
  arena_free(ar);
  fflush(stdout);
  if (rc) {
    fprintf(stderr, "jsonl_dump: %s\n", e.msg[0] ? e.msg : lago_rc_name(rc));
    return 1;
  }
  return 0;
}
