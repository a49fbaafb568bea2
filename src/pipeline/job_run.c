/*
** pipeline/job_run.c: the job runner (job.h job_run_exec).
**
** One process, one loop, no threads. Each task attempt is a child process
** started with posix_spawn in its own process group (so a timeout or a
** cancel can stop everything the task started), in the job file's
** directory, with stdin from /dev/null and stdout+stderr appended to the
** task's log file. The loop:
**
**   1. reap attempts that ended (waitid WNOWAIT first, then SIGKILL to the
**      task's process group so nothing it left behind keeps running, then
**      waitpid), and decide: success, retry later, or final failure;
**   2. enforce time: per-attempt timeout_seconds and the job's
**      timeout_seconds (SIGTERM to the group, SIGKILL kill_grace_ms later);
**      a cancel request (*opts->cancel, set by the CLI's signal handler)
**      does the same to every running task and cancels the rest;
**   3. start work: retries whose interval has passed, then pending tasks
**      whose dependencies are all final, in dependency order (file order
**      among equals), while fewer than max_parallel attempts run; a task
**      whose run_if is not met ends UPSTREAM_FAILED or EXCLUDED at once;
**   4. sleep in poll() on the running children's pidfds until one ends or
**      the next deadline (at most 200 ms, so a signal that arrives just
**      before poll is noticed soon; 20 ms ticks where pidfd_open is
**      missing).
**
** Run bookkeeping under the warehouse (README.md "Run records"):
**   <warehouse>/_lago/jobs/<job>/slots/<i>.lock  flock()ed by an active run:
**       max_concurrent_runs slots; the lock dies with the process, so a
**       crashed runner never blocks later runs. Text: "<pid> <run_id>\n".
**   <warehouse>/_lago/jobs/<job>/runs/<id>/      created with mkdir(2): the
**       atomic claim of run id <id> (1 + the highest id present); holds the
**       task logs <task_key>.log (every attempt, each after a "==>" header).
**   <warehouse>/_lago/jobs/<job>/runs/<id>.json  the run record, rewritten
**       atomically at start (RUNNING) and at the end.
*/
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io/fs.h"
#include "pipeline/job.h"
#include "util/alloc.h"

extern char **environ;

#define KILL_GRACE_DEFAULT_MS 5000
#define POLL_CAP_MS 200
#define POLL_TICK_MS 20

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Runner state of one task (the public part is in job_run.tasks[i]). */
typedef struct trun {
  pid_t pid;              /* running attempt (its process group id too); 0 if none */
  int pidfd;              /* -1 if none or pidfd_open is unavailable */
  int64_t deadline;       /* monotonic ms at which the attempt times out; 0 = none */
  int64_t retry_at;       /* RETRY_WAIT: monotonic ms of the next attempt */
  int64_t term_at;        /* monotonic ms SIGTERM was sent; 0 = not yet */
  bool killed;            /* SIGKILL sent */
  bool timed_out;         /* this attempt ran past a timeout */
  bool cancelled;         /* this attempt was stopped by a cancel */
  const char *stop_reason; /* why it was stopped (timeout, job timeout, cancel), or NULL */
  uint32_t cap_attempts;  /* room in job_task_run.attempts */
} trun;

typedef struct runner {
  const job_spec *sp;
  const job_run_opts *o;
  arena *ar;
  job_run *r;
  trun *t;
  lago_err *err;
  int64_t t0;             /* monotonic ms at the start */
  uint32_t max_parallel;
  uint32_t running;
  bool cancelling;        /* no new attempts; everything running is being stopped */
  bool user_cancel;       /* ... because of *o->cancel */
  bool job_timed_out;     /* ... because of the job's timeout_seconds */
  bool kill_now;          /* second cancel request: SIGKILL without grace */
  int64_t grace_ms;
} runner;

/* ---- progress ------------------------------------------------------------------------------- */

static void progress(runner *R, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void progress(runner *R, const char *key, const char *fmt, ...) {
  FILE *f = R->o->progress;
  if (!f) return;
  double s = (double)(mono_ms() - R->t0) / 1000.0;
  fprintf(f, "[%7.1fs] %s: ", s, key);
  va_list ap;
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
  fflush(f);
}

/* ---- parameters, run id, slots --------------------------------------------------------------- */

static int bind_params(runner *R) {
  const job_spec *sp = R->sp;
  const char **vals = arena_alloc(R->ar, (sp->n_params ? sp->n_params : 1) * sizeof *vals);
  if (!vals) return LAGO_NOMEM_ERR(R->err);
  for (uint32_t i = 0; i < sp->n_params; i++) vals[i] = sp->params[i].def;
  for (uint32_t k = 0; k < R->o->n_overrides; k++) {
    const char *n = R->o->override_names[k];
    uint32_t i = 0;
    while (i < sp->n_params && strcmp(sp->params[i].name, n)) i++;
    if (i == sp->n_params) {
      buf b;
      buf_init(&b);
      for (uint32_t j = 0; j < sp->n_params; j++) buf_printf(&b, "%s%s", j ? ", " : "", sp->params[j].name);
      int rc = LAGO_ERR(R->err, LAGO_BIND, "--param %s: job '%s' has no parameter '%s' (parameters: %s)", n,
                        sp->name, n, sp->n_params ? buf_cstr(&b) : "none");
      buf_deinit(&b);
      return rc;
    }
    vals[i] = arena_strdup(R->ar, R->o->override_values[k]);
    if (!vals[i]) return LAGO_NOMEM_ERR(R->err);
  }
  R->r->param_values = vals;
  return LAGO_OK;
}

/* Highest numeric run id present in runs/ (as "<id>" or "<id>.json"), 0 if none. */
static int64_t max_run_id(const char *runs) {
  DIR *d = opendir(runs);
  if (!d) return 0;
  int64_t best = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *s = e->d_name;
    int64_t v = 0;
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9' && i < 18) v = v * 10 + (s[i++] - '0');
    if (i == 0 || (s[i] && strcmp(s + i, ".json"))) continue;
    if (v > best) best = v;
  }
  closedir(d);
  return best;
}

/* Takes one of the job's max_concurrent_runs slots (flock), or fails with LAGO_CONFLICT naming the active runs. */
static int claim_slot(runner *R, const char *home, int *fd_out) {
  *fd_out = -1;
  const job_spec *sp = R->sp;
  buf active;
  buf_init(&active);
  int rc = LAGO_OK;
  for (int64_t i = 0; i < sp->max_concurrent_runs; i++) {
    char *p = arena_printf(R->ar, "%s/slots/%lld.lock", home, (long long)i);
    if (!p) {
      rc = LAGO_NOMEM_ERR(R->err);
      break;
    }
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      rc = LAGO_ERR(R->err, LAGO_IO, "%s: %s", p, strerror(errno));
      break;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
      *fd_out = fd;
      break;
    }
    char who[64] = {0};
    ssize_t k = pread(fd, who, sizeof who - 1, 0);
    long long pid = 0, id = 0;
    if (k > 0 && sscanf(who, "%lld %lld", &pid, &id) == 2)
      buf_printf(&active, "%srun %lld (pid %lld)", active.len ? ", " : "", id, pid);
    close(fd);
  }
  if (rc == LAGO_OK && *fd_out < 0)
    rc = LAGO_ERR(R->err, LAGO_CONFLICT,
                  "job '%s' already has %lld active run%s (max_concurrent_runs: %lld)%s%s; this run is skipped",
                  sp->name, (long long)sp->max_concurrent_runs, sp->max_concurrent_runs == 1 ? "" : "s",
                  (long long)sp->max_concurrent_runs, active.len ? ": " : "", buf_cstr(&active));
  buf_deinit(&active);
  return rc;
}

/* ---- starting an attempt ------------------------------------------------------------------------ */

static int grow_attempts(runner *R, uint32_t i) {
  job_task_run *tr = &R->r->tasks[i];
  trun *t = &R->t[i];
  if (tr->n_attempts < t->cap_attempts) return LAGO_OK;
  uint32_t cap = t->cap_attempts ? t->cap_attempts * 2 : 4;
  job_attempt *a = arena_realloc(R->ar, tr->attempts, t->cap_attempts * sizeof *a, cap * sizeof *a);
  if (!a) return LAGO_NOMEM_ERR(R->err);
  tr->attempts = a;
  t->cap_attempts = cap;
  return LAGO_OK;
}

/* Appends word to b, quoted for a shell if it needs it (display only). */
static void show_word(buf *b, const char *w) {
  bool plain = *w != 0;
  for (const char *p = w; *p && plain; p++)
    plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-_./=:,@%+", *p);
  if (plain) {
    buf_puts(b, w);
    return;
  }
  buf_putc(b, '\'');
  for (const char *p = w; *p; p++) {
    if (*p == '\'')
      buf_puts(b, "'\\''");
    else
      buf_putc(b, *p);
  }
  buf_putc(b, '\'');
}

/* Environment for a task: ours, then the runner's own without our names. In ar. */
static char **task_env(runner *R, uint32_t i, uint32_t attempt) {
  const job_spec *sp = R->sp;
  static const char *const ours[] = {"LAGO_WAREHOUSE=", "LAGO=",          "LAGO_JOB_NAME=",    "LAGO_JOB_RUN_ID=",
                                     "LAGO_TASK_KEY=",  "LAGO_TASK_ATTEMPT=", "LAGO_JOB_DIR="};
  size_t n_env = 0;
  while (environ && environ[n_env]) n_env++;
  char **env = arena_alloc(R->ar, (n_env + 8) * sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  env[k++] = arena_printf(R->ar, "LAGO_WAREHOUSE=%s", R->r->warehouse);
  env[k++] = arena_printf(R->ar, "LAGO=%s", R->o->lago_exe ? R->o->lago_exe : "lago");
  env[k++] = arena_printf(R->ar, "LAGO_JOB_NAME=%s", sp->name);
  env[k++] = arena_printf(R->ar, "LAGO_JOB_RUN_ID=%lld", (long long)R->r->run_id);
  env[k++] = arena_printf(R->ar, "LAGO_TASK_KEY=%s", sp->tasks[i].key);
  env[k++] = arena_printf(R->ar, "LAGO_TASK_ATTEMPT=%u", attempt);
  env[k++] = arena_printf(R->ar, "LAGO_JOB_DIR=%s", sp->dir);
  for (size_t j = 0; j < k; j++)
    if (!env[j]) return NULL;
  for (size_t e = 0; e < n_env; e++) {
    bool mine = false;
    for (size_t m = 0; m < sizeof ours / sizeof *ours && !mine; m++) mine = !strncmp(environ[e], ours[m], strlen(ours[m]));
    if (!mine) env[k++] = environ[e];
  }
  env[k] = NULL;
  return env;
}

static void finish_attempt(runner *R, uint32_t i, job_status st, int exit_code, int sig, const char *msg);

/*
** Builds the attempt's command line and spawns it. A task that cannot start
** (missing subcommand or SQL file, spawn failure) ends this attempt FAILED
** with a message; only LAGO_NOMEM is returned as an error.
*/
static int start_attempt(runner *R, uint32_t i) {
  const job_spec *sp = R->sp;
  const job_task *tk = &sp->tasks[i];
  job_task_run *tr = &R->r->tasks[i];
  trun *t = &R->t[i];
  TRY(grow_attempts(R, i));
  uint32_t attempt = tr->n_attempts + 1;
  job_attempt *a = &tr->attempts[tr->n_attempts++];
  memset(a, 0, sizeof *a);
  a->start_ms = now_ms();
  a->exit_code = -1;
  if (!tr->start_ms) tr->start_ms = a->start_ms;
  tr->status = JOB_RUNNING;
  *t = (trun){.pidfd = -1, .cap_attempts = t->cap_attempts};

  job_vars v = {sp, R->r->param_values, R->r->run_id, R->r->start_ms, tk->key};
  lago_err e;
  lago_err_clear(&e);
  const char *fail = NULL;
  const char **argv = NULL;
  buf shown;
  buf_init(&shown);
  int rc = LAGO_OK;
  const char *lago = R->o->lago_exe ? R->o->lago_exe : "lago";
  if (tk->type == JOB_TASK_SHELL) {
    const char *cmd;
    rc = job_expand(R->ar, tk->text, &v, &cmd, &e);
    if (rc == LAGO_OK) {
      argv = arena_alloc(R->ar, 4 * sizeof *argv);
      if (!argv) rc = LAGO_NOMEM;
      else {
        argv[0] = "/bin/sh";
        argv[1] = "-c";
        argv[2] = cmd;
        argv[3] = NULL;
        buf_puts(&shown, cmd);
      }
    }
  } else if (tk->type == JOB_TASK_LAGO) {
    const char *const *words = tk->words;
    uint32_t n = tk->n_words;
    if (!words) {
      const char **w = NULL;
      rc = job_split_words(R->ar, tk->text, &w, &n, &e);
      words = w;
    }
    if (rc == LAGO_OK) argv = arena_alloc(R->ar, (n + 4) * sizeof *argv);
    if (rc == LAGO_OK && !argv) rc = LAGO_NOMEM;
    if (rc == LAGO_OK) {
      argv[0] = lago;
      argv[1] = "--warehouse";
      argv[2] = R->r->warehouse;
      buf_puts(&shown, "lago");
      for (uint32_t k = 0; k < n && rc == LAGO_OK; k++) {
        rc = job_expand(R->ar, words[k], &v, &argv[3 + k], &e);
        if (rc == LAGO_OK) {
          buf_putc(&shown, ' ');
          show_word(&shown, argv[3 + k]);
        }
      }
      argv[3 + n] = NULL;
      if (rc == LAGO_OK && (n == 0 || !*argv[3]))
        fail = "lago_task command is empty";
      else if (rc == LAGO_OK && R->o->has_command && !R->o->has_command(argv[3]))
        fail = arena_printf(R->ar, "lago has no command '%s' (see lago --help)", argv[3]);
    }
  } else { /* SQL */
    const char *path;
    rc = job_expand(R->ar, tk->text, &v, &path, &e);
    if (rc == LAGO_OK && path[0] != '/') path = arena_printf(R->ar, "%s/%s", sp->dir, path);
    if (rc == LAGO_OK && !path) rc = LAGO_NOMEM;
    if (rc == LAGO_OK) {
      argv = arena_alloc(R->ar, 7 * sizeof *argv);
      if (!argv) rc = LAGO_NOMEM;
    }
    if (rc == LAGO_OK) {
      argv[0] = lago;
      argv[1] = "--warehouse";
      argv[2] = R->r->warehouse;
      argv[3] = "sql";
      argv[4] = "-f";
      argv[5] = path;
      argv[6] = NULL;
      buf_puts(&shown, "lago sql -f ");
      show_word(&shown, path);
      struct stat st;
      if (R->o->has_command && !R->o->has_command("sql"))
        fail = "sql_task needs the `lago sql` command, which this lago build does not have";
      else if (stat(path, &st) != 0)
        fail = arena_printf(R->ar, "SQL file %s: %s", path, strerror(errno));
      else if (S_ISDIR(st.st_mode))
        fail = arena_printf(R->ar, "SQL file %s is a directory", path);
    }
  }
  if (rc == LAGO_NOMEM) {
    buf_deinit(&shown);
    return LAGO_NOMEM_ERR(R->err);
  }
  if (rc) fail = arena_strdup(R->ar, e.msg); /* a word or reference that cannot be expanded */
  if (!tr->command && shown.len) tr->command = arena_strdup(R->ar, buf_cstr(&shown));
  buf_deinit(&shown);
  if (!tr->log_path) tr->log_path = arena_printf(R->ar, "%s/%s.log", R->r->run_dir, tk->key);
  if (!tr->log_path) return LAGO_NOMEM_ERR(R->err);

  int logfd = open(tr->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (logfd < 0 && !fail) fail = arena_printf(R->ar, "cannot open the log %s: %s", tr->log_path, strerror(errno));
  if (logfd >= 0) {
    time_t s = (time_t)(a->start_ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    dprintf(logfd, "==> %04d-%02d-%02d %02d:%02d:%02dZ task %s, attempt %u: %s\n", tm.tm_year + 1900, tm.tm_mon + 1,
            tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, tk->key, attempt, tr->command ? tr->command : "");
    if (fail) dprintf(logfd, "lago job: %s\n", fail);
  }
  if (fail) {
    if (logfd >= 0) close(logfd);
    progress(R, tk->key, "cannot start: %s", fail);
    R->running++; /* finish_attempt counts it down */
    finish_attempt(R, i, JOB_FAILED, -1, 0, fail);
    return LAGO_OK;
  }
  char **env = task_env(R, i, attempt);
  if (!env) {
    close(logfd);
    return LAGO_NOMEM_ERR(R->err);
  }

  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&at);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, logfd, 1);
  posix_spawn_file_actions_adddup2(&fa, logfd, 2);
  posix_spawn_file_actions_addchdir_np(&fa, sp->dir);
  sigset_t def, none;
  sigemptyset(&def);
  int sigs[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2};
  for (size_t k = 0; k < sizeof sigs / sizeof *sigs; k++) sigaddset(&def, sigs[k]);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&at, &def);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  pid_t pid = 0;
  int sr = posix_spawn(&pid, argv[0], &fa, &at, (char *const *)argv, env);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  if (sr != 0) {
    const char *m = arena_printf(R->ar, "cannot start %s: %s", argv[0], strerror(sr));
    dprintf(logfd, "lago job: %s\n", m ? m : "cannot start");
    close(logfd);
    progress(R, tk->key, "%s", m ? m : "cannot start");
    R->running++;
    finish_attempt(R, i, JOB_FAILED, -1, 0, m);
    return LAGO_OK;
  }
  close(logfd);
  t->pid = pid;
#ifdef SYS_pidfd_open
  t->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (t->pidfd >= 0) fcntl(t->pidfd, F_SETFD, FD_CLOEXEC);
#endif
  int64_t timeout = tk->timeout_s * 1000;
  t->deadline = timeout ? mono_ms() + timeout : 0;
  R->running++;
  if (attempt == 1)
    progress(R, tk->key, "started: %s", tr->command ? tr->command : "");
  else
    progress(R, tk->key, "started attempt %u", attempt);
  return LAGO_OK;
}

/* ---- ending an attempt ------------------------------------------------------------------------ */

static bool retries_left(const job_task *tk, const job_task_run *tr) {
  return tk->max_retries < 0 || (int64_t)tr->n_attempts <= tk->max_retries;
}

static const char *attempt_text(runner *R, const job_attempt *a) {
  if (a->signal) return arena_printf(R->ar, "killed by signal %d (%s)", a->signal, strsignal(a->signal));
  if (a->exit_code >= 0) return arena_printf(R->ar, "exit code %d", a->exit_code);
  return "did not start";
}

/* Records the end of the running attempt of task i and decides what comes next. */
static void finish_attempt(runner *R, uint32_t i, job_status st, int exit_code, int sig, const char *msg) {
  const job_task *tk = &R->sp->tasks[i];
  job_task_run *tr = &R->r->tasks[i];
  trun *t = &R->t[i];
  job_attempt *a = &tr->attempts[tr->n_attempts - 1];
  a->end_ms = now_ms();
  a->status = st;
  a->exit_code = exit_code;
  a->signal = sig;
  tr->end_ms = a->end_ms;
  R->running--;
  if (t->pidfd >= 0) close(t->pidfd);
  t->pidfd = -1;
  t->pid = 0;
  double secs = (double)(a->end_ms - a->start_ms) / 1000.0;
  bool retry = !R->cancelling && retries_left(tk, tr) &&
               (st == JOB_FAILED || (st == JOB_TIMED_OUT && tk->retry_on_timeout));
  const char *why = msg ? msg : st == JOB_TIMED_OUT ? arena_printf(R->ar, "timed out after %llds", (long long)tk->timeout_s)
                                : st == JOB_CANCELLED ? "cancelled"
                                                      : attempt_text(R, a);
  if (retry) {
    tr->status = JOB_RETRY_WAIT;
    t->retry_at = mono_ms() + tk->min_retry_interval_ms;
    if (tk->max_retries < 0)
      progress(R, tk->key, "%s after %.1fs (%s); retrying in %.1fs (attempt %u)", job_status_name(st), secs,
               why ? why : "", (double)tk->min_retry_interval_ms / 1000.0, tr->n_attempts + 1);
    else
      progress(R, tk->key, "%s after %.1fs (%s); retrying in %.1fs (attempt %u of %lld)", job_status_name(st), secs,
               why ? why : "", (double)tk->min_retry_interval_ms / 1000.0, tr->n_attempts + 1,
               (long long)tk->max_retries + 1);
    return;
  }
  tr->status = st;
  if (st != JOB_SUCCESS) tr->message = why;
  if (st == JOB_SUCCESS)
    progress(R, tk->key, "SUCCESS in %.1fs%s", secs,
             tr->n_attempts > 1 ? arena_printf(R->ar, " (attempt %u)", tr->n_attempts) : "");
  else
    progress(R, tk->key, "%s after %.1fs (%s)%s", job_status_name(st), secs, why ? why : "",
             tr->n_attempts > 1 ? arena_printf(R->ar, ", %u attempts", tr->n_attempts) : "");
}

/* Reaps task i's child if it has ended. */
static void reap(runner *R, uint32_t i) {
  trun *t = &R->t[i];
  siginfo_t si;
  memset(&si, 0, sizeof si);
  if (waitid(P_PID, (id_t)t->pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid != t->pid) return;
  /* The leader is a zombie, so its process group id cannot be reused yet: clean up the group. */
  kill(-t->pid, SIGKILL);
  int status = 0;
  while (waitpid(t->pid, &status, 0) < 0 && errno == EINTR) {
  }
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  job_status st = t->cancelled ? JOB_CANCELLED
                  : t->timed_out ? JOB_TIMED_OUT
                  : (WIFEXITED(status) && code == 0) ? JOB_SUCCESS
                                                      : JOB_FAILED;
  finish_attempt(R, i, st, code, sig, st == JOB_SUCCESS ? NULL : t->stop_reason);
}

/* Sends SIGTERM to a running attempt's group (once), remembering when and why. */
static void stop_attempt(runner *R, uint32_t i, const char *why) {
  trun *t = &R->t[i];
  if (!t->pid || t->term_at) return;
  kill(-t->pid, SIGTERM);
  t->term_at = mono_ms();
  t->stop_reason = why;
}

/* ---- the loop --------------------------------------------------------------------------------- */

static void cancel_waiting(runner *R, const char *why) {
  for (uint32_t i = 0; i < R->sp->n_tasks; i++) {
    job_task_run *tr = &R->r->tasks[i];
    if (tr->status == JOB_PENDING || tr->status == JOB_RETRY_WAIT) {
      tr->message = tr->status == JOB_RETRY_WAIT ? arena_printf(R->ar, "%s while waiting to retry", why)
                                                 : arena_printf(R->ar, "%s before it started", why);
      tr->status = JOB_CANCELLED;
      if (tr->n_attempts) tr->end_ms = now_ms();
    }
  }
}

/* Time rules: the job's timeout, a cancel request, each attempt's timeout and kill grace. */
static void enforce_time(runner *R, int64_t now) {
  const job_spec *sp = R->sp;
  int level = R->o->cancel ? (int)*R->o->cancel : 0;
  if (level >= 1 && !R->user_cancel && !R->job_timed_out) {
    R->user_cancel = R->cancelling = true;
    R->r->message = "cancelled by a signal (Ctrl-C / SIGTERM)";
    if (R->o->progress) progress(R, sp->name, "cancelling: stopping %u running task%s", R->running, R->running == 1 ? "" : "s");
    for (uint32_t i = 0; i < sp->n_tasks; i++)
      if (R->t[i].pid) {
        R->t[i].cancelled = true;
        stop_attempt(R, i, "cancelled while running");
      }
    cancel_waiting(R, "run cancelled");
  }
  if (level >= 2) R->kill_now = true;
  if (sp->timeout_s && !R->cancelling && now - R->t0 >= sp->timeout_s * 1000) {
    R->job_timed_out = R->cancelling = true;
    R->r->message = arena_printf(R->ar, "the job's timeout_seconds (%llds) ran out", (long long)sp->timeout_s);
    progress(R, sp->name, "job timeout (%llds): stopping %u running task%s", (long long)sp->timeout_s, R->running,
             R->running == 1 ? "" : "s");
    for (uint32_t i = 0; i < sp->n_tasks; i++)
      if (R->t[i].pid) {
        R->t[i].timed_out = true;
        stop_attempt(R, i, R->r->message);
      }
    cancel_waiting(R, "job timed out");
  }
  for (uint32_t i = 0; i < sp->n_tasks; i++) {
    trun *t = &R->t[i];
    if (!t->pid) continue;
    if (t->deadline && now >= t->deadline && !t->term_at) {
      t->timed_out = true;
      progress(R, sp->tasks[i].key, "timeout (%llds): stopping it", (long long)sp->tasks[i].timeout_s);
      stop_attempt(R, i, arena_printf(R->ar, "ran past timeout_seconds (%llds)", (long long)sp->tasks[i].timeout_s));
    }
    if (t->term_at && !t->killed && (R->kill_now || now - t->term_at >= R->grace_ms)) {
      kill(-t->pid, SIGKILL);
      t->killed = true;
    }
  }
}

/* Starts what can start; returns true if any task changed state. */
static int schedule(runner *R, int64_t now, bool *changed) {
  const job_spec *sp = R->sp;
  if (R->cancelling) return LAGO_OK;
  for (uint32_t k = 0; k < sp->n_tasks; k++) {
    uint32_t i = sp->order[k];
    job_task_run *tr = &R->r->tasks[i];
    if (tr->status == JOB_RETRY_WAIT && now >= R->t[i].retry_at && R->running < R->max_parallel) {
      TRY(start_attempt(R, i));
      *changed = true;
    }
  }
  for (uint32_t k = 0; k < sp->n_tasks; k++) {
    uint32_t i = sp->order[k];
    const job_task *tk = &sp->tasks[i];
    job_task_run *tr = &R->r->tasks[i];
    if (tr->status != JOB_PENDING) continue;
    job_status dep[JOB_MAX_TASKS];
    bool ready = true;
    for (uint32_t d = 0; d < tk->n_deps && ready; d++) {
      dep[d] = R->r->tasks[tk->deps[d]].status;
      ready = job_status_final(dep[d]);
    }
    if (!ready) continue;
    if (tk->disabled) {
      tr->status = JOB_EXCLUDED;
      tr->message = "disabled";
      progress(R, tk->key, "EXCLUDED (disabled)");
      *changed = true;
      continue;
    }
    job_status d = job_run_if_decide(tk->run_if, dep, tk->n_deps);
    if (d != JOB_PENDING) {
      buf b;
      buf_init(&b);
      buf_printf(&b, "run_if %s not met:", job_run_if_name(tk->run_if));
      for (uint32_t j = 0; j < tk->n_deps; j++)
        buf_printf(&b, "%s %s %s", j ? "," : "", sp->tasks[tk->deps[j]].key, job_status_name(dep[j]));
      tr->status = d;
      tr->message = arena_strdup(R->ar, buf_cstr(&b));
      buf_deinit(&b);
      progress(R, tk->key, "%s (%s)", job_status_name(d), tr->message ? tr->message : "");
      *changed = true;
      continue;
    }
    if (R->running >= R->max_parallel) continue;
    TRY(start_attempt(R, i));
    *changed = true;
  }
  return LAGO_OK;
}

static int loop(runner *R) {
  const job_spec *sp = R->sp;
  struct pollfd *fds = arena_alloc(R->ar, sp->n_tasks * sizeof *fds);
  if (!fds) return LAGO_NOMEM_ERR(R->err);
  for (;;) {
    for (uint32_t i = 0; i < sp->n_tasks; i++)
      if (R->t[i].pid) reap(R, i);
    int64_t now = mono_ms(); /* after reaping, so a retry with no interval is due at once */
    enforce_time(R, now);
    bool changed = false;
    TRY(schedule(R, now, &changed));
    bool all_final = true;
    for (uint32_t i = 0; i < sp->n_tasks && all_final; i++) all_final = job_status_final(R->r->tasks[i].status);
    if (all_final) return LAGO_OK;
    if (changed) continue;
    /* Sleep until a child ends or the next deadline. */
    int64_t wait = POLL_CAP_MS;
    nfds_t nf = 0;
    bool ticking = false;
    for (uint32_t i = 0; i < sp->n_tasks; i++) {
      trun *t = &R->t[i];
      job_task_run *tr = &R->r->tasks[i];
      if (t->pid) {
        if (t->pidfd >= 0)
          fds[nf++] = (struct pollfd){.fd = t->pidfd, .events = POLLIN};
        else
          ticking = true;
        if (t->deadline && !t->term_at && t->deadline - now < wait) wait = t->deadline - now;
        if (t->term_at && !t->killed && t->term_at + R->grace_ms - now < wait) wait = t->term_at + R->grace_ms - now;
      }
      if (tr->status == JOB_RETRY_WAIT && t->retry_at - now < wait) wait = t->retry_at - now;
    }
    if (sp->timeout_s && !R->cancelling && R->t0 + sp->timeout_s * 1000 - now < wait)
      wait = R->t0 + sp->timeout_s * 1000 - now;
    if (ticking && wait > POLL_TICK_MS) wait = POLL_TICK_MS;
    if (wait < 0) wait = 0;
    if (nf == 0 && wait > 0) {
      struct timespec ts = {(time_t)(wait / 1000), (long)(wait % 1000) * 1000000L};
      nanosleep(&ts, NULL); /* interrupted by a signal: fine, the loop looks again */
    } else if (nf > 0) {
      poll(fds, nf, (int)wait);
    }
  }
}

static job_result final_result(runner *R) {
  const job_spec *sp = R->sp;
  if (R->job_timed_out) return JOB_RESULT_TIMED_OUT;
  if (R->user_cancel) return JOB_RESULT_CANCELLED;
  bool all_ok = true, leaves_ok = true;
  for (uint32_t i = 0; i < sp->n_tasks; i++) {
    bool ok = job_status_ok(R->r->tasks[i].status);
    all_ok = all_ok && ok;
    bool leaf = true;
    for (uint32_t j = 0; j < sp->n_tasks && leaf; j++)
      for (uint32_t d = 0; d < sp->tasks[j].n_deps && leaf; d++) leaf = sp->tasks[j].deps[d] != i;
    if (leaf) leaves_ok = leaves_ok && ok;
  }
  return all_ok ? JOB_RESULT_SUCCESS : leaves_ok ? JOB_RESULT_SUCCEEDED_WITH_FAILURES : JOB_RESULT_FAILED;
}

static uint32_t default_parallel(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 2 ? 2 : n > 64 ? 64 : (uint32_t)n;
}

int job_run_exec(const job_spec *sp, const job_run_opts *o, arena *ar, job_run **out, lago_err *err) {
  *out = NULL;
  job_run *r = arena_zalloc(ar, sizeof *r);
  trun *t = arena_calloc(ar, sp->n_tasks, sizeof *t);
  job_task_run *tasks = arena_calloc(ar, sp->n_tasks, sizeof *tasks);
  if (!r || !t || !tasks) return LAGO_NOMEM_ERR(err);
  runner R = {.sp = sp, .o = o, .ar = ar, .r = r, .t = t, .err = err};
  R.max_parallel = o->max_parallel ? o->max_parallel : default_parallel();
  R.grace_ms = o->kill_grace_ms > 0 ? o->kill_grace_ms : KILL_GRACE_DEFAULT_MS;
  r->spec = sp;
  r->tasks = tasks;
  r->pid = (int)getpid();
  for (uint32_t i = 0; i < sp->n_tasks; i++) t[i].pidfd = -1;
  TRY(bind_params(&R));

  /* Warehouse and the job's home. */
  const char *wh = o->warehouse ? o->warehouse : ".";
  if (wh[0] != '/') {
    char cwd[4096];
    if (!getcwd(cwd, sizeof cwd)) return LAGO_ERR(err, LAGO_IO, "getcwd: %s", strerror(errno));
    wh = strcmp(wh, ".") ? arena_printf(ar, "%s/%s", cwd, wh) : arena_strdup(ar, cwd);
    if (!wh) return LAGO_NOMEM_ERR(err);
  }
  r->warehouse = wh;
  const char *home = job_home(ar, wh, sp->dir_name);
  const char *runs = home ? arena_printf(ar, "%s/runs", home) : NULL;
  const char *slots = home ? arena_printf(ar, "%s/slots", home) : NULL;
  if (!runs || !slots) return LAGO_NOMEM_ERR(err);
  TRY(fs_mkdirs(fs_local(), runs, err));
  TRY(fs_mkdirs(fs_local(), slots, err));
  int slot_fd;
  TRY(claim_slot(&R, home, &slot_fd));

  /* Claim a run id: mkdir is atomic, so two runners never get the same one. */
  int rc = LAGO_OK;
  int64_t id = max_run_id(runs) + 1;
  for (int tries = 0;; tries++, id++) {
    char *d = arena_printf(ar, "%s/%lld", runs, (long long)id);
    if (!d) {
      rc = LAGO_NOMEM_ERR(err);
      break;
    }
    if (mkdir(d, 0755) == 0) {
      r->run_dir = d;
      break;
    }
    if (errno != EEXIST || tries > 1000) {
      rc = LAGO_ERR(err, LAGO_IO, "%s: %s", d, strerror(errno));
      break;
    }
  }
  if (rc == LAGO_OK) {
    r->run_id = id;
    r->record_path = arena_printf(ar, "%s/%lld.json", runs, (long long)id);
    if (!r->record_path) rc = LAGO_NOMEM_ERR(err);
  }
  if (rc == LAGO_OK && ftruncate(slot_fd, 0) == 0) dprintf(slot_fd, "%d %lld\n", r->pid, (long long)id);
  r->start_ms = now_ms();
  r->result = JOB_RESULT_RUNNING;
  if (rc == LAGO_OK) rc = job_record_write(r, err);
  if (rc) {
    close(slot_fd);
    return rc;
  }

  /* Children must be waitable even if our parent left SIGCHLD ignored. */
  struct sigaction dfl, old_chld;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &dfl, &old_chld);
  R.t0 = mono_ms();
  if (o->progress)
    progress(&R, sp->name, "run %lld: %u task%s, up to %u at once; logs in %s", (long long)id, sp->n_tasks,
             sp->n_tasks == 1 ? "" : "s", R.max_parallel, r->run_dir);
  rc = loop(&R);
  if (rc) {
    /* Out of memory mid-run: stop everything we started before reporting. */
    for (uint32_t i = 0; i < sp->n_tasks; i++)
      if (t[i].pid) {
        kill(-t[i].pid, SIGKILL);
        waitpid(t[i].pid, NULL, 0);
        if (t[i].pidfd >= 0) close(t[i].pidfd);
        tasks[i].status = JOB_CANCELLED;
      }
    R.user_cancel = true;
  }
  sigaction(SIGCHLD, &old_chld, NULL);
  r->end_ms = now_ms();
  r->result = final_result(&R);
  int wrc = job_record_write(r, rc ? NULL : err);
  close(slot_fd);
  *out = r;
  return rc ? rc : wrc;
}
