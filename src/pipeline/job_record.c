/*
** pipeline/job_record.c: run records (job.h): the JSON form of a run,
** written atomically under the warehouse, and read back for `lago job runs`.
**
** <warehouse>/_lago/jobs/<job>/runs/<run_id>.json, one JSON object, written
** whole through io/fs.h fs_write (temp file + rename), so a reader sees the
** old record or the new one, never a mix:
**
**   {"format":1, "job":"upsell", "run_id":3,
**    "result":"RUNNING|SUCCESS|SUCCEEDED_WITH_FAILURES|FAILED|TIMED_OUT|CANCELLED",
**    "message":null|"...", "job_file":"<as given>", "job_dir":"/abs", "warehouse":"/abs",
**    "runner_pid":1234, "start_time":"2025-01-02T03:04:05.678Z",
**    "start_time_ms":<ms>, "end_time_ms":<ms>|null, "duration_ms":<ms>|null,
**    "parameters":{"<name>":"<value>", ...},
**    "tasks":[{"task_key":"a", "type":"lago_task|sql_task|shell_command_task",
**              "depends_on":["k", ...], "run_if":"ALL_SUCCESS",
**              "status":"PENDING|RUNNING|...|EXCLUDED", "message":null|"...",
**              "command":null|"<as run>", "log":null|"/abs/.../a.log",
**              "start_time_ms":<ms>|null, "end_time_ms":<ms>|null, "duration_ms":<ms>|null,
**              "attempts":[{"attempt":1, "status":"FAILED", "start_time_ms":<ms>,
**                           "end_time_ms":<ms>, "duration_ms":<ms>,
**                           "exit_code":1|null, "signal":9|null}, ...]}, ...]}
**
** Times are milliseconds since the Unix epoch (UTC). Records are read back
** defensively: a record that cannot be parsed is listed with the reason.
*/
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/fs.h"
#include "pipeline/job.h"
#include "util/alloc.h"
#include "util/json.h"

static int w_opt_i64(json_writer *w, const char *key, int64_t v, bool present) {
  json_w_key(w, key);
  return present ? json_w_i64(w, v) : json_w_null(w);
}

int job_run_to_json(const job_run *r, buf *out) {
  const job_spec *sp = r->spec;
  json_writer w;
  json_w_init(&w, out);
  json_w_begin_obj(&w);
  json_w_key(&w, "format");
  json_w_i64(&w, 1);
  json_w_key(&w, "job");
  json_w_str(&w, sp->name);
  json_w_key(&w, "run_id");
  json_w_i64(&w, r->run_id);
  json_w_key(&w, "result");
  json_w_str(&w, job_result_name(r->result));
  json_w_key(&w, "message");
  json_w_str(&w, r->message);
  json_w_key(&w, "job_file");
  json_w_str(&w, sp->file);
  json_w_key(&w, "job_dir");
  json_w_str(&w, sp->dir);
  json_w_key(&w, "warehouse");
  json_w_str(&w, r->warehouse);
  json_w_key(&w, "runner_pid");
  json_w_i64(&w, r->pid);
  char iso[96];
  time_t s = (time_t)(r->start_ms / 1000);
  struct tm tm;
  gmtime_r(&s, &tm);
  snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
           tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(r->start_ms % 1000));
  json_w_key(&w, "start_time");
  json_w_str(&w, iso);
  json_w_key(&w, "start_time_ms");
  json_w_i64(&w, r->start_ms);
  w_opt_i64(&w, "end_time_ms", r->end_ms, r->end_ms != 0);
  w_opt_i64(&w, "duration_ms", r->end_ms - r->start_ms, r->end_ms != 0);
  json_w_key(&w, "parameters");
  json_w_begin_obj(&w);
  for (uint32_t i = 0; i < sp->n_params; i++) {
    json_w_key(&w, sp->params[i].name);
    json_w_str(&w, r->param_values ? r->param_values[i] : sp->params[i].def);
  }
  json_w_end_obj(&w);
  json_w_key(&w, "tasks");
  json_w_begin_arr(&w);
  for (uint32_t i = 0; i < sp->n_tasks; i++) {
    const job_task *tk = &sp->tasks[i];
    const job_task_run *tr = &r->tasks[i];
    json_w_begin_obj(&w);
    json_w_key(&w, "task_key");
    json_w_str(&w, tk->key);
    json_w_key(&w, "type");
    json_w_str(&w, job_task_type_name(tk->type));
    json_w_key(&w, "depends_on");
    json_w_begin_arr(&w);
    for (uint32_t d = 0; d < tk->n_deps; d++) json_w_str(&w, sp->tasks[tk->deps[d]].key);
    json_w_end_arr(&w);
    json_w_key(&w, "run_if");
    json_w_str(&w, job_run_if_name(tk->run_if));
    json_w_key(&w, "status");
    json_w_str(&w, job_status_name(tr->status));
    json_w_key(&w, "message");
    json_w_str(&w, tr->message);
    json_w_key(&w, "command");
    json_w_str(&w, tr->command);
    json_w_key(&w, "log");
    json_w_str(&w, tr->log_path);
    w_opt_i64(&w, "start_time_ms", tr->start_ms, tr->start_ms != 0);
    w_opt_i64(&w, "end_time_ms", tr->end_ms, tr->end_ms != 0);
    w_opt_i64(&w, "duration_ms", tr->end_ms - tr->start_ms, tr->end_ms != 0 && tr->start_ms != 0);
    json_w_key(&w, "attempts");
    json_w_begin_arr(&w);
    for (uint32_t a = 0; a < tr->n_attempts; a++) {
      const job_attempt *at = &tr->attempts[a];
      bool ended = at->end_ms != 0;
      json_w_begin_obj(&w);
      json_w_key(&w, "attempt");
      json_w_i64(&w, a + 1);
      json_w_key(&w, "status");
      json_w_str(&w, ended ? job_status_name(at->status) : "RUNNING");
      json_w_key(&w, "start_time_ms");
      json_w_i64(&w, at->start_ms);
      w_opt_i64(&w, "end_time_ms", at->end_ms, ended);
      w_opt_i64(&w, "duration_ms", at->end_ms - at->start_ms, ended);
      w_opt_i64(&w, "exit_code", at->exit_code, ended && at->exit_code >= 0);
      w_opt_i64(&w, "signal", at->signal, ended && at->signal != 0);
      json_w_end_obj(&w);
    }
    json_w_end_arr(&w);
    json_w_end_obj(&w);
  }
  json_w_end_arr(&w);
  json_w_end_obj(&w);
  int rc = json_w_finish(&w);
  if (rc == LAGO_OK) rc = buf_putc(out, '\n');
  return rc;
}

int job_record_write(const job_run *r, lago_err *err) {
  buf b;
  buf_init(&b);
  int rc = job_run_to_json(r, &b);
  if (rc) {
    buf_deinit(&b);
    return rc == LAGO_NOMEM ? LAGO_NOMEM_ERR(err) : LAGO_ERR(err, rc, "run record: JSON writer failed");
  }
  rc = fs_write(fs_local(), r->record_path, b.data, b.len, true, err);
  buf_deinit(&b);
  return rc;
}

/* ---- reading back ------------------------------------------------------------------------------ */

static int read_summary(arena *ar, const char *path, job_run_summary *s) {
  lago_err e;
  lago_err_clear(&e);
  char *text;
  size_t len;
  int rc = fs_read_all_arena(fs_local(), path, ar, &text, &len, &e);
  json_value *v = NULL;
  if (rc == LAGO_OK) rc = json_parse(ar, text, len, &v, &e);
  const char *result = NULL;
  int64_t pid = 0;
  const json_value *tasks = NULL;
  if (rc == LAGO_OK) rc = json_get_i64(v, "run_id", &s->run_id, &e);
  if (rc == LAGO_OK) rc = json_get_str(v, "result", &result, NULL, &e);
  if (rc == LAGO_OK) rc = json_get_i64(v, "start_time_ms", &s->start_ms, &e);
  if (rc == LAGO_OK) rc = json_opt_i64(v, "end_time_ms", 0, &s->end_ms, &e);
  if (rc == LAGO_OK) rc = json_opt_i64(v, "runner_pid", 0, &pid, &e);
  if (rc == LAGO_OK) rc = json_get_arr(v, "tasks", &tasks, &e);
  for (size_t i = 0; rc == LAGO_OK && i < json_len(tasks); i++) {
    const char *st;
    rc = json_get_str(json_at(tasks, i), "status", &st, NULL, &e);
    if (rc) break;
    s->n_tasks++;
    if (!strcmp(st, "SUCCESS") || !strcmp(st, "EXCLUDED")) s->n_ok++;
    if (!strcmp(st, "FAILED") || !strcmp(st, "TIMED_OUT") || !strcmp(st, "UPSTREAM_FAILED")) s->n_failed++;
  }
  if (rc == LAGO_NOMEM) return rc;
  if (rc) {
    s->error = arena_strdup(ar, e.msg);
    return s->error ? LAGO_OK : LAGO_NOMEM;
  }
  s->result = result;
  /* A RUNNING record whose runner is gone was left by a crash (or kill -9). */
  if (!strcmp(result, "RUNNING") && pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) s->result = "ABANDONED";
  return LAGO_OK;
}

static int cmp_summary(const void *a, const void *b) {
  const job_run_summary *x = a, *y = b;
  return x->run_id < y->run_id ? -1 : x->run_id > y->run_id;
}

int job_runs_list(arena *ar, const char *warehouse, const char *name, job_run_summary **out, size_t *n,
                  lago_err *err) {
  *out = NULL;
  *n = 0;
  char *dn = job_dir_name(ar, name);
  char *home = dn ? job_home(ar, warehouse, dn) : NULL;
  char *runs = home ? arena_printf(ar, "%s/runs", home) : NULL;
  if (!runs) return LAGO_NOMEM_ERR(err);
  DIR *d = opendir(runs);
  if (!d) {
    if (errno == ENOENT) return LAGO_ERR(err, LAGO_NOTFOUND, "no runs of job '%s' in this warehouse (%s)", name, runs);
    return LAGO_ERR(err, LAGO_IO, "%s: %s", runs, strerror(errno));
  }
  size_t cap = 0, cnt = 0;
  job_run_summary *list = NULL;
  int rc = LAGO_OK;
  struct dirent *e;
  while ((e = readdir(d)) && rc == LAGO_OK) {
    const char *s = e->d_name;
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9') i++;
    if (i == 0 || i > 18 || strcmp(s + i, ".json")) continue;
    if (cnt == cap) {
      size_t nc = cap ? cap * 2 : 16;
      job_run_summary *nl = arena_realloc(ar, list, cap * sizeof *nl, nc * sizeof *nl);
      if (!nl) {
        rc = LAGO_NOMEM_ERR(err);
        break;
      }
      list = nl;
      cap = nc;
    }
    job_run_summary *sm = &list[cnt++];
    memset(sm, 0, sizeof *sm);
    sm->run_id = strtoll(s, NULL, 10);
    sm->record_path = arena_printf(ar, "%s/%s", runs, s);
    if (!sm->record_path || read_summary(ar, sm->record_path, sm)) rc = LAGO_NOMEM_ERR(err);
  }
  closedir(d);
  if (rc) return rc;
  if (cnt) qsort(list, cnt, sizeof *list, cmp_summary);
  *out = list;
  *n = cnt;
  return LAGO_OK;
}
