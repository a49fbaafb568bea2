/*
** cli/cmd_sql.c: `lago sql`: run SQL against the warehouse.
**
**   lago sql                      interactive shell (libedit, history in ~/.lago_history);
**                                 a statement runs when a line ends it with ';'
**   lago sql -c "SQL; SQL"        run the statements, print each result
**   lago sql -f FILE              run a script ('-' = stdin); stdin that is not a terminal
**                                 is read as a script too
**   --format table|csv|json       output (table by default on a terminal, else csv):
**                                 csv   a header of quoted names, then canonical text (as
**                                       `lago parquet cat --format csv`: strings quoted,
**                                       NULL as \N)
**                                 json  one object per row
**                                 table aligned columns, strings unquoted, NULL as NULL
**   --timing                      print each statement's wall time to stderr
** Statements without a result set print nothing (DML prints its metrics row).
** Errors: "lago: <message>" on stderr; errors with a position (syntax, names)
** also print the statement line and a caret under the column. A script stops
** at the first error. Exit codes: 0 ok, 1 a statement failed, 2 usage.
** Uses only the public API (lago.h) plus the script splitter of sql/parser.h.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <editline/readline.h>

#include "cli/cli.h"
#include "sql/parser.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "vec/value_text.h"

enum { FMT_TABLE, FMT_CSV, FMT_JSON };

typedef struct sql_cli {
  lago_db *db;
  int format;
  bool timing;
} sql_cli;

static int out_flush(buf *b) {
  if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) return -1;
  buf_clear(b);
  return 0;
}

static int json_str(buf *b, const char *s, size_t n) {
  int rc = buf_putc(b, '"');
  for (size_t i = 0; i < n && !rc; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      rc |= buf_putc(b, '\\');
      rc |= buf_putc(b, (char)c);
    } else if (c < 0x20) {
      rc |= buf_printf(b, "\\u%04x", c);
    } else {
      rc |= buf_putc(b, (char)c);
    }
  }
  return rc | buf_putc(b, '"');
}

static bool type_is(const char *t, const char *p) { return t && !strncmp(t, p, strlen(p)); }

static bool numeric_type(const char *t) {
  return type_is(t, "TINYINT") || type_is(t, "SMALLINT") || type_is(t, "INT") || type_is(t, "BIGINT") ||
         type_is(t, "DECIMAL") || type_is(t, "BOOLEAN") || type_is(t, "FLOAT") || type_is(t, "DOUBLE");
}

/* Prints the caret line for an error at byte `off` of stmt. */
static void caret(const char *stmt, int off) {
  if (off < 0 || (size_t)off > strlen(stmt)) return;
  const char *ls = stmt + off;
  while (ls > stmt && ls[-1] != '\n') ls--;
  const char *le = strchr(stmt + off, '\n');
  int len = le ? (int)(le - ls) : (int)strlen(ls);
  int line, col;
  sql_line_col(stmt, (uint32_t)off, &line, &col);
  fprintf(stderr, "  %.*s\n  %*s^\n", len, ls, col - 1, "");
}

static int run_one(sql_cli *c, const char *stmt) {
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  lago_result *r = NULL;
  int rc = lago_exec(c->db, stmt, &r);
  if (rc) {
    cli_error("%s", lago_errmsg(c->db));
    caret(stmt, lago_erroffset(c->db));
    return CLI_ERROR;
  }
  int n = lago_result_column_count(r);
  buf out, cells;
  buf_init(&out);
  buf_init(&cells);
  size_t *width = calloc((size_t)n + 1, sizeof *width);
  const char **types = calloc((size_t)n + 1, sizeof *types);
  uint64_t rows = 0;
  int wr = 0;
  if (!width || !types) {
    wr = 1;
    goto done;
  }
  for (int i = 0; i < n; i++) {
    types[i] = lago_result_column_type(r, i);
    const char *nm = lago_result_column_name(r, i);
    size_t l = strlen(nm ? nm : "");
    width[i] = l;
    if (n && c->format == FMT_CSV) {
      if (i) wr |= buf_putc(&out, ',');
      wr |= value_text_quote(&out, nm ? nm : "", l);
    }
  }
  if (n && c->format == FMT_CSV) wr |= buf_putc(&out, '\n');
  int has;
  while (n && !wr && (rc = lago_result_next(r, &has)) == LAGO_OK && has) {
    rows++;
    if (c->format == FMT_JSON) wr |= buf_putc(&out, '{');
    for (int i = 0; i < n; i++) {
      const char *v = lago_result_text(r, i);
      switch (c->format) {
        case FMT_CSV:
          if (i) wr |= buf_putc(&out, ',');
          if (!v) wr |= buf_puts(&out, "\\N");
          else if (type_is(types[i], "STRING")) wr |= value_text_quote(&out, v, strlen(v));
          else wr |= buf_puts(&out, v);
          break;
        case FMT_JSON: {
          const char *nm = lago_result_column_name(r, i);
          if (i) wr |= buf_putc(&out, ',');
          wr |= json_str(&out, nm, strlen(nm));
          wr |= buf_putc(&out, ':');
          if (!v) wr |= buf_puts(&out, "null");
          else if (numeric_type(types[i]) && strcmp(v, "NaN") && !strstr(v, "Infinity")) wr |= buf_puts(&out, v);
          else wr |= json_str(&out, v, strlen(v));
          break;
        }
        default: {
          const char *t = v ? v : "NULL";
          size_t l = strlen(t);
          if (l > width[i]) width[i] = l;
          wr |= buf_append(&cells, t, l + 1);
        }
      }
    }
    if (c->format == FMT_JSON) wr |= buf_puts(&out, "}\n");
    else if (c->format == FMT_CSV) wr |= buf_putc(&out, '\n');
    if (out.len > (1 << 16) && out_flush(&out)) wr = 1;
  }
  if (rc) {
    out_flush(&out);
    cli_error("%s", lago_errmsg(c->db));
    rc = CLI_ERROR;
    goto done;
  }
  if (n && c->format == FMT_TABLE && !wr) {
    for (int i = 0; i < n; i++) {
      const char *nm = lago_result_column_name(r, i);
      wr |= buf_printf(&out, "%s%-*s", i ? " | " : "", (int)width[i], nm);
    }
    wr |= buf_putc(&out, '\n');
    for (int i = 0; i < n; i++) {
      if (i) wr |= buf_puts(&out, "-+-");
      for (size_t k = 0; k < width[i]; k++) wr |= buf_putc(&out, '-');
    }
    wr |= buf_putc(&out, '\n');
    const char *p = cells.data;
    for (uint64_t k = 0; k < rows && p; k++) {
      for (int i = 0; i < n; i++) {
        size_t l = strlen(p);
        bool num = numeric_type(types[i]);
        if (num) wr |= buf_printf(&out, "%s%*s", i ? " | " : "", (int)width[i], p);
        else wr |= buf_printf(&out, "%s%-*s", i ? " | " : "", (int)width[i], p);
        p += l + 1;
      }
      wr |= buf_putc(&out, '\n');
      if (out.len > (1 << 16) && out_flush(&out)) wr = 1;
    }
    wr |= buf_printf(&out, "(%llu row%s)\n", (unsigned long long)rows, rows == 1 ? "" : "s");
  }
  if (out_flush(&out)) wr = 1;
  rc = CLI_OK;
done:
  if (wr) rc = cli_error("out of memory or write error");
  if (c->timing) {
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "Time: %.3f s\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  }
  fflush(stdout);
  free(width);
  free(types);
  buf_deinit(&out);
  buf_deinit(&cells);
  lago_result_free(r);
  return rc;
}

/* Runs every statement of text; stops at the first failure. */
static int run_script(sql_cli *c, const char *text) {
  arena *ar = arena_new("script", 4096);
  if (!ar) return cli_error("out of memory");
  sql_span *spans;
  uint32_t n;
  lago_err e;
  lago_err_clear(&e);
  if (sql_split_script(ar, text, &spans, &n, &e)) {
    arena_free(ar);
    cli_error("%s", e.msg);
    return CLI_ERROR;
  }
  int rc = CLI_OK;
  for (uint32_t i = 0; i < n && rc == CLI_OK; i++) {
    char *stmt = arena_strndup(ar, text + spans[i].pos, spans[i].len);
    if (!stmt) {
      rc = cli_error("out of memory");
      break;
    }
    rc = run_one(c, stmt);
  }
  arena_free(ar);
  return rc;
}

static char *read_stream(FILE *f) {
  buf b;
  buf_init(&b);
  char tmp[65536];
  size_t n;
  while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
    if (buf_append(&b, tmp, n)) {
      buf_deinit(&b);
      return NULL;
    }
  if (buf_putc(&b, 0)) {
    buf_deinit(&b);
    return NULL;
  }
  return buf_detach(&b);
}

/* True when text holds at least one complete statement (ends with ';' outside quotes/comments). */
static bool complete(const char *text) {
  size_t n = strlen(text);
  while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\n' || text[n - 1] == '\r')) n--;
  if (!n || text[n - 1] != ';') return false;
  arena *ar = arena_new("split", 1024);
  if (!ar) return true;
  sql_span *s;
  uint32_t k;
  lago_err e;
  lago_err_clear(&e);
  bool ok = sql_split_script(ar, text, &s, &k, &e) == LAGO_OK;
  arena_free(ar);
  return ok;
}

static int interactive(sql_cli *c) {
  char hist[4096] = "";
  const char *home = getenv("HOME");
  if (home) snprintf(hist, sizeof hist, "%s/.lago_history", home);
  using_history();
  if (hist[0]) read_history(hist);
  printf("lago %s SQL shell; statements end with ';', Ctrl-D quits\n", lago_version());
  buf acc;
  buf_init(&acc);
  int last = CLI_OK;
  for (;;) {
    char *line = readline(acc.len ? "   ...> " : "lago> ");
    if (!line) break;
    if (line[0] && buf_puts(&acc, line)) {
      free(line);
      break;
    }
    if (line[0]) add_history(line);
    free(line);
    if (buf_putc(&acc, '\n')) break;
    if (complete(buf_cstr(&acc))) {
      last = run_script(c, buf_cstr(&acc));
      buf_clear(&acc);
    }
  }
  putchar('\n');
  if (hist[0]) write_history(hist);
  buf_deinit(&acc);
  return last;
}

int cmd_sql(cli_ctx *cx, int argc, char **argv) {
  sql_cli c;
  memset(&c, 0, sizeof c);
  c.format = cx->tty ? FMT_TABLE : FMT_CSV;
  const char *cmd = NULL, *file = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "-c") || !strcmp(a, "-f") || !strcmp(a, "--format")) {
      if (i + 1 >= argc) return cli_usage("sql", "%s needs a value", a);
      const char *v = argv[++i];
      if (!strcmp(a, "-c")) cmd = v;
      else if (!strcmp(a, "-f")) file = v;
      else if (!strcmp(v, "table")) c.format = FMT_TABLE;
      else if (!strcmp(v, "csv")) c.format = FMT_CSV;
      else if (!strcmp(v, "json")) c.format = FMT_JSON;
      else return cli_usage("sql", "unknown format '%s' (table, csv or json)", v);
    } else if (!strcmp(a, "--timing")) {
      c.timing = true;
    } else {
      return cli_usage("sql", "unknown argument '%s'", a);
    }
  }
  if (cmd && file) return cli_usage("sql", "give -c or -f, not both");
  if (lago_db_open(cx->warehouse, &c.db) != LAGO_OK) {
    cli_error("%s", lago_errmsg(c.db));
    lago_db_close(c.db);
    return CLI_ERROR;
  }
  int rc;
  if (cmd) {
    rc = run_script(&c, cmd);
  } else if (file || !isatty(0)) {
    FILE *f = !file || !strcmp(file, "-") ? stdin : fopen(file, "rb");
    if (!f) {
      lago_db_close(c.db);
      return cli_error("cannot open %s", file);
    }
    char *text = read_stream(f);
    if (f != stdin) fclose(f);
    if (!text) rc = cli_error("out of memory");
    else rc = run_script(&c, text);
    mem_free(text);
  } else {
    rc = interactive(&c);
  }
  lago_db_close(c.db);
  return rc;
}
