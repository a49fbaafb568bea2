/*
** pipeline/job_spec.c: job files -> validated job_spec (job.h), and the
** small text helpers the runner shares with validation ({{references}},
** command words, run_if).
**
** The job file is untrusted input (fuzzed by tests/fuzz/fuzz_job_yaml.c):
** ydoc_parse turns the YAML into a tree with positions, and every check
** here reports "file:line:col: what" at the node it is about. Shape of the
** file (README.md "Job files" has the full reference):
**
**   resources:                       # optional bundle wrapper
**     jobs:
**       <key>:                       # one or more jobs; pick one with job_key
**         name: <text>               # default: <key>
**         max_concurrent_runs: 1     # 1..1000
**         timeout_seconds: 0         # whole run; 0 = none
**         parameters: [{name: p, default: "v"}, ...]
**         tasks:
**           - task_key: <[A-Za-z0-9_-]{1,100}>
**             depends_on: [{task_key: k}, ...]
**             run_if: ALL_SUCCESS | AT_LEAST_ONE_SUCCESS | NONE_FAILED | ALL_DONE
**                     | AT_LEAST_ONE_FAILED | ALL_FAILED
**             max_retries: 0 | n | -1    min_retry_interval_millis: 0
**             retry_on_timeout: false    timeout_seconds: 0    disabled: false
**             one of: lago_task: {command: "<subcommand ...>" | [words]}
**                     sql_task: {file: {path: <file.sql>}}
**                     shell_command_task: {command: "<sh text>"}
**
** Keys Databricks defines for compute, notifications, schedules and the like
** are accepted and ignored (a job file written for Databricks still loads);
** task types lago cannot run are refused by name; anything else unknown is
** an error with a "did you mean" hint.
*/
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/fs.h"
#include "pipeline/job.h"
#include "pipeline/ydoc.h"
#include "util/alloc.h"

/* ---- names ---------------------------------------------------------------------------------- */

const char *job_status_name(job_status s) {
  switch (s) {
    case JOB_PENDING: return "PENDING";
    case JOB_RUNNING: return "RUNNING";
    case JOB_RETRY_WAIT: return "RETRY_WAIT";
    case JOB_SUCCESS: return "SUCCESS";
    case JOB_FAILED: return "FAILED";
    case JOB_TIMED_OUT: return "TIMED_OUT";
    case JOB_CANCELLED: return "CANCELLED";
    case JOB_UPSTREAM_FAILED: return "UPSTREAM_FAILED";
    case JOB_EXCLUDED: return "EXCLUDED";
  }
  return "?";
}

const char *job_result_name(job_result r) {
  switch (r) {
    case JOB_RESULT_RUNNING: return "RUNNING";
    case JOB_RESULT_SUCCESS: return "SUCCESS";
    case JOB_RESULT_SUCCEEDED_WITH_FAILURES: return "SUCCEEDED_WITH_FAILURES";
    case JOB_RESULT_FAILED: return "FAILED";
    case JOB_RESULT_TIMED_OUT: return "TIMED_OUT";
    case JOB_RESULT_CANCELLED: return "CANCELLED";
  }
  return "?";
}

static const char *const k_run_if[] = {"ALL_SUCCESS",         "AT_LEAST_ONE_SUCCESS", "NONE_FAILED",
                                       "ALL_DONE",            "AT_LEAST_ONE_FAILED",  "ALL_FAILED"};

const char *job_run_if_name(job_run_if r) {
  return (unsigned)r < sizeof k_run_if / sizeof *k_run_if ? k_run_if[r] : "?";
}

const char *job_task_type_name(job_task_type t) {
  switch (t) {
    case JOB_TASK_LAGO: return "lago_task";
    case JOB_TASK_SQL: return "sql_task";
    case JOB_TASK_SHELL: return "shell_command_task";
  }
  return "?";
}

bool job_status_final(job_status s) { return s >= JOB_SUCCESS; }
bool job_status_ok(job_status s) { return s == JOB_SUCCESS || s == JOB_EXCLUDED; }

/* ---- run_if ------------------------------------------------------------------------------- */

job_status job_run_if_decide(job_run_if run_if, const job_status *dep, uint32_t n) {
  if (n == 0) return JOB_PENDING;
  uint32_t ok = 0, failed = 0, excluded = 0, executed = 0;
  for (uint32_t i = 0; i < n; i++) {
    job_status s = dep[i];
    if (job_status_ok(s)) ok++;
    if (s == JOB_FAILED || s == JOB_TIMED_OUT || s == JOB_UPSTREAM_FAILED) failed++;
    if (s == JOB_EXCLUDED) excluded++;
    if (s == JOB_SUCCESS || s == JOB_FAILED || s == JOB_TIMED_OUT) executed++;
  }
  if (excluded == n) return JOB_EXCLUDED; /* Databricks: all dependencies excluded => excluded */
  switch (run_if) {
    case JOB_RUN_IF_ALL_SUCCESS: return ok == n ? JOB_PENDING : JOB_UPSTREAM_FAILED;
    case JOB_RUN_IF_AT_LEAST_ONE_SUCCESS: return ok > 0 ? JOB_PENDING : JOB_UPSTREAM_FAILED;
    case JOB_RUN_IF_NONE_FAILED: return failed == 0 && executed > 0 ? JOB_PENDING : JOB_UPSTREAM_FAILED;
    case JOB_RUN_IF_ALL_DONE: return JOB_PENDING;
    case JOB_RUN_IF_AT_LEAST_ONE_FAILED: return failed > 0 ? JOB_PENDING : JOB_EXCLUDED;
    case JOB_RUN_IF_ALL_FAILED: return failed == n ? JOB_PENDING : JOB_EXCLUDED;
  }
  return JOB_UPSTREAM_FAILED;
}

/* ---- {{references}} ------------------------------------------------------------------------ */

static bool ref_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'; }

int job_expand(arena *ar, const char *text, const job_vars *v, const char **out, lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = LAGO_OK;
  const char *p = text;
  while (rc == LAGO_OK) {
    const char *open = strstr(p, "{{");
    if (!open) {
      rc = buf_puts(&b, p);
      break;
    }
    const char *close = strstr(open + 2, "}}");
    const char *s = open + 2, *e = close;
    if (close) {
      while (s < e && (*s == ' ' || *s == '\t')) s++;
      while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    }
    bool is_ref = close && e > s;
    for (const char *q = s; is_ref && q < e; q++) is_ref = ref_char(*q);
    if (!is_ref) { /* not a reference: keep "{{" and go on after it */
      rc = buf_append(&b, p, (size_t)(open + 2 - p));
      p = open + 2;
      continue;
    }
    rc = buf_append(&b, p, (size_t)(open - p));
    if (rc) break;
    size_t n = (size_t)(e - s);
    char name[160];
    if (n >= sizeof name) {
      rc = LAGO_ERR(err, LAGO_BIND, "unknown reference {{%.40s...}}", s);
      break;
    }
    memcpy(name, s, n);
    name[n] = 0;
    const job_spec *sp = v->spec;
    if (!strcmp(name, "job.name")) {
      rc = buf_puts(&b, sp->name);
    } else if (!strcmp(name, "job.run_id")) {
      rc = buf_printf(&b, "%lld", (long long)v->run_id);
    } else if (!strcmp(name, "task.name")) {
      if (!v->task_key) {
        rc = LAGO_ERR(err, LAGO_BIND, "{{task.name}} is only known inside a task");
        break;
      }
      rc = buf_puts(&b, v->task_key);
    } else if (!strncmp(name, "job.start_time.", 15)) {
      time_t t = (time_t)(v->start_ms / 1000);
      struct tm tm;
      gmtime_r(&t, &tm);
      const char *f = name + 15;
      if (!strcmp(f, "iso_date"))
        rc = buf_printf(&b, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
      else if (!strcmp(f, "iso_datetime"))
        rc = buf_printf(&b, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                        tm.tm_min, tm.tm_sec);
      else if (!strcmp(f, "timestamp_ms"))
        rc = buf_printf(&b, "%lld", (long long)v->start_ms);
      else {
        rc = LAGO_ERR(err, LAGO_BIND,
                      "unknown reference {{%s}} (job.start_time has iso_date, iso_datetime, timestamp_ms)", name);
        break;
      }
    } else if (!strncmp(name, "job.parameters.", 15)) {
      const char *pn = name + 15;
      uint32_t i = 0;
      while (i < sp->n_params && strcmp(sp->params[i].name, pn)) i++;
      if (i == sp->n_params) {
        buf known;
        buf_init(&known);
        for (uint32_t k = 0; k < sp->n_params; k++) buf_printf(&known, "%s%s", k ? ", " : "", sp->params[k].name);
        rc = LAGO_ERR(err, LAGO_BIND, "unknown reference {{%s}}: the job has no parameter '%s' (parameters: %s)", name,
                      pn, sp->n_params ? buf_cstr(&known) : "none");
        buf_deinit(&known);
        break;
      }
      rc = buf_puts(&b, v->param_values ? v->param_values[i] : sp->params[i].def);
    } else {
      rc = LAGO_ERR(err, LAGO_BIND,
                    "unknown reference {{%s}} (known: job.name, job.run_id, job.parameters.<name>, "
                    "job.start_time.iso_date, job.start_time.iso_datetime, job.start_time.timestamp_ms, task.name)",
                    name);
      break;
    }
    p = close + 2;
  }
  if (rc == LAGO_OK) {
    char *s = arena_strdup(ar, buf_cstr(&b));
    if (!s) rc = LAGO_NOMEM_ERR(err);
    *out = s;
  } else if (rc == LAGO_NOMEM) {
    LAGO_NOMEM_ERR(err);
  }
  buf_deinit(&b);
  return rc;
}

/* ---- command words -------------------------------------------------------------------------- */

int job_split_words(arena *ar, const char *text, const char ***words, uint32_t *n_words, lago_err *err) {
  size_t cap = 8, n = 0;
  const char **w = arena_alloc(ar, cap * sizeof *w);
  char *cur = arena_alloc(ar, strlen(text) + 1); /* a word is never longer than the text */
  if (!w || !cur) return LAGO_NOMEM_ERR(err);
  const char *p = text;
  for (;;) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    if (!*p) break;
    size_t len = 0;
    while (*p && !(*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
      if (*p == '\'') {
        const char *e = strchr(p + 1, '\'');
        if (!e) return LAGO_ERR(err, LAGO_PARSE, "unterminated ' quote at byte %zu of \"%s\"", (size_t)(p - text), text);
        memcpy(cur + len, p + 1, (size_t)(e - p - 1));
        len += (size_t)(e - p - 1);
        p = e + 1;
      } else if (*p == '"') {
        const char *q = p + 1;
        for (;;) {
          if (!*q) return LAGO_ERR(err, LAGO_PARSE, "unterminated \" quote at byte %zu of \"%s\"", (size_t)(p - text), text);
          if (*q == '"') break;
          if (*q == '\\' && (q[1] == '"' || q[1] == '\\' || q[1] == '$' || q[1] == '`')) q++;
          cur[len++] = *q++;
        }
        p = q + 1;
      } else if (*p == '\\') {
        if (!p[1]) return LAGO_ERR(err, LAGO_PARSE, "trailing backslash in \"%s\"", text);
        cur[len++] = p[1];
        p += 2;
      } else {
        cur[len++] = *p++;
      }
    }
    if (n == cap) {
      const char **nw = arena_realloc(ar, w, cap * sizeof *w, cap * 2 * sizeof *w);
      if (!nw) return LAGO_NOMEM_ERR(err);
      w = nw;
      cap *= 2;
    }
    char *word = arena_strndup(ar, cur, len);
    if (!word) return LAGO_NOMEM_ERR(err);
    w[n++] = word;
  }
  *words = w;
  *n_words = (uint32_t)n;
  return LAGO_OK;
}

/* ---- parsing context and value helpers ------------------------------------------------------- */

typedef struct pctx {
  arena *ar;
  const char *file;
  lago_err *err;
} pctx;

#define PERR(pc, node, ...) ydoc_error((pc)->err, (pc)->file, (node), __VA_ARGS__)

/* Levenshtein distance of two short strings (for "did you mean"); large when either is long. */
static size_t edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la > 63 || lb > 63) return 1000;
  size_t row[64];
  for (size_t j = 0; j <= lb; j++) row[j] = j;
  for (size_t i = 1; i <= la; i++) {
    size_t prev = row[0];
    row[0] = i;
    for (size_t j = 1; j <= lb; j++) {
      size_t cur = row[j];
      size_t best = prev + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      if (row[j] + 1 < best) best = row[j] + 1;
      if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
      row[j] = best;
      prev = cur;
    }
  }
  return row[lb];
}

/* The closest of names[0..n) to s if it is close enough to be a likely typo, else NULL. */
static const char *closest(const char *s, const char *const *names, size_t n) {
  const char *best = NULL;
  size_t bd = 1000;
  for (size_t i = 0; i < n; i++) {
    if (!names[i]) continue;
    size_t d = edit_distance(s, names[i]);
    if (d < bd) {
      bd = d;
      best = names[i];
    }
  }
  size_t limit = strlen(s) <= 4 ? 1 : strlen(s) <= 8 ? 2 : 3;
  return bd <= limit ? best : NULL;
}

static bool in_list(const char *s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(s, list[i])) return true;
  return false;
}

#define NELEM(a) (sizeof(a) / sizeof *(a))

/* Every key of map must be in known[] or ignored[]; the first other one is an error ("where": for the message). */
static int check_keys(pctx *pc, const ynode *map, const char *where, const char *const *known, size_t n_known,
                      const char *const *ignored, size_t n_ignored) {
  for (uint32_t i = 0; i < map->len; i++) {
    const ynode *k = map->u.pairs[i].key;
    const char *s = k->u.str;
    if (in_list(s, known, n_known) || in_list(s, ignored, n_ignored)) continue;
    const char *hint = closest(s, known, n_known);
    buf kn;
    buf_init(&kn);
    for (size_t j = 0; j < n_known; j++) buf_printf(&kn, "%s%s", j ? ", " : "", known[j]);
    int rc;
    if (hint)
      rc = PERR(pc, k, "unknown key '%s' in %s (did you mean '%s'?)", s, where, hint);
    else
      rc = PERR(pc, k, "unknown key '%s' in %s (expected: %s)", s, where, buf_cstr(&kn));
    buf_deinit(&kn);
    return rc;
  }
  return LAGO_OK;
}

static int want_map(pctx *pc, const ynode *n, const char *what) {
  if (n->kind != YNODE_MAP) return PERR(pc, n, "%s must be a mapping, not %s", what, ynode_kind_name(n));
  return LAGO_OK;
}

static int get_str(pctx *pc, const ynode *n, const char *what, const char **out) {
  if (n->kind != YNODE_SCALAR || ynode_is_null(n))
    return PERR(pc, n, "%s must be text, not %s", what, ynode_kind_name(n));
  if (strlen(n->u.str) != n->len) return PERR(pc, n, "%s contains a NUL character", what);
  *out = n->u.str;
  return LAGO_OK;
}

/* An integer in [lo, hi]; plain or quoted digits. */
static int get_int(pctx *pc, const ynode *n, const char *what, int64_t lo, int64_t hi, int64_t *out) {
  if (n->kind != YNODE_SCALAR || ynode_is_null(n))
    return PERR(pc, n, "%s must be an integer, not %s", what, ynode_kind_name(n));
  const char *s = n->u.str;
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  bool digits = *p != 0;
  for (const char *q = p; *q; q++) digits = digits && *q >= '0' && *q <= '9';
  if (!digits || strlen(s) != n->len) return PERR(pc, n, "%s must be an integer, not '%.60s'", what, s);
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno || v < lo || v > hi)
    return PERR(pc, n, "%s must be between %lld and %lld, not %.40s", what, (long long)lo, (long long)hi, s);
  *out = v;
  return LAGO_OK;
}

static int get_bool(pctx *pc, const ynode *n, const char *what, bool *out) {
  if (n->kind == YNODE_SCALAR) {
    const char *s = n->u.str;
    if (!strcmp(s, "true") || !strcmp(s, "True") || !strcmp(s, "TRUE")) {
      *out = true;
      return LAGO_OK;
    }
    if (!strcmp(s, "false") || !strcmp(s, "False") || !strcmp(s, "FALSE")) {
      *out = false;
      return LAGO_OK;
    }
  }
  return PERR(pc, n, "%s must be true or false, not %s%.40s%s", what, n->kind == YNODE_SCALAR ? "'" : "",
              n->kind == YNODE_SCALAR ? n->u.str : ynode_kind_name(n), n->kind == YNODE_SCALAR ? "'" : "");
}

/* A value present and not null? (`key:` with nothing after it counts as absent.) */
static const ynode *opt(const ynode *map, const char *key) {
  const ynode *v = ynode_get(map, key);
  return v && !ynode_is_null(v) ? v : NULL;
}

/* Checks every {{reference}} of text against the job (names and parameters), at node n. */
static int check_refs(pctx *pc, const job_spec *sp, const char *task_key, const ynode *n, const char *text) {
  job_vars v = {.spec = sp, .task_key = task_key};
  const char *ignored;
  lago_err e;
  lago_err_clear(&e);
  int rc = job_expand(pc->ar, text, &v, &ignored, &e);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(pc->err);
  if (rc) return PERR(pc, n, "task '%s': %s", task_key, e.msg);
  return LAGO_OK;
}

static bool valid_task_key(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n > JOB_TASK_KEY_MAX) return false;
  for (size_t i = 0; i < n; i++)
    if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-') return false;
  return true;
}

static bool valid_param_name(const char *s) {
  if (!*s || strlen(s) > 128) return false;
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') return false;
  return true;
}

/* ---- tasks ---------------------------------------------------------------------------------- */

static const char *const k_task_keys[] = {"task_key",         "description", "depends_on",   "run_if",
                                          "max_retries",      "min_retry_interval_millis",   "retry_on_timeout",
                                          "timeout_seconds",  "disabled",    "lago_task",    "sql_task",
                                          "shell_command_task"};
/* Databricks settings with no meaning on one machine: accepted, ignored. */
static const char *const k_task_ignored[] = {"existing_cluster_id", "new_cluster",     "job_cluster_key",
                                             "libraries",           "environment_key", "email_notifications",
                                             "webhook_notifications", "notification_settings", "health",
                                             "compute",             "disable_auto_optimization"};
static const char *const k_task_unsupported[] = {
    "notebook_task", "spark_python_task", "python_wheel_task", "spark_jar_task",  "spark_submit_task",
    "pipeline_task", "run_job_task",      "dbt_task",          "condition_task",  "for_each_task",
    "clean_rooms_notebook_task", "dashboard_task", "power_bi_task", "gen_ai_compute_task"};

/* Per task while parsing: its depends_on entries as written (resolved to indexes later). */
typedef struct dep_ref {
  const char *key;
  const ynode *node;
} dep_ref;

typedef struct task_tmp {
  dep_ref *deps;
  uint32_t n_deps;
  const ynode *node;
} task_tmp;

static int parse_lago_task(pctx *pc, const ynode *v, const char *key, job_task *t) {
  TRY(want_map(pc, v, "lago_task"));
  static const char *const known[] = {"command"};
  TRY(check_keys(pc, v, "lago_task", known, 1, NULL, 0));
  const ynode *c = opt(v, "command");
  if (!c) return PERR(pc, v, "task '%s': lago_task needs a command (e.g. {command: \"table describe t\"})", key);
  if (c->kind == YNODE_SEQ) {
    if (c->len == 0) return PERR(pc, c, "task '%s': lago_task command is an empty list", key);
    const char **w = arena_alloc(pc->ar, c->len * sizeof *w);
    if (!w) return LAGO_NOMEM_ERR(pc->err);
    for (uint32_t i = 0; i < c->len; i++) TRY(get_str(pc, c->u.items[i], "a lago_task command word", &w[i]));
    t->words = w;
    t->n_words = c->len;
    return LAGO_OK;
  }
  TRY(get_str(pc, c, "lago_task command", &t->text));
  const char **w;
  uint32_t n;
  lago_err e;
  lago_err_clear(&e);
  int rc = job_split_words(pc->ar, t->text, &w, &n, &e);
  if (rc == LAGO_NOMEM) return LAGO_NOMEM_ERR(pc->err);
  if (rc) return PERR(pc, c, "task '%s': lago_task command: %s", key, e.msg);
  if (n == 0) return PERR(pc, c, "task '%s': lago_task command is empty", key);
  return LAGO_OK;
}

static int parse_sql_task(pctx *pc, const ynode *v, const char *key, job_task *t) {
  TRY(want_map(pc, v, "sql_task"));
  static const char *const known[] = {"file"};
  static const char *const ignored[] = {"warehouse_id"};
  static const char *const unsupported[] = {"query", "dashboard", "alert", "parameters"};
  for (size_t i = 0; i < NELEM(unsupported); i++)
    if (ynode_get(v, unsupported[i]))
      return PERR(pc, ynode_get(v, unsupported[i]),
                  "task '%s': sql_task.%s is not supported: lago runs SQL files (sql_task: {file: {path: x.sql}})", key,
                  unsupported[i]);
  TRY(check_keys(pc, v, "sql_task", known, NELEM(known), ignored, NELEM(ignored)));
  const ynode *f = opt(v, "file");
  if (!f) return PERR(pc, v, "task '%s': sql_task needs a file (sql_task: {file: {path: x.sql}})", key);
  TRY(want_map(pc, f, "sql_task.file"));
  static const char *const fknown[] = {"path", "source"};
  TRY(check_keys(pc, f, "sql_task.file", fknown, NELEM(fknown), NULL, 0));
  const ynode *src = opt(f, "source");
  if (src) {
    const char *s;
    TRY(get_str(pc, src, "sql_task.file.source", &s));
    if (strcmp(s, "WORKSPACE"))
      return PERR(pc, src, "task '%s': sql_task.file.source %s is not supported (only WORKSPACE: a local file)", key, s);
  }
  const ynode *p = opt(f, "path");
  if (!p) return PERR(pc, f, "task '%s': sql_task.file needs a path", key);
  TRY(get_str(pc, p, "sql_task.file.path", &t->text));
  if (!*t->text) return PERR(pc, p, "task '%s': sql_task.file.path is empty", key);
  return LAGO_OK;
}

static int parse_shell_task(pctx *pc, const ynode *v, const char *key, job_task *t) {
  TRY(want_map(pc, v, "shell_command_task"));
  static const char *const known[] = {"command"};
  TRY(check_keys(pc, v, "shell_command_task", known, 1, NULL, 0));
  const ynode *c = opt(v, "command");
  if (!c) return PERR(pc, v, "task '%s': shell_command_task needs a command", key);
  TRY(get_str(pc, c, "shell_command_task command", &t->text));
  if (!*t->text) return PERR(pc, c, "task '%s': shell_command_task command is empty", key);
  return LAGO_OK;
}

static int parse_task(pctx *pc, const ynode *n, job_task *t, task_tmp *tt) {
  TRY(want_map(pc, n, "a task"));
  tt->node = n;
  t->line = n->line;
  t->col = n->col;
  const ynode *k = opt(n, "task_key");
  if (!k) return PERR(pc, n, "a task needs a task_key");
  TRY(get_str(pc, k, "task_key", &t->key));
  if (!valid_task_key(t->key))
    return PERR(pc, k, "task_key '%.100s' must be 1 to %u letters, digits, '_' or '-'", t->key, JOB_TASK_KEY_MAX);
  for (size_t i = 0; i < NELEM(k_task_unsupported); i++) {
    const ynode *u = ynode_get(n, k_task_unsupported[i]);
    if (u)
      return PERR(pc, u, "task '%s': %s is not supported by lago (use lago_task, sql_task or shell_command_task)",
                  t->key, k_task_unsupported[i]);
  }
  TRY(check_keys(pc, n, "a task", k_task_keys, NELEM(k_task_keys), k_task_ignored, NELEM(k_task_ignored)));
  static const char *const types[] = {"lago_task", "sql_task", "shell_command_task"};
  const ynode *tv = NULL;
  const char *tname = NULL;
  for (size_t i = 0; i < NELEM(types); i++) {
    const ynode *v = ynode_get(n, types[i]);
    if (!v) continue;
    if (tv) return PERR(pc, v, "task '%s' has two task types (%s and %s): keep one", t->key, tname, types[i]);
    tv = v;
    tname = types[i];
    t->type = (job_task_type)(i + 1);
  }
  if (!tv) return PERR(pc, n, "task '%s' has no task type: add lago_task, sql_task or shell_command_task", t->key);
  switch (t->type) {
    case JOB_TASK_LAGO: TRY(parse_lago_task(pc, tv, t->key, t)); break;
    case JOB_TASK_SQL: TRY(parse_sql_task(pc, tv, t->key, t)); break;
    case JOB_TASK_SHELL: TRY(parse_shell_task(pc, tv, t->key, t)); break;
  }
  const ynode *v;
  if ((v = opt(n, "description"))) TRY(get_str(pc, v, "description", &t->description));
  if ((v = opt(n, "run_if"))) {
    const char *s;
    TRY(get_str(pc, v, "run_if", &s));
    size_t i = 0;
    while (i < NELEM(k_run_if) && strcmp(s, k_run_if[i])) i++;
    if (i == NELEM(k_run_if)) {
      const char *hint = closest(s, k_run_if, NELEM(k_run_if));
      if (hint) return PERR(pc, v, "task '%s': run_if '%.60s' is not a condition (did you mean %s?)", t->key, s, hint);
      return PERR(pc, v,
                  "task '%s': run_if '%.60s' is not a condition (ALL_SUCCESS, AT_LEAST_ONE_SUCCESS, NONE_FAILED, "
                  "ALL_DONE, AT_LEAST_ONE_FAILED, ALL_FAILED)",
                  t->key, s);
    }
    t->run_if = (job_run_if)i;
  }
  if ((v = opt(n, "max_retries"))) TRY(get_int(pc, v, "max_retries", -1, 1000000, &t->max_retries));
  if ((v = opt(n, "min_retry_interval_millis")))
    TRY(get_int(pc, v, "min_retry_interval_millis", 0, 86400000, &t->min_retry_interval_ms));
  if ((v = opt(n, "retry_on_timeout"))) TRY(get_bool(pc, v, "retry_on_timeout", &t->retry_on_timeout));
  if ((v = opt(n, "timeout_seconds"))) TRY(get_int(pc, v, "timeout_seconds", 0, 366LL * 86400, &t->timeout_s));
  if ((v = opt(n, "disabled"))) TRY(get_bool(pc, v, "disabled", &t->disabled));
  if ((v = opt(n, "depends_on"))) {
    if (v->kind != YNODE_SEQ)
      return PERR(pc, v, "task '%s': depends_on must be a list ([{task_key: x}, ...]), not %s", t->key,
                  ynode_kind_name(v));
    tt->deps = arena_alloc(pc->ar, (v->len ? v->len : 1) * sizeof *tt->deps);
    if (!tt->deps) return LAGO_NOMEM_ERR(pc->err);
    for (uint32_t i = 0; i < v->len; i++) {
      const ynode *d = v->u.items[i];
      const ynode *dk = d;
      if (d->kind == YNODE_MAP) {
        if (ynode_get(d, "outcome"))
          return PERR(pc, ynode_get(d, "outcome"),
                      "task '%s': depends_on outcome is for condition tasks, which lago does not support", t->key);
        static const char *const dknown[] = {"task_key"};
        TRY(check_keys(pc, d, "depends_on", dknown, 1, NULL, 0));
        dk = opt(d, "task_key");
        if (!dk) return PERR(pc, d, "task '%s': a depends_on entry needs a task_key", t->key);
      }
      const char *s;
      TRY(get_str(pc, dk, "depends_on task_key", &s));
      for (uint32_t j = 0; j < tt->n_deps; j++)
        if (!strcmp(tt->deps[j].key, s)) return PERR(pc, dk, "task '%s' depends on '%s' twice", t->key, s);
      tt->deps[tt->n_deps++] = (dep_ref){s, dk};
    }
  }
  return LAGO_OK;
}

/* ---- job ------------------------------------------------------------------------------------ */

static const char *const k_job_keys[] = {"name",       "description",         "tasks",
                                         "parameters", "max_concurrent_runs", "timeout_seconds"};
static const char *const k_job_ignored[] = {
    "tags",       "job_clusters", "email_notifications", "webhook_notifications", "notification_settings",
    "schedule",   "trigger",      "continuous",          "queue",                 "health",
    "environments", "run_as",     "permissions",         "git_source",            "format",
    "edit_mode",  "deployment",   "budget_policy_id",    "performance_target",    "usage_policy_id"};

static int parse_params(pctx *pc, const ynode *v, job_spec *sp) {
  if (v->kind != YNODE_SEQ)
    return PERR(pc, v, "parameters must be a list ([{name: x, default: \"1\"}, ...]), not %s", ynode_kind_name(v));
  job_param *ps = arena_alloc(pc->ar, (v->len ? v->len : 1) * sizeof *ps);
  if (!ps) return LAGO_NOMEM_ERR(pc->err);
  for (uint32_t i = 0; i < v->len; i++) {
    const ynode *p = v->u.items[i];
    TRY(want_map(pc, p, "a job parameter"));
    static const char *const known[] = {"name", "default"};
    TRY(check_keys(pc, p, "a job parameter", known, NELEM(known), NULL, 0));
    const ynode *nm = opt(p, "name"), *df = ynode_get(p, "default");
    if (!nm) return PERR(pc, p, "a job parameter needs a name");
    TRY(get_str(pc, nm, "parameter name", &ps[i].name));
    if (!valid_param_name(ps[i].name))
      return PERR(pc, nm, "parameter name '%.60s' must be letters, digits, '_', '-' or '.'", ps[i].name);
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(ps[j].name, ps[i].name)) return PERR(pc, nm, "parameter '%s' is defined twice", ps[i].name);
    if (!df) return PERR(pc, p, "parameter '%s' needs a default", ps[i].name);
    if (df->kind != YNODE_SCALAR)
      return PERR(pc, df, "parameter '%s': the default must be text, not %s", ps[i].name, ynode_kind_name(df));
    if (strlen(df->u.str) != df->len) return PERR(pc, df, "parameter '%s': the default contains a NUL", ps[i].name);
    ps[i].def = ynode_is_null(df) ? "" : df->u.str;
  }
  sp->params = ps;
  sp->n_params = v->len;
  return LAGO_OK;
}

/* Resolves depends_on names, then orders the tasks (Kahn's algorithm, lowest file index first). */
static int resolve_graph(pctx *pc, job_spec *sp, job_task *ts, task_tmp *tt) {
  uint32_t n = sp->n_tasks;
  const char **keys = arena_alloc(pc->ar, n * sizeof *keys);
  uint32_t *indeg = arena_calloc(pc->ar, n, sizeof *indeg);
  uint32_t *order = arena_alloc(pc->ar, n * sizeof *order);
  bool *done = arena_calloc(pc->ar, n, sizeof *done);
  if (!keys || !indeg || !order || !done) return LAGO_NOMEM_ERR(pc->err);
  for (uint32_t i = 0; i < n; i++) keys[i] = ts[i].key;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t *deps = arena_alloc(pc->ar, (tt[i].n_deps ? tt[i].n_deps : 1) * sizeof *deps);
    if (!deps) return LAGO_NOMEM_ERR(pc->err);
    for (uint32_t d = 0; d < tt[i].n_deps; d++) {
      uint32_t j = 0;
      while (j < n && strcmp(keys[j], tt[i].deps[d].key)) j++;
      if (j == n) {
        const char *hint = closest(tt[i].deps[d].key, keys, n);
        if (hint)
          return PERR(pc, tt[i].deps[d].node, "task '%s' depends on '%s', which is not a task of this job (did you mean '%s'?)",
                      ts[i].key, tt[i].deps[d].key, hint);
        return PERR(pc, tt[i].deps[d].node, "task '%s' depends on '%s', which is not a task of this job", ts[i].key,
                    tt[i].deps[d].key);
      }
      deps[d] = j;
    }
    ts[i].deps = deps;
    ts[i].n_deps = tt[i].n_deps;
    indeg[i] = tt[i].n_deps;
  }
  /* Kahn: repeatedly take the first task (in file order) whose dependencies are all taken. */
  uint32_t taken = 0;
  while (taken < n) {
    uint32_t pick = n;
    for (uint32_t i = 0; i < n && pick == n; i++)
      if (!done[i] && indeg[i] == 0) pick = i;
    if (pick == n) break;
    done[pick] = true;
    order[taken++] = pick;
    for (uint32_t i = 0; i < n; i++)
      for (uint32_t d = 0; d < ts[i].n_deps; d++)
        if (ts[i].deps[d] == pick) indeg[i]--;
  }
  if (taken < n) {
    /* Every task left has a dependency left: follow such edges until a task repeats. */
    uint32_t *seen_at = arena_alloc(pc->ar, n * sizeof *seen_at);
    uint32_t *path = arena_alloc(pc->ar, (n + 1) * sizeof *path);
    if (!seen_at || !path) return LAGO_NOMEM_ERR(pc->err);
    for (uint32_t i = 0; i < n; i++) seen_at[i] = UINT32_MAX;
    uint32_t cur = 0;
    while (done[cur]) cur++;
    uint32_t len = 0;
    while (seen_at[cur] == UINT32_MAX) {
      seen_at[cur] = len;
      path[len++] = cur;
      uint32_t next = n;
      for (uint32_t d = 0; d < ts[cur].n_deps && next == n; d++)
        if (!done[ts[cur].deps[d]]) next = ts[cur].deps[d];
      if (next == n) return LAGO_ERR(pc->err, LAGO_INTERNAL, "%s: dependency cycle search lost its way", pc->file);
      cur = next;
    }
    buf b;
    buf_init(&b);
    for (uint32_t i = seen_at[cur]; i < len; i++) buf_printf(&b, "%s -> ", ts[path[i]].key);
    buf_puts(&b, ts[cur].key);
    int rc = PERR(pc, tt[cur].node, "tasks depend on each other in a cycle: %s (each depends on the next)",
                  buf_cstr(&b));
    buf_deinit(&b);
    return rc;
  }
  sp->order = order;
  return LAGO_OK;
}

static int parse_job(pctx *pc, const ynode *jn, const char *key, job_spec *sp) {
  TRY(want_map(pc, jn, "a job"));
  TRY(check_keys(pc, jn, "a job", k_job_keys, NELEM(k_job_keys), k_job_ignored, NELEM(k_job_ignored)));
  const ynode *v;
  sp->name = key;
  if ((v = opt(jn, "name"))) TRY(get_str(pc, v, "name", &sp->name));
  if (!sp->name || !*sp->name) return PERR(pc, v ? v : jn, "the job needs a name");
  if (strlen(sp->name) > JOB_NAME_MAX)
    return PERR(pc, v ? v : jn, "job name longer than %u characters", JOB_NAME_MAX);
  sp->dir_name = job_dir_name(pc->ar, sp->name);
  if (!sp->dir_name) return LAGO_NOMEM_ERR(pc->err);
  if (sp->dir_name[0] == '.') return PERR(pc, v ? v : jn, "job name '%s' must not start with '.'", sp->name);
  sp->max_concurrent_runs = 1;
  if ((v = opt(jn, "max_concurrent_runs")))
    TRY(get_int(pc, v, "max_concurrent_runs", 1, 1000, &sp->max_concurrent_runs));
  if ((v = opt(jn, "timeout_seconds"))) TRY(get_int(pc, v, "timeout_seconds", 0, 366LL * 86400, &sp->timeout_s));
  if ((v = opt(jn, "description"))) {
    const char *ignored;
    TRY(get_str(pc, v, "description", &ignored));
  }
  if ((v = opt(jn, "parameters"))) TRY(parse_params(pc, v, sp));
  const ynode *tn = opt(jn, "tasks");
  if (!tn) return PERR(pc, jn, "job '%s' has no tasks", sp->name);
  if (tn->kind != YNODE_SEQ) return PERR(pc, tn, "tasks must be a list, not %s", ynode_kind_name(tn));
  if (tn->len == 0) return PERR(pc, tn, "job '%s' has no tasks", sp->name);
  if (tn->len > JOB_MAX_TASKS) return PERR(pc, tn, "more than %u tasks", JOB_MAX_TASKS);
  sp->n_tasks = tn->len;
  job_task *ts = arena_calloc(pc->ar, tn->len, sizeof *ts);
  task_tmp *tt = arena_calloc(pc->ar, tn->len, sizeof *tt);
  if (!ts || !tt) return LAGO_NOMEM_ERR(pc->err);
  for (uint32_t i = 0; i < tn->len; i++) {
    TRY(parse_task(pc, tn->u.items[i], &ts[i], &tt[i]));
    for (uint32_t j = 0; j < i; j++)
      if (!strcmp(ts[j].key, ts[i].key))
        return PERR(pc, ynode_get(tn->u.items[i], "task_key"), "duplicate task_key '%s' (first at line %u, column %u)",
                    ts[i].key, ts[j].line, ts[j].col);
  }
  sp->tasks = ts;
  /* {{references}} are checked now, so a run never fails on a misspelt name. */
  for (uint32_t i = 0; i < tn->len; i++) {
    const ynode *tv = ynode_get(tn->u.items[i], job_task_type_name(ts[i].type));
    if (ts[i].text) TRY(check_refs(pc, sp, ts[i].key, tv, ts[i].text));
    for (uint32_t w = 0; w < ts[i].n_words; w++) TRY(check_refs(pc, sp, ts[i].key, tv, ts[i].words[w]));
  }
  return resolve_graph(pc, sp, ts, tt);
}

int job_parse(arena *ar, const char *file, const char *dir, const char *text, size_t len, const char *job_key,
              job_spec **out, lago_err *err) {
  *out = NULL;
  pctx pc = {ar, file, err};
  if (len > JOB_FILE_MAX)
    return LAGO_ERR(err, LAGO_PARSE, "%s: too large for a job file (%zu bytes, limit %u)", file, len, JOB_FILE_MAX);
  const ynode *root;
  TRY(ydoc_parse(ar, file, text, len, &root, err));
  if (!root) return LAGO_ERR(err, LAGO_PARSE, "%s: empty job file", file);
  if (root->kind != YNODE_MAP) return PERR(&pc, root, "a job file must be a mapping, not %s", ynode_kind_name(root));
  job_spec *sp = arena_zalloc(ar, sizeof *sp);
  if (!sp) return LAGO_NOMEM_ERR(err);
  sp->file = file;
  sp->dir = dir ? dir : ".";
  const ynode *res = ynode_get(root, "resources");
  if (res) {
    static const char *const top[] = {"resources", "bundle", "workspace"};
    TRY(check_keys(&pc, root, "the job file", top, NELEM(top), NULL, 0));
    TRY(want_map(&pc, res, "resources"));
    const ynode *jobs = opt(res, "jobs");
    if (!jobs) return PERR(&pc, res, "resources has no jobs");
    TRY(want_map(&pc, jobs, "resources.jobs"));
    if (jobs->len == 0) return PERR(&pc, jobs, "resources.jobs is empty");
    const ypair *pick = NULL;
    if (job_key) {
      for (uint32_t i = 0; i < jobs->len && !pick; i++)
        if (!strcmp(jobs->u.pairs[i].key->u.str, job_key)) pick = &jobs->u.pairs[i];
      if (!pick) {
        buf b;
        buf_init(&b);
        for (uint32_t i = 0; i < jobs->len; i++) buf_printf(&b, "%s%s", i ? ", " : "", jobs->u.pairs[i].key->u.str);
        int rc = LAGO_ERR(err, LAGO_NOTFOUND, "%s defines no job '%s' (jobs: %s)", file, job_key, buf_cstr(&b));
        buf_deinit(&b);
        return rc;
      }
    } else if (jobs->len > 1) {
      buf b;
      buf_init(&b);
      for (uint32_t i = 0; i < jobs->len; i++) buf_printf(&b, "%s%s", i ? ", " : "", jobs->u.pairs[i].key->u.str);
      int rc = PERR(&pc, jobs, "the file defines %u jobs (%s): pick one with --job KEY", jobs->len, buf_cstr(&b));
      buf_deinit(&b);
      return rc;
    } else {
      pick = &jobs->u.pairs[0];
    }
    TRY(parse_job(&pc, pick->value, pick->key->u.str, sp));
  } else {
    if (!ynode_get(root, "tasks"))
      return PERR(&pc, root, "no job here: expected `resources: {jobs: {<key>: {...}}}` or a job with `tasks:`");
    /* A bare job without a name is named after the file (its base name without extension). */
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    const char *dot = strchr(base, '.');
    char *stem = arena_strndup(ar, base, dot && dot != base ? (size_t)(dot - base) : strlen(base));
    if (!stem) return LAGO_NOMEM_ERR(err);
    TRY(parse_job(&pc, root, stem, sp));
    if (job_key && strcmp(job_key, sp->name))
      return LAGO_ERR(err, LAGO_NOTFOUND, "%s defines no job '%s' (its job is '%s')", file, job_key, sp->name);
  }
  *out = sp;
  return LAGO_OK;
}

int job_load(arena *ar, const char *path, const char *job_key, job_spec **out, lago_err *err) {
  *out = NULL;
  lago_fs *fs = fs_local();
  fs_stat st;
  TRY(fs_stat_path(fs, path, &st, err));
  if (st.is_dir) return LAGO_ERR(err, LAGO_IO, "%s is a directory, not a job file", path);
  if (st.size > JOB_FILE_MAX)
    return LAGO_ERR(err, LAGO_PARSE, "%s: too large for a job file (%llu bytes, limit %u)", path,
                    (unsigned long long)st.size, JOB_FILE_MAX);
  char *text;
  size_t len;
  TRY(fs_read_all_arena(fs, path, ar, &text, &len, err));
  char real[PATH_MAX];
  if (!realpath(path, real)) return LAGO_ERR(err, LAGO_IO, "%s: %s", path, strerror(errno));
  char *slash = strrchr(real, '/');
  char *dir = slash == real ? arena_strdup(ar, "/") : arena_strndup(ar, real, (size_t)(slash - real));
  char *file = arena_strdup(ar, path);
  if (!dir || !file) return LAGO_NOMEM_ERR(err);
  return job_parse(ar, file, dir, text, len, job_key, out, err);
}

char *job_dir_name(arena *ar, const char *name) {
  char *s = arena_strdup(ar, name);
  if (!s) return NULL;
  for (char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-' && *p != '.') *p = '_';
  return s;
}

char *job_home(arena *ar, const char *warehouse, const char *dir_name) {
  return arena_printf(ar, "%s/_lago/jobs/%s", warehouse, dir_name);
}
