/*
** api/lago.c: the public API (include/lago.h) over the engine layers.
**
** lago_db owns the "db" arena and the last error message. Statements run
** through the SQL layer once it exists; until then lago_exec reports
** LAGO_UNSUPPORTED with a clear message (the shapes of the API are final).
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lago.h"
#include "lago_arrow.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/status.h"

struct lago_db {
  char *warehouse;   /* heap, owned */
  arena *ar;         /* "db" lifetime */
  lago_err err;      /* last error; msg is what lago_errmsg returns */
};

struct lago_result {
  int n_cols;
  int64_t rows_affected;
};

static int set_err(lago_db *db, int rc, const char *msg) {
  lago_err_clear(&db->err);
  return LAGO_ERR(&db->err, rc, "%s", msg);
}

/* mkdir -p; returns 0 or an errno. */
static int mkdir_p(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof tmp) return ENAMETOOLONG;
  memcpy(tmp, path, n + 1);
  for (char *p = tmp + 1; *p; p++) {
    if (*p == '/') {
      *p = 0;
      if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return errno;
      *p = '/';
    }
  }
  if (mkdir(tmp, 0777) != 0 && errno != EEXIST) return errno;
  struct stat st;
  if (stat(tmp, &st) != 0) return errno;
  if (!S_ISDIR(st.st_mode)) return ENOTDIR;
  return 0;
}

int lago_db_open(const char *warehouse, lago_db **out) {
  *out = NULL;
  if (!warehouse) {
    const char *env = getenv("LAGO_WAREHOUSE");
    warehouse = env && *env ? env : "./lakehouse";
  }
  lago_db *db = mem_calloc(1, sizeof *db);
  if (!db) return LAGO_NOMEM;
  lago_err_clear(&db->err);
  *out = db;
  db->warehouse = mem_strdup(warehouse);
  db->ar = arena_new("db", 4096);
  if (!db->warehouse || !db->ar) return set_err(db, LAGO_NOMEM, "out of memory");
  int e = mkdir_p(warehouse);
  if (e) {
    lago_err_clear(&db->err);
    return LAGO_ERR(&db->err, LAGO_IO, "cannot create warehouse directory '%s': %s", warehouse, strerror(e));
  }
  return LAGO_OK;
}

void lago_db_close(lago_db *db) {
  if (!db) return;
  arena_free(db->ar);
  mem_free(db->warehouse);
  mem_free(db);
}

const char *lago_errmsg(lago_db *db) {
  if (!db) return "out of memory";
  return db->err.rc ? db->err.msg : "";
}

const char *lago_db_warehouse(lago_db *db) { return db ? db->warehouse : NULL; }

int lago_exec(lago_db *db, const char *sql, lago_result **out) {
  *out = NULL;
  if (!db || !sql) return LAGO_MISUSE;
  return set_err(db, LAGO_UNSUPPORTED, "SQL statements are not available yet in this build");
}

int lago_result_column_count(lago_result *r) { return r ? r->n_cols : 0; }
const char *lago_result_column_name(lago_result *r, int col) { (void)r; (void)col; return NULL; }
const char *lago_result_column_type(lago_result *r, int col) { (void)r; (void)col; return NULL; }
int lago_result_next(lago_result *r, int *has_row) {
  (void)r;
  *has_row = 0;
  return LAGO_OK;
}
const char *lago_result_text(lago_result *r, int col) { (void)r; (void)col; return NULL; }
int lago_result_arrow(lago_result *r, struct ArrowArrayStream *out) {
  (void)r;
  (void)out;
  return LAGO_UNSUPPORTED;
}
int64_t lago_result_rows_affected(lago_result *r) { return r ? r->rows_affected : -1; }
void lago_result_free(lago_result *r) { mem_free(r); }
