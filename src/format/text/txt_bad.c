/*
** format/text/txt_bad.c: badRecordsPath logs of the text readers.
**
** A reader collects one JSON line per bad record (txt_bad_append) and, when
** it closes (or a parallel scan, for all its ranges), writes them as one file
** (txt_bad_write):
**
**   <badRecordsPath>/<yyyyMMdd'T'HHmmss, UTC>/bad_records/part-<k>-<pid>.json
**     {"path":"<file>","line":<first line of the record>,"record":"<text>","reason":"<message>"}\n
**     ...
**
** k counts the files written by this process (atomically, across readers of
** every format), so two logs written in the same second never share a name.
** Strings are JSON-escaped by util/json.h json_escape: invalid UTF-8 in a
** record becomes U+FFFD, so every line is valid JSON.
*/
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "format/text/text_int.h"
#include "util/json.h"

int txt_bad_append(buf *log, const char *path, uint64_t line, const char *rec, size_t rec_len, const char *reason) {
  TRY(buf_puts(log, "{\"path\":"));
  TRY(json_escape(log, path, strlen(path)));
  TRY(buf_printf(log, ",\"line\":%llu,\"record\":", (unsigned long long)line));
  TRY(json_escape(log, rec, rec_len));
  TRY(buf_puts(log, ",\"reason\":"));
  TRY(json_escape(log, reason, strlen(reason)));
  return buf_puts(log, "}\n");
}

int txt_bad_write(lago_fs *fs, const char *dir, const char *text, size_t len, lago_err *err) {
  if (!len) return LAGO_OK;
  static unsigned long counter;
  char name[160];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  unsigned long k = __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
  snprintf(name, sizeof name, "%04d%02d%02dT%02d%02d%02d/bad_records/part-%05lu-%ld.json", tm.tm_year + 1900,
           tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, k, (long)getpid());
  arena *ar = arena_new("bad records", 512);
  if (!ar) return LAGO_NOMEM_ERR(err);
  char *path = path_join(ar, dir, name);
  int rc = path ? fs_write(fs, path, text, len, false, err) : LAGO_NOMEM_ERR(err);
  arena_free(ar);
  return rc;
}
