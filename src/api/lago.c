/*
** api/lago.c: the public API (include/lago.h) over the engine layers.
**
** lago_db owns a SQL session (sql/engine.h: the warehouse catalog, current
** catalog/schema, settings, temporary views) and the last error. A
** lago_result wraps a streaming sql_result: lago_result_next walks the rows
** of the current batch and pulls the next batch when it is used up, so
** nothing is materialised before the first row. lago_result_text renders a
** value once per row and column into a per-column buffer (borrowed until
** the next lago_result_next): the canonical text of vec/value_text.h, except
** that a top-level STRING is its raw bytes (no quotes) and NULL is a NULL
** pointer. lago_result_arrow hands the remaining rows out as an Arrow C
** stream (vec/arrow.h arrow_stream_make), pulling batches the same way.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lago.h"
#include "lago_arrow.h"
#include "sql/engine.h"
#include "util/alloc.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"
#include "vec/arrow.h"
#include "vec/value_text.h"

struct lago_db {
  char *warehouse;   /* heap, owned */
  arena *ar;         /* "db" lifetime */
  sql_session *s;    /* NULL when opening failed */
  lago_err err;      /* last error; msg is what lago_errmsg returns */
};

struct lago_result {
  lago_db *db;
  sql_result *r;
  batch *b;          /* current batch (borrowed from r), NULL before the first row */
  uint32_t row;      /* logical row in b */
  bool has_row;
  bool done;
  bool streamed;     /* handed to an Arrow stream */
  uint32_t n_cols;
  const char **type_names; /* in ar */
  buf *text;         /* per column */
  bool *text_ok;     /* text[c] holds the current row's value */
  arena *ar;
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
  return sql_session_new(warehouse, &db->s, &db->err);
}

void lago_db_close(lago_db *db) {
  if (!db) return;
  sql_session_free(db->s);
  arena_free(db->ar);
  mem_free(db->warehouse);
  mem_free(db);
}

const char *lago_errmsg(lago_db *db) {
  if (!db) return "out of memory";
  return db->err.rc ? db->err.msg : "";
}

int lago_erroffset(lago_db *db) { return db && db->err.rc ? db->err.pos : -1; }

const char *lago_db_warehouse(lago_db *db) { return db ? db->warehouse : NULL; }

int lago_exec(lago_db *db, const char *sql, lago_result **out) {
  if (!out) return LAGO_MISUSE;
  *out = NULL;
  if (!db || !sql) return LAGO_MISUSE;
  lago_err_clear(&db->err);
  if (!db->s) return set_err(db, LAGO_MISUSE, "the warehouse could not be opened");
  lago_result *r = mem_calloc(1, sizeof *r);
  if (!r) return set_err(db, LAGO_NOMEM, "out of memory");
  r->db = db;
  int rc = sql_exec(db->s, sql, &r->r, &db->err);
  if (rc) {
    mem_free(r);
    return rc;
  }
  r->n_cols = sql_result_n_cols(r->r);
  r->ar = arena_new("result", 1024);
  if (r->ar) {
    r->type_names = arena_zalloc(r->ar, (r->n_cols + 1) * sizeof *r->type_names);
    r->text = arena_zalloc(r->ar, (r->n_cols + 1) * sizeof *r->text);
    r->text_ok = arena_zalloc(r->ar, (r->n_cols + 1) * sizeof *r->text_ok);
  }
  if (!r->ar || !r->type_names || !r->text || !r->text_ok) {
    lago_result_free(r);
    return set_err(db, LAGO_NOMEM, "out of memory");
  }
  for (uint32_t i = 0; i < r->n_cols; i++) buf_init(&r->text[i]);
  *out = r;
  return LAGO_OK;
}

int lago_result_column_count(lago_result *r) { return r ? (int)r->n_cols : 0; }

const char *lago_result_column_name(lago_result *r, int col) {
  if (!r || col < 0 || (uint32_t)col >= r->n_cols) return NULL;
  return sql_result_col_name(r->r, (uint32_t)col);
}

const char *lago_result_column_type(lago_result *r, int col) {
  if (!r || col < 0 || (uint32_t)col >= r->n_cols) return NULL;
  if (!r->type_names[col]) r->type_names[col] = type_sql_name(r->ar, sql_result_col_type(r->r, (uint32_t)col));
  return r->type_names[col];
}

int lago_result_next(lago_result *r, int *has_row) {
  if (!has_row) return LAGO_MISUSE;
  *has_row = 0;
  if (!r) return LAGO_MISUSE;
  if (r->streamed) return set_err(r->db, LAGO_MISUSE, "the result was handed to an Arrow stream");
  for (uint32_t i = 0; i < r->n_cols; i++) r->text_ok[i] = false;
  r->has_row = false;
  if (r->done) return LAGO_OK;
  if (r->b && r->row + 1 < r->b->n_rows) {
    r->row++;
    r->has_row = true;
    *has_row = 1;
    return LAGO_OK;
  }
  for (;;) {
    lago_err_clear(&r->db->err);
    int rc = sql_result_next(r->r, &r->b, &r->db->err);
    if (rc) {
      r->done = true;
      r->b = NULL;
      return rc;
    }
    if (r->b->n_rows == 0) {
      r->done = true;
      r->b = NULL;
      return LAGO_OK;
    }
    r->row = 0;
    r->has_row = true;
    *has_row = 1;
    return LAGO_OK;
  }
}

const char *lago_result_text(lago_result *r, int col) {
  if (!r || !r->has_row || col < 0 || (uint32_t)col >= r->n_cols || !r->b) return NULL;
  const vec *v = &r->b->cols[col];
  uint32_t row = batch_row(r->b, r->row);
  if (!vec_is_valid(v, row)) return NULL;
  buf *t = &r->text[col];
  if (!r->text_ok[col]) {
    buf_clear(t);
    int rc;
    if (v->type.id == LT_STRING) {
      uint32_t idx = row;
      const vec *src = v;
      if (v->kind == VEC_CONST) idx = 0;
      else if (v->kind == VEC_DICT) {
        idx = ((const uint32_t *)v->data)[row];
        src = v->dict;
      }
      const lago_str *s = &((const lago_str *)src->data)[idx];
      rc = buf_append(t, str_data(s), s->len);
    } else {
      rc = value_text_append(t, v, row);
    }
    if (rc) {
      set_err(r->db, LAGO_NOMEM, "out of memory");
      return NULL;
    }
    r->text_ok[col] = true;
  }
  return buf_cstr(t);
}

/* ---- Arrow ---------------------------------------------------------------------------------- */

static int arrow_pull(void *ud, const batch **out, arrow_keep *keep, lago_err *err) {
  lago_result *r = ud;
  (void)keep;
  *out = NULL;
  if (r->done) return LAGO_OK;
  batch *b;
  int rc = sql_result_next(r->r, &b, err);
  if (rc) {
    r->done = true;
    return rc;
  }
  if (b->n_rows == 0) {
    r->done = true;
    return LAGO_OK;
  }
  *out = b;
  return LAGO_OK;
}

int lago_result_arrow(lago_result *r, struct ArrowArrayStream *out) {
  if (!r || !out) return LAGO_MISUSE;
  if (r->streamed) return set_err(r->db, LAGO_MISUSE, "the result was already handed to an Arrow stream");
  const char **names = arena_alloc(r->ar, (r->n_cols + 1) * sizeof *names);
  lago_type *types = arena_alloc(r->ar, (r->n_cols + 1) * sizeof *types);
  if (!names || !types) return set_err(r->db, LAGO_NOMEM, "out of memory");
  for (uint32_t i = 0; i < r->n_cols; i++) {
    names[i] = sql_result_col_name(r->r, i);
    types[i] = sql_result_col_type(r->r, i);
  }
  lago_err_clear(&r->db->err);
  int rc = arrow_stream_make(out, r->n_cols, names, types, NULL, 0, arrow_pull, r, NULL, &r->db->err);
  if (rc) return rc;
  r->streamed = true;
  return LAGO_OK;
}

int64_t lago_result_rows_affected(lago_result *r) { return r ? sql_result_rows_affected(r->r) : -1; }

void lago_result_free(lago_result *r) {
  if (!r) return;
  sql_result_free(r->r);
  if (r->text)
    for (uint32_t i = 0; i < r->n_cols; i++) buf_deinit(&r->text[i]);
  arena_free(r->ar);
  mem_free(r);
}
