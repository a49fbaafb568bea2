/*
** util/alloc.c: the heap gate (see alloc.h). The counters are C11 atomics so
** threads in the scan pool can allocate while a test counts.
*/
#include "util/alloc.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "lago.h"

static lago_malloc_fn g_malloc = malloc;
static lago_realloc_fn g_realloc = realloc;
static lago_free_fn g_free = free;

static atomic_long g_live;       /* blocks not yet freed */
static atomic_long g_fail_left;  /* 0 = off; else allocations left before failing */
static atomic_int g_fired;

int lago_set_allocator(lago_malloc_fn m, lago_realloc_fn r, lago_free_fn f) {
  if (!m || !r || !f) return LAGO_MISUSE;
  g_malloc = m;
  g_realloc = r;
  g_free = f;
  return LAGO_OK;
}

void mem_fail_after(long n) {
  atomic_store(&g_fail_left, n > 0 ? n : 0);
  atomic_store(&g_fired, 0);
}

int mem_fail_fired(void) { return atomic_load(&g_fired); }

long mem_live(void) { return atomic_load(&g_live); }

/* True when this allocation must fail by injection. */
static int should_fail(void) {
  long left = atomic_load(&g_fail_left);
  if (left == 0) return 0;
  if (left == 1) {
    atomic_store(&g_fired, 1);
    return 1; /* stays at 1: every later allocation fails too */
  }
  atomic_fetch_sub(&g_fail_left, 1);
  return 0;
}

void *mem_alloc(size_t n) {
  if (should_fail()) return NULL;
  void *p = g_malloc(n ? n : 1);
  if (p) atomic_fetch_add(&g_live, 1);
  return p;
}

void *mem_calloc(size_t count, size_t n) {
  if (n && count > SIZE_MAX / n) return NULL;
  void *p = mem_alloc(count * n);
  if (p && count && n) memset(p, 0, count * n);
  return p;
}

void *mem_realloc(void *p, size_t n) {
  if (!p) return mem_alloc(n);
  if (should_fail()) return NULL;
  return g_realloc(p, n ? n : 1);
}

void mem_free(void *p) {
  if (!p) return;
  atomic_fetch_sub(&g_live, 1);
  g_free(p);
}

char *mem_strndup(const char *s, size_t n) {
  char *d = mem_alloc(n + 1);
  if (!d) return NULL;
  memcpy(d, s, n);
  d[n] = 0;
  return d;
}

char *mem_strdup(const char *s) { return mem_strndup(s, strlen(s)); }
