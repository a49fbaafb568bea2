/*
** sql/stmt_query.c: query statements, EXPLAIN, SET and RESET.
**
** A query is bound, optimized and planned here; the plan runs when the
** caller pulls rows (session.c). EXPLAIN returns the plan as rows of text
** (one line per row, column `plan`): the physical plan with pushed-down
** hints, then one line per scan with what its source will read (files and
** files pruned for Delta tables, row groups for Parquet), found by opening
** each scan as the query would. EXPLAIN EXTENDED adds the logical plan.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sql/sql_int.h"
#include "util/alloc.h"
#include "util/tz.h"

int stmt_query(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  lp *root, *opt;
  TRY(bind_top_query(q, st->query, &root));
  TRY(sql_plan_optimize(q, root, &opt));
  return sql_physical(q, opt, &out->rows);
}

/* ---- EXPLAIN -------------------------------------------------------------------------- */

static int lp_text(sql_ctx *q, const lp *n, int depth, buf *b) {
  static const char *const kinds[] = {"?", "Get", "Values", "Filter", "Project", "Join", "Aggregate", "Window",
                                      "Sort", "Limit", "Distinct", "Union", "SetOp", "Generate", "Dedupe"};
  for (int i = 0; i < depth; i++) TRY(buf_puts(b, "  "));
  TRY(buf_puts(b, n->kind < sizeof kinds / sizeof kinds[0] ? kinds[n->kind] : "?"));
  switch ((lp_kind)n->kind) {
    case LP_GET:
      TRY(buf_printf(b, " %s", n->u.get.label ? n->u.get.label : n->u.get.src->vt->name));
      for (uint32_t i = 0; i < n->u.get.n_filters; i++) {
        TRY(buf_puts(b, i ? ", " : " hints=["));
        TRY(expr_to_text(n->u.get.filters[i], b));
        if (i + 1 == n->u.get.n_filters) TRY(buf_putc(b, ']'));
      }
      break;
    case LP_FILTER:
      TRY(buf_putc(b, ' '));
      TRY(expr_to_text(n->u.filter.pred, b));
      break;
    case LP_JOIN:
      TRY(buf_printf(b, " %s", join_type_name((join_type)n->u.join.type)));
      if (n->u.join.cond) {
        TRY(buf_putc(b, ' '));
        TRY(expr_to_text(n->u.join.cond, b));
      }
      break;
    case LP_LIMIT: TRY(buf_printf(b, " %lld offset %lld", (long long)n->u.limit.limit, (long long)n->u.limit.offset)); break;
    default: break;
  }
  TRY(buf_puts(b, " -> ["));
  for (uint32_t i = 0; i < n->n_out; i++) {
    if (i) TRY(buf_puts(b, ", "));
    TRY(buf_printf(b, "%s#%u", n->out[i].name ? n->out[i].name : "", n->out[i].id));
  }
  TRY(buf_puts(b, "]\n"));
  for (uint32_t i = 0; i < n->n_child; i++) TRY(lp_text(q, n->child[i], depth + 1, b));
  return LAGO_OK;
}

int sql_explain_lp(sql_ctx *q, const lp *root, buf *out) { return lp_text(q, root, 0, out); }

/* Opens each scan of p as the query would and appends what its source will read. */
static int scan_details(sql_ctx *q, const plan *p, buf *b) {
  for (uint32_t i = 0; i < p->n_children; i++) TRY(scan_details(q, p->children[i], b));
  if (p->kind != PLAN_SCAN) return LAGO_OK;
  const exec_source *src = p->u.scan.src;
  if (!src->vt->explain) return LAGO_OK;
  source_scan_args a = {p->u.scan.cols, p->n_cols, p->u.scan.filters, p->u.scan.n_filters, LAGO_VECTOR_SIZE};
  void *inst = NULL;
  TRY(src->vt->open(src->config, &a, &inst, q->err));
  TRY(buf_printf(b, "Scan %s %s: ", src->vt->name, src->label ? src->label : ""));
  int rc = src->vt->explain(src->config, inst, b);
  src->vt->close(inst);
  TRY(rc);
  return buf_putc(b, '\n');
}

static int text_rows(sql_ctx *q, const char *text, const char *col, plan **out) {
  rowset rs;
  const char *names[1] = {col};
  TRY(rowset_init(q, &rs, 1, names, NULL));
  const char *p = text;
  while (*p) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    char *line = arena_strndup(q->ar, p, n);
    if (!line) return LAGO_NOMEM_ERR(q->err);
    const char *v[1] = {line};
    TRY(rowset_add(q, &rs, v));
    p += n + (e ? 1 : 0);
  }
  return rowset_plan(q, &rs, out);
}

int stmt_explain(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  const sql_stmt *in = st->explain.stmt;
  if (in->kind != SQL_S_QUERY)
    return sql_err_at(q, LAGO_UNSUPPORTED, in->pos, "EXPLAIN supports queries only (got %s)", sql_stmt_kind_name(in->kind));
  q->explain = true;
  lp *root, *opt;
  TRY(bind_top_query(q, in->query, &root));
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  if (st->explain.mode != SQL_EXPLAIN_SIMPLE) {
    rc = buf_puts(&b, "== Analyzed Logical Plan ==\n");
    if (rc == LAGO_OK) rc = sql_explain_lp(q, root, &b);
  }
  plan *p = NULL;
  if (rc == LAGO_OK) rc = sql_plan_optimize(q, root, &opt);
  if (rc == LAGO_OK && st->explain.mode != SQL_EXPLAIN_SIMPLE) {
    rc = buf_puts(&b, "== Optimized Logical Plan ==\n");
    if (rc == LAGO_OK) rc = sql_explain_lp(q, opt, &b);
  }
  if (rc == LAGO_OK) rc = sql_physical(q, opt, &p);
  if (rc == LAGO_OK) rc = buf_puts(&b, "== Physical Plan ==\n");
  if (rc == LAGO_OK) rc = exec_explain(p, &b);
  if (rc == LAGO_OK && b.len && b.data[b.len - 1] != '\n') rc = buf_putc(&b, '\n');
  if (rc == LAGO_OK) rc = scan_details(q, p, &b);
  if (rc == LAGO_OK) rc = text_rows(q, buf_cstr(&b), "plan", &out->rows);
  buf_deinit(&b);
  if (rc == LAGO_NOMEM && !q->err->rc) LAGO_NOMEM_ERR(q->err);
  return rc;
}

/* ---- SET / RESET -------------------------------------------------------------------------- */

static int apply_setting(sql_ctx *q, const char *key, const char *value, int pos) {
  sql_session *s = q->s;
  if (!strcasecmp(key, "lago.threads")) {
    long n = value ? strtol(value, NULL, 10) : 2;
    if (n < 1 || n > 64) return sql_err_at(q, LAGO_BIND, pos, "lago.threads must be 1..64, got '%s'", value ? value : "");
    s->n_threads = (int)n;
  } else if (!strcasecmp(key, "lago.memoryLimit")) {
    char *end;
    unsigned long long n = value ? strtoull(value, &end, 10) : 0;
    if (value && (*end == 'k' || *end == 'K')) n <<= 10;
    else if (value && (*end == 'm' || *end == 'M')) n <<= 20;
    else if (value && (*end == 'g' || *end == 'G')) n <<= 30;
    s->mem_limit = (size_t)n;
  } else if (!strcasecmp(key, "spark.sql.session.timeZone") && value) {
    /* validated now, loaded again by each statement (sql_ctx_new) */
    const tz_zone *z;
    lago_err tmp;
    lago_err_clear(&tmp);
    int rc = tz_load(q->ar, value, strlen(value), &z, &tmp);
    if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(q->err);
    if (rc)
      return sql_err_at(q, LAGO_BIND, pos,
                        "[INVALID_CONF_VALUE.TIME_ZONE] The value '%s' in the config \"spark.sql.session.timeZone\" "
                        "is invalid. Cannot resolve the given timezone.",
                        value);
  }
  return LAGO_OK;
}

int stmt_set(sql_ctx *q, const sql_stmt *st, stmt_out *out) {
  sql_session *s = q->s;
  const char *names[2] = {"key", "value"};
  if (st->kind == SQL_S_RESET) {
    sql_kv **pp = &s->settings;
    while (*pp) {
      sql_kv *k = *pp;
      if (!st->reset_key || !strcasecmp(k->key, st->reset_key)) {
        *pp = k->next;
        TRY(apply_setting(q, k->key, NULL, st->pos));
        mem_free(k->key);
        mem_free(k->value);
        mem_free(k);
      } else {
        pp = &k->next;
      }
    }
    return LAGO_OK;
  }
  const sql_set *set = &st->set;
  rowset rs;
  TRY(rowset_init(q, &rs, 2, names, NULL));
  if (!set->key) {
    for (sql_kv *k = s->settings; k; k = k->next) {
      const char *v[2] = {k->key, k->value};
      TRY(rowset_add(q, &rs, v));
    }
    return rowset_plan(q, &rs, &out->rows);
  }
  if (!set->value && !set->time_zone) {
    const char *cur = sql_setting(s, set->key);
    const char *v[2] = {set->key, cur ? cur : "<undefined>"};
    TRY(rowset_add(q, &rs, v));
    return rowset_plan(q, &rs, &out->rows);
  }
  /* SET TIME ZONE LOCAL: lago's "JVM default" zone is UTC */
  const char *value = set->value ? set->value : "UTC";
  TRY(apply_setting(q, set->key, value, st->pos));
  sql_kv *k;
  for (k = s->settings; k; k = k->next)
    if (!strcasecmp(k->key, set->key)) break;
  char *nv = mem_strdup(value);
  if (!nv) return LAGO_NOMEM_ERR(q->err);
  if (k) {
    mem_free(k->value);
    k->value = nv;
  } else {
    k = mem_calloc(1, sizeof *k);
    if (!k || !(k->key = mem_strdup(set->key))) {
      mem_free(nv);
      mem_free(k);
      return LAGO_NOMEM_ERR(q->err);
    }
    k->value = nv;
    k->next = s->settings;
    s->settings = k;
  }
  const char *v[2] = {set->key, value};
  TRY(rowset_add(q, &rs, v));
  return rowset_plan(q, &rs, &out->rows);
}
