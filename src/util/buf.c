/*
** util/buf.c: growable byte buffer (see buf.h).
*/
#include "util/buf.h"

#include <stdio.h>
#include <string.h>

#include "lago.h"
#include "util/alloc.h"

void buf_init(buf *b) {
  b->data = NULL;
  b->len = b->cap = 0;
}

void buf_deinit(buf *b) {
  mem_free(b->data);
  buf_init(b);
}

int buf_reserve(buf *b, size_t n) {
  if (n > SIZE_MAX - b->len - 1) return LAGO_NOMEM;
  size_t need = b->len + n + 1;
  if (need <= b->cap) return LAGO_OK;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < need) cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  char *p = mem_realloc(b->data, cap);
  if (!p) return LAGO_NOMEM;
  b->data = p;
  b->cap = cap;
  return LAGO_OK;
}

int buf_append(buf *b, const void *p, size_t n) {
  if (buf_reserve(b, n)) return LAGO_NOMEM;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = 0;
  return LAGO_OK;
}

int buf_putc(buf *b, char c) { return buf_append(b, &c, 1); }

int buf_puts(buf *b, const char *s) { return buf_append(b, s, strlen(s)); }

int buf_vprintf(buf *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap2);
  va_end(ap2);
  if (n < 0) return LAGO_INTERNAL;
  if ((size_t)n < sizeof small) return buf_append(b, small, (size_t)n);
  if (buf_reserve(b, (size_t)n)) return LAGO_NOMEM;
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
  return LAGO_OK;
}

int buf_printf(buf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

const char *buf_cstr(buf *b) { return b->data ? b->data : ""; }

char *buf_detach(buf *b) {
  char *p = b->data;
  if (!p) p = mem_calloc(1, 1);
  buf_init(b);
  return p;
}
