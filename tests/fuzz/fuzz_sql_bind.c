/*
** tests/fuzz/fuzz_sql_bind.c: the SQL binder, optimizer and physical planner
** (sql/engine.h) on arbitrary text: the input runs as `EXPLAIN EXTENDED
** <input>` on a session whose warehouse holds two small tables, so queries
** are bound, optimized and planned (and their scans opened for the scan
** details) but not run. Every outcome must be a status with a message, never
** a crash, a sanitizer report or a leak. Inputs that are not queries, or
** that name files (read_files, <format>.`path`, table_changes), are skipped:
** the target is the binder, not the file readers (they have their own fuzz
** targets), and a path like /dev/zero would only make it slow.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "io/fs.h"
#include "sql/engine.h"
#include "sql/parser.h"
#include "util/alloc.h"

static sql_session *g_s;
static char g_dir[128];

/* atexit: frees the session and removes its warehouse directory */
static void teardown(void) {
  lago_err e;
  lago_err_clear(&e);
  sql_session_free(g_s);
  g_s = NULL;
  fs_remove_tree(fs_local(), g_dir, &e);
}

static void setup(void) {
  snprintf(g_dir, sizeof g_dir, "/tmp/lago-fuzz-bind-%d", (int)getpid());
  lago_err e;
  lago_err_clear(&e);
  if (sql_session_new(g_dir, &g_s, &e)) abort();
  atexit(teardown);
  const char *init[] = {
      ("CREATE OR REPLACE TABLE t (a INT, b STRING, c DOUBLE, d DATE, e ARRAY<INT>, f STRUCT<x: INT, y: STRING>, "
       "g DECIMAL(10,2), h TIMESTAMP) PARTITIONED BY (d)"),
      "INSERT INTO t VALUES (1, 'x', 1.5, DATE'2024-01-01', array(1, 2), NULL, 1.25, TIMESTAMP'2024-01-01 00:00:00')",
      "CREATE OR REPLACE TABLE u (a BIGINT, k STRING)",
      "INSERT INTO u VALUES (1, 'k')",
      "CREATE OR REPLACE VIEW v AS SELECT a, b FROM t WHERE a > 0"};
  for (size_t i = 0; i < sizeof init / sizeof init[0]; i++) {
    sql_result *r;
    lago_err_clear(&e);
    if (sql_exec(g_s, init[i], &r, &e)) {
      fprintf(stderr, "fuzz_sql_bind setup: %s\n", e.msg);
      abort();
    }
    sql_result_free(r);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) return 0;
  if (!g_s) setup();
  char *text = malloc(size + 32);
  if (!text) return 0;
  memcpy(text, "EXPLAIN EXTENDED ", 17);
  memcpy(text + 17, data, size);
  text[17 + size] = 0;
  const char *body = text + 17;
  if (strlen(body) != size || strcasestr(body, "read_files") || strcasestr(body, "table_changes") || strchr(body, '`') ||
      strcasestr(body, "explain")) {
    free(text);
    return 0;
  }
  /* only queries */
  arena *ar = arena_new("fuzz", 4096);
  lago_err e;
  lago_err_clear(&e);
  sql_stmt *st;
  int ok = ar && sql_parse(ar, body, &st, &e) == LAGO_OK && st->kind == SQL_S_QUERY;
  arena_free(ar);
  if (ok) {
    sql_result *r = NULL;
    lago_err_clear(&e);
    int rc = sql_exec(g_s, text, &r, &e);
    if (rc == LAGO_OK) {
      batch *b;
      while (sql_result_next(r, &b, &e) == LAGO_OK && b->n_rows) {
      }
    } else if (!e.msg[0]) {
      fprintf(stderr, "error %d without a message\n", rc);
      abort();
    }
    sql_result_free(r);
  }
  free(text);
  return 0;
}
