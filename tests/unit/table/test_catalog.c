/*
** tests/unit/table/test_catalog.c: the warehouse catalog (table/catalog.c):
** names, managed/external tables, views, volumes, concurrent registry edits.
*/
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "table/catalog.h"
#include "test.h"

TEST(catalog_names) {
  catalog_name n;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(catalog_parse_name("Sales", &n, &e), &e);
  ASSERT_EQ_STR(n.catalog, "main");
  ASSERT_EQ_STR(n.schema, "default");
  ASSERT_EQ_STR(n.name, "sales");
  ASSERT_OK(catalog_parse_name("bronze.orders", &n, &e), &e);
  ASSERT_EQ_STR(n.schema, "bronze");
  ASSERT_OK(catalog_parse_name("`dev`.s.`t-1`", &n, &e), &e);
  ASSERT_EQ_STR(n.catalog, "dev");
  ASSERT_EQ_STR(n.name, "t-1");
  const char *bad[] = {"..", "a..b", "a/b", "_hidden", "a.b.c.d", "x y", "`..`", "", "../../etc", "-x", NULL};
  for (int i = 0; bad[i]; i++) {
    lago_err_clear(&e);
    ASSERT_RC(catalog_parse_name(bad[i], &n, &e), LAGO_BIND);
  }
  ASSERT(catalog_is_path("/tmp/t"));
  ASSERT(catalog_is_path("./t"));
  ASSERT(!catalog_is_path("main.default.t"));
}

TEST(catalog_tables_views_volumes) {
  tbl_handlers h = tbl_handlers_default(fs_local());
  catalog *c;
  lago_err e;
  lago_err_clear(&e);
  char wh[1024];
  snprintf(wh, sizeof wh, "%s/wh", test_tmpdir());
  ASSERT_OK(catalog_open(&h, wh, &c, &e), &e);
  arena *ar = arena_new("t", 4096);
  const char *root;
  ASSERT_OK(catalog_resolve(c, "t1", ar, &root, &e), &e);
  char want[1100];
  snprintf(want, sizeof want, "%s/main/default/t1", wh);
  ASSERT_EQ_STR(root, want);
  /* a schema must exist before use (except main.default) */
  catalog_name n;
  ASSERT_OK(catalog_parse_name("bronze.ext", &n, &e), &e);
  ASSERT_RC(catalog_register_external(c, &n, "/data/ext", &e), LAGO_NOTFOUND);
  lago_err_clear(&e);
  ASSERT_OK(catalog_create_schema(c, "main", "bronze", false, &e), &e);
  ASSERT_RC(catalog_create_schema(c, "main", "bronze", false, &e), LAGO_EXISTS);
  lago_err_clear(&e);
  ASSERT_OK(catalog_register_external(c, &n, "/data/ext", &e), &e);
  ASSERT_RC(catalog_register_external(c, &n, "/data/ext2", &e), LAGO_EXISTS);
  lago_err_clear(&e);
  ASSERT_RC(catalog_register_external(c, &n, "relative/path", &e), LAGO_BIND);
  lago_err_clear(&e);
  ASSERT_OK(catalog_resolve(c, "bronze.ext", ar, &root, &e), &e);
  ASSERT_EQ_STR(root, "/data/ext");
  /* views */
  catalog_name v;
  ASSERT_OK(catalog_parse_name("bronze.v", &v, &e), &e);
  ASSERT_OK(catalog_create_view(c, &v, "SELECT 1", false, &e), &e);
  const char *sql;
  ASSERT_OK(catalog_view_sql(c, &v, ar, &sql, &e), &e);
  ASSERT_EQ_STR(sql, "SELECT 1");
  ASSERT_RC(catalog_resolve(c, "bronze.v", ar, &root, &e), LAGO_BIND);
  lago_err_clear(&e);
  /* a managed table directory */
  ASSERT_OK(catalog_resolve(c, "bronze.m", ar, &root, &e), &e);
  ASSERT_OK(fs_mkdirs(fs_local(), root, &e), &e);
  catalog_entry *ents;
  size_t ne;
  ASSERT_OK(catalog_list(c, "main", "bronze", ar, &ents, &ne, &e), &e);
  ASSERT_EQ_UINT(ne, 3);
  ASSERT_EQ_STR(ents[0].name, "ext");
  ASSERT_EQ_INT(ents[0].kind, CATALOG_EXTERNAL);
  ASSERT_EQ_STR(ents[1].name, "m");
  ASSERT_EQ_INT(ents[1].kind, CATALOG_MANAGED);
  ASSERT_EQ_INT(ents[2].kind, CATALOG_VIEW);
  ASSERT_OK(catalog_drop(c, &n, false, &e), &e);
  ASSERT_OK(catalog_drop(c, &v, false, &e), &e);
  ASSERT_RC(catalog_drop(c, &v, false, &e), LAGO_NOTFOUND);
  lago_err_clear(&e);
  ASSERT_OK(catalog_list(c, "main", "bronze", ar, &ents, &ne, &e), &e);
  ASSERT_EQ_UINT(ne, 1);
  /* volumes */
  catalog_name vol;
  ASSERT_OK(catalog_parse_name("bronze.raw", &vol, &e), &e);
  ASSERT_OK(catalog_create_volume(c, &vol, &e), &e);
  const char *vp;
  ASSERT_OK(catalog_volume_path(c, "/Volumes/main/bronze/raw/2024/a.csv", ar, &vp, &e), &e);
  snprintf(want, sizeof want, "%s/main/bronze/_volumes/raw/2024/a.csv", wh);
  ASSERT_EQ_STR(vp, want);
  const char *badv[] = {"/Volumes/main/bronze/raw/../../x", "/Volumes/main/bronze/raw/a/./b", "/Volumes/main/..",
                        "/Volumes/main/bronze/nope/x", "/tmp/x", NULL};
  for (int i = 0; badv[i]; i++) {
    lago_err_clear(&e);
    ASSERT(catalog_volume_path(c, badv[i], ar, &vp, &e) != LAGO_OK);
  }
  arena_free(ar);
  catalog_free(c);
}

TEST(catalog_concurrent_registry_edits) {
  char wh[1024];
  snprintf(wh, sizeof wh, "%s/wh", test_tmpdir());
  tbl_handlers h = tbl_handlers_default(fs_local());
  enum { PROCS = 4, EACH = 10 };
  for (int p = 0; p < PROCS; p++) {
    pid_t pid = fork();
    if (pid == 0) {
      catalog *c;
      lago_err e;
      lago_err_clear(&e);
      if (catalog_open(&h, wh, &c, &e)) _exit(1);
      for (int i = 0; i < EACH; i++) {
        char name[64];
        snprintf(name, sizeof name, "t_%d_%d", p, i);
        catalog_name n;
        if (catalog_parse_name(name, &n, &e) || catalog_register_external(c, &n, "/x", &e)) _exit(2);
      }
      catalog_free(c);
      _exit(0);
    }
  }
  for (int p = 0; p < PROCS; p++) {
    int st;
    wait(&st);
    ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  }
  catalog *c;
  lago_err e;
  lago_err_clear(&e);
  ASSERT_OK(catalog_open(&h, wh, &c, &e), &e);
  arena *ar = arena_new("t", 4096);
  catalog_entry *ents;
  size_t ne;
  ASSERT_OK(catalog_list(c, "main", "default", ar, &ents, &ne, &e), &e);
  ASSERT_EQ_UINT(ne, PROCS * EACH); /* no update lost */
  arena_free(ar);
  catalog_free(c);
}
