/*
** util/alloc.h: the one gate for heap memory (STYLE.md §4).
**
** Every heap allocation in liblago goes through mem_alloc/mem_calloc/
** mem_realloc/mem_free, which call the functions installed with
** lago_set_allocator (default: libc). They return NULL on failure and never
** abort; callers turn NULL into LAGO_NOMEM.
**
** Test hooks (fault injection, SQLite test_malloc.c / libuv test-loop-oom.c):
** mem_fail_after(n) makes the n-th allocation from now (n >= 1) and every one
** after it fail, until mem_fail_after(0) turns failure off. mem_live() counts
** blocks allocated and not yet freed, so a test can check that a failed
** operation released everything. Both are process-wide and thread-safe.
*/
#ifndef LAGO_UTIL_ALLOC_H
#define LAGO_UTIL_ALLOC_H

#include <stddef.h>
#include <stdint.h>

void *mem_alloc(size_t n);                 /* NULL on OOM; n == 0 gives a unique pointer */
void *mem_calloc(size_t count, size_t n);  /* zeroed; NULL on OOM or overflow */
void *mem_realloc(void *p, size_t n);      /* NULL on OOM, and then p is untouched */
void mem_free(void *p);                    /* NULL is a no-op */
char *mem_strdup(const char *s);           /* caller frees with mem_free; NULL on OOM */
char *mem_strndup(const char *s, size_t n);

/* Fault injection: fail the n-th allocation from now and all later ones; 0 = off. */
void mem_fail_after(long n);
/* True if an injected failure has happened since the last mem_fail_after(). */
int mem_fail_fired(void);
/* Blocks currently allocated through this gate (not freed). */
long mem_live(void);

#endif /* LAGO_UTIL_ALLOC_H */
