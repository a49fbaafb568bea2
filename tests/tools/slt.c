/*
** tests/tools/slt.c: the sqllogictest runner.
**
**   slt [--engine lago|sqlite] [--warehouse DIR] [--verbose] FILE.test ...
**
** Runs each file in a fresh engine (lago: a fresh temporary warehouse unless
** --warehouse is given) and prints, per file, "ok FILE (n records)" or the
** failures, then "slt: N passed, M failed" where N and M count files.
**
** File format (sqllogictest as SQLite defined it, with DuckDB's one-row-per-
** line results). Records are separated by blank lines; '#' starts a comment
** line.
**
**   statement ok                   the SQL must succeed
**   statement error [TEXT]         it must fail; if TEXT is given, the error
**                                  message must contain it
**   query <types> [nosort|rowsort|valuesort] [label]
**   SELECT ...                     the SQL (one or more lines)
**   ----                           then the expected rows: one row per line,
**   1	hello	NULL                   values separated by one TAB
**   hash-threshold N               results with more than N values are
**                                  compared as "K values hashing to <md5>"
**                                  (md5 of every value followed by "\n", in
**                                  the sorted order)
**   skipif ENGINE / onlyif ENGINE  before a record: skip it for that engine
**   halt                           stop reading the file
**
** <types> has one letter per column (I integer, R real, T text, anything
** else allowed); the runner checks the column count against it. Values are
** the engine's plain text: NULL is "NULL", an empty string is "(empty)".
** The expected block of `query` may itself be "N values hashing to X".
*/
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lago.h"

/* ---- small growable arrays ------------------------------------------------ */

typedef struct strv {
  char **v;
  size_t n, cap;
} strv;

static void strv_push(strv *s, char *x) {
  if (s->n == s->cap) {
    s->cap = s->cap ? s->cap * 2 : 64;
    s->v = realloc(s->v, s->cap * sizeof *s->v);
    if (!s->v) {
      perror("slt");
      exit(2);
    }
  }
  s->v[s->n++] = x;
}

static void strv_free(strv *s) {
  for (size_t i = 0; i < s->n; i++) free(s->v[i]);
  free(s->v);
  memset(s, 0, sizeof *s);
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) {
    perror("slt");
    exit(2);
  }
  return d;
}

/* ---- engines --------------------------------------------------------------- */

/* One statement's outcome: ok with values (row-major, n_cols per row) or an error. */
typedef struct outcome {
  bool ok;
  int n_cols;
  strv values;
  char err[1024];
} outcome;

typedef struct engine {
  const char *name;
  void *h;
  int (*run)(struct engine *e, const char *sql, outcome *out);
  void (*close)(struct engine *e);
  char *tmpdir; /* lago: temporary warehouse to remove */
} engine;

static int sqlite_run(engine *e, const char *sql, outcome *out) {
  sqlite3_stmt *st = NULL;
  const char *tail = NULL;
  if (sqlite3_prepare_v2(e->h, sql, -1, &st, &tail) != SQLITE_OK) {
    out->ok = false;
    snprintf(out->err, sizeof out->err, "%s", sqlite3_errmsg(e->h));
    return 0;
  }
  out->n_cols = sqlite3_column_count(st);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    for (int c = 0; c < out->n_cols; c++) {
      const unsigned char *t = sqlite3_column_text(st, c);
      if (!t) strv_push(&out->values, xstrdup("NULL"));
      else if (!*t) strv_push(&out->values, xstrdup("(empty)"));
      else strv_push(&out->values, xstrdup((const char *)t));
    }
  }
  if (rc != SQLITE_DONE) {
    out->ok = false;
    snprintf(out->err, sizeof out->err, "%s", sqlite3_errmsg(e->h));
  } else {
    out->ok = true;
  }
  sqlite3_finalize(st);
  return 0;
}

static void sqlite_close(engine *e) { sqlite3_close(e->h); }

static int lago_run(engine *e, const char *sql, outcome *out) {
  lago_result *r = NULL;
  int rc = lago_exec(e->h, sql, &r);
  if (rc != LAGO_OK) {
    out->ok = false;
    snprintf(out->err, sizeof out->err, "%s", lago_errmsg(e->h));
    lago_result_free(r);
    return 0;
  }
  out->n_cols = lago_result_column_count(r);
  int has = 0;
  while ((rc = lago_result_next(r, &has)) == LAGO_OK && has) {
    for (int c = 0; c < out->n_cols; c++) {
      const char *t = lago_result_text(r, c);
      if (!t) strv_push(&out->values, xstrdup("NULL"));
      else if (!*t) strv_push(&out->values, xstrdup("(empty)"));
      else strv_push(&out->values, xstrdup(t));
    }
  }
  if (rc != LAGO_OK) {
    out->ok = false;
    snprintf(out->err, sizeof out->err, "%s", lago_errmsg(e->h));
  } else {
    out->ok = true;
  }
  lago_result_free(r);
  return 0;
}

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static void lago_close_engine(engine *e) {
  lago_db_close(e->h);
  if (e->tmpdir) {
    nftw(e->tmpdir, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    free(e->tmpdir);
  }
}

static int engine_open(engine *e, const char *name, const char *warehouse) {
  memset(e, 0, sizeof *e);
  e->name = name;
  if (!strcmp(name, "sqlite")) {
    sqlite3 *db;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK) return -1;
    e->h = db;
    e->run = sqlite_run;
    e->close = sqlite_close;
    return 0;
  }
  if (!strcmp(name, "lago")) {
    char tmpl[] = "/tmp/lago-slt-XXXXXX";
    if (!warehouse) {
      if (!mkdtemp(tmpl)) return -1;
      e->tmpdir = xstrdup(tmpl);
      warehouse = e->tmpdir;
    }
    lago_db *db = NULL;
    if (lago_db_open(warehouse, &db) != LAGO_OK) {
      fprintf(stderr, "slt: cannot open warehouse %s: %s\n", warehouse, lago_errmsg(db));
      lago_db_close(db);
      return -1;
    }
    e->h = db;
    e->run = lago_run;
    e->close = lago_close_engine;
    return 0;
  }
  return -1;
}

/* ---- file parsing ------------------------------------------------------------ */

typedef struct reader {
  const char *path;
  FILE *f;
  int line_no;
  char *pending; /* a line read ahead */
} reader;

/* Next line without its newline, or NULL at EOF. Caller frees. */
static char *next_line(reader *r) {
  if (r->pending) {
    char *p = r->pending;
    r->pending = NULL;
    return p;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t n = getline(&line, &cap, r->f);
  if (n < 0) {
    free(line);
    return NULL;
  }
  r->line_no++;
  while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = 0;
  return line;
}

static bool blank(const char *s) {
  for (; *s; s++)
    if (!isspace((unsigned char)*s)) return false;
  return true;
}

static int cmp_rows_ncols;
static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorts rows (groups of n_cols values) lexicographically by their values. */
static void sort_rows(strv *vals, int n_cols) {
  if (n_cols <= 0) return;
  size_t n_rows = vals->n / (size_t)n_cols;
  /* Join each row into one string with \x01 separators, sort, split back. */
  char **rows = malloc((n_rows ? n_rows : 1) * sizeof *rows);
  for (size_t r = 0; r < n_rows; r++) {
    size_t len = 0;
    for (int c = 0; c < n_cols; c++) len += strlen(vals->v[r * (size_t)n_cols + (size_t)c]) + 1;
    char *s = malloc(len + 1);
    s[0] = 0;
    for (int c = 0; c < n_cols; c++) {
      if (c) strcat(s, "\x01");
      strcat(s, vals->v[r * (size_t)n_cols + (size_t)c]);
    }
    rows[r] = s;
  }
  qsort(rows, n_rows, sizeof *rows, cmp_str);
  for (size_t i = 0; i < vals->n; i++) free(vals->v[i]);
  vals->n = 0;
  for (size_t r = 0; r < n_rows; r++) {
    char *save = rows[r], *p = rows[r];
    for (int c = 0; c < n_cols; c++) {
      char *sep = strchr(p, '\x01');
      if (sep) *sep = 0;
      strv_push(vals, xstrdup(p));
      p = sep ? sep + 1 : p + strlen(p);
    }
    free(save);
  }
  free(rows);
}

static void md5_values(const strv *vals, char out[33]) {
  EVP_MD_CTX *cx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(cx, EVP_md5(), NULL);
  for (size_t i = 0; i < vals->n; i++) {
    EVP_DigestUpdate(cx, vals->v[i], strlen(vals->v[i]));
    EVP_DigestUpdate(cx, "\n", 1);
  }
  unsigned char d[16];
  unsigned int dl = 0;
  EVP_DigestFinal_ex(cx, d, &dl);
  EVP_MD_CTX_free(cx);
  for (int i = 0; i < 16; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

typedef struct file_result {
  int records;
  int failures;
} file_result;

static bool g_verbose;

static void fail(file_result *fr, const char *path, int line, const char *sql, const char *fmt, ...) {
  va_list ap;
  fr->failures++;
  printf("FAIL %s:%d: ", path, line);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n  sql: %.500s\n", sql);
}

static void print_values(const char *label, const strv *vals, int n_cols) {
  printf("  %s (%zu values):\n", label, vals->n);
  size_t limit = vals->n < 60 ? vals->n : 60;
  for (size_t i = 0; i < limit; i++) {
    printf("%s%s", (n_cols && i % (size_t)n_cols == 0) ? "    " : "\t", vals->v[i]);
    if (n_cols && (i + 1) % (size_t)n_cols == 0) printf("\n");
  }
  if (limit && n_cols && limit % (size_t)n_cols) printf("\n");
}

static int run_file(const char *path, const char *engine_name, const char *warehouse, file_result *fr) {
  reader r = {path, fopen(path, "r"), 0, NULL};
  if (!r.f) {
    printf("FAIL %s: cannot open: %s\n", path, strerror(errno));
    fr->failures++;
    return -1;
  }
  engine e;
  if (engine_open(&e, engine_name, warehouse) != 0) {
    printf("FAIL %s: cannot start engine %s\n", path, engine_name);
    fr->failures++;
    fclose(r.f);
    return -1;
  }
  long hash_threshold = 0;
  bool skip_next = false;
  for (;;) {
    char *line = next_line(&r);
    if (!line) break;
    if (blank(line) || line[0] == '#') {
      free(line);
      continue;
    }
    int rec_line = r.line_no;
    if (!strncmp(line, "halt", 4)) {
      free(line);
      break;
    }
    if (!strncmp(line, "hash-threshold", 14)) {
      hash_threshold = atol(line + 14);
      free(line);
      continue;
    }
    if (!strncmp(line, "skipif ", 7) || !strncmp(line, "onlyif ", 7)) {
      const char *en = line + 7;
      bool match = !strncmp(en, engine_name, strlen(engine_name));
      if ((line[0] == 's' && match) || (line[0] == 'o' && !match)) skip_next = true;
      free(line);
      continue;
    }
    bool is_stmt = !strncmp(line, "statement ", 10), is_query = !strncmp(line, "query ", 6);
    if (!is_stmt && !is_query) {
      printf("FAIL %s:%d: unknown record '%s'\n", path, rec_line, line);
      fr->failures++;
      free(line);
      break;
    }
    char *header = line;
    /* SQL lines until blank or ---- */
    size_t sql_cap = 1024, sql_len = 0;
    char *sql = malloc(sql_cap);
    sql[0] = 0;
    bool has_results = false;
    for (;;) {
      char *l = next_line(&r);
      if (!l || blank(l)) {
        free(l);
        break;
      }
      if (!strcmp(l, "----")) {
        free(l);
        has_results = true;
        break;
      }
      size_t ll = strlen(l);
      if (sql_len + ll + 2 > sql_cap) {
        while (sql_len + ll + 2 > sql_cap) sql_cap *= 2;
        sql = realloc(sql, sql_cap);
      }
      if (sql_len) sql[sql_len++] = '\n';
      memcpy(sql + sql_len, l, ll + 1);
      sql_len += ll;
      free(l);
    }
    strv expected = {0};
    if (has_results) {
      for (;;) {
        char *l = next_line(&r);
        if (!l || blank(l)) {
          free(l);
          break;
        }
        strv_push(&expected, l);
      }
    }
    if (skip_next) {
      skip_next = false;
      free(header);
      free(sql);
      strv_free(&expected);
      continue;
    }
    fr->records++;
    outcome out = {0};
    e.run(&e, sql, &out);
    if (g_verbose) printf("  %s:%d %s\n", path, rec_line, out.ok ? "ok" : out.err);
    if (is_stmt) {
      const char *kind = header + 10;
      if (!strncmp(kind, "ok", 2)) {
        if (!out.ok) fail(fr, path, rec_line, sql, "statement failed: %s", out.err);
      } else if (!strncmp(kind, "error", 5)) {
        const char *want = kind + 5;
        while (*want == ' ') want++;
        /* The expected message may also be given as the result block. */
        if (!*want && expected.n) want = expected.v[0];
        if (out.ok) fail(fr, path, rec_line, sql, "statement succeeded, expected an error%s%s", *want ? ": " : "", want);
        else if (*want && !strstr(out.err, want))
          fail(fr, path, rec_line, sql, "error message does not contain '%s':\n  got: %s", want, out.err);
      } else {
        fail(fr, path, rec_line, sql, "bad statement record '%s'", header);
      }
    } else {
      /* query <types> [sort] */
      char types[128] = {0}, sortmode[32] = "nosort";
      sscanf(header + 6, "%127s %31s", types, sortmode);
      int n_cols = (int)strlen(types);
      if (!out.ok) {
        fail(fr, path, rec_line, sql, "query failed: %s", out.err);
      } else if (out.n_cols != n_cols) {
        fail(fr, path, rec_line, sql, "query returned %d columns, expected %d ('%s')", out.n_cols, n_cols, types);
      } else {
        strv exp_vals = {0};
        bool exp_hash = expected.n == 1 && strstr(expected.v[0], " values hashing to ");
        if (!exp_hash) {
          for (size_t i = 0; i < expected.n; i++) {
            /* split by TAB */
            char *p = expected.v[i];
            for (;;) {
              char *tab = strchr(p, '\t');
              if (tab) *tab = 0;
              strv_push(&exp_vals, xstrdup(p));
              if (!tab) break;
              p = tab + 1;
            }
          }
        }
        if (!strcmp(sortmode, "rowsort")) {
          sort_rows(&out.values, n_cols);
          if (!exp_hash) sort_rows(&exp_vals, n_cols);
        } else if (!strcmp(sortmode, "valuesort")) {
          qsort(out.values.v, out.values.n, sizeof(char *), cmp_str);
          if (!exp_hash) qsort(exp_vals.v, exp_vals.n, sizeof(char *), cmp_str);
        }
        (void)cmp_rows_ncols;
        bool use_hash = exp_hash || (hash_threshold > 0 && (long)out.values.n > hash_threshold);
        if (use_hash) {
          char md5[33], got[128];
          md5_values(&out.values, md5);
          snprintf(got, sizeof got, "%zu values hashing to %s", out.values.n, md5);
          if (exp_hash) {
            if (strcmp(got, expected.v[0]) != 0)
              fail(fr, path, rec_line, sql, "result mismatch:\n  got:  %s\n  want: %s", got, expected.v[0]);
          } else {
            char want[128];
            md5_values(&exp_vals, md5);
            snprintf(want, sizeof want, "%zu values hashing to %s", exp_vals.n, md5);
            if (strcmp(got, want) != 0) fail(fr, path, rec_line, sql, "result mismatch:\n  got:  %s\n  want: %s", got, want);
          }
        } else {
          bool same = exp_vals.n == out.values.n;
          for (size_t i = 0; same && i < exp_vals.n; i++) same = !strcmp(exp_vals.v[i], out.values.v[i]);
          if (!same) {
            fail(fr, path, rec_line, sql, "result mismatch");
            print_values("got", &out.values, n_cols);
            print_values("want", &exp_vals, n_cols);
          }
        }
        strv_free(&exp_vals);
      }
    }
    strv_free(&out.values);
    strv_free(&expected);
    free(header);
    free(sql);
  }
  free(r.pending);
  fclose(r.f);
  e.close(&e);
  return 0;
}

int main(int argc, char **argv) {
  const char *engine_name = "lago", *warehouse = NULL;
  int i = 1;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (!strcmp(argv[i], "--engine") && i + 1 < argc) engine_name = argv[++i];
    else if (!strcmp(argv[i], "--warehouse") && i + 1 < argc) warehouse = argv[++i];
    else if (!strcmp(argv[i], "--verbose")) g_verbose = true;
    else {
      fprintf(stderr, "usage: slt [--engine lago|sqlite] [--warehouse DIR] [--verbose] FILE.test ...\n");
      return 2;
    }
  }
  int passed = 0, failed = 0;
  for (; i < argc; i++) {
    file_result fr = {0, 0};
    run_file(argv[i], engine_name, warehouse, &fr);
    if (fr.failures) {
      failed++;
      printf("FAIL %s (%d of %d records failed)\n", argv[i], fr.failures, fr.records);
    } else {
      passed++;
      printf("ok %s (%d records)\n", argv[i], fr.records);
    }
  }
  printf("slt: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
