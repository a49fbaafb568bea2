/*
** util/status.h: errors as a status code plus a message (STYLE.md §3).
**
** A function that can fail takes a `lago_err *err` last and returns an int
** status (LAGO_OK or a LAGO_* code from lago.h). On failure it records what
** happened, where, and which value, with LAGO_ERR, which also returns the code:
**
**     if (len > size) return LAGO_ERR(err, LAGO_CORRUPT, "%s: bad length %u", path, len);
**
** The first error recorded wins: later LAGO_ERR calls on an already-failed
** err keep the first message (the root cause) but still return their rc.
** Bad input never aborts; assert() guards lago's own invariants only.
*/
#ifndef LAGO_UTIL_STATUS_H
#define LAGO_UTIL_STATUS_H

#include "lago.h"
#include <stdarg.h>
#include <stdbool.h>

typedef struct lago_err {
  int rc;            /* LAGO_OK when no error; the first error wins */
  int pos;           /* byte offset into SQL text or file, -1 if none */
  char msg[512];     /* "what, where, which value": shown to users */
  const char *file;  /* source file that raised it: a debugging aid */
  int line;          /* source line that raised it */
} lago_err;

/* Resets err to "no error". */
void lago_err_clear(lago_err *err);
/* Records an error (unless one is already recorded) and returns rc. err may be NULL. */
int lago_err_set(lago_err *err, int rc, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int lago_err_vset(lago_err *err, int rc, const char *file, int line, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));
/* As lago_err_set, and records a byte position. */
int lago_err_set_pos(lago_err *err, int rc, int pos, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Prepends "prefix: " to an existing message (adds context on the way up). Returns err->rc. */
int lago_err_prefix(lago_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Copies src into dst (dst's previous state is overwritten). */
void lago_err_copy(lago_err *dst, const lago_err *src);

#define LAGO_ERR(e, rc, ...) lago_err_set((e), (rc), __FILE__, __LINE__, __VA_ARGS__)
#define LAGO_ERR_POS(e, rc, pos, ...) lago_err_set_pos((e), (rc), (pos), __FILE__, __LINE__, __VA_ARGS__)
/* Out of memory: the message is fixed so that recording it never allocates. */
#define LAGO_NOMEM_ERR(e) lago_err_set((e), LAGO_NOMEM, __FILE__, __LINE__, "out of memory")

/* Propagate a failing status: `TRY(f(x, err));` inside a function returning int. */
#define TRY(expr)                \
  do {                           \
    int try_rc_ = (expr);        \
    if (try_rc_) return try_rc_; \
  } while (0)

/*
** LAGO_ALWAYS(x): an invariant that must hold. Debug builds assert; release
** builds still evaluate it so the caller can take the safe branch
** (SQLite ALWAYS/NEVER).
*/
#ifdef NDEBUG
#define LAGO_ALWAYS(x) (x)
#define LAGO_NEVER(x) (x)
#else
#include <assert.h>
#define LAGO_ALWAYS(x) ((x) ? 1 : (assert(0 && #x), 0))
#define LAGO_NEVER(x) ((x) ? (assert(0 && "NEVER(" #x ")"), 1) : 0)
#endif

#endif /* LAGO_UTIL_STATUS_H */
