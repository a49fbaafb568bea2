/*
** cli/cmd_job.c: `lago job`: run jobs (DAGs of tasks) from YAML job files
** shaped like Databricks job definitions (pipeline/job.h, README there).
**
**   lago job run FILE [--job KEY] [--param NAME=VALUE]... [--max-parallel N]
**                     [--json] [--quiet] [--tail N]
**   lago job validate FILE [--job KEY]
**   lago job runs NAME [--json] [--run ID]
**
** `run` prints progress lines on stderr (unless --quiet) and the final
** report on stdout: a table, or with --json the run record. Exit status:
** 0 when the run's result is SUCCESS, 130 when it was cancelled (SIGINT,
** SIGTERM or SIGHUP: the first asks every task to stop, a second kills them),
** 1 otherwise (failed, succeeded with failures, timed out, or could not
** run), 2 for usage errors.
*/
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "io/fs.h"
#include "pipeline/job.h"

static volatile sig_atomic_t g_cancel;

static void on_signal(int sig) {
  (void)sig;
  if (g_cancel < 100) g_cancel++;
}

static bool has_command(const char *name) { return cli_find(name) != NULL; }

typedef struct job_args {
  const char *file;
  const char *job_key;
  uint32_t n_params;
  const char **names, **values;
  uint32_t max_parallel;
  bool json, quiet;
  uint32_t tail;
  int64_t run_id; /* runs --run */
} job_args;

static int parse_args(const char *sub, int argc, char **argv, arena *ar, job_args *a) {
  memset(a, 0, sizeof *a);
  a->tail = 20;
  a->names = arena_alloc(ar, (size_t)argc * sizeof *a->names);
  a->values = arena_alloc(ar, (size_t)argc * sizeof *a->values);
  if (!a->names || !a->values) return cli_error("out of memory");
  for (int i = 2; i < argc; i++) {
    const char *s = argv[i];
    bool has_val = i + 1 < argc;
    if (!strcmp(s, "--job") && has_val) {
      a->job_key = argv[++i];
    } else if (!strcmp(s, "--param") && has_val) {
      const char *kv = argv[++i];
      const char *eq = strchr(kv, '=');
      if (!eq || eq == kv) return cli_usage("job", "--param takes NAME=VALUE, not '%s'", kv);
      a->names[a->n_params] = arena_strndup(ar, kv, (size_t)(eq - kv));
      a->values[a->n_params] = eq + 1;
      if (!a->names[a->n_params]) return cli_error("out of memory");
      a->n_params++;
    } else if (!strcmp(s, "--max-parallel") && has_val) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 1 || v > 1000) return cli_usage("job", "--max-parallel takes 1..1000, not '%s'", argv[i]);
      a->max_parallel = (uint32_t)v;
    } else if (!strcmp(s, "--tail") && has_val) {
      char *end;
      long v = strtol(argv[++i], &end, 10);
      if (*end || v < 0 || v > 10000) return cli_usage("job", "--tail takes 0..10000, not '%s'", argv[i]);
      a->tail = (uint32_t)v;
    } else if (!strcmp(s, "--run") && has_val) {
      char *end;
      long long v = strtoll(argv[++i], &end, 10);
      if (*end || v < 1) return cli_usage("job", "--run takes a run id, not '%s'", argv[i]);
      a->run_id = v;
    } else if (!strcmp(s, "--json")) {
      a->json = true;
    } else if (!strcmp(s, "--quiet")) {
      a->quiet = true;
    } else if (s[0] == '-' && s[1]) {
      return cli_usage("job", "%s: unknown option '%s'%s", sub, s, has_val ? "" : " (or it needs a value)");
    } else if (!a->file) {
      a->file = s;
    } else {
      return cli_usage("job", "%s: unexpected argument '%s'", sub, s);
    }
  }
  if (!a->file) return cli_usage("job", "%s needs %s", sub, strcmp(sub, "runs") ? "a job FILE" : "a job NAME");
  return CLI_OK;
}

static const char *task_text(const job_task *t, arena *ar) {
  if (t->text) return t->text;
  buf b;
  buf_init(&b);
  for (uint32_t i = 0; i < t->n_words; i++) buf_printf(&b, "%s%s", i ? " " : "", t->words[i]);
  const char *s = arena_strdup(ar, buf_cstr(&b));
  buf_deinit(&b);
  return s ? s : "";
}

static int do_validate(const job_spec *sp, arena *ar) {
  printf("job %s (%s): %u task%s, max_concurrent_runs %lld", sp->name, sp->file, sp->n_tasks,
         sp->n_tasks == 1 ? "" : "s", (long long)sp->max_concurrent_runs);
  if (sp->timeout_s) printf(", timeout %llds", (long long)sp->timeout_s);
  printf("\n");
  for (uint32_t i = 0; i < sp->n_params; i++) printf("parameter %s = \"%s\"\n", sp->params[i].name, sp->params[i].def);
  for (uint32_t k = 0; k < sp->n_tasks; k++) {
    const job_task *t = &sp->tasks[sp->order[k]];
    printf("%u. %s: %s %s", k + 1, t->key, job_task_type_name(t->type), task_text(t, ar));
    if (t->n_deps) {
      printf(" | after");
      for (uint32_t d = 0; d < t->n_deps; d++) printf("%s %s", d ? "," : "", sp->tasks[t->deps[d]].key);
      printf(" (%s)", job_run_if_name(t->run_if));
    }
    if (t->max_retries) printf(" | retries %lld", (long long)t->max_retries);
    if (t->timeout_s) printf(" | timeout %llds", (long long)t->timeout_s);
    if (t->disabled) printf(" | disabled");
    printf("\n");
  }
  return CLI_OK;
}

static int do_run(cli_ctx *cx, const job_spec *sp, const job_args *a, arena *ar) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return cli_error("cannot find the lago binary (/proc/self/exe): %s", strerror(errno));
  exe[n] = 0;
  job_run_opts o = {
      .lago_exe = exe,
      .warehouse = cx->warehouse,
      .n_overrides = a->n_params,
      .override_names = a->names,
      .override_values = a->values,
      .max_parallel = a->max_parallel,
      .cancel = &g_cancel,
      .progress = a->quiet ? NULL : stderr,
      .has_command = has_command,
  };
  /* SIGINT, SIGTERM, SIGHUP: cancel the run. SIGPIPE ignored: a closed stdout/stderr (`| head`) must
  ** not kill the runner and orphan its tasks; the tasks themselves get the default disposition. */
  struct sigaction sa, ign, old_int, old_term, old_hup, old_pipe;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0; /* no SA_RESTART: poll/nanosleep return early and the runner sees the request */
  memset(&ign, 0, sizeof ign);
  ign.sa_handler = SIG_IGN;
  g_cancel = 0;
  sigaction(SIGINT, &sa, &old_int);
  sigaction(SIGTERM, &sa, &old_term);
  sigaction(SIGHUP, &sa, &old_hup);
  sigaction(SIGPIPE, &ign, &old_pipe);
  lago_err e;
  lago_err_clear(&e);
  job_run *r = NULL;
  int rc = job_run_exec(sp, &o, ar, &r, &e);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGTERM, &old_term, NULL);
  sigaction(SIGHUP, &old_hup, NULL);
  if (!r) {
    sigaction(SIGPIPE, &old_pipe, NULL);
    return cli_error("%s", e.msg);
  }
  buf b;
  buf_init(&b);
  int wrc = a->json ? job_run_to_json(r, &b) : job_report_text(r, a->tail, &b);
  if (wrc == LAGO_OK) fwrite(b.data, 1, b.len, stdout);
  buf_deinit(&b);
  fflush(stdout);
  sigaction(SIGPIPE, &old_pipe, NULL);
  if (rc) cli_error("%s", e.msg);
  if (wrc) return cli_error("out of memory writing the report");
  if (r->result == JOB_RESULT_CANCELLED) return 130;
  return r->result == JOB_RESULT_SUCCESS && rc == LAGO_OK ? CLI_OK : CLI_ERROR;
}

static int do_runs(cli_ctx *cx, const job_args *a, arena *ar) {
  lago_err e;
  lago_err_clear(&e);
  job_run_summary *s;
  size_t n;
  if (job_runs_list(ar, cx->warehouse, a->file, &s, &n, &e)) return cli_error("%s", e.msg);
  if (a->run_id) {
    for (size_t i = 0; i < n; i++) {
      if (s[i].run_id != a->run_id) continue;
      buf b;
      buf_init(&b);
      int rc = fs_read_all(fs_local(), s[i].record_path, &b, &e);
      if (rc == LAGO_OK) fwrite(b.data, 1, b.len, stdout);
      buf_deinit(&b);
      return rc ? cli_error("%s", e.msg) : CLI_OK;
    }
    return cli_error("job '%s' has no run %lld", a->file, (long long)a->run_id);
  }
  if (a->json) {
    printf("[");
    for (size_t i = 0; i < n; i++) {
      buf b;
      buf_init(&b);
      int rc = fs_read_all(fs_local(), s[i].record_path, &b, &e);
      while (rc == LAGO_OK && b.len && (b.data[b.len - 1] == '\n')) b.len--;
      if (rc == LAGO_OK && !s[i].error) printf("%s%.*s", i ? ",\n" : "\n", (int)b.len, b.data);
      buf_deinit(&b);
    }
    printf("\n]\n");
    return CLI_OK;
  }
  printf("%6s  %-23s  %-20s  %9s  %s\n", "RUN", "RESULT", "START (UTC)", "DURATION", "TASKS");
  for (size_t i = 0; i < n; i++) {
    if (s[i].error) {
      printf("%6lld  %-23s  %s\n", (long long)s[i].run_id, "UNREADABLE", s[i].error);
      continue;
    }
    char start[32], dur[32] = "-";
    time_t t = (time_t)(s[i].start_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(start, sizeof start, "%Y-%m-%d %H:%M:%S", &tm);
    if (s[i].end_ms) snprintf(dur, sizeof dur, "%.1fs", (double)(s[i].end_ms - s[i].start_ms) / 1000.0);
    printf("%6lld  %-23s  %-20s  %9s  %u ok, %u failed of %u\n", (long long)s[i].run_id, s[i].result, start, dur,
           s[i].n_ok, s[i].n_failed, s[i].n_tasks);
  }
  return CLI_OK;
}

int cmd_job(cli_ctx *cx, int argc, char **argv) {
  if (argc < 2) return cli_usage("job", "expected run, validate or runs");
  const char *sub = argv[1];
  if (strcmp(sub, "run") && strcmp(sub, "validate") && strcmp(sub, "runs"))
    return cli_usage("job", "unknown subcommand '%s' (run, validate, runs)", sub);
  arena *ar = arena_new("query", 16384);
  if (!ar) return cli_error("out of memory");
  job_args a;
  int rc = parse_args(sub, argc, argv, ar, &a);
  if (rc == CLI_OK) {
    if (!strcmp(sub, "runs")) {
      rc = do_runs(cx, &a, ar);
    } else {
      lago_err e;
      lago_err_clear(&e);
      job_spec *sp;
      if (job_load(ar, a.file, a.job_key, &sp, &e)) {
        rc = cli_error("%s", e.msg);
      } else if (!strcmp(sub, "validate")) {
        rc = do_validate(sp, ar);
      } else {
        rc = do_run(cx, sp, &a, ar);
      }
    }
  }
  arena_free(ar);
  return rc;
}
