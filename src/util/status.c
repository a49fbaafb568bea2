/*
** util/status.c: lago_err recording (see status.h) and the rc name table.
*/
#include "util/status.h"

#include <stdio.h>
#include <string.h>

const char *lago_rc_name(int rc) {
  switch (rc) {
#define RC_CASE(name, num, doc) \
  case num:                     \
    return "LAGO_" #name;
    LAGO_RC_TABLE(RC_CASE)
#undef RC_CASE
  }
  return "LAGO_UNKNOWN";
}

const char *lago_version(void) { return LAGO_VERSION; }

void lago_err_clear(lago_err *err) {
  if (!err) return;
  err->rc = LAGO_OK;
  err->pos = -1;
  err->msg[0] = 0;
  err->file = NULL;
  err->line = 0;
}

int lago_err_vset(lago_err *err, int rc, const char *file, int line, const char *fmt, va_list ap) {
  if (!err || err->rc != LAGO_OK) return rc;
  err->rc = rc;
  err->pos = -1;
  err->file = file;
  err->line = line;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  return rc;
}

int lago_err_set(lago_err *err, int rc, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lago_err_vset(err, rc, file, line, fmt, ap);
  va_end(ap);
  return rc;
}

int lago_err_set_pos(lago_err *err, int rc, int pos, const char *file, int line, const char *fmt, ...) {
  va_list ap;
  int already = err && err->rc != LAGO_OK;
  va_start(ap, fmt);
  lago_err_vset(err, rc, file, line, fmt, ap);
  va_end(ap);
  if (err && !already) err->pos = pos;
  return rc;
}

int lago_err_prefix(lago_err *err, const char *fmt, ...) {
  if (!err || err->rc == LAGO_OK) return err ? err->rc : LAGO_OK;
  char head[256];
  va_list ap;
  va_start(ap, fmt);
  int hn = vsnprintf(head, sizeof head - 2, fmt, ap);
  va_end(ap);
  if (hn < 0) return err->rc;
  if ((size_t)hn > sizeof head - 3) hn = (int)(sizeof head - 3);
  memcpy(head + hn, ": ", 3);
  size_t h = (size_t)hn + 2, cap = sizeof err->msg - 1, old = strlen(err->msg);
  if (h > cap) h = cap;
  if (old > cap - h) old = cap - h; /* keep the message's head; the tail is cut */
  memmove(err->msg + h, err->msg, old);
  memcpy(err->msg, head, h);
  err->msg[h + old] = 0;
  return err->rc;
}

void lago_err_copy(lago_err *dst, const lago_err *src) {
  if (dst && src) *dst = *src;
}
