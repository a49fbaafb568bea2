/*
** pipeline/job_report.c: the final report of a run as text (job.h
** job_report_text), shown by `lago job run` unless --json:
**
**   job upsell, run 3: FAILED in 12.4s (4 tasks: 2 succeeded, 1 failed, 1 upstream failed)
**
**   TASK                 STATUS           ATTEMPTS  START   DURATION  DETAILS
**   bronze_customers     SUCCESS                 1  +0.0s      1.2s
**   bronze_transactions  FAILED                  3  +0.0s      3.1s  exit code 1
**   silver               UPSTREAM_FAILED         0  -             -  run_if ALL_SUCCESS not met: ...
**
**   --- bronze_transactions: FAILED, last 10 lines of /w/_lago/jobs/upsell/runs/3/bronze_transactions.log
**   ...
**
**   run record: /w/_lago/jobs/upsell/runs/3.json
**
** START is the offset of the task's first attempt from the run's start and
** DURATION runs from there to the end of its last attempt (retry waits
** included), so overlapping tasks are visible in the table itself.
*/
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/job.h"

/* Appends the last n lines of the file at path (at most 64 KiB are read), each indented. */
static int tail_file(const char *path, uint32_t n, buf *out) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return buf_printf(out, "  (no log: %s)\n", path);
  struct stat st;
  char chunk[65536];
  ssize_t got = 0;
  if (fstat(fd, &st) == 0) {
    off_t from = st.st_size > (off_t)sizeof chunk ? st.st_size - (off_t)sizeof chunk : 0;
    got = pread(fd, chunk, sizeof chunk, from);
  }
  close(fd);
  if (got <= 0) return buf_puts(out, "  (empty log)\n");
  size_t len = (size_t)got;
  if (chunk[len - 1] == '\n') len--;
  size_t start = len;
  uint32_t lines = 0;
  while (start > 0) {
    if (chunk[start - 1] == '\n' && ++lines == n) break;
    start--;
  }
  const char *p = chunk + start, *end = chunk + len;
  while (p <= end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
    TRY(buf_puts(out, "  "));
    TRY(buf_append(out, p, l));
    TRY(buf_putc(out, '\n'));
    if (!nl) break;
    p = nl + 1;
  }
  return LAGO_OK;
}

static void secs(char *dst, size_t n, int64_t ms) { snprintf(dst, n, "%.1fs", (double)ms / 1000.0); }

int job_report_text(const job_run *r, uint32_t tail_lines, buf *out) {
  const job_spec *sp = r->spec;
  uint32_t count[JOB_EXCLUDED + 1] = {0};
  for (uint32_t i = 0; i < sp->n_tasks; i++) count[r->tasks[i].status]++;
  char dur[32];
  secs(dur, sizeof dur, r->end_ms - r->start_ms);
  TRY(buf_printf(out, "job %s, run %lld: %s in %s (%u task%s", sp->name, (long long)r->run_id,
                 job_result_name(r->result), dur, sp->n_tasks, sp->n_tasks == 1 ? "" : "s"));
  static const struct {
    job_status s;
    const char *word;
  } words[] = {{JOB_SUCCESS, "succeeded"},       {JOB_FAILED, "failed"},        {JOB_TIMED_OUT, "timed out"},
               {JOB_UPSTREAM_FAILED, "upstream failed"}, {JOB_EXCLUDED, "excluded"}, {JOB_CANCELLED, "cancelled"},
               {JOB_PENDING, "not run"}};
  bool first = true;
  for (size_t k = 0; k < sizeof words / sizeof *words; k++) {
    if (!count[words[k].s]) continue;
    TRY(buf_printf(out, "%s %u %s", first ? ":" : ",", count[words[k].s], words[k].word));
    first = false;
  }
  TRY(buf_puts(out, ")\n"));
  if (r->message) TRY(buf_printf(out, "%s\n", r->message));

  int kw = 4;
  for (uint32_t i = 0; i < sp->n_tasks; i++) {
    int l = (int)strlen(sp->tasks[i].key);
    if (l > kw) kw = l;
  }
  if (kw > 40) kw = 40;
  TRY(buf_printf(out, "\n%-*s  %-15s  %8s  %7s  %8s  %s\n", kw, "TASK", "STATUS", "ATTEMPTS", "START", "DURATION",
                 "DETAILS"));
  for (uint32_t k = 0; k < sp->n_tasks; k++) {
    uint32_t i = sp->order[k];
    const job_task_run *tr = &r->tasks[i];
    char start[32] = "-", d[32] = "-";
    if (tr->start_ms) {
      snprintf(start, sizeof start, "+%.1fs", (double)(tr->start_ms - r->start_ms) / 1000.0);
      if (tr->end_ms) secs(d, sizeof d, tr->end_ms - tr->start_ms);
    }
    const char *detail = tr->message ? tr->message : "";
    char retried[96];
    if (!tr->message && tr->status == JOB_SUCCESS && tr->n_attempts > 1) {
      snprintf(retried, sizeof retried, "succeeded on attempt %u", tr->n_attempts);
      detail = retried;
    }
    TRY(buf_printf(out, "%-*s  %-15s  %8u  %7s  %8s%s%s\n", kw, sp->tasks[i].key, job_status_name(tr->status),
                   tr->n_attempts, start, d, *detail ? "  " : "", detail));
  }
  for (uint32_t k = 0; k < sp->n_tasks && tail_lines; k++) {
    uint32_t i = sp->order[k];
    const job_task_run *tr = &r->tasks[i];
    if ((tr->status != JOB_FAILED && tr->status != JOB_TIMED_OUT) || !tr->log_path) continue;
    TRY(buf_printf(out, "\n--- %s: %s, last %u lines of %s\n", sp->tasks[i].key, job_status_name(tr->status),
                   tail_lines, tr->log_path));
    TRY(tail_file(tr->log_path, tail_lines, out));
  }
  if (r->record_path) TRY(buf_printf(out, "\nrun record: %s\n", r->record_path));
  return LAGO_OK;
}
