/*
** tests/unit/runner.c: runs the registered unit tests, each in a child
** process with a time limit, and prints one line per test and a summary:
**   unit: N passed, M failed
** Usage: unit [--no-fork] [--list] [substring ...]
** Exit status: 0 if every selected test passed, else 1.
*/
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"
#include "util/alloc.h"

#define X(name) void test_##name(void);
#include "test_list.h"
#undef X

typedef struct {
  const char *name;
  void (*fn)(void);
} test_entry;

static const test_entry k_tests[] = {
#define X(name) {#name, test_##name},
#include "test_list.h"
#undef X
    {NULL, NULL}};

static char g_tmpdir[512];

void test_fail_(const char *file, int line, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "  %s:%d: ", file, line);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  fflush(stderr);
  exit(1);
}

int test_oom_sweep(int (*fn)(void *ud), void *ud, int max_n) {
  long base = mem_live();
  for (int n = 1; n <= max_n; n++) {
    mem_fail_after(n);
    int rc = fn(ud);
    int fired = mem_fail_fired();
    mem_fail_after(0);
    long live = mem_live();
    if (live != base)
      test_fail_(__FILE__, __LINE__, "oom sweep n=%d: %ld blocks leaked (rc=%s)", n, live - base, lago_rc_name(rc));
    if (!fired) {
      if (rc != LAGO_OK) test_fail_(__FILE__, __LINE__, "oom sweep n=%d: no failure injected but rc=%s", n, lago_rc_name(rc));
      return n;
    }
    if (rc != LAGO_NOMEM && rc != LAGO_OK)
      test_fail_(__FILE__, __LINE__, "oom sweep n=%d: got %s, want LAGO_NOMEM", n, lago_rc_name(rc));
  }
  test_fail_(__FILE__, __LINE__, "oom sweep did not finish in %d runs", max_n);
}

static void rm_rf(const char *path) {
  struct stat st;
  if (lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    DIR *d = opendir(path);
    if (d) {
      struct dirent *e;
      while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
        rm_rf(sub);
      }
      closedir(d);
    }
    rmdir(path);
  } else {
    unlink(path);
  }
}

const char *test_tmpdir(void) {
  if (!g_tmpdir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(g_tmpdir, sizeof g_tmpdir, "%s/lago-unit-XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(g_tmpdir)) test_fail_(__FILE__, __LINE__, "mkdtemp: %s", strerror(errno));
  }
  return g_tmpdir;
}

const char *test_shared_dir(void) {
  const char *s = getenv("LAGO_SHARED");
  return s && *s ? s : "../shared";
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int selected(const char *name, int argc, char **argv, int first) {
  if (first >= argc) return 1;
  for (int i = first; i < argc; i++)
    if (strstr(name, argv[i])) return 1;
  return 0;
}

int main(int argc, char **argv) {
  int no_fork = 0, list = 0, first = 1;
  while (first < argc && argv[first][0] == '-') {
    if (!strcmp(argv[first], "--no-fork")) no_fork = 1;
    else if (!strcmp(argv[first], "--list")) list = 1;
    first++;
  }
  const char *tl = getenv("LAGO_TEST_TIMEOUT");
  int timeout = tl ? atoi(tl) : 120;
  int passed = 0, failed = 0;
  for (const test_entry *t = k_tests; t->name; t++) {
    if (!selected(t->name, argc, argv, first)) continue;
    if (list) {
      printf("%s\n", t->name);
      continue;
    }
    double t0 = now_s();
    int ok;
    if (no_fork) {
      t->fn();
      ok = 1;
    } else {
      fflush(stdout);
      pid_t pid = fork();
      if (pid == 0) {
        alarm((unsigned)timeout);
        t->fn();
        if (g_tmpdir[0]) rm_rf(g_tmpdir);
        fflush(stdout);
        exit(0);
      }
      int st = 0;
      while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
      ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
      if (!ok) {
        if (WIFSIGNALED(st))
          fprintf(stderr, "  killed by signal %d%s\n", WTERMSIG(st), WTERMSIG(st) == SIGALRM ? " (timeout)" : "");
      }
    }
    double dt = now_s() - t0;
    printf("%s %s (%.2fs)\n", ok ? "ok  " : "FAIL", t->name, dt);
    if (ok) passed++; else failed++;
  }
  if (!list) printf("unit: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
