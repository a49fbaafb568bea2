/*
** pipeline/job.h: jobs: a DAG of tasks read from a YAML job file in the
** shape of Databricks job definitions (Jobs API 2.1 / Asset Bundles), run
** as child processes in dependency order, with retries, timeouts, run_if
** conditions, cancellation and a run record per run. Used by cli/cmd_job.c.
** The file format, the semantics and the on-disk records are described in
** src/pipeline/README.md; this header gives the contracts.
**
** Three steps, each in its own file:
**   job_load / job_parse    (job_spec.c)  YAML -> validated job_spec; every
**                           error names the file, line and column
**   job_run                 (job_run.c)   runs a job_spec, returns a job_run
**   job_run_to_json, job_record_*, job_report_text  (job_record.c,
**                           job_report.c) run records and the final report
** Everything a call returns is allocated in the caller's arena `ar` and lives
** as long as it (the job file's text included).
*/
#ifndef LAGO_PIPELINE_JOB_H
#define LAGO_PIPELINE_JOB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/status.h"

#define JOB_FILE_MAX (1u << 20)   /* bytes of a job file */
#define JOB_MAX_TASKS 1000u       /* tasks in one job (the Jobs API limit) */
#define JOB_TASK_KEY_MAX 100u     /* characters of a task_key (the Jobs API limit) */
#define JOB_NAME_MAX 128u         /* characters of a job name used as a directory */

typedef enum job_task_type {
  JOB_TASK_LAGO = 1, /* lago_task: a lago subcommand, run as `lago --warehouse W <command...>` */
  JOB_TASK_SQL,      /* sql_task: {file: {path: P}}, run as `lago --warehouse W sql -f P` */
  JOB_TASK_SHELL,    /* shell_command_task: {command: C}, run as `/bin/sh -c C` (lago extension) */
} job_task_type;

/* When a task with dependencies runs (Jobs API `run_if`); the default is ALL_SUCCESS. */
typedef enum job_run_if {
  JOB_RUN_IF_ALL_SUCCESS = 0,
  JOB_RUN_IF_AT_LEAST_ONE_SUCCESS,
  JOB_RUN_IF_NONE_FAILED,
  JOB_RUN_IF_ALL_DONE,
  JOB_RUN_IF_AT_LEAST_ONE_FAILED,
  JOB_RUN_IF_ALL_FAILED,
} job_run_if;

/*
** A task's state. PENDING, RUNNING and RETRY_WAIT are transient; the others
** are final. SUCCESS and EXCLUDED count as success for run_if and for the
** run's result; FAILED, TIMED_OUT and UPSTREAM_FAILED count as failure.
*/
typedef enum job_status {
  JOB_PENDING = 0,     /* not started: dependencies not finished, or no free slot */
  JOB_RUNNING,         /* a child process is running an attempt */
  JOB_RETRY_WAIT,      /* an attempt failed; the next one waits for min_retry_interval_millis */
  JOB_SUCCESS,         /* the last attempt exited with status 0 */
  JOB_FAILED,          /* the last attempt failed (exit status, signal, or could not start) */
  JOB_TIMED_OUT,       /* the last attempt ran past timeout_seconds (or the job's) and was killed */
  JOB_CANCELLED,       /* the run was cancelled (Ctrl-C) while it ran or before it started */
  JOB_UPSTREAM_FAILED, /* run_if ALL_SUCCESS / AT_LEAST_ONE_SUCCESS / NONE_FAILED not met: never ran */
  JOB_EXCLUDED,        /* run_if AT_LEAST_ONE_FAILED / ALL_FAILED not met, all dependencies excluded,
                          or `disabled: true`: never ran, counts as success */
} job_status;

/* A run's outcome (Databricks: decided by the leaf tasks, those nothing depends on). */
typedef enum job_result {
  JOB_RESULT_RUNNING = 0,
  JOB_RESULT_SUCCESS,                 /* every task SUCCESS or EXCLUDED */
  JOB_RESULT_SUCCEEDED_WITH_FAILURES, /* some task failed, but every leaf task succeeded */
  JOB_RESULT_FAILED,                  /* a leaf task failed */
  JOB_RESULT_TIMED_OUT,               /* the job's own timeout_seconds ran out */
  JOB_RESULT_CANCELLED,               /* cancelled (SIGINT/SIGTERM to the runner) */
} job_result;

typedef struct job_task {
  const char *key;              /* task_key: [A-Za-z0-9_-], 1..100 characters, unique */
  const char *description;      /* or NULL */
  job_task_type type;
  /* LAGO with a string command, SHELL: the command text; SQL: the file path as written.
  ** Both may hold {{...}} references (expanded when the task starts). */
  const char *text;
  const char *const *words;     /* LAGO with a list command: the words (then text is NULL) */
  uint32_t n_words;
  uint32_t n_deps;
  const uint32_t *deps;         /* indexes into job_spec.tasks */
  job_run_if run_if;
  bool disabled;                /* `disabled: true`: never runs, ends EXCLUDED */
  int64_t max_retries;          /* retries after the first attempt; -1 = unlimited */
  int64_t min_retry_interval_ms;
  bool retry_on_timeout;        /* also retry an attempt that timed out */
  int64_t timeout_s;            /* per attempt; 0 = none */
  uint32_t line, col;           /* where the task's mapping starts in the job file */
} job_task;

typedef struct job_param {
  const char *name;   /* [A-Za-z0-9_.-]+, unique */
  const char *def;    /* default value text */
} job_param;

typedef struct job_spec {
  const char *file;             /* the job file as named by the caller (messages) */
  const char *dir;              /* absolute directory of the job file: tasks run there */
  const char *name;             /* the job's name (or its key under resources.jobs) */
  const char *dir_name;         /* name with bytes outside [A-Za-z0-9_.-] made '_' (directory of its runs) */
  int64_t max_concurrent_runs;  /* default 1 */
  int64_t timeout_s;            /* whole run; 0 = none */
  uint32_t n_params;
  const job_param *params;
  uint32_t n_tasks;             /* 1..JOB_MAX_TASKS */
  const job_task *tasks;        /* in file order */
  const uint32_t *order;        /* n_tasks indexes: a dependency order (file order among equals) */
} job_spec;

/* ---- loading (job_spec.c) ----------------------------------------------- */

/*
** Parses and validates one job from YAML text. Accepted shapes: a bundle
** (`resources: {jobs: {<key>: {...}}}`, other resource kinds ignored) or a
** bare job mapping (`name:`, `tasks:`, ...). `job_key` picks one job of a
** bundle that defines several (NULL: the file must define exactly one).
** `file` names the text in messages; `dir` is the absolute directory tasks
** run in (NULL: "."). Errors: LAGO_PARSE "file:line:col: what" for anything
** wrong in the file (syntax, unknown or misspelt keys, wrong types, bad
** values, duplicate task keys, unknown dependencies, cycles, unknown
** {{references}}); LAGO_NOTFOUND for a job_key the file does not define;
** LAGO_NOMEM.
*/
int job_parse(arena *ar, const char *file, const char *dir, const char *text, size_t len, const char *job_key,
              job_spec **out, lago_err *err);
/* Reads `path` (at most JOB_FILE_MAX bytes) and parses it; dir = the file's absolute directory. */
int job_load(arena *ar, const char *path, const char *job_key, job_spec **out, lago_err *err);

/* ---- helpers (job_spec.c), exposed for the runner and the tests ---------- */

/* Values {{...}} references expand to. */
typedef struct job_vars {
  const job_spec *spec;
  const char *const *param_values; /* spec->n_params values, in spec->params order */
  int64_t run_id;                  /* 0 when not known yet */
  int64_t start_ms;                /* run start, ms since the epoch */
  const char *task_key;            /* NULL outside a task */
} job_vars;

/*
** Expands {{ name }} references in text: job.name, job.run_id,
** job.parameters.<p>, job.start_time.iso_date, job.start_time.iso_datetime,
** job.start_time.timestamp_ms, task.name (spaces inside the braces are
** allowed). Text that is not of the form {{ a.b.c }} is kept as is. An
** unknown name is LAGO_BIND "unknown reference {{x}}". *out in ar.
*/
int job_expand(arena *ar, const char *text, const job_vars *v, const char **out, lago_err *err);

/*
** Splits a command line into words the way a POSIX shell would without
** expanding anything: blanks separate words; '...' is literal; "..." keeps
** blanks and takes \" \\ \$ \` as escapes; a backslash outside quotes
** escapes the next character. LAGO_PARSE for an unterminated quote or a
** trailing backslash. Words and the array are allocated in ar.
*/
int job_split_words(arena *ar, const char *text, const char ***words, uint32_t *n_words, lago_err *err);

/*
** What a task whose dependencies have all finished with states dep[0..n)
** does: JOB_PENDING = run it; JOB_UPSTREAM_FAILED or JOB_EXCLUDED = skip it
** with that state. n = 0 (no dependencies) always runs.
*/
job_status job_run_if_decide(job_run_if run_if, const job_status *dep, uint32_t n);

const char *job_status_name(job_status s);     /* "SUCCESS", "UPSTREAM_FAILED", ... */
const char *job_result_name(job_result r);     /* "SUCCESS", "SUCCEEDED_WITH_FAILURES", ... */
const char *job_run_if_name(job_run_if r);     /* "ALL_SUCCESS", ... */
const char *job_task_type_name(job_task_type t); /* "lago_task", "sql_task", "shell_command_task" */
bool job_status_final(job_status s);
bool job_status_ok(job_status s);              /* SUCCESS or EXCLUDED */

/* ---- running (job_run.c) ------------------------------------------------- */

typedef struct job_run_opts {
  const char *lago_exe;       /* absolute path of the lago binary, for lago_task and sql_task */
  const char *warehouse;      /* warehouse directory (made absolute); runs are recorded under it */
  uint32_t n_overrides;       /* --param name=value */
  const char *const *override_names;
  const char *const *override_values;
  uint32_t max_parallel;      /* tasks running at once; 0 = the number of CPUs (at least 2) */
  /* Set by the caller's SIGINT/SIGTERM handler: 1 = cancel (SIGTERM to every task, then
  ** SIGKILL after kill_grace_ms), 2 or more = SIGKILL at once. NULL: not cancellable. */
  volatile sig_atomic_t *cancel;
  int64_t kill_grace_ms;      /* between SIGTERM and SIGKILL; 0 = 5000 */
  FILE *progress;             /* one line per task event, or NULL */
  /* Does the lago binary have this subcommand? NULL: assume yes. */
  bool (*has_command)(const char *name);
} job_run_opts;

typedef struct job_attempt {
  int64_t start_ms, end_ms;   /* ms since the epoch */
  job_status status;          /* SUCCESS, FAILED, TIMED_OUT or CANCELLED */
  int exit_code;              /* -1 if it did not exit normally */
  int signal;                 /* the signal that ended it, or 0 */
} job_attempt;

typedef struct job_task_run {
  job_status status;
  const char *command;        /* the expanded command as run (display), or NULL if never started */
  const char *message;        /* why it failed or was skipped, or NULL */
  const char *log_path;       /* its log file (all attempts), or NULL if never started */
  uint32_t n_attempts;
  job_attempt *attempts;      /* n_attempts entries */
  int64_t start_ms, end_ms;   /* first attempt's start, last attempt's end; 0 if never ran */
} job_task_run;

typedef struct job_run {
  const job_spec *spec;
  int64_t run_id;             /* 1, 2, ... per job in this warehouse */
  job_result result;
  const char *message;        /* e.g. "cancelled by SIGINT"; or NULL */
  int64_t start_ms, end_ms;
  const char *const *param_values; /* spec->n_params values used */
  const char *warehouse;      /* absolute */
  const char *run_dir;        /* <warehouse>/_lago/jobs/<dir_name>/runs/<run_id> (task logs) */
  const char *record_path;    /* <warehouse>/_lago/jobs/<dir_name>/runs/<run_id>.json */
  job_task_run *tasks;        /* spec->n_tasks, in spec->tasks order */
  int pid;                    /* the runner's process id */
} job_run;

/*
** Runs the job: claims a run id and a concurrency slot, writes the run
** record (RUNNING), runs the tasks, writes the final record, and returns the
** run in *out (allocated in ar) whatever its result. Returns an error only
** when the run could not happen: LAGO_BIND for an unknown --param name,
** LAGO_CONFLICT when max_concurrent_runs runs of the job are active, LAGO_IO
** when the run directory or record cannot be written, LAGO_NOMEM.
*/
int job_run_exec(const job_spec *spec, const job_run_opts *o, arena *ar, job_run **out, lago_err *err);

/* Directory of a job's runs: <warehouse>/_lago/jobs/<dir_name> (in ar; NULL on OOM). */
char *job_home(arena *ar, const char *warehouse, const char *dir_name);
/* dir_name for a job name (bytes outside [A-Za-z0-9_.-] become '_'), in ar. */
char *job_dir_name(arena *ar, const char *name);

/* ---- records and reports (job_record.c, job_report.c) -------------------- */

/* The run as JSON (the run record format, README.md "Run records"), appended to out. */
int job_run_to_json(const job_run *r, buf *out);
/* Writes the run record atomically (temp file + rename) at r->record_path. */
int job_record_write(const job_run *r, lago_err *err);

/* One line of `lago job runs`: read back from a run record. */
typedef struct job_run_summary {
  int64_t run_id;
  const char *result;         /* as recorded ("RUNNING" of a dead runner becomes "ABANDONED") */
  int64_t start_ms, end_ms;   /* end 0 while running */
  uint32_t n_tasks, n_ok, n_failed;
  const char *record_path;
  const char *error;          /* the record could not be read: why (other fields 0) */
} job_run_summary;

/* The runs recorded for job `name` under warehouse, oldest first. *n = 0 when none. */
int job_runs_list(arena *ar, const char *warehouse, const char *name, job_run_summary **out, size_t *n,
                  lago_err *err);

/*
** The final report as text: a header line, a table of the tasks (status,
** attempts, start offset, duration, details) and, for each task that failed
** or timed out, the last `tail_lines` lines of its log. Appended to out.
*/
int job_report_text(const job_run *r, uint32_t tail_lines, buf *out);

#endif /* LAGO_PIPELINE_JOB_H */
