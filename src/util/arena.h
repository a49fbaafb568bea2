/*
** util/arena.h: region allocator with a named lifetime (STYLE.md §4).
**
** An arena hands out 16-byte aligned memory from a chain of blocks and frees
** it all at once. Lifetimes used in lago (say which one you allocate in):
**   "db"       catalog, caches                      freed by lago_db_close
**   "snapshot" Delta state at one version           freed with the snapshot
**   "query"    AST, plan, operator state            freed at query end
**   "batch"    decoded pages, string bytes, temps   reset before each next()
** Arenas are not thread-safe; each thread uses its own.
*/
#ifndef LAGO_UTIL_ARENA_H
#define LAGO_UTIL_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct arena arena;

/* New arena named `name` (a static string, for debugging). NULL on OOM. */
arena *arena_new(const char *name, size_t first_block);
/* Frees every block. NULL is a no-op. */
void arena_free(arena *ar);
/* Drops everything allocated; keeps the first block for reuse. */
void arena_reset(arena *ar);

/* n bytes, 16-byte aligned, uninitialised. NULL on OOM. n == 0 gives a valid pointer. */
void *arena_alloc(arena *ar, size_t n);
/* n bytes zeroed. */
void *arena_zalloc(arena *ar, size_t n);
/* count*size bytes zeroed, NULL on overflow or OOM. */
void *arena_calloc(arena *ar, size_t count, size_t size);
/* Grows the most recent allocation `p` (of old_n bytes) to new_n, in place when
** possible, else by copying. p may be NULL (then it is arena_alloc). */
void *arena_realloc(arena *ar, void *p, size_t old_n, size_t new_n);
/* Copies of bytes and strings, allocated in ar. NULL on OOM. */
void *arena_memdup(arena *ar, const void *src, size_t n);
char *arena_strdup(arena *ar, const char *s);
char *arena_strndup(arena *ar, const char *s, size_t n);
/* printf into the arena. NULL on OOM. */
char *arena_printf(arena *ar, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Bytes handed out since creation/reset (for memory accounting and tests). */
size_t arena_used(const arena *ar);
/* Bytes reserved from the heap (all blocks). */
size_t arena_reserved(const arena *ar);
const char *arena_name(const arena *ar);

#endif /* LAGO_UTIL_ARENA_H */
