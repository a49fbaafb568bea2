/*
** tests/unit/pipeline/test_job.c: job files (pipeline/job_spec.c): shapes,
** every validation error with its position, {{references}}, command words,
** run_if decisions; and the runner (pipeline/job_run.c) on small shell-task
** jobs: order, retries, timeouts, run records.
*/
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/fs.h"
#include "pipeline/job.h"
#include "test.h"
#include "util/alloc.h"
#include "util/json.h"

static job_spec *parse_ok(arena *ar, const char *text) {
  lago_err e;
  lago_err_clear(&e);
  job_spec *sp = NULL;
  int rc = job_parse(ar, "job.yaml", "/tmp", text, strlen(text), NULL, &sp, &e);
  if (rc) test_fail_(__FILE__, __LINE__, "job_parse: %s", e.msg);
  return sp;
}

/* Parses text expecting rc `want`; returns the message (static buffer). */
static const char *parse_err_rc(const char *text, const char *job_key, int want) {
  static lago_err e;
  lago_err_clear(&e);
  arena *ar = arena_new("t", 1024);
  job_spec *sp = NULL;
  int rc = job_parse(ar, "job.yaml", "/tmp", text, strlen(text), job_key, &sp, &e);
  arena_free(ar);
  if (rc != want) test_fail_(__FILE__, __LINE__, "want %s, got %s (%s) for:\n%s", lago_rc_name(want), lago_rc_name(rc), e.msg, text);
  return e.msg;
}
static const char *parse_err(const char *text) { return parse_err_rc(text, NULL, LAGO_PARSE); }

static const char *k_bundle =
    "resources:\n"
    "  jobs:\n"
    "    upsell:\n"
    "      name: upsell\n"
    "      max_concurrent_runs: 2\n"
    "      timeout_seconds: 3600\n"
    "      tags: {team: data}\n"
    "      parameters: [{name: sf, default: \"0.1\"}, {name: day, default: 2025-01-01}]\n"
    "      tasks:\n"
    "        - task_key: silver\n"
    "          depends_on: [{task_key: bronze_customers}, {task_key: bronze_transactions}]\n"
    "          sql_task: {file: {path: silver.sql}}\n"
    "          run_if: ALL_DONE\n"
    "        - task_key: bronze_customers\n"
    "          lago_task: {command: \"cdc run customers.yaml --sf {{job.parameters.sf}}\"}\n"
    "          max_retries: 2\n"
    "          min_retry_interval_millis: 1000\n"
    "          timeout_seconds: 600\n"
    "          retry_on_timeout: true\n"
    "          existing_cluster_id: abc\n"
    "        - task_key: bronze_transactions\n"
    "          lago_task: {command: [cdc, run, \"transactions.yaml\"]}\n"
    "        - task_key: notify\n"
    "          depends_on: [{task_key: silver}]\n"
    "          shell_command_task: {command: \"echo done {{job.name}} {{ job.run_id }}\"}\n"
    "          disabled: false\n";

TEST(job_parse_bundle) {
  arena *ar = arena_new("t", 4096);
  job_spec *sp = parse_ok(ar, k_bundle);
  ASSERT_EQ_STR(sp->name, "upsell");
  ASSERT_EQ_STR(sp->dir, "/tmp");
  ASSERT_EQ_INT(sp->max_concurrent_runs, 2);
  ASSERT_EQ_INT(sp->timeout_s, 3600);
  ASSERT_EQ_INT(sp->n_params, 2);
  ASSERT_EQ_STR(sp->params[1].name, "day");
  ASSERT_EQ_STR(sp->params[1].def, "2025-01-01");
  ASSERT_EQ_INT(sp->n_tasks, 4);
  const job_task *s = &sp->tasks[0], *bc = &sp->tasks[1], *bt = &sp->tasks[2];
  ASSERT_EQ_INT(s->type, JOB_TASK_SQL);
  ASSERT_EQ_STR(s->text, "silver.sql");
  ASSERT_EQ_INT(s->run_if, JOB_RUN_IF_ALL_DONE);
  ASSERT_EQ_INT(s->n_deps, 2);
  ASSERT_EQ_INT(s->deps[0], 1);
  ASSERT_EQ_INT(s->deps[1], 2);
  ASSERT_EQ_INT(s->line, 10);
  ASSERT_EQ_INT(s->col, 11);
  ASSERT_EQ_INT(bc->type, JOB_TASK_LAGO);
  ASSERT_EQ_INT(bc->max_retries, 2);
  ASSERT_EQ_INT(bc->min_retry_interval_ms, 1000);
  ASSERT_EQ_INT(bc->timeout_s, 600);
  ASSERT(bc->retry_on_timeout);
  ASSERT_EQ_INT(bt->n_words, 3);
  ASSERT_EQ_STR(bt->words[2], "transactions.yaml");
  ASSERT(bt->text == NULL);
  /* dependency order: file order among tasks that are ready */
  ASSERT_EQ_INT(sp->order[0], 1);
  ASSERT_EQ_INT(sp->order[1], 2);
  ASSERT_EQ_INT(sp->order[2], 0);
  ASSERT_EQ_INT(sp->order[3], 3);
  arena_free(ar);
}

TEST(job_parse_bare_and_selection) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  job_spec *sp;
  const char *bare = "tasks:\n  - task_key: a\n    shell_command_task: {command: \"true\"}\n";
  ASSERT_OK(job_parse(ar, "dir/nightly.job.yaml", NULL, bare, strlen(bare), NULL, &sp, &e), &e);
  ASSERT_EQ_STR(sp->name, "nightly"); /* named after the file */
  ASSERT_EQ_STR(sp->dir, ".");
  const char *two = "resources:\n  jobs:\n    a: {tasks: [{task_key: x, shell_command_task: {command: ls}}]}\n"
                    "    b: {name: \"Nightly load\", tasks: [{task_key: y, shell_command_task: {command: ls}}]}\n"
                    "  pipelines: {p: {}}\nbundle: {name: x}\n";
  ASSERT_CONTAINS(parse_err(two), "job.yaml:3:5: the file defines 2 jobs (a, b): pick one with --job KEY");
  ASSERT_OK(job_parse(ar, "job.yaml", NULL, two, strlen(two), "b", &sp, &e), &e);
  ASSERT_EQ_STR(sp->name, "Nightly load");
  ASSERT_EQ_STR(sp->dir_name, "Nightly_load");
  ASSERT_EQ_STR(sp->tasks[0].key, "y");
  ASSERT_CONTAINS(parse_err_rc(two, "c", LAGO_NOTFOUND), "job.yaml defines no job 'c' (jobs: a, b)");
  arena_free(ar);
}

TEST(job_validation_errors) {
#define T1(task) "tasks:\n  - task_key: a\n    shell_command_task: {command: x}\n" task
  ASSERT_CONTAINS(parse_err(""), "job.yaml: empty job file");
  ASSERT_CONTAINS(parse_err("[1]"), "job.yaml:1:1: a job file must be a mapping, not a list");
  ASSERT_CONTAINS(parse_err("name: x\n"), "job.yaml:1:1: no job here");
  ASSERT_CONTAINS(parse_err("tasks: []\n"), "job.yaml:1:8: job 'job' has no tasks");
  ASSERT_CONTAINS(parse_err("tasks: {}\n"), "job.yaml:1:8: tasks must be a list, not a mapping");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: a\n    shell_command_task: {command: y}\n")),
                  "job.yaml:4:15: duplicate task_key 'a' (first at line 2, column 5)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    depends_on: [{task_key: c}]\n    shell_command_task: {command: y}\n")),
                  "job.yaml:5:29: task 'b' depends on 'c', which is not a task of this job (did you mean 'a'?)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: bee\n    depends_on: [{task_key: aa}]\n    shell_command_task: {command: y}\n")),
                  "did you mean 'a'?");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n")),
                  "job.yaml:4:5: task 'b' has no task type: add lago_task, sql_task or shell_command_task");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    lago_task: {command: x}\n    sql_task: {file: {path: y}}\n")),
                  "job.yaml:6:15: task 'b' has two task types (lago_task and sql_task): keep one");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    notebook_task: {notebook_path: /x}\n")),
                  "job.yaml:5:20: task 'b': notebook_task is not supported by lago");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    depends_no: [{task_key: a}]\n    shell_command_task: {command: y}\n")),
                  "job.yaml:5:5: unknown key 'depends_no' in a task (did you mean 'depends_on'?)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    max_retries: many\n    shell_command_task: {command: y}\n")),
                  "job.yaml:5:18: max_retries must be an integer, not 'many'");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    max_retries: -2\n    shell_command_task: {command: y}\n")),
                  "max_retries must be between -1 and 1000000, not -2");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    timeout_seconds: [1]\n    shell_command_task: {command: y}\n")),
                  "job.yaml:5:22: timeout_seconds must be an integer, not a list");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    retry_on_timeout: maybe\n    shell_command_task: {command: y}\n")),
                  "retry_on_timeout must be true or false, not 'maybe'");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    depends_on: [{task_key: a}]\n    run_if: ALL_SUCESS\n"
                               "    shell_command_task: {command: y}\n")),
                  "job.yaml:6:13: task 'b': run_if 'ALL_SUCESS' is not a condition (did you mean ALL_SUCCESS?)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    run_if: whenever\n    shell_command_task: {command: y}\n")),
                  "(ALL_SUCCESS, AT_LEAST_ONE_SUCCESS, NONE_FAILED, ALL_DONE, AT_LEAST_ONE_FAILED, ALL_FAILED)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: \"b c\"\n    shell_command_task: {command: y}\n")),
                  "task_key 'b c' must be 1 to 100 letters, digits, '_' or '-'");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    depends_on: [{task_key: a}, {task_key: a}]\n    shell_command_task: {command: y}\n")),
                  "task 'b' depends on 'a' twice");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    lago_task: {command: \"x 'y\"}\n")), "unterminated ' quote");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    lago_task: {command: \"  \"}\n")), "lago_task command is empty");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    lago_task: {cmd: x}\n")), "unknown key 'cmd' in lago_task (expected: command)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    sql_task: {query: {query_id: 1}}\n")), "sql_task.query is not supported");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    sql_task: {file: {path: x.sql, source: GIT}}\n")),
                  "sql_task.file.source GIT is not supported");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    shell_command_task: {command: \"echo {{job.parameters.sf}}\"}\n")),
                  "job.yaml:5:25: task 'b': unknown reference {{job.parameters.sf}}: the job has no parameter 'sf' (parameters: none)");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    shell_command_task: {command: \"echo {{job.nme}}\"}\n")),
                  "unknown reference {{job.nme}} (known: job.name,");
  ASSERT_CONTAINS(parse_err("parameters: [{name: p}]\n" T1("")), "job.yaml:1:14: parameter 'p' needs a default");
  ASSERT_CONTAINS(parse_err("parameters: [{name: p, default: 1}, {name: p, default: 2}]\n" T1("")),
                  "parameter 'p' is defined twice");
  ASSERT_CONTAINS(parse_err("max_concurrent_runs: 0\n" T1("")), "max_concurrent_runs must be between 1 and 1000, not 0");
  ASSERT_CONTAINS(parse_err("name: \".hidden\"\n" T1("")), "must not start with '.'");
  ASSERT_CONTAINS(parse_err("resources: {jobs: {}}\n"), "resources.jobs is empty");
  ASSERT_CONTAINS(parse_err("resources: {jobs: {x: {tasks: [{task_key: a, shell_command_task: {command: b}}]}}}\nvariables: {}\n"),
                  "unknown key 'variables' in the job file");
  ASSERT_CONTAINS(parse_err(T1("  - task_key: b\n    depends_on: [{task_key: a, outcome: \"true\"}]\n"
                               "    shell_command_task: {command: y}\n")),
                  "outcome is for condition tasks");
#undef T1
}

TEST(job_cycles_are_named) {
  const char *cyc = "tasks:\n"
                    "  - {task_key: start, shell_command_task: {command: x}}\n"
                    "  - {task_key: a, depends_on: [{task_key: start}, {task_key: c}], shell_command_task: {command: x}}\n"
                    "  - {task_key: b, depends_on: [{task_key: a}], shell_command_task: {command: x}}\n"
                    "  - {task_key: c, depends_on: [{task_key: b}], shell_command_task: {command: x}}\n"
                    "  - {task_key: d, depends_on: [{task_key: c}], shell_command_task: {command: x}}\n";
  ASSERT_CONTAINS(parse_err(cyc), "job.yaml:3:5: tasks depend on each other in a cycle: a -> c -> b -> a (each depends on the next)");
  const char *self = "tasks:\n  - {task_key: me, depends_on: [me], shell_command_task: {command: x}}\n";
  ASSERT_CONTAINS(parse_err(self), "tasks depend on each other in a cycle: me -> me");
}

TEST(job_expand_references) {
  arena *ar = arena_new("t", 4096);
  job_spec *sp = parse_ok(ar, k_bundle);
  const char *vals[] = {"1", "2025-02-03"};
  job_vars v = {sp, vals, 42, 1700000000123LL, "notify"};
  lago_err e;
  lago_err_clear(&e);
  const char *out;
  ASSERT_OK(job_expand(ar, "sf={{job.parameters.sf}} {{ job.parameters.day }}/{{job.name}}#{{job.run_id}}:{{task.name}}",
                       &v, &out, &e),
            &e);
  ASSERT_EQ_STR(out, "sf=1 2025-02-03/upsell#42:notify");
  ASSERT_OK(job_expand(ar, "{{job.start_time.iso_date}} {{job.start_time.iso_datetime}} {{job.start_time.timestamp_ms}}",
                       &v, &out, &e),
            &e);
  ASSERT_EQ_STR(out, "2023-11-14 2023-11-14T22:13:20 1700000000123");
  /* not references: kept as they are */
  ASSERT_OK(job_expand(ar, "awk '{{print $1}}' {{ }} {{x", &v, &out, &e), &e);
  ASSERT_EQ_STR(out, "awk '{{print $1}}' {{ }} {{x");
  v.param_values = NULL; /* defaults */
  ASSERT_OK(job_expand(ar, "{{job.parameters.sf}}", &v, &out, &e), &e);
  ASSERT_EQ_STR(out, "0.1");
  ASSERT_RC(job_expand(ar, "{{job.parameters.nope}}", &v, &out, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "(parameters: sf, day)");
  lago_err_clear(&e);
  v.task_key = NULL;
  ASSERT_RC(job_expand(ar, "{{task.name}}", &v, &out, &e), LAGO_BIND);
  arena_free(ar);
}

TEST(job_split_words_quoting) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char **w;
  uint32_t n;
  ASSERT_OK(job_split_words(ar, "  table  describe 'a b' \"c \\\"d\\\" \\\\e\" f\\ g h''i \"\" ", &w, &n, &e), &e);
  ASSERT_EQ_INT(n, 7);
  ASSERT_EQ_STR(w[0], "table");
  ASSERT_EQ_STR(w[1], "describe");
  ASSERT_EQ_STR(w[2], "a b");
  ASSERT_EQ_STR(w[3], "c \"d\" \\e");
  ASSERT_EQ_STR(w[4], "f g");
  ASSERT_EQ_STR(w[5], "hi");
  ASSERT_EQ_STR(w[6], "");
  ASSERT_OK(job_split_words(ar, "", &w, &n, &e), &e);
  ASSERT_EQ_INT(n, 0);
  ASSERT_OK(job_split_words(ar, "a b c d e f g h i j k l", &w, &n, &e), &e);
  ASSERT_EQ_INT(n, 12);
  ASSERT_EQ_STR(w[11], "l");
  ASSERT_RC(job_split_words(ar, "a \"b", &w, &n, &e), LAGO_PARSE);
  lago_err_clear(&e);
  ASSERT_RC(job_split_words(ar, "a\\", &w, &n, &e), LAGO_PARSE);
  arena_free(ar);
}

TEST(job_run_if_semantics) {
  const job_status S = JOB_SUCCESS, F = JOB_FAILED, T = JOB_TIMED_OUT, U = JOB_UPSTREAM_FAILED, X = JOB_EXCLUDED,
                   P = JOB_PENDING;
  struct {
    job_run_if r;
    job_status d[3];
    uint32_t n;
    job_status want;
  } cases[] = {
      {JOB_RUN_IF_ALL_SUCCESS, {S, S}, 2, P},
      {JOB_RUN_IF_ALL_SUCCESS, {S, F}, 2, U},
      {JOB_RUN_IF_ALL_SUCCESS, {S, X}, 2, P},  /* excluded counts as success */
      {JOB_RUN_IF_ALL_SUCCESS, {X, X}, 2, X},  /* all excluded: excluded */
      {JOB_RUN_IF_ALL_SUCCESS, {S, U}, 2, U},
      {JOB_RUN_IF_ALL_SUCCESS, {0}, 0, P},     /* no dependencies */
      {JOB_RUN_IF_AT_LEAST_ONE_SUCCESS, {F, S}, 2, P},
      {JOB_RUN_IF_AT_LEAST_ONE_SUCCESS, {F, T}, 2, U},
      {JOB_RUN_IF_NONE_FAILED, {S, X}, 2, P},
      {JOB_RUN_IF_NONE_FAILED, {S, F}, 2, U},
      {JOB_RUN_IF_NONE_FAILED, {S, U}, 2, U},
      {JOB_RUN_IF_ALL_DONE, {F, U, T}, 3, P},
      {JOB_RUN_IF_ALL_DONE, {X, X}, 2, X},
      {JOB_RUN_IF_AT_LEAST_ONE_FAILED, {S, T}, 2, P},
      {JOB_RUN_IF_AT_LEAST_ONE_FAILED, {S, U}, 2, P},
      {JOB_RUN_IF_AT_LEAST_ONE_FAILED, {S, S}, 2, X},
      {JOB_RUN_IF_ALL_FAILED, {F, T, U}, 3, P},
      {JOB_RUN_IF_ALL_FAILED, {F, S}, 2, X},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    job_status got = job_run_if_decide(cases[i].r, cases[i].d, cases[i].n);
    if (got != cases[i].want)
      test_fail_(__FILE__, __LINE__, "case %zu (%s): got %s, want %s", i, job_run_if_name(cases[i].r),
                 job_status_name(got), job_status_name(cases[i].want));
  }
}

static int oom_parse(void *ud) {
  arena *ar = arena_new("t", 256);
  if (!ar) return LAGO_NOMEM;
  lago_err e;
  lago_err_clear(&e);
  job_spec *sp;
  int rc = job_parse(ar, "job.yaml", "/tmp", ud, strlen(ud), NULL, &sp, &e);
  arena_free(ar);
  return rc;
}

TEST(job_parse_oom_sweep) { ASSERT(test_oom_sweep(oom_parse, (void *)k_bundle, 5000) > 1); }

/* ---- the runner on shell tasks -------------------------------------------------------------- */

static job_run *run_job(arena *ar, const char *text, uint32_t max_parallel, lago_err *e) {
  job_spec *sp;
  const char *dir = test_tmpdir();
  int rc = job_parse(ar, "job.yaml", dir, text, strlen(text), NULL, &sp, e);
  if (rc) test_fail_(__FILE__, __LINE__, "job_parse: %s", e->msg);
  char wh[1024];
  snprintf(wh, sizeof wh, "%s/wh", dir);
  job_run_opts o = {.lago_exe = "/bin/false", .warehouse = wh, .max_parallel = max_parallel, .kill_grace_ms = 500};
  job_run *r = NULL;
  rc = job_run_exec(sp, &o, ar, &r, e);
  if (rc) test_fail_(__FILE__, __LINE__, "job_run_exec: %s", e->msg);
  return r;
}

TEST(job_runner_order_retry_skip) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *text =
      "name: t\n"
      "tasks:\n"
      "  - {task_key: first, shell_command_task: {command: \"echo one >> order.txt\"}}\n"
      "  - {task_key: flaky, depends_on: [first], max_retries: 3,\n"
      "     shell_command_task: {command: \"echo flaky >> order.txt; test -f ok || { touch ok; exit 7; }\"}}\n"
      "  - {task_key: doomed, depends_on: [first], max_retries: 1,\n"
      "     shell_command_task: {command: \"echo doomed >> order.txt; exit 3\"}}\n"
      "  - {task_key: after_doomed, depends_on: [doomed], shell_command_task: {command: \"echo never >> order.txt\"}}\n"
      "  - {task_key: cleanup, depends_on: [doomed, flaky], run_if: ALL_DONE,\n"
      "     shell_command_task: {command: \"echo cleanup >> order.txt\"}}\n";
  job_run *r = run_job(ar, text, 1, &e);
  ASSERT_EQ_INT(r->result, JOB_RESULT_FAILED);
  ASSERT_EQ_INT(r->run_id, 1);
  ASSERT_EQ_INT(r->tasks[0].status, JOB_SUCCESS);
  ASSERT_EQ_INT(r->tasks[1].status, JOB_SUCCESS);
  ASSERT_EQ_INT(r->tasks[1].n_attempts, 2);
  ASSERT_EQ_INT(r->tasks[1].attempts[0].status, JOB_FAILED);
  ASSERT_EQ_INT(r->tasks[1].attempts[0].exit_code, 7);
  ASSERT_EQ_INT(r->tasks[2].status, JOB_FAILED);
  ASSERT_EQ_INT(r->tasks[2].n_attempts, 2);
  ASSERT_EQ_INT(r->tasks[3].status, JOB_UPSTREAM_FAILED);
  ASSERT_EQ_INT(r->tasks[3].n_attempts, 0);
  ASSERT_CONTAINS(r->tasks[3].message, "doomed FAILED");
  ASSERT_EQ_INT(r->tasks[4].status, JOB_SUCCESS);
  /* one at a time: the order file shows dependency order and the retries */
  char path[1024];
  snprintf(path, sizeof path, "%s/order.txt", test_tmpdir());
  FILE *f = fopen(path, "r");
  ASSERT_NE_NULL(f);
  char got[256] = {0};
  size_t n = fread(got, 1, sizeof got - 1, f);
  fclose(f);
  got[n] = 0;
  ASSERT_EQ_STR(got, "one\nflaky\nflaky\ndoomed\ndoomed\ncleanup\n");
  /* the record on disk says the same */
  buf b;
  buf_init(&b);
  ASSERT_OK(fs_read_all(fs_local(), r->record_path, &b, &e), &e);
  json_value *v;
  ASSERT_OK(json_parse(ar, b.data, b.len, &v, &e), &e);
  buf_deinit(&b);
  const char *res;
  ASSERT_OK(json_get_str(v, "result", &res, NULL, &e), &e);
  ASSERT_EQ_STR(res, "FAILED");
  const json_value *tasks = json_get(v, "tasks");
  ASSERT_EQ_INT(json_len(tasks), 5);
  ASSERT_EQ_INT(json_len(json_get(json_at(tasks, 1), "attempts")), 2);
  /* the text report names the failure and shows its log */
  buf rep;
  buf_init(&rep);
  ASSERT_OK(job_report_text(r, 5, &rep), NULL);
  ASSERT_CONTAINS(buf_cstr(&rep), "job t, run 1: FAILED in ");
  ASSERT_CONTAINS(buf_cstr(&rep), "(5 tasks: 3 succeeded, 1 failed, 1 upstream failed)");
  ASSERT_CONTAINS(buf_cstr(&rep), "--- doomed: FAILED, last 5 lines of ");
  ASSERT_CONTAINS(buf_cstr(&rep), "task doomed, attempt 2: echo doomed >> order.txt; exit 3");
  buf_deinit(&rep);
  /* a second run gets the next id, and both are listed */
  job_run *r2 = run_job(ar, text, 1, &e);
  ASSERT_EQ_INT(r2->run_id, 2);
  char wh[1024];
  snprintf(wh, sizeof wh, "%s/wh", test_tmpdir());
  job_run_summary *s;
  size_t ns;
  ASSERT_OK(job_runs_list(ar, wh, "t", &s, &ns, &e), &e);
  ASSERT_EQ_INT(ns, 2);
  ASSERT_EQ_INT(s[1].run_id, 2);
  ASSERT_EQ_STR(s[0].result, "FAILED");
  ASSERT_EQ_INT(s[0].n_tasks, 5);
  ASSERT_EQ_INT(s[0].n_ok, 3);
  ASSERT_EQ_INT(s[0].n_failed, 2);
  arena_free(ar);
}

TEST(job_runner_timeout_and_job_timeout) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *text = "tasks:\n"
                     "  - {task_key: slow, timeout_seconds: 1, max_retries: 2, shell_command_task: {command: \"sleep 30\"}}\n"
                     "  - {task_key: slow_retried, timeout_seconds: 1, max_retries: 1, retry_on_timeout: true,\n"
                     "     shell_command_task: {command: \"sleep 30\"}}\n";
  job_run *r = run_job(ar, text, 2, &e);
  ASSERT_EQ_INT(r->result, JOB_RESULT_FAILED);
  ASSERT_EQ_INT(r->tasks[0].status, JOB_TIMED_OUT);
  ASSERT_EQ_INT(r->tasks[0].n_attempts, 1); /* no retry_on_timeout: not retried */
  ASSERT_EQ_INT(r->tasks[0].attempts[0].signal, 15);
  ASSERT_CONTAINS(r->tasks[0].message, "timeout_seconds (1s)");
  ASSERT_EQ_INT(r->tasks[1].status, JOB_TIMED_OUT);
  ASSERT_EQ_INT(r->tasks[1].n_attempts, 2);
  ASSERT(r->end_ms - r->start_ms < 20000);

  const char *jt = "timeout_seconds: 1\ntasks:\n"
                   "  - {task_key: a, shell_command_task: {command: \"sleep 30\"}}\n"
                   "  - {task_key: b, depends_on: [a], shell_command_task: {command: \"true\"}}\n";
  r = run_job(ar, jt, 2, &e);
  ASSERT_EQ_INT(r->result, JOB_RESULT_TIMED_OUT);
  ASSERT_EQ_INT(r->tasks[0].status, JOB_TIMED_OUT);
  ASSERT_EQ_INT(r->tasks[1].status, JOB_CANCELLED);
  ASSERT_CONTAINS(r->message, "timeout_seconds (1s)");
  arena_free(ar);
}

TEST(job_runner_params_and_cancel_flag) {
  arena *ar = arena_new("t", 4096);
  lago_err e;
  lago_err_clear(&e);
  const char *text = "parameters: [{name: who, default: nobody}]\ntasks:\n"
                     "  - {task_key: a, shell_command_task: {command: \"echo '{{job.parameters.who}}' $LAGO_TASK_KEY "
                     "$LAGO_JOB_RUN_ID > out.txt\"}}\n";
  job_spec *sp;
  ASSERT_OK(job_parse(ar, "job.yaml", test_tmpdir(), text, strlen(text), NULL, &sp, &e), &e);
  char wh[1024];
  snprintf(wh, sizeof wh, "%s/wh", test_tmpdir());
  const char *names[] = {"who"}, *values[] = {"me, too"};
  job_run_opts o = {.warehouse = wh, .n_overrides = 1, .override_names = names, .override_values = values};
  job_run *r;
  ASSERT_OK(job_run_exec(sp, &o, ar, &r, &e), &e);
  ASSERT_EQ_INT(r->result, JOB_RESULT_SUCCESS);
  char path[1024], got[128] = {0};
  snprintf(path, sizeof path, "%s/out.txt", test_tmpdir());
  FILE *f = fopen(path, "r");
  ASSERT_NE_NULL(f);
  ASSERT(fgets(got, sizeof got, f) != NULL);
  fclose(f);
  ASSERT_EQ_STR(got, "me, too a 1\n");
  /* unknown --param */
  const char *bad[] = {"whom"};
  o.override_names = bad;
  ASSERT_RC(job_run_exec(sp, &o, ar, &r, &e), LAGO_BIND);
  ASSERT_CONTAINS(e.msg, "--param whom: job 'job' has no parameter 'whom' (parameters: who)");
  /* a cancel already requested: nothing starts */
  lago_err_clear(&e);
  volatile sig_atomic_t cancel = 1;
  o.n_overrides = 0;
  o.cancel = &cancel;
  ASSERT_OK(job_run_exec(sp, &o, ar, &r, &e), &e);
  ASSERT_EQ_INT(r->result, JOB_RESULT_CANCELLED);
  ASSERT_EQ_INT(r->tasks[0].status, JOB_CANCELLED);
  ASSERT_EQ_INT(r->tasks[0].n_attempts, 0);
  arena_free(ar);
}
