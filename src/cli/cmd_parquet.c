/*
** cli/cmd_parquet.c: `lago parquet schema|meta|cat|convert`: looks into and
** reads Parquet files with the format/parquet reader.
**
**   lago parquet schema FILE    columns (Spark SQL types), then each leaf's
**                               physical/logical annotations and levels
**   lago parquet meta FILE      row groups, column chunks, statistics, ...
**   lago parquet cat FILE [--columns a,b] [--limit N] [--format csv|json|table]
**       csv   the canonical text of the conformance corpus (a header of
**             quoted names, then one line per row; vec/value_text.h)
**       json  one JSON object per row
**       table an aligned text table
**   lago parquet convert ...    cmd_parquet_convert.c (Parquet/CSV -> Parquet)
** Exit codes: 0 ok, 1 error (bad file, unknown column), 2 usage.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "format/parquet/parquet.h"
#include "io/fs.h"
#include "util/json.h"
#include "vec/value_text.h"

/* The writer side defines the real one; this keeps a reader-only build linking. */
int cmd_parquet_convert(cli_ctx *cx, int argc, char **argv); /* cmd_parquet_convert.c */

static int open_file(const char *path, pq_file **pf) {
  lago_err e;
  lago_err_clear(&e);
  if (pq_open(fs_local(), path, pf, &e)) return cli_error("%s", e.msg);
  return CLI_OK;
}

static int flush(buf *b) {
  if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) return -1;
  buf_clear(b);
  return 0;
}

static int describe(const char *path, bool meta) {
  pq_file *pf;
  int rc = open_file(path, &pf);
  if (rc) return rc;
  buf b;
  buf_init(&b);
  if (meta ? pq_describe_meta(pf, &b) : pq_describe_schema(pf, &b)) rc = cli_error("out of memory");
  else if (flush(&b)) rc = cli_error("write error");
  buf_deinit(&b);
  pq_close(pf);
  return rc;
}

/* ---- JSON values ---------------------------------------------------------- */

/* Physical vector and row for row `row` of v (resolves CONST and DICT). */
static const vec *resolve(const vec *v, uint32_t *row) {
  if (v->kind == VEC_CONST) *row = 0;
  else if (v->kind == VEC_DICT) {
    *row = ((const uint32_t *)v->data)[*row];
    return v->dict;
  }
  return v;
}

static int cell_json(buf *b, const vec *v, uint32_t row, buf *tmp) {
  if (!vec_is_valid(v, row)) return buf_puts(b, "null");
  v = resolve(v, &row);
  switch ((lago_type_id)v->type.id) {
    case LT_BOOLEAN: case LT_TINYINT: case LT_SMALLINT: case LT_INT: case LT_BIGINT: case LT_UTINYINT:
    case LT_USMALLINT: case LT_UINT: case LT_UBIGINT: case LT_DECIMAL:
      return value_text_append(b, v, row);
    case LT_FLOAT:
    case LT_DOUBLE: {
      buf_clear(tmp);
      TRY(value_text_append(tmp, v, row));
      const char *t = buf_cstr(tmp);
      if (strstr(t, "nan") || strstr(t, "inf")) return json_escape(b, t, tmp->len);
      return buf_append(b, t, tmp->len);
    }
    case LT_STRING: {
      const lago_str *s = (const lago_str *)v->data + row;
      return json_escape(b, str_data(s), s->len);
    }
    case LT_ARRAY: {
      lago_list l = ((const lago_list *)v->data)[row];
      TRY(buf_putc(b, '['));
      for (uint32_t k = 0; k < l.length; k++) {
        if (k) TRY(buf_putc(b, ','));
        TRY(cell_json(b, v->child, l.offset + k, tmp));
      }
      return buf_putc(b, ']');
    }
    case LT_STRUCT: {
      TRY(buf_putc(b, '{'));
      for (uint32_t i = 0; i < type_n_fields(v->type); i++) {
        if (i) TRY(buf_putc(b, ','));
        const char *name = type_field_at(v->type, i)->name;
        TRY(json_escape(b, name, strlen(name)));
        TRY(buf_putc(b, ':'));
        TRY(cell_json(b, v->fields[i], row, tmp));
      }
      return buf_putc(b, '}');
    }
    case LT_MAP: { /* an object; keys as their text */
      lago_list l = ((const lago_list *)v->data)[row];
      const vec *kv = v->child;
      TRY(buf_putc(b, '{'));
      for (uint32_t k = 0; k < l.length; k++) {
        if (k) TRY(buf_putc(b, ','));
        uint32_t kr = l.offset + k;
        const vec *kvec = resolve(kv->fields[0], &kr);
        if (kvec->type.id == LT_STRING && vec_is_valid(kvec, kr)) {
          const lago_str *s = (const lago_str *)kvec->data + kr;
          TRY(json_escape(b, str_data(s), s->len));
        } else {
          buf_clear(tmp);
          TRY(value_text_append(tmp, kv->fields[0], l.offset + k));
          TRY(json_escape(b, tmp->data, tmp->len));
        }
        TRY(buf_putc(b, ':'));
        TRY(cell_json(b, kv->fields[1], l.offset + k, tmp));
      }
      return buf_putc(b, '}');
    }
    default: /* dates, times, binaries, UUID, INTERVAL: their canonical text as a string */
      buf_clear(tmp);
      TRY(value_text_append(tmp, v, row));
      return json_escape(b, tmp->data, tmp->len);
  }
}

/* ---- cat -------------------------------------------------------------------- */

enum { FMT_CSV, FMT_JSON, FMT_TABLE };

/* Text of a cell for the table format: canonical text, strings without quotes, at most 48 characters. */
static int cell_text(buf *b, const vec *v, uint32_t row) {
  uint32_t r = row;
  const vec *pv = resolve(v, &r);
  if (vec_is_valid(v, row) && pv->type.id == LT_STRING) {
    const lago_str *s = (const lago_str *)pv->data + r;
    TRY(buf_append(b, str_data(s), s->len));
  } else {
    TRY(value_text_append(b, v, row));
  }
  for (size_t i = 0; i < b->len; i++)
    if (b->data[i] == '\n' || b->data[i] == '\t') b->data[i] = ' ';
  if (b->len > 48) {
    b->len = 45;
    TRY(buf_puts(b, "..."));
  }
  return LAGO_OK;
}

typedef struct table {
  uint32_t n_cols;
  size_t *width;
  buf cells;        /* every cell, NUL-separated, row-major */
  uint64_t n_rows;
} table;

static int table_print(table *t, const char *const *names) {
  const char *p = t->cells.data;
  buf line;
  buf_init(&line);
  int rc = 0;
  for (uint32_t c = 0; c < t->n_cols; c++) buf_printf(&line, "%s%-*s", c ? " | " : "", (int)t->width[c], names[c]);
  buf_putc(&line, '\n');
  for (uint32_t c = 0; c < t->n_cols; c++) {
    if (c) buf_puts(&line, "-+-");
    for (size_t k = 0; k < t->width[c]; k++) buf_putc(&line, '-');
  }
  buf_putc(&line, '\n');
  for (uint64_t r = 0; r < t->n_rows; r++) {
    for (uint32_t c = 0; c < t->n_cols; c++) {
      size_t n = strlen(p);
      buf_printf(&line, "%s%-*s", c ? " | " : "", (int)t->width[c], p);
      p += n + 1;
    }
    buf_putc(&line, '\n');
    if (line.len > (1 << 16) && flush(&line)) rc = -1;
  }
  if (flush(&line)) rc = -1;
  buf_deinit(&line);
  return rc;
}

static int cat(const char *path, const char *columns, long long limit, int format) {
  pq_file *pf;
  int rc = open_file(path, &pf);
  if (rc) return rc;
  lago_type st = pq_file_schema(pf);
  uint32_t n_all = type_n_fields(st), n_cols = 0;
  uint32_t *cols = calloc(n_all + 1, sizeof *cols);
  char *spec = columns ? strdup(columns) : NULL;
  buf out, tmp;
  buf_init(&out);
  buf_init(&tmp);
  table tb;
  memset(&tb, 0, sizeof tb);
  buf_init(&tb.cells);
  const char **names = NULL;
  pq_reader *r = NULL;
  if (!cols || (columns && !spec)) {
    rc = cli_error("out of memory");
    goto done;
  }
  if (spec) {
    char *save = NULL;
    for (char *tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
      int idx = -1;
      for (uint32_t i = 0; i < n_all && idx < 0; i++)
        if (!strcmp(type_field_at(st, i)->name, tok)) idx = (int)i;
      if (idx < 0) idx = type_field_index(st, tok);
      if (idx < 0) {
        rc = cli_error("%s: no column '%s'", path, tok);
        goto done;
      }
      if (n_cols == n_all) {
        uint32_t *nc = realloc(cols, (n_cols * 2 + 1) * sizeof *cols);
        if (!nc) {
          rc = cli_error("out of memory");
          goto done;
        }
        cols = nc;
        n_all = n_cols * 2 + 1;
      }
      cols[n_cols++] = (uint32_t)idx;
    }
    if (!n_cols) {
      rc = cli_usage("parquet", "--columns needs at least one column name");
      goto done;
    }
  } else {
    for (uint32_t i = 0; i < n_all; i++) cols[n_cols++] = i;
  }
  names = calloc(n_cols + 1, sizeof *names);
  tb.width = calloc(n_cols + 1, sizeof *tb.width);
  if (!names || !tb.width) {
    rc = cli_error("out of memory");
    goto done;
  }
  tb.n_cols = n_cols;
  for (uint32_t c = 0; c < n_cols; c++) {
    names[c] = type_field_at(st, cols[c])->name;
    tb.width[c] = strlen(names[c]);
  }
  if (format == FMT_CSV) {
    for (uint32_t c = 0; c < n_cols; c++) {
      if (c) buf_putc(&out, ',');
      value_text_quote(&out, names[c], strlen(names[c]));
    }
    buf_putc(&out, '\n');
  }
  pq_read_opts o;
  memset(&o, 0, sizeof o);
  o.columns = cols;
  o.n_columns = n_cols;
  o.keep_dictionary = true;
  lago_err e;
  lago_err_clear(&e);
  if (pq_reader_open(pf, &o, &r, &e)) {
    rc = cli_error("%s", e.msg);
    goto done;
  }
  long long printed = 0;
  while (limit < 0 || printed < limit) {
    batch *b;
    if (pq_reader_next(r, &b, NULL, &e)) {
      flush(&out);
      rc = cli_error("%s", e.msg);
      goto done;
    }
    if (b->n_rows == 0) break;
    for (uint32_t i = 0; i < b->n_rows && (limit < 0 || printed < limit); i++, printed++) {
      int wr = 0;
      if (format == FMT_CSV) {
        for (uint32_t c = 0; c < n_cols; c++) {
          if (c) wr |= buf_putc(&out, ',');
          wr |= value_text_append(&out, &b->cols[c], i);
        }
        wr |= buf_putc(&out, '\n');
      } else if (format == FMT_JSON) {
        wr |= buf_putc(&out, '{');
        for (uint32_t c = 0; c < n_cols; c++) {
          if (c) wr |= buf_putc(&out, ',');
          wr |= json_escape(&out, names[c], strlen(names[c]));
          wr |= buf_putc(&out, ':');
          wr |= cell_json(&out, &b->cols[c], i, &tmp);
        }
        wr |= buf_puts(&out, "}\n");
      } else {
        for (uint32_t c = 0; c < n_cols; c++) {
          buf_clear(&tmp);
          wr |= cell_text(&tmp, &b->cols[c], i);
          if (tmp.len > tb.width[c]) tb.width[c] = tmp.len;
          wr |= buf_append(&tb.cells, tmp.data ? tmp.data : "", tmp.len);
          wr |= buf_putc(&tb.cells, 0);
        }
        tb.n_rows++;
      }
      if (wr) {
        rc = cli_error("out of memory");
        goto done;
      }
      if (out.len > (1 << 16) && flush(&out)) {
        rc = cli_error("write error");
        goto done;
      }
    }
  }
  if (format == FMT_TABLE && table_print(&tb, names)) rc = cli_error("write error");
  if (flush(&out)) rc = cli_error("write error");
done:
  pq_reader_close(r);
  pq_close(pf);
  buf_deinit(&out);
  buf_deinit(&tmp);
  buf_deinit(&tb.cells);
  free(tb.width);
  free(names);
  free(cols);
  free(spec);
  return rc;
}

int cmd_parquet(cli_ctx *cx, int argc, char **argv) {
  if (argc < 2) return cli_usage("parquet", "expected schema, meta, cat or convert");
  const char *sub = argv[1];
  if (!strcmp(sub, "convert")) return cmd_parquet_convert(cx, argc - 1, argv + 1);
  if (!strcmp(sub, "schema") || !strcmp(sub, "meta")) {
    if (argc != 3) return cli_usage("parquet", "%s takes one FILE", sub);
    return describe(argv[2], sub[0] == 'm');
  }
  if (strcmp(sub, "cat")) return cli_usage("parquet", "unknown subcommand '%s'", sub);
  const char *file = NULL, *columns = NULL;
  long long limit = -1;
  int format = FMT_CSV;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--columns") || !strcmp(a, "--limit") || !strcmp(a, "--format")) {
      if (i + 1 >= argc) return cli_usage("parquet", "%s needs a value", a);
      const char *v = argv[++i];
      if (a[2] == 'c') {
        columns = v;
      } else if (a[2] == 'l') {
        char *end;
        limit = strtoll(v, &end, 10);
        if (*v == 0 || *end || limit < 0) return cli_usage("parquet", "--limit needs a number >= 0, not '%s'", v);
      } else if (!strcmp(v, "csv")) {
        format = FMT_CSV;
      } else if (!strcmp(v, "json")) {
        format = FMT_JSON;
      } else if (!strcmp(v, "table")) {
        format = FMT_TABLE;
      } else {
        return cli_usage("parquet", "unknown format '%s' (csv, json or table)", v);
      }
    } else if (a[0] == '-' && a[1]) {
      return cli_usage("parquet", "unknown option '%s'", a);
    } else if (!file) {
      file = a;
    } else {
      return cli_usage("parquet", "cat takes one FILE");
    }
  }
  if (!file) return cli_usage("parquet", "cat needs a FILE");
  return cat(file, columns, limit, format);
}
