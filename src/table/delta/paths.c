/*
** table/delta/paths.c: file paths in the Delta log ("Add File and Remove
** File", "Partition Value Serialization"; DELTA-CHECKLIST.md §1, §9).
**
** Paths in add/remove/cdc are RFC 2396 URIs, relative to the table root
** unless they carry a scheme or start with '/'. Readers percent-decode once.
** Writers build a partition directory from Hive-escaped names and values
** ("x=A%2FA") and URI-encode the result for the log ("x=A%252FA/..."), as
** Spark does. Relative paths are refused when they could leave the root.
*/
#include <string.h>

#include "table/delta/delta_int.h"
#include "util/hex.h"


int delta_uri_decode(arena *ar, const char *s, size_t n, const char **out, lago_err *err) {
  if (!memchr(s, '%', n)) {
    char *c = arena_strndup(ar, s, n);
    if (!c) return LAGO_NOMEM_ERR(err);
    *out = c;
    return LAGO_OK;
  }
  char *d = arena_alloc(ar, n + 1);
  if (!d) return LAGO_NOMEM_ERR(err);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      if (n - i < 3 || hex_value((unsigned char)s[i + 1]) < 0 || hex_value((unsigned char)s[i + 2]) < 0)
        return LAGO_ERR(err, LAGO_CORRUPT, "path \"%.*s\": bad percent escape at byte %zu", (int)(n > 200 ? 200 : n),
                        s, i);
      char c = (char)(hex_value((unsigned char)s[i + 1]) * 16 + hex_value((unsigned char)s[i + 2]));
      if (c == 0) return LAGO_ERR(err, LAGO_CORRUPT, "path \"%.*s\": %%00 in path", (int)(n > 200 ? 200 : n), s);
      d[k++] = c;
      i += 2;
    } else {
      d[k++] = s[i];
    }
  }
  d[k] = 0;
  *out = d;
  return LAGO_OK;
}

int delta_uri_encode(buf *out, const char *s) {
  static const char hex[] = "0123456789ABCDEF";
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    unsigned c = *p;
    if (c <= 0x20 || c == 0x7f || strchr("%<>\"\\^`{|}#?[]", (int)c)) {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      TRY(buf_append(out, e, 3));
    } else {
      TRY(buf_putc(out, (char)c));
    }
  }
  return LAGO_OK;
}

int delta_hive_escape(buf *out, const char *s, size_t n) {
  static const char hex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < n; i++) {
    unsigned c = (unsigned char)s[i];
    if ((c >= 0x01 && c <= 0x1f) || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", (int)c)) {
      char e[3] = {'%', hex[c >> 4], hex[c & 15]};
      TRY(buf_append(out, e, 3));
    } else {
      TRY(buf_putc(out, (char)c));
    }
  }
  return LAGO_OK;
}

int delta_path_check_relative(const char *p, const char *what, lago_err *err) {
  if (!*p) return LAGO_ERR(err, LAGO_CORRUPT, "%s: empty path", what);
  if (p[0] == '/') return LAGO_ERR(err, LAGO_CORRUPT, "%s \"%.200s\": absolute path not allowed here", what, p);
  const char *seg = p;
  for (;;) {
    const char *e = strchr(seg, '/');
    size_t len = e ? (size_t)(e - seg) : strlen(seg);
    if (len == 0) return LAGO_ERR(err, LAGO_CORRUPT, "%s \"%.200s\": empty path segment", what, p);
    if ((len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
      return LAGO_ERR(err, LAGO_CORRUPT, "%s \"%.200s\": '.' or '..' segment would leave the table", what, p);
    if (!e) break;
    seg = e + 1;
  }
  return LAGO_OK;
}

int delta_resolve_path(arena *ar, const char *root, const char *path, const char **out, lago_err *err) {
  const char *p = path;
  /* RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" ("time=10:00/..." is a relative path) */
  size_t k = 0;
  while ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') ||
         (k && ((p[k] >= '0' && p[k] <= '9') || p[k] == '+' || p[k] == '-' || p[k] == '.')))
    k++;
  if (k && p[k] == ':') { /* scheme */
    if (!strncmp(p, "file:", 5)) {
      p += 5;
      if (!strncmp(p, "//", 2)) p += 2; /* file:///abs -> /abs; file://host/... unsupported below */
      if (p[0] != '/') return LAGO_ERR(err, LAGO_UNSUPPORTED, "path \"%.200s\": unsupported file URI", path);
      *out = p;
      return LAGO_OK;
    }
    return LAGO_ERR(err, LAGO_UNSUPPORTED, "path \"%.200s\": scheme not supported by the local backend", path);
  }
  if (p[0] == '/') {
    *out = p;
    return LAGO_OK;
  }
  TRY(delta_path_check_relative(p, "data file", err));
  const char *full = path_join(ar, root, p);
  if (!full) return LAGO_NOMEM_ERR(err);
  *out = full;
  return LAGO_OK;
}

const char *delta_path_relativize(const char *root, const char *path) {
  const char *p = path;
  if (!strncmp(p, "file:", 5)) {
    p += 5;
    if (!strncmp(p, "//", 2)) p += 2;
  }
  if (p[0] != '/') return path;
  size_t rl = strlen(root);
  if (rl && !strncmp(p, root, rl) && p[rl] == '/' && p[rl + 1]) return p + rl + 1;
  return path;
}
