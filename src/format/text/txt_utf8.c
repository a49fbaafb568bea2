/*
** format/text/txt_utf8.c: UTF-8 validation and repair for the text readers
** (CSV STRING columns, JSON strings and corrupt records, bad-record logs).
** Valid means RFC 3629: no overlong forms, no surrogates, nothing above
** U+10FFFF. The per-sequence check, txt_utf8_len, is inline in text_int.h
** for the JSON lexer's string scan.
*/
#include "format/text/text_int.h"

bool txt_utf8_valid(const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  while (p < end) {
    /* ASCII eight bytes at a time. */
    while (end - p >= 8) {
      uint64_t w;
      memcpy(&w, p, 8);
      if (w & 0x8080808080808080ull) break;
      p += 8;
    }
    while (p < end && *p < 0x80) p++;
    if (p == end) break;
    int k = txt_utf8_len(p, end);
    if (!k) return false;
    p += k;
  }
  return true;
}

int txt_utf8_repair(buf *out, const char *s, size_t n) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n, *run = p;
  while (p < end) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    int k = txt_utf8_len(p, end);
    if (k) {
      p += k;
      continue;
    }
    TRY(buf_append(out, run, (size_t)(p - run)));
    TRY(buf_append(out, "\xEF\xBF\xBD", 3));
    p++;
    run = p;
  }
  return buf_append(out, run, (size_t)(p - run));
}
