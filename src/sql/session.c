/*
** sql/session.c: sessions, statement contexts, statement dispatch and
** streaming results (sql/engine.h).
**
** sql_exec parses the text into the statement arena, hands the statement to
** its family (stmt_*.c), which either builds a plan to stream (queries,
** SHOW, metrics rows) or does its work and reports rows affected. The result
** owns the statement context: arena, exec context, deferred cleanups
** (snapshots, open files) and the running query.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"
#include "util/alloc.h"
#include "util/tz.h"

/* ---- sessions ---------------------------------------------------------------- */

int sql_session_new(const char *warehouse, sql_session **out, lago_err *err) {
  *out = NULL;
  sql_session *s = mem_calloc(1, sizeof *s);
  if (!s) return LAGO_NOMEM_ERR(err);
  s->fs = fs_local();
  s->h = tbl_handlers_default(s->fs);
  s->warehouse = mem_strdup(warehouse);
  if (!s->warehouse) {
    mem_free(s);
    return LAGO_NOMEM_ERR(err);
  }
  int rc = catalog_open(&s->h, warehouse, &s->cat, err);
  if (rc) {
    mem_free(s->warehouse);
    mem_free(s);
    return rc;
  }
  strcpy(s->cur_catalog, "main");
  strcpy(s->cur_schema, "default");
  s->n_threads = 2;
  s->last_commit = -1;
  *out = s;
  return LAGO_OK;
}

void sql_session_set_commit_hook(sql_session *s, sql_commit_hook fn, void *ud) {
  s->commit_hook = fn;
  s->commit_hook_ud = ud;
}

int64_t sql_session_last_commit(const sql_session *s) { return s->last_commit; }

const exec_source *sql_registered(const sql_session *s, const char *name) {
  for (const sql_reg *r = s->regs; r; r = r->next)
    if (!strcasecmp(r->name, name)) return r->src;
  return NULL;
}

void sql_session_unregister(sql_session *s, const char *name) {
  for (sql_reg **pp = &s->regs; *pp; pp = &(*pp)->next)
    if (!strcasecmp((*pp)->name, name)) {
      sql_reg *r = *pp;
      *pp = r->next;
      mem_free(r->name);
      mem_free(r);
      return;
    }
}

int sql_session_register(sql_session *s, const char *name, const exec_source *src, lago_err *err) {
  if (!name || !*name || !src) return LAGO_ERR(err, LAGO_MISUSE, "sql_session_register: a name and a source are needed");
  sql_session_unregister(s, name);
  sql_reg *r = mem_calloc(1, sizeof *r);
  if (!r || !(r->name = mem_strdup(name))) {
    mem_free(r);
    return LAGO_NOMEM_ERR(err);
  }
  r->src = src;
  r->next = s->regs;
  s->regs = r;
  return LAGO_OK;
}

static void kv_free(sql_kv *k) {
  while (k) {
    sql_kv *n = k->next;
    mem_free(k->key);
    mem_free(k->value);
    mem_free(k);
    k = n;
  }
}

void sql_session_free(sql_session *s) {
  if (!s) return;
  catalog_free(s->cat);
  kv_free(s->settings);
  kv_free(s->temp_views);
  while (s->regs) sql_session_unregister(s, s->regs->name);
  mem_free(s->warehouse);
  mem_free(s);
}

const char *sql_setting(const sql_session *s, const char *key) {
  for (const sql_kv *k = s->settings; k; k = k->next)
    if (!strcasecmp(k->key, key)) return k->value;
  return NULL;
}

bool sql_setting_bool(const sql_session *s, const char *key, bool dflt) {
  const char *v = sql_setting(s, key);
  if (!v) return dflt;
  return !strcasecmp(v, "true") || !strcmp(v, "1");
}

/* ---- statement contexts ---------------------------------------------------------- */

int sql_ctx_new(sql_session *s, const char *text, lago_err *err, sql_ctx **out) {
  *out = NULL;
  sql_ctx *q = mem_calloc(1, sizeof *q);
  if (!q) return LAGO_NOMEM_ERR(err);
  exec_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.n_threads = s->n_threads;
  cfg.mem_limit = s->mem_limit;
  if (exec_ctx_new(&cfg, &q->cx)) {
    mem_free(q);
    return LAGO_NOMEM_ERR(err);
  }
  q->s = s;
  q->ar = exec_ctx_arena(q->cx);
  q->text = text;
  q->err = err;
  q->next_id = 1;
  q->ec.ar = q->ar;
  q->ec.err = err;
  q->ec.now_us = exec_ctx_now(q->cx);
  /* the session time zone (SET TIME ZONE), loaded for this statement */
  const char *tzn = sql_setting(s, "spark.sql.session.timeZone");
  if (tzn) {
    const tz_zone *z;
    int rc = tz_load(q->ar, tzn, strlen(tzn), &z, err);
    if (rc) {
      exec_ctx_free(q->cx);
      mem_free(q);
      return rc;
    }
    if (!tz_is_utc(z)) {
      exec_ctx_set_tz(q->cx, z);
      q->ec.tz = z;
    }
  }
  *out = q;
  return LAGO_OK;
}

void sql_ctx_free(sql_ctx *q) {
  if (!q) return;
  sql_cleanup *c = q->cleanups;
  while (c) {
    sql_cleanup *n = c->next;
    c->fn(c->p);
    mem_free(c);
    c = n;
  }
  exec_ctx_free(q->cx);
  mem_free(q);
}

int sql_defer(sql_ctx *q, void (*fn)(void *), void *p) {
  sql_cleanup *c = mem_calloc(1, sizeof *c);
  if (!c) {
    fn(p);
    return LAGO_NOMEM_ERR(q->err);
  }
  c->fn = fn;
  c->p = p;
  c->next = q->cleanups;
  q->cleanups = c;
  return LAGO_OK;
}

int sql_err_at(sql_ctx *q, int rc, int pos, const char *fmt, ...) {
  if (q->err->rc) return rc;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (pos >= 0 && q->text && (size_t)pos <= strlen(q->text)) {
    int line, col;
    sql_line_col(q->text, (uint32_t)pos, &line, &col);
    return lago_err_set_pos(q->err, rc, pos, __FILE__, __LINE__, "%s (line %d, column %d)", msg, line, col);
  }
  return lago_err_set(q->err, rc, __FILE__, __LINE__, "%s", msg);
}

int sql_run_plan(sql_ctx *q, const plan *p, int max_threads, sql_sink_fn fn, void *ud) {
  return exec_run(q->cx, p, max_threads, fn, ud, q->err);
}

int sql_plan_threads(sql_ctx *q, const plan *p) {
  int n = exec_run_threads(q->cx, p);
  return n < 1 ? 1 : n;
}

/* ---- results ------------------------------------------------------------------------ */

struct sql_result {
  sql_ctx *q;
  lago_err err;            /* the statement's error sink (q->err points here) */
  exec_query *run;         /* NULL for statements without rows */
  uint32_t n_cols;
  const char **names;
  lago_type *types;
  int64_t rows_affected;
  batch empty;
  bool done;
};

uint32_t sql_result_n_cols(const sql_result *r) { return r ? r->n_cols : 0; }
const char *sql_result_col_name(const sql_result *r, uint32_t i) {
  return r && i < r->n_cols ? r->names[i] : NULL;
}
lago_type sql_result_col_type(const sql_result *r, uint32_t i) {
  return r && i < r->n_cols ? r->types[i] : type_make(LT_INVALID);
}
int64_t sql_result_rows_affected(const sql_result *r) { return r ? r->rows_affected : -1; }

int sql_result_next(sql_result *r, batch **out, lago_err *err) {
  memset(&r->empty, 0, sizeof r->empty);
  *out = &r->empty;
  if (r->done || !r->run) return LAGO_OK;
  lago_err_clear(&r->err);
  int rc = exec_next(r->run, out, &r->err);
  if (rc) {
    lago_err_copy(err, &r->err);
    r->done = true;
    *out = &r->empty;
    return rc;
  }
  if ((*out)->n_rows == 0) r->done = true;
  return LAGO_OK;
}

void sql_result_free(sql_result *r) {
  if (!r) return;
  exec_close(r->run);
  sql_ctx_free(r->q);
  mem_free(r);
}

/* ---- dispatch ------------------------------------------------------------------------ */

static int dispatch(sql_ctx *q, const sql_stmt *st, stmt_out *o) {
  if (sql_stmt_is_stream(st)) return stmt_stream(q, st, o);
  switch (st->kind) {
    case SQL_S_QUERY: return stmt_query(q, st, o);
    case SQL_S_EXPLAIN: return stmt_explain(q, st, o);
    case SQL_S_USE:
    case SQL_S_CREATE_NS:
    case SQL_S_CREATE_TABLE:
    case SQL_S_CREATE_VIEW:
    case SQL_S_CREATE_VOLUME:
    case SQL_S_DROP:
    case SQL_S_ALTER_TABLE: return stmt_ddl(q, st, o);
    case SQL_S_SHOW:
    case SQL_S_DESCRIBE: return stmt_show(q, st, o);
    case SQL_S_INSERT: return stmt_insert(q, st, o);
    case SQL_S_UPDATE:
    case SQL_S_DELETE: return stmt_update_delete(q, st, o);
    case SQL_S_MERGE: return stmt_merge(q, st, o);
    case SQL_S_TRUNCATE:
    case SQL_S_OPTIMIZE:
    case SQL_S_VACUUM:
    case SQL_S_RESTORE: return stmt_maint(q, st, o);
    case SQL_S_SET:
    case SQL_S_RESET: return stmt_set(q, st, o);
    case SQL_S_COPY_INTO: return stmt_copy_into(q, st, o);
    default:
      return sql_err_at(q, LAGO_UNSUPPORTED, st->pos, "%s statements are not supported by lago's SQL engine",
                        sql_stmt_kind_name(st->kind));
  }
}

int sql_exec(sql_session *s, const char *text, sql_result **out, lago_err *err) {
  *out = NULL;
  sql_result *r = mem_calloc(1, sizeof *r);
  if (!r) return LAGO_NOMEM_ERR(err);
  lago_err_clear(&r->err);
  int rc = sql_ctx_new(s, text, &r->err, &r->q);
  if (rc) {
    mem_free(r);
    return LAGO_NOMEM_ERR(err);
  }
  sql_ctx *q = r->q;
  sql_stmt *st = NULL;
  stmt_out o = {NULL, -1};
  rc = sql_parse(q->ar, text, &st, q->err);
  if (rc == LAGO_OK) rc = dispatch(q, st, &o);
  if (rc == LAGO_OK && o.rows) {
    r->n_cols = o.rows->n_cols;
    r->types = o.rows->types;
    r->names = arena_alloc(q->ar, (o.rows->n_cols ? o.rows->n_cols : 1) * sizeof *r->names);
    if (!r->names) rc = LAGO_NOMEM_ERR(q->err);
    for (uint32_t i = 0; rc == LAGO_OK && i < o.rows->n_cols; i++) {
      const char *nm = o.rows->names ? o.rows->names[i] : NULL;
      if (!nm && !(nm = arena_printf(q->ar, "col%u", i + 1))) rc = LAGO_NOMEM_ERR(q->err);
      r->names[i] = nm;
    }
    if (rc == LAGO_OK) rc = exec_open(q->cx, o.rows, &r->run, q->err);
  }
  if (rc) {
    if (r->err.rc == LAGO_OK) LAGO_ERR(&r->err, rc, "statement failed");
    lago_err_copy(err, &r->err);
    sql_result_free(r);
    return rc;
  }
  r->rows_affected = o.rows_affected;
  *out = r;
  return LAGO_OK;
}
