/*
** util/buf.h: a growable byte buffer on the heap (mem_*).
**
** Owned by whoever called buf_init; buf_deinit frees it. Appends return
** LAGO_OK or LAGO_NOMEM and, after a failure, the buffer is unchanged (the
** content before the failed append is intact). `data` is always
** NUL-terminated when len > 0 or after buf_cstr, so text can be printed.
*/
#ifndef LAGO_UTIL_BUF_H
#define LAGO_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

typedef struct buf {
  char *data;  /* heap, owned; NULL until the first append */
  size_t len;  /* bytes used */
  size_t cap;  /* bytes allocated (one more is always kept for the NUL) */
} buf;

void buf_init(buf *b);
void buf_deinit(buf *b);
/* Empties the buffer, keeping its memory. */
static inline void buf_clear(buf *b) {
  b->len = 0;
  if (b->data) b->data[0] = 0;
}
/* Makes room for n more bytes. */
int buf_reserve(buf *b, size_t n);
int buf_append(buf *b, const void *p, size_t n);
int buf_putc(buf *b, char c);
int buf_puts(buf *b, const char *s);
int buf_printf(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* NUL-terminated view of the content ("" when empty). Borrowed. */
const char *buf_cstr(buf *b);
/* Hands the heap block to the caller (free with mem_free) and resets b. NULL if empty and OOM. */
char *buf_detach(buf *b);

#endif /* LAGO_UTIL_BUF_H */
