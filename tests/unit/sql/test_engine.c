/*
** tests/unit/sql/test_engine.c: the SQL engine through the public API
** (include/lago.h): result shape and text, rows affected, error offsets,
** streaming, the Arrow stream, and allocation-failure sweeps over binding,
** planning, execution and a CTAS + MERGE (only LAGO_NOMEM, nothing leaked).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lago.h"
#include "lago_arrow.h"
#include "test.h"
#include "util/alloc.h"

static lago_db *open_db(void) {
  lago_db *db = NULL;
  int rc = lago_db_open(test_tmpdir(), &db);
  if (rc) test_fail_(__FILE__, __LINE__, "lago_db_open: %s", lago_errmsg(db));
  return db;
}

/* Runs sql and returns all rows as "a|b\n" text (NULL as NULL); exits the test on error. */
static const char *run(lago_db *db, const char *sql) {
  static char out[8192];
  lago_result *r = NULL;
  int rc = lago_exec(db, sql, &r);
  if (rc) test_fail_(__FILE__, __LINE__, "%s: %s", sql, lago_errmsg(db));
  size_t n = 0;
  out[0] = 0;
  int has;
  while ((rc = lago_result_next(r, &has)) == LAGO_OK && has) {
    for (int c = 0; c < lago_result_column_count(r); c++) {
      const char *t = lago_result_text(r, c);
      n += (size_t)snprintf(out + n, sizeof out - n, "%s%s", c ? "|" : "", t ? t : "NULL");
    }
    n += (size_t)snprintf(out + n, sizeof out - n, "\n");
  }
  if (rc) test_fail_(__FILE__, __LINE__, "%s: next: %s", sql, lago_errmsg(db));
  lago_result_free(r);
  return out;
}

TEST(sql_engine_result_shape) {
  lago_db *db = open_db();
  lago_result *r;
  ASSERT_OK(lago_exec(db, "SELECT 1 AS a, 'x' AS b, 1.50 AS c, CAST(NULL AS DATE) AS d", &r), NULL);
  ASSERT_EQ_INT(lago_result_column_count(r), 4);
  ASSERT_EQ_STR(lago_result_column_name(r, 0), "a");
  ASSERT_EQ_STR(lago_result_column_type(r, 0), "INT");
  ASSERT_EQ_STR(lago_result_column_type(r, 2), "DECIMAL(3,2)");
  ASSERT_EQ_STR(lago_result_column_type(r, 3), "DATE");
  ASSERT(lago_result_column_name(r, 4) == NULL);
  int has;
  ASSERT_OK(lago_result_next(r, &has), NULL);
  ASSERT_EQ_INT(has, 1);
  ASSERT_EQ_STR(lago_result_text(r, 1), "x"); /* unquoted */
  ASSERT_EQ_STR(lago_result_text(r, 2), "1.50");
  ASSERT(lago_result_text(r, 3) == NULL);
  ASSERT_OK(lago_result_next(r, &has), NULL);
  ASSERT_EQ_INT(has, 0);
  ASSERT_EQ_INT(lago_result_rows_affected(r), -1);
  lago_result_free(r);
  lago_db_close(db);
}

TEST(sql_engine_dml_rows_affected) {
  lago_db *db = open_db();
  run(db, "CREATE TABLE t (a INT)");
  lago_result *r;
  ASSERT_OK(lago_exec(db, "INSERT INTO t SELECT id FROM range(10)", &r), NULL);
  ASSERT_EQ_INT(lago_result_rows_affected(r), 10);
  lago_result_free(r);
  ASSERT_OK(lago_exec(db, "DELETE FROM t WHERE a < 3", &r), NULL);
  ASSERT_EQ_INT(lago_result_rows_affected(r), 3);
  lago_result_free(r);
  ASSERT_EQ_STR(run(db, "SELECT count(*), min(a) FROM t"), "7|3\n");
  lago_db_close(db);
}

TEST(sql_engine_error_offset) {
  lago_db *db = open_db();
  lago_result *r = NULL;
  ASSERT_RC(lago_exec(db, "SELECT a,\n  nope FROM VALUES (1) AS t(a)", &r), LAGO_BIND);
  ASSERT(r == NULL);
  ASSERT_CONTAINS(lago_errmsg(db), "[UNRESOLVED_COLUMN] A column with name 'nope' cannot be resolved");
  ASSERT_CONTAINS(lago_errmsg(db), "(line 2, column 3)");
  ASSERT_EQ_INT(lago_erroffset(db), 12);
  ASSERT_RC(lago_exec(db, "SELEC 1", &r), LAGO_PARSE);
  ASSERT_EQ_INT(lago_erroffset(db), 0);
  /* a runtime error comes from lago_result_next */
  ASSERT_OK(lago_exec(db, "SELECT 10 / (id - 3) FROM range(5)", &r), NULL);
  int has, rc;
  while ((rc = lago_result_next(r, &has)) == LAGO_OK && has) {
  }
  ASSERT_RC(rc, LAGO_RUNTIME);
  ASSERT_CONTAINS(lago_errmsg(db), "DIVIDE_BY_ZERO");
  lago_result_free(r);
  ASSERT_RC(lago_exec(NULL, "SELECT 1", &r), LAGO_MISUSE);
  lago_db_close(db);
}

/* Results stream: a huge range with LIMIT finishes, and freeing a half-read result is fine. */
TEST(sql_engine_streaming) {
  lago_db *db = open_db();
  ASSERT_EQ_STR(run(db, "SELECT id FROM range(1000000000000) LIMIT 2"), "0\n1\n");
  lago_result *r;
  ASSERT_OK(lago_exec(db, "SELECT id FROM range(100000)", &r), NULL);
  int has;
  ASSERT_OK(lago_result_next(r, &has), NULL);
  ASSERT_EQ_STR(lago_result_text(r, 0), "0");
  lago_result_free(r);
  lago_db_close(db);
}

TEST(sql_engine_arrow_stream) {
  lago_db *db = open_db();
  lago_result *r;
  ASSERT_OK(lago_exec(db, "SELECT id, CAST(id AS STRING) AS s FROM range(5000)", &r), NULL);
  struct ArrowArrayStream st;
  ASSERT_OK(lago_result_arrow(r, &st), NULL);
  struct ArrowSchema sc;
  ASSERT_EQ_INT(st.get_schema(&st, &sc), 0);
  ASSERT_EQ_STR(sc.format, "+s");
  ASSERT_EQ_INT(sc.n_children, 2);
  ASSERT_EQ_STR(sc.children[0]->format, "l");
  ASSERT_EQ_STR(sc.children[1]->name, "s");
  sc.release(&sc);
  int64_t rows = 0;
  for (;;) {
    struct ArrowArray a;
    ASSERT_EQ_INT(st.get_next(&st, &a), 0);
    if (!a.release) break;
    rows += a.length;
    a.release(&a);
  }
  ASSERT_EQ_INT(rows, 5000);
  st.release(&st);
  lago_result_free(r);
  lago_db_close(db);
}

/* ---- allocation failures ------------------------------------------------------------------ */

typedef struct oom_ud {
  const char *dir;
  const char *const *sql;
  int n;
} oom_ud;

static int oom_run(void *p) {
  oom_ud *u = p;
  lago_db *db = NULL;
  int rc = lago_db_open(u->dir, &db);
  for (int i = 0; rc == LAGO_OK && i < u->n; i++) {
    lago_result *r = NULL;
    rc = lago_exec(db, u->sql[i], &r);
    int has;
    while (rc == LAGO_OK && (rc = lago_result_next(r, &has)) == LAGO_OK && has) (void)lago_result_text(r, 0);
    lago_result_free(r);
  }
  lago_db_close(db);
  return rc;
}

/* test_oom_sweep with a stride (every `step`-th allocation fails), for statements that
** allocate thousands of times and write files on every run. */
static int strided_sweep(int (*fn)(void *), void *ud, int step, int max_runs) {
  long base = mem_live();
  for (int k = 0; k < max_runs; k++) {
    long n = 1 + (long)k * step;
    if (getenv("SWEEP_TRACE")) fprintf(stderr, "n=%ld\n", n);
    mem_fail_after(n);
    int rc = fn(ud);
    int fired = mem_fail_fired();
    mem_fail_after(0);
    if (mem_live() != base) test_fail_(__FILE__, __LINE__, "n=%ld: %ld blocks leaked (rc=%s)", n, mem_live() - base, lago_rc_name(rc));
    if (!fired) {
      if (rc != LAGO_OK) test_fail_(__FILE__, __LINE__, "n=%ld: no failure injected but rc=%s", n, lago_rc_name(rc));
      return k + 1;
    }
    if (rc != LAGO_NOMEM && rc != LAGO_OK) test_fail_(__FILE__, __LINE__, "n=%ld: got %s, want LAGO_NOMEM", n, lago_rc_name(rc));
  }
  test_fail_(__FILE__, __LINE__, "sweep did not finish in %d runs", max_runs);
}

TEST(sql_engine_oom_query) {
  const char *sql[] = {"WITH t(k, v) AS (VALUES (1, 'a'), (2, 'b'), (1, 'c')) "
                       "SELECT k, count(*), max(v), row_number() OVER (ORDER BY k) FROM t "
                       "WHERE k IN (SELECT id FROM range(3)) GROUP BY k ORDER BY k"};
  oom_ud u = {test_tmpdir(), sql, 1};
  int runs = test_oom_sweep(oom_run, &u, 20000);
  ASSERT(runs > 50);
}

/* Every run works in a fresh warehouse (a run that fails after its commit must not make the next
** run's work larger); a stride keeps the number of runs small. */
typedef struct oom_fresh {
  int k;
  const char *const *sql;
  int n;
} oom_fresh;

static int oom_fresh_run(void *p) {
  oom_fresh *u = p;
  char dir[512], cmd[600];
  snprintf(dir, sizeof dir, "%s/run%d", test_tmpdir(), u->k++);
  oom_ud o = {dir, u->sql, u->n};
  int rc = oom_run(&o);
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) test_fail_(__FILE__, __LINE__, "cannot remove %s", dir);
  return rc;
}

TEST(sql_engine_oom_merge) {
  const char *sql[] = {"CREATE TABLE m (id INT, v STRING)", "INSERT INTO m VALUES (1, 'a'), (2, 'b'), (3, 'c')",
                       "MERGE INTO m t USING (SELECT * FROM VALUES (2, 'B', 'U'), (3, NULL, 'D'), (4, 'd', 'I') AS s(id, v, op)) s "
                       "ON t.id = s.id WHEN MATCHED AND s.op = 'D' THEN DELETE WHEN MATCHED THEN UPDATE SET v = s.v "
                       "WHEN NOT MATCHED THEN INSERT (id, v) VALUES (s.id, s.v)",
                       "SELECT count(*) FROM m"};
  oom_fresh u = {0, sql, 4};
  int runs = strided_sweep(oom_fresh_run, &u, 3, 4000);
  ASSERT(runs > 50);
}
